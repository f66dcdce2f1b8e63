"""Several networks of one architecture, trained from different seeds, read as one: the mean of their outputs.

A seed ensemble is the cheapest remedy for the spread of small-data fits (docs/long_series.md measured it on
the tuning sets' validation splits); the estimators fit one with ``n_members`` and keep it as their ``model_``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


class Ensemble(nn.Module):
    """``members``: modules of one architecture, each ``(x, lengths) -> (y, state)``.

    ``forward(x, lengths)`` returns ``(mean over members of y, None)``: the members' raw outputs (a classifier's
    logits, a regressor's standardised values) averaged; there is no one state to return.

    The members share one architecture, so an attribute the ensemble does not have itself is read from the first
    member (``ensemble.frontend.k``, ``ensemble.normalise``, ``ensemble.head.pooling``): what describes the
    architecture is every member's; a module's weights read so are the first member's (``members[j]`` for others).
    """

    def __init__(self, members: list[nn.Module] | tuple[nn.Module, ...]):
        super().__init__()
        members = list(members)
        if len(members) < 2:
            raise ValueError(f"Ensemble needs at least 2 members, got {len(members)}; use the one network itself")
        kinds = {type(m).__name__ for m in members}
        if len(kinds) > 1:
            raise ValueError(f"Ensemble: the members must share one architecture, got {sorted(kinds)}")
        shapes = {name: tuple(p.shape) for name, p in members[0].named_parameters()}
        for j, member in enumerate(members[1:], 1):  # else torch.stack's error at the first forward, naming none
            theirs = {name: tuple(p.shape) for name, p in member.named_parameters()}
            name = next((n for n in [*shapes, *theirs] if shapes.get(n) != theirs.get(n)), None)
            if name is not None:
                raise ValueError(f"Ensemble: the members must share one architecture, but member {j}'s {name} has "
                                 f"shape {theirs.get(name, 'none')} and member 0's {shapes.get(name, 'none')}; build "
                                 f"every member with the same sizes (input, hidden, output, layers)")
        self.members = nn.ModuleList(members)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)  # parameters, buffers and modules of its own: members
        except AttributeError:
            members = self.__dict__["_modules"].get("members")
            if members is None or name.startswith("_"):
                raise
            return getattr(members[0], name)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state=None):
        if state is not None:
            raise ValueError("Ensemble: each member has its own state; an initial state cannot be given to all")
        return torch.stack([member(x, lengths)[0] for member in self.members]).mean(0), None
