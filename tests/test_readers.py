"""File readers (rnnkit.data.tables): every bad file gives one ValueError line naming what, where (the file's
own sequence id and line, or npz index, and the column) and how to fix it; nothing dropped or reordered."""

import re

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import date_readings, read_sequences


def long_frame(n=8, seed=0):
    """A long CSV's rows: ids s0..s{n-1}, steps t = 0..T_i-1 (T_i = 3 + i % 3), features f1 f2, a label."""
    rng = np.random.default_rng(seed)
    rows = [{"id": f"s{i}", "t": t, "f1": rng.normal(), "f2": rng.normal(), "target": "up" if i % 2 else "down"}
            for i in range(n) for t in range(3 + i % 3)]
    return pd.DataFrame(rows)


def refused(path, **kwargs) -> str:
    """The one-line message of the ValueError that reading ``path`` raises."""
    with pytest.raises(ValueError) as err:
        read_sequences(path, **kwargs)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    return message


def line_of(frame, row) -> int:
    return row + 2  # the header is line 1


# -- long CSV: ids, times --------------------------------------------------------------------------------------
def test_feature_names_target_column_and_ids_in_file_order(tmp_path):
    frame = long_frame()
    frame = frame[["t", "f2", "id", "target", "f1"]].iloc[::-1]  # columns and rows in another order
    frame.to_csv(tmp_path / "d.csv", index=False)
    table = read_sequences(tmp_path / "d.csv", time_column="t")
    assert table.feature_names == ["f2", "f1"] and table.target_column == "target"
    assert list(table.ids) == [f"s{i}" for i in reversed(range(8))]  # first appearance in the file
    s3 = frame[frame.id == "s3"].sort_values("t")
    np.testing.assert_array_equal(table.X[list(table.ids).index("s3")], s3[["f2", "f1"]].to_numpy(np.float32))


def test_ids_are_the_files_text_so_007_and_7_stay_two_sequences(tmp_path):
    (tmp_path / "d.csv").write_text("id,f,target\n7,1,a\n007,2,b\nx,3,a\n7,4,a\n")
    table = read_sequences(tmp_path / "d.csv")
    assert list(table.ids) == ["7", "007", "x"] and [len(x) for x in table.X] == [2, 1, 1]


def test_C16_an_empty_id_names_its_line(tmp_path):
    frame = long_frame()
    frame.loc[[5, 9], "id"] = np.nan
    frame.to_csv(tmp_path / "d.csv", index=False)
    message = refused(tmp_path / "d.csv", time_column="t")
    assert "id column 'id' is empty at lines 7, 11" in message


def test_C17_an_empty_time_names_its_line(tmp_path):
    frame = long_frame()
    frame.loc[4, "t"] = np.nan
    frame.to_csv(tmp_path / "d.csv", index=False)
    message = refused(tmp_path / "d.csv", time_column="t")
    assert "time column 't' is empty at line 6" in message and "--time-column" in message


def test_C13_a_duplicated_id_and_time_names_id_time_and_both_lines(tmp_path):
    frame = long_frame()
    frame = pd.concat([frame, frame.iloc[[4]]], ignore_index=True)  # s1 at t=1, again on the last line
    frame.to_csv(tmp_path / "d.csv", index=False)
    message = refused(tmp_path / "d.csv", time_column="t")
    assert f"sequence 's1' has time 1 more than once (lines 6, {line_of(frame, len(frame) - 1)})" in message
    assert "drop or aggregate" in message
    # without a time column the rows would be steps in file order, but a 't' column going back is refused (C13-02)
    with pytest.raises(ValueError, match="not in its order"):
        read_sequences(tmp_path / "d.csv")


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y %H:%M", "%b %d %Y"])
def test_C15_dates_in_one_unambiguous_format_sort_as_dates(tmp_path, fmt):
    """Every 4th day from 2024-01-01 reaches day 13+ within a sequence, so only one of day-first /
    month-first fits; the rows are shuffled, and the steps must come out in date order, not text order."""
    rows = [{"id": f"s{i}", "t": pd.Timestamp("2024-01-01") + pd.Timedelta(days=4 * k), "f": 10 * i + k,
             "target": i % 2} for i in range(4) for k in range(9)]
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=0)
    frame["t"] = frame["t"].dt.strftime(fmt)
    frame.to_csv(tmp_path / "d.csv", index=False)
    table = read_sequences(tmp_path / "d.csv", time_column="t")
    for i, key in enumerate(table.ids):
        np.testing.assert_array_equal(table.X[i][:, 0], 10 * int(key[1:]) + np.arange(9))


