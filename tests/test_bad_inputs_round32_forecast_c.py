"""Thirty-second round, third pass (forecasting): the sktime adapter as sktime's tools drive it on the airline
series, each result checked against the same folds computed by hand (docs/bad_inputs.md, F32-08 .. F32-10).
These pin behaviour that was already right (the rows are GOOD before and after)."""

import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")

from sktime.datasets import load_airline  # noqa: E402
from sktime.forecasting.base import ForecastingHorizon  # noqa: E402
from sktime.forecasting.model_evaluation import evaluate  # noqa: E402
from sktime.performance_metrics.forecasting import MeanAbsoluteError  # noqa: E402
from sktime.performance_metrics.forecasting.probabilistic import EmpiricalCoverage, PinballLoss  # noqa: E402
from sktime.split import ExpandingWindowSplitter, SlidingWindowSplitter  # noqa: E402

from rnnkit.forecast.sktime import RnnkitForecaster  # noqa: E402

TINY = dict(model="direct", hidden_size=4, max_epochs=1, random_state=0)


def _airline_frame() -> pd.DataFrame:
    """The airline as a one-column DataFrame (sktime then returns DataFrames), monthly periods 1949-01 .. 1960-12."""
    return load_airline().to_frame("pax")


def _evaluate(forecaster, cv, y, **kw) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sktime's FutureWarnings of its own defaults
        return evaluate(forecaster, cv, y, return_data=True, error_score="raise", **kw)


@pytest.mark.parametrize("strategy", ["refit", "no-update_params"])
def test_F32_08_evaluate_folds_match_hand(strategy):
    y = _airline_frame()
    cv = (SlidingWindowSplitter(window_length=72, step_length=24, fh=[1, 2, 3], initial_window=None)
          if strategy == "refit" else ExpandingWindowSplitter(initial_window=120, step_length=12, fh=[1, 2, 3]))
    result = _evaluate(RnnkitForecaster(**TINY), cv, y, strategy=strategy, scoring=MeanAbsoluteError())
    assert len(result) >= 2
    first = None
    for _, row in result.iterrows():
        train, test, pred = row["y_train"], row["y_test"], row["y_pred"]
        assert isinstance(pred, pd.DataFrame) and list(pred.columns) == ["pax"]
        assert pred.index.equals(test.index)  # the months after the fold's cutoff, 3 of them
        assert pred.index[0] == train.index[-1] + 1
        if first is None or strategy == "refit":
            by_hand = RnnkitForecaster(**TINY).fit(train, fh=[1, 2, 3])
            first = first or by_hand
            expected = by_hand.predict()["pax"].to_numpy()
        else:  # the first fold's model, reading every value up to this fold's cutoff
            expected = first.forecaster_.predict([1, 2, 3], data=train["pax"]).to_numpy()
        np.testing.assert_allclose(pred["pax"].to_numpy(), expected, rtol=1e-9)
        mae = np.abs(test["pax"].to_numpy() - expected).mean()
        assert row["test_MeanAbsoluteError"] == pytest.approx(mae, rel=1e-9)
    if strategy == "refit":  # a sliding window: each fold fitted on its last 72 months
        assert all(len(t) == 72 for t in result["y_train"])


