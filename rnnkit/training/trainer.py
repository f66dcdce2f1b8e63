"""A Lightning Trainer with rnnkit's defaults, early stopping that keeps the best weights, and quiet runs."""

from __future__ import annotations

import logging
import math
import numbers
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import lightning as L
import torch
from lightning.fabric.utilities.warnings import PossibleUserWarning
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint
from lightning.pytorch.callbacks.early_stopping import EarlyStoppingReason
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.plugins.io import TorchCheckpointIO
from torch.utils.data import DataLoader

from ..checks import is_count, is_flag
from ..data.memmap import atomic_write

# The checks of a run that need no Lightning live in .runs; named here too, for this module's callers.
from .runs import (  # noqa: F401
    CHECKPOINT,
    DEVICES,
    RUN_KEY,
    check_resumable,
    read_checkpoint,
    resolve_device,
    resume_checkpoint,
    run_identity,
)


def auto_precision(accelerator: str) -> str:
    """Mixed precision on GPU: bf16 where the GPU has it (no loss scaling needed), else fp16 with a scaler;
    full float32 on CPU."""
    if accelerator != "cuda":
        return "32-true"
    return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"


class RestoreBestWeights(Callback):
    """Keep a copy of the weights with the best ``monitor`` (the lowest validation loss; ``mode="max"``: the
    highest, for ``val_accuracy``, as Lightning's ``EarlyStopping`` reads ``mode``) and load them back when
    training ends, as scikit-learn's MLP early stopping and Keras' ``restore_best_weights`` do. Its state goes
    into checkpoints, so a resumed run ends with the same weights as an uninterrupted one."""

    def __init__(self, monitor: str = "val_loss", mode: str = "min"):
        if mode not in ("min", "max"):
            raise ValueError(f"RestoreBestWeights: mode must be 'min' (the lowest {monitor} is best) or 'max' (the "
                             f"highest), got {mode!r}")
        self.monitor, self.mode = monitor, mode
        self.best = math.inf if mode == "min" else -math.inf
        self.weights: dict | None = None

    def setup(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        # one callback given to several fits (one per fold): each starts afresh (a resumed one from its checkpoint,
        # restored after setup), not from the best weights of the fit before, which it would restore at the end
        self.best = math.inf if self.mode == "min" else -math.inf
        self.weights = None

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        score = trainer.callback_metrics.get(self.monitor)
        if trainer.sanity_checking or score is None:
            return
        if not (float(score) < self.best if self.mode == "min" else float(score) > self.best):
            return
        self.best = float(score)
        self.weights = {k: v.detach().clone() for k, v in module.state_dict().items()}

    def on_fit_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if self.weights is not None:
            module.load_state_dict(self.weights)

    def state_dict(self) -> dict:
        return {"best": self.best, "weights": self.weights}

    def load_state_dict(self, state_dict: dict) -> None:
        self.best, self.weights = state_dict["best"], state_dict["weights"]


class ResumableEarlyStopping(EarlyStopping):
    """Lightning's ``EarlyStopping``, which also stops a run resumed from the checkpoint of a run it had stopped.
    Lightning restores its counters but not the trainer's stop, so rerunning a finished fit with
    ``resume=True`` would train on (and, should the next epoch improve, go on training), where the rerun of
    a fit that ran to ``max_epochs`` trains nothing."""

    @property
    def state_key(self) -> str:  # EarlyStopping's: checkpoints written with it keep their counters
        return f"EarlyStopping{({'monitor': self.monitor, 'mode': self.mode})!r}"

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if has_stopped(self):  # restored from a stopped run
            trainer.should_stop = True


def has_stopped(callback: EarlyStopping) -> bool:
    """Whether an ``EarlyStopping`` (restored from a checkpoint) had stopped its run: its ``stopping_reason``, or,
    in a checkpoint that records none, its counters. ``patience=0`` stops at the first epoch without improvement
    (``wait_count`` 1), so a run whose every epoch improved (``wait_count`` 0) has not stopped."""
    if callback.stopping_reason != EarlyStoppingReason.NOT_STOPPED:
        return True
    return callback.stopped_epoch > 0 or callback.wait_count >= max(callback.patience, 1)


def restart_early_stopping(callback: EarlyStopping) -> None:
    """Set an ``EarlyStopping`` back to its state before any fit: Lightning keeps its counters and best score from
    one fit to the next, so one callback given to several fits (one per fold) would stop a later fit that does not
    beat an earlier fit's best score after ``patience`` epochs. A resumed fit restores them from its checkpoint."""
    callback.wait_count = callback.stopped_epoch = 0
    callback.stopping_reason, callback.stopping_reason_message = EarlyStoppingReason.NOT_STOPPED, None
    callback.best_score = torch.tensor(math.inf if callback.monitor_op == torch.lt else -math.inf)


class AtomicCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint writer, made atomic and durable on a local disk: the checkpoint is written to a
    temporary file in the checkpoint's own directory, fsynced, and renamed over the old one (``os.replace``),
    then the directory is fsynced. A process killed at any moment leaves the previous checkpoint or the new
    one, never a partial file. (Lightning's own writer stages the file in the system temporary directory and
    moves it, which is a copy, not a rename, when that directory is on another file system, and it does not
    fsync.)"""

    def save_checkpoint(self, checkpoint: dict, path, storage_options=None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO takes no storage_options")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(path, "wb") as f:
            writer = _Writer(f)
            try:
                torch.save(checkpoint, writer)
            except (RuntimeError, OSError) as e:  # torch's "unexpected pos 138560 vs 138448" of a write that failed
                if writer.error is None:
                    raise
                raise OSError(writer.error.errno, writer.error.strerror, str(path)) from e


class _Writer:
    """A file for ``torch.save`` that keeps the OSError of a failed write (a full disk), which torch's writer
    reports only as a position it did not reach."""

    def __init__(self, file):
        self.file, self.error = file, None

    def write(self, data) -> int:
        try:
            return self.file.write(data)
        except OSError as e:
            self.error = e
            raise

    def flush(self) -> None:
        self.file.flush()


class RunIdentity(Callback):
    """Records ``identity`` (a JSON-like dict: what was trained on, with which settings) in every checkpoint
    under ``"rnnkit_run"``, so that a resumed fit can check the checkpoint belongs to the same run
    (:func:`check_resumable`)."""

    def __init__(self, identity: dict):
        self.identity = identity

    def on_save_checkpoint(self, trainer: L.Trainer, module: L.LightningModule, checkpoint: dict) -> None:
        checkpoint[RUN_KEY] = self.identity


class GeneratorState(Callback):
    """Saves the state of the ``torch.Generator`` that draws a training loader's shuffles in every checkpoint and
    restores it on resume, so that a resumed fit reads the epochs' orders of an uninterrupted one (without it, the
    generator would start again from its seed and repeat the first epochs' orders).

    ``sources`` are generators, or what holds them, read when a checkpoint is saved or restored: a DataLoader (its
    ``generator``, and its sampler's or batch sampler's: ``sampler=RandomSampler(dataset, generator=g)``) or a
    ``LightningDataModule`` (its attributes that are generators, made in ``__init__`` or ``setup``: Lightning
    restores callbacks after ``setup`` and before it calls ``train_dataloader()``). A generator made inside
    ``train_dataloader()`` is a new one in every process, and no callback can restore it: a resumed fit whose
    loader shuffles with a generator of no source warns, naming the fix (docs/training.md, "Resuming")."""

    def __init__(self, *sources):
        self.sources = sources

    @property
    def generators(self) -> list[torch.Generator]:
        """The sources' generators, each once, in the sources' order."""
        found = []
        for source in self.sources:
            found += [g for g in shuffle_generators(source) if not any(g is f for f in found)]
        return found

    def state_dict(self) -> dict:
        return {"states": [g.get_state() for g in self.generators]}

    def load_state_dict(self, state_dict: dict) -> None:
        states = state_dict["states"] if "states" in state_dict else [state_dict["state"]]  # one, as written before
        generators = self.generators
        if len(states) != len(generators):
            raise ValueError(f"the checkpoint keeps the states of {len(states)} shuffle generator(s), but the training "
                             f"data of this fit has {len(generators)} (a DataLoader's own and its sampler's, a data "
                             f"module's generator attributes); resume with the data of the run that wrote it, or give "
                             f"ckpt_path=None to train anew")
        for generator, state in zip(generators, states, strict=True):
            generator.set_state(state)

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        if trainer.ckpt_path is None:
            return
        kept = self.generators
        lost = [g for g in sampler_generators(trainer.train_dataloader) if not any(g is k for k in kept)]
        if lost:  # its order was drawn when the loader was made, from a generator at its seed
            warnings.warn(f"the fit resumes from {os.fspath(trainer.ckpt_path)!r}, but its training loader shuffles "
                          f"with a torch.Generator that no checkpoint keeps (made inside train_dataloader()?), so the "
                          f"resumed epochs draw their orders from its seed again, not those of an uninterrupted fit; "
                          f"keep the generator on the data module (self.generator = torch.Generator().manual_seed("
                          f"seed) in __init__ or setup, given to the DataLoader), or give the fit the DataLoader "
                          f"itself", UserWarning, stacklevel=2)


def shuffle_generators(source) -> list[torch.Generator]:
    """The ``torch.Generator`` objects of ``source`` that draw a training loader's shuffles (and its workers' seeds):
    itself if it is one; a DataLoader's own and its samplers' (:func:`sampler_generators`); a
    ``LightningDataModule``'s attributes that are generators; those of each loader of a list, tuple or dict."""
    if isinstance(source, torch.Generator):
        return [source]
    if isinstance(source, L.LightningDataModule):
        return [v for v in vars(source).values() if isinstance(v, torch.Generator)]
    if isinstance(source, list | tuple | dict):
        return [g for s in (source.values() if isinstance(source, dict) else source) for g in shuffle_generators(s)]
    own = getattr(source, "generator", None) if isinstance(source, DataLoader) else None
    return ([own] if isinstance(own, torch.Generator) else []) + sampler_generators(source)


