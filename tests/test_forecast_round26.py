"""The twenty-sixth round: real series as users bring them to the forecasters and the time-series utilities.
Covariates on a finer grid than the series with a horizon of 1 or before the first forecast time (F26-01), the
sktime adapter's ``fh`` in the past (F26-02), ``backtest(y, X)``'s refusals named by backtest (F26-03), the
differences of int8 (F26-04), an index of ``datetime.date`` for the frame (F26-05), a Series named with a tuple and
a frame of MultiIndex columns (F26-06), two targets for the global model (F26-07), ``season_length='12M'``
(F26-08), quantile levels as text (F26-09 and, for the adapter, F26-10), a category of numbers in ``X`` (F26-11),
and ``calendar_features`` of a Series of values (F26-12)."""

import datetime

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, tiny_forecaster

import rnnkit
from rnnkit.data.timeseries import TimeSeriesFrame, calendar_features, difference, split_by_time, undifference


def _airline(n: int = 40) -> pd.Series:
    """Box & Jenkins' airline passengers from 1949-01 on a PeriodIndex, as sktime gives them."""
    pm = pytest.importorskip("pmdarima.datasets")
    return pd.Series(pm.load_airpassengers().astype(float)[:n], name="passengers",
                     index=pd.period_range("1949-01", periods=n, freq="M"))


def _co2(n: int = 120) -> pd.Series:
    """statsmodels' co2, weekly on Saturdays (W-SAT), its gaps interpolated."""
    sm = pytest.importorskip("statsmodels.datasets.co2")
    return sm.load_pandas().data["co2"].interpolate().iloc[:n]


def _macro() -> pd.DataFrame:
    """statsmodels' macrodata (quarterly, 1959Q1 .. 2009Q3) indexed by its quarters."""
    sm = pytest.importorskip("statsmodels.datasets.macrodata")
    m = sm.load_pandas().data
    return m.set_axis(pd.period_range("1959Q1", periods=len(m), freq="Q"))


def _tiny_global(**params) -> rnnkit.GlobalForecaster:
    return rnnkit.GlobalForecaster(**{"lookback": 4, "horizon": 2, "hidden_size": 4, "max_epochs": 1,
                                      "random_state": 0, **params})


# -- F26-01: X on a finer grid, checked over all of its rows --------------------------------------------------
def test_F26_01_X_of_days_is_refused_with_a_horizon_of_one_and_before_the_first_forecast_time():
    co2 = _co2()
    X = pd.DataFrame({"week": np.arange(120.0) % 52}, index=co2.index)
    daily = pd.DataFrame({"week": np.arange(7.0)}, index=pd.date_range("1960-07-16", periods=7, freq="D"))
    one = tiny_forecaster(horizon=1).fit(co2, X)
    with pytest.raises(ValueError) as e:
        one.predict(X=daily)  # before: Saturday's row read, the six other days dropped
    assert one_line(e) == ("X has rows between the series' timestamps (1960-07-17, between 1960-07-16 and "
                           "1960-07-23, ...), a finer grid than the series', and only its rows at the forecast "
                           "timestamps would be read; aggregate it onto the series' grid (X.resample('W-SAT')"
                           ".mean(), with the bins' labels at the forecast timestamps)")
    np.testing.assert_array_equal(one.predict(X=daily.resample("W-SAT").mean()), one.predict(X=daily.iloc[:1]))
    three = tiny_forecaster(horizon=3).fit(co2, X)
    days = pd.date_range("1960-07-02", "1960-07-16", freq="D").append(pd.DatetimeIndex(["1960-07-23", "1960-07-30"]))
    with pytest.raises(ValueError) as e:  # days before the first forecast Saturday, then the three Saturdays
        three.predict(X=pd.DataFrame({"week": np.arange(17.0)}, index=days))
    assert one_line(e).startswith("X has rows between the series' timestamps (1960-07-03, between 1960-07-02 and "
                                  "1960-07-09, ...)")
    weeks = pd.DataFrame({"week": np.arange(5.0)}, index=pd.date_range("1960-07-02", periods=5, freq="W-SAT"))
    assert len(three.predict(X=weeks)) == 3  # past rows on the series' grid are no finer grid


