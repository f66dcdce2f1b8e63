"""Thirty-fifth round (ts): values and time axes as users' own exports hold them: numbers with a thousands
separator, a unit or a mark of a missing reading in their cells, a line of units under the header; wide tables
with dates as column labels; a German export's thousands dots; two overlapping exports joined; zeros written for
missing readings. Each test fails on the commit before its fix."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster

DAYS = pd.date_range("2021-01-01", periods=40, freq="D")
VALUES = np.random.default_rng(0).normal(1000, 300, size=40).round(0)


def _long_csv(tmp_path, cells) -> str:
    """A long CSV of 4 sequences of 10 steps whose feature column 'w' holds ``cells``."""
    frame = pd.DataFrame({"id": np.repeat([f"s{k}" for k in range(4)], 10), "t": np.tile(np.arange(10), 4),
                          "w": cells, "label": np.repeat([0, 1, 0, 1], 10)})
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_t35_01_thousands_separator_in_a_forecaster_frame():
    """A CSV of values over 1000 written '1,038', read without thousands=',': the refusal advised
    pd.to_numeric(..., errors='coerce'), which makes every value over 1000 NaN (19 of the 40 here)."""
    data = pd.DataFrame({"date": DAYS, "value": [f"{v:,.0f}" for v in VALUES]})
    with pytest.raises(ValueError, match=r"'value' .*numbers written with a comma that is a thousands separator or "
                                         r"a decimal comma \(e\.g\. '1,038', 19 such cells\), which pd\.to_numeric "
                                         r"makes NaN, errors='coerce' too: read the CSV with thousands=','") as info:
        Forecaster(horizon=2, max_epochs=1).fit(data, time_col="date")
    assert "errors='coerce') makes them NaN" not in str(info.value)


def test_t35_02_numbers_with_a_unit(tmp_path):
    """'1038 kg' in every cell was called words, a category to one-hot encode (TimeSeriesFrame, Forecaster), or
    'not numeric; convert or drop them' (read_sequences); the fix now strips the unit and reads the numbers."""
    data = pd.DataFrame({"date": DAYS, "value": [f"{v:,.0f} kg" for v in VALUES]})
    with pytest.raises(ValueError, match=r"numbers with the unit 'kg' \(e\.g\. '1,038 kg'\).*convert it, "
                                         r"pd\.to_numeric\(df\['value'\]\.str\.replace") as info:
        TimeSeriesFrame.from_pandas(data, time_col="date")
    assert "category" not in str(info.value)
    df = data  # the fix as the message writes it
    df["value"] = eval(str(info.value).split("convert it, ")[1].split(", or leave")[0])
    np.testing.assert_array_equal(TimeSeriesFrame.from_pandas(df, time_col="date").values.ravel(), VALUES)
    with pytest.raises(ValueError, match=r"numbers with the unit 'kg' \(e\.g\. '1,038 kg'\)"):
        Forecaster(horizon=2, max_epochs=1).fit(data.assign(value=[f"{v:,.0f} kg" for v in VALUES]), time_col="date")
    path = _long_csv(tmp_path, [f"{v:.1f}°C" for v in VALUES])
    with pytest.raises(ValueError, match=r"feature column 'w' holds numbers with the unit '°C' \(line 2 has "
                                         r"'1038\.0°C' in 'w'\).*df\['w'\] = pd\.to_numeric\(df\['w'\]\.str\.replace"):
        read_sequences(path, time_column="t", target_column="label")


@pytest.mark.parametrize("mark", ["-", "?", "--"])
def test_t35_03_missing_marks_to_from_csv(tmp_path, mark):
    """Missing readings written '-' (or '?', '--') in an export: from_csv said only 'convert it with
    pd.to_numeric(..., errors='coerce')', naming no cell and no row; now it names them and na_values=[...]."""
    cells = [str(v) for v in VALUES]
    cells[5] = cells[17] = mark
    path = tmp_path / "d.csv"
    pd.DataFrame({"date": DAYS.strftime("%Y-%m-%d"), "value": cells}).to_csv(path, index=False)
    m = re.escape(mark)
    with pytest.raises(ValueError, match=rf"'value' .*holds numbers with 2 cell\(s\) written '{m}' \(the first "
                                         rf"at row 5\), the mark of a missing reading.*na_values=\['{m}'\]"):
        TimeSeriesFrame.from_csv(path, time_col="date")
    frame = TimeSeriesFrame.from_csv(path, time_col="date", na_values=[mark])
    assert np.isnan(frame.values[[5, 17], 0]).all() and np.isfinite(np.delete(frame.values[:, 0], [5, 17])).all()


