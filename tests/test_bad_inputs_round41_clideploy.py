"""Forty-first round: the command line and deployment as the last round left them and as a user's own files and
clients bring them: Ctrl-C in a training's first epoch, a model folder moved between `train` and `--resume`, ..."""

import json
import warnings

import numpy as np
import pytest
from helpers import long_csv, run_cli


@pytest.fixture
def interrupt_at(monkeypatch):
    """Ctrl-C at the first batch of the given epoch of the next fit (as the key pressed then raises it)."""
    import lightning.pytorch as L

    import rnnkit.training.trainer as trainer

    at = {"epoch": None}

    class CtrlC(L.Callback):
        def on_train_batch_start(self, trainer, *args):
            if trainer.current_epoch == at["epoch"]:
                raise KeyboardInterrupt

    made = trainer.make_trainer

    def make(*args, **kwargs):
        t = made(*args, **kwargs)
        t.callbacks.append(CtrlC())
        return t

    monkeypatch.setattr(trainer, "make_trainer", make)
    return at


def _train_args(tmp_path, out):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    return ["train", data, "--task", "classify", "--time-column", "t", "--hidden-size", "4", "--cell", "gru",
            "--device", "cpu", "--epochs", "2", "--lr-schedule", "none", "--batch-size", "4", "--out", out]


def test_C41_01_ctrl_c_in_the_first_epoch_says_there_is_nothing_to_resume(tmp_path, capsys, interrupt_at):
    out = tmp_path / "m"
    interrupt_at["epoch"] = 0
    status, err = run_cli(_train_args(tmp_path, out), capsys)
    assert status == 130, err
    # was: "interrupted (rerun with --resume to continue from the last finished epoch)", with no epoch finished,
    # and --out left holding training.json and the logs' folders
    assert err[-1] == ("rnnkit train: interrupted before its first epoch ended, so no checkpoint was written and "
                       "--out is left as it was; rerun the same command to start over"), err
    assert not out.exists()
    # a directory there before keeps what it held, and nothing more
    out.mkdir()
    status, err = run_cli(_train_args(tmp_path, out), capsys)
    assert status == 130 and "rerun the same command to start over" in err[-1], err
    assert list(out.iterdir()) == []


