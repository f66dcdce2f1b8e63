"""Round 32 of bad inputs to the time-series reading layer (T32-01 .. T32-08) and real series no test had used
(R32-01 .. R32-04): dates written with two-digit years, as spreadsheets write short dates and months ('Jan-49',
'01.02.24'), which pandas read in the wrong century, month-first, or value by value; a monthly price download whose
dividend rows hold no value; matplotlib's goog.npz and statsmodels' elec_equip through the Forecaster. The T32 tests
and R32-03 fail on the commit before their fix; the other R32 tests pin behaviour that was already right."""

import os
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.datasets import load_airline
from rnnkit.data.timeseries import TimeSeriesFrame, calendar_features, split_by_time
from rnnkit.forecast import Forecaster, GlobalForecaster

FAST = dict(model="direct", max_epochs=1, hidden_size=4, random_state=0)
CENTURY = r"writes years with two digits \('Jan-49', \.\.\.\), and pandas reads 00 \.\. 68 as 2000 \.\. 2068"


def _airline_as(fmt: str) -> pd.Series:
    air = load_airline()
    return air.set_axis(pd.Index(air.index.strftime(fmt), name="Month"))


def test_T32_01_months_with_two_digit_years_are_refused_not_dated_a_century_late():
    air = _airline_as("%b-%y")  # 'Jan-49' .. 'Dec-60', as a spreadsheet writes the airline's months
    with pytest.raises(ValueError, match=rf"^the index {CENTURY}: 'Jan-49' as 2049-01-01, after this year \(\d{{4}}\); "
                                         r"dates of the 1900s\? parse them with their century, t = pd.DatetimeIndex\("
                                         r"pd.to_datetime\(data.index, format='%b-%y'\)\)"):
        Forecaster(horizon=2, **FAST).fit(air)  # was: read as 2049 .. 2060, forecasts dated 2061-01-01
    with pytest.raises(ValueError, match=rf"^time column 'Month' {CENTURY}"):
        Forecaster(horizon=2, **FAST).fit(air.reset_index(), time_col="Month")
    with pytest.raises(ValueError, match=rf"^time column 'Month' {CENTURY}"):
        TimeSeriesFrame.from_pandas(air.reset_index(), time_col="Month")  # was: 2049-01-01 .. 2060-12-01
    long = pd.concat([air.reset_index().assign(unique_id=k) for k in "ab"])
    with pytest.raises(ValueError, match=rf"^time column 'Month' {CENTURY}"):
        GlobalForecaster(lookback=12, horizon=2, **FAST).fit(long, time_col="Month", target="passengers")
    # years read up to this year are meant as written: the 2000s' months are read as before
    recent = pd.date_range("2001-01-01", periods=30, freq="MS")
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"m": recent.strftime("%b-%y"), "v": np.arange(30.0)}),
                                        time_col="m")  # was: 'Jan-01' read as 1 January of the year 1, refused
    assert frame.time.equals(pd.DatetimeIndex(recent.values))


def test_T32_02_short_day_first_dates_that_read_two_ways_are_refused_not_read_as_january_days():
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    data = pd.DataFrame({"d": months.strftime("%d.%m.%y"), "v": np.arange(24.0)})  # '01.02.24': 1 February
    with pytest.raises(ValueError, match=r"^time column 'd' holds dates that read two ways \(%m\.%d\.%y or "
                                         r"%d\.%m\.%y: '01\.01\.24' is either\); parse them yourself, "
                                         r"pd.to_datetime\(\.\.\., format='%d\.%m\.%y'\)"):
        TimeSeriesFrame.from_pandas(data, time_col="d")  # was: 2024-01-01, 2024-01-02, ...: days of January


