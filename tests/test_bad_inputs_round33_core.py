"""Round 33 of the core API as a PyTorch user meets it (K33-NN in docs/bad_inputs.md): the layers given the states,
modules and compilers that torch code hands them. Each test fails on the code before its fix."""

from __future__ import annotations

import warnings

import pytest
import torch

import rnnkit


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


# -- K33-01: an initial state of another count of layers and directions ------------------------------------------------
@pytest.mark.parametrize("build, n, state, theirs", [
    (lambda: rnnkit.LSTM(3, 5, num_layers=2, bidirectional=True), 4, (torch.zeros(4, 2, 5),) * 2, "holds 2"),
    (lambda: rnnkit.GRU(3, 5, num_layers=2), 2, torch.zeros(4, 1, 5), "holds 1, as a layer of num_layers=1 returns"),
    (lambda: rnnkit.GRU(3, 5, num_layers=2), 2, torch.zeros(3, 4, 5), "torch.nn's layout (L*D, B, H)"),
    (lambda: rnnkit.Bidirectional(rnnkit.Recurrent(rnnkit.GRUCell(3, 5)),
                                  rnnkit.Recurrent(rnnkit.GRUCell(3, 5), reverse=True)),
     2, torch.zeros(4, 4, 5), "num_layers=4 or num_layers=2, bidirectional returns"),
], ids=["LSTM-2-bi-given-2", "GRU-2-given-1", "GRU-2-given-3-torch-layout", "Bidirectional-given-4"])
def test_K33_01_a_state_of_another_count_of_layers_is_named(build, n, state, theirs):
    layer = build()
    with pytest.raises(ValueError, match=r"state field 'h' must have shape \(4, \d, 5\), got .*; the layer has "
                                         r"num_layers=\d, bidirectional=(True|False): \d states per sequence") as error:
        layer(torch.randn(4, 6, 3), None, state)
    message = one_line(error)
    assert theirs in message and "give one per layer and direction" in message
    right = torch.zeros(4, n, 5)  # one per layer and direction runs
    y, _ = layer(torch.randn(4, 6, 3), None, (right, right) if isinstance(layer, rnnkit.LSTM) else right)
    assert y.shape[:2] == (4, 6)


# -- K33-02: torch.jit.script of a layer or of a model that holds one --------------------------------------------------
@pytest.mark.parametrize("build, who", [
    (lambda: rnnkit.LSTM(3, 5, num_layers=2), "LSTM"),
    (lambda: rnnkit.Recurrent(rnnkit.MinGRUCell(3, 5)), "Recurrent"),
    (lambda: rnnkit.models.SequenceToLabel(3, 5, 2, cell="gru"), "GRU"),
], ids=["LSTM", "Recurrent", "SequenceToLabel"])
def test_K33_02_torch_jit_script_is_refused_naming_trace_and_export(build, who):
    with pytest.raises(ValueError, match=rf"^{who}: torch.jit.script cannot compile rnnkit's layers") as error:
        torch.jit.script(build())
    assert "torch.jit.trace(model, (x,))" in one_line(error) and "torch.export.export" in one_line(error)
    if who == "LSTM":  # the trace it points to runs other batches and lengths
        layer = build().eval()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            traced = torch.jit.trace(layer, (torch.randn(2, 6, 3),), strict=False)
        x = torch.randn(3, 9, 3)
        torch.testing.assert_close(traced(x)[0], layer(x)[0], atol=1e-6, rtol=0)


