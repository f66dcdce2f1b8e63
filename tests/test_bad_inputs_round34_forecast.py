"""Round 34, forecast: the hybrid GlobalForecaster's band at each series' own scale (F34-01), the remainder's
volatility it is scaled by (F34-02), and a hybrid saved before, loaded as it was fitted with a warning (F34-03)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import GlobalForecaster, hybrid

SDS = {"quiet": 0.01, "noisy": 0.2}  # the sd of each series' multiplicative noise
N_FIT, N_TEST, H, M = 120, 150, 3, 12


def panel(n: int, seed: int = 0) -> pd.DataFrame:
    """One season of 12 (amplitude 30 %) times noise exp(sd ε), the same for both series but for sd."""
    rng = np.random.default_rng(seed)
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(n) / M)
    return pd.concat([pd.DataFrame({"unique_id": k, "ds": pd.date_range("2000-01-01", periods=n, freq="D"),
                                    "y": 100 * season * np.exp(sd * rng.standard_normal(n))})
                      for k, sd in SDS.items()], ignore_index=True)


@pytest.fixture(scope="module")
def fitted():
    data = panel(N_FIT + N_TEST)
    g = GlobalForecaster(lookback=12, horizon=H, model="hybrid", season_length=M, calibrate=False, max_epochs=10,
                         hidden_size=16, random_state=0, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g.fit(data.groupby("unique_id").head(N_FIT))
    return g, data


def rolling(g: GlobalForecaster, data: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per series, from every H-th origin after the fitted rows: (inside the 80 % band, its log width,
    |log(median / actual)|) of each forecast value, (n, 3)."""
    out = {k: [] for k in SDS}
    for o in range(N_FIT, N_FIT + N_TEST - H + 1, H):
        p = g.predict(data=data.groupby("unique_id").head(o))
        for k in SDS:
            a = data.loc[data["unique_id"] == k, "y"].to_numpy()[o : o + H]
            lo, hi, med = (p.loc[p["unique_id"] == k, c].to_numpy() for c in ("q0.1", "q0.9", "y"))
            out[k].append(np.c_[(a >= lo) & (a <= hi), np.log(hi / lo), np.abs(np.log(med / a))])
    return {k: np.concatenate(v) for k, v in out.items()}


def test_hybrid_band_of_each_series_is_scaled_by_its_own_noise(fitted):
    # F34-01: before, both series' bands were one width of log ratios: the quiet one's 80 % band covered every
    # value (width ~10x its noise's), the noisy one's about half (width ~0.55x); now each about its own noise
    g, data = fitted
    res = rolling(g, data)
    for k, sd in SDS.items():
        coverage, width, error = res[k].mean(0)
        assert 0.6 <= coverage <= 0.95, (k, coverage)
        assert 0.4 <= width / (2 * 1.2816 * sd) <= 2.5, (k, width)  # the normal 80 % band's log width
        assert error < 1.5 * sd, (k, error)  # the median stays within the noise (E|ε| = 0.8 sd)
    ratio = res["noisy"][:, 1].mean() / res["quiet"][:, 1].mean()
    assert 5 <= ratio <= 80, ratio  # the noise's ratio is 20; before about 1


def test_remainder_volatility_is_each_series_own():
    # F34-02: the unit d that the remainder is divided by: the mean absolute one-step change of the
    # deseasonalised remainder (2 sd / sqrt(pi) for white noise of sd); before 1 for every positive series, and
    # for one with zeros the change of y itself, the season's swings included
    rng = np.random.default_rng(1)
    t = np.arange(240)
    season = np.sin(2 * np.pi * t / M)
    for sd in (0.01, 0.2):
        y = 100 * (1 + 0.3 * season) * np.exp(sd * rng.standard_normal(len(t)))
        s = hybrid.fit_smoothing(y, M)
        assert s.kind == "mul" and 0.7 * 1.128 * sd <= s.unit <= 1.5 * 1.128 * sd, (sd, s.unit)
        z, level, _ = hybrid.normalise(y, s)
        assert 0.7 <= np.abs(np.diff(z)).mean() <= 1.5
    y = 10 * season + 0.1 * rng.standard_normal(len(t))  # additive (negative values); the season's steps ~3.3
    s = hybrid.fit_smoothing(y, M)
    assert s.kind == "add" and 0.05 <= s.unit <= 0.3, s.unit
    # a series that is exactly level x season: a remainder without steps keeps a unit of 1 (no division by 0)
    exact = 50 * (1 + 0.3 * season)
    assert hybrid.remainder_unit(exact, hybrid.Smoothing("mul", M, 0.5, 0.1, 50.0, (1 + 0.3 * season[:M]), 0.0)) \
        == 1.0


