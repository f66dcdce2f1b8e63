"""ONNX export of a Forecaster: onnxruntime on the window a client builds from export.json equals predict."""

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit.deploy.export import export_onnx, ort_session
from rnnkit.forecast import Forecaster


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(0)
    t = np.arange(96)
    values = 50 + 8 * np.sin(2 * np.pi * t / 12) + 0.2 * t + rng.normal(0, 0.5, len(t))
    return pd.Series(values, index=pd.date_range("2018-01", periods=len(t), freq="MS"), name="sales")


@pytest.mark.parametrize("options", [{"quantiles": [0.1, 0.5, 0.9]}, {"relative": False, "cell": "gru"}])
def test_forecaster_export_reproduces_predict(series, options, tmp_path):
    fc = Forecaster(horizon=3, model="direct", lookback=12, hidden_size=6, max_epochs=2, random_state=0,
                    device="cpu", **options).fit(series)
    info = export_onnx(fc, tmp_path / "e", verbose=False)
    assert json.loads((tmp_path / "e" / "export.json").read_text()) == info
    assert info["step"]["file"] is None and not (tmp_path / "e" / "step.onnx").exists()
    f = info["forecast"]
    assert (f["lookback"], f["horizon"], f["targets"], f["input_names"]) == (12, 3, ["sales"], ["sales"])

    # the client's window from the raw series and export.json alone (no missing values here)
    window = (series.to_numpy()[-f["lookback"] :] - f["center"][0]) / f["scale_by"][0]
    x = window.astype(np.float32)[None, :, None]  # (1, L, F_x)
    y = ort_session(tmp_path / "e" / "sequence.onnx").run(None, {"x": x})[0]  # (1, H, n_y, n_q)
    expected = fc.predict().to_numpy().reshape(3, -1)  # (H, n_q): a Series, or a column per quantile
    assert y.shape == (1, 3, 1, expected.shape[1])
    np.testing.assert_allclose(y[0, :, 0], expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    assert info["sequence"]["max_rel_error"] < 1e-6
