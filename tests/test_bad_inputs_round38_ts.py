"""Round 38 (time series as a user's own files and frames hold them): Unix times in micro- and nanoseconds, dates the
user parsed from two-digit years or month-first, values at a detection limit, yes/no answers, a wide table newest
first, times of day past midnight, a spreadsheet's formula errors, days written YYYYMMDD in a long CSV
(T38-01 .. T38-09)."""

import io
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster
from rnnkit.forecast.series import as_frame


def _forecaster() -> Forecaster:
    return Forecaster(horizon=2, model="direct", lookback=4, hidden_size=4, max_epochs=1)


# T38-01: a time column of Unix times in microseconds (Spark, Parquet) or nanoseconds (pandas' .astype('int64'))
@pytest.mark.parametrize("unit,word", [("us", "microseconds"), ("ns", "nanoseconds"), ("s", "seconds")])
def test_t38_01_unix_micro_and_nanoseconds_are_warned_of(unit, word):
    days = pd.date_range("2024-01-01", periods=30, freq="D")
    data = pd.DataFrame({"t": days.as_unit(unit).asi8, "y": np.sin(np.arange(30.0))})
    with pytest.warns(UserWarning, match=rf"time column 't' holds numbers that read as Unix {word} \(\d+ is "
                                         rf"2024-01-01 00:00:00, a step of 1 days.*pd.to_datetime\(data\['t'\], "
                                         rf"unit='{unit}'\)"):
        _forecaster().fit(data, time_col="t")  # microseconds and nanoseconds were fitted as numbers, silently
    # the advised fix gives the days back
    assert list(pd.to_datetime(data["t"], unit=unit)) == list(days)


# T38-02: dates the user parsed from two-digit years ('Jan-49'), which pandas reads 00 .. 68 as 2000 .. 2068
def test_t38_02_a_history_after_this_year_is_warned_of():
    csv = "month,passengers\n" + "".join(f"{m}-{y},{100 + 3 * k}\n" for k, (y, m) in enumerate(
        (y, m) for y in (49, 50) for m in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                           "Nov", "Dec")))
    data = pd.read_csv(io.StringIO(csv), parse_dates=["month"], date_format="%b-%y", index_col="month")
    assert data.index[0] == pd.Timestamp("2049-01-01")
    now = pd.Timestamp.now().year
    with pytest.warns(UserWarning, match=rf"the times of data.index start in 2049 \(2049-01-01\), after this year "
                                         rf"\({now}\).*two-digit years.*t.where\(t.year <= {now}, t - "
                                         r"pd.DateOffset\(years=100\)\)"):
        as_frame(data["passengers"])  # was read as 2049 .. 2050 without a word, forecasts dated 2051
    t = pd.DatetimeIndex(data.index)
    data.index = t.where(t.year <= now, t - pd.DateOffset(years=100))  # the advised fix
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = as_frame(data["passengers"])
    assert frame.time[0] == pd.Timestamp("1949-01-01")


def test_t38_02_two_digit_years_that_cross_1969_are_refused_with_the_century_fix():
    data = pd.DataFrame({"d": pd.to_datetime([f"Jan-{y}" for y in range(60, 76)], format="%b-%y"),
                         "y": np.arange(16.0)})  # 2060 .. 2068, then 1969 .. 1975
    with pytest.raises(ValueError, match=r"the times of data\['d'\] go back a century, from 2068-01-01 \(row 8\) to "
                                         r"1969-01-01 \(row 9\).*two digits.*data\['d'\] = t.where\(t.dt.year"):
        as_frame(data, time_col="d")  # was: not increasing, sort the rows first (1969 before 2060)
    t = data["d"]
    data["d"] = t.where(t.dt.year <= pd.Timestamp.now().year, t - pd.DateOffset(years=100))
    assert as_frame(data, time_col="d").time[0] == pd.Timestamp("1960-01-01")


def test_t38_02_a_history_up_to_now_passes_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        as_frame(pd.Series(np.arange(24.0), index=pd.date_range("2000-01-01", periods=24, freq="MS")))


# T38-03: day-first dates the user read with parse_dates, which pandas reads month-first from the first date
def test_t38_03_day_first_dates_read_month_first_are_named():
    csv = "date,y\n" + "".join(f"01/{m:02d}/{yr},{m}\n" for yr in (2020, 2021) for m in range(1, 13))
    data = pd.read_csv(io.StringIO(csv), parse_dates=["date"])  # 1 .. 12 January of each year
    with pytest.raises(ValueError, match=r"every day is 12 or less, and with day and month swapped they lie evenly "
                                         r"on the grid 'MS' \(2020-01-02 would be 2020-02-01\): day-first dates read "
                                         r"month-first.*date_format='%d/%m/%Y'"):
        _forecaster().fit(data.set_index("date")["y"])  # was: pass freq='D' to resample (355 empty days a year)
    fixed = pd.read_csv(io.StringIO(csv), parse_dates=["date"], date_format="%d/%m/%Y")
    assert as_frame(fixed, time_col="date").time[1] == pd.Timestamp("2020-02-01")


