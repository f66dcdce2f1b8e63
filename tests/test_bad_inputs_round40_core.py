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


# K40-04: layers composed by hand that do not fit were refused naming neither the layers nor what differs, and with
# no way on: "Stacked: all layers need the same hidden_size, state structure and directions", "Bidirectional: both
# directions must have the same input_size and hidden_size"
def _rec(cell, **kw):
    return rnnkit.Recurrent(cell, **kw)


def test_K40_04_stacked_of_other_cells_names_the_layers_and_the_way_on():
    with pytest.raises(ValueError, match=r"got layer 1 GRUCell of hidden_size 4, 1 direction after layer 0 LSTMCell "
                                         r"of hidden_size 4, 1 direction; build every layer alike, or run layers of "
                                         r"different designs one after the other"):
        rnnkit.Stacked([_rec(rnnkit.LSTMCell(3, 4)), _rec(rnnkit.GRUCell(4, 4))])
    with pytest.raises(ValueError, match=r"layer 1 has input_size 4, expected the previous layer's output size 8; "
                                         r"build layer 1's cell with input_size 8 \(hidden_size 4 times 2 directions"):
        bi = rnnkit.Bidirectional(_rec(rnnkit.GRUCell(3, 4)), _rec(rnnkit.GRUCell(3, 4), reverse=True))
        rnnkit.Stacked([bi, rnnkit.Bidirectional(_rec(rnnkit.GRUCell(4, 4)), _rec(rnnkit.GRUCell(4, 4), reverse=True))])


def test_K40_04_bidirectional_of_other_sizes_or_directions_names_them():
    with pytest.raises(ValueError, match=r"got GRUCell\(3, 4\) forward and GRUCell\(3, 5\) backward; build both with "
                                         r"one cell type and sizes"):
        rnnkit.Bidirectional(_rec(rnnkit.GRUCell(3, 4)), _rec(rnnkit.GRUCell(3, 5), reverse=True))
    with pytest.raises(ValueError, match=r"got GRUCell\(3, 4\) forward and LSTMCell\(3, 4\) backward"):
        rnnkit.Bidirectional(_rec(rnnkit.GRUCell(3, 4)), _rec(rnnkit.LSTMCell(3, 4), reverse=True))
    with pytest.raises(ValueError, match=r"got False and False; build them as Recurrent\(cell_f\) and Recurrent\("
                                         r"cell_b, reverse=True\)"):
        rnnkit.Bidirectional(_rec(rnnkit.GRUCell(3, 4)), _rec(rnnkit.GRUCell(3, 4)))
    layer = _rec(rnnkit.GRUCell(3, 4))
    with pytest.raises(ValueError, match=r"are the same Recurrent object, which runs one way; build each direction"):
        rnnkit.Bidirectional(layer, layer)
    with pytest.raises(ValueError, match=r"forward_layer must be a rnnkit\.Recurrent, got GRU; wrap a cell in each "
                                         r"direction"):
        rnnkit.Bidirectional(rnnkit.GRU(3, 4), rnnkit.GRU(3, 4))


def test_K40_04_a_cell_shared_by_both_directions_is_still_taken():
    cell = rnnkit.GRUCell(3, 4)  # weights tied across directions on purpose
    y, _ = rnnkit.Bidirectional(_rec(cell), _rec(cell, reverse=True))(_x())
    assert y.shape == (2, 5, 8)