def sampler_generators(loader) -> list[torch.Generator]:
    """The generators that a DataLoader's sampler, or its batch sampler's sampler, draws its order from (torch's
    ``RandomSampler``, ``SubsetRandomSampler``, ``WeightedRandomSampler``); of each loader of a list, tuple or
    dict."""
    if isinstance(loader, list | tuple | dict):
        return [g for d in (loader.values() if isinstance(loader, dict) else loader) for g in sampler_generators(d)]
    if not isinstance(loader, DataLoader):
        return []
    samplers = (loader.sampler, getattr(loader.batch_sampler, "sampler", None))
    found = [g for g in (getattr(s, "generator", None) for s in samplers) if isinstance(g, torch.Generator)]
    return [g for i, g in enumerate(found) if not any(g is f for f in found[:i])]


# Trainer arguments for what SequenceModule does itself: their default, what they are, and the option instead
_CLIP = ("clip in the module: SequenceModule(model, clip_grad_norm=...) (clipping by norm 1.0 is its default), or "
         "clip_grad_value=... with clip_grad_norm=None")
_MODULE_OPTIONS = {
    "gradient_clip_val": (None, "automatic gradient clipping", _CLIP),
    "gradient_clip_algorithm": (None, "automatic gradient clipping", _CLIP),
    "truncated_bptt_steps": (None, "truncated BPTT (Lightning 1.x; gone in 2.0)",
                             "truncate in the module: SequenceModule(model, tbptt_steps=...)"),
    "accumulate_grad_batches": (1, "automatic gradient accumulation",
                                "the module steps after every batch: use a larger batch_size instead"),
}


