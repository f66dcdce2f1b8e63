"""Round 42 (time columns as the last round left them and as users' own data give them): hours written as numbers
or text YYYYMMDDHH (T42-01 ..)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster


def _forecaster() -> Forecaster:
    return Forecaster(horizon=2, model="direct", lookback=4, hidden_size=4, max_epochs=1)


# T42-01: hours written as numbers YYYYMMDDHH (2021011023, as a weather service's hourly export has them)
_DAY = [int(f"20210110{h:02d}") for h in range(24)]
_TWO_DAYS = [int(f"202101{d}{h:02d}") for d in (10, 11) for h in range(24)]


def test_T42_01_hours_as_numbers_of_one_day_are_not_forecast_at_hour_24():
    # was: read as numbers a step of 1 apart, the forecasts labelled 2021011024 and 2021011025, without a word
    with pytest.raises(ValueError, match=r"the times of 'index' are hours written as numbers YYYYMMDDHH \(2021011000 "
                                         r"is 2021-01-10 00:00, .*run on past the day's end \(2021011024 after "
                                         r"2021011023\); give them as dates: pd\.to_datetime\(.*format='%Y%m%d%H'\)"):
        _forecaster().fit(pd.Series(np.sin(np.arange(24.0)), index=_DAY))
    fixed = pd.to_datetime(pd.Index(_DAY).astype(str), format="%Y%m%d%H")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _forecaster().fit(pd.Series(np.sin(np.arange(24.0)), index=fixed))
    assert model.freq_ == "h"


def test_T42_01_hours_as_numbers_across_days_are_named_not_called_uneven(tmp_path):
    # was: 'the numeric time column 'index' is not evenly spaced (steps from 1 to 77 ...)'; the frame read them as
    # numbers; read_sequences warned of 76 skipped times 'without 2.02101e+09'
    jump = r"hours written as numbers YYYYMMDDHH .*whose steps jump at each day's end \(2021011100 follows 2021011023"
    with pytest.raises(ValueError, match=jump):
        _forecaster().fit(pd.Series(np.sin(np.arange(48.0)), index=_TWO_DAYS))
    with pytest.raises(ValueError, match=r"the times of 't' are hours written as numbers YYYYMMDDHH"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": _DAY[:6], "y": np.arange(6.0)}), time_col="t")
    path = tmp_path / "long.csv"
    path.write_text("id,t,x,label\n" + "".join(f"{i},{t},{k},{int(i == 'A')}\n" for i in "AB"
                                              for k, t in enumerate(_TWO_DAYS[20:28])))
    with pytest.raises(ValueError, match=rf"long\.csv: the times of 't' are {jump}.*write them as dates in the file "
                                         r"\(2021-01-10 20:00 for 2021011020\)"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")


@pytest.mark.parametrize("times", [
    [20210101 + k for k in range(20)],  # YYYYMMDD: told as days, as before
    list(1609459200 + 3600 * np.arange(24)),  # Unix seconds an hour apart: not hours YYYYMMDDHH
    list(range(1000000000, 1000000024)),  # counts from a billion
])
def test_T42_01_other_numbers_are_not_hours(times):
    data = pd.DataFrame({"t": times, "y": np.arange(float(len(times)))})
    try:
        TimeSeriesFrame.from_pandas(data, time_col="t")
    except ValueError as e:
        assert "YYYYMMDDHH" not in str(e)


# T42-02: hours written as text YYYYMMDDHH ('2021011000': a column read with dtype=str), which pandas refuses
def test_T42_02_hours_as_text_are_refused_with_their_format():
    text = [str(t) for t in _DAY]
    # was: "time column 't' could not be read as datetimes (year 2021011000 is out of range: 2021011000); ..."
    told = r"holds dates and hours written YYYYMMDDHH as text \('2021011000' is 2021-01-10 00:00, \.\.\.\)"
    with pytest.raises(ValueError, match=rf"time column 't' {told}.*pd\.to_datetime\(data\['t'\], "
                                         r"format='%Y%m%d%H'\)"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": text[:6], "y": np.arange(6.0)}), time_col="t")
    # was: "the index holds text that is not dates in one format ('2021011000', ...); ..."
    with pytest.raises(ValueError, match=rf"the index {told}.*pd\.to_datetime\(data\.index, format='%Y%m%d%H'\)"):
        _forecaster().fit(pd.Series(np.sin(np.arange(24.0)), index=text))
    data = pd.DataFrame({"t": text[:6], "y": np.arange(6.0)})
    data["t"] = pd.to_datetime(data["t"], format="%Y%m%d%H")  # the fix runs
    assert TimeSeriesFrame.from_pandas(data, time_col="t").time[-1] == pd.Timestamp("2021-01-10 05:00")


def test_T42_02_twelve_digits_and_unix_seconds_as_text_stay_as_they_were():
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": [f"20210110{h:02d}00" for h in range(6)],
                                                      "y": np.arange(6.0)}), time_col="t")
    assert frame.time[1] == pd.Timestamp("2021-01-10 01:00")
    with pytest.raises(ValueError, match="Unix times in seconds written as text"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": [str(1609459200 + 3600 * k) for k in range(6)],
                                                  "y": np.arange(6.0)}), time_col="t")
