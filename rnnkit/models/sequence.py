"""Sequence-to-label and sequence-to-sequence models: a recurrent encoder and a head.

Both return ``(prediction, final_state)`` and accept an initial ``state``, so a training loop can carry the
state from one chunk of time to the next (truncated BPTT). ``target`` tells the training module whether the
prediction is one per sequence (``"label"``) or one per step (``"step"``).

Shapes: ``B`` batch, ``T`` time, ``F`` features, ``H`` hidden, ``D`` directions, ``L`` layers, ``O`` outputs.
"""

from __future__ import annotations

from torch import Tensor, nn

from ..cells.base import State
from .encoder import build_encoder
from .heads import LabelHead, StepHead


class SequenceToLabel(nn.Module):
    """One output per sequence: ``h = rnn(x)``, ``o = W_ho pool(h) + c``.

    ===========  ================================================================
    ``x``        ``(B, T, F)``; ``lengths (B,)`` optional, padding at the end
    ``state``    optional initial state, each field ``(B, L*D, H)``
    returns      ``o (B, O)`` (class logits or values), final state (``(B, L*D, H)``)
    ===========  ================================================================

    ``cell``: ``"rnn"``/``"elman"``, ``"lstm"``, ``"gru"``, a Cell factory or a Cell object
    (:func:`rnnkit.models.build_encoder`). ``pooling``: ``"final"`` (default), ``"last"``, ``"mean"`` or
    ``"max"`` (:func:`rnnkit.models.heads.pool`). ``dropout`` acts between recurrent layers.
    """

    target = "label"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        cell="lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "final",
        backend: str = "auto",
    ):
        super().__init__()
        self.encoder = build_encoder(cell, input_size, hidden_size, num_layers=num_layers,
                                     bidirectional=bidirectional, dropout=dropout, backend=backend)
        self.head = LabelHead(self.encoder.output_size, output_size, pooling=pooling,
                              num_directions=self.encoder.num_directions)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: State | None = None):
        output, state = self.encoder(x, lengths, state)  # (B, T, D*H)
        return self.head(output, lengths, state), state


class SequenceToSequence(nn.Module):
    """One output per step, aligned with the input: ``h_t = rnn(x_t, h_{t-1})``, ``o_t = W_ho h_t + c``.

    ===========  ================================================================
    ``x``        ``(B, T, F)``; ``lengths (B,)`` optional, padding at the end
    ``state``    optional initial state, each field ``(B, L*D, H)``
    returns      ``o (B, T, O)``, final state (each field ``(B, L*D, H)``)
    ===========  ================================================================

    Outputs at padded steps are the bias ``c``; ignore them using ``lengths``. For an output sequence of a
    different length than the input, use :class:`rnnkit.models.EncoderDecoder`.
    """

    target = "step"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        cell="lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        backend: str = "auto",
    ):
        super().__init__()
        self.encoder = build_encoder(cell, input_size, hidden_size, num_layers=num_layers,
                                     bidirectional=bidirectional, dropout=dropout, backend=backend)
        self.head = StepHead(self.encoder.output_size, output_size)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: State | None = None):
        output, state = self.encoder(x, lengths, state)  # (B, T, D*H)
        return self.head(output), state
