"""ONNX export: a whole-sequence graph and a one-step graph of a recurrent model, checked against eager torch.

``export_onnx(model_or_estimator, directory)`` writes three files:

================  ==========================================================================================
file              contents
================  ==========================================================================================
``sequence.onnx`` inputs ``x (B, T, F)`` float32 and ``lengths (B,)`` int64, both ``B`` and ``T`` dynamic;
                  output ``y``: what the model computes before labels are decoded. ``(B, O)`` for a
                  sequence-to-label model (logits or standardised values), ``(B, T, O)`` for a
                  sequence-to-sequence model, ``(B, T, D*H)`` for a bare layer.
``step.onnx``     inputs ``x_t (B, F)`` and ``state_in (B, S)``; outputs ``y_t (B, O)`` and
                  ``state_out (B, S)``. Unidirectional models only (a backward direction reads the future).
``export.json``   names, shapes, the state's layout and initial value, the preprocessing a client applies
                  (feature order, standardisation, labels, target scaling), the measured errors, versions.
================  ==========================================================================================

**How the sequence graph is built.** rnnkit's time loop is Python over ``T``, which tracing would unroll to
one fixed length. The export swaps only that loop (the ``loop`` hook of :meth:`rnnkit.Stacked.unroll`, the
one the fast paths use) for torch's ``scan`` higher-order op, which torch's ONNX exporter writes as an ONNX
``Scan`` whose body is the cell's own ``step``. Everything else is the model's own code: the input
projection of all steps at once, the stacking, the bidirectional concatenation, the initial state and the
head with its pooling. Masking is the reference loop's: ``state = where(valid_t, new, old)``, and the output
is zero at padded steps.

Lengths reach the scan loop, not the layers: the layers' input checks read the lengths' values, which a
traced graph cannot do (the graph's caller must pass lengths in ``[1, T]``). So the layers run as if every
sequence were full, the padded steps of ``x`` are zeroed first, and each direction's loop masks with its
own validity: ``t < L`` forward; ``t >= T - L`` backward, where the whole padded row arrives reversed
(padding first): the state stays the initial one through the padding, then reads the valid steps from last
to first, which is what reversing within the length computes.

A :class:`rnnkit.TimeAware` cell (first layer only) carries ``x_last`` through the scan beside its state and
projects each step inside it (:func:`time_aware_projection`): its whole-sequence projection finds ``x_last``
with a cumulative maximum over time, which ONNX has no operator for.

**The step graph** (:class:`StepGraph`) runs each layer's ``cell.project`` and ``cell.step`` on one
observation. Its state ``(B, S)`` concatenates, per layer, the cell's state fields (``h``, and ``c`` for
LSTMs), then what the whole-sequence computation keeps implicitly:

- a :class:`rnnkit.TimeAware` cell's last observed value of each feature, ``x_last`` (its projection looks
  back over the sequence for it);
- for ``pooling="mean"`` or ``"max"``, the running sum or maximum of the top layer's outputs and the step
  count, so that ``y_t`` is the label of the sequence read so far.

``y_t`` is the output the whole-sequence model gives at step ``t`` (per-step models) or the label it would
give if the sequence ended at ``t`` (label models). A new stream starts from ``initial_state`` in
export.json (zeros, except a TimeAware cell's ``x_last``, which starts at its ``x_mean``, and learned
initial states).

**Checked at export time.** Both graphs run under onnxruntime on random inputs of several ``B`` and ``T``,
with random lengths and with full ones, beside the eager model (the step graph fed one step at a time from
``initial_state``); the largest absolute difference is printed and written to export.json, and an export
whose error exceeds ``tolerance`` raises instead of being written.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import logging
import os
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn

from ..cells import TimeAware
from ..cells.base import length_mask, state_fields
from ..data.memmap import has_format, write_directory_atomically
from ..layers import Bidirectional, Recurrent, Stacked
from ..models import SequenceToLabel, SequenceToSequence

FORMAT = "rnnkit.onnx"
FORMAT_VERSION = 1
EXPORT_FILE, SEQUENCE_FILE, STEP_FILE = "export.json", "sequence.onnx", "step.onnx"
TOLERANCE = 1e-4  # absolute, on outputs of order one; the measured error is recorded beside it
# (B, T) of the random checks; T = 1 and B = 1 are the edge cases a dynamic graph must survive
CHECK_SHAPES = ((1, 1), (3, 7), (5, 16))


# -- what is exported -----------------------------------------------------------------------------------------
class Exportable(NamedTuple):
    """A model reduced to what the graphs need: the encoder, its head and what its output is."""

    encoder: Stacked
    head: nn.Module | None  # the model's LabelHead or StepHead, or None for a bare layer
    kind: str  # "label" (one output per sequence), "step" (one per step) or "layer" (the encoder's output)
    estimator: object | None  # the fitted estimator, for the preprocessing written to export.json
    source: str  # the class name of what was given


def resolve(source) -> Exportable:
    """The encoder and head of an estimator, a model or a layer, copied to the CPU in eval mode."""
    from ..estimators import SequenceClassifier, SequenceRegressor, SequenceTagger

    name = type(source).__name__
    estimator = None
    if name == "Forecaster":
        raise ValueError("export_onnx: a Forecaster is not exported yet (its preprocessing, windows and "
                         "known-future inputs have no graph form here); export its network "
                         "forecaster.model_.net as a bare SequenceToLabel if its inputs are prepared elsewhere")
    if isinstance(source, SequenceClassifier | SequenceRegressor | SequenceTagger):
        if not hasattr(source, "model_"):
            raise ValueError(f"export_onnx: this {name} is not fitted; call fit first")
        if getattr(source, "time_aware", False):
            raise ValueError(f"export_onnx: a time_aware {name} is not exported yet (its network reads the "
                             "[x, m, δ] inputs built from missing values at predict time); serve it with "
                             "rnnkit serve, which runs predict")
        estimator, source = source, source.model_
    if isinstance(source, str | os.PathLike):
        raise ValueError(f"export_onnx: got the path {str(source)!r}, not a model; load it first: "
                         f"rnnkit.export_onnx(rnnkit.load(path), directory) (or run rnnkit export)")
    if not isinstance(source, nn.Module):
        raise ValueError(f"export_onnx: cannot export a {name}; give a fitted SequenceClassifier, "
                         "SequenceRegressor or SequenceTagger, a SequenceToLabel or SequenceToSequence model, "
                         "or a recurrent layer (rnnkit.LSTM, Stacked, Recurrent, ...)")
    model = copy.deepcopy(source).cpu().float().eval().requires_grad_(False)
    if isinstance(model, Recurrent | Bidirectional):
        model = Stacked([model])
    if isinstance(model, Stacked):
        encoder, head, kind = model, None, "layer"
    elif isinstance(model, SequenceToLabel | SequenceToSequence):
        encoder, head = model.encoder, model.head
        kind = "label" if isinstance(model, SequenceToLabel) else "step"
        unsupported = [f"{what}={value!r}" for what, value in (
            ("frontend", type(model.frontend).__name__ if getattr(model, "frontend", None) is not None else None),
            ("normalise", getattr(model, "normalise", None)),
            ("pooling", "attention" if getattr(head, "pooling", None) == "attention" else None)) if value]
        if unsupported:
            raise ValueError(f"export_onnx: a model with {', '.join(unsupported)} is not exported yet (the "
                             "graphs hold the recurrent encoder and a final/last/mean/max head only); serve it "
                             "with rnnkit serve, which runs predict")
    else:
        raise ValueError(f"export_onnx: cannot export a {name}; give a fitted SequenceClassifier, "
                         "SequenceRegressor or SequenceTagger, a SequenceToLabel or SequenceToSequence model, "
                         "or a recurrent layer (rnnkit.LSTM, Stacked, Recurrent, ...)")
    for k, d in enumerate(encoder.directions()):
        if isinstance(d.cell, TimeAware) and k >= encoder.num_directions:
            raise ValueError("export_onnx: a TimeAware cell is exported in the first layer only (it reads the "
                             "raw [x, m, delta] inputs)")
        if d.zoneout > 0:
            raise ValueError(f"export_onnx: a layer uses zoneout={d.zoneout}, whose eval-time update "
                             "p * old + (1 - p) * new the exported step does not compute; export a model "
                             "without zoneout")
    return Exportable(encoder, head, kind, estimator, name)


# -- the whole-sequence graph ---------------------------------------------------------------------------------
class SequenceGraph(nn.Module):
    """``(x (B, T, F), lengths (B,)) -> y``: the model with its time loop as torch's ``scan`` op.

    Computes what the eager model computes (see the module doc for how lengths reach the loop)."""

    def __init__(self, exportable: Exportable):
        super().__init__()
        self.encoder, self.head, self.kind = exportable.encoder, exportable.head, exportable.kind
        self.reverse = {id(d.cell): d.reverse for d in self.encoder.directions()}

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        T = x.shape[1]
        forward_valid = length_mask(lengths, T)  # (B, T)
        backward_valid = forward_valid.flip(1)  # (B, T): the row arrives reversed, padding first
        x = torch.where(forward_valid[..., None], x, 0)  # padding never enters the maths

        def loop(cell, xw: Tensor, _lengths, state):
            reverse = self.reverse[id(cell)]
            if isinstance(cell, TimeAware):  # first layer only (checked): it reads the raw inputs
                xw = x.flip(1) if reverse else x
            return scan_steps(cell, xw, backward_valid if reverse else forward_valid, state)

        output, state = self.encoder.unroll(x, None, None, loop=loop)  # (B, T, D*H)
        if self.kind == "label":
            return self.head(output, lengths, state)  # (B, O)
        if self.kind == "step":
            return self.head(output)  # (B, T, O)
        return output


def scan_steps(cell, xs: Tensor, valid: Tensor, state):
    """The reference time loop as ``torch.ops.higher_order.scan``: ``xs (B, T, G)`` projected inputs,
    ``valid (B, T)`` -> outputs ``(B, T, H)`` (zero at invalid steps) and the final state.

    A :class:`rnnkit.TimeAware` cell reads its raw inputs ``xs (B, T, 3F)`` instead and carries ``x_last``
    beside its state (:func:`time_aware_projection`)."""
    from torch._higher_order_ops.scan import scan

    time_aware = isinstance(cell, TimeAware)
    fields = list(state_fields(state))
    n = len(fields)
    if time_aware:
        fields.append(cell.x_mean.to(xs.dtype).expand(xs.shape[0], -1).clone())  # x_last before any observation

    def rebuild(carried):
        return carried[0] if cell.state_type is None else cell.state_type(*carried)

    def one_step(carry, inputs):
        x_t, valid_t = inputs
        keep = valid_t[:, None]  # (B, 1)
        if time_aware:
            x_t, x_last = time_aware_projection(cell, x_t, carry[n])
        y, new = cell.step(x_t, rebuild(carry[:n]))
        new_carry = [*state_fields(new), x_last] if time_aware else list(state_fields(new))
        return [torch.where(keep, a, b) for a, b in zip(new_carry, carry, strict=True)], torch.where(keep, y, 0)

    final, ys = scan(one_step, fields, (xs.transpose(0, 1), valid.transpose(0, 1)))
    return ys.transpose(0, 1), rebuild(final[:n])


# -- the one-step graph ---------------------------------------------------------------------------------------
class Slot(NamedTuple):
    """A named slice ``[start, stop)`` of the step graph's state vector."""

    name: str
    start: int
    stop: int
    meaning: str


