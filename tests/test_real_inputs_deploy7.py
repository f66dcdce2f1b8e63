"""Deploying models fitted on real data (docs/bad_inputs.md, seventh catalogue D7-*): sktime's GunPoint and
airline fitted with tiny budgets, then exported, streamed and served as a new user would. A valid input gets the
right answer, a bad one a one-line error (HTTP: a 4xx) naming what was wrong and how to fix it."""

import json
import os
import shutil
import subprocess
import warnings

import numpy as np
import pytest

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import rnnkit  # noqa: E402
from rnnkit import SequenceClassifier, Streamer  # noqa: E402
from rnnkit.deploy import export as export_module  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

datasets = pytest.importorskip("sktime.datasets")

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def gunpoint():
    """12 GunPoint series, every 5th step: (12, 30, 1) batch-first, labels '1' / '2' as sktime gives them."""
    X, y = datasets.load_gunpoint(split="train", return_type="numpy3D")
    return X.transpose(0, 2, 1)[:12, ::5].astype(np.float32), y[:12]


@pytest.fixture(scope="module")
def classifier(gunpoint):
    X, y = gunpoint
    return SequenceClassifier(**TINY).fit(X, y)


@pytest.fixture(scope="module")
def time_aware(gunpoint):
    X, y = gunpoint
    X = X.copy()
    X[::3, 5:9, 0] = np.nan  # a sensor gap in every third series
    return SequenceClassifier(time_aware=True, **TINY).fit(X, y)


@pytest.fixture(scope="module")
def exported(classifier, tmp_path_factory):
    directory = tmp_path_factory.mktemp("d7") / "gunpoint"
    rnnkit.export_onnx(classifier, directory, verbose=False)
    return directory


def _one_line(text: str) -> str:
    assert "\n" not in text and "Traceback" not in text
    return text


def _post(app, body: bytes):
    with TestClient(app, raise_server_exceptions=False) as c:
        return c.post("/predict", content=body)


# -- Streamer -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_d7_01_none_is_no_stream_id_since_reset_none_resets_every_stream(classifier, exported, gunpoint, backend):
    stream = Streamer(classifier if backend == "torch" else exported)
    x = gunpoint[0][0]
    stream.step("sensor-1", x[0])
    with pytest.raises(ValueError, match=r"^Streamer: stream id None is not allowed: reset\(None\) starts every "
                                         r"stream over.*use a str, an int or a tuple"):
        stream.step(None, x[0])
    with pytest.raises(ValueError, match="stream id None is not allowed"):
        stream.step_many({None: x[0], "sensor-2": x[0]})
    assert stream.streams == ["sensor-1"]  # nothing else started, the other stream kept


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_d7_02_a_nan_stream_id_is_refused_not_a_new_stream_at_every_step(classifier, exported, gunpoint, backend):
    stream = Streamer(classifier if backend == "torch" else exported)
    x = gunpoint[0][0]
    for nan in (float("nan"), np.float64("nan")):
        with pytest.raises(ValueError, match=r"is NaN, which equals no other value .* each step would start a new "
                                             r"stream; use a str, an int or a tuple"):
            stream.step(nan, x[0])
    assert stream.streams == []


def test_d7_03_a_whole_sequence_given_to_step_is_named_as_steps(exported, gunpoint):
    stream = Streamer(exported)
    x = gunpoint[0][0]  # (30, 1): one GunPoint series
    for given in (x, x[:, 0]):
        with pytest.raises(ValueError, match=r"has 30 values; the model reads 1 features per step: shape \(30, ?1?\)"
                                             r", 30 steps\? step reads one observation, so feed a sequence one step"):
            stream.step("s", given)
    assert [round(float(stream.step("s", x_t).y[0]), 6) for x_t in x[:2]]  # the fix runs


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_d7_04_nan_or_none_without_time_aware_says_which_model_reads_them(classifier, exported, backend):
    stream = Streamer(classifier if backend == "torch" else exported)
    with pytest.raises(ValueError, match=r"holds nan at feature 0; a NaN is a missing value, .* or fit with "
                                         r"time_aware=True, which reads NaN as a missing value$"):
        stream.step("s", [np.nan])
    with pytest.raises(ValueError, match=r"^Streamer: the observation of stream 's' holds None at feature 0; give "
                                         r"every feature a number \(a model fitted with time_aware=True"):
        stream.step("s", [None])
    with pytest.raises(ValueError, match=r"holds inf at feature 0; an infinity is no reading [^;]*$"):  # no NaN hint
        stream.step("s", [np.inf])


