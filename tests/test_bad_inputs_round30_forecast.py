"""The thirtieth round: the forecasters and the sktime adapter with real series as their libraries hand them out.
Quantile levels mixing fractions and percentages (F30-01), the adapter's absolute ``fh`` of another kind of time
than ``y``'s (F30-02) or in another time zone (F30-03), ``X`` at predict with numbered columns or as an unnamed
Series (F30-04), a PeriodIndex that skips a period (F30-05), ``predict(data=...)`` on periods of another frequency
(F30-06), durations as the time axis (F30-07), a numeric series of two times (F30-08), a panel's one-row series
(F30-09), the panel's ``future`` with its ids and times in its index or wide (F30-10), and a panel on periods that
skips one (F30-11), and the adapter's ``X`` as a numpy array (F30-12)."""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, tiny_forecaster

import rnnkit


def _airline(n: int = 40) -> pd.Series:
    """sktime's airline passengers, monthly periods from 1949-01."""
    sd = pytest.importorskip("sktime.datasets")
    return sd.load_airline().iloc[:n]


def _macro(n: int = 40) -> pd.DataFrame:
    """statsmodels' macrodata on its quarters (Q-DEC periods from 1959Q1)."""
    sm = pytest.importorskip("statsmodels.datasets.macrodata")
    m = sm.load_pandas().data.iloc[:n]
    return m.set_axis(pd.period_range("1959Q1", periods=n, freq="Q"))


def _adapter(**params):
    from rnnkit.forecast.sktime import RnnkitForecaster

    return RnnkitForecaster(**{"model": "direct", "lookback": 4, "hidden_size": 4, "max_epochs": 1, "random_state": 0,
                               **params})


def _tiny_global(**params) -> rnnkit.GlobalForecaster:
    return rnnkit.GlobalForecaster(**{"lookback": 4, "horizon": 2, "hidden_size": 4, "max_epochs": 1,
                                      "random_state": 0, **params})


# -- F30-01: levels mixing fractions and percentages -----------------------------------------------------------------
def test_F30_01_quantiles_mixing_fractions_and_percentages_are_told_to_divide_the_percentages_alone():
    y = _airline()
    with pytest.raises(ValueError) as e:  # before: quantiles=[0.001, 0.5, 0.009]
        tiny_forecaster(quantiles=(0.1, 50, 0.9)).fit(y)
    assert one_line(e).endswith("got (0.1, 50, 0.9); 50 reads as a percentage beside the fractions [0.1, 0.9]: give "
                                "every level as a fraction, quantiles=[0.1, 0.5, 0.9]")
    with pytest.raises(ValueError, match=r"; 50, 95 read as percentages beside the fractions \[0.05\]: give every "
                                         r"level as a fraction, quantiles=\[0.05, 0.5, 0.95\]$"):
        _tiny_global(quantiles=[0.05, 50, 95]).fit(pd.DataFrame({"unique_id": "a", "ds": y.index.to_timestamp(),
                                                                  "y": y.to_numpy()}))
    with pytest.raises(ValueError, match=r"; 10 reads as a percentage: give fractions, quantiles=\[0.1, 0.5, 0.9\]$"):
        tiny_forecaster(quantiles=[10, 50, 90]).fit(y)  # all percentages: as before
    assert tiny_forecaster(quantiles=[0.1, 0.5, 0.9]).fit(y).predict().columns.tolist() == [0.1, 0.5, 0.9]


# -- F30-02: an absolute fh of another kind of time than y's ---------------------------------------------------------
def test_F30_02_an_absolute_fh_of_another_kind_of_time_than_ys_index_is_refused_with_its_conversion():
    from sktime.forecasting.base import ForecastingHorizon

    y = _airline(48)  # 1949-01 .. 1952-12
    months = pd.DatetimeIndex(["1953-01-01", "1953-03-01"])
    with pytest.raises(ValueError) as e:  # before: a bare AssertionError from sktime
        _adapter().fit(y, fh=ForecastingHorizon(months, is_relative=False))
    assert one_line(e) == ("RnnkitForecaster.fit: fh holds timestamps (1953-01-01, ...), but y is indexed by periods "
                           "(1952-12 last), and sktime reads fh against y's end; fh = ForecastingHorizon(fh.to_pandas()"
                           ".to_period('M'), is_relative=False), or give the steps ahead, fh=[1, 2, ...]")
    fh = ForecastingHorizon(months.to_period("M"), is_relative=False)  # the fix, taken
    assert _adapter().fit(y, fh=fh).predict().index.tolist() == [pd.Period("1953-01", "M"), pd.Period("1953-03", "M")]
    with pytest.raises(ValueError, match=r"fh holds periods \(1953-01, \.\.\.\), but y is indexed by integers \(47 "
                                         r"last\), .*; give fh as y's integers after its end, or give the steps"):
        _adapter().fit(y.reset_index(drop=True), fh=fh)  # before: AssertionError
    with pytest.raises(ValueError, match=r"fh holds integers \(49, \.\.\.\), but y is indexed by periods"):
        _adapter().fit(y, fh=ForecastingHorizon([49, 50], is_relative=False))  # before: TypeError from pandas
    with pytest.raises(ValueError, match=r"fh holds periods of frequency 'Q-DEC' \(1953Q1, \.\.\.\), but y's periods "
                                         r"are 'M' \(1952-12 last\)"):
        _adapter().fit(y, fh=ForecastingHorizon(pd.PeriodIndex(["1953Q1"], freq="Q"), is_relative=False))


