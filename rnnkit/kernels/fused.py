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
program per batch row), and :class:`rnnkit.TimeAware` (GRU-D, Che et al. 2018) around any of them: its input
decay is part of ``project`` (autograd), its hidden decay ``gamma_h * h_{t-1}`` one multiply before each
step's matmul (``dgamma_h = dh * h_{t-1}`` in the backward), with ``gamma_h = 1`` at padded steps so that
the state passes unchanged there, as the reference's mask keeps it.

The minimal cells (minGRU, minLSTM) have no recurrent matmul: their whole sequence is
one Triton scan kernel forward and one backward, parallel over the ``B * H`` units with the ``T`` steps of
``h_t = a_t h_{t-1} + b_t`` in registers; it does the sequential mode's arithmetic (not the log-space
scan's) and serves both modes of :class:`rnnkit.MinGRU` / :class:`rnnkit.MinLSTM`.

Kernels compute in float32; saved activations are float32 (for bfloat16 and float16 inputs too, so the
backward does not lose precision the forward had). Gradients are first order only (no double backward).

Where it runs: on CUDA tensors when Triton is installed (``backend="auto"`` picks it there for the cells
cuDNN cannot run). On CPU only Triton's interpreter can run it (``TRITON_INTERPRET=1`` set before the first
fused call): the same kernels, slowly, for tests; ``auto`` never picks it on CPU, ``backend="fused"`` forces
it.

CUDA graphs: on CUDA the step loop runs in chunks of ``GRAPH_STEPS`` (64) steps, each chunk one replay of a
graph captured once per cell and chunk size (:class:`_GraphedSteps`), so that 2 x 64 launches (matmul and
kernel per step) cost one replay and a few copies; the graphs do not depend on ``T``. ``GRAPH_STEPS = 0``
launches every step eagerly. Inside a user's own capture the loop runs eagerly (the user's graph records it).

