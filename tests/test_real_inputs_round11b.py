"""Eleventh round of bad inputs: real datasets the tests had not brought to the front door this way (statsmodels'
co2 on its Saturdays, arch's S&P 500 and NASDAQ as a panel of tickers and side by side, pmdarima's MSFT, vega's
seattle_weather through the sktime adapter, sktime's airline on month ends and mid-month dates), as a new user
would. One test per case D11-NN of the catalogue (docs/bad_inputs.md, "Eleventh round: real datasets through the
forecasters, the estimators and the loaders"). A refusal is one ValueError line naming what, where and how to fix
it; the fix it names is then taken, and gives the right dates."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line  # a refusal's message, one line

from rnnkit import Forecaster, GlobalForecaster

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's remember_data notice


def quick(**kw) -> Forecaster:
    params = dict(horizon=2, model="direct", lookback=6, max_epochs=1, hidden_size=4, random_state=0)
    return Forecaster(**(params | kw))


def adapter(**kw):
    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    params = dict(model="direct", lookback=6, max_epochs=1, hidden_size=4, random_state=0)
    return sktime.RnnkitForecaster(**(params | kw))


def co2() -> pd.Series:
    """statsmodels' weekly co2 (Saturdays, W-SAT), 1990 .. 1995: no missing value there."""
    datasets = pytest.importorskip("statsmodels.datasets")
    return datasets.co2.load_pandas().data["co2"].loc["1990":"1995"]


def airline() -> pd.Series:
    """sktime's airline on month-start timestamps, 1949-01-01 .. 1960-12-01."""
    datasets = pytest.importorskip("sktime.datasets")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return datasets.load_airline().to_timestamp()


def test_d11_01_an_anchored_freq_the_dates_are_not_on_is_refused_naming_the_one_they_are_on():
    """co2's Saturdays given freq='W-SUN' (or Sundays 'W-SAT'): pandas' bins are labelled by their own anchor, so
    every date moved a day (six) later without a word; month ends given 'MS' moved back to the 1st."""
    from rnnkit.forecast.series import as_frame

    y = co2()
    with pytest.raises(ValueError) as e:
        quick().fit(y, freq="W-SUN")
    assert one_line(e) == (
        "freq='W-SUN' is not the grid of the timestamps of 'index': 1990-01-06 (Saturday, row 0) is not on it, so "
        "resampling would date its value 1990-01-07, and every other date would move alike; the timestamps are all "
        "on the grid 'W-SAT': pass freq='W-SAT'")
    assert quick().fit(y, freq="W-SAT").predict().index.tolist() == [pd.Timestamp("1996-01-06"),
                                                                      pd.Timestamp("1996-01-13")]
    sundays = y.set_axis(y.index + pd.Timedelta(days=1)).drop(pd.Timestamp("1990-03-04"))  # a week missing
    with pytest.raises(ValueError) as e:
        as_frame(sundays, freq="W-SAT", option="--freq")
    assert one_line(e).startswith("--freq W-SAT is not the grid of the timestamps of 'index': 1990-01-07 (Sunday, "
                                  "row 0) is not on it, so resampling would date its value 1990-01-13")
    assert one_line(e).endswith("the timestamps are all on the grid 'W-SUN': pass --freq W-SUN")
    assert quick().fit(sundays, freq="W-SUN").predict().index[0] == pd.Timestamp("1996-01-07")

    month_ends = airline().set_axis(airline().index + pd.offsets.MonthEnd(0))
    with pytest.raises(ValueError) as e:
        quick().fit(month_ends, freq="MS")
    assert one_line(e).endswith("1949-01-31 (row 0) is not on it, so resampling would date its value 1949-01-01, "
                                "and every other date would move alike; the timestamps are all on the grid 'ME': "
                                "pass freq='ME'")
    quarters = airline().resample("QS").mean()
    with pytest.raises(ValueError, match="would date its value 1948-11-01, .* all on the grid 'QS-JAN': pass "
                                         "freq='QS-JAN'"):
        quick().fit(quarters, freq="QS-FEB")


