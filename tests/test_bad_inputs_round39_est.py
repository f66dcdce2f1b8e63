"""Thirty-ninth round, the estimators and the comparison (E39-xx): each test fails on the commit before its fix."""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, task_splits, user_warnings

from rnnkit import SequenceClassifier, SequenceRegressor

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _xy(n=12, T=10, F=3):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, T, F)).astype(np.float32)
    return X, (X[:, :, 0].mean(1) > 0).astype(int)


def test_E39_01_a_regressors_target_per_step_is_said_to_be_read_as_targets_of_the_whole_sequence():
    X, _ = _xy()
    # before: SequenceRegressor().fit(X, X[:, :, 0]) fitted 10 outputs per sequence without a word
    said = [w for w in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, X[:, :, 0] * 2 + 1))
            if "targets of each whole sequence" in w]
    assert len(said) == 1
    assert "y of shape (12, 10) holds as many targets as each of X's sequences has steps (10) (y[:, t] is X's " \
           "feature 0 at step t)" in said[0] and "SequenceToSequence" in said[0]
    said = [w for w in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, X[:, :, 1] ** 2))
            if "targets of each whole sequence" in w]
    assert len(said) == 1 and "steps (10) (y[:, t] follows X's feature 1 at step t)" in said[0]
    # k targets of another count than the steps, or named by a DataFrame's columns: quiet
    for y in (X[:, :3, 0], pd.DataFrame(X[:, :, 0], columns=[f"h{i + 1}" for i in range(10)])):
        assert not [w for w in user_warnings(lambda y=y: SequenceRegressor(**TINY).fit(X, y))
                    if "whole sequence" in w]


def test_E39_01_a_multi_output_target_whose_count_equals_the_steps_is_not_warned():
    # ten targets of each whole sequence (ten outcomes, ten steps ahead) of sequences of ten steps: no target
    # follows X at its own step, so nothing says y is a target per step
    X, _ = _xy()
    rng = np.random.default_rng(1)
    for y in (rng.normal(size=(12, 10)), X[:, :, 0].mean(1)[:, None] * np.arange(1, 11),
              X[:, -1:, 0] + rng.normal(size=(12, 10)) * 0.1):
        assert not [w for w in user_warnings(lambda y=y: SequenceRegressor(**TINY).fit(X, y.astype(np.float32)))
                    if "whole sequence" in w]


def test_E39_02_class_weight_auto_is_told_what_the_class_weights_take():
    X, y = _xy()
    # before: "class_weight must be None, 'balanced' or a dict {label: weight}, got 'auto'", beside
    # label_smoothing's 'auto', and scikit-learn's name for 'balanced' before 0.17
    for cw in ("auto", "Auto"):
        with pytest.raises(ValueError, match=r"got '[Aa]uto'; 'auto' is an option the estimator chooses .*"
                                             r"scikit-learn's 'auto' before 0.17.*pass class_weight=None or "
                                             r"'balanced'$") as e:
            SequenceClassifier(**TINY, class_weight=cw).fit(X, y)
        one_line(e)


def test_E39_03_a_task_whose_output_size_is_above_its_classes_is_warned():
    from rnnkit.tasks import Task

    y = np.r_[np.zeros(10, int), np.ones(10, int)]
    mixed = np.array([0, 1, 1, 0, 1, 0])
    # before: built quietly, the models given 3 outputs no label reaches
    said = [w for w in user_warnings(lambda: Task("mine", "classify", *task_splits(y, mixed), output_size=5,
                                                  metric="accuracy", chance=0.5, chance_note="half"))
            if "reached by no label" in w]
    assert said == ["Task 'mine': output_size=5 gives the classes 0 .. 4, but no sequence of its 32 (train, val "
                    "and test) is labelled above 1, so the models' outputs for class(es) 2 .. 4 are reached by no "
                    "label; give output_size the number of classes, output_size=2 (int(y.max()) + 1)"]
    # the number of classes, or too few sequences to tell: quiet
    for size, y_train, y_test in ((2, y, mixed), (3, np.array([0, 1, 0, 1]), mixed[:2])):
        assert not [w for w in user_warnings(lambda s=size, a=y_train, b=y_test: Task(
            "mine", "classify", *task_splits(a, b), output_size=s, metric="accuracy", chance=0.5, chance_note="half"))
            if "reached by no label" in w]


def test_E39_04_a_feature_constant_at_fit_that_varies_at_predict_is_warned(tmp_path):
    X, _ = _xy()
    X[:, :, 2] = 3.0  # a site's code, a unit flag: one value in every training sequence
    y = X[:, :, 0].mean(1)
    reg = SequenceRegressor(**TINY).fit(X, y)
    for value in (8.0, 14.0):  # before: 8 quiet, 14 warned as "3 ± 1 at fit: 11 fitted standard deviations away"
        Z = X.copy()
        Z[:, :, 2] = value
        said = user_warnings(lambda Z=Z: reg.predict(Z))
        assert [w for w in said if "constant at fit" in w] == [
            f"SequenceRegressor.predict: feature 2 of X was constant at fit (3 at every step), but here differs from "
            f"it at 120 of the 120 steps read (from {value:g} to {value:g}): the network never saw it vary, so its "
            f"weights for it were never trained and a change moves the predictions by chance; leave it out at fit "
            f"and here, or fit on data where it varies; if these values are meant, silence this with "
            f"warnings.filterwarnings('ignore', message='.*constant at fit')"]
        assert not [w for w in said if "fitted standard deviations away" in w]
    # as at fit, and after save and load: quiet, and the same warning
    assert not user_warnings(lambda: reg.predict(X))
    reg.save(tmp_path / "m")
    loaded = SequenceRegressor.load(tmp_path / "m")
    Z = X.copy()
    Z[:4, :, 2] = 5.0
    assert [w for w in user_warnings(lambda: loaded.predict(Z)) if "at 40 of the 120 steps read" in w]
    assert reg.constant_features_ == loaded.constant_features_ == [2]


def test_E39_05_compare_given_a_list_of_seeds_is_told_the_count_and_first_seed():
    from rnnkit.compare import compare

    # before: "compare: seeds must be an integer >= 1 (runs per cell and length), got [1, 2, 3] (rnnkit compare
    # --seeds)", with no word of first_seed
    for seeds in ([1, 2, 3], range(1, 4), np.arange(1, 4)):
        with pytest.raises(ValueError, match=r"^compare: seeds is a count of runs per cell and length, got the list "
                                             r"\[1, 2, 3\]; .*for seeds 1 \.\. 3, pass seeds=3, first_seed=1 \(rnnkit "
                                             r"compare --seeds 3 --first-seed 1\)$") as e:
            compare("adding", cells=["gru"], seeds=seeds, steps=1, log=None)
        one_line(e)
    with pytest.raises(ValueError, match=r"seeds not in a row cannot be given at once: run compare once per seed, "
                                         r"seeds=1 and first_seed=s for s in \[0, 42\]$"):
        compare("adding", cells=["gru"], seeds=[0, 42], steps=1, log=None)
