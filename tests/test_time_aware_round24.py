"""Irregular sampling and missing values end to end: time_aware estimators, rnnkit.time_aware_inputs, rnnkit train
--time-aware, and the Streamer of a time-aware model (docs/bad_inputs.md, twenty-fourth round, G24)."""


import numpy as np
import pytest
import torch

from rnnkit import SequenceClassifier, time_aware_inputs
from rnnkit.deploy.streaming import Streamer

QUICK = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "16"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_G24_01_a_non_finite_time_is_named_as_such_not_as_a_step_back(bad):
    values = torch.randn(2, 4, 2)
    times = torch.tensor([[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, bad, 3.0]])
    with pytest.raises(ValueError) as err:
        time_aware_inputs(values, times)
    assert str(err.value).startswith(f"time_aware_inputs: times must be finite, but sequence 1 has {bad} at step 2")
    assert "increasing" not in str(err.value) and "padding" not in str(err.value)
    times[1, 2] = 2.0  # the fix: that step's time
    assert torch.isfinite(time_aware_inputs(values, times)).all()


def test_G24_checked_nan_patterns_predict_finite_and_stream_as_predict():
    """Already right (no row): a feature missing in whole sequences, a step missing in every feature, the first
    step missing, a sequence with every value missing, a pattern unseen at fit; the Streamer equals predict."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 6, 3)).astype("float32")
    X[0, :, 1] = np.nan
    X[2, 3, :] = np.nan
    X[5, 0, :] = np.nan
    X[7] = np.nan
    model = SequenceClassifier(time_aware=True, max_epochs=1, hidden_size=4, random_state=0).fit(X, [0, 1] * 6)
    unseen = rng.normal(size=(3, 6, 3)).astype("float32")
    unseen[:, :, 0] = np.nan
    unseen[1, 2:4] = np.nan
    for data in (X, unseen):
        proba = model.predict_proba(data)
        assert np.isfinite(proba).all()
        streamer = Streamer(model)
        for i, seq in enumerate(data):
            for x_t in seq:
                out = streamer.step(i, x_t)
            np.testing.assert_allclose(out.probabilities, proba[i], atol=1e-5)
