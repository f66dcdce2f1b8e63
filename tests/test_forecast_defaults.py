"""The Forecaster's "auto" defaults: the rules on series whose right answer is known by construction, and the
choices recorded on the fitted model, printed, saved, loaded and used by backtest."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, defaults
from rnnkit.forecast.defaults import choose_lookback, choose_max_epochs, choose_relative, choose_season_length


def random_walk(n: int, seed: int) -> np.ndarray:
    return np.cumsum(np.random.default_rng(seed).standard_normal(n))


def ar1(n: int, seed: int, phi: float = 0.5) -> np.ndarray:
    e = np.random.default_rng(seed).standard_normal(n)
    y = np.zeros(n)
    for t in range(1, n):
        y[t] = phi * y[t - 1] + e[t]
    return y


def weekly(n: int, seed: int) -> np.ndarray:
    """A period-7 pattern (one spike a week) plus noise and a slow trend."""
    pattern = np.array([0.0, 0.2, -0.3, 0.1, 0.0, 2.0, 1.5])
    return pattern[np.arange(n) % 7] + 0.01 * np.arange(n) + 0.3 * np.random.default_rng(seed).standard_normal(n)


def tiny(**kw) -> Forecaster:
    # the direct model: these rules choose its inputs (the model's own choice: test_forecast_hybrid.py)
    return Forecaster(**{"horizon": 3, "hidden_size": 4, "max_epochs": 1, "random_state": 0, "device": "cpu",
                         "model": "direct", **kw})


# -- the rules ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_a_random_walk_is_forecast_by_its_changes_and_an_ar1_by_its_level(seed):
    relative, reason = choose_relative(random_walk(200, seed)[:, None])
    assert relative is True and "not stationary" in reason
    relative, reason = choose_relative(ar1(200, seed)[:, None])
    assert relative is False and "stationary (KPSS p=" in reason
    # with two targets, one non-stationary target makes the model relative
    both = np.column_stack([ar1(200, seed), random_walk(200, seed)])
    assert choose_relative(both)[0] is True
    assert choose_relative(np.column_stack([ar1(200, seed), ar1(200, seed + 10)]))[0] is False


def test_a_trend_is_not_stationary_and_a_short_series_is_not_tested():
    t = np.arange(120.0)
    assert choose_relative((0.1 * t + ar1(120, 0))[:, None])[0] is True  # stationary around a trend: KPSS rejects
    relative, reason = choose_relative(ar1(15, 0)[:, None])
    assert relative is True and "too few" in reason
    with_gaps = ar1(200, 1)
    with_gaps[[5, 50, 120]] = np.nan  # NaN skipped, not a failure
    assert choose_relative(with_gaps[:, None])[0] is False


@pytest.mark.parametrize("seed", range(3))
def test_the_season_comes_from_the_frequency_when_the_data_confirm_it(seed):
    y = weekly(140, seed)[:, None]
    assert choose_season_length(y, "D")[0] == 7
    noise = np.random.default_rng(seed).standard_normal((140, 1))
    m, reason = choose_season_length(noise, "D")  # daily, but no weekly pattern
    assert m == 1 and "white-noise band" in reason
    assert choose_season_length(random_walk(140, seed)[:, None], "D")[0] == 1  # the changes are white noise
    assert choose_season_length(y, None)[0] == 1  # no calendar: cycles of the data alone are not seasons
    assert choose_season_length(y, 1.0)[0] == 1  # a numeric axis (years, steps)
    assert choose_season_length(y, "YS-JAN")[0] == 1
    assert choose_season_length(y[:13], "D") == (1, choose_season_length(y[:13], "D")[1])  # under two seasons
    monthly = np.tile(np.arange(12.0), 10)[:, None] + np.arange(120.0)[:, None]
    assert choose_season_length(monthly, "MS")[0] == 12


def test_the_lookback_covers_two_horizons_and_two_seasons_within_the_rows():
    assert choose_lookback(120, 12, 12)[0] == 24
    assert choose_lookback(200, 2, 7)[0] == 14
    assert choose_lookback(200, 10, 1)[0] == 20
    L, reason = choose_lookback(24, 6, 1)  # wants 12; 24 rows give 24 - L - 6 + 1 >= L windows for L <= 9
    assert L == 9 and "cut to 9" in reason
    assert choose_lookback(4, 3, 1) == (1, "max(2 horizon, 2 seasons) = 6, cut to 1 so that 4 steps give 1 windows")
    # a horizon beyond the rows: no window at all, said so (it read "give -40 windows")
    assert choose_lookback(60, 100, 1) == (1, "max(2 horizon, 2 seasons) = 200, cut to 1 (the least: 60 steps hold "
                                              "no window of lookback + horizon = 101 steps)")


# -- on the fitted model ------------------------------------------------------------------------------------------
def test_the_choices_are_recorded_printed_saved_and_loaded(tmp_path, capsys):
    index = pd.date_range("2024-01-01", periods=140, freq="D")
    y = pd.Series(weekly(140, 0), index=index, name="visits")
    f = tiny(verbose=True).fit(y)
    assert (f.season_length_, f.lookback_, f.relative_) == (7, 14, True)  # the trend: not stationary
    printed = capsys.readouterr().out
    for line in ("Forecaster: season_length = 7", "Forecaster: lookback = 14", "Forecaster: relative = True"):
        assert line in printed
    assert f.model_.relative is True and f.spec_.lookback == 14
    f.save(tmp_path / "m")
    g = Forecaster.load(tmp_path / "m")
    assert (g.season_length_, g.lookback_, g.relative_) == (7, 14, True)
    assert g.choices_ == f.choices_ and g.lookback == "auto"
    pd.testing.assert_series_equal(g.predict(), f.predict())

    level = pd.Series(ar1(200, 0), index=pd.date_range("2024-01-01", periods=200, freq="D"))
    f = tiny(verbose=False).fit(level)
    assert (f.season_length_, f.relative_) == (1, False) and f.model_.relative is False
    assert f.lookback_ == 6  # 2 horizons; no season
    g_path = tmp_path / "level"
    f.save(g_path)
    loaded = Forecaster.load(g_path)
    assert loaded.relative_ is False and loaded.model_.relative is False
    pd.testing.assert_series_equal(loaded.predict(), f.predict())


def test_the_epochs_stop_near_10000_optimizer_steps_on_a_long_series(tmp_path, capsys, monkeypatch):
    assert choose_max_epochs(500, 32)[0] == 100  # 16 batches an epoch: 1,600 steps
    assert choose_max_epochs(3_200, 32)[0] == 100  # 100 batches: 10,000 steps
    epochs, reason = choose_max_epochs(8_700, 32)  # an hourly year: 272 batches an epoch
    assert epochs == 37 and "272 batches" in reason and "10064" in reason and "27200" in reason
    assert choose_max_epochs(10**7, 32)[0] == 1  # never fewer than one epoch
    for windows in (1, 100, 5_000, 123_457):
        epochs = choose_max_epochs(windows, 16)[0]
        batches = -(-windows // 16)
        assert 1 <= epochs <= 100 and (epochs == 100 or (epochs - 1) * batches < 10_000 <= epochs * batches)
    # the fit trains that many epochs and records, prints, saves and loads the choice (a budget of 200 steps
    # here, so that a long series' cut costs a test little)
    monkeypatch.setattr(defaults, "TARGET_STEPS", 200)
    y = pd.Series(ar1(60, 1), index=pd.date_range("2024-01-01", periods=60, freq="D"))
    f = tiny(max_epochs="auto", batch_size=1, lookback=4, verbose=True).fit(y)  # 54 windows of one
    assert f.max_epochs_ == 4 and len(f.loss_curve_) == 4  # ceil(200 / 54)
    assert f.choices_["max_epochs"].startswith("54 windows, 54 batches an epoch: 4 epochs reach 200 optimizer")
    assert "Forecaster: max_epochs = 4" in capsys.readouterr().out
    f.save(tmp_path / "m")
    assert Forecaster.load(tmp_path / "m").max_epochs_ == 4
    assert tiny(max_epochs="auto", batch_size=64, lookback=4).fit(y).max_epochs_ == 100  # one batch an epoch
    g = tiny(max_epochs=7, batch_size=1, lookback=4).fit(y)
    assert g.max_epochs_ == 7 and len(g.loss_curve_) == 7 and g.choices_["max_epochs"] == "set"
    with pytest.raises(ValueError, match="max_epochs must be an integer >= 1 or 'auto'"):
        tiny(max_epochs="many").fit(y)


def test_set_values_are_used_as_set():
    y = pd.Series(ar1(200, 0), index=pd.date_range("2024-01-01", periods=200, freq="D"))
    f = tiny(lookback=5, relative=True, season_length=3).fit(y)
    assert (f.season_length_, f.lookback_, f.relative_) == (3, 5, True) and f.model_.relative is True
    assert f.choices_ == {"season_length": "set", "lookback": "set", "relative": "set", "max_epochs": "set",
                          "model": "set"}
    with pytest.raises(ValueError, match="relative must be True, False or 'auto'"):
        tiny(relative="yes").fit(y)
    with pytest.raises(ValueError, match="lookback must be an integer >= 1 or 'auto'"):
        tiny(lookback="long").fit(y)


def test_the_choices_read_the_training_rows_only():
    # stationary for 160 steps, then a wandering validation part: only the first part is looked at
    y = np.concatenate([ar1(160, 0), 40 + 5 * random_walk(40, 1)])
    series = pd.Series(y, index=pd.date_range("2024-01-01", periods=200, freq="D"))
    assert tiny(validation_fraction=0.2).fit(series).relative_ is False
    assert tiny().fit(series).relative_ is True  # the whole series is not stationary


def test_backtest_scores_with_the_season_each_fold_chose():
    index = pd.date_range("2024-01-01", periods=140, freq="D")
    y = pd.Series(weekly(140, 1), index=index, name="visits")
    _, forecasts = tiny().backtest(y, folds=2, return_forecasts=True)
    for origin, part in forecasts.groupby("origin"):
        past = y[y.index < origin].to_numpy()
        np.testing.assert_allclose(part["seasonal_naive"].to_numpy(), past[-7:][np.arange(3)])
    steps = pd.Series(weekly(140, 1), name="visits")  # no calendar: season 1, the seasonal naive is the naive
    table, forecasts = tiny().backtest(steps, folds=2, return_forecasts=True)
    np.testing.assert_array_equal(forecasts["seasonal_naive"], forecasts["naive"])
    np.testing.assert_allclose(table["mase"]["naive"], table["mae"]["naive"] / [
        np.mean(np.abs(np.diff(steps.to_numpy()[:o]))) for o in (134, 137)])
