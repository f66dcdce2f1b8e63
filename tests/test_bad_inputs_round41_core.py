"""Round 41, the core: bad inputs a PyTorch user brings to rnnkit's layers, cells and diagnostics (K41-NN)."""

import warnings

import numpy as np
import pytest
import torch

import rnnkit


def one_line(e) -> None:
    assert "\n" not in str(e.value)


# K41-01: a NaN or infinity in the initial state ran to NaN outputs without a word
@pytest.mark.parametrize("make, state, field, at", [
    (lambda: rnnkit.GRU(3, 4), lambda: torch.zeros(2, 1, 4).index_fill_(0, torch.tensor([1]), float("nan")),
     "h", r"h\[1, 0, 0\] \(sequence 1; 4 such"),
    (lambda: rnnkit.LSTM(3, 4, num_layers=2), lambda: (torch.zeros(2, 2, 4), torch.full((2, 2, 4), float("inf"))),
     "c", r"c\[0, 0, 0\] \(sequence 0; 16 such"),
    (lambda: rnnkit.Recurrent(rnnkit.GRUCell(3, 4)), lambda: torch.full((2, 4), float("nan")),
     "h", r"h\[0, 0\] \(sequence 0; 8 such"),
    (lambda: rnnkit.GRU(3, 4, bidirectional=True),
     lambda: torch.zeros(2, 2, 4).index_fill_(1, torch.tensor([1]), float("-inf")), "h", r"h\[0, 1, 0\]"),
])
def test_K41_01_a_nan_or_infinite_initial_state_is_refused_by_position(make, state, field, at):
    layer, x = make(), torch.randn(2, 5, 3)
    with pytest.raises(ValueError, match=rf"state field '{field}' holds -?(nan|inf) at {at}.*every later step.*"
                                         rf"give a finite state \(torch.nan_to_num\({field}"):
        layer(x, state=state())


def test_K41_01_finite_states_run_as_before():
    x = torch.randn(2, 5, 3)
    h0 = torch.nn.Parameter(torch.randn(4))  # a learned state, expanded, with its gradient
    y, _ = rnnkit.GRU(3, 4)(x, state=h0.expand(2, 1, 4))
    y.sum().backward()
    assert torch.isfinite(y).all() and h0.grad is not None
    big = torch.full((2, 1, 4), 3e38)  # finite values whose sum overflows float32 are no NaN
    assert torch.isfinite(rnnkit.GRU(3, 4)(x, state=big)[0]).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_K41_01_a_half_state_whose_sum_overflows_runs_as_before(dtype):
    layer, x = rnnkit.GRU(3, 4).to(dtype), torch.randn(2, 5, 3, dtype=dtype)
    big = torch.full((2, 1, 4), torch.finfo(dtype).max / 2, dtype=dtype)  # its sum is inf in the dtype
    assert torch.isinf(big.sum())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer(x, state=big)


def test_K41_01_a_state_is_read_once_per_call_by_the_outer_layer(monkeypatch):
    # a layer called one step at a time with its state pays one sum per field, not one per layer and direction
    import rnnkit.layers.checks as checks

    read = []
    real = checks._check_finite_state
    monkeypatch.setattr(checks, "_check_finite_state", lambda t, name, who: (read.append(who), real(t, name, who)))
    x = torch.randn(1, 1, 3)
    rnnkit.GRU(3, 4, num_layers=2)(x, state=torch.zeros(1, 2, 4))
    rnnkit.LSTM(3, 4, bidirectional=True)(x, state=(torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)))
    rnnkit.Recurrent(rnnkit.GRUCell(3, 4))(x, state=torch.zeros(1, 4))
    assert read == ["GRU", "LSTM", "LSTM", "Recurrent(GRUCell)"]


def test_K41_01_a_state_under_grad_jvp_compile_and_export_runs_as_before():
    from torch.func import functional_call, grad, jvp

    layer, x, h = rnnkit.GRU(3, 4), torch.randn(2, 5, 3), torch.randn(2, 1, 4)
    params = dict(layer.named_parameters())
    assert grad(lambda s: layer(x, state=s)[0].sum())(h).shape == h.shape
    assert grad(lambda p: functional_call(layer, p, (x,), {"state": h})[0].sum())(params)
    jvp(lambda s: layer(x, state=s)[0], (h,), (torch.full_like(h, float("nan")),))  # a tangent is not the state
    expected = layer(x, state=h)[0]
    torch.testing.assert_close(torch.compile(layer, backend="eager", fullgraph=True)(x, state=h)[0], expected)
    program = torch.export.export(layer, (x,), {"state": h}, strict=False)
    torch.testing.assert_close(program.module()(x, state=h)[0], expected)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graph capture needs a GPU")
