"""The cell contract: one time step, ``(x_t, state) -> (y_t, new_state)``.

A cell knows nothing about time, masks, direction or layers: :class:`rnnkit.Recurrent` owns those. To write a
new cell, subclass :class:`Cell`, create the parameters in ``__init__`` and define :meth:`Cell.step`; the
unroller, bidirectional and stacked layers then run it with no other change.

The input projection ``W_ih x_t + b_ih`` is affine in ``x_t`` alone, so it is computed for every time step at
once (one large matmul) by :meth:`Cell.project` before the loop; ``step`` receives the projected input
``xw_t``. A cell whose input enters non-linearly overrides ``project`` (e.g. to the identity).

States are a tensor ``(B, H)`` or a NamedTuple of such tensors whose **first field is the hidden output h**
(``LSTMState(h, c)``). Batch-first everywhere.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from ..checks import is_count, is_finite_number, is_integer, is_number_text, short_repr

State = Any  # a Tensor (B, H) or a NamedTuple of Tensors (B, ...) whose first field is h


def length_mask(lengths: Tensor | None, T: int, B: int | None = None) -> Tensor:
    """``(B, T)`` bool, true at the valid steps ``t < lengths[b]`` of a padded batch; all true without
    ``lengths`` (then ``B`` is needed). The one definition of "valid step" in rnnkit."""
    if lengths is None:
        return torch.ones(B, T, dtype=torch.bool)
    return torch.arange(T, device=lengths.device)[None, :] < lengths[:, None]


def readable(t: Tensor):
    """A context in which :func:`unbatched` values of ``t`` can be read: ``torch._C._DisableFuncTorch()`` when ``t``
    is wrapped by a ``torch.func`` transform (plain operations on the values it wraps), else nothing."""
    wrapped = torch._C._functorch.is_functorch_wrapped_tensor(t)
    return torch._C._DisableFuncTorch() if wrapped else contextlib.nullcontext()


def unbatched(t: Tensor) -> tuple[Tensor, int]:
    """``(values, k)``: the plain tensor that ``t`` wraps under ``torch.func`` transforms, whose values a check can
    read (``bool``, ``.item()`` on a tensor batched by ``vmap`` are refused), with the ``k`` dimensions that ``vmap``
    maps over first (outermost vmap first), then ``t``'s own; ``(t, 0)`` for a plain tensor. Call it, and read the
    values, in :func:`readable`."""
    functorch = torch._C._functorch
    if not functorch.is_functorch_wrapped_tensor(t):
        return t, 0
    if not functorch.is_batchedtensor(t):  # grad's or jvp's wrapper: the same values
        return unbatched(functorch.get_unwrapped(t))
    bdim = functorch.maybe_get_bdim(t)  # the mapped dimension among the dimensions of the wrapped tensor
    values, k = unbatched(functorch.get_unwrapped(t))
    return values.movedim(k + bdim, k), k + 1


def vmap_sample(index: list[int]) -> str:
    """Names a sample of ``torch.func.vmap``'s mapped dimension(s) by its index (outermost vmap first)."""
    return (f"torch.func.vmap's sample {index[0]}" if len(index) == 1 else
            f"torch.func.vmap's sample {tuple(index)} (outermost vmap first)")


class LSTMState(NamedTuple):
    """LSTM state, always in this order: hidden output ``h`` then memory cell ``c``; each ``(B, H)``."""

    h: Tensor
    c: Tensor

    def detach(self) -> LSTMState:
        """The same state cut from the graph, as ``Tensor.detach`` (the truncation of truncated BPTT)."""
        return detach_state(self)

    def to(self, *args, **kwargs) -> LSTMState:
        """Each field's ``Tensor.to(*args, **kwargs)`` (a device, a dtype, another tensor's), as on a tensor: a
        carried state moved with its model, ``state.to(device)``."""
        return LSTMState(self.h.to(*args, **kwargs), self.c.to(*args, **kwargs))


# A carried state saved with torch.save (a stream's checkpoint, the state between sessions of truncated BPTT) loads
# with torch.load's default weights_only=True: the type holds tensors only, so the restricted unpickler may build it
# (torch refused it by name and advised weights_only=False, which would run any pickle)
torch.serialization.add_safe_globals([LSTMState])


# a module's dicts of hooks, each run around its forward or backward, and the flags torch keeps beside them per hook
HOOK_DICTS = ("_forward_pre_hooks", "_forward_hooks", "_backward_hooks", "_backward_pre_hooks")
HOOK_FLAGS = ("_forward_hooks_with_kwargs", "_forward_pre_hooks_with_kwargs", "_forward_hooks_always_called")


