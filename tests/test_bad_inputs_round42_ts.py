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
    list(2_000_003_600 + 3600 * np.arange(30)),  # Unix seconds of 2033, an hour apart (a future schedule)
    list(2_100_000_000 + 60 * np.arange(30)),  # of 2036, a minute apart
    list(200_001_010_000 + 60_000 * np.arange(30)),  # Unix milliseconds of 1976, a minute apart
    list(1_600_000_000_000_000 + 1_000_000 * np.arange(30)),  # Unix microseconds
    list(range(30)),  # step indices
    list(range(1_000_010_100, 1_000_010_400, 10)),  # ids of ten digits, 10 apart
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


# T42-03: a date and a time of day in two columns (a logger's or a sheet's 'Date' and 'Time')
_DATES = ["2021-01-01"] * 4 + ["2021-01-02"] * 4
_CLOCK = ["00:00", "06:00", "12:00", "18:00"] * 2


@pytest.mark.parametrize("time_col", ["date", "time"])
def test_T42_03_a_date_and_a_time_in_two_columns_are_not_called_a_panel(time_col):
    data = pd.DataFrame({"date": _DATES, "time": _CLOCK, "y": np.arange(8.0)})
    # was: "data looks like a long panel of 4 series: column 'time' holds series ids ('00:00', '06:00', ...) ..."
    told = (r"write one time in two: 'date' holds the dates \('2021-01-01', \.\.\.\) and 'time' the times of day "
            r"\('00:00', \.\.\.\), so the dates alone repeat; join them into one time column, data\['t'\] = "
            r"pd\.to_datetime\(data\['date'\]\.astype\(str\) \+ ' ' \+ data\['time'\]\.astype\(str\)\)")
    with pytest.raises(ValueError, match=rf"time column '{time_col}' and column '.*' {told}"):
        TimeSeriesFrame.from_pandas(data, time_col=time_col)
    with pytest.raises(ValueError, match=told):
        _forecaster().fit(data, time_col=time_col)
    data["t"] = pd.to_datetime(data["date"].astype(str) + " " + data["time"].astype(str))  # the fix runs
    frame = TimeSeriesFrame.from_pandas(data[["t", "y"]], time_col="t")
    assert frame.time[1] == pd.Timestamp("2021-01-01 06:00") and frame.time[4] == pd.Timestamp("2021-01-02")


def test_T42_03_a_sheets_date_and_time_cells_are_told_too(tmp_path):
    import datetime
    data = pd.DataFrame({"Date": pd.to_datetime(_DATES), "Time": [datetime.time(h) for h in (0, 6, 12, 18)] * 2,
                         "y": np.arange(8.0)})  # as pd.read_excel reads date cells and time cells
    with pytest.raises(ValueError, match=r"'Date' holds the dates \('2021-01-01', \.\.\.\) and 'Time' the times "
                                         r"of day \('00:00:00', \.\.\.\)"):
        TimeSeriesFrame.from_pandas(data, time_col="Date")
    data["t"] = pd.to_datetime(data["Date"].astype(str) + " " + data["Time"].astype(str))
    assert TimeSeriesFrame.from_pandas(data[["t", "y"]], time_col="t").time[-1] == pd.Timestamp("2021-01-02 18:00")
    path = tmp_path / "long.csv"
    path.write_text("id,date,time,x,label\n" + "".join(f"{i},{d},{c},{k},{int(i == 'A')}\n" for i in "AB"
                                                       for k, (d, c) in enumerate(zip(_DATES, _CLOCK, strict=True))))
    # was: "sequence 'A' has time '2021-01-01' on lines 2, 3, 4, 5, told apart by the text column 'time' ...: the
    # sequences are named by two columns, 'id' and 'time' (as a MultiIndex of two levels written by to_csv) ..."
    with pytest.raises(ValueError, match=r"long\.csv: the time column 'date' and the column 'time' write one time in "
                                         r"two .*join them into one column of the file, df\['t'\] = "
                                         r"df\['date'\]\.astype\(str\) \+ ' ' \+ df\['time'\]\.astype\(str\)"):
        read_sequences(path, id_column="id", time_column="date", target_column="label")


