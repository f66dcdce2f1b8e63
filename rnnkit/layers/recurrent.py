"""One generic unroller: any cell over time, with lengths, reversal, initial state and recurrent dropout."""

from __future__ import annotations

import contextlib
import warnings

import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from ..cells.base import Cell, State, hidden_of, map_state, replace_hidden
from ..cells.time_aware import TimeAware
from ..checks import check_flags
from ..kernels.unroll import valid_steps
from .checks import (
    check_dropout,
    check_input,
    check_state,
    composable_fix,
    refuse_hx,
    refuse_options,
    refuse_script,
    refuse_stale_weight_hooks,
    warn_unrolled_loop,
)


def reverse_padded(x: Tensor, lengths: Tensor | None) -> Tensor:
    """Reverse each sequence of ``x (B, T, ...)`` within its length, keeping the padding at the end.

    Sequence b with length L becomes ``x[b, L-1], ..., x[b, 0], pad...``. Applying it twice is the identity.
    """
    T = x.shape[1]
    if lengths is None:
        return x.flip(1)
    t = torch.arange(T, device=x.device)
    idx = torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t)  # (B, T)
    idx = idx.view(*idx.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return x.gather(1, idx)


class Recurrent(nn.Module):
    """Unroll a cell over time: ``layer(x, lengths=None, state=None) -> (output, final_state)``.

    ========================  ==========================================================================
    ``x``                     ``(B, T, F)`` float, batch-first
    ``lengths``               ``(B,)`` ints in ``[1, T]``, optional; steps at ``t >= lengths[b]`` are padding
    ``state``                 the cell's state, each field ``(B, H)``; default zeros (or learned, see below)
    ``output``                ``(B, T, H)``; zero at padded steps (as torch's packed sequences give)
    ``final_state``           each field ``(B, H)``: the state at each sequence's last valid step
    ========================  ==========================================================================

    The loop is the whole algorithm::

        x = where(t < lengths, x, 0)               # padding never enters the maths, whatever it holds (NaN)
        xw = cell.project(x)                       # (B, T, G), all steps at once
        for t in range(T):
            y, new = cell.step(xw[:, t], state)
            state = where(t < lengths, new, state)  # padded steps keep the state

    Options (keyword-only):

    - ``reverse``: run from the last valid step to the first; padding stays at the end of the output.
    - ``learn_initial_state``: the default initial state is a learned vector per field (zeros at init).
    - ``input_dropout``: variational dropout on the inputs, one mask per sequence shared by all steps
      (Gal & Ghahramani 2016).
    - ``hidden_dropout``: variational dropout on the hidden output h fed back into the recurrence, one mask
      per sequence (Gal & Ghahramani 2016). The memory cell c of an LSTM is not dropped.
    - ``trace``: set to a list (diagnostics do) to receive the state after every processed step, in
      processing order (last step first when ``reverse``).
    - ``zoneout``: each unit of each state field keeps its previous value with this probability at each step
      in training; in eval the update is the expectation ``p * old + (1 - p) * new`` (Krueger et al. 2017).

    The recurrent dropouts run on this reference path and in the C++ CPU loop (``backend="cpu_loop"``, which
    draws the same random numbers); torch's fused kernels and the Triton kernels have no such option, so
    layers that would dispatch to those fall back while they are active, and say so in ``last_backend_reason``.
    """

    num_directions = 1

    def __init__(
        self,
        cell: Cell,
        *,
        reverse: bool = False,
        learn_initial_state: bool = False,
        input_dropout: float = 0.0,
        hidden_dropout: float = 0.0,
        zoneout: float = 0.0,
    ):
        super().__init__()
        if not isinstance(cell, Cell):
            got = f"the class {cell.__name__}" if isinstance(cell, type) else type(cell).__name__
            raise ValueError(f"Recurrent: cell must be an rnnkit Cell, got {got}; {composable_fix(cell, 'a cell')}")
        input_dropout, hidden_dropout, zoneout = (  # as Python floats where a 0-d tensor gave them
            check_dropout("Recurrent", name, p) for name, p in (
                ("input_dropout", input_dropout), ("hidden_dropout", hidden_dropout), ("zoneout", zoneout)))
        check_flags("Recurrent: ", reverse=reverse, learn_initial_state=learn_initial_state)
        if reverse and isinstance(cell, TimeAware):  # runs (the kernels' tests compare it), but is no GRU-D
            warnings.warn("Recurrent: a reversed TimeAware layer reads delta, the time since each feature was last "
                          "observed before each step, backwards: its input decay shrinks the value it saw last (the "
                          "next observation in time) by the gap to the previous one, and its hidden decay by gaps to "
                          "steps it has not read; GRU-D's decays are defined forward in time: use TimeAware in "
                          "forward layers (bidirectional=False, as the estimators' time_aware=True does)",
                          UserWarning, stacklevel=2)
        self.cell = cell
        self.reverse = reverse
        self.input_dropout, self.hidden_dropout, self.zoneout = input_dropout, hidden_dropout, zoneout
        if learn_initial_state:
            fields = cell.state_type._fields if cell.state_type else ("h",)
            self.initial = nn.ParameterList([nn.Parameter(torch.zeros(cell.hidden_size)) for _ in fields])
        else:
            self.initial = None
        self.trace: list | None = None  # diagnostics set a list here to receive the state after every step

    @property
    def input_size(self) -> int:
        return self.cell.input_size

    @property
    def hidden_size(self) -> int:
        return self.cell.hidden_size

    @property
    def state_fields(self) -> tuple[str, ...]:
        return self.cell.state_type._fields if self.cell.state_type else ("h",)

    @property
    def uses_recurrent_dropout(self) -> bool:
        return self.training and (self.input_dropout > 0 or self.hidden_dropout > 0) or self.zoneout > 0

    def reset_parameters(self) -> None:
        """The learned initial state (``learn_initial_state=True``) back to its init, zeros; the cell's parameters
        are the cell's own (``cell.reset_parameters()``). So the re-initialisation idiom ``model.apply(lambda m:
        m.reset_parameters() if hasattr(m, "reset_parameters") else None)`` (between cross-validation folds)
        resets the learned state with the weights, instead of carrying the previous fit's into the next."""
        if self.initial is not None:
            with torch.no_grad():
                for p in self.initial:
                    p.zero_()

    def initial_state(self, batch_size: int, *, device=None, dtype=None) -> State:
        """The state used when none is given: zeros, or the learned vectors expanded over the batch."""
        state = self.cell.zero_state(batch_size, device=device, dtype=dtype)
        if self.initial is None:
            return state
        learned = iter(self.initial)
        return map_state(lambda z: z + next(learned).to(z.dtype), state)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: State | None = None, *, loop=None, hx=None,
                _hooks_checked: bool = False, **options):
        """``loop(cell, xw, lengths, state) -> (output, final_state)`` replaces the time loop, run on
        ``xw = cell.project(x) (B, T, G)`` in processing order; by default :meth:`steps`, the readable loop.
        The fast paths of :mod:`rnnkit.kernels` pass their own and keep everything around it: the initial
        state, reversal within lengths and the projection of all steps at once. A loop with the attribute
        ``recurrent_dropout = True`` (the C++ CPU loop) is called with ``direction=self`` and applies this
        layer's hidden dropout and zoneout itself, with the reference's random draws; the others refuse them.
        A loop with a ``project(cell, x)`` attribute gets that in place of ``cell.project(x)`` (the C++ CPU loop
        takes LayerNorm-LSTM's input norm and TimeAware's hidden decay into the loop; both C++ loops take the product
        through their own GEMM).
        ``_hooks_checked=True`` (private, given by :class:`Stacked` only, to rnnkit's own forwards, so a subclass's
        forward of its own is called as before): the stack has refused or warned of the cell's hooks already, so a
        hooked cell is not warned of twice in one call, and has read its whole state's values for NaN and infinity,
        so this layer's slice of it is not read again.
        """
        who = f"Recurrent({type(self.cell).__name__})"
        if options:  # Keras's mask or initial_state, a misspelt lengths
            refuse_options(who, options, f"(B, H) = (B, {self.hidden_size})")
        if hx is not None:  # torch.nn's keyword, layers first
            refuse_hx(who, f"(B, H) = (B, {self.hidden_size})", "h[0] (one layer, one direction)")
        if not _hooks_checked:
            refuse_stale_weight_hooks(self, who)
        lengths = check_input(x, self, lengths, who, inner=_hooks_checked)
        if state is not None:
            state = check_state(state, (x.shape[0], self.hidden_size), self.state_fields, who, x,
                                self.cell.state_type, finite=not _hooks_checked)
        if state is None:
            state = self.initial_state(x.shape[0], device=x.device, dtype=x.dtype)
        takes_dropout = getattr(loop, "recurrent_dropout", False)  # the loop draws and applies it itself
        if loop is not None and self.uses_recurrent_dropout and not takes_dropout:
            raise ValueError(
                "recurrent dropout (input/hidden variational dropout or zoneout) runs on the reference loop only, "
                "or in a loop that applies it itself (the C++ CPU loop)"
            )
        if lengths is not None:  # padding never enters the maths: NaN there would reach the weight gradients
            x = torch.where(valid_steps(lengths, *x.shape[:2], x.device)[..., None], x, 0)
        if self.reverse:
            x = reverse_padded(x, lengths)
        if self.training and self.input_dropout > 0:
            x = x * _sequence_mask(x, x.shape[-1], self.input_dropout)[:, None, :]  # (B, 1, F)
        if loop is None:  # under torch.jit.trace or torch.export the loop over T below is recorded step by step
            warn_unrolled_loop(who, self.cell, x.shape[1])
        project = getattr(loop, "project", None)  # a fast path may read its own form of the projection
        with _weights_once(self.cell):
            xw = self.cell.project(x) if project is None else project(self.cell, x)
            if loop is None:
                output, state = self.steps(self.cell, xw, lengths, state)
            elif takes_dropout:
                output, state = loop(self.cell, xw, lengths, state, direction=self)
            else:
                output, state = loop(self.cell, xw, lengths, state)
        if self.reverse:
            output = reverse_padded(output, lengths)
        return output, state

    def steps(self, cell: Cell, xw: Tensor, lengths: Tensor | None, state: State):
        """The reference time loop over ``xw (B, T, G)``: outputs ``(B, T, H)`` and the final state."""
        B, T, _ = xw.shape
        h_mask = (
            _sequence_mask(xw, self.hidden_size, self.hidden_dropout)
            if (self.training and self.hidden_dropout > 0)
            else None
        )
        valid = None if lengths is None else valid_steps(lengths, B, T, xw.device)
        outputs = []
        # unbind, not xw[:, t]: its backward stacks T gradients once instead of T full-size scatters
        for t, xw_t in enumerate(xw.unbind(1)):
            fed = state if h_mask is None else replace_hidden(state, hidden_of(state) * h_mask)
            y, new = cell.step(xw_t, fed)
            if self.zoneout > 0:
                new = self._zoneout(state, new)
            if valid is not None:
                keep = valid[:, t, None]  # (B, 1)
                new = map_state(lambda n, o: torch.where(keep, n, o), new, state)
                y = torch.where(keep, y, 0)
            state = new
            outputs.append(y)
            if self.trace is not None:
                self.trace.append(state)
        return torch.stack(outputs, dim=1), state  # (B, T, H)

    def _zoneout(self, old: State, new: State) -> State:
        p = self.zoneout
        if not self.training:
            return map_state(lambda o, n: p * o + (1 - p) * n, old, new)
        return map_state(lambda o, n: torch.where(torch.rand_like(n) < p, o, n), old, new)

    def __prepare_scriptable__(self):  # torch.jit.script asks every module first: refuse by name
        refuse_script(self)

    def extra_repr(self) -> str:
        opts = [f"reverse={self.reverse}"] if self.reverse else []
        for name in ("input_dropout", "hidden_dropout", "zoneout"):
            if getattr(self, name):
                opts.append(f"{name}={getattr(self, name)}")
        if self.initial is not None:
            opts.append("learn_initial_state=True")
        return ", ".join(opts)


def _weights_once(cell: Cell):
    """``torch.nn.utils.parametrize.cached()`` while the layer runs, when ``cell`` has parametrized weights
    (``torch.nn.utils.parametrizations.weight_norm`` / ``spectral_norm``, a DropConnect mask as AWD-LSTM's weight
    drop): each weight is computed once per call and every step reads it, as torch.nn's layers read theirs. Without
    it the loop's every step recomputed it: a new DropConnect mask at each step (not weight drop: Merity et al.
    2018 draw one mask per sequence), a power iteration of spectral_norm per step, T norms of weight_norm."""
    if any(parametrize.is_parametrized(m) for m in cell.modules()):
        return parametrize.cached()
    return contextlib.nullcontext()


def _sequence_mask(x: Tensor, size: int, p: float) -> Tensor:
    """A dropout mask ``(B, size)`` drawn once per sequence (shared over time), scaled by 1/(1-p)."""
    return torch.bernoulli(torch.full((x.shape[0], size), 1 - p, device=x.device, dtype=x.dtype)) / (1 - p)
