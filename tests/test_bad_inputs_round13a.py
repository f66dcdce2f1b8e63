"""The thirteenth round of bad inputs on the command line and the file readers (C13-01 ...): each case gets one
line naming what is wrong, where, and the fix in the terms of the caller (flags on the command line)."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli import main
from rnnkit.data.tables import TimeOrderError, read_sequences

FAST = ["--epochs", "1", "--hidden-size", "4", "--test-fraction", "0"]


def _long(path, n=6, steps=4, t=None):
    """A long CSV of n sequences of `steps` steps: id, t (or the times `t`), f1, f2, target."""
    rows = [{"id": f"s{i}", "t": (t[k] if t is not None else k), "f1": float(i + k), "f2": float(i - k),
             "target": i % 2} for i in range(n) for k in range(steps)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A classifier trained on a long CSV with the feature columns f1, f2 (and the CSV)."""
    tmp = tmp_path_factory.mktemp("model")
    _long(tmp / "d.csv")
    assert main([str(a) for a in ("train", tmp / "d.csv", "--task", "classify", "--time-column", "t", "--out",
                                  tmp / "m", *FAST)]) == 0
    return tmp / "m", tmp / "d.csv"


def _series(path, missing):
    values = np.sin(np.arange(60) / 3) + 5
    values[missing] = np.nan
    pd.DataFrame({"month": pd.date_range("2000-01-01", periods=60, freq="MS").strftime("%Y-%m-%d"),
                  "y": values}).to_csv(path, index=False)


def test_c13_01_forecast_fold_without_values_names_the_flags_and_the_file(tmp_path, cli_error):
    """Was: backtest's own message, with Python's fix (data.loc[...], folds=, step=) and no file named."""
    forecast = ["--time-column", "month", "--target-column", "y", "--horizon", "6", "--max-epochs", "1"]
    _series(tmp_path / "end.csv", slice(54, None))  # the last fold's rows: no value
    line = cli_error(["forecast", tmp_path / "end.csv", *forecast, "--out", tmp_path / "a"])
    assert line == (f"rnnkit forecast: error: {tmp_path / 'end.csv'}: the backtest's fold 3 of 3 (--folds, --horizon "
                    "6) tests on 2004-07-01 .. 2004-12-01, where 'y' has no value, so no forecast could be scored "
                    "there; the last value of 'y' is at 2004-06-01: remove the rows after it from "
                    f"{tmp_path / 'end.csv'} (or fill them in)")
    _series(tmp_path / "gap.csv", slice(48, 54))  # the second of three folds: no value
    line = cli_error(["forecast", tmp_path / "gap.csv", *forecast, "--out", tmp_path / "b"])
    assert "fold 2 of 3" in line and "2004-01-01 .. 2004-06-01" in line
    assert line.endswith(f"lower --folds to 1 (the folds after this gap), fill in the gap in {tmp_path / 'gap.csv'}, "
                         "or choose another --horizon")
    assert "data.loc" not in line and "step=" not in line
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_c13_02_read_sequences_refuses_rows_out_of_a_time_named_columns_order(tmp_path):
    """Was: a warning only, and the steps read in file order, where `rnnkit train` refuses the same file."""
    frame = _long(tmp_path / "d.csv")
    frame.iloc[[4, 5]] = frame.iloc[[5, 4]].to_numpy()  # s1's steps 0 and 1 swapped in the file
    frame.to_csv(tmp_path / "swapped.csv", index=False)
    with pytest.raises(TimeOrderError) as err:
        read_sequences(tmp_path / "swapped.csv")
    assert str(err.value) == (
        f"{tmp_path / 'swapped.csv'}: column 't' is named like a time axis, and the rows of sequence 's1' are not in "
        "its order (t 1 on line 6, then 0 on line 7); without a time column the rows are read in file order, with "
        "'t' as a feature: pass time_column='t' (rnnkit train --time-column t) to sort each sequence's rows by it "
        "(or rename the column if it is a feature, not the time)")
    with pytest.warns(UserWarning, match="named like a time axis"):  # in order: read, with the warning, as before
        assert len(read_sequences(tmp_path / "d.csv").X) == 6
    assert len(read_sequences(tmp_path / "swapped.csv", time_column="t").X) == 6


