"""scikit-learn estimators for sequences: classify or regress whole sequences, or tag every step.

``X`` is a float array ``(n, T, F)`` or ``(n, T)``, or a list of ``n`` arrays ``(T_i, F)`` / ``(T_i,)`` of
different lengths; padding and lengths are handled inside. Features are standardised (mean and standard
deviation over all valid steps of the training set), and so are regression targets; both scalings are part
of the fitted estimator and of what :meth:`save` writes.

======================  ========================================  ===========================================
estimator               ``y``                                     model
======================  ========================================  ===========================================
``SequenceClassifier``  one label per sequence, of any hashable   :class:`~rnnkit.models.SequenceToLabel`
                        (and sortable) type
``SequenceRegressor``   ``(n,)`` or ``(n, k)`` floats             :class:`~rnnkit.models.SequenceToLabel`
``SequenceTagger``      one label per step: ``(n, T)`` or a       :class:`~rnnkit.models.SequenceToSequence`
                        list of ``(T_i,)`` arrays
======================  ========================================  ===========================================

Training is :class:`~rnnkit.training.SequenceModule` run by a Lightning Trainer (see docs/training.md).
:meth:`save` writes ``config.json`` and ``model.safetensors`` (no pickle) atomically; :func:`load` reads them.
"""

from __future__ import annotations

import copy
import json
import math
import numbers
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import numpy as np
import safetensors
import safetensors.torch
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted, check_random_state

from .data.collate import pad_sequences
from .models import POOLINGS, SequenceToLabel, SequenceToSequence
from .training import SequenceDataModule, SequenceDataset, SequenceModule, make_trainer, quiet_lightning
from .training.module import check_training_options
from .training.trainer import resolve_device

FORMAT = "rnnkit.estimator"
FORMAT_VERSION = 1
CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.safetensors"


# -- input checks --------------------------------------------------------------------------------------------
def as_sequences(X, who: str, n_features: int | None = None) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """``X`` as a padded float32 tensor ``(n, T, F)``, its lengths ``(n,)``, and whether X was one array.

    Raises ValueError for empty X, empty sequences, ragged feature counts, NaN or infinity, and a feature
    count other than ``n_features`` (the one seen at fit)."""
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    is_array = isinstance(X, np.ndarray) and X.dtype != object
    if is_array:
        if X.ndim not in (2, 3):
            raise ValueError(f"{who}: X must have shape (n, T, F) or (n, T), or be a list of (T_i, F) "
                             f"arrays; got an array of shape {X.shape}")
        seqs = list(X if X.ndim == 3 else X[..., None])
    elif isinstance(X, list | tuple | np.ndarray):
        seqs = list(X)
    else:
        raise ValueError(f"{who}: X must be an array (n, T, F) or a list of (T_i, F) arrays, got "
                         f"{type(X).__name__}")
    if not seqs:
        raise ValueError(f"{who}: X is empty; it needs at least one sequence")
    arrays = []
    for i, s in enumerate(seqs):
        try:
            a = np.asarray(s, dtype=np.float32)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{who}: sequence {i} of X is not numeric ({e})") from e
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise ValueError(f"{who}: sequence {i} of X has shape {a.shape}; each must be (T_i, F) or (T_i,)")
        if a.shape[0] == 0:
            raise ValueError(f"{who}: sequence {i} of X has length 0; every sequence needs at least one step")
        if arrays and a.shape[1] != arrays[0].shape[1]:
            raise ValueError(f"{who}: sequence {i} of X has {a.shape[1]} features but sequence 0 has "
                             f"{arrays[0].shape[1]}")
        if not np.isfinite(a).all():
            raise ValueError(f"{who}: sequence {i} of X contains NaN or infinite values (as float32)")
        arrays.append(a)
    F = arrays[0].shape[1]
    if n_features is not None and F != n_features:
        raise ValueError(f"{who}: X has {F} features per step, but the estimator was fitted with "
                         f"{n_features}")
    lengths = torch.tensor([len(a) for a in arrays], dtype=torch.long)
    return pad_sequences([torch.from_numpy(a) for a in arrays]), lengths, is_array


