"""The Forecaster's network and its Lightning module: one encoding of the window, all horizon steps at once.

:class:`DirectForecastNet` is the direct multi-output model of the package docstring (Taieb et al. 2012's
"MIMO"; with known-future inputs, MQ-RNN's local head, Wen et al. 2017); :class:`~.module.ForecastModule`
(in its own module: it is a LightningModule, and Lightning loads when training starts) trains it on the squared
error or the pinball loss over the observed targets only.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import torch
from torch import Tensor, nn

from ..cells import LayerNormLSTMCell
from ..data.timeseries import user_stacklevel
from ..models import SequenceToLabel
from ..models.encoder import check_cell_name


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

    ``constant``: the encoder reads a channel of ones after ``x``'s (``net`` then has ``F_x + 1`` inputs), which
    :func:`reads_constant` asks of a LayerNorm-LSTM.
    """

    target = "label"  # one output vector per window, for SequenceModule

    def __init__(self, net: SequenceToLabel, horizon: int, n_targets: int, *, relative: bool,
                 n_quantiles: int = 1, local: nn.Module | None = None, constant: bool = False):
        super().__init__()
        self.net, self.horizon, self.n_targets, self.relative = net, horizon, n_targets, relative
        self.n_quantiles, self.local, self.constant = n_quantiles, local, constant

    def forward(self, x: Tensor, lengths: Tensor | None = None, state=None,
                future: Tensor | None = None) -> tuple[Tensor, Any]:
        B, H, n_y = x.shape[0], self.horizon, self.n_targets
        if (future is None) != (self.local is None):
            raise ValueError("DirectForecastNet: pass future (B, H, C) exactly when the net has a local head")
        if self.relative:
            level = x[:, -1, :n_y]  # (B, n_y) the window's last value of each target
            x = torch.cat([x[..., :n_y] - level[:, None], x[..., n_y:]], dim=-1)
        if self.constant:
            x = torch.cat([x, torch.ones_like(x[..., :1])], dim=-1)  # (B, L, F_x + 1)
        out, state = self.net(x, lengths, state)  # (B, H * n_y * n_q), or (B, H * K) contexts
        if self.local is not None:
            out = self.local(torch.cat([out.view(B, H, -1), future.to(out.dtype)], dim=-1))  # (B, H, n_y * n_q)
        out = out.reshape(B, H, n_y, self.n_quantiles)
        if self.relative:
            out = out + level[:, None, :, None]  # changes from the last value -> values
        return out.flatten(1), state


def reads_constant(cell) -> bool:
    """Whether an encoder built from ``cell`` (a name or a factory, as :class:`~rnnkit.models.SequenceToLabel`
    takes it) reads a constant channel after the window's: a LayerNorm-LSTM normalises ``W_ih x`` over each
    gate block, which is blind to the scale of each step's ``x``, ``LN(W c x) = LN(W x)`` for ``c > 0``: for
    one channel, ``LN(w x) = sign(x) LN(w)`` reads each value's sign alone; for several (targets and
    covariates), their direction alone. Beside a constant, ``LN(W x + v)`` depends on ``x`` (see
    :class:`rnnkit.LayerNormLSTMCell`). A Cell object keeps the input size it was built with."""
    if isinstance(cell, str):
        return check_cell_name(cell) == "layernorm_lstm"
    return isinstance(cell, type) and issubclass(cell, LayerNormLSTMCell)


def forecast_encoder(n_inputs: int, hidden_size: int, output_size: int, *, cell, num_layers: int, dropout: float,
                     saved: dict[str, Tensor] | None = None, who: str = "Forecaster.load"
                     ) -> tuple[SequenceToLabel, bool]:
    """The encoder of a :class:`DirectForecastNet` for ``n_inputs`` channels, and whether it reads the constant
    channel (:func:`reads_constant`). ``saved``: the DirectForecastNet's saved weights, when loading; weights
    saved before the constant channel existed (a LayerNorm-LSTM's first ``weight_ih`` ``n_inputs`` columns
    wide) load into the encoder they were trained in, so the forecasts are the saved model's; for one channel,
    whose signs alone that net read, a warning says so, ``who`` named."""
    constant = reads_constant(cell)
    weight = None if saved is None else saved.get("net.encoder.layers.0.cell.weight_ih")
    if constant and weight is not None and weight.shape[-1] == n_inputs:
        if n_inputs == 1:
            warnings.warn(f"{who}: this model's layernorm_lstm reads the series alone, as rnnkit built it before "
                          f"the encoder read a constant channel beside it, so its forecasts follow only the signs "
                          f"of the scaled values (layer normalisation of one channel is blind to its scale); it is "
                          f"loaded as saved, forecasting as before: refit it (the same call) for a net that reads "
                          f"the values", UserWarning, stacklevel=user_stacklevel())
        with warnings.catch_warnings():  # the cell's own warning, said above in the forecaster's words
            warnings.filterwarnings("ignore", message="LayerNormLSTMCell: input_size=1", category=UserWarning)
            return SequenceToLabel(n_inputs, hidden_size, output_size, cell=cell, num_layers=num_layers,
                                   dropout=dropout), False
    net = SequenceToLabel(n_inputs + constant, hidden_size, output_size, cell=cell, num_layers=num_layers,
                          dropout=dropout)
    return net, constant


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

