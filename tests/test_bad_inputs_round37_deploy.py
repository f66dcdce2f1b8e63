"""Thirty-seventh round of the bad-input hunt, deploy: the request limits of serve() and rnnkit serve, the ONNX opset
export_onnx writes, ..."""
import hashlib
import json
import re
import shutil
import warnings

import numpy as np
import pytest

import rnnkit

pytest.importorskip("fastapi")
pytest.importorskip("onnxruntime")
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from rnnkit.deploy.server import Limits  # noqa: E402
from rnnkit.deploy.streaming import Streamer  # noqa: E402

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False, frontend=None, crop=None)


def data(seed=2):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(rng.integers(2, 10), 3)) for _ in range(20)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    return X, y


@pytest.fixture(scope="module")
def plain():
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return rnnkit.SequenceClassifier(**TINY).fit(X, y), X


@pytest.fixture(scope="module")
def saved(plain, tmp_path_factory):
    directory = tmp_path_factory.mktemp("s37") / "model"
    plain[0].save(directory)
    return directory


@pytest.fixture(scope="module")
def exported18(plain, tmp_path_factory):
    """The classifier exported at ONNX opset 18 (S37-02), the info export_onnx returned."""
    directory = tmp_path_factory.mktemp("s37") / "e18"
    return directory, rnnkit.export_onnx(plain[0], directory, opset=18, verbose=False)


def served_app(monkeypatch, call):
    """The app ``call()`` (serve or rnnkit serve) would run, caught where uvicorn.run would receive it."""
    import uvicorn

    apps = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: apps.append(app))
    call()
    (app,) = apps
    return app


# -- S37-01: serve() and rnnkit serve take no request limits ---------------------------------------------------------
def test_S37_01_serve_and_rnnkit_serve_take_the_request_limits(plain, saved, monkeypatch, capsys):
    # before: serve(model_dir, limits=...) was a TypeError and rnnkit serve had no such option; the 413s named
    # create_app(estimator, limits=...) alone, which a server started from the command line cannot reach
    from rnnkit.cli import main
    from rnnkit.deploy.server import serve

    clf, X = plain
    app = served_app(monkeypatch, lambda: serve(saved, limits=Limits(max_steps=5)))
    with TestClient(app) as client:
        answer = client.post("/predict", json={"sequences": [np.zeros((6, 3)).tolist()]})
        assert answer.status_code == 413
        assert "sequence 0 has 6 steps, over the server's limit of 5 steps per sequence (Limits.max_steps, which " \
            "create_app(estimator, limits=Limits(max_steps=...)), serve(model_dir, limits=...) or rnnkit serve " \
            "--max-steps sets)" in answer.json()["detail"]
    app = served_app(monkeypatch, lambda: main(["serve", str(saved), "--max-sequences", "2", "--max-body-bytes",
                                                "1500", "--max-steps", "30"]))
    with TestClient(app) as client:
        three = client.post("/predict", json={"sequences": [x.tolist() for x in X[:3]]})
        assert three.status_code == 413 and "rnnkit serve --max-sequences sets" in three.json()["detail"]
        big = client.post("/predict", json={"sequences": [np.full((30, 3), 0.123456789).tolist()] * 2})
        assert big.status_code == 413 and "rnnkit serve --max-body-bytes sets" in big.json()["detail"]
        long = client.post("/predict", json={"sequences": [np.zeros((31, 3)).tolist()]})
        assert long.status_code == 413 and "limit of 30 steps" in long.json()["detail"]
        two = client.post("/predict", json={"sequences": [x.tolist() for x in X[:2]]})
        assert two.status_code == 200
        np.testing.assert_allclose(two.json()["probabilities"], clf.predict_proba(X[:2]), atol=1e-6)
    # the defaults --help says are Limits' own
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    for option, value in [("--max-body-bytes", Limits().max_body_bytes), ("--max-sequences", Limits().max_sequences),
                          ("--max-steps", Limits().max_steps)]:
        assert re.search(rf"{option} \S+ [^-]*\(default {value}\b", shown), option
    with pytest.raises(SystemExit):
        main(["serve", str(saved), "--max-steps", "0"])
    assert "--max-steps" in capsys.readouterr().err


# -- S37-02: export_onnx writes the installed exporter's opset only ----------------------------------------------------
def test_S37_02_export_onnx_writes_the_opset_asked_for_or_refuses(plain, exported18, tmp_path):
    # before: export_onnx(..., opset=18) was a TypeError, and opset_version= was refused with "upgrade that
    # onnxruntime": an onnxruntime that loads opset 18 but not torch's default had no way to an export
    clf, X = plain
    directory, info = exported18
    assert info["opset"] == 18
    for name in ("sequence.onnx", "step.onnx"):
        versions = {o.version for o in onnx.load(directory / name).opset_import if o.domain == ""}
        assert versions == {18}, name
    session = ort.InferenceSession(str(directory / "sequence.onnx"))
    x = ((X[0] - clf.x_mean_) / clf.x_scale_).astype(np.float32)[None]
    logits = session.run(None, {"x": x, "lengths": np.array([len(X[0])])})[0]
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(probabilities, clf.predict_proba(X[:1]), atol=1e-5)
    np.testing.assert_allclose(Streamer(directory).step("a", X[0][0]).probabilities,
                               Streamer(clf).step("a", X[0][0]).probabilities, atol=1e-5)
    with pytest.raises(ValueError, match=r"opset must be an ONNX opset number \(an integer, e\.g\. 18\)"):
        rnnkit.export_onnx(clf, tmp_path / "ex", opset="18", verbose=False)
    assert not (tmp_path / "ex").exists()
    # a graph the installed onnxruntime does not load (an opset of 99 stands for a newer one) names opset= as a way
    newer = tmp_path / "newer"
    shutil.copytree(directory, newer)
    graph = onnx.load(newer / "step.onnx")
    for o in graph.opset_import:
        if o.domain == "":
            o.version = 99
    (newer / "step.onnx").write_bytes(graph.SerializeToString())
    recorded = json.loads((newer / "export.json").read_text())
    recorded["opset"], recorded["step"]["sha256"] = 99, hashlib.sha256((newer / "step.onnx").read_bytes()).hexdigest()
    (newer / "export.json").write_text(json.dumps(recorded))
    with pytest.raises(ValueError, match=r"does not load \(.*\); upgrade onnxruntime where the stream runs \(pip "
                                         r"install -U onnxruntime\), or export the model at an opset it loads "
                                         r"\(rnnkit\.export_onnx\(model, directory, opset=18\)\)$"):
        Streamer(newer)


