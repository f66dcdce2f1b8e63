"""The step graph's fused form, and the export of time-aware estimators (their [x, m, δ] built by the client)."""

import collections

import numpy as np
import onnx
import pytest
import torch

from rnnkit import SequenceClassifier, Streamer
from rnnkit.deploy.export import StepGraph, export_onnx, ort_session, resolve
from rnnkit.models import SequenceToLabel, SequenceToSequence


def _randomised(model):
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    return model.eval()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("pooling", ["mean", "attention"])
def test_fused_step_equals_the_cells_own_step(cell, pooling):
    # two layers with different widths in and out, a bias_hh that differs from bias_ih (a fused form that
    # dropped b_hh, swapped gate blocks or put the GRU's reset gate outside W_hn h + b_hn would differ)
    model = _randomised(SequenceToLabel(3, 5, 2, cell=cell, num_layers=2, pooling=pooling))
    fused, reference = StepGraph(resolve(model)), StepGraph(resolve(model), fuse="reference")
    assert fused.forms == ["fused", "fused"] and reference.forms[0].startswith("reference")
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 9, 3, generator=g)
    s_f = s_r = fused.initial_state()[None].repeat(4, 1)
    with torch.no_grad():
        for t in range(9):
            y_f, s_f = fused(x[:, t], s_f)
            y_r, s_r = reference(x[:, t], s_r)
            # float32 with different summation orders: ~1e-6 apart on some CPUs; a wrong fused form is ~1e-1 off
            torch.testing.assert_close(y_f, y_r, atol=1e-5, rtol=0)
            torch.testing.assert_close(s_f, s_r, atol=1e-5, rtol=0)
        expected = model(x)[0]  # the whole sequence, eager: the stream's last output is its label
    torch.testing.assert_close(y_f, expected, atol=1e-5, rtol=0)


def test_fuse_option_is_checked():
    model = SequenceToSequence(3, 4, 2, cell="mingru")
    assert StepGraph(resolve(model)).forms == ["reference (MinGRUCell has no fused step (Elman, LSTM and GRU "
                                               "cells have))"]
    with pytest.raises(ValueError, match="layer 0 cannot run fused: MinGRUCell has no fused step"):
        StepGraph(resolve(model), fuse="fused")
    with pytest.raises(ValueError, match="fuse must be 'auto', 'fused' or 'reference'"):
        StepGraph(resolve(model), fuse="yes")


def test_exported_lstm_step_is_one_matmul_per_cell_and_no_shape_ops(tmp_path):
    model = _randomised(SequenceToSequence(3, 6, 4, cell="lstm", num_layers=2))
    info = export_onnx(model, tmp_path / "e", verbose=False)
    assert info["step"]["layer_forms"] == ["fused", "fused"]
    assert info["step"]["max_abs_error"] < 1e-5
    ops = collections.Counter(n.op_type for n in onnx.load(tmp_path / "e" / "step.onnx").graph.node)
    assert ops["Gemm"] + ops["MatMul"] == 3  # one per layer, one for the head
    assert not {"Reshape", "Unsqueeze", "Squeeze", "Gather", "Cast", "Shape", "Slice"} & set(ops)
    assert sum(ops.values()) <= 2 * 12 + 2  # per layer ~12 operators; the state's Split and Concat


@pytest.fixture(scope="module")
def time_aware_classifier():
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(4, 10), 3)) * [1, 3, 1] + [0, 5, 0] for _ in range(24)]
    for x in X:  # missing values, a whole feature missing at first
        x[rng.random(x.shape) < 0.3] = np.nan
        x[:2, 2] = np.nan
    y = np.array([int(np.nansum(x[:, 0]) > 0) for x in X])
    clf = SequenceClassifier(time_aware=True, hidden_size=5, max_epochs=1, random_state=0, device="cpu")
    return clf.fit(X, y), X


def _client_inputs(pre, x):
    """[x, m, delta] from raw values with NaN, following export.json's formula alone."""
    m = ~np.isnan(x)
    scaled = np.where(m, (x - np.asarray(pre["x_mean"])) / np.asarray(pre["x_scale"]), 0.0)
    delta = np.zeros_like(x)
    for t in range(1, len(x)):
        delta[t] = np.where(m[t - 1], 1.0, delta[t - 1] + 1.0)
    return np.concatenate([scaled, m, delta], axis=1).astype(np.float32)


def test_time_aware_estimator_exports_and_streams_with_missing_values(time_aware_classifier, tmp_path):
    clf, X = time_aware_classifier
    info = export_onnx(clf, tmp_path / "e", verbose=False)
    pre = info["preprocessing"]
    assert "delta_{t+1} = 1 if observed at t else delta_t + 1" in pre["time_aware"]["formula"]
    assert info["sequence"]["inputs"]["x"]["shape"][2] == 9 and pre["n_features"] == 3
    expected = clf.predict_proba(X[:6])

    # the whole sequences, padded, through sequence.onnx
    lengths = np.array([len(x) for x in X[:6]])
    padded = np.zeros((6, lengths.max(), 9), dtype=np.float32)
    for i, x in enumerate(X[:6]):
        padded[i, : len(x)] = _client_inputs(pre, x)
    logits = ort_session(tmp_path / "e" / "sequence.onnx").run(None, {"x": padded, "lengths": lengths})[0]
    p = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(1, keepdims=True), expected, atol=1e-5)

    # one raw observation at a time, NaN for missing, through step.onnx and through the eager step
    for source in (tmp_path / "e", clf):
        stream = Streamer(source)
        for i, x in enumerate(X[:6]):
            for x_t in x:
                out = stream.step(i, x_t)
            np.testing.assert_allclose(out.probabilities, expected[i], atol=1e-5)
        with pytest.raises(ValueError, match="stream 0.*infinity"):
            stream.step(0, [np.inf, 0.0, 0.0])
