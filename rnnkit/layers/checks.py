"""Input validation shared by the layers: bad input raises ValueError naming what was expected."""

from __future__ import annotations

import contextlib
import contextvars
import math
import numbers
import os
import sys
import warnings

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils.prune import BasePruningMethod
from torch.nn.utils.rnn import PackedSequence
from torch.nn.utils.spectral_norm import SpectralNorm
from torch.nn.utils.weight_norm import WeightNorm

from ..cells.base import HOOK_DICTS, Cell, frames_fix, has_hooks, readable, unbatched, unmixed_dtypes, vmap_sample
from ..cells.minimal import MinGRUCell, MinLSTMCell
from ..cells.time_aware import TimeAware, first_bad, refuse_not_finite
from ..checks import _PACKAGE, closest_name, is_number_text, short_repr

# the method that converts a tensor or a module to each floating dtype
_CONVERT = {torch.float64: "double()", torch.float32: "float()", torch.float16: "half()",
            torch.bfloat16: "bfloat16()"}


def _convert(dtype: torch.dtype) -> str:
    return _CONVERT.get(dtype, f"to({dtype})")


def check_input(x: Tensor, layer: nn.Module, lengths: Tensor | None, who: str, *,
                inner: bool = False) -> Tensor | None:
    """Validate ``x (B, T, F)`` against ``layer`` (its ``input_size``, its parameters' dtype and device) and
    ``lengths (B,)``; return lengths as int64 on x's device (or None). ``inner``: a layer of a stack, called by it
    with the stack's input checked already or with the outputs of the layer before (a TimeAware layer's mask and
    gaps are read on the user's input only).

    x must have the parameters' dtype, except under autocast (mixed precision), where torch casts each op's
    operands itself."""
    input_size = layer.input_size
    if isinstance(x, PackedSequence):  # torch.nn's packed input: rnnkit takes the padded batch and its lengths
        raise ValueError(
            f"{who}: x is a PackedSequence; rnnkit layers take the padded batch and its lengths: "
            f"x, lengths = torch.nn.utils.rnn.pad_packed_sequence(x, batch_first=True), then layer(x, lengths)"
        )
    if not isinstance(x, Tensor):
        fix = ""
        if isinstance(x, list | tuple) and x and all(isinstance(s, Tensor) for s in x):  # a Dataset's sequences
            shapes = sorted({tuple(s.shape) for s in x})
            fix = (f" of {len(x)} tensors ({', '.join(map(str, shapes[:3]))}{', ...' if len(shapes) > 3 else ''}); a "
                   f"list of sequences (T_i, F)? pad them into one batch: x = torch.nn.utils.rnn.pad_sequence(seqs, "
                   f"batch_first=True), lengths = torch.tensor([len(s) for s in seqs]), then layer(x, lengths)")
        param = next(layer.parameters(), None)
        dtype = torch.float32 if param is None else param.dtype
        device = "cpu" if param is None else str(param.device)
        if isinstance(x, list | tuple) and not fix:  # nested lists of numbers, as json or a CSV reader gives them
            try:
                values = np.asarray(x)
            except ValueError:  # ragged: numpy's "inhomogeneous shape"
                values = None
                fix = ("; a list of sequences of other lengths? make each a tensor (T_i, F) and pad them into one "
                       "batch: torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True), with their lengths")
            if values is not None and values.dtype.kind in "biuf":
                fix = f" of shape {values.shape}; convert it with torch.tensor(x, dtype={dtype}, device={device!r})"
            elif values is not None:
                first = short_repr(values.ravel()[:1].tolist()[0]) if values.size else "nothing"
                fix = f" of shape {values.shape} holding {first}, not numbers; give x the features' values as numbers"
        if hasattr(x, "__array__"):  # numpy's or pandas' arrays: torch's tensor of them, in the layer's dtype
            frame = hasattr(x, "to_numpy") and np.ndim(x) == 2  # a pandas frame: one sequence, its rows the steps
            one = ".unsqueeze(0) (the frame as one sequence, its rows the steps)" if frame else ""
            fix = (f" of shape {tuple(np.shape(x))}; convert it with torch.as_tensor("
                   f"x{'.to_numpy()' if frame else ''}, dtype={dtype}, device={device!r}){one}")
        raise ValueError(f"{who}: x must be a torch.Tensor of shape (B, T, F), got {type(x).__name__}{fix}")
    if x.dim() != 3:
        fix = "add a batch dimension with x.unsqueeze(0) or a feature one with x.unsqueeze(-1)"
        if x.dim() == 2 and not x.is_floating_point() and not x.is_complex() and x.dtype != torch.bool:
            ids = (f"integer token ids or codes (B, T)? a layer reads vectors, not ids: embed them first, "
                   f"torch.nn.Embedding(num_tokens, {input_size})(x), or one-hot them, "
                   f"torch.nn.functional.one_hot(x, num_tokens).float() for a layer of input_size=num_tokens")
            series = "a series of one measured feature (B, T), counts say? x.unsqueeze(-1).float()"
            # the likelier first: a layer of one feature reads a series of counts; a wider one, embedded ids
            fix = f"{series}; {ids}" if input_size == 1 else f"{ids}; {series}"
        if x.dim() > 3:  # more dimensions than a layer reads: one vector per step, e.g. flattened frames
            frames = frames_fix(_first_cell(layer), tuple(x.shape)) if math.prod(x.shape[2:]) == input_size else None
            fix = (f"pass {frames}" if frames else
                   f"give one vector of {input_size} features per step, e.g. x.flatten(2) (frames (B, T, C, H, W) "
                   f"travel flattened, as for ConvLSTMCell)" if math.prod(x.shape[2:]) == input_size
                   else "flatten or select the dimensions after time so that each step is one feature vector")
        raise ValueError(
            f"{who}: x must have shape (batch, time, features) = (B, T, {input_size}), got shape "
            f"{tuple(x.shape)}; {fix}"
        )
    if x.is_complex():  # x.float() would drop the imaginary part
        raise ValueError(f"{who}: x is complex ({x.dtype}); the layers compute in real numbers: give the real and "
                         f"imaginary parts as two features, torch.view_as_real(x).flatten(-2)")
    if not x.is_floating_point():
        fix = "use x.float()"
        if x.dtype != torch.bool:  # the values may be counts, or ids that x.float() would read as magnitudes
            ids = (f"torch.nn.Embedding(num_tokens, {input_size})(x[..., 0])" if x.shape[2] == 1 else
                   "torch.nn.functional.one_hot(x, num_codes).flatten(2).float(), with the layer built for its width")
            fix = (f"measurements or counts? use x.float(); integer token ids or category codes? embed or one-hot "
                   f"them rather than read them as magnitudes: {ids}")
        raise ValueError(f"{who}: x must be a floating-point tensor, got dtype {x.dtype}; {fix}")
    param = next((p for p in layer.parameters() if p.is_floating_point()), None)
    if param is not None and x.device != param.device:
        raise ValueError(
            f"{who}: x is on {x.device} but the layer's parameters are on {param.device}; move one to the "
            f"other: x.to({str(param.device)!r}) or layer.to({str(x.device)!r})"
        )
    if param is not None and (mixed := unmixed_dtypes(x, param.dtype)) is not None:
        raise ValueError(
            f"{who}: x is {x.dtype} but the layer's parameters are {param.dtype}; convert the input with "
            f"x.{_convert(param.dtype)} or the layer with layer.{_convert(x.dtype)}{mixed}"
        )
    B, T, F = x.shape
    if F != input_size:
        hint = ("; channels first (B, F, T), as sktime's and aeon's 3-D arrays? pass x.transpose(1, 2)"
                if T == input_size else f"; give x the {input_size} feature(s) the layer was built for, in the "
                f"columns and order of its training, or build the layer for these: input_size={F}")
        if isinstance(_first_cell(layer), TimeAware) and 3 * F == input_size:
            hint = ("; TimeAware reads [x, mask, delta], 3 features per value: build them from the values (NaN "
                    "where missing) with rnnkit.time_aware_inputs(values, times)")
        raise ValueError(
            f"{who}: x has {F} features (last dim) but the layer expects input_size={input_size}{hint}"
        )
    if B == 0 or T == 0:
        raise ValueError(
            f"{who}: x must have at least one sequence and one time step, got shape {tuple(x.shape)}; "
            + ("skip the call for an empty batch (e.g. if x.shape[0]:), or drop the filter that emptied it" if B == 0
               else "each sequence needs at least one step: drop the empty sequences or pad them to one step")
        )
    if lengths is None:
        _check_time_aware(x, layer, None, who, inner)
        return None
    if _looks_like_state(lengths):  # torch.nn's habit: layer(x, hx) or layer(x, (h0, c0))
        raise ValueError(
            f"{who}: the second argument is lengths (B,), but it got a state (floating-point tensors); pass the "
            f"initial state by name, layer(x, state=...), batch-first: torch.nn's (L*D, B, H) is state.transpose(0, 1)"
        )
    lengths = check_lengths(lengths, B, T, x.device, who)
    _check_time_aware(x, layer, lengths, who, inner)
    return lengths