def test_F32_09_intervals_quantiles_named_and_ordered_as_asked():
    y = load_airline()
    kw = dict(TINY, quantiles=[0.05, 0.1, 0.5, 0.9, 0.95])
    f = RnnkitForecaster(**kw).fit(y[:-12], fh=[1, 2, 3])
    levels = f.forecaster_.predict([1, 2, 3], data=y[:-12])  # the Forecaster's own quantile columns
    name = y.name
    pi = f.predict_interval(coverage=[0.9, 0.8])
    assert list(pi.columns) == [(name, 0.9, "lower"), (name, 0.9, "upper"), (name, 0.8, "lower"), (name, 0.8, "upper")]
    for column, level in zip(pi.columns, [0.05, 0.95, 0.1, 0.9], strict=True):
        np.testing.assert_allclose(pi[column].to_numpy(), levels[level].to_numpy(), rtol=1e-9)
    pq = f.predict_quantiles(alpha=[0.95, 0.05, 0.5])
    assert list(pq.columns) == [(name, 0.95), (name, 0.05), (name, 0.5)]
    np.testing.assert_allclose(pq.to_numpy(), levels[[0.95, 0.05, 0.5]].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(f.predict().to_numpy(), levels[0.5].to_numpy(), rtol=1e-9)
    assert pi.index.equals(pd.period_range("1960-01", periods=3, freq="M"))

    # evaluate with sktime's probabilistic metrics scores the same quantiles as by hand
    kw = dict(TINY, quantiles=[0.1, 0.5, 0.9])
    cv = ExpandingWindowSplitter(initial_window=120, step_length=12, fh=[1, 2, 3])
    pinball = _evaluate(RnnkitForecaster(**kw), cv, y, scoring=PinballLoss(alpha=[0.1, 0.9]))
    coverage = _evaluate(RnnkitForecaster(**kw), cv, y, scoring=EmpiricalCoverage(coverage=0.8))
    for (_, p), (_, c) in zip(pinball.iterrows(), coverage.iterrows(), strict=True):
        q = RnnkitForecaster(**kw).fit(p["y_train"], fh=[1, 2, 3]).predict_quantiles(alpha=[0.1, 0.9]).to_numpy()
        actual = p["y_test"].to_numpy()
        loss = np.mean([np.maximum(a * (actual - q[:, j]), (a - 1) * (actual - q[:, j])).mean()
                        for j, a in enumerate([0.1, 0.9])])
        assert p["test_PinballLoss"] == pytest.approx(loss, rel=1e-9)
        inside = np.mean((actual >= q[:, 0]) & (actual <= q[:, 1]))
        assert c["test_EmpiricalCoverage"] == pytest.approx(inside, rel=1e-12)


def test_F32_10_update_predict_rows_from_each_cutoff():
    y = _airline_frame()
    f = RnnkitForecaster(**TINY).fit(y[:-12], fh=[1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = f.update_predict(y[-12:], update_params=False)
    # sktime's layout: one column per cutoff (each new month) and variable, its rows the months forecast from it
    cutoffs = pd.period_range("1960-01", "1960-10", freq="M")
    assert list(out.columns) == [(cutoff, "pax") for cutoff in cutoffs]
    for cutoff in cutoffs:
        column = out[(cutoff, "pax")].dropna()
        assert list(column.index) == [cutoff + 1, cutoff + 2]
        expected = f.forecaster_.predict([1, 2], data=y["pax"].loc[:cutoff]).to_numpy()
        np.testing.assert_allclose(column.to_numpy(), expected, rtol=1e-9)


def test_F32_11_fh_at_fit_in_sktime_forms():
    y = load_airline()
    full = RnnkitForecaster(**TINY).fit(y[:-12], fh=[1, 2, 3]).predict()
    absolute = ForecastingHorizon(pd.PeriodIndex(["1960-03", "1960-01"], freq="M"), is_relative=False)
    for fh in ([3], [3, 1], absolute, np.array([2, 3])):
        p = RnnkitForecaster(**TINY).fit(y[:-12], fh=fh).predict()  # a horizon of 3: the same net as full's
        assert list(p.index) == sorted(p.index) and set(p.index) <= set(full.index)
        np.testing.assert_allclose(p.to_numpy(), full.loc[p.index].to_numpy(), rtol=1e-9)
    with pytest.raises(ValueError, match="must be passed to `fit`"):  # sktime's own refusal: the net needs it
        RnnkitForecaster(**TINY).fit(y[:-12])


def test_F32_12_float32_levels_read_as_written():
    y = load_airline()
    f = RnnkitForecaster(**TINY, quantiles=[0.1, 0.5, 0.9]).fit(y[:-12], fh=[1, 2])
    want = f.predict_interval(coverage=0.8)
    for coverage in (np.float32(0.8), np.array([0.8], dtype=np.float32)):  # a float32 config or array's levels
        got = f.predict_interval(coverage=coverage)
        assert list(got.columns) == list(want.columns)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
    got = f.predict_quantiles(alpha=np.array([0.9, 0.1], dtype=np.float32))
    assert list(got.columns) == [(y.name, 0.9), (y.name, 0.1)]
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy()[:, ::-1], rtol=1e-12)
