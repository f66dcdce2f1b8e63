"""Output heads: from the recurrent outputs ``h_t`` to one output per sequence or one per step.

Heads are affine; what the numbers mean (class logits or real values) is decided by the loss the training
module applies: cross-entropy for classification, mean squared error for regression.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..cells.base import State, hidden_of, length_mask
from ..checks import is_count

POOLINGS = ("final", "last", "mean", "max", "attention")


def check_output_size(value, name: str, who: str) -> None:
    """ValueError unless ``value`` is an integer >= 1 (0 would build an empty head, -1 fail in torch.empty)."""
    if not is_count(value):
        raise ValueError(f"{who}: {name} must be an integer >= 1, got {value!r}")


class AttentionPool(nn.Module):
    """A learned weighted mean over the valid steps (Yang et al. 2016; Raffel & Ellis 2015):
    ``(B, T, D*H) -> (B, D*H)``.

    ``u_t = tanh(W h_t + b)``, ``s_t = v . u_t``, ``a = softmax_{t < L}(s)`` (padded steps get weight 0),
    ``pool = sum_t a_t h_t``. ``W (D*H, D*H)``, ``v (D*H,)``; :meth:`weights` returns ``a (B, T)``, which
    sums to 1 over each sequence's valid steps.
    """

    def __init__(self, in_features: int):
        super().__init__()
        self.project = nn.Linear(in_features, in_features)
        self.score = nn.Linear(in_features, 1, bias=False)  # v; a bias would cancel in the softmax

    def weights(self, output: Tensor, lengths: Tensor | None) -> Tensor:
        B, T, _ = output.shape
        s = self.score(torch.tanh(self.project(output)))[..., 0]  # (B, T)
        valid = length_mask(lengths, T, B).to(output.device)
        return torch.softmax(s.masked_fill(~valid, float("-inf")), dim=1)

    def forward(self, output: Tensor, lengths: Tensor | None) -> Tensor:
        a = self.weights(output, lengths)  # (B, T)
        valid = length_mask(lengths, output.shape[1], output.shape[0]).to(output.device)
        return (a[..., None] * torch.where(valid[..., None], output, 0.0)).sum(1)  # 0 * NaN would leak


def pool(output: Tensor, lengths: Tensor | None, final_state: State, how: str, num_directions: int,
         attention: AttentionPool | None = None) -> Tensor:
    """One vector per sequence from the top layer, ``(B, T, D*H) -> (B, D*H)``, over valid steps only.

    =================  ===================================================================================
    ``how``            vector
    =================  ===================================================================================
    ``"final"``        the top layer's final hidden state: forward after the last valid step, backward
                       after step 0. The right summary for a bidirectional layer.
    ``"last"``         the output at each sequence's last valid step ``h_{L-1}``. Equals ``"final"`` in
                       one direction; in two, the backward half there has read only one step.
    ``"mean"``         ``sum_{t < L} h_t / L``
    ``"max"``          ``max_{t < L} h_t``, per unit
    ``"attention"``    ``sum_{t < L} a_t h_t`` with learned weights ``a`` (:class:`AttentionPool`, passed
                       as ``attention``)
    =================  ===================================================================================
    """
    B, T, _ = output.shape
    if how == "final":
        h = hidden_of(final_state)  # (B, L*D, H), layer 0 forward, layer 0 backward, ...
        return h[:, -num_directions:].reshape(B, -1)  # top layer, [forward, backward]
    if how == "attention":
        if attention is None:
            raise ValueError("pooling='attention' needs its learned AttentionPool, passed as attention=")
        return attention(output, lengths)
    if lengths is None:
        lengths = torch.full((B,), T, device=output.device, dtype=torch.long)
    if how == "last":
        return output[torch.arange(B, device=output.device), lengths - 1]
    valid = length_mask(lengths, T)[..., None]  # (B, T, 1)
    if how == "mean":
        return (output * valid).sum(1) / lengths[:, None].to(output.dtype)
    if how == "max":
        return output.masked_fill(~valid, float("-inf")).amax(1)
    raise ValueError(f"pooling must be one of {POOLINGS}, got {how!r}")


class LabelHead(nn.Module):
    """Sequence-to-label output ``o = W_ho pool(h_1, ..., h_T) + c``: ``(B, T, D*H) -> (B, O)``.

    ``pooling`` is one of :data:`POOLINGS` (see :func:`pool`); default ``"final"``, the last hidden state;
    ``"attention"`` adds the parameters of an :class:`AttentionPool` over the ``in_features``.
    ``extra_features``: the size of a vector per sequence that ``forward`` concatenates to the pooled one
    before the linear layer (``extra``; LSTM-FCN's convolutional branch): ``o = W [pool(h), extra] + c``.
    """

    def __init__(self, in_features: int, out_features: int, *, pooling: str = "final",
                 num_directions: int = 1, extra_features: int = 0):
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        self.pooling, self.num_directions = pooling, num_directions
        self.attention = AttentionPool(in_features) if pooling == "attention" else None
        self.extra_features = extra_features
        self.linear = nn.Linear(in_features + extra_features, out_features)

    def forward(self, output: Tensor, lengths: Tensor | None, final_state: State,
                extra: Tensor | None = None) -> Tensor:
        pooled = pool(output, lengths, final_state, self.pooling, self.num_directions, self.attention)
        if (extra is None) != (self.extra_features == 0):
            raise ValueError(f"this head takes extra_features={self.extra_features}; got "
                             f"{'none' if extra is None else tuple(extra.shape)}")
        return self.linear(pooled if extra is None else torch.cat([pooled, extra], dim=-1))

    def extra_repr(self) -> str:
        return f"pooling={self.pooling!r}"


class StepHead(nn.Module):
    """Sequence-to-sequence output at every step, ``o_t = W_ho h_t + c``: ``(B, T, D*H) -> (B, T, O)``.

    Padded steps get ``o_t = c`` (their ``h_t`` is zero); losses and predictions skip them by ``lengths``.
    """

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    def forward(self, output: Tensor) -> Tensor:
        return self.linear(output)