# -- K33-03: per-sample gradients (torch.func.vmap over grad) of a TimeAware (GRU-D) layer -----------------------------
def test_K33_03_per_sample_gradients_of_a_time_aware_layer_equal_one_sequence_at_a_time():
    from torch.func import functional_call, grad, vmap

    torch.manual_seed(0)
    F = 2
    layer = rnnkit.Stacked([rnnkit.Recurrent(rnnkit.TimeAware(rnnkit.LSTMCell(2 * F, 4)))])
    layer.layers[0].cell.set_mean(torch.randn(10, F), torch.ones(10, F))
    values, mask = torch.randn(3, 5, F), (torch.rand(3, 5, F) > 0.3).float()
    x = torch.cat([values * mask, mask, torch.rand(3, 5, F) * 3], dim=-1)
    lengths = torch.tensor([5, 3, 4])
    params = {k: v.detach() for k, v in layer.named_parameters()}
    buffers = dict(layer.named_buffers())

    def loss(p, x_b, length_b):
        out, _ = functional_call(layer, (p, buffers), (x_b[None], length_b[None]))
        return out.pow(2).sum()

    # was: the NaN check of the inputs read their values, which vmap refuses ("vmap: It looks like you're ... calling
    # .item() on a Tensor")
    per_sample = vmap(grad(loss), in_dims=(None, 0, 0))(params, x, lengths)
    for b in range(3):
        layer.zero_grad()
        out, _ = layer(x[b : b + 1], lengths[b : b + 1])
        out.pow(2).sum().backward()
        for name, p in layer.named_parameters():
            torch.testing.assert_close(per_sample[name][b], p.grad, atol=1e-5, rtol=1e-4)
    # grad alone still reads the values: NaN at a missing entry is refused by name
    x[1, 2, 0] = float("nan")
    with pytest.raises(ValueError, match=r"x holds nan at sequence 0, step 0, column 0"):
        grad(loss)(params, x[1, 2:], torch.tensor(3))


# -- K33-04: a layer-normalised LSTM of one unit ----------------------------------------------------------------------
@pytest.mark.parametrize("build", [
    lambda: rnnkit.LayerNormLSTM(3, 1),
    lambda: rnnkit.LayerNormLSTMCell(3, 1),
    lambda: rnnkit.models.SequenceToLabel(3, 1, 2, cell="layernorm_lstm"),
], ids=["LayerNormLSTM", "LayerNormLSTMCell", "SequenceToLabel"])
def test_K33_04_a_layer_normalised_lstm_of_one_unit_is_refused(build):
    # was: built, and its output was sigmoid(bias_o) * tanh(beta_c) for every input (0 at init), every weight's
    # gradient 0: a constant model, silently
    with pytest.raises(ValueError, match=r"^LayerNormLSTMCell: hidden_size=1 normalises each gate's pre-activation "
                                         r"over one unit, which is always 0") as error:
        build()
    assert "rnnkit.LSTMCell for a single unit" in one_line(error)
    layer = rnnkit.LayerNormLSTM(3, 2)  # two units read their input
    x = torch.randn(4, 6, 3)
    assert layer(x)[0].std(dim=0).max() > 1e-3


# -- K33-05: a layer-normalised LSTM of one input feature (a univariate series) ---------------------------------------
@pytest.mark.parametrize("build", [
    lambda: rnnkit.LayerNormLSTM(1, 8),
    lambda: rnnkit.models.SequenceToLabel(1, 8, 1, cell="layernorm_lstm"),
    lambda: rnnkit.models.SequenceToSequence(1, 8, 1, cell=rnnkit.LayerNormLSTMCell),
], ids=["LayerNormLSTM", "SequenceToLabel", "SequenceToSequence-factory"])
def test_K33_05_a_layer_normalised_lstm_of_one_input_feature_warns(build):
    # was: built without a word, and LN(W_ih x) = sign(x) LN(W_ih): the cell read the sign of each value alone, so
    # the series [0.5, 2, 5] and [3, 0.2, 50] gave the same outputs to 3e-3
    with pytest.warns(UserWarning, match=r"^LayerNormLSTMCell: input_size=1: the norm of W_ih x over each gate block "
                                         r"is sign\(x\) \* LN\(W_ih\)") as record:
        build()
    message = str(record[0].message)
    assert "\n" not in message and "x = torch.cat([x, torch.ones_like(x)], dim=-1) with input_size=2" in message
    # the way on it names reads the values: two series of the same signs part, and builds without a warning
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer = rnnkit.LayerNormLSTM(2, 8)
    x, x2 = torch.tensor([[[0.5], [2.0], [5.0]]]), torch.tensor([[[3.0], [0.2], [50.0]]])
    constant = lambda v: torch.cat([v, torch.ones_like(v)], dim=-1)
    assert (layer(constant(x))[0] - layer(constant(x2))[0]).abs().max() > 0.1
