"""Real series that load offline run through the Forecaster, the GlobalForecaster, the sktime adapter and
``rnnkit forecast`` without a warning.

Each test gives a real series (sktime's, statsmodels', vega_datasets', arch's and pmdarima's) in the index a
user holds (PeriodIndex, DatetimeIndex with and without freq, float or int years, a time column of a CSV) to
the usual call with default or usual arguments (tiny nets: hidden_size 4, one epoch), and asserts that nothing
is warned of and that the forecasts are sane: a warning that fires on correct data teaches users to ignore
warnings. They pin the quiet runs of docs/bad_inputs.md's "Real data run quietly: forecast".
"""
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster
from tests.helpers import run_cli

sktime_datasets = pytest.importorskip("sktime.datasets")
sm_datasets = pytest.importorskip("statsmodels.datasets")


@contextmanager
def quiet():
    """Every warning raised inside is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def tiny(**params) -> Forecaster:
    return Forecaster(**{"horizon": 6, "hidden_size": 4, "max_epochs": 1, "random_state": 0, **params})


def check(forecast, history, horizon: int = 6) -> None:
    """Forecasts of the right length, finite, within a few ranges of the history."""
    y = np.asarray(forecast, dtype=float).ravel()
    assert len(forecast) == horizon and np.isfinite(y).all()
    lo, hi = np.nanmin(np.asarray(history, dtype=float)), np.nanmax(np.asarray(history, dtype=float))
    assert (y >= lo - 3 * (hi - lo)).all() and (y <= hi + 3 * (hi - lo)).all()


# -- Forecaster, model="auto", on the classic short series in the index they load with ------------------------
@pytest.mark.parametrize("name", ["lynx", "shampoo", "longley"])
def test_sktime_series_auto_runs_quietly(name):
    y = {"lynx": sktime_datasets.load_lynx, "shampoo": sktime_datasets.load_shampoo_sales,
         "longley": lambda: sktime_datasets.load_longley()[0]}[name]()  # PeriodIndex 'Y' or 'M'
    horizon = 2 if name == "longley" else 6  # 16 years: a short horizon, as a user would ask of it
    with quiet():
        forecast = tiny(horizon=horizon).fit(y).predict()
    check(forecast, y, horizon)
    assert isinstance(forecast.index, pd.PeriodIndex) and forecast.index[0] == y.index[-1] + 1


def test_nile_float_years_runs_quietly():
    nile = sm_datasets.nile.load_pandas().data.set_index("year")["volume"]  # 1871.0 .. 1970.0
    with quiet():
        forecaster = tiny().fit(nile)
        forecast = forecaster.predict()
        history = tiny(model="direct").fit(nile).historical_forecasts()
    check(forecast, nile)
    assert list(forecast.index) == list(range(1971, 1977)) and len(history) > 0


def test_sunspots_int_years_runs_quietly():
    data = sm_datasets.sunspots.load_pandas().data
    y = pd.Series(data["SUNACTIVITY"].to_numpy(), index=data["YEAR"].astype(int), name="sunspots")
    with quiet():
        forecast = tiny().fit(y).predict()
    check(forecast, y)
    assert forecast.index[0] == 2009 and (forecast >= 0).all()


def test_uschange_quarterly_columns_direct_runs_quietly():
    y, X = sktime_datasets.load_uschange()  # a RangeIndex: quarters numbered 0 .. 186
    data = pd.concat([y, X], axis=1)
    with quiet():
        forecaster = tiny(model="direct").fit(data.set_axis(pd.period_range("1970Q1", periods=len(data), freq="Q")))
        forecast = forecaster.predict()
    assert forecast.shape == (6, 5) and np.isfinite(forecast.to_numpy()).all()


def test_pbs_counts_with_zeros_runs_quietly():
    y = sktime_datasets.load_PBS_dataset()  # monthly counts, half of them 0 or 1
    with quiet():
        forecast = tiny(model="direct").fit(y).predict()
        auto = tiny().fit(y).predict()
    check(forecast, y)
    check(auto, y)


def test_seatbelts_month_start_csv_index_runs_quietly():
    path = sktime_datasets.__path__[0] + "/data/seatbelts/seatbelts.csv"
    y = pd.read_csv(path, index_col=0, parse_dates=True)["KSI"]  # month starts, no freq set
    with quiet():
        forecaster = tiny().fit(y)
        forecast = forecaster.predict()
    check(forecast, y)
    assert forecaster.season_length_ == 12 and forecast.index[0] == pd.Timestamp("1985-01-01")


# -- weekly, hourly, half-hourly and daily series; business days with holidays --------------------------------
def test_co2_weekly_with_nan_mask_runs_quietly():
    from rnnkit.data import load_co2

    y = load_co2().iloc[-500:]  # W-SAT, NaN weeks inside
    y = pd.Series(y.to_numpy(), index=pd.DatetimeIndex(list(y.index)), name="co2")  # freq dropped, as a CSV gives
    with quiet():
        forecaster = tiny(model="direct", mask=True).fit(y)
        forecast = forecaster.predict()
    check(forecast, y)
    assert forecaster.season_length_ == 52 and forecast.index[0] == pd.Timestamp("2002-01-05")


def test_sf_temps_hourly_calendar_runs_quietly():
    from rnnkit.data import load_sf_temps

    y = load_sf_temps().iloc[-24 * 30:]  # December: hourly, no gap
    with quiet():
        forecaster = tiny(model="direct", calendar=("hour",)).fit(y)
        forecast = forecaster.predict()
    check(forecast, y)
    assert forecaster.season_length_ == 24


def test_solar_half_hourly_utc_auto_runs_quietly():
    y = sktime_datasets.load_solar(api_version=None)  # 30 min, tz-aware UTC, zeros every night
    with quiet():
        forecast = tiny().fit(y.tz_convert("Europe/London")).predict()
    check(forecast, y)
    assert str(forecast.index.tz) == "Europe/London"


@pytest.mark.parametrize("name", ["sp500", "msft"])
def test_stock_business_days_with_holidays_freq_b_runs_quietly(name):
    from rnnkit.data import load_msft, load_sp500

    prices = {"sp500": lambda: load_sp500()["Adj Close"], "msft": lambda: load_msft()["Close"]}[name]().iloc[-500:]
    with quiet():
        forecast = tiny().fit(prices, freq="B").predict()
    check(forecast, prices)
    assert (forecast.index.dayofweek < 5).all()


def test_seattle_weather_time_column_with_covariates_runs_quietly():
    vega = pytest.importorskip("vega_datasets")
    data = vega.local_data.seattle_weather()[["date", "temp_max", "precipitation", "wind"]]
    with quiet():
        forecast = tiny().fit(data, time_col="date", targets=["temp_max"]).predict()
    check(forecast["temp_max"], data["temp_max"])


# -- GlobalForecaster on panels -----------------------------------------------------------------------------
def test_macrodata_quarterly_columns_as_a_panel_runs_quietly():
    md = sm_datasets.macrodata.load_pandas().data
    quarters = pd.PeriodIndex.from_fields(year=md["year"].astype(int), quarter=md["quarter"].astype(int), freq="Q")
    panel = (md.set_index(quarters)[["realgdp", "realcons", "realinv"]].rename_axis("ds").reset_index()
             .melt(id_vars="ds", var_name="unique_id", value_name="y"))
    with quiet():
        forecast = GlobalForecaster(lookback=12, horizon=4, hidden_size=4, max_epochs=1, random_state=0,
                                    model="direct").fit(panel).predict()
    assert len(forecast) == 12 and np.isfinite(forecast.select_dtypes("number").to_numpy()).all()


def test_elnino_months_as_a_panel_runs_quietly():
    elnino = sm_datasets.elnino.load_pandas().data
    panel = elnino.melt(id_vars="YEAR", var_name="unique_id", value_name="y").rename(columns={"YEAR": "ds"})
    with quiet():
        forecast = GlobalForecaster(lookback=12, horizon=3, hidden_size=4, max_epochs=1, random_state=0,
                                    model="direct", quantiles=None).fit(panel).predict()
    assert len(forecast) == 36


def test_stocks_business_days_as_a_panel_on_the_b_grid_runs_quietly():
    from rnnkit.data import load_msft, load_sp500

    prices = {"sp500": load_sp500()["Adj Close"], "msft": load_msft()["Close"]}
    panel = pd.concat([pd.DataFrame({"unique_id": k, "ds": v.index, "y": v.to_numpy()}).iloc[-150:]
                       for k, v in prices.items()])
    # the grid GlobalForecaster's refusal of the holidays names: each missing day takes the value before it
    panel = panel.set_index("ds").groupby("unique_id")[["y"]].resample("B").ffill().reset_index()
    with quiet():
        forecast = GlobalForecaster(lookback=10, horizon=3, hidden_size=4, max_epochs=1, random_state=0,
                                    model="direct", quantiles=None).fit(panel).predict()
    assert len(forecast) == 6 and np.isfinite(forecast.select_dtypes("number").to_numpy()).all()


# -- the sktime adapter and the command line ----------------------------------------------------------------
def test_airline_sktime_adapter_runs_quietly():
    from rnnkit.forecast.sktime import RnnkitForecaster

    y = sktime_datasets.load_airline()
    with quiet():
        forecast = RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(y, fh=[1, 2, 3]).predict()
    check(forecast, y, 3)
    assert forecast.index[0] == pd.Period("1961-01", "M")


@pytest.mark.parametrize("name", ["lynx", "sp500"])
def test_cli_forecast_csv_runs_quietly(name, tmp_path, capsys):
    from rnnkit.data import load_sp500

    if name == "lynx":
        y = sktime_datasets.load_lynx()
        table = pd.DataFrame({"year": y.index.year, "lynx": y.to_numpy()})
        args = ["--time-column", "year", "--target-column", "lynx"]
    else:
        table = load_sp500().iloc[-300:].reset_index()
        args = ["--time-column", "Date", "--target-column", "Adj Close", "--freq", "B"]
    table.to_csv(tmp_path / "series.csv", index=False)
    with quiet():
        status, err = run_cli(["forecast", tmp_path / "series.csv", *args, "--horizon", 4, "--hidden-size", 4,
                               "--max-epochs", 1, "--folds", 2, "--seed", 0, "--out", tmp_path / "out"], capsys)
    assert status == 0, err
    assert not [line for line in err if "warning" in line.lower()], err
    assert len(pd.read_csv(tmp_path / "out" / "forecast.csv")) == 4


def test_sp500_backtest_freq_b_runs_quietly():
    # before: "Forecaster.fit: target 'Adj Close' is missing at its last 1 step(s) (2018-12-25) ... drop the missing
    # rows at the end (e.g. y.loc[:y.last_valid_index()])": a fold cut on Christmas, in a series that ends observed
    from rnnkit.data import load_sp500

    prices = load_sp500()["Adj Close"].iloc[-300:]  # ends 2018-12-31; 2018-12-25 a holiday of the 'B' grid
    with quiet():
        table = tiny(model="direct", horizon=4).backtest(prices, folds=2, freq="B")
    assert table.shape == (2, 12) and np.isfinite(table.to_numpy()).all()
