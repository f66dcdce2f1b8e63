"""The twenty-eighth round: sample times and labels as users bring them to a deployed model. A stream or a request
whose times are in other units than at fit is warned of as predict warns (T28-01); float32 scalars among epoch
times are named with their resolution (T28-02); Decimal times (a database's NUMERIC) are numbers (T28-03), and so
are a time given as a 0-d tensor or array to the Streamer (T28-04); datetime.date times are dates (T28-05); the
CLI names a time column of one-row sequences (T28-06); a tagger's integer labels of mixed types stay integer
(T28-07); dates past 2262 are read in their own unit (T28-08) and a request's numbers as text are not read as
years (T28-09); times in a container of the wrong shape name the fix (T28-10); nanosecond epochs as integers
are read exactly by a stream and a request (T28-11); a long table's times given flat or by name name the fix
(T28-12)."""

import datetime
import decimal
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line, user_warnings

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnkit import SequenceClassifier, SequenceTagger, Streamer  # noqa: E402
from rnnkit.cli import main  # noqa: E402
from rnnkit.data.sample_times import read_sample_times  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

QUICK = dict(time_aware=True, max_epochs=1, hidden_size=4, random_state=0)


def _data(n=12, T=6, F=2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, T, F)).astype("float32")
    seconds = 1.7e9 + np.cumsum(rng.integers(50, 70, (n, T)), axis=1).astype(float)  # epoch seconds, about a minute
    return X, seconds, np.arange(n) % 2


@pytest.fixture(scope="module")
def on_seconds():
    X, seconds, y = _data()
    return SequenceClassifier(**QUICK).fit(X, y, times=seconds)


@pytest.fixture(scope="module")
def on_days():
    X, _, y = _data()
    days = np.cumsum(np.random.default_rng(1).integers(1, 3, (12, 6)), axis=1)
    return SequenceClassifier(**QUICK).fit(X, y, times=np.datetime64("2024-01-01") + days.astype("timedelta64[D]"))


