"""The thirty-first round, deployment: models fitted on sktime's GunPoint and BasicMotions shipped as a practitioner
ships them, and fed what clients send. A time-aware stream's refused step no longer advances its time (S31-01); a
series nested one level too deep is named so again (S31-02); the Streamer reads rows of ``df.itertuples()`` and
``df.to_records()`` by their names (S31-03 .. S31-05); the server names a frame sent by column and sequences keyed
by id (S31-06, S31-07); a tuple label streams back as a tuple from an export (S31-08); a streamed regression is
undone in float64 as predict does (S31-09); the exported graphs hold no constant onnxruntime warns of (S31-10)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import rnnkit

pytest.importorskip("onnxruntime")
pytest.importorskip("fastapi")
datasets = pytest.importorskip("sktime.datasets")

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnkit.deploy.server import create_app  # noqa: E402

QUICK = dict(hidden_size=5, max_epochs=1, random_state=0, bidirectional=False, frontend=None, normalise=None,
             crop=None)
CHANNELS = ["acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z"]


@pytest.fixture(scope="module")
def motions():
    """BasicMotions' training set in rnnkit's layout, 20 steps of 6 channels, and its activities."""
    X, y = datasets.load_basic_motions(split="train", return_type="numpy3D")
    return X.transpose(0, 2, 1)[:, :20].astype(np.float64), np.asarray(y)


@pytest.fixture(scope="module")
def paired(motions, tmp_path_factory):
    """A time-aware classifier fitted with uneven sample times on BasicMotions in units a hundred times larger (a
    value of 3e38 then standardises beyond float32), its labels (activity, moving) pairs, and its export."""
    X, y = motions
    X = X * 0.01
    times = np.cumsum(np.random.default_rng(0).uniform(0.5, 3.0, size=X.shape[:2]), axis=1)
    labels = np.empty(len(y), dtype=object)
    labels[:] = [(a, bool(a in ("running", "walking"))) for a in y]
    est = rnnkit.SequenceClassifier(time_aware=True, **QUICK).fit(X, labels, times=times)
    directory = tmp_path_factory.mktemp("paired") / "export"
    rnnkit.export_onnx(est, directory, verbose=False)
    return est, directory, X, times


@pytest.mark.parametrize("backend", ["export", "estimator"])
def test_S31_01_a_refused_step_of_a_time_aware_stream_leaves_its_time_and_delta(paired, backend):
    # before: the refused step (its output NaN) kept the stream's state but advanced its time and delta, so the same
    # step with the value corrected was refused ("time 4.41 is not later than the stream's previous step")
    est, directory, X, times = paired
    streamer = rnnkit.Streamer(directory if backend == "export" else est)
    seq, t = X[0], times[0]
    big = seq[3].copy()
    big[4] = 3e38
    for k in range(3):
        streamer.step("a", seq[k], time=t[k])
    with pytest.raises(ValueError, match="the output of stream 'a' is NaN"):
        streamer.step("a", big, time=t[3])
    with pytest.raises(ValueError, match="the output of stream 'a' is NaN"):
        streamer.step_many({"a": big, "b": seq[0]}, times={"a": t[3], "b": t[0]})
    out = streamer.step("a", seq[3], time=t[3])  # the corrected value at the step's own time
    np.testing.assert_allclose(out.probabilities, est.predict_proba([seq[:4]], times=[t[:4]])[0], atol=1e-6)
    for k in range(4, 8):
        out = streamer.step_many({"a": seq[k]}, times={"a": t[k]})["a"]
    np.testing.assert_allclose(out.probabilities, est.predict_proba([seq[:8]], times=[t[:8]])[0], atol=1e-6)


def test_S31_02_a_series_nested_one_level_too_deep_is_named_so(motions):
    # before: GunPoint's series as [[[[v], [v], ...]]] answered "sequence 0, step 0 has 150 features; the model reads
    # 1 (... channels by time? ... transpose it)": the count came before the check of the nesting (D7-08 again)
    X, y = datasets.load_gunpoint(split="train", return_type="numpy3D")
    clf = rnnkit.SequenceClassifier(**QUICK).fit(X[:20, 0, :40], y[:20])
    with TestClient(create_app(clf)) as client:
        r = client.post("/predict", json={"sequences": [[X[0, 0, :40, None].tolist()]]})
    assert r.status_code == 400
    assert r.json()["detail"] == (f"sequence 0, step 0 holds a list, [{X[0, 0, 0]}], where a feature belongs: the "
                                  'body is nested one level too deep ({"sequences": [[[f1, f2, ...], ...], ...]}: '
                                  "sequences of steps of features)")


@pytest.fixture(scope="module")
def named(motions):
    """A classifier fitted on BasicMotions frames with named channels, a series as a frame and its probabilities."""
    X, y = motions
    est = rnnkit.SequenceClassifier(**QUICK).fit([pd.DataFrame(x, columns=CHANNELS) for x in X], y)
    frame = pd.DataFrame(X[3], columns=CHANNELS)
    return est, frame, est.predict_proba([frame])[0]


def _stream(est, rows) -> np.ndarray:
    streamer = rnnkit.Streamer(est)
    for row in rows:
        out = streamer.step("s", row)
    return out.probabilities


def test_S31_03_rows_of_itertuples_are_read_by_their_names(named):
    # before: a namedtuple was read by position, so a frame whose columns came in another order (read from a CSV
    # written so) fed each value to another channel: probabilities 0.016 off, without a word
    est, frame, expected = named
    for rows in (frame.itertuples(index=False), frame[CHANNELS[::-1]].itertuples(index=False)):
        np.testing.assert_allclose(_stream(est, rows), expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"missing \['gyr_z'\], unexpected \['gyro_z'\]"):
        _stream(est, frame.rename(columns={"gyr_z": "gyro_z"}).itertuples(index=False))


def test_S31_04_rows_of_itertuples_with_the_index_name_it(named, motions):
    # before: "the observation of stream 's' has 7 values; the model reads 6 features per step"
    est, frame, _ = named
    unnamed = rnnkit.SequenceClassifier(**QUICK).fit(*motions)
    for model in (est, unnamed):
        with pytest.raises(ValueError) as e:
            _stream(model, frame.itertuples())
        assert str(e.value) == ("Streamer: the observation of stream 's' is a row whose first field, 'Index', is the "
                                "frame's index, not a feature (7 values; the model reads 6); iterate "
                                "df.itertuples(index=False)")
    np.testing.assert_allclose(_stream(unnamed, frame.itertuples(index=False)),
                               unnamed.predict_proba([frame.to_numpy()])[0], atol=1e-6)


def test_S31_05_rows_of_to_records_are_read_by_their_names(named):
    # before: "Streamer: the observation of stream 's' is not numeric (Cannot cast scalar from dtype((numpy.record,
    # [('acc_x', '<f8'), ...")
    est, frame, expected = named
    np.testing.assert_allclose(_stream(est, frame.to_records(index=False)), expected, atol=1e-6)
    np.testing.assert_allclose(_stream(est, frame[CHANNELS[::-1]].to_records(index=False)), expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"first field, 'index', is the frame's index, not a feature \(7 values; the "
                                         r"model reads 6\); iterate df.to_records\(index=False\)$"):
        _stream(est, frame.to_records())


def test_S31_06_a_frame_sent_by_column_is_named_with_the_orientation_to_send(named):
    # before: 400 "sequence 0 must be a list of steps, got dict", for each of pandas' orientations
    est, frame, expected = named
    steps = "df.to_dict(orient='records') (each step an object by feature name) or df.to_numpy().tolist()"
    with TestClient(create_app(est)) as client:
        for written in (frame.to_dict(orient="list"), frame.to_dict()):
            r = client.post("/predict", json={"sequences": [written]})
            assert r.status_code == 400
            assert r.json()["detail"] == ("sequence 0 is a JSON object keyed by ['acc_x', 'acc_y', 'acc_z'], each a "
                                          "column of steps (a frame as pandas' to_dict() or orient='list' writes it), "
                                          f"not a list of steps; give {steps}")
        split = frame.to_dict(orient="split")
        r = client.post("/predict", json={"sequences": [split]})
        assert r.status_code == 400 and r.json()["detail"] == (
            'sequence 0 is a JSON object of "columns" and "data", a frame as pandas\' orient="split" writes it; give '
            f'its "data", the list of steps, or {steps}')
        r = client.post("/predict", json={"sequences": [frame["acc_x"].to_dict()]})
        assert r.status_code == 400 and "(a pandas Series as to_dict() or to_json() writes it" in r.json()["detail"]
        r = client.post("/predict", json={"sequences": [frame.to_dict(orient="records"), split["data"]]})
        assert r.status_code == 200
        np.testing.assert_allclose(r.json()["probabilities"], [expected, expected], atol=1e-6)


def test_S31_07_sequences_keyed_by_id_are_named(named):
    # before: 400 '"sequences" must be a non-empty list of sequences (lists of steps)' for a non-empty object
    est, frame, _ = named
    with TestClient(create_app(est)) as client:
        r = client.post("/predict", json={"sequences": {"sensor-1": frame.to_numpy().tolist()}})
    assert r.status_code == 400
    assert r.json()["detail"] == ('"sequences" is a JSON object keyed by [\'sensor-1\'], not a list; give the '
                                  "sequences as a list (e.g. list(d.values())): the answers come in its order")


def test_S31_08_a_tuple_label_streams_back_as_the_tuple_predict_returns(paired):
    # before: Streamer(export) answered ['running', True], a list (export.json writes the tuple as an array), which
    # is unequal to predict's ('running', True) and cannot key a dict
    est, directory, X, times = paired
    expected = est.predict([X[5][:6]], times=[times[5][:6]])[0]
    assert isinstance(expected, tuple)
    for source in (directory, est):
        streamer = rnnkit.Streamer(source)
        for k in range(6):
            out = streamer.step("a", X[5][k], time=times[5][k])
        assert out.prediction == expected and isinstance(out.prediction, tuple)
        assert {out.prediction: 1}[expected] == 1


def test_S31_09_a_streamed_regression_is_undone_in_float64(motions):
    # before: y * y_scale + y_mean in float32, so a target near 1.7e9 (epoch seconds; numbers 128 apart) came back
    # up to 64 away from predict's, its spread a few units
    X, _ = motions
    target = 1.7e9 + X[:, :, 0].max(1)
    reg = rnnkit.SequenceRegressor(**QUICK).fit(X, target)
    streamer = rnnkit.Streamer(reg)
    for x_t in X[2]:
        out = streamer.step("a", x_t)
    assert abs(out.prediction - reg.predict(X[2:3])[0]) < 1e-3


def test_S31_10_the_exported_graphs_hold_no_constant_that_no_node_reads(paired, motions, tmp_path):
    # before: the sequence.onnx of each model without time_aware held one ('val_7_2'), and onnxruntime warned at every
    # load with its default log level: "Removing initializer 'val_7_2'. It is not used by any node and should be
    # removed from the model."
    import onnx

    def read(graph, names: set) -> set:
        for node in graph.node:
            names.update(node.input)
            for a in node.attribute:
                for sub in ([a.g] if a.type == onnx.AttributeProto.GRAPH else []) + list(a.graphs):
                    read(sub, names)
        return names | {o.name for o in graph.output}

    _, directory, _, _ = paired
    both = rnnkit.SequenceClassifier(**QUICK | dict(bidirectional=True)).fit(*motions)  # one graph: the quicker export
    rnnkit.export_onnx(both, tmp_path / "both", verbose=False)
    for path in (directory / "sequence.onnx", directory / "step.onnx", tmp_path / "both" / "sequence.onnx"):
        graph = onnx.load(path).graph
        assert [t.name for t in graph.initializer if t.name not in read(graph, set())] == []


def test_S31_11_threads_stepping_their_own_streams_of_an_export_get_their_own_answers(paired):
    # before: the observation and output buffers that every stream's I/O binding shares were written and read by
    # each thread at once, so a stream could step on another's observation or return another's output: 11 of 40
    # BasicMotions streams (8 threads) ended on another's probabilities, without a word
    import threading

    est, directory, X, times = paired
    streamer = rnnkit.Streamer(directory)
    last = {}

    def client(k: int) -> None:
        for rep in range(4):
            for t in range(X.shape[1]):
                out = streamer.step((k, rep), X[k][t], time=times[k][t])
            last[k, rep] = out.probabilities

    threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = est.predict_proba(list(X[:8]), times=list(times[:8]))
    for (k, rep), p in sorted(last.items()):
        np.testing.assert_allclose(p, expected[k], atol=1e-6, err_msg=f"stream {(k, rep)}")


def test_S31_12_a_fitted_search_is_named_with_its_best_estimator(motions, tmp_path):
    # before: "serve: expected a fitted SequenceClassifier, SequenceRegressor or SequenceTagger, got GridSearchCV";
    # "export_onnx: cannot export a GridSearchCV; give a fitted SequenceClassifier, ..." (and "Streamer: cannot
    # export a GridSearchCV"): the tuned model it holds not named
    from sklearn.model_selection import GridSearchCV

    X, y = motions
    search = GridSearchCV(rnnkit.SequenceClassifier(**QUICK), {"hidden_size": [3, 4]}, cv=2).fit(X, y)
    hint = (f"got a GridSearchCV, the search, not the model; give its best_estimator_ (the estimator refitted on all "
            f"the data with the best parameters, {search.best_params_})")
    for who, call in (("serve", lambda: create_app(search)), ("Streamer", lambda: rnnkit.Streamer(search)),
                      ("export_onnx", lambda: rnnkit.export_onnx(search, tmp_path / "e"))):
        with pytest.raises(ValueError) as e:
            call()
        assert str(e.value) == f"{who}: {hint}"
    assert not (tmp_path / "e").exists()
    unfitted = GridSearchCV(rnnkit.SequenceClassifier(**QUICK), {"hidden_size": [3, 4]})
    with pytest.raises(ValueError, match=r"^serve: got a GridSearchCV without a best_estimator_ \(not fitted, or "
                                         r"refit=False\); fit it with refit=True \(the default\) and give its "
                                         r"best_estimator_$"):
        create_app(unfitted)
    rnnkit.Streamer(search.best_estimator_).step("a", X[0][0])  # what the message names streams
