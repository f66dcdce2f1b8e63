"""Thirty-eighth round: the command line and the one fit as a new user drives them: a model path that is a FIFO or a
device, a training that diverges, ..."""

import os
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from helpers import CLI_QUICK, cli_error, long_csv

import rnnkit
import rnnkit.cli


@contextmanager
def fifo_at(path):
    """A FIFO at ``path`` whose writer, a thread, opens it and closes it at once: a reader that opens it is not
    blocked forever (it reads an empty file) and no test can hang; the writer is let go at the end."""
    os.mkfifo(path)
    writer = threading.Thread(target=lambda: os.close(os.open(path, os.O_WRONLY)), daemon=True)
    writer.start()
    try:
        yield path
    finally:
        if writer.is_alive():  # nobody opened it: open it to let the writer go
            os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
        writer.join(timeout=10)


@pytest.mark.parametrize("command", ["predict", "evaluate", "export", "load"])
def test_C38_01_a_model_path_that_is_a_fifo_is_refused_at_once_naming_it(command, tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    # was: no end: zipfile.is_zipfile opened the FIFO to look for a packed model, and waited for a writer forever
    # (rnnkit predict, evaluate, export, serve and rnnkit.load alike; here a writer lets it go: "m is not a directory")
    with fifo_at(tmp_path / "m") as fifo:
        if command == "load":
            with pytest.raises(ValueError, match=r"m is a FIFO \(a named pipe\), not a directory; expected an rnnkit "
                                                 r"model"):
                rnnkit.load(fifo)
            return
        args = [command, fifo, data] if command != "export" else [command, fifo, "--out", tmp_path / "x"]
        message = cli_error(args, capsys)
    assert f"{fifo} is a FIFO (a named pipe), not a directory; expected an rnnkit model directory" in message


def test_C38_01_a_device_as_the_model_is_named_a_device_and_path_kind_names_each_kind(tmp_path):
    with pytest.raises(ValueError, match=r"/dev/null is a device, not a directory"):
        rnnkit.load("/dev/null")
    from rnnkit.checks import path_kind

    (tmp_path / "f").write_text("x")
    assert [path_kind(p) for p in (tmp_path, tmp_path / "f", "/dev/null")] == ["a directory", "a file", "a device"]


def test_C38_02_a_training_that_diverges_names_the_flag_not_the_python_options(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    # was: "non-finite loss (nan) at optimizer step 1 (...); training stopped before applying this step; no checkpoint
    # had been written (enable checkpointing, e.g. log_dir=..., to keep one). Try a lower learning rate, gradient
    # clipping, or check the data for extreme values": Python's log_dir (train checkpoints every epoch into --out)
    # and clipping, which train has no flag for
    diverging = ["train", data, "--task", "classify", "--hidden-size", "4", "--cell", "gru", "--device", "cpu",
                 "--time-column", "t", "--frontend", "fcn", "--stride", "1", "--epochs", "2", "--lr", "1e30",
                 "--lr-schedule", "none"]
    message = cli_error([*diverging, "--batch-size", "4", "--out", tmp_path / "m"], capsys)
    assert "the training diverged: non-finite loss (nan) at optimizer step 1 (epoch 0, batch 1" in message
    assert ("training at --lr 1e+30; give a lower --lr (e.g. 1e-3, Adam's usual rate, or leave --lr out), or "
            "check") in message  # C40-01: was "(e.g. 1e+29)", a tenth of a rate that diverges too
    assert "log_dir" not in message and "clipping" not in message
    assert not (tmp_path / "m").exists()
    # one batch an epoch: the first epoch's checkpoint is kept in --out, which --resume would continue at that rate
    message = cli_error([*diverging, "--batch-size", "8", "--out", tmp_path / "m2"], capsys)
    assert "(epoch 1, batch 0" in message
    assert f"{tmp_path / 'm2'} keeps the checkpoint of the last good epoch, but --resume would continue it at the " \
           f"same rate (and refuses another --lr): remove {tmp_path / 'm2'} first" in message


def test_C38_02_a_fit_with_a_log_dir_that_diverges_before_its_first_checkpoint_says_so(tmp_path):
    X = [np.random.default_rng(i).normal(size=(4, 1)) for i in range(8)]
    est = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=2, lr=1e30, lr_schedule=None, batch_size=4, cell="gru",
                                    frontend="fcn", stride=1, log_dir=str(tmp_path / "run"), device="cpu",
                                    random_state=0)
    # was: "no checkpoint had been written (enable checkpointing, e.g. log_dir=..., to keep one)" to a fit given one
    with pytest.raises(rnnkit.NonFiniteLossError, match=r"no checkpoint had been written yet \(the first is written "
                                                         r"at the end of the first epoch\)") as e:
        est.fit(X, np.arange(8) % 2)
    assert "enable checkpointing" not in str(e.value)
    assert e.value.lr == 1e30 and not e.value.in_data


def test_C38_03_a_learning_rate_past_float32s_largest_is_refused_naming_the_limit(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    # was: torch's traceback out of the optimizer, "RuntimeError: value cannot be converted to type float without
    # overflow" (rnnkit train printed it whole, as no error of a bad input)
    message = cli_error(["train", data, "--task", "classify", "--lr", "1e39", "--out", tmp_path / "m"], capsys)
    assert "argument --lr: must be in (0, 3.40282e+38] (float32's largest number" in message
    X = [np.zeros((3, 1))] * 4
    with pytest.raises(ValueError, match=r"lr must be at most 3.403e\+38, float32's largest number .*got 1e\+39"):
        rnnkit.SequenceClassifier(lr=1e39, max_epochs=1, hidden_size=4, device="cpu").fit(X, [0, 1, 0, 1])
    from rnnkit.training import check_training_options

    with pytest.raises(ValueError, match=r"lr must be at most"):  # SequenceModule's and compare's check
        check_training_options(task="regression", lr=1e300, weight_decay=0.0, clip_grad_norm=1.0,
                               clip_grad_value=None, tbptt_steps=None)


def test_C38_04_a_feature_given_as_the_time_column_while_t_is_read_as_a_feature_is_warned_of(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)  # id, t, f1, target
    train = ["train", data, "--task", "classify", "--hidden-size", "4", "--batch-size", "4", "--cell", "gru",
             "--device", "cpu", "--epochs", "1", "--lr-schedule", "none"]
    # was: trained without a word, each sequence's rows sorted by the measurement f1 and the model fed the step
    # number t alone (config.json: feature_columns ['t']); the estimator's warning of a time-named feature needs it
    # to increase along each sequence, which the sort undid
    with pytest.warns(UserWarning, match=r"--time-column orders the rows of each sequence of .*d.csv by 'f1', while "
                                         r"the column 't', named like a time axis, is read as a feature: if 't' is the "
                                         r"time, pass --time-column t"):
        assert rnnkit.cli.main([*train, "--time-column", "f1", "--out", str(tmp_path / "m")]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the time named as such: no word
        assert rnnkit.cli.main([*train, "--time-column", "t", "--out", str(tmp_path / "m2")]) == 0


@pytest.mark.parametrize("suffix", [".gz", ".zip"])  # .bz2 and .xz: read as .gz is
def test_C38_05_the_training_file_compressed_is_known_as_the_training_file(suffix, tmp_path, capsys):
    import pandas as pd

    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    packed = tmp_path / f"d.csv{suffix}" if suffix != ".zip" else tmp_path / "d.zip"
    pd.read_csv(data).to_csv(packed, index=False)  # the same CSV, compressed as pandas writes it
    assert rnnkit.cli.main(["train", str(packed), "--task", "classify", *CLI_QUICK, "--epochs", "1", "--lr-schedule",
                            "none", "--out", str(tmp_path / "m")]) == 0
    # was: no word: the digest of the compressed bytes is not the plain file's, so the model's own training file,
    # plain or compressed the other way, was scored as if unseen
    with pytest.warns(UserWarning, match=r"d.csv is the file the model .* was trained on"):
        assert rnnkit.cli.main(["evaluate", str(tmp_path / "m"), data]) == 0
    assert rnnkit.cli.main(["train", data, "--task", "classify", *CLI_QUICK, "--epochs", "1", "--lr-schedule",
                            "none", "--out", str(tmp_path / "m2")]) == 0
    with pytest.warns(UserWarning, match=r"is the file the model .* was trained on"):
        assert rnnkit.cli.main(["evaluate", str(tmp_path / "m2"), str(packed)]) == 0


@pytest.mark.parametrize("unit, word", [("us", "microseconds"), ("ns", "nanoseconds")])
def test_C38_mend_a_forecast_of_unix_microseconds_names_them_microseconds(unit, word, tmp_path, capsys):
    import pandas as pd
    from helpers import run_cli

    t = pd.date_range("2024-01-01", periods=30, freq="D").as_unit(unit).asi8
    path = tmp_path / "t.csv"
    pd.DataFrame({"ts": t, "y": np.arange(30.0)}).to_csv(path, index=False)
    # --horizon too long for the series: refused after the warning, before any fit
    status, err = run_cli(["forecast", path, "--time-column", "ts", "--target-column", "y", "--horizon", "40",
                           "--out", tmp_path / "o"], capsys)
    # was: "read as Unix milliseconds" for either, beside its unit='us' (or 'ns') fix
    assert status == 2 and len(err) == 2, err
    assert f"holds numbers that read as Unix {word} (" in err[0] and f"unit={unit!r}" in err[0], err
    assert "is 2024-01-01 00:00:00, a step of 1 days" in err[0], err
