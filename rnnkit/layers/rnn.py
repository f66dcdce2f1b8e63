"""``rnnkit.RNN``, ``rnnkit.LSTM``, ``rnnkit.GRU``: torch.nn-compatible layers built from rnnkit's cells."""

from __future__ import annotations

import functools
import inspect
import numbers
import os
import re
import sys
import warnings
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from ..cells import ElmanCell, GRUCell, LSTMCell
from ..cells.base import _module_name, size_fix, torch_conversion
from ..checks import check_flags, closest_name, is_count, missing_file, short_repr
from .checks import check_dropout, composable_fix
from .compose import Bidirectional, Stacked
from .recurrent import Recurrent

_SHAPES = """
    Shapes (``B`` batch, ``T`` time, ``F`` input_size, ``H`` hidden_size, ``L`` num_layers, ``D`` = 2 if
    bidirectional else 1). Batch-first always, states too:

    =================  ===============================  ==========================================
    argument / result  shape                            note
    =================  ===============================  ==========================================
    ``x``              ``(B, T, F)``                    float
    ``lengths``        ``(B,)``                         optional ints in [1, T]
    ``state``          ``(B, L*D, H)``{state_note}
    ``output``         ``(B, T, D*H)``                  last layer; zero at padded steps
    ``final_state``    ``(B, L*D, H)``{state_note}
    =================  ===============================  ==========================================

    The state's second axis follows torch.nn: layer 0 forward, layer 0 backward, layer 1 forward, ...
    torch.nn's own state is ``(L*D, B, H)``: ``state.transpose(0, 1)`` converts either way.

    Options (keyword-only): ``num_layers``, ``bidirectional``, ``dropout`` (between layers, as torch.nn),
    ``bias``, ``backend`` (``"auto" | "native" | "cpu_gru" | "cpu_loop" | "fused" | "reference"``, see
    :class:`rnnkit.Stacked`),
    ``learn_initial_state``, and the recurrent dropouts of :class:`rnnkit.Recurrent` (``input_dropout``,
    ``hidden_dropout``, ``zoneout``), which run on the reference path and, on CPU, the C++ loop ``cpu_loop``.
    torch.nn's ``device`` and ``dtype`` are taken, ``batch_first=True`` too (it is what rnnkit does);
    ``batch_first=False`` and ``proj_size`` are refused. ``load_state_dict`` also reads torch.nn's parameter
    names (``weight_ih_l0``, ...).
"""


# torch.nn's parameter names: weight_ih_l0, bias_hh_l1_reverse, ...
_TORCH_NAME = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh)_l(\d+)(_reverse)?")
# rnnkit's own parameter names: layers.1.cell.weight_ih, layers.0.backward_layer.cell.bias_hh, layers.0.initial.0
_OWN_NAME = re.compile(r"layers\.(\d+)\.(forward_layer\.|backward_layer\.)?(cell\..+|initial\.\d+)")
_TORCH_STATE_NAME = re.compile(r"(weight_ih|weight_hh|bias_ih|bias_hh|weight_hr)_l(\d+)(_reverse)?")  # proj too


def _load_call() -> tuple[dict, int]:
    """The locals of the ``torch.nn.Module.load_state_dict`` call under way (``self``, the module loaded, and
    ``strict``) and the stack level of its caller, for a warning at the user's line; ``({}, 2)`` if none is."""
    frame, depth = sys._getframe(2), 2
    while frame is not None:
        if frame.f_code is nn.Module.load_state_dict.__code__:
            found, caller = frame.f_locals, frame.f_back
            while caller is not None and caller.f_code is _TorchCompatible.load_state_dict.__code__:
                caller, depth = caller.f_back, depth + 1  # the layer's own check before torch's: not the user's line
            return found, depth + 1
        frame, depth = frame.f_back, depth + 1
    return {}, 2


def refuse_untensored(mine: dict, prefix: str, who: str) -> None:
    """TypeError for a state_dict whose values for this layer are arrays, lists or numbers (``dict(np.load(path))``,
    weights read from JSON): torch listed a line per parameter, ``expected torch.Tensor or Tensor-like object from
    checkpoint but received <class 'numpy.ndarray'>``, and named no conversion."""
    bad = [(k, v) for k, v in mine.items() if isinstance(v, np.ndarray | list | tuple | numbers.Number)
           and (_OWN_NAME.fullmatch(k) or _TORCH_STATE_NAME.fullmatch(k))]  # a parameter's name, not 'epoch'
    if not bad:
        return
    k, v = bad[0]
    shown = (f"a numpy array of shape {v.shape}, {v.dtype}" if isinstance(v, np.ndarray) else
             f"a {type(v).__name__} {short_repr(v, 30)}")
    more = f" (and {len(bad) - 1} more of this layer's)" if len(bad) > 1 else ""
    raise TypeError(f"{who}: the state_dict's values must be torch tensors, but {prefix + k!r} holds {shown}{more}; "
                    f"convert them first: state_dict = {{k: torch.as_tensor(v) for k, v in state_dict.items()}}")


def refuse_not_state_dict(who: str, given) -> None:
    """TypeError for a layer's ``load_state_dict`` given something other than a state_dict: a module (another layer,
    or a model saved whole, which ``torch.load`` returns as one), a file's path, a tensor or a list: torch's own
    ``Expected state_dict to be dict-like, got <class ...>`` named no way on."""
    if isinstance(given, nn.Module):
        raise TypeError(f"{who}: given a module, {_module_name(given)}, not a state_dict (torch.load of a model saved "
                        f"whole, torch.save(model, path), returns the module); pass its parameters, "
                        f"load_state_dict(module.state_dict()), or use the module itself")
    if isinstance(given, str | os.PathLike):
        path = os.fspath(given)
        read = f"read the file first: load_state_dict(torch.load({path!r}, map_location='cpu'))"
        if os.path.isfile(path):
            raise TypeError(f"{who}: given the path {path!r}, not a state_dict; {read}")
        read = ("give the path of a state_dict saved with torch.save(layer.state_dict(), path), and load it so: "
                "load_state_dict(torch.load(path, map_location='cpu'))")
        raise TypeError(f"{who}: given the path {path!r}, not a state_dict, and {missing_file(path, read)}")
    pairs = isinstance(given, list | tuple) and given and all(
        isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in given)
    fix = ("a list of (name, tensor) pairs? pass dict(pairs)" if pairs else
           "pass layer.state_dict() of a layer of the same sizes, or torch.load(path) of a file saved with "
           "torch.save(layer.state_dict(), path)")
    raise TypeError(f"{who}: expects a state_dict, a mapping of parameter names to tensors (as layer.state_dict() "
                    f"returns), got {type(given).__name__} {short_repr(given, 40)}; {fix}")


