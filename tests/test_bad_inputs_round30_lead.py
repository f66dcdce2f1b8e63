"""Round 30, the lead's rows: '~' in a log_dir is the home directory for every file a fit writes there."""

import numpy as np
import pandas as pd

import rnnkit


def test_L30_01_the_auto_forecasters_choice_is_kept_under_the_home_directory(tmp_path, monkeypatch):
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    y = pd.Series(10 + np.sin(np.arange(48) / 2.0), index=pd.period_range("2020-01", periods=48, freq="M"))
    f = rnnkit.Forecaster(horizon=3, max_epochs=1, hidden_size=4, random_state=0, log_dir="~/runs/auto")
    f.fit(y)
    assert (home / "runs" / "auto" / "model_choice.json").is_file()
    assert not (cwd / "~").exists()  # before: the choice went to ./~/runs/auto, the checkpoints to the home's
