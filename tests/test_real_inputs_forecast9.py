"""Ninth round of bad inputs on the forecasting side, on real series that ship offline (vega_datasets'
seattle_weather and sf_temps, sktime's airline, statsmodels' macrodata), brought as a new user would. One test per
case F9-NN of the catalogue (docs/bad_inputs.md, "Ninth round: forecasting"). A refusal is one ValueError line
naming what, where and how to fix it; the fix it names is then taken, and gives the right index."""

import json
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
    params = dict(horizon=3, model="direct", lookback=6, max_epochs=1, hidden_size=4, random_state=0)
    return Forecaster(**(params | kw))


def gquick(**kw) -> GlobalForecaster:
    params = dict(horizon=3, model="direct", lookback=6, max_epochs=1, hidden_size=4, random_state=0)
    return GlobalForecaster(**(params | kw))


def airline() -> pd.Series:
    datasets = pytest.importorskip("sktime.datasets")
    return datasets.load_airline()  # 144 months, 1949-01 .. 1960-12, a PeriodIndex


def seattle_max() -> pd.Series:
    vega = pytest.importorskip("vega_datasets")
    weather = vega.data.seattle_weather()  # daily, 2012-01-01 .. 2015-12-31
    return weather.set_index("date")["temp_max"].iloc[:120]


# -- F9-01: local midnights of a zone with daylight saving time, given in UTC ---------------------------------------
def test_f9_01_daily_local_midnights_given_in_utc_are_named_with_the_conversion():
    """Seattle's days as a database stores them, in UTC: 08:00 in winter, 07:00 in summer. Before: `not evenly
    spaced ...; pass freq='h' (or 'D', 'W-SAT', 'MS'...)`, advice that freq='h' then refuses as finer than every
    step. Now the daylight-saving shift is named, with the conversion that makes each step one day."""
    local = seattle_max().tz_localize("America/Los_Angeles")
    utc = local.tz_convert("UTC")
    with pytest.raises(ValueError) as e:
        quick().fit(utc)
    message = one_line(e)
    assert "the steps are 1 day, an hour shorter or longer where daylight saving time starts or ends " \
           "(2012-03-12 07:00:00+00:00 follows 2012-03-11 08:00:00+00:00)" in message
    assert "given in UTC? convert them to that zone (data.tz_convert('Europe/Berlin'), with yours)" in message
    assert "freq='D' reads them by the UTC date" in message
    assert "pass freq='h'" not in message
    with pytest.raises(ValueError, match=r"given without their zone\? .*data\.tz_localize\('UTC'\)\.tz_convert"):
        quick().fit(utc.tz_localize(None))  # the zone dropped too
    forecast = quick().fit(utc.tz_convert("America/Los_Angeles")).predict()  # the fix named
    assert list(forecast.index) == list(pd.date_range("2012-04-30", periods=3, freq="D", tz="America/Los_Angeles"))


def test_f9_01_a_panel_series_in_utc_is_told_to_convert_its_column():
    local = seattle_max().tz_localize("America/Los_Angeles").tz_convert("UTC")
    panel = pd.DataFrame({"unique_id": "seattle", "ds": local.index, "y": local.to_numpy()})
    with pytest.raises(ValueError) as e:
        gquick().fit(panel)
    assert "convert them to that zone (data['ds'].dt.tz_convert('Europe/Berlin'), with yours)" in one_line(e)


# -- F9-02: one timestamp per month (week, quarter, year) on a day no pandas frequency repeats -----------------------
def test_f9_02_monthly_data_dated_on_the_15th_are_named_monthly():
    """The airline's months dated on the 15th (a monthly report). Before: `not evenly spaced (steps 31 days, 30
    days, 28 days...; the first other than 31 days: ...); pass freq='h' (or 'D', 'W-SAT', 'MS'...)`."""
    y = airline()
    mid = y.set_axis(y.index.to_timestamp() + pd.Timedelta(days=14))
    with pytest.raises(ValueError) as e:
        quick().fit(mid)
    assert one_line(e).endswith("so the next timestamps cannot be told; they are one per month (1949-01-15, "
                                "1949-02-15, 1949-03-15, ...), on a day no pandas frequency repeats: give them as "
                                "months (data.index = data.index.to_period('M')), which are read and forecast as "
                                "months; or freq='MS' reads them on the grid of months dated on each month's first "
                                "day, and warns that it moves each reading there")
    forecast = quick().fit(mid, freq="MS").predict()  # the fix named: the airline's own months
    assert list(forecast.index) == list(pd.date_range("1961-01-01", periods=3, freq="MS"))
    assert np.allclose(forecast.to_numpy(), quick().fit(y).predict().to_numpy())


