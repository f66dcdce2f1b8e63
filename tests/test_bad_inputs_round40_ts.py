"""Round 40 (time columns as users' own sheets write them, the last round's left rows): quarters written year first
with two digits ('20Q1', '20-Q1'), months written YYYY.M with one digit (T40-01 ..)."""

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


# T40-01: quarters written year first with a two-digit year ('20Q1', '20-Q1'), as statistics offices' sheets do
@pytest.mark.parametrize("labels", [[f"{y}Q{q}" for y in (20, 21) for q in (1, 2, 3, 4)],
                                    [f"{y}-Q{q}" for y in (19, 20) for q in (1, 2, 3, 4)]])
def test_T40_01_quarters_written_year_first_with_two_digits_are_read(labels, tmp_path):
    y = pd.Series(np.arange(8.0), index=labels)
    model = _forecaster().fit(y)  # was: the index holds text that is not dates in one format ('20Q1', ...)
    assert model.freq_.startswith("QS")
    path = tmp_path / "long.csv"
    _long_csv(path, labels)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: neither numbers ...
    assert np.asarray(table.X[0]).ravel().tolist() == [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    frame = as_frame(pd.DataFrame({"t": labels, "y": np.arange(8.0)}), time_col="t")
    assert frame.time[0] == pd.Timestamp(f"20{labels[0][:2]}-01-01") and frame.time[4].month == 1


def test_T40_01_quarters_year_first_of_the_1900s_are_refused_with_a_fix_that_runs():
    data = pd.DataFrame({"t": [f"{y}Q{q}" for y in (49, 50) for q in (1, 2, 3, 4)], "y": np.arange(8.0)})
    with pytest.raises(ValueError, match=r"time column 't' writes years with two digits \('49Q1', \.\.\.\).*'49Q1' as "
                                         r"2049-01-01.*give them their century, data\['t'\] = np.where\(data\['t'\]"
                                         r"\.str\[:2\]"):
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was: parse them ... format='...' (no format reads '49Q1')
    data["t"] = np.where(data["t"].str[:2].astype(int) > pd.Timestamp.now().year % 100, "19", "20") + data["t"]
    assert TimeSeriesFrame.from_pandas(data, time_col="t").time[0] == pd.Timestamp("1949-01-01")


def test_T40_01_gretl_quarters_of_two_digits_stay_unread():
    with pytest.raises(ValueError, match=r"time column 't' .*\('20:1', \.\.\.\)"):  # a time of day? not 2020Q1
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ["20:1", "20:2", "20:3"], "y": [1.0, 2, 3]}), time_col="t")


# T40-02: months written YYYY.M with one digit (2015.1 .. 2015.9, 2015.10 .. 2015.12), which pandas reads as numbers
_MONTHS = [f"{y}.{m}" for y in (2015, 2016) for m in range(1, 13)][:15]


