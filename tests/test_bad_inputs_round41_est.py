"""Forty-first round, the estimators and the comparison (E41-xx): each test fails on the commit before its fix."""

import numpy as np
import pandas as pd
import pytest
from helpers import user_warnings

from rnnkit import SequenceClassifier, SequenceRegressor

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def test_E41_01_integers_beyond_2_53_as_python_ints_in_an_object_array_are_refused():
    X = _x()
    ids = [2**60 + k * 10 for k in range(12)]
    # before: read in float64 as one value, fitted, and warned as "y is 1.15292e+18 for every sequence"
    for y in (np.array(ids, dtype=object), pd.Series(ids, dtype=object), np.array([2**70 + k for k in range(12)])):
        with pytest.raises(ValueError, match=r"integers that float64.*cannot tell apart: .*subtract a reference"):
            SequenceRegressor(**TINY).fit(X, y)
    # their differences, as the message says, and Python ints float64 keeps apart: fitted, quiet
    said = user_warnings(lambda: SequenceRegressor(**TINY).fit(X, np.array(ids, dtype=object) - min(ids)))
    assert not [w for w in said if "float64" in w or "learns nothing" in w]
    exact = np.array([2**54 * (k + 1) for k in range(12)], dtype=object)  # beyond 2**53, exact in float64
    SequenceRegressor(**TINY).fit(X, exact)


def test_E41_02_a_regressor_fitted_on_one_sequence_is_warned():
    X = _x()
    est = SequenceRegressor(**TINY)
    # before: fitted quietly, predicting 3.0 for every X
    said = [w for w in user_warnings(lambda: est.fit(X[:1], np.array([3.0]))) if "one sequence" in w]
    assert len(said) == 1 and "learns nothing of X and predicts its target (3)" in said[0]
    assert "give it many sequences" in said[0] and "sliding_windows" in said[0]
    np.testing.assert_array_equal(est.predict(X), 3.0)
    said = [w for w in user_warnings(lambda: SequenceRegressor(**TINY).fit(X[:1], np.array([[3.0, 1.0]])))
            if "one sequence" in w]
    assert len(said) == 1 and "(3, 1)" in said[0]
    # one sequence of weight > 0
    w = np.zeros(12)
    w[4] = 1.0
    said = [m for m in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, X[:, :, 0].mean(1), sample_weight=w))
            if "one sequence" in m]
    assert len(said) == 1 and "one sequence of sample_weight > 0" in said[0]
    # two sequences: quiet of it
    assert not [m for m in user_warnings(lambda: SequenceRegressor(**TINY).fit(X[:2], np.array([3.0, 4.0])))
                if "one sequence" in m or "learns nothing" in m]


@pytest.mark.parametrize("given, meant", [("channels_first", "nct"), ("channels_last", "ntf"), ("NCT", "nct"),
                                          ("numpy3d", "nct"), ("batch_first", "ntf"), ("Auto", "auto")])
def test_E41_03_a_layout_of_another_spelling_is_told_rnnkits(given, meant):
    # before: "layout must be one of ('auto', 'ntf', 'nct', 'numpy3D'), got 'channels_first'" and nothing more
    with pytest.raises(ValueError, match=rf"got '{given}'; '{given}' means .*: pass layout='{meant}'"):
        SequenceClassifier(layout=given, **TINY).fit(_x(), np.arange(12) % 2)


def test_E41_03_a_layout_of_no_known_spelling_is_told_the_layouts():
    with pytest.raises(ValueError, match=r"got 'xyz'; pass layout='ntf' for X of \(n, time, features\), 'nct'"):
        SequenceClassifier(layout="xyz", **TINY).fit(_x(), np.arange(12) % 2)


def test_E41_04_set_params_of_a_nested_key_says_the_estimators_own_parameter():
    # before: AttributeError: 'str' object has no attribute 'set_params' (from scikit-learn)
    with pytest.raises(ValueError, match=r"'frontend__kernel_size' sets 'kernel_size' of 'frontend', but frontend "
                                         r"is 'conv', which holds no parameters of its own; set frontend itself"):
        SequenceClassifier(frontend="conv").set_params(frontend__kernel_size=5)
    # before: "invalid parameter 'module'; its parameters are SequenceClassifier().get_params()'s keys"
    with pytest.raises(ValueError, match=r"no parameter 'module' \(a Pipeline's step name, or skorch's.*"
                                         r"set_params\(hidden_size=5\)"):
        SequenceRegressor().set_params(module__hidden_size=5)
    with pytest.raises(ValueError, match=r"set_params\(lr=0\.01\)"):
        SequenceClassifier().set_params(optimizer__lr=0.01)
    # the estimator's own parameters, and the Pipeline's prefix given to a Pipeline: as before
    assert SequenceClassifier().set_params(hidden_size=5, lr=0.01).hidden_size == 5
    from sklearn.pipeline import Pipeline
    pipe = Pipeline([("clf", SequenceClassifier())]).set_params(clf__hidden_size=7)
    assert pipe.named_steps["clf"].hidden_size == 7


