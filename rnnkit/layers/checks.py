"""Input validation shared by the layers: bad input raises ValueError naming what was expected."""

from __future__ import annotations

import torch
from torch import Tensor


def check_input(x: Tensor, input_size: int, lengths: Tensor | None, who: str) -> Tensor | None:
    """Validate ``x (B, T, F)`` and ``lengths (B,)``; return lengths as int64 on x's device (or None)."""
    if not isinstance(x, Tensor):
        raise ValueError(f"{who}: x must be a torch.Tensor of shape (B, T, F), got {type(x).__name__}")
    if x.dim() != 3:
        raise ValueError(
            f"{who}: x must have shape (batch, time, features) = (B, T, {input_size}), got shape "
            f"{tuple(x.shape)}; add a batch dimension with x.unsqueeze(0) or a feature one with x.unsqueeze(-1)"
        )
    if not x.is_floating_point():
        raise ValueError(f"{who}: x must be a floating-point tensor, got dtype {x.dtype}; use x.float()")
    B, T, F = x.shape
    if F != input_size:
        raise ValueError(
            f"{who}: x has {F} features (last dim) but the layer expects input_size={input_size}"
        )
    if B == 0 or T == 0:
        raise ValueError(
            f"{who}: x must have at least one sequence and one time step, got shape {tuple(x.shape)}"
        )
    if lengths is None:
        return None
    lengths = torch.as_tensor(lengths)
    if lengths.shape != (B,):
        raise ValueError(f"{who}: lengths must have shape (B,) = ({B},), got {tuple(lengths.shape)}")
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
        raise ValueError(f"{who}: lengths must be an integer tensor, got dtype {lengths.dtype}")
    lo, hi = int(lengths.min()), int(lengths.max())
    if lo < 1 or hi > T:
        raise ValueError(
            f"{who}: every length must be in [1, T={T}], got min {lo} and max {hi}; drop empty sequences "
            f"or pad x to the longest sequence"
        )
    return lengths.to(device=x.device, dtype=torch.long)


def check_state(state, expected_shape: tuple[int, ...], fields: tuple[str, ...], who: str, x: Tensor):
    """Validate a state (tensor or NamedTuple) whose every field must have ``expected_shape``."""
    tensors = (state,) if isinstance(state, Tensor) else tuple(state) if isinstance(state, tuple) else None
    if tensors is None or len(tensors) != len(fields):
        raise ValueError(
            f"{who}: state must be {'a tensor' if len(fields) == 1 else 'a tuple ' + str(fields)} "
            f"of shape {expected_shape}, got {type(state).__name__}"
        )
    for name, t in zip(fields, tensors, strict=True):
        if not isinstance(t, Tensor) or tuple(t.shape) != tuple(expected_shape):
            got = tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(
                f"{who}: state field {name!r} must have shape {tuple(expected_shape)}, got {got}"
            )
        if not t.is_floating_point():
            raise ValueError(f"{who}: state field {name!r} must be floating point, got {t.dtype}")
        if t.device != x.device:
            raise ValueError(f"{who}: state field {name!r} is on {t.device} but x is on {x.device}")
