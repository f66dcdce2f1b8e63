"""Sample times of sequences, as GRU-D's decays read them (:class:`rnnkit.TimeAware`).

A time-aware model decays its inputs and state with ``delta``, the time since each feature was last observed
(Che et al. 2018, eq. 2). Without sample times ``delta`` counts steps. With them it is measured in a unit
learned at fit: the median gap between consecutive steps of the training sequences (:func:`time_unit`), so
that a regular grid reads as steps (``delta = 1`` between neighbours) and an uneven one as what it is (a gap
twice the usual is ``2``), whatever the times' own units.

Times are read per sequence (:func:`read_sample_times`) as numbers, dates (``datetime64``, pandas timestamps
with or without a time zone, periods) or durations (``timedelta64``); dates and durations are counted in
seconds. Each sequence's times are taken relative to its first step in float64 before they become float32, so
that epoch timestamps keep their second-level gaps.

=========  ==========================================================================================
``times``  read as
=========  ==========================================================================================
"index"    the index of X's own rows: the time level of a MultiIndex ``(instance, time)`` DataFrame, or
           each sequence's index when X is a list of DataFrames or Series
array      ``(n, T)``: row ``i`` holds sequence ``i``'s times (entries past its length are ignored)
list       one 1-D array-like per sequence (an array, a list, a Series of times, a DatetimeIndex, a list of
           Periods), each as long as its sequence
pandas     (read by the estimators) an ``(n, T)`` DataFrame or a Series of one array per instance, indexed by
           a DataFrame X's instances in X's order; a Series of one time per row of a MultiIndex X, on X's index
=========  ==========================================================================================

A Series of numbers on a time index (a sequence of X itself) is refused: its values would be read as the
times. Integer times (nanosecond epochs) are taken relative to their first exactly, before float64.
"""

from __future__ import annotations

import datetime
import decimal
import warnings

import numpy as np
import pandas as pd
import torch

from .tables import dates_as_numbers
from .timeseries import clock_times

SECONDS, NUMBERS = "seconds", "numbers"  # what a time counts: dates and durations in seconds, or plain numbers
_NUMBER = (int, float, np.integer, np.floating)  # a time that is a plain number (bools are refused)


