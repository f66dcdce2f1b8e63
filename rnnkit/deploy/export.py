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
traced graph cannot do (the graph's caller must pass lengths in ``[1, T]``; a row whose length is not comes
out NaN, since a graph cannot raise). So the layers run as if every
sequence were full, the padded steps of ``x`` are zeroed first, and each direction's loop masks with its
own validity: ``t < L`` forward; ``t >= T - L`` backward, where the whole padded row arrives reversed
(padding first): the state stays the initial one through the padding, then reads the valid steps from last
to first, which is what reversing within the length computes.

A :class:`rnnkit.TimeAware` cell (first layer only) carries ``x_last`` through the scan beside its state and
projects each step inside it (:meth:`rnnkit.TimeAware.project_step`): its whole-sequence projection finds ``x_last``
with a cumulative maximum over time, which ONNX has no operator for.

**What the encoder reads.** A ``SequenceToLabel``'s ``normalise="series"`` and strided front-end
(:mod:`rnnkit.models.frontend`) are the model's own code in ``sequence.onnx``, after the padding is zeroed
(and, for a front-end, ``x`` is padded with zeros to a multiple of its stride, which it would do itself:
ONNX's integer division truncates where Python's floors, so its ``ceil(T / k) = -(-T // k)`` would not
survive the export). Neither has a step graph: a series' mean and std are known only at its end, and a
front-end's recurrent step reads ``k`` observations (:meth:`Exportable.why_no_step` gives the reason written
to export.json). A :class:`rnnkit.forecast.Forecaster` exports by :class:`ForecastGraph`.

**The step graph** (:class:`StepGraph`) runs each layer on one observation: an Elman, LSTM or GRU cell as a
:class:`FusedStep` (one matrix product of ``[x_t, h]`` against the stacked weights, the fewest operators:
at batch 1 a step costs per operator, not per flop), any other cell by its own ``project`` and ``step``.
Its state ``(B, S)`` concatenates, per layer, the cell's state fields (``h``, and ``c`` for LSTMs), then
what the whole-sequence computation keeps implicitly:

- a :class:`rnnkit.TimeAware` cell's last observed value of each feature, ``x_last`` (its projection looks
  back over the sequence for it);
- for ``pooling="mean"`` or ``"max"``, the running sum or maximum of the top layer's outputs and the step
  count, so that ``y_t`` is the label of the sequence read so far;
- for ``pooling="attention"``, an online softmax (:meth:`StepGraph.pool_step`): the largest score so far, the
  sum of the weights and the weighted sum of the outputs.

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
import hashlib
import io
import json
import logging
import numbers
import os
import tempfile
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils import parametrize

from ..cells import ElmanCell, GRUCell, LSTMCell, LSTMState, TimeAware
from ..cells.base import length_mask, state_fields
from ..checks import closest_name, is_count, near_miss, path_kind
from ..data.memmap import write_directory_atomically
from ..io import EXPORT_FILE, EXPORT_FORMAT, is_export_directory, is_model_directory
from ..layers import Bidirectional, Recurrent, Stacked
from ..layers.checks import refuse_stale_weight_hooks
from ..models import Ensemble, SequenceToLabel, SequenceToSequence
from ..models.frontend import ConvFrontEnd, PatchEmbedding, normalise_series

