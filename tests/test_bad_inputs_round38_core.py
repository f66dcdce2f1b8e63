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


def test_K38_04_a_cell_with_several_hooks_is_warned_once_per_call():
    """A cell carrying a forward hook and a forward pre-hook of the user's (not weight_norm's, spectral_norm's or
    prune's): one warning per call, not one per kind of hook; ``inference_step`` warns of a backward pre-hook too."""
    import warnings

    torch.manual_seed(0)
    layer = rnnkit.Recurrent(rnnkit.GRUCell(3, 4))
    layer.cell.register_forward_hook(lambda *args: None)
    layer.cell.register_forward_pre_hook(lambda *args: None)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        layer(torch.randn(2, 5, 3))
    assert len([w for w in seen if "carries hooks" in str(w.message)]) == 1
    cell = rnnkit.GRUCell(3, 4)
    cell.register_full_backward_pre_hook(lambda *args: None)
    with torch.no_grad(), pytest.warns(UserWarning, match=r"inference_step: the cell \(GRUCell\) carries hooks"):
        inference_step(cell, torch.randn(2, 3), cell.zero_state(2))


@pytest.mark.parametrize("dtype, scale", [(torch.float32, 400.0), (torch.float64, 3000.0), (torch.float16, 40.0)])
def test_K38_05_a_minlstm_on_raw_inputs_in_the_hundreds_steps_as_its_scan(dtype, scale):
    """``rnnkit.MinLSTM`` on raw readings in the hundreds (prices, counts) in its sequential mode (the CPU's
    default: the C++ loop, the reference loop and ``inference_step``): where both gates' pre-activations were
    below about -88 (float32; -17 in float16) ``f / (f + i)`` was 0/0, and the outputs NaN from that step on,
    where the parallel scan (the GPU's default, in logs) gave finite values of the same equations."""
    torch.manual_seed(0)
    layer = rnnkit.MinLSTM(2, 3, num_layers=2).to(dtype)
    x = (torch.randn(3, 6, 2) * scale).to(dtype)
    lengths = torch.tensor([6, 4, 1])
    layer.backend = "reference"
    scan, _ = layer(x, lengths, mode="parallel")
    backends = ["reference"] if dtype == torch.float16 else ["reference", "cpu_loop"]
    for backend in backends:
        layer.backend = backend
        y, state = layer(x, lengths, mode="sequential")
        assert layer.last_backend == backend
        assert not torch.isnan(y).any() and not torch.isnan(state).any()  # was NaN
        tol = 1e-2 if dtype == torch.float16 else 1e-5  # values up to g(p) = p + 0.5 of p in the hundreds
        torch.testing.assert_close(y, scan, atol=tol, rtol=tol)
    cell = layer.layers[0].cell
    with torch.no_grad():
        y_t, _ = inference_step(cell, x[:, 0], cell.zero_state(3))
    torch.testing.assert_close(y_t, cell.step(cell.project(x[:, :1])[:, 0], cell.zero_state(3))[0])
    assert not torch.isnan(y_t).any()


