"""The task interface: three splits of arrays, what to predict, how it is scored, and the chance level.

A :class:`Task` is data only, so that a comparison can loop over tasks and models without knowing either:

==================  ==============================================================================
``train``, ``val``,  :class:`Split` ``(X, y)``: ``X (n, T, F)`` float32; ``y`` ``(n,)`` int64 class labels
``test``            (``"classify"``), ``(n,)`` float32 values (``"regress"``), or ``(n, T)`` int64 labels
                    per step (``"tag"``)
``output_size``     classes (classify, tag) or output values (regress)
``metric``          ``"accuracy"``, ``"mse"`` or ``"cross_entropy"`` (see :data:`METRICS`)
``chance``          the metric of a stated chance-level baseline on the test split (``chance_note``)
``baselines``       published results on the same test data, metric values, cited in ``source``
==================  ==============================================================================

:meth:`Task.score` scores a model's output on a split: class labels or class scores ``(n, C)`` (``(n, T, C)``
per step) for accuracy, values for mse, class probabilities for cross-entropy.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch

from ..checks import (
    FLOAT32_MAX,
    closest_name,
    fold_name,
    int_meant_fix,
    is_count,
    is_finite_number,
    is_number_text,
    lag1_autocorrelation,
    runs_along,
)

KINDS = ("classify", "regress", "tag")
# the metrics that read each kind's outputs (accuracy of regressed values would compare floats for equality)
KIND_METRICS = {"classify": ("accuracy", "cross_entropy"), "regress": ("mse",),
                "tag": ("accuracy", "cross_entropy")}
# an MSE task counts as solved below this fraction of its chance MSE (compare.success_bar)
MSE_SUCCESS_FRACTION = 0.06
# how labels of another kind become a task's class ids (text, floats, -1 and 1)
_ENCODE = ("encode every split with the classes of all three: classes = np.unique(np.concatenate([y_train, y_val, "
           "y_test])), then np.searchsorted(classes, y) for each")
# a feature whose mean or sd is beyond this is warned of as far from unit scale (Task._check_input_scale)
UNIT_SCALE = 10.0
# output_size above the largest label is warned of where labels of equal shares over output_size classes would all
# stay at or below it less often than this (((top + 1) / output_size) ** n; Task._check_classes_trained)
UNREACHED_CHANCE = 0.01


def accuracy(y: np.ndarray, out: np.ndarray) -> float:
    """Fraction of correct labels; ``out`` is labels shaped like ``y``, or scores with a trailing class
    axis."""
    pred = out if out.shape == y.shape else out.argmax(-1)
    return float(np.mean(pred == y))


def mse(y: np.ndarray, out: np.ndarray) -> float:
    """Mean squared error; ``out`` is reshaped to ``y``'s shape (so ``(n, 1)`` outputs work)."""
    return float(np.mean((np.reshape(out, y.shape) - y) ** 2))


def cross_entropy(y: np.ndarray, probs: np.ndarray) -> float:
    """Mean of ``-ln p(y)`` in nats over every label (per step for tagging); ``probs`` sum to 1 on the last
    axis. Probabilities are floored at 1e-12 so a confident mistake costs 27.6 nats, not infinity."""
    p = np.take_along_axis(probs, y[..., None].astype(np.int64), axis=-1)[..., 0]
    return float(np.mean(-np.log(np.maximum(p, 1e-12))))


# name -> (function(y_true, output) -> float, higher is better)
METRICS = {"accuracy": (accuracy, True), "mse": (mse, False), "cross_entropy": (cross_entropy, False)}


# other libraries' names of a task's kind and metric (scikit-learn's, Lightning's, Keras'), for the fix
_KIND_NAMES = {"classification": "classify", "classifier": "classify", "class": "classify",
               "regression": "regress", "regressor": "regress", "tagging": "tag", "tagger": "tag",
               "sequence_labelling": "tag", "sequence_labeling": "tag", "token_classification": "tag"}
_METRIC_NAMES = {"acc": "accuracy", "accuracy_score": "accuracy", "mean_squared_error": "mse",
                 "crossentropy": "cross_entropy", "ce": "cross_entropy", "log_loss": "cross_entropy",
                 "logloss": "cross_entropy", "nll": "cross_entropy", "categorical_crossentropy": "cross_entropy",
                 "sparse_categorical_crossentropy": "cross_entropy"}


# short names of scikit-learn's metrics, for the fix of a metric a Task does not score (Task._other_metric)
_SKLEARN_METRICS = {"f1": "f1_score", "auc": "roc_auc_score", "roc_auc": "roc_auc_score", "mae": "mean_absolute_error",
                    "rmse": "root_mean_squared_error", "r2": "r2_score", "mape": "mean_absolute_percentage_error"}
