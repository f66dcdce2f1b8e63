"""Triton kernels of the fused backend: the pointwise maths of one time step, forward and backward, per cell,
and the whole-sequence scan of the minimal cells. Driven by :mod:`rnnkit.kernels.fused`, which owns the time
loop, the matmuls and the autograd wiring; see there for the layouts.

Imported on first use only, so that importing rnnkit never imports triton, and so that ``TRITON_INTERPRET=1``
set by then makes these kernels run in Triton's CPU interpreter. They call only builtins of
``triton.language``, not the ``@triton.jit`` helpers of its standard library (``tl.sigmoid``, ``tl.sum``,
``tl.zeros``): those are decorated when triton is first imported, and if that happened before
``TRITON_INTERPRET=1`` was set (``torch.optim`` imports triton), the interpreter cannot call them. Sigmoid
and sum are therefore defined here.

Conventions: every kernel computes in float32 and stores in the tensors' own dtype. ``keep = t < lengths[b]``
marks valid steps; at padded steps the state is copied and every gradient but the state's passes as zero.
Per-step tensors are ``(B, width)`` rows; ``sx``/``sdy`` are the row strides of the views ``xw[:, t]`` and
``d_out[:, t]`` of batch-first ``(B, T, ...)`` tensors. Flat kernels cover ``B * H`` units in blocks of
``BLOCK``; the layer-norm kernels take one batch row per program (the norm reduces over the row).
"""

from __future__ import annotations

import triton
import triton.language as tl


@triton.jit
def _sigmoid(x):
    return 1 / (1 + tl.exp(-x))


@triton.jit
def _softplus(x):
    """log(1 + exp(x)) without overflow."""
    return tl.maximum(x, 0.0) + tl.log(1 + tl.exp(-tl.abs(x)))


@triton.jit
def _add(a, b):
    return a + b


@triton.jit
def _sum(x):
    return tl.reduce(x, 0, _add)


@triton.jit
def _tanh(x):
    """tanh to a few float32 ulps from core ops only (Triton's interpreter has no libdevice): Cephes' tanhf,
    an odd polynomial below |x| = 0.625, where 1 - 2 / (exp(2|x|) + 1) would cancel, and that form above."""
    z = tl.abs(x)
    s = x * x
    small = ((((-5.70498872745e-3 * s + 2.06390887954e-2) * s - 5.37397155531e-2) * s + 1.33314422036e-1) * s
             - 3.33332819422e-1) * s * x + x
    large = 1 - 2 / (tl.exp(2 * z) + 1)
    return tl.where(z < 0.625, small, tl.where(x < 0, -large, large))


@triton.jit
def _units(B, H, BLOCK: tl.constexpr):
    """The flat block of this program: unit offsets, their mask, batch row b and hidden unit j."""
    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    m = offs < B * H
    return offs, m, offs // H, offs % H


@triton.jit
def _load(ptr, m):
    return tl.load(ptr, mask=m, other=0).to(tl.float32)


# ---------------------------------------------------------------------------------------------------- Elman
@triton.jit
def elman_fwd(xw, sx, hw, h_prev, h_next, lengths, t, B, H, RELU: tl.constexpr, BLOCK: tl.constexpr):
    offs, m, b, j = _units(B, H, BLOCK)
    keep = t < tl.load(lengths + b, mask=m, other=0)
    pre = _load(xw + b * sx + j, m) + _load(hw + offs, m)
    if RELU:
        h = tl.maximum(pre, 0.0)
    else:
        h = _tanh(pre)
    h = tl.where(keep, h, _load(h_prev + offs, m))
    tl.store(h_next + offs, h.to(h_next.dtype.element_ty), mask=m)


@triton.jit
def elman_bwd(dy, sdy, h_next, dh, d_xw, sdx, d_hw, lengths, t, B, H, RELU: tl.constexpr,
              BLOCK: tl.constexpr):
    offs, m, b, j = _units(B, H, BLOCK)
    keep = t < tl.load(lengths + b, mask=m, other=0)
    g = _load(dh + offs, m) + _load(dy + b * sdy + j, m)
    h = _load(h_next + offs, m)
    if RELU:
        d_pre = tl.where(keep & (h > 0), g, 0.0)
    else:
        d_pre = tl.where(keep, g * (1 - h * h), 0.0)
    tl.store(d_xw + b * sdx + j, d_pre.to(d_xw.dtype.element_ty), mask=m)
    tl.store(d_hw + offs, d_pre.to(d_hw.dtype.element_ty), mask=m)
    # h_prev enters only through the matmul (added by the caller); at padded steps dh passes unchanged
    tl.store(dh + offs, tl.where(keep, 0.0, _load(dh + offs, m)).to(dh.dtype.element_ty), mask=m)


