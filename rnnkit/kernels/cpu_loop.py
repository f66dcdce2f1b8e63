"""Every cell of the zoo fast on the CPU: one C++ time loop with a hand-written backward, built once on use.

Why: the reference loop (:meth:`rnnkit.Recurrent.steps`) runs each step as a dozen ATen ops and its backward
through autograd, node by node, so on CPU it costs 2-5x torch.nn.LSTM's fused kernel (docs/performance.md).
Here a step is one BLAS call for the recurrent matmul and one vectorised pass over the batch rows for all
the pointwise maths of the cell; the backward is a loop of one pass and one BLAS call per step, and the
recurrent weight's gradient is one matmul over all steps after it. This is the design of the C++ GRU loop
(:mod:`.cpu_gru`), generalised to every built-in cell and to what the reference loop wraps around a cell:

========================  =====================================================================================
``LSTMCell``              ``i, f, g, o = σ, σ, tanh, σ (xw + W_hh h + b_hh)``; ``c' = f c + i g``;
                          ``h' = o tanh(c')``
``LayerNormLSTMCell``     the same with ``LN_4(W_hh h) γ_hh`` for the recurrent term (per gate block) and
                          ``h' = o tanh(LN(c') γ_c + β_c)``
``GRUCell``               ``r, z = σ(xw_r + hw_r), σ(xw_z + hw_z)``; ``n = tanh(xw_n + r hw_n)``;
                          ``h' = (1 - z) n + z h``
``ElmanCell``             ``h' = tanh(xw + W_hh h + b_hh)`` (or relu)
``MinGRUCell``            ``z = σ(k)``; ``h' = (1 - z) h + z g(p)``; no recurrent matmul
``MinLSTMCell``           ``f, i = σ(k_f), σ(k_i)``; ``h' = f/(f+i) h + i/(f+i) g(p)``
``TimeAware(cell)``       any of the above with ``h ← γ_h h`` before the step (GRU-D's hidden decay)
========================  =====================================================================================

and, around the cell, exactly what the reference loop does: the hidden dropout mask ``h ← m h`` fed to the
step (before the decay), zoneout ``new ← where(u < p, old, new)`` in training and ``p old + (1 - p) new``
in eval on every state field (the output is the cell's own ``h'``), and padding (``t >= lengths[b]``: the
state stays, the output is zero, the gradient passes straight through). The random draws are the reference's
own: the dropout mask and the zoneout uniforms ``(T, fields, B, H)`` are drawn before the loop in the order the
reference draws them step by step (torch's CPU generator fills a tensor element by element, so the values
are the same numbers; ``tests/test_fastpath_cpu_loop.py`` checks it).

The input projection (and TimeAware's decays, LayerNorm-LSTM's input norm) stays outside, in
``cell.project`` for all steps at once, differentiated by autograd, as on every rnnkit path.

The extension is compiled by ``torch.utils.cpp_extension.load_inline`` (a C++ compiler and ninja; about a
minute on 2 cores) into ``TORCH_EXTENSIONS_DIR`` and loaded from there afterwards. As for the GRU loop the
build is its own cached step, :func:`build`, called by the dispatch point before the path's first use: a
missing compiler or a failed build becomes the reason, and ``backend="auto"`` runs the reference loop.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from ..cells import ElmanCell, GRUCell, LayerNormLSTMCell, LSTMCell, MinGRUCell, MinLSTMCell, TimeAware
from . import cpu_gru

# The cell kinds of the C++ loop, by exact type: a subclass may have changed the step.
KINDS = {LSTMCell: 0, LayerNormLSTMCell: 1, GRUCell: 2, ElmanCell: 3, MinGRUCell: 4, MinLSTMCell: 5}

_SOURCE = r"""
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/cpu/vec/vec.h>
#include <torch/library.h>
#include <cmath>
#include <vector>

enum Kind : int64_t { LSTM = 0, LNLSTM = 1, GRU = 2, ELMAN = 3, MINGRU = 4, MINLSTM = 5 };
static int64_t gates_of(int64_t k) { return k == GRU || k == MINLSTM ? 3 : k == ELMAN ? 1 : k == MINGRU ? 2 : 4; }
// Saved activations per row, in units of H: LSTM i f g o tanh(c'); LN-LSTM the same, x^ of the four
// recurrent blocks and LN(c'); GRU r z n hw_n; Elman h'; minGRU z g(p) g'(p); minLSTM f i g(p) g'(p).
static int64_t acts_of(int64_t k) {
  return k == LSTM ? 5 : k == LNLSTM ? 10 : k == GRU ? 4 : k == ELMAN ? 1 : k == MINGRU ? 3 : 4;
}
static bool has_matmul(int64_t k) { return k != MINGRU && k != MINLSTM; }
static inline int64_t grain(int64_t H) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, H)); }

template <typename T> using Vec = at::vec::Vectorized<T>;
template <typename T> static inline Vec<T> sig(const Vec<T>& v) {
  const Vec<T> one(1);
  return one / (one + v.neg().exp());
}
// Feng et al.'s g(p) = p + 0.5 (p >= 0), sigmoid(p) (p < 0), and its derivative.
template <typename T> static inline Vec<T> gpos(const Vec<T>& p) {
  return Vec<T>::blendv(sig(p), p + Vec<T>(0.5), p >= Vec<T>(0));
}
template <typename T> static inline Vec<T> dgpos(const Vec<T>& p) {
  const Vec<T> s = sig(p);
  return Vec<T>::blendv(s * (Vec<T>(1) - s), Vec<T>(1), p >= Vec<T>(0));
}
// for (j, m) over [0, H) in vectors: j the first unit, m how many (V::size() but at the end)
#define FOR_VEC(H) \
  for (int64_t j = 0, m = 0; j < (H) && ((m = std::min<int64_t>(V::size(), (H) - j)), true); j += V::size())

