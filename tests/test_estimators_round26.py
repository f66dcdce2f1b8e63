"""Twenty-sixth round: sample times, labels and per-step labels as users bring them to the estimators (E26-01 ...).

Each test fails on the code before its fix (docs/bad_inputs.md, "Twenty-sixth round")."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.pipeline import Pipeline

from rnnkit import SequenceClassifier, SequenceTagger

QUICK = dict(max_epochs=1, hidden_size=4, random_state=0)
TIMED = dict(QUICK, time_aware=True)


def _data(n=8, T=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, T, 1)).astype("float32")
    t = np.cumsum(rng.exponential(1.0, (n, T)), axis=1)
    return X, t, np.arange(n) % 2


def _long(order=(3, 1, 7, 0, 2, 6, 5, 4), T=5):
    """A long table of sequences s3, s1, ... in that order (not sorted), each with its own times, and X from it."""
    rng = np.random.default_rng(1)
    t = np.cumsum(rng.exponential(1.0, (len(order), T)), axis=1)
    rows = [(f"s{i}", k, t[k, s], float(rng.normal())) for k, i in enumerate(order) for s in range(T)]
    long = pd.DataFrame(rows, columns=["id", "k", "time", "v"])
    X = long.set_index(["id", "time"])[["v"]]
    y = pd.Series(np.arange(len(order)) % 2, index=pd.Index([f"s{i}" for i in order], name="id"))
    return long, X, y


def test_E26_01_a_series_of_values_on_a_time_index_given_as_times_is_refused():
    """times=[the data Series]: each Series' values (the readings) were read as its times, silently where they
    happen to increase (a unit of 3.0 from values 0, 3, 6, ...)."""
    X, _, y = _data()
    stamps = [pd.date_range("2024-01-01", periods=5, freq="h") + pd.Timedelta(hours=i) for i in range(8)]
    series = [pd.Series(np.arange(5) * 3.0, index=s) for s in stamps]
    with pytest.raises(ValueError, match=r"^SequenceClassifier.fit: times of sequence 0 of X: is a Series of float64 "
                                         r"values on a DatetimeIndex, and a Series' values are read as the times, "
                                         r"not its index; if the times are its index, pass s.index"):
        SequenceClassifier(**TIMED).fit(X, y, times=series)
    # the fix: their index, an hour apart
    assert SequenceClassifier(**TIMED).fit(X, y, times=[s.index for s in series]).time_unit_ == 3600.0
    # a Series of dates (a time column) is read as before
    assert SequenceClassifier(**TIMED).fit(X, y, times=[pd.Series(s) for s in stamps]).time_unit_ == 3600.0


def test_E26_02_zone_aware_and_naive_dates_in_one_sequence_are_refused():
    """The naive dates were read as UTC beside the Paris ones: a gap of 90 minutes where 30 were meant."""
    X, _, y = _data()
    paris = pd.Timestamp("2024-03-10 00:00", tz="Europe/Paris")
    times = [[paris] + [pd.Timestamp("2024-03-10 00:30") + pd.Timedelta(minutes=30 * k) for k in range(4)]] * 8
    with pytest.raises(ValueError, match=r"^SequenceClassifier.fit: times of sequence 0 of X: step 0 has a date with "
                                         r"a time zone \(Timestamp\('2024-03-10 00:00:00\+0100', tz='Europe/Paris'\)\)"
                                         r" and step 1 one without"):
        SequenceClassifier(**TIMED).fit(X, y, times=times)
    # the fix it names, and zones that differ between sequences (each read relative to its own first) still fit
    local = [[t if t.tzinfo else t.tz_localize("Europe/Paris") for t in row] for row in times]
    assert SequenceClassifier(**TIMED).fit(X, y, times=local).time_unit_ == 1800.0
    mixed = [pd.date_range("2024-01-01", periods=5, freq="30min", tz="Asia/Tokyo" if i % 2 else None) for i in range(8)]
    assert SequenceClassifier(**TIMED).fit(X, y, times=mixed).time_unit_ == 1800.0


def test_E26_03_periods_as_objects_read_as_a_period_index():
    """list(period_index) or an object array of Periods was refused ('parse them with pd.to_datetime', which
    does not read Periods); a PeriodIndex was read."""
    X, _, y = _data()
    periods = [pd.period_range("2024-01", periods=5, freq="M") for _ in range(8)]
    model = SequenceClassifier(**TIMED).fit(X, y, times=periods)
    as_lists = SequenceClassifier(**TIMED).fit(X, y, times=[list(p) for p in periods])
    as_array = SequenceClassifier(**TIMED).fit(X, y, times=np.array([list(p) for p in periods], dtype=object))
    # the median of the months' 31, 29, 31 and 30 days
    assert model.time_unit_ == as_lists.time_unit_ == as_array.time_unit_ == 30.5 * 86400.0
    np.testing.assert_array_equal(as_lists.predict_proba(X, times=periods), model.predict_proba(X, times=periods))
    with pytest.raises(ValueError, match=r"periods of more than one frequency"):
        SequenceClassifier(**TIMED).fit(X, y, times=[[pd.Period("2024-01", "M"), *pd.period_range(
            "2024-02-01", periods=4, freq="D")]] * 8)


def test_E26_04_integer_nanosecond_epochs_keep_their_gaps():
    """Epochs in nanoseconds (1.7e18) were made float64 before their first was subtracted: 256 ns apart there,
    so gaps of 100 ns were refused as times that do not increase (showing two different times)."""
    X, _, y = _data()
    ns = 1_700_000_000_000_000_000 + np.arange(5) * 100 + np.arange(8)[:, None] * 10**9
    model = SequenceClassifier(**TIMED).fit(X, y, times=ns)
    assert model.time_unit_ == 100.0
    x, _, _ = model.prepare_batch(X, times=ns)
    np.testing.assert_array_equal(x[0, 1:, 2].numpy(), 1.0)  # delta: one unit between neighbours
    dates = [pd.to_datetime(row) for row in ns]  # the same instants as dates: another kind, named with the fix
    with pytest.raises(ValueError, match=r"^SequenceClassifier.predict: times are dates or durations, but the model "
                                         r"was fitted on plain numbers \(a median gap of 100\); give them as at fit; "
                                         r"dates as the integer nanoseconds of their epoch are "
                                         r"pd.DatetimeIndex\(t\).asi8$"):
        model.predict(X, times=dates)
    np.testing.assert_array_equal(model.predict_proba(X, times=np.stack([d.asi8 for d in dates])),
                                  model.predict_proba(X, times=ns))


def test_E26_05_times_of_an_arrays_nan_padding_name_the_padding():
    """X an (n, T, F) array padded with NaN after its shorter sequences (read as steps with nothing observed by
    a time-aware model), the times padded by repeating the last: refused as times to sort, or as a missing
    value to put in X."""
    X, t, y = _data()
    X[1::2, 3:] = np.nan
    t[1::2, 3:] = t[1::2, 2:3]
    with pytest.raises(ValueError, match=r"^SequenceClassifier.fit: times of sequence 1 of X: step 3 has [0-9.]+, "
                                         r"after [0-9.]+ at step 2, and X's sequence is NaN in every feature from "
                                         r"step 3 on: padding\? .* pass the sequences at their own lengths"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # X's own padding warning
            SequenceClassifier(**TIMED).fit(X, y, times=t)
    lengths = np.where(np.arange(8) % 2, 3, 5)
    SequenceClassifier(**TIMED).fit([x[:n] for x, n in zip(X, lengths, strict=True)], y, times=t)  # the fix
    # a repeated time among observed steps keeps its message
    X2, t2, _ = _data()
    t2[0, 3] = t2[0, 2]
    with pytest.raises(ValueError, match=r"times must be strictly increasing, but step 2 has"):
        SequenceClassifier(**TIMED).fit(X2, y, times=t2)


def test_E26_06_times_of_sequences_of_one_step_only_are_warned_of():
    """No gap to read: the unit was silently 1 (one second for dates), then every later gap read in it."""
    X, _, y = _data()
    stamps = [pd.date_range("2024-01-01", periods=1, freq="h") + pd.Timedelta(hours=i) for i in range(8)]
    with pytest.warns(UserWarning, match=r"^SequenceClassifier.fit: times given, but every sequence has a single "
                                         r"step, so they hold no gap between steps .* unit is taken as 1 s"):
        SequenceClassifier(**TIMED).fit(X[:, :1], y, times=stamps)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        ragged = [X[i, : 1 + i % 2] for i in range(8)]  # one sequence of two steps is enough
        SequenceClassifier(**TIMED).fit(ragged, y, times=[s.append(s + pd.Timedelta(hours=1))[: 1 + i % 2]
                                                          for i, s in enumerate(stamps)])


def test_E26_07_pipeline_score_without_metadata_routing_names_the_routing():
    """Pipeline.score(X, y, times=t) without metadata routing drops times without a word; the model then said
    'SequenceClassifier.predict: ... give X's times too: predict(X, times=...)', a call the user never made."""
    X, t, y = _data()
    pipe = Pipeline([("clf", SequenceClassifier(**TIMED))]).fit(X, y, clf__times=t)
    with pytest.raises(ValueError, match=r"^SequenceClassifier.score: the model was fitted with sample times .* give "
                                         r"X's times too: predict\(X, times=...\), score\(X, y, times=...\); a "
                                         r"Pipeline, GridSearchCV or cross_val_score passes times on only with "
                                         r"scikit-learn's metadata routing \(without it Pipeline.score drops them\)"):
        pipe.score(X, y, times=t)
    with sklearn.config_context(enable_metadata_routing=True):  # the fix it names
        clf = SequenceClassifier(**TIMED).set_fit_request(times=True).set_score_request(times=True)
        routed = Pipeline([("clf", clf)]).fit(X, y, times=t)
        assert routed.score(X, y, times=t) == clf.score(X, y, times=t)
    with pytest.raises(ValueError, match=r"^SequenceTagger.score: the model was fitted with sample times"):
        SequenceTagger(**TIMED).fit(X, (X[..., 0] > 0).astype(int), times=t).score(X, (X[..., 0] > 0).astype(int))


