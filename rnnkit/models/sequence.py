"""Sequence-to-label and sequence-to-sequence models: a recurrent encoder and a head.

Both return ``(prediction, final_state)`` and accept an initial ``state``, so a training loop can carry the
state from one chunk of time to the next (truncated BPTT). ``target`` tells the training module whether the
prediction is one per sequence (``"label"``) or one per step (``"step"``).

Shapes: ``B`` batch, ``T`` time, ``F`` features, ``H`` hidden, ``D`` directions, ``L`` layers, ``O`` outputs.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..cells.base import State
from .encoder import build_encoder, check_model_input
from .frontend import (
    NORMALISATIONS,
    FullyConvolutional,
    build_frontend,
    fcn_resolution,
    normalise_series,
)
from .heads import LabelHead, StepHead, check_output_size


class SequenceToLabel(nn.Module):
    """One output per sequence: ``z = frontend(normalise(x))``, ``h = rnn(z)``, ``o = W_ho pool(h) + c``.

    ===========  ================================================================
    ``x``        ``(B, T, F)``; ``lengths (B,)`` optional, padding at the end
    ``state``    optional initial state, each field ``(B, L*D, H)``
    returns      ``o (B, O)`` (class logits or values), final state (``(B, L*D, H)``)
    ===========  ================================================================

    ``cell``: ``"rnn"``/``"elman"``, ``"lstm"``, ``"gru"``, ... (:data:`rnnkit.models.CELL_NAMES`), a Cell
    factory or a Cell object (:func:`rnnkit.models.build_encoder`); the options below compose with any of them.

    ``pooling``: ``"final"`` (default), ``"last"``, ``"mean"``, ``"max"`` or ``"attention"``
    (:func:`rnnkit.models.heads.pool`). ``dropout`` acts between recurrent layers.

    For long sequences (see docs/long_series.md and :func:`rnnkit.models.defaults_for_series`):

    - ``normalise``: None (default) or ``"series"``: each sequence and channel standardised by its own mean
      and std over its valid steps (:func:`rnnkit.models.frontend.normalise_series`, floor ``eps``). It is a
      model option, not a data transform, so prediction applies it exactly as training did.
      ``keep_scale=True`` (with ``"series"``) gives the head what it removed, each channel's level and scale
      compressed (:func:`rnnkit.models.frontend.normalise_series`), beside the pooled outputs: the layers read
      the shape, the amplitude stays evidence.
    - ``frontend``: None (default), ``"patch"``, ``"conv"`` or ``"fcn"`` (:mod:`rnnkit.models.frontend`): the recurrence
      reads ``ceil(L / stride)`` embeddings of size ``embed_size`` (default ``hidden_size``) instead of ``L``
      steps, so a Cell object must then have ``input_size == embed_size``.
      ``"fcn"`` (LSTM-FCN, Karim et al. 2018): the recurrence reads the ``"conv"`` front-end, and beside it
      a fully convolutional branch (:class:`rnnkit.models.frontend.FullyConvolutional`: three conv,
      batch-norm and ReLU blocks of ``(E/2, E, E/2)`` channels, ``E = embed_size``, kernels 8, 5, 3, over the
      series averaged by ``ceil(stride / 4)`` steps, then a mean over time) gives a vector that the head
      concatenates to the pooled recurrent outputs: ``o = W [pool(h), fcn(x)] + c``.

    Truncated BPTT feeds one chunk of ``tbptt_steps`` raw steps at a time: make it a multiple of ``stride``
    so that chunks cut between patches, and leave ``normalise`` off (each chunk would be normalised alone) and
    ``frontend="fcn"`` out (its branch would read each chunk alone).
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
        frontend: str | None = None,
        stride: int = 4,
        embed_size: int | None = None,
        normalise: str | None = None,
        keep_scale: bool = False,
        eps: float = 1e-5,
        backend: str = "auto",
    ):
        super().__init__()
        check_output_size(output_size, "output_size", "SequenceToLabel")
        self.input_size = input_size  # what check_input reads
        if normalise not in NORMALISATIONS:
            raise ValueError(f"normalise must be one of {NORMALISATIONS}, got {normalise!r}")
        if not eps > 0:
            raise ValueError(f"eps must be > 0, got {eps!r}")
        if not isinstance(keep_scale, bool):
            raise ValueError(f"keep_scale must be True or False, got {keep_scale!r}")
        if keep_scale and normalise != "series":
            raise ValueError(f"keep_scale=True keeps each series' level and scale, which normalise='series' removes, "
                             f"for the head; with normalise={normalise!r} nothing is removed: give "
                             "normalise='series' or keep_scale=False")
        self.normalise, self.eps, self.keep_scale = normalise, eps, keep_scale
        E = hidden_size if embed_size is None else embed_size
        self.frontend = build_frontend(frontend, input_size, E, stride)
        half = max(1, E // 2)  # the paper's (128, 256, 128) is (2E, 4E, 2E) at E = 64: a quarter, for the CPU
        self.fcn = None if frontend != "fcn" else FullyConvolutional(input_size, (half, E, half),
                                                                     resolution=fcn_resolution(stride))
        rnn_input = input_size if self.frontend is None else self.frontend.output_size
        self.encoder = build_encoder(cell, rnn_input, hidden_size, num_layers=num_layers,
                                     bidirectional=bidirectional, dropout=dropout, backend=backend)
        self.head = LabelHead(self.encoder.output_size, output_size, pooling=pooling,
                              num_directions=self.encoder.num_directions,
                              extra_features=(0 if self.fcn is None else self.fcn.output_size)
                              + (2 * input_size if keep_scale else 0))

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: State | None = None):
        # checked here, not only in the encoder: normalisation, the front-end and pooling read x and lengths first
        lengths = check_model_input(x, self, self, lengths, "SequenceToLabel")
        scale = None
        if self.keep_scale:  # with normalise="series" (checked): the statistics it removes, (B, 2F)
            x, scale = normalise_series(x, lengths, self.eps, with_scale=True)
        elif self.normalise == "series":
            x = normalise_series(x, lengths, self.eps)
        branch = None if self.fcn is None else self.fcn(x, lengths)  # (B, E/2)
        if scale is not None:
            branch = scale if branch is None else torch.cat([branch, scale], dim=-1)
        if self.frontend is not None:
            x, lengths = self.frontend(x, lengths)  # (B, ceil(T/k), E), ceil(L/k)
        output, state = self.encoder(x, lengths, state)  # (B, T, D*H)
        return self.head(output, lengths, state, branch), state


