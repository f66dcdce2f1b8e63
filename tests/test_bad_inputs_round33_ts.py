"""Round 33 of bad inputs to the time-series reading layer (T33-01 .. T33-06) and a real series no test had used
(R33-01): times on a 12-hour clock as spreadsheets write them ('13/01/2020 1:00:00 PM'), whose format pandas does not
guess, so that it read them value by value (a week of day-first hours became January .. July) or not at all; values
written as percentages, amounts or with a typographic minus; dates as text out of order, which sort as words
(statsmodels' elnino melted); a split time written as a quarter. Each test fails on the commit before its fix."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import TimeSeriesFrame, calendar_features, split_by_time
from rnnkit.forecast import Forecaster

FAST = dict(model="direct", max_epochs=1, hidden_size=4, random_state=0)


def _twelve_hour(hours: pd.DatetimeIndex, dayfirst: bool) -> list[str]:
    """Times as Excel writes them on a 12-hour clock: '13/01/2020 1:00:00 PM' (dayfirst), '1/13/2020 1:00:00 PM'."""
    date = "{d.day:02d}/{d.month:02d}/{d.year}" if dayfirst else "{d.month}/{d.day}/{d.year}"
    return [f"{date.format(d=d)} {d.strftime('%I:%M:%S %p').lstrip('0')}" for d in hours]


def test_T33_01_day_first_hours_on_a_12_hour_clock_are_refused_not_read_as_months():
    week = pd.date_range("2020-01-01", periods=168, freq="h")  # every day <= 12: both readings fit
    text = _twelve_hour(week, dayfirst=True)
    two_ways = (r"holds dates that read two ways \(%m/%d/%Y %I:%M:%S %p or %d/%m/%Y %I:%M:%S %p: "
                r"'01/01/2020 12:00:00 AM' is either\); parse them yourself, pd.to_datetime\(\.\.\., "
                r"format='%d/%m/%Y %I:%M:%S %p'\) for day-first dates")
    with pytest.raises(ValueError, match=rf"^time column 't' {two_ways}"):  # was: 2020-02-01 at row 24, then March ..
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": text, "v": np.arange(168.0)}), time_col="t")
    with pytest.raises(ValueError, match=rf"^calendar_features: the list of times {two_ways}"):  # was: February's
        calendar_features(text, ("month",))
    # a month of them: only day-first reads every time, and it reads them all (was: 02/01 as 1 February,
    # 13/01 as 13 January: "not increasing")
    month = pd.date_range("2020-01-01", periods=800, freq="h")
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": _twelve_hour(month, dayfirst=True),
                                                      "v": np.arange(800.0)}), time_col="t")
    assert (frame.time == month).all()
    np.testing.assert_allclose(calendar_features(_twelve_hour(month, dayfirst=True), ("month",))[0],
                               calendar_features(month, ("month",))[0])


def test_T33_02_hours_on_a_12_hour_clock_are_read_by_the_forecaster():
    month = pd.date_range("2020-01-01", periods=800, freq="h")
    y = pd.Series(np.sin(np.arange(800) / 24 * 2 * np.pi), index=_twelve_hour(month, dayfirst=False))
    with pytest.warns(UserWarning, match="holds times as text"):  # was: "text that is not dates in one format"
        forecast = Forecaster(horizon=3, lookback=24, **FAST).fit(y).predict()
    assert list(forecast.index) == list(pd.date_range("2020-02-03 08:00", periods=3, freq="h"))
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"v": y.to_numpy()}, index=month))
    with pytest.raises(ValueError, match=r"^test_start='07/01/2020 1:00 PM' holds dates that read two ways"):
        split_by_time(frame, test_start="07/01/2020 1:00 PM")  # was: 1 July, past the series' end
    assert split_by_time(frame, val_start="1/13/2020 1:00 PM", test_start="1/20/2020 1:00 PM").test.start == 469


DAYS = pd.date_range("2024-01-01", periods=30, freq="D")
LEVELS = 50 + np.cumsum(np.random.default_rng(0).normal(size=30))


def test_T33_03_percentages_and_amounts_are_named_with_their_conversion_not_as_words_to_encode():
    rates = pd.DataFrame({"rate": [f"{x / 10:.1f}%" for x in LEVELS]}, index=DAYS)  # '5.0%', as a sheet shows them
    with pytest.raises(ValueError, match=r"^value column 'rate' has dtype \w+; expected a numeric column: it holds "
                                         r"percentages \(e.g. '5.0%'\), which pd.to_numeric would make NaN: convert "
                                         r"it, pd.to_numeric\(df\['rate'\].str.rstrip\('%'\)\) / 100 for fractions"):
        TimeSeriesFrame.from_pandas(rates)  # was: "it holds words ..., a category ... pd.get_dummies"
    prices = pd.Series([f"${x * 100:,.2f}" for x in LEVELS], index=DAYS, name="price")  # '$5,012.57'
    with pytest.raises(ValueError, match=r"it holds amounts with a currency sign \(e.g. '\$5,012.57'\), which "
                                         r"pd.to_numeric would make NaN: convert it, data = pd.to_numeric\(data"):
        Forecaster(horizon=2, **FAST).fit(prices)  # the Series as the user holds it (T37-16), not df['price']
    fixed = pd.to_numeric(prices.str.replace(r"[$€£¥,\s]", "", regex=True))  # the fix, as the message gives it
    np.testing.assert_allclose(fixed.to_numpy(), np.round(LEVELS * 100, 2))


def test_T33_04_negatives_written_with_a_typographic_minus_are_named_not_left_to_errors_coerce():
    spelt = [f"{x - 46:.1f}".replace("-", "\u2212") for x in LEVELS]  # '−0.1': U+2212, as Word or a locale writes it
    y = pd.Series(spelt, index=DAYS)
    assert 0 < sum(v.startswith("\u2212") for v in spelt) < 15  # a few negatives: the "numbers as text" refusal
    minus = r"holds negative numbers written with the sign '−' \(U\+2212, a typographic minus; errors='coerce' would"
    with pytest.raises(ValueError, match=rf"^the Series has dtype \w+; expected a numeric column: it {minus}"):
        Forecaster(horizon=2, **FAST).fit(y)  # was: "if they mark missing readings, ... errors='coerce' makes them NaN"
    with pytest.raises(ValueError, match=rf"^value column 'v' has dtype \w+; expected a numeric column: it {minus}"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"v": spelt}, index=DAYS))  # was: "convert it with errors='coerce'"
    np.testing.assert_allclose(pd.to_numeric(y.str.replace("\u2212", "-")).to_numpy(), np.round(LEVELS - 46, 1))


def test_T33_05_dates_as_text_out_of_order_are_sorted_by_their_dates_not_as_words():
    days = pd.date_range("2020-01-01", periods=40, freq="D")
    data = pd.Series(np.arange(40.0), index=days.strftime("%d/%m/%Y"))[::-1]  # newest first, day-first text
    fix = r"data.sort_index\(key=lambda t: pd.to_datetime\(t, format='%d/%m/%Y'\)\), not data.sort_index\(\)"
    with pytest.raises(ValueError, match=rf"^the index is not increasing: .*; sort the rows first \({fix}, which "
                                         r"sorts the text as words"):
        Forecaster(horizon=2, **FAST).fit(data)  # was: "data.sort_index()", which put 01/02/2020 before 02/01/2020
    data = data.sort_index(key=lambda t: pd.to_datetime(t, format="%d/%m/%Y"))  # the advice, as given
    assert list(Forecaster(horizon=2, **FAST).fit(data).predict().index) == list(pd.date_range("2020-02-10", periods=2))


def test_R33_01_elnino_melted_to_one_series_of_month_texts_is_sorted_by_its_dates():
    """statsmodels' elnino (a YEAR column and twelve month columns JAN .. DEC), melted into one series whose index
    reads 'JAN 1950', 'JAN 1951', ...: melt gives the rows month by month, and sorting the text sorts it as words."""
    sm = pytest.importorskip("statsmodels.api")
    el = sm.datasets.elnino.load_pandas().data
    long = el.melt(id_vars="YEAR", var_name="month", value_name="sst")
    sst = long["sst"].set_axis(long["month"] + " " + long["YEAR"].astype(int).astype(str))
    key = r"key=lambda t: pd.to_datetime\(t, format='%b %Y'\)"
    for given in (sst, sst.sort_index()):  # the first advice followed: sorted as words, APR 1950 first
        with pytest.raises(ValueError, match=rf"; sort the rows first \(data.sort_index\({key}\), not "):
            Forecaster(horizon=2, **FAST).fit(given)
    frame = sst.rename_axis("month").reset_index()
    with pytest.raises(ValueError, match=rf"^time column 'month' is not increasing: row 61 \(1950-02-01 00:00:00\) "
                                         rf"comes before row 60 \(2010-01-01 00:00:00\); sort the rows first "
                                         rf"\(df.sort_values\('month', {key}\), not df.sort_values\('month'\)"):
        Forecaster(horizon=2, **FAST).fit(frame, time_col="month")
    ordered = sst.sort_index(key=lambda t: pd.to_datetime(t, format="%b %Y"))
    forecast = Forecaster(horizon=2, **FAST).fit(ordered).predict()
    assert list(forecast.index) == list(pd.date_range("2011-01-01", periods=2, freq="MS"))
    assert 18 < forecast.min() and forecast.max() < 30  # sea temperatures in degrees, as fitted


def test_T33_06_split_times_written_as_quarters_or_not_as_dates():
    months = TimeSeriesFrame.from_pandas(pd.DataFrame({"v": np.arange(40.0)},
                                                      index=pd.date_range("2000-01-01", periods=40, freq="MS")))
    # 'Q2 2002', as the Forecaster reads an index of such quarters (was: pandas' DateParseError)
    assert split_by_time(months, val_start="2002-01", test_start="Q2 2002").test == range(27, 40)
    with pytest.raises(ValueError, match=r"^test_start='2002 week 10' does not read as a date; give a date "
                                         r"\('2001-09-01', a pd.Timestamp or a pd.Period\), or split by fraction"):
        split_by_time(months, val_start="2002-01", test_start="2002 week 10")  # was: DateParseError, not one line
    # an ISO week ('2002-W10', its Monday 2002-03-04) reads since T36-03
