"""Round 33 (third pass), forecasting: each test fails on the commit before its fix (see the catalogue)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import DirectForecastNet, Forecaster, GlobalForecaster, errors
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


def test_F33_08_errors_of_a_1d_actual_beside_one_forecast_column_pairs_each_step_once():
    actual = np.array([1.0, 2, 3, 4, 5, 6])
    pred = actual[:, None] + 0.5  # a one-column DataFrame's .to_numpy()
    got = errors(actual, pred, 1.0)
    assert got["mae"] == pytest.approx(0.5) and got["rmse"] == pytest.approx(0.5)  # before: 2.2, (6, 6) differences


def test_F33_09_errors_of_a_forecast_with_quantiles_is_refused_naming_its_median():
    time = pd.date_range("2020-01-01", periods=3, freq="MS")
    actual = pd.Series([10.0, 11, 12], index=time)
    pred = pd.DataFrame({0.1: actual - 5, 0.5: actual, 0.9: actual + 5}).rename_axis(columns="quantile")
    with pytest.raises(ValueError, match=r"errors: .*quantiles \[0\.1, 0\.5, 0\.9\].*pred\[0\.5\]"):
        errors(actual.to_frame(), pred, 1.0)  # before: MAE 3.33, the three columns' average
    with pytest.raises(ValueError, match=r"errors: actual has shape \(6, 1\) and pred \(6, 3\)"):
        errors(np.ones((6, 1)), np.ones((6, 3)), 1.0)
    assert errors(actual, pred[0.5], 1.0)["mae"] == 0.0


def test_F33_10_errors_pairs_pandas_by_time_and_refuses_different_times():
    time = pd.date_range("2020-01-01", periods=4, freq="MS")
    actual = pd.Series([1.0, 2, 3, 4], index=time)
    pred = pd.DataFrame({"y": [1.0, 2, 3, 4]}, index=time)  # predict's frame beside the test Series
    assert errors(actual, pred, 1.0)["mae"] == 0.0  # before: numpy's broadcast error, the Series read as a row
    with pytest.raises(ValueError, match=r"errors: actual and pred are indexed by different times .*2020-02-01 .. "
                                         r"2020-05-01.*3 shared.*pred\.loc\[actual\.index\]"):
        errors(actual, pred.shift(1, freq="MS"), 1.0)


def test_F33_11_hybrid_too_short_for_its_season_is_warned_of_once_naming_the_rows_given():
    t = np.arange(20)
    y = 10 + 5 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 0.3, 20)
    panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2015-01-01", periods=20, freq="MS"), "y": y})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GlobalForecaster(lookback=6, horizon=3, model="hybrid", season_length=12, hidden_size=8, max_epochs=1,
                         random_state=0, device="cpu").fit(panel)
    said = [str(w.message) for w in caught if "fitted without a season" in str(w.message)]
    assert len(said) == 1 and "the series has 20 rows" in said[0], said  # before: also the validation's 17 rows
