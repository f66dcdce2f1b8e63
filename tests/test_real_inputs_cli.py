"""The command line used as a new user would (docs/bad_inputs.md, fifth catalogue, K5-xx): output directories
that hold someone's files, failed runs that must leave nothing behind, options out of range or given twice,
misnamed recipes and columns given two roles. Each bad invocation is one line on stderr and exit status 2."""

import numpy as np
import pandas as pd
import pytest
from test_cli_errors import TRAIN, _csv  # a small long CSV: id, t, f1, f2, target; tiny training options

from rnnkit.cli import main

COMPARE = ["compare", "--task", "adding", "--length", "10", "--cells", "rnn", "--seeds", "1", "--steps", "2",
           "--hidden-size", "4", "--eval-every", "1"]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("model")
    data = _csv(tmp / "d.csv")
    assert main(["train", str(data), *TRAIN, "--out", str(tmp / "m")]) == 0
    return tmp / "m", data


def _series(path, n=40):
    months = pd.date_range("2020-01-01", periods=n, freq="MS").strftime("%Y-%m-%d")
    pd.DataFrame({"month": months, "v": np.sin(np.arange(n) / 3)}).to_csv(path, index=False)
    return path


# K5-01 ------------------------------------------------------------------------------------------------------
def test_k5_01_a_model_directory_holding_other_files_is_not_replaced(model, tmp_path, cli_error, monkeypatch):
    directory, _ = model
    out = tmp_path / "m"
    out.mkdir()
    for f in directory.iterdir():
        (out / f.name).write_bytes(f.read_bytes())
    data = _csv(out / "d.csv")  # the data kept inside the model directory
    monkeypatch.setattr("rnnkit.SequenceClassifier.fit", lambda *a, **k: pytest.fail("trained"))
    line = cli_error(["train", data, *TRAIN, "--out", out])
    assert f"--out {out} holds the data file {data}" in line
    (tmp_path / "d.csv").write_bytes(data.read_bytes())
    (out / "notes.txt").write_text("keep")
    line = cli_error(["train", tmp_path / "d.csv", *TRAIN, "--out", out])
    assert "also holds ['d.csv', 'notes.txt'], which rnnkit did not write" in line
    assert (out / "notes.txt").read_text() == "keep" and data.is_file()


# K5-02 ------------------------------------------------------------------------------------------------------
def test_k5_02_predict_out_a_file_of_the_model_is_refused(model, tmp_path, cli_error):
    directory, data = model
    config = (directory / "config.json").read_bytes()
    line = cli_error(["predict", directory, data, "--out", directory / "config.json"])
    assert "is a file of the rnnkit model directory" in line
    assert (directory / "config.json").read_bytes() == config


# K5-03 ------------------------------------------------------------------------------------------------------
def test_k5_03_a_failed_train_leaves_no_output_directory(model, tmp_path, cli_error):
    data = _csv(tmp_path / "d.csv")  # text labels: refused by the regressor's fit
    line = cli_error(["train", data, "--task", "regress", "--time-column", "t", "--epochs", "1",
                      "--hidden-size", "4", "--out", tmp_path / "new"])
    assert "target column 'target' is not numeric" in line and not (tmp_path / "new").exists()
    directory, _ = model
    before = sorted(p.name for p in directory.iterdir())
    cli_error(["train", data, "--task", "regress", "--time-column", "t", "--epochs", "1", "--hidden-size", "4",
               "--out", directory])
    assert sorted(p.name for p in directory.iterdir()) == before  # no training.json left in the old model


def test_k5_03_a_fit_that_fails_leaves_the_output_directory_as_it_was(model, tmp_path, cli_error, monkeypatch):
    """The clean-up after a failure inside fit (the refusal above now comes before --out is touched)."""
    def fail(*args, **kwargs):
        raise ValueError("y is not what fit expects")

    monkeypatch.setattr("rnnkit.SequenceClassifier.fit", fail)
    data = _csv(tmp_path / "d.csv")
    assert cli_error(["train", data, *TRAIN, "--out", tmp_path / "new"]).endswith("y is not what fit expects")
    assert not (tmp_path / "new").exists()
    directory, _ = model
    before = {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}
    cli_error(["train", data, *TRAIN, "--out", directory])
    assert {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()} == before  # no training.json left


