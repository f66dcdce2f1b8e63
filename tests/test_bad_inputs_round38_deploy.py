"""Thirty-eighth round of the bad-input hunt, deploy: a Streamer copied or pickled, a server of a model converted to
another dtype, bodies keyed as other servers key them, feature names that differ, a batch's step to one stream."""
import copy
import pickle
import re

import numpy as np
import pandas as pd
import pytest
from helpers import deploy_classifier, deploy_data, one_line

import rnnkit

pytest.importorskip("fastapi")
pytest.importorskip("onnxruntime")
from fastapi.testclient import TestClient  # noqa: E402

from rnnkit.deploy.server import create_app  # noqa: E402
from rnnkit.deploy.streaming import Streamer  # noqa: E402


@pytest.fixture(scope="module")
def plain():
    X, y = deploy_data()
    return deploy_classifier(X, y), X


@pytest.fixture(scope="module")
def named():
    X, y = deploy_data()
    frames = [pd.DataFrame(x, columns=["temp", "humidity", "wind"]) for x in X]
    return deploy_classifier(frames, y), X


@pytest.fixture(scope="module")
def exported(plain, tmp_path_factory):
    directory = tmp_path_factory.mktemp("s38") / "e"
    rnnkit.export_onnx(plain[0], directory, verbose=False)
    return directory


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy])
def test_S38_01_a_copied_streamer_steps_streams_of_its_own(plain, exported, backend, how):
    clf, X = plain
    original = Streamer(clf if backend == "torch" else exported)
    for x_t in X[0]:
        original.step("a", x_t)
    twin = how(original)
    # before: copy.copy shared the streams, so the twin's step advanced the original's stream (deepcopy: TypeError
    # "cannot pickle '_thread.lock' object", or onnxruntime's InferenceSession)
    forked = [twin.step("a", x_t).probabilities for x_t in X[1][:3]]
    kept = [original.step("a", x_t).probabilities for x_t in X[1][:3]]
    np.testing.assert_array_equal(forked, kept)  # both went on from where the original stood
    reference = Streamer(clf)
    for x_t in np.concatenate([X[0], X[1][:3]]):
        expected = reference.step("a", x_t).probabilities
    np.testing.assert_allclose(kept[-1], expected, atol=1e-6)
    twin.step("b", X[2][0])
    assert original.streams == ["a"] and twin.streams == ["a", "b"]
    twin.reset()
    assert original.streams == ["a"]


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_S38_01_a_streamer_is_not_pickled_with_a_reason(plain, exported, backend):
    stream = Streamer(plain[0] if backend == "torch" else exported)
    held = "an onnxruntime session" if backend == "onnxruntime" else "a torch step graph"
    with pytest.raises(TypeError, match=rf"^Streamer: a Streamer is not pickled: it holds {held} and a lock; "
                                        r"copy\.deepcopy\(streamer\) copies it with its streams within a process"):
        pickle.dumps(stream)


@pytest.mark.parametrize("dtype", ["double", "half"])
def test_S38_02_a_model_converted_to_another_dtype_is_refused_before_it_is_served(dtype):
    X, y = deploy_data()
    clf = deploy_classifier(X, y)
    getattr(clf.model_, dtype)()
    word = {"double": "float64", "half": "float16"}[dtype]
    # before: the app was made, and every POST /predict answered 500 (predict refuses the converted network)
    with pytest.raises(ValueError, match=rf"^serve: the estimator cannot predict one step of zeros \(SequenceToLabel: "
                                         rf"x is torch\.float32 but .* parameters are torch\.{word}; .*\), so every "
                                         rf"request would answer 500; its network's parameters are {word}, and a "
                                         rf"request's steps are float32: convert them back with "
                                         rf"estimator\.model_\.float\(\)$"):
        create_app(clf)
    clf.model_.float()
    with TestClient(create_app(clf)) as client:
        answer = client.post("/predict", json={"sequences": [X[0].tolist()]})
    assert answer.status_code == 200
    np.testing.assert_allclose(answer.json()["probabilities"], clf.predict_proba(X[:1]), atol=1e-6)


