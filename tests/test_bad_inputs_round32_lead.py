"""Thirty-second round, the lead's cases (docs/bad_inputs.md, L32-…)."""

import warnings

import numpy as np
import pandas as pd

from rnnkit.cli import main


def test_L32_01_forecast_of_unix_seconds_warns_once(tmp_path, capsys):
    """The command warns of Unix-second times in its own words; Forecaster.fit (F32-04) warned of the same again,
    in Python's, on every fit of the backtest and the final fit."""
    t = pd.date_range("2024-01-01", periods=60, freq="h")
    path = tmp_path / "s.csv"
    load = 10 + np.sin(np.arange(60) * 2 * np.pi / 24)
    pd.DataFrame({"ts": t.as_unit("ns").asi8 // 10**9, "y": load}).to_csv(path, index=False)
    with warnings.catch_warnings(record=True) as caught:  # what Python would print on stderr
        warnings.simplefilter("always")
        status = main(["forecast", str(path), "--time-column", "ts", "--target-column", "y", "--horizon", "3",
                       "--max-epochs", "1", "--hidden-size", "4", "--folds", "1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert status == 0, err
    said = [str(w.message) for w in caught if "read as Unix seconds" in str(w.message)]
    assert err.count("read as Unix seconds") == 1 and not said, (err, said)
    assert "rnnkit forecast: warning: the time column 'ts'" in err, err
