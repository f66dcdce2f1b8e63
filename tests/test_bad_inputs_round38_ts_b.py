"""Round 38, second pass (sample times of a time-aware model): days written as numbers YYYYMMDD given as the
sequences' times, times of day (T38-12, T38-13); the elapsed-time fix of times written H:MM (T38-14)."""

import numpy as np
import pandas as pd
import pytest

from rnnkit import SequenceClassifier
from rnnkit.data.sample_times import read_sample_times
from rnnkit.data.timeseries import TimeSeriesFrame

QUICK = dict(time_aware=True, max_epochs=1, hidden_size=4, random_state=0)


# T38-12: sample times written as days YYYYMMDD (a CRSP or a database export's integers)
def test_t38_12_days_written_as_numbers_as_sample_times_are_refused():
    X = np.random.default_rng(0).normal(size=(4, 4, 2)).astype("float32")
    days = [20200130, 20200131, 20200201, 20200202]
    times = np.array([days, days, [20200301, 20200302, 20200303, 20200304], days])
    with pytest.raises(ValueError, match=r"SequenceClassifier.fit: the times are days written as numbers YYYYMMDD "
                                         r"\(20200130 is 2020-01-30.*a step of 70\); give them as dates: "
                                         r"pd.to_datetime\(pd.Series\(t\).astype\(int\).astype\(str\), "
                                         r"format='%Y%m%d'\) for each sequence's times t"):
        SequenceClassifier(**QUICK).fit(X, np.arange(4) % 2, times=times)  # was fitted on gaps 1, 70, 1
    fixed = [pd.to_datetime(pd.Series(t).astype(int).astype(str), format="%Y%m%d") for t in times]  # the fix
    relative, kind = read_sample_times(fixed, X, np.array([4, 4, 4, 4]), "fit")
    assert kind == "seconds" and relative[0].tolist() == [0.0, 86400.0, 172800.0, 259200.0]


def test_t38_12_epoch_seconds_and_step_counts_are_read_as_numbers():
    X = np.zeros((2, 4, 1), dtype="float32")
    for times in (np.array([[1.7e9, 1.7e9 + 60, 1.7e9 + 120, 1.7e9 + 180]] * 2), np.array([[0, 1, 2, 3]] * 2),
                  np.array([[20200129, 20200130, 20200131, 20200132]] * 2)):  # no 32nd day: plain numbers
        relative, kind = read_sample_times(times, X, np.array([4, 4]), "fit")
        assert kind == "numbers" and relative[0, 1] > 0


# T38-13: sample times that are times of day (text, or datetime.time as pd.read_excel reads time cells)
def test_t38_13_times_of_day_as_sample_times_get_the_dating_fix():
    import datetime

    X = [np.zeros((3, 1), dtype="float32")]
    times = [[datetime.time(23), datetime.time(0), datetime.time(1)]]
    with pytest.raises(ValueError, match=r"fit: times of sequence 0 of X: are times of day without their date "
                                         r"\('23:00:00', \.\.\.\).*pd.to_datetime\('2024-01-31 ' \+ "
                                         r"pd.Series\(t\).astype\(str\)\).*they pass midnight, '00:00:00' at step 1"):
        read_sample_times(times, X, np.array([3]), "fit")  # was: object values; parse them (pd.to_datetime)
    t = pd.to_datetime("2024-01-31 " + pd.Series(times[0]).astype(str))
    t = t + pd.to_timedelta((t.diff() < pd.Timedelta(0)).cumsum(), unit="D")  # the advised fix
    relative, _ = read_sample_times([t], X, np.array([3]), "fit")
    assert relative[0].tolist() == [0.0, 3600.0, 7200.0]


# T38-14: times of day written H:MM ('09:00'), whose elapsed-time fix pd.to_timedelta refuses without the seconds
def test_t38_14_the_elapsed_time_fix_of_h_mm_times_runs():
    data = pd.DataFrame({"t": ["09:00", "10:00", "11:00"], "y": [1.0, 2, 3]})
    with pytest.raises(ValueError, match=r"for times elapsed, numbers: pd.to_timedelta\(data\['t'\] \+ ':00'\)"
                                         r".dt.total_seconds\(\)") as e:
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was pd.to_timedelta(data['t']): 'expected hh:mm:ss'
    assert "'09:00:00'" not in str(e.value)
    data["t"] = pd.to_timedelta(data["t"] + ":00").dt.total_seconds()  # the advised fix
    assert data["t"].tolist() == [32400.0, 36000.0, 39600.0]
    with pytest.raises(ValueError, match=r"durations: pd.to_timedelta\(pd.Series\(t\) \+ ':00'\)"):
        read_sample_times([["09:00", "10:00", "11:00"]], [np.zeros((3, 1))], np.array([3]), "fit")


# A column of numbers with one stray 'N' (or 'no', 'F'): a missing reading's mark, not a yes/no answer to map
def test_a_stray_n_among_numbers_gets_the_missing_mark_fix_not_the_yes_no_map():
    from rnnkit import Forecaster

    data = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=4, freq="D"), "y": ["1.2", "3.4", "N", "5.6"]})
    with pytest.raises(ValueError, match=r"it holds numbers with 1 cell\(s\) written 'N' \(the first at row 2\), the "
                                         r"mark of a missing reading.*na_values=\['N'\]") as e:
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was: the answers 'N' ... .map({'N': 0.0}), all NaN
    assert ".map(" not in str(e.value)
    for given, kwargs in ((data, dict(time_col="t")), (data.set_index("t")["y"], {})):
        with pytest.raises(ValueError, match=r"with 1 cell\(s\) that are not numbers, the first 'N' at row 2.*if "
                                             r"they mark missing readings, .*errors='coerce'\) makes them NaN") as e:
            Forecaster(lookback=2, horizon=1, max_epochs=1).fit(given, **kwargs)
        assert ".map(" not in str(e.value)
