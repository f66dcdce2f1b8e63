"""Round 30, the lead's rows: '~' in a log_dir is the home directory for every file a fit writes there."""

import warnings

import numpy as np
import pandas as pd
import pytest
from test_ensemble import _long_set

import rnnkit


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A home directory of the test's own, and a working directory apart from it: ``(home, cwd)``."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    return home, cwd


def test_L30_01_the_auto_forecasters_choice_is_kept_under_the_home_directory(home):
    home, cwd = home
    y = pd.Series(10 + np.sin(np.arange(48) / 2.0), index=pd.period_range("2020-01", periods=48, freq="M"))
    f = rnnkit.Forecaster(horizon=3, max_epochs=1, hidden_size=4, random_state=0, log_dir="~/runs/auto")
    f.fit(y)
    assert (home / "runs" / "auto" / "model_choice.json").is_file()
    assert not (cwd / "~").exists()  # before: the choice went to ./~/runs/auto, the checkpoints to the home's


def test_L30_02_a_refit_of_fewer_members_under_a_home_log_dir_names_the_folders_left(home):
    home, _ = home
    X, y = _long_set()
    quick = dict(max_epochs=1, random_state=0, lr_schedule=None, log_dir="~/logs")
    rnnkit.SequenceClassifier(n_members=2, **quick).fit(X, y)
    assert (home / "logs" / "members" / "1").is_dir()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rnnkit.SequenceClassifier(n_members=1, **quick).fit(X, y)
    said = [str(w.message) for w in caught if "of an earlier fit of more networks" in str(w.message)]
    # before: looked for ./~/logs/members, which does not exist, and said nothing
    assert len(said) == 1 and said[0].startswith("SequenceClassifier.fit: ~/logs/members/1 holds the logs")
