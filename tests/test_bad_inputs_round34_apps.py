"""Thirty-fourth round, the recipes with one's own data (A34-*): event-log waits gathered as lists of pandas
Timedeltas, timestamps or text; a truth of no anomalous session; highway-env's default (normalised) observation."""

from __future__ import annotations

import datetime
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.apps import driving, eventlogs
from rnnkit.apps.eventlogs import Sessions


def _log() -> pd.DataFrame:
    """A small log of three sessions, its waits from pandas' diff() of the timestamps."""
    times = pd.to_datetime(["2024-01-01 10:00:00", "2024-01-01 10:00:30", "2024-01-01 10:01:00",
                            "2024-01-01 11:00:00", "2024-01-01 11:00:10", "2024-01-01 11:00:40",
                            "2024-01-01 12:00:00", "2024-01-01 12:00:20", "2024-01-01 12:00:25"])
    df = pd.DataFrame({"session": [0, 0, 0, 1, 1, 1, 2, 2, 2], "event": [0, 1, 2, 0, 2, 1, 0, 1, 1], "time": times})
    df["wait"] = df.groupby("session")["time"].diff().fillna(pd.Timedelta(0))
    return df


def test_A34_01_waits_as_lists_of_timedeltas_are_read_as_seconds():
    df = _log()
    events = df.groupby("session")["event"].apply(list).tolist()
    waits = df.groupby("session")["wait"].apply(list).tolist()  # lists of pd.Timedelta: numpy holds them as objects
    seconds = [[0.0, 30.0, 30.0], [0.0, 10.0, 30.0], [0.0, 20.0, 5.0]]
    # before: "session 0's waits (dt) are object, not seconds", where an array of the same timedeltas was read
    got = eventlogs.check_sessions(Sessions(events, waits), "fit")
    assert [w.tolist() for w in got.dt] == seconds
    as_python = [[datetime.timedelta(seconds=s) for s in w] for w in seconds]  # datetime's own timedeltas
    assert [w.tolist() for w in eventlogs.check_sessions(Sessions(events, as_python), "fit").dt] == seconds
    fitted = eventlogs.NGramDetector(2).fit(Sessions(events, waits))
    reference = eventlogs.NGramDetector(2).fit(Sessions(events, seconds))
    assert fitted.delay == reference.delay and fitted.median_wait == reference.median_wait == 25.0
    items = eventlogs.training_items(Sessions(events, waits))
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(items, eventlogs.training_items(Sessions(events, seconds)),
                                                          strict=True))
    # diff()'s NaT before each first event, as objects: named as the missing first wait, as for an array
    with pytest.raises(ValueError, match=r"session 0, step 0 waits nan s, as groupby\(...\).diff\(\) leaves"):
        eventlogs.check_sessions(Sessions(events, [[pd.NaT, *w[1:]] for w in waits]), "fit")


def test_A34_02_waits_as_lists_of_timestamps_or_text_are_named():
    df = _log()
    events = df.groupby("session")["event"].apply(list).tolist()
    times = df.groupby("session")["time"].apply(list).tolist()  # pd.Timestamp objects, given as the waits
    # before: "session 0's waits (dt) are object, not seconds"
    with pytest.raises(ValueError, match=r"session 0's waits \(dt\) are timestamps .*give the waits: np.r_\[0, "
                                         r"np.diff\(t\)"):
        eventlogs.NGramDetector().fit(Sessions(events, times))
    text = [[str(s) for s in w] for w in df.groupby("session")["wait"].apply(lambda w: w.dt.total_seconds().tolist())]
    # before: "session 0's waits (dt) are <U4, not seconds"
    with pytest.raises(ValueError, match=r"session 0's waits \(dt\) are text \('0.0' at step 0\), not seconds; .*"
                                         r"np.asarray\(dt, dtype=float\)"):
        eventlogs.training_items(Sessions(events, text))
    with pytest.raises(ValueError, match=r"waits \(dt\) are objects of int, timedelta \(0 at step 0\), not seconds"):
        eventlogs.check_sessions(Sessions([[0, 1]], [[0, datetime.timedelta(seconds=3)]]), "fit")


def test_A34_03_a_truth_of_no_anomalous_session_is_warned_of():
    flagged, none = np.array([True, False, False, False]), np.zeros(4, bool)
    # before: (0.0, 0.0, 0.0) without a word, read as a detector that missed every anomaly
    with pytest.warns(UserWarning, match=r"truth marks none of the 4 sessions anomalous, so recall and F1 are "
                                         r"undefined and given as 0"):
        assert eventlogs.precision_recall_f1(flagged, none) == (0.0, 0.0, 0.0)
    with pytest.warns(UserWarning, match="truth marks none"):
        eventlogs.precision_recall_f1(pd.Series(flagged), pd.Series(none))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a truth with an anomaly: no word, as before
        assert eventlogs.precision_recall_f1(flagged, np.array([True, False, False, True])) == (1.0, 0.5, 2 / 3)
        assert eventlogs.precision_recall_f1(none, np.array([True, False, False, False])) == (0.0, 0.0, 0.0)


def test_A34_04_highway_envs_default_normalised_observation_is_refused():
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(30, driving.VEHICLES, len(driving.KINEMATICS))).astype(np.float32)
    raw[:, :, 0] = 1.0  # every vehicle present, the ego first
    raw[:, 0, 1] = 150 + 25 * np.arange(30) / driving.FREQUENCY  # the ego's x in metres, at 25 m/s
    raw[:, 0, 3] = 25.0
    normalised = np.clip(raw / np.array([1, 200, 12, 80, 80], np.float32), -1, 1)  # as normalize=True, clip=True
    # before: 15 features read from x of 0.75..1 as metres, the posts' phase constant, without a word
    with pytest.raises(ValueError, match=r"observe: every value of the 30 frame\(s\) lies in \[-1, 1\] .*"
                                         r"normalize=True.*'normalize': False"):
        driving.observe(normalised)
    episode = driving.Episode(0, normalised, rng.normal(size=(30, 2)), np.full(30, 25.0), False, False)
    with pytest.raises(ValueError, match=r"observe: every value .* lies in \[-1, 1\]"):
        driving.fit_scaling([episode])
    scaling = driving.Scaling(np.zeros(15), np.ones(15), np.zeros(1), np.ones(1))
    with pytest.raises(ValueError, match=r"observe: every value of the 1 frame\(s\) lies in \[-1, 1\]"):
        driving.policy_inputs(normalised[:1], scaling)  # one frame, as the Controller passes it
    assert driving.observe(raw).shape == (30, 15)  # raw frames as make_env observes them
