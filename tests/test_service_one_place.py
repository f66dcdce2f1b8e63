"""One place for each check the service layer makes: the estimator's ``predict_windows_`` (predict, export_onnx,
Streamer and the server refuse a value with one message), the rule of trailing zero padding (an array X given to
the estimators and an npz X read without lengths), the refit of an estimator after a Streamer or a server copied
its network, and what an ONNX export given as a model directory is run with."""
import copy

import numpy as np
import pytest

import rnnkit
from rnnkit.deploy.server import create_app
from tests.helpers import one_line

pytest.importorskip("onnxruntime")


def series(n: int = 8, T: int = 24, seed: int = 0):
    """``n`` series of one feature, their labels shifting their level."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    return (rng.normal(size=(n, T, 1)) + y[:, None, None]).astype(np.float32), y


def fit(**params):
    """A small forward network (it streams: one direction, no series normalisation or front end), read on
    windows of 80 % of each series unless ``crop`` says otherwise."""
    X, y = series()
    params = {"hidden_size": 4, "max_epochs": 1, "random_state": 0, "bidirectional": False, "frontend": None,
              "normalise": None, "n_members": 1, "crop": 0.8, **params}
    return rnnkit.SequenceClassifier(**params).fit(X, y)


@pytest.fixture(scope="module")
def windowed():
    return fit()


def refusals(estimator, tmp_path) -> dict[str, str]:
    """The message of each service that refuses the estimator's ``predict_windows_``, by caller."""
    X, _ = series(2, seed=1)
    calls = {"predict": lambda: estimator.predict(X),
             "export_onnx": lambda: rnnkit.export_onnx(estimator, tmp_path / "export", verbose=False),
             "Streamer": lambda: rnnkit.Streamer(estimator),
             "serve": lambda: create_app(estimator)}
    messages = {}
    for caller, call in calls.items():
        with pytest.raises(ValueError) as error:
            call()
        messages[caller] = one_line(error)
    return messages


# -- predict_windows_: one check for predict, export_onnx, Streamer and the server ----------------------------
@pytest.mark.parametrize("windows", [0, 2.5, True])
def test_predict_windows_that_predict_refuses_get_one_message_from_every_service(windowed, windows, tmp_path):
    est = copy.copy(windowed)
    est.predict_windows_ = windows
    messages = refusals(est, tmp_path)
    expected = (f"SequenceClassifier.predict_windows_ must be an integer >= 1 (the windows predict averages; 1 "
                f"reads whole sequences), got {windows!r}; set an integer, e.g. predict_windows_ = 1")
    assert messages == {"predict": f"SequenceClassifier.predict: {expected}", "export_onnx": f"export_onnx: {expected}",
                        "Streamer": f"Streamer: {expected}", "serve": f"serve: {expected}"}
    assert not (tmp_path / "export").exists()


def test_windows_of_a_model_trained_on_whole_series_get_one_message_from_every_service(tmp_path):
    whole = fit(crop=None)
    whole.predict_windows_ = 3
    expected = ("SequenceClassifier.predict_windows_=3 averages windows of the fraction the model was trained on "
                "(crop), but it was trained on whole sequences; set predict_windows_ = 1")
    assert {caller: m.split(": ", 1)[1] for caller, m in refusals(whole, tmp_path).items()} == dict.fromkeys(
        ["predict", "export_onnx", "Streamer", "serve"], expected)


def test_predict_windows_that_every_service_reads_are_read_as_before(windowed):
    est = copy.copy(windowed)
    X, _ = series(3, seed=2)
    est.predict_windows_ = np.int64(3)  # numpy's integer is a count
    three = est.predict_proba(X)
    est.predict_windows_ = 1
    whole = est.predict_proba(X)
    assert three.shape == whole.shape == (3, 2) and not np.allclose(three, whole)
    assert rnnkit.deploy.export.preprocessing(est, "Streamer").get("windows") is None
    est.predict_windows_ = 3
    read = rnnkit.deploy.export.preprocessing(est, "Streamer")["windows"]
    assert read["count"] == 3 and read["fraction"] == pytest.approx(0.8)
