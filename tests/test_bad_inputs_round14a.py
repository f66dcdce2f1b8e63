"""Fourteenth round of bad inputs: `rnnkit evaluate` and weighted training (``sample_weight``, ``class_weight``,
``--class-weight``) tried as a new user would (W14-01 ...)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli
from sklearn.utils.class_weight import compute_class_weight

from rnnkit.estimators import SequenceClassifier, SequenceTagger
from rnnkit.io import TRAINING_FILE
from rnnkit.training.runs import CHECKPOINT

# one batch of every sequence, no rule: a fit of a few optimizer steps
FIXED = dict(cell="gru", hidden_size=8, bidirectional=False, pooling="final", frontend=None, stride=1,
             normalise=None, crop=None, batch_size=64, lr=1e-2, lr_schedule=None, max_epochs=2, random_state=0,
             device="cpu")
TRAIN = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "8", "--test-fraction", "0", "--lr-schedule", "none"]


def _long_csv(path, n=12, seed=0):
    """n sequences of 3..5 steps: features f1, f2, a label of two classes and a numeric target per sequence."""
    rng = np.random.default_rng(seed)
    rows = [{"id": f"s{i}", "t": t, "f1": rng.normal(i % 2, 0.5), "f2": rng.normal(), "label": "ab"[i % 2],
             "amount": i % 2 + 0.1 * i} for i in range(n) for t in range(3 + i % 3)]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_w14_01_evaluate_on_a_target_that_varies_within_a_sequence_names_evaluates_fix(tmp_path, capsys):
    data = _long_csv(tmp_path / "r.csv")
    pd.read_csv(data).drop(columns=["label"]).to_csv(data, index=False)
    model = tmp_path / "model"
    status, _ = run_cli(["train", data, "--task", "regress", "--time-column", "t", "--target-column", "amount",
                         "--out", model, *TRAIN], capsys)
    assert status == 0
    frame = pd.read_csv(data)
    frame["score"] = frame["f1"]  # varies within each sequence
    frame.to_csv(tmp_path / "e.csv", index=False)
    # was: "...; a per-sequence target must be constant (use --task tag for per-step labels)": evaluate has no
    # --task, and the model's task is fixed
    status, err = run_cli(["evaluate", model, tmp_path / "e.csv", "--target-column", "score"], capsys)
    assert status == 2 and len(err) == 1
    assert "--task" not in err[0]
    assert err[0].startswith("rnnkit evaluate: error: ") and "sequence 's0' has several values in 'score'" in err[0]
    assert err[0].endswith(f"the SequenceRegressor {model} scores one target per sequence, so its target column "
                           "must hold one value per sequence: give --target-column amount (the column it was "
                           "trained on) or another column that does")


def test_w14_02_a_resume_with_another_class_weight_names_the_flag(tmp_path, capsys, monkeypatch):
    data = _long_csv(tmp_path / "c.csv")
    out = tmp_path / "run"
    base = ["train", data, "--task", "classify", "--time-column", "t", "--target-column", "label", "--out", out,
            *TRAIN]

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:  # interrupted after the first epoch's checkpoint, as a killed run leaves it
        m.setattr(SequenceClassifier, "score", interrupt)
        status, _ = run_cli([*base, "--class-weight", "balanced"], capsys)
    assert status == 130 and (out / CHECKPOINT).is_file()
    assert json.loads((out / TRAINING_FILE).read_text())["options"]["class_weight"] == "balanced"
    # was: "... belongs to another run ... class_weight 'balanced' then, None now": the estimator's words
    status, err = run_cli([*base, "--resume"], capsys)
    assert status == 2 and len(err) == 1
    assert err[0] == (f"rnnkit train: error: --out {out} holds an unfinished run of rnnkit train with other data or "
                      "options (--class-weight balanced then, (not given) now), so --resume cannot continue it; rerun "
                      f"with the data and options it was started with, or remove {out} to start over")
    status, err = run_cli([*base, "--resume", "--class-weight", "a=2"], capsys)
    assert status == 2 and "(--class-weight balanced then, a=2 now)" in err[0]
    status, _ = run_cli([*base, "--resume", "--class-weight", "balanced"], capsys)
    assert status == 0


def test_w14_03_tagger_score_weighs_each_step_by_its_sequences_weight():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(3 + i % 4, 2)).astype(np.float32) for i in range(10)]
    y = [(x[:, 0] > 0).astype(int) for x in X]
    w = np.arange(10.0) % 4  # 0 for some: they do not count
    tagger = SequenceTagger(cell="gru", hidden_size=8, max_epochs=1, random_state=0, device="cpu",
                            lr_schedule=None).fit(X, y, sample_weight=w)
    hits = [p == t for p, t in zip(tagger.predict(X), y, strict=True)]
    # was: ValueError "SequenceTagger.score does not support sample_weight"
    expected = sum(wi * h.sum() for wi, h in zip(w, hits, strict=True)) / sum(wi * len(h) for wi, h in
                                                                             zip(w, hits, strict=True))
    assert tagger.score(X, y, sample_weight=w) == pytest.approx(expected, rel=1e-12)
    assert tagger.score(X, y, sample_weight=np.full(10, 3.0)) == pytest.approx(tagger.score(X, y), rel=1e-12)
    kept = w > 0
    assert tagger.score(X, y, sample_weight=kept.astype(float)) == pytest.approx(
        tagger.score([x for x, k in zip(X, kept, strict=True) if k], [t for t, k in zip(y, kept, strict=True) if k]))
    with pytest.raises(ValueError, match=r"SequenceTagger.score: sample_weight has shape \(9,\) but X has 10"):
        tagger.score(X, y, sample_weight=w[:9])


def test_w14_04_balanced_class_weight_counts_sequences_by_their_sample_weight():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 5, 2)).astype(np.float32)
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
    w = np.ones(12)
    w[:4] = 0  # left out: the classes are balanced as 2, 3, 3, not 6, 3, 3
    weighted = SequenceClassifier(**FIXED, class_weight="balanced").fit(X, y, sample_weight=w)
    absent = SequenceClassifier(**FIXED, class_weight="balanced").fit(X[4:], y[4:])
    for p, q in zip(weighted.model_.parameters(), absent.model_.parameters(), strict=True):
        assert np.array_equal(p.detach().numpy(), q.detach().numpy())  # was: 0.04 apart
    w = np.array([2.0, 1, 1, 1, 1, 1, 3, 1, 1, 1, 0.5, 0.5])
    per_class = weighted._class_weights(weighted.classes_, y, w, "test")
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y, sample_weight=w)
    assert np.allclose(per_class, expected) and np.allclose(per_class, w.sum() / (3 * np.array([7.0, 5, 2])))
    w[9:] = 0  # a class of weight 0 only: no class of the counts, weight 1, never used
    assert np.allclose(weighted._class_weights(weighted.classes_, y, w, "test"),
                       [w.sum() / (2 * 7.0), w.sum() / (2 * 5.0), 1.0])


def test_w14_05_class_weight_labels_are_read_as_the_reader_reads_the_file(tmp_path, capsys):
    data = _long_csv(tmp_path / "b.csv")
    frame = pd.read_csv(data)
    frame.assign(label=frame["label"].map({"a": "true", "b": "false"})).to_csv(data, index=False)
    out = tmp_path / "bool"
    # was: "--class-weight names the label 'true', which no training sequence has (labels ['False', 'True']);
    # write the labels as the file writes them", of the label the file writes
    status, _ = run_cli(["train", data, "--task", "classify", "--time-column", "t", "--target-column", "label",
                         "--out", out, "--class-weight", "true=2", *TRAIN], capsys)
    assert status == 0
    assert json.loads((out / "config.json").read_text())["params"]["class_weight"] == [[True, 2.0]]
    frame.assign(label=frame["label"].map({"a": "01", "b": "02"})).to_csv(data, index=False)  # read as 1, 2
    out = tmp_path / "ints"
    status, _ = run_cli(["train", data, "--task", "classify", "--time-column", "t", "--target-column", "label",
                         "--out", out, "--class-weight", "01=3", *TRAIN], capsys)
    assert status == 0
    assert json.loads((out / "config.json").read_text())["params"]["class_weight"] == [[1, 3.0]]
    status, err = run_cli(["train", data, "--task", "classify", "--time-column", "t", "--target-column", "label",
                           "--out", tmp_path / "x", "--class-weight", "a=3", *TRAIN], capsys)
    assert status == 2 and "--class-weight names the label 'a', which no training sequence has" in err[0]


def test_w14_06_evaluate_on_the_training_file_warns_that_its_sequences_were_seen(tmp_path, capsys):
    data = _long_csv(tmp_path / "c.csv")
    pd.read_csv(data).drop(columns=["amount"]).to_csv(data, index=False)
    model = tmp_path / "model"
    status, _ = run_cli(["train", data, "--task", "classify", "--time-column", "t", "--target-column", "label",
                         "--out", model, *TRAIN[:-6], "--test-fraction", "0.25", "--lr-schedule", "none"], capsys)
    assert status == 0
    # was: metrics of the very sequences the model was fitted to, without a word
    with pytest.warns(UserWarning) as caught:
        status, _ = run_cli(["evaluate", model, data], capsys)
    assert status == 0
    assert [str(w.message) for w in caught] == [
        f"{data} is the file the model {model} was trained on: 9 of its sequences are training sequences, so these "
        f"metrics are not of unseen data; rnnkit train held out 3 of them (--test-fraction), scored as test_score in "
        f"{model / 'metrics.json'}; evaluate on a file of other sequences"]
    other = tmp_path / "other.csv"
    _long_csv(other, seed=1)
    pd.read_csv(other).drop(columns=["amount"]).to_csv(other, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert run_cli(["evaluate", model, other], capsys)[0] == 0


@pytest.mark.parametrize("method", ["fit", "score"])
def test_w14_07_a_sample_weight_series_indexed_otherwise_than_y_is_refused(method):
    rng = np.random.default_rng(0)
    X = list(rng.normal(size=(6, 5, 2)).astype(np.float32))
    ids = [f"s{i}" for i in range(6)]
    y = pd.Series([0, 1, 0, 1, 0, 1], index=ids)
    w = pd.Series([1.0, 2, 3, 4, 5, 6], index=ids[::-1])  # the same ids, in another order
    est = SequenceClassifier(**{**FIXED, "max_epochs": 1})
    if method == "score":
        est.fit(X, y, sample_weight=w.loc[y.index])
    # was: each weight given to the sequence at its position, s5's weight to s0
    with pytest.raises(ValueError) as e:
        getattr(est, method)(X, y, sample_weight=w)
    assert str(e.value) == (f"SequenceClassifier.{method}: sample_weight's index ('s5', 's4', 's3', ...) is not y's "
                            "('s0', 's1', 's2', ...); both are matched to X's sequences by position: reorder it with "
                            "sample_weight.loc[y.index] (or pass sample_weight.to_numpy() if its order is already X's)")
    tagger = SequenceTagger(cell="gru", hidden_size=8, max_epochs=1, random_state=0, device="cpu", lr_schedule=None)
    labels = pd.Series([(x[:, 0] > 0).astype(int) for x in X], index=ids)
    with pytest.raises(ValueError, match=r"SequenceTagger.fit: sample_weight's index \('s5', 's4', 's3', ...\) is not"):
        tagger.fit(X, labels, sample_weight=w)
    assert 0 <= tagger.fit(X, labels, sample_weight=w.loc[ids]).score(X, labels, sample_weight=w.loc[ids]) <= 1


@pytest.mark.parametrize(("flag", "expected"), [
    # was: trained with a=3, the first weight dropped without a word
    ("a=2,a=3", "--class-weight 'a=2,a=3' weighs the label 'a' twice; give each label once"),
    # was: "class_weight gives class 'a' the weight 0.0; ...": the estimator's parameter, not the flag
    ("a=0", "--class-weight a=0: class_weight gives class 'a' the weight 0.0; a class weight must be a finite "
            "number > 0 (leave a class out to weigh it 1)"),
    ("b=2,a=inf", "--class-weight a=inf: class_weight gives class 'a' the weight inf; a class weight must be"),
], ids=["twice", "zero", "inf"])
def test_w14_08_class_weight_flag_refuses_a_label_twice_and_weights_not_above_0_by_the_flag(flag, expected,
                                                                                           tmp_path, capsys):
    data = _long_csv(tmp_path / "c.csv")
    base = ["train", data, "--task", "classify", "--time-column", "t", "--target-column", "label",
            "--out", tmp_path / "m", *TRAIN]
    status, err = run_cli([*base, f"--class-weight={flag}"], capsys)
    assert status == 2 and len(err) == 1 and err[0].startswith(f"rnnkit train: error: {expected}")
    status, _ = run_cli([*base, "--class-weight=a=2, b=3"], capsys)  # the space after the comma: no label's
    assert status == 0
    assert json.loads((tmp_path / "m" / "config.json").read_text())["params"]["class_weight"] == [["a", 2.0],
                                                                                                 ["b", 3.0]]


def test_w14_09_sample_weight_as_a_dict_is_named_as_such():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 5, 2)).astype(np.float32)
    y = np.array([0, 1] * 3)
    # was: "sample_weight has shape () but X has 6 sequences": a dict of 6 weights read as one object
    with pytest.raises(ValueError) as e:
        SequenceClassifier(**{**FIXED, "max_epochs": 1}).fit(X, y, sample_weight={f"s{i}": 1.0 for i in range(6)})
    assert str(e.value) == ("SequenceClassifier.fit: sample_weight is a dict, which has no order to match X's 6 "
                            "sequences by; give one weight per sequence in X's order, e.g. [weights[key] for key in "
                            "ids]")


def test_w14_10_evaluate_reads_a_files_number_labels_as_a_text_models_classes(tmp_path, capsys):
    data = _long_csv(tmp_path / "c.csv")
    frame = pd.read_csv(data).drop(columns=["amount"])
    frame = frame.assign(label=frame["label"].map({"a": 0, "b": 1}))
    frame.to_csv(data, index=False)
    X = [g[["f1", "f2"]].reset_index(drop=True) for _, g in frame.groupby("id", sort=False)]
    y = np.array([str(g["label"].iloc[0]) for _, g in frame.groupby("id", sort=False)])  # '0', '1': text
    est = SequenceClassifier(**{**FIXED, "max_epochs": 1}).fit(X, y)
    est.save(tmp_path / "model")
    # was: "'label' holds 2 label(s) the model never saw: 0 (sequence 's0'), 1 (sequence 's1'); its classes are
    # ['0', '1']": a CSV column of 0 and 1 is read as numbers, so no file could be scored
    status, _ = run_cli(["evaluate", tmp_path / "model", data, "--time-column", "t", "--target-column", "label",
                         "--out", tmp_path / "e.json"], capsys)
    assert status == 0
    metrics = json.loads((tmp_path / "e.json").read_text())
    assert metrics["accuracy"] == pytest.approx(float(np.mean(est.predict(X) == y)))
    assert metrics["per_class"] == {c: {"n": 6, "predicted": int((est.predict(X) == c).sum())} for c in ("0", "1")}
    frame.assign(label=frame["label"] + 5).to_csv(data, index=False)  # 5 and 6: no class of the model's
    status, err = run_cli(["evaluate", tmp_path / "model", data, "--time-column", "t", "--target-column", "label"],
                          capsys)
    assert status == 2 and "holds 2 label(s) the model" in err[0] and "its classes are ['0', '1']" in err[0]
