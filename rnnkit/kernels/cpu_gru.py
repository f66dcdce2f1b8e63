"""A faster GRU on CPU: the time loop and its backward written out in C++, built once on first use.

Why: on CPU torch.nn.GRU runs its forward as ATen ops per step and its backward through autograd, node by
node (only the LSTM has a oneDNN kernel with a fused backward), so at small and medium sizes the per-op
overhead dominates: fwd+bwd of torch.nn.GRU is several times slower than that of torch.nn.LSTM at
``(B=8, T=500, F=16, H=64)``. Here each step is one product (``W_hh h + b_hh``, :data:`GEMM`) plus one vectorised pass
over the gates, and the backward is a hand-written loop with one product per step; the weight gradient is
one matmul over all steps after the loop. The input projection stays outside, hoisted over all steps and
differentiated by autograd, as in every rnnkit path. Measured speed-ups: docs/kernels.md.

The maths is :class:`rnnkit.cells.GRUCell`'s (torch.nn.GRU's, gate order ``r, z, n``):

    r = sigmoid(xw_r + hw_r);  z = sigmoid(xw_z + hw_z);  n = tanh(xw_n + r * hw_n)
    h' = (1 - z) * n + z * h          with xw = W_ih x + b_ih, hw = W_hh h + b_hh

and its backward, per step, for the upstream gradient ``dh`` of ``h'``:

    dn = dh * (1 - z);   dz = dh * (h - n);   dh_prev = dh * z + d(hw) @ W_hh
    d(pre_n) = dn * (1 - n^2);  d(pre_r) = d(pre_n) * hw_n * r * (1 - r);  d(pre_z) = dz * z * (1 - z)
    d(xw) = [d(pre_r), d(pre_z), d(pre_n)];   d(hw) = [d(pre_r), d(pre_z), d(pre_n) * r]

Padded steps (``t >= lengths[b]``) keep the state and pass the gradient straight through.

The extension is compiled by ``torch.utils.cpp_extension.load_inline`` (needs a C++ compiler and ninja; about
30 s on 2 cores) into ``TORCH_EXTENSIONS_DIR`` (default ``~/.cache/torch_extensions``) and loaded from there
afterwards. The build is its own step, :func:`build`, cached per process: the predicate
:func:`can_use_cpu_gru` checks the configuration only and never compiles; :func:`available` reads the
build's outcome without building. The dispatch point (:mod:`rnnkit.kernels.dispatch`) calls :func:`build`
before the path's first use, so a missing compiler or ninja, or a failed build, becomes the reason and
``backend="auto"`` runs torch's kernel instead. Call :func:`build` yourself to pay the compile up front.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import sys
import sysconfig
import time
import warnings
from pathlib import Path

import torch
from torch import Tensor

from ..cells import GRUCell
from .unroll import RECURRENT_DROPOUT, first_order_only, uses_recurrent_dropout

# The matrix products of the C++ loops (this GRU loop's and :mod:`.cpu_loop`'s), one definition for both: the
# per-step product, the recurrent weight's gradient over all steps, and the input projection (:class:`Linear`).
GEMM = r"""
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/native/CPUBlas.h>
#include <algorithm>
#include <type_traits>
#include <vector>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

