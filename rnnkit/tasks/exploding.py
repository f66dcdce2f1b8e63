"""Exploding gradients and clipping, shown: the same network trained with and without gradient-norm clipping.

The demo is built so that both outcomes follow from the maths, for every seed, thread count and BLAS, not from
one machine's rounding. It is the linear case of Pascanu, Mikolov & Bengio 2013 ("On the difficulty of
training recurrent neural networks", section 2.1), where the growth of the gradient through time is exact.

**Network.** A linear Elman RNN without biases, ``h_t = W_ih x_t + W_hh h_{t-1}`` (``h_0 = 0``), read out
at the last step by ``y_hat = w_o . h_T``; float64. At initialisation ``W_hh = rho Q`` with ``Q`` a random
orthogonal matrix, ``W_ih = u`` a random unit vector ``(H, 1)`` and ``w_o = 0``. The random seed chooses
only directions (``Q``, ``u``, the data): every magnitude below is the same for every seed.

**Task.** Recall after ``T`` steps the value seen at the first: ``x_1 = z``, ``x_t = 0`` for ``t > 1``,
target ``z``; the ``n`` values ``z`` are normal draws scaled so that their mean square is exactly 1. Then
``h_T = W_hh^(T-1) u z``, so ``y_hat = a z`` with the gain ``a = w_o . W_hh^(T-1) u``, and the loss is exactly

    L = mean((a z - z)^2) = (a - 1)^2.

At initialisation ``a = 0``: ``L = 1``, which is also the chance level (predicting the targets' mean, 0).

**The gradient explodes.** ``dL/dw_o = 2 (a - 1) W_hh^(T-1) u`` and ``||W_hh^k v|| = rho^k ||v||`` for every
vector (``Q`` is orthogonal), so at initialisation ``||grad L|| = G = 2 rho^(T-1)`` exactly (the gradients of
``u`` and ``W_hh`` carry the factor ``w_o = 0``). With the defaults (``rho = 2``, ``T = 20``) ``G = 1.05e6``.

**Without clipping the first SGD step overshoots by a computable factor.** It sets
``w_o = 2 lr W_hh^(T-1) u``, hence ``a = q = 2 lr rho^(2(T-1))`` and ``L = (q - 1)^2`` (defaults:
``q = 1.26e4``, the loss jumps from 1 to 1.6e8). From there every gradient carries the factor
``a - 1 ~ q`` and ``a`` is a polynomial of degree ``T + 1`` in the parameters, so each step multiplies the
parameters' size and the loss overflows float64 within a few steps.

**With clipping the run converges.** A clipped step has length ``lr * clip`` (2.3e-8 with the defaults), so
all ``steps`` steps move the parameters by at most ``steps * lr * clip`` (2.8e-6), a relative change of a
few 1e-6 of ``W_hh`` and ``u``: ``W_hh^(T-1) u`` stays within 1e-4 (relative) of its initial value and
``a``'s gradient stays along ``w_o`` (its other parts are ``||da/du|| ~ |a|`` and
``||da/dW_hh|| <= (T - 1) |a| / rho``, against ``rho^(T-1)`` along ``w_o``). The run is then
one-dimensional in the error ``e = a - 1``:

- while ``||grad L|| >= clip`` (``|e| >= clip / G``) the step is clipped and moves ``a`` by
  ``s = lr * clip * rho^(T-1)`` towards 1: ``|e|`` falls by ``s`` per step, so the loss decreases
  monotonically for ``ceil(1 / s) - 1`` steps, until ``|e| < s``;
- from there ``|e|`` stays below ``s``: a clipped step from ``|e| < s`` lands at ``s - |e|``, and an
  unclipped step (``|e| < clip / G``) multiplies ``e`` by ``1 - q``, landing within ``q clip / G = s``.

So the clipped loss ends below ``s^2`` (to ~1e-4 relative) after ``ceil(1 / s)`` steps. By default ``lr``
is chosen so that ``s = 0.012`` (``lr = 0.012 / (clip rho^(T-1)) = 2.3e-8``): 84 steps to converge, the
final loss below 1.44e-4, nearly four orders of magnitude below chance. (``1 / s`` is not an integer, so
the approach does not end on the minimum by coincidence: ``|e|`` then alternates between ``0.004`` and
``s - 0.004``.)

**Verdicts** (:attr:`ExplodingGradientDemo.unclipped_diverged` and
:attr:`~ExplodingGradientDemo.clipped_converged`): the unclipped run diverged when its last loss is not
finite or above ``DIVERGED`` (1e6) times its initial loss; the clipped run converged when all its losses are
finite and the last is below ``CONVERGED`` (1e-2) times its initial loss (1 % of chance). With the defaults
the first holds from the first step (1.6e8) and the second with a factor 70 to spare (``s^2 = 1.44e-4``).
A small ``rho ** (T - 1)`` gives ``q < 2`` and no divergence: exploding gradients need a long enough
product of recurrent Jacobians of norm above 1, and the verdicts then say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from ..cells.base import AffineCell
from ..checks import is_count, is_finite_number
from ..layers import Recurrent

DIVERGED = 1e6  # unclipped: the last loss is not finite or above this many times the initial loss
CONVERGED = 1e-2  # clipped: the last loss is below this many times the initial loss (= chance)


class LinearCell(AffineCell):
    """h_t = W_ih x_t + W_hh h_{t-1}: the Elman cell without its nonlinearity (and here without biases), the
    case in which the growth of the gradient through time is exactly ``||W_hh^k||``."""

    def step(self, xw_t, h):  # xw_t = W_ih x_t, projected for all t at once
        h = xw_t + self.recurrent(h)
        return h, h


@dataclass(repr=False, eq=False)
class TrainingCurve:
    """Per step: ``loss`` (before the step) and ``grad_norm`` (the total gradient norm before clipping). A run
    stops at its first non-finite loss, so its curves may be shorter than ``steps``."""

    loss: np.ndarray
    grad_norm: np.ndarray


@dataclass(repr=False, eq=False)
class ExplodingGradientDemo:
    """Result of :func:`exploding_gradient_demo`: the two runs, the settings they shared, and ``predicted``:
    the exact values of the argument in the module docstring (``grad_norm_at_init`` ``G``, ``q``, the clipped
    step ``s`` in the gain, ``first_step_loss_unclipped`` ``(q - 1)^2``, ``first_step_loss_clipped``
    ``(1 - s)^2``, ``steps_to_converge`` ``ceil(1 / s)``, ``clipped_loss_bound`` ``s^2``)."""

    unclipped: TrainingCurve
    clipped: TrainingCurve
    params: dict
    predicted: dict

    @property
    def unclipped_diverged(self) -> bool:
        """The unclipped run's last loss is not finite or above ``DIVERGED`` times its initial loss."""
        loss = self.unclipped.loss
        return not loss[-1] < DIVERGED * loss[0]  # NaN and inf compare False

    @property
    def clipped_converged(self) -> bool:
        """Every clipped loss is finite and the last is below ``CONVERGED`` times the initial loss."""
        loss = self.clipped.loss
        return bool(np.isfinite(loss).all() and loss[-1] < CONVERGED * loss[0])

    def __repr__(self) -> str:
        last = lambda c: f"loss {c.loss[0]:.3g} -> {c.loss[-1]:.3g}, max grad norm {np.nanmax(c.grad_norm):.3g}"
        return (
            f"ExplodingGradientDemo(unclipped: {last(self.unclipped)}, diverged={self.unclipped_diverged}; "
            f"clipped: {last(self.clipped)}, converged={self.clipped_converged})"
        )

    def plot(self) -> Figure:
        """Loss and gradient norm per step of both runs, log scale (non-finite values are not drawn)."""
        fig = Figure(figsize=(9.0, 3.4), layout="constrained")
        loss_ax, norm_ax = fig.subplots(1, 2)
        runs = (("no clipping", self.unclipped), (f"clipped at {self.params['clip']}", self.clipped))
        for label, curve in runs:
            loss_ax.plot(curve.loss, label=label)
            norm_ax.plot(curve.grad_norm, label=label)
        loss_ax.axhline(1.0, color="gray", linestyle="--", linewidth=1, label="chance")
        for ax, what in ((loss_ax, "training loss (MSE)"), (norm_ax, "gradient norm before clipping")):
            ax.set_yscale("log", nonpositive="mask")
            ax.set_xlabel("step")
            ax.set_title(what)
            ax.legend()
        return fig


