"""The thirty-first round, deployment, second pass: a tagger, a multi-target regressor and a direct Forecaster through
export_onnx, the Streamer and the server. export.json of a Forecaster fitted with ``time_since=True`` states the
``<column>_since`` channel as it is computed (GRU-D's delta: 1 after an observed row), so a client that builds the
window from it forecasts as ``predict`` does (S31-13)."""

import json

import numpy as np
import pandas as pd
import pytest

import rnnkit

ort = pytest.importorskip("onnxruntime")


def test_S31_13_export_json_states_the_since_channel_a_client_can_rebuild(tmp_path):
    # before: x_formula said "'<column>_since' (steps since the column was last observed)": a client writes 0 at an
    # observed row and counts from there, where the channel is 1 after an observed row (GRU-D's delta): forecasts
    # off by 0.58 on a series of spread 7, without a word
    n, lookback = 60, 6
    t = np.arange(n)
    y = pd.Series(np.sin(t / 3) * 10 + 50, index=pd.date_range("2024-01-01", periods=n, freq="D"), name="sales")
    y.iloc[[-8, -7, -6, -3]] = np.nan  # a gap across the window's start and one inside it
    f = rnnkit.Forecaster(model="direct", horizon=2, lookback=lookback, max_epochs=1, random_state=0, hidden_size=4,
                          time_since=True).fit(y)
    rnnkit.export_onnx(f, tmp_path / "e", verbose=False)
    fc = json.loads((tmp_path / "e" / "export.json").read_text())["forecast"]
    assert fc["input_names"] == ["sales", "sales_since"]
    assert "strictly before" in fc["x_formula"] and "1 where the row before was observed" in fc["x_formula"]
    # the client, as the formula says: ffill over the series, then delta counted over the series, the last rows
    observed = y.notna().to_numpy()
    since = np.zeros(n)
    for k in range(1, n):
        since[k] = 1 if observed[k - 1] else since[k - 1] + 1
    value = (y.ffill().to_numpy() - fc["center"][0]) / fc["scale_by"][0]
    x = np.stack([value, since], -1)[-lookback:].astype(np.float32)[None]
    assert since[-lookback:].tolist() == [3, 4, 1, 1, 2, 1]
    session = ort.InferenceSession(str(tmp_path / "e" / "sequence.onnx"))
    out = session.run(None, {"x": x})[0][0, :, 0, 0]
    np.testing.assert_allclose(out, f.predict().to_numpy(), rtol=1e-4)
