"""Round 31 of bad inputs to the time-series data utilities used directly (T31-01 .. T31-09): dates that read
both day-first and month-first, a split given two ways, numbers written with thousands separators or decimal
commas, and the sizes and axes of splits and differencing. Each test fails on the commit before its fix."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import (
    Preprocessor,
    TimeSeriesFrame,
    calendar_features,
    rolling_origin,
    split_by_time,
    undifference,
)

MONTHS = pd.date_range("1949-01-01", periods=36, freq="MS")


def test_T31_01_monthly_day_first_dates_in_a_csv_are_refused_not_read_as_january_days(tmp_path):
    # every date is the 1st: '01/02/1949' is 1 February day-first, 2 January month-first (pandas' silent reading,
    # which made 36 months into 1..12 January of three years)
    path = tmp_path / "airline_eu.csv"
    pd.DataFrame({"month": MONTHS.strftime("%d/%m/%Y"), "passengers": np.arange(36.0)}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"^time column 'month' holds dates that read two ways \(%m/%d/%Y or "
                                         r"%d/%m/%Y: '01/01/1949' is either\); parse them yourself, pd.to_datetime\("
                                         r"\.\.\., format='%d/%m/%Y'\)[^\n]*ISO dates"):
        TimeSeriesFrame.from_csv(path, time_col="month")
    # one reading only: read as before
    iso = tmp_path / "iso.csv"
    pd.DataFrame({"month": MONTHS.strftime("%Y-%m-%d"), "passengers": np.arange(36.0)}).to_csv(iso, index=False)
    assert TimeSeriesFrame.from_csv(iso, time_col="month").time.equals(pd.DatetimeIndex(MONTHS.values))


def test_T31_02_calendar_features_of_ambiguous_text_dates_are_refused():
    with pytest.raises(ValueError, match=r"^calendar_features: the list of times holds dates that read two ways"):
        calendar_features(list(MONTHS.strftime("%d/%m/%Y")), ("month",))  # was: month_sin 0 on every row (January)
    values, _ = calendar_features(list(MONTHS.strftime("%Y-%m-%d")), ("month",))
    assert values[1, 0] == pytest.approx(0.5)  # February


def test_T31_03_a_split_time_that_reads_day_first_or_month_first_is_refused():
    frame = TimeSeriesFrame.from_pandas(pd.Series(np.arange(366.0), index=pd.date_range("2024-01-01", periods=366)))
    with pytest.raises(ValueError, match=r"^test_start='07/01/2024' holds dates that read two ways"):
        split_by_time(frame, test_start="07/01/2024")  # was: test from 1 July (row 182), not 7 January
    assert split_by_time(frame, test_start="2024-01-07").test.start == 6
    assert split_by_time(frame, test_start="13/01/2024").test.start == 12  # only day-first fits


def test_T31_04_a_fraction_given_with_split_times_is_refused_not_ignored():
    frame = TimeSeriesFrame.from_pandas(pd.Series(np.arange(10.0), index=pd.date_range("2024-01-01", periods=10)))
    with pytest.raises(ValueError, match=r"^split_by_time: val=0\.3 \(a fraction\) was given with val_start/"
                                         r"test_start \(timestamps\)"):
        split_by_time(frame, val=0.3, test_start="2024-01-08")  # was: val empty, without a word
    assert split_by_time(frame, val_start="2024-01-06", test_start="2024-01-08") == (range(0, 5), range(5, 7),
                                                                                      range(7, 10))
    assert split_by_time(frame) == split_by_time(frame, val=0.15, test=0.15) == (range(0, 6), range(6, 8),
                                                                                  range(8, 10))


@pytest.mark.parametrize("cells, sep, reading", [
    (['"1,234"', '"999"', '"1,000"'], ",", r"with thousands=',' \(1,234 = 1234\) or decimal=','"),
    (["1,5", "2,25", "3"], ";", r"with decimal=','"),
    (["1.234,5", "2.000,25", "7,5"], ";", r"with thousands='\.', decimal=','"),
])
def test_T31_05_numbers_with_thousands_separators_or_decimal_commas_get_the_read_csv_option(tmp_path, cells, sep,
                                                                                          reading):
    path = tmp_path / "v.csv"
    path.write_text(f"date{sep}v\n" + "".join(f"2024-01-0{i + 1}{sep}{c}\n" for i, c in enumerate(cells)))
    # was: "holds words ..., a category: ... pd.get_dummies", or "convert it with pd.to_numeric(..., errors='coerce')"
    # (every number with a comma made NaN)
    with pytest.raises(ValueError, match=r"^value column 'v' has dtype \w+; expected a numeric column: it holds "
                                         rf"numbers written with [^\n]*read the CSV {reading}"):
        TimeSeriesFrame.from_csv(path, time_col="date", sep=sep)


def test_T31_06_split_by_time_of_a_numpy_count_and_of_zero_rows():
    assert split_by_time(np.int64(10), val=0.2, test=0.2) == (range(0, 6), range(6, 8), range(8, 10))  # TypeError
    with pytest.raises(ValueError, match=r"^split_by_time: the series has 0 rows"):  # was ZeroDivisionError
        split_by_time(0)


def test_T31_07_undifference_refuses_an_axis_outside_d():
    with pytest.raises(ValueError, match=r"^undifference: axis must be one of d's 3 axes \(the time axis\), got 3"):
        undifference(np.ones((2, 4, 1)), np.ones((2, 12, 1)), axis=3)  # was numpy's IndexError
    assert undifference(np.ones((2, 4, 1)), np.ones((2, 12, 1)), axis=-2).shape == (2, 4, 1)


def test_T31_08_inverse_transform_of_a_list_or_one_column_name_and_rolling_origin_of_a_numpy_count():
    frame = TimeSeriesFrame.from_pandas(pd.Series(np.arange(10.0), index=pd.date_range("2024", periods=10), name="co2"))
    prep = Preprocessor().fit(frame, range(0, 7))  # mean 3, std 2
    assert prep.inverse_transform([[0.0], [1.0]], ["co2"]).tolist() == [[3.0], [5.0]]  # was AttributeError: shape
    assert prep.inverse_transform(np.zeros((2, 1)), "co2").tolist() == [[3.0], [3.0]]  # was: columns ['c', 'o', '2']
    assert list(rolling_origin(np.int64(10), initial=5, test_size=2)) == [(range(0, 5), range(5, 7)),
                                                                         (range(0, 7), range(7, 9))]  # was TypeError


def test_T31_09_calendar_features_of_durations_and_of_text_times_with_several_utc_offsets():
    with pytest.raises(ValueError, match=r"^calendar_features reads dates, but got durations [^\n]*add them to the "
                                         r"date they count from"):  # was TypeError: cannot be converted to datetime64
        calendar_features(pd.timedelta_range("1h", periods=3, freq="h"), ("hour",))
    # was pandas' "Mixed timezones detected. Pass utc=True ...": UTC hours, not the local ones
    with pytest.raises(ValueError, match=r"^calendar_features: the times hold several UTC offsets \(e\.g\. "
                                         r"'2024-01-01T00:00\+01:00'\)[^\n]*tz_convert"):
        calendar_features(["2024-01-01T00:00+01:00", "2024-07-01T00:00+02:00"], ("hour",))
    berlin = pd.to_datetime(["2024-01-01T00:00+01:00", "2024-07-01T00:00+02:00"], utc=True).tz_convert("Europe/Berlin")
    assert calendar_features(berlin, ("hour",))[0][:, 0].tolist() == [0.0, 0.0]  # local midnight
