"""Thirty-first round, the estimators with inputs as a scikit-learn and pandas user builds them: missing values as
``pd.NA`` among numbers (``pd.Series([1.0, pd.NA])`` is of dtype object), categories of numbers, tuples of steps
and integer column labels (``pd.DataFrame(array)``, ``unstack('dim_id')``). Catalogue "Thirty-first round: the
estimators", E31-06 ..; each test fails on the code before its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.estimators import as_sequences

torch.set_num_threads(1)
TINY = dict(cell="gru", hidden_size=4, max_epochs=1, n_members=1, frontend=None, batch_size=8, random_state=0)


def test_E31_06_pd_na_in_a_nested_frames_cell_is_a_missing_step_not_a_value_that_is_not_numeric(tmp_path):
    """sktime's nested DataFrame whose cell is ``pd.Series([1.0, pd.NA, 3.0])`` (dtype object, as pandas builds
    it): the step is missing, as in every other container (a list of such Series, None in the cell). Before:
    ``row 0, column 'a' of the nested DataFrame X is not numeric (float() argument must be ... not 'NAType')``,
    also with ``time_aware=True``, which reads a missing step."""
    cell = pd.Series([1.0, pd.NA, 3.0])
    assert cell.dtype == object
    nested = pd.DataFrame({"a": [cell, pd.Series([4.0, 5.0])]})
    x, lengths, _ = as_sequences(nested, "test", allow_nan=True)
    np.testing.assert_array_equal(x[0, :, 0].numpy(), [1.0, np.nan, 3.0])
    assert lengths.tolist() == [3, 2]
    with pytest.raises(ValueError, match=r"sequence 0 contains NaN at step 1, feature 0; .*time_aware=True"):
        SequenceClassifier(**TINY, log_dir=str(tmp_path)).fit(nested, ["p", "q"])


def test_E31_07_a_multiindex_frames_object_and_number_category_columns_read_as_a_list_of_its_frames_reads_them():
    """A MultiIndex (instance, time) frame with a column of dtype object holding numbers and ``pd.NA``, and a
    column of categories of numbers: read as the same instances given as a list of DataFrames are (values, NaN
    for the missing one). Before: ``columns ['v', 'level'] of X are not numeric (dtype object); ... convert them
    yourself (e.g. pd.to_numeric ...)`` for numbers. Text in an object column is refused, by value."""
    index = pd.MultiIndex.from_product([["s1", "s2"], range(3)], names=["id", "t"])
    frame = pd.DataFrame({"v": pd.Series([0.5, pd.NA, 2.5, 3.5, 4.5, 5.5]).to_numpy(),
                          "level": pd.Categorical([10, 20, 10, 30, 30, 20])}, index=index)
    assert frame["v"].dtype == object
    x, lengths, _ = as_sequences(frame, "test", allow_nan=True)
    as_list, _, _ = as_sequences([frame.loc["s1"], frame.loc["s2"]], "test", allow_nan=True)
    np.testing.assert_array_equal(x.numpy(), as_list.numpy())
    np.testing.assert_array_equal(x[0].numpy(), [[0.5, 10.0], [np.nan, 20.0], [2.5, 10.0]])
    text = frame.assign(v=pd.Series(["0.5", 1.0, 2.5, 3.5, 4.5, 5.5], dtype=object).to_numpy())
    with pytest.raises(ValueError, match=r"column 'v' of X holds values that are not real numbers \(e\.g\. '0\.5'\)"):
        as_sequences(text, "test")


def test_E31_08_a_nested_frame_of_tuples_is_read_as_one_of_lists():
    """``df.groupby('id')['v'].agg(tuple)`` to a frame: cells that are tuples of steps, read as lists are. Before:
    ``X is a flat DataFrame; pass sktime's nested DataFrame ...`` (it is one)."""
    long = pd.DataFrame({"id": [1, 1, 1, 2, 2], "v": [1.0, 2.0, 3.0, 4.0, 5.0], "w": [0.0, 0.1, 0.2, 0.3, 0.4]})
    as_tuples = long.groupby("id")[["v", "w"]].agg(tuple)
    as_lists = long.groupby("id")[["v", "w"]].agg(list)
    x, lengths, _ = as_sequences(as_tuples, "test")
    expected, _, _ = as_sequences(as_lists, "test")
    assert lengths.tolist() == [3, 2]
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


