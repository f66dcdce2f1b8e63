"""The twenty-fourth round's model-directory cases (M24-*): the life of a directory written by ``rnnkit train``
through ``predict``, ``evaluate``, ``train --resume`` and ``rnnkit.load`` as users treat it: given in the data's
place, its config.json edited by hand, resumed into once finished, evaluated on a file without labels, and fed a
wide CSV whose steps were written in another order. The data: sktime's ItalyPowerDemand (a day's 24 hourly
readings, labels '1' / '2') written as a long CSV and as a wide one, as a new user writes them."""
import json
import shutil

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.cli import main

QUICK = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "16"]


def _error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def italy(tmp_path_factory):
    """ItalyPowerDemand's first 30 days, as a long CSV (id, t, load, target) and a wide one (target, h0 … h23),
    each with a model directory trained on it by rnnkit train."""
    from sktime.datasets import load_italy_power_demand

    X, y = load_italy_power_demand(split="train", return_X_y=True, return_type="numpy3D")
    X, y = X[:30, 0], np.asarray(y[:30])
    root = tmp_path_factory.mktemp("italy")
    long = pd.DataFrame({"id": np.repeat([f"day{i}" for i in range(30)], 24), "t": np.tile(np.arange(24), 30),
                         "load": X.ravel(), "target": np.repeat(y, 24)})
    long.to_csv(root / "italy.csv", index=False)
    wide = pd.DataFrame(X, columns=[f"h{t}" for t in range(24)]).assign(target=y)
    wide[["target", *[f"h{t}" for t in range(24)]]].to_csv(root / "wide.csv", index=False)
    for data, out, extra in (("italy.csv", "model", ["--time-column", "t"]), ("wide.csv", "wide-model",
                                                                                ["--layout", "wide"])):
        assert main(["train", str(root / data), "--task", "classify", "--out", str(root / out), *extra, *QUICK]) == 0
    return root


def test_M24_01_a_model_directory_given_as_the_data_names_the_order(capsys, italy):
    model, data = str(italy / "model"), str(italy / "italy.csv")
    for command in ("predict", "evaluate"):
        err = _error(capsys, [command, model, model])
        assert f"{model} is an rnnkit model directory, not a data file" in err, err
        assert f"rnnkit {command} MODEL_DIR DATA_FILE" in err and "no such file" not in err, err
    err = _error(capsys, ["train", model, "--task", "classify", "--out", str(italy / "new"), *QUICK])
    assert "is an rnnkit model directory, not a data file; give the .csv or .npz to train on" in err, err
    assert not (italy / "new").exists()
    err = _error(capsys, ["predict", model, str(italy)])  # a directory of data files
    assert f"{italy} is a directory, not a data file; give the .csv or .npz of sequences in it" in err, err
    assert main(["predict", model, data, "--out", str(italy / "p.csv")]) == 0  # the right order predicts


def test_M24_02_a_format_version_edited_upwards_is_named_as_an_edit_not_an_upgrade(tmp_path, italy):
    edited = tmp_path / "edited"
    shutil.copytree(italy / "model", edited)
    config = json.loads((edited / "config.json").read_text())
    config["format_version"] += 1
    (edited / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"records the format version 3, newer than this rnnkit 0\.1\.0 reads .*"
                       r"but also that rnnkit 0\.1\.0 wrote it, which writes version 2: the config was edited "
                       r"\(upgrading rnnkit would not help\)") as e:
        rnnkit.load(edited)
    assert "upgrade rnnkit to load it" not in str(e.value)
    config["rnnkit_version"] = "9.0.0"  # a later rnnkit's model: upgrading does help
    (edited / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"format version 3 \(written by rnnkit 9\.0\.0\) is newer .* upgrade rnnkit"):
        rnnkit.load(edited)


