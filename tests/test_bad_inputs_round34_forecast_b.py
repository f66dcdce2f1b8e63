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
