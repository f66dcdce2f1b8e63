"""One seeded fit: the single place where rnnkit builds a model under a seed and trains it with Lightning.

The estimators, the Forecaster, the comparison and every application train through :func:`seeded_fit`::

    with forked RNG (the caller's torch RNG is left as it was):
        torch.manual_seed(seed)
        module  = build()                               # initial weights drawn from the seed
        trainer = make_trainer(..., accelerator, devices, num_nodes, strategy)
        trainer.fit(module, data)                       # non-finite guard, best-weights restore, checkpoints

so a fix to seeding, quieting, checkpointing or scale-out reaches all of them. Lightning is imported by
:func:`seeded_fit` itself, so that this module (and :class:`ScaleOut`) loads without it. Lightning's scale-out
arguments pass through (:class:`ScaleOut`): ``devices=2, strategy="ddp"`` trains on two devices (two CPU
processes over gloo, or two GPUs over NCCL), ``num_nodes=2`` on two machines; see docs/training.md.
"""

from __future__ import annotations

import inspect
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import torch

from ..checks import is_count, is_integer
from .runs import CHECKPOINT, Terminated, read_checkpoint, resolve_device, seed_twin

if TYPE_CHECKING:
    import lightning as L
    from lightning.pytorch.callbacks import Callback
    from torch.utils.data import DataLoader

STRATEGIES = ("auto", "ddp", "ddp_spawn", "ddp_notebook", "fsdp", "deepspeed")


@dataclass(frozen=True)
class ScaleOut:
    """Lightning's scale-out arguments: ``devices`` per machine (an int >= 1, or ``"auto"``: all visible),
    ``num_nodes`` machines, and the ``strategy`` (``"auto"``: one device, or DDP over several)."""

    devices: int | str = 1
    num_nodes: int = 1
    strategy: str = "auto"

    def check(self, who: str) -> ScaleOut:
        """Self, or a ValueError naming the bad argument and its accepted values."""
        d = self.devices
        if not (d == "auto" or is_count(d)):
            raise ValueError(f"{who}: devices must be an integer >= 1 or 'auto', got {d!r}")
        n = self.num_nodes
        if not is_count(n):
            raise ValueError(f"{who}: num_nodes must be an integer >= 1, got {n!r}")
        if not isinstance(self.strategy, str) or self.strategy not in STRATEGIES:
            raise ValueError(f"{who}: strategy must be one of {STRATEGIES}, got {self.strategy!r}")
        return self


class Fitted(NamedTuple):
    """What :func:`seeded_fit` returns: the trained module, its trainer, and the wall-clock seconds of
    ``trainer.fit``."""

    module: L.LightningModule
    trainer: L.Trainer
    seconds: float


