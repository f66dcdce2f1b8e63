"""The command line on real data written to files as people write them (docs/bad_inputs.md, seventh catalogue:
command line on real data, K7-xx): sktime's GunPoint as a long, a wide and an npz file, the airline series and
macrodata as CSVs; options that conflict with the file's layout or with each other, a backtest that does not
fit the series, standard input and output as '-', compare's task options. Each test fails on commit 56156c3."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli import main

TINY = ["--epochs", "1", "--hidden-size", "4"]
FORECAST = ["--time-column", "month", "--target-column", "passengers", "--max-epochs", "1", "--hidden-size", "4",
            "--model", "direct"]
COMPARE = ["compare", "--seeds", "1", "--steps", "2", "--hidden-size", "4", "--eval-every", "1"]


@pytest.fixture(scope="module")
def gunpoint(tmp_path_factory):
    """20 GunPoint series cut to 30 steps, as a long CSV (id, t, x, target), a wide CSV (target, v0..v29) and
    an npz (X (n, T, 1), y)."""
    from sktime.datasets import load_gunpoint

    X, y = load_gunpoint(split="train", return_type="numpy3D")  # (n, C=1, T), labels '1' / '2'
    X, y = X[:20, 0, :30], y[:20]
    tmp = tmp_path_factory.mktemp("gunpoint")
    pd.DataFrame([{"id": f"g{i}", "t": t, "x": X[i, t], "target": y[i]} for i in range(len(X))
                  for t in range(X.shape[1])]).to_csv(tmp / "long.csv", index=False)
    wide = pd.DataFrame(X, columns=[f"v{t}" for t in range(X.shape[1])])
    wide.insert(0, "target", y)
    wide.to_csv(tmp / "wide.csv", index=False)
    np.savez(tmp / "gp.npz", X=X[:, :, None], y=y)
    return tmp


@pytest.fixture(scope="module")
def airline(tmp_path_factory):
    """sktime's airline passengers (144 months) as a CSV: month (ISO dates), passengers; and its first 20 rows."""
    from sktime.datasets import load_airline

    frame = load_airline().to_timestamp().rename("passengers").rename_axis("month").reset_index()
    tmp = tmp_path_factory.mktemp("airline")
    frame.to_csv(tmp / "air.csv", index=False)
    frame.head(20).to_csv(tmp / "short.csv", index=False)
    return tmp


# K7-01 ------------------------------------------------------------------------------------------------------
def test_k7_01_predict_out_dash_is_standard_output(gunpoint, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(gunpoint / "long.csv"), "--task", "classify", "--time-column", "t", *TINY,
                 "--out", "m"]) == 0
    capsys.readouterr()
    assert main(["predict", "m", str(gunpoint / "long.csv")]) == 0
    printed = capsys.readouterr().out
    assert main(["predict", "m", str(gunpoint / "long.csv"), "--out", "-"]) == 0
    assert capsys.readouterr().out == printed and printed.startswith("id,prediction,proba_1,proba_2")
    assert not (tmp_path / "-").exists()  # no file named '-'


# K7-02 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["train", "-", "--task", "classify", *TINY, "--out", "m"],
                                     ["predict", "m", "-"],
                                     ["forecast", "-", *FORECAST, "--horizon", "2", "--out", "f"]])
def test_k7_02_standard_input_is_refused_as_such(tmp_path, cli_error, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    line = cli_error(command)
    assert f"rnnkit {command[0]}: error: the data '-' (standard input) cannot be read" in line
    assert "save the data to a file and pass its path" in line


# K7-03 ------------------------------------------------------------------------------------------------------
def test_k7_03_a_wide_model_predicts_a_wide_csv_without_layout(gunpoint, tmp_path, capsys):
    assert main(["train", str(gunpoint / "wide.csv"), "--layout", "wide", "--task", "classify", *TINY,
                 "--out", str(tmp_path / "m")]) == 0
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m"), str(gunpoint / "wide.csv"), "--layout", "wide"]) == 0
    expected = capsys.readouterr().out
    assert main(["predict", str(tmp_path / "m"), str(gunpoint / "wide.csv")]) == 0  # the layout it was trained on
    assert capsys.readouterr().out == expected and len(expected.splitlines()) == 21


# K7-04 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("file,args,expected", [
    ("gp.npz", ["--target-column", "label"], "gp.npz: --target-column names a CSV column, but an .npz holds arrays"),
    ("gp.npz", ["--time-column", "t"], "leave --time-column out (or give a CSV)"),
    ("wide.csv", ["--layout", "wide", "--id-column", "id"],
     "wide.csv: --id-column names a column of a long CSV, but --layout wide has one row per sequence"),
    ("wide.csv", ["--layout", "wide", "--time-column", "t"], "leave --time-column out"),
])
def test_k7_04_a_column_option_the_layout_does_not_read_is_refused(gunpoint, tmp_path, cli_error, monkeypatch,
                                                                   file, args, expected):
    monkeypatch.setattr("rnnkit.SequenceClassifier.fit", lambda *a, **k: pytest.fail("trained"))
    line = cli_error(["train", gunpoint / file, "--task", "classify", *args, *TINY, "--out", tmp_path / "m"])
    assert expected in line, line
    assert not (tmp_path / "m").exists()