# ------------------------------------------------------------------------------------------------------ GRU
@triton.jit
def gru_fwd(xw, sx, hw, h_prev, h_next, saved, lengths, t, B, H, BLOCK: tl.constexpr):
    """saved (B, 4H) = [r, z, n, hw_n]."""
    offs, m, b, j = _units(B, H, BLOCK)
    keep = t < tl.load(lengths + b, mask=m, other=0)
    x, a, s = xw + b * sx + j, hw + b * 3 * H + j, saved + b * 4 * H + j
    hw_n = _load(a + 2 * H, m)
    r = _sigmoid(_load(x, m) + _load(a, m))
    z = _sigmoid(_load(x + H, m) + _load(a + H, m))
    n = _tanh(_load(x + 2 * H, m) + r * hw_n)
    hp = _load(h_prev + offs, m)
    h = tl.where(keep, (1 - z) * n + z * hp, hp)
    tl.store(h_next + offs, h.to(h_next.dtype.element_ty), mask=m)
    tl.store(s, r, mask=m)
    tl.store(s + H, z, mask=m)
    tl.store(s + 2 * H, n, mask=m)
    tl.store(s + 3 * H, hw_n, mask=m)


@triton.jit
def gru_bwd(dy, sdy, h_prev, saved, dh, d_xw, sdx, d_hw, lengths, t, B, H, BLOCK: tl.constexpr):
    offs, m, b, j = _units(B, H, BLOCK)
    keep = t < tl.load(lengths + b, mask=m, other=0)
    s, dx, da = saved + b * 4 * H + j, d_xw + b * sdx + j, d_hw + b * 3 * H + j
    r, z, n, hw_n = _load(s, m), _load(s + H, m), _load(s + 2 * H, m), _load(s + 3 * H, m)
    dh_next = _load(dh + offs, m)
    g = dh_next + _load(dy + b * sdy + j, m)
    dn = tl.where(keep, g * (1 - z) * (1 - n * n), 0.0)
    dr = dn * hw_n * r * (1 - r)
    dz = tl.where(keep, g * (_load(h_prev + offs, m) - n) * z * (1 - z), 0.0)
    ty = d_xw.dtype.element_ty
    tl.store(dx, dr.to(ty), mask=m)
    tl.store(dx + H, dz.to(ty), mask=m)
    tl.store(dx + 2 * H, dn.to(ty), mask=m)
    tl.store(da, dr.to(ty), mask=m)
    tl.store(da + H, dz.to(ty), mask=m)
    tl.store(da + 2 * H, (dn * r).to(ty), mask=m)
    tl.store(dh + offs, tl.where(keep, g * z, dh_next).to(dh.dtype.element_ty), mask=m)


# ----------------------------------------------------------------------------------------------------- LSTM
@triton.jit
def lstm_fwd(xw, sx, hw, h_prev, h_next, c_prev, c_next, saved, lengths, t, B, H, BLOCK: tl.constexpr):
    """saved (B, 4H) = [i, f, g, o]."""
    offs, m, b, j = _units(B, H, BLOCK)
    keep = t < tl.load(lengths + b, mask=m, other=0)
    x, a, s = xw + b * sx + j, hw + b * 4 * H + j, saved + b * 4 * H + j
    i = _sigmoid(_load(x, m) + _load(a, m))
    f = _sigmoid(_load(x + H, m) + _load(a + H, m))
    gg = _tanh(_load(x + 2 * H, m) + _load(a + 2 * H, m))
    o = _sigmoid(_load(x + 3 * H, m) + _load(a + 3 * H, m))
    cp = _load(c_prev + offs, m)
    c = f * cp + i * gg
    h = o * _tanh(c)
    tl.store(c_next + offs, tl.where(keep, c, cp).to(c_next.dtype.element_ty), mask=m)
    tl.store(h_next + offs, tl.where(keep, h, _load(h_prev + offs, m)).to(h_next.dtype.element_ty), mask=m)
    tl.store(s, i, mask=m)
    tl.store(s + H, f, mask=m)
    tl.store(s + 2 * H, gg, mask=m)
    tl.store(s + 3 * H, o, mask=m)


