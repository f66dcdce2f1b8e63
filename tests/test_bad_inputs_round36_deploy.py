"""Thirty-sixth round of the bad-input hunt, deploy: two threads stepping one stream at once, an export whose graph
was replaced after export, dates sent out of order to the server, ..."""
import json
import shutil
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import TINY_DEPLOY, deploy_data

import rnnkit
from rnnkit.deploy import read_export
from rnnkit.deploy.streaming import Streamer

pytest.importorskip("fastapi")
pytest.importorskip("onnxruntime")
from fastapi.testclient import TestClient  # noqa: E402

from rnnkit.deploy.server import create_app  # noqa: E402

TINY = TINY_DEPLOY
data = deploy_data


def _named_classifier():
    """A tiny classifier fitted on frames with named columns (temp, hum, wind)."""
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return rnnkit.SequenceClassifier(**TINY).fit([pd.DataFrame(x, columns=["temp", "hum", "wind"]) for x in X], y)


def fitted(seed=2, **options):
    X, y = data(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return rnnkit.SequenceClassifier(**TINY, **options).fit(X, y), X


@pytest.fixture(scope="module")
def plain():
    return fitted()


@pytest.fixture(scope="module")
def exported(plain, tmp_path_factory):
    directory = tmp_path_factory.mktemp("s36") / "export"
    rnnkit.export_onnx(plain[0], directory, verbose=False)
    return directory


# -- S36-01: two threads stepping one stream at once (two clients of one id, a web server's worker threads) ---------
@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_S36_01_steps_of_one_stream_from_two_threads_are_each_applied(plain, exported, backend):
    # before: both threads read the stream's old state and one step was lost without a word (the state after 1 + 6
    # steps equalled that after 2 or so); the delays only widen the window that a busy server's threads meet
    clf, X = plain
    source = clf if backend == "torch" else exported
    x = X[0][0]
    reference = Streamer(source)
    for _ in range(7):
        want = reference.step("a", x)
    streamer = Streamer(source)
    streamer.step("a", x)
    decode, run = streamer._decode, streamer._run

    def slow_decode(*args):
        time.sleep(0.02)
        return decode(*args)

    def slow_run(*args):
        out = run(*args)
        time.sleep(0.02)
        return out
    streamer._decode, streamer._run = slow_decode, slow_run
    threads = [threading.Thread(target=streamer.step, args=("a", x)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    streamer._decode, streamer._run = decode, run
    np.testing.assert_allclose(streamer._streams["a"].state, reference._streams["a"].state, atol=1e-6)
    np.testing.assert_allclose(streamer.step("a", x).probabilities, reference.step("a", x).probabilities, atol=1e-6)
    assert want is not None


# -- S36-02: an export whose graph file was replaced after export (another export's step.onnx copied in) ------------
def test_S36_02_a_graph_file_that_is_not_the_exports_own_is_refused(plain, exported, tmp_path):
    # before: Streamer(export) ran the other model's step.onnx with this export's standardisation and labels, without a
    # word (read_export said nothing either)
    other, _ = fitted(seed=5)
    rnnkit.export_onnx(other, tmp_path / "other", verbose=False)
    mixed = tmp_path / "mixed"
    shutil.copytree(exported, mixed)
    shutil.copy(tmp_path / "other" / "step.onnx", mixed / "step.onnx")
    with pytest.raises(ValueError, match=r"step\.onnx is not the graph this export wrote: its sha256 .* differs from "
                                         r"the one export\.json records .* copy an export directory whole"):
        Streamer(mixed)
    with pytest.raises(ValueError, match=r"step\.onnx is not the graph this export wrote"):
        read_export(mixed)
    shutil.copy(tmp_path / "other" / "sequence.onnx", mixed / "sequence.onnx")
    shutil.copy(exported / "step.onnx", mixed / "step.onnx")
    with pytest.raises(ValueError, match=r"sequence\.onnx is not the graph this export wrote"):
        read_export(mixed)
    info = read_export(exported)  # the export itself reads, and streams as predict
    assert len(info["step"]["sha256"]) == 64 and len(info["sequence"]["sha256"]) == 64
    clf, X = plain
    streamer = Streamer(exported)
    for row in X[1]:
        out = streamer.step("s", row)
    np.testing.assert_allclose(out.probabilities, clf.predict_proba([X[1]])[0], atol=1e-5)


# -- S36-03: dates sent to the server out of order, or with offsets that put them out of order in UTC ---------------
def test_S36_03_dates_out_of_order_are_named_in_the_requests_own_text():
    # before: 422 "times of sequence 0: times must be strictly increasing, but step 1 has Timestamp('2024-03-01
    # 02:30:00+0000', tz='UTC') and step 2 has Timestamp('2024-03-01 02:00:00+0000', tz='UTC')": pandas' reprs in UTC,
    # not the text the client sent
    X, y = data()
    times = [pd.date_range("2024-03-01", periods=len(x), freq="h", tz="UTC") for x in X]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf = rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, y, times=times)
    app = TestClient(create_app(clf, batching=False))
    s = X[0][:3].tolist()
    r = app.post("/predict", json={"sequences": [s], "times": [["2024-03-01T02:00:00+01:00", "2024-03-01T02:30:00Z",
                                                                 "2024-03-01T04:00:00+02:00"]]})
    assert r.status_code == 422
    assert r.json()["detail"] == ('times of sequence 0 must be strictly increasing, but step 2 holds a time earlier '
                                  'than step 1: "2024-03-01T04:00:00+02:00" (2024-03-01 02:00:00 UTC) after '
                                  '"2024-03-01T02:30:00Z" (2024-03-01 02:30:00 UTC); send the steps sorted by time, '
                                  'and drop or merge steps given the same time')
    r = app.post("/predict", json={"sequences": [s, s], "times": [
        ["2024-03-01T00:00:00Z", "2024-03-01T01:00:00Z", "2024-03-01T02:00:00Z"],
        ["2024-03-01 10:00:00 UTC", "2024-03-01 10:00:00 UTC", "2024-03-01 11:00:00 UTC"]]})
    assert r.status_code == 422
    assert r.json()["detail"].startswith('times of sequence 1 must be strictly increasing, but step 1 holds the same '
                                         'time as step 0: "2024-03-01 10:00:00 UTC" after "2024-03-01 10:00:00 UTC"; ')
    assert "Timestamp(" not in r.json()["detail"]
    ok = app.post("/predict", json={"sequences": [s], "times": [["2024-03-01T02:00:00+01:00", "2024-03-01T02:30:00Z",
                                                                  "2024-03-01T04:00:00+01:00"]]})
    assert ok.status_code == 200


# -- S36-04: HEAD /health (an uptime monitor's or load balancer's check), HEAD /model ---------------------------------
def test_S36_04_head_is_answered_where_get_is(plain):
    # before: 405 "HEAD /health is a method the route does not take (it takes GET)": a monitor checking by HEAD, as
    # HTTP asks every GET route to answer (RFC 9110), reported the server down
    app = TestClient(create_app(plain[0]))
    for path in ("/health", "/model"):
        head, get = app.head(path), app.get(path)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"] == "application/json"
    r = app.put("/model")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"
    assert "HEAD" not in json.dumps(app.get("/openapi.json").json()["paths"]["/health"]).upper().split('"')


# -- S36-05: torch.nn.LSTM / GRU (a PyTorch user's own layer) to export_onnx or the Streamer ------------------------
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_S36_05_torch_nn_layers_are_named_with_their_conversion(kind, tmp_path):
    # before: "export_onnx: cannot export a LSTM; give ... a recurrent layer (rnnkit.LSTM, Stacked, ...)": the same
    # name refused and offered, no word of torch.nn nor of from_torch
    torch = pytest.importorskip("torch")
    layer = getattr(torch.nn, kind)(3, 4, batch_first=True)
    with pytest.raises(ValueError, match=rf"^export_onnx: cannot export torch\.nn\.{kind}, torch's own layer, .*"
                                         rf"convert it to rnnkit's, the same function: rnnkit\.{kind}\.from_torch"
                                         rf"\(module\), and give that$"):
        rnnkit.export_onnx(layer, tmp_path / "e", verbose=False)
    with pytest.raises(ValueError, match=rf"^Streamer: cannot export torch\.nn\.{kind}, .*\.from_torch\(module\)"):
        Streamer(layer)
    time_first = getattr(torch.nn, kind)(3, 4)
    with pytest.raises(ValueError, match=r"where this one reads \(T, B, F\): transpose x"):
        rnnkit.export_onnx(time_first, tmp_path / "e", verbose=False)
    converted = getattr(rnnkit, kind).from_torch(layer)  # as it says: the same function, exported
    assert rnnkit.export_onnx(converted, tmp_path / "e", verbose=False)["max_abs_error"] < 1e-4


# -- S36-06: a sequence of nulls only (nothing observed) to a time-aware model ---------------------------------------
def test_S36_06_a_sequence_with_nothing_observed_is_warned_of_in_the_answer():
    # before: 200, the fitted means' answer, with no "warnings" (predict warns; the server's batch warned in its log,
    # naming the batch's index, not the request's)
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf = rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, y)
    app = TestClient(create_app(clf, batching=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        r = app.post("/predict", json={"sequences": [X[0].tolist(), [[None, None, None]] * 3]})
        expected = clf.predict_proba([X[0], np.full((3, 3), np.nan)])
    assert r.status_code == 200
    np.testing.assert_allclose(r.json()["probabilities"], expected, atol=1e-6)
    assert r.json()["warnings"] == [
        "sequence 1 has no observed value (null or NaN in every feature at each of its 3 steps; 1 such sequence(s) in "
        "the request): the model reads them as missing, and with nothing observed answers from the fitted means alone, "
        "the same for every such sequence; if it holds no recording, leave it out of the request"]
    assert "warnings" not in app.post("/predict", json={"sequences": [X[0].tolist()]}).json()


# -- S36-07: step_many of a DataFrame of one row per stream (each device's latest reading), or of a list -------------
def test_S36_07_step_many_of_a_frame_or_a_list_names_how_to_key_it():
    # before: "Streamer.step_many: observations must be a dict {stream_id: x_t}, got DataFrame": no way from the
    # frame one has to the dict
    X, _ = data()
    clf = _named_classifier()
    latest = pd.DataFrame({"device": ["a", "b"], "temp": [0.1, 0.2], "hum": [0.3, 0.1], "wind": [1.0, 2.0]})
    streamer = Streamer(clf)
    with pytest.raises(ValueError, match=r"got DataFrame of 2 rows; a frame of one row per stream: key each row "
                                         r"by its stream id, step_many\(dict\(df\.set_index\('device'\)\.iterrows"):
        streamer.step_many(latest)
    with pytest.raises(ValueError, match=r"indexed by the ids: step_many\(dict\(df\.iterrows\(\)\)\)"):
        streamer.step_many(latest.set_index("device"))
    with pytest.raises(ValueError, match=r"got list of 2 observations; give each its stream id, "
                                         r"step_many\(dict\(zip\(stream_ids, observations\)\)\)"):
        streamer.step_many([X[0][0], X[1][0]])
    out = streamer.step_many(dict(latest.set_index("device").iterrows()))  # as it says: the names checked
    assert set(out) == {"a", "b"} and streamer.streams == ["a", "b"]
    np.testing.assert_allclose(out["b"].probabilities, clf.predict_proba([latest.iloc[[1], 1:]])[0], atol=1e-5)


# -- S36-08: an export whose opset is newer than the onnxruntime where it streams ------------------------------------
def test_S36_08_a_graph_of_a_newer_opset_than_onnxruntime_loads_names_the_upgrade(exported, tmp_path):
    # before: "Streamer: cannot load …/step.onnx (… Opset 99 is under development …); export the model again": the
    # same rnnkit writes the same opset, so exporting again changes nothing. Here the graph's opset is raised past what
    # this onnxruntime loads (and export.json says so, its digest with it), as an older onnxruntime meets today's
    onnx = pytest.importorskip("onnx")
    import hashlib
    newer = tmp_path / "newer"
    shutil.copytree(exported, newer)
    graph = onnx.load(newer / "step.onnx")
    for o in graph.opset_import:
        if o.domain == "":
            o.version = 99
    (newer / "step.onnx").write_bytes(graph.SerializeToString())
    info = json.loads((newer / "export.json").read_text())
    info["opset"], info["step"]["sha256"] = 99, hashlib.sha256((newer / "step.onnx").read_bytes()).hexdigest()
    (newer / "export.json").write_text(json.dumps(info))
    with pytest.raises(ValueError, match=r"step\.onnx: the graph is of ONNX opset 99 \(exported beside onnxruntime "
                                         r"[\d.]+\), which this onnxruntime [\d.]+ does not load \(.*\); upgrade "
                                         r"onnxruntime where the stream runs \(pip install -U onnxruntime\), or "
                                         r"export the model at an opset it loads \(rnnkit\.export_onnx\(model, "
                                         r"directory, opset=18\)\)$"):
        Streamer(newer)


# -- S36-09: one sequence whose JSON alone is over the body limit (10,000 steps of 50 features: some 10 MB) ----------
def test_S36_09_a_body_over_the_limit_names_the_limit_and_a_lone_large_sequence(plain):
    # before: 413 "request body of … bytes exceeds the limit of … bytes; send fewer sequences per request", of a
    # request of one sequence: no fewer to send, and no word of where the limit is set; 413 "… sequences exceed the
    # limit of … per request; split the request" alike
    from rnnkit.deploy.server import Limits
    clf, X = plain
    app = TestClient(create_app(clf, limits=Limits(max_body_bytes=2000, max_sequences=2)))
    one = {"sequences": [np.tile(X[0], (20, 1)).tolist()]}
    r = app.post("/predict", json=one)
    assert r.status_code == 413
    assert r.json()["detail"] == (
        f"request body of {len(r.request.content)} bytes exceeds the limit of 2000 bytes (Limits.max_body_bytes, "
        f"which create_app(estimator, limits=Limits(max_body_bytes=...)), serve(model_dir, limits=...) or rnnkit serve "
        f"--max-body-bytes sets); send fewer sequences per request, or, "
        f"for a sequence this large alone (it is read whole), send it to a server made with a larger limit")
    r = app.post("/predict", json={"sequences": [X[0][:2].tolist()] * 3})
    assert r.status_code == 413 and r.json()["detail"] == (
        "3 sequences exceed the limit of 2 per request (Limits.max_sequences, which create_app(estimator, limits="
        "Limits(max_sequences=...)), serve(model_dir, limits=...) or rnnkit serve --max-sequences sets); split the "
        "request")


# -- S36-10: torch.onnx.export's options (dynamic_axes, opset_version, input_names) given to export_onnx --------------
def test_S36_10_torch_onnx_export_options_are_answered_with_what_export_onnx_does(tmp_path):
    # before: TypeError "export_onnx() got an unexpected keyword argument 'dynamic_axes'": no word that the axes are
    # dynamic already, nor of the opset written
    layer = rnnkit.GRU(3, 4)
    refused = (r"^export_onnx\(\) takes no dynamic_axes, opset_version \(torch\.onnx\.export's options\): "
               r"dynamic_axes: the graphs' batch and time axes are dynamic already .*; opset_version: give "
               r"export_onnx's own opset= \(e\.g\. opset=18\); by default the graphs are of the opset torch's ONNX "
               r"exporter writes \(export\.json's 'opset'\).*; leave them out$")
    with pytest.raises(TypeError, match=refused):
        rnnkit.export_onnx(layer, tmp_path / "e", dynamic_axes={"x": {0: "batch"}}, opset_version=13)
    with pytest.raises(TypeError, match=r"takes no input_names .*: the inputs are named x and lengths"):
        rnnkit.export_onnx(layer, tmp_path / "e", input_names=["input"])
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'tolerence'; it takes model_or_estimator, "
                                        r"directory, tolerance, verbose and opset"):
        rnnkit.export_onnx(layer, tmp_path / "e", tolerence=1e-3)
    assert not (tmp_path / "e").exists()


# -- S36-11: a fill value beyond float32 for a missing reading (1e300, 1e39) in a request ----------------------------
def test_S36_11_a_value_beyond_float32_names_its_feature_and_the_fill_value_it_likely_is():
    # before: 422 "sequence 0, step 1 holds a number beyond float32's range": no feature, no value, no way on
    X, y = data()
    plain_named = _named_classifier()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        time_aware = rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, y)
    r = TestClient(create_app(plain_named)).post("/predict", json={"sequences": [[[0.1, 0.2, 0.3], [0.1, 1e300, 0.3]]]})
    assert r.status_code == 422 and r.json()["detail"] == (
        "sequence 0, step 1, feature 1 ('hum') holds 1e+300, a number beyond float32's range (|x| <= 3.4e38), which "
        "the network reads; a fill value for a missing reading? leave the step out, or fit with time_aware=True and "
        "send null; else rescale the feature")
    app = TestClient(create_app(time_aware))
    r = app.post("/predict", json={"sequences": [[[0.1, 0.2, 0.3]], [[0.1, 0.2, -4e38]]]})
    assert r.status_code == 422 and r.json()["detail"].startswith(
        "sequence 1, step 0, feature 2 holds -4e+38, a number beyond float32's range (|x| <= 3.4e38), which the "
        "network reads; a fill value for a missing reading? send null for it (the model reads missing values)")
    ok = app.post("/predict", json={"sequences": [[[0.1, 0.2, None]]]})  # as it says
    assert ok.status_code == 200
