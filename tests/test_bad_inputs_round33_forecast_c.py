"""Round 33 (third pass), forecasting: each test fails on the commit before its fix (see the catalogue)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import DirectForecastNet, Forecaster
from rnnkit.models import SequenceToLabel


@pytest.fixture(scope="module")
def series():
    rng = np.random.default_rng(0)
    t = np.arange(96)
    return pd.Series(10 + 5 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.5, len(t)))


def test_F33_07_old_hybrid_save_names_forecaster_load(series, tmp_path):
    fc = Forecaster(horizon=4, model="hybrid", lookback=24, season_length=12, cell="layernorm_lstm",
                    hidden_size=8, max_epochs=1, random_state=0, device="cpu").fit(series)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = DirectForecastNet(SequenceToLabel(1, 8, 4, cell="layernorm_lstm"), 4, 1, relative=False)
    fc.global_.model_ = fc.model_ = old.eval()  # the layout rnnkit fitted before the constant channel
    expected = fc.predict().to_numpy()
    fc.save(tmp_path / "old")
    with pytest.warns(UserWarning, match=r"layernorm_lstm.*signs") as caught:
        loaded = Forecaster.load(tmp_path / "old")
    said = [str(w.message) for w in caught if "signs" in str(w.message)]
    assert len(said) == 1 and said[0].startswith("Forecaster.load: "), said  # before: GlobalForecaster.load
    assert [w.filename for w in caught if "signs" in str(w.message)] == [__file__]  # the user's line
    np.testing.assert_array_equal(loaded.predict().to_numpy(), expected)