@triton.jit
def lstm_bwd(dy, sdy, c_prev, c_next, saved, dh, dc, d_xw, sdx, d_hw, lengths, t, B, H, BLOCK: tl.constexpr):
    offs, m, b, j = _units(B, H, BLOCK)
    keep = t < tl.load(lengths + b, mask=m, other=0)
    s, dx, da = saved + b * 4 * H + j, d_xw + b * sdx + j, d_hw + b * 4 * H + j
    i, f, gg, o = _load(s, m), _load(s + H, m), _load(s + 2 * H, m), _load(s + 3 * H, m)
    dh_next, dc_next = _load(dh + offs, m), _load(dc + offs, m)
    g = dh_next + _load(dy + b * sdy + j, m)
    tc = _tanh(_load(c_next + offs, m))
    dc_total = dc_next + g * o * (1 - tc * tc)
    d_i = tl.where(keep, dc_total * gg * i * (1 - i), 0.0)
    d_f = tl.where(keep, dc_total * _load(c_prev + offs, m) * f * (1 - f), 0.0)
    d_g = tl.where(keep, dc_total * i * (1 - gg * gg), 0.0)
    d_o = tl.where(keep, g * tc * o * (1 - o), 0.0)
    ty = d_xw.dtype.element_ty
    tl.store(dx, d_i.to(ty), mask=m)
    tl.store(dx + H, d_f.to(ty), mask=m)
    tl.store(dx + 2 * H, d_g.to(ty), mask=m)
    tl.store(dx + 3 * H, d_o.to(ty), mask=m)
    tl.store(da, d_i.to(ty), mask=m)
    tl.store(da + H, d_f.to(ty), mask=m)
    tl.store(da + 2 * H, d_g.to(ty), mask=m)
    tl.store(da + 3 * H, d_o.to(ty), mask=m)
    tl.store(dh + offs, tl.where(keep, 0.0, dh_next).to(dh.dtype.element_ty), mask=m)
    tl.store(dc + offs, tl.where(keep, dc_total * f, dc_next).to(dc.dtype.element_ty), mask=m)


# ------------------------------------------------------------------------------------------ LayerNorm-LSTM
@triton.jit
def _norm(a, mj, H, eps):
    """Zero mean, unit (biased) variance over the H valid entries of a row: (normalised, 1 / std)."""
    mean = _sum(a) / H
    d = tl.where(mj, a - mean, 0.0)
    rstd = 1 / tl.sqrt(_sum(d * d) / H + eps)
    return d * rstd, rstd


@triton.jit
def _norm_bwd(d_hat, hat, rstd, mj, H):
    """Gradient through _norm: rstd * (d_hat - mean(d_hat) - hat * mean(d_hat * hat))."""
    d_hat = tl.where(mj, d_hat, 0.0)
    return rstd * (d_hat - _sum(d_hat) / H - hat * _sum(d_hat * hat) / H)


@triton.jit
def _gate_pre(xw_row, hw_row, gamma_hh, saved_row, rstd_row, k: tl.constexpr, j, mj, H, eps):
    """Pre-activation of gate k: xw + LN(hw) * gamma_hh; saves LN(hw) and its 1/std."""
    hat, rstd = _norm(_load(hw_row + k * H + j, mj), mj, H, eps)
    tl.store(saved_row + (4 + k) * H + j, hat, mask=mj)
    tl.store(rstd_row + k, rstd)
    return _load(xw_row + k * H + j, mj) + hat * _load(gamma_hh + k * H + j, mj)


@triton.jit
def ln_lstm_fwd(xw, sx, hw, h_prev, h_next, c_prev, c_next, saved, rstds, gamma_hh, gamma_c, beta_c, lengths,
                t, H, eps, BLOCK_H: tl.constexpr):
    """One program per batch row. saved (B, 9H) = [i, f, g, o, LN(hw) (4H), LN(c)]; rstds (B, 5)."""
    b = tl.program_id(0)
    j = tl.arange(0, BLOCK_H)
    mj = j < H
    keep = t < tl.load(lengths + b)
    x, a, s, sr = xw + b * sx, hw + b * 4 * H, saved + b * 9 * H, rstds + b * 5
    i = _sigmoid(_gate_pre(x, a, gamma_hh, s, sr, 0, j, mj, H, eps))
    f = _sigmoid(_gate_pre(x, a, gamma_hh, s, sr, 1, j, mj, H, eps))
    gg = _tanh(_gate_pre(x, a, gamma_hh, s, sr, 2, j, mj, H, eps))
    o = _sigmoid(_gate_pre(x, a, gamma_hh, s, sr, 3, j, mj, H, eps))
    cp = _load(c_prev + b * H + j, mj)
    c = tl.where(mj, f * cp + i * gg, 0.0)
    hat_c, rstd_c = _norm(c, mj, H, eps)
    h = o * _tanh(hat_c * _load(gamma_c + j, mj) + _load(beta_c + j, mj))
    tl.store(s + j, i, mask=mj)
    tl.store(s + H + j, f, mask=mj)
    tl.store(s + 2 * H + j, gg, mask=mj)
    tl.store(s + 3 * H + j, o, mask=mj)
    tl.store(s + 8 * H + j, hat_c, mask=mj)
    tl.store(sr + 4, rstd_c)
    tl.store(c_next + b * H + j, tl.where(keep, c, cp).to(c_next.dtype.element_ty), mask=mj)
    h = tl.where(keep, h, _load(h_prev + b * H + j, mj))
    tl.store(h_next + b * H + j, h.to(h_next.dtype.element_ty), mask=mj)