def test_f9_02_quarters_and_weeks_on_varying_days():
    y = airline()
    quarterly = y.iloc[:40].set_axis(pd.date_range("1990-01-01", periods=40, freq="QS") + pd.Timedelta(days=44))
    with pytest.raises(ValueError, match=r"they are one per quarter \(1990-02-14, 1990-05-15, 1990-08-14, \.\.\.\), "
                                         r"on a day no pandas frequency repeats: give them as quarters .*; or "
                                         r"freq='QS' reads them on the grid of quarters"):
        quick().fit(quarterly)
    days = pd.date_range("2020-01-06", periods=40, freq="W-MON") + pd.to_timedelta(np.arange(40) % 5, unit="D")
    weekly = y.iloc[:40].set_axis(days)  # a weekly report on Monday, Tuesday, ..., Friday in turn
    with pytest.raises(ValueError, match=r"they are one per week .* freq='W-SUN' reads them on the grid of weeks "
                                         r"dated on each week's Sunday, and warns that it moves each reading there$"):
        quick().fit(weekly)
    assert quick().fit(weekly, freq="W-SUN").predict().index[0] == pd.Timestamp("2020-10-18")


def test_f9_02_a_panel_series_dated_on_the_15th_is_told_to_read_periods():
    y = airline()
    panel = pd.DataFrame({"unique_id": "air", "ds": y.index.to_timestamp() + pd.Timedelta(days=14), "y": y.to_numpy()})
    with pytest.raises(ValueError) as e:
        gquick().fit(panel)
    assert one_line(e).endswith("they are one per month (1949-01-15, 1949-02-15, 1949-03-15, ...), on a day no pandas "
                                "frequency repeats: give them as months (data['ds'].dt.to_period('M'))")
    panel["ds"] = panel["ds"].dt.to_period("M")
    assert str(gquick().fit(panel).predict()["ds"].iloc[0]) == "1961-01"


# -- F9-03: naive local hours where daylight saving time ends ------------------------------------------------------
def sf_local(start: str, freq: str = "h", n: int = 72) -> pd.Series:
    """sf_temps' readings on the local clock of San Francisco (a naive index), across a change of the clock."""
    vega = pytest.importorskip("vega_datasets")
    temps = vega.data.sf_temps()["temp"].to_numpy()[:n]
    clock = pd.date_range(start, periods=n, freq=freq, tz="America/Los_Angeles").tz_localize(None)
    return pd.Series(temps, index=clock, name="temp")


def test_f9_03_the_repeated_hour_where_daylight_saving_time_ends_is_not_called_a_duplicate_to_average():
    """Before: `duplicate timestamp 2010-11-07 01:00:00 ...; aggregate duplicates first (df.groupby(...).mean())`,
    which averages two hours; quarter-hourly: `starts over ...: several series stacked one after another?`."""
    hourly = sf_local("2010-11-06")
    with pytest.raises(ValueError) as e:
        quick().fit(hourly)
    assert one_line(e) == (
        "time column 'index' has a duplicate timestamp 2010-11-07 01:00:00 at rows 25 and 26; the clock set back an "
        "hour at night: local time where daylight saving time ends, whose repeated hour is two hours? localize the "
        "times to their zone, which tells the two apart (index.tz_localize('Europe/Berlin', ambiguous='infer'), "
        "with yours; a column: .dt.tz_localize)")
    quarter = sf_local("2010-11-06", "15min", 200)
    with pytest.raises(ValueError, match=r"^time column 'index' goes back from 2010-11-07 01:45:00 \(row 103\) to "
                                         r"2010-11-07 01:00:00 \(row 104\); the clock set back an hour at night"):
        quick().fit(quarter)
    fixed = quick().fit(hourly.tz_localize("America/Los_Angeles", ambiguous="infer")).predict()  # the fix named
    assert fixed.index[0] == pd.Timestamp("2010-11-08 23:00", tz="America/Los_Angeles")
    for local in (hourly, quarter):  # a panel's series: the same advice (before: `give one row per (id, time)`)
        panel = pd.DataFrame({"unique_id": "sf", "ds": local.index, "y": local.to_numpy()})
        with pytest.raises(ValueError, match=r"^series 'sf' has the time 2010-11-07 01:00:00 twice \(rows \d+ and "
                                             r"\d+\); the clock set back an hour at night"):
            gquick().fit(panel)
    january = sf_local("2010-01-09")  # a duplicated row on another night keeps the advice to aggregate
    twice = pd.concat([january.iloc[:27], january.iloc[[26]], january.iloc[27:]])  # 2010-01-10 02:00 (a Sunday)
    with pytest.raises(ValueError, match=r"duplicate timestamp 2010-01-10 02:00:00 at rows 26 and 27; aggregate "
                                         r"duplicates first"):
        quick().fit(twice)


