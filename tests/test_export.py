"""ONNX export: every cell of the zoo, both graphs, equal to eager torch under onnxruntime; export.json; CLI."""

import json

import numpy as np
import onnx
import pytest
import torch

from rnnkit import GRUCell, LayerNormLSTMCell, MinGRUCell, MinLSTMCell, SequenceClassifier, TimeAware
from rnnkit.deploy.export import export_onnx, ort_session, read_export, resolve
from rnnkit.models import LanguageModel, SequenceToLabel, SequenceToSequence

# every cell of the zoo, every pooling, both output kinds, stacked and bidirectional
ZOO = {
    "rnn-mean": lambda: SequenceToLabel(3, 6, 4, cell="rnn", pooling="mean"),
    "lstm-tagger-2-layers": lambda: SequenceToSequence(3, 6, 4, cell="lstm", num_layers=2),
    "gru-final-2-layers": lambda: SequenceToLabel(3, 6, 4, cell="gru", num_layers=2),
    "layernorm_lstm-max": lambda: SequenceToLabel(3, 6, 4, cell=LayerNormLSTMCell, pooling="max"),
    "mingru-tagger": lambda: SequenceToSequence(3, 6, 4, cell=MinGRUCell),
    "minlstm-last": lambda: SequenceToLabel(3, 6, 4, cell=MinLSTMCell, pooling="last"),
    "time_aware_gru-mean": lambda: SequenceToLabel(6, 6, 4, cell=TimeAware(GRUCell(4, 6)), pooling="mean"),
    "bidirectional-lstm-mean-2-layers": lambda: SequenceToLabel(3, 6, 4, cell="lstm", num_layers=2,
                                                                bidirectional=True, pooling="mean"),
    "bidirectional-mingru-tagger": lambda: SequenceToSequence(3, 6, 4, cell=MinGRUCell, bidirectional=True),
    # what the model reads before its encoder, and attention pooling (streamed as an online softmax)
    "gru-attention": lambda: SequenceToLabel(3, 6, 4, cell="gru", pooling="attention"),
    "lstm-patch-normalise": lambda: SequenceToLabel(3, 6, 4, cell="lstm", frontend="patch", stride=3,
                                                    normalise="series"),
    "bidirectional-rnn-conv-attention": lambda: SequenceToLabel(3, 6, 4, cell="rnn", frontend="conv", stride=2,
                                                                bidirectional=True, pooling="attention"),
    # LSTM-FCN: a convolutional branch beside the recurrence (window means of ceil(9 / 4) = 3 steps at stride 9)
    "gru-fcn-stride-9": lambda: SequenceToLabel(3, 6, 4, cell="gru", frontend="fcn", stride=9, pooling="mean"),
    "bidirectional-lstm-fcn": lambda: SequenceToLabel(3, 6, 4, cell="lstm", frontend="fcn", stride=1,
                                                      bidirectional=True, normalise="series"),
}
# the reason each model has no step graph (a word of it)
NO_STEP = {"bidirectional-lstm-mean-2-layers": "bidirectional", "bidirectional-mingru-tagger": "bidirectional",
           "lstm-patch-normalise": "normalise='series'", "bidirectional-rnn-conv-attention": "bidirectional",
           "gru-fcn-stride-9": "strided front-end", "bidirectional-lstm-fcn": "bidirectional"}


def _inputs(model, B, T, seed):
    """Random inputs; a TimeAware model gets a 0/1 mask and positive gaps, and non-zero x_mean to decay to."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B, T, resolve(model).input_size, generator=g)  # a front-end's input, if it has one
    cell = model.encoder.cells()[0]
    if isinstance(cell, TimeAware):
        F = cell.n_features
        x[..., F : 2 * F] = (x[..., F : 2 * F] > 0.3).float()
        x[..., 2 * F :] = 3 * x[..., 2 * F :].abs()
    return x


def _randomise(model):
    """Parameters far from their init (gains, TimeAware decays and means), so that every term matters."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5 + (1.0 if "gamma" in name else 0.0))
        for name, b in model.named_buffers():  # batch norm's running statistics (a variance is positive)
            if name.endswith("running_mean"):
                b.copy_(torch.randn(b.shape, generator=g) * 0.5)
            elif name.endswith("running_var"):
                b.copy_(torch.rand(b.shape, generator=g) + 0.5)
        for cell in model.encoder.cells():
            if isinstance(cell, TimeAware):
                cell.x_mean.copy_(torch.randn(cell.n_features, generator=g))
    return model.eval()


