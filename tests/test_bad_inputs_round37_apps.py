"""Thirty-seventh round, apps: the rows the last round left, and the recipes' helpers with one's own data.

A37-01 ``surveillance.predict`` of whole clips (their target frame included) of a fitted model.
A37-02 the multi-seed recipes' runs for ``seed=1`` beside ``seed=0``'s.
"""

import warnings

import pytest
import torch

from rnnkit.apps import eventlogs, run_seeds, surveillance


def _walk(n: int) -> torch.Tensor:
    """``(n, 1, 6, 8)`` frames of a bright 2 x 2 square walking one pixel a frame, wrapping round."""
    frames = torch.zeros(n, 1, 6, 8)
    for t in range(n):
        x = t % 7
        frames[t, 0, 2:4, x:x + 2] = 1.0
    return frames


def test_A37_01_predict_of_whole_clips_of_a_fitted_model_is_warned_of():
    train = surveillance.clips(_walk(30), range(30), context=3)  # (N, 4, 1, 6, 8): 3 frames in, the target last
    model, _, _ = surveillance.fit(lambda: surveillance.NextFramePredictor(2, (6, 8)), train, train[:4], epochs=1,
                                   lr=0.01, batch_size=8, clip_grad_norm=1.0, seed=0, log=lambda message: None)
    assert model.context == 3
    # before: the frame after the target predicted, without a word
    with pytest.warns(UserWarning, match=r"predict: the clips hold 4 frames, one more than the 3 the model was "
                                         r"trained on, .* the frame after the target; give the frames before it: "
                                         r"predict\(model, clips\[:, :-1\]\)"):
        surveillance.predict(model, train)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert surveillance.predict(model, train[:, :-1]).shape == (len(train), 1, 6, 8)
        assert surveillance.predict(model, train[:, :-2]).shape == (len(train), 1, 6, 8)  # fewer frames: a choice
        assert surveillance.predict(surveillance.NextFramePredictor(2, (6, 8)), train).shape == (len(train), 1, 6, 8)


class _Trained(Exception):
    """Raised by a stand-in for a recipe's training, carrying the seed it was given."""


def test_A37_02_the_runs_of_two_seeds_are_disjoint(monkeypatch):
    assert run_seeds(0, 5, "speech.run") == [0, 1, 2, 3, 4]  # seed 0's runs as before
    assert run_seeds(1, 5, "speech.run") == [5, 6, 7, 8, 9]  # before: 1..5, four of seed 0's five
    assert run_seeds(7, 1, "stocks.run") == [7]  # one run: the seed itself
    with pytest.raises(ValueError, match=r"speech.run: seed=500000000 with 5 runs gives the runs seeds "
                                         r"2,500,000,000 to 2,500,000,004 .* give a seed below 429,496,729"):
        run_seeds(500_000_000, 5, "speech.run")

    def fit_lstm(sessions, vocab_size, budget, *, seed):
        raise _Trained(seed)

    monkeypatch.setitem(eventlogs.QUICK, "users", 40)
    monkeypatch.setitem(eventlogs.QUICK, "seeds", 3)
    monkeypatch.setattr(eventlogs, "fit_lstm", fit_lstm)
    with pytest.raises(_Trained) as trained:
        eventlogs.run(quick=True, seed=1, log=lambda message: None)
    assert trained.value.args == (3,)  # before: 1, the second of seed 0's runs
