"""Thirty-sixth round, apps: the recipes' helpers fed what a user's own tools give them.

A36-01 ``driving.observe`` of frames made with highway-env's ``order="shuffled"`` (the other vehicles in no order).
A36-02 ``spoken_digits.greedy_decode`` of logits with other than 11 classes (no blank, or more symbols).
A36-03 ``spoken_digits.features`` of a clip of recorded silence (a few steps of 16-bit PCM, or dither).
A36-04 ``charlm.KneserNey.bits`` of a text with no symbol to score, a negative or float ``start``, unfitted.
A36-05 ``driving.mean_interval(values, 95)`` (a percentage for the coverage).
A36-06 ``driving.mcnemar([], [])`` (no episodes).
A36-07 ``stocks.direction_accuracy`` of a forecast that is 0 on every day (it calls no direction).
A36-08 ``stocks.split_days`` of one's own days that end long before the settings' end (a short download).
A36-09 ``sentiment.train_tfidf_logreg`` of the reviews' texts where their tokens belong; ``Cs=()``.
A36-10 ``speech.frame_saliency`` with more parts than the shortest utterance has frames.
A36-11 ``spoken_digits.babble``, ``corrupt``, ``noise_robustness`` of clips of too few other voices, or of voices
       not one per clip.
A36-12 ``stocks.fit_rnn(..., qlike_loss=True)`` of windows whose targets are the returns, not their squares.
"""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.apps import charlm, driving, sentiment, speech, spoken_digits, stocks
from rnnkit.estimators import SequenceClassifier


def _frames(order: str, seconds: int = 2) -> np.ndarray:
    import gymnasium as gym
    import highway_env  # noqa: F401  (registers the environments)

    config = {"observation": {"type": "Kinematics", "features": driving.KINEMATICS, "vehicles_count": driving.VEHICLES,
                              "absolute": False, "normalize": False, "clip": False, "order": order},
              "policy_frequency": driving.FREQUENCY, "simulation_frequency": driving.FREQUENCY, "duration": seconds}
    env = gym.make(driving.ENV_ID, config=config).unwrapped
    obs, _ = env.reset(seed=0)
    frames = [obs]
    for _ in range(seconds * driving.FREQUENCY - 1):
        obs, *_ = env.step(env.action_type.actions_indexes["IDLE"])
        frames.append(obs)
    env.close()
    return np.stack(frames)


def test_A36_01_frames_with_the_other_vehicles_shuffled_are_refused():
    shuffled = _frames("shuffled")
    # before: car1 read as the nearest vehicle ahead wherever it was (71.8 m here, where the nearest is at 20.6 m)
    with pytest.raises(ValueError, match=r"observe: the other vehicles of frame 0 are not listed nearest first "
                                         r"\(distances 71.8 m, 45.6 m, 95.6 m, 20.6 m: vehicle 2 after vehicle 1; "
                                         r"10 of 10 frame\(s\) so\).*order='shuffled'.*order='sorted'"):
        driving.observe(shuffled)
    with pytest.raises(ValueError, match=r"not listed nearest first"):
        driving.policy_inputs(shuffled[:1], driving.Scaling(np.zeros(15), np.ones(15), np.zeros(1), np.ones(1)))
    sparse = shuffled.copy()  # two vehicles, shuffled among the zero rows of the absent ones
    sparse[:, 1:] = 0.0
    sparse[:, 3], sparse[:, 4] = shuffled[:, 4], shuffled[:, 2]
    with pytest.raises(ValueError, match=r"\(distances absent, absent, 20.6 m, 45.6 m: vehicle 3 after vehicle 2"):
        driving.observe(sparse)
    sorted_frames = _frames("sorted")
    assert driving.observe(sorted_frames).shape == (10, 15)  # highway-env's default order, as make_env observes
    near = sorted_frames[:1].copy()
    near[0, 1:3, 1] = [30.0, 27.0]  # side by side in two lanes, 3 m apart: a car's length passes either way
    assert driving.observe(near).shape == (1, 15)


def test_A36_02_greedy_decode_of_logits_without_the_eleven_classes_is_refused():
    logits = torch.zeros(4, 10)
    logits[:, 0] = 1.0  # a 10-digit model without a blank: class 0 is the digit 0
    # before: [-1] (class 0 read as the blank, each other class c as the digit c - 1)
    with pytest.raises(ValueError, match=r"greedy_decode: logits have 10 classes a frame, but they must be 11: the CTC "
                                         r"blank \(class 0\) and the digits 0-9 \(classes 1-10\)"):
        spoken_digits.greedy_decode(logits, 4)
    wide = torch.zeros(4, 12)
    wide[:, 11] = 1.0  # before: the digit 10
    with pytest.raises(ValueError, match=r"logits have 12 classes a frame"):
        spoken_digits.greedy_decode(wide, 4)
    logits = torch.zeros(4, 11)
    logits[1:3, 3] = 1.0
    assert spoken_digits.greedy_decode(logits, 4) == [2]


