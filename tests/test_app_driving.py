"""The driving recipe (rnnkit.apps.driving): one quick run on highway-env, shared by the tests."""

import json
import math

import numpy as np
import pytest
import torch

from rnnkit.apps import driving


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """The quick run's results, its ``out`` directory, and every fit in order with the data it was fitted on:
    ``[(name, model, inputs, actions, scaling)]``, per variant and policy: behaviour cloning, then each round."""
    out = tmp_path_factory.mktemp("driving")
    fits = []

    def recorded(name, inputs, actions, scaling, s, seed):
        model = fit_policy(name, inputs, actions, scaling, s, seed)
        fits.append((name, model, inputs, actions, scaling))
        return model

    fit_policy = driving.fit_policy
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(driving, "fit_policy", recorded)
        results = driving.run(quick=True, seed=0, out=out, log=lambda message: None)
    return results, out, fits


def test_quick_run_structure(quick):
    results, _, fits = quick
    s = driving.QUICK
    assert set(results) == {"recipe", "task", "data", "settings", "offline", "dagger", "closed_loop", "comparisons",
                            "goals", "machine"}
    assert set(results["closed_loop"]) == {"expert", *driving.VARIANTS}
    drivers = [results["closed_loop"]["expert"]] + [results["closed_loop"][v][p] for v in driving.VARIANTS
                                                    for p in driving.POLICIES]
    for c in drivers:
        assert c["episodes"] == s.test_episodes == len(c["collided"])
        assert c["collisions"] == sum(c["collided"]) and c["collisions"] + c["off_road"] >= c["failures"]
        for what in ("collision", "failure"):
            low, high = c[f"{what}_interval"]
            k = c["collisions" if what == "collision" else "failures"]
            assert 0.0 <= low <= k / s.test_episodes <= high <= 1.0
        assert 0.0 < c["time_driven"] <= 1.0
        speed = c["mean_speed"]
        assert speed["low"] <= speed["mean"] <= speed["high"] and speed["mean"] > 0.0
    for v in driving.VARIANTS:
        for p in driving.POLICIES:
            d = results["dagger"][v][p]
            assert [r["round"] for r in d["rounds"]] == list(range(1, s.rounds + 1))
            assert all(r["episodes"] == s.round_episodes for r in d["rounds"])
            assert d["train_episodes"] == s.train_episodes and len(d["fit_seconds"]) == s.rounds + 1
            assert set(results["offline"][v][p]) == {"bc", "dagger"}
            imitation = results["closed_loop"][v][p]["imitation"]
            assert imitation["seen"]["steps"] > 0 and imitation["seen"]["rmse"]["mean"] > 0.0
            if v not in driving.OUTAGES:  # every frame seen
                assert imitation["gap"]["steps"] == imitation["blind"]["steps"] == 0
    # every variant and policy: a behaviour-cloning fit on the expert's episodes, then one per round on more data
    assert [len(f[2]) for f in fits] == [s.expert_episodes + r * s.round_episodes for _ in driving.VARIANTS
                                        for _ in driving.POLICIES for r in range(s.rounds + 1)]
    assert json.loads(json.dumps(results)) == results


def test_quick_measured_expert_drives_safely(quick):
    # The expert, highway-env's IDM/MOBIL, collided in none of the full run's 82 episodes nor in any quick run:
    # its held-out episodes run to the end, at a speed in the traffic's range.
    expert = quick[0]["closed_loop"]["expert"]
    assert expert["collisions"] == 0 and expert["off_road"] == 0 and expert["time_driven"] == 1.0
    assert 15.0 < expert["mean_speed"]["mean"] < 31.0
    assert quick[0]["data"]["expert_collisions"] == {"train": 0, "test": 0}


