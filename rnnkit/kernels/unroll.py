"""What the fast paths that replace only the time loop share.

The fused, CPU-GRU and scan paths call :meth:`rnnkit.Stacked.unroll` ``(x, lengths, state, loop)``:
the reference's own walk over layers and directions (initial state, input projection for all steps at once,
reversal within lengths, concatenation of directions, dropout between layers) with the time loop of every
direction swapped for a ``loop(cell, xw, lengths, state) -> (output, final_state)`` function.
"""

from __future__ import annotations

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
