"""Cells: gradcheck in float64, golden values by hand, one step equal to torch.nn's cells, user cells."""

import math

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.cells import AffineCell, Cell, ElmanCell, GRUCell, LSTMCell, LSTMState


def _step(cell, x, state):
    return cell.step(cell.project(x[:, None])[:, 0], state)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ElmanCell(3, 4),
        lambda: ElmanCell(3, 4, nonlinearity="relu"),
        lambda: LSTMCell(3, 4),
        lambda: GRUCell(3, 4),
        lambda: ElmanCell(3, 4, bias=False),
    ],
)
def test_gradcheck_float64(make):
    cell = make().double()
    x = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    state = cell.zero_state(2, dtype=torch.float64)
    state = rnnkit.cells.base.map_state(lambda s: (s + torch.randn_like(s)).requires_grad_(), state)
    fields = (state,) if isinstance(state, torch.Tensor) else tuple(state)
    params = tuple(cell.parameters())

    def f(x, *rest):
        st = rest[0] if len(fields) == 1 else type(state)(*rest[: len(fields)])
        y, new = _step(cell, x, st)
        return (y, *((new,) if isinstance(new, torch.Tensor) else tuple(new)))

    assert torch.autograd.gradcheck(f, (x, *fields, *params))


def _same_weights(ours, theirs):
    """A torch.nn cell and ours (5 -> 7) with its weights copied."""
    ref, cell = theirs(5, 7), ours(5, 7)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(ref, name))
    return ref, cell


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (ElmanCell, nn.RNNCell),
        (LSTMCell, nn.LSTMCell),
        (GRUCell, nn.GRUCell),
    ],
)
def test_step_equals_torch_cell(ours, theirs):
    ref, cell = _same_weights(ours, theirs)
    x, h, c = torch.randn(3, 5), torch.randn(3, 7), torch.randn(3, 7)
    if ours is LSTMCell:
        y, (h1, c1) = _step(cell, x, LSTMState(h, c))
        h2, c2 = ref(x, (h, c))
        torch.testing.assert_close(c1, c2, atol=1e-6, rtol=1e-5)
    else:
        y, h1 = _step(cell, x, h)
        h2 = ref(x, h)
    torch.testing.assert_close(h1, h2, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(y, h2, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("ours,theirs", [(LSTMCell, nn.LSTMCell), (GRUCell, nn.GRUCell)])
def test_gates_equal_torch_equations_from_torch_weights(ours, theirs):
    """torch.nn has no gates API: the gates by hand from its weights, with the equations of its documentation."""
    ref, cell = _same_weights(ours, theirs)
    x, h, c = torch.randn(3, 5), torch.randn(3, 7), torch.randn(3, 7)
    with torch.no_grad():
        gx = (x @ ref.weight_ih.T + ref.bias_ih).chunk(ref.weight_ih.shape[0] // 7, dim=-1)  # W_i* x + b_i*
        gh = (h @ ref.weight_hh.T + ref.bias_hh).chunk(ref.weight_hh.shape[0] // 7, dim=-1)  # W_h* h + b_h*
        if ours is LSTMCell:
            state = LSTMState(h, c)
            expected = {"i": torch.sigmoid(gx[0] + gh[0]), "f": torch.sigmoid(gx[1] + gh[1]),
                        "g": torch.tanh(gx[2] + gh[2]), "o": torch.sigmoid(gx[3] + gh[3])}
            new = ref(x, (h, c))[1]  # c' = f * c + i * g
            by_hand = expected["f"] * c + expected["i"] * expected["g"]
        else:
            state = h
            r = torch.sigmoid(gx[0] + gh[0])
            expected = {"r": r, "z": torch.sigmoid(gx[1] + gh[1]), "n": torch.tanh(gx[2] + r * gh[2])}
            new = ref(x, h)  # h' = (1 - z) * n + z * h
            by_hand = (1 - expected["z"]) * expected["n"] + expected["z"] * h
        gates = cell.gates(cell.project(x[:, None])[:, 0], state)
    torch.testing.assert_close(by_hand, new, atol=1e-6, rtol=0)  # the hand gates are the ones torch uses
    assert list(gates) == list(expected)  # textbook names, in gate order
    for name, a in expected.items():
        torch.testing.assert_close(gates[name], a, atol=1e-6, rtol=0)


def test_elman_two_steps_golden_by_hand():
    # Constant weights: W_ih = 0.5, W_hh = 0.25, b_ih = 0.1, b_hh = 0 with F = 1, H = 1.
    cell = ElmanCell(1, 1)
    with torch.no_grad():
        cell.weight_ih.fill_(0.5), cell.weight_hh.fill_(0.25), cell.bias_ih.fill_(0.1), cell.bias_hh.zero_()
    layer = rnnkit.Recurrent(cell)
    out, h = layer(torch.tensor([[[1.0], [2.0]]]))
    h1 = math.tanh(0.5 * 1 + 0.1)  # 0.537049566998...
    h2 = math.tanh(0.5 * 2 + 0.1 + 0.25 * h1)
    assert out[0, :, 0].tolist() == pytest.approx([h1, h2], abs=1e-7)
    assert h.item() == pytest.approx(h2, abs=1e-7)
    assert h1 == pytest.approx(0.5370495669980353)


def test_lstm_forget_bias_default_and_switchable():
    cell = LSTMCell(2, 3)
    torch.testing.assert_close(cell.bias_ih[3:6] + cell.bias_hh[3:6], torch.ones(3))
    cell = LSTMCell(2, 3, forget_bias=2.5)
    torch.testing.assert_close(cell.bias_ih[3:6] + cell.bias_hh[3:6], torch.full((3,), 2.5))
    cell = LSTMCell(2, 30, forget_bias=None)  # torch.nn's init: uniform, so not all equal
    assert (cell.bias_ih[30:60] + cell.bias_hh[30:60]).std() > 0
    layer = rnnkit.LSTM(2, 3, num_layers=2)
    for c in layer.cells():
        torch.testing.assert_close(c.bias_ih[3:6] + c.bias_hh[3:6], torch.ones(3))


class PeepholeLSTMCell(AffineCell):
    """A cell torch.nn lacks (Gers & Schmidhuber 2000): gates also read the memory cell.

    i = sigmoid(W_i x + U_i h + p_i * c)
    f = sigmoid(W_f x + U_f h + p_f * c)
    c' = f * c + i * tanh(W_g x + U_g h)
    o = sigmoid(W_o x + U_o h + p_o * c')
    h' = o * tanh(c')
    """

    num_gates = 4
    state_type = LSTMState

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.peep = nn.Parameter(torch.randn(3, hidden_size) * 0.1)

    def step(self, xw_t, state):
        h, c = state
        i, f, g, o = (xw_t + self.recurrent(h)).chunk(4, dim=-1)
        i = torch.sigmoid(i + self.peep[0] * c)
        f = torch.sigmoid(f + self.peep[1] * c)
        c = f * c + i * torch.tanh(g)
        o = torch.sigmoid(o + self.peep[2] * c)
        h = o * torch.tanh(c)
        return h, LSTMState(h, c)


class IndRNNCell(Cell):
    """IndRNN (Li et al. 2018): h' = relu(W x + u * h + b), a per-unit recurrent weight."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size, self.gate_size = input_size, hidden_size, hidden_size
        self.weight_ih = nn.Parameter(torch.randn(hidden_size, input_size) * 0.3)
        self.bias_ih = nn.Parameter(torch.zeros(hidden_size))
        self.u = nn.Parameter(torch.rand(hidden_size))

    def step(self, xw_t, h):
        h = torch.relu(xw_t + self.u * h)
        return h, h


def test_user_cells_run_unchanged_in_every_layer():
    for make in (lambda: PeepholeLSTMCell(3, 4), lambda: IndRNNCell(3, 4)):
        x, lengths = torch.randn(2, 6, 3), torch.tensor([6, 4])
        layer = rnnkit.Recurrent(make())
        out, state = layer(x, lengths)
        # Hand loop over the valid steps of sequence 1 gives the same final state and outputs.
        cell, st = layer.cell, layer.cell.zero_state(1)
        for t in range(4):
            y, st = _step(cell, x[1:2, t], st)
            torch.testing.assert_close(out[1, t], y[0])
        torch.testing.assert_close(rnnkit.cells.base.hidden_of(state)[1], rnnkit.cells.base.hidden_of(st)[0])
        assert out[1, 4:].abs().sum() == 0
        # Bidirectional and stacked composition, gradients flow to the user's parameters.
        stack = rnnkit.Stacked(
            [rnnkit.Bidirectional(rnnkit.Recurrent(make()), rnnkit.Recurrent(make(), reverse=True))]
        )
        out, _ = stack(x, lengths)
        assert out.shape == (2, 6, 8) and stack.last_backend == "reference"
        out.sum().backward()
        assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in stack.parameters())


def test_peephole_differs_from_plain_lstm_only_by_peepholes():
    cell = PeepholeLSTMCell(3, 4)
    plain = LSTMCell(3, 4)
    plain.load_state_dict({k: v for k, v in cell.state_dict().items() if k != "peep"})
    x = torch.randn(2, 5, 3)
    with torch.no_grad():
        cell.peep.zero_()
    torch.testing.assert_close(rnnkit.Recurrent(cell)(x)[0], rnnkit.Recurrent(plain)(x)[0])