def test_t35_04_missing_marks_and_read_sequences(tmp_path):
    """read_sequences (rnnkit train) of a long CSV with '-' for missing readings: 'not numeric ...; convert or
    drop them' (dropping the column), even with missing_values=True; now the mark, its line and na_values."""
    cells = [str(v) for v in VALUES]
    cells[5] = cells[23] = "-"
    path = _long_csv(tmp_path, cells)
    for missing in (False, True):
        with pytest.raises(ValueError, match=r"feature column 'w' holds numbers with 2 cell\(s\) written '-' \(line 7 "
                                             r"has '-' in 'w'\), the mark of a missing reading.*pd\.read_csv\(path, "
                                             r"na_values=\['-'\]\)\.to_csv\(new_path, index=False\)"):
            read_sequences(path, time_column="t", target_column="label", missing_values=missing)
    pd.read_csv(path, na_values=["-"]).to_csv(path, index=False)  # the fix
    table = read_sequences(path, time_column="t", target_column="label", missing_values=True)
    assert int(np.isnan(np.concatenate([x.ravel() for x in table.X])).sum()) == 2


@pytest.mark.parametrize("kind", ["timestamps", "periods"])
def test_t35_05_a_pivoted_wide_table_with_dates_as_column_labels(kind):
    """df.pivot(index='store', columns='date', values='y') labels its columns by Timestamps (or Periods): the
    Forecaster refused its index as 'text that is not dates', the GlobalForecaster listed every column; the wide
    table is now named as such (as with text labels), with the one-row and long-table calls, which run."""
    from rnnkit.forecast import GlobalForecaster

    days = pd.date_range("2021-01-01", periods=30, freq="D")
    long = pd.DataFrame({"store": np.repeat(["a", "b", "c"], 30), "date": np.tile(days, 3),
                         "y": np.sin(np.arange(90) / 3.0)})
    if kind == "periods":
        long["date"] = long["date"].dt.to_period("D")
    data = long.pivot(index="store", columns="date", values="y")
    with pytest.raises(ValueError, match=r"data has 30 columns named as times .*and a series on each row, as a wide "
                                         r"table has") as info:
        Forecaster(horizon=2, max_epochs=1).fit(data)
    message = str(info.value)
    assert "text that is not dates" not in message
    one = message.split("indexed by the times, ")[1].split(", or every row")[0]
    forecast = Forecaster(horizon=2, max_epochs=1).fit(eval(one)).predict()
    assert forecast.index[0] == (pd.Timestamp("2021-01-31") if kind == "timestamps" else pd.Period("2021-01-31", "D"))
    melted = eval(message.split("on the long table ")[1].split(" (id_col=")[0])
    assert melted.shape == (90, 3) and list(melted.columns) == ["store", "ds", "y"]
    with pytest.raises(ValueError, match=r"the panel lacks the columns \['ds', 'y'\]; it has 30 columns named as "
                                         r"times"):
        GlobalForecaster(horizon=2, lookback=8, max_epochs=1).fit(data.reset_index(), id_col="store")


