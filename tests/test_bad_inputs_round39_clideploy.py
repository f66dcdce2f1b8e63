"""Thirty-ninth round: the command line and deployment as a new user drives them: the forecast's table read from
standard output, a learning rate no training uses, a raw array's bytes as a request body, ..."""

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import CLI_QUICK, cli_error, deploy_classifier, deploy_data, long_csv, run_cli

from rnnkit.cli import main


@pytest.fixture(scope="module")
def plain():
    X, y = deploy_data()
    return deploy_classifier(X, y), X


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
    # review: --verbose's choices ("Forecaster: lookback = 8 (given)") were printed on standard output, above the table
    assert main([*args[:-1], str(tmp_path / "verbose"), "--verbose"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("backtest (2 folds of 4 steps), mean over folds:"), captured.out[:300]
    assert "Forecaster:" not in captured.out and "Forecaster: lookback = 8" in captured.err


def test_C39_02_a_learning_rate_above_one_is_warned_naming_the_fix(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    train = ["train", data, "--task", "classify", *CLI_QUICK, "--epochs", "1"]
    # was: trained without a word and "wrote model and metrics.json": every weight thrown to about 1e12 at the first
    # step (the largest 1.4e12), the model saturated
    with pytest.warns(UserWarning, match=r"--lr 1e\+12 is above 1, where no usual training with Adam runs \(rnnkit "
                                         r"trains with AdamW; an SGD recipe's rate, 1 to 20, does not carry over\)"
                                         r".* thrown to about "
                                         r"1e\+12 at the first step .* give a rate near 1e-3 "
                                         r"\(or leave --lr out\), or silence this with "
                                         r"PYTHONWARNINGS='ignore:--lr'"):
        status, _ = run_cli([*train, "--lr", "1e12", "--out", tmp_path / "m"], capsys)
    assert status == 0
    with warnings.catch_warnings():  # a usual rate, and 1 itself: no word
        warnings.filterwarnings("error", message="--lr")
        status, _ = run_cli([*train, "--lr", "1", "--out", tmp_path / "m1"], capsys)
    assert status == 0


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_S39_01_a_raw_array_body_is_named_binary_under_any_content_type(plain, dtype):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    clf, X = plain
    body = X[2][:4].astype(dtype).tobytes()  # requests.post(url, data=x.tobytes()), 4 steps of 3 features
    n = len(body)
    counts = f"{n // 4} float32 or {n // 8} float64 values"
    with TestClient(create_app(clf)) as client:
        for headers in ({}, {"Content-Type": "application/octet-stream"}):
            answer = client.post("/predict", content=body, headers=headers)
            # was: "request body is not JSON ('utf-8' codec can't decode byte 0xd8 in position 0: invalid continuation
            # byte)" (or utf-32-be's words for int64), json's words alone; application/octet-stream added only "its
            # Content-Type is application/octet-stream, and the server reads JSON only"
            assert answer.status_code == 400
            detail = answer.json()["detail"]
            assert re.fullmatch(rf"request body is not JSON \(.*\): it is binary data, not text, with no mark of a "
                                rf"file format, as an array's x\.tobytes\(\) is \({n} bytes: {counts}, with neither "
                                r'shape nor dtype\); send the arrays as JSON numbers, \{"sequences": \[x\.tolist\(\) '
                                r"for x in X\]\} \(requests\.post\(url, json=payload\)\)", detail), detail


def test_S39_01_text_that_is_not_json_is_not_called_binary():
    from rnnkit.deploy.server import Limits, RequestError, parse_request

    texts = ["id,t,f\n1,2,\u00e9".encode("latin-1"), '{"sequences": [[[1, 2 3]]]}'.encode("utf-16-le"),
             "\u043f\u043e\u0441\u043b\u0435\u0434".encode(), b"a,b\n1,2\n"]
    # review: valid JSON of accented text closed by a C string's NUL, and accented text cut inside its last character
    # (a body cut short), were called binary data, as x.tobytes() is
    note = json.dumps({"sequences": [[[1, 2, 3]]], "note": "\u043f\u0440\u0438\u0432\u0435\u0442 " * 40},
                      ensure_ascii=False).encode()
    texts += [note + b"\x00", ('{"note": "' + "\u00e9t\u00e9 \u0445\u043e\u0440\u043e\u0448\u043e " * 40).encode()[:-1]]
    for body in texts:
        with pytest.raises(RequestError) as caught:
            parse_request(body, 3, Limits())
        assert "binary" not in str(caught.value), body


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_C39_03_a_forecaster_given_to_predict_or_evaluate_names_what_to_do_instead(command, tmp_path, capsys):
    data = _series_csv(tmp_path / "load.csv", n=40)
    out = tmp_path / "run"
    assert main(["forecast", data, "--time-column", "when", "--target-column", "load", "--horizon", "2",
                 "--lookback", "4", "--max-epochs", "1", "--hidden-size", "4", "--folds", "1", "--cell", "gru",
                 "--season-length", "2", "--model", "direct", "--out", str(out)]) == 0
    message = cli_error([command, out, data], capsys)
    # was: "run is a Forecaster; `rnnkit predict` reads sequence models (rnnkit train)": no word of what to do
    assert f"{out} is a Forecaster (written by rnnkit forecast), and `rnnkit {command}` reads the sequence models " \
           "rnnkit train writes; " in message
    if command == "predict":
        assert message.endswith(f"its forecast of the series it was fitted on is {out / 'forecast.csv'}; to forecast "
                                f"after newer rows, rerun rnnkit forecast on the series with its newer rows, or in "
                                f"Python rnnkit.load({str(out)!r}).predict(data=series)")
    else:
        assert message.endswith(f"its scores are {out / 'backtest.csv'}, the backtest over the series' last steps "
                                f"(--folds); to score it on newer rows, rerun rnnkit forecast on the series with its "
                                f"newer rows")


@pytest.mark.parametrize(("option", "given", "fraction"), [("--test-fraction", "20", "0.2"), ("--dropout", "50", "0.5"),
                                                           ("--label-smoothing", "10", "0.1")])
def test_C39_04_a_fraction_given_as_a_percentage_is_told_the_fraction(option, given, fraction, tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    message = cli_error(["train", data, "--task", "classify", *CLI_QUICK, option, given, "--out", tmp_path / "m"],
                        capsys)
    # was: "argument --test-fraction: must be in [0, 1) (0 trains on every sequence), got 20": the range alone
    assert re.search(rf"argument {option}: must be in \[0, 1\).*, got {given} \(a percentage\? write the fraction, "
                     rf"{fraction}\)", message), message
    # a value no percentage explains is told its range alone
    assert "percentage" not in cli_error(["train", data, "--task", "classify", *CLI_QUICK, option, "150", "--out",
                                          tmp_path / "m"], capsys)
