"""Streaming: one observation at a time, per stream, reproduces predict on whole sequences."""

import numpy as np
import pytest

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.deploy import Streamer, export_onnx

FAST = dict(hidden_size=8, max_epochs=2, random_state=0, device="cpu", bidirectional=False)  # streams


def _data(seed=0, n=30):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(rng.integers(2, 10), 3)) * [1, 4, 0.2] + [0, 7, 0] for _ in range(n)]
    return X, rng


@pytest.fixture(scope="module")
def tagger_export(tmp_path_factory):
    X, _ = _data()
    y = [np.where(x[:, 0] > 0, "pos", "neg") for x in X]
    tagger = SequenceTagger(cell="gru", num_layers=2, **FAST).fit(X, y)
    path = tmp_path_factory.mktemp("tagger") / "onnx"
    export_onnx(tagger, path, verbose=False)
    return tagger, path


@pytest.fixture(scope="module")
def classifier_export(tmp_path_factory):
    X, _ = _data(1)
    y = [int(x[:, 0].sum() > 0) + 2 * int(len(x) > 5) for x in X]  # four classes
    clf = SequenceClassifier(cell="lstm", pooling="mean", **FAST).fit(X, y)
    path = tmp_path_factory.mktemp("classifier") / "onnx"
    export_onnx(clf, path, verbose=False)
    return clf, path


def _interleaved(streamer, sequences):
    """Feed the sequences' steps round-robin (the streams interleave); every stream's outputs in order."""
    outputs = {i: [] for i in range(len(sequences))}
    for t in range(max(len(s) for s in sequences)):
        live = {i: s[t] for i, s in enumerate(sequences) if t < len(s)}
        for i, out in streamer.step_many(live).items():
            outputs[i].append(out)
    return outputs


@pytest.mark.parametrize("backend", ["onnxruntime", "torch"])
def test_tagger_streams_equal_predict_at_every_step(tagger_export, backend):
    tagger, path = tagger_export
    streamer = Streamer(path) if backend == "onnxruntime" else Streamer(tagger)
    assert streamer.backend == backend
    X, _ = _data(7, n=6)
    outputs = _interleaved(streamer, X)
    labels, probabilities = tagger.predict(X), tagger.predict_proba(X)
    for i in range(len(X)):
        assert [o.prediction for o in outputs[i]] == labels[i].tolist()
        np.testing.assert_allclose(np.stack([o.probabilities for o in outputs[i]]), probabilities[i], atol=1e-5)


@pytest.mark.parametrize("backend", ["onnxruntime", "torch"])
def test_classifier_stream_ends_at_predict_proba(classifier_export, backend):
    clf, path = classifier_export
    streamer = Streamer(path) if backend == "onnxruntime" else Streamer(clf)
    X, _ = _data(8, n=8)
    outputs = _interleaved(streamer, X)
    final = np.stack([outputs[i][-1].probabilities for i in range(len(X))])
    np.testing.assert_allclose(final, clf.predict_proba(X), atol=1e-5)
    assert [outputs[i][-1].prediction for i in range(len(X))] == clf.predict(X).tolist()
    # along the way, each step's output is the prediction for the prefix read so far
    i = next(i for i, x in enumerate(X) if len(x) >= 5)
    np.testing.assert_allclose(outputs[i][3].probabilities, clf.predict_proba([X[i][:4]])[0], atol=1e-5)


def test_reset_starts_a_stream_over(classifier_export):
    clf, path = classifier_export
    streamer = Streamer(path)
    X, _ = _data(9, n=2)
    for step in X[0]:
        streamer.step("a", step)
    streamer.step("b", X[1][0])
    assert sorted(streamer.streams) == ["a", "b"]
    streamer.reset("a")
    assert streamer.streams == ["b"]
    outs = [streamer.step("a", step) for step in X[1]]  # "a" now reads X[1] from its start
    np.testing.assert_allclose(outs[-1].probabilities, clf.predict_proba([X[1]])[0], atol=1e-5)
    streamer.reset()
    assert streamer.streams == []


def test_regressor_stream_gives_values_in_target_units():
    X, rng = _data(2)
    y = np.array([100 + 10 * x[:, 0].mean() for x in X])
    reg = SequenceRegressor(cell="rnn", **FAST).fit(X, y)
    streamer = Streamer(reg)
    outs = [streamer.step(0, s) for s in X[3]]
    assert outs[-1].prediction == pytest.approx(float(reg.predict([X[3]])[0]), abs=1e-4)
    assert outs[-1].probabilities is None