def has_hooks(module: nn.Module) -> bool:
    """Whether ``module`` carries a forward pre-, forward, backward or backward pre-hook (:data:`HOOK_DICTS`): on a
    cell none of them ever runs (:func:`rnnkit.layers.checks.warn_cell_hooks`), and weight_norm, spectral_norm and
    prune are forward pre-hooks; on a layer inside a stack they run on the paths that call it as a module."""
    return any(getattr(module, name) for name in HOOK_DICTS)


def map_state(fn, *states: State, who: str = "map_state") -> State:
    """Apply ``fn`` field-wise to one or more states of the same structure: a tensor, an rnnkit state (a NamedTuple
    such as ``LSTMState``, kept its type) or a plain tuple or list of states (torch.nn.LSTM's ``(h, c)``, one state
    per layer), nested as given and kept a tuple or list; a None field stays None. ValueError, with ``who`` as its
    prefix, for a part that is none of these or for states of other structures (e.g. ``LSTMState`` and a tensor,
    whose rows would be zipped with its fields)."""
    first = states[0]
    if isinstance(first, Tensor):
        for s in states:
            if not isinstance(s, Tensor):
                raise ValueError(f"{who}: the states have other structures: {_structure(states)}; give states of "
                                 f"one structure (the same fields, in one order)")
        return fn(*states)
    kind = type(first)
    if hasattr(first, "_fields") and all(type(s) is kind for s in states):  # an rnnkit state: fields are tensors
        return kind(*(fn(*fields) for fields in zip(*states, strict=True)))
    if first is None and all(s is None for s in states):
        return None
    if not isinstance(first, tuple | list):
        raise ValueError(f"{who}: a state is a tensor, an rnnkit state (LSTMState) or a tuple or list of them, got "
                         f"{type(first).__name__}")
    if any(not isinstance(s, tuple | list) or len(s) != len(first) for s in states):
        raise ValueError(f"{who}: the states have other structures: {_structure(states)}; give states of one "
                         f"structure (the same fields, in one order)")
    fields = [map_state(fn, *parts, who=who) for parts in zip(*states, strict=True)]
    return kind(*fields) if hasattr(first, "_fields") else kind(fields)


def detach_state(state: State | None) -> State | None:
    """The same state, cut from the graph: the truncation of truncated BPTT. A plain tuple or list of states
    (torch.nn.LSTM's ``(h, c)``, one state per layer) is cut field by field and kept a tuple or list."""
    return map_state(Tensor.detach, state, who="detach_state")  # None stays None


def _structure(states) -> str:
    """``LSTMState of 2 and Tensor``: what each of ``states`` is, for an error."""
    def one(s):
        return f"{type(s).__name__} of {len(s)}" if isinstance(s, tuple | list) else type(s).__name__
    return " and ".join(map(one, states))


def check_forget_bias(who: str, forget_bias, bias: bool) -> None:
    """ValueError for a ``forget_bias`` other than the default 1.0 (or None) given to a cell built with ``bias=False``:
    it initialises the forget gate's bias, which such a cell does not have, so it would do nothing without a word."""
    if not bias and forget_bias is not None and forget_bias != 1.0:
        raise ValueError(f"{who}: forget_bias={forget_bias!r} sets the initial bias of the forget gate, but "
                         f"bias=False builds the cell without biases, so it would do nothing; leave forget_bias out "
                         f"(or pass None), or use bias=True")


def as_state(state: State, state_type: type | None, who: str, xw_t: Tensor | None = None,
             hidden_size: int | None = None, gate_size: int | None = None, cell: nn.Module | None = None) -> State:
    """``state`` as a cell of ``state_type`` reads it: for a NamedTuple type (``LSTMState``), itself, or
    torch.nn.LSTMCell's plain tuple ``(h, c)`` (or a list) of as many tensors, in the fields' order, made one; for
    None (a tensor state), the tensor h. ValueError naming what was given otherwise: a tensor would be unpacked along
    its batch rows (one row as h, the next as c) and a tuple reach torch as no tensor.

    With ``xw_t (B, G)`` (a cell's ``step``), each field must be ``(B, hidden_size)``: ValueError naming the shapes
    otherwise (torch's own errors name no state, and a ``(1, H)`` state would broadcast over the batch without a
    word, where torch.nn.LSTMCell refuses it), and ``xw_t`` must be ``(B, gate_size)`` (a ``(B, 1, G)`` one would
    broadcast against the state into ``(B, B, H)`` without a word). ``xw_t``, the state and ``cell``'s weights must
    have one dtype, except under autocast (mixed precision): ValueError naming the three otherwise (torch's "mat1
    and mat2 must have the same dtype" names none; a minimal cell, which has no recurrent weight, would step a
    float64 state in float64 without a word). One shape and one dtype comparison per field and step, and one of
    ``xw_t``'s dtype with the weights'."""
    if type(state) is not (Tensor if state_type is None else state_type):  # the layers' own states: one check
        state = _as_state(state, state_type, who)
    if xw_t is not None:
        if gate_size is not None and (xw_t.shape[-1] != gate_size or xw_t.ndim != 2):  # torch's error names no cell
            wrong_input(who, xw_t, gate_size)
        for t in (state,) if state_type is None else state:
            if t.shape != (xw_t.shape[0], hidden_size):
                _wrong_shape(state, state_type, who, xw_t, hidden_size)
            if t.dtype != xw_t.dtype:
                _other_dtype(state, state_type, who, xw_t, cell)
        if cell is not None:
            for weight in cell._parameters.values():  # its first own parameter: a dict, not cell.parameters()
                if weight is not None and xw_t.dtype != weight.dtype:
                    _other_dtype(state, state_type, who, xw_t, cell)
                break
            else:  # parameters in submodules alone (ConvLSTM's convolutions)
                weight = _first_weight(cell)
                if weight is not None and xw_t.dtype != weight.dtype:
                    _other_dtype(state, state_type, who, xw_t, cell)
    return state


