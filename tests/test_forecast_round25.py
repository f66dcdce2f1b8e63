"""The twenty-fifth round: real series, panels and options handed to the forecasters as users bring them. A panel
for the sktime adapter with series too short (F25-01), an index out of order under a name with a quote and text
times with offsets after a missing one (F25-02: checks of their own, not another module's message text),
``predict_interval(coverage=80)`` (F25-03), a dict of series for the global model (F25-04) and for the Forecaster
(F25-05), ids of two types that compare equal (F25-06), ``backtest(y, X)`` (F25-07), the hybrid on a series shorter
than two seasons (F25-08), ``predict(X=...)`` with a column renamed (F25-09), of months for a quarterly series or at
the quarters' ends (F25-10), and steps or times in the past (F25-11)."""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, tiny_forecaster, user_warnings

import rnnkit


def _macro() -> pd.DataFrame:
    """statsmodels' macrodata (quarterly, 1959Q1 .. 2009Q3) indexed by its quarters."""
    sm = pytest.importorskip("statsmodels.datasets.macrodata")
    m = sm.load_pandas().data
    return m.set_axis(pd.period_range("1959Q1", periods=len(m), freq="Q"))


def _airline() -> pd.Series:
    """Box & Jenkins' airline passengers, 1949-01 .. 1960-12, on a PeriodIndex as sktime gives them."""
    pm = pytest.importorskip("pmdarima.datasets")
    return pd.Series(pm.load_airpassengers().astype(float), name="passengers",
                     index=pd.period_range("1949-01", periods=144, freq="M"))


def _tiny_global(**params) -> rnnkit.GlobalForecaster:
    return rnnkit.GlobalForecaster(**{"lookback": 4, "horizon": 2, "hidden_size": 4, "max_epochs": 1,
                                      "random_state": 0, **params})


# -- F25-01: the sktime adapter's panel with series too short -------------------------------------------------
def test_F25_01_a_sktime_panel_names_each_series_too_short_with_its_length():
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    m = _macro()
    parts = {c: m[c].iloc[-2:] if c != "realgdp" else m[c] for c in ("realgdp", "unemp", "infl")}
    y = pd.concat(parts).to_frame("y")  # (series, quarter) rows: sktime's pd-multiindex
    f = RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError) as e:
        f.fit(y, fh=[1, 2])
    assert one_line(e) == ("RnnkitForecaster.fit: 2 of y's 3 series have fewer rows than one window of lookback + "
                           "horizon = 3 steps: 'unemp' (2 rows), 'infl' (2 rows); drop them (y.drop(index=['unemp', "
                           "'infl'], level=0)), shorten lookback or fh, or use model='auto', which forecasts short "
                           "series by the naive and drift forecasts")
    kept = f.fit(y.drop(index=["unemp", "infl"], level=0), fh=[1, 2]).predict()
    assert kept.index.tolist() == [("realgdp", pd.Period("2009Q4", "Q")), ("realgdp", pd.Period("2010Q1", "Q"))]


# -- F25-02: checks of their own rather than matching another module's message ----------------------------------
def test_F25_02_an_index_out_of_order_is_named_on_the_index_whatever_its_name():
    y = _airline()[:30].iloc[::-1].rename_axis("Month's start")  # a quote in the name: the frame spells it "..."
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(y)
    assert one_line(e) == ("the index is not increasing: row 1 (1951-05-01 00:00:00) comes before row 0 (1951-06-01 "
                           "00:00:00); sort the rows first (data.sort_index(): the index is the time axis)")
    stacked = pd.concat([_airline()[:30], _airline()[:30]])  # the frame's own refusal, which names a better fix
    with pytest.raises(ValueError, match="several series stacked one after another"):
        tiny_forecaster().fit(stacked)