struct Args {  // what a loop needs besides the tensors it indexes
  int64_t kind, B, T, H, G, Gx, nf;
  bool decay, relu, save, feed;
  int64_t zmode;  // 0 none, 1 training (uniforms given), 2 eval (expectation)
  double p, eps;
  const int64_t* len;
};

// The sum of x[0, n) (a partial vector loads zeros in its tail).
template <typename T> static T vsum(const T* x, int64_t n) {
  using V = Vec<T>;
  V acc(0);
  FOR_VEC(n) acc = acc + V::loadu(x + j, m);
  __at_align__ T lanes[V::size()];
  acc.store(lanes);
  T s = 0;
  for (int64_t k = 0; k < V::size(); ++k) s += lanes[k];
  return s;
}

// One layer norm over n values: x^ = (x - mean) / sqrt(var + eps), biased variance; returns 1/sqrt(var+eps).
template <typename T> static T norm(const T* x, T* xhat, int64_t n, double eps) {
  using V = Vec<T>;
  const T mean = vsum(x, n) / T(n);
  V acc(0);
  FOR_VEC(n) {
    V d = V::loadu(x + j, m) - V(mean);
    if (m < V::size()) d = V::set(V(0), d, m);
    acc = acc + d * d;
  }
  __at_align__ T lanes[V::size()];
  acc.store(lanes);
  T var = 0;
  for (int64_t k = 0; k < V::size(); ++k) var += lanes[k];
  const T rstd = T(1) / std::sqrt(var / T(n) + T(eps));
  FOR_VEC(n) ((V::loadu(x + j, m) - V(mean)) * V(rstd)).store(xhat + j, m);
  return rstd;
}
// The backward of x^ = norm(x): dx = rstd (dx^ - mean(dx^) - x^ mean(dx^ x^)). tmp: n scratch values.
template <typename T>
static void norm_backward(const T* dxhat, const T* xhat, T rstd, int64_t n, T* dx, T* tmp) {
  using V = Vec<T>;
  FOR_VEC(n) (V::loadu(dxhat + j, m) * V::loadu(xhat + j, m)).store(tmp + j, m);
  const V ma(vsum(dxhat, n) / T(n)), mb(vsum(tmp, n) / T(n)), r(rstd);
  FOR_VEC(n) (r * (V::loadu(dxhat + j, m) - ma - V::loadu(xhat + j, m) * mb)).store(dx + j, m);
}

// The cell's step for one batch row: from xw (G), hw (G, the recurrent matmul's row, raw), h (the fed state)
// and c, writes h' into y, c' into cn, the activations into a (acts_of(kind) * H) and LN statistics into st.
template <typename T>
static void cell_forward(const Args& A, const T* xw, const T* hw, const T* h, const T* c, T* y, T* cn, T* a,
                         T* st, const T* g_hh, const T* g_c, const T* b_c, T* tmp) {
  using V = Vec<T>;
  const int64_t H = A.H;
  const V one(1), zero(0);
  if (A.kind == LSTM || A.kind == LNLSTM) {
    const T* r = hw;
    if (A.kind == LNLSTM) {  // LN per gate block of W_hh h, times gamma_hh
      for (int64_t k = 0; k < 4; ++k) st[k] = norm(hw + k * H, a + (5 + k) * H, H, A.eps);
      FOR_VEC(4 * H) (V::loadu(a + 5 * H + j, m) * V::loadu(g_hh + j, m)).store(tmp + j, m);
      r = tmp;
    }
    FOR_VEC(H) {
      const V i = sig(V::loadu(xw + j, m) + V::loadu(r + j, m));
      const V f = sig(V::loadu(xw + H + j, m) + V::loadu(r + H + j, m));
      const V g = (V::loadu(xw + 2 * H + j, m) + V::loadu(r + 2 * H + j, m)).tanh();
      const V o = sig(V::loadu(xw + 3 * H + j, m) + V::loadu(r + 3 * H + j, m));
      const V c2 = f * V::loadu(c + j, m) + i * g;
      i.store(a + j, m); f.store(a + H + j, m); g.store(a + 2 * H + j, m); o.store(a + 3 * H + j, m);
      c2.store(cn + j, m);
      if (A.kind == LSTM) { const V tc = c2.tanh(); tc.store(a + 4 * H + j, m); (o * tc).store(y + j, m); }
    }
    if (A.kind == LNLSTM) {
      T* ch = a + 9 * H;
      st[4] = norm(cn, ch, H, A.eps);
      FOR_VEC(H) {
        V u = V::loadu(ch + j, m) * V::loadu(g_c + j, m);
        if (b_c) u = u + V::loadu(b_c + j, m);
        const V tu = u.tanh();
        tu.store(a + 4 * H + j, m);
        (V::loadu(a + 3 * H + j, m) * tu).store(y + j, m);
      }
    }
  } else if (A.kind == GRU) {
    FOR_VEC(H) {
      const V hn = V::loadu(hw + 2 * H + j, m);
      const V r = sig(V::loadu(xw + j, m) + V::loadu(hw + j, m));
      const V z = sig(V::loadu(xw + H + j, m) + V::loadu(hw + H + j, m));
      const V n = (V::loadu(xw + 2 * H + j, m) + r * hn).tanh();
      ((one - z) * n + z * V::loadu(h + j, m)).store(y + j, m);
      r.store(a + j, m); z.store(a + H + j, m); n.store(a + 2 * H + j, m); hn.store(a + 3 * H + j, m);
    }
  } else if (A.kind == ELMAN) {
    FOR_VEC(H) {
      const V pre = V::loadu(xw + j, m) + V::loadu(hw + j, m);
      const V h2 = A.relu ? at::vec::maximum(pre, zero) : pre.tanh();
      h2.store(y + j, m); h2.store(a + j, m);
    }
  } else if (A.kind == MINGRU) {
    FOR_VEC(H) {
      const V z = sig(V::loadu(xw + j, m));
      const V p = V::loadu(xw + H + j, m);
      const V ht = gpos(p);
      ((one - z) * V::loadu(h + j, m) + z * ht).store(y + j, m);
      z.store(a + j, m); ht.store(a + H + j, m); dgpos(p).store(a + 2 * H + j, m);
    }
  } else {  // MINLSTM
    FOR_VEC(H) {
      const V f = sig(V::loadu(xw + j, m)), i = sig(V::loadu(xw + H + j, m));
      const V p = V::loadu(xw + 2 * H + j, m);
      const V ht = gpos(p);
      const V fp = f / (f + i), ip = i / (f + i);
      (fp * V::loadu(h + j, m) + ip * ht).store(y + j, m);
      f.store(a + j, m); i.store(a + H + j, m); ht.store(a + 2 * H + j, m); dgpos(p).store(a + 3 * H + j, m);
    }
  }
}

