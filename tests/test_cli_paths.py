"""The CLI's paths end to end, each on a small file: ``rnnkit train --task regress | tag``, ``--layout wide | npz``,
``--id-column`` (and ``--time-column``), then ``rnnkit predict`` on the same file, checked against the saved
model's own predictions; and ``rnnkit app NAME --quick --out DIR``."""

import json

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.cli import main

FAST = ["--hidden-size", "8", "--batch-size", "8", "--lr", "0.02", "--seed", "0"]


def train_and_predict(tmp_path, data, *options, predict_options=(), epochs=3):
    """``rnnkit train`` then ``rnnkit predict --out``; returns (metrics.json, the predictions, the model)."""
    out, pred = tmp_path / "model", tmp_path / "pred.csv"
    assert main(["train", str(data), *options, *FAST, "--epochs", str(epochs), "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert main(["predict", str(out), str(data), *predict_options, "--out", str(pred)]) == 0
    return metrics, pd.read_csv(pred, dtype={"id": str}), rnnkit.load(out)


def r2(y, p):
    return 1 - np.sum((y - p) ** 2) / np.sum((y - np.mean(y)) ** 2)


def test_regress_with_an_id_and_a_time_column(tmp_path):
    """--task regress on a long CSV whose id column is ``patient`` (ids with leading zeros) and whose rows are
    shuffled: sequences are read in time order, the ids come back as written, the R² in metrics.json is the
    model's, and the target (the mean of f1) is learned."""
    rng = np.random.default_rng(0)
    rows, sequences, targets = [], {}, {}
    for k in range(48):
        pid = f"{k:03d}"  # "007" is its own id, not the number 7
        x = rng.normal(size=(int(rng.integers(4, 9)), 2)).astype(np.float32)
        sequences[pid], targets[pid] = x, float(x[:, 0].mean())
        rows += [{"patient": pid, "t": t, "f1": a, "f2": b, "target": targets[pid]} for t, (a, b) in enumerate(x)]
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # rows out of time order
    frame.to_csv(tmp_path / "d.csv", index=False)
    ids = list(dict.fromkeys(frame["patient"]))  # file order of first appearance

    metrics, pred, est = train_and_predict(
        tmp_path, tmp_path / "d.csv", "--task", "regress", "--id-column", "patient", "--time-column", "t",
        "--test-fraction", "0.25", epochs=25)
    assert metrics["task"] == "regress" and metrics["estimator"] == "SequenceRegressor"
    assert metrics["score_name"] == "r2" and (metrics["n_train"], metrics["n_test"]) == (36, 12)
    assert isinstance(est, rnnkit.SequenceRegressor) and list(est.feature_names_in_) == ["f1", "f2"]

    # predict reads the id and time columns recorded at training: one row per sequence, the ids as written
    assert list(pred.columns) == ["id", "prediction"] and list(pred["id"]) == ids
    X = [pd.DataFrame(sequences[i], columns=["f1", "f2"]) for i in ids]  # time order
    np.testing.assert_allclose(pred["prediction"], est.predict(X), rtol=1e-5, atol=1e-6)
    y = np.array([targets[i] for i in ids])
    assert r2(y, pred["prediction"].to_numpy()) > 0.5  # measured 0.92-0.98 (--seed 0-2)
    assert metrics["train_score"] > 0.5 and np.isfinite(metrics["test_score"])


def test_tag_predicts_every_step_in_time_order(tmp_path):
    """--task tag: a per-step label (is f1 positive?), learnable from the current step alone; predict writes one
    row per step, numbered from 0 in time order within each sequence, with the file's time of the step."""
    rng = np.random.default_rng(1)
    rows, truth = [], {}
    for k in range(40):
        x = rng.normal(size=int(rng.integers(5, 10)))
        truth[f"s{k}"] = np.where(x > 0, "pos", "neg")
        rows += [{"id": f"s{k}", "t": 100 + 10 * t, "f1": v, "target": label}
                 for t, (v, label) in enumerate(zip(x, truth[f"s{k}"], strict=True))]
    frame = pd.DataFrame(rows).iloc[::-1]  # every sequence written last step first
    frame.to_csv(tmp_path / "tags.csv", index=False)

    metrics, pred, est = train_and_predict(tmp_path, tmp_path / "tags.csv", "--task", "tag", "--time-column", "t",
                                           epochs=15)
    assert metrics["task"] == "tag" and metrics["estimator"] == "SequenceTagger"
    assert isinstance(est, rnnkit.SequenceTagger)
    assert list(pred.columns) == ["id", "step", "time", "prediction"] and len(pred) == len(frame)
    for sid, rows_of in pred.groupby("id", sort=False):
        assert list(rows_of["step"]) == list(range(len(truth[sid])))
        assert list(rows_of["time"]) == [100 + 10 * t for t in range(len(truth[sid]))]  # the file's own times
    want = np.concatenate([truth[sid] for sid in pred["id"].unique()])
    assert (pred["prediction"].to_numpy() == want).mean() > 0.9  # measured 0.982-0.993 (--seed 0-4, 1 and 2 threads)
    assert metrics["train_score"] > 0.9  # measured 0.982-0.991 (same runs); a constant answer scores about 0.5


def test_wide_layout_reads_ragged_rows(tmp_path):
    """--layout wide: one row per sequence, trailing empty cells shorten it; ids are the 1-based data rows and
    predict gives the model's prediction on each row's own length."""
    rng = np.random.default_rng(2)
    T, n = 10, 40
    lengths = rng.integers(5, T + 1, n)
    labels = np.where(np.arange(n) % 2 == 0, "up", "down")
    values = np.full((n, T), np.nan)
    for i, (L, lab) in enumerate(zip(lengths, labels, strict=True)):
        values[i, :L] = np.cumsum(rng.normal(0.5 if lab == "up" else -0.5, 0.3, L))
    frame = pd.DataFrame(values, columns=[f"v{t}" for t in range(T)])
    frame.insert(0, "target", labels)
    frame.to_csv(tmp_path / "wide.csv", index=False)

    metrics, pred, est = train_and_predict(tmp_path, tmp_path / "wide.csv", "--task", "classify",
                                           "--layout", "wide", "--test-fraction", "0",
                                           predict_options=("--layout", "wide"), epochs=10)
    assert metrics["n_train"] == n and "test_score" not in metrics
    assert list(pred["id"]) == [str(i) for i in range(1, n + 1)]
    assert list(pred.columns) == ["id", "prediction", "proba_down", "proba_up"]
    np.testing.assert_allclose(pred["proba_down"] + pred["proba_up"], 1.0, rtol=1e-5)
    X = [pd.DataFrame({"value": values[i, :L].astype(np.float32)}) for i, L in enumerate(lengths)]
    np.testing.assert_allclose(pred["proba_up"], est.predict_proba(X)[:, 1], rtol=1e-5, atol=1e-6)
    assert (pred["prediction"].to_numpy() == labels).mean() > 0.9  # the drift's sign: 1.00 (--seed 0-2)


def test_npz_layout_reads_lengths_whatever_the_file_name(tmp_path):
    """--layout npz decides the reader (the file here is not named .npz); ``lengths`` cut each sequence and the
    ids are the index along X's first axis."""
    rng = np.random.default_rng(3)
    n, T = 32, 7
    X = rng.normal(size=(n, T, 2)).astype(np.float32)
    lengths = rng.integers(2, T + 1, n)
    y = (X[np.arange(n), lengths - 1, 0] > 0).astype(np.int64)  # the last valid step's sign
    X[np.arange(T)[None, :] >= lengths[:, None]] = 1e6  # padding: must never be read
    with open(tmp_path / "data.bin", "wb") as f:
        np.savez(f, X=X, y=y, lengths=lengths)

    metrics, pred, est = train_and_predict(tmp_path, tmp_path / "data.bin", "--task", "classify",
                                           "--layout", "npz", predict_options=("--layout", "npz"))
    assert metrics["estimator"] == "SequenceClassifier" and metrics["n_train"] + metrics["n_test"] == n
    assert list(pred["id"]) == [str(i) for i in range(n)]
    assert list(est.feature_names_in_) == ["x0", "x1"]
    proba = est.predict_proba([pd.DataFrame(X[i, :L], columns=["x0", "x1"]) for i, L in enumerate(lengths)])
    np.testing.assert_allclose(pred[["proba_0", "proba_1"]].to_numpy(), proba, rtol=1e-5, atol=1e-6)
    assert np.isfinite(proba).all()


@pytest.mark.parametrize("name", ["speech"])
def test_app_through_the_cli(tmp_path, capsys, name):
    """``rnnkit app NAME --quick --out DIR`` runs the recipe and writes its reports (the fastest recipe here;
    each recipe's own test module checks its results)."""
    out = tmp_path / name
    assert main(["app", name, "--quick", "--out", str(out), "--seed", "0"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["results"]["recipe"] == name and report["results"]["settings"]["quick"] is True
    assert (out / "report.md").read_text().startswith("# ")
    assert f"to {out}" in capsys.readouterr().out