# -- F9-04: fit(y, X) with X on another kind of index ----------------------------------------------------------------
def test_f9_04_x_on_timestamps_for_y_on_periods_names_both_kinds():
    """macrodata's realgdp on quarters, X (realint) on the quarters' first days. Before: `X's index must equal y's
    (203 rows, 1959Q1 .. 2009Q3); X has 203 rows, 1959-01-01 .. 2009-07-01: give X one row per timestamp of y, in
    the same order`: the same rows, in the same order."""
    sm = pytest.importorskip("statsmodels.api")
    macro = sm.datasets.macrodata.load_pandas().data
    quarters = pd.PeriodIndex.from_fields(year=macro["year"].astype(int), quarter=macro["quarter"].astype(int),
                                          freq="Q")
    y = macro["realgdp"].set_axis(quarters)
    X = macro[["realint"]].set_axis(quarters.to_timestamp())
    with pytest.raises(ValueError) as e:
        quick().fit(y, X)
    assert one_line(e) == ("fit(y, X): X's index is a DatetimeIndex and y's a PeriodIndex (Period('1959Q1', 'Q-DEC') "
                           ".. Period('2009Q3', 'Q-DEC')); give X y's index (X.set_axis(y.index) when the rows match, "
                           "or X.to_period())")
    f = quick().fit(y, X.to_period())
    future = pd.DataFrame({"realint": [1.0, 1.0, 1.0]}, index=pd.period_range("2009Q4", periods=3, freq="Q"))
    assert str(f.predict(X=future).index[0]) == "2009Q4"


# -- F9-05: the sktime adapter updated with values after a gap --------------------------------------------------------
def test_f9_05_an_update_that_leaves_a_gap_after_the_cutoff_is_refused_at_update():
    """Before: update(update_params=False) took the values after the gap, and predict failed on `data is not on the
    fitted grid ...; give data at that frequency, without gaps (data.resample('MS').mean())` (no `data` was
    passed); update_params=True refitted into `not evenly spaced ...; pass freq='h'` (the adapter has no freq)."""
    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    y = airline()
    later = pd.Series([417.0, 391.0], index=pd.period_range("1961-03", periods=2, freq="M"), name=y.name)
    for update_params in (False, True):
        f = sktime.RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0, lookback=6)
        f.fit(y, fh=[1, 2])
        with pytest.raises(ValueError) as e:
            f.update(later, update_params=update_params)
        assert one_line(e) == ("RnnkitForecaster.update: y starts at 1961-03, but the values seen end at the cutoff "
                               "1960-12, so 1961-01 .. 1961-02 would be missing; the forecasts read the last lookback "
                               "steps without gaps: update with y from 1961-01")
    f.update(later.set_axis(pd.period_range("1961-01", periods=2, freq="M")), update_params=False)
    assert [str(p) for p in f.predict().index] == ["1961-03", "1961-04"]
    yi = y.reset_index(drop=True)  # row numbers: the step after the cutoff 143 is 144
    f = sktime.RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0, lookback=6)
    with pytest.raises(ValueError, match=r"y starts at 146, but the values seen end at the cutoff 143, so 144 \.\. "
                                         r"145 would be missing"):
        f.fit(yi, fh=[1, 2]).update(pd.Series([1.0, 2.0], index=[146, 147]), update_params=False)