@triton.jit
def _gate_bwd(d_pre, saved_row, rstd_row, gamma_hh, dx_row, da_row, k: tl.constexpr, j, mj, H):
    """Store the gradients of gate k's pre-activation: as is for xw, through LN for hw."""
    hat = _load(saved_row + (4 + k) * H + j, mj)
    d_hw = _norm_bwd(d_pre * _load(gamma_hh + k * H + j, mj), hat, tl.load(rstd_row + k), mj, H)
    tl.store(dx_row + k * H + j, d_pre.to(dx_row.dtype.element_ty), mask=mj)
    tl.store(da_row + k * H + j, d_hw.to(da_row.dtype.element_ty), mask=mj)


@triton.jit
def ln_lstm_bwd(dy, sdy, c_prev, saved, rstds, gamma_hh, gamma_c, beta_c, dh, dc, d_xw, sdx, d_hw, d_lnc,
                lengths, t, H, BLOCK_H: tl.constexpr):
    """d_lnc (B, H): gradient of LN(c) * gamma_c + beta_c, for the gradients of gamma_c and beta_c."""
    b = tl.program_id(0)
    j = tl.arange(0, BLOCK_H)
    mj = j < H
    keep = t < tl.load(lengths + b)
    s, sr = saved + b * 9 * H, rstds + b * 5
    i, f, gg, o = _load(s + j, mj), _load(s + H + j, mj), _load(s + 2 * H + j, mj), _load(s + 3 * H + j, mj)
    hat_c, gamma = _load(s + 8 * H + j, mj), _load(gamma_c + j, mj)
    dh_next, dc_next = _load(dh + b * H + j, mj), _load(dc + b * H + j, mj)
    g = dh_next + _load(dy + b * sdy + j, mj)
    tc = _tanh(hat_c * gamma + _load(beta_c + j, mj))
    d_ln = tl.where(keep, g * o * (1 - tc * tc), 0.0)
    tl.store(d_lnc + b * H + j, d_ln, mask=mj)
    dc_total = dc_next + _norm_bwd(d_ln * gamma, hat_c, tl.load(sr + 4), mj, H)
    x, a = d_xw + b * sdx, d_hw + b * 4 * H
    _gate_bwd(tl.where(keep, dc_total * gg * i * (1 - i), 0.0), s, sr, gamma_hh, x, a, 0, j, mj, H)
    d_f = tl.where(keep, dc_total * _load(c_prev + b * H + j, mj) * f * (1 - f), 0.0)
    _gate_bwd(d_f, s, sr, gamma_hh, x, a, 1, j, mj, H)
    _gate_bwd(tl.where(keep, dc_total * i * (1 - gg * gg), 0.0), s, sr, gamma_hh, x, a, 2, j, mj, H)
    _gate_bwd(tl.where(keep, g * tc * o * (1 - o), 0.0), s, sr, gamma_hh, x, a, 3, j, mj, H)
    tl.store(dh + b * H + j, tl.where(keep, 0.0, dh_next).to(dh.dtype.element_ty), mask=mj)
    tl.store(dc + b * H + j, tl.where(keep, dc_total * f, dc_next).to(dc.dtype.element_ty), mask=mj)


# ------------------------------------------------------------------------------------------- minimal cells
@triton.jit
def _g(p):
    """Feng et al.'s positive activation g and its derivative."""
    s = _sigmoid(p)
    return tl.where(p >= 0, p + 0.5, s), tl.where(p >= 0, 1.0, s * (1 - s))