FORMAT = EXPORT_FORMAT
FORMAT_VERSION = 1
SEQUENCE_FILE, STEP_FILE = "sequence.onnx", "step.onnx"
EXPORT_ENTRIES = frozenset({EXPORT_FILE, SEQUENCE_FILE, STEP_FILE})  # what an export directory holds
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
    normalise_eps: float | None = None  # a SequenceToLabel's normalise="series" floor, None without
    frontend: nn.Module | None = None  # a SequenceToLabel's strided front-end (rnnkit.models.frontend)
    fcn: nn.Module | None = None  # frontend="fcn": the convolutional branch that feeds the head beside the recurrence
    # an Ensemble: each member reduced so (this tuple's first is the exportable itself, less the tuple); None for one
    members: tuple[Exportable, ...] | None = None
    keep_scale: bool = False  # with normalise="series": the head reads each series' level and scale beside

    @property
    def input_size(self) -> int:
        """``F``, the features per step the model reads (the front-end's input, if it has one)."""
        if self.frontend is None:
            return self.encoder.input_size
        if isinstance(self.frontend, PatchEmbedding):
            return self.frontend.linear.in_features // self.frontend.k
        return self.frontend.conv.in_channels

    def read(self, x: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """What the encoder reads, and what the head reads beside it: the model's per-series normalisation,
        front-end and convolutional branch (None without one), as its ``forward``."""
        scale = None
        if self.keep_scale:  # with normalise="series": the statistics it removes, (B, 2F)
            x, scale = normalise_series(x, lengths, self.normalise_eps, with_scale=True)
        elif self.normalise_eps is not None:
            x = normalise_series(x, lengths, self.normalise_eps)
        branch = None if self.fcn is None else self.fcn(x, lengths)  # (B, C)
        if scale is not None:
            branch = scale if branch is None else torch.cat([branch, scale], dim=-1)
        if self.frontend is not None:
            x, lengths = self.frontend(x, lengths)  # (B, ceil(T/k), E), ceil(L/k)
        return x, lengths, branch

    def why_no_step(self) -> str | None:
        """Why this model has no step graph, or None if it has one: every cause and the options to refit with,
        so that one refit streams (the data-chosen defaults of a long series give all three)."""
        withs, reasons, fixes = [], [], []  # what the model has, why that cannot stream, the option to refit with
        if self.encoder.bidirectional:
            reasons.append("its backward direction reads the sequence from its end, so it cannot stream")
            fixes.append("bidirectional=False")
        elif any(d.reverse for d in self.encoder.directions()):  # Recurrent(cell, reverse=True) alone, or stacked
            withs.append("reverse=True")
            reasons.append("it reads the sequence from its end, so it cannot stream (each step would run forward)")
            fixes.append("reverse=False")
        if self.normalise_eps is not None:
            withs.append("normalise='series'")
            reasons.append("each step is standardised by the mean and std of the whole series, which a stream "
                           "knows only at its end")
            fixes.append("normalise=None")
        if self.frontend is not None:
            k, name = self.frontend.k, type(self.frontend).__name__
            withs.append(f"a {'strided' if k > 1 else 'convolutional'} front-end ({name}, stride {k})")
            reasons.append(f"its recurrence reads one summary of {k} steps, so one observation is not one "
                           "recurrent step" if k > 1 else
                           "its recurrence reads a convolution of each step with its neighbours, the next one "
                           "included, which a stream has not seen yet" if isinstance(self.frontend, ConvFrontEnd) else
                           "the step graph does not run a front-end")
            fixes.append("frontend=None")
        if self.members is not None:
            n, chosen = len(self.members), getattr(self.estimator, "n_members", None)
            why = f"its {n} networks (an ensemble, their outputs averaged) would each stream a state of their own"
            if isinstance(chosen, str) and chosen == "auto" and self.encoder.bidirectional:
                reasons.append(f"{why} (bidirectional=False fits one network)")  # the rule yields to it
            else:
                withs.append(f"{n} networks averaged")
                reasons.append(why)
                fixes.append("n_members=1")
        if not reasons:
            return None
        model = f"a {'bidirectional ' if self.encoder.bidirectional else ''}model"
        return (f"{model}{' with ' + ' and '.join(withs) if withs else ''} has no step graph: {'; '.join(reasons)}; "
                f"{'use sequence.onnx on the window read so far, or ' if self.frontend is not None else ''}"
                f"{'fit' if self.estimator is not None else 'build it'} with {', '.join(fixes)} to stream")


def resolve(source, who: str = "export_onnx") -> Exportable:
    """The encoder and head of an estimator, a model or a layer, copied to the CPU in eval mode; ``who`` names
    the caller in the errors."""
    from ..estimators import SequenceClassifier, SequenceRegressor, SequenceTagger

    name = type(source).__name__
    estimator = None
    if name == "Forecaster":
        raise ValueError(f"{who}: a Forecaster has no step graph (a forecast reads its whole window at once); export "
                         "its window-to-forecast graph with export_onnx(forecaster, directory) and run its "
                         "sequence.onnx on each window, or forecast with its predict")
    if name == "GlobalForecaster":  # not a Forecaster: the general message would offer the sequence estimators only
        raise ValueError(f"{who}: a GlobalForecaster is not exported (export_onnx writes a Forecaster's window-to-"
                         "forecast graph only); forecast with its predict, or fit a Forecaster(model='direct') on the "
                         "series and export that")
    if isinstance(source, SequenceClassifier | SequenceRegressor | SequenceTagger):
        if not hasattr(source, "model_"):
            raise ValueError(f"{who}: this {name} is not fitted; call fit first")
        source._check_network(who)  # time_aware or num_layers set after fit would misdescribe the fitted model
        estimator, source = source, source.model_
    if isinstance(source, Ensemble):
        members = tuple(resolve(member, who)._replace(estimator=estimator, source=name) for member in source.members)
        return members[0]._replace(members=members)
    if (wrapped := wrapper_hint(source)) is not None:
        raise ValueError(f"{who}: {wrapped}")
    if isinstance(source, str | os.PathLike):
        raise ValueError(f"{who}: got the path {str(source)!r}, not a model; load it first: "
                         f"rnnkit.export_onnx(rnnkit.load(path), directory) (or run rnnkit export)")
    if not isinstance(source, nn.Module):
        raise ValueError(_not_exportable(source, who))
    if any(p.is_meta for p in source.parameters()):  # torch's own words: "Cannot copy out of meta tensor; no data!"
        raise ValueError(f"{who}: the {name}'s parameters are on the 'meta' device, which holds no values (built with "
                         "device='meta' and never loaded?); load its weights first, e.g. "
                         "model.load_state_dict(weights, assign=True)")
    # torch.nn.utils' hook-based weight_norm / spectral_norm / prune: the layers step their cells without calling the
    # hook, so predict refuses them; refused here by the same words (a copy would stream the weight as it was at
    # registration, or fail in deepcopy, the hook's tensor being no graph leaf)
    refuse_stale_weight_hooks(source, who)
    model = copy.deepcopy(source).cpu().float().eval().requires_grad_(False)
    computed_weights(model)
    normalise_eps = frontend = fcn = None  # a bare layer has none of them
    if isinstance(model, Recurrent | Bidirectional):
        model = Stacked([model])
    if isinstance(model, Stacked):
        encoder, head, kind = model, None, "layer"
    elif isinstance(model, SequenceToLabel | SequenceToSequence):
        encoder, head = model.encoder, model.head
        kind = "label" if isinstance(model, SequenceToLabel) else "step"
        if getattr(model, "normalise", None) == "series":
            normalise_eps = float(model.eps)
        frontend, fcn = getattr(model, "frontend", None), getattr(model, "fcn", None)
    else:
        raise ValueError(_not_exportable(source, who))
    for k, d in enumerate(encoder.directions()):
        if isinstance(d.cell, TimeAware) and k >= encoder.num_directions:
            raise ValueError("export_onnx: a TimeAware cell is exported in the first layer only (it reads the "
                             "raw [x, m, delta] inputs)")
        if d.zoneout > 0:
            raise ValueError(f"export_onnx: a layer uses zoneout={d.zoneout}, whose eval-time update "
                             "p * old + (1 - p) * new the exported step does not compute; export a model "
                             "without zoneout")
    return Exportable(encoder, head, kind, estimator, name, normalise_eps, frontend, fcn,
                      keep_scale=bool(getattr(model, "keep_scale", False)))


def _not_exportable(source, who: str) -> str:
    """The refusal of ``source``, which is no model or layer that can be exported; for torch.nn's RNN, LSTM or GRU
    (the layer a PyTorch user has, named as rnnkit names its own), the conversion to rnnkit's."""
    name = type(source).__name__
    if type(source) in (nn.RNN, nn.LSTM, nn.GRU):
        time_first = "" if source.batch_first else (" (rnnkit's layers read x batch-first, (B, T, F), where this "
                                                    "one reads (T, B, F): transpose x)")
        return (f"{who}: cannot export torch.nn.{name}, torch's own layer, whose time loop runs inside one kernel "
                f"with no step of its own; convert it to rnnkit's, the same function: "
                f"rnnkit.{name}.from_torch(module){time_first}, and give that")
    return (f"{who}: cannot export a {name}; give a fitted SequenceClassifier, SequenceRegressor or SequenceTagger, "
            f"a SequenceToLabel or SequenceToSequence model, or a recurrent layer (rnnkit.LSTM, Stacked, Recurrent, "
            f"...)")


def computed_weights(model: nn.Module) -> None:
    """Replace each parametrized weight of ``model`` (in eval mode) by the tensor it computes there:
    ``torch.nn.utils.parametrizations.weight_norm`` / ``spectral_norm`` (eval: no power iteration), a DropConnect
    mask (eval: the weight itself). What predict reads, once; the graphs then hold a plain weight (torch's export
    cannot trace a parametrization inside the scan loop) and the step graph fuses the cell as any other."""
    for module in list(model.modules()):
        if parametrize.is_parametrized(module):
            with torch.no_grad():
                weights = {name: getattr(module, name).detach().clone() for name in module.parametrizations}
            # not parametrize.remove_parametrizations: it deletes the weight's property from the module's class, which
            # a deepcopy shares with the model it copied (whose weight would be gone)
            module.__class__ = parametrize.type_before_parametrizations(module)
            del module.parametrizations
            for name, weight in weights.items():
                module.register_parameter(name, nn.Parameter(weight, requires_grad=False))


# -- the whole-sequence graph ---------------------------------------------------------------------------------
def wrapper_hint(source) -> str | None:
    """What to give instead of a scikit-learn object that holds an estimator: a search (``GridSearchCV``,
    ``RandomizedSearchCV``, ...), its ``best_estimator_``, refitted on all the data; a ``Pipeline``, its final
    estimator, naming the steps before it, which the export, the Streamer and the server do not hold (a client applies
    them); None for anything else."""
    if hasattr(source, "steps") and hasattr(source, "named_steps") and isinstance(source.steps, list):
        return pipeline_hint(source)  # None where its final step is no sequence estimator
    if (other := _transformed_target_hint(source) or _calibrated_hint(source)) is not None:
        return other
    if not (hasattr(source, "param_grid") or hasattr(source, "param_distributions")) or not hasattr(source, "cv"):
        return None
    name = type(source).__name__
    if hasattr(source, "best_estimator_"):
        return (f"got a {name}, the search, not the model; give its best_estimator_ (the estimator refitted on all "
                f"the data with the best parameters, {source.best_params_})")
    return (f"got a {name} without a best_estimator_ (not fitted, or refit=False); fit it with refit=True (the "
            f"default) and give its best_estimator_")


def pipeline_hint(pipe) -> str | None:
    """Why a scikit-learn ``Pipeline`` is not exported, streamed or served whole, and what to give: its final
    estimator, ``pipe[-1]``, which reads what the steps before it output, so each of those steps (named) is applied
    to the data before it reaches the export (``pipe[:-1].transform``); a pipeline of the model alone (the others
    ``'passthrough'`` or None) is its final estimator; None for a pipeline that ends in no sequence estimator."""
    from ..estimators import SequenceClassifier, SequenceRegressor, SequenceTagger

    if not pipe.steps or not isinstance(pipe.steps[-1][1], SequenceClassifier | SequenceRegressor | SequenceTagger):
        return None
    name = type(pipe).__name__
    before = [(n, step) for n, step in pipe.steps[:-1] if step is not None and step != "passthrough"]
    model = type(pipe.steps[-1][1]).__name__
    if not before:
        return (f"got a {name} whose only step that is not 'passthrough' is the {model}; give the {model} itself, "
                f"pipe[-1]")
    named = ", ".join(f"{n!r} ({type(step).__name__})" for n, step in before)
    return (f"got a {name}, not the model: only its final step, the {model}, is a recurrent network; the steps before "
            f"it, {named}, change X before the model reads it and are no part of an export, a Streamer or a server, "
            f"which read values as the {model} read them at fit; give pipe[-1] and pass every input through "
            f"pipe[:-1].transform(X) first (given raw values, pipe[-1] answers from values unlike those of fit, "
            f"without a word)")


def _transformed_target_hint(source) -> str | None:
    """Why a scikit-learn ``TransformedTargetRegressor`` is not exported, streamed or served, and what to give: its
    ``regressor_``, whose predictions are y as ``func`` (or ``transformer``) made it, so a client applies the inverse
    to each; None for anything else."""
    if not (hasattr(source, "regressor") and hasattr(source, "inverse_func") and hasattr(source, "transformer")):
        return None
    name = type(source).__name__
    inner = getattr(source, "regressor_", None)
    if inner is None:
        return (f"got a {name} that is not fitted; fit it, then give its regressor_ and apply its inverse_func (or "
                f"transformer_.inverse_transform) to each of that one's predictions")
    if source.transformer is not None:
        how, inverse = f"the transformer {type(source.transformer).__name__}", "ttr.transformer_.inverse_transform"
    else:
        how = f"func={getattr(source.func, '__name__', source.func)!r}"
        inverse = f"inverse_func={getattr(source.inverse_func, '__name__', source.inverse_func)!r}"
    return (f"got a {name}, not the model: its regressor_, the {type(inner).__name__}, was fitted on y as {how} made "
            f"it, and the wrapper undoes that on each prediction, which no export, Streamer or server does; give "
            f"ttr.regressor_ and apply {inverse} to each of its predictions (given alone, its predictions are the "
            f"transformed y, without a word)")


def _calibrated_hint(source) -> str | None:
    """Why a scikit-learn ``CalibratedClassifierCV`` is not exported, streamed or served: its probabilities are its
    fold classifiers' mapped by their calibrators and averaged, which no one network computes; None for anything
    else."""
    if not (hasattr(source, "method") and hasattr(source, "cv") and hasattr(source, "ensemble")):
        return None
    name = type(source).__name__
    folds = len(getattr(source, "calibrated_classifiers_", []))
    what = (f"its {folds} classifiers' (one per fold, each fitted on part of the data) each mapped by a "
            f"{source.method} calibrator and averaged" if folds > 1 else
            f"its classifier's mapped by a {source.method} calibrator")
    return (f"got a {name}, not the model: its probabilities are {what}, which no network computes; the network "
            f"of a classifier inside it (calibrated_classifiers_[k].estimator) would answer uncalibrated probabilities "
            f"without a word; export, stream or serve a classifier fitted on all the data itself, and calibrate its "
            f"probabilities on the client if needed")


def check_not_refitted(estimator, model: nn.Module, who: str, holder: str, fix: str) -> None:
    """Refuse to go on with ``model``, the network that ``holder`` (the Streamer, the server) copied from a fitted
    ``estimator``, once the estimator was fitted again: every fit makes a new ``model_`` (with new scalings and
    classes), which the copy does not follow. ``who`` names the caller, ``fix`` what to make instead."""
    if estimator.__dict__.get("model_") is not model:
        raise ValueError(f"{who}: this {type(estimator).__name__} was fitted again after {holder} was made, which "
                         f"still holds the old model; {fix}")


def sequence_graph(exportable: Exportable) -> nn.Module:
    """The whole-sequence graph of a model: :class:`SequenceGraph`, or an ensemble's members' averaged."""
    return SequenceGraph(exportable) if exportable.members is None else EnsembleGraph(exportable.members)


class EnsembleGraph(nn.Module):
    """``(x, lengths) -> y``: the mean of the members' :class:`SequenceGraph` outputs, as
    :class:`rnnkit.models.Ensemble` computes it."""

    def __init__(self, members: tuple[Exportable, ...]):
        super().__init__()
        self.members = nn.ModuleList(SequenceGraph(m) for m in members)

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        return torch.stack([member(x, lengths) for member in self.members]).mean(0)


class SequenceGraph(nn.Module):
    """``(x (B, T, F), lengths (B,)) -> y``: the model with its time loop as torch's ``scan`` op.

    Computes what the eager model computes (see the module doc for how lengths reach the loop)."""

    def __init__(self, exportable: Exportable):
        super().__init__()
        self.encoder, self.head, self.kind = exportable.encoder, exportable.head, exportable.kind
        self.exportable = exportable
        self.frontend, self.fcn = exportable.frontend, exportable.fcn  # registered: their weights are the graph's
        self.reverse = {id(d.cell): d.reverse for d in self.encoder.directions()}

    def forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        y = self._forward(x, lengths)
        # a length outside [1, T] has no reading (0 steps, or steps the row does not hold: a mean would divide by
        # more steps than it summed), and a graph cannot raise: its row comes out NaN, not a plausible number
        valid = (lengths >= 1) & (lengths <= x.shape[1])  # (B,)
        return torch.where(valid.view(-1, *[1] * (y.dim() - 1)), y, torch.nan)

    def _forward(self, x: Tensor, lengths: Tensor) -> Tensor:
        x = torch.where(length_mask(lengths, x.shape[1])[..., None], x, 0)  # padding never enters the maths
        if self.frontend is not None:
            # zeros up to a multiple of the stride, which the front-end would add itself: its ceil(T / k) is
            # -(-T // k), and ONNX's integer division truncates where Python's floors, so -(-T // k) would
            # come out as floor(T / k) for a T that is not a multiple of k
            # (the convolutional branch's ceil(T / r) likewise: to a multiple of k r; more zero padding changes
            # nothing, every step past a sequence's length is masked)
            k, T = self.frontend.k * (1 if self.fcn is None else self.fcn.resolution), x.shape[1]
            x = nn.functional.pad(x, (0, 0, 0, (T + k - 1) // k * k - T))
        x, lengths, branch = self.exportable.read(x, lengths)  # normalise, front-end: (B, T', F'); branch
        T = x.shape[1]
        forward_valid = length_mask(lengths, T)  # (B, T)
        backward_valid = forward_valid.flip(1)  # (B, T): the row arrives reversed, padding first

        def loop(cell, xw: Tensor, _lengths, state):
            reverse = self.reverse[id(cell)]
            if isinstance(cell, TimeAware):  # first layer only (checked): it reads the raw inputs
                xw = x.flip(1) if reverse else x
            return scan_steps(cell, xw, backward_valid if reverse else forward_valid, state)

        output, state = self.encoder.unroll(x, None, None, loop=loop)  # (B, T, D*H)
        if self.kind == "label":
            return self.head(output, lengths, state, branch)  # (B, O)
        if self.kind == "step":
            return self.head(output)  # (B, T, O)
        return output


def scan_steps(cell, xs: Tensor, valid: Tensor, state):
    """The reference time loop as ``torch.ops.higher_order.scan``: ``xs (B, T, G)`` projected inputs,
    ``valid (B, T)`` -> outputs ``(B, T, H)`` (zero at invalid steps) and the final state.

    A :class:`rnnkit.TimeAware` cell reads its raw inputs ``xs (B, T, 3F)`` instead and carries ``x_last``
    beside its state (:meth:`rnnkit.TimeAware.project_step`)."""
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
            x_t, x_last = cell.project_step(x_t, carry[n])
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

    ``fuse``: ``"auto"`` (default) runs each layer whose cell :func:`can_fuse` as a :class:`FusedStep`, the
    others with their cell's own ``project`` and ``step``; ``"fused"`` raises with the reason where a layer
    cannot; ``"reference"`` runs every cell's own methods. ``forms`` records, per layer, which ran.
    """

    def __init__(self, exportable: Exportable, *, fuse: str = "auto"):
        super().__init__()
        if (why := exportable.why_no_step()) is not None:
            raise ValueError(why)
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
        if self.pooling == "attention":
            add("pool.score_max", 1, "the largest attention score s_t so far (m)")
            add("pool.weight_sum", 1, "sum of exp(s_t - m) over the steps read; 0 before the first step")
            add("pool.weighted_sum", self.encoder.hidden_size,
                "sum of exp(s_t - m) h_t over the steps read (the top layer's outputs)")
        self.layout = slots
        self.state_size = start
        if fuse not in ("auto", "fused", "reference"):
            raise ValueError(f"StepGraph: fuse must be 'auto', 'fused' or 'reference', got {fuse!r}")
        self.fused = nn.ModuleList()  # per layer: its FusedStep, or an empty Sequential for the cell's own step
        self.forms = []  # per layer: "fused" or "reference (why)", written to export.json
        for i, d in enumerate(self.encoder.directions()):
            ok, why = can_fuse(d.cell)
            if fuse == "fused" and not ok:
                raise ValueError(f"StepGraph: layer {i} cannot run fused: {why}")
            use = ok and fuse != "reference"
            self.fused.append(FusedStep(d.cell) if use else nn.Sequential())
            self.forms.append("fused" if use else f"reference ({why if not ok else 'fuse=reference'})")

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
        # one Split of the state, not a Slice per slot
        slices = state_in.split([s.stop - s.start for s in self.layout], dim=1)
        part = {s.name: v for s, v in zip(self.layout, slices, strict=True)}
        out = {}
        x = x_t  # (B, F)
        for i, d in enumerate(self.encoder.directions()):
            cell = d.cell
            fields = [part[f"layer{i}.{f}"] for f in d.state_fields]
            state = fields[0] if cell.state_type is None else cell.state_type(*fields)
            if isinstance(self.fused[i], FusedStep):
                x, new = self.fused[i](x, state)
            else:
                if isinstance(cell, TimeAware):
                    xw, out[f"layer{i}.x_last"] = cell.project_step(x, part[f"layer{i}.x_last"])
                else:
                    xw = cell.project(x[:, None])[:, 0]  # (B, G)
                x, new = cell.step(xw, state)
            out |= {f"layer{i}.{f}": v for f, v in zip(d.state_fields, state_fields(new), strict=True)}
        if self.kind == "layer":
            y = x
        elif self.kind == "step":
            y = self.head(x)
        else:
            y = self.head.linear(self.pool_step(x, part, out))
        return y, torch.cat([out[s.name] for s in self.layout], dim=1)

    def pool_step(self, h: Tensor, part: dict, out: dict) -> Tensor:
        """The pooled top-layer output of the steps read so far (``"final"``/``"last"``: ``h_t`` itself).

        Attention pooling streams as an online softmax (Milakov & Gimelshein 2018): with ``m`` the largest
        score so far, ``d = sum exp(s - m)`` and ``n = sum exp(s - m) h``, a new score ``s_t`` rescales both
        by ``exp(m - m')``, ``m' = max(m, s_t)``, and adds ``exp(s_t - m')``; the pool is ``n / d``, the
        softmax-weighted mean of :class:`rnnkit.models.heads.AttentionPool` over the steps read."""
        if self.pooling in ("final", "last"):
            return h
        if self.pooling == "attention":
            attention = self.head.attention
            s = attention.score(torch.tanh(attention.project(h)))  # (B, 1)
            m, d, n = part["pool.score_max"], part["pool.weight_sum"], part["pool.weighted_sum"]
            first = d == 0  # nothing read yet: the old sums are empty, whatever m holds
            m_new = torch.where(first, s, torch.maximum(m, s))
            scale = torch.where(first, 0.0, torch.exp(m - m_new))
            e = torch.exp(s - m_new)
            out["pool.score_max"], out["pool.weight_sum"] = m_new, d * scale + e
            out["pool.weighted_sum"] = n * scale + e * h
            return out["pool.weighted_sum"] / out["pool.weight_sum"]
        count = part["pool.count"] + 1  # (B, 1)
        out["pool.count"] = count
        if self.pooling == "mean":
            out["pool.sum"] = part["pool.sum"] + h
            return out["pool.sum"] / count
        out["pool.max"] = torch.where(count > 1, torch.maximum(part["pool.max"], h), h)
        return out["pool.max"]


FUSABLE = (ElmanCell, LSTMCell, GRUCell)


def can_fuse(cell) -> tuple[bool, str]:
    """Whether a cell's step has a :class:`FusedStep` form: exactly an Elman, LSTM or GRU cell (a subclass
    may change the maths), and why not otherwise."""
    if type(cell) not in FUSABLE:
        return False, f"{type(cell).__name__} has no fused step (Elman, LSTM and GRU cells have)"
    return True, "one matmul of [x_t, h] against the stacked weights"


class FusedStep(nn.Module):
    """One step of an Elman, LSTM or GRU cell for the step graph: one matmul of ``[x_t, h] (B, F + H)``
    against the cell's input and recurrent weights stacked once at construction, then the cell's equations
    (the docstrings of :class:`rnnkit.LSTMCell`, :class:`rnnkit.GRUCell`, :class:`rnnkit.ElmanCell`).

    ``a = [x_t, h] W + b`` with ``W = [W_ih^T; W_hh^T] (F + H, G)`` and ``b = b_ih + b_hh``: the cell's
    ``W_ih x + b_ih + W_hh h + b_hh`` in one product instead of two products, an add and the reshapes of a
    projection written for whole sequences. At batch 1 a step is a few dozen small operators, each with a
    fixed cost in any runtime, so fewer operators is what makes the step fast.

    The LSTM's columns are stored in gate order ``i, f, o, g`` (not the cell's ``i, f, g, o``), so that one
    sigmoid covers the three gates. The GRU's candidate keeps its halves apart (the reset gate multiplies
    ``W_hn h + b_hn`` alone, torch.nn's form): ``W`` holds the gates' columns ``[r z]``, ``(F + H, 2H)``, and
    the candidate's halves ``x W_in`` and ``h W_hn`` are two products of their own (one stacked ``(F + H, 4H)``
    weight, zero where ``x`` or ``h`` does not reach, would read a quarter more weights every step: the larger
    part of a batch-1 step at H = 256); ``h' = n + z (h - n)``, which is ``(1 - z) n + z h`` in one operator
    less. Equal to the cell's own step to float rounding (the sums are grouped differently);
    the export checks it.
    """

    def __init__(self, cell):
        super().__init__()
        ok, why = can_fuse(cell)
        if not ok:
            raise ValueError(f"FusedStep: {why}")
        self.kind = type(cell).__name__
        self.act = torch.relu if getattr(cell, "nonlinearity", "tanh") == "relu" else torch.tanh
        H = self.hidden_size = cell.hidden_size
        with torch.no_grad():
            w_x, w_h = cell.weight_ih.T, cell.weight_hh.T  # (F, G), (H, G)
            zeros = torch.zeros(cell.gate_size, dtype=w_x.dtype)
            b_x = zeros if cell.bias_ih is None else cell.bias_ih
            b_h = zeros if cell.bias_hh is None else cell.bias_hh
            if isinstance(cell, GRUCell):  # the gates' columns; the candidate's halves as their own products
                weight, bias = torch.cat([w_x[:, : 2 * H], w_h[:, : 2 * H]]), b_x[: 2 * H] + b_h[: 2 * H]
                self.register_buffer("weight_xn", w_x[:, 2 * H :].detach().clone().contiguous())  # (F, H)
                self.register_buffer("bias_xn", b_x[2 * H :].detach().clone())
                self.register_buffer("weight_hn", w_h[:, 2 * H :].detach().clone().contiguous())  # (H, H)
                self.register_buffer("bias_hn", b_h[2 * H :].detach().clone())
            else:
                weight, bias = torch.cat([w_x, w_h]), b_x + b_h
            if isinstance(cell, LSTMCell):  # gate blocks i, f, g, o -> i, f, o, g: one sigmoid over three gates
                order = torch.cat([torch.arange(0, 2 * H), torch.arange(3 * H, 4 * H), torch.arange(2 * H, 3 * H)])
                weight, bias = weight[:, order], bias[order]
        self.register_buffer("weight", weight.detach().clone().contiguous())  # (F + H, G), or (F + H, 2H)
        self.register_buffer("bias", bias.detach().clone())

    def forward(self, x: Tensor, state):
        h = state.h if self.kind == "LSTMCell" else state
        a = torch.addmm(self.bias, torch.cat([x, h], dim=1), self.weight)  # (B, G)
        if self.kind == "LSTMCell":
            ifo, g = a.split([3 * self.hidden_size, self.hidden_size], dim=1)
            i, f, o = torch.sigmoid(ifo).chunk(3, dim=1)
            c = f * state.c + i * torch.tanh(g)
            h = o * torch.tanh(c)
            return h, LSTMState(h, c)
        if self.kind == "GRUCell":
            n_x, n_h = torch.addmm(self.bias_xn, x, self.weight_xn), torch.addmm(self.bias_hn, h, self.weight_hn)
            r, z = torch.sigmoid(a).chunk(2, dim=1)
            n = torch.tanh(n_x + r * n_h)
            h = n + z * (h - n)
            return h, h
        h = self.act(a)
        return h, h


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


def _to_onnx(module: nn.Module, args: tuple, input_names, output_names, dynamic_shapes, opset: int | None = None
             ) -> bytes:
    """The ONNX bytes of ``module`` called on ``args``; ``opset``: the ONNX opset to write (None: the exporter's
    own), refused where torch's exporter writes another in its place or a graph onnxruntime does not load."""
    options = {} if opset is None else {"opset_version": opset}
    with _quiet():
        # traced here (each named axis Dim.DYNAMIC, as torch.onnx.export makes of a name) so that the program can
        # be amended before its translation; the names then label the ONNX graph's axes
        dims = {arg: dict.fromkeys(shapes, torch.export.Dim.DYNAMIC) for arg, shapes in dynamic_shapes.items()}
        exported = torch.export.export(module, args, dynamic_shapes=dims, strict=False)
        _fix_inferred_sizes(exported.graph_module)
        program = torch.onnx.export(exported, dynamic_shapes=dynamic_shapes, input_names=input_names,
                                    output_names=output_names, dynamo=True, optimize=True, verbose=False, **options)
    proto = program.model_proto  # a new proto at each read
    _drop_unused_initializers(proto.graph)
    if opset is not None:
        _check_opset(proto, opset)
    return proto.SerializeToString()


def _scan_opset() -> int:
    """The first ONNX opset whose Scan op has the form the graphs' time loop is written in (its inputs the states
    and the scanned sequences, with ``scan_input_axes``; opset 8's took a batch axis and ``sequence_lens``), read from
    the installed onnx's own schemas, not written here."""
    import onnx.defs

    versions = sorted({s.since_version for s in onnx.defs.get_all_schemas_with_history() if s.name == "Scan"
                       and s.domain == ""})
    return next(v for v in versions if "scan_input_axes" in onnx.defs.get_schema("Scan", v).attributes)


def _check_opset_known(opset: int) -> None:
    """ValueError, before anything is traced, for an ``opset`` no exporter can write: one beyond the newest the
    installed onnx defines (``onnx.defs.onnx_opset_version()``), or one before ONNX's Scan op took the form the time
    loop is written in (:func:`_scan_opset`, opset 9); both bounds are the installed onnx's, so a newer onnx moves
    them. torch's exporter would otherwise write its own opset in its place, and the refusal would tell of another
    torch that writes it. Opsets between are left to the exporter and onnxruntime (their own refusals)."""
    import onnx
    import onnx.defs

    newest, first = onnx.defs.onnx_opset_version(), _scan_opset()
    if opset > newest:
        raise ValueError(f"export_onnx: opset {opset} is beyond the newest ONNX opset, {newest} (onnx "
                         f"{onnx.__version__}'s), so no exporter writes it; give an opset from {first} to "
                         f"{newest} that your onnxruntime reads (its release notes list the newest), or leave opset "
                         f"out for the one torch's exporter writes")
    if opset < first:
        raise ValueError(f"export_onnx: opset {opset} is older than ONNX's Scan op as the graphs' time loop is "
                         f"written (opset {first} on), so no exporter writes it; give an opset from {first} "
                         f"to {newest}, or leave opset out for the one torch's exporter writes")


def _check_opset(proto, opset: int) -> None:
    """ValueError where torch's exporter, asked for ``opset``, wrote another: it converts from its own opset, and
    where its converter has no way there for one of the graph's operators it leaves the graph at its own (with a
    log line only), which export.json would record as if asked for."""
    written = _opset_of(proto)
    if written != opset:
        raise ValueError(f"export_onnx: cannot write ONNX opset {opset}: torch {torch.__version__}'s exporter wrote "
                         f"opset {written} in its place (its converter has no way from its own opset to {opset} for "
                         f"one of this model's operators); give an opset it writes ({written}, or leave opset out for "
                         f"the exporter's own), or export with another torch, whose exporter writes opset {opset}")


def _loaded(graph: bytes, opset: int | None):
    """The onnxruntime session of an exported graph; ``opset`` (export_onnx's): a graph converted to it that
    onnxruntime does not load is refused in export_onnx's words (opset 17: a Split inside the time loop keeps the
    attribute opset 18 gave it)."""
    try:
        return ort_session(graph)
    except Exception as e:  # noqa: BLE001 - onnxruntime's own classes (InvalidGraph, ...), not ValueError
        if opset is None:
            raise
        import onnxruntime as ort

        raise ValueError(f"export_onnx: cannot write ONNX opset {opset}: torch {torch.__version__}'s exporter "
                         f"converted this model's graph to it, but onnxruntime {ort.__version__} does not load the "
                         f"result ({' '.join(str(e).split())}); give a higher opset, or leave opset out for the "
                         f"exporter's own (written without conversion)") from None


def _opset_of(proto) -> int:
    """The ONNX opset (the default domain's) of a model proto."""
    return int(max(o.version for o in proto.opset_import if o.domain == ""))


def _drop_unused_initializers(graph) -> None:
    """Remove the constants no node reads (the exporter leaves one in each sequence graph), which onnxruntime would
    otherwise warn of at every load with its default log level ("Removing initializer ... should be removed from the
    model"), as if the export were damaged. A Scan body reads the graph's constants by name: its nodes count."""
    import onnx

    def read(g, names: set) -> set:
        for node in g.node:
            names.update(node.input)
            for attribute in node.attribute:
                subgraphs = [attribute.g] if attribute.type == onnx.AttributeProto.GRAPH else []
                for sub in subgraphs + list(attribute.graphs):
                    read(sub, names)
        names.update(o.name for o in g.output)
        return names

    used = read(graph, set())
    kept = [t for t in graph.initializer if t.name in used]
    if len(kept) < len(graph.initializer):
        del graph.initializer[:]
        graph.initializer.extend(kept)


_VIEWS = (torch.ops.aten.view.default, torch.ops.aten.reshape.default, torch.ops.aten._unsafe_view.default)


def _fix_inferred_sizes(graph_module: torch.fx.GraphModule) -> None:
    """Write the size of each ``-1`` of a view or reshape whose size the trace knows as a constant: the input
    projection's ``view(B, T, -1)`` (a cell's ``project``) becomes ``Reshape`` to ``(B, T, G)``. An ONNX
    ``Reshape`` infers a ``-1`` by dividing the element count by the other sizes, which fails for an empty
    batch (``0 / 0``), so with ``-1`` the graph could not run ``B = 0``; with the size written it answers
    ``(0, O)``. The sizes stay what the trace computed, so the graph's values are unchanged."""
    for module in graph_module.modules():
        if not isinstance(module, torch.fx.GraphModule):
            continue
        for node in module.graph.nodes:
            if node.op != "call_function" or node.target not in _VIEWS or "val" not in node.meta:
                continue
            sizes, shape = list(node.args[1]), node.meta["val"].shape
            known = [k for k, s in enumerate(sizes) if isinstance(s, int) and s == -1 and
                     isinstance(shape[k], int)]
            for k in known:
                sizes[k] = shape[k]
            if known:
                node.args = (node.args[0], sizes, *node.args[2:])
        module.recompile()


def ort_session(model: bytes | str | os.PathLike, *, threads: int | None = None):
    """An onnxruntime CPU session for a model's bytes or path, its warnings off."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    model = str(model) if isinstance(model, os.PathLike) else model
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


# -- checks ---------------------------------------------------------------------------------------------------
def _random_inputs(exportable: Exportable, B: int, T: int, generator: torch.Generator) -> Tensor:
    x = torch.randn(B, T, exportable.input_size, generator=generator)
    cell = exportable.encoder.directions()[0].cell
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
        x = _random_inputs(exportable, B, T, g)
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
        x = _random_inputs(exportable, B, T, g)
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
    if exportable.members is not None:
        members = [_eager(m) for m in exportable.members]
        return lambda x, lengths: torch.stack([member(x, lengths) for member in members]).mean(0)
    encoder, head, kind = exportable.encoder, exportable.head, exportable.kind

    def run(x, lengths):
        x, lengths, branch = exportable.read(x, lengths)
        output, state = encoder(x, lengths)
        if kind == "label":
            return head(output, lengths, state, branch)
        return head(output) if kind == "step" else output

    return run


# -- export.json ----------------------------------------------------------------------------------------------
def check_labels_json(estimator, who: str) -> None:
    """A classifier's or tagger's labels that JSON cannot write (dates, timestamps, ...) are refused, naming the
    first: export.json (``classes``) and the server's answers carry them as JSON, and would fail after the graphs
    are built, or answer every request with a 500."""
    classes = getattr(estimator, "classes_", None)
    for label in [] if classes is None else np.asarray(classes).tolist():  # as export.json writes them
        try:
            json.dumps(label)
        except TypeError:
            carrier = "export.json carries" if who == "export_onnx" else "the answers carry"
            raise ValueError(f"{who}: class {label!r} of type {type(label).__name__} has no JSON form, and "
                             f"{carrier} the classes as JSON; fit on int, str, float or bool labels (e.g. "
                             "y.astype(str))") from None


def preprocessing(estimator, who: str = "export_onnx") -> dict | None:
    """What a client does to raw features before the graphs, and to ``y`` after, for a fitted estimator."""
    if estimator is None:
        return None
    names = getattr(estimator, "feature_names_in_", None)
    info = {
        "n_features": int(estimator.n_features_in_),
        "feature_names": None if names is None else [str(n) for n in names],
        # X's column labels at fit where they are not names (ints of pd.DataFrame(array)): the order of the features,
        # which predict checks a DataFrame's columns against (a client's or the Streamer's pandas row is checked alike)
        "column_labels": _column_labels(estimator),
        "x_mean": np.asarray(estimator.x_mean_, dtype=float).tolist(),
        "x_scale": np.asarray(estimator.x_scale_, dtype=float).tolist(),
        # the arithmetic of predict's standardisation: float64, the dtype of the scaling (float32 for a model saved
        # when the scaling was kept in float32, which read X as float32: a float64 client would read 1e6 + 0.3 then)
        "x_dtype": np.asarray(estimator.x_mean_).dtype.name,
        "x_formula": "x_scaled[..., j] = (x[..., j] - x_mean[j]) / x_scale[j], features in this order, in x_dtype: "
                     "x, x_mean and x_scale cast to it first and each operation in it, as predict computes it; then "
                     "x_scaled cast to float32, the graphs' x (float64: a feature far from zero beside its scale, "
                     "1e6 + 0.01, keeps its variation, which float32, whose numbers near 1e6 are 0.0625 apart, loses)",
    }
    if getattr(estimator, "time_aware", False):
        unit = getattr(estimator, "time_unit_", None)
        info["time_aware"] = {
            "inputs": "[x, m, delta]: 3 * n_features channels per step, the graphs' F",
            "formula": "per feature j at step t: x = x_scaled (0 where the value is missing, NaN), m = 1 if "
                       "observed else 0, delta = the steps since its previous observation: delta_0 = 0, "
                       "delta_{t+1} = 1 if observed at t else delta_t + 1 (rnnkit.time_aware_inputs)"}
        if unit is not None:  # fitted with sample times: delta is the time since, in the fitted unit
            seconds = estimator.time_kind_ == "seconds"
            info["time_aware"] |= {
                "time_unit": float(unit), "times": "seconds" if seconds else "numbers",
                "formula": "per feature j at step t, with s_t the step's sample time"
                           f"{' in seconds (dates: since 1970-01-01 UTC)' if seconds else ''}: x = x_scaled (0 where "
                           "the value is missing, NaN), m = 1 if observed else 0, g_t = (s_t - s_{t-1}) / "
                           "time_unit, delta = the time since its previous observation: delta_0 = 0, delta_{t+1} = "
                           "g_{t+1} if observed at t else delta_t + g_{t+1} (rnnkit.time_aware_inputs)"}
    windows = estimator._predict_windows(who)
    if windows > 1:  # trained on windows (crop): predict reads the mean over windows of the series
        info["windows"] = {
            "count": int(windows), "fraction": float(estimator.choices_["crop"]),
            "formula": "for a series of L steps: w = max(1, round(fraction * L)), start_k = round((L - w) * k / "
                       "(count - 1)) for k = 0 .. count - 1 (rounding half to even); y = the mean of sequence.onnx's "
                       "outputs on x[start_k : start_k + w], before the output formula (predict's reading)"}
    classes = getattr(estimator, "classes_", None)
    if classes is not None:
        info["output"] = {"kind": "class_logits", "classes": np.asarray(classes).tolist(),
                          "formula": "probabilities = softmax(y, last axis); label = classes[argmax(y)]"}
    else:
        info["output"] = {"kind": "standardised_values",
                          "y_mean": np.asarray(estimator.y_mean_, dtype=float).tolist(),
                          "y_scale": np.asarray(estimator.y_scale_, dtype=float).tolist(),
                          "one_target": bool(getattr(estimator, "_y_1d", False)),
                          "targets": _target_names(estimator),
                          "formula": ("prediction = y * y_scale + y_mean (one_target: its column 0), in float64 "
                                      "as predict computes it (float32 would round a target far from zero beside "
                                      "its spread: numbers near 1.7e9 are 128 apart)")}
    return info


def _column_labels(estimator) -> list | None:
    """The labels of the columns of a DataFrame ``X`` at fit when they are not feature names (``[0, 1, 2]`` of
    ``pd.DataFrame(array)``), as JSON holds them (ints and floats; None for other labels or none)."""
    from ..estimators import _json_labels

    return _json_labels(getattr(estimator, "_column_labels", None))


def _target_names(estimator) -> list[str] | None:
    """A regressor's target names (the columns of a DataFrame ``y``), in the order of ``y``'s last axis; None
    when unnamed: what ``GET /model`` serves as ``targets``."""
    names = getattr(estimator, "target_names_", None)
    return None if names is None else [str(n) for n in names]


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
# The suffixes of one model file, as other tools write it, which an export's directory (sequence.onnx, step.onnx,
# export.json) is not: each with what a file of it is, for the refusal of a directory so named
_MODEL_FILES = {".onnx": "an ONNX file", ".ort": "an ONNX Runtime file", ".pt": "a PyTorch file (torch.save)",
                ".pth": "a PyTorch file (torch.save)", ".ckpt": "a checkpoint file",
                ".safetensors": "a safetensors file", ".pkl": "a pickle file", ".pickle": "a pickle file",
                ".joblib": "a joblib file", ".h5": "a Keras or HDF5 file", ".keras": "a Keras model file",
                ".tflite": "a TensorFlow Lite file"}


def export_onnx(model_or_estimator, directory: str | os.PathLike, *, tolerance: float = TOLERANCE,
                verbose: bool = True, opset: int | None = None, **torch_options) -> dict:
    """Write ``sequence.onnx``, ``step.onnx`` (unidirectional models) and ``export.json`` into ``directory``.

    ``model_or_estimator``: a fitted :class:`~rnnkit.SequenceClassifier`, ``SequenceRegressor`` or
    ``SequenceTagger``; a :class:`~rnnkit.models.SequenceToLabel` or ``SequenceToSequence`` with any cell of
    the zoo (TimeAware included); or a recurrent layer (``rnnkit.LSTM``, ``Stacked``, ``Recurrent``, ...).
    Both graphs are checked against the eager model with onnxruntime first; the largest error is printed
    (``verbose``) and recorded. Raises ValueError, writing nothing, when an error exceeds ``tolerance``.
    ``opset``: the ONNX opset to write, for an onnxruntime older than the one torch's exporter writes (None: the
    exporter's own, export.json's ``opset``); the exporter converts its graph to it, and an opset it cannot convert
    this model's graph to, or a converted graph onnxruntime does not load, is refused (nothing is written).

    The directory is written atomically (a temporary directory renamed into place); an existing export
    directory is replaced, any other non-empty path refused, and so is a path inside a saved model's directory or
    an export directory (each is replaced whole by its next save or export). Returns the content of export.json.
    """
    import onnx

    if torch_options:
        raise TypeError(_torch_options_refusal(torch_options))
    if not isinstance(directory, str | os.PathLike):
        raise ValueError(f"export_onnx: directory must be a path (str or pathlib.Path), got "
                         f"{type(directory).__name__}")
    if not os.fspath(directory):  # Path("") is the working directory, which the refusal would name as "."
        raise ValueError(f"export_onnx: directory is {os.fspath(directory)!r}, an empty path; give the directory to "
                         f"write the export into (e.g. 'exports/model')")
    if opset is not None and not is_count(opset):
        raise ValueError(f"export_onnx: opset must be an ONNX opset number (an integer, e.g. 18) or None for the "
                         f"one torch's exporter writes, got {opset!r}")
    opset = None if opset is None else int(opset)
    if opset is not None:
        _check_opset_known(opset)
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or not tolerance >= 0:
        # NaN or a negative one would refuse every export as "off tolerance" after both graphs were built
        raise ValueError(f"export_onnx: tolerance must be a number >= 0 (the largest error allowed between the "
                         f"graphs and the eager model, e.g. 1e-4), got {tolerance!r}")
    target = Path(os.path.expanduser(directory))  # "~/exports/m" as the command line reads it, not ./~/exports/m
    named = _MODEL_FILES.get(target.suffix.lower())
    if named is not None and not is_export_directory(target):  # one written so before stays replaceable
        # the user expects one file there (model.onnx, or model.pt as torch.save writes); a directory of that name
        # fails in any ONNX runtime and in torch.load (S40-04: .pt and its kin were written as a directory); a name
        # whose suffix is no model file's (runs/v1.2, model.v2) is a directory's as ever
        raise ValueError(f"{target} names {named}, but an export is a directory (sequence.onnx, "
                         f"step.onnx, export.json); give a directory, e.g. {target.with_suffix('')}")
    _check_target(target)
    if type(model_or_estimator).__name__ == "Forecaster":
        return _export_forecaster(model_or_estimator, target, tolerance=tolerance, verbose=verbose, opset=opset)
    exportable = resolve(model_or_estimator)
    if exportable.estimator is not None:
        # export.json describes predict's reading: a value predict refuses is refused before the graphs
        exportable.estimator._predict_windows("export_onnx")
        check_labels_json(exportable.estimator, "export_onnx")
    encoder, F = exportable.encoder, exportable.input_size
    example = _random_inputs(exportable, 2, 5, torch.Generator().manual_seed(0))
    sequence_bytes = _to_onnx(sequence_graph(exportable).eval(), (example, torch.tensor([5, 3])),
                              ["x", "lengths"], ["y"], {"x": {0: "B", 1: "T"}, "lengths": {0: "B"}}, opset)
    sequence_cases = check_sequence(exportable, _loaded(sequence_bytes, opset))
    files = {SEQUENCE_FILE: sequence_bytes}
    info = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _onnx_versions(),
        "opset": _opset_of(onnx.load_from_string(sequence_bytes)),
        "source": exportable.source,
        "output_kind": exportable.kind,
        "members": 1 if exportable.members is None else len(exportable.members),
        "cells": [type(c).__name__ for c in encoder.cells()],
        "num_layers": encoder.num_layers,
        "bidirectional": encoder.bidirectional,
        "hidden_size": encoder.hidden_size,
        "pooling": exportable.head.pooling if exportable.kind == "label" else None,
        "normalise": None if exportable.normalise_eps is None else {
            "kind": "series", "eps": exportable.normalise_eps, "keep_scale": exportable.keep_scale,
            "note": "inside sequence.onnx: each row and feature standardised by its own mean and population "
                    "std over its valid steps, floored at eps" + ("; the head also reads asinh(mean) and "
                                                                  "log(std) of each feature" if exportable.keep_scale
                                                                  else "") + "; the client passes x as below"},
        "frontend": None if exportable.frontend is None else {
            "kind": type(exportable.frontend).__name__, "stride": exportable.frontend.k,
            "note": "inside sequence.onnx: the recurrence reads ceil(T / stride) summaries"},
        "fcn": None if exportable.fcn is None else {
            "kind": type(exportable.fcn).__name__, "kernels": list(exportable.fcn.kernels),
            "resolution": exportable.fcn.resolution,
            "note": "inside sequence.onnx: a convolutional branch (batch norm with its running statistics) over "
                    "the series, averaged over valid steps, read by the head beside the recurrence"},
        "preprocessing": preprocessing(exportable.estimator),
        "sequence": {
            "file": SEQUENCE_FILE,
            "inputs": {"x": {"shape": ["B", "T", F], "dtype": "float32"},
                       "lengths": {"shape": ["B"], "dtype": "int64",
                                   "note": "each in [1, T]; padding at the end of each row is ignored"}},
            "outputs": {"y": {"shape": _output_shape(exportable, False), "dtype": "float32"}},
            "sha256": hashlib.sha256(sequence_bytes).hexdigest(),
            "max_abs_error": max(c["max_abs_error"] for c in sequence_cases),
            "checks": sequence_cases,
        },
    }
    if (why := exportable.why_no_step()) is not None:
        info["step"] = {"file": None, "reason": why}
    else:
        step = StepGraph(exportable).eval()
        S = step.state_size
        initial = step.initial_state()
        example_state = initial[None].repeat(2, 1)
        step_bytes = _to_onnx(step, (example[:, 0].contiguous(), example_state), ["x_t", "state_in"],
                              ["y_t", "state_out"], {"x_t": {0: "B"}, "state_in": {0: "B"}}, opset)
        step_cases = check_step(exportable, step, _loaded(step_bytes, opset))
        files[STEP_FILE] = step_bytes
        info["step"] = {
            "file": STEP_FILE,
            "inputs": {"x_t": {"shape": ["B", F], "dtype": "float32"},
                       "state_in": {"shape": ["B", S], "dtype": "float32"}},
            "outputs": {"y_t": {"shape": _output_shape(exportable, True), "dtype": "float32"},
                        "state_out": {"shape": ["B", S], "dtype": "float32"}},
            "sha256": hashlib.sha256(step_bytes).hexdigest(),
            "state_size": S,
            "state_layout": [s._asdict() for s in step.layout],
            "layer_forms": step.forms,
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


# torch.onnx.export's options, as a user of it passes them, and what export_onnx does in their place
_DYNAMIC = "the graphs' batch and time axes are dynamic already (export.json's shapes name them: x ['B', 'T', F], " \
    "lengths ['B'])"
_TORCH_OPTIONS = {
    "dynamic_axes": _DYNAMIC,
    "dynamic_shapes": _DYNAMIC,
    "opset_version": "give export_onnx's own opset= (e.g. opset=18); by default the graphs are of the opset "
                     "torch's ONNX exporter writes (export.json's 'opset'), and with either they are checked against "
                     "the eager model",
    "input_names": "the inputs are named x and lengths (x_t and state_in for the step), as export.json gives them",
    "output_names": "the outputs are named y (y_t and state_out for the step), as export.json gives them",
    "do_constant_folding": "the graphs are optimised by torch's exporter already",
    "dynamo": "the graphs are written by torch's dynamo exporter (torch.export), the one their scan loop needs",
}


def _torch_options_refusal(options: dict) -> str:
    """The refusal of keyword arguments ``export_onnx`` does not take: for torch.onnx.export's, what it does in their
    place."""
    known = [k for k in options if k in _TORCH_OPTIONS]
    if not known:
        return (f"export_onnx() got an unexpected keyword argument {next(iter(options))!r}; it takes "
                f"model_or_estimator, directory, tolerance, verbose and opset")
    said = "; ".join(f"{k}: {_TORCH_OPTIONS[k]}" for k in known)
    return (f"export_onnx() takes no {', '.join(known)} (torch.onnx.export's option{'s' if len(known) > 1 else ''}): "
            f"{said}; leave {'them' if len(known) > 1 else 'it'} out")


# -- a Forecaster ---------------------------------------------------------------------------------------------
# ONNX export of a fitted rnnkit.forecast.Forecaster: the window in, the forecast out, in the series' units
# (see ForecastGraph and docs/deploy.md). No step graph: a forecast reads its whole window at once.
def forecast_outside_network(forecaster) -> str | None:
    """What a fitted Forecaster's forecast takes from outside its network, which no graph of the network gives
    (the hybrid's smoothing, a mean of candidates, a classical candidate alone), in words; None for the direct net
    alone. The one reason export_onnx and ``rnnkit export`` give, each with its own fix."""
    kind = getattr(forecaster, "model_kind_", "direct")
    if kind == "direct":
        return None
    parts = tuple(getattr(forecaster, "components_", None) or (kind,))
    return ("its level and season come from exponential smoothing outside the network" if kind == "hybrid" else
            f"its forecast is not one network's: {' + '.join(parts)}, averaged" if len(parts) > 1 else
            f"its forecast is not a network's: {parts[0]}")


def check_forecaster(forecaster) -> None:
    """ValueError unless ``forecaster`` is a fitted Forecaster whose forecast is one network."""
    if not hasattr(forecaster, "model_"):
        raise ValueError("export_onnx: this Forecaster is not fitted; call fit first")
    if (why := forecast_outside_network(forecaster)) is not None:
        raise ValueError(f"export_onnx: a Forecaster with model_kind_={forecaster.model_kind_!r} is not exported "
                         f"({why}); refit with model='direct' to export it")
    if getattr(forecaster, "band_", None):
        raise ValueError("export_onnx: this Forecaster's interval is calibrated outside the network (band_, "
                         "model='auto'), so the graph's quantiles would differ from predict's; refit with "
                         "model='direct' to export it")


class _ScannedNet(nn.Module):
    """A SequenceToLabel's ``forward(x, lengths, state) -> (y, state)`` computed by :class:`SequenceGraph`
    on full windows; the state, which the forecast does not use, is None."""

    def __init__(self, net: nn.Module):
        super().__init__()
        self.graph = SequenceGraph(resolve(net))

    def forward(self, x: Tensor, lengths=None, state=None):
        full = torch.ones_like(x[:, 0, 0], dtype=torch.long) * x.shape[1]  # (B,): every window is full
        return self.graph(x, full), None


class ForecastGraph(nn.Module):
    """``(x (B, L, F_x)[, future (B, H, C)]) -> y (B, H, n_y, n_q)``: a fitted Forecaster's ``predict`` after
    its features are built.

    ``x``: windows of the network's input channels (export.json's ``forecast.input_names``), ``L`` the fitted
    lookback; ``future``: the known-future channels (``forecast.future_names``), only for a model that reads
    them; ``y``: the ``H`` horizon steps of the ``n_y`` targets, ``n_q`` quantiles each (1 without), sorted,
    in the series' units, what ``predict`` returns.

    The graph is the fitted :class:`rnnkit.forecast.net.DirectForecastNet` itself (its relative form, its
    local head) with the encoder's loop as the ``Scan`` of :class:`SequenceGraph`, then what ``predict`` does
    after the network: the quantiles sorted, the targets' scaling undone. What comes before the network, the
    window's channels, is written to export.json for the client to build (:func:`forecast_info`). The hybrid
    model is not exported (its level and season come from exponential smoothing outside the network)."""

    def __init__(self, forecaster):
        super().__init__()
        check_forecaster(forecaster)
        model = copy.deepcopy(forecaster.model_).cpu().float().eval().requires_grad_(False)
        model.net = _ScannedNet(model.net)
        self.model = model
        self.shape = (model.horizon, model.n_targets, model.n_quantiles)
        p = forecaster.preprocessor_
        idx = [p.columns.index(c) for c in forecaster.targets_]
        self.register_buffer("center", torch.tensor(p.center_[idx], dtype=torch.float32)[:, None])  # (n_y, 1)
        self.register_buffer("scale", torch.tensor(p.scale_[idx], dtype=torch.float32)[:, None])

    def forward(self, x: Tensor, future: Tensor | None = None) -> Tensor:
        out, _ = self.model(x, future=future)  # (B, H * n_y * n_q), scaled
        y = out.view(-1, *self.shape).sort(dim=-1).values  # quantiles never cross, as predict sorts them
        return y * self.scale + self.center  # (B, H, n_y, n_q) in original units


def forecast_inputs(forecaster, B: int, generator: torch.Generator) -> tuple[Tensor, Tensor | None]:
    """Random windows ``(B, L, F_x)`` (0/1 masks and positive gaps where the channels are such) and
    known-future inputs ``(B, H, C)`` (None without), for the export-time check."""
    features, L = forecaster.features_, forecaster.lookback_
    x = torch.randn(B, L, len(features.input_names), generator=generator)
    for role in ("mask", "m"):
        if role in features.slices:
            x[..., features.slices[role]] = (x[..., features.slices[role]] > -0.5).float()
    for role in ("time_since", "delta"):
        if role in features.slices:
            x[..., features.slices[role]] = x[..., features.slices[role]].abs() + 1
    future = None
    if forecaster.model_.local is not None:
        future = torch.randn(B, forecaster.horizon, len(forecaster.future_names_), generator=generator)
    return x, future


def check_forecast(forecaster, session, *, seed: int = 0) -> list[dict]:
    """The graph beside the Forecaster's own forecast of the same windows (its ``_forecast``, the path of
    ``predict``): random windows of several batch sizes, and the fitted series' last window."""
    g = torch.Generator().manual_seed(seed)
    cases = []
    windows = [forecast_inputs(forecaster, B, g) for B in (1, 4)]
    last = forecaster.features_.transform(forecaster.history_).inputs[-forecaster.lookback_ :][None]
    if forecaster.model_.local is None:
        windows.append((torch.from_numpy(np.ascontiguousarray(last)), None))
    for x, future in windows:
        expected = forecaster._forecast(x.numpy(), None if future is None else future.numpy())
        feed = {"x": x.numpy()} | ({} if future is None else {"future": future.numpy()})
        got = session.run(None, feed)[0]
        error = float(np.abs(got - expected).max() / max(1.0, float(np.abs(expected).max())))
        cases.append({"B": int(x.shape[0]), "window": "random" if len(cases) < 2 else "the fitted series' last",
                      "max_rel_error": error})
    return cases


