"""The LSTM cell."""

from __future__ import annotations

import numbers

import torch
from torch import Tensor

from ..checks import is_finite_number
from .base import AffineCell, LSTMState, as_state, check_forget_bias


class LSTMCell(AffineCell):
    """Long short-term memory cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000),
    torch.nn.LSTM's maths and gate order ``i, f, g, o``:

        i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)        input gate
        f = sigmoid(W_if x + b_if + W_hf h + b_hf)        forget gate
        g = tanh   (W_ig x + b_ig + W_hg h + b_hg)        candidate
        o = sigmoid(W_io x + b_io + W_ho h + b_ho)        output gate
        c' = f * c + i * g
        h' = o * tanh(c')

    :meth:`gates` computes ``i, f, g, o``; :meth:`step` the state update ``c', h'`` from them.

    State: ``LSTMState(h, c)``, each ``(B, H)`` (torch.nn.LSTMCell's plain tuple ``(h, c)`` is read as one). Parameters
    as torch.nn.LSTM: ``weight_ih (4H, F)``,
    ``weight_hh (4H, H)``, ``bias_ih (4H,)``, ``bias_hh (4H,)``.

    ``forget_bias`` (default 1.0): the forget gate's total bias ``b_if + b_hf`` starts at this value
    (``b_if = forget_bias``, ``b_hf = 0``), so the cell remembers by default early in training
    (Jozefowicz et al. 2015, "An empirical exploration of recurrent network architectures"). ``None`` keeps
    torch.nn's plain uniform init.
    """

    num_gates = 4
    state_type = LSTMState

    def __init__(
        self, input_size: int, hidden_size: int, *, bias: bool = True, forget_bias: float | None = 1.0
    ):
        if forget_bias is not None and not is_finite_number(forget_bias):  # NaN would make every output NaN
            finite = " finite" if isinstance(forget_bias, numbers.Real) and not isinstance(forget_bias, bool) else ""
            raise ValueError(f"{type(self).__name__}: forget_bias must be a{finite} number or None, got "
                             f"{forget_bias!r}")
        check_forget_bias(type(self).__name__, forget_bias, bias)
        self.forget_bias = forget_bias
        super().__init__(input_size, hidden_size, bias=bias)

    def initialise(self, name: str, t: Tensor) -> None:
        super().initialise(name, t)
        if self.forget_bias is not None and name in ("bias_ih", "bias_hh"):
            H = self.hidden_size
            t[H : 2 * H].fill_(self.forget_bias if name == "bias_ih" else 0.0)

    def gates(self, xw_t: Tensor, state: LSTMState) -> dict[str, Tensor]:
        """``{i, f, g, o}``, each ``(N, H)``, from ``xw_t = W_ih x + b_ih (N, 4H)`` and ``state.h (N, H)``."""
        state = as_state(state, LSTMState, type(self).__name__)  # torch.nn.LSTMCell's (h, c) too
        i, f, g, o = (xw_t + self.recurrent(state.h)).chunk(4, dim=-1)
        return {"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g), "o": torch.sigmoid(o)}

    def step(self, xw_t: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
        # torch.nn.LSTMCell's (h, c) too
        state = as_state(state, LSTMState, type(self).__name__, xw_t, self.hidden_size, self.gate_size, cell=self)
        i, f, g, o = self.gates(xw_t, state).values()
        c = f * state.c + i * g
        h = o * torch.tanh(c)
        return h, LSTMState(h, c)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, forget_bias={self.forget_bias}"
