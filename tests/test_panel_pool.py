"""GlobalForecaster(pool=...): the choice of each series' combination pooled across the panel
(combination.select_pooled: each series' scale-free validation errors shrunk toward the panel's mean)."""

import numpy as np
import pytest
from test_forecast_panel import sine_panel

from rnnkit.forecast import GlobalForecaster, combination


def constant(errors: dict[str, float], V=1, H=2) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Candidates whose forecasts miss an actual of zeros by a constant ``errors[name]`` (all above: a mean of
    two never beats the better one)."""
    return {k: np.full((V, H), e) for k, e in errors.items()}, np.zeros((V, H))


def random_panel(S=6, seed=0, names=combination.CANDIDATES):
    rng = np.random.default_rng(seed)
    cands, actual = [], []
    for _ in range(S):
        a = rng.normal(size=(3, 6)).cumsum(1)
        actual.append(a)
        cands.append({k: a + rng.normal(rng.normal(), rng.uniform(0.2, 2), size=a.shape) for k in names})
    return cands, actual


@pytest.mark.parametrize("seed", range(5))
def test_pool_zero_is_select_on_each_series(seed):
    cands, actual = random_panel(seed=seed)
    scales = np.random.default_rng(seed).uniform(0.1, 10, len(cands))
    got = combination.select_pooled(cands, actual, scales, 0)
    assert got == [combination.select(c, a) for c, a in zip(cands, actual, strict=True)]


def test_panel_pool_makes_one_choice_and_a_middle_pool_moves_only_the_weakly_decided_series():
    # own choice: A naive (narrowly), B naive (by far), C and D ets; scaled panel means: naive (1+1+4+4)/4 = 2.5,
    # ets (1.2+5+1+1)/4 = 2.05
    rows = [constant({"naive": 1.0, "ets": 1.2}), constant({"naive": 1.0, "ets": 5.0}),
            constant({"naive": 4.0, "ets": 1.0}), constant({"naive": 4.0, "ets": 1.0})]
    cands, actual = [r[0] for r in rows], [r[1] for r in rows]
    # series B in other units (x 1000, its scale too): the scaled errors, and so every choice, are unchanged
    cands[1] = {k: 1000 * v for k, v in cands[1].items()}
    scales = [1.0, 1000.0, 1.0, 1.0]
    choice = lambda pool: [c for c, _ in combination.select_pooled(cands, actual, scales, pool)]
    assert choice(0) == [("naive",), ("naive",), ("ets",), ("ets",)]
    assert choice("panel") == [("ets",)] * 4
    # pool 1 (the panel as one series' worth, weight 1/2): A naive 0.5 + 1.25 = 1.75 > ets 0.6 + 1.025 = 1.625;
    # B naive 1.75 < ets 2.5 + 1.025 = 3.525
    assert choice(1) == [("ets",), ("naive",), ("ets",), ("ets",)]
    _, scores = combination.select_pooled(cands, actual, scales, 1)[0]
    assert scores["pooled naive"] == pytest.approx(1.75) and scores["pooled ets"] == pytest.approx(1.625)
    assert scores["naive"] == 1.0 and scores["ets"] == pytest.approx(1.2)  # the own MAE kept beside
    assert choice(0.1) == choice(0)  # weight 1/11: A naive 0.909 + 0.227 = 1.136 < ets 1.091 + 0.186 = 1.277


def test_a_series_with_an_exact_candidate_keeps_it_and_stays_out_of_the_panel_means():
    rows = [constant({"naive": 1.0, "ets": 1.2}), constant({"naive": 4.0, "ets": 1.0}),
            constant({"naive": 0.0, "ets": 0.5})]  # the last: naive exact on every validation value
    cands, actual = [r[0] for r in rows], [r[1] for r in rows]
    got = combination.select_pooled(cands, actual, [1.0, 1.0, 1.0], "panel")
    assert [c for c, _ in got] == [("ets",), ("ets",), ("naive",)]
    assert got[2] == combination.select(cands[2], actual[2])  # select's choice and scores, nothing pooled
    # the panel's means from the first two series only: naive (1 + 4) / 2, ets (1.2 + 1) / 2
    assert got[0][1]["pooled naive"] == pytest.approx(2.5) and got[0][1]["pooled ets"] == pytest.approx(1.1)


def test_panel_pool_on_random_series_and_a_series_with_fewer_candidates():
    cands, actual = random_panel(S=8, seed=3)
    own = {c for c, _ in combination.select_pooled(cands, actual, np.ones(8), 0)}
    assert len(own) > 1  # the series disagree on their own
    panel = [c for c, _ in combination.select_pooled(cands, actual, np.ones(8), "panel")]
    assert len(set(panel)) == 1
    # the choice is the one of the mean scaled errors: the prefix of their ranking with the lowest mean error
    members = lambda c: np.mean([np.abs(np.mean([f[k] for k in c], axis=0) - a).mean()
                                 for f, a in zip(cands, actual, strict=True)])
    ranked = sorted(combination.CANDIDATES, key=lambda k: members((k,)))
    best = min((ranked[:k] for k in range(1, 6)), key=members)
    assert panel[0] == tuple(c for c in combination.CANDIDATES if c in best)
    # a series without the nets takes the best of its own by the panel's means
    cands[0] = {k: v for k, v in cands[0].items() if k in ("naive", "drift", "ets")}
    short, *rest = [c for c, _ in combination.select_pooled(cands, actual, np.ones(8), "panel")]
    ranked3 = sorted(("naive", "drift", "ets"), key=lambda k: members((k,)))
    assert short == tuple(c for c in combination.CANDIDATES
                          if c in min((ranked3[:k] for k in range(1, 4)), key=members))
    assert set(short) <= {"naive", "drift", "ets"} and len(set(rest)) == 1


@pytest.mark.parametrize("pool", [-1, float("nan"), float("inf"), "all", True, None])
def test_bad_pool_is_refused_in_one_line(pool):
    with pytest.raises(ValueError, match=r"^GlobalForecaster: pool must be a finite number >= 0 .* or 'panel' "
                                         r"\(one choice for every series\), got ") as e:
        GlobalForecaster(lookback=12, horizon=6, pool=pool).fit(sine_panel(n=40))
    assert "\n" not in str(e.value)


def test_tiny_pooled_fit_saves_and_loads_its_pool(tmp_path):
    kw = {"lookback": 12, "horizon": 6, "cell": "gru", "hidden_size": 4, "max_epochs": 2, "random_state": 0,
          "device": "cpu"}
    panel = sine_panel(n=60)
    panel["y"] += np.random.default_rng(0).normal(0, 0.5, len(panel)) * panel.groupby("unique_id")["y"].transform("std")
    g = GlobalForecaster(pool="panel", **kw).fit(panel)
    assert len(set(g.components_)) == 1  # one choice for every series
    assert "pooled with the panel's 4 series (pool='panel'" in g.validation_[0]
    assert "pooled (pool='panel')" in g.choices_["model"]
    g.save(tmp_path / "panel")
    loaded = GlobalForecaster.load(tmp_path / "panel")
    assert loaded.pool == "panel" and loaded.components_ == g.components_
    np.testing.assert_array_equal(loaded.predict()["y"].to_numpy(), g.predict()["y"].to_numpy())
    h = GlobalForecaster(pool=1.5, **kw).fit(panel)
    h.save(tmp_path / "mid")
    assert GlobalForecaster.load(tmp_path / "mid").pool == 1.5
    # pool 0 is each series' own choice, the reason line as before; the default leans on the panel by 1
    own = GlobalForecaster(pool=0, **kw).fit(panel)
    assert "pooled" not in own.validation_[0] and "per series, on its own validation" in own.choices_["model"]
    assert GlobalForecaster(**kw).pool == 1