def test_d11_01_grids_that_aggregate_or_that_the_dates_are_on_still_resample():
    """Daily data onto weeks, months on the 15th onto 'MS' (F9-02's advice), month ends onto quarters, quarters
    onto 'QS-OCT' (the same dates as 'QS-JAN'), and periods onto 'ME' (a period has a start and an end) pass."""
    daily = pd.Series(np.arange(100.0), index=pd.date_range("2024-01-01", periods=100, freq="D"))
    assert quick().fit(daily, freq="W-SAT").predict().index[0] == pd.Timestamp("2024-04-20")
    mid = airline().set_axis(airline().index + pd.Timedelta(days=14))
    assert quick().fit(mid, freq="MS").predict().index[0] == pd.Timestamp("1961-01-01")
    month_ends = airline().set_axis(airline().index + pd.offsets.MonthEnd(0))
    assert quick().fit(month_ends, freq="QS").predict().index[0] == pd.Timestamp("1961-01-01")
    quarters = airline().resample("QS").mean()
    assert quick().fit(quarters, freq="QS-OCT").predict().index[0] == pd.Timestamp("1961-01-01")
    periods = airline().to_period("M")
    assert quick().fit(periods, freq="ME").predict().index[0] == pd.Timestamp("1961-01-31")


def test_d11_02_the_adapter_on_uneven_dates_gives_a_fix_it_can_take():
    """The adapter has no freq=; it was told to pass one. Each advice is then taken, and fits."""
    y = airline()
    mid = y.set_axis(y.index + pd.Timedelta(days=14))  # a monthly report, dated on the 15th
    with pytest.raises(ValueError) as e:
        adapter().fit(mid, fh=[1, 2])
    assert one_line(e).startswith("RnnkitForecaster.fit: the timestamps of 'Period' are not evenly spaced")
    assert one_line(e).endswith("they are one per month (1949-01-15, 1949-02-15, 1949-03-15, ...), on a day no "
                                "pandas frequency repeats: give them as months (y.index = y.index.to_period('M'))")
    mid.index = mid.index.to_period("M")
    assert adapter().fit(mid, fh=[1, 2]).predict().index.tolist() == [pd.Period("1961-01", "M"),
                                                                       pd.Period("1961-02", "M")]

    gap = y.drop(pd.Timestamp("1949-11-01"))
    with pytest.raises(ValueError) as e:
        adapter().fit(gap, fh=[1, 2])
    assert one_line(e).endswith("the first step off the grid 'MS': 1949-12-01 00:00:00 follows 1949-10-01 00:00:00), "
                                "so the next timestamps cannot be told; put y on a regular grid first, "
                                "y.asfreq('MS').interpolate() (sktime's forecasters take no missing values: each "
                                "missing step is filled between its neighbours)")
    assert "freq=" not in one_line(e)
    assert adapter().fit(gap.asfreq("MS").interpolate(), fh=[1, 2]).predict().index[0] == pd.Timestamp("1961-01-01")

    vega = pytest.importorskip("vega_datasets")
    weather = vega.data.seattle_weather().set_index("date")["temp_max"].iloc[:120]  # local days, stored in UTC
    utc = weather.tz_localize("America/Los_Angeles").tz_convert("UTC")
    with pytest.raises(ValueError) as e:
        adapter().fit(utc, fh=[1, 2])
    assert one_line(e).endswith("convert them to that zone (y.tz_convert('Europe/Berlin'), with yours), where each "
                                "step is 1 day")
    local = adapter().fit(utc.tz_convert("America/Los_Angeles"), fh=[1, 2]).predict()
    assert local.index[0] == pd.Timestamp("2012-04-30", tz="America/Los_Angeles")


def test_d11_03_the_adapter_names_the_first_missing_value_and_how_to_fill_it():
    """co2 has 59 weeks missing; sktime's own refusal named neither the week nor a fix."""
    datasets = pytest.importorskip("statsmodels.datasets")
    y = datasets.co2.load_pandas().data["co2"].loc[:"1962"]
    with pytest.raises(ValueError) as e:
        adapter().fit(y, fh=[1, 2])
    assert one_line(e) == (
        f"RnnkitForecaster.fit: y is missing (NaN) at 1958-05-10 (row 6; {int(y.isna().sum())} missing in all), "
        "and sktime's forecasters take no missing values; fill them first (y.interpolate(), or y.ffill() to carry "
        "the last value), or use rnnkit.Forecaster, which fills them itself (impute='ffill')")
    filled = y.interpolate()
    f = adapter().fit(filled.iloc[:-4], fh=[1, 2])
    with pytest.raises(ValueError) as e:
        f.update(filled.iloc[-4:].where(y.index[-4:] != y.index[-2]), update_params=False)
    assert one_line(e).startswith(f"RnnkitForecaster.update: y is missing (NaN) at {y.index[-2].date()} (row 2; 1 "
                                  "missing in all)")
    X = pd.DataFrame({"promo": np.where(np.arange(len(y)) == 5, np.nan, 1.0)}, index=y.index)
    with pytest.raises(ValueError, match=r"RnnkitForecaster.fit: X column 'promo' is missing \(NaN\) at 1958-05-03 "
                                         r"\(row 5; 1 missing in all\).*fill them first \(X.interpolate\(\)"):
        adapter().fit(y.interpolate(), X=X, fh=[1, 2])


