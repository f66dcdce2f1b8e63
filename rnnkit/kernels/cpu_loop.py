"""Every cell of the zoo fast on the CPU: one C++ time loop with a hand-written backward, built once on use.

Why: the reference loop (:meth:`rnnkit.Recurrent.steps`) runs each step as a dozen ATen ops and its backward
through autograd, node by node, so on CPU it costs 2-5x torch.nn.LSTM's fused kernel (docs/performance.md).
Here a step is one product for the recurrent matmul (:data:`.cpu_gru.GEMM`) and one vectorised pass over the
batch rows for all the pointwise maths of the cell; the backward is a loop of one pass and one product per step,
and the recurrent weight's gradient is one matmul over all steps after it. This is the design of the C++ GRU loop
(:mod:`.cpu_gru`), generalised to every built-in cell and to what the reference loop wraps around a cell:

========================  =====================================================================================
``LSTMCell``              ``i, f, g, o = σ, σ, tanh, σ (xw + b_ih + W_hh h + b_hh)``; ``c' = f c + i g``;
                          ``h' = o tanh(c')``
``LayerNormLSTMCell``     the same with ``LN_4(W_ih x) γ_ih + b + LN_4(W_hh h) γ_hh`` for the pre-activations
                          (per gate block) and ``h' = o tanh(LN(c') γ_c + β_c)``
``GRUCell``               ``r, z = σ(xw_r + hw_r), σ(xw_z + hw_z)``; ``n = tanh(xw_n + r hw_n)`` (``xw``
                          and ``hw`` with their biases);
                          ``h' = (1 - z) n + z h``
``ElmanCell``             ``h' = tanh(xw + b_ih + W_hh h + b_hh)`` (or relu)
``MinGRUCell``            ``z = σ(k)``; ``h' = (1 - z) h + z g(p)``; no recurrent matmul
``MinLSTMCell``           ``f, i = σ(k_f), σ(k_i)``; ``h' = f/(f+i) h + i/(f+i) g(p)`` (``f/(f+i) = σ(-u)``,
                          ``u = log i - log f``: finite where f and i underflow to 0)
``TimeAware(cell)``       any of the above with ``h ← γ_h h``, ``γ_h = exp(-max(0, W_h δ + b_h))``, before the
                          step (GRU-D's hidden decay)
========================  =====================================================================================

and, around the cell, exactly what the reference loop does: the hidden dropout mask ``h ← m h`` fed to the
step (before the decay), zoneout ``new ← where(u < p, old, new)`` in training and ``p old + (1 - p) new``
in eval on every state field (the output is the cell's own ``h'``), and padding (``t >= lengths[b]``: the
state stays, the output is zero, the gradient passes straight through). The random draws are the reference's
own: the dropout mask and the zoneout uniforms ``(T, fields, B, H)`` are drawn before the loop in the order the
reference draws them step by step (torch's CPU generator fills a tensor element by element, so the values
are the same numbers; ``tests/test_fastpath_cpu_loop.py`` checks it), the uniforms by the extension's
``uniform_``, which gives ``torch.rand``'s numbers from the default generator five times faster (docs/kernels.md).
``tanh`` is Sleef's 3.5-ULP vector kernel, four times faster than torch's 1-ULP one: the same function to
rounding (both within 2 float32 ULP).

The matmuls of the input projection stay outside, for all steps at once, as on every rnnkit path (through
the loops' GEMM, :class:`.cpu_gru.Linear`); what comes after them moves into C++ code with a hand-written
backward, so that no ``(B, T, G)``-sized chain of autograd nodes is left around the loop. :func:`project` is
this path's projection, which :class:`rnnkit.Recurrent` calls in place of ``cell.project``: the LSTM's, GRU's and
Elman cell's is ``x W_ih^T`` (``b_ih`` is added per step with ``b_hh``); LayerNorm-LSTM's is ``x W_ih^T`` (its block
norm, gain and bias are taken per step in the loop, beside the recurrent norm); TimeAware's is the inner cell's
projection of ``[x_hat, m]`` from GRU-D's input decay and imputation (:meth:`rnnkit.cells.TimeAware.impute`,
here one C++ pass over ``(B, T, F)`` forward and one backward, :class:`_Impute`) and the hidden decay's
pre-activation ``W_h δ + b_h``, whose ``exp(-max(0, .))`` the loop takes per step.

The extension is compiled by ``torch.utils.cpp_extension.load_inline`` (a C++ compiler and ninja; about a
minute on 2 cores) into ``TORCH_EXTENSIONS_DIR`` and loaded from there afterwards. Its large buffers (the
saved activations, the output and the gradients of the projection and the decay, at most an eighth of the
machine's memory) are kept on each thread and reused from call to call once nothing else holds them:
allocated afresh, their pages were faulted in and cleared by the kernel at every call, a fifth of the LSTM
loop's time at the small benchmark size; :func:`release_buffers` frees them. As for the GRU loop the build is
its own cached step, :func:`build`, called by the dispatch point before the path's first use: a missing compiler
or a failed build becomes the reason, and ``backend="auto"`` runs the reference loop.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import torch
from torch import Tensor

from ..cells import ElmanCell, GRUCell, LayerNormLSTMCell, LSTMCell, MinGRUCell, MinLSTMCell, TimeAware
from . import cpu_gru

# The cell kinds of the C++ loop, by exact type: a subclass may have changed the step.
KINDS = {LSTMCell: 0, LayerNormLSTMCell: 1, GRUCell: 2, ElmanCell: 3, MinGRUCell: 4, MinLSTMCell: 5}

_SOURCE = cpu_gru.GEMM + r"""
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Config.h>
#include <ATen/Parallel.h>
#include <ATen/cpu/vec/functional.h>
#include <ATen/cpu/vec/vec.h>
#include <torch/library.h>
#include <array>
#include <cmath>
#include <mutex>
#include <vector>

enum Kind : int64_t { LSTM = 0, LNLSTM = 1, GRU = 2, ELMAN = 3, MINGRU = 4, MINLSTM = 5 };
static int64_t gates_of(int64_t k) { return k == GRU || k == MINLSTM ? 3 : k == ELMAN ? 1 : k == MINGRU ? 2 : 4; }
// Saved activations per row, in units of H: LSTM i f g o tanh(c'); LN-LSTM the same, x^ of the four
// recurrent blocks, LN(c') and x^ of the four input blocks; GRU r z n hw_n; Elman h'; minGRU z g(p) g'(p);
// minLSTM f' i' g(p) g'(p) 1-f 1-i.
static int64_t acts_of(int64_t k) {
  return k == LSTM ? 5 : k == LNLSTM ? 14 : k == GRU ? 4 : k == ELMAN ? 1 : k == MINGRU ? 3 : 6;
}
// LN-LSTM's saved 1/sqrt(var + eps) per row: the four recurrent blocks, c', the four input blocks.
static constexpr int64_t NSTATS = 9;
static bool has_matmul(int64_t k) { return k != MINGRU && k != MINLSTM; }
// whether d(W_hh h) = d(x W_ih^T), so that the backward reads the one from the other's buffer
static bool same_grads(int64_t k) { return k == LSTM || k == ELMAN; }
static inline int64_t grain(int64_t H) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, H)); }

// The products that sum over all steps (the weight gradients: (G, B T) @ (B T, H) and the like) go to ATen's BLAS
// (MKL's sgemm) on Intel CPUs, where MKL runs its own kernels: it reads the transposed operand as it packs it,
// where oneDNN's micro-kernel needs it copied dense first and its result copied back transposed. On the Intel
// Xeon VM of docs/performance.md, dW_hh at (16, 200, 32, 128) took 2.7-2.8 ms in MKL against 3.8 ms in the
// micro-kernel plus 0.7 ms of copies. Elsewhere they stay on GEMM: on the AVX-512 AMD EPYC MKL's sgemm took
// 2-2.8x the micro-kernel's time for the loops' products (docs/performance.md).
static bool blas_first() {
#if AT_MKL_ENABLED() && (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
  static const bool intel = __builtin_cpu_is("intel");
  return intel;
#else
  return false;
#endif
}
static bool transposed(const at::Tensor& t) {
  return t.dim() == 2 && t.stride(0) == 1 && t.stride(1) >= t.size(0) && t.size(0) > 1;
}
// a (M, K) @ b (K, N) (+ bias) as GEMM's matmul does, but through ATen's BLAS where blas_first() and a or b is a
// transposed dense matrix, read in place instead of copied: a weight gradient's x^T, the projection's W_ih^T
// (0.85-0.95x the micro-kernel's time with its copy, for (3200, 32-128) @ (32-128, 128-512)).
at::Tensor loop_matmul(const at::Tensor& a, const at::Tensor& b, const c10::optional<at::Tensor>& bias) {
  if (!(blas_first() && (transposed(a) || transposed(b)) && a.dim() == 2 && b.dim() == 2 &&
        a.scalar_type() == at::kFloat && b.scalar_type() == at::kFloat && a.numel() > 0 && b.numel() > 0 &&
        a.size(1) == b.size(0)))
    return matmul(a, b, bias);
  auto c = pooled({a.size(0), b.size(1)}, a.options());
  if (bias.has_value()) at::addmm_out(c, bias->to(a.scalar_type()), a, b); else at::mm_out(c, a, b);
  return c;
}

// A step's product, C (M, N) (+)= A (M, K) @ B (K, N), rows ld* apart: GEMM's micro-kernel, or on Intel CPUs
// (blas_first) from 2^22 multiply-adds ATen's BLAS (MKL). There MKL took 0.6-0.8x the micro-kernel's time for the
// steps of (64, 512, 128, 512) and of B = 16, H = 512, and about as long at 2^20-2^22 (its call costs 1 us more).
template <typename T>
static void step_gemm(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                      int64_t ldc, bool add) {
  if (std::is_same_v<T, float> && blas_first() && M * N * K >= (int64_t(1) << 22)) {
    const auto o = at::TensorOptions().dtype(c10::CppTypeToScalarType<T>::value);
    const auto a = at::from_blob(const_cast<T*>(A), {M, K}, {lda, 1}, o);
    const auto b = at::from_blob(const_cast<T*>(B), {K, N}, {ldb, 1}, o);
    auto c = at::from_blob(C, {M, N}, {ldc, 1}, o);
    if (add) c.addmm_(a, b); else at::mm_out(c, a, b);
    return;
  }
  gemm<T>(M, N, K, A, lda, B, ldb, C, ldc, add);
}

