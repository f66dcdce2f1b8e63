"""Real data sets in the formats their loaders hand out (sktime's return types, aeon's lists, lists of
DataFrames), given to the sequence estimators as a new user would: the fourth catalogue of docs/bad_inputs.md
(ids C4-..). A valid input gives the right answer in every format; a bad one gets one line naming what, where
and how to fix it."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line  # a refusal's message, one line
from sklearn.model_selection import cross_val_score

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.estimators import as_sequences

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=16, lr=1e-2, lr_schedule=None,
            pooling="final", frontend=None, stride=1, normalise=None, random_state=0, device="cpu")
TAG = dict(cell="gru", hidden_size=4, max_epochs=1, batch_size=16, random_state=0, device="cpu")


def sktime_data(name: str, return_type: str, split: str = "train"):
    from sktime import datasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sktime's own deprecation notes
        return getattr(datasets, name)(split=split, return_type=return_type)


@pytest.fixture(scope="module")
def vowels():
    """60 JapaneseVowels speakers' utterances (speakers 2 and 3) as aeon hands them out, a list of (C=12, T_i)
    arrays with T_i from 7 to 21; seven of them have T_i = 12 = C (square)."""
    frames, y = sktime_data("load_japanese_vowels", "df-list")
    aeon = [frame.to_numpy().T for frame in frames[30:90]]
    assert sum(a.shape == (12, 12) for a in aeon) == 7 and len({a.shape[1] for a in aeon}) > 1
    return aeon, np.asarray(y[30:90])


# -- C4-01: aeon's (C, T_i) list, after fit -------------------------------------------------------------------
def test_C4_01_aeon_lists_predict_alike_in_any_order_or_subset_square_sequences_included(vowels, tmp_path):
    aeon, y = vowels
    clf = SequenceClassifier(**TINY).fit(aeon, y)
    full = clf.predict_proba(aeon)
    square = [i for i, a in enumerate(aeon) if a.shape == (12, 12)]
    order = np.random.default_rng(0).permutation(len(aeon))
    np.testing.assert_allclose(clf.predict_proba([aeon[i] for i in order]), full[order], atol=1e-5)
    np.testing.assert_allclose(clf.predict_proba([aeon[i] for i in square]), full[square], atol=1e-5)
    np.testing.assert_allclose(clf.predict_proba([aeon[square[0]]]), full[square[:1]], atol=1e-5)
    # a (T_i, C) list of the same sequences is read as given: the same probabilities
    np.testing.assert_allclose(clf.predict_proba([aeon[i].T for i in order]), full[order], atol=1e-5)
    clf.save(tmp_path / "m")
    loaded = rnnkit.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba([aeon[i] for i in square]), clf.predict_proba(
        [aeon[i] for i in square]))


def test_C4_01_cross_validation_on_an_aeon_list_scores_every_fold(vowels):
    aeon, y = vowels
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's "Scoring failed" warning came with a NaN score
        scores = cross_val_score(SequenceClassifier(**TINY), aeon, y, cv=2)
        tags = cross_val_score(SequenceTagger(**TAG), aeon, [np.where(a[0] > 0, "up", "down") for a in aeon], cv=2)
    assert np.isfinite(scores).all() and np.isfinite(tags).all()


# -- C4-02: a list of DataFrames or Series whose index is out of order -----------------------------------------
def test_C4_02_a_newest_first_frame_is_refused_not_read_backwards():
    frames, _ = sktime_data("load_basic_motions", "df-list")
    days = pd.date_range("2024-01-01", periods=100, freq="D")
    dated = [frame.set_axis(days) for frame in frames[:4]]
    newest_first = dated[:2] + [dated[2].iloc[::-1]] + dated[3:]
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(newest_first, [0, 1, 0, 1])
    assert ("sequence 2 of X is a DataFrame whose rows are not in the order of its index (Timestamp('2024-04-09 "
            "00:00:00') at row 0, then Timestamp('2024-04-08 00:00:00'))") in one_line(err)
    assert "sort it (s.sort_index())" in one_line(err)
    with pytest.raises(ValueError, match=r"sequence 1 of X is a Series whose rows .* \(3 at row 1, then 2\)"):
        as_sequences([pd.Series([1.0, 2, 3]), pd.Series([1.0, 2, 3], index=[0, 3, 2])], "fit")
    x, _, _ = as_sequences([f.sort_index() for f in newest_first], "fit")
    np.testing.assert_array_equal(x.numpy(), np.stack([f.to_numpy(np.float64) for f in dated]))  # as given


# -- C4-03: a nested DataFrame of numbers written as text ------------------------------------------------------
def test_C4_03_a_nested_frame_of_numbers_written_as_text_is_refused_not_parsed():
    nested, y = sktime_data("load_unit_test", "nested_univ")
    text = nested.copy()
    text.iloc[3, 0] = nested.iloc[3, 0].astype(str)
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(text, y)
    assert "row 3, column 'dim_0' of the nested DataFrame X holds" in one_line(err) and "pd.to_numeric" in \
        one_line(err)
    text.iloc[3, 0] = np.asarray(nested.iloc[3, 0]).astype(str)  # a numpy array of text in the cell
    with pytest.raises(ValueError, match=r"row 3, column 'dim_0' .* \(dtype <U"):
        as_sequences(text, "fit")


# -- C4-04: a list of DataFrames with a column that is not numbers ---------------------------------------------
@pytest.mark.parametrize("column, values, words", [
    ("activity", ["walking"] * 100, "holds text in column 'activity' (dtype "),
    ("timestamp", pd.date_range("2024-01-01", periods=100, freq="s"),
     "holds dates or durations in column 'timestamp' (dtype datetime64"),
    ("hand", pd.Categorical(["left", "right"] * 50), "holds categories in column 'hand' (dtype category)"),
])
def test_C4_04_a_frame_column_that_is_not_numbers_is_named(column, values, words):
    frames, y = sktime_data("load_basic_motions", "df-list")
    X = [f.assign(**{column: values}) if i == 5 else f for i, f in enumerate(frames)]
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, y)
    assert f"sequence 5 of X {words}" in one_line(err)
    if column == "timestamp":
        assert "make it the index (s.set_index('timestamp'))" in one_line(err)
    multi, _ = sktime_data("load_basic_motions", "pd-multiindex")
    with pytest.raises(ValueError) as err:
        as_sequences(multi.assign(hand=pd.Categorical(["left", "right"] * (len(multi) // 2))), "fit")
    assert "columns ['hand'] of X are not numeric (dtype category); X must hold numbers: drop them" in one_line(err)


# -- C4-05: pandas' nullable columns with missing values --------------------------------------------------------
def test_C4_05_nullable_columns_read_pd_na_as_a_missing_value():
    frames, y = sktime_data("load_basic_motions", "df-list")
    nullable = [f.astype("Float64") for f in frames]
    nullable[2].iloc[7, 1] = pd.NA
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(nullable, y)
    assert "sequence 2 of X contains NaN at step 7, feature 1" in one_line(err) and "time_aware=True" in \
        one_line(err)
    plain = [f.to_numpy() for f in frames]
    plain[2][7, 1] = np.nan
    ours = SequenceClassifier(**TINY, time_aware=True).fit(nullable, y)
    theirs = SequenceClassifier(**TINY, time_aware=True).fit(plain, y)
    np.testing.assert_array_equal(ours.predict_proba(nullable), theirs.predict_proba(plain))


# -- C4-06: torch tensors as y ---------------------------------------------------------------------------------
def test_C4_06_tensor_targets_that_require_grad_or_are_per_step_are_read_as_arrays():
    X, labels = sktime_data("load_italy_power_demand", "numpy2D")
    X = X[:24]
    target = X[:, -1] * 2.0
    ours = SequenceRegressor(**TINY).fit(X, torch.tensor(target, requires_grad=True))
    theirs = SequenceRegressor(**TINY).fit(X, target)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, torch.tensor(target, requires_grad=True)) == theirs.score(X, target)
    steps = (X > 0).astype(np.int64)  # one label per step
    ours = SequenceTagger(**TAG).fit(X, torch.from_numpy(steps))
    theirs = SequenceTagger(**TAG).fit(X, steps)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.score(X, torch.from_numpy(steps)) == theirs.score(X, steps)
    assert SequenceTagger(**TAG).fit(X, pd.DataFrame(steps)).classes_.tolist() == [0, 1]


# -- C4-07: the tagger on sktime's pd-multiindex, with one label per row ----------------------------------------
def test_C4_07_tagger_reads_per_row_labels_on_a_multiindex_frame():
    multi, _ = sktime_data("load_unit_test", "pd-multiindex")
    labels = pd.Series(np.where(multi["dim_0"] > multi["dim_0"].median(), "high", "low"), index=multi.index)
    per_sequence = [group.to_numpy() for _, group in labels.groupby(level=0, sort=False)]
    ours = SequenceTagger(**TAG).fit(multi, labels)
    theirs = SequenceTagger(**TAG).fit(multi, per_sequence)
    for a, b in zip(ours.predict(multi), theirs.predict(multi), strict=True):
        np.testing.assert_array_equal(a, b)
    assert ours.score(multi, labels) == theirs.score(multi, per_sequence)
    with pytest.raises(ValueError) as err:
        SequenceTagger(**TAG).fit(multi, labels.iloc[::-1])
    assert "y is a Series of per-step labels whose index is not X's (instance, time) rows in X's order" in \
        one_line(err) and "y.reindex(X.index)" in one_line(err)


# -- C4-08: sktime's flat layouts ------------------------------------------------------------------------------
def test_C4_08_sktime_pd_long_and_multivariate_pd_wide_are_refused_with_the_conversion_that_reads_them():
    long, y = sktime_data("load_basic_motions", "pd-long")
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(long, y)
    assert "sktime's \"pd-long\" layout" in one_line(err)
    converted = long.set_index(["case_id", "reading_id", "dim_id"])["value"].unstack("dim_id")  # as the message says
    multi, _ = sktime_data("load_basic_motions", "pd-multiindex")
    assert torch.equal(as_sequences(converted, "fit")[0], as_sequences(multi, "fit")[0])

    wide, _ = sktime_data("load_basic_motions", "pd-wide")
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(wide, y)
    assert "are 6 channels of 100 steps, which X.to_numpy() would read as 600 steps of one feature; pass " \
           "X.to_numpy().reshape(40, 6, 100) with layout='nct'" in one_line(err)
    array, _ = sktime_data("load_basic_motions", "numpy3D")
    assert torch.equal(as_sequences(wide.to_numpy().reshape(40, 6, 100), "fit", layout="nct")[0],
                       as_sequences(array, "fit", layout="nct")[0])
    with pytest.raises(ValueError, match=r"flat DataFrame; .*X.to_numpy\(\) for \(n, T\) sequences of one feature"):
        as_sequences(sktime_data("load_arrow_head", "pd-wide")[0], "fit")  # one channel: to_numpy() is right


# -- C4-09: `rnnkit train` on an npz saved channels first -------------------------------------------------------
def test_C4_09_an_npz_of_sktime_numpy3d_is_refused_or_warned_naming_the_transpose(tmp_path, cli_error):
    from rnnkit.data import read_sequences

    X, y = sktime_data("load_arrow_head", "numpy3D")  # (36, 1, 251)
    np.savez(tmp_path / "arrow.npz", X=X, y=y)
    line = cli_error(["train", tmp_path / "arrow.npz", "--task", "classify", "--epochs", "1", "--out", tmp_path / "m"])
    assert "'X' has shape (36, 1, 251), which reads as 1 time step of 251 features" in line
    assert "save X.transpose(0, 2, 1)" in line and not (tmp_path / "m").exists()
    np.savez(tmp_path / "one_step.npz", X=X, y=y, lengths=np.ones(len(X), dtype=int))  # said so: read as given
    assert read_sequences(tmp_path / "one_step.npz").X[0].shape == (1, 251)
    np.savez(tmp_path / "arrow_ntf.npz", X=X.transpose(0, 2, 1), y=y)
    assert read_sequences(tmp_path / "arrow_ntf.npz").X[0].shape == (251, 1)
    motions, labels = sktime_data("load_basic_motions", "numpy3D")  # (40, 6, 100)
    np.savez(tmp_path / "motions.npz", X=motions, y=labels)
    with pytest.warns(UserWarning, match=r"'X' has shape \(40, 6, 100\), read as \(n, T, F\): 6 time steps of 100"):
        read_sequences(tmp_path / "motions.npz")


# -- C4-10..C4-12: labels as real data sets spell them ---------------------------------------------------------
def test_C4_10_a_one_hot_y_is_refused_naming_the_labels_to_pass():
    X, y = sktime_data("load_unit_test", "numpy2D")
    one_hot = np.eye(2)[(y == "2").astype(int)]
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, one_hot)
    assert "got shape (20, 2); it looks one-hot encoded (a single 1 per row): pass the labels, e.g. " \
           "y.argmax(axis=1)" in one_line(err)


def test_C4_11_labels_that_differ_only_by_spaces_are_refused_not_made_two_classes(tmp_path, cli_error):
    X, y = sktime_data("load_basic_motions", "nested_univ")
    spaced = np.where(np.arange(len(y)) == 7, np.char.add(y, " "), y)  # 'walking ' once (sequence 7)
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, spaced)
    assert f"y spells one label in two ways that differ only by spaces ({str(y[7])!r} at position " in one_line(err)
    assert f"{str(spaced[7])!r} at position 7" in one_line(err)
    rows = pd.DataFrame({"id": np.repeat(["a", "b", "c", "d"], 3), "t": np.tile([0, 1, 2], 4),
                         "f": np.arange(12.0), "target": np.repeat(["up", "down", "up ", "down"], 3)})
    rows.to_csv(tmp_path / "d.csv", index=False)
    line = cli_error(["train", tmp_path / "d.csv", "--task", "classify", "--time-column", "t", "--epochs", "1",
                      "--out", tmp_path / "m"])
    assert "('up' at sequence 'a', 'up ' at sequence 'c'), which would be two classes" in line


def test_C4_12_score_with_labels_of_another_type_than_at_fit_names_both():
    X, y = sktime_data("load_italy_power_demand", "numpy2D")  # labels '1', '2' as text
    clf = SequenceClassifier(**TINY).fit(X[:24], y[:24])
    with pytest.raises(ValueError) as err:
        clf.score(X[:24], y[:24].astype(int))
    assert "SequenceClassifier.score: y holds number labels (e.g. 1) but the classifier was fitted on str labels " \
           "(classes_ ['1', '2'])" in one_line(err)
    assert clf.score(X[:24], y[:24]) == np.mean(clf.predict(X[:24]) == y[:24])
    flags = SequenceClassifier(**TINY).fit(X[:24], y[:24] == "2")  # bool classes: 0 / 1 compare, as numpy does
    assert flags.score(X[:24], (y[:24] == "2").astype(int)) == flags.score(X[:24], y[:24] == "2")


# -- C4-13: layout="nct" (set for sktime's numpy3D) given sktime's df-list --------------------------------------
def test_C4_13_a_dataframes_rows_are_its_steps_in_every_layout():
    frames, y = sktime_data("load_basic_motions", "df-list")  # (100, 6) frames: rows are steps
    array, _ = sktime_data("load_basic_motions", "numpy3D")  # (40, 6, 100)
    expected, lengths, _ = as_sequences(array, "fit", layout="nct")
    for layout in ("nct", "ntf", "auto"):
        x, got, _ = as_sequences(frames, "fit", layout=layout)
        assert torch.equal(x, expected) and torch.equal(got, lengths)
    series = [f["dim_0"] for f in frames[:3]]
    assert as_sequences(series, "fit", layout="nct")[0].shape == (3, 100, 1)
    clf = SequenceClassifier(**TINY, layout="nct").fit(array, y)
    with pytest.warns(UserWarning, match="X has feature names, but SequenceClassifier was fitted without"):
        from_frames = clf.predict_proba(frames)
    np.testing.assert_array_equal(from_frames, clf.predict_proba(array))


# -- C4-14: `rnnkit train --layout wide` on sktime's multivariate pd-wide, saved as a CSV ----------------------
def test_C4_14_a_wide_csv_of_several_channels_is_refused_not_read_as_one_series(tmp_path, cli_error):
    from rnnkit.data import read_sequences

    for name in ("load_basic_motions", "load_arrow_head"):
        X, y = sktime_data(name, "pd-wide")
        X.insert(0, "target", y)
        X.to_csv(tmp_path / f"{name}.csv", index=False)
    line = cli_error(["train", tmp_path / "load_basic_motions.csv", "--layout", "wide", "--task", "classify",
                      "--epochs", "1", "--out", tmp_path / "m"])
    assert "the columns ('dim_0__0', ..., 'dim_5__99') are the steps of 6 channels ('dim_0', 'dim_1', 'dim_2', " \
           "...)" in line and "would read them as 600 steps of one" in line
    one = read_sequences(tmp_path / "load_arrow_head.csv", layout="wide")  # one channel: a wide CSV's own case
    assert len(one.X) == 36 and one.X[0].shape == (251, 1)


# -- C4-15: NaN padding at the end of shorter series (tslearn's to_time_series_dataset) ------------------------
@pytest.mark.parametrize("features", [1, 12])
def test_C4_15_nan_padding_at_the_end_is_named_with_the_list_that_reads_it(vowels, features):
    aeon, y = vowels
    seqs = [a.T[:, :features] for a in aeon[:8]]  # (T_i, F) of several lengths
    padded = np.full((len(seqs), max(len(s) for s in seqs), features), np.nan)  # as tslearn pads them
    for i, s in enumerate(seqs):
        padded[i, : len(s)] = s
    X = padded[..., 0] if features == 1 else padded  # (n, T) for one feature
    first = next(i for i, s in enumerate(seqs) if len(s) < padded.shape[1])
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, y[:8])
    assert f"sequence {first} of X contains NaN at step {len(seqs[first])}, feature 0" in one_line(err)
    assert f"its last {padded.shape[1] - len(seqs[first])} step(s) are NaN in every feature, as tslearn pads" in \
        one_line(err)
    fixed = [x[~np.isnan(x).reshape(len(x), -1).all(axis=1)] for x in X]  # the fix the message gives
    assert [len(x) for x in fixed] == [len(s) for s in seqs]
    assert torch.equal(as_sequences(fixed, "fit")[0], as_sequences(seqs, "fit")[0])
