"""The layer-normalised LSTM cell."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..checks import is_finite_number
from .base import AffineCell, LSTMState, as_state, check_forget_bias, check_project


def layer_norm_blocks(a: Tensor, blocks: int, eps: float) -> Tensor:
    """Normalise each of ``blocks`` equal slices of the last axis to zero mean and unit variance (no gain):
    ``(..., blocks * H) -> (..., blocks * H)``; the variance is the biased one, as torch's layer_norm."""
    H = a.shape[-1] // blocks
    return F.layer_norm(a.unflatten(-1, (blocks, H)), (H,), eps=eps).flatten(-2)


class LayerNormLSTMCell(AffineCell):
    """LSTM with layer normalisation (Ba, Kiros & Hinton 2016, "Layer normalization", section 3.1 and the
    supplementary LSTM equations), gate order ``i, f, g, o`` as torch.nn.LSTM:

        i, f, g, o = LN(W_ih x_t) * gamma_ih + LN(W_hh h_{t-1}) * gamma_hh + bias
        i, f, g, o = sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(LN(c_t) * gamma_c + beta_c)

    ``LN`` normalises over the hidden units, with the biased variance and ``eps`` (default 1e-5). The two
    pre-activations are normalised **per gate block**: each of the four ``H``-wide blocks has its own mean and
    variance, so a large input gate cannot squash the statistics of the forget gate (as in TensorFlow's
    ``LayerNormBasicLSTMCell``; Ba et al. normalise the whole ``4H`` vector, a deviation stated here). The
    shifts of the two pre-activation norms and the gate bias add up, so they are one parameter ``bias``.

    The input norm is blind to the input's scale, ``LN(W_ih (a x)) = LN(W_ih x)`` for ``a > 0``: the cell reads the
    direction of ``x_t``. With one feature that is its sign alone, so ``input_size=1`` warns (append a constant
    feature, or use :class:`rnnkit.LSTMCell`); ``hidden_size=1``, whose norms are always 0, is refused.

    Parameters: ``weight_ih (4H, F)``, ``weight_hh (4H, H)`` as torch.nn.LSTM (no ``bias_ih``/``bias_hh``:
    a bias before a norm is removed by it); ``gamma_ih (4H,)``, ``gamma_hh (4H,)``, ``bias (4H,)``,
    ``gamma_c (H,)``, ``beta_c (H,)``. Init: weights U(-1/sqrt(H), 1/sqrt(H)), gains 1, shifts 0, and the
    forget-gate bias ``forget_bias`` (default 1.0, Jozefowicz et al. 2015). ``bias=False`` drops ``bias`` and
    ``beta_c``.

    :meth:`project` returns ``LN(W_ih x) * gamma_ih + bias`` for all time steps at once: it depends on the
    input alone, so the input norm leaves the loop with the input matmul. :meth:`gates` computes
    ``i, f, g, o``; :meth:`step` the state update ``c_t, h_t`` from them. State ``LSTMState(h, c)``.
    """

    num_gates = 4
    state_type = LSTMState

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        *,
        bias: bool = True,
        forget_bias: float | None = 1.0,
        eps: float = 1e-5,
    ):
        if forget_bias is not None and not is_finite_number(forget_bias):
            raise ValueError(f"{type(self).__name__}: forget_bias must be a number or None, got {forget_bias!r}")
        check_forget_bias(type(self).__name__, forget_bias, bias)
        if not (is_finite_number(eps) and eps > 0):  # at 0, a constant block (zero padding, H = 1) gives 0/0 = NaN
            raise ValueError(f"{type(self).__name__}: eps must be a finite number > 0 (added to each variance before "
                             f"its square root; default 1e-5), got {eps!r}")
        self.forget_bias, self.eps = forget_bias, float(eps)
        super().__init__(input_size, hidden_size, bias=False)  # weight_ih, weight_hh; the norms come next
        if hidden_size == 1:  # LN of one unit is 0 whatever it reads: i, f, g, o and LN(c) would be constants
            raise ValueError(f"{type(self).__name__}: hidden_size=1 normalises each gate's pre-activation over one "
                             f"unit, which is always 0 (its own mean), so the output would not depend on the input "
                             f"and no weight would get a gradient; use hidden_size >= 2, or rnnkit.LSTMCell for a "
                             f"single unit")
        if input_size == 1:  # LN(w x) = sign(x) LN(w): the norm is blind to scale, and one value has no other
            warnings.warn(f"{type(self).__name__}: input_size=1: the norm of W_ih x over each gate block is sign(x) * "
                          f"LN(W_ih) for one input feature x (layer normalisation is blind to the input's scale), so "
                          f"the cell reads only the sign of each value; give it a second, constant feature, x = "
                          f"torch.cat([x, torch.ones_like(x)], dim=-1) with input_size=2 (LN(w x + v) depends on x), "
                          f"or use rnnkit.LSTMCell ('lstm')", UserWarning, stacklevel=2)
        H = hidden_size
        self.gamma_ih = nn.Parameter(torch.empty(4 * H))
        self.gamma_hh = nn.Parameter(torch.empty(4 * H))
        self.gamma_c = nn.Parameter(torch.empty(H))
        if bias:
            self.bias = nn.Parameter(torch.empty(4 * H))
            self.beta_c = nn.Parameter(torch.empty(H))
        else:
            self.register_parameter("bias", None)
            self.register_parameter("beta_c", None)
        self.reset_parameters()

    def initialise(self, name: str, t: Tensor) -> None:
        """The weights torch.nn's uniform, the gains ones, the shifts zeros but the forget gate's ``forget_bias``."""
        if name.startswith("gamma_"):
            nn.init.ones_(t)
        elif name in ("bias", "beta_c"):
            nn.init.zeros_(t)
            if name == "bias" and self.forget_bias is not None:
                t[self.hidden_size : 2 * self.hidden_size].fill_(self.forget_bias)
        else:
            super().initialise(name, t)

    def project(self, x: Tensor) -> Tensor:
        """``LN(W_ih x) * gamma_ih + bias`` for all steps: ``(B, T, F) -> (B, T, 4H)``."""
        check_project(self, x, self.weight_ih)
        xw = layer_norm_blocks(x @ self.weight_ih.T, 4, self.eps) * self.gamma_ih
        return xw if self.bias is None else xw + self.bias

    def gates(self, xw_t: Tensor, state: LSTMState) -> dict[str, Tensor]:
        """``{i, f, g, o}``, each ``(N, H)``, from ``xw_t`` of :meth:`project` ``(N, 4H)`` and ``state.h (N, H)``."""
        state = as_state(state, LSTMState, type(self).__name__)  # torch.nn.LSTMCell's (h, c) too
        hw = layer_norm_blocks(self.recurrent(state.h), 4, self.eps) * self.gamma_hh  # (N, 4H)
        i, f, g, o = (xw_t + hw).chunk(4, dim=-1)
        return {"i": torch.sigmoid(i), "f": torch.sigmoid(f), "g": torch.tanh(g), "o": torch.sigmoid(o)}

    def step(self, xw_t: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
        # torch.nn.LSTMCell's (h, c) too
        state = as_state(state, LSTMState, type(self).__name__, xw_t, self.hidden_size, self.gate_size, cell=self)
        i, f, g, o = self.gates(xw_t, state).values()
        c = f * state.c + i * g
        h = o * torch.tanh(F.layer_norm(c, (self.hidden_size,), self.gamma_c, self.beta_c, self.eps))
        return h, LSTMState(h, c)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}, forget_bias={self.forget_bias}, eps={self.eps}"