def test_S38_02_models_fitted_with_sample_times_are_still_served():
    X, y = deploy_data()
    for times in ([np.arange(len(x)) * 2.0 for x in X],
                  [pd.date_range("2024-03-01", periods=len(x), freq="h", tz="UTC") for x in X]):
        assert create_app(deploy_classifier(X, y, times, time_aware=True)) is not None


@pytest.mark.parametrize("key", ["instances", "inputs", "data"])
def test_S38_03_a_body_keyed_as_another_server_reads_it_names_the_rename(plain, key):
    clf, X = plain
    with TestClient(create_app(clf)) as client:
        sequences = [x.tolist() for x in X[:2]]
        answer = client.post("/predict", json={key: sequences})
        # before: 400 'request body has no key "sequences" (it has ['instances']); send ...', no way on
        assert answer.status_code == 400
        assert answer.json()["detail"] == (
            f'request body has no key "sequences" (it has [{key!r}]; if {key!r} holds the sequences (another '
            f'server\'s name for the inputs), rename it to "sequences"); send {{"sequences": [[[f1, f2, ...], ...], '
            f'...]}}: sequences of steps of features')
        bare = client.post("/predict", json=sequences)
        assert bare.status_code == 400 and bare.json()["detail"].endswith(
            'got a JSON array; send it as {"sequences": <the array>}')
        renamed = client.post("/predict", json={"sequences": sequences})
    np.testing.assert_allclose(renamed.json()["probabilities"], clf.predict_proba(X[:2]), atol=1e-6)


def test_S38_03_other_keys_get_no_rename(plain):
    clf, X = plain
    with TestClient(create_app(clf)) as client:
        two = client.post("/predict", json={"instances": [X[0].tolist()], "id": 3}).json()["detail"]
        framed = client.post("/predict", json={"dataframe_split": {"data": X[0].tolist()}}).json()["detail"]
    assert "rename" not in two and "rename" not in framed


def test_S38_04_feature_names_that_differ_say_only_what_differs(named):
    clf, X = named
    stream = Streamer(clf)
    with pytest.raises(ValueError) as error:
        stream.step("s", {"temp": 0.1, "humidity": 0.2, "wind": 0.3, "id": 7})
    # before: "... missing [], unexpected ['id']; leave out ['id'] ..."
    assert one_line(error) == ("Streamer: the observation of stream 's' has feature names that differ from those "
                               "seen at fit ['temp', 'humidity', 'wind']: unexpected ['id']; leave out ['id'] (e.g. "
                               "{k: x_t[k] for k in ['temp', 'humidity', 'wind']})")
    with pytest.raises(ValueError) as error:
        stream.step("s", {"temp": 0.1, "humid": 0.2, "wind": 0.3})
    assert one_line(error).endswith(": missing ['humidity'], unexpected ['humid'] ('humid' for 'humidity'?)")
    with TestClient(create_app(clf)) as client:
        extra = client.post("/predict", json={"sequences": [[{"temp": 0.1, "humidity": 0.2, "wind": 0.3, "id": 7}]]})
        short = client.post("/predict", json={"sequences": [[{"temp": 0.1, "humid": 0.2, "wind": 0.3}]]})
    assert extra.status_code == 422 and extra.json()["detail"] == (
        "sequence 0, step 0 names features that differ from the model's ['temp', 'humidity', 'wind'] (GET /model): "
        "unexpected ['id']; leave out ['id']")
    assert short.status_code == 422 and short.json()["detail"].endswith(
        "(GET /model): missing ['humidity'], unexpected ['humid'] ('humid' for 'humidity'?)")


def test_S38_04_a_pandas_row_whose_names_differ_says_only_what_differs(named):
    clf, X = named
    stream = Streamer(clf)
    row = pd.Series(X[0][0], index=["temp", "humidity", "wind"])
    with pytest.raises(ValueError) as error:
        stream.step("s", pd.concat([row, pd.Series({"id": 7.0})]))
    # before: "... missing [], unexpected ['id']; drop the index ...", check_feature_names' own wording
    assert one_line(error) == ("Streamer: the observation of stream 's' has feature names that differ from those "
                               "seen at fit ['temp', 'humidity', 'wind']: unexpected ['id']; drop the index the model "
                               "was not fitted on (x_t.drop(index=['id']))")
    with pytest.raises(ValueError) as error:
        stream.step("s", row.rename({"humidity": "humid"}))
    assert one_line(error) == ("Streamer: the observation of stream 's' has feature names that differ from those "
                               "seen at fit ['temp', 'humidity', 'wind']: missing ['humidity'], unexpected ['humid'] "
                               "('humid' for 'humidity'?); drop the index the model was not fitted on "
                               "(x_t.drop(index=['humid'])) and give the observation of stream 's' the index "
                               "['humidity'] it was fitted with")
    assert stream.streams == []