template <typename T> using Vec = at::vec::Vectorized<T>;
template <typename T> static inline Vec<T> sig(const Vec<T>& v) {
  const Vec<T> one(1);
  return one / (one + v.neg().exp());
}
// tanh by Sleef's 3.5-ULP kernel where the build has vectors: 4x faster than the 1-ULP kernel behind
// Vectorized::tanh and torch.tanh (35 -> 8 ns per 16 floats on AVX-512), which took as long as the forward's
// recurrent matmul. Both are within 2 float32 ULP of tanh (0.5 and 1.6 measured over [-12, 12]); the tests
// compare the loop's float32 results with the float64 reference.
template <typename T> static inline Vec<T> tanh_(const Vec<T>& v) { return v.tanh(); }
#if defined(CPU_CAPABILITY_AVX512)
template <> inline Vec<float> tanh_(const Vec<float>& v) { return Sleef_tanhf16_u35(v); }
template <> inline Vec<double> tanh_(const Vec<double>& v) { return Sleef_tanhd8_u35(v); }
#elif defined(CPU_CAPABILITY_AVX2)
template <> inline Vec<float> tanh_(const Vec<float>& v) { return Sleef_tanhf8_u35(v); }
template <> inline Vec<double> tanh_(const Vec<double>& v) { return Sleef_tanhd4_u35(v); }
#endif
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
  int64_t kind, B, T, H, G, nf;
  bool relu, save, feed;
  int64_t zmode;  // 0 none, 1 training (uniforms given), 2 eval (expectation)
  double p, eps;
  const int64_t* len;
};

// The step's parameters besides W_hh (null where the cell has none): the biases of the recurrent and the input
// side (the loop adds both: the projection outside is x W_ih^T alone; LN-LSTM's input bias comes after its input
// norm), LN-LSTM's gains of the recurrent and input blocks, and the gain and shift of its cell norm.
template <typename T> struct Params {
  const T *b_hh, *b_ih, *g_hh, *g_ih, *g_c, *b_c;
};
// v + b[j, j + m) where the bias is given
template <typename T> static inline Vec<T> plus(const Vec<T>& v, const T* b, int64_t j, int64_t m) {
  return b ? v + Vec<T>::loadu(b + j, m) : v;
}

// The sum of a vector's lanes, in shuffles where at::vec has them (float on AVX2 and AVX-512)
template <typename T> static inline T lanes_sum(const Vec<T>& v) {
  return at::vec::vec_reduce_all<T>([](const Vec<T>& a, const Vec<T>& b) { return a + b; }, v);
}
// The sum over the vectors of [0, n) of f(j, m) (j the first value, m how many; f's lanes past m zero), in four
// running sums: a norm's few vectors summed in one would be a chain of dependent additions, its latency the cost.
template <typename T, typename F> static T sum_of(int64_t n, const F& f) {
  using V = Vec<T>;
  constexpr int64_t L = V::size();
  V a0(0), a1(0), a2(0), a3(0);
  int64_t j = 0;
  for (; j + 4 * L <= n; j += 4 * L) {
    a0 = a0 + f(j, L); a1 = a1 + f(j + L, L); a2 = a2 + f(j + 2 * L, L); a3 = a3 + f(j + 3 * L, L);
  }
  for (; j < n; j += L) a0 = a0 + f(j, std::min<int64_t>(L, n - j));
  return lanes_sum((a0 + a1) + (a2 + a3));
}

// One layer norm over n values: x^ = (x - mean) / sqrt(var + eps), biased variance; returns 1/sqrt(var+eps).
template <typename T> static T norm(const T* x, T* xhat, int64_t n, double eps) {
  using V = Vec<T>;
  const T mean = sum_of<T>(n, [&](int64_t j, int64_t m) { return V::loadu(x + j, m); }) / T(n);
  const T var = sum_of<T>(n, [&](int64_t j, int64_t m) {  // a partial vector loads zeros: its tail is cleared
    V d = V::loadu(x + j, m) - V(mean);
    if (m < V::size()) d = V::set(V(0), d, m);
    return d * d;
  });
  const T rstd = T(1) / std::sqrt(var / T(n) + T(eps));
  FOR_VEC(n) ((V::loadu(x + j, m) - V(mean)) * V(rstd)).store(xhat + j, m);
  return rstd;
}
// The backward of x^ = norm(x): dx = rstd (dx^ - mean(dx^) - x^ mean(dx^ x^)).
template <typename T>
static void norm_backward(const T* dxhat, const T* xhat, T rstd, int64_t n, T* dx) {
  using V = Vec<T>;
  const V ma(sum_of<T>(n, [&](int64_t j, int64_t m) { return V::loadu(dxhat + j, m); }) / T(n));
  const V mb(sum_of<T>(n, [&](int64_t j, int64_t m) { return V::loadu(dxhat + j, m) * V::loadu(xhat + j, m); }) /
             T(n));
  const V r(rstd);
  FOR_VEC(n) (r * (V::loadu(dxhat + j, m) - ma - V::loadu(xhat + j, m) * mb)).store(dx + j, m);
}

// The cell's step for one batch row: from xw (G, x W_ih^T without the bias), hw (G, W_hh h without the bias),
// h (the fed state) and c, writes h' into y, c' into cn, the activations into a (acts_of(kind) * H) and LN-LSTM's
// statistics into st (NSTATS). tmp: 5H scratch values.
template <typename T>
static void cell_forward(const Args& A, const Params<T>& P, const T* xw, const T* hw, const T* h, const T* c,
                         T* y, T* cn, T* a, T* st, T* tmp) {
  using V = Vec<T>;
  const int64_t H = A.H;
  const V one(1), zero(0);
  if (A.kind == LSTM || A.kind == LNLSTM) {
    const T* r = hw;  // the gates' pre-activations are xw + r (LN-LSTM: all of them in xw, r null)
    if (A.kind == LNLSTM) {  // LN per gate block of x W_ih^T and of W_hh h, each times its gain, plus the bias
      for (int64_t k = 0; k < 4; ++k) {
        st[k] = norm(hw + k * H, a + (5 + k) * H, H, A.eps);
        st[5 + k] = norm(xw + k * H, a + (10 + k) * H, H, A.eps);
      }
      FOR_VEC(4 * H) {
        const V u = plus(V::loadu(a + 10 * H + j, m) * V::loadu(P.g_ih + j, m), P.b_ih, j, m);
        (u + V::loadu(a + 5 * H + j, m) * V::loadu(P.g_hh + j, m)).store(tmp + j, m);
      }
      xw = tmp;
      r = nullptr;
    }
    FOR_VEC(H) {
      auto pre = [&](int64_t q) {  // (x W_ih^T + b_ih) + (W_hh h + b_hh), LN-LSTM's all in xw
        const V v = V::loadu(xw + q * H + j, m);
        return r ? plus(v, P.b_ih, q * H + j, m) + plus(V::loadu(r + q * H + j, m), P.b_hh, q * H + j, m) : v;
      };
      const V i = sig(pre(0)), f = sig(pre(1)), g = tanh_(pre(2)), o = sig(pre(3));
      const V c2 = f * V::loadu(c + j, m) + i * g;
      i.store(a + j, m); f.store(a + H + j, m); g.store(a + 2 * H + j, m); o.store(a + 3 * H + j, m);
      c2.store(cn + j, m);
      if (A.kind == LSTM) { const V tc = tanh_(c2); tc.store(a + 4 * H + j, m); (o * tc).store(y + j, m); }
    }
    if (A.kind == LNLSTM) {
      T* ch = a + 9 * H;
      st[4] = norm(cn, ch, H, A.eps);
      FOR_VEC(H) {
        const V tu = tanh_(plus(V::loadu(ch + j, m) * V::loadu(P.g_c + j, m), P.b_c, j, m));
        tu.store(a + 4 * H + j, m);
        (V::loadu(a + 3 * H + j, m) * tu).store(y + j, m);
      }
    }
  } else if (A.kind == GRU) {
    FOR_VEC(H) {
      auto x_ = [&](int64_t q) { return plus(V::loadu(xw + q * H + j, m), P.b_ih, q * H + j, m); };
      auto h_ = [&](int64_t q) { return plus(V::loadu(hw + q * H + j, m), P.b_hh, q * H + j, m); };
      const V hn = h_(2);
      const V r = sig(x_(0) + h_(0)), z = sig(x_(1) + h_(1));
      const V n = tanh_(x_(2) + r * hn);
      ((one - z) * n + z * V::loadu(h + j, m)).store(y + j, m);
      r.store(a + j, m); z.store(a + H + j, m); n.store(a + 2 * H + j, m); hn.store(a + 3 * H + j, m);
    }
  } else if (A.kind == ELMAN) {
    FOR_VEC(H) {
      const V pre = plus(V::loadu(xw + j, m), P.b_ih, j, m) + plus(V::loadu(hw + j, m), P.b_hh, j, m);
      const V h2 = A.relu ? at::vec::maximum(pre, zero) : tanh_(pre);
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
  } else {  // MINLSTM: f' = f / (f + i) = sigmoid(-u), i' = sigmoid(u) with u = log i - log f (MinLSTMCell's
    // log_gate_ratio): f and i are both 0 below about -88 in float32, where f / (f + i) is 0/0
    FOR_VEC(H) {
      // sigmoid(v), sigmoid(-v) from one e = exp(-|v|), r = 1 / (1 + e): r and e r, in the order v's sign picks;
      // u = softplus(-k_f) - softplus(-k_i) with softplus(-k) = max(-k, 0) + log1p(exp(-|k|))
      const V kf = V::loadu(xw + j, m), ki = V::loadu(xw + H + j, m);
      const V ef = kf.abs().neg().exp(), ei = ki.abs().neg().exp();
      const V u = (at::vec::maximum(kf.neg(), zero) + ef.log1p()) - (at::vec::maximum(ki.neg(), zero) + ei.log1p());
      const V rf = one / (one + ef), ri = one / (one + ei), eu = u.abs().neg().exp(), r = one / (one + eu);
      const V fp = V::blendv(r, eu * r, u >= zero), ip = V::blendv(eu * r, r, u >= zero);  // sigmoid(-u), sigmoid(u)
      const V p = V::loadu(xw + 2 * H + j, m);
      const V ht = gpos(p);
      (fp * V::loadu(h + j, m) + ip * ht).store(y + j, m);
      fp.store(a + j, m); ip.store(a + H + j, m); ht.store(a + 2 * H + j, m); dgpos(p).store(a + 3 * H + j, m);
      V::blendv(rf, ef * rf, kf >= zero).store(a + 4 * H + j, m);  // 1 - f = sigmoid(-k_f)
      V::blendv(ri, ei * ri, ki >= zero).store(a + 5 * H + j, m);  // 1 - i = sigmoid(-k_i)
    }
  }
}

// The backward of cell_forward for one row: from gh = dL/dh' and gc = dL/dc', writes d(xw) (G) into dx,
// the recurrent matmul's output gradient into dhw (G; raw W_hh h for LN-LSTM; the LSTM's and Elman cell's is dx
// itself, same_grads, and dhw unused), the direct part of dL/dh
// (fed state) into dh, dL/dc into dc, and adds LN-LSTM's parameter gradients for this row into acc (14H:
// gamma_hh 4H, gamma_c H, beta_c H, gamma_ih 4H, the input bias 4H). tmp: 10H scratch values.
template <typename T>
static void cell_backward(const Args& A, const Params<T>& P, const T* a, const T* st, const T* h, const T* c,
                          const T* gh, const T* gc, T* dx, T* dhw, T* dh, T* dc, T* acc, T* tmp) {
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
        (d * V::loadu(P.g_c + j, m)).store(dch + j, m);
      }
      T* dct = tmp + H;
      norm_backward(dch, a + 9 * H, st[4], H, dct);
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
    if (A.kind == LSTM) return;
    // dL/dx^ of the recurrent and the input blocks (the gains' and the bias' gradients on the way), then
    // their LN backward: into dhw and, in place of the pre-activations' gradient, dx
    T* dxh = tmp + 2 * H;
    T* dxi = tmp + 6 * H;
    FOR_VEC(4 * H) {
      const V d = V::loadu(dx + j, m);
      (V::loadu(acc + j, m) + d * V::loadu(a + 5 * H + j, m)).store(acc + j, m);
      (V::loadu(acc + 6 * H + j, m) + d * V::loadu(a + 10 * H + j, m)).store(acc + 6 * H + j, m);
      (V::loadu(acc + 10 * H + j, m) + d).store(acc + 10 * H + j, m);
      (d * V::loadu(P.g_hh + j, m)).store(dxh + j, m);
      (d * V::loadu(P.g_ih + j, m)).store(dxi + j, m);
    }
    for (int64_t k = 0; k < 4; ++k) {
      norm_backward(dxh + k * H, a + (5 + k) * H, st[k], H, dhw + k * H);
      norm_backward(dxi + k * H, a + (10 + k) * H, st[5 + k], H, dx + k * H);
    }
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
      dp.store(dx + j, m); zero.store(dh + j, m);
    }
  } else if (A.kind == MINGRU) {
    FOR_VEC(H) {
      const V z = V::loadu(a + j, m), ht = V::loadu(a + H + j, m), d = V::loadu(gh + j, m);
      (d * (ht - V::loadu(h + j, m)) * z * (one - z)).store(dx + j, m);
      (d * z * V::loadu(a + 2 * H + j, m)).store(dx + H + j, m);
      (d * (one - z)).store(dh + j, m);
    }
  } else {  // MINLSTM: h' = sigmoid(-u) h + sigmoid(u) g(p), u = softplus(-k_f) - softplus(-k_i)
    FOR_VEC(H) {
      const V fp = V::loadu(a + j, m), ip = V::loadu(a + H + j, m), ht = V::loadu(a + 2 * H + j, m);
      const V d = V::loadu(gh + j, m);
      const V du = d * fp * ip * (ht - V::loadu(h + j, m));  // dL/du; du/dk_f = -(1 - f), du/dk_i = 1 - i
      (du.neg() * V::loadu(a + 4 * H + j, m)).store(dx + j, m);
      (du * V::loadu(a + 5 * H + j, m)).store(dx + H + j, m);
      (d * ip * V::loadu(a + 3 * H + j, m)).store(dx + 2 * H + j, m);
      (d * fp).store(dh + j, m);
    }
  }
}

