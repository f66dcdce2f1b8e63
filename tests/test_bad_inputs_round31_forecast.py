"""The thirty-first round: the forecasters with real series in the forms pandas hands them out. A panel's
``future`` or ``data`` with bool ids for int ones (F31-01); the times of a series of periods named as periods,
``historical_forecasts(start=...)`` before it and ``predict(data=...)`` with a time column of periods of another
frequency (F31-02)."""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, tiny_forecaster

import rnnkit


def _airline(n: int = 40) -> pd.Series:
    """sktime's airline passengers, monthly periods from 1949-01."""
    sd = pytest.importorskip("sktime.datasets")
    return sd.load_airline().iloc[:n]


def _tiny_global(**params) -> rnnkit.GlobalForecaster:
    return rnnkit.GlobalForecaster(**{"lookback": 4, "horizon": 2, "hidden_size": 4, "max_epochs": 1,
                                      "random_state": 0, "season_length": 1, **params})


def _promo_panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    t = pd.date_range("2020-01-01", periods=30, freq="D")
    promo = (np.arange(30) % 5 == 0).astype(float)
    return pd.concat([pd.DataFrame({"id": k, "ds": t, "y": level + 5 * promo + rng.normal(size=30), "promo": promo})
                      for k, level in [(0, 10.0), (1, 100.0)]], ignore_index=True)


def test_F31_01_a_panels_bool_ids_are_not_its_int_ids():
    data = _promo_panel()
    g = _tiny_global().fit(data, id_col="id", time_col="ds", target="y", future_covariates=["promo"])
    t = pd.date_range("2020-01-31", periods=2, freq="D")
    future = pd.DataFrame({"id": [True, True, False, False], "ds": list(t) * 2, "promo": [1.0, 0.0, 0.0, 1.0]})
    with pytest.raises(ValueError) as e:
        g.predict(future=future)
    assert one_line(e).startswith("series 0: future has no row with the id 0 (int, as at fit), but has False (bool)")
    assert "future['id'].astype(int)" in one_line(e)
    with pytest.raises(ValueError, match=r"^series False \(row 0\) is bool, but the model was fitted on the id 0 "
                                         r"\(int; .*data\['id'\]\.astype\(int\)"):
        g.predict(data=data.assign(id=data["id"].astype(bool)), future=future)
    read = g.predict(future=future.assign(id=future["id"].astype(int)))  # the fix reads the rows
    assert read["id"].tolist() == [0, 0, 1, 1]


def test_F31_02_the_times_of_a_series_of_periods_are_named_as_periods():
    y = _airline()
    f = tiny_forecaster().fit(y)
    with pytest.raises(ValueError) as e:
        f.historical_forecasts(start=pd.Period("1940-01", "M"))
    assert "is before the series, which starts at 1949-01; pass" in one_line(e)
    days = y.to_frame().reset_index()
    days["Period"] = days["Period"].dt.asfreq("D")  # each month's last day
    with pytest.raises(ValueError) as e:
        f.predict(data=days, time_col="Period")
    assert one_line(e).startswith("data's time column 'Period' holds periods 'D' (1949-01-31 .. 1952-04-30), but the "
                                  "forecaster was fitted on 'M' periods (1952-04 last)")
    assert "data['Period'].dt.asfreq('M')" in one_line(e)
    fixed = days.assign(Period=days["Period"].dt.asfreq("M"))
    pd.testing.assert_series_equal(f.predict(data=fixed, time_col="Period"), f.predict())


def test_F31_03_a_combined_panel_on_periods_names_futures_times_as_periods():
    """model='auto' (the combination) forecast through nets fitted on the periods' first instants, which named
    ``future``'s times as timestamps and advised a series' ``set_axis`` for a long frame's column."""
    t = pd.period_range("2000-01", periods=30, freq="M")
    data = pd.concat([pd.DataFrame({"id": k, "ds": t, "y": np.arange(30.0) + level, "promo": np.arange(30) % 3 == 0})
                      for k, level in [("a", 0.0), ("b", 50.0)]], ignore_index=True).astype({"promo": float})
    g = rnnkit.GlobalForecaster(lookback=4, horizon=2, hidden_size=4, max_epochs=1, random_state=0, season_length=1)
    g.fit(data, id_col="id", time_col="ds", target="y", future_covariates=["promo"])
    assert g.kind_ == "combination" and g.parts_
    future = pd.DataFrame({"id": ["a", "a", "b", "b"], "ds": list(pd.period_range("2002-07", periods=2, freq="M")) * 2,
                           "promo": [1.0, 0.0, 0.0, 1.0]})
    with pytest.raises(ValueError) as e:
        g.predict(future=future.assign(ds=future["ds"].dt.asfreq("D")))  # each month's last day
    assert one_line(e).startswith("series 'a': future has no row for 2 of the 2 forecast timestamps (2002-07, 2002-08)")
    assert one_line(e).endswith("future.assign(ds=future['ds'].dt.asfreq('M'))")
    with pytest.raises(ValueError) as e:
        g.predict(future=future.assign(ds=future["ds"].dt.asfreq("Q")))
    assert one_line(e) == ("series 'a': future has the time 2002Q3 on rows 0 and 1; give one row per (id, time), at "
                           "the series' 'M' periods")
    assert g.predict(future=future)["ds"].tolist() == list(future["ds"])


def test_F31_04_future_on_periods_for_a_series_dated_at_their_ends_names_why_no_row_matches():
    """A series on month ends (or co2's Saturdays) given ``X`` at predict on a PeriodIndex of those months: each
    period is read at its first day, so no row matched and the refusal listed the month ends without a reason."""
    y = _airline(40)
    y.index = y.index.to_timestamp(how="end").normalize()
    y = y.asfreq("ME")
    X = pd.DataFrame({"promo": (np.arange(40) % 4 == 0).astype(float)}, index=y.index)
    f = tiny_forecaster(season_length=1).fit(y, X=X)
    future = pd.DataFrame({"promo": [1.0, 0.0]}, index=pd.period_range("1952-05", periods=2, freq="M"))
    with pytest.raises(ValueError) as e:
        f.predict(X=future)
    assert one_line(e).endswith("its index holds 'M' periods, each read at its first instant (1952-05-01 for "
                                "1952-05), and the forecast timestamps lie within them, not at their starts "
                                "(1952-05-31 in 1952-05): index it by them, "
                                "X.set_axis(X.index.to_timestamp(how='end').normalize())")
    fixed = f.predict(X=future.set_axis(future.index.to_timestamp(how="end").normalize()))
    assert fixed.index.tolist() == [pd.Timestamp("1952-05-31"), pd.Timestamp("1952-06-30")]