def refuse_stale_weight_hooks(layer: nn.Module, who: str) -> None:
    """ValueError if a cell in ``layer`` carries the forward pre-hook of ``torch.nn.utils.weight_norm``,
    ``spectral_norm`` or ``prune``: the hook recomputes the weight before the module's forward, but a layer steps its
    cells (``project``, ``step``) without calling them, so it never runs. The weight would stay as at registration:
    for ``spectral_norm`` the raw, unnormalised weight, never trained (its ``_orig`` gets no gradient), silently; for
    ``weight_norm`` and ``prune`` a tensor whose graph the second backward finds freed. The parametrizations
    (``torch.nn.utils.parametrizations``, ``parametrize.register_parametrization``) compute it at every access."""
    for path, module in layer.named_modules():
        if not isinstance(module, Cell) or not has_hooks(module):
            continue
        pre = module._forward_pre_hooks.values()
        if any(getattr(module, name) for name in HOOK_DICTS if name != "_forward_pre_hooks") or any(
                not isinstance(hook, WeightNorm | SpectralNorm | BasePruningMethod) for hook in pre):
            warn_cell_hooks(path, module, who)  # once per cell, however many hooks it carries
        for hook in pre:
            if isinstance(hook, WeightNorm | SpectralNorm):
                kind, name = type(hook).__name__.replace("Norm", "_norm").lower(), hook.name
                remove = f"torch.nn.utils.remove_{kind}(cell, {name!r})"
                fix = f"torch.nn.utils.parametrizations.{kind}(cell, {name!r})"
            elif isinstance(hook, BasePruningMethod):
                kind, name = "prune", hook._tensor_name
                remove = f"torch.nn.utils.prune.remove(cell, {name!r}), which keeps the pruned values,"
                fix = (f"torch.nn.utils.parametrize.register_parametrization(cell, {name!r}, mask_module) with a "
                       f"module that multiplies by the mask")
            else:  # warned above
                continue
            where = f"{path or 'the cell'} ({type(module).__name__})"
            raise ValueError(f"{who}: torch.nn.utils.{kind} on {where} registered a forward pre-hook that recomputes "
                             f"{name} before the cell's forward, but the layer steps the cell without calling it, so "
                             f"the hook never runs and {name} would stay as it was at registration (no update of "
                             f"the underlying parameters would reach it); remove it ({remove}) and use {fix}, which "
                             f"computes the weight at every access")


def warn_cell_hooks(path: str, cell: Cell, who: str) -> None:
    """Warn that the forward, pre-forward or backward hooks on ``cell`` never run: no path calls a cell (the layers
    and :func:`rnnkit.kernels.step.inference_step` step it, ``project`` and ``step``; torch's fused op and the C++
    loops run its maths themselves), so a hook put there to read or change what the cell computes saw nothing."""
    owner = path.rpartition(".")[0] if path else ""
    layer = f"the layer {owner}" if owner else "the layer (the Recurrent that holds the cell)"
    warnings.warn(f"{who}: {path or 'the cell'} ({type(cell).__name__}) carries hooks (forward, pre-forward or "
                  f"backward), which never run: the layers step their cells without calling them, on every path; "
                  f"register the hook on {layer}, whose output is the cell's outputs over time and whose final "
                  f"state is its last, or read every step's state with rnnkit.diagnostics.hidden_states "
                  f"(handle.remove() takes the cell's hook off)", UserWarning, stacklevel=3)


TORCH_CELLS = {"LSTMCell": "LSTMCell", "GRUCell": "GRUCell", "RNNCell": "ElmanCell"}


