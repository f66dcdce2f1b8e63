"""Streaming: one observation at a time, per stream, reproduces predict on whole sequences."""

import numpy as np
import pytest

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.deploy import Streamer, export_onnx

FAST = dict(hidden_size=8, max_epochs=2, random_state=0, device="cpu")


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
    with pytest.raises(ValueError, match="stream 'sensor-7' contains NaN"):
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