def _first_weight(cell: nn.Module) -> Tensor | None:
    """The first parameter of ``cell`` (or of its submodules), whose dtype its step computes in; None for none."""
    return next(cell.parameters(), None)


def _other_dtype(state: State, state_type: type | None, who: str, xw_t: Tensor, cell: nn.Module | None) -> None:
    """Return under autocast, where the state (float32) and the projected input (bfloat16 / float16) differ by
    design and torch casts each op; else the ValueError for a state, or an ``xw_t``, of another dtype than the
    others'."""
    if not isinstance(xw_t, Tensor):  # numpy's array has a dtype and a device, of other kinds
        raise ValueError(f"{who}.step: xw_t must be a tensor (B, G), got {type(xw_t).__name__}; convert it with "
                         f"torch.as_tensor(xw_t), or project a tensor with the cell itself, cell.project(x)")
    tensors = state_fields(state)
    weight = next((p.dtype for p in cell.parameters()), None) if cell is not None else None
    if all(unmixed_dtypes(t, weight or xw_t.dtype) is None for t in (*tensors, xw_t)):
        return  # autocast mixes them (float32 and half precision; never float64 or an integer state)
    fields = ("h",) if state_type is None else state_type._fields
    given = ", ".join(f"{name} {t.dtype}" for name, t in zip(fields, tensors, strict=True))
    if weight is not None and xw_t.dtype != weight and all(t.dtype == xw_t.dtype for t in state_fields(state)):
        # xw_t and the state agree, the cell's weights are of another dtype
        fix = ", ".join(f"{name}.to({weight})" for name in fields)
        fix = fix if state_type is None else f"{state_type.__name__}({fix})"
        raise ValueError(f"{who}.step: xw_t and the state are {xw_t.dtype} ({given}) but the cell's weights are "
                         f"{weight}; step in the cell's dtype: project the input with the cell, cell.project(x.to("
                         f"{weight})), and give the state in {weight} ({fix}, or cell.zero_state(B, dtype={weight}))"
                         + (f", or convert the cell with cell.to({xw_t.dtype}) to step in {xw_t.dtype}"
                            if xw_t.dtype.is_floating_point else ""))
    if weight is not None and all(t.dtype == weight for t in state_fields(state)):  # xw_t is the odd one
        raise ValueError(f"{who}.step: xw_t is {xw_t.dtype} but the cell's weights and the state are {weight} "
                         f"({given}); project the input with the cell itself, cell.project(x.to({weight})), or convert "
                         f"it with xw_t.to({weight}){unmixed_dtypes(xw_t, weight) or ''}")
    dtype = weight or xw_t.dtype
    fix = ", ".join(f"{name}.to({dtype})" for name in fields)
    fix = fix if state_type is None else f"{state_type.__name__}({fix})"
    weights = f" and the cell's weights are {weight}" if weight is not None else ""
    odd = next(t for t in tensors if t.dtype != dtype)  # the state's own dtype: the cell may step in it, if floating
    other = (f", or convert the cell with cell.to({odd.dtype}) and project in it{unmixed_dtypes(odd, dtype) or ''}"
             if odd.is_floating_point() else f" (a state holds real numbers, not {odd.dtype})")
    raise ValueError(f"{who}.step: the state is {given} but xw_t (the projected input) is {xw_t.dtype}{weights}; "
                     f"give the state in {dtype}: {fix} (the zeros: cell.zero_state(B, dtype={dtype})){other}")


