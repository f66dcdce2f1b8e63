"""Encoder-decoder: an output sequence whose length differs from the input's (Sutskever et al. 2014, "Sequence
to sequence learning with neural networks"; Cho et al. 2014)."""

from __future__ import annotations

import warnings

import torch
from torch import Tensor, nn

from ..cells import Cell
from ..cells.base import State, map_state
from ..checks import is_count, is_finite_number, is_integer
from ..layers.checks import check_lengths, states_carried
from .encoder import build_encoder, check_model_input, eval_mode
from .heads import StepHead, check_output_size

OUTPUT_KINDS = ("classification", "regression")


class EncoderDecoder(nn.Module):
    """Read ``x`` into a state, then write ``y`` one step at a time from that state::

        s = final state of encoder(x)                 every layer; two directions concatenated per layer
        d_0 = start,  d_t = feedback(y_{t-1})         teacher forcing: the true previous output in training,
                                                      the model's own previous output when generating
        h_t, s = decoder(d_t, s)
        o_t = W_ho h_t + c

    ``feedback`` is an embedding of the previous class (``output_kind="classification"``, ``o_t`` are
    logits over ``output_size`` classes) or a linear map of the previous value (``"regression"``, ``o_t``
    are values); ``start`` is a learned vector. The decoder has the encoder's cell and layer count, one
    direction, and hidden size ``D*H`` so that it starts from the encoder's final state unchanged.

    ================  ====================================================================================
    ``x``             ``(B, T_in, F)``, ``lengths (B,)`` optional
    ``y``             ``(B, T_out)`` class indices or ``(B, T_out, O)`` values; ``y_lengths (B,)`` optional.
                      Negative class indices (padding such as ``IGNORE_INDEX``) are fed as class 0: only
                      padded steps, which the loss skips, ever see them.
    ``forward``       ``o (B, T_out, O)`` and the decoder's final state (each field ``(B, L, D*H)``)
    ``generate``      greedy decoding: ``(B, max_length)`` classes or ``(B, max_length, O)`` values
    ================  ====================================================================================

    ``cell`` is a name or a factory (:func:`rnnkit.models.build_encoder`); one Cell object cannot serve as
    both encoder and decoder.
    """

    target = "decoder"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        output_size: int,
        *,
        output_kind: str = "classification",
        cell="lstm",
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        feedback_size: int | None = None,
        backend: str = "auto",
    ):
        super().__init__()
        check_output_size(output_size, "output_size", "EncoderDecoder")
        if output_kind not in OUTPUT_KINDS:
            raise ValueError(f"output_kind must be one of {OUTPUT_KINDS}, got {output_kind!r}")
        if isinstance(cell, Cell):
            raise ValueError("EncoderDecoder needs two recurrent stacks; pass a cell name or a factory, "
                             "not a Cell")
        if feedback_size is not None and not is_count(feedback_size):  # 0 is no size, not "the default"
            raise ValueError(f"EncoderDecoder: feedback_size must be an integer >= 1, or None for hidden_size, got "
                             f"{feedback_size!r}")
        # one warning naming this model, where the encoder and the decoder would each warn of a layer of theirs
        if num_layers == 1 and is_finite_number(dropout) and 0 < dropout < 1:
            warnings.warn(f"EncoderDecoder: dropout={dropout} acts between the recurrent layers of the encoder and "
                          f"the decoder, so with num_layers=1 it does nothing; use num_layers >= 2, or leave it out",
                          UserWarning, stacklevel=2)
            dropout = 0.0
        self.output_kind = output_kind
        self.encoder = build_encoder(cell, input_size, hidden_size, num_layers=num_layers,
                                     bidirectional=bidirectional, dropout=dropout, backend=backend)
        feedback_size = feedback_size or hidden_size
        if output_kind == "classification":
            self.feedback = nn.Embedding(output_size, feedback_size)
        else:
            self.feedback = nn.Linear(output_size, feedback_size)
        self.start = nn.Parameter(torch.zeros(feedback_size))
        self.decoder = build_encoder(cell, feedback_size, self.encoder.output_size, num_layers=num_layers,
                                     dropout=dropout, backend=backend)
        self.head = StepHead(self.encoder.output_size, output_size)

    def reset_parameters(self) -> None:
        """The learned start vector back to its init, zeros (the layers, feedback and head reset their own), so
        the idiom ``model.apply(lambda m: m.reset_parameters() if hasattr(m, "reset_parameters") else None)``
        resets every parameter of the model."""
        with torch.no_grad():
            self.start.zero_()

    def encode(self, x: Tensor, lengths: Tensor | None = None) -> State:
        """The decoder's initial state: the encoder's final state, each field ``(B, L*D, H)`` reshaped to
        ``(B, L, D*H)``."""
        _, state = self.encoder(x, lengths)
        L = self.encoder.num_layers
        return map_state(lambda f: f.reshape(f.shape[0], L, -1), state)  # [forward, backward] per layer

    def forward(self, x: Tensor, lengths: Tensor | None = None, y: Tensor | None = None,
                y_lengths: Tensor | None = None):
        """Teacher forcing: the decoder reads the true previous output ``y_{t-1}`` at step t."""
        if y is None:
            raise ValueError("EncoderDecoder.forward needs the targets y (teacher forcing); use generate() "
                             "to decode without them")
        lengths = check_model_input(x, self, self.encoder, lengths, "EncoderDecoder")
        y = self.check_targets(x, y)
        if y_lengths is not None:  # checked here, where y is named: the decoder would blame its input x
            y_lengths = check_lengths(y_lengths, y.shape[0], y.shape[1], y.device, "EncoderDecoder",
                                      name="y_lengths", of="y")
        state = self.encode(x, lengths)
        if self.output_kind == "classification":
            y = y.masked_fill(y < 0, 0)
        else:  # values of any float dtype (torch.from_numpy's float64), as the loss reads them, fed back in the
            y = y.to(self.start.dtype)  # model's: its Linear would refuse another ("mat1 and mat2 ...")
        B = y.shape[0]
        d = torch.cat([self.start.expand(B, 1, -1), self.feedback(y[:, :-1])], dim=1)  # (B, T_out, E)
        with states_carried():  # the encoder's own state: a NaN in it is x's, not a state the user gave
            h, state = self.decoder(d, y_lengths, state)  # (B, T_out, D*H)
        return self.head(h), state

    def check_targets(self, x: Tensor, y: Tensor) -> Tensor:
        """``y``, ValueError unless it is ``(B, T_out)`` class ids below ``output_size`` (negative: padding; any
        integer dtype, returned as int64 when nn.Embedding cannot read it) or ``(B, T_out, O)`` floating-point
        values, for ``x``'s ``B`` sequences."""
        O, kind = self.head.linear.out_features, self.output_kind
        expected = "(B, T_out) integer class ids" if kind == "classification" else f"(B, T_out, {O}) floats"
        if not isinstance(y, Tensor):
            raise ValueError(f"EncoderDecoder: y must be a tensor {expected}, got {type(y).__name__}")
        shape_ok = y.dim() == 2 if kind == "classification" else (y.dim() == 3 and y.shape[-1] == O)
        if not shape_ok or y.shape[0] != x.shape[0] or y.shape[1] == 0:
            hint = ""
            if y.dim() == 3 and kind == "classification" and y.shape[-1] in (1, O):
                hint = "; drop the last axis with y.squeeze(-1)" if y.shape[-1] == 1 else "; one-hot? pass y.argmax(-1)"
            elif y.dim() == 2 and kind == "regression" and O == 1:
                hint = "; one value per step? pass y.unsqueeze(-1)"
            raise ValueError(f"EncoderDecoder: y must be {expected} for x's {x.shape[0]} sequences "
                             f"(output_kind={kind!r}), got shape {tuple(y.shape)}{hint}")
        if kind == "regression" and not y.is_floating_point():
            raise ValueError(f"EncoderDecoder: y must be floating point for output_kind='regression', got "
                             f"{y.dtype}; use y.float()")
        if kind == "classification":
            if y.is_floating_point() or y.dtype == torch.bool or y.is_complex():
                raise ValueError(f"EncoderDecoder: y must hold integer class ids, got {y.dtype}; use y.long() "
                                 f"if its values are whole numbers")
            if y.dtype not in (torch.int64, torch.int32):  # uint8, int16...: the same ids; nn.Embedding reads
                y = y.long()  # int64 and int32 only
            if int(y.max()) >= O:
                raise ValueError(f"EncoderDecoder: y holds class id {int(y.max())} but output_size={O} (ids in "
                                 f"[0, {O}), negative ids mark padding)")
        return y

    @torch.no_grad()
    def generate(self, x: Tensor, lengths: Tensor | None = None, *, max_length: int,
                 stop_token: int | None = None) -> Tensor:
        """Greedy decoding: feed back the most likely class (or the predicted value) at each step.

        With ``stop_token`` (a class id in ``[0, output_size)``; classification only), decoding ends once every
        sequence has produced it, and the steps after a sequence's first ``stop_token`` are filled with it.
        The model decodes in eval mode (no dropout), its own mode restored after.
        """
        if not is_count(max_length):
            raise ValueError(f"generate: max_length must be an integer >= 1, got {max_length!r}")
        if stop_token is not None:
            O = self.head.linear.out_features
            if isinstance(stop_token, Tensor) and stop_token.dim() == 0 and not stop_token.is_floating_point():
                stop_token = int(stop_token)  # an id read from a tensor of ids
            if self.output_kind != "classification":  # a value is never "the stop token": it would never stop
                raise ValueError("generate: stop_token ends class sequences, but this model has "
                                 "output_kind='regression'; leave it out and cut the values yourself")
            if not (is_integer(stop_token) and 0 <= stop_token < O):  # an id never produced: it would never stop
                raise ValueError(f"generate: stop_token must be a class id in [0, output_size={O}), got "
                                 f"{stop_token!r}")
        lengths = check_model_input(x, self, self.encoder, lengths, "EncoderDecoder.generate")
        with eval_mode(self):
            return self._decode(x, lengths, max_length, stop_token)

    def _decode(self, x: Tensor, lengths: Tensor | None, max_length: int, stop_token: int | None) -> Tensor:
        """Greedy decoding of ``max_length`` steps (fewer once every sequence has stopped): ``(B, T_out, ·)``."""
        state = self.encode(x, lengths)
        d = self.start.expand(x.shape[0], 1, -1)  # (B, 1, E)
        outputs = []
        stopped = torch.zeros(x.shape[0], dtype=torch.bool, device=x.device)
        with states_carried():  # the encoder's and the decoder's own states, entered once for all the steps
            for _ in range(max_length):
                h, state = self.decoder(d, None, state)
                o = self.head(h)  # (B, 1, O)
                if self.output_kind == "classification":
                    y_t = o.argmax(-1)  # (B, 1)
                    if stop_token is not None:
                        y_t = y_t.masked_fill(stopped[:, None], stop_token)
                        stopped |= y_t[:, 0] == stop_token
                else:
                    y_t = o
                outputs.append(y_t)
                if stop_token is not None and bool(stopped.all()):
                    break
                d = self.feedback(y_t)
        return torch.cat(outputs, dim=1)