def _contents(directory) -> dict[str, bytes | None]:
    """Every path under ``directory``, with a file's bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() if p.is_file() else None for p in directory.rglob("*")}


def test_C41_01_ctrl_c_in_the_first_epoch_leaves_an_earlier_run_or_model_as_it_was(tmp_path, capsys, interrupt_at):
    from rnnkit.io import FORMAT

    # a run killed in its first epoch before (kill -9: its record and its logs' folders), started again with
    # other options and stopped by Ctrl-C: its record keeps its bytes and no log folder is added inside its own
    out = tmp_path / "m"
    (out / "tensorboard" / "version_0").mkdir(parents=True)
    (out / "csv" / "version_0").mkdir(parents=True)
    (out / "csv" / "version_0" / "metrics.csv").write_text("epoch,loss\n")
    (out / "training.json").write_text(json.dumps({"format": f"{FORMAT}.training", "hidden_size": 9}))
    held = _contents(out)
    interrupt_at["epoch"] = 0
    status, err = run_cli(_train_args(tmp_path, out), capsys)
    assert status == 130 and "--out is left as it was" in err[-1], err
    assert _contents(out) == held
    # a finished model there, trained anew with other options and stopped in the first epoch: kept whole
    interrupt_at["epoch"] = None
    model = tmp_path / "model"
    assert run_cli(_train_args(tmp_path, model), capsys)[0] == 0
    held = _contents(model)
    interrupt_at["epoch"] = 0
    args = _train_args(tmp_path, model)
    args[args.index("--hidden-size") + 1] = "5"
    status, err = run_cli(args, capsys)
    assert status == 130 and "--out is left as it was" in err[-1], err
    assert _contents(model) == held


def test_C41_01_ctrl_c_after_an_epoch_still_points_to_resume(tmp_path, capsys, interrupt_at):
    out = tmp_path / "m"
    interrupt_at["epoch"] = 1
    status, err = run_cli(_train_args(tmp_path, out), capsys)
    assert status == 130, err
    assert err[-1] == "rnnkit train: interrupted (rerun with --resume to continue from the last finished epoch)"
    assert (out / "checkpoints" / "last.ckpt").is_file()



def test_C41_01_ctrl_c_in_a_resumed_runs_first_epoch_keeps_the_checkpoint(tmp_path, capsys, interrupt_at):
    out = tmp_path / "m"
    args = _train_args(tmp_path, out)
    args[args.index("--epochs") + 1] = "3"
    interrupt_at["epoch"] = 1
    assert run_cli(args, capsys)[0] == 130
    held = _contents(out)
    status, err = run_cli([*args, "--resume"], capsys)  # stopped again before its first epoch ends
    assert status == 130 and err[-1].endswith("(rerun with --resume to continue from the last finished epoch)"), err
    now = _contents(out)
    assert {k: v for k, v in now.items() if k in held} == held  # the run being continued: nothing of it gone

def test_C41_02_a_run_folder_moved_before_resume_continues_without_lightnings_words(tmp_path, capsys, interrupt_at):
    interrupt_at["epoch"] = 1
    status, err = run_cli(_train_args(tmp_path, tmp_path / "m"), capsys)
    assert status == 130, err
    (tmp_path / "m").rename(tmp_path / "moved")
    interrupt_at["epoch"] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, err = run_cli([*_train_args(tmp_path, tmp_path / "moved"), "--resume"], capsys)
    assert status == 0, err
    # was: "rnnkit: warning: The dirpath has changed from '.../m/checkpoints' to '.../moved/checkpoints', therefore
    # `best_model_score`, `kth_best_model_path`, `kth_value`, `last_model_path` and `best_k_models` won't be
    # reloaded. Only `best_model_path` will be reloaded."
    said = err + [str(w.message) for w in caught]
    assert not any("dirpath has changed" in line for line in said), said
    assert (tmp_path / "moved" / "model.safetensors").is_file()


def _request_refusal(body: dict, n_features: int = 3, **kwargs) -> str:
    import json

    from rnnkit.deploy.server import Limits, RequestError, parse_request

    with pytest.raises(RequestError) as caught:
        parse_request(json.dumps(body).encode(), n_features, Limits(), **kwargs)
    return str(caught.value)


def test_S41_01_a_request_of_another_feature_count_is_told_the_fix():
    # was: "sequence 0, step 0 has 4 features; the model reads 3", nothing more
    more = _request_refusal({"sequences": [[[0, 1.5, 2.5, 3.5], [1, 1.0, 2.0, 3.0]]]})
    assert more == ("sequence 0, step 0 has 4 features; the model reads 3; give each step the 3 features the model was "
                    "fitted on alone (in the order of fit): an id, time or index column left in (a table's whole "
                    "rows)? select the feature columns"), more
    fewer = _request_refusal({"sequences": [[[1.5, 2.5], [1.0, 2.0]]]})
    assert fewer.endswith("; give each step all 3 features the model was fitted on (in the order of fit): a column "
                          "left out?"), fewer
    # one step short of the others: that step's value left out, not a column
    ragged = _request_refusal({"sequences": [[[1.5, 2.5, 3.5], [1.0, 2.0]]]})
    assert ragged.endswith("; its step 0 has all 3: a value left out of step 1? give every step all 3 features"), ragged
    # a model with names keeps saying them (GET /model)
    named = _request_refusal({"sequences": [[[1.5, 2.5]]]}, names=["a", "b", "c"])
    assert "the model reads 3: ['a', 'b', 'c'] (GET /model), in that order; give each step all 3" in named, named



def test_S41_01_a_step_longer_than_its_step_0_or_of_whole_steps_is_not_told_a_value_left_out():
    # a step with a value too many among whole steps: not "a value left out", not a column
    longer = _request_refusal({"sequences": [[[1.5, 2.5, 3.5], [1.0, 2.0, 3.0, 4.0]]]})
    assert longer.endswith("; its step 0 has 3: a value too many in step 1? give every step the 3 features alone"), \
        longer
    # an empty step among whole ones is told empty
    empty = _request_refusal({"sequences": [[[1.5, 2.5, 3.5], []]]})
    assert "an empty step holds none" in empty and "left out" not in empty, empty
    # two steps' values in one list: told so before the id column
    flat = _request_refusal({"sequences": [[[1.5, 2.5, 3.5, 1.0, 2.0, 3.0]]]})
    assert "reads 3; give each step the 3 features the model was fitted on alone (in the order of fit): 2 steps' " \
           "values in one (a flattened sequence)? give one step's 3 at a time; or an id, time" in flat, flat

@pytest.fixture(scope="module")
def streamer():
    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.streaming import Streamer

    return Streamer(deploy_classifier(*deploy_data()))


def test_S41_02_a_stream_step_of_another_feature_count_is_told_the_fix(streamer):
    with pytest.raises(ValueError) as caught:
        streamer.step("a", np.array([7.0, 0.1, 0.2, 0.3]))
    # was: "Streamer: the observation of stream 'a' has 4 values; the model reads 3 features per step", nothing more
    assert str(caught.value).endswith("has 4 values; the model reads 3 features per step; give each step the 3 "
                                      "features the model was fitted on alone (in the order of fit): an id, time or "
                                      "index column left in (a table's whole rows)? select the feature columns")
    with pytest.raises(ValueError, match=r"2 values; the model reads 3 features per step; give each step all 3 "
                                         r"features the model was fitted on \(in the order of fit\): a column left"):
        streamer.step("a", [0.1, 0.2])
    # several steps at once keep their own words
    with pytest.raises(ValueError, match=r"shape \(5, 3\), 5 steps\?"):
        streamer.step("a", np.ones((5, 3)))
    assert streamer.streams == []


def test_S41_02_a_stream_of_a_model_with_feature_names_is_told_them():
    import pandas as pd
    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.streaming import Streamer

    X, y = deploy_data()
    streamer = Streamer(deploy_classifier([pd.DataFrame(x, columns=["a", "b", "c"]) for x in X], y))
    with pytest.raises(ValueError, match=r"has 2 values; the model reads 3 features per step; give each step all 3 "
                                         r"features the model was fitted on \(\['a', 'b', 'c'\], in that order\)"):
        streamer.step("s", [0.1, 0.2])
