"""Round 39, forecasting: sMAPE of steps whose actual is 0, the band of a demand that is mostly 0 (from the
Forecaster and the GlobalForecaster), a forecast with NaN scored by errors(), and the baselines' season out of
range (a history shorter than one season, a season of 0 or -1)."""
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster, errors, seasonal_naive
from rnnkit.forecast.evaluation import mase_scale


def _intermittent(seed=0, n=60):
    """Daily sales of a slow item: 0 on about 85 % of days, the last day a sale of 6."""
    rng = np.random.default_rng(seed)
    v = np.where(rng.random(n) < 0.85, 0, rng.integers(1, 9, n)).astype(float)
    v[-1] = 6
    return pd.Series(v, index=pd.date_range("2024-01-01", periods=n, freq="D"), name="sales")


def _messages(record) -> list[str]:
    return [str(w.message) for w in record]


def test_F39_01_smape_of_an_actual_0_is_warned_of():
    # the left example of round 38: sMAPE 100, all of it from the two steps whose actual is 0
    actual, pred = np.array([0.0, 1, 2, 0]), np.array([0.5, 1, 2, 0.1])
    with pytest.warns(UserWarning, match=r"errors: sMAPE counts 200 % at each step whose actual is 0.*2 of the 4 "
                                         r"steps \(rows 0, 3\), 100 of its sMAPE of 100.*MAE or MASE"):
        scores = errors(actual, pred, 1.0)
    assert scores["smape"] == pytest.approx(100.0) and scores["mae"] == pytest.approx(0.15)  # the values as before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        errors(np.array([0.0, 1, 2, 0]), np.array([0.0, 1.5, 2, 0]), 1.0)  # a 0 forecast as 0: nothing to warn of
        errors(actual, pred, 1.0, warn=False)


def test_F39_01_backtest_warns_of_smape_once_per_target():
    f = Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, hidden_size=4, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        table = f.backtest(_intermittent(), folds=2)
    said = [m for m in _messages(record) if m.startswith("backtest: sMAPE")]
    assert len(said) == 1 and "'sales' has actuals of 0 in the test steps of fold(s) 0 (2024-02-24), 1 " \
        "(2024-02-27) that " \
        "forecaster forecast other than 0" in said[0]
    assert np.isfinite(table["smape"].to_numpy()).all()


def test_F39_02_a_mostly_0_demand_band_above_0_is_warned_of():
    f = Forecaster(horizon=3, model="direct", quantiles=(0.1, 0.5, 0.9), max_epochs=1, hidden_size=4,
                   random_state=0).fit(_intermittent())
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        p = f.predict()
    said = [m for m in _messages(record) if " is 0 at " in m]
    assert len(said) == 1 and said[0].startswith("Forecaster.predict: 'sales' is 0 at 82 % of its observed values "
                                                 "(49 of 60), but its q0.1 forecast is above 0")
    assert "CrostonSBA" in said[0] and "resample('W').sum()" in said[0]
    assert (p[0.1] > 0).any()  # the forecasts are as they were: a warning only
    with warnings.catch_warnings():  # the fix to silence it works
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".* is 0 at")
        f.predict()


def test_F39_02_a_panel_series_mostly_0_is_warned_of_by_its_id():
    rng = np.random.default_rng(1)
    y = _intermittent()
    panel = pd.DataFrame({"id": np.repeat(["slow", "busy"], 60), "t": np.tile(y.index, 2),
                          "y": np.r_[y.to_numpy(), rng.poisson(5, 60)]})
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", quantiles=(0.1, 0.5, 0.9), max_epochs=1,
                         hidden_size=4, calibrate=False, random_state=0).fit(panel, id_col="id", time_col="t",
                                                                             target="y")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        p = g.predict()
    said = [m for m in _messages(record) if " is 0 at " in m]
    assert len(said) == 1 and said[0].startswith("GlobalForecaster.predict: series 'slow' is 0 at 82 %")
    assert (p.loc[p["id"] == "slow", "q0.1"] > 0).any()


