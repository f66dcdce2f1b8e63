"""torch's own fused RNN kernels (cuDNN on GPU, ATen/oneDNN on CPU) run on rnnkit's parameters.

The fused ops take a flat list of weights in torch.nn's order (per layer, per direction: ``weight_ih,
weight_hh, bias_ih, bias_hh``). rnnkit's cells hold exactly these tensors with torch.nn's names and layouts,
so the list is made of the cells' own ``nn.Parameter`` objects: no copy, nothing that can drift, and the
gradients land on the cells' parameters.

On GPU cuDNN wants the weights in one contiguous buffer; given separate tensors it copies them into one at
every call. So, as ``torch.nn.RNNBase.flatten_parameters`` does, :func:`flatten_weights` makes the cells'
parameters views into one buffer in cuDNN's layout (``torch._cudnn_rnn_flatten_weight``) before the first
cuDNN call, and again whenever they no longer share one storage (after ``.to()``, ``.half()``, loading a
state dict by assignment). The parameters stay the same ``nn.Parameter`` objects, so optimizers, their
state and in-place updates are unaffected. On CPU nothing is flattened: torch's CPU kernels take the tensors
as they are.
"""

from __future__ import annotations

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from ..cells import ElmanCell, GRUCell, LSTMCell, LSTMState
from ..cells.base import has_hooks

_DTYPES = {
    "cpu": (torch.float32, torch.float64),
    "cuda": (torch.float16, torch.bfloat16, torch.float32, torch.float64),
}


def _op(cell):
    if type(cell) is LSTMCell:
        return torch._VF.lstm
    if type(cell) is GRUCell:
        return torch._VF.gru
    return torch._VF.rnn_tanh if cell.nonlinearity == "tanh" else torch._VF.rnn_relu


def can_use_native(layer, x: Tensor) -> tuple[bool, str]:
    """Whether torch's fused kernels compute exactly what ``layer`` (a Stacked) would, and why (not)."""
    cells = layer.cells()
    kind = type(cells[0])
    if kind not in (ElmanCell, LSTMCell, GRUCell):
        return False, f"torch has no fused kernel for {kind.__name__} (only ElmanCell, LSTMCell, GRUCell)"
    if any(type(c) is not kind for c in cells):
        return False, "layers mix cell types"
    if kind is ElmanCell and len({c.nonlinearity for c in cells}) > 1:
        return False, "layers mix nonlinearities"
    if len({c.bias_ih is None for c in cells}) > 1:
        return False, "some layers have biases and others not"
    for d in layer.directions():
        if d.uses_recurrent_dropout:
            return (
                False,
                "recurrent dropout (input/hidden variational dropout or zoneout) runs on the reference path "
                "and the C++ CPU loop only",
            )
    directions = layer.directions()
    if layer.bidirectional and not all(d.reverse == bool(i % 2) for i, d in enumerate(directions)):
        return False, "direction order is not forward, backward"
    if not layer.bidirectional and any(d.reverse for d in directions):
        return False, "a single-direction reversed layer has no fused equivalent"
    hooked = hooked_layer(layer)
    if hooked is not None:
        return False, (f"{hooked} has hooks of its own (forward, pre-forward or backward), which torch's fused "
                       f"op would skip: it runs every layer and direction at once, where the other paths call each "
                       f"(backend='auto' runs one of them)")
    if x.device.type not in _DTYPES:
        return False, f"no fused RNN kernel on device {x.device.type!r}"
    if x.dtype not in _DTYPES[x.device.type]:
        return False, f"dtype {x.dtype} has no fused RNN kernel on {x.device.type}"
    if any(p.dtype != x.dtype or p.device != x.device for c in cells for p in c.parameters()):
        return False, "parameters and input differ in dtype or device"
    if x.device.type == "cpu" and torch.is_autocast_enabled("cpu") and x.dtype != torch.float64:  # left in float64
        low = torch.get_autocast_dtype("cpu")  # the fused CPU kernel runs in it through oneDNN, which needs
        supported = {torch.bfloat16: torch.ops.mkldnn._is_mkldnn_bf16_supported,  # the CPU's own support
                     torch.float16: torch.ops.mkldnn._is_mkldnn_fp16_supported}.get(low)
        if supported is not None and not supported():
            return False, f"autocast to {low} on a CPU without oneDNN {low} support (torch's fused kernel fails)"
        if low == torch.float16 and kind is LSTMCell:  # even where oneDNN reports float16 support (AVX-512)
            return False, ("autocast to float16: torch's fused CPU LSTM fails in oneDNN (could not create a "
                           "primitive descriptor), as torch.nn.LSTM does")
    return True, f"torch fused {kind.__name__.removesuffix('Cell').lower()} kernel on {x.device.type}"


