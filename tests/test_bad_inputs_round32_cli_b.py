"""The command line as a new user drives it, thirty-second round, second pass: `rnnkit forecast --out` named like
the forecast's file (`fc.csv`), an option given twice (`--epochs 3 ... --epochs 1`), which argparse settled by
keeping the last without a word, and train's option given to forecast (`--epochs`, forecast's `--max-epochs`)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import cli_error, run_cli

from rnnkit.cli import build_parser

QUICK = ["--hidden-size", "4", "--batch-size", "4", "--cell", "gru", "--lr-schedule", "none", "--device", "cpu"]


def test_C32_06_forecast_out_named_like_a_csv_file(tmp_path, capsys):
    """`rnnkit forecast airline.csv ... --out fc.csv` wrote a folder fc.csv (forecast.csv in it) without a word,
    where the user looks for the forecast at fc.csv; now a warning says where the forecast is and how to name
    --out. The run still writes (a warning, as train --out m.zip)."""
    datasets = pytest.importorskip("sktime.datasets")
    y = datasets.load_airline()
    data = tmp_path / "airline.csv"
    pd.DataFrame({"month": y.index.to_timestamp(), "passengers": y.to_numpy()}).to_csv(data, index=False)
    out = tmp_path / "fc.csv"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, err = run_cli(["forecast", data, "--time-column", "month", "--target-column", "passengers",
                               "--horizon", "3", "--model", "direct", "--max-epochs", "1", "--hidden-size", "4",
                               "--folds", "1", "--device", "cpu", "--out", out], capsys)
    assert status == 0, err
    said = [str(w.message) for w in caught if "named like" in str(w.message)]
    assert said == [f"--out {out} is named like a .csv file, but rnnkit forecast writes a directory (forecast.csv, "
                    f"backtest.csv, the model and the report in it), so the forecast will be {out}/forecast.csv and "
                    "fc.csv a folder that a program reading .csv files cannot open; name it without the suffix, "
                    f"e.g. --out {tmp_path / 'fc'}"], said
    assert out.is_dir() and len(pd.read_csv(out / "forecast.csv")) == 3


def test_C32_07_an_option_given_twice_is_warned_of(tmp_path, capsys):
    """`rnnkit train ... --epochs 3 ... --epochs 1` (an option appended to a saved command line) trained 1 epoch
    without a word; now a warning names both values and the one used. The same value twice, and options given
    once, are not warned of; two spellings of one option (demo's --hidden and --hidden-size) are."""
    rng = np.random.default_rng(0)
    data = tmp_path / "long.csv"
    pd.DataFrame({"id": np.repeat(np.arange(1, 7), 4), "t": np.tile(np.arange(4), 6),
                  "f1": rng.normal(size=24).round(3), "target": np.repeat(["a", "b"] * 3, 4)}).to_csv(data, index=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, err = run_cli(["train", data, "--time-column", "t", "--task", "classify", "--epochs", "3", *QUICK,
                               "--test-fraction", "0", "--epochs", "1", "--out", tmp_path / "m"], capsys)
    assert status == 0, err
    said = [str(w.message) for w in caught if "given" in str(w.message)]
    assert said == ["--epochs given twice (--epochs 3, then --epochs 1): the last, 1, is used; give it once"], said
    assert '"max_epochs": 1' in (tmp_path / "m" / "config.json").read_text()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        args = build_parser().parse_args(["demo", "--hidden", "8", "--seed", "1", "--hidden-size", "16"])
        build_parser().parse_args(["demo", "--hidden", "8", "--hidden", "8", "--steps", "5"])
    assert [str(w.message) for w in caught] == [
        "--hidden and --hidden-size both given (--hidden 8, then --hidden-size 16): the last, 16, is used; give it "
        "once"]
    assert args.hidden == 16 and not hasattr(args, "_rnnkit_given")


def test_C32_08_an_unknown_option_is_refused_by_its_command_with_the_close_one(tmp_path, capsys):
    """train spells it --epochs, forecast --max-epochs: `rnnkit forecast ... --epochs 2` was refused as
    `rnnkit: error: unrecognized arguments: --epochs 2 (see rnnkit --help)`, which named neither the command nor
    its option; now the command refuses it and names its closest option."""
    line = cli_error(["forecast", tmp_path / "air.csv", "--time-column", "month", "--target-column", "passengers",
                      "--horizon", "3", "--epochs", "2", "--out", tmp_path / "f"], capsys)
    assert line == ("rnnkit forecast: error: unrecognized arguments: --epochs 2; did you mean --max-epochs? "
                    "(see rnnkit forecast --help)")
    line = cli_error(["train", tmp_path / "d.csv", "--task", "classify", "--max-epochs=2", "--out", tmp_path / "m"],
                     capsys)
    assert line == ("rnnkit train: error: unrecognized arguments: --max-epochs=2; did you mean --epochs? (see rnnkit "
                    "train --help)")
    line = cli_error(["train", tmp_path / "d.csv", "--task", "classify", "--out", tmp_path / "m", "--zzz"], capsys)
    assert line == "rnnkit train: error: unrecognized arguments: --zzz (see rnnkit train --help)"
