"""The twenty-second round's cases of deploying the models the defaults fit on long series (a seed ensemble read
on windows): D22-01 ``export_onnx`` of an estimator whose ``predict_windows_`` predict refuses; D22-02 a server of
one; D22-03 ``Streamer``'s warning of a model read on windows names the setting that makes predict read as it
does; D22-04 ``rnnkit export`` of a model without a step graph says why and with which train flags one streams."""
import copy
import json

import numpy as np
import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.deploy.export import preprocessing
from rnnkit.deploy.server import create_app
from tests.helpers import one_line, user_warnings

pytest.importorskip("onnxruntime")


def long_series(n: int = 8, T: int = 70, seed: int = 0):
    """``n`` series of ``T > 64`` steps (the defaults' long series: windows of 90 %, an ensemble) and labels."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, T, 1)) + y[:, None, None]
    return X.astype(np.float32), y


def fit(**params):
    X, y = long_series()
    return rnnkit.SequenceClassifier(**{"hidden_size": 4, "max_epochs": 1, "random_state": 0, **params}).fit(X, y)


@pytest.fixture(scope="module")
def ensemble():
    """Two forward networks read on windows of 90 % (n_members given: the rule's 3 yields to bidirectional=False),
    saved and exported faster than the defaults' bidirectional LSTM-FCN."""
    return fit(n_members=2, bidirectional=False, frontend=None, normalise=None)


def test_D22_01_export_of_predict_windows_that_predict_refuses_is_refused_naming_the_fix(ensemble, tmp_path):
    est = copy.copy(ensemble)
    X, _ = long_series(3, seed=1)
    # before: 2.5 was exported as 2 windows, 0 and True as whole sequences (no windows in export.json), while predict
    # refused each; a model trained on whole sequences a TypeError (float(None))
    for windows in (2.5, 3.0, 0, True):
        est.predict_windows_ = windows
        with pytest.raises(ValueError, match="predict_windows_ must be an integer >= 1"):
            est.predict_proba(X)
        with pytest.raises(ValueError) as error:
            rnnkit.export_onnx(est, tmp_path / "export", verbose=False)
        assert one_line(error) == (f"export_onnx: SequenceClassifier.predict_windows_ must be an integer >= 1 (the "
                                   f"windows predict averages; 1 reads whole sequences), got {windows!r}; set an "
                                   f"integer, e.g. predict_windows_ = 1")
        assert not (tmp_path / "export").exists()
    whole = fit(n_members=1, crop=None, bidirectional=False, frontend=None, normalise=None)
    whole.predict_windows_ = 3
    with pytest.raises(ValueError, match=r"export_onnx: SequenceClassifier.predict_windows_=3 averages windows of the "
                                         r"fraction the model was trained on \(crop\), but it was trained on whole "
                                         r"sequences; set predict_windows_ = 1"):
        rnnkit.export_onnx(whole, tmp_path / "export", verbose=False)
    # numpy's integer is a count (predict reads it): export.json's windows hold it
    est.predict_windows_ = np.int64(3)
    assert preprocessing(est)["windows"]["count"] == 3 and est.predict_proba(X).shape == (3, 2)


def test_D22_02_a_server_of_predict_windows_that_predict_refuses_is_refused_at_creation(ensemble):
    from fastapi.testclient import TestClient

    est = copy.copy(ensemble)
    est.predict_windows_ = 0
    # before: the app was made, and every POST /predict answered 500 Internal Server Error
    with pytest.raises(ValueError) as error:
        create_app(est)
    assert one_line(error).startswith("serve: SequenceClassifier.predict_windows_ must be an integer >= 1")
    est.predict_windows_ = 2
    X, _ = long_series(2, seed=2)
    with TestClient(create_app(est)) as client:
        answer = client.post("/predict", json={"sequences": [x.tolist() for x in X]})
    assert answer.status_code == 200
    np.testing.assert_allclose(answer.json()["probabilities"], est.predict_proba(X), atol=1e-6)


def test_D22_03_streamer_of_a_model_read_on_windows_names_predict_windows_1(tmp_path):
    est = fit(bidirectional=False, frontend=None, normalise=None)  # streams: one forward network (the rule's
    # n_members yields to bidirectional=False), windows of 90 %
    assert est.predict_windows_ == 5 and not isinstance(est.model_, rnnkit.models.Ensemble)
    # before: the warning said the stream is not predict's reading, but not how to make them agree
    torch_warnings = user_warnings(lambda: rnnkit.Streamer(est))
    assert len(torch_warnings) == 1 and torch_warnings[0].endswith(
        "for a predict that reads as the stream does, set the estimator's predict_windows_ = 1")
    rnnkit.export_onnx(est, tmp_path / "export", verbose=False)
    (warning,) = user_warnings(lambda: rnnkit.Streamer(tmp_path / "export"))
    assert warning.endswith("set the estimator's predict_windows_ = 1 and export it again")
    # and so they agree: the last step of a stream is predict_proba's reading of the whole sequence
    est.predict_windows_ = 1
    assert user_warnings(lambda: rnnkit.Streamer(est)) == []
    stream = rnnkit.Streamer(est)
    X, _ = long_series(1, seed=3)
    for x_t in X[0]:
        out = stream.step("a", x_t)
    np.testing.assert_allclose(out.probabilities, est.predict_proba(X)[0], atol=1e-5)


def test_D22_04_rnnkit_export_without_a_step_graph_says_why_and_the_train_flags(ensemble, tmp_path, capsys):
    ensemble.save(tmp_path / "model")
    assert main(["export", str(tmp_path / "model"), "--out", str(tmp_path / "export")]) == 0
    printed = capsys.readouterr().out.splitlines()[-1]
    # before: "wrote sequence.onnx and export.json to ... (state size n/a: no step graph)", no cause nor fix
    assert printed == (f"wrote sequence.onnx and export.json to {tmp_path / 'export'}, no step.onnx (Streamer cannot "
                       "run it): a model with 2 networks averaged has no step graph: its 2 networks (an ensemble, "
                       "their outputs averaged) would each stream a state of their own; fit with n_members=1 to "
                       "stream (rnnkit train --members 1)")
    assert json.loads((tmp_path / "export" / "export.json").read_text())["members"] == 2
