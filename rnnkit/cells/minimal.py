"""minGRU and minLSTM (Feng et al. 2024, "Were RNNs all we needed?"): gates that read the input only.

Neither gate sees ``h_{t-1}``, so the recurrence is linear in h, ``h_t = a_t * h_{t-1} + b_t`` with ``a_t``
and ``b_t`` functions of ``x_t`` alone. A time step is the equation (:meth:`step`); a whole sequence is also a
parallel scan over the coefficients, computed in log space (:meth:`log_coefficients`,
:func:`rnnkit.kernels.scan.log_space_scan`, Heinsen 2023).

The candidate goes through the paper's positive activation ``g`` (its section 3.1.3 / appendix, "log-space
version") in both forms, so that ``b_t > 0`` has a logarithm and the step and the scan compute one function:

    g(x) = x + 0.5   if x >= 0
           sigmoid(x) otherwise
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .base import Cell, as_state, check_sizes


def g(x: Tensor) -> Tensor:
    """Feng et al.'s positive, continuous, increasing activation for the candidate state."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def log_g(x: Tensor) -> Tensor:
    """``log g(x)``, with ``log sigmoid(x) = -softplus(-x)`` for stability on the negative side."""
    return torch.where(x >= 0, torch.log(F.relu(x) + 0.5), -F.softplus(-x))


def log_gate_ratio(k_f: Tensor, k_i: Tensor) -> Tensor:
    """``log i - log f`` of minLSTM's gates ``f = sigmoid(k_f)``, ``i = sigmoid(k_i)``, from their logs
    (``log sigmoid(k) = -softplus(-k)``, computed without overflow): ``f' = f / (f + i) = sigmoid(-u)`` and
    ``i' = sigmoid(u)``. Where both pre-activations are far below 0 (about -88 in float32, -17 in float16: raw inputs
    in the hundreds) f and i are both 0, and ``f / (f + i)`` is 0/0, NaN; their ratio stays finite."""
    return F.logsigmoid(k_i) - F.logsigmoid(k_f)


class _MinimalCell(Cell):
    """A cell whose gates and candidate are one affine map of ``x_t``: ``weight_ih (G, F)``, ``bias_ih (G,)``
    with ``G = num_gates * H`` (torch.nn's names), init U(-1/sqrt(H), 1/sqrt(H)). No ``weight_hh``."""

    num_gates: int

    def __init__(self, input_size: int, hidden_size: int, *, bias: bool = True):
        super().__init__()
        check_sizes(self, input_size, hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.gate_size = self.num_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(self.gate_size, input_size))
        self.bias_ih = nn.Parameter(torch.empty(self.gate_size)) if bias else None
        self.reset_parameters()

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        """``(log a, log b)`` of ``h_t = a_t * h_{t-1} + b_t`` from the projected input ``xw (..., G)``;
        each ``(..., H)``."""
        raise NotImplementedError


class MinGRUCell(_MinimalCell):
    """minGRU (Feng et al. 2024, algorithm 1 with the positive candidate of their log-space version):

        z_t  = sigmoid(W_z x_t + b_z)            update gate
        h~_t = g(W_h x_t + b_h)                  candidate, g > 0 (module docstring)
        h_t  = (1 - z_t) * h_{t-1} + z_t * h~_t

    so ``a_t = 1 - z_t`` and ``b_t = z_t * h~_t``. Gate order of ``weight_ih (2H, F)``: ``z, h~``. State: h.
    """

    num_gates = 2

    def step(self, xw_t: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        # a tensor, not a tuple (h,)
        h = as_state(h, None, type(self).__name__, xw_t, self.hidden_size, self.gate_size, cell=self)
        k, p = xw_t.chunk(2, dim=-1)
        z = torch.sigmoid(k)
        h_tilde = g(p)
        h = (1 - z) * h + z * h_tilde
        return h, h

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        k, p = xw.chunk(2, dim=-1)
        log_z, log_one_minus_z = -F.softplus(-k), -F.softplus(k)
        return log_one_minus_z, log_z + log_g(p)


class MinLSTMCell(_MinimalCell):
    """minLSTM (Feng et al. 2024, algorithm 3, length-independent scaling, positive candidate):

        f_t  = sigmoid(W_f x_t + b_f)            forget gate
        i_t  = sigmoid(W_i x_t + b_i)            input gate
        h~_t = g(W_h x_t + b_h)                  candidate
        f'_t, i'_t = f_t / (f_t + i_t), i_t / (f_t + i_t)
        h_t  = f'_t * h_{t-1} + i'_t * h~_t

    so ``a_t = f'_t`` and ``b_t = i'_t * h~_t``. ``f'`` and ``i'`` are taken as ``sigmoid(-/+ u)`` of ``u = log i_t -
    log f_t`` (:func:`log_gate_ratio`): equal, and finite where f and i both underflow to 0. There is no memory
    cell: the state is h alone. Gate order of ``weight_ih (3H, F)``: ``f, i, h~``.
    """

    num_gates = 3

    def step(self, xw_t: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        # a tensor, not a tuple (h,)
        h = as_state(h, None, type(self).__name__, xw_t, self.hidden_size, self.gate_size, cell=self)
        k_f, k_i, p = xw_t.chunk(3, dim=-1)
        u = log_gate_ratio(k_f, k_i)  # log i - log f, finite where f and i underflow to 0
        f, i = torch.sigmoid(-u), torch.sigmoid(u)  # f / (f + i), i / (f + i)
        h = f * h + i * g(p)
        return h, h

    def log_coefficients(self, xw: Tensor) -> tuple[Tensor, Tensor]:
        k_f, k_i, p = xw.chunk(3, dim=-1)
        # log f' = log f - log(f + i) = -softplus(log i - log f)
        u = log_gate_ratio(k_f, k_i)
        return -F.softplus(u), -F.softplus(-u) + log_g(p)

