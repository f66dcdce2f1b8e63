"""Round 24: the time-series utilities used directly on real series (statsmodels co2, sktime airline)."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import calendar_features, difference, split_by_time, undifference


def co2():
    statsmodels = pytest.importorskip("statsmodels.api")
    return statsmodels.datasets.co2.load_pandas().data["co2"]  # 2284 weeks, 59 NaN


def test_S24_01_undifference_of_a_series_with_missing_values_is_refused_not_nan_onwards():
    x = co2().to_numpy()
    d, head = difference(x, 1)  # x[6] is the first NaN: d[5] = x[6] - x[5]
    with pytest.raises(ValueError, match=r"d is NaN at step 5 along axis 0 .*every level after it in its season would "
                                         r"come back NaN; fill the series' missing values before differencing"):
        undifference(d, head)
    with pytest.raises(ValueError, match=r"head is NaN at step 6 along axis 0"):
        undifference(*difference(x, 52))
    filled = co2().interpolate().to_numpy()  # the fix it gives: the round trip is exact
    np.testing.assert_array_equal(undifference(*difference(filled, 52)), filled[52:])
    np.testing.assert_array_equal(undifference(*difference(filled, 1)), filled[1:])


def test_S24_02_differences_of_unsigned_counts_are_signed_not_wrapped():
    passengers = np.array([112, 118, 132, 129, 121, 135], dtype=np.uint8)  # airline's first months as uint8
    d, head = difference(passengers, 1)
    np.testing.assert_array_equal(d, [6, 14, -3, -8, 14])
    np.testing.assert_array_equal(undifference(d, head), passengers[1:])
    d, _ = difference(np.array([True, False, True]), 1)  # numpy refuses "-" on booleans
    np.testing.assert_array_equal(d, [-1, 1])


def test_S24_03_a_split_fraction_that_rounds_to_no_rows_is_refused():
    with pytest.raises(ValueError, match=r"test=0.001 of the 144 rows rounds to 0 rows, so the test part would be "
                                         r"empty; give a fraction of at least 1/144 = 0.0069 \(one row\), or test=0"):
        split_by_time(144, val=0.15, test=0.001)
    with pytest.raises(ValueError, match=r"val=0.1 of the 4 rows rounds to 0 rows"):
        split_by_time(4, val=0.1, test=0.25)
    assert split_by_time(144, val=0.15, test=0) == (range(0, 122), range(122, 144), range(144, 144))
    assert split_by_time(144, val=0.15, test=1 / 144).test == range(143, 144)


def test_S24_04_calendar_features_refuse_a_missing_time_and_accept_no_features():
    with pytest.raises(ValueError, match=r"the time at row 1 is missing \(NaT\)"):
        calendar_features(pd.DatetimeIndex(["1958-03-29", None, "1958-04-12"]), ("month",))
    time = pd.date_range("2021-03-27", periods=48, freq="h", tz="Europe/Berlin")
    values, names = calendar_features(time, ())
    assert values.shape == (48, 0) and names == ()
    hours = calendar_features(time, ("hour",))[0]  # local hours across the DST change: 02:00 skipped on the 28th
    np.testing.assert_allclose(hours[26], [np.sin(2 * np.pi * 3 / 24), np.cos(2 * np.pi * 3 / 24)], atol=1e-12)
