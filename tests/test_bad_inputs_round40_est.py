"""Fortieth round, the estimators and the comparison (E40-xx): each test fails on the commit before its fix."""

import numpy as np
import pandas as pd
import pytest
from helpers import task_splits, user_warnings

from rnnkit import SequenceRegressor

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def test_E40_01_a_regressors_target_of_one_value_is_predicted_as_that_value_and_warned(tmp_path):
    X = _x()
    y = np.c_[X[:, :, 0].mean(1), np.full(len(X), 0.001)]
    # before: the second target trained on its mean's rounding error, scaled by it (2e-19), and predicted an ulp off
    est = SequenceRegressor(**TINY)
    said = [w for w in user_warnings(lambda: est.fit(X, y)) if "learns nothing of X" in w]
    assert len(said) == 1 and "y's target 1 is 0.001 for every sequence at fit" in said[0]
    assert "np.delete(y, 1, axis=1)" in said[0] and "filterwarnings" in said[0]
    np.testing.assert_array_equal(est.predict(X * 5)[:, 1], 0.001)
    est.save(tmp_path / "m")
    np.testing.assert_array_equal(SequenceRegressor.load(tmp_path / "m").predict(X)[:, 1], 0.001)
    # a whole y of one value, named columns, and the first target still varying
    whole = SequenceRegressor(**TINY)
    said = [w for w in user_warnings(lambda: whole.fit(X, np.full(len(X), 3.0))) if "learns nothing of X" in w]
    assert len(said) == 1 and "y is 3 for every sequence at fit" in said[0] and "predicts 3 whatever" in said[0]
    np.testing.assert_array_equal(whole.predict(X), 3.0)  # before: 2.907 to 3.003
    frame = pd.DataFrame({"load": y[:, 0], "unit": 7.0})
    said = [w for w in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, frame)) if "learns nothing" in w]
    assert len(said) == 1 and "y.drop(columns=['unit'])" in said[0]
    assert np.ptp(est.predict(X)[:, 0]) > 0
    # targets that vary: quiet
    assert not [w for w in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, y[:, 0])) if "learns nothing" in w]


def test_E40_02_a_small_tasks_output_size_far_above_its_classes_is_warned():
    from rnnkit.tasks import Task

    y, y_test = np.array([0, 1] * 4), np.array([1, 0])

    def built(size):
        return [w for w in user_warnings(lambda: Task("mine", "classify", *task_splits(y, y_test), output_size=size,
                                                      metric="accuracy", chance=0.5, chance_note="half"))
                if "reached by no label" in w]

    # before: 12 sequences labelled 0 and 1 given output_size=16 (a hidden size): quiet, below 5 labels per output
    assert built(16) == ["Task 'mine': output_size=16 gives the classes 0 .. 15, but no sequence of its 12 (train, "
                         "val and test) is labelled above 1, so the models' outputs for class(es) 2 .. 15 are "
                         "reached by no label; give output_size the number of classes, output_size=2 "
                         "(int(y.max()) + 1)"]
    assert len(built(6)) == 1
    assert len(built(3)) == 1  # 12 labels of 3 equal classes all miss class 2 by chance 0.8 % of the time
    assert not built(2)
    # 12 labels of 4 equal classes all miss class 3 by chance 3 % of the time: quiet
    y, y_test = np.array([0, 1, 2, 1] * 2), np.array([2, 0])
    assert not built(4)


def test_E40_03_predict_of_another_number_of_features_says_what_to_give():
    from rnnkit import SequenceClassifier

    X = _x()
    clf = SequenceClassifier(**TINY).fit(X, (X[:, :, 0].mean(1) > 0).astype(int))
    # before: "X has 2 features per step, but the estimator was fitted with 3" and nothing more
    for other in (X[:, :, :2], list(X[:, :, :2]), np.concatenate([X, X[:, :, :1]], axis=2)):
        with pytest.raises(ValueError, match=r"fitted with 3; give X the 3 features per step it was fitted on, in "
                                             r"the same order \(n_features_in_\)$"):
            clf.predict(other)
    with pytest.raises(ValueError, match=r"SequenceClassifier\.score: .*give X the 3 features per step"):
        clf.score(X[:, :, :2], np.zeros(len(X), int))