@pytest.mark.parametrize("name", list(ZOO))
def test_every_cell_exports_equal_to_eager(name, tmp_path, capsys):
    torch.manual_seed(0)
    model = _randomise(ZOO[name]())
    info = export_onnx(model, tmp_path / "export")
    assert "max |onnxruntime - eager|" in capsys.readouterr().out
    assert info["sequence"]["max_abs_error"] < 1e-5
    assert {c["lengths"] for c in info["sequence"]["checks"]} == {"random", "full"}

    # our own check, on inputs the export never saw, from the files on disk
    sequence = ort_session(tmp_path / "export" / "sequence.onnx")
    x = _inputs(model, 4, 11, seed=5)  # 11 steps: not a multiple of a front-end's stride
    lengths = torch.tensor([11, 1, 6, 9])
    with torch.no_grad():
        expected = model(x, lengths)[0]
    got = sequence.run(None, {"x": x.numpy(), "lengths": lengths.numpy()})[0]
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-5, rtol=0)

    if name in NO_STEP:
        assert info["step"]["file"] is None and NO_STEP[name] in info["step"]["reason"]
        assert not (tmp_path / "export" / "step.onnx").exists()
        return
    assert info["step"]["max_abs_error"] < 1e-5
    step = ort_session(tmp_path / "export" / "step.onnx")
    state = np.repeat(np.asarray(info["step"]["initial_state"], dtype=np.float32)[None], 4, axis=0)
    for t in range(11):
        y_t, state = step.run(None, {"x_t": x[:, t].numpy(), "state_in": state})
        if model.head.__class__.__name__ == "StepHead":
            valid = (lengths > t).numpy()
            np.testing.assert_allclose(y_t[valid], expected[valid, t].numpy(), atol=1e-5, rtol=0)
        else:  # a label model's y_t is the label of the sequence so far: the whole sequence's at its end
            ended = (lengths == t + 1).numpy()
            np.testing.assert_allclose(y_t[ended], expected[ended].numpy(), atol=1e-5, rtol=0)


def test_step_state_layout_tiles_the_state(tmp_path):
    model = _randomise(SequenceToLabel(6, 5, 2, cell=TimeAware(GRUCell(4, 5)), pooling="max"))
    info = export_onnx(model, tmp_path / "e", verbose=False)
    layout = info["step"]["state_layout"]
    assert [s["name"] for s in layout] == ["layer0.h", "layer0.x_last", "pool.max", "pool.count"]
    assert layout[0]["start"] == 0
    assert all(a["stop"] == b["start"] for a, b in zip(layout[:-1], layout[1:], strict=True))
    assert layout[-1]["stop"] == info["step"]["state_size"] == 5 + 2 + 5 + 1
    initial = np.asarray(info["step"]["initial_state"])
    np.testing.assert_allclose(initial[5:7], model.encoder.cells()[0].x_mean.numpy())  # x_last starts at x_mean
    assert not initial[:5].any() and not initial[7:].any()
    graph = onnx.load(tmp_path / "e" / "step.onnx").graph
    assert [i.name for i in graph.input] == ["x_t", "state_in"]
    assert [o.name for o in graph.output] == ["y_t", "state_out"]
    assert graph.input[1].type.tensor_type.shape.dim[1].dim_value == 13


def test_refuses_to_write_an_export_off_tolerance_or_over_a_foreign_directory(tmp_path, monkeypatch):
    from rnnkit.deploy import export

    model = SequenceToLabel(2, 3, 2, cell="gru")
    # an error beyond the tolerance (a negative tolerance is refused before the graphs are built)
    monkeypatch.setattr(export, "check_sequence", lambda *args, **kwargs: [
        {"B": 1, "T": 1, "lengths": "full", "max_abs_error": 0.5}])
    with pytest.raises(ValueError, match="differ from the eager model by up to 0.5.*nothing was written"):
        export_onnx(model, tmp_path / "e", verbose=False)
    monkeypatch.undo()
    assert not (tmp_path / "e").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not an rnnkit ONNX export directory"):
        export_onnx(model, foreign, verbose=False)
    assert (foreign / "notes.txt").read_text() == "keep me"
    with pytest.raises(ValueError, match="not an rnnkit ONNX export directory"):
        read_export(foreign)


