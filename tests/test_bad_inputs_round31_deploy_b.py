"""The thirty-first round, deployment, second pass: a tagger, a multi-target regressor and a direct Forecaster through
export_onnx, the Streamer and the server. export.json of a Forecaster states what a client needs to build its window
as ``predict`` does: the ``<column>_since`` channel as it is computed (GRU-D's delta: 1 after an observed row,
S31-13), a day's step across a change of summer time (S31-14), uneven readings averaged onto the grid (S31-15)."""

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


def test_S31_14_export_json_says_a_day_step_keeps_the_local_time_across_summer_time(tmp_path):
    # before: the calendar formula said "the window's last timestamp plus 1 .. horizon steps of `frequency`" ('D'):
    # a client adding 86400 s per step (pd.Timedelta("1D"), epoch milliseconds) read 2024-10-27 23:00 in Paris, still a
    # Sunday, as the horizon's second step: every step after the change of summer time got the previous weekday's
    # calendar channels, forecasts 0.2 off on a weekend effect of 2, without a word
    idx = pd.date_range("2024-08-01", "2024-10-26", freq="D", tz="Europe/Paris")
    y = pd.Series(np.sin(np.arange(len(idx)) / 3) + 5 + (idx.weekday >= 5) * 2, index=idx, name="v")
    f = rnnkit.Forecaster(model="direct", horizon=4, lookback=7, max_epochs=1, random_state=0, hidden_size=4,
                          calendar=("weekday",)).fit(y)
    rnnkit.export_onnx(f, tmp_path / "e", verbose=False)
    fc = json.loads((tmp_path / "e" / "export.json").read_text())["forecast"]
    assert "not 86400 s" in fc["calendar"]["formula"] and "keeps the local time" in fc["calendar"]["formula"]
    step = pd.tseries.frequencies.to_offset(fc["frequency"])
    future = pd.DatetimeIndex([idx[-1] + k * step for k in range(1, 5)])
    predicted = f.predict()
    assert future.equals(predicted.index) and future.weekday.tolist() == [6, 0, 1, 2]

    def calendar(ts):
        return np.stack([np.sin(2 * np.pi * ts.weekday / 7), np.cos(2 * np.pi * ts.weekday / 7)], -1)

    w = y.iloc[-7:]
    x = np.concatenate([((w.to_numpy() - fc["center"][0]) / fc["scale_by"][0])[:, None], calendar(w.index)], -1)
    session = ort.InferenceSession(str(tmp_path / "e" / "sequence.onnx"))
    out = session.run(None, {"x": x.astype(np.float32)[None], "future": calendar(future).astype(np.float32)[None]})
    np.testing.assert_allclose(out[0].ravel(), predicted.to_numpy(), rtol=1e-4)


def test_S31_15_export_json_says_uneven_readings_are_averaged_onto_the_grid(tmp_path):
    # before: x_formula began "per column c of `columns`: missing values filled ...", as if the readings lay on the
    # grid: a client holding the uneven readings a Forecaster was fitted on with fit(freq="h") took each hour's last
    # one, where fit and predict average them: a window up to 0.17 off on values near 5, without a word
    rng = np.random.default_rng(0)
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, 100, 300)), "h")
    y = pd.Series(np.sin(np.arange(300) / 10) + 5, index=times, name="v")
    f = rnnkit.Forecaster(model="direct", horizon=3, lookback=6, max_epochs=1, random_state=0, hidden_size=4)
    f.fit(y, freq="h")
    rnnkit.export_onnx(f, tmp_path / "e", verbose=False)
    fc = json.loads((tmp_path / "e" / "export.json").read_text())["forecast"]
    assert "resample(frequency).mean()" in fc["x_formula"] and "not the last reading" in fc["x_formula"]
    grid = y.resample(fc["frequency"]).mean().ffill()
    x = ((grid.to_numpy()[-6:] - fc["center"][0]) / fc["scale_by"][0]).astype(np.float32)[None, :, None]
    session = ort.InferenceSession(str(tmp_path / "e" / "sequence.onnx"))
    np.testing.assert_allclose(session.run(None, {"x": x})[0].ravel(), f.predict().to_numpy(), rtol=1e-4)
