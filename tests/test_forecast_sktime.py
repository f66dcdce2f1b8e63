"""sktime interop: the Forecaster's fit(y, X) / predict(fh), and the sktime adapter under sktime's own estimator
checks and evaluation tools."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sktime.forecasting.base import ForecastingHorizon  # noqa: E402
from sktime.forecasting.model_evaluation import evaluate  # noqa: E402
from sktime.forecasting.model_selection import ExpandingWindowSplitter  # noqa: E402
from sktime.utils.estimator_checks import check_estimator  # noqa: E402

from rnnkit.forecast import Forecaster  # noqa: E402
from rnnkit.forecast.sktime import RnnkitForecaster  # noqa: E402

TINY = {"hidden_size": 4, "max_epochs": 1, "random_state": 0, "device": "cpu"}


def promo_data(n: int = 60):
    index = pd.period_range("2020-01", periods=n, freq="M")
    promo = pd.Series(np.random.default_rng(0).integers(0, 2, n).astype(float), index=index, name="promo")
    y = pd.Series(np.sin(np.arange(n) / 3) + 2 * promo.to_numpy(), index=index, name="sales")
    return y, promo.to_frame()


def test_fit_takes_x_as_known_future_columns_and_predict_takes_it_over_the_horizon():
    y, X = promo_data()
    f = Forecaster(horizon=4, **TINY).fit(y, X)
    assert f.targets_ == ("sales",) and f.future_covariates_ == ("promo",)
    future_index = pd.period_range("2025-01", periods=4, freq="M")
    X_future = pd.DataFrame({"promo": [0.0, 1.0, 0.0, 1.0]}, index=future_index)
    pred = f.predict(X=X_future)
    assert isinstance(pred, pd.Series) and pred.name == "sales" and pred.index.equals(future_index)
    changed = X_future.copy()
    changed.iloc[2, 0] = 5.0
    moved = (f.predict(X=changed) != pred).to_numpy()
    np.testing.assert_array_equal(moved, [False, False, True, False])  # step h reads step h's X only
    # the steps asked for need X at those steps only, and equal the full forecast's
    pd.testing.assert_series_equal(f.predict([2, 4], X=X_future.iloc[[1, 3]]), pred.iloc[[1, 3]], check_freq=False)
    with pytest.raises(ValueError, match="both future=... and X=..."):
        f.predict(X=X_future, future=X_future)
    with pytest.raises(ValueError, match="X's index must equal y's"):
        Forecaster(horizon=4, **TINY).fit(y, X.iloc[1:])
    with pytest.raises(ValueError, match=r"columns \['sales'\] are in both y and X"):
        Forecaster(horizon=4, **TINY).fit(y, X.rename(columns={"promo": "sales"}))
    with pytest.raises(ValueError, match="drop targets= and future_covariates="):
        Forecaster(horizon=4, **TINY).fit(y, X, targets=["sales"])


def test_predict_takes_the_steps_ahead_as_sktime_gives_them():
    y = pd.Series(np.sin(np.arange(50) / 2), index=pd.date_range("2024-01-01", periods=50, freq="D"))
    f = Forecaster(horizon=5, **TINY).fit(y)
    full = f.predict()
    pd.testing.assert_series_equal(f.predict([1, 3, 5]), full.iloc[[0, 2, 4]], check_freq=False)
    pd.testing.assert_series_equal(f.predict(np.array([2, 4])), full.iloc[[1, 3]], check_freq=False)
    pd.testing.assert_series_equal(f.predict(ForecastingHorizon([1, 2])), full.iloc[:2])
    pd.testing.assert_series_equal(f.predict(3), full.iloc[:3])
    with pytest.raises(ValueError, match="must be relative"):
        f.predict(ForecastingHorizon(full.index[:2], is_relative=False))
    for bad in ([0, 1], [1, 6], [3, 2], [1.5], []):
        with pytest.raises(ValueError, match=r"increasing integers in \[1, 5\]"):
            f.predict(bad)


@pytest.mark.parametrize("index", [
    pd.period_range("2000-01", periods=40, freq="M"),
    pd.date_range("2000-01-03", periods=40, freq="W-MON"),
    pd.RangeIndex(10, 50),
    pd.Index(np.arange(1900, 1940)),
])
def test_the_adapter_keeps_the_index_type_of_y(index):
    y = pd.Series(np.cos(np.arange(40) / 4), index=index, name="level")
    f = RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(y, fh=[1, 3])
    pred = f.predict()
    expected = ForecastingHorizon([1, 3]).to_absolute_index(f.cutoff)
    assert type(pred.index) is type(expected) and pred.index.equals(expected) and pred.name == "level"
    # the adapter's forecasts are the Forecaster's
    np.testing.assert_array_equal(pred.to_numpy(), f.forecaster_.predict([1, 3]).to_numpy())
    # after an update without refitting, forecasts start from the newest value seen
    newer = pd.Series([5.0], index=ForecastingHorizon([1]).to_absolute_index(f.cutoff), name="level")
    f.update(newer, update_params=False)
    again = f.predict()
    assert again.index.equals(ForecastingHorizon([1, 3]).to_absolute_index(f.cutoff))
    np.testing.assert_array_equal(again.to_numpy(), f.forecaster_.predict([1, 3], data=pd.concat([y, newer]))
                                  .to_numpy())


def test_sktime_evaluate_runs_on_the_adapter():
    from sktime.datasets import load_airline

    y = load_airline()
    cv = ExpandingWindowSplitter(initial_window=120, step_length=12, fh=list(range(1, 13)))
    result = evaluate(RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0), cv, y)
    assert len(result) == 2 and np.isfinite(result.iloc[:, 0]).all()


# sktime's estimator checks, on the tiny settings. Two checks are left out for time only (they pass: 353 of 353
# checks pass with them, in ~3 min on the 2-core VM): test_predict_time_index repeats a fit for each of 108 index
# and horizon cases, the same index types as test_predict_time_index_with_X (run here), and
# test_update_predict_predicted_index repeats 24 fits of the update cases that test_update_predict_single covers.
SLOW = ["test_predict_time_index", "test_update_predict_predicted_index"]


def test_sktime_estimator_checks_pass():
    results = check_estimator(RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0, lookback=2,
                                               relative=True, season_length=1),
                              raise_exceptions=False, tests_to_exclude=SLOW, verbose=False)
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert len(results) > 150 and not failed, failed


def test_the_adapter_predicts_the_quantiles_it_was_fitted_for_as_sktime_intervals():
    from sktime.datasets import load_airline

    y = load_airline()
    for model in ("direct", "auto"):  # the pinball-trained net; the combination's conformal band
        f = RnnkitForecaster(model=model, quantiles=[0.1, 0.5, 0.9], **TINY).fit(y, fh=[1, 2, 3])
        assert f.get_tag("capability:pred_int") is True
        own = f.forecaster_.predict()  # the Forecaster's own quantile columns, 0.1 / 0.5 / 0.9
        quantiles = f.predict_quantiles(alpha=[0.1, 0.9])
        assert list(quantiles.columns) == [("Number of airline passengers", 0.1), ("Number of airline passengers", 0.9)]
        np.testing.assert_array_equal(quantiles.to_numpy(), own[[0.1, 0.9]].to_numpy())
        interval = f.predict_interval(coverage=0.8)
        np.testing.assert_array_equal(interval.to_numpy(), own[[0.1, 0.9]].to_numpy())
        np.testing.assert_array_equal(f.predict().to_numpy(), own[0.5].to_numpy())  # the point is the median
        assert list(interval.index) == list(f.predict().index) == list(own.index)
        with pytest.raises(ValueError, match=r"the quantile level\(s\) \[0\.05, 0\.95\] were not fitted; the model "
                                             r"predicts the levels it was fitted for, quantiles=\[0\.1, 0\.5, 0\.9\]"):
            f.predict_interval(coverage=0.9)
    points = RnnkitForecaster(**TINY).fit(y, fh=[1, 2])
    assert points.get_tag("capability:pred_int") is False
    with pytest.raises(NotImplementedError, match=r"RnnkitForecaster\.predict_interval: the model was built without "
                                                  r"quantiles, so it gives no prediction intervals or "
                                                  r"quantile predictions, points only; construct it with the "
                                                  r"levels to predict, e\.g\. quantiles=\[0\.1, 0\.5, 0\.9\]"):
        points.predict_interval(coverage=0.8)


def test_sktime_estimator_checks_of_intervals_and_quantiles_pass():
    # the levels sktime's checks ask for (coverage and alpha 0.05, 0.1, 0.25, 0.75), fitted
    levels = [0.025, 0.05, 0.1, 0.125, 0.25, 0.375, 0.45, 0.475, 0.5, 0.525, 0.55, 0.625, 0.75, 0.875, 0.9, 0.95, 0.975]
    results = check_estimator(RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0, lookback=2, relative=True,
                                               season_length=1, quantiles=levels),
                              raise_exceptions=False, verbose=False,
                              tests_to_run=["test_predict_interval", "test_predict_quantiles", "test_pred_int_tag",
                                            "test_predict_proba"])
    failed = {k: v for k, v in results.items() if v != "PASSED"}
    assert len(results) > 30 and not failed, failed
