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

Training is :class:`~rnnkit.training.SequenceModule` run by :func:`~rnnkit.training.seeded_fit` (see
docs/training.md), on several devices or machines with ``devices`` / ``num_nodes`` / ``strategy`` (DDP).
``time_aware=True`` reads NaN in ``X`` as missing values, through :class:`rnnkit.TimeAware` (GRU-D).
:meth:`save` writes ``config.json`` and ``model.safetensors`` (no pickle) atomically; :func:`load` reads them.
"""

from __future__ import annotations

import copy
import datetime
import inspect
import json
import math
import numbers
import os
import sys
import unicodedata
import warnings

import numpy as np
import pandas as pd
import scipy.sparse
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import DataConversionWarning, UndefinedMetricWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, check_random_state

from . import io
from .cells import Cell, TimeAware, time_aware_inputs
from .cells.base import length_mask
from .checks import (
    FLOAT32_MAX,
    as_counts,
    check_fitted_params,
    check_flags,
    closest_name,
    farthest_from_scaling,
    fitted_params,
    int_meant,
    interleave_rows,
    interleaved_channels,
    is_count,
    is_finite_number,
    is_flag,
    is_integer,
    is_number_text,
    lag1_autocorrelation,
    named_difference,
    runs_along,
    short_repr,
)
from .data.collate import (
    IGNORE_INDEX,
    blank_inside,
    blank_tails,
    check_window_fraction,
    length_buckets,
    pad_sequences,
    take_windows,
    window_width,
    zero_padding,
)
from .data.sample_times import check_time_scale, read_sample_times, time_unit, times_tensor
from .layers.checks import check_dropout
from .models import (
    FRONTENDS,
    NORMALISATIONS,
    POOLINGS,
    Ensemble,
    SequenceToLabel,
    SequenceToSequence,
    defaults_for_series,
    named_cell,
)
from .models.defaults import PREDICT_WINDOWS
from .training.fit import ScaleOut, seeded_fit
from .training.runs import (
    BATCHINGS,
    LR_SCHEDULES,
    SCHEDULE_EPOCHS,
    check_label_smoothing,
    check_training_options,
    resolve_device,
    resume_checkpoint,
    run_identity,
)

# -- input checks --------------------------------------------------------------------------------------------
LAYOUTS = ("auto", "ntf", "nct", "numpy3D")
LAYOUT_ALIASES = {"numpy3D": "nct"}
"""Other names of a layout: sktime and aeon call ``(n_cases, n_channels, n_timepoints)`` "numpy3D"."""
_OTHER_CONTAINERS = {
    "numpy2D": "a 2-D (n, T) array is read as n sequences of one feature in every layout",
    **dict.fromkeys(("nested_univ", "pd-multiindex", "df-list"), "a DataFrame is read by its rows, its steps, in "
                    "every layout"),
    "np-list": "a list of (C, T_i) arrays, aeon's, is read as such in layout='auto' (or 'nct')",
}
"""sktime's and aeon's names of containers that are no layout of an array, and how rnnkit reads each."""


def check_layout(layout, who: str) -> None:
    """ValueError for a ``layout`` that is not one of :data:`LAYOUTS`; the name of one of sktime's other
    containers is told how rnnkit reads it."""
    if layout in LAYOUTS:
        return
    if isinstance(layout, str) and layout in _OTHER_CONTAINERS:
        hint = (f"; {layout!r} is sktime's (or aeon's) name of a container, not of a layout: "
                f"{_OTHER_CONTAINERS[layout]}, so leave layout='auto'")
    else:
        key = "".join(c for c in layout.lower() if c.isalnum()) if isinstance(layout, str) else None
        meant = _LAYOUT_NAMES.get(key) or closest_name(layout, LAYOUTS)
        hint = (f"; {layout!r} means {_LAYOUT_MEANING[meant]}: pass layout={meant!r}" if meant else
                "; pass layout='ntf' for X of (n, time, features), 'nct' (sktime's and aeon's 'numpy3D') for "
                "(n, channels, time), or leave 'auto' (read from X)")
    raise ValueError(f"{who}layout must be one of {LAYOUTS}, got {layout!r}{hint}")


_LAYOUT_NAMES = {
    **dict.fromkeys(("channelsfirst", "channelfirst", "ncl", "ncw", "nct", "nft", "numpy3d", "nchannelstime",
                     "ncltimepoints", "ncasesnchannelsntimepoints"), "nct"),
    **dict.fromkeys(("channelslast", "channellast", "nlc", "nwc", "ntc", "ntf", "ntd", "batchfirst",
                     "ntimefeatures", "nstepsfeatures"), "ntf"),
    "auto": "auto"}
"""Other spellings of a layout (lower case, letters and digits only): Keras' and PyTorch's channels_first and
channels_last, torch's (N, C, L) and batch_first, the layouts in capitals or of other letters."""
_LAYOUT_MEANING = {"nct": "X of (n, channels, time)", "ntf": "X of (n, time, features)",
                   "numpy3D": "X of (n, channels, time)", "auto": "the layout read from X"}


class NotNumericError(ValueError, TypeError):
    """X holds a value that is not a number at all (a dict, an object): a ValueError, as every bad input of
    rnnkit, and a TypeError, as numpy and scikit-learn report a value of the wrong type."""


def as_sequences(X, who: str, n_features: int | None = None, *, layout: str = "auto", ids=None,
                 allow_nan: bool = False, list_layout: str | None = None) -> tuple[torch.Tensor, torch.Tensor, bool]:
    """``X`` as a padded tensor ``(n, T, F)``, its lengths ``(n,)``, and whether X was one array. The tensor is
    float32 where float32 holds X's values exactly (float32 or float16 X, bools, small integers) and float64
    otherwise (float64 X, int64, Python's numbers), so that the standardisation reads X's own values; the
    network reads the standardised values in float32 (:meth:`_SequenceEstimator._inputs`).

    ``X`` is read in ``layout``:

    ========  ===================================================================================
    layout    X
    ========  ===================================================================================
    "ntf"     rnnkit's: an array ``(n, T, F)`` (or ``(n, T)``: one feature), or a list of ``(T_i, F)``
              / ``(T_i,)`` arrays (DataFrames too: rows are steps)
    "nct"     sktime's and aeon's: an array ``(n, C, T)`` (channels first), or a list of ``(C, T_i)``
              (a DataFrame's rows are its steps in every layout: it is never transposed); "numpy3D",
              the name sktime and aeon give it, is the same layout
    "auto"    "ntf", but also: sktime's nested DataFrame (one row per sequence, one column per channel,
              each cell a ``pd.Series`` of any length) and pandas' MultiIndex ``(instance, time)``
              rows ("pd-multiindex"), one row per step; a list of 2-D arrays whose first axis is the
              same for all and whose second varies is aeon's ``(C, T_i)`` and is read as such. An
              array or equal-length list that reads as one step of many features (``(n, 1, F)``,
              ``F > 1``) is refused: it is almost surely ``(n, C=1, T)``; fewer steps than features
              (``T < F``) gives a warning naming both readings, and so do values that run smoothly along
              the last axis and not along the second (``(n, C, T)`` with ``C > T``, which the shape alone
              cannot tell). Pass "ntf" or "nct" to say which (and silence the warnings).
              With ``n_features`` (after fit) the fitted feature count decides instead: ``F`` equal to
              it is read as given; a list whose sequences all have it on their first axis, and not all
              on their second, is aeon's ``(C, T_i)`` and is transposed (a ``(C, C)`` sequence with it);
              a list of square ``(C, C)`` sequences only is read as the list at fit was
              (``list_layout``: "nct" or "ntf", from :func:`_read_sequences`); an array whose second axis
              has it is refused as channels first.
    ========  ===================================================================================

    A sequence that is a DataFrame (or Series) is read by its rows, which must be in the order of its index
    when that is numbers or dates (a newest-first table is refused, not read backwards); its columns must be
    numbers or bools (pandas' missing values, ``pd.NA``, are NaN), a column of text, dates or categories of
    text is refused by name.

    ``ids``: the caller's name for each sequence of X (e.g. a file's sequence ids), used in errors instead
    of its position in X. Raises ValueError for empty X, empty sequences, ragged feature counts, values that
    would be misread as numbers (numbers written as text, complex numbers, dates, masked values), NaN (unless
    ``allow_nan``: then NaN marks a missing value), infinity or a value beyond float32's range (naming the
    sequence, step and feature), and a feature count other than ``n_features`` (the one seen at fit)."""
    return _read_sequences(X, who, n_features, layout=layout, ids=ids, allow_nan=allow_nan,
                           list_layout=list_layout)[:3]


def _read_sequences(X, who: str, n_features: int | None = None, *, layout: str = "auto", ids=None,
                    allow_nan: bool = False, list_layout: str | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor, bool, str | None]:
    """:func:`as_sequences`, and how a list X was read: "nct" (transposed from ``(C, T_i)``) or "ntf"; None
    when X was not a list. A fit records it, so that its predict reads square ``(C, C)`` sequences alike."""
    check_layout(layout, f"{who}: ")
    _check_not_flattened(X, who)
    asked, layout = layout, LAYOUT_ALIASES.get(layout, layout)
    seqs, default_ids, kind = _sequence_list(X, who, layout, n_features)
    if not seqs:
        raise ValueError(f"{who}: X is empty; it needs at least one sequence")
    ids = default_ids if ids is None else list(ids)
    if ids is not None and len(ids) != len(seqs):
        raise ValueError(f"{who}: {len(ids)} ids given for {len(seqs)} sequences")
    name = (lambda i: f"sequence {i} of X") if ids is None else (lambda i: f"sequence {ids[i]!r}")
    arrays, integers = [], []  # integers: each sequence's own integer array (None for others), for _check_big_integers
    # an integer array X none of whose values passes 2**53 (one pass over X) needs no look at its sequences
    look = not (isinstance(X, np.ndarray) and X.dtype.kind in "iu" and not _beyond_2_53(X))
    for i, s in enumerate(seqs):
        if s is None:
            raise ValueError(f"{who}: {name(i)} is None; each sequence must be a (T_i, F) or (T_i,) array")
        if isinstance(s, str | bytes):  # a raw text: numpy would read it as one value, and quote it whole
            raise NotNumericError(f"{who}: {name(i)} is not numeric: it is a text ({_preview(s)}), not a sequence "
                                  f"of numbers; {_encode_texts()}")
        if isinstance(s, torch.Tensor):
            s = _tensor_array(s, f"{who}: {name(i)}")
        frame_integers = None  # a DataFrame's (or Series') integer columns, which _frame_steps reads as float64
        if isinstance(s, pd.DataFrame | pd.Series):
            frame_integers = _frame_integers(s)
            s = _frame_steps(s, f"{who}: {name(i)}")
        if isinstance(s, np.ma.MaskedArray) and np.ma.getmask(s).any():  # np.asarray would drop the mask
            raise ValueError(f"{who}: {name(i)} is a masked array with masked values, whose mask would be lost; "
                             f"fill them in (s.filled(value)), or pass s.filled(np.nan) with time_aware=True to "
                             f"read them as missing")
        try:
            raw = s if isinstance(s, np.ndarray) else np.asarray(s)  # a list, a DataFrame: as numpy reads it
        except ValueError as e:  # numpy refuses a ragged nested list
            raise ValueError(f"{who}: {name(i)} is not a rectangular array ({e}); each sequence must be (T_i, F) "
                             f"or (T_i,), every step with the same number of features") from e
        if raw.dtype == object:  # pandas' missing value (a nullable frame's .to_numpy()) is NaN, as None is
            na = np.frompyfunc(lambda v: v is pd.NA, 1, 1)(raw).astype(bool)
            if na.any():
                raw = np.where(na, np.nan, raw)
        if raw.dtype == object and _parses_as_numbers(raw):  # as the text dtypes below: "1.5" read silently
            first = next(v for v in raw.ravel().tolist() if isinstance(v, str | bytes))
            raise NotNumericError(f"{who}: {name(i)} holds numbers written as text (e.g. {first!r}); X must hold "
                                  f"numbers: convert them yourself (e.g. pd.to_numeric), so that nothing is misread")
        if np.iscomplexobj(raw):  # float32 would silently drop the imaginary part
            raise ValueError(f"{who}: {name(i)} holds complex numbers (Complex data not supported); X must hold "
                             f"real numbers: pass the real and imaginary parts as two features (or take .real / "
                             f"abs() yourself)")
        # numpy would parse "1.5" silently; words are tokens of a text, to be encoded
        if raw.dtype.kind in "UST" and raw.ndim == 1 and not _parses_as_numbers(raw):  # T: StringDType
            raise NotNumericError(f"{who}: {name(i)} is not numeric: it holds text tokens ({_preview(raw[0])}, "
                                  f"...), not numbers; "
                                  f"{_encode_texts(tokens=True)}")
        if raw.dtype.kind in "UST" and (isinstance(s, np.ndarray) or _parses_as_numbers(raw)):
            raise NotNumericError(f"{who}: {name(i)} holds text (dtype {raw.dtype}), not numbers; X must hold numbers: "
                                  f"convert it yourself (e.g. np.asarray(x, dtype=float), which says where a value "
                                  f"is not a number)")
        if raw.dtype.kind in "mM":  # float32 would read the raw ticks
            raise NotNumericError(f"{who}: {name(i)} holds dates or durations (dtype {raw.dtype}), not numbers; X must "
                                  f"hold numbers: convert them yourself in the unit you mean (e.g. durations / "
                                  f"np.timedelta64(1, 's') for seconds)")
        try:  # float64 unless float32 holds the values exactly (_float32_exact): standardised as the user's own
            a = np.asarray(raw, dtype=np.float32 if _float32_exact(raw.dtype) else np.float64)
        except (TypeError, ValueError) as e:
            error = NotNumericError if isinstance(e, TypeError) else ValueError
            raise error(f"{who}: {name(i)} is not numeric ({e}); X must hold numbers only") from e
        if a.ndim not in (1, 2):
            raise ValueError(f"{who}: {name(i)} has shape {a.shape}; each must be (T_i, F) or (T_i,)")
        arrays.append(a)
        integers.append(frame_integers if frame_integers is not None else
                        raw if look and raw.dtype.kind in "iu" and raw.dtype.itemsize > 4 else None)  # int32: < 2**53
    transpose = kind == "list" and (layout == "nct" or layout == "auto" and
                                    _channels_first(arrays, seqs, who, n_features, list_layout, name))
    # a list given channels first whose sequences share their last axis and not their first: (T_i, F) as given
    as_given = transpose and layout == "nct" and all(a.ndim == 2 for a in arrays) and \
        len({a.shape[1] for a in arrays}) == 1 < len({a.shape[0] for a in arrays})
    # a list given as rnnkit's whose sequences share their first axis and not their last: aeon's (C, T_i) as given
    aeon = kind == "list" and layout == "ntf" and all(a.ndim == 2 and not isinstance(s, pd.DataFrame) for a, s in
                                                     zip(arrays, seqs, strict=True)) and \
        len({a.shape[0] for a in arrays}) == 1 < len({a.shape[1] for a in arrays})
    if (transpose and layout == "nct" and n_features is None and len({a.shape for a in arrays}) == 1
            and arrays[0].ndim == 2 and not any(isinstance(s, pd.DataFrame) for s in seqs)):
        # an equal-shape list of (C, T) arrays, given channels first, each made by a.reshape(C, T) of a (T, C) one
        # (the rows read stacked alone: no copy of the whole list)
        _check_not_reshaped(np.stack(arrays[: interleave_rows(arrays[0].shape)]), who,
                            f"X, a list of {len(arrays)} arrays of shape {arrays[0].shape},", "np.stack(X)",
                            stacklevel=4, n=len(arrays))
    if transpose:  # (C, T_i) -> (T_i, C); a 1-D sequence stays as it is, a DataFrame's rows are its steps
        arrays = [a if isinstance(s, pd.DataFrame) else a.T for a, s in zip(arrays, seqs, strict=True)]
        integers = [r if r is None or isinstance(s, pd.DataFrame) else r.T for r, s in zip(integers, seqs, strict=True)]
    flat = [i for i, a in enumerate(arrays) if a.ndim == 1]  # (T_i,): read as T_i steps of one feature
    arrays = [a[:, None] if a.ndim == 1 else a for a in arrays]
    # X's own sequences (C, T_i), as a list comprehension over X reads them: a NaN tail is cut along their last axis
    channels_first = transpose or kind == "array" and layout == "nct"
    for i, a in enumerate(arrays):
        if a.shape[0] == 0:
            raise ValueError(f"{who}: {name(i)} has length 0; every sequence needs at least one step")
        if a.shape[1] != arrays[0].shape[1]:
            hint = (f"; layout={asked!r} reads each sequence as (channels, T_i), but X's sequences share their last "
                    f"axis ({arrays[0].shape[0]}) and differ in their first ({arrays[0].shape[1]}, {a.shape[1]}, ...), "
                    f"as (T_i, F) sequences do: pass layout='ntf' (or 'auto')" if as_given else
                    f"; layout={asked!r} reads each sequence as (T_i, F), but X's sequences share their first axis "
                    f"({arrays[0].shape[0]}) and differ in their last ({arrays[0].shape[1]}, {a.shape[1]}, ...), as "
                    f"aeon's (channels, T_i) sequences do: pass layout='nct' (or 'auto')" if aeon else
                    _flat_beside_steps_hint(arrays, flat, name))
            raise ValueError(f"{who}: {name(i)} has {a.shape[1]} features but {name(0)} has {arrays[0].shape[1]}"
                             + hint)
        # beyond float32's range: the network's inputs could not carry it (nor the server's and the Streamer's)
        bad = (np.isinf(a) | (np.abs(a) > FLOAT32_MAX)) if allow_nan else ~(np.abs(a) <= FLOAT32_MAX)
        if bad.any():
            step, feature = (int(k[0]) for k in np.nonzero(bad))
            what = "NaN" if np.isnan(a[step, feature]) else "an infinite value" if np.isinf(a[step, feature]) else \
                f"a value beyond float32's range ({a[step, feature]:.3g}; |x| > 3.4e38)"
            missing = "; or fit with time_aware=True to read NaN as missing" if what == "NaN" else ""
            padded = what == "NaN" and np.isnan(a[step:]).all()  # NaN in every feature from there to the end
            # NaN in every feature from the first step on, and a step after them that is not
            head = int(np.argmin(np.isnan(a).all(axis=1))) if what == "NaN" and step == 0 and not padded else 0
            unpad = f"pass the sequences without them, e.g. {_without_blank_steps(channels_first)}"
            pad = (f"; its last {len(a) - step} step(s) are NaN in every feature, as tslearn pads a shorter series: "
                   f"{unpad}" if padded else
                   f"; its first {head} step(s) are NaN in every feature: padding before its start, as Keras' "
                   f"pad_sequences adds by default (padding='pre')? {unpad}" if head else "")
            raise ValueError(f"{who}: {name(i)} contains {what} at step {step}, feature {feature}; X must hold "
                             f"finite numbers (fill in missing values, or leave the step out{missing}){pad}")
    _check_big_integers([r if r is None else r.reshape(len(r), -1) for r in integers], name, who)
    if allow_nan:
        empty = [i for i, a in enumerate(arrays) if np.isnan(a).all()]
        if empty:  # read from the fitted means alone: one answer for all such, or at fit a label taught on none
            i = empty[0]
            warnings.warn(f"{who}: {name(i)} has no observed value (NaN in every feature at each of its "
                          f"{len(arrays[i])} steps; {len(empty)} such sequence(s) in X): time_aware=True reads NaN as "
                          f"missing, and with nothing observed reads only the fitted means, the same for every such "
                          f"sequence; if it holds no recording, leave it out of X (at fit, its target out of y too)",
                          UserWarning, stacklevel=3)
        _warn_nan_padding(arrays, name, who, channels_first)
    if kind == "array" or kind == "frame" and len({len(a) for a in arrays}) == 1:
        _warn_zero_padding(arrays, name, who, kind)
    F = arrays[0].shape[1]
    if n_features is not None and F != n_features:
        # (T, F) read as (n, T): an array, or a list of rows of numbers ([[f1, f2, f3], ...], X[0].tolist())
        one = F == 1 and all(len(a) == n_features for a in arrays) and (
            kind == "array" or kind == "list" and all(np.ndim(s) == 1 for s in seqs))
        listed = kind == "list"
        # X in the other layout than the estimator's (set_params(layout=...) or a model fitted on sktime's data)
        other = {"ntf": "nct", "nct": "ntf"}.get(layout) if kind != "frame" and F != 1 and all(
            a.shape[0] == n_features and not isinstance(s, pd.DataFrame) for a, s in zip(arrays, seqs, strict=True)
        ) else None
        raise ValueError(f"{who}: X has {F} features per step, but the estimator was fitted with "
                         f"{n_features}" + (f"; X is a list of {len(arrays)} rows of {n_features} numbers, read "
                                            f"as {len(arrays)} sequences of one feature: for a single sequence of "
                                            f"{len(arrays)} steps of {n_features} features, pass [X]" if one and listed
                                            else "; X is 2-D, read as (n, T) sequences of one feature: for a single "
                                            "sequence (T, F), pass X[None]" if one else "") + (
                             f"; X is read in the estimator's layout={layout!r}, and in layout={other!r} it would "
                             f"have {n_features}: if X is {'(n, T, F)' if other == 'ntf' else '(n, channels, T)'}, "
                             f"set_params(layout={other!r}) (or transpose X's last two axes)" if other else "") + (
                             "" if one or other else f"; give X the {n_features} feature{'s' * (n_features != 1)} "
                             f"per step it was fitted on, in the same order (n_features_in_)"))
    lengths = torch.tensor([len(a) for a in arrays], dtype=torch.long)
    # np.require copies only what torch cannot share: a read-only array (a DataFrame's values under pandas'
    # copy-on-write) would make torch warn
    dtype = torch.float64 if any(a.dtype == np.float64 for a in arrays) else torch.float32
    return pad_sequences([torch.from_numpy(np.require(a, requirements="CW")) for a in arrays], float_dtype=dtype), \
        lengths, kind == "array", ("nct" if transpose else "ntf") if kind == "list" else None


def _frame_integers(s: pd.DataFrame | pd.Series) -> np.ndarray | None:
    """A sequence given as a DataFrame (or Series) as ``(T, F)`` int64, its columns of 64-bit integers as they are
    and the others 0 (no spread, nothing beyond 2**53), for :func:`_check_big_integers`; None without such columns."""
    frame = s.to_frame() if isinstance(s, pd.Series) else s
    wide = [isinstance(d, np.dtype) and d.kind in "iu" and d.itemsize > 4 for d in frame.dtypes]
    if not any(wide):
        return None
    columns = {j: frame.iloc[:, j].to_numpy() for j, is_wide in enumerate(wide) if is_wide}
    beyond = any(c.dtype.kind == "u" and c.size and int(c.max()) >= 2**63 for c in columns.values())
    out = np.zeros(frame.shape, dtype=object if beyond else np.int64)  # object: uint64 past int64's range, exact
    for j, column in columns.items():
        out[:, j] = column
    return out


def _beyond_2_53(r: np.ndarray) -> bool:
    """Whether the integer array ``r`` holds a value beyond +-2**53 (float64's exact integers); no pass over ``r``
    where its dtype cannot (32 bits or fewer), one or two otherwise."""
    return r.size > 0 and r.dtype.itemsize > 4 and (int(r.max()) > 2**53 or r.dtype.kind == "i" and
                                                     int(r.min()) < -2**53)


def _check_big_integers(integers: list[np.ndarray | None], name, who: str,
                        feature=lambda j: f"feature {j} of X") -> None:
    """Refuse a feature of integers beyond 2**53 (epoch nanoseconds, ids) whose spread float64, X's reading, cannot
    carry: the spacing of float64 there (twice its rounding) more than a thousandth of the feature's spread over X's
    integer sequences (``integers``: each ``(T_i, F)``, None for a sequence of floats), so that their differences,
    all the network would see of them after standardising, are lost without a word."""
    big = [(i, r) for i, r in enumerate(integers) if r is not None and _beyond_2_53(r)]
    if not big:
        return
    given = [r for r in integers if r is not None and r.size]
    for j in range(big[0][1].shape[1]):
        lo, hi = min(int(r[:, j].min()) for r in given), max(int(r[:, j].max()) for r in given)
        top = max(abs(lo), abs(hi))
        spacing = 2 ** max(top.bit_length() - 53, 0)  # of float64 between 2**k and 2**(k + 1): 2**(k - 52)
        if top > 2**53 and 0 < hi - lo < 1000 * spacing:
            i, r = next((i, r) for i, r in big if np.abs(r[:, j].astype(object)).max() > 2**53)
            raise ValueError(f"{who}: {feature(j)} holds integers beyond 2**53 (e.g. {int(r[:, j].max())} in "
                             f"{name(i)}), which float64, as X is read, rounds to multiples of {spacing}: too coarse "
                             f"for their spread ({hi - lo}), which would be lost; subtract an offset in integers "
                             f"before passing X, e.g. x - x.min() as int64 (epoch nanoseconds: seconds since the "
                             f"first, (t - t.min()) / 1e9), or leave the feature out if it is an id")


def _flat_beside_steps_hint(arrays: list[np.ndarray], flat: list[int], name) -> str:
    """The fix, where X's sequences differ in their features because some were given 1-D (``flat``: read as
    steps of one feature) beside 2-D ones of several features; "" otherwise."""
    wide = [a.shape[1] for k, a in enumerate(arrays) if k not in flat]
    if not flat or not wide:
        return ""
    F, n = max(set(wide), key=wide.count), len(arrays[flat[0]])
    flattened = f" (a (T_i, {F}) sequence flattened: x.reshape(-1, {F}))" if n % F == 0 else ""
    more = f"; {len(flat)} sequences are 1-D" if len(flat) > 1 else ""
    return (f"; {name(flat[0])} is 1-D ({n} values{more}), read as {n} steps of one feature, beside "
            f"2-D sequences of {F} features per step: give every sequence as a (T_i, {F}) array{flattened}")


def _encode_texts(tokens: bool = False) -> str:
    """How texts (or lists of their tokens) given as X become sequences the estimators read."""
    build = "Vocab.build(token_lists, level='token')" if tokens else \
        "Vocab.build(texts) (characters; level='word' for words)"
    each = "tokens in token_lists" if tokens else "t in texts"
    return (f"the estimators read a vector of numbers at each step: encode each text first, e.g. one one-hot vector "
            f"per token: vocab = rnnkit.data.{build}, X = [np.eye(len(vocab), dtype=np.float32)"
            f"[vocab.encode({'tokens' if tokens else 't'}).numpy()] for {each}]; for a large vocabulary, an "
            f"embedding of the ids (rnnkit.data.TextClassificationDataset, as rnnkit.apps.sentiment does)")


def _preview(text) -> str:
    """A text as a message quotes it: its first 30 characters, and its length when longer."""
    text = str(text) if isinstance(text, np.str_) else text
    return repr(text) if len(text) <= 30 else f"{text[:30]!r}..., {len(text)} characters"


def _without_blank_steps(channels_first: bool) -> str:
    """The list comprehension that drops the steps of X's sequences that are NaN in every feature, as X holds
    them: ``(T_i, F)`` or ``(T_i,)`` (steps on the first axis), or ``(C, T_i)`` read channels first (steps on the
    last axis: the rows dropped there would be channels, and a NaN tail would stay)."""
    if channels_first:
        return "[x[..., ~np.isnan(x).reshape(-1, x.shape[-1]).all(axis=0)] for x in X]"
    return "[x[~np.isnan(x).reshape(len(x), -1).all(axis=1)] for x in X]"


def _builds(cell: str, hidden_size: int) -> bool:
    """Whether the named cell builds at ``hidden_size`` (layernorm_lstm refuses one unit)."""
    try:
        named_cell(cell, 2, hidden_size)  # two inputs: layernorm_lstm warns of one
    except ValueError:
        return False
    return True


def _warn_nan_padding(arrays: list[np.ndarray], name, who: str, channels_first: bool) -> None:
    """Warn when NaN read as missing values (``time_aware``) looks like padding: several sequences end in steps
    that are NaN in every feature, and no other step is, as tslearn's ``to_time_series_dataset`` (or a table
    pivoted to one row per time) pads the shorter series; or several start in such steps, and no other step is,
    as Keras' ``pad_sequences(..., value=np.nan)`` pads them by default (``padding="pre"``). Each would be read
    at the padded length, its true end followed (or its start preceded) by steps where nothing was observed, and
    the same series would read otherwise padded to another length at predict."""
    blank = [np.isnan(a).all(axis=1) for a in arrays]  # steps with no feature observed
    ends = {"end": blank, "start": [b[::-1] for b in blank]}  # the leading steps counted on the steps reversed
    tails = {where: blank_tails(steps) for where, steps in ends.items()}
    found = [where for where, steps in ends.items()
             if not blank_inside(steps, tails[where]) and np.count_nonzero(tails[where]) >= 2]
    if not found:
        return
    where = found[0]
    tails, padded = tails[where], np.flatnonzero(tails[where])
    i = int(padded[0])
    how, read = (("as tslearn pads a shorter series", "its true end followed by") if where == "end" else
                 ("as Keras' pad_sequences pads a shorter series by default (padding='pre')",
                  "its true start preceded by"))
    warnings.warn(f"{who}: {len(padded)} of X's {len(arrays)} sequences {where} in steps that are NaN in every feature "
                  f"({name(i)}: its {'last' if where == 'end' else 'first'} {tails[i]} of {len(arrays[i])} steps), and "
                  f"no other step is, {how}; time_aware=True reads them as steps where nothing was observed, and each "
                  f"sequence as {max(len(a) for a in arrays)} steps, {read} them: if they are padding, pass the "
                  f"sequences without them, e.g. {_without_blank_steps(channels_first)}",
                  UserWarning, stacklevel=4)


def _warn_zero_padding(arrays: list[np.ndarray], name, who: str, kind: str = "array") -> None:
    """Warn when an array X (every sequence of its ``T`` steps) looks padded with zeros after the end of its
    shorter sequences, as ``np.zeros((n, T, F))`` filled row by row, Keras' ``pad_sequences(padding="post")``
    or tslearn with ``0`` do: sequences end in steps that are 0 in every feature, in runs of at least two
    different lengths, another sequence ends in a step that is not, and no other step of any sequence is 0 in
    every feature. The zeros would be read as steps. A warning, not a refusal: zeros may be real (a sensor at
    rest), though rarely only at the ends, in every feature; a list of sequences is read as given and not
    checked, so ``list(X)`` says so (:func:`rnnkit.data.collate.zero_padding`, ``strict=True``, which says why
    the .npz reader's warning of an ``X`` saved without ``lengths`` is less strict).

    ``kind="frame"``: a DataFrame X whose sequences all have ``T`` steps, as sktime's ``PaddingTransformer``
    gives a nested (or MultiIndex) frame of series of different lengths, padded with 0 to the longest."""
    blank = [(a == 0).all(axis=1) for a in arrays]
    padded, tails = zero_padding(blank, strict=True)
    if not len(padded):
        if kind == "array":  # Keras' pad_sequences pads before each start by default (padding="pre")
            _warn_zero_padding_before(blank, name, who)
        return
    i, T = int(padded[0]), len(arrays[0])
    fix = ("pass a list of the sequences at their own lengths (X takes sequences of different lengths), e.g. "
           "[x[:n] for x, n in zip(X, lengths)]; if the zeros are real, pass list(X), which is read as given"
           if kind == "array" else
           "pass X as it was before padding (sktime's PaddingTransformer is not needed: a nested DataFrame whose "
           "series have different lengths, or a MultiIndex one whose instances have different numbers of rows, is "
           "read at each sequence's own length); if the zeros are real, ignore this warning (warnings."
           "filterwarnings('ignore', message='.*zero padding'))")
    warnings.warn(f"{who}: {len(padded)} of X's {len(arrays)} sequences end in steps that are 0 in every feature "
                  f"({name(i)}: its last {tails[i]} of {T} steps; {len(set(tails) - {0})} different counts), and no "
                  f"other step is: zero padding after each sequence's end? "
                  f"{'An array' if kind == 'array' else 'A DataFrame'} X is read as {T} steps in every sequence, the "
                  f"padding too; {fix}", UserWarning, stacklevel=4)


def _warn_zero_padding_before(blank: list[np.ndarray], name, who: str) -> None:
    """:func:`_warn_zero_padding`'s check on the steps reversed: an array X whose sequences start in steps that
    are 0 in every feature, as Keras' ``pad_sequences`` pads the shorter ones by default (``padding="pre"``), by
    the same strict rule (runs of at least two lengths, a sequence starting in a step that is not 0, no other
    step 0 in every feature). The zeros would be read as steps before each sequence's start."""
    padded, heads = zero_padding([b[::-1] for b in blank], strict=True)
    if not len(padded):
        return
    i, T = int(padded[0]), len(blank[0])
    warnings.warn(f"{who}: {len(padded)} of X's {len(blank)} sequences start in steps that are 0 in every feature "
                  f"({name(i)}: its first {heads[i]} of {T} steps; {len(set(heads.tolist()) - {0})} different counts), "
                  f"and no other step is: zero padding before each sequence's start, as Keras' pad_sequences pads "
                  f"by default (padding='pre')? An array X is read as {T} steps in every sequence, the padding too; "
                  f"pass a list of the sequences at their own lengths (X takes sequences of different lengths), e.g. "
                  f"[x[T - n:] for x, n in zip(X, lengths)]; if the zeros are real, pass list(X), which is read as "
                  f"given", UserWarning, stacklevel=5)


# the sktime pipelines that hand a scikit-learn estimator each sequence flattened to a row (sktime's "numpyflat")
_SKTIME_FLATTENING = ("sktime.classification.compose._pipeline", "sktime.regression.compose._pipeline")


def _check_not_flattened(X, who: str) -> None:
    """Refuse a 2-D array X that sktime's ``SklearnClassifierPipeline`` or ``SklearnRegressorPipeline`` (what
    ``transformer * SequenceClassifier()`` builds) flattened from a panel of several channels: it converts its
    transformers' output to "numpyflat", ``(n, C * T)``, each sequence's channels one after another in a row,
    which reads as one channel of ``C * T`` steps. X alone cannot tell (one channel of ``C * T`` steps is a valid
    X), so the caller's frame is asked: the pipeline's ``_fit`` / ``_predict`` / ``_predict_proba`` hold the panel
    as ``Xt`` before flattening it. One channel flattens to ``(n, T)``, read rightly, and passes."""
    if not (isinstance(X, np.ndarray) and X.ndim == 2) or not any(m in sys.modules for m in _SKTIME_FLATTENING):
        return
    frame = sys._getframe(1)
    for _ in range(8):  # _read_sequences <- as_sequences <- _outputs <- predict <- the pipeline's _predict
        frame = frame.f_back
        if frame is None:
            return
        if frame.f_globals.get("__name__") in _SKTIME_FLATTENING and "Xt" in frame.f_locals:
            break
    else:
        return
    Xt = frame.f_locals["Xt"]
    if isinstance(Xt, np.ndarray) and Xt.ndim == 3:  # numpy3D: (n, C, T)
        channels = Xt.shape[1]
    elif isinstance(Xt, pd.DataFrame) and (isinstance(Xt.index, pd.MultiIndex) or len(Xt) and all(
            isinstance(c, pd.Series | np.ndarray) for c in Xt.iloc[0])):  # pd-multiindex, nested_univ
        channels = Xt.shape[1]
    elif isinstance(Xt, list) and Xt and all(isinstance(s, pd.DataFrame) for s in Xt):  # df-list
        channels = Xt[0].shape[1]
    else:  # a table of features (one value per column), or a form not known here
        return
    if channels > 1 and X.shape[1] % channels == 0:
        pipeline = type(frame.f_locals.get("self")).__name__
        raise ValueError(f"{who}: X is the {X.shape} array sktime's {pipeline} (transformer * "
                         f"{who.split('.')[0]}()) makes of its transformers' output, {channels} channels of "
                         f"{X.shape[1] // channels} steps per sequence flattened one after another into a row, which "
                         f"would be read as one channel of {X.shape[1]} steps; apply the transformers yourself and "
                         f"give the estimator their output: Xt = transformer.fit_transform(X); est.fit(Xt, y), then "
                         f"est.predict(transformer.transform(X_new))")