def make_trainer(
    *,
    max_epochs: int | None = 10,
    device: str = "auto",
    devices: int | str = 1,
    num_nodes: int = 1,
    strategy: str = "auto",
    precision: str = "auto",
    log_dir: str | Path | None = None,
    early_stopping_patience: int | None = None,
    verbose: bool = False,
    callbacks: list[Callback] | None = (),
    **trainer_kwargs,
) -> L.Trainer:
    """A ``lightning.Trainer`` for :class:`~rnnkit.training.SequenceModule`.

    - ``device``: the accelerator, ``"auto"`` / ``"cpu"`` / ``"cuda"``; ``devices``, ``num_nodes``,
      ``strategy``: Lightning's scale-out arguments (``devices=4, strategy="ddp", num_nodes=2`` for
      multi-GPU / multi-node; ``devices=2, strategy="ddp"`` on CPU is two gloo processes: see
      docs/training.md).
    - ``precision``: ``"auto"`` is :func:`auto_precision` (bf16/fp16 mixed on GPU, float32 on CPU).
    - ``log_dir``: CSV and TensorBoard logs (every step) and checkpoints (``log_dir/checkpoints/last.ckpt``,
      replaced atomically at the end of every epoch by :class:`AtomicCheckpointIO`; ``enable_checkpointing=False``
      keeps the logs alone); None writes nothing (``enable_checkpointing=True`` without it is refused, as
      Lightning would write its checkpoints into the working directory with its own writer).
    - ``early_stopping_patience``: stop when ``val_loss`` has not improved for this many epochs and restore
      the best weights (needs validation data).
    - ``verbose``: progress bar and model summary.

    Sanity validation steps are off, so that a run resumed from a checkpoint draws no random numbers before
    its first training step. Any other ``lightning.Trainer`` argument passes through ``trainer_kwargs``.
    """
    for name, (default, what, fix) in _MODULE_OPTIONS.items():  # Lightning would advise automatic optimization
        if name in trainer_kwargs and trainer_kwargs[name] != default:
            raise ValueError(f"make_trainer: {name}={trainer_kwargs[name]!r} is Lightning's {what}, which "
                             f"SequenceModule does not use: it runs backward, clip and step itself; {fix}")
    if "accelerator" in trainer_kwargs:  # it would replace the accelerator resolved from device
        raise ValueError(f"make_trainer: accelerator={trainer_kwargs['accelerator']!r} is set through device=... "
                         "('cpu', 'cuda' or 'auto')")
    if log_dir is None and trainer_kwargs.get("enable_checkpointing"):  # Lightning's own writer, into the cwd
        raise ValueError("make_trainer: enable_checkpointing=True without log_dir would have Lightning write "
                         "checkpoints into the working directory with its own, non-atomic writer; pass "
                         "log_dir=... instead (checkpoints go to log_dir/checkpoints/last.ckpt, written atomically)")
    if max_epochs is not None and not is_count(max_epochs, -1):  # Lightning: a bare AssertionError in the fit
        raise ValueError(f"make_trainer: max_epochs must be an integer >= 1, -1 (no limit) or None (Lightning's: "
                         f"1000, or no limit with max_steps), got {max_epochs!r}")
    if max_epochs == 0:  # Lightning's fit would run no epoch and leave the model as built, as if trained
        raise ValueError("make_trainer: max_epochs=0 trains no epoch, so a fit would leave the model untrained, as "
                         "built (seeded_fit refuses it too); give max_epochs >= 1, or -1 (no limit) with max_steps or "
                         "max_time to bound the fit")
    if max_epochs is not None:  # numpy's int (a grid of np.arange): Lightning asserts a Python int in the fit
        max_epochs = int(max_epochs)
    max_time = trainer_kwargs.get("max_time")
    if max_time is not None and not isinstance(max_time, str | timedelta | dict):  # else "'int' object has no
        # attribute 'total_seconds'" from Lightning's Timer
        seconds = max_time if isinstance(max_time, numbers.Real) and not isinstance(max_time, bool) else None
        fix = f"max_time={{'seconds': {seconds:g}}} or datetime.timedelta(seconds={seconds:g})" if seconds is not None \
            else "max_time={'minutes': 5} or datetime.timedelta(minutes=5)"
        raise ValueError(f"make_trainer: max_time is Lightning's time limit, a datetime.timedelta, a dict of its "
                         f"units or 'DD:HH:MM:SS', got {type(max_time).__name__} {max_time!r}; pass {fix}")
    if not (verbose is None or is_flag(verbose) or is_count(verbose, 0)):  # "no" is truthy: progress bars on
        raise ValueError(f"make_trainer: verbose must be True or False (or a count >= 0, as the estimators take it), "
                         f"got {verbose!r}")
    if callbacks is not None and not isinstance(callbacks, list | tuple):
        raise ValueError(f"make_trainer: callbacks must be a list of Lightning Callbacks (or None), got "
                         f"{type(callbacks).__name__}" + ("; pass a list of one, callbacks=[callback]"
                                                          if isinstance(callbacks, Callback) else ""))
    for i, c in enumerate(callbacks or ()):  # Lightning would call a class's hooks unbound, deep in the fit
        if not isinstance(c, Callback):
            what = f"the class {c.__name__}" if isinstance(c, type) else f"a {type(c).__name__}"
            fix = (f"; pass an instance, {c.__name__}(...)" if isinstance(c, type) and issubclass(c, Callback) else
                   "; give Lightning Callback instances (e.g. EarlyStopping(monitor='val_loss'))")
            raise ValueError(f"make_trainer: callbacks[{i}] is {what}, not a Lightning Callback{fix}")
    accelerator = resolve_device(device)
    callbacks = list(callbacks or ())
    own = next((c for c in callbacks if isinstance(c, ModelCheckpoint)), None)
    if own is not None and (log_dir is None or not trainer_kwargs.get("enable_checkpointing", True)):
        # Lightning: a MisconfigurationException, "enable_checkpointing=False but found ModelCheckpoint"
        raise ValueError(f"make_trainer: callbacks hold a ModelCheckpoint (dirpath={own.dirpath!r}), but checkpoints "
                         "are written only with log_dir=... (atomically; enable_checkpointing not False): pass "
                         "log_dir, or leave the ModelCheckpoint out (log_dir keeps log_dir/checkpoints/last.ckpt)")
    if early_stopping_patience is not None and not is_count(early_stopping_patience):
        # 2.5 would be read by Lightning as 3 epochs, "3" fail inside it, True be read as 1
        raise ValueError(f"make_trainer: early_stopping_patience must be an integer >= 1 (epochs without a better "
                         f"validation loss) or None, got {early_stopping_patience!r}")
    if log_dir is not None and (not isinstance(log_dir, str | os.PathLike) or os.fspath(log_dir) == ""):
        raise ValueError(f"make_trainer: log_dir must be None or a directory path, got {log_dir!r}"
                         + (" (None: no logs; for the current directory pass '.')" if log_dir == "" else ""))
    if log_dir is not None and os.fspath(log_dir).startswith("~"):  # the home directory's, where Lightning's
        log_dir = Path(log_dir).expanduser()  # loggers would write it anyway
    if log_dir is not None and Path(log_dir).exists() and not Path(log_dir).is_dir():
        raise ValueError(f"make_trainer: log_dir {os.fspath(log_dir)!r} is a file; give a directory for the logs "
                         "and checkpoints (it is created if missing)")
    file = log_dir is not None and next((p for p in Path(log_dir).parents if p.exists() and not p.is_dir()), None)
    if file:  # Lightning would fail at its first log line with NotADirectoryError
        raise ValueError(f"make_trainer: log_dir {os.fspath(log_dir)!r} lies under {os.fspath(file)!r}, which is a "
                         "file; give a directory for the logs and checkpoints (it is created if missing)")
    if log_dir is not None:  # else Lightning's PermissionError or OSError, at its first log line or checkpoint
        try:
            Path(log_dir).mkdir(parents=True, exist_ok=True)
            why = None if os.access(log_dir, os.W_OK | os.X_OK) else "Permission denied"
        except OSError as e:
            why = e.strerror or type(e).__name__
        if why is not None:
            raise ValueError(f"make_trainer: log_dir {os.fspath(log_dir)!r} cannot be written ({why}); give a "
                             "directory this process can write, for the logs and checkpoints, or log_dir=None")
    if early_stopping_patience is not None:
        callbacks += [ResumableEarlyStopping(monitor="val_loss", mode="min", patience=early_stopping_patience),
                      RestoreBestWeights("val_loss")]
    loggers, plugins = False, []
    if log_dir is not None:
        plugins.append(AtomicCheckpointIO())
        loggers = [CSVLogger(log_dir, name="csv"), TensorBoardLogger(log_dir, name="tensorboard")]
    if log_dir is not None and trainer_kwargs.get("enable_checkpointing", True):
        # One file, replaced at the end of every epoch (monitor=None keeps the latest).
        callbacks.append(ModelCheckpoint(dirpath=Path(log_dir) / CHECKPOINT.parent, filename=CHECKPOINT.stem,
                                         save_top_k=1, enable_version_counter=False))
    options = dict(
        max_epochs=max_epochs,
        accelerator=accelerator,
        devices=devices,
        num_nodes=num_nodes,
        strategy=strategy,
        precision=auto_precision(accelerator) if precision == "auto" else precision,
        logger=loggers,
        callbacks=callbacks,
        plugins=plugins,
        enable_checkpointing=log_dir is not None,
        enable_progress_bar=verbose,
        enable_model_summary=verbose,
        num_sanity_val_steps=0,
        log_every_n_steps=1,
    )
    options.update(trainer_kwargs)
    with quiet_lightning(verbose):
        return L.Trainer(**options)