# -- F30-03: an absolute fh in another time zone than y's -------------------------------------------------------------
def test_F30_03_an_absolute_fh_in_another_time_zone_is_refused_not_read_by_its_clock_times():
    from sktime.forecasting.base import ForecastingHorizon

    y = pd.Series(np.sin(np.arange(48.0)), index=pd.date_range("2021-03-27", periods=48, freq="h",
                                                              tz="Europe/Berlin"))  # ends 2021-03-29 00:00+02:00
    utc = pd.DatetimeIndex(["2021-03-28 23:00", "2021-03-29 00:00"], tz="UTC")  # the next two hours
    with pytest.raises(ValueError) as e:  # before: refused as in-sample (sktime compared 23:00 with 00:00)
        _adapter().fit(y, fh=ForecastingHorizon(utc, is_relative=False))
    assert one_line(e) == ("RnnkitForecaster.fit: fh's times (2021-03-28 23:00:00+00:00, ...) are in time zone UTC "
                           "and y's (2021-03-29 last) in time zone Europe/Berlin, and sktime compares their clock "
                           "times, not the instants; give fh the same instants in y's zone: fh = ForecastingHorizon("
                           "fh.to_pandas().tz_convert('Europe/Berlin'), is_relative=False)")
    fixed = _adapter().fit(y, fh=ForecastingHorizon(utc.tz_convert("Europe/Berlin"), is_relative=False)).predict()
    expected = _adapter().fit(y, fh=[1, 2]).predict()
    pd.testing.assert_series_equal(fixed, expected, check_freq=False)
    clock = pd.DatetimeIndex(["2021-03-29 01:00", "2021-03-29 02:00"])  # y's clock times, without the zone
    with pytest.raises(ValueError, match=r"are in no time zone and y's .* in time zone Europe/Berlin, .*; give fh "
                                         r"y's zone: fh = ForecastingHorizon\(fh.to_pandas\(\).tz_localize\("
                                         r"'Europe/Berlin'\), is_relative=False\)$"):
        _adapter().fit(y, fh=ForecastingHorizon(clock, is_relative=False))  # before: "not a time of y's grid"


# -- F30-04: X with numbered columns, or an unnamed Series, at predict -----------------------------------------------
def test_F30_04_X_at_predict_with_numbered_columns_or_as_an_unnamed_series_gets_a_fix_that_works():
    sd = pytest.importorskip("sktime.datasets")
    y, X = sd.load_longley()  # yearly periods 1947 .. 1962, five covariates
    f = tiny_forecaster().fit(y.iloc[:-2], X.iloc[:-2])
    numbered = pd.DataFrame(X.iloc[-2:].to_numpy(), index=X.index[-2:])  # built from an array
    with pytest.raises(ValueError) as e:  # before: X.rename(columns={'0': 'GNPDEFL', ...}), which renames nothing
        f.predict(X=numbered)
    assert one_line(e) == ("X lacks the known-future covariates ['GNPDEFL', 'GNP', 'UNEMP', 'ARMED', 'POP'] (its "
                           "columns are [0, 1, 2, 3, 4]); it needs ['GNPDEFL', 'GNP', 'UNEMP', 'ARMED', 'POP'] at the "
                           "timestamps 1961 .. 1962; its columns are numbered 0 .. 4, without names (built from an "
                           "array?): name them as at fit, X = X.set_axis(['GNPDEFL', 'GNP', 'UNEMP', 'ARMED', 'POP'], "
                           "axis=1)")
    named = numbered.set_axis(["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP"], axis=1)  # the fix, taken
    pd.testing.assert_series_equal(f.predict(X=named), f.predict(X=X.iloc[-2:]))
    one = tiny_forecaster().fit(y.iloc[:-2], X[["GNP"]].iloc[:-2])
    with pytest.raises(ValueError) as e:  # before: "its columns are ['0']", X.rename(columns={'0': 'GNP'})
        one.predict(X=pd.Series(X["GNP"].iloc[-2:].to_numpy(), index=X.index[-2:]))
    assert one_line(e) == ("X is an unnamed Series, but the model reads the known-future covariate ['GNP'] from it at "
                           "the timestamps 1961 .. 1962; name it: X.rename('GNP')")
    pd.testing.assert_series_equal(one.predict(X=X["GNP"].iloc[-2:]), one.predict(X=X[["GNP"]].iloc[-2:]))


