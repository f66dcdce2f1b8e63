"""The twenty-fourth round: a model shipped, read by a client from export.json alone, and served. A client
without Python reproduces predict / predict_proba of a classifier with text labels, a regressor of two named
targets and a tagger from export.json and the graphs (kept right); export.json names a regressor's targets
(D24-03); labels that JSON cannot write are refused by export_onnx before any graph is built (D24-01) and by the
server when it is made (D24-02)."""

import datetime
import json
import unicodedata
import warnings

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from helpers import one_line

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import rnnkit  # noqa: E402
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger, Streamer  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

TAGGER = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=8, lr_schedule=None,
              random_state=0, device="cpu")
TINY = TAGGER | dict(frontend=None, normalise=None)


def _X() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    lengths = [1, 2, 3, 5, 8, 4, 6, 7, 2, 5, 3, 8]
    return [(rng.normal(size=(n, 3)) * [1, 10, 100] + [0, 5, -50]).astype(np.float32) for n in lengths]


def _client(directory, X) -> tuple[dict, np.ndarray]:
    """What a client in another language does: read export.json, scale each feature, pad, run sequence.onnx."""
    info = json.loads((directory / "export.json").read_text())
    pre = info["preprocessing"]
    xb = np.zeros((len(X), max(len(x) for x in X), pre["n_features"]), np.float32)
    for i, x in enumerate(X):
        xb[i, :len(x)] = (np.asarray(x, float) - pre["x_mean"]) / pre["x_scale"]
    lengths = np.array([len(x) for x in X], np.int64)
    y = ort.InferenceSession(str(directory / info["sequence"]["file"])).run(None, {"x": xb, "lengths": lengths})[0]
    return info, y