def composable_fix(obj, wanted: str, ref: str = "module") -> str:
    """How to give ``wanted`` (``'a cell'`` for :class:`rnnkit.Recurrent`, ``'a layer'`` for :class:`rnnkit.Stacked`)
    where ``obj`` was given: a class for an instance, torch.nn's module for rnnkit's, a cell for a layer or a layer
    for a cell. ``ref``: how the user reaches ``obj`` (``module.cell`` for a submodule of their model), named where
    its weights are read."""
    name = getattr(obj, "__name__", "") if isinstance(obj, type) else type(obj).__name__
    torch_nn = (obj if isinstance(obj, type) else type(obj)).__module__.startswith("torch.nn")
    if isinstance(obj, type):
        return f"pass an instance, not the class: {name}(input_size, hidden_size)"
    if torch_nn and name in TORCH_CELLS:
        return (f"use rnnkit's own cell, rnnkit.{TORCH_CELLS[name]}({obj.input_size}, {obj.hidden_size}), which "
                f"takes the torch.nn cell's weights with cell.load_state_dict({ref}.state_dict())")
    if torch_nn and name in ("LSTM", "GRU", "RNN"):
        return (f"convert it with rnnkit.{name}.from_torch({ref}) (the same weights), which is a layer of its own"
                + (" and a stack already (its .layers)" if wanted == "a layer" else ""))
    if isinstance(obj, Cell):
        return "wrap the cell in a layer: rnnkit.Recurrent(cell) (rnnkit.Recurrent(cell, reverse=True) runs backward)"
    if wanted == "a cell" and (hasattr(obj, "cells") or hasattr(obj, "directions") or isinstance(
            getattr(obj, "cell", None), Cell)):  # a stack, a Bidirectional or a Recurrent: each a layer
        cell = ("one of its cells, layer.cells()[0]" if hasattr(obj, "cells") else "one of its cells, "
                "layer.forward_layer.cell" if hasattr(obj, "directions") else "its cell, layer.cell")
        return f"{name} is a layer already: use it as it is, or give {cell}"
    if wanted == "a layer" and hasattr(obj, "layers") and hasattr(obj, "cells"):  # rnnkit.LSTM, a Stacked
        return (f"{name} is a stack already: use it as it is, or give its layers, rnnkit.Stacked([*stack.layers, "
                f"...]) (one cell type and hidden_size throughout)")
    return f"give {wanted} of rnnkit's, e.g. rnnkit.LSTMCell(input_size, hidden_size)" + (
        "" if wanted == "a cell" else " wrapped in rnnkit.Recurrent(cell)")


AT_ONE = {  # what each rate of 1 would do, for check_dropout's message
    "dropout": "zero every output of a layer before the next reads it",
    "input_dropout": "zero every input of a sequence",
    "hidden_dropout": "zero the hidden state fed back at every step",
    "zoneout": "keep the initial state at every step",
}


def check_dropout(who: str, name: str, p):
    """The rate ``p`` of the option ``name`` (a dropout or zoneout rate) if it is a probability in ``[0, 1)``: any
    real number but a bool (numpy's too), or a 0-d real tensor, given back as a Python float (``torch.tensor(0.2)``
    from a sweep; F.dropout takes no tensor). ValueError otherwise, with the way on for what it looks like: a
    percentage (20 for 0.2; 100 as 1), 1 (:data:`AT_ONE`: what the layer would then do), a negative or NaN rate, text or
    None."""
    given = p
    if isinstance(p, Tensor) and p.dim() == 0 and not (p.is_complex() or p.dtype == torch.bool):
        p = p.item()
    if isinstance(p, numbers.Real) and not isinstance(p, bool) and 0.0 <= p < 1.0:
        return float(p) if isinstance(given, Tensor) else p
    fix = "give a probability such as 0.1 (0 for none)"
    at_one = f"would {AT_ONE[name]}; give a probability below 1, such as 0.1 to 0.5 (0 for none)"
    if isinstance(p, str):
        fix = f"give it as a number, {name}={p.strip()}" if is_number_text(p) else fix
    elif isinstance(p, numbers.Real) and not isinstance(p, bool):
        if 1 < p < 100:  # other units: a percentage
            fix = f"a percentage? {name} is a probability: {name}={p / 100:g} for {p:g}%"
        elif p == 100:
            fix = f"a percentage? 100% is {name}=1, which {at_one}"
        elif p == 1:
            fix = f"{name}=1 {at_one}"
        elif p < 0:
            fix = f"a probability is at least 0; give 0 for none, or {-p:g} if the sign slipped in"
    raise ValueError(f"{who}: {name} must be a number in [0, 1), got {short_repr(given)}; {fix}")


def refuse_hx(who: str, shape: str, fix: str) -> None:
    """ValueError for torch.nn's keyword ``hx``: rnnkit's initial state is ``state``, batch-first (``shape``), where
    torch.nn's is layers first, so it is not taken under torch's name as it is; ``fix`` converts torch.nn's ``h``."""
    raise ValueError(f"{who}: hx is torch.nn's name for the initial state; rnnkit's is state, batch-first {shape}: "
                     f"layer(x, state=...), with torch.nn's (L*D, B, H) tensors as {fix} (an LSTM's (h0, c0) each)")


_STATE_NAMES = ("initial_state", "initial_states", "init_state", "h0", "h_0", "hidden", "hidden_state", "states")
_LENGTHS_NAMES = ("sequence_length", "sequence_lengths", "seq_lengths", "seq_lens", "seq_len", "length", "lens")


def refuse_options(who: str, options: dict, state_shape: str, known: tuple[str, ...] = ("lengths", "state")) -> None:
    """TypeError for keywords a layer's forward does not take (Keras's ``mask`` and ``initial_state``, TensorFlow's
    ``sequence_length``, a misspelt ``lengths``): Python's own words name the class that holds ``forward``
    (``Stacked.forward() got an unexpected keyword argument``), not the layer built, and no way on."""
    name = next(iter(options))
    if name == "mask":  # Keras's mask (B, T): rnnkit reads a right-padded batch by its lengths
        fix = ("a padding mask (B, T), True at valid steps? rnnkit reads a right-padded batch by its lengths: give "
               "lengths=mask.sum(1)")
    elif name in _STATE_NAMES or closest_name(name, ("state",)):
        fix = f"the initial state is given as state=, batch-first {state_shape}"
    elif name in _LENGTHS_NAMES or closest_name(name, ("lengths",)):
        fix = "each sequence's number of valid steps (B,) is given as lengths=: layer(x, lengths=lengths)"
    else:
        fix = (f"the options are {', '.join(known[:-1])} and {known[-1]}: "
               f"layer(x, {', '.join(f'{k}=None' for k in known)})")
    others = f", and {len(options) - 1} more ({', '.join(map(repr, list(options)[1:]))})" if len(options) > 1 else ""
    raise TypeError(f"{who}: forward takes no option {name!r}{others}; {fix}")