def seeded_fit(
    build: Callable[[], L.LightningModule],
    train: L.LightningDataModule | DataLoader,
    val: DataLoader | None = None,
    *,
    seed: int,
    max_epochs: int = 10,
    device: str = "auto",
    scale: ScaleOut = ScaleOut(),
    log_dir: str | Path | None = None,
    early_stopping_patience: int | None = None,
    verbose: bool = False,
    callbacks: list[Callback] = (),
    ckpt_path: str | Path | None = None,
    **trainer_kwargs,
) -> Fitted:
    """Seed torch's RNG with ``seed`` (inside a fork, so the caller's RNG is untouched), build the module with
    ``build()`` (its initial weights come from the seed), and train it with :func:`make_trainer`.

    ``train`` is a ``LightningDataModule`` (then ``val`` must be None) or a training ``DataLoader``, with
    ``val`` an optional validation one. ``device`` is the accelerator (``"auto"``, ``"cpu"``, ``"cuda"``);
    ``scale`` Lightning's devices / num_nodes / strategy. ``ckpt_path``: a checkpoint to resume from (read
    with ``weights_only=True``). Other arguments go to :func:`make_trainer` and from there to
    ``lightning.Trainer``.
    """
    # Lightning loads here, when training starts: importing rnnkit, or a fit refused for its settings or data
    # before this point, costs no Lightning import (docs/performance.md)
    import lightning as L
    from lightning.pytorch.utilities.model_helpers import is_overridden

    from .trainer import GeneratorState, make_trainer, quiet_lightning

    if isinstance(build, torch.nn.Module) or not callable(build):  # a module would be called: its forward()
        raise ValueError(f"seeded_fit: build must be a function that returns a new module (its weights drawn from "
                         f"the seed), e.g. lambda: SequenceModule(model_factory()), got a {type(build).__name__} "
                         "instance")
    if isinstance(build, type) and not _callable_bare(build):  # else a TypeError of its missing arguments, later
        raise ValueError(f"seeded_fit: build is the class {build.__name__}, whose __init__ needs arguments; build is "
                         f"called bare, so give a function that returns a new module: build=lambda: "
                         f"{build.__name__}(model, ...)")
    if not isinstance(scale, ScaleOut):  # else "'dict' object has no attribute 'devices'"
        fix = ("ScaleOut(" + ", ".join(f"{k}={v!r}" for k, v in scale.items()) + ")" if isinstance(scale, dict) else
               f"ScaleOut(devices={scale!r})" if is_count(scale) or scale == "auto" else
               "ScaleOut(devices=..., num_nodes=..., strategy=...)")
        raise ValueError(f"seeded_fit: scale must be a ScaleOut (Lightning's devices, num_nodes and strategy), got "
                         f"{type(scale).__name__} {scale!r}; pass scale={fix} (rnnkit.training.ScaleOut)")
    # Lightning's own words for devices=0 name no argument of this call; the strategy (any of Lightning's names, or
    # a Strategy object) is Lightning's to check
    ScaleOut(scale.devices, scale.num_nodes).check("seeded_fit")
    if train is None or isinstance(train, type):  # Lightning: "`train_dataloader` must be implemented", or a TypeError
        what = f"the class {train.__name__}" if isinstance(train, type) else "None"
        raise ValueError(f"seeded_fit: train is {what}; give the training data: a DataLoader, or a LightningDataModule "
                         f"instance" + (f" ({train.__name__}(...))" if isinstance(train, type) else ""))
    if ckpt_path is not None and not isinstance(ckpt_path, str | os.PathLike):  # else os.fspath's TypeError
        raise ValueError(f"seeded_fit: ckpt_path must be a checkpoint's path, 'last' (log_dir's last.ckpt) or None, "
                         f"got {type(ckpt_path).__name__} {ckpt_path!r}")
    for name in ("accelerator", "devices", "num_nodes", "strategy"):  # else a TypeError of repeated arguments
        if name in trainer_kwargs:
            raise ValueError(f"seeded_fit: {name}={trainer_kwargs[name]!r} is set through "
                             + ("device=... ('cpu', 'cuda' or 'auto')" if name == "accelerator" else
                                f"scale=ScaleOut({name}=...)"))
    from torch.utils.data import DataLoader, Dataset

    for name, data in (("train", train), ("val", val)):  # Lightning reads each item of a list as a loader of its own
        if isinstance(data, Dataset):  # and each item of a dataset as a batch of its own
            raise ValueError(f"seeded_fit: {name} is a {type(data).__name__} (a dataset), not a DataLoader; Lightning "
                             f"would read each of its items as a batch: give DataLoader({name}_dataset, batch_size=..."
                             f"{', shuffle=True' if name == 'train' else ''})")
        if isinstance(data, list | tuple) and not all(isinstance(d, DataLoader) for d in data) or \
                isinstance(data, torch.Tensor):
            what = f"a {type(data).__name__} of {len(data)} items" if isinstance(data, list | tuple) else "a Tensor"
            raise ValueError(f"seeded_fit: {name} is {what}, not a DataLoader; give DataLoader(TensorDataset(x, y), "
                             f"batch_size=...) for tensors, or DataLoader(batches, batch_size=None) for a list of "
                             f"ready batches")
    if isinstance(val, list | tuple) and len(val) > 1:  # Lightning would ask for a dataloader_idx argument
        raise ValueError(f"seeded_fit: val is {len(val)} DataLoaders; SequenceModule validates on one (its val_loss "
                         f"drives early stopping): join their datasets with torch.utils.data.ConcatDataset")
    if isinstance(train, L.LightningDataModule) and val is not None:
        raise ValueError("seeded_fit: give validation data through the LightningDataModule, not as val")
    if not is_integer(seed):
        raise ValueError(f"seeded_fit: seed must be an integer, got {seed!r}")
    if not -(2**63) <= seed < 2**64:  # torch.manual_seed's range; else torch's "Overflow when unpacking long long"
        raise ValueError(f"seeded_fit: seed must be an integer from -2**63 to 2**64 - 1 (torch.manual_seed's range), "
                         f"got {seed!r}")
    if twin := seed_twin(int(seed)):  # a seed sweep or a hash of a name: two seeds would train one model
        warnings.warn(f"seeded_fit: {twin}; give a seed from 0 to 2**32 - 1 (e.g. seed % 2**32) so that different "
                      "seeds train different models", UserWarning, stacklevel=2)
    if not is_count(max_epochs, -1):
        raise ValueError(f"seeded_fit: max_epochs must be an integer >= 1, or -1 for no limit (Lightning's >= 0 "
                         f"admits 0, which trains nothing), got {max_epochs!r}")
    if max_epochs == 0:  # Lightning runs no epoch and hands back the model as built, as if it were fitted
        raise ValueError("seeded_fit: max_epochs=0 trains no epoch, so the model would come back untrained, as built "
                         "(a resume too: a checkpoint holds at least one finished epoch, past 0); give max_epochs >= "
                         "1, or -1 (no limit) with max_steps or max_time to bound the fit")
    if not isinstance(train, L.LightningDataModule) and _is_empty(train):
        raise ValueError("seeded_fit: the training DataLoader yields no batches (an empty dataset, or fewer items "
                         "than batch_size with drop_last=True); give it training data")
    if val is not None and not isinstance(val, list | tuple) and _is_empty(val):  # val_loss never logged
        raise ValueError("seeded_fit: the validation DataLoader yields no batches (an empty dataset, or fewer items "
                         "than batch_size with drop_last=True); give it validation data, or val=None")
    no_val = val is None or isinstance(val, list | tuple) and not val
    if isinstance(train, L.LightningDataModule):  # SequenceDataModule: its val; another data module: its method
        no_val = hasattr(train, "val") and train.val is None or not is_overridden("val_dataloader", train)
    if early_stopping_patience is not None and no_val:  # Lightning: a RuntimeError after the first epoch
        raise ValueError(f"seeded_fit: early_stopping_patience={early_stopping_patience!r} stops when val_loss has "
                         "not improved, but no validation data is given; pass val=DataLoader(...) (a "
                         "SequenceDataModule's second dataset), or early_stopping_patience=None")
    if isinstance(ckpt_path, str) and ckpt_path == "last":
        ckpt_path = _last_checkpoint(log_dir)
    if isinstance(ckpt_path, str) and ckpt_path == "best":  # Lightning's, for a trainer that has fitted: none here
        raise ValueError("seeded_fit: ckpt_path='best' names the best checkpoint of a trainer that has already fitted "
                         "(for trainer.test or predict); a fit resumes from the last finished epoch: pass "
                         f"ckpt_path='last' with the fit's log_dir (its {CHECKPOINT.as_posix()}), or a checkpoint's "
                         "path")
    if ckpt_path is not None and str(ckpt_path) not in _LIGHTNING_CKPT_NAMES:
        if not Path(ckpt_path).is_file():
            raise ValueError(f"seeded_fit: ckpt_path {str(ckpt_path)!r} is not a file; give the path of a "
                             f"checkpoint (e.g. log_dir/checkpoints/last.ckpt) or None to start from the beginning")
        # a truncated or foreign file: one line naming it, not the unpickler's traceback
        checkpoint = _check_lightning_checkpoint(read_checkpoint(ckpt_path), ckpt_path, max_epochs)
    accelerator = resolve_device(device)
    cuda = [torch.cuda.current_device()] if accelerator == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        module = build()
        if not isinstance(module, L.LightningModule):
            raise TypeError(f"seeded_fit: build() must return a LightningModule (e.g. SequenceModule(model)), got "
                            f"{type(module).__name__}")
        if not no_val and not is_overridden("validation_step", module):  # Lightning skips the data without a word
            raise ValueError(f"seeded_fit: validation data is given, but {type(module).__name__} defines no "
                             f"validation_step, so Lightning would skip it without a word (and early stopping find "
                             f"no val_loss); define validation_step (logging 'val_loss'), or give no validation data")
        if ckpt_path is not None and str(ckpt_path) not in _LIGHTNING_CKPT_NAMES:
            check_checkpoint_fits(checkpoint["state_dict"], module.state_dict(), ckpt_path)
        callbacks = () if callbacks is None else callbacks  # another type is refused by make_trainer
        if isinstance(callbacks, list | tuple) and not any(isinstance(c, GeneratorState) for c in callbacks):
            # DataLoader(..., shuffle=True, generator=g) draws each epoch's order (and worker seeds) from g, as a
            # sampler of its own generator or a data module's generator do: checkpoints keep their state, so a
            # resumed run reads the epochs' orders of an uninterrupted one
            callbacks = [*callbacks, GeneratorState(train)]
        trainer = make_trainer(max_epochs=max_epochs, device=accelerator, devices=scale.devices,
                               num_nodes=scale.num_nodes, strategy=scale.strategy, log_dir=log_dir,
                               early_stopping_patience=early_stopping_patience, verbose=verbose,
                               callbacks=callbacks, **trainer_kwargs)
        start = time.perf_counter()
        try:
            with quiet_lightning(verbose), _interrupts_as_such():
                if isinstance(train, L.LightningDataModule):
                    trainer.fit(module, datamodule=train, ckpt_path=ckpt_path, weights_only=True)
                else:
                    trainer.fit(module, train, val, ckpt_path=ckpt_path, weights_only=True)
        finally:  # the C++ loops' buffers, kept from step to step, are not kept past the fit
            from ..kernels.cpu_loop import release_buffers

            release_buffers()
        return Fitted(module, trainer, time.perf_counter() - start)


