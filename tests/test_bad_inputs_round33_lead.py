"""Thirty-third round, the lead's case: a wide table (one column per series) given to GlobalForecaster.fit with its
time axis as the index named like ``time_col``, or as a column beside the series (docs/bad_inputs.md, L33-01)."""

import numpy as np
import pandas as pd
import pytest

import rnnkit


def wide_table() -> pd.DataFrame:
    time = pd.date_range("2020-01-01", periods=40, freq="D", name="ds")
    return pd.DataFrame({"a": np.arange(40.0), "b": np.arange(40.0) * 2}, index=time)


@pytest.mark.parametrize("reset", [False, True])
def test_L33_01_a_wide_table_is_told_to_melt_whether_its_time_is_the_index_or_a_column(reset):
    wide = wide_table().reset_index() if reset else wide_table()
    forecaster = rnnkit.GlobalForecaster(horizon=3, lookback=8, max_epochs=1)
    with pytest.raises(ValueError, match="wide table has one series per column") as info:
        forecaster.fit(wide)
    fix = "data.melt(" if reset else "data.reset_index().melt("
    assert fix + "id_vars='ds', var_name='unique_id', value_name='y')" in str(info.value)
    long = wide.melt(id_vars="ds", var_name="unique_id", value_name="y") if reset else \
        wide.reset_index().melt(id_vars="ds", var_name="unique_id", value_name="y")
    assert sorted(forecaster.fit(long).predict()["unique_id"].unique()) == ["a", "b"]  # the advice fits


def test_L33_01_one_series_with_covariates_beside_its_time_column_is_not_called_wide():
    frame = wide_table().reset_index().rename(columns={"a": "y", "b": "x"})
    with pytest.raises(ValueError) as info:
        rnnkit.GlobalForecaster(horizon=3, lookback=8, max_epochs=1).fit(frame)
    assert "wide table" not in str(info.value) and "unique_id" in str(info.value)
