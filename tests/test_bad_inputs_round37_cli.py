"""Thirty-seventh round: the command line as a new user drives it: its standard output into a pipe whose reader
stops early (``| head -1``), --out a FIFO, what train prints on standard output, "auto" for the options whose
default is chosen from the data, and paths holding an environment variable that no shell expanded."""

import fcntl
import json
import os
import sys
import threading

import numpy as np
import pytest
from helpers import CLI_QUICK, cli_classifier, cli_error, long_csv

from rnnkit.cli import build_parser, main


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A classifier trained by rnnkit train on 8 sequences, and its data."""
    return cli_classifier(tmp_path_factory.mktemp("model"))


@pytest.mark.filterwarnings("ignore:.*the file the model")
def test_C37_01_a_pipe_whose_reader_stops_early_ends_the_command_silently_and_not_with_success(
        model, tmp_path, capsys, monkeypatch):
    m, _ = model
    big = long_csv(tmp_path / "big.csv", np.zeros(1000, dtype=int), steps=2)  # ~30 kB of predictions
    r, w = os.pipe()
    fcntl.fcntl(w, getattr(fcntl, "F_SETPIPE_SZ", 1031), 4096)  # a small pipe: the reader stops while rows remain
    pipe = open(w, "w", encoding="utf-8")

    def head_1():  # `| head -1`: read the first line, then close the pipe
        os.read(r, 100)
        os.close(r)

    reader = threading.Thread(target=head_1, daemon=True)
    reader.start()
    monkeypatch.setattr(sys, "stdout", pipe)
    capsys.readouterr()
    # was: status 0 where the reader closed part way through a write (Python's buffered writer dropped the rest of
    # the predictions and reported success), else status 2 with "cannot write standard output: broken pipe, ...;
    # send it elsewhere (> FILE on a disk with space)"
    status = main(["predict", str(m), big])
    reader.join(timeout=20)
    try:
        pipe.close()
    except OSError:
        pass
    assert status == 141  # a shell's status for SIGPIPE, as `seq 1000000 | head -1` gives
    assert capsys.readouterr().err == ""  # nothing said, as Unix tools say nothing


def test_C37_02_train_out_a_fifo_is_called_a_fifo_not_a_file(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    fifo = tmp_path / "f2"
    os.mkfifo(fifo)
    # was: "--out f2 is a file; give a directory for the model", of a FIFO its user made with mkfifo
    message = cli_error(["train", data, "--task", "classify", "--out", fifo], capsys)
    assert f"--out {fifo} is a FIFO (a named pipe); give a directory for the model" in message
    message = cli_error(["forecast", data, "--time-column", "t", "--target-column", "f1", "--horizon", "2",
                         "--out", os.devnull], capsys)
    assert f"--out {os.devnull} is a device; give a directory" in message


@pytest.mark.filterwarnings("ignore:.*the file the model")
def test_C37_03_train_and_evaluate_print_the_metrics_json_alone_on_stdout(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    capsys.readouterr()
    assert main(["train", data, "--task", "classify", *CLI_QUICK, "--epochs", "1", "--lr-schedule", "none",
                 "--resume", "--out", str(tmp_path / "m")]) == 0
    out, err = capsys.readouterr()
    # was: the JSON, then "wrote model and metrics.json to m" (and with --resume, "no checkpoint in m: training from
    # the first epoch" before it) on stdout, so `rnnkit train ... | jq .test_score` or json.loads failed
    metrics = json.loads(out)
    assert metrics["task"] == "classify" and "test_score" in metrics
    assert f"wrote model and metrics.json to {tmp_path / 'm'}" in err
    assert f"no checkpoint in {tmp_path / 'm'}: training from the first epoch" in err
    # evaluate --out alike: its JSON, then "wrote the metrics to ev.json"; predict --out's line with it
    assert main(["evaluate", str(tmp_path / "m"), data, "--out", str(tmp_path / "ev.json")]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == json.loads((tmp_path / "ev.json").read_text())
    assert f"wrote the metrics to {tmp_path / 'ev.json'}" in err
    assert main(["predict", str(tmp_path / "m"), data, "--out", str(tmp_path / "p.csv")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and f"wrote 8 rows to {tmp_path / 'p.csv'}" in err


def test_C37_04_auto_is_taken_by_every_option_whose_help_says_default_auto(capsys):
    parser = build_parser()
    # was: "argument --lr: expected a number, got 'auto'" (also --epochs, --members, ...), though the help says
    # "default auto" and config.json writes "lr": "auto"
    args = parser.parse_args(["train", "d.csv", "--task", "classify", "--out", "m", "--lr", "auto", "--epochs", "auto",
                              "--batch-size", "auto", "--hidden-size", "auto", "--members", "auto", "--stride", "auto",
                              "--label-smoothing", "AUTO"])
    assert (args.lr, args.epochs, args.batch_size, args.hidden_size, args.members, args.stride,
            args.label_smoothing) == (None,) * 7  # as when left out
    args = parser.parse_args(["forecast", "s.csv", "--time-column", "t", "--target-column", "y", "--horizon", "2",
                              "--out", "f", "--lookback", "auto", "--max-epochs", "auto", "--season-length", "auto"])
    assert (args.lookback, args.max_epochs, args.season_length) == (None, None, None)
    for flag in ("--num-layers", "--test-fraction", "--dropout"):  # a fixed default: no auto
        assert "got 'auto'" in cli_error(["train", "d.csv", "--task", "classify", "--out", "m", flag, "auto"], capsys)
    help_text = parser._subparsers._group_actions[0].choices["train"].format_help()
    assert "--lr LR               default auto: chosen from the data" in help_text


def test_C37_05_a_path_holding_an_unexpanded_environment_variable_is_refused_naming_it(tmp_path, capsys,
                                                                                     monkeypatch):
    long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    monkeypatch.setenv("RNNKIT_DATA", str(tmp_path))
    monkeypatch.delenv("RNNKIT_NOT_SET", raising=False)
    monkeypatch.chdir(tmp_path)
    # was: "$RNNKIT_DATA/d.csv: no such file; expected a .csv or .npz of sequences" (single quotes in a script)
    message = cli_error(["train", "$RNNKIT_DATA/d.csv", "--task", "classify", "--out", "m"], capsys)
    assert message.startswith("rnnkit train: error: the data $RNNKIT_DATA/d.csv holds $RNNKIT_DATA, an environment "
                              "variable that no shell expanded")
    assert f"RNNKIT_DATA is {str(tmp_path)!r} here" in message
    # was: trained, and the model written into a folder named "${RNNKIT_NOT_SET}" in the current directory
    message = cli_error(["train", "d.csv", "--task", "classify", *CLI_QUICK, "--epochs", "1", "--out",
                         "${RNNKIT_NOT_SET}/m"], capsys)
    assert "--out ${RNNKIT_NOT_SET}/m holds ${RNNKIT_NOT_SET}" in message and "RNNKIT_NOT_SET is not set" in message
    assert not (tmp_path / "${RNNKIT_NOT_SET}").exists()
    message = cli_error(["predict", "m", "d.csv", "--out", "%RNNKIT_NOT_SET%\\p.csv"], capsys)
    assert "write $env:RNNKIT_NOT_SET in PowerShell, $RNNKIT_NOT_SET in sh or bash" in message
    # a path that exists as written is read as it is
    os.mkdir(tmp_path / "$x")
    os.replace(tmp_path / "d.csv", tmp_path / "$x" / "d.csv")
    message = cli_error(["train", "$x/d.csv", "--task", "classify", "--out", "m", "--target-column", "nope"], capsys)
    assert "nope" in message and "environment variable" not in message


@pytest.mark.parametrize("first, said", [("# exported 2026-01-01", "is a comment, not the header"),
                                         ("sep=,", "is Excel's separator line, not the header")])
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_C37_06_a_line_above_the_header_is_named_by_predict_and_evaluate_as_train_names_it(
        model, tmp_path, capsys, first, said, command):
    m, data = model
    given = tmp_path / "d.csv"
    given.write_text(f"{first}\n" + open(data).read())
    # was: "d.csv has no id column 'id' and no time column 't', which m was trained with (...); the file has
    # ['# exported 2026-01-01']: give a long CSV with those columns, or name the file's own with --id-column"
    message = cli_error([command, m, given], capsys)
    assert f"{given}: line 1, {first!r}, {said}" in message
    assert "no id column" not in message


def test_C37_07_every_option_of_the_command_line_says_its_default():
    import argparse

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    silent = []
    for name, parser in sub.choices.items():
        for action in parser._actions:
            flag = action.nargs == 0 and not isinstance(action, argparse.BooleanOptionalAction)  # store_true
            if action.option_strings and not (action.required or flag) and "default" not in (action.help or ""):
                silent.append(f"{name} {action.option_strings[0]}")
    # was: train's --time-column and --class-weight, forecast's --covariates and --freq, compare's --length and
    # --task-params said none
    assert silent == []


def test_C37_08_a_data_file_or_model_named_nearly_as_one_there_names_the_one_meant(model, tmp_path, capsys,
                                                                                    monkeypatch):
    import shutil
    import unicodedata

    m, data = model
    monkeypatch.chdir(tmp_path)
    shutil.copy(data, "d.csv")
    shutil.copy(data, unicodedata.normalize("NFD", "dé.csv"))  # as macOS names it
    shutil.copytree(m, "m")
    # was: "d.csv : no such file; expected a .csv or .npz of sequences" (the space unseen; " d.csv" read as
    # "d.csv: no such file" beside d.csv), and "m : no such file or directory; ... (check the path)"
    for given, meant, why in (("d.csv ", "d.csv", "spaces around the name"), (" d.csv", "d.csv", "spaces around"),
                              ("D.csv", "d.csv", "the letter case"), ("d", "d.csv", "the suffix"),
                              ("dé.csv", unicodedata.normalize("NFD", "dé.csv"), "the Unicode form")):
        message = cli_error(["predict", "m", given], capsys)
        assert f"the data {given!r}: no such file; {meant!r} exists, the same name but for {why}" in message
    message = cli_error(["predict", "m ", "d.csv"], capsys)
    assert "'m' exists, the same name but for spaces around the name: give that path" in message
    assert "no such file; expected a .csv" in cli_error(["predict", "m", "nope.csv"], capsys)  # nothing near


@pytest.mark.parametrize("name, fix", [("p.csv.gzip", "p.csv.gz"), ("p.csv.bzip2", "p.csv.gz"),
                                       ("p.csv.zstd", "p.csv.gz")])
def test_C37_09_predict_out_named_with_a_long_compression_suffix_is_refused_naming_the_short_one(
        model, tmp_path, capsys, name, fix):
    m, data = model
    # was: "wrote 8 rows to p.csv.gzip", a plain CSV under a gzip name, which no reader decompresses
    message = cli_error(["predict", m, data, "--out", tmp_path / name], capsys)
    assert f"compresses its CSV as .gz, .bz2, .xz or .zip, not {name[5:]}; name it {fix}" in message
    assert not (tmp_path / name).exists()


@pytest.mark.filterwarnings("ignore:.*the file the model")
def test_C37_10_ids_that_standard_outputs_encoding_lacks_are_named_with_the_fix(model, tmp_path, capsys,
                                                                                 monkeypatch):
    import io

    m, data = model
    text = open(data).read().splitlines()
    zurich = tmp_path / "z.csv"
    zurich.write_text("\n".join([text[0], *(f"Zür{line}" for line in text[1:])]) + "\n", encoding="utf-8")
    r, w = os.pipe()
    legacy = io.TextIOWrapper(open(w, "wb"), encoding="ascii")  # a Windows code page into a file, alike
    monkeypatch.setattr(sys, "stdout", legacy)
    # was: "rnnkit predict: error: 'ascii' codec can't encode character '\xfc' in position 31: ordinal not in
    # range(128)": neither standard output nor a fix named
    message = cli_error(["predict", m, zurich], capsys)
    legacy.close()
    os.close(r)
    assert ("standard output is encoded as ascii, which has no 'ü' (LATIN SMALL LETTER U WITH DIAERESIS, in "
            "'Zür0,") in message
    assert "set PYTHONIOENCODING=utf-8 (or PYTHONUTF8=1) for rnnkit, or give --out FILE" in message