// C (M, N) = A (M, K) @ B (K, N), plus C if add; all row-major, rows ld* apart. float goes to oneDNN's
// batch-reduce GEMM micro-kernel (at::native::cpublas::brgemm, a plain GEMM where oneDNN has no kernel for the
// CPU) over tiles of C of 64 x 64, each accumulated over blocks of 512 of K, the tiles split over threads when
// there is the work to pay for it. On the AVX-512 EPYC of docs/kernels.md MKL's sgemm (at::mm_out) took 2-2.8x
// as long for every product the loops run (benchmarks/kernels.py --gemm). double goes to ATen's matmul.
template <typename T>
static void gemm(int64_t M, int64_t N, int64_t K, const T* A, int64_t lda, const T* B, int64_t ldb, T* C,
                 int64_t ldc, bool add) {
  if constexpr (std::is_same_v<T, float>) {
    constexpr int64_t MB = 64, NB = 64, KB = 512;
    const int64_t mb = (M + MB - 1) / MB, nb = (N + NB - 1) / NB;
    const int64_t tile = std::min(MB, M) * std::min(NB, N) * K;  // multiply-adds of one tile
    const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 21) / std::max<int64_t>(1, tile));
    at::parallel_for(0, mb * nb, grain, [&](int64_t k0, int64_t k1) {
      for (int64_t k = k0; k < k1; ++k) {
        const int64_t i = k / nb * MB, j = k % nb * NB, m = std::min(MB, M - i), n = std::min(NB, N - j);
        for (int64_t l = 0; l < K; l += KB)
          at::native::cpublas::brgemm(m, n, std::min(KB, K - l), lda, ldb, ldc, add || l > 0, A + i * lda + l,
                                      B + l * ldb + j, C + i * ldc + j);
      }
    });
  } else {
    const auto o = at::TensorOptions().dtype(c10::CppTypeToScalarType<T>::value);
    const auto a = at::from_blob(const_cast<T*>(A), {M, K}, {lda, 1}, o);
    const auto b = at::from_blob(const_cast<T*>(B), {K, N}, {ldb, 1}, o);
    auto c = at::from_blob(C, {M, N}, {ldc, 1}, o);
    if (add) c.addmm_(a, b); else at::mm_out(c, a, b);
  }
}

// The loops' large buffers, kept from call to call on each thread. Allocated afresh, a forward + backward's
// few MB of saved activations and gradients cost a page fault for every 4 kB page each call (glibc hands freed
// blocks of this size back to the OS): a fifth of the LSTM loop's time at (16, 200, 32, 128) on one thread
// (perf: the kernel's page-fault and page-clearing paths). A kept buffer is reused, the smallest that fits,
// once nothing else holds its storage (the autograd graph that saved it has run its backward or been freed, the
// caller dropped the output); at most pool_bytes() are kept per thread, free ones dropped first to make room.
// Every element handed out is written before it is read, as with at::empty.

// The most a pool keeps: an eighth of the machine's memory, at least 128 MB. A training step's buffers are the
// same at every step, so a pool that holds them all faults in no page after the first step: at (64, 512, 128, 512)
// LayerNorm-LSTM saves 940 MB of activations alone (14 floats a unit, step and row), faulted in at every call
// otherwise (docs/kernels.md). A fit releases them when it ends (rnnkit.kernels.cpu_loop.release_buffers).
static int64_t pool_bytes() {
  static const int64_t bytes = [] {
    int64_t total = 0;
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGE_SIZE)
    total = int64_t(sysconf(_SC_PHYS_PAGES)) * int64_t(sysconf(_SC_PAGE_SIZE));
#endif
    return std::max<int64_t>(int64_t(128) << 20, total / 8);
  }();
  return bytes;
}
static std::vector<at::Tensor>& pool() {
  thread_local std::vector<at::Tensor> kept;
  return kept;
}
static bool unused(const at::Tensor& t) { return t.use_count() == 1 && t.storage().use_count() == 1; }
// A buffer made under torch.inference_mode is an inference tensor, which autograd refuses outside it: each is
// handed out again only in the mode it was made in.
static bool reusable(const at::Tensor& t) {
  return unused(t) && t.is_inference() == c10::InferenceMode::is_enabled();
}
static at::Tensor pooled(at::IntArrayRef sizes, const at::TensorOptions& options) {
  const int64_t n = c10::multiply_integers(sizes), bytes = n * int64_t(options.dtype().itemsize());
  if (n == 0 || bytes > pool_bytes()) return at::empty(sizes, options);
  auto& kept = pool();
  const at::Tensor* best = nullptr;
  for (const auto& t : kept)
    if (t.dtype() == options.dtype() && t.numel() >= n && (!best || t.numel() < best->numel()) && reusable(t))
      best = &t;
  if (best) return best->narrow(0, 0, n).view(sizes);
  int64_t total = bytes;
  for (const auto& t : kept) total += int64_t(t.nbytes());
  for (auto it = kept.begin(); total > pool_bytes() && it != kept.end();) {  // free ones make room
    if (unused(*it)) { total -= int64_t(it->nbytes()); it = kept.erase(it); } else { ++it; }
  }
  at::Tensor t = at::empty({n}, options);
  if (total <= pool_bytes()) kept.push_back(t);
  return t.view(sizes);
}
// The loops read the tensors they are given (a loss's gradient aside, made dense) as dense arrays: a strided one
// (a slice, a transpose, an expanded view) would be misread without a word, so it is refused, naming it.
static void check_dense(const char* op, const char* name, const c10::optional<at::Tensor>& t) {
  TORCH_CHECK(!t.has_value() || !t->defined() || t->is_contiguous(), op, ": ", name, " is strided (sizes ",
              t->sizes(), ", strides ", t->strides(), ") but is read as a dense array; pass ", name,
              ".contiguous()");
}
// t itself if contiguous, else a contiguous copy of it in a kept buffer.
static at::Tensor dense(const at::Tensor& t) {
  if (t.is_contiguous()) return t;
  auto out = pooled(t.sizes(), t.options());
  out.copy_(t);
  return out;
}
// Frees this thread's kept buffers (rnnkit.kernels.cpu_loop.release_buffers); those still in use live on.
void release_buffers() { pool().clear(); }
// The bytes this thread's pool keeps, free or in use (rnnkit.kernels.cpu_loop.kept_bytes).
int64_t kept_bytes() {
  int64_t total = 0;
  for (const auto& t : pool()) total += int64_t(t.nbytes());
  return total;
}

