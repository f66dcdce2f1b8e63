"""Forty-third round, the estimators and the comparison (E43-xx): each test fails on the commit before its fix."""

import numpy as np
import pytest
import torch

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def _y(n=12):
    return np.array([0, 1] * (n // 2))


def test_E43_01_patience_of_zero_or_below_says_the_count_meant():
    # before: "early_stopping_patience must be an integer >= 1 or None, got 0" and nothing more
    with pytest.raises(ValueError, match=r"got 0; .*1 stops at the first such epoch \(as Keras' patience=0 does\): "
                                         r"pass early_stopping_patience=1, or None"):
        SequenceClassifier(**{**TINY, "early_stopping_patience": 0}).fit(_x(), _y())
    for bad in (-1, True):
        with pytest.raises(ValueError, match=rf"got {bad}; it counts the epochs .*early_stopping_patience=5, or None "
                                             r"to train every epoch"):
            SequenceRegressor(**{**TINY, "early_stopping_patience": bad}).fit(_x(), np.arange(12.0))


@pytest.mark.parametrize("seed, fix", [
    (1.0, r"got 1\.0 \(a float\); pass random_state=1, an int"),
    (np.float64(3), r"\(a float\); pass random_state=3, an int"),
    ("42", r"got '42' \(text\); pass random_state=42, an int \(int\(text\)"),
    (1.5, r"got 1\.5; give an int seed, e.g\. random_state=0"),
    (-1, r"got -1, outside numpy's seeds; pass random_state=4294967295 \(the seed modulo 2\*\*32\)"),
])
def test_E43_02_random_state_of_another_type_says_the_int_to_pass(seed, fix):
    # before: "... got 1.0 (1.0 cannot be used to seed a numpy.random.RandomState instance)", numpy's words only
    with pytest.raises(ValueError, match=r"SequenceClassifier\.fit: random_state must be None, an int .*" + fix):
        SequenceClassifier(**{**TINY, "random_state": seed}).fit(_x(), _y())


def test_E43_02_a_torch_generator_as_random_state_says_its_seed():
    with pytest.raises(ValueError, match=r"\(a torch Generator\); give an int seed, e\.g\. random_state=0, or its own: "
                                         r"random_state=gen\.initial_seed\(\) % 2\*\*32"):
        SequenceClassifier(**{**TINY, "random_state": torch.Generator()}).fit(_x(), _y())


def test_E43_03_parameters_of_no_number_say_what_to_pass():
    # before: "lr must be a finite number > 0, got 'fast'" / "hidden_size must be ... got 4.5" and nothing more
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got 'fast'; pass lr='auto' \(a rate chosen "
                                         r"from the data\) or a number, e\.g\. lr=0\.001"):
        SequenceClassifier(**{**TINY, "lr": "fast"}).fit(_x(), _y())
    with pytest.raises(ValueError, match=r"got 'fast'; pass a number, e\.g\. lr=0\.001"):
        SequenceTagger(**{**TINY, "lr": "fast"}).fit(_x(), np.zeros((12, 6), int))
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1 or 'auto', got 4\.5; pass an int, "
                                         r"hidden_size=4 or hidden_size=5, or leave hidden_size='auto'"):
        SequenceRegressor(**{**TINY, "hidden_size": 4.5}).fit(_x(), np.arange(12.0))
    with pytest.raises(ValueError, match=r"max_epochs must be .*got 'many'; pass an int >= 1 \(e\.g\. max_epochs=2\), "
                                         r"or leave max_epochs='auto'"):
        SequenceClassifier(**{**TINY, "max_epochs": "many"}).fit(_x(), _y())