def test_T28_01_a_stream_or_request_in_other_units_than_at_fit_is_warned_of_once(on_seconds):
    """predict warned of milliseconds for a model fitted on seconds, a Streamer and the server did not: now the
    Streamer warns once per stream, after its first 3 gaps, and the server's answer carries predict's warning."""
    X, seconds, _ = _data()
    assert any("1000 times as much" in w for w in user_warnings(lambda: on_seconds.predict(X, times=seconds * 1000)))
    streamer = Streamer(on_seconds)

    def run(stream, scale):
        for k in range(6):
            streamer.step(stream, X[0, k], time=seconds[0, k] * scale)
    caught = user_warnings(lambda: run("ms", 1000))
    assert len(caught) == 1 and caught[0].startswith("Streamer: stream 'ms': the median of its first 3 gaps is ")
    assert "at fit" in caught[0] and "give them as at fit" in caught[0]
    assert user_warnings(lambda: run("s", 1)) == []  # the units of fit: no word
    caught = user_warnings(lambda: [streamer.step_many({"a": X[0, k], "b": X[1, k]},
                                                       times={"a": seconds[0, k] * 1000, "b": seconds[1, k]})
                                    for k in range(6)])
    assert len(caught) == 1 and "stream 'a'" in caught[0]
    body = lambda scale: json.dumps({"sequences": X[:2].tolist(), "times": (seconds[:2] * scale).tolist()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # predict's own warning, in the server's log
        with TestClient(create_app(on_seconds)) as client:
            answer = client.post("/predict", content=body(1000)).json()
            assert answer["warnings"][0].startswith("the median gap between steps of these times is ")
            assert "give them as at fit" in answer["warnings"][0]
            assert "warnings" not in client.post("/predict", content=body(1)).json()


def test_T28_02_float32_scalars_among_epoch_times_are_named_with_their_resolution(on_seconds):
    """A list of np.float32 epoch seconds (beside Python floats, or as an object array) became float64 after its
    gaps had collapsed, and was refused as 'not strictly increasing' at 1700000256.0 twice: now named as float32."""
    X, seconds, _ = _data()
    mixed = [[np.float32(v) if k % 2 else float(v) for k, v in enumerate(row)] for row in seconds]
    objects = [np.array([np.float32(v) for v in row], dtype=object) for row in seconds]
    for times in (mixed, objects):
        with pytest.raises(ValueError) as e:
            on_seconds.predict(X, times=times)
        assert one_line(e).startswith("SequenceClassifier.predict: times of sequence 0 of X: are float32 values as "
                                      "large as 1.7e+09, where float32 numbers are 128 apart, so the gaps between "
                                      "steps are rounded (or read as 0); give the times as float64 or int64")
    small = [[np.float32(v - row[0]) for v in row] for row in seconds]  # relative to the first: read as given
    np.testing.assert_allclose(on_seconds.predict_proba(X, times=small), on_seconds.predict_proba(X, times=seconds),
                               atol=1e-6)


def test_T28_03_decimal_times_are_numbers(on_seconds):
    """Decimal times (a NUMERIC column read from a database) were refused as 'object values ... not numbers': now
    read as numbers, each less its sequence's first exactly; one beyond float64 is named."""
    X, seconds, _ = _data()
    as_decimal = [[decimal.Decimal(str(v)) + decimal.Decimal("0.25") for v in row] for row in seconds]
    expected = on_seconds.predict_proba(X, times=seconds + 0.25)
    np.testing.assert_allclose(on_seconds.predict_proba(X, times=as_decimal), expected, atol=1e-6)
    np.testing.assert_allclose(on_seconds.predict_proba(X, times=[pd.Series(r, dtype=object) for r in as_decimal]),
                               expected, atol=1e-6)
    streamer = Streamer(on_seconds)
    out = [streamer.step(0, X[0, k], time=as_decimal[0][k]).probabilities for k in range(6)]
    np.testing.assert_allclose(out[-1], expected[0], atol=1e-5)
    far = [list(r) for r in as_decimal]
    far[2][3] = decimal.Decimal("1e400")
    with pytest.raises(ValueError) as e:
        on_seconds.predict(X, times=far)
    assert one_line(e) == ("SequenceClassifier.predict: times of sequence 2 of X: step 3 has Decimal('1E+400'), whose "
                           "distance from the first step lies beyond float64's range (1.8e308); give the times in a "
                           "unit that keeps them within it")
    with pytest.raises(ValueError, match=r"stream 1: time Decimal\('1E\+400'\) lies beyond float64's range"):
        streamer.step(1, X[0, 0], time=decimal.Decimal("1e400"))
    nan = [list(r) for r in as_decimal]
    nan[1][2] = decimal.Decimal("NaN")
    with pytest.raises(ValueError, match=r"times of sequence 1 of X: step 2 has no time \(NaN; 1 in all\)"):
        on_seconds.predict(X, times=nan)


def test_T28_04_a_streamers_time_as_a_0d_tensor_or_array_or_pd_na(on_seconds):
    """time=times[k] of a tensor or array of times (0-d) was refused as 'not a number, date or duration'; now read
    as its number, a float32 one checked for its resolution; pd.NA is named as a missing time."""
    X, seconds, _ = _data()
    by_float, by_tensor, by_array = Streamer(on_seconds), Streamer(on_seconds), Streamer(on_seconds)
    t = torch.from_numpy(seconds[0])
    for k in range(6):
        want = by_float.step(0, X[0, k], time=float(seconds[0, k])).probabilities
        np.testing.assert_array_equal(by_tensor.step(0, X[0, k], time=t[k]).probabilities, want)
        np.testing.assert_array_equal(by_array.step(0, X[0, k], time=np.array(seconds[0, k])).probabilities, want)
    with pytest.raises(ValueError, match=r"stream 1: time 1.7e\+09 is a float32, whose numbers there are 128 apart"):
        by_float.step(1, X[0, 0], time=t.float()[0])
    with pytest.raises(ValueError) as e:
        by_float.step(1, X[0, 0], time=pd.NA)
    assert one_line(e) == ("Streamer: stream 1: time <NA> is missing; every step needs its time (a missing value "
                           "goes in x_t as NaN)")


def test_T28_05_datetime_date_times_are_dates(on_days):
    """datetime.date objects (a DATE column read from a database) were refused as 'object values ... not numbers,
    dates or durations' by predict (the Streamer read them): now dates at midnight, as np.datetime64[D]."""
    X, _, _ = _data()
    days = np.cumsum(np.random.default_rng(2).integers(1, 3, (12, 6)), axis=1)
    as_dates = [[datetime.date(2024, 1, 1) + datetime.timedelta(days=int(d)) for d in row] for row in days]
    expected = on_days.predict_proba(X, times=np.datetime64("2024-01-01") + days.astype("timedelta64[D]"))
    np.testing.assert_allclose(on_days.predict_proba(X, times=as_dates), expected, atol=1e-6)
    with_datetime = [[datetime.datetime(2024, 1, 1, 0, 0) + datetime.timedelta(days=int(d)) if k % 2 else
                      datetime.date(2024, 1, 1) + datetime.timedelta(days=int(d)) for k, d in enumerate(row)]
                     for row in days]
    np.testing.assert_allclose(on_days.predict_proba(X, times=with_datetime), expected, atol=1e-6)


def test_T28_06_cli_time_column_of_one_row_sequences_is_named(tmp_path):
    """rnnkit train --time-aware --time-column t, every id a single row (the wrong --id-column): the estimator's
    warning spoke of arrays ('times given, but every sequence has a single step'); now one line in the file's
    words."""
    rng = np.random.default_rng(0)
    pd.DataFrame({"id": range(12), "t": np.arange(12) * 60.0, "a": rng.normal(size=12), "target": np.arange(12) % 2}
                 ).to_csv(tmp_path / "d.csv", index=False)
    caught = user_warnings(lambda: main(["train", str(tmp_path / "d.csv"), "--task", "classify", "--time-aware",
                                         "--time-column", "t", "--epochs", "1", "--hidden-size", "4",
                                         "--out", str(tmp_path / "m")]))
    single = [w for w in caught if "single" in w]
    assert single == [f"{tmp_path / 'd.csv'}: --time-aware reads the gaps between the rows of a sequence in "
                      f"--time-column 't', but each of the 12 sequences (one per 'id') has a single row, so there is "
                      f"no gap to measure the time unit from and it is taken as 1; is --id-column the column that "
                      f"groups a sequence's rows? (else leave out --time-column, or give sequences of two rows or "
                      f"more)"]


def test_T28_07_a_taggers_integer_labels_of_mixed_types_stay_integer():
    """Per-step labels np.uint64 in one sequence and int (or int64) in another were concatenated by numpy into
    float64: classes_ [1.0, 2.0, 3.0] and float predictions, and labels past 2**53 merged; now kept exactly."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(5, 2)).astype("float32") for _ in range(6)]
    y = [np.array([1, 2, 1, 2, 1], dtype=np.uint64) if i % 2 else np.array([3, 2, 1, 2, 1]) for i in range(6)]
    model = SequenceTagger(max_epochs=1, hidden_size=4, random_state=0).fit(X, y)
    assert model.classes_.dtype == np.int64 and model.classes_.tolist() == [1, 2, 3]
    assert all(p.dtype == np.int64 and set(p.tolist()) <= {1, 2, 3} for p in model.predict(X))
    big = 2**63 + 1
    y = [np.array([big, big + 2, big, big, big + 2], dtype=np.uint64) if i % 2 else [1, big, 1, 1, big]
         for i in range(6)]
    model = SequenceTagger(max_epochs=1, hidden_size=4, random_state=0).fit(X, y)
    assert model.classes_.dtype == np.uint64 and model.classes_.tolist() == [1, big, big + 2]
    assert all(p.dtype == np.uint64 for p in model.predict(X))


def test_T28_08_dates_past_2262_are_read_as_dates(on_days):
    """Dates beyond nanoseconds' range (year 2300, as datetime64[us] or a pd.Timestamp in microseconds) were refused
    with pandas' 'Out of bounds nanosecond timestamp' by predict and 'does not read as a date' by the Streamer;
    their gaps are now read in the dates' own unit: the same answers as the same gaps in 2024."""
    X, _, _ = _data()
    days = np.cumsum(np.random.default_rng(2).integers(1, 3, (12, 6)), axis=1).astype("timedelta64[D]")
    expected = on_days.predict_proba(X, times=np.datetime64("2024-01-01") + days)
    later = (np.datetime64("2300-01-01") + days).astype("datetime64[us]")
    np.testing.assert_allclose(on_days.predict_proba(X, times=later), expected, atol=1e-6)
    streamer = Streamer(on_days)
    out = [streamer.step(0, X[0, k], time=pd.Timestamp(later[0, k])).probabilities for k in range(6)]
    np.testing.assert_allclose(out[-1], expected[0], atol=1e-5)
    # nanoseconds 500 years apart (1700 and 2200) differ by more than int64 holds: once wrapped to a negative gap
    span = read_sample_times([pd.DatetimeIndex(["1700-01-01", "2200-01-01"]).as_unit("ns")], None, np.array([2]),
                             "fit")[0][0, 1]
    assert span == (datetime.datetime(2200, 1, 1) - datetime.datetime(1700, 1, 1)).total_seconds()


def test_T28_09_a_request_of_numbers_as_text_is_not_read_as_years(on_days):
    """A date model's request with times "1800", "1860", ... (seconds as text) was read as the years 1800, 1860,
    ... by ISO 8601 (and refused as 'not strictly increasing' at 2040 and 2100, their nanoseconds' difference
    wrapped around); "3600" answered pandas' 'Out of bounds nanosecond timestamp'. Now a 422 naming the step."""
    X, _, _ = _data()
    with TestClient(create_app(on_days)) as client:
        for first in ("1800", "3600"):
            times = [str(int(first) + 60 * k) for k in range(6)]
            r = client.post("/predict", content=json.dumps({"sequences": X[:1].tolist(), "times": [times]}))
            assert r.status_code == 422 and r.json()["detail"] == (
                f'times of sequence 0, step 0 holds "{first}", which is not an ISO 8601 date (a number as text: the '
                f'model reads dates); give each time as ISO text (e.g. "2024-01-01T10:00:00Z")')


def test_T28_10_times_in_a_container_of_the_wrong_shape_name_the_fix(on_seconds):
    """df[["t"]] per sequence, times as a dict by id, and a stream's time as a one-element list or Series
    (df.loc[k, ["t"]]) were refused without a fix, the Series over two lines (its repr); now each names it."""
    X, seconds, _ = _data()
    frames = [pd.DataFrame({"t": row}) for row in seconds]
    with pytest.raises(ValueError) as e:
        on_seconds.predict(X, times=[f[["t"]] for f in frames])
    assert one_line(e) == ("SequenceClassifier.predict: times of sequence 0 of X: must be one time per step (1-D), "
                           "got shape (6, 1); a DataFrame of one column? pass its column, df['t']")
    with pytest.raises(ValueError, match=r"\(6, 1\); a column of one time per step\? pass it flat, t\[:, 0\]"):
        on_seconds.predict(X, times=[row[:, None] for row in seconds])
    with pytest.raises(ValueError) as e:
        on_seconds.predict(X, times=dict(enumerate(seconds)))
    assert one_line(e).endswith("got dict; times by sequence id? pass a list in X's order, [times[i] for i in ids]")
    streamer = Streamer(on_seconds)
    for time, kind in ((pd.Series([seconds[0, 0]]), "Series"), ([seconds[0, 0]], "list")):
        with pytest.raises(ValueError) as e:
            streamer.step(0, X[0, 0], time=time)
        assert one_line(e) == (f"Streamer: stream 0: time is {kind} of shape (1,), not one time; give the step's own "
                               f"time (a number, date or duration), e.g. time=t[0] or df.at[k, 't']")
    assert streamer.streams == []  # refused steps leave no stream behind


def test_T28_11_nanosecond_epoch_integers_are_read_exactly_by_a_stream_and_a_request():
    """A model fitted on int64 nanosecond epochs (1.7e18, gaps of ~200 ns; fit reads integers exactly) refused its
    own times through the server (JSON integers made float64, 256 apart: 'times must be strictly increasing') and
    the Streamer ('not later than the stream's previous step'); now both read integers as integers."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 6, 2)).astype("float32")
    ns = 1_700_000_000_000_000_000 + np.cumsum(rng.integers(100, 300, (12, 6)), axis=1)
    model = SequenceClassifier(**QUICK).fit(X, np.arange(12) % 2, times=ns)
    expected = model.predict_proba(X[:2], times=ns[:2])
    with TestClient(create_app(model)) as client:
        r = client.post("/predict", content=json.dumps({"sequences": X[:2].tolist(), "times": ns[:2].tolist()}))
    assert r.status_code == 200 and "warnings" not in r.json()
    np.testing.assert_allclose(r.json()["probabilities"], expected, atol=1e-5)
    streamer = Streamer(model)
    out = [streamer.step(0, X[0, k], time=int(ns[0, k])).probabilities for k in range(6)]
    np.testing.assert_allclose(out[-1], expected[0], atol=1e-5)
    out = [streamer.step(1, X[1, k], time=ns[1, k]).probabilities for k in range(6)]  # np.int64
    np.testing.assert_allclose(out[-1], expected[1], atol=1e-5)


def test_T28_12_times_of_a_long_table_name_how_to_give_them_per_row():
    """A long table's time column given flat (list(df["t"]), one time per row of a MultiIndex X) was refused as
    '72 entries but X has 12 sequences', or told to np.tile a 72-long row over every sequence; times="t" (a column
    or X's time level by name) was 'not understood'. Each now names the fix, and the fix reads as times='index'."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"id": np.repeat(np.arange(12), 6), "t": np.cumsum(rng.integers(50, 70, 72)).astype(float),
                       "a": rng.normal(size=72), "b": rng.normal(size=72)})
    X, y = df.set_index(["id", "t"])[["a", "b"]], np.arange(12) % 2
    model = SequenceClassifier(**QUICK).fit(X, y, times="index")
    per_row = ("one time per row of X (72 rows)? give them on X's index, pd.Series(times, index=X.index), or "
               "times='index' if they are X's time level")
    for flat in (list(df["t"]), df["t"].to_numpy()):
        with pytest.raises(ValueError) as e:
            model.predict(X, times=flat)
        assert one_line(e).endswith(per_row) and "np.tile" not in str(e.value)
    np.testing.assert_array_equal(model.predict_proba(X, times=pd.Series(df["t"].to_numpy(), index=X.index)),
                                  model.predict_proba(X, times="index"))
    with pytest.raises(ValueError) as e:
        model.predict(X, times="t")
    assert one_line(e).endswith("; it names X's time level: pass times='index'")
    with pytest.raises(ValueError) as e:
        SequenceClassifier(**QUICK).fit(df.set_index(["id", df.index]), y, times="t")
    assert one_line(e).endswith("; it names a column of X: pass its values, times=X['t'] (a Series on X's index), and "
                                "drop it from X's features")