@contextmanager
def _interrupts_as_such() -> Iterator[None]:
    """Ctrl-C during a fit raises KeyboardInterrupt, as anywhere in Python. Lightning catches it, shuts down
    and calls ``sys.exit(1)``: that would end an interactive session, pass by a caller's ``except
    KeyboardInterrupt`` (``rnnkit train``'s exit status 130 and its hint to ``--resume``) and exit a script with
    status 1, as an error does. SIGTERM makes Lightning raise its SIGTERMException, a SystemExit of status 0
    (success, to a shell or a scheduler): it becomes :class:`Terminated`, of status 143. The checkpoint of the
    last finished epoch is kept either way."""
    from lightning.pytorch.utilities.exceptions import SIGTERMException

    try:
        yield
    except SIGTERMException:
        raise Terminated() from None
    except SystemExit as e:
        if isinstance(e.__context__, KeyboardInterrupt):  # Lightning's exit after a Ctrl-C
            raise KeyboardInterrupt("fit interrupted; the checkpoint of the last finished epoch is kept when "
                                    "log_dir is set (resume with fit(..., resume=True))") from None
        raise


def _last_checkpoint(log_dir) -> Path | None:
    """``ckpt_path="last"`` read as rnnkit writes it: ``log_dir/checkpoints/last.ckpt``, then checked as any path is;
    None (a fit from the first epoch, as Lightning's "last" without a checkpoint, with a warning naming the
    directory) when no epoch has written it yet. Lightning's own "last" would pick the newest ``last*.ckpt`` of
    the trainer's checkpoint folder unchecked, and, without one, advise ``ModelCheckpoint(save_last=True)``, which
    :func:`make_trainer` refuses without ``log_dir``."""
    if log_dir is None:
        raise ValueError(f"seeded_fit: ckpt_path='last' resumes from log_dir/{CHECKPOINT.as_posix()}, but log_dir "
                         f"is None; give the log_dir of the fit to resume (or its checkpoint's path as ckpt_path), "
                         f"or ckpt_path=None to train anew")
    path = Path(log_dir).expanduser() / CHECKPOINT  # the home directory's, where make_trainer writes
    if path.is_file():
        return path
    warnings.warn(f"seeded_fit: ckpt_path='last' found no checkpoint {str(path)!r} (written at the end of each epoch "
                  f"of a fit with this log_dir), so the fit starts from the first epoch; give the log_dir of the fit "
                  f"to resume, or ckpt_path=None to silence this", UserWarning, stacklevel=3)
    return None