def test_E26_08_times_as_a_frame_keyed_by_ids_in_another_order_than_x_are_refused():
    """A long table pivoted to a row of times per id sorts the ids; X keeps the table's order: the times went to
    other sequences, silently."""
    long, X, y = _long()
    wide = long.assign(step=long.groupby("id").cumcount()).pivot(index="id", columns="step", values="time")
    assert wide.index[0] == "s0" and X.index[0][0] == "s3"
    with pytest.raises(ValueError, match=r"^SequenceClassifier.fit: times's index \('s0', 's1', 's2', ...\) is not X's "
                                         r"instances in X's order \('s3', 's1', 's7', ...\)"):
        SequenceClassifier(**TIMED).fit(X, y, times=wide)
    model = SequenceClassifier(**TIMED).fit(X, y, times=wide.loc[y.index])  # the fix
    np.testing.assert_array_equal(model.prepare_batch(X, times=wide.loc[y.index])[0].numpy(),
                                  model.prepare_batch(X, times="index")[0].numpy())


def test_E26_09_times_as_a_series_of_arrays_by_id_or_on_xs_rows_are_read():
    """df.groupby(id)[time].apply(np.array) (a Series of one array per id) was refused, 'for one sequence pass
    [times]'; so was a time column on X's (instance, time) rows."""
    long, X, y = _long()
    by_id = long.groupby("id", sort=False)["time"].apply(np.array)
    on_rows = long.set_index(["id", "time"])["k"].rename("t") * 0 + long["time"].to_numpy()
    model = SequenceClassifier(**TIMED).fit(X, y, times="index")
    expected = model.prepare_batch(X, times="index")[0].numpy()
    for times in (by_id, on_rows):
        np.testing.assert_array_equal(model.prepare_batch(X, times=times)[0].numpy(), expected)
    SequenceClassifier(**TIMED).fit(X, y, times=by_id)
    with pytest.raises(ValueError, match=r"^SequenceClassifier.fit: times's index \('s0', 's1', 's2', ...\) is not X's "
                                         r"instances in X's order"):
        SequenceClassifier(**TIMED).fit(X, y, times=long.groupby("id")["time"].apply(np.array))  # sorted by id
    with pytest.raises(ValueError, match=r"times is a Series of one time per row of X, but its index is not X's "
                                         r"\(instance, time\) rows .*times.set_axis\(X.index\)"):
        SequenceClassifier(**TIMED).fit(X, y, times=long["time"])