def test_K41_01_a_state_in_a_captured_cuda_graph_is_not_read():
    layer = rnnkit.GRU(3, 4).cuda()
    x, h = torch.randn(2, 5, 3, device="cuda"), torch.randn(2, 1, 4, device="cuda")
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.no_grad(), torch.cuda.stream(stream):
        layer(x, state=h)  # warm-up, outside the capture
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.no_grad(), torch.cuda.graph(graph):
        y, _ = layer(x, state=h)
    graph.replay()
    torch.testing.assert_close(y, layer(x, state=h)[0])


# K41-02: a length of 0, below 0 or past T was told min and max alone, with one fix for both cases
def test_K41_02_a_length_out_of_range_is_named_with_its_own_fix():
    x, layer = torch.randn(3, 5, 3), rnnkit.GRU(3, 4)
    with pytest.raises(ValueError, match=r"got min 0 and max 5 \(lengths\[1\] is 0; 1 such in all\); a length counts "
                                         r"a sequence's valid steps, at least 1: drop empty sequences, keep = lengths "
                                         r"> 0, then x\[keep\], lengths\[keep\]$") as e:
        layer(x, [5, 0, 3])
    one_line(e)
    with pytest.raises(ValueError, match=r"got min 3 and max 7 \(lengths\[2\] is 7; 1 such in all\); x holds 5 steps "
                                         r"but a length says 7: pad x with zeros to the longest sequence \(7 steps\), "
                                         r"or give the lengths counted for this x$"):
        layer(x, torch.tensor([5, 3, 7]))
    with pytest.raises(ValueError, match=r"\(lengths\[0\] is -2; 2 such in all\); a length counts.*; x holds 5 steps "
                                         r"but a length says 6"):
        layer(x, [-2, 6, 3])
    keep = torch.tensor([5, 0, 3]) > 0  # the fix given runs
    assert layer(x[keep], torch.tensor([5, 0, 3])[keep])[0].shape == (2, 5, 4)


# K41-03: a dropout or zoneout rate given as a percentage, as 1, negative or as text was told the range alone
@pytest.mark.parametrize("kw, words", [
    (dict(num_layers=2, dropout=20), r"^LSTM: dropout must be a number in \[0, 1\), got 20; a percentage\? dropout "
                                     r"is a probability: dropout=0.2 for 20%$"),
    (dict(num_layers=2, dropout=1.0), r"got 1.0; dropout=1 would zero every output of a layer before the next reads "
                                      r"it; give a probability below 1"),
    (dict(num_layers=2, dropout=-0.2), r"got -0.2; a probability is at least 0; give 0 for none, or 0.2 if the sign"),
    (dict(num_layers=2, dropout="0.2"), r"got '0.2'; give it as a number, dropout=0.2$"),
    (dict(hidden_dropout=50), r"^LSTM: hidden_dropout must be a number in \[0, 1\), got 50; a percentage\? "
                              r"hidden_dropout is a probability: hidden_dropout=0.5 for 50%$"),
    (dict(zoneout=1), r"got 1; zoneout=1 would keep the initial state at every step; give a probability below 1"),
    (dict(input_dropout=float("nan")), r"input_dropout must be a number in \[0, 1\), got nan; give a probability"),
])
def test_K41_03_a_dropout_rate_out_of_range_is_told_the_fix(kw, words):
    with pytest.raises(ValueError, match=words) as e:
        rnnkit.LSTM(3, 4, **kw)
    one_line(e)
    rnnkit.LSTM(3, 4, num_layers=2, dropout=0.2, hidden_dropout=0.5, zoneout=0.1)  # rates in [0, 1) as before


@pytest.mark.parametrize("rate", [np.float64(0.2), np.float32(0.3), torch.tensor(0.2), torch.tensor(0.5).double(),
                                  torch.tensor(0), 0, 0.0, 0.999])
def test_K41_03_a_rate_as_numpy_or_a_0d_tensor_in_range_runs(rate):
    x = torch.randn(2, 5, 3)
    stack = rnnkit.LSTM(3, 4, num_layers=2, dropout=rate)
    layer = rnnkit.Recurrent(rnnkit.LSTMCell(3, 4), input_dropout=rate, hidden_dropout=rate, zoneout=rate)
    assert stack(x)[0].shape == layer(x)[0].shape == (2, 5, 4)
    assert not isinstance(stack.dropout, torch.Tensor) and not isinstance(layer.zoneout, torch.Tensor)  # kept a number


