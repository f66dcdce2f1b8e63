"""GlobalForecaster: learns a pattern shared across series, per-series scaling, known-future covariates,
quantiles, each series' own future timestamps, save/load, resume, every registry cell, and one-line errors
naming the series and row for every bad panel."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import GlobalForecaster
from rnnkit.models import CELL_NAMES

# (level, amplitude, phase): the same yearly sine at very different levels and scales
SHAPES = [(5.0, 1.0, 0), (300.0, 20.0, 3), (-40.0, 4.0, 7), (2e4, 900.0, 10)]


def sine_panel(n=84, *, shapes=SHAPES, freq="MS") -> pd.DataFrame:
    """Noiseless ``a_i + b_i sin(2π(t + φ_i)/12)``, one series per shape, ids s0, s1, ..."""
    parts = []
    for i, (a, b, phase) in enumerate(shapes):
        t = np.arange(n)
        parts.append(pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2001-01-01", periods=n, freq=freq),
                                   "y": a + b * np.sin(2 * np.pi * (t + phase) / 12)}))
    return pd.concat(parts, ignore_index=True)


def split(df: pd.DataFrame, H: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    by = df.groupby("unique_id", sort=False)
    return df.drop(by.tail(H).index), by.tail(H)


def quick(**kw) -> GlobalForecaster:
    # the direct model, uncalibrated (the hybrid, "auto" and the calibration: test_forecast_hybrid.py)
    return GlobalForecaster(**{"lookback": 12, "horizon": 6, "cell": "gru", "hidden_size": 8, "max_epochs": 1,
                               "model": "direct", "calibrate": False, "random_state": 0, "device": "cpu", **kw})


# -- learning --------------------------------------------------------------------------------------------------
def test_one_model_learns_the_shared_pattern_and_beats_naive_on_every_series():
    train, test = split(sine_panel(), 6)
    p = quick(hidden_size=16, max_epochs=30, lr=1e-2).fit(train).predict()
    for key, part in test.groupby("unique_id", sort=False):
        actual = part["y"].to_numpy()
        naive = np.abs(train[train.unique_id == key]["y"].iloc[-1] - actual).mean()
        mae = np.abs(p[p.unique_id == key]["y"].to_numpy() - actual).mean()
        # measured MAE / naive MAE 0.009-0.093 over random_state 0-4 on every series
        assert mae < 0.3 * naive, key


def test_known_future_covariates_are_read_over_the_horizon():
    """y = a_i + b_i promo_t with promo i.i.d. 0/1: nothing in the past tells promo_{T+h}, so only a model that
    reads the covariate over the horizon beats the series' mean."""
    rng = np.random.default_rng(0)
    parts = []
    for i, (a, b) in enumerate([(10.0, 1.0), (500.0, 40.0), (-3.0, 0.2)]):
        promo = rng.integers(0, 2, 60).astype(float)
        parts.append(pd.DataFrame({"unique_id": i, "ds": np.arange(2000, 2060), "y": a + b * promo, "promo": promo}))
    train, test = split(pd.concat(parts, ignore_index=True), 4)
    g = quick(lookback=8, horizon=4, hidden_size=16, max_epochs=40, lr=1e-2, quantiles=None, relative=False)
    p = g.fit(train, future_covariates=["promo"]).predict(future=test[["unique_id", "ds", "promo"]])
    assert p["ds"].tolist()[:4] == [2056, 2057, 2058, 2059]
    for key, part in test.groupby("unique_id", sort=False):
        actual = part["y"].to_numpy()
        mean = np.abs(train[train.unique_id == key]["y"].mean() - actual).mean()
        mae = np.abs(p[p.unique_id == key]["y"].to_numpy() - actual).mean()
        assert mae < 0.6 * mean, key  # measured 0.02-0.30 over random_state 0-4
    with pytest.raises(ValueError, match=r"series 0: this GlobalForecaster reads the known-future covariates"):
        g.predict()
    with pytest.raises(ValueError, match=r"series 2: future has no row for 1 of the 4 forecast timestamps \(2059\)"):
        g.predict(future=test[["unique_id", "ds", "promo"]].iloc[:-1])


