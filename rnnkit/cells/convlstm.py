"""The convolutional LSTM cell, for sequences of images (video frames, radar maps)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..checks import is_count, is_finite_number, is_integer
from .base import Cell, LSTMState, as_state, check_project, reset_module


class ConvLSTMCell(Cell):
    """ConvLSTM (Shi et al. 2015, "Convolutional LSTM network"): the LSTM with every matrix product replaced
    by a 2-D convolution ``*``, so that time and space are modelled together. Gate order ``i, f, g, o``:

        i, f, g, o = split(W_x * x_t + b + W_h * h_{t-1})      (4 blocks of hidden_channels)
        c' = sigmoid(f) ∘ c + sigmoid(i) ∘ tanh(g)
        h' = sigmoid(o) ∘ tanh(c')

    Deliberate deviation: no peephole terms ``W_c ∘ c`` (as Keras' ConvLSTM2D and most implementations); the
    peephole variant is a subclass away.

    So that the generic unroller (lengths, reversal, stacking) runs it unchanged, images travel flattened:

    ===========  ========================================  ==============================
    ``x``        ``(B, T, C*Hi*Wi)``: ``frames.flatten(2)``  frames ``(B, T, C, Hi, Wi)``
    state h, c   ``(B, Hc*Hi*Wi)``                          ``h.view(B, Hc, Hi, Wi)``
    output       ``(B, T, Hc*Hi*Wi)``                       ``out.view(B, T, Hc, Hi, Wi)``
    ===========  ========================================  ==============================

    The input convolution runs on all frames at once before the loop (:meth:`project`); padding keeps the
    image size (odd ``kernel_size``). As for ``torch.nn.Conv2d``, ``kernel_size`` is one size or a pair
    ``(kh, kw)``; ``image_size`` is ``(Hi, Wi)``, or one size for square images. ``forget_bias`` (default 1.0)
    initialises the forget gate's bias, as in :class:`rnnkit.LSTMCell`.
    """

    state_type = LSTMState

    def __init__(
        self,
        in_channels: int,
        hidden_channels: int,
        image_size: tuple[int, int],
        *,
        kernel_size: int = 3,
        forget_bias: float | None = 1.0,
    ):
        super().__init__()
        if not (is_count(in_channels) and is_count(hidden_channels)):
            raise ValueError(f"ConvLSTMCell: in_channels and hidden_channels must be integers >= 1, got "
                             f"{in_channels!r}, {hidden_channels!r}")
        self.image_size = _pair(image_size, "image_size", "(height, width) of integers >= 1, or one for a square")
        kernel = _pair(kernel_size, "kernel_size", "an odd integer or a pair of them, (3, 3)")
        if any(k % 2 == 0 for k in kernel):
            raise ValueError(f"ConvLSTMCell: kernel_size must be odd to keep the image size, got {kernel_size!r}")
        if forget_bias is not None and not is_finite_number(forget_bias):
            raise ValueError(f"ConvLSTMCell: forget_bias must be a number or None, got {forget_bias!r}")
        self.in_channels, self.hidden_channels = in_channels, hidden_channels
        pixels = self.image_size[0] * self.image_size[1]
        self.input_size, self.hidden_size = in_channels * pixels, hidden_channels * pixels
        self.gate_size = 4 * self.hidden_size
        padding = (kernel[0] // 2, kernel[1] // 2)
        self.conv_x = nn.Conv2d(in_channels, 4 * hidden_channels, kernel, padding=padding)
        self.conv_h = nn.Conv2d(hidden_channels, 4 * hidden_channels, kernel, padding=padding, bias=False)
        self.forget_bias = forget_bias
        if forget_bias is not None:
            with torch.no_grad():
                self.conv_x.bias[hidden_channels : 2 * hidden_channels].fill_(forget_bias)

    def reset_parameters(self) -> None:
        """The init of the constructor: torch.nn.Conv2d's for both convolutions, then the forget gate's bias
        ``forget_bias``. (Without it, ``model.apply(lambda m: m.reset_parameters() ...)`` reset the convolutions
        alone and lost the forget bias.)"""
        reset_module(self.conv_x)  # torch.nn.Conv2d's init, a parametrized weight too
        reset_module(self.conv_h)
        if self.forget_bias is not None:
            H = self.hidden_channels
            with torch.no_grad():
                self.conv_x.bias[H : 2 * H].fill_(self.forget_bias)

    def project(self, x: Tensor) -> Tensor:
        """``W_x * x_t + b`` for every frame at once: ``(B, T, C*Hi*Wi) -> (B, T, 4*Hc*Hi*Wi)``."""
        check_project(self, x, self.conv_x.weight, time_axis=True)
        B, T, _ = x.shape
        frames = x.reshape(B * T, self.in_channels, *self.image_size)
        return self.conv_x(frames).reshape(B, T, self.gate_size)

    def step(self, xw_t: Tensor, state: LSTMState) -> tuple[Tensor, LSTMState]:
        # each field (B, Hc*Hi*Wi); a tensor would unpack along its rows, a (1, ...) state broadcast over them
        h, c = as_state(state, LSTMState, type(self).__name__, xw_t, self.hidden_size, self.gate_size, cell=self)
        hw = self.conv_h(h.view(-1, self.hidden_channels, *self.image_size)).flatten(1)  # (B, 4*Hc*Hi*Wi)
        i, f, g, o = (xw_t + hw).chunk(4, dim=-1)  # channel blocks: i, f, g, o each (B, Hc*Hi*Wi)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, LSTMState(h, c)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.hidden_channels}, image_size={self.image_size}"


def _pair(value, name: str, expected: str) -> tuple[int, int]:
    """``(a, b)`` from one integer >= 1 or a pair of them, as torch.nn.Conv2d reads its sizes; ValueError otherwise
    (``(64, 64, 3)`` is not read as a 64 x 64 image)."""
    pair = (value, value) if is_integer(value) else tuple(value) if isinstance(value, tuple | list) else None
    if pair is None or len(pair) != 2 or not all(is_count(v) for v in pair):
        raise ValueError(f"ConvLSTMCell: {name} must be {expected}, got {value!r}")
    return (int(pair[0]), int(pair[1]))
