"""Round 34 (second pass), forecasting: bad inputs to backtest's fold arguments (F34-07)."""
import datetime

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster


def _daily(n=80):
    return pd.Series(np.arange(n, dtype=float) % 7, index=pd.date_range("2024-01-01", periods=n, freq="D"))


def _forecaster():
    return Forecaster(horizon=3, lookback=7, max_epochs=1, season_length=7)


@pytest.mark.parametrize("step", ["7D", pd.Timedelta(days=7), datetime.timedelta(days=7)])
def test_F34_07_backtest_step_as_a_time_span_names_the_rows_it_spans(step):
    with pytest.raises(ValueError, match=r"is a time span, but step counts the series' rows.*spans 7 rows of this "
                                         r"series \(2024-01-01 to 2024-01-08\), step=7"):
        _forecaster().backtest(_daily(), step=step)


def test_F34_07_backtest_step_of_months_on_monthly_periods():
    y = pd.Series(np.arange(60, dtype=float) % 12, index=pd.period_range("2000-01", periods=60, freq="M"))
    with pytest.raises(ValueError, match=r"'3MS' is a time span.*spans 3 rows of this series.*step=3"):
        Forecaster(horizon=3, lookback=12, max_epochs=1, season_length=12).backtest(y, step="3MS")


@pytest.mark.parametrize("step", [2.0, "2"])
def test_F34_07_backtest_step_as_a_whole_float_or_text_names_the_integer(step):
    with pytest.raises(ValueError, match=r"step must be an integer >= 1.*; pass step=2$"):
        _forecaster().backtest(_daily(), step=step)


def test_F34_07_backtest_step_as_a_span_on_row_numbers_says_it_counts_rows():
    y = _daily().reset_index(drop=True)
    with pytest.raises(ValueError, match=r"'7D' is a time span, but step counts the series' rows between two origins: "
                                         r"give that number of rows$"):
        _forecaster().backtest(y, step="7D")


@pytest.fixture(scope="module")
def _adapter():
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    rng = np.random.default_rng(0)
    y = pd.Series(10 + np.sin(np.arange(48) * 2 * np.pi / 12) + rng.normal(0, 0.1, 48),
                  index=pd.period_range("2000-01", periods=48, freq="M"))
    return RnnkitForecaster(max_epochs=1, hidden_size=4, lookback=12, season_length=12, random_state=0,
                            quantiles=[0.1, 0.5, 0.9]).fit(y, fh=[1, 2])


@pytest.mark.parametrize("alpha", [np.array([10, 90]), pd.Series([10, 90]), pd.Index([10, 90])])
def test_F34_08_adapter_quantile_levels_as_an_integer_array_of_percents_name_the_fractions(_adapter, alpha):
    with pytest.raises(ValueError, match=r"predict_quantiles: alpha holds 10, .*10 reads as a percentage: give "
                                         r"alpha=\[0.1, 0.9\]"):
        _adapter.predict_quantiles(alpha=alpha)


def test_F34_08_adapter_coverage_as_an_integer_array_or_numpy_int(_adapter):
    with pytest.raises(ValueError, match=r"predict_interval: coverage holds 80, .*give coverage=\[0.8\]"):
        _adapter.predict_interval(coverage=np.array([80]))
    with pytest.raises(ValueError, match=r"alpha holds 10, .*give alpha=0.1$"):
        _adapter.predict_quantiles(alpha=np.int64(10))


def test_F34_08_adapter_levels_as_a_series_or_array_of_fractions_still_read(_adapter):
    want = _adapter.predict_quantiles(alpha=[0.1, 0.9])
    for alpha in (pd.Series([0.1, 0.9]), np.array([0.1, 0.9]), np.array([0.1, 0.9], dtype=np.float32)):
        pd.testing.assert_frame_equal(_adapter.predict_quantiles(alpha=alpha), want)


def test_F34_09_float32_quantile_levels_label_the_forecasts_as_they_print():
    y = pd.Series(np.arange(40, dtype=float) % 7, index=pd.date_range("2024-01-01", periods=40, freq="D"))
    kw = dict(max_epochs=1, horizon=2, lookback=7, random_state=0, model="direct")
    m = Forecaster(quantiles=np.array([0.1, 0.5, 0.9], dtype=np.float32), **kw).fit(y)
    pred = m.predict()
    assert pred.columns.tolist() == [0.1, 0.5, 0.9]
    assert pred[0.1].shape == (2,)
    assert m.historical_forecasts(y).columns.get_level_values("quantile").unique().tolist() == [0.1, 0.5, 0.9]
    listed = Forecaster(quantiles=[0.1, 0.5, 0.9], **kw).fit(y).predict()
    np.testing.assert_allclose(pred.to_numpy(), listed.to_numpy(), atol=1e-6)
