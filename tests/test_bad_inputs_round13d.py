"""Thirteenth round of bad inputs, deployment (S13-*): models fitted on sktime's ArrowHead (3 classes, 251 steps
cut to 32) and BasicMotions with named channels, then exported, streamed and served as a new user would. A valid
input gets the right answer, a bad one a one-line error (HTTP: a 4xx) naming what was wrong and how to fix it."""

import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import rnnkit  # noqa: E402
from rnnkit import SequenceClassifier, Streamer  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

datasets = pytest.importorskip("sktime.datasets")

TINY = dict(cell="gru", hidden_size=8, bidirectional=False, max_epochs=1, random_state=0, device="cpu")
NAMES = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]


@pytest.fixture(scope="module")
def arrowhead():
    """24 ArrowHead series, every 8th step: (24, 32, 1) batch-first, labels '0' / '1' / '2'."""
    X, y = datasets.load_arrow_head(split="train", return_type="numpy3D")
    return X.transpose(0, 2, 1)[:24, ::8].astype(np.float32), y[:24]


@pytest.fixture(scope="module")
def classifier(arrowhead):
    return SequenceClassifier(**TINY).fit(*arrowhead)


@pytest.fixture(scope="module")
def time_aware(arrowhead):
    X, y = arrowhead
    X = X.copy()
    X[::3, 5:9, 0] = np.nan  # a sensor gap in every third series
    return SequenceClassifier(time_aware=True, **TINY).fit(X, y)


@pytest.fixture(scope="module")
def motions():
    """10 BasicMotions series of 20 steps as frames with named channels, and their labels."""
    X, y = datasets.load_basic_motions(split="train", return_type="numpy3D")
    return [pd.DataFrame(x.T[::5], columns=NAMES) for x in X[::4]], y[::4]


@pytest.fixture(scope="module")
def named(motions):
    return SequenceClassifier(**TINY).fit(*motions)


@pytest.fixture(scope="module")
def exported(classifier, tmp_path_factory):
    directory = tmp_path_factory.mktemp("s13") / "arrowhead"
    rnnkit.export_onnx(classifier, directory, verbose=False)
    return directory


def _post(app, body):
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/predict", content=json.dumps(body).encode())
    assert "\n" not in r.text and "Traceback" not in r.text
    return r


# -- the server ---------------------------------------------------------------------------------------------------
def test_s13_01_steps_as_objects_keyed_by_feature_name_are_read_by_name(named, motions, classifier):
    frame = motions[0][0].iloc[:8]
    app = create_app(named)
    by_name = _post(app, {"sequences": [frame.to_dict(orient="records")]})  # [{"acc_x": ..., ...}, ...]
    assert by_name.status_code == 200, by_name.text
    np.testing.assert_allclose(by_name.json()["probabilities"], named.predict_proba([frame]), atol=1e-5)
    shuffled = [{k: row[k] for k in NAMES[::-1]} for row in frame.to_dict(orient="records")]  # another key order
    assert _post(app, {"sequences": [shuffled]}).json() == by_name.json()
    steps = frame.to_dict(orient="records")
    steps[3] = {k: v for k, v in steps[3].items() if k != "gyr_z"} | {"gyro_z": 0.0}
    r = _post(app, {"sequences": [frame.to_numpy().tolist(), steps]})
    assert r.status_code == 422
    assert r.json()["detail"] == ("sequence 1, step 3 names features that differ from the model's ['acc_x', 'acc_y', "
                                  "'acc_z', 'gyr_x', 'gyr_y', 'gyr_z'] (GET /model): missing ['gyr_z'], "
                                  "unexpected ['gyro_z'] ('gyro_z' for 'gyr_z'?)")
    r = _post(create_app(classifier), {"sequences": [[{"value": 1.0}]]})  # a model fitted without names
    assert r.status_code == 400
    assert r.json()["detail"].startswith("sequence 0, step 0 is an object keyed by ['value'], but the model was fitted "
                                         "without feature names (GET /model lists none)")
    assert r.json()["detail"].endswith("give the step as a list of its 1 numbers in the order of the features at fit")


