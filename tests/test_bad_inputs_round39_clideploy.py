"""Thirty-ninth round: the command line and deployment as a new user drives them: the forecast's table read from
standard output, a learning rate no training uses, a raw array's bytes as a request body, ..."""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import CLI_QUICK, long_csv, run_cli

from rnnkit.cli import main


def _series_csv(path, n=60):
    t = pd.date_range("2024-03-01", periods=n, freq="h")
    pd.DataFrame({"when": t.strftime("%Y-%m-%d %H:%M"), "load": 10 + np.sin(2 * np.pi * np.arange(n) / 24),
                  "temp": np.arange(n) % 7}).to_csv(path, index=False)
    return str(path)


def test_C39_01_forecast_standard_output_holds_its_table_alone(tmp_path, capsys):
    data = _series_csv(tmp_path / "load.csv")
    args = ["forecast", data, "--time-column", "when", "--target-column", "load", "--horizon", "4", "--lookback",
            "8", "--max-epochs", "1", "--hidden-size", "4", "--folds", "2", "--cell", "gru", "--out",
            str(tmp_path / "run")]
    assert main(args) == 0
    captured = capsys.readouterr()
    # was: "wrote the model, forecast.csv, backtest.csv and report.html to ..." and "not read: column(s) ['temp']"
    # on standard output, below and above the backtest's table (| head, > table.txt took them in)
    assert "wrote" not in captured.out and "not read" not in captured.out
    assert captured.out.startswith("backtest (2 folds of 4 steps), mean over folds:")
    assert "wrote the model, forecast.csv, backtest.csv and report.html to" in captured.err
    assert "not read: column(s) ['temp']" in captured.err


def test_C39_02_a_learning_rate_above_one_is_warned_naming_the_fix(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    train = ["train", data, "--task", "classify", *CLI_QUICK, "--epochs", "1"]
    # was: trained without a word and "wrote model and metrics.json": every weight thrown to about 1e12 at the first
    # step (the largest 1.4e12), the model saturated
    with pytest.warns(UserWarning, match=r"--lr 1e\+12 is above 1, where no usual training runs: .* thrown to about "
                                         r"1e\+12 at the first step .* give a rate near 1e-3 "
                                         r"\(or leave --lr out\), or silence this with "
                                         r"PYTHONWARNINGS='ignore:--lr'"):
        status, _ = run_cli([*train, "--lr", "1e12", "--out", tmp_path / "m"], capsys)
    assert status == 0
    with warnings.catch_warnings():  # a usual rate, and 1 itself: no word
        warnings.filterwarnings("error", message="--lr")
        status, _ = run_cli([*train, "--lr", "1", "--out", tmp_path / "m1"], capsys)
    assert status == 0