def _check_lightning_checkpoint(checkpoint: dict, path, max_epochs: int) -> dict:
    """The checkpoint, or a ValueError naming ``path`` when it is no Lightning checkpoint (a model's own
    ``state_dict``, saved with ``torch.save``), or one that has finished more than ``max_epochs`` epochs, which
    Lightning would resume by training nothing, handing back a model trained for more epochs than asked."""
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint or "epoch" not in checkpoint:
        keys = (f"{len(checkpoint)} keys: {list(checkpoint)[:2]}..." if isinstance(checkpoint, dict) else
                f"a {type(checkpoint).__name__}")
        raise ValueError(f"seeded_fit: ckpt_path {str(path)!r} is no Lightning checkpoint (it holds {keys}, no "
                         f"'state_dict' and 'epoch' of Lightning's loop); a model's own weights (torch.save(model."
                         f"state_dict())) are loaded in build(): model.load_state_dict(torch.load(path, weights_only="
                         f"True)), with ckpt_path=None")
    done = checkpoint["epoch"] + 1  # Lightning's 0-based epoch of the last finished one
    if max_epochs != -1 and done > max_epochs:
        raise ValueError(f"seeded_fit: ckpt_path {str(path)!r} holds a fit that has finished {done} epochs, more "
                         f"than max_epochs={max_epochs}, and a resumed fit continues from there; resume with "
                         f"max_epochs >= {done}, or give ckpt_path=None to train anew")
    return checkpoint