def test_A36_03_a_clip_of_recorded_silence_is_refused():
    from rnnkit.data.audio import LogMel

    logmel = LogMel(spoken_digits.SAMPLE_RATE, 40, n_fft=512, hop_length=441)
    rng = np.random.default_rng(0)
    hiss = (rng.integers(-2, 3, 8000) / 32768).astype(np.float32)  # 16-bit silence: +-2 steps of PCM
    # before: 19 frames at the log floor's edge, to which a classifier gives a digit
    with pytest.raises(ValueError, match=r"features: the wave's 8000 samples peak at 6.1e-05 \(-84 dBFS, 2.0 steps of "
                                         r"16-bit PCM\), below -72 dBFS .*so it holds no spoken digit"):
        spoken_digits.features(logmel, hiss)
    quiet = hiss + (0.003 * np.sin(np.arange(8000) * 0.2)).astype(np.float32)  # a voice at -50 dBFS: read
    assert spoken_digits.features(logmel, quiet).shape[1] == 40


def test_A36_04_kneser_ney_bits_of_no_symbol_to_score_is_refused():
    kn = charlm.KneserNey(3, 5).fit(np.array([0, 1, 2, 3, 4, 0, 1, 2]))
    ids = np.array([0, 1, 2, 3, 4, 0])
    # before: -0.0 bits per symbol (0 over a negative count), ZeroDivisionError, KeyError: 4, TypeError
    with pytest.raises(ValueError, match=r"KneserNey.bits: ids hold 6 symbol\(s\), none from start=9 on to score .*"
                                         r"give a text of 10 symbols or more"):
        kn.bits(ids, start=9)
    with pytest.raises(ValueError, match=r"ids hold 0 symbol\(s\), none from start=1 on"):
        kn.bits(np.array([], np.int64))
    with pytest.raises(ValueError, match=r"ids hold 1 symbol\(s\), none from start=1 on"):
        kn.bits(ids[:1])
    for start in (-2, 2.5):
        with pytest.raises(ValueError, match=r"KneserNey.bits: start must be an integer >= 0"):
            kn.bits(ids, start=start)
    with pytest.raises(ValueError, match=r"KneserNey.bits: the model has not been fitted"):
        charlm.KneserNey(3, 5).bits(ids)
    # start=0 adds the first symbol, scored from no context: 6 symbols' bits are the 5 of start=1 and its own
    p0 = kn.probs(ids[None, :0], ids[:1])[0]
    assert 0 < p0 < 1 and 6 * kn.bits(ids, start=0) == pytest.approx(5 * kn.bits(ids) - math.log2(p0))


def test_A36_05_mean_interval_of_a_percentage_level_is_refused():
    # before: scipy's "alpha must be between 0 and 1 inclusive"
    with pytest.raises(ValueError, match=r"mean_interval: level is the interval's coverage, a number in \(0, 1\) "
                                         r"\(0.95 for 95 %\), got 95"):
        driving.mean_interval([1.0, 2.0, 3.0], 95)
    assert driving.mean_interval([1.0, 2.0, 3.0], 0.95)["low"] < 2.0


def test_A36_06_mcnemar_of_no_episodes_is_refused():
    # before: {'only_first': 0, 'only_second': 0, 'p_value': 1.0}, read as two drivers alike
    with pytest.raises(ValueError, match=r"mcnemar: no episodes \(a and b are empty\)"):
        driving.mcnemar([], [])
    assert driving.mcnemar([True, False], [True, False])["p_value"] == 1.0


def test_A36_07_direction_accuracy_of_a_forecast_of_no_direction_is_refused():
    r = np.array([0.5, -1.0, 0.2, -0.3, 0.8, 0.0])
    # before: 0.0, every day counted wrong, for a forecast that called none
    with pytest.raises(ValueError, match=r"direction_accuracy: forecast is 0 on all 5 days that moved, so it calls no "
                                         r"direction"):
        stocks.direction_accuracy(np.zeros(6), r)
    partly = np.array([0.1, 0.0, 0.1, 0.0, 0.1, 0.0])  # a 0 on some days calls neither, as documented
    assert stocks.direction_accuracy(partly, r) == pytest.approx(3 / 5)


def test_A36_08_split_days_of_days_that_end_before_the_settings_end_is_refused():
    days = pd.bdate_range("2004-01-01", "2011-01-07")  # one's own prices, downloaded to January 2011
    # before: a test part of 5 days, where QUICK's names 2011-01-01..2012-12-31, without a word
    with pytest.raises(ValueError, match=r"split_days: the days end on 2011-01-07, 724 days before the settings' end "
                                         r"2012-12-31, so the test part would hold 5 day\(s\) where the settings name "
                                         r"it from 2011-01-01 to 2012-12-31; .*replace\(settings, end='2011-01-07'\)"):
        stocks.split_days(days, stocks.QUICK)
    rows, _ = stocks.split_days(pd.bdate_range("2004-01-01", "2012-12-27"), stocks.QUICK)  # the year's last week
    assert len(rows["test"]) == 519  # business days of 2011 and 2012 to the 27th
    rows, _ = stocks.split_days(days, dataclasses.replace(stocks.QUICK, test_start="2010-07-01", end="2011-01-07"))
    assert len(rows["test"]) == 137


