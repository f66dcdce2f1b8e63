"""The command line as a new user drives it, thirty-third round: the cases the thirty-second left: a boolean flag
and its --no- form both given (``--bidirectional ... --no-bidirectional``), which argparse settled by keeping the
last without a word; ``train --out m.csv`` (a model directory named like a table); a target column of amounts
with a currency sign (``$1,234.50``, ``1.234,50 €``), refused without the advice to strip the sign."""

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from helpers import cli_error, run_cli

from rnnkit.cli import build_parser

QUICK = ["--hidden-size", "4", "--batch-size", "4", "--cell", "gru", "--lr-schedule", "none", "--device", "cpu",
         "--epochs", "1", "--time-column", "t", "--test-fraction", "0"]


def _long(n: int = 6) -> pd.DataFrame:
    """n sequences of 4 steps, one feature, a target per sequence (amounts from 240 to 3010)."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({"id": np.repeat(np.arange(1, n + 1), 4), "t": np.tile(np.arange(4), n),
                         "f1": rng.normal(size=4 * n).round(3),
                         "y": np.repeat(np.linspace(240.0, 3010.5, n).round(2), 4)})


def _warned(caught, word: str) -> list[str]:
    return [str(w.message) for w in caught if word in str(w.message)]


def test_C33_01_a_flag_and_its_no_form_both_given_are_warned_of():
    """`rnnkit train ... --bidirectional ... --no-bidirectional` (a flag appended to a saved command line) trained
    one direction without a word (C32-07 warned of an option given twice with two values, not of a --flag and its
    --no- form); now a warning names both and the one used. The same form twice is not warned of."""
    base = ["train", "d.csv", "--task", "regress", "--out", "m"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        args = build_parser().parse_args([*base, "--bidirectional", "--epochs", "2", "--no-bidirectional"])
        again = build_parser().parse_args([*base, "--no-keep-scale", "--keep-scale"])
        same = build_parser().parse_args([*base, "--bidirectional", "--bidirectional"])
    assert args.bidirectional is False and again.keep_scale is True and same.bidirectional is True
    assert _warned(caught, "both given") == [
        "--bidirectional and --no-bidirectional both given (--bidirectional, then --no-bidirectional): the last, "
        "--no-bidirectional, is used; give one of them",
        "--no-keep-scale and --keep-scale both given (--no-keep-scale, then --keep-scale): the last, --keep-scale, "
        "is used; give one of them"]


def test_C33_02_train_out_named_like_a_csv_file_is_warned_of(tmp_path, capsys):
    """`rnnkit train d.csv ... --out m.csv` wrote a folder m.csv (the model in it) without a word, where the user
    looks for a table (train's --out m.zip was warned of since C32-05, a table's suffix not); now a warning says
    it is a folder and that rnnkit predict writes the table. The model is still written, and loads."""
    import rnnkit

    data = tmp_path / "d.csv"
    _long().to_csv(data, index=False)
    out = tmp_path / "m.csv"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, err = run_cli(["train", data, "--task", "regress", "--target-column", "y", *QUICK, "--out", out],
                              capsys)
    assert status == 0, err
    assert _warned(caught, "named like") == [
        f"--out: {out} is named like a .csv file, but an rnnkit model is a directory (config.json and "
        "model.safetensors in it), so m.csv will be a folder that tools reading .csv files cannot open; name it "
        f"without the suffix, e.g. {str(tmp_path / 'm')!r}; the model's predictions are written as a table by "
        "rnnkit predict MODEL DATA --out m.csv"]
    assert out.is_dir() and type(rnnkit.load(out)).__name__ == "SequenceRegressor"


def test_C33_03_a_target_of_amounts_with_a_currency_sign_is_refused_with_the_code_that_strips_it(tmp_path, capsys):
    """A target column written `$1,234.50` (or `1.234,50 €`, as a German Excel writes it) was refused as `not
    numeric ...; convert it to numbers`, with no word of the sign; now the refusal names the sign and gives the
    pandas line that strips it, and that line reads back the amounts."""
    frame = _long()
    forms = {"dollars.csv": (lambda v: f"${v:,.2f}", "strip the sign and the thousands separators",
                             ".str.replace(r'[$€£¥₹,\\s]', '', regex=True)"),
             "euros.csv": (lambda v: f"{v:,.2f}".translate(str.maketrans(",.", ".,")) + " €",
                           "strip the sign and the thousands separators (.), write the decimal comma as a point",
                           ".str.replace(r'[$€£¥₹.\\s]', '', regex=True).str.replace(',', '.')")}
    for name, (write, what, code) in forms.items():
        data = tmp_path / name
        frame.assign(y=[write(v) for v in frame["y"]]).to_csv(data, index=False)
        first = pd.read_csv(data, dtype=str)["y"].iloc[0]
        said = cli_error(["train", data, "--task", "regress", "--target-column", "y", *QUICK,
                          "--out", tmp_path / "m"], capsys)
        assert said == (
            f"rnnkit train: error: {data}: the target column 'y' holds amounts written with a currency sign (line 2 "
            f"has {first!r}; 24 such cells in all), and --task regress reads numbers; {what}, then save the file "
            f"again: df = pd.read_csv(path); df['y'] = df['y']{code}.astype(float); "
            "df.to_csv(new_path, index=False)"), said
        fix = re.search(r"df\['y'\] = (df\['y'\].*?\.astype\(float\));", said).group(1)
        df = pd.read_csv(data)  # noqa: F841 -- read by the advised line
        assert np.array_equal(eval(fix).to_numpy(), frame["y"].to_numpy()), (name, fix)  # the amounts read back
    assert '"1.348,20 €"' in (tmp_path / "euros.csv").read_text()
    assert '"$1,348.20"' in (tmp_path / "dollars.csv").read_text()


def test_C33_04_train_over_two_devices_writes_the_model_once(tmp_path):
    """`rnnkit train ... --devices 2` (documented: Lightning's DDP, gloo on CPU): Lightning's launcher runs the
    command again for the second process, which ran into the lock the first held on --out and ended the run with
    `--out m is being written by another rnnkit process`: no multi-device run could ever train. Now the second
    process trains its share and writes nothing; the first writes the model, once, and no lock is left."""
    import os
    import subprocess
    import sys

    import rnnkit

    data = tmp_path / "d.csv"
    _long(8).to_csv(data, index=False)
    out = tmp_path / "m"
    env = {**os.environ, "MASTER_ADDR": "127.0.0.1"}
    for name in ("LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "RANK", "SLURM_PROCID", "WORLD_SIZE"):
        env.pop(name, None)
    # `rnnkit` as a script that Lightning's launcher can run again, on the rnnkit this test imported
    root = Path(rnnkit.__file__).parents[1]
    script = tmp_path / "rnnkit_cli.py"
    script.write_text(f"import sys\nsys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f).lower()]\n"
                      f"sys.path.insert(0, {str(root)!r})\nfrom rnnkit.cli import main\nsys.exit(main())\n")
    done = subprocess.run([sys.executable, str(script), "train", str(data), "--task", "regress", "--target-column",
                           "y", *QUICK, "--devices", "2", "--strategy", "ddp", "--seed", "0", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)  # a guard against a hang
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("wrote model and metrics.json to") == 1, done.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "metrics.json", "model.safetensors"]
    assert not any(p.name.endswith(".lock") for p in tmp_path.iterdir())
    assert type(rnnkit.load(out)).__name__ == "SequenceRegressor"


def test_C33_05_a_number_flag_in_another_locales_form_says_how_to_write_it(capsys):
    """`--lr 0,001` or `--test-fraction 0,2` (a decimal comma, as a German or French Excel shows numbers),
    `--test-fraction 20%`, `--epochs 1,000`, `--epochs 1e2` were refused as `expected a number, got '0,001'` with no
    word of the form; now the refusal says how to write it. `abc` as before; `2.5` epochs is told the whole numbers
    beside it since C44-01."""
    base = ["train", "d.csv", "--task", "regress", "--out", "m"]
    cases = {("--lr", "0,001"): "expected a number, got '0,001' (written with a decimal comma: write 0.001)",
             ("--test-fraction", "20%"): "expected a number, got '20%' (a percentage: write the fraction, 0.2)",
             ("--epochs", "1,000"): "expected an integer, got '1,000' (written with a thousands separator: write 1000)",
             ("--epochs", "1e2"): "expected an integer, got '1e2' (write 100)",
             ("--lr", "1,500"): "expected a number, got '1,500' (write 1.500 where the comma is a decimal comma, 1500 "
                                "where it separates thousands)",
             ("--epochs", "2.5"): "expected an integer, got '2.5' (a whole number: write 2 or 3)",  # C44-01
             ("--lr", "abc"): "expected a number, got 'abc'"}
    for (flag, value), said in cases.items():
        assert cli_error([*base, flag, value], capsys) == (f"rnnkit train: error: argument {flag}: {said} (see "
                                                            "rnnkit train --help)"), (flag, value)
