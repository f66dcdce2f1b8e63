"""One collate for every kind of sequence, and a length-bucketing batch sampler.

Every dataset in `rnnkit.data` returns items of the form ``x`` or ``(x, y)`` where ``x`` has time on its
first axis, ``(T, ...)``, and exposes ``lengths`` (an int64 array, one entry per item) so that
`BucketBatchSampler` can group items of similar length. `pad_collate` turns a list of such items into a
`SequenceBatch`:

=========  ======================  =======================================================================
field      shape                   meaning
=========  ======================  =======================================================================
x          (B, T, ...)             inputs padded at the end of time with ``padding_value``; a dict of such
                                   tensors when the item's ``x`` is a dict (events: ids and Δt)
lengths    (B,) int64              true length of each sequence
mask       (B, T) bool             ``mask[b, t] = t < lengths[b]``
y          (B, ...) or (B, T, ...) per-sequence labels stacked, or per-step labels padded with
                                   ``IGNORE_INDEX`` (-100, what ``torch.nn.CrossEntropyLoss`` ignores)
=========  ======================  =======================================================================

``T`` is the longest sequence of the batch, so batches have different ``T``; padding always sits at the
end, which is what `rnnkit`'s masked unroller and ``pack_padded_sequence`` expect.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Sampler

from ..cells.base import length_mask
from ..checks import check_flags, group_distinctness, is_count, lag1_autocorrelation, runs_along

IGNORE_INDEX = -100
"""Padding of per-step labels; the default ``ignore_index`` of PyTorch's classification losses."""


class _BatchFields(NamedTuple):
    x: torch.Tensor | dict[str, torch.Tensor]
    lengths: torch.Tensor
    mask: torch.Tensor
    y: torch.Tensor | None = None


class SequenceBatch(_BatchFields):
    """A padded, batch-first batch of variable-length sequences (see the module docstring for shapes).

    One built by hand (on the CPU) is checked: its ``mask`` must be ``length_mask(lengths, T)`` (``mask[b, t] = t <
    lengths[b]``), as `pad_collate` builds it, or a loss masked by the one and a model unrolled by the other would
    read different steps without a word.
    """

    __slots__ = ()

    def __new__(cls, x, lengths, mask, y=None):
        _check_mask_agrees(lengths, mask, x)
        return super().__new__(cls, x, lengths, mask, y)

    def to(self, device: torch.device | str, *, non_blocking: bool = False) -> SequenceBatch:
        """Move every tensor to ``device``; ``lengths`` included (move it back to CPU for packing)."""

        def move(t):
            if t is None:
                return None
            if isinstance(t, dict):
                return {k: v.to(device, non_blocking=non_blocking) for k, v in t.items()}
            return t.to(device, non_blocking=non_blocking)

        return SequenceBatch._make(move(f) for f in self)  # checked when built: moving changes no value


def _check_mask_agrees(lengths, mask, x=None) -> None:
    """Refuse a ``(B, T)`` mask that is not ``t < lengths[b]``: a mask of another batch, padding at the start, or
    a mask left all true while ``lengths`` came from elsewhere; a mask of another shape than x's ``(B, T)``, and
    lengths (a tensor, a list or an array) of a fraction of a step, below 0 or beyond T. On the CPU only, where
    batches are built: Lightning rebuilds each batch it moves to a device by the constructor, and a check there would
    wait on the device."""
    if isinstance(lengths, Sequence | np.ndarray) and not isinstance(lengths, str):  # a list or an array
        try:
            lengths = torch.as_tensor(np.asarray(lengths))
        except (TypeError, ValueError):
            return
    if not (isinstance(lengths, torch.Tensor) and isinstance(mask, torch.Tensor)) or mask.dim() != 2 \
            or mask.device.type != "cpu" or lengths.device.type != "cpu":
        return
    if lengths.shape != mask.shape[:1]:
        raise ValueError(f"SequenceBatch: mask has shape {tuple(mask.shape)} (B, T) but lengths {tuple(lengths.shape)};"
                         f" give one length per row of the mask, and mask = length_mask(lengths, T) "
                         "(rnnkit.cells.base.length_mask)")
    if isinstance(x, torch.Tensor) and x.dim() >= 2 and tuple(x.shape[:2]) != tuple(mask.shape):
        raise ValueError(f"SequenceBatch: mask has shape {tuple(mask.shape)} (B, T) but x {tuple(x.shape)} "
                         f"(B, T, ...); give the mask of x's own batch and steps: mask = "
                         "rnnkit.cells.base.length_mask(lengths, x.shape[1])")
    if len(lengths):
        fraction = lengths.is_floating_point() and bool((lengths != lengths.floor()).any())
        beyond = bool(((lengths < 0) | (lengths > mask.shape[1])).any())
        if fraction or beyond:
            b = int(((lengths != lengths.floor()) if fraction else (lengths < 0) | (lengths > mask.shape[1])
                     ).nonzero()[0])
            what = ("not a whole number of steps (packing would cut it down, the mask round it up)" if fraction
                    else f"outside 0 .. {mask.shape[1]}, the mask's T")
            raise ValueError(f"SequenceBatch: lengths[{b}] is {lengths[b].item():g}, {what}; give each row's count "
                             "of valid steps as whole numbers (lengths.long()) within 0 .. T, or use pad_collate, "
                             "which gives both")
    valid = length_mask(lengths.to(mask.device), mask.shape[1])  # (B, T)
    wrong = (mask != 0) != valid
    if not bool(wrong.any()):
        return
    b = int(wrong.any(1).nonzero()[0])
    n, length = int((mask[b] != 0).sum()), int(lengths[b])
    where = (f"its {n} true steps are not the first ({(mask[b] != 0).nonzero().flatten().tolist()[:6]}): padding at "
             "the start? rnnkit reads padding at the end" if n == length else
             f"it marks {n} step(s) valid but lengths[{b}] is {length}")
    raise ValueError(f"SequenceBatch: the mask disagrees with lengths in row {b} ({where}), so a loss masked by the "
                     f"one and a model unrolled by the other would read different steps; build the mask from the "
                     "lengths (mask = rnnkit.cells.base.length_mask(lengths, T)), or use pad_collate, which gives "
                     "both")


def refuse_frame(items: Any, what: str, noun: str, fix: str = "") -> None:
    """ValueError for ``items`` (texts, sequences, paths: ``noun``) given as a DataFrame, whose iteration yields its
    column names, or as a pandas groupby, whose iteration yields (key, group) pairs: each would be read as an item
    (as a protein, ``'seq'`` reads as three amino acids). ``fix``: what to pass instead of a DataFrame; the column
    of ``noun`` by default."""
    kind = type(items).__name__
    if kind in ("DataFrameGroupBy", "SeriesGroupBy") and hasattr(items, "keys"):  # pandas, not imported for this
        key = items.keys  # the groupby's by=: a column name, a list of them, or something else (a Series)
        by = repr(key) if isinstance(key, str | list) else "..."
        drop = f".drop(columns={key!r})" if isinstance(key, str | list) and kind == "DataFrameGroupBy" else ""
        column = f"[{items.obj.name!r}]" if kind == "SeriesGroupBy" else ""
        groups = (f"[g.tolist() for _, g in df.groupby({by}){column}]" if kind == "SeriesGroupBy" else
                  f"[g{drop}.to_numpy() for _, g in df.groupby({by})]" + (
                      " (each group keeps its key column; drop it, or the id would be a feature)" if drop else ""))
        raise ValueError(f"{what} is a pandas groupby, and iterating one gives (key, group) pairs, not its {noun}; "
                         f"pass the groups: {groups}")
    if kind == "DataFrame" and hasattr(items, "columns"):
        columns = list(items.columns)
        raise ValueError(f"{what} is a DataFrame, and iterating one gives its column names ({columns[:3]}), not its "
                         f"{noun}; {fix or f'pass the column of {noun}, e.g. df[{str(columns[0])!r}]'}")


