"""The task interface: three splits of arrays, what to predict, how it is scored, and the chance level.

A :class:`Task` is data only, so that a comparison can loop over tasks and models without knowing either:

==================  ==============================================================================
``train``, ``val``,  :class:`Split` ``(X, y)``: ``X (n, T, F)`` float32; ``y`` ``(n,)`` int64 class labels
``test``            (``"classify"``), ``(n,)`` float32 values (``"regress"``), or ``(n, T)`` int64 labels
                    per step (``"tag"``)
``output_size``     classes (classify, tag) or output values (regress)
``metric``          ``"accuracy"``, ``"mse"`` or ``"cross_entropy"`` (see :data:`METRICS`)
``chance``          the metric of a stated chance-level baseline on the test split (``chance_note``)
``baselines``       published results on the same test data, metric values, cited in ``source``
==================  ==============================================================================

:meth:`Task.score` scores a model's output on a split: class labels or class scores ``(n, C)`` (``(n, T, C)``
per step) for accuracy, values for mse, class probabilities for cross-entropy.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from ..checks import is_count

KINDS = ("classify", "regress", "tag")


def accuracy(y: np.ndarray, out: np.ndarray) -> float:
    """Fraction of correct labels; ``out`` is labels shaped like ``y``, or scores with a trailing class
    axis."""
    pred = out if out.shape == y.shape else out.argmax(-1)
    return float(np.mean(pred == y))


def mse(y: np.ndarray, out: np.ndarray) -> float:
    """Mean squared error; ``out`` is reshaped to ``y``'s shape (so ``(n, 1)`` outputs work)."""
    return float(np.mean((np.reshape(out, y.shape) - y) ** 2))


def cross_entropy(y: np.ndarray, probs: np.ndarray) -> float:
    """Mean of ``-ln p(y)`` in nats over every label (per step for tagging); ``probs`` sum to 1 on the last
    axis. Probabilities are floored at 1e-12 so a confident mistake costs 27.6 nats, not infinity."""
    p = np.take_along_axis(probs, y[..., None].astype(np.int64), axis=-1)[..., 0]
    return float(np.mean(-np.log(np.maximum(p, 1e-12))))


# name -> (function(y_true, output) -> float, higher is better)
METRICS = {"accuracy": (accuracy, True), "mse": (mse, False), "cross_entropy": (cross_entropy, False)}


@dataclass(frozen=True, eq=False)
class Split:
    """Inputs ``X (n, T, F)`` float32 and targets ``y``; unpacks as ``X, y = task.train``."""

    X: np.ndarray
    y: np.ndarray

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.X, self.y))

    def __len__(self) -> int:
        return len(self.X)