def as_label_array(y, who: str) -> np.ndarray:
    """One label per item as a 1-D array, without NaN; ``(n, 1)`` is flattened."""
    a = y if isinstance(y, np.ndarray) else np.asarray(y)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ValueError(f"{who}: y must hold one label per item (1-D), got shape {a.shape}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"{who}: y contains NaN or infinite labels")
    if a.dtype == object and any(isinstance(v, float) and not math.isfinite(v) for v in a):
        raise ValueError(f"{who}: y contains NaN or infinite labels")
    return a


def check_n_targets(y, n: int, who: str) -> None:
    if len(y) != n:
        raise ValueError(f"{who}: X has {n} sequences but y has {len(y)} entries; they must match")


def fit_classes(labels: np.ndarray, who: str) -> tuple[np.ndarray, np.ndarray]:
    """``classes_`` as scikit-learn has them (the sorted distinct labels) and the codes ``0..n_classes-1``.

    Labels of any sortable hashable type; non-scalar ones (tuples, ...) come as a 1-D object array."""
    if labels.dtype == object:
        try:
            distinct = sorted(set(labels.tolist()))
        except TypeError as e:
            raise ValueError(f"{who}: labels must be hashable and of one sortable type ({e})") from e
        classes = np.empty(len(distinct), dtype=object)
        classes[:] = distinct
        index = {c: i for i, c in enumerate(distinct)}
        codes = np.array([index[v] for v in labels.tolist()], dtype=np.int64)
    else:
        classes, codes = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"{who}: y has a single class ({classes[0]!r}); a classifier needs at least two")
    return classes, codes


def classes_to_json(classes: np.ndarray) -> dict:
    """``classes_`` for config.json, with its dtype; refuses labels that JSON would change (tuples, ...)."""
    values = classes.tolist()
    for c in values:
        back = json.loads(json.dumps(c))
        if back != c or type(back) is not type(c):
            raise ValueError(f"cannot save: class {c!r} of type {type(c).__name__} does not survive JSON; "
                             "use int, str, float or bool labels")
    return {"classes_": values, "classes_dtype": "object" if classes.dtype == object else classes.dtype.str}


def classes_from_json(fitted: dict) -> np.ndarray:
    dtype = fitted["classes_dtype"]
    return np.asarray(fitted["classes_"], dtype=object if dtype == "object" else np.dtype(dtype))