# -- scaling, quantiles, timestamps ------------------------------------------------------------------------------
def test_each_series_is_scaled_by_its_own_statistics():
    """A series that is 1000 x another + 5000 reads the same windows in z, so its forecast is the other's
    forecast x 1000 + 5000 (a global or wrong-series scaling breaks this)."""
    df = sine_panel(48, shapes=SHAPES[:2])
    copy = df[df.unique_id == "s0"].assign(unique_id="big", y=lambda d: 1000 * d["y"] + 5000)
    g = quick(max_epochs=2).fit(pd.concat([df, copy], ignore_index=True))
    y = df[df.unique_id == "s0"]["y"].to_numpy()
    assert g.ids_ == ["s0", "s1", "big"]
    np.testing.assert_allclose(g.center_[0], y.mean())
    np.testing.assert_allclose(g.scale_[0], np.abs(np.diff(y)).mean())  # the naive forecast's in-sample MAE
    np.testing.assert_allclose(g.scale_[2], 1000 * g.scale_[0])
    p = g.predict()
    small, big = (p[p.unique_id == k][["y", "q0.1", "q0.9"]].to_numpy() for k in ("s0", "big"))
    np.testing.assert_allclose(big, 1000 * small + 5000, rtol=1e-6)
    assert not np.allclose(p[p.unique_id == "s1"]["y"], small[:, 0])


def test_quantiles_are_ordered_and_the_point_forecast_is_the_median():
    p = quick(quantiles=(0.05, 0.25, 0.5, 0.75, 0.95)).fit(sine_panel(40)).predict()
    q = p[["q0.05", "q0.25", "q0.5", "q0.75", "q0.95"]].to_numpy()
    assert (np.diff(q, axis=1) >= 0).all()
    np.testing.assert_array_equal(p["y"], p["q0.5"])
    point = quick(quantiles=None).fit(sine_panel(40)).predict(horizon=2)
    assert list(point.columns) == ["unique_id", "ds", "y"] and len(point) == 4 * 2


def test_every_series_gets_its_own_future_timestamps():
    monthly = sine_panel(30, shapes=SHAPES[:1]).iloc[:25]  # ends 2003-01
    quarterly = sine_panel(30, shapes=SHAPES[1:2], freq="QS").assign(unique_id="q")
    daily = sine_panel(20, shapes=SHAPES[2:3], freq="D").assign(unique_id="d")
    p = quick(lookback=4, horizon=3).fit(pd.concat([monthly, quarterly, daily])).predict()
    times = {k: list(part["ds"]) for k, part in p.groupby("unique_id", sort=False)}
    assert times == {"s0": list(pd.date_range("2003-02-01", periods=3, freq="MS")),
                     "q": list(pd.date_range("2008-07-01", periods=3, freq="QS")),
                     "d": list(pd.date_range("2001-01-21", periods=3, freq="D"))}
    years = pd.DataFrame({"unique_id": [1] * 10 + [2] * 8, "ds": [*range(1990, 2000), *range(1950, 1958)],
                          "y": np.arange(18.0)})
    p = quick(lookback=4, horizon=2).fit(years).predict()
    assert p["ds"].tolist() == [2000, 2001, 1958, 1959] and p["unique_id"].tolist() == [1, 1, 2, 2]
    quarters = years.assign(unique_id=1, ds=pd.period_range("1990Q1", periods=18, freq="Q"))  # to 1994Q2
    p = quick(lookback=4, horizon=2).fit(quarters).predict()
    assert list(p["ds"]) == list(pd.period_range("1994Q3", periods=2, freq="Q"))  # periods in, periods out


def test_predict_continues_from_newer_rows_without_refitting():
    df = sine_panel(40)
    g = quick().fit(df.groupby("unique_id").head(36))
    pd.testing.assert_frame_equal(g.predict(data=df.groupby("unique_id").head(36)), g.predict())
    newer = g.predict(data=df[df.unique_id.isin(["s2", "s0"])])
    assert newer["unique_id"].unique().tolist() == ["s0", "s2"]
    assert newer["ds"].iloc[0] == pd.Timestamp("2004-05-01")
    with pytest.raises(ValueError, match=r"series 'x' \(row 0\) is not one the model was fitted on"):
        g.predict(data=df[df.unique_id == "s1"].assign(unique_id="x"))


# -- save / load, resume, cells ---------------------------------------------------------------------------------
def test_save_and_load_give_identical_forecasts(tmp_path):
    rng = np.random.default_rng(1)
    df = sine_panel(40).assign(unique_id=lambda d: d["unique_id"].str[1].astype(int),
                               price=rng.normal(size=160))
    g = quick().fit(df, future_covariates="price")
    future = pd.DataFrame({"unique_id": np.repeat([0, 1, 2, 3], 6),
                           "ds": np.tile(pd.date_range("2004-05-01", periods=6, freq="MS"), 4),
                           "price": rng.normal(size=24)})
    g.save(tmp_path / "m")
    loaded = GlobalForecaster.load(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.predict(future=future), g.predict(future=future))
    assert loaded.ids_ == [0, 1, 2, 3] and loaded.freqs_ == g.freqs_