def test_quick_policies_learned_to_imitate_the_expert_episodes(quick):
    """Every behaviour-cloning fit reproduces the expert's acceleration on the episodes it learned from, which
    the mean action (R² 0 by construction), a constant or an untrained policy cannot. This is imitation, not
    generalisation: the quick run is too small to show that (the full run's tables do)."""
    s = driving.QUICK
    for name, model, inputs, actions, scaling in quick[2][:: s.rounds + 1]:  # the first fit of each
        assert len(inputs) == s.expert_episodes
        scores = driving.action_scores(driving.predict(model, inputs, scaling), actions, scaling.y_mean)
        assert scores["r2_acceleration"] > 0.75, name


def test_observation_drops_the_velocity_features():
    rng = np.random.default_rng(0)
    frames = rng.normal(size=(7, driving.VEHICLES, len(driving.KINEMATICS))).astype(np.float32)
    faster = frames.copy()
    faster[:, :, 3:] += 5.0  # every vx, vy changed
    assert np.array_equal(driving.observe(frames), driving.observe(faster))
    assert not np.array_equal(driving.observe(frames, velocities=True), driving.observe(faster, velocities=True))
    names = driving.feature_names()
    assert len(names) == driving.observe(frames).shape[1] == 3 + 3 * (driving.VEHICLES - 1)
    assert not any(n.endswith((".vx", ".vy")) for n in names)
    assert len(driving.feature_names(velocities=True)) == driving.observe(frames, velocities=True).shape[1]

    # in the simulator: the ego's observation does not change when every vehicle's speed does
    env = driving.make_env(10)
    env.reset(seed=3)
    before = driving.observe(env.observation_type.observe()[None])
    full_before = driving.observe(env.observation_type.observe()[None], velocities=True)
    for vehicle in env.road.vehicles:
        vehicle.speed += 3.0
    assert np.array_equal(driving.observe(env.observation_type.observe()[None]), before)
    assert not np.array_equal(driving.observe(env.observation_type.observe()[None], velocities=True), full_before)
    env.close()


def test_held_out_episodes_are_disjoint_from_training(quick):
    data = quick[0]["data"]
    trained = set(data["expert_seeds"]).union(*data["round_seeds"])
    assert len(trained) == driving.QUICK.train_episodes and not trained & set(data["test_seeds"])
    n = max(driving.FULL.train_episodes, driving.FULL.test_episodes)
    train = {k for seed in range(1000) for k in driving.episode_seeds(seed, "train", n)}
    test = {k for seed in range(1000) for k in driving.episode_seeds(seed, "test", n)}
    assert not train & test  # whatever the recipe seed, no held-out episode is ever trained on


def test_takeover_keeps_the_warm_up_and_the_expert_labels_its_own_replay():
    env = driving.make_env(14)
    expert = driving.drive(env, 11)  # this episode has a lane change: steering up to 0.48 rad
    assert np.abs(expert.actions[:, 1]).max() > 0.1
    seen, replay = [], iter(expert.actions[:, 0])
    held = driving.drive(env, 11, lambda frame: seen.append(frame) or float(next(replay)), takeover=driving.WARM_UP)
    # the policy read every frame from the first; it replayed the expert's own accelerations and the expert
    # steered, so the episode is the expert's, and the expert, consulted in each state the car reached, asked
    # for what it had applied there
    assert len(seen) == len(held.frames) == len(expert.frames)
    np.testing.assert_allclose(held.frames, expert.frames, atol=1e-3)
    np.testing.assert_array_equal(held.frames[: driving.WARM_UP + 1], expert.frames[: driving.WARM_UP + 1])
    np.testing.assert_allclose(held.actions, expert.actions, atol=1e-4)
    env.close()