def feature_scaling(x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation (1 where constant) of each feature over all valid steps: ``(F,)`` each."""
    valid = torch.arange(x.shape[1])[None, :] < lengths[:, None]
    steps = x[valid].double()  # (sum of lengths, F)
    mean, std = steps.mean(0), steps.std(0, correction=0)
    return mean.float(), torch.where(std > 0, std, torch.ones_like(std)).float()


# -- estimators ----------------------------------------------------------------------------------------------
class _SequenceEstimator(BaseEstimator):
    """Shared fit / predict / save machinery. Subclasses set ``_target``, ``_task`` and the target coding."""

    _target: str  # "label" or "step"
    _task: str  # "classification" or "regression"

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size: int = 32,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        max_epochs: int = 30,
        batch_size: int = 32,
        lr: float = 5e-3,
        weight_decay: float = 0.0,
        clip_grad_norm: float | None = 1.0,
        clip_grad_value: float | None = None,
        tbptt_steps: int | None = None,
        validation_fraction: float = 0.1,
        early_stopping_patience: int | None = None,
        random_state=None,
        device: str = "auto",
        verbose: bool = False,
        log_dir: str | None = None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.clip_grad_norm = clip_grad_norm
        self.clip_grad_value = clip_grad_value
        self.tbptt_steps = tbptt_steps
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.log_dir = log_dir

    # -- fit -------------------------------------------------------------------------------------------------
    def fit(self, X, y):
        """Train on sequences ``X`` and targets ``y``; returns self. Fitted attributes are set only when
        training succeeded."""
        who = f"{type(self).__name__}.fit"
        self._check_params()
        x, lengths, _ = as_sequences(X, who)
        targets, fitted = self._encode_targets(y, lengths, who)
        x_mean, x_scale = feature_scaling(x, lengths)
        x = self._scale(x, lengths, x_mean, x_scale)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        train, val = self._split(x, lengths, targets, rng)

        accelerator = resolve_device(self.device)
        cuda = [torch.cuda.current_device()] if accelerator == "cuda" else []
        with torch.random.fork_rng(devices=cuda):  # seed our run without touching the caller's RNG
            torch.manual_seed(seed)
            model = self._build_model(x.shape[2], fitted["n_outputs_"])
            module = SequenceModule(model, task=self._task, lr=self.lr, weight_decay=self.weight_decay,
                                    clip_grad_norm=self.clip_grad_norm, clip_grad_value=self.clip_grad_value,
                                    tbptt_steps=self.tbptt_steps)
            data = SequenceDataModule(train, val, batch_size=self.batch_size, seed=seed)
            trainer = make_trainer(max_epochs=self.max_epochs, device=accelerator, log_dir=self.log_dir,
                                   early_stopping_patience=self.early_stopping_patience, verbose=self.verbose)
            with quiet_lightning(self.verbose):
                trainer.fit(module, datamodule=data)

        for name, value in fitted.items():
            setattr(self, name, value)
        self.n_features_in_ = x.shape[2]
        self.x_mean_, self.x_scale_ = x_mean.numpy(), x_scale.numpy()
        self.model_ = model.eval()
        self.loss_curve_ = module.history["train_loss"]
        self.validation_loss_curve_ = module.history["val_loss"]
        return self

    def _check_params(self) -> None:
        for name in ("hidden_size", "num_layers", "max_epochs", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 < self.validation_fraction < 1.0:
            raise ValueError(f"validation_fraction must be in (0, 1), got {self.validation_fraction}")
        if self.early_stopping_patience is not None and self.early_stopping_patience < 1:
            raise ValueError(f"early_stopping_patience must be >= 1 or None, got "
                             f"{self.early_stopping_patience}")
        check_training_options(task=self._task, lr=self.lr, weight_decay=self.weight_decay,
                               clip_grad_norm=self.clip_grad_norm, clip_grad_value=self.clip_grad_value,
                               tbptt_steps=self.tbptt_steps)
        resolve_device(self.device)

    def _split(self, x, lengths, targets, rng):
        """Training and validation datasets; validation only when early stopping asks for it."""
        per_step = self._target == "step"
        if self.early_stopping_patience is None:
            return SequenceDataset(x, lengths, targets, y_per_step=per_step), None
        n = len(x)
        n_val = max(1, round(self.validation_fraction * n))
        if n - n_val < 1:
            raise ValueError(f"early stopping holds out validation_fraction={self.validation_fraction} of "
                             f"{n} sequences, which leaves none to train on")
        order = torch.from_numpy(rng.permutation(n))
        parts = [order[n_val:], order[:n_val]]
        return [SequenceDataset(x[i], lengths[i], targets[i], y_per_step=per_step) for i in parts]

    def _build_model(self, n_features: int, n_outputs: int):
        cell = copy.deepcopy(self.cell)  # a Cell object's weights are the initial weights of every fit
        common = dict(cell=cell, num_layers=self.num_layers, bidirectional=self.bidirectional,
                      dropout=self.dropout)
        if self._target == "label":
            return SequenceToLabel(n_features, self.hidden_size, n_outputs, pooling=self.pooling, **common)
        return SequenceToSequence(n_features, self.hidden_size, n_outputs, **common)

    @staticmethod
    def _scale(x, lengths, mean, scale) -> torch.Tensor:
        valid = (torch.arange(x.shape[1])[None, :] < lengths[:, None])[..., None]
        return (x - mean) / scale * valid  # padding stays 0

    # -- predict ---------------------------------------------------------------------------------------------
    def _outputs(self, X, who: str) -> tuple[list[torch.Tensor] | torch.Tensor, torch.Tensor, bool]:
        """The model's raw outputs: ``(n, O)`` for labels, or a list of ``(T_i, O)`` for steps."""
        check_is_fitted(self, "model_")
        x, lengths, is_array = as_sequences(X, who, self.n_features_in_)
        x = self._scale(x, lengths, torch.from_numpy(self.x_mean_), torch.from_numpy(self.x_scale_))
        model = self.model_.eval()
        device = next(model.parameters()).device
        outputs = []
        with torch.inference_mode():
            for s in range(0, len(x), self.batch_size):
                lb = lengths[s : s + self.batch_size]
                xb = x[s : s + self.batch_size, : int(lb.max())]
                out, _ = model(xb.to(device), lb.to(device))
                out = out.float().cpu()
                if self._target == "label":
                    outputs.append(out)
                else:
                    outputs += [o[:n] for o, n in zip(out, lb.tolist(), strict=True)]
        return (torch.cat(outputs) if self._target == "label" else outputs), lengths, is_array

    # -- save ------------------------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> None:
        """Write ``config.json`` (parameters and fitted attributes) and ``model.safetensors`` (weights and
        scalings) into ``directory``, atomically: into a temporary directory first, then renamed. An existing
        rnnkit model directory is replaced; any other existing non-empty path is refused."""
        from . import __version__

        check_is_fitted(self, "model_")
        params = self.get_params(deep=False)
        if not isinstance(params["cell"], str):
            raise ValueError("only estimators with a named cell ('rnn', 'lstm', 'gru') can be saved: a cell "
                             "object or factory is code, and rnnkit saves no code (no pickle)")
        config = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "rnnkit_version": __version__,
            "estimator": type(self).__name__,
            "params": params,
            "fitted": {"n_features_in_": int(self.n_features_in_), **self._fitted_config()},
        }
        try:
            config_bytes = json.dumps(config, indent=2, allow_nan=False).encode()
        except (TypeError, ValueError) as e:
            raise ValueError(f"cannot save: a parameter or fitted attribute is not JSON-serialisable ({e})"
                             ) from e
        tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in self.model_.state_dict().items()}
        tensors |= {f"scaling.{k}": torch.from_numpy(np.ascontiguousarray(v))
                    for k, v in self._scalings().items()}
        write_directory_atomically(Path(directory), {CONFIG_FILE: config_bytes,
                                                     WEIGHTS_FILE: safetensors.torch.save(tensors)})

    def _fitted_config(self) -> dict:
        return {"n_outputs_": int(self.n_outputs_)}

    def _scalings(self) -> dict[str, np.ndarray]:
        return {"x_mean": self.x_mean_, "x_scale": self.x_scale_}

    def _restore(self, fitted: dict, tensors: dict[str, torch.Tensor]) -> None:
        self.n_features_in_, self.n_outputs_ = int(fitted["n_features_in_"]), int(fitted["n_outputs_"])
        self.x_mean_, self.x_scale_ = tensors["scaling.x_mean"].numpy(), tensors["scaling.x_scale"].numpy()
        model = self._build_model(self.n_features_in_, self.n_outputs_)
        weights = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
        model.load_state_dict(weights, strict=True)
        self.model_ = model.eval()


