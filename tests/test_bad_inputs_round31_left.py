"""The thirty-first round's leftovers: an atomic rewrite keeps the replaced file's permissions (L31-01); the server
stops reading a chunked body at its size limit (L31-02); a Streamer refuses a value beyond float32 once standardised
without numpy's cast warning, and refuses it where the network's output came out finite too (L31-03); pad_collate
warns of labels one step shorter than their inputs, read as per-sequence vectors (L31-04)."""

import asyncio
import json
import os
import warnings

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.data import atomic_write, pad_collate, write_json
from rnnkit.data.memmap import write_directory_atomically

QUICK = dict(hidden_size=4, max_epochs=1, random_state=0, bidirectional=False, frontend=None, normalise=None,
             crop=None)


def mode(p):
    return p.stat().st_mode & 0o777


def test_L31_01_a_rewritten_file_or_directory_keeps_its_permissions(tmp_path):
    # before: every rewrite got 0o666 (0o777) less the umask, so a file made private with chmod 600 became 0o644
    old = os.umask(0o022)
    try:
        private, metrics = tmp_path / "predictions.csv", tmp_path / "metrics.json"
        private.write_text("old")
        metrics.write_text("{}")
        private.chmod(0o600)
        metrics.chmod(0o640)
        with atomic_write(private) as f:
            f.write("new")
        write_json(metrics, {"accuracy": 1.0})
        with atomic_write(tmp_path / "new.csv") as f:  # a new file: as open() makes it
            f.write("x")
        model = tmp_path / "model"
        write_directory_atomically(model, {"a": b"1"}, replaceable=lambda p: True, what="a test")
        model.chmod(0o700)
        (model / "a").chmod(0o600)
        write_directory_atomically(model, {"a": b"2", "b": b"3"}, replaceable=lambda p: True, what="a test")
    finally:
        os.umask(old)
    assert private.read_text() == "new" and json.loads(metrics.read_text()) == {"accuracy": 1.0}
    assert (mode(private), mode(metrics), mode(tmp_path / "new.csv")) == (0o600, 0o640, 0o644)
    assert (model / "a").read_bytes() == b"2"
    assert (mode(model), mode(model / "a"), mode(model / "b")) == (0o700, 0o600, 0o644)


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 8, 2)) * 0.01
    y = np.array(["a", "b"] * 8)
    return rnnkit.SequenceClassifier(**QUICK).fit(X, y), X


def test_L31_02_a_chunked_body_is_read_only_up_to_the_size_limit(fitted):
    # before: request.body() read the whole chunked body (no Content-Length) into memory before the 413
    pytest.importorskip("fastapi")
    from rnnkit.deploy.server import Limits, create_app

    est, X = fitted
    app = create_app(est, limits=Limits(max_body_bytes=2**20), batching=False)
    chunk, sent, answer = b" " * 2**16, [0], []

    async def receive():  # a client that would stream 64 MiB: 1024 chunks of 64 KiB
        sent[0] += 1
        return {"type": "http.request", "body": chunk, "more_body": sent[0] < 1024}

    async def send(message):
        answer.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": "/predict", "raw_path": b"/predict", "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json"), (b"transfer-encoding", b"chunked")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000)}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), 60))
    assert answer[0]["status"] == 413
    detail = json.loads(b"".join(m.get("body", b"") for m in answer[1:]))["detail"]
    assert detail.startswith("request body of more than 1048576 bytes exceeds the limit of 1048576 bytes (Limits."
                             "max_body_bytes, which create_app(estimator, limits=Limits(max_body_bytes=...)), "
                             "serve(model_dir, limits=...) or rnnkit serve --max-body-bytes sets); "
                             "send fewer sequences per request")
    assert sent[0] <= 2**20 // len(chunk) + 1  # stopped at the limit, not at the body's end

    with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    body = json.dumps({"sequences": [X[0].tolist()]}).encode()
    with TestClient(create_app(est)) as client:  # a chunked body within the limit is answered
        r = client.post("/predict", content=iter([body[:10], body[10:]]))
    assert r.status_code == 200 and r.json()["predictions"] == list(est.predict(X[:1]))


def test_L31_03_a_value_beyond_float32_once_standardised_is_refused_without_numpys_warning(fitted):
    # before: time-aware, numpy's "RuntimeWarning: overflow encountered in cast" came before the refusal; without
    # times, the step was answered (the network read infinity, its output finite) with only that warning
    est, X = fitted
    rng = np.random.default_rng(1)
    times = np.cumsum(rng.uniform(0.5, 3.0, size=X.shape[:2]), axis=1)
    aware = rnnkit.SequenceClassifier(time_aware=True, **QUICK).fit(X, np.array(["a", "b"] * 8), times=times)
    big = np.array([3e38, 0.0])
    for streamer, time in ((rnnkit.Streamer(est), None), (rnnkit.Streamer(aware), times[0])):
        streamer.step("s", X[0, 0], time=None if time is None else time[0])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=r"^Streamer: the (output|observation) of stream 's' .*feature 0 "
                                                 r"holds 3e\+38, .* check the feature's units"):
                streamer.step("s", big, time=None if time is None else time[1])
            with pytest.raises(ValueError, match="^Streamer: the .* of stream 't' "):
                streamer.step_many({"u": X[2, 0], "t": big}, times=None if time is None else {"u": 1.0, "t": 1.0})
        # the refused step kept the stream as it was: the next one is the sequence's second step
        out = streamer.step("s", X[0, 1], time=None if time is None else time[1])
        model = aware if time is not None else est
        kwargs = {} if time is None else {"times": times[:1, :2]}
        np.testing.assert_allclose(out.probabilities, model.predict_proba(X[:1, :2], **kwargs)[0], atol=1e-5)


def test_L31_04_labels_one_step_shorter_than_their_inputs_are_warned_of():
    # before: y = w[1:] beside x = w (windows of one length) was read as per-sequence vectors without a word
    windows = [torch.arange(6.0) + i for i in range(3)]
    with pytest.warns(UserWarning, match=r"^pad_collate: every label is one step shorter than its input \(\(5,\) "
                                         r"for 6 steps in item 0\).*x = w\[:-1\] and y = w\[1:\].*labels='sequence'"):
        batch = pad_collate([(w, w[1:]) for w in windows])
    assert batch.y.shape == (3, 5)  # the documented reading is kept
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pad_collate([(w, w[1:]) for w in windows], labels="sequence").y.shape == (3, 5)
        assert pad_collate([(w[:-1], w[1:]) for w in windows]).y.shape == (3, 5)  # aligned: per-step
        assert pad_collate([(w[:2], w[:1]) for w in windows]).y.shape == (3, 1)  # one label of a 2-step input


def test_L31_05_a_request_whose_value_is_beyond_float32_once_standardised_is_a_422(fitted):
    # before: 200 with an answer computed from infinity (the network's output came out finite), without a word
    pytest.importorskip("fastapi")
    from rnnkit.deploy.server import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    est, X = fitted
    Z = X[:2, :3].copy()
    Z[1, 2, 0] = 3e38  # a reading in other units than at fit: 3e40 standard deviations
    with TestClient(create_app(est)) as client:
        r = client.post("/predict", json={"sequences": Z.tolist()})
        ok = client.post("/predict", json={"sequences": Z[:1].tolist()})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("sequence 1: a value is beyond float32's range once standardised (the "
                                         "network would read infinity): step 2 holds 3e+38 in feature 0, ")
    assert ok.status_code == 200 and ok.json()["predictions"] == list(est.predict(Z[:1]))