def refuse_script(layer: nn.Module) -> None:
    """ValueError for ``torch.jit.script``, which asks each module it is to compile for ``__prepare_scriptable__``
    first: the layers' Python (the dispatch between backends, NamedTuple states, keyword-only options) is no
    TorchScript, and torch's own error points at the first keyword it cannot read (``hx``), naming no way on."""
    raise ValueError(
        f"{type(layer).__name__}: torch.jit.script cannot compile rnnkit's layers (their forward chooses a backend "
        f"in Python and carries NamedTuple states); trace the model instead, torch.jit.trace(model, (x,)) (a GRU, "
        f"LSTM or RNN traces torch's fused op, right for any batch and length; other cells trace the reference "
        f"loop, unrolled over x's length), or use torch.export.export(model, (x,)) or rnnkit.export_onnx(model, "
        f"directory)")


def warn_unrolled_loop(who: str, cell: Cell, T) -> None:
    """Warn, while ``torch.jit.trace`` records the reference loop or ``torch.export`` traces it over a dynamic time
    axis, that the loop runs over ``T`` in Python, so the graph holds it unrolled over this input's steps: a traced
    module then takes ``T`` steps only, and another length fails later in TorchScript's words (``Expected 5 elements
    in a list but found 7``); an export specializes the time axis to ``T`` (torch's ``Constraints violated``), naming
    neither the layer nor the loop."""
    if not (torch.jit.is_tracing() or isinstance(T, torch.SymInt) and torch.compiler.is_exporting()):
        return
    steps = T.node.hint if isinstance(T, torch.SymInt) else int(T)  # int() of a SymInt would specialize it here
    minimal = isinstance(cell, MinGRUCell | MinLSTMCell)
    if torch.jit.is_tracing():
        other = ("call the layer with mode='parallel' in the traced forward (its scan traces for any length), or "
                 if minimal else "")
        warnings.warn(f"{who}: torch.jit.trace records the reference loop unrolled over this input's {steps} steps, "
                      f"so the traced module takes sequences of {steps} steps only (another length fails in "
                      f"TorchScript's words, 'Expected {steps} elements in a list'); {other}trace with inputs padded "
                      f"to the longest length you will pass and give lengths, or use torch.compile, which runs any "
                      f"length", UserWarning, stacklevel=2)
        return
    other = "call the layer with mode='parallel' (its scan exports for any length), or " if minimal else ""
    warnings.warn(f"{who}: torch.export traces the reference loop over the time axis in Python, so the program holds "
                  f"this input's {steps} steps and a dynamic time axis is specialized to {steps} (torch's 'Constraints "
                  f"violated' for a Dim of axis 1); {other}export with the time axis static (inputs padded to one "
                  f"length, with lengths), or use rnnkit.export_onnx(model, directory), whose graphs run the loop "
                  f"for any length", UserWarning, stacklevel=2)


def check_lengths(lengths, B: int, T: int, device, who: str, *, name: str = "lengths", of: str = "x") -> Tensor:
    """``lengths``, one per sequence of a padded batch ``of`` (``B`` sequences of ``T`` steps), as int64 on
    ``device``; ValueError naming ``name`` and ``of`` unless they are integers in ``[1, T]`` of shape ``(B,)``."""
    try:
        # a pandas Series or another array-like by position, as numpy reads it (torch.as_tensor refuses a Series)
        lengths = torch.as_tensor(lengths if isinstance(lengths, Tensor) or not hasattr(lengths, "__array__")
                                  else np.array(lengths))
    except (TypeError, ValueError, RuntimeError) as e:  # text or None among them: torch's own words name no layer
        shown = next((v for v in lengths if not isinstance(v, numbers.Integral | Tensor)), None) \
            if isinstance(lengths, list | tuple) else lengths
        raise ValueError(f"{who}: {name} must be integers, one per sequence (B,) = ({B},), got "
                         f"{type(lengths).__name__} holding {short_repr(shown)} ({type(shown).__name__}); pass the "
                         f"number of valid steps of each sequence as ints") from e
    if lengths.is_meta:
        elsewhere = "" if torch.device(device).type == "cpu" else f" or {device}"
        raise ValueError(
            f"{who}: {name} is a tensor on the 'meta' device, which holds no values; pass the lengths as a "
            f"list of ints or an integer tensor on the CPU{elsewhere}"
        )
    if lengths.shape != (B,):
        hint = (f"; {of} looks time-first ({'T, B, F' if of == 'x' else 'T, B'}), as pad_sequence gives by default: "
                f"pass {of}.transpose(0, 1) (or pad_sequence(..., batch_first=True))" if lengths.shape == (T,) else "")
        if lengths.dtype == torch.bool and lengths.shape == (B, T):  # a padding mask, as Keras and masked_fill use
            hint = (f"; it is a mask (True at valid steps?): {name} counts each sequence's valid steps, "
                    f"{name}.sum(1) (or (~{name}).sum(1) if True marks the padding, as key_padding_mask does)")
        if lengths.dim() == 0 and B == 1:  # one sequence's length as a number
            hint = f"; for one sequence pass a list of its length, [{lengths.item()}]"
        if lengths.dim() == 2 and B in lengths.shape and 1 in lengths.shape:  # a column or a row: (B, 1), (1, B)
            hint = (f"; one length per sequence in a column or a row: pass {name}.flatten() (np.ravel({name}) for a "
                    f"pandas frame)")
        if not hint:
            hint = _lengths_count_hint(lengths, B, T, name, of)
        raise ValueError(f"{who}: {name} must have shape (B,) = ({B},), got {tuple(lengths.shape)}{hint}")
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
        fix = ("; True and False are not counts of steps: give each sequence's number of valid steps as ints (from a "
               "mask (B, T), mask.sum(1))" if lengths.dtype == torch.bool else "")
        if lengths.is_floating_point():  # counts that went through a float tensor (a mean, a division, np.float64)
            fraction = torch.nonzero(lengths != lengths.round())
            at = None if not len(fraction) else int(fraction[0, 0])
            fix = (f"; they are whole numbers: give them as integers ({name}.long(), or .astype(int) for a numpy "
                   f"array)" if at is None else
                   f"; {name}[{at}] is {lengths[at].item():g}, not a whole number of steps")
        raise ValueError(f"{who}: {name} must be an integer tensor, got dtype {lengths.dtype}{fix}")
    if lengths.dtype in (torch.uint16, torch.uint32, torch.uint64):  # torch has no min/max for these: as int64
        lengths = lengths.to(torch.int64)  # a value past int64 wraps negative and is refused below
    if torch.compiler.is_exporting():  # torch.export traces values it cannot read (its data-dependent error named no
        return lengths.to(device=device, dtype=torch.long)  # way on): a graph holds no check, as TimeAware's
    with readable(lengths):  # batched by torch.func.vmap (per-sample gradients): the values it batches are read
        values, k = unbatched(lengths)
        # one bool read: under torch.compile the lengths never become Python ints between graphs, which would
        # specialise the graph after this check on them (a recompile at each new shortest or longest sequence)
        bad = (values < 1) | (values > T)  # vmapped, the masks read 0 or less as no step and more than T as T, silently
        if bool(bad.any()):
            lo, hi = int(values.min()), int(values.max())
            at = torch.nonzero(bad)[0].tolist()
            first = int(values[tuple(at)])
            if k:  # name the sample of the vmapped dimension, and its own length
                where = f" ({vmap_sample(at[:k])}: sequence {at[k]} of length {first})"
            else:
                where = f" ({name}[{at[0]}] is {first}; {int(bad.sum())} such in all)"
            fixes = []  # each way out only where it applies: no step to read, or more steps than x holds
            if lo < 1:
                fixes.append(f"a length counts a sequence's valid steps, at least 1: drop empty sequences, keep = "
                             f"{name} > 0, then {of}[keep], {name}[keep]")
            if hi > T:
                fixes.append(f"{of} holds {T} steps but a length says {hi}: pad {of} with zeros to the longest "
                             f"sequence ({hi} steps), or give the lengths counted for this {of}")
            raise ValueError(
                f"{who}: every length{'' if name == 'lengths' else f' of {name}'} must be in [1, T={T}], got min {lo} "
                f"and max {hi}{where}; " + "; ".join(fixes)
            )
    return lengths.to(device=device, dtype=torch.long)


