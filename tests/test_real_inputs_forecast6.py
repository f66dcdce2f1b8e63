"""The sixth round of bad and unusual forecasting inputs, tried as a new user would on real series that ship
offline (statsmodels' sunspots, macrodata, co2; vega_datasets' stocks, seattle_weather, sf_temps; sktime's
uschange): one test per case F6-NN of the catalogue. A refusal is one ValueError line naming what, where and
how to fix it; a valid input gets the right values."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line  # a refusal's message, one line

from rnnkit import Forecaster, GlobalForecaster, load

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's remember_data notice


def quick(**kw) -> Forecaster:
    params = dict(horizon=3, model="direct", lookback=4, max_epochs=1, hidden_size=4, random_state=0)
    return Forecaster(**(params | kw))


def gquick(**kw) -> GlobalForecaster:
    params = dict(horizon=3, model="direct", lookback=4, max_epochs=1, hidden_size=4, random_state=0, quantiles=None)
    return GlobalForecaster(**(params | kw))


def stocks() -> pd.DataFrame:
    vega = pytest.importorskip("vega_datasets")
    return vega.local_data.stocks()  # symbol, date, price: a long monthly panel of 5 series


def panel(n: int = 30) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": "m", "ds": pd.date_range("2000-01-01", periods=n, freq="MS"),
                         "y": np.sin(np.arange(n, dtype=float))})


# F6-01
def test_f6_01_a_numeric_year_column_beside_the_values_is_not_forecast_as_a_value():
    sm = pytest.importorskip("statsmodels.api")
    sunspots = sm.datasets.sunspots.load_pandas().data  # YEAR (1700.0 ..), SUNACTIVITY, indexed by rows
    with pytest.raises(ValueError) as e:
        quick().fit(sunspots)
    message = one_line(e)
    assert "column 'YEAR' holds increasing numbers (1700 .. 2008)" in message
    assert "the index counts rows (0..308)" in message and "pass time_col='YEAR'" in message
    pred = quick().fit(sunspots, time_col="YEAR").predict()  # the fix works: years continue
    assert pred.index.tolist() == [2009, 2010, 2011] and list(pred.columns) == ["SUNACTIVITY"]


# F6-02
def test_f6_02_a_year_column_repeated_per_quarter_points_at_one_time_axis():
    sm = pytest.importorskip("statsmodels.api")
    macro = sm.datasets.macrodata.load_pandas().data  # year, quarter, realgdp, ... indexed by rows
    with pytest.raises(ValueError) as e:
        quick().fit(macro)
    message = one_line(e)
    assert "column 'year' holds increasing numbers (1959 .. 2009)" in message
    assert "it repeats" in message and "pd.PeriodIndex.from_fields(year=data['year'], quarter=...)" in message


# F6-03
def test_f6_03_a_multiindex_of_year_and_quarter_names_its_levels_and_the_fix():
    sm = pytest.importorskip("statsmodels.api")
    macro = sm.datasets.macrodata.load_pandas().data
    with pytest.raises(ValueError) as e:
        quick().fit(macro.set_index(["year", "quarter"])["realgdp"])
    message = one_line(e)
    assert "the index has 2 levels ['year', 'quarter'] (first row (1959.0, 1.0))" in message
    assert "pd.PeriodIndex.from_fields" in message and "GlobalForecaster" in message
    assert "total_seconds" not in message  # the generic advice for durations is gone


# F6-04
def test_f6_04_a_long_panel_given_to_the_forecaster_points_at_the_global_forecaster():
    data = stocks()
    for kw in ({"time_col": "date"}, {"time_col": "date", "targets": ["price"]}):
        with pytest.raises(ValueError) as e:
            quick().fit(data, **kw)
        message = one_line(e)
        assert "data looks like a long panel of 5 series: column 'symbol' holds series ids ('MSFT'" in message
        assert "fit(data, id_col='symbol', time_col='date', target=...)" in message
        assert "data[data['symbol'] == 'MSFT']" in message
    with pytest.raises(ValueError, match="long panel of 5 series"):
        quick().fit(data.set_index("date"))
    one = data[data["symbol"] == "IBM"].set_index("date")[["price"]]  # the advice works
    assert quick().fit(one).predict().index[0] == pd.Timestamp("2010-04-01")


# F6-05
def test_f6_05_series_stacked_without_their_ids_are_not_advised_to_be_sorted():
    prices = stocks().set_index("date")["price"]  # 5 series one after another, the id column dropped
    with pytest.raises(ValueError) as e:
        quick().fit(prices)
    message = one_line(e)
    assert "time column 'date' starts over: row 123 (2000-01-01 00:00:00) follows row 122 (2010-03-01" in message
    assert "repeats row 0" in message and "GlobalForecaster" in message and "sort_values" not in message
    with pytest.raises(ValueError, match=r"is not increasing: row 1 .* sort the rows first"):  # a reversed one: F10
        quick().fit(prices.iloc[:123][::-1])


# F6-06
def test_f6_06_a_text_column_beside_the_target_is_to_be_dropped_not_left_out_of_value_cols():
    vega = pytest.importorskip("vega_datasets")
    weather = vega.local_data.seattle_weather()  # date, precipitation, temp_max, temp_min, wind, weather (text)
    with pytest.raises(ValueError) as e:
        quick().fit(weather, time_col="date", targets=["temp_max"])
    message = one_line(e)
    assert "value column 'weather' has dtype" in message and "'drizzle'" in message
    assert "drop it (data.drop(columns=['weather'])" in message and "value_cols" not in message
    pred = quick().fit(weather.drop(columns=["weather"]).iloc[-60:], time_col="date", targets=["temp_max"]).predict()
    assert pred.index[0] == pd.Timestamp("2016-01-01")


# F6-07
def test_f6_07_complex_values_are_refused_not_cut_to_their_real_part():
    index = pd.date_range("2000-01-01", periods=40, freq="D")
    with pytest.raises(ValueError) as e:
        quick().fit(pd.Series(np.exp(1j * np.arange(40.0)), index=index, name="z"))
    message = one_line(e)
    assert "value column 'z' holds complex numbers (dtype complex128)" in message and "np.real" in message
    from rnnkit.data.timeseries import TimeSeriesFrame

    with pytest.raises(ValueError, match="complex values"):
        TimeSeriesFrame(np.exp(1j * np.arange(5.0)))


# F6-08
@pytest.mark.parametrize("freq", [pd.offsets.Hour(), pd.Timedelta("1h")])
def test_f6_08_a_frequency_given_as_an_offset_or_timedelta_is_saved(tmp_path, freq):
    vega = pytest.importorskip("vega_datasets")
    temps = vega.local_data.sf_temps().set_index("date")["temp"].iloc[:60]
    f = quick().fit(temps, freq=freq)
    assert f.resample_ == "h"
    f.save(tmp_path / "m")
    g = load(tmp_path / "m")
    assert g.resample_ == "h"
    pd.testing.assert_series_equal(g.predict(), f.predict())
    assert f.predict().index[0] == pd.Timestamp("2010-01-03 12:00:00")


# F6-09
def test_f6_09_a_fractional_start_on_dates_is_refused_in_the_series_terms():
    f = quick().fit(pd.Series(np.sin(np.arange(30.0)), index=pd.date_range("2001-01-06", periods=30, freq="W-SAT")))
    with pytest.raises(ValueError) as e:
        f.historical_forecasts(start=3.5)
    message = one_line(e)
    assert "start=3.5 is neither a row number (an integer in 0..29) nor a time of the series" in message
    assert "(2001-01-06 00:00:00 .. 2001-07-28 00:00:00)" in message and "losslessly" not in message
    assert f.historical_forecasts(start=10).index[0] == pd.Timestamp("2001-03-17")  # a row number still works


# F6-10
@pytest.mark.parametrize("step", [0, -1, 1.5])
def test_f6_10_a_backtest_step_below_one_names_step(step):
    y = pd.Series(np.sin(np.arange(40.0)), index=pd.date_range("2000-01-01", periods=40, freq="D"))
    with pytest.raises(ValueError) as e:
        quick().backtest(y, folds=2, step=step)
    message = one_line(e)
    assert message.startswith(f"backtest: step must be an integer >= 1 (the steps between two origins; default the "
                              f"horizon, 3), got {step!r}; step is a ")  # then the counts to give (F42-07)
    assert "give step=1" in message


# F6-11
def test_f6_11_predict_given_times_instead_of_steps_ahead_says_so():
    y = pd.Series(np.sin(np.arange(30.0)), index=pd.period_range("2000-01", periods=30, freq="M"))
    f = quick().fit(y)
    for times in (pd.period_range("2002-07", periods=2, freq="M"), pd.date_range("2002-07-01", periods=2, freq="MS")):
        with pytest.raises(ValueError) as e:
            f.predict(times)
        message = one_line(e)
        assert "predict takes steps ahead (integers in [1, 3]), not times" in message
        assert "predict().loc[times]" in message
    assert f.predict().loc[pd.period_range("2002-07", periods=2, freq="M")].shape == (2,)  # the fix works


# F6-12
def test_f6_12_quantiles_as_one_number_is_refused_in_one_line():
    with pytest.raises(ValueError) as e:
        quick(quantiles=0.5).fit(pd.Series(np.arange(20.0)))
    assert "Forecaster: quantiles must be a list of levels, got the number 0.5; e.g. (0.1, 0.5, 0.9)" in one_line(e)
    with pytest.raises(ValueError) as e:
        gquick(quantiles=0.9).fit(panel())
    assert "GlobalForecaster: quantiles must be a list of levels, got the number 0.9" in one_line(e)


# F6-13
def test_f6_13_an_infinite_known_future_value_is_refused_not_forecast_as_infinity():
    index = pd.date_range("2000-01-01", periods=30, freq="D")
    data = pd.DataFrame({"y": np.sin(np.arange(30.0)), "promo": np.arange(30.0) % 2}, index=index)
    f = quick().fit(data, future_covariates=["promo"])
    future = pd.DataFrame({"promo": [np.inf, 1.0, 0.0]}, index=pd.date_range("2000-01-31", periods=3, freq="D"))
    with pytest.raises(ValueError) as e:
        f.predict(future=future)
    assert one_line(e) == ("future column 'promo' is infinite (inf) at 2000-01-31 00:00:00, which would make the "
                           "forecast infinite; give a finite value")
    p = panel().assign(promo=np.arange(30.0) % 2)
    g = gquick().fit(p, future_covariates=["promo"])
    future = pd.DataFrame({"unique_id": "m", "ds": pd.date_range("2002-07-01", periods=3, freq="MS"),
                           "promo": [1.0, -np.inf, 0.0]})
    with pytest.raises(ValueError, match=r"series 'm': future column 'promo' is infinite \(-inf\) at 2002-08-01"):
        g.predict(future=future)
    assert np.isfinite(g.predict(future=future.assign(promo=1.0))["y"]).all()


# F6-14
def test_f6_14_one_panel_id_as_an_int_and_as_text_is_refused():
    p = panel()
    p["unique_id"] = pd.Series([7] * 15 + ["7"] * 15, dtype=object)  # one series, from a CSV and from code
    with pytest.raises(ValueError) as e:
        gquick(lookback=2, horizon=2).fit(p)
    assert one_line(e) == ("the id column 'unique_id' spells one id in 2 ways, 7 (int, row 0) and '7' (str, row 15), "
                           "which would be separate series; give the ids one type and no stray spaces "
                           "(data['unique_id'].astype(str).str.strip()), or make them distinct")


# F6-15
def test_f6_15_one_panel_id_with_a_trailing_space_is_refused():
    data = stocks()
    data["symbol"] = data["symbol"].where(~((data["symbol"] == "IBM") & (data["date"] >= "2005-01-01")), "IBM ")
    with pytest.raises(ValueError) as e:
        gquick().fit(data, id_col="symbol", time_col="date", target="price")
    message = one_line(e)
    assert "the id column 'symbol' spells one id in 2 ways, 'IBM' (str, row 246) and 'IBM ' (str, row 306)" in message


# F6-16
def test_f6_16_a_categorical_panel_target_says_it_is_categorical():
    p = panel()
    p["y"] = pd.Categorical(np.arange(30) % 3)
    with pytest.raises(ValueError) as e:
        gquick().fit(p)
    assert one_line(e) == ("column 'y' is categorical (categories [0, 1, 2]), not numbers; data['y'].astype(float) "
                           "reads its categories as numbers")
    p["y"] = pd.Categorical(np.where(np.arange(30) % 2, "high", "low"))
    with pytest.raises(ValueError, match=r"categories \['high', 'low'\]\), not numbers; a category is no number"):
        gquick().fit(p)


# F6-17
def test_f6_17_panel_times_in_several_time_zones_are_named_as_such():
    data = stocks()
    data = data[data["symbol"].isin(["IBM", "AAPL"])].reset_index(drop=True)
    data["date"] = [t.tz_localize("US/Eastern" if s == "IBM" else "UTC")
                    for t, s in zip(data["date"], data["symbol"], strict=True)]
    with pytest.raises(ValueError) as e:
        gquick().fit(data, id_col="symbol", time_col="date", target="price")
    message = one_line(e)
    assert "series 'AAPL', row 123: the time column 'date' holds timestamps in several time zones (US/Eastern, " \
           "UTC); convert them to one (pd.to_datetime(data['date'], utc=True)" in message
    data["date"] = pd.to_datetime(data["date"], utc=True)  # the fix works
    assert str(gquick().fit(data, id_col="symbol", time_col="date", target="price").predict()["date"].dt.tz) == "UTC"


# F6-18
def test_f6_18_tuple_ids_are_kept_as_one_id_each(tmp_path):
    p = pd.concat([panel().assign(unique_id=[("beer", "NSW")] * 30), panel().assign(unique_id=[("beer", "VIC")] * 30)],
                  ignore_index=True)
    p["y"] = np.r_[np.sin(np.arange(30.0)), 10 + np.cos(np.arange(30.0))]
    g = gquick().fit(p)
    pred = g.predict()
    assert pred["unique_id"].tolist() == [("beer", "NSW")] * 3 + [("beer", "VIC")] * 3
    assert pred["ds"].tolist() == list(pd.date_range("2002-07-01", periods=3, freq="MS")) * 2
    one = g.predict(data=p[p["unique_id"] == ("beer", "VIC")])
    np.testing.assert_allclose(one["y"], pred["y"].iloc[3:])
    with pytest.raises(ValueError, match=r"cannot save: series id \('beer', 'NSW'\) is a tuple"):
        g.save(tmp_path / "m")


# F6-19
def test_f6_19_sktime_x_messages_name_x():
    pytest.importorskip("sktime")
    from sktime.datasets import load_uschange

    from rnnkit.forecast.sktime import RnnkitForecaster

    y, X = load_uschange()
    X = X[["Income", "Savings"]]
    f = RnnkitForecaster(model="direct", lookback=4, hidden_size=4, max_epochs=1, random_state=0)
    f.fit(y.iloc[:-3], X=X.iloc[:-3], fh=[1, 2, 3])
    with pytest.raises(ValueError) as e:
        f.predict()
    assert "RnnkitForecaster was fitted with X (columns ['Income', 'Savings'])" in one_line(e)
    with pytest.raises(ValueError) as e:
        f.predict(X=X.iloc[-3:].set_axis(X.index[-3:] + 5))
    assert one_line(e).startswith("X has no row for 3 of the 3 forecast timestamps (184, 185, 186)")
    assert f.predict(X=X.iloc[-3:]).index.tolist() == [184, 185, 186]


def test_f6_20_a_panel_sorted_by_time_without_its_ids_is_not_averaged():
    """Five stocks sorted by date with the symbol column dropped: every date on 5 rows. Averaging them (the
    advice for repeated readings of one series) would mix the stocks; the message names the panel first."""
    vega = pytest.importorskip("vega_datasets")
    stocks = vega.data.stocks().sort_values(["date", "symbol"], kind="stable")
    stocks = stocks[stocks.groupby("date")["symbol"].transform("size") == 5]  # the dates of all five
    with pytest.raises(ValueError, match=r"every timestamp on 5 rows .* a panel without its id column\? .*"
                                         r"GlobalForecaster .* averaging the duplicates would mix them"):
        Forecaster(lookback=4, horizon=3, max_epochs=1).fit(stocks.drop(columns="symbol").set_index("date"))
    one = pd.DataFrame({"t": [0, 1, 1, 2, 3], "v": [1.0, 2.0, 2.5, 3.0, 4.0]}).set_index("t")["v"]
    with pytest.raises(ValueError, match=r"duplicate timestamp 1.0 at rows 1 and 2; aggregate duplicates first"):
        Forecaster(lookback=1, horizon=1, max_epochs=1).fit(one)