def test_d11_04_a_panel_of_tickers_with_holidays_missing_is_told_the_business_day_grid():
    """The S&P 500 and the NASDAQ as a long panel of two tickers: 'put the series on a regular grid first
    (resample it)', without the grid or the call; the named call is then taken, and fits."""
    arch = pytest.importorskip("arch.data.sp500")
    nasdaq = pytest.importorskip("arch.data.nasdaq")
    prices = pd.concat({"sp500": arch.load()["Adj Close"], "nasdaq": nasdaq.load()["Adj Close"]}, axis=1).tail(60)
    long = prices.reset_index().melt(id_vars="Date", var_name="ticker", value_name="price")
    g = GlobalForecaster(horizon=2, model="direct", lookback=6, max_epochs=1, hidden_size=4, random_state=0)
    with pytest.raises(ValueError) as e:
        g.fit(long, id_col="ticker", time_col="Date", target="price")
    assert one_line(e) == (
        "series 'sp500' (its 36-th row, 2018-11-23 00:00:00, is off the grid of its first steps): the timestamps of "
        "'Date' are not evenly spaced (steps 1 days 00:00:00, 3 days 00:00:00, 2 days 00:00:00...; the first step off "
        "the grid 'B': 2018-11-23 00:00:00 follows 2018-11-21 00:00:00), so the next timestamps cannot be told; "
        "they are all weekdays, business days with 3 missing (the first 2018-11-22, a holiday?): put every series on "
        "a regular grid first, e.g. data.set_index('Date').groupby('ticker')[['price']].resample('B').ffill()"
        ".reset_index() (each missing day takes the value before it); forecasts are then dated on business days, "
        "holidays included")
    fixed = long.set_index("Date").groupby("ticker")[["price"]].resample("B").ffill().reset_index()
    pred = g.fit(fixed, id_col="ticker", time_col="Date", target="price").predict()
    assert pred["Date"].tolist() == [pd.Timestamp("2019-01-01"), pd.Timestamp("2019-01-02")] * 2


def test_d11_05_a_panel_series_on_business_days_is_named_at_its_first_row_off_that_grid():
    """pmdarima's MSFT, its Open and Close as two series of a panel: the first three dates are consecutive days, so
    the row named 'off the grid of its first steps' was a Monday (2017-02-06, a business day), while the same line
    named 2017-02-21 (after Presidents' Day) as the first step off the grid 'B'."""
    datasets = pytest.importorskip("pmdarima.datasets")
    msft = datasets.load_msft().tail(200).assign(Date=lambda d: pd.to_datetime(d["Date"]))
    long = msft.melt(id_vars="Date", value_vars=["Open", "Close"], var_name="column", value_name="value")
    g = GlobalForecaster(horizon=2, model="direct", lookback=6, max_epochs=1, hidden_size=4, random_state=0)
    with pytest.raises(ValueError) as e:
        g.fit(long, id_col="column", time_col="Date", target="value")
    assert one_line(e).startswith(
        "series 'Open' (its 16-th row, 2017-02-21 00:00:00, is off the grid of its first steps): the timestamps of "
        "'Date' are not evenly spaced (steps 1 days 00:00:00, 3 days 00:00:00, 4 days 00:00:00...; the first step "
        "off the grid 'B': 2017-02-21 00:00:00 follows 2017-02-17 00:00:00)")


