"""`rnnkit evaluate`: a saved model scored on a labelled file read as `rnnkit train` reads it; the metrics are
scikit-learn's on the model's own predictions, and bad input gets one line naming what is wrong."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics

import rnnkit
from rnnkit.cli import main as _main
from rnnkit.data.tables import read_sequences


def main(args) -> int:
    return _main([str(a) for a in args])


TRAIN = ["--epochs", "2", "--hidden-size", "4", "--batch-size", "8", "--test-fraction", "0"]


def _long_csv(path, n=24, seed=0, per_step=False):
    """n sequences of 3..6 steps, two features, in a shuffled row order: a label of three classes (per step:
    a tag of two), a numeric target, and a time column."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = ["a", "b", "c"][i % 3]
        for t in range(3 + i % 4):
            rows.append({"id": f"s{i}", "t": t, "f1": rng.normal(i % 3, 0.5), "f2": rng.normal(),
                         "label": ("x" if (t + i) % 2 else "y") if per_step else label, "amount": i % 3 + 0.1 * i})
    pd.DataFrame(rows).sample(frac=1.0, random_state=seed).to_csv(path, index=False)


def _train(tmp, task, target, per_step=False, drop=None):
    data = tmp / f"{task}.csv"
    _long_csv(data, per_step=per_step)
    if drop:  # the other target is not a feature
        pd.read_csv(data).drop(columns=[drop]).to_csv(data, index=False)
    model = tmp / f"model-{task}"
    assert main(["train", data, "--task", task, "--time-column", "t", "--target-column", target, "--out", model,
                 *TRAIN]) == 0
    return model, data


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("classify"), "classify", "label", drop="amount")


@pytest.fixture(scope="module")
def regressor(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("regress"), "regress", "amount", drop="label")


@pytest.fixture(scope="module")
def tagger(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("tag"), "tag", "label", per_step=True, drop="amount")


def _model_view(model, data):
    """The file as the model reads it (the recorded columns), the model's predictions, and its labels."""
    est = rnnkit.load(model)
    table = read_sequences(data, time_column="t", target_column=est_target(model),
                           per_step_target=isinstance(est, rnnkit.SequenceTagger))
    X = [pd.DataFrame(x, columns=table.feature_names) for x in table.X]
    return est, X, table


def est_target(model):
    return json.loads((model / "config.json").read_text())["info"]["table"]["target_column"]


def test_classifier_metrics_are_sklearns_on_its_own_predictions(classifier, tmp_path, capsys):
    model, data = classifier
    out = tmp_path / "sub" / "eval.json"
    assert main(["evaluate", model, data, "--out", out]) == 0
    written = json.loads(out.read_text())
    assert json.loads(capsys.readouterr().out.split("\nwrote")[0]) == written  # printed as written
    est, X, table = _model_view(model, data)
    pred, proba = est.predict(X), est.predict_proba(X)
    assert written["task"] == "classify" and written["n"] == 24
    assert written["accuracy"] == pytest.approx(metrics.accuracy_score(table.y, pred))
    assert written["balanced_accuracy"] == pytest.approx(metrics.balanced_accuracy_score(table.y, pred))
    assert written["f1_macro"] == pytest.approx(metrics.f1_score(table.y, pred, average="macro", zero_division=0))
    assert written["log_loss"] == pytest.approx(metrics.log_loss(table.y, proba, labels=est.classes_))
    assert written["per_class"] == {c: {"n": 8, "predicted": int((pred == c).sum())} for c in ("a", "b", "c")}
    assert not list(out.parent.glob(".*.tmp"))  # written atomically: no temporary file left


