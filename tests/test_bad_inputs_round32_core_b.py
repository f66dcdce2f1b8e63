"""Round 32, second pass, core: the tasks' generators given seeds as a student writes them (docs/bad_inputs.md,
K32-07)."""

import numpy as np
import pytest

from rnnkit.tasks import adding_problem, adding_task, copy_memory, copy_task, digit_sequences, permuted_digits_task

SMALL = {"T": 4, "n_train": 2, "n_val": 2, "n_test": 2}


def test_K32_07_a_task_seed_that_is_a_bool_or_none_is_refused_not_read_as_seed_1_or_fresh_entropy():
    # before: numpy read True as seed 1 (the task recorded seed=True) and None as fresh entropy, a new task on every
    # call; get_task refused both, the builders themselves did not
    with pytest.raises(ValueError, match=r"^adding_task: seed must be an integer >= 0 \(a bool is no seed: True "
                                         r"would be read as seed=1\), got True$"):
        adding_task(seed=True, **SMALL)
    with pytest.raises(ValueError, match=r"^copy_task: seed=None would draw a new, unrepeatable task on every call; "
                                         r"give an integer >= 0"):
        copy_task(seed=None, length=1, **SMALL)
    with pytest.raises(ValueError, match=r"^digit_sequences: permutation_seed must be an integer >= 0 \(a bool is "
                                         r"no seed"):
        permuted_digits_task(permutation_seed=True)
    with pytest.raises(ValueError, match=r"^permuted_digits_task: permutation_seed=None would read the pixels "
                                         r"unpermuted"):
        permuted_digits_task(permutation_seed=None)
    with pytest.raises(ValueError, match=r"^adding_problem: rng must be a numpy Generator, an integer seed >= 0 or "
                                         r"None \(a bool is no seed"):
        adding_problem(3, 4, rng=True)
    with pytest.raises(ValueError, match=r"^copy_memory: rng must be .*, got -1$"):
        copy_memory(3, 4, rng=-1)
    # integers of numpy, SeedSequences and Generators are read as before; the permutation is one for all images
    assert adding_task(seed=np.int64(3), **SMALL).params["seed"] == 3
    np.testing.assert_array_equal(adding_problem(2, 4, rng=np.random.SeedSequence(1))[1],
                                  adding_problem(2, 4, rng=np.random.default_rng(np.random.SeedSequence(1)))[1])
    by_pixel, _ = digit_sequences(by="pixel")
    permuted, _ = digit_sequences(by="pixel", permutation_seed=np.int64(2))
    order = np.random.default_rng(2).permutation(64)
    np.testing.assert_array_equal(permuted, by_pixel[:, order])
