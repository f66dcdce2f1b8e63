"""Round 41, the core: bad inputs a PyTorch user brings to rnnkit's layers, cells and diagnostics (K41-NN)."""

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