// GRU-D's hidden decay from its pre-activation: gamma_h = exp(-max(0, W_h delta + b_h)).
template <typename T> static inline Vec<T> decay_of(const Vec<T>& pre) {
  return at::vec::maximum(pre, Vec<T>(0)).neg().exp();
}

// Forward over all steps. Batch-first: xw (B, T, G), dec (B, T, H) the decay's pre-activation or null, out
// (B, T, H), hf (B, T, H) the fed h (with a dropout mask or decay). Time-major saves: hs, cs (T + 1, B, H) (every
// state, or two in turn without save), acts (T, B, acts * H), stats (T, B, NSTATS).
template <typename T>
static void forward_loop(const Args& A, const Params<T>& P, const at::Tensor& xw, const T* dec, at::Tensor& hs,
                         at::Tensor& cs, at::Tensor& hf, at::Tensor& out, at::Tensor& acts, at::Tensor& stats,
                         const at::Tensor& w_hh, const c10::optional<at::Tensor>& hmask,
                         const c10::optional<at::Tensor>& zu) {
  using V = Vec<T>;
  const int64_t B = A.B, T_ = A.T, H = A.H, G = A.G, nA = acts_of(A.kind);
  const bool mm = has_matmul(A.kind), two = A.nf == 2;
  at::Tensor hw = at::empty({B, mm ? G : 0}, xw.options());
  // W_hh^T contiguous, so that every step's product is a plain (no transpose) one
  at::Tensor w_t = w_hh;
  if (mm) {  // in a kept buffer: fresh, its pages are faulted in at every call
    w_t = pooled({H, G}, w_hh.options());
    w_t.copy_(w_hh.t());
  }
  // raw pointers into the saves, indexed by hand: a Tensor index per step and save costs more than the step's
  // pointwise maths at small sizes
  const int64_t BH = B * H;
  // the fed h batch-first, (B, T, H) (one (B, 1, H) step without save), so that the recurrent weight's gradient
  // reads its rows in d(xw)'s order; the step's product reads them with a row stride
  const int64_t fs = A.save ? T_ * H : H;
  const T* xw0 = xw.data_ptr<T>();
  T* hs0 = hs.data_ptr<T>();
  T* cs0 = two ? cs.data_ptr<T>() : nullptr;
  T* hf0 = A.feed ? hf.data_ptr<T>() : nullptr;
  T* acts0 = acts.data_ptr<T>();
  T* stats0 = stats.data_ptr<T>();
  T* out0 = out.data_ptr<T>();
  const T* mask = hmask.has_value() ? hmask->data_ptr<T>() : nullptr;
  const T* zu0 = A.zmode == 1 ? zu->data_ptr<T>() : nullptr;
  // p in the state's dtype, as torch compares and multiplies a tensor with a Python float
  const V pz(static_cast<T>(A.p)), qz(static_cast<T>(1.0 - A.p));
  for (int64_t t = 0; t < T_; ++t) {
    const int64_t s0 = A.save ? t : t % 2, s1 = A.save ? t + 1 : (t + 1) % 2;
    const T* x = xw0 + t * G;  // row b at x + b * T * G
    const T* ho = hs0 + s0 * BH;
    T* hn = hs0 + s1 * BH;
    const T* co = two ? cs0 + s0 * BH : nullptr;
    T* cn = two ? cs0 + s1 * BH : nullptr;
    T* fp = A.feed ? hf0 + (A.save ? t * H : 0) : nullptr;  // row b at fp + b * fs
    if (A.feed) {  // h fed to the step: m * h (hidden dropout), then gamma_h * (.) (decay)
      at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
          const T* pre = dec ? dec + (b * T_ + t) * H : nullptr;
          FOR_VEC(H) {
            V v = V::loadu(ho + b * H + j, m);
            if (mask) v = v * V::loadu(mask + b * H + j, m);
            if (pre) v = decay_of(V::loadu(pre + j, m)) * v;
            v.store(fp + b * fs + j, m);
          }
        }
      });
    }
    const T* hp = A.feed ? fp : ho;
    const int64_t hps = A.feed ? fs : H;  // hp's row stride
    if (mm) step_gemm<T>(B, G, H, hp, hps, w_t.data_ptr<T>(), G, hw.data_ptr<T>(), G, false);  // biases: per row
    T* hwp = mm ? hw.data_ptr<T>() : nullptr;
    T* y = out0 + t * H;  // row b at y + b * T * H
    T* at_ = acts0 + (A.save ? t : 0) * B * nA * H;
    T* st = stats0 + (A.save ? t : 0) * B * NSTATS;
    const T* u = zu0 ? zu0 + t * A.nf * B * H : nullptr;  // (T, nf, B, H)
    at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
      std::vector<T> scratch(6 * H);  // the step's 5H, and c' where zoneout makes the state from it
      T* tmp = scratch.data();
      for (int64_t b = b0; b < b1; ++b) {
        T* yb = y + b * T_ * H;
        if (t >= A.len[b]) {  // padding: the state stays, the output is zero
          std::copy(ho + b * H, ho + (b + 1) * H, hn + b * H);
          if (two) std::copy(co + b * H, co + (b + 1) * H, cn + b * H);
          std::fill(yb, yb + H, T(0));
          std::fill(at_ + b * nA * H, at_ + (b + 1) * nA * H, T(0));  // read by the sums over all steps
          continue;
        }
        T* c2 = two ? (A.zmode ? tmp + 5 * H : cn + b * H) : nullptr;  // without zoneout c' is the state
        cell_forward<T>(A, P, x + b * T_ * G, mm ? hwp + b * G : nullptr, hp + b * hps, two ? co + b * H : nullptr,
                        yb, c2, at_ + b * nA * H, st + b * NSTATS, tmp);
        for (int64_t k = 0; k < A.nf; ++k) {  // zoneout on each field (the output stays the cell's h')
          const T* nw = k == 0 ? yb : c2;
          T* dst = (k == 0 ? hn : cn) + b * H;
          if (A.zmode == 0) {
            if (nw != dst) std::copy(nw, nw + H, dst);
            continue;
          }
          const T* old = (k == 0 ? ho : co) + b * H;
          const T* ub = A.zmode == 1 ? u + (k * B + b) * H : nullptr;
          FOR_VEC(H) {  // where(u < p, old, new) in training, p old + (1 - p) new in eval
            const V o = V::loadu(old + j, m), n = V::loadu(nw + j, m);
            (A.zmode == 1 ? V::blendv(n, o, V::loadu(ub + j, m) < pz) : pz * o + qz * n).store(dst + j, m);
          }
        }
      }
    });
  }
}


template <typename T> static const T* ptr(const c10::optional<at::Tensor>& t) {
  return t.has_value() ? t->data_ptr<T>() : nullptr;
}