def _sequence_list(X, who: str, layout: str, n_features: int | None) -> tuple[list, list | None, str]:
    """The sequences of X, one array-like per sequence (an array's already ``(T, F)`` in ``layout``); the
    ids that X carries (a DataFrame's instances) or None; and what X was: "array", "frame" or "list"."""
    if scipy.sparse.issparse(X):
        raise ValueError(f"{who}: X is a sparse {type(X).__name__}; sparse input is not supported (a sequence's "
                         f"steps are dense): pass X.toarray() for (n, T) sequences of one feature")
    if isinstance(X, pd.Series) and isinstance(X.index, pd.MultiIndex):
        X = X.to_frame()  # a long Series of one feature, rows (instance, time): as its one-column DataFrame
    series = isinstance(X, pd.Series)  # a flat Series: one sequence's values, most likely (X[None] fails on it)
    if isinstance(X, torch.Tensor):
        X = _tensor_array(X, f"{who}: X")
    elif not isinstance(X, list | tuple | np.ndarray | pd.DataFrame) and hasattr(X, "__array__"):
        X = np.asarray(X)  # array-likes (xarray, ...) are read as the array they convert to
    if isinstance(X, pd.DataFrame):
        return *_frame_sequences(X, who), "frame"
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 1 and X.dtype.kind in "UST":  # texts: each is refused as one, naming the encoding
            return list(X), None, "list"
        if X.ndim == 1 and series:
            raise ValueError(f"{who}: X is a Series of {len(X)} values, not sequences; for one sequence of "
                             f"{len(X)} steps pass [X] (a list of one Series, its rows the steps), or X.to_numpy()"
                             f"[:, None] for {len(X)} sequences of one step")
        if X.ndim == 1:
            raise ValueError(f"{who}: X must have shape (n, T, F) or (n, T), or be a list of (T_i, F) arrays; got "
                             f"an array of shape {X.shape}. Reshape your data: X[None] for one sequence of "
                             f"{len(X)} steps, or X[:, None] for {len(X)} sequences of one step")
        if X.ndim not in (2, 3):
            raise ValueError(f"{who}: X must have shape (n, T, F) or (n, T), or be a list of (T_i, F) "
                             f"arrays; got an array of shape {X.shape}")
        _check_not_empty(X.shape, who)
        if X.ndim == 2:
            return list(X[..., None]), None, "array"
        if layout == "nct":
            if n_features is None and X.dtype.kind in "biuf":
                _check_not_reshaped(X, who)
            return list(X.transpose(0, 2, 1)), None, "array"
        if layout == "auto":
            _check_orientation(X.shape, "an array", who, n_features, X if X.dtype.kind in "biuf" else None)
        return list(X), None, "array"
    if isinstance(X, list | tuple | np.ndarray):
        return list(X), None, "list"
    hint = ("; a dict of sequences by id? pass pd.Series(X) (a pandas y is then matched to it by id), or "
            "list(X.values()) with y in that order" if isinstance(X, dict) else "")
    raise ValueError(f"{who}: X must be an array (n, T, F), a list of (T_i, F) arrays, or a DataFrame of "
                     f"sequences (nested or with a MultiIndex (instance, time)), got {type(X).__name__}{hint}")


def _sequence_ids(X) -> list | None:
    """The ids X gives its sequences (a DataFrame's instances, in the order they are read), for messages; None
    for arrays and lists."""
    if isinstance(X, pd.Series) and isinstance(X.index, pd.MultiIndex):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        return None
    return list(X.index.get_level_values(0).unique()) if isinstance(X.index, pd.MultiIndex) else list(X.index)


def _times_by_sequence(X, times, who: str):
    """``times`` given as pandas keyed by X's instances, as the list or ``(n, T)`` array
    :func:`read_sample_times` reads, after checking that its ids are a DataFrame X's instances in X's order (they
    are matched by position, as y is): an ``(n, T)`` DataFrame (a long table pivoted to a row per instance, its
    ids sorted), a Series of one array of times per instance (``df.groupby(id)[time].apply(np.array)``), or a
    Series of one time per row of a MultiIndex X, split by instance as X is. Other times come back as given."""
    if isinstance(X, pd.Series) and isinstance(X.index, pd.MultiIndex):
        X = X.to_frame()
    frame = isinstance(X, pd.DataFrame)
    if isinstance(times, pd.Series) and frame and isinstance(X.index, pd.MultiIndex) and len(times) == len(X) \
            and len(X) != X.index.get_level_values(0).nunique():
        if not times.index.equals(X.index):
            keyed = isinstance(times.index, pd.MultiIndex)
            fix = ("times.reindex(X.index), after checking that none is missing" if keyed else
                   "times.set_axis(X.index) if they are in the order of X's rows")
            raise ValueError(f"{who}: times is a Series of one time per row of X, but its index is not X's (instance, "
                             f"time) rows in X's order ({_show_index(times.index)} for X's "
                             f"{_show_index(X.index)}); give times on X's index ({fix})")
        return [group.to_numpy() for _, group in times.groupby(level=0, sort=False)]
    arrays = isinstance(times, pd.Series) and times.dtype == object and len(times) > 0 and all(
        isinstance(t, list | tuple | np.ndarray | pd.Index | pd.Series) for t in times.tolist())
    if not (isinstance(times, pd.DataFrame) or arrays):
        return times
    if frame:
        check_target_index(X, times, who, "times")
    return list(times.to_numpy()) if arrays else times.to_numpy()


def _check_own_times(X, times, relative: np.ndarray, kind: str, lengths: torch.Tensor, ids, who: str) -> None:
    """Warn when ``times`` given beside a MultiIndex X whose time level holds dates, durations or periods are not
    X's own times (each sequence's relative to its first): a list built in another order than X's instances
    (grouped by sorted id, where X keeps its table's order) gives each sequence another's gaps without a word."""
    if isinstance(X, pd.Series) and isinstance(X.index, pd.MultiIndex):
        X = X.to_frame()
    if isinstance(times, str) or not (isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex)) or \
            kind != "seconds" or not isinstance(X.index.levels[1], pd.DatetimeIndex | pd.TimedeltaIndex |
                                                pd.PeriodIndex):
        return
    try:
        own, _ = read_sample_times("index", X, lengths.numpy(), who, ids=ids)
    except ValueError:  # X's own index holds no times to compare with (a time repeated): the given ones are read
        return
    for i, n in enumerate(lengths.tolist()):
        if not np.allclose(relative[i, :n], own[i, :n], rtol=1e-9, atol=1e-6):
            k = int(np.flatnonzero(~np.isclose(relative[i, :n], own[i, :n], rtol=1e-9, atol=1e-6))[0])
            warnings.warn(f"{who}: the times given for sequence {_plain(ids[i])!r} are not its own in X's time index "
                          f"(step {k} is {relative[i, k]:g} s after its first, but {own[i, k]:g} s in X): times "
                          f"in another order than X's instances ({_show_index(pd.Index(ids))})? they are matched "
                          f"to X's sequences by position; times='index' reads X's own", UserWarning, stacklevel=4)
            return


def _parses_as_numbers(values: np.ndarray) -> bool:
    """Whether a text or object array holds text that float32 would read as numbers without a word (``"1.5"``);
    text that does not parse is refused where it fails, naming the value."""
    if values.dtype == object and not any(isinstance(v, str | bytes) for v in values.ravel().tolist()):
        return False
    try:
        np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError):
        return False
    return True


def _tensor_array(t: torch.Tensor, what: str) -> np.ndarray:
    """A tensor of X as a numpy array: dense, on the CPU, in a dtype numpy has (bfloat16 becomes float32)."""
    if t.layout != torch.strided:
        raise ValueError(f"{what} is a sparse tensor ({t.layout}); sparse input is not supported (a sequence's "
                         f"steps are dense): pass t.to_dense()")
    if t.is_meta:
        raise ValueError(f"{what} is a tensor on the 'meta' device, which holds no values; pass a tensor with data")
    t = t.detach().cpu()
    return (t.float() if t.dtype == torch.bfloat16 else t).numpy()




def _float32_exact(dtype: np.dtype) -> bool:
    """Whether float32 holds every value of ``dtype`` exactly (float16 and float32, bools, integers of up to 16
    bits): X in such a dtype is read as float32, any other (float64, int64, Python's numbers) as float64, so
    that the standardisation reads the user's own values (1e6 + 0.01 is 1e6 in float32, whose numbers near 1e6
    are 0.0625 apart; epoch seconds near 1.7e9, 128)."""
    return dtype.kind == "b" or dtype.kind in "iuf" and dtype.itemsize <= (2 if dtype.kind in "iu" else 4)


def _check_not_empty(shape: tuple, who: str) -> None:
    """Refuse an array X with no sequences, no steps or no features, in the words scikit-learn's checks
    use (an (n, T) array's columns are its steps: with none, there is nothing to read)."""
    if shape[0] == 0:
        raise ValueError(f"{who}: X is empty: 0 sample(s) (shape={shape}) while a minimum of 1 is required; it "
                         f"needs at least one sequence")
    if shape[1] == 0:
        raise ValueError(f"{who}: X has 0 feature(s) (shape={shape}) while a minimum of 1 is required: its "
                         f"sequences have 0 steps; every sequence needs at least one step")
    if len(shape) == 3 and shape[2] == 0:
        raise ValueError(f"{who}: X has 0 feature(s) (shape={shape}) while a minimum of 1 is required: its "
                         f"steps have no features; every step needs at least one")


def _check_orientation(shape: tuple, what: str, who: str, n_features: int | None, values=None) -> None:
    """In "auto" layout, at fit: refuse ``(n, 1, F)`` with ``F > 1`` (one step of F features: almost surely
    sktime/aeon's ``(n, C, T)`` with one channel) and warn when ``T < F``, unless ``values`` run smoothly along
    the second axis and not along the last (:func:`rnnkit.checks.runs_along`), as a time series does along its
    time: X is then ``(n, T, F)`` with more features than steps (JapaneseVowels' 12 cepstra over its first 7
    frames). With ``T >= F`` the shape cannot tell ``(n, C, T)`` with more channels than steps (UEA's PEMS-SF,
    963 x 144) from ``(n, T, F)``, so ``values`` decide alone: a warning when they run smoothly along the last
    axis and not along the second. After fit, the fitted feature count decides: ``F == n_features`` is read as
    given (a single step is then a legitimate stream), and ``T == n_features != F`` is refused as channels
    first."""
    n, T, F = shape
    fix = ("if it is (n, channels, time) as sktime and aeon give it, pass layout='nct' (or transpose it to "
           f"(n, T, F): X.transpose(0, 2, 1); {_NOT_RESHAPE}); if it is (n, time, features), pass layout='ntf'")
    if n_features is not None:
        if T == n_features != F:
            raise ValueError(f"{who}: X is {what} of shape {shape}: {F} features per step, but the estimator was "
                             f"fitted with {n_features}, which is the length of X's second axis; {fix}")
        return
    if T == 1 and F > 1:
        raise ValueError(f"{who}: X is {what} of shape {shape}, which reads as 1 time step of {F} features: "
                         f"almost surely {F} time steps of 1 channel; {fix}")
    if T < F:
        if values is None or not runs_along(values, 1, 2):
            warnings.warn(f"{who}: X is {what} of shape {shape}, read as (n, T, F): {T} time steps of {F} "
                          f"features each; {fix}", UserWarning, stacklevel=5)
    elif values is not None and runs_along(values, 2, 1):
        steps, last = lag1_autocorrelation(values, 1), lag1_autocorrelation(values, 2)
        warnings.warn(f"{who}: X is {what} of shape {shape}, read as (n, T, F): {T} time steps of {F} "
                      f"features each; but its values run smoothly along its last axis (lag-1 autocorrelation "
                      f"{last:.2f}) and not along the axis read as time ({steps:.2f}), as {T} channels of {F} "
                      f"time steps do (sktime's and aeon's (n, C, T) with more channels than steps): "
                      f"{fix} (either silences this)", UserWarning, stacklevel=5)


_NOT_RESHAPE = ("never X.reshape(n, T, C), which keeps the values' order and so puts steps of one channel "
                "side by side as the features of a step")
"""What every message advising a transpose adds: a reshape is not one (docs/training.md, "A reshape is not a
transpose")."""


def _check_not_reshaped(X: np.ndarray, who: str, given: str | None = None, name: str = "X", stacklevel: int = 5,
                        n: int | None = None) -> None:
    """At fit, warn when an array read channels first, ``(n, C, T)``, looks made by ``X.reshape(n, C, T)`` of an
    ``(n, T, C)`` array (:func:`rnnkit.checks.interleaved_channels`): every "channel" then holds the steps of
    all channels one after another, which trains without complaint on nonsense. Nothing is said where the
    values cannot tell (``C`` divides ``T``, channels alike): docs/training.md says it loudly instead. ``given``:
    X as the user gave it (an equal-shape list of ``(C, T)`` arrays is checked as the stack of its first
    :data:`~rnnkit.checks.INTERLEAVE_ROWS`, ``n`` their number in all)."""
    found = interleaved_channels(X)
    if found is None:
        return
    _, C, T = X.shape
    n = len(X) if n is None else n
    given = given or f"X of shape {X.shape}"
    what, undone, read = found
    measure = (f"their means explain {undone:.0%} of the values' variance, {read:.0%} by the channels read"
               if what == "level" else f"their log standard deviations spread {undone:.2f}, {read:.2f} in the "
               f"channels read")
    warnings.warn(f"{who}: {given} is read channels first (layout='nct'): {C} channels of {T} steps; "
                  f"but {name}.reshape({n}, {T}, {C}) holds {C} channels of their own {what} along its last axis "
                  f"({measure}), as an (n, T, C) array made (n, C, T) by X.reshape(n, C, T) does: a reshape keeps "
                  f"the values' order, so each row read as a channel holds the steps of every channel in turn. "
                  f"If X was (n, T, C) before a reshape, give that array with layout='ntf' (or its "
                  f"X.transpose(0, 2, 1) with layout='nct'): a reshape is not a transpose; if X is (n, C, T) as "
                  f"given, ignore this warning (warnings.filterwarnings('ignore', message='.*a reshape is not a "
                  f"transpose'))", UserWarning, stacklevel=stacklevel)


def _channels_first(arrays: list[np.ndarray], seqs: list, who: str, n_features: int | None,
                    list_layout: str | None = None, name=lambda i: f"sequence {i} of X") -> bool:
    """Whether a list of sequences in "auto" layout is aeon's ``(C, T_i)``. At fit: all 2-D, the first axis
    the same for all and the second varying (an equal-shape list is checked as an array would be). After
    fit: the first axis is the fitted feature count in every sequence, and the second is not in at least
    one (a sequence of ``C`` steps is then ``(C, C)`` among them); when every sequence is ``(C, C)``, as the
    list at fit was read (``list_layout``)."""
    if any(isinstance(s, pd.DataFrame) for s in seqs) or any(a.ndim != 2 for a in arrays):
        return False  # a DataFrame's rows are its steps; a 1-D sequence is (T_i,)
    if n_features is not None:
        first = all(a.shape[0] == n_features for a in arrays)
        square = first and all(a.shape[1] == n_features for a in arrays)
        return first and (not square or list_layout == "nct")
    first, second = {a.shape[0] for a in arrays}, {a.shape[1] for a in arrays}
    if len(first) == 1 and len(second) == 1:
        _check_orientation((len(arrays), *arrays[0].shape), "a list of equal-shape arrays", who, None,
                           np.stack(arrays[:256]))
    if len(first) == 1 and len(second) > 1 and max(second) < arrays[0].shape[0]:
        _warn_fewer_steps_than_channels(arrays, who, name)
    return len(first) == 1 and len(second) > 1


def _warn_fewer_steps_than_channels(arrays: list[np.ndarray], who: str, name) -> None:
    """Warn that a list read as aeon's ``(C, T_i)`` (its arrays share their first axis, not their second) has
    fewer steps than channels in every sequence: as likely ``(T, F_i)`` sequences of one length, one of which lacks
    (or has extra) features, which would be read transposed."""
    counts = pd.Series([a.shape[1] for a in arrays])
    usual = int(counts.mode()[0])
    odd = int(counts.ne(usual).to_numpy().argmax())
    C = arrays[0].shape[0]
    warnings.warn(f"{who}: X's {len(arrays)} sequences share their first axis ({C}) and not their second "
                  f"({usual} in {int(counts.eq(usual).sum())}, {arrays[odd].shape[1]} in {name(odd)}, ...), so they "
                  f"are read as aeon's (channels, T_i): {C} channels of at most {counts.max()} steps, fewer steps "
                  f"than channels in every sequence; if they are (T, F) sequences of {C} steps, {name(odd)} has "
                  f"{arrays[odd].shape[1]} features where the others have {usual}: give every sequence the same "
                  f"features (then X is read as it is); if they are (channels, T_i), say so with layout='nct'",
                  UserWarning, stacklevel=5)


def _unsorted_times_error(X: pd.DataFrame, key, who: str) -> ValueError:
    """The rows of instance ``key`` of a MultiIndex X out of time order (:func:`_sort_fix` names the sort)."""
    return ValueError(f"{who}: the rows of instance {key!r} are not in strictly increasing time; {_sort_fix(X)}")


def _sort_fix(X: pd.DataFrame) -> str:
    """How to sort each instance's rows of a MultiIndex X by time. ``X.sort_index()`` sorts the instances too, by
    id (text ids alphabetically: ``'s10'`` before ``'s2'``); where that changes their order, a y given by position
    would then be matched to other instances, so the fix named keeps them in their order."""
    instances = X.index.unique(0)
    try:
        ordered = instances.sort_values()
    except TypeError:  # ids of several types (1 and 'a'): X.sort_index() fails too
        ordered = None
    if ordered is not None and instances.equals(ordered):
        return "sort them (X.sort_index())"
    fix = (f"sort each instance's rows by time: X.groupby(level=0, sort=False, group_keys=False).apply(lambda "
           f"g: g.sort_index()) keeps the instances in their order of first appearance "
           f"({', '.join(repr(v) for v in instances[:3])}, ...), which a y given by position follows")
    if ordered is not None:
        fix += (f"; X.sort_index() also sorts them by id ({', '.join(repr(v) for v in ordered[:3])}, ...): "
                f"give y in that order then (y.loc[X.index.unique(0)] for a y indexed by instance)")
    return fix


_MONTHS = {name: k for k, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), 1) for name in names}
"""English month names and abbreviations, any case, and their numbers: a time level of a year's months by name."""


def _month_names_error(X: pd.DataFrame, text: list, who: str) -> ValueError | None:
    """The refusal of a MultiIndex X whose time level holds month names (``'JAN'``, ``'February'``), which sort
    alphabetically as text, naming the numbers that read them in calendar order; None if it holds other text."""
    if not all(isinstance(v, str) and v.strip().lower() in _MONTHS for v in text):
        return None
    numbers = {v: _MONTHS[v.strip().lower()] for v in sorted(text, key=lambda v: _MONTHS[v.strip().lower()])}
    fix = f"X = X.rename(index={numbers}, level=1)" + _then_sorted(X.rename(index=numbers, level=1))
    return ValueError(f"{who}: X's time level holds month names (e.g. {text[0]!r}), whose order as text is "
                      f"alphabetical ('Apr' before 'Feb'), not the calendar's; give their numbers: {fix}")


def _then_sorted(converted: pd.DataFrame) -> str:
    """``", then <the sort>"`` where a MultiIndex X whose time level was converted from text has rows out of time
    order (sorted as text before), else ``""``."""
    if all(g.index.get_level_values(1).is_monotonic_increasing for _, g in converted.groupby(level=0, sort=False)):
        return ""
    return f", then {_sort_fix(converted)}"


