"""The twenty-second round's series handed to the forecasters: a numpy array for ``Forecaster.fit`` and for
``predict(X=...)`` (F22-01, F22-02), a CSV's numeric time column read as a value by ``TimeSeriesFrame.from_csv``
(F22-03), and ``fit(y, X)`` / ``predict(fh)`` with a target named as a column of X (F22-04), repeated timestamps
in X (F22-05), text columns in X (F22-06) and times beyond the forecast as ``fh`` (F22-07)."""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, tiny_forecaster, user_warnings

from rnnkit.data import TimeSeriesFrame

N = 30
DAYS = pd.date_range("2020-01-01", periods=N, freq="D")


def _y(name="sales") -> pd.Series:
    return pd.Series(np.random.default_rng(0).normal(size=N).cumsum(), index=DAYS, name=name)


def _X() -> pd.DataFrame:
    return pd.DataFrame({"promo": np.tile([0.0, 1.0, 1.0], N // 3)}, index=DAYS)


# -- F22-01: a numpy array given to fit -----------------------------------------------------------------------
def test_F22_01_a_numpy_array_for_fit_names_the_pandas_wrapping():
    values = _y().to_numpy()
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(values)
    message = one_line(e)
    assert "got ndarray of shape (30,)" in message
    assert "pd.Series(values)" in message and "pd.date_range('2020-01-01', periods=30" in message
    assert "pd.period_range(" in message
    with pytest.raises(ValueError, match=r"pd\.DataFrame\(values, columns="):  # two columns: a DataFrame
        tiny_forecaster().fit(np.ones((N, 2)))
    # the wrapping advised fits: row numbers, and the forecasts continue them
    assert list(tiny_forecaster().fit(pd.Series(values)).predict().index) == [30, 31]


# -- F22-02: a numpy array given as predict(X=...) ------------------------------------------------------------
def test_F22_02_a_numpy_X_at_predict_names_its_columns_and_the_forecast_index():
    f = tiny_forecaster().fit(_y(), _X())
    with pytest.raises(ValueError) as e:
        f.predict(X=np.array([[0.0], [1.0]]))
    message = one_line(e)
    assert "got ndarray of shape (2, 1)" in message
    fix = "pd.DataFrame(values, columns=['promo'], index=pd.DatetimeIndex(['2020-01-31', '2020-02-01']))"
    assert fix in message
    values = np.array([[0.0], [1.0]])  # the wrapping advised is accepted
    wrapped = pd.DataFrame(values, columns=["promo"], index=pd.DatetimeIndex(["2020-01-31", "2020-02-01"]))
    assert np.isfinite(f.predict(X=wrapped).to_numpy()).all()


# -- F22-03: TimeSeriesFrame.from_csv reads a numeric time column as a value ----------------------------------
def test_F22_03_from_csv_warns_of_a_counting_time_column_read_as_a_value(tmp_path):
    path = tmp_path / "sim.csv"
    pd.DataFrame({"step": [0, 5, 10, 15, 20], "x": [1.5, 2.5, 0.3, 1.1, 0.7], "y": [2, 1, 4, 2, 3]}).to_csv(
        path, index=False)
    frame = None

    def read():
        nonlocal frame
        frame = TimeSeriesFrame.from_csv(path)

    warned = user_warnings(read)
    assert len(warned) == 1 and "column 'step' counts up by 5 (0, 5, ... 20)" in warned[0]
    assert "time_col='step'" in warned[0] and "value_cols=['step', 'x', 'y']" in warned[0]
    assert frame.columns == ("step", "x", "y")  # still read as asked: the warning says how to change it
    # the fixes named are silent, and read as each says
    assert user_warnings(lambda: TimeSeriesFrame.from_csv(path, time_col="step")) == []
    assert TimeSeriesFrame.from_csv(path, time_col="step").time.tolist() == [0, 5, 10, 15, 20]
    assert user_warnings(lambda: TimeSeriesFrame.from_csv(path, value_cols=["step", "x", "y"])) == []
    # no false alarms: a value named as time that does not count by one step, a counter named otherwise
    uneven = pd.DataFrame({"time": [0.0, 1.2, 1.9, 3.5], "x": [1.0, 2.0, 3.0, 4.0]})
    assert user_warnings(lambda: TimeSeriesFrame.from_pandas(uneven)) == []
    counter = pd.DataFrame({"count": [1, 2, 3, 4], "x": [1.0, 2.0, 3.0, 4.0]})
    assert user_warnings(lambda: TimeSeriesFrame.from_pandas(counter)) == []
    dated = pd.DataFrame({"t": [1, 2, 3, 4], "x": [1.0, 2.0, 3.0, 4.0]}, index=DAYS[:4])  # the index is the time
    assert user_warnings(lambda: TimeSeriesFrame.from_pandas(dated)) == []
    # the Forecaster, which takes no value_cols, refuses the same column by the same names, naming time_col
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(pd.read_csv(path))
    assert "column 'step' holds increasing numbers (0 .. 20), a time axis by its name" in one_line(e)
    assert "pass time_col='step'" in one_line(e)


# -- F22-04: y named as a column of X -------------------------------------------------------------------------
def test_F22_04_a_target_named_as_a_column_of_X_names_both_renames():
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(_y("promo"), _X())
    message = one_line(e)
    assert "y is named 'promo' and X has a column 'promo' too" in message
    assert "y.rename('target')" in message and "X.rename(columns={'promo': 'x'})" in message
    with pytest.raises(ValueError) as e:  # an unnamed y is named 'y' by fit: the user never wrote that name
        tiny_forecaster().fit(_y(None), _X().rename(columns={"promo": "y"}))
    assert "y is unnamed, which fit names 'y', and X has a column 'y' too" in one_line(e)


# -- F22-05: repeated timestamps in X -------------------------------------------------------------------------
def test_F22_05_repeated_timestamps_in_X_are_named():
    X = _X().set_axis(DAYS[:-1].append(DAYS[-2:-1]))  # the last day dropped, the one before written twice
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(_y(), X)
    message = one_line(e)
    assert "X's index repeats 2020-01-29 on rows 28 and 29" in message and "X.set_axis(y.index)" in message
    f = tiny_forecaster().fit(_y(), _X())
    future = pd.DataFrame({"promo": [0.0, 1.0, 1.0]}, index=pd.DatetimeIndex(["2020-01-31", "2020-02-01",
                                                                               "2020-02-01"]))
    with pytest.raises(ValueError) as e:
        f.predict(X=future)
    assert "X has duplicate timestamps in its index (2020-02-01 on rows 1 and 2)" in one_line(e)


# -- F22-06: text columns in X --------------------------------------------------------------------------------
def test_F22_06_text_columns_of_X_are_named_with_a_fix_on_X():
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(_y(), _X().assign(kind=["a", "b", "c"] * (N // 3)))
    message = one_line(e)
    assert message.startswith("fit(y, X): X column 'kind'") and "(e.g. 'a')" in message
    assert "pd.get_dummies(X, columns=['kind'], dtype=float)" in message and "X.drop(columns=['kind'])" in message
    assert "data.drop" not in message  # the user of fit(y, X) has no `data`
    with pytest.raises(ValueError) as e:  # numbers held as objects: converted, not dropped
        tiny_forecaster().fit(_y(), _X().astype(object))
    assert "X column 'promo' has dtype object holding numbers (e.g. 0.0); convert it: X['promo'] = " \
        "pd.to_numeric(X['promo'])" in one_line(e)


# -- F22-07: times beyond the forecast as fh ------------------------------------------------------------------
def test_F22_07_times_beyond_the_forecast_as_fh_are_told_apart():
    f = tiny_forecaster().fit(_y())
    with pytest.raises(ValueError) as e:
        f.predict(pd.date_range("2020-02-05", periods=2, freq="D"))
    message = one_line(e)
    assert "2020-02-05 is not one of the 2 forecast times of this model (2020-01-31 .. 2020-02-01)" in message
    assert "refit with a horizon that reaches it" in message
    with pytest.raises(ValueError) as e:  # periods alike
        tiny_forecaster().fit(_y().to_period()).predict(pd.period_range("2020-02-10", periods=1, freq="D"))
    assert "2020-02-10 is not one of the 2 forecast times" in one_line(e)
    with pytest.raises(ValueError) as e:  # times among the forecast's keep their advice, which works for them
        f.predict(pd.DatetimeIndex(["2020-02-01"]))
    assert "so take predict().loc[times]" in one_line(e)
    assert f.predict().loc[pd.DatetimeIndex(["2020-02-01"])].shape == (1,)
