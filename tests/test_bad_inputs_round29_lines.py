"""Twenty-ninth round: the line a message names is the file's own line, where pandas' rows and the file's lines part:
blank lines (which pandas skips, before the header too), lines of spaces only, Windows line ends, a quoted field
that holds line breaks. Each message named ``row + 2`` before, the line of a row counted from a header on line 1
with one line per row.

One test per case of the catalogue (ids L29-01 ... L29-07); each fails on the commit before its fix.
"""

import pytest
from helpers import cli_error, one_line, user_warnings

from rnnkit.data.tables import line_of, read_sequences
from rnnkit.forecast.series import read_series_csv


def write(path, lines: list[str], end: str = "\n"):
    path.write_bytes(end.join(lines).encode() + end.encode())
    return path


def test_L29_01_blank_lines_in_a_long_csv_leave_the_named_line_the_files(tmp_path):
    # the rows of two files joined with an empty line between them; 'x' is on line 7 of the file, row 4 of pandas'
    path = write(tmp_path / "long.csv", ["id,t,f", "a,0,1.0", "a,1,2.0", "", "b,0,1.5", "", "b,1,x"])
    with pytest.raises(ValueError) as e:
        read_sequences(path, id_column="id", time_column="t", target_column=None)
    assert "line 7 has 'x'" in one_line(e)


def test_L29_02_blank_lines_before_the_header_and_spaces_only_lines_are_counted(tmp_path):
    # pandas skips blank lines above the header and lines of spaces only; the empty time cell is on line 6
    path = write(tmp_path / "long.csv", ["", "", "id,t,f", "a,0,1.0", "   ", "a,,2.0"])
    with pytest.raises(ValueError) as e:
        read_sequences(path, id_column="id", time_column="t", target_column=None)
    assert "the time column 't' is empty at line 6;" in one_line(e)


def test_L29_03_windows_line_ends_with_a_blank_line_name_the_files_line(tmp_path):
    path = write(tmp_path / "long.csv", ["id,t,f", "a,0,1.0", "", "a,0,2.0"], end="\r\n")
    with pytest.raises(ValueError) as e:
        read_sequences(path, id_column="id", time_column="t", target_column=None)
    assert "more than once (lines 2, 4)" in one_line(e)


def test_L29_04_a_quoted_field_over_two_lines_counts_as_both(tmp_path):
    # a note column written by a spreadsheet, its cell on lines 3-4: the bad value is on line 5, not line 4
    path = write(tmp_path / "sales.csv", ["date,sales,note", "2024-01-01,5,", '2024-01-02,6,"closed', 'early"',
                                          "2024-01-03,n/a?,"])
    with pytest.raises(ValueError) as e:
        read_series_csv(path, time_column="date", target_column="sales")
    assert "line 5 has 'n/a?'" in one_line(e)
    assert [line_of(r, path) for r in range(3)] == [2, 3, 5]


def test_L29_05_the_time_order_of_a_series_names_both_lines_of_the_file(tmp_path):
    path = write(tmp_path / "sales.csv", ["date,sales", "2024-01-01,5", "", "2024-01-03,6", "", "2024-01-02,7"])
    with pytest.raises(ValueError) as e:
        read_series_csv(path, time_column="date", target_column="sales")
    assert "goes back at line 6 ('2024-01-02' after '2024-01-03' on line 4)" in one_line(e)


def test_L29_06_the_command_lines_target_checks_name_the_files_line(tmp_path, capsys):
    path = write(tmp_path / "long.csv", ["id,t,f,y", "a,0,1.0,2.5", "a,1,2.0,2.5", "", "b,0,1.5,1e39", "b,1,1.0,1e39"])
    message = cli_error(["train", path, "--task", "regress", "--time-column", "t", "--target-column", "y",
                         "--out", tmp_path / "m"], capsys)
    assert "has a value beyond float32's range" in message and "on line 5 ('1e39';" in message
    labels = write(tmp_path / "labels.csv", ["id,t,f,y", "a,0,1.0,1", "", "", "b,0,1.5,2.5"])
    message = cli_error(["train", labels, "--task", "classify", "--time-column", "t", "--target-column", "y",
                         "--out", tmp_path / "m"], capsys)
    assert "holds numbers that are not whole (line 5 has '2.5';" in message


def test_L29_07_a_warning_names_the_files_line_too(tmp_path):
    path = write(tmp_path / "long.csv", ["id,t,f", "A-1,0,1.0", "", "", "a-1,0,2.0"])
    read = lambda: read_sequences(path, id_column="id", time_column="t", target_column=None)
    [warning] = [w for w in user_warnings(read) if "differ only by case" in w]
    assert "('A-1' on line 2, 'a-1' on line 5" in warning


def test_a_file_of_one_line_per_row_keeps_row_plus_two(tmp_path):
    # no case of the catalogue, what the cases above leave as it was: a file of one line per row after the header
    # keeps row + 2, and a name that is not a file (a frame's label) counts from the header
    path = write(tmp_path / "plain.csv", ["id,t,f", "a,0,1.0", "a,1,2.0"])
    assert [line_of(r, path) for r in range(2)] == [2, 3]
    assert line_of(4, "<DataFrame>") == 6
