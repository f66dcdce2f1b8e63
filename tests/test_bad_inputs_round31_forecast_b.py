"""The thirty-first round, second pass: the forecasters' covariates as a practitioner gives them. A known-future
covariate that held one value in every fitted row (a promotion never run in the history), given another over the
horizon (F31-05)."""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line

import rnnkit


def _monthly(n: int = 40) -> pd.Series:
    rng = np.random.default_rng(0)
    t = pd.date_range("2000-01-01", periods=n, freq="MS")
    return pd.Series(50 + 10 * np.sin(np.arange(n) / 3) + rng.normal(size=n), index=t, name="sales")


def test_F31_05_a_covariate_constant_at_fit_is_refused_where_the_horizon_moves_it():
    y = _monthly()
    X = pd.DataFrame({"promo": 0.0}, index=y.index)  # never run in the history
    f = rnnkit.Forecaster(horizon=3, lookback=6, model="direct", hidden_size=4, max_epochs=1, random_state=0)
    f.fit(y, X=X)
    t = pd.date_range("2003-05-01", periods=3, freq="MS")
    same = f.predict(X=pd.DataFrame({"promo": 0.0}, index=t))  # the fitted value: read as at fit
    assert np.isfinite(same.to_numpy()).all()
    with pytest.raises(ValueError) as e:  # before: a forecast moved by the untrained weights, without a word
        f.predict(X=pd.DataFrame({"promo": [0.0, 1.0, 1.0]}, index=t))
    assert one_line(e).startswith("X column 'promo' is 1 at 2003-06-01")
    assert "it was 0 in every one of the 40 fitted rows, so the model learned no effect of it" in str(e.value)

    rng = np.random.default_rng(1)
    days = pd.date_range("2020-01-01", periods=20, freq="D")
    panel = pd.concat([pd.DataFrame({"id": k, "ds": days, "y": level + rng.normal(size=20), "promo": 0.0})
                       for k, level in [("a", 10.0), ("b", 100.0)]], ignore_index=True)
    g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, random_state=0, season_length=1)
    g.fit(panel, id_col="id", time_col="ds", target="y", future_covariates=["promo"])
    ahead = pd.date_range("2020-01-21", periods=2, freq="D")
    future = pd.DataFrame({"id": ["a", "a", "b", "b"], "ds": list(ahead) * 2, "promo": [0.0, 0.0, 1.0, 0.0]})
    with pytest.raises(ValueError) as e:
        g.predict(future=future)
    assert one_line(e).startswith("series 'b': future column 'promo' is 1 at 2020-01-21")
    assert "0 in every one of the 40 fitted rows of every series" in str(e.value)
    newer = panel.assign(promo=np.where(panel["ds"] >= "2020-01-19", 1.0, 0.0))  # the lookback the net reads
    with pytest.raises(ValueError) as e:
        g.predict(data=newer, future=future.assign(promo=0.0))
    assert one_line(e).startswith("series 'a': data column 'promo' is 1 at 2020-01-19, but it was 0 in every one")


def test_F31_06_a_past_covariate_constant_at_fit_is_refused_where_data_moves_it():
    y = _monthly()
    fitted = pd.DataFrame({"sales": y, "temp": 0.0})  # a sensor that read 0 throughout the history
    f = rnnkit.Forecaster(horizon=3, lookback=6, model="direct", hidden_size=4, max_epochs=1, random_state=0)
    f.fit(fitted, targets=["sales"])
    assert f.covariates_ == ("temp",)
    assert np.allclose(f.predict(data=fitted).to_numpy(), f.predict().to_numpy())  # the fitted value: read as at fit
    newer = fitted.assign(temp=np.r_[np.zeros(37), [np.nan, 5.0, 5.0]])
    with pytest.raises(ValueError) as e:  # before: a forecast moved by the untrained weights, without a word
        f.predict(data=newer)
    assert one_line(e).startswith("data column 'temp' is 5 at 2003-03-01, but it was 0 in every one of the 40 fitted")