def test_S38_05_a_batch_of_observations_to_one_stream_names_step_many(plain):
    clf, X = plain
    stream = Streamer(clf)
    batch = np.stack([x[0] for x in X[:2]])  # (2, 3): step 0 of two sequences, X[:, 0] of a padded batch
    with pytest.raises(ValueError) as error:
        stream.step("s", batch)
    # before: only "2 steps? ... feed a sequence one step at a time"
    assert one_line(error).endswith("; or 2 streams' observations at one time? "
                                    "step_many(dict(zip(stream_ids, x_t))) steps them in one call")
    together = stream.step_many(dict(zip(["a", "b"], batch, strict=True)))
    for k, i in enumerate("ab"):
        alone = Streamer(clf).step(i, batch[k])
        np.testing.assert_allclose(together[i].probabilities, alone.probabilities, atol=1e-6)
    with pytest.raises(ValueError) as error:
        stream.step("s", X[0][:4].reshape(3, 4))  # (3, 4): not (B, F)
    assert "step_many" not in one_line(error)


PREFLIGHT = {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "content-type"}


def test_S38_06_a_browsers_preflight_names_cors_and_the_origin_to_allow(plain):
    clf, X = plain
    with TestClient(create_app(clf)) as client:
        refused = client.options("/predict", headers=PREFLIGHT)
    # before: 405 "OPTIONS /predict is a method the route does not take (it takes GET, POST)": the page's script had
    # sent a POST, and the browser said only that CORS failed
    assert refused.status_code == 405 and refused.json()["detail"] == (
        "OPTIONS /predict is a browser's CORS preflight for a POST from a page of http://localhost:3000, which this "
        "server was not told to answer, so the browser refuses the page's call; allow the origin (rnnkit serve "
        "--cors-origin http://localhost:3000, or create_app(estimator, cors_origins=['http://localhost:3000'])), or "
        "serve the page from this server's origin")
    with TestClient(create_app(clf, cors_origins=["http://localhost:3000"])) as client:
        allowed = client.options("/predict", headers=PREFLIGHT)
        answer = client.post("/predict", json={"sequences": [X[0].tolist()]},
                             headers={"Origin": "http://localhost:3000"})
        other = client.options("/predict", headers=PREFLIGHT | {"Origin": "http://elsewhere.example"})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == "http://localhost:3000"
    np.testing.assert_allclose(answer.json()["probabilities"], clf.predict_proba(X[:1]), atol=1e-6)
    assert "access-control-allow-origin" not in other.headers


def test_S38_06_a_preflight_from_an_origin_not_allowed_gets_a_json_detail(plain):
    with TestClient(create_app(plain[0], cors_origins=["http://localhost:3000"])) as client:
        other = client.options("/predict", headers=PREFLIGHT | {"Origin": "http://elsewhere.example"})
        both = client.options("/predict", headers=PREFLIGHT | {"Access-Control-Request-Method": "PUT",
                                                               "Access-Control-Request-Headers": "x-api-key"})
    # before: 400 in plain text, "Disallowed CORS origin", where every other answer is a JSON detail
    assert other.status_code == 400 and other.headers["content-type"] == "application/json"
    assert "access-control-allow-origin" not in other.headers and "Origin" in other.headers["vary"]
    assert other.json() == {"detail": "a browser's CORS preflight for a POST from a page of http://elsewhere.example "
                                      "is refused: its origin 'http://elsewhere.example' is not allowed (this server "
                                      "allows ['http://localhost:3000']); start the server with --cors-origin "
                                      "http://elsewhere.example (or create_app(estimator, cors_origins=[...]) with "
                                      "'http://elsewhere.example' added), or serve the page from this server's origin"}
    assert both.status_code == 400 and both.json() == {
        "detail": "a browser's CORS preflight for a PUT from a page of http://localhost:3000 is refused: its method "
                  "PUT is not allowed (it allows GET, HEAD, POST); its headers 'x-api-key' are not all allowed (it "
                  "allows accept, accept-language, content-language, content-type)"}