def _frame_sequences(X: pd.DataFrame, who: str) -> tuple[list[np.ndarray], list]:
    """Sequences of a DataFrame: sktime's nested one (cells are Series or arrays; a row's cells must have
    one length) or a MultiIndex ``(instance, time)`` one (each instance's rows in increasing time)."""
    if X.empty:
        return [], list(X.index)
    repeated = X.columns[X.columns.duplicated()].unique().tolist()
    if repeated:  # X[c] would be a DataFrame, and feature names would not tell the columns apart
        raise ValueError(f"{who}: X names column(s) {repeated} more than once (columns {list(X.columns)}); give "
                         f"every feature column its own name")
    if isinstance(X.index, pd.MultiIndex):
        if X.index.nlevels != 2:
            raise ValueError(f"{who}: a DataFrame X with a MultiIndex needs two levels (instance, time), got "
                             f"{X.index.nlevels}")
        # read as a list of DataFrames reads them: categories of numbers as those numbers, and a column of
        # Python objects (pd.Series([1.0, pd.NA]) is one) value by value, its missing values NaN
        numbers = lambda d: pd.api.types.is_numeric_dtype(d) or pd.api.types.is_object_dtype(d) or (
            isinstance(d, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(d.categories))
        bad = [c for c in X.columns if not numbers(X[c].dtype)]
        if bad:
            raise ValueError(f"{who}: columns {bad} of X are not numeric (dtype {X[bad[0]].dtype}); X must hold "
                             f"numbers: drop them, or convert them yourself (e.g. pd.to_numeric, or one-hot columns "
                             f"for categories)")
        for c in (c for c in X.columns if X[c].dtype == object):
            odd = next((v for v in X[c].tolist() if isinstance(v, str | bytes | complex)), None)
            if odd is not None:  # float64 would parse "1.5"
                raise NotNumericError(f"{who}: column {c!r} of X holds values that are not real numbers (e.g. "
                                      f"{odd!r}); X must hold numbers: convert them yourself (e.g. pd.to_numeric), "
                                      f"so that nothing is misread")
        for level, what in ((0, "an instance"), (1, "a time")):
            missing = np.flatnonzero(pd.isna(X.index.get_level_values(level)))
            if len(missing):  # groupby would drop the rows of a NaN instance; a NaN time has no place in order
                raise ValueError(f"{who}: X's index has a missing (NaN) {what.split()[1]} at row {int(missing[0])} "
                                 f"({len(missing)} in all); give every row {what}")
        times = X.index.levels[1]
        if isinstance(times.dtype, pd.CategoricalDtype) and not times.dtype.ordered and (
                pd.api.types.is_numeric_dtype(times.categories) or
                pd.api.types.is_datetime64_any_dtype(times.categories)):  # numbers or dates: read by their values
            if not times.categories.is_monotonic_increasing:  # X.sort_index() would sort the steps by it
                raise ValueError(f"{who}: X's time level is a Categorical whose categories "
                                 f"{list(times.categories[:4])}{', ...' if len(times.categories) > 4 else ''} are "
                                 "not in the order of their values, and X.sort_index() sorts the steps in theirs; "
                                 "make it the values it holds: X.index = X.index.set_levels(X.index.levels[1]"
                                 f".astype({str(times.categories.dtype)!r}), level=1)")
            X = X.set_axis(X.index.set_levels(times.astype(times.categories.dtype), level=1))
            times = X.index.levels[1]
        if isinstance(times.dtype, pd.CategoricalDtype):  # ordered: the categories' order is the time order
            if not times.dtype.ordered:  # its categories' order is their sorted order, or any order given
                raise ValueError(f"{who}: X's time level is an unordered Categorical (categories "
                                 f"{list(times.categories[:4])}{', ...' if len(times.categories) > 4 else ''}), "
                                 "which has no order in time; if its categories are in time order, make it ordered: "
                                 "X.index = X.index.set_levels(X.index.levels[1].as_ordered(), level=1); else use "
                                 "numbers or dates")
        else:
            _check_time_level(X, times, who)
        seqs, ids = [], []
        objects = any(pd.api.types.is_object_dtype(d) for d in X.dtypes)
        for c in X.columns[[isinstance(d, np.dtype) and d.kind in "iu" and d.itemsize > 4 for d in X.dtypes]]:
            _check_big_integers([X[c].to_numpy()[:, None]], lambda i: "X", who, lambda j, c=c: f"column {c!r} of X")
        for key, group in X.groupby(level=0, sort=False):
            time = group.index.get_level_values(1)
            if not time.is_unique:  # sorting would interleave two sequences, dropping the repeats lose one
                raise _repeated_times_error(X, key, who)
            if not time.is_monotonic_increasing:
                raise _unsorted_times_error(X, key, who)
            if not objects:
                seqs.append(group.to_numpy(np.float64))
                ids.append(key)
                continue
            values = group.to_numpy(object)  # pd.NA and None among the numbers: NaN, named as any NaN
            try:
                seqs.append(np.asarray(np.where(pd.isna(values), np.nan, values), dtype=np.float64))
            except (TypeError, ValueError) as e:
                raise ValueError(f"{who}: instance {_plain(key)!r} of X is not numeric ({e})") from e
            ids.append(key)
        return seqs, ids
    cells = X.iloc[0].tolist()
    is_sequence = lambda c: isinstance(c, pd.Series | np.ndarray | list | tuple)  # tuple: groupby(...).agg(tuple)
    if not all(is_sequence(c) for c in cells):
        # a column without any sequence, beside columns of sequences: sktime's nested frame with its labels (or an
        # id) left in as a column; a missing cell of a sequence column is named below, by its row
        nested = [any(is_sequence(v) for v in X.iloc[:, k]) for k in range(X.shape[1])]
        if not any(nested):
            raise _flat_frame_error(X, who)
        other = [str(c) for c, n in zip(X.columns, nested, strict=True) if not n]
        if other:
            raise ValueError(f"{who}: X is a nested DataFrame whose column(s) {other} hold single values (row 0: "
                             f"{_plain(cells[nested.index(False)])!r}), not sequences, beside the sequence columns "
                             f"{[str(c) for c, n in zip(X.columns, nested, strict=True) if n][:5]}: labels or ids "
                             f"left in X? pass them as y (y = X[{other[0]!r}]) and X.drop(columns={other})")
    seqs, integers = [], {column: [None] * len(X) for column in X.columns}  # each cell of integers beyond 32 bits
    for n, (key, row) in enumerate(zip(X.index, X.itertuples(index=False), strict=True)):
        for column, cell in zip(X.columns, row, strict=True):
            if np.ndim(cell) == 0:  # NaN, None or a number where a Series belongs
                raise ValueError(f"{who}: row {key!r}, column {column!r} of the nested DataFrame X holds {cell!r}, "
                                 f"not a sequence; every cell must be a pd.Series (or array) of the steps")
        _check_nested_index(key, X.columns, row, who)
        columns = []
        for column, cell in zip(X.columns, row, strict=True):
            where = f"{who}: row {key!r}, column {column!r} of the nested DataFrame X"
            values = _frame_steps(cell, where) if isinstance(cell, pd.Series) else np.asarray(cell)
            odd = [v for v in values.tolist() if isinstance(v, str | bytes | complex)] if values.dtype == object else []
            if values.dtype.kind in "USTmMc" or odd:  # float64 would parse "1.5", or read a date's ticks
                shown = f"e.g. {odd[0]!r}" if odd else f"dtype {values.dtype}"
                raise NotNumericError(f"{where} holds values that are not real numbers ({shown}); X must hold "
                                      f"numbers: convert them yourself (e.g. pd.to_numeric), so that nothing is "
                                      f"misread")
            if values.ndim != 1:  # stacked with the other channels it would be (T, C, ...), named by no one
                fix = (f"pass X as a list of them, list(X[{column!r}]) (rows its steps)" if X.shape[1] == 1 else
                       "give each column one channel (a (T, 1) cell's cell.ravel()), or pass X as a list of (T_i, "
                       "F) arrays, one per row")
                raise ValueError(f"{where} holds an array of shape {values.shape}, not one channel's steps: a nested "
                                 f"DataFrame (sktime's) has one channel per column, each cell 1-D (a pd.Series or "
                                 f"array of the steps); a (T_i, F) sequence in each cell? {fix}")
            if values.dtype == object:  # pd.NA and None among numbers (pd.Series([1.0, pd.NA])): missing, as NaN
                values = np.where(pd.isna(values), np.nan, values)
            given = cell.to_numpy() if isinstance(cell, pd.Series) else values  # _frame_steps': float64
            if given.dtype.kind in "iu" and given.dtype.itemsize > 4 and given.ndim == 1:  # read as float64 here
                integers[column][n] = given[:, None]
            try:
                columns.append(np.asarray(values, dtype=np.float64))
            except (TypeError, ValueError) as e:
                raise ValueError(f"{where} is not numeric ({e})") from e
        if len({len(c) for c in columns}) != 1:
            # read by position, channels of other lengths have no common steps; cells on one time index align
            named = ", ".join(f"{_plain(c)!r}: {len(v)}" for c, v in zip(X.columns, columns, strict=True))
            raise ValueError(f"{who}: row {key!r} of the nested DataFrame X has channels of lengths "
                             f"{[len(c) for c in columns]} ({named}); a row's channels are read step by step "
                             f"together, so they need one length: cut them to a common one, or, if they are series "
                             f"on one time index, align them on it (pd.concat(X.loc[{key!r}].to_dict(), axis=1) "
                             f"gives NaN where a channel has no value, which time_aware=True reads as missing) and "
                             f"pass X as a list of such DataFrames, one per sequence")
        seqs.append(np.stack(columns, axis=1))
    for column, cells in integers.items():  # a channel's spread is over every row's cell of it
        _check_big_integers(cells, lambda n: f"row {X.index[n]!r}", who, lambda j, c=column: f"column {c!r} of X")
    return seqs, list(X.index)


def _check_level_names(X: pd.DataFrame, who: str) -> None:
    """Refuse an index whose levels are named in the other order, (time, instance): the first named as a time
    axis (``'time'``, ``'date'``, ``'t'``, ...), the second as the instances' ids (``'id'``, ``'case_id'``,
    ...), as ``df.set_index(['time', 'id'])`` writes them. Each time point would be read as a sequence across
    the instances: fit would find y's count wrong, predict would answer once per time, silently."""
    from .data.tables import TIME_NAMES, is_id_name

    first, second = (str(n).strip().lower() if n is not None else "" for n in X.index.names)
    if first in TIME_NAMES and second and is_id_name(second):
        raise ValueError(f"{who}: X's index levels are {list(X.index.names)}: the first, read as the instances, is "
                         f"named as a time axis and the second, read as the time, as ids, so each time point would "
                         f"be read as a sequence across the instances ({X.index.get_level_values(0).nunique()} "
                         f"'sequences' for {X.index.get_level_values(1).nunique()} ids); an index is (instance, "
                         f"time): X.swaplevel().sort_index()")


def _nested_row(X, fitted: np.ndarray | None, n_features: int):
    """X as a one-row nested DataFrame when it is one row of sktime's nested DataFrame taken out as a Series
    (``X.iloc[i]``: its index the channels, each cell a channel's steps), which would otherwise be read as a
    Series of sequences by id, a sequence per channel. It is one when its index is the fitted feature names
    (in any order: the frame's names check then says the order), or, fitted without names, when it holds
    one single-channel cell per fitted feature, of one length (as sequences by id it could not be read)."""
    if not isinstance(X, pd.Series) or X.dtype != object or isinstance(X.index, pd.MultiIndex) or len(X) == 0:
        return X
    cells = X.tolist()
    if not all(isinstance(c, pd.Series | np.ndarray | list) and np.ndim(c) == 1 for c in cells):
        return X
    if fitted is not None:
        named = len(X) == len(fitted) and sorted(map(str, X.index)) == sorted(map(str, fitted))
    else:
        named = n_features > 1 and len(X) == n_features and len({len(c) for c in cells}) == 1
    return X.to_frame().T if named else X


def _check_time_level(X: pd.DataFrame, times: pd.Index, who: str) -> None:
    """Refuse a time level (not a Categorical) whose values have no order in time: month names (naming their
    numbers), names where the instance level holds times (the levels swapped), other text, objects not dates."""
    _check_level_names(X, who)
    text = [v for v in times if isinstance(v, str | bytes)] if times.dtype == object else list(times)
    instances, words = X.index.levels[0], pd.Series(text, dtype=object)
    if pd.api.types.is_string_dtype(times) and text and (months := _month_names_error(X, text, who)):
        raise months
    if pd.api.types.is_string_dtype(times) and text and (pd.api.types.is_numeric_dtype(instances) or
                                                          pd.api.types.is_datetime64_any_dtype(instances)) \
            and pd.to_numeric(words, errors="coerce").isna().all() \
            and pd.to_datetime(words, format="ISO8601", errors="coerce").isna().all():
        # (year, firm): the levels in the other order, names (no numbers, no dates) taken for times
        raise ValueError(f"{who}: X's index levels look swapped: the time level (the second) holds text (e.g. "
                         f"{text[0]!r}) and the instance level (the first) times (e.g. {instances[0]}); an "
                         "index is (instance, time): X.swaplevel() (the instances then in order of first "
                         "appearance, as y is matched to them)")
    if pd.api.types.is_string_dtype(times) and text:  # '10' < '9', '13/1' < '5/1' as text
        fix = "convert it to numbers or dates (e.g. X.index = X.index.set_levels(pd.to_datetime(X.index.levels[1]), " \
              "level=1))"
        numbers = pd.to_numeric(words, errors="coerce")
        if len(text) == len(times) and not numbers.isna().any() and numbers.is_unique:  # '1', '2', ... '12'
            fix = ("they are numbers: X.index = X.index.set_levels(pd.to_numeric(X.index.levels[1]), level=1)"
                   + _then_sorted(X.set_axis(X.index.set_levels(pd.to_numeric(times), level=1))))
        raise ValueError(f"{who}: X's time level holds text (e.g. {text[0]!r}), whose order is alphabetical, "
                         f"not in time; {fix}")
    if times.dtype == object and not all(isinstance(v, datetime.date) for v in times):
        other = next(v for v in times if not isinstance(v, datetime.date))
        raise ValueError(f"{who}: X's time level holds {type(other).__name__} values (e.g. {other!r}), which "
                         f"have no order in time; use numbers or dates")


def _repeated_times_error(X: pd.DataFrame, key, who: str) -> ValueError:
    """The refusal of a MultiIndex X whose instance ``key`` has a time twice, naming the rows of X: two
    sequences under one id (``pd.concat`` of two sets keeps each one's ids 0, 1, ...) or a step given twice."""
    rows = np.flatnonzero(X.index.get_level_values(0) == key)
    time = X.index.get_level_values(1)[rows]
    repeated = time.duplicated()
    at = int(np.flatnonzero(repeated)[0])
    first = int(np.flatnonzero(time == time[at])[0])
    shown = time[at].item() if isinstance(time[at], np.generic) else time[at]
    plain = key.item() if isinstance(key, np.generic) else key
    return ValueError(f"{who}: instance {plain!r} of X has the time {shown!r} twice (rows {int(rows[first])} and "
                      f"{int(rows[at])} of X; {int(repeated.sum())} repeated in all): two sequences under one id, as "
                      f"pd.concat of two sets keeps each set's ids? give each sequence its own id (e.g. offset the "
                      f"second set's ids before joining them); if it is one sequence with a step given twice, drop "
                      f"the repeated rows (X[~X.index.duplicated()]) or aggregate them")


SKTIME_LONG = ("case_id", "reading_id", "dim_id", "value")  # sktime's "pd-long": one row per value


def _flat_frame_error(X: pd.DataFrame, who: str) -> ValueError:
    """The refusal of a flat DataFrame, with the conversion that reads it right: sktime's "pd-long" (one row
    per value) and a multivariate "pd-wide" (columns ``dim_c__t``) are recognised by their columns, since
    ``X.to_numpy()``, right for one feature, would misread them."""
    start = f"{who}: X is a flat DataFrame"
    if set(SKTIME_LONG) <= set(X.columns):
        return ValueError(f"{start} in sktime's \"pd-long\" layout (columns {list(SKTIME_LONG)}: one row per "
                          f"value); pass X.set_index(['case_id', 'reading_id', 'dim_id'])['value'].unstack('dim_id'), "
                          f"a MultiIndex (instance, time) DataFrame with one column per channel, or load it with "
                          f"return_type='pd-multiindex'")
    from .data.tables import wide_channels

    channels = wide_channels(X.columns) or []
    T = len(X.columns) // max(len(channels), 1)
    if channels and [str(c) for c in X.columns] == [f"{c}__{t}" for c in channels for t in range(T)]:
        return ValueError(f"{start} in sktime's \"pd-wide\" layout: its columns ({X.columns[0]!r}, ..., "
                          f"{X.columns[-1]!r}) are {len(channels)} channels of {T} steps, which X.to_numpy() would "
                          f"read as {len(X.columns)} steps of one feature; pass X.to_numpy().reshape({len(X)}, "
                          f"{len(channels)}, {T}) with layout='nct', or load it with return_type='numpy3D'")
    if [str(c) for c in X.columns] == [f"x{t}" for t in range(len(X.columns))]:  # scikit-learn's names for arrays
        return ValueError(f"{start} with columns 'x0' ... {X.columns[-1]!r}, as a scikit-learn transformer gives its "
                          f"output of an array under set_output(transform='pandas') (or sklearn.set_config("
                          f"transform_output='pandas')): in a Pipeline, call set_output(transform='default') on the "
                          f"step before {who.split('.')[0]}, whose (n, T) array is read as sequences of one feature")
    one = "pass [X] (a list of one sequence, or of several such frames), whose rows are read as its steps"
    if isinstance(X.index, pd.DatetimeIndex | pd.PeriodIndex | pd.TimedeltaIndex):  # rows are times: one sequence
        return ValueError(f"{start} indexed by times ({X.index[0]}, ...): one sequence whose rows are its steps? "
                          f"{one}; several sequences are a list of such frames, or a MultiIndex (instance, time) "
                          f"DataFrame")
    return ValueError(f"{start}; pass sktime's nested DataFrame (each cell a Series), a MultiIndex (instance, "
                      f"time) DataFrame (a long table with one row per step: X.set_index([id_column, "
                      f"time_column])), or X.to_numpy() for (n, T) sequences of one feature (a row per sequence); "
                      f"if its rows are the steps of one sequence, {one}")


def _is_time_index(index: pd.Index) -> bool:
    """Whether an index orders its rows (numbers, dates, periods, durations): then they must come in its order."""
    return (pd.api.types.is_numeric_dtype(index) and not pd.api.types.is_bool_dtype(index)
            or isinstance(index, pd.DatetimeIndex | pd.PeriodIndex | pd.TimedeltaIndex))


def _frame_steps(s: pd.DataFrame | pd.Series, what: str) -> np.ndarray:
    """One sequence given as a DataFrame (rows are steps, columns features) or a Series: its values, float64
    with pandas' missing values (``pd.NA`` of nullable columns) as NaN. Refused, naming where: rows out of the
    order of an index of numbers or dates (a newest-first table would be read backwards), and a column of
    text, dates, durations or text categories (named by column, which numpy's message would not do). Object
    and complex columns come back as they are, for the value-by-value checks of :func:`as_sequences`."""
    if _is_time_index(s.index) and not s.index.is_monotonic_increasing:
        values = np.asarray(s.index)
        at = 1 + int(np.flatnonzero(~(values[1:] >= values[:-1]))[0])
        shown = [v.item() if isinstance(v, np.generic) else v for v in s.index[at - 1 : at + 1]]  # 5, not np.int64(5)
        # an index of numbers that starts again may be row numbers: pd.concat keeps each part's, and sorting
        # them would interleave the parts' rows
        numbers_too = ("; if it is only row numbers (pd.concat keeps each part's own), its rows may already be in "
                       "order: pass s.reset_index(drop=True)" if pd.api.types.is_integer_dtype(s.index) else "")
        raise ValueError(f"{what} is a {type(s).__name__} whose rows are not in the order of its index "
                         f"({shown[0]!r} at row {at - 1}, then {shown[1]!r}); its rows are read in order as the "
                         f"steps: if the index is their time, sort it (s.sort_index()) so that they are in time "
                         f"order{numbers_too}")
    dates = _text_dates(s.index)
    if dates is not None and not (dates.is_monotonic_increasing and dates.is_unique):
        at = 1 + int(np.flatnonzero(~(dates[1:] > dates[:-1]))[0])
        raise ValueError(f"{what} is a {type(s).__name__} whose index holds dates written as text, not in increasing "
                         f"order ({s.index[at - 1]!r} at row {at - 1}, then {s.index[at]!r}), as a table read without "
                         f"parsing its dates (newest first?) gives them; its rows are read in order as the steps: "
                         f"parse and sort them (s.index = pd.to_datetime(s.index); s = s.sort_index()), dropping a "
                         f"date given twice")
    if _is_time_index(s.index) and not s.index.is_unique:  # in order: a repeated time is on neighbouring rows
        repeated = s.index.duplicated()
        at = int(np.flatnonzero(repeated)[0])
        shown = s.index[at].item() if isinstance(s.index[at], np.generic) else s.index[at]
        raise ValueError(f"{what} is a {type(s).__name__} whose index has the time {shown!r} twice (rows {at - 1} "
                         f"and {at}; {int(repeated.sum())} repeated in all), which would be read as two steps; drop "
                         f"the repeated rows (s[~s.index.duplicated()]) or aggregate them (s.groupby(level=0)."
                         f"mean()); if they are distinct steps, give them distinct times, or pass "
                         f"s.reset_index(drop=True) to read the rows in order")
    frame = s.to_frame() if isinstance(s, pd.Series) else s
    plain = True  # every column numbers or bools: pandas gives float64 with NaN for its missing values
    for column, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(dtype.categories):
            continue  # categories of numbers: read as those numbers, as before
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_complex_dtype(dtype):
            plain = False  # judged value by value
            continue
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            continue
        kind = ("dates or durations" if dtype.kind in "mM" or isinstance(dtype, pd.PeriodDtype) else
                "categories" if isinstance(dtype, pd.CategoricalDtype) else "text")
        named = "" if isinstance(s, pd.Series) else f" in column {column!r}"
        hint = (f"drop it, or make it the index (s.set_index({column!r})): rows are read in the index's order"
                if kind == "dates or durations" else "drop it, or convert it to numbers yourself (e.g. "
                "pd.to_numeric, or one-hot columns for categories)")
        raise NotNumericError(f"{what} holds {kind}{named} (dtype {dtype}), not numbers; X must hold numbers: "
                              f"{hint}")
    values = frame.to_numpy(dtype=np.float64, na_value=np.nan) if plain else frame.to_numpy()
    return values[:, 0] if isinstance(s, pd.Series) else values  # a Series is (T,), as before


def _text_dates(index: pd.Index) -> pd.DatetimeIndex | None:
    """An index of text that reads as ISO dates (``'2012-04-09'``, ``'2012-04-09 13:00'``: a CSV read without
    ``parse_dates``) as those dates; None for any other index (text that is not all ISO dates included)."""
    if len(index) < 2 or not pd.api.types.is_string_dtype(index) or isinstance(index, pd.MultiIndex):
        return None
    if not all(isinstance(v, str) and len(v) >= 8 and v[:4].isdigit() and v[4] == "-" for v in index[:2]):
        return None  # quick: not ISO dates (ids, names), so nothing to parse
    try:
        return pd.DatetimeIndex(pd.to_datetime(index, format="ISO8601"))
    except (TypeError, ValueError):
        return None


def _check_nested_index(key, columns, row, who: str) -> None:
    """The Series of one row of a nested DataFrame are read by position: refuse time indexes that would
    pair steps of different times (channels indexed differently) or read a channel backwards."""
    series = [(c, s) for c, s in zip(columns, row, strict=True) if isinstance(s, pd.Series)]
    for column, s in series:
        if _is_time_index(s.index) and not s.index.is_monotonic_increasing:
            raise ValueError(f"{who}: row {key!r}, column {column!r} of the nested DataFrame X is not in increasing "
                             f"time (its index goes {s.index[0]!r}, ..., {s.index[-1]!r}); sort it (s.sort_index())")
    for column, s in series[1:]:
        if len(s) == len(series[0][1]) and not s.index.equals(series[0][1].index):
            raise ValueError(f"{who}: row {key!r} of the nested DataFrame X has channels {series[0][0]!r} and "
                             f"{column!r} indexed by different times; the steps are read by position, so align "
                             f"them on one index first")


def as_label_array(y, who: str) -> np.ndarray:
    """One label per item as a 1-D array, without NaN; ``(n, 1)`` is flattened with scikit-learn's
    ``DataConversionWarning``. Labels of mixed types (``[0, "a"]``) are refused: numpy would turn them all into
    text, and ``0`` would no longer be a label. numpy's variable-width text (``StringDType``) becomes fixed-width
    text (``<U``), which scikit-learn's metrics and a saved model's JSON read; a list of tuples is one tuple
    label per item (numpy would make it a 2-D array)."""
    check_target_container(y, who)
    ids = _target_ids(y)
    if isinstance(y, pd.Series | pd.Index):
        y = y.to_numpy()
    if isinstance(y, list | tuple) and y and all(isinstance(v, tuple) for v in y):
        y = _object_array(y)
    string_dtype = isinstance(y, np.ndarray) and y.dtype.kind == "T"
    if string_dtype:
        y = y.astype(object)  # its missing values (na_object) are refused below, not read as the text 'nan'
    check_label_types([y], who, ids)
    a = y if isinstance(y, np.ndarray) else np.asarray(y)
    if isinstance(y, list | tuple) and a.dtype.kind == "f" and (ints := _integer_labels(list(y))) is not None:
        a = ints  # [np.uint64(2**63 + 1), 1]: float64 to numpy
    if string_dtype:
        a = a.astype(str)
    if a.ndim == 2 and a.shape[1] == 1:
        warnings.warn(f"A column-vector y was passed when a 1d array was expected: {who} reads y of shape "
                      f"{a.shape} as one label per item; pass y.ravel() (shape ({len(a)},)) to say so",
                      DataConversionWarning, stacklevel=4)
        a = a[:, 0]
    if a.ndim != 1:
        one_hot = (a.ndim == 2 and a.shape[1] > 1 and a.dtype.kind in "biuf" and np.isin(a, (0, 1)).all()
                   and (a.sum(axis=1) == 1).all())
        columns = (f"; y is a DataFrame of {a.shape[1]} columns ({_show_index(y.columns)}): pass its column of "
                   f"labels, e.g. y[{y.columns[-1]!r}]" if isinstance(y, pd.DataFrame) and a.ndim == 2 else "")
        several = (not one_hot and not columns and a.ndim == 2 and a.shape[1] > 1 and a.dtype.kind in "biuf"
                   and np.isin(a, (0, 1)).all() and (a.sum(axis=1) != 1).any())
        row = a.ndim == 2 and a.shape[0] == 1 and not isinstance(y, pd.DataFrame)
        per_column = ("which one classifier does not fit: fit one per column, "
                      "sklearn.multioutput.MultiOutputClassifier(SequenceClassifier(...)).fit(X, y)")
        outputs = (f"; its {a.shape[1]} columns are {a.shape[1]} labels per item (multi-output targets), "
                   f"{per_column}" if a.ndim == 2 and a.shape[1] > 1 else "")
        raise ValueError(f"{who}: y must hold one label per item (1-D), got shape {a.shape}" + (
            f"; it is one row of {a.shape[1]} labels (a row vector): pass np.ravel(y), shape ({a.shape[1]},)"
            if row else
            "; it looks one-hot encoded (a single 1 per row): pass the labels, e.g. " + (
                f"y.idxmax(axis=1), each row's column name ({_show_index(y.columns)}), as pd.get_dummies names "
                f"the classes (y.to_numpy().argmax(axis=1) would number them instead)"
                if isinstance(y, pd.DataFrame) else "y.argmax(axis=1)")
            if one_hot else
            f"; its {a.shape[1]} columns of 0/1, some rows with none or several 1s, are multi-label targets (each "
            f"column a yes/no of its own), {per_column}" if several else columns or outputs))
    if a.dtype == object and a.size:
        a = _numeric_labels(a)
    if a.dtype.kind == "S" or a.dtype == object and a.size and isinstance(a[0], bytes):  # as complex below
        raise ValueError(f"{who}: y holds bytes labels (e.g. {bytes(a[0])!r}); class labels must be ints, strings or "
                         f"bools: decode them (e.g. np.char.decode(y) or [v.decode() for v in y])")
    if a.dtype.kind == "c":  # scikit-learn's scoring refuses them only after training
        raise ValueError(f"{who}: y holds complex numbers (dtype {a.dtype}); class labels must be ints, strings or "
                         f"bools: convert them (e.g. y.real.astype(int) if the imaginary parts are all 0)")
    bad = (~np.isfinite(a) if a.dtype.kind == "f" else
           np.array([isinstance(v, float) and not math.isfinite(v) for v in a.tolist()], dtype=bool)
           if a.dtype == object else np.zeros(len(a), dtype=bool))
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{who}: y contains NaN or infinite labels ({a[at]} at {_position(at, ids)}, "
                         f"{int(bad.sum())} in all); give every sequence a label (or leave it out of X and y)")
    return a


def _numeric_labels(a: np.ndarray) -> np.ndarray:
    """An object array of labels that are all numbers, or all bools (``df[column].to_numpy()`` of an object
    column, ``y.astype(object)``), as the numeric array numpy makes of them: ``classes_`` and ``predict`` then
    keep their type, scikit-learn's metrics read them (an object array of ints is its ``"unknown"`` target),
    and floats that are not whole numbers are named as a regression target. Anything else comes back as given."""
    kinds = {_label_kind(v) for v in a.tolist()}  # one kind: check_label_types refused mixed ones
    if kinds != {"number"} and kinds != {"bool"}:
        return a
    try:
        numeric = np.array(a.tolist())
    except (OverflowError, TypeError, ValueError):
        return a
    if numeric.dtype.kind == "f" and (ints := _integer_labels(a.tolist())) is not None:
        return ints
    return numeric if numeric.shape == a.shape and numeric.dtype.kind in "biufc" else a


def _integer_labels(values: list) -> np.ndarray | None:
    """Labels that are all integers (Python's or numpy's, not bools) as an array that holds each exactly, or None
    for other labels: numpy makes float64 of int64 beside uint64 or of a Python int past int64's range, which
    turns 1 into 1.0 and rounds labels past 2**53 (two of them then one class). int64 where every label fits,
    else uint64 where every one fits that, else Python ints in an object array."""
    if not values or not all(is_integer(v) for v in values):
        return None
    ints = [int(v) for v in values]
    low, high = min(ints), max(ints)
    if -(2**63) <= low and high < 2**63:
        return np.array(ints, dtype=np.int64)
    if low >= 0 and high < 2**64:
        return np.array(ints, dtype=np.uint64)
    return _object_array(ints)


def _step_labels(row) -> np.ndarray:
    """One sequence's per-step labels as an array, integer labels kept integer (:func:`_integer_labels`): numpy
    makes float64 of a list holding ``np.uint64`` beside ``int``."""
    a = np.asarray(row)
    if isinstance(row, list | tuple) and a.dtype.kind == "f" and (ints := _integer_labels(list(row))) is not None:
        return ints
    return a


def _object_array(values: list | tuple) -> np.ndarray:
    """A 1-D object array holding each of ``values`` as one element (tuples stay whole)."""
    a = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        a[i] = v
    return a


def plain_labels(a) -> np.ndarray:
    """Labels as an array that numpy compares with fitted classes: ``StringDType`` text as ``<U`` (numpy will
    not compare the two kinds of text), a list of tuples as a 1-D object array of tuples."""
    if isinstance(a, list | tuple) and a and all(isinstance(v, tuple) for v in a):
        return _object_array(a)
    a = np.asarray(a)
    return a.astype(object).astype(str) if a.dtype.kind == "T" else a


def check_target_container(y, who: str) -> None:
    """Refuse a y that holds no sequence of targets: a dict, a set, a string, a generator (numpy would make
    it a single object, and the message would be about its shape)."""
    if isinstance(y, dict | set | frozenset | str | bytes) or not hasattr(y, "__len__"):
        raise ValueError(f"{who}: y must be a list, array, Series or DataFrame with one target per sequence of X, "
                         f"got {type(y).__name__}")


def targets_array(y, who: str):
    """``y`` with its torch tensors as numpy arrays (detached, on the CPU: numpy refuses a tensor that requires
    grad, or one on a GPU); a 0-d tensor in a list is its number; an array-like known only by its ``__array__``
    (no length) as its array. Anything else is returned as it is."""
    if isinstance(y, torch.Tensor):
        return _tensor_array(y, f"{who}: y")
    if hasattr(y, "__array__") and not hasattr(y, "__len__"):
        return np.asarray(y)
    if isinstance(y, list | tuple) and any(isinstance(t, torch.Tensor) for t in y):
        return [(t.item() if t.ndim == 0 else _tensor_array(t, f"{who}: the targets of sequence {i} of y"))
                if isinstance(t, torch.Tensor) else t for i, t in enumerate(y)]
    return y


def _label_kind(value) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, numbers.Number):
        return "number"
    return "str" if isinstance(value, str) else type(value).__name__


def _target_ids(y) -> pd.Index | None:
    """The user's ids of a pandas y's rows (X's instances, which :func:`check_target_index` matched), to name a
    bad target by; None for a y numbered 0, 1, ... (a RangeIndex), or not pandas."""
    if isinstance(y, pd.Series | pd.DataFrame) and not isinstance(y.index, pd.RangeIndex):
        return y.index
    return None


def _position(at: int, ids: pd.Index | None) -> str:
    return f"position {at}" if ids is None else f"{ids[at]!r} (position {at})"


def check_label_types(rows: list, who: str, ids: pd.Index | None = None) -> None:
    """Refuse labels of more than one kind (number, str, bool, ...) across ``rows`` (y itself, or a tagger's
    per-sequence label arrays), judged on the values as given: ``np.asarray([0, "a"])`` is already text. ``ids``:
    y's own ids (:func:`_target_ids`), which name a sequence of a single row."""
    first = {}  # kind -> (where, value) of its first label
    for i, row in enumerate(rows):
        if isinstance(row, np.ndarray) and row.dtype != object:
            if row.size:
                first.setdefault(_label_kind(row.flat[0]), ((i, 0), row.flat[0]))
            continue
        for t, v in enumerate(np.asarray(row, dtype=object).ravel()):
            if v is None or v is pd.NA or v is pd.NaT or isinstance(v, float) and math.isnan(v):
                # a missing value (of a nullable or categorical y too), not a label of another type
                where = _position(t, ids) if len(rows) == 1 else f"sequence {i}, step {t}"
                raise ValueError(f"{who}: y has a missing label: {v} ({type(v).__name__}) at {where}; give every "
                                 f"{'sequence' if len(rows) == 1 else 'step'} a label (or leave it out of X and y)")
            first.setdefault(_label_kind(v), ((i, t), v))
    if len(first) > 1:
        where = (lambda w: _position(w[1], ids)) if len(rows) == 1 else (lambda w: f"sequence {w[0]}, step {w[1]}")
        plain = lambda v: v.item() if isinstance(v, np.generic) else v  # 0, not np.int64(0)
        shown = ", ".join(f"{plain(v)!r} ({type(v).__name__}) at {where(w)}" for w, v in first.values())
        raise ValueError(f"{who}: y mixes label types: {shown}; give every label one type (e.g. all str, or "
                         f"all int): mixed, numpy would turn them all into text")


def check_label_kind(label, classes: np.ndarray, who: str, estimator: str) -> None:
    """Refuse scoring labels of another kind than the fitted ``classes`` (ints for str classes ``'1', '2'``, as
    sktime gives its labels, or the reverse), naming both: none would ever equal a prediction, and the accuracy
    would be 0 without a word. Numbers and bools compare as numpy compares them (``True == 1``), as
    scikit-learn's metrics do."""
    given, fitted = _label_kind(label), _label_kind(classes[0])
    if (given == "str") != (fitted == "str"):
        plain = lambda v: v.item() if isinstance(v, np.generic) else v  # 1, not np.int64(1)
        fix = {"str": " (e.g. y.astype(str))", "number": " (e.g. pd.to_numeric(y))"}.get(fitted, "")
        raise ValueError(f"{who}: y holds {given} labels (e.g. {plain(label)!r}) but the {estimator} was fitted on "
                         f"{fitted} labels (classes_ {[plain(c) for c in classes[:5]]}); give y's labels the type "
                         f"they had at fit{fix}")


def check_target_index(X, y, who: str, name: str = "y") -> None:
    """Refuse a ``pd.Series`` or DataFrame y whose index is not the instances of a pandas X in X's order (a
    DataFrame's instances, or the index of a Series of sequences, as ``df.groupby(id)[column].apply(np.array)``
    gives, sorted by id): y is matched to X by position, so a y indexed by other ids, or by X's ids in another
    order, would pair each sequence with another sequence's target."""
    if _per_row(X, y):
        # a column of the long table: one value per step, where fit and score take one per instance
        pandas = isinstance(y, pd.Series | pd.DataFrame) and y.index.equals(X.index)
        # on the table's own row numbers (df["target"] beside df.set_index([id, time])): y.loc[instances] would
        # pick the table's first rows, so the fix puts it on X's rows first
        numbered = isinstance(y, pd.Series | pd.DataFrame) and not pandas and not isinstance(y.index, pd.MultiIndex)
        if pandas or numbered or not isinstance(y, pd.Series | pd.DataFrame):
            labels = who.startswith("SequenceClassifier") and name == "y"
            aggregate = "first() if it is constant within each instance" if labels else "last() (or .mean())"
            tagger = "; to label every step, use SequenceTagger" if labels else ""
            on_rows = name if pandas else f"{name}.set_axis(X.index)" if numbered else \
                f"pd.Series({name}, index=X.index)"
            rows = ("its index is X's (instance, time) rows" if pandas else f"its index ({_show_index(y.index)}) "
                    f"numbers the table's rows, not X's (instance, time) rows" if numbered else "X's (instance, "
                    "time) rows")
            order = f" (set_axis: {name}'s rows in the order of X's)" if numbered else ""
            raise ValueError(f"{who}: {name} has one value per row of X ({rows}: {len(y)} for X's "
                             f"{X.index.get_level_values(0).nunique()} instances), where one per instance is "
                             f"needed; take each instance's, in X's order: {on_rows}.groupby(level=0, sort=False)."
                             f"{aggregate}{order}{tagger}")
    _check_swapped_count(X, y, who, name)
    if not (isinstance(y, pd.Series | pd.DataFrame) and isinstance(X, pd.DataFrame | pd.Series)) or X.empty:
        return
    ids = X.index.get_level_values(0).unique() if isinstance(X.index, pd.MultiIndex) else X.index
    if not y.index.equals(ids):
        show = _show_index
        instances = "X.index.unique(level=0)" if isinstance(X.index, pd.MultiIndex) else "X.index"
        if len(y.index) == len(ids) and len(ids) and [str(v) for v in y.index] == [str(v) for v in ids] and \
                type(y.index[0]) is not type(ids[0]):
            # X's instances written as text (a table read back from CSV), or as numbers where X has text: the same
            # order, so no reordering is needed, and y.loc[instances] would find none of them
            raise ValueError(f"{who}: {name}'s index ({show(y.index)}) writes X's instances in X's order, but as "
                             f"{type(y.index[0]).__name__} where X has {type(ids[0]).__name__} ({show(ids)}); give "
                             f"{name} X's instances ({name}.set_axis({instances})), or pass {name}.to_numpy()")
        try:
            extra, lacking = y.index.difference(ids, sort=False), ids.difference(y.index, sort=False)
        except TypeError:  # ids of types that do not compare: the reordering advice
            extra = lacking = ids[:0]
        if {str(v) for v in y.index} == {str(v) for v in ids}:  # X's ids written in another type: reordering
            extra = lacking = ids[:0]  # advice, as before (the type is named when the order is X's, above)
        if len(lacking):  # y.loc[instances] would fail on them
            also = f" and holds {len(extra)} id(s) that X has not ({show(extra)})" if len(extra) else ""
            raise ValueError(f"{who}: {name}'s index ({show(y.index)}) lacks {len(lacking)} of X's instances "
                             f"({show(lacking)}){also}; give {name} a value for each of X's instances ({instances}), "
                             "matched by id")
        if len(extra):  # y for more sequences than X's (a whole data set's, X a part of it)
            raise ValueError(f"{who}: {name}'s index ({show(y.index)}) is not X's instances in X's order "
                             f"({show(ids)}): it also holds {len(extra)} id(s) that X has not ({show(extra)}); "
                             f"{name} is matched to X by position: keep X's, in X's order: {name}.loc[{instances}]")
        raise ValueError(f"{who}: {name}'s index ({show(y.index)}) is not X's instances in X's order ({show(ids)}); "
                         f"{name} is matched to X by position: reorder it with {name}.loc[instances] (or pass "
                         f"{name}.to_numpy() if its order is already X's)")


def target_left_in(x: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor, regression: bool) -> int | None:
    """The index of a feature that is each sequence's target written on every step, or None: constant within each
    sequence and, across them, one value per class and one class per value (a regressor's: equal to y up to a
    scale), as a label column left in a long table (``df.set_index([id, time])`` with the label still a column) or
    in each sequence's DataFrame. The model would read the answer from it and learn nothing of the sequences;
    where the label is unknown at predict, there is nothing to put in that column. The estimators warn, not
    refuse: a static feature known at predict may give the class away as honestly, and a toy set may be built
    so. ``targets``: a class's code per sequence ``(n,)``, or a regressor's ``(n, k)``. Needs twice as many
    sequences as classes (an id column left in, one value per sequence, is not one), eight sequences or more (in
    fewer a static feature, a site or a sex, may match the labels by chance), and sequences of two steps or
    more."""
    n = len(lengths)
    if n < 8 or int(lengths.min()) < 2:
        return None
    steps = length_mask(lengths, x.shape[1])[..., None]  # (n, T, 1)
    big = torch.finfo(x.dtype).max
    low = torch.where(steps, x, big).amin(dim=1)  # (n, F)
    high = torch.where(steps, x, -big).amax(dim=1)
    constant = ((low == high) & ~torch.isnan(low)).all(dim=0)  # (F,): one value within every sequence
    for k in torch.nonzero(constant).flatten().tolist():
        values = low[:, k].double().numpy()
        if regression:
            t = targets.double().numpy().reshape(n, -1)
            if values.std() > 0 and any(t[:, j].std() > 0 and abs(np.corrcoef(values, t[:, j])[0, 1]) > 1 - 1e-9
                                        for j in range(t.shape[1])):
                return k
        else:
            codes = targets.numpy().tolist()
            classes = len(set(codes))
            if 1 < classes <= n // 2 and len(set(zip(values.tolist(), codes, strict=True))) == classes == \
                    len(set(values)):
                return k
    return None


TIED_TO_STEP = 0.6
"""The dependence of a regressor's ``y[:, t]`` on a feature of X at step ``t`` (Chatterjee's xi, averaged over the
steps, as a share of its largest value at the sequences' count) from which ``y (n, T)`` is read as a target per step
(:func:`warn_targets_per_step`). Independent targets average 0 (0.3 at most over 6 steps of 8 sequences); a
function of the feature, noisy or not, monotone or not, 0.7 or more."""


def _dependence(x: np.ndarray, y: np.ndarray) -> float:
    """Chatterjee's xi (2021) of ``y`` on ``x`` (1-D, NaN left out), with ties: 0 where ``y`` is independent of
    ``x``, near its largest value ``(n - 2) / (n + 1)`` where ``y`` is a function of ``x`` (any function); 0 where
    ``y`` is constant or fewer than 3 pairs are observed."""
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    n = len(x)
    if n < 3:
        return 0.0
    ordered, ys = y[np.argsort(x, kind="stable")], np.sort(y)
    r = np.searchsorted(ys, ordered, side="right")
    left = n - np.searchsorted(ys, ordered, side="left")
    den = 2.0 * float(np.sum(left * (n - left)))
    return 0.0 if den == 0 else 1.0 - n * float(np.abs(np.diff(r)).sum()) / den


def warn_targets_per_step(x: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor, fitted: dict,
                          who: str) -> None:
    """Warn where a regressor's unnamed ``y`` ``(n, T)`` has as many targets as every sequence of X has steps and
    each ``y[:, t]`` follows a feature of X at its own step ``t`` (``X[:, :, 0] * 2 + 1``, ``X[:, :, 1] ** 2``, a
    per-step reading): read as T targets of each whole sequence (T steps ahead), as an ``(n, k)`` is, with no target
    tied to its step. The evidence is the mean over the steps of Chatterjee's xi of ``y[:, t]`` on ``X[:, t, f]``, at
    least :data:`TIED_TO_STEP` of its largest value, over at least 5 sequences (the first 1024 read): a multi-output
    target whose count happens to equal T, unrelated to X step by step, stays quiet. A warning, not a refusal: a
    horizon of as many steps as the window may be meant. Named targets (a DataFrame's columns) are taken as
    targets."""
    T, k = int(lengths.max()), targets.shape[1] if targets.ndim == 2 else 1
    n = min(len(targets), 1024)
    if k < 2 or k != T or n < 5 or int(lengths.min()) != T or fitted.get("target_names_") is not None:
        return
    t = targets[:n].double().numpy()  # standardised: a feature equal to y up to a scale matches it
    steps = x[:n, :T].double().numpy()
    tied = [np.mean([_dependence(steps[:, s, f], t[:, s]) for s in range(T)]) * (n + 1) / (n - 2)
            for f in range(steps.shape[2])]
    f = int(np.argmax(tied)) if tied else 0
    if not tied or tied[f] < TIED_TO_STEP:
        return
    column = steps[:, :, f]
    same = column.std() > 0 and np.allclose(
        (column - column.mean(0)) / np.where(column.std(0) > 0, column.std(0), 1), t, atol=1e-4)
    match = f"y[:, t] is X's feature {f} at step t" if same else f"y[:, t] follows X's feature {f} at step t"
    warnings.warn(f"{who}: y of shape {tuple(targets.shape)} holds as many targets as each of X's sequences has "
                  f"steps ({T}) ({match}), and is read as {k} targets of each whole sequence (k steps ahead), none "
                  f"tied to its step; a target per step (y[i, t] for X[i, t])? SequenceRegressor predicts one "
                  f"vector per sequence: train rnnkit.models.SequenceToSequence with "
                  f"rnnkit.training.SequenceModule(task='regression'); if {k} targets per sequence are meant, "
                  f"silence this with warnings.filterwarnings('ignore', message='.*targets of each whole sequence')",
                  UserWarning, stacklevel=3)


def id_and_time_columns(x: torch.Tensor, lengths: torch.Tensor, names) -> tuple[list, list]:
    """The feature columns of ``x`` (B, T, F) named as the sequences' ids (``rnnkit.data.tables.is_id_name``) and
    constant within every sequence, and those named as a time axis (``TIME_NAMES``) and increasing along every
    sequence of two steps or more: the key and time columns a long table keeps in each frame of
    ``[g for _, g in df.groupby('id')]``, which would be read as values."""
    from .data.tables import TIME_NAMES, is_id_name

    if names is None:
        return [], []
    valid = length_mask(lengths, x.shape[1])  # (B, T)
    rising = valid[:, 1:]  # steps with a step before them
    ids, times = [], []
    for k, name in enumerate(names):
        is_id, is_time = is_id_name(name), str(name).strip().lower() in TIME_NAMES
        if not (is_id or is_time):
            continue  # a feature named as neither: its values are not read
        v = x[:, :, k]
        if not torch.isfinite(v[valid]).all():
            continue
        if is_id and bool((v == v[:, :1])[valid].all()):
            ids.append(name)
        elif is_time and bool(rising.any()) and bool((v[:, 1:] > v[:, :-1])[rising].all()):
            times.append(name)
    return ids, times


def id_copy_columns(x: torch.Tensor, lengths: torch.Tensor, names, instances: list | None) -> list:
    """The feature columns of ``x`` (B, T, F), of any name, that hold each sequence's own id on every step:
    numeric ``instances`` (a long DataFrame's first index level, in X's order), two or more of them distinct, copied
    in as a column (``df.set_index(['id', 't'])`` of a table that also kept the id under another name)."""
    if instances is None or len(instances) != x.shape[0] or len(set(map(_plain, instances))) < 2 or \
            not all(_is_real(v) for v in instances):
        return []
    ids = torch.tensor([float(v) for v in instances], dtype=x.dtype)[:, None].expand(-1, x.shape[1])  # (B, T)
    valid = length_mask(lengths, x.shape[1])
    return [name for k, name in enumerate(names if names is not None else range(x.shape[2]))
            if bool((x[:, :, k] == ids)[valid].all())]


def _id_level(X) -> str:
    """Where a pandas X keeps its sequences' ids, for messages."""
    return f"X's index level {X.index.names[0]!r}" if isinstance(X.index, pd.MultiIndex) else "X's index"


