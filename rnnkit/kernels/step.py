"""A lean single step for streaming inference: ``x_t, state -> (y_t, new_state)`` without autograd.

A streaming step at batch 1 is a few small matmuls and a handful of ``(1, H)`` pointwise operations, so its
time is the count of ATen calls, not arithmetic. The cell's own ``project`` + ``step`` (the readable
definition, which the layer's loops use) spend a dozen or more calls; :func:`inference_step` computes the
same equations with the same parameters in fewer:

- ``LSTMCell``, ``GRUCell``, ``ElmanCell``: torch's fused single-step kernels, ``torch.lstm_cell``,
  ``torch.gru_cell``, ``torch.rnn_tanh_cell`` / ``torch.rnn_relu_cell`` (what ``torch.nn.LSTMCell`` &c.
  call), on the cell's ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``: these cells' maths, gate
  order and parameter layout are torch.nn's (their docstrings);
- ``LayerNormLSTMCell``: on CPU in float32/float64, one call of the C++ CPU loop's step (:mod:`.cpu_loop`:
  the two matmuls, then the block norms, gates, cell norm and output in one pass over the row, the loop's own
  code), once its extension is built; otherwise each block norm with its gain (and the bias) as one
  ``group_norm`` of four groups, one sigmoid over all four gates (the candidate's tanh taken beside it);
- ``MinGRUCell``, ``MinLSTMCell``: one ``linear`` for the projection and one sigmoid over the whole projected
  row (the gates and the negative side of the candidate's ``g``);
- ``TimeAware`` around any cell: its input decay, imputation, carried ``x_last`` and hidden decay in one call of
  the C++ CPU loop's ``time_aware_step`` (on CPU in float32/float64, once the extension is built; else in six
  torch calls, two of them ``lerp``), then the inner cell's step as above (the reference for a cell without a
  lean one); around an LSTM, GRU or Elman cell the C++ call runs the inner step too (the loop's own code).
  Its state is a :class:`rnnkit.cells.time_aware.Stream`, the inner state and ``x_last``
  (:meth:`rnnkit.TimeAware.stream_start`), and its reference is :meth:`rnnkit.TimeAware.stream_step`.

Nothing is cached: every call reads the parameters as they are, so an optimizer step, ``load_state_dict`` or
``.to()`` is seen at the next step. Any other cell (ConvLSTM, a user's cell, a subclass of a
built-in cell) and any call with autograd on runs the reference ``cell.step(cell.project(x_t), state)``;
:func:`step_backend` says which runs and why. Shapes: ``x_t (B, F)``, states ``(B, H)`` as the cell's. A cell that
carries the forward pre-hook of torch.nn.utils' ``weight_norm``, ``spectral_norm`` or ``prune`` is refused, as the
layers refuse it: neither step calls the cell's ``forward``, so the hook would never recompute the weight.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..cells import ElmanCell, GRUCell, LayerNormLSTMCell, LSTMCell, LSTMState, MinGRUCell, MinLSTMCell, TimeAware
from ..cells.base import Cell, State, _first_weight, hidden_of, replace_hidden, unmixed_dtypes
from ..cells.minimal import log_gate_ratio
from ..cells.time_aware import Stream
from ..layers.checks import has_hooks, refuse_stale_weight_hooks
from . import cpu_loop


def _lstm(cell: LSTMCell, x: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
    h, c = torch.lstm_cell(x, (state.h, state.c), cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    return h, LSTMState(h, c)


def _gru(cell: GRUCell, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
    h = torch.gru_cell(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    return h, h


def _elman(cell: ElmanCell, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
    fn = torch.rnn_tanh_cell if cell.nonlinearity == "tanh" else torch.rnn_relu_cell
    h = fn(x, h, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
    return h, h


def _layernorm_lstm(cell: LayerNormLSTMCell, x: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
    H, eps = cell.hidden_size, cell.eps
    # group_norm over 4 groups of H channels is layer_norm_blocks(., 4) with a per-channel gain and shift
    pre = torch.group_norm(F.linear(x, cell.weight_ih), 4, cell.gamma_ih, cell.bias, eps, False)
    pre.add_(torch.group_norm(F.linear(state.h, cell.weight_hh), 4, cell.gamma_hh, None, eps, False))
    # view + unbind: fewer dispatcher calls than chunk; the candidate's sigmoid is not used
    i, f, _, o = torch.sigmoid(pre).view(-1, 4, H).unbind(1)  # (B, H) each
    g = torch.tanh(pre.narrow(1, 2 * H, H))
    c = torch.addcmul(f * state.c, i, g)
    h = torch.tanh(torch.layer_norm(c, (H,), cell.gamma_c, cell.beta_c, eps, False)).mul_(o)
    return h, LSTMState(h, c)


def _layernorm_lstm_cpp(cell: LayerNormLSTMCell, x: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
    # the step reads the gains and shifts as dense arrays: a strided one (sliced out of a larger buffer) is
    # made contiguous here, or its values are misread (a no-op for the usual contiguous parameters)
    vectors = [None if t is None else t.contiguous()
               for t in (cell.gamma_ih, cell.gamma_hh, cell.bias, cell.gamma_c, cell.beta_c)]
    h, c = torch.ops.rnnkit_cpu_loop.lnlstm_step(x, state.h, state.c, cell.weight_ih, cell.weight_hh,
                                                 *vectors, cell.eps)
    return h, LSTMState(h, c)


def _cpp_step(weight: Tensor, x: Tensor) -> tuple[bool, str]:
    """Whether a C++ step runs a cell whose parameters are like ``weight`` on ``x``, and why (not)."""
    if x.device.type != "cpu" or weight.device.type != "cpu":
        return False, "the C++ step runs on CPU only"
    if x.dtype not in (torch.float32, torch.float64) or weight.dtype != x.dtype:
        return False, "the C++ step runs float32 and float64 with parameters of the input's dtype"
    if torch.is_autocast_enabled("cpu"):  # its products would come back in autocast's dtype, which it cannot read
        return False, "autocast is on, and the C++ step computes in float32 and float64 only"
    return cpu_loop.build()  # cached: built (or loaded) once per process


def _g(p: Tensor, sigmoid_p: Tensor) -> Tensor:
    """The minimal cells' ``g(p) = p + 0.5 if p >= 0 else sigmoid(p)``, given ``sigmoid(p)``."""
    return torch.where(p >= 0, p + 0.5, sigmoid_p)


