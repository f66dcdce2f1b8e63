"""Twenty-eighth round: real labelled data sets, as their libraries hand them out, given to the estimators
(R28-xx). The tagger's per-step labels come from sktime's bundled MIT-BIH excerpt (``mitdb.csv``: one ECG
value and one 0/1 label per row), cut into 6 sequences of 50 steps and kept as a long table, as a user
reads it: ``df.set_index(["id", "t"])``."""

import os

import numpy as np
import pandas as pd
import pytest

from rnnkit import SequenceTagger

sktime_datasets = pytest.importorskip("sktime.datasets")


@pytest.fixture(scope="module")
def long_table():
    path = os.path.join(os.path.dirname(sktime_datasets.__file__), "data", "mitdb", "mitdb.csv")
    # rows 6900-7200 hold both labels (the 0/1 annotation switches at row 6936)
    df = pd.read_csv(path).iloc[6900:7200].reset_index(drop=True)
    assert set(df["label"]) == {0, 1}
    df["id"] = np.repeat(np.arange(6), 50)
    df["t"] = np.tile(np.arange(50), 6)
    return df


@pytest.fixture(scope="module")
def tagger(long_table):
    X = long_table.set_index(["id", "t"])[["data"]]
    y = long_table.set_index(["id", "t"])["label"]
    return SequenceTagger(max_epochs=1, hidden_size=4, batch_size=6, random_state=0).fit(X, y), X, y


def test_R28_01_a_tagger_scored_on_labels_of_another_type_is_refused_not_0(tagger):
    est, X, y = tagger
    assert est.classes_.tolist() == [0, 1]
    with pytest.raises(ValueError, match=r"SequenceTagger\.score: y holds str labels \(e\.g\. '0'\) but the tagger "
                                         r"was fitted on number labels \(classes_ \[0, 1\]\).*pd\.to_numeric"):
        est.score(X, y.astype(str))
    assert 0.0 <= est.score(X, y) <= 1.0  # the labels as at fit are scored
    assert est.score(X, y.astype(float)) == est.score(X, y)  # numbers compare as numbers, as the classifier's


def test_R28_02_a_column_of_the_long_table_with_its_own_row_numbers_names_set_axis(tagger, long_table):
    est, X, _ = tagger
    y = long_table["label"]  # one label per row of X, on the table's RangeIndex
    fix = r"y\.set_axis\(X\.index\) if it is in the order of X's rows \(or y\.to_numpy\(\)\)"
    refusal = (r"SequenceTagger\.fit: y is a Series of one label per row of X \(300 rows\), but its index "
               r"\(0, 1, 2, \.\.\.\) is not X's \(instance, time\) rows.*")
    with pytest.raises(ValueError, match=refusal + fix):
        SequenceTagger(max_epochs=1, hidden_size=4).fit(X, y)
    with pytest.raises(ValueError, match=r"SequenceTagger\.score: y is a Series of one label per row.*" + fix):
        est.score(X, y)
    assert est.score(X, y.set_axis(X.index)) == est.score(X, y.to_numpy())  # the fixes named are read


def test_R28_03_a_frame_of_several_columns_on_x_rows_names_the_label_column_not_one_per_instance(tagger, long_table):
    est, X, _ = tagger
    y = long_table.set_index(["id", "t"])[["label", "data"]]
    with pytest.raises(ValueError, match=r"SequenceTagger\.fit: y is a DataFrame of 2 columns \('label', 'data'\), "
                                         r"where the tagger takes one label per step: give the column of labels, "
                                         r"e\.g\. y\['label'\]") as info:
        SequenceTagger(max_epochs=1, hidden_size=4).fit(X, y)
    assert "one per instance" not in str(info.value)
    with pytest.raises(ValueError, match=r"SequenceTagger\.score: y is a DataFrame of 2 columns"):
        est.score(X, y)


def test_R28_04_a_label_column_on_the_table_row_numbers_names_set_axis_not_a_loc_that_picks_first_rows():
    from rnnkit import SequenceClassifier, SequenceRegressor

    X, y = sktime_datasets.load_basic_motions(split="train", return_X_y=True, return_type="pd-multiindex")
    X = X.loc[list(range(8))]  # 8 instances of 100 steps
    X.index.names = ["id", "t"]
    df = X.reset_index()
    df["target"] = np.repeat(y[:8], 100)  # the label written on each row of the long table
    X = df.set_index(["id", "t"]).drop(columns="target")
    fix = r"y\.set_axis\(X\.index\)\.groupby\(level=0, sort=False\)\.first\(\) if it is constant within each instance"
    refusal = (r"SequenceClassifier\.fit: y has one value per row of X \(its index \(0, 1, 2, \.\.\.\) numbers the "
               r"table's rows, not X's \(instance, time\) rows: 800 for X's 8 instances\).*")
    with pytest.raises(ValueError, match=refusal + fix) as info:
        SequenceClassifier(max_epochs=1).fit(X, df["target"])
    assert ".loc[" not in str(info.value)  # y.loc[X.index.unique(level=0)]: the table's rows 0-7, all instance 0's
    fixed = df["target"].set_axis(X.index).groupby(level=0, sort=False).first()
    assert fixed.tolist() == list(y[:8])  # the fix named gives each instance its own label
    with pytest.raises(ValueError, match=r"SequenceRegressor\.fit: y has one value per row of X \(its index .*"
                                         r"y\.set_axis\(X\.index\)\.groupby\(level=0, sort=False\)\.last\(\)"):
        SequenceRegressor(max_epochs=1).fit(X, df["t"].astype(float))


def test_R28_05_a_tagger_scored_on_labels_it_never_saw_warns_and_on_none_of_its_classes_refuses(long_table):
    X = long_table["data"].to_numpy().reshape(6, 50, 1)
    named = np.where(long_table["label"].to_numpy() == 1, "beat", "none").reshape(6, 50)
    est = SequenceTagger(max_epochs=1, hidden_size=4, batch_size=6, random_state=0).fit(X, named)
    other = named.astype("<U5")
    other[0, :5] = "noise"  # a class absent from the training data
    with pytest.warns(UserWarning, match=r"SequenceTagger\.score: y holds 1 label\(s\) the tagger never saw at fit: "
                                         r"'noise' \(5 steps\); classes_ \['beat', 'none'\]; those steps count as "
                                         r"wrong predictions"):
        est.score(X, other)
    with pytest.raises(ValueError, match=r"SequenceTagger\.score: y holds none of the tagger's classes \('NONE' "
                                         r"\(36 steps\), 'BEAT' \(264 steps\); .*y\.str\.lower\(\)"):
        est.score(X, np.char.upper(named))