def step_labels_left_in(x: torch.Tensor, lengths: torch.Tensor, codes: torch.Tensor) -> int | None:
    """The tagger's :func:`target_left_in`: the index of a feature whose values match the step labels ``codes``
    (B, T) one to one over every step (one value per class, one class per value), as a per-step label column left
    in each sequence's DataFrame; or None. Needs two classes or more and four steps per class (a feature with as
    few values as classes, a gear or a phase, may match few labels by chance)."""
    valid = length_mask(lengths, x.shape[1])  # (B, T)
    labels = codes[:, : x.shape[1]][valid]  # codes may be padded to a longer sequence left out by its weight
    classes = len(torch.unique(labels))
    if classes < 2 or len(labels) < 4 * classes:
        return None
    for k in range(x.shape[2]):
        values = x[:, :, k][valid]
        if torch.isnan(values).any() or len(torch.unique(values)) != classes:
            continue
        if len(torch.unique(torch.stack([values.double(), labels.double()], dim=1), dim=0)) == classes:
            return k
    return None


def drop_feature_code(k: int, names, listed: bool) -> str:
    """The code that drops feature ``k`` (named by ``names`` when known) from ``X``: a table or array, or a list of
    them when ``listed``."""
    if names is not None:
        return f"[s.drop(columns=[{names[k]!r}]) for s in X]" if listed else f"X.drop(columns=[{names[k]!r}])"
    return f"[np.delete(s, {k}, axis=-1) for s in X]" if listed else f"np.delete(X, {k}, axis=-1)"


def target_left_in_message(k: int, names, n: int, regression: bool, drop: str, left: str = "the target") -> str:
    """The words of :func:`target_left_in`'s refusal: feature ``k`` (named by ``names`` when known) of ``n``
    sequences, ``drop``, the code that drops it, and ``left``, what was left in."""
    column = f"column {names[k]!r}" if names is not None else f"feature {k}"
    how = "equals the target (up to a scale)" if regression else "has one value per class of the target"
    return (f"{column} holds each sequence's target: it is constant within every one of the {n} sequences and "
            f"{how}, so the model will read the answer from it and learn nothing of the sequences (where the "
            f"target is unknown at predict, nothing can fill it); {left} left among the features? drop it: {drop}")


def _check_swapped_count(X, y, who: str, name: str = "y") -> None:
    """Refuse a y of one entry per value of a MultiIndex X's *second* level where X has another count of
    instances (its first level): X's levels in the other order, (time, instance), as sktime's unnamed
    "pd-multiindex" after a ``swaplevel`` or a ``set_index([time, id])``, whose time points would be read as
    the sequences. y's length alone says so: X has as many values of the time level as y has targets."""
    if not (isinstance(X, pd.DataFrame | pd.Series) and isinstance(X.index, pd.MultiIndex)) or X.empty \
            or X.index.nlevels != 2 or not hasattr(y, "__len__") or isinstance(y, str | bytes):
        return
    instances, times = X.index.get_level_values(0).nunique(), X.index.get_level_values(1).nunique()
    if len(y) != instances and len(y) == times and len(y) != len(X):
        raise ValueError(f"{who}: X has {instances} instances (the values of its index's first level) but {name} "
                         f"has {len(y)} entries, as many as the values of its second level, the time: X's index "
                         f"levels look swapped, (time, instance), so that each time point would be read as a "
                         f"sequence; an index is (instance, time): X.swaplevel().sort_index()")


def _check_not_long_rows(X, y, who: str) -> None:
    """Refuse a 2-D array X of k rows per entry of ``y`` (k >= 2), with the likeliest cause: the rows of a long
    ``(instance, time)`` table, one per step, whose index a scikit-learn transformer before the estimator in a
    Pipeline (StandardScaler, ColumnTransformer) dropped when it returned a numpy array; read as ``(n, T)``, each
    row would be a sequence of its own, and only the count of y's entries tells (check_n_targets would say the
    counts differ, not why)."""
    if not isinstance(X, np.ndarray) or X.ndim != 2 or not hasattr(y, "__len__") or isinstance(y, str | bytes):
        return
    if len(y) < 2 or len(X) <= len(y) or len(X) % len(y):
        return
    raise ValueError(f"{who}: X is a 2-D array of {len(X)} rows and {X.shape[1]} column(s), read as {len(X)} "
                     f"sequences (n, T) of one feature, but y has {len(y)} entries, one per {len(X) // len(y)} rows "
                     f"of X: the rows of a long (instance, time) table, one per step, whose index was dropped? a "
                     f"scikit-learn transformer before {who.split('.')[0]} in a Pipeline (StandardScaler, "
                     f"ColumnTransformer) returns a numpy array without it: call .set_output(transform='pandas') on "
                     f"that step (or sklearn.set_config(transform_output='pandas')), so that X reaches "
                     f"{who.split('.')[0]} as the DataFrame on its (instance, time) index")


def _per_row(X, y) -> bool:
    """Whether ``y`` has one entry per row of a MultiIndex ``(instance, time)`` X, and X has fewer instances than
    rows: a column of the long table X was taken from (one value per step), not one per instance."""
    if not (isinstance(X, pd.DataFrame | pd.Series) and isinstance(X.index, pd.MultiIndex)) or X.empty:
        return False
    if not isinstance(y, list | tuple | np.ndarray | pd.Series | pd.DataFrame) or len(y) != len(X):
        return False
    try:
        rows = np.ndim(y) in (1, 2)  # a ragged list (a tagger's label arrays) is not one value per row
    except ValueError:
        return False
    return rows and len(X) != X.index.get_level_values(0).nunique()


def _show_index(index: pd.Index) -> str:
    """The first three labels of an index, as the user wrote them: ``'s00', 's01', 's02', ...``."""
    return ", ".join(map(repr, index[:3].tolist())) + (", ..." if len(index) > 3 else "")


def check_sample_weight(sample_weight, who: str, purpose: str = "score") -> None:
    """Refuse weights that are not one finite number >= 0 per sequence, or that are all 0: text (scikit-learn's
    metrics would read "1" as 1.0), negative weights (a weighted accuracy of them can leave [0, 1], and with
    positive ones sum to 0), NaN or infinity; each named by its position."""
    values = np.asarray(sample_weight, dtype=object).ravel().tolist()
    odd = [v for v in values if isinstance(v, str | bytes | complex | np.datetime64 | np.timedelta64)]
    if odd:
        raise ValueError(f"{who}: sample_weight holds {type(odd[0]).__name__} values (e.g. {odd[0]!r}), not "
                         f"numbers; give one number per sequence: convert them yourself (e.g. pd.to_numeric)")
    try:
        w = np.asarray(sample_weight, dtype=np.float64).ravel()
    except (TypeError, ValueError) as e:
        raise ValueError(f"{who}: sample_weight is not numeric ({e}); give one number >= 0 per sequence") from e
    for bad, what in ((~np.isfinite(w), "NaN or infinite"), (w < 0, "negative")):
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{who}: sample_weight is {what} at position {at} ({w[at]:g}, {int(bad.sum())} "
                             f"in all); a weight must be a finite number >= 0 (0 leaves a sequence out)")
    if not w.any():
        raise ValueError(f"{who}: sample_weight is 0 for every sequence, which leaves nothing to {purpose}; give "
                         f"some sequence a weight > 0 (a zero weight leaves a sequence out)")


def check_n_targets(y, n: int, who: str, steps: int | None = None) -> None:
    """``y`` has one entry per sequence of X; ``steps``: the length of X's only sequence, for a tagger, whose
    flat ``y`` of that length is that sequence's labels (to be given as ``[y]``)."""
    if len(y) != n:
        one = (f"; it is one label per step of X's only sequence ({steps} steps)? pass [y], a list of one label "
               f"array per sequence" if n == 1 and steps == len(y) else
               f"; y has shape {np.shape(y)}, one column per sequence: transposed? pass y.T, one row per sequence"
               if isinstance(y, np.ndarray) and y.ndim == 2 and y.shape[1] == n else "")
        raise ValueError(f"{who}: X has {n} sequences but y has {len(y)} entries; they must match{one}")


def check_one_per_sequence(y, lengths: torch.Tensor, who: str, regression: bool) -> None:
    """Refuse a classifier's or regressor's ``y`` that holds one target per step of each sequence of X (``lengths``)
    where one per sequence is due: a list of ``(T_i,)`` arrays, an ``(n, T)`` array of labels or an ``(n, T, k)``
    array of numbers, as a tagger takes them (numpy's refusal of the ragged ones named neither); and, for the
    classifier, ragged entries of other lengths (lists of several labels, X itself), which are not one label
    each. A regressor's ``(n, k)`` is k targets (k steps ahead too), never per-step; a DataFrame's columns are
    targets; a tuple is one label."""
    if isinstance(y, pd.DataFrame) or not isinstance(y, list | tuple | np.ndarray | pd.Series) or \
            len(y) != len(lengths) or not len(y):
        return  # another count of entries is check_n_targets'
    if isinstance(y, np.ndarray) and y.dtype != object and (y.ndim < 2 or regression and y.ndim == 2):
        return
    rows = list(y)
    if not all(isinstance(r, list | np.ndarray | pd.Series) for r in rows):
        return
    try:
        shapes = [np.shape(r) for r in rows]
    except ValueError:  # an entry that is itself ragged
        shapes = [(len(r), None) for r in rows]
    steps, T = [s[0] if s else 0 for s in shapes], int(lengths.max())
    per_step = T > 1 and all(len(s) == 1 or len(s) == 2 and (regression or s[1] == 1) for s in shapes) and (
        steps == lengths.tolist() or len(set(lengths.tolist())) > 1 and set(steps) == {T})  # padded to X's T
    if per_step and not regression and isinstance(y, np.ndarray) and y.dtype.kind in "biuf" and y.ndim == 2 \
            and np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all():
        return  # one-hot labels, named so by as_label_array
    array = isinstance(y, np.ndarray) and y.dtype != object
    what = "target" if regression else "label"
    given = f"an array of shape {y.shape}" if array else \
        f"a {type(y).__name__} of {what} arrays, sequence 0's of shape {shapes[0]} for its {int(lengths[0])} steps"
    if per_step and regression:
        last, mean = ("y[:, -1]", "y.mean(axis=1)") if array else ("[t[-1] for t in y]", "[np.mean(t, axis=0) for "
                                                                   "t in y]")
        raise ValueError(f"{who}: y holds one target per step of X's sequences ({given}), where the regressor "
                         f"takes one target (or one vector of k) per sequence: give one per sequence, e.g. {last} "
                         f"(the last step's) or {mean}; SequenceTagger labels steps with classes, not numbers: for a "
                         f"number at every step train rnnkit.models.SequenceToSequence with "
                         f"rnnkit.training.SequenceModule(task='regression')")
    if per_step:
        constant = all(len(np.unique(np.asarray(r).astype(str))) == 1 for r in rows)
        one = (f"; each sequence's labels are the same at every step: give that one, "
               f"{'y[:, 0]' if array else '[labels[0] for labels in y]'}" if constant else
               "; or give each sequence one label of its own")
        raise ValueError(f"{who}: y holds one label per step of X's sequences ({given}), where the classifier "
                         f"takes one label per sequence; to label every step use SequenceTagger "
                         f"(rnnkit.SequenceTagger().fit(X, y)){one}")
    if not regression and len(set(shapes)) > 1:  # numpy would refuse them as an inhomogeneous shape
        i = next(i for i, s in enumerate(shapes) if s != shapes[0])
        kind = "an array" if isinstance(rows[i], np.ndarray) else f"a {type(rows[i]).__name__}"
        raise ValueError(f"{who}: y holds {kind} of shape {shapes[i]} for sequence {i} (and one of shape "
                         f"{shapes[0]} for sequence 0), not one label: the classifier takes one label per sequence, "
                         f"of any hashable type (a tuple is one label); per-step labels are SequenceTagger's")


def _warn_constant_targets(targets: np.ndarray, pred: np.ndarray, weights: np.ndarray | None, names,
                           who: str, r2: float) -> None:
    """Warn where a target of ``targets`` ``(n, k)`` is constant over the sequences of weight > 0: its R² (1 -
    the squared error over the targets' variance) is 0 / 0, which scikit-learn's ``r2_score`` reads as 0.0
    whatever the errors (1.0 where every prediction is exact), so the score would say nothing of them; one
    sequence scored (a leave-one-out fold, a single test case), for which ``r2_score`` gives NaN, alike. ``pred``:
    the predictions scored, for the mean squared error the warning gives instead; ``r2``: the score returned."""
    scored = targets if weights is None else targets[weights > 0]
    constant = np.flatnonzero(np.ptp(scored, axis=0) == 0)
    if not len(constant):
        return
    j = int(constant[0])
    mse = float(np.average((targets[:, j] - np.reshape(pred, (len(pred), -1))[:, j]) ** 2, weights=weights))
    weighted = " of sample_weight > 0" if weights is not None else ""
    if len(scored) == 1:
        warnings.warn(f"{who}: y holds one sequence{weighted}, so R² (1 - the squared error over the targets' "
                      f"variance, which is 0 for one value) is undefined and this score is {r2:g}; the mean squared "
                      f"error says how far the prediction is ({mse:.4g} here: sklearn.metrics.mean_squared_error(y, "
                      f"est.predict(X))); for R², score two or more sequences together (leave-one-out folds: "
                      f"sklearn.model_selection.cross_val_predict, then r2_score of all of them)", UserWarning,
                      stacklevel=3)
        return
    if scored.shape[1] == 1:
        what, counted = f"y is constant ({scored[0, j]:g} for every sequence{weighted})", "this score is"
    else:
        name = repr(str(names[j])) if names is not None else str(j)
        what = (f"y's target {name} is constant ({scored[0, j]:g} for every sequence{weighted}; "
                f"{len(constant)} of the {scored.shape[1]} targets are)")
        counted = "the mean over the targets counts it as"
    warnings.warn(f"{who}: {what}, so R² (1 - the squared error over the targets' variance, which is 0) is "
                  f"undefined: scikit-learn's r2_score gives 0.0 whatever the errors (1.0 where every prediction is "
                  f"exact), and {counted} that; the mean squared error says how far the predictions are ({mse:.4g} "
                  f"here: sklearn.metrics.mean_squared_error(y, est.predict(X))); for R², score on sequences whose "
                  f"targets vary", UserWarning, stacklevel=3)


def _check_integers_kept(given: np.ndarray, y: np.ndarray, who: str) -> None:
    """ValueError where integer targets beyond 2**53 (int64 nanoseconds, ids as numbers) become equal in float64,
    in which the regressor reads them: their differences, all it could learn, are lost without a word."""
    flat, values = given.reshape(len(given), -1), y.reshape(len(y), -1)
    for j in range(flat.shape[1]):
        kept, order = values[:, j], np.argsort(flat[:, j], kind="stable")
        ints, floats = flat[order, j], kept[order]
        merged = np.flatnonzero((ints[1:] != ints[:-1]) & (floats[1:] == floats[:-1]))
        if len(merged):
            a, b, read = int(ints[merged[0]]), int(ints[merged[0] + 1]), float(floats[merged[0]])
            column = f" (target {j})" if flat.shape[1] > 1 else ""
            raise ValueError(f"{who}: y{column} holds integers that float64, in which targets are read, cannot tell "
                             f"apart: {a} and {b} both read as {read!r} (beyond 2**53, float64 keeps "
                             f"about 16 digits); subtract a reference first, y - y.min(), so that their differences "
                             f"are kept")


def _target_scale(y_scale: np.ndarray) -> np.ndarray:
    """The scale a regressor's targets are trained in: ``y_scale_``, with 1 for a target of one value at fit
    (``y_scale_`` 0, which predict multiplies by, so that it gives that value exactly)."""
    return np.where(y_scale > 0, y_scale, 1.0)


def _warn_constant_fit_targets(fitted: dict, n: int, weighted: bool, who: str) -> None:
    """Warn where a regressor's target holds one value for every sequence (of weight > 0) of two or more at fit:
    nothing of X is learnt for it, and predict gives that value whatever X holds (its ``y_scale_`` is 0)."""
    constant = np.flatnonzero(np.asarray(fitted["y_scale_"]) == 0)
    if n == 1:  # every target is one value: the sequence's own
        shown = ", ".join(f"{float(v):g}" for v in np.asarray(fitted["y_mean_"])[:5])
        one = "one sequence of sample_weight > 0" if weighted else "one sequence"
        warnings.warn(f"{who}: the fit holds {one}, so the regressor learns nothing of X and predicts its target "
                      f"({shown}{', ...' if len(fitted['y_mean_']) > 5 else ''}) whatever X holds; a regressor "
                      f"learns how targets vary from sequence to sequence: give it many sequences, each with its "
                      f"target (one long series? cut it into windows, rnnkit.data.sliding_windows, or forecast it "
                      f"with rnnkit.Forecaster)", UserWarning, stacklevel=3)
        return
    if not len(constant) or n < 2:
        return
    j, k, names = int(constant[0]), len(fitted["y_scale_"]), fitted.get("target_names_")
    value = f"{float(fitted['y_mean_'][j]):g}"
    where = f"for every sequence{' of sample_weight > 0' if weighted else ''}"
    if k == 1:
        what, fix = f"y is {value} {where} at fit", "give the target that varies"
    elif len(constant) == k:  # every target: leaving one out of y would leave the others
        shown = ", ".join(f"{float(v):g}" for v in np.asarray(fitted["y_mean_"])[:5]) + (", ..." if k > 5 else "")
        what, fix = f"each of y's {k} targets is one value {where} at fit ({shown})", "give targets that vary"
    else:
        name = repr(str(names[j])) if names is not None else str(j)
        drop = f"y.drop(columns=[{name}])" if names is not None else f"np.delete(y, {j}, axis=1)"
        are = "is" if len(constant) == 1 else "are"
        what = f"y's target {name} is {value} {where} at fit ({len(constant)} of the {k} targets {are} one value)"
        fix = f"leave it out of y ({drop})"
    it, said = ("it", value) if len(constant) < k or k == 1 else ("them", "them")
    warnings.warn(f"{who}: {what}, so the regressor learns nothing of X for {it} and predicts {said} whatever X "
                  f"holds; a column of one value (a unit, a flag, what a filter left) given as a target? {fix}; if it "
                  f"is meant, silence this with warnings.filterwarnings('ignore', message='.*at fit, so the "
                  f"regressor learns nothing')", UserWarning, stacklevel=3)