// The backward of cell_forward for one row: from gh = dL/dh' and gc = dL/dc', writes d(xw) (G) into dx,
// the recurrent matmul's output gradient into dhw (G; raw W_hh h for LN-LSTM), the direct part of dL/dh
// (fed state) into dh, dL/dc into dc, and adds LN-LSTM's gradients of gamma_hh, gamma_c, beta_c for this row
// into acc (6H).
template <typename T>
static void cell_backward(const Args& A, const T* a, const T* st, const T* h, const T* c, const T* gh,
                          const T* gc, T* dx, T* dhw, T* dh, T* dc, T* acc, const T* g_hh, const T* g_c,
                          T* tmp) {
  using V = Vec<T>;
  const int64_t H = A.H;
  const V one(1), zero(0);
  if (A.kind == LSTM || A.kind == LNLSTM) {
    const T* dcn = gc;  // dL/dc' in total
    if (A.kind == LNLSTM) {
      T* dch = tmp;  // dL/dLN(c')
      FOR_VEC(H) {
        const V tu = V::loadu(a + 4 * H + j, m);
        const V d = V::loadu(gh + j, m) * V::loadu(a + 3 * H + j, m) * (one - tu * tu);
        (V::loadu(acc + 4 * H + j, m) + d * V::loadu(a + 9 * H + j, m)).store(acc + 4 * H + j, m);
        (V::loadu(acc + 5 * H + j, m) + d).store(acc + 5 * H + j, m);
        (d * V::loadu(g_c + j, m)).store(dch + j, m);
      }
      T* dct = tmp + H;
      norm_backward(dch, a + 9 * H, st[4], H, dct, tmp + 2 * H);
      FOR_VEC(H) (V::loadu(dct + j, m) + V::loadu(gc + j, m)).store(dct + j, m);
      dcn = dct;
    }
    FOR_VEC(H) {
      const V i = V::loadu(a + j, m), f = V::loadu(a + H + j, m), g = V::loadu(a + 2 * H + j, m);
      const V o = V::loadu(a + 3 * H + j, m), tc = V::loadu(a + 4 * H + j, m), d_h = V::loadu(gh + j, m);
      V d_c = V::loadu(dcn + j, m);
      if (A.kind == LSTM) d_c = d_c + d_h * o * (one - tc * tc);
      const V di = d_c * g * i * (one - i), df = d_c * V::loadu(c + j, m) * f * (one - f);
      const V dg = d_c * i * (one - g * g), d_o = d_h * tc * o * (one - o);
      di.store(dx + j, m); df.store(dx + H + j, m); dg.store(dx + 2 * H + j, m); d_o.store(dx + 3 * H + j, m);
      (d_c * f).store(dc + j, m);
      zero.store(dh + j, m);
    }
    if (A.kind == LSTM) { std::copy(dx, dx + 4 * H, dhw); return; }
    T* dxh = tmp + 2 * H;  // dL/dx^ of the recurrent blocks, then their LN backward
    FOR_VEC(4 * H) {
      const V d = V::loadu(dx + j, m);
      (V::loadu(acc + j, m) + d * V::loadu(a + 5 * H + j, m)).store(acc + j, m);
      (d * V::loadu(g_hh + j, m)).store(dxh + j, m);
    }
    for (int64_t k = 0; k < 4; ++k) norm_backward(dxh + k * H, a + (5 + k) * H, st[k], H, dhw + k * H, tmp);
  } else if (A.kind == GRU) {
    FOR_VEC(H) {
      const V r = V::loadu(a + j, m), z = V::loadu(a + H + j, m);
      const V n = V::loadu(a + 2 * H + j, m), hn = V::loadu(a + 3 * H + j, m), d = V::loadu(gh + j, m);
      const V dn = d * (one - z) * (one - n * n);
      const V dr = dn * hn * r * (one - r);
      const V dz = d * (V::loadu(h + j, m) - n) * z * (one - z);
      dr.store(dx + j, m); dz.store(dx + H + j, m); dn.store(dx + 2 * H + j, m);
      dr.store(dhw + j, m); dz.store(dhw + H + j, m); (dn * r).store(dhw + 2 * H + j, m);
      (d * z).store(dh + j, m);
    }
  } else if (A.kind == ELMAN) {
    FOR_VEC(H) {
      const V h2 = V::loadu(a + j, m), d = V::loadu(gh + j, m);
      const V dp = A.relu ? V::blendv(zero, d, h2 > zero) : d * (one - h2 * h2);
      dp.store(dx + j, m); dp.store(dhw + j, m); zero.store(dh + j, m);
    }
  } else if (A.kind == MINGRU) {
    FOR_VEC(H) {
      const V z = V::loadu(a + j, m), ht = V::loadu(a + H + j, m), d = V::loadu(gh + j, m);
      (d * (ht - V::loadu(h + j, m)) * z * (one - z)).store(dx + j, m);
      (d * z * V::loadu(a + 2 * H + j, m)).store(dx + H + j, m);
      (d * (one - z)).store(dh + j, m);
    }
  } else {  // MINLSTM: f' = f / s, i' = i / s with s = f + i
    FOR_VEC(H) {
      const V f = V::loadu(a + j, m), i = V::loadu(a + H + j, m), ht = V::loadu(a + 2 * H + j, m);
      const V d = V::loadu(gh + j, m), s = f + i, fp = f / s, ip = i / s;
      const V dfp = d * V::loadu(h + j, m), dip = d * ht;
      const V q = (dfp * fp + dip * ip) / s;
      ((dfp / s - q) * f * (one - f)).store(dx + j, m);
      ((dip / s - q) * i * (one - i)).store(dx + H + j, m);
      (d * ip * V::loadu(a + 3 * H + j, m)).store(dx + 2 * H + j, m);
      (d * fp).store(dh + j, m);
    }
  }
}

