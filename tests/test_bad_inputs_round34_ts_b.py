"""Round 34, second pass, of bad inputs to the time-series and table readers (T34-07 ..): a per-sequence label
written on each sequence's last row only; a refusal of freq='Y' naming the user's own 'Y'; an .npz X made
(n, C, T) by a reshape; long tables as users bring them. Each test fails on the commit before its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.forecast import Forecaster


def test_T34_07_a_label_on_each_sequences_last_row_names_bfill(tmp_path):
    path = tmp_path / "long.csv"
    pd.DataFrame({"id": [1, 1, 1, 2, 2, 2], "t": [0, 1, 2, 0, 1, 2], "x": np.arange(6.0),
                  "label": [None, None, "a", None, None, "b"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"last row of each sequence only.*groupby\('id'\)\['label'\]\.bfill\(\)"):
        read_sequences(path, time_column="t", target_column="label")


def test_T34_08_freq_y_cutting_financial_years_is_named_as_written():
    y = pd.Series(np.arange(40.0), index=pd.period_range("2000", periods=40, freq="Y-JUN"))
    with pytest.raises(ValueError, match=r"^freq='Y' cuts the 'Y-JUN' periods.*bins of 'Y' \(read as the grid "
                                         r"'YS-JAN'\).*freq='Y-JUN'"):
        Forecaster(horizon=2).fit(y, freq="Y")


def test_T34_09_npz_x_made_channels_first_by_a_reshape_names_the_reshape_undone(tmp_path):
    rng = np.random.default_rng(0)
    n, T, C = 40, 50, 3
    X = (rng.normal(size=(n, T, C)) + np.array([0.0, 10.0, 20.0])).reshape(n, C, T)  # not a transpose
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=np.arange(n) % 2)
    with pytest.warns(UserWarning, match=r"X\.reshape\(40, 50, 3\) holds 3 channels of their own level.*"
                                         r"a reshape is not a transpose"):
        read_sequences(path)
    with warnings.catch_warnings():  # a genuine (n, C, T) array keeps the transpose advice
        warnings.simplefilter("error")
        genuine = np.cumsum(rng.normal(size=(n, C, T)), axis=2)
        np.savez(path, X=genuine, y=np.arange(n) % 2)
        with pytest.raises(UserWarning, match=r"save X\.transpose\(0, 2, 1\)"):
            read_sequences(path)


def test_T34_10_a_series_in_unix_seconds_then_milliseconds_is_named_as_two_units():
    t = np.r_[1577836800 + 60 * np.arange(20), (1577836800 + 60 * np.arange(20, 40)) * 1000]  # two loggers joined
    data = pd.DataFrame({"t": t, "y": np.sin(np.arange(40.0))})
    with pytest.raises(ValueError, match=r"'t' holds Unix times in more than one unit \(1577836800 at row 0, .* in "
                                         r"seconds; 1577838000000 at row 20, .* in milliseconds\).*data\['t'\] / 1000"):
        Forecaster(horizon=2, model="direct", max_epochs=1).fit(data, time_col="t")


def test_T34_11_spreadsheet_day_numbers_among_dates_are_named_with_their_date(tmp_path):
    t = list(pd.date_range("2020-01-01", periods=30).strftime("%Y-%m-%d"))
    t[5] = "43836"  # 2020-01-06, a cell the sheet kept as a number
    data = pd.DataFrame({"t": t, "y": np.sin(np.arange(30.0))})
    said = r"day number \(row 5 has '43836', which Excel and LibreOffice count as 2020-01-06\)"
    with pytest.raises(ValueError, match=said):
        Forecaster(horizon=2, model="direct", max_epochs=1).fit(data, time_col="t")
    with pytest.raises(ValueError, match=r"^the index holds dates with 1 written as .*" + said):
        Forecaster(horizon=2, model="direct", max_epochs=1).fit(data.set_index("t")["y"])
    path = tmp_path / "long.csv"
    data.assign(id="a", target=0).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"line 7 has '43836', which Excel .* 2020-01-06.*pd\.to_numeric\(df\['t'\]"):
        read_sequences(path, time_column="t")


def test_T34_12_sequences_on_regular_grids_of_different_rates_are_warned_of(tmp_path):
    path = tmp_path / "long.csv"
    days, weeks = pd.date_range("2020-01-01", periods=8, freq="D"), pd.date_range("2020-01-01", periods=8, freq="W")
    pd.concat([pd.DataFrame({"id": "a", "t": days, "x": np.arange(8.0), "target": 0}),
               pd.DataFrame({"id": "b", "t": weeks, "x": np.arange(8.0), "target": 1})]).to_csv(path, index=False)
    with pytest.warns(UserWarning, match=r"on 2 different ones: sequence 'a' steps by 1 day\(s\) .*sequence 'b' steps "
                                         r"by 7 day\(s\).*7 times as long.*resample them to one"):
        read_sequences(path, time_column="t")
    pd.concat([pd.DataFrame({"id": k, "t": days, "x": np.arange(8.0), "target": 0}) for k in "ab"]).to_csv(
        path, index=False)
    with warnings.catch_warnings():  # one rate: nothing said
        warnings.simplefilter("error")
        read_sequences(path, time_column="t")


def test_T34_13_a_time_column_of_numbers_with_one_kept_as_text_names_it():
    t = pd.Series(list(range(30)), dtype=object)
    t[7] = "7"  # a cell typed as text
    data = pd.DataFrame({"t": t, "y": np.sin(np.arange(30.0))})
    with pytest.raises(ValueError, match=r"holds numbers \(0 at row 0\) with 1 written as text \('7' at row 7\).*"
                                         r"data\['t'\] = pd\.to_numeric\(data\['t'\]\)"):
        Forecaster(horizon=2, model="direct", max_epochs=1).fit(data, time_col="t")
