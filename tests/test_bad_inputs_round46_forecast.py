"""Round 46 of bad inputs, forecasting: `predict(0)` and `predict(-1)`, a horizon given as a time or a duration,
`backtest` of a True/False series, one series given to the GlobalForecaster, `errors`
without a scale (see docs/bad_inputs.md,
'Forty-sixth round: forecasting ...')."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster
from rnnkit.forecast.evaluation import backtest, errors, mase_scale


def _panel(ids=("a", "b", "c"), n=40):
    t = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.concat([pd.DataFrame({"unique_id": i, "ds": t, "y": 10 + np.sin(np.arange(n) / 3) + k})
                      for k, i in enumerate(ids)], ignore_index=True)


def _global():
    return GlobalForecaster(horizon=3, lookback=7, model="direct", max_epochs=1, hidden_size=4, random_state=0)


def _forecaster(horizon=3):
    return Forecaster(horizon=horizon, model="direct", lookback=4, max_epochs=1, hidden_size=4, random_state=0)


def _series(n=60):
    return pd.Series(10 + np.sin(np.arange(n) / 3), index=pd.date_range("2024-01-01", periods=n, freq="D"),
                     name="sales")


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _forecaster().fit(_series()), _global().fit(_panel())


def test_F46_01_predict_of_0_or_a_negative_horizon_is_not_told_to_refit_with_a_larger_one(fitted):
    """`refit with a larger horizon for more` was the fix of predict(0) and predict(-1)."""
    f, g = fitted
    for model in (f, g):
        with pytest.raises(ValueError, match=r"got 0; 0 steps ahead is no forecast: give horizon=3 \(or None\)") as e:
            model.predict(0)
        assert "refit" not in str(e.value)
        with pytest.raises(ValueError, match=r"got -1; -1 steps ahead is the series' past, which predict does not "
                                             r"forecast.*horizon=1 for the next one") as e:
            model.predict(-1)
        assert "refit" not in str(e.value)
    with pytest.raises(ValueError, match=r"historical_forecasts\(\) gives what the model forecast for past times"):
        f.predict(-1)
    assert f.predict(3).shape == (3,) and len(g.predict(2)) == 6  # counts as before


def test_F46_02_a_horizon_given_as_a_time_names_its_step(fitted):
    f, g = fitted
    with pytest.raises(ValueError, match=r"got the time 2024-03-02, which is step 2 ahead: give horizon=2"):
        f.predict(pd.Timestamp("2024-03-02"))
    with pytest.raises(ValueError, match=r"got the time 2024-03-02, which is step 2 ahead"):
        f.predict("2024-03-02")  # as text
    with pytest.raises(ValueError, match=r"got 'three'$"):  # text that is no time keeps its message
        f.predict("three")
    with pytest.raises(ValueError, match=r"after the last forecast time 2024-03-03: refit with a horizon that "
                                         r"reaches it"):
        f.predict(pd.Timestamp("2024-03-09"))
    with pytest.raises(ValueError, match=r"before the first forecast time 2024-03-01"):
        f.predict(pd.Timestamp("2024-02-01"))
    with pytest.raises(ValueError, match=r"got the time 2024-02-11; the forecasts carry their times.*out\[out\["
                                         r"time_col\] <= pd.Timestamp"):
        g.predict(pd.Timestamp("2024-02-11"))


def test_F46_02_a_horizon_given_as_a_duration_is_told_its_steps(fitted):
    f, g = fitted
    for model in (f, g):
        with pytest.raises(ValueError, match=r"got the duration 2 days.*it spans 2 steps of 1 days.*give horizon=2"):
            model.predict(pd.Timedelta(days=2))
    with pytest.raises(ValueError, match=r"spans 5 steps .* more than the 3 fitted: refit with horizon=5"):
        f.predict(np.timedelta64(5, "D"))
    with pytest.raises(ValueError, match=r"no whole number of the series' steps.*give the number of steps ahead"):
        f.predict(pd.Timedelta(hours=5))


def test_F46_03_backtest_of_a_true_false_series_is_warned_as_fit_is():
    """Each fold fitted a frame of floats, so the True/False warning of F44-02 never came."""
    y = pd.Series(np.arange(60) % 3 == 0, index=pd.date_range("2024-01-01", periods=60, freq="D"))
    with pytest.warns(UserWarning, match=r"backtest: the target holds True/False, read as 1 and 0.*data.astype"
                                         r"\(float\)\), which silences this"):
        backtest(_forecaster(2), y, folds=2)
    frame = pd.DataFrame({"rain": y.to_numpy(), "t": np.arange(60.0)}, index=y.index)
    with pytest.warns(UserWarning, match=r"backtest: the target 'rain' holds True/False"):
        _forecaster(2).backtest(frame, targets=["rain"], folds=2)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        backtest(_forecaster(2), y.astype(float), folds=2)
    assert not [w for w in seen if "True/False" in str(w.message)]  # numbers of 0 and 1 stay quiet


def test_F46_04_one_series_given_to_the_global_forecaster_is_told_the_forecaster_or_an_id():
    y = _series()
    with pytest.raises(ValueError, match=r"got Series; one series, with no id column\? rnnkit.Forecaster\(horizon="
                                         r"...\).fit\(series\) forecasts it") as e:
        _global().fit(y)
    fix = str(e.value).split("panel of one series: ")[1]
    assert fix == "data = data.rename('y').rename_axis('ds').reset_index().assign(unique_id='series_1')"
    scope = {"data": y}
    exec(fix, {}, scope)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _global().fit(scope["data"]).predict().shape == (3, 6)  # the fix fits
    with pytest.raises(ValueError, match=r"it has \['sales'\] .*one series, with no id column\?.*data = data.rename"
                                         r"\(columns=\{'sales': 'y'\}\).rename_axis\('ds'\).reset_index\(\)"):
        _global().fit(y.to_frame())
    with pytest.raises(ValueError, match=r"data = data.rename\(columns=\{'sales': 'y'\}\).assign\(unique_id="):
        _global().fit(y.rename_axis("ds").reset_index())
    with pytest.raises(ValueError) as e:  # an id column named otherwise keeps its message, no one-series fix
        _global().fit(_panel().rename(columns={"unique_id": "store"}))
    assert "one series" not in str(e.value)


def test_F46_05_errors_without_a_scale_is_told_to_give_one_not_that_the_series_is_constant():
    """scale=None read as NaN was warned `the scale of column(s) 0 (scale nan) is 0 or NaN (… a constant series?`."""
    y = _series()
    actual, pred = y[-3:], y[-3:] + 0.5
    with pytest.warns(UserWarning, match=r"errors: scale is None, so MASE is NaN .*give it, errors\(actual, pred, "
                                         r"mase_scale\(history, season_length\)\)") as seen:
        scores = errors(actual, pred, None)
    assert not [w for w in seen if "constant series" in str(w.message)]
    assert scores["mae"] == pytest.approx(0.5) and np.isnan(scores["mase"])  # scored as before
    with warnings.catch_warnings(record=True) as seen:  # the filter it names silences it
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message="errors: scale is None")
        errors(actual, pred, None)
    assert not [w for w in seen if "MASE" in str(w.message)]
    with warnings.catch_warnings(record=True) as seen:  # the fix, run as written, scores MASE without a word
        warnings.simplefilter("always")
        scores = errors(actual, pred, mase_scale(y[:-3].to_numpy(), 1))
    assert not [w for w in seen if "MASE" in str(w.message)] and np.isfinite(scores["mase"])
    with pytest.warns(UserWarning, match=r"a constant series\?"):  # a NaN scale keeps its words
        errors(actual, pred, mase_scale(np.ones(20), 1))
