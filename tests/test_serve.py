"""The model server: answers equal predict, bad requests are one-line 4xx, batching gathers, loopback only."""

import asyncio
import json
import threading
import warnings

import httpx  # the deploy extra, installed by the test command: missing, the tests fail loudly
import numpy as np
import pytest

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger  # noqa: E402
from rnnkit.deploy.server import Batcher, Limits, create_app, predict_sequences, steps_by_features  # noqa: E402

FAST = dict(hidden_size=8, max_epochs=2, random_state=0, device="cpu")


def _data(seed=0, n=30):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(rng.integers(2, 9), 3)) for _ in range(n)]


@pytest.fixture(scope="module")
def classifier():
    X = _data()
    return SequenceClassifier(**FAST).fit(X, [["b", "a", "c"][int(x[:, 0].sum() > 0) + (len(x) > 5)] for x in X])


@pytest.fixture(scope="module")
def client(classifier):
    with TestClient(create_app(classifier, limits=Limits(max_body_bytes=20_000, max_sequences=8,
                                                          max_steps=50))) as c:
        yield c


def test_predict_equals_the_estimator(client, classifier):
    X = _data(5, n=4)
    r = client.post("/predict", json={"sequences": [x.tolist() for x in X]})
    assert r.status_code == 200
    body = r.json()
    assert body["predictions"] == classifier.predict(X).tolist()
    np.testing.assert_allclose(body["probabilities"], classifier.predict_proba(X), atol=1e-6)


def test_one_step_sequences_are_steps_not_channels(client, classifier):
    X = [np.array([[0.5, -1.0, 2.0]]), np.array([[1.5, 0.0, -2.0]])]  # T = 1 < F = 3: no orientation guess
    body = client.post("/predict", json={"sequences": [x.tolist() for x in X]}).json()
    steps = steps_by_features(classifier)
    assert body["predictions"] == steps.predict(X).tolist()
    np.testing.assert_allclose(body["probabilities"], steps.predict_proba(X), atol=1e-6)


def test_a_model_with_feature_names_answers_in_its_order_without_warnings():
    import pandas as pd

    X = _data(2)
    frames = [pd.DataFrame(x, columns=["temp", "load", "speed"]) for x in X]
    model = SequenceClassifier(**FAST).fit(frames, [int(x[:, 0].sum() > 0) for x in X])
    probe = _data(7, n=3)
    with TestClient(create_app(model)) as c, warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning per request would flood the server's log
        body = c.post("/predict", json={"sequences": [x.tolist() for x in probe]}).json()
    want = model.predict_proba([pd.DataFrame(x, columns=["temp", "load", "speed"]) for x in probe])
    np.testing.assert_allclose(body["probabilities"], want, atol=1e-6)


def test_health_and_model(client):
    assert client.get("/health").json() == {"status": "ok"}
    info = client.get("/model").json()
    assert info["estimator"] == "SequenceClassifier" and info["n_features"] == 3
    assert info["classes"] == ["a", "b", "c"] and info["rnnkit_version"]


def test_tagger_and_regressor_answers():
    X = _data(1)
    tagger = SequenceTagger(**FAST).fit(X, [np.where(x[:, 1] > 0, 1, 0) for x in X])
    regressor = SequenceRegressor(**FAST).fit(X, np.array([[x[:, 0].sum(), len(x)] for x in X]))
    probe = _data(6, n=3)
    with TestClient(create_app(tagger)) as c:
        body = c.post("/predict", json={"sequences": [x.tolist() for x in probe]}).json()
    assert body["predictions"] == [p.tolist() for p in tagger.predict(probe)]
    for got, want in zip(body["probabilities"], tagger.predict_proba(probe), strict=True):
        np.testing.assert_allclose(got, want, atol=1e-6)
    with TestClient(create_app(regressor)) as c:
        body = c.post("/predict", json={"sequences": [x.tolist() for x in probe]}).json()
    assert "probabilities" not in body
    np.testing.assert_allclose(body["predictions"], regressor.predict(probe), rtol=1e-6)