def test_bad_observations_name_the_stream(classifier_export):
    _, path = classifier_export
    streamer = Streamer(path)
    with pytest.raises(ValueError, match="stream 'sensor-7' has 2 values; the model reads 3 features"):
        streamer.step("sensor-7", [1.0, 2.0])
    with pytest.raises(ValueError, match="stream 'sensor-7' holds nan at feature 1; a NaN is a missing value"):
        streamer.step("sensor-7", [1.0, float("nan"), 2.0])
    with pytest.raises(ValueError, match="stream 3 is not numeric"):
        streamer.step(3, ["a", "b", "c"])
    assert streamer.streams == []  # nothing was advanced


def test_a_bidirectional_export_cannot_stream(tmp_path):
    from rnnkit.models import SequenceToLabel

    export_onnx(SequenceToLabel(2, 3, 2, cell="gru", bidirectional=True), tmp_path / "bi", verbose=False)
    with pytest.raises(ValueError, match="no step graph.*bidirectional"):
        Streamer(tmp_path / "bi")
    with pytest.raises(ValueError, match="bidirectional model has no step graph"):
        Streamer(SequenceToLabel(2, 3, 2, cell="gru", bidirectional=True))


def _fast_path_only(streamer, monkeypatch):
    """Make any ``session.run`` fail: what follows must go through the streams' I/O bindings."""
    def run(*args, **kwargs):
        raise AssertionError("session.run was called; the batch-1 step should run its I/O binding")

    monkeypatch.setattr(streamer._session, "run", run)


def test_single_steps_of_interleaved_streams_equal_predict(tagger_export, monkeypatch):
    tagger, path = tagger_export
    streamer = Streamer(path)
    _fast_path_only(streamer, monkeypatch)
    X, _ = _data(10, n=5)
    outputs = {i: [] for i in range(len(X))}
    for t in range(max(len(x) for x in X)):  # one stream at a time, round-robin: each step is batch 1
        for i, x in enumerate(X):
            if t < len(x):
                outputs[i].append(streamer.step(f"s{i}", x[t]))
    labels, probabilities = tagger.predict(X), tagger.predict_proba(X)
    for i in range(len(X)):
        assert [o.prediction for o in outputs[i]] == labels[i].tolist()
        np.testing.assert_allclose(np.stack([o.probabilities for o in outputs[i]]), probabilities[i], atol=1e-5)
    # each result is the stream's own: a later step does not rewrite an earlier step's output
    assert not np.shares_memory(outputs[0][0].y, outputs[0][1].y)


def test_batched_and_single_steps_share_each_streams_state(classifier_export):
    clf, path = classifier_export
    streamer = Streamer(path)
    X, _ = _data(11, n=4)
    X = [x for x in X if len(x) >= 4][:3]
    last = {}
    for t in range(max(len(x) for x in X)):
        live = {i: x[t] for i, x in enumerate(X) if t < len(x)}
        if t % 2:  # odd steps one stream at a time (I/O binding), even ones batched (session.run)
            last.update({i: streamer.step(i, x_t) for i, x_t in live.items()})
        else:
            last.update(streamer.step_many(live))
    final = np.stack([last[i].probabilities for i in range(len(X))])
    np.testing.assert_allclose(final, clf.predict_proba(X), atol=1e-5)


def test_streams_own_their_state_buffers(classifier_export):
    _, path = classifier_export
    streamer = Streamer(path)
    X, _ = _data(12, n=2)
    initial = streamer.initial_state.copy()
    first_alone = Streamer(path).step("b", X[1][0]).y
    for x_t in X[0]:
        streamer.step("a", x_t)
    b = streamer.step("b", X[1][0])  # a fresh stream starts from the initial state, whatever "a" did
    np.testing.assert_array_equal(b.y, first_alone)
    np.testing.assert_array_equal(streamer.initial_state, initial)
    a, b = streamer._streams["a"], streamer._streams["b"]
    assert not np.shares_memory(a.buffers, b.buffers)
    assert not np.shares_memory(a.buffers, streamer.initial_state)


