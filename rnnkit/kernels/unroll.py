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


def first_order_only(message: str):
    """A decorator for the ``backward`` of an autograd Function whose backward runs without a graph: as
    ``torch.autograd.function.once_differentiable``, but a second derivative through it (``autograd.grad(...,
    create_graph=True)`` then a backward of that gradient, e.g. a gradient penalty) raises ``message`` when it is
    taken, naming the backend to use instead (torch's own message names neither the layer's option nor the fix).
    """

    def decorate(backward):
        @functools.wraps(backward)
        def wrapper(ctx, *args):
            with torch.no_grad():
                outputs = backward(ctx, *args)
            if not torch.is_grad_enabled() or not any(isinstance(a, Tensor) and a.requires_grad for a in args):
                return outputs
            outputs = outputs if isinstance(outputs, tuple) else (outputs,)
            error = torch._C._functions.DelayedError(message.encode(), len(outputs))

            def aliased(t):  # an alias that requires grad, so that the error node sits in the graph
                return None if t is None else t.detach().requires_grad_()

            return error(*[aliased(t) for t in outputs])

        return wrapper

    return decorate
