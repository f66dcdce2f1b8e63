"""Bad input raises ValueError naming what was expected; nothing is silently broadcast."""

import pytest
import torch

import rnnkit
from rnnkit.cells import LSTMState


@pytest.fixture(params=["stacked", "recurrent"])
def layer(request):
    if request.param == "stacked":
        return rnnkit.LSTM(3, 4, num_layers=2)
    return rnnkit.Recurrent(rnnkit.LSTMCell(3, 4))


@pytest.mark.parametrize(
    "x,match",
    [
        (torch.randn(5, 3), r"\(batch, time, features\)"),
        (torch.randn(1, 2, 5, 3), r"\(batch, time, features\)"),
        (torch.randn(2, 5, 4), "4 features .* input_size=3"),
        (torch.ones(2, 5, 3, dtype=torch.long), "floating-point"),
        (torch.randn(0, 5, 3), "at least one sequence"),
        ([[1.0, 2.0, 3.0]], "torch.Tensor"),
    ],
)
def test_bad_x(layer, x, match):
    with pytest.raises(ValueError, match=match):
        layer(x)


@pytest.mark.parametrize(
    "lengths,match",
    [
        (torch.tensor([5, 6]), r"in \[1, T=5\]"),
        (torch.tensor([5, 0]), r"in \[1, T=5\]"),
        (torch.tensor([5, -1]), r"in \[1, T=5\]"),
        (torch.tensor([5]), r"shape \(B,\) = \(2,\)"),
        (torch.tensor([[5, 5]]), r"shape \(B,\) = \(2,\)"),
        (torch.tensor([5.0, 3.0]), "integer"),
    ],
)
def test_bad_lengths(layer, lengths, match):
    with pytest.raises(ValueError, match=match):
        layer(torch.randn(2, 5, 3), lengths)


def test_bad_state_shapes_are_not_broadcast():
    stacked = rnnkit.LSTM(3, 4, num_layers=2)
    x = torch.randn(2, 5, 3)
    ok = LSTMState(torch.zeros(2, 2, 4), torch.zeros(2, 2, 4))
    stacked(x, state=ok)
    for bad in (
        LSTMState(torch.zeros(2, 4), torch.zeros(2, 4)),  # missing layer axis
        LSTMState(torch.zeros(1, 2, 4), torch.zeros(1, 2, 4)),  # broadcastable batch
        LSTMState(torch.zeros(2, 2, 4), torch.zeros(2, 2, 5)),
        torch.zeros(2, 2, 4),
    ):  # a GRU-style state
        with pytest.raises(ValueError, match="state"):
            stacked(x, state=bad)
    gru = rnnkit.GRU(3, 4)
    with pytest.raises(ValueError, match=r"\(2, 1, 4\)"):
        gru(x, state=torch.zeros(2, 4))
    with pytest.raises(ValueError, match="floating point"):
        gru(x, state=torch.zeros(2, 1, 4, dtype=torch.long))
    rec = rnnkit.Recurrent(rnnkit.GRUCell(3, 4))
    with pytest.raises(ValueError, match=r"\(2, 4\)"):
        rec(x, state=torch.zeros(1, 4))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="backend"):
        rnnkit.GRU(3, 4, backend="cudnn")
    with pytest.raises(ValueError, match="num_layers"):
        rnnkit.GRU(3, 4, num_layers=0)
    with pytest.raises(ValueError, match="dropout"):
        rnnkit.GRU(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="zoneout"):
        rnnkit.GRU(3, 4, zoneout=-0.1)
    with pytest.raises(ValueError, match="nonlinearity"):
        rnnkit.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="forget_bias"):
        rnnkit.GRU(3, 4, forget_bias=1.0)
    with pytest.raises(ValueError, match="torch.nn.LSTM"):
        rnnkit.LSTM.from_torch(torch.nn.GRU(3, 4))
    with pytest.raises(ValueError, match="proj_size"):
        rnnkit.LSTM.from_torch(torch.nn.LSTM(3, 4, proj_size=2))
    with pytest.raises(ValueError, match="learned initial state"):
        rnnkit.GRU(3, 4, learn_initial_state=True).to_torch()


def test_native_rejects_what_it_cannot_run():
    layer = rnnkit.LSTM(3, 4, backend="native")
    with pytest.raises(ValueError, match="float16"):
        layer.half()(torch.randn(2, 5, 3).half())
    stacked = rnnkit.Stacked([rnnkit.Recurrent(rnnkit.LSTMCell(3, 4), reverse=True)], backend="native")
    with pytest.raises(ValueError, match="reversed"):
        stacked(torch.randn(2, 5, 3))