@contextmanager
def quiet_lightning(verbose: bool = False) -> Iterator[None]:
    """Silence Lightning's start-up banners and advice warnings (number of workers, logging interval, ...)
    inside the block, unless ``verbose``; errors and other warnings still show."""
    if verbose:
        yield
        return
    names = ("lightning.pytorch", "lightning.fabric")
    levels = [logging.getLogger(n).level for n in names]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PossibleUserWarning)
        warnings.filterwarnings("ignore", message=r".*(val_dataloader|validation_step).*")
        warnings.filterwarnings("ignore", message=r".*across ranks is zero.*")  # no validation data
        warnings.filterwarnings("ignore", message=r".*exists and is not empty.*")
        # a resumed fit without log_dir writes no checkpoints, so it has no ModelCheckpoint: Lightning's advice to
        # add one is refused by make_trainer (callbacks with a ModelCheckpoint need log_dir)
        warnings.filterwarnings("ignore", message=r'(?s).*callbacks used to create the checkpoint need to be '
                                                  r'provided.*Please add the following callbacks: '
                                                  r'\["ModelCheckpoint\{[^"]*\}"\]\.$')
        # SequenceModule optimises by hand and steps a scheduler dict's schedules itself, by its interval, frequency
        # and monitor (step_schedules): Lightning's advice to call lr_scheduler.step() manually does not apply
        warnings.filterwarnings("ignore", message=r"(?s)The lr scheduler dict contains the key\(s\) .* but the keys "
                                                  r"will be ignored\. You need to call `lr_scheduler\.step\(\)` "
                                                  r"manually in manual optimization\.")
        # torch deprecated an API that Lightning still calls
        warnings.filterwarnings("ignore", message=r".*LeafSpec.*", category=FutureWarning)
        for name in names:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            yield
        finally:
            for name, level in zip(names, levels, strict=True):
                logging.getLogger(name).setLevel(level)
