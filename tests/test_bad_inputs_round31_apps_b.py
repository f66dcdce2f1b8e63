"""The thirty-first round's second pass over the application recipes: A31-14/15/16 ``eventlogs`` event ids that
are numbers in one place and text in another (a log's ``1`` and ``'1'``: a column read from two exports, or the
test log read as text); A31-17/18/20-23 ``driving``'s entry points with a takeover step the episode never
reaches, a duration other than the episodes', an outage mask's seed of -1, a Controller not reset between
episodes or given an outage mask its model does not read, imitation errors of a 0-frame stack or short arrays;
A31-19 a recipe's ``out=""``. Each test fails on the commit before its fix."""
import numpy as np
import pandas as pd
import pytest
from helpers import one_line

from rnnkit.apps import driving, eventlogs


def _sessions(events: list, n: int = 6) -> eventlogs.Sessions:
    return eventlogs.Sessions([np.asarray(events) for _ in range(n)], [np.ones(len(events)) for _ in range(n)])


def test_A31_14_a_detector_fitted_on_number_ids_refuses_sessions_of_text_ids():
    # before: every step of the text ids ranked as an event never seen (10**6), every session flagged
    detector = eventlogs.NGramDetector(3).fit(_sessions([0, 1, 2, 3] * 3))
    text = _sessions(["0", "1", "2", "3"] * 3, 1)
    with pytest.raises(ValueError) as error:
        detector.score(text)
    assert one_line(error) == (
        "NGramDetector.score: the sessions' event ids are text ('0', session 0), but the detector was fitted on "
        "numbers, so every step would rank as an event never seen and every session be flagged; give the ids in "
        "fit's type (e.g. df['event'].astype(str) for both, or pd.to_numeric)")
    same = detector.score(_sessions([0, 1, 2, 3] * 3, 1))  # the ids of fit's kind score as before
    assert (same.rank[0] == 0).all()


def test_A31_15_ids_that_print_alike_in_two_types_are_refused():
    # before: 2 and '2' counted as two events (a pandas object column of two exports joined)
    joined = pd.Series([0, 1, "2", 3, 0, 1, 2, 3], dtype=object).to_numpy()
    sessions = _sessions([0, 1, 2, 3] * 2)
    mixed = eventlogs.Sessions([*sessions.events, joined], [*sessions.dt, np.ones(8)])
    with pytest.raises(ValueError) as error:
        eventlogs.NGramDetector(3).fit(mixed)
    assert one_line(error) == (
        "NGramDetector.fit: session 6, step 2 has the event id '2' (text) but session 0, step 0 has 0 (a number); "
        "ids that print alike in two types would be two events; give the ids one type, e.g. df['event'] = "
        "df['event'].astype(str) before gathering the sessions")
    text = eventlogs.Sessions([e.astype(str) for e in mixed.events], mixed.dt)  # the fix the message gives
    assert eventlogs.NGramDetector(3).fit(text).score(text).rank[6].max() == 0


def test_A31_16_text_ids_to_the_lstms_training_items_are_named():
    # before: torch's "can't convert np.ndarray of type numpy.str_"
    with pytest.raises(ValueError, match=r"^training_items: session 0's event ids are text \('login'\), but the "
                                         r"model reads integer ids 0\.\.V-1; encode every part with one vocabulary"):
        eventlogs.training_items(_sessions(["login", "view", "logout"], 2))
    module = eventlogs.NextEventModule(eventlogs.NextEventModel(3, 4, 4, num_layers=1), task="regression")
    with pytest.raises(ValueError, match=r"^score_lstm: session 0, step 0 has event 'login' \(<U6\), but the model "
                                         r"knows the integer ids 0\.\.2 of its 3 events"):
        eventlogs.score_lstm(module, _sessions(["login", "view", "logout"], 2))  # its own message, not torch's


def test_A31_17_a_takeover_step_the_episode_never_reaches_is_refused():
    # before: the expert drove the whole episode, scored as the policy's driving (t == takeover never held)
    env = driving.make_env(6)
    for takeover in (-1, 30, 2.5):
        with pytest.raises(ValueError, match=r"^drive: takeover must be an integer step in 0\.\.29 of the episode "
                                             rf"\(6 s at 5 Hz\), the step from which the policy drives, got "
                                             rf"{takeover}; the expert would drive the whole episode"):
            driving.drive(env, 0, lambda frame: 0.0, takeover=takeover)


def test_A31_21_a_controller_not_reset_between_episodes_is_refused():
    # before: the second episode began in the state the first left (GRU hidden state, frame buffer), silently
    env = driving.make_env(6)
    scaling = driving.Scaling(np.zeros(15), np.ones(15), np.array([0.0]), np.array([0.1]))
    controller = driving.Controller(driving.build_model("gru", 15, driving.QUICK).eval(), scaling)
    first = driving.drive(env, 0, controller, takeover=driving.WARM_UP)
    with pytest.raises(ValueError, match=rf"^drive: the Controller has read {len(first.frames)} frames of an earlier "
                                         r"episode, and its state .* would carry into this one; start each episode "
                                         r"with reset: drive\(env, seed, controller\.reset\(outages\)"):
        driving.drive(env, 1, controller, takeover=driving.WARM_UP)
    again = driving.drive(env, 0, controller.reset(), takeover=driving.WARM_UP)
    np.testing.assert_array_equal(again.actions, first.actions)