def test_K41_03_a_rate_of_100_or_a_0d_tensor_of_20_is_told_the_right_fix():
    with pytest.raises(ValueError, match=r"got 100; a percentage\? 100% is dropout=1, which would zero every output of "
                                         r"a layer before the next reads it; give a probability below 1") as e:
        rnnkit.LSTM(3, 4, num_layers=2, dropout=100)
    one_line(e)
    with pytest.raises(ValueError, match=r"got tensor\(20.\); a percentage\? zoneout is a probability: zoneout=0.2 "):
        rnnkit.Recurrent(rnnkit.LSTMCell(3, 4), zoneout=torch.tensor(20.0))


# K41-04: the diagnostics given a model with no rnnkit layer (a Linear, a cell, a loop of one's own over torch.nn's
# cell) said so with no way on
class _OwnLoop(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = torch.nn.LSTMCell(3, 4)

    def forward(self, x):
        h = c = x.new_zeros(x.shape[0], 4)
        for t in range(x.shape[1]):
            h, c = self.cell(x[:, t], (h, c))
        return h


@pytest.mark.parametrize("model, words", [
    (lambda: torch.nn.Linear(3, 2), r"Linear contains no rnnkit recurrent layer; the diagnostics read the steps of "
                                    r"rnnkit's recurrent layers \(rnnkit.LSTM, GRU, RNN or Recurrent\(cell\)\): pass a "
                                    r"model that holds one"),
    (lambda: rnnkit.LSTMCell(3, 4), r"it is a cell \(LSTMCell\), one step: wrap it in a layer, rnnkit.Recurrent\(cell"),
    (lambda: torch.nn.GRUCell(3, 4), r"one step: use rnnkit's own cell, rnnkit.GRUCell\(3, 4\), which takes the "
                                     r"torch.nn cell's weights.*wrapped in a layer, rnnkit.Recurrent\(cell\)"),
    (_OwnLoop, r"its 'cell' is a cell \(LSTMCell\) stepped by a loop of the model's own, which the diagnostics cannot "
               r"see: use rnnkit's own cell, rnnkit.LSTMCell\(3, 4\).*in place of the loop$"),
])
def test_K41_04_diagnostics_of_a_model_without_an_rnnkit_layer_name_the_way_on(model, words):
    from rnnkit.diagnostics import gradient_flow, hidden_states

    x = torch.randn(2, 5, 3)
    for diagnostic in (hidden_states, gradient_flow):
        with pytest.raises(ValueError, match=words) as e:
            diagnostic(model(), x)
        one_line(e)


def test_K41_04_the_fix_for_an_own_loop_reads_the_cell_it_names():
    from rnnkit.diagnostics import hidden_states

    model = _OwnLoop()
    with pytest.raises(ValueError, match=r"takes the torch.nn cell's weights with "
                                         r"cell.load_state_dict\(module.cell.state_dict\(\)\)"):
        hidden_states(model, torch.randn(2, 5, 3))
    cell = rnnkit.LSTMCell(3, 4)
    cell.load_state_dict(model.cell.state_dict())  # the fix as told runs, with the loop's own outputs
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(rnnkit.Recurrent(cell)(x)[0][:, -1], model(x))


# K41-05: a layer's size as a float, as text, as 0 or as the batch itself was told the rule alone
@pytest.mark.parametrize("sizes, words", [
    ((3.0, 4), r"got 3.0, 4; input_size is 3 as a float: give it as an int, input_size=3$"),
    ((3, np.float64(16.0)), r"hidden_size is 16 as a float: give it as an int, hidden_size=16$"),
    ((3, 0), r"got 3, 0; hidden_size=0 holds no unit: give the number of units, e.g. 32$"),
    (("8", 4), r"got '8', 4; input_size is text: give the number, input_size=8$"),
    ((torch.zeros(2, 5, 3), 4), r"input_size is a tensor of shape \(2, 5, 3\): pass its number of features, "
                                r"x.shape\[-1\]$"),
    ((torch.tensor(3), 4), r"got tensor\(3\), 4; input_size is a 0-d tensor: give it as an int, input_size=3 "
                           r"\(int\(input_size\)\)$"),
    ((3, True), r"got 3, True; hidden_size=True is a bool, no count: give the number of units, e.g. 32$"),
])
def test_K41_05_a_size_that_is_no_count_is_told_the_int(sizes, words):
    for layer in (rnnkit.GRU, rnnkit.LSTMCell):
        with pytest.raises(ValueError, match=r"input_size and hidden_size must be integers >= 1, .*" + words) as e:
            layer(*sizes)
        one_line(e)


# K41-06: lengths as a column (B, 1) were told the shapes alone; a pandas Series of lengths was refused with the
# Series printed over lines
def test_K41_06_lengths_as_a_column_or_a_series():
    import pandas as pd

    x, layer = torch.randn(2, 5, 3), rnnkit.GRU(3, 4)
    for column in (torch.tensor([[5], [3]]), np.array([[5, 3]]), pd.DataFrame({"length": [5, 3]})):
        with pytest.raises(ValueError, match=r"lengths must have shape \(B,\) = \(2,\), got \((2, 1|1, 2)\); one "
                                             r"length per sequence in a column or a row: pass lengths.flatten") as e:
            layer(x, column)
        one_line(e)
    expected = layer(x, [5, 3])[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torch.equal(layer(x, pd.Series([5, 3], index=[10, 11]))[0], expected)  # by position, as numpy reads it
    with pytest.raises(ValueError, match=r"got Series holding .*; pass the number of valid steps") as e:
        layer(x, pd.Series(["5", None]))
    one_line(e)


def test_K41_01_a_nan_state_under_vmap_names_the_sample():
    from torch.func import functional_call, vmap

    layer = rnnkit.GRU(3, 4)
    params = {k: v.detach() for k, v in layer.named_parameters()}
    x, h = torch.randn(3, 5, 3), torch.zeros(3, 1, 4)
    h[2, 0, 1] = float("nan")

    def out(p, x_b, h_b):
        return functional_call(layer, p, (x_b[None],), {"state": h_b[None]})[0][0]

    with pytest.raises(ValueError, match=r"holds nan at h\[0, 0, 1\] of torch.func.vmap's sample 2"):
        vmap(out, in_dims=(None, 0, 0))(params, x, h)
    h[2, 0, 1] = 0.0
    assert vmap(out, in_dims=(None, 0, 0))(params, x, h).shape == (3, 5, 4)


# K41-07: x as a numpy array or a pandas frame was told its type alone; a backend's typo ('refrence') no name
def test_K41_07_x_as_numpy_or_a_frame_and_a_backend_typo_are_told_the_fix():
    import pandas as pd

    x = torch.randn(2, 5, 3)
    with pytest.raises(ValueError, match=r"got ndarray of shape \(2, 5, 3\); convert it with torch.as_tensor\(x, "
                                         r"dtype=torch.float64, device='cpu'\)$") as e:
        rnnkit.LSTM(3, 4).double()(x.numpy())  # in the layer's dtype
    one_line(e)
    frame = pd.DataFrame(x[0].numpy())
    with pytest.raises(ValueError, match=r"got DataFrame of shape \(5, 3\); convert it with torch.as_tensor\(x.to_numpy"
                                         r"\(\), dtype=torch.float32, device='cpu'\).unsqueeze\(0\) \(the frame as one "
                                         r"sequence"):
        rnnkit.GRU(3, 4)(frame)
    assert rnnkit.GRU(3, 4)(torch.as_tensor(frame.to_numpy(), dtype=torch.float32).unsqueeze(0))[0].shape == (1, 5, 4)
    with pytest.raises(ValueError, match=r"got 'refrence'; did you mean 'reference'\?$"):
        rnnkit.GRU(3, 4, backend="refrence")
    with pytest.raises(ValueError, match=r"got 'cpu'; 'cpu' is a device: move the layer with .to\('cpu'\)$"):
        rnnkit.GRU(3, 4, backend="cpu")  # a device still, not 'cpu_gru'


# K41-01, after the suite's run: a state rnnkit carries itself (truncated BPTT's chunks, an encoder-decoder's handoff)
# is not read for NaN, so a NaN in x is named by the loss guard at its position in x, not as a state the user gave
def test_K41_01_a_state_rnnkit_carries_itself_is_not_refused_as_a_users_state():
    from rnnkit.layers.checks import states_carried
    layer, x, h = rnnkit.GRU(3, 4), torch.randn(2, 5, 3), torch.full((2, 1, 4), float("nan"))
    with states_carried():
        out, _ = layer(x, state=h)
    assert torch.isnan(out).all()
    with pytest.raises(ValueError, match="state field 'h' holds nan"):  # outside it, as before
        layer(x, state=h)
    x[0, 1, 0] = float("nan")
    out = rnnkit.EncoderDecoder(3, 4, 2)(x, None, torch.randint(0, 2, (2, 3)))[0]  # before: the decoder refused
    assert torch.isnan(out[0]).all() and torch.isfinite(out[1]).all()             # "its" state, which x made NaN
