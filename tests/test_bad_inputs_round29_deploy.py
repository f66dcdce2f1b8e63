"""The twenty-ninth round, deployment: models fitted on real data sets (sktime's ItalyPowerDemand) shipped as a
practitioner ships them. A one-feature model's request may give each sequence as its list of numbers, as predict
reads an (n, T) array (X29-01); export.json tells a client the float32 arithmetic of predict's standardisation,
which a float64 client misses for features far from zero (X29-02)."""

import json
import warnings

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("fastapi")
datasets = pytest.importorskip("sktime.datasets")

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import rnnkit  # noqa: E402
from rnnkit.deploy.export import ort_session  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

QUICK = dict(hidden_size=5, max_epochs=1, random_state=0, bidirectional=False, frontend=None, normalise=None,
             crop=None)


@pytest.fixture(scope="module")
def italy():
    """ItalyPowerDemand's training set as (n, T): 67 daily series of 24 hourly readings, one feature."""
    X, y = datasets.load_italy_power_demand(split="train", return_type="numpy3D")
    return X[:, 0, :].astype(np.float64), np.asarray(y)


def _softmax(y: np.ndarray) -> np.ndarray:
    e = np.exp(y - y.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_X29_01_a_one_feature_models_request_may_give_each_sequence_as_its_numbers(italy):
    X, y = italy
    clf = rnnkit.SequenceClassifier(**QUICK).fit(X, y)
    expected = clf.predict_proba([X[0], X[1][:1], X[2][:5]])
    with TestClient(create_app(clf)) as client:
        # as predict reads an (n, T) array: each sequence its list of numbers, of any length, one step included
        r = client.post("/predict", json={"sequences": [X[0].tolist(), X[1][:1].tolist(), X[2][:5].tolist()]})
        assert r.status_code == 200, r.text
        np.testing.assert_allclose(r.json()["probabilities"], expected, atol=1e-6)
        assert r.json()["predictions"] == clf.predict([X[0], X[1][:1], X[2][:5]]).tolist()
        # steps as one-element lists answer the same
        r2 = client.post("/predict", json={"sequences": [X[0][:, None].tolist()]})
        assert r2.json()["probabilities"][0] == r.json()["probabilities"][0]
        # text is still refused where a number belongs
        r3 = client.post("/predict", json={"sequences": [["0.5", 0.1]]})
        assert r3.status_code == 400 and "features must be numbers" in r3.json()["detail"]

    wide = rnnkit.SequenceClassifier(**QUICK).fit(np.stack([X, X ** 2], -1)[:, :8], y)
    with TestClient(create_app(wide)) as client:
        r = client.post("/predict", json={"sequences": [[0.1, 0.2, 0.3]]})
    assert r.status_code == 400
    assert r.json()["detail"] == ("sequence 0, step 0 must be a list of 2 numbers, got float (sequence 0 is a flat "
                                  "list of numbers: give each step as a list of the model's 2 features, [[f1, ..., "
                                  "f2], ...])")


def test_X29_02_export_json_gives_the_float32_arithmetic_of_predicts_standardisation(italy, tmp_path):
    X, y = italy
    X = X * 3 + 1e6  # readings far from zero beside their spread (a meter's running total, an offset sensor)
    clf = rnnkit.SequenceClassifier(**QUICK).fit(X, y)
    info = rnnkit.export_onnx(clf, tmp_path / "e", verbose=False)
    pre = json.loads((tmp_path / "e" / "export.json").read_text())["preprocessing"]
    assert pre == info["preprocessing"] and pre["x_dtype"] == "float32"
    assert "x_dtype" in pre["x_formula"]

    # a client following export.json: cast to x_dtype, then each operation in it
    dtype = np.dtype(pre["x_dtype"])
    x = (X[:8].astype(dtype) - np.asarray(pre["x_mean"], dtype)) / np.asarray(pre["x_scale"], dtype)
    session = ort_session(tmp_path / "e" / "sequence.onnx")
    logits = session.run(None, {"x": x[..., None].astype(np.float32), "lengths": np.full(8, 24, np.int64)})[0]
    np.testing.assert_allclose(_softmax(logits), clf.predict_proba(X[:8]), atol=1e-6)