def test_F25_02_text_times_with_offsets_after_a_missing_one_name_the_row_of_the_other_offset():
    ds = [f"2010-03-{d:02d} 00:00:00-08:00" for d in range(1, 14)] + \
         [f"2010-03-{d:02d} 00:00:00-07:00" for d in range(14, 25)]  # Los Angeles' midnights across the change
    data = pd.DataFrame({"unique_id": "sf", "ds": [None, *ds[1:]], "y": np.arange(24.0)})
    with pytest.raises(ValueError) as e:
        _tiny_global().fit(data)
    assert one_line(e).startswith("series 'sf', row 13: the time column 'ds' holds times with several UTC offsets "
                                  "('2010-03-02 00:00:00-08:00' at row 1, '2010-03-14 00:00:00-07:00' at row 13)")
    utc = pd.DataFrame({"unique_id": "u", "ds": [t.replace("-08:00", "Z").replace("-07:00", "+00:00") for t in ds],
                        "y": np.arange(24.0)})  # 'Z' and '+00:00': one offset, read as before
    with pytest.warns(UserWarning):
        assert _tiny_global().fit(utc).predict()["ds"].iloc[0] == pd.Timestamp("2010-03-25", tz="UTC")


# -- F25-03: coverage and quantile levels as percentages -----------------------------------------------------
def test_F25_03_coverage_given_as_a_percentage_names_the_fraction():
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    f = RnnkitForecaster(quantiles=[0.1, 0.5, 0.9], hidden_size=4, max_epochs=1, random_state=0)
    f.fit(_airline(), fh=[1, 2])
    with pytest.raises(ValueError) as e:
        f.predict_interval(coverage=80)  # sktime: "'int' object is not iterable"
    assert one_line(e) == ("RnnkitForecaster.predict_interval: coverage holds 80, and every coverage is a fraction in "
                           "(0, 1) (coverage=0.8: an 80% interval); 80 reads as a percentage: give coverage=0.8")
    with pytest.raises(ValueError, match=r"alpha holds 10, .*; 10 reads as a percentage: give alpha=\[0.1, 0.9\]"):
        f.predict_quantiles(alpha=[10, 90])  # sktime: "it must be a list of floats"
    assert f.predict_interval(coverage=0.8).shape == (2, 2)


# -- F25-04 / F25-05: a panel as a dict of series -------------------------------------------------------------
def _dict_panel() -> dict[str, pd.Series]:
    m = _macro()
    return {c: m[c] for c in ("realgdp", "unemp", "infl")}


def test_F25_04_a_dict_of_series_for_the_global_model_names_the_long_frame():
    data = _dict_panel()
    with pytest.raises(ValueError) as e:
        _tiny_global().fit(data)
    assert one_line(e) == ("expected a long pandas DataFrame (one row per series id and timestamp), got dict of 3 "
                           "series: stack them into one, pd.concat(data, names=['unique_id', 'ds']).rename('y')"
                           ".reset_index()")
    out = _tiny_global().fit(pd.concat(data, names=["unique_id", "ds"]).rename("y").reset_index()).predict()
    assert out["unique_id"].unique().tolist() == ["realgdp", "unemp", "infl"]
    assert out["ds"].iloc[0] == pd.Period("2009Q4", "Q")


def test_F25_05_a_dict_of_series_for_the_forecaster_names_one_series_or_the_global_model():
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(_dict_panel())
    assert one_line(e) == ("expected a pandas Series or DataFrame, got a dict of 3 series ('realgdp', 'unemp', "
                           "'infl'), a panel; forecast one series, fit(data['realgdp']), or all of them with one "
                           "model, rnnkit.GlobalForecaster(lookback=..., horizon=...).fit(pd.concat(data, "
                           "names=['unique_id', 'ds']).rename('y').reset_index())")


# -- F25-06: ids of two types that compare equal ---------------------------------------------------------------
def test_F25_06_ids_of_two_types_that_compare_equal_are_named():
    m = _macro()
    data = pd.concat([pd.DataFrame({"unique_id": key, "ds": m.index, "y": m[c].to_numpy()})
                      for key, c in ((1, "realgdp"), ("x", "unemp"))], ignore_index=True)
    data["unique_id"] = data["unique_id"].astype(object)
    data.loc[data["unique_id"] == "x", "unique_id"] = 1.0  # a second table's ids, read as floats
    with pytest.raises(ValueError) as e:
        _tiny_global().fit(data)  # before: "series 1.0 has the time 1959-01-01 twice", one series of both
    assert one_line(e) == ("the id column 'unique_id' holds 1 (int, row 0) and 1.0 (float, row 203), ids of two "
                           "types that compare equal, so they would be one series; give the ids one type, distinct "
                           "where they name different series (data['unique_id'].astype(str) keeps them apart)")