def test_C15_dates_that_read_day_first_and_month_first_are_refused(tmp_path):
    frame = long_frame(n=2)
    frame["t"] = [f"{1 + t}/1/2024" for t in frame["t"]]  # 1/1 .. 5/1: January or the first of a month
    frame.to_csv(tmp_path / "d.csv", index=False)
    message = refused(tmp_path / "d.csv", time_column="t")
    assert "read two ways" in message and "'1/1/2024'" in message and "YYYY-MM-DD" in message


def test_iso_dates_and_times_are_dates(tmp_path):
    frame = long_frame(n=2).iloc[::-1]
    frame["t"] = [f"2024-01-{1 + t:02d}T0{t}:30:00" for t in frame["t"]]
    frame.to_csv(tmp_path / "d.csv", index=False)
    table = read_sequences(tmp_path / "d.csv", time_column="t")
    original = long_frame(n=2)
    np.testing.assert_array_equal(table.X[list(table.ids).index("s0")],
                                  original[original.id == "s0"][["f1", "f2"]].to_numpy(np.float32))


def test_a_time_column_of_other_text_is_refused_naming_the_first_bad_value(tmp_path):
    frame = long_frame(n=2)
    frame["t"] = [f"step{t}" for t in frame["t"]]
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert "neither numbers nor dates in one format (line 2 has 'step0')" in refused(tmp_path / "d.csv",
                                                                                      time_column="t")
    frame = long_frame(n=2)
    frame["t"] = [f"2024-01-0{1 + t}" for t in frame["t"]]
    frame.loc[3, "t"] = "soon"  # one value that is not a date: not dropped, not sorted as text
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert "line 5 has 'soon'" in refused(tmp_path / "d.csv", time_column="t")


def test_date_readings():
    assert [f for f, _ in date_readings(pd.Series(["2024-01-05", "2024-02-05"]))] == ["ISO8601"]
    assert len(date_readings(pd.Series(["5/1/2024", "6/1/2024"]))) == 2
    (fmt, times), = date_readings(pd.Series(["5/1/2024", "13/1/2024"]))
    assert fmt == "%d/%m/%Y" and list(times.day) == [5, 13]
    assert date_readings(pd.Series(["a", "b"])) == []


# -- features and targets --------------------------------------------------------------------------------------
@pytest.mark.parametrize("value,what", [(np.nan, "an empty (NaN) value"), (np.inf, "an infinite value"),
                                        (-np.inf, "an infinite value"), (1e39, "a value beyond float32's range")])
def test_C06_C07_C29_bad_feature_values_name_id_line_and_column(tmp_path, value, what):
    frame = long_frame()
    frame.loc[9, "f2"] = value  # row 9 is sequence s2's first step
    frame.to_csv(tmp_path / "d.csv", index=False)
    message = refused(tmp_path / "d.csv", time_column="t")
    assert f"sequence 's2' (line 11), column 'f2' has {what}" in message


def test_a_text_feature_and_an_empty_target_name_their_line(tmp_path):
    frame = long_frame()
    frame["f1"] = frame["f1"].astype(object)
    frame.loc[6, "f1"] = "n/a?"
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert "line 8 has 'n/a?' in 'f1'" in refused(tmp_path / "d.csv", time_column="t")
    frame = long_frame()
    frame.loc[7, "target"] = np.nan
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert "sequence 's2' (line 9): the target column 'target' is empty" in refused(tmp_path / "d.csv")
    # a prediction file: the target column is left out of the features and not read
    table = read_sequences(tmp_path / "d.csv", require_target=False)
    assert table.y is None and table.feature_names == ["t", "f1", "f2"] and table.target_column == "target"


