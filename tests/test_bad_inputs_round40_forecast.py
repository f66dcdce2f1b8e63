"""Round 40, forecasting: the filter that silences a mostly-0 demand's band warning, and a MASE scale of float32
rounding."""
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from test_bad_inputs_round39_forecast import _intermittent, _messages

from rnnkit.forecast import Forecaster


def test_F40_01_the_band_warnings_filter_leaves_the_backtests_smape_warning():
    # was: the filter that F39-02's band warning names ('.* is 0 at') silenced the backtest's sMAPE warning too
    y = _intermittent()
    f = Forecaster(horizon=3, model="direct", quantiles=(0.1, 0.5, 0.9), lookback=7, max_epochs=1, hidden_size=4,
                   random_state=0).fit(y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        f.predict()
    band = [m for m in _messages(record) if "a band that makes a 0" in m]
    assert len(band) == 1
    given = re.search(r"message='([^']+)'\) silences this", band[0]).group(1)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message=given)
        f.predict()
    assert not [m for m in _messages(record) if "a band that makes a 0" in m]  # it silences the band's warning
    for used in (given, ".* is 0 at"):  # the filter named now, and the one named before
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", message=used)
            Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, hidden_size=4,
                       random_state=0).backtest(y, folds=2)
        said = [m for m in _messages(record) if m.startswith("backtest: sMAPE")]
        assert len(said) == 1 and "'sales' has actuals of 0 in the test steps of fold(s) 0 (2024-02-24), 1 " \
            "(2024-02-27)" in said[0]


def _float32_cycle(days=20):
    """A daily cycle of hourly values computed in float32 (np.sin of float32 hours, as a torch tensor is): it
    repeats itself only to float32's rounding, which grows with the phase (1e-6 .. 1e-5 from one day to the next)."""
    t = np.arange(24 * days, dtype=np.float32)
    return np.sin(np.float32(2 * np.pi) * t / np.float32(24)) + np.float32(2)


def test_F40_02_a_mase_scale_of_float32_rounding_is_warned_of():
    # was: scale 1.7e-06, MASE 17425 for an error of 0.03 without a word
    from rnnkit.forecast import errors
    from rnnkit.forecast.evaluation import mase_scale
    c = _float32_cycle()[:, None]
    with pytest.warns(UserWarning, match=r"mase_scale: the scale 1\.72e-06 \(5\.7e-07 of the largest \|value\|, 3\) "
                                         r"is within what float32's rounding makes.*compute the series in float64"):
        scale = mase_scale(c[:-24], 24)
    assert scale[0] == pytest.approx(1.72e-6, rel=0.01)  # the scale as before: a warning only
    assert errors(c[-24:] + 0.03, c[-24:], scale)["mase"] > 1e4
    with warnings.catch_warnings():  # ordinary readings, float32 or not, and whole numbers are not named
        warnings.simplefilter("error")
        readings = (20 + np.random.default_rng(0).normal(0, 1, (500, 1))).astype(np.float32)
        assert mase_scale(readings, 24)[0] > 0.5
        assert mase_scale(np.array([[1e6], [1e6 + 1], [1e6], [1e6 + 1], [1e6]], dtype=np.float32), 1)[0] == 1.0
        assert mase_scale(c[:-24].astype(np.float64) + 1e-3 * np.arange(len(c) - 24)[:, None], 24)[0] > 0.02
        assert mase_scale(np.sin(np.arange(40.0)), 7) > 0.1  # a 1-D history, one column, as before
    with pytest.warns(UserWarning, match=r"mase_scale: the scale 1\.72e-06 "):
        mase_scale(c[:-24, 0], 24)


def test_F40_02_a_backtest_warns_of_a_float32_rounding_scale_once_per_target():
    y = pd.Series(_float32_cycle(), index=pd.date_range("2024-01-01", periods=24 * 20, freq="h"), name="load")
    f = Forecaster(horizon=24, model="direct", lookback=48, max_epochs=1, hidden_size=4, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        table = f.backtest(y, folds=2, season_length=24)
    said = [m for m in _messages(record) if "float32's rounding" in m]
    assert len(said) == 1 and said[0].startswith("backtest: MASE's scale for 'load' at fold(s) 0 (2024-01-19), 1 "
                                                 "(2024-01-20) may be float32's rounding: at fold 0 the scale 1.64e-06")
    assert table[("mase", "naive")].min() > 1e5  # the scores as before


def test_F40_03_a_negative_scale_is_refused_by_errors():
    # was: MASE -0.167 beside a warning that MASE is NaN ("the scale of column(s) 0 (scale -1) is 0 or NaN")
    from rnnkit.forecast import errors
    history = np.array([9.0, 8, 6, 5, 3])
    scale = np.mean(np.diff(history))  # the mean of the changes, abs() forgotten: -1.5
    with pytest.raises(ValueError, match=r"errors: scale is below 0 for column\(s\) 0 \(-1\.5\), but MASE's scale "
                                         r"is a mean absolute error.*mase_scale\(history, season_length\)"):
        errors(np.array([2.0, 1]), np.array([2.5, 1]), scale)
    assert errors(np.array([2.0, 1]), np.array([2.5, 1]), -scale)["mase"] == pytest.approx(0.25 / 1.5)


def test_F40_04_historical_forecasts_start_not_a_date_names_its_own_fix():
    # was: "... does not read as a date; give a date (...), or split by fraction (val=, test=)": arguments of
    # split(), which historical_forecasts does not take
    y = pd.Series(10 + np.sin(np.arange(40) / 3), index=pd.date_range("2024-01-01", periods=40, freq="D"), name="y")
    f = Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, hidden_size=4, random_state=0).fit(y)
    with pytest.raises(ValueError, match=r"historical_forecasts: start='2024-02-30' cannot be read as a time of the "
                                         r"series .*does not read as a date; give a date \('2024-01-21', a "
                                         r"pd\.Timestamp or a pd\.Period\), or a row number \(0\.\.39\)$"):
        f.historical_forecasts(start="2024-02-30")
    assert len(f.historical_forecasts(start="2024-02-01")) == 7  # a date of the series, as before: rows 31 .. 37