def test_M24_03_train_resume_into_a_finished_model_is_refused_before_anything(capsys, italy, tmp_path):
    out = tmp_path / "finished"
    shutil.copytree(italy / "model", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["train", str(italy / "italy.csv"), "--task", "classify", "--time-column", "t", "--out", str(out),
                 "--resume", *QUICK]) == 2
    captured = capsys.readouterr()
    assert "training from the first epoch" not in captured.out, captured.out
    err = captured.err.strip().splitlines()[-1]
    assert f"--out {out} holds a finished model (its config.json and model.safetensors) and no checkpoint, so " \
           "--resume has no interrupted run to continue" in err and "leave out --resume to train anew" in err, err
    assert "resume=True" not in err and "rnnkit.load(" not in err, err  # the command line's words, not the API's
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_M24_04_evaluate_of_a_file_without_labels_names_predict(capsys, italy):
    unlabelled = italy / "unlabelled.csv"
    pd.read_csv(italy / "italy.csv").drop(columns=["target"]).to_csv(unlabelled, index=False)
    model = str(italy / "model")
    err = _error(capsys, ["evaluate", model, str(unlabelled)])
    assert f"{unlabelled}: column(s) ['target'] not found: evaluate scores the predictions against the target " \
           f"column 'target' (recorded in {italy / 'model' / 'config.json'}), which the file lacks" in err, err
    assert f"name it with --target-column; for predictions of an unlabelled file, run rnnkit predict {model} " \
           f"{unlabelled}" in err, err
    err = _error(capsys, ["evaluate", model, str(unlabelled), "--target-column", "label"])
    assert "the target column 'label' (given as --target-column), which the file lacks" in err, err
    assert main(["predict", model, str(unlabelled), "--out", str(italy / "u.csv")]) == 0


def test_M24_05_a_wide_csv_whose_steps_are_in_another_order_is_refused(capsys, italy):
    wide = pd.read_csv(italy / "wide.csv")
    steps = [f"h{t}" for t in range(24)]
    shuffled = italy / "shuffled.csv"
    wide[["target", *steps[12:], *steps[:12]]].to_csv(shuffled, index=False)  # the afternoon written first
    model = str(italy / "wide-model")
    for command in ("predict", "evaluate"):
        err = _error(capsys, [command, model, str(shuffled)])
        assert f"{shuffled}: the step columns are in another order than in the file {model} was trained on (step 1 " \
               "is 'h12', at training 'h0')" in err, err
        assert "pd.read_csv(path)[['target', 'h0', 'h1', 'h2', ...]].to_csv(new_path, index=False)" in err, err
    fixed = italy / "fixed.csv"
    pd.read_csv(shuffled)[["target", *steps]].to_csv(fixed, index=False)
    assert main(["predict", model, str(fixed), "--out", str(italy / "fixed-p.csv")]) == 0
    assert main(["predict", model, str(italy / "wide.csv"), "--out", str(italy / "wide-p.csv")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(italy / "fixed-p.csv"), pd.read_csv(italy / "wide-p.csv"))
    first = italy / "first-half.csv"  # fewer steps, in the training order: read as before
    wide[["target", *steps[:12]]].to_csv(first, index=False)
    assert main(["predict", model, str(first), "--out", str(italy / "half-p.csv")]) == 0


def test_M24_06_a_config_json_cut_short_is_named_damaged_not_foreign(capsys, italy, tmp_path):
    text = (italy / "model" / "config.json").read_text()
    for name, cut in (("empty", ""), ("half", text[: len(text) // 2])):
        copy = tmp_path / name
        shutil.copytree(italy / "model", copy)
        (copy / "config.json").write_text(cut)
        err = _error(capsys, ["predict", str(copy), str(italy / "italy.csv")])
        assert f"{copy}: damaged rnnkit model directory: cannot read config.json: it " in err, err
        assert ("is empty (0 bytes)" if not cut else f"ends after {len(cut)} characters mid-JSON") in err, err
        assert "copy the model directory whole again" in err and "is not an rnnkit model directory" not in err, err
    foreign = tmp_path / "foreign"  # another tool's broken config.json beside no rnnkit weights: as before
    foreign.mkdir()
    (foreign / "config.json").write_text('{"model_type": ')
    with pytest.raises(ValueError, match="is not an rnnkit model directory: cannot read config.json"):
        rnnkit.load(foreign)
