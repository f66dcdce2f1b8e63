"""A saved model knows its columns and is tied to its weights: feature names (scikit-learn's
``feature_names_in_``), the target column and the task are recorded; `rnnkit predict` matches columns by name;
a config.json from another model, or of the previous format, is refused."""

import json

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit import Forecaster, SequenceClassifier
from rnnkit.cli import main
from rnnkit.estimators import load

FAST = dict(hidden_size=6, max_epochs=2, batch_size=8, random_state=0, device="cpu")


def _frames(n=16, seed=0, columns=("f1", "f2", "f3")):
    rng = np.random.default_rng(seed)
    X = [pd.DataFrame(rng.normal(size=(3 + i % 3, len(columns))), columns=list(columns)) for i in range(n)]
    y = np.array(["a" if x.iloc[:, 0].sum() > 0 else "b" for x in X])
    return X, y


def _error_line(args, capsys) -> str:
    capsys.readouterr()
    assert main([str(a) for a in args]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


# -- the Python API: feature_names_in_ -------------------------------------------------------------------------
def test_feature_names_are_learned_saved_restored_and_checked_by_name(tmp_path):
    X, y = _frames()
    clf = SequenceClassifier(**FAST).fit(X, y)
    assert clf.feature_names_in_.tolist() == ["f1", "f2", "f3"] and clf.feature_names_in_.dtype == object
    clf.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["fitted"]["feature_names_in_"] == ["f1", "f2", "f3"] and config["task"] == "classify"
    back = load(tmp_path / "m")
    assert back.feature_names_in_.tolist() == ["f1", "f2", "f3"]
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))

    with pytest.raises(ValueError, match=r"in another order than at fit; reorder them as \['f1', 'f2', 'f3'\]"):
        back.predict([x[["f2", "f1", "f3"]] for x in X])
    with pytest.raises(ValueError, match=r"missing \['f3'\], unexpected \['humidity'\]"):
        back.predict([x.rename(columns={"f3": "humidity"}) for x in X])
    with pytest.warns(UserWarning, match="does not have feature names, but SequenceClassifier was fitted with"):
        np.testing.assert_array_equal(back.predict([x.to_numpy() for x in X]), clf.predict(X))

    plain = SequenceClassifier(**FAST).fit([x.to_numpy() for x in X], y)  # arrays: no names
    assert not hasattr(plain, "feature_names_in_")
    plain.save(tmp_path / "plain")
    assert json.loads((tmp_path / "plain" / "config.json").read_text())["fitted"]["feature_names_in_"] is None
    assert not hasattr(load(tmp_path / "plain"), "feature_names_in_")
    refit = clf.fit([x.to_numpy() for x in X], y)  # a refit without names forgets the old ones
    assert not hasattr(refit, "feature_names_in_")


# -- config and weights are tied (P11) -----------------------------------------------------------------------
def test_a_config_from_another_model_or_edited_is_refused(tmp_path):
    X, y = _frames()
    SequenceClassifier(**FAST).fit(X, y).save(tmp_path / "m")
    # the same data under other label names: the same weights, so only the digests tell the models apart
    SequenceClassifier(**FAST).fit(X, np.where(y == "a", "down", "up")).save(tmp_path / "relabelled")
    original = (tmp_path / "m" / "config.json").read_bytes()
    config = json.loads(original)
    assert len(config["weights_sha256"]) == 64
    (tmp_path / "m" / "config.json").write_bytes((tmp_path / "relabelled" / "config.json").read_bytes())
    with pytest.raises(ValueError, match="corrupt or mismatched model directory: config.json records a SHA-256 "
                                         "of model.safetensors that is not the file's"):
        load(tmp_path / "m")
    config["fitted"]["classes_"] = ["down", "up"]  # edited in place, the weights' digest kept
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="model.safetensors records the SHA-256 of another config.json"):
        load(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_bytes(original)
    assert load(tmp_path / "m").classes_.tolist() == ["a", "b"]


def test_a_forecaster_is_tied_to_its_weights_too(tmp_path):
    y = pd.Series(np.sin(np.arange(40) / 3), index=pd.date_range("2024-01-01", periods=40, freq="D"))
    f = Forecaster(lookback=4, horizon=1, hidden_size=4, max_epochs=1, random_state=0).fit(y)
    f.save(tmp_path / "f")
    config = json.loads((tmp_path / "f" / "config.json").read_text())
    assert config["task"] == "forecast" and len(config["weights_sha256"]) == 64
    config["weights_sha256"] = "0" * 64
    (tmp_path / "f" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="mismatched"):
        Forecaster.load(tmp_path / "f")


def test_the_previous_format_is_refused_with_the_reason(tmp_path):
    X, y = _frames()
    SequenceClassifier(**FAST).fit(X, y).save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["format_version"] = 1
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="format version 1 .* records neither the feature names nor a digest"
                                         ".*retrain the model"):
        load(tmp_path / "m")


