"""What a training run is checked against before Lightning loads: its options, its device, its identity and
the checkpoint it resumes from; and the errors a run raises.

Nothing here imports Lightning, so a fit refused for a bad setting, bad data or a foreign checkpoint, and a
command line that handles a run's errors, cost no Lightning import (about 3 s of a cold start; see
docs/performance.md). :mod:`rnnkit.training.module` and :mod:`rnnkit.training.trainer` re-export these names.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import warnings
from pathlib import Path

import numpy as np
import torch

from ..checks import FLOAT32_MAX, int_meant, is_finite_number, is_integer, is_number_text

TASKS = ("classification", "regression")
BATCHINGS = ("bucket", "random")  # SequenceDataModule's: batches of similar lengths, or as they come
LR_SCHEDULES = (None, "onecycle")  # SequenceModule's: a constant rate, or OneCycleLR
DEVICES = ("auto", "cpu", "cuda")
RUN_KEY = "rnnkit_run"
CHECKPOINT = Path("checkpoints") / "last.ckpt"  # inside log_dir
# The run identity's note of the epochs a learning-rate schedule spans (max_epochs itself is left out, since it may
# grow on a resume): a key with a space, which no parameter has, so that it is read as a note, never as a parameter
SCHEDULE_EPOCHS = "max_epochs (the lr schedule spans them)"


# torch's CPU generator (a Mersenne twister) keeps the low 32 bits of a seed: torch.manual_seed(2**32) draws what
# torch.manual_seed(0) draws, and -1 (2**64 - 1 to torch) what 2**32 - 1 draws. Every model's weights are drawn on the
# CPU, so seeds outside [0, SEEDS) name runs of seeds inside it.
SEEDS = 2**32


def seed_twin(seed: int) -> str:
    """Where ``seed`` (an int in torch's range) is outside ``[0, SEEDS)``: the clause that names the seed in that
    range whose runs it repeats; else ""."""
    if 0 <= seed < SEEDS:
        return ""
    return (f"seed {seed} draws what seed {seed % SEEDS} draws: torch's CPU generator keeps the low 32 bits of a "
            f"seed, so seeds outside [0, 2**32 - 1] repeat the runs of seeds inside it")


class Terminated(SystemExit):
    """SIGTERM during a fit (a scheduler's preemption or time limit, ``timeout``, ``docker stop``, ``kill``).
    Lightning stops after the batch and raises its ``SIGTERMException``, a ``SystemExit`` of no status, so a
    script (or ``rnnkit train``) ended by it would exit with status 0, as if the fit had finished. This one
    carries status 143 (128 + SIGTERM, what a shell reports of a process that SIGTERM ends); the checkpoint of
    the last finished epoch is kept, as after Ctrl-C."""

    def __init__(self):
        super().__init__(128 + 15)  # signal.SIGTERM is 15 on every POSIX system (and Windows' Python)


class NonFiniteError(FloatingPointError):
    """Training met a NaN or infinity; the step that produced it was not applied.

    ``step`` is the optimizer step that was about to run; ``checkpoint`` the last checkpoint written before
    it (a path), or None when none was; ``in_data`` whether the batch itself held the NaN or infinity (else the
    weights or the learning rate made it); ``lr`` the peak learning rate of the run, or None where unknown."""

    def __init__(self, message: str, *, step: int, checkpoint: str | None, in_data: bool = False,
                 lr: float | None = None):
        super().__init__(message)
        self.step, self.checkpoint, self.in_data, self.lr = step, checkpoint, in_data, lr


class NonFiniteLossError(NonFiniteError):
    """The loss of a training step is NaN or infinite."""


class NonFiniteGradientError(NonFiniteError):
    """The loss is finite but its gradient is not."""


def check_training_options(*, task, lr, weight_decay, clip_grad_norm, clip_grad_value, tbptt_steps) -> None:
    """ValueError for an impossible training option (shared by the module and the estimators)."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if not (is_finite_number(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if lr > FLOAT32_MAX:  # the optimizer's float32 step: torch's "value cannot be converted ... without overflow"
        raise ValueError(f"lr must be at most {FLOAT32_MAX:.4g}, float32's largest number (the optimizer applies it "
                         f"to float32 weights), got {lr!r}; a rate near 1e-3 is usual")
    if not (is_finite_number(weight_decay) and weight_decay >= 0):
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}")
    check_clip_thresholds(clip_grad_norm=clip_grad_norm, clip_grad_value=clip_grad_value)
    if clip_grad_norm is not None and clip_grad_value is not None:
        raise ValueError("set one of clip_grad_norm and clip_grad_value, not both; pass clip_grad_norm=None "
                         "to clip by value")
    integer = is_integer(tbptt_steps)
    if tbptt_steps is not None and not (integer and tbptt_steps >= 1):
        raise ValueError(f"tbptt_steps must be an integer >= 1 (or None for full BPTT), got {tbptt_steps!r}; "
                         f"{_number_fix('tbptt_steps', tbptt_steps, count=True)}")


def check_clip_thresholds(who: str = "", **thresholds) -> None:
    """ValueError naming the first clipping threshold (name=value) that is neither None nor a number > 0: 0 would
    zero every gradient, a negative one flip its sign (gradient ascent), NaN make it NaN; ``who``: the prefix."""
    for name, v in thresholds.items():
        real = isinstance(v, numbers.Real) and not isinstance(v, bool)  # True is an int, not a threshold
        if v is not None and not (real and v > 0 and not math.isnan(v)):
            raise ValueError(f"{who}{name} must be a number > 0 or None, got {v!r}; {_number_fix(name, v)}")


def _number_fix(name: str, v, *, count: bool = False) -> str:
    """The way on for a clipping threshold (or, ``count``, truncated BPTT's chunk length) that is no number > 0:
    text as the number, 0 or below as None (no clipping, full BPTT), a whole float as the int. A negative norm
    threshold flips the gradients' sign; a negative value threshold sets every entry to it (torch's clamp to
    ``[-v, v]`` with ``-v > v``)."""
    meant = int_meant(v, 1, floats=float) if count else None  # a chunk length as text or 20.0
    if meant is not None:
        return (f"{name} is text: give the number, {name}={meant}" if isinstance(v, str) else
                f"{name} is {v:g} as a float: give it as an int, {name}={meant}")
    if not count and isinstance(v, str) and is_number_text(v) and float(v) > 0:
        return f"{name} is text: give the number, {name}={float(v)!r}"
    if isinstance(v, numbers.Real) and not isinstance(v, bool) and v <= 0:
        what = ("0 steps per chunk cuts nothing" if count and v == 0 else "a chunk holds at least 1 step" if count
                else "0 would zero every gradient" if v == 0 else "a negative threshold would flip the gradient's sign"
                if "norm" in name else f"a negative threshold would set every gradient entry to {v:g}")
        none = "None for full backpropagation through time" if count else "None for no clipping"
        return f"{what}: give {none}, or {'a chunk length such as 20' if count else 'a threshold such as 1.0'}"
    return (f"give the chunk length in steps, e.g. {name}=20, or None for full backpropagation through time" if count
            else f"give a threshold such as {name}=1.0, or None for no clipping")


def check_label_smoothing(label_smoothing, task: str = "classification", who: str = "") -> None:
    """ValueError unless ``label_smoothing`` is a number in ``[0, 1)`` (1 would train towards the uniform
    distribution, whatever the label), and 0 for a regression (it smooths class labels)."""
    real = isinstance(label_smoothing, numbers.Real) and not isinstance(label_smoothing, bool)
    if not (real and 0 <= label_smoothing < 1):
        raise ValueError(f"{who}label_smoothing must be a number in [0, 1) (0: the plain cross-entropy), got "
                         f"{label_smoothing!r}")
    if label_smoothing and task != "classification":
        raise ValueError(f"{who}label_smoothing={label_smoothing!r} smooths class labels; task={task!r} has none: "
                         "leave label_smoothing at 0")


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when a GPU is visible, else ``"cpu"``; ``"cuda"`` without one is an
    error."""
    if isinstance(device, torch.device) and device.index is None and device.type in DEVICES:
        device = device.type  # torch.device("cpu") names the accelerator as "cpu" does
    if not isinstance(device, str) or device not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {device!r}{device_hint(device)}")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' but torch sees no CUDA device; use device='cpu' or 'auto'")
    return device


def device_hint(device, spell=lambda name: f"device={name!r}") -> str:
    """How to say what ``device`` meant, for the names PyTorch and Lightning users bring; ``spell`` writes the
    setting to pass (the command line's: ``--device cuda``)."""
    kind, _, index = str(device).partition(":")
    if kind.lower() == "gpu":
        return f"; 'gpu' is Lightning's accelerator name: pass {spell('cuda')}"
    if kind.lower() == "cuda" and index:
        return f"; rnnkit takes no device index: pass {spell('cuda')}, with CUDA_VISIBLE_DEVICES={index} for that GPU"
    if kind.lower() in DEVICES:
        return f"; pass {spell(kind.lower())}"
    if kind.lower() in ("mps", "tpu", "xla", "hpu", "ipu", "xpu"):
        return f"; rnnkit trains on the CPU or on CUDA GPUs, not on {kind!r}: pass {spell('cpu')}"
    return ""


def read_checkpoint(path: str | Path) -> dict:
    """A Lightning checkpoint read with torch's restricted unpickler (``weights_only=True``: tensors and plain
    containers only, no code runs). ValueError naming the file when it cannot be read."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises RuntimeError, UnpicklingError, EOFError... for a bad file
        raise ValueError(f"{path}: cannot read the checkpoint ({_checkpoint_fault(path, e)}); remove it to start "
                         "over") from e


def _checkpoint_fault(path: str | Path, error: Exception) -> str:
    """What is wrong with a checkpoint torch cannot read: empty, not torch.save's zip archive at all, or one cut
    short before its end, as a copy stopped partway leaves it; else the error's first sentence (torch's run on)."""
    import zipfile

    try:
        size = Path(path).stat().st_size
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        size, head = None, b""
    if size == 0:
        return "it is empty, 0 bytes"
    if head and head != b"PK\x03\x04" and not head.startswith(b"\x80"):  # neither torch.save's zip nor a pickle
        return f"it is not a file torch.save writes (a zip archive): it starts with {head!r}"
    if head == b"PK\x03\x04" and not zipfile.is_zipfile(path):
        return (f"it is cut short: {size} bytes without the end of the zip archive torch.save writes, as a copy "
                "stopped partway leaves it")
    text = " ".join(str(error).split())
    first = text.split(". ")[0][:200]
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def run_identity(params: dict, seed: int, *data: torch.Tensor) -> dict:
    """What a checkpoint must match to be resumed: the training settings (``params`` less those that do not
    change the model being trained: ``max_epochs``, which may grow, ``device``, ``verbose``, ``log_dir``, and
    the scale-out ``devices``, ``num_nodes``, ``strategy``, so that a run may resume on another allocation),
    the seed, and the SHA-256 of the training tensors."""
    kept = {k: v for k, v in params.items()
            if k not in ("max_epochs", "device", "verbose", "log_dir", "devices", "num_nodes", "strategy")}
    # JSON-normalised (tuples -> lists); numpy's numbers (a grid of np.arange(...)) as Python's, so np.int64(2) and
    # np.int64(3) differ; a cell object or factory is identified by its type's name.
    kept = json.loads(json.dumps(kept, sort_keys=True, default=_json_value))
    digest = hashlib.sha256()
    for t in data:
        digest.update(str((t.dtype, tuple(t.shape))).encode())
        digest.update(t.detach().cpu().contiguous().numpy().tobytes())
    return {"params": kept, "seed": int(seed), "data_sha256": digest.hexdigest()}


def _json_value(v):
    """What JSON records of a value it cannot write: a numpy number as Python's, anything else by its type's name."""
    if isinstance(v, np.generic):
        return v.item()
    return f"{type(v).__module__}.{type(v).__qualname__}"


def resume_checkpoint(log_dir: str | Path | None, identity: dict, who: str, max_epochs: int | None = None, *,
                      resume: bool = True) -> Path | None:
    """The checkpoint a fit with ``resume=True`` continues from: ``log_dir/checkpoints/last.ckpt``, checked to
    belong to this run (:func:`check_resumable`) and to have finished no more than ``max_epochs`` epochs (a
    resumed fit continues from there: it cannot train fewer); None when there is none yet (the fit starts
    from the beginning). A model directory written by ``save()`` is no log_dir: it holds no checkpoint, and
    resuming it would train anew without a word.

    ``resume=False`` (a fit from the start): None, with a warning when the fit is about to replace a checkpoint
    of another run (:func:`_warn_replaced`). ``~`` is the home directory, where :func:`make_trainer` writes."""
    if isinstance(log_dir, str | Path) and str(log_dir).startswith("~"):
        log_dir = Path(log_dir).expanduser()
    if not resume:
        _check_not_a_model(log_dir, who)
        _warn_replaced(log_dir, identity, who)
        return None
    if log_dir is None:
        raise ValueError(f"{who}: resume=True reads log_dir/{CHECKPOINT.as_posix()}, but log_dir is None; set "
                         "log_dir to the directory of the interrupted fit")
    path = Path(log_dir) / CHECKPOINT
    if not path.is_file():
        from ..io import WEIGHTS_FILE, is_model_directory  # not at the top: rnnkit.io loads the data package

        # a model's weights beside a damaged config.json are still a model directory
        if is_model_directory(Path(log_dir)) or (Path(log_dir) / WEIGHTS_FILE).is_file():
            raise ValueError(f"{who}: log_dir {str(log_dir)!r} is a model directory written by save(), not the "
                             f"log_dir of a fit: it holds no checkpoint ({CHECKPOINT.as_posix()}), so resume=True "
                             f"would train from the first epoch; load that model with rnnkit.load({str(log_dir)!r}), "
                             "or give the log_dir of the interrupted fit (or a new one, to train anew)")
        return None
    checkpoint = read_checkpoint(path)
    check_resumable(checkpoint, path, identity)
    done = checkpoint.get("epoch", -1) + 1  # Lightning's 0-based epoch of the last finished one
    if max_epochs is not None and done > max_epochs:
        raise PastMaxEpochs(done, max_epochs, f"{who}: {path} holds a fit that has finished {done} epochs, more "
                            f"than max_epochs={max_epochs}, and a resumed fit continues from there; resume with "
                            f"max_epochs >= {done}, or remove the checkpoint (or give another log_dir) to train anew")
    return path


def _check_not_a_model(log_dir: str | Path | None, who: str) -> None:
    """Refuse a ``log_dir`` that is a model directory written by ``save()`` (not one that ``rnnkit train`` is
    writing, whose --out holds its run): the fit's checkpoints and logs would be mixed into the saved model's
    folder, where ``rnnkit train --out`` then finds an unfinished run and ``save()`` into it deletes them."""
    if log_dir is None:
        return
    from ..io import WEIGHTS_FILE, is_model_directory, is_training_directory  # rnnkit.io loads the data package

    path = Path(log_dir)
    if not (is_model_directory(path) or (path / WEIGHTS_FILE).is_file()) or is_training_directory(path):
        return
    raise ValueError(f"{who}: log_dir {str(log_dir)!r} is a model directory written by save() (config.json, "
                     f"{WEIGHTS_FILE}), and the fit would write its checkpoints and logs into it, beside a model they "
                     f"do not belong to; give the fit a log_dir of its own, e.g. {str(path) + '-logs'!r}, then "
                     f"save() the fitted model to {str(log_dir)!r} to replace the saved one")


def _warn_replaced(log_dir: str | Path | None, identity: dict, who: str) -> None:
    """Warn when a fit without ``resume`` is about to replace ``log_dir``'s checkpoint of another run (other
    data, settings, seed or estimator): fits that share one log_dir (the folds of ``cross_val_score`` or
    ``GridSearchCV``, whose clones all keep the estimator's ``log_dir``; a loaded model refitted elsewhere)
    each overwrite it, so none of them could be resumed. A warning, as Lightning's for a checkpoint directory
    that is not empty: refitting one estimator in its own log_dir after changing a setting is common and
    harmless. The checkpoint of the same run (a rerun) is replaced without a word."""
    path = None if log_dir is None else Path(log_dir) / CHECKPOINT
    if path is None or not path.is_file():
        return
    try:
        why = _other_run(read_checkpoint(path), identity)
    except ValueError:
        why = "cannot be read"
    if why is not None:
        warnings.warn(f"{who}: {path} {why}, and this fit replaces it: fits that share one log_dir (the folds of "
                      "cross_val_score or GridSearchCV, whose clones keep log_dir) overwrite each other's "
                      "checkpoint, so none can be resumed; give each fit its own log_dir (log_dir=None in a "
                      "search)", UserWarning, stacklevel=4)  # the caller of fit


class PastMaxEpochs(ValueError):
    """A resume refused because the checkpoint has finished ``done`` epochs, more than ``max_epochs``: a
    ValueError, so that a caller (the command line) can say it in its own words (``--epochs``)."""

    def __init__(self, done: int, max_epochs: int, message: str):
        super().__init__(message)
        self.done, self.max_epochs = done, max_epochs


class AnotherRun(ValueError):
    """A checkpoint that another run wrote (other data, settings or estimator), refused by
    :func:`check_resumable`: a ValueError, so that callers can tell this refusal from other bad input.
    ``differ``: the identity's parameters (and notes) that differ, each as ``(then, now)``; empty where the runs
    differ otherwise (another estimator, version, seed or data)."""

    def __init__(self, message: str, differ: dict | None = None):
        super().__init__(message)
        self.differ = differ or {}


def check_resumable(checkpoint: dict, path: str | Path, identity: dict) -> None:
    """:class:`AnotherRun` unless ``checkpoint`` was written by a run with this ``identity`` (see
    :class:`~rnnkit.training.trainer.RunIdentity`): resuming another run's checkpoint would silently mix two
    trainings. The message names what differs."""
    why = _other_run(checkpoint, identity)
    if why is None:
        return
    if checkpoint.get(RUN_KEY) is None:
        raise AnotherRun(f"{path} {why} (it was not written by an estimator's fit), so it cannot be checked "
                         "against this data and these settings; remove it to start over")
    if why.startswith("was written by the fit of"):
        raise AnotherRun(f"{path} {why}: the log_dir of another model; give this fit a log_dir of its own, or "
                         "remove the checkpoint to start over")
    if why.startswith("was written by another version"):  # not the user's settings: the same ones, named anew
        raise AnotherRun(f"{path} {why}, so this rnnkit cannot continue that run as it began; resume it with the "
                         "rnnkit version that began it, or remove the checkpoint to start over")
    shared = (" (fits that share one log_dir, such as the folds of a cross-validation, replace each other's "
              "checkpoint: give each its own log_dir)" if "the data differ" in why else "")
    then, now = checkpoint[RUN_KEY].get("params", {}), identity.get("params", {})
    same_rest = all(checkpoint[RUN_KEY].get(k) == identity.get(k) for k in ("seed", "data_sha256"))
    differ = ({k: (then.get(k), now.get(k)) for k in set(then) | set(now) if then.get(k) != now.get(k)}
              if same_rest else {})
    raise AnotherRun(f"{path} {why}. Resume with the same data and settings, or remove the checkpoint to start "
                     f"over{shared}", differ)


def _other_run(checkpoint: dict, identity: dict) -> str | None:
    """None when ``checkpoint`` was written by a run with this ``identity``, else what tells them apart: "records
    no rnnkit run", "was written by the fit of a ..., not of a ...", "was written by another version of rnnkit"
    (parameters one of them has and the other has not: an upgrade between the run and its resume), or "belongs to
    another run: " and the settings that differ ("the data differ" for other training tensors)."""
    saved = checkpoint.get(RUN_KEY)
    if saved is None:
        return "records no rnnkit run"
    if saved == identity:
        return None
    kind, was = identity.get("estimator"), saved.get("estimator")
    if was is None and kind is not None:  # written before runs recorded their estimator, or by a Forecaster
        identity = {k: v for k, v in identity.items() if k != "estimator"}
        if saved == identity:
            return None
    ours, theirs = set(identity.get("params", {})), set(saved.get("params", {}))
    foreign = sorted(k for k in theirs - ours if " " not in k)  # " ": a note, such as the lr schedule's epochs
    if was is not None and was != kind or was is None and foreign:
        what = f"a {was}" if was is not None else f"a model with the parameters {foreign[:4]}"
        return f"was written by the fit of {what}, not of {'a ' + kind if kind else 'this model'}"
    if unknown := sorted(k for k in ours ^ theirs if " " not in k):  # an upgrade added or removed a parameter
        missing, kept = [k for k in unknown if k in ours], [k for k in unknown if k in theirs]
        had = []
        if missing:
            had.append(f"it records no {missing} (parameters of this rnnkit that it had not)")
        if kept:
            had.append(f"it records {kept} (parameters this rnnkit does not have)")
        return f"was written by another version of rnnkit: {'; '.join(had)}"
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
    return f"belongs to another run: {'; '.join(details)}"
