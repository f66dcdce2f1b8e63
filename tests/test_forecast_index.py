"""The index of a series given to the Forecaster is its time axis, never silently dropped: numbers (years,
float years, a slice of a longer series) stay numbers, periods come back as periods, and an index that is
neither dates nor numbers is refused."""

import numpy as np
import pandas as pd
import pytest

from rnnkit import Forecaster
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import _future_index, _regular_step

VALUES = np.sin(np.arange(40) / 3.0)


def fitted(index) -> Forecaster:
    return Forecaster(lookback=6, horizon=3, hidden_size=2, max_epochs=1, random_state=0, model="direct").fit(
        pd.Series(VALUES, index=index))


@pytest.mark.parametrize("index, expected", [
    (np.arange(1950, 1990), [1990, 1991, 1992]),             # years as ints
    (np.arange(1700.0, 1740.0), [1740, 1741, 1742]),         # years as whole floats
    (np.arange(0, 200, 5), [200, 205, 210]),                 # a step of 5
    (pd.RangeIndex(10, 50), [50, 51, 52]),                   # a slice y[10:] of a longer series
    (np.arange(40) * 0.5, [20.0, 20.5, 21.0]),               # half steps stay floats
])
def test_a_numeric_index_is_the_time_axis(index, expected):
    frame = TimeSeriesFrame.from_pandas(pd.Series(VALUES, index=index))
    np.testing.assert_array_equal(frame.time, np.asarray(index, dtype=np.float64))
    freq, _ = _regular_step(frame)
    future = _future_index(frame, freq, 3)
    assert future.tolist() == expected
    whole = all(float(v).is_integer() for v in np.asarray(index, dtype=np.float64))
    assert future.dtype == (np.int64 if whole else np.float64)


def test_the_default_positions_stay_no_time_axis():
    assert TimeSeriesFrame.from_pandas(pd.Series(VALUES)).time is None


@pytest.mark.parametrize("index, message", [
    (np.arange(40)[::-1], "is not increasing"),
    (np.r_[0, np.arange(39)], "duplicate timestamp"),
    (pd.timedelta_range(0, periods=40, freq="s"), "TimedeltaIndex"),
])
def test_an_index_that_cannot_be_a_time_axis_is_refused_not_dropped(index, message):
    with pytest.raises(ValueError, match=message):
        TimeSeriesFrame.from_pandas(pd.Series(VALUES, index=index))
    with pytest.raises(ValueError, match=message):
        fitted(index)


def test_a_text_index_is_refused_by_the_frame():
    with pytest.raises(ValueError, match="neither dates nor numbers"):
        TimeSeriesFrame.from_pandas(pd.Series(VALUES, index=[f"k{i}" for i in range(40)]))


def test_an_object_index_of_ints_is_numbers_not_year_strings():
    forecaster = fitted(pd.Index(list(range(1950, 1990)), dtype=object))
    assert forecaster.predict().index.tolist() == [1990, 1991, 1992]


def test_years_come_back_as_years_after_save_and_load(tmp_path):
    forecaster = fitted(np.arange(1950, 1990))
    assert forecaster.predict().index.tolist() == [1990, 1991, 1992]
    assert forecaster.historical_forecasts(start=36).index.tolist() == [1986, 1987]
    with pytest.raises(ValueError, match="data has dates, but the forecaster was fitted on a series with a "
                                         "numeric time axis"):
        forecaster.predict(data=pd.Series(VALUES, index=pd.date_range("2000", periods=40, freq="D")))
    forecaster.save(tmp_path / "m")
    assert Forecaster.load(tmp_path / "m").predict().index.tolist() == [1990, 1991, 1992]
    errors = forecaster.backtest(pd.Series(VALUES, index=np.arange(1950, 1990)), folds=2, season_length=4)
    assert errors.index.tolist() == [1984, 1987]


def test_a_period_index_comes_back_as_periods_after_save_and_load(tmp_path):
    index = pd.period_range("2000-01", periods=40, freq="M")
    forecaster = fitted(index)
    expected = pd.period_range("2003-05", periods=3, freq="M")
    assert isinstance(forecaster.predict().index, pd.PeriodIndex)
    assert forecaster.predict().index.tolist() == expected.tolist()
    forecaster.save(tmp_path / "m")
    assert Forecaster.load(tmp_path / "m").predict().index.tolist() == expected.tolist()