def test_the_policy_holds_the_pedals_and_the_expert_labels_them():
    # a policy that never accelerates: after the takeover the speed stays where it was; the expert's steering
    # keeps the car on the road, and its label in the takeover state (the same as in its own drive) is what
    # it applied there itself
    env = driving.make_env(10)
    expert = driving.drive(env, 5)
    held = driving.drive(env, 5, lambda frame: 0.0, takeover=driving.WARM_UP)
    env.close()
    assert not held.crashed and not held.off_road and len(held.actions) == len(expert.actions)
    speeds = held.speeds[driving.WARM_UP :]
    np.testing.assert_allclose(speeds, speeds[0], atol=1e-4)
    np.testing.assert_allclose(held.actions[driving.WARM_UP], expert.actions[driving.WARM_UP], atol=1e-6)
    assert np.abs(held.actions[driving.WARM_UP :, 0]).min() > 0.1  # it never agreed with holding the speed


def test_outage_mask():
    masks = np.stack([driving.outage_mask(k, 200) for k in range(400)])
    assert not masks[:, 0].any()  # every episode starts with a working sensor
    np.testing.assert_array_equal(masks[7], driving.outage_mask(7, 200))  # the same per episode
    # stationary share out 1/16 / (1/16 + 1/8) = 1/3 and mean outage 8 steps; a few thousand outages here
    # put the standard errors near 0.006 and 0.15
    assert abs(masks[:, 100:].mean() - 1 / 3) < 0.03
    starts = (masks[:, 1:] & ~masks[:, :-1]).sum()
    ends = (~masks[:, 1:] & masks[:, :-1]).sum()
    assert abs(masks.sum() / starts - 8.0) < 1.0 and abs(starts - ends) <= len(masks)


def test_policy_inputs_blank_the_outages_with_a_flag():
    rng = np.random.default_rng(1)
    frames = rng.normal(size=(6, driving.VEHICLES, len(driving.KINEMATICS))).astype(np.float32)
    scaling = driving.Scaling(rng.normal(size=15), rng.uniform(1, 2, 15), np.zeros(1), np.ones(1))
    seen = driving.policy_inputs(frames, scaling)
    np.testing.assert_allclose(seen, (driving.observe(frames) - scaling.x_mean) / scaling.x_scale, rtol=1e-6)
    out = np.array([False, True, True, False, True, False, True])  # longer than the episode: cut to it
    x = driving.policy_inputs(frames, scaling, out)
    assert x.shape == (6, 16)
    np.testing.assert_array_equal(x[:, -1], out[:6])
    assert np.all(x[out[:6], :-1] == 0.0)
    np.testing.assert_allclose(x[~out[:6], :-1], seen[~out[:6]], rtol=1e-6)


def test_long_outage_mask_outlasts_the_frame_stack():
    # long_outages: fail 1/40, recover 1/20 a step: the same share out, 1/3, but outages of 20 steps (4 s) on
    # average, twice the MLP's 10-frame window; (19/20)^9 = 63 % of them last 10 steps or more, against 30 %
    # in `outages`. Long episodes here so that few outages are cut at the end: ~6500 outages, standard errors
    # near 0.25 steps and 0.006.
    start, end = driving.OUTAGES["long_outages"]
    assert driving.OUTAGES["outages"] == (driving.OUTAGE_START, driving.OUTAGE_END)
    masks = np.stack([driving.outage_mask(k, 1000, start, end) for k in range(400)])
    assert not masks[:, 0].any()
    np.testing.assert_array_equal(masks[7], driving.outage_mask(7, 1000, start, end))
    assert not np.array_equal(masks[7], driving.outage_mask(7, 1000))  # not the `outages` pattern
    assert abs(masks[:, 100:].mean() - 1 / 3) < 0.03

    def lengths(masks):  # of the outages that ended inside their episode
        found = []
        for m in masks:
            edges = np.flatnonzero(np.diff(m.astype(int)))  # last step before a change
            begin, finish = edges[0::2], edges[1::2]
            found += list(finish - begin[: len(finish)])
        return np.array(found)

    long = lengths(masks)
    assert len(long) > 5000 and abs(long.mean() - 20.0) < 1.5
    assert abs((long >= 10).mean() - 0.95**9) < 0.04
    short = lengths(np.stack([driving.outage_mask(k, 1000) for k in range(400)]))
    assert abs(short.mean() - 8.0) < 0.5 and abs((short >= 10).mean() - (7 / 8) ** 9) < 0.04