// Forward over all steps. Batch-first: xw (B, T, Gx), out (B, T, H). Time-major saves: hs, cs (T + 1, B, H)
// (every state, or two in turn without save), hf (T, B, H) the fed h (with a dropout mask or decay), acts
// (T, B, acts * H), stats (T, B, 5).
template <typename T>
static void forward_loop(const Args& A, const at::Tensor& xw, at::Tensor& hs, at::Tensor& cs, at::Tensor& hf,
                         at::Tensor& out, at::Tensor& acts, at::Tensor& stats, const at::Tensor& w_hh,
                         const c10::optional<at::Tensor>& b_hh, const c10::optional<at::Tensor>& hmask,
                         const c10::optional<at::Tensor>& zu, const T* g_hh, const T* g_c, const T* b_c) {
  using V = Vec<T>;
  const int64_t B = A.B, T_ = A.T, H = A.H, G = A.G, Gx = A.Gx, nA = acts_of(A.kind);
  const bool mm = has_matmul(A.kind), two = A.nf == 2;
  at::Tensor hw = at::empty({B, mm ? G : 0}, xw.options());
  // W_hh^T contiguous, so that every step's product is a plain (no transpose) BLAS call
  at::Tensor w_t = mm ? w_hh.t().contiguous() : w_hh;
  const T* bias = b_hh.has_value() ? b_hh->data_ptr<T>() : nullptr;
  // raw pointers into the saves, indexed by hand: a Tensor index per step and save costs more than the step's
  // pointwise maths at small sizes
  const int64_t BH = B * H;
  T* hs0 = hs.data_ptr<T>();
  T* cs0 = two ? cs.data_ptr<T>() : nullptr;
  T* hf0 = A.feed ? hf.data_ptr<T>() : nullptr;
  T* acts0 = acts.data_ptr<T>();
  T* stats0 = stats.data_ptr<T>();
  const T* mask = hmask.has_value() ? hmask->data_ptr<T>() : nullptr;
  const T pz = T(A.p), qz = T(1.0 - A.p);
  for (int64_t t = 0; t < T_; ++t) {
    const int64_t s0 = A.save ? t : t % 2, s1 = A.save ? t + 1 : (t + 1) % 2;
    const T* x = xw.data_ptr<T>() + t * Gx;  // row b at x + b * T * Gx
    const T* ho = hs0 + s0 * BH;
    T* hn = hs0 + s1 * BH;
    const T* co = two ? cs0 + s0 * BH : nullptr;
    T* cn = two ? cs0 + s1 * BH : nullptr;
    T* fp = A.feed ? hf0 + (A.save ? t : 0) * BH : nullptr;
    if (A.feed) {  // h fed to the step: m * h (hidden dropout), then gamma_h * (.) (decay)
      at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          FOR_VEC(H) {
            V v = V::loadu(ho + b * H + j, m);
            if (mask) v = v * V::loadu(mask + b * H + j, m);
            if (A.decay) v = V::loadu(x + b * T_ * Gx + G + j, m) * v;
            v.store(fp + b * H + j, m);
          }
        }
      });
    }
    const T* hp = A.feed ? fp : ho;
    if (mm) at::mm_out(hw, at::from_blob(const_cast<T*>(hp), {B, H}, xw.options()), w_t);  // + b_hh per row
    T* hwp = mm ? hw.data_ptr<T>() : nullptr;
    T* y = out.data_ptr<T>() + t * H;  // row b at y + b * T * H
    T* at_ = acts0 + (A.save ? t : 0) * B * nA * H;
    T* st = stats0 + (A.save ? t : 0) * B * 5;
    const T* u = A.zmode == 1 ? zu->data_ptr<T>() + t * A.nf * B * H : nullptr;  // (T, nf, B, H)
    at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
      std::vector<T> tmp(5 * H), c2(H);
      for (int64_t b = b0; b < b1; ++b) {
        T* yb = y + b * T_ * H;
        if (t >= A.len[b]) {  // padding: the state stays, the output is zero
          std::copy(ho + b * H, ho + (b + 1) * H, hn + b * H);
          if (two) std::copy(co + b * H, co + (b + 1) * H, cn + b * H);
          std::fill(yb, yb + H, T(0));
          std::fill(at_ + b * nA * H, at_ + (b + 1) * nA * H, T(0));  // read by the sums over all steps
          continue;
        }
        if (bias) {  // hw = W_hh h + b_hh
          T* r = hwp + b * G;
          FOR_VEC(G) (V::loadu(r + j, m) + V::loadu(bias + j, m)).store(r + j, m);
        }
        cell_forward<T>(A, x + b * T_ * Gx, mm ? hwp + b * G : nullptr, hp + b * H, two ? co + b * H : nullptr,
                        yb, c2.data(), at_ + b * nA * H, st + b * 5, g_hh, g_c, b_c, tmp.data());
        for (int64_t k = 0; k < A.nf; ++k) {  // zoneout on each field (the output stays the cell's h')
          const T* nw = k == 0 ? yb : c2.data();
          const T* old = (k == 0 ? ho : co) + b * H;
          T* dst = (k == 0 ? hn : cn) + b * H;
          if (A.zmode == 0) { std::copy(nw, nw + H, dst); continue; }
          const T* ub = A.zmode == 1 ? u + (k * B + b) * H : nullptr;
          for (int64_t j = 0; j < H; ++j)
            dst[j] = A.zmode == 1 ? (ub[j] < pz ? old[j] : nw[j]) : pz * old[j] + qz * nw[j];
        }
      }
    });
  }
}

