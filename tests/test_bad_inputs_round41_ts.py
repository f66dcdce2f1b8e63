"""Round 41 (time columns as the last round left them and as users' own data give them): years written '2020年',
durations as a time column (T41-01 ..)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster


def _forecaster() -> Forecaster:
    return Forecaster(horizon=2, model="direct", lookback=4, hidden_size=4, max_epochs=1)


def _long_csv(path, labels) -> None:
    path.write_text("id,t,x,label\n" + "".join(f"{i},{lab},{k},{int(i == 'A')}\n" for i in "AB"
                                              for k, lab in enumerate(labels[::-1])))


# T41-01: years written as Japanese and Chinese statistics write them ('2020年'), beside their months '2020年1月'
_YEARS = [f"{y}年" for y in range(2000, 2012)]


def test_T41_01_years_written_with_nen_are_read_as_years(tmp_path):
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": _YEARS, "y": np.arange(12.0)}), time_col="t")
    assert frame.time[0] == pd.Timestamp("2000-01-01") and frame.time[-1] == pd.Timestamp("2011-01-01")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _forecaster().fit(pd.Series(np.arange(12.0), index=_YEARS))  # was: text that is not dates
    assert model.freq_.startswith("YS")
    path = tmp_path / "long.csv"
    _long_csv(path, _YEARS)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: neither numbers ...
    assert np.asarray(table.X[0]).ravel().tolist() == list(np.arange(12.0)[::-1])


def test_T41_01_fiscal_years_written_nendo_are_refused_as_fiscal_years(tmp_path):
    # 2020年度 starts in April: not read as 2020-01-01, and refused as a fiscal year with its fix, where pandas'
    # 'Unknown datetime string format' was all the frame said
    told = r"holds fiscal years \('2020年度', '2021年度', \.\.\.: 年度, which in Japan runs from April to March\).*"
    fix = r"data\['t'\]\.str\.strip\(\)\.str\[:4\]\.astype\(int\)"
    with pytest.raises(ValueError, match=rf"time column 't' {told}{fix}"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ["2020年度", "2021年度", "2022年度"], "y": [1.0, 2, 3]}),
                                    time_col="t")
    with pytest.raises(ValueError, match=rf"the index {told}pd\.to_datetime\(data\.index\.str\.strip\(\)\.str\[:4\] "
                                         r"\+ '-04-01'\)"):
        _forecaster().fit(pd.Series(np.arange(12.0), index=[f"{y}年度" for y in range(2020, 2032)]))


# T41-02: a time column of durations (pd.Timedelta: time elapsed since a start) given to the frame
@pytest.mark.parametrize("durations", [pd.to_timedelta(np.arange(6), unit="h"),
                                       [pd.Timedelta(minutes=10 * k) for k in range(6)]])
def test_T41_02_durations_as_the_time_column_are_refused_with_a_fix_that_runs(durations):
    data = pd.DataFrame({"t": durations, "y": np.arange(6.0)})
    with pytest.raises(ValueError, match=r"time column 't' holds durations \(timedelta64: 0 days 00:00:00 \.\. .*"
                                         r"give them as numbers, data\['t'\]\.dt\.total_seconds\(\)"):
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was: could not be read as datetimes (dtype timedelta64 ...)
    with pytest.raises(ValueError, match=r"holds durations"):
        TimeSeriesFrame(np.arange(6.0)[:, None], time=data["t"])
    data["t"] = data["t"].dt.total_seconds()
    assert TimeSeriesFrame.from_pandas(data, time_col="t").time[1] in (600.0, 3600.0)


# T41-03: a Series' index of text dates, some written with 'Z' (UTC) beside naive ones, as one logger's export and
# another's are joined
def test_T41_03_dates_with_and_without_an_offset_in_the_index_are_named_by_their_values():
    times = [f"2021-01-01 {h:02d}:00" + ("Z" if h % 2 == 0 and h < 6 else "") for h in range(8)]
    y = pd.Series(np.arange(8.0), index=times)
    with pytest.raises(ValueError, match=r"the index mixes dates with a UTC offset or zone \(position 0 has "
                                         r"'2021-01-01 00:00Z'\) and without one \(position 1 has '2021-01-01 01:00'\)"
                                         r".*give every date an offset, or none; if those without one are UTC, "
                                         r"data.index = pd.to_datetime\(data.index, utc=True, format='ISO8601'\)"):
        _forecaster().fit(y)  # was: MixedZones: dates with a UTC offset (position 0) mixed with ... (no index named)
    y.index = pd.to_datetime(y.index, utc=True, format="ISO8601")
    assert _forecaster().fit(y).freq_ == "h"


# T41-04: a sheet's date and time saved as numbers (Excel serial dates with the time of day as the fraction: 44197.0,
# 44197.041667, ... hourly), named as dates, to the Forecaster; whole days were warned of, hours were not
@pytest.mark.parametrize(("per_day", "step"), [(24, "an hour"), (48, "half an hour")])
def test_T41_04_excel_serial_dates_of_hours_are_warned_of_as_days_are(per_day, step):
    days = 44197.0 + np.arange(3 * per_day) / per_day
    y = pd.Series(10 + np.sin(np.arange(3 * per_day) * 2 * np.pi / per_day), index=pd.Index(days, name="Date"))
    with pytest.warns(UserWarning, match=rf"Forecaster.fit: the index holds numbers 44197 \.\. 4419[89]\.9\d+, {step} "
                                         r"apart, that read as Excel serial dates \(days since 1899-12-30, the time of "
                                         r"day as its fraction: 44197 is 2021-01-01 00:00\).*no daily, weekly or "
                                         r"yearly season.*data\.index = pd\.to_datetime\(data\.index, unit='D', "
                                         r"origin='1899-12-30'\)\.round\('min'\)"):
        _forecaster().fit(y)  # was: read as numbers a step of 0.0416666 apart, without a word
    y.index = pd.to_datetime(y.index, unit="D", origin="1899-12-30").round("min")
    assert _forecaster().fit(y).freq_ == ("h" if per_day == 24 else "30min")


def test_T41_04_an_unnamed_index_of_such_numbers_and_uneven_fractions_stay_quiet():
    for index in (pd.Index(44197.0 + np.arange(48) / 24), pd.Index(44197.3 + np.arange(48) * 0.0416, name="date")):
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=".*Excel serial dates")
            _forecaster().fit(pd.Series(np.sin(np.arange(48.0)), index=index))


# T41-05: months written YYYY.M of one year up to September (2015.1 .. 2015.9), read by pd.read_csv as numbers, to the
# Forecaster: forecast at 2016.0, 2016.1 (October and November as months) without a word
def test_T41_05_months_yyyy_m_of_one_year_are_warned_of_with_a_fix_that_runs(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("month,sales\n" + "".join(f"2015.{m},{m * 1.5}\n" for m in range(1, 10)))
    y = pd.read_csv(path, index_col="month")["sales"]
    with pytest.warns(UserWarning, match=r"Forecaster.fit: the index holds the numbers 2015.1 \.\. 2015.9, a tenth "
                                         r"apart within 2015: months written YYYY.M \(2015.1 for January\)\? as "
                                         r"numbers, the month after September \(2015.9\) is 2016.0, not 2015.10.*"
                                         r"pd.to_datetime\(data.index, format='%Y.%m'\); tenths of another unit\? "
                                         r"silence this"):
        forecast = _forecaster().fit(y).predict()  # was: no word, forecasts at 2016.0, 2016.1
    assert forecast.index[0] == pytest.approx(2016.0)
    data = pd.read_csv(path)
    with pytest.warns(UserWarning, match=r"time column 'month' holds the numbers 2015.1 .. 2015.9.*"
                                         r"dtype=\{'month': str\}"):
        _forecaster().fit(data, time_col="month")
    y = pd.read_csv(path, index_col="month", dtype={"month": str})["sales"]
    y.index = pd.to_datetime(y.index, format="%Y.%m")
    assert _forecaster().fit(y).predict().index[0] == pd.Timestamp("2015-10-01")


@pytest.mark.parametrize("times", [np.arange(1, 10) / 10, 2015.0 + np.arange(9) / 10, 2015.1 + np.arange(12) / 10,
                                   1999.7 + np.arange(6) / 10])
def test_T41_05_other_tenths_stay_quiet(times):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*months written YYYY.M")
        _forecaster().fit(pd.Series(np.sin(np.arange(len(times))), index=pd.Index(times)))


# T41-06: Unix times written as text ('1609459200', a column read with dtype=str or a JSON export's strings)
@pytest.mark.parametrize(("unit", "scale"), [("s", 1), ("ms", 1000), ("us", 10 ** 6)])
def test_T41_06_unix_times_written_as_text_are_refused_with_their_unit_and_a_fix_that_runs(unit, scale):
    text = [str((1609459200 + 3600 * k) * scale) for k in range(10)]
    with pytest.raises(ValueError, match=rf"the index holds Unix times in \w+ written as text \('{text[0]}' is "
                                         rf"2021-01-01 00:00:00, \.\.\.\).*pd.to_datetime\(data.index.astype\('int64'\)"
                                         rf", unit='{unit}'\)"):
        _forecaster().fit(pd.Series(np.arange(10.0), index=text))  # was: text that is not dates in one format
    data = pd.DataFrame({"ts": text, "y": np.arange(10.0)})
    with pytest.raises(ValueError, match=rf"time column 'ts' holds Unix times .*data\['ts'\].astype\('int64'\), "
                                         rf"unit='{unit}'"):
        TimeSeriesFrame.from_pandas(data, time_col="ts")  # was: could not be read as datetimes (... overflows)
    data["ts"] = pd.to_datetime(data["ts"].astype("int64"), unit=unit)
    assert _forecaster().fit(data, time_col="ts").freq_ == "h"


def test_T41_06_dates_and_times_of_twelve_digits_stay_dates():
    text = [f"2021011000{m:02d}" for m in range(10)]  # YYYYMMDDHHMM, of the digits milliseconds have
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": text, "y": np.arange(10.0)}), time_col="t")
    assert frame.time[1] == pd.Timestamp("2021-01-10 00:01")


@pytest.mark.parametrize(("name", "times"), [("time", 30000 + np.arange(48) * 0.5),  # elapsed seconds at 2 Hz
                                             ("timestamp", np.round(30000 + np.arange(48) * 0.1, 1)),  # at 10 Hz
                                             ("day", np.round(40000 + np.arange(48) * 0.2, 1)),  # elapsed days
                                             ("time", 25000 + np.arange(48) * 0.25)])
def test_T41_04_elapsed_days_or_seconds_of_a_round_step_in_excels_range_stay_quiet(name, times):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Excel serial dates")
        _forecaster().fit(pd.Series(np.sin(np.arange(48.0)), index=pd.Index(times, name=name)))


@pytest.mark.parametrize("times", [np.round(1.1 + np.arange(9) / 10, 1),  # elapsed hours
                                   np.round(1013.1 + np.arange(9) / 10, 1),  # a pressure in hPa
                                   np.round(1500.1 + np.arange(9) / 10, 1)])  # a depth in metres
def test_T41_05_tenths_outside_a_calendar_years_range_stay_quiet(times):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*months written YYYY.M")
        _forecaster().fit(pd.Series(np.sin(np.arange(9.0)), index=pd.Index(times)))


def test_T41_06_dates_of_eight_digits_stay_dates():
    text = [f"202101{d:02d}" for d in range(1, 11)]  # YYYYMMDD, a time column of digit text
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": text, "y": np.arange(10.0)}), time_col="t")
    assert frame.time[1] == pd.Timestamp("2021-01-02")
    with pytest.warns(UserWarning, match=r"holds times as text \('20210101', \.\.\.\), read as dates"):
        assert _forecaster().fit(pd.Series(np.arange(10.0), index=text)).freq_ == "D"