def hooked_layer(layer) -> str | None:
    """The name (``layers.0``, ``layers.1.backward_layer``) of the first layer or direction inside ``layer`` (a
    Stacked) that carries hooks (a ``register_forward_hook`` to read layer 0's output, a full backward hook), or
    None. :meth:`rnnkit.Stacked.unroll` calls each as a module, so its hooks run on every path that walks the
    layers; torch's fused op walks none."""
    inner = (m for sub in layer.layers for m in (sub, *getattr(sub, "directions", ())))  # Bidirectional's two
    for module in inner:  # a few dict tests per call; the name only when found
        if has_hooks(module):
            return next(name for name, m in layer.named_modules() if m is module)
    return None


_CUDNN_MODES = {GRUCell: "GRU", LSTMCell: "LSTM"}


def _flattens(x: Tensor) -> bool:
    """Whether the call goes to cuDNN, which wants the weights in one buffer."""
    return x.is_cuda and torch.backends.cudnn.is_acceptable(x) and torch._use_cudnn_rnn_flatten_weight()


def _cudnn_flatten(layer, weights: list[Tensor]) -> None:
    """Copy ``weights`` into one new buffer in cuDNN's layout and make each a view into it (in place)."""
    import torch.backends.cudnn.rnn as cudnn_rnn

    cell = layer.cells()[0]
    mode = _CUDNN_MODES.get(type(cell)) or f"RNN_{cell.nonlinearity.upper()}"
    with torch.cuda.device_of(weights[0]):
        torch._cudnn_rnn_flatten_weight(
            weights, 4 if cell.bias_ih is not None else 2, layer.input_size, cudnn_rnn.get_cudnn_mode(mode),
            layer.hidden_size, 0, layer.num_layers, True, layer.bidirectional,
        )


def flatten_weights(layer, weights: list[Tensor], x: Tensor) -> bool:
    """Make ``weights`` (torch.nn's order) views into one cuDNN buffer unless they already share one storage;
    whether it flattened now. A no-op off cuDNN."""
    if not _flattens(x) or len({w.untyped_storage().data_ptr() for w in weights}) == 1:
        return False
    with torch.no_grad():  # replaces the parameters' storage in place, as torch.nn's flatten_parameters
        _cudnn_flatten(layer, weights)
    return True


def run_native(layer, x: Tensor, lengths: Tensor | None, state) -> tuple[Tensor, object]:
    """Run a Stacked layer through torch's fused op; same inputs and outputs as ``forward_reference``."""
    cells = layer.cells()
    weights = [p for c in cells for p in (c.weight_ih, c.weight_hh, c.bias_ih, c.bias_hh) if p is not None]
    flatten_weights(layer, weights, x)
    if state is None:
        state = layer.initial_state(x.shape[0], device=x.device, dtype=x.dtype)
    hx = [
        f.transpose(0, 1).contiguous() for f in (state if isinstance(state, tuple) else (state,))
    ]  # (L*D, B, H)
    is_lstm = type(cells[0]) is LSTMCell
    hx_arg = hx if is_lstm else hx[0]
    common = (
        weights,
        cells[0].bias_ih is not None,
        layer.num_layers,
        layer.dropout,
        layer.training,
        layer.bidirectional,
    )
    op = _op(cells[0])
    T = x.shape[1]
    if lengths is None or bool((lengths == T).all()):
        out, *h = op(x, hx_arg, *common, True)
    else:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        order = packed.sorted_indices
        hx_sorted = [f.index_select(1, order) for f in hx]
        out_data, *h = op(packed.data, packed.batch_sizes, hx_sorted if is_lstm else hx_sorted[0], *common)
        out_packed = PackedSequence(out_data, packed.batch_sizes, order, packed.unsorted_indices)
        out, _ = pad_packed_sequence(out_packed, batch_first=True, total_length=T)
        h = [f.index_select(1, packed.unsorted_indices) for f in h]
    h = [f.transpose(0, 1) for f in h]  # (B, L*D, H)
    return out, LSTMState(*h) if is_lstm else h[0]
