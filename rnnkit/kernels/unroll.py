"""What the fast paths that replace only the time loop share.

The fused, CPU-GRU and scan paths call :meth:`rnnkit.Stacked.unroll` ``(x, lengths, state, loop)``:
the reference's own walk over layers and directions (initial state, input projection for all steps at once,
reversal within lengths, concatenation of directions, dropout between layers) with the time loop of every
direction swapped for a ``loop(cell, xw, lengths, state) -> (output, final_state)`` function.
"""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from ..cells.base import length_mask

RECURRENT_DROPOUT = (
    "recurrent dropout (input/hidden variational dropout or zoneout) runs on the reference path and the C++ "
    "CPU loop only"
)


def uses_recurrent_dropout(layer) -> bool:
    """Whether any direction of ``layer`` has an active recurrent dropout or zoneout (which only the reference
    path and the C++ CPU loop run)."""
    return any(d.uses_recurrent_dropout for d in layer.directions())


def valid_steps(lengths: Tensor | None, B: int, T: int, device) -> Tensor:
    """``(B, T)`` bool, true at the steps ``t < lengths[b]`` (:func:`rnnkit.cells.base.length_mask`), on
    ``device``."""
    return length_mask(lengths, T, B).to(device)


def first_order_only(message: str, batched: str):
    """A decorator for the ``backward`` of an autograd Function whose backward runs without a graph: as
    ``torch.autograd.function.once_differentiable``, but a second derivative through it (``autograd.grad(...,
    create_graph=True)`` then a backward of that gradient, e.g. a gradient penalty or MAML's meta-gradient) raises
    ``message`` when it is taken, naming the backend to use instead (torch's own message names neither the layer's
    option nor the fix).

    The error node takes as inputs what the true second derivative flows to: the incoming gradients (which hold the
    forward graph through the Function's outputs, for a loss not linear in them) and the saved tensors that require
    grad (the weights, and the initial state, which the loops save for this alone). So it lies on every path from the
    gradient to the parameters, the inputs and the initial state, and a backward towards them runs it; with
    throwaway leaves alone as its inputs, ``autograd.grad(meta_loss, params)`` pruned it and returned the
    first-order part only, without a word (and towards ``h0`` of a loss linear in the outputs, ``None``).

    A backward run batched over several incoming gradients at once (``torch.autograd.functional.jacobian(...,
    vectorize=True)``, ``autograd.grad(..., is_grads_batched=True)``) raises ``batched``: the kernels have no batching
    rule, and torch's own message (``Batching rule not implemented for ...``) names no way on."""

    def decorate(backward):
        @functools.wraps(backward)
        def wrapper(ctx, *args):
            functorch = torch._C._functorch
            if any(isinstance(a, Tensor) and (functorch.is_legacy_batchedtensor(a) or functorch.is_batchedtensor(a))
                   for a in args):
                raise RuntimeError(batched)
            with torch.no_grad():
                outputs = backward(ctx, *args)
            if not torch.is_grad_enabled():  # no create_graph: a first derivative, the graph is not needed
                return outputs
            sources = [t for t in (*args, *ctx.saved_tensors) if isinstance(t, Tensor) and t.requires_grad]
            if not sources:
                return outputs
            single = not isinstance(outputs, tuple)
            outputs = (outputs,) if single else outputs
            error = torch._C._functions.DelayedError(message.encode(), len(outputs) + len(sources))

            def aliased(t):  # an alias that requires grad, so that the error node is its grad_fn
                return None if t is None else t.detach().requires_grad_()

            wired = error(*[aliased(t) for t in outputs], *sources)[: len(outputs)]
            return wired[0] if single else tuple(wired)

        return wrapper

    return decorate
