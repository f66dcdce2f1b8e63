"""Fourteenth round (14b): the forecasters' index kinds and covariates, on real series.

One test per case of the catalogue (ids F14-01, F14-02, ...); each fails on the commit before its fix.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import one_line
from helpers import tiny_forecaster as tiny

import rnnkit
from rnnkit.forecast import errors
from rnnkit.forecast.evaluation import mase_scale

pm = pytest.importorskip("pmdarima.datasets")


def passengers() -> np.ndarray:
    """pmdarima's airpassengers: monthly totals 1949-01 .. 1960-12, given without dates."""
    return pm.load_airpassengers()


def yearly_text() -> pd.Series:
    """The yearly totals indexed by years written as text, as a CSV read without parse_dates gives them."""
    totals = passengers().reshape(12, 12).sum(axis=1)
    return pd.Series(totals, index=pd.Index([str(1949 + k) for k in range(12)], name="year"), name="passengers")


def test_F14_01_times_written_as_text_come_back_as_text_in_the_same_form(tmp_path):
    y = yearly_text()
    f = tiny().fit(y)
    p = f.predict()
    assert p.index.tolist() == ["1961", "1962"] and p.index.name == "year"
    assert f.historical_forecasts().index[0] == "1953"
    f.save(tmp_path / "m")
    assert rnnkit.Forecaster.load(tmp_path / "m").predict().index.tolist() == ["1961", "1962"]
    months = pd.Series(passengers()[:40], index=[str(t) for t in pd.period_range("1949-01", periods=40, freq="M")])
    assert tiny().fit(months).predict().index.tolist() == ["1952-05", "1952-06"]
    quarters = pd.Series(passengers()[:40], index=[str(t) for t in pd.period_range("1949Q1", periods=40, freq="Q")])
    assert tiny().fit(quarters).predict().index.tolist() == ["1959Q1", "1959Q2"]
    days = pd.Series(passengers()[:40], index=[str(t.date()) for t in pd.date_range("1949-01-02", periods=40,
                                                                                       freq="W-SUN")])
    X = pd.DataFrame({"promo": np.arange(40.0) % 3}, index=days.index)
    g = tiny().fit(days, X)
    p = g.predict(X=pd.DataFrame({"promo": [1.0, 2.0]}, index=["1949-10-09", "1949-10-16"]))
    assert p.index.tolist() == ["1949-10-09", "1949-10-16"]


def test_F14_02_text_times_in_another_form_are_warned_of_naming_the_forecasts_index():
    y = pd.Series(passengers()[:40], index=[t.strftime("%b %Y") for t in pd.date_range("1949-01", periods=40,
                                                                                          freq="MS")])
    with pytest.warns(UserWarning, match="holds times as text") as w:
        p = tiny().fit(y).predict()
    message = str(next(x.message for x in w if "as text" in str(x.message)))
    assert "('Jan 1949', ...)" in message and "by timestamps (1952-05-01, ...)" in message, message
    assert isinstance(p.index, pd.DatetimeIndex) and p.index[0] == pd.Timestamp("1952-05-01")
    gap = yearly_text().drop("1952")  # resampled onto the years' grid, as the uneven-steps message advises
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert tiny().fit(gap, freq="YS").predict().index.tolist() == ["1961", "1962"]


def test_F14_03_backtest_gives_text_times_back_as_text():
    table, forecasts = tiny().backtest(yearly_text(), folds=2, return_forecasts=True)
    assert table.index.tolist() == ["1957", "1959"]
    assert forecasts.index.tolist() == ["1957", "1958", "1959", "1960"]
    assert forecasts["origin"].tolist() == ["1957", "1957", "1959", "1959"]


