"""GlobalForecaster(model="auto"): per series, the classical candidates and the global nets scored on the
series' validation origins, the best equal-weight mean kept, the band split-conformal on the same origins
(rnnkit.forecast.combination); recorded, shown with verbose, saved and loaded."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import GlobalForecaster, combination

FAST = dict(lookback=8, horizon=4, cell="gru", hidden_size=4, max_epochs=1, batch_size=32, random_state=0,
            device="cpu")


def known_panel(n: int = 60) -> pd.DataFrame:
    """Three series whose best candidate is known: a noiseless line (the drift is exact), a noiseless yearly
    pattern (the seasonal naive is exact), and a noisy seasonal series with a trend (anything may win)."""
    t = np.arange(n)
    rng = np.random.default_rng(0)
    ys = {"line": 3.0 + 0.5 * t,
          "season": 20 + np.tile([1.0, 4.0, -2.0, 0.5, 3.0, -1.0, 2.0, 0.0, -3.0, 1.5, 2.5, -0.5], n // 12 + 1)[:n],
          "noisy": 50 + 0.3 * t + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n)}
    return pd.concat([pd.DataFrame({"unique_id": k, "ds": pd.period_range("2001-01", periods=n, freq="M"), "y": y})
                      for k, y in ys.items()], ignore_index=True)


@pytest.fixture(scope="module")
def fitted() -> GlobalForecaster:
    return GlobalForecaster(**FAST).fit(known_panel())


def test_each_series_records_its_choice_and_an_exact_candidate_wins(fitted, capsys):
    g = fitted
    assert g.kind_ == "combination" and g.model_ is None and len(g.components_) == 3
    line, season, noisy = g.components_
    assert line == ("drift",) and season == ("naive",)  # exact on every validation value: nothing beats 0
    assert set(noisy) <= set(combination.CANDIDATES)
    assert g.season_lengths_[1] == 12
    for why in g.validation_:  # every candidate and every mean scored
        assert all(f"{k} " in why for k in ("naive", "drift", "ets", "direct", "hybrid", "mean of 5"))
    assert "drift x1" in g.choices_["model"] and "naive x1" in g.choices_["model"]
    assert set(g.parts_) == {k for c in g.components_ for k in c} & {"direct", "hybrid"}
    assert g.ets_[0] is None and (g.ets_[2] is not None) == ("ets" in noisy)
    GlobalForecaster(**FAST, verbose=True).fit(known_panel())
    shown = capsys.readouterr().out
    assert "GlobalForecaster: series 'line': drift (" in shown and "GlobalForecaster: series 'season': naive (" in shown


def test_forecast_is_the_mean_of_the_members_and_the_band_is_the_pooled_conformal_offset(fitted):
    g, panel = fitted, known_panel()
    p = g.predict()
    n, H = 60, 4
    # the exact members continue their series exactly
    np.testing.assert_allclose(p[p.unique_id == "line"]["y"], 3.0 + 0.5 * np.arange(n, n + H), rtol=1e-9)
    season = panel[panel.unique_id == "season"]["y"].to_numpy()
    np.testing.assert_allclose(p[p.unique_id == "season"]["y"], season[n - 12 : n - 12 + H], rtol=1e-12)
    # the noisy series: the members' forecasts, averaged by hand
    y = panel[panel.unique_id == "noisy"]["y"].to_numpy()
    m = g.season_lengths_[2]
    nets = {k: part.predict().query("unique_id == 'noisy'")["y"].to_numpy() for k, part in g.parts_.items()}
    by_hand = {"naive": combination.naive_forecast(y, H, m), "drift": combination.drift_forecast(y, H),
               "ets": combination.ets_forecast(y, combination.fit_ets(y, m), H)} | nets
    mean = np.mean([by_hand[c] for c in g.components_[2]], axis=0)
    np.testing.assert_allclose(p[p.unique_id == "noisy"]["y"], mean, rtol=1e-9)
    # the band: one pair of offsets for the panel, in units of each series' own h-step naive MAE
    assert set(g.band_) == {0.1, 0.5, 0.9} and g.band_[0.1] < 0 == g.band_[0.5] < g.band_[0.9]
    for i, key in enumerate(["line", "season", "noisy"]):
        got, y = p[p.unique_id == key], panel[panel.unique_id == key]["y"].to_numpy()
        scale = combination.step_scale(y, H, g.season_lengths_[i])
        np.testing.assert_allclose(g.band_scale_[i], scale)
        np.testing.assert_array_equal(got["y"], got["q0.5"])
        np.testing.assert_allclose(got["q0.9"] - got["y"], g.band_[0.9] * scale, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(got["q0.1"] - got["y"], g.band_[0.1] * scale, rtol=1e-9, atol=1e-12)
    # predict(data=...): the drift continues from the newer rows' end, without refitting
    longer = pd.concat([panel, pd.DataFrame({"unique_id": "line", "ds": pd.period_range("2006-01", periods=2,
                                                                                         freq="M"),
                                             "y": 3.0 + 0.5 * np.arange(n, n + 2)})], ignore_index=True)
    newer = g.predict(data=longer[longer.unique_id == "line"])
    np.testing.assert_allclose(newer["y"], 3.0 + 0.5 * np.arange(n + 2, n + 2 + H), rtol=1e-9)


def test_save_and_load_give_identical_forecasts_and_choices(fitted, tmp_path):
    g = fitted
    g.save(tmp_path / "auto")
    back = GlobalForecaster.load(tmp_path / "auto")
    assert back.kind_ == "combination" and back.components_ == g.components_ and back.validation_ == g.validation_
    assert back.ets_ == g.ets_ and back.choices_ == g.choices_ and set(back.parts_) == set(g.parts_)
    assert back.band_ == g.band_
    np.testing.assert_array_equal(back.band_scale_, g.band_scale_)
    pd.testing.assert_frame_equal(back.predict(), g.predict())
    pd.testing.assert_frame_equal(back.predict(horizon=2), g.predict(horizon=2))
    newer = known_panel(62)
    pd.testing.assert_frame_equal(back.predict(data=newer), g.predict(data=newer))


def test_point_forecasts_without_quantiles_and_covariates_leave_the_classical_candidates_out():
    g = GlobalForecaster(**FAST, quantiles=None).fit(known_panel())
    assert g.band_ == {} and g.band_scale_ is None and list(g.predict().columns) == ["unique_id", "ds", "y"]
    rng = np.random.default_rng(1)
    panel = known_panel().assign(promo=rng.normal(size=180))
    g = GlobalForecaster(**FAST).fit(panel, future_covariates=["promo"])
    assert all(set(c) <= {"direct", "hybrid"} for c in g.components_)
    assert all("classical candidates left out: they read no covariates" in why for why in g.validation_)
    future = pd.DataFrame({"unique_id": np.repeat(["line", "season", "noisy"], 4),
                           "ds": np.tile(pd.period_range("2006-01", periods=4, freq="M"), 3), "promo": 0.0})
    p = g.predict(future=future)
    assert np.isfinite(p[["y", "q0.1", "q0.9"]].to_numpy()).all() and len(p) == 12


def test_too_short_series_take_the_naive_forecast_and_bad_settings_are_refused():
    short = known_panel().groupby("unique_id", sort=False).head(13)  # 13 < 4 + max(2 * 4, 10) rows
    g = GlobalForecaster(**FAST).fit(short)
    assert g.components_ == [("naive",)] * 3 and g.parts_ == {}
    assert all(why.startswith("13 steps are too few to validate") for why in g.validation_)
    with pytest.raises(ValueError, match="calibrate=False applies to model='direct' or 'hybrid'"):
        GlobalForecaster(**FAST, calibrate=False).fit(known_panel())
    with pytest.raises(ValueError, match=r"series 'x' \(row 0\) is not one the model was fitted on"):
        g.predict(data=short[short.unique_id == "line"].assign(unique_id="x"))


def test_pooled_offsets_are_unit_free_and_hold_their_level_on_the_pooled_values():
    rng = np.random.default_rng(0)
    H, series = 3, []
    for unit in (1.0, 1000.0, 0.01):  # the same residual law in each series' own units
        y = unit * np.cumsum(rng.normal(size=60))
        actual = unit * rng.normal(size=(3, H))
        series.append((y, 1, actual, np.zeros((3, H))))
    c = combination.pooled_offsets(series, H, (0.1, 0.5, 0.9))
    scaled = [(y * 7.0, 1, a * 7.0, f) for y, _, a, f in series]  # a change of units changes nothing
    assert combination.pooled_offsets(scaled, H, (0.1, 0.5, 0.9)) == pytest.approx(c, rel=1e-9)
    r = np.concatenate([(a / combination.step_scale(y, H, 1)).reshape(-1) for y, _, a, _ in series])
    assert c[0.5] == 0 and np.mean(r <= c[0.9]) >= 0.9 and np.mean(r >= c[0.1]) >= 0.9  # 27 values
    assert np.mean(r < c[0.9]) < 0.9 + 2 / len(r) and np.mean(r > c[0.1]) < 0.9 + 2 / len(r)


def test_resume_reruns_the_validation_and_ends_with_the_uninterrupted_forecasts(tmp_path):
    whole = GlobalForecaster(**{**FAST, "max_epochs": 3}).fit(known_panel()).predict()
    GlobalForecaster(**{**FAST, "max_epochs": 2, "log_dir": str(tmp_path)}).fit(known_panel(), resume=True)
    resumed = GlobalForecaster(**{**FAST, "max_epochs": 3, "log_dir": str(tmp_path)}).fit(known_panel(), resume=True)
    pd.testing.assert_frame_equal(resumed.predict(), whole)