# -- F25-07: backtest(y, X) as fit(y, X) -----------------------------------------------------------------------
def test_F25_07_backtest_takes_X_as_fit_does():
    m = _macro().iloc[:40]
    y, X = m["realgdp"], m[["infl"]]
    f = tiny_forecaster(lookback=2)
    given = f.backtest(y, X, folds=2)  # before: TypeError, backtest() takes 2 positional arguments
    joined = f.backtest(pd.concat([y, X], axis=1), future_covariates=["infl"], folds=2)
    pd.testing.assert_frame_equal(given, joined)
    assert given.index.tolist() == [pd.Period("1968Q1", "Q"), pd.Period("1968Q3", "Q")]


# -- F25-08: the hybrid's season on a series shorter than two seasons -----------------------------------------
def test_F25_08_the_hybrid_warns_that_a_season_longer_than_the_series_holds_is_not_fitted():
    f = tiny_forecaster(model="hybrid", season_length=12)
    warned = user_warnings(lambda: f.fit(_airline()[:20]))
    assert ("model='hybrid': a season of 12 steps needs 2 seasons and 2 rows (26) for the smoothing to fit it, but "
            "the series has 20 rows, so it is fitted without a season (a level alone); pass a longer series, or set "
            "season_length to the season the rows hold (season_length=1: none)") in warned
    assert f.global_.smoothing_[0].m == 1
    assert not [w for w in user_warnings(lambda: tiny_forecaster(model="hybrid", season_length=12)
                                         .fit(_airline()[:26])) if "without a season" in w]


# -- F25-09 / F25-10: X at predict renamed, or of another frequency ------------------------------------------
def _fitted_with_X():
    m = _macro()
    y, X = m["realgdp"], m[["infl", "unemp"]]
    return tiny_forecaster().fit(y.iloc[:-2], X.iloc[:-2]), X.iloc[-2:]


def test_F25_09_X_with_a_column_renamed_names_the_rename():
    f, X = _fitted_with_X()
    with pytest.raises(ValueError) as e:
        f.predict(X=X.rename(columns={"infl": "inflation"}))
    assert one_line(e) == ("X lacks the known-future covariates ['infl'] (its columns are ['inflation', 'unemp']); "
                           "it needs ['infl', 'unemp'] at the timestamps 2009Q2 .. 2009Q3; ['inflation'] were not "
                           "fitted: renamed? X.rename(columns={'inflation': 'infl'})")
    renamed = X.rename(columns={"infl": "inflation"})
    np.testing.assert_array_equal(f.predict(X=renamed.rename(columns={"inflation": "infl"})), f.predict(X=X))


def test_F25_10_X_of_months_for_a_quarterly_series_is_refused_not_read_at_the_first_month():
    f, X = _fitted_with_X()
    months = pd.DataFrame({"infl": [1.0, 9.0, 9.0, 2.0, 9.0, 9.0], "unemp": 5.0},
                          index=pd.period_range("2009-04", periods=6, freq="M"))
    with pytest.raises(ValueError) as e:
        f.predict(X=months)  # before: forecast from April's and July's rows alone, without a word
    assert one_line(e) == ("X has 3 rows within the forecast period 2009Q2 (2009-04 .. 2009-06), a finer grid than "
                           "the series' ('Q-DEC'), and one row is read per period; aggregate them to its periods, "
                           "X.groupby(X.index.asfreq('Q-DEC')).mean() (or .sum(), .last())")
    quarterly = months.groupby(months.index.asfreq("Q-DEC")).mean()
    np.testing.assert_allclose(f.predict(X=quarterly), f.predict(X=quarterly.to_timestamp()))
    ends = X.set_axis(pd.DatetimeIndex(["2009-06-30", "2009-09-30"]))  # quarters dated at their ends
    with pytest.raises(ValueError) as e:
        f.predict(X=ends)
    assert one_line(e) == ("X has no row for 2 of the 2 forecast timestamps (2009Q2, 2009Q3); it needs one row per "
                           "timestamp 2009Q2 .. 2009Q3; its times lie within those periods, not at their starts "
                           "(2009-06-30 in 2009Q2): index it by the periods, X.set_axis(X.index.to_period('Q-DEC'))")
    np.testing.assert_array_equal(f.predict(X=ends.set_axis(ends.index.to_period("Q-DEC"))), f.predict(X=X))