def read_sample_times(times, X, lengths: np.ndarray, who: str, ids=None, blank_tails=None
                      ) -> tuple[np.ndarray, str]:
    """The times of X's steps, ``(n, T_max)`` float64, each row relative to its sequence's first time (0 at
    step 0; 0 past its length), and what they count (:data:`SECONDS` or :data:`NUMBERS`).

    ``lengths``: the sequences' lengths as X was read; ``ids`` the user's names of the sequences (for messages);
    ``blank_tails``: how many steps at the end of each sequence are NaN in every feature (an array X padded so,
    whose padding a time-aware model reads as steps), named where the times of those steps are refused.
    ValueError, naming the sequence and step, for a count of times other than the sequence's steps, a time
    missing (NaN, NaT), not finite, text, or not strictly increasing, and for sequences of different kinds of
    time (dates beside numbers); a warning for plain-number times in two units (sequences whose median gaps fall
    into two groups 100 times or more apart, milliseconds beside seconds)."""
    n = len(lengths)
    name = (lambda i: f"sequence {i} of X") if ids is None else (lambda i: f"sequence {_plain(ids[i])!r}")
    per_sequence = _per_sequence(times, X, n, who)
    out = np.zeros((n, int(max(lengths, default=0))), dtype=np.float64)
    kinds = []
    for i, (t, length) in enumerate(zip(per_sequence, lengths.tolist(), strict=True)):
        where = f"{who}: times of {name(i)}"
        values, kind = _as_numbers(t, where)
        if values.shape[0] < length or values.shape[0] > length and not isinstance(times, np.ndarray):
            raise ValueError(f"{where}: {values.shape[0]} times for its {length} steps; give one time per step")
        values = values[:length]  # an (n, T) array's row: the entries past the sequence's end are padding
        tail = 0 if blank_tails is None else int(blank_tails[i])
        bad = np.flatnonzero(~np.isfinite(values) | np.r_[False, np.diff(values) <= 0])
        if bad.size and 0 < tail < length and bad[0] >= length - tail:
            # X padded with NaN after the sequence's end, the times with what pads them: X's padding is read as
            # steps (NaN as missing values), which need times
            k = int(bad[0])
            raise ValueError(f"{where}: step {k} has {_given(t, values, k)!r}, after {_given(t, values, k - 1)!r} at "
                             f"step {k - 1}, and X's sequence is NaN in every feature from step {length - tail} on: "
                             f"padding? "
                             f"an array X is read as {length} steps in every sequence (time_aware=True reads NaN as "
                             f"missing values), its padding too; pass the sequences at their own lengths, e.g. "
                             f"[x[:n] for x, n in zip(X, lengths)], and the times past each one's end are ignored")
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            shown = _plain(_at(t, int(bad[0]))) if _indexable(t) else "NaN"
            raise ValueError(f"{where}: step {int(bad[0])} has no time ({shown}; {bad.size} in all); every step "
                             f"needs its time (a missing value goes in X as NaN, not in times)")
        back = np.flatnonzero(np.diff(values) <= 0)
        if back.size:
            k = int(back[0])
            shown = [_plain(_at(t, j)) if _indexable(t) else _plain(values[j]) for j in (k, k + 1)]
            raise ValueError(f"{where}: times must be strictly increasing, but step {k} has {shown[0]!r} and step "
                             f"{k + 1} has {shown[1]!r}; sort the steps by time, and drop or merge steps given the "
                             f"same time")
        out[i, :length] = values - values[0] if length else values
        kinds.append(kind)
    if len(set(kinds)) > 1:
        a, b = kinds.index(SECONDS), kinds.index(NUMBERS)
        raise ValueError(f"{who}: times of {name(a)} are dates or durations, but times of {name(b)} are plain "
                         f"numbers; give every sequence's times alike")
    if kinds and kinds[0] == NUMBERS:
        given = [np.asarray(t, dtype=np.float64)[:length] for t, length in zip(per_sequence, lengths.tolist(),
                                                                                strict=True)]
        # 20200131, 20200201: days as numbers, a gap of 70 where the day before is 1 (every sequence's distinct
        # times together: a short sequence alone may read as dates by chance)
        if said := dates_as_numbers(np.unique(np.concatenate(given)), "times",
                                    subject=f"{who}: the times", spelt="pd.Series(t).astype(int)"):
            raise ValueError(f"{said} for each sequence's times t")
        _warn_two_units(out, lengths, who, name)
    return out, kinds[0] if kinds else NUMBERS


def _warn_two_units(relative: np.ndarray, lengths: np.ndarray, who: str, name) -> None:
    """Warn where plain-number times fall into two groups of median gaps 100 times or more apart (epoch
    milliseconds beside seconds, from two devices or two exports): the decays read every gap in one unit, the
    median gap of all, so one group's would read a thousand times too long or too short. Dates carry their unit,
    and are not told."""
    gaps = {i: float(np.median(np.diff(row[:n]))) for i, (row, n) in enumerate(zip(relative, lengths.tolist(),
                                                                                    strict=True)) if n > 1}
    if len(gaps) < 2:
        return
    order = sorted(gaps, key=gaps.get)
    ratios = [gaps[b] / gaps[a] for a, b in zip(order, order[1:], strict=False)]
    k = int(np.argmax(ratios))
    if ratios[k] < 100:
        return
    low, high = order[: k + 1], order[k + 1:]
    a, b = low[-1], high[0]
    warnings.warn(f"{who}: the sequences' times fall into two groups whose median gaps are {ratios[k]:.0f} times "
                  f"apart ({len(low)} sequence(s) of gaps up to {gaps[a]:g}, as {name(a)}; {len(high)} of gaps from "
                  f"{gaps[b]:g}, as {name(b)}): times in two units (milliseconds beside seconds)? the decays read "
                  f"every gap in one unit, the median gap of all, so one group's gaps would read {ratios[k]:.0f} "
                  f"times too long or too short; give every sequence's times in one unit (e.g. t / 1000 for "
                  f"milliseconds)", UserWarning, stacklevel=3)


def time_unit(relative: np.ndarray, lengths: np.ndarray) -> float:
    """The unit of ``delta``: the median gap between consecutive steps over all sequences (1 when no sequence
    has two steps), so that a model fitted on a regular grid reads it as steps."""
    gaps = [np.diff(row[:n]) for row, n in zip(relative, lengths.tolist(), strict=True) if n > 1]
    gaps = np.concatenate(gaps) if gaps else np.empty(0)
    return float(np.median(gaps)) if gaps.size else 1.0