def _panel():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 6, 2))
    y = np.array(["p", "q"] * 8)
    X[y == "p", :, 0] += 3.0  # the class is in column 0 only
    return X, y


@pytest.mark.parametrize("form", ["multiindex", "nested", "frames"])
def test_E31_09_integer_column_labels_given_in_another_order_at_predict_are_refused(tmp_path, form):
    """Columns labelled 0, 1 (``pd.DataFrame(array)``, ``unstack('dim_id')``): not feature names, so nothing was
    checked, and the same columns as ``X[[1, 0]]`` at predict were read by position, each taken for the other:
    predictions silently of other features (before: half of them changed, no word). Now refused naming both
    orders; the fitted order, or other labels, are read as before; save/load keeps the check."""
    X, y = _panel()
    if form == "multiindex":
        index = pd.MultiIndex.from_product([range(16), range(6)], names=["case_id", "reading_id"])
        data = pd.DataFrame(X.reshape(-1, 2), index=index, columns=pd.Index([0, 1], name="dim_id"))
        swap = data[[1, 0]]
    elif form == "nested":
        data = pd.DataFrame({k: [pd.Series(X[i, :, k]) for i in range(16)] for k in range(2)})
        swap = data[[1, 0]]
    else:
        data = [pd.DataFrame(X[i]) for i in range(16)]
        swap = [d[[1, 0]] for d in data]
    model = SequenceClassifier(**TINY, log_dir=str(tmp_path / "logs")).fit(data, y)
    np.testing.assert_array_equal(model.predict(data), model.predict(X))
    with pytest.raises(ValueError, match=r"X has the columns \[1, 0\], in another order than at fit \(\[0, 1\]\)"):
        model.predict(swap)
    with pytest.raises(ValueError, match=r"in another order than at fit"):
        model.score(swap, y)
    model.save(tmp_path / "model")
    with pytest.raises(ValueError, match=r"in another order than at fit"):
        SequenceClassifier.load(tmp_path / "model").predict_proba(swap)


def test_E31_10_a_regression_target_with_pd_na_among_numbers_is_named_by_position(tmp_path):
    """``pd.Series([1.5, ..., pd.NA])`` (dtype object) as a regression y: the missing target is named by its
    position, as NaN is. Before: ``y must be numeric (float() argument must be a string or a real number, not
    'NAType')``."""
    X = np.random.default_rng(0).normal(size=(6, 4, 1))
    y = pd.Series([1.5, 2.0, pd.NA, 0.5, 1.0, 2.5])
    assert y.dtype == object
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match=r"y contains NaN or infinite values \(the sequence at position 2, 1 in"):
            SequenceRegressor(**TINY, log_dir=str(tmp_path)).fit(X, y)


def test_E31_11_a_taggers_score_names_a_missing_step_label_as_its_fit_does(tmp_path):
    """``SequenceTagger.score`` with a step labelled ``pd.NA`` (or NaN): named by sequence and step, as fit names
    it. Before: pandas' ``TypeError: boolean value of NA is ambiguous``; NaN was warned of as a label never seen
    at fit and counted as a wrong prediction."""
    X = np.random.default_rng(0).normal(size=(8, 5, 1))
    labels = [np.array(["x", "x", "y", "y", "y"], dtype=object) for _ in range(8)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tagger = SequenceTagger(cell="gru", hidden_size=4, max_epochs=1, random_state=0, log_dir=str(tmp_path))
        tagger.fit(X, labels)
    missing = [row.copy() for row in labels]
    missing[3][2] = pd.NA
    with pytest.raises(ValueError, match=r"score: y has a missing label: <NA> \(NAType\) at sequence 3, step 2"):
        tagger.score(X, missing)
    numbers = np.zeros((8, 5))
    numbers[0, :2] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tagger = SequenceTagger(cell="gru", hidden_size=4, max_epochs=1, random_state=0, log_dir=str(tmp_path))
        tagger.fit(X, numbers.astype(int))
    numbers[3, 2] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not a warning of a label never seen
        with pytest.raises(ValueError, match=r"score: the labels of sequence 3 are NaN or infinite at step 2"):
            tagger.score(X, numbers)
