"""Everything a user can cause at the command line ends as one line on stderr (what, where, how to fix it)
and exit status 2, and output paths are checked before any training or prediction runs."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import rnnkit.cli
from rnnkit.cli import main
from rnnkit.training import NonFiniteLossError

TRAIN = ["--task", "classify", "--time-column", "t", "--epochs", "1", "--hidden-size", "4"]


def _csv(path, n=12, seed=0, labels=("down", "up")):
    rng = np.random.default_rng(seed)
    rows = [{"id": f"s{i}", "t": t, "f1": rng.normal(), "f2": rng.normal(), "target": labels[i % len(labels)]}
            for i in range(n) for t in range(3)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A classifier trained on f1, f2 with the target column 'label'."""
    tmp = tmp_path_factory.mktemp("model")
    frame = pd.read_csv(_csv(tmp / "d.csv")).rename(columns={"target": "label"})
    frame.to_csv(tmp / "d.csv", index=False)
    assert main(["train", str(tmp / "d.csv"), *TRAIN, "--target-column", "label", "--out", str(tmp / "m")]) == 0
    return tmp / "m", tmp / "d.csv"


# -- arguments (A05) -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("flag,value,expected", [
    ("--test-fraction", "-0.5", "must be in [0, 1) (0 trains on every sequence), got -0.5"),
    ("--test-fraction", "1", "must be in [0, 1)"),
    ("--test-fraction", "nan", "must be in [0, 1)"),
    ("--epochs", "0", "must be >= 1, got 0"),
    ("--hidden-size", "0", "must be >= 1"),
    ("--batch-size", "-3", "must be >= 1"),
    ("--tbptt-steps", "0", "must be >= 1"),
    ("--lr", "0", "must be in (0, 3.40282e+38]"),  # the upper end float32's largest (C38-03)
    ("--dropout", "1", "must be in [0, 1)"),
    ("--seed", "-1", "must be >= 0"),
    ("--epochs", "2.5", "expected an integer, got '2.5'"),
])
def test_out_of_range_arguments_are_refused_before_anything_runs(tmp_path, cli_error, flag, value, expected):
    line = cli_error(["train", tmp_path / "missing.csv", *TRAIN, "--out", tmp_path / "m", flag, value])
    assert line.startswith("rnnkit train: error: argument " + flag) and expected in line
    assert "see rnnkit train --help" in line
    assert not (tmp_path / "m").exists()


# -- too little to train on (C10, C10b) ----------------------------------------------------------------------
def test_a_single_sequence_says_what_training_needs(tmp_path, cli_error):
    data = _csv(tmp_path / "one.csv", n=1)
    for fraction in ("0.2", "0"):  # following a hint to lower --test-fraction must not be the answer
        line = cli_error(["train", data, *TRAIN, "--test-fraction", fraction, "--out", tmp_path / "m"])
        assert "single sequence ('s0')" in line and "at least 2 sequences of at least 2 classes" in line
        assert "--test-fraction" not in line


def test_a_test_fraction_that_leaves_too_little_says_lower_it(tmp_path, cli_error):
    data = _csv(tmp_path / "d.csv", n=6)
    line = cli_error(["train", data, *TRAIN, "--test-fraction", "0.9", "--out", tmp_path / "m"])
    assert "holds out 5 of the 6 sequences, leaving 1" in line and "lower --test-fraction (0 trains on all 6)" in line
    single_class = _csv(tmp_path / "same.csv", n=6, labels=("a",))
    line = cli_error(["train", single_class, *TRAIN, "--out", tmp_path / "m"])
    assert "every sequence has the label 'a' in column 'target'" in line and "at least 2 classes" in line


# -- output paths, checked before training (T01-T03) or predicting (P19-P21) ----------------------------------
def _read_only(directory):
    """Make ``directory`` refuse new files even to root (chattr +i), or skip."""
    directory.mkdir()
    os.chmod(directory, 0o555)
    try:
        open(directory / "probe", "w").close()
    except OSError:
        return lambda: os.chmod(directory, 0o755)
    os.unlink(directory / "probe")
    if subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode != 0:
        os.chmod(directory, 0o755)
        pytest.skip("cannot make a read-only directory here (root without chattr)")
    return lambda: (subprocess.run(["chattr", "-i", str(directory)]), os.chmod(directory, 0o755))