// a (M, K) @ b (K, N) (+ bias (N) on every row) as a tensor op: the input projection's products and the
// recurrent weight's gradient. Other dtypes than float and double, and empty sizes, go to ATen.
at::Tensor matmul(const at::Tensor& a_, const at::Tensor& b_, const c10::optional<at::Tensor>& bias) {
  TORCH_CHECK(a_.dim() == 2 && b_.dim() == 2 && a_.size(1) == b_.size(0), "matmul: (M, K) @ (K, N) expected");
  const int64_t M = a_.size(0), K = a_.size(1), N = b_.size(1);
  const bool typed = a_.scalar_type() == b_.scalar_type() &&
                     (a_.scalar_type() == at::kFloat || a_.scalar_type() == at::kDouble);
  if (!typed || M == 0 || K == 0 || N == 0)
    return bias.has_value() ? at::addmm(*bias, a_, b_) : at::mm(a_, b_);
  const auto a = dense(a_), b = dense(b_);
  auto c = pooled({M, N}, a.options());  // the projection's (B, T, G): fresh pages cost more than the product
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "matmul", [&] {
    scalar_t* c0 = c.data_ptr<scalar_t>();
    if (bias.has_value()) {
      const auto bb = bias->to(a.scalar_type()).contiguous();
      const scalar_t* b0 = bb.data_ptr<scalar_t>();
      for (int64_t i = 0; i < M; ++i) std::copy(b0, b0 + N, c0 + i * N);
    }
    gemm<scalar_t>(M, N, K, a.data_ptr<scalar_t>(), K, b.data_ptr<scalar_t>(), N, c0, N, bias.has_value());
  });
  return c;
}
"""

_SOURCE = GEMM + r"""
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/cpu/vec/vec.h>
#include <torch/library.h>
#include <vector>

// Inputs and input gradients batch-first as the layer has them: xw, d_xw (B, T, 3H), d_out (B, T, H).
// Saved time-major, so that each step's state is one matrix for the BLAS calls: hs (T + 1, B, H) with
// hs[0] = h0, gates (T, B, 4H) = [r, z, n, hw_n].
// The gate maths runs on at::vec::Vectorized (AVX-512 or AVX2 with Sleef's exp and tanh when built for it).

// Split the batch rows over threads only when a step has enough work to pay for it.
static inline int64_t grain(int64_t H) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, H)); }

