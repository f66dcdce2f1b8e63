"""Twenty-ninth round: rows of separators only at the end of a CSV (a spreadsheet's used rows below its data), and
``rnnkit forecast``'s columns named as a new user writes them (several covariates in one flag written with ';' or
spaces, a name in another case).

One test per case of the catalogue (ids E29-01, E29-02, ...); each fails on the commit before its fix.
"""

import pandas as pd
import pytest
from helpers import cli_error, one_line

from rnnkit.data.tables import read_sequences
from rnnkit.forecast.series import read_series_csv


def test_E29_01_rows_of_commas_only_are_named_as_empty_rows(tmp_path, capsys):
    # before: "the id column 'id' is empty at lines 6, 7; every row needs the id of its sequence", the first role
    # the rows leave empty, where no column of them holds a value
    path = tmp_path / "long.csv"
    path.write_text("id,t,f,target\na,0,1.0,0\na,1,2.0,0\nb,0,1.0,1\nb,1,1.5,1\n,,,\n,,,\n")
    with pytest.raises(ValueError) as e:
        read_sequences(path, time_column="t")
    assert one_line(e) == (f"{path}: lines 6, 7 have no value in any column (rows of separators only, as a "
                           "spreadsheet saves the rows once used below its data); delete them, e.g. "
                           "pd.read_csv(path).dropna(how='all').to_csv(new_path, index=False)")
    message = cli_error(["train", path, "--task", "classify", "--time-column", "t", "--out", tmp_path / "m"], capsys)
    assert message.endswith("lines 6, 7 have no value in any column (rows of separators only, as a spreadsheet "
                            "saves the rows once used below its data); delete them, e.g. "
                            "pd.read_csv(path).dropna(how='all').to_csv(new_path, index=False)")


def test_E29_02_a_series_file_with_an_empty_row_names_it(tmp_path, capsys):
    # before: "the time column 'date' is empty at line 4"; a missing value of the series is read (NaN), a row of
    # nothing is not a reading
    path = tmp_path / "sales.csv"
    path.write_text("date,sales\n2024-01-01,5\n2024-01-02,6\n,\n2024-01-03,\n2024-01-04,8\n")
    with pytest.raises(ValueError) as e:
        read_series_csv(path, time_column="date", target_column="sales")
    assert one_line(e).startswith(f"{path}: line 4 has no value in any column (")
    assert "delete it, e.g." in one_line(e)


@pytest.mark.parametrize("given", ["a;b", "a b", "a | b"])
def test_E29_03_covariates_separated_otherwise_than_by_commas_are_told_how_to_write_them(tmp_path, capsys, given):
    # before: "column(s) ['a;b'] not found; the file has ['date', 'sales', 'a', 'b'] (choose them with
    # --time-column / --target-column / --covariates)", the columns it meant listed but not the fix
    path = tmp_path / "sales.csv"
    path.write_text("date,sales,a,b\n" + "".join(f"2024-01-{d:02d},{d},1,2\n" for d in range(1, 9)))
    message = cli_error(["forecast", path, "--time-column", "date", "--target-column", "sales", "--covariates",
                         given, "--horizon", "2", "--out", tmp_path / "f.csv"], capsys)
    assert message.endswith(f"({given!r} is one name; name several columns with commas: --covariates a,b "
                            "(covariates=['a', 'b']))")


def test_E29_04_a_series_column_named_in_another_case_is_suggested(tmp_path):
    # before: the columns listed, 'Sales' beside 'sales' left for the user to see
    path = tmp_path / "sales.csv"
    path.write_text("date,sales\n" + "".join(f"2024-01-{d:02d},{d}\n" for d in range(1, 9)))
    with pytest.raises(ValueError) as e:
        read_series_csv(path, time_column="date", target_column="Sales")
    assert one_line(e).endswith("column(s) ['Sales'] not found; the file has ['date', 'sales'] ('Sales' may be "
                                "'sales')")


@pytest.mark.parametrize("given", ["", "date"])
def test_E29_05_the_nameless_index_column_of_series_to_csv_is_named_with_its_flag(tmp_path, capsys, given):
    # before: "column(s) [''] not found; the file has ['Unnamed: 0', '0'] (choose them with --time-column / ...)":
    # the times' column has no name to give, and pandas' name for it was left for the user to guess
    path = tmp_path / "y.csv"
    pd.Series(range(24), index=pd.date_range("2024-01-01", periods=24, freq="D")).to_csv(path)  # header ",0"
    message = cli_error(["forecast", path, "--time-column", given, "--target-column", "0", "--horizon", "2",
                         "--out", tmp_path / "f"], capsys)
    assert message.endswith(f"column(s) [{given!r}] not found; the file has ['Unnamed: 0', '0'] (column 1 of the "
                            "file has no name in its header (as Series.to_csv writes an index of no name; pandas "
                            "calls it 'Unnamed: 0'): if it holds the times, pass --time-column 'Unnamed: 0' "
                            "(time_column='Unnamed: 0'), or write the file with the index named, "
                            "y.rename_axis('date').to_csv(path))")
    read = read_series_csv(path, time_column="Unnamed: 0", target_column="0")  # the flag named works
    assert len(read) == 24 and read.index[0] == pd.Timestamp("2024-01-01")