def test_E41_05_sample_weights_beyond_float32s_range_train_as_their_ratios():
    X = _x()
    y = X[:, :, 0].mean(1)
    # the same ratios, as float32 holds them once divided by the largest (weights float32 holds are used as given)
    ref = SequenceRegressor(**TINY).fit(X, y, sample_weight=np.arange(1, 13.0) / 12).predict(X)
    # before: NonFiniteGradientError "non-finite gradient norm (nan) at optimizer step 0" (weights of 1e-46 .. 1.2e-45
    # are 0 or subnormal in float32), and for 1e39 .. 1.2e40 "SequenceDataset: sequence 0 has weight inf"
    for scale in (1e-46, 1e39):
        said = user_warnings(lambda s=scale: SequenceRegressor(**TINY).fit(X, y, sample_weight=np.arange(1, 13.0) * s))
        assert not [w for w in said if "sample_weight" in w]
        est = SequenceRegressor(**TINY).fit(X, y, sample_weight=np.arange(1, 13.0) * scale)
        np.testing.assert_allclose(est.predict(X), ref, rtol=1e-4, atol=1e-6)
    cw = SequenceClassifier(**TINY, class_weight={0: 1e40, 1: 3e40}).fit(X, np.arange(12) % 2)
    np.testing.assert_allclose(cw.predict_proba(X), SequenceClassifier(**TINY, class_weight={0: 1 / 3, 1: 1}).fit(
        X, np.arange(12) % 2).predict_proba(X), rtol=1e-4, atol=1e-6)
    # a ratio float32 cannot hold: the small ones are left out, and said so
    w = np.r_[1e40, np.ones(11)]
    said = [m for m in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, y, sample_weight=w)) if "float32" in m]
    assert len(said) == 1 and "sample_weight is 1 at position 1 (11 in all)" in said[0]
    assert "weigh 0 and are left out" in said[0] and "give weights of comparable size" in said[0]


def _task(y_train, y_val, y_test, output_size, kind="classify", metric="accuracy", chance=0.5):
    from rnnkit.tasks.base import Split, Task

    rng = np.random.default_rng(0)
    splits = [Split(rng.normal(size=(len(y), 8, 2)).astype(np.float32), np.asarray(y))
              for y in (y_train, y_val, y_test)]
    return Task("mine", kind, *splits, output_size=output_size, metric=metric, chance=chance, chance_note="")


def test_E41_06_a_regress_tasks_train_split_of_one_sequence_is_refused():
    y = np.random.default_rng(1).normal(size=16)
    # before: built, a comparison of every cell trained toward one sequence's target
    with pytest.raises(ValueError, match=r"Task 'mine': the train split holds one sequence \(y 0\.5\), so every "
                                         r"model would learn to answer its target whatever X holds.*train_test_split"):
        _task(np.array([0.5]), y, y, 1, "regress", "mse", 1.0)
    with pytest.raises(ValueError, match=r"one sequence \(y \[0\.5, 2\.0\]\)"):
        _task(np.array([[0.5, 2.0]]), np.c_[y, y], np.c_[y, y], 2, "regress", "mse", 1.0)
    _task(np.array([0.5, 0.7]), y, y, 1, "regress", "mse", 1.0)  # two that vary: built


def test_E41_07_a_classify_task_labelled_from_1_is_warned_of_its_unreached_class_0():
    y = np.arange(16) % 2 + 1  # 1 and 2, R's or MATLAB's or a UCR file's classes
    # before: built quietly, every model given an output for class 0 that no label reaches
    said = [w for w in user_warnings(lambda: _task(y, y, y, 3)) if "reached by no label" in w]
    assert len(said) == 1 and "no sequence of its 48 (train, val and test) is labelled below 1" in said[0]
    assert "output for class 0 is reached" in said[0] and "subtract 1 from every split's y (y - 1)" in said[0]
    assert "output_size=2" in said[0]
    # classes from 0, and a small task that may miss class 0 by chance (5 labels of 3 classes): quiet
    assert not [w for w in user_warnings(lambda: _task(y - 1, y - 1, y - 1, 2)) if "reached by no label" in w]
    few = np.array([1, 2, 1, 2, 1])
    assert not [w for w in user_warnings(lambda: _task(few[:3], few[3:4], few[4:], 3)) if "reached by no" in w]