# K5-04 ------------------------------------------------------------------------------------------------------
def test_k5_04_out_of_memory_is_one_line(tmp_path, cli_error, monkeypatch):
    def alloc(*args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] DefaultCPUAllocator: can't allocate memory: "
                           "you tried to allocate 100000000000000000 bytes.")

    monkeypatch.setattr("rnnkit.SequenceClassifier.fit", alloc)
    line = cli_error(["train", _csv(tmp_path / "d.csv"), *TRAIN, "--out", tmp_path / "m"])
    assert line.startswith("rnnkit train: error: out of memory (") and "lower --hidden-size" in line
    assert not (tmp_path / "m").exists()


def test_k5_04_other_runtime_errors_still_show_their_traceback(tmp_path, monkeypatch):
    monkeypatch.setattr("rnnkit.SequenceClassifier.fit", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("bug")))
    with pytest.raises(RuntimeError, match="bug"):
        main(["train", str(_csv(tmp_path / "d.csv")), *TRAIN, "--out", str(tmp_path / "m")])


# K5-05, K5-06 ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args,expected", [
    (["--seeds", "0"], "argument --seeds: must be >= 1, got 0"),
    (["--first-seed", "-3"], "argument --first-seed: must be >= 0"),
    (["--steps", "-5"], "argument --steps: must be >= 1"),
    (["--steps", "0"], "argument --steps: must be >= 1"),
    (["--eval-every", "0"], "argument --eval-every: must be >= 1"),
    (["--budget-seconds", "nan"], "argument --budget-seconds: must be > 0"),
    (["--budget-seconds", "-1"], "argument --budget-seconds: must be > 0"),
    (["--batch-size", "0"], "argument --batch-size: must be >= 1"),
    (["--lr", "inf"], "argument --lr: must be > 0, a finite number"),
    (["--length", "abc"], "argument --length: expected an integer, got 'abc'"),
    (["--length", "10,1"], "argument --length: must be >= 2, got 1"),
    (["--task-params", "{bad"], "argument --task-params: not JSON"),
    (["--task-params", "[1]"], "expected a JSON object of task options"),
    (["--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
])
def test_k5_05_compare_options_are_checked_before_running(tmp_path, cli_error, monkeypatch, args, expected):
    monkeypatch.setattr("rnnkit.compare.compare", lambda *a, **k: pytest.fail("ran"))
    line = cli_error([*COMPARE, *args, "--out", tmp_path / "c"])
    assert expected in line, line
    assert not (tmp_path / "c").exists()


def test_k5_05_an_unknown_task_option_is_named(tmp_path, cli_error):
    line = cli_error([*COMPARE, "--task-params", '{"n_trian": 5}', "--out", tmp_path / "c"])
    assert "task 'adding' has no option(s) ['n_trian']" in line and "'n_train'" in line


@pytest.mark.parametrize("args,expected", [
    (["demo", "--length", "1"], "argument --length: must be >= 2"),
    (["demo", "--steps", "0"], "argument --steps: must be >= 1"),
    (["demo", "--hidden", "0"], "argument --hidden: must be >= 1"),
    (["demo", "--seed", "-1"], "argument --seed: must be >= 0"),
    (["clipping", "--radius", "nan"], "argument --radius: must be > 0, a finite number, got nan"),
    (["clipping", "--radius", "-1"], "argument --radius: must be > 0"),
    (["clipping", "--seed", "-1"], "argument --seed: must be >= 0"),
    (["app", "eventlogs", "--seed", "-1"], "argument --seed: must be >= 0"),
    (["serve", "m", "--max-batch", "0"], "argument --max-batch: must be >= 1"),
    (["serve", "m", "--threads", "0"], "argument --threads: must be >= 1"),
])
def test_k5_06_numeric_options_of_the_other_commands(tmp_path, cli_error, args, expected):
    line = cli_error([*args, *(["--out", tmp_path / "o"] if args[0] in ("clipping",) else [])])
    assert expected in line, line


