"""The fused backend: Triton kernels for the pointwise maths of each step, cuBLAS for the recurrent matmul.

Per direction, as the reference unroller, the input projection ``xw = cell.project(x)`` is computed for all
steps at once (and differentiated by autograd). The time loop then runs in one ``torch.autograd.Function``:

    forward   for t:           hw = W_hh h_{t-1} + b_hh            one matmul (cuBLAS / torch)
                               state_t = step_kernel(xw_t, hw, state_{t-1})   one Triton launch
    backward  for t reversed:  d_xw_t, d_hw_t, d_state = step_kernel_bwd(...)  one Triton launch
                               dh_{t-1} += d_hw_t @ W_hh            one matmul
              after the loop:  dW_hh = sum_t d_hw_t^T h_{t-1}       one matmul over all steps

instead of the reference's half dozen pointwise ops and their autograd nodes per step. Cells: Elman (tanh,
relu), LSTM, GRU, LayerNorm-LSTM (the norm of ``W_hh h`` and of ``c`` are reductions inside the kernel, one
program per batch row). The minimal cells (minGRU, minLSTM) have no recurrent matmul: their whole sequence is
one Triton scan kernel forward and one backward, parallel over the ``B * H`` units with the ``T`` steps of
``h_t = a_t h_{t-1} + b_t`` in registers; it does the sequential mode's arithmetic (not the log-space
scan's) and serves both modes of :class:`rnnkit.MinGRU` / :class:`rnnkit.MinLSTM`.

Kernels compute in float32; saved activations are float32 (for bfloat16 and float16 inputs too, so the
backward does not lose precision the forward had). Gradients are first order only (no double backward).

Where it runs: on CUDA tensors when Triton is installed (``backend="auto"`` picks it there for the cells
cuDNN cannot run). On CPU only Triton's interpreter can run it (``TRITON_INTERPRET=1`` set before the first
fused call): the same kernels, slowly, for tests; ``auto`` never picks it on CPU, ``backend="fused"`` forces
it.

Not done yet (needs a GPU): the compiled kernels have only run in the interpreter so far; capturing the
per-step loop in a CUDA graph, to remove the launch overhead at small batch sizes, is not written.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import torch
from torch import Tensor

from ..cells import ElmanCell, GRUCell, LayerNormLSTMCell, LSTMCell, LSTMState, MinGRUCell, MinLSTMCell
from .unroll import RECURRENT_DROPOUT, run_stacked, uses_recurrent_dropout, valid_steps

STEP_CELLS = (ElmanCell, GRUCell, LSTMCell, LayerNormLSTMCell)
SCAN_CELLS = (MinGRUCell, MinLSTMCell)
_DTYPES = {"cuda": (torch.float32, torch.float16, torch.bfloat16), "cpu": (torch.float32,)}
_KERNELS = "rnnkit.kernels.triton_kernels"


def _kernels():
    """The Triton kernels module, imported on first use (importing rnnkit never imports triton)."""
    from . import triton_kernels

    return triton_kernels


def _interpreted() -> tuple[bool, str]:
    """Whether the kernels run (or, not imported yet, will run) in Triton's CPU interpreter."""
    if _KERNELS in sys.modules:
        from triton.runtime.interpreter import InterpretedFunction

        if isinstance(sys.modules[_KERNELS].gru_fwd, InterpretedFunction):
            return True, ""
        return False, "the Triton kernels were compiled for GPU (TRITON_INTERPRET was unset at first use)"
    if os.environ.get("TRITON_INTERPRET") != "1":
        return False, "on CPU the Triton kernels run only in Triton's interpreter: set TRITON_INTERPRET=1"
    return True, ""


def can_use_fused(layer, x: Tensor) -> tuple[bool, str]:
    """Whether the Triton kernels compute exactly what ``layer`` (a Stacked) would, and why (not)."""
    cells = layer.cells()
    kind = type(cells[0])
    if kind not in STEP_CELLS + SCAN_CELLS:
        names = ", ".join(c.__name__ for c in STEP_CELLS + SCAN_CELLS)
        return False, f"no fused kernel for {kind.__name__} (only {names})"
    if any(type(c) is not kind for c in cells):
        return False, "layers mix cell types"
    if uses_recurrent_dropout(layer):
        return False, RECURRENT_DROPOUT
    if importlib.util.find_spec("triton") is None:
        return False, "Triton is not installed (pip install triton)"
    device = x.device.type
    if device not in _DTYPES:
        return False, f"no fused kernels on device {device!r}"
    if device == "cpu":
        if layer.backend == "auto":
            return False, "auto never picks the fused kernels on CPU: Triton's interpreter runs them, slowly"
        ok, reason = _interpreted()
        if not ok:
            return False, reason
    if x.dtype not in _DTYPES[device]:
        return False, f"fused kernels take {', '.join(map(str, _DTYPES[device]))} on {device}, not {x.dtype}"
    if any(p.dtype != x.dtype or p.device != x.device for c in cells for p in c.parameters()):
        return False, "parameters and input differ in dtype or device"
    what = "scan" if kind in SCAN_CELLS else "step"
    where = "in Triton's interpreter" if device == "cpu" else "on cuda"
    return True, f"rnnkit's fused Triton {kind.__name__.removesuffix('Cell')} {what} kernels {where}"