def test_t38_03_uneven_dates_with_days_past_12_keep_their_message():
    t = pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-13", "2024-01-14", "2024-01-20"])
    with pytest.raises(ValueError, match="not evenly spaced") as e:
        _forecaster().fit(pd.Series(np.arange(6.0), index=t))
    assert "swapped" not in str(e.value)


# T38-04: values at a lab's detection limit ('<0.5') or above its range ('>100')
def test_t38_04_values_at_a_detection_limit_are_named():
    data = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=5), "y": ["0.7", "<0.5", "1.2", ">100", "2"]})
    with pytest.raises(ValueError, match=r"value column 'y' .* holds values censored at a detection or reporting "
                                         r"limit .*errors='coerce' would drop them.*convert it, "
                                         r"pd.to_numeric\(df\['y'\].str.lstrip\('<>=≤≥ '\)\)"):
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was the generic advice, errors='coerce' (NaN)
    with pytest.raises(ValueError, match=r"the Series 'y' .* censored at a detection"):
        as_frame(data.set_index("t")["y"])
    df = data
    assert pd.to_numeric(df["y"].str.lstrip("<>=≤≥ ")).tolist() == [0.7, 0.5, 1.2, 100.0, 2.0]


# T38-05: answers 'yes'/'no' (or 'TRUE'/'FALSE' beside a missing cell, which pandas leaves as text)
@pytest.mark.parametrize("cells,mapping", [(["yes", "no", "yes", "no", "yes"], {"yes": 1.0, "no": 0.0}),
                                           (["TRUE", "FALSE", None, "TRUE", "FALSE"], {"TRUE": 1.0, "FALSE": 0.0})])
def test_t38_05_yes_no_answers_are_named_with_their_mapping(cells, mapping):
    df = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=5), "y": cells})
    with pytest.raises(ValueError, match=rf"it holds the answers .*read them as 1 and 0, df\['y'\] = "
                                         rf"df\['y'\].map\({mapping!r}\)".replace("{", r"\{").replace("}", r"\}")):
        TimeSeriesFrame.from_pandas(df, time_col="t")  # was: words, a category, pd.get_dummies (two columns)
    data = df.set_index("t")["y"]
    with pytest.raises(ValueError, match=r"the Series 'y' .* holds the answers .* data = data.map\("):
        as_frame(data)
    df["y"] = df["y"].map(mapping)
    assert TimeSeriesFrame.from_pandas(df, time_col="t").values[:2, 0].tolist() == [1.0, 0.0]