# -- wide CSV --------------------------------------------------------------------------------------------------
def test_wide_names_row_line_and_column(tmp_path):
    (tmp_path / "w.csv").write_text("target,a,b,c\n1,0.5,0.25,\n0,1,2,3\n")
    table = read_sequences(tmp_path / "w.csv", layout="wide")
    assert list(table.ids) == [1, 2] and table.feature_names == ["value"] and table.target_column == "target"
    (tmp_path / "w.csv").write_text("target,a,b,c\n1,0.5,0.25,\n0,1,,3\n")
    assert "row 2 (line 3), column 'b' is empty before" in refused(tmp_path / "w.csv", layout="wide")
    (tmp_path / "w.csv").write_text("target,a,b,c\n1,0.5,0.25,\n0,1,-inf,3\n")
    assert "row 2 (line 3), column 'b' has an infinite value" in refused(tmp_path / "w.csv", layout="wide")
    (tmp_path / "w.csv").write_text("target,a,b,c\n1,0.5,0.25,\n,1,2,3\n")
    assert "row 2 (line 3): the target column 'target' is empty" in refused(tmp_path / "w.csv", layout="wide")


# -- npz -------------------------------------------------------------------------------------------------------
def npz(path, lengths=None, X=None, **arrays):
    X = np.arange(30 * 10 * 2, dtype=np.float32).reshape(30, 10, 2) if X is None else X
    extra = {} if lengths is None else {"lengths": lengths}
    np.savez(path, X=X, y=np.arange(len(X)) % 2, **extra, **arrays)
    return path


def with_one(value, dtype=np.int64, n=30):
    lengths = np.full(n, 10, dtype=dtype)
    lengths[4] = value
    return lengths


@pytest.mark.parametrize("lengths,message", [
    (np.full(30, 50), "'lengths' must be in [1, T=10] (T: X's second axis); at npz index 0 it is 50"),  # N06
    (with_one(0), "at npz index 4 it is 0"),  # N07
    (with_one(-3), "at npz index 4 it is -3"),  # N08
    (np.full(30, 7.9), "'lengths' must be whole numbers; at npz index 0 it is 7.9"),  # N09
    (with_one(np.nan, np.float32), "whole numbers; at npz index 4 it is nan"),
    (with_one(11, np.uint8), "at npz index 4 it is 11"),
    (np.full(10, 10), "'lengths' has shape (10,) but 'X' has 30 sequences"),  # N10
    (np.full(31, 10), "'lengths' has shape (31,) but 'X' has 30 sequences"),
    (np.full((30, 1), 10), "'lengths' has shape (30, 1)"),
    (np.ones(30, bool), "'lengths' is boolean"),
    (np.array(["10"] * 30), "'lengths' has dtype <U2 (text)"),
])
def test_N06_to_N10_lengths_are_integers_in_1_T_one_per_sequence(tmp_path, lengths, message):
    assert message in refused(npz(tmp_path / "d.npz", lengths))


def test_whole_number_float_lengths_are_read_and_padding_may_hold_nan(tmp_path):
    X = np.ones((3, 5, 2), np.float32)
    X[1, 3:] = np.nan  # beyond sequence 1's length: padding, never read
    table = read_sequences(npz(tmp_path / "d.npz", np.array([5.0, 3.0, 1.0]), X))
    assert [len(x) for x in table.X] == [5, 3, 1] and table.feature_names == ["x0", "x1"]
    assert list(table.ids) == [0, 1, 2] and table.target_column == "y"


def test_N15_nan_or_inf_in_X_names_the_npz_index_step_and_feature(tmp_path):
    X = np.ones((30, 10, 2), np.float32)
    X[6, 3, 1] = np.nan
    assert "sequence at npz index 6, step 3, feature 1 has an empty (NaN) value" in refused(
        npz(tmp_path / "d.npz", X=X))
    X = np.ones((30, 10, 2))
    X[8, 0, 0] = 1e39  # finite in float64, infinite in float32
    assert "npz index 8, step 0, feature 0 has a value beyond float32's range" in refused(
        npz(tmp_path / "d.npz", X=X))


