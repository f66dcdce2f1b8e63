"""Round 44 (time columns as the last round left them and as users' own data give them): times written with a
trailing ' UTC' beside naive ones, a missing reading coded 999 among readings of its own order, a year and a month
in two columns of a long CSV (T44-01 ..)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import missing_codes, read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster


def _long_csv(path, values, times=None) -> None:
    rows = ["id,t,x,target"]
    for s in ("s1", "s2"):
        rows += [f"{s},{times[i] if times else i},{v},1" for i, v in enumerate(values)]
    path.write_text("\n".join(rows) + "\n")


# T44-01: times written by a database with a trailing ' UTC' (or ' GMT') beside times written without a zone, as two
# exports joined have them
_HOURS = list(pd.date_range("2021-01-01", periods=12, freq="h").strftime("%Y-%m-%d %H:%M:%S"))
_SOME_UTC = [t + (" UTC" if i >= 6 else "") for i, t in enumerate(_HOURS)]


def test_T44_01_utc_suffix_beside_naive_times_names_both_rows_in_a_frame():
    # was: time column 't' could not be read as datetimes (unconverted data remains when parsing with format
    # "%Y-%m-%d %H:%M:%S": " UTC"); ... (no row, no fix)
    data = pd.DataFrame({"t": _SOME_UTC, "y": np.arange(12.0)})
    with pytest.raises(ValueError, match=r"time column 't' mixes dates with a UTC offset or zone \(row 6 has "
                                         r"'2021-01-01 06:00:00 UTC'\) and without one \(row 0 has "
                                         r"'2021-01-01 00:00:00'\).*give every date an offset, or none; if those "
                                         r"without one are UTC, data\['t'\] = pd\.to_datetime\(data\['t'\], "
                                         r"utc=True, format='mixed'\) reads them so"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    data["t"] = pd.to_datetime(data["t"], utc=True, format="mixed")  # the fix it names
    frame = TimeSeriesFrame.from_pandas(data, time_col="t")
    assert (np.diff(frame.time) == pd.Timedelta("1h")).all()


def test_T44_01_utc_suffix_beside_naive_times_in_a_forecasters_index_names_a_fix_that_runs():
    # was: the index mixes dates ... ; if those without one are UTC, data.index = pd.to_datetime(data.index,
    # utc=True, format='ISO8601') reads them so (which ISO 8601 does not: ' UTC' is no offset it reads)
    data = pd.Series(np.arange(12.0), index=_SOME_UTC)
    with pytest.raises(ValueError, match=r"the index mixes dates with a UTC offset or zone \(position 6 has "
                                         r"'2021-01-01 06:00:00 UTC'\).*data\.index = pd\.to_datetime\(data\.index, "
                                         r"utc=True, format='mixed'\)"):
        Forecaster(horizon=2, model="direct", lookback=3, hidden_size=4, max_epochs=1).fit(data)
    data.index = pd.to_datetime(data.index, utc=True, format="mixed")
    assert (np.diff(data.index) == pd.Timedelta("1h")).all()


def test_T44_01_utc_suffix_beside_naive_times_names_both_lines_in_a_csv(tmp_path):
    # was: the time column 't' is neither numbers nor dates in one format (line 8 has ...); write numbers or ISO dates
    path = tmp_path / "long.csv"
    _long_csv(path, np.linspace(10, 20, 12).round(2), [t.replace(" UTC", " GMT") for t in _SOME_UTC])
    with pytest.raises(ValueError, match=r"the time column 't' mixes dates with a UTC offset \(line 8 has "
                                         r"'2021-01-01 06:00:00 GMT'\) and without one \(line 2 has.*"
                                         r"format='mixed'\) reads them so, then save the file again"):
        read_sequences(path, time_column="t")


def test_T44_01_pin_times_all_in_utc_or_a_country_code_read_as_before(tmp_path):
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": [t + " UTC" for t in _HOURS], "y": np.arange(12.0)}),
                                        time_col="t")
    assert frame.time[1] - frame.time[0] == pd.Timedelta("1h")
    with pytest.raises(ValueError, match=r"holds dates but for 1 cell\(s\) with no date, the first 'Total GMT'"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": _HOURS[:11] + ["Total GMT"], "y": np.arange(12.0)}),
                                    time_col="t")


# T44-02: a missing reading coded 999 (or -99) among readings of its own order, which five times their range does
# not reach
def test_T44_02_999_among_readings_up_to_400_is_warned_in_a_csv(tmp_path):
    # was: read, scaled and trained on as a reading of 999 without a word
    values = list(np.random.default_rng(0).uniform(0, 400, 12).round(1))
    values[5] = 999
    path = tmp_path / "long.csv"
    _long_csv(path, values)
    with pytest.warns(UserWarning, match=r"feature column 'x' holds 999 on 2 line\(s\) \(the first: sequence 's1' "
                                         r"\(line 7\)\).*the mark of a missing reading.*na_values=\[999\]"):
        read_sequences(path, time_column="t")


def test_T44_02_minus_99_among_temperatures_is_warned_in_a_frame():
    y = np.random.default_rng(1).uniform(-20, 20, 30)
    y[[4, 17]] = -99
    data = pd.DataFrame({"t": pd.date_range("2021-01-01", periods=30), "temp": y})
    with pytest.warns(UserWarning, match=r"value column 'temp' holds -99 on 2 row\(s\) \(the first at row 4.*"
                                         r"the mark of a missing reading"):
        TimeSeriesFrame.from_pandas(data, time_col="t")


@pytest.mark.parametrize("values", [
    np.r_[np.linspace(0, 1200, 40), 999.0],  # counts up to 1200 holding 999
    np.r_[np.linspace(300, 600, 40), 999.0],  # readings 300 .. 600: 999 is not twice the largest
    np.r_[np.linspace(3000, 5000, 40), 9999.0],  # prices near the code's size
    np.r_[np.linspace(-500, 2000, 40), -999.0],  # elevations
    np.r_[np.linspace(0, 60, 40), 99.0],  # 99 within its range of the others' size
])
def test_T44_02_pin_codes_of_the_readings_size_stay_quiet(values):
    assert missing_codes(values) == []


# T44-03: a year and a month in two columns of a long CSV, the month given as the time column
def _year_month_csv(path) -> None:
    rng = np.random.default_rng(2)
    rows = ["id,year,month,x,target"]
    for s in ("s1", "s2"):
        rows += [f"{s},{y},{m},{rng.uniform():.4f},1" for y in (2019, 2020) for m in range(1, 13)]
    path.write_text("\n".join(rows) + "\n")


def test_T44_03_year_and_month_columns_of_a_csv_are_one_time_not_duplicates(tmp_path):
    # was: sequence 's1' has time 1 more than once (lines 2, 14); each (id, time) must be unique: drop or aggregate
    # the duplicates (48 duplicated rows in all)
    path = tmp_path / "monthly.csv"
    _year_month_csv(path)
    with pytest.raises(ValueError, match=r"the time column 'month' and column 'year' write one time in two: 'year' "
                                         r"holds the years \(2019, \.\.\.\) and 'month' the months of each \(1 \.\. "
                                         r"12\), so the months alone start over each year \(sequence 's1', lines 2, "
                                         r"14\); join them.*df\['t'\] = pd\.to_datetime\(dict\(year=df\['year'\], "
                                         r"month=df\['month'\], day=1\)\).*time_column='t'"):
        read_sequences(path, time_column="month")
    df = pd.read_csv(path)  # the fix it names
    df["t"] = pd.to_datetime(dict(year=df["year"], month=df["month"], day=1))
    df.drop(columns=["year", "month"]).to_csv(tmp_path / "new.csv", index=False)
    table = read_sequences(tmp_path / "new.csv", time_column="t")
    assert [len(x) for x in table.X] == [24, 24] and table.feature_names == ["x"]


def test_T44_03_years_as_the_csv_time_column_beside_quarters_are_told_too(tmp_path):
    rows = ["id,year,qtr,x,target"]
    for s in ("a", "b"):
        rows += [f"{s},{y},{q},{y + q / 10},1" for y in (2018, 2019, 2020) for q in range(1, 5)]
    (tmp_path / "q.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"the time column 'year' and column 'qtr' write one time in two.*the years "
                                         r"alone repeat.*pd\.PeriodIndex\.from_fields\(year=df\['year'\], "
                                         r"quarter=df\['qtr'\], freq='Q'\)"):
        read_sequences(tmp_path / "q.csv", time_column="year")


def test_T44_03_pin_true_duplicates_keep_their_message(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,t,x,target\na,1,0.5,1\na,2,0.6,1\na,2,0.7,1\na,3,0.8,1\n")
    with pytest.raises(ValueError, match=r"sequence 'a' has time 2 more than once \(lines 3, 4\).*drop or aggregate"):
        read_sequences(path, time_column="t")


def test_T44_pin_no_warning_on_usual_data(tmp_path):
    path = tmp_path / "ok.csv"
    _long_csv(path, np.random.default_rng(3).uniform(10, 30, 12).round(2), _HOURS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_sequences(path, time_column="t")


# T44-04: a missing reading coded -999 in a wide CSV (a row per sequence, a column per step), which the long layout
# already warns of
def _wide_csv(path, code_at=(1, 4)) -> np.ndarray:
    values = np.random.default_rng(4).uniform(10, 30, (3, 12)).round(2)
    cells = values.astype(object)
    if code_at is not None:
        cells[code_at] = -999
    rows = ["target," + ",".join(f"x{i}" for i in range(12))]
    rows += [f"{k}," + ",".join(str(v) for v in cells[k]) for k in range(3)]
    path.write_text("\n".join(rows) + "\n")
    return values


def test_T44_04_minus_999_in_a_wide_csv_is_warned_naming_row_and_column(tmp_path):
    # was: read and trained on as a reading of -999 without a word
    path = tmp_path / "wide.csv"
    values = _wide_csv(path)
    with pytest.warns(UserWarning, match=r"the feature \(every step's column\) holds -999 on 1 cell\(s\) \(the first: "
                                         r"row 2 \(line 3\), column 'x4'\).*the mark of a missing reading.*"
                                         r"na_values=\[-999\]\).*interpolate\(axis=1, limit_area='inside'\)"):
        read_sequences(path, layout="wide")
    df = pd.read_csv(path, na_values=[-999])  # the fix it names
    steps = df.columns.drop("target")
    df[steps] = df[steps].interpolate(axis=1, limit_area="inside")
    df.to_csv(tmp_path / "new.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        table = read_sequences(tmp_path / "new.csv", layout="wide")
    assert table.X[1][4, 0] == pytest.approx((values[1, 3] + values[1, 5]) / 2, abs=1e-4)


def test_T44_04_pin_a_wide_csv_of_usual_values_stays_quiet(tmp_path):
    path = tmp_path / "wide.csv"
    _wide_csv(path, code_at=None)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert len(read_sequences(path, layout="wide").X) == 3


# T44-05: a sequence whose spacing changes part-way (a logger set from hourly to daily), read as steps of one size
_TWO_RATES = list(pd.date_range("2021-01-01", periods=10, freq="h")) + \
    list(pd.date_range("2021-01-02", periods=10, freq="D"))


def _rates_csv(path, times) -> None:
    rows = ["id,t,x,target"]
    for s in ("a", "b"):
        rows += [f"{s},{t},{i * 0.5},1" for i, t in enumerate(times)]
    path.write_text("\n".join(rows) + "\n")


def test_T44_05_hourly_then_daily_times_in_a_csv_are_warned_with_a_resample_that_runs(tmp_path):
    # was: read without a word, a day's step as long as an hour's
    path = tmp_path / "long.csv"
    _rates_csv(path, _TWO_RATES)
    with pytest.warns(UserWarning, match=r"the time column 't' changes its step part-way: sequence 'a' steps by "
                                         r"0 days 01:00:00 up to '2021-01-01 09:00:00' \(line 11\), then by 1 day\(s\) "
                                         r"from '2021-01-02 00:00:00' \(line 12\).*24 times as long.*"
                                         r"\.groupby\('id'\)\.resample\('24h', on='t'\)"):
        read_sequences(path, time_column="t")
    pd.read_csv(path, parse_dates=["t"]).groupby("id").resample("24h", on="t").mean(
        numeric_only=True).reset_index().to_csv(tmp_path / "new.csv", index=False)  # the fix it names
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        table = read_sequences(tmp_path / "new.csv", time_column="t")
    assert [len(x) for x in table.X] == [11, 11]


def test_T44_05_numbers_of_two_steps_are_warned_too(tmp_path):
    path = tmp_path / "long.csv"
    _rates_csv(path, list(range(0, 8)) + list(range(10, 60, 10)))
    with pytest.warns(UserWarning, match=r"sequence 'a' steps by 1 up to 7 \(line 9\), then by 10 from 10 "
                                         r"\(line 10\).*put every sequence on one step"):
        read_sequences(path, time_column="t")


@pytest.mark.parametrize("times", [
    list(pd.date_range("2021-01-01", periods=20, freq="MS")),  # months of 28 to 31 days
    list(pd.date_range("2021-01-01", periods=8, freq="h")) + list(pd.date_range("2021-01-01 12:00", periods=8,
                                                                                  freq="h")),  # a gap in one grid
    list(np.cumsum(np.random.default_rng(5).uniform(1, 9, 20)).round(3)),  # irregular times
    # review mends: legitimate grids stay quiet
    list(pd.bdate_range("2021-01-01", periods=30)),  # business days: Friday to Monday
    list(pd.date_range("2021-01-01", periods=40, freq="D").delete([5, 6, 17, 30, 31, 32])),  # missing days
    list(pd.date_range("2021-01-31", periods=20, freq="ME")),  # months' last days, 28 .. 31 days apart
    [0.0, 1.3, 2.1, 3.0, *range(4, 30)],  # the first steps jittered
])
def test_T44_05_pin_one_grid_with_or_without_gaps_and_irregular_times_are_not_told_two_rates(tmp_path, times):
    path = tmp_path / "long.csv"
    _rates_csv(path, times)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_sequences(path, time_column="t")
    assert not [w for w in caught if "changes its step part-way" in str(w.message)]


# T44-06: month names ('Jan' .. 'Dec', 'January' ..) as the time column beside a year column: one time in two
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.mark.parametrize("names, fmt", [(_MONTHS, "%b"), ([pd.Timestamp(2020, m, 1).strftime("%B")
                                                           for m in range(1, 13)], "%B")])
def test_T44_06_month_names_beside_a_year_column_are_joined_with_that_year(names, fmt):
    # was: time column 'month' holds dates without a year ('Jan', ...), ...; or add it: pd.to_datetime(data['month']
    # + ' 2021') with the year they were taken in (one year for all, not the column's)
    data = pd.DataFrame({"year": np.repeat([2019, 2020], 12), "month": names * 2, "y": np.arange(24.0)})
    with pytest.raises(ValueError, match=r"time column 'month' and column 'year' write one time in two: 'year' holds "
                                         r"the years \(2019, \.\.\.\) and 'month' the months of each \('" + names[0] +
                                         r"' \.\. '" + names[-1] + r"'\).*data\['t'\] = pd\.to_datetime\(data\['year'\]"
                                         r"\.astype\(str\) \+ ' ' \+ data\['month'\], format='%Y " + fmt + r"'\)"):
        TimeSeriesFrame.from_pandas(data, time_col="month")
    data["t"] = pd.to_datetime(data["year"].astype(str) + " " + data["month"], format=f"%Y {fmt}")  # the fix
    frame = TimeSeriesFrame.from_pandas(data.drop(columns=["year", "month"]), time_col="t")
    assert frame.time[0] == pd.Timestamp("2019-01-01") and frame.time[-1] == pd.Timestamp("2020-12-01")


def test_T44_06_pin_month_names_of_one_year_keep_the_yearless_message():
    data = pd.DataFrame({"month": _MONTHS, "y": np.arange(12.0)})
    with pytest.raises(ValueError, match=r"holds dates without a year \('Jan', \.\.\.\)"):
        TimeSeriesFrame.from_pandas(data, time_col="month")


def test_T44_06_month_names_beside_a_year_column_of_a_csv_are_told_too(tmp_path):
    # was: the time column 'month' is neither numbers nor dates in one format (line 2 has 'Jan'); write numbers or ISO
    # dates (YYYY-MM-DD), or leave out --time-column to keep the file's row order
    rows = ["id,year,month,x,target"]
    for s in ("s1", "s2"):
        rows += [f"{s},{y},{m},{y % 10 + k / 10},1" for y in (2019, 2020) for k, m in enumerate(_MONTHS)]
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"the time column 'month' and column 'year' write one time in two.*\('Jan' "
                                         r"\.\. 'Dec'\).*\(sequence 's1', lines 2, 14\).*df\['t'\] = pd\.to_datetime\("
                                         r"df\['year'\]\.astype\(str\) \+ ' ' \+ df\['month'\], format='%Y %b'\)"):
        read_sequences(tmp_path / "m.csv", time_column="month")


# T44-07: a frame with a DatetimeIndex and a time column of other times (a frame resampled on one, the other kept)
def _two_times() -> pd.DataFrame:
    return pd.DataFrame({"t": pd.date_range("2021-01-01", periods=20, freq="D"), "y": np.arange(20.0)},
                        index=pd.date_range("2020-01-01", periods=20, freq="h"))


def test_T44_07_a_datetime_index_beside_a_time_column_of_other_times_is_warned():
    # was: the column read as the times and the index dropped without a word
    with pytest.warns(UserWarning, match=r"data has a DatetimeIndex of other times than its time column 't' \(row 0: "
                                         r"the index 2020-01-01, the column 2021-01-01; 20 of 20 rows differ\).*"
                                         r"data\.drop\(columns=\['t'\]\).*data\.reset_index\(drop=True\)"):
        TimeSeriesFrame.from_pandas(_two_times(), time_col="t")
    with warnings.catch_warnings():  # either fix it names is quiet
        warnings.simplefilter("error", UserWarning)
        assert TimeSeriesFrame.from_pandas(_two_times().reset_index(drop=True), time_col="t").time[0].year == 2021
        assert TimeSeriesFrame.from_pandas(_two_times().drop(columns=["t"])).time[0].year == 2020


def test_T44_07_pin_an_index_that_is_the_time_column_stays_quiet():
    data = pd.DataFrame({"t": pd.date_range("2021-01-01", periods=20, freq="D"), "y": np.arange(20.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        TimeSeriesFrame.from_pandas(data.set_index("t", drop=False).rename_axis(None), time_col="t")


# review mends: legitimate series, grids, indexes and month names stay quiet or are read as meant
@pytest.mark.parametrize("values", [
    np.r_[np.linspace(0, 400, 40), np.linspace(450, 999, 8), [999.0] * 5],  # a sensor ramping up to saturate at 999
    np.r_[np.linspace(0, 900, 40), 999.0, 999.0],  # counts capped at 999
    np.r_[np.linspace(100, 1000, 40), 1000.0],  # a round cap of 1000
    np.r_[np.linspace(2000, 9000, 40), 9999.0],  # a series trending up to 9999
])
def test_T44_02_pin_a_saturating_or_capped_series_stays_quiet(values):
    assert missing_codes(values) == []


def test_T44_07_pin_a_period_index_another_zone_or_resolution_of_the_same_times_stays_quiet():
    ends = pd.date_range("2021-01-31", periods=20, freq="ME")
    hours = pd.date_range("2021-01-01", periods=20, freq="h", tz="UTC")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        # a monthly PeriodIndex beside each month's last day: the same months
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ends, "y": np.arange(20.0)}, index=ends.to_period("M")),
                                    time_col="t")
        # the index in UTC, the column in Berlin's time: the same instants
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": hours.tz_convert("Europe/Berlin"), "y": np.arange(20.0)},
                                                 index=hours), time_col="t")
        # the column in seconds, the index in nanoseconds
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ends.astype("datetime64[s]"), "y": np.arange(20.0)},
                                                 index=ends), time_col="t")
    later = (ends + pd.offsets.MonthEnd(1)).to_period("M")  # a month later: other times, named as a PeriodIndex
    with pytest.warns(UserWarning, match=r"data has a PeriodIndex of other times than its time column 't' \(row 0: "
                                         r"the index 2021-02-01, the column 2021-01-31; 20 of 20 rows differ\)"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ends, "y": np.arange(20.0)}, index=later), time_col="t")


@pytest.mark.parametrize("names, join", [
    (["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."],
     r"month=data\['month'\]\.str\.strip\(\)\.map\(\{'Jan\.': 1, 'Feb\.': 2, "),  # AP style: abbreviations and names
    (["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
     r"month=data\['month'\]\.str\.strip\(\)\.map\(\{'janv\.': 1, "),  # a French export
    ([m.upper() for m in _MONTHS], r"data\['month'\], format='%Y %b'\)"),  # capitals
])
def test_T44_06_month_names_of_mixed_forms_or_languages_beside_a_year_column_are_joined(names, join):
    # was: time column 'month' holds dates without a year ('Jan.', ...), with one year for all, not the column's
    data = pd.DataFrame({"year": np.repeat([2019, 2020], 12), "month": names * 2, "y": np.arange(24.0)})
    with pytest.raises(ValueError, match=r"time column 'month' and column 'year' write one time in two.*" + join) as e:
        TimeSeriesFrame.from_pandas(data, time_col="month")
    data["t"] = eval(str(e.value).split("data['t'] = ")[1].split(", and pass")[0])  # the join it names runs
    assert list(data["t"].iloc[[0, 8, 23]]) == [pd.Timestamp(2019, 1, 1), pd.Timestamp(2019, 9, 1),
                                                pd.Timestamp(2020, 12, 1)]