# K5-07 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [COMPARE, ["clipping"], ["app", "eventlogs", "--quick"], ["demo"]])
def test_k5_07_report_commands_refuse_a_foreign_out_before_running(model, tmp_path, cli_error, monkeypatch,
                                                                   command):
    monkeypatch.setattr("rnnkit.compare.compare", lambda *a, **k: pytest.fail("ran"))  # checked before any work
    monkeypatch.setattr("rnnkit.compare.clipping_report", lambda *a, **k: pytest.fail("ran"))
    monkeypatch.setattr("rnnkit.apps.recipe", lambda *a, **k: pytest.fail("ran"))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    line = cli_error([*command, "--out", mine])
    assert "is a non-empty directory that is not an rnnkit report; refusing to write into it" in line
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    line = cli_error([*command, "--out", model[0]])
    assert "is an rnnkit model directory; write the report to a new or empty directory" in line
    line = cli_error([*command, "--out", model[1]])
    assert "is a file; give a directory for the report" in line


def test_k5_07_a_report_directory_is_rewritten(tmp_path):
    assert main([*COMPARE, "--out", str(tmp_path / "c")]) == 0
    assert main([*COMPARE, "--out", str(tmp_path / "c")]) == 0  # an earlier report: replaced
    assert (tmp_path / "c" / "report.json").is_file()


# K5-08 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,closest", [("stock", "stocks"), ("spoken_digits", "spoken-digits"),
                                          ("Sentiment", "sentiment")])
def test_k5_08_an_unknown_recipe_suggests_the_closest(cli_error, name, closest):
    line = cli_error(["app", name, "--quick"])
    assert f"argument RECIPE: unknown {name!r}; did you mean {closest!r}?" in line and "eventlogs" in line


def test_k5_08_a_name_close_to_none_lists_them(cli_error):
    line = cli_error(["app", "zzzz"])
    assert "did you mean" not in line and "choose from sentiment, speech" in line


# K5-09 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args,expected", [
    (["--horizon", "1000"], "--horizon 1000 leaves no window to learn from: the series has 40 steps"),
    (["--horizon", "3", "--covariates", "v"], "--covariates names 'v', which is the --target-column"),
    (["--horizon", "3", "--covariates", "month"], "--covariates names 'month', which is the --time-column"),
    (["--horizon", "3", "--covariates", "x,x"], "--covariates names ['x'] more than once"),
])
def test_k5_09_forecast_roles_and_horizon(tmp_path, cli_error, args, expected):
    data = _series(tmp_path / "s.csv")
    line = cli_error(["forecast", data, "--time-column", "month", "--target-column", "v", *args,
                      "--out", tmp_path / "f"])
    assert expected in line, line
    assert "--lookback" not in line and not (tmp_path / "f").exists()


def test_k5_09_one_column_as_time_and_target(tmp_path, cli_error):
    line = cli_error(["forecast", _series(tmp_path / "s.csv"), "--time-column", "month", "--target-column",
                      "month", "--horizon", "3", "--out", tmp_path / "f"])
    assert "column 'month' is named as both --time-column and --target-column" in line


# K5-10 ------------------------------------------------------------------------------------------------------
def test_k5_10_a_quoted_tilde_is_the_home_directory(model, tmp_path, monkeypatch):
    directory, data = model
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_bytes(data.read_bytes())
    assert main(["predict", str(directory), "~/d.csv", "--out", "~/p.csv"]) == 0
    assert (tmp_path / "p.csv").is_file() and not (tmp_path / "~").exists()