# -- F9-06: a panel's time column of periods of several frequencies ---------------------------------------------------
def test_f9_06_periods_of_two_frequencies_in_one_time_column_are_named():
    """The airline's months beside macrodata's quarters (concatenated, an object column). Before: `series
    'realgdp', row 144: time Period('1959Q1', 'Q-DEC') is not an ISO 8601 date`."""
    sm = pytest.importorskip("statsmodels.api")
    macro = sm.datasets.macrodata.load_pandas().data.iloc[:60]
    y = airline()
    panel = pd.concat([pd.DataFrame({"unique_id": "air", "ds": y.index, "y": y.to_numpy()}),
                       pd.DataFrame({"unique_id": "realgdp", "ds": pd.period_range("1959Q1", periods=60, freq="Q"),
                                     "y": macro["realgdp"].to_numpy()})], ignore_index=True)
    with pytest.raises(ValueError) as e:
        gquick().fit(panel)
    assert one_line(e) == ("series 'realgdp', row 144: the time column 'ds' mixes periods of 'M' (row 0) with "
                           "Period('1959Q1', 'Q-DEC'), and one column holds periods of one frequency; give each row "
                           "its period's start as a timestamp (data['ds'].map(lambda p: p.start_time)): each series "
                           "keeps its own frequency")
    months = panel[panel["unique_id"] == "air"].astype({"ds": object})  # periods of one frequency, as objects
    assert str(gquick().fit(months).predict()["ds"].iloc[0]) == "1961-01"  # before: `... is not an ISO 8601 date`
    panel["ds"] = panel["ds"].map(lambda p: p.start_time)
    forecast = gquick().fit(panel).predict()
    assert list(forecast.groupby("unique_id")["ds"].first()) == [pd.Timestamp("1961-01-01"), pd.Timestamp("1974-01-01")]


# -- F9-07: a frequency given as a multiple of a shorter step ("7D" weekly, "24h" daily) ------------------------------
def test_f9_07_weekly_steps_spelt_7d_keep_the_yearly_season_of_weekly_data():
    """statsmodels' co2, weekly, on an index from pd.date_range(..., freq="7D") (or daily data sliced every 7th
    row). Before: `infer_season_length("7D") == 1` (seven days make one week, one step), so season_length="auto"
    chose 1 ("the frequency '7D' has no season within it") where the same series on "W-SAT" chose 52, and the
    lookback and backtest's seasonal naive followed; "24h" was read as 1, not 7 as "D"."""
    from rnnkit.forecast import infer_season_length

    sm = pytest.importorskip("statsmodels.api")
    co2 = sm.datasets.co2.load_pandas().data["co2"].iloc[-600:].interpolate()  # weekly, W-SAT
    days7 = co2.set_axis(pd.date_range(co2.index[0], periods=len(co2), freq="7D"))
    weekly, every7 = (Forecaster(horizon=3, model="direct", hidden_size=4, max_epochs=1, random_state=0).fit(s)
                      for s in (co2, days7))
    assert weekly.season_length_ == every7.season_length_ == 52
    assert every7.lookback_ == weekly.lookback_ == 104
    assert [infer_season_length(f) for f in ("7D", "14D", "24h", "1440min", "168h", "D", "h", "2h", "12h")] == \
        [52, 26, 7, 7, 52, 7, 24, 12, 2]
    with pytest.raises(ValueError, match="cannot infer a season length from the frequency '2D'"):
        infer_season_length("2D")  # no week of whole steps: as before


# -- F9-08: freq='B' on data with readings on days off the business days -------------------------------------------
def test_f9_08_business_day_resampling_refuses_weekend_readings_it_would_average_into_friday():
    """seattle_weather's daily temperatures (every day of the week) given freq='B'. Before: fitted without a word,
    each Friday the mean of Friday, Saturday and Sunday (pandas folds a day off the grid into the business day
    before). Business days with holidays missing (the S&P 500) still resample."""
    y = seattle_max()
    with pytest.raises(ValueError) as e:
        quick().fit(y, freq="B")
    assert one_line(e) == ("freq='B' has no bin for 2012-01-01 (Sunday, row 0 of 'date'; 35 such rows in all): "
                           "resampling would average it into 2011-12-30; drop the rows of days off the business days, "
                           "or pass freq='D'")
    weekdays = quick().fit(y[y.index.dayofweek < 5], freq="B").predict()  # the fix named
    assert list(weekdays.index) == list(pd.bdate_range("2012-04-30", periods=3))
    arch = pytest.importorskip("arch.data.sp500")
    sp = arch.load()["Adj Close"].iloc[-60:]
    assert list(quick().fit(sp, freq="B").predict().index) == list(pd.bdate_range("2019-01-01", periods=3))


# -- F9-09: time_col naming the index ---------------------------------------------------------------------------
def test_f9_09_time_col_naming_the_index_says_so():
    """The airline indexed by a DatetimeIndex named 'month', with time_col='month' as in the docs' CSV examples.
    Before: `time_col 'month' is not a column; the columns are ['passengers']`."""
    data = airline().to_timestamp().rename_axis("month").to_frame("passengers")
    with pytest.raises(ValueError) as e:
        quick().fit(data, time_col="month")
    assert one_line(e) == ("time_col 'month' is the index, not a column; drop time_col= (the index is read as the time "
                           "axis) or move it to a column (data.reset_index())")
    assert quick().fit(data.reset_index(), time_col="month").predict().index[0] == pd.Timestamp("1961-01-01")