std::vector<at::Tensor> loop_forward(int64_t kind, const at::Tensor& xw, const at::Tensor& h0,
                                     const c10::optional<at::Tensor>& c0, const c10::optional<at::Tensor>& w_hh,
                                     const c10::optional<at::Tensor>& b_hh,
                                     const c10::optional<at::Tensor>& gamma_hh,
                                     const c10::optional<at::Tensor>& gamma_c,
                                     const c10::optional<at::Tensor>& beta_c, double eps,
                                     const c10::optional<at::Tensor>& hmask, const c10::optional<at::Tensor>& zu,
                                     double p, int64_t zmode, bool decay, bool relu, const at::Tensor& lengths,
                                     bool save) {
  const int64_t B = xw.size(0), T = xw.size(1), H = h0.size(1), G = gates_of(kind) * H;
  const int64_t nf = c0.has_value() ? 2 : 1;
  Args A{kind, B, T, H, G, xw.size(2), nf, decay, relu, save, decay || hmask.has_value(), zmode, p, eps,
         lengths.data_ptr<int64_t>()};
  auto hs = at::empty({save ? T + 1 : 2, B, H}, h0.options());
  hs[0].copy_(h0);
  auto cs = at::empty({nf == 2 ? (save ? T + 1 : 2) : 0, B, H}, h0.options());
  if (nf == 2) cs[0].copy_(*c0);
  auto hf = at::empty({A.feed ? (save ? T : 1) : 0, B, H}, h0.options());
  auto out = at::empty({B, T, H}, xw.options());
  auto acts = at::empty({save ? T : 1, B, acts_of(kind) * H}, xw.options());
  auto stats = at::empty({save ? T : 1, B, 5}, xw.options());
  const at::Tensor w = w_hh.has_value() ? *w_hh : at::empty({0}, xw.options());
  AT_DISPATCH_FLOATING_TYPES(xw.scalar_type(), "loop_forward", [&] {
    forward_loop<scalar_t>(A, xw, hs, cs, hf, out, acts, stats, w, b_hh, hmask, zu,
                           gamma_hh.has_value() ? gamma_hh->data_ptr<scalar_t>() : nullptr,
                           gamma_c.has_value() ? gamma_c->data_ptr<scalar_t>() : nullptr,
                           beta_c.has_value() ? beta_c->data_ptr<scalar_t>() : nullptr);
  });
  const int64_t last = save ? T : T % 2;
  auto hT = hs[last].clone();
  auto cT = nf == 2 ? cs[last].clone() : at::empty({0}, h0.options());
  if (!save) return {out, hT, cT};
  return {out, hT, cT, hs, cs, hf, acts, stats};
}