def test_F14_04_the_panel_gives_a_time_column_of_text_back_as_text(tmp_path):
    values = passengers()
    data = pd.concat([pd.DataFrame({"unique_id": k, "ds": [str(t) for t in pd.period_range("1949Q1", periods=24,
                                                                                              freq="Q")],
                                    "y": values[24 * i : 24 * i + 24]}) for i, k in enumerate("ab")])
    g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct",
                                random_state=0).fit(data)
    assert g.predict()["ds"].tolist() == ["1955Q1", "1955Q2"] * 2
    g.save(tmp_path / "g")
    assert rnnkit.GlobalForecaster.load(tmp_path / "g").predict()["ds"].tolist()[:2] == ["1955Q1", "1955Q2"]
    labels = data.assign(ds=pd.PeriodIndex(data["ds"], freq="Q").strftime("Q%q %Y"))  # 'Q1 1949': read, warned
    with pytest.warns(UserWarning, match="GlobalForecaster.fit: the time column 'ds' holds times as text "
                                         "\\('Q1 1949', ...\\), read as dates; the forecasts are indexed by "
                                         "timestamps \\(1955-01-01, ...\\)"):
        g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct",
                                    random_state=0).fit(labels)
    assert g.predict()["ds"].iloc[0] == pd.Timestamp("1955-01-01")


def test_F14_05_the_sktime_adapter_refuses_a_text_index_saying_how_to_give_periods():
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    with pytest.raises(ValueError) as e:
        RnnkitForecaster(lookback=4, hidden_size=4, max_epochs=1, random_state=0).fit(yearly_text(), fh=[1, 2])
    message = one_line(e)
    assert "y's index holds text ('1949', ...)" in message, message
    assert "y.index = pd.PeriodIndex(y.index, freq='Y')" in message, message


def test_F14_06_a_known_future_covariate_missing_at_its_last_steps_is_warned_of_at_fit_and_predict():
    index = pd.period_range("1949-01", periods=40, freq="M")
    y = pd.Series(passengers()[:40], index=index, name="passengers")
    X = pd.DataFrame({"holidays": np.arange(40.0) % 12 == 11}, index=index).astype(float)
    X.iloc[-2:, 0] = np.nan
    with pytest.warns(UserWarning, match="known-future covariate 'holidays' is missing at its last 2 step") as w:
        f = tiny().fit(y, X)
    message = str(next(x.message for x in w if "known-future" in str(x.message)))
    assert "(1952-03 .. 1952-04)" in message and "the last at 1952-02" in message, message
    after = pd.DataFrame({"holidays": [0.0, 0.0]}, index=pd.period_range("1952-05", periods=2, freq="M"))
    with pytest.warns(UserWarning, match="Forecaster.predict: known-future covariate 'holidays'"):
        f.predict(data=y.to_frame().join(X), X=after)
    with pytest.raises(ValueError, match="X column 'holidays' is missing \\(NaN\\) at 1952-06"):
        f.predict(X=after.assign(holidays=[0.0, np.nan]))


def test_F14_07_errors_warns_of_an_undefined_mase_as_backtest_does():
    history = np.full((24, 1), 112.0)  # a constant stretch: the seasonal naive's in-sample MAE is 0
    with pytest.warns(UserWarning, match="errors: MASE is NaN: the scale of column\\(s\\) 0 \\(scale 0\\)"):
        scores = errors(passengers()[24:26, None], history[:2], mase_scale(history, 12))
    assert np.isnan(scores["mase"]) and scores["mae"] == pytest.approx(np.mean(passengers()[24:26]) - 112.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert errors(passengers()[24:26, None], history[:2], np.array([1.0]))["mase"] > 0


def test_F14_08_a_future_x_indexed_by_years_as_numbers_for_text_years_is_told_to_give_text():
    y = yearly_text()
    X = pd.DataFrame({"fleet": np.arange(12.0)}, index=y.index)
    f = tiny().fit(y, X)
    with pytest.raises(ValueError) as e:
        f.predict(X=pd.DataFrame({"fleet": [12.0, 13.0, 14.0]}, index=[1961, 1962, 1963]))
    message = one_line(e)
    assert "its index holds int64 numbers, not timestamps: the series' times are text, so give X's as text too " \
           "(X.set_axis(X.index.astype(str)))" in message, message
    fleet = pd.DataFrame({"fleet": [12.0, 13.0, 14.0]}, index=[1961, 1962, 1963])
    assert f.predict(X=fleet.set_axis(fleet.index.astype(str))).index.tolist() == ["1961", "1962"]