def test_F31_07_a_panels_future_with_zoned_times_for_a_naive_series_names_the_column_and_a_fix_that_works():
    rng = np.random.default_rng(2)
    days = pd.date_range("2020-01-01", periods=20, freq="D")
    panel = pd.concat([pd.DataFrame({"id": k, "ds": days, "y": level + rng.normal(size=20),
                                     "promo": (np.arange(20) % 3 == 0) * 1.0})
                       for k, level in [("a", 10.0), ("b", 100.0)]], ignore_index=True)
    g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, random_state=0, season_length=1,
                                model="direct")
    g.fit(panel, id_col="id", time_col="ds", target="y", future_covariates=["promo"])
    ahead = pd.date_range("2020-01-21", periods=2, freq="D", tz="UTC")
    future = pd.DataFrame({"id": ["a", "a", "b", "b"], "ds": list(ahead) * 2, "promo": [0.0, 1.0, 1.0, 0.0]})
    with pytest.raises(ValueError) as e:  # before: "future's index is in time zone UTC … future.tz_localize(None)"
        g.predict(future=future)
    assert one_line(e) == ("series 'a': future's column 'ds' holds times in the zone UTC, but the series has none; "
                           "drop it with future.assign(ds=future['ds'].dt.tz_localize(None))")
    fixed = g.predict(future=future.assign(ds=future["ds"].dt.tz_localize(None)))
    assert np.isfinite(fixed["y"].to_numpy()).all()


def test_F31_08_fit_reads_an_X_of_ys_timestamps_in_another_order_by_label():
    sm = pytest.importorskip("statsmodels.api")
    m = sm.datasets.macrodata.load_pandas().data.iloc[:60]
    m.index = pd.PeriodIndex.from_fields(year=m["year"].astype(int), quarter=m["quarter"].astype(int), freq="Q")
    y, X = m["realgdp"].iloc[:-3], m[["unemp"]]
    f = lambda: rnnkit.Forecaster(horizon=3, lookback=6, model="direct", hidden_size=4, max_epochs=1,  # noqa: E731
                                  random_state=0)
    # before: "X's index must equal y's (57 rows, 1959Q1 .. 1972Q4); X has 57 rows, 1972Q4 .. 1959Q1: give X one
    # row per timestamp of y, in the same order" for an X exported newest first
    newest_first = f().fit(y, X=X.iloc[:-3].iloc[::-1]).predict(X=X.iloc[-3:])
    in_order = f().fit(y, X=X.iloc[:-3]).predict(X=X.iloc[-3:])
    pd.testing.assert_series_equal(newest_first, in_order)


def test_F31_09_backtest_names_the_fold_whose_training_rows_never_saw_a_covariate_vary():
    y = _monthly()
    X = pd.DataFrame({"promo": np.r_[np.zeros(36), np.ones(4)]}, index=y.index)  # a promotion run from month 37
    f = rnnkit.Forecaster(horizon=3, lookback=6, model="direct", hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError) as e:  # before: fold 0 scored a forecast moved by untrained weights, no word
        f.backtest(y, X=X, folds=2)
    assert one_line(e).startswith("backtest: fold 0 (origin 2002-11-01): X column 'promo' is 1 at 2003-01-01, but "
                                  "it was 0 in every one of the 34 training rows")
    assert "use fewer folds, whose training rows see 'promo' vary, or drop it" in str(e.value)
    assert len(f.backtest(y, X=X, folds=1)) == 1  # its training rows hold the promotion's first month


def test_F31_10_historical_forecasts_of_new_data_refuse_a_covariate_constant_at_fit_that_moves_there():
    y = _monthly()
    X = pd.DataFrame({"promo": np.r_[np.zeros(36), np.ones(4)]}, index=y.index)
    f = rnnkit.Forecaster(horizon=3, lookback=6, model="direct", hidden_size=4, max_epochs=1, random_state=0)
    f.fit(y.iloc[:30], X=X.iloc[:30])  # the promotion starts after the fitted rows
    data = pd.concat([y, X], axis=1)
    assert len(f.historical_forecasts(data=data.iloc[:36])) == 36 - 6 - 3 + 1  # promo 0 throughout: as fitted
    with pytest.raises(ValueError) as e:  # before: the origins from 2003-01 read it through untrained weights
        f.historical_forecasts(data=data)
    assert one_line(e).startswith("data column 'promo' is 1 at 2003-01-01, but it was 0 in every one of the 30 fitted")