# what each calendar channel reads of a timestamp (rnnkit.data.timeseries.calendar_features), for export.json
CALENDAR_VALUES = {"hour": "hour + minute / 60 + second / 3600", "weekday": "the day of the week, Monday = 0",
                   "month": "month - 1 (January = 0)", "dayofyear": "the day of the year - 1 (1 January = 0)"}


def calendar_info(features) -> dict | None:
    """export.json's ``forecast.calendar``: how a client computes the calendar channels of a timestamp, which
    ``input_names`` and ``future_names`` only name; None without calendar channels."""
    from ..data.timeseries import CALENDAR_PERIODS

    if not features:
        return None
    return {
        "features": {name: {"v": CALENDAR_VALUES[name], "period": CALENDAR_PERIODS[name] or "365, or 366 in a leap "
                            "year"} for name in features},
        "formula": "<name>_sin = sin(2 pi v / period), <name>_cos = cos(2 pi v / period) of each step's timestamp, "
                   "read in its own time zone (local hours), a period (e.g. a month) at its start; x: the window's "
                   "timestamps; future: the horizon's, the window's last timestamp plus 1 .. horizon steps of "
                   "`frequency` (pandas' offset alias) as pd.date_range steps: a day ('D') or longer moves the local "
                   "date and keeps the local time (23 or 25 hours across a change of summer time, not 86400 s), an "
                   "hour ('h') or shorter is a fixed duration",
    }