std::vector<at::Tensor> loop_forward(int64_t kind, const at::Tensor& xw, const c10::optional<at::Tensor>& dec,
                                     const at::Tensor& h0, const c10::optional<at::Tensor>& c0,
                                     const c10::optional<at::Tensor>& w_hh, const c10::optional<at::Tensor>& b_hh,
                                     const c10::optional<at::Tensor>& gamma_hh,
                                     const c10::optional<at::Tensor>& gamma_c,
                                     const c10::optional<at::Tensor>& beta_c,
                                     const c10::optional<at::Tensor>& gamma_ih,
                                     const c10::optional<at::Tensor>& b_ih, double eps,
                                     const c10::optional<at::Tensor>& hmask, const c10::optional<at::Tensor>& zu,
                                     double p, int64_t zmode, bool relu, const at::Tensor& lengths, bool save) {
  for (const auto& [name, t] : {std::pair{"dec", &dec}, {"w_hh", &w_hh}, {"b_hh", &b_hh},
                                {"gamma_hh", &gamma_hh}, {"gamma_c", &gamma_c}, {"beta_c", &beta_c},
                                {"gamma_ih", &gamma_ih}, {"b_ih", &b_ih}, {"hmask", &hmask}, {"zu", &zu}})
    check_dense("rnnkit_cpu_loop.forward", name, *t);
  check_dense("rnnkit_cpu_loop.forward", "xw", xw);
  check_dense("rnnkit_cpu_loop.forward", "lengths", lengths);
  const int64_t B = xw.size(0), T = xw.size(1), H = h0.size(1), G = gates_of(kind) * H;
  TORCH_CHECK(xw.size(2) == G, "rnnkit_cpu_loop: xw has ", xw.size(2), " columns, the cell reads ", G);
  const int64_t nf = c0.has_value() ? 2 : 1;
  Args A{kind, B, T, H, G, nf, relu, save, dec.has_value() || hmask.has_value(), zmode, p, eps,
         lengths.data_ptr<int64_t>()};
  auto hs = pooled({save ? T + 1 : 2, B, H}, h0.options());
  hs[0].copy_(h0);
  auto cs = pooled({nf == 2 ? (save ? T + 1 : 2) : 0, B, H}, h0.options());
  if (nf == 2) cs[0].copy_(*c0);
  auto hf = pooled({A.feed ? B : 0, save ? T : 1, H}, h0.options());
  auto out = pooled({B, T, H}, xw.options());
  auto acts = pooled({save ? T : 1, B, acts_of(kind) * H}, xw.options());
  auto stats = pooled({save ? T : 1, B, NSTATS}, xw.options());
  const at::Tensor w = w_hh.has_value() ? *w_hh : at::empty({0}, xw.options());
  AT_DISPATCH_FLOATING_TYPES(xw.scalar_type(), "loop_forward", [&] {
    const Params<scalar_t> P{ptr<scalar_t>(b_hh), ptr<scalar_t>(b_ih), ptr<scalar_t>(gamma_hh),
                             ptr<scalar_t>(gamma_ih), ptr<scalar_t>(gamma_c), ptr<scalar_t>(beta_c)};
    forward_loop<scalar_t>(A, P, xw, ptr<scalar_t>(dec), hs, cs, hf, out, acts, stats, w, hmask, zu);
  });
  const int64_t last = save ? T : T % 2;
  auto hT = hs[last].clone();
  auto cT = nf == 2 ? cs[last].clone() : at::empty({0}, h0.options());
  if (!save) return {out, hT, cT};
  return {out, hT, cT, hs, cs, hf, acts, stats};
}

// Zoneout's backward for one state field of one row: of d = dL/d(new state), the part that reaches the cell's
// new state goes into cell (plus add where given: the output's own gradient), the part that reaches the old
// state into old (not written without zoneout).
template <typename T>
static void zoneout_backward(const Args& A, const T* d, const T* u, const T* add, T* cell, T* old) {
  using V = Vec<T>;
  const V pz(static_cast<T>(A.p)), qz(static_cast<T>(1.0 - A.p)), zero(0);
  FOR_VEC(A.H) {
    const V g = V::loadu(d + j, m);
    V c = g;
    if (A.zmode == 1) {  // where(u < p, old, new)
      const V keep = V::loadu(u + j, m) < pz;
      c = V::blendv(g, zero, keep);
      V::blendv(zero, g, keep).store(old + j, m);
    } else if (A.zmode == 2) {  // p old + (1 - p) new
      c = qz * g;
      (pz * g).store(old + j, m);
    }
    plus(c, add, j, m).store(cell + j, m);
  }
}

template <typename T>
static void backward_loop(const Args& A, const Params<T>& P, const at::Tensor& d_out, at::Tensor& dh,
                          at::Tensor& dc, const at::Tensor& hs, const at::Tensor& cs, const at::Tensor& hf,
                          const at::Tensor& acts, const at::Tensor& stats, const at::Tensor& w_hh, const T* dec,
                          at::Tensor& d_xw, at::Tensor& d_dec, at::Tensor& d_hw, at::Tensor& acc,
                          at::Tensor& bsum, const c10::optional<at::Tensor>& hmask,
                          const c10::optional<at::Tensor>& zu) {
  using V = Vec<T>;
  const int64_t B = A.B, T_ = A.T, H = A.H, G = A.G, nA = acts_of(A.kind);
  const bool mm = has_matmul(A.kind), two = A.nf == 2, ln = A.kind == LNLSTM;
  const T* mask = hmask.has_value() ? hmask->data_ptr<T>() : nullptr;
  auto zh = at::empty({A.zmode ? B : 0, H}, dh.options());  // dL/dh_old through zoneout
  T* dhp = dh.data_ptr<T>();  // dL/dh, dL/dc of the state after step t, then before it
  T* dcp = two ? dc.data_ptr<T>() : nullptr;
  T* zhp = A.zmode ? zh.data_ptr<T>() : nullptr;
  T* accp = ln ? acc.data_ptr<T>() : nullptr;  // (B, 14H), row b owned by one thread at a time
  const T* dy0 = d_out.data_ptr<T>();
  const T* acts0 = acts.data_ptr<T>();
  const T* stats0 = stats.data_ptr<T>();
  const T* hs0 = hs.data_ptr<T>();
  const T* hf0 = A.feed ? hf.data_ptr<T>() : nullptr;
  const T* cs0 = two ? cs.data_ptr<T>() : nullptr;
  const T* zu0 = A.zmode == 1 ? zu->data_ptr<T>() : nullptr;
  T* dx0 = d_xw.data_ptr<T>();
  T* ddec0 = dec ? d_dec.data_ptr<T>() : nullptr;
  // d(hw) in d_hw, (B, T, G) where h is fed, else (T, B, G); or (same_grads) in d_xw, (B, T, G)
  const bool own = mm && !same_grads(A.kind);
  T* dhw0 = own ? d_hw.data_ptr<T>() : nullptr;
  // where the step feeds h, the fed h and d(hw) are batch-first, (B, T, .), as d(xw): the weight gradient's rows
  const int64_t hs_ = A.feed ? T_ * H : H, ds = A.feed ? T_ * G : G;
  // the biases' gradients, summed per row as the rows are written (in L1), not over (B T, G) after the loop:
  // (B, G) of d(hw) for b_hh, then the GRU's (B, G) of d(xw) for b_ih (the LSTM's and Elman's are the same)
  const int64_t nsum = bsum.numel() / std::max<int64_t>(1, B * G);
  T* bsum0 = nsum ? bsum.data_ptr<T>() : nullptr;
  for (int64_t t = T_ - 1; t >= 0; --t) {
    const T* dy = dy0 + t * H;  // row b at dy + b * T * H
    const T* at_ = acts0 + t * B * nA * H;
    const T* st = stats0 + t * B * NSTATS;
    const T* ho = hs0 + t * B * H;
    const T* hin = A.feed ? hf0 + t * H : ho;  // row b at hin + b * hs_
    const T* co = two ? cs0 + t * B * H : nullptr;
    T* dx = dx0 + t * G;  // row b at dx + b * T * G
    T* dhw = own ? dhw0 + (A.feed ? t * G : t * B * G) : nullptr;  // row b at dhw + b * ds
    const T* u = zu0 ? zu0 + t * A.nf * B * H : nullptr;
    at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
      std::vector<T> scratch(13 * H);  // the cell's part of dL/dh' and dL/dc', zoneout's of dL/dc, the step's 10H
      T *gh = scratch.data(), *gc = gh + H, *zc = gc + H, *tmp = zc + H;
      for (int64_t b = b0; b < b1; ++b) {
        T* dxb = dx + b * T_ * G;
        if (t >= A.len[b]) {  // padding: zero outputs, the gradient passes to step t - 1 unchanged
          std::fill(dxb, dxb + G, T(0));
          if (dec) std::fill(ddec0 + (b * T_ + t) * H, ddec0 + (b * T_ + t + 1) * H, T(0));
          if (own) std::fill(dhw + b * ds, dhw + b * ds + G, T(0));
          continue;
        }
        // through zoneout into the cell's part (gh with the output's gradient, gc) and the old state's (zh, zc);
        // then the step's backward overwrites dh, dc with dL/dh_fed (its direct part; the matmul adds the rest)
        // and dL/dc
        zoneout_backward<T>(A, dhp + b * H, u ? u + b * H : nullptr, dy + b * T_ * H, gh, zhp ? zhp + b * H : nullptr);
        if (two) zoneout_backward<T>(A, dcp + b * H, u ? u + (B + b) * H : nullptr, nullptr, gc, zc);
        cell_backward<T>(A, P, at_ + b * nA * H, st + b * NSTATS, hin + b * hs_, two ? co + b * H : nullptr, gh,
                         gc, dxb, own ? dhw + b * ds : nullptr, dhp + b * H, two ? dcp + b * H : nullptr,
                         ln ? accp + b * 14 * H : nullptr, tmp);
        for (int64_t k = 0; k < nsum; ++k) {
          const T* src = k == 0 && own ? dhw + b * ds : dxb;
          T* sb = bsum0 + (k * B + b) * G;
          FOR_VEC(G) (V::loadu(sb + j, m) + V::loadu(src + j, m)).store(sb + j, m);
        }
        if (two && A.zmode) FOR_VEC(H) (V::loadu(dcp + b * H + j, m) + V::loadu(zc + j, m)).store(dcp + b * H + j, m);
      }
    });
    if (mm) {  // dL/dh_fed += d(hw) @ W_hh, d(hw) read with a row stride
      step_gemm<T>(B, H, G, own ? dhw : dx, own ? ds : T_ * G, w_hh.data_ptr<T>(), H, dhp, H, true);
    }
    if (!A.feed && !A.zmode) continue;
    at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        if (t >= A.len[b]) continue;
        T* d = dhp + b * H;
        const T* pre = dec ? dec + (b * T_ + t) * H : nullptr;
        T* dpre = dec ? ddec0 + (b * T_ + t) * H : nullptr;
        FOR_VEC(H) {  // h_fed = gamma * (m * h): d gamma = d * (m * h), d h = d * gamma * m; zoneout's part
          V v = V::loadu(d + j, m);
          if (pre) {  // gamma = exp(-max(0, pre)): d pre = -(d gamma * gamma) where pre > 0, else 0
            V hm = V::loadu(ho + b * H + j, m);
            if (mask) hm = hm * V::loadu(mask + b * H + j, m);
            const V p_ = V::loadu(pre + j, m), g = decay_of(p_);
            V::blendv(V(0), (v * hm * g).neg(), p_ > V(0)).store(dpre + j, m);
            v = v * g;
          }
          if (mask) v = v * V::loadu(mask + b * H + j, m);
          if (A.zmode) v = v + V::loadu(zhp + b * H + j, m);
          v.store(d + j, m);
        }
      }
    });
  }
}