def check_no_pickle_advice(message):
    assert "allow_pickle" not in message and "pickle.load" not in message


def test_N12_N13_N16_files_that_are_not_npz_archives(tmp_path):
    (tmp_path / "text.npz").write_text("id,t,f\n1,0,0.5\n")  # N12
    message = refused(tmp_path / "text.npz")
    assert "not an .npz archive" in message and "numpy.savez" in message
    check_no_pickle_advice(message)
    data = npz(tmp_path / "d.npz").read_bytes()
    (tmp_path / "half.npz").write_bytes(data[: len(data) // 2])  # N13
    message = refused(tmp_path / "half.npz")
    assert "truncated or corrupt" in message
    check_no_pickle_advice(message)
    np.save(tmp_path / "plain.npy", np.ones((3, 4)))
    (tmp_path / "plain.npz").write_bytes((tmp_path / "plain.npy").read_bytes())  # N16
    assert "a single .npy array (numpy.save), not an .npz archive" in refused(tmp_path / "plain.npz")
    (tmp_path / "empty.npz").write_bytes(b"")
    assert "not an .npz archive" in refused(tmp_path / "empty.npz")


def test_N14_text_and_object_arrays(tmp_path):
    np.savez(tmp_path / "s.npz", X=np.array([["a", "b"], ["c", "d"]]), y=np.arange(2))
    assert "array 'X' has dtype <U1 (text); it must hold numbers" in refused(tmp_path / "s.npz")
    np.savez(tmp_path / "o.npz", X=np.array([np.ones(3), np.ones(2)], dtype=object), y=np.arange(2),
             allow_pickle=True)
    message = refused(tmp_path / "o.npz")
    assert "array 'X' holds Python objects (dtype object)" in message
    check_no_pickle_advice(message)


def test_npz_targets_one_per_sequence_and_labels_may_be_text(tmp_path):
    X = np.ones((4, 3, 1))
    np.savez(tmp_path / "d.npz", X=X, y=np.array(["a", "b", "a", "b"]))
    assert read_sequences(tmp_path / "d.npz").y.tolist() == ["a", "b", "a", "b"]
    np.savez(tmp_path / "d.npz", X=X, y=np.arange(3))
    assert "'y' has shape (3,) but 'X' has 4 sequences" in refused(tmp_path / "d.npz")
    np.savez(tmp_path / "d.npz", X=X, y=np.array([0.5, np.nan, 1, 2]))
    assert "'y' is NaN for the sequence at npz index 1" in refused(tmp_path / "d.npz")


# -- through the command line: the file's ids, not positions in a shuffled split --------------------------------
def test_cli_names_the_files_id_and_line(tmp_path, capsys):
    from rnnkit.cli import main

    frame = long_frame(n=20)
    frame.loc[9, "f2"] = np.nan
    frame.to_csv(tmp_path / "d.csv", index=False)
    code = main(["train", str(tmp_path / "d.csv"), "--task", "classify", "--time-column", "t", "--epochs", "1",
                 "--hidden-size", "4", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1
    assert re.search(r"sequence 's2' \(line 11\), column 'f2' has an empty \(NaN\) value", err)


def test_a_per_sequence_target_that_varies_names_both_values_and_lines(tmp_path):
    frame = long_frame()
    row = int(np.flatnonzero(frame["id"] == "s1")[1])
    frame.loc[row, "target"] = " up"  # a stray space: two labels to the reader, one to the eye
    frame.to_csv(tmp_path / "d.csv", index=False)
    first = int(np.flatnonzero(frame["id"] == "s1")[0])
    message = refused(tmp_path / "d.csv", time_column="t")
    assert f"sequence 's1' has several values in 'target' ('up' on line {line_of(frame, first)}, ' up' on line " \
           f"{line_of(frame, row)})" in message