def _lengths_count_hint(lengths: Tensor, B: int, T: int, name: str, of: str) -> str:
    """The fix for ``lengths`` of another count than ``of``'s ``B`` sequences (the ``(T,)`` of a time-first ``of``,
    a mask and a column are told theirs by :func:`check_lengths`): the whole data set's lengths beside one batch,
    one number for every sequence, or a count that does not match."""
    if lengths.dim() == 0:  # one number for the whole batch (B > 1; B == 1 is told to wrap it in a list)
        value = lengths.item()
        value = int(value) if isinstance(value, float) and value.is_integer() else value
        if value == T:
            return (f"; one number for the whole batch? every sequence of {of} holding all {T} steps needs no "
                    f"{name}: leave {name} out")
        return f"; one number for the whole batch? give it for each sequence, {name}=torch.full(({B},), {value!r})"
    if lengths.dim() != 1:
        return f"; give one length per sequence of {of}, a flat list or tensor of {B} ints in {of}'s row order"
    n = lengths.shape[0]
    if n > B:  # the data set's lengths given with one batch of it
        return (f"; {n} lengths for {of}'s {B} sequences: the whole data set's lengths beside one batch? give the "
                f"batch's own, in {of}'s row order ({name}[i:i + {B}] for {of} = X[i:i + {B}]), or batch them with "
                f"{of} (a DataLoader of (x, {name}) pairs)")
    return (f"; {n} length(s) for {of}'s {B} sequences: give one length per sequence of {of}, in its row order "
            f"(every sequence that holds all {T} steps has length {T})")


def _check_time_aware(x: Tensor, layer: nn.Module, lengths: Tensor | None, who: str, inner: bool = False) -> None:
    """ValueError for NaN or infinity in the valid steps of a TimeAware layer's input ``[x, m, delta]``: its
    imputation ``m * x + (1 - m) * ...`` gives NaN for a NaN at a missing entry (0 * NaN), so every output after it
    would be NaN, silently, where the user meant "missing". One scan of the input, for TimeAware layers only; under
    ``torch.func.vmap`` (per-sample gradients) the values it batches are read (:func:`unbatched`) and the sample
    named; under ``torch.compile`` it runs between the compiled graphs (a graph break, as the lengths' check). Not
    while exporting (``torch.export``, ONNX): a graph holds no check, and the exported model is run on other data.
    Then, on the user's input (not ``inner``), a mask of other values than 0 and 1 or gaps taken backwards
    (:func:`_check_mask_and_gaps`), read in the same scan: one sync with the host per forward. Not under
    ``torch.jit.trace`` either (the legacy ONNX export traces so): a traced graph holds no check."""
    if not isinstance(_first_cell(layer), TimeAware) or torch.compiler.is_exporting() or torch.jit.is_tracing():
        return
    x = x.detach()
    if not x.numel():
        return
    with readable(x):  # one pass: NaN or infinity makes the sum (over vmap's samples too) non-finite
        seen = unbatched(x)[0]
        finite = torch.isfinite(seen.sum())
        if inner:
            finite, odd_mask, negative = bool(finite), False, False
        else:  # the three in one read: a mask of m * (m - 1) != 0 holds other values than 0 and 1
            F = x.shape[-1] // 3
            m = seen[..., F : 2 * F]
            finite, odd_mask, negative = torch.stack([finite, (m * (m - 1)).any(),
                                                      (seen[..., 2 * F :] < 0).any()]).tolist()
    if not finite:
        refuse_not_finite(x, lengths, who)
    if odd_mask or negative:
        _check_mask_and_gaps(x, lengths, who, odd_mask, negative)


