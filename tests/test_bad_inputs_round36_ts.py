"""Thirty-sixth round (ts): time axes and values as users' own tables hold them: numbers held as text or Python
objects (Decimal, bools), dates without a year, ISO weeks, Excel serial dates, resampling counts. Each test fails
on the commit before its fix."""

import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster

MONTHS = pd.date_range("2020-01-01", periods=48, freq="MS")
DAYS = pd.date_range("2021-01-01", periods=40, freq="D")


@pytest.mark.parametrize("cells, held", [
    (["1.5", "2", "3", "4"], "as text"),  # a column read with dtype=str
    ([Decimal("1.5"), Decimal("2"), None, Decimal("4")], "as Python objects"),  # a database's NUMERIC column
    ([True, False, True, False], "as Python objects"),  # bools of object dtype
    ([1.5, pd.NA, 3.0, 4.0], "as Python objects"),  # a frame built row by row
])
def test_t36_01_numbers_held_as_text_or_objects_in_a_frame(cells, held):
    """A value column whose every cell is a number held as text or a Python object: IndexError from inside the
    refusal (its row of the first cell that is not a number, where there is none)."""
    data = pd.DataFrame({"y": np.array(cells, dtype=object)}, index=MONTHS[:4])
    with pytest.raises(ValueError, match=rf"value column 'y' has dtype \w+; expected a numeric column: it holds "
                                         rf"numbers {held} \(e\.g\. .*\); convert it: df\['y'\] = "
                                         r"pd\.to_numeric\(df\['y'\]\)"):
        TimeSeriesFrame.from_pandas(data)
    data["y"] = pd.to_numeric(data["y"])  # the fix named reads them
    assert TimeSeriesFrame.from_pandas(data).values.shape == (4, 1)


def test_t36_01_decimal_series_to_the_forecaster():
    """A Series of Decimal (a database's NUMERIC column) to Forecaster.fit: IndexError; now the Series' own fix."""
    y = pd.Series([Decimal(str(100 + k)) for k in range(48)], index=MONTHS)
    with pytest.raises(ValueError, match=r"the Series has dtype object; expected a numeric column: it holds numbers "
                                         r"as Python objects \(e\.g\. Decimal\('100'\)\); convert it: data = "
                                         r"pd\.to_numeric\(data\)"):
        Forecaster(horizon=2, max_epochs=1).fit(y)


@pytest.mark.parametrize("form", ["%d-%b", "%m-%d", "%d %B", "%b"])
def test_t36_02_dates_without_a_year(form):
    """A time column of days and months without a year ('01-Jan', as a spreadsheet's d-mmm display exports them;
    '01-15'; a month alone): read in the year 1 (0001-01-01 ..) by TimeSeriesFrame and the Forecaster, whose
    forecasts were dated 0001-02-10, without a word."""
    times = pd.date_range("2021-01-01", periods=12, freq="MS") if form == "%b" else DAYS
    data = pd.DataFrame({"d": times.strftime(form), "y": np.arange(len(times)) + 100.0})
    message = (r"time column 'd' holds dates without a year \('.*', \.\.\.\), which pandas dates in the year 1 "
               r"\(0001-01-01, \.\.\.\), .*export the dates with their year \(YYYY-MM-DD\), or add it: "
               r"pd\.to_datetime\(data\['d'\] \+ ' 2021'\)")
    with pytest.raises(ValueError, match=message):
        TimeSeriesFrame.from_pandas(data, time_col="d")
    with pytest.raises(ValueError, match=message):
        Forecaster(horizon=2, max_epochs=1).fit(data, time_col="d")
    with warnings.catch_warnings():  # pandas' notice that it reads them one by one
        warnings.simplefilter("ignore", UserWarning)
        fixed = data.assign(d=pd.to_datetime(data["d"] + " 2021"))  # the fix named reads them in 2021
    assert TimeSeriesFrame.from_pandas(fixed, time_col="d").time.equals(pd.DatetimeIndex(times))