def fit_classes(labels: np.ndarray, who: str, per_step: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``classes_`` as scikit-learn has them (the sorted distinct labels) and the codes ``0..n_classes-1``.

    Labels of any sortable hashable type; non-scalar ones (tuples, ...) come as a 1-D object array.
    Continuous values (floats that are not whole numbers: scikit-learn's ``type_of_target`` "continuous")
    are refused: they are a regression target, not classes (``per_step``: a tagger's, one number per step)."""
    fractions = np.flatnonzero(labels != np.round(labels)) if labels.dtype.kind == "f" else []
    # type_of_target calls whole floats past int64's range (1e20) continuous too: they are classes
    if len(fractions) and type_of_target(labels) == "continuous":
        example = labels[fractions[0]]
        fix = ("for a number at every step train rnnkit.models.SequenceToSequence with "
               "rnnkit.training.SequenceModule(task='regression') (SequenceRegressor predicts one per sequence)"
               if per_step else "to predict a number use SequenceRegressor (rnnkit train --task regress)")
        raise ValueError(f"{who}: y holds continuous values (e.g. {example:g}, not a whole number), not class "
                         f"labels; {fix}, or bin the values into classes first")
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
        plain = classes[0].item() if isinstance(classes[0], np.generic) else classes[0]  # 1, not np.int64(1)
        raise ValueError(f"{who}: y has a single class ({plain!r}); a classifier needs at least two, and one class "
                         f"leaves nothing to tell apart: give it sequences of two or more classes")
    return classes, codes


def _spelling(label: str) -> str:
    """What a text label reads as: without spaces around it, without invisible format characters (a zero-width
    space, a byte-order mark, a soft hyphen: Unicode's category Cf) and in one Unicode form (NFC: an ``é``
    typed as one character or as ``e`` and a combining accent, as macOS writes file names)."""
    visible = "".join(c for c in label if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFC", visible).strip()


def check_label_spellings(labels: np.ndarray, who: str, ids=None, where=None) -> None:
    """Refuse text labels that differ only by spaces around them (``"walking"`` and ``"walking "``), by
    invisible characters or by their Unicode form (:func:`_spelling`): they would be two classes, each learnt
    from part of the other's examples. ``ids`` name the sequences; or ``where(k)`` names position ``k``."""
    first = {}  # label -> its first position
    for i, v in enumerate(labels.tolist()):
        if isinstance(v, str):
            first.setdefault(v, i)
    spelt = {}
    for v, i in first.items():
        key = _spelling(v)
        if key in spelt:
            plain = lambda k: ids[k].item() if isinstance(ids[k], np.generic) else ids[k]  # 's0', not np.str_
            (w, j) = spelt[key]
            if where is None:
                where = (lambda k: f"position {k}") if ids is None else (lambda k: f"sequence {plain(k)!r}")
            if w.strip() == v.strip():
                raise ValueError(f"{who}: y spells one label in two ways that differ only by spaces ({w!r} at "
                                 f"{where(j)}, {v!r} at {where(i)}), which would be two classes; strip the spaces "
                                 f"from the labels (e.g. y.str.strip(), or [v.strip() for v in y])")
            # ascii(): the code points, which print alike otherwise
            raise ValueError(f"{who}: y spells one label in two ways that differ only by invisible characters or "
                             f"Unicode form ({ascii(w)} at {where(j)}, {ascii(v)} at {where(i)}: the same letters, "
                             f"other code points), which would be two classes; write them alike, e.g. "
                             f"[unicodedata.normalize('NFC', v).replace('\\u200b', '') for v in y]")
        spelt[key] = (v, i)
    where = where or ((lambda k: f"position {k}") if ids is None else (lambda k: f"sequence {_plain(ids[k])!r}"))
    _check_label_cases(spelt, who, where)
    _check_label_numbers(spelt, who, where)


def _check_label_numbers(spelt: dict, who: str, where) -> None:
    """Warn of text labels that write one number in two ways (``'1'`` and ``'1.0'``, ``'7'`` and ``'07'``: a
    column read as int in one file and as float in another, or zero-padded in one): two classes as text. Codes
    that are text on purpose (``'01'`` beside ``'1'`` as two product codes) may be meant, so a warning."""
    number = {}  # the number a label reads as -> (label, position) of its first
    for key, (v, i) in spelt.items():
        if not is_number_text(key) or not math.isfinite(float(key)):
            continue
        w, j = number.setdefault(float(key), (v, i))
        if w != v:
            warnings.warn(f"{who}: y holds labels that write the same number in two ways ({w!r} at {where(j)}, "
                          f"{v!r} at {where(i)}), which as text are two classes; if one is meant, read y as numbers "
                          f"(e.g. pd.to_numeric(y)); if they are two codes, silence this with "
                          f"warnings.filterwarnings('ignore', message='.*the same number in two ways')", UserWarning,
                          stacklevel=5)
            return


def _check_label_cases(spelt: dict, who: str, where) -> None:
    """Text labels that differ by letter case (``"cat"`` and ``"Cat"``), after :func:`_spelling`: refused where
    spaces or invisible characters differ too (``"Cat "``: a typed label, never two classes meant), warned
    otherwise, since a word's two cases are most often one label typed two ways; labels of one character each
    (``'a'`` and ``'A'``: letters as classes, as EMNIST's handwriting, keystrokes) are classes of their own case and
    are not warned of."""
    cased = {}  # casefolded spelling -> (label, position) of its first
    for key, (v, i) in spelt.items():
        folded = key.casefold()
        if folded not in cased:
            cased[folded] = (v, i)
            continue
        w, j = cased[folded]
        if w != _spelling(w) or v != _spelling(v):
            raise ValueError(f"{who}: y spells one label in two ways that differ by letter case and spaces or "
                             f"invisible characters ({ascii(w)} at {where(j)}, {ascii(v)} at {where(i)}), which would "
                             f"be two classes; write them alike, stripped and in one case (e.g. "
                             f"y.str.strip().str.lower(), or [v.strip().lower() for v in y])")
        if len(key) == 1 and len(_spelling(w)) == 1:  # letters as classes: 'a' and 'A' are two
            continue
        warnings.warn(f"{who}: y holds labels that differ only by letter case ({w!r} at {where(j)}, {v!r} at "
                      f"{where(i)}), which are two classes; if one is meant, write them in one case (e.g. "
                      f"y.str.lower(), or [v.lower() for v in y]); if they are two, silence this with "
                      f"warnings.filterwarnings('ignore', message='.*differ only by letter case')", UserWarning,
                      stacklevel=5)
        return


def check_known_labels(labels: np.ndarray, classes: np.ndarray, who: str, *, unit: str = "sequence",
                       estimator: str = "classifier") -> None:
    """Labels to score against that are not among the fitted ``classes``: every sequence (a tagger's: every
    ``unit="step"``) of one counts as a wrong prediction. None of them a class (``'A'``, ``'B'`` for ``classes_
    ['a', 'b']``: another spelling) is refused, since the score would be 0 whatever the model predicts; some of
    them (a class absent from the training data) are warned of, naming them and how many sequences they label."""
    known = {_plain(c) for c in classes.tolist()}
    values = [_plain(v) for v in labels.tolist()]
    counts = {}
    for v in values:
        if _hashable(v) and v not in known:
            counts[v] = counts.get(v, 0) + 1
    if not counts:
        return
    shown = ", ".join(f"{v!r} ({k} {unit}{'s' if k > 1 else ''})" for v, k in list(counts.items())[:5])
    fitted = [_plain(c) for c in classes[:5].tolist()] + (["..."] if len(classes) > 5 else [])
    if sum(counts.values()) == len(values):
        lower = {str(c).strip().lower() for c in known}
        case = ("; they differ from the classes only by case or spaces: write them as at fit (e.g. y.str.lower() or "
                "y.str.strip())" if all(str(v).strip().lower() in lower for v in counts) else "")
        raise ValueError(f"{who}: y holds none of the {estimator}'s classes ({shown}; classes_ {fitted}), so every "
                         f"prediction would count as wrong; give y's labels as predict returns them{case}")
    warnings.warn(f"{who}: y holds {len(counts)} label(s) the {estimator} never saw at fit: {shown}; classes_ "
                  f"{fitted}; those {unit}s count as wrong predictions (spelt otherwise than at fit? write them "
                  f"alike)", UserWarning, stacklevel=3)


def warn_categories_not_classes(y, classes: np.ndarray, who: str) -> None:
    """Warn where ``y`` is a pandas Categorical whose categories are not ``classes`` (the labels it holds, sorted,
    as scikit-learn's classifiers take them): a category that labels no sequence is no class (predict never
    gives it, predict_proba has no column for it), and categories in another order (an ordinal ``['low',
    'high']``) would put predict_proba's columns in another order than theirs."""
    series = isinstance(y, pd.Series) and isinstance(y.dtype, pd.CategoricalDtype)
    categories = y.cat.categories if series else y.categories if isinstance(y, pd.Categorical) else None
    fitted = [_plain(c) for c in classes.tolist()]
    if categories is None or list(categories) == fitted:
        return
    known = set(fitted)
    unused = [c for c in categories if c not in known]
    said = []
    if unused:
        said.append(f"[{_show_index(pd.Index(unused))}] label no sequence, so they are no classes (predict never "
                    f"gives them, predict_proba has no column for them)")
    if [c for c in categories if c in known] != fitted:
        said.append("predict_proba's columns follow classes_, not the categories' order")
    fix = ("read predict_proba's columns by clf.classes_ (e.g. pd.DataFrame(proba, columns=clf.classes_))" + (
        f"; to learn a class, give it some sequences; to say it is none, "
        f"y{'.cat' if series else ''}.remove_unused_categories()" if unused else ""))
    warnings.warn(f"{who}: y is a Categorical of categories [{_show_index(categories)}], but classes_ are the labels "
                  f"y holds in sorted order, [{_show_index(pd.Index(classes))}], as scikit-learn's classifiers take "
                  f"them: {'; '.join(said)}; {fix}", UserWarning, stacklevel=4)


def check_classes_recur(codes: np.ndarray, classes: np.ndarray, who: str) -> None:
    """Refuse per-sequence labels that look like ids or measurements rather than classes: at least 10
    classes, most of them held by a single sequence (a classifier cannot learn a class from one example;
    400 distinct labels for 400 sequences is a numeric target or an id column)."""
    counts = np.bincount(codes, minlength=len(classes))
    single = int((counts == 1).sum())
    if len(classes) >= 10 and single > len(classes) / 2:
        raise ValueError(f"{who}: y has {len(classes)} distinct labels for {len(codes)} sequences, and {single} "
                         f"of them label a single sequence: these look like ids or measurements, not classes. "
                         f"For a numeric target use SequenceRegressor (rnnkit train --task regress); otherwise "
                         f"group the labels into classes with several sequences each")


def classes_to_json(classes: np.ndarray) -> dict:
    """``classes_`` for config.json, with its dtype; refuses labels that JSON would change (tuples, ...)."""
    values = classes.tolist()
    for c in values:
        try:
            back = json.loads(json.dumps(c))
        except TypeError:  # dates, ...: JSON has no such type
            back = None
        if back != c or type(back) is not type(c):
            raise ValueError(f"cannot save: class {c!r} of type {type(c).__name__} does not survive JSON; "
                             "use int, str, float or bool labels (e.g. fit on y.astype(str))")
    return {"classes_": values, "classes_dtype": "object" if classes.dtype == object else classes.dtype.str}


def classes_from_json(fitted: dict) -> np.ndarray:
    dtype = fitted["classes_dtype"]
    return np.asarray(fitted["classes_"], dtype=object if dtype == "object" else np.dtype(dtype))


def feature_scaling(x: torch.Tensor, lengths: torch.Tensor, who: str = "feature_scaling"
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and standard deviation (1 where constant) of each feature over all valid steps, NaN (a missing
    value) left out: ``(F,)`` each, float64, computed in float64 from ``x`` as given. A feature never observed
    has neither: ValueError. A spread below float32's least number (1.4e-45) reads as constant: it is rounding,
    not a feature's variation."""
    valid = length_mask(lengths, x.shape[1])
    steps = x[valid].double()  # (sum of lengths, F)
    observed = ~steps.isnan()
    count = observed.sum(0)
    if not count.all():
        raise ValueError(f"{who}: feature {int((count == 0).nonzero()[0])} of X is NaN (missing) at every step of "
                         f"every sequence; give it at least one observed value, or leave the feature out")
    mean = steps.nansum(0) / count
    std = ((steps - mean).square().nansum(0) / count).sqrt()
    return mean, torch.where(std.float() > 0, std, torch.ones_like(std))


def constant_features(x: torch.Tensor, lengths: torch.Tensor) -> list[int]:
    """The features of ``x`` (B, T, F) of one value at every observed step of every sequence (NaN left out):
    standardised to 0 at every step, so that no gradient reaches the weights that read them, which stay as
    initialised (:func:`warn_far_from_fit` names one that varies at predict)."""
    steps = x[length_mask(lengths, x.shape[1])]  # (sum of lengths, F)
    big = torch.finfo(steps.dtype).max
    low = torch.where(steps.isnan(), big, steps).amin(0)
    high = torch.where(steps.isnan(), -big, steps).amax(0)
    return [int(k) for k in torch.nonzero(low == high).flatten()]


FAR_FROM_FIT = 10.0
"""A feature whose mean at predict lies this many fitted standard deviations from its mean at fit, or whose spread
is this many times the fitted one, with most of its steps that far from the fitted mean, is warned of
(:func:`warn_far_from_fit`)."""


def warn_far_from_fit(x: torch.Tensor, lengths: torch.Tensor, mean: np.ndarray, scale: np.ndarray, names,
                      who: str, constant: list[int] | None = None) -> None:
    """Warn of a feature of ``x`` (its first 256 sequences, 65536 steps at most: a sample tells the scale) whose
    values lie far from the fitted scaling ``mean ± scale``: its mean :data:`FAR_FROM_FIT` standard deviations or
    more from the fitted mean, or its spread that many times the fitted one, and most of its observed steps that
    far from the fitted mean (a few far steps, a rare flag on in one sequence, are no change of units; a feature
    missing at every step read tells nothing). X in other units than at fit (standardised by one's own scaler at
    fit and raw at predict, metres then millimetres) reads so: the network is fed values it never saw, which
    saturate its gates, and its predictions come out near constant, without a word. ``constant``: the features of
    one value at fit (:func:`constant_features`), whose every change here is warned of: the network's weights for
    them were never trained, so a change moves the predictions by chance (None: a model saved before they were
    recorded)."""
    parts, taken = [], 0
    for i, n in enumerate(lengths[:256].tolist()):  # at most 65536 steps: long sequences are not copied whole
        parts.append(x[i, : min(n, 65536 - taken)])
        taken += len(parts[-1])
        if taken >= 65536:
            break
    steps = torch.cat(parts).double()  # (steps read, F)
    count = (~steps.isnan()).sum(0)  # 0 for a feature missing at every step read: its m, sd and size NaN
    m = steps.nansum(0) / count
    sd = ((steps - m).square().nansum(0) / count).sqrt()
    mean, scale = torch.from_numpy(np.asarray(mean, np.float64)), torch.from_numpy(np.asarray(scale, np.float64))
    size = torch.maximum((m - mean).abs(), sd) / scale  # in fitted standard deviations
    # other units move most steps far out; a few far steps (a rare flag on in one sequence) are the data's own
    bulk = ((steps - mean).abs() >= FAR_FROM_FIT * scale).sum(0) * 2 > count
    size = torch.where(size.isnan() | ~bulk, 0.0, size)
    if constant:
        fixed = torch.zeros(len(size), dtype=torch.bool)
        fixed[constant] = True
        # float32's rounding of the fitted value (read in float64 from float32 data) is no change
        moved = ((steps - mean).abs() > 1e-6 * torch.clamp(mean.abs(), min=1.0)).sum(0) * fixed
        size = torch.where(fixed, 0.0, size)  # said here, not as a distance in a scale of 1
        if bool(moved.any()):
            j = int(moved.argmax())
            feature = f"{str(names[j])!r}" if names is not None else f"{j}"
            others = int((moved > 0).sum()) - 1
            values = steps[:, j][~steps[:, j].isnan()]
            warnings.warn(f"{who}: feature {feature} of X was constant at fit ({float(mean[j]):.6g} at every step), "
                          f"but here differs from it at {int(moved[j])} of the {int(count[j])} steps read (from "
                          f"{float(values.min()):.4g} to {float(values.max()):.4g})"
                          + (f", and {others} other feature(s) constant at fit alike" if others else "") +
                          ": the network never saw it vary, so its weights for it were never trained and a change "
                          "moves the predictions by chance; leave it out at fit and here, or fit on data where it "
                          "varies; if these values are meant, silence this with warnings.filterwarnings('ignore', "
                          "message='.*constant at fit')", UserWarning, stacklevel=4)
    if not bool((size >= FAR_FROM_FIT).any()):
        return
    j = int(size.argmax())
    feature = f"{str(names[j])!r}" if names is not None else f"{j}"
    far = int((size >= FAR_FROM_FIT).sum())
    fitted = float(mean[j]) if abs(float(mean[j])) > 1e-9 * float(scale[j]) else 0.0  # a standardised X's -3e-15
    warnings.warn(f"{who}: feature {feature} of X has mean {float(m[j]):.4g} and sd {float(sd[j]):.4g} here, but "
                  f"{fitted:.4g} ± {float(scale[j]):.4g} at fit: {float(size[j]):.3g} fitted standard "
                  f"deviations away ({far} of the {len(size)} features beyond {FAR_FROM_FIT:g}), values the network "
                  f"never saw, which saturate its gates, so its predictions may be near constant; X in other units "
                  f"or another scaling than at fit (one's own scaler applied at fit and not here, or the reverse)? "
                  f"give X as at fit; if these values are meant, silence this with "
                  f"warnings.filterwarnings('ignore', message='.*fitted standard deviations away')", UserWarning,
                  stacklevel=4)


def stratified(order: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``order`` (a permutation of the items) rearranged so that each of its prefixes holds every class of
    ``codes`` in about its share: the j-th item of a class of ``c`` (in ``order``) goes to ``(j + 1/2) / c``,
    sorted stably. Its first ``m`` items are a stratified sample of ``m`` (a class too small for a share of one
    item stays out of it), drawn as randomly as ``order``."""
    classes = codes[order]
    counts = np.bincount(classes)
    rank = np.zeros(len(order))
    for k in range(len(counts)):
        rank[classes == k] = np.arange(counts[k])
    return order[np.argsort((rank + 0.5) / counts[classes], kind="stable")]


# -- estimators ----------------------------------------------------------------------------------------------
AUTO = "auto"  # an option that fit chooses from the training data (rnnkit.models.defaults_for_series)
VALIDATION_FRACTION = 0.1  # the sequences early stopping holds out, by default


def is_auto(value) -> bool:
    return isinstance(value, str) and value == AUTO


def _check_count(name: str, v, auto: bool = False, *, none: bool = False) -> None:
    if not is_count(v):
        also = " or 'auto'" if auto else " or None" if none else ""
        raise ValueError(f"{name} must be an integer >= 1{also}, got {v!r}"
                         f"{_number_given_as_fix(name, v, int) or _count_fix(name, v, auto)}")


def _count_fix(name: str, v, auto: bool) -> str:
    """The fix for a count given as no count ``_number_given_as_fix`` reads: early stopping's patience of 0 (Keras'
    meaning) or below, a bool, a fraction (the ints either side), a word (the default, or 'auto')."""
    if name == "early_stopping_patience":
        if is_integer(v) and v == 0:
            return ("; patience counts the epochs without a better validation loss before stopping, so 1 stops at the "
                    "first such epoch (as Keras' patience=0 does): pass early_stopping_patience=1, or None to train "
                    "every epoch without stopping early")
        return ("; it counts the epochs without a better validation loss before stopping: pass a count such as "
                "early_stopping_patience=5, or None to train every epoch without stopping early")
    auto_fix = f", or leave {name}='auto' (chosen from the data)" if auto else ""
    if name == "hidden_size" and (sizes := as_counts(v)) is not None:  # Keras' and MLPs' one size per layer
        return (f"; one size per layer, as Keras stacks them? the num_layers layers share one hidden size: pass "
                f"hidden_size={sizes[0]}, num_layers={len(sizes)}")
    if is_finite_number(v) and v > 1 and v != int(v):
        return f"; pass an int, {name}={math.floor(v)} or {name}={math.ceil(v)}{auto_fix}"
    return f"; pass an int >= 1 (e.g. {name}=2){auto_fix}" if auto_fix or not is_integer(v) else ""


def _number_given_as_fix(name: str, v, kind: type) -> str:
    """The fix for a parameter's number given as text (``'1e-3'``, a config file's or a command line's value) or,
    for a count (``kind`` int), as a whole float (``4.0``: a grid of ``np.linspace`` or of floats); "" otherwise."""
    if isinstance(v, str) and is_number_text(v) and math.isfinite(float(v)) and float(v) > 0 and \
            (kind is float or float(v) == int(float(v))):
        return f" (text); pass {name}={kind(float(v))!r}, a number ({kind.__name__}(text) of a config file's value)"
    if kind is int and (meant := int_meant(v, 1, text=None)) is not None:
        return (f" (a float); pass {name}={meant}, an int (a grid of np.linspace or of floats gives {float(v)!r}: "
                f"give a list of ints, or np.arange)")
    return ""


def _validation_fraction_fix(v) -> str:
    """The fix for a ``validation_fraction`` outside ``(0, 1)``: a percentage (``20``) as the fraction meant, a
    number's text as the number, 1 (every sequence held out) and 0 or None (no validation: early stopping's
    patience is what holds one out) as what does what was meant."""
    name = "validation_fraction"
    if isinstance(v, str) and is_number_text(v):
        if 0 < float(v) < 1:
            return _number_given_as_fix(name, v, float)
        v = float(v)
    if v is None or _is_real(v) and v == 0:
        return ("; a validation split is held out only for early stopping: to train on every sequence, leave "
                "early_stopping_patience=None (the default) and validation_fraction out")
    if not _is_real(v) or not math.isfinite(v):
        return ""
    if 1 < v <= 100:
        return f"; a percentage? pass {name}={v / 100:g}"
    if v == 1:
        return f"; 1 would hold out every sequence, leaving none to train on: pass a fraction below 1, e.g. {name}=0.2"
    return ""


def _label_smoothing_fix(v) -> str:
    """The fix for a ``label_smoothing`` outside ``[0, 1)``: a number's text as the number, a percentage (``10``)
    as the fraction meant, 1 (every target the uniform distribution) and a negative eps as what each does."""
    name = "label_smoothing"
    if isinstance(v, str) and is_number_text(v):
        if 0 <= float(v) < 1:
            return f" (text); pass {name}={float(v)!r}, a number (float(text) of a config file's value)"
        v = float(v)
    if not _is_real(v) or not math.isfinite(v):
        return f"; pass a number such as {name}=0.1, or {name}='auto' (chosen from the data)"
    if 1 < v <= 100:
        return f"; a percentage? pass {name}={v / 100:g} for {v:g}%"
    if v == 1:
        return (f"; {name}=1 would train every sequence towards the uniform distribution, whatever its label: pass "
                f"a fraction below 1, e.g. {name}=0.1")
    if v < 0:
        return f"; eps is at least 0: pass {name}={-v:g} if the sign slipped in, or 0 for none"
    return f"; pass a fraction below 1, e.g. {name}=0.1"


def _seed_fix(seed) -> str:
    """The fix for a ``random_state`` numpy's ``check_random_state`` refuses: the int meant by a whole float or a
    number's text, the int range for one outside it, an int seed for anything else (a torch Generator)."""
    meant = int_meant(seed)
    if meant is not None and 0 <= meant < 2**32:
        return (f" (text); pass random_state={meant}, an int (int(text) of a config file's value)"
                if isinstance(seed, str) else f" (a float); pass random_state={meant}, an int")
    if is_integer(seed):
        return f", outside numpy's seeds; pass random_state={int(seed) % 2**32} (the seed modulo 2**32), or another"
    if isinstance(seed, torch.Generator):
        return (" (a torch Generator); give an int seed, e.g. random_state=0, or its own: "
                "random_state=gen.initial_seed() % 2**32")
    return "; give an int seed, e.g. random_state=0 (or None for a new one each fit)"


def _warn_other_members(log_dir, n_members: int, who: str) -> None:
    """Warn when ``log_dir/members`` holds folders of members this fit of ``n_members`` networks does not train
    (``members/j`` for ``j >= n_members``, left by an earlier fit of more networks): they are not replaced, so
    ``log_dir`` would hold the logs and checkpoints of two runs, read as one."""
    members = None if log_dir is None else os.path.join(log_dir, "members")  # named as the user spelt it
    real = None if members is None else os.path.expanduser(members)  # '~': the home's, where the members log
    if real is None or not os.path.isdir(real):
        return
    others = sorted(int(name) for name in os.listdir(real)
                    if name.isdigit() and int(name) >= n_members and os.path.isdir(os.path.join(real, name)))
    if others:
        folders = ", ".join(os.path.join(members, str(j)) for j in others)
        one = len(others) == 1
        warnings.warn(f"{who}: {folders} hold{'s' if one else ''} the logs and checkpoints of member"
                      f"{'' if one else 's'} {', '.join(map(str, others))} of an earlier fit of more networks, "
                      f"which this fit of n_members={n_members} leaves as {'it is' if one else 'they are'} (not this "
                      f"fit's): remove {'it' if one else 'them'}, or give each fit its own log_dir", UserWarning,
                      stacklevel=3)


def _is_real(v) -> bool:
    """A real number, not a bool (True is an int to Python, not a rate or a fraction to a user)."""
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


# The parameters of the network that choices_ does not record: set after fit, they no longer describe the model.
_NETWORK = ("num_layers", "time_aware")
# What defaults_for_series chooses for SequenceClassifier and SequenceRegressor when left "auto".
_RULED = ("cell", "hidden_size", "bidirectional", "pooling", "frontend", "stride", "normalise", "keep_scale",
          "batch_size", "max_epochs", "lr", "lr_schedule", "crop", "n_members")


def class_indices(labels, classes: np.ndarray, who: str, what: str) -> np.ndarray:
    """The index in ``classes`` (an estimator's ``classes_``) of each label, as an int64 array of ``labels``'
    shape; ValueError naming a label that is not a class."""
    position = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    values = np.asarray(labels, dtype=object)
    flat = [v.item() if isinstance(v, np.generic) else v for v in values.ravel().tolist()]
    unknown = next((v for v in flat if not _hashable(v) or v not in position), None)
    if unknown is not None:
        shown = np.asarray(classes).tolist()[:6]
        raise ValueError(f"{who}: {what} holds {unknown!r}, which is not a class of the model (classes_ {shown}"
                         f"{' ...' if len(classes) > 6 else ''}); give labels as predict returns them")
    return np.array([position[v] for v in flat], dtype=np.int64).reshape(values.shape)


def _plain(value):
    """A numpy scalar as Python's (``1``, not ``np.int64(1)``), for messages and JSON; anything else as it is."""
    return value.item() if isinstance(value, np.generic) else value


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _sequence_weights(X, sample_weight, n: int, who: str, purpose: str = "score", y=None) -> np.ndarray | None:
    """``sample_weight`` as a float64 array, after checking that it holds one finite number >= 0 per sequence
    of ``X`` (``n`` of them), not all 0, and, as a pandas Series, is indexed as a DataFrame ``X``'s instances
    and as a pandas ``y`` of one target per sequence; None for None."""
    if sample_weight is None:
        return None
    if isinstance(sample_weight, torch.Tensor):  # numpy's own reading of it warns of __array__'s copy keyword
        sample_weight = _tensor_array(sample_weight, f"{who}: sample_weight")
    if isinstance(sample_weight, dict | set):  # numpy reads either as one object, of shape ()
        raise ValueError(f"{who}: sample_weight is a {type(sample_weight).__name__}, which has no order to match "
                         f"X's {n} sequences by; give one weight per sequence in X's order, e.g. "
                         f"[weights[key] for key in ids]")
    shape = np.asarray(sample_weight, dtype=object).shape  # through __array__: any array-like
    if shape != (n,):
        raise ValueError(f"{who}: sample_weight has shape {shape} but X has {n} sequences; give one weight per "
                         f"sequence (shape ({n},))")
    check_target_index(X, sample_weight, who, "sample_weight")
    if (isinstance(sample_weight, pd.Series) and isinstance(y, pd.Series | pd.DataFrame) and len(y) == n
            and not isinstance(y.index, pd.MultiIndex) and not sample_weight.index.equals(y.index)):
        # both matched to X by position: indexed by other ids, or by the same ids in another order, the weights
        # would go to other sequences than the targets beside them
        raise ValueError(f"{who}: sample_weight's index ({_show_index(sample_weight.index)}) is not y's "
                         f"({_show_index(y.index)}); both are matched to X's sequences by position: reorder it "
                         f"with sample_weight.loc[y.index] (or pass sample_weight.to_numpy() if its order is "
                         f"already X's)")
    check_sample_weight(sample_weight, who, purpose)
    return np.array(sample_weight, dtype=np.float64)  # a copy: contiguous, and the caller's left as it was


def _loss_weight_tensor(weights: np.ndarray, who: str, what: str = "sample_weight") -> torch.Tensor:
    """Float64 loss weights as the float32 tensor the loss reads. Weights that float32 holds as they are (those > 0
    within its normal range, 1.18e-38 .. 3.4e38 over their count, so that their sum stays finite) are cast as given,
    bit for bit as ever; others are divided by their largest first: the loss is their weighted mean, which a common
    factor leaves as it is, while float32 makes weights beyond 3.4e38 infinite and those below 1.4e-45 zero (a NaN
    loss, or a sequence left out, without a word). Warned where weights > 0 are still lost beside the largest (a
    ratio beyond float32's range)."""
    weights = np.asarray(weights, dtype=np.float64)
    top, f32 = float(weights.max()), np.finfo(np.float32)
    held = weights[weights > 0]
    if not len(held) or (held.min() >= f32.tiny and top <= float(f32.max) / len(weights)):
        return torch.from_numpy(weights).float()  # ordinary weights: as given
    scaled = weights / top if np.isfinite(top) and top > 0 else weights
    out = torch.from_numpy(scaled).float()
    lost = (weights > 0) & (out.numpy() < np.finfo(np.float32).tiny)
    if lost.any():
        out[torch.from_numpy(lost)] = 0.0  # subnormal weights: a batch of them alone sums to a NaN step
        at = int(np.flatnonzero(lost)[0])
        warnings.warn(f"{who}: {what} is {weights[at]:g} at position {at} ({int(lost.sum())} in all), below "
                      f"{np.finfo(np.float32).tiny:g} times the largest, {top:g}, so in the float32 loss those "
                      f"sequences weigh 0 and are left out; weights spanning more than 1e38 are almost "
                      f"surely in other units or mistyped: give weights of comparable size, or 0 to leave a "
                      f"sequence out", UserWarning, stacklevel=4)
    return out


_FIT_ANEW = ("every fit starts anew from freshly drawn weights (no incremental training); train longer with a "
             "larger max_epochs, or continue an interrupted fit with log_dir=... and fit(X, y, resume=True)")


def _missing_param_fix(cls, key: str) -> str:
    """What to do instead of an estimator parameter ``key`` that ``cls`` does not take."""
    name = cls.__name__
    if key == "warm_start":
        return f"there is no warm_start: {_FIT_ANEW}"
    if key == "class_weight":
        whose = ("a regressor has no classes" if cls._task == "regression" else
                 f"{name} takes no class_weight (its labels are per step)")
        return f"{whose}; weigh whole sequences with fit(X, y, sample_weight=w), one weight per sequence"
    close = closest_name(key, cls._get_param_names())
    if close:
        return f"did you mean {close!r}?"
    return f"its parameters are {name}().get_params()'s keys"


# A classifier's methods a regressor lacks (hasattr False, as scikit-learn's regressors'); asked for, said why.
_CLASSIFIER_ONLY = ("predict_proba", "predict_log_proba", "decision_function")


class _SequenceEstimator(BaseEstimator):
    """Shared fit / predict / save machinery. Subclasses set ``_target``, ``_task`` and the target coding."""

    _target: str  # "label" or "step"
    _task: str  # "classification" or "regression"

    def __new__(cls, *args, **params):
        # before __init__, whose TypeError names the class that defines it (the tagger's is _SequenceEstimator's)
        # and neither the reason nor the fix; __init__'s signature stays what get_params reads
        name = cls.__name__
        if args:
            raise TypeError(f"{name}() takes its parameters by keyword only, got {len(args)} positional "
                            f"argument(s) ({repr(args)[1:-1].rstrip(',')[:60]}); write e.g. {name}(cell='lstm', "
                            f"hidden_size=32)")
        accepted = cls._get_param_names()
        for key in params:
            if key in accepted:
                continue
            # read on a refusal only: every construction (each clone of a grid search) passes through here
            init = inspect.signature(cls.__init__).parameters.values()
            kwargs = next((p.name for p in init if p.kind is p.VAR_KEYWORD), None)
            ours = next(c for c in cls.__mro__ if c.__module__ == __name__)  # the rnnkit estimator subclassed
            if kwargs and key in ours._get_param_names():
                # a subclass's own __init__(self, ..., **kwargs) passing rnnkit's parameters on
                raise TypeError(f"{name}() got {key}={short_repr(params[key], 40)}, which {name}.__init__ takes "
                                f"through **{kwargs}; scikit-learn's "
                                f"get_params, clone and GridSearchCV read an estimator's parameters from its "
                                f"__init__'s named arguments only, so a copy would lose it: name {key} in "
                                f"{name}.__init__'s signature and pass it on to super().__init__")
            raise TypeError(f"{name}() got an unexpected keyword argument {key!r}; {_missing_param_fix(cls, key)}")
        return super().__new__(cls)

    def __getattr__(self, name: str):
        # only for attributes that are missing: partial_fit stays absent (hasattr False, as scikit-learn's checks
        # and meta-estimators read it), but says what to use instead
        if name == "partial_fit":
            raise AttributeError(f"'{type(self).__name__}' object has no attribute 'partial_fit': {_FIT_ANEW}")
        if name in _CLASSIFIER_ONLY and type(self)._task == "regression":  # absent too, as a regressor's are
            raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}: a regressor predicts "
                                 f"values, with predict(X); for probabilities of classes, fit a SequenceClassifier "
                                 f"on class labels")
        raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")

    def set_params(self, **params):
        # else scikit-learn's "Invalid parameter ...", with no reason nor fix; explained as __new__ explains it
        accepted = self._get_param_names()
        for key in params:
            name, _, inner = key.partition("__")  # a nested parameter's owner
            if inner and (name not in accepted or not hasattr(getattr(self, name), "set_params")):
                raise ValueError(self._nested_param_error(key, params[key], accepted))
            if name not in accepted:
                said = "" if name == "warm_start" else f"invalid parameter {name!r}; "  # the fix names warm_start
                raise ValueError(f"{type(self).__name__}.set_params: {said}{_missing_param_fix(type(self), name)}")
        return super().set_params(**params)

    def _nested_param_error(self, key: str, value, accepted) -> str:
        """set_params' message for ``owner__name``, a nested key, where this estimator has no ``owner`` holding
        parameters of its own: a Pipeline's step prefix, skorch's ``module__``/``optimizer__``, or a parameter whose
        value is a name (``frontend='conv'``), whose own options are the estimator's (``stride``)."""
        cls = type(self).__name__
        owner, inner = key.partition("__")[0], key.rpartition("__")[2]
        own = inner if inner in accepted else closest_name(inner, accepted, cutoff=0.85)
        if owner in accepted:
            what = f"{owner} is {short_repr(getattr(self, owner), 40)}, which holds no parameters of its own"
        else:
            what = (f"{cls} has no parameter {owner!r} (a Pipeline's step name, or skorch's module__ and "
                    f"optimizer__, prefix the parameters of the object they name, not this one's)")
        fix = (f"set the estimator's own parameter: set_params({own}={short_repr(value, 30)})" if own else
               f"set {owner} itself, set_params({owner}=...), and the rest by the estimator's own parameters, "
               f"{cls}().get_params()'s keys (none nested)" if owner in accepted else
               f"its parameters, none nested, are {cls}().get_params()'s keys")
        return f"{cls}.set_params: {key!r} sets {inner!r} of {owner!r}, but {what}; {fix}"

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
        batching: str = "bucket",
        lr: float = 5e-3,
        lr_schedule: str | None = None,
        weight_decay: float = 0.0,
        clip_grad_norm: float | None = 1.0,
        clip_grad_value: float | None = None,
        tbptt_steps: int | None = None,
        validation_fraction: float = VALIDATION_FRACTION,
        early_stopping_patience: int | None = None,
        random_state=None,
        device: str = "auto",
        devices: int | str = 1,
        num_nodes: int = 1,
        strategy: str = "auto",
        verbose: bool = False,
        log_dir: str | None = None,
        layout: str = "auto",
        time_aware: bool = False,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.batching = batching
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.weight_decay = weight_decay
        self.clip_grad_norm = clip_grad_norm
        self.clip_grad_value = clip_grad_value
        self.tbptt_steps = tbptt_steps
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.random_state = random_state
        self.device = device
        self.devices = devices
        self.num_nodes = num_nodes
        self.strategy = strategy
        self.verbose = verbose
        self.log_dir = log_dir
        self.layout = layout
        self.time_aware = time_aware

    # -- fit -------------------------------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None, *, times=None, resume: bool = False):
        """Train on sequences ``X`` and targets ``y``; returns self. Fitted attributes are set only when
        training succeeded. When the sequences of ``X`` are pandas DataFrames with the same string columns,
        their names become ``feature_names_in_`` (checked by name at predict, as scikit-learn does).

        ``sample_weight``: one number >= 0 per sequence (a tagger's weighs each of its steps), not all 0.
        The training loss of a batch, and the validation loss that early stopping reads, are then the weighted
        means ``sum_i w_i l_i / sum_i w_i`` (scikit-learn's and Keras' meaning): a weight of 2 counts a
        sequence as twice, and equal weights train exactly as none. A sequence of weight 0 is left out of the
        fit as if absent (the feature scaling, the "auto" choices, the batches, the validation split); its
        labels still count among ``classes_``. The weights travel with their sequences into batches and the
        validation split, and a resumed fit must be given the same ones.

        ``times`` (``time_aware=True`` only): the sample times of X's steps, whose gaps GRU-D's decays read
        (:mod:`rnnkit.data.sample_times`: "index" for X's own time index, an ``(n, T)`` array, or one array per
        sequence; numbers, dates or durations). Without them ``δ`` counts steps; with them it is the time since
        a feature was last observed in units of the median gap of the training sequences (``time_unit_``; a
        regular grid reads as steps). predict, score and the model's other readers then need the times of their
        sequences too.

        ``resume=True`` continues an interrupted fit from ``log_dir/checkpoints/last.ckpt`` (written at the end
        of every epoch when ``log_dir`` is set; each further member of a seed ensemble from its own,
        ``log_dir/members/{j}/checkpoints/last.ckpt``), or starts from the beginning when there is no checkpoint
        yet.
        It needs an int ``random_state``, the same data and the same parameters (``max_epochs`` may grow); a
        checkpoint of another run is refused with a ValueError naming what differs. On CPU the resumed fit
        ends with the same weights as an uninterrupted one. The checkpoint is read with ``weights_only=True``
        (no code runs from it)."""
        who = f"{type(self).__name__}.fit"
        check_flags(f"{who}: ", resume=resume)  # a truthy "no" would resume
        self._check_params_of(who)
        if resume and not isinstance(self.random_state, numbers.Integral):
            raise ValueError(f"{who}: resume=True needs an int random_state (got {self.random_state!r}), so that "
                             "the resumed fit shuffles and splits the data as the interrupted one did")
        if (self.devices, self.num_nodes) != (1, 1) and not isinstance(self.random_state, numbers.Integral):
            raise ValueError(f"{who}: devices={self.devices!r}, num_nodes={self.num_nodes!r} may run fit in "
                             f"several processes, which must all split and shuffle the data alike; set "
                             f"random_state to an int (got {self.random_state!r})")
        x, lengths, _, list_layout = _read_sequences(X, who, layout=self.layout, allow_nan=self.time_aware)
        relative, time_kind = self._read_times(X, times, x, lengths, who)
        sample_weight = _sequence_weights(X, sample_weight, len(lengths), who, "train on", y)
        # a sequence of weight 0 is absent from the fit: kept is None when every sequence stays
        kept = None if sample_weight is None or sample_weight.all() else torch.from_numpy(sample_weight > 0)
        given_lengths = lengths
        if kept is not None:
            x, lengths = x[kept], lengths[kept]
            relative = None if relative is None else relative[kept.numpy()]
        unit = None if relative is None else time_unit(relative, lengths.numpy())
        if relative is not None and int(lengths.max()) < 2:
            weighted = " of sample_weight > 0" if kept is not None else ""
            warnings.warn(f"{who}: times given, but every sequence{weighted} has a single step, so they hold no "
                          f"gap between steps for the decays to read, and the time unit is taken as "
                          f"1{' s' if time_kind == 'seconds' else ''}: predict will read the gaps of longer sequences "
                          f"in that unit; fit on sequences of two steps or more, or leave times out", UserWarning,
                          stacklevel=2)
        step_times = None if relative is None else times_tensor(relative, lengths.numpy(), unit)
        choices, rule = self._choose(lengths, x.shape[2])
        # numpy's numbers (a grid of np.arange(...) in GridSearchCV) as Python's: Lightning asserts an int
        # max_epochs, and choices_ is saved as JSON
        choices = {k: v.item() if isinstance(v, np.generic) else v for k, v in choices.items()}
        stride = getattr(self, "stride", "auto")
        if not is_auto(stride) and stride != 1 and choices.get("frontend", False) is None:  # kept, never used
            every_step = self.time_aware or self.tbptt_steps is not None  # these read every step: no front-end
            why = ("was given" if not is_auto(self.frontend) else "goes with time_aware=True or tbptt_steps, which "
                   "read every step" if every_step else "was chosen for this data")
            fix = "leave stride out" if every_step else ("give frontend='conv' (or 'patch', 'fcn') with it, or leave "
                                                         "stride out")
            raise ValueError(f"{who}: stride={stride!r} is the stride of a front-end, but frontend=None {why}, so "
                             f"the stride would be unused; {fix}")
        if self.early_stopping_patience is None and self.validation_fraction != VALIDATION_FRACTION:
            # given, and read by nothing: as a stride without a front-end, though a grid may set it beside None
            warnings.warn(f"{who}: validation_fraction={self.validation_fraction!r} is the share of the sequences "
                          f"early stopping holds out, but early_stopping_patience=None stops none, so every sequence "
                          f"trains and none validates; give early_stopping_patience (e.g. 5) to hold out that share "
                          f"and stop when its loss stops falling, or leave validation_fraction out", UserWarning,
                          stacklevel=2)
        names = feature_names(X, who)
        if y is None:
            raise ValueError(f"{who}: y is None; fit requires y to be passed, but the target y is None: give "
                             f"one target per sequence of X")
        y = self._align_targets(X, y, who)
        targets, fitted = self._encode_targets(y, given_lengths, who)  # classes_ from every label, as scikit-learn's
        regression = self._task == "regression"
        listed = isinstance(X, list | tuple)  # a list of sequences, not one array or table
        ids, times = id_and_time_columns(x, lengths, names)
        copies = [c for c in id_copy_columns(x, lengths, names, _sequence_ids(X)) if c not in ids]
        if ids or times or copies:
            said = " and ".join(
                [f"{ids} name the sequences' ids (constant within each sequence)"] * bool(ids)
                + [f"{copies} hold each sequence's own id ({_id_level(X)}) on every step"] * bool(copies)
                + [f"{times} name their time (increasing along each)"] * bool(times))
            keep = (f" (to order the steps by their time, make it each frame's index: s.set_index({times[0]!r}))"
                    if times and listed else "")
            drop = (f"[s.drop(columns={ids + times}) for s in X]" if listed else
                    f"X.drop(columns={ids + copies + times})")
            kept_by = ("[g for _, g in df.groupby('id')] keeps them" if listed else
                       "df.set_index(['id', 't'], drop=False) keeps them")
            warnings.warn(f"{who}: X's column(s) {said}, yet are read as features, so the model would learn from "
                          f"an id's number or a step's position; the key columns of a long table, as {kept_by}? "
                          f"drop them: {drop}{keep}; if they are "
                          f"features, silence this with warnings.filterwarnings('ignore', message='.*yet are read "
                          f"as features')", stacklevel=3)
        if self._target == "step" and (k := step_labels_left_in(x, lengths, targets if kept is None else
                                                                targets[kept])) is not None:
            column = f"column {names[k]!r}" if names is not None else f"feature {k}"
            drop = drop_feature_code(k, names, listed)
            warnings.warn(f"{who}: X's {column} holds each step's label: its values match the labels one to one "
                          f"over every step, so the model will read the answer from it and learn nothing of the "
                          f"sequences (where the labels are unknown at predict, nothing can fill it); the label "
                          f"column left among the features? drop it: {drop}", stacklevel=3)
        if self._target == "label" and (k := target_left_in(x, lengths, targets if kept is None else targets[kept],
                                                            regression)) is not None:
            drop = drop_feature_code(k, names, listed)
            warnings.warn(f"{who}: X's " + target_left_in_message(k, names, len(lengths), regression, drop),
                          stacklevel=3)
        if regression:
            warn_targets_per_step(x, lengths, targets, fitted, who)
        weights = self._loss_weights(sample_weight, targets, fitted, who)
        if kept is not None:
            given_targets = targets
            targets, fitted = self._kept_targets(y, targets, fitted, kept, who)
            weights = weights[kept]
            self._check_weighted_classes(targets, lengths, fitted, who, given_targets, given_lengths)
        if regression:
            _warn_constant_fit_targets(fitted, int(len(targets)), kept is not None, who)
        if weights is not None and bool((weights == weights[0]).all()):
            weights = None  # equal weights: the unweighted mean, computed as such
        x_mean, x_scale = feature_scaling(x, lengths, who)
        constant = constant_features(x, lengths)
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        params = self.get_params(deep=False)
        if choices["lr_schedule"] is not None:  # the schedule spans the whole run: a resumed one keeps its length
            params[SCHEDULE_EPOCHS] = choices["max_epochs"]
        # x as given, unscaled; the estimator's name: a checkpoint of another model's log_dir is named as such
        params = self._identity_params(params)
        given_data = (x, lengths, targets) if weights is None else (x, lengths, targets, weights)
        if step_times is not None:  # the decays read them: another run's
            params["times"], given_data = "given", (*given_data, step_times)
        # the data's digest taken once, so that X as read (float64 where float32 cannot hold it) is not kept
        # through training beside what the network reads
        given = run_identity(params, seed, *given_data)
        identity = lambda seed: {**given, "seed": int(seed), "estimator": type(self).__name__}
        del given_data
        x = self._inputs(x, lengths, x_mean, x_scale, step_times)
        # not resuming: a warning if this fit replaces another run's checkpoint (cross-validation folds share log_dir)
        checkpoint = resume_checkpoint(self.log_dir, identity(seed), who, choices["max_epochs"], resume=resume)
        train, val = self._split(x, lengths, targets, rng, who, fitted.get("classes_"), weights)  # Lightning loads
        from .training.data import SequenceDataModule
        from .training.module import SequenceModule
        from .training.trainer import RunIdentity

        n_features, n_outputs = len(x_mean), fitted["n_outputs_"]
        if self.verbose and rule is not None:
            print(f"{type(self).__name__}: {rule}")
        network = fitted_params(self, _NETWORK)
        build = lambda: SequenceModule(self._build_model(choices, n_features, n_outputs, x, lengths),
                                       task=self._task, lr=choices["lr"], lr_schedule=choices["lr_schedule"],
                                       weight_decay=self.weight_decay, clip_grad_norm=self.clip_grad_norm,
                                       clip_grad_value=self.clip_grad_value, tbptt_steps=self.tbptt_steps,
                                       label_smoothing=choices.get("label_smoothing", 0.0))
        # the first member is the fit of one network; the others draw their seeds after the split, which they share
        seeds = [seed] + [int(rng.randint(np.iinfo(np.int32).max)) for _ in range(choices.get("n_members", 1) - 1)]
        _warn_other_members(self.log_dir, len(seeds), who)
        modules = []
        for j, member_seed in enumerate(seeds):
            # each member's logs and checkpoints in a folder of its own below log_dir, so each resumes alone
            log_dir = self.log_dir if j == 0 or self.log_dir is None else os.path.join(self.log_dir, "members", str(j))
            if self.verbose and len(seeds) > 1:  # the progress bars of the members look alike
                where = "" if log_dir is None else f", logs and checkpoints in {os.fspath(log_dir)}"
                print(f"{type(self).__name__}: network {j + 1} of {len(seeds)} (seed {member_seed}{where})")
            if j > 0:
                checkpoint = resume_checkpoint(log_dir, identity(member_seed), who, choices["max_epochs"],
                                               resume=resume)
            data = SequenceDataModule(train, val, batch_size=choices["batch_size"], seed=member_seed,
                                      batching=self.batching, crop=choices.get("crop"))
            modules.append(seeded_fit(build, data, seed=member_seed, max_epochs=choices["max_epochs"],
                                      device=self.device, scale=self._scale_out(), log_dir=log_dir,
                                      early_stopping_patience=self.early_stopping_patience, verbose=self.verbose,
                                      callbacks=[RunIdentity(identity(member_seed))], ckpt_path=checkpoint).module)
        module = modules[0]  # its loss curves are the fit's
        model = module.model if len(modules) == 1 else Ensemble([m.model for m in modules])

        for name, value in fitted.items():
            setattr(self, name, value)
        self.n_features_in_ = n_features
        if names is not None:
            self.feature_names_in_ = names
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._column_labels = column_labels(X)  # labels that are not names: predict checks their order
        self.x_mean_, self.x_scale_ = x_mean.numpy(), x_scale.numpy()
        self.constant_features_ = constant  # indices of the features of one value at fit: predict names a change
        self._list_layout = list_layout  # how predict reads a list of square (C, C) sequences: as fit did
        self.choices_, self.rule_ = choices, rule
        self.predict_windows_ = PREDICT_WINDOWS if choices.get("crop") is not None else 1
        self.time_unit_, self.time_kind_ = unit, time_kind  # None: the decays count steps
        self._fitted_params = network  # what predict and save check: set_params after fit changes the next fit only
        self.model_ = model.eval()
        self.loss_curve_ = module.history["train_loss"]
        self.validation_loss_curve_ = module.history["val_loss"]
        return self

    def _loss_weights(self, sample_weight: np.ndarray | None, targets: torch.Tensor, fitted: dict, who: str
                      ) -> torch.Tensor | None:
        """Each sequence's weight in the loss, ``(n,)`` float32: its ``sample_weight`` (None: no weights);
        :class:`SequenceClassifier` multiplies in its class weights."""
        return None if sample_weight is None else _loss_weight_tensor(sample_weight, who)

    def _kept_targets(self, y, targets: torch.Tensor, fitted: dict, kept: torch.Tensor, who: str
                      ) -> tuple[torch.Tensor, dict]:
        """The targets of the sequences of weight > 0 (``kept``) and the fitted attributes of their coding:
        the classes stay those of every label."""
        return targets[kept], fitted

    def _check_weighted_classes(self, targets: torch.Tensor, lengths: torch.Tensor, fitted: dict, who: str,
                                given_targets: torch.Tensor, given_lengths: torch.Tensor) -> None:
        """ValueError when the sequences of weight > 0 (``targets``, ``lengths``) hold a single class of a
        classifier or tagger: there would be nothing to tell apart. A warning for a class that only sequences of
        weight 0 hold (of ``given_targets``, ``given_lengths``, every sequence): it stays among ``classes_``, as
        scikit-learn keeps every label of y, but nothing teaches it."""
        if self._task != "classification":
            return
        codes_of = lambda t, n: (t[length_mask(n, t.shape[1])] if t.dim() == 2 else t).numpy()
        present = np.unique(codes_of(targets, lengths))
        classes = fitted["classes_"]
        if len(present) < 2:
            raise ValueError(f"{who}: the sequences of sample_weight > 0 hold a single class "
                             f"({_plain(classes[present[0]])!r} of classes_ {[_plain(c) for c in classes[:6]]}), and "
                             f"a classifier needs two or more to tell apart; give sequences of another class a "
                             f"weight > 0")
        given = codes_of(given_targets, given_lengths)
        unweighted = np.setdiff1d(np.unique(given), present)
        if len(unweighted):  # the model's output for them is trained only to lose: predicted rarely, if ever
            unit = "step" if given_targets.dim() == 2 else "sequence"
            shown = ", ".join(repr(_plain(c)) for c in classes[unweighted[:6]])
            shown += " ..." if len(unweighted) > 6 else ""
            it = "it" if len(unweighted) == 1 else "them"
            warnings.warn(f"{who}: sample_weight is 0 for every {unit} of class{'' if it == 'it' else 'es'} {shown} "
                          f"({int(np.isin(given, unweighted).sum())} {unit}(s)): {it} stay{'s' if it == 'it' else ''} "
                          f"among classes_ (every label of y is a class, as in scikit-learn), but nothing teaches the "
                          f"model {it}, so predict_proba's column{'' if it == 'it' else 's'} for {it} "
                          f"{'is' if it == 'it' else 'are'} untrained; give some of those sequences a weight > 0, or "
                          f"leave them out of X and y (X[w > 0], y[w > 0]) to fit without the class", UserWarning,
                          stacklevel=3)

    def _identity_params(self, params: dict) -> dict:
        """``params`` as :func:`run_identity` records them (JSON)."""
        return params

    def _check_params_of(self, who: str) -> None:
        """:meth:`_check_params` for ``who``, whose name leads its messages (a grid search's error names no step)."""
        try:
            self._check_params()
        except ValueError as e:
            if type(e) is not ValueError or str(e).startswith(type(self).__name__):
                raise
            raise ValueError(f"{who}: {e}") from None

    def _check_params(self) -> None:
        """ValueError for a bad option, before the data is read; :meth:`_check_choices` checks how the
        options of a fit combine once the "auto" ones are chosen."""
        for name in ("hidden_size", "num_layers", "max_epochs", "batch_size"):
            v = getattr(self, name)
            if not (name in self._CHOSEN and is_auto(v)):
                _check_count(name, v, name in self._CHOSEN)
        auto = "bidirectional" in self._CHOSEN
        if not (auto and is_auto(self.bidirectional) or isinstance(self.bidirectional, bool | np.bool_)):
            raise ValueError(f"bidirectional must be True or False{' or ' + repr(AUTO) if auto else ''}, got "
                             f"{self.bidirectional!r}")
        if self.batching not in BATCHINGS:
            raise ValueError(f"batching must be one of {BATCHINGS}, got {self.batching!r}")
        if not (is_auto(self.lr_schedule) and "lr_schedule" in self._CHOSEN or self.lr_schedule in LR_SCHEDULES):
            allowed = (*LR_SCHEDULES, AUTO) if "lr_schedule" in self._CHOSEN else LR_SCHEDULES
            raise ValueError(f"lr_schedule must be one of {allowed}, got {self.lr_schedule!r}")
        if not (_is_real(self.dropout) and 0.0 <= self.dropout < 1.0):
            try:  # the layers' check, whose fix reads a percentage, 1, a negative rate or text as the core's
                check_dropout("", "dropout", self.dropout)
            except ValueError as e:
                raise ValueError(str(e).removeprefix(": ")) from None
        v = self.validation_fraction
        if not (_is_real(v) and 0.0 < v < 1.0):
            raise ValueError(f"validation_fraction must be a number in (0, 1), got {v!r}{_validation_fraction_fix(v)}")
        if self.early_stopping_patience is not None:
            _check_count("early_stopping_patience", self.early_stopping_patience, none=True)
        lr = self.lr
        if is_auto(lr) and "lr" in self._CHOSEN:
            lr = 1.0  # stands for the rule's rate, which is > 0
        elif not (_is_real(lr) and math.isfinite(lr)):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}"
                             f"{_number_given_as_fix('lr', lr, float) or self._lr_fix(lr)}")
        if lr <= 0:  # else the training's own check, with no fix
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}; " + (
                f"the optimizer steps down the loss's gradient by lr itself: pass lr={-lr:g} if the sign slipped "
                f"in" if lr < 0 else "lr=0 would leave the weights as they were initialised: pass e.g. lr=0.001"))
        wd = self.weight_decay
        if not (_is_real(wd) and math.isfinite(wd)):
            raise ValueError(f"weight_decay must be a finite number >= 0, got {wd!r}"
                             f"{_number_given_as_fix('weight_decay', wd, float) if isinstance(wd, str) else ''}")
        if wd < 0:  # a negative decay grows the weights
            raise ValueError(f"weight_decay must be a finite number >= 0, got {wd!r}; a negative decay would grow "
                             f"the weights each step: pass weight_decay={-wd:g} if the sign slipped in, or 0 for "
                             f"none")
        for name in ("clip_grad_norm", "clip_grad_value"):
            if getattr(self, name) is not None and not _is_real(getattr(self, name)):
                raise ValueError(f"{name} must be a number > 0 or None, got {getattr(self, name)!r}")
        if isinstance(self.random_state, np.random.Generator):  # numpy's newer generator, which scikit-learn refuses
            raise ValueError(f"random_state must be None, an int in [0, 2**32 - 1] or a numpy RandomState, got a numpy "
                             f"Generator ({self.random_state!r}), which scikit-learn's estimators do not take "
                             f"either; give an int seed, e.g. random_state=0, or one drawn from it: "
                             f"random_state=int(rng.integers(2**32))")
        try:
            check_random_state(self.random_state)
        except ValueError as e:
            raise ValueError(f"random_state must be None, an int in [0, 2**32 - 1] or a numpy RandomState, got "
                             f"{self.random_state!r}{_seed_fix(self.random_state)}") from e
        if self.log_dir is not None and not isinstance(self.log_dir, str | os.PathLike) or self.log_dir == "":
            raise ValueError(f"log_dir must be None or a directory path, got {self.log_dir!r}"
                             + (" (None: no logs; for the current directory pass '.')" if self.log_dir == "" else ""))
        if self.log_dir is not None and os.path.exists(self.log_dir) and not os.path.isdir(self.log_dir):
            raise ValueError(f"log_dir {os.fspath(self.log_dir)!r} is a file; give a directory for the logs and "
                             f"checkpoints (it is created if missing)")
        if not (self.verbose is None or is_flag(self.verbose) or is_count(self.verbose, 0)):  # "no" is truthy
            raise ValueError(f"verbose must be True or False (or a count >= 0, as scikit-learn's), got "
                             f"{self.verbose!r}")
        check_training_options(task=self._task, lr=lr, weight_decay=self.weight_decay,
                               clip_grad_norm=self.clip_grad_norm, clip_grad_value=self.clip_grad_value,
                               tbptt_steps=self.tbptt_steps)
        resolve_device(self.device)
        self._scale_out().check(type(self).__name__)
        check_layout(self.layout, "")
        if not isinstance(self.time_aware, bool | np.bool_):
            raise ValueError(f"time_aware must be True or False, got {self.time_aware!r}")
        if self.time_aware and self.tbptt_steps is not None:
            raise ValueError("time_aware=True needs full backpropagation through time (tbptt_steps=None): a "
                             "TimeAware cell finds each feature's last observed value over the whole sequence")
        self._check_choices({k: getattr(self, k) for k in self._OPTIONS})  # what is already known

    def _lr_fix(self, lr) -> str:
        """The fix for a learning rate of no number (``'fast'``): a number, or the rule's rate where fit chooses it."""
        auto = "lr='auto' (a rate chosen from the data) or " if "lr" in self._CHOSEN else ""
        return f"; pass {auto}a number, e.g. lr=0.001 (Adam's usual rate)"

    # The options fit may choose from the training data when they are "auto": none for the tagger.
    _CHOSEN: tuple[str, ...] = ()
    # The model and training options a fit reads from its choices (the constructor's, or the chosen ones).
    _OPTIONS = ("cell", "hidden_size", "bidirectional", "batch_size", "max_epochs", "lr", "lr_schedule")

    def _choose(self, lengths: torch.Tensor, n_features: int) -> tuple[dict, str | None]:
        """The model and training options of a fit on sequences of ``lengths`` with ``n_features``:
        ``{name: value}`` for :attr:`_OPTIONS`, and the line saying how the "auto" ones were chosen (None
        when there were none to choose). The constructor's parameters are left as they are."""
        choices = {k: getattr(self, k) for k in self._OPTIONS}
        self._check_choices(choices)
        return choices, None

    def _check_choices(self, choices: dict) -> None:
        """ValueError for options that cannot work together; "auto" ones are not judged until chosen."""
        if self.time_aware and (self.num_layers != 1 or choices["bidirectional"] is True):
            raise ValueError("time_aware=True wraps one forward layer (GRU-D's decays follow the time since each "
                             "feature was last observed); use num_layers=1 and bidirectional=False")

    def _scale_out(self) -> ScaleOut:
        return ScaleOut(self.devices, self.num_nodes, self.strategy)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = bool(self.time_aware)  # NaN marks a missing value
        return tags

    def _split(self, x, lengths, targets, rng, who: str, classes: np.ndarray | None = None,
               weights: torch.Tensor | None = None):
        """Training and validation datasets; validation only when early stopping asks for it: a random
        ``validation_fraction`` of the sequences, stratified by class for a classifier (``classes``: its
        ``classes_``), refused when that holds out every sequence of a class (it would never be learnt).
        ``weights`` (one per sequence, or None) go with their sequences."""
        per_step = self._target == "step"
        n = len(x)
        n_val = 0 if self.early_stopping_patience is None else max(1, round(self.validation_fraction * n))
        if n - n_val < 1:
            raise ValueError(f"early stopping holds out validation_fraction={self.validation_fraction} of "
                             f"{n} sequences, which leaves none to train on")
        order = rng.permutation(n) if n_val else None
        if n_val and self._task == "classification" and self._target == "label":
            order = stratified(order, targets.numpy())
        if n_val and self._task == "classification":  # a class held out whole would never be learnt
            valid = length_mask(lengths, targets.shape[1]) if per_step else torch.ones(n, dtype=torch.bool)
            codes, kept = targets[valid].numpy(), targets[order[n_val:]][valid[order[n_val:]]].numpy()
            held = np.setdiff1d(codes, kept)
            if len(held):
                label = classes[held[0]].item() if isinstance(classes[held[0]], np.generic) else classes[held[0]]
                unit = "step" if per_step else "sequence"
                raise ValueError(f"{who}: early stopping holds out validation_fraction={self.validation_fraction} "
                                 f"of the {n} sequences ({n_val}), and with them every {unit} of class {label!r} "
                                 f"({int((codes == held[0]).sum())}), which the fit would then "
                                 f"never learn; lower validation_fraction, give more sequences of that class, or fit "
                                 f"without early stopping (early_stopping_patience=None)")
        from .training.data import SequenceDataset  # Lightning loads with it: after every check of fit

        if not n_val:
            return SequenceDataset(x, lengths, targets, y_per_step=per_step, weights=weights), None
        order = torch.from_numpy(order)
        parts = [order[n_val:], order[:n_val]]
        return [SequenceDataset(x[i], lengths[i], targets[i], y_per_step=per_step,
                                weights=None if weights is None else weights[i]) for i in parts]

    def _build_model(self, choices: dict, n_features: int, n_outputs: int, inputs: torch.Tensor | None = None,
                     lengths: torch.Tensor | None = None):
        """The untrained network of ``choices`` (:meth:`_choose`) for ``n_features`` features per step.
        With ``time_aware``, its one layer is
        ``TimeAware(cell(2F, H))`` reading ``[x, m, δ]`` (``3F``), whose ``x_mean`` is set from the training
        ``inputs`` (as :meth:`_inputs` gives them) over their valid steps; None when loading (then the saved
        ``x_mean`` is loaded). A cell that refuses the sizes is a ValueError in the estimator's options
        (:meth:`_cell_refused`)."""
        try:
            return self._network(choices, n_features, n_outputs, inputs, lengths)
        except ValueError as e:  # the cell's own words name the layer API (rnnkit.LSTMCell), not the options
            raise ValueError(self._cell_refused(e, choices, n_features)) from None

    def _cell_refused(self, e: ValueError, choices: dict, n_features: int) -> str:
        """The message of a network whose cell refused the sizes the estimator gives it: the cell's reason, and
        the options that change the sizes (a named cell's smallest hidden size, a Cell object's own sizes)."""
        cell, h, who = choices["cell"], choices["hidden_size"], type(self).__name__
        auto = "hidden_size" in self._CHOSEN
        if isinstance(cell, str) and not _builds(cell, h):
            taken = next((k for k in range(h + 1, h + 9) if _builds(cell, k)), None)
            if taken is not None:
                return (f"{who}: cell={cell!r} at hidden_size={h}: {e}; give hidden_size={taken} or more"
                        f"{' (or leave it auto)' if auto else ''}, or cell='lstm'")
        if isinstance(cell, Cell):
            given = f"{type(cell).__name__}(input_size={cell.input_size}, hidden_size={cell.hidden_size})"
            reads = (f"2 * {n_features} = {2 * n_features} inputs ([x, m] of X's {n_features} features: "
                     f"time_aware=True)" if self.time_aware else "the inputs named")
            keep = ("" if cell.hidden_size == h else f"leave hidden_size 'auto' (it takes the cell's own, "
                    f"{cell.hidden_size}), " if auto else f"give hidden_size={cell.hidden_size}, ")
            return (f"{who}: cell is a {given} object, used as the network's one layer, so its sizes must be the "
                    f"ones the network gives it: {e}; {keep}build the cell for {reads}, or pass the Cell class, "
                    f"cell={type(cell).__name__}, which the network builds at the sizes it needs")
        return f"{who}: {e}"

    def _network(self, choices: dict, n_features: int, n_outputs: int, inputs: torch.Tensor | None,
                 lengths: torch.Tensor | None):
        """:meth:`_build_model`'s network, as the cells and models build it."""
        cell = copy.deepcopy(choices["cell"])  # a Cell object's weights are the initial weights of every fit
        hidden_size = choices["hidden_size"]
        n_inputs = n_features
        if self.time_aware:
            if isinstance(cell, str):
                cell = named_cell(cell, 2 * n_features, hidden_size)  # it reads [x_hat, m]
            elif not isinstance(cell, Cell):
                cell = cell(2 * n_features, hidden_size)
            cell, n_inputs = TimeAware(cell), 3 * n_features
            if inputs is not None:
                steps = inputs[length_mask(lengths, inputs.shape[1])]  # (sum of lengths, 3F)
                cell.set_mean(steps[:, :n_features], steps[:, n_features : 2 * n_features])
        common = dict(cell=cell, num_layers=self.num_layers, bidirectional=choices["bidirectional"],
                      dropout=self.dropout)
        if self._target == "label":
            return SequenceToLabel(n_inputs, hidden_size, n_outputs, pooling=choices["pooling"],
                                   frontend=choices["frontend"], stride=choices["stride"],
                                   normalise=choices["normalise"],
                                   keep_scale=bool(choices.get("keep_scale", False)),  # a model saved before: none
                                   **common)
        return SequenceToSequence(n_inputs, hidden_size, n_outputs, **common)

    def build_model(self, X, y=None) -> torch.nn.Module:
        """The module ``fit(X, y)`` starts training from, untrained: built for ``X``'s features and ``y``'s
        outputs (classes or target columns) and seeded from ``random_state`` as fit seeds it (its first draw).
        With ``n_members`` > 1, the first member's network (the others draw their seeds after the split).
        :mod:`rnnkit.diagnostics` measure an unfitted estimator on it."""
        who = f"{type(self).__name__}.build_model"
        if y is None:
            raise ValueError(f"{who}: y is needed: the number of outputs (classes or target columns) comes from "
                             "the targets; pass the y you would fit on")
        self._check_params_of(who)
        x, lengths, _ = as_sequences(X, who, layout=self.layout, allow_nan=self.time_aware)
        _, fitted = self._encode_targets(self._align_targets(X, y, who), lengths, who)
        choices, _ = self._choose(lengths, x.shape[2])
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        mean, scale = feature_scaling(x, lengths, who)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return self._build_model(choices, x.shape[2], fitted["n_outputs_"],
                                     self._inputs(x, lengths, mean, scale), lengths)

    def _inputs(self, x, lengths, mean, scale, times: torch.Tensor | None = None) -> torch.Tensor:
        """What the network reads, float32: ``x (n, T, F)`` standardised, ``(x - mean) / scale`` computed in the
        scaling's dtype, padding 0; with ``time_aware``, NaN marks a missing value and the result is ``[x, m, δ]``
        (``(n, T, 3F)``, :func:`rnnkit.time_aware_inputs`; δ in steps, or from ``times (n, T)`` in the fitted
        unit, :func:`rnnkit.data.sample_times.times_tensor`).

        The scaling is float64 (``x_mean_``, ``x_scale_``), and so is ``x`` where float32 cannot hold it
        (:func:`as_sequences`): a feature far from zero beside its spread keeps its variation (1e6 + 0.01 is 1e6
        in float32); only the standardised values are rounded to float32. A model saved when the scaling was
        kept in float32 reads X as it did then: cast to float32 first, each operation in float32."""
        valid = length_mask(lengths, x.shape[1])[..., None]
        # one temporary in the scaling's dtype (a copy even where x has it already: x is the caller's)
        x = x.to(mean.dtype, copy=True).sub_(mean).div_(scale).mul_(valid).float()  # padding 0, missing NaN
        return time_aware_inputs(x, times) if self.time_aware else x

    def _read_times(self, X, times, x: torch.Tensor, lengths: torch.Tensor, who: str
                    ) -> tuple[np.ndarray | None, str | None]:
        """``times`` of X's sequences relative to each one's first (:func:`read_sample_times`) and what they
        count, or ``(None, None)`` when not given; refused for a model that is not time-aware. ``x``: X as read
        (its steps NaN in every feature at a sequence's end are named where their times are refused)."""
        if times is None:
            return None, None
        if not self.time_aware:
            raise ValueError(f"{who}: times are the sample times whose gaps a time-aware model's decays read, but "
                             f"time_aware=False: give time_aware=True with them, or leave times out")
        blank = [torch.isnan(s[:n]).all(dim=1).numpy() for s, n in zip(x, lengths.tolist(), strict=True)]
        ids = _sequence_ids(X)
        relative, kind = read_sample_times(_times_by_sequence(X, times, who), X, lengths.numpy(), who, ids=ids,
                                           blank_tails=blank_tails(blank))
        _check_own_times(X, times, relative, kind, lengths, ids, who)
        return relative, kind

    def _check_times_given(self, times, who: str) -> None:
        """ValueError when a model fitted with sample times is given none: its decays would read no gaps."""
        unit, kind = getattr(self, "time_unit_", None), getattr(self, "time_kind_", None)
        if unit is None or times is not None:
            return
        method = who.rsplit(".", 1)[-1] if "." in who else "prepare_batch"  # prepare_batch names the diagnostics
        call = "predict(X, times=...), score(X, y, times=...)" if method == "score" else f"{method}(X, times=...)"
        raise ValueError(f"{who}: the model was fitted with sample times (its decays read the gaps between steps, in "
                         f"units of {unit:g}{' s' if kind == 'seconds' else ''}); give X's times too: {call}; a "
                         f"Pipeline, GridSearchCV or cross_val_score passes times on only with scikit-learn's "
                         f"metadata routing (without it Pipeline.score drops them): "
                         f"sklearn.set_config(enable_metadata_routing=True) and "
                         f"model.set_fit_request(times=True).set_{'score' if method == 'score' else 'predict'}"
                         f"_request(times=True)")

    def _fitted_times(self, X, times, x: torch.Tensor, lengths: torch.Tensor, who: str) -> torch.Tensor | None:
        """The ``(n, T)`` times a fitted model's decays read for X (:meth:`_inputs`): None for a model whose
        decays count steps. ValueError when times are missing for a model fitted with them, given to one fitted
        without, or of another kind (dates for numbers); a warning when their gaps are 10 times or more away
        from the fitted unit."""
        unit, kind = getattr(self, "time_unit_", None), getattr(self, "time_kind_", None)
        if unit is None:
            if times is not None:
                how = ("its decays count steps" if self.time_aware else "it is not time-aware")
                raise ValueError(f"{who}: times given, but the model was fitted without them ({how}); leave times "
                                 f"out, or refit with fit(X, y, times=...)")
            return None
        self._check_times_given(times, who)
        relative, given = self._read_times(X, times, x, lengths, who)
        if given != kind:
            what = {"seconds": "dates or durations", "numbers": "plain numbers"}
            fitted = f"{what[kind]} (a median gap of {unit:g}{' s' if kind == 'seconds' else ''})"
            fix = ("; dates as the integer nanoseconds of their epoch are pd.DatetimeIndex(t).asi8" if kind == "numbers"
                   else "; numbers that count seconds of an epoch are dates: pd.to_datetime(t, unit='s')")
            raise ValueError(f"{who}: times are {what[given]}, but the model was fitted on {fitted}; give them as at "
                             f"fit{fix}")
        if (message := check_time_scale(relative, lengths.numpy(), unit, who)) is not None:
            warnings.warn(message, UserWarning, stacklevel=4)
        return times_tensor(relative, lengths.numpy(), unit)

    def _align_targets(self, X, y, who: str):
        """``y`` as one target per sequence of X, in X's order: a torch tensor as numpy, and a pandas ``y``
        checked against a DataFrame X's instances (:func:`check_target_index`)."""
        y = targets_array(y, who)
        _check_not_long_rows(X, y, who)
        check_target_index(X, y, who)
        return y

    def prepare_batch(self, X, y=None, *, times=None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``(x, lengths, y)``: what the network reads, as ``fit`` and ``predict`` feed it, and its training
        targets; what :mod:`rnnkit.diagnostics` reads of a model through its ``prepare_batch``. ``x (B, T, F)``
        read in the estimator's layout and standardised by its fitted scaling (unfitted: ``X``'s own, as ``fit``
        would compute it), ``[x, m, δ]`` for ``time_aware``; ``lengths (B,)``; ``y`` as the training loss reads
        it: a class's index in ``classes_`` (per step for a tagger, ``IGNORE_INDEX`` at padding), a regression
        target standardised by the fitted mean and scale. The raw ``X`` is not what the network was trained on:
        scores and gradients taken on it would not be ``predict``'s. ``times``: X's sample times, as predict
        takes them (a model fitted with them needs them)."""
        who = f"diagnostics ({type(self).__name__})"
        fitted = hasattr(self, "model_")
        x, lengths, _ = as_sequences(X, who, self.n_features_in_ if fitted else None, layout=self.layout,
                                     allow_nan=self.time_aware,
                                     list_layout=getattr(self, "_list_layout", None) if fitted else None)
        if fitted:
            mean, scale = torch.from_numpy(self.x_mean_), torch.from_numpy(self.x_scale_)
            step_times = self._fitted_times(X, times, x, lengths, who)
        else:
            mean, scale = feature_scaling(x, lengths, who)
            relative, _ = self._read_times(X, times, x, lengths, who)
            step_times = None if relative is None else times_tensor(relative, lengths.numpy(),
                                                                    time_unit(relative, lengths.numpy()))
        x = self._inputs(x, lengths, mean, scale, step_times)
        if y is None:
            return x, lengths, None
        if fitted and isinstance(self, SequenceClassifier):  # a few sequences' labels: no check of fit's own
            labels = as_label_array(self._align_targets(X, y, who), who)
            if len(labels) != len(lengths):
                raise ValueError(f"{who}: y has {len(labels)} labels but X has {len(lengths)} sequences; give one "
                                 f"label per sequence")
            return x, lengths, torch.from_numpy(class_indices(labels, self.classes_, who, "y"))
        targets, found = self._encode_targets(self._align_targets(X, y, who), lengths, who)
        if isinstance(self, SequenceRegressor):
            if fitted:  # back to the target's units, then standardised as the model was trained
                values = targets.double().numpy() * found["y_scale_"] + found["y_mean_"]
                targets = torch.from_numpy((values - self.y_mean_) / _target_scale(self.y_scale_)).float()
            return x, lengths, targets
        if fitted:  # a tagger: y's own classes, as codes, to the fitted classes' indices
            lookup = class_indices(np.asarray(found["classes_"]), self.classes_, who, "y")
            targets = torch.from_numpy(lookup)[targets]
        if targets.dim() == 2:  # per step: padding is no class
            targets = targets.masked_fill(~length_mask(lengths, targets.shape[1]), IGNORE_INDEX)
        return x, lengths, targets

    # -- predict ---------------------------------------------------------------------------------------------
    def _score_targets(self, X, y, sample_weight=None, times=None):
        """``y`` and ``sample_weight`` (float64, or None) after checking that each has one entry per sequence of
        ``X`` (scikit-learn's own check names neither the estimator nor the fix), and that ``times`` are given to
        a model fitted with them (score's own words, not predict's)."""
        who = f"{type(self).__name__}.score"
        check_is_fitted(self, "model_")
        self._check_network(who, ("time_aware",))
        self._check_times_given(times, who)
        fitted, given = getattr(self, "feature_names_in_", None), feature_names(X, who)
        if fitted is not None and given is not None:  # named columns left in or out: by name, as predict names them
            check_feature_names(fitted, given, type(self).__name__, who)
        check_column_order(getattr(self, "_column_labels", None), X, who)
        _, lengths, _ = as_sequences(X, who, self.n_features_in_, layout=self.layout, allow_nan=self.time_aware,
                                     list_layout=getattr(self, "_list_layout", None))
        if y is None:
            raise ValueError(f"{who}: y is None; score needs the targets of X's sequences")
        y = targets_array(y, who)
        check_target_index(X, y, who)  # as fit: a pandas y on X's instances in another order is not X's targets
        check_n_targets(y, len(lengths), who)
        check_one_per_sequence(y, lengths, who, self._task == "regression")
        return y, _sequence_weights(X, sample_weight, len(lengths), who, y=y)

    def _outputs(self, X, who: str, times=None, *, finite: bool = True
                 ) -> tuple[list[torch.Tensor] | torch.Tensor, torch.Tensor, bool]:
        """The model's raw outputs: ``(n, O)`` for labels, or a list of ``(T_i, O)`` for steps; ``times``: X's
        sample times (:meth:`fit`). ``finite``: ValueError for a sequence whose output is NaN (a finite value
        whose standardisation the network's float32 arithmetic cannot carry), where ``predict`` would return the
        first class or NaN without a word; the server (False) answers such a sequence of a batch alone."""
        check_is_fitted(self, "model_")
        self._check_network(who, ("time_aware",))
        windows = self._predict_windows(who)
        X = _nested_row(X, getattr(self, "feature_names_in_", None), self.n_features_in_)
        # by name first: a column left in or out is named, not counted (X has 3 features ... fitted with 2)
        check_feature_names(getattr(self, "feature_names_in_", None), feature_names(X, who), type(self).__name__,
                            who)
        check_column_order(getattr(self, "_column_labels", None), X, who)
        x, lengths, is_array = as_sequences(X, who, self.n_features_in_, layout=self.layout,
                                            allow_nan=self.time_aware, list_layout=getattr(self, "_list_layout", None))
        if self.n_features_in_ == 1 and isinstance(X, np.ndarray | torch.Tensor) and X.ndim == 2 and \
                X.shape[1] == 1 < X.shape[0]:
            # X_test[0] of an (n, T, 1) array: one sequence (T, 1), which reads as T sequences of one step
            warnings.warn(f"{who}: X of shape {tuple(X.shape)} is read as {X.shape[0]} sequences of one step each "
                          f"(a 2-D X is (n, T): a sequence per row); if it is one sequence of {X.shape[0]} steps "
                          f"(T, 1), as X[i] of an (n, T, 1) array is, pass X[None] (or X[i:i + 1])", UserWarning,
                          stacklevel=3)
        step_times = self._fitted_times(X, times, x, lengths, who)
        if finite:  # predict and score; the server answers each request and logs no warning per batch
            warn_far_from_fit(x, lengths, self.x_mean_, self.x_scale_, getattr(self, "feature_names_in_", None), who,
                              getattr(self, "constant_features_", None))
        mean, scale = torch.from_numpy(self.x_mean_), torch.from_numpy(self.x_scale_)
        model = self.model_.eval()
        device = next(model.parameters()).device
        # batches of similar lengths (all sequences sorted by length), each trimmed to its longest: padding
        # costs little; every sequence reads the same with or without padding, and outputs go back to X's order
        size = self.choices_["batch_size"] if is_auto(self.batch_size) else self.batch_size
        batches = length_buckets(np.arange(len(x)), lengths.numpy(), size, len(x))
        outputs, nan = [None] * len(x), False
        with torch.inference_mode():
            for idx in batches:
                lb = lengths[idx]
                T = int(lb.max())
                # standardised a batch at a time: X read in float64 is not copied whole
                inputs = self._inputs(x[idx, :T], lb, mean, scale, None if step_times is None else step_times[idx, :T])
                beyond = torch.isinf(inputs).flatten(1).any(1)  # a value whose standardisation float32 cannot hold
                if finite and bool(beyond.any()):
                    k = int(idx[int(beyond.nonzero()[0, 0])])
                    raise ValueError(f"{who}: sequence {k} cannot be read: " + farthest_from_scaling(
                        x[k, : int(lengths[k])].numpy(), self.x_mean_, self.x_scale_,
                        getattr(self, "feature_names_in_", None)))
                out = self._read(model, inputs, lb, device, windows)
                out[beyond.to(out.device)] = float("nan")  # the network read infinity: no answer (the server's 422)
                nan = nan or (finite and not bool(torch.isfinite(out).all()))  # one check a batch; padding too
                for i, o, n in zip(idx, out.float().cpu(), lb.tolist(), strict=True):
                    outputs[i] = o if self._target == "label" else o[:n]
        if nan and (k := next((k for k, o in enumerate(outputs) if not torch.isfinite(o).all()), None)) is not None:
            if not all(torch.isfinite(p).all() for p in model.parameters()):
                raise ValueError(f"{who}: the output for sequence {k} is NaN, and so are weights of the fitted "
                                 f"model (its training diverged): fit it again, e.g. with a lower lr")
            raise ValueError(f"{who}: the output for sequence {k} is NaN: " + farthest_from_scaling(
                x[k, : int(lengths[k])].numpy(), self.x_mean_, self.x_scale_, getattr(self, "feature_names_in_",
                                                                                       None)))
        return (torch.stack(outputs) if self._target == "label" else outputs), lengths, is_array

    def _read(self, model, x: torch.Tensor, lengths: torch.Tensor, device, windows: int) -> torch.Tensor:
        """The model's outputs for one padded batch. A model trained on windows of a fraction ``f`` of each
        series (``crop``) reads, per series, the mean of its outputs over ``windows`` (``predict_windows_``)
        windows of the same fraction, their starts evenly spaced from the first step to the last window's (window
        slicing's vote, Le Guennec et al. 2016): the lengths it was trained on, every step read; 1 reads the
        whole series."""
        if windows == 1:
            return model(x.to(device), lengths.to(device))[0]
        width = torch.from_numpy(window_width(lengths.numpy(), self.choices_["crop"]))
        total = 0
        for k in range(windows):
            start = torch.round((lengths - width) * (k / (windows - 1))).long()
            total = total + model(take_windows(x, start, width).to(device), width.to(device))[0]
        return total / windows

    # -- save ------------------------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike, *, info: dict | None = None) -> None:
        """Write ``config.json`` (format, task, parameters, fitted attributes with ``feature_names_in_`` when
        known, and the SHA-256 of the weights file) and ``model.safetensors`` (weights and scalings) into
        ``directory`` atomically (:func:`rnnkit.io.save`). ``info``: any JSON dict kept under
        ``config["info"]`` (``rnnkit train`` records the file's columns there)."""
        check_is_fitted(self, "model_")
        io.save(self, directory, info=info)

    def to_files(self, *, info: dict | None = None) -> dict[str, bytes]:
        """The files :meth:`save` writes, as bytes."""
        check_is_fitted(self, "model_")
        return io.estimator_files(self, info=info)

    @classmethod
    def load(cls, directory: str | os.PathLike):
        """Read an estimator of this class written by :meth:`save` (``rnnkit.load`` reads any); it predicts
        exactly as the saved one did. ValueError for a missing, foreign or corrupt directory, or one that holds
        another kind of model."""
        return io.load(directory, expected=cls)

    def _saved_params(self) -> dict:
        """The parameters save writes, less ``log_dir``: the logs and checkpoints belong to the fit that wrote
        them, on its machine; a loaded model refitted would write into (or, with ``resume=True``, continue
        from) that fit's directory. A loaded model writes no logs until given a ``log_dir``."""
        return self.get_params(deep=False) | {"log_dir": None}

    def _predict_windows(self, who: str) -> int:
        """The windows predict averages (``predict_windows_``, which may be set after fit), checked for every
        reader of the fitted model alike: predict, export_onnx (export.json describes predict's reading), the
        Streamer and the server (which would otherwise describe a reading predict does not make: 2.5 read as 2
        windows, 0 as whole sequences) name the attribute and the fix in one message; ``who`` names the caller."""
        windows = getattr(self, "predict_windows_", 1)
        name = type(self).__name__
        if isinstance(windows, bool) or not isinstance(windows, numbers.Integral) or windows < 1:
            raise ValueError(f"{who}: {name}.predict_windows_ must be an integer >= 1 (the windows predict averages; "
                             f"1 reads whole sequences), got {windows!r}; set an integer, e.g. predict_windows_ = 1")
        if windows > 1 and self.choices_.get("crop") is None:
            raise ValueError(f"{who}: {name}.predict_windows_={windows} averages windows of the fraction the model "
                             "was trained on (crop), but it was trained on whole sequences; set predict_windows_ = 1")
        return int(windows)

    def _check_network(self, who: str, names: tuple[str, ...] = _NETWORK) -> None:
        """Refuse parameters of the network (:data:`_NETWORK`) set after fit to other values than the fitted
        model has: ``time_aware`` decides how predict reads X, and save writes the parameters from which load
        rebuilds the network (a model saved so would not load)."""
        check_fitted_params(self, who, names)

    def _saved_state(self) -> tuple[dict, dict[str, torch.Tensor]]:
        self._check_network(f"{type(self).__name__}.save")
        names = getattr(self, "feature_names_in_", None)
        fitted = {"n_features_in_": int(self.n_features_in_),
                  "feature_names_in_": None if names is None else [str(n) for n in names],
                  "choices_": self.choices_, "rule_": self.rule_, "predict_windows_": self.predict_windows_,
                  "list_layout": getattr(self, "_list_layout", None),
                  "column_labels": _json_labels(getattr(self, "_column_labels", None)),
                  "constant_features_": getattr(self, "constant_features_", None),
                  "time_unit_": getattr(self, "time_unit_", None), "time_kind_": getattr(self, "time_kind_", None),
                  **self._fitted_config()}
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        tensors |= {f"scaling.{k}": torch.from_numpy(np.ascontiguousarray(v)) for k, v in self._scalings().items()}
        return fitted, tensors

    def _fitted_config(self) -> dict:
        return {"n_outputs_": int(self.n_outputs_)}

    def _scalings(self) -> dict[str, np.ndarray]:
        return {"x_mean": self.x_mean_, "x_scale": self.x_scale_}

    def _restore(self, fitted: dict, tensors: dict[str, torch.Tensor]) -> None:
        self.n_features_in_, self.n_outputs_ = int(fitted["n_features_in_"]), int(fitted["n_outputs_"])
        if fitted["feature_names_in_"] is not None:
            self.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
        self.x_mean_, self.x_scale_ = tensors["scaling.x_mean"].numpy(), tensors["scaling.x_scale"].numpy()
        # a model saved before options could be "auto" has its options in its parameters
        self.choices_ = fitted.get("choices_") or {k: getattr(self, k) for k in self._OPTIONS}
        self.rule_ = fitted.get("rule_")
        self.predict_windows_ = fitted.get("predict_windows_", 1)  # saved before: whole; predict checks it
        self._list_layout = fitted.get("list_layout")  # None in a model saved before it was recorded
        self._column_labels = fitted.get("column_labels")  # None: saved before, or labels JSON cannot hold
        self.constant_features_ = fitted.get("constant_features_")  # None: saved before they were recorded
        # None: the decays count steps (and in a model saved before sample times were read)
        self.time_unit_, self.time_kind_ = fitted.get("time_unit_"), fitted.get("time_kind_")
        self._fitted_params = fitted_params(self, _NETWORK)  # saved as fitted (save checks it)
        self.log_dir = None  # a model saved before save dropped it names its fit's directory (maybe elsewhere)
        members = int(self.choices_.get("n_members", 1))  # saved before ensembles: one network
        model = self._build_model(self.choices_, self.n_features_in_, self.n_outputs_)
        if members > 1:
            model = Ensemble([model] + [self._build_model(self.choices_, self.n_features_in_, self.n_outputs_)
                                        for _ in range(members - 1)])
        weights = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
        model.load_state_dict(weights, strict=True)
        self.model_ = model.eval()


class _LabelEstimator(_SequenceEstimator):
    _target = "label"
    _CHOSEN = _OPTIONS = _RULED

    def __init__(
        self,
        *,
        cell="auto",
        hidden_size: int | str = "auto",
        num_layers: int = 1,
        bidirectional: bool | str = "auto",
        dropout: float = 0.0,
        pooling: str = "auto",
        frontend: str | None = "auto",
        stride: int | str = "auto",
        normalise: str | None = "auto",
        keep_scale: bool | str = "auto",
        max_epochs: int | str = "auto",
        batch_size: int | str = "auto",
        batching: str = "bucket",
        lr: float | str = "auto",
        lr_schedule: str | None = "auto",
        weight_decay: float = 0.0,
        clip_grad_norm: float | None = 1.0,
        clip_grad_value: float | None = None,
        tbptt_steps: int | None = None,
        validation_fraction: float = VALIDATION_FRACTION,
        early_stopping_patience: int | None = None,
        random_state=None,
        device: str = "auto",
        devices: int | str = 1,
        num_nodes: int = 1,
        strategy: str = "auto",
        verbose: bool = False,
        log_dir: str | None = None,
        layout: str = "auto",
        time_aware: bool = False,
        crop: float | str | None = "auto",
        n_members: int | str = "auto",
    ):
        super().__init__(cell=cell, hidden_size=hidden_size, num_layers=num_layers,
                         bidirectional=bidirectional, dropout=dropout, max_epochs=max_epochs,
                         batch_size=batch_size, batching=batching, lr=lr, lr_schedule=lr_schedule,
                         weight_decay=weight_decay,
                         clip_grad_norm=clip_grad_norm, clip_grad_value=clip_grad_value,
                         tbptt_steps=tbptt_steps, validation_fraction=validation_fraction,
                         early_stopping_patience=early_stopping_patience, random_state=random_state,
                         device=device, devices=devices, num_nodes=num_nodes, strategy=strategy,
                         verbose=verbose, log_dir=log_dir, layout=layout, time_aware=time_aware)
        self.pooling = pooling
        self.frontend, self.stride, self.normalise, self.keep_scale = frontend, stride, normalise, keep_scale
        self.crop = crop
        self.n_members = n_members

    def _check_params(self) -> None:
        for name, allowed in (("pooling", POOLINGS), ("frontend", FRONTENDS), ("normalise", NORMALISATIONS)):
            value = getattr(self, name)
            if not is_auto(value) and value not in allowed:
                raise ValueError(f"{name} must be one of {(*allowed, AUTO)}, got {value!r}")
        if not is_auto(self.stride):
            _check_count("stride", self.stride, True)
        if not is_auto(self.crop):
            check_window_fraction(self.crop, auto=True)
        if not is_auto(self.n_members):
            _check_count("n_members", self.n_members, True)
        if not (is_auto(self.keep_scale) or isinstance(self.keep_scale, bool | np.bool_)):
            raise ValueError(f"keep_scale must be True, False or 'auto', got {self.keep_scale!r}")
        if self.crop is not None and not is_auto(self.crop) and self.time_aware:
            raise ValueError(f"crop={self.crop!r} with time_aware=True: a window would start after observations "
                             "its decay never saw (their last values and the time since them); give one or the other")
        super()._check_params()

    def _choose(self, lengths: torch.Tensor, n_features: int) -> tuple[dict, str | None]:
        """Each "auto" option as :func:`rnnkit.models.defaults_for_series` chooses it for the training set's
        size, lengths and features; the options given keep their value. What the rule proposes yields to what
        was given: ``time_aware`` or truncated BPTT read every step forward (no front-end, no normalisation,
        one direction, and the final state under truncation), and a Cell object is one layer of its own size
        reading the features as they are. The line says what was chosen, then what was given."""
        given = {k: getattr(self, k) for k in self._OPTIONS}
        if not any(is_auto(v) for v in given.values()):
            self._check_choices(given)
            return given, None
        rule = defaults_for_series(len(lengths), lengths.tolist(), n_features, task=self._task)
        proposed = {**rule["model"], **rule["training"]}
        line, yielded = rule["rule"], {}
        if self.time_aware or self.tbptt_steps is not None:
            yielded = dict(frontend=None, normalise=None, bidirectional=False)
            if self.time_aware:  # a window would start after observations the decay never saw
                yielded["crop"] = None
            if self.tbptt_steps is not None:
                yielded["pooling"] = "final"
        scaled_out = (self.devices, self.num_nodes) != (1, 1)  # fit may run in more than one process
        forward_only = given["bidirectional"] is False
        if (forward_only or scaled_out) and proposed["frontend"] == "fcn":
            # one direction given: a model meant to read forward; fcn's branch reads the whole series first,
            # so the recurrence keeps its own front-end (none for short series: a step graph to stream).
            # More than one process (scale-out): the branch's batch norm would take each process's own batch statistics
            # (its half of the batch, padded to its own longest), so the fit would not be the one-process fit
            yielded.setdefault("frontend", "conv" if proposed["stride"] > 1 else None)
        if scaled_out:  # each process draws the windows of its own batches: not the one-process fit's windows
            yielded["crop"] = None
        if forward_only or scaled_out:
            # one network: a forward model is meant to stream (an ensemble has no step graph), and a scaled-out fit
            # is one large run
            yielded["n_members"] = 1
        if isinstance(given["cell"], Cell):  # its weights start every member: one network (_check_choices)
            yielded |= dict(hidden_size=given["cell"].hidden_size, bidirectional=False, frontend=None, n_members=1)
        yielded = {k: v for k, v in yielded.items() if is_auto(given[k]) and proposed[k] != v}
        choices = {k: yielded.get(k, proposed[k]) if is_auto(v) else v for k, v in given.items()}
        if is_auto(given["keep_scale"]) and choices["normalise"] != "series":
            choices["keep_scale"] = False  # it keeps what normalise="series" removes: nothing here
        if choices["frontend"] is None and is_auto(given["stride"]) and choices["stride"] != 1:
            # no front-end (given, or yielded to): the rule's stride would be recorded in choices_ and never used
            choices["stride"] = 1
            if not is_auto(given["frontend"]):
                line += "; stride=1: no front-end"
            else:
                yielded["stride"] = 1
        if yielded:
            why = "time_aware=True" if self.time_aware else (
                f"tbptt_steps={self.tbptt_steps}" if self.tbptt_steps is not None else
                "a Cell object" if isinstance(given["cell"], Cell) else "bidirectional=False" if forward_only
                else f"devices={self.devices!r}, num_nodes={self.num_nodes!r}")
            line += f"; with {why}: " + ", ".join(f"{k}={v!r}" for k, v in yielded.items())
        if mine := [f"{k}={v!r}" for k, v in given.items() if not is_auto(v)]:
            line += "; given: " + ", ".join(mine)
        self._check_choices(choices)
        return choices, line

    def _check_choices(self, choices: dict) -> None:
        super()._check_choices(choices)
        members = choices["n_members"]
        if isinstance(choices["cell"], Cell) and not is_auto(members) and members > 1:
            raise ValueError(f"n_members={members!r} with a Cell object: its weights are the initial weights of every "
                             "fit, so each member's recurrence would start from the same weights, not from its own "
                             "seed; give the cell as a factory (cell=lambda input_size, hidden_size: "
                             f"{type(choices['cell']).__name__}(input_size, hidden_size)) or by name, or n_members=1")
        keep, normalise = choices["keep_scale"], choices["normalise"]
        if keep is True and not is_auto(normalise) and normalise != "series":
            raise ValueError(f"keep_scale=True gives the head each series' level and scale, which normalise='series' "
                             f"removes; with normalise={normalise!r} nothing is removed: give normalise='series' (or "
                             "leave it 'auto') or keep_scale=False")
        reshaped = [f"{k}={choices[k]!r}" for k in ("frontend", "normalise")
                    if choices[k] is not None and not is_auto(choices[k])]
        if reshaped and self.time_aware:
            raise ValueError(f"time_aware=True reads [x, m, δ] per step, which {', '.join(reshaped)} would mix "
                             "or rescale; use one or the other")
        if reshaped and self.tbptt_steps is not None:
            raise ValueError(f"{', '.join(reshaped)} work on whole sequences; truncated BPTT "
                             f"(tbptt_steps={self.tbptt_steps}) would cut them in chunks: use tbptt_steps=None")


_PARAMS_DOC = """
    Parameters (keyword-only):{auto}
        cell: a name of the registry (:data:`rnnkit.models.CELL_NAMES`: ``"lstm"``, ``"gru"``,
            ``"rnn"``, ``"layernorm_lstm"``, ``"mingru"``, ``"minlstm"``), a Cell factory ``(input_size,
            hidden_size) -> Cell`` or a Cell object (copied at every fit; only named cells can be saved).
        hidden_size, num_layers, bidirectional, dropout: the recurrent encoder (dropout between
            layers).{pooling}
        max_epochs, batch_size, lr, weight_decay: AdamW training.
        lr_schedule: None: a constant ``lr``; ``"onecycle"``: warm up to ``lr`` over the first 30 % of the
            batches, then anneal by a cosine (:class:`rnnkit.training.SequenceModule`); a fit with a schedule
            resumes only with the ``max_epochs`` it started with.
        batching: ``"bucket"`` (default) puts sequences of similar lengths in one batch (each batch is padded
            to its longest sequence, so padding costs little; batches are still drawn anew every epoch
            from ``random_state``); ``"random"`` batches the shuffled sequences as they come. See
            :class:`rnnkit.training.LengthBuckets` and docs/performance.md.
        clip_grad_norm: global gradient-norm clipping threshold, 1.0 by default (None: off).
        clip_grad_value: clip every gradient entry to [-v, v] instead (set clip_grad_norm=None).
        tbptt_steps: None for full backpropagation through time, k for truncated BPTT in chunks of k steps.
        validation_fraction, early_stopping_patience: with a patience, hold out this fraction of the sequences
            (stratified by class for a classifier) and stop when its loss has not improved for that many
            epochs, keeping the best weights.
        random_state: seeds initialisation, shuffling, dropout and the split; same seed on CPU, same model.
        device: ``"auto"`` (GPU when available, with mixed precision), ``"cpu"`` or ``"cuda"``.
        verbose: progress bar. log_dir: CSV and TensorBoard logs and checkpoints there.
        layout: how ``X`` is read, at fit and predict alike: ``"auto"`` (default), ``"ntf"`` (rnnkit's
            ``(n, T, F)``) or ``"nct"`` (sktime's and aeon's ``(n, channels, T)``, which they call
            ``"numpy3D"``: ``layout="numpy3D"`` is the same); see :func:`as_sequences`.
        devices, num_nodes, strategy: Lightning's scale-out (``devices=2, strategy="ddp"``: two processes;
            docs/training.md); more than one process needs an int random_state.
        time_aware: NaN in X marks a missing value; the network reads ``[x, m, δ]`` (value, observed mask,
            steps since last observed) through ``rnnkit.TimeAware(cell(2F, hidden_size))`` (GRU-D's decays
            towards the training mean, Che et al. 2018); one forward layer, full BPTT.
"""
_POOLING_DOC = """
        pooling: ``"final"`` state, ``"last"`` step, ``"mean"``, ``"max"`` or ``"attention"`` (a learned
            softmax weighting) over valid steps.
        frontend, stride: for long series, ``"patch"`` (segments of ``stride`` steps, linearly embedded) or
            ``"conv"`` (a strided 1-D convolution) shortens what the recurrence reads to ``ceil(T / stride)``
            steps; ``"fcn"`` is ``"conv"`` with LSTM-FCN's convolutional branch beside the recurrence (three
            conv, batch-norm, ReLU blocks, averaged over time, concatenated before the head; exported in
            sequence.onnx, no step graph);
            None reads every step. docs/long_series.md.
        normalise: ``"series"`` standardises each sequence by its own mean and sd per channel (over its valid
            steps) inside the model, before everything else; None: not.
        keep_scale: with ``normalise="series"``, True gives the head what the normalisation removed, each
            channel's ``asinh(mean)`` and ``log(sd)`` (:func:`rnnkit.models.frontend.normalise_series`), beside
            the pooled outputs: the layers read the shape, the amplitude stays evidence."""
_AUTO_DOC = """
        ``"auto"``, the default of ``cell, hidden_size, bidirectional, pooling, frontend, stride, normalise,
        keep_scale, batch_size, max_epochs, lr, lr_schedule, crop, n_members``, is chosen at fit from the training
        set's size, lengths and features by :func:`rnnkit.models.defaults_for_series` (docs/long_series.md): a
        bidirectional GRU of 64; up to 64 steps every step is read and the final state pooled (with several
        channels through the ``"fcn"`` front-end of stride 1); longer sequences go through the ``"fcn"``
        front-end of stride ``ceil(T_90 / 64)`` (``T_90`` the 90th percentile of the lengths) and attention
        pooling (one channel: each series normalised by its own mean and std, which the head reads beside:
        ``keep_scale``); about 600 optimizer steps, a one-cycle learning rate up to 1e-2; for series longer than
        64 steps, three networks from different seeds (``n_members``).
        The parameters keep ``"auto"`` (``get_params``, ``clone``); the fitted ``choices_`` holds every option
        used and ``rule_`` the line saying why (printed with ``verbose``; saved with the model). A value you
        give always wins; what the rule proposes yields to ``time_aware`` and ``tbptt_steps`` (every step, one
        direction, no normalisation; final state under truncation), to a Cell object (one direction at its
        own size, no front-end), to ``bidirectional=False`` (``"fcn"`` becomes ``"conv"``, or none for
        short series, which then keep a step graph to stream) and likewise to ``devices``/``num_nodes`` other
        than 1 (the branch's batch norm would take each process's own batch statistics).
        crop: ``"auto"`` (default: 0.9 for series longer than 64 steps, None otherwise), None, or a fraction
            ``f`` in ``(0, 1]``: train on random windows of ``round(f L)`` of each sequence's ``L`` steps, drawn
            anew every batch (window slicing; drawn from ``random_state`` and the epoch, so a resumed fit reads
            the same windows); ``predict`` reads the mean of the model's outputs over ``predict_windows_`` (5)
            windows of the same fraction, evenly spaced over each sequence (set the attribute to 1 to read whole
            sequences). An augmentation for small sets whose model fits its training series far better than new
            ones (docs/long_series.md); not with ``time_aware=True``.
        n_members: ``"auto"`` (default: 3 for series longer than 64 steps, 1 otherwise; 1 when
            ``bidirectional=False`` or a Cell object is given, or with ``devices``/``num_nodes`` other than 1), or
            an int >= 1 (more than 1 with a Cell object is refused: its weights would start every member; give
            a factory): fit that many networks, each from its own seed (initial weights, batches and windows; the
            validation split is shared), and predict from the mean of their outputs (logits for a classifier):
            ``model_`` is then a :class:`rnnkit.models.Ensemble`, saved, loaded and exported (sequence.onnx, no step
            graph) as one model. ``loss_curve_`` and ``validation_loss_curve_`` are the first member's (the fit of
            ``n_members=1``; each member stops early on its own validation loss); with ``log_dir`` member
            ``j >= 1`` logs and checkpoints in ``log_dir/members/{j}``, and ``resume=True`` resumes each (a fit of
            fewer members warns of the folders an earlier fit of more left there); ``verbose`` names the network
            each progress bar belongs to.
"""
_TAGGER_DEFAULTS = """
        Defaults: ``cell="lstm", hidden_size=32, bidirectional=False, max_epochs=30, batch_size=32, lr=5e-3``,
        ``lr_schedule=None``.
"""


@io.saveable("classify")
class SequenceClassifier(ClassifierMixin, _LabelEstimator):
    __doc__ = """Classify whole sequences: a recurrent encoder, a pooled summary, a linear layer, softmax.

    ``fit(X, y)`` with one label per sequence (ints, strings, any sortable hashable type); ``predict`` returns
    labels from ``classes_``; ``predict_proba`` returns ``(n, n_classes)``, its columns in the order of
    ``classes_``, and ``predict_log_proba`` its log (the log-softmax, finite where float32 rounds a probability
    to 0); ``score`` is accuracy. ``classes_`` holds the labels used, sorted as scikit-learn sorts them
    (``np.unique``), also for a pandas Categorical ``y``, ordered or not: its category order is not kept, as
    scikit-learn's classifiers do not keep it, and its metrics (``roc_auc_score(y, proba[:, 1])``,
    ``log_loss(y, proba)``) read the columns in that sorted order.
""" + _PARAMS_DOC.format(pooling=_POOLING_DOC, auto=_AUTO_DOC) + """
        class_weight: None (every class 1), ``"balanced"`` (class ``c`` weighs ``n / (n_classes * n_c)`` over
            the ``n`` labels of ``y``: :func:`sklearn.utils.class_weight.compute_class_weight`) or a dict
            ``{label: weight}`` (a weight > 0; a class left out weighs 1), scikit-learn's meaning. A sequence's
            weight in the loss is its class's times its ``sample_weight`` (see :meth:`fit`), in training and in
            the validation loss of early stopping; printed with ``verbose``, saved with the model.
        label_smoothing: ``"auto"`` (default: 0.1 for series longer than 64 steps, 0 otherwise) or ``eps`` in
            ``[0, 1)``: the training loss is the cross-entropy against ``(1 - eps)`` times the one-hot label plus
            ``eps / n_classes`` on every class (Szegedy et al. 2016; :class:`rnnkit.training.SequenceModule`);
            the validation loss of early stopping stays the labels' plain cross-entropy. It keeps the logits of
            a small training set from certainty (docs/long_series.md); recorded in ``choices_``.
"""

    _task = "classification"
    _CHOSEN = _OPTIONS = (*_RULED, "label_smoothing")

    def __init__(
        self,
        *,
        cell="auto",
        hidden_size: int | str = "auto",
        num_layers: int = 1,
        bidirectional: bool | str = "auto",
        dropout: float = 0.0,
        pooling: str = "auto",
        frontend: str | None = "auto",
        stride: int | str = "auto",
        normalise: str | None = "auto",
        keep_scale: bool | str = "auto",
        max_epochs: int | str = "auto",
        batch_size: int | str = "auto",
        batching: str = "bucket",
        lr: float | str = "auto",
        lr_schedule: str | None = "auto",
        weight_decay: float = 0.0,
        clip_grad_norm: float | None = 1.0,
        clip_grad_value: float | None = None,
        tbptt_steps: int | None = None,
        validation_fraction: float = VALIDATION_FRACTION,
        early_stopping_patience: int | None = None,
        random_state=None,
        device: str = "auto",
        devices: int | str = 1,
        num_nodes: int = 1,
        strategy: str = "auto",
        verbose: bool = False,
        log_dir: str | None = None,
        layout: str = "auto",
        time_aware: bool = False,
        crop: float | str | None = "auto",
        n_members: int | str = "auto",
        class_weight: dict | str | None = None,
        label_smoothing: float | str = "auto",
    ):
        super().__init__(cell=cell, hidden_size=hidden_size, num_layers=num_layers, bidirectional=bidirectional,
                         dropout=dropout, pooling=pooling, frontend=frontend, stride=stride, normalise=normalise,
                         keep_scale=keep_scale, max_epochs=max_epochs, batch_size=batch_size, batching=batching, lr=lr,
                         lr_schedule=lr_schedule, weight_decay=weight_decay, clip_grad_norm=clip_grad_norm,
                         clip_grad_value=clip_grad_value, tbptt_steps=tbptt_steps,
                         validation_fraction=validation_fraction, early_stopping_patience=early_stopping_patience,
                         random_state=random_state, device=device, devices=devices, num_nodes=num_nodes,
                         strategy=strategy, verbose=verbose, log_dir=log_dir, layout=layout, time_aware=time_aware,
                         crop=crop, n_members=n_members)
        self.class_weight = class_weight
        self.label_smoothing = label_smoothing

    def _check_params(self) -> None:
        cw = self.class_weight
        if isinstance(cw, pd.Series):  # its repr spans lines; its index is the labels
            raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}, got a pandas Series "
                             f"of {len(cw)} weights; pass class_weight=weights.to_dict() (its index the labels)")
        if not (cw is None or isinstance(cw, str) and cw == "balanced" or isinstance(cw, dict)):
            hint = ("; 'balanced_subsample' is a random forest's (each tree's bootstrap sample): pass 'balanced'"
                    if isinstance(cw, str) and cw.strip().lower() == "balanced_subsample" else
                    "; 'auto' is an option the estimator chooses from the data, as label_smoothing's is, but class "
                    "weights are not chosen: None (the default) weighs every class 1, and 'balanced' (scikit-learn's "
                    "'auto' before 0.17) weighs each class inversely to its count: pass class_weight=None or "
                    "'balanced'" if is_auto(cw.strip().lower() if isinstance(cw, str) else cw) else
                    "; did you mean 'balanced'? (names are exact, as in scikit-learn)"
                    if isinstance(cw, str) and closest_name(cw.strip().lower(), ["balanced"]) else
                    "; a weight per class in class order, as torch's CrossEntropyLoss(weight=...) takes it? pass it "
                    "as a dict by label, dict(zip(np.unique(y), weights)) (classes_ is np.unique(y), sorted)"
                    if isinstance(cw, list | tuple | np.ndarray | torch.Tensor) else "")
            shown = f"a tensor of shape {tuple(cw.shape)}" if isinstance(cw, torch.Tensor) else repr(cw)
            raise ValueError(f"class_weight must be None, 'balanced' or a dict {{label: weight}}, got {shown}{hint}")
        for label, w in (cw.items() if isinstance(cw, dict) else ()):
            if not (_is_real(w) and math.isfinite(w) and w > 0):
                raise ValueError(f"class_weight gives class {_plain(label)!r} the weight {_plain(w)!r}; a class "
                                 f"weight must be a finite number > 0")
        if not is_auto(self.label_smoothing):
            try:
                check_label_smoothing(self.label_smoothing)
            except ValueError as e:
                raise ValueError(f"{e}{_label_smoothing_fix(self.label_smoothing)}") from None
        super()._check_params()

    def _class_weights(self, classes: np.ndarray, codes: np.ndarray, sample_weight: np.ndarray | None, who: str
                       ) -> np.ndarray | None:
        """The weight of each class of ``classes`` (``classes_``) from ``class_weight`` and the labels' codes
        (``"balanced"``); None for None. A dict naming a label that is not a class of ``y`` is refused.
        ``"balanced"`` counts each sequence by its ``sample_weight``, as scikit-learn's ``compute_class_weight(...,
        sample_weight=)``, so that a weight of 0 leaves a sequence out of the counts too, as it leaves it out of
        the fit (a class whose sequences all weigh 0 is no class of the counts: its weight, never used, is 1)."""
        cw = self.class_weight
        if cw is None:
            return None
        if isinstance(cw, str):
            kept = slice(None) if sample_weight is None else sample_weight > 0
            present = np.unique(codes[kept])
            weights = np.ones(len(classes))
            weights[present] = compute_class_weight("balanced", classes=present, y=codes[kept],
                                                    sample_weight=None if sample_weight is None else
                                                    sample_weight[kept])
            return weights
        position = {c: i for i, c in enumerate(classes.tolist())}
        unknown = [label for label in cw if not _hashable(label) or _plain(label) not in position]
        if unknown:
            shown = [_plain(c) for c in classes[:10]]
            raise ValueError(f"{who}: class_weight names {_plain(unknown[0])!r}, which is not a class of y (classes "
                             f"{shown}{' ...' if len(classes) > 10 else ''}); give weights of y's labels, as they "
                             f"are in y (1 and '1' are two labels)")
        weights = np.ones(len(classes))
        for label, w in cw.items():
            weights[position[_plain(label)]] = float(w)
        return weights

    def _loss_weights(self, sample_weight, targets, fitted, who):
        per_class = self._class_weights(fitted["classes_"], targets.numpy(), sample_weight, who)
        if per_class is None:
            return super()._loss_weights(sample_weight, targets, fitted, who)
        if self.verbose:
            each = ", ".join(f"{_plain(c)!r}: {w:.4g}" for c, w in zip(fitted["classes_"], per_class, strict=True))
            print(f"{type(self).__name__}: class_weight={self.class_weight!r}, the weight of each class: {{{each}}}")
        weights = per_class[targets.numpy()] * (1.0 if sample_weight is None else sample_weight)
        return _loss_weight_tensor(weights, who, "sample_weight times class_weight" if sample_weight is not None
                                   else "class_weight")

    def _identity_params(self, params: dict) -> dict:
        return params | {"class_weight": _class_weight_pairs(params["class_weight"])}

    def _saved_params(self) -> dict:
        """The parameters, ``class_weight`` a dict as a list of ``[label, weight]`` pairs: JSON's keys are text,
        which would turn a label 1 into ``"1"``. Labels that JSON would change are refused, as ``classes_``'."""
        params = super()._saved_params()
        pairs = _class_weight_pairs(params["class_weight"])
        if isinstance(pairs, list):
            classes_to_json(_object_array([label for label, _ in pairs]))  # the labels survive JSON, or ValueError
        return params | {"class_weight": pairs}

    def _encode_targets(self, y, lengths, who):
        check_one_per_sequence(y, lengths, who, regression=False)
        labels = as_label_array(y, who)
        check_n_targets(labels, len(lengths), who)
        classes, codes = fit_classes(labels, who)
        warn_categories_not_classes(y, classes, who)
        if classes.dtype.kind == "U" or classes.dtype == object:
            check_label_spellings(labels, who)
        check_classes_recur(codes, classes, who)
        return torch.from_numpy(codes).long(), {"classes_": classes, "n_outputs_": len(classes)}

    def score(self, X, y, sample_weight=None, *, times=None) -> float:
        """Mean accuracy of ``predict(X)`` against ``y`` (scikit-learn's), one label per sequence of X. Labels
        of another kind than the fitted classes (ints for str classes ``'1', '2'``: sktime's labels are text)
        are refused, naming both: scikit-learn's refusal names neither the estimator nor the fix. ``times``:
        X's sample times, as predict takes them."""
        y, sample_weight = self._score_targets(X, y, sample_weight, times)  # the weights as float64 (a tensor's too)
        who = f"{type(self).__name__}.score"
        labels = as_label_array(y, who)  # one per sequence of X: at least one
        check_label_kind(labels[0], self.classes_, who, "classifier")
        check_known_labels(labels, self.classes_, who)
        if labels.dtype == object and any(isinstance(v, tuple) for v in labels.tolist()):
            # tuple labels: scikit-learn's accuracy would take a list of tuples for multi-label data
            hits = np.array([a == b for a, b in zip(labels.tolist(), self.predict(X, times=times).tolist(),
                                                    strict=True)])
            return float(np.average(hits, weights=sample_weight))
        # scikit-learn's score (labels: StringDType text read as <U), with the times predict reads
        return float(accuracy_score(labels, self.predict(X, times=times), sample_weight=sample_weight))

    def predict_proba(self, X, *, times=None) -> np.ndarray:
        """The probability of each class for each sequence of X, ``(n, n_classes)``, its columns in the order
        of ``classes_``: the softmax of the network's outputs (an ensemble's and window voting's: their mean)."""
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict_proba", times)
        return logits.softmax(-1).numpy()

    def predict_log_proba(self, X, *, times=None) -> np.ndarray:
        """The log of :meth:`predict_proba`, ``(n, n_classes)``, as scikit-learn's classifiers give it (a
        ``Pipeline`` ending in the classifier offers it through this). It is the log-softmax of the same outputs,
        not ``np.log`` of the probabilities: a probability that float32 rounds to 0 (logits 104 apart) has its
        finite log here, not ``-inf``; ``np.exp`` of it is ``predict_proba`` to float32's rounding."""
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict_log_proba", times)
        return logits.log_softmax(-1).numpy()

    def predict(self, X, *, times=None) -> np.ndarray:
        """The class of each sequence of X; ``times``: their sample times, for a model fitted with them."""
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict", times)
        return self.classes_[logits.argmax(-1).numpy()]

    def predict_with_proba(self, X, *, times=None) -> tuple[np.ndarray, np.ndarray]:
        """``(predict(X), predict_proba(X))`` from one pass of the network over ``X`` (a model of three networks
        read through five windows runs fifteen forward passes a sequence: a second call would repeat them)."""
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict_with_proba", times)
        return self.classes_[logits.argmax(-1).numpy()], logits.softmax(-1).numpy()

    def _fitted_config(self) -> dict:
        return {"n_outputs_": int(self.n_outputs_), **classes_to_json(self.classes_)}

    def _restore(self, fitted, tensors):
        if isinstance(self.class_weight, list):  # saved as [label, weight] pairs
            self.class_weight = {label: weight for label, weight in self.class_weight}
        self.classes_ = classes_from_json(fitted)
        super()._restore(fitted, tensors)


def _class_weight_pairs(class_weight):
    """A ``class_weight`` dict as a list of ``[label, weight]`` pairs, numpy's scalars as Python's, for JSON;
    anything else as it is."""
    if not isinstance(class_weight, dict):
        return class_weight
    return [[_plain(label), _plain(weight)] for label, weight in class_weight.items()]


def _target_rows(y):
    """A ``pd.Series`` whose cells are target vectors (lists or arrays, one per sequence) as a list of them,
    which numpy stacks into ``(n, k)`` (it would not stack the Series' cells); anything else as it is."""
    if isinstance(y, pd.Series) and y.dtype == object and len(y) and all(
            isinstance(v, list | tuple | np.ndarray) for v in y):
        return y.tolist()
    return y


@io.saveable("regress")
class SequenceRegressor(RegressorMixin, _LabelEstimator):
    __doc__ = """Regress one value (or one vector) per sequence: a recurrent encoder, a pooled summary, a
    linear layer, trained with mean squared error on standardised targets.

    ``fit(X, y)`` with ``y`` of shape ``(n,)`` or ``(n, k)``; ``predict`` returns the same shape; ``score`` is
    R^2 (averaged uniformly over outputs). ``target_names_``: the column names of a DataFrame ``y``, or the name
    of a Series ``y`` (``frame["price"]``; None for unnamed targets), which ``score`` matches a DataFrame ``y``'s
    columns (a Series' name) to.
""" + _PARAMS_DOC.format(pooling=_POOLING_DOC, auto=_AUTO_DOC)

    _task = "regression"

    def _encode_targets(self, y, lengths, who):
        check_target_container(y, who)
        if isinstance(getattr(y, "dtype", None), pd.CategoricalDtype):  # np.asarray would give its categories' values
            categories = y.cat.categories if isinstance(y, pd.Series) else y.categories
            raise ValueError(f"{who}: y is categorical (categories {_show_index(categories)}): labels, not numbers; "
                             f"to classify use SequenceClassifier; if the categories are numbers to regress, pass "
                             f"y.astype(float)")
        if isinstance(y, pd.DataFrame):  # np.asarray reads a categorical column's values, where y alone is refused
            cat = [c for c in y.columns if isinstance(y[c].dtype, pd.CategoricalDtype)]
            if cat:
                raise ValueError(f"{who}: y's column {cat[0]!r} is categorical (categories "
                                 f"{_show_index(y[cat[0]].cat.categories)}): labels, not numbers; to classify use "
                                 f"SequenceClassifier; if the categories are numbers to regress, pass "
                                 f"y.astype({{{cat[0]!r}: float}})")
            flags = [c for c in y.columns if y[c].dtype.kind == "b" or y[c].dtype == "boolean"]
            if flags:  # raveled, the bool's position would count cells, not sequences
                raise ValueError(f"{who}: y's column {flags[0]!r} holds True/False, which are labels, not numbers; "
                                 f"to classify use SequenceClassifier on y[{flags[0]!r}]; to regress the share of "
                                 f"True (a probability), pass y.astype({{{flags[0]!r}: float}})")
            dates = [c for c in y.columns if y[c].dtype.kind in "mM"]
            if dates:  # np.asarray gives objects (Timestamps) beside numbers: float() cannot read them
                raise ValueError(f"{who}: y's column {dates[0]!r} holds dates or durations (dtype "
                                 f"{y[dates[0]].dtype}); a regression target must be numbers: convert it yourself in "
                                 f"the unit you mean (e.g. durations / np.timedelta64(1, 's') for seconds)")
        _warn_id_columns(y, who)
        ids = _target_ids(y)
        # a DataFrame's column names (all str), or a Series' name (frame["price"]), which score matches y's to and
        # export.json / GET /model serve as the targets: None otherwise
        names = [*y.columns] if isinstance(y, pd.DataFrame) and all(isinstance(c, str) for c in y.columns) else None
        name = y.name if isinstance(y, pd.Series) and isinstance(y.name, str) else None
        y = _target_rows(y)
        check_one_per_sequence(y, lengths, who, regression=True)
        try:
            given = np.asarray(y)
        except ValueError as e:  # a ragged list of target vectors
            raise ValueError(f"{who}: y is not a rectangular array ({e}); give one target, or one vector of k "
                             f"targets, per sequence") from e
        if given.dtype.kind in "USOT" and any(isinstance(v, str | bytes) for v in given.ravel().tolist()):
            first = next(v for v in given.ravel().tolist() if isinstance(v, str | bytes))
            raise ValueError(f"{who}: y holds text (e.g. {first!r}); a regression target must be numbers: "
                             f"convert it yourself (e.g. pd.to_numeric(y)) so that nothing is misread")
        if given.dtype.kind in "mM":  # float64 would read the raw ticks (ns since 1970) as the target
            raise ValueError(f"{who}: y holds dates or durations (dtype {given.dtype}); a regression target must be "
                             f"numbers: convert it yourself in the unit you mean (e.g. durations / "
                             f"np.timedelta64(1, 's') for seconds)")
        if given.dtype == bool or given.size and given.dtype == object and all(
                isinstance(v, bool | np.bool_) for v in given.ravel().tolist()):  # MSE would regress them as 0 and 1
            raise ValueError(f"{who}: y holds True/False, which are labels, not numbers; to classify use "
                             f"SequenceClassifier; to regress the share of True (a probability), pass y.astype(float)")
        if given.dtype == object and any(isinstance(v, bool | np.bool_) for v in given.ravel().tolist()):
            first = next(i for i, v in enumerate(given.ravel().tolist()) if isinstance(v, bool | np.bool_))
            raise ValueError(f"{who}: y mixes True/False with numbers (a bool at position {first}); a regression "
                             f"target must be numbers: convert the bools yourself (e.g. 1.0 for True) or, for "
                             f"labels, use SequenceClassifier")
        if np.iscomplexobj(given) or given.dtype == object and any(isinstance(v, complex) for v in given.ravel()):
            raise ValueError(f"{who}: y holds complex numbers; a regression target must be real: give the real "
                             f"and imaginary parts as two targets (y of shape (n, 2)), or take .real / abs() "
                             f"yourself")
        if given.dtype == object:  # pd.NA and None among numbers (pd.Series([1.5, pd.NA])): NaN, named below
            y = np.where(pd.isna(given), np.nan, given)
        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{who}: y must be numeric ({e})") from e
        if given.size and np.abs(y).max() > 2 ** 53 and (given.dtype.kind in "iu" or given.dtype == object and all(
                is_integer(v) for v in given.ravel().tolist())):  # Python ints, as JSON and object columns hold them
            _check_integers_kept(given, y, who)
        if y.ndim not in (1, 2):
            # (n, 1, 1): the targets as a network's output (a step axis of one) or torch's unsqueezed targets
            flat = (f"; its axes after the first hold {math.prod(y.shape[1:])} value(s) per sequence: pass "
                    f"y.reshape(len(y), -1), shape {(len(y), math.prod(y.shape[1:]))}"
                    if y.ndim > 2 and sum(k > 1 for k in y.shape[1:]) <= 1 else "")
            raise ValueError(f"{who}: y must have shape (n,) or (n, k), got {y.shape}{flat}")
        if name is not None and y.ndim == 1:  # a Series of target vectors holds k targets under one name: unnamed
            names = [name]
        if y.ndim == 2 and y.shape[1] == 0:  # else the model's "output_size must be an integer >= 1, got 0"
            raise ValueError(f"{who}: y has shape {y.shape}, no target for any sequence (a DataFrame of no "
                             f"columns?); give one target per sequence, y (n,), or k >= 1 of them, y (n, k)")
        check_n_targets(y, len(lengths), who)
        bad = ~np.isfinite(y.reshape(len(y), -1)).all(axis=1)
        if bad.any():
            at = int(np.flatnonzero(bad)[0])
            where = f"the sequence at position {at}" if ids is None else f"the sequence {ids[at]!r}, position {at}"
            raise ValueError(f"{who}: y contains NaN or infinite values ({where}, {int(bad.sum())} in all); give "
                             f"every sequence a finite target (or leave it out of X and y)")
        if y.ndim == 2 and y.shape[1] > 1 and len(y) > y.shape[1] and np.isin(y, (0, 1)).all() and (
                y.sum(axis=1) == 1).all():
            fix = "y.idxmax(axis=1)" if names is not None else "y.argmax(axis=1)"
            warnings.warn(f"{who}: y of shape {y.shape} is one-hot: 0/1 with a single 1 in every row, the classes "
                          f"of a label (pd.get_dummies, to_categorical), which a regressor fits as {y.shape[1]} "
                          f"numbers by MSE and predicts as numbers that need neither be 0 or 1 nor sum to 1; to "
                          f"classify, SequenceClassifier().fit(X, {fix}) gives the labels and predict_proba; if "
                          f"numbers are meant, silence this with warnings.filterwarnings('ignore', message='.*is "
                          f"one-hot')", UserWarning, stacklevel=4)
        big = (np.abs(y.reshape(len(y), -1)) > np.finfo(np.float32).max).any(axis=1)
        if big.any():  # float32, in which rnnkit computes, reads it as infinite
            at = int(np.flatnonzero(big)[0])
            raise ValueError(f"{who}: y has a value beyond float32's range (|y| > 3.4e38) for the sequence at "
                             f"position {at}; rescale it (e.g. divide by a power of ten)")
        y2 = y.reshape(len(y), -1)
        mean, std = y2.mean(0), y2.std(0)
        one = np.ptp(y2, axis=0) == 0  # its mean and sd exactly (the mean of copies of 0.1 may be an ulp off it)
        mean, std = np.where(one, y2[0], mean), np.where(one, 0.0, std)
        tiny = (std > 0) & (std.astype(np.float32) == 0)
        if tiny.any():  # float32, in which rnnkit computes, reads this spread as 0
            k = int(np.flatnonzero(tiny)[0])
            raise ValueError(f"{who}: y{f' column {k}' if y.ndim == 2 else ''} varies by too little for float32 "
                             f"(standard deviation {std[k]:.3g}, below its least value 1.4e-45; rnnkit computes in "
                             f"float32); rescale it (e.g. multiply by a power of ten)")
        targets = torch.from_numpy((y2 - mean) / _target_scale(std)).float()
        # float64, as the targets were standardised: a float32 mean of a target far from zero beside its spread
        # (1e6 + a few tenths, epoch seconds) is off by up to half its spacing there, and so is every prediction
        # a target of one value: a scale of 0, so that predict gives that value exactly (out * 0 + mean), not the
        # network's untrained deviation from it in units of a scale of 1 the target never had; trained on 0
        fitted = {"n_outputs_": y2.shape[1], "y_mean_": mean, "y_scale_": np.where(std > 0, std, 0.0),
                  "_y_1d": y.ndim == 1,
                  "target_names_": names}
        return targets, fitted

    def _kept_targets(self, y, targets, fitted, kept, who):
        # the target's mean and scale of the sequences kept, as a fit on them alone computes them
        rows = np.asarray(_target_rows(y), dtype=np.float64)[kept.numpy()]  # y passed _encode_targets: numbers
        targets, kept_fitted = self._encode_targets(rows, torch.zeros(len(rows)), who)
        return targets, kept_fitted | {"target_names_": fitted["target_names_"]}  # rows: an array, unnamed

    def score(self, X, y, sample_weight=None, *, times=None) -> float:
        """R² of ``predict(X)`` against ``y`` (scikit-learn's), one target per sequence of X. ``y`` is read as
        :meth:`fit` reads it (text, bools and NaN refused alike), with as many targets as at fit; a DataFrame's
        columns are matched by name when fit was given named ones (``target_names_``). ``times``: X's sample
        times, as predict takes them."""
        who = f"{type(self).__name__}.score"
        y, weights = self._score_targets(X, y, sample_weight, times)
        names = getattr(self, "target_names_", None)
        if names is not None and isinstance(y, pd.DataFrame) and list(y.columns) != list(names):
            given = [str(c) for c in y.columns]
            fix = (f"reorder them: y[{list(names)}]" if sorted(given) == sorted(names) else
                   f"give y the columns {list(names)}, or y.set_axis({list(names)}, axis=1) if they are those targets")
            raise ValueError(f"{who}: y's columns {given} are not the targets the regressor was fitted on, "
                             f"{list(names)}, in that order; {fix}")
        if names is not None and len(names) == 1 and isinstance(y, pd.Series) and isinstance(y.name, str) and \
                y.name != names[0]:  # frame['deaths'] scored against the target 'rate'
            raise ValueError(f"{who}: y is the Series {y.name!r}, but the regressor was fitted on the target "
                             f"{names[0]!r} (a DataFrame y's column); give y that target (frame[{names[0]!r}]), or "
                             f"y.rename({names[0]!r}) if it is that target under another name")
        rows = _target_rows(y)
        targets, _ = self._encode_targets(rows, torch.zeros(len(rows)), who)  # as fit reads y
        if targets.shape[1] != self.n_outputs_:
            fitted = f"{self.n_outputs_} target{'s' if self.n_outputs_ > 1 else ''} per sequence"
            shape = "(n,)" if self._y_1d else f"(n, {self.n_outputs_})"
            raise ValueError(f"{who}: y has {targets.shape[1]} target(s) per sequence, but the regressor was fitted "
                             f"with {fitted} (predict returns shape {shape}); give y the targets it was fitted on")
        pred = self.predict(X, times=times)
        with warnings.catch_warnings():  # one sequence: told below in the user's terms, not as "samples"
            warnings.filterwarnings("ignore", category=UndefinedMetricWarning)
            r2 = float(r2_score(rows, pred, sample_weight=weights))  # scikit-learn's
        _warn_constant_targets(np.asarray(rows, dtype=np.float64).reshape(len(pred), -1), pred, weights, names, who,
                               r2)
        return r2

    def predict(self, X, *, times=None) -> np.ndarray:
        """The target(s) of each sequence of X; ``times``: their sample times, for a model fitted with them."""
        return self._values(self._outputs(X, f"{type(self).__name__}.predict", times)[0])

    def _values(self, out: torch.Tensor) -> np.ndarray:
        """The targets of the network's outputs ``(n, O)``, in the fitted units."""
        y = out.double().numpy() * self.y_scale_ + self.y_mean_  # float64, as scikit-learn's regressors
        return y[:, 0] if self._y_1d else y

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n, k)
        # scikit-learn's check_regressors_train asks R^2 > 0.5 on make_regression(n_features=10,
        # n_informative=1): a linear target of one of 10 steps. With the default settings (30 epochs) this
        # regressor reaches a training R^2 of 0.44 there, so it declares the poor score the check allows for.
        tags.regressor_tags.poor_score = True
        return tags

    def _fitted_config(self) -> dict:
        return {"n_outputs_": int(self.n_outputs_), "_y_1d": bool(self._y_1d),
                "target_names_": getattr(self, "target_names_", None)}

    def _scalings(self) -> dict[str, np.ndarray]:
        return super()._scalings() | {"y_mean": self.y_mean_, "y_scale": self.y_scale_}

    def _restore(self, fitted, tensors):
        self._y_1d = bool(fitted["_y_1d"])
        self.target_names_ = fitted.get("target_names_")  # None: saved before target names were kept
        self.y_mean_, self.y_scale_ = tensors["scaling.y_mean"].numpy(), tensors["scaling.y_scale"].numpy()
        super()._restore(fitted, tensors)