# -- F9-10: the sktime adapter on business days with the holidays missing ---------------------------------------------
def test_f9_10_the_adapter_on_business_days_with_holidays_missing_gives_advice_it_can_take():
    """arch's S&P 500 through RnnkitForecaster (F4's note). Before: the Forecaster's `...; they are all weekdays,
    business days with 12 missing (the first 2017-11-23, a holiday?): freq='B' reads them on the business-day grid
    ...`: the adapter has no freq."""
    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    arch = pytest.importorskip("arch.data.sp500")
    sp = arch.load()["Adj Close"].iloc[-300:]
    f = sktime.RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0, lookback=6)
    with pytest.raises(ValueError) as e:
        f.fit(sp, fh=[1, 2])
    assert one_line(e) == ("RnnkitForecaster.fit: y's dates are business days with 12 missing (the first 2017-11-23, "
                           "a holiday?), so the next dates cannot be told; put y on the business-day grid first, "
                           "y.asfreq('B').ffill() (each missing day takes the value of the day before; the forecasts "
                           "are then dated on business days, holidays included)")
    forecast = f.fit(sp.asfreq("B").ffill(), fh=[1, 2]).predict()  # the fix named
    assert list(forecast.index) == list(pd.bdate_range("2019-01-01", periods=2))


# -- F9-11: the sktime adapter given absolute times between the steps of y's grid ---------------------------------
def test_f9_11_absolute_fh_between_the_steps_of_the_grid_is_refused_not_relabelled():
    """The airline on month starts, fh = the 15th of the next two months. Before: sktime rounded them to steps 1
    and 2, and the forecasts of 1961-01-01 and 1961-02-01 came back labelled 1961-01-15 and 1961-02-15."""
    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    base = pytest.importorskip("sktime.forecasting.base")
    y = airline().to_timestamp()
    f = sktime.RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0, lookback=6)
    mid = base.ForecastingHorizon(pd.DatetimeIndex(["1961-01-15", "1961-02-15"]), is_relative=False)
    with pytest.raises(ValueError) as e:
        f.fit(y, fh=mid)
    assert one_line(e) == ("RnnkitForecaster: fh holds 1961-01-15 00:00:00, which is not a time of y's grid: the "
                           "steps after the cutoff 1960-12-01 00:00:00 are 1961-01-01 00:00:00, 1961-02-01 00:00:00, "
                           "...; pass times of that grid, or steps ahead (fh=[1, 2, ...])")
    starts = base.ForecastingHorizon(pd.DatetimeIndex(["1961-01-01", "1961-02-01"]), is_relative=False)
    assert list(f.fit(y, fh=starts).predict().index) == list(pd.date_range("1961-01-01", periods=2, freq="MS"))


# F9-12 -----------------------------------------------------------------------------------------------------------
def test_f9_12_a_series_whose_last_steps_are_missing_warns_that_its_forecast_starts_from_imputed_values():
    y = airline().copy()
    y.iloc[-20:] = np.nan  # the last 20 months not reported yet
    with pytest.warns(UserWarning) as record:
        quick().fit(y)
    said = [str(w.message) for w in record if "last 20 step(s)" in str(w.message)]
    assert said == ["Forecaster.fit: target 'Number of airline passengers' is missing at its last 20 step(s) "
                    "(1959-05 .. 1960-12), so the forecast of the steps after 1960-12 starts from values "
                    "imputed by impute='ffill', not from an observation (the last at 1959-04); to forecast from "
                    "it, drop the missing rows at the end (e.g. y.loc[:y.last_valid_index()])"]
    inside = airline().copy()
    inside.iloc[100:110] = np.nan  # gaps inside the series are what impute is for: no word
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        quick().fit(inside)
        quick().fit(y.loc[: y.last_valid_index()])  # the advice followed
    assert not [w for w in record if "missing at its last" in str(w.message)]
    with pytest.raises(ValueError, match="impute='none' refuses NaN"):
        quick(impute="none").fit(y)