def test_S37_02_an_opset_the_exporter_cannot_write_is_refused(tmp_path):
    # before: no opset could be asked for (a TypeError); torch's exporter, asked for one it cannot convert the time
    # loop to, leaves the graph at opset 18 with a log line only, or writes a graph onnxruntime does not load
    layer = rnnkit.GRU(3, 4)
    # an opset the exporter leaves its graph above (with a log line only) is refused, not recorded as asked
    with pytest.raises(ValueError, match=r"^export_onnx: cannot write ONNX opset 13: torch \S+'s exporter wrote "
                                         r"opset 18 in its place .*; give an opset it writes \(18, or leave opset out "
                                         r"for the exporter's own\)"):
        rnnkit.export_onnx(layer, tmp_path / "e13", opset=13, verbose=False)
    # one it converts to, but into a graph onnxruntime does not load
    with pytest.raises(ValueError, match=r"^export_onnx: cannot write ONNX opset 17: .* but onnxruntime \S+ does not "
                                         r"load the result \(.*\); give a higher opset"):
        rnnkit.export_onnx(layer, tmp_path / "e17", opset=17, verbose=False)
    assert not (tmp_path / "e13").exists() and not (tmp_path / "e17").exists()


# -- S37-03: a Streamer of ids that never end (a session id per visitor) ---------------------------------------------
@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_S37_03_max_streams_bounds_the_streams_held(plain, exported18, backend):
    # before: no bound could be set: each new id held its state (and two I/O bindings, ~5 KB) until reset, so a
    # service stepping one id per visitor grew without a word
    clf, X = plain
    streamer = Streamer(clf if backend == "torch" else exported18[0], max_streams=2)
    first = streamer.step("a", X[0][0])
    streamer.step("b", X[0][0])
    with pytest.raises(ValueError, match=r"^Streamer: stream 'c' would be stream 3 of a Streamer made with "
                                         r"max_streams=2; each stream is held until reset, so reset the streams that "
                                         r"have ended \(streamer\.reset\(stream_id\); streamer\.streams lists them\)"):
        streamer.step("c", X[0][0])
    with pytest.raises(ValueError, match=r"stream 'd' would be stream 3"):
        streamer.step_many({"a": X[0][1], "d": X[0][0]})
    assert streamer.streams == ["a", "b"]
    streamer.step("a", X[0][1])  # a running stream steps on; the refused step_many stepped nothing
    streamer.reset("b")
    np.testing.assert_allclose(streamer.step("c", X[0][0]).probabilities, first.probabilities, atol=1e-6)
    with pytest.raises(ValueError, match=r"max_streams must be an integer >= 1 .* got 0"):
        Streamer(clf, max_streams=0)


# -- S37-04: a client that splits its sequences into requests, reading GET /model -------------------------------------
def test_S37_04_get_model_says_the_request_limits(plain):
    # before: GET /model said nothing of them: a client learnt the limits from a 413, after sending
    from rnnkit.deploy.server import create_app

    clf, X = plain
    with TestClient(create_app(clf, limits=Limits(max_sequences=3, max_steps=50))) as client:
        limits = client.get("/model").json()["limits"]
        assert limits == {"max_body_bytes": 8 * 2**20, "max_sequences": 3, "max_steps": 50}
        # read as a client would: requests of at most max_sequences each are all answered
        sequences = [x.tolist() for x in X[:7]]
        answers = [client.post("/predict", json={"sequences": sequences[k:k + limits["max_sequences"]]})
                   for k in range(0, len(sequences), limits["max_sequences"])]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert client.post("/predict", json={"sequences": sequences[:4]}).status_code == 413


# -- S37-05: threads= given to a Streamer of an estimator (the eager torch step) ---------------------------------------
def test_S37_05_threads_of_a_torch_streamer_is_refused_with_where_it_goes(plain):
    # before: Streamer(clf, threads=4) was taken and the 4 ignored (it sets onnxruntime's threads only): the stream
    # ran on torch's threads without a word
    import torch

    clf, X = plain
    before = torch.get_num_threads()
    with pytest.raises(ValueError, match=r"^Streamer: threads=4 sets onnxruntime's threads, for an export directory's "
                                         r"step\.onnx; this Streamer runs the eager torch step of SequenceClassifier, "
                                         r"on torch's threads: call torch\.set_num_threads\(4\) instead"):
        Streamer(clf, threads=4)
    assert torch.get_num_threads() == before
    for threads in (1, None):  # the default and "leave as is" stay taken
        Streamer(clf, threads=threads).step("a", X[0][0])