def _check_mask_and_gaps(x: Tensor, lengths: Tensor | None, who: str, odd_mask: bool, negative: bool) -> None:
    """ValueError for a TimeAware input whose time gaps were taken backwards, a warning for one whose mask holds other
    than 0 and 1 (Che et al. 2018: ``delta`` is a time since, ``m`` marks observed): the decays ``exp(-max(0, w *
    delta + b))`` and the imputation ``m * x + (1 - m) * ...`` compute with either, silently; gaps taken backwards
    (earlier - later, times newest first), or columns in another order than ``[x, mask, delta]``, give them.
    ``odd_mask``, ``negative``: what the quick scan of :func:`_check_time_aware` saw (padding included).

    The rule for the gaps: a negative gap in the valid steps is refused where the column holds times since, read by
    its first step: 0 for every feature of every sequence (GRU-D's ``delta`` at the first step, as
    :func:`~rnnkit.cells.time_aware_inputs` builds it; gaps taken backwards keep it). A gap column whose first step
    holds other values is a transform of the gaps, standardised as the other features (``(delta - mean) / std``,
    negative below the mean, a dense sequence wholly) or ``log(delta + eps)``, and stays quiet: the decays' weights
    ``w_x`` and ``decay_h`` are free in sign, so an affine map of the gaps is learnt as the gaps themselves. A mask
    of other values is warned of only: the maths take a weighted mask (any value but 0 counts as observed), which
    may be meant."""
    F = x.shape[-1] // 3
    m, delta = x[..., F : 2 * F], x[..., 2 * F :]
    none = torch.zeros_like(m, dtype=torch.bool)
    if negative:
        with readable(x):  # the first step of every sequence (and vmap sample), which lengths >= 1 keeps valid
            negative = bool((unbatched(x)[0][..., 0, 2 * F :] == 0).all())
    found = first_bad(x, torch.cat([none, none, delta < 0], -1), lengths) if negative else None
    if found is not None:
        b, t, j, value, sample = found
        raise ValueError(f"{who}: x holds {value:g} at sequence {b}, step {t}, column {j} (the time since feature "
                         f"{j % F} was last observed){sample}, but a time gap is at least 0; times newest first, or "
                         f"the gaps taken backwards (earlier - later)? give the times oldest first and build [x, mask, "
                         f"delta] with rnnkit.time_aware_inputs(values, times)")
    found = first_bad(x, torch.cat([none, (m != 0) & (m != 1) & ~torch.isnan(m), none], -1), lengths) \
        if odd_mask else None
    if found is not None:
        b, t, j, value, sample = found
        warnings.warn(f"{who}: x holds {value:g} at sequence {b}, step {t}, column {j} (the mask of feature "
                      f"{j % F}){sample}, but TimeAware's mask is 1 where a value was observed and 0 where it is "
                      f"missing (any other value counts as observed and weighs the imputation); the columns in "
                      f"another order than [x, mask, delta]? build them from the values (NaN where missing) with "
                      f"rnnkit.time_aware_inputs(values, times); a weighted mask meant? silence this with "
                      f"warnings.filterwarnings('ignore', message='.*TimeAware.s mask is 1')", UserWarning,
                      stacklevel=_caller_of_the_layer())


_TORCH = os.path.dirname(os.path.abspath(torch.__file__)) + os.sep  # .../torch/


