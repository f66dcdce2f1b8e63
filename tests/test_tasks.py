"""Tasks: generators do what their papers say, chance levels hold empirically, splits are deterministic."""

import random

import numpy as np
import pytest
import torch

from rnnkit.tasks import (
    ADDING_CHANCE_MSE,
    TASKS,
    Task,
    adding_problem,
    copy_chance_cross_entropy,
    copy_memory,
    digit_sequences,
    exploding_gradient_demo,
    get_task,
)
from rnnkit.tasks import mnist1d as mnist1d_module
from rnnkit.tasks.base import KINDS, METRICS, cross_entropy
from rnnkit.tasks.exploding import CONVERGED
from rnnkit.tasks.synthetic import copy_baseline_probs

TINY = {
    "adding": {"T": 12, "n_train": 20, "n_val": 5, "n_test": 30},
    "copy": {"T": 6, "n_train": 20, "n_val": 5, "n_test": 30},
    "digits": {},
    "permuted_digits": {},
    "mnist1d": {},
}


@pytest.fixture
def mnist1d_cache(tmp_path_factory, monkeypatch):
    """A private cache directory, generated once per session (about 3 s)."""
    root = tmp_path_factory.getbasetemp() / "rnnkit-cache"
    monkeypatch.setenv("RNNKIT_CACHE_DIR", str(root))
    return root


# --- adding problem ----------------------------------------------------------------------------------------


def test_adding_problem_follows_le_et_al():
    X, y = adding_problem(500, 20, rng=np.random.default_rng(1))
    assert X.shape == (500, 20, 2) and X.dtype == np.float32 and y.shape == (500,) and y.dtype == np.float32
    values, markers = X[..., 0], X[..., 1]
    assert ((values >= 0) & (values <= 1)).all()
    assert (markers.sum(1) == 1 + 1).all() and set(np.unique(markers)) == {0.0, 1.0}
    assert (markers[:, :10].sum(1) == 1).all() and (markers[:, 10:].sum(1) == 1).all()  # one in each half
    np.testing.assert_allclose(y, (values * markers).sum(1), rtol=1e-6)
    np.testing.assert_array_equal(adding_problem(500, 20, rng=1)[0], X)  # a seed or a Generator alike


def test_adding_chance_mse_predicting_one_is_one_sixth():
    _, y = adding_problem(200_000, 10, rng=0)
    assert np.mean((y - 1.0) ** 2) == pytest.approx(ADDING_CHANCE_MSE, abs=0.002)
    assert ADDING_CHANCE_MSE == pytest.approx(0.1667, abs=1e-4)
    task = get_task("adding", **TINY["adding"] | {"n_test": 20_000})
    assert task.chance == pytest.approx(1 / 6, abs=0.006)
    assert task.score(np.ones(20_000)) == pytest.approx(task.chance, rel=1e-6)


# --- copy memory -------------------------------------------------------------------------------------------


def test_copy_memory_follows_arjovsky_et_al():
    T = 7
    X, y = copy_memory(50, T, rng=0)
    assert X.shape == (50, T + 20, 10) and y.shape == (50, T + 20) and y.dtype == np.int64
    inputs = X.argmax(-1)
    assert (X.sum(-1) == 1).all()  # one-hot
    symbols = inputs[:, :10]
    assert ((symbols >= 1) & (symbols <= 8)).all()
    assert (inputs[:, 10 : 10 + T - 1] == 0).all()  # T - 1 blanks
    assert (inputs[:, 10 + T - 1] == 9).all()  # the marker
    assert (inputs[:, T + 10 :] == 0).all()  # blanks during recall
    assert (y[:, : T + 10] == 0).all()
    np.testing.assert_array_equal(y[:, -10:], symbols)


def test_copy_memoryless_baseline_cross_entropy():
    T = 30
    _, y = copy_memory(200, T, rng=0)
    expected = 10 * np.log(8) / (T + 20)
    assert copy_chance_cross_entropy(T) == pytest.approx(expected)
    assert cross_entropy(y, copy_baseline_probs(200, T)) == pytest.approx(expected)
    perfect = np.eye(9)[y]
    assert cross_entropy(y, perfect) == pytest.approx(0.0)
    task = get_task("copy", **TINY["copy"])
    assert task.chance == pytest.approx(copy_chance_cross_entropy(6))
    assert task.output_size == 9 and task.seq_len == 26 and task.input_size == 10


# --- digits ------------------------------------------------------------------------------------------------


