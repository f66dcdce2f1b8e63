"""Round 41, forecasting: a float32 cycle written to a CSV and read back, scored by MASE; sktime's forecaster
given at predict an fh other than fit's (the same times as absolute ones, steps before the cutoff, steps not
fitted, times of another frequency)."""
import io
import warnings

import numpy as np
import pandas as pd
import pytest
from test_bad_inputs_round40_forecast import _float32_cycle


def _through_csv(values: np.ndarray) -> np.ndarray:
    """``values`` (float32) as a CSV of pandas writes them and read_csv reads them back (float64)."""
    text = io.StringIO()
    pd.DataFrame({"load": values}).to_csv(text, index=False)
    return pd.read_csv(io.StringIO(text.getvalue()))["load"].to_numpy()


def test_F41_01_a_float32_cycle_read_back_from_a_csv_names_its_rounding():
    # was: scale 1.72e-06 and MASE 17424 for an error of 0.03, without a word (the values read back are float64
    # numbers, the decimals of float32 ones, so round 40's check of float32 numbers passed them by)
    from rnnkit.forecast import errors
    from rnnkit.forecast.evaluation import mase_scale
    c = _through_csv(_float32_cycle())[:, None]
    assert c.dtype == np.float64 and (c.astype(np.float32) != c).any()
    with pytest.warns(UserWarning, match=r"mase_scale: the scale 1\.72e-06 .*float32 numbers or their decimals as a "
                                         r"CSV writes them.*compute the series in float64"):
        scale = mase_scale(c[:-24], 24)
    assert errors(c[-24:] + 0.03, c[-24:], scale)["mase"] > 1e4  # the scores as before: a warning only
    with warnings.catch_warnings():  # readings of a few digits, and a float64 cycle written and read, stay quiet
        warnings.simplefilter("error")
        hz = np.round(50 + np.random.default_rng(0).normal(0, 1e-4, (500, 1)), 3)  # 50.000, 50.001: a reading
        mase_scale(hz, 24)
        t = np.arange(24 * 20.0)
        mase_scale(_through_csv(np.sin(2 * np.pi * t / 24) + 2)[:-24, None], 24)
        mase_scale(np.round(20 + np.sin(2 * np.pi * t / 24)[:, None] * 1e-4, 7), 24)  # 7 digits, not float32's


def _sktime_fitted(**kw):
    """An RnnkitForecaster fitted on 80 days (cutoff 2024-03-20) for fh=[1, 2, 3], and its series."""
    from rnnkit.forecast.sktime import RnnkitForecaster
    rng = np.random.default_rng(0)
    y = pd.Series(10 + np.sin(np.arange(80) / 3) + rng.normal(0, 0.1, 80),
                  index=pd.date_range("2024-01-01", periods=80, freq="D"), name="y")
    f = RnnkitForecaster(model="direct", lookback=7, max_epochs=1, hidden_size=4, random_state=0, **kw)
    return f.fit(y, fh=[1, 2, 3]), y


def test_F41_02_fits_own_times_as_an_absolute_fh_are_forecast():
    # was: "A different forecasting horizon `fh` has been provided from the one seen already in `fit` ... please
    # re-fit": fit's three days, given as times, were not recognised as fit's fh
    from sktime.forecasting.base import ForecastingHorizon
    f, _ = _sktime_fitted(quantiles=(0.1, 0.5, 0.9))
    days = pd.date_range("2024-03-21", periods=3, freq="D")
    point = f.predict()
    pd.testing.assert_series_equal(f.predict(fh=ForecastingHorizon(days, is_relative=False)), point)
    pd.testing.assert_series_equal(f.predict(fh=days), point)
    pd.testing.assert_series_equal(f.predict(fh=[3, 1, 2]), point)  # fit's steps in another order
    pd.testing.assert_frame_equal(f.predict_quantiles(fh=days, alpha=[0.1, 0.9]), f.predict_quantiles(alpha=[0.1, 0.9]))


def test_F41_03_an_fh_at_or_before_the_cutoff_at_predict_names_historical_forecasts():
    # was: sktime's "A different forecasting horizon `fh` has been provided ... please re-fit", where a refit with
    # that fh is refused too (in-sample)
    from sktime.forecasting.base import ForecastingHorizon
    f, _ = _sktime_fitted()
    with pytest.raises(ValueError, match=r"RnnkitForecaster\.predict: fh holds -1, 0, 1, at or before the cutoff "
                                         r"2024-03-20 .*fit's fh, \[1, 2, 3\] step\(s\) ahead \(2024-03-21 \.\. "
                                         r"2024-03-23\); .*historical_forecasts\(\)"):
        f.predict(fh=[-1, 0, 1])
    past = ForecastingHorizon(pd.date_range("2024-03-18", periods=3, freq="D"), is_relative=False)
    with pytest.raises(ValueError, match=r"fh holds 2024-03-18, 2024-03-19, 2024-03-20, at or before the cutoff"):
        f.predict(fh=past)