def _softmax(y: np.ndarray) -> np.ndarray:
    e = np.exp(y - y.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.fixture(scope="module")
def regressor() -> SequenceRegressor:
    X = _X()
    y = pd.DataFrame({"load": [x[:, 1].sum() for x in X], "temp": [x[0, 0] for x in X]})
    return SequenceRegressor(**TINY).fit(X, y)


def test_D24_03_export_json_names_a_regressors_targets(regressor, tmp_path):
    # before: export.json's output held y_mean and y_scale but no names: a client could not tell load from temp
    X = _X()
    rnnkit.export_onnx(regressor, tmp_path / "reg", verbose=False)
    info, y = _client(tmp_path / "reg", X)
    out = info["preprocessing"]["output"]
    assert out["targets"] == ["load", "temp"]  # as GET /model serves them, in y's order
    assert TestClient(create_app(regressor)).get("/model").json()["targets"] == out["targets"]
    prediction = y * out["y_scale"] + out["y_mean"]
    expected = regressor.predict(X)
    for k, name in enumerate(out["targets"]):
        np.testing.assert_allclose(prediction[:, k], expected[:, k], rtol=1e-5, atol=1e-4, err_msg=name)
    unnamed = SequenceRegressor(**TINY).fit(X, np.arange(12.0))
    assert rnnkit.export_onnx(unnamed, tmp_path / "one", verbose=False)["preprocessing"]["output"]["targets"] is None


@pytest.mark.parametrize("labels", [pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01"] * 4),
                                    [datetime.date(2020, 1, 1), datetime.date(2021, 1, 1)] * 6],
                         ids=["timestamps", "dates"])
def test_D24_01_export_of_labels_json_cannot_write_is_refused_before_the_graphs(labels, tmp_path, monkeypatch):
    # before: TypeError: Object of type datetime is not JSON serializable, after both graphs were built and checked
    clf = SequenceClassifier(**TINY).fit(_X(), labels)
    monkeypatch.setattr(rnnkit.deploy.export, "_to_onnx", lambda *a, **k: pytest.fail("a graph was built"))
    with pytest.raises(ValueError) as e:
        rnnkit.export_onnx(clf, tmp_path / "dates", verbose=False)
    kind = type(np.asarray(clf.classes_).tolist()[0]).__name__
    assert one_line(e) == (f"export_onnx: class {np.asarray(clf.classes_).tolist()[0]!r} of type {kind} has no JSON "
                           "form, and export.json carries the classes as JSON; fit on int, str, float or bool labels "
                           "(e.g. y.astype(str))")
    assert not (tmp_path / "dates").exists()


def test_D24_02_a_server_of_labels_json_cannot_write_is_refused_at_creation():
    # before: the app was made, GET /model answered, and every POST /predict answered 500 Internal Server Error
    clf = SequenceClassifier(**TINY).fit(_X(), pd.to_datetime(["2020-01-01", "2021-01-01"] * 6))
    with pytest.raises(ValueError, match=r"^serve: class datetime\.datetime\(2020, 1, 1, 0, 0\) of type datetime has "
                                         r"no JSON form, and the answers carry the classes as JSON; fit on int, str, "
                                         r"float or bool labels \(e\.g\. y\.astype\(str\)\)$"):
        create_app(clf)
    # tuples are one label each, written as JSON arrays alike by GET /model and /predict
    clf = SequenceClassifier(**TINY).fit(_X(), [("a", 1), ("b", 2)] * 6)
    client = TestClient(create_app(clf))
    answer = client.post("/predict", json={"sequences": [[[1, 2, 3]]]}).json()
    assert answer["predictions"][0] in client.get("/model").json()["classes"] == [["a", 1], ["b", 2]]


def test_a_client_of_export_json_alone_reproduces_the_classifier_and_the_tagger(tmp_path):
    # kept right: text labels, softmax and argmax by hand; the tagger per step; the step graph from initial_state
    X = _X()
    clf = SequenceClassifier(**TINY).fit(X, np.array(["walk", "run", "sit"] * 4))
    rnnkit.export_onnx(clf, tmp_path / "clf", verbose=False)
    info, y = _client(tmp_path / "clf", X)
    classes = info["preprocessing"]["output"]["classes"]
    np.testing.assert_allclose(_softmax(y), clf.predict_proba(X), atol=1e-5)
    assert [classes[k] for k in y.argmax(-1)] == clf.predict(X).tolist()
    step = ort.InferenceSession(str(tmp_path / "clf" / info["step"]["file"]))
    pre = info["preprocessing"]
    for x, expected in zip(X, clf.predict_proba(X), strict=True):
        state = np.asarray([info["step"]["initial_state"]], np.float32)  # each stream starts here
        for x_t in x:
            y_t, state = step.run(None, {"x_t": ((x_t - pre["x_mean"]) / pre["x_scale"]).astype(np.float32)[None],
                                         "state_in": state})
        np.testing.assert_allclose(_softmax(y_t[0]), expected, atol=1e-5)
    tagger = SequenceTagger(**TAGGER).fit(X, [np.where(x[:, 0] > 0, "up", "down") for x in X])
    rnnkit.export_onnx(tagger, tmp_path / "tag", verbose=False)
    info, y = _client(tmp_path / "tag", X)
    classes = info["preprocessing"]["output"]["classes"]
    for i, (x, proba, labels) in enumerate(zip(X, tagger.predict_proba(X), tagger.predict(X), strict=True)):
        np.testing.assert_allclose(_softmax(y[i, :len(x)]), proba, atol=1e-5)
        assert [classes[k] for k in y[i, :len(x)].argmax(-1)] == labels.tolist()
    stream = Streamer(tmp_path / "tag")  # interleaved streams, one reset: each equals predict per step
    for t in range(2):
        stream.step("a", X[4][t])
    stream.reset("a")
    outs = [(stream.step("a", xa), stream.step("b", xb)) for xa, xb in zip(X[4], X[6], strict=False)]
    assert [a.prediction for a, _ in outs] == tagger.predict([X[4]])[0][:len(outs)].tolist()  # zip: the shorter
    np.testing.assert_allclose([b.probabilities for _, b in outs], tagger.predict_proba([X[6]])[0][:len(outs)],
                               atol=1e-5)


def test_D24_04_feature_names_in_another_unicode_form_are_named_as_such():
    # before: "missing ['température', 'humidité'], unexpected ['température', 'humidité']": the same to the eye
    names = ["température", "humidité"]
    X = [x[:, :2] for x in _X()]
    clf = SequenceClassifier(**TINY).fit([pd.DataFrame(x, columns=names) for x in X], ["a", "b"] * 6)
    decomposed = [unicodedata.normalize("NFD", n) for n in names]  # as a macOS file name or some clients write it
    hint = (f"; {decomposed[0]!r} (12 characters) is the model's {names[0]!r} (11) in another Unicode form, its "
            "accents composed otherwise (2 such name(s) in all): normalise the names to the model's form, e.g. "
            "unicodedata.normalize('NFC', name)")
    step = dict(zip(decomposed, [1.0, 2.0], strict=True))
    answer = TestClient(create_app(clf)).post("/predict", json={"sequences": [[step]]})
    assert answer.status_code == 422
    assert answer.json()["detail"] == (f"sequence 0, step 0 names features that differ from the model's {names} "
                                       f"(GET /model): missing {names}, unexpected {decomposed}" + hint)
    with pytest.raises(ValueError) as e:
        Streamer(clf).step("s", step)
    assert one_line(e) == (f"Streamer: the observation of stream 's' has feature names that differ from those seen "
                           f"at fit {names}: missing {names}, unexpected {decomposed}" + hint)
    # one name in the model's form and one other: only the other is named; a different name gets no hint
    mixed = TestClient(create_app(clf)).post("/predict", json={"sequences": [[{names[0]: 1.0, "humid": 2.0}]]})
    assert "Unicode" not in mixed.json()["detail"]
    normalised = {unicodedata.normalize("NFC", n): v for n, v in zip(decomposed, [1.0, 2.0], strict=True)}
    assert Streamer(clf).step("s", normalised).prediction == clf.predict([pd.DataFrame([[1.0, 2.0]], columns=names)])[0]


def test_D24_05_get_model_says_whether_a_step_may_hold_null():
    # before: GET /model had no word of it: a client learnt that null is read (time_aware) only from a 400 or a 200
    X = _X()
    gaps = [x.copy() for x in X]
    gaps[3][1, 0] = np.nan
    aware = SequenceRegressor(**TINY, time_aware=True).fit(gaps, np.arange(12.0))
    plain = SequenceRegressor(**TINY).fit(X, np.arange(12.0))
    for est, reads in ((aware, True), (plain, False)):
        client = TestClient(create_app(est))
        assert client.get("/model").json()["missing_values"] is reads
        answer = client.post("/predict", json={"sequences": [[[None, 1.0, 2.0]]]})
        assert answer.status_code == (200 if reads else 400)


def test_D24_06_export_json_gives_the_calendar_channels_formula(tmp_path):
    # before: export.json named month_sin, weekday_cos, ... and pointed to a Python function; a client in another
    # language could not build the channels (which value, which period, January 0 or 1, Monday 0 or 1)
    from rnnkit.forecast import Forecaster

    t = np.arange(60)
    series = pd.Series(50 + 8 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 0.5, 60),
                       index=pd.date_range("2018-01", periods=60, freq="MS"), name="sales")
    fc = Forecaster(horizon=3, model="direct", lookback=12, hidden_size=4, max_epochs=1, random_state=0,
                    device="cpu", calendar=("month", "weekday")).fit(series)
    f = rnnkit.export_onnx(fc, tmp_path / "fc", verbose=False)["forecast"]
    assert f["calendar"]["features"] == {"month": {"v": "month - 1 (January = 0)", "period": 12.0},
                                         "weekday": {"v": "the day of the week, Monday = 0", "period": 7.0}}
    assert f["input_names"] == ["sales", "month_sin", "month_cos", "weekday_sin", "weekday_cos"]

    def channels(index):  # as the table says, in its order: sin then cos of 2 pi v / period
        values = {"month": index.month - 1, "weekday": index.dayofweek}
        return np.concatenate([np.c_[np.sin(2 * np.pi * values[n] / c["period"]),
                                     np.cos(2 * np.pi * values[n] / c["period"])]
                               for n, c in f["calendar"]["features"].items()], axis=1)

    window = series.index[-f["lookback"]:]
    x = np.c_[(series.to_numpy()[-12:] - f["center"][0]) / f["scale_by"][0], channels(window)]
    future = channels(pd.date_range(window[-1], periods=f["horizon"] + 1, freq=f["frequency"])[1:])
    y = ort.InferenceSession(str(tmp_path / "fc" / "sequence.onnx")).run(
        None, {"x": x.astype(np.float32)[None], "future": future.astype(np.float32)[None]})[0]
    np.testing.assert_allclose(y.ravel(), fc.predict().to_numpy().ravel(), rtol=1e-5)
    plain = Forecaster(horizon=2, model="direct", lookback=6, hidden_size=4, max_epochs=1, random_state=0,
                       device="cpu").fit(series)
    assert rnnkit.export_onnx(plain, tmp_path / "plain", verbose=False)["forecast"]["calendar"] is None