# -- F25-11: steps and times in the past ------------------------------------------------------------------------
def test_F25_11_steps_or_times_in_the_past_say_predict_forecasts_after_the_end():
    sk = pytest.importorskip("sktime.forecasting.base")
    f, X = _fitted_with_X()
    with pytest.raises(ValueError) as e:
        f.predict(pd.PeriodIndex(["2009Q1"], freq="Q"), X=X)
    assert one_line(e) == ("predict forecasts after the series' end, and 2009Q1 is in its past (the forecast times "
                           "are 2009Q2 .. 2009Q3): the series holds its value there; historical_forecasts() gives "
                           "what the model forecast for past times")
    with pytest.raises(ValueError) as e:
        f.predict(sk.ForecastingHorizon([-1, 1]), X=X)
    assert one_line(e).endswith("got [-1, 1] (steps <= 0 are the series' past, which predict does not forecast: "
                                "historical_forecasts() gives what the model forecast for past times)")


# -- F25-12: X of days for a weekly series of timestamps ------------------------------------------------------
def test_F25_12_X_of_days_for_a_weekly_series_is_refused_not_read_at_the_forecast_days():
    sm = pytest.importorskip("statsmodels.datasets.co2")
    co2 = sm.load_pandas().data["co2"].interpolate().iloc[:120]  # weekly, on Saturdays (W-SAT)
    X = pd.DataFrame({"week": np.arange(120.0) % 52}, index=co2.index)
    f = tiny_forecaster(horizon=3).fit(co2, X)
    times = pd.date_range("1960-07-16", periods=3, freq="W-SAT")  # the forecast's Saturdays
    daily = pd.DataFrame({"week": np.arange(21.0)}, index=pd.date_range("1960-07-16", periods=21, freq="D"))
    with pytest.raises(ValueError) as e:
        f.predict(X=daily)  # before: read on the three Saturdays alone, the other days dropped
    assert one_line(e) == ("X has rows between the forecast timestamps (1960-07-17, between 1960-07-16 and "
                           "1960-07-23, ...), a finer grid than the series', and only its rows at the forecast "
                           "timestamps would be read; aggregate it onto the series' grid (X.resample('W-SAT')"
                           ".mean(), with the bins' labels at the forecast timestamps)")
    weekly = daily.resample("W-SAT").mean()
    assert weekly.index[:3].equals(times)
    np.testing.assert_array_equal(f.predict(X=weekly), f.predict(X=weekly.loc[times]))
    assert f.predict([1, 3], X=weekly.loc[times[[0, 2]]]).index.equals(times[[0, 2]])  # steps apart: no refusal


def test_F25_12_a_panel_future_of_days_for_weekly_series_names_the_aggregation_by_series():
    sm = pytest.importorskip("statsmodels.datasets.co2")
    co2 = sm.load_pandas().data["co2"].interpolate().iloc[:60]
    data = pd.concat([pd.DataFrame({"unique_id": k, "ds": co2.index, "y": co2.to_numpy() + i,
                                    "week": np.arange(60.0) % 52}) for i, k in enumerate("ab")], ignore_index=True)
    g = _tiny_global(horizon=3).fit(data, future_covariates=["week"])
    days = pd.date_range("1959-05-23", periods=21, freq="D")  # from the first forecast Saturday
    future = pd.concat([pd.DataFrame({"unique_id": k, "ds": days, "week": np.arange(21.0)}) for k in "ab"])
    with pytest.raises(ValueError) as e:
        g.predict(future=future)
    assert one_line(e).endswith("aggregate it onto the series' grid (future.set_index('ds').groupby('unique_id')"
                                "[['week']].resample('W-SAT').mean().reset_index(), with the bins' labels at the "
                                "forecast timestamps)")
    weekly = future.set_index("ds").groupby("unique_id")[["week"]].resample("W-SAT").mean().reset_index()
    assert g.predict(future=weekly)["ds"].iloc[:3].tolist() == list(pd.date_range("1959-05-23", periods=3,
                                                                                   freq="W-SAT"))