def refuse_keyed(items: Any, what: str, noun: str, arg: str, fix: str = "") -> None:
    """ValueError for ``items`` (texts, sequences: ``noun``) given as a dict or a DataFrame, whose iteration yields
    their keys or column names, not their ``noun``: each key would be read as an item. ``arg``: the argument's name,
    for the fix of a dict; ``fix``: that of a DataFrame (`refuse_frame`)."""
    if isinstance(items, Mapping):
        keys = list(items)[:2]
        raise ValueError(f"{what} is a dict of {len(items)} entries (keys {keys}{' ...' if len(items) > 2 else ''}), "
                         f"and iterating a dict gives its keys, not its {noun}; pass its {noun}: list({arg}.values())")
    refuse_frame(items, what, noun, fix)


FRAME_OF_STEPS = ("pass a list of sequences: [df.to_numpy()] for one sequence of its rows, or one per id of a long "
                   "table, [g[features].to_numpy() for _, g in df.groupby('id')]")
"""What to give `pad_collate` and `write_ragged` for a DataFrame: its rows are the steps of one sequence or of many."""


def _as_tensor(a: Any, float_dtype: torch.dtype, what: str = "sequence 0") -> torch.Tensor:
    if isinstance(a, pd.DataFrame | pd.Series):  # its rows are the steps; torch cannot read pandas
        if a.isna().to_numpy().any():  # pd.NA of a nullable column: torch cannot infer its dtype
            row = int(np.flatnonzero(a.isna().to_numpy().reshape(len(a), -1).any(axis=1))[0])
            raise ValueError(f"{what} is a pandas {type(a).__name__} with a missing value (row {row}); fill it in "
                             f"(s.fillna(value)) or drop the step, then pass it")
        frame = a
        a = a.to_numpy(copy=True)  # writable: torch warns of a read-only array
        if a.dtype == object and all(pd.api.types.is_numeric_dtype(d) for d in np.atleast_1d(frame.dtypes)):
            a = frame.to_numpy(dtype=np.float64)  # bool flags beside numbers, which pandas gives as objects
    if isinstance(a, np.generic):  # torch reads no numpy uint16 .. uint64 scalar ("an integer is required")
        a = np.asarray(a)
    if isinstance(a, np.ndarray) and a.dtype.kind in "OmM":  # torch: "can't convert np.ndarray of type ..."
        kind = {"m": "durations", "M": "dates"}.get(a.dtype.kind, "Python objects")
        fix = ("convert them to numbers in the unit you mean (e.g. durations / np.timedelta64(1, 's'))"
               if a.dtype.kind in "mM" else "give it as numbers (e.g. np.asarray(s, dtype=np.float32), which names "
               "what is not a number)")
        raise ValueError(f"{what} holds {kind} (dtype {a.dtype}), not numbers; {fix}")
    if isinstance(a, np.ndarray) and not a.dtype.isnative:  # big-endian data ('>f4' of FITS, MATLAB, np.fromfile),
        a = a.astype(a.dtype.newbyteorder("="))  # which torch refuses: the same values in this machine's byte order
    if isinstance(a, np.ndarray) and not a.flags.writeable:  # pandas 3's to_numpy(), np.load(mmap_mode='r'),
        # np.frombuffer: torch would warn of "undefined behavior" at each batch, and share the memory; one copy, in
        # the float dtype the batch takes (a float64 memory map's item is not held twice over, as float64 and float32)
        same = {torch.float16: np.float16, torch.float32: np.float32, torch.float64: np.float64}.get(float_dtype)
        a = a.astype(same if a.dtype.kind == "f" and same is not None else a.dtype)  # writable arrays: no copy
    try:
        t = torch.as_tensor(a)
    except (TypeError, ValueError, RuntimeError) as e:  # torch names neither the sequence nor the step
        if (fault := _steps_fault(a, what)) is None:
            raise ValueError(f"{what} cannot be read as an array of numbers ({e})") from e
        raise ValueError(fault) from None
    if t.is_floating_point():
        t = t.to(float_dtype)
    elif t.dtype in (torch.int8, torch.int16, torch.int32, torch.uint8) and not isinstance(a, torch.Tensor):
        t = t.long()  # numpy token ids come as int32 on some platforms; embeddings want int64
    elif t.dtype in (torch.uint16, torch.uint32, torch.uint64):
        # token ids as nanoGPT's .bin files and tokenizers store them: no embedding, loss or sum takes these types
        if t.dtype == torch.uint64 and t.numel() and int(np.asarray(a).max()) > torch.iinfo(torch.int64).max:
            raise ValueError(f"{what} holds the uint64 value {int(np.asarray(a).max())}, beyond int64 (as which "
                             "integer sequences are read, and it would wrap negative); map such ids (64-bit hashes?) "
                             "to small ids first, e.g. with np.unique(ids, return_inverse=True)")
        t = t.long()
    return t


def _steps_fault(a: Any, what: str) -> str | None:
    """Why a sequence given as Python lists of steps is no array: a missing value (None), text, or steps of several
    sizes, named with its step; None if it is none of these."""
    if not isinstance(a, list | tuple):
        return None
    sizes: dict[int | None, int] = {}  # values in a step (None: a scalar step) -> the first step of that size
    for k, step in enumerate(a):
        many = isinstance(step, list | tuple)
        for v in step if many else [step]:
            if v is None or v is pd.NA:
                return (f"{what} holds a missing value ({v}) at step {k}; give it as float('nan') where the model "
                        "reads missing values (time_aware=True), or fill it")
            if isinstance(v, str | bytes):
                return (f"{what} holds the text {v!r} at step {k}, not a number; encode text as token ids first, or "
                        "convert numbers written as text (float(v))")
        sizes.setdefault(len(step) if many else None, k)
    if len(sizes) > 1:
        (n0, k0), (n1, k1) = list(sizes.items())[:2]
        size = {n: "a bare number" if n is None else f"{n} value{'s' * (n != 1)}" for n in (n0, n1)}
        return (f"{what} has steps of several sizes: step {k0} holds {size[n0]} but step {k1} holds {size[n1]}; "
                "every step needs the same number of features (a feature missing at a step is NaN)")
    return None


def pad_sequences(
    seqs: Sequence[Any], *, padding_value: float = 0.0, float_dtype: torch.dtype = torch.float32,
    bool_as_float: bool = False,
) -> torch.Tensor:
    """Stack ``B`` sequences of shapes ``(T_b, ...)`` into ``(B, max T_b, ...)``, padding at the end.

    Trailing dimensions must agree. Floating inputs become ``float_dtype``; integer numpy inputs become int64, and so
    do unsigned tensors of 16 to 64 bits (uint16 token ids), which no embedding or loss takes. Bool inputs stay bool
    (masks), or with ``bool_as_float=True`` become 0. and 1. of ``float_dtype`` (flags as features: no layer takes
    bool inputs), as `pad_collate` reads its inputs.
    The output has the dtype that holds every sequence (``torch.promote_types``), so a float sequence beside
    an int one is not truncated; a ``padding_value`` that dtype cannot hold (-1 in uint8, 0.5 or NaN in int64)
    is refused. A pandas DataFrame or Series is read by its rows (its steps), as the estimators read one.
    """
    for i, s in enumerate(seqs):  # torch's message names neither the item nor the fix
        if isinstance(s, str | bytes) or isinstance(s, np.ndarray) and s.dtype.kind in "UST":
            shown = repr(s if isinstance(s, str | bytes) else str(s.ravel()[0]))[:40]
            raise ValueError(f"sequence {i} is text ({shown}), not numbers; encode text as token ids first (e.g. "
                             f"rnnkit.data.Vocab.build(texts).encode(text), or TextClassificationDataset)")
    if not (isinstance(float_dtype, torch.dtype) and float_dtype.is_floating_point):  # torch.int64 truncates 0.5
        raise ValueError(f"float_dtype must be a floating torch dtype (torch.float32, torch.float64, ...), the dtype "
                         f"of floating inputs, got {float_dtype!r}")
    seqs = _frames_by_name(seqs)
    tensors = [_as_tensor(s, float_dtype, f"sequence {i}") for i, s in enumerate(seqs)]
    if bool_as_float:
        tensors = [t.to(float_dtype) if t.dtype == torch.bool else t for t in tensors]
    if not tensors:
        raise ValueError("pad_sequences got no sequences; pass a non-empty list of (T, ...) arrays")
    for i, t in enumerate(tensors):  # copied into sequence 0's device, or torch's error names no item
        if t.device != tensors[0].device:
            raise ValueError(f"sequence {i} is on {t.device} but sequence 0 is on {tensors[0].device}; move them to "
                             "one device before collating (s.to(device)), or collate on the CPU and move the batch "
                             "(batch.to(device))")
    tail = tensors[0].shape[1:]
    dtype = tensors[0].dtype
    for t in tensors[1:]:  # the first item's dtype would truncate a later float sequence (0.5 -> 0)
        dtype = torch.promote_types(dtype, t.dtype)
    _check_padding_value(padding_value, dtype)
    for i, t in enumerate(tensors):
        if t.dim() == 0:
            raise ValueError(f"sequence {i} is a scalar; expected an array of shape (T, ...) with time first")
        if t.shape[1:] != tail:
            raise ValueError(
                f"sequence {i} has per-step shape {tuple(t.shape[1:])} but sequence 0 has {tuple(tail)}; "
                "all sequences in a batch need the same feature shape"
                + time_last_hint(0, tuple(tensors[0].shape), i, tuple(t.shape))
                + one_value_hint(tuple(tensors[0].shape), tuple(t.shape))
            )
    T = max(t.shape[0] for t in tensors)
    out = torch.full((len(tensors), T, *tail), padding_value, dtype=dtype, device=tensors[0].device)
    for b, t in enumerate(tensors):
        out[b, : t.shape[0]] = t
    return out


