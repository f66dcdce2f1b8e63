"""The hybrid model (exponential smoothing + a recurrent net on the rest), the "auto" model choice, the calibrated
band, and `import rnnkit.forecast` without Lightning. Tiny budgets: the few fits here train for a few epochs."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster, hybrid
from rnnkit.forecast.panel import calibrate_band

PATTERN = np.array([0.7, 0.9, 1.3, 1.1])  # a season of 4 whose mean is 1


def level_times_season(n: int, level: float = 50.0) -> pd.Series:
    """A series that is exactly level × season: nothing is left for the net."""
    return pd.Series(level * PATTERN[np.arange(n) % 4], index=pd.period_range("2000Q1", periods=n, freq="Q"),
                     name="y")


def noisy(n: int, seed: int, *, offset: float = 10.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return offset + np.sin(np.arange(n) * np.pi / 2) * 2 + np.cumsum(rng.normal(0, 0.3, n))


# -- the decomposition -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("offset", [10.0, -3.0])  # positive: multiplicative; with negative values: additive
def test_windows_recompose_the_series_exactly(offset):
    y = noisy(40, 0, offset=offset)
    s = hybrid.Smoothing("mul" if offset > 0 else "add", 4, 0.3, 0.2, y[:4].mean(),
                         np.array([1.02, 0.97, 1.01, 1.0]) if offset > 0 else np.array([0.5, -0.5, 0.2, -0.2]), 1.7)
    assert (y > 0).all() == (offset > 0)
    z, anchor, seasons = hybrid.normalise(y, s)
    L, H = 5, 6  # H > m: the seasons of a window's horizon run past one season
    x, target = hybrid.windows(z, anchor, L, H)
    for b in range(len(x)):
        T = b + L - 1  # the window's last step
        np.testing.assert_allclose(x[b], z[T - L + 1 : T + 1] - anchor[T])
        back = hybrid.recompose(target[b][:, None], anchor[T], seasons[T + 1 : T + 1 + H], s)[:, 0]
        np.testing.assert_allclose(back, y[T + 1 : T + 1 + H], rtol=1e-12, atol=1e-12)


def test_the_recursion_is_statsmodels_holt_winters():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = noisy(48, 1) * PATTERN[np.arange(48) % 4]
    s = hybrid.fit_smoothing(y, 4)
    assert s.kind == "mul" and s.m == 4
    fit = ExponentialSmoothing(y, trend=None, seasonal="mul", seasonal_periods=4,
                               initialization_method="estimated").fit()
    level, seasons = hybrid.smooth(y, s)
    np.testing.assert_allclose(level, fit.level, rtol=1e-9)
    np.testing.assert_allclose(seasons[4:], fit.season, rtol=1e-9)


def test_level_times_season_continues_exactly_from_a_zero_remainder():
    y = level_times_season(24).to_numpy()
    s = hybrid.Smoothing("mul", 4, 0.4, 0.3, 50.0, PATTERN.copy(), 1.0)
    z, anchor, seasons = hybrid.normalise(y, s)
    np.testing.assert_allclose(z - anchor, 0.0, atol=1e-12)  # nothing left for the net
    ahead = hybrid.recompose(np.zeros((6, 1)), anchor[-1], hybrid.future_seasons(seasons, 24, 4, 6), s)[:, 0]
    np.testing.assert_allclose(ahead, level_times_season(30).to_numpy()[24:], rtol=1e-12)


def test_hybrid_forecaster_forecasts_level_times_season_nearly_exactly():
    y = level_times_season(60)
    f = Forecaster(horizon=6, model="hybrid", cell="gru", hidden_size=4, max_epochs=25, lr=0.05, random_state=0,
                   device="cpu").fit(y.iloc[:54])
    assert f.model_kind_ == "hybrid" and f.season_length_ == 4
    # the untrained net is off by tens of %; a season off by one step would be off by up to 40 %
    np.testing.assert_allclose(f.predict().to_numpy(), y.to_numpy()[54:], rtol=0.03)
    assert list(f.predict().index) == list(y.index[54:])


# -- save / load, the choice, the band ---------------------------------------------------------------------------
def panel(n: int = 40) -> pd.DataFrame:
    rows = []
    for i, offset in enumerate((10.0, 20.0, -2.0)):  # two multiplicative series, one additive
        t = pd.period_range("2001Q1", periods=n, freq="Q")
        rows.append(pd.DataFrame({"unique_id": f"s{i}", "ds": t, "y": noisy(n, i, offset=offset)}))
    return pd.concat(rows, ignore_index=True)


def test_global_direct_hybrid_and_band_are_recorded_saved_and_loaded(tmp_path):
    g = GlobalForecaster(lookback=8, horizon=4, model="direct", hidden_size=4, max_epochs=2, random_state=0,
                         device="cpu").fit(panel())
    assert g.kind_ == "direct" and g.choices_["model"] == "set"  # model="auto": tests/test_forecast_panel_auto.py
    assert set(g.band_) == {0.1, 0.9} and all(0.25 <= c <= 4 for c in g.band_.values())
    h = GlobalForecaster(lookback=8, horizon=4, model="hybrid", hidden_size=4, max_epochs=1, random_state=0,
                         device="cpu").fit(panel())
    assert [s.kind for s in h.smoothing_] == ["mul", "mul", "add"]
    for est in (g, h):
        est.save(tmp_path / est.kind_)
        back = GlobalForecaster.load(tmp_path / est.kind_)
        assert back.kind_ == est.kind_ and back.band_ == est.band_ and back.season_lengths_ == est.season_lengths_
        pd.testing.assert_frame_equal(back.predict(), est.predict())
    p = h.predict()
    assert (p["q0.1"] <= p["y"]).all() and (p["y"] <= p["q0.9"]).all()


def test_hybrid_forecaster_save_load_round_trip(tmp_path):
    y = pd.Series(noisy(40, 3), index=pd.period_range("2001-01", periods=40, freq="M"), name="sales")
    f = Forecaster(horizon=3, model="hybrid", quantiles=(0.1, 0.5, 0.9), hidden_size=4, max_epochs=1,
                   random_state=0, device="cpu").fit(y)
    f.save(tmp_path / "m")
    g = Forecaster.load(tmp_path / "m")
    (a,), (b,) = g.global_.smoothing_, f.global_.smoothing_
    assert g.model_kind_ == "hybrid" and a._replace(season0=None) == b._replace(season0=None)
    np.testing.assert_array_equal(a.season0, b.season0)
    pd.testing.assert_frame_equal(g.predict(), f.predict())
    pd.testing.assert_frame_equal(g.predict(data=y.iloc[:30]), f.predict(data=y.iloc[:30]))


def test_auto_forecaster_records_its_choice():
    y = pd.Series(noisy(80, 4), index=pd.period_range("2001-01", periods=80, freq="M"))
    f = Forecaster(horizon=4, hidden_size=4, max_epochs=1, random_state=0, device="cpu").fit(y)
    assert f.model == "auto" and f.model_kind_ in ("naive", "drift", "ets", "direct", "hybrid", "combination")
    assert all(f"{k} " in f.choices_["model"] for k in ("naive", "drift", "ets", "direct", "hybrid", "mean of 2"))
    assert set(f.components_) <= {"naive", "drift", "ets", "direct", "hybrid"} and len(f.components_) >= 1
    with_covariate = pd.DataFrame({"y": y, "x": np.arange(80.0)})
    f = Forecaster(horizon=4, hidden_size=4, max_epochs=1, random_state=0, device="cpu").fit(with_covariate,
                                                                                             targets=["y"])
    assert f.model_kind_ == "direct" and "reads no covariates" in f.choices_["model"]


def test_calibrated_band_covers_its_window_at_the_asked_rate():
    rng = np.random.default_rng(0)
    actual = rng.normal(0, 2, (50, 20))  # the quantiles below are too narrow by a factor of 2
    q = np.stack([np.full_like(actual, -1.2816), np.zeros_like(actual), np.full_like(actual, 1.2816)], axis=-1)
    band = calibrate_band(q, actual, (0.1, 0.5, 0.9))
    assert band[0.1] == pytest.approx(2, rel=0.15) and band[0.9] == pytest.approx(2, rel=0.15)
    assert np.mean(actual < -1.2816 * band[0.1]) == pytest.approx(0.1, abs=0.01)
    assert np.mean(actual <= 1.2816 * band[0.9]) == pytest.approx(0.9, abs=0.01)


# -- bad inputs ------------------------------------------------------------------------------------------------
def test_bad_inputs_are_one_line_errors(cli_error, tmp_path):
    y = level_times_season(40)
    with pytest.raises(ValueError, match=r"model must be one of \('auto', 'direct', 'hybrid'\), got 'es-rnn'"):
        Forecaster(horizon=3, model="es-rnn").fit(y)
    with pytest.raises(ValueError, match=r"model must be one of .* got 'x'"):
        GlobalForecaster(lookback=4, horizon=2, model="x").fit(panel())
    with pytest.raises(ValueError, match=r"model='hybrid'\): it reads no covariates; use model='direct' or 'auto'"):
        Forecaster(horizon=3, model="hybrid").fit(pd.DataFrame({"y": y, "x": 1.0}), targets=["y"])
    f = Forecaster(horizon=3, model="hybrid", hidden_size=2, max_epochs=1, random_state=0, device="cpu").fit(y)
    bad = y.copy()
    bad.iloc[7] = -1.0
    with pytest.raises(ValueError, match=r"predict: series 'y': value -1.0 at row 7 is not positive"):
        f.predict(data=bad)
    with pytest.raises(ValueError, match="historical_forecasts is available for the direct net alone, not for "
                                         "model_kind_='hybrid'"):
        f.historical_forecasts()
    path = tmp_path / "y.csv"
    pd.DataFrame({"when": pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%d"),
                  "v": np.arange(30.0)}).to_csv(path, index=False)
    line = cli_error(["forecast", path, "--time-column", "when", "--target-column", "v", "--horizon", "3",
                      "--out", tmp_path / "out", "--model", "nope"])
    assert "model must be one of ('auto', 'direct', 'hybrid'), got 'nope'" in line


# -- Lightning loads when training starts ------------------------------------------------------------------------
def test_import_rnnkit_forecast_does_not_load_lightning():
    code = textwrap.dedent("""
        import sys
        import rnnkit.forecast
        from rnnkit.forecast import Forecaster, GlobalForecaster
        Forecaster(horizon=2).get_params()
        print("lightning" in sys.modules, end=" ")
        rnnkit.forecast.ForecastModule  # the LightningModule, on first use
        print("lightning" in sys.modules)
    """)
    env = os.environ | {"OMP_NUM_THREADS": "1",
                        "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True"]