# K40-05: torch.nn's modules, a class or a layer where rnnkit's cell or layer goes were refused with no way on
@pytest.mark.parametrize("make, match", [
    (lambda: rnnkit.Recurrent(torch.nn.LSTMCell(3, 4)),
     r"got LSTMCell; use rnnkit's own cell, rnnkit\.LSTMCell\(3, 4\), which takes the torch\.nn cell's weights with "
     r"cell\.load_state_dict\(module\.state_dict\(\)\)"),
    (lambda: rnnkit.Recurrent(torch.nn.RNNCell(3, 4)), r"rnnkit\.ElmanCell\(3, 4\)"),
    (lambda: rnnkit.Recurrent(rnnkit.LSTMCell), r"got the class LSTMCell; pass an instance, not the class"),
    (lambda: rnnkit.Recurrent(rnnkit.LSTM(3, 4)), r"got LSTM; LSTM is a layer already: use it as it is"),
    (lambda: rnnkit.Stacked([torch.nn.LSTM(3, 4, batch_first=True)]),
     r"got LSTM; convert it with rnnkit\.LSTM\.from_torch\(module\)"),
    (lambda: rnnkit.Stacked([rnnkit.LSTMCell(3, 4)]), r"got LSTMCell; wrap the cell in a layer: rnnkit\.Recurrent"),
    (lambda: rnnkit.LSTM.from_torch(torch.nn.GRU(3, 4, batch_first=True)),
     r"expects a torch\.nn\.LSTM, got GRU; convert it with rnnkit\.GRU\.from_torch\(module\)"),
])
def test_K40_05_torch_modules_and_classes_where_rnnkit_ones_go_say_the_way(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_K40_05_the_torch_cell_weights_load_as_the_message_says():
    torch.manual_seed(0)
    theirs = torch.nn.LSTMCell(3, 4)
    cell = rnnkit.LSTMCell(3, 4)
    cell.load_state_dict(theirs.state_dict())
    x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
    y, state = inference_step(cell, x, (h, c))
    h1, c1 = theirs(x, (h, c))
    torch.testing.assert_close(state.h, h1)
    torch.testing.assert_close(state.c, c1)


# K40-06: an Ensemble of members of other layer counts or directions was refused with "member 1's
# layers.0.cell.weight_ih has shape none and member 0's (12, 3)": "none" for a parameter that member lacks
@pytest.mark.parametrize("other, match", [
    (lambda: rnnkit.GRU(3, 4, bidirectional=True),
     r"member 0 has a parameter layers\.0\.cell\.weight_ih and member 1 none \(member 0: num_layers=1, "
     r"bidirectional=False; member 1: num_layers=1, bidirectional=True\): they differ in layers or directions"),
    (lambda: rnnkit.GRU(3, 4, num_layers=2),
     r"member 1 has a parameter layers\.1\.cell\.weight_ih and member 0 none \(member 0: num_layers=1, "
     r"bidirectional=False; member 1: num_layers=2, bidirectional=False\)"),
])
def test_K40_06_ensemble_of_other_layers_or_directions_names_them(other, match):
    from rnnkit.models import Ensemble
    with pytest.raises(ValueError, match=match + r".*build every member with the same options") as info:
        Ensemble([rnnkit.GRU(3, 4), other()])
    assert "none and" not in str(info.value) and "shape none" not in str(info.value)


# K40-07: a diagnostic given torch's PackedSequence (as torch.nn's layers take it) failed in numpy's words,
# "setting an array element with a sequence. The requested array has an inhomogeneous shape after 1 dimensions"
@pytest.mark.parametrize("name", ["hidden_states", "gate_statistics"])
def test_K40_07_packed_sequence_to_a_diagnostic_says_how_to_pad_it(name):
    from torch.nn.utils.rnn import pack_padded_sequence

    import rnnkit.diagnostics as diagnostics
    packed = pack_padded_sequence(_x(), torch.tensor([5, 3]), batch_first=True)
    with pytest.raises(ValueError, match=rf"^{name}: X is a PackedSequence; .*pad_packed_sequence\(X, "
                                         rf"batch_first=True\), then {name}\(model, X, lengths=lengths\)"):
        getattr(diagnostics, name)(rnnkit.LSTM(3, 4), packed)


# K40-08: zero_state or initial_state given the batch x itself (for its size) printed the whole tensor, over lines
def test_K40_08_zero_state_of_the_batch_itself_names_its_shape_on_one_line():
    x = _x()
    for call in (lambda: rnnkit.GRUCell(3, 4).zero_state(x), lambda: rnnkit.GRU(3, 4).initial_state(x)):
        with pytest.raises(ValueError, match=r"got a tensor of shape \(2, 5, 3\); pass its batch size, "
                                             r"x\.shape\[0\]$") as info:
            call()
        assert "\n" not in str(info.value)


# Review mends: each guess of K40-01 is made only where its fix gives the layer's state; legitimate states (a learned
# state expanded to the batch, half-precision states under autocast, a float64 network under autocast) run quietly
def test_K40_01_no_guess_whose_fix_cannot_give_the_state():
    layer = rnnkit.GRU(3, 4, num_layers=2, bidirectional=True)
    with pytest.raises(ValueError, match=r"must have shape \(2, 4, 4\), got \(2, 8\)$"):  # h.view(2, 4, 4) cannot
        layer(_x(), state=torch.zeros(2, 8))
    with pytest.raises(ValueError, match=r"must have shape \(2, 1, 4\), got \(2, 5, 3\)$"):  # x itself: no hidden size
        rnnkit.GRU(3, 4)(_x(), state=_x())
    with pytest.raises(ValueError, match=r"hidden_size is 4 but this state's last axis holds 5"):  # torch.nn's layout
        rnnkit.GRU(3, 4, num_layers=3)(_x(), state=torch.zeros(3, 2, 5))
    with pytest.raises(ValueError, match=r"learned initial state\)\? expand it to the batch: h\.expand\(1, 1, 4\)"):
        rnnkit.GRU(3, 4)(_x(1), state=torch.zeros(4))  # one sequence too


@pytest.mark.filterwarnings("error")
def test_K40_01_legitimate_states_run_quietly():
    x = _x(3)
    h0 = torch.nn.Parameter(torch.zeros(4))  # one learned state, expanded (not copied) to the batch
    y, _ = rnnkit.GRU(3, 4, num_layers=2)(x, state=h0.expand(3, 2, 4))
    y.sum().backward()
    assert h0.grad is not None
    for dtype in (torch.bfloat16, torch.float16):  # a half state beside float32 data, as autocast makes it
        for backend in ("reference", "auto"):
            h = torch.zeros(3, 2, 4, dtype=dtype)
            with torch.autocast("cpu", dtype):
                rnnkit.LSTM(3, 4, num_layers=2, backend=backend)(x, state=(h, h))
    with torch.autocast("cpu", torch.bfloat16):  # float64 throughout: nothing for autocast to mix
        rnnkit.GRU(3, 4).double()(x.double(), state=torch.zeros(3, 1, 4, dtype=torch.float64))


def test_K40_05_a_layer_where_a_cell_or_a_stack_where_a_layer_goes_says_so():
    with pytest.raises(ValueError, match=r"got Recurrent; Recurrent is a layer already: use it as it is, or give its "
                                         r"cell, layer\.cell$"):
        rnnkit.Recurrent(rnnkit.Recurrent(rnnkit.GRUCell(3, 4)))
    bi = rnnkit.Bidirectional(rnnkit.Recurrent(rnnkit.GRUCell(3, 4)),
                              rnnkit.Recurrent(rnnkit.GRUCell(3, 4), reverse=True))
    with pytest.raises(ValueError, match=r"got Bidirectional; Bidirectional is a layer already: .*"
                                         r"layer\.forward_layer\.cell$"):
        rnnkit.Recurrent(bi)
    with pytest.raises(ValueError, match=r"got GRU; GRU is a stack already: use it as it is, or give its layers, "
                                         r"rnnkit\.Stacked\(\[\*stack\.layers, \.\.\.\]\)"):
        rnnkit.Stacked([rnnkit.GRU(3, 4)])
    with pytest.raises(ValueError, match=r"got GRU; .*\(or rnnkit\.GRU\(\.\.\., bidirectional=True\)\)$"):
        rnnkit.Bidirectional(torch.nn.GRU(3, 4), torch.nn.GRU(3, 4))


def test_K40_06_members_alike_in_layers_are_not_said_to_differ_in_them():
    from rnnkit.models import Ensemble
    with pytest.raises(ValueError, match=r"member 0 has a parameter layers\.0\.cell\.bias_ih and member 1 none \(\d+ "
                                         r"parameters in member 0, \d+ in member 1, both num_layers=1, bidirectional="
                                         r"False\): they differ in an option that adds or drops a parameter \(bias"
                       ) as info:
        Ensemble([rnnkit.LSTM(3, 4), rnnkit.LSTM(3, 4, bias=False)])
    assert "layers or directions" not in str(info.value)