def test_hybrid_saved_before_the_scaling_loads_as_it_was_with_a_warning(fitted, tmp_path):
    # F34-03: a hybrid saved before (no smoothing_units in its config; unit 1 for a positive series) predicts as
    # it did, and the load says that its band is shared and how to get one per series
    g, data = fitted
    g.save(tmp_path / "new")
    assert json.loads((tmp_path / "new" / "config.json").read_text())["fitted"]["smoothing_units"] == "remainder"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = GlobalForecaster.load(tmp_path / "new")
    pd.testing.assert_frame_equal(back.predict(), g.predict())
    saved_state = g._saved_state

    def before():
        fitted_, tensors = saved_state()
        assert fitted_.pop("smoothing_units") == "remainder"
        tensors["smoothing.unit"] = tensors["smoothing.unit"] * 0 + 1  # a positive series' unit, then
        return fitted_, tensors

    g._saved_state = before
    try:
        g.save(tmp_path / "old")
    finally:
        del g._saved_state
    with pytest.warns(UserWarning, match=r"hybrid model of 2 series \('quiet', 'noisy'\) was saved by an rnnkit "
                                         r"that did not scale each series' remainder by its own volatility.*too "
                                         r"wide for a quiet series.*loaded as it was fitted.*refit it"):
        old = GlobalForecaster.load(tmp_path / "old")
    assert [s.unit for s in old.smoothing_] == [1.0, 1.0]
    p = old.predict()
    assert np.isfinite(p[["y", "q0.1", "q0.9"]].to_numpy()).all() and (p["q0.1"] <= p["q0.9"]).all()


# -- the sktime adapter's update with renamed columns; backtest with a season longer than its folds allow ---------
def sktime_series(n: int = 60):
    rng = np.random.default_rng(0)
    index = pd.period_range("2000-01", periods=n, freq="M")
    y = pd.Series(10 + np.sin(np.arange(n)) + rng.normal(0, 0.1, n), index=index, name="sales")
    return y, pd.DataFrame({"promo": rng.integers(0, 2, n).astype(float)}, index=index)


SMALL = dict(model="direct", max_epochs=1, lookback=6, season_length=1, random_state=0, device="cpu")


def test_sktime_update_with_a_renamed_column_of_X_names_it():
    # F34-04: before, `RnnkitForecaster.fit: X column 'promotion' is missing (NaN) at 2000-01 (row 0; 54 missing
    # in all) ... fill them first`: another method, the wrong fault and the wrong fix
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    y, X = sktime_series()
    f = RnnkitForecaster(**SMALL).fit(y[:48], X=X[:48], fh=[1, 2])
    with pytest.raises(ValueError, match=r"RnnkitForecaster.update: X's columns \['promotion'\] are not those seen at "
                                         r"fit \(\['promo'\]\).*X.rename\(columns=\{'promotion': 'promo'\}\)"):
        f.update(y[48:54], X=X[48:54].rename(columns={"promo": "promotion"}))
    f.update(y[48:54], X=X[48:54])  # the fitted column: updated
    assert f.cutoff[0] == y.index[53]


def test_sktime_update_with_a_renamed_column_of_y_is_refused():
    # F34-05: before, y[['a', 'c']] after a fit on ['a', 'b'] extended b's model with c's values and labelled its
    # forecasts 'c', without a word; y with 'a' alone raised AttributeError: 'DataFrame' object has no attribute
    # 'dtype'
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    y, _ = sktime_series()
    Y = pd.DataFrame({"a": y, "b": 2 * y})
    f = RnnkitForecaster(**SMALL).fit(Y[:48], fh=[1, 2])
    with pytest.raises(ValueError, match=r"y's columns \['a', 'c'\] are not those seen at fit \(\['a', 'b'\]\): "
                                         r"\['b'\] missing, \['c'\] not seen; .*renamed column would extend another "
                                         r"column's model.*y.rename\(columns=\{'c': 'b'\}\)"):
        f.update(Y[48:54].rename(columns={"b": "c"}))
    with pytest.raises(ValueError, match=r"y's columns \['a'\] .*\['b'\] missing; each fitted column's model needs "
                                         r"its new values; give the fitted columns, y with the columns \['a', 'b'\]"):
        f.update(Y[48:54][["a"]])
    f.update(Y[48:54][["b", "a"]])  # the same columns in another order: read by name, as before
    assert list(f.predict().columns) == ["a", "b"]


def test_backtest_season_longer_than_half_the_first_fold_is_warned():
    # F34-06: before, backtest(season_length=70) of 80 rows ran without a word: MASE's scale from 1 difference
    # one season apart
    from rnnkit import Forecaster

    y, _ = sktime_series(80)
    f = Forecaster(horizon=3, model="direct", lookback=6, max_epochs=1, random_state=0, device="cpu")
    with pytest.warns(UserWarning, match=r"backtest: season_length=70 is more than half of the first fold's 71 "
                                         r"training rows \(80 rows less 3 folds of horizon 3\), so MASE's scale.* "
                                         r"rests on 1 difference one season apart.*at most 35 steps"):
        table = f.backtest(y, season_length=70)
    assert np.isfinite(table.to_numpy()).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.backtest(y, season_length=12)  # two seasons in every fold: no word