def test_F26_01_X_of_months_before_the_forecast_quarters_is_refused():
    m = _macro()
    f = tiny_forecaster(horizon=2).fit(m["realgdp"], m[["infl"]])
    months = pd.PeriodIndex(["2009-07", "2009-08", "2009-09", "2009-10", "2010-01"], freq="M")
    with pytest.raises(ValueError) as e:  # before: October and January read as 2009Q4 and 2010Q1
        f.predict(X=pd.DataFrame({"infl": [1.0, 2, 3, 4, 5]}, index=months))
    assert one_line(e) == ("X has 3 rows within the period 2009Q3 (2009-07 .. 2009-09), a finer grid than the "
                           "series' ('Q-DEC'), and one row is read per period; aggregate them to its periods, "
                           "X.groupby(X.index.asfreq('Q-DEC')).mean() (or .sum(), .last())")


# -- F26-02: the adapter's fh in the past ------------------------------------------------------------------------
def test_F26_02_the_adapters_fh_in_the_past_names_historical_forecasts_and_backtest():
    pytest.importorskip("sktime")
    from sktime.forecasting.base import ForecastingHorizon

    from rnnkit.forecast.sktime import RnnkitForecaster

    y = _airline()
    f = RnnkitForecaster(model="direct", lookback=4, hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(NotImplementedError) as e:
        f.fit(y, fh=[-1, 1])
    assert one_line(e) == ("RnnkitForecaster.fit: fh holds -1, at or before y's end 1952-04 (in-sample), and the "
                           "model forecasts only after its cutoff: fit with steps ahead (fh=[1, 2, ...]); for what it "
                           "forecasts at past times, fit, then forecaster_.historical_forecasts() (the fitted model's "
                           "forecasts from every origin of y), or rnnkit.forecast.backtest(forecaster_, y) (refitted "
                           "on the past of each origin)")
    with pytest.raises(NotImplementedError, match=r"fh holds 1952-03, 1952-04, at or before y's end 1952-04"):
        f.fit(y, fh=ForecastingHorizon(pd.period_range("1952-03", periods=4, freq="M"), is_relative=False))
    past = f.fit(y, fh=[1]).forecaster_.historical_forecasts()
    assert past.index[-1] == pd.Period("1952-04", "M")  # the last origin: the series' end
    assert rnnkit.forecast.backtest(f.forecaster_, y, folds=1).index.tolist() == [pd.Period("1952-04", "M")]


# -- F26-03: backtest(y, X)'s refusals ---------------------------------------------------------------------------
def test_F26_03_refusals_of_backtest_y_X_name_backtest():
    m = _macro().iloc[:40]
    with pytest.raises(ValueError) as e:
        tiny_forecaster().backtest(m["realgdp"], m["infl"].rename(None), folds=1)
    assert one_line(e) == "backtest(y, X): X is an unnamed Series; name it (X.rename('promo')) or pass a DataFrame"
    with pytest.raises(ValueError, match=r"^backtest\(y, X\): X holds y's 30 timestamps and 10 other row"):
        tiny_forecaster().backtest(m["realgdp"].iloc[:30], m[["infl"]].iloc[::-1], folds=1)


# -- F26-04: differences of narrow signed integers ------------------------------------------------------------
def test_F26_04_differences_of_int8_are_not_wrapped():
    counts = (_airline(12).to_numpy() - 120).astype(np.int8)  # -8 .. 28 as int8, a reading stored small
    x = np.array([100, 120, -100, 127, -128, 5], dtype=np.int8)
    d, head = difference(x)  # before: int8, 120 - (-100) wrapped to -36
    assert d.tolist() == [20, -220, 227, -255, 133] and d.dtype == np.int64
    np.testing.assert_array_equal(undifference(d, head), x[1:])
    np.testing.assert_array_equal(undifference(*difference(counts, 4)), counts[4:])


# -- F26-05: the frame of an index of datetime.date -------------------------------------------------------------
def test_F26_05_an_index_of_python_dates_is_read_as_dates():
    y = _airline(24)
    dates = [datetime.date(1949 + i // 12, i % 12 + 1, 1) for i in range(24)]  # df['d'].dt.date, a database's
    frame = TimeSeriesFrame.from_pandas(y.set_axis(dates))  # before: "neither dates nor numbers"
    assert frame.time.equals(pd.date_range("1949-01-01", periods=24, freq="MS")) and frame.time_name == "index"
    assert split_by_time(frame, test_start=datetime.date(1950, 7, 1)).test == range(18, 24)


# -- F26-06: names given as tuples ------------------------------------------------------------------------------
def test_F26_06_a_series_named_with_a_tuple_is_forecast_under_the_tuple(tmp_path):
    y = _airline().rename(("passengers", "total"))  # df[('passengers', 'total')] of MultiIndex columns
    f = tiny_forecaster().fit(y)
    assert f.predict().name == ("passengers", "total")  # before: the text "('passengers', 'total')"
    f.save(tmp_path)
    assert rnnkit.Forecaster.load(tmp_path).predict().name == ("passengers", "total")
    frame = pd.DataFrame({("passengers", "total"): y, ("passengers", "double"): y * 2})  # MultiIndex columns
    p = tiny_forecaster().fit(frame).predict()
    assert p.columns.equals(frame.columns)  # before: the text "('passengers', 'total')", ...
    assert list(tiny_forecaster(quantiles=[0.1, 0.5, 0.9]).fit(frame).predict().columns[:1]) == [
        (("passengers", "total"), 0.1)]
    X = pd.DataFrame({"month": np.arange(40.0) % 12}, index=y.index)
    future = pd.DataFrame({"month": [4.0, 5.0]}, index=pd.period_range("1952-05", periods=2, freq="M"))
    assert tiny_forecaster().fit(y, X).predict(X=future).name == ("passengers", "total")


# -- F26-07: two targets for the global model -------------------------------------------------------------------
def test_F26_07_two_targets_for_the_global_model_are_refused_with_one_per_model():
    m = _macro().iloc[:40]
    long = pd.DataFrame({"unique_id": "us", "ds": m.index.to_timestamp(), "realgdp": m["realgdp"].to_numpy(),
                         "realcons": m["realcons"].to_numpy()})
    with pytest.raises(ValueError) as e:  # before: pandas' TypeError: unhashable type: 'list'
        _tiny_global().fit(long, target=["realgdp", "realcons"])
    assert one_line(e) == ("target=['realgdp', 'realcons'] names 2 columns, and the GlobalForecaster forecasts one "
                           "target column of each series; fit one model per column (target='realgdp'), or forecast "
                           "the columns of one series together with rnnkit.Forecaster(horizon=...).fit(series"
                           "[columns]), whose targets are every column")
    assert len(_tiny_global(quantiles=None).fit(long, target="realgdp").predict()) == 2


# -- F26-08: season_length as a pandas offset -------------------------------------------------------------------
def test_F26_08_season_length_given_as_an_offset_names_the_steps():
    fix = ("'12M' reads as a time span (a pandas offset), but season_length counts the series' steps in one season: "
           "give their number (season_length=12 for a yearly season of monthly steps, 7 for a weekly one of daily "
           "steps, 24 for a daily one of hourly steps), or 'auto' (the season of the series' frequency)")
    y = _airline()
    with pytest.raises(ValueError) as e:
        tiny_forecaster(season_length="12M").fit(y)
    assert one_line(e) == f"Forecaster: season_length must be an integer >= 1 or 'auto', got '12M'; {fix}"
    with pytest.raises(ValueError) as e:
        tiny_forecaster().backtest(y, folds=1, season_length="12M")
    assert one_line(e) == f"season_length must be an integer >= 1, got '12M'; {fix}"
    with pytest.raises(ValueError) as e:
        _tiny_global(season_length="12M").fit(pd.DataFrame({"unique_id": "a", "ds": y.index, "y": y.to_numpy()}))
    assert one_line(e).endswith(fix)
    with pytest.raises(ValueError, match=r"got '12'; '12' is text: give the number, season_length=12$"):
        tiny_forecaster(season_length="12").fit(y)
    assert tiny_forecaster(season_length=12).fit(y).season_length_ == 12


# -- F26-09: quantile levels as text ----------------------------------------------------------------------------
def test_F26_09_quantile_levels_as_text_or_percentages_name_the_numbers():
    y = _airline()
    with pytest.raises(ValueError) as e:
        tiny_forecaster(quantiles=["0.1", "0.5", "0.9"]).fit(y)
    assert one_line(e) == ("Forecaster: quantiles must be None or strictly increasing levels in (0, 1) that include "
                           "the median 0.5, e.g. (0.1, 0.5, 0.9); got ['0.1', '0.5', '0.9']; the levels are text: "
                           "give them as numbers, quantiles=[0.1, 0.5, 0.9]")
    with pytest.raises(ValueError, match=r"got \[10, 50, 90\]; 10 reads as a percentage: give fractions, "
                                         r"quantiles=\[0\.1, 0\.5, 0\.9\]$"):
        _tiny_global(quantiles=[10, 50, 90]).fit(pd.DataFrame({"unique_id": "a", "ds": y.index, "y": y.to_numpy()}))
    assert tiny_forecaster(quantiles=[0.1, 0.5, 0.9]).fit(y).predict().shape == (2, 3)


def test_F26_10_the_adapters_coverage_and_alpha_as_text_name_the_numbers():
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    f = RnnkitForecaster(model="direct", lookback=4, quantiles=[0.1, 0.5, 0.9], hidden_size=4, max_epochs=1,
                         random_state=0).fit(_airline(), fh=[1, 2])
    with pytest.raises(ValueError) as e:  # before: TypeError: '<' not supported between 'int' and 'str'
        f.predict_interval(coverage="0.8")
    assert one_line(e) == ("RnnkitForecaster.predict_interval: coverage holds '0.8', and every coverage is a fraction "
                           "in (0, 1) (coverage=0.8: an 80% interval); '0.8' is text: give the number, coverage=0.8")
    with pytest.raises(ValueError, match=r"'0\.1' is text: give the numbers, alpha=\[0\.1, 0\.9\]$"):
        f.predict_quantiles(alpha=["0.1", "0.9"])
    assert f.predict_interval(coverage=0.8).shape == (2, 2)


# -- F26-11: a category of numbers in X ------------------------------------------------------------------------
def test_F26_11_a_category_of_numbers_in_X_names_astype_float():
    y = _airline()
    X = pd.DataFrame({"promo": np.arange(40) % 3 == 0, "quarter": pd.Categorical(y.index.quarter)}, index=y.index)
    with pytest.raises(ValueError) as e:  # before: "not numbers (e.g. np.int64(1))"
        tiny_forecaster().fit(y, X)
    assert one_line(e) == ("fit(y, X): X column 'quarter' has dtype category, of the numbers 1, 2, 3, ..., and a "
                           "covariate is read as numbers; give them as numbers, X['quarter'] = X['quarter']"
                           ".astype(float), or, where they are codes of classes with no order, encode them "
                           "(pd.get_dummies(X, columns=['quarter'], dtype=float))")
    X["quarter"] = X["quarter"].astype(float)
    f = tiny_forecaster().fit(y, X)  # the bool column is read as 0 / 1
    future = X.iloc[:2].set_axis(pd.period_range("1952-05", periods=2, freq="M"))
    assert f.future_covariates_ == ("promo", "quarter") and len(f.predict(X=future)) == 2


# -- F26-12: calendar features of a Series of values ---------------------------------------------------------
def test_F26_12_calendar_features_of_a_series_of_values_name_its_index():
    times = pd.date_range("2024-01-01 23:00", periods=3, freq="h", tz="Asia/Kolkata")
    series = pd.Series([1.0, 2.0, 3.0], index=times)
    with pytest.raises(ValueError) as e:  # before: its values read as nanoseconds since 1970
        calendar_features(series, ("hour",))
    assert one_line(e) == ("calendar_features reads times, but got a Series of numbers indexed by times (2024-01-01 "
                           "23:00:00+05:30, ...): its values would be read as nanoseconds since 1970; pass its "
                           "index, calendar_features(data.index)")
    values, _ = calendar_features(series.index, ("hour",))
    np.testing.assert_allclose(values[:, 0], np.sin(2 * np.pi * np.array([23, 0, 1]) / 24), atol=1e-12)


def test_F26_13_auto_on_a_series_too_short_to_validate_says_it_forecasts_naive():
    """Forecaster(horizon=50) on 40 daily rows: model='auto' forecast all 50 steps by the naive forecast, the reason
    only in choices_; now warned of, with the rows it needs; a series long enough gives no such warning."""
    import warnings

    import numpy as np
    import pandas as pd

    from rnnkit.forecast import Forecaster

    y = pd.Series(np.arange(40.0), index=pd.date_range("2020-01-01", periods=40, freq="D"))
    with pytest.warns(UserWarning, match=r"Forecaster: 40 rows are too few to validate the candidates of "
                                         r"model='auto' for horizon 50 \(it needs horizon \+ max\(2 horizon, 10\) = "
                                         r"150\), so it forecasts the naive forecast, the last value at every step"):
        f = Forecaster(horizon=50, max_epochs=1, hidden_size=4, random_state=0).fit(y)
    assert f.model_kind_ == "naive"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Forecaster(horizon=2, max_epochs=1, hidden_size=4, random_state=0, model="auto").fit(y.iloc[:15])
    assert not [w for w in caught if "too few to validate" in str(w.message)]