template <typename T>
static void backward_loop(const Args& A, const at::Tensor& d_out, at::Tensor& dh, at::Tensor& dc,
                          const at::Tensor& hs, const at::Tensor& cs, const at::Tensor& hf, const at::Tensor& acts,
                          const at::Tensor& stats, const at::Tensor& w_hh, const at::Tensor& xw, at::Tensor& d_xw,
                          at::Tensor& d_hw, at::Tensor& acc, const c10::optional<at::Tensor>& hmask,
                          const c10::optional<at::Tensor>& zu, const T* g_hh, const T* g_c) {
  using V = Vec<T>;
  const int64_t B = A.B, T_ = A.T, H = A.H, G = A.G, Gx = A.Gx, nA = acts_of(A.kind);
  const bool mm = has_matmul(A.kind), two = A.nf == 2, ln = A.kind == LNLSTM;
  const T* mask = hmask.has_value() ? hmask->data_ptr<T>() : nullptr;
  const T pz = T(A.p), qz = T(1.0 - A.p);
  auto zh = at::empty({B, H}, dh.options());  // dL/dh_old through zoneout
  T* dhp = dh.data_ptr<T>();
  T* dcp = two ? dc.data_ptr<T>() : nullptr;
  T* zhp = zh.data_ptr<T>();
  T* accp = ln ? acc.data_ptr<T>() : nullptr;  // (B, 6H), row b owned by one thread at a time
  for (int64_t t = T_ - 1; t >= 0; --t) {
    const T* dy = d_out.data_ptr<T>() + t * H;  // row b at dy + b * T * H
    const T* at_ = acts.data_ptr<T>() + t * B * nA * H;
    const T* st = stats.data_ptr<T>() + t * B * 5;
    const T* ho = hs.data_ptr<T>() + t * B * H;
    const T* hin = A.feed ? hf.data_ptr<T>() + t * B * H : ho;
    const T* co = two ? cs.data_ptr<T>() + t * B * H : nullptr;
    T* dx = d_xw.data_ptr<T>() + t * Gx;  // row b at dx + b * T * Gx
    T* dhw = mm ? d_hw.data_ptr<T>() + t * B * G : nullptr;
    const T* u = A.zmode == 1 ? zu->data_ptr<T>() + t * A.nf * B * H : nullptr;
    at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
      std::vector<T> gh(H), gc(H), tmp(6 * H), dhd(H), dcd(H), zc(H);
      for (int64_t b = b0; b < b1; ++b) {
        T* dxb = dx + b * T_ * Gx;
        if (t >= A.len[b]) {  // padding: zero outputs, the gradient passes to step t - 1 unchanged
          std::fill(dxb, dxb + Gx, T(0));
          if (mm) std::fill(dhw + b * G, dhw + (b + 1) * G, T(0));
          continue;
        }
        for (int64_t k = 0; k < A.nf; ++k) {  // through zoneout: the cell's part and the old state's part
          const T* dn = (k == 0 ? dhp : dcp) + b * H;
          T* cellg = k == 0 ? gh.data() : gc.data();
          T* oldg = k == 0 ? zhp + b * H : zc.data();
          const T* ub = A.zmode == 1 ? u + (k * B + b) * H : nullptr;
          for (int64_t j = 0; j < H; ++j) {
            if (A.zmode == 0) { cellg[j] = dn[j]; oldg[j] = 0; }
            else if (A.zmode == 1) {
              const bool keep = ub[j] < pz;
              cellg[j] = keep ? 0 : dn[j];
              oldg[j] = keep ? dn[j] : 0;
            }
            else { cellg[j] = qz * dn[j]; oldg[j] = pz * dn[j]; }
          }
        }
        for (int64_t j = 0; j < H; ++j) gh[j] += dy[b * T_ * H + j];
        cell_backward<T>(A, at_ + b * nA * H, st + b * 5, hin + b * H, two ? co + b * H : nullptr, gh.data(),
                         gc.data(), dxb, mm ? dhw + b * G : nullptr, dhd.data(), dcd.data(),
                         ln ? accp + b * 6 * H : nullptr, g_hh, g_c, tmp.data());
        if (two) for (int64_t j = 0; j < H; ++j) dcp[b * H + j] = dcd[j] + zc[j];
        std::copy(dhd.begin(), dhd.end(), dhp + b * H);  // the direct part of dL/dh_fed; the matmul adds
      }
    });
    if (mm) dh.addmm_(at::from_blob(dhw, {B, G}, d_hw.options()), w_hh);  // dL/dh_fed += d(hw) @ W_hh
    at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        if (t >= A.len[b]) continue;
        T* d = dhp + b * H;
        if (A.feed) {  // h_fed = gamma * (m * h): d gamma = d * (m * h), d h = d * gamma * m
          FOR_VEC(H) {
            V v = V::loadu(d + j, m);
            if (A.decay) {
              V hm = V::loadu(ho + b * H + j, m);
              if (mask) hm = hm * V::loadu(mask + b * H + j, m);
              (v * hm).store(dx + b * T_ * Gx + G + j, m);
              v = v * V::loadu(xw.data_ptr<T>() + b * T_ * Gx + t * Gx + G + j, m);
            }
            if (mask) v = v * V::loadu(mask + b * H + j, m);
            v.store(d + j, m);
          }
        }
        if (A.zmode) for (int64_t j = 0; j < H; ++j) d[j] += zhp[b * H + j];
      }
    });
  }
}

