"""The Elman (simple) recurrent cell."""

from __future__ import annotations

import torch
from torch import Tensor

from ..checks import closest_name
from .base import AffineCell, as_state


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
            meant = closest_name(nonlinearity.strip().lower(), ("tanh", "relu"), cutoff=0.5) \
                if isinstance(nonlinearity, str) else None
            fix = (f"did you mean nonlinearity={meant!r}? (lower case, no spaces, as torch.nn.RNN spells it)" if meant
                   else "the two of torch.nn.RNN; for another activation or gates, rnnkit.GRU or rnnkit.LSTM")
            raise ValueError(f"ElmanCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}; {fix}")
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