# -- the command line: columns by name (P17, P18, P25) --------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    rows = []
    for i in range(24):
        label = "up" if i % 2 else "down"
        for t in range(4):
            rows.append({"id": f"s{i}", "t": t, "f1": rng.normal(1.0 if i % 2 else -1.0, 0.5),
                         "f2": rng.normal(), "label": label})
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp / "d.csv", index=False)
    assert main(["train", str(tmp / "d.csv"), "--task", "classify", "--time-column", "t", "--target-column",
                 "label", "--epochs", "3", "--hidden-size", "6", "--out", str(tmp / "m")]) == 0
    assert main(["predict", str(tmp / "m"), str(tmp / "d.csv"), "--out", str(tmp / "p.csv")]) == 0
    return tmp, frame, pd.read_csv(tmp / "p.csv")


def test_the_model_records_its_columns_and_task(trained):
    tmp, _, _ = trained
    config = json.loads((tmp / "m" / "config.json").read_text())
    assert config["info"]["table"] == {"task": "classify", "id_column": "id", "time_column": "t",
                                       "target_column": "label", "feature_columns": ["f1", "f2"]}
    assert config["fitted"]["feature_names_in_"] == ["f1", "f2"] and config["params"]["log_dir"] is None


def test_reordered_columns_give_identical_predictions(trained):
    tmp, frame, expected = trained  # P17; and the time and target columns come from the model (P25)
    frame[["f2", "label", "t", "f1", "id"]].sample(frac=1.0, random_state=1).to_csv(tmp / "r.csv", index=False)
    assert main(["predict", str(tmp / "m"), str(tmp / "r.csv"), "--out", str(tmp / "r_pred.csv")]) == 0
    by_id = lambda f: f.set_index("id").sort_index()  # rows come in the file's order of ids
    pd.testing.assert_frame_equal(by_id(pd.read_csv(tmp / "r_pred.csv")), by_id(expected))
    # without the target column at all: the same
    frame.drop(columns="label").to_csv(tmp / "nolabel.csv", index=False)
    assert main(["predict", str(tmp / "m"), str(tmp / "nolabel.csv"), "--out", str(tmp / "n_pred.csv")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp / "n_pred.csv"), expected)


@pytest.mark.parametrize("change,message", [
    (lambda f: f.rename(columns={"f2": "humidity"}), "lacks ['f2'] and has the extra column(s) ['humidity']"),
    (lambda f: f.drop(columns="f2"), "lacks ['f2']; the model reads the feature columns ['f1', 'f2']"),
    (lambda f: f.assign(f3=1.0), "has the extra column(s) ['f3']"),
])
def test_a_missing_renamed_or_extra_column_is_named(trained, tmp_path, capsys, change, message):
    tmp, frame, _ = trained  # P18
    change(frame).to_csv(tmp_path / "x.csv", index=False)
    line = _error_line(["predict", tmp / "m", tmp_path / "x.csv"], capsys)
    assert message in line and "(target 'label')" in line and str(tmp_path / "x.csv") in line


def test_a_copied_config_is_refused_at_predict(trained, tmp_path, capsys):
    tmp, frame, _ = trained  # P11 through the command line
    import shutil

    shutil.copytree(tmp / "m", tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["fitted"]["classes_"] = ["no", "yes"]  # "the same shapes, other labels"
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    line = _error_line(["predict", tmp_path / "m", tmp / "d.csv"], capsys)
    assert "corrupt or mismatched model directory" in line and str(tmp_path / "m") in line


def test_rnnkit_load_reads_the_cli_model(trained):
    tmp, frame, expected = trained
    est = rnnkit.load(tmp / "m")
    X = [g.sort_values("t")[["f1", "f2"]] for _, g in frame.groupby("id", sort=False)]
    np.testing.assert_array_equal(est.predict(X), expected["prediction"].to_numpy())