// Returns d_xw (B, T, G), dh0, dc0 (or empty), dW_hh, db_hh, dgamma_hh, dgamma_c, dbeta_c, dgamma_ih, db_ih,
// d_dec (B, T, H) (empty where unused). bias: the cell has b_ih (besides LN-LSTM's, whose gradient comes anyway).
std::vector<at::Tensor> loop_backward(int64_t kind, const at::Tensor& d_out_, const at::Tensor& d_hT,
                                      const c10::optional<at::Tensor>& d_cT, const c10::optional<at::Tensor>& dec,
                                      const at::Tensor& hs, const at::Tensor& cs, const at::Tensor& hf,
                                      const at::Tensor& acts, const at::Tensor& stats,
                                      const c10::optional<at::Tensor>& w_hh,
                                      const c10::optional<at::Tensor>& gamma_hh,
                                      const c10::optional<at::Tensor>& gamma_c,
                                      const c10::optional<at::Tensor>& gamma_ih,
                                      const c10::optional<at::Tensor>& hmask, const c10::optional<at::Tensor>& zu,
                                      double p, int64_t zmode, bool relu, const at::Tensor& lengths, bool bias) {
  for (const auto& [name, t] : {std::pair{"dec", &dec}, {"w_hh", &w_hh}, {"gamma_hh", &gamma_hh},
                                {"gamma_c", &gamma_c}, {"gamma_ih", &gamma_ih}, {"hmask", &hmask}, {"zu", &zu}})
    check_dense("rnnkit_cpu_loop.backward", name, *t);
  for (const auto& [name, t] : {std::pair{"hs", &hs}, {"cs", &cs}, {"hf", &hf}, {"acts", &acts},
                                {"stats", &stats}, {"lengths", &lengths}})
    check_dense("rnnkit_cpu_loop.backward", name, *t);
  const at::Tensor d_out = dense(d_out_);  // a loss's gradient may be expanded or strided
  const int64_t B = d_out.size(0), T = d_out.size(1), H = d_hT.size(1), G = gates_of(kind) * H;
  const int64_t nf = d_cT.has_value() ? 2 : 1;
  Args A{kind, B, T, H, G, nf, relu, true, dec.has_value() || hmask.has_value(), zmode, p, 0.0,
         lengths.data_ptr<int64_t>()};
  const bool mm = has_matmul(kind), ln = kind == LNLSTM;
  auto dh = d_hT.clone();
  auto dc = nf == 2 ? d_cT->clone() : at::empty({0}, d_hT.options());
  auto d_xw = pooled({B, T, G}, d_out.options());
  auto d_dec = pooled({dec.has_value() ? B : 0, T, H}, d_out.options());
  const bool own = mm && !same_grads(kind);  // d(hw) a buffer of its own: (B, T, G) where h is fed, else (T, B, G)
  auto d_hw = A.feed ? pooled({own ? B : 0, T, G}, d_out.options()) : pooled({own ? T : 0, B, G}, d_out.options());
  auto acc = at::zeros({ln ? B : 0, 14 * H}, d_out.options());
  // b_hh's gradient where the cell has one (LN-LSTM has none), and the GRU's b_ih's
  const int64_t nsum = mm && bias && !ln ? (kind == GRU ? 2 : 1) : 0;
  auto bsum = at::zeros({nsum, B, G}, d_out.options());
  const at::Tensor w = w_hh.has_value() ? *w_hh : at::empty({0}, d_out.options());
  AT_DISPATCH_FLOATING_TYPES(d_out.scalar_type(), "loop_backward", [&] {
    const Params<scalar_t> P{nullptr, nullptr, ptr<scalar_t>(gamma_hh), ptr<scalar_t>(gamma_ih),
                             ptr<scalar_t>(gamma_c), nullptr};
    backward_loop<scalar_t>(A, P, d_out, dh, dc, hs, cs, hf, acts, stats, w, ptr<scalar_t>(dec), d_xw, d_dec,
                            d_hw, acc, bsum, hmask, zu);
  });
  auto none = at::empty({0}, d_out.options());
  at::Tensor dw = none, db = none, dg_hh = none, dg_c = none, db_c = none, dg_ih = none, db_ih = none;
  if (mm) {  // one matmul over all steps, its rows in d(hw)'s order
    // d(hw) (B T, G) or (T B, G) and the h fed, row for row: the fed h (B, T, H); or the states (T, B, H), for the
    // LSTM's and Elman's d(xw) (B, T, G) one plain copy of them (a three-axis permute copies several times slower)
    auto flat = own ? d_hw.view({-1, G}) : d_xw.view({B * T, G});
    const auto rows = A.feed ? hf.view({B * T, H})
                             : own ? hs.narrow(0, 0, T).reshape({T * B, H})
                                   : dense(hs.narrow(0, 0, T).transpose(0, 1)).view({B * T, H});
    if (blas_first() && flat.scalar_type() == at::kFloat) {  // flat^T @ rows, flat read transposed in place
      dw = at::empty({G, H}, flat.options());
      at::mm_out(dw, flat.t(), rows);
    } else {
      dw = matmul(rows.t(), flat, c10::nullopt).t().contiguous();
    }
    // b_ih's: the sum of d(x W_ih^T), which is d(W_hh h) but for the GRU's n gate (r hw_n)
    if (nsum) {
      auto sums = bsum.sum(1);  // (nsum, G)
      db = sums[0];
      db_ih = nsum == 2 ? sums[1].clone() : db.clone();  // a storage of its own, as each parameter's gradient
    }
  }
  if (ln) {
    auto sums = acc.sum(0);
    dg_hh = sums.narrow(0, 0, 4 * H);
    dg_c = sums.narrow(0, 4 * H, H);
    db_c = sums.narrow(0, 5 * H, H);
    dg_ih = sums.narrow(0, 6 * H, 4 * H);
    db_ih = sums.narrow(0, 10 * H, 4 * H);
  }
  return {d_xw, dh, dc, dw, db, dg_hh, dg_c, db_c, dg_ih, db_ih, d_dec};
}

// One step's [x_hat, m] (o, 2F) from its row r = [x, m, delta] (3F) and the last observed values xl (F):
//   gamma_x = exp(-max(0, w_x delta + b_x)); x_hat = m x + (1 - m) (gamma_x x_last + (1 - gamma_x) x_mean)
template <typename T_>
static inline void impute_row(const T_* r, const T_* xl, const T_* w, const T_* bx, const T_* mean, T_* o,
                              int64_t F) {
  using V = Vec<T_>;
  FOR_VEC(F) {
    const V m_ = V::loadu(r + F + j, m), mu = V::loadu(mean + j, m);
    const V g = decay_of(V::loadu(w + j, m) * V::loadu(r + 2 * F + j, m) + V::loadu(bx + j, m));
    const V imp = g * V::loadu(xl + j, m) + (V(1) - g) * mu;
    (m_ * V::loadu(r + j, m) + (V(1) - m_) * imp).store(o + j, m);
    m_.store(o + F + j, m);
  }
}

// GRU-D's input decay and imputation (rnnkit.cells.TimeAware.impute) for all steps, and its backward. x3 (B, T,
// 3F) = [x, m, delta]; writes [x_hat, m] (B, T, 2F) and, per entry, the step of the last observation up to t
// (-1: none yet; what the backward routes x_last's gradient to):
//   x_last = x at that step (else x_mean); gamma_x = exp(-max(0, w_x delta + b_x))
//   x_hat = m x + (1 - m) (gamma_x x_last + (1 - gamma_x) x_mean)
std::vector<at::Tensor> impute_forward(const at::Tensor& x3_, const at::Tensor& w_x, const at::Tensor& b_x,
                                       const at::Tensor& x_mean) {
  for (const auto& [name, t] : {std::pair{"w_x", &w_x}, {"b_x", &b_x}, {"x_mean", &x_mean}})
    check_dense("rnnkit_cpu_loop.impute_forward", name, *t);
  const at::Tensor x3 = x3_.contiguous();
  const int64_t B = x3.size(0), T = x3.size(1), F = x3.size(2) / 3;
  auto out = pooled({B, T, 2 * F}, x3.options());
  auto last = pooled({B, T, F}, x3.options().dtype(at::kLong));
  AT_DISPATCH_FLOATING_TYPES(x3.scalar_type(), "impute_forward", [&] {
    using T_ = scalar_t;
    const T_ *x0 = x3.data_ptr<T_>(), *w = w_x.data_ptr<T_>(), *bx = b_x.data_ptr<T_>();
    const T_* mean = x_mean.data_ptr<T_>();
    T_* o0 = out.data_ptr<T_>();
    int64_t* l0 = last.data_ptr<int64_t>();
    at::parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T_> xl(F);
      for (int64_t b = b0; b < b1; ++b) {
        std::copy(mean, mean + F, xl.begin());
        int64_t* lb = l0 + b * T * F;
        for (int64_t t = 0; t < T; ++t) {
          const T_* r = x0 + (b * T + t) * 3 * F;  // x, m, delta
          int64_t* lt = lb + t * F;
          for (int64_t f = 0; f < F; ++f) {
            const int64_t before = t > 0 ? lt[f - F] : -1;
            const bool seen = r[F + f] != T_(0);
            lt[f] = seen ? t : before;
            if (seen) xl[f] = r[f];
          }
          impute_row<T_>(r, xl.data(), w, bx, mean, o0 + (b * T + t) * 2 * F, F);
        }
      }
    });
  });
  return {out, last};
}

