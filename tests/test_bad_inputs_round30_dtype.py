"""The thirtieth round, the dtype of X: the estimators read X as float32 before they standardised it, so a feature
far from zero beside its spread lost its variation (1e6 + 0.01 is 1e6 in float32, whose numbers near 1e6 are
0.0625 apart; epoch seconds near 1.7e9 are 128 apart). The standardisation is now computed in float64 from the
user's own values and only its result is float32 (T30-01); the ONNX export's client, the server and the Streamer
compute it as predict does (T30-02); a negative tolerance is refused before the graphs are built (T30-03)."""

import json
import math
import warnings

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.deploy import export
from rnnkit.deploy.export import ort_session
from rnnkit.deploy.server import Limits, parse_request
from rnnkit.models import SequenceToLabel

pytest.importorskip("onnxruntime")
pytest.importorskip("fastapi")

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnkit.deploy.server import create_app  # noqa: E402

OFFSET = 1e6  # float32's numbers near it are 0.0625 apart
QUICK = dict(cell="gru", hidden_size=4, random_state=0, bidirectional=False, frontend=None, normalise=None,
             crop=None)


def far_from_zero(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A balanced binary set whose class is carried only by +-0.01 on a feature offset by 1e6, with noise of
    +-0.004: every value rounds to 1e6 itself in float32, so read as float32 both classes are the same inputs."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = OFFSET + np.where(y, 0.01, -0.01)[:, None, None] + rng.uniform(-0.004, 0.004, size=(n, 6, 1))
    assert (X.astype(np.float32) == np.float32(OFFSET)).all()  # by construction: float32 sees no class
    return X, y


@pytest.fixture(scope="module")
def far():
    X, y = far_from_zero(64, 0)
    clf = rnnkit.SequenceClassifier(max_epochs=15, batch_size=16, **QUICK).fit(X, y)
    return X, y, clf


def _softmax(y: np.ndarray) -> np.ndarray:
    e = np.exp(y - y.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _by_hand(est, X: np.ndarray) -> np.ndarray:
    """What the network reads of equal-length X, standardised in float64 by numpy, and its outputs."""
    z = ((X - est.x_mean_.astype(np.float64)) / est.x_scale_.astype(np.float64)).astype(np.float32)
    with torch.no_grad():
        return est.model_(torch.from_numpy(z), torch.full((len(X),), X.shape[1]))[0].numpy()


def test_T30_01_a_class_carried_by_a_variation_far_from_zero_is_learned(far):
    X, y, clf = far
    X_test, y_test = far_from_zero(64, 1)
    # was 0.5: every input 1e6 in float32, one prediction for all, on a balanced set
    assert clf.score(X_test, y_test) >= 0.95
    assert clf.x_mean_.dtype == clf.x_scale_.dtype == np.float64
    np.testing.assert_allclose(clf.x_scale_, X.reshape(-1, 1).std(0), rtol=1e-9)  # was 1: a constant in float32


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_T30_01_the_network_reads_the_float64_standardisation_of_the_users_values(kind):
    rng = np.random.default_rng(2)
    n, T = 12, 5
    X = np.stack([OFFSET + rng.normal(size=(n, T)) * 0.01,  # a sensor offset far from zero
                  1_700_000_000 + rng.integers(0, 100, size=(n, T))], axis=-1)  # epoch seconds, int64
    X = X.astype(object)  # each feature as given: float64 and int64 (Python's numbers)
    X = [np.column_stack([np.asarray(s[:, 0], np.float64), np.asarray(s[:, 1], np.int64)]) for s in X]
    values = np.stack([s.astype(np.float64) for s in X])  # (n, T, 2)
    est = (rnnkit.SequenceClassifier(max_epochs=1, **QUICK).fit(X, np.arange(n) % 2) if kind == "classifier" else
           rnnkit.SequenceRegressor(max_epochs=1, **QUICK).fit(X, values[:, :, 0].mean(1)))
    mean, std = values.reshape(-1, 2).mean(0), values.reshape(-1, 2).std(0)
    assert est.x_mean_.dtype == np.float64
    np.testing.assert_allclose(est.x_mean_, mean, rtol=1e-15)
    np.testing.assert_allclose(est.x_scale_, std, rtol=1e-9)
    expected = (values - mean) / std  # (n, T, 2), float64

    seen = []
    hook = est.model_.register_forward_pre_hook(lambda module, args: seen.append(args[0].clone()))
    try:
        for i in range(4):  # one sequence a call: what the network read of each
            est.predict([X[i]])
    finally:
        hook.remove()
    for i in range(4):
        assert seen[i].dtype == torch.float32
        # was up to 4 standard deviations off: 1e6 + 0.01 read as 1e6, epoch seconds in steps of 128
        np.testing.assert_allclose(seen[i][0].numpy(), expected[i], atol=1e-6)
    x, lengths, _ = est.prepare_batch(X)
    np.testing.assert_allclose(x.numpy(), expected, atol=1e-6)


def test_T30_02_export_server_and_streamer_standardise_as_predict_does(far, tmp_path):
    X, _, clf = far
    X = X[:8]
    expected = _softmax(_by_hand(clf, X))
    np.testing.assert_allclose(clf.predict_proba(X), expected, atol=1e-6)

    # export.json: standardise in x_dtype, float64, then float32 for the graph
    info = rnnkit.export_onnx(clf, tmp_path / "e", verbose=False)
    pre = json.loads((tmp_path / "e" / "export.json").read_text())["preprocessing"]
    assert pre == info["preprocessing"] and pre["x_dtype"] == "float64"
    dtype = np.dtype(pre["x_dtype"])
    x = ((X.astype(dtype) - np.asarray(pre["x_mean"], dtype)) / np.asarray(pre["x_scale"], dtype)).astype(np.float32)
    logits = ort_session(tmp_path / "e" / "sequence.onnx").run(None, {"x": x, "lengths": np.full(8, 6, np.int64)})[0]
    np.testing.assert_allclose(_softmax(logits), expected, atol=1e-6)

    # the server reads JSON's numbers as they are
    body = json.dumps({"sequences": X.tolist()}).encode()
    parsed = parse_request(body, 1, Limits())
    assert parsed[0].dtype == np.float64 and (parsed[0] == X[0]).all()  # was float32: 1e6 for every value
    with TestClient(create_app(clf)) as client:
        r = client.post("/predict", json={"sequences": X.tolist()})
    assert r.status_code == 200, r.text
    np.testing.assert_allclose(r.json()["probabilities"], expected, atol=1e-6)

    # the Streamer, under torch and under onnxruntime, one stream at a time and batched
    for source in (clf, tmp_path / "e"):
        stream = rnnkit.Streamer(source)
        for t in range(X.shape[1]):
            one = stream.step("a", X[0, t])
            many = stream.step_many({k: X[k, t] for k in range(1, 8)})
        np.testing.assert_allclose(one.probabilities, expected[0], atol=1e-6)
        np.testing.assert_allclose(np.stack([many[k].probabilities for k in range(1, 8)]), expected[1:], atol=1e-6)


def test_T30_02_a_model_whose_scaling_was_saved_in_float32_reads_x_as_it_did(far, tmp_path):
    X, _, clf = far
    rnnkit.save(clf, tmp_path / "new")
    loaded = rnnkit.load(tmp_path / "new")
    assert loaded.x_mean_.dtype == loaded.x_scale_.dtype == np.float64  # was float32
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))

    # a model saved when the scaling was kept in float32: X cast to float32 first, each operation in float32
    clf.x_mean_, clf.x_scale_ = clf.x_mean_.astype(np.float32), clf.x_scale_.astype(np.float32)
    try:
        rnnkit.save(clf, tmp_path / "old")
    finally:
        clf.x_mean_, clf.x_scale_ = loaded.x_mean_, loaded.x_scale_
    old = rnnkit.load(tmp_path / "old")
    assert old.x_mean_.dtype == np.float32
    z = (X.astype(np.float32) - old.x_mean_) / old.x_scale_
    with torch.no_grad():
        logits = old.model_(torch.from_numpy(z), torch.full((len(X),), X.shape[1]))[0].numpy()
    np.testing.assert_allclose(old.predict_proba(X), _softmax(logits), atol=1e-6)
    info = rnnkit.export_onnx(old, tmp_path / "e", verbose=False)
    assert info["preprocessing"]["x_dtype"] == "float32"
    stream = rnnkit.Streamer(tmp_path / "e")
    for t in range(X.shape[1]):
        out = stream.step("a", X[0, t])
    np.testing.assert_allclose(out.probabilities, old.predict_proba(X[:1])[0], atol=1e-6)


@pytest.mark.parametrize("tolerance", [-1, -1e-9, math.nan])
def test_T30_03_a_negative_or_nan_tolerance_is_refused_before_the_graphs_are_built(tmp_path, monkeypatch, tolerance):
    def built(*args, **kwargs):
        raise AssertionError("a graph was built")

    monkeypatch.setattr(export, "_to_onnx", built)
    model = SequenceToLabel(2, 3, 2, cell="gru")
    with pytest.raises(ValueError) as e:  # was: "the exported graphs differ ... (> tolerance -1)", graphs built
        rnnkit.export_onnx(model, tmp_path / "e", tolerance=tolerance, verbose=False)
    assert str(e.value) == ("export_onnx: tolerance must be a number >= 0 (the largest error allowed between the "
                            f"graphs and the eager model, e.g. 1e-4), got {tolerance!r}")
    assert not (tmp_path / "e").exists()
