"""Thirty-sixth round: the command line, save/load and the training layer as a new user drives them: --out a
FIFO, a device or a pipe, and the review's cleanup of the one-cycle resume hint."""

import errno
import json
import os
import stat
import sys
import threading

import numpy as np
import pytest
from helpers import CLI_QUICK, cli_classifier, cli_error, long_csv, run_cli

import rnnkit


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A classifier trained by rnnkit train on 8 sequences, and its data."""
    return cli_classifier(tmp_path_factory.mktemp("model"))


def _reader(path, got: list) -> threading.Thread:
    """A thread that reads ``path`` (a FIFO's other end) to its end into ``got``."""
    def read():
        with open(path) as f:
            got.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@pytest.mark.filterwarnings("ignore:.*the file the model")
def test_C36_01_out_a_fifo_is_written_into_not_replaced_by_a_file(model, tmp_path, capsys):
    m, data = model
    fifo = tmp_path / "p.fifo"
    os.mkfifo(fifo)
    got: list = []
    reader = _reader(fifo, got)
    # was: "wrote 8 rows to p.fifo" and status 0, but the rows went to a regular file renamed over the FIFO (as root,
    # --out /dev/null put a file in place of the device), and the reader at its other end read nothing
    status, err = run_cli(["predict", m, data, "--out", fifo], capsys)
    reader.join(timeout=20)
    assert status == 0, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode), "the FIFO was replaced"
    assert got and got[0].splitlines()[0] == "id,prediction,proba_0,proba_1"
    assert len(got[0].splitlines()) == 9
    assert err == [f"wrote 8 rows to {fifo}"]  # on stderr, out of the data's way (--out /dev/stdout)
    got.clear()
    reader = _reader(fifo, got)
    status, err = run_cli(["evaluate", m, data, "--out", fifo], capsys)
    reader.join(timeout=20)
    assert status == 0, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and json.loads(got[0])["n"] == 8


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="no /dev/fd")
def test_C36_02_out_a_pipe_is_written_into(model, capsys):
    m, data = model
    r, w = os.pipe()
    try:
        # was: "--out /proc/123/fd/pipe:[456]: cannot create files in /proc/123/fd (No such file or directory);
        # choose another location or make it writable": a path never given (--out >(gzip > p.csv.gz), /dev/stdout
        # into a pipe)
        status, err = run_cli(["predict", m, data, "--out", f"/dev/fd/{w}"], capsys)
    finally:
        os.close(w)
    with os.fdopen(r) as f:
        text = f.read()
    assert status == 0, err
    assert text.splitlines()[0] == "id,prediction,proba_0,proba_1" and len(text.splitlines()) == 9


def test_C36_03_a_model_directory_packed_as_a_tarball_says_unpack_it(model, tmp_path, capsys):
    import tarfile

    m, data = model
    for name, mode in (("m.tar.gz", "w:gz"), ("m.tar", "w"), ("m.tar.xz", "w:xz")):
        with tarfile.open(tmp_path / name, mode) as tar:
            tar.add(m, arcname="m")
        # was: "m.tar.gz is not a directory; expected an rnnkit model directory written by save()" (a zip was named)
        said = cli_error(["predict", tmp_path / name, data], capsys)
        assert f"{tmp_path / name} is not a directory; expected an rnnkit model directory written by save(): it is " \
               f"a tar archive; unpack it first (shutil.unpack_archive({str(tmp_path / name)!r}, 'model'))" in said
    said = cli_error(["predict", data, data], capsys)
    # a CSV is no archive
    assert "is a data file (.csv), not an rnnkit model directory" in said and "a tar archive" not in said