def test_F39_02_a_series_seldom_0_is_not_warned_of():
    rng = np.random.default_rng(2)
    y = pd.Series(rng.poisson(3, 60).astype(float), index=pd.date_range("2024-01-01", periods=60, freq="D"))
    assert (y == 0).any()  # counts that reach 0, but seldom
    f = Forecaster(horizon=3, model="direct", quantiles=(0.1, 0.5, 0.9), max_epochs=1, hidden_size=4,
                   random_state=0).fit(y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        f.predict()
    assert not [m for m in _messages(record) if " is 0 at " in m]


def test_F39_03_a_forecast_with_nan_is_refused_by_errors():
    # the metrics skip NaN: 3 of the 4 steps missing from the forecast scored MAE 0.0 on the one left
    actual = pd.Series([1.0, 2, 3, 4], index=pd.date_range("2024-01-01", periods=4, freq="MS"))
    pred = np.array([1.0, np.nan, np.nan, np.nan])
    with pytest.raises(ValueError, match=r"errors: pred is nan at 3 of the 4 entries whose actual is observed, the "
                                         r"first at 2024-02-01 \(row 1\).*np\.isfinite\(pred\)"):
        errors(actual, pred, 1.0)
    with pytest.raises(ValueError, match=r"pred is inf at 1 of the 4 .*row 2"):
        errors(actual.to_numpy(), np.array([1.0, 2, np.inf, 4]), 1.0)
    # a NaN forecast where the actual is missing too is no forecast scored: taken
    assert errors(np.array([1.0, np.nan]), np.array([1.5, np.nan]), 1.0)["mae"] == pytest.approx(0.5)


def test_F39_04_a_history_shorter_than_the_season_is_refused_by_seasonal_naive():
    # the rows a season before wrapped round to the history's start: [8, 9, 0] for a season of 12 on 10 rows
    history = np.arange(10.0)[:, None]
    with pytest.raises(ValueError, match=r"seasonal_naive: history has 10 rows, fewer than one season \(m=12\).*"
                                         r"m=10 or less"):
        seasonal_naive(history, 3, 12)
    with pytest.raises(ValueError, match=r"seasonal_naive: m .* must be an integer >= 1, got 0"):
        seasonal_naive(history, 3, 0)
    assert seasonal_naive(history, 3, 4).ravel().tolist() == [6.0, 7.0, 8.0]


def test_F39_04_a_season_of_0_or_less_is_refused_by_mase_scale():
    # -1 compared the last value with the first (|9 - 0| = 9); 0 raised numpy's broadcast error
    history = np.arange(10.0)[:, None]
    with pytest.raises(ValueError, match=r"mase_scale: m .* must be an integer >= 1, got -1; m=1 for steps"):
        mase_scale(history, -1)
    with pytest.raises(ValueError, match=r"mase_scale: m .* got 0"):
        mase_scale(history, 0)
    with pytest.raises(ValueError, match=r"got 12\.0; pass m=12"):
        mase_scale(history, 12.0)
    assert mase_scale(history, 2).tolist() == [2.0]


def test_F39_02_a_backtest_does_not_warn_of_the_band_it_does_not_score():
    # each fold's predict named the band, once per fold, of a backtest that scores the median alone
    f = Forecaster(horizon=3, model="direct", lookback=7, quantiles=(0.1, 0.5, 0.9), max_epochs=1, hidden_size=4,
                   random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        f.backtest(_intermittent(), folds=3)
    assert not [m for m in _messages(record) if " is 0 at " in m and "% of its observed" in m]


def test_F39_02_a_panel_of_many_mostly_0_series_is_warned_of_once():
    # a panel of slow items (M5's SKUs): one warning per call naming them, not one per series
    frames = [pd.DataFrame({"id": f"sku{k}", "t": y.index, "y": y.to_numpy()})
              for k, y in enumerate(_intermittent(seed) for seed in range(4))]
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", quantiles=(0.1, 0.5, 0.9), max_epochs=1,
                         hidden_size=4, calibrate=False, random_state=0).fit(pd.concat(frames), id_col="id",
                                                                             time_col="t", target="y")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        p = g.predict()
    said = [m for m in _messages(record) if " is 0 at " in m]
    named = [k for k in p["id"].unique() if (p.loc[p["id"] == k, "q0.1"] > 0).any()]
    assert len(said) == 1 and len(named) >= 2
    assert said[0].startswith(f"GlobalForecaster.predict: series {named[0]!r} is 0 at ")
    assert f"and so is the band of {len(named) - 1} other series ({', '.join(map(repr, named[1:]))})" in said[0]


def test_F39_02_a_series_0_by_season_is_named_only_at_the_steps_of_its_zeros():
    # solar power: 0 at 14 of the 24 hours (58 %), above 0 by day; a band above 0 by day is right
    from rnnkit.forecast.defaults import zero_band

    hours = np.arange(24 * 14) % 24
    solar = np.where((hours >= 7) & (hours < 17), np.sin(np.pi * (hours - 6) / 11) * 5, 0.0)
    times = pd.date_range("2024-06-15", periods=24, freq="h")
    day = np.zeros((24, 3))
    day[7:17] = [[1.0, 2.0, 3.0]] * 10  # q0.1 above 0 from 07:00 to 16:00
    assert zero_band(day, (0.1, 0.5, 0.9), [solar], times, season=24) is None
    night = day.copy()
    night[20] = [0.5, 1.0, 2.0]  # at 20:00, 0 on every day before
    what = zero_band(night, (0.1, 0.5, 0.9), [solar], times, season=24)
    assert what is not None and "is 0 at 58 % of its observed values (196 of 336)" in what
    assert "above 0 at 1 of the 24 steps (2024-06-15 20:00" in what
    # without the season, the steps by day read as a mostly-0 series' band above 0
    assert "above 0 at 10 of the 24 steps" in zero_band(day, (0.1, 0.5, 0.9), [solar], times)
