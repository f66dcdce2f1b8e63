"""Forty-second round: the command line and deployment as a user's own files, flags and clients bring them: a data
file or a file of an ONNX export given where the model directory goes, an ONNX opset no exporter writes."""

import numpy as np
import pytest
from helpers import deploy_classifier, deploy_data


@pytest.fixture(scope="module")
def classifier():
    return deploy_classifier(*deploy_data())


@pytest.mark.parametrize("beyond", [1, 2])
def test_S42_01_an_opset_beyond_the_newest_onnx_defines_is_told_the_newest(classifier, tmp_path, beyond):
    import onnx.defs

    from rnnkit.deploy.export import export_onnx

    newest = onnx.defs.onnx_opset_version()
    # was: "cannot write ONNX opset 30: torch …'s exporter wrote opset 18 in its place …; …, or export with another
    # torch, whose exporter writes opset 30", after the whole graph was traced, of an opset no torch writes
    with pytest.raises(ValueError, match=rf"opset {newest + beyond} is beyond the newest ONNX opset, {newest} "
                                         rf"\(onnx .*give an opset from 9 to {newest}") as e:
        export_onnx(classifier, tmp_path / "e", opset=newest + beyond, verbose=False)
    assert "\n" not in str(e.value) and "another torch" not in str(e.value)
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize("opset", [1, 8])
def test_S42_01_an_opset_before_onnx_scan_is_told_the_first(classifier, tmp_path, opset):
    from rnnkit.deploy.export import export_onnx

    with pytest.raises(ValueError, match=rf"opset {opset} is older than ONNX's Scan op .* give an opset from 9 to"):
        export_onnx(classifier, tmp_path / "e", opset=opset, verbose=False)
    assert not (tmp_path / "e").exists()


def test_S42_01_the_bounds_are_the_installed_onnx_s_and_the_opsets_in_use_pass(monkeypatch):
    import onnx.defs

    from rnnkit.deploy.export import _check_opset_known, _scan_opset

    newest = onnx.defs.onnx_opset_version()
    for opset in (13, 17, 18, newest):  # the opsets the project's own tests export to, torch's own, the newest
        _check_opset_known(opset)
    assert _scan_opset() == 9  # read from onnx's Scan schemas: opset 8's Scan took sequence_lens
    monkeypatch.setattr(onnx.defs, "onnx_opset_version", lambda: newest + 5)  # a newer onnx moves the bound
    _check_opset_known(newest + 2)
    with pytest.raises(ValueError, match=rf"opset {newest + 6} is beyond the newest ONNX opset, {newest + 5} "):
        _check_opset_known(newest + 6)


def test_S42_01_the_cli_refuses_an_unknown_opset_in_the_same_words(tmp_path, capsys):
    from helpers import cli_classifier, run_cli

    model, _ = cli_classifier(tmp_path)
    status, err = run_cli(["export", model, "--out", tmp_path / "e", "--opset", "99"], capsys)
    assert status == 2 and len(err) == 1, err
    assert err[0].startswith("rnnkit export: error: export_onnx: opset 99 is beyond the newest ONNX opset"), err
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize("command", [["serve"], ["export", "--out", "e"], ["evaluate", "{data}"]])
def test_C42_01_a_data_file_where_the_model_goes_is_told_to_train_first(tmp_path, capsys, monkeypatch, command):
    from helpers import long_csv, run_cli

    monkeypatch.chdir(tmp_path)
    data = long_csv(tmp_path / "d.csv", [0, 1, 0, 1])
    args = [command[0], data, *[a.format(data=data) for a in command[1:]]]
    status, err = run_cli(args, capsys)
    # was: "d.csv is not a directory; expected an rnnkit model directory written by save()": no way to one
    assert status == 2 and len(err) == 1, err
    assert err[0] == (f"rnnkit {command[0]}: error: {data} is a data file (.csv), not an rnnkit model directory: "
                      f"rnnkit {command[0]} MODEL_DIR reads the directory that rnnkit train writes; train a model on "
                      f"it first (rnnkit train {data} --task ... --out MODEL_DIR), then give that directory"), err
    assert not (tmp_path / "e").exists()


def test_C42_01_a_file_of_an_export_where_the_model_goes_is_told_the_model_directory(tmp_path, capsys):
    from helpers import run_cli

    from rnnkit.deploy.export import export_onnx

    export_onnx(deploy_classifier(*deploy_data()), tmp_path / "e", verbose=False)
    for command, tail in (["serve"], ", or run the export itself with onnxruntime"), (["export", "--out", "e2"], ""):
        status, err = run_cli([command[0], tmp_path / "e" / "sequence.onnx", *command[1:]], capsys)
        assert status == 2 and len(err) == 1, err
        assert err[0].endswith(f"sequence.onnx is a file of the ONNX export {tmp_path / 'e'}, not an rnnkit model "
                               f"directory: rnnkit {command[0]} MODEL_DIR reads the model directory that rnnkit train "
                               f"(or save()) wrote, the one the export was made from; give that directory{tail}"), err