def strict_load() -> bool:
    """The ``strict`` of the ``torch.nn.Module.load_state_dict`` call under way (True if none is): torch calls each
    module's ``_load_from_state_dict`` with ``strict=True`` whatever the caller passed, so a layer loaded inside a
    model could not tell a strict load, which fails on keys alone, from ``strict=False``, which loads what fits."""
    return bool(_load_call()[0].get("strict", True))


# where a layer's first weight sits in a state_dict: torch.nn's name or rnnkit's, after any prefix
_FIRST_WEIGHT = re.compile(r"(.*?)(weight_ih_l0|layers\.0\.(?:forward_layer\.)?cell\.weight_ih)")


def _nothing_loads(root: nn.Module, keys) -> bool:
    """True where no key names a parameter, buffer or submodule of ``root`` at its first dotted part: the whole
    state_dict saved under another prefix (``module.``, ``_orig_mod.``, a torch model's ``rnn.`` given to a layer)."""
    names = set(root._parameters) | set(root._buffers) | set(root._modules)
    return not any(k.split(".", 1)[0] in names for k in keys)


def _fits(layer: nn.Module, key: str, state_dict) -> bool:
    """True where the first weights found under another prefix (``key``, a ``weight_ih`` in torch.nn's naming or
    rnnkit's, and its ``weight_hh``) have the shapes of ``layer``'s own first ones: the layer's weights, renamed."""
    params = dict(layer.named_parameters())
    name = next((n for n in params if (m := _FIRST_WEIGHT.fullmatch(n)) and not m[1]), None)
    if name is None:
        return False
    w_ih, w_hh = params[name], params.get(name.replace("weight_ih", "weight_hh"))
    theirs_ih = state_dict.get(key)
    theirs_hh = state_dict.get(key.replace("weight_ih", "weight_hh"))
    return (getattr(theirs_ih, "shape", None) == w_ih.shape
            and (w_hh is None or getattr(theirs_hh, "shape", None) == w_hh.shape))


def check_prefix(state_dict, prefix: str, who: str) -> None:
    """RuntimeError (strict) or a warning (``strict=False``) for a state_dict that holds no parameter of the layer
    under its ``prefix`` but a recurrent layer's (torch.nn's ``weight_ih_l0`` or rnnkit's) under another one that
    names no module of the model loaded: a torch.nn layer saved inside a model (``rnn.weight_ih_l0``), a model
    saved under ``DataParallel`` (``module.``) or ``torch.compile`` (``_orig_mod.``). torch's strict message listed
    every key over lines, with no fix; ``strict=False`` loaded none of the layer's weights and left it as
    initialised (random) without a word. A prefix that names a module of the model (another layer's weights, a
    partial load) is no sign and passes. It acts only where the weights found would fit this layer (its first
    ``weight_ih`` and ``weight_hh`` of the same shapes) or where no key of the state_dict names anything of the model
    (all of it saved under another prefix): a recurrent head replaced by another of other sizes, its old weights
    still in the checkpoint, is left to torch (quiet under ``strict=False``, its key listing under strict), not told
    a rename that would not load."""
    if any(isinstance(k, str) and k.startswith(prefix) and (m := _FIRST_WEIGHT.fullmatch(k[len(prefix):]))
           and not m[1] for k in state_dict):
        return
    call, level = _load_call()
    root = call.get("self")
    if not isinstance(root, nn.Module):
        return
    # torch hands a module inside a model the keys under its prefix alone: read the whole state_dict given
    whole = call.get("state_dict", state_dict)
    entry = next((k for k, v in whole.items() if isinstance(v, Mapping) and any(
        isinstance(n, str) and _FIRST_WEIGHT.fullmatch(n) for n in v)), None)
    if entry is not None:  # a training checkpoint ({'state_dict': ..., 'epoch': 3}) given whole
        shown = ", ".join(repr(k) for k in list(whole)[:4]) + (", ..." if len(whole) > 4 else "")
        head = (f"{who}: the state_dict holds no weight of this layer but a checkpoint's entries ({shown}), its "
                f"{entry!r} holding a recurrent layer's weights")
        fix = f"load that entry: load_state_dict(checkpoint[{entry!r}])"
        if call.get("strict", True):
            raise RuntimeError(f"{head}; {fix}")
        warnings.warn(f"{head}, so strict=False loads none of its weights and leaves it as initialised (random); "
                      f"{fix}", UserWarning, stacklevel=level)
        return
    keys = [k for k in whole if isinstance(k, str)]
    found: dict[str, str] = {}  # prefix -> its first weight's key
    for k in keys:
        m = _FIRST_WEIGHT.fullmatch(k)
        if not m or not (m[1] == "" or m[1].endswith(".")) or m[1] in found:
            continue
        try:
            if m[1]:
                root.get_submodule(m[1][:-1])
                continue  # another module's own weights: a partial load, or the model's other layers
        except AttributeError:
            pass
        found[m[1]] = k  # no module of the model, or a bare layer's keys where the model's layer has a prefix
    if found and not _nothing_loads(root, keys):  # a part of the model loads: rename only weights that fit
        layer = root.get_submodule(prefix[:-1]) if prefix else root
        found = {q: k for q, k in found.items() if _fits(layer, k, whole)}
    if not found:
        return
    p = next(iter(found))
    if not p:
        fix = f"state_dict = {{{prefix!r} + k: v for k, v in state_dict.items()}}"
    elif not prefix:
        fix = f"state_dict = {{k.removeprefix({p!r}): v for k, v in state_dict.items() if k.startswith({p!r})}}"
    elif p.endswith(prefix):
        fix = f"torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(state_dict, {p[:-len(prefix)]!r})"
    else:
        fix = (f"state_dict = {{({prefix!r} + k.removeprefix({p!r}) if k.startswith({p!r}) else k): v "
               f"for k, v in state_dict.items()}}")
    where = " or ".join(repr(q) if q else "no prefix" for q in list(found)[:3])
    verb = "take the prefix off" if not prefix or p.endswith(prefix) else f"give them this layer's prefix, {prefix!r},"
    head = (f"{who}: the state_dict holds no weight of this layer ({f'under {prefix!r}' if prefix else 'no prefix'}) "
            f"but a recurrent layer's {'under ' if p else 'with '}{where} ({found[p]}, ...)")
    if call.get("strict", True):
        raise RuntimeError(f"{head}; {verb} before loading: {fix}")
    warnings.warn(f"{head}, so strict=False loads none of its weights and leaves it as initialised (random); "
                  f"{verb} before loading: {fix}", UserWarning, stacklevel=level)