def wrong_input(who: str, xw_t: Tensor, gate_size: int):
    """The ValueError for an ``xw_t`` that is not ``(B, gate_size)``: a raw input, one sequence's step (torch.nn's
    unbatched form) or the projection of several steps."""
    shape = tuple(xw_t.shape)
    if len(shape) == 1 and shape[0] == gate_size:
        raise ValueError(f"{who}.step: xw_t has shape {shape}, one sequence's step without its batch axis (torch.nn's "
                         f"unbatched form, which rnnkit's cells do not read); a step takes a batch, xw_t (B, "
                         f"{gate_size}): for one sequence pass xw_t[None], with a state of one row, (1, H) per field")
    if len(shape) >= 3 and shape[-1] == gate_size:
        fix = ("drop the time axis of one step's projection: cell.step(cell.project(x_t[:, None])[:, 0], state)"
               if len(shape) == 3 and shape[1] == 1 else
               "for a whole sequence run rnnkit.Recurrent(cell)(x), or step through xw.unbind(1)" if len(shape) == 3
               else "a step takes (B, G)")
        raise ValueError(f"{who}.step: xw_t has shape {shape}, but a step takes one time step of the batch, (B, "
                         f"{gate_size}), whose rows meet the state's (more axes would broadcast against it); {fix}")
    raise ValueError(f"{who}.step: xw_t has {shape[-1] if shape else 0} features (shape {shape}) but the cell's "
                     f"projected input has {gate_size} per step: step takes the input projected by cell.project, "
                     f"not the raw x_t (B, F): cell.step(cell.project(x_t[:, None])[:, 0], state)")


def _wrong_shape(state: State, state_type: type | None, who: str, xw_t: Tensor, hidden_size: int):
    B, fields = xw_t.shape[0], ("h",) if state_type is None else state_type._fields
    given = ", ".join(f"{name} {tuple(t.shape)}" for name, t in zip(fields, state_fields(state), strict=True))
    hint = ("; a state of one row is not broadcast over the batch (torch.nn.LSTMCell refuses it too): expand it, "
            "e.g. h.expand(B, -1), or start from cell.zero_state(B)"
            if any(t.dim() == 2 and t.shape[0] == 1 and t.shape[1] == hidden_size for t in state_fields(state)) else
            f"; torch.nn.{'LSTM' if len(fields) == 2 else 'GRU/RNN'}'s layout (num_layers, B, H)? a cell's state is "
            f"one layer's, (B, H): pass {', '.join(f'{n}[0]' for n in fields)}"
            if all(tuple(t.shape) == (1, B, hidden_size) for t in state_fields(state)) else
            f"; a state is flat, one row per sequence: pass {', '.join(f'{n}.flatten(1)' for n in fields)}"
            if all(t.dim() > 2 and t.shape[0] == B and t[0].numel() == hidden_size for t in state_fields(state)) else
            "; the zeros are cell.zero_state(batch_size)")
    raise ValueError(f"{who}.step: a step of xw_t {tuple(xw_t.shape)} ({B} sequences) takes a state of "
                     f"({B}, {hidden_size}) per field (one row per sequence, hidden_size {hidden_size}), got {given}"
                     f"{hint}")


def _as_state(state: State, state_type: type | None, who: str) -> State:
    fields = ("h",) if state_type is None else state_type._fields
    if state_type is not None and isinstance(state, tuple | list) and len(state) == len(fields) and \
            all(isinstance(t, Tensor) for t in state):
        return state_type(*state)
    if state_type is None and isinstance(state, Tensor):  # a subclass (nn.Parameter)
        return state
    got = (f"a {type(state).__name__} of {len(state)} ({', '.join(type(t).__name__ for t in state)})"
           if isinstance(state, tuple | list) else
           f"a tensor of shape {tuple(state.shape)}" if isinstance(state, Tensor) else type(state).__name__)
    names = ", ".join(fields)
    wanted = ("a tensor h (B, H), as torch.nn.GRUCell and RNNCell take hx" if state_type is None else
              f"{state_type.__name__}({names}) or a tuple ({names}) of {len(fields)} tensors (B, H), as "
              f"torch.nn.LSTMCell takes (h, c)")
    arrays = [t for t in (state if isinstance(state, tuple | list) else (state,)) if not isinstance(t, Tensor)
              and hasattr(t, "__array__")]  # numpy's or pandas' arrays, as a stream's store keeps them
    fix = ("convert " + ("it with torch.as_tensor(h, dtype=torch.float32)" if state_type is None else
                         f"each with {state_type.__name__}(*(torch.as_tensor(a, dtype=torch.float32) for a in state))")
           + " (in the cell's dtype, float32 unless converted)" if arrays else
           "the zeros are cell.zero_state(batch_size)")
    raise ValueError(f"{who}: state must be {wanted}, got {got}; {fix}")


def state_fields(state: State) -> tuple[Tensor, ...]:
    """The tensors of a state as a tuple (a plain tensor gives a 1-tuple)."""
    return (state,) if isinstance(state, Tensor) else tuple(state)