class _LabelEstimator(_SequenceEstimator):
    _target = "label"

    def __init__(
        self,
        *,
        cell="lstm",
        hidden_size: int = 32,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        pooling: str = "final",
        max_epochs: int = 30,
        batch_size: int = 32,
        lr: float = 5e-3,
        weight_decay: float = 0.0,
        clip_grad_norm: float | None = 1.0,
        clip_grad_value: float | None = None,
        tbptt_steps: int | None = None,
        validation_fraction: float = 0.1,
        early_stopping_patience: int | None = None,
        random_state=None,
        device: str = "auto",
        verbose: bool = False,
        log_dir: str | None = None,
    ):
        super().__init__(cell=cell, hidden_size=hidden_size, num_layers=num_layers,
                         bidirectional=bidirectional, dropout=dropout, max_epochs=max_epochs,
                         batch_size=batch_size, lr=lr, weight_decay=weight_decay,
                         clip_grad_norm=clip_grad_norm, clip_grad_value=clip_grad_value,
                         tbptt_steps=tbptt_steps, validation_fraction=validation_fraction,
                         early_stopping_patience=early_stopping_patience, random_state=random_state,
                         device=device, verbose=verbose, log_dir=log_dir)
        self.pooling = pooling

    def _check_params(self) -> None:
        super()._check_params()
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")


