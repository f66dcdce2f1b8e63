"""Round 39 (time columns as users' own files and frames hold them): months named in another language with two-digit
years, quarters with two-digit years, one year of day-first month starts parsed month-first (T39-01 .. T39-03)."""

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


def _long_csv(path, labels) -> None:
    path.write_text("id,t,x,label\n" + "".join(f"{i},{lab},{k},{int(i == 'A')}\n" for i in "AB"
                                              for k, lab in enumerate(labels[::-1])))


# T39-01: months named in French or German with two-digit years, as their sheets write short months
@pytest.mark.parametrize("labels,first", [(["janv-20", "févr-20", "mars-20", "avr-20"], "2020-01-01"),
                                          (["Jan. 98", "Feb. 98", "März 98", "Apr. 98"], "1998-01-01"),
                                          (["déc-19", "janv-20", "févr-20", "mars-20"], "2019-12-01")])
def test_t39_01_foreign_months_with_two_digit_years_are_read(labels, first, tmp_path):
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": labels, "y": [1.0, 2, 3, 4]}), time_col="t")
    assert frame.time[0] == pd.Timestamp(first)  # was: could not be read as datetimes (Unknown ... format)
    assert (np.diff(frame.time.month) % 12 == 1).all()
    path = tmp_path / "long.csv"
    _long_csv(path, labels)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")
    assert np.asarray(table.X[0]).ravel().tolist() == [3.0, 2.0, 1.0, 0.0]  # sorted by the months, not the text


