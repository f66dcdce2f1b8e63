"""Round 37, forecasting: a panel in small units (the band's calibration), a seasonal series with a level shift
or a spike (the season's autocorrelation), a constant negative series in a hybrid panel, the sktime adapter's fh
of time spans, and its update with revised rows that end before the cutoff."""
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster, defaults


def _weekly(key, n, level, seed, unit=1.0):
    """A daily series of weekly shape around ``level`` (noise 1 % of it), in units of ``unit``."""
    rng = np.random.default_rng(seed)
    y = level * (1 + 0.1 * np.sin(np.arange(n) * 2 * np.pi / 7)) + rng.normal(0, 0.01 * abs(level), n)
    return pd.DataFrame({"unique_id": key, "ds": pd.date_range("2023-01-01", periods=n, freq="D"), "y": y * unit})


def _panel(unit):
    return pd.concat([_weekly("a", 120, 1.0, 0, unit), _weekly("b", 120, 3.0, 1, unit),
                      _weekly("c", 120, 100.0, 2, unit)], ignore_index=True)


def _fit(panel, model="direct", **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GlobalForecaster(lookback=14, horizon=3, model=model, max_epochs=3, hidden_size=8, random_state=0,
                                device="cpu", **kw).fit(panel)


def test_F37_01_a_panel_in_small_units_gets_the_band_it_gets_in_units_of_one():
    # calibrate_band left out every spread below 1e-12 of max(|median|, 1): in units of 1e-13 no value was
    # left, band_ came out {} and the band stayed the net's own, uncalibrated, without a word
    ones, tiny = _fit(_panel(1.0)), _fit(_panel(1e-13))
    assert ones.band_ and tiny.band_.keys() == ones.band_.keys()
    for tau, c in ones.band_.items():
        assert tiny.band_[tau] == pytest.approx(c, rel=1e-6)
    a, b = ones.predict(), tiny.predict()
    for column in ("y", "q0.1", "q0.9"):
        np.testing.assert_allclose(b[column].to_numpy() / 1e-13, a[column].to_numpy(), rtol=1e-6)


def test_F37_01_a_hybrid_panel_with_a_negative_series_in_small_units_keeps_its_relative_band():
    # remainder_unit kept the floor 1e-12 * max(|r|, 1): an additive (negative) series in units of 1e-13 had its
    # step and size under it, d fell back to 1 and the band was about +-1 around values near 1e-13.
    # statsmodels' optimiser is not scale-free (its smoothing differs a little in units of 1e-13): hence rtol 5 %
    def panel(unit):
        p = _panel(unit)
        p.loc[p.unique_id == "b", "y"] *= -1
        return p

    ones, tiny = _fit(panel(1.0), "hybrid"), _fit(panel(1e-13), "hybrid")
    assert [s.kind for s in tiny.smoothing_] == ["mul", "add", "mul"]
    assert tiny.smoothing_[1].unit / 1e-13 == pytest.approx(ones.smoothing_[1].unit, rel=0.25)
    a, b = ones.predict(), tiny.predict()
    for column in ("y", "q0.1", "q0.9"):
        np.testing.assert_allclose(b[column].to_numpy() / 1e-13, a[column].to_numpy(), rtol=0.05)


def _shifted(shift, n=140, seed=0, days=5):
    """Daily values with a weekly swing of +-3 around 10 whose level moves by ``shift`` over the last ``days``."""
    rng = np.random.default_rng(seed)
    y = 10 + 3 * np.sin(2 * np.pi * np.arange(n) / 7) + rng.normal(0, 0.5, n)
    y[n - days:] += shift
    return pd.Series(y, index=pd.date_range("2024-01-01", periods=n, freq="D"), name="sales")


@pytest.mark.parametrize("shift", [60.0, -60.0, 100.0])
def test_F37_02_a_level_shift_in_the_last_season_does_not_hide_the_weekly_season(shift):
    # the one change of the shift outweighed the squares of every weekly change: at +100 the autocorrelation at
    # lag 7 read 0.04, within the band, so season_length_ = 1 for a series with a plain weekly swing
    m, reason = defaults.choose_season_length(_shifted(shift).to_numpy()[:, None], "D")
    assert m == 7, reason


def test_F37_02_a_one_day_spike_does_not_hide_the_weekly_season():
    y = _shifted(0.0).to_numpy().copy()
    y[-10] += 80.0  # one reading off (a data-entry slip), then back
    assert defaults.choose_season_length(y[:, None], "D")[0] == 7


def test_F37_02_the_forecaster_keeps_the_season_after_a_level_shift():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(horizon=3, model="direct", max_epochs=1, hidden_size=8, random_state=0,
                       device="cpu").fit(_shifted(100.0))
    assert f.season_length_ == 7, f.choices_["season_length"]


def test_F37_02_pin_clipping_makes_no_season_of_noise_and_keeps_a_series_mostly_zero():
    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.normal(size=140))
    walk[-5:] += 100  # a jump clipped like any other: the changes stay white noise
    assert defaults.choose_season_length(walk[:, None], "D")[0] == 1
    sparse = np.zeros(140)
    sparse[::7] = 5.0  # a delivery every seventh day: most changes 0 (no spread), kept as they are
    assert defaults.choose_season_length(sparse[:, None], "D")[0] == 7
    # no change beyond 5 robust deviations: Box & Jenkins' value as before
    assert defaults.choose_season_length(_shifted(0.0).to_numpy()[:, None], "D") == (
        7, "frequency 'D'; autocorrelation of the changes at lag 7: 0.82 (band 0.17)")