def test_t35_06_thousands_written_with_a_dot(tmp_path):
    """A German export's whole numbers, '1.038' for 1038 beside '960' (sep=';'), read by TimeSeriesFrame.from_csv
    (and read_sequences) as 1.038: every value over 999 a thousand times too small, without a word. Now warned of,
    with the call that reads them right."""
    cells = [f"{v:,.0f}".replace(",", ".") for v in VALUES]
    path = tmp_path / "de.csv"
    pd.DataFrame({"Datum": DAYS.strftime("%Y-%m-%d"), "Menge": cells}).to_csv(path, sep=";", index=False)
    with pytest.warns(UserWarning, match=r"column 'Menge' holds numbers written with a dot between thousands.*line 2 "
                                         r"has '1\.038', read as 1\.038, beside '960'.*thousands='\.'") as record:
        TimeSeriesFrame.from_csv(path, sep=";", time_col="Datum")
    fix = str(next(w.message for w in record if "thousands" in str(w.message))).split("thousands='.': ")[1]
    frame = eval(fix.split("; if they")[0])
    np.testing.assert_array_equal(frame.values.ravel(), VALUES)
    long = _long_csv(tmp_path, cells)
    with pytest.warns(UserWarning, match=r"column 'w' holds numbers written with a dot between thousands"):
        read_sequences(long, time_column="t", target_column="label")
    decimals = _long_csv(tmp_path, [f"{v / 1000:.3f}" for v in VALUES])  # every cell a decimal: nothing said
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_sequences(decimals, time_column="t", target_column="label")


def test_t35_07_two_overlapping_exports_joined():
    """Two exports of one series that overlap by a week, joined by pd.concat (or one file read twice): refused as
    'several series stacked one after another? ... sorting would interleave them'; the rows repeat the earlier
    ones value for value, so the refusal now says so and keeps one row of each time (which then fits)."""
    y = pd.Series(VALUES, index=DAYS, name="y")
    joined = pd.concat([y.iloc[:25], y.iloc[18:]])
    with pytest.raises(ValueError, match=r"starts over: rows 25\.\.31 \(2021-01-19 00:00:00 \.\. 2021-01-25 00:00:00\) "
                                         r"repeat rows 18\.\.24 value for value: the same readings twice \(two "
                                         r"overlapping exports joined, or one file read twice\).*keep one row of each "
                                         r"time: data\[~data\.index\.duplicated\(\)\]") as info:
        Forecaster(horizon=2, max_epochs=1).fit(joined)
    assert "several series stacked one after another?" not in str(info.value)
    fix = str(info.value).split("keep one row of each time: ")[1].split(" for the index")[0]
    Forecaster(horizon=2, max_epochs=1).fit(eval(fix, {"data": joined}))
    twice = pd.concat([y.rename_axis("ds").reset_index()] * 2, ignore_index=True)
    with pytest.raises(ValueError, match=r"rows 40\.\.79 .*repeat rows 0\.\.39 value for value.*"
                                         r"df\.drop_duplicates\(subset=\['ds'\]\)"):
        TimeSeriesFrame.from_pandas(twice, time_col="ds")
    revised = pd.concat([y.iloc[:25], y.iloc[18:] + 1.0])  # other values: still a second series, maybe
    with pytest.raises(ValueError, match="several series stacked one after another"):
        TimeSeriesFrame.from_pandas(revised)


def test_t35_08_zeros_written_for_missing_readings():
    """A monthly series of readings 300 .. 380 (co2's level) with 3 cells a logger wrote 0 for a missing
    reading: fitted as readings without a word. Now warned of, naming the first and the replace(0, np.nan) fix;
    a series whose zeros are ordinary (intermittent demand, values of both signs) is not."""
    months = pd.date_range("1960-01-01", periods=120, freq="MS")
    level = 300 + 0.6 * np.arange(120) + 3 * np.sin(2 * np.pi * np.arange(120) / 12)
    y = pd.Series(level, index=months, name="co2")
    y.iloc[[30, 31, 75]] = 0.0
    with pytest.warns(UserWarning, match=r"column 'co2' holds 3 zero\(s\) \(row 30, 1962-07-01 the first\) among "
                                         r"readings of .*far below the readings around them.*"
                                         r"data\['co2'\] = data\['co2'\]\.replace\(0, np\.nan\)"):
        Forecaster(horizon=2, max_epochs=1).fit(y)
    data = y.to_frame()
    data["co2"] = data["co2"].replace(0, np.nan)  # the fix
    demand = pd.Series(np.where(np.arange(120) % 4 == 0, 0.0, 5.0 + np.arange(120) % 3), index=months, name="units")
    signed = pd.Series(np.sin(np.arange(120.0)), index=months, name="x")
    signed.iloc[5] = 0.0
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*far below the readings")
        Forecaster(horizon=2, max_epochs=1).fit(data)
        Forecaster(horizon=2, max_epochs=1).fit(demand)
        Forecaster(horizon=2, max_epochs=1).fit(signed)


