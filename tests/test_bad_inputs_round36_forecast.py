"""Round 36, forecasting: panels of series of other scales and of constant series, ..."""
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import GlobalForecaster


def _moving(key, n, level, seed):
    """A daily series of weekly shape around ``level``, with noise of 2 % of it."""
    rng = np.random.default_rng(seed)
    y = level * (1 + 0.1 * np.sin(np.arange(n) * 2 * np.pi / 7)) + rng.normal(0, 0.02 * level, n)
    return pd.DataFrame({"unique_id": key, "ds": pd.date_range("2023-01-01", periods=n, freq="D"), "y": y})


def _constant(key, n, value):
    return pd.DataFrame({"unique_id": key, "ds": pd.date_range("2023-01-01", periods=n, freq="D"), "y": value})


def _panel_with(constant):
    return pd.concat([_moving("A", 100, 10.0, 0), _moving("B", 100, 1000.0, 1), constant], ignore_index=True)


def _fit(panel, model, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GlobalForecaster(lookback=14, horizon=7, model=model, max_epochs=3, hidden_size=16, random_state=0,
                                device="cpu", **kw).fit(panel)


def test_F36_01_a_constant_small_series_in_a_direct_panel_keeps_its_size():
    # a constant 0.5 beside series of 10 and 1000: its scale was 1 in its own units, so the net's spread in z
    # (about 2 steps) came out as a band of about -2 .. 1.5 around 0.5
    g = _fit(_panel_with(_constant("K", 100, 0.5)), "direct")
    out = g.predict()
    k = out[out.unique_id == "K"][["y", "q0.1", "q0.5", "q0.9"]].to_numpy()
    assert (k > 0.25).all() and (k < 1).all(), k
    assert g.scale_[2] == pytest.approx(0.5 * np.median(g.scale_[:2] / np.abs(g.center_[:2])))


def test_F36_01_a_constant_positive_series_in_a_hybrid_panel_gets_the_panels_relative_band():
    # multiplicative smoothing: the constant series' remainder unit was 1 (a factor of e per unit of z): a band
    # of 45 .. 300 around a constant 100
    g = _fit(_panel_with(_constant("K", 100, 100.0)), "hybrid")
    out = g.predict()
    k = out[out.unique_id == "K"][["q0.1", "q0.9"]].to_numpy()
    assert (k > 80).all() and (k < 125).all(), k
    assert g.smoothing_[2].unit == pytest.approx(np.median([s.unit for s in g.smoothing_[:2]]))


def test_F36_01_an_all_zero_series_in_a_net_panel_is_warned_of():
    with pytest.warns(UserWarning, match=r"GlobalForecaster.fit: 1 series is 0 on every row \('Z'\), which gives no "
                                         r"scale: the direct net's forecast and band for it are in units of 1.*"
                                         r"drop it from the panel.*model='auto'"):
        GlobalForecaster(lookback=14, horizon=7, model="direct", max_epochs=1, hidden_size=4, random_state=0,
                         device="cpu").fit(_panel_with(_constant("Z", 100, 0.0)))
