"""One place for each check the service layer makes: the estimator's ``predict_windows_`` (predict, export_onnx,
Streamer and the server refuse a value with one message), the rule of trailing zero padding (an array X given to
the estimators and an npz X read without lengths), the refit of an estimator after a Streamer or a server copied
its network, and what an ONNX export given as a model directory is run with."""
import copy
import json

import numpy as np
import pytest

import rnnkit
from rnnkit.data.collate import blank_inside, blank_tails, zero_padding
from rnnkit.deploy.server import create_app
from tests.helpers import one_line, user_warnings

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


# -- zero padding: one rule for an array X given to the estimators and an npz X read without lengths -----------
def padded(lengths, T: int = 8) -> np.ndarray:
    """Sequences of two features at ``lengths`` in one ``(n, T, 2)`` array, zeros after each one's end."""
    rng = np.random.default_rng(0)
    X = np.zeros((len(lengths), T, 2), dtype=np.float32)
    for i, n in enumerate(lengths):
        X[i, :n] = rng.normal(size=(n, 2)) + 3  # never 0 in every feature
    return X


def _inside() -> np.ndarray:
    X = padded((5, 7, 6, 8, 4, 6))
    X[1, 2] = 0  # an all-zero step inside a sequence
    return X


def _throughout() -> np.ndarray:
    X = padded((5, 7, 6, 8, 4, 6))
    X[2] = 0  # a sequence zero throughout
    return X


# X, then (padded, first tail) of each rule: strict (the estimators), not strict (the npz reader); None: quiet
ZERO_CASES = {
    "padded": (padded((5, 7, 6, 8, 4, 6)), ([0, 1, 2, 4, 5], 3), ([0, 2, 4, 5], 3)),
    "zeros inside": (_inside(), None, ([0, 2, 4, 5], 3)),
    "zero throughout": (_throughout(), None, ([0, 2, 4, 5], 3)),
    "runs of one length": (padded((5, 8, 5, 8, 5, 5)), None, ([0, 2, 4, 5], 3)),
    "runs of one step": (padded((7, 8, 7, 8, 6, 8)), ([0, 2, 4], 1), ([4], 2)),
    "every sequence ends in zeros": (padded((5, 7, 6, 4, 6)), None, None),
    "single zero steps": (padded((7, 8, 7, 8)), None, None),
}


def zero_warnings(X: np.ndarray, tmp_path) -> tuple[list[str], list[str]]:
    """The zero-padding warnings of the estimators given X, and of read_sequences given X saved without lengths."""
    estimators = [m for m in user_warnings(lambda: rnnkit.SequenceClassifier(hidden_size=4).prepare_batch(X))
                  if "zero padding" in m]
    np.savez(tmp_path / "x.npz", X=X, y=np.arange(len(X)) % 2)
    npz = [m for m in user_warnings(lambda: rnnkit.data.read_sequences(tmp_path / "x.npz")) if "zero padding" in m]
    return estimators, npz


@pytest.mark.parametrize("case", list(ZERO_CASES))
def test_one_rule_of_zero_padding_serves_the_estimators_and_the_npz_reader(case, tmp_path):
    X, strict, loose = ZERO_CASES[case]
    blank = (X == 0).all(axis=2)
    T = X.shape[1]
    estimators, npz = zero_warnings(X, tmp_path)
    for rule, expected, said in ((True, strict, estimators), (False, loose, npz)):
        found, tails = zero_padding(blank, strict=rule)
        assert tails.tolist() == [T - int(np.flatnonzero(~b)[-1]) - 1 if (~b).any() else T for b in blank]
        if expected:
            assert (found.tolist(), int(tails[found[0]])) == expected
        else:
            assert len(found) == 0
        assert len(said) == (1 if expected else 0)
    if strict:  # each warning names the sequences the rule found
        (index, *_), tail = strict
        counts = len(set(zero_padding(blank, strict=True)[1].tolist()) - {0})
        assert (f"{len(strict[0])} of X's {len(X)} sequences end in steps that are 0 in every feature (sequence "
                f"{index} of X: its last {tail} of {T} steps; {counts} different counts)") in estimators[0]
    if loose:
        (index, *_), tail = loose
        assert (f"{len(loose[0])} of {len(X)} sequences end in steps that are 0 in every feature (the sequence at npz "
                f"index {index}: steps {T - tail}..{T - 1} of {T})") in npz[0]