def test_d7_05_a_model_that_cannot_stream_names_every_cause_and_one_refit(gunpoint):
    X, y = gunpoint
    full, _ = datasets.load_gunpoint(split="train", return_type="numpy3D")
    # the data-chosen defaults of the full 150 steps: bidirectional, normalise='series', fcn front-end of stride 3
    chosen = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, device="cpu").fit(
        full.transpose(0, 2, 1)[:8].astype(np.float32), y[:8])
    assert (chosen.choices_["bidirectional"], chosen.choices_["normalise"], chosen.choices_["frontend"]) == (
        True, "series", "fcn")
    with pytest.raises(ValueError) as refused:
        Streamer(chosen)
    message = _one_line(str(refused.value))
    assert message.startswith("Streamer: a bidirectional model with normalise='series' and a strided front-end "
                              "(ConvFrontEnd, stride 3) has no step graph")
    assert message.endswith("fit with bidirectional=False, normalise=None, frontend=None to stream")
    refit = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, device="cpu", bidirectional=False,
                               normalise=None, frontend=None).fit(full.transpose(0, 2, 1)[:8].astype(np.float32), y[:8])
    assert Streamer(refit).step("s", [0.5]).prediction in ("1", "2")  # the one refit the message names streams


def test_d7_06_an_export_into_a_directory_it_cannot_write_is_refused_before_the_graphs(classifier, tmp_path,
                                                                                      monkeypatch):
    def built(*args, **kwargs):
        raise AssertionError("the graphs were built before the output was checked")

    monkeypatch.setattr(export_module, "_to_onnx", built)
    (tmp_path / "notes.txt").write_text("a file, not a directory")
    with pytest.raises(ValueError, match=r"^cannot write .*notes.txt/onnx: Not a directory \(.*notes.txt\); choose "
                                         r"a directory you can write to$"):
        rnnkit.export_onnx(classifier, tmp_path / "notes.txt" / "onnx")
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o500)
    locked = not os.access(read_only, os.W_OK)
    if not locked and shutil.which("chattr"):  # root ignores the mode bits: make the directory immutable instead
        locked = subprocess.run(["chattr", "+i", str(read_only)], capture_output=True).returncode == 0
    try:
        if locked:
            with pytest.raises(ValueError, match=r"^cannot write .*ro/onnx: .* \(.*ro\); choose a directory you can "
                                                 r"write to$"):
                rnnkit.export_onnx(classifier, read_only / "onnx")
    finally:
        if shutil.which("chattr"):
            subprocess.run(["chattr", "-i", str(read_only)], capture_output=True)
        read_only.chmod(0o700)
    assert list(read_only.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "ro"]