_SCORE_METRICS = ("roc_auc_score", "average_precision_score")  # which read a class's probability, not labels


def _meant(option: str, given, names: tuple, aliases: dict) -> str:
    """``"; pass kind='classify'"`` for a Task option given in another case, by another library's name
    (``'classification'``, ``'MSE'``, ``'log_loss'``) or misspelt; "" where none is near: said, never taken."""
    if not isinstance(given, str):
        return ""
    text = fold_name(given, " -")
    close = text if text in names else aliases.get(text) or closest_name(text, names)
    return f"; pass {option}={close!r}" if close else ""


@dataclass(frozen=True, eq=False)
class Split:
    """Inputs ``X (n, T, F)`` float32 and targets ``y``; unpacks as ``X, y = task.train``. One's own ``X`` of
    another number type is read as float32; a 2-D, non-numeric or non-finite ``X``, or a ``y`` of another
    count, is refused by name (:class:`Task` checks ``y`` against its kind)."""

    X: np.ndarray
    y: np.ndarray

    def __post_init__(self):
        # a split built from one's own data: X as the models read it, or an error that says how to make it so
        # a tensor from a torch Dataset, with grad or in bfloat16 (numpy reads neither), as the estimators read one:
        # dense, on the CPU, bfloat16 as float32
        for name in ("X", "y"):
            if isinstance(getattr(self, name), torch.Tensor):
                from ..estimators import _tensor_array

                object.__setattr__(self, name, _tensor_array(getattr(self, name), f"Split: {name}"))
        if isinstance(self.X, list | tuple) and len({np.shape(x) for x in self.X}) > 1:  # else numpy's inhomogeneous
            lengths = sorted({len(x) for x in self.X})
            raise ValueError(f"Split: X is a list of sequences of other shapes ({np.shape(self.X[0])}, ...; "
                             f"{lengths[0]} to {lengths[-1]} steps), but a task's sequences share one length "
                             f"(a comparison's models read every step, without masks): crop them to one, "
                             f"np.stack([x[-T:] for x in X]) with T = min(len(x) for x in X), or compare cells on "
                             f"them with SequenceClassifier(cell=...), which reads each sequence's own length")
        X, y = np.asarray(self.X), np.asarray(self.y)
        if X.ndim == 2:  # else read as (n, T, F) with F = T: a model of T input features, one step per sequence
            raise ValueError(f"Split: X has shape {X.shape}, but a split's X is (n, T, F), batch-first; for "
                             f"{X.shape[0]} sequences of {X.shape[1]} steps of one feature pass X[..., None]")
        if X.ndim != 3:
            raise ValueError(f"Split: X must be an (n, T, F) array (sequences, steps, features), got shape {X.shape}")
        if X.dtype.kind not in "biuf":
            raise ValueError(f"Split: X must hold numbers, got dtype {X.dtype}; convert it first "
                             f"(e.g. X.astype(np.float32))")
        if len(y) != len(X):
            raise ValueError(f"Split: X has {len(X)} sequences but y has {len(y)} targets; give one per sequence")
        _check_steps_axis(X)
        if X.dtype.kind == "f" and X.dtype.itemsize > 4:  # float32 reads a value beyond its range as infinite
            big = np.isfinite(X) & (np.abs(X) > FLOAT32_MAX)
            if big.any():
                i, t, f = (int(k) for k in np.argwhere(big)[0])
                raise ValueError(f"Split: X is {X[i, t, f]:.4g} at sequence {i}, step {t}, feature {f}, beyond "
                                 f"float32's range (|x| > 3.4e38), which the models read X in ({int(big.sum())} such "
                                 f"values); rescale that feature first (e.g. divide it by its largest |x|, or take "
                                 f"np.log10 of it)")
        X = X.astype(np.float32, copy=False)  # the models' dtype (a float64 X would meet float32 weights)
        if not np.isfinite(X).all():
            i, t, f = (int(k) for k in np.argwhere(~np.isfinite(X))[0])
            raise ValueError(f"Split: X is {X[i, t, f]} at sequence {i}, step {t}, feature {f}; a task's sequences "
                             f"are complete (a run would train on it as a number and diverge): fill or drop them")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.X, self.y))

    def __len__(self) -> int:
        return len(self.X)