def test_C42_01_predict_given_its_model_and_data_swapped_keeps_its_words(tmp_path, capsys):
    from helpers import cli_classifier, run_cli

    model, data = cli_classifier(tmp_path)
    status, err = run_cli(["predict", data, model], capsys)
    assert status == 2 and "takes the model directory first, then the data" in err[-1], err


def test_C42_01_a_model_directory_holding_a_csv_or_named_x_csv_is_read_as_one(tmp_path, capsys):
    import shutil

    from helpers import cli_classifier, run_cli

    model, data = cli_classifier(tmp_path)
    shutil.copy(data, f"{model}/train.csv")  # a data file kept beside the model: given, it is told the directory
    status, err = run_cli(["predict", f"{model}/train.csv", data], capsys)
    assert status == 2 and len(err) == 1, err
    assert err[0] == (f"rnnkit predict: error: {model}/train.csv is a file kept in the model directory {model}, not "
                      f"the directory: rnnkit predict MODEL_DIR reads the directory itself; give {str(model)!r}"), err
    shutil.copytree(model, tmp_path / "x.csv")  # a model directory named like a data file: no false alarm
    status, err = run_cli(["predict", tmp_path / "x.csv", data, "--out", tmp_path / "p.csv"], capsys)
    assert status == 0 and (tmp_path / "p.csv").exists(), err
    status, err = run_cli(["predict", model, data, "--out", tmp_path / "q.csv"], capsys)  # the CSV beside it: read
    assert status == 0 and (tmp_path / "q.csv").exists(), err


def test_S42_02_a_stream_step_of_nan_or_infinity_names_the_feature_and_the_fix(classifier):
    from rnnkit.deploy.streaming import Streamer

    streamer = Streamer(classifier)
    # was: "Streamer: the observation of stream 'a' contains NaN or infinity": no feature, and no fix for infinity
    with pytest.raises(ValueError, match=r"^Streamer: the observation of stream 'a' holds inf at feature 1; an "
                                         r"infinity is no reading .*give the feature a finite number, or leave the "
                                         r"step out$"):
        streamer.step("a", [0.5, float("inf"), 0.2])
    with pytest.raises(ValueError, match=r"holds nan at feature 0, -inf at feature 2; an infinity .*; a NaN is a "
                                         r"missing value, which this model does not read: fill it .* or fit with "
                                         r"time_aware=True"):
        streamer.step("a", np.array([float("nan"), 0.1, -float("inf")], dtype=np.float32))
    assert streamer.streams == []  # a refused first step leaves no stream
    streamer.step("a", [0.5, 0.1, 0.2])


def test_S42_02_a_time_aware_stream_names_an_infinity_by_its_fitted_name():
    import pandas as pd

    from rnnkit.deploy.streaming import Streamer

    X, y = deploy_data()
    streamer = Streamer(deploy_classifier([pd.DataFrame(x, columns=["a", "b", "c"]) for x in X], y,
                                          time_aware=True))
    with pytest.raises(ValueError, match=r"holds -inf at feature 1 \('b'\); an infinity is no reading") as e:
        streamer.step("s", [0.5, -float("inf"), float("nan")])
    assert "or NaN (null) for a missing reading" in str(e.value) and "not read" not in str(e.value)  # NaN: read
    streamer.step("s", [0.5, float("nan"), 0.1])


@pytest.mark.parametrize("value, fix", [(b"NaN", "a NaN is a missing value, which this model does not read: fill it"),
                                        (b"-Infinity", "an infinity is no reading")])
def test_S42_02_a_request_of_nan_or_infinity_names_the_feature_and_the_fix(classifier, value, fix):
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    # Python's json.dumps (httpx's json=) writes float('nan') and float('inf') so
    with TestClient(create_app(classifier)) as client:
        r = client.post("/predict", content=b'{"sequences": [[[0.5, 0.1, 0.2], [0.5, ' + value + b', 0.2]]]}')
    # was: "sequence 0, step 1 holds -inf; NaN and infinity are not accepted": no feature, no fix for infinity
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f"sequence 0, step 1, feature 1 holds {float(value.decode().lower())}; "
                                         f"{fix}"), r.json()


def test_S42_02_a_time_aware_model_s_request_reads_nan_and_names_an_infinity():
    import pandas as pd
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    X, y = deploy_data()
    model = deploy_classifier([pd.DataFrame(x, columns=["a", "b", "c"]) for x in X], y, time_aware=True)
    with TestClient(create_app(model)) as client:
        read = client.post("/predict", content=b'{"sequences": [[[0.5, 0.1, 0.2], [0.5, NaN, 0.2]]]}')
        refused = client.post("/predict", content=b'{"sequences": [[[0.5, 0.1, 0.2], [0.5, -Infinity, 0.2]]]}')
    assert read.status_code == 200, read.json()  # NaN marks a missing value, as before
    assert refused.status_code == 422 and "\n" not in refused.json()["detail"]
    assert refused.json()["detail"] == ("sequence 0, step 1, feature 1 ('b') holds -inf; an infinity is no reading (a "
                                        "division by zero or a log of 0 upstream?): give the feature a finite number, "
                                        "or NaN (null) for a missing reading"), refused.json()