def times_tensor(relative: np.ndarray, lengths: np.ndarray, unit: float) -> torch.Tensor:
    """``(n, T)`` float32 times in ``unit``, as :func:`rnnkit.time_aware_inputs` reads them: each sequence's
    padding continues past its end a unit per step (the layer's lengths leave those steps out)."""
    t = relative / unit
    steps = np.arange(t.shape[1])
    for i, n in enumerate(lengths.tolist()):
        last = t[i, n - 1] if n else 0.0
        t[i, n:] = last + (steps[n:] - n + 1)
    return torch.from_numpy(t.astype(np.float32))


def check_time_scale(relative: np.ndarray, lengths: np.ndarray, unit: float, who: str) -> str | None:
    """A warning's text when the median gap of ``relative`` is 10 times or more away from the fitted ``unit``
    (times in other units than at fit: milliseconds for seconds); None otherwise."""
    gap = time_unit(relative, lengths)
    if not any(n > 1 for n in lengths.tolist()) or 0.1 < gap / unit < 10:
        return None
    return (f"{who}: the median gap between steps of these times is {gap:g}, but {unit:g} at fit ({gap / unit:g} "
            f"times as much); the decays read each gap in units of the fitted one: times in other units than at "
            f"fit? give them as at fit")


def _per_sequence(times, X, n: int, who: str) -> list:
    if isinstance(times, str):
        if times != "index":
            frame = X.to_frame() if isinstance(X, pd.Series) else X
            levels = list(frame.index.names) if isinstance(frame, pd.DataFrame) else []
            columns = list(frame.columns) if isinstance(frame, pd.DataFrame) else []
            hint = ("; it names X's time level: pass times='index'" if times in levels[1:] else
                    f"; it names a column of X: pass its values, times=X[{times!r}] (a Series on X's index), and drop "
                    f"it from X's features" if times in columns else "")
            raise ValueError(f"{who}: times={times!r} is not understood; give 'index' (X's own time index), an "
                             f"(n, T) array, or a list of one array of times per sequence{hint}")
        return _index_times(X, n, who)
    if isinstance(times, torch.Tensor):
        times = times.detach().cpu().numpy()
    if isinstance(times, pd.DataFrame):
        times = times.to_numpy()
    if isinstance(times, np.ndarray) and times.dtype != object:
        if times.ndim == 1 and n == 1:
            times = times[None]
        if times.ndim != 2:
            tile = f"; the same times for every sequence? pass np.tile(times, ({n}, 1))"
            hint = (_per_row_hint(X, len(times)) or tile) if times.ndim == 1 else ""
            if times.ndim == 3 and len(times) == n and 1 in times.shape[1:]:  # shaped as X, of one channel
                axis = "times[:, 0]" if times.shape[1] == 1 else "times[:, :, 0]"
                hint = (f"; shaped as X ({'(n, channels, T)' if times.shape[1] == 1 else '(n, T, F)'}) with one "
                        f"{'channel' if times.shape[1] == 1 else 'feature'}? a time is a step's, shared by its "
                        f"features: pass {axis}")
            raise ValueError(f"{who}: times must be an (n, T) array (a row of times per sequence), got shape "
                             f"{times.shape}{hint}")
        if len(times) != n:
            raise ValueError(f"{who}: times has {len(times)} rows but X has {n} sequences; give a row of times per "
                             f"sequence")
        return list(times)
    if isinstance(times, pd.Series | pd.Index) or not isinstance(times, list | tuple | np.ndarray):
        hint = (_grid_hint(n) if isinstance(times, pd.Series | pd.Index) and _flat(times) else
                "; for one sequence pass [times]" if isinstance(times, pd.Series | pd.Index) else
                "; times by sequence id? pass a list in X's order, [times[i] for i in ids]" if isinstance(times, dict)
                else "; pass list(times)" if hasattr(times, "__next__") else "")
        raise ValueError(f"{who}: times must be 'index', an (n, T) array, or a list of one array of times per "
                         f"sequence, got {type(times).__name__}{hint}")
    if (len(times) != n or n > 1) and _flat(times) and not _per_row_hint(X, len(times)):
        # one grid for all (times=list(grid)): each of its times would be read as a sequence's
        shown = _plain(next(iter(times)))
        raise ValueError(f"{who}: times is a flat {type(times).__name__} of {len(times)} times (the first "
                         f"{shown!r}), not one array of times per sequence (X has {n}){_grid_hint(n)}")
    if len(times) != n:
        raise ValueError(f"{who}: times has {len(times)} entries but X has {n} sequences; give one array of times "
                         f"per sequence{_per_row_hint(X, len(times))}")
    return list(times)


