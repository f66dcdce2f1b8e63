"""Gradient flow through time: how far back the loss at the last step reaches.

For a loss ``L`` read at the last step, backpropagation through time gives

    ∂L/∂h_t = ∂L/∂h_T · ∏_{k=t+1..T} ∂h_k/∂h_{k-1}

and for an Elman cell each factor is ``diag(1 - h_k²) W_hh``: with ``‖W_hh‖ < 1`` the product shrinks
geometrically with the lag ``T - t`` (the vanishing gradient, Hochreiter 1991; Bengio et al. 1994; Pascanu
et al. 2013). An LSTM carries the memory cell through ``c_k = f_k c_{k-1} + ...``, whose factor is the forget
gate, ~sigmoid(1) = 0.73 at rnnkit's default initialisation (forget bias 1, Jozefowicz et al. 2015), so its
gradient decays far more slowly. :func:`gradient_flow` measures ``‖∂L/∂h_t‖`` for every ``t``, layer and
direction, so the difference can be seen rather than recited.
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

from ..cells.base import hidden_of
from ..checks import is_integer
from ..data.collate import IGNORE_INDEX
from ..layers import reverse_padded
from .probe import (
    class_rows,
    instrumented,
    masked_mean,
    named_directions,
    outermost_layers,
    resolve,
    top_hidden,
    valid_steps,
)


@dataclass(repr=False, eq=False)
class GradientFlow:
    """Result of :func:`gradient_flow`. Keys are direction names (``l0``, ``l0_reverse``, ``l1``, ...).

    ==============  ==========  ========================================================================
    ``norms``       ``(T,)``    mean over the batch of ``‖∂L/∂h_t‖`` at time ``t``
    ``by_lag``      ``(T,)``    the same by lag ``k``: ``k`` steps before the direction's last valid step
                                (its final state; for a reversed direction that is ``t = 0``, so ``k = t``)
    ``per_sample``  ``(B, T)``  ``‖∂L/∂h_t[b]‖`` at time ``t``; NaN at padded steps
    ``reach``       ``int``     how many steps back ``by_lag`` stays ``>= rel_threshold * by_lag[0]``
    ==============  ==========  ========================================================================
    """

    norms: dict[str, np.ndarray]
    by_lag: dict[str, np.ndarray]
    per_sample: dict[str, np.ndarray]
    reach: dict[str, int]
    rel_threshold: float
    loss: str

    def __repr__(self) -> str:
        reach = ", ".join(f"{name}: {r}" for name, r in self.reach.items())
        return f"GradientFlow(loss={self.loss!r}, rel_threshold={self.rel_threshold:g}, reach={{{reach}}})"

    def plot(self, ax=None) -> Figure:
        """``‖∂L/∂h‖`` relative to its value at the last step, against the lag, log scale; one line per
        direction, the ``rel_threshold`` dashed. Draws on ``ax`` if given; returns the Figure."""
        if ax is None:
            ax = Figure(figsize=(6.4, 4.0), layout="constrained").subplots()
        elif not isinstance(ax, Axes):
            raise ValueError(f"GradientFlow.plot: ax must be a matplotlib Axes to draw on (e.g. fig.subplots()) or "
                             f"None for a new figure, got {type(ax).__name__} {ax!r}")
        for name, curve in self.by_lag.items():
            relative = np.divide(curve, curve[0], out=np.full_like(curve, np.nan), where=curve[0] > 0)
            ax.plot(np.arange(len(curve)), relative, label=f"{name} (reach {self.reach[name]})")
        ax.axhline(self.rel_threshold, color="gray", linestyle="--", linewidth=1)
        ax.set_yscale("log", nonpositive="mask")
        ax.set_xlabel("lag k (steps before the last)")
        ax.set_ylabel(r"$\|\partial L/\partial h_{T-k}\| \,/\, \|\partial L/\partial h_T\|$")
        ax.set_title(f"gradient flow through time (loss: {self.loss})")
        ax.legend()
        return ax.figure


def default_loss(output: Tensor, y: Tensor) -> Tensor:
    """The loss used with ``y`` when the model brings none: cross-entropy for integer targets (``y (B,)``
    with ``output (B, C)``, or per step ``y (B, T)`` with ``output (B, T, C)``, ``-100`` ignored), mean
    squared error for float targets (``output`` reshaped to ``y``'s shape)."""
    per = "sequence" if output.dim() == 2 else "step"
    rows = class_rows(y, output.shape[-1]) if y.shape == output.shape else None
    if rows == "one-hot rows" and not y.is_floating_point():  # told the shape rule alone, no way on
        raise ValueError(f"gradient_flow: y has shape {tuple(y.shape)}, {rows}, but the model's output "
                         f"{tuple(output.shape)} needs one class id per {per}, shape {tuple(output.shape[:-1])}; give "
                         f"the class ids, y.argmax(-1)")
    if rows is not None:  # float one-hot rows or probabilities: read as regression targets (mean squared error)
        warnings.warn(f"gradient_flow: float y {tuple(y.shape)} holds {rows}, but float targets are read as "
                      f"regression targets, the mean squared error of the model's raw outputs, not the "
                      f"cross-entropy of classes; for classes give the ids, y.argmax(-1); to keep the regression "
                      f"reading, silence this with warnings.filterwarnings('ignore', 'gradient_flow: float y')",
                      UserWarning, stacklevel=4)
    if not y.is_floating_point() and (y.shape[:1] != output.shape[:1] or y.numel() != output[..., 0].numel()):
        raise ValueError(f"gradient_flow: y has shape {tuple(y.shape)} but the model's output {tuple(output.shape)} "
                         f"needs one class id per {per}, shape {tuple(output.shape[:-1])}: the targets of these "
                         f"inputs X")
    if y.is_floating_point():
        if output.numel() != y.numel() or y.shape[:1] != output.shape[:1]:
            raise ValueError(f"gradient_flow: float y {tuple(y.shape)} is read as regression targets, but the "
                             f"model's output has shape {tuple(output.shape)}; for classes pass integer ids "
                             f"(y.long())")
        return F.mse_loss(output.reshape(y.shape), y)
    C = output.shape[-1]
    bad = ((y < 0) | (y >= C)) & (y != IGNORE_INDEX)
    if bool(bad.any()):
        raise ValueError(f"gradient_flow: y holds class id {int(y[bad].flatten()[0])} but the model has {C} outputs "
                         f"(ids in [0, {C}), {IGNORE_INDEX} ignored)")
    logits = output.reshape(-1, C)  # (B, C) or (B*T, C)
    return F.cross_entropy(logits, y.reshape(-1).long(), ignore_index=IGNORE_INDEX)


def gradient_flow(
    model,
    X,
    y=None,
    *,
    loss: str | Callable[[Tensor, Tensor | None], Tensor] | None = None,
    lengths=None,
    times=None,
    rel_threshold: float = 1e-3,
    seed: int = 0,
) -> GradientFlow:
    """Measure ``‖∂L/∂h_t‖`` at every step ``t`` of every layer and direction of ``model`` on inputs ``X``.

    ``model``: an rnnkit layer, a module containing rnnkit layers, or an estimator (see
    :mod:`rnnkit.diagnostics.probe`); ``X (B, T, F)``; ``lengths (B,)`` optional; ``times``: X's sample times for
    an estimator fitted with them (``fit(X, y, times=...)``), as its ``predict`` takes them. The loss ``L``:

    - ``"readout"`` (default without ``y``): a fixed linear readout of the last layer's final hidden state,
      ``L = Σ_b Σ_d w_d · h_final[b, d]`` with unit vectors ``w_d`` drawn from ``seed`` — the loss at the last
      step of each direction, as a classifier reading the final state has at initialisation;
    - ``"sum"``: the sum of that final hidden state;
    - ``"model"`` (default with ``y``): the estimator's ``loss_fn(output, y)`` if it has one, else
      :func:`default_loss` on the module's output;
    - a callable ``loss(output, y) -> scalar`` on the module's output.

    How: the module runs in eval mode on the reference backend with every direction's ``trace`` recording its
    states (:func:`rnnkit.diagnostics.probe.instrumented`), and ``torch.autograd.grad`` takes ``∂L/∂h_t`` for
    all traced ``h_t`` at once. Unlike ``retain_grad`` + ``backward`` this leaves every parameter's ``.grad``
    untouched, so it is safe in the middle of training. The module's modes and backends are restored.

    With ``lengths`` the unroller masks: the traced state is ``where(valid, h, old)`` while the output step
    is ``h * valid``, two tensors fed by the same ``h``, so ``∂L/∂h_t`` is the sum of the gradients of both.
    Zoneout mixes the state with the previous one after the output is taken, so "``∂L/∂h_t``" is ambiguous
    there: layers with ``zoneout > 0`` raise ``ValueError``.
    """
    real = isinstance(rel_threshold, numbers.Real) and not isinstance(rel_threshold, bool)
    if not (real and 0 <= rel_threshold <= 1):
        raise ValueError(f"gradient_flow: rel_threshold must be a number in [0, 1] (a fraction of the largest "
                         f"gradient norm), got {rel_threshold!r}")
    if not is_integer(seed):
        raise ValueError(f"gradient_flow: seed must be an integer, got {seed!r}")
    if not -(2**63) <= seed < 2**64:  # torch.Generator's seeds; else an OverflowError inside torch
        raise ValueError(f"gradient_flow: seed must be an integer from -2**63 to 2**64 - 1 (a torch.Generator "
                         f"seed), got {seed!r}")
    probe = resolve(model, X, y, lengths=lengths, times=times, who="gradient_flow", takes_y=True)
    zoned = [name for name, d in named_directions(probe.module).items() if d.zoneout > 0]
    if zoned:
        raise ValueError(f"gradient_flow: directions {zoned} use zoneout, whose traced state is not the "
                         f"hidden output; measure a copy with zoneout=0")
    if loss is None:
        loss = "readout" if probe.y is None else "model"
    if isinstance(loss, str) and loss not in ("readout", "sum", "model"):
        raise ValueError(f"gradient_flow: loss must be 'readout', 'sum', 'model' or a callable, got {loss!r}")
    y = probe.y
    if loss == "model" and y is not None and y.is_floating_point() and not bool(torch.isfinite(y).all()):
        bad = ~torch.isfinite(y)  # a callable loss may mask them; the model's loss and default_loss do not
        where = tuple(int(i) for i in bad.nonzero()[0])  # (sequence,) or (sequence, step or column)
        raise ValueError(f"gradient_flow: y[{', '.join(map(str, where))}] is {float(y[where])} ({int(bad.sum())} such "
                         f"target(s) in all), which makes the loss and every gradient NaN (a gradient that reaches "
                         f"nowhere); give finite targets (or leave those sequences out of X and y)")

    with instrumented(probe.module) as recording, torch.enable_grad(), _unfrozen(probe.module, probe.x):
        x = probe.x.detach()
        if x.is_floating_point():
            x.requires_grad_(True)  # so states require grad even if parameters are frozen
        output = probe.forward(x)
        recording.check()
        L = _loss(loss, output, probe, recording, seed)
        runs = recording.runs
        hs = [hidden_of(s) for run in runs.values() for s in run.trace]
        outs = [run.output for run in runs.values()]
        grads = torch.autograd.grad(L, hs + outs, allow_unused=True)  # None: no path from L

    _check_reached(loss, grads, runs, recording, probe.module)
    grads = [torch.zeros_like(t) if g is None else g for g, t in zip(grads, hs + outs, strict=True)]
    grads_h, grads_out = grads[: len(hs)], grads[len(hs) :]
    norms, by_lag, per_sample, reach = {}, {}, {}, {}
    start = 0
    for (name, run), g_out in zip(runs.items(), grads_out, strict=True):
        T = len(run.trace)
        g = torch.stack(grads_h[start : start + T], dim=1)  # (B, T, H), processing order
        start += T
        if run.lengths is not None:
            g = g + (reverse_padded(g_out, run.lengths) if run.layer.reverse else g_out)
        norm = g.norm(dim=-1)  # (B, T), processing order
        lag = reverse_padded(norm, run.lengths)  # processing index k is lag n_b - 1 - k
        time = lag if run.layer.reverse else norm
        valid = valid_steps(*norm.shape, run.lengths).cpu().numpy()  # same mask in all three orders
        time, lag = time.detach().double().cpu().numpy(), lag.detach().double().cpu().numpy()
        per_sample[name] = np.where(valid, time, np.nan)
        norms[name] = masked_mean(time, valid)
        by_lag[name] = masked_mean(lag, valid)
        reach[name] = _reach(by_lag[name], rel_threshold)
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", "custom")
    return GradientFlow(norms, by_lag, per_sample, reach, rel_threshold, loss_name)


@contextlib.contextmanager
def _unfrozen(module: torch.nn.Module, x: Tensor) -> Iterator[None]:
    """Token ids (integer ``x``) take no gradient, so with frozen parameters (a model frozen to be analysed) no
    state would require one and ``torch.autograd.grad`` would fail in torch's words: the frozen parameters
    require grad while the states are taken, and are frozen again after (``.grad`` is never written)."""
    frozen = [] if x.is_floating_point() else [p for p in module.parameters()
                                                if p.is_floating_point() and not p.requires_grad]
    try:
        for p in frozen:
            p.requires_grad_(True)
        yield
    finally:
        for p in frozen:
            p.requires_grad_(False)


def _loss(loss, output: Tensor, probe, recording, seed: int) -> Tensor:
    if callable(loss):
        value = loss(output, probe.y)
        if not isinstance(value, Tensor) or value.dim() != 0:
            shape = tuple(value.shape) if isinstance(value, Tensor) else type(value).__name__
            raise ValueError(f"gradient_flow: loss(output, y) must return a scalar tensor, got {shape}; reduce it "
                             f"(e.g. .mean() or .sum())")
        if output.requires_grad and not value.requires_grad:  # torch's words named no loss and no fix
            raise ValueError(f"gradient_flow: loss(output, y) returned a {value.dtype} value that no gradient flows "
                             f"through (argmax, .detach(), a count of correct answers or a constant), "
                             f"so no state has a gradient; return a differentiable loss of the output, "
                             f"e.g. torch.nn.functional.cross_entropy(output, y)")
        return value
    if loss == "model":
        if probe.y is None:
            raise ValueError("gradient_flow: loss='model' needs targets y")
        return (probe.loss_fn or default_loss)(output, probe.y)
    layer, _, final_state = recording.top_calls[-1]  # the last rnnkit layer to run
    h = top_hidden(layer, final_state)  # (B, D, H)
    if loss == "sum":
        return h.sum()
    w = torch.randn(h.shape[1:], generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    w = (w / w.norm(dim=-1, keepdim=True)).to(h)  # (D, H), unit rows
    return (h * w).sum()


def _check_reached(loss, grads, runs, recording, module) -> None:
    """Refuse a readout of one layer's final state that no path joins to other directions (an Ensemble's other
    members, parallel branches): they would read a gradient of 0 everywhere, reach 0, as if it vanished."""
    if not isinstance(loss, str) or loss not in ("readout", "sum"):
        return
    hs_grads, out_grads = grads[: len(grads) - len(runs)], grads[len(grads) - len(runs) :]
    unreached, start = [], 0
    for (name, run), g_out in zip(runs.items(), out_grads, strict=True):
        g_h, start = hs_grads[start : start + len(run.trace)], start + len(run.trace)
        if g_out is None and all(g is None for g in g_h):
            unreached.append(name)
    if unreached:
        last = recording.top_calls[-1][0]
        path = next((p for p, m in outermost_layers(module) if m is last), "")
        raise ValueError(f"gradient_flow: loss={loss!r} reads the final state of the last rnnkit layer to run "
                         f"({path or type(last).__name__}), which no path joins to directions {unreached} (parallel "
                         f"branches, an Ensemble's other members), so they would show no gradient (reach 0); give y "
                         f"(loss='model', the model's own output), or measure each branch alone (e.g. "
                         f"gradient_flow(model.members[0], X) for an Ensemble)")


def _reach(curve: np.ndarray, rel_threshold: float) -> int:
    """Steps back from lag 0 over which ``curve`` stays ``>= rel_threshold * curve[0]`` (NaN stops it)."""
    if not curve[0] > 0:
        return 0
    below = ~(curve >= rel_threshold * curve[0])
    return int(np.argmax(below)) - 1 if below.any() else len(curve) - 1