@dataclass(frozen=True, repr=False, eq=False)
class Task:
    """One benchmark task (see the module docstring for the fields)."""

    name: str
    kind: str
    train: Split
    val: Split
    test: Split
    output_size: int
    metric: str
    chance: float
    chance_note: str
    baselines: dict[str, float] = field(default_factory=dict)
    source: str = ""
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Task {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}"
                             f"{_meant('kind', self.kind, KINDS, _KIND_NAMES)}")
        if self.metric not in METRICS:
            raise ValueError(f"Task {self.name!r}: metric must be one of {tuple(METRICS)}, "
                             f"got {self.metric!r}{self._other_metric()}")
        if self.metric not in KIND_METRICS[self.kind]:
            raise ValueError(f"Task {self.name!r}: a {self.kind} task is scored by "
                             f"{' or '.join(KIND_METRICS[self.kind])}, not {self.metric!r}")
        if not is_finite_number(self.chance):  # else a NaN bar that no run beats, or text
            fix = ""
            if isinstance(self.chance, str) and is_number_text(self.chance.strip()) and \
                    math.isfinite(meant := float(self.chance)):
                percent = self.metric == "accuracy" and 1 < meant <= 100  # '50' of a percentage
                fix = (f" (text{', a percentage' if percent else ''}); pass "
                       f"chance={meant / 100 if percent else meant!r}, a number")
            raise ValueError(f"Task {self.name!r}: chance must be a finite number (the {self.metric} of the "
                             f"chance-level baseline on the test split), got {self.chance!r}{fix}")
        # a Python float: np.mean's float64 made every run's success a numpy bool, which json.dump of compare's
        # results refuses
        object.__setattr__(self, "chance", float(self.chance))
        if (self.metric == "accuracy" and not 0 <= self.chance <= 1) or self.chance < 0:
            # an accuracy of 50 (a percentage) set the success bar at 50 + 0.9 * (1 - 50) = 5.9, which no accuracy
            # reaches: every run counted a failure
            percent = f"; a percentage? pass {self.chance / 100:g}" if 1 < self.chance <= 100 else ""
            kind = "a fraction in [0, 1]" if self.metric == "accuracy" else "a number >= 0"
            raise ValueError(f"Task {self.name!r}: chance={self.chance:g}, but the {self.metric} of the chance-level "
                             f"baseline is {kind}{percent}")
        if self.chance == 0 and self.metric != "accuracy":
            # the success bar is a fraction of the chance level (rnnkit.compare.success_bar): an MSE or a
            # cross-entropy below 0 is none, so every run would count a failure
            raise ValueError(f"Task {self.name!r}: chance=0, but the {self.metric} of the chance-level baseline (a "
                             f"model that learns nothing) is above 0, and a run succeeds below a fraction of it, "
                             f"so none could; give it, e.g. " + (
                                 "the test targets' variance, np.var(y_test) (the MSE of predicting their mean)"
                                 if self.metric == "mse" else
                                 "the cross-entropy of predicting the classes' frequencies"))
        if not is_count(self.output_size):
            fix = "" if isinstance(self.output_size, str) else int_meant_fix("output_size", self.output_size, 1)
            raise ValueError(f"Task {self.name!r}: output_size must be an integer >= 1 (classes, or values per "
                             f"target), got {self.output_size!r}{fix}")
        for split in ("train", "val", "test"):  # (X, y) as train_test_split hands them out
            if isinstance(getattr(self, split), tuple) and len(getattr(self, split)) == 2:
                object.__setattr__(self, split, Split(*getattr(self, split)))
            elif not isinstance(getattr(self, split), Split):
                raise ValueError(f"Task {self.name!r}: {split} must be a Split(X, y) (rnnkit.tasks.Split) or an (X, "
                                 f"y) pair, got {type(getattr(self, split)).__name__}")
        splits = {"train": self.train, "val": self.val, "test": self.test}
        for split, (X, y) in splits.items():
            if not len(X):  # else found at the end of a run: Lightning's refusal, or numpy's concatenate of nothing
                raise ValueError(f"Task {self.name!r}: the {split} split holds no sequence; a run trains on train, "
                                 f"validates on val and is scored on test, so each needs at least one")
            if X.shape[-1] != self.train.X.shape[-1]:
                raise ValueError(f"Task {self.name!r}: the {split} split has {X.shape[-1]} features per step but the "
                                 f"train split {self.train.X.shape[-1]}; every split holds the same features")
            object.__setattr__(splits[split], "y", self._checked_targets(y, X, split))
        self._check_input_scale()
        if self.metric == "mse":
            self._check_targets_vary()
            self._check_chance_mse()
        else:
            self._check_classes_trained()
        for split in ("val", "test"):
            X, y = splits[split]
            if X.shape == self.train.X.shape and np.array_equal(X, self.train.X) and np.array_equal(y, self.train.y):
                # one's own data given as every split: the metric (or the learning curve) reads the training data
                read = "test metric scores" if split == "test" else "validation loss (the learning curves) reads"
                warnings.warn(f"Task {self.name!r}: the {split} split holds the same sequences and targets as the "
                              f"train split, so its {read} the data the models are trained on (memorising "
                              f"scores as well as learning); hold some sequences out for it (e.g. "
                              f"sklearn.model_selection.train_test_split)", UserWarning, stacklevel=3)

    def _check_input_scale(self) -> None:
        """Warn of a feature of the train split (its first 256 sequences) far from unit scale (a mean or sd above
        :data:`UNIT_SCALE`, as raw sensor units or prices have): the comparison's models read ``X`` as given,
        unlike the estimators, which standardise it, and such inputs saturate the cells' tanh and sigmoid gates,
        so that every cell may stay at chance (gru and lstm at 0.52 on a task where they reach 0.80 and 0.77
        standardised). The named tasks are at unit scale."""
        X = self.train.X[:256].reshape(-1, self.input_size).astype(np.float64)  # a sample tells the scale
        mean, sd = X.mean(axis=0), X.std(axis=0)
        size = np.maximum(np.abs(mean), sd)
        if not (size > UNIT_SCALE).any():
            return
        k = int(np.argmax(size))
        warnings.warn(f"Task {self.name!r}: feature {k} of the train split has mean {mean[k]:.4g} and sd {sd[k]:.4g} "
                      f"({int((size > UNIT_SCALE).sum())} of the {self.input_size} features beyond {UNIT_SCALE:g}): "
                      f"rnnkit.compare's models read X as given, without the estimators' standardisation, and "
                      f"inputs far from unit scale saturate the cells' gates, so every cell may stay at chance; "
                      f"standardise every split by the train split's statistics: mu, sd = X_train.mean(axis=(0, 1)), "
                      f"X_train.std(axis=(0, 1)), then (X - mu) / sd", UserWarning, stacklevel=4)

    def _check_classes_trained(self) -> None:
        """Warn of classes of the val or test split that no target of the train split holds: no model learns
        them, so each of their sequences (steps) counts as a mistake, as after a split by position of data
        sorted by label. A train split of one class is refused, as the estimators refuse it: every model would
        learn to answer that class whatever X holds, and score its share of the test split."""
        trained = np.unique(self.train.y)
        unit = "step" if self.kind == "tag" else "sequence"
        if len(trained) == 1:
            share = float(np.mean(self.test.y == trained[0]))
            raise ValueError(f"Task {self.name!r}: the train split's y holds a single class ({trained[0]}) at each of "
                             f"its {self.train.y.size} {unit}s, so every model would learn to answer it whatever X "
                             f"holds and score its share of the test split ({share:.0%}), whichever the cell; a "
                             f"comparison needs two or more classes in the train split: a label column of one "
                             f"value, or labels sorted before a split by position? split them by class: "
                             f"train_test_split(X, y, stratify=y)")
        for split in ("val", "test"):
            y = getattr(self, split).y
            unseen = np.setdiff1d(np.unique(y), trained)
            if len(unseen):
                shown = ", ".join(map(str, unseen[:5].tolist())) + (", ..." if len(unseen) > 5 else "")
                warnings.warn(f"Task {self.name!r}: the {split} split's class(es) {shown} label "
                              f"{np.isin(y, unseen).mean():.0%} of its {unit}s but no {unit} of the train split, so no "
                              f"model learns them and each counts as a mistake; labels sorted before a split by "
                              f"position (train_test_split(..., shuffle=False))? split them by class: "
                              f"train_test_split(X, y, stratify=y)", UserWarning, stacklevel=4)
        held = np.unique(np.concatenate([np.ravel(s.y) for s in (self.train, self.val, self.test)]))
        top, n = int(held.max()), sum(s.y.size for s in (self.train, self.val, self.test))
        if top + 1 < self.output_size and ((top + 1) / self.output_size) ** n < UNREACHED_CHANCE:
            # outputs no label reaches, where n labels would all miss them by chance less than once in 100 (classes
            # of equal shares): the number of features, a hidden size or a guess given as output_size; a small
            # task that may miss its last class by chance stays quiet
            unused = f"{top + 1}" if top + 2 == self.output_size else f"{top + 1} .. {self.output_size - 1}"
            warnings.warn(f"Task {self.name!r}: output_size={self.output_size} gives the classes 0 .. "
                          f"{self.output_size - 1}, but no {unit} of its {n} (train, val and test) is labelled above "
                          f"{top}, so the models' outputs for class(es) {unused} are reached by no label; give "
                          f"output_size the number of classes, output_size={top + 1} (int(y.max()) + 1)",
                          UserWarning, stacklevel=4)
        low = int(held.min())
        if low > 0 and (1 - low / self.output_size) ** n < UNREACHED_CHANCE:
            # classes counted from 1 (R's factors, MATLAB, a UCR file's labels 1 .. K): output 0 is reached by no
            # label, where n labels of equal classes would all miss class 0 .. low - 1 by chance less than once in 100
            unused = "output for class 0 is" if low == 1 else f"outputs for classes 0 .. {low - 1} are"
            warnings.warn(f"Task {self.name!r}: output_size={self.output_size} gives the classes 0 .. "
                          f"{self.output_size - 1}, but no {unit} of its {n} (train, val and test) is labelled below "
                          f"{low}, so the models' {unused} reached by no label; labels "
                          f"counted from {low}? subtract {low} from every split's y (y - {low}) and give output_size="
                          f"{top + 1 - low}", UserWarning, stacklevel=4)

    def _check_targets_vary(self) -> None:
        """Refuse a regress task whose train split's targets are one value (each target, if several), as a train
        split of one class is refused: every model would learn to answer it whatever X holds, and score the test
        split's spread about it, whichever the cell (every run a success where the test split holds it too)."""
        y = self.train.y.reshape(len(self.train.y), -1)
        if len(y) == 1:  # every target is one value: the sequence's own
            value = f"{y[0, 0]:g}" if y.shape[1] == 1 else str(y[0].tolist())
            raise ValueError(f"Task {self.name!r}: the train split holds one sequence (y {value}), so every model "
                             f"would learn to answer its target whatever X holds, whichever the cell; a comparison "
                             f"needs a train split of many sequences: give it most of them (e.g. train_test_split(X, "
                             f"y, test_size=0.2), and again for val)")
        if len(y) < 2 or (np.ptp(y, axis=0) > 0).any():
            return
        value = f"{y[0, 0]:g}" if y.shape[1] == 1 else str(y[0].tolist())
        mse = float(np.mean((self.test.y.reshape(len(self.test.y), -1) - y[0]) ** 2))
        raise ValueError(f"Task {self.name!r}: the train split's y is {value} for each of its {len(y)} sequences, so "
                         f"every model would learn to answer it whatever X holds and score its MSE on the test split "
                         f"({mse:.4g}), whichever the cell; a comparison needs targets that vary in the train split: a "
                         f"column of one value (a unit, a flag, what a filter left) given as y? give the target that "
                         f"varies")

    def _check_chance_mse(self) -> None:
        """Warn of a chance MSE ten times off the MSE of predicting the training targets' mean on the test split:
        the success bar is 6 % of it, so targets in other units than the chance (a chance of 1 for targets in
        the thousands, or in thousandths) would make every run a failure, or every run a success."""
        baseline = float(np.mean((self.test.y - self.train.y.mean(axis=0)) ** 2))
        if baseline > 0 and not 0.1 <= self.chance / baseline <= 10:
            warnings.warn(f"Task {self.name!r}: chance={self.chance:g} (mse), but predicting the training targets' "
                          f"mean scores an MSE of {baseline:.4g} on the test split, so the success bar "
                          f"({MSE_SUCCESS_FRACTION * 100:g} % of chance, {MSE_SUCCESS_FRACTION * self.chance:.4g}) "
                          f"would make every run " +
                          ("a failure" if self.chance < baseline else "a success") + "; targets in other units "
                          "than the chance? give chance that baseline, np.mean((y_test - y_train.mean(0)) ** 2)",
                          UserWarning, stacklevel=4)

    def _checked_targets(self, y: np.ndarray, X: np.ndarray, split: str) -> np.ndarray:
        """``y`` of one split as the training and :meth:`score` read it (int64 class ids from 0, float32 values),
        or a ValueError naming what it holds and how to encode it."""
        where = f"Task {self.name!r}: the {split} split's y"
        if self.kind == "regress":
            if y.dtype.kind not in "iuf":
                raise ValueError(f"{where} has dtype {y.dtype}; a regress task's targets are numbers")
            width = 1 if y.ndim == 1 else y.shape[1]
            if y.ndim > 2 or width != self.output_size:
                raise ValueError(f"{where} has shape {y.shape}, but output_size={self.output_size} values per "
                                 f"sequence take (n, {self.output_size})" if self.output_size > 1 else
                                 f"{where} has shape {y.shape}, but output_size=1 takes (n,) or (n, 1)")
            # beyond float32's range too: the targets are float32, as the models' outputs
            bad = ~(np.abs(y.astype(np.float64)) <= np.finfo(np.float32).max)
            if bad.any():
                at = tuple(int(k) for k in np.argwhere(bad)[0])
                target = f", target {at[1]}" if y.ndim == 2 else ""
                raise ValueError(f"{where} is {y[at]} at sequence {at[0]}{target} ({int(bad.sum())} in all), "
                                 f"but a regress task's targets are finite numbers (within float32's range): a run "
                                 f"would train on it as a number and diverge (or score nan, in the test split, "
                                 f"whichever the cell); drop "
                                 f"the sequences without a target, keep = np.isfinite(y)" +
                                 (".all(axis=1)" if y.ndim == 2 else "") + ", then Split(X[keep], y[keep])")
            # one value per sequence as (n,), as the named tasks hold it: score then reads predictions of (n,) or (n, 1)
            return (y[:, 0] if y.ndim == 2 and width == 1 else y).astype(np.float32, copy=False)
        shape = (len(X),) if self.kind == "classify" else X.shape[:2]
        if y.shape != shape:
            unit = "sequence" if self.kind == "classify" else "step (n, T)"
            column = "; a column of ids? pass y[..., 0]" if y.shape == (*shape, 1) else ""
            raise ValueError(f"{where} has shape {y.shape}, but a {self.kind} task takes one class id per {unit}: "
                             f"{shape}{column}")
        if y.dtype.kind not in "biu":
            labels = np.unique(np.concatenate([np.ravel(s.y) for s in (self.train, self.val, self.test)]))
            shown = ", ".join(map(repr, labels[:4].tolist())) + (", ..." if len(labels) > 4 else "")
            raise ValueError(f"{where} holds labels of dtype {y.dtype} ({shown}), but a task's classes are the "
                             f"integers 0 .. output_size - 1 that index the model's outputs; {_ENCODE}")
        if len(y) and y.min() < 0:  # labels -1 and 1, or -100: padding for CrossEntropyLoss(ignore_index=-100)
            at = tuple(int(k) for k in np.argwhere(y < 0)[0])
            value = y[at].item()
            raise ValueError(f"{where} holds the class {value!r} at {at}, but a task's classes are the integers 0 .. "
                             f"output_size - 1 that index the model's outputs, and every " + (
                                 "step is scored (a task's sequences share one length): -100, torch's ignore_index "
                                 "of padded steps? crop the sequences to their labelled steps, or give each step a "
                                 "class" if self.kind == "tag" and value == -100 else
                                 f"{'step' if self.kind == 'tag' else 'sequence'} is scored: {_ENCODE}"))
        if len(y) and y.max() >= self.output_size:
            raise ValueError(f"{where} holds the class {y.max().item()!r}, but output_size={self.output_size} gives "
                             f"the classes 0 .. {self.output_size - 1} (the model's outputs): labels from 1? subtract "
                             f"1; else give output_size the number of classes")
        return y.astype(np.int64, copy=False)

    @property
    def input_size(self) -> int:
        """Features per step, ``F``."""
        return self.train.X.shape[-1]

    @property
    def seq_len(self) -> int:
        """Steps per sequence, ``T``."""
        return self.train.X.shape[1]

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.metric][1]

    def _other_metric(self) -> str:
        """The fix for a metric a Task does not score (``'f1'``, ``'mae'``): keep the kind's own, which compare's
        success bar reads, and score the outputs with the metric meant, scikit-learn's where it has one."""
        text = fold_name(self.metric, " -") if isinstance(self.metric, str) else ""
        if text not in _SKLEARN_METRICS:  # 'mae' is no misspelt 'mse'
            meant = _meant("metric", self.metric, tuple(METRICS), _METRIC_NAMES)
            if meant:
                return meant
        import sklearn.metrics

        own = KIND_METRICS[self.kind][0]  # kind is checked before metric
        text = _SKLEARN_METRICS.get(text, text)
        found = next((f for f in (text, f"{text}_score") if text and hasattr(sklearn.metrics, f)), None)
        fn = found or ("mean_absolute_error" if own == "mse" else "f1_score")
        y, read = ("task.test.y", "output") if own == "mse" else \
            ("task.test.y.ravel()", "output.argmax(-1).ravel()") if self.kind == "tag" else \
            ("task.test.y", "output[:, 1] (two classes' probabilities)") if fn in _SCORE_METRICS else \
            ("task.test.y", "output.argmax(-1)")
        return (f"; a Task scores only these (compare's success bar reads them): pass metric={own!r} and score the "
                f"test outputs with the metric meant yourself, {'' if found else 'e.g. '}"
                f"sklearn.metrics.{fn}({y}, {read})")

    def score(self, output: np.ndarray, split: str = "test") -> float:
        """The task's metric of ``output`` (see the module docstring) against ``split``'s targets (``"train"``,
        ``"val"`` or ``"test"``): for ``"classify"`` labels ``(n,)`` or scores ``(n, output_size)``, for
        ``"regress"`` one value per target (``(n,)`` or ``(n, 1)``), for ``"tag"`` probabilities ``(n, T,
        output_size)`` summing to 1 over the last axis. Another shape is a ValueError: it would be reshaped,
        broadcast or read as other classes. A tensor is read as it comes from a model: with grad, on a GPU, in
        bfloat16 or float16 (as float32)."""
        if split not in ("train", "val", "test"):
            text = fold_name(split)
            meant = next((n for n in ("train", "val", "test") if text.startswith(n)),
                         "val" if text in ("dev", "valid", "validation") else None)
            raise ValueError(f"Task {self.name!r}.score: split must be 'train', 'val' or 'test', got {split!r}"
                             + (f"; pass split={meant!r}" if meant else ""))
        if isinstance(output, torch.Tensor):  # else torch's "Can't call numpy() on Tensor that requires grad", ...
            output = output.detach().cpu()
            output = output.float() if output.dtype in (torch.bfloat16, torch.float16) else output
        y, out = getattr(self, split).y, np.asarray(output)
        scores = (len(y), *y.shape[1:], self.output_size)
        allowed = {"classify": [y.shape, scores], "regress": [y.shape, (*y.shape, 1)], "tag": [scores]}[self.kind]
        if out.shape not in [tuple(a) for a in allowed]:
            raise ValueError(f"Task {self.name!r}.score: output has shape {out.shape}, but the {len(y)} {split} "
                             f"targets of this {self.kind} task take " + " or ".join(map(str, allowed)) +
                             " (one row per sequence, in the split's order; scores over the task's "
                             f"{self.output_size} outputs)")
        who = f"Task {self.name!r}.score"
        labels = self.kind == "classify" and out.shape == y.shape
        if labels and self.metric == "cross_entropy":  # else "output holds no probabilities at () (they sum to 8)"
            raise ValueError(f"{who}: output has shape {out.shape}, the {split} targets', as labels do, but "
                             f"cross-entropy reads each class's probability: pass shape {scores} "
                             f"(model.predict_proba(X), or the softmax of the logits)")
        if out.dtype.kind == "O" and all(isinstance(v, numbers.Real) for v in out.flat):
            out = out.astype(np.float64)  # numbers in an object array (a pandas Series of object dtype)
        if labels:
            self._check_class_ids(out, split)
        if out.dtype.kind not in "biufc":  # else numpy's UFuncTypeError of subtract, or None - float
            first = next(iter(out.flat))
            first = str(first) if isinstance(first, str) else first  # '0.1', not np.str_('0.1')
            raise ValueError(f"{who}: output holds {out.dtype} values (e.g. {first!r}), not numbers; pass the "
                             f"model's outputs as numbers (np.asarray(output, dtype=float) of numbers' text)")
        # NaN arg-maxes to its first class, silently (-inf scores, masked classes, are read); an MSE of inf is none:
        # a diverged model scores nan, as rnnkit.compare records a diverged run, and is named
        bad = (~np.isfinite(out) if self.metric == "mse" else np.isnan(out)) if out.dtype.kind in "fc" else None
        if bad is not None and bad.any():
            i = tuple(int(k) for k in np.argwhere(bad)[0])
            rows = int(bad.reshape(len(out), -1).any(axis=1).sum())
            held = "NaN or infinity" if self.metric == "mse" else "NaN"
            why = " (not a class: NaN arg-maxes to class 0, a plausible score)" if self.metric == "accuracy" else ""
            warnings.warn(f"Task {self.name!r}.score: output[{', '.join(map(str, i))}] is {out[i]} ({rows} of the "
                          f"{len(out)} rows hold {held}), so the {self.metric} is nan{why}; a model whose training "
                          f"diverged? train it again, e.g. with a lower learning rate or gradient clipping",
                          RuntimeWarning, stacklevel=2)
            return math.nan
        if self.metric == "cross_entropy":
            sums = out.sum(-1)
            if not (np.all(out >= 0) and np.allclose(sums, 1, atol=1e-3)):
                i = np.unravel_index(int(np.argmax(np.abs(np.nan_to_num(sums, nan=np.inf) - 1))), sums.shape)
                raise ValueError(f"Task {self.name!r}.score: output holds no probabilities at {tuple(map(int, i))}"
                                 f" (they sum to {sums[i]:.4g}); cross-entropy reads probabilities that sum to 1 "
                                 "over the last axis: apply softmax to the logits first")
        return METRICS[self.metric][0](y, out)

    def _check_class_ids(self, out: np.ndarray, split: str) -> None:
        """Refuse labels ``(n,)`` that are no class ids: text (``'1' == 1`` is False, so every one would count
        wrong) or fractions (a probability of one class, ``0.7``, equals no class), which accuracy would score as
        mistakes without a word."""
        who = f"Task {self.name!r}.score"
        if out.dtype.kind in "US" or out.dtype.kind == "O" and any(isinstance(v, str) for v in out.flat):
            first = next(v for v in out.flat if isinstance(v, str | np.str_ | bytes))
            raise ValueError(f"{who}: output holds labels of dtype {out.dtype} (e.g. {str(first)!r}), but the {split} "
                             f"targets are the class ids 0 .. {self.output_size - 1} (numbers), which no text equals; "
                             f"pass the ids (output.astype(int) for digits' text, or np.searchsorted(classes, "
                             f"output) with the classes the task's y was encoded by)")
        if out.dtype.kind == "f":
            frac = np.flatnonzero(np.isfinite(out) & (out != np.round(out)))
            if len(frac):
                i = int(frac[0])
                raise ValueError(f"{who}: output[{i}] is {out[i]:.4g}, not a class id: an output of shape {out.shape} "
                                 f"is read as labels, and {len(frac)} of them are fractions, which equal no class; "
                                 f"for scores pass shape ({len(out)}, {self.output_size}) (one class's probabilities "
                                 f"p of two: np.stack([1 - p, p], axis=1)), for labels their class ids")

    def __repr__(self) -> str:
        sizes = "/".join(str(len(s)) for s in (self.train, self.val, self.test))
        return (f"Task({self.name!r}, kind={self.kind!r}, n={sizes}, T={self.seq_len}, F={self.input_size}, "
                f"output_size={self.output_size}, metric={self.metric!r}, chance={self.chance:.4g})")