@pytest.mark.parametrize("name", ["gru", "mlp_stack"])
def test_A31_22_a_controller_given_an_outage_mask_its_model_does_not_read_is_named(name):
    # before: the GRU's "x has 15 features … expects input_size=16", the MLP's "mat1 and mat2 shapes cannot be
    # multiplied", and policy_inputs' "of at least the episode's 1 steps … got bool of shape (0,)" past a mask's end
    scaling = driving.Scaling(np.zeros(15), np.ones(15), np.array([0.0]), np.array([0.1]))
    frame = np.zeros((driving.VEHICLES, len(driving.KINEMATICS)), np.float32)
    with_flag = driving.Controller(driving.build_model(name, 16, driving.QUICK).eval(), scaling)
    with pytest.raises(ValueError, match=r"^Controller: the model reads 16 inputs a frame, the 15 observations and the "
                                         r"outage flag \(it was trained on a variant with outages\), but reset was "
                                         r"given no outage mask"):
        with_flag.reset()(frame)
    without = driving.Controller(driving.build_model(name, 15, driving.QUICK).eval(), scaling)
    with pytest.raises(ValueError, match=r"^Controller: reset was given an outage mask, but the model reads 15 inputs "
                                         r"a frame, the observations alone"):
        without.reset(driving.outage_mask(0, 40))(frame)
    with_flag.reset(driving.outage_mask(0, 2))
    with_flag(frame), with_flag(frame)
    with pytest.raises(ValueError, match=r"^Controller: frame 2 of the episode, but the outage mask given to reset "
                                         r"covers 2 steps; give a mask of the episode's steps or more"):
        with_flag(frame)


def _episode(seed: int, steps: int) -> driving.Episode:
    return driving.Episode(seed, np.zeros((steps, 2, 5)), np.zeros((steps, 2)), np.full(steps, 20.0), False, False)


def test_A31_18_a_duration_other_than_the_episodes_is_refused():
    # before: 10-s episodes scored with duration=20 read as 35 % of the time driven, without a failure
    episodes = [_episode(s, 10 * driving.FREQUENCY + 1) for s in range(3)]  # as make_env(10) ends them
    assert driving.driving_scores(episodes, 10)["time_driven"] == 1.0
    with pytest.raises(ValueError) as error:
        driving.driving_scores(episodes, 20)
    assert one_line(error) == (
        "driving_scores: duration=20 s, but the episode of seed 0, which neither crashed nor left the road, ran 51 "
        "steps (10 s at 5 Hz), so the time driven would be read against the wrong length; give the duration the "
        "episodes were driven with (make_env(10))")


def test_A31_19_a_recipes_out_of_empty_text_is_refused(tmp_path, monkeypatch):
    # before: out="" (os.environ.get("OUT", "")) wrote the report's files into the working directory
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as error:
        eventlogs.run(quick=True, out="", log=lambda line: None)
    assert one_line(error) == (
        f"eventlogs.run: out='' names no directory (it would be read as the working directory, {str(tmp_path)!r}); "
        "give a directory path, or out=None to write no report")
    assert not any(tmp_path.iterdir())


def test_A31_20_an_outage_masks_seed_that_is_no_episode_seed_is_named():
    # before: numpy's "expected non-negative integer" (-1) and "seed must be integer" (1.5), naming no argument
    for seed in (-1, 1.5):
        with pytest.raises(ValueError, match=rf"^outage_mask: seed must be an integer >= 0, the episode's seed \(as "
                                             rf"episode_seeds gives it\), got {seed}$"):
            driving.outage_mask(seed, 10)
    assert driving.outage_mask(np.int64(3), 10).shape == (10,)


def test_A31_23_imitation_errors_of_a_stack_of_0_frames_or_arrays_shorter_than_the_episode_are_refused():
    # before: k=0 put every step out under "blind", none under "gap"; a 1-D or short applied and a short mask
    # raised numpy's "too many indices", "could not be broadcast", "index 30 is out of bounds"
    T = 40
    episode = driving.Episode(0, np.zeros((T, 5, 5)), np.zeros((T, 2)), np.full(T, 20.0), False, False)
    out = np.r_[np.zeros(25, bool), np.ones(15, bool)]
    with pytest.raises(ValueError, match=r"^imitation_errors: k must be an integer >= 1, the frames in the MLP's "
                                         r"stack \(s\.stack\), got 0$"):
        driving.imitation_errors([np.zeros((T, 1))], [episode], [out], 0)
    with pytest.raises(ValueError, match=r"^imitation_errors: applied\[0\] has shape \(40,\), but episode 0 \(seed 0\) "
                                         r"has 40 steps; give \(T, 1\) accelerations"):
        driving.imitation_errors([np.zeros(T)], [episode], [out], 10)
    with pytest.raises(ValueError, match=r"^imitation_errors: outages\[0\] has shape \(30,\), but episode 0 \(seed 0\) "
                                         r"has 40 steps"):
        driving.imitation_errors([np.zeros((T, 1))], [episode], [out[:30]], 10)
    groups = driving.imitation_errors([np.ones((T, 1))], [episode], [out], 10)
    assert [groups[g]["steps"] for g in ("seen", "gap", "blind")] == [0, 9, 6]
