"""Round 40, recipes (rnnkit/apps): rows A40-01 .. of docs/bad_inputs.md's fortieth round.

A40-01 ``stocks.fit_garch`` of a few days' returns (5, 100), or of fewer days than the model has parameters.
Each test fails on the commit before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from rnnkit.apps import stocks
from rnnkit.data import load_sp500


@pytest.fixture(scope="module")
def returns() -> np.ndarray:
    return stocks.daily_features(load_sp500())["r"].to_numpy()


def test_A40_01_garch_of_a_few_days_is_warned_of_and_of_fewer_days_than_parameters_refused(returns):
    # before: 5 days fitted without a word (beta 0.51 to 0.92 from one week to the next), 3 days too
    for n in (5, 100):
        with pytest.warns(UserWarning, match=rf"fit_garch: r_train spans only {n} days, fewer than the 500 a "
                                             r"GARCH\(1,1\).*ewma_variance.*warnings\.filterwarnings"):
            stocks.fit_garch(returns[1500:1500 + n])
    with pytest.raises(ValueError, match=r"fit_garch: r_train holds 4 day\(s\), no more than the 4 parameters of a "
                                         r"GJR-GARCH\(1,1,1\).*500 days or more"):
        stocks.fit_garch(returns[:4], asymmetric=True)
    with pytest.raises(ValueError, match=r"fit_garch: r_train holds 3 day\(s\), no more than the 3 parameters"):
        stocks.fit_garch(returns[:3])
    with warnings.catch_warnings():  # two years and more: nothing said, the same fit
        warnings.simplefilter("error")
        params = stocks.fit_garch(returns[:500])
    assert 0 < params["beta"] < 1
