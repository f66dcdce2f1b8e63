"""Bidirectional and stacked layers, built by composition of :class:`Recurrent` layers."""

from __future__ import annotations

import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..cells.base import State, map_state
from ..checks import closest_name
from ..kernels.dispatch import BACKENDS, run_layer
from .checks import (
    _first_cell,
    check_dropout,
    check_input,
    check_state,
    composable_fix,
    refuse_hx,
    refuse_options,
    refuse_script,
    refuse_stale_weight_hooks,
)
from .recurrent import Recurrent


class Bidirectional(nn.Module):
    """Run one layer forward and another backward over the same sequences; concatenate their outputs.

    ``forward_layer`` must not reverse, ``backward_layer`` must (``Recurrent(cell, reverse=True)``), and both
    share input and hidden sizes. Padding stays at the end in both directions.

    ===============  =====================================================
    ``x``            ``(B, T, F)``
    ``state``        each field ``(B, 2, H)``: index 0 forward, 1 backward
    ``output``       ``(B, T, 2H)``: ``[forward, backward]`` on the last axis
    ``final_state``  each field ``(B, 2, H)``; the backward one is its state after reading step 0
    ===============  =====================================================
    """

    num_directions = 2

    def __init__(self, forward_layer: Recurrent, backward_layer: Recurrent):
        super().__init__()
        for name, layer in (("forward_layer", forward_layer), ("backward_layer", backward_layer)):
            if not isinstance(layer, Recurrent):
                kind = type(layer).__name__ if type(layer).__name__ in ("LSTM", "GRU", "RNN") else "LSTM"
                raise ValueError(f"Bidirectional: {name} must be a rnnkit.Recurrent, got {type(layer).__name__}; "
                                 f"wrap a cell in each direction: Bidirectional(Recurrent(cell_f), Recurrent(cell_b, "
                                 f"reverse=True)) (or rnnkit.{kind}(..., bidirectional=True))")
        if forward_layer is backward_layer:  # one layer cannot run both ways (a cell shared by two layers may)
            raise ValueError("Bidirectional: forward_layer and backward_layer are the same Recurrent object, which "
                             "runs one way; build each direction anew: Bidirectional(Recurrent(cell_f), "
                             "Recurrent(cell_b, reverse=True))")
        if forward_layer.reverse or not backward_layer.reverse:
            raise ValueError(
                f"Bidirectional: forward_layer needs reverse=False and backward_layer reverse=True, got "
                f"{forward_layer.reverse} and {backward_layer.reverse}; build them as Recurrent(cell_f) and "
                f"Recurrent(cell_b, reverse=True)"
            )
        sizes = [(d.input_size, d.hidden_size, type(d.cell).__name__) for d in (forward_layer, backward_layer)]
        if sizes[0][:2] != sizes[1][:2] or forward_layer.state_fields != backward_layer.state_fields:
            raise ValueError(
                f"Bidirectional: both directions must have the same input_size, hidden_size and state, got "
                f"{sizes[0][2]}({sizes[0][0]}, {sizes[0][1]}) forward and {sizes[1][2]}({sizes[1][0]}, "
                f"{sizes[1][1]}) backward; build both with one cell type and sizes (the output concatenates their "
                f"hidden states step by step)"
            )
        self.forward_layer, self.backward_layer = forward_layer, backward_layer

    input_size = property(lambda self: self.forward_layer.input_size)
    hidden_size = property(lambda self: self.forward_layer.hidden_size)
    state_fields = property(lambda self: self.forward_layer.state_fields)
    directions = property(lambda self: (self.forward_layer, self.backward_layer))

    def __prepare_scriptable__(self):  # torch.jit.script asks every module first: refuse by name
        refuse_script(self)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: State | None = None, *, loop=None,
                _hooks_checked: bool = False):
        """``loop``: each direction's time loop (see :class:`Recurrent`); default the reference loop;
        ``_hooks_checked`` (private): passed on to both directions (see :class:`Recurrent`)."""
        fwd_state = bwd_state = None
        if state is not None:
            state = check_state(state, (x.shape[0], 2, self.hidden_size), self.state_fields, "Bidirectional", x,
                                self.forward_layer.cell.state_type, layers=(1, 2), finite=not _hooks_checked)
            fwd_state, bwd_state = map_state(lambda s: s[:, 0], state), map_state(lambda s: s[:, 1], state)
        fwd, bwd = self.forward_layer, self.backward_layer
        y_f, s_f = fwd(x, lengths, fwd_state, loop=loop, **_checked(fwd, _hooks_checked))
        y_b, s_b = bwd(x, lengths, bwd_state, loop=loop, **_checked(bwd, _hooks_checked))
        return torch.cat([y_f, y_b], dim=-1), map_state(lambda f, b: torch.stack([f, b], dim=1), s_f, s_b)


