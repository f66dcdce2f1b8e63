"""The Forecaster's Lightning module: :class:`ForecastModule` trains a :class:`~.net.DirectForecastNet` on the
squared error or the pinball loss over the observed targets only. Imported when training starts (it brings
Lightning), not with ``rnnkit.forecast``."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ..training import SequenceModule
from .net import ForecastBatch


class ForecastModule(SequenceModule):
    """:class:`~rnnkit.training.SequenceModule` for :class:`DirectForecastNet`: the known-future inputs reach
    the model, and the loss counts observed targets only.

    The batch's ``y`` is ``(B, 2, H * n_y)``: the scaled targets, then their observed mask ``m`` (1 observed,
    0 imputed), so ``loss = sum(m * ℓ) / sum(m)`` with ``ℓ = (ŷ - y)²``, or with ``quantiles`` the pinball loss
    ``ℓ = mean_τ max(τ u, (τ - 1) u)``, ``u = y - ŷ_τ`` (Koenker & Bassett 1978), whose minimiser is the
    τ-quantile. The training loop itself is SequenceModule's; a window is one chunk (no truncated BPTT).
    """

    def __init__(self, model: nn.Module, *, quantiles: Sequence[float] | None = None, **options):
        super().__init__(model, task="regression", **options)
        self.quantiles = None if quantiles is None else tuple(float(q) for q in quantiles)

    def chunk_outputs(self, batch: ForecastBatch, chunk, state):
        out, state = self.model(batch.x, future=batch.future)  # (B, H * n_y * n_q)
        return out, batch.y, state

    def loss(self, out: Tensor, y: Tensor, weights: Tensor | None = None) -> Tensor:
        """``weights``: SequenceModule's per-sequence weights, None here (a forecast window carries none)."""
        target, observed = y[:, 0], y[:, 1]  # (N, H * n_y) each
        out = out.float().view(*target.shape, -1)  # (N, H * n_y, n_q)
        if self.quantiles is None:
            per_target = (out[..., 0] - target) ** 2
        else:
            tau = torch.tensor(self.quantiles, device=out.device)  # (n_q,)
            u = target[..., None] - out
            per_target = torch.maximum(tau * u, (tau - 1) * u).mean(-1)
        return (per_target * observed).sum() / observed.sum().clamp_min(1.0)
