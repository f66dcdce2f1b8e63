"""Saliency over time: which steps of the input a trained model's output depends on.

For a score ``s_b`` per sequence (a class logit, a regression output), the gradient ``∂s_b/∂x_t`` says how
the score would change with the input at step ``t``. Two summaries per step, features summed:

- gradient × input, ``Σ_f x_{t,f} ∂s/∂x_{t,f}`` — signed; its sum over steps is the first-order
  contribution of the input relative to an all-zeros input (Shrikumar et al. 2016; Ancona et al. 2018);
- ``Σ_f |∂s/∂x_{t,f}|`` — how sensitive the score is to step ``t`` (Simonyan et al. 2014).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor

from ..checks import short_repr
from .probe import check_sample, class_rows, is_rnnkit_estimator, reference_eval, resolve, valid_steps


@dataclass(repr=False, eq=False)
class Saliency:
    """Result of :func:`saliency`.

    ====================  =============  =========================================================
    ``gradient``          ``(B, T, F)``  ``∂s_b/∂x_t``
    ``grad_times_input``  ``(B, T)``     ``Σ_f x ∂s/∂x``
    ``abs_grad``          ``(B, T)``     ``Σ_f |∂s/∂x|``
    ``score``             ``(B,)``       the differentiated score ``s_b``
    ``target``            ``(B,)``       the class whose logit was scored (-1 when not a class)
    ====================  =============  =========================================================
    """

    gradient: np.ndarray
    grad_times_input: np.ndarray
    abs_grad: np.ndarray
    score: np.ndarray
    target: np.ndarray

    def __repr__(self) -> str:
        return f"Saliency(B={self.gradient.shape[0]}, T={self.gradient.shape[1]}, F={self.gradient.shape[2]})"

    def plot(self, sample: int = 0, X=None) -> Figure:
        """One sequence's gradient × input and |gradient| over time; with ``X``, its input as a heatmap
        above."""
        check_sample(sample, self.gradient.shape[0], "Saliency.plot")
        panels = 2 if X is None else 3
        fig = Figure(figsize=(7.0, 1.9 * panels + 0.4), layout="constrained")
        axes = fig.subplots(panels, 1, sharex=True)
        if X is not None:
            x = np.asarray(X[sample], dtype=float)  # (T, F), as the result reads it
            T, F = self.gradient.shape[1:]
            if x.ndim != 2 or x.shape[1] != F or x.shape[0] > T:  # sktime's (C, T) would be drawn as C steps
                raise ValueError(f"Saliency.plot: X[{sample}] has shape {x.shape}, but the saliency's steps and "
                                 f"features are (T, F) = ({T}, {F}); pass X as (n, T, F) (sktime's (n, C, T): "
                                 f"X.transpose(0, 2, 1))")
            x = x.T  # (F, T)
            axes[0].imshow(x, aspect="auto", cmap="viridis", interpolation="nearest")
            axes[0].set_ylabel("feature")
            axes[0].set_title(f"input of sequence {sample}")
        t = np.arange(self.gradient.shape[1])
        gxi = self.grad_times_input[sample]
        axes[-2].bar(t, gxi, color=np.where(gxi >= 0, "tab:red", "tab:blue"))
        axes[-2].set_ylabel("grad × input")
        axes[-2].set_title(f"saliency of sequence {sample} (score {self.score[sample]:.3g})")
        axes[-1].bar(t, self.abs_grad[sample], color="gray")
        axes[-1].set_ylabel("|grad|")
        axes[-1].set_xlabel("time t")
        return fig


def saliency(model, X, *, target=None, lengths=None, times=None) -> Saliency:
    """Gradient of one score per sequence with respect to every input step of ``X (B, T, F)``.

    ``model``: a trained module containing rnnkit layers, or an estimator (see
    :mod:`rnnkit.diagnostics.probe`).
    The score ``s_b`` from the module's output:

    - output ``(B,)`` or ``(B, 1)``: the output itself (regression);
    - output ``(B, C)``: the logit of class ``target`` (an int, or one per sequence ``(B,)``), by default the
      predicted class; for an rnnkit estimator ``target`` names classes as ``predict`` returns them (labels of
      ``classes_``: ``'walking'``, or ``2`` for the second class of ``classes_ = [1, 2]``), and the result's
      ``target`` is the scored class's index in ``classes_``;
    - anything else, or to choose: ``target`` is a callable ``output -> (B,)``.

    Eval mode and GPUs: the score is taken in eval mode (no dropout), as the model predicts. cuDNN's RNN
    backward refuses to run in eval mode, and putting the recurrent layers in train mode instead would turn
    on their dropouts (between layers, variational, zoneout), which would each need switching off. So every
    rnnkit layer is instead run on its reference backend: the same function in plain autograd operations,
    which differentiate in any mode on any device. Modes and backends are restored afterwards. Plain
    ``torch.nn`` RNN modules inside the model are not rnnkit layers and are left alone (on GPU wrap the call
    in ``torch.backends.cudnn.flags(enabled=False)``). Sequences are scored independently, so one backward
    pass of ``Σ_b s_b`` gives every sequence's gradient.

    A ``time_aware`` estimator's network reads ``[x, m, δ]`` (the values, their mask and the time since each was
    last seen); the result is taken for ``X``'s own values ``x``, ``(B, T, F)`` as ``X`` (0 where a value is
    missing), not for the mask and the gaps, whose products with the gradient are no contribution of the input.

    An estimator trained on windows of its series (``crop``) is read here on whole sequences, as the network
    can read any length: the gradient says which steps of the whole series move its output. ``predict``
    averages the outputs of ``predict_windows_`` windows instead, so the default class is ``predict``'s (not
    the whole sequence's argmax, which may differ), and ``score`` is that class's logit on the whole sequence.
    """
    classes = getattr(model, "classes_", None) if is_rnnkit_estimator(model) else None
    if classes is not None and target is None and getattr(model, "predict_windows_", 1) > 1:
        # trained on windows (crop): predict averages the windows' outputs, and the whole sequence's argmax
        # (scored below) may be another class than the one predict returns
        target = model.predict(X)
    label = target
    if classes is not None and target is not None and not callable(target):  # an estimator's classes: its labels
        from ..estimators import class_indices

        target = class_indices(target.cpu().numpy() if isinstance(target, Tensor) else target, classes,
                               "saliency", "target")
    probe = resolve(model, X, lengths=lengths, times=times, who="saliency")
    if not probe.x.is_floating_point() or probe.x.dim() != 3:
        fix = "token ids have no gradient (explain the embedded inputs instead)"
        if probe.x.is_floating_point():  # values of another shape: told the axis they lack, not token ids
            fix = "give the inputs as (sequences, steps, features)"
            if probe.x.dim() == 2:
                fix = ("one sequence (T, F)? pass X[None]; a series of one feature per sequence (B, T)? pass "
                       "X[..., None]")
        raise ValueError(f"saliency: X must be float (B, T, F) inputs, got {tuple(probe.x.shape)} "
                         f"{probe.x.dtype}; {fix}")
    with reference_eval(probe.module), torch.enable_grad():
        x = probe.x.detach().requires_grad_(True)
        output = probe.forward(x)
        if output.dim() == 3 and target is not None and not callable(target):  # a tagger: a logit per step
            raise ValueError(
                f"saliency: target={label!r} names a class, but the model's output {tuple(output.shape)} holds "
                f"one score per step and class, so a class alone is no single score per sequence; pass "
                f"target=callable(output) -> (B,) that also picks the step, e.g. lambda out: out[:, t, "
                f"{_class_index(target)}] for step t")
        score, chosen = _score(output, target, probe.lengths)
        per_step = probe.lengths is not None and output.dim() >= 3 and output.shape[1] == x.shape[1]
        inputs = (x, output) if per_step and output.requires_grad else (x,)
        gradient, *of_output = torch.autograd.grad(score.sum(), inputs, allow_unused=True)
        if of_output and of_output[0] is not None:
            _check_valid_steps_read(of_output[0], gradient, probe.lengths)
    if is_rnnkit_estimator(model) and model.time_aware:  # the net reads [x, m, δ] (3F); X's own values are x
        F = x.shape[-1] // 3
        gradient, x = gradient[..., :F], x[..., :F]  # 0 at a missing value: the cell imputes it, x does not enter
    numpy = lambda t: t.detach().double().cpu().numpy()
    return Saliency(
        gradient=numpy(gradient),
        grad_times_input=numpy((gradient * x).sum(-1)),
        abs_grad=numpy(gradient.abs().sum(-1)),
        score=numpy(score),
        target=chosen.cpu().numpy(),
    )


def _check_valid_steps_read(of_output: Tensor, gradient: Tensor, lengths: Tensor) -> None:
    """Refuse a score that reads a sequence's per-step output only past its length where the output there is
    padding (its gradient is 0 at every input step): its score is a constant and its saliency 0, without a word."""
    moved = of_output.reshape(*of_output.shape[:2], -1).ne(0).any(-1)  # (B, T): the score reads that step
    valid = valid_steps(*moved.shape, lengths.to(moved.device))
    reached = gradient.reshape(len(gradient), -1).ne(0).any(1).to(moved.device)
    padded_only = (moved & ~valid).any(1) & ~(moved & valid).any(1) & ~reached
    if bool(padded_only.any()):
        b = int(padded_only.nonzero()[0])
        steps = moved[b].nonzero()[:, 0].tolist()
        raise ValueError(
            f"saliency: target(output) reads sequence {b} (length {int(lengths[b])} of T={moved.shape[1]}) only at "
            f"step(s) {steps[:5]} past its length ({int(padded_only.sum())} such sequence(s)), where the output is "
            f"padding, not a function of its inputs: its score and every gradient would be 0; read each sequence "
            f"at its last valid step, e.g. lambda out: out[torch.arange(len(out)), lengths - 1, 0]")


def _score(output: Tensor, target: int | Tensor | Callable | None,
           lengths: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """The score ``(B,)`` to differentiate and the class scored per sequence (-1 when not a class)."""
    B = output.shape[0]
    none = torch.full((B,), -1, dtype=torch.long)
    if callable(target):
        score = target(output)
        if score.shape != (B,):
            raise ValueError(f"saliency: target(output) must have shape ({B},), got {tuple(score.shape)}")
        if output.requires_grad and not score.requires_grad:  # torch's words named no score and no fix
            raise ValueError(f"saliency: target(output) returned a {score.dtype} score that no gradient flows "
                             f"through (argmax, .detach(), a comparison or a constant), so it has no gradient "
                             f"towards X; return the output's value to explain, e.g. lambda out: out[:, k] for the "
                             f"logit of class k (or out.softmax(-1).amax(-1) for the predicted class's probability)")
        return score, none
    if output.dim() == 1 or (output.dim() == 2 and output.shape[1] == 1):
        if target is not None:  # one value per sequence: there is no class to choose
            raise ValueError(f"saliency: target={target!r} names a class, but the model's output "
                             f"{tuple(output.shape)} is one value per sequence, which is scored itself; leave "
                             f"target out (or pass target=callable(output) -> (B,))")
        return output.reshape(B), none
    if output.dim() == 2:
        if target is None:
            chosen = output.argmax(dim=1)
        else:
            chosen = _class_target(target, B, output.shape[1]).to(output.device)
        return output.gather(1, chosen[:, None])[:, 0], chosen.cpu()
    example = ("lambda out: out[torch.arange(len(out)), lengths - 1, 0], the last valid step of each sequence"
               if lengths is not None else "lambda out: out[:, -1, 0]")
    raise ValueError(
        f"saliency: the model's output has shape {tuple(output.shape)}; pass target=callable(output) -> (B,) "
        f"to say which score to explain (e.g. {example})"
    )


def _class_index(target) -> str:
    """The class index (or indices) ``target`` names, as written in the lambda of a message."""
    t = np.asarray(target.cpu() if isinstance(target, Tensor) else target)
    return str(t.item()) if t.size == 1 else "k"


def _class_target(target, B: int, C: int) -> Tensor:
    """``target`` (an int, or one per sequence) as ``(B,)`` class ids, checked to be integers in ``[0, C)``; numbers
    held as objects are read as the numbers. Refused with the way on: labels (text), whole floats (as ints), ids
    ``1..C`` (labels counted from 1), ids ``-C..-1`` (counted back from the last class)."""
    index = f"a module's classes are its output indices 0 to {C - 1}"
    values = np.asarray(target) if not isinstance(target, Tensor) else None
    if values is not None and values.dtype.kind == "O" and values.size:  # numbers held as objects (a list's column)
        try:
            values = np.asarray(values.tolist())
        except ValueError:  # ragged: refused below, as no numbers
            pass
    if values is not None and values.dtype.kind not in "biuf":  # labels ('1', 'walking'): torch's TypeError named none
        raise ValueError(f"saliency: target must be an integer class id (or one per sequence), got "
                         f"{short_repr(target)}, not numbers; {index}: give the index of the class (target=1 for "
                         f"the second output), or pass the fitted rnnkit estimator, which reads its own labels")
    t = torch.tensor(values) if values is not None else target  # a copy: a pandas column's array is read-only
    rows = class_rows(t, C) if t.shape[:1] == (B,) else None
    if rows is not None:  # else "give them as integers, target.long()" (one-hot floats), then the shape rule alone
        raise ValueError(f"saliency: target must be one class id or one per sequence ({B},), got shape "
                         f"{tuple(t.shape)}, {rows}; give the class of each sequence to explain, "
                         f"target=target.argmax(1)")
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        whole = t.is_floating_point() and bool(torch.isfinite(t).all()) and bool((t == t.round()).all())
        fix = ("; give them as integers, target.long() of a tensor (target.astype(int) of an array)" if whole
               and t.dim() else f"; give it as an int, target={int(t)}" if whole else f"; {index}")
        raise ValueError(f"saliency: target must be an integer class id (or one per sequence), got dtype "
                         f"{t.dtype}{fix}")
    if t.shape not in ((), (1,), (B,)):
        raise ValueError(f"saliency: target must be one class id or one per sequence ({B},), got shape "
                         f"{tuple(t.shape)}")
    if t.numel() and (int(t.min()) < 0 or int(t.max()) >= C):
        low, high = int(t.min()), int(t.max())
        back = -C <= low < 0 and high < C  # counted back from the last class, as Python indexes (-1 the last)
        if low >= 1 and high == C:
            fix = f"class labels 1 to {C} rather than indices? give target - 1"
        elif back and t.numel() == 1:
            counted = "-1 for the last class" if low == -1 else f"{low} counted back from the last class"
            fix = f"{counted}? give it counted from 0, target={C + low}"
        elif back:
            fix = f"ids counted back from the last class (-1 for it)? give them counted from 0, target % {C}"
        else:
            fix = index
        raise ValueError(f"saliency: target class ids must be in [0, {C}) for the model's {C} outputs, got min "
                         f"{low} and max {high}; {fix}")
    return t.long().expand(B)
