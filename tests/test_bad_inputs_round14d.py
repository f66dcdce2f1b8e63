"""Fourteenth round (14d): loose ends of the forecasters (times in warnings as given, pandas' parsing notice, daily
bins of readings at noon).

One test per case of the catalogue (ids P14-01, P14-02, ...); each fails on the commit before its fix.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import tiny_forecaster as tiny
from helpers import user_warnings

from rnnkit.data.timeseries import TimeSeriesFrame

pm = pytest.importorskip("pmdarima.datasets")


def test_P14_01_the_warnings_of_values_missing_at_the_end_name_periods_and_text_times_as_given():
    index = pd.period_range("1949-01", periods=40, freq="M")  # airpassengers 1949-01 .. 1952-04, monthly periods
    y = pd.Series(pm.load_airpassengers()[:40], index=index, name="passengers")
    late = y.copy()
    late.iloc[-2:] = np.nan  # March and April 1952 not reported yet
    # was: "(1952-03-01 .. 1952-04-01) ... after 1952-04-01 ... the last at 1952-02-01", the periods' first days
    for call, run in (("fit", lambda: tiny().fit(late)), ("predict", lambda: tiny().fit(y).predict(data=late))):
        [message] = user_warnings(run)
        assert message.startswith(f"Forecaster.{call}: target 'passengers' is missing at its last 2 step(s) "
                                  "(1952-03 .. 1952-04), so the forecast of the steps after 1952-04 starts from "
                                  "values imputed by impute='ffill', not from an observation (the last at 1952-02);"), \
            message
    X = pd.DataFrame({"holidays": np.arange(40.0) % 12 == 11, "sales": np.arange(40.0)}, index=index).astype(float)
    X.iloc[-2:] = np.nan  # a known-future flag (F14-06) and a past covariate (F13-11) missing at the end
    messages = user_warnings(lambda: tiny().fit(y.to_frame().join(X), targets=["passengers"],
                                                future_covariates=["holidays"]))
    assert [m.split(", so")[0] for m in messages] == [
        "Forecaster.fit: covariate 'sales' is missing at its last 2 step(s) (1952-03 .. 1952-04)",
        "Forecaster.fit: known-future covariate 'holidays' is missing at its last 2 step(s) (1952-03 .. 1952-04)"], \
        messages
    quarters = pd.Series(y.to_numpy()[:20], index=[f"{1974 + i // 4}Q{i % 4 + 1}" for i in range(20)])
    quarters.iloc[-1] = np.nan  # times given as text quarters come back as text quarters, in warnings too
    [message] = user_warnings(lambda: tiny().fit(quarters))
    assert "missing at its last 1 step(s) (1978Q4), so the forecast of the steps after 1978Q4" in message, message


def test_P14_02_text_quarters_read_as_a_time_column_bring_no_pandas_notice():
    df = pd.DataFrame({"quarter": [f"{1974 + i // 4}Q{i % 4 + 1}" for i in range(20)],
                       "lrm": pm.load_airpassengers()[:20].astype(float)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: pandas' "Could not infer format, so each element will be parsed ..."
        frame = TimeSeriesFrame.from_pandas(df, time_col="quarter")
        forecast = tiny().fit(df, time_col="quarter").predict()
    assert list(frame.time[:2]) == [pd.Timestamp("1974-01-01"), pd.Timestamp("1974-04-01")]
    assert list(forecast.index) == ["1979Q1", "1979Q2"]


def test_P14_03_daily_readings_at_noon_given_freq_d_are_warned_of_as_moved_to_midnight():
    days = pd.date_range("2020-01-01 12:00", periods=30, freq="D").delete([10])  # noon readings, a day missing
    y = pd.Series(pm.load_airpassengers()[:29], index=days, name="visitors")
    expected = ("freq='D': every timestamp is at 12:00:00 of its day (the first 2020-01-01 12:00:00), and daily "
                "bins are dated at midnight, so each time is moved to its day's midnight (2020-01-01 12:00:00 "
                "becomes 2020-01-01), and the forecasts are dated at midnight too; to keep 12:00:00, put the series "
                "on its own daily grid instead (data.reindex(pd.date_range('2020-01-01 12:00:00', '2020-01-30 "
                "12:00:00', freq='D')), the days missing as NaN) and leave freq='D' out")
    forecast = None

    def fit_daily():
        nonlocal forecast
        forecast = tiny().fit(y, freq="D").predict()

    assert user_warnings(fit_daily) == [expected]  # was: dated at midnight without a word
    assert list(forecast.index) == [pd.Timestamp("2020-01-31"), pd.Timestamp("2020-02-01")]
    assert user_warnings(lambda: TimeSeriesFrame.from_pandas(y.to_frame()).resample("D")) == [
        expected.replace("freq='D':", "TimeSeriesFrame.resample('D'):").replace("leave freq='D' out",
                                                                            "do not resample it")]
    on_grid = y.reindex(pd.date_range("2020-01-01 12:00:00", "2020-01-30 12:00:00", freq="D"))  # the fix taken
    assert [m for m in user_warnings(lambda: tiny().fit(on_grid).predict()) if "12:00" in m and "midnight" in m] == []
    assert tiny().fit(on_grid).predict().index[0] == pd.Timestamp("2020-01-31 12:00")
    midnights = y.set_axis(days.normalize())  # on the grid already: nothing moves, nothing is said
    assert user_warnings(lambda: tiny().fit(midnights, freq="D")) == []