def test_F41_04_an_fh_of_other_steps_at_predict_names_fits_fh_and_the_rows_to_take():
    # was: sktime's "A different forecasting horizon ... please re-fit the forecaster", naming neither fit's fh nor
    # that the steps asked (1 and 3) are rows of predict()
    f, y = _sktime_fitted()
    with pytest.raises(ValueError, match=r"RnnkitForecaster\.predict: fh holds 1, 3, but the model was fitted for "
                                         r"fit's fh, \[1, 2, 3\] .*take those rows of predict\(\): "
                                         r"predict\(\)\.iloc\[\[0, 2\]\]"):
        f.predict(fh=[1, 3])
    with pytest.raises(ValueError, match=r"fh holds 1, 5, but .*refit for them: fit\(y, fh=\[1, 5\]\)"):
        f.predict(fh=[1, 5])


def test_F41_05_an_fh_of_another_frequency_at_predict_names_both_frequencies():
    # was: sktime's "Frequencies from two sources do not coincide: Current: <Hour>, from update: <Day>."
    f, _ = _sktime_fitted()
    hours = pd.date_range("2024-03-21", periods=3, freq="h")
    with pytest.raises(ValueError, match=r"RnnkitForecaster\.predict: fh holds times of frequency 'h', but y's grid "
                                         r"is 'D' \(cutoff 2024-03-20\), and the model forecasts fit's fh"):
        f.predict(fh=hours)


def _quiet_scales(series: dict, m: int) -> None:
    """mase_scale of each float64 series, with no float32 warning (any warning an error)."""
    from rnnkit.forecast.evaluation import mase_scale
    for name, v in series.items():
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert mase_scale(np.asarray(v, dtype=np.float64)[:, None], m)[0] > 0, name


def test_F41_01_float64_readings_of_seven_significant_digits_are_not_taken_for_float32s_rounding():
    # a float64 series written with 7 significant digits or fewer reads back through float32's shortest text as
    # itself, whatever its source: a near-repeating reading of that precision is not float32's rounding
    t, rng = np.arange(24 * 20.0), np.random.default_rng(1)
    day = np.sin(2 * np.pi * t / 24)
    _quiet_scales({
        "a float64 cycle to 6 decimals": _through_csv(np.round(day + 2 + 1e-6 * rng.integers(0, 3, t.size), 6)),
        "a grid frequency to 5 decimals, 49.99871": _through_csv(np.round(50 + 1e-4 * day
                                                                          + 1e-5 * rng.integers(0, 2, t.size), 5)),
        "%.7g of a series over two decades": [float(f"{v:.7g}") for v in 1.75 + 1.25 * day
                                             + 1e-6 * rng.integers(0, 2, t.size)],
        "a level of 9 to 6 decimals": np.round(9 + 0.5 * day + 1e-6 * rng.integers(0, 3, t.size), 6),
        "prices to the cent": np.round(1234.56 + 0.01 * (t % 24 == 0) * rng.integers(0, 2, t.size), 2)}, 24)
    c9 = _float32_cycle() / np.float32(2) + np.float32(8)  # float32's text: 7 digits mostly at 8 .. 10, 8 for some
    with pytest.warns(UserWarning, match=r"float32 numbers or their decimals as a CSV writes them"):
        from rnnkit.forecast.evaluation import mase_scale
        mase_scale(_through_csv(c9)[:-24, None], 24)


def test_F41_01_bundled_real_series_stay_quiet_in_mase_scale_and_backtest():
    sm = pytest.importorskip("statsmodels.api")
    co2 = sm.datasets.co2.load_pandas().data["co2"].interpolate().bfill()
    macro = sm.datasets.macrodata.load_pandas().data
    _quiet_scales({"co2": co2, "sunspots": sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"],
                   "elnino": sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy().ravel(),
                   **{c: macro[c] for c in ("realgdp", "cpi", "infl", "tbilrate", "unemp")}}, 12)
    from rnnkit import Forecaster
    monthly = pd.Series(co2.resample("MS").mean().to_numpy()[:120],
                        index=pd.date_range("1958-03-01", periods=120, freq="MS"), name="co2")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        table = Forecaster(model="direct", horizon=3, lookback=12, max_epochs=1, hidden_size=4,
                           random_state=0).backtest(monthly, folds=2, season_length=12)
    assert np.isfinite(table["mase"].to_numpy(dtype=float)).all()


def test_F41_02_an_empty_fh_or_periods_for_times_are_left_to_sktime_as_before():
    f, _ = _sktime_fitted()
    with pytest.raises(ValueError, match=r"`fh` must not be empty"):
        f.predict(fh=[])
    with pytest.raises(ValueError, match=r"different forecasting horizon"):  # sktime compares periods with times so
        f.predict(fh=pd.period_range("2024-03-21", periods=3, freq="D"))