def test_t39_01_foreign_months_of_the_1900s_are_refused_with_their_fix(tmp_path):
    data = pd.DataFrame({"t": ["janv-49", "févr-49", "mars-49", "avr-49"], "y": [1.0, 2, 3, 4]})
    with pytest.raises(ValueError, match=r"time column 't' writes years with two digits \('janv-49', \.\.\.\).*"
                                         r"'janv-49' as 2049-01-01.*give them their century, data\['t'\] = "
                                         r"data\['t'\]\.str\[:-2\] \+ np.where"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    t = data["t"]
    data["t"] = t.str[:-2] + np.where(t.str[-2:].astype(int) > pd.Timestamp.now().year % 100, "19", "20") + \
        t.str[-2:]
    assert TimeSeriesFrame.from_pandas(data, time_col="t").time[0] == pd.Timestamp("1949-01-01")
    path = tmp_path / "long.csv"
    _long_csv(path, ["janv-49", "févr-49", "mars-49", "avr-49"])
    with pytest.raises(ValueError, match=r"long.csv: the time column 't' writes years with two digits"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")


# T39-02: quarters with a two-digit year ('Q1-20', "Q1 '20")
@pytest.mark.parametrize("labels", [["Q1-20", "Q2-20", "Q3-20", "Q4-20"], ["Q3 '19", "Q4 '19", "Q1 '20", "Q2 '20"]])
def test_t39_02_quarters_with_two_digit_years_are_read(labels, tmp_path):
    data = pd.DataFrame({"t": labels, "y": np.arange(4.0)})
    frame = TimeSeriesFrame.from_pandas(data, time_col="t")  # was: could not be read as datetimes
    assert pd.infer_freq(frame.time) is not None and frame.time[0].month in (1, 7)
    assert as_frame(data, time_col="t").time[-1] == frame.time[-1]
    path = tmp_path / "long.csv"
    _long_csv(path, labels)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")
    assert np.asarray(table.X[0]).ravel().tolist() == [3.0, 2.0, 1.0, 0.0]


def test_t39_02_quarters_of_the_1900s_are_refused_with_their_fix():
    data = pd.DataFrame({"t": [f"Q{q}-{y}" for y in (49, 50) for q in (1, 2, 3, 4)], "y": np.arange(8.0)})
    with pytest.raises(ValueError, match=r"time column 't' writes years with two digits \('Q1-49', \.\.\.\).*"
                                         r"'Q1-49' as 2049-01-01.*give them their century"):
        as_frame(data, time_col="t")


# T39-03: one year of day-first month starts (01/01/2020 .. 01/12/2020) parsed month-first: days 1 .. 12 of January
def test_t39_03_one_year_of_month_starts_read_month_first_is_warned_of():
    text = "date,y\n" + "".join(f"01/{m:02d}/2020,{m}\n" for m in range(1, 13))
    data = pd.read_csv(io.StringIO(text), parse_dates=["date"], index_col="date")["y"].astype(float)
    assert data.index[1] == pd.Timestamp("2020-01-02")  # pandas' month-first guess
    with pytest.warns(UserWarning, match=r"the times of data.index are 12 days of January 2020, 2020-01-01 \.\. "
                                         r"2020-01-12, 1 day apart.*day and month swapped they lie evenly on the grid "
                                         r"'MS'.*"
                                         r"date_format='%d/%m/%Y'"):
        _forecaster().fit(data)  # was: fitted as a daily series without a word
    fixed = pd.read_csv(io.StringIO(text), parse_dates=["date"], date_format="%d/%m/%Y", index_col="date")["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert pd.infer_freq(as_frame(fixed.astype(float)).time) == "MS"


def test_t39_03_quarters_read_month_first_as_a_time_column_are_warned_of():
    data = pd.DataFrame({"d": pd.to_datetime(["01/01/2021", "01/04/2021", "01/07/2021", "01/10/2021"]),
                         "y": [1.0, 2, 3, 4]})
    with pytest.warns(UserWarning, match=r"the times of data\['d'\] are 4 days of January 2021.*, 3 days apart"
                                         r".*grid 'QS"):
        as_frame(data, time_col="d")


def test_t39_03_days_built_as_days_are_read_silently():
    data = pd.Series(np.arange(10.0), index=pd.date_range("2020-01-01", periods=10, freq="D"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert as_frame(data).time[1] == pd.Timestamp("2020-01-02")  # pinned: the index carries its frequency


def test_t39_03_a_week_of_january_and_real_month_starts_are_read_silently():
    week = "date,y\n" + "".join(f"2020-01-{d:02d},{d}\n" for d in range(1, 8))  # a short daily series, parsed
    data = pd.read_csv(io.StringIO(week), parse_dates=["date"], index_col="date")["y"].astype(float)
    months = pd.Series(np.arange(12.0), index=pd.to_datetime([f"2020-{m:02d}-01" for m in range(1, 13)]))
    half = "date,y\n" + "".join(f"2020-01-{d:02d},{d}\n" for d in range(1, 7, 2))  # every other day, 3 dates
    every_other = pd.read_csv(io.StringIO(half), parse_dates=["date"], index_col="date")["y"].astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert as_frame(data).time[-1] == pd.Timestamp("2020-01-07")
        assert pd.infer_freq(as_frame(months).time) == "MS"
        assert as_frame(every_other).time[1] == pd.Timestamp("2020-01-03")


# T39-04: months written as decimal numbers YYYY.MM (2015.01 .. 2015.12, 2016.01) or quarters YYYY.Q (2015.1 .. 2015.4)
def test_t39_04_months_as_decimal_numbers_in_a_long_csv_are_refused(tmp_path):
    months = [f"{y}.{m:02d}" for y in (2015, 2016) for m in range(1, 13)]
    path = tmp_path / "long.csv"
    path.write_text("id,t,x,label\n" + "".join(f"{i},{d},{k},{int(i == 'A')}\n" for i in "AB"
                                              for k, d in enumerate(months)))
    with pytest.raises(ValueError, match=r"long.csv: the times of 't' are months written as decimal numbers YYYY.MM "
                                         r"\(2015.01 is 2015-01, .*0.89 from December to January; write them as "
                                         r"months in the file \(2015-01 for 2015.01\)"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: gaps 0.01 and 0.89
    df = pd.read_csv(path, dtype={"t": str})
    df["t"] = df["t"].str.replace(".", "-")
    df.to_csv(path, index=False)
    gaps = np.diff(np.asarray(read_sequences(path, id_column="id", time_column="t", target_column="label")
                              .sample_times[0], dtype=np.float64))
    assert gaps.max() / gaps.min() < 1.2  # 28 to 31 days


def test_t39_04_quarters_as_decimal_numbers_are_refused_with_a_fix_that_runs():
    index = pd.Index([y + q / 10 for y in range(2015, 2021) for q in range(1, 5)])
    data = pd.Series(np.sin(np.arange(len(index))), index=index)
    with pytest.raises(ValueError, match=r"the times of 'index' are quarters written as decimal numbers YYYY.Q "
                                         r"\(2015.1 is 2015Q1, .*0.7 from the fourth quarter to the first; give them "
                                         r"as quarters: pd.PeriodIndex.from_fields"):
        _forecaster().fit(data)  # was: the numeric time column 'index' is not evenly spaced (steps from 0.0999...
    x = np.asarray(data.index, dtype=float)
    data.index = pd.PeriodIndex.from_fields(year=np.floor(x).astype(int), quarter=np.round(x % 1 * 10).astype(int),
                                            freq="Q")
    assert _forecaster().fit(data).freq_ in ("QS-OCT", "QS", "QS-JAN", "Q")


@pytest.mark.parametrize("times", [[2015.0, 2015.25, 2015.5, 2015.75, 2016.0],  # quarters as decimal years
                                   list(np.round(2015 + np.arange(24) / 12, 3)),  # R's time() of a monthly ts
                                   list(np.round(1999.1 + np.arange(30) / 10, 1)),  # seconds, in tenths
                                   list(np.round(1999.95 + np.arange(10) / 100, 2))])  # measurements, hundredths
def test_t39_04_decimal_years_and_measurements_stay_numbers(times, tmp_path):
    data = pd.DataFrame({"t": times, "y": np.arange(len(times), dtype=float)})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert np.allclose(TimeSeriesFrame.from_pandas(data, time_col="t").time, data["t"])  # pinned: as numbers
        path = tmp_path / "long.csv"
        path.write_text("id,t,x,label\n" + "".join(f"{i},{t},{k},{int(i == 'A')}\n" for i in "AB"
                                                  for k, t in enumerate(times)))
        read = read_sequences(path, id_column="id", time_column="t", target_column="label")
        assert np.allclose(np.asarray(read.sample_times[0], dtype=np.float64), times)


# T39-05: months and quarters as Japanese and Chinese statistics write them ('2020年1月', '2020年第1四半期')
@pytest.mark.parametrize("labels,first", [(["2019年9月", "2019年10月", "2019年11月", "2019年12月"], "2019-09-01"),
                                          (["2019年第4四半期", "2020年第1四半期", "2020年第2四半期", "2020年第3四半期"],
                                           "2019-10-01"),
                                          (["2019年第4季度", "2020年第1季度", "2020年第2季度", "2020年第3季度"],
                                           "2019-10-01")])
def test_t39_05_cjk_months_and_quarters_are_read(labels, first, tmp_path):
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": labels, "y": [1.0, 2, 3, 4]}), time_col="t")
    assert frame.time[0] == pd.Timestamp(first)  # was: could not be read as datetimes (Unknown ... format)
    path = tmp_path / "long.csv"
    _long_csv(path, labels)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")
    assert np.asarray(table.X[0]).ravel().tolist() == [3.0, 2.0, 1.0, 0.0]  # sorted by the periods, not the text
