"""What the diagnostics measure and how they look inside it.

Every diagnostic takes a ``model`` and data ``X`` and resolves them into a :class:`Probe`: a torch module, the
input tensor and how to call the module. ``model`` may be

1. an rnnkit layer (:class:`rnnkit.RNN`, ``LSTM``, ``GRU``, :class:`rnnkit.Stacked`, ``Bidirectional``,
   ``Recurrent``) or any ``nn.Module`` that contains one. It is called as ``module(x)``, or
   ``module(x, lengths)`` when lengths are given; a tuple result's first element is its output.
2. an estimator, duck-typed (the :class:`Diagnosable` protocol below): a fitted one exposes its torch module
   as ``model_``; an unfitted one builds a freshly initialised module for data shaped like ``X`` (and targets
   like ``y``, which fix a classifier's number of outputs) with ``build_model(X, y)``; rnnkit's estimators
   build the module their ``fit(X, y)`` would start from, seeded from ``random_state``. Optionally
   ``prepare_batch(X, y=None) -> (x, lengths, y)`` converts the data to tensors exactly as the estimator does
   for training, and ``loss_fn(output, y) -> scalar`` is its training loss. rnnkit's own estimators have
   one (:meth:`rnnkit.SequenceClassifier.prepare_batch`): ``X`` in the estimator's layout, standardised as
   ``fit`` and ``predict`` feed the module (so a fitted classifier's scores are ``predict``'s logits), and
   ``y`` as labels of ``classes_``. A model trained on windows of its series (``crop``) is read on the whole
   sequences given: hidden states, gate statistics and gradients are those of the whole series (longer than
   any window training read; :func:`rnnkit.diagnostics.gradient_flow`'s reach is then measured over more steps
   than training backpropagated through), while ``predict`` averages the outputs of windows; pass windows
   yourself (``X[:, s:s + w]``) to see what training saw.

Inside the module the diagnostics find every single-direction :class:`rnnkit.Recurrent` layer and name it as
torch.nn names parameters: ``l0``, ``l0_reverse``, ``l1``, ... per outermost rnnkit layer (prefixed with that
layer's module path, ``encoder.l0``, when the module holds several).

While measuring, :func:`instrumented` puts the module in eval mode (no dropout: the measurement is
deterministic), forces ``backend="reference"`` on every :class:`rnnkit.Stacked` (the fused kernels do not
run the Python loop, so they fill no trace; the reference computes the same function), sets each direction's
``trace`` to a fresh list and records each direction's input, initial state and output with hooks. All of it
is restored afterwards, even on error.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from ..cells.base import Cell, State, hidden_of, length_mask
from ..checks import is_integer
from ..layers import Bidirectional, Recurrent, Stacked
from ..layers.checks import TORCH_CELLS, composable_fix

RNNKIT_LAYERS = (Stacked, Bidirectional, Recurrent)


class Diagnosable(Protocol):
    """The duck-typed estimator protocol. An estimator needs ``model_`` once fitted, or ``build_model``.

    - ``model_: nn.Module`` — the fitted module (sklearn's trailing-underscore convention).
    - ``build_model(X, y=None) -> nn.Module`` — a freshly initialised module for data shaped like ``X`` and
      targets like ``y`` (unfitted estimators; lets :func:`gradient_flow` measure the network at
      initialisation). It is called with the ``y`` given to the diagnostic, None when there is none.

    Optional:

    - ``prepare_batch(X, y=None) -> (x, lengths, y)`` — tensors as the estimator feeds its module:
      ``x (B, T, F)`` float (or ``(B, T)`` token ids), ``lengths (B,)`` or None, ``y`` or None. Without it
      ``X`` must be an array or tensor the module takes as it is.
    - ``loss_fn(output, y) -> Tensor`` — the training loss; :func:`gradient_flow` uses it when ``y`` is given.
    """

    def build_model(self, X: Any, y: Any = None) -> nn.Module: ...


@dataclass(eq=False)
class Probe:
    """A resolved model: the module to run and the tensors to run it on."""

    module: nn.Module
    x: Tensor
    lengths: Tensor | None = None
    y: Tensor | None = None
    loss_fn: Callable[[Tensor, Tensor], Tensor] | None = None

    def forward(self, x: Tensor | None = None) -> Tensor:
        """Run the module on ``x`` (default ``self.x``) and return its output (a tuple's first element)."""
        x = self.x if x is None else x
        out = self.module(x) if self.lengths is None else self.module(x, self.lengths)
        return out[0] if isinstance(out, tuple) else out


def resolve(model, X, y=None, *, lengths=None, times=None, who: str = "diagnostics", takes_y: bool = False) -> Probe:
    """Resolve a layer, module or estimator (see the module docstring) and data into a :class:`Probe`; ``who``,
    the diagnostic's name, starts its refusals; ``takes_y``: whether it takes targets (``saliency``,
    ``hidden_states`` and ``gate_statistics`` do not, so an unfitted rnnkit estimator cannot be built there);
    ``times``: X's sample times, passed to the estimator's ``prepare_batch`` (a time-aware model fitted with them)."""
    prepare = loss_fn = None
    if isinstance(X, PackedSequence):  # else numpy's "inhomogeneous shape", from np.asarray of its fields
        raise ValueError(f"{who}: X is a PackedSequence; the diagnostics take the padded batch and its lengths: X, "
                         f"lengths = torch.nn.utils.rnn.pad_packed_sequence(X, batch_first=True), then {who}(model, "
                         f"X, lengths=lengths)")
    if isinstance(model, nn.Module):
        if times is not None:  # a module reads X as given: nothing would read the times
            raise ValueError(f"{who}: times given, but a {type(model).__name__} reads X as given and has no use for "
                             f"them; pass the estimator fitted with fit(X, y, times=...) instead, or leave times out")
        module = model
    else:
        name = type(model).__name__
        module = getattr(model, "model_", None)
        if module is None and hasattr(model, "model_"):  # fitted, but to no network (a Forecaster's baseline)
            choices = getattr(model, "choices_", None)
            chose = " (choices_['model'] says why)" if isinstance(choices, dict) and "model" in choices else ""
            raise ValueError(f"{who}: this fitted {name} holds no network (model_ is None){chose}, so there is no "
                             f"recurrent layer to look at; fit it with a network (e.g. model='direct')")
        if module is None and not callable(getattr(model, "build_model", None)) and hasattr(model, "fit"):
            raise ValueError(f"{who}: {name} is not fitted (no model_), and it has no build_model(X, y) to build "
                             f"its network untrained; fit it first")
        if module is None and y is None and not takes_y and is_rnnkit_estimator(model):  # build_model needs y
            raise ValueError(f"{who}: {name} is not fitted, and its untrained network needs the targets y to size "
                             f"its outputs, which {who} does not take; fit it first (model.fit(X, y)), "
                             f"or measure the untrained network with gradient_flow(model, X, y)")
        if module is None and callable(getattr(model, "build_model", None)):
            module = model.build_model(X, y)
        if not isinstance(module, nn.Module):
            raise TypeError(
                f"{who}: expected an nn.Module, or an estimator with a fitted `model_` or a "
                f"`build_model(X, y)` method; got {name}"
            )
        prepare = getattr(model, "prepare_batch", None)  # rnnkit's estimators: X standardised, y as class ids
        if prepare is None and is_forecaster(model):  # its net reads windows transformed as fit transformed them
            raise ValueError(f"{who}: a fitted {name}'s network reads windows standardised (and with the features) "
                             f"as its fit prepared them, not X as given, and {name} has no prepare_batch to prepare "
                             f"them; pass its network, model_, with windows in those units")
        loss_fn = getattr(model, "loss_fn", None)
    if not named_directions(module):
        raise ValueError(f"{who}: {type(module).__name__} contains no rnnkit recurrent layer{_torch_rnn_hint(module)}")

    meta = next((name for name, p in module.named_parameters() if p.is_meta), None)
    if meta is not None:  # else torch's "Tensor.item() cannot be called on meta tensors", deep in the run
        raise ValueError(f"{who}: the {type(module).__name__}'s parameters are on the 'meta' device ({meta}), which "
                         f"holds no values to run; load its weights first, e.g. module.load_state_dict(weights, "
                         f"assign=True), or build it on a real device")
    if getattr(module, "target", None) == "decoder":  # its forward needs y; it would say "use generate()"
        raise ValueError(f"{who}: {type(module).__name__} decodes from its targets (teacher forcing: forward(x, "
                         f"lengths, y)), which {who} does not pass to the model; look at its encoder alone: "
                         f"{who}(model.encoder, X) (X (B, T, F) as the model reads it)")
    ref = next(module.parameters(), None)
    device = ref.device if ref is not None else torch.device("cpu")
    dtype = ref.dtype if ref is not None and ref.is_floating_point() else torch.float32
    if prepare is not None:
        fitted_with_times = getattr(model, "time_unit_", None) is not None
        if times is None and fitted_with_times:  # else the estimator's own refusal, which names no diagnostic
            raise ValueError(f"{who}: this {type(model).__name__} was fitted with sample times (fit(X, y, times=...)), "
                             f"so its decays read the gaps between X's steps; pass X's times as at fit: "
                             f"{who}(model, X, ..., times=times)")
        if times is not None and "times" not in inspect.signature(prepare).parameters:
            raise ValueError(f"{who}: times given, but {type(model).__name__}.prepare_batch(X, y) takes no times, so "
                             f"nothing would read them; leave times out")
        x, prepared_lengths, y = prepare(X, y) if times is None else prepare(X, y, times=times)
        given = lengths
        lengths = prepared_lengths if lengths is None else lengths
    else:
        if times is not None and not isinstance(model, nn.Module):
            raise ValueError(f"{who}: times given, but {type(model).__name__} has no prepare_batch(X, y, times=...) "
                             f"to read them, so nothing would; leave times out")
        given = None
        x = torch.as_tensor(np.asarray(X) if not isinstance(X, Tensor) else X)
    x = x.to(device=device, dtype=dtype if x.is_floating_point() else x.dtype)  # token ids stay integers
    if x.numel() == 0 and x.dim() < 2:  # [] or an empty array: torch reads it as shape (0,)
        raise ValueError(f"{who}: X is empty (no sequences, shape {tuple(x.shape)}); give at least one sequence, "
                         f"shape (B, T, F) (or (B, T) token ids)")
    if x.dim() < 2:
        raise ValueError(f"{who}: X must have shape (B, T, F) (or (B, T) token ids), got "
                         f"{tuple(x.shape)}")
    if lengths is not None:
        lengths = torch.as_tensor(np.asarray(lengths) if not isinstance(lengths, Tensor) else lengths)
        if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
            raise ValueError(f"diagnostics: lengths must be integers, got dtype {lengths.dtype}; floats are not "
                             f"truncated: pass whole-number lengths as ints (e.g. lengths.long())")
        lengths = lengths.to(device=device, dtype=torch.long)
    if given is not None and prepared_lengths is not None and lengths.shape == prepared_lengths.shape:
        past = (lengths > prepared_lengths.to(lengths.device)).nonzero()
        if len(past):  # a ragged X's padding read as steps; shorter lengths (a padded array's) are the user's
            b = int(past[0])
            raise ValueError(f"{who}: lengths[{b}] is {int(lengths[b])}, but sequence {b} of X has "
                             f"{int(prepared_lengths[b])} steps, so its padding would be read as data; leave lengths "
                             f"out (the estimator reads each sequence's own length) or give at most that")
    if lengths is not None and not _takes_lengths(module):  # else a TypeError from inside the user's forward
        raise ValueError(f"{who}: lengths given, but {type(module).__name__}.forward takes x alone, and the "
                         f"diagnostics call module(x, lengths) when lengths are given; leave lengths out (the whole "
                         f"of each row of X is read), or give a module whose forward(x, lengths) takes them")
    check_finite(x, lengths, who)
    flat = [] if y is None or isinstance(y, Tensor) else np.asarray(y).ravel()
    text = len(flat) and (flat.dtype.kind in "US" or flat.dtype.kind == "O" and any(isinstance(v, str) for v in flat))
    if text:  # else torch's TypeError of a numpy.str_ dtype
        labels = list(dict.fromkeys(flat.tolist()))
        raise ValueError(f"{who}: y holds labels {labels[:4]}{' ...' if len(labels) > 4 else ''}, but a module's loss "
                         f"reads numbers: class ids 0 to C - 1 (e.g. np.unique(y, return_inverse=True)[1], in the "
                         f"order of the network's outputs) or float targets; an rnnkit estimator takes its own labels")
    if y is not None:
        y = torch.as_tensor(np.asarray(y) if not isinstance(y, Tensor) else y).to(device)
        y = y.to(dtype) if y.is_floating_point() else y
    return Probe(module, x, lengths, y, loss_fn)


def _takes_lengths(module: nn.Module) -> bool:
    """Whether ``module(x, lengths)`` binds to its ``forward``'s signature."""
    try:
        inspect.signature(module.forward).bind(None, None)
    except TypeError:
        return False
    return True


def check_finite(x: Tensor, lengths: Tensor | None, who: str) -> None:
    """Refuse a NaN or infinity in a valid step of float ``x (B, T, F)``: it would make every later state and
    gradient of its sequence NaN, which reads as a gradient that reaches nowhere (lengths the layer will refuse
    are left to its own message)."""
    if not x.is_floating_point() or x.dim() != 3:
        return
    B, T = x.shape[:2]
    bad = ~torch.isfinite(x)  # (B, T, F)
    if lengths is not None:
        if lengths.shape != (B,) or not bool(((lengths >= 1) & (lengths <= T)).all()):
            return
        bad &= length_mask(lengths, T, B).to(x.device)[..., None]
    if bool(bad.any()):
        b, t, f = (int(i) for i in bad.nonzero()[0])
        raise ValueError(f"{who}: X holds {float(x[b, t, f])} at sequence {b}, step {t}, feature {f}, which would make "
                         f"every later state and gradient of that sequence NaN (a gradient that reaches nowhere, a "
                         f"NaN score); fill in or drop the missing values (or fit an estimator with time_aware=True, "
                         f"which reads NaN as missing)")


def _torch_rnn_hint(module: nn.Module) -> str:
    """For a module with no rnnkit layer: how to give one. A ``torch.nn`` RNN, LSTM or GRU (whose steps no hook can
    see) is converted; a cell, torch.nn's or rnnkit's, stepped by a loop of one's own is wrapped in
    ``rnnkit.Recurrent``; any other module (a Linear, a convolution) is told what the diagnostics read."""
    for path, m in module.named_modules():
        where = "it is" if not path else f"its {path!r} is"
        if type(m) in (nn.RNN, nn.LSTM, nn.GRU):
            kind = type(m).__name__
            ref = "module" if not path else f"module.{path}"
            return (f"; {where} a torch.nn.{kind}, whose steps the diagnostics cannot see: convert it with "
                    f"rnnkit.{kind}.from_torch({ref}) (the same weights, the same function)")
        if type(m).__name__ in TORCH_CELLS and type(m).__module__.startswith("torch.nn") or isinstance(m, Cell):
            fix = ("wrap it in a layer, rnnkit.Recurrent(cell)" if isinstance(m, Cell) else
                   f"{composable_fix(m, 'a layer', 'module' if not path else f'module.{path}')}, wrapped in a layer, "
                   f"rnnkit.Recurrent(cell)")
            if not path:
                return f"; it is a cell ({type(m).__name__}), one step: {fix}, and pass that layer"
            return (f"; {where} a cell ({type(m).__name__}) stepped by a loop of the model's own, which the "
                    f"diagnostics cannot see: {fix}, which unrolls it over x's steps and lengths, in place of the loop")
    return ("; the diagnostics read the steps of rnnkit's recurrent layers (rnnkit.LSTM, GRU, RNN or "
            "Recurrent(cell)): pass a model that holds one, or an rnnkit estimator (its model_ is read)")


def is_forecaster(model) -> bool:
    """Whether ``model`` is one of rnnkit's forecasters (:class:`rnnkit.Forecaster`, ``GlobalForecaster``)."""
    from ..forecast import Forecaster, GlobalForecaster

    return isinstance(model, Forecaster | GlobalForecaster)


def is_rnnkit_estimator(model) -> bool:
    """Whether ``model`` is one of rnnkit's sequence estimators (classifier, regressor, tagger)."""
    from ..estimators import SequenceClassifier, SequenceRegressor, SequenceTagger

    return isinstance(model, SequenceClassifier | SequenceRegressor | SequenceTagger)


def outermost_layers(module: nn.Module) -> list[tuple[str, nn.Module]]:
    """The rnnkit layers of ``module`` not inside another rnnkit layer, as ``(path, layer)``."""
    tops: list[tuple[str, nn.Module]] = []
    for path, m in module.named_modules():
        if isinstance(m, RNNKIT_LAYERS) and not any(path.startswith(p + ".") or p == "" for p, _ in tops):
            tops.append((path, m))
    return tops


def named_directions(module: nn.Module) -> dict[str, Recurrent]:
    """Every single-direction layer of ``module``, named ``l{layer}`` or ``l{layer}_reverse`` (torch.nn's
    suffixes), prefixed with the outermost layer's path when there are several."""
    tops = outermost_layers(module)
    named = {}
    for path, top in tops:
        if isinstance(top, Stacked):
            directions = top.directions()
        elif isinstance(top, Bidirectional):
            directions = list(top.directions)
        else:
            directions = [top]
        D = top.num_directions
        prefix = f"{path}." if len(tops) > 1 else ""
        for k, d in enumerate(directions):
            named[f"{prefix}l{k // D}" + ("_reverse" if d.reverse else "")] = d
    return named


def top_hidden(layer: nn.Module, final_state: State) -> Tensor:
    """The last layer's final hidden state(s) of an outermost rnnkit layer: ``(B, D, H)``."""
    h = hidden_of(final_state)
    if isinstance(layer, Recurrent):
        return h[:, None]
    return h[:, -layer.num_directions :]


@dataclass(eq=False)
class DirectionRun:
    """What one direction saw and did during an instrumented forward pass.

    ``x (B, T, F)`` its input as given (before its own reversal), ``lengths (B,)`` or None, ``state0`` the
    state before the first step, ``trace`` the state after every processed step (processing order: the last
    valid step first when the layer reverses), ``output (B, T, H)`` in time order."""

    layer: Recurrent
    x: Tensor
    lengths: Tensor | None
    state0: State
    trace: list = field(default_factory=list)
    output: Tensor | None = None


@dataclass(eq=False)
class Recording:
    """Filled during an instrumented forward pass: one :class:`DirectionRun` per named direction, and the
    ``(layer, output, final_state)`` of each outermost rnnkit layer call, in call order."""

    runs: dict[str, DirectionRun] = field(default_factory=dict)
    top_calls: list[tuple[nn.Module, Tensor, State]] = field(default_factory=list)

    def check(self) -> None:
        """Raise unless some direction ran its step loop (and so filled its trace)."""
        if not self.runs or not any(run.trace for run in self.runs.values()):
            raise ValueError(
                "diagnostics: no rnnkit Recurrent layer ran its step loop in the forward pass, so there are "
                "no per-step states to look at; layers computed another way (MinGRU/MinLSTM in "
                "mode='parallel', a log-space scan) need their sequential mode"
            )


@contextmanager
def reference_eval(module: nn.Module) -> Iterator[None]:
    """Eval mode and ``backend="reference"`` on every Stacked inside ``module``; both restored afterwards.

    Each submodule's own ``training`` flag is restored (a model may hold modules in different modes)."""
    modes = [(m, m.training) for m in module.modules()]
    backends = [(m, m.backend) for m in module.modules() if isinstance(m, Stacked)]
    try:
        module.eval()
        for m, _ in backends:
            m.backend = "reference"
        yield
    finally:
        for m, mode in modes:
            m.training = mode
        for m, backend in backends:
            m.backend = backend


@contextmanager
def instrumented(module: nn.Module) -> Iterator[Recording]:
    """Run ``module`` in :func:`reference_eval` with every direction traced; yields the :class:`Recording`."""
    recording = Recording()
    directions = named_directions(module)
    previous_traces = {name: layer.trace for name, layer in directions.items()}
    handles = []

    def before(name: str, layer: Recurrent):
        signature = inspect.signature(layer.forward)

        def hook(_, args, kwargs):
            if name in recording.runs:
                raise ValueError(f"diagnostics: direction {name!r} ran twice in one forward pass; the "
                                 f"diagnostics need each recurrent layer called once")
            bound = signature.bind(*args, **kwargs).arguments
            x, lengths, state = bound["x"], bound.get("lengths"), bound.get("state")
            if lengths is not None:
                lengths = torch.as_tensor(lengths).to(device=x.device, dtype=torch.long)
            if state is None:
                state = layer.initial_state(x.shape[0], device=x.device, dtype=x.dtype)
            layer.trace = []
            recording.runs[name] = DirectionRun(layer, x, lengths, state, layer.trace)

        return hook

    def after(name: str):
        def hook(_, args, output):
            recording.runs[name].output = output[0]

        return hook

    def top_after(layer, args, output):
        recording.top_calls.append((layer, output[0], output[1]))

    try:
        with reference_eval(module):
            for name, layer in directions.items():
                handles.append(layer.register_forward_pre_hook(before(name, layer), with_kwargs=True))
                handles.append(layer.register_forward_hook(after(name)))
            for _, top in outermost_layers(module):
                handles.append(top.register_forward_hook(top_after))
            yield recording
    finally:
        for handle in handles:
            handle.remove()
        for name, layer in directions.items():
            layer.trace = previous_traces[name]


def class_rows(y: Tensor, C: int) -> str | None:
    """What a ``y`` of one row of C values per sequence (or step) is, where its rows read as classes: ``"one-hot
    rows"`` (each a single 1 among 0s) or ``"class probabilities"`` (floats in [0, 1] summing to 1); None otherwise.
    Both name a class per row, ``y.argmax(-1)``, where the diagnostics read class ids."""
    if y.dim() < 2 or y.shape[-1] != C or C < 2 or y.is_complex() or not y.numel():
        return None
    v = y.double()
    if not bool(torch.isfinite(v).all()) or bool((v < 0).any()) or bool((v > 1).any()):
        return None
    if not bool(torch.allclose(v.sum(-1), torch.ones((), dtype=v.dtype), atol=1e-3)):
        return None
    return "one-hot rows" if bool(((v == 0) | (v == 1)).all()) else "class probabilities"


def check_sample(sample, B: int, who: str) -> None:
    """Refuse a ``plot(sample=...)`` that is not the index of one of the result's ``B`` sequences."""
    if not (is_integer(sample) and -B <= sample < B):
        raise ValueError(f"{who}: sample must be the index of one of the {B} sequences the result holds (0 to "
                         f"{B - 1}), got {sample!r}")


def valid_steps(B: int, T: int, lengths: Tensor | None, device=None) -> Tensor:
    """``(B, T)`` bool, True at steps ``t < lengths[b]`` (:func:`rnnkit.cells.base.length_mask`)."""
    return length_mask(lengths, T, B).to(device if lengths is None else lengths.device)


def masked_mean(values: np.ndarray, valid: np.ndarray, axis: int = 0) -> np.ndarray:
    """Mean of ``values`` over ``axis`` counting only ``valid`` entries; NaN where none is valid."""
    count = valid.sum(axis=axis)
    total = np.where(valid, values, 0.0).sum(axis=axis)
    return np.divide(total, count, out=np.full(total.shape, np.nan), where=count > 0)