def test_digit_sequences_by_row_and_by_pixel():
    rows, y = digit_sequences()
    pixels, _ = digit_sequences(by="pixel")
    permuted, _ = digit_sequences(by="pixel", permutation_seed=3)
    assert rows.shape == (1797, 8, 8) and pixels.shape == permuted.shape == (1797, 64, 1)
    assert rows.dtype == np.float32 and 0 <= rows.min() and rows.max() <= 1 and y.shape == (1797,)
    np.testing.assert_array_equal(pixels.reshape(1797, 8, 8), rows)
    perm = np.random.default_rng(3).permutation(64)
    np.testing.assert_array_equal(permuted, pixels[:, perm])  # one permutation for every image
    with pytest.raises(ValueError):
        digit_sequences(by="row", permutation_seed=0)


def test_digits_split_is_deterministic_stratified_and_disjoint():
    a, b, c = get_task("digits", seed=0), get_task("digits", seed=0), get_task("digits", seed=1)
    np.testing.assert_array_equal(a.test.X, b.test.X)
    assert not np.array_equal(a.test.X, c.test.X)
    assert (len(a.train), len(a.val), len(a.test)) == (1257, 180, 360)
    rows = {x.tobytes() for split in (a.train, a.val, a.test) for x in split.X}
    assert len(rows) == len({x.tobytes() for x in digit_sequences()[0]})  # disjoint and covering
    assert np.bincount(a.test.y).min() >= 35  # stratified: ~36 per class
    assert a.chance == pytest.approx(0.1, abs=0.01)

    permuted = get_task("permuted_digits", permutation_seed=5)
    assert permuted.name == "permuted_digits" and permuted.seq_len == 64 and permuted.input_size == 1


# --- MNIST-1D ----------------------------------------------------------------------------------------------


def test_mnist1d_generated_once_then_read_from_the_npz_cache(mnist1d_cache, monkeypatch):
    np_state, py_state = np.random.get_state()[1].copy(), random.getstate()
    task = get_task("mnist1d")
    assert np.array_equal(np.random.get_state()[1], np_state) and random.getstate() == py_state
    path = mnist1d_cache / "mnist1d-default.npz"
    assert path.exists() and not list(mnist1d_cache.glob(".mnist1d-*"))  # no temporary file left
    with np.load(path, allow_pickle=False) as data:  # plain arrays, no pickle
        assert data["x"].shape == (4000, 40) and data["x_test"].shape == (1000, 40)

    def no_generation():
        raise AssertionError("regenerated despite the cache")

    monkeypatch.setattr(mnist1d_module, "_generate", no_generation)
    again = get_task("mnist1d")
    np.testing.assert_array_equal(again.train.X, task.train.X)
    assert (len(task.train), len(task.val), len(task.test)) == (3600, 400, 1000)
    assert task.train.X.shape[1:] == (40, 1) and task.train.X.dtype == np.float32
    assert set(np.unique(task.test.y)) == set(range(10))
    assert task.baselines["GRU"] == 0.91 and task.baselines["logistic regression"] == 0.32
    assert 0.08 < task.chance < 0.13


# --- the Task interface ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_has_the_uniform_interface(name, request):
    if name == "mnist1d":
        request.getfixturevalue("mnist1d_cache")
    task = get_task(name, **TINY[name])
    assert isinstance(task, Task) and task.name == name and task.kind in KINDS and task.metric in METRICS
    for split in (task.train, task.val, task.test):
        X, y = split
        assert X.dtype == np.float32 and X.ndim == 3 and X.shape[1:] == (task.seq_len, task.input_size)
        expected_y = {"classify": (len(X),), "regress": (len(X),), "tag": (len(X), task.seq_len)}[task.kind]
        assert y.shape == expected_y
        assert y.dtype == (np.float32 if task.kind == "regress" else np.int64)
        if task.kind != "regress":
            assert 0 <= y.min() and y.max() < task.output_size
    assert np.isfinite(task.chance) and task.chance_note and task.source
    assert isinstance(task.higher_is_better, bool)


def test_get_task_rejects_unknown_names():
    assert set(TASKS) == {"adding", "copy", "digits", "permuted_digits", "mnist1d"}
    with pytest.raises(ValueError, match="unknown task"):
        get_task("mnist")


def test_task_scores():
    task = get_task("digits")
    assert task.score(task.test.y) == 1.0
    scores = np.eye(10)[task.test.y]
    assert task.score(scores) == 1.0 and task.score(scores, split="test") == 1.0
    assert task.score(np.eye(10)[task.val.y], split="val") == 1.0