template <typename scalar_t>
static void forward_loop(const at::Tensor& xw, at::Tensor& hs, at::Tensor& out, at::Tensor& gates,
                         const at::Tensor& w_hh, const c10::optional<at::Tensor>& b_hh, const int64_t* len,
                         bool save) {
  using Vec = at::vec::Vectorized<scalar_t>;
  const int64_t B = xw.size(0), T = xw.size(1), H = out.size(2);
  auto hw = at::empty({B, 3 * H}, xw.options());
  const auto w_t = w_hh.t().contiguous();  // (H, 3H): every step's product a plain (no transpose) one
  const scalar_t* bias = b_hh.has_value() ? b_hh->data_ptr<scalar_t>() : nullptr;
  for (int64_t t = 0; t < T; ++t) {
    const auto h = hs[save ? t : t % 2];  // without a backward to feed, two states suffice
    scalar_t* hw0 = hw.data_ptr<scalar_t>();
    if (bias) for (int64_t b = 0; b < B; ++b) std::copy(bias, bias + 3 * H, hw0 + b * 3 * H);  // hw = b_hh + h W^T
    gemm<scalar_t>(B, 3 * H, H, h.data_ptr<scalar_t>(), H, w_t.data_ptr<scalar_t>(), 3 * H, hw0, 3 * H,
                   bias != nullptr);
    const scalar_t* x = xw.data_ptr<scalar_t>() + t * 3 * H;  // row b at x + b * T * 3H
    const scalar_t* a = hw.data_ptr<scalar_t>();
    const scalar_t* hp = h.data_ptr<scalar_t>();
    scalar_t* hn = hs[save ? t + 1 : (t + 1) % 2].data_ptr<scalar_t>();
    scalar_t* y = out.data_ptr<scalar_t>() + t * H;  // row b at y + b * T * H
    scalar_t* gt = save ? gates[t].data_ptr<scalar_t>() : nullptr;
    at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
      const Vec one(1);
      for (int64_t b = b0; b < b1; ++b) {
        const scalar_t* xb = x + b * T * 3 * H; const scalar_t* ab = a + b * 3 * H;
        scalar_t* gb = save ? gt + b * 4 * H : nullptr;
        scalar_t* yb = y + b * T * H;
        if (t >= len[b]) {  // padding: the state stays, the output is zero
          std::copy(hp + b * H, hp + (b + 1) * H, hn + b * H);
          std::fill(yb, yb + H, scalar_t(0));
          continue;
        }
        for (int64_t j = 0; j < H; j += Vec::size()) {
          const int64_t m = std::min<int64_t>(Vec::size(), H - j);
          const Vec hw_n = Vec::loadu(ab + 2 * H + j, m);
          const Vec r = one / (one + (Vec::loadu(xb + j, m) + Vec::loadu(ab + j, m)).neg().exp());
          const Vec z = one / (one + (Vec::loadu(xb + H + j, m) + Vec::loadu(ab + H + j, m)).neg().exp());
          const Vec n = (Vec::loadu(xb + 2 * H + j, m) + r * hw_n).tanh();
          const Vec h_new = (one - z) * n + z * Vec::loadu(hp + b * H + j, m);
          h_new.store(hn + b * H + j, m);
          h_new.store(yb + j, m);
          if (save) {
            r.store(gb + j, m); z.store(gb + H + j, m);
            n.store(gb + 2 * H + j, m); hw_n.store(gb + 3 * H + j, m);
          }
        }
      }
    });
  }
}

// Returns the outputs (B, T, H), zero at padded steps, the final state (B, H) and, if save (for the
// backward), all states hs (T + 1, B, H) and the gates; else those two are empty.
std::vector<at::Tensor> gru_forward(const at::Tensor& xw, const at::Tensor& h0, const at::Tensor& w_hh,
                                    const c10::optional<at::Tensor>& b_hh, const at::Tensor& lengths,
                                    bool save) {
  for (const auto& [name, t] : {std::pair{"xw", &xw}, {"w_hh", &w_hh}, {"lengths", &lengths}})
    check_dense("rnnkit_cpu_gru.forward", name, *t);
  check_dense("rnnkit_cpu_gru.forward", "b_hh", b_hh);
  const int64_t B = xw.size(0), T = xw.size(1), H = h0.size(1);
  auto hs = pooled({save ? T + 1 : 2, B, H}, h0.options());
  hs[0].copy_(h0);
  auto out = pooled({B, T, H}, xw.options());
  auto gates = pooled({save ? T : 0, B, 4 * H}, xw.options());  // padded rows are never read
  AT_DISPATCH_FLOATING_TYPES(xw.scalar_type(), "gru_forward", [&] {
    forward_loop<scalar_t>(xw, hs, out, gates, w_hh, b_hh, lengths.data_ptr<int64_t>(), save);
  });
  auto h_T = hs[save ? T : T % 2].clone();
  return {out, h_T, save ? hs : hs.narrow(0, 0, 0), gates};
}

