"""Round 33 (second pass), forecasting: each test fails on the commit before its fix (see the catalogue)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.deploy.export import export_onnx, ort_session
from rnnkit.forecast import DirectForecastNet, Forecaster, GlobalForecaster
from rnnkit.models import SequenceToLabel


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(0)
    t = np.arange(96)
    return pd.Series(10 + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, len(t)))


def windows(F=1):
    """Two windows of 24 steps, every value at least 0.3 from 0 (so the norm's eps cannot tell them apart)."""
    z = torch.randn(2, 24, F, generator=torch.Generator().manual_seed(0))
    return torch.sign(z) * (0.3 + z.abs())


def scale_response(model, x):
    """How far the net's forecasts move when the window's values triple, their signs kept."""
    with torch.no_grad():
        return float((model(x)[0] - model(3 * x)[0]).abs().max())


def test_F33_04_forecaster_layernorm_lstm_reads_the_values_not_their_signs(series, tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fc = Forecaster(horizon=4, model="direct", lookback=24, relative=False, cell="layernorm_lstm",
                        hidden_size=8, max_epochs=2, random_state=0, device="cpu").fit(series)
    assert not [w for w in caught if "input_size=1" in str(w.message)]
    # before: a sign-only net, the same forecasts to 1e-3 for values three times as large
    assert scale_response(fc.model_, windows()) > 0.05
    assert fc.model_.net.input_size == 2 and len(fc.input_names_) == 1  # the series and the constant
    fc.save(tmp_path / "m")
    np.testing.assert_array_equal(Forecaster.load(tmp_path / "m").predict().to_numpy(), fc.predict().to_numpy())
    # the ONNX graph computes the constant channel itself: a client still sends the series alone, (B, L, 1)
    info = export_onnx(fc, tmp_path / "e", verbose=False)
    assert info["forecast"]["input_names"] == list(fc.input_names_) and info["sequence"]["max_rel_error"] < 1e-5
    x = windows().numpy()
    y = ort_session(tmp_path / "e" / "sequence.onnx").run(None, {"x": x})[0]
    np.testing.assert_allclose(y.reshape(2, -1), fc._forecast(x, None).reshape(2, -1), rtol=1e-4, atol=1e-4)


def test_F33_04_forecaster_saved_with_the_one_channel_net_loads_as_saved_and_says_so(series, tmp_path):
    fc = Forecaster(horizon=4, model="direct", lookback=24, relative=False, cell="layernorm_lstm",
                    hidden_size=8, max_epochs=1, random_state=0, device="cpu").fit(series)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = DirectForecastNet(SequenceToLabel(1, 8, 4, cell="layernorm_lstm"), 4, 1, relative=False)
    fc.model_ = old.eval()  # the layout rnnkit fitted before the constant channel
    expected = fc.predict().to_numpy()
    fc.save(tmp_path / "old")
    with pytest.warns(UserWarning, match=r"Forecaster\.load: .*layernorm_lstm.*signs.*refit") as caught:
        loaded = Forecaster.load(tmp_path / "old")
    assert not [w for w in caught if "input_size=1" in str(w.message)]  # said once, in the forecaster's words
    np.testing.assert_array_equal(loaded.predict().to_numpy(), expected)


def test_F33_05_global_forecaster_layernorm_lstm_reads_the_values_not_their_signs(series):
    panel = pd.DataFrame({"id": np.repeat(["a", "b"], len(series)), "t": np.tile(np.arange(len(series)), 2),
                          "y": np.r_[series, 2 * series + 3]})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = GlobalForecaster(lookback=24, horizon=4, model="direct", relative=False, cell="layernorm_lstm",
                             hidden_size=8, max_epochs=2, quantiles=None, random_state=0, device="cpu")
        g.fit(panel, id_col="id", time_col="t", target="y")
    assert not [w for w in caught if "input_size=1" in str(w.message)]
    assert scale_response(g.model_, windows()) > 0.05


def test_F33_06_layernorm_lstm_of_several_channels_reads_their_scale(series):
    """Two targets (or a target and its covariates): the norm of W_ih x kept only the direction of each step's
    vector, the same forecasts for (y1, y2) and (3 y1, 3 y2)."""
    frame = pd.DataFrame({"a": series, "b": 20 - series + np.linspace(0, 3, len(series))})
    fc = Forecaster(horizon=4, model="direct", lookback=24, relative=False, cell="layernorm_lstm",
                    hidden_size=8, max_epochs=2, random_state=0, device="cpu").fit(frame)
    assert scale_response(fc.model_, windows(2)) > 0.05  # before: under 1e-3

    n = len(series)
    panel = pd.DataFrame({"id": np.repeat(["a", "b"], n), "t": np.tile(np.arange(n), 2),
                          "y": np.r_[series, 2 * series + 3], "p": np.random.default_rng(1).random(2 * n)})
    g = GlobalForecaster(lookback=24, horizon=4, model="direct", relative=False, cell="layernorm_lstm",
                         hidden_size=8, max_epochs=2, quantiles=None, random_state=0, device="cpu")
    g.fit(panel, id_col="id", time_col="t", target="y", future_covariates=["p"])
    future = torch.rand(2, 4, 1, generator=torch.Generator().manual_seed(1))
    x = windows(2)
    with torch.no_grad():
        moved = float((g.model_(x, future=future)[0] - g.model_(3 * x, future=future)[0]).abs().max())
    assert moved > 5e-3  # before: under 1e-3