def test_t38_05_a_yes_no_feature_of_a_long_csv_is_named(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("id,t,fasting,label\n" + "".join(f"{i},{k},{'yes' if k % 2 else 'no'},{int(i == 'A')}\n"
                                                     for i in "AB" for k in range(4)))
    with pytest.raises(ValueError, match=r"visits.csv: feature column 'fasting' holds the answers 'no' / 'yes' "
                                         r"\(line 2 has 'no' in 'fasting'\).*map\(\{'no': 0.0, 'yes': 1.0\}\)"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: not numeric, convert


# T38-06: a wide table of years newest first, as reports write them
def test_t38_06_a_wide_table_newest_first_is_named_as_one():
    data = pd.DataFrame({"country": ["A", "B"], **{str(y): [float(y), float(y) + 1] for y in range(2023, 2003, -1)}})
    with pytest.raises(ValueError, match=r"data has 20 columns named as times \('2023' .. '2004'\), newest first, "
                                         r"and a series on each row.*\.astype\(float\)\.iloc\[::-1\]"):
        as_frame(data)  # was: value column 'country' holds words, a category
    with pytest.raises(ValueError, match=r"newest first.*\.T\.iloc\[::-1\]"):
        TimeSeriesFrame.from_pandas(data.set_index("country"))
    one = data.set_index("country").loc["A", "2023":"2004"].astype(float).iloc[::-1]  # the advised fix
    frame = as_frame(one)
    assert frame.time[0] == pd.Timestamp("2004-01-01") and frame.values[0, 0] == 2004.0


# T38-07: times of day without their date that pass midnight
def test_t38_07_clock_times_past_midnight_get_a_fix_that_adds_the_day():
    data = pd.DataFrame({"t": ["22:00", "23:30", "00:15", "01:00"], "y": [1.0, 2, 3, 4]})
    with pytest.raises(ValueError, match=r"they pass midnight, '00:15' at row 2 after '23:30'"):
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was: one date for all, 00:15 before 22:00
    t = pd.to_datetime("2024-01-31 " + data["t"])
    data["t"] = t + pd.to_timedelta((t.diff() < pd.Timedelta(0)).cumsum(), unit="D")  # the advised fix
    frame = TimeSeriesFrame.from_pandas(data, time_col="t")
    assert frame.time[2] == pd.Timestamp("2024-02-01 00:15")


# T38-08: a spreadsheet formula's error among the numbers ('#DIV/0!')
def test_t38_08_spreadsheet_formula_errors_are_named(tmp_path):
    data = pd.DataFrame({"t": pd.date_range("2020-01-01", periods=5), "y": ["1.5", "#DIV/0!", "2.5", "3", "4"]})
    with pytest.raises(ValueError, match=r"1 cell\(s\) written '#DIV/0!' \(a spreadsheet formula's error: no "
                                         r"reading\) \(the first at row 1\).*na_values=\['#DIV/0!'\]"):
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was: not numbers, correct them
    path = tmp_path / "y.csv"
    data.to_csv(path, index=False)
    frame = TimeSeriesFrame.from_csv(path, time_col="t", na_values=["#DIV/0!"])
    assert np.isnan(frame.values[1, 0]) and frame.values[0, 0] == 1.5


# T38-09: a long CSV whose time column writes days as numbers YYYYMMDD
def test_t38_09_days_written_as_numbers_in_a_long_csv_are_refused(tmp_path):
    path = tmp_path / "long.csv"
    days = [20200130, 20200131, 20200201, 20200202]
    path.write_text("id,t,x,label\n" + "".join(f"{i},{d},{k},{int(i == 'A')}\n" for i in "AB"
                                              for k, d in enumerate(days)))
    with pytest.raises(ValueError, match=r"long.csv: the times of 't' are days written as numbers YYYYMMDD "
                                         r"\(20200130 is 2020-01-30.*a step of 70\); write them as dates in the file"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: gaps 1, 70, 1
    df = pd.read_csv(path)
    df["t"] = pd.to_datetime(df["t"].astype(str), format="%Y%m%d").dt.strftime("%Y-%m-%d")
    df.to_csv(path, index=False)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")
    gaps = np.diff(np.asarray(table.sample_times[0], dtype=np.float64))
    assert len(set(gaps.tolist())) == 1  # one day each


# T38-10: a time column of datetime.time objects (pd.read_excel's reading of a column of time cells)
def test_t38_10_time_objects_are_refused_as_times_of_day():
    import datetime

    data = pd.DataFrame({"t": [datetime.time(22), datetime.time(23, 30), datetime.time(0, 15)], "y": [1.0, 2, 3]})
    with pytest.raises(ValueError, match=r"time column 't' holds times of day without their date \('22:00:00', "
                                         r"\.\.\.\).*pd.to_datetime\('2024-01-31 ' \+ data\['t'\].astype\(str\)\).*"
                                         r"they pass midnight, '00:15:00' at row 2"):
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was: <class 'datetime.time'> is not convertible
    t = pd.to_datetime("2024-01-31 " + data["t"].astype(str))
    data["t"] = t + pd.to_timedelta((t.diff() < pd.Timedelta(0)).cumsum(), unit="D")
    assert TimeSeriesFrame.from_pandas(data, time_col="t").time[2] == pd.Timestamp("2024-02-01 00:15")


# T38-11: half-years ('2020H1', Eurostat's '2020-S1') and German calendar weeks ('KW 5/2020', ISO's by DIN 1355)
@pytest.mark.parametrize("labels,first", [
    (["2020H1", "2020H2", "2021H1", "2021H2"], ["2020-01-01", "2020-07-01"]),
    (["2020-S1", "2020-S2", "2021-S1", "2021-S2"], ["2020-01-01", "2020-07-01"]),
    (["H1 2020", "H2 2020", "H1 2021", "H2 2021"], ["2020-01-01", "2020-07-01"]),
    (["KW 5/2020", "KW 6/2020", "KW 7/2020", "KW 8/2020"], ["2020-01-27", "2020-02-03"]),
    (["KW05 2020", "KW06 2020", "KW07 2020", "KW08 2020"], ["2020-01-27", "2020-02-03"])])
def test_t38_11_half_years_and_calendar_weeks_are_read(labels, first, tmp_path):
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": labels, "y": [1.0, 2, 3, 4]}), time_col="t")
    assert list(frame.time[:2]) == [pd.Timestamp(d) for d in first]  # was: could not be read ('hour must be ..')
    path = tmp_path / "long.csv"
    path.write_text("id,t,x,label\n" + "".join(f"{i},{lab},{k},{int(i == 'A')}\n" for i in "AB"
                                              for k, lab in enumerate(labels[::-1])))
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")
    assert np.asarray(table.X[0]).ravel().tolist() == [3.0, 2.0, 1.0, 0.0]  # sorted by the periods, not the text


def test_t38_11_weeks_of_no_named_numbering_stay_refused():
    with pytest.raises(ValueError, match=r"time column 't' could not be read as datetimes"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ["W05 2020", "W06 2020", "W07 2020"], "y": [1.0, 2, 3]}),
                                    time_col="t")  # ISO's or the US' (weeks from Sunday)? round 36 left it so