def test_T32_03_short_day_first_daily_dates_are_read_day_first_not_refused_as_out_of_order():
    days = pd.date_range("2024-01-01", periods=40, freq="D")
    data = pd.DataFrame({"d": days.strftime("%d/%m/%y"), "v": np.arange(40.0)})
    # was: '02/01/24' read month-first (2 February), '13/01/24' day-first: 'not increasing ... sort the rows first'
    assert TimeSeriesFrame.from_pandas(data, time_col="d").time.equals(pd.DatetimeIndex(days.values))
    us = data.assign(d=days.strftime("%m/%d/%y"))  # month-first, as before
    assert TimeSeriesFrame.from_pandas(us, time_col="d").time.equals(pd.DatetimeIndex(days.values))


def test_T32_04_calendar_features_of_two_digit_years_use_the_right_year():
    with pytest.raises(ValueError, match=rf"^calendar_features: the list of times {CENTURY}"):
        calendar_features(list(_airline_as("%b-%y").index), ("weekday",))  # was: the weekdays of 2049
    recent = pd.date_range("2001-01-01", periods=14, freq="MS")
    short, _ = calendar_features(list(recent.strftime("%b-%y")), ("weekday",))  # was: read in the year 1
    assert np.allclose(short, calendar_features(recent, ("weekday",))[0])


def test_T32_05_two_digit_years_across_1969_are_refused_by_their_century_not_as_unsorted():
    years = pd.date_range("1960-01-01", periods=30, freq="YS")  # '60' .. '89': 2060 .. 2068, then 1969 .. 1989
    data = pd.DataFrame({"d": years.strftime("%d/%m/%y"), "v": np.arange(30.0)})
    with pytest.raises(ValueError, match=r"^time column 'd' writes years with two digits \('01/01/60', \.\.\.\).*"
                                         r"format='%m/%d/%y'\)\).*four-digit years \(1960 for '01/01/60'\)$"):
        TimeSeriesFrame.from_pandas(data, time_col="d")  # was: 'not increasing ... sort the rows first'


def test_T32_06_a_known_future_frame_indexed_by_day_first_text_is_read_on_the_forecast_dates():
    days = pd.date_range("2024-01-01", periods=60, freq="D")
    data = pd.DataFrame({"y": np.sin(np.arange(60.0)), "promo": (np.arange(60) % 7 == 0) * 1.0}, index=days)
    model = Forecaster(horizon=3, lookback=7, **FAST).fit(data, future_covariates=["promo"])
    ahead = pd.date_range("2024-03-01", periods=3, freq="D")
    iso = model.predict(future=pd.DataFrame({"promo": [1.0, 0.0, 0.0]}, index=ahead))
    for fmt in ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%y"):  # 01/03/2024 is 1 March day-first, 3 January month-first
        text = pd.DataFrame({"promo": [1.0, 0.0, 0.0]}, index=ahead.strftime(fmt))
        # was (day-first): read month-first, 'future has no row for 3 of the 3 forecast timestamps'
        pd.testing.assert_frame_equal(model.predict(future=text), iso)


def test_T32_07_split_times_with_two_digit_years_are_read_in_one_format_and_their_century():
    days = TimeSeriesFrame.from_pandas(pd.Series(np.arange(366.0), index=pd.date_range("2024-01-01", periods=366)))
    with pytest.raises(ValueError, match=r"^test_start='07/01/24' holds dates that read two ways \(%m/%d/%y or "
                                         r"%d/%m/%y"):
        split_by_time(days, test_start="07/01/24")  # was: 1 July (row 182), without a word
    assert split_by_time(days, test_start="13/01/24").test.start == 12
    assert split_by_time(days, test_start="Mar-24").test.start == 60  # was: 'at or before the series' first time'
    air = TimeSeriesFrame.from_pandas(load_airline())
    with pytest.raises(ValueError, match=r"^test_start='Jan-58' writes years with two digits"):
        split_by_time(air, test_start="Jan-58")  # was: 'after the series' last time 1960-12-01'
    assert split_by_time(air, test_start="1958-01").test.start == 108


