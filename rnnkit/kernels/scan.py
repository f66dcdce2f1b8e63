"""The parallel mode of the minimal cells: a log-space scan over time in plain torch (Heinsen 2023).

For ``h_t = a_t * h_{t-1} + b_t`` with ``a_t > 0``, ``b_t > 0`` (minGRU, minLSTM; see
:mod:`rnnkit.cells.minimal`) the whole sequence is two prefix operations over time (Heinsen 2023,
"Efficient parallelization of a ubiquitous sequential computation", arXiv:2311.06281):

    a*_t = sum_{k<=t} log a_k                                          (cumsum)
    h_t  = exp(a*_t) * h_0 + exp(a*_t + logcumsumexp_{k<=t}(log b_k - a*_k))

The initial state enters through its own term, so it may be any real number (Heinsen folds ``log h_0`` into
the logcumsumexp, which needs ``h_0 > 0``).

Padded steps take ``a_t = 1, b_t = 0`` (``log a = 0``, ``log b = -inf``) so they leave the state as it was,
and the padding stays at the end in both directions (:func:`rnnkit.layers.reverse_padded`), so the state at
step ``T - 1`` is the state after each sequence's last valid step.

Precision: ``a*_t`` and the logcumsumexp grow like ``t`` and their sum cancels, so the relative error of
``h_t`` is about ``|a*_t| * eps``, and the gradients (through torch's logcumsumexp backward) lose more: in
float32 they are ten times further from the float64 truth than the sequential loop's. The scan therefore
runs in float64 (the coefficients are computed in the input's dtype, the result is cast back), which costs
memory traffic, not accuracy. The fused kernel (:mod:`rnnkit.kernels.fused`) runs the recurrence itself,
in linear space, and has no such loss.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .unroll import uses_recurrent_dropout, valid_steps


def log_space_scan(log_a: Tensor, log_b: Tensor, h0: Tensor) -> Tensor:
    """States of ``h_t = a_t h_{t-1} + b_t``: ``log_a, log_b (B, T, H)``, ``h0 (B, H)`` -> ``(B, T, H)``."""
    a_star = log_a.cumsum(dim=1)  # (B, T, H), log of prod_{k<=t} a_k
    log_rest = a_star + torch.logcumsumexp(log_b - a_star, dim=1)
    return torch.exp(a_star) * h0[:, None] + torch.exp(log_rest)


def scan_loop(cell, xw: Tensor, lengths: Tensor | None, h0: Tensor) -> tuple[Tensor, Tensor]:
    """One direction of a minimal cell in parallel mode (the time ``loop`` of :class:`rnnkit.Recurrent`)."""
    B, T, _ = xw.shape
    log_a, log_b = cell.log_coefficients(xw)
    valid = valid_steps(lengths, B, T, xw.device)[..., None]  # (B, T, 1)
    log_a = torch.where(valid, log_a.double(), 0.0)  # a = 1 at padded steps
    log_b = torch.where(valid, log_b.double(), -torch.inf)  # b = 0
    h = log_space_scan(log_a, log_b, h0.double()).to(xw.dtype)  # (B, T, H)
    return torch.where(valid, h, 0), h[:, -1]


def run_parallel(layer, x: Tensor, lengths: Tensor | None, state):
    """A Stacked layer of minimal cells, every direction by :func:`log_space_scan`."""
    if uses_recurrent_dropout(layer):
        raise ValueError(f"{type(layer).__name__}: recurrent dropout (input/hidden variational dropout or "
                         "zoneout) runs in mode='sequential' only")
    return layer.unroll(x, lengths, state, scan_loop)
