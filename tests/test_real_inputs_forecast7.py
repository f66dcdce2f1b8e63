"""The seventh round of forecasting inputs: the forecasters' lifecycle on real series that ship offline (sktime's
airline, uschange, lynx; statsmodels' nile, sunspots, macrodata): set_params after fit, then predict or save,
predict(data=...) and predict(X=... / future=...) after fit, ids of another type than at fit. One test per
case F7-NN of the catalogue. A refusal is one ValueError line naming what, where and how to fix it; a valid
input gets the right values."""

import copy
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
    params = dict(horizon=3, model="direct", lookback=12, max_epochs=1, hidden_size=4, random_state=0,
                  quantiles=(0.1, 0.5, 0.9))
    return Forecaster(**(params | kw))


def gquick(**kw) -> GlobalForecaster:
    params = dict(horizon=3, model="direct", lookback=8, max_epochs=1, hidden_size=4, random_state=0)
    return GlobalForecaster(**(params | kw))


def airline() -> pd.Series:
    datasets = pytest.importorskip("sktime.datasets")
    return datasets.load_airline()  # monthly, a PeriodIndex


def years_panel(ids=("nile", "lynx")) -> pd.DataFrame:
    """statsmodels' nile (1871..1970) and sktime's lynx (1821..1934), yearly, as a long panel."""
    sm = pytest.importorskip("statsmodels.api")
    datasets = pytest.importorskip("sktime.datasets")
    nile = sm.datasets.nile.load_pandas().data
    lynx = datasets.load_lynx()
    years = lynx.index.year if hasattr(lynx.index, "year") else lynx.index.astype(int)
    parts = [pd.DataFrame({"unique_id": ids[0], "ds": nile["year"].astype(int), "y": nile["volume"]}),
             pd.DataFrame({"unique_id": ids[1], "ds": np.asarray(years, dtype=int), "y": lynx.to_numpy()})]
    return pd.concat(parts, ignore_index=True)


def future_of(panel: pd.DataFrame) -> pd.DataFrame:
    last = panel.groupby("unique_id", sort=False)["ds"].max()
    return pd.DataFrame([(i, t + k, float((t + k) % 2)) for i, t in last.items() for k in (1, 2, 3)],
                        columns=["unique_id", "ds", "c"])


# F7-01
def test_f7_01_quantiles_set_after_fit_are_refused_not_relabelled():
    y = airline()
    f = quick().fit(y)
    for q in (None, (0.05, 0.5, 0.95)):
        g = copy.deepcopy(f).set_params(quantiles=q)
        with pytest.raises(ValueError) as e:
            g.predict()
        message = one_line(e)
        assert f"Forecaster.predict: quantiles={q!r} was set after fit" in message
        assert "the fitted model has quantiles=[0.1, 0.5, 0.9]" in message
        assert "set_params(quantiles=[0.1, 0.5, 0.9])" in message
        with pytest.raises(ValueError, match="Forecaster.historical_forecasts: quantiles="):
            g.historical_forecasts()
    back = copy.deepcopy(f).set_params(quantiles=None).set_params(quantiles=[0.1, 0.5, 0.9])
    pd.testing.assert_frame_equal(back.predict(), f.predict())  # set back (as a list): the model's forecasts


# F7-02
def test_f7_02_horizon_set_after_fit_is_refused_by_name():
    f = quick().fit(airline())
    for h in (2, 5):
        with pytest.raises(ValueError) as e:
            copy.deepcopy(f).set_params(horizon=h).predict()
        message = one_line(e)
        assert f"Forecaster.predict: horizon={h} was set after fit, but the fitted model has horizon=3" in message
        assert "set_params(horizon=3)" in message


# F7-03
def test_f7_03_save_refuses_network_parameters_set_after_fit(tmp_path):
    f = quick().fit(airline())
    for name, value in (("hidden_size", 8), ("num_layers", 2), ("cell", "gru"), ("calendar", ["month"]),
                        ("mask", True)):
        g = copy.deepcopy(f).set_params(**{name: value})
        pd.testing.assert_frame_equal(g.predict(), f.predict())  # the fitted model still predicts
        with pytest.raises(ValueError) as e:
            g.save(tmp_path / name)
        message = one_line(e)
        assert f"Forecaster.save: {name}={value!r} was set after fit" in message and "set it back" in message
        assert not (tmp_path / name).exists()
    g = copy.deepcopy(f).set_params(lookback=6, relative=False, max_epochs=3)  # the next fit's: saved as they are
    g.save(tmp_path / "next")
    pd.testing.assert_frame_equal(load(tmp_path / "next").predict(), f.predict())


# F7-04
def test_f7_04_global_lookback_set_after_fit_is_refused_not_read():
    panel = years_panel()
    g = gquick().fit(panel)
    h = copy.deepcopy(g).set_params(lookback=6)
    with pytest.raises(ValueError) as e:
        h.predict()
    message = one_line(e)
    assert "GlobalForecaster.predict: lookback=6 was set after fit, but the fitted model has lookback=8" in message
    assert "set_params(lookback=8)" in message
    pd.testing.assert_frame_equal(h.set_params(lookback=8).predict(), g.predict())