_PARAMS_DOC = """
    Parameters (keyword-only):
        cell: ``"lstm"`` (default), ``"gru"``, ``"rnn"``, a Cell factory ``(input_size, hidden_size) -> Cell``
            or a Cell object (copied at every fit; only named cells can be saved).
        hidden_size, num_layers, bidirectional, dropout: the recurrent encoder (dropout between
            layers).{pooling}
        max_epochs, batch_size, lr, weight_decay: AdamW training.
        clip_grad_norm: global gradient-norm clipping threshold, 1.0 by default (None: off).
        clip_grad_value: clip every gradient entry to [-v, v] instead (set clip_grad_norm=None).
        tbptt_steps: None for full backpropagation through time, k for truncated BPTT in chunks of k steps.
        validation_fraction, early_stopping_patience: with a patience, hold out this fraction of the sequences
            and stop when its loss has not improved for that many epochs, keeping the best weights.
        random_state: seeds initialisation, shuffling, dropout and the split; same seed on CPU, same model.
        device: ``"auto"`` (GPU when available, with mixed precision), ``"cpu"`` or ``"cuda"``.
        verbose: progress bar. log_dir: CSV and TensorBoard logs and checkpoints there.
"""
_POOLING_DOC = """
        pooling: ``"final"`` state (default), ``"last"`` step, ``"mean"`` or ``"max"`` over valid steps."""


class SequenceClassifier(ClassifierMixin, _LabelEstimator):
    __doc__ = """Classify whole sequences: a recurrent encoder, a pooled summary, a linear layer, softmax.

    ``fit(X, y)`` with one label per sequence (ints, strings, any sortable hashable type); ``predict`` returns
    labels from ``classes_``; ``predict_proba`` returns ``(n, n_classes)``; ``score`` is accuracy.
""" + _PARAMS_DOC.format(pooling=_POOLING_DOC)

    _task = "classification"

    def _encode_targets(self, y, lengths, who):
        labels = as_label_array(y, who)
        check_n_targets(labels, len(lengths), who)
        classes, codes = fit_classes(labels, who)
        return torch.from_numpy(codes).long(), {"classes_": classes, "n_outputs_": len(classes)}

    def predict_proba(self, X) -> np.ndarray:
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict_proba")
        return logits.softmax(-1).numpy()

    def predict(self, X) -> np.ndarray:
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict")
        return self.classes_[logits.argmax(-1).numpy()]

    def _fitted_config(self) -> dict:
        return {"n_outputs_": int(self.n_outputs_), **classes_to_json(self.classes_)}

    def _restore(self, fitted, tensors):
        self.classes_ = classes_from_json(fitted)
        super()._restore(fitted, tensors)