@pytest.mark.parametrize(("origin", "fix"), [("http://localhost:3000/", "http://localhost:3000"),
                                             ("localhost:3000", "http://localhost:3000"),
                                             ("https://app.example/predict", "https://app.example")])
def test_S38_06_an_origin_no_browser_sends_is_refused(plain, origin, fix):
    with pytest.raises(ValueError, match=rf"^serve: the CORS origin '{origin}' is no origin: a browser sends a page's "
                                         rf"origin as scheme://host\[:port\] and nothing after, so it would match no "
                                         rf"request; give '{fix}'$"):
        create_app(plain[0], cors_origins=[origin])


def test_S38_06_rnnkit_serve_takes_cors_origins(plain, tmp_path, monkeypatch):
    import uvicorn

    from rnnkit.cli import main

    plain[0].save(tmp_path / "m")
    apps = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: apps.append(app))
    assert main(["serve", str(tmp_path / "m"), "--port", "0", "--cors-origin", "http://localhost:3000",
                 "--cors-origin", "http://localhost:8080"]) == 0
    with TestClient(apps[0]) as client:
        for origin in ("http://localhost:3000", "http://localhost:8080"):
            allowed = client.options("/predict", headers=PREFLIGHT | {"Origin": origin})
            assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize("kind", ["npy", "npz", "pickle"])
def test_S38_07_an_array_file_sent_as_the_body_is_named(plain, kind):
    import io

    clf, X = plain
    buffer = io.BytesIO()
    if kind == "npy":
        np.save(buffer, X[0])
    elif kind == "npz":
        np.savez(buffer, x=X[0])
    else:
        pickle.dump(X[0], buffer)
    what = {"npy": r"a NumPy \.npy array \(np\.save\)", "npz": r"a zip archive \(np\.savez writes one\)",
            "pickle": r"a Python pickle \(pickle\.dumps\), which a server must not read: unpickling runs code"}[kind]
    with TestClient(create_app(clf)) as client:
        for headers in ({}, {"Content-Type": "application/octet-stream"}):
            answer = client.post("/predict", content=buffer.getvalue(), headers=headers)
            # before: "request body is not JSON ('utf-8' codec can't decode byte 0x93 in position 0: invalid start
            # byte)", with a Content-Type only its name
            assert answer.status_code == 400
            assert re.fullmatch(rf"request body is not JSON \(.*\): it is {what}; send the arrays as JSON numbers, "
                                r'\{"sequences": \[x\.tolist\(\) for x in X\]\} \(requests\.post\(url, '
                                r"json=payload\)\)", answer.json()["detail"])


def test_S38_08_an_export_path_that_is_a_fifo_or_a_device_is_named_as_it_is(plain, tmp_path):
    import os

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    lone = tmp_path / "model.bin"
    lone.write_bytes(b"\0")
    for path, kind in ((fifo, r"a FIFO \(a named pipe\)"), ("/dev/null", "a device"), (lone, "a file")):
        # before: "... exists and is not an rnnkit ONNX export directory; refusing to overwrite it", and "... is not an
        # rnnkit ONNX export directory (no export.json of format 'rnnkit.onnx')" to the Streamer
        with pytest.raises(ValueError, match=rf"^{path} is {kind}, not a directory; an export is a directory of its "
                                             r"own \(sequence\.onnx, step\.onnx, export\.json\): choose a new "
                                             r"directory \(rnnkit export --out\)$"):
            rnnkit.export_onnx(plain[0], path, verbose=False)
        with pytest.raises(ValueError, match=rf"^{path} is {kind}, not an rnnkit ONNX export directory; give the "
                                             r"directory export_onnx or `rnnkit export` wrote"):
            Streamer(path)
    assert fifo.is_fifo() and lone.read_bytes() == b"\0"
