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
from rnnkit.deploy.export import ort_session, read_export  # noqa: E402
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
    # float64 since the standardisation reads the user's own values (T30-02); a client follows x_dtype either way
    assert pre == info["preprocessing"] and pre["x_dtype"] == "float64"
    assert "x_dtype" in pre["x_formula"]

    # a client following export.json: cast to x_dtype, then each operation in it
    dtype = np.dtype(pre["x_dtype"])
    x = (X[:8].astype(dtype) - np.asarray(pre["x_mean"], dtype)) / np.asarray(pre["x_scale"], dtype)
    session = ort_session(tmp_path / "e" / "sequence.onnx")
    logits = session.run(None, {"x": x[..., None].astype(np.float32), "lengths": np.full(8, 24, np.int64)})[0]
    np.testing.assert_allclose(_softmax(logits), clf.predict_proba(X[:8]), atol=1e-6)


@pytest.fixture(scope="module")
def italy_export(italy, tmp_path_factory):
    """A forward GRU on ItalyPowerDemand and its export directory (with a step graph)."""
    X, y = italy
    clf = rnnkit.SequenceClassifier(**QUICK).fit(X, y)
    directory = tmp_path_factory.mktemp("x29") / "italy"
    rnnkit.export_onnx(clf, directory, verbose=False)
    return clf, directory


def test_X29_03_a_time_given_to_a_stream_of_a_model_that_reads_no_times_is_refused(italy, italy_export):
    X, _ = italy
    clf, directory = italy_export
    for source in (directory, clf):  # onnxruntime's step (its own path) and torch's
        stream = rnnkit.Streamer(source)
        with pytest.raises(ValueError) as e:
            stream.step("meter-1", X[0, 0], time=3600.0)
        assert str(e.value) == ("Streamer: stream 'meter-1': a time was given, but the model reads no times "
                                "(time_aware=False: it reads the steps in order, whatever their gaps); leave time "
                                "out, or refit with time_aware=True and fit(X, y, times=...)")
        with pytest.raises(ValueError, match="the model reads no times"):
            stream.step_many({"meter-1": X[0, 0]}, times={"meter-1": 3600.0})
        assert stream.streams == []  # nothing stepped
        for x_t in X[0]:
            out = stream.step("meter-1", x_t)
        np.testing.assert_allclose(out.probabilities, clf.predict_proba(X[:1])[0], atol=1e-6)


def test_X29_04_a_home_relative_path_is_the_home_directory(italy_export, tmp_path, monkeypatch):
    clf, _ = italy_export
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    rnnkit.export_onnx(clf, "~/exports/italy", verbose=False)
    assert (tmp_path / "home" / "exports" / "italy" / "step.onnx").is_file()
    assert not (tmp_path / "~").exists()  # not a folder named '~' in the working directory
    stream = rnnkit.Streamer("~/exports/italy")
    assert stream.backend == "onnxruntime"
    assert read_export("~/exports/italy")["step"]["file"] == "step.onnx"


@pytest.mark.parametrize("name", ["step.onnx", "export.json", "sequence.onnx"])
def test_X29_05_a_file_of_an_export_given_for_its_directory_names_the_directory(italy_export, name):
    _, directory = italy_export
    with pytest.raises(ValueError) as e:
        rnnkit.Streamer(directory / name)
    assert str(e.value) == (f"{directory / name} is a file of the ONNX export directory {directory}, which is read "
                            f"whole (export.json says how to run its graphs); give the directory itself: "
                            f"{str(directory)!r}")



@pytest.fixture(scope="module")
def motions_small_units():
    """BasicMotions' six channels in units a hundred times larger (x_scale about 0.015), 20 steps each: a value
    of 3e38, within float32, standardises beyond it."""
    X, y = datasets.load_basic_motions(split="train", return_type="numpy3D")
    X = X.transpose(0, 2, 1)[:, :20] * 0.01
    big = X[0].copy()
    big[3] = 3e38
    return X, np.asarray(y), big


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_X29_06_a_request_whose_answer_is_nan_is_a_422_naming_the_value(motions_small_units, kind):
    X, y, big = motions_small_units
    est = (rnnkit.SequenceClassifier(**QUICK).fit(X, y) if kind == "classifier" else
           rnnkit.SequenceRegressor(**QUICK).fit(X, X[:, :, 0].max(1)))
    with TestClient(create_app(est), raise_server_exceptions=False) as client:
        r = client.post("/predict", json={"sequences": [X[1].tolist(), big.tolist()]})
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        # (since L31-05 named as what it is: 3e38 is infinity once standardised, whatever the output)
        assert detail.startswith("sequence 1: a value is beyond float32's range once standardised (the network "
                                 "would read infinity): step 3 holds 3e+38 in feature ")
        assert detail.endswith("beyond what the network's float32 arithmetic carries; check the feature's units "
                               "(those of fit)") and "\n" not in detail
        ok = client.post("/predict", json={"sequences": [X[1].tolist()]})  # the server answers on
        assert ok.status_code == 200