def test_d11_06_y_indexed_by_x_s_instances_written_as_text_is_named_as_such():
    """The S&P 500's daily returns cut into months (a (month, Date) MultiIndex X), each month labelled up or down;
    the labels read back from a CSV have the months as text ('2015-01'): they were told to reorder with
    y.loc[instances], which finds none of them (they were in order)."""
    from rnnkit import SequenceClassifier

    arch = pytest.importorskip("arch.data.sp500")
    prices = arch.load()["Adj Close"].loc["2018-01":"2018-08"]
    returns = np.log(prices).diff().dropna()
    X = returns.to_frame("ret")
    X.index = pd.MultiIndex.from_arrays([X.index.to_period("M"), X.index], names=["month", "Date"])
    y = returns.groupby(returns.index.to_period("M")).sum().gt(0)
    as_text = y.set_axis(y.index.astype(str))
    clf = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError) as e:
        clf.fit(X, as_text)
    assert one_line(e) == (
        "SequenceClassifier.fit: y's index ('2018-01', '2018-02', '2018-03', ...) writes X's instances in X's order, "
        "but as str where X has Period (Period('2018-01', 'M'), Period('2018-02', 'M'), Period('2018-03', 'M'), ...); "
        "give y X's instances (y.set_axis(X.index.unique(level=0))), or pass y.to_numpy()")
    fixed = clf.fit(X, as_text.set_axis(X.index.unique(level=0))).predict_proba(X)
    np.testing.assert_array_equal(fixed, clf.fit(X, y.to_numpy()).predict_proba(X))
    with pytest.raises(ValueError, match=r"^SequenceClassifier.score: y's index \('2018-01', .* writes X's instances"):
        clf.score(X, as_text)
    shuffled = as_text.iloc[::-1]  # another order: the reordering advice stays
    with pytest.raises(ValueError, match=r"is not X's instances in X's order .*reorder it with y.loc\[instances\]"):
        clf.fit(X, shuffled)


