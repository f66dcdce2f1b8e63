"""The command line and the saving and training layers as a new user drives them, thirtieth round: a fit ended by
SIGTERM, --device cuda without a GPU, a model directory missing or cut short its weights, predict's arguments
swapped, a damaged checkpoint, and a --resume with other model options."""

import os
import shutil
import signal

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import cli_error, run_cli
from safetensors.torch import load_file
from test_bad_inputs_round28b_cli import _long

import rnnkit
from rnnkit.cli import main

QUICK = ["--task", "classify", "--hidden-size", "4", "--batch-size", "4", "--test-fraction", "0", "--seed", "0",
         "--cell", "gru", "--lr-schedule", "none", "--device", "cpu"]
# Lightning's note on a run resumed from a copy of the interrupted --out (its checkpoint names the first folder)
pytestmark = pytest.mark.filterwarnings("ignore:The dirpath has changed:UserWarning")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("r30") / "d.csv"
    _long().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model(data):
    """A classifier trained by the command line on a long CSV."""
    out = data.parent / "m"
    assert main(["train", str(data), "--time-column", "t", *QUICK, "--epochs", "1", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def interrupted(data):
    """`rnnkit train --epochs 3` sent SIGTERM at the end of its first epoch (as a scheduler's preemption, `timeout`
    or `docker stop` send it): its exit status, its stderr and its --out."""
    from rnnkit.training.module import SequenceModule

    out = data.parent / "interrupted"
    end = SequenceModule.on_train_epoch_end

    def terminated_after_first(self):
        end(self)
        if self.current_epoch == 0:
            os.kill(os.getpid(), signal.SIGTERM)  # Lightning's handler, registered during the fit, takes it

    mp = pytest.MonkeyPatch()
    mp.setattr(SequenceModule, "on_train_epoch_end", terminated_after_first)
    try:
        from rnnkit.cli import main as run

        try:
            status = run(["train", str(data), "--time-column", "t", *QUICK, "--epochs", "3", "--out", str(out)])
        except SystemExit as e:
            status = e.code
    finally:
        mp.undo()
    return status, out


def _copy(interrupted, tmp_path):
    status, out = interrupted
    shutil.copytree(out, tmp_path / "run")
    return tmp_path / "run"


def test_C30_01_a_fit_ended_by_sigterm_exits_as_terminated_and_resumes(interrupted, data, tmp_path, capsys):
    """SIGTERM during `rnnkit train` (a scheduler's time limit, `timeout`, `docker stop`) made Lightning raise its
    SIGTERMException, a SystemExit of no status: the command ended with exit status 0 and no word, as a finished
    one, leaving --out without a model. Now it ends with status 143 and one line with the --resume hint; the
    resumed run ends with the weights of an uninterrupted one."""
    status, out = interrupted
    assert status == 128 + signal.SIGTERM
    assert (out / "checkpoints" / "last.ckpt").is_file() and not (out / "config.json").exists()
    run = _copy(interrupted, tmp_path)
    assert main(["train", str(data), "--time-column", "t", *QUICK, "--epochs", "3", "--out", str(run),
                 "--resume"]) == 0
    whole = tmp_path / "whole"
    assert main(["train", str(data), "--time-column", "t", *QUICK, "--epochs", "3", "--out", str(whole)]) == 0
    a, b = load_file(run / "model.safetensors"), load_file(whole / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_C30_01_the_sigterm_line(data, tmp_path, capsys, monkeypatch):
    """The one line of a train ended by SIGTERM (Lightning's exception raised as in a fit that received one)."""
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    def fit(self, *args, **kwargs):
        from rnnkit.training.fit import _interrupts_as_such

        with _interrupts_as_such():
            raise SIGTERMException()

    monkeypatch.setattr(rnnkit.SequenceClassifier, "fit", fit)
    status, err = run_cli(["train", data, "--time-column", "t", *QUICK, "--epochs", "3", "--out",
                           tmp_path / "m"], capsys)
    # round 41 (C41-01): ended before any epoch wrote a checkpoint, so no --resume is offered and --out is removed
    assert (status, err) == (143, ["rnnkit train: terminated by SIGTERM during training before its first epoch "
                                   "ended, so no checkpoint was written and --out is left as it was; rerun the same "
                                   "command to start over"])
    assert not (tmp_path / "m").exists()


def test_C30_02_device_cuda_without_a_gpu_is_refused_before_the_data_in_flags(tmp_path, capsys, monkeypatch):
    """--device cuda where torch sees no GPU was refused in the Python API's words (`device='cuda' but torch sees no
    CUDA device; use device='cpu' or 'auto'`), after the whole file was read (train). Now refused first, in flags,
    with torch's reason."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    missing = tmp_path / "nope.csv"  # not read: the device is refused before the data
    for args in (["train", missing, "--task", "classify", "--out", tmp_path / "m"],
                 ["compare", "--task", "adding", "--out", tmp_path / "c"]):
        line = cli_error([*args, "--device", "cuda"], capsys)
        assert line.startswith(f"rnnkit {args[0]}: error: --device cuda: torch sees no CUDA device (")
        assert "; give --device cpu, or leave --device out (auto: the GPU when there is one, else the CPU), or " in line
    assert "nope.csv: no such file" in cli_error(["train", missing, "--task", "classify", "--out", tmp_path / "m",
                                                  "--device", "cpu"], capsys)


def test_C30_03_a_model_directory_without_or_with_cut_weights_is_named_so(model, data, tmp_path, capsys):
    """A model directory whose model.safetensors is missing (a copy of config.json alone) was `corrupt rnnkit model
    directory: cannot read model.safetensors ([Errno 2] No such file or directory: ...)`; one cut short (a copy
    stopped partway) was called of another model's config. Now each is named, as config.json's are."""
    gone = tmp_path / "gone"
    shutil.copytree(model, gone)
    (gone / "model.safetensors").unlink()
    expected = (f"{gone} is not a complete rnnkit model directory: it holds config.json but no model.safetensors, "
                "which save writes beside it (the weights); copy the model directory whole, never one of its files")
    assert cli_error(["predict", gone, data], capsys) == f"rnnkit predict: error: {expected}"
    with pytest.raises(ValueError) as e:
        rnnkit.load(gone)
    assert str(e.value) == expected
    cut = tmp_path / "cut"
    shutil.copytree(model, cut)
    whole = (cut / "model.safetensors").read_bytes()
    (cut / "model.safetensors").write_bytes(whole[: len(whole) - 100])
    assert cli_error(["predict", cut, data], capsys) == (
        f"rnnkit predict: error: {cut}: damaged rnnkit model directory: model.safetensors ends after "
        f"{len(whole) - 100} bytes, where its header describes at least {len(whole)}: cut short, as a copy or "
        "download stopped partway leaves it; copy the model directory whole again (or save the model again)")
    (cut / "model.safetensors").write_bytes(b"")
    assert "model.safetensors ends after 0 bytes" in cli_error(["evaluate", cut, data], capsys)


def test_C30_04_predict_and_evaluate_with_the_data_before_the_model_say_so(model, data, capsys):
    """`rnnkit predict d.csv m` (the data first) was `d.csv is not a directory; expected an rnnkit model directory
    written by save()`. Now the order is named, with the command in it."""
    for command in ("predict", "evaluate"):
        assert cli_error([command, data, model], capsys) == (
            f"rnnkit {command}: error: {data} is a file and {model} a model directory: rnnkit {command} takes the "
            f"model directory first, then the data: rnnkit {command} {model} {data}")


def test_C30_05_a_damaged_checkpoint_is_named_for_what_it_is(interrupted, data, tmp_path, capsys):
    """A checkpoint cut short (copied while written, or partway) was `cannot read the checkpoint (RuntimeError:
    PytorchStreamReader failed ... If you are seeing this error, there is a high likelihood that your checkpoint
    file is)`, cut mid-sentence; an empty one `(EOFError: )`. Now the file is named empty, cut short or foreign."""
    run = _copy(interrupted, tmp_path)
    ckpt = run / "checkpoints" / "last.ckpt"
    args = ["train", data, "--time-column", "t", *QUICK, "--epochs", "3", "--out", run, "--resume"]
    ckpt.write_bytes(ckpt.read_bytes()[:1000])
    assert cli_error(args, capsys) == (
        f"rnnkit train: error: {ckpt}: cannot read the checkpoint (it is cut short: 1000 bytes without the end of "
        "the zip archive torch.save writes, as a copy stopped partway leaves it); remove it to start over")
    ckpt.write_bytes(b"")
    assert cli_error(args, capsys).endswith(": cannot read the checkpoint (it is empty, 0 bytes); remove it to "
                                            "start over")
    ckpt.write_text("version https://git-lfs.github.com/spec/v1\n")
    assert cli_error(args, capsys).endswith(": cannot read the checkpoint (it is not a file torch.save writes (a zip "
                                            "archive): it starts with b'vers'); remove it to start over")


def test_C30_06_a_resume_with_other_model_options_names_the_flags(interrupted, data, tmp_path, capsys):
    """--resume with another --hidden-size, --lr or --bidirectional was refused in the estimator's words
    (`belongs to another run: hidden_size 4 then, 8 now`, `lr 'auto' then, 0.01 now`, `bidirectional 'auto'
    then, True now`: values the user never gave). Now the flags are named as for the data's (R25)."""
    run = _copy(interrupted, tmp_path)
    args = ["train", data, "--time-column", "t", *QUICK, "--epochs", "3", "--out", run, "--resume"]
    head = f"rnnkit train: error: --out {run} holds an unfinished run of rnnkit train with other data or options ("
    tail = (f"), so --resume cannot continue it; rerun with the data and options it was started with, or remove {run} "
            "to start over")
    changed = [a if a != "4" or args[i - 1] != "--hidden-size" else "8" for i, a in enumerate(args)]
    assert cli_error(changed, capsys) == f"{head}--hidden-size 4 then, 8 now{tail}"
    assert cli_error([*args, "--lr", "0.01"], capsys) == f"{head}--lr (not given) then, 0.01 now{tail}"
    assert cli_error([*args, "--no-bidirectional"], capsys) == \
        f"{head}--bidirectional (not given) then, false now{tail}"
    assert main([str(a) if a != "3" else "4" for a in args]) == 0  # --epochs may grow (no schedule spans them)


def test_C30_07_a_log_dir_under_the_home_directory_resumes_from_its_checkpoint(tmp_path, monkeypatch):
    """fit(resume=True) with log_dir='~/runs/a': Lightning's loggers and checkpoints went to the home directory, but
    the resume looked for the checkpoint in a folder named '~' of the working directory (which make_trainer also
    created, empty): the fit trained anew from the first epoch without a word. Now '~' is the home directory
    throughout, and the resume finds its checkpoint (here: refused for fewer epochs than it holds)."""
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "work")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 4, 2)).astype("float32"), np.array([0, 1] * 4)
    fit = lambda epochs, **kw: rnnkit.SequenceClassifier(hidden_size=4, batch_size=4, max_epochs=epochs,
                                                          lr_schedule=None, random_state=0,
                                                          log_dir="~/runs/a").fit(X, y, **kw)
    fit(2)
    checkpoint = tmp_path / "home" / "runs" / "a" / "checkpoints" / "last.ckpt"
    assert checkpoint.is_file()
    with pytest.raises(ValueError, match="holds a fit that has finished 2 epochs, more than max_epochs=1") as e:
        fit(1, resume=True)
    assert str(checkpoint) in str(e.value)
    assert not (tmp_path / "work" / "~").exists()


def test_C30_08_a_header_with_spaces_around_the_names_is_named_at_predict(model, data, tmp_path, capsys):
    """A CSV whose header writes ' id', ' t' (a space after each comma of the header only, as a hand edit leaves it)
    was told to have no id and time columns, listing the file's columns, the spaces hard to see. Now the spaces
    are named, with the conversion that strips them; the converted file predicts."""
    padded = tmp_path / "padded.csv"
    frame = pd.read_csv(data)
    frame.rename(columns={"id": " id", "t": " t"}).to_csv(padded, index=False)
    assert cli_error(["predict", model, padded], capsys) == (
        f"rnnkit predict: error: {padded}: the header writes [' id', ' t'] with spaces around the names, which are "
        f"part of a column's name, so the file has no id column 'id' and no time column 't', which {model} was "
        f"trained with (recorded in {model / 'config.json'}); strip them: pd.read_csv(path).rename(columns=str.strip)"
        ".to_csv(new_path, index=False)")
    fixed = tmp_path / "fixed.csv"
    pd.read_csv(padded).rename(columns=str.strip).to_csv(fixed, index=False)
    assert main(["predict", str(model), str(fixed), "--out", str(tmp_path / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == 8
