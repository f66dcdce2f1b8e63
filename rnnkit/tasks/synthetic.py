"""Synthetic long-memory problems: the adding problem and copy memory.

Both put the information a model needs far from where it must use it, at a distance ``T`` one chooses, and
both have a memoryless baseline that a model which cannot remember does no better than.
"""

from __future__ import annotations

import math

import numpy as np

from ..checks import is_count
from .base import Split, Task, check_seed, cross_entropy, mse, split_rngs

ADDING_CHANCE_MSE = 1.0 / 6.0
"""MSE of always predicting 1 on the adding problem: the target is a sum of two U[0, 1] values, mean 1 and
variance 2 · 1/12 = 1/6 ≈ 0.167."""


def _check_sizes(who: str, **sizes) -> None:
    """ValueError naming the first of ``sizes`` (name=(value, least, what)) that is not an integer >= least."""
    for name, (value, least, what) in sizes.items():
        if not is_count(value, least):
            raise ValueError(f"{who}: {name} must be an integer >= {least} ({what}), got {value!r}")


def _rng(rng, who: str) -> np.random.Generator:
    """``rng`` as a Generator: a Generator, a SeedSequence, an integer seed >= 0, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is not None and not isinstance(rng, np.random.SeedSequence) and not is_count(rng, 0):
        note = " (a bool is no seed: True would be read as seed 1)" if isinstance(rng, bool | np.bool_) else ""
        raise ValueError(f"{who}: rng must be a numpy Generator, an integer seed >= 0 or None{note}, got {rng!r}")
    return np.random.default_rng(rng)


def adding_problem(n: int, T: int, *, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """The adding problem in the form of Le, Jaitly & Hinton 2015 (after Hochreiter & Schmidhuber 1997).

    Each sequence has two channels: ``x[:, 0]`` values drawn from U[0, 1], ``x[:, 1]`` zero except two
    markers (1.0), one at a uniformly drawn step of the first half and one in the second half. The target is
    the sum of the two marked values. Returns ``X (n, T, 2)`` float32 and ``y (n,)`` float32.

    ``rng``: a ``numpy.random.Generator`` or a seed. Chance level: :data:`ADDING_CHANCE_MSE`.
    """
    _check_sizes("adding_problem", n=(n, 0, "sequences"), T=(T, 2, "steps: one marker in each half"))
    rng = _rng(rng, "adding_problem")
    values = rng.uniform(0.0, 1.0, size=(n, T))
    half = T // 2
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n)
    markers = np.zeros((n, T))
    rows = np.arange(n)
    markers[rows, first] = markers[rows, second] = 1.0
    X = np.stack([values, markers], axis=-1).astype(np.float32)  # (n, T, 2)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)
    return X, y


def copy_chance_cross_entropy(T: int, *, length: int = 10, alphabet: int = 8) -> float:
    """Cross-entropy (nats per step) of the memoryless copy-memory baseline: blank for the first
    ``T + length`` steps, uniform over the ``alphabet`` symbols for the last ``length`` (Arjovsky et al.
    2016): ``length · ln(alphabet) / (T + 2 · length)``, ``10 ln 8 / (T + 20)`` by default."""
    return length * math.log(alphabet) / (T + 2 * length)


def copy_memory(
    n: int, T: int, *, length: int = 10, alphabet: int = 8, rng=None
) -> tuple[np.ndarray, np.ndarray]:
    """The copy-memory problem of Arjovsky, Shah & Bengio 2016 (after Hochreiter & Schmidhuber 1997).

    Categories: 0 blank, ``1..alphabet`` symbols, ``alphabet + 1`` the marker. An input sequence of
    ``T + 2 · length`` steps is ``length`` symbols drawn uniformly, ``T - 1`` blanks, the marker, then
    ``length`` blanks; the target is ``T + length`` blanks then the ``length`` symbols: after the marker the
    model must recall the symbols it saw ``T + length`` steps before.

    Returns ``X (n, T + 2·length, alphabet + 2)`` one-hot float32 and ``y (n, T + 2·length)`` int64 labels per
    step in ``0..alphabet`` (the marker is never a target). Chance: :func:`copy_chance_cross_entropy`.
    """
    _check_sizes("copy_memory", n=(n, 0, "sequences"), T=(T, 1, "the delay: steps from the symbols to the marker"),
                 length=(length, 1, "symbols to recall; with none, every target would be blank"),
                 alphabet=(alphabet, 1, "distinct symbols"))
    rng = _rng(rng, "copy_memory")
    steps = T + 2 * length
    symbols = rng.integers(1, alphabet + 1, size=(n, length))
    inputs = np.zeros((n, steps), dtype=np.int64)
    inputs[:, :length] = symbols
    inputs[:, length + T - 1] = alphabet + 1  # the marker, right before recall
    y = np.zeros((n, steps), dtype=np.int64)
    y[:, -length:] = symbols
    X = np.eye(alphabet + 2, dtype=np.float32)[inputs]  # (n, steps, alphabet + 2)
    return X, y


def copy_baseline_probs(n: int, T: int, *, length: int = 10, alphabet: int = 8) -> np.ndarray:
    """The memoryless baseline's probabilities ``(n, T + 2·length, alphabet + 1)``: certain blank, then
    uniform over the symbols for the last ``length`` steps."""
    probs = np.zeros((n, T + 2 * length, alphabet + 1))
    probs[:, : T + length, 0] = 1.0
    probs[:, T + length :, 1:] = 1.0 / alphabet
    return probs


def adding_task(
    *, T: int = 100, n_train: int = 10_000, n_val: int = 1000, n_test: int = 1000, seed: int = 0
) -> Task:
    """The adding problem as a :class:`Task` (regress, mse); splits from independent generators of
    ``seed``."""
    check_seed("adding_task", "seed", seed)
    sizes = (n_train, n_val, n_test)
    splits = [Split(*adding_problem(n, T, rng=r)) for n, r in zip(sizes, split_rngs(seed), strict=True)]
    chance = mse(splits[2].y, np.ones_like(splits[2].y))
    return Task(
        "adding", "regress", *splits, output_size=1, metric="mse", chance=chance,
        chance_note=f"always predict 1 (expected MSE 1/6 = {ADDING_CHANCE_MSE:.4f})",
        source="Le, Jaitly & Hinton 2015, 'A simple way to initialize recurrent networks of rectified "
               "linear units'",
        params={"T": T, "n_train": n_train, "n_val": n_val, "n_test": n_test, "seed": seed},
    )


def copy_task(
    *, T: int = 100, length: int = 10, alphabet: int = 8, n_train: int = 10_000, n_val: int = 1000,
    n_test: int = 1000, seed: int = 0,
) -> Task:
    """Copy memory as a :class:`Task` (tag, cross-entropy in nats per step,
    ``output_size = alphabet + 1``)."""
    check_seed("copy_task", "seed", seed)
    rngs = split_rngs(seed)
    splits = [Split(*copy_memory(n, T, length=length, alphabet=alphabet, rng=r))
              for n, r in zip((n_train, n_val, n_test), rngs, strict=True)]
    expected = copy_chance_cross_entropy(T, length=length, alphabet=alphabet)
    chance = cross_entropy(splits[2].y, copy_baseline_probs(n_test, T, length=length, alphabet=alphabet))
    return Task(
        "copy", "tag", *splits, output_size=alphabet + 1, metric="cross_entropy", chance=chance,
        chance_note=f"memoryless: blank, then uniform over the {alphabet} symbols; expected "
                    f"{length} ln {alphabet} / (T + {2 * length}) = {expected:.4f}",
        source="Arjovsky, Shah & Bengio 2016, 'Unitary evolution recurrent neural networks'",
        params={"T": T, "length": length, "alphabet": alphabet, "n_train": n_train, "n_val": n_val,
                "n_test": n_test, "seed": seed},
    )
