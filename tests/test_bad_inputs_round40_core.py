"""Round 40, the core: an initial state as a PyTorch user brings it to the layers and to a cell's step (another
hidden size, one layer's state for a stack, the directions side by side, torch.nn's h_n.view layout, one learned
state for the batch; a numpy array, integers, float64 under autocast, another device)."""

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.kernels.step import inference_step


def _x(B=2):
    return torch.randn(B, 5, 3, generator=torch.Generator().manual_seed(0))


# K40-01: a state of another shape than the layer's, in a layout other than the ones already named, was refused
# naming the two shapes alone: no word of what the state was or how to make it fit
@pytest.mark.parametrize("make, shape, match", [
    (lambda: rnnkit.LSTM(3, 4, num_layers=2), (2, 2, 5),
     r"the layer's hidden_size is 4 but this state's last axis holds 5.*leave state out for zeros"),
    (lambda: rnnkit.LSTM(3, 4, num_layers=2), (2, 4),
     r"one layer's state, but the layer has 2 per sequence \(num_layers=2, bidirectional=False\): stack one per "
     r"layer and direction, torch\.stack\(\[h_0, h_1\], 1\), or .*h\.unsqueeze\(1\)\.expand\(2, 2, 4\)"),
    (lambda: rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True), (2, 2, 8),
     r"directions' states side by side on the last axis.*pass h\.view\(2, 4, 4\)"),
    (lambda: rnnkit.GRU(3, 4, bidirectional=True), (2, 8), r"side by side.*pass h\.view\(2, 2, 4\)"),
    (lambda: rnnkit.GRU(3, 4, num_layers=3, bidirectional=True), (3, 2, 2, 4),
     r"one axis for layers and one for directions\? rnnkit's \(B, L\*D, H\) is h\.permute\(2, 0, 1, 3\)\.flatten"
     r"\(1, 2\) \(torch\.nn's h_n\.view\(num_layers, num_directions, B, H\)\)"),
    (lambda: rnnkit.GRU(3, 4, num_layers=3, bidirectional=True), (2, 3, 2, 4),
     r"one axis for layers and one for directions\? rnnkit's \(B, L\*D, H\) is h\.flatten\(1, 2\)"),
    (lambda: rnnkit.GRU(3, 4), (4,), r"one state for every sequence \(a learned initial state\)\? expand it to "
                                     r"the batch: h\.expand\(2, 1, 4\)"),
    (lambda: rnnkit.Recurrent(rnnkit.GRUCell(3, 4)), (1, 4), r"learned initial state.*h\.expand\(2, 4\)"),
])
def test_K40_01_state_of_another_shape_says_how_to_make_it_fit(make, shape, match):
    layer = make()
    h = torch.zeros(shape)
    state = (h, h) if isinstance(layer, rnnkit.LSTM) else h
    with pytest.raises(ValueError, match=r"state field 'h' must have shape .*; .*" + match):
        layer(_x(), state=state)


def test_K40_01_hints_fit_the_state():
    """Each fix the messages give makes the state the layer's: the same output as the state built by hand."""
    layer, x = rnnkit.GRU(3, 4, num_layers=2, bidirectional=True), _x()
    h = torch.randn(2, 4, 4)  # (B, L*D, H): layer 0 forward, layer 0 backward, layer 1 forward, layer 1 backward
    expected = layer(x, state=h)[0]
    torch_view = h.transpose(0, 1).view(2, 2, 2, 4)
    torch.testing.assert_close(layer(x, state=torch_view.permute(2, 0, 1, 3).flatten(1, 2))[0], expected)
    side_by_side = h.view(2, 2, 2, 4).flatten(2)  # (B, L, D*H): forward then backward per layer
    torch.testing.assert_close(layer(x, state=side_by_side.view(2, 4, 4))[0], expected)