def exploding_gradient_demo(
    *, radius: float = 2.0, T: int = 20, hidden_size: int = 32, n: int = 64, steps: int = 120,
    lr: float | None = None, clip: float = 1.0, seed: int = 0,
) -> ExplodingGradientDemo:
    """Train one linear RNN twice from the same initialisation on the same data, without and with clipping.

    The network, the task and why the unclipped run diverges and the clipped one converges are in the
    module docstring. ``radius`` is ``rho`` (the spectral radius, and every singular value, of ``W_hh`` at
    initialisation), ``T`` the sequence length, ``n`` the number of sequences, trained full-batch by plain
    SGD for ``steps`` steps; clipping rescales the gradient to norm ``clip`` when it is larger. ``lr=None``
    chooses ``lr = 0.012 / (clip * radius ** (T - 1))``, so that one clipped step moves the gain by 0.012.
    Torch's global random state is left unchanged. About half a second on a CPU.
    """
    _check_demo_options(radius=radius, T=T, hidden_size=hidden_size, n=n, steps=steps, lr=lr, clip=clip, seed=seed)
    if lr is None:
        lr = 0.012 / (clip * radius ** (T - 1))
    z = np.random.default_rng(seed).standard_normal(n)
    z /= np.sqrt(np.mean(z**2))  # mean square exactly 1: the loss is (a - 1)^2
    X = torch.zeros(n, T, 1, dtype=torch.float64)
    X[:, 0, 0] = torch.from_numpy(z)
    y = torch.from_numpy(z)
    runs = [_train(X, y, radius, hidden_size, steps, lr, max_norm, seed) for max_norm in (math.inf, clip)]
    params = {"radius": radius, "T": T, "hidden_size": hidden_size, "n": n, "steps": steps, "lr": lr,
              "clip": clip, "seed": seed}
    G = 2 * radius ** (T - 1)
    q, s = lr * G**2 / 2, lr * clip * G / 2
    predicted = {
        "grad_norm_at_init": G, "q": q, "s": s, "first_step_loss_unclipped": (q - 1) ** 2,
        "first_step_loss_clipped": (1 - s) ** 2 if G > clip else (1 - q) ** 2,
        "steps_to_converge": math.ceil(1 / s), "clipped_loss_bound": s**2,
    }
    return ExplodingGradientDemo(*runs, params, predicted)


