"""Forty-third round: the command line and deployment as the last round left them and as a user's own files and
clients bring them: a per-step number given to `rnnkit train --task regress`, a length given in compare's
--task-params under another name, a request's step that names the model's features but one."""

import json

import numpy as np
import pandas as pd
import pytest
from helpers import cli_error


def _per_step_csv(path, whole=False):
    """12 sequences of 4 steps (id, t, f1, f2) and a target that changes at every step (numbers, or counts)."""
    rng = np.random.default_rng(0)
    n, steps = 12, 4
    target = rng.integers(0, 5, n * steps) if whole else rng.normal(size=n * steps).round(3)
    pd.DataFrame({"id": np.repeat(np.arange(n), steps), "t": np.tile(np.arange(steps), n),
                  "f1": rng.normal(size=n * steps).round(3), "f2": rng.normal(size=n * steps).round(3),
                  "target": target}).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("whole", [False, True])
def test_C43_01_train_regress_of_a_per_step_target_is_not_sent_to_the_tagger(tmp_path, capsys, whole):
    data = _per_step_csv(tmp_path / "d.csv", whole)
    err = cli_error(["train", data, "--task", "regress", "--id-column", "id", "--time-column", "t",
                     "--target-column", "target", "--out", tmp_path / "m", "--epochs", "1"], capsys)
    # was: "... a per-sequence target must be constant (use --task tag for per-step labels)": a classifier of
    # steps, which refuses the numbers in turn
    assert "use --task tag" not in err, err
    assert "has several values in 'target'" in err and "--task regress predicts one number per sequence" in err
    assert "no task for a number at every step" in err and "SequenceModule(task='regression')" in err, err
    assert not (tmp_path / "m").exists()


def test_C43_01_train_classify_of_a_per_step_label_keeps_the_tagger_hint(tmp_path, capsys):
    data = _per_step_csv(tmp_path / "d.csv", whole=True)
    err = cli_error(["train", data, "--task", "classify", "--id-column", "id", "--time-column", "t",
                     "--target-column", "target", "--out", tmp_path / "m", "--epochs", "1"], capsys)
    assert err.endswith("(use --task tag for per-step labels)"), err


@pytest.mark.parametrize("params, flag", [('{"length": 5}', "--length 5"), ('{"seq_len": [5, 10]}', "--length 5,10"),
                                          ('{"Sequence-Length": 8, "n_train": 40}', "--length 8")])
def test_C43_02_a_length_in_compare_task_params_is_pointed_to_length(tmp_path, capsys, params, flag):
    key, value = next(iter(json.loads(params).items()))
    err = cli_error(["compare", "--task-params", params, "--out", tmp_path / "c"], capsys)
    # was: "task 'adding' has no option(s) ['length'] (task_params); its options are ['n_train', 'n_val',
    # 'n_test'] (T is set by lengths, seed by first_seed)": compare's Python names, not the flag
    assert err == (f"rnnkit compare: error: --task-params sets {key!r} ({value!r}), a sequence length, "
                   f"which task 'adding' takes from --length; pass {flag} and leave {key!r} out of --task-params"), err
    assert not (tmp_path / "c").exists()


def test_C43_02_a_length_for_a_task_of_one_length_is_told_to_leave_it_out(tmp_path, capsys):
    err = cli_error(["compare", "--task", "digits", "--task-params", '{"length": 5}', "--out", tmp_path / "c"],
                    capsys)
    assert "task 'digits' has sequences of one fixed length; leave 'length' out (the tasks with a length: " in err
    assert "adding" in err, err
