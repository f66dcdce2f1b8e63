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


def test_L32_02_rows_of_a_step_indexed_series_given_to_predict_are_read_at_their_steps():
    """A series fitted on row numbers (a RangeIndex from 0): its latest rows, data=y.iloc[-40:] (index 104 .. 143),
    were refused as "a numeric time axis" against "no time axis", and the same rows renumbered from 0 would
    restart the ETS at the fitted start. They are the fitted steps 104 .. 143: the fitted rows before them are
    read first, as for a dated series (F32-01), and a gap after the fitted steps is refused."""
    import pytest
    from sktime.datasets import load_airline

    from rnnkit import Forecaster

    y = load_airline().reset_index(drop=True)  # steps 0 .. 143
    for model in ("auto", "direct"):
        f = Forecaster(horizon=3, model=model, hidden_size=4, max_epochs=1, random_state=0).fit(y.iloc[:130])
        whole = f.predict(data=y)
        latest = f.predict(data=y.iloc[100:])  # steps 100 .. 143: the fitted 100 .. 129, then 14 new rows
        assert latest.index.tolist() == [144, 145, 146], latest
        np.testing.assert_allclose(latest.to_numpy(), whole.to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(f.predict(data=y.iloc[-20:130]).to_numpy(), f.predict().to_numpy(), rtol=1e-9)
        with pytest.raises(ValueError, match="after"):
            f.predict(data=y.iloc[135:])  # steps 135 .. 143: the steps 130 .. 134 are unknown
        with pytest.raises(ValueError, match="numbers its rows 1990 .. 2029, after the fitted steps 0 .. 129"):
            f.predict(data=y.iloc[:40].set_axis(range(1990, 2030)))
