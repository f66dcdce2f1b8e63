"""The LightningModule that trains rnnkit models by backpropagation through time, full or truncated.

Lightning runs the loop (devices, precision, logging, checkpoints); the recurrent part stays here, in
:meth:`SequenceModule.training_step`::

    state = None
    for chunk in time_chunks(batch, tbptt_steps):       # one chunk, the whole batch, unless truncated
        loss, state = loss of the chunk, starting from state
        opt.zero_grad(); loss.backward(); clip; opt.step()
        state = detach(state)                           # truncation: no gradient into earlier chunks

Full BPTT (Rumelhart et al. 1986; Werbos 1990) is the case of one chunk. Truncated BPTT (Williams & Peng
1990) carries the state forward across chunks but cuts the graph between them, so memory grows with the chunk
length, not with the sequence length, and the weights are updated after every chunk.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from typing import NamedTuple

import lightning as L
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import clip_grad_value_, clip_grads_with_norm_, get_total_norm
from torch.nn.utils.rnn import PackedSequence
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, default_collate

from ..cells.base import State, detach_state, length_mask, map_state
from ..checks import check_flags, closest_name, fold_name, is_count
from ..layers.checks import check_lengths, states_carried
from .data import Batch, SequenceDataset, TokenStreams, time_first_hint

# The option checks and the errors of a run need no Lightning: they live in .runs, named here too.
from .runs import (  # noqa: F401
    LR_SCHEDULES,
    TASKS,
    NonFiniteError,
    NonFiniteGradientError,
    NonFiniteLossError,
    check_clip_thresholds,
    check_label_smoothing,
    check_training_options,
)


class Chunk(NamedTuple):
    """Steps ``[start, stop)`` of the sequences that have not ended before ``start``.

    ``rows`` indexes those sequences in the batch (None: all of them); ``lengths`` are their valid steps in
    the chunk; ``ends[b]`` says whether sequence b's last valid step falls in the chunk (its label is due);
    ``weights`` are their weights in the loss (None: equal)."""

    start: int
    stop: int
    rows: Tensor | None
    x: Tensor
    lengths: Tensor
    y: Tensor | None
    ends: Tensor
    weights: Tensor | None = None


def time_chunks(batch, steps: int | None, *, per_step: bool) -> Iterator[Chunk]:
    """Cut a batch into chunks of ``steps`` time steps (``None``: one chunk of the whole batch).

    Sequences that ended before a chunk are left out of it, so a chunk never contains an empty sequence and
    an ended sequence's state is left as it was at its last valid step.
    """
    x, lengths, y, weights = batch.x, batch.lengths, batch.y, getattr(batch, "weights", None)
    B, T = x.shape[:2]
    if y is not None and not isinstance(y, Tensor):  # else an AttributeError of the list or array, deep inside
        raise ValueError(f"SequenceModule: the batch's targets y are a {type(y).__name__}; give them as a tensor "
                         f"(torch.as_tensor(y)) from the DataLoader's collate_fn")
    if weights is not None:
        check_batch_weights(weights, B)
    if y is not None and len(y) != B:  # before y[rows] picks the wrong targets or fails in indexing
        raise ValueError(f"the batch has {B} sequences in x but {len(y)} targets in y (shape {tuple(y.shape)})"
                         + time_first_hint(x, len(y)))
    if per_step and y is not None and y.dim() < 2:  # else an IndexError as y is cut into the chunks' steps
        raise ValueError(f"SequenceModule: the model predicts one output per step (target='step'), so y must hold one "
                         f"target per step, (B, T, ...) = ({B}, {T}, ...), got shape {tuple(y.shape)}: one target per "
                         f"sequence? a model of one prediction per sequence is SequenceToLabel")
    if lengths is None:
        lengths = torch.full((B,), T, dtype=torch.long, device=x.device)
    else:  # a list, numpy's ints, lengths on another device; else 0 or > T would leave sequences out of the loss
        lengths = check_lengths(lengths, B, T, x.device, "SequenceModule (a batch)")
    if steps is not None and not is_count(steps):  # 0 would be read as None (one chunk), -2 as no chunk: no loss
        raise ValueError(f"time_chunks: steps must be an integer >= 1 (time steps per chunk) or None (one chunk of "
                         f"the whole batch), got {steps!r}")
    steps = steps or T
    for start in range(0, T, steps):
        stop = min(start + steps, T)
        active = lengths > start
        if not bool(active.any()):
            return
        rows = None if bool(active.all()) else active.nonzero()[:, 0]
        pick = slice(None) if rows is None else rows
        n = lengths[pick]
        y_chunk = None if y is None else (y[pick, start:stop] if per_step else y[pick])
        yield Chunk(start, stop, rows, x[pick, start:stop], (n - start).clamp(max=stop - start), y_chunk,
                    n <= stop, None if weights is None else weights[pick])


def check_batch_weights(weights, B: int) -> None:
    """ValueError unless a batch's ``weights`` are a tensor of ``B`` finite numbers >= 0 (a negative weight would
    push its sequence's loss up; a NaN would leave the whole batch out of training, its weights' sum not > 0)."""
    if not isinstance(weights, Tensor) or weights.shape != (B,) or weights.is_complex() or weights.dtype == torch.bool:
        got = f"shape {tuple(weights.shape)} and dtype {weights.dtype}" if isinstance(weights, Tensor) else \
            f"a {type(weights).__name__}"
        raise ValueError(f"SequenceModule: the batch's weights must be a real tensor of one weight per sequence, "
                         f"shape (B,) = ({B},), got {got}")
    bad = (weights < 0) | ~torch.isfinite(weights) if weights.is_floating_point() else weights < 0
    if bool(bad.any()):
        i = int(bad.nonzero()[0, 0])
        raise ValueError(f"SequenceModule: the batch's weights must be finite numbers >= 0 (0 leaves a sequence out "
                         f"of the loss), got {weights[i].item()} for sequence {i} of the batch "
                         f"({int(bad.sum())} such weight(s))")


class SequenceModule(L.LightningModule):
    """Train a model of :mod:`rnnkit.models` (or any module with the same ``forward`` and ``target``).

    Args:
        model: returns ``(prediction, state)``; its ``target`` attribute is ``"label"`` (one prediction per
            sequence), ``"step"`` (one per step) or ``"decoder"`` (an :class:`~rnnkit.models.EncoderDecoder`).
        task: ``"classification"`` (cross-entropy on logits, integer targets) or ``"regression"`` (mean
            squared error).
        lr, weight_decay: AdamW's (Loshchilov & Hutter 2019; ``weight_decay=0`` is Adam).
        clip_grad_norm: rescale the gradient to at most this global L2 norm (default 1.0; Pascanu et al. 2013,
            "On the difficulty of training recurrent neural networks"). None: off.
        clip_grad_value: instead clamp every gradient entry to ``[-v, v]``. Set at most one of the two.
        tbptt_steps: None for full BPTT; k >= 1 for truncated BPTT in chunks of k steps, one optimizer step
            per chunk that has a loss. A label is due in the chunk holding its sequence's last step.
        stateful: carry the final state of each batch into the next (detached), for one long stream read in
            consecutive windows (:class:`~rnnkit.training.TokenStreams`); reset at every epoch.
        lr_schedule: None (default) keeps ``lr`` constant; ``"onecycle"`` is PyTorch's ``OneCycleLR``
            (Smith & Topin 2019): the rate rises from ``lr / 25`` to ``lr`` over the first 30 % of the run's
            batches (``trainer.estimated_stepping_batches``), then anneals by a cosine to ``lr / 1e4``;
            stepped once per batch. A schedule of one's own: a subclass's ``configure_optimizers`` returns it
            (Lightning's ``{"optimizer": ..., "lr_scheduler": ...}``), and :meth:`step_schedules` steps it.
        label_smoothing: ``eps`` in ``[0, 1)``, classification only: the training loss is the cross-entropy
            against ``(1 - eps)`` times the one-hot label plus ``eps / C`` on each of the ``C`` classes (Szegedy
            et al. 2016; ``torch.nn.functional.cross_entropy``'s ``label_smoothing``), so the logits of a small
            training set are not pushed towards certainty; 0 (default) is the plain cross-entropy. The
            validation loss (early stopping's) stays the plain cross-entropy of the labels.

    A batch is a :class:`~rnnkit.training.Batch` or any object with its fields (``SequenceBatch`` of
    :func:`~rnnkit.data.pad_collate`), an ``(x, y)`` pair of tensors (every step valid) or a dict with
    ``Batch``'s keys (:func:`as_batch`). A batch with ``weights`` (one per sequence) trains on their weighted mean
    loss (:meth:`loss`); validation's ``val_loss`` and ``val_accuracy`` are weighted alike.

    Every optimizer step logs ``train_loss`` and ``grad_norm`` (the global gradient norm before clipping);
    validation logs ``val_loss`` (and ``val_accuracy`` for classification). A non-finite loss or gradient
    raises :class:`NonFiniteLossError` / :class:`NonFiniteGradientError` before the step is applied.
    ``history`` holds the mean training and validation loss of every epoch. A fit resumed from a checkpoint
    trains at this module's ``lr`` and ``weight_decay`` (the optimizer's moments come from the checkpoint).
    """

    def __init__(
        self,
        model: nn.Module,
        *,
        task: str = "classification",
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        clip_grad_norm: float | None = 1.0,
        clip_grad_value: float | None = None,
        tbptt_steps: int | None = None,
        stateful: bool = False,
        lr_schedule: str | None = None,
        label_smoothing: float = 0.0,
    ):
        super().__init__()
        if not isinstance(task, str) or task not in TASKS:  # 'regress' (a Task's kind), 'Classification'
            close = closest_name(fold_name(task), TASKS, cutoff=0.5) if isinstance(task, str) else None
            raise ValueError(f"SequenceModule: task must be one of {TASKS}, got {task!r}"
                             + (f"; did you mean {close!r}?" if close else ""))
        if lr_schedule not in LR_SCHEDULES:
            own = not isinstance(lr_schedule, str) and lr_schedule is not None  # a scheduler class or object
            raise ValueError(f"lr_schedule must be one of {LR_SCHEDULES}, got {lr_schedule!r}" + (
                "; a schedule of one's own is returned by a subclass's configure_optimizers ({'optimizer': opt, "
                "'lr_scheduler': torch.optim.lr_scheduler.StepLR(opt, ...)}), which the module steps" if own else ""))
        check_label_smoothing(label_smoothing, task)
        self.automatic_optimization = False  # the loop below calls backward, clip and step itself
        if not isinstance(model, nn.Module):
            raise ValueError(f"SequenceModule: model must be a torch.nn.Module (a model of rnnkit.models: "
                             f"SequenceToLabel, SequenceToSequence, ...), got {type(model).__name__}")
        target = getattr(model, "target", None)
        if target is None:  # a module of one's own: say what it needs, not only the attribute
            raise ValueError(f"SequenceModule: model {type(model).__name__} has no target attribute; it trains a "
                             f"model of rnnkit.models (SequenceToLabel, SequenceToSequence, EncoderDecoder), or a "
                             f"module with their forward (returning (prediction, state)) and target = 'label' (one "
                             f"prediction per sequence), 'step' (one per step) or 'decoder'")
        if target not in ("label", "step", "decoder"):
            raise ValueError(f"model.target must be 'label', 'step' or 'decoder', got {target!r}")
        meta = next((name for name, p in model.named_parameters() if p.is_meta), None)
        if meta is not None:  # else torch's "Cannot copy out of meta tensor; no data!" as Lightning moves it
            raise ValueError(f"SequenceModule: the model's parameters are on the 'meta' device ({meta}), which holds "
                             f"no values to train or evaluate; build the model on a real device (without "
                             f"device='meta'), or give it weights first: model.to_empty(device='cpu') and an "
                             f"initialisation, or model.load_state_dict(weights, assign=True)")
        check_training_options(task=task, lr=lr, weight_decay=weight_decay, clip_grad_norm=clip_grad_norm,
                               clip_grad_value=clip_grad_value, tbptt_steps=tbptt_steps)
        check_flags(stateful=stateful)
        kind = getattr(model, "output_kind", None) if target == "decoder" else None
        if kind in TASKS and kind != task:  # else a loss of the other kind, refusing the targets with a wrong fix
            raise ValueError(f"SequenceModule: the {type(model).__name__} has output_kind={kind!r} but the module "
                             f"task={task!r}; give SequenceModule(model, task={kind!r}) (the loss follows the "
                             f"decoder's outputs: cross-entropy over classes, or the squared error of values)")
        encoder = getattr(model, "encoder", None)
        if (tbptt_steps is not None or stateful) and target == "decoder":
            raise ValueError("truncated BPTT and stateful training do not apply to an EncoderDecoder")
        if (tbptt_steps is not None or stateful) and getattr(encoder, "bidirectional", False):
            raise ValueError("truncated BPTT and stateful training need a unidirectional model: the backward "
                             "direction reads the future, which a chunk does not have")
        if tbptt_steps is not None and getattr(getattr(model, "head", None), "pooling", "final") not in (
                "final", "last"):
            raise ValueError("truncated BPTT needs pooling='final' or 'last': mean and max pooling span all "
                             "chunks, beyond the truncation")
        self.model, self.task, self.target = model, task, target
        self.lr, self.weight_decay, self.lr_schedule = lr, weight_decay, lr_schedule
        self.clip_grad_norm, self.clip_grad_value = clip_grad_norm, clip_grad_value
        self.tbptt_steps, self.stateful = tbptt_steps, stateful
        self.label_smoothing = float(label_smoothing)
        self.carried_state: State | None = None
        self._resumed = False  # set by on_load_checkpoint, read by on_train_start
        self._train_carried_state: State | None = None
        self.history: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
        self._epoch_losses: list[float] = []

    def forward(self, *args, **kwargs):
        return self.model(*args, **kwargs)

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        if self.lr_schedule is None:
            return opt
        steps = self.trainer.estimated_stepping_batches
        if math.isinf(steps):  # else torch's "Expected positive integer total_steps, but got inf"
            raise ValueError(f"SequenceModule: lr_schedule={self.lr_schedule!r} warms up and decays over the whole "
                             "fit, but the trainer sets it no length (max_epochs=-1 and no max_steps: it ends by "
                             "max_time or by hand); give max_epochs or max_steps (the schedule spans them), or "
                             "lr_schedule=None for a constant rate")
        schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=self.lr, total_steps=max(1, steps))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}

    # -- the training loop -----------------------------------------------------------------------------------
    def training_step(self, batch, batch_idx: int) -> None:
        batch = as_batch(batch)
        opt = self.optimizers()
        state = self.carried_state if self.stateful else None
        for chunk in self.chunks(batch):
            out, y, state = self.chunk_outputs(batch, chunk, state)
            if state is None and (self.stateful or chunk.stop < batch.x.shape[1]):
                self.refuse_stateless()
            weights = self.target_weights(batch, chunk)
            # some targets fall in this chunk, and not all of weight 0 (their mean would be 0 / 0)
            if len(y) and (weights is None or bool(weights.sum() > 0)):
                loss = self.loss(out, y) if weights is None else self.loss(out, y, weights)
                self.check_finite(loss, "loss", NonFiniteLossError, batch_idx, chunk, batch)
                opt.zero_grad()
                self.manual_backward(loss)  # loss.backward(), with Lightning's AMP loss scaling and DDP sync
                grad_norm = self.clip_gradients_(batch_idx, chunk, batch)
                opt.step()
                self.log("train_loss", loss.detach(), on_step=True, on_epoch=True, prog_bar=True,
                         batch_size=len(y))
                self.log("grad_norm", grad_norm, on_step=True, on_epoch=False)
                self._epoch_losses.append(loss.item())
            state = detach_state(state)  # truncation: the next chunk's gradient stops here
        if self.stateful:
            self.carried_state = state
        self.step_schedules("step", batch_idx)

    def step_schedules(self, interval: str, batch_idx: int = 0) -> None:
        """Step the learning-rate schedules of ``interval`` (``"step"``: after every batch, ``"epoch"``: after every
        epoch, each every ``frequency`` of them), as Lightning steps them under automatic optimization, which this
        module does not use: the one-cycle schedule of ``lr_schedule`` and those a subclass's
        ``configure_optimizers`` returns. A ``ReduceLROnPlateau`` is stepped with the epoch's ``val_loss``
        (Lightning drops a schedule's ``monitor`` under manual optimization)."""
        for config in self.trainer.lr_scheduler_configs:
            count = batch_idx + 1 if interval == "step" else self.current_epoch + 1
            if config.interval != interval or count % config.frequency:
                continue
            if not isinstance(config.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                config.scheduler.step()
                continue
            metric = self.trainer.callback_metrics.get("val_loss")
            if metric is None or interval == "step":  # else torch's "missing 1 required positional argument"
                raise ValueError("SequenceModule: a ReduceLROnPlateau schedule is stepped with the epoch's val_loss, "
                                 + ("which this fit has not logged; give the fit validation data" if metric is None
                                    else "so once per epoch: return it with 'interval': 'epoch'"))
            config.scheduler.step(metric)

    def refuse_stateless(self) -> None:
        """ValueError for a model that returns no state (None) where truncated BPTT or ``stateful`` would carry it:
        every chunk or batch would start from a fresh state, without a word."""
        how = "stateful=True carries it from batch to batch" if self.stateful else \
            f"tbptt_steps={self.tbptt_steps} carries it from chunk to chunk"
        raise ValueError(f"SequenceModule: the model {type(self.model).__name__} returned no final state (None), "
                         f"but {how}, so each would start afresh; an Ensemble has no one state: train each member "
                         f"alone (SequenceModule(member, ...)) and join them with Ensemble(members); a model of one's "
                         f"own returns (prediction, final_state)")

    def chunks(self, batch) -> Iterator[Chunk]:
        steps = None if self.target == "decoder" else self.tbptt_steps
        return time_chunks(batch, steps, per_step=self.target == "step")

    def chunk_outputs(self, batch, chunk: Chunk, state: State | None):
        """Run the model over one chunk from ``state``; return the predictions that have a target in the
        chunk, ``(N, O)``, those targets ``(N, ...)``, and the state after the chunk (all rows of the
        batch)."""
        if self.target == "decoder":
            out, state = self.model(chunk.x, chunk.lengths, batch.y, batch.y_lengths)  # (B, T_out, O)
            return self.valid_steps(out, batch.y, batch.y_lengths) + (state,)
        self.check_batch(batch)  # shapes only: no sync
        rows = chunk.rows
        if state is not None and (self.stateful or rows is not None) and \
                (got := hidden_batch(state)) != batch.x.shape[0]:
            layers = ("the model's state is not batch-first: states are (batch, ...), since a state is carried per "
                      "sequence across chunks and batches; torch.nn.LSTM / GRU give (num_layers, batch, hidden), so "
                      "return h.transpose(0, 1) (and take it back with state.transpose(0, 1).contiguous()), or h[-1] "
                      "for one layer")
            if rows is not None:  # within one batch: the state came from this batch's first chunk
                raise ValueError(f"the model returned a state of {got} rows for a batch of {batch.x.shape[0]} "
                                 f"sequences: {layers}")
            raise ValueError(f"stateful training needs every batch to have the same size; got {batch.x.shape[0]} "
                             f"after {got} (or {layers})")
        state_in = state if state is None or rows is None else map_state(lambda s: s[rows], state)
        # the model's own state of the last chunk or batch: a NaN in it is x's or the weights', named by the loss guard
        with states_carried() if state_in is not None else contextlib.nullcontext():
            out, new = self.model(chunk.x, chunk.lengths, state_in)
        # Sequences left out of this chunk keep the state of their last valid step.
        state = new if rows is None else map_state(lambda s, n: s.index_copy(0, rows, n), state, new)
        if self.target == "label":
            return out[chunk.ends], chunk.y[chunk.ends], state
        return self.valid_steps(out, chunk.y, chunk.lengths) + (state,)

    def target_weights(self, batch, chunk: Chunk) -> Tensor | None:
        """The weight of each target :meth:`chunk_outputs` returns, ``(N,)``: its sequence's, repeated over the
        sequence's valid steps for per-step targets; None when the batch has no ``weights``."""
        if chunk.weights is None:
            return None
        if self.target == "label":
            return chunk.weights[chunk.ends]
        lengths, y = (chunk.lengths, chunk.y) if self.target == "step" else (batch.y_lengths, batch.y)
        steps = chunk.weights[:, None].expand(-1, y.shape[1])  # (B, T)
        return steps.flatten() if lengths is None else steps[length_mask(lengths, y.shape[1])]

    @staticmethod
    def valid_steps(out: Tensor, y: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor]:
        """Per-step outputs ``(B, T, O)`` and targets ``(B, T, ...)`` at the valid steps only:
        ``(N, O)`` and ``(N, ...)``."""
        if lengths is None:
            return out.flatten(0, 1), y.flatten(0, 1)
        valid = length_mask(lengths, out.shape[1])  # (B, T)
        return out[valid], y[valid]

    def check_batch(self, batch) -> None:
        """ValueError unless the batch's targets match its inputs: one per sequence (``target="label"``) or one
        per step (``"step"``), for the same ``B`` sequences (an EncoderDecoder checks its own)."""
        x, y = batch.x, batch.y
        if y is None:
            raise ValueError("SequenceModule: the batch has no targets y; training and validation need them")
        per = "one per step, (B, T, ...)" if self.target == "step" else "one per sequence, (B, ...)"
        if y.shape[:1] != x.shape[:1] or (self.target == "step" and y.shape[1:2] != x.shape[1:2]):
            raise ValueError(f"SequenceModule: the batch's targets y have shape {tuple(y.shape)} but x has shape "
                             f"{tuple(x.shape)}; the model (target={self.target!r}) needs {per}"
                             + time_first_hint(x, len(y)))

    def check_targets(self, out: Tensor, y: Tensor) -> None:
        """ValueError unless ``y`` fits the predictions ``out (N, O)``: class ids in ``[0, O)`` (whole numbers,
        so a float 1.5 is not truncated to 1), or ``N * O`` values. One check per loss, no sync for regression."""
        if self.task == "regression":
            if y.numel() != out.numel():
                raise ValueError(f"SequenceModule: regression targets of shape {tuple(y.shape)} do not match the "
                                 f"model's predictions {tuple(out.shape)} (output_size={out.shape[-1]})")
            return
        C = out.shape[-1]
        if C == 1:  # log_softmax of one logit is 0: a loss of 0 and no gradient, whatever the weights
            raise ValueError("SequenceModule: task='classification' with a model of 1 output, whose cross-entropy is 0 "
                             "whatever its weights, so it would learn nothing; give the model one output per class "
                             "(output_size=2 for two classes), or task='regression' for a value")
        if y.dim() != 1 or y.is_complex():
            one_hot = y.dim() == 2 and y.shape[-1] == C
            hint = ("; one-hot? pass y.argmax(-1)" if one_hot else
                    "; a column of ids (a label of shape (1,) per item)? give each label without its last axis "
                    "(y.squeeze(-1))" if y.dim() == 2 and y.shape[-1] == 1 else "")
            raise ValueError(f"SequenceModule: classification needs one integer class id per "
                             f"{'step' if self.target == 'step' else 'sequence'}, got targets of shape "
                             f"{tuple(y.shape)} and dtype {y.dtype}{hint}")
        bad = (y < 0) | (y >= C)
        if y.is_floating_point():
            bad |= y != y.round()  # NaN too
        if bool(bad.any()):
            value = y[bad.nonzero()[0, 0]].item()
            lengths = "y_lengths" if self.target == "decoder" else "lengths"
            fix = (f"; padding (torch's ignore_index is -100)? every step before the batch's {lengths} is read as a "
                   f"target, so give {lengths} (Batch(x, lengths, y"
                   + (", y_lengths" if self.target == "decoder" else "") + ")) to leave the padded steps out"
                   if value < 0 and self.target != "label" else "; check output_size or the labels")
            raise ValueError(f"SequenceModule: class targets must be integer ids in [0, {C}) for the model's "
                             f"{C} outputs, got {value!r}{fix}")

    def loss(self, out: Tensor, y: Tensor, weights: Tensor | None = None) -> Tensor:
        """The mean loss of the targets ``y`` given the predictions ``out (N, O)``: cross-entropy or squared
        error (a regression target's over its ``O`` outputs). With ``weights (N,)``, their weighted mean
        ``sum_i w_i l_i / sum_i w_i``, as scikit-learn's and Keras' ``sample_weight``: equal weights give the
        mean, a weight of 0 leaves a target out. In training, a classifier's labels are smoothed by
        ``label_smoothing``; in validation they are not."""
        self.check_targets(out, y)
        if self.task == "classification":
            eps = self.label_smoothing if self.training else 0.0  # Lightning validates in eval mode
            if weights is None:
                return F.cross_entropy(out, y.long(), label_smoothing=eps)
            losses = F.cross_entropy(out, y.long(), reduction="none", label_smoothing=eps)  # (N,)
        else:
            dtype = torch.promote_types(out.dtype, y.dtype)  # bf16 outputs under autocast: compare in float32
            if weights is None:
                return F.mse_loss(out.to(dtype), y.to(dtype).view_as(out))
            losses = F.mse_loss(out.to(dtype), y.to(dtype).view_as(out), reduction="none").flatten(1).mean(1)
        weights = weights.to(losses.dtype)
        return (weights * losses).sum() / weights.sum()

    # -- gradient clipping and the non-finite guard ----------------------------------------------------------
    def clip_gradients_(self, batch_idx: int, chunk: Chunk, batch) -> Tensor:
        """Clip the gradients in place (:func:`clip_gradients`); return the global norm before clipping."""
        scale = self.loss_scale()
        norm = clip_gradients(self.parameters(), max_norm=self.clip_grad_norm, max_value=self.clip_grad_value,
                              scale=scale)
        if scale == 1.0:  # under fp16 an overflow is the grad scaler's business: it skips the step
            self.check_finite(norm, "gradient norm", NonFiniteGradientError, batch_idx, chunk, batch)
        return norm

    def loss_scale(self) -> float:
        scaler = getattr(self.trainer.precision_plugin, "scaler", None)  # fp16 AMP's GradScaler, else None
        return 1.0 if scaler is None else float(scaler.get_scale())

    def check_finite(self, value: Tensor, what: str, error: type[NonFiniteError], batch_idx: int,
                     chunk: Chunk, batch) -> None:
        if bool(torch.isfinite(value).all()):
            return
        checkpoint = None
        callback = self.trainer.checkpoint_callback if self._trainer is not None else None
        if callback is not None:
            checkpoint = callback.last_model_path or callback.best_model_path or None
        where = f"epoch {self.current_epoch}, batch {batch_idx}, time steps {chunk.start}..{chunk.stop - 1}"
        kept = (f"the last good checkpoint is {checkpoint}" if checkpoint else
                "no checkpoint had been written yet (the first is written at the end of the first epoch)"
                if callback is not None else
                "no checkpoint had been written (enable checkpointing, e.g. log_dir=..., to keep one)")
        # a NaN or infinity in the batch itself makes the loss non-finite whatever the learning rate
        in_data = non_finite_data(batch, chunk)
        fix = in_data or "Try a lower learning rate, gradient clipping, or check the data for extreme values."
        raise error(f"non-finite {what} ({float(value.detach().float().sum())}) at optimizer step "
                    f"{self.global_step} ({where}); training stopped before applying this step; {kept}. {fix}",
                    step=self.global_step, checkpoint=checkpoint, in_data=in_data is not None, lr=float(self.lr))

    # -- validation ------------------------------------------------------------------------------------------
    def validation_step(self, batch, batch_idx: int) -> None:
        batch = as_batch(batch)
        state = self.carried_state if self.stateful else None
        chunk = next(time_chunks(batch, None, per_step=self.target == "step"))
        out, y, state = self.chunk_outputs(batch, chunk, state)
        weights = self.target_weights(batch, chunk)
        if self.stateful:
            self.carried_state = state
        # the epoch's value is the mean of the batches' weighted by batch_size: weighted by the targets' weights,
        # it is their weighted mean over the whole validation set. A float: under DDP Lightning averages the
        # processes' summed batch sizes in the sum's dtype, and an integer sum (5 sequences over 2 processes) would
        # floor to 2, inflating val_loss by 2.5 / 2 (Lightning issue #21859)
        size = float(len(y)) if weights is None else float(weights.sum())
        if not size:
            return
        loss = self.loss(out, y) if weights is None else self.loss(out, y, weights)  # subclasses: loss(out, y)
        self.log("val_loss", loss, on_epoch=True, prog_bar=True, sync_dist=True,
                 batch_size=size)
        if self.task == "classification":
            hits = (out.argmax(-1) == y).float()
            accuracy = hits.mean() if weights is None else (weights * hits).sum() / weights.sum()
            self.log("val_accuracy", accuracy, on_epoch=True, sync_dist=True, batch_size=size)

    # -- state between epochs and across checkpoints ---------------------------------------------------------
    def configure_callbacks(self) -> list:
        """A :class:`~rnnkit.training.trainer.GeneratorState` for the training data given to ``trainer.fit``, unless
        the trainer has one already (:func:`~rnnkit.training.seeded_fit` adds it): its checkpoints keep the state of
        the generators that shuffle it (a DataLoader's own, ``DataLoader(..., shuffle=True, generator=g)``, or its
        sampler's; a ``LightningDataModule``'s generator attributes), so a fit resumed from one reads the epochs'
        orders of an uninterrupted fit, not epoch 0's again. Lightning attaches it before it restores a checkpoint,
        and restores it before the loader draws its first batch. A data module's loader shuffled by a
        generator made inside ``train_dataloader()`` cannot be restored: a resumed fit warns
        (:class:`~rnnkit.training.SequenceDataModule` seeds each epoch's order instead)."""
        from .trainer import GeneratorState

        source = getattr(self.trainer.fit_loop, "_data_source", None)  # what trainer.fit was given
        if any(isinstance(c, GeneratorState) for c in self.trainer.callbacks):
            return []
        return [GeneratorState(getattr(source, "instance", None))]

    def setup(self, stage: str) -> None:
        from lightning.pytorch.callbacks import EarlyStopping

        from .trainer import restart_early_stopping

        if stage == "fit":  # before a checkpoint restores the callbacks of a resumed fit
            for callback in self.trainer.callbacks:
                if isinstance(callback, EarlyStopping):
                    restart_early_stopping(callback)

    def on_fit_start(self) -> None:
        check_monitors(self, self.trainer.callbacks)

    def on_train_start(self) -> None:
        from lightning.pytorch.callbacks import EarlyStopping

        from .trainer import has_stopped

        check_training_loader(self.trainer.train_dataloader, stateful=self.stateful)
        resumed, self._resumed = self._resumed, False
        if resumed and any(isinstance(c, EarlyStopping) and has_stopped(c) for c in self.trainer.callbacks):
            self.trainer.should_stop = True  # a rerun of a fit its early stopping had ended trains nothing more
        if resumed and type(self).configure_optimizers is SequenceModule.configure_optimizers:
            self.check_resumed_optimizer()

    def check_resumed_optimizer(self) -> None:
        """After a resume: the optimizer's state from the checkpoint holds the lr and weight decay of the run that
        wrote it, which would replace this module's without a word; they are set back to this module's. A one-cycle
        schedule's peak and length are its own, so another ``lr`` or another number of steps is refused (torch
        would stop the fit with "Tried to step N times" once the old schedule ran out)."""
        if self.lr_schedule is None:
            for group in self.optimizers().param_groups:
                group["lr"], group["weight_decay"] = self.lr, self.weight_decay
            return
        schedule = self.lr_schedulers()
        peak, steps = schedule.optimizer.param_groups[0]["max_lr"], schedule.total_steps
        wanted = max(1, self.trainer.estimated_stepping_batches)
        if peak != self.lr or steps != wanted:
            raise ValueError(f"SequenceModule: the checkpoint's one-cycle schedule peaks at lr={peak!r} over {steps} "
                             f"batches, but this fit has lr={self.lr!r} over {wanted}; a resumed schedule keeps its "
                             f"own peak and length: resume with the lr, max_epochs and batches of the run that wrote "
                             f"it, or train anew (ckpt_path=None)")

    def on_validation_start(self) -> None:
        # validation carries the state from batch to batch as training does (from a fresh one), so its loaders
        # need the same order; checked here, as the sanity check reads them before training starts
        loaders = self.trainer.val_dataloaders
        for loader in loaders if isinstance(loaders, list | tuple) else [loaders]:
            check_training_loader(loader, stateful=self.stateful, which="validation")

    def on_train_epoch_start(self) -> None:
        self.carried_state = None
        self._epoch_losses = []
        # Lightning sets the epoch of a loader's sampler and of its batch sampler's sampler, not of a batch sampler
        # itself (rnnkit.data.BucketBatchSampler): a run resumed from a checkpoint would draw epoch 0's batches
        batch_sampler = getattr(self.trainer.train_dataloader, "batch_sampler", None)
        if callable(getattr(batch_sampler, "set_epoch", None)):
            batch_sampler.set_epoch(self.current_epoch)

    def on_train_epoch_end(self) -> None:
        if self._epoch_losses:
            self.history["train_loss"].append(sum(self._epoch_losses) / len(self._epoch_losses))
        self.step_schedules("epoch")  # after validation, before the epoch's checkpoint is written

    def on_validation_epoch_start(self) -> None:
        self._train_carried_state, self.carried_state = self.carried_state, None

    def on_validation_epoch_end(self) -> None:
        self.carried_state = self._train_carried_state
        if not self.trainer.sanity_checking and "val_loss" in self.trainer.callback_metrics:
            self.history["val_loss"].append(float(self.trainer.callback_metrics["val_loss"]))

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        # Lightning does not save the RNG; without it a resumed run would draw other dropout masks.
        checkpoint["rnnkit"] = {"torch_rng": torch.get_rng_state(), "history": self.history}
        if torch.cuda.is_available():
            checkpoint["rnnkit"]["cuda_rng"] = torch.cuda.get_rng_state_all()

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self._resumed = True
        saved = checkpoint.get("rnnkit")
        if saved is None:
            return
        torch.set_rng_state(saved["torch_rng"])
        if "cuda_rng" in saved and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(saved["cuda_rng"])
        self.history = {k: list(v) for k, v in saved["history"].items()}


# The metrics SequenceModule logs, and which way each is better (None: neither); Lightning adds the _step and
# _epoch forms of a metric logged both ways
LOGGED = {"train_loss": "min", "train_loss_step": "min", "train_loss_epoch": "min", "grad_norm": None,
          "val_loss": "min", "val_accuracy": "max"}
_LOGGING_HOOKS = ("training_step", "validation_step", "loss", "on_train_epoch_end", "on_validation_epoch_end",
                  "on_train_batch_end", "on_validation_batch_end")
_WRONG_WAY = {"EarlyStopping": "it would stop the fit while the model improves",
              "ModelCheckpoint": "it would keep the checkpoint of the worst epoch",
              "RestoreBestWeights": "it would restore the weights of the worst epoch"}


def check_monitors(module: SequenceModule, callbacks) -> None:
    """ValueError, before the first epoch, for a callback that watches one of the module's metrics (:data:`LOGGED`)
    the wrong way round (``EarlyStopping(monitor="val_accuracy")`` keeps Lightning's default ``mode="min"``: it
    stops while the accuracy rises; a ``ModelCheckpoint`` so keeps the worst epoch, :class:`RestoreBestWeights` its
    weights), or a metric the module never logs (a misspelt name: Lightning's own error comes after the first
    epoch, and never with ``strict=False``, which then never stops). A subclass that logs in its own hooks is
    checked for the direction of the module's metrics only."""
    from lightning.pytorch.callbacks import EarlyStopping, ModelCheckpoint

    from .trainer import RestoreBestWeights

    logged = {k: v for k, v in LOGGED.items() if k != "val_accuracy" or module.task == "classification"}
    own = all(getattr(type(module), hook, None) is getattr(SequenceModule, hook) for hook in _LOGGING_HOOKS)
    for callback in callbacks:
        if not isinstance(callback, EarlyStopping | ModelCheckpoint | RestoreBestWeights):
            continue
        name, monitor, mode = type(callback).__name__, callback.monitor, getattr(callback, "mode", "min")
        kind = next(k for k in _WRONG_WAY if k in (c.__name__ for c in type(callback).__mro__))
        if monitor is None or monitor not in logged and not own:
            continue
        if monitor not in logged:
            close = closest_name(monitor, logged)
            note = " (val_accuracy is logged for task='classification' only)" if monitor == "val_accuracy" else ""
            raise ValueError(f"{name}(monitor={monitor!r}) watches a metric {type(module).__name__} does not "
                             f"log{note}; it logs {', '.join(logged)}"
                             + (f": did you mean {close!r}?" if close and not note else ""))
        better = logged[monitor]
        if better is not None and mode != better:
            raise ValueError(f"{name}(monitor={monitor!r}, mode={mode!r}) takes the "
                             f"{'lowest' if mode == 'min' else 'highest'} {monitor} as the best, but a "
                             f"{'higher' if better == 'max' else 'lower'} {monitor} is better, so {_WRONG_WAY[kind]}"
                             f"; pass mode={better!r}")


_FIX = "return rnnkit.training.Batch(x, lengths, y) from the DataLoader's collate_fn (lengths None: all T steps valid)"


def as_batch(batch):
    """A batch of a user's own DataLoader as :class:`Batch`: one with the fields ``x, lengths, y`` as it is; a
    pair ``(x, y)`` (``TensorDataset`` and ``default_collate``'s list) as ``Batch(x, None, y)``, every step
    valid; a dict of ``Batch``'s field names as those fields. Anything else is refused with how to give it,
    before the model reads it (a PackedSequence, a batch of three tensors, whose order no type tells)."""
    if hasattr(batch, "x"):
        return batch
    where = "SequenceModule: the DataLoader's batch is"
    if isinstance(batch, Mapping):
        unknown = [k for k in batch if k not in Batch._fields]
        if "x" not in batch or unknown:
            raise ValueError(f"{where} a dict with the keys {list(batch)}; a dict batch needs 'x' and at most "
                             f"{list(Batch._fields)} (rename {unknown or ['its inputs']}), or {_FIX}")
        batch = Batch(**{"lengths": None, **batch})
    elif isinstance(batch, list | tuple) and len(batch) == 2 and isinstance(batch[0], Tensor | PackedSequence) \
            and isinstance(batch[1], Tensor):
        if isinstance(batch[0], Tensor) and batch[0].dim() == 1 and batch[1].dim() >= 2:  # x is never 1-D
            raise ValueError(f"{where} a pair of a tensor of shape {tuple(batch[0].shape)} and one of shape "
                             f"{tuple(batch[1].shape)}, which reads as (y, x): SequenceModule reads (x, y) pairs; give "
                             f"the inputs first (TensorDataset(x, y), or return (x, y) from the Dataset's __getitem__)")
        batch = Batch(batch[0], None, batch[1])
    else:
        what = (f"a {type(batch).__name__} of {len(batch)} items ({', '.join(type(t).__name__ for t in batch)})"
                if isinstance(batch, list | tuple) else f"a {type(batch).__name__}")
        raise ValueError(f"{where} {what}; SequenceModule reads (x, y) pairs of tensors, dicts with the keys of "
                         f"Batch, or batches with the fields x, lengths, y: {_FIX}")
    if isinstance(batch.x, PackedSequence):
        raise ValueError(f"{where.removesuffix(' is')} has a PackedSequence x; rnnkit models read padded "
                         f"batch-first x with lengths: x, lengths = torch.nn.utils.rnn.pad_packed_sequence(x, "
                         f"batch_first=True), and {_FIX}")
    return batch


def non_finite_data(batch, chunk: Chunk) -> str | None:
    """The first NaN or infinity in the batch's inputs read so far (every valid step before the chunk's end: the
    state carries one into later chunks) or in the chunk's targets, named by its sequence in the batch, time step
    and feature, with the fix; None when they are finite (then the weights or the learning rate made the loss
    non-finite)."""
    x = batch.x[:, :chunk.stop]  # (B, T', ...)
    if x.is_floating_point():
        lengths = batch.lengths if batch.lengths is not None else torch.full((x.shape[0],), x.shape[1])
        valid = length_mask(lengths.to(x.device).clamp(max=x.shape[1]), x.shape[1])
        bad = ~torch.isfinite(x) & valid.view(*x.shape[:2], *[1] * (x.dim() - 2))
        if bool(bad.any()):
            b, t, *f = bad.nonzero()[0].tolist()
            return (f"The batch's x holds {float(x[(b, t, *f)])} at sequence {b}, step {t}"
                    + (f", feature {f[0]}" if len(f) == 1 else "") + f" ({int(bad.sum())} non-finite value(s) in its "
                    f"valid steps): fill in or drop the missing values before training (or use an estimator with "
                    f"time_aware=True, which reads NaN as missing).")
    y = chunk.y
    if y is not None and y.is_floating_point() and not bool(torch.isfinite(y).all()):
        first = (~torch.isfinite(y)).nonzero()[0].tolist()
        return (f"The batch's targets y hold {float(y[tuple(first)])} at index {first} of this chunk's targets "
                f"({int((~torch.isfinite(y)).sum())} in all): give finite targets (or leave those sequences out).")
    return None


def check_training_loader(loader, *, stateful: bool, which: str = "training") -> None:
    """ValueError, before the first batch is drawn, for a training or validation loader (``which``) that cannot
    feed this module: a :class:`TokenStreams` batched again by the loader (its items are whole batches), or, for
    a ``stateful`` module, one that shuffles, so that each batch would start from the final state of an
    unrelated one (validation carries its state from batch to batch too)."""
    if not isinstance(loader, DataLoader):  # a CombinedLoader's mapping, or no loader: nothing known
        return
    data = loader.dataset
    if isinstance(data, SequenceDataset) and loader.collate_fn is default_collate:  # it would batch the indices
        raise ValueError(f"SequenceModule: the {which} DataLoader reads a SequenceDataset, whose items are indices, "
                         f"with torch's default collate_fn; give it collate_fn=dataset.batch (one fancy-index per "
                         f"batch), or use SequenceDataModule")
    if isinstance(loader.dataset, TokenStreams) and loader.batch_size is not None:
        raise ValueError(f"SequenceModule: the {which} DataLoader batches a TokenStreams (batch_size="
                         f"{loader.batch_size}), whose items are whole batches already (a window of every stream); "
                         f"load it with DataLoader(streams, batch_size=None, shuffle=False)")
    sampler = loader.sampler if loader.batch_sampler is None else getattr(loader.batch_sampler, "sampler", None)
    shuffled = isinstance(sampler, RandomSampler) or isinstance(sampler, DistributedSampler) and sampler.shuffle
    if stateful and shuffled:
        raise ValueError(f"SequenceModule: stateful=True carries each batch's final state into the next batch, but "
                         f"the {which} DataLoader shuffles ({type(sampler).__name__}), so a batch would start from "
                         f"the state of an unrelated one; load consecutive windows in order: DataLoader(streams, "
                         f"batch_size=None, shuffle=False) (SequenceDataModule(..., shuffle=False))")


def clip_gradients(parameters, *, max_norm: float | None, max_value: float | None,
                   scale: float = 1.0) -> Tensor:
    """Clip gradients in place by global L2 norm (Pascanu et al. 2013) and/or by value; return the global norm
    of the gradients before clipping. ``parameters``: an iterable of tensors or one tensor, as torch's
    ``clip_grad_norm_`` takes them.

    ``scale``: the gradients are the true ones times ``scale`` (fp16 mixed precision: Lightning unscales them
    only inside ``opt.step()``), so the returned norm is divided by it and the thresholds multiplied by it.
    A non-finite norm leaves the gradients as they are.
    """
    check_clip_thresholds("clip_gradients: ", max_norm=max_norm, max_value=max_value)
    if isinstance(parameters, Tensor):  # one tensor, as torch's clip_grad_norm_ takes it (not its rows)
        parameters = [parameters]
    params = [p for p in parameters if p.grad is not None]
    norm = get_total_norm([p.grad for p in params]) / scale
    if not bool(torch.isfinite(norm)):
        return norm
    if max_norm is not None:
        clip_grads_with_norm_(params, max_norm * scale, norm * scale)
    if max_value is not None:
        clip_grad_value_(params, max_value * scale)
    return norm


def hidden_batch(state: State) -> int:
    """The rows of a (batch-first) state: its first tensor's, the state walked as :func:`map_state` walks it (a
    tensor, an rnnkit state, a tuple or list of them, one per layer)."""
    if isinstance(state, Tensor):
        return state.shape[0]
    return next(hidden_batch(part) for part in state if part is not None)