// One step of TimeAware without autograd (rnnkit.kernels.step.inference_step): x3 (B, 3F) = [x, m, delta],
// x_last (B, F) the last observed values before the step, h (B, H) the state to decay -> [x_hat, m] (B, 2F), the
// new x_last (x where observed, else kept) and gamma_h h (B, H): impute_forward's equations at one step, and the
// hidden decay gamma_h = exp(-max(0, W_h delta + b_h)) that the loops apply before the inner step. The parameters
// are read as given (a strided or other-dtype one copied here); W_h delta is a dot product per unit up to 2**18
// multiply-adds (a streaming step's batch of one: a GEMM call costs more than its arithmetic), a GEMM above.
// With kind LSTM, GRU or ELMAN (else -1) and the inner cell's weights, also the inner step on [x_hat, m] and the
// decayed h, the loop's own cell_forward (one call for the whole step): returns [x_hat, m], x_last, gamma_h h, then
// h' and (LSTM) c'.
std::vector<at::Tensor> time_aware_step(const at::Tensor& x3_, const at::Tensor& x_last_, const at::Tensor& h_,
                                        const at::Tensor& w_x_, const at::Tensor& b_x_, const at::Tensor& x_mean_,
                                        const at::Tensor& w_h_, const c10::optional<at::Tensor>& b_h_, int64_t kind,
                                        const c10::optional<at::Tensor>& c_, const c10::optional<at::Tensor>& w_ih_,
                                        const c10::optional<at::Tensor>& w_hh_, const c10::optional<at::Tensor>& b_ih_,
                                        const c10::optional<at::Tensor>& b_hh_, bool relu) {
  const at::Tensor x3 = x3_.contiguous(), x_last = x_last_.contiguous(), h = h_.contiguous();
  const int64_t B = x3.size(0), F = x3.size(1) / 3, H = h.size(1);
  TORCH_CHECK(x3.dim() == 2 && x3.size(1) == 3 * F && x_last.dim() == 2 && x_last.size(0) == B &&
                  x_last.size(1) == F && h.dim() == 2 && h.size(0) == B && w_h_.dim() == 2 && w_h_.size(0) == H &&
                  w_h_.size(1) == F && w_x_.numel() == F && b_x_.numel() == F && x_mean_.numel() == F,
              "time_aware_step: x3 (B, 3F), x_last (B, F), h (B, H), w_h (H, F), w_x, b_x, x_mean (F,) disagree");
  const auto as_x = [&](const at::Tensor& t) { return t.to(x3.scalar_type()).contiguous(); };
  const at::Tensor w_x = as_x(w_x_), b_x = as_x(b_x_), x_mean = as_x(x_mean_), w_h = as_x(w_h_);
  const bool has_b = b_h_.has_value() && b_h_->defined();
  const at::Tensor b_h = has_b ? as_x(*b_h_) : at::zeros({H}, x3.options());
  const bool small = B * H * F <= (int64_t(1) << 18);
  const at::Tensor pre = small ? at::empty({B, H}, x3.options()) : at::addmm(b_h, x3.narrow(1, 2 * F, F), w_h.t());
  auto out = at::empty({B, 2 * F}, x3.options()), xl = at::empty({B, F}, x3.options());
  auto hd = at::empty({B, H}, x3.options());
  AT_DISPATCH_FLOATING_TYPES(x3.scalar_type(), "time_aware_step", [&] {
    using T_ = scalar_t;
    using V = Vec<T_>;
    const T_ *x0 = x3.data_ptr<T_>(), *w = w_x.data_ptr<T_>(), *bx = b_x.data_ptr<T_>();
    const T_ *mean = x_mean.data_ptr<T_>(), *l0 = x_last.data_ptr<T_>(), *h0 = h.data_ptr<T_>();
    const T_ *wh = w_h.data_ptr<T_>(), *bh = b_h.data_ptr<T_>();
    T_* p0 = pre.data_ptr<T_>();
    for (int64_t b = 0; b < B; ++b) {
      const T_* r = x0 + b * 3 * F;  // x, m, delta
      T_* l = xl.data_ptr<T_>() + b * F;
      for (int64_t f = 0; f < F; ++f) l[f] = r[F + f] != T_(0) ? r[f] : l0[b * F + f];
      impute_row<T_>(r, l, w, bx, mean, out.data_ptr<T_>() + b * 2 * F, F);
      T_* p = p0 + b * H;
      if (small) {
        for (int64_t k = 0; k < H; ++k)
          p[k] = bh[k] + sum_of<T_>(F, [&](int64_t j, int64_t m) {
                   return V::loadu(wh + k * F + j, m) * V::loadu(r + 2 * F + j, m);
                 });
      }
      T_* o = hd.data_ptr<T_>() + b * H;
      FOR_VEC(H) { (decay_of(V::loadu(p + j, m)) * V::loadu(h0 + b * H + j, m)).store(o + j, m); }
    }
  });
  if (kind < 0) return {out, xl, hd};
  TORCH_CHECK((kind == LSTM || kind == GRU || kind == ELMAN) && w_ih_.has_value() && w_hh_.has_value() &&
                  (kind != LSTM || c_.has_value()),
              "time_aware_step: the inner step runs an LSTM, GRU or Elman cell, given its weights (and an LSTM's c)");
  const at::Tensor w_ih = as_x(*w_ih_), w_hh = as_x(*w_hh_);
  const int64_t G = w_hh.size(0);
  TORCH_CHECK(w_ih.dim() == 2 && w_ih.size(0) == G && w_ih.size(1) == 2 * F && w_hh.size(1) == H,
              "time_aware_step: the inner weights must be (G, 2F) and (G, H)");
  const auto bias = [&](const c10::optional<at::Tensor>& t) {
    return t.has_value() && t->defined() ? as_x(*t) : at::Tensor();
  };
  const at::Tensor b_ih = bias(b_ih_), b_hh = bias(b_hh_), c = kind == LSTM ? c_->contiguous() : at::Tensor();
  const at::Tensor xw = at::mm(out, w_ih.t()), hw = at::mm(hd, w_hh.t());  // (B, G) each
  auto y = at::empty({B, H}, x3.options()), c2 = kind == LSTM ? at::empty({B, H}, x3.options()) : y;
  Args A{kind, B, 1, H, G, kind == LSTM ? 2 : 1, relu, false, false, 0, 0.0, 0.0, nullptr};
  AT_DISPATCH_FLOATING_TYPES(x3.scalar_type(), "time_aware_step", [&] {
    using T_ = scalar_t;
    const auto at_ = [](const at::Tensor& t) { return t.defined() ? t.data_ptr<T_>() : nullptr; };
    const Params<T_> P{at_(b_hh), at_(b_ih), nullptr, nullptr, nullptr, nullptr};
    std::vector<T_> a(acts_of(kind) * H), st(NSTATS), tmp(5 * H);
    for (int64_t b = 0; b < B; ++b)
      cell_forward<T_>(A, P, xw.data_ptr<T_>() + b * G, hw.data_ptr<T_>() + b * G, hd.data_ptr<T_>() + b * H,
                       kind == LSTM ? c.data_ptr<T_>() + b * H : nullptr, y.data_ptr<T_>() + b * H,
                       kind == LSTM ? c2.data_ptr<T_>() + b * H : nullptr, a.data(), st.data(), tmp.data());
  });
  return {out, xl, hd, y, c2};
}

// The backward of impute_forward: from d_out (B, T, 2F), dL/d[x, m, delta] (B, T, 3F), dL/dw_x and dL/db_x.
std::vector<at::Tensor> impute_backward(const at::Tensor& d_out_, const at::Tensor& x3_, const at::Tensor& w_x,
                                        const at::Tensor& b_x, const at::Tensor& x_mean, const at::Tensor& last) {
  for (const auto& [name, t] : {std::pair{"w_x", &w_x}, {"b_x", &b_x}, {"x_mean", &x_mean}, {"last", &last}})
    check_dense("rnnkit_cpu_loop.impute_backward", name, *t);
  const at::Tensor x3 = x3_.contiguous(), d_out = dense(d_out_);
  const int64_t B = x3.size(0), T = x3.size(1), F = x3.size(2) / 3;
  auto dx3 = pooled({B, T, 3 * F}, x3.options()).zero_();
  auto acc = at::zeros({B, 2 * F}, x3.options());  // per sequence: dL/dw_x, dL/db_x
  AT_DISPATCH_FLOATING_TYPES(x3.scalar_type(), "impute_backward", [&] {
    using T_ = scalar_t;
    using V = Vec<T_>;
    const T_ *x0 = x3.data_ptr<T_>(), *w = w_x.data_ptr<T_>(), *bx = b_x.data_ptr<T_>();
    const T_ *mean = x_mean.data_ptr<T_>(), *g0 = d_out.data_ptr<T_>();
    const int64_t* l0 = last.data_ptr<int64_t>();
    T_* d0 = dx3.data_ptr<T_>();
    T_* a0 = acc.data_ptr<T_>();
    at::parallel_for(0, B, 1, [&](int64_t b0, int64_t b1) {
      std::vector<T_> xl(F), dxl(F);
      for (int64_t b = b0; b < b1; ++b) {
        T_* ab = a0 + b * 2 * F;
        for (int64_t t = 0; t < T; ++t) {
          const T_* r = x0 + (b * T + t) * 3 * F;
          const T_* go = g0 + (b * T + t) * 2 * F;
          const int64_t* lt = l0 + (b * T + t) * F;
          T_* d = d0 + (b * T + t) * 3 * F;
          for (int64_t f = 0; f < F; ++f) xl[f] = lt[f] >= 0 ? x0[(b * T + lt[f]) * 3 * F + f] : mean[f];
          FOR_VEC(F) {
            const V x_ = V::loadu(r + j, m), m_ = V::loadu(r + F + j, m), dl = V::loadu(r + 2 * F + j, m);
            const V mu = V::loadu(mean + j, m), xl_ = V::loadu(xl.data() + j, m), wj = V::loadu(w + j, m);
            const V pre = wj * dl + V::loadu(bx + j, m), g = decay_of(pre);
            const V imp = g * xl_ + (V(1) - g) * mu;
            const V gx = V::loadu(go + j, m);
            const V dimp = gx * (V(1) - m_);
            const V dpre = V::blendv(V(0), (dimp * (xl_ - mu) * g).neg(), pre > V(0));
            (V::loadu(d + j, m) + gx * m_).store(d + j, m);
            (V::loadu(go + F + j, m) + gx * x_ - gx * imp).store(d + F + j, m);
            (dpre * wj).store(d + 2 * F + j, m);
            (V::loadu(ab + j, m) + dpre * dl).store(ab + j, m);
            (V::loadu(ab + F + j, m) + dpre).store(ab + F + j, m);
            (dimp * g).store(dxl.data() + j, m);
          }
          for (int64_t f = 0; f < F; ++f)  // x_last's gradient to the x it was read from
            if (lt[f] >= 0) d0[(b * T + lt[f]) * 3 * F + f] += dxl[f];
        }
      }
    });
  });
  auto sums = acc.sum(0);
  return {dx3, sums.narrow(0, 0, F), sums.narrow(0, F, F)};
}

