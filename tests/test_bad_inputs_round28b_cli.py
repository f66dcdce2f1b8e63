"""The command line as a new user drives it, twenty-eighth round (b): predict and evaluate given a file separated
by semicolons or tabs, and evaluate's --out named as another format."""

import json

import numpy as np
import pandas as pd
import pytest
from helpers import cli_error

from rnnkit.cli import main

QUICK = ["--task", "classify", "--epochs", "1", "--hidden-size", "4", "--batch-size", "8", "--test-fraction", "0"]


def _long(n=8, steps=4, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"id": np.repeat([f"s{i}" for i in range(n)], steps), "t": np.tile(np.arange(steps), n),
                         "f1": rng.normal(size=n * steps).round(3),
                         "target": np.repeat(["no", "yes"] * (n // 2), steps)})


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A classifier trained by the command line on a long CSV, and the CSV."""
    root = tmp_path_factory.mktemp("m28b")
    data = root / "d.csv"
    _long().to_csv(data, index=False)
    assert main(["train", str(data), "--time-column", "t", *QUICK, "--out", str(root / "m")]) == 0
    return root / "m", data


def test_M28_01_predict_and_evaluate_name_a_file_separated_by_semicolons_or_tabs(model, tmp_path, capsys):
    """Excel's European CSV (';' and decimal commas) and a tab-separated file were called missing the model's id
    and time columns (the file's header read as one column 'id;t;f1'); train said what was wrong. Now predict and
    evaluate say it as train does, with the conversion that reads the file."""
    m, data = model
    euro = tmp_path / "euro.csv"
    pd.read_csv(data).to_csv(euro, sep=";", decimal=",", index=False)
    expected = (f"{euro}: the header is one column 'id;t;f1;target': the file looks separated by semicolons, and "
                "rnnkit reads comma-separated CSV; convert it, e.g. pd.read_csv(path, sep=';', decimal=',')"
                ".to_csv(new_path, index=False)")
    for command in ("predict", "evaluate"):
        assert cli_error([command, str(m), str(euro)], capsys) == f"rnnkit {command}: error: {expected}"
    tabs = tmp_path / "tabs.csv"
    pd.read_csv(data).drop(columns="target").to_csv(tabs, sep="\t", index=False)
    assert "the file looks separated by tabs" in cli_error(["predict", str(m), str(tabs)], capsys)
    fixed = tmp_path / "fixed.csv"  # the conversion the message gives
    pd.read_csv(euro, sep=";", decimal=",").to_csv(fixed, index=False)
    assert main(["evaluate", str(m), str(fixed)]) == 0
    assert json.loads(capsys.readouterr().out.split("\nwrote")[0])["n"] == 8


def test_M28_02_evaluate_out_named_as_csv_or_compressed_is_refused(model, tmp_path, capsys):
    """evaluate --out ev.csv wrote JSON into a .csv, and --out ev.json.gz plain JSON under a gzip name (which
    gunzip and pandas refuse), while predict refuses a name its CSV would not fit (S10-09). Now refused before
    the model is read, naming the JSON name; ev.json and a name without a suffix are written as before."""
    m, data = model
    for name, last in (("ev.csv", ".csv"), ("ev.json.gz", ".gz"), ("ev.parquet", ".parquet"), ("ev.csv.zst", ".zst")):
        out = tmp_path / name
        assert cli_error(["evaluate", str(m), str(data), "--out", str(out)], capsys) == (
            f"rnnkit evaluate: error: --out {out}: rnnkit evaluate writes the metrics as plain JSON, which a {last} "
            f"file would not hold; name it {tmp_path / 'ev.json'}")
        assert not out.exists()
    for name in ("ev.json", "metrics"):
        assert main(["evaluate", str(m), str(data), "--out", str(tmp_path / name)]) == 0
        assert json.loads((tmp_path / name).read_text())["n"] == 8


def test_M28_03_a_role_flag_naming_a_feature_of_the_model_is_named_so(tmp_path, capsys):
    """predict --time-column t on a model trained without one (as the warning on 't' suggests), --target-column f1
    or --id-column f1: the column was taken for the role and the model's input called it absent ('the file lacks
    ['t']', of a file that has it), or a column of ids was read as a feature. Now the flag is named as naming one
    of the model's features, with its recorded role column; flags naming the file's own columns work as before."""
    data = tmp_path / "d.csv"
    _long().to_csv(data, index=False)
    m = tmp_path / "m"
    with pytest.warns(UserWarning, match="named like a time axis"):
        assert main(["train", str(data), *QUICK, "--out", str(m)]) == 0
    head = f"pred.csv: --time-column t names a column that {m} reads as a feature (its features ['t', 'f1'], " \
           f"recorded in {m / 'config.json'})"
    pred = tmp_path / "pred.csv"
    _long().drop(columns="target").to_csv(pred, index=False)
    with pytest.warns(UserWarning):
        assert cli_error(["predict", str(m), str(pred), "--time-column", "t"], capsys) == (
            f"rnnkit predict: error: {tmp_path / head}; it was trained without a time column, so 't' is one of its "
            "inputs: leave --time-column out and sort each sequence's rows by 't' in the file (or train again with "
            "--time-column t)")
        for role, command in (("target", "evaluate"), ("id", "predict")):
            assert cli_error([command, str(m), str(data if command == "evaluate" else pred), f"--{role}-column", "f1"],
                          capsys).endswith(
                f"--{role}-column f1 names a column that {m} reads as a feature (its features ['t', 'f1'], recorded "
                f"in {m / 'config.json'}), which would then be missing from its input; its {role} column is "
                f"'{'target' if role == 'target' else 'id'}': leave --{role}-column out, or give the column of the "
                f"file that holds the {role}")
        renamed = tmp_path / "renamed.csv"
        _long().rename(columns={"id": "key", "target": "label"}).to_csv(renamed, index=False)
        assert main(["evaluate", str(m), str(renamed), "--id-column", "key", "--target-column", "label"]) == 0


def test_M28_04_layout_given_against_the_models_is_named(model, tmp_path, capsys):
    """predict --layout wide of a long model's file said to drop its 'id' column (a wide CSV's advice), and
    --layout long of a wide model's file that the column 'id' was not found; now both name the layout the model
    was trained on and to leave --layout out. The layout as at training, given or not, reads as before."""
    m, data = model
    assert cli_error(["predict", str(m), str(data), "--layout", "wide"], capsys) == (
        f"rnnkit predict: error: {data}: --layout wide reads the file as a wide CSV (a row per sequence, a column per "
        f"step), but {m} was trained on a long CSV (a row per step), recorded in {m / 'config.json'} (features "
        "['f1']): leave --layout out to read the file as at training, or give a long CSV (a row per step)")
    rng = np.random.default_rng(0)
    wide = pd.DataFrame(rng.normal(size=(8, 4)).round(3), columns=[f"h{k}" for k in range(4)])
    wide.insert(0, "target", ["a", "b"] * 4)
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    mw = tmp_path / "mw"
    assert main(["train", str(path), "--layout", "wide", *QUICK, "--out", str(mw)]) == 0
    capsys.readouterr()
    assert cli_error(["evaluate", str(mw), str(path), "--layout", "long"], capsys) == (
        f"rnnkit evaluate: error: {path}: --layout long reads the file as a long CSV (a row per step), but {mw} was "
        f"trained on a wide CSV (a row per sequence, a column per step), recorded in {mw / 'config.json'} (features "
        "['value']): leave --layout out to read the file as at training, or give a wide CSV (a row per sequence, a "
        "column per step)")
    for layout in ([], ["--layout", "wide"]):
        assert main(["predict", str(mw), str(path), *layout]) == 0
        assert len(capsys.readouterr().out.splitlines()) == 9


def test_M28_05_an_npz_given_a_csvs_layout_is_named(tmp_path, capsys):
    """train / predict d.npz --layout long (or wide): the advice was 'name it .npz or pass --layout npz' for a
    file named .npz; now the layout given is named, with leaving it out. An .npz read as one trains as before."""
    rng = np.random.default_rng(0)
    path = tmp_path / "d.npz"
    np.savez(path, X=rng.normal(size=(8, 5, 2)).astype("float32"), y=np.arange(8) % 2)
    for layout in ("long", "wide"):
        assert cli_error(["train", str(path), "--layout", layout, *QUICK, "--out", str(tmp_path / "m")], capsys) == (
            f"rnnkit train: error: {path}: this is an .npz archive, but layout={layout!r} (--layout {layout}) reads "
            "a CSV; leave the layout out (an .npz is read as one) or give layout='npz' (--layout npz)")
    assert main(["train", str(path), *QUICK, "--out", str(tmp_path / "m")]) == 0