@pytest.mark.parametrize("form", ["{y}-W{w:02d}", "{y}W{w:02d}", "{y}-W{w:02d}-1"])
def test_t36_03_iso_weeks(form):
    """ISO 8601 weeks ('2020-W05'; week dates '2020-W05-1') as a time column: refused as 'could not be read as
    datetimes ... pass ISO-8601 strings', which they are; now read by their Monday (week 1 of 2020 starts on
    2019-12-30), across the year's end."""
    mondays = pd.date_range("2019-12-30", periods=60, freq="W-MON")
    iso = mondays.isocalendar()
    data = pd.DataFrame({"week": [form.format(y=a, w=b) for a, b in zip(iso.year, iso.week, strict=True)],
                         "y": np.arange(60) + 100.0})
    frame = TimeSeriesFrame.from_pandas(data, time_col="week")
    assert frame.time.equals(pd.DatetimeIndex(mondays.to_numpy()))


def test_t36_03_iso_week_a_year_lacks_is_not_read():
    """Week 53 of 2021 (a year of 52 weeks), which pandas rolls into 2022's week 1, is not read as a week."""
    from rnnkit.data.tables import iso_weeks
    assert iso_weeks(pd.Series(["2021-W53"])) is None
    data = pd.DataFrame({"week": ["2021-W52", "2021-W53", "2022-W01"], "y": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"time column 'week' could not be read as datetimes"):
        TimeSeriesFrame.from_pandas(data, time_col="week")


def test_t36_03_iso_week_as_a_split_time():
    """split_by_time(..., test_start='2002-W10') on daily data splits at that week's Monday, 2002-03-04 (was:
    refused as not a date)."""
    from rnnkit.data.timeseries import split_by_time
    days = pd.date_range("2002-01-01", periods=120, freq="D")
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"v": np.arange(120.0)}, index=days))
    split = split_by_time(frame, val_start="2002-02-01", test_start="2002-W10")
    assert days[split.test.start] == pd.Timestamp("2002-03-04")


@pytest.mark.parametrize("freq", ["MS", "QS", "B"])
def test_t36_04_excel_serial_dates_on_a_calendar(freq):
    """Month starts (quarter starts, business days) as Excel serial dates (43831 for 2020-01-01), as a sheet's date
    column saved as numbers gives them, to Forecaster.fit: refused as 'not evenly spaced ... put the series on a
    regular grid first' (steps of 28 to 31 days); now named, with the conversion, which then fits."""
    dates = pd.date_range("2020-01-01", periods=30, freq=freq)
    serial = (dates - pd.Timestamp("1899-12-30")).days
    data = pd.DataFrame({"Date": serial, "y": np.arange(30) + 100.0})
    with pytest.raises(ValueError, match=rf"the numeric time column 'Date' holds whole numbers {serial[0]} \.\. "
                                         rf"{serial[-1]} whose steps of \d+ to \d+ are a calendar's: Excel serial "
                                         rf"dates \(days since 1899-12-30: {serial[0]} is 2020-01-0\d\), which as "
                                         rf"dates lie on the grid '{freq}[-A-Z]*', .*pd\.to_datetime\(t, unit='D', "
                                         r"origin='1899-12-30'\)"):
        Forecaster(horizon=2, max_epochs=1).fit(data, time_col="Date")
    data["Date"] = pd.to_datetime(data["Date"], unit="D", origin="1899-12-30")
    forecast = Forecaster(horizon=2, max_epochs=1).fit(data, time_col="Date").predict()
    assert forecast.index[0] == dates[-1] + dates.freq


