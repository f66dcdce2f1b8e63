"""The forecasting front door on real series and index kinds the other tests do not use (docs/bad_inputs.md,
"Fourth catalogue: real data, forecasting"): a valid input gets forecasts indexed as its own index continues,
a bad one a one-line ValueError naming what, where (the series' own timestamps) and how to fix it."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit import Forecaster, GlobalForecaster, load
from rnnkit.forecast.series import read_series_csv

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's remember_data notice


def quick(**kw) -> Forecaster:
    params = dict(horizon=3, model="direct", lookback=4, max_epochs=1, hidden_size=4, random_state=0)
    return Forecaster(**(params | kw))


def sp500(rows: int = 60) -> pd.Series:
    import arch.data.sp500

    return arch.data.sp500.load()["Adj Close"].iloc[-rows:]


# -- valid inputs: the forecasts continue the index -------------------------------------------------------------
@pytest.mark.parametrize("freq", ["D", "W-SUN", "M", "Q-DEC", "Y-DEC", "h"])
def test_a_period_index_of_every_frequency_is_continued_as_periods(freq):
    index = pd.period_range("2001-01-01", periods=30, freq=freq)
    pred = quick().fit(pd.Series(np.sin(np.arange(30.0)), index=index)).predict()
    assert isinstance(pred.index, pd.PeriodIndex) and pred.index.freqstr == index.freqstr
    assert pred.index.tolist() == [index[-1] + k for k in (1, 2, 3)]


@pytest.mark.parametrize("freq", ["B", "W-SUN", "MS", "ME", "QS-JAN", "YE-DEC", "30min"])
def test_a_datetime_index_with_or_without_freq_is_continued_at_its_frequency(freq):
    index = pd.date_range("2001-01-01", periods=30, freq=freq)
    expected = pd.date_range(index[-1], periods=4, freq=freq)[1:]
    for given in (index, pd.DatetimeIndex(list(index))):  # the freq attribute set, and inferred
        pred = quick().fit(pd.Series(np.sin(np.arange(30.0)), index=given)).predict()
        assert pred.index.equals(expected)


def test_month_and_quarter_labels_are_read_as_the_first_day_of_each_period():
    import pmdarima.datasets as datasets

    wine = datasets.load_wineind(as_series=True)  # index 'Jan 1980' .. 'Aug 1994' (text)
    assert wine.index[-1] == "Aug 1994"
    pred = quick().fit(wine).predict()
    assert pred.index.tolist() == [pd.Timestamp("1994-09-01"), pd.Timestamp("1994-10-01"), pd.Timestamp("1994-11-01")]
    wool = datasets.load_woolyrnq(as_series=True)  # 'Q1 1965' .. 'Q3 1994'
    assert wool.index[-1] == "Q3 1994"
    pred = quick().fit(wool).predict()
    assert pred.index.tolist() == [pd.Timestamp("1994-10-01"), pd.Timestamp("1995-01-01"), pd.Timestamp("1995-04-01")]


def test_the_command_lines_csv_reader_reads_month_labels(tmp_path):
    import pmdarima.datasets as datasets

    path = tmp_path / "wine.csv"
    datasets.load_wineind(as_series=True).rename("sales").rename_axis("month").to_csv(path)
    data = read_series_csv(path, time_column="month", target_column="sales")
    assert data.index[0] == pd.Timestamp("1980-01-01") and data.index[-1] == pd.Timestamp("1994-08-01")
    assert pd.infer_freq(data.index) == "MS" and len(data) == 176


def test_business_days_on_the_B_grid_forecast_the_next_business_days():
    y = sp500()
    pred = quick().fit(y, freq="B").predict()  # the holidays become missing values, imputed
    assert y.index[-1] == pd.Timestamp("2018-12-31")
    assert pred.index.tolist() == list(pd.bdate_range("2019-01-01", periods=3))


def test_unnamed_series_and_index_stay_unnamed_and_names_are_kept_through_save(tmp_path):
    unnamed = pd.Series(np.arange(30.0), index=pd.date_range("2001-01-01", periods=30))
    pred = quick().fit(unnamed).predict()
    assert pred.name is None and pred.index.name is None
    named = unnamed.rename("sales").rename_axis("day")
    f = quick().fit(named)
    assert f.predict().name == "sales" and f.predict().index.name == "day"
    assert f.historical_forecasts().index.name == "day"
    f.save(tmp_path / "m")
    again = load(tmp_path / "m").predict()
    assert again.name == "sales" and again.index.name == "day"
    assert quick().fit(pd.Series(np.arange(30.0), index=pd.RangeIndex(10, 40))).predict().index.name is None


def test_default_model_on_a_short_real_series_continues_its_periods():
    from sktime.datasets import load_shampoo_sales

    y = load_shampoo_sales().iloc[:10]  # fewer points than a season
    pred = Forecaster(horizon=3, hidden_size=4, max_epochs=1, random_state=0).fit(y).predict()
    assert pred.index.tolist() == list(pd.period_range("1991-11", periods=3, freq="M"))
    assert np.isfinite(pred.to_numpy()).all()


# -- bad inputs: one line, where, how ---------------------------------------------------------------------------
def test_business_days_with_holidays_missing_are_refused_pointing_at_the_B_grid():
    with pytest.raises(ValueError, match=r"not evenly spaced .*the first step off the grid 'B': "
                                         r"2018-11-23 00:00:00 follows 2018-11-21 00:00:00\), .*"
                                         r"all weekdays, business days with 3 missing \(the first 2018-11-22, a "
                                         r"holiday\?\): freq='B' reads them"):
        quick().fit(sp500())


def test_uneven_hours_name_the_first_uneven_step():
    from vega_datasets import local_data

    temps = local_data.sf_temps().set_index("date")["temp"].loc["2010-03-13":"2010-03-15"]
    with pytest.raises(ValueError, match=r"2010-03-14 04:00:00 follows 2010-03-14 02:00:00\), .*freq='h'") as e:
        quick().fit(temps)
    assert "weekdays" not in str(e.value)  # not business days


def test_a_date_column_in_a_frame_indexed_by_rows_names_the_time_col_to_pass():
    import pmdarima.datasets as datasets
    from vega_datasets import local_data

    weather = local_data.seattle_weather()[["date", "temp_max"]]
    with pytest.raises(ValueError, match=r"column 'date' holds dates .*index counts rows \(0..1460\); pass "
                                         r"time_col='date' \(or data.set_index\('date'\)\)"):
        quick().fit(weather)
    assert quick().fit(weather, time_col="date").predict().index[0] == pd.Timestamp("2016-01-01")
    msft = datasets.load_msft()[["Date", "Close"]].iloc[-50:]  # dates as text; a slice: rows 7933..7982
    with pytest.raises(ValueError, match=r"column 'Date' holds dates as text \('2017-\d\d-\d\d', ...\), but the index "
                                         r"counts rows \(7933..7982\); pass time_col='Date'"):
        quick().fit(msft)


def test_predict_data_off_the_fitted_grid_is_refused():
    y = pd.Series(np.arange(40.0), index=pd.date_range("2000-01-01", periods=40, freq="D"))
    f = quick().fit(y)
    hourly = pd.Series(np.arange(40.0), index=pd.date_range("2000-01-01", periods=40, freq="h"))
    with pytest.raises(ValueError, match=r"not on the fitted grid of one step per 'D': 2000-01-01 01:00:00 follows "
                                         r"2000-01-01 00:00:00, where that step leads to 2000-01-02 00:00:00"):
        f.predict(data=hourly)
    with pytest.raises(ValueError, match=r"2000-02-02 00:00:00 follows 2000-01-31 00:00:00.*resample\('D'\)"):
        f.predict(data=y.drop(y.index[31]))  # 2000-02-01 missing
    assert f.predict(data=y.iloc[:30]).index[0] == pd.Timestamp("2000-01-31")  # on the grid: read
    from sktime.datasets import load_airline

    air = load_airline()
    g = quick().fit(air)
    with pytest.raises(ValueError, match=r"skip 1 of its 'M' periods \(1957-05; 1957-06 follows 1957-04\)"):
        g.predict(data=air.drop(air.index[100]))
    with pytest.raises(ValueError, match="data's periods are 'D' .*, but the forecaster was fitted on 'M' periods"):
        g.predict(data=pd.Series(np.arange(40.0), index=pd.period_range("2000-01-01", periods=40, freq="D")))


def test_historical_forecasts_start_is_a_time_of_the_series():
    from sktime.datasets import load_airline

    f = quick().fit(load_airline())
    assert f.historical_forecasts(start=pd.Period("1958-01", "M")).index[0] == pd.Period("1958-01", "M")
    with pytest.raises(ValueError, match=r"start=Period\('1960-12', 'M'\) \(row 143\) leaves no forecast whose 3 "
                                         r"steps lie in the series of 144 rows; the last one starts at row 141 "
                                         r"\(1960-10\)"):
        f.historical_forecasts(start=pd.Period("1960-12", "M"))
    rows = quick().fit(pd.Series(np.arange(40.0), index=pd.RangeIndex(10, 50)))
    assert rows.historical_forecasts(start=30).index[:2].tolist() == [30, 31]  # the index's 30, not row 30
    years = quick().fit(pd.Series(np.arange(40.0), index=np.arange(1700.0, 1740.0)))
    assert years.historical_forecasts(start=1720).index[:2].tolist() == [1720, 1721]
    assert years.historical_forecasts(start=5).index[:2].tolist() == [1705, 1706]  # not a year: a row number
    with pytest.raises(ValueError, match=r"start=2050 is neither a row number \(0..39\) nor a time of the series"):
        years.historical_forecasts(start=2050)


def test_a_column_with_no_observed_value_is_named():
    index = pd.date_range("2000-01-01", periods=30)
    with pytest.raises(ValueError, match=r"column 'co2' is missing \(NaN\) at all 30 rows, so it cannot be forecast"):
        quick().fit(pd.Series(np.nan, index=index, name="co2"))
    frame = pd.DataFrame({"y": np.arange(30.0), "promo": np.nan}, index=index)
    with pytest.raises(ValueError, match=r"column 'promo' is missing \(NaN\) at all 30 rows, so it cannot be read "
                                         r"as a covariate; .*drop\(columns=\['promo'\]\)"):
        quick().fit(frame, targets=["y"])


def test_sktime_fh_on_an_integer_index_with_a_step_counts_index_units():
    from rnnkit.forecast.sktime import RnnkitForecaster

    y = pd.Series(np.sin(np.arange(40.0)), index=pd.Index(np.arange(0, 200, 5)))
    make = lambda: RnnkitForecaster(model="direct", lookback=4, hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"advances by 5 per row, .*fh \[1, 2, 3\] falls between rows: pass "
                                         r"multiples of 5"):
        make().fit(y, fh=[1, 2, 3])
    pred = make().fit(y, fh=[5, 10, 15]).predict()
    assert pred.index.tolist() == [200, 205, 210]
    np.testing.assert_allclose(pred.to_numpy(), quick().fit(y).predict().to_numpy(), rtol=1e-6)


def panel() -> pd.DataFrame:
    from vega_datasets import local_data

    stocks = local_data.stocks().rename(columns={"symbol": "unique_id", "date": "ds", "price": "y"})
    return stocks[stocks.unique_id.isin(["MSFT", "IBM"])].reset_index(drop=True)


def test_a_panel_indexed_by_id_and_time_is_pointed_at_reset_index():
    g = GlobalForecaster(lookback=4, horizon=3, model="direct", hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"holds \['unique_id', 'ds'\] in its index, not as columns; .*"
                                         r"data.reset_index\(\)"):
        g.fit(panel().set_index(["unique_id", "ds"]))


def test_a_panel_series_with_a_missing_month_reads_as_one_sentence():
    data = panel()
    gap = data.drop(data.index[(data.unique_id == "IBM") & (data.ds == "2005-03-01")])
    g = GlobalForecaster(lookback=4, horizon=3, model="direct", hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"series 'IBM' .*2005-04-01 00:00:00 follows 2005-02-01 00:00:00\), .*"
                                         r"put every series on a regular grid first, e.g. data.set_index\(.ds.\)"):
        g.fit(gap)


def test_backtest_forecasts_keep_periods_and_integer_years():
    from sktime.datasets import load_lynx

    lynx = load_lynx()  # yearly periods 1821 .. 1934
    table, forecasts = quick().backtest(lynx, folds=2, return_forecasts=True)
    assert table.index.tolist() == [pd.Period("1929", "Y-DEC"), pd.Period("1932", "Y-DEC")]
    assert isinstance(forecasts.index, pd.PeriodIndex) and forecasts.index[0] == pd.Period("1929", "Y-DEC")
    assert forecasts["origin"].tolist()[:4] == [pd.Period("1929", "Y-DEC")] * 3 + [pd.Period("1932", "Y-DEC")]
    years = lynx.set_axis(np.arange(1821, 1935))
    _, forecasts = quick().backtest(years, folds=2, return_forecasts=True)
    assert forecasts.index.tolist()[:3] == [1929, 1930, 1931] and forecasts["origin"].tolist()[:3] == [1929] * 3
    assert pd.api.types.is_integer_dtype(forecasts.index.dtype)


def test_an_index_of_datetime_dates_is_read_as_dates():
    from vega_datasets import local_data

    weather = local_data.seattle_weather().set_index("date")["temp_max"].iloc[-40:]
    days = weather.set_axis([t.date() for t in weather.index])  # object index of datetime.date
    pred = quick().fit(days).predict()
    assert pred.index.tolist() == list(pd.date_range("2016-01-01", periods=3, freq="D"))
    with pytest.raises(ValueError, match=r"the index holds values of type 'time'; give a DatetimeIndex"):
        quick().fit(days.set_axis([t.time() for t in weather.index]))


def test_the_command_line_points_stock_prices_at_business_days(tmp_path, cli_error):
    from rnnkit.cli import main

    path = tmp_path / "sp500.csv"
    sp500().rename("close").rename_axis("day").to_csv(path)
    args = ["forecast", str(path), "--time-column", "day", "--target-column", "close", "--horizon", "3",
            "--lookback", "4", "--max-epochs", "1", "--hidden-size", "4", "--folds", "1", "--model", "direct"]
    line = cli_error([*args, "--out", tmp_path / "a"])
    assert "business days with 3 missing (the first 2018-11-22, a holiday?): --freq B reads them" in line
    assert main([*args, "--freq", "B", "--out", str(tmp_path / "b")]) == 0
    forecast = pd.read_csv(tmp_path / "b" / "forecast.csv")
    assert forecast["day"].tolist() == ["2019-01-01", "2019-01-02", "2019-01-03"]


def test_one_or_two_periods_are_enough_when_the_index_carries_its_frequency():
    from sktime.datasets import load_shampoo_sales

    for n in (1, 2):
        y = load_shampoo_sales().iloc[:n]  # monthly periods from 1991-01
        pred = Forecaster(horizon=3, hidden_size=4, max_epochs=1, random_state=0).fit(y).predict()
        assert pred.index.tolist() == list(pd.period_range(y.index[-1] + 1, periods=3, freq="M"))
        np.testing.assert_array_equal(pred.to_numpy(), np.full(3, y.iloc[-1]))  # the naive forecast
    two_days = pd.Series([1.0, 2.0], index=pd.DatetimeIndex(["2020-01-01", "2020-01-02"]))  # no freq set
    with pytest.raises(ValueError, match=r"the series has 2 timestamps; at least 3 are needed to tell its frequency "
                                         r"\(or an index that carries it"):
        Forecaster(horizon=3).fit(two_days)


def test_a_two_dimensional_fh_is_refused_in_one_line():
    f = quick().fit(pd.Series(np.arange(30.0), index=pd.date_range("2001-01-01", periods=30)))
    with pytest.raises(ValueError, match=r"a flat list of integers, got an array of shape \(1, 2\)"):
        f.predict(np.array([[1, 2]]))


def test_a_panel_of_quarter_labels_reads_them_as_quarters():
    import pmdarima.datasets as datasets

    wool = datasets.load_woolyrnq(as_series=True)  # 'Q1 1965' .. 'Q3 1994'
    data = pd.DataFrame({"unique_id": "wool", "ds": wool.index, "y": wool.to_numpy()})
    g = GlobalForecaster(lookback=4, horizon=3, model="direct", hidden_size=4, max_epochs=1, random_state=0)
    pred = g.fit(data).predict()
    assert pred["ds"].tolist() == [pd.Timestamp("1994-10-01"), pd.Timestamp("1995-01-01"), pd.Timestamp("1995-04-01")]


def test_the_command_line_forecasts_a_yearly_numeric_time_column(tmp_path):
    import statsmodels.api as sm

    from rnnkit.cli import main

    path = tmp_path / "nile.csv"
    sm.datasets.nile.load_pandas().data.astype({"year": int}).to_csv(path, index=False)  # 1871 .. 1970
    args = ["forecast", str(path), "--time-column", "year", "--target-column", "volume", "--horizon", "3",
            "--lookback", "4", "--max-epochs", "1", "--hidden-size", "4", "--folds", "1", "--model", "direct",
            "--out", str(tmp_path / "run")]
    assert main(args) == 0
    forecast = pd.read_csv(tmp_path / "run" / "forecast.csv")
    backtest = pd.read_csv(tmp_path / "run" / "backtest.csv")
    assert forecast["year"].tolist() == [1971, 1972, 1973]
    assert backtest["origin"].unique().tolist() == [1968]
    np.testing.assert_array_equal(backtest["seasonal_naive"], backtest["naive"])  # season 1: no calendar


def test_newer_data_is_resampled_onto_the_grid_fit_resampled_onto(tmp_path):
    y = sp500(120)
    f = quick().fit(y.iloc[:60], freq="B")  # the holidays of the first 60 rows become missing values
    pred = f.predict(data=y)  # raw business days with holidays: resampled onto 'B' as at fit
    assert pred.index.tolist() == list(pd.bdate_range("2019-01-01", periods=3))
    f.save(tmp_path / "m")
    pd.testing.assert_series_equal(load(tmp_path / "m").predict(data=y), pred)


def test_a_bad_freq_is_named_in_one_line():
    y = pd.Series(np.arange(40.0), index=pd.date_range("2000-01-01", periods=40, freq="D"))
    with pytest.raises(ValueError, match=r"freq='weekly' is not a pandas frequency; pass one such as 'h'"):
        quick().fit(y, freq="weekly")
    with pytest.raises(ValueError, match=r"freq='M' is pandas 2's spelling of month ends \(starts are 'MS'\), "
                       r"which pandas .* reads no more; pass freq='ME'"):  # L39-02 names the successor
        quick().fit(y, freq="M")
    years = pd.Series(np.arange(40.0), index=np.arange(1900, 1940))
    with pytest.raises(ValueError, match=r"freq='YS' resamples dates, but the series has a numeric time axis "
                                         r"\(1900 .. 1939\); drop freq"):
        quick().fit(years, freq="YS")