def test_E26_10_a_taggers_label_series_on_another_index_than_its_instance_in_x_are_refused():
    """X a MultiIndex (instance, time) frame, y a list (or Series) of one label Series per instance, indexed by
    the times newest first: read by position, each label went to the step at the other end, silently (a list X
    of DataFrames was checked already)."""
    rng = np.random.default_rng(0)
    stamps = pd.date_range("2024-01-01", periods=5, freq="h")
    frames = [pd.DataFrame({"v": rng.normal(size=5)}, index=pd.Index(stamps, name="t")) for _ in range(8)]
    X = pd.concat(dict(enumerate(frames)), names=["id", "t"])
    labels = [pd.Series(rng.integers(0, 2, 5), index=stamps) for _ in range(8)]
    newest_first = [s.iloc[::-1] for s in labels]
    for y in (newest_first, pd.Series(newest_first, index=range(8))):
        with pytest.raises(ValueError, match=r"^SequenceTagger.fit: the labels of sequence 0 are a Series whose "
                                             r"index .* is not the steps of sequence 0 in their order .* reorder "
                                             r"them with labels.loc\[X.loc\[0\].index\]"):
            SequenceTagger(**QUICK).fit(X, y)
    tagger = SequenceTagger(**QUICK).fit(X, labels)  # on X's times: read as before
    assert tagger.score(X, labels) == tagger.score(X, [s.to_numpy() for s in labels])
    with pytest.raises(ValueError, match=r"^SequenceTagger.score: the labels of sequence 0 are a Series whose index"):
        tagger.score(X, newest_first)