def test_d7_07_an_export_missing_or_with_a_broken_step_graph_is_named(exported, tmp_path):
    missing, broken = tmp_path / "missing", tmp_path / "broken"
    shutil.copytree(exported, missing)
    (missing / "step.onnx").unlink()
    shutil.copytree(exported, broken)
    (broken / "step.onnx").write_bytes((exported / "step.onnx").read_bytes()[:100])  # a copy cut short
    with pytest.raises(ValueError, match=r"^Streamer: .*missing/step.onnx is missing, though .*missing's export.json "
                                         r"names it; export the model again"):
        Streamer(missing)
    # export.json records the graph's sha256: a copy cut short is named by it, before onnxruntime reads the bytes
    with pytest.raises(ValueError, match=r"broken/step.onnx is not the graph this export wrote: .* cut short by a "
                                         r"failed copy, .* export the model again"):
        Streamer(broken)
    # an export written before the digests (export.json without them) is read as before: onnxruntime names the bytes
    old = tmp_path / "old"
    shutil.copytree(broken, old)
    info = json.loads((old / "export.json").read_text())
    for part in info.values():
        if isinstance(part, dict):
            part.pop("sha256", None)
    (old / "export.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match=r"^Streamer: cannot load .*old/step.onnx \(.*\); export the model again"):
        Streamer(old)


def test_d7_12_a_time_aware_stream_given_x_m_delta_says_it_builds_them_itself(time_aware, gunpoint):
    stream = Streamer(time_aware)
    with pytest.raises(ValueError, match=r"has 3 values; the model reads 1 features per step: a time_aware model's "
                                         r"stream reads the 1 raw features \(NaN where missing\) and builds \[x, m, "
                                         r"delta\] itself"):
        stream.step("s", [0.4, 1.0, 0.0])  # [x, m, delta] as export.json describes the graphs' input
    x = gunpoint[0][3].copy()
    x[5:9] = np.nan
    for x_t in x:  # the raw features with NaN, as the message says
        last = stream.step("s", x_t)
    np.testing.assert_allclose(last.probabilities, time_aware.predict_proba(x[None])[0], atol=1e-5)


def test_d7_13_a_pandas_row_is_read_by_its_feature_names_as_predict_reads_them():
    import pandas as pd

    X, y = datasets.load_basic_motions(split="train", return_type="numpy3D")
    names = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]
    frames = [pd.DataFrame(x.T[::5], columns=names) for x in X[::4]]  # 10 series of (20, 6), named channels
    clf = SequenceClassifier(**TINY).fit(frames, y[::4])
    stream, frame = Streamer(clf), frames[0]
    for t in range(len(frame)):  # frame.iloc[t]: a row in the fitted order
        last = stream.step("in order", frame.iloc[t])
    np.testing.assert_allclose(last.probabilities, clf.predict_proba([frame])[0], atol=1e-5)
    reordered = frame[names[::-1]]
    with pytest.raises(ValueError, match=r"^Streamer: the observation of stream 'r' has the features \['gyr_z', .*\], "
                                         r"in another order than at fit; reorder them as \['acc_x', "):
        stream.step("r", reordered.iloc[0])
    with pytest.raises(ValueError, match="in another order than at fit"):  # a one-row frame, frame.iloc[[t]]
        stream.step("r", reordered.iloc[[0]])
    with pytest.raises(ValueError, match=r"feature names that differ from those seen at fit .*: missing \['acc_x'\], "
                                         r"unexpected \['accx'\] \('accx' for 'acc_x'\?\); drop the index"):
        stream.step("r", frame.iloc[0].rename({"acc_x": "accx"}))
    assert stream.streams == ["in order"]
    stream.step("by position", frame.iloc[0].to_numpy())  # an array has no names: read in the fitted order


def test_d7_15_a_tuple_id_holding_a_list_names_the_list_not_the_tuple(exported, gunpoint):
    stream = Streamer(exported)
    with pytest.raises(ValueError, match=r"^Streamer: stream id \('gunpoint', \['sensor', 1\]\) is not hashable \(a "
                                         r"tuple holding a list\); use a str, an int or a tuple of those$"):
        stream.step(("gunpoint", ["sensor", 1]), gunpoint[0][0, 0])  # a key made from a JSON record
    with pytest.raises(ValueError, match=r"\(a tuple holding a dict\)"):
        stream.reset(("gunpoint", ("sensor", {"id": 1})))
    stream.step(("gunpoint", ("sensor", 1)), gunpoint[0][0, 0])  # a tuple of hashable parts is an id
    assert stream.streams == [("gunpoint", ("sensor", 1))]


# -- the server ---------------------------------------------------------------------------------------------------
def test_d7_08_a_body_nested_one_level_too_deep_is_named_as_such(classifier, gunpoint):
    x = gunpoint[0][0]
    r = _post(create_app(classifier), json.dumps({"sequences": [[[v] for v in x.tolist()]]}).encode())
    assert r.status_code == 400
    assert _one_line(r.json()["detail"]).startswith(
        "sequence 0, step 0 holds a list, [")
    assert 'where a feature belongs: the body is nested one level too deep ({"sequences": [[[f1, f2, ...]' in (
        r.json()["detail"])
    right = _post(create_app(classifier), json.dumps({"sequences": [x.tolist()]}).encode())
    assert right.status_code == 200 and right.json()["predictions"] == classifier.predict(x[None]).tolist()


def test_d7_09_null_to_a_model_without_missing_values_says_which_model_reads_them(classifier, time_aware, gunpoint):
    body = json.dumps({"sequences": [[[0.5], [None], [0.7]]]}).encode()
    r = _post(create_app(classifier), body)
    assert r.status_code == 400
    assert _one_line(r.json()["detail"]) == ("sequence 0, step 1 holds null; features must be numbers (give a "
                                             "model fitted with time_aware=True to read missing values)")
    ok = _post(create_app(time_aware), body)
    want = time_aware.predict_proba(np.array([[[0.5], [np.nan], [0.7]]], dtype=np.float32))
    assert ok.status_code == 200
    np.testing.assert_allclose(ok.json()["probabilities"], want, atol=1e-6)


