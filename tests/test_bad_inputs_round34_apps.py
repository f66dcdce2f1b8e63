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


def test_A34_05_a_sample_rate_given_as_a_float_is_read_as_a_rate():
    from rnnkit.apps import spoken_digits
    from rnnkit.data.audio import LogMel

    logmel = LogMel(spoken_digits.SAMPLE_RATE, 40, n_fft=512, hop_length=441)
    wave = (0.3 * np.sin(np.arange(4410) * 0.1)).astype(np.float32)
    # before: "wave must be one mono clip, a 1-D tensor of samples (N,), got tuple; mix channels down first"
    assert np.array_equal(spoken_digits.features(logmel, (wave, 22050.0)), spoken_digits.features(logmel, wave))
    with pytest.raises(ValueError, match=r"the wave is sampled at 16000 Hz but the log-mel frames read 22050 Hz"):
        spoken_digits.features(logmel, (wave, 16000.0))  # a float column of rates: another rate, named
    with pytest.raises(ValueError, match=r"the wave's sample rate is 22050.5, not a whole number of Hz"):
        spoken_digits.features(logmel, (wave, 22050.5))
    with pytest.raises(ValueError, match=r"got \(16000.0, samples\), the \(rate, samples\) order of scipy"):
        spoken_digits.features(logmel, (16000.0, wave))


def test_A34_06_other_vehicles_in_absolute_coordinates_are_refused():
    # highway-env's first frame of highway-fast-v0 at seed 0, with absolute=True and as make_env observes it
    absolute = np.array([[1, 150.82, 8, 25.0, 0], [1, 171.39, 4, 21.12, 0], [1, 196.42, 4, 22.82, 0],
                         [1, 222.58, 8, 23.81, 0], [1, 246.37, 4, 21.10, 0]], np.float32)
    relative = absolute.copy()
    relative[1:, 1:] -= absolute[0, 1:]  # the others' x, y, vx, vy less the ego's
    # before: the other cars' x read as gaps of 20..96 m where they are 171..246, without a word
    with pytest.raises(ValueError, match=r"observe: the other vehicles' speeds lie near the ego's \(frame 0: the "
                                         r"ego's vx 25, vehicle 1's 21.12 m/s.*absolute=True.*'absolute': False"):
        driving.observe(absolute[None])
    with pytest.raises(ValueError, match=r"absolute=True"):
        driving.observe(np.repeat(absolute[None], 12, 0))
    assert driving.observe(relative[None]).shape == (1, 15)
    slow = absolute.copy()
    slow[0, 3] = 8.0  # an ego braking to 8 m/s beside traffic at 21..24 m/s: relative and absolute speeds alike
    slow[1:, 1:] -= slow[0, 1:]
    assert driving.observe(slow[None]).shape == (1, 15)


def test_A34_07_adaptive_kneser_ney_bits_refuses_a_block_or_test_text_that_scores_nothing():
    from rnnkit.apps import charlm

    rng = np.random.default_rng(0)
    train, test = rng.integers(0, 5, 400), rng.integers(0, 5, 80)
    bits = charlm.adaptive_kneser_ney_bits(train, test, 3, 5, block=40)
    assert 2.0 < bits < 3.0  # uniform symbols: log2(5) = 2.32 bits, a little more as counts overfit
    # before: block=-40 scored no symbol and gave 0.0 bits; block=0 range()'s "arg 3 must not be zero"
    for block in (-40, 0, 2.5):
        with pytest.raises(ValueError, match=rf"adaptive_kneser_ney_bits: block must be an integer >= 1 .*got "
                                             rf"{block}"):
            charlm.adaptive_kneser_ney_bits(train, test, 3, 5, block=block)
    # before: ZeroDivisionError for one symbol, -0.0 bits for none
    for short in (test[:1], test[:0]):
        with pytest.raises(ValueError, match=rf"the test text holds {len(short)} symbol\(s\), but its first"):
            charlm.adaptive_kneser_ney_bits(train, short, 3, 5, block=40)
    # before: float ids (a model's argmax as float, ids + 0.4) cut to integers, the bits of other symbols
    with pytest.raises(ValueError, match=r"adaptive_kneser_ney_bits: test_ids: ids must be a 1-D array of integer"):
        charlm.adaptive_kneser_ney_bits(train, test + 0.4, 3, 5, block=40)
    assert charlm.adaptive_kneser_ney_bits(train, test.astype(np.int32), 3, 5, block=40) == bits


def test_A34_08_stocks_losses_of_two_series_of_the_same_days_in_other_orders_are_refused():
    from rnnkit.apps import stocks

    days = pd.bdate_range("2020-01-01", periods=30)
    rng = np.random.default_rng(0)
    r = pd.Series(rng.normal(size=30), index=days)
    h = pd.Series(1 + rng.random(30), index=days)
    by_size = h.sort_values()  # a table of forecasts sorted by value (or gathered from folds out of order)
    # before: each day's r² scored against another day's forecast (paired by place), without a word
    with pytest.raises(ValueError, match=r"qlike: r2 and h are pandas Series of the same days in other orders .*"
                                         r"h = h.loc\[r2.index\]"):
        stocks.qlike(r**2, by_size)
    assert stocks.qlike(r**2, by_size.loc[days]).mean() == pytest.approx(stocks.qlike(r**2, h).mean())
    with pytest.raises(ValueError, match=r"direction_accuracy: forecast and r are pandas Series of the same days"):
        stocks.direction_accuracy(h.sample(frac=1, random_state=0) - 1.5, r)
    with pytest.raises(ValueError, match=r"diebold_mariano: loss_a and loss_b are pandas Series of the same days"):
        stocks.diebold_mariano(pd.Series(stocks.qlike(r**2, h), index=days), by_size)
    # a forecast indexed by the day it was made, beside the next day's r²: other days, paired by place as meant
    made_on, next_day = h.iloc[:-1], (r**2).iloc[1:]
    assert stocks.qlike(next_day, made_on).tolist() == stocks.qlike(next_day.to_numpy(), made_on.to_numpy()).tolist()
