"""The layer and direction walk of a Stacked layer, for fast paths that replace only the time loop.

:meth:`rnnkit.Stacked.forward_reference` runs each :class:`rnnkit.Recurrent`, whose ``forward`` owns the time
loop. The fused, CPU-GRU and scan paths keep everything around that loop (initial state, input projection
for all steps at once, reversal within lengths, concatenation of directions, dropout between layers) and
swap the loop itself for a ``loop(cell, xw, lengths, state) -> (output, final_state)`` function.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ..cells.base import map_state
from ..layers.recurrent import reverse_padded

RECURRENT_DROPOUT = (
    "recurrent dropout (input/hidden variational dropout or zoneout) runs on the reference path only"
)


def uses_recurrent_dropout(layer) -> bool:
    """Whether any direction of ``layer`` has an active recurrent dropout or zoneout (reference path only)."""
    return any(d.uses_recurrent_dropout for d in layer.directions())


def run_stacked(layer, x: Tensor, lengths: Tensor | None, state, loop):
    """Run a Stacked ``layer`` with ``loop`` as every direction's time loop; same results as
    ``layer.forward_reference(x, lengths, state)``.

    ``loop(cell, xw, lengths, state)`` gets ``xw = cell.project(x) (B, T, G)`` in processing order (reversed
    within each length for a backward direction) and the direction's state, each field ``(B, H)``. It returns
    the outputs ``(B, T, H)``, zero at padded steps, and the state after each sequence's last valid step.
    """
    if state is None:
        state = layer.initial_state(x.shape[0], device=x.device, dtype=x.dtype)
    D, directions, finals = layer.num_directions, layer.directions(), []
    for i in range(layer.num_layers):
        outputs = []
        for k in range(i * D, (i + 1) * D):
            direction = directions[k]
            x_k = reverse_padded(x, lengths) if direction.reverse else x
            state_k = map_state(lambda f: f[:, k], state)
            y, final = loop(direction.cell, direction.cell.project(x_k), lengths, state_k)
            outputs.append(reverse_padded(y, lengths) if direction.reverse else y)
            finals.append(final)
        x = torch.cat(outputs, dim=-1) if D == 2 else outputs[0]  # (B, T, D*H)
        if layer.dropout > 0 and i < layer.num_layers - 1:
            x = F.dropout(x, layer.dropout, training=layer.training)
    return x, map_state(lambda *fs: torch.stack(fs, dim=1), *finals)


def valid_steps(lengths: Tensor | None, B: int, T: int, device) -> Tensor:
    """``(B, T)`` bool, true at the steps ``t < lengths[b]`` (all true without lengths)."""
    if lengths is None:
        return torch.ones(B, T, dtype=torch.bool, device=device)
    return torch.arange(T, device=device)[None, :] < lengths[:, None]