def forecast_info(forecaster) -> dict:
    """export.json's ``forecast``: what a client builds before the graph and reads after it."""
    p, features = forecaster.preprocessor_, forecaster.features_
    return {
        "lookback": int(forecaster.lookback_),
        "horizon": int(forecaster.horizon),
        "targets": list(forecaster.targets_),
        "quantiles": None if forecaster.quantiles is None else [float(q) for q in forecaster.quantiles],
        "relative": bool(forecaster.relative_),
        "frequency": None if forecaster.freq_ is None else str(forecaster.freq_),
        "input_names": list(features.input_names),
        "future_names": list(features.future_names),
        "columns": list(p.columns),
        "impute": p.impute,
        "scale": p.scale,
        "center": np.asarray(p.center_, dtype=float).tolist(),
        "scale_by": np.asarray(p.scale_, dtype=float).tolist(),
        # predict fills the whole series, then takes the window: a gap at the window's start is the value before it
        "impute_from": "series",
        "x_formula": ("the series on the regular grid of `frequency` first: uneven readings averaged per bin, "
                      "labelled by its start (s.resample(frequency).mean(), as fit(freq=...) reads uneven times; "
                      "an empty bin is a missing value), not the last reading of each; then "
                      "per column c of `columns`: missing values filled by `impute` over the whole series "
                      "(impute_from), read from its first row ('ffill': the last observed value, so a gap at the "
                      "window's start takes the last value observed before the window, and the training mean only "
                      "before the series' first observation; 'mean': the training mean; 'zero': 0); then the last "
                      "`lookback` rows, (v - center[c]) / scale_by[c]; channels "
                      "in the order of input_names: the columns' values, the calendar channels of the window's "
                      "timestamps ('<name>_sin', '<name>_cos': see `calendar`), "
                      "then '<column>_mask' (1 observed, 0 imputed) and '<column>_since' where named: GRU-D's "
                      "delta in steps of `frequency`, the steps from the column's last observation strictly before "
                      "the row to the row (1 where the row before was observed, k + 1 after k imputed rows, 0 on "
                      "the series' first row), counted over the whole series (impute_from): a window that starts "
                      "in a gap counts from the observation before the window"),
        "calendar": calendar_info(p.calendar),
        "future_formula": ("known-future covariates scaled as their column above, then the calendar channels "
                           "(see `calendar`) of the forecast timestamps, in the order "
                           "of future_names; only when future_names is not empty"),
        "y_formula": ("y[b, h, j, q]: step h + 1 after the window of target targets[j] at quantiles[q] (q = 0 "
                      "without quantiles), in the series' units: Forecaster.predict's values"),
    }