def test_refuses_what_it_cannot_export(tmp_path):
    from rnnkit import LSTM, SequenceClassifier
    from rnnkit.forecast import Forecaster

    with pytest.raises(ValueError, match="not fitted"):
        export_onnx(SequenceClassifier(), tmp_path / "a")
    with pytest.raises(ValueError, match="Forecaster is not fitted"):
        export_onnx(Forecaster(lookback=4, horizon=2), tmp_path / "b")
    with pytest.raises(ValueError, match="cannot export a Linear"):
        export_onnx(torch.nn.Linear(2, 2), tmp_path / "c")
    with pytest.raises(ValueError, match="cannot export a LanguageModel"):  # its input is tokens, not features
        export_onnx(LanguageModel(10, 4), tmp_path / "c")
    with pytest.raises(ValueError, match="zoneout"):
        export_onnx(LSTM(2, 3, zoneout=0.1), tmp_path / "d")
    assert not any(tmp_path.iterdir())


@pytest.fixture(scope="module")
def saved_classifier(tmp_path_factory):
    from rnnkit import SequenceClassifier

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(3, 12), 3)) * [1, 5, 0.1] + [0, 10, 0] for _ in range(40)]
    y = np.array(["up" if x[:, 0].sum() > 0 else "down" for x in X])
    clf = SequenceClassifier(hidden_size=8, frontend=None, max_epochs=2, random_state=0, device="cpu").fit(X, y)
    path = tmp_path_factory.mktemp("clf") / "model"
    clf.save(path)
    return clf, path, X


def test_cli_export_of_a_saved_classifier(saved_classifier, tmp_path, capsys):
    from rnnkit.cli import main

    clf, path, X = saved_classifier
    assert main(["export", str(path), "--out", str(tmp_path / "onnx")]) == 0
    assert "max |onnxruntime - eager|" in capsys.readouterr().out
    info = json.loads((tmp_path / "onnx" / "export.json").read_text())
    pre = info["preprocessing"]
    assert info["source"] == "SequenceClassifier" and pre["n_features"] == 3
    np.testing.assert_allclose(pre["x_mean"], clf.x_mean_, rtol=1e-6)
    np.testing.assert_allclose(pre["x_scale"], clf.x_scale_, rtol=1e-6)
    assert pre["output"]["classes"] == ["down", "up"]
    assert info["versions"]["onnx"] == onnx.__version__ and info["versions"]["rnnkit"]

    # a client that follows export.json alone reproduces predict_proba
    session = ort_session(tmp_path / "onnx" / "sequence.onnx")
    lengths = np.array([len(x) for x in X[:5]])
    padded = np.zeros((5, lengths.max(), 3), dtype=np.float32)
    for i, x in enumerate(X[:5]):
        padded[i, : len(x)] = (x - np.asarray(pre["x_mean"])) / np.asarray(pre["x_scale"])
    logits = session.run(None, {"x": padded, "lengths": lengths})[0]
    p = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(1, keepdims=True), clf.predict_proba(X[:5]), atol=1e-5)
    assert [pre["output"]["classes"][k] for k in logits.argmax(1)] == clf.predict(X[:5]).tolist()

    # exporting again replaces the export; a missing model directory is a one-line error
    assert main(["export", str(path), "--out", str(tmp_path / "onnx")]) == 0
    assert main(["export", str(tmp_path / "missing"), "--out", str(tmp_path / "x")]) == 2
    assert "rnnkit export: error:" in capsys.readouterr().err


def test_a_client_following_export_json_reproduces_the_window_reading_of_a_model_trained_on_windows(tmp_path):
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(rng.integers(8, 30), 2)) for _ in range(24)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    clf = SequenceClassifier(hidden_size=8, frontend=None, crop=0.7, max_epochs=1, random_state=0,
                             device="cpu").fit(X, y)
    info = export_onnx(clf, tmp_path / "e", verbose=False)
    windows = info["preprocessing"]["windows"]
    assert windows["count"] == clf.predict_windows_ == 5 and windows["fraction"] == 0.7
    session = ort_session(tmp_path / "e" / "sequence.onnx")
    pre = info["preprocessing"]
    for x, want in zip(X[:4], clf.predict_proba(X[:4]), strict=True):
        z = ((x - np.asarray(pre["x_mean"])) / np.asarray(pre["x_scale"])).astype(np.float32)
        L = len(x)
        w = max(1, round(windows["fraction"] * L))
        starts = [round((L - w) * k / (windows["count"] - 1)) for k in range(windows["count"])]
        logits = np.mean([session.run(None, {"x": z[None, s : s + w], "lengths": np.array([w])})[0][0]
                          for s in starts], axis=0)
        p = np.exp(logits - logits.max())
        np.testing.assert_allclose(p / p.sum(), want, atol=1e-5)