# K40-02: a state as numpy gave no conversion, an integer state no fix, a state on another device no fix, and a
# float64 state beside float32 data under autocast passed the check and failed inside in torch's words
def test_K40_02_numpy_state_is_told_how_to_convert():
    with pytest.raises(ValueError, match=r"got ndarray; convert it with torch\.as_tensor\(state, dtype=torch\."
                                         r"float32, device='cpu'\)"):
        rnnkit.GRU(3, 4)(_x(), state=np.zeros((2, 1, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"state field 'h' must have shape \(2, 1, 4\), got ndarray; convert it "
                                         r"with torch\.as_tensor\(h, dtype=torch\.float32"):
        rnnkit.LSTM(3, 4)(_x(), state=(np.zeros((2, 1, 4)), np.zeros((2, 1, 4))))


def test_K40_02_integer_state_and_other_device_say_the_fix():
    with pytest.raises(ValueError, match=r"must be floating point, got torch\.int64; convert the state's tensors "
                                         r"with \.float\(\)"):
        rnnkit.GRU(3, 4)(_x(), state=torch.zeros(2, 1, 4, dtype=torch.long))
    with pytest.raises(ValueError, match=r"state field 'h' is on meta but x is on cpu; move the state's tensors "
                                         r"with \.to\('cpu'\)"):
        rnnkit.GRU(3, 4)(_x(), state=torch.zeros(2, 1, 4, device="meta"))


@pytest.mark.parametrize("backend", ["reference", "auto"])
def test_K40_02_float64_state_under_autocast_is_refused_by_name(backend):
    layer = rnnkit.LSTM(3, 4, num_layers=2, backend=backend)
    h = torch.zeros(2, 2, 4, dtype=torch.float64)
    with torch.autocast("cpu", torch.bfloat16), pytest.raises(
            ValueError, match=r"LSTM: state field 'h' is torch\.float64 but x is torch\.float32; convert the "
                              r"state's tensors with \.float\(\) \(torch\.autocast lowers float32, not float64"):
        layer(_x(), state=(h, h))


def test_K40_02_float32_state_under_autocast_runs_as_before():
    layer = rnnkit.GRU(3, 4)
    with torch.autocast("cpu", torch.bfloat16):
        y, _ = layer(_x(), state=torch.zeros(2, 1, 4))
    assert torch.isfinite(y.float()).all()


# K40-03: a cell's step given an integer state advised converting the cell to that integer dtype
# (cell.to(torch.int64)) and running under autocast; a float64 state under autocast failed in torch's words
def test_K40_03_integer_state_to_a_step_is_not_told_to_convert_the_cell_to_integers():
    cell = rnnkit.GRUCell(3, 4)
    with pytest.raises(ValueError, match=r"give the state in torch\.float32: h\.to\(torch\.float32\).*a state holds "
                                         r"real numbers, not torch\.int64") as info:
        inference_step(cell, torch.randn(2, 3), torch.zeros(2, 4, dtype=torch.long))
    assert "cell.to(torch.int64)" not in str(info.value) and "autocast" not in str(info.value)


def test_K40_03_float64_state_to_a_step_names_no_autocast_that_cannot_mix_it():
    cell = rnnkit.GRUCell(3, 4)
    with pytest.raises(ValueError, match=r"or convert the cell with cell\.to\(torch\.float64\)") as info:
        inference_step(cell, torch.randn(2, 3), torch.zeros(2, 4, dtype=torch.float64))
    assert "run under torch.autocast" not in str(info.value)
    with torch.autocast("cpu", torch.bfloat16), pytest.raises(
            ValueError, match=r"GRUCell\.step: the state is h torch\.float64 .*torch\.autocast lowers float32, not "
                              r"float64"):
        inference_step(cell, torch.randn(2, 3), torch.zeros(2, 4, dtype=torch.float64))


def test_K40_03_numpy_state_to_a_step_is_told_how_to_convert():
    with pytest.raises(ValueError, match=r"got a tuple of 2 \(ndarray, ndarray\); convert each with LSTMState\(\*\("
                                         r"torch\.as_tensor\(a, dtype=torch\.float32\) for a in state\)\)"):
        inference_step(rnnkit.LSTMCell(3, 4), torch.randn(2, 3), (np.zeros((2, 4)), np.zeros((2, 4))))