def test_s13_02_an_empty_step_is_not_said_to_be_channels_by_time(classifier, arrowhead):
    r = _post(create_app(classifier), {"sequences": [arrowhead[0][0, :3].tolist(), [[]]]})
    assert r.status_code == 422
    # round 41 (S41-01) added the fix: "; an empty step holds none: give each step the 1 features ..."
    assert r.json()["detail"].startswith("sequence 1, step 0 has 0 features; the model reads 1; an empty step holds "
                                         "none")


# -- Streamer -----------------------------------------------------------------------------------------------------
def test_s13_03_pandas_na_in_a_list_or_dict_is_a_missing_value(time_aware, named, motions, arrowhead):
    X = arrowhead[0][0, :6, 0].tolist()
    stream = Streamer(time_aware)
    for t, v in enumerate(X):  # the gap as pandas' NA, as row.tolist() of a nullable column gives it
        na = stream.step("na", [pd.NA] if t in (2, 3) else [v])
        none = stream.step("none", [None] if t in (2, 3) else [v])
    np.testing.assert_array_equal(na.probabilities, none.probabilities)
    expected = time_aware.predict_proba(np.array([[v] if t not in (2, 3) else [np.nan] for t, v in enumerate(X)])[None])
    np.testing.assert_allclose(na.probabilities, expected[0], atol=1e-5)
    row = motions[0][0].iloc[0].astype("Float64")
    row["acc_z"] = pd.NA
    with pytest.raises(ValueError, match=r"^Streamer: the observation of stream 'r' holds <NA> at feature 2 "
                                         r"\('acc_z'\); give every feature a number \(a model fitted with "
                                         r"time_aware=True reads None, NA or NaN as a missing value\)$"):
        Streamer(named).step("r", dict(row.items()))  # {name: value} of a nullable frame's row
    with pytest.raises(ValueError, match=r"holds None at feature 2 \('acc_z'\)"):  # to_dict() writes NA as None
        Streamer(named).step("r", row.to_dict())
    with pytest.raises(ValueError, match=r"holds <NA> at feature 2; give every feature a number"):
        Streamer(named).step("r", row.tolist())  # no names: the position alone


def test_s13_04_a_missing_value_is_no_stream_id(classifier, exported, arrowhead):
    x_t = arrowhead[0][0, 0]
    for source in (classifier, exported):
        stream = Streamer(source)
        stream.step("ok", x_t)
        for missing in (pd.NA, pd.NaT, np.datetime64("NaT"), ("device", pd.NA)):
            with pytest.raises(ValueError, match=r"^Streamer: stream id .* is a missing value \(\w+\), not an id: the "
                                                 r"steps of every record that lacks its id would run as one stream"):
                stream.step(missing, x_t)
            with pytest.raises(ValueError, match="is a missing value"):
                stream.step_many({missing: x_t, "other": x_t})
        assert stream.streams == ["ok"]


