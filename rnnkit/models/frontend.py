"""What the recurrence reads: per-series normalisation and front-ends that shorten long sequences.

A recurrent net trained by backpropagation through time struggles past a few hundred steps: the gradient
must cross every step (Bengio et al. 1994; Pascanu et al. 2013) and CPU time grows with the length. The
remedy kept here is to let the recurrence read ``ceil(T / k)`` summaries of ``k`` steps each instead of ``T``
steps:

- ``"patch"``: non-overlapping segments of ``k`` steps, flattened and embedded by one affine map, as SegRNN
  (Lin et al. 2023) and PatchTST (Nie et al. 2023) do;
- ``"conv"``: a 1-D convolution of stride ``k`` and a ReLU, whose window (``2k + 1`` steps) overlaps its
  neighbours', as the convolutional front-ends of DeepConvLSTM (Ordóñez & Roggen 2016) and LSTM-FCN
  (Karim et al. 2018);
- ``"fcn"``: the ``"conv"`` front-end for the recurrence, and beside it LSTM-FCN's fully convolutional
  branch (Karim et al. 2018; Wang et al. 2017): three convolution, batch-norm and ReLU blocks over the whole
  series, averaged over time (:class:`FullyConvolutional`). The model concatenates that average to the pooled
  recurrent outputs before its linear head (:class:`rnnkit.models.SequenceToLabel`).

Padding never reaches a valid output: the input is zeroed at padded steps first, so a sequence in a padded
batch reads exactly what it reads alone (where the zeros past its end are the same zeros), and a sequence of
``L`` valid steps gives ``ceil(L / k)`` valid outputs, the last one from its last, possibly partial, patch.

Shapes: ``B`` batch, ``T`` time, ``F`` features, ``E`` embedding size, ``k`` stride.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..cells.base import length_mask

FRONTENDS = (None, "patch", "conv", "fcn")
NORMALISATIONS = (None, "series")


def strided_lengths(lengths: Tensor | None, k: int) -> Tensor | None:
    """Valid steps after a front-end of stride ``k``: ``ceil(L / k)`` per sequence (None stays None)."""
    return None if lengths is None else (lengths + k - 1) // k


def zero_padding(x: Tensor, lengths: Tensor | None) -> Tensor:
    """``x (B, T, F)`` with every padded step ``t >= lengths[b]`` set to zero (even a NaN there)."""
    if lengths is None:
        return x
    return torch.where(length_mask(lengths, x.shape[1])[..., None], x, 0.0)


def normalise_series(x: Tensor, lengths: Tensor | None, eps: float = 1e-5, *, with_scale: bool = False):
    """Each sequence and channel standardised by its own statistics over its valid steps, padding zeroed.

    ``x'_{b,t,f} = (x_{b,t,f} - mu_{b,f}) / max(sigma_{b,f}, eps)`` for ``t < L_b``, else 0, where
    ``mu_{b,f} = sum_{t<L_b} x_{b,t,f} / L_b`` and ``sigma^2_{b,f} = sum_{t<L_b} (x_{b,t,f} - mu_{b,f})^2 / L_b``
    (the population variance). ``eps`` is a floor, so a constant channel becomes 0, not NaN (and its gradient 0).
    The statistics are taken in float32 for a float16 or bfloat16 ``x`` (float16 squares overflow past 256).
    ``(B, T, F) -> (B, T, F)``.

    This removes each series' level and scale, which is what z-normalised benchmarks (the UCR archive)
    assume and what a shape classifier wants; it also removes them as evidence, so leave it off when the
    amplitude itself tells the classes apart (an accelerometer at rest or running). ``with_scale=True`` also
    returns what it removed, compressed, ``[asinh(mu_{b,f}), log(max(sigma_{b,f}, eps))]`` ``(B, 2F)``: the
    head reads it with ``keep_scale=True``, so the amplitude stays evidence while the layers read the shape
    (``asinh`` and ``log`` keep series orders of magnitude apart within a few units).
    """
    B, T, _ = x.shape
    dtype = x.dtype
    # the statistics in float32 at least: in float16 a square past 65504 (values beyond 256) is inf, so every
    # series of such values would become zeros (and its log-scale inf)
    x = x.float() if dtype in (torch.float16, torch.bfloat16) else x
    valid = length_mask(lengths, T, B).to(x.device)[..., None]  # (B, T, 1)
    n = valid.sum(1, keepdim=True).to(x.dtype)  # (B, 1, 1)
    x = torch.where(valid, x, 0.0)
    mean = x.sum(1, keepdim=True) / n  # (B, 1, F)
    centred = torch.where(valid, x - mean, 0.0)
    # the floor on the variance, before the square root: sqrt's derivative at a variance of 0 (a constant channel,
    # a sequence of one step) is infinite, and times the zero centred values it would make gradients NaN
    std = ((centred**2).sum(1, keepdim=True) / n).clamp_min(eps * eps).sqrt()
    if not with_scale:
        return (centred / std).to(dtype)
    return (centred / std).to(dtype), torch.cat([torch.asinh(mean), torch.log(std)], dim=-1)[:, 0].to(dtype)


class PatchEmbedding(nn.Module):
    """Non-overlapping patches of ``k`` steps, each embedded affinely: ``(B, T, F) -> (B, ceil(T/k), E)``.

    ``e_j = W vec(x_{jk}, ..., x_{jk+k-1}) + b`` with ``W (E, k F)``; steps past ``T`` (the last patch's
    missing part) and padded steps are zeros, so they add nothing to ``W vec(...)``. Outputs past a sequence's
    ``ceil(L / k)`` valid patches are zero. SegRNN (Lin et al. 2023), PatchTST (Nie et al. 2023).
    """

    def __init__(self, input_size: int, embed_size: int, k: int):
        super().__init__()
        self.k, self.output_size = k, embed_size
        self.linear = nn.Linear(k * input_size, embed_size)

    def forward(self, x: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor | None]:
        B, T, Fx = x.shape
        k, T_out = self.k, -(-T // self.k)
        x = F.pad(zero_padding(x, lengths), (0, 0, 0, T_out * k - T))  # (B, T_out k, F)
        e = self.linear(x.reshape(B, T_out, k * Fx))  # (B, T_out, E)
        out_lengths = strided_lengths(lengths, k)
        return zero_padding(e, out_lengths), out_lengths

    def extra_repr(self) -> str:
        return f"k={self.k}"


class ConvFrontEnd(nn.Module):
    """A strided 1-D convolution and a ReLU: ``(B, T, F) -> (B, ceil(T/k), E)``.

    ``e_j = relu(sum_{i<K} W_i x_{jk - p + i} + b)`` with window ``K = 2k + 1``, ``p = (K - k) // 2`` (the
    window centred on patch ``j`` and reaching into its neighbours), ``W_i (E, F)``, and ``x_t = 0`` outside
    ``[0, L)``: padding is zeroed before the convolution, so it reads what the sequence alone reads. Outputs
    past a sequence's ``ceil(L / k)`` valid steps are zero. Convolutional front-ends of DeepConvLSTM
    (Ordóñez & Roggen 2016) and LSTM-FCN (Karim et al. 2018); ``k = 1`` is a plain width-3 convolution.
    """

    def __init__(self, input_size: int, embed_size: int, k: int):
        super().__init__()
        self.k, self.output_size = k, embed_size
        self.window = 2 * k + 1
        self.conv = nn.Conv1d(input_size, embed_size, self.window, stride=k)

    def forward(self, x: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor | None]:
        T, k, K = x.shape[1], self.k, self.window
        T_out = -(-T // k)
        left = (K - k) // 2
        right = (T_out - 1) * k + K - left - T  # so that exactly T_out windows fit
        x = F.pad(zero_padding(x, lengths).transpose(1, 2), (left, right))  # (B, F, left + T + right)
        e = torch.relu(self.conv(x)).transpose(1, 2)  # (B, T_out, E)
        out_lengths = strided_lengths(lengths, k)
        return zero_padding(e, out_lengths), out_lengths

    def extra_repr(self) -> str:
        return f"k={self.k}, window={self.window}"


class FullyConvolutional(nn.Module):
    """LSTM-FCN's convolutional branch: ``(B, T, F) -> (B, C_3)``, one vector per sequence.

    Karim et al. 2018 (after Wang et al. 2017's FCN): three blocks ``z <- relu(BN(conv_i(z)))`` of
    ``channels = (C_1, C_2, C_3)`` (the paper's ``(128, 256, 128)``) and kernels ``(8, 5, 3)``, "same" padding
    (an even kernel reaches one step further right than left), then the mean over each sequence's valid steps
    (global average pooling). Before the blocks the series is averaged over ``resolution = r``
    non-overlapping steps (the mean of the valid steps of each window), so the branch reads ``ceil(L / r)``
    steps: its cost grows with the length as the recurrence's does, not ``r`` times faster.

    Padding is zeroed before every convolution, so in eval mode (batch norm with its running statistics) a
    sequence in a padded batch gives what it gives alone. In training, batch norm's batch statistics also
    count the padded steps of the batch: the estimators batch sequences of similar lengths, which keeps
    that small.
    """

    def __init__(self, input_size: int, channels: tuple[int, ...] = (128, 256, 128),
                 kernels: tuple[int, ...] = (8, 5, 3), resolution: int = 1):
        super().__init__()
        if len(channels) != len(kernels) or min(channels) < 1 or min(kernels) < 1 or resolution < 1:
            raise ValueError(f"FullyConvolutional needs as many channels as kernels, all >= 1, and "
                             f"resolution >= 1; got channels={channels}, kernels={kernels}, "
                             f"resolution={resolution}")
        self.resolution, self.kernels, self.output_size = resolution, tuple(kernels), channels[-1]
        sizes = (input_size, *channels)
        self.convs = nn.ModuleList(nn.Conv1d(a, b, K) for a, b, K in zip(sizes, channels, kernels, strict=False))
        self.norms = nn.ModuleList(nn.BatchNorm1d(c) for c in channels)

    def forward(self, x: Tensor, lengths: Tensor | None) -> Tensor:
        B, T, _ = x.shape
        r, T_r = self.resolution, -(-T // self.resolution)
        if lengths is None:
            lengths = torch.full((B,), T, dtype=torch.long, device=x.device)
        x = F.pad(zero_padding(x, lengths), (0, 0, 0, T_r * r - T))  # (B, T_r r, F)
        if r > 1:
            ends = (torch.arange(1, T_r + 1, device=x.device) * r)[None, :]  # (1, T_r)
            counts = (lengths[:, None] - ends + r).clamp(1, r)  # valid steps in each window
            x = x.reshape(B, T_r, r, -1).sum(2) / counts[..., None].to(x.dtype)
        lengths = strided_lengths(lengths, r)
        z = x.transpose(1, 2)  # (B, F, T_r)
        valid = length_mask(lengths, T_r, B).to(x.device)[:, None]  # (B, 1, T_r)
        # one value per channel (one sequence of one read) has no batch statistics: the running ones serve
        batch_stats = self.training and B * T_r > 1
        for conv, norm, K in zip(self.convs, self.norms, self.kernels, strict=True):
            z = conv(F.pad(z, ((K - 1) // 2, K // 2)))  # (B, C_i, T_r)
            z = F.batch_norm(z, norm.running_mean, norm.running_var, norm.weight, norm.bias, batch_stats,
                             self._momentum(norm, batch_stats), norm.eps)
            z = torch.where(valid, torch.relu(z), 0.0)
        return z.sum(2) / lengths[:, None].to(z.dtype)  # (B, C_3)

    @staticmethod
    def _momentum(norm: nn.BatchNorm1d, batch_stats: bool) -> float:
        """The running statistics' update factor, as ``nn.BatchNorm1d`` takes it: ``momentum``, or with
        ``momentum=None`` the cumulative mean over the batches read (``1 / num_batches_tracked``), which
        ``torch.optim.swa_utils.update_bn`` and Lightning's weight averaging set to recompute the statistics."""
        if batch_stats and norm.num_batches_tracked is not None:
            norm.num_batches_tracked.add_(1)
        if norm.momentum is not None:
            return norm.momentum
        return 1.0 / float(norm.num_batches_tracked) if batch_stats else 0.0

    def extra_repr(self) -> str:
        return f"kernels={self.kernels}, resolution={self.resolution}"


def build_frontend(frontend: str | None, input_size: int, embed_size: int, k: int) -> nn.Module | None:
    """The front-end the recurrence reads for ``frontend`` (see :data:`FRONTENDS`; ``"fcn"``'s is the
    ``"conv"`` one, its branch is built by the model), or None for none; a ValueError otherwise."""
    if frontend not in FRONTENDS:
        raise ValueError(f"frontend must be one of {FRONTENDS}, got {frontend!r}")
    if frontend is None:
        return None
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"stride must be an integer >= 1 for frontend={frontend!r}, got {k!r}")
    if isinstance(embed_size, bool) or not isinstance(embed_size, int) or embed_size < 1:
        raise ValueError(f"embed_size must be an integer >= 1, got {embed_size!r}")
    return (PatchEmbedding if frontend == "patch" else ConvFrontEnd)(input_size, embed_size, k)


def fcn_resolution(k: int) -> int:
    """The steps :class:`FullyConvolutional` averages when the recurrence reads one of ``k``: ``ceil(k / 4)``,
    so that the branch reads four times as many steps as the recurrence (at most 256 when ``ceil(T / k) <=
    64``), and every step of a series of up to 4 x 64 steps read at stride 4 or less."""
    return -(-k // 4)