class _Full:
    """Standard output on a full disk (> FILE, /dev/full): every write fails."""

    def write(self, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        pass


@pytest.mark.filterwarnings("ignore:.*the file the model")
def test_C36_04_standard_output_that_cannot_be_written_is_said_and_fails(model, tmp_path, capsys, monkeypatch):
    m, data = model
    said = "cannot write standard output: no space left on device (the disk that holds it is full), so what the " \
           "command prints was lost"
    monkeypatch.setattr(sys, "stdout", _Full())
    # was: status 0 (argparse passes over the help's error of writing), nothing written
    status, err = run_cli(["train", "--help"], capsys)
    assert status == 2 and len(err) == 1 and said in err[0], (status, err)
    # was: "rnnkit predict: error: No space left on device", naming nothing
    status, err = run_cli(["predict", m, data], capsys)
    assert status == 2 and err == [f"rnnkit predict: error: {said}; send it elsewhere (> FILE on a disk with space), "
                                   "or give --out FILE where the command takes it"], err
    # was: "--out ev.json: no space left on device (…), so it was not written": it was, and standard output was full
    # (evaluate --out writes the file, then prints its JSON on standard output)
    status, err = run_cli(["evaluate", m, data, "--out", tmp_path / "ev.json"], capsys)
    assert status == 2 and len(err) == 1 and said in err[0] and "ev.json" not in err[0], err
    assert json.loads((tmp_path / "ev.json").read_text())["n"] == 8


def test_the_one_cycle_hint_only_where_the_schedules_epochs_alone_differ(tmp_path, capsys, monkeypatch):
    """The review's cleanup (a pin, not a row): the hint is read from what the refusal found different, and shown
    only where the schedule's epochs are all that differ, not for a run that differs in another option too."""
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    args = ["train", data, "--task", "classify", *CLI_QUICK, "--lr-schedule", "onecycle", "--test-fraction", "0",
            "--out", tmp_path / "m"]

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(rnnkit.io, "write_directory_atomically", interrupted)
        assert run_cli([*args, "--epochs", "2"], capsys)[0] == 130
    record = tmp_path / "m" / "training.json"  # a record written before runs recorded their options
    record.write_text(json.dumps({k: v for k, v in json.loads(record.read_text()).items() if k != "options"}))
    said = cli_error([*args, "--hidden-size", "8", "--resume"], capsys)  # another size, --epochs not given
    assert "hidden_size 4 then, 8 now" in said and "one-cycle" not in said, said
    said = cli_error([*args, "--epochs", "3", "--resume"], capsys)  # the schedule's epochs alone
    assert "one-cycle learning-rate schedule spans its 2 epochs, and --epochs 3 would stretch or cut it" in said


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout")
def test_C36_05_out_dev_stdout_appended_to_a_log_keeps_the_log(model, tmp_path, capsys):
    m, data = model
    log = tmp_path / "log.txt"
    log.write_text("earlier lines\n")
    kept = os.dup(1)
    with open(log, "a") as f:  # rnnkit predict … --out /dev/stdout >> log.txt
        os.dup2(f.fileno(), 1)
        try:
            status, err = run_cli(["predict", m, data, "--out", "/dev/stdout"], capsys)
        finally:
            os.dup2(kept, 1)
            os.close(kept)
    assert status == 0, err
    # was: the log replaced by the predictions (a file renamed over the one /dev/stdout led to), its lines lost
    lines = log.read_text().splitlines()
    assert lines[:2] == ["earlier lines", "id,prediction,proba_0,proba_1"] and len(lines) == 10, lines


def test_C36_06_device_names_of_torch_and_lightning_say_which_flag_to_give(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    train = ["train", data, "--task", "classify", "--out", tmp_path / "m", "--device"]
    # was: "argument --device: invalid choice: 'cuda:1' (choose from 'auto', 'cpu', 'cuda')": no way to pick the GPU
    for device, hint in (("cuda:1", "rnnkit takes no device index: pass --device cuda, with CUDA_VISIBLE_DEVICES=1 "
                                    "for that GPU"),
                         ("gpu", "'gpu' is Lightning's accelerator name: pass --device cuda"),
                         ("CPU", "pass --device cpu"),
                         ("mps", "rnnkit trains on the CPU or on CUDA GPUs, not on 'mps': pass --device cpu")):
        said = cli_error([*train, device], capsys)
        assert f"argument --device: invalid choice: {device!r} (choose from auto, cpu, cuda); {hint}" in said, said
    said = cli_error(["forecast", data, "--out", tmp_path / "f", "--device", "cuda:0"], capsys)
    assert "CUDA_VISIBLE_DEVICES=0" in said, said
