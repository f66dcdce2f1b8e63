"""The GRU cell."""

from __future__ import annotations

import torch
from torch import Tensor

from .base import AffineCell, as_state


class GRUCell(AffineCell):
    """Gated recurrent unit (Cho et al. 2014), torch.nn.GRU's maths and gate order ``r, z, n``:

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        reset gate
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)        update gate
        n = tanh   (W_in x + b_in + r * (W_hn h + b_hn))  candidate
        h' = (1 - z) * n + z * h

    Deliberate deviation from Cho et al.: the reset gate multiplies the recurrent term *after* the matmul
    (``r * (W_hn h + b_hn)``, not ``W_hn (r * h)``). This is torch.nn's and cuDNN's form; it lets the three
    recurrent matmuls run as one, and keeps parameters convertible 1:1 with torch.nn.GRU.

    :meth:`gates` computes ``r, z, n``; :meth:`step` the state update ``h'`` from them.

    Parameters: ``weight_ih (3H, F)``, ``weight_hh (3H, H)``, ``bias_ih (3H,)``, ``bias_hh (3H,)``.
    """

    num_gates = 3

    def gates(self, xw_t: Tensor, h: Tensor) -> dict[str, Tensor]:
        """``{r, z, n}``, each ``(N, H)``, from ``xw_t = W_ih x + b_ih (N, 3H)`` and ``h (N, H)``."""
        x_r, x_z, x_n = xw_t.chunk(3, dim=-1)
        h_r, h_z, h_n = self.recurrent(h).chunk(3, dim=-1)
        r = torch.sigmoid(x_r + h_r)
        z = torch.sigmoid(x_z + h_z)
        n = torch.tanh(x_n + r * h_n)
        return {"r": r, "z": z, "n": n}

    def step(self, xw_t: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        # a tensor, not a tuple (h,)
        h = as_state(h, None, type(self).__name__, xw_t, self.hidden_size, self.gate_size, cell=self)
        _, z, n = self.gates(xw_t, h).values()  # r acts inside n
        h = (1 - z) * n + z * h
        return h, h
