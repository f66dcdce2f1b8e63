"""Thirty-fifth round (second pass), the recipes with one's own data (A35-13 ...): one's own frames to the
spoken-digit strings' CTC model; returns given to QLIKE for their squares."""

from __future__ import annotations

import numpy as np
import pytest

from rnnkit.apps import spoken_digits, stocks


@pytest.fixture(scope="module")
def ctc():
    """A CTC model fitted for one epoch on six utterances of 8 features, its frames and truths."""
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(int(rng.integers(20, 30)), 8)).astype(np.float32) for _ in range(6)]
    digits = [(1, 2), (3,), (4, 5, 6), (7,), (8, 9), (0,)]
    return spoken_digits.fit_ctc(x, digits, hidden_size=4, max_epochs=1, seed=0, device="cpu"), x, digits


def test_A35_13_score_ctc_names_a_missing_value_in_ones_own_frames(ctc):
    model, x, digits = ctc
    holed = [a.copy() for a in x]
    holed[2][3, 1] = np.nan
    # before: the utterance's logits NaN, decoded as nothing (its prediction []), scored as three wrong digits
    with pytest.raises(ValueError, match=r"score_ctc: sequence 2 has nan at frame 3 \(feature 1"):
        spoken_digits.score_ctc(model, holed, digits)
    with pytest.raises(ValueError, match=r"score_ctc: sequence 0 has shape \(28, 6\).*\(T, 8\).*model's input"):
        spoken_digits.score_ctc(model, [a[:, :6] for a in x], digits)
    reference = spoken_digits.score_ctc(model, x, digits)
    # before: "x is torch.float64 but the SequenceToSequence's parameters are torch.float32", where fit_ctc took them
    assert spoken_digits.score_ctc(model, [a.astype(np.float64) for a in x], digits) == reference


def test_A35_14_fit_ctc_names_frames_it_cannot_read(ctc):
    _, x, digits = ctc
    # before: "sequence 1 has per-step shape (26,) but sequence 0 has (28,); all sequences in a batch need the
    # same feature shape" (channels first); IndexError: tuple index out of range (1-D)
    with pytest.raises(ValueError, match=r"fit_ctc: every sequence has 8 rows and the columns vary.*a\.T for a in"):
        spoken_digits.fit_ctc([a.T for a in x], digits, hidden_size=4, max_epochs=1, seed=0, device="cpu")
    with pytest.raises(ValueError, match=r"fit_ctc: sequence 0 has shape \(28,\).*a\.reshape\(-1, 1\)"):
        spoken_digits.fit_ctc([a[:, 0] for a in x], digits, hidden_size=4, max_epochs=1, seed=0, device="cpu")


def test_A35_15_qlike_of_returns_given_for_their_squares_is_refused():
    r = np.array([0.5, -1.2, 0.3, -0.1, 2.0])
    h = np.full(5, 1.0)
    # before: log h + r / h per day, a "loss" of the returns themselves (negative on the days that fell)
    with pytest.raises(ValueError, match=r"qlike: r2\[1\] is -1\.2, but r2 is each day's squared return, never "
                                         r"negative \(2 negative day\(s\) of 5: the returns themselves\?\); "
                                         r"give r \*\* 2"):
        stocks.qlike(r, h)
    np.testing.assert_allclose(stocks.qlike(r**2, h), r**2)


def test_A35_16_squared_returns_or_prices_given_as_returns_are_warned_of():
    import warnings

    from rnnkit.data import load_sp500

    close = load_sp500()["Close"].to_numpy()[:300]
    r = 100 * np.diff(np.log(close))
    # before: GARCH fitted to the squared returns (or to the prices: omega 28182, alpha 0.98), every day's
    # squared return read as a rise, without a word
    with pytest.warns(UserWarning, match=r"fit_garch: r_train holds no negative value over its 299 days .*squared "
                                         r"returns or prices.*100 \* np\.log\(close\)\.diff\(\)"):
        stocks.fit_garch(r**2)
    with pytest.warns(UserWarning, match=r"ewma_variance: r holds no negative value over its 300 days"):
        stocks.ewma_variance(close, 1.0)
    with pytest.warns(UserWarning, match=r"direction_accuracy: r holds no negative value.*warnings\.filterwarnings"):
        assert stocks.direction_accuracy(np.ones(299), r**2) > 0.99
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the returns themselves, and a few days that happen to rise: no word
        stocks.ewma_variance(r, 1.0)
        assert stocks.direction_accuracy(np.ones(5), np.abs(r[:5]) + 0.1) == 1.0
