"""The command line, thirty-third round, third pass: the help of every command, where options had no help or
hid their default (`rnnkit compare --help` showed `--seeds SEEDS`, `--lr LR`, `--hidden-size HIDDEN_SIZE` and no
value); `rnnkit forecast --freq` onto a coarser grid, refused as 'the series has 2 steps' of a file of 60 rows."""

import argparse
import re

import numpy as np
import pandas as pd
from helpers import cli_error


def _options():
    """(command, action) for every option of every command of ``rnnkit``."""
    from rnnkit.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    return [(name, action) for name, command in commands.items() for action in command._actions
            if action.option_strings and not isinstance(action, argparse._HelpAction)]


def test_C33_09_every_option_of_every_command_has_help_and_shows_its_default():
    """`rnnkit compare --help` listed `--seeds SEEDS`, `--hidden-size HIDDEN_SIZE`, `--batch-size BATCH_SIZE`,
    `--lr LR` and `--out OUT` with no word, `forecast --help` `--cell` and `--hidden-size` alike, `train --help`
    `--num-layers`; `--seed` and `--device` nowhere said their default. Now each option has a help that names its
    default, and the number it names is the one the code uses."""
    missing, hidden, wrong = [], [], []
    for name, action in _options():
        flag, default, text = action.option_strings[-1], action.default, action.help or ""
        if not text:
            missing.append(f"{name} {flag}")
            continue
        if not (default is None or default is False or default is argparse.SUPPRESS) and "default" not in text:
            hidden.append(f"{name} {flag}")
        shown = re.search(r"\(default:? ([0-9.e-]+)[;,)\s]", text)
        if shown and isinstance(default, (int, float)) and float(shown.group(1)) != float(default):
            wrong.append(f"{name} {flag}: help {shown.group(1)}, code {default}")
    assert missing == [], missing
    assert hidden == [], hidden
    assert wrong == [], wrong


def test_C33_10_forecast_names_the_steps_freq_made_of_the_files_rows(tmp_path, capsys):
    """`rnnkit forecast days.csv ... --freq MS` on 60 daily rows (a frequency coarser than the data's) was refused
    as `--horizon 3 leaves no window to learn from: the series has 2 steps`, of a file the user knows has 60 rows;
    now the message says that --freq made those steps of the file's rows. The backtest's refusal alike."""
    rng = np.random.default_rng(0)
    data = tmp_path / "days.csv"
    pd.DataFrame({"date": pd.date_range("2020-01-01", periods=60, freq="D"),
                  "y": rng.normal(10, 1, 60).round(3)}).to_csv(data, index=False)
    common = ["forecast", data, "--time-column", "date", "--target-column", "y", "--horizon", "3",
              "--model", "direct", "--max-epochs", "1", "--device", "cpu"]
    said = cli_error([*common, "--freq", "MS", "--folds", "1", "--out", tmp_path / "m1"], capsys)
    assert said == (f"rnnkit forecast: error: {data}: --horizon 3 leaves no window to learn from: the series has 2 "
                    "steps (--freq MS makes 2 steps of its 60 rows), and each window is a lookback of at least 1 step "
                    "and the horizon; lower --horizon (at most 1)")
    said = cli_error([*common, "--freq", "W", "--folds", "3", "--out", tmp_path / "m2"], capsys)
    assert "take the last 9 of the series' 9 steps (--freq W makes 9 steps of its 60 rows), leaving 0" in said
    # without --freq (or where it keeps every row) the message is as it was
    short = tmp_path / "short.csv"
    pd.read_csv(data).head(4).to_csv(short, index=False)
    said = cli_error(["forecast", short, *common[2:6], "--horizon", "9", "--out", tmp_path / "m3"], capsys)
    assert "the series has 4 steps, and each window" in said
