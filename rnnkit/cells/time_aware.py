"""Time-aware cells for irregular sampling and missing values, after GRU-D (Che et al. 2018), for any cell."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from .base import (
    Cell,
    State,
    check_project,
    hidden_of,
    init_,
    length_mask,
    readable,
    replace_hidden,
    reset_module,
    unbatched,
    vmap_sample,
    wrong_input,
)


def time_aware_inputs(values: Tensor, times: Tensor | None = None) -> Tensor:
    """Build the ``(B, T, 3F)`` input of :class:`TimeAware` from values with NaN for missing entries.

    ``values (B, T, F)``: NaN where not observed. ``times (B, T)``: sample timestamps (any unit; default
    0, 1, 2, ...), strictly increasing. Returns ``[x, m, delta]`` on the last axis, where ``x`` is the value
    with 0 at missing entries, ``m`` the observation mask (1 observed) and ``delta`` the time since the
    feature's previous observation (Che et al. 2018, eq. 2): ``s_t - s_{t'}`` with ``t' < t`` the last step
    at which it was observed, or ``s_t - s_0`` if never; ``delta_0 = 0``.
    """
    if not isinstance(values, Tensor):  # numpy's arrays, as pandas gives readings (torch's isfinite refused them)
        values = torch.as_tensor(np.asarray(values))
    in_seconds = False  # datetime64 times, read in seconds
    if times is not None and not isinstance(times, Tensor):
        t = np.asarray(times)
        in_seconds = t.dtype.kind == "M"
        if in_seconds:  # datetime64: seconds since the earliest (the gaps are what delta reads), float64
            t = (t - t.min()).astype("timedelta64[ns]").astype(np.int64) / 1e9
        times = torch.as_tensor(t, device=values.device)
    if values.dim() != 3:
        hint = ("give a batch of sequences of readings, values[None] for one sequence (T, F)" if values.dim() != 2
                else "a series of one feature per sequence (B, T)? pass values[..., None]; one sequence of F features "
                "(T, F)? pass values[None]")
        raise ValueError(f"time_aware_inputs: values must have shape (B, T, F), got {tuple(values.shape)}; {hint}")
    B, T, F = values.shape
    if times is None:
        times = torch.arange(T, dtype=values.dtype, device=values.device).expand(B, T)
    if times.shape != (B, T):
        hint = ("; the same times for every sequence? pass times.expand(B, T)" if times.shape == (T,)
                else "; one time per step, not per feature: pass times[..., 0]" if times.shape[:2] == (B, T)
                and times.dim() == 3 else f"; give each of the {B} sequences its {T} step times, as values' first "
                f"two axes")
        raise ValueError(f"time_aware_inputs: times must have shape (B, T) = {(B, T)}, got {tuple(times.shape)}{hint}")
    with readable(times):  # under torch.func.vmap, the values it batches (and the sample named)
        seen, k = unbatched(times)
        if not bool(torch.isfinite(seen).all()):  # NaN compares false: it would be named a step back in time
            at = torch.nonzero(~torch.isfinite(seen))[0].tolist()
            b, t = at[k:]
            sample = f" of {vmap_sample(at[:k])}" if k else ""
            raise ValueError(f"time_aware_inputs: times must be finite, but sequence {b}{sample} has "
                             f"{float(seen[tuple(at)])} at step {t}; every step needs its time (NaN marks a missing "
                             f"value in values only): give that step's time, or leave the step out")
        if T > 1 and not bool((seen[..., 1:] > seen[..., :-1]).all()):
            at = torch.nonzero(~(seen[..., 1:] > seen[..., :-1]))[0].tolist()
            b, t = at[k:]
            sample = f" of {vmap_sample(at[:k])}" if k else ""
            later = list(at[:-1]) + [t + 1]
            raise ValueError(f"time_aware_inputs: times must be strictly increasing along each sequence, but "
                             f"sequence {b}{sample} has {float(seen[tuple(at)])} at step {t} and "
                             f"{float(seen[tuple(later)])} at step {t + 1}; padding after a sequence's end? continue "
                             f"its times past the end (e.g. last + 1, + 2, ...): the layer's lengths leave those "
                             f"steps out")
    m = (~torch.isnan(values)).to(values.dtype)
    x = torch.nan_to_num(values, nan=0.0)
    steps = torch.arange(T, device=values.device).view(1, T, 1).expand(B, T, F)
    # index of the last observation strictly before t (0 if none): shift the observed indices by one step
    observed_at = torch.where(m.bool(), steps, torch.zeros_like(steps))
    last_before = torch.cat([torch.zeros_like(steps[:, :1]), observed_at[:, :-1].cummax(dim=1).values], dim=1)
    # the gaps in float64, then values' dtype: float32 spaces epoch seconds (1.7e9) 128 apart, so a 60 s gap taken
    # between times rounded to float32 would come out as 0 or 128
    wide = torch.float32 if times.device.type == "mps" else torch.float64  # MPS has no float64
    s = times.to(wide)[..., None].expand(B, T, F)
    gaps = s - s.gather(1, last_before)
    _check_gaps(gaps, values.dtype, in_seconds)
    delta = gaps.to(values.dtype)
    delta[:, 0] = 0
    return torch.cat([x, m, delta], dim=-1)


def _check_gaps(gaps: Tensor, dtype: torch.dtype, in_seconds: bool) -> None:
    """ValueError for a time since last observed past ``dtype``'s largest value (float16's 65504: a day in
    seconds): it would be inf in the input, and the decays ``exp(-max(0, w * inf + b))`` 0 or NaN."""
    top = torch.finfo(dtype).max
    with readable(gaps):
        seen, k = unbatched(gaps)
        if not bool((seen > top).any()):
            return
        at = torch.nonzero(seen > top)[0].tolist()
        b, t, f = at[k:]
        sample = f" of {vmap_sample(at[:k])}" if k else ""
        gap = float(seen[tuple(at)])
    unit = ("; datetime64 times are read in seconds: give them as numbers in a larger unit, e.g. hours, "
            "(times - times.min()) / np.timedelta64(1, 'h')" if in_seconds else
            "; give times in a larger unit (e.g. hours: times / 3600 for seconds)")
    raise ValueError(f"time_aware_inputs: the time since feature {f} was last observed is {gap:g} at step {t} of "
                     f"sequence {b}{sample}, past {dtype}'s largest value {top:g}, so it would be inf{unit}, or "
                     f"values as float32 (values.float())")


class Stream(NamedTuple):
    """What a :class:`TimeAware` cell carries from one streamed step to the next (:meth:`TimeAware.stream_step`):
    the inner cell's ``state`` and ``x_last (B, F)``, the last observed value of each feature (``x_mean`` before
    its first observation), which :meth:`TimeAware.project` finds by looking back over the whole sequence."""

    state: State
    x_last: Tensor


torch.serialization.add_safe_globals([Stream])  # tensors (and an LSTMState) only: torch.load's default loads it


class TimeAware(Cell):
    """Wrap any cell so that inputs and state decay with the time since the last observation (GRU-D).

    Input per step: ``[x_t, m_t, delta_t]`` (``3F`` features; build it with :func:`time_aware_inputs`),
    with ``x`` the values (anything at missing entries), ``m`` the observation mask and ``delta`` the time
    since each feature was last observed. With ``x_last`` the last observed value of each feature and
    ``x_mean`` its empirical mean (a buffer; :meth:`set_mean`)::

        gamma_x = exp(-max(0, w_x * delta_t + b_x))                      input decay, per feature (diagonal)
        x_hat   = m * x + (1 - m) * (gamma_x * x_last + (1 - gamma_x) * x_mean)
        gamma_h = exp(-max(0, W_h delta_t + b_h))                        hidden decay, (H,)
        h       = gamma_h * h_{t-1}                                      before the inner step
        y, state = cell.step(project([x_hat, m]), state with h)

    The wrapped ``cell`` reads ``[x_hat, m]``, so its ``input_size`` must be ``2F``; its state structure is
    kept (for an LSTM only ``h`` decays, not ``c``). ``x_hat`` and ``gamma_h`` depend on the data alone, so
    they are computed for all steps before the loop (:meth:`project`); the step only applies the decay.
    Sequences are assumed to start at their first sample: ``x_last`` is ``x_mean`` until a feature is
    first observed.
    """

    def __init__(self, cell: Cell):
        super().__init__()
        if not isinstance(cell, Cell) or cell.input_size % 2:
            size = getattr(cell, "input_size", None)
            fix = (f"for F = {size} features, build it with input_size={2 * size}, e.g. "
                   f"rnnkit.TimeAware(rnnkit.{type(cell).__name__}({2 * size}, {cell.hidden_size}))"
                   if isinstance(cell, Cell) else "give an rnnkit cell, rnnkit.TimeAware(rnnkit.GRUCell(2 * F, H))")
            raise ValueError(f"TimeAware: cell must be an rnnkit Cell whose input_size is 2F (it reads [x_hat, mask]); "
                             f"got input_size={size}; {fix}")
        F, H = cell.input_size // 2, cell.hidden_size
        self.cell = cell
        self.n_features = F
        self.input_size, self.hidden_size = 3 * F, H
        self.gate_size = cell.gate_size + H
        self.state_type = cell.state_type
        self.w_x = nn.Parameter(torch.zeros(F))
        self.b_x = nn.Parameter(torch.zeros(F))
        self.decay_h = nn.Linear(F, H)
        nn.init.zeros_(self.decay_h.bias)
        self.register_buffer("x_mean", torch.zeros(F))

    def reset_parameters(self) -> None:
        """The init of the constructor: the wrapped cell's, the input decay ``w_x, b_x`` zeros (no decay: ``gamma_x
        = 1``), the hidden decay's weight torch.nn.Linear's and its bias zeros. ``x_mean`` is data
        (:meth:`set_mean`), kept. (Cell's uniform init would give the decays random offsets, and
        ``model.apply(lambda m: m.reset_parameters() ...)`` another init than the constructor's.)"""
        self.cell.reset_parameters()
        reset_module(self.decay_h)  # torch.nn.Linear's init, a parametrized weight too
        for m, n in ((self, "w_x"), (self, "b_x"), (self.decay_h, "bias")):  # init_: a parametrized one too
            init_(m, n, nn.init.zeros_)

    @torch.no_grad()
    def set_mean(self, x: Tensor, m: Tensor) -> None:
        """Set ``x_mean`` to the mean of the observed entries of ``x (..., F)`` (mask ``m``, of x's shape); what x
        holds at a missing entry (NaN, as :func:`time_aware_inputs` takes values) is not read."""
        if not (isinstance(x, Tensor) and isinstance(m, Tensor)) or x.shape != m.shape or not x.dim() or \
                x.shape[-1] != self.n_features:  # reshape(-1, F) would mix features of another count, silently
            shapes = [tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__ for t in (x, m)]
            raise ValueError(f"TimeAware.set_mean: x and m must be tensors of one shape (..., F) with F = "
                             f"{self.n_features} features, got x {shapes[0]} and m {shapes[1]}")
        x, m = x.reshape(-1, self.n_features), m.reshape(-1, self.n_features)
        # the sums in float32 at least: a float16 total past 65504 (5000 readings near 1000) is inf, and so the mean
        wide = torch.float32 if x.dtype in (torch.float16, torch.bfloat16) else x.dtype
        observed = torch.where(m.bool(), x, 0)  # NaN at a missing entry would make its feature's mean NaN
        self.x_mean.copy_(observed.sum(0, dtype=wide) / m.sum(0, dtype=wide).clamp_min(1))

    def project(self, x: Tensor) -> Tensor:
        """``(B, T, 3F) -> (B, T, G + H)``: the inner cell's projected ``[x_hat, m]`` and ``gamma_h``."""
        check_project(self, x, self.w_x, time_axis=True)
        x_in, delta = self.impute(x)
        return torch.cat([self.cell.project(x_in), self._hidden_decay(delta)], dim=-1)  # gamma_h (B, T, H)

    def impute(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(B, T, 3F) -> ([x_hat, m] (B, T, 2F), delta (B, T, F))``: the inner cell's input, with the input
        decay and imputation applied, and the time gaps the hidden decay reads."""
        F = self.n_features
        x, m, delta = x[..., :F], x[..., F : 2 * F], x[..., 2 * F :]
        return self._imputed(x, m, delta, _last_observed(x, m, self.x_mean)), delta

    def _imputed(self, x: Tensor, m: Tensor, delta: Tensor, x_last: Tensor) -> Tensor:
        """``[x_hat, m]``, the input decay and imputation, given the last observed values ``x_last``."""
        gamma_x = torch.exp(-torch.relu(self.w_x * delta + self.b_x))
        x_hat = m * x + (1 - m) * (gamma_x * x_last + (1 - gamma_x) * self.x_mean)
        return torch.cat([x_hat, m], dim=-1)

    def _hidden_decay(self, delta: Tensor) -> Tensor:
        """``gamma_h = exp(-max(0, W_h delta + b_h))``, ``(..., H)``."""
        return torch.exp(-torch.relu(self.decay_h(delta)))

    def project_step(self, x_t: Tensor, x_last: Tensor) -> tuple[Tensor, Tensor]:
        """:meth:`project` at one step ``x_t = [x, m, delta] (B, 3F)``, given the last observed values ``x_last (B,
        F)`` before it: ``(xw_t (B, G + H), new x_last (B, F))``. ``x_last`` is carried from step to step (``x``
        where observed, else the previous one) where :meth:`project` finds it over the whole sequence."""
        F = self.n_features
        x, m, delta = x_t[:, :F], x_t[:, F : 2 * F], x_t[:, 2 * F :]
        x_last = torch.where(m.bool(), x, x_last)  # the look-back includes step t itself
        inner = self.cell.project(self._imputed(x, m, delta, x_last)[:, None])[:, 0]  # (B, G)
        return torch.cat([inner, self._hidden_decay(delta)], dim=-1), x_last

    def stream_start(self, batch_size: int, *, device=None, dtype=None) -> Stream:
        """The :class:`Stream` of ``batch_size`` new streams: the inner cell's zero state, ``x_last = x_mean``."""
        dtype = dtype or self.w_x.dtype
        x_last = self.x_mean.to(device=device or self.x_mean.device, dtype=dtype).expand(batch_size, -1).clone()
        return Stream(self.zero_state(batch_size, device=device, dtype=dtype), x_last)

    def stream_step(self, x_t: Tensor, stream: Stream) -> tuple[Tensor, Stream]:
        """One streamed step from the raw input ``x_t = [x, m, delta] (B, 3F)``: ``(y_t (B, H), the new
        Stream)``; stepped over a sequence from :meth:`stream_start`, the layer's outputs over it. The reference
        that :func:`rnnkit.kernels.step.inference_step` runs with autograd on. NaN or infinity in ``x_t`` is refused
        (:meth:`check_stream_input`), as the layers refuse it."""
        self.check_stream_input(x_t, "TimeAware.stream_step")
        xw_t, x_last = self.project_step(x_t, stream.x_last)
        y, state = self.step(xw_t, stream.state)
        return y, Stream(state, x_last)

    @staticmethod
    def check_stream_input(x_t: Tensor, who: str) -> None:
        """ValueError for NaN or infinity in one streamed step ``x_t = [x, m, delta] (B, 3F)``: a missing reading
        written NaN (its mask 0) makes the imputation ``m * x + (1 - m) * ...`` NaN, and the stream's state carries
        it into every later step, silently. One sum and one read back (a few microseconds); not while tracing,
        compiling or exporting (a graph holds no check), nor while a CUDA graph is captured (a step captured to be
        replayed, which no read back may stop); under ``torch.func.vmap`` the values it batches are read."""
        if torch.jit.is_tracing() or torch.compiler.is_compiling() or torch.compiler.is_exporting() or x_t.is_meta:
            return
        if x_t.is_cuda and torch.cuda.is_current_stream_capturing():
            return
        if not torch._C._functorch.is_functorch_wrapped_tensor(x_t) and math.isfinite(x_t.detach().sum().item()):
            return  # the fast path: NaN or infinity anywhere makes the sum non-finite
        refuse_not_finite(x_t.detach()[:, None], None, who, stream=True)

    def step(self, xw_t: Tensor, state: State) -> tuple[Tensor, State]:
        xw_t, state = self.decay(xw_t, state)
        return self.cell.step(xw_t, state)

    def gates(self, xw_t: Tensor, state: State) -> dict[str, Tensor]:
        """The inner cell's gates (its ``gates``: ``i, f, g, o`` of an LSTM, ``r, z, n`` of a GRU), each ``(N, H)``,
        on the decayed state, from ``xw_t`` as :meth:`project` gives it: what :meth:`step` feeds the inner step."""
        xw_t, state = self.decay(xw_t, state)
        return self.cell.gates(xw_t, state)

    def decay(self, xw_t: Tensor, state: State) -> tuple[Tensor, State]:
        """``xw_t = [inner xw_t, gamma_h] (N, G + H)`` and the state -> the inner cell's ``xw_t (N, G)`` and the
        state with ``h = gamma_h * h_{t-1}`` (an LSTM's ``c`` is kept)."""
        if xw_t.shape[-1] != self.cell.gate_size + self.cell.hidden_size:
            wrong_input(type(self).__name__, xw_t, self.cell.gate_size + self.cell.hidden_size)
        xw_t, gamma_h = xw_t[..., : self.cell.gate_size], xw_t[..., self.cell.gate_size :]
        return xw_t, replace_hidden(state, gamma_h * hidden_of(state))

    def zero_state(self, batch_size: int, *, device=None, dtype=None) -> State:
        return self.cell.zero_state(batch_size, device=device, dtype=dtype)

    def extra_repr(self) -> str:
        return f"n_features={self.n_features}"


def _last_observed(x: Tensor, m: Tensor, fallback: Tensor) -> Tensor:
    """For each step, the most recent observed value of each feature up to and including t (else fallback)."""
    B, T, F = x.shape
    steps = torch.arange(T, device=x.device).view(1, T, 1).expand(B, T, F)
    last = torch.where(m.bool(), steps, torch.full_like(steps, -1)).cummax(dim=1).values  # (B, T, F)
    seen = last >= 0
    return torch.where(seen, x.gather(1, last.clamp_min(0)), fallback.to(x.dtype))


def first_bad(x: Tensor, bad: Tensor, lengths: Tensor | None) -> tuple[int, int, int, float, str] | None:
    """``(b, t, j, value, sample)`` of the first True of ``bad`` (x's shape, batched as x) in the valid steps: its
    sequence, step and column, x's value there and, under vmap, the words naming the sample (" of sample 3"; "" for
    none); None where every one is in the padding."""
    if lengths is not None:
        # padding is zeroed before the maths
        bad = bad & length_mask(lengths, x.shape[1], x.shape[0]).to(x.device)[..., None]
    shown = torch.where(bad, x, 0)
    with readable(bad):
        (bad, k), shown = unbatched(bad), unbatched(shown)[0]
        if not bool(bad.any()):
            return None
        at = torch.nonzero(bad)[0].tolist()
        value = float(shown[tuple(at)])
    return (*at[k:], value, f" of {vmap_sample(at[:k])}" if k else "")


def refuse_not_finite(x: Tensor, lengths: Tensor | None, who: str, *, stream: bool = False) -> None:
    """ValueError naming the first NaN or infinity of a TimeAware input in its valid steps (see
    :func:`rnnkit.layers.checks._check_time_aware`); none where all lie in the padding. ``stream``: x is one
    streamed step ``x_t (B, 3F)`` given as ``x_t[:, None]`` (:meth:`rnnkit.TimeAware.stream_step`), named as such.
    Here, beside the cell, so that the cell's stream and the layers' check share it."""
    found = first_bad(x, ~torch.isfinite(x), lengths)  # also NaN in the padding, or a sum beyond the dtype's range
    if found is None:
        return
    b, t, j, value, sample = found
    F = x.shape[-1] // 3
    part = ("the value", "the mask", "the time since last observed")[j // F]
    outputs = ("this step's output and every later one would be NaN (the stream's state carries it)" if stream
               else "the outputs would be NaN")
    fix = (f"TimeAware reads [x, mask, delta] and 0 * NaN is NaN, so {outputs}: write 0 at missing "
           "values and 0 in their mask, as rnnkit.time_aware_inputs(values, times) does from values with NaN")
    if j >= F:  # the mask or the gap: the decays and the imputation read every one
        fix = (f"TimeAware's imputation and decays read it, so {outputs}: build [x, mask, delta] with "
               "rnnkit.time_aware_inputs(values, times)")
        if j >= 2 * F and math.isinf(value) and x.dtype in (torch.float16, torch.bfloat16):
            fix += (f" (a gap past {x.dtype}'s largest value {torch.finfo(x.dtype).max:g} is inf there: give times "
                    f"in a larger unit, e.g. hours for seconds, or the layer and x as float32)")
    where = f"x_t holds {value} at row {b}" if stream else f"x holds {value} at sequence {b}, step {t}"
    raise ValueError(f"{who}: {where}, column {j} ({part} of feature {j % F}){sample}; {fix}")