def test_synthetic_splits_are_independent_of_other_split_sizes():
    a = get_task("adding", T=10, n_train=5, n_val=5, n_test=7, seed=3)
    b = get_task("adding", T=10, n_train=50, n_val=2, n_test=7, seed=3)
    np.testing.assert_array_equal(a.test.X, b.test.X)
    c = get_task("adding", T=10, n_train=5, n_val=5, n_test=7, seed=4)
    assert not np.array_equal(a.train.X, c.train.X)


# --- exploding gradients -----------------------------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 2])
def test_exploding_gradients_diverge_without_clipping_and_converge_with_it(threads):
    """Every outcome is checked against the exact values the argument of rnnkit.tasks.exploding derives, for
    seeds 0-4 at 1 and 2 torch threads. A no-op clipping makes the clipped run the unclipped one (its first
    step would land at 1.6e8, not 0.976); a clipping that zeroes or over-shrinks the gradient leaves the loss
    near 1; a wrong rescaling moves the gain by another amount than s."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for seed in range(5):
            torch_state = torch.get_rng_state()
            demo = exploding_gradient_demo(seed=seed)
            assert torch.equal(torch.get_rng_state(), torch_state)
            free, clipped, p = demo.unclipped, demo.clipped, demo.predicted
            assert p["grad_norm_at_init"] == 2 * 2.0**19 and p["s"] == pytest.approx(0.012)
            assert p["steps_to_converge"] == 84 and len(clipped.loss) == 120
            # same start, exactly as derived: L = (a - 1)^2 = 1 (chance), ||grad L|| = 2 rho^(T-1) = 1.05e6
            for run in (free, clipped):
                assert run.loss[0] == pytest.approx(1.0, rel=1e-12)
                assert run.grad_norm[0] == pytest.approx(p["grad_norm_at_init"], rel=1e-9)
            # the first step: unclipped to (q - 1)^2 = 1.6e8, clipped to (1 - s)^2 = 0.976
            assert free.loss[1] == pytest.approx(p["first_step_loss_unclipped"], rel=1e-9)
            assert free.loss[1] > 1e8 and clipped.loss[1] == pytest.approx(p["first_step_loss_clipped"], rel=1e-9)
            # unclipped: non-finite within a few steps (the run stops there)
            assert demo.unclipped_diverged and not np.isfinite(free.loss[-1]) and len(free.loss) <= 10
            # clipped: strictly decreasing for ceil(1/s) steps, then within s^2 = 1.44e-4 (the bound, to 1 %)
            assert demo.clipped_converged and np.isfinite(clipped.loss).all()
            assert (np.diff(clipped.loss[: p["steps_to_converge"]]) < 0).all()
            assert clipped.loss[p["steps_to_converge"] - 1 :].max() < 1.01 * p["clipped_loss_bound"]
            assert clipped.loss[-1] < CONVERGED / 50  # 50x inside the verdict's threshold
    finally:
        torch.set_num_threads(before)


def test_exploding_gradient_verdicts_say_no_when_nothing_explodes():
    """rho^(T-1) small: q = 2 lr rho^(2(T-1)) < 2, so the unclipped SGD step does not overshoot and the verdict
    must not claim divergence."""
    demo = exploding_gradient_demo(radius=1.0, T=5, steps=60, lr=0.05)
    assert demo.predicted["q"] == pytest.approx(0.1) and not demo.unclipped_diverged
    assert demo.unclipped.loss[1] == pytest.approx((1 - 0.1) ** 2)  # e <- (1 - q) e: no overshoot
    assert demo.unclipped.loss[-1] < 1e-6 and np.isfinite(demo.unclipped.loss).all()
    assert demo.plot().axes and "diverged=False" in repr(demo)


def test_permuted_digits_takes_the_options_it_passes_on_to_digits_task():
    """``permuted_digits`` forwards ``**kwargs`` to ``digits_task``: its seed and split sizes are options (before,
    ``get_task`` read only the wrapper's own signature and refused ``seed``, so ``compare`` and ``rnnkit compare
    --task permuted_digits`` failed); the order it sets itself (``by``) stays refused."""
    a, b = get_task("permuted_digits", seed=1, test_size=0.3), get_task("permuted_digits", seed=2, test_size=0.3)
    assert a.seq_len == 64 and len(a.test.y) == len(b.test.y)
    assert not np.array_equal(a.test.y, b.test.y)  # the seed splits
    with pytest.raises(ValueError, match=r"no option\(s\) \['by'\]; its options are \['permutation_seed', "
                                         r"'test_size', 'val_size', 'seed'\]"):
        get_task("permuted_digits", by="row")
