"""Round 33, third pass, of bad inputs to the time-series reading layer (T33-17 .. T33-19): days written as numbers
YYYYMMDD, which TimeSeriesFrame read as plain numbers (a step of 70 at each month's end) while the Forecaster refused
them, a categorical index of dates, refused as "neither dates nor numbers", and a long panel given to
TimeSeriesFrame, told to encode its ids as dummies. Each test fails on the commit before its fix."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster

FAST = dict(model="direct", max_epochs=1, hidden_size=4, random_state=0)
DAYS = pd.date_range("2020-01-01", periods=60, freq="D")


def test_T33_17_timeseriesframe_refuses_yyyymmdd_integers_as_the_forecaster_does():
    ints = DAYS.strftime("%Y%m%d").astype(int)  # 20200101 .. 20200229, as CRSP's and French's daily files
    y = pd.Series(np.sin(np.arange(60.0)), index=ints)
    message = (r"^the times of 'index' are days written as numbers YYYYMMDD \(20200101 is 2020-01-01, .*a step of "
               r"70\); give them as dates: pd\.to_datetime\(")
    with pytest.raises(ValueError, match=message):
        TimeSeriesFrame.from_pandas(y)  # was: read as numbers, 20200101.0 .. 20200229.0
    with pytest.raises(ValueError, match=message.replace("'index'", "'t'")):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ints, "v": y.to_numpy()}), time_col="t")
    with pytest.raises(ValueError, match=message):
        Forecaster(horizon=2, **FAST).fit(y)  # the Forecaster's refusal, unchanged
    months = pd.Series(np.arange(30.0), index=pd.period_range("2000-01", periods=30, freq="M").strftime("%Y%m")
                       .astype(int))  # 200001 .. 200206: months YYYYMM
    with pytest.raises(ValueError, match=r"^the times of 'index' are months written as numbers YYYYMM"):
        TimeSeriesFrame.from_pandas(months)
    years = pd.Series(np.arange(30.0), index=np.arange(1950, 1980))  # years stay a numeric axis
    assert TimeSeriesFrame.from_pandas(years).time[0] == 1950


def test_T33_18_a_categorical_index_of_dates_is_read_as_its_dates():
    y = pd.Series(np.sin(np.arange(60.0) / 3), index=pd.CategoricalIndex(DAYS, name="day"))
    frame = TimeSeriesFrame.from_pandas(y)  # was: "is neither dates nor numbers"
    assert (frame.time == DAYS).all() and frame.time_name == "day"
    forecast = Forecaster(horizon=2, **FAST).fit(y).predict()
    assert list(forecast.index) == list(pd.date_range("2020-03-01", periods=2, freq="D"))
    text = pd.Series(np.arange(60.0), index=pd.CategoricalIndex(DAYS.strftime("%Y-%m-%d")))
    with pytest.raises(ValueError, match=r"^the index holds dates as text \('2020-01-01', "):
        TimeSeriesFrame.from_pandas(text)  # was: "is neither dates nor numbers"


def test_T33_19_a_long_panel_to_timeseriesframe_is_named_as_a_panel():
    long = pd.concat([pd.DataFrame({"unique_id": k, "ds": DAYS, "y": np.arange(60.0) + i})
                      for i, k in enumerate("abc")])
    panel = (r"^data looks like a long panel of 3 series: column 'unique_id' holds series ids \('a', 'b', 'c'\) beside "
             r"times 'ds' that repeat; read one series, data\[data\['unique_id'\] == 'a'\], or forecast all of them "
             r"with rnnkit\.GlobalForecaster\(")
    with pytest.raises(ValueError, match=panel):
        TimeSeriesFrame.from_pandas(long, time_col="ds")  # was: "... encode it as numbers yourself (pd.get_dummies"
    with pytest.raises(ValueError, match=panel):
        TimeSeriesFrame.from_pandas(long.set_index("ds"))
    one = TimeSeriesFrame.from_pandas(long[long["unique_id"] == "a"].drop(columns="unique_id"), time_col="ds")
    assert len(one.time) == 60
