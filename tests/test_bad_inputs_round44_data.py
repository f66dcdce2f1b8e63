"""Round 44, the loaders: Unix times divided by the wrong power of ten, pad_sequences of an empty item, labels keyed
by file names (see docs/bad_inputs.md)."""
import warnings

import pytest


def _dated_log(unit: str):
    import pandas as pd

    dates = pd.to_datetime(pd.Series(["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-01 12:00"]))
    return pd.DataFrame({"user": 1, "event": ["a", "b", "c"], "dates": dates.astype(f"datetime64[{unit}]")})


@pytest.mark.parametrize("unit, held, units, factor", [
    ("s", "from 1 to 1", "thousands of millions of seconds", "1000000000"),
    ("ms", "from 1704 to 1704", "millions of seconds", "1000000")])
def test_D44_01_sessionize_warns_of_unix_seconds_over_a_power_of_ten(unit, held, units, factor):
    from rnnkit.data.events import sessionize
    log = _dated_log(unit)  # dates kept in seconds or milliseconds, as some readers give them under pandas 3
    log["t"] = log["dates"].astype("int64") // 10**9  # pandas 2's idiom for Unix seconds
    with pytest.warns(UserWarning, match=rf"column 't' holds whole numbers {held}, Unix times in {units}.*"
                                         rf"count {'seconds' if unit == 's' else 'milliseconds'}, not nanoseconds.*"
                                         rf"every gap is {factor} times too short.*astype\('datetime64\[s\]'\)"):
        out = sessionize(log, time="t")
    assert out["session"].tolist() == [0, 0, 0]  # as read: events 1 h 55 min apart in one session


def test_D44_01_seconds_and_small_counts_stay_quiet():
    from rnnkit.data.events import sessionize
    log = _dated_log("s")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log["t"] = log["dates"].astype("int64")  # Unix seconds
        assert sessionize(log, time="t")["session"].tolist() == [0, 0, 1]
        log["t"] = [1, 2, 3]  # seconds from a start, or a counter: gaps of one
        assert sessionize(log, time="t")["session"].tolist() == [0, 0, 0]
        log["t"] = [1200, 1500, 2400]  # seconds from a start within minutes 16 .. 42, none in one second
        assert sessionize(log, time="t")["session"].tolist() == [0, 0, 0]