def _check_steps_axis(X: np.ndarray) -> None:
    """Refuse an ``X`` of one step of many features, and warn of one whose values run smoothly along its last axis
    and not along the steps (:func:`rnnkit.checks.runs_along`): both are sktime's and aeon's ``(n, channels, T)``
    ("numpy3D") given where a split takes ``(n, T, F)``, which would run the models over the channels as steps."""
    n, T, F = X.shape
    fix = f"sktime's or aeon's numpy3D, (n, channels, T)? pass X.transpose(0, 2, 1), shape ({n}, {F}, {T})"
    if T == 1 and F > 1:
        raise ValueError(f"Split: X has shape {X.shape}, read as (n, T, F): one step of {F} features per sequence, "
                         f"which leaves a recurrent model nothing to carry from step to step; {fix}")
    if runs_along(X, 2, 1):
        warnings.warn(f"Split: X has shape {X.shape}, read as (n, T, F): {T} steps of {F} features; but its values "
                      f"run smoothly along the last axis (lag-1 autocorrelation {lag1_autocorrelation(X, 2):.2f}) and "
                      f"not along the steps ({lag1_autocorrelation(X, 1):.2f}), as a time series does along its "
                      f"time; {fix}; if X is (n, T, F) as given, silence this with "
                      f"warnings.filterwarnings('ignore', message='Split: X has shape')", UserWarning, stacklevel=4)