def run_fused(layer, x: Tensor, lengths: Tensor | None, state):
    """Run a Stacked layer on the Triton kernels; same inputs and outputs as ``forward_reference``."""
    return run_stacked(layer, x, lengths, state, fused_loop)


def fused_loop(cell, xw: Tensor, lengths: Tensor | None, state) -> tuple[Tensor, object]:
    """One direction; the ``loop`` of :func:`rnnkit.kernels.unroll.run_stacked`."""
    B, T, _ = xw.shape
    lengths = torch.full((B,), T, device=xw.device) if lengths is None else lengths.to(xw.device, torch.long)
    xw = xw.contiguous()
    if isinstance(cell, SCAN_CELLS):
        return _MinScan.apply(xw, state, lengths, isinstance(cell, MinLSTMCell))
    if isinstance(cell, LayerNormLSTMCell):
        beta_c = cell.beta_c if cell.beta_c is not None else torch.zeros_like(cell.gamma_c)
        params = (cell.weight_hh, None, cell.gamma_hh, cell.gamma_c, beta_c)
    else:
        params = (cell.weight_hh, cell.bias_hh, None, None, None)
    h0, c0 = (state.h, state.c) if isinstance(state, LSTMState) else (state, None)
    out, h, c = _StepLoop.apply(cell, xw, lengths, h0, c0, *params)
    return out, h if c0 is None else LSTMState(h, c)