def _level_10(n=60):
    rng = np.random.default_rng(0)
    return pd.Series(10 + np.sin(np.arange(n) / 3) + rng.normal(0, 0.1, n),
                     index=pd.date_range("2024-01-01", periods=n, freq="D"), name="y")


def test_F40_05_predict_of_data_in_other_units_than_fit_is_warned_of():
    # was: predict(data=y * 100) (cents for euros) forecast about 10, the fitted level, without a word
    y = _level_10()
    f = Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, hidden_size=4, random_state=0).fit(y)
    with pytest.warns(UserWarning, match=r"data column 'y' is 9\d\d\.\d+ at 2024-02-23 \(7 such values in all\), "
                                         r"\d+ times the width of its fitted range .*in another unit than at fit.*give "
                                         r"it in the units of fit"):
        p = f.predict(data=y * 100)
    assert p.max() < 100  # the forecast as before: a warning only
    with pytest.warns(UserWarning, match=r"data column 'y' is \d+\.\d+ at 2024-01-01 \(60 such values"):
        f.historical_forecasts(data=y * 100)
    with warnings.catch_warnings():  # newer rows in the units of fit are not named
        warnings.simplefilter("error")
        f.predict(data=pd.concat([y, pd.Series([10.5], index=[y.index[-1] + pd.Timedelta("1D")])]).rename("y"))


def _panel_a_b():
    """A direct GlobalForecaster fitted on series 'a' (about 10) and 'b' (about 50), and their panel."""
    from rnnkit.forecast import GlobalForecaster
    y = _level_10(40)
    panel = pd.DataFrame({"id": np.repeat(["a", "b"], 40), "t": np.tile(y.index, 2),
                          "y": np.r_[y.to_numpy(), 50 + np.cos(np.arange(40) / 4)]})
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1, hidden_size=4, calibrate=False,
                         random_state=0).fit(panel, id_col="id", time_col="t", target="y")
    return g, panel


def test_F40_05_a_panel_series_given_in_other_units_is_named():
    g, panel = _panel_a_b()
    cents = panel.assign(y=np.where(panel["id"] == "b", panel["y"] * 100, panel["y"]))
    with pytest.warns(UserWarning, match=r"data column 'y' of series 'b' is \d+\.?\d* at 2024-02-03 \(7 such "
                                         r"values in all\).*in another unit than at fit"):
        g.predict(data=cents)
    with warnings.catch_warnings():  # the fitted series as given at fit: not named
        warnings.simplefilter("error")
        g.predict(data=panel)


def test_F40_02_review_a_quantised_float64_reading_and_a_tiny_float64_cycle_stay_quiet():
    # a meter read in halves at 1e6 (float32 numbers by their few bits) and a float64 cycle of a tiny scale: readings
    from rnnkit.forecast.evaluation import mase_scale
    t = np.arange(24 * 20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        halves = 1e6 + 0.5 * np.round(2 * np.sin(2 * np.pi * t / 24)) + 0.5 * (t % 48 == 0)
        assert 0 < mase_scale(halves, 24) < 1e-5 * 1e6
        assert mase_scale(1e-9 * np.sin(2 * np.pi * t / 24) + 1e-6 * np.sin(t * 1e-3), 24) > 0
        assert mase_scale(np.round(1e6 + 3 * np.sin(t / 5.0)).astype(np.float32), 24) > 0  # counts


def test_F40_05_review_a_target_that_grew_trends_or_crosses_0_in_the_units_of_fit_stays_quiet():
    # the net's target is named only in another unit (30 times its fitted size or more, or 1/30 or less)
    rng = np.random.default_rng(0)
    idx = pd.date_range("2024-01-01", periods=160, freq="D")
    y = pd.Series(100 + rng.normal(0, 1, 160), index=idx, name="y")
    f = Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, hidden_size=4, random_state=0).fit(y[:80])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.predict(data=y * np.r_[np.ones(80), np.linspace(1, 3, 80)])  # grew 3 times
        f.predict(data=y + np.arange(160) * 0.5)  # a trend, 40 widths of the fitted range beyond it
        f.predict(data=y - np.r_[np.zeros(80), np.linspace(0, 150, 80)])  # falls through 0
        f.historical_forecasts(data=y + np.arange(160) * 0.5)
    with warnings.catch_warnings(record=True) as record:  # fell to 0 (a stockout, a shutdown): units of fit
        warnings.simplefilter("always")
        f.predict(data=y * np.r_[np.ones(150), np.zeros(10)])
        f.predict(data=y * np.r_[np.ones(150), [0, 1, 0, 0, 2, 0, 0, 1, 0, 0]])
    assert not [m for m in _messages(record) if m.startswith("data column")]
    with pytest.warns(UserWarning, match=r"data column 'y' is 0\.99\d+ at 2024-06-02 .* below it.* 0\.0099\d times "
                                         r"the typical fitted size \(100\): in another unit than at fit"):
        f.predict(data=y / 100)  # euros where the fit read cents


def test_F40_05_review_a_panel_series_that_grew_stays_quiet():
    g, panel = _panel_a_b()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g.predict(data=panel.assign(y=np.where(panel["id"] == "b", panel["y"] * 3, panel["y"])))