// Returns d_xw (B, T, Gx), dh0, dc0 (or empty), dW_hh, db_hh, dgamma_hh, dgamma_c, dbeta_c (empty if unused).
std::vector<at::Tensor> loop_backward(int64_t kind, const at::Tensor& d_out, const at::Tensor& d_hT,
                                      const c10::optional<at::Tensor>& d_cT, const at::Tensor& xw,
                                      const at::Tensor& hs, const at::Tensor& cs, const at::Tensor& hf,
                                      const at::Tensor& acts, const at::Tensor& stats,
                                      const c10::optional<at::Tensor>& w_hh,
                                      const c10::optional<at::Tensor>& gamma_hh,
                                      const c10::optional<at::Tensor>& gamma_c,
                                      const c10::optional<at::Tensor>& hmask, const c10::optional<at::Tensor>& zu,
                                      double p, int64_t zmode, bool decay, bool relu, const at::Tensor& lengths) {
  const int64_t B = d_out.size(0), T = d_out.size(1), H = d_hT.size(1), G = gates_of(kind) * H;
  const int64_t nf = d_cT.has_value() ? 2 : 1;
  Args A{kind, B, T, H, G, xw.size(2), nf, decay, relu, true, decay || hmask.has_value(), zmode, p, 0.0,
         lengths.data_ptr<int64_t>()};
  const bool mm = has_matmul(kind), ln = kind == LNLSTM;
  auto dh = d_hT.clone();
  auto dc = nf == 2 ? d_cT->clone() : at::empty({0}, d_hT.options());
  auto d_xw = at::empty({B, T, A.Gx}, d_out.options());
  auto d_hw = at::empty({mm ? T : 0, B, G}, d_out.options());
  auto acc = at::zeros({ln ? B : 0, 6 * H}, d_out.options());
  const at::Tensor w = w_hh.has_value() ? *w_hh : at::empty({0}, xw.options());
  AT_DISPATCH_FLOATING_TYPES(d_out.scalar_type(), "loop_backward", [&] {
    backward_loop<scalar_t>(A, d_out, dh, dc, hs, cs, hf, acts, stats, w, xw, d_xw, d_hw, acc, hmask, zu,
                            gamma_hh.has_value() ? gamma_hh->data_ptr<scalar_t>() : nullptr,
                            gamma_c.has_value() ? gamma_c->data_ptr<scalar_t>() : nullptr);
  });
  auto none = at::empty({0}, d_out.options());
  at::Tensor dw = none, db = none, dg_hh = none, dg_c = none, db_c = none;
  if (mm) {
    auto flat = d_hw.view({T * B, G});
    dw = flat.t().mm((A.feed ? hf : hs.narrow(0, 0, T)).reshape({T * B, H}));
    db = flat.sum(0);
  }
  if (ln) {
    auto sums = acc.sum(0);
    dg_hh = sums.narrow(0, 0, 4 * H);
    dg_c = sums.narrow(0, 4 * H, H);
    db_c = sums.narrow(0, 5 * H, H);
  }
  return {d_xw, dh, dc, dw, db, dg_hh, dg_c, db_c};
}

TORCH_LIBRARY(rnnkit_cpu_loop, m) {
  m.def("forward(int kind, Tensor xw, Tensor h0, Tensor? c0, Tensor? w_hh, Tensor? b_hh, Tensor? gamma_hh, "
        "Tensor? gamma_c, Tensor? beta_c, float eps, Tensor? hmask, Tensor? zu, float p, int zmode, bool decay, "
        "bool relu, Tensor lengths, bool save) -> Tensor[]", &loop_forward);
  m.def("backward(int kind, Tensor d_out, Tensor d_hT, Tensor? d_cT, Tensor xw, Tensor hs, Tensor cs, "
        "Tensor hf, Tensor acts, Tensor stats, Tensor? w_hh, Tensor? gamma_hh, Tensor? gamma_c, Tensor? hmask, "
        "Tensor? zu, float p, int zmode, bool decay, bool relu, Tensor lengths) -> Tensor[]", &loop_backward);
}
"""


@functools.cache
def build() -> tuple[bool, str]:
    """Build the extension, or load it from the cache, once per process; ``(ok, reason)``. The checks and
    flags are the C++ GRU loop's (:func:`rnnkit.kernels.cpu_gru.build`)."""
    return cpu_gru.build_extension("rnnkit_cpu_loop", _SOURCE, "the CPU loop extension")


def _kind(cell) -> tuple[int | None, bool]:
    """``(kind, decayed)``: the C++ loop's kind of ``cell`` (None if it has none) and whether it is wrapped
    in :class:`rnnkit.cells.TimeAware`."""
    decayed = type(cell) is TimeAware
    inner = cell.cell if decayed else cell
    return KINDS.get(type(inner)), decayed


def can_use_cpu_loop(layer, x: Tensor) -> tuple[bool, str]:
    """Whether the C++ loop computes exactly what ``layer`` (a Stacked) would, and why (not).

    The configuration only: this never builds the extension (the dispatch point calls :func:`build`)."""
    cells = layer.cells()
    for c in cells:
        if _kind(c)[0] is None:
            inner = c.cell if type(c) is TimeAware else c
            return False, (f"the C++ CPU loop has no step for {type(inner).__name__} (it runs the built-in "
                           f"cells {', '.join(k.__name__ for k in KINDS)}, alone or inside TimeAware)")
    if x.device.type != "cpu":
        return False, "the C++ loop runs on CPU only"
    if x.dtype not in (torch.float32, torch.float64):
        return False, f"the C++ loop runs float32 and float64, not {x.dtype}"
    if any(p.dtype != x.dtype or p.device != x.device for c in cells for p in c.parameters()):
        return False, "parameters and input differ in dtype or device"
    if torch.is_autocast_enabled("cpu"):  # the projection would come out in autocast's lower precision
        return False, "autocast is on, and the C++ loop computes in float32 and float64 only"
    if getattr(layer, "mode", None) == "parallel":
        return False, "mode='parallel' asks for the log-space scan, which the reference runs"
    if any(d.trace is not None for d in layer.directions()):
        return False, "a direction records a trace of every step, which only the reference loop fills"
    names = sorted({(type(c).__name__ + f"({type(c.cell).__name__})" if type(c) is TimeAware
                     else type(c).__name__) for c in cells})
    return True, f"rnnkit's C++ CPU loop for {', '.join(names)}"