def test_regressor_metrics_are_sklearns(regressor, tmp_path):
    model, data = regressor
    out = tmp_path / "eval.json"
    assert main(["evaluate", model, data, "--out", out]) == 0
    written = json.loads(out.read_text())
    est, X, table = _model_view(model, data)
    pred = est.predict(X)
    assert written["task"] == "regress" and written["n"] == 24
    assert written["mae"] == pytest.approx(metrics.mean_absolute_error(table.y, pred), rel=1e-6)
    assert written["rmse"] == pytest.approx(metrics.root_mean_squared_error(table.y, pred), rel=1e-6)
    assert written["r2"] == pytest.approx(metrics.r2_score(table.y, pred), rel=1e-6)


def test_tagger_step_accuracy(tagger, tmp_path):
    model, data = tagger
    out = tmp_path / "eval.json"
    assert main(["evaluate", model, data, "--out", out]) == 0
    written = json.loads(out.read_text())
    est, X, table = _model_view(model, data)
    y, pred = np.concatenate(table.y), np.concatenate(est.predict(X))
    assert written["task"] == "tag" and written["n"] == 24 and written["n_steps"] == len(y) == 108
    assert written["step_accuracy"] == pytest.approx(metrics.accuracy_score(y, pred))


def test_columns_reordered_and_rows_shuffled_score_the_same(classifier, tmp_path, capsys):
    """The file is read as train and predict read it: columns matched by name, rows sorted by the time."""
    model, data = classifier
    frame = pd.read_csv(data)
    frame[["label", "f2", "t", "f1", "id"]].sample(frac=1.0, random_state=3).to_csv(tmp_path / "r.csv", index=False)
    assert main(["evaluate", model, data, "--out", tmp_path / "a.json"]) == 0
    assert main(["evaluate", model, tmp_path / "r.csv", "--out", tmp_path / "b.json"]) == 0
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    # the same scores, to the rounding of a batch's float sums (the batches hold other rows in another order)
    assert {k: pytest.approx(v, rel=1e-6) if isinstance(v, float) else v for k, v in a.items() if k != "data"} \
        == {k: v for k, v in b.items() if k != "data"}


def test_labels_the_model_never_saw_are_named(classifier, tmp_path, cli_error):
    model, data = classifier
    frame = pd.read_csv(data)
    frame.loc[frame.id == "s4", "label"] = "d"
    frame.to_csv(tmp_path / "new.csv", index=False)
    line = cli_error(["evaluate", model, tmp_path / "new.csv"])
    assert "1 label(s) the model" in line and "'d' (sequence 's4')" in line and "['a', 'b', 'c']" in line


def test_labels_of_another_type_are_named(classifier, tmp_path, cli_error):
    model, data = classifier
    frame = pd.read_csv(data)
    frame["label"] = frame["label"].map({"a": 0, "b": 1, "c": 2})
    frame.to_csv(tmp_path / "ints.csv", index=False)
    line = cli_error(["evaluate", model, tmp_path / "ints.csv"])
    assert "3 label(s)" in line and "0 (sequence 's0')" in line and "its classes are ['a', 'b', 'c']" in line


def test_missing_target_column_is_named(classifier, tmp_path, cli_error):
    model, data = classifier
    pd.read_csv(data).drop(columns=["label"]).to_csv(tmp_path / "unlabelled.csv", index=False)
    line = cli_error(["evaluate", model, tmp_path / "unlabelled.csv"])
    assert "['label'] not found" in line and "--target-column" in line


def test_a_directory_that_is_not_a_model_is_refused(classifier, tmp_path, cli_error):
    _, data = classifier
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("x")
    assert "is not an rnnkit model directory" in cli_error(["evaluate", tmp_path / "notes", data])
    assert "is a data file (.csv), not an rnnkit model directory" in cli_error(["evaluate", data, data])


def test_out_into_the_model_directory_is_refused(classifier, cli_error):
    model, data = classifier
    before = (model / "metrics.json").read_bytes()
    line = cli_error(["evaluate", model, data, "--out", model / "metrics.json"])
    assert "is a file of the rnnkit model directory" in line
    assert (model / "metrics.json").read_bytes() == before
    assert "give a file path for the metrics" in cli_error(["evaluate", model, data, "--out", model])
