"""The command line as a new user drives it, thirty-first round, second pass: the subcommands the first pass
touched least (forecast, export, serve, demo)."""

import re

import numpy as np
import pandas as pd
import pytest
from helpers import cli_error, run_cli

import rnnkit.deploy.server
import rnnkit.estimators
from rnnkit.cli import build_parser
from rnnkit.forecast import Forecaster


@pytest.fixture
def fake_serve(monkeypatch):
    """rnnkit.deploy.server.serve replaced by one that records its address and announces, serving nothing."""
    calls = []

    def serve(model_dir, *, host, port, on_ready=None, **_):
        calls.append((host, port))
        on_ready()

    monkeypatch.setattr(rnnkit.deploy.server, "serve", serve)
    return calls


def test_C31_11_serve_port_0_url_names_the_port(fake_serve, capsys):
    from rnnkit.cli import main

    capsys.readouterr()
    assert main(["serve", "m", "--port", "0"]) == 0
    printed = capsys.readouterr().out
    (_, port), = fake_serve
    assert re.search(r"http://127\.0\.0\.1:(\d+) ", printed).group(1) == str(port) != "0", printed


def test_C31_12_forecast_several_target_columns_says_one_series(tmp_path, capsys):
    path = tmp_path / "two.csv"
    t = pd.date_range("2024-01-01", periods=30, freq="D").strftime("%Y-%m-%d")
    pd.DataFrame({"date": t, "y": np.arange(30.0), "z": np.arange(30.0) * 2}).to_csv(path, index=False)
    err = cli_error(["forecast", path, "--time-column", "date", "--target-column", "y,z", "--horizon", "3",
                     "--out", tmp_path / "o"], capsys)
    assert "--target-column 'y,z' names 2 columns" in err and "forecasts one series" in err, err
    assert "--target-column y (with --covariates z" in err, err
    assert not (tmp_path / "o").exists()


def test_C31_13_serve_on_every_interface_says_so(fake_serve, capsys):
    status, err = run_cli(["serve", "m", "--host", "0.0.0.0", "--port", "8123"], capsys)
    assert status == 0 and fake_serve == [("0.0.0.0", 8123)]
    assert len(err) == 1 and "listens beyond this machine" in err[0] and "no authentication" in err[0], err
    status, err = run_cli(["serve", "m", "--port", "8123"], capsys)  # the default, loopback: nothing to say
    assert status == 0 and err == []


def test_C31_14_export_of_a_forecaster_auto_chose_names_the_command(monkeypatch, tmp_path, capsys):
    chosen = Forecaster(horizon=3)  # --model auto's choice, exponential smoothing alone, as rnnkit forecast saves it
    chosen.model_, chosen.model_kind_, chosen.components_ = object(), "ets", ["ets"]
    monkeypatch.setattr(rnnkit.estimators, "load", lambda path: chosen)
    err = cli_error(["export", tmp_path / "f", "--out", tmp_path / "onnx"], capsys)
    assert "is not exported (its forecast is not a network's: ets), as --model auto chose" in err, err
    assert "rerun rnnkit forecast with --model direct" in err and "model='direct'" not in err, err


def test_C31_15_demo_reads_hidden_size_and_says_what_it_does(capsys):
    assert build_parser().parse_args(["demo", "--hidden-size", "8"]).hidden == 8  # as train and compare spell it
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "report.html" in shown and "--steps" in shown.split("options:")[0], shown


def test_C31_16_forecast_of_unix_seconds_warns_that_they_have_no_calendar(tmp_path, capsys):
    t = pd.date_range("2024-01-01", periods=30, freq="D")
    for unit, scale in (("s", 10**9), ("ms", 10**6)):
        path = tmp_path / f"{unit}.csv"
        pd.DataFrame({"ts": t.as_unit("ns").asi8 // scale, "y": np.arange(30.0)}).to_csv(path, index=False)
        # --horizon too long for the series: refused after the warning, before any fit
        status, err = run_cli(["forecast", path, "--time-column", "ts", "--target-column", "y", "--horizon", "40",
                               "--out", tmp_path / "o"], capsys)
        assert status == 2 and len(err) == 2, err
        assert f"holds numbers that read as Unix {'seconds' if unit == 's' else 'milliseconds'}" in err[0], err
        assert "is 2024-01-01 00:00:00, a step of 1 days" in err[0] and f"unit={unit!r}" in err[0], err
    path = tmp_path / "years.csv"
    pd.DataFrame({"year": np.arange(1990, 2020), "y": np.arange(30.0)}).to_csv(path, index=False)
    status, err = run_cli(["forecast", path, "--time-column", "year", "--target-column", "y", "--horizon", "40",
                           "--out", tmp_path / "o"], capsys)
    assert status == 2 and len(err) == 1 and "warning" not in err[0], err  # years are numbers, as they should be