@dataclass(frozen=True, repr=False, eq=False)
class Task:
    """One benchmark task (see the module docstring for the fields)."""

    name: str
    kind: str
    train: Split
    val: Split
    test: Split
    output_size: int
    metric: str
    chance: float
    chance_note: str
    baselines: dict[str, float] = field(default_factory=dict)
    source: str = ""
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Task {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.metric not in METRICS:
            raise ValueError(f"Task {self.name!r}: metric must be one of {tuple(METRICS)}, "
                             f"got {self.metric!r}")

    @property
    def input_size(self) -> int:
        """Features per step, ``F``."""
        return self.train.X.shape[-1]

    @property
    def seq_len(self) -> int:
        """Steps per sequence, ``T``."""
        return self.train.X.shape[1]

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.metric][1]

    def score(self, output: np.ndarray, split: str = "test") -> float:
        """The task's metric of ``output`` (see the module docstring) against ``split``'s targets (``"train"``,
        ``"val"`` or ``"test"``): for ``"classify"`` labels ``(n,)`` or scores ``(n, output_size)``, for
        ``"regress"`` one value per target (``(n,)`` or ``(n, 1)``), for ``"tag"`` probabilities ``(n, T,
        output_size)`` summing to 1 over the last axis. Another shape is a ValueError: it would be reshaped,
        broadcast or read as other classes. A tensor is read as it comes from a model: with grad, on a GPU, in
        bfloat16 or float16 (as float32)."""
        if split not in ("train", "val", "test"):
            raise ValueError(f"Task {self.name!r}.score: split must be 'train', 'val' or 'test', got {split!r}")
        if isinstance(output, torch.Tensor):  # else torch's "Can't call numpy() on Tensor that requires grad", ...
            output = output.detach().cpu()
            output = output.float() if output.dtype in (torch.bfloat16, torch.float16) else output
        y, out = getattr(self, split).y, np.asarray(output)
        scores = (len(y), *y.shape[1:], self.output_size)
        allowed = {"classify": [y.shape, scores], "regress": [y.shape, (*y.shape, 1)], "tag": [scores]}[self.kind]
        if out.shape not in [tuple(a) for a in allowed]:
            raise ValueError(f"Task {self.name!r}.score: output has shape {out.shape}, but the {len(y)} {split} "
                             f"targets of this {self.kind} task take " + " or ".join(map(str, allowed)) +
                             " (one row per sequence, in the split's order; scores over the task's "
                             f"{self.output_size} outputs)")
        # NaN arg-maxes to its first class, silently (-inf scores, masked classes, are read); an MSE of inf is none:
        # a diverged model scores nan, as rnnkit.compare records a diverged run, and is named
        bad = (~np.isfinite(out) if self.metric == "mse" else np.isnan(out)) if out.dtype.kind in "fc" else None
        if bad is not None and bad.any():
            i = tuple(int(k) for k in np.argwhere(bad)[0])
            rows = int(bad.reshape(len(out), -1).any(axis=1).sum())
            held = "NaN or infinity" if self.metric == "mse" else "NaN"
            why = " (not a class: NaN arg-maxes to class 0, a plausible score)" if self.metric == "accuracy" else ""
            warnings.warn(f"Task {self.name!r}.score: output[{', '.join(map(str, i))}] is {out[i]} ({rows} of the "
                          f"{len(out)} rows hold {held}), so the {self.metric} is nan{why}; a model whose training "
                          f"diverged? train it again, e.g. with a lower learning rate or gradient clipping",
                          RuntimeWarning, stacklevel=2)
            return math.nan
        if self.metric == "cross_entropy":
            sums = out.sum(-1)
            if not (np.all(out >= 0) and np.allclose(sums, 1, atol=1e-3)):
                i = np.unravel_index(int(np.argmax(np.abs(np.nan_to_num(sums, nan=np.inf) - 1))), sums.shape)
                raise ValueError(f"Task {self.name!r}.score: output holds no probabilities at {tuple(map(int, i))}"
                                 f" (they sum to {sums[i]:.4g}); cross-entropy reads probabilities that sum to 1 "
                                 "over the last axis: apply softmax to the logits first")
        return METRICS[self.metric][0](y, out)

    def __repr__(self) -> str:
        sizes = "/".join(str(len(s)) for s in (self.train, self.val, self.test))
        return (f"Task({self.name!r}, kind={self.kind!r}, n={sizes}, T={self.seq_len}, F={self.input_size}, "
                f"output_size={self.output_size}, metric={self.metric!r}, chance={self.chance:.4g})")


def check_seed(who: str, name: str, value, *, none: str | None = None) -> None:
    """ValueError unless ``value`` is an integer >= 0, a seed that draws the same data on every call. numpy would
    read ``True`` as seed 1 and ``None`` as fresh entropy (another task on every call), both without a word;
    ``none`` names what None means where it is allowed (``digits_task``'s unpermuted pixels)."""
    if value is None and none is not None:
        return
    if value is None:
        raise ValueError(f"{who}: {name}=None would draw a new, unrepeatable task on every call; give an integer "
                         f">= 0 (e.g. 0)")
    if not is_count(value, 0):
        note = f" (a bool is no seed: True would be read as {name}=1)" if isinstance(value, bool | np.bool_) else ""
        raise ValueError(f"{who}: {name} must be an integer >= 0{note}, got {value!r}")


def split_rngs(seed: int | np.random.SeedSequence, n: int = 3) -> list[np.random.Generator]:
    """Independent generators for the splits: changing one split's size leaves the others unchanged."""
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in sequence.spawn(n)]


def majority_chance(y_train: np.ndarray, y_test: np.ndarray) -> tuple[float, str]:
    """Accuracy on the test split of always predicting the most frequent training class, and its note."""
    values, counts = np.unique(y_train, return_counts=True)
    majority = values[np.argmax(counts)]
    note = f"always predict the most frequent class ({majority})"
    return accuracy(y_test, np.full_like(y_test, majority)), note