Not done yet (needs a GPU): the compiled kernels and the CUDA graphs have run only in Triton's interpreter and
with a stand-in for the graph on CPU (``tests/test_fused.py``). Until then ``auto`` uses them on a device only
after a self-check against the reference there (:func:`rnnkit.kernels.dispatch.self_check`);
``bash benchmarks/gpu_check.sh`` is the first thing to run on a GPU.
"""

from __future__ import annotations

import collections
import functools
import importlib.util
import os
import sys
import weakref

import torch
from torch import Tensor

from ..cells import (
    ElmanCell,
    GRUCell,
    LayerNormLSTMCell,
    LSTMCell,
    LSTMState,
    MinGRUCell,
    MinLSTMCell,
    TimeAware,
)
from .unroll import RECURRENT_DROPOUT, first_order_only, uses_recurrent_dropout, valid_steps

STEP_CELLS = (ElmanCell, GRUCell, LSTMCell, LayerNormLSTMCell)
SCAN_CELLS = (MinGRUCell, MinLSTMCell)
_DTYPES = {"cuda": (torch.float32, torch.float16, torch.bfloat16), "cpu": (torch.float32,)}
_KERNELS = "rnnkit.kernels.triton_kernels"
# the error of a second derivative through the kernels, whose backward runs without a graph
SECOND_ORDER = (
    "rnnkit's fused Triton kernels (backend 'fused') compute first derivatives only, and this backward "
    "differentiates one of them again (autograd.grad(..., create_graph=True), e.g. a gradient penalty); run the "
    "layer with backend='reference' (or 'native' for LSTM, GRU and RNN), whose gradients can be differentiated"
)
BATCHED = (
    "rnnkit's fused Triton kernels (backend 'fused') have no batching rule for their backward, which this call runs "
    "over several gradients at once (torch.autograd.functional.jacobian or hessian with vectorize=True, "
    "autograd.grad(..., is_grads_batched=True)); pass vectorize=False (is_grads_batched=False), or run the layer with "
    "backend='reference' (or 'native' for LSTM, GRU and RNN)"
)


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


def _cell_name(cell) -> str:
    return f"TimeAware({_cell_name(cell.cell)})" if type(cell) is TimeAware else type(cell).__name__


@functools.cache
def _triton_installed() -> bool:
    """Whether Triton can be imported; asked once (a search of sys.path costs a quarter of a millisecond, a
    fortieth of a small layer's forward and backward, at every call of the dispatch point)."""
    return importlib.util.find_spec("triton") is not None


def can_use_fused(layer, x: Tensor) -> tuple[bool, str]:
    """Whether the Triton kernels compute exactly what ``layer`` (a Stacked) would, and why (not)."""
    cells = layer.cells()
    decayed = type(cells[0]) is TimeAware
    kind = type(cells[0].cell) if decayed else type(cells[0])
    if kind not in STEP_CELLS + (() if decayed else SCAN_CELLS):
        names = ", ".join(c.__name__ for c in STEP_CELLS + SCAN_CELLS)
        steps = ", ".join(c.__name__ for c in STEP_CELLS)
        return False, f"no fused kernel for {_cell_name(cells[0])} (only {names}, and TimeAware of {steps})"
    if any(_cell_name(c) != _cell_name(cells[0]) for c in cells):
        return False, "layers mix cell types"
    if uses_recurrent_dropout(layer):
        return False, RECURRENT_DROPOUT
    if not _triton_installed():
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
    return True, f"rnnkit's fused Triton {_cell_name(cells[0]).replace('Cell', '')} {what} kernels {where}"


def run_fused(layer, x: Tensor, lengths: Tensor | None, state):
    """Run a Stacked layer on the Triton kernels; same inputs and outputs as ``forward_reference``."""
    return layer.unroll(x, lengths, state, fused_loop)


def fused_loop(cell, xw: Tensor, lengths: Tensor | None, state) -> tuple[Tensor, object]:
    """One direction; the time ``loop`` of :class:`rnnkit.Recurrent`."""
    B, T, _ = xw.shape
    lengths = torch.full((B,), T, device=xw.device) if lengths is None else lengths.to(xw.device, torch.long)
    gamma = None
    if type(cell) is TimeAware:  # GRU-D: the inner cell's step on the decayed state gamma_h * h_{t-1}
        G = cell.cell.gate_size
        xw, gamma, cell = xw[..., :G], xw[..., G:], cell.cell
        # padded steps keep the state undecayed, as the reference's mask does: decay 1 there
        gamma = torch.where(valid_steps(lengths, B, T, xw.device)[..., None], gamma, 1).transpose(0, 1)
        gamma = gamma.contiguous()  # (T, B, H)
    xw = xw.contiguous()
    if isinstance(cell, SCAN_CELLS):
        return _MinScan.apply(xw, state, lengths, isinstance(cell, MinLSTMCell))
    if isinstance(cell, LayerNormLSTMCell):
        beta_c = cell.beta_c if cell.beta_c is not None else _zeros(cell.gamma_c.shape[0], xw.dtype, xw.device)
        params = (cell.weight_hh, None, cell.gamma_hh, cell.gamma_c, beta_c)
    else:
        params = (cell.weight_hh, cell.bias_hh, None, None, None)
    h0, c0 = (state.h, state.c) if isinstance(state, LSTMState) else (state, None)
    out, h, c = _StepLoop.apply(cell, xw, lengths, h0, c0, gamma, *params)
    return out, h if c0 is None else LSTMState(h, c)


@functools.cache
def _zeros(n: int, dtype, device) -> Tensor:
    """A shared, read-only zero vector: the LayerNorm shift of a cell without one, at a fixed address (a
    captured CUDA graph bakes addresses in)."""
    return torch.zeros(n, dtype=dtype, device=device)


def _launch(n_units: int) -> tuple[tuple[int], int]:
    """Grid and block of the flat kernels for ``n_units = B * H``."""
    block = min(1024, 1 << max(n_units - 1, 1).bit_length())
    return (-(-n_units // block),), block


_SAVED_WIDTH = {ElmanCell: 0, GRUCell: 4, LSTMCell: 4, LayerNormLSTMCell: 9}  # activations kept per step, x H


def _forward_steps(cell, params, xw, lengths, hs, cs, gamma, saved, rstds):
    """Forward steps ``0 .. T-1`` on the given buffers: ``xw (B, T, G)``, ``lengths (B,)`` counted from step 0
    of these buffers, ``hs``/``cs (T + 1, B, H)`` with the initial state at index 0 (``cs`` None but for the
    LSTMs), ``gamma (T, B, H)`` or None. Writes ``hs[1:]``, ``cs[1:]``, ``saved (T, B, width * H)`` and, for
    the LayerNorm-LSTM, ``rstds (T, B, 5)``. One matmul and one Triton launch per step."""
    K = _kernels()
    w_hh, b_hh, gamma_hh, gamma_c, beta_c = params
    B, T, _ = xw.shape
    H = hs.shape[2]
    grid, block = _launch(B * H)
    rows, block_h = (B,), 1 << max(H - 1, 1).bit_length()
    w_t, sx = w_hh.t(), xw.stride(0)
    for t in range(T):
        h = hs[t] if gamma is None else hs[t] * gamma[t]  # (B, H), the state the step reads
        hw = h @ w_t if b_hh is None else torch.addmm(b_hh, h, w_t)  # (B, G)
        x_t = xw[:, t]
        if isinstance(cell, ElmanCell):
            K.elman_fwd[grid](x_t, sx, hw, h, hs[t + 1], lengths, t, B, H,
                              RELU=cell.nonlinearity == "relu", BLOCK=block)
        elif isinstance(cell, GRUCell):
            K.gru_fwd[grid](x_t, sx, hw, h, hs[t + 1], saved[t], lengths, t, B, H, BLOCK=block)
        elif isinstance(cell, LSTMCell):
            K.lstm_fwd[grid](x_t, sx, hw, h, hs[t + 1], cs[t], cs[t + 1], saved[t], lengths, t, B, H,
                             BLOCK=block)
        else:
            K.ln_lstm_fwd[rows](x_t, sx, hw, h, hs[t + 1], cs[t], cs[t + 1], saved[t], rstds[t],
                                gamma_hh, gamma_c, beta_c, lengths, t, H, cell.eps, BLOCK_H=block_h)


def _backward_steps(cell, params, d_out, lengths, hs, cs, h_read, gamma, saved, rstds, dh, dc, d_xw, d_hw,
                    d_lnc, d_gamma):
    """Backward steps ``T-1 .. 0`` on buffers laid out as :func:`_forward_steps`'s, with ``d_out (B, T, H)``
    and ``h_read (T, B, H)`` the states the steps read (decayed by ``gamma``). ``dh``/``dc (B, H)`` come in as
    the gradient of the state after step T-1 and leave as that of the state before step 0. Writes
    ``d_xw (B, T, G)``, ``d_hw (T, B, G)`` and, where given, ``d_lnc (T, B, H)`` and ``d_gamma (T, B, H)``."""
    K = _kernels()
    w_hh, _, gamma_hh, gamma_c, beta_c = params
    T, B, H = h_read.shape
    grid, block = _launch(B * H)
    rows, block_h = (B,), 1 << max(H - 1, 1).bit_length()
    sdy, sdx = d_out.stride(0), d_xw.stride(0)
    for t in reversed(range(T)):
        dy, dx = d_out[:, t], d_xw[:, t]
        if isinstance(cell, ElmanCell):
            K.elman_bwd[grid](dy, sdy, hs[t + 1], dh, dx, sdx, d_hw[t], lengths, t, B, H,
                              RELU=cell.nonlinearity == "relu", BLOCK=block)
        elif isinstance(cell, GRUCell):
            K.gru_bwd[grid](dy, sdy, h_read[t], saved[t], dh, dx, sdx, d_hw[t], lengths, t, B, H, BLOCK=block)
        elif isinstance(cell, LSTMCell):
            K.lstm_bwd[grid](dy, sdy, cs[t], cs[t + 1], saved[t], dh, dc, dx, sdx, d_hw[t], lengths, t, B, H,
                             BLOCK=block)
        else:
            K.ln_lstm_bwd[rows](dy, sdy, cs[t], saved[t], rstds[t], gamma_hh, gamma_c, beta_c, dh, dc, dx,
                                sdx, d_hw[t], d_lnc[t], lengths, t, H, BLOCK_H=block_h)
        dh.addmm_(d_hw[t], w_hh)  # the path through W_hh h_{t-1}; padded rows add zero
        if gamma is not None:  # dh is the gradient of gamma_t * h_{t-1}
            torch.mul(dh, hs[t], out=d_gamma[t])
            dh.mul_(gamma[t])


GRAPH_STEPS = 64
"""Steps per captured CUDA graph of the fused step loop; 0 turns capture off (every step launched eagerly)."""
_GRAPHS_PER_CELL = 16  # captured chunk graphs kept per cell, oldest dropped first


def _use_graphs(x: Tensor) -> bool:
    """Whether the step loop runs as CUDA graph replays: on CUDA, unless switched off or already inside a
    capture (a user's own graph then records the steps themselves)."""
    return x.is_cuda and GRAPH_STEPS > 0 and not torch.cuda.is_current_stream_capturing()


class _Graph:
    """``fn(*buffers)`` captured once in a CUDA graph; calling it replays the graph on the buffers' current
    contents. The warm-up run on a side stream compiles the Triton kernels and sets up cuBLAS's workspace,
    which must not happen during capture."""

    def __init__(self, fn, buffers):
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            fn(*buffers)
        torch.cuda.current_stream().wait_stream(stream)
        self.graph = torch.cuda.CUDAGraph()
        # thread_local: the backward runs on autograd's device thread while other threads may use CUDA
        with torch.cuda.graph(self.graph, capture_error_mode="thread_local"):
            fn(*buffers)

    def __call__(self):
        self.graph.replay()


def _chunk_size(n: int) -> int:
    """The captured chunk that runs ``n <= GRAPH_STEPS`` steps: GRAPH_STEPS, or the next power of two for a
    shorter last chunk, so any sequence length reuses a few graphs."""
    return min(GRAPH_STEPS, 1 << max(n - 1, 0).bit_length())


class _GraphedSteps:
    """:func:`_forward_steps` or :func:`_backward_steps` of one cell, run chunk by chunk as CUDA graph replays.

    A graph is captured once per chunk size on static buffers of ``K`` steps. Each chunk of ``n <= K`` steps
    copies its slice of the inputs in (lengths counted from the chunk's first step, decay 1 past ``n``),
    replays, and copies its slice of the results out; steps past ``n`` are masked out as padding (their
    lengths are exceeded) and their results discarded. ``dh``/``dc`` carry between backward chunks. So the
    launches of 2 K steps (matmul + kernel per step) become one replay and a few copies, and the graphs do
    not depend on T. Graphs are cached per cell (weakly: they go with the cell) and keyed on everything they
    bake in: sizes, dtype, device and the parameters' storage (an in-place optimizer step keeps it)."""

    _cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # cell -> OrderedDict(key -> steps)

    def __init__(self, backward: bool, cell, params, B: int, H: int, dtype, device, decayed: bool):
        # a proxy: the graphs hold the cell's kernels and parameters but must not keep the cell (their key) alive
        self.backward_pass, self.cell, self.kind, self.params = backward, weakref.proxy(cell), type(cell), params
        self.B, self.H, self.dtype, self.device, self.decayed = B, H, dtype, device, decayed
        self.G = params[0].shape[0]
        self.graphs = {}  # chunk size -> (graph, static buffers)

    @classmethod
    def _for(cls, backward: bool, cell, params, x: Tensor, gamma):
        B, H = x.shape[0], params[0].shape[1]
        key = (backward, B, H, x.dtype, x.device, gamma is not None, getattr(cell, "nonlinearity", None),
               getattr(cell, "eps", None), tuple(None if p is None else p.data_ptr() for p in params))
        graphs = cls._cache.setdefault(cell, collections.OrderedDict())
        if key not in graphs:
            graphs[key] = cls(backward, cell, params, B, H, x.dtype, x.device, gamma is not None)
            while len(graphs) > _GRAPHS_PER_CELL:
                graphs.popitem(last=False)
        graphs.move_to_end(key)
        return graphs[key]

    @classmethod
    def forward_for(cls, cell, params, xw: Tensor, gamma) -> _GraphedSteps:
        return cls._for(False, cell, params, xw, gamma)

    @classmethod
    def backward_for(cls, cell, params, d_out: Tensor, gamma) -> _GraphedSteps:
        return cls._for(True, cell, params, d_out, gamma)

    def _static(self, K: int):
        """The graph for chunks of ``K`` steps and its buffers, captured on first use."""
        if K not in self.graphs:
            B, H, G, kind = self.B, self.H, self.G, self.kind
            lstm = kind in (LSTMCell, LayerNormLSTMCell)
            layer_norm = kind is LayerNormLSTMCell

            def zeros(*shape, dtype=self.dtype):
                return torch.zeros(*shape, dtype=dtype, device=self.device)

            f32 = torch.float32
            state = zeros(K + 1, B, H), zeros(K + 1, B, H) if lstm else None
            gamma = zeros(K, B, H) + 1 if self.decayed else None
            saved = zeros(K, B, _SAVED_WIDTH[kind] * H, dtype=f32), zeros(K, B, 5, dtype=f32) if layer_norm else None
            lengths = zeros(B, dtype=torch.long)
            if not self.backward_pass:
                buffers = (zeros(B, K, G), lengths, *state, gamma, *saved)
                fn = functools.partial(_forward_steps, self.cell, self.params)
            else:
                buffers = (zeros(B, K, H), lengths, *state, zeros(K, B, H), gamma, *saved, zeros(B, H),
                           zeros(B, H) if lstm else None, zeros(B, K, G), zeros(K, B, G),
                           zeros(K, B, H, dtype=f32) if layer_norm else None, zeros(K, B, H) if self.decayed else None)
                fn = functools.partial(_backward_steps, self.cell, self.params)
            self.graphs[K] = (_Graph(fn, buffers), buffers)
        return self.graphs[K]

    def _chunks(self, T: int):
        for t0 in range(0, T, GRAPH_STEPS):
            n = min(GRAPH_STEPS, T - t0)
            yield t0, n, *self._static(_chunk_size(n))

    def forward(self, xw, lengths, hs, cs, gamma, saved, rstds):
        for t0, n, graph, static in self._chunks(xw.shape[1]):
            xw_s, lengths_s, hs_s, cs_s, gamma_s, saved_s, rstds_s = static
            xw_s[:, :n] = xw[:, t0 : t0 + n]
            torch.sub(lengths, t0, out=lengths_s)
            hs_s[0] = hs[t0]
            if cs is not None:
                cs_s[0] = cs[t0]
            if gamma is not None:
                gamma_s[:n] = gamma[t0 : t0 + n]
                gamma_s[n:] = 1
            graph()
            hs[t0 + 1 : t0 + n + 1] = hs_s[1 : n + 1]
            if cs is not None:
                cs[t0 + 1 : t0 + n + 1] = cs_s[1 : n + 1]
            saved[t0 : t0 + n] = saved_s[:n]
            if rstds is not None:
                rstds[t0 : t0 + n] = rstds_s[:n]

    def backward(self, d_out, lengths, hs, cs, h_read, gamma, saved, rstds, dh, dc, d_xw, d_hw, d_lnc, d_gamma):
        for t0, n, graph, static in reversed(list(self._chunks(d_out.shape[1]))):
            (d_out_s, lengths_s, hs_s, cs_s, h_read_s, gamma_s, saved_s, rstds_s, dh_s, dc_s, d_xw_s, d_hw_s,
             d_lnc_s, d_gamma_s) = static
            d_out_s[:, :n] = d_out[:, t0 : t0 + n]
            torch.sub(lengths, t0, out=lengths_s)
            hs_s[: n + 1] = hs[t0 : t0 + n + 1]
            h_read_s[:n] = h_read[t0 : t0 + n]
            saved_s[:n] = saved[t0 : t0 + n]
            dh_s.copy_(dh)
            if cs is not None:
                cs_s[: n + 1] = cs[t0 : t0 + n + 1]
                dc_s.copy_(dc)
            if rstds is not None:
                rstds_s[:n] = rstds[t0 : t0 + n]
            if gamma is not None:
                gamma_s[:n] = gamma[t0 : t0 + n]
                gamma_s[n:] = 1
            graph()
            dh.copy_(dh_s)
            if dc is not None:
                dc.copy_(dc_s)
            d_xw[:, t0 : t0 + n] = d_xw_s[:, :n]
            d_hw[t0 : t0 + n] = d_hw_s[:n]
            if d_lnc is not None:
                d_lnc[t0 : t0 + n] = d_lnc_s[:n]
            if d_gamma is not None:
                d_gamma[t0 : t0 + n] = d_gamma_s[:n]


class _StepLoop(torch.autograd.Function):
    """The time loop of a matmul-then-pointwise cell; see the module docstring. Shapes: ``xw (B, T, G)``,
    ``h0, c0 (B, H)`` (``c0`` None but for the LSTMs), states kept time-major ``(T + 1, B, H)``. ``gamma``
    ``(T, B, H)`` or None: GRU-D's hidden decay, applied to ``h_{t-1}`` before the step (1 at padded steps).
    On CUDA the steps run as replays of captured CUDA graphs (:class:`_GraphedSteps`)."""

    @staticmethod
    def forward(ctx, cell, xw, lengths, h0, c0, gamma, *params):
        B, T, _ = xw.shape
        H = h0.shape[1]
        hs = xw.new_empty(T + 1, B, H)
        hs[0] = h0
        cs = None if c0 is None else xw.new_empty(T + 1, B, H)
        if cs is not None:
            cs[0] = c0
        layer_norm = isinstance(cell, LayerNormLSTMCell)
        saved = torch.empty(T, B, _SAVED_WIDTH[type(cell)] * H, device=xw.device, dtype=torch.float32)
        rstds = torch.empty(T, B, 5, device=xw.device, dtype=torch.float32) if layer_norm else None
        steps = _GraphedSteps.forward_for(cell, params, xw, gamma) if _use_graphs(xw) else None
        if steps is None:
            _forward_steps(cell, params, xw, lengths, hs, cs, gamma, saved, rstds)
        else:
            steps.forward(xw, lengths, hs, cs, gamma, saved, rstds)
        ctx.cell = cell
        ctx.save_for_backward(h0, c0, lengths, hs, cs, gamma, saved, rstds, *params)  # h0, c0: for first_order
        valid = valid_steps(lengths, B, T, xw.device)[..., None]  # (B, T, 1)
        out = torch.where(valid, hs[1:].transpose(0, 1), 0)
        return out, hs[-1].clone(), None if cs is None else cs[-1].clone()

    @staticmethod
    @first_order_only(SECOND_ORDER, BATCHED)
    def backward(ctx, d_out, d_hT, d_cT):
        cell = ctx.cell
        _, _, lengths, hs, cs, gamma, saved, rstds, *params = ctx.saved_tensors
        w_hh, b_hh, gamma_hh, gamma_c, beta_c = params
        T, B, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
        G = w_hh.shape[0]
        d_out = d_out.contiguous()
        dh = d_hT.clone().contiguous()
        dc = None if cs is None else (torch.zeros_like(dh) if d_cT is None else d_cT.clone().contiguous())
        d_xw = hs.new_empty(B, T, G)
        d_hw = hs.new_empty(T, B, G)
        layer_norm = isinstance(cell, LayerNormLSTMCell)
        d_lnc = torch.empty(T, B, H, device=hs.device, dtype=torch.float32) if layer_norm else None
        h_read = hs[:-1] if gamma is None else hs[:-1] * gamma  # (T, B, H): the states the steps read
        d_gamma = None if gamma is None else torch.empty_like(gamma)
        buffers = (d_out, lengths, hs, cs, h_read, gamma, saved, rstds, dh, dc, d_xw, d_hw, d_lnc, d_gamma)
        steps = _GraphedSteps.backward_for(cell, params, d_out, gamma) if _use_graphs(d_out) else None
        if steps is None:
            _backward_steps(cell, params, *buffers)
        else:
            steps.backward(*buffers)
        d_hw_flat = d_hw.view(T * B, G)
        d_w_hh = d_hw_flat.t() @ h_read.reshape(T * B, H)
        d_b_hh = None if b_hh is None else d_hw_flat.sum(0)
        d_gamma_hh = d_gamma_c = d_beta_c = None
        if layer_norm:  # gate pre-activation = xw + LN(hw) * gamma_hh
            d_gamma_hh = (d_xw.transpose(0, 1).float() * saved[..., 4 * H : 8 * H]).sum((0, 1))
            d_gamma_hh = d_gamma_hh.to(gamma_hh.dtype)
            d_gamma_c = (d_lnc * saved[..., 8 * H :]).sum((0, 1)).to(gamma_c.dtype)
            d_beta_c = d_lnc.sum((0, 1)).to(beta_c.dtype)
        return (None, d_xw, None, dh, dc, d_gamma, d_w_hh, d_b_hh, d_gamma_hh, d_gamma_c, d_beta_c)


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
        return torch.where(valid, states, 0), states[:, -1].clone()  # padded steps keep the state, so step T-1 is final

    @staticmethod
    @first_order_only(SECOND_ORDER, BATCHED)
    def backward(ctx, d_out, d_hT):
        K = _kernels()
        xw, h0, states, lengths = ctx.saved_tensors
        B, T, H = states.shape
        grid, block = _launch(B * H)
        d_states = torch.where(valid_steps(lengths, B, T, xw.device)[..., None], d_out, 0)
        d_states[:, -1] += d_hT
        d_xw, dh0 = torch.empty_like(xw), torch.empty_like(h0)
        K.min_scan_bwd[grid](xw, h0, states, d_states.contiguous(), dh0, d_xw, lengths, T, B, H,
                             LSTM=ctx.is_lstm, BLOCK=block)
        return d_xw, dh0, None, None