def _min_gru(cell: MinGRUCell, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
    H = cell.hidden_size
    xw = F.linear(x, cell.weight_ih, cell.bias_ih)  # (B, 2H): z, h~
    z, sigmoid_p = torch.sigmoid(xw).view(-1, 2, H).unbind(1)
    h = torch.addcmul((1 - z) * h, z, _g(xw.narrow(1, H, H), sigmoid_p))
    return h, h


def _min_lstm(cell: MinLSTMCell, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
    H = cell.hidden_size
    xw = F.linear(x, cell.weight_ih, cell.bias_ih)  # (B, 3H): f, i, h~
    u = log_gate_ratio(xw.narrow(1, 0, H), xw.narrow(1, H, H))  # f / (f + i) = sigmoid(-u), finite where f, i are 0
    p = xw.narrow(1, 2 * H, H)
    h = torch.addcmul(torch.sigmoid(-u) * h, torch.sigmoid(u), _g(p, torch.sigmoid(p)))
    return h, h


def _time_aware(cell: TimeAware, x: Tensor, stream: Stream) -> tuple[Tensor, Stream]:
    h, inner, cpp = hidden_of(stream.state), cell.cell, _cpp_step(cell.w_x, x)[0]
    if cpp and (kind := _FUSED_INNER.get(type(inner))) is not None:  # the whole step in one call
        lstm = type(inner) is LSTMCell
        relu = type(inner) is ElmanCell and inner.nonlinearity == "relu"
        *_, x_last, _, h, c = torch.ops.rnnkit_cpu_loop.time_aware_step(
            x, stream.x_last, h, cell.w_x, cell.b_x, cell.x_mean, cell.decay_h.weight, cell.decay_h.bias, kind,
            stream.state.c if lstm else None, inner.weight_ih, inner.weight_hh, inner.bias_ih, inner.bias_hh, relu)
        return h, Stream(LSTMState(h, c) if lstm else h, x_last)
    if cpp:
        x_in, x_last, h = torch.ops.rnnkit_cpu_loop.time_aware_step(
            x, stream.x_last, h, cell.w_x, cell.b_x, cell.x_mean, cell.decay_h.weight, cell.decay_h.bias)
    else:  # TimeAware.project_step's equations in fewer calls: lerp(a, b, w) is a + w (b - a)
        x_, m, delta = x.unflatten(1, (3, cell.n_features)).unbind(1)
        x_last = torch.where(m != 0, x_, stream.x_last)
        gamma_x = torch.exp(torch.addcmul(cell.b_x, cell.w_x, delta).relu_().neg_())
        x_in = torch.cat([torch.lerp(torch.lerp(cell.x_mean.to(x.dtype), x_last, gamma_x), x_, m), m], dim=1)
        # out of place, as TimeAware.decay: under autocast gamma_h comes in its dtype and h in float32, and the
        # decayed state takes the wider of the two as the reference's does (in place it kept bfloat16)
        h = h * torch.exp(F.linear(delta, cell.decay_h.weight, cell.decay_h.bias).relu_().neg_())
    state = replace_hidden(stream.state, h)
    if (entry := _LEAN.get(type(inner))) is None:
        y, state = inner.step(inner.project(x_in), state)
    elif type(inner) is LayerNormLSTMCell and _cpp_step(inner.weight_hh, x_in)[0]:
        y, state = _layernorm_lstm_cpp(inner, x_in, state)
    else:
        y, state = entry[0](inner, x_in, state)
    return y, Stream(state, x_last)


# the inner cells whose step the C++ TimeAware step runs itself (the loop's cell_forward), by the loop's kind
_FUSED_INNER = {k: cpu_loop.KINDS[k] for k in (LSTMCell, GRUCell, ElmanCell)}

_LEAN = {
    LSTMCell: (_lstm, "torch.lstm_cell"),
    GRUCell: (_gru, "torch.gru_cell"),
    ElmanCell: (_elman, "torch.rnn_tanh_cell or torch.rnn_relu_cell"),
    LayerNormLSTMCell: (_layernorm_lstm, "lean LayerNorm-LSTM step"),
    MinGRUCell: (_min_gru, "lean minGRU step"),
    MinLSTMCell: (_min_lstm, "lean minLSTM step"),
    TimeAware: (_time_aware, "lean TimeAware step"),
}


def step_backend(cell: Cell) -> tuple[str, str]:
    """``("lean" | "reference", reason)``: what :func:`inference_step` runs for ``cell`` here and now (for an
    input of the parameters' dtype and device)."""
    entry = _LEAN.get(type(cell))
    if entry is None:
        return "reference", f"{type(cell).__name__} has no lean step (exact built-in cell types only)"
    if torch.is_grad_enabled():
        return "reference", "autograd is on (the lean step runs under torch.inference_mode() or no_grad())"
    if type(cell) is ElmanCell:
        return "lean", f"torch.rnn_{cell.nonlinearity}_cell"
    if type(cell) is LayerNormLSTMCell:
        ok, why = _cpp_step(cell.weight_hh, cell.weight_hh)
        return "lean", "the C++ CPU loop's LayerNorm-LSTM step" if ok else f"{entry[1]} ({why})"
    if type(cell) is TimeAware:
        ok, why = _cpp_step(cell.w_x, cell.w_x)
        inner = cell.cell
        if ok and type(inner) in _FUSED_INNER:
            return "lean", f"the C++ CPU loop's TimeAware step with the {type(inner).__name__}'s step in it"
        with torch.no_grad():  # the inner cell's step as this one runs it, with autograd off
            kind, how = step_backend(inner)
        then = how if kind == "lean" else f"{type(inner).__name__}'s reference step ({how})"
        first = "the C++ CPU loop's TimeAware step" if ok else f"{entry[1]} ({why})"
        return "lean", f"{first}, then {then}"
    return "lean", entry[1]


def inference_step(cell: Cell, x_t: Tensor, state: State) -> tuple[Tensor, State]:
    """One step from the raw input: ``x_t (B, F)``, ``state`` -> ``(y_t (B, H), new_state)``, equal to
    ``cell.step(cell.project(x_t), state)`` up to rounding (a TimeAware cell's: ``cell.stream_step(x_t, state)``,
    its state a :class:`rnnkit.cells.time_aware.Stream`). Lean (module docstring) for the built-in cells
    when autograd is off; otherwise that reference expression."""
    weight = cell.weight_ih if isinstance(getattr(cell, "weight_ih", None), Tensor) else _first_weight(cell)
    if not isinstance(x_t, Tensor):  # a stream's reading as numpy gives it: x_t.dim() was an AttributeError
        shape = f" of shape {tuple(x_t.shape)}" if hasattr(x_t, "shape") else ""
        dtype = torch.float32 if weight is None else weight.dtype
        raise ValueError(f"inference_step: x_t must be a tensor (batch, {cell.input_size}), got "
                         f"{type(x_t).__name__}{shape}; convert it with torch.as_tensor(x_t, dtype={dtype}) (one "
                         f"reading of {cell.input_size} values: torch.as_tensor(x_t, dtype={dtype})[None])")
    if x_t.dim() != 2 or x_t.shape[1] != cell.input_size:
        F = cell.input_size
        fix = "pass x[:, t] of a (batch, time, features) input"
        if x_t.dim() == 1 and x_t.shape[0] == F:
            fix = "one reading without its batch axis? pass x_t[None], a batch of one"
        elif x_t.dim() == 2:  # the shape alone cannot tell these apart: a guess is asked, the features' fix kept
            fix = (f"x_t holds {x_t.shape[1]} features: give the step the {F} the cell was built for, or build the "
                   f"cell for these, input_size={x_t.shape[1]}")
            if x_t.shape[0] == F:
                fix = f"features first (features, batch)? pass x_t.T; if {fix}"
            elif F == 1:
                fix = (f"a series of one feature, (batch, time)? step it one time at a time, x_t = x[:, t, None]; "
                       f"if {fix}")
        raise ValueError(f"inference_step: x_t has shape {tuple(x_t.shape)}; {type(cell).__name__} reads one step "
                         f"of shape (batch, {F}): {fix}")
    if weight is not None and x_t.dtype != weight.dtype and unmixed_dtypes(x_t, weight.dtype) is not None:
        # torch's words ("mat1 and mat2 must have the same dtype") name no cell and no fix
        numpy = " (a reading from numpy is float64)" if x_t.dtype == torch.float64 else ""
        raise ValueError(f"inference_step: x_t is {x_t.dtype} but the {type(cell).__name__}'s parameters are "
                         f"{weight.dtype}; convert the input with x_t.to({weight.dtype}){numpy} or the cell with "
                         f"cell.to({x_t.dtype}){unmixed_dtypes(x_t, weight.dtype)}")
    if has_hooks(cell):  # none would ever run
        refuse_stale_weight_hooks(cell, "inference_step")  # weight_norm / spectral_norm / prune: refused; others warned
    entry = _LEAN.get(type(cell))
    if isinstance(cell, TimeAware):
        if not isinstance(state, Stream):
            raise ValueError(f"inference_step: a TimeAware cell streams with the last observed value of each feature "
                             f"beside its state, so state must be a Stream (got {type(state).__name__}): start "
                             f"from cell.stream_start(batch_size) and pass on the state each step returns")
        cell.check_stream_input(x_t, "inference_step")  # as stream_step does: a NaN reading would poison the state
        if entry is None or torch.is_grad_enabled():
            return cell.stream_step(x_t, state)
    elif entry is None or torch.is_grad_enabled():
        return cell.step(cell.project(x_t), state)
    if type(cell) is LayerNormLSTMCell and _cpp_step(cell.weight_hh, x_t)[0]:
        return _layernorm_lstm_cpp(cell, x_t, state)
    return entry[0](cell, x_t, state)