// One LN-LSTM step without autograd (rnnkit.kernels.step.inference_step): x (B, F), h, c (B, H) -> h', c'.
std::vector<at::Tensor> lnlstm_step(const at::Tensor& x, const at::Tensor& h, const at::Tensor& c,
                                    const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& gamma_ih,
                                    const at::Tensor& gamma_hh, const c10::optional<at::Tensor>& bias,
                                    const at::Tensor& gamma_c, const c10::optional<at::Tensor>& beta_c, double eps) {
  for (const auto& [name, t] : {std::pair{"gamma_ih", &gamma_ih}, {"gamma_hh", &gamma_hh}, {"gamma_c", &gamma_c}})
    check_dense("rnnkit_cpu_loop.lnlstm_step", name, *t);
  check_dense("rnnkit_cpu_loop.lnlstm_step", "bias", bias);
  check_dense("rnnkit_cpu_loop.lnlstm_step", "beta_c", beta_c);
  const int64_t B = x.size(0), H = h.size(1);
  TORCH_CHECK(h.dim() == 2 && c.sizes() == h.sizes() && h.size(0) == B && w_hh.size(0) == 4 * H,
              "lnlstm_step: the state must be (B, H) for x (B, F) and weight_hh (4H, H)");
  auto xw = at::mm(x, w_ih.t()), hw = at::mm(h, w_hh.t());  // (B, 4H)
  auto h2 = at::empty({B, H}, x.options()), c2 = at::empty({B, H}, x.options());
  const at::Tensor cc = c.contiguous();
  Args A{LNLSTM, B, 1, H, 4 * H, 2, false, false, false, 0, 0.0, eps, nullptr};
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lnlstm_step", [&] {
    using T_ = scalar_t;
    const Params<T_> P{nullptr, ptr<T_>(bias), gamma_hh.data_ptr<T_>(), gamma_ih.data_ptr<T_>(),
                       gamma_c.data_ptr<T_>(), ptr<T_>(beta_c)};
    std::vector<T_> a(acts_of(LNLSTM) * H), st(NSTATS), tmp(5 * H);
    for (int64_t b = 0; b < B; ++b)
      cell_forward<T_>(A, P, xw.data_ptr<T_>() + b * 4 * H, hw.data_ptr<T_>() + b * 4 * H, nullptr,
                       cc.data_ptr<T_>() + b * H, h2.data_ptr<T_>() + b * H, c2.data_ptr<T_>() + b * H, a.data(),
                       st.data(), tmp.data());
  });
  return {h2, c2};
}

// torch.rand's numbers, drawn faster. Fills out (float32 or float64, contiguous) with exactly the values that
// out.uniform_() draws from the default CPU generator, and leaves the generator in the state uniform_ would.
// torch draws element by element, one call of its Mersenne twister (at::mt19937) each (float: 24 bits of one
// 32-bit output; double: 53 bits of two, the first one high), about 3 ns a number; here the twister's state is
// regenerated 624 words at a time and tempered in loops the compiler vectorises. The zoneout uniforms,
// T * fields * B * H numbers, took as long as the forward's recurrent matmuls.
static inline uint32_t mt_mix(uint32_t u, uint32_t v) {  // at::mt19937's twist(u, v)
  return (((u & 0x80000000u) | (v & 0x7fffffffu)) >> 1) ^ ((v & 1u) ? 0x9908b0dfu : 0u);
}
static void mt_regenerate(uint32_t* __restrict__ s, uint32_t* __restrict__ next) {  // at::mt19937::next_state
  constexpr int N = at::MERSENNE_STATE_N, M = at::MERSENNE_STATE_M;
  for (int j = 0; j < N - M; ++j) next[j] = s[j + M] ^ mt_mix(s[j], s[j + 1]);
  for (int j = N - M; j < N - 1; ++j) next[j] = next[j - (N - M)] ^ mt_mix(s[j], s[j + 1]);
  next[N - 1] = next[M - 1] ^ mt_mix(s[N - 1], next[0]);
  std::copy(next, next + N, s);
}
// n outputs of the engine whose state is d, as n calls of at::mt19937::operator() would give them
static void mt_draw(at::mt19937_data_pod& d, uint32_t* out, int64_t n) {
  uint32_t next[at::MERSENNE_STATE_N];
  while (n > 0) {
    if (d.left_ == 1) {  // the next call regenerates the state, and its --left_ then leaves 624
      mt_regenerate(d.state_.data(), next);
      d.left_ = at::MERSENNE_STATE_N + 1;
      d.next_ = 0;
    }
    const int64_t k = std::min<int64_t>(n, d.left_ - 1);
    const uint32_t* s = d.state_.data() + d.next_;
    for (int64_t i = 0; i < k; ++i) {
      uint32_t y = s[i];
      y ^= y >> 11;
      y ^= (y << 7) & 0x9d2c5680u;
      y ^= (y << 15) & 0xefc60000u;
      out[i] = y ^ (y >> 18);
    }
    d.next_ += k;
    d.left_ -= k;
    out += k;
    n -= k;
  }
}

at::Tensor uniform_(at::Tensor out) {
  TORCH_CHECK(out.is_contiguous() && out.device().is_cpu(), "uniform_: a contiguous CPU tensor");
  TORCH_CHECK(out.scalar_type() == at::kFloat || out.scalar_type() == at::kDouble, "uniform_: float32 or float64");
  const bool dbl = out.scalar_type() == at::kDouble;
  auto gen = at::get_generator_or_default<at::CPUGeneratorImpl>(c10::nullopt, at::detail::getDefaultCPUGenerator());
  std::lock_guard<std::mutex> lock(gen->mutex_);
  at::mt19937 engine = gen->engine();
  at::mt19937_data_pod d = engine.data();
  constexpr int64_t CHUNK = 4096;  // numbers per round of draws
  uint32_t r[2 * CHUNK];
  for (int64_t i = 0, n = out.numel(); i < n; i += CHUNK) {
    const int64_t k = std::min(CHUNK, n - i);
    mt_draw(d, r, dbl ? 2 * k : k);
    if (dbl) {  // at::uniform_real_distribution<double>: random64() & (2^53 - 1), times 2^-53
      double* o = out.data_ptr<double>() + i;
      for (int64_t j = 0; j < k; ++j)
        o[j] = static_cast<double>(((static_cast<uint64_t>(r[2 * j]) << 32) | r[2 * j + 1]) & ((1ull << 53) - 1)) *
               (1.0 / 9007199254740992.0);
    } else {  // at::uniform_real_distribution<float>: random() & (2^24 - 1), times 2^-24
      float* o = out.data_ptr<float>() + i;
      for (int64_t j = 0; j < k; ++j) o[j] = static_cast<float>(r[j] & 0xffffffu) * (1.0f / 16777216.0f);
    }
  }
  engine.set_data(d);
  gen->set_engine(engine);
  return out;
}

TORCH_LIBRARY(rnnkit_cpu_loop, m) {
  m.def("forward(int kind, Tensor xw, Tensor? dec, Tensor h0, Tensor? c0, Tensor? w_hh, Tensor? b_hh, "
        "Tensor? gamma_hh, Tensor? gamma_c, Tensor? beta_c, Tensor? gamma_ih, Tensor? b_ih, float eps, "
        "Tensor? hmask, Tensor? zu, float p, int zmode, bool relu, Tensor lengths, bool save) -> Tensor[]",
        &loop_forward);
  m.def("backward(int kind, Tensor d_out, Tensor d_hT, Tensor? d_cT, Tensor? dec, Tensor hs, Tensor cs, "
        "Tensor hf, Tensor acts, Tensor stats, Tensor? w_hh, Tensor? gamma_hh, Tensor? gamma_c, "
        "Tensor? gamma_ih, Tensor? hmask, Tensor? zu, float p, int zmode, bool relu, Tensor lengths, "
        "bool bias) -> Tensor[]", &loop_backward);
  m.def("impute_forward(Tensor x3, Tensor w_x, Tensor b_x, Tensor x_mean) -> Tensor[]", &impute_forward);
  m.def("impute_backward(Tensor d_out, Tensor x3, Tensor w_x, Tensor b_x, Tensor x_mean, Tensor last) -> Tensor[]",
        &impute_backward);
  m.def("time_aware_step(Tensor x3, Tensor x_last, Tensor h, Tensor w_x, Tensor b_x, Tensor x_mean, Tensor w_h, "
        "Tensor? b_h, int kind=-1, Tensor? c=None, Tensor? w_ih=None, Tensor? w_hh=None, Tensor? b_ih=None, "
        "Tensor? b_hh=None, bool relu=False) -> Tensor[]", &time_aware_step);
  m.def("uniform_(Tensor(a!) out) -> Tensor(a!)", &uniform_);
  m.def("release_buffers() -> ()", &release_buffers);
  m.def("kept_bytes() -> int", &kept_bytes);
  m.def("matmul(Tensor a, Tensor b, Tensor? bias) -> Tensor", &loop_matmul);
  m.def("lnlstm_step(Tensor x, Tensor h, Tensor c, Tensor w_ih, Tensor w_hh, Tensor gamma_ih, Tensor gamma_hh, "
        "Tensor? bias, Tensor gamma_c, Tensor? beta_c, float eps) -> Tensor[]", &lnlstm_step);
}
"""


@functools.cache
def build() -> tuple[bool, str]:
    """Build the extension, or load it from the cache, once per process; ``(ok, reason)``. The checks and
    flags are the C++ GRU loop's (:func:`rnnkit.kernels.cpu_gru.build`)."""
    return cpu_gru.build_extension("rnnkit_cpu_loop", _SOURCE, "the CPU loop extension")


def _pools():
    """The op namespaces of the C++ loops' extensions built in this process: each keeps its own pool."""
    return [getattr(torch.ops, name) for built, name in ((build, "rnnkit_cpu_loop"), (cpu_gru.build, "rnnkit_cpu_gru"))
            if built.cache_info().currsize and built()[0]]


def release_buffers() -> None:
    """Free the buffers the C++ loops keep on this thread between calls (their saved activations, gradients and
    products, at most an eighth of the machine's memory a loop and thread, at least 128 MB, reused once nothing else
    holds them, so that each call does not fault in fresh pages). Every fit calls it when it ends
    (:func:`rnnkit.training.seeded_fit`). Nothing to do when the extensions have not been built."""
    for ops in _pools():
        ops.release_buffers()