def test_t36_05_counts_averaged_by_freq():
    """Daily sales of whole numbers given Forecaster.fit(y, freq='W-SUN'): each week's 7 days averaged, forecast
    as 10 a week where the week sold 70, without a word; now warned, with the totals' fix (which forecasts 70)."""
    sales = pd.Series(np.full(140, 10), index=pd.date_range("2021-01-04", periods=140, freq="D"), name="sales")
    with pytest.warns(UserWarning, match=r"freq='W-SUN' aggregates 7 values a bin \(the median\) by their mean, and "
                                         r"column 'sales' holds whole numbers of at least 0, .*\(7 values of 10: mean "
                                         r"10, total 70\); for totals, aggregate first and fit without freq: "
                                         r"data\.resample\('W-SUN'\)\.sum\(min_count=1\)"):
        Forecaster(horizon=2, max_epochs=1).fit(sales, freq="W-SUN")
    weekly = sales.resample("W-SUN").sum(min_count=1)
    assert weekly.iloc[0] == 70
    framed = TimeSeriesFrame.from_pandas(sales.to_frame())  # its resample takes the aggregation as agg=
    with pytest.warns(UserWarning, match=r"fit without freq: data\.resample\('W-SUN', agg='sum'\); if the mean"):
        Forecaster(horizon=2, max_epochs=1).fit(framed, freq="W-SUN")
    assert framed.resample("W-SUN", agg="sum").values[0, 0] == 70
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*by their mean")
        frame = pd.DataFrame({"ds": sales.index, "temp": np.linspace(-3.5, 20.25, 140)})  # readings, not counts
        Forecaster(horizon=2, max_epochs=1).fit(frame, time_col="ds", freq="W-SUN")
        Forecaster(horizon=2, max_epochs=1).fit(sales.drop(sales.index[40:43]), freq="D")  # gaps, no aggregation