class SequenceRegressor(RegressorMixin, _LabelEstimator):
    __doc__ = """Regress one value (or one vector) per sequence: a recurrent encoder, a pooled summary, a
    linear layer, trained with mean squared error on standardised targets.

    ``fit(X, y)`` with ``y`` of shape ``(n,)`` or ``(n, k)``; ``predict`` returns the same shape; ``score`` is
    R^2 (averaged uniformly over outputs).
""" + _PARAMS_DOC.format(pooling=_POOLING_DOC)

    _task = "regression"

    def _encode_targets(self, y, lengths, who):
        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{who}: y must be numeric ({e})") from e
        if y.ndim not in (1, 2):
            raise ValueError(f"{who}: y must have shape (n,) or (n, k), got {y.shape}")
        check_n_targets(y, len(lengths), who)
        if not np.isfinite(y).all():
            raise ValueError(f"{who}: y contains NaN or infinite values")
        y2 = y.reshape(len(y), -1)
        mean, std = y2.mean(0), y2.std(0)
        scale = np.where(std > 0, std, 1.0)
        targets = torch.from_numpy((y2 - mean) / scale).float()
        fitted = {"n_outputs_": y2.shape[1], "y_mean_": mean.astype(np.float32),
                  "y_scale_": scale.astype(np.float32), "_y_1d": y.ndim == 1}
        return targets, fitted

    def predict(self, X) -> np.ndarray:
        out, _, _ = self._outputs(X, f"{type(self).__name__}.predict")
        y = out.numpy() * self.y_scale_ + self.y_mean_
        return y[:, 0] if self._y_1d else y

    def _fitted_config(self) -> dict:
        return {"n_outputs_": int(self.n_outputs_), "_y_1d": bool(self._y_1d)}

    def _scalings(self) -> dict[str, np.ndarray]:
        return super()._scalings() | {"y_mean": self.y_mean_, "y_scale": self.y_scale_}

    def _restore(self, fitted, tensors):
        self._y_1d = bool(fitted["_y_1d"])
        self.y_mean_, self.y_scale_ = tensors["scaling.y_mean"].numpy(), tensors["scaling.y_scale"].numpy()
        super()._restore(fitted, tensors)


class SequenceTagger(_SequenceEstimator):
    __doc__ = """Label every step of every sequence (``o_t = W_ho h_t + c``, softmax over classes).

    ``fit(X, y)`` with ``y`` an array ``(n, T)`` (when X is an array) or a list of ``n`` arrays ``(T_i,)``
    matching the sequences' lengths. ``predict`` returns labels in the same layout as X (an array
    ``(n, T)`` for an array X, else a list of ``(T_i,)`` arrays); ``predict_proba`` a list of
    ``(T_i, n_classes)`` arrays; ``score`` the accuracy over all steps. Not a scikit-learn classifier in the
    sense of ``is_classifier``: its ``y`` is not one label per sample, so cross-validation splits with KFold.
""" + _PARAMS_DOC.format(pooling="")

    _target = "step"
    _task = "classification"

    def _encode_targets(self, y, lengths, who):
        if isinstance(y, np.ndarray) and y.dtype != object and y.ndim == 2:
            rows = list(y)
        elif isinstance(y, list | tuple | np.ndarray):
            rows = [np.asarray(r) for r in y]
        else:
            raise ValueError(f"{who}: y must be an array (n, T) or a list of (T_i,) label arrays")
        check_n_targets(rows, len(lengths), who)
        for i, (r, n) in enumerate(zip(rows, lengths.tolist(), strict=True)):
            if r.ndim != 1 or len(r) != n:
                raise ValueError(f"{who}: the labels of sequence {i} have shape {r.shape} but the sequence "
                                 f"has {n} steps; give one label per step")
        labels = as_label_array(np.concatenate(rows), who)
        classes, codes = fit_classes(labels, who)
        padded = torch.zeros(len(rows), int(lengths.max()), dtype=torch.long)  # padding: masked out
        offsets = np.cumsum([0, *lengths.tolist()])
        for i, n in enumerate(lengths.tolist()):
            padded[i, :n] = torch.from_numpy(codes[offsets[i] : offsets[i] + n])
        return padded, {"classes_": classes, "n_outputs_": len(classes)}

    def predict_proba(self, X) -> list[np.ndarray]:
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict_proba")
        return [o.softmax(-1).numpy() for o in logits]

    def predict(self, X):
        logits, _, is_array = self._outputs(X, f"{type(self).__name__}.predict")
        labels = [self.classes_[o.argmax(-1).numpy()] for o in logits]
        return np.stack(labels) if is_array else labels

    def score(self, X, y, sample_weight=None) -> float:
        """Accuracy over all valid steps of all sequences."""
        if sample_weight is not None:
            raise ValueError("SequenceTagger.score does not support sample_weight")
        predicted = self.predict(X)
        check_n_targets(y, len(predicted), f"{type(self).__name__}.score")
        hits = [np.asarray(p) == np.asarray(t) for p, t in zip(predicted, y, strict=True)]
        return float(np.concatenate(hits).mean())

    def _fitted_config(self) -> dict:
        return {"n_outputs_": int(self.n_outputs_), **classes_to_json(self.classes_)}

    def _restore(self, fitted, tensors):
        self.classes_ = classes_from_json(fitted)
        super()._restore(fitted, tensors)


