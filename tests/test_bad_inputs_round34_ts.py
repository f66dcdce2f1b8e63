"""Round 34 of bad inputs to the time-series reading layer (T34-01 ..): time indexes as users bring them to the
Forecaster and TimeSeriesFrame: month labels written with a dot ('Jan. 2000') or in AP style ('Sept. 2000',
'March 2000'), ... Each test fails on the commit before its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import TimeSeriesFrame, calendar_features
from rnnkit.forecast import Forecaster

FAST = dict(model="direct", max_epochs=1, hidden_size=4, random_state=0)
MONTHS = pd.date_range("2000-01-01", periods=40, freq="MS")
AP = {1: "Jan.", 2: "Feb.", 3: "March", 4: "April", 5: "May", 6: "June", 7: "July", 8: "Aug.", 9: "Sept.",
      10: "Oct.", 11: "Nov.", 12: "Dec."}


def quiet_fit(forecaster, *args, **kwargs):
    with warnings.catch_warnings():  # text read as dates: warned of, not asserted here
        warnings.simplefilter("ignore", UserWarning)
        return forecaster.fit(*args, **kwargs)


def test_T34_01_month_labels_with_a_dot_or_in_ap_style_are_read_as_months():
    y = pd.Series(np.sin(np.arange(40.0) / 2), index=MONTHS.strftime("%b. %Y"))  # 'Jan. 2000', 'Feb. 2000', ...
    forecast = quiet_fit(Forecaster(horizon=2, **FAST), y).predict()  # was: "not dates in one format"
    assert list(forecast.index) == [pd.Timestamp("2003-05-01"), pd.Timestamp("2003-06-01")]
    ap = pd.Series(y.to_numpy(), index=[f"{AP[t.month]} {t.year}" for t in MONTHS])  # 'Sept. 2000', 'March 2000'
    assert list(quiet_fit(Forecaster(horizon=2, **FAST), ap).predict().index) == list(forecast.index)
    frame = TimeSeriesFrame.from_pandas(ap.rename_axis("month").reset_index(name="v"), time_col="month")
    assert (frame.time == MONTHS).all()  # read by the one reader of month labels, as the Forecaster reads them
    with pytest.raises(ValueError, match=r"^the index holds periods as text \('Jan\. 2000', 'Feb\. 2000', "):
        TimeSeriesFrame.from_pandas(y)  # was: "is neither dates nor numbers"
    months, _ = calendar_features(list(ap.index[:3]), features=("month",))
    assert np.allclose(months[:, 0], np.sin(2 * np.pi * np.arange(3) / 12), atol=1e-6)
    fix = (r"sort the rows first \(data\.sort_index\(key=lambda t: pd\.to_datetime\(t, format='mixed'\)\), not "
           r"data\.sort_index\(\), which sorts the text as words")
    with pytest.raises(ValueError, match=fix):
        quiet_fit(Forecaster(horizon=2, **FAST), ap.iloc[::-1])  # 'April 2003' before 'Apr. ...': no one format
    with pytest.raises(ValueError, match=r"data\.sort_index\(key=lambda t: pd\.to_datetime\(t, format='%b\. %Y'\)\)"):
        quiet_fit(Forecaster(horizon=2, **FAST), y.iloc[::-1])
    taken = ap.iloc[::-1].sort_index(key=lambda t: pd.to_datetime(t, format="mixed"))  # the fix, taken
    assert list(quiet_fit(Forecaster(horizon=2, **FAST), taken).predict().index) == list(forecast.index)
