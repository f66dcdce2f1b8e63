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


def test_exploding_gradients_diverge_without_clipping_and_converge_with_it():
    torch_state = torch.get_rng_state()
    demo = exploding_gradient_demo()
    assert torch.equal(torch.get_rng_state(), torch_state)
    free, clipped = demo.unclipped, demo.clipped
    assert len(free.loss) == len(clipped.loss) == 40
    assert free.loss[0] == clipped.loss[0] and free.grad_norm[0] == clipped.grad_norm[0]  # same start
    assert free.grad_norm[0] > 10  # radius 3: the gradient is large from the start
    blew_up = ~np.isfinite(free.loss) | (free.loss > 1e6)
    assert blew_up.any() and (~np.isfinite(free.grad_norm) | (free.grad_norm > 1e6)).any()
    assert np.isfinite(clipped.loss).all() and np.isfinite(clipped.grad_norm).all()
    assert clipped.loss[-1] < 0.3 * clipped.loss[0] and clipped.loss[-5:].max() < 0.5
    fig = demo.plot()
    assert fig.axes
