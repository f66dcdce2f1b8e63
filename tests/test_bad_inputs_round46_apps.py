"""Round 46 of bad inputs, the recipes (docs/bad_inputs.md, 'Forty-sixth round: the recipes ...')."""
import warnings

import numpy as np
import pytest

from rnnkit.apps import charlm


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