def test_c13_03_a_time_column_mixing_years_and_dates_is_refused(tmp_path):
    """Was: '1999' read as 1999-01-01 beside the dates, silently."""
    _long(tmp_path / "d.csv", steps=3, t=["1999", "2000", "2000-06-30"])
    with pytest.raises(ValueError) as err:
        read_sequences(tmp_path / "d.csv", time_column="t")
    assert str(err.value) == (f"{tmp_path / 'd.csv'}: the time column 't' mixes years ('1999' on line 2) with dates "
                              "('2000-06-30' on line 4); a year would be read as its 1 January: write every time "
                              "alike (all years, or all ISO dates)")
    _long(tmp_path / "years.csv", steps=3, t=[1999, 2000, 2001])  # years alone stay numbers
    assert read_sequences(tmp_path / "years.csv", time_column="t").times[0].tolist() == [1999, 2000, 2001]


WORLD_BANK = ",".join(["Country Name", "Country Code", "Series Name", "Series Code",
                       *(f"{y} [YR{y}]" for y in range(1960, 1964))]) + """
Aruba,ABW,"Population, total",SP.POP.TOTL,54608,55811,56682,..
Aruba,ABW,"GDP (current US$)",NY.GDP.MKTP.CD,..,..,1.5,1.6
Angola,AGO,"Population, total",SP.POP.TOTL,5357195,5441333,5521400,5599827
Angola,AGO,"GDP (current US$)",NY.GDP.MKTP.CD,2.1,2.2,2.3,2.4

Data from database: World Development Indicators,,,,,,,
Last Updated: 12/16/2024,,,,,,,
"""


def test_c13_04_a_world_bank_export_is_refused_with_a_reshaping_that_reads(tmp_path, cli_error):
    """Was: 'feature column(s) ['Country Name', ...] are not numeric' (long: 'the id column 'Country Code' is
    empty' on the footer lines), nothing about the layout."""
    path = tmp_path / "wb.csv"
    path.write_text(WORLD_BANK)
    line = cli_error(["train", path, "--task", "regress", "--layout", "wide", "--target-column", "1963 [YR1963]",
                      "--out", tmp_path / "m"])
    assert "the columns '1960 [YR1960]' ... '1963 [YR1963]' are the years of a World Bank export" in line
    with pytest.raises(ValueError) as err:
        read_sequences(path, id_column="Country Code", target_column=None)
    code = re.search(r"e\.g\. (.*), then read new_path with --id-column 'Country Code' --time-column year",
                     str(err.value)).group(1)
    new_path = tmp_path / "long.csv"
    exec(code.replace("; ", "\n"), {"pd": pd, "path": path, "new_path": new_path})  # the advice, as given
    table = read_sequences(new_path, id_column="Country Code", time_column="year", target_column=None,
                           missing_values=True)
    assert table.ids.tolist() == ["ABW", "AGO"] and table.feature_names == ["NY.GDP.MKTP.CD", "SP.POP.TOTL"]
    np.testing.assert_array_equal(table.X[1], np.float32([[2.1, 5357195], [2.2, 5441333], [2.3, 5521400],
                                                         [2.4, 5599827]]))
    assert np.isnan(table.X[0][3, 1]) and np.isnan(table.X[0][0, 0])  # '..': missing, not dropped


def test_c13_05_world_bank_year_labels_as_a_time_column_name_the_fix(tmp_path):
    """Was: 'neither numbers nor dates in one format (line 2 has '1960 [YR1960]')'."""
    _long(tmp_path / "d.csv", steps=3, t=["1960 [YR1960]", "1961 [YR1961]", "1962 [YR1962]"])
    with pytest.raises(ValueError) as err:
        read_sequences(tmp_path / "d.csv", time_column="t")
    assert str(err.value) == (f"{tmp_path / 'd.csv'}: the time column 't' holds the World Bank's year labels "
                              "('1960 [YR1960]' on line 2); keep their years as numbers, e.g. df['t'] = "
                              "df['t'].str[:4].astype(int)")


def test_c13_06_wide_step_columns_named_by_decreasing_numbers_are_refused(tmp_path, cli_error):
    """Was: the steps read in file order, newest first, without a word."""
    (tmp_path / "w.csv").write_text("target,2003,2002,2001\n1,3,2,1\n0,1,2,3\n1,4,2,1\n0,1,3,4\n")
    line = cli_error(["train", tmp_path / "w.csv", "--task", "classify", "--layout", "wide", "--out", tmp_path / "m",
                      *FAST])
    assert "the step columns are named by numbers that do not increase ('2003' before '2002')" in line
    assert not (tmp_path / "m").exists()
    (tmp_path / "up.csv").write_text("target,2001,2002,2003\n1,1,2,3\n0,3,2,1\n")  # in order: read as before
    assert [x[:, 0].tolist() for x in read_sequences(tmp_path / "up.csv", layout="wide").X] == [[1, 2, 3], [3, 2, 1]]