def test_quick_run_trains_and_drives_each_variant_with_its_own_outages(quick):
    # every fit of a variant with outages read, as its flag column, that variant's mask of each episode's seed
    results, _, fits = quick
    s, d = driving.QUICK, results["data"]
    seeds = d["expert_seeds"] + [k for r in d["round_seeds"] for k in r]
    steps = s.duration * driving.FREQUENCY + 1
    assert set(d["outages"]) == set(driving.OUTAGES) and set(driving.OUTAGES) < set(driving.VARIANTS)
    per_variant = len(driving.POLICIES) * (s.rounds + 1)
    for i, variant in enumerate(driving.VARIANTS):
        for name, _, inputs, _, _ in fits[i * per_variant : (i + 1) * per_variant]:
            if variant not in driving.OUTAGES:
                assert inputs[0].shape[1] == 15
                continue
            assert inputs[0].shape[1] == 16
            for k, x in zip(seeds[: len(inputs)], inputs, strict=True):
                mask = driving.outage_mask(k, steps, *driving.OUTAGES[variant])[: len(x)]
                np.testing.assert_array_equal(x[:, -1], mask, err_msg=f"{variant} {name} {k}")
        if variant in driving.OUTAGES:
            share = np.mean([driving.outage_mask(k, steps, *driving.OUTAGES[variant]) for k in d["test_seeds"]])
            assert d["outages"][variant]["held_out_share_out"] == share


@pytest.mark.parametrize("name", ["gru", "mlp_stack"])
def test_controller_with_outages_drives_as_the_policy_reads_whole_episodes(name):
    torch.manual_seed(0)
    rng = np.random.default_rng(2)
    frames = rng.normal(size=(12, driving.VEHICLES, len(driving.KINEMATICS))).astype(np.float32)
    scaling = driving.Scaling(np.zeros(15), np.ones(15), np.array([0.1]), np.array([0.5]))
    out = driving.outage_mask(0, 12)  # out from step 5 to 7
    assert out.any() and not out.all()
    model = driving.build_model(name, 16, driving.QUICK).eval()
    controller = driving.Controller(model, scaling).reset(out)
    stepped = np.array([controller(frame) for frame in frames])
    whole = driving.predict(model, [driving.policy_inputs(frames, scaling, out)], scaling)[0][:, 0]
    np.testing.assert_allclose(stepped, whole, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["gru", "mlp_stack"])
def test_policies_step_as_they_read_whole_episodes(name):
    # the closed loop feeds one frame at a time and carries the state; training reads whole episodes
    torch.manual_seed(0)
    model = driving.build_model(name, 6, driving.QUICK).eval()
    x = torch.randn(2, 13, 6)
    with torch.no_grad():
        whole, _ = model(x)
        state, steps = None, []
        for t in range(x.shape[1]):
            out, state = model(x[:, t : t + 1], None, state)
            steps.append(out)
    torch.testing.assert_close(torch.cat(steps, 1), whole, rtol=1e-5, atol=1e-6)


def test_frame_stack_state_is_the_last_valid_frames():
    model = driving.FrameStackMLP(1, 1, k=3)
    x = torch.arange(10.0).reshape(2, 5, 1)
    _, state = model(x, torch.tensor([5, 2]))
    assert state[:, :, 0].tolist() == [[3.0, 4.0], [5.0, 6.0]]  # padding past length 2 is not read
    _, state = model(x[:, :1])
    assert state[:, :, 0].tolist() == [[0.0, 0.0], [5.0, 5.0]]  # x_0 repeated at an episode's start