def _flat(times) -> bool:
    """Whether ``times`` holds single times (one grid), not one array of times per sequence."""
    values = list(times)
    return bool(values) and all(np.ndim(v) == 0 and not isinstance(v, pd.Index | pd.Series) for v in values)


def _grid_hint(n: int) -> str:
    """The fix for one grid of times given for all ``n`` sequences."""
    return ("; for one sequence pass [times]" if n == 1 else
            f"; the same times for every sequence? pass [times] * {n} (each sequence as long as the grid)")


def _per_row_hint(X, count: int) -> str:
    """The fix for flat times of one entry per row of a MultiIndex ``(instance, time)`` X (``list(df["t"])``)."""
    if not (isinstance(X, pd.DataFrame | pd.Series) and isinstance(X.index, pd.MultiIndex) and count == len(X)):
        return ""
    return (f"; one time per row of X ({count} rows)? give them on X's index, pd.Series(times, index=X.index), or "
            f"times='index' if they are X's time level")


def _index_times(X, n: int, who: str) -> list:
    """times="index": each sequence's times from X's own index."""
    if isinstance(X, pd.Series) and isinstance(X.index, pd.MultiIndex):
        X = X.to_frame()
    if isinstance(X, pd.DataFrame) and isinstance(X.index, pd.MultiIndex):
        return [group.index.get_level_values(1) for _, group in X.groupby(level=0, sort=False)]
    if isinstance(X, list | tuple) and all(isinstance(s, pd.DataFrame | pd.Series) for s in X):
        for i, s in enumerate(X):
            if not _orders_time(s.index):
                raise ValueError(f"{who}: times='index', but sequence {i} of X has an index of "
                                 f"{s.index.dtype} (e.g. {_plain(s.index[0]) if len(s.index) else None!r}), not "
                                 f"times; set its time index (s.set_index('time')), or pass the times")
        return [s.index for s in X]
    raise ValueError(f"{who}: times='index' reads the time index of a MultiIndex (instance, time) DataFrame X, or "
                     f"of each DataFrame in a list X; X is a {type(X).__name__}: pass the times as an (n, T) array "
                     f"or a list of one array per sequence")


def _orders_time(index: pd.Index) -> bool:
    if isinstance(index, pd.RangeIndex):
        return False  # row numbers, not times
    return (pd.api.types.is_numeric_dtype(index) and not pd.api.types.is_bool_dtype(index)
            or isinstance(index, pd.DatetimeIndex | pd.PeriodIndex | pd.TimedeltaIndex))