@pytest.mark.parametrize("name,content,reader", [
    ("d.json", b'[{"id": "s0", "t": 0, "f1": 1.0, "target": 0}]', "pd.read_json(path)"),
    ("d.xlsx", b"PK\x03\x04 an Excel workbook", "pd.read_excel(path)"),
    ("d.parquet", b"PAR1 a Parquet file", "pd.read_parquet(path)"),
    ("d.csv", b"PAR1 a Parquet file named .csv", "pd.read_parquet(path)"),
    ("d.feather", b"ARROW1 an Arrow file", "pd.read_feather(path)"),
])
def test_c13_07_a_file_of_another_format_is_named_with_its_converter(tmp_path, cli_error, name, content, reader):
    """Was: 'the header names column 'target:0' twice' (JSON), 'this is a zip archive (an .npz?)' (Excel), 'the
    CSV has a header but no rows' (Parquet)."""
    (tmp_path / name).write_bytes(content)
    line = cli_error(["train", tmp_path / name, "--task", "classify", "--out", tmp_path / "m"])
    assert line.endswith(f"is not a CSV; rnnkit reads a CSV (.csv, or .csv.gz, .bz2, .xz, .zip) or an .npz: convert "
                         f"it, e.g. {reader}.to_csv(new_path, index=False)")


def test_c13_08_a_missing_column_names_the_column_it_may_be(tmp_path, cli_error):
    """Was: 'column(s) ['id'] not found; the file has [...] (choose them with --id-column / ...)'."""
    frame = _long(tmp_path / "d.csv")
    frame.rename(columns={"id": "ID", "target": "Target "}).to_csv(tmp_path / "d.csv", index=False)
    line = cli_error(["train", tmp_path / "d.csv", "--task", "classify", "--time-column", "t", "--out", tmp_path / "m"])
    assert line.endswith("('id' may be 'ID' (id_column='ID', --id-column ID); 'target' may be 'Target ' "
                         "(target_column='Target ', --target-column 'Target '))")
    frame.rename(columns={"id": "sequence"}).to_csv(tmp_path / "far.csv", index=False)  # nothing close: as before
    assert cli_error(["train", tmp_path / "far.csv", "--task", "classify", "--out", tmp_path / "m"]).endswith(
        "(choose them with --id-column / --time-column / --target-column)")


def test_c13_09_predict_names_columns_that_differ_by_case_or_spaces(model, tmp_path, cli_error):
    """Was: 'lacks ['f1'] and has the extra column(s) [' f1']', nothing said of the space."""
    m, data = model
    pd.read_csv(data).rename(columns={"f1": " f1", "f2": "F2"}).to_csv(tmp_path / "p.csv", index=False)
    line = cli_error(["predict", m, tmp_path / "p.csv"])
    assert line.endswith("; the file writes ' f1' for 'f1', 'F2' for 'f2': names differ by case or spaces, which are "
                         "part of a column's name")


def test_c13_10_an_npz_for_a_model_trained_on_a_csv_is_named(model, tmp_path, cli_error):
    """Was: 'lacks ['f1', 'f2'] and has the extra column(s) ['x0', 'x1']; ... rename or drop columns', which an
    .npz cannot do."""
    m, _ = model
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 4, 2), np.float32), y=np.array([0, 1, 0]))
    for command in ("predict", "evaluate"):
        line = cli_error([command, m, tmp_path / "d.npz"])
        assert line == (f"rnnkit {command}: error: {tmp_path / 'd.npz'}: an .npz's arrays have no column names (its "
                        "features read as ['x0', 'x1']), and the model was trained on a CSV whose feature columns are "
                        "['f1', 'f2'], which are matched by name: give a CSV with those columns (or train the model "
                        "on .npz files)")


def test_predict_of_the_training_file_still_reads(model, tmp_path):
    """The checks above leave a matching file alone."""
    m, data = model
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["predict", str(m), str(data), "--out", str(tmp_path / "p.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == 6
