"""Nothing lost to a crash: `rnnkit train` checkpoints every epoch inside --out and `--resume` continues after
a real `kill -9` to the same final weights; the estimators and the Forecaster resume from their log_dir; two
trainings into one --out at once: the second is refused."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import safetensors.torch
import torch

from rnnkit import Forecaster, SequenceClassifier
from rnnkit.cli import main
from rnnkit.training.trainer import CHECKPOINT

# One thread: the resumed and the uninterrupted run must do the same float operations in the same order.
ENV = os.environ | {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _data(path, n=24, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = "up" if i % 2 else "down"
        for t in range(4 + i % 3):
            rows.append({"id": f"s{i}", "t": t, "f1": rng.normal(1.0 if i % 2 else -1.0), "f2": rng.normal(),
                         "target": label})
    pd.DataFrame(rows).to_csv(path, index=False)


def _train_args(data, out, epochs, *extra):
    # two layers with dropout between them: the dropout masks must resume too
    return [sys.executable, "-m", "rnnkit.cli", "train", str(data), "--task", "classify", "--time-column", "t",
            "--epochs", str(epochs), "--hidden-size", "8", "--num-layers", "2", "--dropout", "0.3",
            "--batch-size", "8", "--seed", "3", "--out", str(out), *extra]


def _weights(model_dir):
    return safetensors.torch.load_file(model_dir / "model.safetensors")


def _main(args, capsys):
    """``rnnkit`` in this process (the refusals need no fresh interpreter): exit status and stderr lines."""
    capsys.readouterr()
    status = main(args)
    return status, capsys.readouterr().err.splitlines()


def test_kill_9_then_resume_gives_the_uninterrupted_weights(tmp_path, capsys):
    data = tmp_path / "d.csv"
    _data(data)
    epochs = 15
    full = subprocess.Popen(_train_args(data, tmp_path / "full", epochs), cwd=tmp_path, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    killed = tmp_path / "killed"
    proc = subprocess.Popen(_train_args(data, killed, epochs), cwd=tmp_path, env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not (killed / CHECKPOINT).exists() and proc.poll() is None:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not (killed / "config.json").exists(), "the run finished before it was killed; nothing was tested"
    stopped_at = torch.load(killed / CHECKPOINT, weights_only=True)["epoch"]
    assert stopped_at < epochs - 1
    assert [p.name for p in (killed / CHECKPOINT).parent.iterdir()] == ["last.ckpt"]  # no partial file

    status, err = _main(_train_args(data, killed, epochs)[3:], capsys)  # no --resume: refused, nothing lost
    assert status == 2 and len(err) == 1 and "unfinished training run" in err[0] and "--resume" in err[0]
    other = _train_args(data, killed, epochs, "--resume")[3:]
    other[other.index("--hidden-size") + 1] = "16"
    status, err = _main(other, capsys)  # other settings: refused, naming the difference
    assert status == 2 and len(err) == 1
    assert "holds an unfinished run of rnnkit train with other data or options" in err[0]
    assert "(--hidden-size 8 then, 16 now)" in err[0]
    assert (killed / CHECKPOINT).exists()

    resumed = subprocess.run(_train_args(data, killed, epochs, "--resume"), capture_output=True, text=True,
                             cwd=tmp_path, env=ENV, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert full.wait(timeout=600) == 0, full.stderr.read()
    assert json.loads((killed / "metrics.json").read_text())["resumed"] is True
    assert sorted(p.name for p in killed.iterdir()) == ["config.json", "metrics.json", "model.safetensors"]
    a, b = _weights(tmp_path / "full"), _weights(killed)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    # the same final loss: the resumed run replayed no epoch and skipped none
    losses = [json.loads((d / "metrics.json").read_text())["final_train_loss"] for d in (tmp_path / "full", killed)]
    assert losses[0] == losses[1]


def test_a_second_train_into_the_same_out_is_refused_while_the_first_runs(tmp_path, capsys):
    data = tmp_path / "d.csv"
    _data(data, n=12)
    out = tmp_path / "m"
    first = subprocess.Popen(_train_args(data, out, 100_000), cwd=tmp_path, env=ENV, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        while not (out / CHECKPOINT).exists():  # the first holds the lock and is training
            assert first.poll() is None
            time.sleep(0.01)
        second = _train_args(data, out, 2)[3:]
        second[second.index("--hidden-size") + 1] = "16"
        status, err = _main(second, capsys)
        assert first.poll() is None  # the refusal came while the first was still training
    finally:
        first.kill()
        first.wait(timeout=60)
    assert status == 2 and len(err) == 1
    assert "being written by another rnnkit process" in err[0] and str(out) in err[0]
    # what is in --out is the first run's, untouched: its checkpoint, no model of the second
    assert not (out / "config.json").exists()
    identity = torch.load(out / CHECKPOINT, weights_only=True)["rnnkit_run"]
    assert identity["params"]["hidden_size"] == 8
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]


# -- the Python API ------------------------------------------------------------------------------------------
def _sequences(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(4 + i % 3, 2)).astype(np.float32) for i in range(n)]
    return X, np.array(["pos" if x[:, 0].sum() > 0 else "neg" for x in X])


def test_estimator_fit_resumes_from_its_log_dir(tmp_path):
    X, y = _sequences()
    # a constant learning rate: under a schedule (the classifier's default) max_epochs may not grow
    options = dict(hidden_size=8, num_layers=2, dropout=0.3, batch_size=8, lr_schedule=None, random_state=0,
                   device="cpu")
    full = SequenceClassifier(max_epochs=6, **options).fit(X, y)
    # an interrupted fit leaves the checkpoint of its last finished epoch: here, a fit of 3 epochs
    part = SequenceClassifier(max_epochs=3, log_dir=str(tmp_path / "logs"), **options).fit(X, y)
    assert torch.load(tmp_path / "logs" / CHECKPOINT, weights_only=True)["epoch"] == 2
    resumed = part.set_params(max_epochs=6).fit(X, y, resume=True)
    assert resumed.loss_curve_ == full.loss_curve_ and len(full.loss_curve_) == 6
    for p, q in zip(resumed.model_.parameters(), full.model_.parameters(), strict=True):
        assert torch.equal(p, q)

    with pytest.raises(ValueError, match="the data differ"):
        resumed.fit([x * 2 for x in X], y, resume=True)
    with pytest.raises(ValueError, match="hidden_size 8 then, 9 now"):
        SequenceClassifier(**{**options, "hidden_size": 9}, log_dir=str(tmp_path / "logs")).fit(X, y, resume=True)
    with pytest.raises(ValueError, match="needs an int random_state"):
        SequenceClassifier(log_dir=str(tmp_path / "logs")).fit(X, y, resume=True)
    with pytest.raises(ValueError, match="log_dir is None"):
        SequenceClassifier(**options).fit(X, y, resume=True)
    # no checkpoint yet: resume=True starts from the beginning
    fresh = SequenceClassifier(max_epochs=6, log_dir=str(tmp_path / "new"), **options).fit(X, y, resume=True)
    assert fresh.loss_curve_ == full.loss_curve_


def test_forecaster_fit_resumes_from_its_log_dir(tmp_path):
    t = np.arange(80)
    y = pd.Series(np.sin(t / 4) + 0.1 * np.random.default_rng(0).normal(size=80),
                  index=pd.date_range("2024-01-01", periods=80, freq="D"))
    options = dict(model="direct", lookback=8, horizon=2, hidden_size=8, batch_size=16, random_state=0,
                   device="cpu")
    full = Forecaster(max_epochs=4, **options).fit(y)
    part = Forecaster(max_epochs=2, log_dir=str(tmp_path / "logs"), **options).fit(y)
    resumed = part.set_params(max_epochs=4).fit(y, resume=True)
    assert resumed.loss_curve_ == full.loss_curve_ and len(full.loss_curve_) == 4  # same shuffles per epoch
    for p, q in zip(resumed.model_.parameters(), full.model_.parameters(), strict=True):
        assert torch.equal(p, q)
    with pytest.raises(ValueError, match="the data differ"):
        resumed.fit(y * 2, resume=True)


def test_a_resumed_auto_forecaster_continues_the_model_its_run_chose(tmp_path):
    # model="auto" chooses by trial fits whose outcome depends on max_epochs, which a resume raises: the
    # resumed fit must continue the interrupted run's model (recorded in log_dir), whichever that was
    t = np.arange(96)
    y = pd.Series(10 + np.sin(2 * np.pi * t / 12) + 0.1 * np.random.default_rng(1).normal(size=96),
                  index=pd.date_range("2020-01", periods=96, freq="MS"))
    options = dict(lookback=12, horizon=3, hidden_size=8, batch_size=16, random_state=0, device="cpu")
    part = Forecaster(max_epochs=1, log_dir=str(tmp_path / "logs"), **options).fit(y)
    chosen = part.model_kind_
    record = tmp_path / "logs" / "model_choice.json"
    assert json.loads(record.read_text())["model"] == chosen
    resumed = part.set_params(max_epochs=2).fit(y, resume=True)
    assert resumed.model_kind_ == chosen and "interrupted run" in resumed.choices_["model"]
    record.write_text(json.dumps({"model": "sarima"}))
    with pytest.raises(ValueError, match="model_choice.json names model 'sarima'"):
        part.fit(y, resume=True)


def test_a_checkpoint_write_that_dies_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    from rnnkit.training import AtomicCheckpointIO

    path = tmp_path / "checkpoints" / "last.ckpt"
    AtomicCheckpointIO().save_checkpoint({"epoch": 1, "w": torch.ones(3)}, path)

    def dies_halfway(obj, f):
        f.write(b"PK\x03\x04 half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", dies_halfway)
    with pytest.raises(OSError, match="No space left"):
        AtomicCheckpointIO().save_checkpoint({"epoch": 2, "w": torch.zeros(3)}, path)
    monkeypatch.undo()
    assert torch.load(path, weights_only=True)["epoch"] == 1  # the previous one, whole
    assert [p.name for p in path.parent.iterdir()] == ["last.ckpt"]  # no partial file left beside it


def test_a_checkpoint_of_another_run_is_refused_as_its_own_kind_of_value_error():
    """`rnnkit train --resume` explains this refusal against its own record; it tells it from other bad input by
    its class, not by its wording."""
    from rnnkit.training.runs import RUN_KEY, AnotherRun, check_resumable

    identity = {"estimator": "SequenceClassifier", "params": {"hidden_size": 8}, "data": "abc"}
    check_resumable({RUN_KEY: dict(identity)}, "last.ckpt", identity)  # the same run: resumed
    other = {RUN_KEY: {**identity, "params": {"hidden_size": 16}}}
    cases = [({}, "records no rnnkit run"), (other, "belongs to another run"),
             ({RUN_KEY: {**identity, "estimator": "Forecaster"}}, "was written by the fit of a Forecaster")]
    for checkpoint, why in cases:
        with pytest.raises(AnotherRun, match=why) as e:
            check_resumable(checkpoint, "last.ckpt", identity)
        assert isinstance(e.value, ValueError)