def _check_demo_options(*, radius, T, hidden_size, n, steps, lr, clip, seed) -> None:
    """One line for each option the demo cannot run with (before: an IndexError for ``T=0`` or ``steps=0``, a
    ZeroDivisionError for ``clip=0``, torch's "Invalid learning rate" for a negative radius)."""
    counts = {"T": (T, 1, "the sequence length: the first step's value recalled at the last"),
              "hidden_size": (hidden_size, 1, "units"), "n": (n, 1, "sequences"), "steps": (steps, 1, "SGD steps"),
              "seed": (seed, 0, "the random seed")}
    for name, (value, least, what) in counts.items():
        if not is_count(value, least):
            raise ValueError(f"exploding_gradient_demo: {name} must be an integer >= {least} ({what}), got {value!r}")
    positive = {"radius": (radius, "the recurrent weights' scale; rnnkit clipping --radius"),
                "clip": (clip, "the clipping threshold")}
    if lr is not None:
        positive["lr"] = (lr, "the SGD step; None: chosen from clip and radius")
    for name, (value, what) in positive.items():
        if not (is_finite_number(value) and value > 0):
            raise ValueError(f"exploding_gradient_demo: {name} must be a finite number > 0 ({what}), got {value!r}")


def _train(X, y, radius, hidden_size, steps, lr, max_norm, seed) -> TrainingCurve:
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):  # the layers' default init draws from the global generator
        cell = LinearCell(1, hidden_size, bias=False).double()
        readout = nn.Linear(hidden_size, 1, bias=False).double()
    with torch.no_grad():
        nn.init.orthogonal_(cell.weight_hh, gain=radius, generator=generator)  # rho Q
        u = torch.randn(hidden_size, 1, dtype=torch.float64, generator=generator)
        cell.weight_ih.copy_(u / u.norm())
        readout.weight.zero_()
    rnn = Recurrent(cell)
    parameters = [*cell.parameters(), *readout.parameters()]
    optimizer = torch.optim.SGD(parameters, lr=lr)
    losses, norms = [], []
    for _ in range(steps):
        output, _ = rnn(X)  # (n, T, H)
        loss = nn.functional.mse_loss(readout(output[:, -1]).squeeze(-1), y)
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(parameters, max_norm)  # returns the norm before clipping
        optimizer.step()
        losses.append(loss.item())
        norms.append(norm.item())
        if not math.isfinite(losses[-1]):
            break  # the weights are no longer finite: no later step can bring them back
    return TrainingCurve(np.array(losses), np.array(norms))