def _parameters(cell) -> tuple:
    """The step's parameters in the extension's order: ``w_hh, b_hh, gamma_hh, gamma_c, beta_c``."""
    inner = cell.cell if type(cell) is TimeAware else cell
    if type(inner) is LayerNormLSTMCell:
        return inner.weight_hh, None, inner.gamma_hh, inner.gamma_c, inner.beta_c
    if type(inner) in (MinGRUCell, MinLSTMCell):
        return None, None, None, None, None
    return inner.weight_hh, inner.bias_hh, None, None, None


def _draws(direction, xw: Tensor, fields: int) -> tuple[Tensor | None, Tensor | None]:
    """The hidden dropout mask ``(B, H)`` and the zoneout uniforms ``(T, fields, B, H)`` that
    :meth:`rnnkit.Recurrent.steps` draws, drawn here in its order: the mask first, then per step one
    ``rand_like`` per state field. None where the reference draws nothing."""
    from ..layers.recurrent import _sequence_mask

    B, T, _ = xw.shape
    H = direction.hidden_size
    mask = (_sequence_mask(xw, H, direction.hidden_dropout)
            if direction.training and direction.hidden_dropout > 0 else None)
    uniforms = (torch.rand(T, fields, B, H, dtype=xw.dtype, device=xw.device)
                if direction.training and direction.zoneout > 0 else None)
    return mask, uniforms


class _Loop(torch.autograd.Function):
    """The recurrence of one direction: ``xw (B, T, Gx)``, the state -> outputs ``(B, T, H)``, ``h_T``, ``c_T``
    (empty for a cell whose state is h alone). ``config = (kind, eps, p, zmode, decay, relu, save)``."""

    @staticmethod
    def forward(ctx, config, xw, lengths, mask, uniforms, h0, c0, w_hh, b_hh, gamma_hh, gamma_c, beta_c):
        kind, eps, p, zmode, decay, relu, save = config
        res = torch.ops.rnnkit_cpu_loop.forward(
            kind, xw.contiguous(), h0.contiguous(), None if c0 is None else c0.contiguous(),
            None if w_hh is None else w_hh.contiguous(), b_hh, gamma_hh, gamma_c, beta_c, eps, mask, uniforms,
            p, zmode, decay, relu, lengths, save,
        )
        out, h_T, c_T = res[:3]
        if save:
            ctx.save_for_backward(xw, lengths, mask, uniforms, w_hh, gamma_hh, gamma_c, *res[3:])
        ctx.config, ctx.two = config, c0 is not None
        ctx.has = [t is not None for t in (w_hh, b_hh, gamma_hh, gamma_c, beta_c)]
        if c0 is None:
            ctx.mark_non_differentiable(c_T)
        return out, h_T, c_T

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, d_out, d_hT, d_cT):
        kind, eps, p, zmode, decay, relu, _ = ctx.config
        xw, lengths, mask, uniforms, w_hh, gamma_hh, gamma_c, hs, cs, hf, acts, stats = ctx.saved_tensors
        d_xw, d_h0, d_c0, *d_params = torch.ops.rnnkit_cpu_loop.backward(
            kind, d_out.contiguous(), d_hT.contiguous(), d_cT.contiguous() if ctx.two else None, xw.contiguous(),
            hs, cs, hf, acts, stats, None if w_hh is None else w_hh.contiguous(), gamma_hh, gamma_c, mask,
            uniforms, p, zmode, decay, relu, lengths,
        )
        d_params = [d if has else None for d, has in zip(d_params, ctx.has, strict=True)]
        return None, d_xw, None, None, None, d_h0, d_c0 if ctx.two else None, *d_params


def cpu_loop(cell, xw: Tensor, lengths: Tensor | None, state, *, direction) -> tuple[Tensor, object]:
    """One direction through the C++ loop; the time ``loop`` of :class:`rnnkit.Recurrent`, which passes
    itself as ``direction`` (for its recurrent dropout and zoneout) because ``recurrent_dropout`` is set."""
    B, T, _ = xw.shape
    kind, decayed = _kind(cell)
    inner = cell.cell if decayed else cell
    two = cell.state_type is not None
    h0, c0 = (state.h, state.c) if two else (state, None)
    lengths = torch.full((B,), T, dtype=torch.long) if lengths is None else lengths.to("cpu", torch.long)
    mask, uniforms = _draws(direction, xw, 2 if two else 1)
    zmode = 0 if direction.zoneout == 0 else 1 if direction.training else 2
    params = _parameters(cell)
    inputs = (xw, h0, c0, *params)
    save = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs)
    config = (kind, float(getattr(inner, "eps", 0.0)), float(direction.zoneout), zmode, decayed,
              getattr(inner, "nonlinearity", "tanh") == "relu", save)
    out, h_T, c_T = _Loop.apply(config, xw, lengths.contiguous(), mask, uniforms, h0, c0, *params)
    return out, (cell.state_type(h_T, c_T) if two else h_T)


cpu_loop.recurrent_dropout = True  # Recurrent calls it with direction=self, also with recurrent dropout on


def run_cpu_loop(layer, x: Tensor, lengths: Tensor | None, state):
    """Run a Stacked layer through the C++ loop; same inputs and outputs as ``forward_reference``."""
    return layer.unroll(x, lengths, state, cpu_loop)
