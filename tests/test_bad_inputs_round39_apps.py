"""Round 39, recipes (rnnkit/apps): rows A39-01 .. of docs/bad_inputs.md's thirty-ninth round.

A39-01 ``spoken_digits.features`` of a ``(wave, rate)`` pair whose rate is a 0-d tensor or array.
A39-02 ``spoken_digits.features`` of a clip shorter than one log-mel frame (or of no samples).
A39-03 ``spoken_digits.features`` of a clip's samples as a list of numbers (``wave.tolist()``, JSON).
A39-04 ``dna.sample`` of more sequences than it is given.
A39-05 ``stocks.next_day_windows`` of a lookback as long as the days, or of 0 days.
A39-06 ``eventlogs.score_lstm`` of sessions encoded by another vocabulary of the same size.
Each test fails on the commit before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import own_fasta

from rnnkit.apps import dna, eventlogs, spoken_digits, stocks
from rnnkit.data.audio import LogMel


def _logmel() -> LogMel:
    return LogMel(spoken_digits.SAMPLE_RATE, 40, n_fft=512, hop_length=441)


def _wave(n: int = 4000) -> torch.Tensor:
    return 0.3 * torch.sin(torch.arange(n) / 10.0)


def test_A39_01_features_reads_a_rate_given_as_a_0d_tensor_or_array():
    # before: "features: wave must be one mono clip, ... got tuple; a (samples, rate) pair takes its rate as a number"
    logmel, wave = _logmel(), _wave()
    expected = spoken_digits.features(logmel, wave)
    for rate in (torch.tensor(22050), torch.tensor(22050.0), np.array(22050), np.int64(22050)):
        np.testing.assert_array_equal(spoken_digits.features(logmel, (wave, rate)), expected)
    # the rate is still checked: another rate as a tensor is named as another rate
    with pytest.raises(ValueError, match=r"features: the wave is sampled at 16000 Hz but the log-mel frames read "
                                         r"22050 Hz"):
        spoken_digits.features(logmel, (wave, torch.tensor(16000)))
    with pytest.raises(ValueError, match=r"features: the wave's sample rate is 22050\.5, not a whole number"):
        spoken_digits.features(logmel, (wave, torch.tensor(22050.5, dtype=torch.float64)))


def test_A39_02_features_of_a_clip_shorter_than_one_frame_names_features_and_the_fix():
    # before: the log-mel layer's "a clip of 100 samples is too short for n_fft=512 ...; pad the clip or use a
    # smaller n_fft", naming no function and a fix the recipe (n_fft fixed at 512) does not take
    logmel = _logmel()
    for n in (100, 0, logmel.min_samples - 1):
        with pytest.raises(ValueError, match=rf"features: the wave holds {n} samples \(.* ms at 22050 Hz\), fewer "
                                             rf"than the 257 one log-mel frame needs .*leave the clip out"):
            spoken_digits.features(logmel, _wave(n))
    assert spoken_digits.features(logmel, _wave(logmel.min_samples)).shape == (1, 40)


def test_A39_03_features_reads_a_list_of_samples_as_the_clip():
    # before: "features: wave must be one mono clip, ... got list; mix channels down first (wave.mean(0) ...)",
    # a fix for a stereo clip given for a mono one
    logmel, wave = _logmel(), _wave()
    np.testing.assert_allclose(spoken_digits.features(logmel, wave.tolist()), spoken_digits.features(logmel, wave),
                               atol=1e-4)
    clips = [(0.1 + 0.1 * k) * _wave(3000 + 100 * k) for k in range(8)]
    voices = [f"v{k}" for k in range(8)]
    np.testing.assert_allclose(spoken_digits.babble([w.tolist() for w in clips], voices, 0, np.random.default_rng(0)),
                               spoken_digits.babble(clips, voices, 0, np.random.default_rng(0)), atol=1e-6)
    # a list of channels is still refused as channels
    with pytest.raises(ValueError, match=r"features: wave must be one mono clip.*got list.*mix channels down"):
        spoken_digits.features(logmel, [wave.tolist(), wave.tolist()])


def test_A39_04_dna_sample_of_more_sequences_than_given_warns():
    # before: the 3 sequences, shuffled, where 5 were asked, without a word
    sequences = ["ACGTACGT", "TTTTAAAA", "GGGGCCCC"]
    with pytest.warns(UserWarning, match=r"sample: n=5 asks for more than the 3 sequences given, so the sample is all "
                                         r"3 of them.*ask for n <= 3"):
        drawn = dna.sample(sequences, 5, np.random.default_rng(0))
    assert sorted(drawn) == sorted(sequences)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(dna.sample(sequences, 3, np.random.default_rng(0))) == 3
        assert len(dna.sample(sequences, 2, np.random.default_rng(0))) == 2


def test_A39_05_next_day_windows_names_a_lookback_past_the_days():
    # before: sliding_windows' words: "lookback (10) + horizon (1) = 11 steps are needed for one window, but the series
    # has 5; shorten the lookback or horizon" (next_day_windows takes no horizon), "sliding_windows: lookback must be
    # an integer >= 1, got 0"
    features, target = np.random.default_rng(0).standard_normal((5, 3)), np.arange(5.0)
    for lookback in (10, 5, 0, 2.5):
        with pytest.raises(ValueError, match=rf"next_day_windows: lookback must be an integer from 1 to 4 \(the days "
                                             rf"a window holds.*hold 5 days\), got {lookback}; give a lookback in "
                                             rf"that range"):
            stocks.next_day_windows(features, target, lookback)
    x, y = stocks.next_day_windows(features, target, 4)
    assert x.shape == (1, 4, 3) and y.tolist() == [4.0]


def _skewed_sessions(n: int, seed: int) -> eventlogs.Sessions:
    rng = np.random.default_rng(seed)
    events = [rng.choice(5, size=8, p=[0.5, 0.25, 0.15, 0.07, 0.03]) for _ in range(n)]
    return eventlogs.Sessions(events, [np.r_[0.0, rng.uniform(1, 5, 7)] for _ in range(n)])


def test_A39_06_score_lstm_warns_of_ids_of_another_vocabulary_of_the_same_size():
    # before: the sessions scored as the model's own vocabulary's events, without a word
    budget = {**eventlogs.QUICK, **eventlogs.SHARED, "max_epochs": 1}
    module = eventlogs.fit_lstm(_skewed_sessions(30, 0), 5, budget, seed=0)
    scored = _skewed_sessions(30, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same vocabulary, another draw of the log: nothing said
        eventlogs.score_lstm(module, scored)
        eventlogs.score_lstm(module, eventlogs.Sessions(scored.events[:2], scored.dt[:2]))  # too few to tell
    reordered = eventlogs.Sessions([4 - e for e in scored.events], scored.dt)  # a vocabulary in another order
    with pytest.warns(UserWarning, match=r"score_lstm: the event ids of the 30 sessions are spread otherwise than in "
                                         r"training \(\d+% of the steps.*id \d: \d+% of training's steps, \d+% "
                                         r"of these.*another vocabulary of the same size") as caught:
        scores = eventlogs.score_lstm(module, reordered)
    assert len(scores.rank) == 30 and caught[0].filename == __file__  # said at the caller's line


def test_A39_06_ordinary_anomalies_are_not_taken_for_another_vocabulary():
    # review: 20 % of sessions of a rare event repeated 40 times moved 54 % of the steps' ids and were warned of
    budget = {**eventlogs.QUICK, **eventlogs.SHARED, "max_epochs": 1}
    module = eventlogs.fit_lstm(_skewed_sessions(30, 0), 5, budget, seed=0)
    normal = _skewed_sessions(80, 1).events
    rng = np.random.default_rng(2)
    cases = [normal + [np.full(n, 4) for _ in range(20)] for n in (8, 40, 200)]  # 20 % anomalous sessions
    cases.append([np.r_[e, np.full(30, 3)] for e in normal])  # every session ending in a retry loop
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for events in cases:
            eventlogs.score_lstm(module, eventlogs.Sessions(events, [rng.uniform(1, 5, len(e)) for e in events]))
    perm = np.array([4, 3, 1, 2, 0])  # another vocabulary, in any order that moves the common events
    with pytest.warns(UserWarning, match=r"score_lstm: .*spread otherwise than in training.*no more than \d+% of them "
                                         r"could be sessions spread as in training.*another vocabulary"):
        eventlogs.score_lstm(module, eventlogs.Sessions([perm[e] for e in normal],
                                                        [rng.uniform(1, 5, len(e)) for e in normal]))


def test_A39_04_the_recipe_on_a_smaller_fasta_than_its_budget_is_not_told_to_ask_for_fewer(tmp_path, monkeypatch):
    # review: dna.run on one's own FASTA ($RNNKIT_DNA) of fewer promoters than its budget warned "ask for n <= 6",
    # an n the recipe's user does not give; the budget is a cap, and the log says how many were drawn
    own_fasta(tmp_path, monkeypatch, 50)  # 12 promoters in the file, a budget of 50 each
    lines = []
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="sample:")
        dna.run(quick=True, log=lines.append)
    assert any("train 6, test 6 (chr2L)" in line for line in lines), lines