def test_t35_09_a_line_of_units_under_the_header(tmp_path):
    """A weather or logger export with a line of units under the header (',°C,mm'): its one text cell made every
    column text, and the refusal (the first pass's missing marks included) called '°C' a missing reading, with
    na_values=['°C'] or errors='coerce' as the fix. Now the line is named as units, with skiprows=[1]."""
    path = tmp_path / "weather.csv"
    rows = [f"{d},{v / 100:.1f},{(v % 7) / 2:.1f}" for d, v in zip(DAYS.strftime("%Y-%m-%d"), VALUES, strict=True)]
    path.write_text("date,temp,rain\n,°C,mm\n" + "\n".join(rows) + "\n")
    with pytest.raises(ValueError, match=r"value column 'temp' .*its first row holds '°C', its only cell that is not "
                                         r"a number: a line of units under the header.*skiprows=\[1\]") as info:
        TimeSeriesFrame.from_csv(path, time_col="date")
    assert "missing reading" not in str(info.value)
    assert TimeSeriesFrame.from_csv(path, time_col="date", skiprows=[1]).values.shape == (40, 2)
    with pytest.raises(ValueError, match=r"its first row holds '°C'.*pd\.read_csv\(path, skiprows=\[1\]\)"):
        Forecaster(horizon=2, max_epochs=1).fit(pd.read_csv(path), time_col="date")
    long = tmp_path / "long.csv"
    cells = "\n".join(f"s{k // 10},{k % 10},{VALUES[k] / 100:.1f},{k // 20}" for k in range(40))
    long.write_text("id,t,temp,label\n,,°C,\n" + cells + "\n")
    with pytest.raises(ValueError, match=r"column 'temp' holds numbers under '°C' on line 2, its only cell "
                                         r"that is not a number: a line of units under the header.*"
                                         r"pd\.read_csv\(path, skiprows=\[1\]\)\.to_csv\(new_path, index=False\)"):
        read_sequences(long, time_column="t", target_column="label")


def test_t35_10_a_wide_table_to_time_series_frame():
    """A wide table (a series per row, dates as column labels: pivoted, or with text labels) to
    TimeSeriesFrame.from_pandas: refused as 'the index (Index of dtype str: 'a', 'b', 'c', ...) is neither dates
    nor numbers', with reset_index(drop=True) as a fix (which reads 30 series of 3 steps). Now named as wide, with
    the transpose that reads 3 series of 30 steps."""
    days = pd.date_range("2021-01-01", periods=30, freq="D")
    long = pd.DataFrame({"store": np.repeat(["a", "b", "c"], 30), "date": np.tile(days, 3), "y": np.arange(90.0)})
    pivoted = long.pivot(index="store", columns="date", values="y")
    texts = pivoted.set_axis(days.strftime("%Y-%m-%d"), axis=1)
    for data in (pivoted, texts):
        with pytest.raises(ValueError, match=r"data has 30 columns named as times .*a series on each row, as a wide "
                                             r"table has, and a TimeSeriesFrame reads its series down") as info:
            TimeSeriesFrame.from_pandas(data)
        assert "reset_index(drop=True)" not in str(info.value)
        turned = eval(str(info.value).split("turn it, ")[1].split(" (text times")[0])
        if data is texts:
            frame = TimeSeriesFrame.from_pandas(turned.rename_axis("t").reset_index(), time_col="t")
        else:
            frame = TimeSeriesFrame.from_pandas(turned)
        assert frame.values.shape == (30, 3) and list(frame.time) == list(days)