def _warn_id_columns(y, who: str) -> None:
    """Warn when a regressor's DataFrame ``y`` of several columns has one that counts 0, 1, 2, ... (or from any
    start) down its rows, as a table's ids or row numbers do (``df[["id", "target"]]``): it would be regressed as
    a target of its own, silently."""
    if not isinstance(y, pd.DataFrame) or y.shape[1] < 2 or len(y) < 3:
        return
    for name, column in y.items():
        values = column.to_numpy()
        if values.dtype.kind in "iuf" and np.array_equal(values, values[0] + np.arange(len(values))):
            warnings.warn(f"{who}: y's column {name!r} holds {_plain(values[0])}, {_plain(values[1])}, ..., "
                          f"{_plain(values[-1])} down its rows, as ids or row numbers do, and is read as a target "
                          f"of its own beside {_show_index(y.columns.drop(name))}; if it names the sequences, leave "
                          f"it out: y.drop(columns={name!r})", UserWarning, stacklevel=4)
            return


def _step_labels_hint(labels: np.ndarray, n: int) -> str:
    """How one sequence's per-step labels of the wrong shape may be given right: ``(T, 1)`` (a column each,
    as a ``(n, T, 1)`` array gives them), one-hot ``(T, C)``, or one string of a letter per step (an
    annotation such as ``"EEEIII"``)."""
    if labels.ndim == 2 and labels.shape == (n, 1):
        return ": they are a column (T, 1); pass them without their last axis (y[..., 0], or [r.ravel() for r in y])"
    if labels.ndim == 2 and len(labels) == n and labels.dtype.kind in "biuf" and set(np.unique(labels)) <= {0, 1} \
            and (labels.sum(axis=1) == 1).all():
        return ": they look one-hot encoded (a single 1 per step); pass the labels, e.g. y.argmax(axis=-1)"
    if labels.ndim == 0 and isinstance(labels.item(), str) and len(labels.item()) == n:
        return (f": they are one string of {n} characters ({labels.item()[:20]!r}); for a label per character "
                f"pass its letters: [list(s) for s in y]")
    tail = labels[n:] if labels.ndim == 1 and len(labels) > n else None
    if tail is not None and (len(set(tail.tolist())) == 1 or tail.dtype.kind == "f" and np.isnan(tail).all()):
        # an (n, T) array of labels padded after each sequence's end, as pad_collate pads them (IGNORE_INDEX)
        steps = f"step {n} holds" if len(tail) == 1 else f"steps {n}..{len(labels) - 1} all hold"
        return (f": {steps} {_plain(tail[0])!r}, as padding up to the longest "
                f"sequence does; pass each sequence's own steps: [labels[:len(x)] for labels, x in zip(y, X)]")
    return ""