# K7-05 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flag", [["--bidirectional"], ["--num-layers", "2"]])
def test_k7_05_time_aware_with_two_directions_or_layers_names_the_flags(gunpoint, tmp_path, cli_error, flag):
    line = cli_error(["train", gunpoint / "long.csv", "--task", "classify", "--time-column", "t", "--time-aware",
                      *flag, *TINY, "--out", tmp_path / "m"])
    assert "--time-aware wraps one forward layer" in line
    assert "leave out --bidirectional and --num-layers (or give --num-layers 1)" in line
    assert not (tmp_path / "m").exists()


# K7-06 ------------------------------------------------------------------------------------------------------
def test_k7_06_forecast_hybrid_with_covariates_names_the_flags(tmp_path, cli_error):
    import statsmodels.api as sm

    macro = sm.datasets.macrodata.load_pandas().data
    macro["date"] = pd.PeriodIndex.from_fields(year=macro.year.astype(int), quarter=macro.quarter.astype(int))
    macro["date"] = macro["date"].astype(str)  # 1959Q1, ...
    macro.to_csv(tmp_path / "macro.csv", index=False)
    line = cli_error(["forecast", tmp_path / "macro.csv", "--time-column", "date", "--target-column", "realgdp",
                      "--covariates", "realcons, realinv", "--horizon", "4", "--model", "hybrid", "--out",
                      tmp_path / "f"])
    assert "--model hybrid reads no covariates" in line
    assert "leave out --covariates, or use --model direct (or auto)" in line


# K7-07 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("file,args,expected", [
    ("air.csv", ["--horizon", "12", "--season-length", "200"],
     "leaving 108 before the first fold, which needs 201 (13 to train on a lookback of 1 and the horizon, 201 "
     "for the seasonal naive of season 200); lower --season-length (at most 107)"),
    ("short.csv", ["--horizon", "12"], "take the last 36 of the series' 20 steps, leaving 0 before the first "
     "fold, which needs 13"),
    ("short.csv", ["--horizon", "12"], "lower --horizon (at most 2)"),
    ("short.csv", ["--horizon", "3", "--folds", "10"], "lower --folds (at most 2)"),
])
def test_k7_07_a_backtest_that_does_not_fit_names_the_flags(airline, tmp_path, cli_error, file, args, expected):
    line = cli_error(["forecast", airline / file, *FORECAST, *args, "--out", tmp_path / "f"])
    assert f"{file}: the backtest's " in line and "(--folds, --horizon) take the last" in line, line
    assert expected in line, line


# K7-08 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("task,expected", [
    ("Adding", "argument --task: unknown 'Adding'; did you mean 'adding'? (choose from adding, copy, digits"),
    ("gunpoint", "argument --task: unknown 'gunpoint' (choose from adding, copy, digits, permuted_digits, mnist1d)"),
])
def test_k7_08_compare_an_unknown_task_is_an_argument_error(tmp_path, cli_error, task, expected):
    line = cli_error([*COMPARE, "--task", task, "--out", tmp_path / "c"])
    assert expected in line, line


# K7-09 ------------------------------------------------------------------------------------------------------
def test_k7_09_compare_length_of_a_task_of_fixed_length(tmp_path, cli_error):
    line = cli_error([*COMPARE, "--task", "digits", "--length", "50", "--out", tmp_path / "c"])
    assert "task 'digits' has sequences of one fixed length, which lengths [50] cannot set" in line
    assert "leave --length out" in line and "the tasks with a length are ['adding', 'copy']" in line


# K7-10 ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("params,expected", [
    ('{"T": 20}', "task_params sets 'T' (20) and lengths [10] set it too, and a length would win; give it once: "
     "lengths=[20] (rnnkit compare --length 20)"),
    ('{"seed": 5}', "task_params sets 'seed' (5), which each run sets to its own seed"),
])
def test_k7_10_compare_task_params_that_would_be_overridden(tmp_path, cli_error, params, expected):
    line = cli_error([*COMPARE, "--task", "adding", "--length", "10", "--task-params", params,
                      "--out", tmp_path / "c"])
    assert expected in line, line
    assert not (tmp_path / "c").exists()



# K7-11 ------------------------------------------------------------------------------------------------------
def test_k7_11_months_with_gaps_suggest_their_own_grid(airline, tmp_path, cli_error):
    pd.read_csv(airline / "air.csv").drop(index=[10, 11, 12]).to_csv(tmp_path / "gaps.csv", index=False)
    line = cli_error(["forecast", tmp_path / "gaps.csv", *FORECAST, "--horizon", "12", "--out", tmp_path / "f"])
    assert line.startswith(f"rnnkit forecast: error: {tmp_path / 'gaps.csv'}: the timestamps of 'month' are not "
                           "evenly spaced"), line
    assert "1950-02-01 00:00:00 follows 1949-10-01 00:00:00" in line
    assert line.endswith("pass --freq MS to resample onto a regular grid (empty bins become missing values)")


# K7-12 ------------------------------------------------------------------------------------------------------
def test_k7_12_stride_without_a_front_end_is_refused(gunpoint, tmp_path, cli_error, monkeypatch):
    monkeypatch.setattr("rnnkit.SequenceClassifier.fit", lambda *a, **k: pytest.fail("trained"))
    line = cli_error(["train", gunpoint / "long.csv", "--task", "classify", "--time-column", "t", "--frontend", "none",
                      "--stride", "4", *TINY, "--out", tmp_path / "m"])
    assert "--stride 4 is the stride of a front-end, and --frontend none has none" in line
    assert "leave --stride out, or choose --frontend conv" in line
    assert not (tmp_path / "m").exists()
