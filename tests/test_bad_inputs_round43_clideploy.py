"""Forty-third round: the command line and deployment as the last round left them and as a user's own files and
clients bring them: a per-step number given to `rnnkit train --task regress`, a length given in compare's
--task-params under another name, a request's step that names the model's features but one."""

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
