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