def test_d7_10_a_value_beyond_float32_but_within_a_double_names_its_step(classifier):
    for literal in (b"4e38", b"-1e39"):
        r = _post(create_app(classifier), b'{"sequences": [[[0.5]], [[0.1], [0.2], [' + literal + b"]]]}")
        assert r.status_code == 422
        assert _one_line(r.json()["detail"]).startswith(f"sequence 1, step 2, feature 0 holds {float(literal):.3g}, "
                                                        f"a number beyond float32's range")


def test_d7_11_serving_a_forecaster_says_how_to_forecast_or_export_it():
    from rnnkit.forecast import Forecaster

    airline = datasets.load_airline()
    fc = Forecaster(horizon=3, lookback=12, model="direct", hidden_size=4, max_epochs=1, random_state=0,
                    device="cpu").fit(airline)
    with pytest.raises(ValueError) as refused:
        create_app(fc)
    assert _one_line(str(refused.value)) == (
        "serve: expected a fitted SequenceClassifier, SequenceRegressor or SequenceTagger, got Forecaster; a "
        "forecaster is not served: forecast with its predict (or rnnkit forecast), or export it (rnnkit export "
        "MODEL_DIR --out DIR) and run its sequence.onnx")


def test_d7_14_a_sequence_sent_as_channels_by_time_says_to_transpose_it():
    X, y = datasets.load_basic_motions(split="train", return_type="numpy3D")
    X, y = X[::4, :, ::5].astype(np.float32), y[::4]  # sktime's (n, channels, time): (10, 6, 20)
    clf = SequenceClassifier(layout="nct", **TINY).fit(X, y)
    r = _post(create_app(clf), json.dumps({"sequences": X[:2].tolist()}).encode())  # as sktime holds them
    assert r.status_code == 422
    assert _one_line(r.json()["detail"]) == (
        "sequence 0, step 0 has 20 features; the model reads 6 (sequence 0 is 6 lists of 20: channels by time? give "
        "it as a list of steps, each the features at one time: transpose it)")
    right = _post(create_app(clf), json.dumps({"sequences": X[:2].transpose(0, 2, 1).tolist()}).encode())
    assert right.status_code == 200
    np.testing.assert_allclose(right.json()["probabilities"], clf.predict_proba(X[:2]), atol=1e-6)
    with pytest.raises(ValueError, match=r"has 120 values; the model reads 6 features per step: shape \(6, 20\), 20 "
                                         r"steps\? step reads one observation"):
        Streamer(clf).step("s", X[0])


def test_d7_16_export_and_stream_refuse_network_options_set_after_fit(tmp_path):
    """export_onnx and Streamer read time_aware from the estimator: set after fit, it no longer describes the
    fitted model, and they refuse it as predict and save do (the seventh lifecycle catalogue, L7-07)."""
    from rnnkit import SequenceClassifier, Streamer, export_onnx

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 9, 2)).astype(np.float32), np.arange(12) % 2
    clf = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, cell="gru", bidirectional=False,
                             frontend=None, normalise=None).fit(X, y)
    clf.set_params(time_aware=True)
    with pytest.raises(ValueError, match=r"export_onnx: time_aware=True was set after fit, but the fitted model has "
                                         r"time_aware=False; set it back"):
        export_onnx(clf, tmp_path / "e")
    with pytest.raises(ValueError, match=r"Streamer: time_aware=True was set after fit"):
        Streamer(clf)
    clf.set_params(time_aware=False)
    assert Streamer(clf).step("a", X[0, 0]).y.shape[-1] == 2


def test_d7_17_a_tuple_id_holding_nan_and_an_export_given_as_a_model(tmp_path):
    from rnnkit import SequenceClassifier, Streamer, export_onnx

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(12, 9, 2)).astype(np.float32), np.arange(12) % 2
    clf = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, cell="gru", bidirectional=False,
                             frontend=None, normalise=None).fit(X, y)
    with pytest.raises(ValueError, match=r"stream id nan is NaN"):
        Streamer(clf).step(("sensor", float("nan")), X[0, 0])
    export_onnx(clf, tmp_path / "e")
    with pytest.raises(ValueError, match=r"is not an rnnkit model directory: it is an ONNX export \(export.json"):
        rnnkit.load(tmp_path / "e")
