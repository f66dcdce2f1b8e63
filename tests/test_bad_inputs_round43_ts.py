"""Round 43 (time columns as the last round left them and as users' own data give them): a wide table of dates as
columns given to a TimeSeriesFrame, a missing reading written -999 in a CSV's feature, a horizon of whole floats
(T43-01 ..)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster


def _forecaster(horizon: int = 4) -> Forecaster:
    return Forecaster(horizon=horizon, model="direct", lookback=3, hidden_size=4, max_epochs=1)


# T43-01: a wide table (a series per row, a date per column: a pivot's, the World Bank's) given where a frame reads
# its series down the rows, with the default RangeIndex
_DATES = [str(d.date()) for d in pd.date_range("2021-01-01", periods=10)]


def _wide(rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng(0).normal(size=(rows, 10)), columns=_DATES)


def test_T43_01_wide_table_of_dates_is_refused_not_read_as_ten_series_of_three_steps():
    # was: read without a word as 10 series named '2021-01-01' .. '2021-01-10', each of 3 steps (the rows)
    with pytest.raises(ValueError, match=r"data has 10 columns named as times \('2021-01-01' \.\. '2021-01-10'\) and "
                                         r"a series on each row, as a wide table has.*turn it, "
                                         r"data\.loc\[:, '2021-01-01':'2021-01-10'\]\.T"):
        TimeSeriesFrame.from_pandas(_wide())
    turned = _wide().loc[:, "2021-01-01":"2021-01-10"].T  # the fix it names
    turned.index = pd.to_datetime(turned.index)
    frame = TimeSeriesFrame.from_pandas(turned)
    assert frame.values.shape == (10, 3)


def test_T43_01_wide_table_with_an_id_column_is_called_wide_not_a_value_column_of_words():
    # was: "value column 'id' has dtype str; expected a numeric column: it holds words (e.g. 'a')..."
    wide = _wide().assign(id=["a", "b", "c"])[["id", *_DATES]]
    with pytest.raises(ValueError, match=r"as a wide table has.*turn it, data\.set_index\('id'\)\.loc\[:, "
                                         r"'2021-01-01':'2021-01-10'\]\.T"):
        TimeSeriesFrame.from_pandas(wide)
    turned = wide.set_index("id").loc[:, "2021-01-01":"2021-01-10"].T
    assert list(TimeSeriesFrame.from_pandas(turned.rename_axis("t").reset_index(), time_col="t").columns) == \
        ["a", "b", "c"]


def test_T43_01_a_wide_table_of_more_rows_than_years_with_its_names_column_is_warned_and_can_be_silenced():
    # 20 countries over 5 years, a 'country' column naming the rows: fewer times across than rows, still wide
    rng = np.random.default_rng(1)
    wide = pd.DataFrame(rng.normal(size=(20, 5)), columns=[str(y) for y in range(2016, 2021)])
    wide.insert(0, "country", [f"c{k}" for k in range(20)])
    with pytest.warns(UserWarning, match=r"5 columns named as times \('2016' \.\. '2020'\).*as a wide table has.*"
                                         r"data\.set_index\('country'\).*silence this with warnings\.filterwarnings"):
        with pytest.raises(ValueError):  # the text column is then refused as a value column, as before
            TimeSeriesFrame.from_pandas(wide)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*as a wide table has")
        with pytest.raises(ValueError, match="value column 'country'"):
            TimeSeriesFrame.from_pandas(wide)


def test_T43_01_long_tables_of_columns_that_look_like_times_stay_quiet():
    # a column per year of a year's daily values (no column naming rows), sensors S1 .. S9, features '1' .. '3',
    # months as twelve value columns of a row per year: read as they are, without a word
    rng = np.random.default_rng(1)
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    tables = [pd.DataFrame(rng.normal(size=(365, 3)), columns=["2019", "2020", "2021"]),
              pd.DataFrame(rng.normal(size=(50, 2)), columns=["2019", "2020"]),
              pd.DataFrame(rng.normal(size=(5, 9)), columns=[f"S{k}" for k in range(1, 10)]),
              pd.DataFrame(rng.normal(size=(50, 3)), columns=["1", "2", "3"]),
              pd.DataFrame(rng.normal(size=(5, 12)), columns=months)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for table in tables:
            assert TimeSeriesFrame.from_pandas(table).values.shape == table.shape


def test_T43_01_pin_frames_without_time_columns_stay_quiet():
    plain = pd.DataFrame(np.random.default_rng(2).normal(size=(20, 3)), columns=["a", "b", "c"])
    counted = pd.DataFrame(np.random.default_rng(2).normal(size=(20, 3)))  # columns 0, 1, 2: no years
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert TimeSeriesFrame.from_pandas(plain).values.shape == (20, 3)
        assert TimeSeriesFrame.from_pandas(counted).values.shape == (20, 3)


# T43-02: a missing reading written as a number (-999, 9999) in a long CSV's feature column, as read_sequences
# (rnnkit train) reads it
def _long_csv(tmp_path, x: np.ndarray) -> str:
    n = len(x) // 2
    frame = pd.DataFrame({"id": np.repeat(["s1", "s2"], n), "t": np.tile(np.arange(n), 2), "temp": x,
                          "target": np.repeat([0, 1], n)})
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_T43_02_minus_999_in_a_csv_feature_is_warned_naming_line_and_sequence(tmp_path):
    # was: read as a temperature of -999 (scaled, trained on), without a word
    x = np.random.default_rng(0).uniform(10, 30, 24)
    x[[4, 15]] = -999
    path = _long_csv(tmp_path, x)
    with pytest.warns(UserWarning, match=r"feature column 'temp' holds -999 on 2 line\(s\) \(the first: sequence "
                                         r"'s1' \(line 6\)\), far outside its other values.*the mark of a missing "
                                         r"reading.*pd\.read_csv\(path, na_values=\[-999\]\)"):
        read_sequences(path, time_column="t")
    fixed = tmp_path / "fixed.csv"
    pd.read_csv(path, na_values=[-999]).to_csv(fixed, index=False)  # the fix it names
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_sequences(fixed, time_column="t", missing_values=True)
    assert np.isnan(table.X[0][4, 0]) and np.nanmin(np.concatenate(table.X)) > 0


def test_T43_02_9999_in_a_csv_feature_is_warned(tmp_path):
    x = np.random.default_rng(1).uniform(0, 5, 24)
    x[20] = 9999
    with pytest.warns(UserWarning, match=r"holds 9999 on 1 line\(s\) \(the first: sequence 's2' \(line 22\)\)"):
        read_sequences(_long_csv(tmp_path, x), time_column="t")


def test_T43_02_pin_codes_among_values_of_their_size_stay_quiet(tmp_path):
    x = np.random.default_rng(2).uniform(0, 1200, 24)
    x[3] = 999  # a count among counts up to 1200
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_sequences(_long_csv(tmp_path, x), time_column="t")


# T43-03: predict's horizon of whole numbers as floats or text (2.0, np.float64(2) of a computation, '2', [1.0, 2.0])
@pytest.fixture(scope="module")
def fitted() -> Forecaster:
    series = pd.Series(np.sin(np.arange(40) / 3), index=pd.date_range("2021-01-01", periods=40, freq="D"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _forecaster().fit(series)


@pytest.mark.parametrize(("given", "fix"), [(2.0, "predict(2)"), (np.float64(3), "predict(3)"), ("2", "predict(2)"),
                                            ([1.0, 2.0], "predict([1, 2])")])
def test_T43_03_whole_float_horizon_names_the_integer_to_give(fitted, given, fix):
    # was: 'predict: horizon must be an integer in [1, 4] or a list of steps ahead, got 2.0', no fix named
    with pytest.raises(ValueError, match=r"predict: .*got .*; give the steps as integers: " + fix.replace(
            "(", r"\(").replace(")", r"\)").replace("[", r"\[").replace("]", r"\]") + "$"):
        fitted.predict(given)


def test_T43_03_pin_fractions_and_steps_out_of_range_name_no_integer(fitted):
    for given in (2.5, 5.0, [2.0, 1.0]):
        with pytest.raises(ValueError, match=r"predict: ") as e:
            fitted.predict(given)
        assert "give the steps as integers" not in str(e.value)
    assert len(fitted.predict(2)) == 2


# T43-04: a year and a month (or quarter) of each in two columns, as statistics offices and sheets lay them out
def _year_month(periods: int = 12) -> pd.DataFrame:
    return pd.DataFrame({"year": np.repeat([2019, 2020, 2021], periods), "month": np.tile(np.arange(1, periods + 1), 3),
                         "y": np.random.default_rng(0).normal(size=3 * periods)})


def test_T43_04_month_numbers_beside_a_year_column_are_one_time_not_series_stacked():
    # was: "time column 'month' starts over: row 12 (1.0) follows row 11 (12.0) and repeats row 0: several series
    # stacked one after another? ..."
    data = _year_month()
    with pytest.raises(ValueError, match=r"time column 'month' and column 'year' write one time in two: 'year' holds "
                                         r"the years \(2019, \.\.\.\) and 'month' the months of each \(1 \.\. 12\), so "
                                         r"the months alone start over each year; join them.*data\['t'\] = "
                                         r"pd\.to_datetime\(dict\(year=data\['year'\], month=data\['month'\], "
                                         r"day=1\)\)"):
        TimeSeriesFrame.from_pandas(data, time_col="month")
    with pytest.raises(ValueError, match=r"'month' and column 'year' write one time in two"):
        _forecaster().fit(data, time_col="month")
    data["t"] = pd.to_datetime(dict(year=data["year"], month=data["month"], day=1))  # the fix it names
    frame = TimeSeriesFrame.from_pandas(data.drop(columns=["year", "month"]), time_col="t")
    assert frame.values.shape == (36, 1) and frame.time[12] == pd.Timestamp("2020-01-01")


def test_T43_04_years_as_the_time_column_beside_quarters_are_told_too():
    # was: "time column 'year' has every timestamp on 4 rows ...: 4 series in one column, a panel without its id
    # column? ..."
    data = _year_month(4).rename(columns={"month": "quarter"})
    with pytest.raises(ValueError, match=r"time column 'year' and column 'quarter' write one time in two.*the quarters "
                                         r"of each \(1 \.\. 4\), so the years alone repeat.*PeriodIndex\.from_fields"):
        TimeSeriesFrame.from_pandas(data, time_col="year")


def test_T43_04_pin_years_beside_store_numbers_or_a_count_stay_as_before():
    stores = _year_month().rename(columns={"month": "store"})  # a panel's ids 1 .. 12, not months
    with pytest.raises(ValueError) as e:
        TimeSeriesFrame.from_pandas(stores, time_col="year")
    assert "one time in two" not in str(e.value)
    yearly = pd.DataFrame({"year": np.arange(1990, 2020), "count": np.tile(np.arange(1, 11), 3), "y": np.arange(30.0)})
    assert TimeSeriesFrame.from_pandas(yearly, time_col="year").values.shape == (30, 2)


# T43-05: a time column of dates in one format but for a few written another way (typed by hand, two files joined)
_ISO = list(pd.date_range("2021-01-01", periods=20).strftime("%Y-%m-%d"))


def test_T43_05_a_date_in_another_format_is_named_by_its_row_with_the_mixed_reading():
    # was: "time column 't' could not be read as datetimes (time data "01/06/2021" doesn't match format
    # "%Y-%m-%d"); pass ISO-8601 strings, ..." (no row); the Forecaster's index: "not dates in one format"
    times = [*_ISO[:5], "01/06/2021", *_ISO[6:]]
    data = pd.DataFrame({"t": times, "y": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"time column 't' holds dates in two formats: row 5 has '01/06/2021' where "
                                         r"the others are written %Y-%m-%d \('2021-01-01' at row 0\).*data\['t'\] = "
                                         r"pd\.to_datetime\(data\['t'\], format='%Y-%m-%d', errors='coerce'\)\.fillna\("
                                         r"pd\.to_datetime\(data\['t'\], format='%m/%d/%Y', errors='coerce'\)\)"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    with pytest.raises(ValueError, match=r"the index holds dates in two formats: position 5 has '01/06/2021'.*"
                                         r"data\.index = pd\.to_datetime\(data\.index, format='%Y-%m-%d'"):
        _forecaster().fit(pd.Series(np.sin(np.arange(20.0)), index=times))
    data["t"] = pd.to_datetime(data["t"], format="%Y-%m-%d", errors="coerce").fillna(
        pd.to_datetime(data["t"], format="%m/%d/%Y", errors="coerce"))  # the fix it names
    assert TimeSeriesFrame.from_pandas(data, time_col="t").time[5] == pd.Timestamp("2021-01-06")


def test_T43_05_day_first_dates_beside_an_iso_one_name_dayfirst():
    times = list(pd.date_range("2021-01-01", periods=20).strftime("%d.%m.%Y"))
    times[7] = "2021-01-08"
    data = pd.DataFrame({"t": times, "y": np.arange(20.0)})
    with pytest.raises(ValueError, match=r"row 7 has '2021-01-08' where the others are written %d\.%m\.%Y.*"
                                         r"format='%d\.%m\.%Y', errors='coerce'\)\.fillna\(pd\.to_datetime\("
                                         r"data\['t'\], format='%Y-%m-%d', errors='coerce'\)\)"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    data["t"] = pd.to_datetime(data["t"], format="%d.%m.%Y", errors="coerce").fillna(
        pd.to_datetime(data["t"], format="%Y-%m-%d", errors="coerce"))
    assert TimeSeriesFrame.from_pandas(data, time_col="t").time[13] == pd.Timestamp("2021-01-14")


def test_T43_05_iso_dates_of_days_1_to_12_are_read_year_month_day_by_the_fix():
    # ISO dates whose days all read as months too (2021-01-01 .. 2021-01-09): the fix must read them as ISO, not
    # year-day-month, which would put '2021-01-02' on 1 February
    times = [*_ISO[:5], "01/06/2021", *_ISO[6:9]]
    data = pd.DataFrame({"t": times, "y": np.arange(9.0)})
    with pytest.raises(ValueError, match=r"the others are written %Y-%m-%d \('2021-01-01' at row 0\).*"
                                         r"format='%Y-%m-%d', errors='coerce'\)\.fillna\(pd\.to_datetime\("
                                         r"data\['t'\], format='%m/%d/%Y'"):
        TimeSeriesFrame.from_pandas(data, time_col="t")
    data["t"] = pd.to_datetime(data["t"], format="%Y-%m-%d", errors="coerce").fillna(
        pd.to_datetime(data["t"], format="%m/%d/%Y", errors="coerce"))  # the fix, as written
    assert list(TimeSeriesFrame.from_pandas(data, time_col="t").time) == list(pd.date_range("2021-01-01", periods=9))


def test_T43_04_pin_year_and_month_features_beside_a_date_time_column_stay_quiet():
    data = pd.DataFrame({"date": pd.date_range("2019-01-01", periods=36, freq="MS")})
    data = data.assign(y=np.sin(np.arange(36.0)), year=data["date"].dt.year, month=data["date"].dt.month,
                       quarter=data["date"].dt.quarter)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert TimeSeriesFrame.from_pandas(data, time_col="date").values.shape == (36, 4)


def test_T43_05_pin_words_among_dates_keep_their_own_message():
    data = pd.DataFrame({"t": [*_ISO[:19], "Total"], "y": np.arange(20.0)})
    with pytest.raises(ValueError) as e:
        TimeSeriesFrame.from_pandas(data, time_col="t")
    assert "two formats" not in str(e.value)