def _export_forecaster(forecaster, target: Path, *, tolerance: float, verbose: bool, opset: int | None) -> dict:
    """export_onnx for a Forecaster (:class:`ForecastGraph`): sequence.onnx and export.json."""
    import onnx

    graph = ForecastGraph(forecaster).eval()
    x, future = forecast_inputs(forecaster, 2, torch.Generator().manual_seed(0))
    names = ["x"] + ([] if future is None else ["future"])
    args = (x,) if future is None else (x, future)
    sequence_bytes = _to_onnx(graph, args, names, ["y"], {n: {0: "B"} for n in names}, opset)
    cases = check_forecast(forecaster, _loaded(sequence_bytes, opset))
    worst = max(c["max_rel_error"] for c in cases)
    H, n_y, n_q = graph.shape
    inputs = {"x": {"shape": ["B", int(x.shape[1]), int(x.shape[2])], "dtype": "float32"}}
    if future is not None:
        inputs["future"] = {"shape": ["B", H, int(future.shape[2])], "dtype": "float32"}
    info = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": _onnx_versions(),
        "opset": _opset_of(onnx.load_from_string(sequence_bytes)),
        "source": type(forecaster).__name__,
        "output_kind": "forecast",
        "cells": [type(c).__name__ for c in graph.model.net.graph.encoder.cells()],
        "hidden_size": graph.model.net.graph.encoder.hidden_size,
        "preprocessing": None,
        "forecast": forecast_info(forecaster),
        "sequence": {
            "file": SEQUENCE_FILE,
            "inputs": inputs,
            "outputs": {"y": {"shape": ["B", H, n_y, n_q], "dtype": "float32"}},
            "sha256": hashlib.sha256(sequence_bytes).hexdigest(),
            "max_abs_error": None,
            "max_rel_error": worst,
            "error_note": "|onnxruntime - Forecaster| / max(1, max |forecast|): the forecast is in the series' units",
            "checks": cases,
        },
        "step": {"file": None, "reason": "a Forecaster has no step graph: a forecast reads its whole window at once"},
        "max_abs_error": None,
        "max_rel_error": worst,
        "tolerance": tolerance,
    }
    if verbose:
        print(f"export_onnx: max |onnxruntime - Forecaster| / max(1, |forecast|) = {worst:.3g} (sequence)")
    if not worst <= tolerance:
        raise ValueError(f"export_onnx: the exported forecast differs from the Forecaster's by up to {worst:.3g} "
                         f"(relative; > tolerance {tolerance}); nothing was written")
    files = {SEQUENCE_FILE: sequence_bytes, EXPORT_FILE: (json.dumps(info, indent=1, allow_nan=False) + "\n").encode()}
    write_export_directory(target, files)
    return info


