"""Forty-third round, the estimators and the comparison (E43-xx): each test fails on the commit before its fix."""

import numpy as np
import pytest
import torch

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def _y(n=12):
    return np.array([0, 1] * (n // 2))


def test_E43_01_patience_of_zero_or_below_says_the_count_meant():
    # before: "early_stopping_patience must be an integer >= 1 or None, got 0" and nothing more
    with pytest.raises(ValueError, match=r"got 0; .*1 stops at the first such epoch \(as Keras' patience=0 does\): "
                                         r"pass early_stopping_patience=1, or None"):
        SequenceClassifier(**{**TINY, "early_stopping_patience": 0}).fit(_x(), _y())
    for bad in (-1, True):
        with pytest.raises(ValueError, match=rf"got {bad}; it counts the epochs .*early_stopping_patience=5, or None "
                                             r"to train every epoch"):
            SequenceRegressor(**{**TINY, "early_stopping_patience": bad}).fit(_x(), np.arange(12.0))


@pytest.mark.parametrize("seed, fix", [
    (1.0, r"got 1\.0 \(a float\); pass random_state=1, an int"),
    (np.float64(3), r"\(a float\); pass random_state=3, an int"),
    ("42", r"got '42' \(text\); pass random_state=42, an int \(int\(text\)"),
    (1.5, r"got 1\.5; give an int seed, e.g\. random_state=0"),
    (-1, r"got -1, outside numpy's seeds; pass random_state=4294967295 \(the seed modulo 2\*\*32\)"),
])
def test_E43_02_random_state_of_another_type_says_the_int_to_pass(seed, fix):
    # before: "... got 1.0 (1.0 cannot be used to seed a numpy.random.RandomState instance)", numpy's words only
    with pytest.raises(ValueError, match=r"SequenceClassifier\.fit: random_state must be None, an int .*" + fix):
        SequenceClassifier(**{**TINY, "random_state": seed}).fit(_x(), _y())


def test_E43_02_a_torch_generator_as_random_state_says_its_seed():
    with pytest.raises(ValueError, match=r"\(a torch Generator\); give an int seed, e\.g\. random_state=0, or its own: "
                                         r"random_state=gen\.initial_seed\(\) % 2\*\*32"):
        SequenceClassifier(**{**TINY, "random_state": torch.Generator()}).fit(_x(), _y())


def test_E43_03_parameters_of_no_number_say_what_to_pass():
    # before: "lr must be a finite number > 0, got 'fast'" / "hidden_size must be ... got 4.5" and nothing more
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got 'fast'; pass lr='auto' \(a rate chosen "
                                         r"from the data\) or a number, e\.g\. lr=0\.001"):
        SequenceClassifier(**{**TINY, "lr": "fast"}).fit(_x(), _y())
    with pytest.raises(ValueError, match=r"got 'fast'; pass a number, e\.g\. lr=0\.001"):
        SequenceTagger(**{**TINY, "lr": "fast"}).fit(_x(), np.zeros((12, 6), int))
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1 or 'auto', got 4\.5; pass an int, "
                                         r"hidden_size=4 or hidden_size=5, or leave hidden_size='auto'"):
        SequenceRegressor(**{**TINY, "hidden_size": 4.5}).fit(_x(), np.arange(12.0))
    with pytest.raises(ValueError, match=r"max_epochs must be .*got 'many'; pass an int >= 1 \(e\.g\. max_epochs=2\), "
                                         r"or leave max_epochs='auto'"):
        SequenceClassifier(**{**TINY, "max_epochs": "many"}).fit(_x(), _y())


def test_E43_04_integer_features_beyond_2_53_whose_spread_float64_loses_are_refused():
    import pandas as pd

    rng = np.random.default_rng(0)
    big = np.int64(2**60) + rng.integers(0, 100, size=(12, 5))  # ids, or ticks of a far epoch: 96, 31, 79, ...
    X = np.stack([big, rng.integers(0, 10, size=(12, 5))], axis=2)
    # before: read in float64 as 2**60 at every step, the feature constant, without a word
    fix = (r"holds integers beyond 2\*\*53 \(e\.g\. \d+ in .*\), which float64, as X is read, rounds to multiples of "
           r"256: too coarse for their spread \(\d\d\), which would be lost; subtract an offset in integers")
    with pytest.raises(ValueError, match=r"SequenceRegressor\.fit: feature 0 of X " + fix):
        SequenceRegressor(**TINY).fit(X, np.arange(12.0))
    with pytest.raises(ValueError, match=r"SequenceClassifier\.fit: feature 0 of X " + fix):
        SequenceClassifier(**TINY).fit(list(X.astype(np.uint64)), _y())
    long = pd.DataFrame({"f": big.ravel(), "g": X[:, :, 1].ravel()},
                        index=pd.MultiIndex.from_product([range(12), range(5)], names=["id", "t"]))
    with pytest.raises(ValueError, match=r"column 'f' of X " + fix):
        SequenceRegressor(**TINY).fit(long, np.arange(12.0))
    # epoch nanoseconds a second or more apart: float64's 256 ns is nothing beside their spread; a constant is kept
    ns = 1_700_000_000_000_000_000 + rng.integers(0, 1000, size=(12, 5)) * 10**9
    SequenceRegressor(**TINY).fit(np.stack([ns, np.full((12, 5), 2**60)], axis=2), np.arange(12.0))


def test_E43_04_integers_beyond_2_53_in_a_nested_frame_or_a_list_of_frames_are_refused_as_in_an_array():
    """A nested (sktime) DataFrame's int64 cells and a list of DataFrames' int64 columns were read as float64 cell by
    cell, past the array's check; epoch nanoseconds a second apart, and ints of 32 bits, stay quiet."""
    import pandas as pd

    fix = (r"holds integers beyond 2\*\*53 \(e\.g\. \d+ in {where}\), which float64, as X is read, rounds to "
           r"multiples of 256: too coarse for their spread \(5\)")
    ticks = [np.int64(2**60) + np.arange(6) for _ in range(12)]
    nested = pd.DataFrame({"dim_0": [pd.Series(t) for t in ticks], "dim_1": [pd.Series(np.arange(6.0))] * 12})
    with pytest.raises(ValueError, match=r"SequenceRegressor\.fit: column 'dim_0' of X " + fix.format(where="row 0")):
        SequenceRegressor(**TINY).fit(nested, np.arange(12.0))
    frames = [pd.DataFrame({"x0": t, "v": np.arange(6.0)}) for t in ticks]
    with pytest.raises(ValueError, match=r"feature 0 of X " + fix.format(where="sequence 0 of X")):
        SequenceRegressor(**TINY).fit(frames, np.arange(12.0))
    ns = [np.int64(1_700_000_000_000_000_000) + np.arange(6) * 10**9 for _ in range(12)]
    SequenceRegressor(**TINY).fit(pd.DataFrame({"dim_0": [pd.Series(t) for t in ns]}), np.arange(12.0))
    SequenceRegressor(**TINY).fit([pd.DataFrame({"x0": t, "v": np.arange(6.0)}) for t in ns], np.arange(12.0))
    SequenceRegressor(**TINY).fit(np.arange(72, dtype=np.int32).reshape(12, 6, 1) + 2**30, np.arange(12.0))


@pytest.mark.parametrize("seed", [0, 2**32 - 1, np.int64(3), None, np.random.RandomState(0)])
def test_E43_02_the_seeds_taken_before_are_taken(seed):
    """An int (numpy's too), None and a numpy RandomState, as scikit-learn's check_random_state takes them."""
    SequenceClassifier(**{**TINY, "random_state": seed}).fit(_x(), _y())


@pytest.mark.parametrize("kind, metric, fix", [
    ("classify", "f1", r"pass metric='accuracy' and score .* yourself, sklearn\.metrics\.f1_score\(task\.test\.y, "
                       r"output\.argmax\(-1\)\)$"),
    ("classify", "roc_auc", r".*sklearn\.metrics\.roc_auc_score\(task\.test\.y, output\[:, 1\] \(two classes'"),
    ("regress", "mae", r"pass metric='mse' and score .* sklearn\.metrics\.mean_absolute_error\(task\.test\.y, "
                       r"output\)$"),
    ("classify", "kappa", r"pass metric='accuracy' .* yourself, e\.g\. sklearn\.metrics\.f1_score"),
])
def test_E43_05_a_tasks_metric_of_no_near_name_says_how_to_score_it(kind, metric, fix):
    from rnnkit.tasks import Split, Task

    split = Split(_x(), np.arange(12) % 2)
    # before: "Task 'mine': metric must be one of ('accuracy', 'mse', 'cross_entropy'), got 'f1'" alone ('mae': "pass
    # metric='mse'", a guess of another metric)
    with pytest.raises(ValueError, match=rf"^Task 'mine': metric must be one of .*, got '{metric}'; a Task scores only "
                                         r"these \(compare's success bar reads them\): " + fix):
        Task("mine", kind, split, split, split, output_size=2, metric=metric, chance=0.5, chance_note="half")


@pytest.mark.parametrize("given, fix", [
    (dict(lengths=list(np.linspace(50, 200, 4))), r"got np\.float64\(50\.0\) in lengths .*; pass lengths=\[50, 100, "
                                                  r"150, 200\], ints"),
    (dict(lengths=["10"]), r"got '10' in lengths \['10'\]; pass lengths=\[10\], ints"),
    (dict(seeds=3.0), r"seeds must be .*, got 3\.0 \(a float\); pass seeds=3, an int \(rnnkit compare --seeds\)$"),
    (dict(seeds="3"), r"got '3' \(text\); pass seeds=3, an int"),
    (dict(first_seed=1.0), r"first_seed must be .*, got 1\.0 \(a float\); pass first_seed=1, an int$"),
])
def test_E43_06_compares_counts_given_as_floats_or_text_say_the_ints(given, fix):
    from rnnkit.compare import compare

    # before: "compare: seeds must be an integer >= 1 (runs per cell and length), got 3.0 (rnnkit compare --seeds)"
    small = dict(lengths=[10], cells=["gru"], seeds=1, steps=2, eval_every=1, hidden_size=4, log=lambda *a: None)
    with pytest.raises(ValueError, match=r"^compare: .*" + fix):
        compare("adding", **{**small, **given})


def test_E43_06_counts_as_numpy_ints_are_taken():
    """np.arange's lengths and numpy ints for seeds and first_seed are ints: taken without a word."""
    from rnnkit.compare import check_run_options

    lengths = check_run_options(lengths=list(np.arange(50, 201, 50)), seeds=np.int64(3), steps=np.int64(10),
                                budget_seconds=None, hidden_size=np.int64(8), batch_size=8, eval_every=5,
                                first_seed=np.int64(1))
    assert lengths == [50, 100, 150, 200]
