"""The command line, rnnkit.io and read_sequences with files as a new user brings them, twenty-sixth round: Excel's,
R's and pandas' exports, ids and times written two ways, npz extras, a config.json saved by an editor, --out paths."""

import json
import os
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import cli_error

import rnnkit
from rnnkit.cli import main
from rnnkit.data import read_sequences

QUICK = ["--task", "classify", "--epochs", "1", "--hidden-size", "4", "--batch-size", "8", "--test-fraction", "0"]


def _long(n=8, steps=4, seed=0, **columns) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"id": np.repeat([f"s{i}" for i in range(n)], steps), "t": np.tile(np.arange(steps), n),
                          "f1": rng.normal(size=n * steps).round(3),
                          "target": np.repeat(["no", "yes"] * (n // 2), steps)})
    return frame.assign(**columns)


def _refused(path, **kw) -> str:
    with pytest.raises(ValueError) as e:
        read_sequences(path, **kw)
    return str(e.value)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A classifier trained by the command line on a long CSV, and the CSV."""
    root = tmp_path_factory.mktemp("m26")
    data = root / "d.csv"
    _long().to_csv(data, index=False)
    assert main(["train", str(data), "--time-column", "t", *QUICK, "--out", str(root / "m")]) == 0
    return root / "m", data


def test_M26_01_empty_columns_past_the_table_are_named_not_called_an_index(tmp_path):
    """Excel exports ';;' past its table; read with sep=';' and written again they are 'Unnamed: 5', 'Unnamed: 6'
    with no value: refused as a DataFrame's index of row numbers before; now named as empty columns, with a fix
    that gives back the table. One trailing comma keeps its message."""
    lines = _long().to_csv(index=False).splitlines()
    commas = tmp_path / "commas.csv"
    commas.write_text("".join(line + ",,\n" for line in lines))
    assert _refused(commas, time_column="t") == (
        f"{commas}: the header's last columns 5 to 6 have no name and no value on any line: the empty columns a "
        "spreadsheet exports past its table; drop them, e.g. pd.read_csv(path).iloc[:, :4].to_csv(new_path, "
        "index=False)")
    unnamed = tmp_path / "unnamed.csv"
    pd.read_csv(commas).to_csv(unnamed, index=False)  # 'Unnamed: 4', 'Unnamed: 5'
    assert "columns 5 to 6 ('Unnamed: 4', 'Unnamed: 5': pandas' names for nameless columns) have no name" in \
        _refused(unnamed, time_column="t")
    fixed = tmp_path / "fixed.csv"
    pd.read_csv(unnamed).iloc[:, :4].to_csv(fixed, index=False)  # the fix the message gives
    assert len(read_sequences(fixed, time_column="t").X) == 8
    one = tmp_path / "one.csv"
    one.write_text("".join(line + ",\n" for line in lines))
    assert "every line ends with a comma" in _refused(one, time_column="t")


def test_M26_02_a_spreadsheets_total_row_is_refused_not_read_as_a_sequence(tmp_path, capsys):
    """A 'Total' row below the table: in a wide CSV it became a class of its own ('Total', 'a', 'b'), in a long
    one it was refused as an empty time (or read with --time-aware); now named as the total row."""
    rng = np.random.default_rng(0)
    wide = pd.DataFrame(rng.normal(size=(8, 5)).round(3), columns=[f"h{k}" for k in range(5)])
    wide.insert(0, "target", ["a", "b"] * 4)
    wide.loc[len(wide)] = ["Total", *wide.iloc[:, 1:].sum().round(3)]
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    message = (f"{path}: line 10, the last, looks like a spreadsheet's total row ('Total' in 'target'), which would "
               "be read as a sequence of its own; remove it, e.g. pd.read_csv(path).iloc[:-1].to_csv(new_path, "
               "index=False)")
    assert _refused(path, layout="wide") == message
    assert cli_error(["train", str(path), "--layout", "wide", *QUICK, "--out", str(tmp_path / "m")], capsys) == \
        f"rnnkit train: error: {message}"
    long = _long()
    long.loc[len(long)] = {"id": "Total", "f1": long.f1.sum()}
    path = tmp_path / "long.csv"
    long.to_csv(path, index=False)
    assert "line 34, the last, looks like a spreadsheet's total row ('Total' in 'id')" in \
        _refused(path, time_column="t", missing_values=True)
    pd.read_csv(path).iloc[:-1].to_csv(tmp_path / "fixed.csv", index=False)
    assert len(read_sequences(tmp_path / "fixed.csv", time_column="t").X) == 8


def test_M26_03_rs_row_names_are_named_with_a_fix_for_the_file(tmp_path):
    """R's write.csv writes row names 1..n in a first column named "": refused as a DataFrame's index with
    df.to_csv(path, index=False), a fix for a pandas user holding the frame; now named as R's, with a fix for the
    file (that works) and R's own."""
    frame = _long()
    path = tmp_path / "r.csv"
    path.write_text('"","id","t","f1","target"\n' + "".join(
        f'"{k + 1}","{r.id}",{r.t},{r.f1},"{r.target}"\n' for k, r in enumerate(frame.itertuples())))
    message = _refused(path, time_column="t")
    assert message == (f"{path}: column 1 of the header has no name and numbers the rows from 1, as R's write.csv "
                       "writes its row names: they would be read as a feature; drop them: pd.read_csv(path, "
                       "index_col=0).to_csv(new_path, index=False) (in R: write.csv(df, path, row.names = FALSE))")
    pd.read_csv(path, index_col=0).to_csv(tmp_path / "fixed.csv", index=False)
    assert read_sequences(tmp_path / "fixed.csv", time_column="t").feature_names == ["f1"]
    frame.to_csv(tmp_path / "pandas.csv")  # pandas' index from 0 keeps its message
    assert "as a DataFrame's index written by to_csv has" in _refused(tmp_path / "pandas.csv", time_column="t")


@pytest.mark.parametrize("ids, what", [(("A-001", "a-001"), "only by case"),
                                       (("007", "7"), "only by how one number is written")])
def test_M26_04_05_ids_written_two_ways_are_warned_of(tmp_path, ids, what):
    """A sequence whose id is 'A-001' on some rows and 'a-001' on others (or '007' and '7'): two sequences
    without a word; now warned of (ids stay the file's text, as documented: distinct ids stay distinct)."""
    frame = _long()
    frame["id"] = frame["id"].astype(object)
    frame.loc[[4, 5], "id"], frame.loc[[6, 7], "id"] = ids
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(UserWarning, match=rf"the id column 'id' holds ids that differ {what}.*\('{ids[0]}' on line 6, "
                                         rf"'{ids[1]}' on line 8\), read as separate sequences"):
        table = read_sequences(path, time_column="t")
    assert len(table.X) == 9 and {ids[0], ids[1]} <= set(table.ids)
    _long().to_csv(tmp_path / "plain.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_sequences(tmp_path / "plain.csv", time_column="t")


def test_M26_06_unix_times_in_seconds_and_milliseconds_are_refused(tmp_path, capsys):
    """Two loggers' files joined: one sequence's times in milliseconds, the others' in seconds. Read as numbers,
    the rows sorted and --time-aware read gaps 1000 times as long (time_unit_ 60, that sequence's gaps 60000);
    now refused, naming both lines as dates, with a fix that works."""
    frame = _long(t=lambda d: 1_700_000_000 + 60 * d["t"])
    frame.loc[frame.id == "s3", "t"] *= 1000
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    message = (f"{path}: the time column 't' holds Unix times in more than one unit (1700000000 on line 2, "
               "2023-11-14 22:13:20 UTC in seconds; 1700000000000 on line 14, 2023-11-14 22:13:20 UTC in "
               "milliseconds), which read as numbers would be ordered and spaced wrongly; write every time in one "
               "unit, e.g. in seconds: df['t'] = df['t'].where(df['t'] < 1e+11, df['t'] / 1000)")
    assert _refused(path, time_column="t", missing_values=True) == message
    assert cli_error(["train", str(path), "--time-column", "t", "--time-aware", *QUICK, "--out", str(tmp_path / "m")],
                  capsys) == f"rnnkit train: error: {message}"
    df = pd.read_csv(path)
    df["t"] = df["t"].where(df["t"] < 1e11, df["t"] / 1000)
    df.to_csv(tmp_path / "fixed.csv", index=False)
    times = read_sequences(tmp_path / "fixed.csv", time_column="t", missing_values=True).sample_times
    assert all(np.array_equal(np.diff(t), [60.0] * 3) for t in times)


def test_M26_07_a_time_column_of_another_kind_than_at_training_is_named_in_the_files_words(tmp_path, capsys):
    """A --time-aware model trained on Excel serial dates (45292, ...) given ISO dates, and one trained on dates
    given serial numbers: refused in the estimator's words before (times as arrays, 'dates as the integer
    nanoseconds of their epoch', wrong for serial days); now naming the file, its column, the first cell and a
    conversion that fits."""
    serial = tmp_path / "serial.csv"
    _long(t=lambda d: 45292 + d["t"]).to_csv(serial, index=False)
    iso = tmp_path / "iso.csv"
    df = pd.read_csv(serial)
    df["t"] = (pd.Timestamp("1899-12-30") + pd.to_timedelta(df["t"], unit="D")).dt.strftime("%Y-%m-%d")
    df.to_csv(iso, index=False)
    for data, out in ((serial, "by_serial"), (iso, "by_date")):
        assert main(["train", str(data), "--time-column", "t", "--time-aware", *QUICK, "--out",
                     str(tmp_path / out)]) == 0
    assert cli_error(["predict", str(tmp_path / "by_serial"), str(iso)], capsys) == (
        f"rnnkit predict: error: {iso}: the time column 't' holds dates or durations ('2024-01-01' for sequence "
        f"'s0'), but {tmp_path / 'by_serial'} was trained with --time-aware on a time column of numbers (gaps in units "
        "of 1); write the times as numbers in the training file's unit (Excel serial day numbers, if that is what it "
        "held: (pd.to_datetime(df['t']) - pd.Timestamp('1899-12-30')) / pd.Timedelta(days=1))")
    assert cli_error(["evaluate", str(tmp_path / "by_date"), str(serial)], capsys) == (
        f"rnnkit evaluate: error: {serial}: the time column 't' holds numbers (45292 for sequence 's0'), but "
        f"{tmp_path / 'by_date'} was trained with --time-aware on a time column of dates (gaps in units of 86400 "
        "seconds); write the times as dates, as in the training file; Excel serial day numbers? "
        "pd.to_datetime(df['t'], unit='D', origin='1899-12-30')")
    df = pd.read_csv(serial)
    df["t"] = pd.to_datetime(df["t"], unit="D", origin="1899-12-30")  # the fix the message gives
    df.to_csv(tmp_path / "fixed.csv", index=False)
    assert main(["predict", str(tmp_path / "by_date"), str(tmp_path / "fixed.csv")]) == 0
    assert main(["predict", str(tmp_path / "by_date"), str(iso)]) == 0


def test_M26_08_labels_with_spaces_around_them_are_warned_of_and_a_spaced_header_named(tmp_path, capsys):
    """Every label written ' no' / ' yes' (a file with a space after each comma): the classes and predictions kept
    the spaces without a word; now warned of. With the header spaced too, the columns ' t', ' target' were
    offered as --time-column ' t'; now the file's form is named, with the reading that strips it."""
    frame = _long(target=lambda d: " " + d["target"])
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    with pytest.warns(UserWarning, match=r"the target column 'target' has labels with spaces around them \(' no' on "
                                         r"line 2; 2 such labels\), read with them"):
        read_sequences(path, time_column="t")
    spaced = tmp_path / "spaced.csv"
    spaced.write_text(_long().to_csv(index=False).replace(",", ", "))
    message = _refused(spaced, time_column="t")
    assert message.endswith("it writes a space after each comma, which pandas keeps in every name and value (' yes' "
                            "is not 'yes'); save it without them: pd.read_csv(path, skipinitialspace=True).to_csv("
                            "new_path, index=False)")
    pd.read_csv(spaced, skipinitialspace=True).to_csv(tmp_path / "fixed.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sorted(set(read_sequences(tmp_path / "fixed.csv", time_column="t").y)) == ["no", "yes"]


def test_M26_09_extra_npz_arrays_are_refused_with_a_fix_that_fits_them(tmp_path):
    """An npz with 'feature_names' beside X and y: the fix was "rename them (e.g. 'lengths')"; now the arrays to
    keep (a fix that runs), and the rename only for a name close to one rnnkit reads."""
    X, y = np.zeros((4, 3, 2), np.float32), np.arange(4)
    path = tmp_path / "d.npz"
    np.savez(path, X=X, y=y, feature_names=np.array(["a", "b"]))
    assert _refused(path) == (f"{path}: array(s) ['feature_names'] are not read by rnnkit, which reads only ['X', 'y', "
                              "'lengths']; leave them out: np.savez(new_path, **{k: data[k] for k in ['X', 'y']}) "
                              "(data = np.load(path))")
    data = np.load(path)
    np.savez(tmp_path / "fixed.npz", **{k: data[k] for k in ["X", "y"]})
    assert len(read_sequences(tmp_path / "fixed.npz").X) == 4
    np.savez(path, X=X, y=y, length=np.full(4, 3))
    assert "if 'length' is 'lengths', rename it; else leave them out" in _refused(path)


def test_M26_10_a_config_json_saved_with_a_byte_order_mark_is_read(model, tmp_path, capsys):
    """config.json opened and saved in an editor that writes a UTF-8 byte-order mark (Windows' Notepad): refused
    as 'cut short, as a copy or download stopped partway leaves it'; now read (its content, which the digest
    checks, is unchanged), predicting as the model; an edited value is still refused."""
    m, data = model
    copy = tmp_path / "m"
    copy.mkdir()
    for name in ("config.json", "model.safetensors"):
        (copy / name).write_bytes((b"\xef\xbb\xbf" if name == "config.json" else b"") + (m / name).read_bytes())
    assert main(["predict", str(m), str(data), "--out", str(tmp_path / "a.csv")]) == 0
    assert main(["predict", str(copy), str(data), "--out", str(tmp_path / "b.csv")]) == 0
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    config = json.loads((m / "config.json").read_text())
    config["params"]["hidden_size"] = 8
    (copy / "config.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(config).encode())
    assert "the config was edited or comes from another model" in cli_error(["predict", str(copy), str(data)], capsys)


@pytest.mark.parametrize("command, what", [("predict", "predictions"), ("evaluate", "metrics")])
def test_M26_11_an_out_file_written_as_a_directory_is_refused(model, tmp_path, capsys, command, what):
    """predict --out preds/ (a trailing slash: a directory) wrote a file named 'preds'; now refused, nothing
    written."""
    m, data = model
    out = f"{tmp_path / 'preds'}/"
    example = "predictions.csv" if command == "predict" else "evaluation.json"
    assert cli_error([command, str(m), str(data), "--out", out], capsys) == (
        f"rnnkit {command}: error: --out {out} ends with '/', naming a directory, but the {what} are one file; give "
        f"its path, e.g. {tmp_path / 'preds' / example}")
    assert not (tmp_path / "preds").exists()


def test_M26_12_out_a_symbolic_link_writes_the_model_where_it_points(tmp_path):
    """train --out link, a symbolic link to a directory: the link was replaced by the model directory (left
    beside it as '.link.old-…'), its target kept the run's checkpoints and logs; now the model is written where
    the link points, the link kept, nothing left beside; rnnkit.save and rnnkit export --out likewise."""
    data = tmp_path / "d.csv"
    _long().to_csv(data, index=False)
    (tmp_path / "models").mkdir()
    os.symlink("models", tmp_path / "link")
    for _ in range(2):  # new, then replaced
        assert main(["train", str(data), "--time-column", "t", *QUICK, "--out", str(tmp_path / "link")]) == 0
        assert (tmp_path / "link").is_symlink()
        assert sorted(os.listdir(tmp_path / "models")) == ["config.json", "metrics.json", "model.safetensors"]
        assert sorted(os.listdir(tmp_path)) == ["d.csv", "link", "models"]
    est = rnnkit.load(tmp_path / "link")
    rnnkit.save(est, tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and sorted(os.listdir(tmp_path)) == ["d.csv", "link", "models"]
    (tmp_path / "onnx").mkdir()
    os.symlink("onnx", tmp_path / "export")
    assert main(["export", str(tmp_path / "link"), "--out", str(tmp_path / "export")]) == 0
    assert (tmp_path / "export").is_symlink() and "export.json" in os.listdir(tmp_path / "onnx")
    assert sorted(os.listdir(tmp_path)) == ["d.csv", "export", "link", "models", "onnx"]