class StepGraph(nn.Module):
    """``(x_t (B, F), state_in (B, S)) -> (y_t, state_out (B, S))``: one observation through every layer.

    ``layout`` names the slices of the state (see the module doc); ``initial_state()`` is the ``(S,)`` state
    a new stream starts from. Unidirectional encoders only.
    """

    def __init__(self, exportable: Exportable):
        super().__init__()
        if exportable.encoder.bidirectional:
            raise ValueError("a bidirectional model has no step graph: its backward direction reads the "
                             "sequence from the end")
        self.encoder, self.head, self.kind = exportable.encoder, exportable.head, exportable.kind
        self.pooling = self.head.pooling if self.kind == "label" else None
        slots, start = [], 0

        def add(name: str, size: int, meaning: str):
            nonlocal start
            slots.append(Slot(name, start, start + size, meaning))
            start += size

        for i, d in enumerate(self.encoder.directions()):
            for f in d.state_fields:
                add(f"layer{i}.{f}", d.hidden_size, f"layer {i}'s state field {f} ({type(d.cell).__name__})")
            if isinstance(d.cell, TimeAware):
                add(f"layer{i}.x_last", d.cell.n_features, f"layer {i}'s last observed value of each feature "
                    "(TimeAware), x_mean until first observed")
        if self.pooling in ("mean", "max"):
            add(f"pool.{'sum' if self.pooling == 'mean' else 'max'}", self.encoder.hidden_size,
                f"the running {'sum' if self.pooling == 'mean' else 'maximum'} of the top layer's outputs")
            add("pool.count", 1, "the number of steps read")
        self.layout = slots
        self.state_size = start

    @torch.no_grad()
    def initial_state(self) -> Tensor:
        """The ``(S,)`` state of a new stream."""
        parts = []
        for slot in self.layout:
            layer, _, field = slot.name.partition(".")
            if layer.startswith("layer"):
                d = self.encoder.directions()[int(layer.removeprefix("layer"))]
                if field == "x_last":
                    parts.append(d.cell.x_mean.float())
                else:
                    s = state_fields(d.initial_state(1, dtype=torch.float32))
                    parts.append(s[d.state_fields.index(field)][0])
            else:
                parts.append(torch.zeros(slot.stop - slot.start))
        return torch.cat(parts)

    def forward(self, x_t: Tensor, state_in: Tensor) -> tuple[Tensor, Tensor]:
        part = {s.name: state_in[:, s.start : s.stop] for s in self.layout}
        out = {}
        x = x_t  # (B, F)
        for i, d in enumerate(self.encoder.directions()):
            cell = d.cell
            fields = [part[f"layer{i}.{f}"] for f in d.state_fields]
            if isinstance(cell, TimeAware):
                xw, out[f"layer{i}.x_last"] = time_aware_projection(cell, x, part[f"layer{i}.x_last"])
            else:
                xw = cell.project(x[:, None])[:, 0]  # (B, G)
            x, new = cell.step(xw, fields[0] if cell.state_type is None else cell.state_type(*fields))
            out |= {f"layer{i}.{f}": v for f, v in zip(d.state_fields, state_fields(new), strict=True)}
        if self.kind == "layer":
            y = x
        elif self.kind == "step":
            y = self.head(x)
        else:
            y = self.head.linear(self.pool_step(x, part, out))
        return y, torch.cat([out[s.name] for s in self.layout], dim=1)

    def pool_step(self, h: Tensor, part: dict, out: dict) -> Tensor:
        """The pooled top-layer output of the steps read so far (``"final"``/``"last"``: ``h_t`` itself)."""
        if self.pooling in ("final", "last"):
            return h
        count = part["pool.count"] + 1  # (B, 1)
        out["pool.count"] = count
        if self.pooling == "mean":
            out["pool.sum"] = part["pool.sum"] + h
            return out["pool.sum"] / count
        out["pool.max"] = torch.where(count > 1, torch.maximum(part["pool.max"], h), h)
        return out["pool.max"]