# -- export.json --------------------------------------------------------------------------------------------------
def test_s13_05_an_export_of_another_format_version_says_to_export_again(exported, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(exported, old)
    info = json.loads((old / "export.json").read_text())
    for version, upgrade in ((0, False), (None, False), (2, True)):
        (old / "export.json").write_text(json.dumps(info | {"format_version": version}))
        with pytest.raises(ValueError) as e:
            Streamer(old)
        assert str(e.value) == (f"{old}: export format version {version!r} (written by rnnkit "
                                f"{info['versions']['rnnkit']}) is not the version this rnnkit reads (1); "
                                + ("upgrade rnnkit to read it, or " if upgrade else "")
                                + f"export the model again (rnnkit.export_onnx, or rnnkit export MODEL_DIR --out "
                                  f"{old})")


def test_s13_06_a_damaged_export_json_is_named_as_such(exported, tmp_path):
    cut = tmp_path / "cut"
    shutil.copytree(exported, cut)
    text = (cut / "export.json").read_text()
    (cut / "export.json").write_text(text[: len(text) // 2])  # an interrupted copy
    with pytest.raises(ValueError, match=r"^.*cut: export.json is not valid JSON \(.*\): cut short by a failed copy, "
                                         r"or edited; export the model again \(rnnkit.export_onnx, or rnnkit export "):
        Streamer(cut)
    other = tmp_path / "other"
    other.mkdir()
    (other / "export.json").write_text("{")  # not an export (no sequence.onnx): the general message
    with pytest.raises(ValueError, match="is not an rnnkit ONNX export directory"):
        Streamer(other)


def test_s13_07_a_global_forecaster_is_said_to_be_not_exported(tmp_path):
    from rnnkit.forecast import GlobalForecaster

    forecaster = GlobalForecaster(lookback=12, horizon=3)
    message = ("a GlobalForecaster is not exported (export_onnx writes a Forecaster's window-to-forecast graph only); "
               "forecast with its predict, or fit a Forecaster(model='direct') on the series and export that")
    with pytest.raises(ValueError) as e:
        rnnkit.export_onnx(forecaster, tmp_path / "out", verbose=False)
    assert str(e.value) == f"export_onnx: {message}"
    with pytest.raises(ValueError) as e:
        Streamer(forecaster)
    assert str(e.value) == f"Streamer: {message}"
    with pytest.raises(ValueError, match=r"got GlobalForecaster; a forecaster is not served \(nor exported\): forecast "
                                         r"with its predict$"):
        create_app(forecaster)
    assert not (tmp_path / "out").exists()


def test_s13_08_an_export_onto_a_path_named_like_an_onnx_file_is_refused(classifier, exported, tmp_path):
    with pytest.raises(ValueError) as e:
        rnnkit.export_onnx(classifier, tmp_path / "arrowhead.onnx", verbose=False)
    assert str(e.value) == (f"{tmp_path / 'arrowhead.onnx'} names an ONNX file, but an export is a directory "
                            f"(sequence.onnx, step.onnx, export.json); give a directory, e.g. {tmp_path / 'arrowhead'}")
    assert not (tmp_path / "arrowhead.onnx").exists()
    older = tmp_path / "written_before.onnx"  # an export directory of that name, written before: still replaced
    shutil.copytree(exported, older)
    (older / "export.json").write_text((older / "export.json").read_text().replace('"max_abs_error"', '"old_error"', 1))
    rnnkit.export_onnx(classifier, older, verbose=False)
    assert "old_error" not in (older / "export.json").read_text()


def test_s13_09_a_length_outside_1_to_t_gives_a_nan_row_not_a_plausible_answer(classifier, exported, arrowhead):
    import onnxruntime as ort

    X = arrowhead[0][:4]  # (4, 32, 1)
    x = ((X - classifier.x_mean_) / classifier.x_scale_).astype(np.float32)
    session = ort.InferenceSession(str(exported / "sequence.onnx"), providers=["CPUExecutionProvider"])
    y = session.run(None, {"x": x, "lengths": np.array([32, 0, 33, 20])})[0]  # (4, 3) logits
    assert np.isnan(y[[1, 2]]).all() and np.isfinite(y[[0, 3]]).all()
    p = np.exp(y[[0, 3]]) / np.exp(y[[0, 3]]).sum(1, keepdims=True)
    np.testing.assert_allclose(p, classifier.predict_proba([X[0], X[3, :20]]), atol=1e-5)


def test_s13_10_a_compressed_uploaded_or_form_body_is_named_with_how_to_send_json(classifier, arrowhead):
    import gzip

    body = json.dumps({"sequences": [arrowhead[0][0, :5].tolist()]}).encode()
    send = "; send the JSON document itself as the body (curl -d @seq.json, or requests.post(url, json=payload))"
    with TestClient(create_app(classifier), raise_server_exceptions=False) as c:
        r = c.post("/predict", content=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        assert (r.status_code, r.json()["detail"]) == (
            415, "request body is gzip-encoded (Content-Encoding: gzip); the server reads uncompressed JSON: send it "
                 "uncompressed")
        r = c.post("/predict", content=gzip.compress(body))  # compressed without saying so
        assert r.status_code == 400
        assert r.json()["detail"].endswith(": it is gzip-compressed data; send it uncompressed")
        r = c.post("/predict", files={"file": ("seq.json", body)})  # curl -F file=@seq.json
        assert r.status_code == 400 and r.json()["detail"] == (
            "request body is not JSON (Expecting value: line 1 column 1 (char 0)): it is a multipart form (a file "
            "upload, as curl -F file=@seq.json sends)" + send)
        r = c.post("/predict", data={"sequences": json.dumps([arrowhead[0][0, :5].tolist()])})  # requests' data=
        assert r.status_code == 400 and r.json()["detail"].endswith(
            ": it is a form field (sequences=...), as curl --data-urlencode or requests' data= send" + send)
        r = c.post("/predict", content=body, headers={"Content-Encoding": "identity"})
        assert r.status_code == 200


def test_s13_11_a_feature_named_twice_in_a_step_names_the_sequence_and_step(named, motions):
    rows = [json.dumps(r) for r in motions[0][0].iloc[:3].to_dict(orient="records")]
    rows[2] = rows[2][:-1] + ', "acc_x": 0.5}'  # the name given twice: json.loads would keep the last value
    body = '{"sequences": [[' + ", ".join(rows) + "]]}"
    with TestClient(create_app(named), raise_server_exceptions=False) as c:
        r = c.post("/predict", content=body.encode())
        assert (r.status_code, r.json()["detail"]) == (400, "sequence 0, step 2 gives the feature 'acc_x' twice; "
                                                            "give it once")
        r = c.post("/predict", content=b'{"sequences": [[[1, 2, 3, 4, 5, 6]]], "sequences": []}')
        assert r.json()["detail"] == "request body gives the key 'sequences' twice; give it once"


def test_s13_12_a_name_left_out_for_a_missing_value_says_to_give_it_as_null(motions):
    frames, y = motions
    gappy = [f.copy() for f in frames]
    for f in gappy[::2]:
        f.iloc[4:7, 1] = np.nan  # acc_y missing at steps 4-6 of every other series
    model = SequenceClassifier(time_aware=True, **TINY).fit(gappy, y)
    steps = gappy[0].iloc[:8].to_dict(orient="records")  # acc_y is None at steps 4-6
    left_out = [{k: v for k, v in s.items() if v is not None and v == v} for s in steps]  # the gap's name dropped
    with TestClient(create_app(model), raise_server_exceptions=False) as c:
        r = c.post("/predict", content=json.dumps({"sequences": [left_out]}).encode())
        assert r.status_code == 422
        assert r.json()["detail"].endswith("(GET /model): missing ['acc_y']; give a missing value as null under its "
                                           "name")
        r = c.post("/predict", content=json.dumps({"sequences": [steps]}).encode())  # NaN as json.dumps writes it
        np.testing.assert_allclose(r.json()["probabilities"], model.predict_proba([gappy[0].iloc[:8]]), atol=1e-5)
    stream = Streamer(model)
    with pytest.raises(ValueError, match=r"at fit \[.*\]: missing \['acc_y'\]; give a missing value as None or NaN "
                                         r"under its name$"):
        stream.step("s", left_out[4])
    for s in steps:
        last = stream.step("s", s)
    np.testing.assert_allclose(last.probabilities, model.predict_proba([gappy[0].iloc[:8]])[0], atol=1e-5)