# -- F30-05: a PeriodIndex that skips a period ------------------------------------------------------------------------
def test_F30_05_a_period_index_that_skips_a_period_is_named_in_its_periods():
    y = _airline().drop(pd.Period("1950-03", "M"))
    with pytest.raises(ValueError) as e:  # before: "steps 31 days, 28 days ...; 1950-04-01 00:00:00 follows ..."
        tiny_forecaster().fit(y)
    assert one_line(e) == ("the periods of the index skip 1 of its 'M' periods (1950-03; 1950-04 follows 1950-02), so "
                           "its steps are uneven; give the missing periods as missing values, filled by impute=...: "
                           "data.reindex(pd.period_range(data.index[0], data.index[-1], freq='M'))")
    filled = y.reindex(pd.period_range(y.index[0], y.index[-1], freq="M"))  # the fix, taken
    assert tiny_forecaster().fit(filled).predict().index[0] == pd.Period("1952-05", "M")


# -- F30-06: predict(data=...) on periods of another frequency --------------------------------------------------------
def test_F30_06_predict_data_on_periods_of_another_frequency_names_both_frequencies():
    m = _macro()["realgdp"]  # 1959Q1 .. 1968Q4
    f = tiny_forecaster().fit(m)
    monthly = pd.Series(np.repeat(m.to_numpy() / 3, 3), index=pd.period_range("1959-01", periods=120, freq="M"))
    with pytest.raises(ValueError) as e:  # before: "one step per 'QS-OCT': 1959-02-01 00:00:00 follows 1959Q1"
        f.predict(data=monthly)
    assert one_line(e) == ("data's periods are 'M' (1959-01 .. 1968-12), but the forecaster was fitted on 'Q-DEC' "
                           "periods (1968Q4 last); aggregate them onto the fitted periods, "
                           "data.groupby(data.index.asfreq('Q-DEC')).mean()")
    quarterly = monthly.groupby(monthly.index.asfreq("Q-DEC")).sum()  # aggregated (summed, as the months split it)
    np.testing.assert_allclose(f.predict(data=quarterly).to_numpy(), f.predict().to_numpy(), rtol=1e-9)
    with pytest.raises(ValueError) as e:  # before: "data starts at 1958-12-01 00:00:00, which is not on ... 'QS-OCT'"
        f.predict(data=m.set_axis(pd.period_range("1959Q1", periods=40, freq="Q-NOV")))
    assert one_line(e) == ("data's periods are 'Q-NOV' (1959Q1 .. 1968Q4), but the forecaster was fitted on 'Q-DEC' "
                           "periods (1968Q4 last); give data 'Q-DEC' periods, as at fit")


# -- F30-07: durations as the time axis -------------------------------------------------------------------------------
def test_F30_07_durations_as_the_time_axis_are_told_how_to_give_them():
    elapsed = pd.DataFrame({"elapsed": pd.to_timedelta(np.arange(30), unit="s"), "y": np.sin(np.arange(30.0))})
    with pytest.raises(ValueError) as e:  # before: "could not be read as datetimes ... pd.to_datetime(..., format=...)"
        tiny_forecaster().fit(elapsed, time_col="elapsed")
    assert one_line(e) == ("time column 'elapsed' holds durations (timedelta64: 0 days 00:00:00 .. 0 days 00:00:29), "
                           "not dates or numbers; give them as numbers, data['elapsed'].dt.total_seconds() (the "
                           "forecasts' times are then seconds), or as dates counted from the start they are measured "
                           "from, pd.Timestamp('2024-01-01') + data['elapsed'] (with your start)")
    seconds = elapsed.assign(elapsed=elapsed["elapsed"].dt.total_seconds())  # the fix, taken
    assert tiny_forecaster().fit(seconds, time_col="elapsed").predict().index.tolist() == [30.0, 31.0]
    panel = elapsed.assign(unique_id="a")
    with pytest.raises(ValueError, match=r"^the time column 'elapsed' holds durations \(timedelta64: 0 days 00:00:00 "
                                         r"\.\. 0 days 00:00:29\), not dates or numbers; give them as numbers, "
                                         r"data\['elapsed'\]\.dt\.total_seconds\(\)"):
        _tiny_global().fit(panel, time_col="elapsed")  # before: "has dtype timedelta64[us]; give datetimes, ..."
    y = _airline()
    f = tiny_forecaster().fit(y, pd.DataFrame({"x": np.arange(40.0)}, index=y.index))
    ahead = pd.DataFrame({"x": [40.0, 41.0]}, index=pd.to_timedelta([40, 41], unit="D"))
    with pytest.raises(ValueError) as e:  # before: "cannot be read as datetimes (dtype timedelta64[us] cannot ...)"
        f.predict(X=ahead)
    assert one_line(e) == ("X must be indexed by the forecast timestamps 1952-05 .. 1952-06; its index holds durations "
                           "(timedelta64: 40 days 00:00:00, ...), not timestamps; when its 2 rows are the "
                           "forecast's, in order, give them its times: X.set_axis(pd.period_range('1952-05', "
                           "periods=2, freq='M'))")