@functools.cache
def _cell_rows(layer: type) -> tuple[frozenset, int]:
    """A layer class's first cell's weight and gain names and its ``weight_ih`` rows per unit (a GRU's 3)."""
    with warnings.catch_warnings():  # a layer of 2 units, built to read its cell's parameters only
        warnings.simplefilter("ignore")
        params = dict(layer(2, 2).cells()[0].named_parameters())
    return frozenset(n for n in params if n.startswith(("weight", "gamma"))), params["weight_ih"].shape[0] // 2


def _lone_weight_readings(names: frozenset, rows: int) -> list[tuple[type, int]]:
    """Each rnnkit layer class, with its hidden_size, whose first cell holds ``names`` and no ``weight_hh`` and a
    ``weight_ih`` of ``rows`` rows: a MinGRU's 2 per unit, a MinLSTM's 3."""
    return [(layer, rows // per_unit) for layer in _TorchCompatible.named.values()
            for cell_names, per_unit in [_cell_rows(layer)]
            if cell_names == names and "weight_hh" not in names and rows % per_unit == 0]


class _TorchCompatible(Stacked):
    """A Stacked layer of one built-in cell type, convertible to and from its torch.nn peer."""

    # the registry of the layers by their cell's name ('lstm' -> LSTM), filled as each is defined with
    # ``cell_name=``, in the canonical order; rnnkit.models.NAMED_CELLS and CELL_NAMES read it
    named: dict[str, type[_TorchCompatible]] = {}
    torch_class: type[nn.RNNBase]
    cell_options: tuple[str, ...] = ()
    batch_first = True  # torch.nn's attributes, read by code written for torch.nn: always batch-first,
    proj_size = 0  # never projected

    def __init_subclass__(cls, cell_name: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if cell_name is not None:
            _TorchCompatible.named[cell_name] = cls

    def __init__(
        self,
        input_size: int | None = None,  # both required: None is told the fix (Python's "missing 1 required
        hidden_size: int | None = None,  # positional argument" named _TorchCompatible), a torch.nn module's conversion
        *positional,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        bias: bool = True,
        backend: str = "auto",
        learn_initial_state: bool = False,
        input_dropout: float = 0.0,
        hidden_dropout: float = 0.0,
        zoneout: float = 0.0,
        batch_first: bool = True,
        device=None,
        dtype=None,
        **cell_kwargs,
    ):
        who = type(self).__name__
        if input_size is None:  # rnnkit.LSTM() or LSTM(hidden_size=32): the features' count is x.shape[-1]
            missing = "input_size and hidden_size are" if hidden_size is None else "input_size is"
            units = 32 if hidden_size is None else hidden_size
            raise TypeError(f"{who}: {missing} missing; give the sizes, {who}(input_size, hidden_size): input_size is "
                            f"the number of features of each step, x.shape[-1], e.g. {who}(x.shape[-1], {units}) for "
                            f"{units} units")
        if hidden_size is None:  # Python's "missing 1 required positional argument" named _TorchCompatible, no fix
            conversion = torch_conversion(input_size, "it") if isinstance(input_size, nn.RNNBase) else None
            if conversion is not None:  # rnnkit.LSTM(torch_lstm): a conversion meant (torch.nn's own classes)
                raise TypeError(f"{who}: given a {_module_name(input_size)} module where the sizes go; {conversion}")
            if not is_count(input_size):  # another module (a subclass, a cell, rnnkit's layer), text, a tensor
                raise TypeError(f"{who}: hidden_size is missing, and {size_fix('input_size', input_size)}; give both "
                                f"sizes, {who}(input_size, hidden_size)")
            raise TypeError(f"{who}: hidden_size is missing; give the sizes, {who}(input_size, hidden_size), e.g. "
                            f"{who}({input_size}, 32) for 32 units")
        if positional:  # torch.nn's LSTM(10, 20, 2): num_layers, bias, batch_first, ... by position
            raise TypeError(f"{who}: only input_size and hidden_size are positional, got {len(positional)} more "
                            f"{positional}; name the options, e.g. {who}({input_size}, {hidden_size}, num_layers=...)")
        if not is_count(num_layers):
            raise ValueError(f"{who}: num_layers must be an integer >= 1, got {short_repr(num_layers)}; "
                             f"{size_fix('num_layers', num_layers)}")
        dropout, input_dropout, hidden_dropout, zoneout = (  # named by this layer, not the Stacked it builds
            check_dropout(who, name, p) for name, p in (("dropout", dropout), ("input_dropout", input_dropout),
                                                        ("hidden_dropout", hidden_dropout), ("zoneout", zoneout)))
        check_flags(f"{who}: ", bidirectional=bidirectional, bias=bias,
                    learn_initial_state=learn_initial_state, batch_first=batch_first)
        if not batch_first:  # torch.nn's option; rnnkit reads (B, T, F) only, so False cannot be honoured
            raise ValueError(f"{who}: rnnkit layers are batch-first, x (B, T, F) and states (B, L*D, H); leave out "
                             f"batch_first=False and pass time-first tensors as x.transpose(0, 1)")
        if device is not None and torch.device(device).type == "cuda" and not torch.cuda.is_available():
            # torch's own AssertionError ("Torch not compiled with CUDA enabled") comes from deep in module.to
            build = ", a CPU-only build" if torch.version.cuda is None else ", which sees no GPU"
            raise ValueError(f"{who}: device={device!r} but torch.cuda.is_available() is False (torch "
                             f"{torch.__version__}{build}); leave device out to build the layer on the CPU, or "
                             f"pick it at run time: device='cuda' if torch.cuda.is_available() else 'cpu'")
        if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            raise ValueError(f"{who}: dtype must be a floating-point torch.dtype (e.g. torch.float64), got {dtype!r}")
        if cell_kwargs.get("proj_size"):
            raise ValueError(f"{who}: proj_size={cell_kwargs['proj_size']!r} (torch.nn's projected LSTM) is not "
                             f"supported; leave it out, or project the output with a torch.nn.Linear")
        cell_kwargs.pop("proj_size", None)  # 0, torch.nn's default: no projection
        unknown = set(cell_kwargs) - set(self.cell_options)
        if unknown:
            known = [*self.cell_options, *(o for o in inspect.signature(_TorchCompatible.__init__).parameters
                                           if o not in ("self", "positional", "cell_kwargs"))]
            meant = {name: closest_name(name, known, cutoff=0.75) for name in sorted(unknown)}
            fix = "; ".join(f"did you mean {m}= for {name}=?" for name, m in meant.items() if m) or \
                f"the options are {', '.join(known)}"
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(unknown)}; {fix}")
        D = 2 if bidirectional else 1

        def direction(layer_input: int, reverse: bool) -> Recurrent:
            cell = self.make_cell(layer_input, hidden_size, bias=bias, **cell_kwargs)
            return Recurrent(
                cell,
                reverse=reverse,
                learn_initial_state=learn_initial_state,
                input_dropout=input_dropout,
                hidden_dropout=hidden_dropout,
                zoneout=zoneout,
            )

        layers = []
        for i in range(num_layers):
            layer_input = input_size if i == 0 else D * hidden_size
            if bidirectional:
                layers.append(Bidirectional(direction(layer_input, False), direction(layer_input, True)))
            else:
                layers.append(direction(layer_input, False))
        super().__init__(layers, dropout=dropout, backend=backend)
        self.bias = bias
        self.learn_initial_state = learn_initial_state
        if device is not None or dtype is not None:  # torch.nn's factory keywords
            self.to(device=device, dtype=dtype)

    @property
    def all_weights(self) -> list[list[nn.Parameter]]:
        """torch.nn's ``all_weights``: each direction's ``[weight_ih, weight_hh, bias_ih, bias_hh]`` (the weights
        alone without bias), layer 0 forward, layer 0 backward, layer 1 forward, ..."""
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias else ("weight_ih", "weight_hh")
        return [[getattr(cell, name) for name in names] for cell in self.cells()]

    def flatten_parameters(self) -> None:
        """torch.nn's call before a cuDNN run; nothing to do here: the native path keeps the parameters in
        one buffer itself (docs/layers.md), so code written for torch.nn runs unchanged."""

    def _torch_parameter(self, name: str):
        """The cell parameter torch.nn calls ``name`` (``weight_hh_l1_reverse``: layer 1's backward cell's
        ``weight_hh``), or None when ``name`` is no torch.nn parameter name."""
        match = _TORCH_NAME.fullmatch(name)
        if match is None:
            return None
        return getattr(self.cells()[self._torch_index(name)], match[1])

    def _torch_index(self, name: str) -> int:
        """The index in :meth:`cells` of the cell holding torch.nn's parameter ``name`` (AttributeError if none)."""
        match = _TORCH_NAME.fullmatch(name)
        layer, reverse, D = int(match[2]), match[3] is not None, self.num_directions
        if layer >= self.num_layers or (reverse and D == 1):
            raise AttributeError(f"{type(self).__name__} has no {name}: it has num_layers={self.num_layers}, "
                                 f"bidirectional={self.bidirectional}")
        return layer * D + reverse

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:  # torch.nn's names (lstm.weight_hh_l0) read the cells' own parameters
            parameter = self._torch_parameter(name)
            if parameter is None:
                raise
            return parameter

    def __setattr__(self, name: str, value) -> None:
        if _TORCH_NAME.fullmatch(name) and "_modules" in self.__dict__:  # would add a parameter nothing reads
            cell = self.cells()[self._torch_index(name)]
            path = next(n for n, m in self.named_modules() if m is cell) + "." + _TORCH_NAME.fullmatch(name)[1]
            # torch.func.functional_call(layer, torch_module.state_dict(), x) sets each name so: say rnnkit's name
            raise AttributeError(f"{type(self).__name__}: {name} is the cells' parameter and cannot be replaced; "
                                 f"set its values in place: with torch.no_grad(): layer.{name}.copy_(value); a map "
                                 f"by name (torch.func.functional_call, a dict of tensors) takes rnnkit's names, "
                                 f"{path!r} for {name!r}")
        super().__setattr__(name, value)

    def register_parameter(self, name: str, param) -> None:
        # torch.nn.utils.prune moves the parameter it prunes to <name>_orig on the module it is given, then deletes
        # <name> from it: here that would leave a stray weight_hh_l0_orig in the state_dict and raise KeyError
        base = name.removesuffix("_orig")
        if base != name and _TORCH_NAME.fullmatch(base) and "_modules" in self.__dict__:
            cell = self.cells()[self._torch_index(base)]
            path = re.sub(r"\.(\d+)", r"[\1]", next(n for n, m in self.named_modules() if m is cell))  # layers[0]...
            attr = _TORCH_NAME.fullmatch(base)[1]
            raise ValueError(
                f"{type(self).__name__}: {base} is the parameter {attr} of the cell {path}, not of this layer, so "
                f"torch.nn.utils.prune cannot reparametrize it here (nor on the cell, whose forward hooks never run: "
                f"the layer steps it); apply a mask with torch.nn.utils.parametrize.register_parametrization("
                f"layer.{path}, {attr!r}, mask_module), read at every call")
        super().register_parameter(name, param)

    def load_state_dict(self, state_dict, *args, **kwargs):
        if not isinstance(state_dict, Mapping):  # torch's "Expected state_dict to be dict-like", no way on
            refuse_not_state_dict(f"{type(self).__name__}.load_state_dict", state_dict)
        return super().load_state_dict(state_dict, *args, **kwargs)

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # a torch.nn state_dict (weight_ih_l0, bias_hh_l1_reverse, ...) loads as from_torch copies it; a key with
        # no parameter here keeps its torch.nn name, so torch's message names the key the user has. A state_dict
        # of another num_layers, bidirectional or bias would fail on its keys alone (strict only; strict=False
        # loads what fits): say which option differs first, loaded alone or inside a model
        strict = strict_load()
        mine = {k[len(prefix):]: v for k, v in state_dict.items() if isinstance(k, str) and k.startswith(prefix)}
        who = f"{type(self).__name__}.load_state_dict" + (f" (at {prefix[:-1]!r})" if prefix else "")
        refuse_untensored(mine, prefix, who)
        check_prefix(state_dict, prefix, who)
        self._check_torch_state_dict(mine, who, sizes_only=not strict)  # sizes: refused in any mode
        if strict:
            self._refuse_torch_state_dict_without_initial(mine, who)
        self._check_own_state_dict(mine, who, sizes_only=not strict)  # sizes: torch refuses them in any mode
        D = self.num_directions
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias else ("weight_ih", "weight_hh")
        for k in range(len(self.directions())):
            path = f"layers.{k // D}." + (("backward_layer." if k % D else "forward_layer.") if D == 2 else "")
            for name in names:
                theirs = f"{prefix}{name}_l{k // D}" + ("_reverse" if k % D else "")
                if theirs in state_dict and f"{prefix}{path}cell.{name}" not in state_dict:
                    state_dict[f"{prefix}{path}cell.{name}"] = state_dict.pop(theirs)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def _check_own_state_dict(self, state_dict, who: str, *, sizes_only: bool = False) -> None:
        """RuntimeError naming the options when ``state_dict`` is an rnnkit layer's of another ``num_layers``,
        ``bidirectional`` or ``learn_initial_state`` (a checkpoint of ``num_layers=2`` loaded into a layer built with
        the default 1; ``layers.0.initial.0``, the learned initial state, missing or unexpected): torch's own
        message listed keys (``Unexpected key(s) in state_dict: "layers.1.cell.weight_ih", ...``) and named neither
        the option nor the constructor that fits."""
        own = [m for k in state_dict if isinstance(k, str) and (m := _OWN_NAME.fullmatch(k))]
        if not own:
            return
        found = {"num_layers": 1 + max(int(m[1]) for m in own),
                 "bidirectional": any(m[2] == "backward_layer." for m in own),
                 "learn_initial_state": any(m[3].startswith("initial.") for m in own)}
        ours = {"num_layers": self.num_layers, "bidirectional": self.bidirectional,
                "learn_initial_state": self.learn_initial_state}
        first = "layers.0." + ("forward_layer." if found["bidirectional"] else "") + "cell."
        self._refuse_other_cell(state_dict, first, found, who, strict=not sizes_only)
        # bias: the checkpoint's first cell lacks a bias this layer's has (bias=False), or holds one it lacks
        mine = {n.split("cell.", 1)[1] for n, _ in self.named_parameters() if n.startswith("layers.0.")
                and ".cell." in n}
        theirs = {k[len(first):] for k in state_dict if isinstance(k, str) and k.startswith(first)}
        found["bias"] = (not any("bias" in n and n not in theirs for n in mine) if self.bias
                         else any("bias" in n and n not in mine for n in theirs))
        ours["bias"] = self.bias
        w_ih, w_hh = state_dict.get(first + "weight_ih"), state_dict.get(first + "weight_hh")
        own_ih = self.cells()[0].get_parameter("weight_ih") if "weight_ih" in mine else None
        known = isinstance(w_ih, torch.Tensor) and w_ih.dim() == 2
        # a minimal cell's lone weight_ih into a minimal layer: each cell and hidden_size its rows may be (a partial
        # dict of another cell, without its weight_hh, is _refuse_other_cell's or torch's)
        if known and "weight_hh" not in mine and not isinstance(w_hh, torch.Tensor):
            readings = _lone_weight_readings(frozenset(n for n in theirs if n.startswith(("weight", "gamma"))),
                                             w_ih.shape[0])
            own_reading = [h for cls, h in readings if cls is type(self)]
            others = [cls for cls, _ in readings if cls is not type(self)]  # the same rows, another cell's gates
            if others and (own_reading != [self.hidden_size] or w_ih.shape[1] != self.input_size):
                self._refuse_lone_weight(readings, w_ih, found, who)
        if known and isinstance(w_hh, torch.Tensor) and w_hh.dim() == 2:
            hidden = w_hh.shape[1]
        elif known and own_ih is not None and own_ih.shape[0] % self.hidden_size == 0:  # no weight_hh (MinGRU):
            hidden = w_ih.shape[0] // (own_ih.shape[0] // self.hidden_size)  # its rows are gates x hidden_size
        else:
            known = False
        if known:  # another input_size or hidden_size: torch's "size mismatch for ..." over lines, one per weight
            found = {"input_size": w_ih.shape[1], "hidden_size": hidden, **found}
            ours = {"input_size": self.input_size, "hidden_size": self.hidden_size, **ours}
        compared = ("input_size", "hidden_size") if sizes_only else tuple(found)
        differ = [f"{k}={found[k]} (this layer: {ours[k]})" for k in compared if k in found and found[k] != ours[k]]
        if not differ:
            return
        sizes = f"{w_ih.shape[1]}, {hidden}" if known else "input_size, hidden_size"
        defaults = {"num_layers": 1, "bidirectional": False, "learn_initial_state": False, "bias": True}
        options = "".join(f", {k}={found[k]}" for k, default in defaults.items() if found[k] != default)
        keep = (", or pass strict=False to load the weights and keep this layer's initial state as it is (zeros at "
                "initialisation)" if differ == ["learn_initial_state=False (this layer: True)"] else "")
        kind = type(self).__name__
        raise RuntimeError(f"{who}: the state_dict holds an rnnkit {kind} of {', '.join(differ)}, which does not "
                           f"fit this layer's sizes, layers, directions or initial state; build the layer to match, "
                           f"rnnkit.{kind}({sizes}{options}), and load it there{keep}")

    def _refuse_lone_weight(self, readings: list, w_ih: torch.Tensor, found: dict, who: str) -> None:
        """RuntimeError for a minimal cell's checkpoint (a lone ``weight_ih``, no ``weight_hh``) of other sizes, naming
        every cell and hidden_size its rows may be: a MinLSTM of 4 units holds 12 rows, as a MinGRU of 6 does, and the
        sizes' words named this layer's cell alone (a MinGRU of 6, which loads the MinLSTM's gates as its own)."""
        options = "".join(f", {k}={found[k]}" for k, default in (("num_layers", 1), ("bidirectional", False),
                                                                   ("learn_initial_state", False), ("bias", True))
                          if found.get(k, default) != default)
        mine = type(self)
        readings = sorted(readings, key=lambda r: r[0] is not mine)  # this layer's cell first, where it fits
        names = {cls: name for name, cls in _TorchCompatible.named.items()}
        held = " or ".join(f"an rnnkit {cls.__name__} of hidden_size={h}" for cls, h in readings)
        builds = " or ".join(f"rnnkit.{cls.__name__}({w_ih.shape[1]}, {h}{options})" for cls, h in readings)
        cells = " or ".join(f"cell={names[cls]!r}" for cls, _ in readings)
        which = ("; its rows alone do not say which cell saved it" if len(readings) > 1 else
                 f", not a {mine.__name__} of any size" if readings[0][0] is not mine else "")
        raise RuntimeError(f"{who}: the state_dict's first cell holds a lone weight_ih of shape {tuple(w_ih.shape)}, "
                           f"the weights of {held}{which}; this layer is a {mine.__name__}({self.input_size}, "
                           f"{self.hidden_size}); build the layer the checkpoint was saved from, {builds}, and load it "
                           f"there (a model: build it with {cells})")

    def _refuse_other_cell(self, state_dict, first: str, found: dict, who: str, *, strict: bool = True) -> None:
        """RuntimeError for an rnnkit layer's state_dict of another cell (a GRU's loaded into an LSTM, a MinGRU's
        into a GRU, a checkpoint of a model built with another ``cell=``), told by the first cell's parameter names
        and, where it has a ``weight_hh``, its gate blocks: torch's own message listed a size mismatch per weight,
        and the sizes' check below took the other gates for another hidden_size or a missing bias. A dict of some
        of this cell's own parameters, each of this cell's shape (a partial dict, as strict=False loads to fine-tune
        a head), is no other cell: left to torch, which loads it, or names the missing keys in a strict load. With
        ``strict=False`` another cell whose parameters of this cell's names all fit is warned of and loaded as torch
        does; other shapes are refused in both modes."""
        def kind(params: dict, hidden: int | None) -> tuple[frozenset, int | None]:
            w_ih = params.get("weight_ih")
            gates = w_ih.shape[0] // hidden if hidden and isinstance(w_ih, torch.Tensor) and w_ih.dim() == 2 else None
            return frozenset(n for n in params if n.startswith(("weight", "gamma"))), gates

        theirs = {k[len(first):]: v for k, v in state_dict.items()
                  if isinstance(k, str) and k.startswith(first) and "." not in k[len(first):]}
        w_ih, w_hh = theirs.get("weight_ih"), theirs.get("weight_hh")
        if not (isinstance(w_ih, torch.Tensor) and w_ih.dim() == 2):
            return
        hidden = w_hh.shape[1] if isinstance(w_hh, torch.Tensor) and w_hh.dim() == 2 else None
        names, gates = kind(theirs, hidden)
        own = dict(self.cells()[0].named_parameters())
        own_names, own_gates = kind(own, self.hidden_size)
        if names == own_names and (gates is None or gates == own_gates):
            return
        fits = all(not isinstance(v, torch.Tensor) or k not in own or v.shape == own[k].shape
                   for k, v in theirs.items())
        if names < own_names and fits:  # some of this cell's own parameters: a partial dict, which strict=False
            return  # loads and a strict load refuses by its missing keys, as torch does
        matches = []
        for name, layer in _TorchCompatible.named.items():
            with warnings.catch_warnings():  # a layer of 2 units, built to read its cell's parameters only
                warnings.simplefilter("ignore")
                cell = layer(2, 2).cells()[0]
            their_names, per_unit = kind(dict(cell.named_parameters()), 2)
            if their_names == names and (gates == per_unit or (gates is None and w_ih.shape[0] % per_unit == 0)):
                matches.append((name, layer.__name__, hidden or w_ih.shape[0] // per_unit))
        if not matches:
            return
        options = "".join(f", {k}={found[k]}" for k, default in (("num_layers", 1), ("bidirectional", False),
                                                                   ("learn_initial_state", False))
                          if found[k] != default)
        builds = " or ".join(f"rnnkit.{cls}({w_ih.shape[1]}, {h}{options})" for _, cls, h in matches)
        cells = " or ".join(f"cell={name!r}" for name, _, _ in matches)
        held = " or ".join(f"an rnnkit {cls}" for _, cls, _ in matches)
        if names == own_names:  # the same parameters, other gate blocks
            shown = (f"its first cell's weight_ih of shape {tuple(w_ih.shape)}, this layer's "
                     f"{tuple(self.cells()[0].weight_ih.shape)}")
        else:  # other parameters: a LayerNorm-LSTM's gains, a minimal cell's lone weight_ih
            shown = f"its first cell holds {', '.join(sorted(names))}, this layer's {', '.join(sorted(own_names))}"
        message = (f"{who}: the state_dict holds the weights of {held} ({shown}), not of this {type(self).__name__}; "
                   f"build the layer to match, {builds}, and load it there (a model: build it with {cells})")
        if not strict and fits:  # strict=False loads the weights that fit: a warm start may be meant
            warnings.warn(message + "; strict=False loads the parameters of the same names and shapes, as it does",
                          UserWarning, stacklevel=_load_call()[1])
            return
        raise RuntimeError(message)

    def _refuse_torch_state_dict_without_initial(self, state_dict, who: str) -> None:
        """RuntimeError for a torch.nn state_dict (``weight_ih_l0``, ...) loaded strictly into a layer with a learned
        initial state, which torch.nn has not: torch's own message listed rnnkit's keys (``layers.0.initial.0``) as
        missing, which the user never had, and named no way on."""
        if not (self.learn_initial_state and isinstance(state_dict.get("weight_ih_l0"), torch.Tensor)):
            return
        absent = [n for n, _ in self.named_parameters() if ".initial." in n and n not in state_dict]
        if not absent:
            return
        kind = getattr(type(self), "torch_class", nn.RNNBase).__name__
        raise RuntimeError(f"{who}: the state_dict holds a torch.nn.{kind}'s parameters (weight_ih_l0, ...), which "
                           f"have no learned initial state, but this layer has one (learn_initial_state=True: "
                           f"{', '.join(absent[:2])}{', ...' if len(absent) > 2 else ''}); pass strict=False to load "
                           f"the weights and keep the initial state as it is (zeros at initialisation: torch.nn's h0, "
                           f"so the layer computes the module's function), or build the layer with "
                           f"learn_initial_state=False")

    def _check_torch_state_dict(self, state_dict, who: str, *, sizes_only: bool) -> None:
        """RuntimeError (as torch.nn's for a state_dict that does not fit) when ``state_dict`` (this layer's keys, its
        prefix stripped) holds the parameters of a torch.nn layer (``weight_ih_l0``, ...) that this layer cannot take,
        in torch.nn's words, with the constructor that fits them: another cell, input or hidden size, or a projection
        (``sizes_only``), or also another num_layers, bidirectional or bias. torch's own message would list keys, some
        renamed to rnnkit's, and not say which option differs."""
        torch_class = getattr(type(self), "torch_class", None)
        theirs = {k: v for k, v in state_dict.items() if _TORCH_STATE_NAME.fullmatch(k)}
        w_ih, w_hh = theirs.get("weight_ih_l0"), theirs.get("weight_hh_l0")
        if not all(isinstance(w, torch.Tensor) and w.dim() == 2 for w in (w_ih, w_hh)):
            return  # no torch.nn layer's parameters: torch's own check lists the keys
        if torch_class is None:  # LayerNormLSTM, MinGRU, MinLSTM: torch.nn has no such layer
            if sizes_only:  # strict=False: what fits loads (an LSTM's weights to warm-start a LayerNormLSTM)
                return
            kind = {4: "LSTM", 3: "GRU", 1: "RNN"}.get(w_ih.shape[0] // w_hh.shape[1], "RNNBase")
            cell = self.cells()[0]
            fits = all(isinstance(getattr(cell, n, None), torch.Tensor) and getattr(cell, n).shape == w.shape
                       for n, w in (("weight_ih", w_ih), ("weight_hh", w_hh)))
            warm = (", or pass strict=False to copy the weights that fit and keep the others as initialised"
                    if fits else "")
            # torch's own message would list keys renamed to rnnkit's (layers.0.cell.bias_ih), which the user never had
            raise RuntimeError(f"{who}: the state_dict holds the parameters of a torch.nn.{kind} (weight_ih_l0, ...), "
                               f"and torch.nn has no layer of {type(cell).__name__}, so this {type(self).__name__} "
                               f"cannot take it; load it into rnnkit.{kind}({w_ih.shape[1]}, {w_hh.shape[1]}) (or "
                               f"convert the module with rnnkit.{kind}.from_torch(module)){warm}")
        proj = theirs.get("weight_hr_l0")
        if isinstance(proj, torch.Tensor):
            raise RuntimeError(f"{who}: the state_dict holds a torch.nn.LSTM with proj_size={proj.shape[0]} "
                               f"(weight_hr_l0), which rnnkit does not support; project the output with a "
                               f"torch.nn.Linear instead")
        H = w_hh.shape[1]
        kind = {4: "LSTM", 3: "GRU", 1: "RNN"}.get(w_ih.shape[0] // H, "module")
        found = {"input_size": w_ih.shape[1], "hidden_size": H,
                 "num_layers": 1 + max(int(_TORCH_STATE_NAME.fullmatch(k)[2]) for k in theirs),
                 "bidirectional": any(k.endswith("_reverse") for k in theirs),
                 "bias": any(k.startswith("bias_") for k in theirs)}
        ours = {"input_size": self.input_size, "hidden_size": self.hidden_size, "num_layers": self.num_layers,
                "bidirectional": self.bidirectional, "bias": self.bias}
        compared = ("input_size", "hidden_size") if sizes_only else tuple(found)
        differ = [f"{k}={found[k]} (this layer: {ours[k]})" for k in compared if found[k] != ours[k]]
        if kind == torch_class.__name__ and not differ:
            return
        options = "".join(f", {k}={found[k]}" for k, default in (("num_layers", 1), ("bidirectional", False),
                                                                   ("bias", True)) if found[k] != default)
        what = ", ".join(differ) if kind == torch_class.__name__ else f"{w_ih.shape[0] // H} gate blocks"
        D, names = self.num_directions, ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if self.bias else ())
        expected = {f"{n}_l{k // D}" + ("_reverse" if k % D else "") for k in range(len(self.cells())) for n in names}
        extra, lacking = sorted(set(theirs) - expected), sorted(expected - set(theirs))
        keys = "".join(f"; {', '.join(ks[:4])}{', ...' if len(ks) > 4 else ''} {verb}" for ks, verb in
                       ((extra, "have no place here"), (lacking, "are missing")) if ks and not sizes_only)
        # RuntimeError, as torch.nn's load_state_dict raises for a state_dict that does not fit
        raise RuntimeError(f"{who}: the state_dict holds the parameters of a torch.nn.{kind} with {what}, which "
                           f"this {type(self).__name__} cannot take{keys}; build the layer to match, rnnkit.{kind}("
                           f"{found['input_size']}, {H}{options}) (or convert the module itself with "
                           f"rnnkit.{kind}.from_torch(module))")

    @classmethod
    def make_cell(cls, input_size, hidden_size, **kwargs):
        raise NotImplementedError

    def _torch_kwargs(self) -> dict:
        return {}

    @classmethod
    def from_torch(cls, module: nn.RNNBase, *, backend: str = "auto", **kwargs):
        """A layer with a copy of ``module``'s parameters (same device and dtype): the same function.

        rnnkit layers are always batch-first: a time-first ``module`` (``batch_first=False``, torch.nn's default) is
        warned of, as the tensors it took would be misread; ``batch_first=True`` says x will come batch-first (no
        warning). Its sizes, ``num_layers``,
        ``bidirectional``, ``bias`` and ``nonlinearity`` are the weights' own; ``dropout`` is taken from it unless
        given, and so are the other options of the layer (``zoneout=...``). A parametrized module
        (``torch.nn.utils.parametrizations.weight_norm(module, "weight_hh_l0")``) gives the weights it computes.
        Each parameter keeps ``requires_grad``: a frozen module converts to a frozen layer."""
        parametrized = torch.nn.utils.parametrize.is_parametrized(module) and type(module).__bases__ == (
            cls.torch_class,)  # weight_norm and friends make a subclass of the module's own class
        if type(module) is not cls.torch_class and not parametrized:
            name = type(module).__name__
            fix = (f"; convert it with rnnkit.{name}.from_torch(module)" if name in ("LSTM", "GRU", "RNN") and
                   type(module).__module__.startswith("torch.nn") else
                   f"; {composable_fix(module, 'a cell')}" if type(module).__module__.startswith("torch.nn") and
                   name in ("LSTMCell", "GRUCell", "RNNCell") else "")
            raise ValueError(f"{cls.__name__}.from_torch expects a torch.nn.{cls.torch_class.__name__}, got "
                             f"{name}{fix}")
        fixed = sorted(set(kwargs) & {"input_size", "hidden_size", "num_layers", "bidirectional", "bias",
                                      "nonlinearity", "forget_bias"})  # forget_bias: an init the copy overwrites
        if fixed:  # else Python's "got multiple values for keyword argument", naming no way on
            verb, it = ("is", "it") if len(fixed) == 1 else ("are", "them")
            shown = ", ".join(f"{k}={getattr(module, k)!r}" for k in fixed if hasattr(module, k))
            raise ValueError(f"{cls.__name__}.from_torch: {', '.join(fixed)} {verb} fixed by the module's weights, "
                             f"which are copied{f' ({shown})' if shown else ''}; leave {it} out, or build rnnkit."
                             f"{cls.__name__}(...) with yours and train it from its own initialisation")
        if getattr(module, "proj_size", 0):
            raise ValueError(
                f"{cls.__name__}.from_torch: proj_size={module.proj_size} (projected LSTM: its h is W_hr h_t, "
                f"{module.proj_size} values, not hidden_size={module.hidden_size}) is not supported by rnnkit's LSTM; "
                f"keep the torch.nn.LSTM for this model, or train an rnnkit.LSTM({module.input_size}, "
                f"{module.proj_size}) (no projection) or one of hidden_size {module.hidden_size} followed by a "
                f"torch.nn.Linear({module.hidden_size}, {module.proj_size})"
            )
        if not module.batch_first and kwargs.get("batch_first") is not True:  # its (T, B, F) tensors read as (B, T, F)
            warnings.warn(
                f"{cls.__name__}.from_torch: the module is time-first (batch_first=False, torch.nn's default), but "
                f"rnnkit layers read x batch-first (B, T, F) and return batch-first outputs and states (B, L*D, H): "
                f"its time-first x (T, B, F) would be read as T sequences of B steps, without an error; pass "
                f"x.transpose(0, 1) (and transpose the outputs back), or from_torch(module, batch_first=True) to say "
                f"x comes batch-first", UserWarning, stacklevel=2)
        extra = {"nonlinearity": module.nonlinearity} if cls.torch_class is nn.RNN else {}
        layer = cls(
            module.input_size,
            module.hidden_size,
            num_layers=module.num_layers,
            bidirectional=module.bidirectional,
            bias=module.bias,
            backend=backend,
            **extra,
            **{"dropout": module.dropout, **kwargs},  # a dropout given overrides the module's (fine-tuning)
        )
        ref = module.weight_ih_l0
        layer.to(device=ref.device, dtype=ref.dtype)
        layer._copy_parameters(module, to_torch=False)
        layer.train(module.training)
        return layer

    def to_torch(self) -> nn.RNNBase:
        """A torch.nn module (``batch_first=True``) with a copy of these parameters, computing the same
        function at inference. Recurrent dropouts are training-time only and are not carried over; a learned
        initial state or zoneout has no torch.nn equivalent and raises ValueError."""
        if self.learn_initial_state:
            raise ValueError("to_torch: torch.nn has no learned initial state; pass it as h0 yourself")
        if any(d.zoneout for d in self.directions()):
            raise ValueError(
                "to_torch: torch.nn has no zoneout, whose eval-time update differs from a plain step"
            )
        ref = self.cells()[0].weight_ih
        module = self.torch_class(
            self.input_size,
            self.hidden_size,
            num_layers=self.num_layers,
            bias=self.bias,
            batch_first=True,
            dropout=self.dropout,
            bidirectional=self.bidirectional,
            device=ref.device,
            dtype=ref.dtype,
            **self._torch_kwargs(),
        )
        self._copy_parameters(module, to_torch=True)
        module.train(self.training)
        return module

    @torch.no_grad()
    def _copy_parameters(self, module: nn.RNNBase, *, to_torch: bool) -> None:
        D = self.num_directions
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if self.bias else ("weight_ih", "weight_hh")
        for k, cell in enumerate(self.cells()):
            suffix = f"_l{k // D}" + ("_reverse" if k % D else "")
            for name in names:
                ours, theirs = getattr(cell, name), getattr(module, name + suffix)
                (theirs if to_torch else ours).copy_(ours if to_torch else theirs)
                # frozen stays frozen; a parametrized weight is computed (no requires_grad to set: its own are)
                if isinstance(theirs, nn.Parameter):
                    (theirs if to_torch else ours).requires_grad_((ours if to_torch else theirs).requires_grad)
        if to_torch:
            module.flatten_parameters()


class RNN(_TorchCompatible, cell_name="rnn"):
    __doc__ = """Elman RNN layer, ``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` per layer
    (:class:`rnnkit.cells.ElmanCell`); the same function and parameters as ``torch.nn.RNN``.
    ``nonlinearity="relu"`` as in torch.nn.
""" + _SHAPES.format(state_note="")

    torch_class = nn.RNN
    cell_options = ("nonlinearity",)

    @classmethod
    def make_cell(cls, input_size, hidden_size, *, bias=True, nonlinearity="tanh"):
        return ElmanCell(input_size, hidden_size, bias=bias, nonlinearity=nonlinearity)

    def _torch_kwargs(self) -> dict:
        return {"nonlinearity": self.cells()[0].nonlinearity}


class LSTM(_TorchCompatible, cell_name="lstm"):
    __doc__ = """LSTM layer (:class:`rnnkit.cells.LSTMCell`), the same function and parameters as
    ``torch.nn.LSTM`` (gate order i, f, g, o). ``forget_bias=1.0`` by default (Jozefowicz et al. 2015); pass
    ``forget_bias=None`` for torch.nn's init. The state is ``LSTMState(h, c)``.
""" + _SHAPES.format(state_note=" each   ``LSTMState(h, c)``")

    torch_class = nn.LSTM
    cell_options = ("forget_bias",)

    @classmethod
    def make_cell(cls, input_size, hidden_size, *, bias=True, forget_bias=1.0):
        return LSTMCell(input_size, hidden_size, bias=bias, forget_bias=forget_bias)


class GRU(_TorchCompatible, cell_name="gru"):
    __doc__ = """GRU layer (:class:`rnnkit.cells.GRUCell`), the same function and parameters as
    ``torch.nn.GRU`` (gate order r, z, n; reset gate applied after the recurrent matmul).
""" + _SHAPES.format(state_note="")

    torch_class = nn.GRU

    @classmethod
    def make_cell(cls, input_size, hidden_size, *, bias=True):
        return GRUCell(input_size, hidden_size, bias=bias)