def test_imitation_errors_group_the_steps_by_what_the_sensor_showed():
    w, k = driving.WARM_UP, 3
    labels = np.zeros((w + 8, 2), np.float32)
    episode = driving.Episode(0, np.zeros((w + 8, driving.VEHICLES, 5), np.float32), labels, np.zeros(w + 8),
                              False, False)
    applied = np.zeros((w + 8, 1))
    applied[w:, 0] = [1, 2, 2, 2, 3, 3, 1, 1]  # errors against zero labels
    out = np.zeros(w + 9, bool)
    out[w - 1 : w + 5] = True  # out from one step before the takeover: runs 2, 3, 4, 5, 6 after it
    scores = driving.imitation_errors([applied, applied], [episode, episode], [out, None], k)
    # with outages: seen at w+5.. (errors 3, 1, 1), gap at w (run 2 < k: error 1), blind at w+1..w+4 (2, 2, 2, 3);
    # without (None): every step seen; the warm-up's steps are never counted
    assert {g: e["steps"] for g, e in scores.items()} == {"seen": 3 + 8, "gap": 1, "blind": 4}
    assert scores["gap"]["episodes"] == 1 and scores["gap"]["rmse"]["mean"] == 1.0
    assert math.isclose(scores["blind"]["rmse"]["mean"], math.sqrt((3 * 4 + 9) / 4))
    seen = [math.sqrt(11 / 3), math.sqrt((1 + 12 + 9 + 9 + 1 + 1) / 8)]
    assert math.isclose(scores["seen"]["rmse"]["mean"], np.mean(seen)) and scores["seen"]["episodes"] == 2
    assert driving.imitation_errors([applied], [episode], [None], k)["blind"] == {"steps": 0, "episodes": 0,
                                                                                  "rmse": None}


def test_intervals_and_paired_test():
    # Wilson (1927) by hand: 0/50 -> [0, z²/(n + z²)]; 5/20 -> [0.1119, 0.4687] (z = 1.96)
    low, high = driving.wilson_interval(0, 50)
    assert low == 0.0 and math.isclose(high, 1.959964**2 / (50 + 1.959964**2), rel_tol=1e-5)
    np.testing.assert_allclose(driving.wilson_interval(5, 20), [0.1119, 0.4687], atol=1e-4)
    assert driving.wilson_interval(50, 50)[1] == 1.0
    with pytest.raises(ValueError, match="k <= n"):
        driving.wilson_interval(3, 2)
    m = driving.mean_interval([1.0, 2.0, 3.0])  # sd 1, t(0.975, 2) = 4.3027
    assert m["mean"] == 2.0 and math.isclose(m["high"] - 2.0, 4.302653 / math.sqrt(3), rel_tol=1e-5)
    assert driving.mean_interval([4.0]) == {"mean": 4.0, "low": None, "high": None}
    # 6 discordant episodes all on one side: p = 2 / 2^6
    test = driving.mcnemar([True] * 6 + [True, False], [False] * 6 + [True, False])
    assert test["only_first"] == 6 and test["only_second"] == 0 and math.isclose(test["p_value"], 2 / 64)
    assert driving.mcnemar([False, True], [False, True])["p_value"] == 1.0


def test_out_writes_the_report(quick):
    results, out, _ = quick
    written = json.loads((out / "report.json").read_text())
    assert written == {"title": driving.title(results), "machine": results["machine"], "results": results}
    report = (out / "report.md").read_text()
    assert report.startswith("# Self-driving control: driving highway-env like its IDM/MOBIL driver from "
                             "positions, by DAgger (quick run)\n")
    assert "Closed loop" in report and "DAgger rounds" in report and "McNemar" in report
    assert results["machine"]["processor"] in report and "closed_loop.png" in report
    assert (out / "closed_loop.png").read_bytes()[:4] == b"\x89PNG"
    page = (out / "report.html").read_text()
    assert "<h2>Closed loop, 2 held-out episodes</h2>" in page and "<table>" in page


@pytest.mark.parametrize("kwargs, word", [
    ({"quick": 1}, "quick"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"), ({"seed": True}, "seed"),
    ({"out": 3}, "out"), ({"log": "print"}, "log"),
])
def test_bad_arguments_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        driving.run(**kwargs)