def _check_ignore_index_padding(rows: list[np.ndarray], who: str, read: str = "learn as a class") -> None:
    """Refuse per-step integer labels whose every ``IGNORE_INDEX`` (-100, torch's ``CrossEntropyLoss``
    ``ignore_index``) ends its sequence: the steps padded after each sequence's end, as a PyTorch user pads an
    ``(n, T)`` label array, which the tagger would learn as a class (and predict at padded steps). The tagger
    pads and masks sequences of their own lengths itself. A -100 inside a sequence is left as a label."""
    if not all(r.dtype.kind in "iu" for r in rows):
        return
    blank = [r == IGNORE_INDEX for r in rows]
    tails = blank_tails(blank)  # the trailing -100 steps of each sequence
    if not tails.any() or blank_inside(blank, tails):
        return
    i = int(np.flatnonzero(tails)[0])
    raise ValueError(f"{who}: y holds {IGNORE_INDEX} at the last {tails[i]} of the {len(rows[i])} steps of sequence "
                     f"{i} ({int((tails > 0).sum())} of the {len(rows)} sequences end so), and nowhere else: torch's "
                     f"ignore_index (CrossEntropyLoss(ignore_index={IGNORE_INDEX})) of the steps padded after each "
                     f"sequence's end, which the tagger would {read}; pass each sequence at its own length "
                     f"(the tagger pads and masks them itself): lengths = (y != {IGNORE_INDEX}).sum(axis=1), then "
                     f"X = [x[:n] for x, n in zip(X, lengths)] and y = [t[:n] for t, n in zip(y, lengths)]")