def test_reset_replays_a_stream_exactly(tagger_export, monkeypatch):
    _, path = tagger_export
    streamer = Streamer(path)
    _fast_path_only(streamer, monkeypatch)
    X, _ = _data(13, n=2)
    first = [streamer.step("a", x_t).y for x_t in X[0]]
    streamer.step("b", X[1][0])
    streamer.reset("a")
    again = [streamer.step("a", x_t).y for x_t in X[0]]
    np.testing.assert_array_equal(np.stack(again), np.stack(first))
    streamer.reset()
    assert streamer.streams == []
    np.testing.assert_array_equal(streamer.step("a", X[0][0]).y, first[0])


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # standardising the largest float32
@pytest.mark.parametrize("few_features", [True, False])  # the two finiteness tests: a sum, a mask
def test_every_non_finite_value_is_refused(classifier_export, few_features):
    _, path = classifier_export
    streamer = Streamer(path)
    assert streamer._few_features  # 3 features
    streamer._few_features = few_features
    for bad in (float("inf"), -float("inf"), float("nan")):
        for k in range(3):  # in every position, through both calls
            x_t = np.array([0.0, 1.0, 2.0], dtype=np.float32)
            x_t[k] = bad
            with pytest.raises(ValueError, match=rf"stream 'x' holds -?{bad} at feature {k};"):
                streamer.step("x", x_t)
            with pytest.raises(ValueError, match=rf"stream 'x' holds -?{bad} at feature {k};"):
                streamer.step_many({"y": [0.0, 1.0, 2.0], "x": x_t})
    with pytest.raises(ValueError, match="stream 'x' contains NaN or infinity"):
        streamer.step("x", [0.0, 1.0, 1e39])  # finite as a double, infinite as the float32 the graph reads
    assert streamer.streams == []
    huge = np.finfo(np.float32).max  # finite values pass the input check, however large (their float32 sum
    with pytest.raises(ValueError, match=r"^Streamer: the output of stream 'x' is NaN: feature "):  # would overflow)
        streamer.step("x", [huge, huge, huge])  # the network's arithmetic cannot carry them: refused after the step
    assert streamer.streams == []  # the refused step left no state behind
    streamer.step("x", [1e30, -1e30, 1e30])
    assert streamer.streams == ["x"]


def test_observations_of_any_numeric_form_step_alike(classifier_export, monkeypatch):
    """A list, a float64 array or a (1, F) row is read as the float64 values it holds, on the batch-1 path as in
    the batched call, and standardised in float64 as predict does (T30-02); a float32 array as its own values,
    which differ from them by float32's rounding."""
    _, path = classifier_export
    X, _ = _data(14, n=1)
    forms = {"f32": lambda x: x.astype(np.float32), "list": lambda x: x.tolist(), "f64": lambda x: x,
             "row": lambda x: x.reshape(1, -1)}
    single, batched = Streamer(path), Streamer(path)
    _fast_path_only(single, monkeypatch)
    for x_t in X[0]:
        outs = {name: single.step(name, form(x_t)) for name, form in forms.items()}
        many = batched.step_many({name: form(x_t) for name, form in forms.items()})
        for name in forms:
            if name == "f32":  # the values rounded to float32
                np.testing.assert_allclose(outs[name].y, outs["f64"].y, rtol=0, atol=1e-6)
            else:
                np.testing.assert_array_equal(outs[name].y, outs["f64"].y)
                np.testing.assert_array_equal(outs[name].probabilities, outs["f64"].probabilities)
            np.testing.assert_allclose(many[name].y, outs["f64"].y, rtol=0, atol=1e-6)


def test_a_stream_of_a_model_trained_on_windows_warns_that_it_reads_the_whole_sequence(tmp_path):
    X, _ = _data(2)
    y = [int(x[:, 0].sum() > 0) for x in X]
    clf = SequenceClassifier(crop=0.8, frontend=None, **FAST).fit(X, y)
    export_onnx(clf, tmp_path / "e", verbose=False)
    for source in (clf, tmp_path / "e"):
        with pytest.warns(UserWarning, match=r"trained on windows of 0\.8 .* averages 5 of them; a stream reads"):
            streamer = Streamer(source)
        # what it says: the stream's last output is the whole sequence's reading
        outputs = _interleaved(streamer, X[:3])
        final = np.stack([outputs[i][-1].probabilities for i in range(3)])
        clf.predict_windows_ = 1
        np.testing.assert_allclose(final, clf.predict_proba(X[:3]), atol=1e-5)
        clf.predict_windows_ = 5