def test_A36_09_tfidf_of_the_texts_where_their_tokens_belong_is_refused():
    texts = ["a great film, loved it", "terrible boring plot", "great acting, great story", "awful and boring"] * 6
    y = {"train": np.array([1, 0, 1, 0] * 4), "val": np.array([1, 0, 1, 0] * 2)}
    # before: fitted on n-grams of characters ('a', ' ', 'g', ...), validation accuracy 1.0, without a word
    with pytest.raises(ValueError, match=r"train_tfidf_logreg: tokens\['train'\]\[0\] is the text 'a great film, "
                                         r"loved it', not a list of tokens, so its n-grams would be of characters"):
        sentiment.train_tfidf_logreg({"train": texts[:16], "val": texts[16:]}, y, (1.0,))
    tokens = {"train": [sentiment.tokenize(t) for t in texts[:16]], "val": [sentiment.tokenize(t) for t in texts[16:]]}
    with pytest.raises(ValueError, match=r"train_tfidf_logreg: Cs must give at least one"):  # before: TypeError
        sentiment.train_tfidf_logreg(tokens, y, ())
    vectorizer, _, C, accuracy, _ = sentiment.train_tfidf_logreg(tokens, y, (1.0,))
    assert "great" in vectorizer.vocabulary_ and C == 1.0 and set(accuracy) == {"1.0"}


def test_A36_10_frame_saliency_of_more_parts_than_an_utterance_has_frames_is_refused():
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(n, 3)).astype(np.float32) for n in (3, 8, 9, 10, 8, 9)]
    clf = SequenceClassifier(cell="gru", hidden_size=4, max_epochs=1, random_state=0, batch_size=8,
                             **{k: v for k, v in speech.TRAINING.items() if k not in ("batch_size", "lr")})
    clf.fit(xs, np.arange(6) % 2)
    # before: utterance 0's 3 frames fell in parts 0, 2 and 4; parts 1 and 3 counted as a share of 0 for it
    with pytest.raises(ValueError, match=r"frame_saliency: parts=5, but utterance 0 has 3 frame\(s\), so some of its "
                                         r"parts would hold no frame .*give parts <= 3"):
        speech.frame_saliency(clf, xs)
    profile = speech.frame_saliency(clf, xs, parts=3)
    assert len(profile["by_part"]) == 3 and sum(profile["by_part"]) == pytest.approx(1.0, abs=1e-5)
    assert len(speech.frame_saliency(clf, xs[1:])["by_part"]) == 5


def test_A36_11_babble_of_too_few_other_voices_is_named():
    rng = np.random.default_rng(0)
    waves = [torch.from_numpy(rng.normal(size=1000).astype(np.float32) * 0.1) for _ in range(6)]
    voices = ["en", "en", "de", "fr", "es", "it"]
    # before: numpy's "Cannot take a larger sample than population when replace is False" (in corrupt, only where a
    # clip happened to draw babble)
    with pytest.raises(ValueError, match=r"babble: the clips of voice 'en' have 4 clip\(s\) of other voices, but "
                                         r"babble mixes 6 talkers"):
        spoken_digits.babble(waves, voices, 0, rng)
    with pytest.raises(ValueError, match=r"corrupt: the clips of voice 'en' have 4 clip\(s\)"):
        spoken_digits.corrupt(waves, voices, rng)
    with pytest.raises(ValueError, match=r"noise_robustness: the clips of voice 'en'"):
        spoken_digits.noise_robustness({}, waves, np.zeros(6), voices, None, seed=0)
    with pytest.raises(ValueError, match=r"babble: 6 clips but 2 voices"):  # before: IndexError
        spoken_digits.babble(waves, voices[:2], 0, rng)
    more = waves + waves[:3]
    assert spoken_digits.babble(more, voices + ["pt", "nl", "sv"], 0, rng).shape == (1000,)


def test_A36_12_fit_rnn_with_the_qlike_loss_of_returns_is_refused():
    rng = np.random.default_rng(0)
    r = rng.normal(size=120)
    x, y = stocks.next_day_windows(np.c_[r, r**2], r, 10)
    settings = dataclasses.replace(stocks.QUICK, max_epochs=1, hidden_size=2)
    # before: trained 3 epochs on y e^{-s} + s of the returns (no minimum where y < 0), forecasts of -0.42 as
    # log-variances, without a word
    with pytest.raises(ValueError, match=r"fit_rnn: train's y\[0\] is -0.\d+, but with qlike_loss y is the next day's "
                                         r"squared return \(scaled\), never negative \(\d+ negative of 80: the returns "
                                         r"themselves\?\); give y of r \*\* 2 / mean\(r_train \*\* 2\)"):
        stocks.fit_rnn((x[:80], y[:80]), (x[80:], y[80:]), qlike_loss=True, settings=settings, seed=0)
    with pytest.raises(ValueError, match=r"fit_rnn: val's y"):
        stocks.fit_rnn((x[:80], y[:80] ** 2), (x[80:], y[80:]), qlike_loss=True, settings=settings, seed=0)