# -- F30-08: a numeric series of two times ----------------------------------------------------------------------------
def test_F30_08_a_numeric_series_of_two_times_has_the_step_between_them():
    vega = pytest.importorskip("vega_datasets")
    barley = vega.local_data.barley()  # yields of 1931 and 1932 per variety and site
    one = barley[(barley["variety"] == "Manchuria") & (barley["site"] == "Morris")].set_index("year")["yield"]
    assert one.index.tolist() == [1931, 1932]
    pred = tiny_forecaster(lookback=1, horizon=1).fit(one).predict()  # before: "2 timestamps; at least 3 are needed"
    assert pred.index.tolist() == [1933]
    panel = barley[barley["site"] == "Morris"]
    out = _tiny_global(lookback=1, horizon=1).fit(panel, id_col="variety", time_col="year", target="yield").predict()
    assert out["year"].tolist() == [1933] * panel["variety"].nunique()
    with pytest.raises(ValueError) as e:
        tiny_forecaster(lookback=1, horizon=1).fit(one.iloc[:1])
    assert one_line(e) == ("the series has 1 time (1931); at least 2 are needed to tell the step of its numeric "
                           "time axis")


# -- F30-09: a panel's series of one row ------------------------------------------------------------------------------
def test_F30_09_a_panels_one_row_series_is_named_as_one_row():
    y = _airline(30)
    long = pd.DataFrame({"unique_id": "a", "ds": y.index.to_timestamp(), "y": y.to_numpy()})
    with pytest.raises(ValueError) as e:  # before: "has 1 rows (rows 30..30)"
        _tiny_global().fit(pd.concat([long, long.iloc[-1:].assign(unique_id="b")], ignore_index=True))
    assert one_line(e).startswith("series 'b' has 1 row (row 30); fit needs lookback + horizon = 6 rows of every")
    with pytest.raises(ValueError, match=r": 'b' \(1 row\), 'c' \(2 rows\); .*\(the shortest series has 1 row\)$"):
        _tiny_global().fit(pd.concat([long, long.iloc[-1:].assign(unique_id="b"),
                                      long.iloc[-2:].assign(unique_id="c")], ignore_index=True))