def test_E41_08_one_hot_labels_are_told_by_name_to_a_classifier_and_warned_to_a_regressor():
    X = _x()
    labels = pd.Series(["cat", "dog", "bird"] * 4)
    # before: "pass the labels, e.g. y.argmax(axis=1)", which numbers the classes pd.get_dummies named
    with pytest.raises(ValueError, match=r"one-hot encoded.*y\.idxmax\(axis=1\), each row's column name \('bird', "
                                         r"'cat', 'dog'\)"):
        SequenceClassifier(**TINY).fit(X, pd.get_dummies(labels))
    with pytest.raises(ValueError, match=r"one-hot encoded \(a single 1 per row\): pass the labels, e\.g\. "
                                         r"y\.argmax\(axis=1\)$"):
        SequenceClassifier(**TINY).fit(X, np.eye(3)[np.arange(12) % 3])
    # before: a regressor fitted 3 numbers by MSE without a word
    for y, fix in ((np.eye(3)[np.arange(12) % 3], "y.argmax(axis=1)"),
                   (pd.get_dummies(labels, dtype=float), "y.idxmax(axis=1)")):
        said = [w for w in user_warnings(lambda y=y: SequenceRegressor(**TINY).fit(X, y)) if "is one-hot" in w]
        assert len(said) == 1 and "a single 1 in every row" in said[0]
        assert f"SequenceClassifier().fit(X, {fix})" in said[0] and "filterwarnings" in said[0]
    # shares that sum to 1 but are not all 0 or 1, and 0/1 targets of several 1s a row: quiet
    shares = np.random.default_rng(2).dirichlet(np.ones(3), 12)
    flags = np.c_[np.arange(12) % 2, np.ones(12)]
    for y in (shares, flags):
        assert not [w for w in user_warnings(lambda y=y: SequenceRegressor(**TINY).fit(X, y)) if "one-hot" in w]


def test_E41_05_ordinary_weights_reach_the_loss_as_given_bit_for_bit():
    # weights float32 holds (0.5/1/2, class_weight='balanced''s 1.2 and 0.857, counts, 1e-30 .. 1e30) are cast as
    # given, not divided by their largest: the trained weights of a fit stay as they were before E41-05
    import torch

    from rnnkit.estimators import _loss_weight_tensor
    for w in (np.tile([0.5, 1.0, 2.0], 4), np.array([1.2, 0.857142857, 0.0, 3.0]), np.arange(1, 13.0) * 1e30,
              np.arange(1, 13.0) * 1e-30, np.array([7.0, 7.0])):
        with_warnings = user_warnings(lambda w=w: _loss_weight_tensor(w, "fit"))
        assert not with_warnings
        assert torch.equal(_loss_weight_tensor(w, "fit"), torch.from_numpy(w).float())
    X, y = _x(), np.arange(12) % 2
    balanced = SequenceClassifier(**TINY, class_weight="balanced").fit(X, y, sample_weight=np.tile([0.5, 1, 2], 4))
    assert np.isfinite(balanced.predict_proba(X)).all()


def test_E41_07_a_classify_task_whose_train_split_lacks_class_0_is_not_taken_for_labels_from_1():
    # class 0 absent from a small train split but labelling val and test: E41-07 reads all three splits, so only
    # the unseen class of val and test is told (as before), not labels counted from 1
    y = np.arange(12) % 3
    said = user_warnings(lambda: _task(np.arange(12) % 2 + 1, y, y, 3))
    assert not [w for w in said if "reached by no label" in w or "counted from" in w]
    assert [w for w in said if "class(es) 0 label" in w]


def test_E41_04_legitimate_params_clone_and_a_grid_search_are_unaffected():
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV
    est = SequenceClassifier(**TINY, frontend="conv").set_params(hidden_size=8, lr=0.01, cell="lstm")
    assert clone(est).get_params() == est.get_params()
    X, y = _x(), np.arange(12) % 2
    grid = {"hidden_size": [2, 4], "lr": [1e-3, 1e-2]}
    assert not user_warnings(lambda: GridSearchCV(SequenceClassifier(**TINY), grid, cv=2).fit(X, y))