@pytest.mark.parametrize("scale", [1.0, 300.0])
def test_K38_05_minlstm_gradients_of_the_cpp_loop_where_both_gates_vanish(scale):
    """The C++ loop's hand-written backward of the minLSTM in its stable form: every gradient (inputs, initial
    state, weights) the reference's (float64 gradcheck of the loop at small sizes, and float32 against the
    reference), also where both gates underflow."""
    from torch.autograd import gradcheck

    torch.manual_seed(0)
    layer = rnnkit.MinLSTM(2, 3, num_layers=2, backend="cpu_loop").double()
    x = (torch.randn(2, 4, 2, dtype=torch.float64) * scale).requires_grad_()
    h0 = torch.randn(2, 2, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([4, 2])
    assert gradcheck(lambda x, h: layer(x, lengths, h)[0], (x, h0))
    assert layer.last_backend == "cpu_loop"
    layer = layer.float()
    x32 = x.detach().float().requires_grad_()
    grads = {}
    for backend in ("cpu_loop", "reference"):
        layer.backend = backend
        y, state = layer(x32, lengths, h0.detach().float())
        loss = y.pow(2).sum() + state.sum()
        grads[backend] = torch.autograd.grad(loss, [x32, *layer.parameters()])
    for fast, ref in zip(grads["cpu_loop"], grads["reference"], strict=True):
        assert not torch.isnan(fast).any()
        torch.testing.assert_close(fast / ref.abs().max().clamp(min=1), ref / ref.abs().max().clamp(min=1),
                                   atol=1e-5, rtol=0)


def test_K38_03_an_export_with_a_dynamic_time_axis_says_the_loop_holds_one_length():
    """``torch.export.export(layer, (x,), dynamic_shapes=({0: Dim("B"), 1: Dim("T")},))`` of a layer on the reference
    loop: torch's ``Constraints violated (T)! … your code specialized it to be a constant (5)``, naming neither the
    layer nor the loop (and with ``Dim.AUTO`` the time axis was specialized without a word); a static export says
    nothing."""
    import warnings

    from torch.export import Dim

    torch.manual_seed(0)
    layer = rnnkit.LayerNormLSTM(3, 4)
    x = torch.randn(2, 5, 3)
    with pytest.warns(UserWarning, match=r"torch.export traces the reference loop over the time axis in Python, so "
                                         r"the program holds this input's 5 steps .*rnnkit.export_onnx"):
        exported = torch.export.export(layer, (x,), dynamic_shapes=({0: Dim.AUTO, 1: Dim.AUTO},), strict=False)
    torch.testing.assert_close(exported.module()(x)[0], layer(x)[0])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        torch.export.export(layer, (x,), dynamic_shapes=({0: Dim("B")},), strict=False)
    assert not [w for w in seen if "reference loop" in str(w.message)]


@pytest.mark.parametrize("kind", ["LSTM", "RNN"])
@pytest.mark.parametrize("backend", ["auto", "native", "reference"])
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_K38_06_a_float64_layer_under_cpu_autocast_keeps_float64(kind, backend, dtype):
    """A float64 LSTM or RNN (``layer.double()``, a model measured in float64) called inside ``torch.autocast("cpu")``
    (a training loop's context around it): autocast leaves float64 as it is, and torch.nn's layer returns float64,
    but K37-05's cast gave the output and state in bfloat16 or float16: three significant digits of a float64
    model's values, without a word; a forced ``native`` was refused for oneDNN's half precision, which float64 never
    reaches."""
    torch.manual_seed(0)
    torch_layer = getattr(torch.nn, kind)(3, 4, num_layers=2, batch_first=True).double()
    layer = getattr(rnnkit, kind).from_torch(torch_layer, backend=backend)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    with torch.autocast("cpu", dtype=dtype):
        y, state = layer(x, torch.tensor([5, 3]))
        y_torch, _ = torch_layer(x)
    h = state[0] if isinstance(state, tuple) else state
    assert y.dtype == h.dtype == y_torch.dtype == torch.float64  # was bfloat16 / float16
    torch.testing.assert_close(y[0], y_torch[0], atol=1e-12, rtol=0)  # the full sequence: torch.nn's values


@pytest.mark.parametrize("make", [lambda: rnnkit.LSTM(3, 4), lambda: rnnkit.GRU(3, 4),
                                  lambda: rnnkit.LayerNormLSTM(3, 4)])
def test_K38_07_float64_data_to_a_float32_layer_under_autocast_is_refused_with_its_fix(make):
    """``torch.from_numpy(array)`` (float64) given to a float32 layer inside ``torch.autocast("cpu")``: the dtype check
    stood aside under autocast, and torch failed inside, ``mat1 and mat2 must have the same dtype, but got Double and
    BFloat16`` (autocast lowers float32, not float64); outside autocast the refusal advised autocast, which does not
    mix them. A float32 input under autocast runs as before."""
    torch.manual_seed(0)
    layer = make()
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        with pytest.raises(ValueError, match=r"x is torch.float64 but the layer's parameters are torch.float32; "
                                             r"convert the input with x.float\(\) .*torch.autocast lowers float32, "
                                             r"not float64"):
            layer(x)
        assert layer(x.float())[0].dtype in (torch.bfloat16, torch.float32)
    with pytest.raises(ValueError, match=r"x.float\(\) or the layer with layer.double\(\)$"):
        layer(x)  # no advice to run under autocast


def test_K38_07_float64_data_to_a_float32_model_under_autocast_is_refused_naming_the_model():
    """The models' own check (``SequenceToLabel``, a fit's model called in an autocast loop) alike."""
    from rnnkit.models import SequenceToLabel

    torch.manual_seed(0)
    model = SequenceToLabel(3, 4, 2)
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    with torch.autocast("cpu", dtype=torch.bfloat16), \
            pytest.raises(ValueError, match=r"SequenceToLabel: x is torch.float64 but the SequenceToLabel's parameters "
                                            r"are torch.float32; .*model.double\(\) \(torch.autocast lowers float32, "
                                            r"not float64"):
        model(x)


@pytest.mark.parametrize("make", [lambda: rnnkit.GRUCell(3, 4), lambda: rnnkit.LayerNormLSTMCell(3, 4),
                                  lambda: rnnkit.MinLSTMCell(3, 4), lambda: rnnkit.TimeAware(rnnkit.LSTMCell(2, 4))])
def test_K38_08_a_float64_reading_to_a_streaming_step_is_refused_naming_the_cell(make):
    """``inference_step(cell, torch.from_numpy(reading), state)`` under ``torch.no_grad()`` (a stream's usual mode, the
    lean step) with a float32 cell: torch's ``mat1 and mat2 must have the same dtype, but got Double and Float``,
    where the same call with autograd on (the reference) named the cell and the fix; under autocast too."""
    torch.manual_seed(0)
    cell = make()
    x = torch.rand(2, cell.input_size, dtype=torch.float64)
    state = cell.stream_start(2) if isinstance(cell, rnnkit.TimeAware) else cell.zero_state(2)
    with torch.no_grad():
        with pytest.raises(ValueError, match=rf"inference_step: x_t is torch.float64 but the {type(cell).__name__}'s "
                                             r"parameters are torch.float32; convert the input with "
                                             r"x_t.to\(torch.float32\)"):
            inference_step(cell, x, state)
        with torch.autocast("cpu", dtype=torch.bfloat16), \
                pytest.raises(ValueError, match=r"torch.autocast lowers float32, not float64"):
            inference_step(cell, x, state)
        y, _ = inference_step(cell, x.float(), state)  # the reading converted: the step
    assert y.shape == (2, 4)


def test_K38_08_a_cells_projection_of_float64_under_autocast_is_refused_naming_the_cell():
    """``cell.project(x)`` of float64 x inside autocast (a hand-written loop over a cell): the check stood aside for
    any dtype under autocast, and torch failed inside (``mat1 and mat2 must have the same dtype``)."""
    cell = rnnkit.LSTMCell(3, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        with pytest.raises(ValueError, match=r"LSTMCell.project: x is torch.float64 but the cell's parameters are "
                                             r"torch.float32; .*torch.autocast lowers float32, not float64"):
            cell.project(torch.randn(2, 5, 3, dtype=torch.float64))
        assert cell.project(torch.randn(2, 5, 3)).dtype == torch.bfloat16


def test_K38_09_a_reading_as_numpy_or_a_list_to_a_streaming_step_is_refused_with_its_conversion():
    """``inference_step(cell, row, state)`` with the reading as a numpy array or a list (as a stream's source gives
    it): ``AttributeError: 'numpy.ndarray' object has no attribute 'dim'``, naming nothing."""
    import numpy as np

    cell = rnnkit.GRUCell(3, 4)
    with torch.no_grad():
        with pytest.raises(ValueError, match=r"inference_step: x_t must be a tensor \(batch, 3\), got ndarray of "
                                             r"shape \(2, 3\); convert it with torch.as_tensor\(x_t, "
                                             r"dtype=torch.float32\)"):
            inference_step(cell, np.zeros((2, 3), dtype=np.float32), cell.zero_state(2))
        with pytest.raises(ValueError, match=r"got list; .*torch.as_tensor\(x_t, dtype=torch.float32\)\[None\]"):
            inference_step(cell, [0.1, 0.2, 0.3], cell.zero_state(1))
        y, _ = inference_step(cell, torch.as_tensor([0.1, 0.2, 0.3], dtype=torch.float32)[None], cell.zero_state(1))
    assert y.shape == (1, 4)
