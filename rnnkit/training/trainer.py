"""A Lightning Trainer with rnnkit's defaults, early stopping that keeps the best weights, and quiet runs."""

from __future__ import annotations

import hashlib
import json
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
from lightning.pytorch.plugins.io import TorchCheckpointIO

from ..data.memmap import atomic_write

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
            torch.save(checkpoint, f)


RUN_KEY = "rnnkit_run"
CHECKPOINT = Path("checkpoints") / "last.ckpt"  # inside log_dir


class RunIdentity(Callback):
    """Records ``identity`` (a JSON-like dict: what was trained on, with which settings) in every checkpoint
    under ``"rnnkit_run"``, so that a resumed fit can check the checkpoint belongs to the same run
    (:func:`check_resumable`)."""

    def __init__(self, identity: dict):
        self.identity = identity

    def on_save_checkpoint(self, trainer: L.Trainer, module: L.LightningModule, checkpoint: dict) -> None:
        checkpoint[RUN_KEY] = self.identity


class GeneratorState(Callback):
    """Saves a ``torch.Generator``'s state in every checkpoint and restores it on resume, for a sampler that
    draws its shuffles from that generator epoch after epoch (without it, a resumed run would reshuffle
    from the seed and repeat the first epochs' orders)."""

    def __init__(self, generator: torch.Generator):
        self.generator = generator

    def state_dict(self) -> dict:
        return {"state": self.generator.get_state()}

    def load_state_dict(self, state_dict: dict) -> None:
        self.generator.set_state(state_dict["state"])


def read_checkpoint(path: str | Path) -> dict:
    """A Lightning checkpoint read with torch's restricted unpickler (``weights_only=True``: tensors and plain
    containers only, no code runs). ValueError naming the file when it cannot be read."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises RuntimeError, UnpicklingError, EOFError... for a bad file
        raise ValueError(f"{path}: cannot read the checkpoint ({type(e).__name__}: "
                         f"{' '.join(str(e).split())[:200]}); remove it to start over") from e


def run_identity(params: dict, seed: int, *data: torch.Tensor) -> dict:
    """What a checkpoint must match to be resumed: the training settings (``params`` less those that do not
    change the model being trained: ``max_epochs``, which may grow, ``device``, ``verbose``, ``log_dir``, and
    the scale-out ``devices``, ``num_nodes``, ``strategy``, so that a run may resume on another allocation),
    the seed, and the SHA-256 of the training tensors."""
    kept = {k: v for k, v in params.items()
            if k not in ("max_epochs", "device", "verbose", "log_dir", "devices", "num_nodes", "strategy")}
    # JSON-normalised (tuples -> lists); a cell object or factory is identified by its type's name.
    kept = json.loads(json.dumps(kept, sort_keys=True,
                                 default=lambda v: f"{type(v).__module__}.{type(v).__qualname__}"))
    digest = hashlib.sha256()
    for t in data:
        digest.update(str((t.dtype, tuple(t.shape))).encode())
        digest.update(t.detach().cpu().contiguous().numpy().tobytes())
    return {"params": kept, "seed": int(seed), "data_sha256": digest.hexdigest()}


def resume_checkpoint(log_dir: str | Path | None, identity: dict, who: str) -> Path | None:
    """The checkpoint a fit with ``resume=True`` continues from: ``log_dir/checkpoints/last.ckpt``, checked to
    belong to this run (:func:`check_resumable`); None when there is none yet (the fit starts from the
    beginning)."""
    if log_dir is None:
        raise ValueError(f"{who}: resume=True reads log_dir/{CHECKPOINT.as_posix()}, but log_dir is None; set "
                         "log_dir to the directory of the interrupted fit")
    path = Path(log_dir) / CHECKPOINT
    if not path.is_file():
        return None
    check_resumable(read_checkpoint(path), path, identity)
    return path


def check_resumable(checkpoint: dict, path: str | Path, identity: dict) -> None:
    """ValueError unless ``checkpoint`` was written by a run with this ``identity`` (see :class:`RunIdentity`):
    resuming another run's checkpoint would silently mix two trainings. The message names what differs."""
    saved = checkpoint.get(RUN_KEY)
    if saved is None:
        raise ValueError(f"{path} records no rnnkit run (it was not written by an estimator's fit), so it "
                         "cannot be checked against this data and these settings; remove it to start over")
    if saved == identity:
        return
    differ = [k for k in sorted(set(saved) | set(identity)) if saved.get(k) != identity.get(k)]
    details = []
    for key in differ:
        a, b = saved.get(key), identity.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            details += [f"{k} {a.get(k)!r} then, {b.get(k)!r} now" for k in sorted(set(a) | set(b))
                        if a.get(k) != b.get(k)]
        elif key.endswith("sha256"):
            details.append(f"the {key.removesuffix('_sha256')} differ")
        else:
            details.append(f"{key} {a!r} then, {b!r} now")
    raise ValueError(f"{path} belongs to another run: {'; '.join(details)}. Resume with the same data and "
                     "settings, or remove the checkpoint to start over")


def make_trainer(
    *,
    max_epochs: int = 10,
    device: str = "auto",
    devices: int | str = 1,
    num_nodes: int = 1,
    strategy: str = "auto",
    precision: str = "auto",
    log_dir: str | Path | None = None,
    early_stopping_patience: int | None = None,
    verbose: bool = False,
    callbacks: list[Callback] = (),
    **trainer_kwargs,
) -> L.Trainer:
    """A ``lightning.Trainer`` for :class:`~rnnkit.training.SequenceModule`.

    - ``device``: the accelerator, ``"auto"`` / ``"cpu"`` / ``"cuda"``; ``devices``, ``num_nodes``,
      ``strategy``: Lightning's scale-out arguments (``devices=4, strategy="ddp", num_nodes=2`` for
      multi-GPU / multi-node; ``devices=2, strategy="ddp"`` on CPU is two gloo processes: see
      docs/training.md).
    - ``precision``: ``"auto"`` is :func:`auto_precision` (bf16/fp16 mixed on GPU, float32 on CPU).
    - ``log_dir``: CSV and TensorBoard logs (every step) and checkpoints (``log_dir/checkpoints/last.ckpt``,
      replaced atomically at the end of every epoch by :class:`AtomicCheckpointIO`); None writes nothing.
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
    loggers, plugins = False, []
    if log_dir is not None:
        plugins.append(AtomicCheckpointIO())
        loggers = [CSVLogger(log_dir, name="csv"), TensorBoardLogger(log_dir, name="tensorboard")]
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
        # torch deprecated an API that Lightning still calls
        warnings.filterwarnings("ignore", message=r".*LeafSpec.*", category=FutureWarning)
        for name in names:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            yield
        finally:
            for name, level in zip(names, levels, strict=True):
                logging.getLogger(name).setLevel(level)