def test_resumed_fit_ends_with_the_uninterrupted_weights(tmp_path):
    df = sine_panel(30)  # 52 windows: 4 batches of 16, so a resumed epoch must shuffle as the uninterrupted one
    whole = quick(max_epochs=3, batch_size=16).fit(df).predict()
    quick(max_epochs=2, batch_size=16, log_dir=str(tmp_path)).fit(df, resume=True)
    resumed = quick(max_epochs=3, batch_size=16, log_dir=str(tmp_path)).fit(df, resume=True).predict()
    pd.testing.assert_frame_equal(resumed, whole)
    with pytest.raises(ValueError, match="differ|another run|does not match"):
        quick(max_epochs=3, batch_size=16, log_dir=str(tmp_path), hidden_size=4).fit(df, resume=True)


@pytest.mark.parametrize("cell", CELL_NAMES)
def test_every_registry_cell_trains(cell):
    g = quick(cell=cell, lookback=6, horizon=2, hidden_size=4).fit(sine_panel(20, shapes=SHAPES[:2]))
    assert np.isfinite(g.loss_curve_).all() and np.isfinite(g.predict()[["y", "q0.1", "q0.9"]]).all().all()


# -- bad input -----------------------------------------------------------------------------------------------------
def _panel() -> pd.DataFrame:
    return sine_panel(30, shapes=SHAPES[:2])


BAD = {
    "duplicate": (lambda d: pd.concat([d.iloc[:41], d.iloc[[40]], d.iloc[41:]], ignore_index=True),
                  r"series 's1' has the time 2001-11-01 00:00:00 twice \(rows 40 and 41\)"),
    "unsorted": (lambda d: d.iloc[[*range(32), 33, 32, *range(34, 60)]],
                 r"series 's1' is not in time order: row 33 \(2001-03-01 00:00:00\) comes after row 32"),
    "irregular": (lambda d: d.drop(index=40),
                  r"series 's1' \(its 11-th row, 2001-12-01 00:00:00, is off the grid .*not evenly spaced"),
    "short": (lambda d: d.drop(index=range(45, 60)), r"series 's1' has 15 rows \(rows 30..44\); fit needs lookback"),
    "text": (lambda d: d.assign(y=d["y"].astype(object).where(d.index != 37, "n/a")),
             r"series 's1', row 37: column 'y' holds 'n/a', not a number"),
    "nan": (lambda d: d.assign(y=d["y"].where(d.index != 5)), r"series 's0', row 5: column 'y' is missing \(NaN\)"),
    "no id": (lambda d: d.assign(unique_id=d["unique_id"].where(d.index != 3)),
              r"the id column 'unique_id' is missing at row 3"),
    "missing column": (lambda d: d.drop(columns="y"), r"the panel lacks the columns \['y'\]"),
    "bad time": (lambda d: d.assign(ds=d["ds"].astype(str).where(d.index != 8, "soon")),
                 r"series 's0', row 8: time 'soon' is not an ISO 8601 date"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_panels_are_refused_naming_the_series_and_row(case):
    change, message = BAD[case]
    with pytest.raises(ValueError, match=message) as e:
        quick().fit(change(_panel()))
    assert "\n" not in str(e.value)


def test_bad_parameters_and_calls_are_refused(tmp_path):
    with pytest.raises(ValueError, match="quantiles must be None or strictly increasing"):
        quick(quantiles=(0.1, 0.9)).fit(_panel())
    with pytest.raises(ValueError, match="unknown cell"):
        quick(cell="nope").fit(_panel())
    with pytest.raises(ValueError, match="not fitted yet"):
        quick().predict()
    g = quick().fit(_panel())
    with pytest.raises(ValueError, match=r"horizon must be an integer in \[1, 6\]"):
        g.predict(horizon=7)
    with pytest.raises(ValueError, match="fitted without known-future covariates"):
        g.predict(future=_panel())
    with pytest.raises(ValueError, match=r"series 's0' has frequency 'QS-OCT', but was fitted at 'MS'"):
        g.predict(data=sine_panel(30, shapes=SHAPES[:1], freq="QS"))
    with pytest.raises(ValueError, match=r"cannot save: series id \('a', 1\) is a tuple"):
        quick().fit(_panel().assign(unique_id=[("a", 1)] * 30 + [("b", 2)] * 30)).save(tmp_path / "m")


def test_predict_takes_a_list_of_steps_as_the_forecaster_does():
    """``predict([1, 3])``: the rows of steps 1 and 3 of every series, equal to those of ``predict()``."""
    g = quick().fit(_panel())
    full, some = g.predict(), g.predict([1, 3])
    H = g.horizon
    keep = np.tile(np.isin(np.arange(1, H + 1), [1, 3]), len(full) // H)
    pd.testing.assert_frame_equal(some, full[keep].reset_index(drop=True))
    assert len(some) == 2 * len(full) // H
    with pytest.raises(ValueError, match=r"the steps ahead must be increasing integers in \[1, 6\]"):
        g.predict([3, 1])
