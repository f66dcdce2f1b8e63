"""Thirtieth round, real data sets no test had used (sktime's PLAID and electric-devices segmentation series,
pmdarima's heartrate and taylor), in the form their library hands them out, through the front door:
``SequenceClassifier`` on PLAID's nested DataFrame of sequences of 100 .. 1344 steps and string labels '0' .. '10',
``Forecaster`` on the pandas Series of the others. Each was read right and gave a sane result already (catalogue
"Thirtieth round, real data sets", R30-NN): these tests pin that reading; they pass on the code before them too."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit import Forecaster, SequenceClassifier
from rnnkit.estimators import as_sequences

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's notices


def quick(**kw) -> Forecaster:
    params = dict(model="direct", lookback=8, season_length=1, max_epochs=1, hidden_size=4, random_state=0)
    return Forecaster(**(params | kw))


def pmdarima_series(name: str) -> pd.Series:
    datasets = pytest.importorskip("pmdarima.datasets")
    return getattr(datasets, "load_" + name)(as_series=True)


def test_R30_01_plaids_ragged_nested_frame_keeps_every_length_and_its_string_labels(tmp_path):
    """PLAID (sktime's `load_plaid`): 537 training sequences of 100 .. 1344 steps in a nested DataFrame, labels
    '0' .. '10' as strings. Each sequence keeps its own length and values (no padding read as data, no reorder), and
    the classifier's classes are the labels as given ('10' a label of its own, not 1 and 0), predicted as given."""
    load_plaid = pytest.importorskip("sktime.datasets").load_plaid
    X, y = load_plaid(split="train")
    x, lengths, _ = as_sequences(X, "test")
    expected = [len(X.iloc[i, 0]) for i in range(len(X))]
    assert lengths.tolist() == expected and min(expected) == 100 and max(expected) == 1344
    for i in (0, int(np.argmin(expected)), len(X) - 1):
        np.testing.assert_array_equal(x[i, : expected[i], 0].double().numpy(), X.iloc[i, 0].to_numpy())
    short = np.concatenate([np.flatnonzero(y == label)[:2] for label in np.unique(y)])  # two of each class
    model = SequenceClassifier(max_epochs=1, hidden_size=4, random_state=0, log_dir=str(tmp_path))
    model.fit(X.iloc[short], y[short])
    assert list(model.classes_) == sorted(set(y[short]))
    predicted = model.predict(X.iloc[short[:10]])
    assert predicted.dtype == y.dtype and set(predicted) <= set(y[short]) and len(predicted) == 10


def test_R30_02_heartrates_row_numbered_series_is_forecast_on_its_scale_and_continues_its_rows(tmp_path):
    """pmdarima's heartrate (150 beats per minute, a RangeIndex): the forecast continues the rows at 150 and stays
    on the series' scale (82.6 .. 99.1 beats per minute)."""
    s = pmdarima_series("heartrate")
    assert len(s) == 150 and isinstance(s.index, pd.RangeIndex)
    forecast = quick(horizon=10, log_dir=str(tmp_path)).fit(s).predict()
    assert forecast.index.equals(pd.RangeIndex(150, 160))
    assert forecast.between(s.min() - 10, s.max() + 10).all()


def test_R30_03_taylors_half_hours_are_forecast_on_their_scale_at_the_next_rows(tmp_path):
    """pmdarima's taylor (4032 half-hourly megawatts of electricity demand, a RangeIndex): the forecast of the next
    day's 48 half hours is indexed 4032 .. 4079 and lies in the demand's range (18640 .. 38777 MW), not in its
    standardised units."""
    s = pmdarima_series("taylor")
    assert len(s) == 4032 and s.notna().all()
    forecast = quick(horizon=48, log_dir=str(tmp_path)).fit(s.iloc[-600:]).predict()
    assert forecast.index.equals(pd.RangeIndex(4032, 4080))
    assert forecast.between(0.5 * s.min(), 1.5 * s.max()).all()


def test_R30_04_electric_devices_series_counted_from_1_and_named_0_keeps_its_count(tmp_path):
    """sktime's `load_electric_devices_segmentation`: 11532 steps indexed 1 .. 11532 (not from 0), the index named
    by the integer 0. The forecast continues at 11533, not at the row count 11532, and keeps the index's name."""
    load = pytest.importorskip("sktime.datasets").load_electric_devices_segmentation
    y, _, _ = load()
    assert y.index[0] == 1 and y.index[-1] == 11532
    tail = y.iloc[-400:]
    forecast = quick(horizon=5, log_dir=str(tmp_path)).fit(tail).predict()
    assert list(forecast.index) == [11533, 11534, 11535, 11536, 11537] and forecast.index.name == y.index.name == 0
    assert np.isfinite(forecast.to_numpy()).all()