def check_checkpoint_fits(saved: dict, ours: dict, path) -> None:
    """ValueError naming the first weight that differs in name or shape between a checkpoint's ``state_dict``
    and the module's: a checkpoint of another model (Lightning's own message lists every tensor on many lines)."""
    missing, extra = [k for k in ours if k not in saved], [k for k in saved if k not in ours]
    shapes = [k for k in ours if k in saved and tuple(saved[k].shape) != tuple(ours[k].shape)]
    if not (missing or extra or shapes):
        return
    if shapes:
        k = shapes[0]
        what = f"{k} has shape {tuple(saved[k].shape)} there and {tuple(ours[k].shape)} in the module built"
    else:
        what = (f"it has no {missing[0]!r}" if missing else "") + (" and " if missing and extra else "") \
            + (f"it has {extra[0]!r}, which the module built has not" if extra else "")
    raise ValueError(f"seeded_fit: ckpt_path {str(path)!r} is the checkpoint of another model: {what} "
                     f"({len(missing) + len(extra) + len(shapes)} weights differ); resume with the model that "
                     f"wrote it (the same sizes and cell), or give ckpt_path=None to train anew")


_LIGHTNING_CKPT_NAMES = ("last", "best", "hpc", "registry")  # ckpt_path values Lightning resolves itself


def _callable_bare(cls: type) -> bool:
    """Whether ``cls()`` binds: every parameter of its ``__init__`` has a default (True when unknown)."""
    try:
        inspect.signature(cls).bind()
    except TypeError:
        return False
    except ValueError:  # no signature to read (a builtin)
        return True
    return True


def _is_empty(loader) -> bool:
    """Whether a DataLoader is known to yield no batch (an iterable-style one has no length: not known)."""
    try:
        return len(loader) == 0
    except TypeError:
        return False