def test_T42_03_ids_beside_repeated_dates_stay_a_panel():
    days = [f"2021-01-0{k}" for k in (1, 1, 2, 2, 3, 3, 4, 4)]
    data = pd.DataFrame({"id": ["A", "B"] * 4, "t": days, "y": np.arange(8.0)})
    with pytest.raises(ValueError, match="data looks like a long panel of 2 series: column 'id' holds series ids"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    with pytest.raises(ValueError, match="data looks like a long panel of 2 series: column 'id' holds series ids"):
        TimeSeriesFrame.from_pandas(data.assign(id=["1:1", "1:2"] * 4), time_col="t")  # no clock times
    stamped = data.assign(t=pd.to_datetime(days) + pd.Timedelta(hours=6), id=["06:00", "18:00"] * 4)
    with pytest.raises(ValueError, match="long panel"):  # times of 06:00 are no dates alone: ids beside them
        TimeSeriesFrame.from_pandas(stamped, time_col="t")


# T42-04: a missing reading written as a number (-999, 9999: a weather station's or a logger's mark)
def _readings(code: float, rows: list[int]) -> np.ndarray:
    v = 20 + 10 * np.sin(np.arange(30) / 3.0)
    v[rows] = code
    return v


@pytest.mark.parametrize("code", [-999.0, 9999.0, -9999.0])
def test_T42_04_a_missing_reading_written_as_a_number_is_warned_of(code):
    time = pd.date_range("2020-01-01", periods=30, freq="D")
    data = pd.DataFrame({"t": time, "temp": _readings(code, [5, 17])})
    # was: read, scaled and forecast as a temperature of -999, without a word
    told = (rf"value column 'temp' holds {code:g} on 2 row\(s\) \(the first at row 5, 2020-01-06\), far outside its "
            r"other values \(.*\): the mark of a missing reading.*df\['temp'\] = df\['temp'\]\.replace\(")
    with pytest.warns(UserWarning, match=told):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    with pytest.warns(UserWarning, match=r"holds .* the mark of a missing reading"):
        _forecaster().fit(data, time_col="t")
    data["temp"] = data["temp"].replace(code, np.nan)  # the fix runs
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        frame = TimeSeriesFrame.from_pandas(data, time_col="t")
    assert np.isnan(frame.values[[5, 17], 0]).all()


@pytest.mark.parametrize("values", [
    np.r_[np.arange(0.0, 1200.0, 40.0), 999.0],  # counts of their own size holding 999
    np.array([-99.0, -98, -97, -99, -96, -95]),  # readings about -99
    np.array([1.0, 1.0, 1.0, -999.0]),  # no spread to be far from
    np.array([0.0, 100.0, 50.0, 600.0, 999.0]),  # within five spreads of the others, and not twice the largest
    # (999 beside values up to 400 is told since T44-02)
])
def test_T42_04_codes_among_values_of_their_size_stay_quiet(values):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        TimeSeriesFrame.from_pandas(pd.DataFrame({"y": values}))


# T42-05: date-times written as numbers YYYYMMDDHHMM (202101102300: a logger's or a SCADA export's timestamp)
def test_T42_05_minutes_as_numbers_are_not_forecast_at_hour_24(tmp_path):
    hourly = [int(f"20210110{h:02d}00") for h in range(24)]
    # was: read as numbers 100 apart, the forecasts labelled 202101102400 and 202101102500, without a word
    with pytest.raises(ValueError, match=r"the times of 'index' are minutes written as numbers YYYYMMDDHHMM "
                                         r"\(202101100000 is 2021-01-10 00:00, .*run on to 202101102400 after "
                                         r"202101102300, which is no time of day; give them as dates: "
                                         r"pd\.to_datetime\(.*format='%Y%m%d%H%M'\)"):
        _forecaster().fit(pd.Series(np.sin(np.arange(24.0)), index=hourly))
    quarter_hours = [int(f"2021011{d}{h:02d}{m:02d}") for d in (0, 1) for h in range(24) for m in (0, 15, 30, 45)]
    with pytest.raises(ValueError, match=r"whose steps of 15 jump where an hour or a day ends \(202101100100 "
                                         r"follows 202101100045, a step of 55\)"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": quarter_hours, "y": np.arange(192.0)}), time_col="t")
    fixed = pd.to_datetime(pd.Index(hourly).astype(str), format="%Y%m%d%H%M")  # the fix runs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _forecaster().fit(pd.Series(np.sin(np.arange(24.0)), index=fixed)).freq_ == "h"


def test_T42_05_unix_milliseconds_are_not_minutes():
    for step in (60_000, 3_600_000):  # 2001-01-01 in milliseconds, a minute and an hour apart
        times = 978307200000 + step * np.arange(30)
        with pytest.warns(UserWarning, match="read as Unix milliseconds"):
            _forecaster().fit(pd.Series(np.sin(np.arange(30.0)), index=times))


# review mends
def test_T42_01_hours_of_any_step_that_divides_a_day_are_named():
    three_hourly = [int(f"202101{d}{h:02d}") for d in (10, 11) for h in range(0, 24, 3)]  # synoptic hours
    # was: read as numbers 3 apart within a day, forecast at 2021011024, without a word
    with pytest.raises(ValueError, match=r"hours written as numbers YYYYMMDDHH \(2021011000 is 2021-01-10 00:00, "
                                         r"then 2021011003, .*run on past the day's end \(2021011024 after "
                                         r"2021011021\); give them as dates"):
        _forecaster().fit(pd.Series(np.sin(np.arange(8.0)), index=three_hourly[:8]))
    with pytest.raises(ValueError, match=r"whose steps jump at each day's end \(2021011100 follows 2021011021, a "
                                         r"step of 79\)"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": three_hourly, "y": np.arange(16.0)}), time_col="t")
    noon = [int(f"202101{d}12") for d in range(10, 20)]  # a reading each day at noon
    with pytest.raises(ValueError, match=r"the times of 't' are hours written as numbers YYYYMMDDHH"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": noon, "y": np.arange(10.0)}), time_col="t")


def test_T42_03_a_panels_opening_time_beside_its_ids_stays_a_panel():
    days = [f"2021-01-0{k}" for k in range(1, 6)] * 2
    data = pd.DataFrame({"store": ["A"] * 5 + ["B"] * 5, "t": days, "opens": ["09:00"] * 5 + ["10:00"] * 5,
                         "y": np.arange(10.0)})
    # was: "time column 't' and column 'opens' write one time in two ..."
    with pytest.raises(ValueError, match="data looks like a long panel of 2 series: column 'store' holds series ids"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    ids = pd.DataFrame({"store": ["A"] * 5 + ["B"] * 5, "dept": ["x"] * 10, "t": pd.to_datetime(days),
                        "hour": [9] * 10, "y": np.arange(10.0)})  # two id columns and an hour feature
    with pytest.raises(ValueError, match="long panel of 2 series: column 'store'"):
        TimeSeriesFrame.from_pandas(ids, time_col="t")
    noted = pd.DataFrame({"date": _DATES, "time": _CLOCK, "note": [f"n{k}" for k in range(8)], "y": np.arange(8.0)})
    with pytest.raises(ValueError, match="time column 'date' and column 'time' write one time in two"):
        TimeSeriesFrame.from_pandas(noted, time_col="date")  # a note on each row names no series


@pytest.mark.parametrize("values", [
    np.r_[9990.0 + np.arange(20.0), 9999.0],  # prices about 9999 .. 10010
    np.r_[np.linspace(0.0, 20000.0, 30), 9999.0, -999.0],  # a series spanning 0 .. 20000
    np.r_[np.linspace(-20.0, 10.0, 30), -9.99],  # a temperature of -9.99
    np.r_[np.linspace(-1000.0, 9000.0, 30), -999.0, 9999.0],  # elevations
])
def test_T42_04_series_that_reach_a_codes_size_stay_quiet(values):
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        TimeSeriesFrame.from_pandas(pd.DataFrame({"y": values}))