def _as_numbers(t, where: str) -> tuple[np.ndarray, str]:
    """One sequence's times as float64 (seconds since its first time for dates and durations; numbers as given,
    integers less their first, exactly: nanosecond epochs of 1.7e18 are 256 apart as float64), and what they
    count."""
    if isinstance(t, pd.Series) and isinstance(t.index, pd.DatetimeIndex | pd.PeriodIndex | pd.TimedeltaIndex) \
            and pd.api.types.is_numeric_dtype(t.dtype):
        # a sequence of X itself (its values on its time index), or values beside their times: the values would
        # be read as the times
        raise ValueError(f"{where}: is a Series of {t.dtype} values on a {type(t.index).__name__}, and a Series' "
                         f"values are read as the times, not its index; if the times are its index, pass s.index "
                         f"(e.g. times=[s.index for s in series]; or X as these Series and times='index'); if they "
                         f"are its values, pass s.to_numpy()")
    if isinstance(t, list | tuple | np.ndarray) and len(t) and all(isinstance(v, pd.Period) for v in list(t)):
        try:  # periods as objects (list(period_index), an object array of them): as a PeriodIndex is read
            t = pd.PeriodIndex(list(t))
        except (TypeError, ValueError) as e:
            raise ValueError(f"{where}: periods of more than one frequency ({e}); give them one frequency, e.g. "
                             f"[p.asfreq('D') for p in times]") from e
    if isinstance(t, pd.PeriodIndex | pd.Series) and isinstance(t.dtype, pd.PeriodDtype):
        t = pd.PeriodIndex(t).to_timestamp()
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().numpy()
    if isinstance(t, pd.DatetimeIndex | pd.TimedeltaIndex | pd.Series | pd.Index):
        index = pd.Index(t)
        if isinstance(index, pd.DatetimeIndex):
            return _seconds(index.tz_convert("UTC").tz_localize(None) if index.tz is not None else index), SECONDS
        if isinstance(index, pd.TimedeltaIndex):
            return _seconds(index), SECONDS
        t = index.to_numpy()
    if isinstance(t, list | tuple) or isinstance(t, np.ndarray) and t.dtype == object and t.ndim == 1:
        values = list(t)
        if any(isinstance(v, decimal.Decimal) for v in values):
            return _decimal_seconds(values, where), NUMBERS
        narrow = [v.dtype for v in values if isinstance(v, np.floating) and v.dtype.itemsize < 8]
        if narrow and len(values) > 1 and all(isinstance(v, _NUMBER) and not isinstance(v, bool) for v in values):
            # np.float32 scalars beside floats: numpy makes float64 of them, their gaps already rounded
            _check_float_resolution(np.array([float(v) for v in values]), where, min(narrow, key=lambda d: d.itemsize))
    a = np.asarray(t)
    if a.ndim != 1:
        hint = ""
        if a.ndim == 2 and a.shape[1] == 1:  # df[["t"]], or a column vector
            hint = (f"; a DataFrame of one column? pass its column, df[{t.columns[0]!r}]" if isinstance(t, pd.DataFrame)
                    else "; a column of one time per step? pass it flat, t[:, 0] (or t.ravel())")
        raise ValueError(f"{where}: must be one time per step (1-D), got shape {a.shape}{hint}")
    if a.dtype.kind == "M":
        return _seconds(pd.DatetimeIndex(a)), SECONDS
    if a.dtype.kind == "m":
        return _seconds(pd.TimedeltaIndex(a)), SECONDS
    if a.dtype.kind in "iu" and a.size:  # less the first in integers: exact, where float64 would round epochs
        first = int(a[0])
        return np.array([int(v) - first for v in a.tolist()], dtype=np.float64), NUMBERS
    if a.dtype.kind == "f" and a.dtype.itemsize < 8 and a.size > 1:
        _check_float_resolution(a, where, a.dtype)
    if a.dtype.kind in "iuf":
        return a.astype(np.float64), NUMBERS
    if a.dtype == object and a.size and all(isinstance(v, datetime.date) for v in a.tolist()):  # datetimes too
        zones = [getattr(v, "tzinfo", None) is not None for v in a.tolist()]  # a datetime.date has no zone
        if len(set(zones)) > 1:  # pd.to_datetime(utc=True) would read the naive ones as UTC
            k, j = zones.index(True), zones.index(False)
            raise ValueError(f"{where}: step {k} has a date with a time zone ({_plain(a[k])!r}) and step {j} one "
                             f"without ({_plain(a[j])!r}), which would be read as UTC; give every time of a "
                             f"sequence alike: localize the naive ones to their zone (e.g. "
                             f"pd.Timestamp(t).tz_localize('Europe/Paris')) or give all in UTC")
        try:
            return _seconds(pd.DatetimeIndex(pd.to_datetime(a.tolist(), utc=True)).tz_localize(None)), SECONDS
        except (TypeError, ValueError) as e:
            raise ValueError(f"{where}: dates that do not read as one kind of timestamp ({e})") from e
    if a.dtype == object and a.size and all(isinstance(v, _NUMBER) or v is None or v is pd.NA for v in a.tolist()) \
            and not all(v is None or v is pd.NA for v in a.tolist()):  # numbers, some missing (a NULL, pd.NA)
        return np.array([np.nan if v is None or v is pd.NA else v for v in a.tolist()], dtype=np.float64), NUMBERS
    if (clock := clock_times(a.tolist(), "pd.Series(t)", "step")) is not None:  # '09:30', datetime.time: no day
        first, dated, elapsed = clock
        raise ValueError(f"{where}: are times of day without their date ({first!r}, ...), which past midnight go "
                         f"back; give them their date, {dated}, with the day the first was taken, or, for "
                         f"times elapsed, durations: {elapsed} (H:MM:SS); t each sequence's times")
    shown = next((v for v in a.tolist() if not isinstance(v, _NUMBER)), a.flat[0] if a.size else None)
    raise ValueError(f"{where}: are {a.dtype} values (e.g. {_plain(shown)!r}), not numbers, dates or durations; "
                     f"parse them (pd.to_datetime for dates, pd.to_numeric for numbers)")