def _saved_model(path: Path) -> str:
    """The words naming ``path`` as a saved model directory, where an export directory belongs; "" otherwise."""
    return " (it is an rnnkit model directory, written by save())" if is_model_directory(path) else ""


def _check_target(target: Path) -> None:
    for above in target.absolute().parents:  # save() and export_onnx replace their directory whole
        kind = "an rnnkit model directory (written by save())" if is_model_directory(above) else \
            "an rnnkit ONNX export directory" if is_export_directory(above) else None
        if kind is not None:
            writer = "the model's next save() (or rnnkit train --out)" if "model" in kind else "its next export"
            raise ValueError(f"{target} lies inside {above}, {kind}, which {writer} replaces whole, and refuses "
                             f"to while it holds the export; export beside it, e.g. {above}-onnx")
    if target.exists() and not target.is_dir():  # a FIFO or /dev/null is no file to its user: named as it is
        raise ValueError(f"{target} is {path_kind(target)}, not a directory; an export is a directory of its own "
                         f"(sequence.onnx, step.onnx, export.json): choose a new directory (rnnkit export --out)")
    if target.exists() and not (is_export_directory(target) or not any(target.iterdir())):
        saved = _saved_model(target)
        where = f"export into a directory of its own, e.g. {target}-onnx" if saved else \
            "choose a new directory (rnnkit export --out)"
        raise ValueError(f"{target} exists and is not an rnnkit ONNX export directory{saved}; refusing to overwrite "
                         f"it: {where}")
    foreign = sorted(p.name for p in target.iterdir() if p.name not in EXPORT_ENTRIES) if target.is_dir() else []
    if foreign:  # an export directory is replaced whole: what else it holds would be deleted
        raise ValueError(f"{target} is an rnnkit ONNX export directory that also holds {foreign[:3]}"
                         f"{' ...' if len(foreign) > 3 else ''}, which the export did not write and replacing the "
                         "directory would delete; move them out, or choose a new --out")
    # the export is written into a temporary directory beside the target (created with its parents if missing):
    # find out now that it can be, not after the graphs were built and checked
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    try:
        os.rmdir(tempfile.mkdtemp(prefix=f".{target.name}.probe-", dir=parent))
    except OSError as e:
        raise ValueError(f"cannot write {target}: {e.strerror or e} ({parent}); choose a directory you can write to"
                         ) from None