def test_blank_tails_count_the_steps_ending_each_sequence_and_blank_inside_names_the_others():
    blank = [np.array(b, dtype=bool) for b in ([0, 0, 1, 1], [0, 1, 0], [1, 1], [0, 0])]
    tails = blank_tails(blank)
    assert tails.tolist() == [2, 0, 2, 0]  # a sequence blank throughout counts every step
    assert blank_inside(blank, tails)  # the blank step inside the second, and the third throughout
    assert not blank_inside(blank[:1] + blank[3:], tails[[0, 3]])


# -- a refit after a Streamer or a server copied the network ------------------------------------------------
def test_a_server_of_an_estimator_fitted_again_answers_503_naming_the_refit_as_the_streamer_refuses_it():
    from fastapi.testclient import TestClient

    est = fit(crop=None)
    X, _ = series(2, seed=3)
    app, stream = create_app(est), rnnkit.Streamer(est)
    with TestClient(app) as client:  # in-process: nothing listens on the network
        before = client.post("/predict", json={"sequences": X.tolist()})
        assert before.status_code == 200
        np.testing.assert_allclose(before.json()["probabilities"], est.predict_proba(X), atol=1e-6)
        est.fit(*series(seed=4))  # fitted again: a new network, scalings and classes
        answers = {route: client.get(route) for route in ("/health", "/model")}
        answers["/predict"] = client.post("/predict", json={"sequences": X.tolist()})
    # before: 200 with the old network's predictions, and /health "ok"
    expected = ("serve: this SequenceClassifier was fitted again after the server was made, which still holds the "
                "old model; make a new app: rnnkit.deploy.server.create_app(estimator)")
    assert {route: (a.status_code, a.json()) for route, a in answers.items()} == dict.fromkeys(
        answers, (503, {"detail": expected}))
    with pytest.raises(ValueError) as error:  # the Streamer's check is the same one
        stream.step_many({"a": X[0, 0]})
    assert one_line(error) == ("Streamer: this SequenceClassifier was fitted again after the Streamer was made, which "
                               "still holds the old model; make a new Streamer(estimator)")
    with TestClient(create_app(est)) as client:  # a new app serves the new fit
        answer = client.post("/predict", json={"sequences": X.tolist()})
    assert answer.status_code == 200
    np.testing.assert_allclose(answer.json()["probabilities"], est.predict_proba(X), atol=1e-6)


# -- an ONNX export given as a model directory ----------------------------------------------------------------
def export_directory(path, *, step: bool, reason: str | None = None):
    """A directory as export_onnx writes it: sequence.onnx, export.json, and step.onnx where the model streams
    (the graphs' bytes are not read here)."""
    path.mkdir()
    (path / "sequence.onnx").write_bytes(b"")
    if step:
        (path / "step.onnx").write_bytes(b"")
    info = {"format": "rnnkit.onnx", "step": {"file": "step.onnx"} if step else {"file": None, "reason": reason}}
    (path / "export.json").write_text(json.dumps(info))
    return path


def test_an_export_loaded_as_a_model_names_the_streamer_only_where_it_has_a_step_graph(tmp_path):
    streams = export_directory(tmp_path / "streams", step=True)
    with pytest.raises(ValueError) as error:
        rnnkit.load(streams)
    assert one_line(error) == (
        f"{streams} is not an rnnkit model directory: it is an ONNX export (export.json, sequence.onnx), which runs "
        f"without rnnkit's model: stream it with rnnkit.Streamer({str(streams)!r}) or run its graphs with onnxruntime; "
        f"give the model directory that was exported (written by save())")
    why = ("a bidirectional model has no step graph: its backward direction reads the sequence from its end, so it "
           "cannot stream; fit with bidirectional=False to stream")
    whole = export_directory(tmp_path / "whole", step=False, reason=why)
    with pytest.raises(ValueError) as error:
        rnnkit.load(whole)
    # before: "(it has no step graph to stream: export.json's step.reason says why)", the reason left to look up
    assert one_line(error) == (
        f"{whole} is not an rnnkit model directory: it is an ONNX export (export.json, sequence.onnx), which runs "
        f"without rnnkit's model: run its sequence.onnx with onnxruntime (it has no step graph to stream; export.json "
        f"says why: {why}); give the model directory that was exported (written by save())")
    assert "Streamer" not in one_line(error)
    (whole / "export.json").write_text("{")  # an export.json that does not read: no reason to quote
    with pytest.raises(ValueError, match=r"run its sequence.onnx with onnxruntime \(it has no step graph to stream\); "
                                         r"give the model directory"):
        rnnkit.load(whole)
