"""Round 37 (time series, time columns and tables): columns that share a name, a MultiIndex column named by its text,
time columns of ISO times of mixed precision, day-first dates whose first day is 12 or less, dates with and without
a zone, times of 24:00, negatives in parentheses or with the minus after them, thousands spaced as French and Swiss
exports write them, and long CSVs whose time column writes two-digit years (T37-01 .. T37-09)."""

import re

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster


def _daily(values, **columns) -> pd.DataFrame:
    return pd.DataFrame({"t": pd.date_range("2020-01-01", periods=len(values)), "y": values, **columns})


# T37-01: two columns of one name (pd.concat of frames sharing a column)
def test_t37_01_repeated_column_names_are_named_with_the_fix():
    data = pd.concat([_daily(np.arange(30.0)), pd.DataFrame({"y": np.arange(30.0) * 2})], axis=1)
    with pytest.raises(ValueError, match=r"2 columns named 'y' \(at positions 1, 2 of 3.*different values.*"
                                         r"data.columns = \['t', 'y', 'y_2'\]"):
        Forecaster(horizon=2).fit(data, time_col="t")  # was AttributeError: 'DataFrame' object has no attribute 'dtype'
    with pytest.raises(ValueError, match=r"2 columns named 'y'.*data.columns = \['t', 'y', 'y_2'\]"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    data.columns = ["t", "y", "y_2"]  # the fix named
    assert TimeSeriesFrame.from_pandas(data, time_col="t").columns == ("y", "y_2")


def test_t37_01_same_values_and_labels_that_read_alike_are_kept_once():
    data = pd.DataFrame(np.ones((4, 3)), columns=[1, "1", "x"])  # 1 and '1': one name as text
    with pytest.raises(ValueError, match=r"2 columns named '1'.*same values: keep one, "
                                         r"data = data.loc\[:, ~data.columns.astype\(str\).duplicated\(\)\]"):
        TimeSeriesFrame.from_pandas(data)
    data = data.loc[:, ~data.columns.astype(str).duplicated()]
    assert TimeSeriesFrame.from_pandas(data).columns == ("1", "x")


# T37-02: a MultiIndex column (a two-line header) named by its text
def test_t37_02_multiindex_column_text_as_time_col_is_named():
    data = pd.DataFrame({("date", "Unnamed: 0_level_1"): pd.date_range("2020", periods=40).astype(str),
                         ("temp", "C"): np.sin(np.arange(40.0))})
    with pytest.raises(ValueError, match=r"time_col \"\('date', 'Unnamed: 0_level_1'\)\" is the text of column "
                                         r"\('date', 'Unnamed: 0_level_1'\).*time_col=\('date', 'Unnamed: "):
        Forecaster(horizon=2).fit(data, time_col="('date', 'Unnamed: 0_level_1')")  # was a KeyError


def test_t37_02_label_text_fix_flattens_top_names_that_repeat():
    data = pd.DataFrame({("date", "Unnamed: 0_level_1"): pd.date_range("2020", periods=40).astype(str),
                         ("temp", "min"): np.sin(np.arange(40.0)), ("temp", "max"): np.cos(np.arange(40.0))})
    with pytest.raises(ValueError, match=r"is the text of column .*flatten the columns first, data.columns = \['_'"):
        Forecaster(horizon=2).fit(data, time_col="('date', 'Unnamed: 0_level_1')")  # was: get_level_values(0),
        # which names both value columns 'temp'


# T37-03: ISO times whose seconds are written to different precisions
def test_t37_03_iso_times_of_mixed_precision_are_read():
    text = ["2024-01-01 00:00:00", "2024-01-01 00:00:00.5", "2024-01-01 00:00:01", "2024-01-01 00:00:01.25"]
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": text, "y": np.arange(4.0)}), time_col="t")
    assert list(frame.time) == list(pd.to_datetime(text, format="ISO8601"))
    assert (np.diff(frame.time.asi8) > 0).all()


# T37-04: day-first dates with four-digit years, the first days 12 or less
def test_t37_04_day_first_dates_read_in_their_one_format():
    text = ["01/02/2020", "02/02/2020", "03/02/2020", "13/02/2020", "14/02/2020"]
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": text, "y": np.arange(5.0)}), time_col="t")
    assert list(frame.time.strftime("%Y-%m-%d")) == ["2020-02-01", "2020-02-02", "2020-02-03", "2020-02-13",
                                                     "2020-02-14"]


# T37-05: dates with a UTC offset or zone beside dates without one
@pytest.mark.parametrize("times", [
    ["2024-03-30T00:00+01:00", "2024-03-31T00:00", "2024-04-01T00:00+02:00", "2024-04-02T00:00+02:00"],
    pd.Series([pd.Timestamp("2024-01-01", tz="Europe/Berlin"), pd.Timestamp("2024-01-02"),
               pd.Timestamp("2024-01-03", tz="Europe/Berlin"), pd.Timestamp("2024-01-04", tz="Europe/Berlin")],
              dtype=object)])
def test_t37_05_zoned_beside_naive_dates_are_named(times):
    with pytest.raises(ValueError, match=r"time column 't' mixes dates with a UTC offset or zone \(row 0 has .*and "
                                         r"without one \(row 1 has .*give every date an offset, or none"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": times, "y": np.arange(4.0)}), time_col="t")


# T37-06: 24:00, the midnight that ends a day (hour-ending meter and market data)
def test_t37_06_end_of_day_midnight_is_the_next_days_start():
    text = ["2024-01-01 22:00", "2024-01-01 23:00", "2024-01-01 24:00", "2024-01-02 01:00"]
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": text, "y": np.arange(4.0)}), time_col="t")
    assert list(frame.time) == list(pd.date_range("2024-01-01 22:00", periods=4, freq="h"))
    daily = ["2024-01-01T24:00:00", "2024-01-02T24:00:00", "2024-01-03T24:00:00"]
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": daily, "y": np.arange(3.0)}), time_col="t")
    assert list(frame.time) == list(pd.date_range("2024-01-02", periods=3))
    repeated = ["2024-01-01 23:00", "2024-01-01 24:00", "2024-01-02 00:00"]  # one instant twice
    with pytest.raises(ValueError, match="duplicate timestamp 2024-01-02"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": repeated, "y": np.arange(3.0)}), time_col="t")


def test_t37_06_end_of_day_midnight_sorts_last_in_a_long_csv(tmp_path):
    path = tmp_path / "seq.csv"
    pd.DataFrame({"id": ["a"] * 3, "t": ["2024-01-01 22:00", "2024-01-01 24:00", "2024-01-01 23:00"],
                  "x": [22.0, 24.0, 23.0], "target": [1] * 3}).to_csv(path, index=False)
    table = read_sequences(path, time_column="t")
    assert table.X[0][:, 0].tolist() == [22.0, 23.0, 24.0]


# T37-07: negatives in parentheses ('(35)', accounts) or with the minus after them ('35-', ledger exports)
@pytest.mark.parametrize("cells, expected, words", [
    (["120", "(35)", "90", "(10)"], [120.0, -35.0, 90.0, -10.0], "in parentheses"),
    (["$1,200", "($35.50)", "$90", "$1,000"], [1200.0, -35.5, 90.0, 1000.0], "in parentheses"),
    (["120", "35-", "90", "10-"], [120.0, -35.0, 90.0, -10.0], "with the minus after them")])
def test_t37_07_accounting_negatives_are_named_with_a_fix_that_keeps_them(cells, expected, words):
    df = _daily(cells)
    with pytest.raises(ValueError, match=rf"negative numbers {words}.*errors='coerce' would keep only the positive") \
            as caught:
        TimeSeriesFrame.from_pandas(df, time_col="t")  # was: errors='coerce' advised, (35) becoming NaN
    fix = str(caught.value).split("convert it, ")[1].split(", or leave")[0]
    assert eval(fix, {"pd": pd, "df": df}).tolist() == expected
    with pytest.raises(ValueError, match=rf"'y' has dtype .*negative numbers {words}"):
        Forecaster(horizon=2).fit(pd.Series(cells * 10, index=pd.date_range("2020", periods=40), name="y"))


# T37-08: thousands spaced as French and Swiss exports write them
@pytest.mark.parametrize("line, options", [
    ("2020-01-01;1 200,5\n2020-01-02;900,5\n2020-01-03;1 000\n", {"thousands": " ", "decimal": ","}),
    ("2020-01-01;1\u00a0200\n2020-01-02;900\n2020-01-03;1\u00a0000\n", {"thousands": "\u00a0", "engine": "python"}),
    ("2020-01-01;1'200.5\n2020-01-02;900.5\n2020-01-03;1'000\n", {"thousands": "'"})])
def test_t37_08_spaced_thousands_name_the_read_csv_options(tmp_path, line, options):
    path = tmp_path / "fr.csv"
    path.write_text("date;y\n" + line, encoding="utf-8")
    spelt = ", ".join(f"{k}={v!r}" for k, v in options.items())
    with pytest.raises(ValueError, match=rf"between thousands.*read the CSV with {re.escape(spelt)} "):
        TimeSeriesFrame.from_csv(path, time_col="date", sep=";")  # French: was 'holds words, a category'
    frame = TimeSeriesFrame.from_csv(path, time_col="date", sep=";", **options)
    assert frame.values[:, 0].tolist() == [1200.5 if "," in line or "." in line else 1200.0,
                                           900.5 if "," in line or "." in line else 900.0, 1000.0]


# T37-09: a long CSV whose time column writes two-digit years (months 'Jan-49', short dates '13/02/24')
def _long_csv(path, times, values):
    pd.DataFrame({"id": ["a"] * len(times), "t": times, "x": values, "target": [1] * len(times)}).to_csv(path,
                                                                                                       index=False)
    return path


def test_t37_09_two_digit_years_in_a_long_csv(tmp_path):
    months = list(pd.period_range("1949-01", periods=4, freq="M").strftime("%b-%y"))
    with pytest.raises(ValueError, match=r"writes years with two digits \('Jan-49', ...\).*'Jan-49' as 2049-01-01, "
                                         r"after this year.*1949 for 'Jan-49'"):
        read_sequences(_long_csv(tmp_path / "a.csv", months, [1.0, 2.0, 3.0, 4.0]), time_column="t")
    across = ["Jan-96", "Nov-95", "Dec-95"]  # read as dates: November 1995 first
    table = read_sequences(_long_csv(tmp_path / "b.csv", across, [3.0, 1.0, 2.0]), time_column="t")
    assert table.X[0][:, 0].tolist() == [1.0, 2.0, 3.0]
    short = ["13/02/24", "01/02/24", "02/02/24"]  # day-first: 13 tells
    table = read_sequences(_long_csv(tmp_path / "c.csv", short, [3.0, 1.0, 2.0]), time_column="t")
    assert table.X[0][:, 0].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"reads? two ways \(%m/%d/%y or %d/%m/%y"):
        read_sequences(_long_csv(tmp_path / "d.csv", ["01/02/24", "02/02/24"], [1.0, 2.0]), time_column="t")


# T37-10: a wide CSV whose step columns are named by dates or periods out of order (newest first)
@pytest.mark.parametrize("steps, rank, fix", [
    ([f"2020-{m:02d}-01" for m in range(12, 0, -1)], list(range(11, -1, -1)), r"steps\[::-1\]"),
    (["Q4 2020", "Q3 2020", "Q2 2020", "Q1 2020"], [3, 2, 1, 0], r"steps\[::-1\]"),
    (["2020-01", "2020-02", "2020-03", "2020-05", "2020-04", "2020-06"], [0, 1, 2, 4, 3, 5],
     r"sorted\(steps, key=pd.Timestamp\)")])
def test_t37_10_wide_steps_named_by_dates_out_of_order_are_refused(tmp_path, steps, rank, fix):
    path = tmp_path / "wide.csv"
    pd.DataFrame([np.array(rank, dtype=float)] * 2, columns=steps).assign(target=[0, 1]).to_csv(path, index=False)
    k = int(np.flatnonzero(np.diff(rank) < 0)[0])
    with pytest.raises(ValueError, match=rf"step columns are named by times that do not increase \({steps[k]!r} "
                                         rf"before {steps[k + 1]!r}\).*{fix}"):
        read_sequences(path, layout="wide")  # was read in file order: each sequence backwards in time
    df = pd.read_csv(path)
    target, steps = "target", [c for c in df.columns if c != "target"]
    df[[target, *eval(fix.replace("\\", ""))]].to_csv(path, index=False)  # the fix named
    assert read_sequences(path, layout="wide").X[0][:, 0].tolist() == sorted(rank)


def test_t37_10_wide_steps_named_by_day_first_dates_in_order_are_read(tmp_path):
    path = tmp_path / "wide.csv"
    steps = ["01/02/2020", "02/02/2020", "13/02/2020", "14/02/2020"]  # day-first, in order: read as they are
    pd.DataFrame([np.arange(4.0)] * 2, columns=steps).assign(target=[0, 1]).to_csv(path, index=False)
    assert read_sequences(path, layout="wide").X[0][:, 0].tolist() == [0.0, 1.0, 2.0, 3.0]