def _per_layer(state: State) -> bool:
    """True for a structure of one state per layer: a list, or a tuple of states that are not tensors (a tuple of
    tensors is one state, torch.nn's ``(h, c)``)."""
    return isinstance(state, list) or (type(state) is tuple and not all(isinstance(s, Tensor) for s in state))


def hidden_of(state: State) -> Tensor:
    """The hidden output h of a state: the tensor itself or its first field; of a list of per-layer states, the list
    of their h (:func:`replace_hidden` takes it back)."""
    if _per_layer(state):
        return type(state)(hidden_of(s) for s in state)
    return state if isinstance(state, Tensor) else state[0]


def replace_hidden(state: State, h: Tensor) -> State:
    """The state with its hidden output h replaced (used by recurrent dropout on h only); a list of per-layer states
    takes a list of as many h, one per layer (as :func:`hidden_of` gives them), each replacing its layer's h."""
    if _per_layer(state):
        if not isinstance(h, tuple | list) or len(h) != len(state):
            got = f"a {type(h).__name__} of {len(h)}" if isinstance(h, tuple | list) else f"a {type(h).__name__}"
            raise ValueError(f"replace_hidden: the state is a {type(state).__name__} of {len(state)} per-layer states, "
                             f"so h must be a list of {len(state)} hidden outputs, one per layer (as hidden_of(state) "
                             f"gives them), got {got}")
        return type(state)(replace_hidden(s, h_layer) for s, h_layer in zip(state, h, strict=True))
    if isinstance(state, Tensor):
        return h
    return state._replace(**{state._fields[0]: h}) if hasattr(state, "_fields") else type(state)((h, *state[1:]))


