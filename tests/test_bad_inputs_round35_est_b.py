"""Round 35 (second pass), the estimators' area: a Task of one's own data whose splits are one and the same, and a
chance level given as a percentage (rows E35-13 ... of docs/bad_inputs.md)."""

import warnings

import numpy as np
import pytest

import rnnkit.compare
from rnnkit.tasks import Split, Task, get_task


def _split(n, rng):
    return Split(rng.normal(size=(n, 6, 2)).astype(np.float32), rng.integers(0, 2, n))


def test_E35_13_a_task_whose_test_or_val_split_is_its_train_split_is_warned_of():
    # before: built and compared without a word: the test metric scored the training data (a model that memorised
    # its 16 sequences "succeeded"), the learning curves read the training loss
    rng = np.random.default_rng(7)
    train, other = _split(16, rng), _split(8, rng)
    with pytest.warns(UserWarning, match=r"Task 'mine': the test split holds the same sequences and targets as the "
                                         r"train split, so its test metric scores the data the models are trained "
                                         r"on .*train_test_split"):
        Task("mine", "classify", train, other, train, output_size=2, metric="accuracy", chance=0.5, chance_note="")
    with pytest.warns(UserWarning, match=r"the val split holds the same sequences and targets as the train split, so "
                                         r"its validation loss \(the learning curves\) reads"):
        Task("mine", "classify", train, Split(train.X.copy(), train.y.copy()), other, output_size=2,
             metric="accuracy", chance=0.5, chance_note="")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Task("mine", "classify", train, other, _split(8, rng), output_size=2, metric="accuracy", chance=0.5,
             chance_note="")
        for name in ("adding", "digits"):
            get_task(name)


def test_E35_14_a_chance_accuracy_given_as_a_percentage_is_refused():
    # before: chance=50 set the success bar at 50 + 0.9 * (1 - 50) = 5.9, an accuracy no run reaches: each run of
    # compare counted as a failure, and the report said "chance 50"
    rng = np.random.default_rng(8)
    splits = [_split(n, rng) for n in (16, 8, 8)]
    with pytest.raises(ValueError, match=r"Task 'mine': chance=50, but the accuracy of the chance-level baseline is "
                                         r"a fraction in \[0, 1\]; a percentage\? pass 0.5"):
        Task("mine", "classify", *splits, output_size=2, metric="accuracy", chance=50, chance_note="")
    with pytest.raises(ValueError, match=r"chance=-0.2, but the cross_entropy of the chance-level baseline is a "
                                         r"number >= 0"):
        Task("mine", "classify", *splits, output_size=2, metric="cross_entropy", chance=-0.2, chance_note="")
    task = Task("mine", "classify", *splits, output_size=2, metric="accuracy", chance=0.5, chance_note="")
    assert rnnkit.compare.success_bar(task)[0] == pytest.approx(0.95)