def _launch(n_units: int) -> tuple[tuple[int], int]:
    """Grid and block of the flat kernels for ``n_units = B * H``."""
    block = min(1024, 1 << max(n_units - 1, 1).bit_length())
    return (-(-n_units // block),), block


class _StepLoop(torch.autograd.Function):
    """The time loop of a matmul-then-pointwise cell; see the module docstring. Shapes: ``xw (B, T, G)``,
    ``h0, c0 (B, H)`` (``c0`` None but for the LSTMs), states kept time-major ``(T + 1, B, H)``."""

    @staticmethod
    def forward(ctx, cell, xw, lengths, h0, c0, w_hh, b_hh, gamma_hh, gamma_c, beta_c):
        K = _kernels()
        B, T, G = xw.shape
        H = h0.shape[1]
        grid, block = _launch(B * H)
        rows, block_h = (B,), 1 << max(H - 1, 1).bit_length()
        hs = xw.new_empty(T + 1, B, H)
        hs[0] = h0
        cs = None if c0 is None else xw.new_empty(T + 1, B, H)
        if cs is not None:
            cs[0] = c0
        layer_norm = isinstance(cell, LayerNormLSTMCell)
        widths = {ElmanCell: 0, GRUCell: 4, LSTMCell: 4, LayerNormLSTMCell: 9}
        saved = torch.empty(T, B, widths[type(cell)] * H, device=xw.device, dtype=torch.float32)
        rstds = torch.empty(T, B, 5, device=xw.device, dtype=torch.float32) if layer_norm else None
        w_t = w_hh.t()
        for t in range(T):
            hw = hs[t] @ w_t if b_hh is None else torch.addmm(b_hh, hs[t], w_t)  # (B, G)
            x_t, sx = xw[:, t], xw.stride(0)
            if isinstance(cell, ElmanCell):
                K.elman_fwd[grid](x_t, sx, hw, hs[t], hs[t + 1], lengths, t, B, H,
                                  RELU=cell.nonlinearity == "relu", BLOCK=block)
            elif isinstance(cell, GRUCell):
                K.gru_fwd[grid](x_t, sx, hw, hs[t], hs[t + 1], saved[t], lengths, t, B, H, BLOCK=block)
            elif isinstance(cell, LSTMCell):
                K.lstm_fwd[grid](x_t, sx, hw, hs[t], hs[t + 1], cs[t], cs[t + 1], saved[t], lengths, t, B, H,
                                 BLOCK=block)
            else:
                K.ln_lstm_fwd[rows](x_t, sx, hw, hs[t], hs[t + 1], cs[t], cs[t + 1], saved[t], rstds[t],
                                    gamma_hh, gamma_c, beta_c, lengths, t, H, cell.eps, BLOCK_H=block_h)
        ctx.cell = cell
        ctx.save_for_backward(lengths, hs, cs, saved, rstds, w_hh, b_hh, gamma_hh, gamma_c, beta_c)
        valid = valid_steps(lengths, B, T, xw.device)[..., None]  # (B, T, 1)
        out = hs[1:].transpose(0, 1) * valid
        return out, hs[-1].clone(), None if cs is None else cs[-1].clone()

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, d_out, d_hT, d_cT):
        K, cell = _kernels(), ctx.cell
        lengths, hs, cs, saved, rstds, w_hh, b_hh, gamma_hh, gamma_c, beta_c = ctx.saved_tensors
        T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
        G = w_hh.shape[0]
        grid, block = _launch(B * H)
        rows, block_h = (B,), 1 << max(H - 1, 1).bit_length()
        d_out = d_out.contiguous()
        dh = d_hT.clone().contiguous()
        dc = None if cs is None else (torch.zeros_like(dh) if d_cT is None else d_cT.clone().contiguous())
        d_xw = hs.new_empty(B, T, G)
        d_hw = hs.new_empty(T, B, G)
        layer_norm = isinstance(cell, LayerNormLSTMCell)
        d_lnc = torch.empty(T, B, H, device=hs.device, dtype=torch.float32) if layer_norm else None
        for t in reversed(range(T)):
            dy, sdy, dx, sdx = d_out[:, t], d_out.stride(0), d_xw[:, t], d_xw.stride(0)
            if isinstance(cell, ElmanCell):
                K.elman_bwd[grid](dy, sdy, hs[t + 1], dh, dx, sdx, d_hw[t], lengths, t, B, H,
                                  RELU=cell.nonlinearity == "relu", BLOCK=block)
            elif isinstance(cell, GRUCell):
                K.gru_bwd[grid](dy, sdy, hs[t], saved[t], dh, dx, sdx, d_hw[t], lengths, t, B, H, BLOCK=block)
            elif isinstance(cell, LSTMCell):
                K.lstm_bwd[grid](dy, sdy, cs[t], cs[t + 1], saved[t], dh, dc, dx, sdx, d_hw[t], lengths, t, B,
                                 H, BLOCK=block)
            else:
                K.ln_lstm_bwd[rows](dy, sdy, cs[t], saved[t], rstds[t], gamma_hh, gamma_c, beta_c, dh, dc, dx,
                                    sdx, d_hw[t], d_lnc[t], lengths, t, H, BLOCK_H=block_h)
            dh.addmm_(d_hw[t], w_hh)  # the path through W_hh h_{t-1}; padded rows add zero
        d_hw_flat = d_hw.view(T * B, G)
        d_w_hh = d_hw_flat.t() @ hs[:-1].reshape(T * B, H)
        d_b_hh = None if b_hh is None else d_hw_flat.sum(0)
        d_gamma_hh = d_gamma_c = d_beta_c = None
        if layer_norm:  # gate pre-activation = xw + LN(hw) * gamma_hh
            d_gamma_hh = (d_xw.transpose(0, 1).float() * saved[..., 4 * H : 8 * H]).sum((0, 1))
            d_gamma_hh = d_gamma_hh.to(gamma_hh.dtype)
            d_gamma_c = (d_lnc * saved[..., 8 * H :]).sum((0, 1)).to(gamma_c.dtype)
            d_beta_c = d_lnc.sum((0, 1)).to(beta_c.dtype)
        return (None, d_xw, None, dh, dc, d_w_hh, d_b_hh, d_gamma_hh, d_gamma_c, d_beta_c)


class _MinScan(torch.autograd.Function):
    """minGRU / minLSTM over a whole sequence: ``xw (B, T, G)``, ``h0 (B, H)`` -> outputs, final state."""

    @staticmethod
    def forward(ctx, xw, h0, lengths, is_lstm):
        K = _kernels()
        B, T, _ = xw.shape
        H = h0.shape[1]
        grid, block = _launch(B * H)
        h0 = h0.contiguous()
        states = xw.new_empty(B, T, H)
        K.min_scan_fwd[grid](xw, h0, states, lengths, T, B, H, LSTM=is_lstm, BLOCK=block)
        ctx.is_lstm = is_lstm
        ctx.save_for_backward(xw, h0, states, lengths)
        valid = valid_steps(lengths, B, T, xw.device)[..., None]
        return states * valid, states[:, -1].clone()  # padded steps keep the state, so step T-1 is final

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, d_out, d_hT):
        K = _kernels()
        xw, h0, states, lengths = ctx.saved_tensors
        B, T, H = states.shape
        grid, block = _launch(B * H)
        d_states = d_out * valid_steps(lengths, B, T, xw.device)[..., None]
        d_states[:, -1] += d_hT
        d_xw, dh0 = torch.empty_like(xw), torch.empty_like(h0)
        K.min_scan_bwd[grid](xw, h0, states, d_states.contiguous(), dh0, d_xw, lengths, T, B, H,
                             LSTM=ctx.is_lstm, BLOCK=block)
        return d_xw, dh0, None, None