# F7-05
def test_f7_05_global_relative_set_after_fit_is_not_saved_into_another_model(tmp_path):
    g = gquick().fit(years_panel())
    h = copy.deepcopy(g).set_params(relative=False)
    with pytest.raises(ValueError) as e:
        h.save(tmp_path / "m")
    assert "GlobalForecaster.save: relative=False was set after fit, but the fitted model has relative=True" \
        in one_line(e)
    h.set_params(relative=True).save(tmp_path / "m")
    pd.testing.assert_frame_equal(load(tmp_path / "m").predict(), g.predict())


# F7-06
def test_f7_06_global_quantiles_horizon_and_network_set_after_fit(tmp_path):
    g = gquick().fit(years_panel())
    for name, value in (("quantiles", None), ("quantiles", (0.05, 0.5, 0.95)), ("horizon", 5)):
        with pytest.raises(ValueError) as e:
            copy.deepcopy(g).set_params(**{name: value}).predict()
        assert f"GlobalForecaster.predict: {name}={value!r} was set after fit" in one_line(e)
    for name, value in (("hidden_size", 8), ("cell", "gru")):
        with pytest.raises(ValueError) as e:
            copy.deepcopy(g).set_params(**{name: value}).save(tmp_path / name)
        assert f"GlobalForecaster.save: {name}={value!r} was set after fit" in one_line(e)


# F7-07
def test_f7_07_future_covariates_for_only_some_series_name_the_series():
    panel = years_panel()
    panel["c"] = (panel["ds"] % 2).astype(float)
    g = gquick().fit(panel, future_covariates=["c"])
    future = future_of(panel)
    with pytest.raises(ValueError) as e:
        g.predict(future=future[future["unique_id"] != "nile"])
    assert one_line(e) == ("series 'nile': future has no row for 3 of the 3 forecast timestamps (1971, 1972, 1973); "
                           "it needs one row per timestamp 1971 .. 1973")
    # the Forecaster on a numeric axis (uschange's row numbers), X without a row: the same
    datasets = pytest.importorskip("sktime.datasets")
    y, X = datasets.load_uschange()
    f = quick(lookback=8, quantiles=None).fit(y.iloc[:-3], X=X[["Income"]].iloc[:-3])
    with pytest.raises(ValueError, match=r"X has no row for 3 of the 3 forecast timestamps \(184, 185, 186\)"):
        f.predict(X=X[["Income"]].iloc[:0])


# F7-08
def test_f7_08_global_ids_of_another_type_than_at_fit_are_told_so():
    panel = years_panel(ids=(1, 2))
    g = gquick().fit(panel)
    with pytest.raises(ValueError) as e:
        g.predict(data=panel.astype({"unique_id": str}))
    assert one_line(e) == ("series '1' (row 0) is str, but the model was fitted on the id 1 (int; the ids: 1, 2); "
                           "give the ids the fitted type (data['unique_id'].astype(int))")
    text = gquick().fit(panel.astype({"unique_id": str}))
    with pytest.raises(ValueError, match=r"give the ids the fitted type \(data\['unique_id'\]\.astype\(str\)\)"):
        text.predict(data=panel)
    subset = g.predict(data=panel[panel["unique_id"] == 2])  # a subset of the fitted ids, as fitted: read
    pd.testing.assert_frame_equal(subset, g.predict()[lambda d: d["unique_id"] == 2].reset_index(drop=True))


# F7-09
def test_f7_09_global_future_ids_of_another_type_are_told_so():
    panel = years_panel(ids=(1, 2))
    panel["c"] = (panel["ds"] % 2).astype(float)
    g = gquick().fit(panel, future_covariates=["c"])
    future = future_of(panel)
    with pytest.raises(ValueError) as e:
        g.predict(future=future.astype({"unique_id": str}))
    assert one_line(e) == ("series 1: future has no row with the id 1 (int, as at fit), but has '1' (str); give "
                           "future's ids the fitted type (future['unique_id'].astype(int))")
    assert g.predict(future=future).shape == (6, 6)


# F7-10
def test_f7_10_global_predict_data_with_nan_at_its_end_is_not_told_to_refit():
    panel = years_panel()
    g = gquick().fit(panel)
    newer = panel.copy()
    newer.loc[newer.index[-1], "y"] = np.nan
    with pytest.raises(ValueError) as e:
        g.predict(data=newer)
    message = one_line(e)
    assert message.startswith("series 'lynx', row 213: column 'y' is missing (NaN)")
    assert "fill or drop them first" in message and "before fit" not in message


# F7-11
def test_f7_11_predict_data_after_fit_with_x_asks_for_the_x_columns():
    sm = pytest.importorskip("statsmodels.api")
    mac = sm.datasets.macrodata.load_pandas().data
    mac.index = pd.PeriodIndex.from_fields(year=mac["year"].astype(int), quarter=mac["quarter"].astype(int),
                                           freq="Q")
    y, X = mac[["realgdp"]], mac[["realint"]]
    f = quick(lookback=8, horizon=2, quantiles=None).fit(y.iloc[:-10], X=X.iloc[:-10])
    with pytest.raises(ValueError) as e:
        f.predict(data=y.iloc[:-4], X=X.iloc[-4:-2])
    message = one_line(e)
    assert "data has columns ['realgdp']; the forecaster was fitted on ['realgdp', 'realint']" in message
    assert "the known-future covariates ['realint'] are read over the lookback too" in message
    assert "y.join(X)" in message
    pred = f.predict(data=y.iloc[:-4].join(X.iloc[:-4]), X=X.iloc[-4:-2])  # the fix works
    assert pred.index.astype(str).tolist() == ["2008Q4", "2009Q1"] and np.isfinite(pred.to_numpy()).all()