def kept_bytes() -> int:
    """The bytes the C++ loops' pools keep on this thread, free or in use (0 where not built)."""
    return sum(ops.kept_bytes() for ops in _pools())


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
    """The step's parameters in the extension's order: ``w_hh, b_hh, gamma_hh, gamma_c, beta_c, gamma_ih,
    b_ih`` (the last two LayerNorm-LSTM's input gain and bias, normalised in the loop; the LSTM's, GRU's and
    Elman cell's input bias ``bias_ih``, added in the loop: their :func:`project` is ``x W_ih^T`` alone)."""
    inner = cell.cell if type(cell) is TimeAware else cell
    if type(inner) is LayerNormLSTMCell:
        return inner.weight_hh, None, inner.gamma_hh, inner.gamma_c, inner.beta_c, inner.gamma_ih, inner.bias
    if type(inner) in (MinGRUCell, MinLSTMCell):
        return None, None, None, None, None, None, None
    return inner.weight_hh, inner.bias_hh, None, None, None, None, inner.bias_ih


class Projected(NamedTuple):
    """What the C++ loop reads for all steps: the inner cell's ``xw (B, T, G)`` (LayerNorm-LSTM's before its
    input norm, ``x W_ih^T``) and, for TimeAware, the hidden decay's pre-activation ``W_h delta + b_h (B, T, H)``
    (else None); the loop takes the norm and ``gamma_h = exp(-max(0, .))`` itself, with their backward."""

    xw: Tensor
    decay: Tensor | None


class _Impute(torch.autograd.Function):
    """:meth:`rnnkit.cells.TimeAware.impute`'s ``[x_hat, m]`` and the hidden decay's pre-activation ``W_h delta +
    b_h`` in one Function, so that the backward writes ``dL/d[x, m, delta] (B, T, 3F)`` once: the C++ pass's
    gradient with the decay's ``dL/d delta`` added in place (as two autograd branches, the slice's gradient
    would be a fresh zeroed ``(B, T, 3F)`` and their sum another, fresh pages at every call; the slice's reshape
    for the projection a third). ``x (B, T, 3F)``, ``w_x``, ``b_x``,
    ``x_mean (F,)`` (a buffer, no gradient), ``w_h (H, F)``, ``b_h (H,)`` -> ``((B, T, 2F), (B, T, H))``."""

    @staticmethod
    def forward(ctx, x, w_x, b_x, x_mean, w_h, b_h):
        ops = torch.ops.rnnkit_cpu_loop
        out, last = ops.impute_forward(x, w_x, b_x, x_mean)
        B, T, F3 = x.shape
        delta = x.view(B * T, F3)[:, 2 * F3 // 3 :]  # (B T, F), read by the GEMM through its own copy
        decay = ops.matmul(delta, w_h.t(), b_h).view(B, T, w_h.shape[0])
        ctx.save_for_backward(x, w_x, b_x, x_mean, last, w_h)
        return out, decay

    @staticmethod
    @cpu_gru.first_order
    def backward(ctx, d_out, d_decay):
        ops = torch.ops.rnnkit_cpu_loop
        x, w_x, b_x, x_mean, last, w_h = ctx.saved_tensors
        B, T, F3 = x.shape
        d_x, d_w, d_b = ops.impute_backward(d_out.contiguous(), x, w_x, b_x, x_mean, last)
        d_decay = d_decay.reshape(B * T, -1)
        d_x.view(B * T, F3)[:, 2 * F3 // 3 :] += ops.matmul(d_decay, w_h, None)
        delta = x.view(B * T, F3)[:, 2 * F3 // 3 :]
        d_wh = ops.matmul(delta.t(), d_decay, None).t() if ctx.needs_input_grad[4] else None  # (delta^T d)^T
        d_bh = d_decay.sum(0) if ctx.needs_input_grad[5] else None
        return d_x, d_w, d_b, None, d_wh, d_bh


def project(cell, x: Tensor) -> Projected:
    """The projection of all steps for the C++ loop (:class:`Projected`); the cell's :meth:`project` up to the
    parts the loop computes itself, and TimeAware's input decay and imputation in C++ (:class:`_Impute`).
    :class:`rnnkit.Recurrent` calls it in place of ``cell.project``."""
    decay = None
    if type(cell) is TimeAware:
        x, decay = _Impute.apply(x.contiguous(), cell.w_x.contiguous(), cell.b_x.contiguous(),
                                 cell.x_mean.to(x.dtype).contiguous(), cell.decay_h.weight.contiguous(),
                                 cell.decay_h.bias)  # [x_hat, m] (B, T, 2F); W_h delta + b_h (B, T, H)
        cell = cell.cell
    # x W_ih^T without the bias, which the loop adds per step with b_hh (as a projection it is a (B, T, G)
    # copy before the matmul and a sum in its backward); the minimal cells' whole projection, x W_ih^T + b_ih
    bias = cell.bias_ih if type(cell) in (MinGRUCell, MinLSTMCell) else None
    xw = cpu_gru.Linear.apply(x, cell.weight_ih, bias, torch.ops.rnnkit_cpu_loop.matmul)
    return Projected(xw, decay)


def _draws(direction, xw: Tensor, fields: int) -> tuple[Tensor | None, Tensor | None]:
    """The hidden dropout mask ``(B, H)`` and the zoneout uniforms ``(T, fields, B, H)`` that
    :meth:`rnnkit.Recurrent.steps` draws, drawn here in its order: the mask first, then per step one
    ``rand_like`` per state field. None where the reference draws nothing."""
    from ..layers.recurrent import _sequence_mask

    B, T, _ = xw.shape
    H = direction.hidden_size
    mask = (_sequence_mask(xw, H, direction.hidden_dropout)
            if direction.training and direction.hidden_dropout > 0 else None)
    uniforms = None
    if direction.training and direction.zoneout > 0:  # torch.rand(T, fields, B, H)'s numbers, drawn faster
        uniforms = torch.ops.rnnkit_cpu_loop.uniform_(torch.empty(T, fields, B, H, dtype=xw.dtype))
    return mask, uniforms


def _contiguous(t: Tensor | None) -> Tensor | None:
    return None if t is None else t.contiguous()


class _Loop(torch.autograd.Function):
    """The recurrence of one direction: ``xw (B, T, G)``, ``decay`` (B, T, H) or None, the state -> outputs
    ``(B, T, H)``, ``h_T``, ``c_T`` (empty for a cell whose state is h alone). ``config = (kind, eps, p, zmode,
    relu, save)``; ``params`` as :func:`_parameters`."""

    @staticmethod
    def forward(ctx, config, xw, decay, lengths, mask, uniforms, h0, c0, *params):
        kind, eps, p, zmode, relu, save = config
        # The extension reads every tensor as a dense array: a strided parameter (a bias sliced out of a larger
        # buffer, a weight loaded by assignment from a view) is made contiguous here, or its values are misread.
        w_hh, b_hh, gamma_hh, gamma_c, beta_c, gamma_ih, b_ih = map(_contiguous, params)
        decay = _contiguous(decay)
        res = torch.ops.rnnkit_cpu_loop.forward(
            kind, xw.contiguous(), decay, h0.contiguous(), _contiguous(c0), w_hh, b_hh, gamma_hh,
            gamma_c, beta_c, gamma_ih, b_ih, eps, mask, uniforms, p, zmode, relu, lengths, save,
        )
        out, h_T, c_T = res[:3]
        if save:
            # h0 and c0 are not read back: saved so that the second derivative's error (first_order) reaches them
            ctx.save_for_backward(h0, c0, decay, lengths, mask, uniforms, w_hh, gamma_hh, gamma_c, gamma_ih, *res[3:])
        ctx.config, ctx.two = config, c0 is not None
        ctx.has = [t is not None for t in params]
        if c0 is None:
            ctx.mark_non_differentiable(c_T)
        return out, h_T, c_T

    @staticmethod
    @cpu_gru.first_order
    def backward(ctx, d_out, d_hT, d_cT):
        kind, eps, p, zmode, relu, _ = ctx.config
        _, _, decay, lengths, mask, uniforms, w_hh, gamma_hh, gamma_c, gamma_ih, hs, cs, hf, acts, stats = \
            ctx.saved_tensors
        d_xw, d_h0, d_c0, *d_params, d_decay = torch.ops.rnnkit_cpu_loop.backward(
            kind, d_out, d_hT.contiguous(), d_cT.contiguous() if ctx.two else None, decay,
            hs, cs, hf, acts, stats, w_hh, gamma_hh, gamma_c, gamma_ih, mask, uniforms, p, zmode,
            relu, lengths, ctx.has[-1],
        )
        d_params = [d if has else None for d, has in zip(d_params, ctx.has, strict=True)]
        return (None, d_xw, d_decay if decay is not None else None, None, None, None, d_h0,
                d_c0 if ctx.two else None, *d_params)


def cpu_loop(cell, xw: Projected, lengths: Tensor | None, state, *, direction) -> tuple[Tensor, object]:
    """One direction through the C++ loop; the time ``loop`` of :class:`rnnkit.Recurrent`, which passes
    itself as ``direction`` (for its recurrent dropout and zoneout) because ``recurrent_dropout`` is set, and
    ``xw`` from :func:`project` (``cpu_loop.project``)."""
    xw, decay = xw
    B, T, _ = xw.shape
    kind, decayed = _kind(cell)
    inner = cell.cell if decayed else cell
    two = cell.state_type is not None
    h0, c0 = (state.h, state.c) if two else (state, None)
    lengths = torch.full((B,), T, dtype=torch.long) if lengths is None else lengths.to("cpu", torch.long)
    mask, uniforms = _draws(direction, xw, 2 if two else 1)
    zmode = 0 if direction.zoneout == 0 else 1 if direction.training else 2
    params = _parameters(cell)
    inputs = (xw, decay, h0, c0, *params)
    save = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs)
    config = (kind, float(getattr(inner, "eps", 0.0)), float(direction.zoneout), zmode,
              getattr(inner, "nonlinearity", "tanh") == "relu", save)
    out, h_T, c_T = _Loop.apply(config, xw, decay, lengths.contiguous(), mask, uniforms, h0, c0, *params)
    return out, (cell.state_type(h_T, c_T) if two else h_T)


cpu_loop.recurrent_dropout = True  # Recurrent calls it with direction=self, also with recurrent dropout on
cpu_loop.project = project  # and reads the projection the loop takes


def run_cpu_loop(layer, x: Tensor, lengths: Tensor | None, state):
    """Run a Stacked layer through the C++ loop; same inputs and outputs as ``forward_reference``."""
    return layer.unroll(x, lengths, state, cpu_loop)
