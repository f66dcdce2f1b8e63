"""Thirty-seventh round, the lead's rows: an index (not a column) of Excel serial days named as dates; the opset of
`rnnkit export`."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import TINY_DEPLOY, deploy_data, run_cli

import rnnkit
from rnnkit import Forecaster


def _weekly(index: pd.Index) -> pd.Series:
    rng = np.random.default_rng(0)
    steps = np.arange(len(index))
    return pd.Series(10 + np.sin(steps * 2 * np.pi / 7) + rng.normal(0, 0.1, len(index)), index=index, name="y")


def test_L37_01_an_index_of_excel_days_named_as_dates_is_warned_of_as_a_column_is():
    days = np.arange(44927, 44927 + 60)
    with pytest.warns(UserWarning, match=r"Forecaster.fit: the index holds whole numbers 44927 \.\. 44986, a day "
                      r"apart, that read as Excel serial dates .*44927 is 2023-01-01.*data\.index = "
                      r"pd\.to_datetime\(data\.index, unit='D', origin='1899-12-30'\)"):
        Forecaster(horizon=7, model="direct", max_epochs=1).fit(_weekly(pd.Index(days, name="Date")))
    # an unnamed index of numbers in that range is row numbers or counts as far as anyone can tell: no word
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Excel serial dates")
        Forecaster(horizon=7, model="direct", max_epochs=1).fit(_weekly(pd.Index(days)))


def test_L37_02_rnnkit_export_takes_the_opset_export_onnx_takes(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    X, y = deploy_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rnnkit.SequenceClassifier(**TINY_DEPLOY).fit(X, y).save(tmp_path / "m")
    # before: "unrecognized arguments: --opset 18": export_onnx(opset=) had no command-line spelling
    status, err = run_cli(["export", tmp_path / "m", "--out", tmp_path / "e", "--opset", "18"], capsys)
    assert status == 0, err
    assert json.loads((tmp_path / "e" / "export.json").read_text())["opset"] == 18
    status, err = run_cli(["export", tmp_path / "m", "--out", tmp_path / "e13", "--opset", "13"], capsys)
    assert status == 2 and len(err) == 1 and "cannot write ONNX opset 13" in err[0], err
    status, err = run_cli(["export", tmp_path / "m", "--out", tmp_path / "e0", "--opset", "0"], capsys)
    assert status == 2 and "--opset" in err[-1], err


def test_L37_03_a_negative_autocorrelation_beyond_the_band_is_not_called_within_it():
    from rnnkit.forecast.defaults import choose_season_length

    steps = np.arange(140)
    reverse = np.sin(2 * np.pi * steps / 14)[:, None] + np.random.default_rng(0).normal(0, 0.05, (140, 1))
    m, reason = choose_season_length(reverse, "D")
    # was: "... at lag 7 is within the white-noise band: -0.91 (band 0.17)"
    assert m == 1 and "at lag 7 is below the white-noise band (negative: the changes reverse at lag 7" in reason
    assert "within" not in reason
    m, reason = choose_season_length(np.random.default_rng(0).standard_normal((140, 1)), "D")
    assert m == 1 and "is within the white-noise band: -0.08 (band 0.17)" in reason
