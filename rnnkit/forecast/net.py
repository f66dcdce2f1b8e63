"""The Forecaster's network and its Lightning module: one encoding of the window, all horizon steps at once.

:class:`DirectForecastNet` is the direct multi-output model of the package docstring (Taieb et al. 2012's
"MIMO"; with known-future inputs, MQ-RNN's local head, Wen et al. 2017); :class:`~.module.ForecastModule`
(in its own module: it is a LightningModule, and Lightning loads when training starts) trains it on the squared
error or the pinball loss over the observed targets only.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from ..models import SequenceToLabel


class DirectForecastNet(nn.Module):
    """All ``H`` horizon steps of the ``n_y`` targets (``n_q`` quantiles each) from one encoding of the window,
    and, with a ``local`` head, the known-future inputs of each step (see the module doc).

    ===========  ==============================================================================================
    ``x``        ``(B, L, F_x)``, the targets' channels first
    ``future``   ``(B, H, C)`` known-future inputs over the horizon; needed exactly when ``local`` is given
    ``net``      ``(B, L, F_x) -> (B, H * n_y * n_q)``; with ``local``: ``-> (B, H * K)``, a context per step
    ``local``    ``(B, H, K + C) -> (B, H, n_y * n_q)``, applied to every step alike
    returns      ``ŷ (B, H * n_y * n_q)`` (``ŷ.view(B, H, n_y, n_q)``), the encoder's final state
    ===========  ==============================================================================================
    """

    target = "label"  # one output vector per window, for SequenceModule

    def __init__(self, net: SequenceToLabel, horizon: int, n_targets: int, *, relative: bool,
                 n_quantiles: int = 1, local: nn.Module | None = None):
        super().__init__()
        self.net, self.horizon, self.n_targets, self.relative = net, horizon, n_targets, relative
        self.n_quantiles, self.local = n_quantiles, local

    def forward(self, x: Tensor, lengths: Tensor | None = None, state=None,
                future: Tensor | None = None) -> tuple[Tensor, Any]:
        B, H, n_y = x.shape[0], self.horizon, self.n_targets
        if (future is None) != (self.local is None):
            raise ValueError("DirectForecastNet: pass future (B, H, C) exactly when the net has a local head")
        if self.relative:
            level = x[:, -1, :n_y]  # (B, n_y) the window's last value of each target
            x = torch.cat([x[..., :n_y] - level[:, None], x[..., n_y:]], dim=-1)
        out, state = self.net(x, lengths, state)  # (B, H * n_y * n_q), or (B, H * K) contexts
        if self.local is not None:
            out = self.local(torch.cat([out.view(B, H, -1), future.to(out.dtype)], dim=-1))  # (B, H, n_y * n_q)
        out = out.reshape(B, H, n_y, self.n_quantiles)
        if self.relative:
            out = out + level[:, None, :, None]  # changes from the last value -> values
        return out.flatten(1), state


class ForecastBatch(NamedTuple):
    """A batch of windows as :class:`ForecastModule` reads it (``lengths`` is None: windows are full)."""

    x: Tensor  # (B, L, F_x)
    lengths: None
    y: Tensor  # (B, 2, H * n_y): targets, then their observed mask
    future: Tensor | None  # (B, H, C)


def as_batch(item: dict[str, Tensor]) -> ForecastBatch:
    """A WindowDataset batch (dict) as a ForecastBatch, the target mask packed into y."""
    y = torch.stack([item["y"].flatten(1), item["y_mask"].flatten(1)], dim=1)  # (B, 2, H * n_y)
    return ForecastBatch(item["x"], None, y, item.get("future"))