template <typename scalar_t>
static void backward_loop(const at::Tensor& d_out, at::Tensor& dh, const at::Tensor& hs,
                          const at::Tensor& gates, const at::Tensor& w_hh, at::Tensor& d_xw, at::Tensor& d_hw,
                          const int64_t* len) {
  using Vec = at::vec::Vectorized<scalar_t>;
  const int64_t B = d_out.size(0), T = d_out.size(1), H = dh.size(1);
  for (int64_t t = T - 1; t >= 0; --t) {
    const scalar_t* dy = d_out.data_ptr<scalar_t>() + t * H;  // row b at dy + b * T * H
    const scalar_t* gt = gates[t].data_ptr<scalar_t>();
    const scalar_t* hp = hs[t].data_ptr<scalar_t>();
    scalar_t* dhp = dh.data_ptr<scalar_t>();
    scalar_t* dx = d_xw.data_ptr<scalar_t>() + t * 3 * H;  // row b at dx + b * T * 3H
    scalar_t* da = d_hw[t].data_ptr<scalar_t>();
    at::parallel_for(0, B, grain(H), [&](int64_t b0, int64_t b1) {
      const Vec one(1);
      for (int64_t b = b0; b < b1; ++b) {
        const scalar_t* gb = gt + b * 4 * H;
        scalar_t* dxb = dx + b * T * 3 * H; scalar_t* dab = da + b * 3 * H;
        if (t >= len[b]) {  // padding: zero outputs, the gradient passes to step t - 1 unchanged
          std::fill(dxb, dxb + 3 * H, scalar_t(0));
          std::fill(dab, dab + 3 * H, scalar_t(0));
          continue;
        }
        for (int64_t j = 0; j < H; j += Vec::size()) {
          const int64_t m = std::min<int64_t>(Vec::size(), H - j);
          const Vec r = Vec::loadu(gb + j, m), z = Vec::loadu(gb + H + j, m);
          const Vec n = Vec::loadu(gb + 2 * H + j, m), hw_n = Vec::loadu(gb + 3 * H + j, m);
          const Vec g = Vec::loadu(dhp + b * H + j, m) + Vec::loadu(dy + b * T * H + j, m);
          const Vec dn = g * (one - z) * (one - n * n);
          const Vec dr = dn * hw_n * r * (one - r);
          const Vec dz = g * (Vec::loadu(hp + b * H + j, m) - n) * z * (one - z);
          dr.store(dxb + j, m); dz.store(dxb + H + j, m); dn.store(dxb + 2 * H + j, m);
          dr.store(dab + j, m); dz.store(dab + H + j, m); (dn * r).store(dab + 2 * H + j, m);
          (g * z).store(dhp + b * H + j, m);
        }
      }
    });
    // dh_prev += d(hw) @ W_hh; rows of padded steps add zero
    gemm<scalar_t>(B, H, 3 * H, da, 3 * H, w_hh.data_ptr<scalar_t>(), H, dhp, H, true);
  }
}

// Returns d_xw (B, T, 3H), dh0 (B, H), dW_hh (3H, H), db_hh (3H).
std::vector<at::Tensor> gru_backward(const at::Tensor& d_out_, const at::Tensor& d_hT, const at::Tensor& hs,
                                     const at::Tensor& gates, const at::Tensor& w_hh,
                                     const at::Tensor& lengths) {
  for (const auto& [name, t] : {std::pair{"hs", &hs}, {"gates", &gates}, {"w_hh", &w_hh}, {"lengths", &lengths}})
    check_dense("rnnkit_cpu_gru.backward", name, *t);
  const at::Tensor d_out = dense(d_out_);  // a loss's gradient may be expanded or strided
  const int64_t B = d_out.size(0), T = d_out.size(1), H = d_hT.size(1);
  auto dh = d_hT.clone();
  auto d_xw = pooled({B, T, 3 * H}, d_out.options());
  auto d_hw = pooled({T, B, 3 * H}, d_out.options());
  AT_DISPATCH_FLOATING_TYPES(d_out.scalar_type(), "gru_backward", [&] {
    backward_loop<scalar_t>(d_out, dh, hs, gates, w_hh, d_xw, d_hw, lengths.data_ptr<int64_t>());
  });
  auto d_hw_flat = d_hw.view({T * B, 3 * H});
  // dW_hh = d(hw)^T hs over all steps, as (hs^T d(hw))^T: the products' A operand row-major
  auto dw_hh = matmul(hs.narrow(0, 0, T).reshape({T * B, H}).t(), d_hw_flat, c10::nullopt).t().contiguous();
  return {d_xw, dh, dw_hh, d_hw_flat.sum(0)};
}