def test_E40_04_compares_lengths_given_as_text_are_shown_as_numbers():
    from rnnkit.compare import compare

    # before: "lengths must be a list of sequence lengths (e.g. ['50']), ...", a list of the same wrong text
    for given, shown in (("50", "[50]"), ("50,100", "[50, 100]"), ("long", "[200]")):
        with pytest.raises(ValueError, match=rf"lengths must be a list of sequence lengths \(e\.g\. \{shown}\), or "
                                             rf"\[None\] for a task of fixed length, got '{given}'$"):
            compare("adding", lengths=given, steps=1, seeds=1, log=None)


def test_E40_05_a_regress_tasks_train_targets_of_one_value_are_refused():
    from rnnkit.tasks import Split, Task

    X = _x(n=24)
    ones = np.ones(len(X))
    # before: built quietly; every cell learns the constant and scores an MSE of 0 against chance 1: all a success
    with pytest.raises(ValueError, match=r"^Task 'mine': the train split's y is 1 for each of its 16 sequences, so "
                                         r"every model would learn to answer it whatever X holds and score its MSE "
                                         r"on the test split \(0\), whichever the cell; .*give the target that "
                                         r"varies$"):
        Task("mine", "regress", Split(X[:16], ones[:16]), Split(X[16:20], ones[16:20]), Split(X[20:], ones[20:]),
             output_size=1, metric="mse", chance=1.0, chance_note="one")
    two = np.c_[ones, ones * 2]
    with pytest.raises(ValueError, match=r"the train split's y is \[1\.0, 2\.0\] for each of its 16 sequences"):
        Task("mine", "regress", Split(X[:16], two[:16]), Split(X[16:20], two[16:20]), Split(X[20:], two[20:]),
             output_size=2, metric="mse", chance=1.0, chance_note="one")
    # a target that varies beside one that does not: built
    y = np.c_[X[:, :, 0].mean(1), ones]
    Task("mine", "regress", Split(X[:16], y[:16]), Split(X[16:20], y[16:20]), Split(X[20:], y[20:]),
         output_size=2, metric="mse", chance=float(np.var(y[:, 0])) / 2, chance_note="half the first's variance")


def test_E40_06_a_regressors_integer_targets_that_float64_merges_are_refused():
    X = _x()
    y = 2 ** 60 + np.arange(len(X), dtype=np.int64) * 10  # ids or nanosecond counts as numbers
    # before: fitted on 2**60 read as every target (float64 keeps about 16 digits), without a word
    with pytest.raises(ValueError, match=r"^SequenceRegressor\.fit: y holds integers that float64, in which targets "
                                         r"are read, cannot tell apart: 1152921504606846976 and 1152921504606846986 "
                                         r"both read as 1\.152921504606847e\+18 .*subtract a reference first, "
                                         r"y - y\.min\(\), so that their differences are kept$"):
        SequenceRegressor(**TINY).fit(X, y)
    # nanoseconds of seconds apart stay apart in float64: fitted, as are the same integers less their least
    seconds = 1_700_000_000 * 10 ** 9 + np.arange(len(X), dtype=np.int64) * 10 ** 9
    for fine in (seconds, y - y.min()):
        SequenceRegressor(**TINY).fit(X, fine)


def test_E40_01_review_every_target_of_one_value_and_a_classifier():
    from rnnkit import SequenceClassifier

    X = _x()
    # every target one value: leaving one out of y would leave the others, so the fix is targets that vary
    est = SequenceRegressor(**TINY)
    said = [w for w in user_warnings(lambda: est.fit(X, np.c_[np.full(len(X), 2.5), np.full(len(X), -1.0)]))
            if "learns nothing of X" in w]
    assert len(said) == 1 and "each of y's 2 targets is one value for every sequence at fit (2.5, -1)" in said[0]
    assert "learns nothing of X for them and predicts them" in said[0] and "give targets that vary" in said[0]
    assert "np.delete" not in said[0]
    np.testing.assert_array_equal(est.predict(X), np.tile([2.5, -1.0], (len(X), 1)))
    # a classifier is untouched: two classes, no word of a target of one value
    clf = SequenceClassifier(**TINY)
    assert not [w for w in user_warnings(lambda: clf.fit(X, np.array([0, 1] * 6))) if "learns nothing" in w]
    assert set(clf.predict(X)) <= {0, 1}
