"""Thirty-seventh round of the bad-input hunt, deploy: the request limits of serve() and rnnkit serve, the ONNX opset
export_onnx writes, ..."""
import hashlib
import json
import re
import shutil
import warnings

import numpy as np
import pytest
from helpers import TINY_DEPLOY, deploy_data

import rnnkit

pytest.importorskip("fastapi")
pytest.importorskip("onnxruntime")
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from rnnkit.deploy.server import Limits  # noqa: E402
from rnnkit.deploy.streaming import Streamer  # noqa: E402

TINY = TINY_DEPLOY
data = deploy_data


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


def _posted(client, text: str):
    return client.post("/predict", content=text.encode(), headers={"Content-Type": "application/json"})


# -- S37-06 .. 08: a body written by printing Python's or numpy's values, or JSON edited by hand --------------------
def test_S37_06_a_python_printed_payload_is_named_with_json_dumps(plain):
    # before: 400 "request body is not JSON (Expecting property name enclosed in double quotes: line 1 column 2
    # (char 1))" for requests.post(url, data=str(payload)): nothing said it was Python's print of the dict
    from rnnkit.deploy.server import create_app

    clf, X = plain
    with TestClient(create_app(clf)) as client:
        answer = _posted(client, str({"sequences": [X[0].tolist()]}))
        assert answer.status_code == 400 and answer.json()["detail"] == (
            "request body is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1)): a "
            "text in single quotes (line 1, char 1), as Python prints a dict (str(payload), or a dict in an f-string); "
            "JSON quotes with double quotes: send json.dumps(payload), or requests.post(url, json=payload)")
        for word, json_word in [("None", "null"), ("True", "true"), ("nan", r"NaN \(or null\)")]:
            detail = _posted(client, '{"sequences": [[[' + word + ', 1.0, 2.0]]]}').json()["detail"]
            assert re.search(rf": Python's {word} \(line 1, char 17\), as Python prints a value \(str\(payload\)\); "
                             rf"JSON writes {json_word}: send json\.dumps\(payload\)", detail), detail


def test_S37_07_a_numpy_printed_array_is_named_with_tolist(plain):
    # before: 400 "request body is not JSON (Expecting ',' delimiter: line 1 column 30 (char 29))" for
    # f'{{"sequences": [{x}]}}' (numpy's print of an array: numbers, and rows, apart by spaces without commas)
    from rnnkit.deploy.server import create_app

    clf, X = plain
    with TestClient(create_app(clf)) as client:
        for text in [f'{{"sequences": [{X[0]}]}}', f'{{"sequences": [{X[0][:, :1]}]}}']:
            answer = _posted(client, text)
            assert answer.status_code == 400
            assert re.search(r"\(Expecting ',' delimiter: .*\): numbers \(or lists\) apart by spaces, without commas "
                             r"\(line \d+, char \d+\), as numpy prints an array \(str\(x\), or an array in an "
                             r"f-string\); send the array as lists, \{\"sequences\": \[x\.tolist\(\) for x in X\]\}",
                             answer.json()["detail"]), answer.json()["detail"]
        # the same numbers as lists are answered
        assert _posted(client, f'{{"sequences": [{X[0].tolist()}]}}').status_code == 200


def test_S37_08_a_trailing_comma_is_named_where_it_stands(plain):
    # before: 400 "request body is not JSON (Expecting value: line 4 column 3 (char 46))": no word of the comma
    from rnnkit.deploy.server import create_app

    clf, X = plain
    with TestClient(create_app(clf)) as client:
        answer = _posted(client, '{"sequences": [\n  [[1, 2, 3],\n   [4, 5, 6],\n  ]\n]}')
        assert answer.status_code == 400 and answer.json()["detail"].endswith(
            ": a comma before the ']' (line 4, char 46), which JSON allows nowhere (JavaScript and Python do); "
            "remove it")
        assert _posted(client, '{"sequences": [[[1, 2, 3]]],}').json()["detail"].endswith(
            "a comma before the '}' (line 1, char 28), which JSON allows nowhere (JavaScript and Python do); remove it")
        # a body cut short is not called either of these
        short = _posted(client, '{"sequences": [[[1, 2, ').json()["detail"]
        assert "comma" not in short and "numpy" not in short


# -- S37-09 (OK): sequences of different lengths in one request ------------------------------------------------------
def test_S37_09_sequences_of_different_lengths_in_one_request_equal_predict(plain):
    # already right: each sequence is read to its own length, in batches smaller than the request, as predict reads it
    from rnnkit.deploy.server import create_app

    clf, X = plain
    sequences = X[:7]
    assert len({len(x) for x in sequences}) >= 3
    with TestClient(create_app(clf, max_batch=3)) as client:
        answer = client.post("/predict", json={"sequences": [x.tolist() for x in sequences]}).json()
    np.testing.assert_allclose(answer["probabilities"], clf.predict_proba(sequences), atol=1e-6)
    assert answer["predictions"] == clf.predict(sequences).tolist()


# -- S37-10: a CSV line, or its cells as text, to Streamer.step -------------------------------------------------------
def test_S37_10_a_csv_line_or_its_text_cells_are_named_with_how_to_read_them(plain):
    # before: "… is not numeric: it holds text (dtype <U3), which float32 would misread; give the features as real
    # numbers": nothing said they were numbers as a CSV file's line holds them, nor how to read them
    clf, X = plain
    streamer = Streamer(clf)
    line = ",".join(str(v) for v in X[0][0])
    with pytest.raises(ValueError, match=r"is not numeric: it holds text \(dtype <U\d+\), which float32 would misread; "
                                         r"it is one line of text, '[-\d.,]+', as a CSV file holds it: split it and "
                                         r"read its numbers, \[float\(v\) for v in line\.split\(','\)\]"):
        streamer.step("s", line)
    for cells in (line.split(","), np.array(line.split(","), dtype=object)):
        with pytest.raises(ValueError, match=r"its values are numbers written as text \('[-\d.]+', \.\.\.: a CSV "
                                             r"line's cells, line\.split\(','\), csv\.reader's rows\): read them as "
                                             r"numbers, \[float\(v\) for v in row\]"):
            streamer.step("s", cells)
    assert streamer.streams == []
    # followed, the step equals the reference's
    np.testing.assert_allclose(streamer.step("s", [float(v) for v in line.split(",")]).probabilities,
                               Streamer(clf).step("s", X[0][0]).probabilities, atol=1e-6)
    with pytest.raises(ValueError, match=r"holds text .*; give the features as real numbers$"):
        streamer.step("t", ["warm", "dry", "calm"])
