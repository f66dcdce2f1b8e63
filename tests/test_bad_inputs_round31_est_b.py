"""Thirty-first round, second pass of the estimators: what the first pass left and inputs as a scikit-learn user
brings them. Catalogue "Thirty-first round: the estimators, second pass", E31-12 ..; each test fails on the code
before its fix."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger

torch.set_num_threads(1)
TINY = dict(cell="gru", hidden_size=4, max_epochs=1, n_members=1, frontend=None, batch_size=8, random_state=0)


def test_E31_12_a_dataframe_ys_categorical_column_is_refused_as_a_categorical_y_is():
    """A DataFrame y of two targets, one a category of numbers: refused as labels, naming the column, as a
    one-dimensional categorical y is. Before: regressed on the categories' values (the two forms disagreed)."""
    X = [np.random.default_rng(i).normal(size=(5, 1)) for i in range(6)]
    level = pd.Categorical([1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"y is categorical \(categories 1.0, 2.0, 3.0\)"):
        SequenceRegressor(**TINY).fit(X, pd.Series(level))
    y = pd.DataFrame({"level": level, "size": np.linspace(0.0, 1.0, 6)})
    with pytest.raises(ValueError, match=r"y's column 'level' is categorical \(categories 1.0, 2.0, 3.0\): labels, "
                                         r"not numbers; .*y.astype\(\{'level': float\}\)"):
        SequenceRegressor(**TINY).fit(X, y)
    reg = SequenceRegressor(**TINY).fit(X, y.astype({"level": float}))
    assert reg.predict(X).shape == (6, 2)


def _panel(n: int = 6) -> tuple[pd.DataFrame, list]:
    """A MultiIndex (instance, time) X of n instances 's0', 's1', ..., 4 steps each."""
    ids = [f"s{i}" for i in range(n)]
    index = pd.MultiIndex.from_product([ids, range(4)], names=["id", "t"])
    return pd.DataFrame({"v": np.random.default_rng(0).normal(size=len(index))}, index=index), ids


def test_E31_13_a_missing_target_of_a_y_on_xs_instances_is_named_by_the_users_id():
    """A pandas y on X's instances (as fit requires it) with a missing label or target: the message names the
    instance's id, as X's NaN messages name it. Before: ``at position 2`` / ``the sequence at position 2``."""
    X, ids = _panel()
    labels = pd.Series(["a", "b", pd.NA, "a", "b", "a"], index=ids, dtype="string")
    with pytest.raises(ValueError, match=r"y has a missing label: <NA> \(NAType\) at 's2' \(position 2\)"):
        SequenceClassifier(**TINY).fit(X, labels)
    clf = SequenceClassifier(**TINY).fit(X, labels.fillna("a"))
    with pytest.raises(ValueError, match=r"score: y has a missing label: <NA> \(NAType\) at 's2' \(position 2\)"):
        clf.score(X, labels)
    targets = pd.Series(pd.array([1.0, 2.0, 3.0, None, 5.0, 6.0], dtype="Float64"), index=ids)
    with pytest.raises(ValueError, match=r"y contains NaN or infinite values \(the sequence 's3', position 3, 1 in"):
        SequenceRegressor(**TINY).fit(X, targets)
    with pytest.raises(ValueError, match=r"y contains NaN or infinite values \(the sequence 's3', position 3, 1 in"):
        SequenceRegressor(**TINY).fit(X, pd.DataFrame({"a": np.sqrt(np.arange(6.0)), "b": targets}, index=ids))


def test_E31_14_a_dataframe_ys_column_of_dates_or_bools_is_named_by_column():
    """A DataFrame y of several targets, one of them dates or True/False: refused naming the column, as a y of
    that one column is. Before: ``y must be numeric (float() argument ... not 'Timestamp')``, and for bools ``a
    bool at position 1``: the position of a cell of the raveled frame (row 0, column 1), not of a sequence."""
    X = [np.random.default_rng(i).normal(size=(5, 1)) for i in range(6)]
    size = np.linspace(0.0, 1.0, 6)
    when = pd.DataFrame({"size": size, "sold": pd.date_range("2024-01-01", periods=6)})
    with pytest.raises(ValueError, match=r"y's column 'sold' holds dates or durations \(dtype datetime64"):
        SequenceRegressor(**TINY).fit(X, when)
    flags = pd.DataFrame({"size": size, "broken": [True, False, False, True, False, True]})
    with pytest.raises(ValueError, match=r"y's column 'broken' holds True/False, which are labels, not numbers; .*"
                                         r"y.astype\(\{'broken': float\}\)"):
        SequenceRegressor(**TINY).fit(X, flags)


def test_E31_15_a_taggers_missing_step_label_on_xs_rows_is_named_by_the_users_id():
    """A tagger's y as a Series on a MultiIndex X's (instance, time) rows, a step labelled ``pd.NA`` or NaN: named
    by the instance's id and the step, at fit and score. Before: ``at sequence 2, step 1`` (a position)."""
    X, ids = _panel()
    labels = pd.Series(np.where(X["v"] > 0, "up", "down"), index=X.index, dtype=object)
    tagger = SequenceTagger(cell="gru", hidden_size=4, max_epochs=1, batch_size=8, random_state=0).fit(X, labels)
    missing = labels.copy()
    missing.iloc[9] = pd.NA  # instance 's2', its step 1
    with pytest.raises(ValueError, match=r"score: y has a missing label: <NA> \(NAType\) at sequence 's2', step 1 "
                                         r"\(X's row \('s2', 1\)\)"):
        tagger.score(X, missing)
    numbers = pd.Series((X["v"] > 0).astype(float), index=X.index)
    numbers.iloc[4] = np.nan
    with pytest.raises(ValueError, match=r"fit: y has a missing label: nan \(float\) at sequence 's1', step 0"):
        SequenceTagger(cell="gru", hidden_size=4, max_epochs=1, random_state=0).fit(X, numbers)