def test_X29_07_export_json_says_a_forecasters_gaps_are_filled_over_the_series_before_the_window(tmp_path):
    from rnnkit.forecast import Forecaster

    series = datasets.load_airline()
    series.index = series.index.to_timestamp()
    series.iloc[-24:-21] = np.nan  # the window's first three months missing
    fc = Forecaster(horizon=4, model="direct", lookback=24, hidden_size=6, max_epochs=2, random_state=0,
                    device="cpu").fit(series)
    f = rnnkit.export_onnx(fc, tmp_path / "e", verbose=False)["forecast"]
    assert (f["impute"], f["impute_from"]) == ("ffill", "series") and "whole series" in f["x_formula"]

    # the client: fill over the whole series, then take the window
    window = series.ffill().iloc[-f["lookback"]:].to_numpy()
    x = ((window - f["center"][0]) / f["scale_by"][0]).astype(np.float32)[None, :, None]
    y = ort_session(tmp_path / "e" / "sequence.onnx").run(None, {"x": x})[0][0, :, 0, 0]
    expected = fc.predict().to_numpy()
    np.testing.assert_allclose(y, expected, rtol=1e-6)


@pytest.mark.parametrize("backend", ["export", "estimator"])
def test_X29_08_a_streamed_step_whose_output_is_nan_is_refused_and_keeps_the_state(motions_small_units, tmp_path,
                                                                                   backend):
    # before: the step returned a NaN label's probabilities (argmax of NaN: the first class) and the stream kept a
    # NaN state, so every later step of that stream answered NaN too
    X, y, big = motions_small_units
    est = rnnkit.SequenceClassifier(**QUICK).fit(X, y)
    source = est
    if backend == "export":
        rnnkit.export_onnx(est, tmp_path / "e", verbose=False)
        source = tmp_path / "e"
    streamer, clean = rnnkit.Streamer(source), rnnkit.Streamer(source)
    for t in range(3):
        streamer.step("s", big[t])
        clean.step("s", big[t])
    with pytest.raises(ValueError, match=r"^Streamer: the output of stream 's' is NaN: feature \d holds 3e\+38, .* "
                                         r"standard deviations from its mean at fit \(.*\), beyond what the "
                                         r"network's float32 arithmetic carries; check the feature's units \(those "
                                         r"of fit\)$"):
        streamer.step("s", big[3])
    with pytest.raises(ValueError, match="the output of stream 's' is NaN"):
        streamer.step_many({"s": big[3], "t": big[0]})
    assert streamer.streams == ["s"]  # the refused batch kept no state of 't' either
    after, expected = streamer.step("s", big[4]), clean.step("s", big[4])  # 's' steps on from its state
    np.testing.assert_allclose(after.probabilities, expected.probabilities, rtol=1e-6)


@pytest.mark.parametrize("kind", ["classifier", "regressor", "tagger"])
def test_X29_09_predict_refuses_a_sequence_whose_output_is_nan(motions_small_units, kind):
    # before: predict_proba returned NaN, predict the first class (argmax of NaN) and a regressor NaN, silently
    X, y, big = motions_small_units
    est = (rnnkit.SequenceClassifier(**QUICK).fit(X, y) if kind == "classifier" else
           rnnkit.SequenceRegressor(**QUICK).fit(X, X[:, :, 0].max(1)) if kind == "regressor" else
           rnnkit.SequenceTagger(hidden_size=5, max_epochs=1, random_state=0).fit(X, np.repeat(y[:, None], 20, 1)))
    name = type(est).__name__
    # (since L31-06 refused before the network reads it: its standardisation overflows float32)
    with pytest.raises(ValueError, match=rf"^{name}\.predict: sequence 1 cannot be read: step 3 holds 3e\+38 "
                                         r"in feature \d, .* standard deviations from its mean at fit \(.*\), beyond "
                                         r"what the network's float32 arithmetic carries; check the feature's units "
                                         r"\(those of fit\)$"):
        est.predict(np.stack([X[1], big]))
    assert len(est.predict(X[:2])) == 2  # the model itself answers


def test_X29_10_save_and_load_read_a_tilde_as_the_home_directory(italy, tmp_path, monkeypatch):
    # before: rnnkit.save(est, "~/models/italy") wrote ./~/models/italy, a folder named '~' in the working directory,
    # where export_onnx (X29-04) and the command line read '~' as the home directory
    X, y = italy
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    est = rnnkit.SequenceClassifier(**QUICK).fit(X[:20], y[:20])
    rnnkit.save(est, "~/models/italy")
    assert (tmp_path / "home" / "models" / "italy" / "config.json").is_file()
    assert not (tmp_path / "~").exists()
    np.testing.assert_array_equal(rnnkit.load("~/models/italy").predict_proba(X[:5]), est.predict_proba(X[:5]))