class Stacked(nn.Module):
    """Layers applied one after another, with dropout between them, and one dispatch to a fast path.

    ``layers`` are :class:`Recurrent` or :class:`Bidirectional` layers whose cells share the hidden size and
    state structure; each layer's input size is the previous layer's output size.

    ================  =========================================================================
    ``x``             ``(B, T, F)``
    ``lengths``       ``(B,)``, optional
    ``state``         each field ``(B, L*D, H)``, ordered as torch.nn: layer 0 forward, layer 0
                      backward, layer 1 forward, ... (``L`` layers, ``D`` directions)
    ``output``        ``(B, T, D*H)``: the last layer's output, zero at padded steps
    ``final_state``   each field ``(B, L*D, H)``, same order
    ================  =========================================================================

    ``dropout`` is ordinary dropout on the outputs of every layer but the last (torch.nn's ``dropout``).
    ``backend``: ``"auto"`` runs the first fast path that can compute this call exactly and is ready (the C++
    CPU GRU loop once built, torch's fused kernels — cuDNN on GPU, ATen/oneDNN on CPU —, rnnkit's Triton
    kernels on GPU once they passed their self-check there, the C++ CPU loop of every built-in cell once
    built), else the reference loop; ``"native"``, ``"cpu_gru"``, ``"cpu_loop"`` or ``"fused"`` insists on
    that path (``ValueError`` with the reason otherwise);
    ``"reference"`` always runs the readable loop (``rnnkit.kernels.dispatch``). After each call
    ``last_backend`` is the backend that ran and ``last_backend_reason`` says why.
    """

    forward_options: tuple[str, ...] = ("lengths", "state")  # forward's keywords, named where another is given

    def __init__(self, layers, *, dropout: float = 0.0, backend: str = "auto"):
        super().__init__()
        layers = list(layers)
        if not layers:
            raise ValueError("Stacked: needs at least one layer")
        dropout = check_dropout("Stacked", "dropout", dropout)
        self.backend = backend  # checked by the property, which names the layer's class
        first = layers[0]
        for i, layer in enumerate(layers):
            if not isinstance(layer, Recurrent | Bidirectional):
                raise ValueError(
                    f"Stacked: layer {i} must be Recurrent or Bidirectional, got "
                    f"{f'the class {layer.__name__}' if isinstance(layer, type) else type(layer).__name__}; "
                    f"{composable_fix(layer, 'a layer')}"
                )
            same = next((j for j in range(i) if layers[j] is layer), None)
            if same is not None:  # [layer] * n: n layers of one set of weights, without a word (torch's ModuleList too)
                raise ValueError(
                    f"Stacked: layers {same} and {i} are the same {type(layer).__name__} object (a list made with "
                    f"[layer] * n?), so they would share one set of weights; build each layer anew, e.g. "
                    f"[rnnkit.Recurrent(rnnkit.LSTMCell(H, H)) for _ in range(n)] (to tie weights deliberately, give "
                    f"one cell to several Recurrent layers)"
                )
            if (layer.hidden_size, layer.state_fields, layer.num_directions) != (
                first.hidden_size,
                first.state_fields,
                first.num_directions,
            ):
                def describe(k, lay):
                    return (f"layer {k} {type(_first_cell(lay)).__name__} of hidden_size {lay.hidden_size}, "
                            f"{lay.num_directions} direction{'s' if lay.num_directions > 1 else ''}")
                raise ValueError(
                    f"Stacked: all layers need the same hidden_size, state structure and directions (the stack's "
                    f"state is one (B, L*D, H) per field), got {describe(i, layer)} after {describe(0, first)}; "
                    f"build every layer alike, or run layers of different designs one after the other yourself: "
                    f"y, s0 = stack_a(x, lengths); y, s1 = stack_b(y, lengths)"
                )
            if i and layer.input_size != first.num_directions * first.hidden_size:
                raise ValueError(
                    f"Stacked: layer {i} has input_size {layer.input_size}, expected the previous layer's "
                    f"output size {first.num_directions * first.hidden_size}; build layer {i}'s cell with input_size "
                    f"{first.num_directions * first.hidden_size} (hidden_size {first.hidden_size} times "
                    f"{first.num_directions} direction{'s' if first.num_directions > 1 else ''})"
                )
        if dropout > 0 and len(layers) == 1:  # torch.nn warns alike; the option would do nothing, silently
            warnings.warn(f"{type(self).__name__}: dropout={dropout} acts between recurrent layers, so with one "
                          f"layer it does nothing; use num_layers >= 2, or dropout on the output yourself",
                          UserWarning, stacklevel=2)
        self.layers = nn.ModuleList(layers)
        self.dropout = dropout
        self.last_backend: str | None = None
        self.last_backend_reason: str | None = None

    @property
    def backend(self) -> str:
        """The backend asked for (``"auto"``, a fast path's name or ``"reference"``); checked when set."""
        return self.__dict__.get("_backend", self.__dict__.get("backend", "auto"))  # a module saved whole before

    @backend.setter
    def backend(self, backend: str) -> None:
        if backend not in BACKENDS:  # set later (layer.backend = ...), it was a KeyError at the next call
            device = isinstance(backend, str) and backend.split(":")[0].lower() in ("cuda", "cpu", "gpu", "mps")
            near = closest_name(backend.strip().lower(), BACKENDS) if isinstance(backend, str) else None
            hint = (f"; {backend!r} is a device: move the layer with .to({backend.lower().replace('gpu', 'cuda')!r})"
                    if device else f"; did you mean {near!r}?" if near else "")  # a case or a typo: 'refrence'
            raise ValueError(f"{type(self).__name__}: backend must be one of {BACKENDS}, got {backend!r}{hint}")
        self.__dict__["_backend"] = backend

    input_size = property(lambda self: self.layers[0].input_size)
    hidden_size = property(lambda self: self.layers[0].hidden_size)
    num_layers = property(lambda self: len(self.layers))
    num_directions = property(lambda self: self.layers[0].num_directions)
    bidirectional = property(lambda self: self.num_directions == 2)
    state_fields = property(lambda self: self.layers[0].state_fields)
    output_size = property(lambda self: self.num_directions * self.hidden_size)

    def directions(self) -> list[Recurrent]:
        """Every single-direction layer in torch.nn's order (layer 0 forward, layer 0 backward, ...)."""
        return [d for layer in self.layers for d in (layer.directions if self.bidirectional else (layer,))]

    def cells(self):
        """Every cell in torch.nn's order."""
        return [d.cell for d in self.directions()]

    def reset_parameters(self) -> None:
        """torch.nn's ``reset_parameters``: every parameter of the layer back to its init, each cell's
        (``Cell.reset_parameters``: torch.nn's uniform init, rnnkit's forget-gate bias) and each direction's learned
        initial state (zeros)."""
        def reset(module):
            if callable(getattr(module, "reset_parameters", None)):
                module.reset_parameters()

        for child in self.children():  # children before their parents, as Module.apply (a cell after its convolutions)
            child.apply(reset)

    def initial_state(self, batch_size: int, *, device=None, dtype=None) -> State:
        """The default state, each field ``(B, L*D, H)``: zeros or each direction's learned vectors."""
        states = [d.initial_state(batch_size, device=device, dtype=dtype) for d in self.directions()]
        return map_state(lambda *fs: torch.stack(fs, dim=1), *states)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: State | None = None, *, hx=None, **options):
        who = type(self).__name__
        if options or hx is not None:  # the state's shape, named by either refusal
            shape = f"(B, L*D, H) = (B, {self.num_layers * self.num_directions}, {self.hidden_size})"
            if options:  # Keras's mask or initial_state, a misspelt lengths: Python's words name Stacked.forward
                refuse_options(who, options, shape, self.forward_options)
            refuse_hx(who, shape, "h.transpose(0, 1)")  # torch.nn's keyword, layers first
        refuse_stale_weight_hooks(self, who)
        lengths = check_input(x, self, lengths, who)
        if state is not None:
            n = self.num_layers * self.num_directions
            state = check_state(state, (x.shape[0], n, self.hidden_size), self.state_fields, who, x,
                                self.cells()[0].state_type, layers=(self.num_layers, self.num_directions))
        return run_layer(self, x, lengths, state)

    def forward_reference(self, x: Tensor, lengths: Tensor | None, state: State | None):
        """The readable path: each layer's unroller in turn, dropout between layers."""
        return self.unroll(x, lengths, state)

    def unroll(self, x: Tensor, lengths: Tensor | None, state: State | None, loop=None):
        """The layers in turn, dropout between them, every direction with ``loop`` as its time loop: the
        reference loop by default, a fast path's otherwise (see :class:`Recurrent`). Each layer is called as
        a module, so hooks on it (the diagnostics') see every backend that walks the layers."""
        D, finals = self.num_directions, []
        for i, layer in enumerate(self.layers):
            s = None if state is None else map_state(lambda f: f[:, i * D : (i + 1) * D], state)
            if s is not None and D == 1:
                s = map_state(lambda f: f[:, 0], s)
            x, s = layer(x, lengths, s, loop=loop, **_checked(layer, True))  # forward checked every cell's hooks
            finals.append(s if D == 2 else map_state(lambda f: f[:, None], s))
            if self.dropout > 0 and i < len(self.layers) - 1:
                x = F.dropout(x, self.dropout, training=self.training)
        return x, map_state(lambda *fs: torch.cat(fs, dim=1), *finals)

    def __prepare_scriptable__(self):  # torch.jit.script asks every module first: refuse by name
        refuse_script(self)

    def extra_repr(self) -> str:
        return (
            f"dropout={self.dropout}, backend={self.backend!r}"
            if self.dropout
            else f"backend={self.backend!r}"
        )


def _checked(layer: nn.Module, checked: bool) -> dict:
    """``{"_hooks_checked": True}`` for a layer whose forward is rnnkit's own (a subclass's forward of its own, which
    may not take the keyword, is called as before and checks its cell itself)."""
    own = type(layer).forward in (Recurrent.forward, Bidirectional.forward)
    return {"_hooks_checked": True} if checked and own else {}
