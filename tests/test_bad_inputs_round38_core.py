"""Thirty-eighth round, core: the last round's left rows (a TimeAware stream under CPU autocast, torch.nn layers
inside cells re-initialised under a parametrization), ... (K38-NN rows of docs/bad_inputs.md). Each test fails on
the commit before its fix."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils import parametrizations
from torch.nn.utils import parametrize as P

import rnnkit
from rnnkit.kernels.step import inference_step


def _time_aware_step_input(B: int, F: int) -> torch.Tensor:
    values = torch.randn(B, 3, F)
    values[0, 1, 0] = float("nan")  # a missing reading: the input decay and imputation take part
    return rnnkit.time_aware_inputs(values, torch.tensor([0.0, 1.0, 3.5]).expand(B, 3))[:, 2]


@pytest.mark.parametrize("inner", [rnnkit.GRUCell, rnnkit.MinGRUCell, rnnkit.ElmanCell, rnnkit.LSTMCell])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_K38_01_a_time_aware_stream_under_cpu_autocast_keeps_the_references_dtype(inner, dtype):
    """``inference_step`` of a TimeAware cell around a GRU (or minGRU) cell under ``torch.autocast("cpu")``: the
    lean step decayed the state in place in the hidden decay's bfloat16, so its state and output came out bfloat16
    where ``stream_step`` (the reference) and the layer give float32; an Elman cell's are the lower precision on
    both sides."""
    torch.manual_seed(0)
    cell = rnnkit.TimeAware(inner(4, 5))
    x, stream = _time_aware_step_input(3, 2), cell.stream_start(3)
    with torch.inference_mode(), torch.autocast("cpu", dtype=dtype):
        y, new = inference_step(cell, x, stream)
        y_ref, new_ref = cell.stream_step(x, stream)
    assert y.dtype == y_ref.dtype  # was bfloat16 against float32 for a GRU or minGRU inside
    fields = lambda s: tuple(s.state) if isinstance(s.state, tuple) else (s.state,)  # noqa: E731
    assert [t.dtype for t in fields(new)] == [t.dtype for t in fields(new_ref)]
    torch.testing.assert_close(y.float(), y_ref.float(), atol=0.02, rtol=0)


class _Scaled(torch.nn.Module):
    """A parametrization without right_inverse (as AWD-LSTM's weight drop): the original is the weight it is
    applied to, and takes the init."""

    def forward(self, w):
        return 0.5 * w


@pytest.mark.parametrize("parametrization", ["weight_norm", "mask"])
@pytest.mark.parametrize("which", ["time_aware", "convlstm_x", "convlstm_h"])
def test_K38_02_reset_parameters_reaches_a_parametrized_weight_of_a_torch_layer_inside(which, parametrization):
    """``reset_parameters`` (K32-02's idiom between folds) of a TimeAware cell whose hidden decay's weight (a
    torch.nn.Linear), or of a ConvLSTM cell whose convolution's weight, carries ``weight_norm`` or a mask: torch's
    own ``reset_parameters`` initialised the weight computed at that access, and the trained weight stayed. The
    new weight is the one a plain cell draws from the same seed."""
    def make():
        if which == "time_aware":
            cell = rnnkit.TimeAware(rnnkit.GRUCell(4, 3))
            return cell, cell.decay_h
        cell = rnnkit.ConvLSTMCell(2, 3, image_size=(4, 4))
        return cell, cell.conv_x if which == "convlstm_x" else cell.conv_h

    torch.manual_seed(0)
    cell, module = make()
    torch.manual_seed(1)
    cell.reset_parameters()
    drawn = module.weight.detach().clone()  # an unparametrized cell's init from seed 1
    cell, module = make()
    if parametrization == "weight_norm":
        parametrizations.weight_norm(module, "weight")
    else:
        P.register_parametrization(module, "weight", _Scaled())
    with torch.no_grad():  # "trained"
        if parametrization == "weight_norm":
            module.weight = torch.full_like(module.weight, 3.0)
        else:
            module.parametrizations.weight.original.fill_(3.0)
    torch.manual_seed(1)
    cell.reset_parameters()
    weight = module.weight if parametrization == "weight_norm" else module.parametrizations.weight.original
    torch.testing.assert_close(weight.detach(), drawn, atol=1e-6, rtol=1e-5)  # was 3.0 everywhere


@pytest.mark.parametrize("make", [lambda: rnnkit.LayerNormLSTM(3, 4, num_layers=2), lambda: rnnkit.MinGRU(3, 4),
                                  lambda: rnnkit.Stacked([rnnkit.Recurrent(rnnkit.LSTMCell(3, 4), zoneout=0.2)])])
def test_K38_03_a_trace_of_the_reference_loop_says_it_holds_one_length(make):
    """``torch.jit.trace`` of a layer that runs the reference loop (a LayerNorm-LSTM, a minGRU on CPU, an LSTM with
    zoneout): the trace holds the loop unrolled over the traced length, and the traced module called at another
    length failed in TorchScript's words (``Expected 5 elements in a list but found 7``), naming no layer and no
    length, without a word at the trace."""
    torch.manual_seed(0)
    layer = make().eval()
    with pytest.warns(UserWarning, match=r"torch.jit.trace records the reference loop unrolled over this input's 5 "
                                         r"steps, so the traced module takes sequences of 5 steps only"):
        traced = torch.jit.trace(layer, (torch.randn(2, 5, 3),), check_trace=False)
    x = torch.randn(3, 5, 3)  # the traced length, another batch: the traced module's values
    torch.testing.assert_close(traced(x)[0], layer(x)[0])


def test_K38_03_a_trace_of_torchs_fused_op_and_a_minimal_layers_scan_warn_of_nothing():
    """The traces that run at any length say nothing: torch's fused LSTM, and a minGRU's parallel scan (the
    warning's advice for the minimal cells)."""
    import warnings

    class Parallel(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = rnnkit.MinGRU(3, 4)

        def forward(self, x):
            return self.rnn(x, mode="parallel")

    torch.manual_seed(0)
    for layer in (rnnkit.LSTM(3, 4), Parallel()):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            traced = torch.jit.trace(layer, (torch.randn(2, 5, 3),), check_trace=False)
        assert not [w for w in seen if "unrolled" in str(w.message)]
        x = torch.randn(2, 7, 3)
        torch.testing.assert_close(traced(x)[0], layer(x)[0])


@pytest.mark.parametrize("backend", ["auto", "reference"])
def test_K38_04_a_hook_on_a_cell_says_it_never_runs(backend):
    """``layer.layers[1].cell.register_forward_hook(...)`` (to read a cell's outputs, as on torch.nn.LSTMCell): no
    path calls a cell, so the hook never ran, without a word (K32's note: left as it was); now a warning names the
    layer to hook instead. A hook on the layer inside runs (K37-06)."""
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4, num_layers=2, backend=backend)
    on_cell, on_layer = [], []
    layer.layers[1].cell.register_forward_hook(lambda module, args, out: on_cell.append(1))
    layer.layers[1].register_forward_hook(lambda module, args, out: on_layer.append(out[0].shape))
    with pytest.warns(UserWarning, match=r"layers.1.cell \(LSTMCell\) carries hooks .*which never run.*register the "
                                         r"hook on the layer layers.1"):
        layer(torch.randn(2, 5, 3))
    assert on_cell == [] and on_layer == [(2, 5, 4)]


def test_K38_04_a_streaming_step_of_a_hooked_cell_says_it_never_runs():
    """``inference_step`` of a cell carrying a full backward hook or a forward hook: the step never calls the cell."""
    torch.manual_seed(0)
    cell = rnnkit.GRUCell(3, 4)
    cell.register_forward_hook(lambda *args: None)
    with torch.no_grad(), pytest.warns(UserWarning, match=r"inference_step: the cell \(GRUCell\) carries hooks"):
        inference_step(cell, torch.randn(2, 3), cell.zero_state(2))