def test_E26_11_integer_labels_of_mixed_types_keep_their_values():
    """numpy makes float64 of np.uint64 beside a Python int (and of np.int64 beside np.uint64): labels past 2**53
    were rounded (fit then failed with an IndexError), and 1 came back from predict as 1.0."""
    X, _, _ = _data(n=12)
    big = [np.uint64(2**63 + 1), np.uint64(2**63 + 3), 1] * 4
    model = SequenceClassifier(**QUICK).fit(X, big)
    assert model.classes_.dtype == np.uint64
    assert model.classes_.tolist() == [1, 2**63 + 1, 2**63 + 3]
    assert set(model.predict(X).tolist()) <= {1, 2**63 + 1, 2**63 + 3}
    small = SequenceClassifier(**QUICK).fit(X, [np.int64(1), np.uint64(2)] * 6)
    assert small.classes_.dtype == np.int64 and small.classes_.tolist() == [1, 2]
    # whole float labels past int64's range are classes, as smaller ones are (not an IndexError)
    assert SequenceClassifier(**QUICK).fit(X, [1e20, 1.0] * 6).classes_.tolist() == [1.0, 1e20]
    with pytest.raises(ValueError, match=r"y holds continuous values \(e.g. 1.5"):
        SequenceClassifier(**QUICK).fit(X, [1.5, 2.0] * 6)


def test_E26_12_times_shaped_as_a_numpy3d_x_name_the_slice():
    """Times built in sktime's numpy3D shape, (n, 1, T) beside X's (n, 1, T): refused with no fix named."""
    X, t, y = _data()
    nct = X.transpose(0, 2, 1)  # (n, 1, T), as sktime and aeon give it
    with pytest.raises(ValueError, match=r"^SequenceClassifier.fit: times must be an \(n, T\) array \(a row of times "
                                         r"per sequence\), got shape \(8, 1, 5\); shaped as X \(\(n, channels, T\)\) "
                                         r"with one channel\? a time is a step's, shared by its features: pass "
                                         r"times\[:, 0\]$"):
        SequenceClassifier(**TIMED, layout="nct").fit(nct, y, times=t[:, None, :])
    with pytest.raises(ValueError, match=r"got shape \(8, 5, 1\); shaped as X \(\(n, T, F\)\) .* pass "
                                         r"times\[:, :, 0\]$"):
        SequenceClassifier(**TIMED).fit(X, y, times=t[:, :, None])
    model = SequenceClassifier(**TIMED, layout="nct").fit(nct, y, times=t[:, None, :][:, 0])  # the fix
    np.testing.assert_array_equal(model.predict_proba(nct, times=t), SequenceClassifier(**TIMED).fit(
        X, y, times=t).predict_proba(X, times=t))


def test_E26_13_times_beside_a_dated_multiindex_x_that_are_not_xs_own_are_warned_of():
    """X = table.set_index(['id', 'time']) keeps the table's order of ids; times grouped by id come sorted: each
    sequence was given another's gaps, silently (equal lengths)."""
    rng = np.random.default_rng(2)
    order = ["b", "a", "d", "c", "f", "e", "h", "g"]
    frames = {i: pd.DataFrame({"v": rng.normal(size=5)}, index=pd.Index(
        pd.Timestamp("2024-01-01") + pd.to_timedelta(np.cumsum(rng.integers(1, 60, 5)), unit="min"), name="time"))
        for i in order}
    X = pd.concat(frames, names=["id", "time"])
    y = pd.Series(np.arange(8) % 2, index=order)
    by_sorted_id = [frames[i].index for i in sorted(order)]
    with pytest.warns(UserWarning, match=r"^SequenceClassifier.fit: the times given for sequence 'b' are not its own "
                                         r"in X's time index \(step 1 is [0-9]+ s after its first, but [0-9]+ s in "
                                         r"X\): times in another order than X's instances \('b', 'a', 'd', ...\)\?"):
        SequenceClassifier(**TIMED).fit(X, y, times=by_sorted_id)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # in X's order, or in another zone (the same gaps): as X's own, no warning
        model = SequenceClassifier(**TIMED).fit(X, y, times=[frames[i].index.tz_localize("UTC") for i in order])
        np.testing.assert_array_equal(model.predict_proba(X, times=[frames[i].index for i in order]),
                                      model.predict_proba(X, times="index"))