def test_d11_07_an_ordered_categorical_y_gives_classes_sorted_as_scikit_learn_does():
    """A decision pinned (it held before): the S&P 500's months labelled by an ordered Categorical whose category
    order ('up' < 'down') is not the sorted one. classes_ is sorted, as scikit-learn's own classifiers give it,
    and its metrics read predict_proba's columns in that order; the tagger alike."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from rnnkit import SequenceClassifier, SequenceTagger

    arch = pytest.importorskip("arch.data.sp500")
    prices = arch.load()["Adj Close"].loc["2017-01":"2018-12"]
    returns = np.log(prices).diff().dropna()
    months = [g.to_numpy()[:18, None] for _, g in returns.groupby(returns.index.to_period("M"))]
    X = np.stack(months).astype(np.float32)  # (24, 18, 1)
    up = np.array([m.sum() > 0 for m in months])
    y = pd.Series(pd.Categorical(np.where(up, "up", "down"), categories=["up", "down"], ordered=True))
    clf = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
    assert clf.classes_.tolist() == ["down", "up"] == LogisticRegression().fit(X[:, :, 0], y).classes_.tolist()
    proba = clf.predict_proba(X)
    assert roc_auc_score(y, proba[:, 1]) == roc_auc_score(up, proba[:, 1])
    steps = [pd.Categorical(np.where(m[:, 0] > 0, "up", "down"), categories=["up", "down"], ordered=True)
             for m in months]
    assert SequenceTagger(hidden_size=4, max_epochs=1, random_state=0).fit(X, steps).classes_.tolist() == ["down", "up"]


def test_d11_08_split_by_time_refuses_a_start_outside_the_series_and_reads_a_period_as_its_start():
    """co2 (1958-03-29 .. 2001-12-29) split at 2005 (a typo for 2000?) gave an empty test part without a word; at
    1950, 'use smaller val/test parts' (there are none: it splits by time); at pd.Period('1990-01'), pandas'
    'Cannot convert Period to Timestamp unambiguously'."""
    from rnnkit.data import TimeSeriesFrame
    from rnnkit.data.timeseries import split_by_time

    datasets = pytest.importorskip("statsmodels.datasets")
    frame = TimeSeriesFrame.from_pandas(datasets.co2.load_pandas().data["co2"])
    with pytest.raises(ValueError) as e:
        split_by_time(frame, test_start="2005-01-01")
    assert one_line(e) == (
        "test_start='2005-01-01' is after the series' last time 2001-12-29 00:00:00 (its 2284 rows span 1958-03-29 "
        "00:00:00 .. 2001-12-29 00:00:00), so the test part would be empty; give a time within the series, or leave "
        "test_start out for no test part")
    with pytest.raises(ValueError, match=r"^val_start='2003-01-01' is after .* so the val part would be empty"):
        split_by_time(frame, val_start="2003-01-01")
    with pytest.raises(ValueError) as e:
        split_by_time(frame, val_start="1950-01-01", test_start="1990-01-01")
    assert one_line(e) == (
        "val_start='1950-01-01' is at or before the series' first time 1958-03-29 00:00:00 (its 2284 rows span "
        "1958-03-29 00:00:00 .. 2001-12-29 00:00:00), so the training part would be empty; give a later time")
    by_period = split_by_time(frame, val_start=pd.Period("1985-01", "M"), test_start=pd.Period("1990", "Y"))
    assert by_period == split_by_time(frame, val_start="1985-01-01", test_start="1990-01-01")
    assert frame.time[by_period.test.start] == pd.Timestamp("1990-01-06")  # the first Saturday of 1990


def test_d11_09_uneven_dates_are_told_the_grid_of_their_first_rows():
    """co2 with its missing weeks dropped (co2.dropna()) was told 'pass freq='h' (or 'D', 'W-SAT', 'MS'...)': 'h'
    is refused as finer than every step, and an anchor of the examples other than the data's moves the dates
    (D11-01). The advice now names the grid of the first rows, which then fits."""
    datasets = pytest.importorskip("statsmodels.datasets")
    y = datasets.co2.load_pandas().data["co2"].loc[:"1962"].dropna()
    with pytest.raises(ValueError) as e:
        quick().fit(y)
    assert one_line(e) == (
        "the timestamps of 'index' are not evenly spaced (steps 7 days 00:00:00, 14 days 00:00:00, 42 days "
        "00:00:00...; the first step off the grid 'W-SAT': 1958-05-17 00:00:00 follows 1958-05-03 00:00:00), so the "
        "next timestamps cannot be told; pass freq='W-SAT' (the grid of the first rows) to fit to resample onto it "
        "(the steps missing become missing values, filled by impute=...)")
    assert quick().fit(y, freq="W-SAT").predict().index.tolist() == [pd.Timestamp("1962-12-29"),
                                                                      pd.Timestamp("1963-01-05")]


def test_d11_10_a_wide_table_of_tickers_is_told_how_to_make_it_long():
    """The S&P 500 and the NASDAQ side by side (one column per ticker, indexed by Date), as pd.concat(axis=1) gives
    them: 'name them with id_col=, time_col=, target=', which no column of a wide table can be."""
    arch = pytest.importorskip("arch.data.sp500")
    nasdaq = pytest.importorskip("arch.data.nasdaq")
    wide = pd.concat({"sp500": arch.load()["Adj Close"], "nasdaq": nasdaq.load()["Adj Close"]}, axis=1)
    wide = wide.tail(40).asfreq("B").ffill()
    g = GlobalForecaster(horizon=2, model="direct", lookback=6, max_epochs=1, hidden_size=4, random_state=0)
    with pytest.raises(ValueError) as e:
        g.fit(wide)
    assert one_line(e) == (
        "the panel lacks the columns ['unique_id', 'ds', 'y']; it has 2 numeric columns ('sp500', 'nasdaq') on a "
        "DatetimeIndex, as a wide table has one series per column: make it long, data.reset_index().melt("
        "id_vars='Date', var_name='unique_id', value_name='y'), and fit it with time_col='Date'")
    long = wide.reset_index().melt(id_vars="Date", var_name="unique_id", value_name="y")
    pred = g.fit(long, time_col="Date").predict()
    assert pred["unique_id"].tolist() == ["sp500", "sp500", "nasdaq", "nasdaq"]
    with pytest.raises(ValueError, match=r"^the panel lacks the columns \['id', 'ds', 'y'\]; it has \['Date', 'id_', "
                                         r"'value'\] \(name them"):
        g.fit(long.rename(columns={"unique_id": "id_", "y": "value"}), id_col="id")  # a long table keeps its advice


def test_d11_11_the_adapter_refuses_an_update_off_the_grid_of_the_values_seen():
    """co2 (Saturdays) fitted, then updated with the next weeks dated on Sundays (another source's convention):
    the update was taken, and every later predict failed with 'data is not on the fitted grid ... give data at
    that frequency (data.resample('W-SAT').mean())', a data= the user never passed; two Sundays later than the
    next Saturday were called a gap ('update with y from 1995-12-23')."""
    y = co2()
    for days, first in ((-6, "1995-12-17"), (1, "1995-12-24")):
        f = adapter().fit(y.iloc[:-2], fh=[1, 2])
        sundays = y.iloc[-2:].set_axis(y.index[-2:] + pd.Timedelta(days=days))
        with pytest.raises(ValueError) as e:
            f.update(sundays, update_params=False)
        assert one_line(e) == (
            f"RnnkitForecaster.update: y's time {first} (row 0) is not on the grid of the values seen, one step per "
            "'W-SAT' (the cutoff 1995-12-16, then 1995-12-23, 1995-12-30, ...), so the forecasts would read it at "
            "another time; give y at the times of that grid")
        assert f.cutoff[0] == pd.Timestamp("1995-12-16")  # the refused update left the values seen as they were
    f.update(y.iloc[-4:], update_params=False)  # on the grid, overlapping the values seen: taken
    assert f.predict().index.tolist() == [pd.Timestamp("1996-01-06"), pd.Timestamp("1996-01-13")]