def check_seed(who: str, name: str, value, *, none: str | None = None) -> None:
    """ValueError unless ``value`` is an integer >= 0, a seed that draws the same data on every call. numpy would
    read ``True`` as seed 1 and ``None`` as fresh entropy (another task on every call), both without a word;
    ``none`` names what None means where it is allowed (``digits_task``'s unpermuted pixels)."""
    if value is None and none is not None:
        return
    if value is None:
        raise ValueError(f"{who}: {name}=None would draw a new, unrepeatable task on every call; give an integer "
                         f">= 0 (e.g. 0)")
    if not is_count(value, 0):
        note = f" (a bool is no seed: True would be read as {name}=1)" if isinstance(value, bool | np.bool_) else ""
        raise ValueError(f"{who}: {name} must be an integer >= 0{note}, got {value!r}")


def split_rngs(seed: int | np.random.SeedSequence, n: int = 3) -> list[np.random.Generator]:
    """Independent generators for the splits: changing one split's size leaves the others unchanged."""
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.default_rng(s) for s in sequence.spawn(n)]


def majority_chance(y_train: np.ndarray, y_test: np.ndarray) -> tuple[float, str]:
    """Accuracy on the test split of always predicting the most frequent training class, and its note."""
    values, counts = np.unique(y_train, return_counts=True)
    majority = values[np.argmax(counts)]
    note = f"always predict the most frequent class ({majority})"
    return accuracy(y_test, np.full_like(y_test, majority)), note
