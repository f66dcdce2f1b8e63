"""Round 46 of bad inputs, the recipes (docs/bad_inputs.md, 'Forty-sixth round: the recipes ...')."""
import warnings

import numpy as np
import pytest

from rnnkit.apps import charlm, stocks


def _kneser_ney(order: int, vocab_size: int) -> charlm.KneserNey:
    return charlm.KneserNey(order, vocab_size).fit(np.random.default_rng(0).integers(0, vocab_size, 400))


def test_A46_01_kneser_ney_probs_of_one_flat_context_is_refused_not_cut_into_rows():
    kn = _kneser_ney(3, 2)
    # one context [1, 0] for the two symbols: was read as two contexts of one symbol each, without a word
    with pytest.raises(ValueError, match=r"KneserNey\.probs: context must be \(n, m\).*got shape \(2,\).*np\.tile"):
        kn.probs([1, 0], [0, 1])
    with pytest.raises(ValueError, match=r"KneserNey\.probs: context must be \(n, m\).*np\.tile"):
        _kneser_ney(3, 5).probs([1, 2], np.arange(5))  # was numpy's "cannot reshape array of size 2"


def test_A46_01_kneser_ney_probs_of_ids_outside_the_vocabulary_or_floats_are_refused():
    kn = _kneser_ney(3, 5)
    with pytest.raises(ValueError, match=r"KneserNey\.probs: symbols: ids\[0\] is 7, outside 0\.\.4"):
        kn.probs([[1, 2]], [7])  # was a probability of 0.499 for a symbol the model does not have
    with pytest.raises(ValueError, match=r"KneserNey\.probs: symbols: ids\[0\] is -1, outside 0\.\.4"):
        kn.probs([[1, 2]], [-1])
    with pytest.raises(ValueError, match=r"KneserNey\.probs: context: ids\[0, 1\] is 9, outside 0\.\.4"):
        kn.probs([[1, 9]], [3])
    with pytest.raises(ValueError, match=r"KneserNey\.probs: context: ids must be a 2-D array of integer.*float64"):
        kn.probs([[1.7, 2]], [3])  # was read as [[1, 2]]
    with pytest.raises(ValueError, match=r"KneserNey\.probs: symbols is one id, 3, .*give a 1-D array, \[3\]"):
        kn.probs([[1, 2]], 3)  # was "object of type 'int' has no len()"


def test_A46_01_kneser_ney_probs_of_a_context_longer_than_the_order_names_the_columns_to_give():
    kn = _kneser_ney(3, 5)
    with pytest.raises(ValueError, match=r"context holds 3 symbols a row, but a 3-gram model reads the last 2 .*"
                                         r"context\[:, -2:\]"):
        kn.probs([[1, 2, 3]], [3])  # was KeyError: 4
    with pytest.raises(ValueError, match=r"KneserNey\.probs: the model has not been fitted"):
        charlm.KneserNey(3, 5).probs([[1, 2]], [3])


def test_A46_01_kneser_ney_probs_of_proper_contexts_read_as_before():
    kn = _kneser_ney(3, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for m in range(3):
            p = kn.probs(np.tile(np.arange(m), (5, 1)).reshape(5, m), np.arange(5))
            assert p.sum() == pytest.approx(1.0, abs=1e-12)
        assert kn.bits(np.arange(5)) > 0


def _returns_and_forecast(scale: float):
    r = np.random.default_rng(0).standard_t(5, 600) * scale  # % (scale 1) or fractions (0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return r, stocks.ewma_variance(r, float(np.var(r[:50])))


def test_A46_02_qlike_of_a_forecast_in_fractions_beside_returns_in_percent_is_warned_of():
    r, _ = _returns_and_forecast(1.0)
    _, h_fractions = _returns_and_forecast(0.01)
    with pytest.warns(UserWarning, match=r"qlike: the squared returns r2 average .* times less, as a forecast in "
                                         r"another unit .*h \* 1e4"):
        stocks.qlike(r ** 2, h_fractions)  # a loss near 1e4 without a word before
    r_fractions, _ = _returns_and_forecast(0.01)
    _, h = _returns_and_forecast(1.0)
    with pytest.warns(UserWarning, match=r"qlike: the squared returns r2 average .* times more.*h / 1e4"):
        stocks.qlike(r_fractions ** 2, h)


def test_A46_02_qlike_of_forecasts_in_the_returns_unit_stays_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for scale in (1.0, 0.01):
            r, h = _returns_and_forecast(scale)
            stocks.qlike(r ** 2, h)
            stocks.qlike(r ** 2, 5 * h)  # a forecast a few times off is scored as it is
            stocks.qlike(r ** 2, h / 5)
        stocks.qlike(r[:10] ** 2, 1e4 * h[:10])  # too few days to tell


def test_A46_03_kneser_ney_of_too_short_a_text_or_too_high_an_order_names_itself_and_the_fix():
    with pytest.raises(ValueError, match=r"^KneserNey\.fit: ids hold 2 symbol\(s\), fewer than the 3 of one 3-gram.*"
                                         r"KneserNey\(2, 5\)"):
        charlm.KneserNey(3, 5).fit([1, 2])  # was "need at least 3 symbols to fit a 3-gram model"
    with pytest.raises(ValueError, match=r"^KneserNey: a 12-gram over 60 symbols does not fit a 64-bit key .*"
                                         r"give order=10 or less"):
        charlm.KneserNey(12, 60)
    assert charlm.KneserNey(10, 60).fit(np.arange(60)).bits(np.arange(20)) > 0  # the order named fits
