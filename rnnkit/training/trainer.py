"""A Lightning Trainer with rnnkit's defaults, early stopping that keeps the best weights, and quiet runs."""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import lightning as L
import torch
from lightning.fabric.utilities.warnings import PossibleUserWarning
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``; ``"cuda"`` without one is an
    error."""
    if device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but torch sees no CUDA device; use device='cpu' or 'auto'")
    return device


def auto_precision(accelerator: str) -> str:
    """Mixed precision on GPU: bf16 where the GPU has it (no loss scaling needed), else fp16 with a scaler;
    full float32 on CPU."""
    if accelerator != "cuda":
        return "32-true"
    return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"


class RestoreBestWeights(Callback):
    """Keep a copy of the weights with the lowest ``monitor`` (validation loss) and load them back when
    training ends, as scikit-learn's MLP early stopping and Keras' ``restore_best_weights`` do. Its state goes
    into checkpoints, so a resumed run ends with the same weights as an uninterrupted one."""

    def __init__(self, monitor: str = "val_loss"):
        self.monitor = monitor
        self.best = math.inf
        self.weights: dict | None = None

    def on_validation_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        score = trainer.callback_metrics.get(self.monitor)
        if trainer.sanity_checking or score is None or not float(score) < self.best:
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


def make_trainer(
    *,
    max_epochs: int = 10,
    device: str = "auto",
    precision: str = "auto",
    log_dir: str | Path | None = None,
    early_stopping_patience: int | None = None,
    verbose: bool = False,
    callbacks: list[Callback] = (),
    **trainer_kwargs,
) -> L.Trainer:
    """A ``lightning.Trainer`` for :class:`~rnnkit.training.SequenceModule`.

    - ``device``: ``"auto"`` / ``"cpu"`` / ``"cuda"``, one device unless ``trainer_kwargs`` say otherwise
      (``devices=4, strategy="ddp", num_nodes=2`` for multi-GPU / multi-node: see docs/training.md).
    - ``precision``: ``"auto"`` is :func:`auto_precision` (bf16/fp16 mixed on GPU, float32 on CPU).
    - ``log_dir``: CSV and TensorBoard logs (every step) and checkpoints (``log_dir/checkpoints/last.ckpt``,
      written at the end of every epoch); None writes nothing.
    - ``early_stopping_patience``: stop when ``val_loss`` has not improved for this many epochs and restore
      the best weights (needs validation data).
    - ``verbose``: progress bar and model summary.

    Sanity validation steps are off, so that a run resumed from a checkpoint draws no random numbers before
    its first training step. Any other ``lightning.Trainer`` argument passes through ``trainer_kwargs``.
    """
    accelerator = resolve_device(device)
    callbacks = list(callbacks)
    if early_stopping_patience is not None:
        if early_stopping_patience < 1:
            raise ValueError(f"early_stopping_patience must be >= 1 or None, got {early_stopping_patience}")
        callbacks += [EarlyStopping(monitor="val_loss", mode="min", patience=early_stopping_patience),
                      RestoreBestWeights("val_loss")]
    loggers = False
    if log_dir is not None:
        loggers = [CSVLogger(log_dir, name="csv"), TensorBoardLogger(log_dir, name="tensorboard")]
        # One file, replaced at the end of every epoch (monitor=None keeps the latest).
        callbacks.append(ModelCheckpoint(dirpath=Path(log_dir) / "checkpoints", filename="last", save_top_k=1,
                                         enable_version_counter=False))
    options = dict(
        max_epochs=max_epochs,
        accelerator=accelerator,
        devices=1,
        precision=auto_precision(accelerator) if precision == "auto" else precision,
        logger=loggers,
        callbacks=callbacks,
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
        # torch deprecated an API that Lightning still calls
        warnings.filterwarnings("ignore", message=r".*LeafSpec.*", category=FutureWarning)
        for name in names:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            yield
        finally:
            for name, level in zip(names, levels, strict=True):
                logging.getLogger(name).setLevel(level)