@io.saveable("tag")
class SequenceTagger(_SequenceEstimator):
    __doc__ = """Label every step of every sequence (``o_t = W_ho h_t + c``, softmax over classes).

    ``fit(X, y)`` with ``y`` an array ``(n, T)`` (when X is an array) or a list of ``n`` arrays ``(T_i,)``
    matching the sequences' lengths. ``predict`` returns labels in the same layout as X (an array
    ``(n, T)`` for an array X, else a list of ``(T_i,)`` arrays); ``predict_proba`` a list of
    ``(T_i, n_classes)`` arrays (columns in the order of ``classes_``, the labels used, sorted as the
    classifier's are, whatever a Categorical's category order), ``predict_log_proba`` their log; ``score`` the
    accuracy over all steps. Not a scikit-learn classifier in the sense of ``is_classifier``: its ``y`` is not one
    label per sample, so cross-validation splits with KFold.
""" + _PARAMS_DOC.format(pooling="", auto=_TAGGER_DEFAULTS)

    _target = "step"
    _task = "classification"

    def _encode_targets(self, y, lengths, who):
        # StringDType rows as objects: their missing values (na_object) are then named by sequence and step
        if isinstance(y, np.ndarray) and y.dtype.kind == "T":
            y = y.astype(object)
        elif isinstance(y, list | tuple):
            y = [r.astype(object) if isinstance(r, np.ndarray) and r.dtype.kind == "T" else r for r in y]
        if isinstance(y, np.ndarray) and y.dtype != object and y.ndim == 2:
            rows = list(y)
        elif isinstance(y, list | tuple | np.ndarray):
            check_label_types(list(y), who)  # before np.asarray turns [0, "a"] into text
            rows = [_step_labels(r) for r in y]
        else:
            raise ValueError(f"{who}: y must be an array (n, T) or a list of (T_i,) label arrays")
        # y itself where it is an array: a (T, n) one, transposed, is told so
        check_n_targets(y if isinstance(y, np.ndarray) else rows, len(lengths), who,
                        int(lengths[0]) if len(lengths) == 1 else None)
        for i, (r, n) in enumerate(zip(rows, lengths.tolist(), strict=True)):
            if r.ndim != 1 or len(r) != n:
                raise ValueError(f"{who}: the labels of sequence {i} have shape {r.shape} but the sequence "
                                 f"has {n} steps; give one label per step" + _step_labels_hint(r, n))
            if r.dtype.kind == "f" and not np.isfinite(r).all():
                raise ValueError(f"{who}: the labels of sequence {i} are NaN or infinite at step "
                                 f"{int(np.flatnonzero(~np.isfinite(r))[0])}; give every step a label")
        _check_ignore_index_padding(rows, who)
        labels = np.concatenate(rows)
        if labels.dtype.kind == "f" and all(r.dtype.kind in "iu" for r in rows):  # uint64 beside int64: float64
            labels = _integer_labels([v for r in rows for v in r.tolist()])
        labels = as_label_array(labels, who)
        classes, codes = fit_classes(labels, who, per_step=True)
        offsets = np.cumsum([0, *lengths.tolist()])
        if classes.dtype.kind == "U" or classes.dtype == object:  # as the classifier's labels
            at = lambda k: (i := int(np.searchsorted(offsets, k, side="right")) - 1, k - int(offsets[i]))
            check_label_spellings(labels, who, where=lambda k: "sequence {}, step {}".format(*at(k)))
        padded = torch.zeros(len(rows), int(lengths.max()), dtype=torch.long)  # padding: masked out
        for i, n in enumerate(lengths.tolist()):
            padded[i, :n] = torch.from_numpy(codes[offsets[i] : offsets[i] + n])
        return padded, {"classes_": classes, "n_outputs_": len(classes)}

    def _align_targets(self, X, y, who: str):
        """Per-step labels as one array per sequence of X: besides an ``(n, T)`` array and a list, a
        ``pd.Series`` on the rows of a MultiIndex ``(instance, time)`` X (one label per row, split by instance
        as X is), a ``pd.Series`` of label arrays (one per instance) and an ``(n, T)`` DataFrame."""
        y = targets_array(y, who)
        if isinstance(y, pd.DataFrame) and y.shape[1] == 1 and isinstance(y.index, pd.MultiIndex):
            y = y.iloc[:, 0]  # a long table's label column as df[["label"]]: read as df["label"]
        if not isinstance(y, pd.Series | pd.DataFrame) and _per_row(X, y) and np.ndim(y) == 1:
            y = pd.Series(_object_array(list(y)) if isinstance(y, list | tuple) else y, index=X.index)  # X's rows
        if isinstance(y, pd.Series | pd.DataFrame) and _per_row(X, y):  # a column (or more) of the long table
            if isinstance(y, pd.DataFrame) and y.shape[1] > 1:
                names = ", ".join(map(repr, y.columns[:3].tolist())) + (", ..." if y.shape[1] > 3 else "")
                raise ValueError(f"{who}: y is a DataFrame of {y.shape[1]} columns ({names}), where the tagger takes "
                                 f"one label per step: give the column of labels, e.g. y[{y.columns[0]!r}]")
            if not isinstance(y.index, pd.MultiIndex) and not y.index.equals(X.index):  # a MultiIndex y: below
                raise ValueError(f"{who}: y is a {'Series' if isinstance(y, pd.Series) else 'column'} of one label "
                                 f"per row of X ({len(y)} rows), but its index ({_show_index(y.index)}) is not X's "
                                 f"(instance, time) rows ({_show_index(X.index)}); labels are matched to X's rows "
                                 f"by position: give y.set_axis(X.index) if it is in the order of X's rows (or "
                                 f"y.to_numpy())")
        per_row = isinstance(y, pd.Series) and isinstance(y.index, pd.MultiIndex)
        if per_row and isinstance(X, pd.DataFrame | pd.Series) and isinstance(X.index, pd.MultiIndex):
            if not y.index.equals(X.index):
                raise ValueError(f"{who}: y is a Series of per-step labels whose index is not X's (instance, time) "
                                 f"rows in X's order ({len(y)} rows for X's {len(X)}); give one label per row of X, "
                                 f"on X's index (e.g. y.reindex(X.index), after checking that none is missing)")
            missing = np.flatnonzero(pd.isna(y.to_numpy()))
            if len(missing):  # named here by X's ids, which the per-sequence arrays below no longer carry
                k, instances = int(missing[0]), y.index.get_level_values(0)
                v, step = _plain(y.iloc[k]), int((instances[:k] == instances[k]).sum())
                raise ValueError(f"{who}: y has a missing label: {v} ({type(v).__name__}) at sequence "
                                 f"{instances[k]!r}, step {step} (X's row {y.index[k]!r}); give every step a label "
                                 f"(or leave it out of X and y)")
            return [group.to_numpy() for _, group in y.groupby(level=0, sort=False)]
        check_target_index(X, y, who)
        if isinstance(y, pd.Series | pd.DataFrame):
            y = list(y.to_numpy()) if isinstance(y, pd.Series) else y.to_numpy()
        if isinstance(X, pd.Series) and isinstance(X.index, pd.MultiIndex):
            X = X.to_frame()
        ids = None
        if isinstance(X, list | tuple):  # each sequence's own index, where it is pandas
            steps = [x.index if isinstance(x, pd.DataFrame | pd.Series) else None for x in X]
            name, fix = (lambda i: f"sequence {i}"), lambda i: "labels.loc[x.index]"
        elif isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex):  # each instance's times
            steps = [group.index.get_level_values(1) for _, group in X.groupby(level=0, sort=False)]
            ids = _sequence_ids(X)
            name = lambda i: f"sequence {_plain(ids[i])!r}"
            fix = lambda i: f"labels.loc[X.loc[{_plain(ids[i])!r}].index]"
        else:
            steps = None
        if steps is not None and isinstance(y, list | tuple | np.ndarray) and len(steps) == len(y):
            for i, (index, labels) in enumerate(zip(steps, y, strict=True)):
                if ids is not None and np.ndim(labels) == 1 and len(labels) != len(index):
                    # named by X's id: "sequence 3" would read as the instance 3 of a subset (ids 10, 11, ...)
                    raise ValueError(f"{who}: the labels of {name(i)} (position {i}) have shape {np.shape(labels)} "
                                     f"but the sequence has {len(index)} steps; give one label per step"
                                     + _step_labels_hint(np.asarray(labels), len(index)))
                # a sequence's labels as a Series are matched to its steps by position, as y to X's sequences
                if index is not None and isinstance(labels, pd.Series) and not labels.index.equals(index):
                    raise ValueError(f"{who}: the labels of {name(i)} are a Series whose index "
                                     f"({_show_index(labels.index)}) is not the steps of {name(i)} in their order "
                                     f"({_show_index(index)}); labels are matched to steps by position: reorder "
                                     f"them with {fix(i)} (or pass labels.to_numpy() if their order is already "
                                     f"the steps')")
        return y

    def predict_proba(self, X, *, times=None) -> list[np.ndarray]:
        """The probability of each class at each step: a list of ``(T_i, n_classes)`` arrays, one per sequence
        of X, the columns in the order of ``classes_``."""
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict_proba", times)
        return [o.softmax(-1).numpy() for o in logits]

    def predict_log_proba(self, X, *, times=None) -> list[np.ndarray]:
        """The log of :meth:`predict_proba`, a list of ``(T_i, n_classes)`` arrays: the log-softmax of the same
        outputs, finite where a probability rounds to 0 in float32 (the classifier's :meth:`predict_log_proba`)."""
        logits, _, _ = self._outputs(X, f"{type(self).__name__}.predict_log_proba", times)
        return [o.log_softmax(-1).numpy() for o in logits]

    def predict(self, X, *, times=None):
        """The label of each step of X's sequences; ``times``: their sample times, for a model fitted with them."""
        logits, _, is_array = self._outputs(X, f"{type(self).__name__}.predict", times)
        labels = [self.classes_[o.argmax(-1).numpy()] for o in logits]
        return np.stack(labels) if is_array else labels

    def score(self, X, y, sample_weight=None, *, times=None) -> float:
        """Accuracy over all valid steps of all sequences. ``sample_weight``: one number >= 0 per sequence, each
        of its steps weighed by it, as :meth:`fit` weighs them in the loss:
        ``sum_i w_i hits_i / sum_i w_i T_i`` (equal weights: the plain accuracy over steps). ``times``: X's
        sample times, as predict takes them."""
        who = f"{type(self).__name__}.score"
        check_is_fitted(self, "model_")
        self._check_times_given(times, who)
        predicted = self.predict(X, times=times)
        weights = _sequence_weights(X, sample_weight, len(predicted), who, y=y)
        if y is None:
            raise ValueError(f"{who}: y is None; score needs the labels of every step of X's sequences")
        y = self._align_targets(X, y, who)
        check_n_targets(y, len(predicted), who)
        for i, (p, t) in enumerate(zip(predicted, y, strict=True)):
            if np.shape(t) != np.shape(p):  # numpy would broadcast a single label over the steps
                raise ValueError(f"{who}: the labels of sequence {i} have shape {np.shape(t)} but the sequence has "
                                 f"{len(p)} steps; give one label per step")
            t = np.asarray(t)
            if t.dtype.kind == "f" and not np.isfinite(t).all():  # as fit: not a label that counts as wrong
                raise ValueError(f"{who}: the labels of sequence {i} are NaN or infinite at step "
                                 f"{int(np.flatnonzero(~np.isfinite(t))[0])}; give every step a label")
        check_label_types(list(y), who)  # a missing label (pd.NA, None) named by sequence and step, as fit names it
        if not np.isin(IGNORE_INDEX, self.classes_.astype(object)).any():  # else counted as wrong, "spelt otherwise"
            _check_ignore_index_padding([np.asarray(t) for t in y], who, "count as a wrong prediction at each")
        first = next((t for t in y if np.size(t)), None)
        if first is not None:
            check_label_kind(np.asarray(first, dtype=object).flat[0], self.classes_, who, "tagger")
            check_known_labels(np.concatenate([np.asarray(t, dtype=object).ravel() for t in y]), self.classes_, who,
                               unit="step", estimator="tagger")
        hits = [plain_labels(p) == plain_labels(t) for p, t in zip(predicted, y, strict=True)]
        steps = None if weights is None else np.repeat(weights, [len(h) for h in hits])  # each step its sequence's
        return float(np.average(np.concatenate(hits), weights=steps))

    def _fitted_config(self) -> dict:
        return {"n_outputs_": int(self.n_outputs_), **classes_to_json(self.classes_)}

    def _restore(self, fitted, tensors):
        self.classes_ = classes_from_json(fitted)
        super()._restore(fitted, tensors)




# -- scikit-learn's estimator checks -------------------------------------------------------------------------
_FLAT_FRAME = ("a flat DataFrame (one named column per feature, no time axis) is refused rather than read "
               "with its columns as time steps; X.to_numpy() is read so")
_SEQUENCE_COLUMNS = "a 2-D X (n, T) is n sequences of T steps of one feature"


def sklearn_expected_failed_checks(estimator) -> dict[str, str]:
    """The checks of ``sklearn.utils.estimator_checks`` that ``estimator`` (a SequenceClassifier or
    SequenceRegressor) fails by design, each with the reason: the checks read a 2-D ``X`` as ``(n_samples,
    n_features)``, and rnnkit reads it as ``(n, T)`` sequences. Pass it on, as scikit-learn asks::

        check_estimator(est, expected_failed_checks=sklearn_expected_failed_checks(est))
        @parametrize_with_checks([est], expected_failed_checks=sklearn_expected_failed_checks)
    """
    failed = {
        "check_n_features_in": f"{_SEQUENCE_COLUMNS}: n_features_in_ is 1 (features per step), not T",
        "check_n_features_in_after_fitting": f"{_SEQUENCE_COLUMNS}: another column count at predict is another "
                                             f"sequence length, which is valid",
        "check_sample_weight_equivalence_on_dense_data": "a weight of k equals k copies of a sequence in the loss, "
                                                         "but the copies also change how the sequences are cut "
                                                         "into shuffled minibatches, so the trained weights differ",
        "check_sample_weights_pandas_series": _FLAT_FRAME,
    }
    if isinstance(estimator, SequenceClassifier):
        failed["check_classifiers_train"] = (f"predict(X.T) must fail there, but {_SEQUENCE_COLUMNS}, and X.T is "
                                             f"T valid sequences of n steps")
        failed["check_classifier_data_not_an_array"] = _FLAT_FRAME
    if isinstance(estimator, SequenceRegressor):
        failed["check_regressor_data_not_an_array"] = _FLAT_FRAME
    return failed


# -- feature names -------------------------------------------------------------------------------------------
def feature_names(X, who: str) -> np.ndarray | None:
    """The feature names of ``X`` (an object array, as scikit-learn's ``feature_names_in_``) when they are
    known: X is a DataFrame (nested or with (instance, time) rows: its columns are the features) or a list of
    DataFrames with the same columns, and the names are strings. None otherwise."""
    if isinstance(X, pd.DataFrame):
        columns = X.columns
    elif isinstance(X, list | tuple) and X and all(isinstance(s, pd.DataFrame) for s in X):
        columns = X[0].columns
        for i, s in enumerate(X):
            repeated = s.columns[s.columns.duplicated()].unique().tolist()
            if repeated:  # as in a DataFrame X: the names could not tell those columns apart at predict
                raise ValueError(f"{who}: sequence {i} of X names column(s) {repeated} more than once (columns "
                                 f"{list(s.columns)}); give every feature column its own name")
            if not s.columns.equals(columns):
                same = sorted(map(str, s.columns)) == sorted(map(str, columns))  # its rows are read by position
                raise ValueError(f"{who}: sequence {i} of X has columns {list(s.columns)} but sequence 0 has "
                                 f"{list(columns)}; " + (f"the same columns in another order, which would be read "
                                 f"by position: reorder them as sequence 0's (e.g. [s[{list(columns)}] for s in X])"
                                 if same else "every sequence needs the same feature columns"))
    else:
        return None
    if not all(isinstance(c, str) for c in columns):
        return None
    return np.asarray(columns, dtype=object)


def _json_labels(labels: list | None) -> list | None:
    """Column labels as config.json holds them: ints and floats (``[0, 1]``) as they are, others (tuples, dates)
    not kept."""
    ok = labels is not None and all(isinstance(c, int | float) and not isinstance(c, bool) for c in labels)
    return labels if ok else None


def column_labels(X) -> list | None:
    """The column labels of a DataFrame ``X`` (or of a list of DataFrames: :func:`feature_names` checks that they
    agree) when they are not all strings, so not feature names: ``[0, 1]`` of ``pd.DataFrame(array)`` or of
    ``unstack('dim_id')``. None otherwise."""
    columns = X.columns if isinstance(X, pd.DataFrame) else X[0].columns if (
        isinstance(X, list | tuple) and X and all(isinstance(s, pd.DataFrame) for s in X)) else None
    if columns is None or all(isinstance(c, str) for c in columns):
        return None
    return [_plain(c) for c in columns]


def check_column_order(fitted: list | None, X, who: str) -> None:
    """ValueError when X's columns are the labels seen at fit (``fitted``: :func:`column_labels` of X at fit) in
    another order: read by position, each would be taken for another feature. Labels other than strings are not
    feature names (scikit-learn checks none), so other labels are read by position, as before."""
    given = column_labels(X)
    if fitted is None or given is None or given == fitted or sorted(map(repr, given)) != sorted(map(repr, fitted)):
        return
    fix = f"[s[{fitted}] for s in X]" if isinstance(X, list | tuple) else f"X[{fitted}]"
    raise ValueError(f"{who}: X has the columns {given}, in another order than at fit ({fitted}); they are read by "
                     f"position, so each would be taken for another feature: reorder them as at fit (e.g. {fix})")


def check_feature_names(fitted: np.ndarray | None, given: np.ndarray | None, name: str, who: str, *, x: str = "X",
                        frame: str = "frame", axis: str = "columns") -> None:
    """Features are matched by name, as scikit-learn does: ValueError when ``X``'s names differ from those
    seen at fit (naming the missing and unexpected ones, or the order); a warning when only one side has
    names. ``x`` names what holds the names in the messages, ``frame`` and ``axis`` the code of their fixes
    (:class:`rnnkit.Streamer`'s observation: a pandas row, whose names are its index)."""
    if fitted is None or given is None:
        if given is not None:
            warnings.warn(f"{who}: {x} has feature names, but {name} was fitted without feature names",
                          UserWarning, stacklevel=3)
        elif fitted is not None:
            warnings.warn(f"{who}: {x} does not have feature names, but {name} was fitted with feature names "
                          f"{list(fitted)}; its columns are read in that order", UserWarning, stacklevel=3)
        return
    if list(given) == list(fitted):
        return
    missing = [c for c in fitted if c not in set(given)]
    unexpected = [c for c in given if c not in set(fitted)]
    if not missing and not unexpected:
        raise ValueError(f"{who}: {x} has the features {list(given)}, in another order than at fit; reorder "
                         f"them as {list(fitted)} (e.g. {frame}[{list(fitted)}])")
    fixes = [f"drop the {axis} the model was not fitted on ({frame}.drop({axis}={unexpected}))"] if unexpected else []
    fixes += [f"give {x} the {axis} {missing} it was fitted with"] if missing else []
    raise ValueError(f"{who}: {x} has feature names that differ from those seen at fit {list(fitted)}: "
                     f"{named_difference(missing, unexpected)}; {' and '.join(fixes)}")


load = io.load  # rnnkit.load: any saved estimator or Forecaster, by its registered type