def test_train_refuses_a_bad_out_before_training(tmp_path, cli_error, monkeypatch):
    data = _csv(tmp_path / "d.csv")
    trained = []
    monkeypatch.setattr("rnnkit.SequenceClassifier.fit", lambda *a, **k: trained.append(1))
    line = cli_error(["train", data, *TRAIN, "--out", data])  # T01: a file
    assert f"--out {data} is a file; give a directory" in line
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    line = cli_error(["train", data, *TRAIN, "--out", tmp_path / "mine"])  # T02: someone else's directory
    assert "is a non-empty directory that is not an rnnkit model; refusing to overwrite it" in line
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
    line = cli_error(["train", data, *TRAIN, "--out", data / "sub" / "m"])  # a file on the way
    assert f"{data} is a file, not a directory" in line
    restore = _read_only(tmp_path / "ro")
    try:
        line = cli_error(["train", data, *TRAIN, "--out", tmp_path / "ro" / "model"])  # T03
        assert f"--out {tmp_path / 'ro' / 'model'}: cannot create files in {tmp_path / 'ro'}" in line
    finally:
        restore()
    assert not trained and list((tmp_path / "ro").iterdir()) == []


def test_predict_refuses_a_bad_out_before_predicting(model, tmp_path, cli_error, monkeypatch):
    directory, data = model
    loaded = []
    monkeypatch.setattr(rnnkit.cli, "_read_table", lambda *a, **k: loaded.append(1))
    (tmp_path / "isdir").mkdir()
    line = cli_error(["predict", directory, data, "--out", tmp_path / "isdir"])  # P21
    assert f"--out {tmp_path / 'isdir'} is a directory; give a file path" in line
    line = cli_error(["predict", directory, data, "--out", data])
    assert "is the input file" in line
    restore = _read_only(tmp_path / "ro")
    try:
        line = cli_error(["predict", directory, data, "--out", tmp_path / "ro" / "p.csv"])  # P20
        assert f"cannot create files in {tmp_path / 'ro'}" in line
    finally:
        restore()
    assert not loaded and list((tmp_path / "ro").iterdir()) == []


def test_predict_creates_missing_parent_directories(model, tmp_path):
    directory, data = model  # P19: the documented result is that the parents are made
    assert main(["predict", str(directory), str(data), "--out", str(tmp_path / "a" / "b" / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "a" / "b" / "p.csv")) == 12


# -- errors raised while running ---------------------------------------------------------------------------
def test_library_and_os_errors_are_one_line(tmp_path, cli_error, monkeypatch):
    data = _csv(tmp_path / "d.csv")

    def diverge(*args, **kwargs):
        raise NonFiniteLossError("the training loss is NaN at step 3; lower --lr", step=3, checkpoint=None)

    monkeypatch.setattr("rnnkit.SequenceClassifier.fit", diverge)
    line = cli_error(["train", data, *TRAIN, "--out", tmp_path / "m"])
    assert line == "rnnkit train: error: the training loss is NaN at step 3; lower --lr"
    monkeypatch.undo()

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "d.csv"))

    monkeypatch.setattr("rnnkit.data.tables.read_sequences", denied)
    line = cli_error(["train", data, *TRAIN, "--out", tmp_path / "m"])
    assert line == f"rnnkit train: error: {tmp_path / 'd.csv'}: Permission denied"


def test_a_truncated_npz_is_one_line_from_a_fresh_process(tmp_path):
    np.savez(tmp_path / "d.npz", X=np.zeros((8, 5, 2)), y=np.arange(8) % 2)
    raw = (tmp_path / "d.npz").read_bytes()
    (tmp_path / "d.npz").write_bytes(raw[: len(raw) // 2])  # N13
    proc = subprocess.run([sys.executable, "-m", "rnnkit.cli", "train", "d.npz", "--task", "classify",
                           "--out", "m"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("rnnkit train: error: d.npz")


def test_predict_with_a_forecaster_is_refused(tmp_path, cli_error):
    from rnnkit import Forecaster

    y = pd.Series(np.sin(np.arange(40) / 3), index=pd.date_range("2024-01-01", periods=40, freq="D"))
    Forecaster(lookback=4, horizon=1, hidden_size=4, max_epochs=1, random_state=0).fit(y).save(tmp_path / "f")
    line = cli_error(["predict", tmp_path / "f", _csv(tmp_path / "d.csv")])
    assert "is a Forecaster" in line
