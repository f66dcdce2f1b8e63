"""The default Forecaster (model="auto"): candidates scored on validation origins of the training rows, the
best equal-weight mean kept, the band calibrated on the same origins (rnnkit.forecast.combination)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.forecast import Forecaster, combination

FAST = dict(hidden_size=4, max_epochs=1, batch_size=16, random_state=0, device="cpu")


def seasonal(n: int, seed: int = 0) -> pd.Series:
    t = np.arange(n)
    y = 50 + 0.3 * t + 5 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(seed).normal(0, 1, n)
    return pd.Series(y, index=pd.period_range("2001-01", periods=n, freq="M"), name="sales")


def test_validation_origins_end_at_the_last_full_window_and_close_up_on_short_series():
    assert combination.validation_origins(100, 10) == [70, 80, 90]
    assert combination.validation_origins(24, 6) == [12, 15, 18]  # 6 rows of room: 3 steps apart
    assert combination.validation_origins(18, 6) == [12]
    assert combination.validation_origins(17, 6) == []  # fewer than max(2 H, 10) rows before an origin


def test_select_keeps_the_mean_only_where_it_beats_the_best_candidate():
    actual = np.zeros((2, 3))
    opposite = {"naive": actual + 1.0, "ets": actual - 1.0, "direct": actual + 3.0}
    components, scores = combination.select(opposite, actual)
    assert components == ("naive", "ets") and scores["mean of 2"] == 0.0 and scores["direct"] == 3.0
    alike = {"naive": actual + 1.0, "ets": actual + 2.0}
    assert combination.select(alike, actual)[0] == ("naive",)


def test_ets_run_with_its_fitted_parameters_forecasts_as_statsmodels_fit_does():
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = seasonal(60).to_numpy()
    params = combination.fit_ets(y, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal="mul", seasonal_periods=12,
                                        initialization_method="estimated").fit().forecast(5)
    assert params["season"] == "mul" and params["m"] == 12
    np.testing.assert_allclose(combination.ets_forecast(y, params, 5), expected, rtol=1e-10)
    assert json.loads(json.dumps(params)) == params  # plain numbers: saved in config.json


def test_calibrated_offsets_cover_the_validation_values_at_the_asked_rate():
    rng = np.random.default_rng(0)
    H, n = 4, 2000
    scale = np.array([1.0, 2.0, 3.0, 4.0])
    steps = rng.integers(1, H + 1, n)
    residuals = rng.normal(0, 1, n) * scale[steps - 1]
    c = combination.calibrate_offsets(residuals, steps, scale, (0.1, 0.5, 0.9))
    assert c[0.5] == 0 and c[0.1] == pytest.approx(-1.2816, abs=0.12) and c[0.9] == pytest.approx(1.2816, abs=0.12)
    inside = (residuals >= c[0.1] * scale[steps - 1]) & (residuals <= c[0.9] * scale[steps - 1])
    assert inside.mean() == pytest.approx(0.8, abs=0.01)


def test_a_short_series_falls_back_to_the_naive_forecast_with_a_band():
    y = seasonal(17)
    f = Forecaster(horizon=6, quantiles=(0.1, 0.5, 0.9), **FAST).fit(y)
    assert f.model_kind_ == "naive" and f.model_ is None and "too few to validate" in f.choices_["model"]
    p = f.predict()
    np.testing.assert_allclose(p[0.5].to_numpy(), np.full(6, y.iloc[-1]))  # no season chosen on 17 months
    assert (p[0.1] < p[0.5]).all() and (p[0.5] < p[0.9]).all()


def test_auto_scores_every_candidate_on_the_validation_origins():
    f = Forecaster(horizon=6, **FAST).fit(seasonal(84))
    for name in ("naive", "drift", "ets", "direct", "hybrid", "mean of 2", "origins [66, 72, 78]"):
        assert name in f.choices_["model"]
    assert f.model_kind_ == (f.components_[0] if len(f.components_) == 1 else "combination")


def test_a_combination_forecasts_the_mean_saves_loads_and_refuses_what_it_cannot_do(monkeypatch, tmp_path):
    from rnnkit.deploy import export_onnx

    monkeypatch.setattr(combination, "select", lambda forecasts, actual: (combination.CANDIDATES, {}))
    y = seasonal(84)
    f = Forecaster(horizon=6, quantiles=(0.1, 0.5, 0.9), **FAST).fit(y)
    assert f.model_kind_ == "combination" and f.components_ == combination.CANDIDATES
    parts = [f._component_forecast(k, f.history_, np.arange(1, 7), None)[:, 0, 1] for k in f.components_]
    p = f.predict()
    np.testing.assert_allclose(p[0.5].to_numpy(), np.mean(parts, axis=0), rtol=1e-6)
    naive = y.iloc[-12:-6].to_numpy() if f.season_length_ == 12 else np.full(6, y.iloc[-1])
    np.testing.assert_allclose(parts[0], naive)
    assert (p[0.1] <= p[0.5]).all() and (p[0.5] <= p[0.9]).all() and (p[0.9] - p[0.1] > 0).all()
    f.save(tmp_path / "m")
    g = Forecaster.load(tmp_path / "m")
    assert g.components_ == f.components_ and g.band_ == f.band_ and g.ets_ == f.ets_
    pd.testing.assert_frame_equal(g.predict(), f.predict())
    pd.testing.assert_frame_equal(g.predict(data=y.iloc[:70]), f.predict(data=y.iloc[:70]))
    with pytest.raises(ValueError, match=r"not exported \(its forecast is not one network's: naive \+ drift"):
        export_onnx(f, tmp_path / "onnx")
    with pytest.raises(ValueError, match="historical_forecasts is available for the direct net alone"):
        f.historical_forecasts()
    # the direct net alone, with a band calibrated outside it: export would give other quantiles
    monkeypatch.setattr(combination, "select", lambda forecasts, actual: (("direct",), {}))
    d = Forecaster(horizon=6, quantiles=(0.1, 0.5, 0.9), **FAST).fit(y)
    assert d.model_kind_ == "direct" and d.band_
    with pytest.raises(ValueError, match="interval is calibrated outside the network"):
        export_onnx(d, tmp_path / "onnx")


def test_a_resumed_combination_keeps_its_selection_and_resumes_each_net(monkeypatch, tmp_path):
    monkeypatch.setattr(combination, "select", lambda forecasts, actual: (("ets", "direct", "hybrid"), {}))
    y = seasonal(84)
    options = dict(horizon=6, quantiles=(0.1, 0.5, 0.9), **(FAST | {"max_epochs": 2}))
    full = Forecaster(**options).fit(y)
    part = Forecaster(**(options | {"max_epochs": 1}), log_dir=str(tmp_path / "logs")).fit(y)
    record = json.loads((tmp_path / "logs" / "model_choice.json").read_text())
    assert record["model"] == "combination" and record["components"] == ["ets", "direct", "hybrid"]
    assert (tmp_path / "logs" / "direct" / "checkpoints" / "last.ckpt").is_file()
    assert (tmp_path / "logs" / "hybrid" / "checkpoints" / "last.ckpt").is_file()
    resumed = part.set_params(max_epochs=2).fit(y, resume=True)
    assert "interrupted run" in resumed.choices_["model"] and resumed.band_ == part.band_
    for a, b in ((resumed.model_, full.model_), (resumed.global_.model_, full.global_.model_)):
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            assert torch.equal(p, q)