def _caller_of_the_layer() -> int:
    """The ``stacklevel`` with which the function that calls this one has ``warnings.warn`` name the user's line that
    called the layer: the first frame outside rnnkit and outside torch (``Module.__call__``, which runs every
    forward; :func:`rnnkit.checks.user_stacklevel` stops there), the user's own module's ``forward`` where
    the layer is part of one."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith((_PACKAGE, _TORCH)):
        frame, level = frame.f_back, level + 1
    return level


def _first_cell(layer: nn.Module):
    """The cell of a Recurrent layer, or the first cell of a Bidirectional or Stacked one (None for a model)."""
    if hasattr(layer, "cells"):
        return layer.cells()[0]
    if hasattr(layer, "directions"):
        return layer.directions[0].cell
    return getattr(layer, "cell", None)


def _looks_like_state(lengths) -> bool:
    """True for what torch.nn takes as ``hx``: a floating tensor of 2 dims or more, or a tuple of floating tensors."""
    if isinstance(lengths, Tensor):
        return lengths.is_floating_point() and lengths.dim() >= 2
    return isinstance(lengths, tuple | list) and any(isinstance(t, Tensor) and t.is_floating_point() and t.dim()
                                                     for t in lengths)


def _is_layer_return(state, nested: bool) -> bool:
    """True for a layer's ``(outputs (B, T, H), state)``, given whole where its state goes: the state a tuple
    (``nested``: an LSTM's ``(h, c)``) or one tensor ``(B, L*D, H)`` (a GRU's; a tuple of two is no GRU state)."""
    if not (isinstance(state, tuple | list) and len(state) == 2 and isinstance(state[0], Tensor)
            and state[0].dim() == 3):
        return False
    if nested:
        return isinstance(state[1], tuple | list)
    return isinstance(state[1], Tensor) and state[1].dim() == 3 and state[1].shape[0] == state[0].shape[0]


def _not_a_state_hint(state, fields: tuple[str, ...], expected: tuple[int, ...]) -> str:
    """The fix for a state of the wrong kind: a tuple where one tensor goes, a tensor, a dict or a tuple of another
    length where a tuple of ``fields`` goes (an LSTM's ``(h, c)``)."""
    if len(fields) == 1:
        if _is_layer_return(state, nested=False):
            return "; the layer's whole return (outputs, h)? pass its state, state=out[1]"
        return "; pass h itself, not a tuple" if isinstance(state, tuple | list) else ""
    pair, others = ", ".join(fields), ", ".join(f"torch.zeros_like({fields[0]})" for _ in fields[1:])
    if isinstance(state, Tensor):
        if state.dim() and state.shape[0] == len(fields) and tuple(state.shape[1:]) == expected:
            return (f"; its first axis of {len(fields)} holds the fields stacked? pass tuple(state) "
                    f"(({pair}) = ({', '.join(f'state[{i}]' for i in range(len(fields)))}), as torch.stack made it)")
        return (f"; the state is the tuple ({pair}), each of shape {expected}: pass ({pair}), or "
                f"({fields[0]}, {others}) to start from zeros where {fields[0]} alone is known (another layer's "
                f"state or outputs)")
    if isinstance(state, dict):
        if set(fields) <= set(state):
            return f"; pass its values as a tuple, ({', '.join(f'state[{f!r}]' for f in fields)})"
        return f"; pass a tuple of its tensors in the order ({pair}), not a dict"
    if isinstance(state, tuple | list) and len(state) == 1:
        return f"; {', '.join(fields[1:])} is missing: pass ({pair}), or ({fields[0]}, {others}) to start it at zeros"
    if isinstance(state, tuple | list) and len(state) > len(fields):
        return f"; pass the {len(fields)} fields ({pair}) alone, in that order"
    return ""


def check_state(state, expected_shape: tuple[int, ...], fields: tuple[str, ...], who: str, x: Tensor,
                state_type: type | None = None, *, layers: tuple[int, int] | None = None, finite: bool = True):
    """Validate a state (tensor or NamedTuple) whose every field must have ``expected_shape``; return it, a
    plain tuple ``(h, c)`` (or list) made the cell's ``state_type`` (``LSTMState``), as torch.nn takes them.
    ``layers``: the layer's ``(num_layers, num_directions)``, for ``expected_shape (B, L*D, H)``, so that a state
    of another count of layers and directions is told so. ``finite=False``: the values are not read for NaN and
    infinity (:func:`_check_finite_state`), for a layer given a slice of a state its stack has read already."""
    if len(fields) == 1:
        tensors = (state,) if isinstance(state, Tensor) else None
    else:
        tensors = tuple(state) if isinstance(state, tuple | list) else None  # torch.nn.LSTM takes [h0, c0] too
    if tensors is None or len(tensors) != len(fields):
        got = type(state).__name__ + (f" of {len(state)}" if isinstance(state, tuple | list) else "")
        hint = _not_a_state_hint(state, fields, tuple(expected_shape))
        if hasattr(state, "__array__") and not isinstance(state, Tensor):  # numpy's, pandas' arrays
            hint = (f"; convert it with torch.as_tensor(state, dtype={x.dtype}, device={str(x.device)!r})"
                    if len(fields) == 1 else f"; convert each with torch.as_tensor(a, dtype={x.dtype}) and pass "
                    f"a tuple {tuple(fields)}")
        raise ValueError(
            f"{who}: state must be {'a tensor' if len(fields) == 1 else 'a tuple ' + str(fields)} "
            f"of shape {expected_shape}, got {got}{hint}"
        )
    if len(fields) > 1 and _is_layer_return(tensors, nested=True):  # lstm(x2, state=lstm(x)): outputs read as h
        raise ValueError(f"{who}: state is a layer's whole return (outputs {tuple(tensors[0].shape)}, state), not "
                         f"its state {tuple(fields)}; pass its second part, state=out[1] (or unpack the call: "
                         f"y, state = layer(x))")
    for name, t in zip(fields, tensors, strict=True):
        if not isinstance(t, Tensor) or tuple(t.shape) != tuple(expected_shape):
            got = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
            hint = (_state_hint(got, tuple(expected_shape)) or _layer_count_hint(got, tuple(expected_shape), layers)
                    or _layout_hint(got, tuple(expected_shape), layers))
            if not isinstance(t, Tensor) and hasattr(t, "__array__"):
                hint = f"; convert it with torch.as_tensor({name}, dtype={x.dtype}, device={str(x.device)!r})"
            if not hint and isinstance(got, tuple) and got[:1] == x.shape[1:2] and got[1:] == tuple(expected_shape[1:]):
                # the state fits the batch, but x's first axis is not that batch: x was given time-first
                hint = (f"; x {tuple(x.shape)} looks time-first (T, B, F), as torch.nn reads it by default: rnnkit "
                        f"layers are batch-first, pass x.transpose(0, 1)")
            raise ValueError(f"{who}: state field {name!r} must have shape {tuple(expected_shape)}, got {got}{hint}")
        if not t.is_floating_point():
            raise ValueError(f"{who}: state field {name!r} must be floating point, got {t.dtype}; convert the "
                             f"state's tensors with .{_convert(x.dtype)} (a state holds real numbers)")
        if t.device != x.device:
            raise ValueError(f"{who}: state field {name!r} is on {t.device} but x is on {x.device}; move the state's "
                             f"tensors with .to({str(x.device)!r})")
        if (mixed := unmixed_dtypes(t, x.dtype)) is not None:
            raise ValueError(
                f"{who}: state field {name!r} is {t.dtype} but x is {x.dtype}; convert the state's "
                f"tensors with .{_convert(x.dtype)}{mixed if 'autocast lowers' in mixed else ''}"
            )
    for name, t in zip(fields, tensors, strict=True):
        if finite:
            _check_finite_state(t, name, who)
    if state_type is not None and type(state) is not state_type:
        return state_type(*tensors)
    return state


_CARRIED = contextvars.ContextVar("rnnkit_states_carried", default=False)


@contextlib.contextmanager
def states_carried():
    """Within it, layers do not read their initial states for NaN and infinity (:func:`_check_finite_state`): for
    a loop that carries the model's own final state into its next call (truncated BPTT's chunks, stateful training's
    batches), where a NaN in the state came from the data or the weights of an earlier call, which the loop's own
    guard names (the non-finite loss's, at the position in x), and where the check would cost a read per chunk."""
    token = _CARRIED.set(True)
    try:
        yield
    finally:
        _CARRIED.reset(token)


def _check_finite_state(t: Tensor, name: str, who: str) -> None:
    """ValueError for NaN or infinity in an initial state's field ``t`` (``(B, H)`` or ``(B, L*D, H)``): the cell
    mixes it into every step of that sequence, so all its outputs would be NaN, silently (an encoder's state after a
    NaN input, a state read from a file). One reduction of the state, which is small beside x; under
    ``torch.func.vmap`` the values it batches are read (:func:`unbatched`) and the sample named. Not while tracing or
    compiling (``torch.jit.trace``, ``torch.compile``, ``torch.export``, ONNX export) nor while a CUDA graph is
    captured: a graph holds no check, and reading a value there would break or specialise it (under capture, raise).
    A plain state is read with one sum and one ``.item()``, a few microseconds, so that a layer called one step at a
    time with its state (a stream) pays a few percent of a small step; a cell's own step (``inference_step``), the
    exported step graph and a state carried by a loop of rnnkit's own (:func:`states_carried`: truncated BPTT's
    chunks, stateful training) are not checked."""
    if torch.jit.is_tracing() or torch.compiler.is_compiling() or t.is_meta:
        return
    if _CARRIED.get() or (t.is_cuda and torch.cuda.is_current_stream_capturing()):
        return
    if not torch._C._functorch.is_functorch_wrapped_tensor(t) and math.isfinite(t.detach().sum().item()):
        return  # the fast path: NaN or infinity anywhere makes the sum non-finite
    t = t.detach()
    with readable(t):
        values, k = unbatched(t)
        if bool(torch.isfinite(values.sum())):  # NaN or infinity anywhere makes the sum non-finite
            return
        bad = ~torch.isfinite(values)
        if not bool(bad.any()):  # finite values whose sum overflows the dtype
            return
        at = torch.nonzero(bad)[0].tolist()
        value, count = float(values[tuple(at)]), int(bad.sum())
    sample = f" of {vmap_sample(at[:k])}" if k else ""
    index = ", ".join(map(str, at[k:]))
    raise ValueError(
        f"{who}: state field {name!r} holds {value} at {name}[{index}]{sample} (sequence {at[k]}; {count} such "
        f"value(s) in all), which the cell carries into every later step, so that sequence's outputs would be NaN (or "
        f"saturated, for infinity) without a word; "
        f"give a finite state (torch.nan_to_num({name}, nan=0.0) if a NaN means no information, or the state of an "
        f"encoder whose input was finite), or leave state out for zeros")


def _layer_count_hint(got, expected: tuple[int, ...], layers: tuple[int, int] | None) -> str:
    """Why a state ``got`` of the right batch and hidden size but another count of layers and directions does not fit
    ``expected (B, L*D, H)``, batch-first or in torch.nn's layout ``(L*D, B, H)``: torch's words would name shapes
    alone, where the user needs to know that the state is another layer's (an encoder of other depth)."""
    if layers is None or not isinstance(got, tuple) or len(got) != 3:
        return ""
    B, n, H = expected
    L, D = layers
    if got[0] == B and got[2] == H and got[1] != n:
        theirs, layout = got[1], ""
    elif got[1] == B and got[2] == H and got[0] != n:
        theirs, layout = got[0], " (in torch.nn's layout (L*D, B, H): rnnkit's is state.transpose(0, 1))"
    else:
        return ""
    if theirs < 1:
        return ""
    kinds = " or ".join(f"num_layers={theirs // d}" + (", bidirectional" if d == 2 else "")
                        for d in (1, 2) if theirs % d == 0 and theirs // d >= 1)
    order = (("forward, backward" if L == 1 else "layer 0 forward, layer 0 backward, layer 1 forward, ...") if D == 2
             else "layer 0, layer 1, ...")
    return (f"; the layer has num_layers={L}, bidirectional={D == 2}: {n} states per sequence ({order}), but this "
            f"state{layout} holds {theirs}, as a layer of {kinds} returns; give one per layer and direction (another "
            f"layer's final state fits only a layer built alike), or leave state out for zeros")


def _layout_hint(got, expected: tuple[int, ...], layers: tuple[int, int] | None) -> str:
    """How to give a state ``got`` of another hidden size or layout than ``expected`` (``(B, H)``, or ``(B, L*D, H)``
    of a layer of ``layers = (L, D)``): one state for every sequence (a learned initial state), one layer's state
    for a stack, the directions' states side by side (as the output's last axis holds them), or torch.nn's
    documented ``h_n.view(num_layers, num_directions, B, H)``; "" where none fits. Each guess is made only where
    its fix gives ``expected``: another hidden size only where the other axes are the layer's (batch-first, one
    layer's ``(B, H)``, one ``(H,)``, or torch.nn's ``(L*D, B, H)``), the directions side by side only where they
    hold as many numbers as ``expected``."""
    if not isinstance(got, tuple) or not got:
        return ""
    B, H = expected[0], expected[-1]
    L, D = layers or (1, 1)
    n = L * D
    shape = f"({', '.join(map(str, expected))})"
    if got[-1] != H and got[-1] != D * H:
        fits = {tuple(expected[:-1]), (B,), ()} | ({(expected[1], B)} if len(expected) == 3 else set())
        if got[:-1] not in fits:  # not the layer's axes (x itself, a layer's outputs): the two shapes say it
            return ""
        return (f"; the layer's hidden_size is {H} but this state's last axis holds {got[-1]} (the state of a layer "
                f"of hidden_size={got[-1]}?): give a state of hidden_size {H}, or leave state out for zeros")
    torch_view, batch_first = got == (L, D, B, H), got == (B, L, D, H)  # both where B == L == D
    if len(expected) == 3 and (torch_view or batch_first):
        fixes = (["h.flatten(1, 2) (batch first, (B, L, D, H))"] if batch_first else []) + (
            ["h.permute(2, 0, 1, 3).flatten(1, 2) (torch.nn's h_n.view(num_layers, num_directions, B, H))"]
            if torch_view else [])
        return f"; one axis for layers and one for directions? rnnkit's (B, L*D, H) is {' or '.join(fixes)}"
    if D == 2 and got in ((B, L, D * H), (B, D * H)) and math.prod(got) == B * n * H:  # the halves side by side
        view = f"h.view({B}, {n}, {H})"
        return (f"; the directions' states side by side on the last axis (forward, then backward, as the output "
                f"holds them)? rnnkit keeps them apart, (B, L*D, H) in the order layer 0 forward, layer 0 backward, "
                f"...: pass {view}")
    if got == (H,) or got in ((1, H), (1, *expected[1:])) and B > 1:  # one state for every sequence (a learned h0)
        return f"; one state for every sequence (a learned initial state)? expand it to the batch: h.expand{shape}"
    if len(expected) == 3 and got == (B, H) and n > 1:
        stack = "h_0, h_1" if n == 2 else f"h_0, ..., h_{n - 1}"
        return (f"; this is one layer's state, but the layer has {n} per sequence (num_layers={L}, bidirectional="
                f"{D == 2}): stack one per layer and direction, torch.stack([{stack}], 1), or start "
                f"each from it with h.unsqueeze(1).expand{shape}")
    return ""


def _state_hint(got, expected: tuple[int, ...]) -> str:
    """How to turn a state of shape ``got`` into ``expected`` when it is the same state in another layout: torch.nn's
    layer axis first ``(L*D, B, H)``, or one layer's ``(B, H)`` without (or with) the layer axis."""
    if not isinstance(got, tuple):
        return ""
    if len(expected) == 3 and got == (expected[1], expected[0], expected[2]) and got != expected:
        return "; torch.nn's layout (L*D, B, H)? rnnkit's states are batch-first: pass state.transpose(0, 1)"
    if len(expected) == 3 and expected[1] == 1 and got == (expected[0], expected[2]):
        return "; one layer's state keeps its layer axis: pass h.unsqueeze(1)"
    if len(expected) == 2 and got in ((expected[0], 1, expected[1]), (1, expected[0], expected[1])):
        return f"; a Recurrent layer's state is (B, H): pass h[{':, ' if got[1] == 1 else ''}0]"
    return ""