@triton.jit
def _min_coefficients(x, m, H, LSTM: tl.constexpr):
    """a and w of h_t = a h_{t-1} + w h~ from the projected input row x, and what their backward needs:
    minLSTM (f, i, h~) -> a = f / (f + i), w = i / (f + i) (returned with 1 - f, 1 - i); minGRU (z, h~) ->
    a = 1 - z, w = z (returned as f = 1 - z, i = z)."""
    if LSTM:  # a = sigmoid(-u), w = sigmoid(u), u = log i - log f: finite where f and i underflow to 0
        k_f, k_i = _load(x, m), _load(x + H, m)
        u = _softplus(-k_f) - _softplus(-k_i)
        f, i = _sigmoid(-k_f), _sigmoid(-k_i)  # 1 - f, 1 - i: what the backward reads
        h_tilde, dg = _g(_load(x + 2 * H, m))
        a, w = _sigmoid(-u), _sigmoid(u)
    else:
        i = _sigmoid(_load(x, m))
        h_tilde, dg = _g(_load(x + H, m))
        f = 1 - i
        a, w = f, i
    return a, w, f, i, h_tilde, dg


@triton.jit
def min_scan_fwd(xw, h0, states, lengths, T, B, H, LSTM: tl.constexpr, BLOCK: tl.constexpr):
    """All states (B, T, H) of h_t = a_t h_{t-1} + b_t; the T steps in registers, B * H units in parallel."""
    offs, m, b, j = _units(B, H, BLOCK)
    n = tl.load(lengths + b, mask=m, other=0)
    G = H * (3 if LSTM else 2)
    h = _load(h0 + offs, m)
    for t in range(T):
        a, w, f, i, h_tilde, dg = _min_coefficients(xw + (b * T + t) * G + j, m, H, LSTM)
        h = tl.where(t < n, a * h + w * h_tilde, h)
        tl.store(states + (b * T + t) * H + j, h.to(states.dtype.element_ty), mask=m)


@triton.jit
def _min_step_bwd(x, dx, h_prev, g, keep, m, H, LSTM: tl.constexpr):
    """Store the gradients of step t's projected input; return the gradient reaching h_{t-1}."""
    a, w, f, i, h_tilde, dg = _min_coefficients(x, m, H, LSTM)
    ty = dx.dtype.element_ty
    if LSTM:  # a = sigmoid(-u), w = sigmoid(u); du/dk_f = -(1 - f), du/dk_i = 1 - i (f, i hold 1 - f, 1 - i)
        du = g * a * w * (h_tilde - h_prev)
        tl.store(dx, tl.where(keep, -du * f, 0.0).to(ty), mask=m)
        tl.store(dx + H, tl.where(keep, du * i, 0.0).to(ty), mask=m)
        tl.store(dx + 2 * H, tl.where(keep, g * w * dg, 0.0).to(ty), mask=m)
    else:  # a = 1 - z, b = z * h~ with z = i
        tl.store(dx, tl.where(keep, g * (h_tilde - h_prev) * i * (1 - i), 0.0).to(ty), mask=m)
        tl.store(dx + H, tl.where(keep, g * i * dg, 0.0).to(ty), mask=m)
    return tl.where(keep, g * a, g)


@triton.jit
def min_scan_bwd(xw, h0, states, d_states, dh0, d_xw, lengths, T, B, H, LSTM: tl.constexpr,
                 BLOCK: tl.constexpr):
    """d_states (B, T, H): the gradient reaching each state from outside the recurrence."""
    offs, m, b, j = _units(B, H, BLOCK)
    n = tl.load(lengths + b, mask=m, other=0)
    G = H * (3 if LSTM else 2)
    g = tl.full([BLOCK], 0.0, tl.float32)
    for k in range(T - 1):  # t = T-1 .. 1, where h_{t-1} is a stored state
        t = T - 1 - k
        g += _load(d_states + (b * T + t) * H + j, m)
        h_prev = _load(states + (b * T + t - 1) * H + j, m)
        g = _min_step_bwd(xw + (b * T + t) * G + j, d_xw + (b * T + t) * G + j, h_prev, g, t < n, m, H, LSTM)
    g += _load(d_states + b * T * H + j, m)  # t = 0, from h0 (every sequence has length >= 1)
    g = _min_step_bwd(xw + b * T * G + j, d_xw + b * T * G + j, _load(h0 + offs, m), g, m, m, H, LSTM)
    tl.store(dh0 + offs, g.to(dh0.dtype.element_ty), mask=m)
