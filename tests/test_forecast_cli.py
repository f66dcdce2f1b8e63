"""`rnnkit forecast`: a CSV in, the model, the forecast, the backtest beside the naive baselines and the report out;
bad input ends as one line. Also the registry's cell names and the scale-out flags of `rnnkit train`."""

import json

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.cli import build_parser, main
from rnnkit.models import CELL_NAMES

N = 60


def _csv(path, n=N, *, times=None, target=None):
    t = pd.date_range("2024-03-01", periods=n, freq="h")
    y = 10 + np.sin(2 * np.pi * np.arange(n) / 24) if target is None else target
    times = t.strftime("%Y-%m-%d %H:%M") if times is None else times
    pd.DataFrame({"when": times, "load": y, "temp": np.arange(n) % 7}).to_csv(path, index=False)
    return path


def _forecast_args(data, out, *extra):
    return ["forecast", data, "--time-column", "when", "--target-column", "load", "--horizon", "4", "--out", out,
            *extra]


def test_forecast_end_to_end(tmp_path, capsys):
    data = _csv(tmp_path / "load.csv")
    out = tmp_path / "run"
    args = _forecast_args(data, out, "--lookback", "8", "--max-epochs", "1", "--hidden-size", "4", "--folds", "2",
                          "--cell", "gru", "--covariates", "temp")
    assert main([str(a) for a in args]) == 0
    assert "wrote the model" in capsys.readouterr().err  # stdout holds the backtest's table alone (C39-01)

    forecast = pd.read_csv(out / "forecast.csv")
    assert list(forecast.columns) == ["when", "load"] and len(forecast) == 4
    expected = pd.date_range("2024-03-01", periods=N + 4, freq="h")[N:]
    assert (pd.to_datetime(forecast["when"]) == expected).all()
    assert np.isfinite(forecast["load"]).all()

    model = rnnkit.load(out)  # the output directory is the saved model
    assert isinstance(model, rnnkit.Forecaster) and model.cell == "gru" and model.covariates_ == ("temp",)
    np.testing.assert_allclose(model.predict()["load"].to_numpy(), forecast["load"].to_numpy(), rtol=1e-12)

    backtest = pd.read_csv(out / "backtest.csv")
    assert list(backtest.columns) == ["origin", "metric", "forecaster", "naive", "seasonal_naive"]
    assert len(backtest) == 2 * 4 and list(backtest["metric"][:4]) == ["mae", "rmse", "smape", "mase"]
    origins = pd.to_datetime(backtest["origin"].unique())
    assert list(origins) == list(pd.date_range("2024-03-01", periods=N, freq="h")[[N - 8, N - 4]])
    # the naive forecast repeats the last value before each origin: its MAE, by hand
    y = 10 + np.sin(2 * np.pi * np.arange(N) / 24)
    naive_mae = [np.abs(y[o : o + 4] - y[o - 1]).mean() for o in (N - 8, N - 4)]
    np.testing.assert_allclose(backtest.loc[backtest["metric"] == "mae", "naive"], naive_mae, rtol=1e-12)
    folds = pd.read_csv(out / "backtest_forecasts.csv")
    assert set(folds.columns) >= {"forecaster", "naive", "seasonal_naive", "actual"} and len(folds) == 8

    report = json.loads((out / "report.json").read_text())
    results = report["results"]
    assert results["season_length"] == 24 and results["freq"] == "h" and results["steps"] == N
    assert set(results["backtest"]["mean"]) == {"mae", "rmse", "smape", "mase"}
    assert set(results["backtest"]["mean"]["mae"]) == {"forecaster", "naive", "seasonal_naive"}
    assert results["forecast"]["value"] == pytest.approx(forecast["load"].tolist(), rel=1e-12)
    md = (out / "report.md").read_text()
    assert "| metric | forecaster | naive | seasonal_naive |" in md
    html = (out / "report.html").read_text()
    assert "data:image/png;base64," in html and "seasonal_naive" in html


def test_forecast_bad_inputs_are_one_line_errors(tmp_path, cli_error):
    out = tmp_path / "run"
    good = _csv(tmp_path / "good.csv")
    line = cli_error(_forecast_args(good, out, "--target-column", "watts"))
    assert "column(s) ['watts'] not found" in line and "good.csv" in line
    text = pd.Series(10.0 + np.arange(N), dtype=object)
    text[6] = "abc"
    line = cli_error(_forecast_args(_csv(tmp_path / "text.csv", target=text), out))
    assert "column 'load' is not numeric (line 8 has 'abc')" in line
    uneven = pd.date_range("2024-03-01", periods=N + 1, freq="h").delete(17).strftime("%Y-%m-%d %H:%M")
    line = cli_error(_forecast_args(_csv(tmp_path / "uneven.csv", times=uneven), out))
    assert "not evenly spaced" in line and "--freq h" in line
    line = cli_error(_forecast_args(good, out, "--horizon", "50", "--lookback", "20"))
    assert "--lookback 20 + --horizon 50 = 70 steps" in line and f"has {N} steps" in line
    repeated = pd.date_range("2024-03-01", periods=N, freq="h").strftime("%Y-%m-%d %H:%M").tolist()
    repeated[9] = repeated[8]
    line = cli_error(_forecast_args(_csv(tmp_path / "repeated.csv", times=repeated), out))
    assert "repeats at line 11" in line
    line = cli_error(_forecast_args(good, out, "--folds", "40"))
    assert "40 folds of horizon 4" in line
    line = cli_error(_forecast_args(good, out, "--cell", "transformer"))
    assert "invalid choice: 'transformer'" in line
    assert not out.exists()  # nothing written on an error


def test_every_command_takes_its_cells_from_the_registry():
    parser = build_parser()
    for name in CELL_NAMES:
        assert parser.parse_args(["train", "x.csv", "--task", "regress", "--out", "o", "--cell", name]).cell == name
        assert parser.parse_args(_forecast_args("x.csv", "o", "--cell", name)).cell == name


def test_train_passes_the_scale_out_flags_to_the_estimator(tmp_path, cli_error, monkeypatch):
    rows = [{"id": f"s{i}", "f1": float(i + t), "target": float(i)} for i in range(6) for t in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "seq.csv", index=False)
    seen = {}

    def fit(self, X, y, **kwargs):
        seen.update(self.get_params())
        raise ValueError("stopped before training")

    monkeypatch.setattr(rnnkit.SequenceRegressor, "fit", fit)
    line = cli_error(["train", tmp_path / "seq.csv", "--task", "regress", "--out", tmp_path / "m", "--cell", "minlstm",
                   "--devices", "2", "--num-nodes", "3", "--strategy", "ddp"])
    assert "stopped before training" in line
    assert (seen["cell"], seen["devices"], seen["num_nodes"], seen["strategy"]) == ("minlstm", 2, 3, "ddp")
    assert "--devices: must be >= 1" in cli_error(["train", tmp_path / "seq.csv", "--task", "regress", "--out",
                                                 tmp_path / "m", "--devices", "0"])