def _constant(key, n, value):
    return pd.DataFrame({"unique_id": key, "ds": pd.date_range("2023-01-01", periods=n, freq="D"), "y": value})


@pytest.mark.parametrize("value", [-5.0, -0.5])
def test_F37_03_a_constant_negative_series_in_a_hybrid_panel_gets_the_panels_relative_band(value):
    # smoothed additively, its remainder unit was its own mean absolute value: one unit of z a step of its whole
    # size, a band of -21 .. -1 around a constant -5 (-1.3 .. 0.1 around -0.5, crossing 0)
    moving = [_weekly("A", 100, 10.0, 0), _weekly("B", 100, 1000.0, 1), _weekly("N", 100, -50.0, 2)]
    panel = pd.concat([*moving, _constant("K", 100, value)], ignore_index=True)
    g = _fit(panel, "hybrid", quantiles=(0.1, 0.5, 0.9))
    out = g.predict()
    k = out[out.unique_id == "K"][["q0.1", "y", "q0.9"]].to_numpy()
    assert (k > 1.25 * value).all() and (k < 0.8 * value).all(), k
    relative = [s.unit if s.kind == "mul" else s.unit / np.abs(part.y).mean()
                for s, part in zip(g.smoothing_[:3], moving, strict=True)]
    assert g.smoothing_[3].unit == pytest.approx(abs(value) * np.median(relative))


def _daily(n=60):
    return pd.Series(5 + np.sin(np.arange(n)), index=pd.date_range("2020-01-01", periods=n, freq="D"), name="v")


def test_F37_04_the_adapter_reads_time_spans_as_the_steps_they_reach():
    # sktime takes a relative fh of time spans; read as integers (seconds) they asked for 172800 steps, and fit
    # failed with "lookback (1) + horizon (172800) = 172801 steps make one window, but the series has 60"
    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    f = sktime.RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = f.fit(_daily(), fh=pd.to_timedelta([1, 2], unit="D")).predict()
    assert f.forecaster_.horizon == 2
    assert list(out.index) == list(pd.date_range("2020-03-01", periods=2, freq="D"))


def test_F37_04_a_time_span_between_steps_is_refused_naming_it():
    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    f = sktime.RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0, device="cpu")
    with pytest.raises(ValueError, match=r"fh holds the span 1 days 12:00:00, which reaches 2020-03-01 12:00:00, "
                                         r"which is not a time of y's grid: the steps after the cutoff 2020-02-29 "
                                         r".*steps ahead \(fh=\[1, 2, \.\.\.\]\)"):
        f.fit(_daily(), fh=pd.to_timedelta([36], unit="h"))


def test_F37_05_update_with_revised_rows_that_end_before_the_cutoff_is_refused():
    # sktime moved the cutoff back to y's end: after fitting through 2020-02-29, update(revised 2020-02-20 ..
    # 2020-02-25) made predict forecast 2020-02-26 and 2020-02-27, days already seen, as if they were ahead
    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    y = _daily()
    f = sktime.RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.fit(y, fh=[1, 2])
    with pytest.raises(ValueError, match=r"y ends at 2020-02-25 00:00:00, before the cutoff 2020-02-29 00:00:00, and "
                                         r"sktime sets the cutoff to y's last time, so the forecasts would start at "
                                         r"2020-02-26 00:00:00, a time already seen.*update with y through the cutoff"):
        f.update(y["2020-02-20":"2020-02-25"] * 1.1, update_params=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.update(y["2020-02-20":] * 1.1, update_params=False)  # revised through the cutoff: taken
    assert list(f.predict().index) == list(pd.date_range("2020-03-01", periods=2, freq="D"))