def time_aware_projection(cell: TimeAware, x_t: Tensor, x_last: Tensor) -> tuple[Tensor, Tensor]:
    """A :class:`rnnkit.TimeAware` cell's projected input at one step ``x_t = [x, m, delta] (B, 3F)``, given
    the last observed values ``x_last (B, F)`` before it; returns ``(xw_t (B, G + H), new x_last (B, F))``.

    These are the equations of :meth:`rnnkit.TimeAware.project` at one step. That method finds ``x_last``
    over the whole sequence with a cumulative maximum over time, which ONNX has no operator for; here
    ``x_last`` is carried from step to step instead (``x`` where observed, else the previous one; the cell's
    ``x_mean`` before the first observation), and the export-time check compares the two."""
    F = cell.n_features
    x, m, delta = x_t[:, :F], x_t[:, F : 2 * F], x_t[:, 2 * F :]
    x_last = torch.where(m.bool(), x, x_last)  # the look-back includes step t itself
    gamma_x = torch.exp(-torch.relu(cell.w_x * delta + cell.b_x))
    x_hat = m * x + (1 - m) * (gamma_x * x_last + (1 - gamma_x) * cell.x_mean)
    gamma_h = torch.exp(-torch.relu(cell.decay_h(delta)))  # (B, H)
    inner = cell.cell.project(torch.cat([x_hat, m], dim=-1)[:, None])[:, 0]  # (B, G)
    return torch.cat([inner, gamma_h], dim=-1), x_last


