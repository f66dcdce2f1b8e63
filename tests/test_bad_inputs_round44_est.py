"""Forty-fourth round, the estimators, the tasks and the comparison (E44-xx): each test fails on the commit before
its fix."""

import numpy as np
import pytest

from rnnkit.compare import compare

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def _y(n=12):
    return np.array([0, 1] * (n // 2))


def test_E44_01_compare_lr_of_no_number_says_the_number_to_give():
    # before: "compare: lr must be a finite number > 0, got 'fast'" and nothing more
    with pytest.raises(ValueError, match=r"got 'fast'; pass a number, e\.g\. lr=0\.003 \(compare's default; "
                                         r"rnnkit compare --lr\)"):
        compare("adding", lr="fast", lengths=[10], seeds=1, steps=2, log=None)
    with pytest.raises(ValueError, match=r"got '0\.01' \(text\); pass lr=0\.01, a number"):
        compare("adding", lr="0.01", lengths=[10], seeds=1, steps=2, log=None)
    with pytest.raises(ValueError, match=r"got None; pass a number, e\.g\. lr=0\.003"):
        compare("adding", lr=None, lengths=[10], seeds=1, steps=2, log=None)