def write_export_directory(target: Path, files: dict[str, bytes]) -> None:
    """Write the export atomically: a reader sees the old export or the new one, never a mix."""
    write_directory_atomically(target, files, replaceable=is_export_directory,
                               what="an rnnkit ONNX export directory")


def _export_meant(path: Path) -> str | None:
    """For a ``path`` that does not exist, the export directory most likely meant, in words: the entry of its folder
    of the same name but for case, spaces, Unicode form or suffix (:func:`rnnkit.checks.near_miss`), else the export
    directory of its folder of the closest name (``e_okk`` for ``e_ok``); None where there is none."""
    if (meant := near_miss(path)) is not None:
        return meant
    try:
        exports = [p.name for p in path.parent.iterdir() if is_export_directory(p)]
    except OSError:
        return None
    close = closest_name(path.name, exports)
    return None if close is None else f"{str(path.parent / close)!r} is an export of a near name: give that path"


def export_of_entry(path: Path) -> Path | None:
    """The export directory that ``path`` names one of the files of (:data:`EXPORT_ENTRIES`), else None."""
    return path.parent if path.name in EXPORT_ENTRIES and is_export_directory(path.parent) else None


def read_export(directory: str | os.PathLike) -> dict:
    """export.json of an export directory (``~`` read as the home directory); ValueError for a missing or foreign
    one, or for one of its files given in its place."""
    path = Path(os.path.expanduser(directory))
    again = f"export the model again (rnnkit.export_onnx, or rnnkit export MODEL_DIR --out {path})"
    if path.is_file() and export_of_entry(path) is not None:
        raise ValueError(f"{path} is a file of the ONNX export directory {path.parent}, which is read whole "
                         f"(export.json says how to run its graphs); give the directory itself: "
                         f"{os.fspath(path.parent)!r}")
    if not path.exists():  # a typo or a path relative to another folder: said so, not "not an export"
        raise ValueError(f"{path}: no such directory; expected an rnnkit ONNX export directory written by export_onnx "
                         f"or `rnnkit export` ({_export_meant(path) or 'check the path'})")
    if not path.is_dir():  # a FIFO, a device or a lone file: named as it is
        raise ValueError(f"{path} is {path_kind(path)}, not an rnnkit ONNX export directory; give the directory "
                         f"export_onnx or `rnnkit export` wrote (sequence.onnx, step.onnx and export.json)")
    if not is_export_directory(path):
        if (path / EXPORT_FILE).is_file() and (path / SEQUENCE_FILE).is_file():  # an export whose json is damaged
            try:
                json.loads((path / EXPORT_FILE).read_text())
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise ValueError(f"{path}: {EXPORT_FILE} is not valid JSON ({e}): cut short by a failed copy, or "
                                 f"edited; {again}") from None
        if _saved_model(path):  # the model itself: the Streamer steps it in torch, or its export under onnxruntime
            raise ValueError(f"{path} is not an rnnkit ONNX export directory{_saved_model(path)}; stream the model "
                             f"in torch with Streamer(rnnkit.load({os.fspath(path)!r})), or export it first "
                             f"(rnnkit.export_onnx(rnnkit.load(...), {os.fspath(path) + '-onnx'!r}), or rnnkit "
                             f"export {path} --out {path}-onnx) and give that directory")
        raise ValueError(f"{path} is not an rnnkit ONNX export directory (no {EXPORT_FILE} of format "
                         f"{FORMAT!r}); write one with export_onnx or `rnnkit export`")
    info = json.loads((path / EXPORT_FILE).read_text())
    version = info.get("format_version")
    if version != FORMAT_VERSION:
        written = (info.get("versions") or {}).get("rnnkit") if isinstance(info.get("versions"), dict) else None
        by = f" (written by rnnkit {written})" if isinstance(written, str) else ""
        newer = isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION
        raise ValueError(f"{path}: export format version {version!r}{by} is not the version this rnnkit reads "
                         f"({FORMAT_VERSION}); " + ("upgrade rnnkit to read it, or " if newer else "") + again)
    for part in ("sequence", "step"):
        _check_graph_file(path, info.get(part), again)
    return info


def _check_graph_file(path: Path, part, again: str) -> None:
    """ValueError for a graph file of the export at ``path`` whose bytes are not those export.json recorded (its
    ``sha256``; an export written before digests were recorded has none, and is read as it is): a graph copied in
    from another export, or a model's file edited since, would run with export.json's standardisation, labels and
    state layout, which are not its own, without a word. A missing graph is left to its reader."""
    if not isinstance(part, dict) or not isinstance(part.get("sha256"), str) or not isinstance(part.get("file"), str):
        return
    file = path / part["file"]
    if not file.is_file():
        return
    with file.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    if digest != part["sha256"]:
        raise ValueError(f"{file} is not the graph this export wrote: its sha256 ({digest[:12]}...) differs from the "
                         f"one {EXPORT_FILE} records ({part['sha256'][:12]}...), so the standardisation, labels and "
                         f"state layout {EXPORT_FILE} gives are not its own (a graph copied in from another export, "
                         f"cut short by a failed copy, or edited since?); copy an export directory whole, or {again}")