# F9-13 -----------------------------------------------------------------------------------------------------------
def test_f9_13_rnnkit_forecast_writes_months_and_quarters_as_the_file_wrote_them(tmp_path):
    import statsmodels.api as sm

    from rnnkit.cli import main

    y = airline()
    months = pd.DataFrame({"month": y.index.astype(str), "passengers": y.to_numpy()})  # 1949-01, ...
    macro = sm.datasets.macrodata.load_pandas().data
    quarters = pd.DataFrame({"quarter": [f"{int(a)}Q{int(b)}" for a, b in zip(macro.year, macro.quarter, strict=True)],
                             "gdp": macro.realgdp})  # 1959Q1, ...
    for frame, column, target, first, origin in ((months, "month", "passengers", "1961-01", "1960-07"),
                                                 (quarters, "quarter", "gdp", "2009Q4", "2008Q4")):
        frame.to_csv(tmp_path / f"{column}.csv", index=False)
        out = tmp_path / column
        assert main(["forecast", str(tmp_path / f"{column}.csv"), "--time-column", column, "--target-column", target,
                     "--horizon", "4" if column == "quarter" else "6", "--max-epochs", "1", "--hidden-size", "4",
                     "--model", "direct", "--folds", "1", "--out", str(out)]) == 0
        forecast = pd.read_csv(out / "forecast.csv", dtype=str)
        assert forecast[column].iloc[0] == first  # not 1961-01-01 / 2009-10-01
        assert pd.read_csv(out / "backtest.csv", dtype=str)["origin"].iloc[0] == origin
        assert json.loads((out / "report.json").read_text())["results"]["forecast"]["time"][0] == first


# F9-14 -----------------------------------------------------------------------------------------------------------
def test_f9_14_the_sktime_adapter_names_a_float_index_of_years_and_how_to_give_it():
    import statsmodels.api as sm

    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    data = sm.datasets.sunspots.load_pandas().data  # YEAR 1700.0 .. 2008.0
    y = pd.Series(data.SUNACTIVITY.to_numpy(), index=pd.Index(data.YEAR.to_numpy()))
    with pytest.raises(ValueError) as e:
        sktime.RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(y, fh=[1, 2])
    assert one_line(e) == ("RnnkitForecaster.fit: y's index holds floats (1700.0, 1701.0, 1702.0, ...), which sktime "
                           "reads as no time index; whole numbers (years?) as integers: y.index = y.index.astype(int) "
                           "(or years as periods: y.index = pd.PeriodIndex(y.index.astype(int), freq='Y'))")
    with pytest.raises(ValueError, match=r"holds floats \(1700\.5, 1701\.5, 1702\.5, \.\.\.\), which sktime reads as "
                                         r"no time index; give an integer, period or datetime index, or use "
                                         r"rnnkit\.Forecaster"):
        sktime.RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(y.set_axis(y.index + 0.5), fh=[1])
    y.index = pd.PeriodIndex(y.index.astype(int), freq="Y")  # the advice followed
    f = sktime.RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(y, fh=[1, 2])
    assert [str(p) for p in f.predict().index] == ["2009", "2010"]


# F9-15 -----------------------------------------------------------------------------------------------------------
def test_f9_15_a_panel_reads_dates_of_one_other_format_as_the_forecaster_does():
    vega = pytest.importorskip("vega_datasets")
    weather = vega.data.seattle_weather().iloc[:90]  # daily from 2012-01-01: days past 12 make it day-first
    long = pd.concat([pd.DataFrame({"id": c, "ds": weather["date"].dt.strftime("%d/%m/%Y"), "y": weather[c]})
                      for c in ("temp_max", "temp_min")])
    g = gquick().fit(long, id_col="id", time_col="ds", target="y")
    assert g.predict()["ds"].iloc[:3].tolist() == list(pd.date_range("2012-03-31", periods=3, freq="D"))
    f = quick().fit(pd.Series(weather["temp_max"].to_numpy(), index=long["ds"].iloc[:90].to_numpy()))
    assert list(f.predict().index) == list(pd.date_range("2012-03-31", periods=3, freq="D"))  # the same reading
    both = long.assign(ds=weather["date"].dt.strftime("%m/01/%Y").tolist() * 2)  # 01/02/2012: 1 Feb or 2 Jan
    with pytest.raises(ValueError) as e:
        gquick().fit(both, id_col="id", time_col="ds", target="y")
    assert one_line(e) == ("the time column 'ds' holds dates that read two ways (%m/%d/%Y or %d/%m/%Y: '01/01/2012' is "
                           "either); give 'ds' as datetimes (pd.to_datetime(data['ds'], format=...)) or as ISO dates "
                           "(YYYY-MM-DD)")
