"""The twenty-eighth round (b): sample times, event times and stream ids as a deployed model's users bring them.
A nullable Int64 time (or a list of numbers) holding pd.NA is named as <NA>, a missing time (T28-13); whole Excel
serial day numbers as an event log's times are warned of as fractional ones are (T28-14); a tuple of running
streams' ids given to reset is refused, not ignored (T28-15); an id that is an array names its fix (T28-16)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import one_line

from rnnkit import SequenceClassifier, Streamer
from rnnkit.data.events import sessionize
from rnnkit.data.sample_times import read_sample_times


@pytest.fixture(scope="module")
def streamer():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 5, 2)).astype("float32")
    model = SequenceClassifier(max_epochs=1, hidden_size=4, random_state=0, bidirectional=False, frontend=None)
    return Streamer(model.fit(X, np.arange(8) % 2))


def test_T28_13_a_nullable_int64_time_holding_pd_na_is_named_as_given():
    """An Int64 Series (or array) of times with pd.NA was named 'nan' in the missing-time message, and a list of
    numbers with pd.NA or None was refused as 'object values (e.g. <NA>), not numbers'; now each is a missing
    time, named as given."""
    missing = ("fit: times of sequence 0 of X: step 2 has no time ({}; 1 in all); every step needs its time (a "
               "missing value goes in X as NaN, not in times)")
    for times, shown in ((pd.Series([1, 2, pd.NA, 4], dtype="Int64"), "<NA>"),
                         (pd.array([1, 2, None, 4], dtype="Int64"), "<NA>"),
                         (pd.Series([1.5, 2, None, 4], dtype="Float64"), "<NA>"),
                         ([1, 2, pd.NA, 4], "<NA>"), ([1.0, 2.0, None, 4.0], "None")):
        with pytest.raises(ValueError) as e:
            read_sample_times([times], None, np.array([4]), "fit")
        assert one_line(e) == missing.format(shown)
    with pytest.raises(ValueError, match=r"but step 1 has 3 and step 2 has 2;"):  # as given, not 3.0
        read_sample_times([pd.Series([1, 3, 2, 4], dtype="Int64")], None, np.array([4]), "fit")
    relative, kind = read_sample_times([pd.Series([5, 7, 8], dtype="Int64")], None, np.array([3]), "fit")
    np.testing.assert_array_equal(relative, [[0.0, 2.0, 3.0]])
    assert kind == "numbers"


def test_T28_14_whole_excel_serial_days_as_event_times_are_warned_of():
    """Fractional Excel serials were warned of (C27-07), whole ones (a log by day: 45292 for 2024-01-01) were read
    as seconds without a word, every user's events within 1800 days one session; now warned of alike. Counters,
    seconds since a start and seconds of a day's clock pass without a word."""
    log = pd.DataFrame({"user": [1, 1, 2, 2, 2], "event": list("abcde"),
                        "timestamp": [45292, 45293, 45292, 45295, 45300]})
    for days in (log, log.assign(timestamp=log["timestamp"].astype(float))):
        with pytest.warns(UserWarning) as caught:
            sessionize(days)
        assert str(caught[0].message) == (
            "column 'timestamp' holds whole numbers from 45292 to 45300, as Excel stores the dates of a log by day "
            "(days since 1899-12-30: 45292 is 2024-01-01); they are read as seconds, so gaps and dt would be 86400 "
            "times too small (a gap of 1800 s would be 1800 days); if they are Excel dates, convert them: "
            "df['timestamp'] = pd.to_datetime(df['timestamp'], unit='D', origin='1899-12-30')")
    converted = log.assign(timestamp=pd.to_datetime(log["timestamp"], unit="D", origin="1899-12-30"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sessionize(converted, gap=2 * 86400)
        assert out["session"].tolist() == [0, 0, 1, 2, 3]  # gaps of 1, 3 and 5 days
        for seconds in ([0, 10, 500, 900, 1000], [0, 30000, 40000, 50000, 60000], [28800, 30000, 40000, 50000, 64800]):
            sessionize(log.assign(timestamp=seconds))  # a counter, seconds since a start, seconds of a day


def test_T28_15_reset_of_a_tuple_of_running_streams_ids_is_refused(streamer):
    """reset(tuple(ids)) for several streams read the tuple as one id, which no stream has: with missing_ok=True
    nothing was reset, silently, both streams running on; now refused, naming the fix."""
    x = np.zeros(2, dtype="float32")
    streamer.reset()
    streamer.step("a", x), streamer.step("b", x)
    for missing_ok in (True, False):
        with pytest.raises(ValueError) as e:
            streamer.reset(("a", "b"), missing_ok=missing_ok)
        assert one_line(e) == ("Streamer.reset: no stream has the id ('a', 'b'), but each of its parts is a running "
                               "stream's id; a tuple is one id: reset several streams one at a time, for i in ids: "
                               "streamer.reset(i)")
    assert streamer.streams == ["a", "b"]
    streamer.reset(("a", "c"), missing_ok=True)  # a composite id of its own, no stream: ignored as asked
    streamer.step(("a", "b"), x)
    streamer.reset(("a", "b"))  # a stream of that id: reset, the others kept
    assert streamer.streams == ["a", "b"]


def test_T28_16_an_id_that_is_an_array_names_its_fix(streamer):
    """An id as a 0-d array (ids[k] kept as an array), a list of ids, or x_t given first were all 'not hashable
    (ndarray); use a str, an int or a tuple' (an array's repr over lines); now each names its fix."""
    x = np.array([0.25, -1.5], dtype="float32")
    with pytest.raises(ValueError) as e:
        streamer.step(np.array(3), x)
    assert one_line(e) == ("Streamer: stream id array(3) is a numpy array, which is not hashable; pass its value, "
                           "stream_id.item()")
    with pytest.raises(ValueError) as e:
        streamer.reset(["a", "b"])
    assert one_line(e).endswith("is not hashable (list); use a str, an int or a tuple; several ids? a stream has "
                                "one: step_many({id: x_t, ...}) steps several, reset(id) resets each")
    with pytest.raises(ValueError) as e:
        streamer.step(x, "a")
    assert one_line(e) == ("Streamer: stream id array([ 0.25, -1.5 ], dtype=float32) is not hashable (ndarray); use "
                           "a str, an int or a tuple; an observation? the id comes first: step(stream_id, x_t)")