TORCH_LIBRARY(rnnkit_cpu_gru, m) {
  m.def("forward(Tensor xw, Tensor h0, Tensor w_hh, Tensor? b_hh, Tensor lengths, bool save) "
        "-> Tensor[]", &gru_forward);
  m.def("backward(Tensor d_out, Tensor d_hT, Tensor hs, Tensor gates, Tensor w_hh, Tensor lengths) "
        "-> Tensor[]", &gru_backward);
  m.def("matmul(Tensor a, Tensor b, Tensor? bias) -> Tensor", &matmul);
  m.def("release_buffers() -> ()", &release_buffers);
  m.def("kept_bytes() -> int", &kept_bytes);
}
"""


_VECTOR_FLAGS = {
    "AVX512": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq", "-mfma", "-DCPU_CAPABILITY=AVX512",
               "-DCPU_CAPABILITY_AVX512"],
    "AVX2": ["-mavx2", "-mfma", "-DCPU_CAPABILITY=AVX2", "-DCPU_CAPABILITY_AVX2"],
}


@functools.cache
def build() -> tuple[bool, str]:
    """Build the extension, or load it from the cache, once per process; ``(ok, reason)``.

    The first build compiles for about 30 s; later processes load the cached build in well under a second.
    The outcome, failure included, is kept for the process: :func:`available` reads it."""
    return build_extension("rnnkit_cpu_gru", _SOURCE, "the CPU GRU extension")


def clear_stale_lock(directory: Path) -> bool:
    """Remove torch's lock file from the build ``directory`` of an extension; True if there was one.

    torch's ``load_inline`` builds under a lock file in the extension's build directory and waits, without end,
    while one exists; a build stopped half-way (Ctrl-C, a killed job) leaves it there, and every later process
    that needs the extension would hang on its first use. Called only while holding :func:`build_lock`, which
    every rnnkit build holds and the system releases when its process ends, however it ends: a torch lock found
    then is such a leftover. It is removed with a warning."""
    lock = directory / "lock"
    try:
        age = time.time() - lock.stat().st_mtime
        lock.unlink()
    except FileNotFoundError:  # no lock: the usual case
        return False
    warnings.warn(f"removed the lock file {lock}, left {age / 60:.0f} minutes ago by an interrupted build of "
                  f"{directory.name}; building it again", RuntimeWarning, stacklevel=3)
    return True


def build_lock(directory: Path):
    """The lock every build of an extension in ``directory`` holds (an OS file lock, filelock's): a second process
    waits while the first builds, and takes over the moment that one ends, even killed."""
    from filelock import FileLock

    return FileLock(directory / "rnnkit-build.lock")


@contextlib.contextmanager
def standard_streams():
    """``sys.stdout`` and ``sys.stderr`` as streams while torch builds: a process started with them closed
    (``cmd >&-``, ``2>&-``) has them as None, and torch's build flushes both before it runs ninja (an
    AttributeError from deep inside torch). The build's own output is piped, not printed, so the null device
    stands in for a closed stream; an open one is left as it is."""
    closed = [name for name in ("stdout", "stderr") if getattr(sys, name) is None]
    if not closed:
        yield
        return
    with open(os.devnull, "w") as null:
        for name in closed:
            setattr(sys, name, null)
        try:
            yield
        finally:
            for name in closed:
                setattr(sys, name, None)


def build_extension(name: str, source: str, what: str) -> tuple[bool, str]:
    """Compile (or load from the cache) the C++ source of a CPU loop as the torch library ``name``;
    ``(ok, reason)``, the reason naming ``what`` could not be built and why."""
    from torch.utils import cpp_extension

    compiler = cpp_extension.get_cxx_compiler()
    if shutil.which(compiler) is None:
        return False, f"no C++ compiler {compiler!r} on PATH to build {what}"
    if not cpp_extension.is_ninja_available():
        return False, f"ninja is not installed (pip install ninja), needed to build {what}"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return False, f"the Python headers (Python.h) are missing, so {what} cannot be built"
    # torch's own CPU kernels are built per instruction set; these loops are built for the CPU's: AVX-512 (16
    # floats per vector; the LSTM's forward measured 1.3x faster than with AVX2), AVX2 (8, with FMA), else
    # at::vec's portable scalar form. The flags are part of the build's hash, so another CPU gets its own build.
    flags = ["-O3", *_VECTOR_FLAGS.get(torch.backends.cpu.get_cpu_capability(), [])]
    directory = Path(cpp_extension._get_build_directory(name, verbose=False))  # made if missing
    try:
        with build_lock(directory), standard_streams():
            clear_stale_lock(directory)
            cpp_extension.load_inline(name, source, is_python_module=False, extra_cflags=flags)
    except (RuntimeError, OSError) as error:  # a failed build is a decided "no", reported as the reason
        return False, f"building {what} failed: {str(error).strip().splitlines()[-1]}"
    return True, f"{what} is built"


def available() -> tuple[bool, str]:
    """The outcome of :func:`build` in this process, without building: ``(False, ...)`` if not built yet."""
    if build.cache_info().currsize == 0:
        return False, "the CPU GRU extension is not built yet (rnnkit.kernels.cpu_gru.build())"
    return build()


def can_use_cpu_gru(layer, x: Tensor) -> tuple[bool, str]:
    """Whether the C++ GRU loop computes exactly what ``layer`` (a Stacked) would, and why (not).

    The configuration only: this never builds the extension (the dispatch point calls :func:`build`)."""
    cells = layer.cells()
    if any(type(c) is not GRUCell for c in cells):
        return False, "the C++ CPU loop serves GRUCell layers only"
    if x.device.type != "cpu":
        return False, "the C++ GRU loop runs on CPU only"
    if x.dtype not in (torch.float32, torch.float64):
        return False, f"the C++ GRU loop runs float32 and float64, not {x.dtype}"
    if any(p.dtype != x.dtype or p.device != x.device for c in cells for p in c.parameters()):
        return False, "parameters and input differ in dtype or device"
    if uses_recurrent_dropout(layer):
        return False, RECURRENT_DROPOUT
    if torch.is_autocast_enabled("cpu"):  # the projection would come out in autocast's lower precision
        return False, "autocast is on, and the C++ GRU loop computes in float32 and float64 only"
    return True, "rnnkit's C++ GRU loop on cpu"


SECOND_ORDER = (
    "rnnkit's C++ CPU loops (backend 'cpu_gru' and 'cpu_loop') compute first derivatives only, and this backward "
    "differentiates one of them again (autograd.grad(..., create_graph=True), e.g. a gradient penalty); run the "
    "layer with backend='reference' (or 'native' for LSTM, GRU and RNN), whose gradients can be differentiated"
)


BATCHED = (
    "rnnkit's C++ CPU loops (backend 'cpu_gru' and 'cpu_loop') have no batching rule for their backward, which this "
    "call runs over several gradients at once (torch.autograd.functional.jacobian or hessian with vectorize=True, "
    "autograd.grad(..., is_grads_batched=True)); pass vectorize=False (is_grads_batched=False), or run the layer with "
    "backend='reference' (or 'native' for LSTM, GRU and RNN)"
)


# ``torch.autograd.function.once_differentiable`` with SECOND_ORDER as its error (:func:`.unroll.first_order_only`,
# BATCHED for a backward batched over several gradients):
# the backward of the C++ loops runs without a graph, and a second derivative through it raises, when it is taken,
# saying which backend to use instead (torch's own message names neither the layer's option nor the fix).
first_order = first_order_only(SECOND_ORDER, BATCHED)


class _GRULoop(torch.autograd.Function):
    """The recurrence of one direction: ``xw (B, T, 3H)``, ``h0 (B, H)`` -> outputs ``(B, T, H)``, ``h_T``.
    ``save``: keep the states and gates for a backward (not under ``torch.no_grad()``)."""

    @staticmethod
    def forward(ctx, xw, h0, w_hh, b_hh, lengths, save):
        # The extension reads b_hh as a dense array: a strided bias (sliced out of a larger buffer) is made
        # contiguous here, or its values are misread.
        out, h_T, hs, gates = torch.ops.rnnkit_cpu_gru.forward(
            xw.contiguous(), h0.contiguous(), w_hh.contiguous(), None if b_hh is None else b_hh.contiguous(),
            lengths, save
        )
        ctx.save_for_backward(hs, gates, w_hh, lengths, h0)  # h0: the second derivative's error reaches it
        ctx.has_bias = b_hh is not None
        return out, h_T

    @staticmethod
    @first_order
    def backward(ctx, d_out, d_hT):
        hs, gates, w_hh, lengths, _ = ctx.saved_tensors
        d_xw, d_h0, d_w_hh, d_b_hh = torch.ops.rnnkit_cpu_gru.backward(
            d_out, d_hT.contiguous(), hs, gates, w_hh.contiguous(), lengths
        )
        return d_xw, d_h0, d_w_hh, d_b_hh if ctx.has_bias else None, None, None


class Linear(torch.autograd.Function):
    """``x (..., F) @ w^T (+ b)``, the input projection of all steps, and its backward, through the loops' GEMM
    (:data:`GEMM`'s ``matmul``, given as ``matmul``: the op of the extension the caller built). The same maths as
    ``torch.nn.functional.linear``; on the AVX-512 EPYC of docs/kernels.md MKL's sgemm took twice as long for
    these products (``(3200, 32) @ (32, 512)`` and the two of the backward)."""

    @staticmethod
    def forward(ctx, x, w, b, matmul):
        # x itself is saved, not its (N, F) view: an input saved is read back with its graph when a gradient is
        # differentiated again, so the second derivative's error (first_order) lies on the path to x
        ctx.save_for_backward(x, w)
        ctx.matmul, ctx.shape, ctx.has_bias = matmul, x.shape, b is not None
        return matmul(x.reshape(-1, x.shape[-1]), w.t(), b).view(*x.shape[:-1], w.shape[0])

    @staticmethod
    @first_order
    def backward(ctx, dy):
        x, w = ctx.saved_tensors
        x2, dy2 = x.reshape(-1, x.shape[-1]), dy.reshape(-1, dy.shape[-1])
        dx = ctx.matmul(dy2, w, None).view(ctx.shape) if ctx.needs_input_grad[0] else None
        dw = ctx.matmul(x2.t(), dy2, None).t() if ctx.needs_input_grad[1] else None  # (x^T dy)^T
        db = dy2.sum(0) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return dx, dw, db, None


def _project(cell: GRUCell, x: Tensor) -> Tensor:
    """``cell.project(x)`` (``x W_ih^T + b_ih``) through :class:`Linear`; the C++ GRU loop's projection."""
    return Linear.apply(x, cell.weight_ih, cell.bias_ih, torch.ops.rnnkit_cpu_gru.matmul)


def gru_loop(cell: GRUCell, xw: Tensor, lengths: Tensor | None, h0: Tensor) -> tuple[Tensor, Tensor]:
    """One direction through the C++ loop; the time ``loop`` of :class:`rnnkit.Recurrent`."""
    B, T, _ = xw.shape
    lengths = torch.full((B,), T, dtype=torch.long) if lengths is None else lengths.to("cpu", torch.long)
    inputs = (xw, h0, cell.weight_hh, cell.bias_hh)
    save = torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs)
    return _GRULoop.apply(*inputs, lengths.contiguous(), save)


gru_loop.project = _project  # read by rnnkit.Recurrent in place of cell.project


def run_cpu_gru(layer, x: Tensor, lengths: Tensor | None, state) -> tuple[Tensor, Tensor]:
    """Run a Stacked layer of GRU cells on CPU; same inputs and outputs as ``forward_reference``."""
    return layer.unroll(x, lengths, state, gru_loop)