# -- F30-10: the panel's future with its ids and times in its index, or wide ----------------------------------------
def _promo_panel() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two airline stretches as a panel with a known-future 'promo' column, and its future over two months."""
    y = _airline(48)
    times = y.index.to_timestamp()
    data = pd.concat([pd.DataFrame({"unique_id": k, "ds": times, "y": y.to_numpy() + 10 * j,
                                    "promo": np.arange(48.0) % 2}) for j, k in enumerate("ab")], ignore_index=True)
    future = pd.DataFrame({"unique_id": list("aabb"), "ds": pd.to_datetime(["1953-01-01", "1953-02-01"] * 2),
                           "promo": [0.0, 1.0, 0.0, 1.0]})
    return data, future


def test_F30_10_the_panels_future_with_ids_and_times_in_its_index_or_wide_is_told_how_to_make_it_long():
    data, future = _promo_panel()
    g = _tiny_global().fit(data, future_covariates=["promo"])
    expected = g.predict(future=future)
    with pytest.raises(ValueError) as e:  # before: "future lacks the columns ['unique_id', 'ds']; it needs ..." alone
        g.predict(future=future.set_index(["unique_id", "ds"]))
    assert one_line(e) == ("future lacks the columns ['unique_id', 'ds']; it needs 'unique_id', 'ds' and ['promo']: "
                           "future holds ['unique_id', 'ds'] in its index, not as columns; move them to columns, "
                           "future.reset_index()")
    pd.testing.assert_frame_equal(g.predict(future=future.set_index(["unique_id", "ds"]).reset_index()), expected)
    wide = future.pivot(index="ds", columns="unique_id", values="promo")  # a column per series
    with pytest.raises(ValueError) as e:
        g.predict(future=wide)
    assert one_line(e) == ("future lacks the columns ['unique_id', 'ds']; it needs 'unique_id', 'ds' and ['promo']: "
                           "future is wide, a column per series ('a', 'b'); make it long, a row per (id, time): "
                           "future.rename_axis('ds').reset_index().melt(id_vars='ds', var_name='unique_id', "
                           "value_name='promo')")
    long = wide.rename_axis("ds").reset_index().melt(id_vars="ds", var_name="unique_id", value_name="promo")
    pd.testing.assert_frame_equal(g.predict(future=long), expected)


# -- F30-11: a panel on periods that skips one ------------------------------------------------------------------------
def test_F30_11_a_panel_on_periods_that_skips_one_is_named_in_periods_with_a_fix_that_runs():
    y = _airline(20)
    data = pd.concat([pd.DataFrame({"unique_id": k, "ds": y.index, "y": y.to_numpy() + 10 * j})
                      for j, k in enumerate("ab")], ignore_index=True).drop(index=5)  # 'a' lacks 1949-06
    with pytest.raises(ValueError) as e:  # before: timestamps and days, and resample('MS'), which fails on periods
        _tiny_global().fit(data)
    assert one_line(e) == ("series 'a': its periods skip 1 of its 'M' periods (1949-06; 1949-07 follows 1949-05), "
                           "so its steps are uneven; put every series on its periods first, e.g. data.set_index('ds')"
                           ".groupby('unique_id')[['y']].apply(lambda s: s.reindex(pd.period_range(s.index[0], "
                           "s.index[-1], freq='M'), method='ffill')).rename_axis(['unique_id', 'ds']).reset_index() "
                           "(each missing period takes the value before it)")
    fixed = data.set_index("ds").groupby("unique_id")[["y"]].apply(  # the fix, taken
        lambda s: s.reindex(pd.period_range(s.index[0], s.index[-1], freq="M"), method="ffill")
    ).rename_axis(["unique_id", "ds"]).reset_index()
    assert fixed["ds"].dtype == "period[M]" and len(fixed) == 40
    out = _tiny_global().fit(fixed).predict()
    assert out["ds"].tolist() == [pd.Period("1950-09", "M"), pd.Period("1950-10", "M")] * 2


# -- F30-12: the adapter's X as a numpy array ---------------------------------------------------------------------
def test_F30_12_the_adapters_X_as_an_array_is_told_to_be_a_dataframe_on_ys_times():
    sd = pytest.importorskip("sktime.datasets")
    y, X = sd.load_longley()
    with pytest.raises(ValueError) as e:  # before: sktime's "(time) indices of series 0 are not contained …" over lines
        _adapter().fit(y.iloc[:-2], X=X.iloc[:-2].to_numpy(), fh=[1, 2])
    assert one_line(e) == ("RnnkitForecaster.fit: X is a numpy array of shape (14, 5), which sktime indexes by row "
                           "numbers, not by y's times (1947 .. 1960); give a DataFrame on y's index, with names for "
                           "its columns: X = pd.DataFrame(X, index=y.index, columns=['x0', 'x1', 'x2', 'x3', 'x4'])")
    forecaster = _adapter().fit(y.iloc[:-2], X=X.iloc[:-2], fh=[1, 2])
    ahead = X.iloc[-2:].to_numpy()
    with pytest.raises(ValueError) as e:  # before: X.rename(columns={'0': 'GNPDEFL', …}) of an array
        forecaster.predict(X=ahead)
    assert one_line(e) == ("RnnkitForecaster.predict: X is a numpy array of shape (2, 5), but fit's X named its "
                           "columns ['GNPDEFL', 'GNP', 'UNEMP', 'ARMED', 'POP'], which the model reads by name at the "
                           "times of fh; give a DataFrame: X = pd.DataFrame(X, columns=['GNPDEFL', 'GNP', 'UNEMP', "
                           "'ARMED', 'POP'], index=forecaster.fh.to_absolute_index(forecaster.cutoff))")
    framed = pd.DataFrame(ahead, columns=list(X.columns), index=forecaster.fh.to_absolute_index(forecaster.cutoff))
    pd.testing.assert_series_equal(forecaster.predict(X=framed), forecaster.predict(X=X.iloc[-2:]))