def test_T40_02_one_digit_months_in_a_long_csv_are_refused_not_called_duplicates(tmp_path):
    path = tmp_path / "long.csv"
    _long_csv(path, _MONTHS)
    with pytest.raises(ValueError, match=r"long.csv: the times of 't' look like months written YYYY.M \(2015.1 .. "
                                         r"2015.9, then 2015.10.*October \(2015.10\) the number 2015.1 of January.*"
                                         r"write them as months in the file \(2015-01 for 2015.1, 2015-10"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: time 2015.1 more than once


def test_T40_02_one_digit_months_as_numbers_are_refused_with_a_fix_that_runs(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("month,sales\n" + "".join(f"{m},{k}\n" for k, m in enumerate(_MONTHS)))
    y = pd.read_csv(path, index_col="month")["sales"].astype(float)
    with pytest.raises(ValueError, match=r"the times of 'month' look like months written YYYY.M.*read them as text.*"
                                         r"dtype=\{'month': str\}.*pd.to_datetime\(times, format='%Y.%m'\)"):
        _forecaster().fit(y)  # was: starts over ... several series stacked one after another?
    with pytest.raises(ValueError, match=r"look like months written YYYY.M"):
        TimeSeriesFrame.from_pandas(y.reset_index(), time_col="month")
    y = pd.read_csv(path, index_col="month", dtype={"month": str})["sales"].astype(float)
    y.index = pd.to_datetime(y.index, format="%Y.%m")
    assert _forecaster().fit(y).freq_ == "MS"


@pytest.mark.parametrize("times", [[2015.1, 2015.2, 2015.3, 2015.4, 2015.5],  # tenths
                                   [1999.9, 2000.0, 2000.1, 2000.2, 2000.3],
                                   [2015.0, 2015.25, 2015.5, 2015.75, 2016.0],  # decimal years
                                   [2015.1, 2015.11, 2015.12, 2015.13, 2015.14]])  # hundredths
def test_T40_02_tenths_hundredths_and_decimal_years_stay_numbers(times):
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": times, "y": np.arange(5.0)}), time_col="t")
    assert np.allclose(frame.time, times)


# T40-03: months written month first with a dash ('1-2020', '01-2020') or year first with a name ('2020-Jan')
@pytest.mark.parametrize("labels", [[f"{m}-{y}" for y in (2020, 2021) for m in range(1, 13)][:14],
                                    [f"{m:02d}-{y}" for y in (2020, 2021) for m in range(1, 13)][:14],
                                    [f"{y}-{mon}" for y in (2020, 2021) for mon in ("Jan", "Feb", "Mar", "Apr", "May",
                                                                                     "Jun", "Jul", "Aug", "Sep", "Oct",
                                                                                     "Nov", "Dec")][:14]])
def test_T40_03_month_year_with_a_dash_is_read_as_months_by_every_reader(labels, tmp_path):
    path = tmp_path / "long.csv"
    _long_csv(path, labels)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: -12021 ns, durations
    assert np.asarray(table.X[0]).ravel().tolist() == list(np.arange(len(labels) - 1, -1, -1.0))
    y = pd.Series(np.arange(len(labels), dtype=float), index=labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the index holds times as text, read as dates
        assert _forecaster().fit(y).freq_ == "MS"  # was: the index holds text that is not dates in one format


def test_T40_03_text_that_is_not_a_duration_is_not_read_as_nanoseconds(tmp_path):
    path = tmp_path / "long.csv"
    _long_csv(path, ["3-5", "4-5", "5-5", "6-5"])
    with pytest.raises(ValueError, match=r"long.csv: the time column 't' is neither numbers nor dates in one format"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")


# T40-04: months written MM.YYYY (German and Dutch sheets), which pandas reads as the numbers 1.202, 1.2021
def test_T40_04_months_written_month_dot_year_are_refused_not_sorted_as_numbers(tmp_path):
    months = [f"{m:02d}.{y}" for y in (2020, 2021) for m in range(1, 13)][:14]
    path = tmp_path / "long.csv"
    _long_csv(path, months)
    with pytest.raises(ValueError, match=r"long.csv: the times of 't' look like months written MM.YYYY \(01.2020 read "
                                         r"as the number 1.202, 01.2021 as 1.2021\), which as numbers sort January "
                                         r"2021 before February 2020; write them as months in the file \(2020-01"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: Jan 20, Jan 21, Feb 20
    data = pd.read_csv(path)
    with pytest.raises(ValueError, match=r"look like months written MM.YYYY.*dtype=\{'t': str\}.*format='%m.%Y'"):
        TimeSeriesFrame.from_pandas(data[data["id"] == "A"][["t", "x"]], time_col="t")
    data = pd.read_csv(path, dtype={"t": str})
    data["t"] = pd.to_datetime(data["t"], format="%m.%Y")
    assert TimeSeriesFrame.from_pandas(data[data["id"] == "A"][["t", "x"]].iloc[::-1], time_col="t").time[1] == \
        pd.Timestamp("2020-02-01")


@pytest.mark.parametrize("times", [[1.2001, 1.2002, 1.2003, 1.2004],  # January of four years: not consecutive
                                   [1.1, 2.1, 3.1, 4.1],  # one year (1000)
                                   [1.15, 1.2, 1.25, 1.3],
                                   [1.1, 1.2, 2.1, 2.2, 3.1, 3.2]])  # days and sessions (Jan 1000 .. Mar 2000)
def test_T40_04_measurements_stay_numbers(times):
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": times, "y": np.arange(len(times) * 1.0)}), time_col="t")
    assert np.allclose(frame.time, times)


# T40-05: ISO weeks written with one digit up to the ninth ('2020-W1'), as a script's f'{year}-W{week}' writes them
def test_T40_05_weeks_with_one_digit_are_read(tmp_path):
    labels = [f"2020-W{w}" for w in range(1, 12)]
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": labels, "y": np.arange(11.0)}), time_col="t")
    assert frame.time[0] == pd.Timestamp("2019-12-30") and (np.diff(frame.time) == pd.Timedelta(days=7)).all()
    path = tmp_path / "long.csv"
    _long_csv(path, labels)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: neither numbers ...
    assert np.asarray(table.X[0]).ravel().tolist() == list(np.arange(10, -1, -1.0))


# T40-06: days written with their ordinal suffix beside the month's name ('1st Jan 2020', 'January 2nd, 2020')
@pytest.mark.parametrize("form", ["{d} Jan 2020", "January {d}, 2020", "{d} January 2020"])
def test_T40_06_days_with_ordinal_suffixes_are_read(form, tmp_path):
    labels = [form.format(d=f"{d}{'st' if d in (1, 21) else 'nd' if d == 2 else 'rd' if d == 3 else 'th'}")
              for d in range(1, 11)]
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": labels, "y": np.arange(10.0)}), time_col="t")
    assert frame.time[0] == pd.Timestamp("2020-01-01") and frame.time[-1] == pd.Timestamp("2020-01-10")
    path = tmp_path / "long.csv"
    _long_csv(path, [f'"{lab}"' for lab in labels])
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: neither numbers ...
    assert np.asarray(table.X[0]).ravel().tolist() == list(np.arange(9, -1, -1.0))
    assert _forecaster().fit(pd.Series(np.arange(10.0), index=pd.Index(labels))).freq_ == "D"