ESTIMATORS = {cls.__name__: cls for cls in (SequenceClassifier, SequenceRegressor, SequenceTagger)}


# -- save / load ---------------------------------------------------------------------------------------------
def write_directory_atomically(target: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into a fresh temporary directory beside ``target``, then rename it to ``target``.

    A reader sees the old directory or the new one, never a mix; on any error the temporary directory is
    removed and ``target`` is untouched. An existing ``target`` must be an rnnkit model directory (or empty).
    """
    empty_directory = target.is_dir() and not any(target.iterdir())
    if target.exists() and not is_model_directory(target) and not empty_directory:
        raise ValueError(f"{target} exists and is not an rnnkit model directory; refusing to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        for name, data in files.items():
            with open(tmp / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        if target.exists():
            old = target.parent / f".{target.name}.old-{uuid.uuid4().hex}"
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def is_model_directory(path: Path) -> bool:
    try:
        return json.loads((path / CONFIG_FILE).read_text()).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def load(directory: str | os.PathLike) -> _SequenceEstimator:
    """Read an estimator written by ``save``: it predicts exactly as the saved one did. No pickle is read.

    Raises ValueError for a missing, foreign or corrupt directory."""
    path = Path(directory)
    if not path.is_dir():
        raise ValueError(f"{path} is not a directory; expected an rnnkit model directory written by save()")
    try:
        config = json.loads((path / CONFIG_FILE).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not an rnnkit model directory: cannot read {CONFIG_FILE} ({e})") from e
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"{path} is not an rnnkit model directory: {CONFIG_FILE} has no format {FORMAT!r}")
    if config.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: format version {config.get('format_version')!r} is not supported "
                         f"(this rnnkit reads version {FORMAT_VERSION})")
    if config.get("estimator") == "Forecaster":  # defined on top of this module, so imported here
        from .forecast import Forecaster

        return Forecaster.load(path)
    cls = ESTIMATORS.get(config.get("estimator"))
    if cls is None:
        raise ValueError(f"{path}: unknown estimator {config.get('estimator')!r}; expected one of "
                         f"{sorted(ESTIMATORS)}")
    try:
        estimator = cls(**config["params"])
        tensors = safetensors.torch.load_file(path / WEIGHTS_FILE)
        estimator._restore(config["fitted"], tensors)
    except (KeyError, TypeError, ValueError, RuntimeError, OSError, safetensors.SafetensorError) as e:
        raise ValueError(f"{path}: corrupt rnnkit model directory ({type(e).__name__}: {e})") from e
    return estimator
