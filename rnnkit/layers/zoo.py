"""``rnnkit.LayerNormLSTM``, ``rnnkit.MinGRU``, ``rnnkit.MinLSTM``: layers of cells torch.nn does not have.

They take the constructor and forward signature of :class:`rnnkit.LSTM` (batch-first, states
``(B, L*D, H)``), are built from the same :class:`rnnkit.Recurrent` / :class:`rnnkit.Bidirectional` /
:class:`rnnkit.Stacked` pieces, and have no torch.nn counterpart to convert to or from.
"""

from __future__ import annotations

from torch import Tensor

from ..cells import LayerNormLSTMCell, MinGRUCell, MinLSTMCell
from ..kernels import scan
from .rnn import _SHAPES, _TorchCompatible

MODES = ("parallel", "sequential")


class _NoTorchPeer(_TorchCompatible):
    """A layer built like rnnkit.LSTM whose cell torch.nn does not have."""

    @classmethod
    def from_torch(cls, module, **kwargs):
        raise ValueError(f"{cls.__name__} has no torch.nn counterpart to convert from")

    def to_torch(self):
        raise ValueError(f"{type(self).__name__} has no torch.nn counterpart to convert to")


class LayerNormLSTM(_NoTorchPeer, cell_name="layernorm_lstm"):
    __doc__ = """Layer-normalised LSTM layer (:class:`rnnkit.cells.LayerNormLSTMCell`, Ba et al. 2016): layer
    norm per gate block on the input and recurrent pre-activations, and on c before its tanh. Options of the
    cell: ``forget_bias`` (1.0), ``eps`` (1e-5). The state is ``LSTMState(h, c)``. torch.nn has no such
    layer, so ``backend="native"`` cannot run it; ``"fused"`` runs Triton kernels
    (:mod:`rnnkit.kernels.fused`) and ``"cpu_loop"`` a C++ loop on CPU (:mod:`rnnkit.kernels.cpu_loop`).
""" + _SHAPES.format(state_note=" each   ``LSTMState(h, c)``")

    cell_options = ("forget_bias", "eps")

    @classmethod
    def make_cell(cls, input_size, hidden_size, *, bias=True, **options):
        return LayerNormLSTMCell(input_size, hidden_size, bias=bias, **options)


class _Minimal(_NoTorchPeer):
    """A stack of minimal cells, run as a sequential loop or as a parallel scan over time."""

    cell_class: type

    mode: str | None = None  # the mode of the current (or last) call, read by forward_reference
    forward_options = ("lengths", "state", "mode")

    @classmethod
    def make_cell(cls, input_size, hidden_size, *, bias=True):
        return cls.cell_class(input_size, hidden_size, bias=bias)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: Tensor | None = None, *,
                mode: str | None = None, hx=None, **options):
        if mode is None:  # on CPU the loop measured 4-9x faster than the scan (docs/kernels.md)
            mode = "parallel" if isinstance(x, Tensor) and x.is_cuda else "sequential"
        if mode not in MODES:
            raise ValueError(f"{type(self).__name__}: mode must be one of {MODES}, got {mode!r}")
        self.mode = mode
        # hx: torch.nn's keyword, refused there with its fix, as are other keywords (Keras's mask, initial_state)
        return super().forward(x, lengths, state, hx=hx, **options)

    def forward_reference(self, x: Tensor, lengths: Tensor | None, state: Tensor | None):
        """The readable path of the mode: the per-step loop, or the log-space scan in torch."""
        if self.mode == "sequential":
            return super().forward_reference(x, lengths, state)
        return scan.run_parallel(self, x, lengths, state)


_MINIMAL_NOTE = """
    ``forward(x, lengths=None, state=None, *, mode=None)``: ``mode="sequential"`` runs the per-step loop of
    :class:`rnnkit.Recurrent`; ``mode="parallel"`` runs all steps at once as a log-space scan
    (:mod:`rnnkit.kernels.scan`, Heinsen 2023, computed in float64). Both compute the same function, to float
    rounding; padded steps leave the state unchanged. The default is parallel on GPU and sequential on CPU,
    where the scan's logcumsumexp made it 4-9x slower than the loop (docs/kernels.md). ``mode`` chooses
    the algorithm and ``backend`` its implementation: ``"reference"`` is the readable torch code of the mode,
    ``"fused"`` one Triton scan kernel for either mode (exact against the loop), ``"cpu_loop"`` the sequential
    loop in C++ on CPU, and ``"auto"`` picks the fused kernel on GPU when Triton is installed and the C++ loop
    on CPU in sequential mode. The recurrent dropouts run in sequential mode only.
"""


class MinGRU(_Minimal, cell_name="mingru"):
    __doc__ = """minGRU layer (:class:`rnnkit.cells.MinGRUCell`, Feng et al. 2024): gates from ``x_t`` only,
    ``h_t = (1 - z_t) * h_{t-1} + z_t * g(W_h x_t + b_h)``.
""" + _MINIMAL_NOTE + _SHAPES.format(state_note="")

    cell_class = MinGRUCell


class MinLSTM(_Minimal, cell_name="minlstm"):
    __doc__ = """minLSTM layer (:class:`rnnkit.cells.MinLSTMCell`, Feng et al. 2024): gates from ``x_t`` only,
    ``h_t = f'_t * h_{t-1} + i'_t * g(W_h x_t + b_h)`` with the normalised gates ``f' = f / (f + i)``,
    ``i' = i / (f + i)``; the state is h alone.
""" + _MINIMAL_NOTE + _SHAPES.format(state_note="")

    cell_class = MinLSTMCell
