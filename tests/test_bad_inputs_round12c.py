"""Twelfth round (12c): sizes and magnitudes at the edges, through the estimators, the forecasters and the CLI.

One test per case of the catalogue (ids N12-01, N12-02, ...); each fails on the commit before its fix.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line, run_cli

import rnnkit
from rnnkit.training.runs import NonFiniteLossError


def test_N12_01_a_feature_spanning_float32s_range_trains_on_finite_standardised_inputs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 6, 2))
    X[:, :, 1] = 3e38  # finite in float32, but (x - mean) of the one -3e38 is -4.5e38: infinity in float32
    X[0, 0, 1] = -3e38
    est = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0)
    try:  # was: NonFiniteLossError (a NaN loss at step 2) that named no feature; then refused, naming it; now
        est.fit(X, np.arange(20) % 2)  # standardised in float64 (T30-01), the -3e38 reads as -10.9 std
    except NonFiniteLossError:
        pytest.fail("fit trained on infinite standardised inputs")
    x, _, _ = est.prepare_batch(X)
    assert torch.isfinite(x).all() and float(x[0, 0, 1]) == pytest.approx(-np.sqrt(119), rel=1e-6)
    assert np.isfinite(est.predict_proba(X)).all()


def test_N12_02_a_series_of_zeros_fits_without_numpys_warnings():
    y = pd.Series(np.zeros(60), index=pd.date_range("2000", periods=60, freq="D"), name="y")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forecast = rnnkit.Forecaster(horizon=3, hidden_size=4, max_epochs=2, random_state=0).fit(y).predict()
    assert (forecast == 0).all()
    # was: six "RuntimeWarning: divide by zero encountered in log" (statsmodels' AIC of a perfect fit)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("value, what", [("inf", "an infinite value"), ("1e39", "a value beyond float32's range")])
def test_N12_03_rnnkit_train_regress_names_the_line_of_a_target_out_of_range(tmp_path, capsys, value, what):
    rows = [f"s{i},{t},{(i * 7 + t) % 5 / 4},{value if i == 3 else i / 2}" for i in range(10) for t in range(4)]
    data = tmp_path / "seqs.csv"
    data.write_text("id,t,f0,target\n" + "\n".join(rows) + "\n")
    status, err = run_cli(["train", data, "--task", "regress", "--out", tmp_path / "m", "--time-column", "t",
                           "--hidden-size", "4", "--epochs", "1", "--seed", "0"], capsys)
    assert status == 2
    # was: "SequenceRegressor.fit: y ... (the sequence at position 2 ...)", a position among the shuffled sequences
    assert f"seqs.csv: the target column 'target' has {what}" in err[-1]
    assert f"on line 14 ({value!r}; 4 such cells in all)" in err[-1]


def test_N12_04_a_channel_whose_spread_float32_cannot_hold_reads_as_constant():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 6, 2))
    X[:, :, 1] = 0.0
    X[0, 0, 1] = 1.4e-45  # float32's least value: the channel's std (1.3e-46) is 0 in float32
    est = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0)
    try:  # was: NonFiniteLossError at step 0, the channel divided by a scale of 0
        est.fit(X, np.arange(20) % 2)
    except NonFiniteLossError:
        pytest.fail("the channel was divided by a float32 scale of 0")
    assert est.x_scale_[1] == 1
    assert np.isfinite(est.predict_proba(X)).all()


def test_N12_05_a_regression_target_whose_spread_float32_cannot_hold_is_refused():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 6, 2))
    est = rnnkit.SequenceRegressor(hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError) as error:  # was: fitted, y_scale_ 0, every prediction -0.0
        est.fit(X, X[:, :, 0].sum(1) * 1e-50)
    message = one_line(error)
    assert message.startswith("SequenceRegressor.fit: y varies by too little for float32 (standard deviation ")
    assert "rescale it (e.g. multiply by a power of ten)" in message