BAD = [
    (b"{not json", 400, "not JSON"),
    (b'{"sequence": []}', 400, '{"sequences"'),
    (b"[1, 2]", 400, '{"sequences"'),
    (b'{"sequences": []}', 422, "non-empty list"),
    (b'{"sequences": [[]]}', 422, "sequence 0 is empty"),
    (b'{"sequences": [[[1, 2, 3]], [[1, 2]]]}', 422, "sequence 1, step 0 has 2 features; the model reads 3"),
    (b'{"sequences": [[[1, NaN, 3]]]}', 422, "feature 1 holds nan; a NaN is a missing value"),
    (b'{"sequences": [[[1, Infinity, 3]]]}', 422, "feature 1 holds inf; an infinity is no reading"),
    (b'{"sequences": [[[1, 1e39, 3]]]}', 422, "beyond float32"),
    (b'{"sequences": [[[1, 1' + b"0" * 400 + b', 3]]]}', 422, "feature 1 holds a number of 401 digits"),
    (b'{"sequences": [[[1, "2", 3]]]}', 400, 'holds "2"; features must be numbers'),
    (b'{"sequences": [[[1, {"a": true}, 3]]]}', 400, 'holds {"a": true}; features must be numbers'),
    (b'{"sequences": [[1, 2, 3]]}', 400, "step 0 must be a list of 3 numbers"),
    (b'{"sequences": ' + json.dumps([[[0, 0, 0]]] * 9).encode() + b"}", 413, "9 sequences exceed"),
    (b'{"sequences": ' + json.dumps([[[0, 0, 0]] * 51]).encode() + b"}", 413, "51 steps"),
    (b'{"sequences": [[[' + b"1," * 12_000 + b"1]]]}", 413, "exceeds the limit of 20000 bytes"),
    (b"[" * 100_000 + b"]" * 100_000, 413, "exceeds the limit"),
    (b'{"sequences": ' + b"[" * 5000 + b"]" * 5000 + b"}", 400, "nested too deeply"),
]


@pytest.mark.parametrize("body, status, reason", BAD, ids=[r for _, _, r in BAD])
def test_bad_requests_get_a_one_line_4xx(client, body, status, reason):
    r = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert reason in detail and "\n" not in detail


def test_dynamic_batching_gathers_concurrent_requests(classifier):
    requests = [_data(10 + i, n=1 + i % 3) for i in range(12)]

    async def run(batcher):
        await batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(r) for r in requests))
        finally:
            await batcher.stop()

    served = steps_by_features(classifier)
    sizes = []

    def predict(seqs):
        sizes.append(len(seqs))
        return predict_sequences(served, seqs)

    batched = Batcher(predict, max_batch=64, max_wait_ms=2000)
    answers = asyncio.run(run(batched))
    assert batched.batches == 1 and sizes == [sum(map(len, requests))]  # all twelve were waiting together
    alone = Batcher(predict, batching=False)
    sizes.clear()
    assert _same(asyncio.run(run(alone)), answers) and sizes == [len(r) for r in requests]
    small = Batcher(predict, max_batch=4, max_wait_ms=2000)
    sizes.clear()
    assert _same(asyncio.run(run(small)), answers) and len(sizes) > 1 and max(sizes) <= 4
    for request, answer in zip(requests, answers, strict=True):  # each request gets its own answers
        assert [a["prediction"] for a in answer] == served.predict(request).tolist()
        np.testing.assert_allclose([a["probabilities"] for a in answer], served.predict_proba(request),
                                   atol=1e-6)


def _same(answers, expected) -> bool:
    """Equal predictions; probabilities equal to float rounding (padding in a batch may change the last bit)."""
    for got, want in zip(answers, expected, strict=True):
        assert [a["prediction"] for a in got] == [a["prediction"] for a in want]
        np.testing.assert_allclose([a["probabilities"] for a in got], [a["probabilities"] for a in want],
                                   atol=1e-6)
    return True


def test_a_real_server_on_loopback(classifier):
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(create_app(classifier), host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            threading.Event().wait(0.05)
        assert server.started
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        assert host == "127.0.0.1"
        X = _data(3, n=2)
        r = httpx.post(f"http://127.0.0.1:{port}/predict", json={"sequences": [x.tolist() for x in X]}, timeout=30)
        assert r.json()["predictions"] == classifier.predict(X).tolist()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_serve_binds_to_loopback_by_default():
    import inspect

    from rnnkit.cli import build_parser
    from rnnkit.deploy.server import serve

    assert build_parser().parse_args(["serve", "model"]).host == "127.0.0.1"
    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_serve_refuses_a_model_it_cannot_serve(classifier):
    from rnnkit.models import SequenceToLabel

    with pytest.raises(ValueError, match="expected a fitted SequenceClassifier"):
        create_app(SequenceToLabel(2, 3, 2))
    with pytest.raises(ValueError, match="not fitted"):
        create_app(SequenceClassifier())
    with pytest.raises(ValueError, match="max_batch and threads must be >= 1"):
        create_app(classifier, threads=0)
