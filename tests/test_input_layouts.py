"""Estimator and forecaster input: sktime / aeon layouts read right or refused, never misread; errors name
the user's own sequence; labels that are not classes are refused before training."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import rnnkit.estimators as estimators
from rnnkit import Forecaster, SequenceClassifier, SequenceTagger
from rnnkit.estimators import as_sequences, check_classes_recur

TINY = {"hidden_size": 4, "max_epochs": 1, "batch_size": 16, "random_state": 0, "device": "cpu"}


def no_training(monkeypatch):
    """Make any training fail loudly: a refusal must come before it."""
    def trainer(*args, **kwargs):
        raise AssertionError("training started")
    monkeypatch.setattr(estimators, "seeded_fit", trainer)


# -- layouts ---------------------------------------------------------------------------------------------------
def test_an_n_1_T_array_is_refused_in_auto_and_read_as_asked():
    X = np.random.default_rng(0).normal(size=(5, 1, 150))
    with pytest.raises(ValueError, match=r"shape \(5, 1, 150\), which reads as 1 time step of 150 features.*"
                                         r"layout='nct'"):
        as_sequences(X, "fit")
    x, lengths, _ = as_sequences(X, "fit", layout="nct")
    assert x.shape == (5, 150, 1) and lengths.tolist() == [150] * 5
    np.testing.assert_array_equal(x[:, :, 0].numpy(), X[:, 0])  # float64 X read as its own values
    assert as_sequences(X, "fit", layout="ntf")[0].shape == (5, 1, 150)  # one step, when said so
    with pytest.raises(ValueError, match="which reads as 1 time step"):  # an equal-shape list, the same
        as_sequences(list(X), "fit")


def test_fewer_steps_than_features_warns_and_an_explicit_layout_is_silent():
    X = np.zeros((3, 10, 64))
    with pytest.warns(UserWarning, match=r"10 time steps of 64 features each.*layout='nct'.*layout='ntf'"):
        assert as_sequences(X, "fit")[0].shape == (3, 10, 64)  # read as given: a legit rnnkit array
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_sequences(X, "fit", layout="ntf")
        as_sequences(np.zeros((3, 64, 10)), "fit")
    with pytest.raises(ValueError, match="layout must be one of"):
        as_sequences(X, "fit", layout="tnf")


def test_aeon_list_of_channels_by_time_is_transposed():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(3, T)) for T in (7, 9, 4)]  # (C, T_i): first axis constant, second varies
    x, lengths, is_array = as_sequences(seqs, "fit")
    assert lengths.tolist() == [7, 9, 4] and x.shape == (3, 9, 3) and not is_array
    np.testing.assert_array_equal(x[1].numpy(), seqs[1].T)
    x_ntf, lengths_ntf, _ = as_sequences([s.T for s in seqs], "fit")  # rnnkit's (T_i, F): the same tensor
    assert torch.equal(x, x_ntf) and torch.equal(lengths, lengths_ntf)
    assert torch.equal(as_sequences([s.T for s in seqs], "fit", layout="ntf")[0], x)
    assert torch.equal(as_sequences(seqs, "fit", layout="nct")[0], x)


def test_nested_and_multiindex_dataframes():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(T, 2)) for T in (4, 6, 5)]
    nested = pd.DataFrame({f"dim_{c}": [pd.Series(s[:, c]) for s in seqs] for c in range(2)},
                          index=["a", "b", "c"])
    long = pd.concat({key: pd.DataFrame(s, columns=["dim_0", "dim_1"]) for key, s in zip("abc", seqs, strict=True)})
    expected, lengths, _ = as_sequences(seqs, "fit")
    for X in (nested, long):
        x, got, is_array = as_sequences(X, "fit")
        assert torch.equal(x, expected) and torch.equal(got, lengths) and not is_array
    bad = nested.copy()
    bad.iloc[1, 0] = pd.Series(np.ones(3))
    with pytest.raises(ValueError, match=r"row 'b' of the nested DataFrame X has channels of lengths \[3, 6\]"):
        as_sequences(bad, "fit")
    with pytest.raises(ValueError, match="instance 'b' are not in strictly increasing time"):
        as_sequences(long.iloc[[0, 1, 2, 3, 5, 4]], "fit")
    with pytest.raises(ValueError, match="flat DataFrame"):
        as_sequences(pd.DataFrame(np.zeros((3, 4))), "fit")
    nan = long.copy()
    nan.iloc[6, 1] = np.nan  # instance 'b', step 2
    with pytest.raises(ValueError, match=r"sequence 'b' contains NaN at step 2, feature 1"):
        as_sequences(nan, "fit")  # named by the DataFrame's own instance id


def test_errors_name_the_callers_ids():
    X = np.ones((3, 5, 2))
    X[2, 3, 1] = np.inf
    with pytest.raises(ValueError, match=r"sequence 's9' contains an infinite value.* at step 3, feature 1"):
        as_sequences(X, "fit", ids=["s1", "s5", "s9"])
    with pytest.raises(ValueError, match=r"sequence 2 of X contains an infinite value"):
        as_sequences(X, "fit")
    with pytest.raises(ValueError, match=r"sequence 0 of X contains a value beyond float32's range \(1e\+39; "):
        as_sequences([np.full((2, 1), 1e39)], "fit")  # finite in float64, beyond what the network reads
    with pytest.raises(ValueError, match="2 ids given for 3 sequences"):
        as_sequences(X, "fit", ids=["a", "b"])


def test_sktime_gunpoint_is_refused_in_auto_and_learnt_with_layout_nct():
    from sktime import datasets
    X, y = datasets.load_gunpoint(split="train", return_type="numpy3D")  # (50, 1, 150)
    with pytest.raises(ValueError, match="layout='nct'"):
        SequenceClassifier(**TINY).fit(X, y)
    nct = SequenceClassifier(**TINY, layout="nct").fit(X, y)
    ntf = SequenceClassifier(**TINY).fit(X.transpose(0, 2, 1), y)
    assert nct.n_features_in_ == 1 and nct.get_params()["layout"] == "nct"
    np.testing.assert_array_equal(nct.predict_proba(X), ntf.predict_proba(X.transpose(0, 2, 1)))
    assert nct.score(X, y) == ntf.score(X.transpose(0, 2, 1), y)


def test_sktime_nested_japanese_vowels_reads_as_rnnkits_own_loader():
    from sktime import datasets

    from rnnkit.data import load_japanese_vowels

    nested, _ = datasets.load_japanese_vowels(split="train")  # (270, 12) cells of pd.Series, lengths 7..26
    seqs, _ = load_japanese_vowels("train")  # list of (T_i, 12)
    x, lengths, _ = as_sequences(nested, "fit")
    x_ref, lengths_ref, _ = as_sequences(seqs, "fit")
    # sktime's float64 values beside the loader's float32
    assert torch.equal(lengths, lengths_ref) and torch.allclose(x, x_ref.double())


def test_after_fit_the_fitted_feature_count_decides_the_reading():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(3, T)) for T in (7, 9, 4, 8, 6, 5)]  # aeon's (C=3, T_i)
    clf = SequenceClassifier(**TINY).fit(seqs, [0, 1] * 3)
    assert clf.n_features_in_ == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no orientation warning for what the fitted count makes clear
        one = clf.predict_proba([seqs[1]])  # a single (C, T): no second length to compare with
        np.testing.assert_array_equal(one, clf.predict_proba([seqs[1].T]))
        # in a padded batch of six: the same reading, up to the rounding of another batch shape (a BLAS with two
        # threads may split the products differently); a transposed reading would differ by far more
        np.testing.assert_allclose(one, clf.predict_proba(seqs)[1:2], rtol=0, atol=1e-6)
        clf.predict_proba([seqs[1].T[:1]])  # one step of 3 features: a stream's first step, read as given
        clf.predict_proba(seqs[1].T[None, :2])  # (1, 2, 3): 2 steps of 3 features
    with pytest.raises(ValueError, match=r"shape \(2, 3, 9\): 9 features per step, but the estimator was fitted "
                                         r"with 3, which is the length of X's second axis.*layout='nct'"):
        clf.predict(np.stack([seqs[1], seqs[1]]))  # (n, C, T) array


def test_a_tagger_reads_nct_at_fit_and_predict():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2, 12))  # (n, C, T)
    y = (X[:, 0] > 0).astype(int)  # (n, T)
    tagger = SequenceTagger(**TINY, layout="nct").fit(X, y)
    assert tagger.n_features_in_ == 2 and tagger.predict(X).shape == (8, 12)


# -- labels ----------------------------------------------------------------------------------------------------
def ragged(n, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3 + i % 4, 2)) for i in range(n)]


@pytest.mark.parametrize("y,message", [
    ([0, "a"] * 10, r"y mixes label types: 0 \(int\) at position 0, 'a' \(str\) at position 1"),  # E10
    (pd.Series(["a", 1] * 10, dtype=object), r"'a' \(str\) at position 0, 1 \(int\) at position 1"),
    ([True, 0] * 10, r"True \(bool\) at position 0, 0 \(int\) at position 1"),
    (np.array(["a", None] * 10, dtype=object), r"None \(NoneType\) at position 1"),
])
def test_E10_mixed_label_types_are_refused(monkeypatch, y, message):
    no_training(monkeypatch)
    with pytest.raises(ValueError, match=message):
        SequenceClassifier(**TINY).fit(ragged(20), y)


def test_mixed_label_types_across_a_taggers_sequences_are_refused(monkeypatch):
    no_training(monkeypatch)
    X = ragged(4)
    y = [np.zeros(len(x), int) if i % 2 else ["a"] * len(x) for i, x in enumerate(X)]
    with pytest.raises(ValueError, match=r"'a' \(str\) at sequence 0, step 0, 0 \(int(64)?\) at sequence 1"):
        SequenceTagger(**TINY).fit(X, y)


def test_C20_continuous_labels_are_refused_before_training(monkeypatch):
    no_training(monkeypatch)
    y = np.linspace(0.0, 1.0, 40)
    with pytest.raises(ValueError, match=r"continuous values \(e.g. 0.025641, not a whole number\).*"
                                         r"SequenceRegressor \(rnnkit train --task regress\)"):
        SequenceClassifier(**TINY).fit(ragged(40), y)
    X = ragged(4)
    with pytest.raises(ValueError, match="continuous values"):
        SequenceTagger(**TINY).fit(X, [np.full(len(x), 0.5) for x in X])


def test_C20b_labels_that_look_like_ids_are_refused(monkeypatch):
    no_training(monkeypatch)
    with pytest.raises(ValueError, match=r"40 distinct labels for 40 sequences, and 40 of them label a single "
                                         r"sequence.*--task regress"):
        SequenceClassifier(**TINY).fit(ragged(40), np.arange(40) * 7)
    with pytest.raises(ValueError, match="distinct labels"):  # whole-number floats: classes, but ids-like
        SequenceClassifier(**TINY).fit(ragged(40), np.arange(40.0))


def test_class_counts_that_a_classifier_can_learn_pass():
    def codes(counts):
        return np.repeat(np.arange(len(counts)), counts)

    for counts in ([10, 10, 10], [2] * 12, [1] * 9, [1] * 5 + [3] * 5, [1, 1] + [5] * 10):
        check_classes_recur(codes(counts), np.arange(len(counts)), "fit")  # no error
    for counts in ([1] * 10, [1] * 6 + [3] * 5):
        with pytest.raises(ValueError, match="look like ids"):
            check_classes_recur(codes(counts), np.arange(len(counts)), "fit")


def test_whole_number_float_labels_are_classes():
    clf = SequenceClassifier(**TINY).fit(ragged(20), np.arange(20.0) % 2)
    assert clf.classes_.tolist() == [0.0, 1.0]


def test_cli_continuous_labels_with_task_classify(tmp_path, capsys):
    from rnnkit.cli import main

    rows = [{"id": i, "t": t, "f": float(t), "target": i / 7} for i in range(30) for t in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    code = main(["train", str(tmp_path / "d.csv"), "--task", "classify", "--time-column", "t", "--epochs", "1",
                 "--hidden-size", "4", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "--task regress" in err
    assert not (tmp_path / "m" / "config.json").exists()


# -- forecaster ------------------------------------------------------------------------------------------------
FORECAST = {"lookback": 8, "horizon": 2, "hidden_size": 4, "max_epochs": 1, "random_state": 0, "device": "cpu"}


def series():
    index = pd.date_range("2020-01-01", periods=60, freq="D")
    return pd.Series(np.sin(np.arange(60) / 4.0), index=index, name="load")


def test_F07_an_index_of_iso_date_strings_is_read_as_dates():
    y = series()
    text = y.set_axis(y.index.strftime("%Y-%m-%d"))
    from_text, from_dates = Forecaster(**FORECAST).fit(text).predict(), Forecaster(**FORECAST).fit(y).predict()
    assert list(from_text.index) == ["2020-03-01", "2020-03-02"]  # as dates, written back as text (F14-01)
    pd.testing.assert_series_equal(from_text.set_axis(pd.DatetimeIndex(from_text.index)), from_dates,
                                   check_index_type=False, check_freq=False)


def test_F07b_uneven_date_strings_are_refused_as_uneven_dates_are():
    y = series().drop(series().index[[5, 9, 20]])
    with pytest.raises(ValueError, match="not evenly spaced") as dates:
        Forecaster(**FORECAST).fit(y)
    with pytest.raises(ValueError, match="not evenly spaced") as text:
        Forecaster(**FORECAST).fit(y.set_axis(y.index.strftime("%Y-%m-%d")))
    assert str(text.value) == str(dates.value)


def test_an_index_of_other_text_or_ambiguous_dates_is_refused_not_dropped():
    y = series()
    with pytest.raises(ValueError, match=r"index holds text that is not dates in one format \('d0', \.\.\.\)"):
        Forecaster(**FORECAST).fit(y.set_axis([f"d{i}" for i in range(60)]))
    with pytest.raises(ValueError, match="read two ways"):
        Forecaster(**FORECAST).fit(y.iloc[:12].set_axis(y.index[:12].strftime("%-d/%-m/%Y")))
    # day 13 and later: only day-first fits, so the dates are read as such
    frame = Forecaster(**FORECAST).fit(y.set_axis(y.index.strftime("%d/%m/%Y"))).history_
    assert frame.time[-1] == pd.Timestamp("2020-02-29")


def test_F16_inf_is_refused_at_fit_naming_row_and_time(monkeypatch):
    y = series()
    y.iloc[30] = np.inf
    with pytest.raises(ValueError, match=r"column 'load' is infinite at row 30 \(2020-01-31 00:00:00\)"):
        Forecaster(**FORECAST).fit(y)
