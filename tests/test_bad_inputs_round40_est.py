"""Fortieth round, the estimators and the comparison (E40-xx): each test fails on the commit before its fix."""

import numpy as np
import pandas as pd
from helpers import user_warnings

from rnnkit import SequenceRegressor

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def test_E40_01_a_regressors_target_of_one_value_is_predicted_as_that_value_and_warned(tmp_path):
    X = _x()
    y = np.c_[X[:, :, 0].mean(1), np.full(len(X), 0.001)]
    # before: the second target predicted 0.001 plus the untrained network's output in units of 1 (0.2 off)
    est = SequenceRegressor(**TINY)
    said = [w for w in user_warnings(lambda: est.fit(X, y)) if "learns nothing of X" in w]
    assert len(said) == 1 and "y's target 1 is 0.001 for every sequence at fit" in said[0]
    assert "np.delete(y, 1, axis=1)" in said[0] and "filterwarnings" in said[0]
    np.testing.assert_array_equal(est.predict(X * 5)[:, 1], 0.001)
    est.save(tmp_path / "m")
    np.testing.assert_array_equal(SequenceRegressor.load(tmp_path / "m").predict(X)[:, 1], 0.001)
    # a whole y of one value, named columns, and the first target still varying
    said = [w for w in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, np.full(len(X), 3.0)))
            if "learns nothing of X" in w]
    assert len(said) == 1 and "y is 3 for every sequence at fit" in said[0] and "predicts 3 whatever" in said[0]
    frame = pd.DataFrame({"load": y[:, 0], "unit": 7.0})
    said = [w for w in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, frame)) if "learns nothing" in w]
    assert len(said) == 1 and "y.drop(columns=['unit'])" in said[0]
    assert np.ptp(est.predict(X)[:, 0]) > 0
    # targets that vary: quiet
    assert not [w for w in user_warnings(lambda: SequenceRegressor(**TINY).fit(X, y[:, 0])) if "learns nothing" in w]