class Cell(nn.Module):
    """Base class of every recurrent cell.

    Subclasses set ``input_size``, ``hidden_size`` and ``gate_size`` (the width of the projected input, e.g.
    ``4H`` for an LSTM), create ``weight_ih (G, F)`` and ``bias_ih (G,)`` if they use the default projection,
    and implement :meth:`step`. ``state_type`` is the NamedTuple class of the state (None for a tensor h).

    A gated cell (LSTM, GRU) also defines ``gates(xw_t, state) -> {name: activation}``: its gate equations,
    each activation ``(N, H)`` for ``xw_t (N, G)``, in gate order under the textbook names. Its ``step`` calls
    it, and :func:`rnnkit.diagnostics.gate_statistics` calls it on every traced step at once (``N = B * T``).

    Shapes: ``B`` batch, ``T`` time, ``F`` input features, ``H`` hidden size, ``G`` gate size.
    """

    input_size: int
    hidden_size: int
    gate_size: int
    state_type: type | None = None  # a NamedTuple class, or None for a tensor state h

    def project(self, x: Tensor) -> Tensor:
        """Input projection for all time steps at once: ``(B, T, F) -> (B, T, G)``."""
        check_project(self, x, self.weight_ih)
        if self.bias_ih is None:
            return x @ self.weight_ih.T
        # the gate size given, not -1: an empty batch (B = 0) has no size to infer
        return torch.addmm(self.bias_ih, x.reshape(-1, x.shape[-1]), self.weight_ih.T).view(*x.shape[:-1],
                                                                                             self.weight_ih.shape[0])

    def step(self, xw_t: Tensor, state: State) -> tuple[Tensor, State]:
        """One time step: ``xw_t (B, G)``, ``state`` -> ``(y_t (B, H), new_state)``."""
        raise NotImplementedError

    def forward(self, *args, **kwargs):
        # torch.nn.LSTMCell habits: cell(x_t, (h, c)). A cell here is one step of an unroller, on the projected
        # input, and returns (y_t, new_state): say so rather than torch's "missing the required forward".
        raise TypeError(
            f"{type(self).__name__} is not called directly: run it over time with rnnkit.Recurrent(cell)(x) "
            f"(x (B, T, F); one step is x[:, None]), or step it yourself with "
            f"cell.step(cell.project(x[:, None])[:, 0], state) -> (y_t, new_state)"
        )

    def zero_state(self, batch_size: int, *, device=None, dtype=None) -> State:
        """The all-zeros state for a batch, on the cell's weights' device and dtype unless ``device`` or ``dtype``
        is given (a float64 or CUDA cell's state as its steps read it, as torch.nn.LSTM's default ``hx``)."""
        if isinstance(batch_size, torch.SymInt):  # x.shape[0] while torch.compile traces with dynamic shapes
            pass
        elif not (is_integer(batch_size) or isinstance(batch_size, Tensor) and not batch_size.is_floating_point()) \
                or batch_size < 0:  # torch's own words for 2.0: "zeros() takes 1 positional argument but 2 were given"
            got = (f"a tensor of shape {tuple(batch_size.shape)}; pass its batch size, x.shape[0]"
                   if isinstance(batch_size, Tensor) and batch_size.dim() else short_repr(batch_size))
            raise ValueError(f"{type(self).__name__}.zero_state: batch_size must be an integer >= 0 (the number of "
                             f"sequences), got {got}")
        if dtype is not None and not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            # torch.int64 would give a state that no step reads; "float64" torch's "must be torch.dtype, not str"
            named = getattr(torch, dtype, None) if isinstance(dtype, str) else None
            weight = _first_weight(self)
            fix = (f"torch.{dtype}" if isinstance(named, torch.dtype) and named.is_floating_point else
                   str(weight.dtype) if weight is not None else "torch.float32")
            mine = f" (the cell's weights are {weight.dtype})" if weight is not None else ""
            raise ValueError(f"{type(self).__name__}.zero_state: dtype must be a floating-point torch.dtype{mine}, got "
                             f"{dtype!r}; pass dtype={fix}")
        weight = _first_weight(self) if device is None or dtype is None else None
        if weight is not None:
            device = weight.device if device is None else device
            dtype = weight.dtype if dtype is None else dtype
        z = lambda: torch.zeros(batch_size, self.hidden_size, device=device, dtype=dtype)
        if self.state_type is None:
            return z()
        return self.state_type(*(z() for _ in self.state_type._fields))

    def reset_parameters(self) -> None:
        """Every tensor of the cell to its initial values (:meth:`initialise`), a parametrized one too (weight_norm,
        spectral_norm or a DropConnect mask on ``weight_hh``: :func:`init_`)."""
        names = [name for name, p in self._parameters.items() if p is not None]
        if parametrize.is_parametrized(self):  # its parameter moved into the parametrization, as original(s)
            names += list(self.parametrizations)
        for name in names:
            init_(self, name, lambda t, name=name: self.initialise(name, t))

    def initialise(self, name: str, t: Tensor) -> None:
        """Initialise the cell's tensor ``name``, given as ``t``, in place: torch.nn's U(-1/sqrt(H), 1/sqrt(H))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        nn.init.uniform_(t, -bound, bound)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


def unmixed_dtypes(x: Tensor, dtype: torch.dtype) -> str | None:
    """None where ``x`` runs with parameters of ``dtype``: the same, or mixed by the autocast on ``x``'s device;
    else the end of the refusal's fix. Autocast lowers float32 and half tensors, never float64, so float64 beside
    another dtype fails inside under it too (torch's ``mat1 and mat2 must have the same dtype``: numpy's float64
    arrays given to a float32 model in an autocast training loop)."""
    if x.dtype == dtype:
        return None
    autocast, floating = torch.is_autocast_enabled(x.device.type), x.is_floating_point()
    wide = torch.float64 in (x.dtype, dtype) or not floating
    if autocast and not wide:
        return None
    return (" (torch.autocast lowers float32, not float64, so it does not mix these)" if autocast and floating else
            "" if wide else " (or run under torch.autocast for mixed precision)")


def check_project(cell, x: Tensor, param: Tensor, *, time_axis: bool = False) -> None:
    """ValueError naming the cell unless ``x`` is ``(..., cell.input_size)`` (``(B, T, input_size)`` with
    ``time_axis``) of ``param``'s dtype (or one autocast mixes, :func:`unmixed_dtypes`): torch's own words ("mat1
    and mat2 must have the same dtype", a failed reshape) name no cell."""
    tensor = isinstance(x, Tensor)  # numpy's array has no dim(): an AttributeError that names no cell
    shape_ok = tensor and x.dim() >= 1 and x.shape[-1] == cell.input_size and (x.dim() == 3 or not time_axis)
    if shape_ok and unmixed_dtypes(x, param.dtype) is None:
        return
    who, F = type(cell).__name__, cell.input_size
    if not tensor:
        shape = f" of shape {tuple(x.shape)}" if hasattr(x, "shape") else ""
        raise ValueError(f"{who}.project: x must be a tensor (B, T, input_size={F}), got {type(x).__name__}{shape}; "
                         f"convert it with torch.as_tensor(x, dtype={param.dtype})")
    if not shape_ok:
        fix = (frames_fix(cell, tuple(x.shape)) or "x.flatten(2)" if x.dim() > 3 and math.prod(x.shape[2:]) == F else
               "x[:, None] for one step (B, F)" if x.dim() == 2 and x.shape[-1] == F else f"x (B, T, {F})")
        raise ValueError(f"{who}.project: x must be (B, T, input_size={F}), got shape {tuple(x.shape)}; pass {fix}")
    cell_fix = f" or the cell with cell.to({x.dtype})" if x.is_floating_point() else ""  # not an int64 cell
    raise ValueError(f"{who}.project: x is {x.dtype} but the cell's parameters are {param.dtype}; convert the input "
                     f"with x.to({param.dtype}){cell_fix}{unmixed_dtypes(x, param.dtype)}")


def frames_fix(cell, shape: tuple[int, ...]) -> str | None:
    """For frames ``(B, T, ...)`` given to a cell of images (``in_channels`` and ``image_size``, ConvLSTMCell) whose
    sizes multiply to its input size but are not ``(C, Hi, Wi)``: how to bring them there before ``flatten(2)``
    (channels last, as OpenCV, PIL and imageio give frames), or the order it reads; None for frames in that order
    or another cell. ``flatten(2)`` of ``(B, T, Hi, Wi, C)`` would give as many numbers in another order, which the
    convolutions would read as other images, without a word."""
    size, C = getattr(cell, "image_size", None), getattr(cell, "in_channels", None)
    if size is None or C is None or len(shape) != 5 or shape[2:] == (C, *size):
        return None
    if shape[2:] == (*size, C):
        return (f"x.permute(0, 1, 4, 2, 3).flatten(2): the frames are channels last (B, T, Hi, Wi, C), as OpenCV and "
                f"PIL give them, and the cell reads (B, T, C, Hi, Wi) = (B, T, {C}, {size[0]}, {size[1]}) flattened; "
                f"flatten(2) alone would give the numbers in another order")
    return (f"frames (B, T, C, Hi, Wi) = (B, T, {C}, {size[0]}, {size[1]}) flattened, x.flatten(2), once their axes "
            f"are in that order (permute them; flatten(2) alone would read other images)")


def init_(module: nn.Module, name: str, init) -> None:
    """Initialise the tensor ``module.<name>`` by the in-place ``init``: a parameter where it is; a parametrized one
    (``torch.nn.utils.parametrize``: weight_norm, spectral_norm, a DropConnect mask) as a fresh tensor of its
    shape, assigned, which torch writes back through the parametrization's ``right_inverse`` (without one, the
    original it is applied to, in place). In place on ``module.<name>``, ``init`` would change the weight computed
    at that access, which nothing keeps: the weight stayed as trained."""
    with torch.no_grad():
        if not parametrize.is_parametrized(module, name):
            init(getattr(module, name))
        elif all(hasattr(p, "right_inverse") for p in module.parametrizations[name]):
            value = torch.empty_like(getattr(module, name))
            init(value)
            setattr(module, name, value)
        else:  # a mask or a map without an inverse: its original is the weight it is applied to
            init(module.parametrizations[name].original)


def reset_module(module: nn.Module) -> None:
    """``module.reset_parameters()`` of a torch.nn layer held by a cell (TimeAware's ``decay_h``, ConvLSTM's
    convolutions), its own init in its order of random draws, where a tensor carrying a parametrization is
    initialised too: torch's init writes in place into the weight computed at that access, which nothing keeps
    (the weight stayed as trained). Under ``parametrize.cached()`` every access returns one computed tensor, so
    the init's values stay there to be taken through :func:`init_`."""
    if not parametrize.is_parametrized(module):
        module.reset_parameters()
        return
    with parametrize.cached():
        module.reset_parameters()
        values = {name: getattr(module, name).detach().clone() for name in module.parametrizations}
    for name, value in values.items():
        init_(module, name, lambda t, value=value: t.copy_(value))


def check_sizes(cell, input_size, hidden_size) -> None:
    """ValueError unless both sizes are integers >= 1 (3.5 or "8" would fail in torch.empty, far from here)."""
    if not (is_count(input_size) and is_count(hidden_size)):
        fixes = [size_fix(name, value) for name, value in (("input_size", input_size), ("hidden_size", hidden_size))
                 if not is_count(value)]
        raise ValueError(f"{type(cell).__name__}: input_size and hidden_size must be integers >= 1, got "
                         f"{_size_repr(input_size)}, {_size_repr(hidden_size)}; " + "; ".join(fixes))


def _module_name(module: nn.Module) -> str:
    """``torch.nn.LSTM`` or ``rnnkit.LSTM``: a module's class as the user wrote it (torch's, rnnkit's or another)."""
    root = type(module).__module__.split(".")[0]
    return f"{'torch.nn' if root == 'torch' else root}.{type(module).__name__}"


def _size_repr(value) -> str:
    """A size as the message shows it: a module by its class and sizes (its repr spans lines), else short_repr; a
    module of no ``input_size`` or ``hidden_size`` (``torch.nn.Linear``) by its class alone."""
    if not isinstance(value, nn.Module):
        return short_repr(value)
    sizes = [str(v) for v in (getattr(value, "input_size", None), getattr(value, "hidden_size", None)) if is_count(v)]
    return f"{_module_name(value)}({', '.join(sizes)})" if sizes else _module_name(value)


# a module's width of output, where it has no input_size of its own: what a layer reading its outputs takes as input
_OUTPUT_WIDTHS = ("embedding_dim", "out_features")


def torch_conversion(module: nn.Module, it: str = "the module") -> str | None:
    """The way to take a torch.nn recurrent module's weights into rnnkit, in words: ``from_torch`` for torch.nn's
    RNN, LSTM and GRU (their exact classes, the ones ``from_torch`` converts), a cell's ``load_state_dict`` for its
    RNNCell, LSTMCell and GRUCell; None for any other module."""
    if type(module) in (nn.RNN, nn.LSTM, nn.GRU):
        return f"to convert {it} with its weights: rnnkit.{type(module).__name__}.from_torch(module)"
    if type(module) in (nn.RNNCell, nn.LSTMCell, nn.GRUCell):
        return "to take its weights: build the cell of its sizes, then cell.load_state_dict(module.state_dict())"
    return None


_SIZES = {"input_size": ("feature", "the number of features of each step, x.shape[-1]"),
          "hidden_size": ("unit", "the number of units, e.g. 32"),
          "num_layers": ("layer", "the number of layers stacked, 1 for one (2 or 3 for a deeper stack)")}


def size_fix(name: str, value) -> str:
    """The way on for a size (``input_size``, ``hidden_size``, ``num_layers``) that is no count: a whole float, text
    or a 0-d tensor as the int, 0 or less as at least 1, a bool as no count, a tensor of dimensions (the batch) as
    its number of features, a module built already as its own size of that name (``module.input_size``) or, for
    ``input_size``, the width of its outputs (an Embedding's ``embedding_dim``, a Linear's ``out_features``), with
    torch.nn's conversion where it has one (:func:`torch_conversion`)."""
    unit, what = _SIZES[name]
    if isinstance(value, nn.Module):  # a layer or cell built already, given where its size goes
        own = getattr(value, name, None)
        width = next((a for a in _OUTPUT_WIDTHS if is_count(getattr(value, a, None))), None)
        fix = (f"give {name}={own}, the module's own ({name}=module.{name})" if is_count(own) else
               f"give {name}={getattr(value, width)}, the width of its outputs (module.{width}), for a layer that "
               f"reads them" if width and name == "input_size" else f"give {what}")
        conversion = torch_conversion(value)
        fix += f"; {conversion}" if conversion else ""
        return f"{name} is a module, {_module_name(value)}, not a count: {fix}"
    if isinstance(value, Tensor) and value.dim() >= 1 and name == "input_size":  # the batch itself, for its size
        return f"input_size is a tensor of shape {tuple(value.shape)}: pass its number of features, x.shape[-1]"
    if isinstance(value, Tensor) and value.dim() == 0 and not value.is_complex() and value.dtype != torch.bool:
        held = value.item()  # a size read off a tensor (x.shape[-1] is an int; t.sum() or a sweep's value is not)
        if math.isfinite(held) and float(held).is_integer() and held >= 1:
            return f"{name} is a 0-d tensor: give it as an int, {name}={int(held)} (int({name}))"
    if isinstance(value, bool):
        return f"{name}={value} is a bool, no count: give {what}"
    if isinstance(value, str) and is_number_text(value) and float(value).is_integer() and float(value) >= 1:
        return f"{name} is text: give the number, {name}={int(float(value))}"
    if is_finite_number(value) and not isinstance(value, bool):
        value = float(value)
        if value.is_integer() and value >= 1:
            return f"{name} is {value:g} as a float: give it as an int, {name}={int(value)}"
        if value < 1:
            return f"{name}={value:g} holds no {unit}: give {what}"
    return f"give {name} as an int, {what}"


class AffineCell(Cell):
    """A cell with torch.nn's four affine parameters: ``weight_ih (G, F)``, ``weight_hh (G, H)``,
    ``bias_ih (G,)``, ``bias_hh (G,)`` where ``G = num_gates * H``. Names and layouts equal torch.nn's, so
    parameters convert 1:1."""

    num_gates: int = 1  # H-wide blocks in the projected input

    def __init__(self, input_size: int, hidden_size: int, *, bias: bool = True):
        super().__init__()
        check_sizes(self, input_size, hidden_size)
        self.input_size, self.hidden_size = input_size, hidden_size
        self.gate_size = self.num_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(self.gate_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(self.gate_size, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(self.gate_size))
            self.bias_hh = nn.Parameter(torch.empty(self.gate_size))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def recurrent(self, h: Tensor) -> Tensor:
        """``W_hh h + b_hh``: ``(B, H) -> (B, G)``."""
        if self.bias_hh is None:
            return h @ self.weight_hh.T
        return torch.addmm(self.bias_hh, h, self.weight_hh.T)