def _check_float_resolution(a: np.ndarray, where: str, dtype: np.dtype) -> None:
    """Refuse times of a narrow float ``dtype`` (float32, float16) too large for their gaps: near 1.7e9 (epoch
    seconds) float32 values are 128 apart, so gaps of a minute collapse to 0 and gaps of minutes are rounded to
    128 s. ``a``: the times as given (float64 where they mix float32 scalars with Python floats)."""
    with np.errstate(over="ignore", invalid="ignore"):
        finite = a[np.isfinite(a)]
        if finite.size < 2:
            return
        spacing = float(np.spacing(np.abs(finite).max().astype(dtype)))
        gaps = np.diff(finite.astype(np.float64))
        gaps = np.abs(gaps[gaps != 0])
    if gaps.size and spacing * 100 <= float(np.median(gaps)):
        return  # fine enough: the gaps are read to 1 %
    raise ValueError(f"{where}: are {dtype} values as large as {float(np.abs(finite).max()):g}, where {dtype} "
                     f"numbers are {spacing:g} apart, so the gaps between steps are rounded (or read as 0); give the "
                     f"times as float64 or int64 (times.astype('float64'), as read before the cast), or relative to "
                     f"the first step")


def _decimal_seconds(values: list, where: str) -> np.ndarray:
    """Times given as ``decimal.Decimal`` (a database's NUMERIC column), with or beside other numbers, as float64
    relative to the first, subtracted exactly in decimal (as integers are); NaN for a NaN. ValueError for a
    value that is not a number or whose distance from the first lies beyond float64's range."""
    bad = next((v for v in values if not isinstance(v, _NUMBER + (decimal.Decimal,)) or isinstance(v, bool)), None)
    if bad is not None:
        raise ValueError(f"{where}: are object values (e.g. {_plain(bad)!r}) beside decimal numbers, not numbers; "
                         f"give every time as a number")
    with decimal.localcontext() as context:
        context.prec, context.traps[decimal.InvalidOperation] = 80, False
        exact = [v if isinstance(v, decimal.Decimal) else decimal.Decimal(_plain(v)) for v in values]
        first = next((v for v in exact if v.is_finite()), decimal.Decimal(0))
        out = np.array([float(v - first) if not v.is_nan() else np.nan for v in exact])
    far = [k for k, (v, d) in enumerate(zip(exact, out, strict=True)) if v.is_finite() and not np.isfinite(d)]
    if far:
        raise ValueError(f"{where}: step {far[0]} has {exact[far[0]]!r}, whose distance from the first step lies "
                         f"beyond float64's range (1.8e308); give the times in a unit that keeps them within it")
    return out


def _seconds(index: pd.DatetimeIndex | pd.TimedeltaIndex) -> np.ndarray:
    """Seconds since the first entry, float64 (NaT as NaN), from exact integers in the index's own unit (dates past
    2262, beyond nanoseconds' range, are read in microseconds)."""
    ticks = index.asi8
    per_second = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[index.unit]
    missing = np.asarray(index.isna())
    first = int(ticks[~missing][0]) if (~missing).any() else 0
    if (~missing).any() and max(abs(int(ticks[~missing].max()) - first), abs(int(ticks[~missing].min()) - first)) \
            >= 2**63:  # nanoseconds of 1800 and 2100: their difference wraps around in int64
        out = np.array([float(int(v) - first) for v in ticks.tolist()]) / per_second
    else:
        out = (ticks - first).astype(np.float64) / per_second
    out[missing] = np.nan
    return out


def _given(t, values: np.ndarray, k: int):
    """Step ``k``'s time as the user gave it (its number when ``t`` cannot be indexed)."""
    return _plain(_at(t, k)) if _indexable(t) else _plain(values[k])


def _indexable(t) -> bool:
    return isinstance(t, np.ndarray | list | tuple | pd.Index | pd.Series | pd.api.extensions.ExtensionArray)


def _at(t, k: int):
    """Step ``k`` of ``t`` as given: a nullable ``Int64`` Series' ``pd.NA`` stays ``<NA>`` (numpy would make NaN of
    it)."""
    if isinstance(t, pd.Series):
        return t.iloc[k]
    return t[k] if isinstance(t, pd.Index | pd.api.extensions.ExtensionArray) else np.asarray(t)[k]


def _plain(v):
    return v.item() if isinstance(v, np.generic) else v