def test_T32_08_custom_business_days_resample_without_pandas_performance_warning():
    days = pd.bdate_range("2024-01-01", periods=80).delete([10, 30])  # weekdays less two holidays
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)  # was: 'Non-vectorized DateOffset being ...'
        pred = Forecaster(horizon=2, lookback=5, **FAST).fit(pd.Series(np.sin(np.arange(78.0)), days), freq="C")
    assert pred.predict().index.tolist() == list(pd.bdate_range(days[-1], periods=3)[1:])


def _sample_data(name: str) -> str:
    matplotlib = pytest.importorskip("matplotlib")
    return os.path.join(matplotlib.get_data_path(), "sample_data", name)


def test_R32_01_goog_npz_trading_days_read_on_business_days_with_their_second_unit():
    prices = pd.DataFrame(np.load(_sample_data("goog.npz"))["price_data"])  # dates datetime64[D]: [s] in pandas
    close = prices.set_index("date")["close"]
    with pytest.raises(ValueError, match=r"^the timestamps of 'date' are not evenly spaced .*pass freq='B'"):
        Forecaster(horizon=3, **FAST).fit(close)
    pred = Forecaster(horizon=3, **FAST).fit(close, freq="B").predict()
    assert close.index[-1] == pd.Timestamp("2008-10-14")
    assert pred.index.tolist() == list(pd.bdate_range("2008-10-15", periods=3)) and pred.index.name == "date"
    assert np.all((pred.to_numpy() > 0.5 * close.min()) & (pred.to_numpy() < 2 * close.max()))


def test_R32_02_elec_equip_monthly_index_keeps_its_column_and_season():
    elec = pytest.importorskip("statsmodels.datasets.elec_equip").load_pandas().data  # DATE, datetime64[us]
    model = Forecaster(horizon=3, **FAST).fit(elec)
    pred = model.predict()
    assert model.freq_ == "MS" and model.season_length_ == 12
    assert pred.index.tolist() == list(pd.date_range("2016-06-01", periods=3, freq="MS"))
    assert pred.index.name == "DATE" and pred.columns.tolist() == ["STS.M.I7.W.TOVT.NS0016.4.000"]


def test_R32_03_monthly_prices_with_empty_dividend_rows_name_the_rows_to_drop():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stocks = pd.read_csv(_sample_data("Stocks.csv"), comment="#", index_col=0, parse_dates=True)
    ibm = stocks["IBM"]  # monthly, with a row of no value at each dividend date (1990-02-05, ...)
    with pytest.raises(ValueError, match=r"^the timestamps of 'Date' are not evenly spaced: 133 rows hold no value in "
                                         r"any column, at times off the grid 'MS' of the others \(the first "
                                         r"1990-02-05; .*data.dropna\(how='all'\)\), or pass freq='MS'"):
        Forecaster(horizon=2, **FAST).fit(ibm)  # was: pass freq='h' (or 'D', 'W-SAT', 'MS'...)
    kept = ibm.dropna().iloc[:-1]  # the last row repeats June's on the 28th
    assert Forecaster(horizon=2, **FAST).fit(kept).predict().index[0] == pd.Timestamp("2022-07-01")


def test_R32_04_msft_csv_newest_first_with_two_digit_years_is_refused_until_sorted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        msft = pd.read_csv(_sample_data("msft.csv"), index_col=0, parse_dates=True)["Close"]  # '19-Sep-03' first
    with pytest.raises(ValueError, match=r"^the index is not increasing: .*data.sort_index\(\)"):
        Forecaster(horizon=2, **FAST).fit(msft)
    with pytest.raises(ValueError, match=r"business days with 2 missing \(the first 2003-07-04, a holiday\?\)"):
        Forecaster(horizon=2, **FAST).fit(msft.sort_index())
    text = pd.read_csv(_sample_data("msft.csv")).iloc[::-1]  # 'Date' as the file writes it, oldest first
    frame = TimeSeriesFrame.from_pandas(text[["Date", "Close"]], time_col="Date")
    assert frame.time[[0, -1]].tolist() == [msft.index.min(), pd.Timestamp("2003-09-19")]
