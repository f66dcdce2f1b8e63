"""The Elman (simple) recurrent cell."""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.modules import activation

from ..checks import closest_name
from .base import AffineCell, as_state

_ACTIVATIONS = {name.lower() for name in activation.__all__} - {"tanh", "relu"}  # gelu, leakyrelu, relu6, ...


def _nonlinearity_fix(given) -> str:
    """The way on for a nonlinearity other than 'tanh' or 'relu': the name meant where ``given`` is one of them in
    another case, with spaces, or misspelt ('Tanh', 'tanh ', 'rleu'); the choice of two where it names another of
    torch's activations ('gelu', 'leaky_relu', 'hardtanh': no spelling of tanh or relu, however near) or nothing
    near."""
    name = given.strip().lower() if isinstance(given, str) else None
    another = name is not None and name.replace("_", "") in _ACTIVATIONS
    if name is not None and not another:
        meant = closest_name(name, ("tanh", "relu"), cutoff=0.5)
        if meant:
            return f"did you mean nonlinearity={meant!r}?" + (
                " (lower case, no spaces, as torch.nn.RNN spells it)" if name == meant else "")
    other = f"{given.strip()} is another of torch's activations: " if another else ""
    return (f"{other}torch.nn.RNN's cell has only these two; for another activation or gates, rnnkit.GRU or "
            f"rnnkit.LSTM")


class ElmanCell(AffineCell):
    """Elman RNN cell (Elman 1990), torch.nn.RNN's maths:

        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)

    ``nonlinearity="relu"`` replaces tanh by max(0, .). The output is ``y_t = h_t``; an output layer
    ``o_t = W_ho h_t + c`` belongs to the model heads, not to the cell.

    Parameters (as torch.nn.RNN): ``weight_ih (H, F)``, ``weight_hh (H, H)``, ``bias_ih (H,)``,
    ``bias_hh (H,)``; init U(-1/sqrt(H), 1/sqrt(H)).
    """

    num_gates = 1

    def __init__(self, input_size: int, hidden_size: int, *, nonlinearity: str = "tanh", bias: bool = True):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"ElmanCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}; "
                             f"{_nonlinearity_fix(nonlinearity)}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias=bias)

    def step(self, xw_t: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        # a tensor, not a tuple (h,)
        h = as_state(h, None, type(self).__name__, xw_t, self.hidden_size, self.gate_size, cell=self)
        act = torch.tanh if self.nonlinearity == "tanh" else torch.relu
        h = act(xw_t + self.recurrent(h))
        return h, h

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, nonlinearity={self.nonlinearity!r}"
