"""Round 46 of bad inputs, time columns, tables and sample times: a Forecaster's targets and covariates named with
a slip, covariates given without an index, and a table given as predict's horizon (T46-01 … 03)."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster


def _forecaster():
    return Forecaster(horizon=3, model="direct", lookback=6, max_epochs=1, hidden_size=4, season_length=1,
                      random_state=0)


def _sales(n=40):
    t = pd.date_range("2021-01-01", periods=n, freq="D")
    return pd.DataFrame({"t": t, "sales": np.sin(np.arange(n)) + 5, "promo": (np.arange(n) % 3 == 0).astype(float)})


def test_T46_01_targets_named_in_another_case():
    data = _sales()
    with pytest.raises(ValueError, match=r"targets names columns \['Sales'\] that the data lacks .*'Sales' is "
                                         r"'sales' given with a slip: pass targets=\['sales'\]"):
        _forecaster().fit(data, time_col="t", targets=["Sales"])
    with pytest.raises(ValueError, match=r"pass future_covariates=\['promo'\]"):
        _forecaster().fit(data, time_col="t", targets=["sales"], future_covariates=["Promo "])
    with pytest.raises(ValueError, match=r"pass targets= with names from those columns"):
        _forecaster().fit(data, time_col="t", targets=["revenue"])
    _forecaster().fit(data, time_col="t", targets=["sales"], future_covariates=["promo"])  # the fix runs


@pytest.mark.parametrize("as_given", [lambda X: X.to_numpy(), lambda X: X["promo"].tolist()])
def test_T46_02_covariates_without_an_index(as_given):
    frame = _sales().set_index("t")
    y, X = frame["sales"], as_given(frame[["promo"]])
    with pytest.raises(ValueError, match=r"fit\(y, X\): .* of shape \(40.*no index to line up with y's times; "
                                         r"if its rows are y's, in order, .*X = pd.DataFrame\(") as e:
        _forecaster().fit(y, X)
    fix = str(e.value).split("X = ", 1)[1]
    X = eval(fix, {"pd": pd, "X": X, "y": y})
    _forecaster().fit(y, X)  # the fix runs
    with pytest.raises(ValueError, match=r"30 rows where y has 40; give X one row per timestamp of y"):
        _forecaster().fit(y, frame[["promo"]].to_numpy()[:30])


def test_T46_03_a_table_given_as_predicts_horizon():
    data = _sales()
    f = _forecaster().fit(data, time_col="t", targets=["sales"], future_covariates=["promo"])
    times = pd.date_range("2021-02-10", periods=3, freq="D")
    future = pd.DataFrame({"promo": [1.0, 0.0, 1.0]}, index=times)
    with pytest.raises(ValueError, match=r"got a pandas DataFrame of 3 rows and columns \['promo'\]; a table goes "
                                         r"by name: .*predict\(future=\.\.\.\)") as e:
        f.predict(future)
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match=r"got a pandas Series 'promo' of 3 rows"):
        f.predict(future["promo"])
    assert len(f.predict(future=future)) == 3  # the fix runs