class SequenceToSequence(nn.Module):
    """One output per step, aligned with the input: ``h_t = rnn(x_t, h_{t-1})``, ``o_t = W_ho h_t + c``.

    ===========  ================================================================
    ``x``        ``(B, T, F)``; ``lengths (B,)`` optional, padding at the end
    ``state``    optional initial state, each field ``(B, L*D, H)``
    returns      ``o (B, T, O)``, final state (each field ``(B, L*D, H)``)
    ===========  ================================================================

    Outputs at padded steps are the bias ``c``; ignore them using ``lengths``. For an output sequence of a
    different length than the input, use :class:`rnnkit.models.EncoderDecoder`.

    It takes neither a front-end nor per-series normalisation: output ``t`` answers for step ``t`` alone,
    while a patch embeds steps after ``t`` and a series' mean and std are taken over all its steps, so both
    would let each output read its future.
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
        check_output_size(output_size, "output_size", "SequenceToSequence")
        self.encoder = build_encoder(cell, input_size, hidden_size, num_layers=num_layers,
                                     bidirectional=bidirectional, dropout=dropout, backend=backend)
        self.head = StepHead(self.encoder.output_size, output_size)

    def forward(self, x: Tensor, lengths: Tensor | None = None, state: State | None = None):
        lengths = check_model_input(x, self, self.encoder, lengths, "SequenceToSequence")  # named as the model
        output, state = self.encoder(x, lengths, state)  # (B, T, D*H)
        return self.head(output), state
