"""The command line: train and predict on CSV / npz files; bad input gives a one-line error, no traceback."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tables import read_sequences


def _long_csv(path, n=40, seed=0):
    """Sequences whose label is whether their mean is positive; lengths 3..7; rows shuffled within ids."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = "up" if i % 2 else "down"
        T = 3 + i % 5
        values = rng.normal(1.0 if label == "up" else -1.0, 0.3, size=T)
        rows += [{"id": f"s{i}", "t": t, "value": v, "target": label} for t, v in enumerate(values)]
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=seed)
    frame.to_csv(path, index=False)
    return frame


def test_read_long_sorts_by_time_and_groups_by_id(tmp_path):
    frame = _long_csv(tmp_path / "d.csv", n=6)
    table = read_sequences(tmp_path / "d.csv", time_column="t")
    first = frame[frame.id == "s3"].sort_values("t")["value"].to_numpy(np.float32)
    k = list(table.ids).index("s3")
    np.testing.assert_array_equal(table.X[k][:, 0], first)
    assert table.y[k] == "up" and len(table.X[k]) == 6


def test_read_wide_and_npz(tmp_path):
    (tmp_path / "w.csv").write_text("target,a,b,c\n1,0.5,0.25,\n0,1,2,3\n")
    table = read_sequences(tmp_path / "w.csv", layout="wide")
    assert [x[:, 0].tolist() for x in table.X] == [[0.5, 0.25], [1, 2, 3]] and table.y.tolist() == [1, 0]
    np.savez(tmp_path / "d.npz", X=np.ones((3, 4, 2)), y=np.array([0, 1, 0]), lengths=np.array([4, 2, 1]))
    table = read_sequences(tmp_path / "d.npz")
    assert [len(x) for x in table.X] == [4, 2, 1] and table.X[0].shape == (4, 2)


def test_train_then_predict_end_to_end(tmp_path, capsys):
    _long_csv(tmp_path / "d.csv", n=60)
    out = tmp_path / "model"
    assert main(["train", str(tmp_path / "d.csv"), "--task", "classify", "--time-column", "t", "--out", str(out),
                 "--epochs", "15", "--hidden-size", "8", "--batch-size", "8", "--lr", "0.02",
                 "--test-fraction", "0.5"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_train"] == 30 and metrics["n_test"] == 30
    # Values N(±1, 0.3²) by class: measured 1.00 train and 1.00 held-out (30 of 30) for --seed 0-4 at 1 and 2
    # threads. 0.9 leaves three flips of slack; the held-out part's majority class is 17 of 30 (0.57) here and
    # at most 0.57 for those seeds, so a constant answer fails.
    assert metrics["train_score"] >= 0.9 and metrics["test_score"] >= 0.9
    assert main(["predict", str(out), str(tmp_path / "d.csv"), "--time-column", "t",
                 "--out", str(tmp_path / "p.csv")]) == 0
    pred = pd.read_csv(tmp_path / "p.csv")
    assert set(pred.columns) == {"id", "prediction", "proba_down", "proba_up"}
    truth = {f"s{i}": ("up" if i % 2 else "down") for i in range(60)}
    assert (pred.prediction == pred.id.map(truth)).mean() >= 0.9  # measured 1.00 (60 of 60), --seed 0-4


@pytest.mark.parametrize("args,message", [
    (["train", "missing.csv", "--task", "classify", "--out", "m"], "no such file"),
    (["train", "{empty}", "--task", "classify", "--out", "m"], "empty"),
    (["train", "{data}", "--task", "classify", "--out", "m", "--target-column", "label"], "not found"),
    (["predict", "{data}", "{data}"], "is a data file (.csv), not an rnnkit model directory"),
])
def test_bad_input_exits_non_zero_with_one_line(tmp_path, args, message):
    _long_csv(tmp_path / "d.csv", n=6)
    (tmp_path / "empty.csv").write_text("")
    args = [a.format(data=tmp_path / "d.csv", empty=tmp_path / "empty.csv") for a in args]
    proc = subprocess.run([sys.executable, "-m", "rnnkit.cli", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=600)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_help_everywhere():
    for sub in ([], ["demo"], ["train"], ["predict"]):
        with pytest.raises(SystemExit) as e:
            main([*sub, "--help"])
        assert e.value.code == 0


def test_train_and_predict_read_empty_values_as_missing_with_time_aware(tmp_path):
    """Without --time-aware an empty feature value is refused, naming the sequence and the fix; with it, the
    model reads it as missing (GRU-D decays) and `predict` reads the same file."""
    frame = _long_csv(tmp_path / "d.csv", n=24)
    frame.loc[frame.t == 1, "value"] = np.nan  # every sequence misses its second step
    frame.to_csv(tmp_path / "d.csv", index=False)
    common = ["--task", "classify", "--time-column", "t", "--epochs", "2", "--hidden-size", "4"]
    with pytest.raises(ValueError, match=r"empty \(NaN\) value.*--time-aware"):
        read_sequences(tmp_path / "d.csv", time_column="t")
    assert main(["train", str(tmp_path / "d.csv"), *common, "--out", str(tmp_path / "plain")]) == 2
    assert main(["train", str(tmp_path / "d.csv"), *common, "--time-aware", "--out", str(tmp_path / "m")]) == 0
    assert rnnkit.load(tmp_path / "m").time_aware is True
    assert main(["predict", str(tmp_path / "m"), str(tmp_path / "d.csv"), "--time-column", "t",
                 "--out", str(tmp_path / "p.csv")]) == 0
    pred = pd.read_csv(tmp_path / "p.csv")
    assert len(pred) == 24 and pred.prediction.isin(["up", "down"]).all()


def test_train_label_smoothing_flag_reaches_the_classifier_and_is_refused_elsewhere(tmp_path, capsys):
    _long_csv(tmp_path / "d.csv")
    common = [str(tmp_path / "d.csv"), "--time-column", "t", "--epochs", "1", "--hidden-size", "4"]
    assert main(["train", *common, "--task", "classify", "--label-smoothing", "0.2", "--out", str(tmp_path / "m")]) == 0
    assert rnnkit.load(tmp_path / "m").choices_["label_smoothing"] == 0.2
    capsys.readouterr()
    assert main(["train", *common, "--task", "regress", "--target-column", "value", "--label-smoothing", "0.1",
                 "--out", str(tmp_path / "r")]) == 2
    assert "--label-smoothing smooths the class labels of --task classify" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", *common, "--task", "classify", "--label-smoothing", "1", "--out", str(tmp_path / "x")])