@pytest.mark.parametrize("names", [
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",  # a French export
    "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",  # its abbreviations
    "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",  # a German one
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
])
def test_t36_06_month_names_in_another_language(names):
    """Months named in French, German, Spanish or Italian ('janvier 2020', 'März 2020'), as a European export
    writes them, in a time column: refused as 'could not be read as datetimes ... pass ISO-8601 strings' (pandas
    reads English names only); now read as the months they name, as 'Jan 2020' is, and forecast as months."""
    labels = [f"{m} {2020 + k // 12}" for k, m in enumerate(names.split() * 3)]
    data = pd.DataFrame({"mois": labels, "y": np.arange(36) + 100.0})
    frame = TimeSeriesFrame.from_pandas(data, time_col="mois")
    assert frame.time.equals(pd.DatetimeIndex(pd.date_range("2020-01-01", periods=36, freq="MS").to_numpy()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the notice that the forecasts are dated, not written so
        forecast = Forecaster(horizon=2, max_epochs=1).fit(data, time_col="mois").predict()
    assert list(forecast.index) == [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-02-01")]


def test_t36_06_a_word_of_two_months_is_not_read():
    """'jui' starts both juin and juillet: no month is read from it."""
    from rnnkit.data.tables import _month_of
    assert _month_of("jui") is None and _month_of("juil") == 7 and _month_of("Mär") == 3 and _month_of("Sept") == 9


def test_t36_07_time_col_in_multiindex_columns(tmp_path):
    """A CSV with a line of units under the header read with header=[0, 1] (MultiIndex columns ('date',
    'Unnamed: 0_level_1'), ('temp', '°C')), time_col='date': TimeSeriesFrame listed the stringified columns as if
    'date' were absent, the Forecaster raised AttributeError ('DataFrame' object has no attribute 'is_unique');
    now the level is named with the flattening fix, and the tuple is read."""
    path = tmp_path / "units.csv"
    rows = "".join(f"{d:%Y-%m-%d},{10 + k % 5},{k % 3}\n" for k, d in enumerate(DAYS))
    path.write_text("date,temp,rain\n,°C,mm\n" + rows)
    data = pd.read_csv(path, header=[0, 1])
    message = (r"time_col 'date' is the first of the 2 levels of column \('date', 'Unnamed: 0_level_1'\): data has "
               r"MultiIndex columns .*header=\[0, 1\].*flatten them first, data\.columns = "
               r"data\.columns\.get_level_values\(0\), or name the column whole, time_col=\('date', "
               r"'Unnamed: 0_level_1'\)")
    with pytest.raises(ValueError, match=message):
        TimeSeriesFrame.from_pandas(data, time_col="date")
    with pytest.raises(ValueError, match=message):
        Forecaster(horizon=2, max_epochs=1).fit(data, time_col="date")
    assert len(TimeSeriesFrame.from_pandas(data, time_col=("date", "Unnamed: 0_level_1"))) == 40
    data.columns = data.columns.get_level_values(0)
    assert TimeSeriesFrame.from_pandas(data, time_col="date").columns == ("temp", "rain")


@pytest.mark.parametrize("form", ["{y}/Q{q}", "Q{q}/{y}", "{y}_Q{q}", "{y}.Q{q}"])
def test_t36_08_quarters_with_a_slash(form):
    """Quarters written '2020/Q1' or 'Q1/2020' (as some statistics offices and spreadsheets write them), beside
    '2020Q1' and 'Q1 2020', which were read: refused as 'could not be read as datetimes ... pass ISO-8601
    strings'; now read as the quarters' first days, and forecast as quarters."""
    labels = [form.format(y=2020 + k // 4, q=k % 4 + 1) for k in range(24)]
    data = pd.DataFrame({"quarter": labels, "y": np.arange(24) + 100.0})
    frame = TimeSeriesFrame.from_pandas(data, time_col="quarter")
    assert frame.time.equals(pd.DatetimeIndex(pd.date_range("2020-01-01", periods=24, freq="QS").to_numpy()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        forecast = Forecaster(horizon=2, max_epochs=1).fit(data, time_col="quarter").predict()
    assert forecast.index[0] == pd.Timestamp("2026-01-01")


def test_t36_09_excel_serial_days_in_a_date_column():
    """Daily readings with a weekend pattern whose 'Date' column holds Excel serial days (44927 for 2023-01-01),
    to Forecaster.fit: read as plain numbers, season_length 1 (no weekly season, the seasonal naive the naive),
    forecasts numbered, without a word; now warned, with the conversion, which finds the season of 7."""
    y = 100.0 + 10 * (np.arange(120) % 7 >= 5)
    data = pd.DataFrame({"Date": 44927 + np.arange(120), "y": y})
    with pytest.warns(UserWarning, match=r"time column 'Date' holds whole numbers 44927 \.\. 45046, a day apart, "
                                         r"that read as Excel serial dates \(days since 1899-12-30: 44927 is "
                                         r"2023-01-01\); .*data\['Date'\] = pd\.to_datetime\(data\['Date'\], "
                                         r"unit='D', origin='1899-12-30'\)"):
        Forecaster(horizon=7, max_epochs=1).fit(data, time_col="Date")
    data["Date"] = pd.to_datetime(data["Date"], unit="D", origin="1899-12-30")
    assert Forecaster(horizon=7, max_epochs=1).fit(data, time_col="Date").season_length_ == 7
    with warnings.catch_warnings():  # numbers in that range under another name are not dates
        warnings.filterwarnings("error", message=".*Excel serial dates")
        Forecaster(horizon=7, max_epochs=1).fit(pd.DataFrame({"step": 44927 + np.arange(120), "y": y}),
                                                time_col="step")


@pytest.mark.parametrize("label", [lambda k: f"Q{k % 4 + 1} {2020 + k // 4}", lambda k: f"2020-W{k + 1:02d}",
                                   lambda k: f"{['janvier', 'février', 'mars'][k % 3]} {2000 + k // 3}"])
def test_t36_10_period_labels_in_a_sequence_time_column(tmp_path, label):
    """read_sequences (rnnkit train --time-column) of a long CSV whose time column holds quarters, ISO weeks or
    French months, written in reverse order: refused as 'neither numbers nor dates in one format ... write numbers
    or ISO dates', where the forecasters read them; now read at each period's first day, and each sequence sorted
    by them."""
    from rnnkit.data.tables import read_sequences
    rows = [(seq, label(k), float(k), seq == "b") for seq in ("a", "b") for k in reversed(range(8))]
    path = tmp_path / "seq.csv"
    pd.DataFrame(rows, columns=["id", "t", "x", "label"]).astype({"label": int}).to_csv(path, index=False)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")
    assert [list(x[:, 0]) for x in table.X] == [[float(k) for k in range(8)]] * 2
