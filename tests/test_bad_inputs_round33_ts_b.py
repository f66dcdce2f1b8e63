"""Round 33, second pass, of bad inputs to the time-series reading layer (T33-07 .. T33-10): month, quarter and week
labels that the Forecaster read but calendar_features and TimeSeriesFrame did not (one reader of them now, in
rnnkit.data.tables), forecasts on a numeric axis in steps of 0.1 labelled 4.1000000000000005, and times on a 12-hour
clock written without AM/PM. Each test fails on the commit before its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame, calendar_features, split_by_time
from rnnkit.forecast import Forecaster

FAST = dict(model="direct", max_epochs=1, hidden_size=4, random_state=0)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def test_T33_07_calendar_features_and_a_time_column_read_quarter_and_week_labels():
    quarters = pd.period_range("2020Q1", periods=8, freq="Q")
    expected = calendar_features(quarters)[0]
    for labels in ([f"Q{p.quarter} {p.year}" for p in quarters], [f"{p.year}:{p.quarter}" for p in quarters]):
        np.testing.assert_array_equal(calendar_features(labels)[0], expected)  # was: pandas' DateParseError
        frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": labels, "v": np.arange(8.0)}), time_col="t")
        assert (frame.time == quarters.to_timestamp()).all()  # was: "could not be read as datetimes"
    weeks = pd.period_range("2000-01-03", periods=6, freq="W")
    written = [str(w) for w in weeks]  # '2000-01-03/2000-01-09', as to_csv writes weekly periods
    np.testing.assert_array_equal(calendar_features(written)[0], calendar_features(weeks)[0])  # was: "UTC offsets"


def test_T33_08_an_index_of_upper_case_months_is_named_as_periods_and_the_fix_reads_them():
    labels = [f"{m} {y}" for y in (1950, 1951) for m in MONTHS]  # statsmodels' elnino melted: 'JAN 1950'
    y = pd.Series(np.arange(24.0), index=pd.Index(labels, name="month"))
    periods = (r"^the index holds periods as text \('JAN 1950', 'FEB 1950', 'MAR 1950', \.\.\.\), and the time axis "
               r"needs them as dates; read them as a time column, TimeSeriesFrame\.from_pandas\(data\.reset_index\(\), "
               r"time_col='month'\)")
    with pytest.raises(ValueError, match=periods):
        TimeSeriesFrame.from_pandas(y)  # was: "is neither dates nor numbers"
    frame = TimeSeriesFrame.from_pandas(y.reset_index(), time_col="month")
    assert (frame.time == pd.date_range("1950-01-01", periods=24, freq="MS")).all()
    np.testing.assert_array_equal(calendar_features(labels)[0], calendar_features(frame.time)[0])


def test_T33_09_forecasts_in_steps_of_a_tenth_are_labelled_as_the_series_writes_its_times():
    t = np.round(np.arange(41) * 0.1 + 1.0, 1)  # 1.0, 1.1, ..., 5.0: a median step of 0.10000000000000009
    y = pd.Series(np.sin(3 * t), index=pd.Index(t, name="s"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecast = Forecaster(horizon=3, **FAST).fit(y).predict()
    assert forecast.index.tolist() == [5.1, 5.2, 5.3]  # was: 5.1, 5.2, 5.300000000000001
    actual = pd.Series([0.0, 1.0, 2.0], index=[5.1, 5.2, 5.3])
    assert len(actual.loc[forecast.index]) == 3


def test_T33_10_a_12_hour_clock_without_am_pm_is_named_not_sent_to_sort():
    hours = pd.date_range("2020-01-01", periods=48, freq="h")
    text = list(hours.strftime("%Y-%m-%d %I:%M"))  # '2020-01-01 12:00' (midnight), '2020-01-01 01:00', ...
    clock = (r"reads as a 12-hour clock written without AM/PM: every hour is 1 \.\. 12, and row 1 "
             r"\('2020-01-01 01:00'\) goes back from row 0 \('2020-01-01 12:00'\) on the same day")
    with pytest.raises(ValueError, match=rf"^time column 't' {clock}"):  # was: "not increasing ...; sort the rows"
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": text, "v": np.arange(48.0)}), time_col="t")
    with pytest.raises(ValueError, match=rf"^the index {clock}"):
        Forecaster(horizon=2, **FAST).fit(pd.Series(np.arange(48.0), index=text))
    with pytest.raises(ValueError, match=rf"^calendar_features: the list of times {clock}"):
        calendar_features(text)  # was: read silently, 1 PM as 1 AM (every afternoon hour 12 hours off)
    shuffled = pd.DatetimeIndex(np.random.default_rng(0).permutation(pd.date_range("2020-01-01 09:00", periods=4,
                                                                                   freq="h").repeat(3)))
    assert calendar_features(shuffled)[0].shape == (12, 8)  # a morning's times in no order stay readable
    back = pd.to_datetime(["2020-01-01 10:00", "2020-01-01 11:00", "2020-01-01 12:00", "2020-01-01 11:00"])
    with pytest.raises(ValueError, match=r"^time column 't' is not increasing: row 3"):  # 11:00 is no step after noon
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": back, "v": np.arange(4.0)}), time_col="t")


def test_T33_11_a_long_file_on_a_12_hour_clock_without_am_pm_is_refused_not_sorted(tmp_path):
    rows = [{"id": sid, "time": t.strftime("%Y-%m-%d %I:%M"), "x": float(k), "target": 1}
            for sid, start in (("a", "2020-01-01 09:00"), ("b", "2020-01-02 10:00"))
            for k, t in enumerate(pd.date_range(start, periods=6, freq="h"))]  # 09:00 .. 12:00, 01:00, 02:00
    path = tmp_path / "visits.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"the time column 'time' reads as a 12-hour clock written without AM/PM: "
                                         r"every hour is 1 \.\. 12, and sequence 'a' goes back from "
                                         r"'2020-01-01 12:00' \(line 5\) to '2020-01-01 01:00' \(line 6\)"):
        read_sequences(path, time_column="time")  # was: read, 1 PM and 2 PM sorted before 9 AM (x 4, 5, 0, 1, 2, 3)
    hours = [{**row, "time": pd.Timestamp(row["time"]).strftime("%Y-%m-%d %H:%M")} for row in rows[:4]]
    pd.DataFrame(hours).to_csv(path, index=False)  # a morning on a 24-hour clock: read, in order
    np.testing.assert_array_equal(read_sequences(path, time_column="time").X[0].ravel(), [0.0, 1.0, 2.0, 3.0])


def test_T33_12_split_by_time_reads_every_quarter_label_the_forecaster_reads():
    frame = TimeSeriesFrame.from_pandas(pd.Series(np.arange(40.0), index=pd.date_range("2000", periods=40, freq="QS")))
    for start in ("2002 Q2", "2002:2", "q2 2002"):  # was: "test_start='2002 Q2' does not read as a date"
        split = split_by_time(frame, test_start=start)
        assert frame.time[split.test.start] == pd.Timestamp("2002-04-01"), start


def test_T33_13_financial_years_are_refused_not_read_as_months_13_apart(tmp_path):
    years = [f"{y}/{(y + 1) % 100:02d}" for y in range(2000, 2012)]  # '2000/01' .. '2011/12', as the ONS writes them
    y = pd.Series(np.arange(12.0), index=years)
    months = (r"holds financial years \('2000/01', '2001/02', \.\.\.: a year and the next one's last two digits\), "
              r"which pandas reads as months \(2000-01 as January 2000, 2001-02 as February 2001, \.\.\.: 13 months "
              r"apart\); give each as the year it starts, ")
    with pytest.raises(ValueError, match=rf"^the index {months}data\.index = data\.index\.str\[:4\]\.astype\(int\)"):
        Forecaster(horizon=2, **FAST).fit(y)  # was: fitted, forecasts dated 2013-01-01 and 2014-02-01
    dashed = [year.replace("/", "-") for year in years]  # '2000-01': ISO months to pandas, forecasts '2013-01'
    with pytest.raises(ValueError, match=rf"^time column 't' {months.replace('/', '-')}"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": dashed, "v": np.arange(12.0)}), time_col="t")
    with pytest.raises(ValueError, match=rf"^calendar_features: the list of times {months}"):
        calendar_features(years)
    path = tmp_path / "spending.csv"
    pd.DataFrame({"id": "a", "year": years, "x": np.arange(12.0), "target": 1}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=rf"the time column 'year' {months}df\['year'\]"):
        read_sequences(path, time_column="year")
    assert Forecaster(horizon=2, **FAST).fit(y.set_axis(y.index.str[:4].astype(int))).predict().index.tolist() == [
        2012, 2013]  # the fix


def test_T33_14_months_written_2000M01_or_01_2000_are_read_as_the_frame_reads_them():
    months = pd.period_range("2000-01", periods=30, freq="M")
    for labels in ([f"{p.year}M{p.month:02d}" for p in months], [f"{p.month:02d}/{p.year}" for p in months]):
        y = pd.Series(np.arange(30.0), index=labels)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # text times come back as timestamps
            forecast = Forecaster(horizon=2, **FAST).fit(y).predict()  # was: "not dates in one format"
        assert forecast.index.tolist() == [pd.Timestamp("2002-07-01"), pd.Timestamp("2002-08-01")], labels[0]
        frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": labels, "v": np.arange(30.0)}), time_col="t")
        assert (frame.time == months.to_timestamp()).all()  # was, for 2000M01: "minute must be in 0..59"


def test_T33_15_times_of_day_without_a_date_are_refused_not_dated_today():
    clock = list(pd.date_range("2020-01-01", periods=40, freq="30min").strftime("%H:%M"))  # '00:00' .. '19:30'
    today = r"holds times of day without their date \('00:00', \.\.\.\), which pandas would date today"
    data = pd.DataFrame({"t": clock, "v": np.arange(40.0)})
    with pytest.raises(ValueError, match=rf"^time column 't' {today}"):  # was: forecasts dated the day the code ran
        Forecaster(horizon=2, **FAST).fit(data, time_col="t")
    with pytest.raises(ValueError, match=rf"^time column 't' {today}"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    with pytest.raises(ValueError, match=rf"^calendar_features: the list of times {today}"):
        calendar_features(clock)  # was: today's weekday and month for every time
    hours = calendar_features(clock[:2], features=("hour",))[0]  # the hour alone needs no date
    np.testing.assert_allclose(hours[1], [np.sin(np.pi / 24), np.cos(np.pi / 24)])


def test_T33_16_financial_years_written_FY2000_are_named_with_their_fix():
    labels = [f"FY{year}" for year in range(2000, 2012)]
    with pytest.raises(ValueError, match=r"^the index holds financial years \('FY2000', 'FY2001', \.\.\.\), which are "
                                         r"not dates; give each as its year, data\.index = data\.index\.str\.strip\(\)"
                                         r"\.str\[-4:\]\.astype\(int\)"):
        Forecaster(horizon=2, **FAST).fit(pd.Series(np.arange(12.0), index=labels))  # was: "not dates in one format"