# -- onnx -----------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _quiet():
    """Silence the exporter's progress prints, warnings and log lines (the errors still raise)."""
    loggers = [logging.getLogger(n) for n in ("torch.onnx", "torch.export", "torch._dynamo", "onnxscript")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _to_onnx(module: nn.Module, args: tuple, input_names, output_names, dynamic_shapes) -> bytes:
    with _quiet():
        program = torch.onnx.export(module, args, dynamo=True, input_names=input_names,
                                    output_names=output_names, dynamic_shapes=dynamic_shapes,
                                    optimize=True, verbose=False)
    return program.model_proto.SerializeToString()


def ort_session(model: bytes | str | os.PathLike, *, threads: int | None = None):
    """An onnxruntime CPU session for a model's bytes or path, its warnings off."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    model = str(model) if isinstance(model, os.PathLike) else model
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


# -- checks ---------------------------------------------------------------------------------------------------
def _random_inputs(encoder: Stacked, B: int, T: int, generator: torch.Generator) -> Tensor:
    x = torch.randn(B, T, encoder.input_size, generator=generator)
    cell = encoder.directions()[0].cell
    if isinstance(cell, TimeAware):  # a realistic [x, m, delta]: a 0/1 mask, positive gaps
        F = cell.n_features
        x[..., F : 2 * F] = (x[..., F : 2 * F] > 0).float()
        x[..., 2 * F :] = x[..., 2 * F :].abs()
    return x


def check_sequence(exportable: Exportable, session, *, seed: int = 0) -> list[dict]:
    """The sequence graph beside the eager model on random inputs; one record per case."""
    g = torch.Generator().manual_seed(seed)
    model = _eager(exportable)
    cases = []
    for B, T in CHECK_SHAPES:
        x = _random_inputs(exportable.encoder, B, T, g)
        for with_lengths in (False, True):
            lengths = torch.randint(1, T + 1, (B,), generator=g) if with_lengths else torch.full((B,), T)
            with torch.no_grad():
                expected = model(x, lengths if with_lengths else None)
            got = session.run(None, {"x": x.numpy(), "lengths": lengths.numpy()})[0]
            error = float(np.abs(got - expected.numpy()).max())
            cases.append({"B": B, "T": T, "lengths": "random" if with_lengths else "full",
                          "max_abs_error": error})
    return cases


def check_step(exportable: Exportable, step: StepGraph, session, *, seed: int = 1) -> list[dict]:
    """The step graph fed one step at a time from the initial state, beside the eager whole-sequence model:
    every valid step's output (per-step models) or the output at each sequence's last step (label models)."""
    g = torch.Generator().manual_seed(seed)
    model = _eager(exportable)
    initial = step.initial_state().numpy()
    cases = []
    for B, T in CHECK_SHAPES:
        x = _random_inputs(exportable.encoder, B, T, g)
        lengths = torch.randint(1, T + 1, (B,), generator=g)
        with torch.no_grad():
            expected = model(x, lengths).numpy()
        state = np.repeat(initial[None], B, axis=0)
        errors = []
        for t in range(T):
            y_t, state = session.run(None, {"x_t": x[:, t].numpy(), "state_in": state})
            if exportable.kind == "label":
                ended = (lengths == t + 1).numpy()
                errors.append(np.abs(y_t[ended] - expected[ended]).max(initial=0.0))
            else:
                valid = (lengths > t).numpy()
                errors.append(np.abs(y_t[valid] - expected[valid, t]).max(initial=0.0))
        cases.append({"B": B, "T": T, "lengths": "random", "max_abs_error": float(max(errors))})
    return cases


def _eager(exportable: Exportable):
    """The eager model as a function ``(x, lengths or None) -> y``."""
    encoder, head, kind = exportable.encoder, exportable.head, exportable.kind

    def run(x, lengths):
        output, state = encoder(x, lengths)
        if kind == "label":
            return head(output, lengths, state)
        return head(output) if kind == "step" else output

    return run


# -- export.json ----------------------------------------------------------------------------------------------
def preprocessing(estimator) -> dict | None:
    """What a client does to raw features before the graphs, and to ``y`` after, for a fitted estimator."""
    if estimator is None:
        return None
    names = getattr(estimator, "feature_names_in_", None)
    info = {
        "n_features": int(estimator.n_features_in_),
        "feature_names": None if names is None else [str(n) for n in names],
        "x_mean": np.asarray(estimator.x_mean_, dtype=float).tolist(),
        "x_scale": np.asarray(estimator.x_scale_, dtype=float).tolist(),
        "x_formula": "x_scaled[..., j] = (x[..., j] - x_mean[j]) / x_scale[j], features in this order",
    }
    classes = getattr(estimator, "classes_", None)
    if classes is not None:
        info["output"] = {"kind": "class_logits", "classes": np.asarray(classes).tolist(),
                          "formula": "probabilities = softmax(y, last axis); label = classes[argmax(y)]"}
    else:
        info["output"] = {"kind": "standardised_values",
                          "y_mean": np.asarray(estimator.y_mean_, dtype=float).tolist(),
                          "y_scale": np.asarray(estimator.y_scale_, dtype=float).tolist(),
                          "one_target": bool(getattr(estimator, "_y_1d", False)),
                          "formula": "prediction = y * y_scale + y_mean (one_target: its column 0)"}
    return info


def _onnx_versions() -> dict:
    import onnx
    import onnxruntime

    from .. import __version__

    return {"rnnkit": __version__, "torch": torch.__version__, "onnx": onnx.__version__,
            "onnxruntime": onnxruntime.__version__}


def _output_shape(exportable: Exportable, per_step: bool) -> list:
    enc, head = exportable.encoder, exportable.head
    width = enc.output_size if head is None else head.linear.out_features
    if exportable.kind == "label" or per_step:
        return ["B", width]
    return ["B", "T", width]


# -- export ---------------------------------------------------------------------------------------------------
def export_onnx(model_or_estimator, directory: str | os.PathLike, *, tolerance: float = TOLERANCE,
                verbose: bool = True) -> dict:
    """Write ``sequence.onnx``, ``step.onnx`` (unidirectional models) and ``export.json`` into ``directory``.

    ``model_or_estimator``: a fitted :class:`~rnnkit.SequenceClassifier`, ``SequenceRegressor`` or
    ``SequenceTagger``; a :class:`~rnnkit.models.SequenceToLabel` or ``SequenceToSequence`` with any cell of
    the zoo (TimeAware included); or a recurrent layer (``rnnkit.LSTM``, ``Stacked``, ``Recurrent``, ...).
    Both graphs are checked against the eager model with onnxruntime first; the largest error is printed
    (``verbose``) and recorded. Raises ValueError, writing nothing, when an error exceeds ``tolerance``.

    The directory is written atomically (a temporary directory renamed into place); an existing export
    directory is replaced, any other non-empty path refused. Returns the content of export.json.
    """
    import onnx

    target = Path(directory)
    _check_target(target)
    exportable = resolve(model_or_estimator)
    encoder, F = exportable.encoder, exportable.encoder.input_size
    example = _random_inputs(encoder, 2, 5, torch.Generator().manual_seed(0))
    sequence_bytes = _to_onnx(SequenceGraph(exportable).eval(), (example, torch.tensor([5, 3])),
                              ["x", "lengths"], ["y"], {"x": {0: "B", 1: "T"}, "lengths": {0: "B"}})
    sequence_cases = check_sequence(exportable, ort_session(sequence_bytes))
    files = {SEQUENCE_FILE: sequence_bytes}
    info = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _onnx_versions(),
        "opset": int(max(o.version for o in onnx.load_from_string(sequence_bytes).opset_import if o.domain == "")),
        "source": exportable.source,
        "output_kind": exportable.kind,
        "cells": [type(c).__name__ for c in encoder.cells()],
        "num_layers": encoder.num_layers,
        "bidirectional": encoder.bidirectional,
        "hidden_size": encoder.hidden_size,
        "pooling": exportable.head.pooling if exportable.kind == "label" else None,
        "preprocessing": preprocessing(exportable.estimator),
        "sequence": {
            "file": SEQUENCE_FILE,
            "inputs": {"x": {"shape": ["B", "T", F], "dtype": "float32"},
                       "lengths": {"shape": ["B"], "dtype": "int64",
                                   "note": "each in [1, T]; padding at the end of each row is ignored"}},
            "outputs": {"y": {"shape": _output_shape(exportable, False), "dtype": "float32"}},
            "max_abs_error": max(c["max_abs_error"] for c in sequence_cases),
            "checks": sequence_cases,
        },
    }
    if encoder.bidirectional:
        info["step"] = {"file": None, "reason": "a bidirectional model has no step graph: its backward "
                        "direction reads the sequence from its end, so it cannot stream"}
    else:
        step = StepGraph(exportable).eval()
        S = step.state_size
        initial = step.initial_state()
        example_state = initial[None].repeat(2, 1)
        step_bytes = _to_onnx(step, (example[:, 0].contiguous(), example_state), ["x_t", "state_in"],
                              ["y_t", "state_out"], {"x_t": {0: "B"}, "state_in": {0: "B"}})
        step_cases = check_step(exportable, step, ort_session(step_bytes))
        files[STEP_FILE] = step_bytes
        info["step"] = {
            "file": STEP_FILE,
            "inputs": {"x_t": {"shape": ["B", F], "dtype": "float32"},
                       "state_in": {"shape": ["B", S], "dtype": "float32"}},
            "outputs": {"y_t": {"shape": _output_shape(exportable, True), "dtype": "float32"},
                        "state_out": {"shape": ["B", S], "dtype": "float32"}},
            "state_size": S,
            "state_layout": [s._asdict() for s in step.layout],
            "initial_state": initial.tolist(),
            "y_t": "the per-step output at this step" if exportable.kind != "label"
            else "the label output of the sequence read so far (the whole-sequence y if it ended here)",
            "max_abs_error": max(c["max_abs_error"] for c in step_cases),
            "checks": step_cases,
        }
    worst = max(info["sequence"]["max_abs_error"], (info["step"].get("max_abs_error") or 0.0))
    info["max_abs_error"] = worst
    info["tolerance"] = tolerance
    if verbose:
        step_error = info["step"].get("max_abs_error")
        print(f"export_onnx: max |onnxruntime - eager| = {info['sequence']['max_abs_error']:.3g} (sequence)"
              + ("" if step_error is None else f", {step_error:.3g} (step)"))
    if not worst <= tolerance:
        raise ValueError(f"export_onnx: the exported graphs differ from the eager model by up to {worst:.3g} "
                         f"(> tolerance {tolerance}); nothing was written")
    files[EXPORT_FILE] = (json.dumps(info, indent=1, allow_nan=False) + "\n").encode()
    write_export_directory(target, files)
    return info


def is_export_directory(path: Path) -> bool:
    return has_format(path, EXPORT_FILE, FORMAT)


def _check_target(target: Path) -> None:
    if target.exists() and not (target.is_dir() and (is_export_directory(target) or not any(target.iterdir()))):
        raise ValueError(f"{target} exists and is not an rnnkit ONNX export directory; refusing to overwrite it "
                         "(choose a new --out)")


def write_export_directory(target: Path, files: dict[str, bytes]) -> None:
    """Write the export atomically: a reader sees the old export or the new one, never a mix."""
    write_directory_atomically(target, files, replaceable=is_export_directory,
                               what="an rnnkit ONNX export directory")


def read_export(directory: str | os.PathLike) -> dict:
    """export.json of an export directory; ValueError for a missing or foreign one."""
    path = Path(directory)
    if not is_export_directory(path):
        raise ValueError(f"{path} is not an rnnkit ONNX export directory (no {EXPORT_FILE} of format "
                         f"{FORMAT!r}); write one with export_onnx or `rnnkit export`")
    info = json.loads((path / EXPORT_FILE).read_text())
    if info.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: export format version {info.get('format_version')!r} is not supported "
                         f"(this rnnkit reads version {FORMAT_VERSION})")
    return info
