"""Fourteenth round of bad inputs, the readers' and the command line's loose ends (R14-01 ...): the reader's
refusal of a varying per-sequence target as its own exception, a regressor's target written 'NaN', and the
undefined MASE of `rnnkit forecast`'s printed backtest table."""

import json

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli

from rnnkit.data import read_sequences

TRAIN = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "8", "--test-fraction", "0", "--lr-schedule", "none"]


def _long_csv(path, n=8):
    """n sequences of 3..5 steps: features f1, f2 and a numeric target per sequence, 'amount'."""
    rng = np.random.default_rng(0)
    rows = [{"id": f"s{i}", "t": t, "f1": rng.normal(i % 2, 0.5), "f2": rng.normal(), "amount": i % 2 + 0.1 * i}
            for i in range(n) for t in range(3 + i % 3)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _with_nan_target(path, word="NaN"):
    """The file with its fifth row's (line 6's, sequence 's1''s) target cell written ``word``."""
    lines = path.read_text().splitlines()
    cells = lines[5].split(",")
    assert cells[0] == "s1"
    lines[5] = ",".join([*cells[:-1], word])
    path.write_text("\n".join(lines) + "\n")
    return path


def test_r14_01_a_per_sequence_target_that_varies_is_refused_by_its_own_exception(tmp_path):
    from rnnkit.data.tables import VaryingTargetError

    data = _long_csv(tmp_path / "r.csv")
    frame = pd.read_csv(data)
    frame["score"] = frame["f1"].round(3)  # varies within each sequence
    frame.to_csv(data, index=False)
    with pytest.raises(VaryingTargetError) as e:
        read_sequences(data, time_column="t", target_column="score")
    first, other = float(frame["score"].iloc[0]), float(frame["score"].iloc[1])
    assert e.value.what == (f"{data}: sequence 's0' has several values in 'score' ({first!r} on line 2, "
                            f"{other!r} on line 3)")
    assert str(e.value) == (f"{e.value.what}; a per-sequence target must be constant (use --task tag for per-step "
                            "labels)")
    assert isinstance(e.value, ValueError)


def test_r14_02_a_regressors_target_written_nan_is_a_missing_value_not_a_label(tmp_path, capsys):
    data = _long_csv(tmp_path / "r.csv")
    model = tmp_path / "model"
    status, _ = run_cli(["train", data, "--task", "regress", "--time-column", "t", "--target-column", "amount",
                         "--out", model, *TRAIN], capsys)
    assert status == 0
    bad = _with_nan_target(tmp_path / "r.csv")
    expected = (f"{bad}: line 6 has 'NaN' in the target column 'amount', which pandas reads as a missing value; a "
                "regressor needs a number as every sequence's target: fill in the target of sequence 's1' there or "
                "drop that sequence's rows")
    # was: "...; if it is a label, spell it otherwise in the file (e.g. 'NaN_'), else fill it in or drop the row"
    status, err = run_cli(["train", bad, "--task", "regress", "--time-column", "t", "--target-column", "amount",
                           "--out", tmp_path / "again", *TRAIN], capsys)
    assert status == 2 and err == [f"rnnkit train: error: {expected}"]
    status, err = run_cli(["evaluate", model, bad], capsys)
    assert status == 2 and err == [f"rnnkit evaluate: error: {expected}"]
    # a classifier's label may be such a word: the reader's words stay
    status, err = run_cli(["train", bad, "--task", "classify", "--time-column", "t", "--target-column", "amount",
                           "--out", tmp_path / "c", *TRAIN], capsys)
    assert status == 2 and len(err) == 1 and "if it is a label, spell it otherwise" in err[0], err


def test_r14_03_forecasts_printed_backtest_shows_an_undefined_mase_as_not_defined(tmp_path, capsys):
    from rnnkit.cli import main

    n = 60
    times = pd.date_range("2024-03-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M")
    data = tmp_path / "flat.csv"
    pd.DataFrame({"when": times, "load": np.full(n, 5.0)}).to_csv(data, index=False)
    out = tmp_path / "run"
    args = ["forecast", data, "--time-column", "when", "--target-column", "load", "--horizon", "4", "--out", out,
            "--lookback", "8", "--max-epochs", "1", "--hidden-size", "4", "--folds", "2", "--cell", "gru"]
    with pytest.warns(UserWarning, match="backtest: MASE is NaN for 'load'"):
        assert main([str(a) for a in args]) == 0
    printed = capsys.readouterr().out.splitlines()
    mase = next(line for line in printed if line.startswith("mase"))
    # was: "mase         NaN   NaN             NaN"
    assert mase.split() == ["mase", "n/a", "n/a", "n/a"], printed
    assert "nan" not in "\n".join(printed).lower()
    assert ("n/a: not defined: MASE divides the MAE by the in-sample MAE of the seasonal naive forecast, which is 0 "
            "(or undefined) on the training steps of every fold (see the warning above); compare the methods by "
            "MAE, RMSE or sMAPE") in printed
    mae = next(line for line in printed if line.startswith("mae")).split()
    assert mae[0] == "mae" and all(np.isfinite(float(v)) for v in mae[1:]), printed
    # the files keep the numbers: NaN
    backtest = pd.read_csv(out / "backtest.csv")
    assert backtest.loc[backtest["metric"] == "mase", ["forecaster", "naive", "seasonal_naive"]].isna().all().all()
    report = json.loads((out / "report.json").read_text())
    assert list(report["results"]["backtest"]["mean"]["mase"].values()) == [None] * 3  # JSON's null, as before
    markdown = (out / "report.md").read_text()  # the report's table as printed: n/a and why, not nan
    assert "| mase | n/a | n/a | n/a |" in markdown and "n/a: not defined: MASE divides" in markdown
    assert "nan" not in markdown.lower()