def _warn_time_last(x: torch.Tensor, lengths: torch.Tensor) -> None:
    """Warn of a float batch ``x (B, A, B')`` of items all of length ``A``, ``A <= 16`` and ``A < B'`` (or, of more
    rows, ``B' >= 8 A``: EEG's 64 channels of 512 samples or more), whose values
    run smoothly along their last axis and not along their first (:func:`rnnkit.checks.runs_along`; one row alone: a
    lag-1 autocorrelation above 0.5 along it): sktime's and aeon's ``(C, T)``, time last, of a few channels (most of
    the UEA archive's problems have 16 or fewer), which read time first are ``C`` steps of ``T`` features, every
    length ``C``, with no shape to tell (of several lengths `time_last_hint` names them). Spectra over frames
    (log-mel features) run along both axes, or, of noise, along the bands alone, in a curve every frame shares
    (:func:`_shared_profile`), and say nothing, at any number of frames or bins. Of more than 16 rows, images
    flattened row by row (``(T, H * W)``, a sequence of digits) say nothing either: their last axis is
    segments laid end to end (:func:`_segment_width`), not one signal. The batch's first 16 items are read, 64 rows
    and 4096 columns of each: a collate runs once per batch."""
    if not (x.dim() == 3 and x.is_floating_point() and bool((lengths == x.shape[1]).all())):
        return  # ids, steps of several features' shapes, or items of several lengths (time_last_hint's case)
    a, b = x.shape[1:]
    if not (0 < a <= 16 and a < b and b >= 3 or a > 16 and b >= 8 * a):
        return
    values = x[:16, :64, :4096].detach().cpu().double().numpy()  # (n, A, B): 16 items tell, at a small cost
    if a > 1 and np.mean(np.ptp(values, axis=1) > 0) < 0.5:  # steps alike (a steady tone's frames): no order to read
        return
    if not (runs_along(values, 2, 1) if a >= 3 else a == 1 and lag1_autocorrelation(values, 2) > 0.5):
        return
    if a >= 3 and _shared_profile(values):  # a spectrum of noise over a few frames: smooth along its bands alone
        return
    if a > 16 and _segment_width(values) is not None:  # 20 images of 28 x 28 flattened row by row, as given
        return
    last = lag1_autocorrelation(values, 2)  # read again for the words alone: only where it warns
    first = f"{lag1_autocorrelation(values, 1):.2f}" if a >= 3 else "one step"
    warnings.warn(f"pad_collate: the {len(x)} items are all of shape {(a, b)}, read as {a} time step(s) of "
                  f"{b} features each (every length {a}); but their values run smoothly along their last axis (lag-1 "
                  f"autocorrelation {last:.2f}) and not along the axis read as time ({first}), as {a} channel(s) of "
                  f"{b} time steps do (sktime's and aeon's (C, T), time last)? give each as seq.T (time first); if "
                  "they are (time, features) as given, silence this with "
                  "warnings.filterwarnings('ignore', '.*run smoothly along their last axis')", UserWarning,
                  stacklevel=3)


def _shared_profile(values: np.ndarray) -> bool:
    """Whether the smoothness of ``values (n, A, B)`` along their last axis lies in a profile that the rows of each
    item share, as a spectrum's envelope over its frames does (the log-mel of noise: every frame the same curve over
    the bands, plus noise), and not in each row's own course, as ``C`` channels of ``T`` samples run. Rule: once each
    item's mean row is taken away, what is left is smooth over neighbouring columns alone (a mel band overlaps only
    the next), not over two: its lag-2 autocorrelation along the last axis (the lag-1 of every second column) is
    below 0.25. The log-mel of white, brown or mixed noise leaves 0.13 or less (20 to 80 bands, 3 to 21 frames, 8 and
    16 kHz); channels with a course of their own beside a common one (EEG's shared rhythm and reference, an
    accelerometer's axes moving together) leave 0.35 or more, even where their own course is a tenth of the common
    one's power, and are told. Channels that are one signal alike plus white noise of their own, and nothing else,
    read as a spectrum of noise does and are not told."""
    kept = np.isfinite(values)
    mean_row = np.where(kept, values, 0.0).sum(axis=1, keepdims=True) / np.maximum(kept.sum(axis=1, keepdims=True), 1)
    own = (values - mean_row)[:, :, ::2]
    return own.shape[2] >= 3 and lag1_autocorrelation(own, 2) < 0.25


