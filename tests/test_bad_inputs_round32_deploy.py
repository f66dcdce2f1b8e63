"""The thirty-second round, deployment: the server driven from several event loops at once (S32-01); requests that
`predict` would warn of, answered without a word: one sequence (T, 1) sent without its list (S32-02), sequences padded
with zeros (S32-03) or nulls (S32-04) to one length; stream ids that print alike, 7 and "7" (S32-05); a body in
Latin-1 (S32-06)."""

import json
import threading

import numpy as np
import pytest

import rnnkit

pytest.importorskip("fastapi")
pytest.importorskip("onnxruntime")
from fastapi.testclient import TestClient  # noqa: E402

from rnnkit.deploy.server import create_app  # noqa: E402

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False, frontend=None, crop=None)


@pytest.fixture(scope="module")
def three():
    """A classifier of 3 features fitted on sequences of 1 to 29 steps, and its data."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(1, 30), 3)) for _ in range(40)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    return rnnkit.SequenceClassifier(**TINY).fit(X, y), X


def test_S32_01_requests_from_several_event_loops_at_once_are_all_answered(three):
    # before: TestClient(app) outside a `with` block runs each request in an event loop of its own; from several
    # threads at once, each request's start of the batcher replaced the one queue, and a worker waiting on another
    # loop's queue died ("is bound to a different event loop"): requests were never answered
    clf, X = three
    client = TestClient(create_app(clf, max_wait_ms=20))
    expected = clf.predict_proba(X)
    answers = {}

    def send(k: int) -> None:
        for j in range(5):
            i = (7 * k + j) % len(X)
            answers[k, j] = (i, client.post("/predict", json={"sequences": [X[i].tolist()]}).json())

    threads = [threading.Thread(target=send, args=(k,), daemon=True) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads) and len(answers) == 30
    for i, answer in answers.values():  # each its own sequence's answer
        np.testing.assert_allclose(answer["probabilities"][0], expected[i], atol=1e-6)


@pytest.fixture(scope="module")
def one():
    """A classifier of one feature (series of 20 steps, as an (n, T) array), and its data."""
    X = np.random.default_rng(1).normal(size=(40, 20)).cumsum(1)
    return rnnkit.SequenceClassifier(**TINY).fit(X, (X[:, -1] > 0).astype(int)), X


def test_S32_02_one_sequence_sent_as_its_t_by_1_list_is_warned_of(one):
    # before: {"sequences": x.tolist()} of one sequence (20, 1) was answered as 20 sequences of one step (20
    # predictions), without a word, where predict(x) warns of that reading
    clf, X = one
    client = TestClient(create_app(clf))
    x = X[0][:, None]  # (20, 1): X[i] of an (n, T, 1) array
    answer = client.post("/predict", json={"sequences": x.tolist()}).json()
    assert len(answer["predictions"]) == 20
    assert answer["warnings"] == [
        "the request's 20 sequences are one number each ([[v], [v], ...]), read as 20 sequences of one step; if they "
        "are one sequence of 20 steps (T, 1), as x.tolist() of such an array writes it, send it inside a list, "
        '{"sequences": [x.tolist()]} (or its values as one list, [[v1, v2, ...]])']
    whole = client.post("/predict", json={"sequences": [x.tolist()]}).json()  # as the warning says: predict's answer
    assert "warnings" not in whole
    np.testing.assert_allclose(whole["probabilities"][0], clf.predict_proba(X[:1])[0], atol=1e-6)
    # one-step sequences given as steps, and a single number, are what they say: no warning
    for sequences in ([[[0.1]], [[0.4]]], [[0.1]], [[0.1, 0.4], [0.2, 0.3]]):
        assert "warnings" not in client.post("/predict", json={"sequences": sequences}).json()


def _padded(X: list, value: float) -> np.ndarray:
    out = np.full((len(X), max(map(len, X)), X[0].shape[1]), value)
    for k, x in enumerate(X):
        out[k, : len(x)] = x
    return out


def test_S32_03_sequences_padded_with_zeros_to_one_length_are_warned_of(three):
    # before: X_padded.tolist() (np.zeros filled row by row, Keras' pad_sequences) was answered reading the zeros as
    # steps, without a word, where predict(X_padded) warns of the zero padding
    clf, X = three
    client = TestClient(create_app(clf))
    parts = [X[0][:20], X[1][:9], X[2][:14]]
    assert [len(p) for p in parts] == [20, 9, 14]
    answer = client.post("/predict", json={"sequences": _padded(parts, 0.0).tolist()}).json()
    assert answer["warnings"] == [
        "2 of the request's 3 sequences end in steps that are 0 in every feature (sequence 1: its last 11 of 20 steps; "
        "2 different counts), and no other step is: zero padding after each sequence's end? Every step sent is read, "
        "the padding too: send each sequence at its own length (sequences may differ in length); if the zeros are "
        "real, ignore this warning"]
    unpadded = client.post("/predict", json={"sequences": [p.tolist() for p in parts]}).json()
    assert "warnings" not in unpadded
    np.testing.assert_allclose(unpadded["probabilities"], clf.predict_proba(parts), atol=1e-6)


def test_S32_04_a_time_aware_models_sequences_padded_with_nulls_are_warned_of(three):
    # before: a time_aware model read null (or NaN) steps after each sequence's end as steps where nothing was
    # observed (tslearn's padding, a JavaScript client's fixed-size arrays), without a word, where predict warns
    _, X = three
    clf = rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, [int(x[:, 0].mean() > 0) for x in X])
    client = TestClient(create_app(clf))
    parts = [X[0][:20], X[1][:9], X[2][:14]]
    body = json.dumps({"sequences": _padded(parts, np.nan).tolist()})
    for sent in (body, body.replace("NaN", "null")):
        answer = client.post("/predict", content=sent).json()
        assert answer["warnings"] == [
            "2 of the request's 3 sequences end in steps that are null (or NaN) in every feature (sequence 1: its last "
            "11 of 20 steps), and no other step is, as padding to one length writes them; the model reads them as "
            "steps where nothing was observed: if they are padding, send each sequence without them (sequences may "
            "differ in length)"]
    gaps = _padded(parts, 1.0)
    gaps[0, 3, :] = np.nan  # a step missing in every feature inside a sequence: data, not padding
    gaps[1, 9:, :], gaps[2, 14:, :] = np.nan, np.nan
    answer = client.post("/predict", content=json.dumps({"sequences": gaps.tolist()})).json()
    assert "warnings" not in answer


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_S32_05_a_stream_id_that_prints_as_a_running_streams_is_refused(three, tmp_path_factory, backend):
    # before: step("7", ...) beside a running stream 7 (ids read as numbers by one source, as text by another)
    # started a second stream, each reading part of the device's steps, without a word
    clf, X = three
    source = clf
    if backend == "onnxruntime":
        source = tmp_path_factory.mktemp("export") / "e"
        rnnkit.export_onnx(clf, source, verbose=False)
    stream = rnnkit.Streamer(source)
    stream.step(7, X[0][0])
    with pytest.raises(ValueError) as e:
        stream.step("7", X[0][1])
    assert str(e.value) == (
        "Streamer: stream id '7' (str) prints as the id 7 (int) of a running stream but differs from it, so it would "
        "start a stream of its own and each would read part of the steps; give the ids one type (e.g. "
        "str(stream_id)), or reset the other stream first")
    with pytest.raises(ValueError, match=r"id \('7', 'a'\) \(str, str\) prints as the id \(7, 'a'\) \(int, str\)"):
        stream.step_many({(7, "a"): X[0][0], ("7", "a"): X[0][1]})
    assert stream.streams == [7]  # nothing started
    stream.step(np.int64(7), X[0][1])  # equal ids are one stream, as before
    np.testing.assert_allclose(stream.step(7, X[0][2]).probabilities, clf.predict_proba([X[0][:3]])[0], atol=1e-5)
    stream.reset(7)
    assert stream.step("7", X[0][0]).prediction is not None and stream.streams == ["7"]  # once 7 has ended


def test_S32_06_a_body_in_latin_1_is_named_as_such(three):
    # before: 400 "request body is not JSON ('utf-8' codec can't decode byte 0xe9 in position 22: invalid continuation
    # byte)": the body was JSON, its feature name written in Latin-1 (Windows PowerShell 5's string body)
    _, X = three
    import pandas as pd

    frames = [pd.DataFrame(x[:, :2], columns=["température", "humidité"]) for x in X]
    clf = rnnkit.SequenceClassifier(**TINY).fit(frames, [int(x[:, 0].mean() > 0) for x in X])
    client = TestClient(create_app(clf))
    body = json.dumps({"sequences": [[{"température": 1.0, "humidité": 2.0}]]}, ensure_ascii=False)
    assert client.post("/predict", content=body.encode()).status_code == 200
    r = client.post("/predict", content=body.encode("latin-1"))
    assert r.status_code == 400
    assert r.json()["detail"] == (
        "request body is not UTF-8 text, the encoding JSON is sent in: byte 0xe9 at byte 22 ('s\": [[{\"tempé' read as "
        "Latin-1) is not UTF-8 (text in Latin-1 or Windows-1252, as Windows PowerShell 5's Invoke-RestMethod sends a "
        "string body?); send the body as UTF-8 bytes (PowerShell: -Body ([Text.Encoding]::UTF8.GetBytes($json)); "
        "Python: requests.post(url, json=payload))")
