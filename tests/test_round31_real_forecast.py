"""Thirty-first round (real series): series no earlier test fed to the forecasters, in the forms their libraries
hand them out (vega's us_employment as a wide table of text months and as a long panel, vega's stocks panel by
symbol, statsmodels' elnino as a wide table of float years by months), pinned where the behaviour was already
right: the forecast's index continues the series' own, the ids keep their order, values stay on their scale."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster

local_data = pytest.importorskip("vega_datasets").local_data
FAST = dict(model="direct", max_epochs=1, hidden_size=8, random_state=0)
JOBS = ["nonfarm", "construction", "government"]  # 143k, 6.6k, 22k jobs in 2015: ranges that never overlap


def _employment():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return local_data.us_employment()  # 120 months 2006-01 .. 2015-12, `month` as text '2006-01-01'


def _on_scale(values, series):
    """Within one span of the series' own range: a forecast of another column's scale lies far outside."""
    lo, hi = float(series.min()), float(series.max())
    values = np.asarray(values, dtype=float)
    return bool(np.all((values > lo - (hi - lo)) & (values < hi + (hi - lo))))


def test_R31_01_us_employment_wide_text_months_keep_their_text_columns_and_scales():
    wide = _employment().set_index("month")[JOBS]
    wide.columns.name = "industry"
    pred = Forecaster(horizon=3, lookback=12, **FAST).fit(wide).predict()
    assert pred.index.tolist() == ["2016-01-01", "2016-02-01", "2016-03-01"]
    assert pred.index.name == "month"
    assert pred.columns.tolist() == JOBS and pred.columns.name == "industry"
    assert all(_on_scale(pred[c], wide[c]) for c in JOBS)


def test_R31_02_us_employment_melted_is_a_panel_with_its_ids_in_order_and_its_months_as_text():
    long = _employment().melt(id_vars="month", value_vars=JOBS, var_name="industry", value_name="jobs")
    model = GlobalForecaster(lookback=12, horizon=4, **FAST).fit(long, id_col="industry", time_col="month",
                                                                  target="jobs")
    pred = model.predict()
    assert pred["industry"].unique().tolist() == JOBS
    months = ["2016-01-01", "2016-02-01", "2016-03-01", "2016-04-01"]
    for name in JOBS:
        rows = pred[pred["industry"] == name]
        assert rows["month"].tolist() == months
        assert _on_scale(rows["jobs"], long.loc[long["industry"] == name, "jobs"])


def test_R31_03_stocks_panel_keeps_the_symbols_order_and_continues_each_month():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stocks = local_data.stocks()  # MSFT, AMZN, IBM, GOOG (from 2004-08), AAPL; monthly to 2010-03-01
    pred = GlobalForecaster(lookback=12, horizon=2, **FAST).fit(stocks, id_col="symbol", time_col="date",
                                                                 target="price").predict()
    assert pred["symbol"].unique().tolist() == ["MSFT", "AMZN", "IBM", "GOOG", "AAPL"]
    assert pred["date"].tolist() == [pd.Timestamp("2010-04-01"), pd.Timestamp("2010-05-01")] * 5
    for symbol, rows in pred.groupby("symbol", sort=False):
        assert _on_scale(rows["price"], stocks.loc[stocks["symbol"] == symbol, "price"])


def test_R31_04_elnino_wide_melted_by_month_is_twelve_yearly_series_of_whole_years():
    sm = pytest.importorskip("statsmodels.api")
    elnino = sm.datasets.elnino.load_pandas().data  # YEAR 1950.0 .. 2010.0, then JAN .. DEC
    long = elnino.melt(id_vars="YEAR", var_name="month", value_name="temp")
    pred = GlobalForecaster(lookback=8, horizon=2, **FAST).fit(long, id_col="month", time_col="YEAR",
                                                                target="temp").predict()
    assert pred["month"].unique().tolist() == elnino.columns[1:].tolist()
    assert pred["YEAR"].tolist() == [2011, 2012] * 12
    assert _on_scale(pred["temp"], long["temp"])


def test_R31_05_a_named_new_york_monthly_index_comes_back_named_in_new_york_and_as_periods():
    jobs = _employment().set_index("month")["construction"]
    dated = jobs.set_axis(pd.DatetimeIndex(pd.to_datetime(jobs.index), name="month").tz_localize("America/New_York"))
    pred = Forecaster(horizon=3, lookback=12, **FAST).fit(dated).predict()
    assert pred.name == "construction" and pred.index.name == "month"
    assert str(pred.index.tz) == "America/New_York" and pred.index.freqstr == "MS"
    assert pred.index[0] == pd.Timestamp("2016-01-01", tz="America/New_York")
    periods = dated.set_axis(dated.index.tz_localize(None).to_period("M"))
    pred = Forecaster(horizon=3, lookback=12, **FAST).fit(periods).predict()
    assert pred.index.equals(pd.period_range("2016-01", periods=3, freq="M", name="month"))
    assert _on_scale(pred, jobs)


def test_R31_06_sktime_adapter_on_a_wide_frame_of_monthly_periods_keeps_columns_and_periods():
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    wide = _employment()
    wide = wide.set_index(pd.PeriodIndex(wide.pop("month"), freq="M"))[JOBS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sktime's FutureWarning about remember_data
        pred = RnnkitForecaster(lookback=12, **FAST).fit(wide, fh=[1, 2, 3]).predict()
    assert pred.index.equals(pd.period_range("2016-01", periods=3, freq="M", name="month"))
    assert pred.columns.tolist() == JOBS
    assert all(_on_scale(pred[c], wide[c]) for c in JOBS)


def test_R31_07_stocks_known_future_rows_are_matched_by_symbol_and_date_in_any_order_or_form():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stocks = local_data.stocks()
    stocks["event"] = np.random.default_rng(0).normal(size=len(stocks))
    stocks = stocks.sort_values("date", kind="stable")  # the symbols interleaved, GOOG first seen in 2004
    model = GlobalForecaster(lookback=12, horizon=2, **FAST).fit(stocks, id_col="symbol", time_col="date",
                                                                  target="price", future_covariates=["event"])
    dates = [pd.Timestamp("2010-04-01"), pd.Timestamp("2010-05-01")]
    rows = [(s, d, v) for s in stocks["symbol"].unique() for d, v in zip(dates, (1.0, -2.0), strict=True)]
    future = pd.DataFrame(rows, columns=["symbol", "date", "event"])
    pred = model.predict(future=future)
    assert pred["symbol"].unique().tolist() == ["MSFT", "AMZN", "IBM", "AAPL", "GOOG"]  # as first seen
    for other in (future.sample(frac=1.0, random_state=1), future.assign(date=future["date"].dt.strftime("%Y-%m-%d")),
                  future.assign(date=future["date"].dt.to_period("M"))):
        np.testing.assert_allclose(model.predict(future=other)["price"], pred["price"], rtol=1e-6)


def test_R31_08_us_employment_read_with_nullable_dtypes_forecasts_as_the_numpy_read(tmp_path):
    path = tmp_path / "employment.csv"
    _employment()[["month", *JOBS]].to_csv(path, index=False)
    plain = pd.read_csv(path, parse_dates=["month"])
    nullable = pd.read_csv(path, parse_dates=["month"], dtype_backend="numpy_nullable")  # Int64 columns
    assert str(nullable["nonfarm"].dtype) == "Int64"
    a = Forecaster(horizon=3, lookback=12, **FAST).fit(plain, time_col="month").predict()
    b = Forecaster(horizon=3, lookback=12, **FAST).fit(nullable, time_col="month").predict()
    assert b.index.equals(pd.date_range("2016-01-01", periods=3, freq="MS", name="month"))
    np.testing.assert_allclose(b.to_numpy(dtype=float), a.to_numpy(dtype=float), rtol=1e-5)


def _solar_periods():
    datasets = pytest.importorskip("sktime.datasets")
    solar = datasets.load_solar(api_version=None)  # half-hours in UTC, to 2021-05-07 00:00
    return solar.iloc[-200:].tz_convert(None).to_period()  # PeriodIndex of freq '30min', as sktime users convert


def test_R31_09_half_hour_periods_of_solar_are_a_regular_series_not_skipped_periods():
    # before: refused, "the periods of the index skip 0 of its '30min' periods (; 2021-05-02 21:00 follows
    # 2021-05-02 20:30)"
    y = _solar_periods()
    model = Forecaster(horizon=3, lookback=12, **FAST).fit(y)
    pred = model.predict()
    assert pred.index.equals(pd.period_range("2021-05-07 00:30", periods=3, freq="30min", name="datetime_gmt"))
    assert model.season_length_ == 48  # a day of half-hours
    bimonthly = pd.Series(np.arange(40.0), index=pd.period_range("2001-01", periods=40, freq="2M"))
    assert Forecaster(horizon=2, lookback=6, **FAST).fit(bimonthly).predict().index.equals(
        pd.period_range("2007-09", periods=2, freq="2M"))
    with pytest.raises(ValueError, match=r"^the periods of the index skip 1 of its '30min' periods \(2021-05-03 "):
        Forecaster(horizon=3, lookback=12, **FAST).fit(y.drop(y.index[50]))


def test_R31_10_a_panel_of_half_hour_periods_is_read_on_its_grid():
    # before: refused, "series 'solar': its periods skip 0 of its '30min' periods (; ...)"
    y = _solar_periods()
    panel = pd.DataFrame({"unique_id": "solar", "ds": y.index, "y": y.to_numpy()})
    pred = GlobalForecaster(lookback=12, horizon=3, calibrate=False, **FAST).fit(panel).predict()
    assert pred["ds"].tolist() == list(pd.period_range("2021-05-07 00:30", periods=3, freq="30min"))
    with pytest.raises(ValueError, match=r"^series 'solar': its periods skip 1 of its '30min' periods \(2021-05-03 "):
        GlobalForecaster(lookback=12, horizon=3, **FAST).fit(panel.drop(index=50))