def _segment_width(values: np.ndarray) -> int | None:
    """The width ``W`` of equal segments laid end to end along the last axis of ``values (n, A, B)``, as images
    flattened row by row are (``(T, H * W)``: each image row's steps are smooth, and its end meets the next row's
    start, or borders of zeros recur, every ``W`` values), or None for one signal along it (a recording's channels,
    whose squared steps are alike at every position). Rule: the squared steps ``diff`` along the last axis,
    averaged over the items and rows, are explained by their position modulo ``W`` (R², at least 0.5) for some
    ``W`` dividing ``B`` with at least 8 segments of at least 8 values each (by chance R² is about ``W / B``, at
    most 1/8), and their means by position spread by at least half their mean (a rhythm of random phase in each
    channel leaves a trace alone). A rhythm phase-locked alike in every row and item (a steady-state evoked
    response), whose period divides ``B``, reads so too."""
    b = values.shape[2]
    steps = np.diff(values, axis=2)
    kept = np.isfinite(steps).reshape(-1, b - 1)
    d = np.where(kept, steps.reshape(-1, b - 1), 0.0) ** 2
    d = d.sum(axis=0) / np.maximum(kept.sum(axis=0), 1)  # no NaN steps' warning: a column of NaN reads 0
    for width in (w for w in range(8, b // 8 + 1) if b % w == 0):
        position = np.arange(b - 1) % width
        (explained, _), = group_distinctness(d[None, None, :], position[None, :])
        if explained >= 0.5 and (np.bincount(position, d) / np.bincount(position)).std() >= 0.5 * d.mean():
            return width
    return None


def time_last_hint(a: int, shape_a: tuple, b: int, shape_b: tuple, verb: str = "give") -> str:
    """The words for two sequences ``a`` and ``b`` of other per-step shapes whose first axes are alike: ``(C, T)``
    arrays, time on the last axis as sktime's and aeon's are, of C channels and different lengths, which time-first
    readers see as C steps of T features. Empty where the shapes say nothing of it. ``verb``: what the fix does with
    each sequence (``"store"`` in a store)."""
    if len(shape_a) != 2 or len(shape_b) != 2 or shape_a[0] != shape_b[0] or shape_a[1] == shape_b[1]:
        return ""
    return (f"; sequences {a} and {b} both have {shape_a[0]} rows: are they (features, time), time on the last axis "
            f"as sktime's and aeon's? {verb} each as seq.T (time first)")


def one_value_hint(shape_a: tuple, shape_b: tuple, verb: str = "give") -> str:
    """The words for two sequences of one value per step, one ``(T,)`` and the other ``(T, 1)`` (a pandas Series'
    values beside a one-column frame's, ``x[:, 0]`` beside ``x[:, :1]``): alike but for their shape. Empty for
    other shapes. ``verb``: what the fix does with each sequence (``"store"`` in a store)."""
    if {tuple(shape_a[1:]), tuple(shape_b[1:])} != {(), (1,)}:
        return ""
    return (f"; (T,) and (T, 1) both hold one value per step: {verb} every sequence as (T, 1) (np.reshape(seq, "
            "(-1, 1)))")


def _frames_by_name(seqs: Sequence[Any]) -> Sequence[Any]:
    """DataFrames' columns read by name, in the first frame's order: frames built by two code paths (or read from
    two files) may hold their columns in other orders, and by position each feature would be read as another. A
    frame whose column names are not the first's is refused, naming the names that differ."""
    frames = [(i, s) for i, s in enumerate(seqs) if isinstance(s, pd.DataFrame)]
    if len(frames) < 2:
        return seqs
    i0, columns = frames[0][0], list(frames[0][1].columns)
    out = list(seqs)
    for i, f in frames[1:]:
        if list(f.columns) == columns:
            continue
        if sorted(map(str, f.columns)) != sorted(map(str, columns)) or f.columns.duplicated().any():
            missing = [c for c in columns if c not in set(f.columns)]
            extra = [c for c in f.columns if c not in set(columns)]
            raise ValueError(f"sequence {i} is a DataFrame of the columns {list(f.columns)} but sequence {i0} of "
                             f"{columns} (missing {missing}, not expected {extra}); give every sequence the same "
                             f"feature columns, e.g. frame[{columns!r}]")
        out[i] = f[columns]  # the same names in another order: read by name, as a dict item's keys are
    return out


def _check_padding_value(value, dtype: torch.dtype) -> None:
    """Refuse a padding value that the padded tensor's dtype cannot hold: torch would write -1 as 255 into uint8,
    0.5 as 0 into int64 (a real-looking token id or label), and NaN not at all."""
    if dtype.is_floating_point or dtype.is_complex:
        return
    try:
        v = float(value)  # a Python, numpy or 0-d torch number
    except (TypeError, ValueError):
        v = math.nan
    info = torch.iinfo(dtype) if dtype != torch.bool else None
    if not (math.isfinite(v) and v == int(v) and (v in (0, 1) if info is None else info.min <= v <= info.max)):
        raise ValueError(f"padding_value={value!r} cannot be held by the sequences' dtype {dtype} (it would be "
                         f"written as another value); give a value of that dtype, or pass the sequences as floats "
                         f"(e.g. s.astype(np.float32)) to pad them with {value!r}")


def _label_tensor(y: Any, b: int, float_dtype: torch.dtype) -> torch.Tensor:
    """The label of item ``b`` as a tensor, class ids (bool, uint8, int32: a dataset's own tensors) as int64, as the
    losses take them (bool and uint8 cannot hold ``ignore_index`` either: -100 would pad as True or as 156, a
    real-looking label); text is refused by name (torch's message does not say which item)."""
    if not isinstance(y, torch.Tensor):
        if y is pd.NA or y is pd.NaT:  # torch: "Could not infer dtype of NAType"
            raise ValueError(f"the label of item {b} is missing ({y}); label every item, or drop the unlabelled ones")
        a = np.asarray(y, dtype=object if isinstance(y, list | tuple) else None)
        if a.dtype.kind in "UST" or a.dtype.kind == "O" and any(isinstance(v, str | bytes) for v in a.ravel()):
            raise ValueError(f"the label of item {b} is {y!r}, text, not a number; map text labels to integer "
                             "ids first (e.g. {label: i for i, label in enumerate(sorted(set(labels)))})")
    t = _as_tensor(y, float_dtype, f"the label of item {b}")
    return t if t.is_floating_point() or t.is_complex() else t.long()


def _check_unpadded(xs: Sequence[Mapping]) -> None:
    """Refuse items a tokenizer padded already (Hugging Face's ``padding="max_length"``, or ``True`` over the whole
    set): their ``attention_mask`` holds 0s, and the lengths would count the padding as steps, which every
    recurrent model then reads (its mask all true)."""
    for b, d in enumerate(xs):
        m = torch.as_tensor(d["attention_mask"])
        if m.dim() == 1 and not m.is_complex() and bool((m == 0).any()):
            raise ValueError(f"item {b} of the batch has an attention_mask with {int((m == 0).sum())} zero(s) among "
                             f"its {len(m)} steps: it is padded already (a tokenizer's padding='max_length'), and "
                             f"pad_collate would read that padding as steps (length {len(m)}, not "
                             f"{int((m != 0).sum())}); tokenize without padding (padding=False): pad_collate pads "
                             "each batch to its longest item and gives lengths and the mask")


def zero_runs(ids: torch.Tensor, side: str = "end") -> np.ndarray | None:
    """The runs of id 0 at the ``side`` (``"start"`` or ``"end"``) of each row of a batch of ids ``(B, T)``, ``(B,)``
    (a row of 0s counts ``T``), where the batch looks padded with 0 there: half its rows or more have such a run,
    of two lengths or more (padding of one length is as likely data). None where it does not, or where ``ids`` is
    no such batch. One rule for the token ids of `pad_collate` and the DNA ids of `rnnkit.data.one_hot_encode`."""
    if ids.dim() != 2 or len(ids) < 2 or not ids.numel() or ids.is_floating_point() or ids.dtype == torch.bool:
        return None
    return _zero_runs_of((ids == 0).cpu().numpy(), side)


def _zero_runs_of(zero: np.ndarray, side: str) -> np.ndarray | None:
    """:func:`zero_runs` of the mask ``ids == 0`` ``(B, T)`` (B >= 2, T >= 1), for a caller that reads the mask too."""
    if side == "end":
        zero = zero[:, ::-1]
    runs = np.where(zero.all(axis=1), zero.shape[1], np.argmin(zero, axis=1))  # (B,) 0s before the first nonzero id
    return runs if (runs > 0).sum() * 2 >= len(runs) and len(set(runs.tolist())) > 1 else None


def _warn_padded_ids(x: torch.Tensor, lengths: torch.Tensor) -> None:
    """Warn of token ids padded already with 0 (Keras' ``pad_sequences``, ``padding="pre"`` by default, or
    ``"post"``; ``Vocab``'s own ``<pad>`` id): items of one length, at least half of them starting (ending) in a run
    of 0s of varying length (:func:`zero_runs`), and no 0 anywhere else, which no token that is a word of its own
    gives. The lengths would count the padding as steps, which a recurrent model reads (its mask all true)."""
    if x.dim() != 2 or x.is_floating_point() or x.dtype == torch.bool or bool((lengths != x.shape[1]).any()):
        return  # features or flags, not ids, or items of several lengths (not padded to one)
    zero = (x == 0).cpu().numpy()  # (B, T)
    if not zero.any() or zero.all(axis=1).any():
        return
    count = zero.sum(axis=1)  # (B,) 0s in each item
    for side in ("start", "end"):
        runs = _zero_runs_of(zero, side)
        if runs is not None and not (count - runs).any():  # no 0 elsewhere
            padded, shortest = int((runs > 0).sum()), x.shape[1] - int(runs.max())
            fewest = int(runs[runs > 0].min())
            keep = "x[np.argmax(x != 0):]" if side == "start" else "x[:len(x) - np.argmax(x[::-1] != 0)]"
            warnings.warn(f"pad_collate: the {len(runs)} items are all {x.shape[1]} steps long and {padded} of them "
                          f"{side} in {fewest} to {int(runs.max())} steps of id 0, with no 0 "
                          f"elsewhere: token ids padded already (Keras' pad_sequences, padding="
                          f"{'pre' if side == 'start' else 'post'!r})? the lengths would count the padding as steps "
                          f"({x.shape[1]}, not {shortest} for the shortest), which the model would read; "
                          f"give each item unpadded (x = {keep}): pad_collate pads each batch itself and gives lengths "
                          "and the mask; if 0 is a token of its own, silence this with warnings.filterwarnings("
                          "'ignore', '.*padded already')", UserWarning, stacklevel=3)
            return


def _split_item(item: Any, b: int) -> tuple[Any, Any, bool]:
    """``(x, y, has_y)`` of one item. A list ``[x, y]`` (a Dataset returning a list) is read as a pair when ``x``
    is an array or a dict, or a list followed by one scalar label (``[[5, 9, 2], 1]``): no sequence of steps has
    those forms. ``[[1, 2], [3, 4]]`` stays a sequence of two steps."""
    if isinstance(item, tuple):
        if len(item) != 2:
            raise ValueError(f"item {b} of the batch is a tuple of {len(item)} elements; items must be x or (x, y): "
                             "leave the others out, or carry them in a dict x")
        return item[0], item[1], True
    if isinstance(item, list) and len(item) == 2 and (
            isinstance(item[0], Mapping) or getattr(item[0], "ndim", 0) >= 1
            or isinstance(item[0], list | tuple) and np.ndim(item[1]) == 0):
        return item[0], item[1], True
    return item, None, False


def _seq_len(x: Any, b: int) -> int:
    if isinstance(x, Mapping):
        for k, v in x.items():  # a Hugging Face dataset's row holds its 'label' (and its 'text') beside the ids
            if getattr(v, "ndim", 1) == 0 or isinstance(v, numbers.Number | str | bytes):
                shown = repr(v if not isinstance(v, str) or len(v) <= 30 else v[:30] + "...")
                what = "text" if isinstance(v, str | bytes) else "one value"
                raise ValueError(f"item {b} of the batch is a dict whose {k!r} is {shown}, {what}, not a sequence of "
                                 f"steps; a dict item holds sequences of one length (the inputs), so take {k!r} out: "
                                 f"a label as the pair's y, ({{n: v for n, v in row.items() if n != {k!r}}}, "
                                 f"row[{k!r}]) (a Hugging Face dataset's rows hold 'label' so), other columns dropped "
                                 "(dataset.remove_columns)")
        lens = {k: len(v) for k, v in x.items()}
        if len(set(lens.values())) != 1:
            raise ValueError(f"the sequences of one dict item differ in length: {lens}; they must share T")
        return next(iter(lens.values()))
    if getattr(x, "ndim", 1) == 0 or isinstance(x, numbers.Number):  # torch: "len() of a 0-d tensor"
        raise ValueError(f"item {b} of the batch is a scalar ({x!r}), not a sequence; items are x of shape (T, ...) "
                         "or (x, y) pairs: for a sequence of one step pass x[None]")
    return len(x)


def pad_collate(
    items: Sequence[Any],
    *,
    padding_value: float = 0.0,
    labels: str = "auto",
    ignore_index: int = IGNORE_INDEX,
    float_dtype: torch.dtype = torch.float32,
) -> SequenceBatch:
    """Collate ``x`` or ``(x, y)`` items into a `SequenceBatch`; use as ``DataLoader(collate_fn=...)``.

    A float per-step label may be NaN: it marks a step without a target (a warm-up, a sensor that was out), kept as
    it is, for a loss that skips it (``keep = mask & ~y.isnan()``); `rnnkit.training.SequenceModule`'s own loss
    does not, and stops at the first such batch naming it. A per-sequence label of NaN is refused (drop the
    unlabelled item), and so is an infinite label of either kind (a log of 0), which no loss can read.

    Args:
        items: ``x`` of shape ``(T_b, ...)`` (array, tensor, or a dict of them sharing ``T_b``) or ``(x, y)``
            (also a list ``[x, y]``; ``(x, None)`` items give ``y=None``). Every item must have the same form.
            A bool ``x`` (flags: a door open, a day a holiday) is read as 0. and 1. of ``float_dtype``, as a
            DataFrame's bool columns beside numbers are; a dict's values keep their dtypes.
        padding_value: value written into padded input steps.
        labels: how to read ``y``. ``"sequence"``: one label per item, stacked to ``(B, ...)``.
            ``"step"``: one label per time step, ``(T_b, ...)``, padded with ``ignore_index`` to
            ``(B, T, ...)``. ``"auto"`` (default): scalars are per-sequence; arrays whose first axis
            equals every item's length are per-step; other equal-shape arrays are per-sequence (with a warning
            where each is one step shorter than its input, as next-step targets ``w[1:]`` of ``x = w`` are). Pass the
            explicit value (``functools.partial(pad_collate, labels="step")``) when a per-sequence label
            vector could happen to match the lengths.
        ignore_index: padding for per-step labels. Float per-step targets are padded with it too; use the
            mask, not the value, to exclude them from a regression loss. Labels of bool or integer dtypes, of
            either kind, become int64 class ids (``F.cross_entropy`` refuses bool and int32 targets).
        float_dtype: dtype for floating inputs and labels.

    Returns:
        `SequenceBatch` with ``x (B, T, ...)``, ``lengths (B,)``, ``mask (B, T)``, ``y`` or None.
    """
    refuse_frame(items, "pad_collate: items", "items", FRAME_OF_STEPS)
    if isinstance(items, Mapping):  # one item (a dataset's row) for the batch: its keys would be read as items
        raise ValueError(f"pad_collate: items is a dict (keys {list(items)[:3]}), one item rather than a batch of "
                         "them; pass a list of items ([item] for one), as a DataLoader does")
    if len(items) == 0:
        raise ValueError("pad_collate got an empty batch")
    if labels not in ("auto", "sequence", "step"):
        raise ValueError(f"labels must be 'auto', 'sequence' or 'step', got {labels!r}")
    split = [_split_item(it, b) for b, it in enumerate(items)]
    has_y = split[0][2]
    odd = [b for b, (_, _, h) in enumerate(split) if h != has_y]
    if odd:
        raise ValueError(f"item {odd[0]} of the batch is {'an (x, y) pair' if not has_y else 'x alone'} but item 0 "
                         f"is {'x alone' if not has_y else 'an (x, y) pair'}; a dataset must give every item "
                         "the same form")
    xs = [x for x, _, _ in split]
    if has_y and all(y is None for _, y, _ in split):  # an unlabelled dataset that returns (x, None)
        has_y = False
    if isinstance(xs[0], Mapping):
        keys = list(xs[0])
        for b, d in enumerate(xs):  # read by key: the same keys in another order are the same item
            if not isinstance(d, Mapping) or set(d) != set(keys):
                raise ValueError(f"item {b} of the batch has {list(d) if isinstance(d, Mapping) else type(d).__name__}"
                                 f" but item 0 has the keys {keys}; every item needs the same keys")
    lengths = torch.tensor([_seq_len(x, b) for b, x in enumerate(xs)], dtype=torch.int64)
    if isinstance(xs[0], Mapping) and "attention_mask" in keys:
        _check_unpadded(xs)
    if bool((lengths == 0).any()):
        b = int(torch.nonzero(lengths == 0)[0])
        raise ValueError(f"item {b} of the batch has length 0; drop empty sequences before batching")

    if isinstance(xs[0], Mapping):
        x = {k: pad_sequences([d[k] for d in xs], padding_value=padding_value, float_dtype=float_dtype)
             for k in keys}
        T = next(iter(x.values())).shape[1]
    else:
        x = pad_sequences(xs, padding_value=padding_value, float_dtype=float_dtype, bool_as_float=True)
        T = x.shape[1]
        _warn_padded_ids(x, lengths)
        _warn_time_last(x, lengths)
    mask = length_mask(lengths, T)  # (B, T)

    y = None
    if has_y:
        if any(y is None for _, y, _ in split):
            b = next(b for b, (_, y, _) in enumerate(split) if y is None)
            raise ValueError(f"item {b} of the batch has the label None but others have labels; label every item")
        ys = [_label_tensor(y, b, float_dtype) for b, (_, y, _) in enumerate(split)]
        kind = labels
        if kind == "auto":
            if all(t.dim() == 0 for t in ys):
                kind = "sequence"
            elif all(t.dim() > 0 and t.shape[0] == n for t, n in zip(ys, lengths.tolist(), strict=True)):
                kind = "step"
            else:
                kind = "sequence"
                pairs = zip(ys, lengths.tolist(), strict=True)
                if all(t.dim() > 0 and t.shape[0] == n - 1 >= 2 for t, n in pairs):
                    warnings.warn(
                        f"pad_collate: every label is one step shorter than its input ({tuple(ys[0].shape)} for "
                        f"{int(lengths[0])} steps in item 0), as next-step targets y = w[1:] of x = w are; they are "
                        "read as per-sequence label vectors (labels='auto'). For next-step targets give x = w[:-1] "
                        "and y = w[1:], as long as each other; if they are per-sequence vectors, pass "
                        "labels='sequence'", UserWarning, stacklevel=2)
        if kind == "step":
            for b, (t, n) in enumerate(zip(ys, lengths.tolist(), strict=True)):
                if t.dim() == 0 or t.shape[0] != n:
                    raise ValueError(
                        f"per-step labels of item {b} have shape {tuple(t.shape)} but its input has "
                        f"{n} steps; per-step labels need the same length as the input"
                    )
            for b, t in enumerate(ys):  # NaN marks a step without a target (kept); infinity is no target at all
                if t.is_floating_point() and bool(t.isinf().any()):
                    steps = t.reshape(len(t), -1)  # (T_b, k)
                    step = int(steps.isinf().any(1).nonzero()[0])
                    value = steps[step][steps[step].isinf()][0].item()
                    raise ValueError(f"the per-step label of item {b} is {value} at step {step} ({int(t.isinf().sum())}"
                                     " infinite value(s) in it; a log of 0, or a division by 0?), which makes the "
                                     "whole loss infinite; give finite labels, or NaN where a step has none (a loss "
                                     "that reads them skips it)")
            _warn_ignored_labels(ys, ignore_index)
            y = pad_sequences(ys, padding_value=ignore_index, float_dtype=float_dtype)
        else:
            shapes = {tuple(t.shape) for t in ys}
            if len(shapes) != 1:
                raise ValueError(
                    f"per-sequence labels have different shapes {sorted(shapes)}; if they are per-step "
                    "labels, make each as long as its input, or pass labels='step'"
                )
            y = torch.stack(ys)
            if y.is_floating_point() and bool(y.isnan().any()):  # a NaN target makes the whole loss NaN
                b = int(y.reshape(len(ys), -1).isnan().any(1).nonzero()[0])
                raise ValueError(f"the label of item {b} is NaN; label every item, or drop the unlabelled ones")
            if y.is_floating_point() and bool(y.isinf().any()):  # and an infinite one infinite
                rows = y.reshape(len(ys), -1)  # (B, k)
                b = int(rows.isinf().any(1).nonzero()[0])
                value = rows[b][rows[b].isinf()][0].item()
                raise ValueError(f"the label of item {b} is {value} (a log of 0, or a division by 0?), which makes "
                                 "the whole loss infinite; give finite labels, or drop the item")
    return SequenceBatch._make((x, lengths, mask, y))  # mask is length_mask(lengths): nothing to check


def _warn_ignored_labels(ys: list[torch.Tensor], ignore_index: int) -> None:
    """Warn of integer per-step labels that hold a class id given as ``ignore_index`` (0 or more) at a real step:
    padded with it, those steps cannot be told from padding, and a loss given the same ``ignore_index``
    (``CrossEntropyLoss(ignore_index=0)``) skips every step of that class without a word. Warned, not refused:
    labels from 1 with 0 marking steps without a target (Keras' ``mask_zero``) mean it. A negative ``ignore_index``
    among the labels (-100 on steps without a target, as Hugging Face's labels mark them) is no class: quiet. Float
    targets are read by the mask, whatever value pads them, and so are one-hot or multi-hot rows ``(T, C)`` of 0
    and 1, whose 0 is no class id. The rule: an item's integer class ids, one or more per step, hold the
    ``ignore_index`` at a real step. Only these labels are compared, once, and the default -100 returns at once."""
    if ignore_index < 0:
        return
    for b, t in enumerate(ys):
        if t.is_floating_point() or t.is_complex():
            continue
        eq = t == ignore_index
        hits = eq.reshape(len(t), -1).any(1).nonzero()
        if len(hits) and t.dim() > 1 and ignore_index in (0, 1) and bool(((t == 0) | (t == 1)).all()):
            continue  # one-hot or multi-hot rows (T, C): 0 and 1 mark classes absent and present, no class ids
        if len(hits):
            warnings.warn(f"pad_collate: ignore_index={ignore_index} is also a label of item {b} (step {int(hits[0])};"
                          f" {int(eq.sum())} such value(s) in it), so a loss that ignores it skips "
                          f"those steps as padding, and its class is never learned; give an ignore_index no label "
                          f"takes (the default {IGNORE_INDEX}, which PyTorch's losses ignore), or, if those steps "
                          f"have no target, silence this with warnings.filterwarnings('ignore', '.*is also a label "
                          f"of item')", UserWarning, stacklevel=3)
            return


def padding_fraction(lengths: Sequence[int] | np.ndarray, batches: Sequence[Sequence[int]]) -> float:
    """Fraction of the padded ``(B, T)`` cells that are padding, summed over ``batches`` of item indices."""
    lengths = np.asarray(lengths)
    total = sum(len(b) * int(lengths[list(b)].max()) for b in batches)
    real = sum(int(lengths[list(b)].sum()) for b in batches)
    return 1.0 - real / total


def blank_tails(blank: Sequence[np.ndarray]) -> np.ndarray:
    """How many steps at the end of each sequence are blank, ``(n,)``: ``blank`` holds one ``(T_i,)`` bool array
    per sequence, True where a step looks like padding (0, or NaN, in every feature); a sequence blank throughout
    counts every step."""
    return np.array([len(b) - 1 - int(np.flatnonzero(~b)[-1]) if (~b).any() else len(b) for b in blank],
                    dtype=np.int64)


def blank_inside(blank: Sequence[np.ndarray], tails: np.ndarray) -> bool:
    """Whether a step other than the ``tails`` (:func:`blank_tails`) ending each sequence is blank, inside a
    sequence or at its start, or a sequence is blank throughout: such blanks are data, which padding after each
    sequence's end does not make."""
    return any(k == len(b) or b[: len(b) - k].any() for b, k in zip(blank, tails, strict=True))


def zero_padding(blank: Sequence[np.ndarray], *, strict: bool) -> tuple[np.ndarray, np.ndarray]:
    """The sequences of a rectangular ``X`` (every sequence ``T`` steps) that look padded with zeros after their
    end, and each sequence's trailing steps that are 0 in every feature (:func:`blank_tails`): ``(padded,
    tails)``, ``padded`` empty where ``X`` does not look padded. ``blank``: one ``(T,)`` bool array per sequence,
    True where a step is 0 in every feature.

    Either way some sequence must end in a step that is not all zeros (the longest, which nothing pads; when
    every sequence ends in zeros there is none, and the zeros are more likely data).

    ``strict=False`` (an npz ``X`` saved without ``lengths``, :func:`rnnkit.data.read_sequences`): a sequence is
    padded when it ends in two or more zero steps (a single one is common data) and in more than the longest run of
    zero steps inside any sequence (:func:`longest_blank_run`: where the data itself holds runs of zeros, counts or
    a sensor at rest, an end in as many is as likely data, and one sequence ending in a longer run is as likely the
    data's longest, so two are needed there); a sequence zero throughout counts only beside another (a sequence has
    at least one step, so it is never all padding).
    ``strict=True`` (an array ``X`` handed to the estimators): every sequence ending in zeros is padded, but only
    where their runs have at least two different lengths and no other step of any sequence is all zeros, nor a
    sequence zero throughout (:func:`blank_inside`).

    The two differ on purpose. The estimators check every array at every fit and predict, and arrays of
    equal-length data often end rows in zeros that are data (scikit-learn's digits read row by row, counts, a
    sensor at rest, several series stopping at the same time), which only ``list(X)`` would silence: they warn
    only where the zeros can hardly be anything else. An npz ``X`` without ``lengths`` is the file format's own
    case of padding left unsaid (its ``lengths`` record how many steps of each sequence are real), read once,
    and its warning names the one fix for either reading (save ``lengths``): it is warned of where padding is
    likely, zero steps inside a sequence or runs of one length included."""
    tails = blank_tails(blank)
    if not len(tails) or tails.min() > 0:
        padded = []
    elif strict:
        clear = len(set(tails.tolist()) - {0}) >= 2 and not blank_inside(blank, tails)
        padded = np.flatnonzero(tails) if clear else []
    else:
        inside = longest_blank_run(blank, tails)
        found = tails >= max(2, inside + 1)
        found_short = found & (tails < np.array([len(b) for b in blank]))  # not zero throughout
        padded = np.flatnonzero(found) if found_short.sum() >= (2 if inside else 1) else []
    return np.asarray(padded, dtype=np.int64), tails


def longest_blank_run(blank: Sequence[np.ndarray], tails: np.ndarray) -> int:
    """The longest run of blank steps inside the sequences, before the ``tails`` (:func:`blank_tails`) ending each,
    0 if none; sequences blank throughout are left out."""
    parts = [b[: len(b) - k] for b, k in zip(blank, tails, strict=True) if k < len(b)]
    if not parts:
        return 0
    flat = np.concatenate([np.append(part, False) for part in parts])  # a False between sequences ends each run
    counted = np.cumsum(flat)
    runs = counted - np.maximum.accumulate(np.where(flat, 0, counted))  # blank steps since the last non-blank one
    return int(runs.max())


def check_padding_noise(noise) -> float:
    """``noise`` as a float in ``[0, 1)``, or a ValueError naming it."""
    if isinstance(noise, bool) or not isinstance(noise, int | float | np.integer | np.floating) \
            or not 0 <= noise < 1:
        raise ValueError(f"padding_noise must be a number in [0, 1), a fraction of each length (e.g. 0.1), got "
                         f"{noise!r}")
    return float(noise)


def check_window_fraction(fraction, who: str = "crop", *, auto: bool = False) -> float | None:
    """``fraction`` as a float in ``(0, 1]``, None kept; a ValueError naming ``who`` otherwise (``auto``: the
    message names "auto" as allowed too, which the caller resolves)."""
    if fraction is None:
        return None
    if isinstance(fraction, bool) or not isinstance(fraction, int | float | np.integer | np.floating) \
            or not 0 < fraction <= 1:
        allowed = "'auto', None" if auto else "None"
        raise ValueError(f"{who} must be {allowed} or the fraction of each training sequence a window keeps, in "
                         f"(0, 1] (e.g. 0.9), got {fraction!r}")
    return float(fraction)


def take_windows(x: torch.Tensor, start: torch.Tensor, width: torch.Tensor) -> torch.Tensor:
    """Sequence ``i`` of the padded batch ``x`` ``(B, T, ...)`` read from step ``start[i]`` for ``width[i]``
    steps, padded with zeros after its end: ``(B, max(width), ...)``. The windows of window slicing, at training
    (:class:`rnnkit.training.RandomWindows`) and at prediction."""
    steps = torch.arange(int(width.max()))
    inside = steps[None, :] < width[:, None]  # (B, w)
    at = torch.where(inside, start[:, None] + steps[None, :], 0)  # (B, w): the steps read
    x = x[torch.arange(len(at))[:, None], at]  # (B, w, ...)
    return torch.where(inside.view(*inside.shape, *[1] * (x.dim() - 2)), x, torch.zeros((), dtype=x.dtype))


def window_width(lengths: np.ndarray, fraction: float) -> np.ndarray:
    """The steps a window of ``fraction`` of each length keeps: ``max(1, round(fraction * L))``."""
    return np.maximum(1, np.round(fraction * np.asarray(lengths))).astype(np.int64)


def length_buckets(order: np.ndarray, lengths: np.ndarray, batch_size: int, bucket_size: int, *,
                   noise: float = 0.0, rng: np.random.Generator | None = None) -> list[list[int]]:
    """Batches of similar lengths: the item indices ``order`` cut into buckets of ``bucket_size``, each bucket
    sorted by ``lengths[i]`` (stably: items of one length keep their order in ``order``) and cut into batches
    of ``batch_size``. Only a bucket's last batch can be short.

    ``noise > 0`` sorts by ``lengths[i] * (1 + u_i)`` instead, ``u_i ~ U(-noise, noise)`` drawn from ``rng``
    (AllenNLP's ``padding_noise``): items of nearly equal lengths change places, so a batch is not the same
    neighbours every epoch, for a little more padding."""
    key = lengths if not noise else lengths * (1.0 + rng.uniform(-noise, noise, len(lengths)))
    batches = []
    for start in range(0, len(order), bucket_size):
        bucket = order[start : start + bucket_size]
        bucket = bucket[np.argsort(key[bucket], kind="stable")]
        batches += [bucket[i : i + batch_size].tolist() for i in range(0, len(bucket), batch_size)]
    return batches


def _replicas(num_replicas, rank) -> tuple[int, int]:
    """``(num_replicas, rank)`` checked, each defaulting to ``torch.distributed``'s when a group is initialized."""
    group = torch.distributed.is_available() and torch.distributed.is_initialized()
    if num_replicas is None:
        num_replicas = torch.distributed.get_world_size() if group else 1
    if rank is None:
        rank = torch.distributed.get_rank() if group else 0
    if not is_count(num_replicas):
        raise ValueError(f"BucketBatchSampler: num_replicas must be an integer >= 1 (the processes of distributed "
                         f"training), got {num_replicas!r}")
    if not is_count(rank, 0) or rank >= num_replicas:
        raise ValueError(f"BucketBatchSampler: rank must be an integer in [0, {num_replicas}) (this process's rank "
                         f"among num_replicas={num_replicas}), got {rank!r}")
    return int(num_replicas), int(rank)


class BucketBatchSampler(Sampler[list[int]]):
    """Batches of indices of similar lengths, to cut padding; for ``DataLoader(batch_sampler=...)``.

    Each epoch: shuffle all indices, cut them into buckets of ``bucket_size`` items, sort each bucket by
    length, cut the sorted bucket into batches (:func:`length_buckets`), then shuffle the order of all
    batches. Sorting only within
    a bucket keeps some randomness in which items share a batch; the larger the bucket, the less padding
    and the less randomness (``bucket_size=len(lengths)`` is a full sort). With ``shuffle=False`` the
    order is the deterministic one of ``seed`` alone.

    The epoch's permutation comes from ``(seed, epoch)`` (as `rnnkit.training.LengthBuckets`' batch order: with
    ``seed + epoch`` the runs of seeds 0 and 1 would read the same batches an epoch apart). ``epoch`` advances by
    one as each iteration starts (at its first batch); call `set_epoch` to pin it (Lightning calls it every epoch,
    so a run resumed from a checkpoint reads the batches an uninterrupted one reads).

    Under distributed training each of the ``num_replicas`` processes reads its own share of every epoch:
    the epoch's permutation (the same in every process) padded by its first items to a multiple of
    ``num_replicas``, as ``DistributedSampler`` pads it, and every ``num_replicas``-th item of it from ``rank`` on;
    the share is then bucketed as above, so every process has the same number of batches, as DDP needs. Without
    the split each process would read every batch: an epoch of ``num_replicas`` times the work, each item seen
    that many times per epoch. ``num_replicas`` and ``rank`` default to ``torch.distributed``'s world size and rank
    when a process group is initialized (as ``DistributedSampler``'s do), else 1 and 0. Lightning cannot give its
    own sampler to this one: run its Trainer with ``use_distributed_sampler=False``, and the split is made here.

    Args:
        lengths: ``(N,)`` length of every item (datasets in `rnnkit.data` expose ``.lengths``).
        batch_size: items per batch.
        bucket_size: items per bucket, default ``50 * batch_size``.
        shuffle: shuffle items before bucketing and batches after.
        drop_last: drop batches smaller than ``batch_size`` (the last one of each bucket can be short;
            with the default ``bucket_size``, a multiple of ``batch_size``, only the final bucket's).
        seed: base seed of the permutation.
        padding_noise: sort each bucket by ``length * (1 + u)``, ``u ~ U(-padding_noise, padding_noise)`` drawn
            anew every epoch (AllenNLP's ``padding_noise``), so that a batch is not the same neighbours in
            length every epoch; 0 (default) sorts by the lengths themselves. Only with ``shuffle``.
        num_replicas: processes of distributed training that share the epoch (default: see above).
        rank: this process's rank in ``[0, num_replicas)``.
    """

    def __init__(
        self,
        lengths: Sequence[int] | np.ndarray,
        batch_size: int,
        *,
        bucket_size: int | None = None,
        shuffle: bool = True,
        drop_last: bool = False,
        seed: int = 0,
        padding_noise: float = 0.0,
        num_replicas: int | None = None,
        rank: int | None = None,
    ):
        if isinstance(lengths, Sampler):  # Lightning under DDP re-creates a batch sampler with its own sampler
            raise ValueError(f"BucketBatchSampler got a {type(lengths).__name__} where it takes the items' lengths "
                             "(Lightning under DDP gives a batch sampler its own sampler); run the Trainer with "
                             "use_distributed_sampler=False: BucketBatchSampler splits the epoch among the processes "
                             "itself (num_replicas and rank, read from torch.distributed)")
        if isinstance(getattr(lengths, "lengths", None), np.ndarray | torch.Tensor | list):  # a dataset
            raise ValueError(f"lengths must be the items' lengths, got a {type(lengths).__name__}; pass its "
                             f"lengths: BucketBatchSampler(dataset.lengths, batch_size)")
        if isinstance(lengths, torch.utils.data.Dataset):  # a split (Subset) has no .lengths; one's own dataset
            whole = getattr(lengths, "dataset", None)
            fix = ("np.asarray(split.dataset.lengths)[split.indices], the split's own (the whole dataset's lengths "
                   "would give indices of items the split does not hold)"
                   if isinstance(lengths, torch.utils.data.Subset) and hasattr(whole, "lengths") else
                   "[len(x) for x, _ in dataset]")
            raise ValueError(f"BucketBatchSampler: lengths must be the items' lengths, got a "
                             f"{type(lengths).__name__}{f' of a {type(whole).__name__}' if whole is not None else ''}; "
                             f"pass one length per item: {fix}")
        raw = lengths.detach().cpu().numpy() if isinstance(lengths, torch.Tensor) else np.asarray(lengths)
        if raw.ndim == 2 and raw.size and raw.dtype.kind in "biuf" and np.isin(raw, (0, 1)).all():
            count = "mask.sum(1)" if isinstance(lengths, torch.Tensor | np.ndarray) else "np.sum(mask, 1)"
            raise ValueError(f"BucketBatchSampler: lengths has shape {raw.shape} and holds only 0s and 1s: a (N, T) "
                             f"padding mask (1 on each item's steps), not the items' lengths; give one length per "
                             f"item, the mask's row sums: BucketBatchSampler({count}, batch_size) (or [len(x) for x, "
                             "_ in dataset])")
        if raw.ndim != 1 or len(raw) == 0:
            raise ValueError(f"lengths must be a non-empty 1-D sequence of item lengths, got shape {raw.shape}; give "
                             "one length per item ([len(x) for x, _ in dataset])")
        if raw.dtype.kind not in "iuf" or raw.dtype.kind == "f" and not (raw == np.round(raw)).all():
            bad = 0 if raw.dtype.kind not in "iuf" else int(np.flatnonzero(raw != np.round(raw))[0])
            raise ValueError(f"lengths must be whole numbers of steps; item {bad} has {raw[bad].item()!r}")
        self.lengths = raw.astype(np.int64)
        if (self.lengths < 1).any():  # an empty item cannot be batched (pad_collate refuses it mid-epoch)
            bad = int(np.flatnonzero(self.lengths < 1)[0])
            raise ValueError(f"item {bad} has length {self.lengths[bad]}; every item needs at least one step: drop "
                             "empty sequences from the dataset")
        for name, v in (("batch_size", batch_size), ("bucket_size", 1 if bucket_size is None else bucket_size)):
            if not is_count(v):
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        if not is_count(seed, 0):
            raise ValueError(f"seed must be an integer >= 0 (the epoch's permutation is drawn from (seed, epoch)), "
                             f"got {seed!r}")
        check_flags(shuffle=shuffle, drop_last=drop_last)
        self.padding_noise = check_padding_noise(padding_noise)
        self.num_replicas, self.rank = _replicas(num_replicas, rank)
        self.batch_size = int(batch_size)
        self.bucket_size = max(int(bucket_size or 50 * batch_size), self.batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self.epoch = 0
        if drop_last and len(self) == 0:  # every epoch would be empty: a DataLoader that yields nothing
            share = "" if self.num_replicas == 1 else f" (this process's share of {self._share_size()})"
            raise ValueError(f"drop_last=True with batch_size={self.batch_size} leaves no batch of the "
                             f"{len(self.lengths)} items{share} (every batch would be short); use a batch_size <= "
                             f"{self._share_size()}, or drop_last=False")

    def _share_size(self) -> int:
        """Items each process reads per epoch: ``ceil(N / num_replicas)``."""
        return -(-len(self.lengths) // self.num_replicas)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def batches(self) -> list[list[int]]:
        """The batches of the current epoch (does not advance the epoch)."""
        rng = np.random.default_rng((self.seed, self.epoch))
        n = len(self.lengths)
        order = rng.permutation(n) if self.shuffle else np.arange(n)
        if self.num_replicas > 1:  # padded by its first items, so that every process has ceil(N / R) of them
            order = np.resize(order, self._share_size() * self.num_replicas)[self.rank :: self.num_replicas]
        noise = self.padding_noise if self.shuffle else 0.0
        batches = length_buckets(order, self.lengths, self.batch_size, self.bucket_size, noise=noise, rng=rng)
        if self.drop_last:
            batches = [b for b in batches if len(b) == self.batch_size]
        if self.shuffle:
            batches = [batches[i] for i in rng.permutation(len(batches))]
        return batches

    def __iter__(self) -> Iterator[list[int]]:
        # A generator, so the epoch's batches are drawn at the first next(): a Lightning run resumed from a
        # checkpoint creates its first iterator before it calls set_epoch, and eager batches would be epoch 0's
        batches = self.batches()
        self.epoch += 1
        yield from batches

    def __len__(self) -> int:
        n, total = self._share_size(), 0
        for start in range(0, n, self.bucket_size):
            size = min(self.bucket_size, n - start)
            total += size // self.batch_size if self.drop_last else -(-size // self.batch_size)
        return total
