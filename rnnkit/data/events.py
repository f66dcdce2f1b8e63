"""Event logs as sequences: sessions, an event vocabulary, a Δt channel, and a synthetic log generator.

An event log is a pandas frame with one row per event and (by default) the columns ``user``,
``timestamp`` (datetime64 or seconds as numbers) and ``event`` (a category name). `sessionize` sorts it,
cuts each user's events into sessions wherever the inactivity gap exceeds ``gap``, and adds two columns:
``session`` (int64 id) and ``dt`` (seconds since the previous event of the same session; 0 for the first).
`EventSessions` turns sessions into items ``({"event": (T,) int64, "dt": (T,) float32}, y)`` for
`pad_collate`, which pads them to a dict of ``(B, T)`` tensors.

No real event logs ship offline. `synthetic_event_log` generates logs from a documented state machine
(`SHOP_MACHINE`, a web shop) with injected anomalies, for DeepLog-style evaluation (Du et al. 2017): a
model of next events trained on normal sessions should find the injected events improbable. The data is
synthetic; results on it say nothing about any real system.
"""

from __future__ import annotations

import contextlib
import datetime
import re
import warnings

import numpy as np
import pandas as pd
import torch
from torch.utils.data import Dataset

from ..checks import check_flags, is_count, is_finite_number, meant_name
from .sample_times import _check_float_resolution
from .tables import _EXCEL_DAYS, _SPREADSHEET_EPOCH, mixed_epoch_units
from .text import Vocab


def sessionize(
    df: pd.DataFrame,
    *,
    user: str = "user",
    time: str = "timestamp",
    gap: float | pd.Timedelta = 1800.0,
) -> pd.DataFrame:
    """Sort by (user, time) and split each user's events into sessions at inactivity gaps.

    A new session starts at a user's first event and at every event more than ``gap`` after the previous
    one (``gap`` in seconds, or a Timedelta; 30 minutes by default, the web-analytics convention). Events at one
    time keep the rows' order, or, where a user's rows go back in time (a log sampled or shuffled), their index's
    order where it agrees with time order (a log's read from its file, which ``df.sample`` keeps), or the rows'
    order reversed where every user's rows run newest first (an export that lists the latest events first), with a
    warning: the data cannot tell whether its ties were reversed with the rows.

    Returns:
        a sorted copy with int64 ``session`` (0, 1, ... in sorted order) and float64 ``dt`` in seconds.

    Raises ValueError for a missing user or time, a time column that is neither numbers (seconds), dates nor
    durations (text must be parsed first; times with and without a zone, mixed, are named with the two ways that
    make them instants), an infinite time, numbers too large to be seconds (epoch milliseconds and finer: parse them
    with ``pd.to_datetime(..., unit="ms")``; Unix times in two units, seconds on some rows and milliseconds on
    others, as logs joined from two sources hold them, are named with the rewrite into one), float32 or float16
    times too large for their gaps (epoch seconds in float32 are 128 s apart), and a ``gap`` that is not > 0. A
    ``gap`` number of 1 to 120 that cuts the log into sessions mostly of one event, twice as many or more as as many
    minutes would, is warned of (30 meant as 30 minutes).
    """
    missing = {arg: c for arg, c in (("user", user), ("time", time)) if c not in df.columns}
    if missing:
        meant = {arg: _meant_column(df, c, arg) for arg, c in missing.items()}
        given = {"user": user, "time": time} | {arg: c for arg, c in meant.items() if c is not None}
        fix = (f"name them: sessionize(df, user={given['user']!r}, time={given['time']!r})"
               if all(c is not None for c in meant.values()) else "name them with user=..., time=...")
        raise ValueError(f"sessionize: the event log lacks columns {list(missing.values())}; it has "
                         f"{list(df.columns)}; {fix}")
    _check_unique_columns(df)
    _refuse_empty(df, "sessionize")
    _check_header_rows(df, user, time)
    if df[time].isna().any():
        n = int(df[time].isna().sum())
        raise ValueError(f"column {time!r} has {n} missing timestamps; drop or fill them")
    if df[user].isna().any():  # sorted last, and NaN != NaN: every such event would be a session of its own
        rows = np.flatnonzero(df[user].isna())
        raise ValueError(f"column {user!r} has {len(rows)} missing users (first at row {int(rows[0])}); drop or "
                         f"fill them")
    _check_one_spelling(df[user], user)
    _warn_number_spellings(df[user], user, "user")
    _check_blank_ids(df[user], user, "user")
    _check_spaced_ids(df[user], user, "user")
    # pd.Timedelta is a datetime.timedelta; numpy's timedelta64 is neither, and means a duration too
    gap_s = pd.Timedelta(gap) / pd.Timedelta(seconds=1) if isinstance(gap, datetime.timedelta | np.timedelta64) else gap
    if not (isinstance(gap_s, int | float | np.integer | np.floating) and not isinstance(gap_s, bool)
            and gap_s > 0):  # NaN would never split, a negative gap always
        fix = ""
        if isinstance(gap, str):  # '30min', '1h': a Timedelta's text; '1800': a number's
            with contextlib.suppress(ValueError):
                if pd.Timedelta(gap) > pd.Timedelta(0):
                    fix = f"; pass gap=pd.Timedelta({gap!r}) ({pd.Timedelta(gap)})"
            with contextlib.suppress(ValueError):
                if float(gap) > 0:
                    fix = f"; pass the number: gap={float(gap):g}"
        raise ValueError(f"gap must be a number of seconds > 0 or a pd.Timedelta, got {gap!r}{fix}")
    column = df[time]
    if not (pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column)
            or pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)):
        first = column.iloc[0]
        if isinstance(column.dtype, pd.PeriodDtype):  # periods are spans, not instants: their starts are
            fix = f"take each period's start: df[{time!r}] = df[{time!r}].dt.to_timestamp()"
        elif isinstance(first, datetime.time):  # pd.to_datetime refuses times of day: they name no day
            fix = (f"the column holds datetime.time objects, times of day without a date, which pd.to_datetime "
                   f"does not read; {_time_of_day_fix(time)}")
        elif isinstance(first, datetime.date):  # a datetime or Timestamp too, kept as Python objects
            fix = (f"the column holds {type(first).__name__} objects, not a column of dates: convert it with "
                   f"pd.to_datetime(df[{time!r}])")
        else:
            fix = f"parse text with {_parse_advice(column, time)}"
        try:
            with warnings.catch_warnings():  # pandas' own advice on day-first dates: the message below gives it
                warnings.simplefilter("ignore", UserWarning)
                pd.to_datetime(column)
        except (ValueError, TypeError) as e:  # several UTC offsets or zones: pandas parses them only as UTC
            if mixed := _naive_and_zoned(column):
                fix = _zone_fix(column, time, *mixed)
            elif "utc=True" in str(e):
                fix = (f"its dates are in several time zones or UTC offsets, so make them one: "
                       f"pd.to_datetime(df[{time!r}], utc=True) (the same instants, in UTC)")
        raise ValueError(f"column {time!r} has type {column.dtype} (e.g. {column.iloc[0]!r}); expected numbers "
                         f"(seconds) or dates: {fix}")
    narrow = getattr(column.dtype, "numpy_dtype", column.dtype)  # Float32's numpy dtype
    if isinstance(narrow, np.dtype) and narrow.kind == "f" and narrow.itemsize < 8:
        # float32 epoch seconds are 128 s apart: gaps of a minute would be read as 0, and sessions cut by the rounding
        _check_float_resolution(column.to_numpy(np.float64, na_value=np.nan), f"the times of column {time!r}", narrow)
        df = df.assign(**{time: column.astype(np.float64)})  # exact; pandas cannot sort a float16 column
    if pd.api.types.is_timedelta64_dtype(column):
        _check_past_midnight(df, user, time)
    out = _order_by_time(df, time, user).reset_index(drop=True)
    t = out[time]
    temporal = pd.api.types.is_datetime64_any_dtype(t) or pd.api.types.is_timedelta64_dtype(t)
    seconds = ((t - t.min()) / pd.Timedelta(seconds=1) if temporal else t.astype(np.float64)).to_numpy(np.float64)
    if not np.isfinite(seconds).all():
        row = int(np.flatnonzero(~np.isfinite(seconds))[0])  # a row of the sorted log: show the value, not it
        raise ValueError(f"column {time!r} holds an infinite time ({t.iloc[row]}); give every event a finite time")
    if not temporal and np.abs(seconds).max() >= _EPOCH_SECONDS_BEYOND:
        raw = df[time].to_numpy(np.float64)
        if said := mixed_epoch_units(raw, f"df[{time!r}]", lambda row: f"{raw[row]:.0f} at row {row}"):
            # every number read as milliseconds (the advice below) would put the rows in seconds in January 1970
            raise ValueError(f"column {time!r} {said} (numbers are read as seconds)")
        big = float(np.abs(seconds).max())
        unit = "ms" if big < 1e14 else "us" if big < 1e17 else "ns"
        name = {"ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}[unit]
        raise ValueError(f"column {time!r} holds numbers up to {big:.0f}, which as seconds (how numbers are read) "
                         f"would be {big / 31_557_600:,.0f} years: epoch {name}? gaps and dt would be off by that "
                         f"factor; convert them: df[{time!r}] = pd.to_datetime(df[{time!r}], unit={unit!r})")
    if not temporal and len(seconds) and _EXCEL_DAYS[0] <= seconds.min() and seconds.max() <= _EXCEL_DAYS[1]:
        _warn_excel_days(seconds, time, gap_s)
    users = out[user].to_numpy()
    if not temporal and len(seconds):
        _warn_unix_fractions(seconds, users, time, gap_s)
    _warn_repeated_rows(df)
    gap_s = float(gap_s)
    delta = np.diff(seconds, prepend=seconds[0])
    new = np.ones(len(out), dtype=bool)
    new[1:] = (users[1:] != users[:-1]) | (delta[1:] > gap_s)
    if not isinstance(gap, datetime.timedelta | np.timedelta64):
        _warn_gap_in_minutes(gap_s, new, users, delta)
    out["session"] = np.cumsum(new).astype(np.int64) - 1
    out["dt"] = np.where(new, 0.0, delta)
    return out


def _meant_column(df: pd.DataFrame, name: str, what: str) -> str | None:
    """The column of ``df`` that a missing column ``name`` (of the events' ``what``: user, time or event) most likely
    is: the one name of it in another case or with spaces around it, a close spelling, the one column whose name holds
    it (``user_id`` for ``user``), or, for times, the one column of dates; None when none is."""
    columns = [c for c in df.columns if isinstance(c, str)]
    if (meant := meant_name(name, columns, only=True)) is not None:
        return meant
    holding = [c for c in columns if str(name).lower() in c.lower()]
    dated = [c for c in df.columns if what == "time" and (pd.api.types.is_datetime64_any_dtype(df[c])
                                                          or pd.api.types.is_timedelta64_dtype(df[c]))]
    for found in (holding, dated):
        if len(found) == 1:
            return found[0]
    return None


def _warn_gap_in_minutes(gap_s: float, new: np.ndarray, users: np.ndarray, delta: np.ndarray) -> None:
    """Warn where a ``gap`` given as a number is a count of minutes read as seconds: a whole number of 1 to 120 (30
    for the 30 minutes of the web-analytics convention) that cuts the log into 10 sessions or more, mostly of one
    event, twice as many or more as the same number of minutes would give. A log whose events come seconds apart,
    cut at 30 s, says nothing (its sessions hold several events)."""
    if not (1 <= gap_s <= 120 and float(gap_s).is_integer()) or len(new) < 2:
        return
    starts = np.flatnonzero(new)
    singles = int((np.diff(np.append(starts, len(new))) == 1).sum())
    as_minutes = 1 + int(((users[1:] != users[:-1]) | (delta[1:] > 60 * gap_s)).sum())
    if len(starts) < 10 or 2 * singles < len(starts) or len(starts) < 2 * as_minutes:  # a few: no pattern
        return
    g = int(gap_s)
    warnings.warn(f"sessionize: gap={g} is read as {g} seconds, and cuts the log into {len(starts)} sessions, "
                  f"{singles} of them of a single event; read as {g} minutes it would give {as_minutes}: if you meant "
                  f"minutes, pass gap={60 * g} (seconds) or gap=pd.Timedelta(minutes={g}); if seconds, silence this "
                  "with warnings.filterwarnings('ignore', '.*is read as .* seconds')", UserWarning, stacklevel=3)


def _warn_excel_days(seconds: np.ndarray, time: str, gap_s: float) -> None:
    """Warn of numeric times that read as Excel serial dates (days since 1899-12-30, within 1970 .. 2100): with
    fractions (a time of day), or whole and spanning at most ten years of days (a log of a day's resolution, 45292
    for 2024-01-01); seconds of a day's clock, as whole numbers in that range, span hours (ten thousands) instead."""
    fractional = np.flatnonzero(seconds % 1 != 0)
    if not fractional.size and seconds.max() - seconds.min() > _EXCEL_DAYS_SPAN:
        return
    first = float(seconds[fractional[0]] if fractional.size else seconds.min())
    shown = (_SPREADSHEET_EPOCH + pd.Timedelta(days=first)).round("s")
    held = (f"numbers from {seconds.min():.10g} to {seconds.max():.10g} with fractions (e.g. {first:.10g}), as Excel "
            f"stores dates" if fractional.size else f"whole numbers from {seconds.min():.10g} to "
            f"{seconds.max():.10g}, as Excel stores the dates of a log by day")
    warnings.warn(f"column {time!r} holds {held} (days "
                  f"since 1899-12-30: {first:.10g} is {shown if fractional.size else shown.date()}); they are read "
                  f"as seconds, so gaps and dt would be 86400 times too small (a gap of {gap_s:g} s would be "
                  f"{gap_s:g} days); if they are Excel dates, convert them: df[{time!r}] = "
                  f"pd.to_datetime(df[{time!r}], unit='D', origin='1899-12-30')", UserWarning, stacklevel=3)


_UNIX_YEARS = (946_684_800, 2_524_608_000)
"""Unix seconds of 2000-01-01 and 2050-01-01: whole numeric times within these bounds divided by 10**3, 10**6 or 10**9
read as Unix times in thousands, millions or thousands of millions of seconds, what ``dates.astype('int64') // 10**9``
(pandas 2's idiom for seconds, of its nanosecond dates) gives of dates that count microseconds (pandas 3's default),
milliseconds or seconds (the unit a reader or ``astype('datetime64[s]')`` gave)."""

_UNIX_FRACTIONS = {1000: ("thousands of seconds", "microseconds"),
                   10**6: ("millions of seconds", "milliseconds"),
                   10**9: ("thousands of millions of seconds", "seconds")}


def _warn_unix_fractions(seconds: np.ndarray, users: np.ndarray, time: str, gap_s: float) -> None:
    """Warn of whole numeric times that read as Unix times in thousands, millions or thousands of millions of
    seconds (`_UNIX_YEARS` over 10**3, 10**6, 10**9): read as seconds, every gap is that many times too short, and a
    user's day, or years, of events is one session. ``seconds`` and ``users``: the log ordered by user, then time.
    The rule, besides the bounds (which seconds counted from a start also reach: from its eleventh to its
    twenty-ninth day in thousands, from its sixteenth to its forty-second minute in millions, its first two seconds
    in thousands of millions): at least half of the gaps between a user's consecutive events are 0, as events
    minutes apart give in such units, and events stamped in one second are a few of a log of seconds; a log of no
    user with two events, whose sessions no reading changes, is quiet too. Two readings more are left quiet, since
    they are likelier than the fraction: whole numbers all within 1900 .. 2100 read as years (a year column), not as
    millions of seconds (2030 .. 2036), and, in thousands of millions, where the times hold more than one value (1
    and 2: day or step indices), since dates of 2001 .. 2033 give 1 alone."""
    factor = next((f for f in _UNIX_FRACTIONS
                   if _UNIX_YEARS[0] / f <= seconds.min() and seconds.max() <= _UNIX_YEARS[1] / f), None)
    if factor is None:
        return
    if factor == 10**6 and 1900 <= seconds.min() and seconds.max() <= 2100:
        return  # years (2020, 2021, ...), not Unix times in millions of seconds
    if factor == 10**9 and seconds.min() != seconds.max():
        return  # day or step indices 1 and 2, not Unix times in thousands of millions of seconds (1 alone)
    same = users[1:] == users[:-1]
    gaps = np.diff(seconds)[same]
    if (seconds % 1 != 0).any() or not gaps.size or np.count_nonzero(gaps == 0) * 2 < gaps.size:
        return
    units, counted = _UNIX_FRACTIONS[factor]
    first, last = (pd.Timestamp(v * factor, unit="s").date() for v in (seconds.min(), seconds.max()))
    warnings.warn(f"sessionize: column {time!r} holds whole numbers from {seconds.min():.0f} to {seconds.max():.0f}, "
                  f"Unix times in {units} ({first} .. {last} as such), as dates.astype('int64') // 10**9 gives of "
                  f"dates that count {counted}, not nanoseconds (pandas 3 keeps a reader's unit, microseconds by "
                  f"default); read as seconds, every gap is {factor} times too short (a gap of {gap_s:g} s spans "
                  f"{gap_s * factor:g} s of the log); give the dates themselves (df[{time!r}] = the datetime "
                  "column), or seconds: dates.astype('datetime64[s]').astype('int64'); if they are seconds, silence "
                  f"this with warnings.filterwarnings('ignore', '.*Unix times in {units}')", UserWarning,
                  stacklevel=3)


def _warn_repeated_rows(df: pd.DataFrame) -> None:
    """Warn of rows that repeat an earlier row in every column (a log exported twice, or two exports that overlap,
    joined): each is kept as an event of its own, the same event twice, 0 s apart."""
    try:
        repeated = df.duplicated().to_numpy()
    except TypeError:  # cells that cannot be hashed (lists): rows cannot be compared whole
        return
    if repeated.any():
        b = int(np.flatnonzero(repeated)[0])
        a = int(np.flatnonzero(df.iloc[: b + 1].duplicated(keep=False).to_numpy())[0])  # the row b repeats
        warnings.warn(f"the event log holds {int(repeated.sum())} row(s) that repeat an earlier row in every column "
                      f"(row {b} repeats row {a}: {df.iloc[b].to_dict()!r:.120}): a log exported twice, or two exports "
                      "that overlap, joined? They are kept, each an event of its own, 0 s after its copy; if they are "
                      "one event, drop them first: df = df.drop_duplicates()", UserWarning, stacklevel=3)


def _naive_and_zoned(column: pd.Series) -> tuple[int, int] | None:
    """The rows of the first time without a zone and the first with a zone or UTC offset, where ``column`` (text,
    datetimes or Timestamps) holds both; else None. Read one value at a time, on the way to an error only."""
    naive = zoned = None
    for row, value in enumerate(column.tolist()):
        try:
            aware = (value if isinstance(value, datetime.datetime) else pd.Timestamp(value)).tzinfo is not None
        except (ValueError, TypeError, OverflowError):  # not a time at all: the generic advice covers it
            continue
        if aware and zoned is None:
            zoned = row
        elif not aware and naive is None:
            naive = row
        if naive is not None and zoned is not None:
            return naive, zoned
    return None


def _zone_fix(column: pd.Series, time: str, naive: int, zoned: int) -> str:
    """Advice for times with and without a zone: each way named was tried on ``column`` (the UTC one here, the
    zone's in the tests): ``pd.to_datetime(column)`` refuses such a mix, and ``utc=True`` alone reads the times
    without a zone as UTC, which is right only if they are."""
    text = all(isinstance(v, str) for v in column.tolist())
    as_utc = f"pd.to_datetime(df[{time!r}], utc=True)"
    for fmt in (("ISO8601", "mixed") if text else (None,)):
        try:
            pd.to_datetime(column, utc=True, format=fmt)
        except (ValueError, TypeError):
            continue
        as_utc = f"pd.to_datetime(df[{time!r}], utc=True{'' if fmt is None else f', format={fmt!r}'})"
        break
    local = (f"pd.to_datetime(df[{time!r}].map(lambda t: pd.Timestamp(t) if pd.Timestamp(t).tz else "
             f"pd.Timestamp(t).tz_localize('Europe/Paris')), utc=True)")
    return (f"it mixes times with a zone or UTC offset ({column.iloc[zoned]!r} at row {zoned}) and times without "
            f"one ({column.iloc[naive]!r} at row {naive}), which name no instant until their zone is known, and "
            f"pd.to_datetime refuses such a mix: if the times without one are in UTC, df[{time!r}] = {as_utc}; if "
            f"they are local times of a zone, give them that zone first, e.g. df[{time!r}] = {local}")


_EPOCH_SECONDS_BEYOND = 1e11
"""Numeric times at least this large are no seconds (1e11 s after 1970 is the year 5138) but epoch milliseconds
(1.7e12 in 2024), microseconds or nanoseconds, whose gaps read as seconds would be 1000x (or more) too long."""
_EXCEL_DAYS_SPAN = 3653
"""Whole numbers among Excel's dates that span at most this (ten years of days) are warned of as dates."""


def _refuse_empty(df: pd.DataFrame, who: str) -> None:
    """ValueError for a log of no rows, named where it is met: a filter or a split that kept no event, or a file
    read empty, which the checks and maxima of the loaders would otherwise meet as numpy's empty-reduction error
    (`EventSessions`) or a vocabulary of the specials alone (`event_vocab`)."""
    if len(df) == 0:
        raise ValueError(f"{who}: the event log is empty (no rows; columns {list(df.columns)}): a filter or a split "
                         "that kept no event (log[log['user'] == ...] of a user it does not hold?), or a file read "
                         "empty; give it the events")


def _check_header_rows(df: pd.DataFrame, user: str, time: str) -> None:
    """Refuse rows whose user and time hold their own columns' names: the header of a second file, kept as a row
    where CSV files were joined whole (``cat a.csv b.csv``), which made both columns text; the type check below would
    name the text alone, and parsing it would meet the header's word."""
    header = ((df[user].astype(str).str.strip() == str(user)) & (df[time].astype(str).str.strip() == str(time))
              ).to_numpy()
    if header.any():
        rows = np.flatnonzero(header)
        rest = df[time][~header]
        then = f"; then parse the times, text since: df[{time!r}] = {_parse_advice(rest, time)}" if (
            len(rest) and rest.map(type).eq(str).all()) else ""
        raise ValueError(f"sessionize: row {int(rows[0])} repeats the header ({', '.join(map(repr, df.columns))}) "
                         f"as values ({len(rows)} such row(s)): CSV files joined with their headers; drop those rows, "
                         f"df = df[df[{time!r}] != {time!r}]{then}, or join the files with pandas: "
                         f"pd.concat([pd.read_csv(f) for f in files])")


def _check_unique_columns(df: pd.DataFrame) -> None:
    dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
    if dup:
        raise ValueError(f"the event log names column(s) {dup} more than once; give every column its own name")


def _check_one_spelling(column: pd.Series, name: str, what: str = "user") -> None:
    """Refuse ids that print alike but differ in type (user ``1`` and ``"1"``, as logs joined from two sources,
    one of which read its ids as numbers, give them): each would be a user (or session) of its own, cut in two."""
    if column.dtype != object:
        return
    seen: dict[str, object] = {}
    for value in pd.unique(column):
        other = seen.setdefault(str(value), value)
        if type(other) is not type(value) and not other == value:  # 1 and np.int64(1) are one user
            rows = [int(np.flatnonzero(column.map(lambda v, w=w: type(v) is type(w) and v == w).to_numpy())[0])
                    for w in (other, value)]
            raise ValueError(f"column {name!r} holds {other!r} ({type(other).__name__}) at row {rows[0]} and "
                             f"{value!r} ({type(value).__name__}) at row {rows[1]}, which print alike but would be "
                             f"two {what}s, each with {'sessions of their' if what == 'user' else 'events of its'} "
                             f"own; give the column one type (e.g. "
                             f"df[{name!r}] = df[{name!r}].astype(str))")


def _warn_number_spellings(column: pd.Series, name: str, what: str, stacklevel: int = 3) -> None:
    """Warn of text ids that write one number in two ways (``'01'`` and ``'1'``, ``1`` and ``'1.0'``: a log joined
    from an export that kept leading zeros and one read as numbers, or ids made float by a merge's NaN and then
    text): each is a {what} of its own, holding part of the other's events, which is right only if they are two."""
    if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
        return
    distinct = pd.Series(pd.unique(column))
    text = distinct.map(lambda v: v.strip() if isinstance(v, str) else v)
    # 16 digits or more are no number a float tells apart (long numeric ids, hashes): not compared
    numbers = pd.to_numeric(text.map(lambda v: v if isinstance(v, str | int | float | np.number) and not
                                     isinstance(v, bool) and len(re.sub(r"\D", "", str(v))) < 16 else None),
                            errors="coerce")
    spelt = distinct[numbers.notna() & numbers.duplicated(keep=False)]
    if not len(spelt):
        return
    first = numbers[spelt.index[0]]
    pair = distinct[numbers == first].tolist()[:2]
    rows = [int(np.flatnonzero(column.map(lambda v, w=w: type(v) is type(w) and v == w).to_numpy())[0])
            for w in pair]
    many = f"; {len(spelt)} such ids in all" if len(spelt) > 2 else ""
    own = {"user": ", each with sessions of their own", "session": ", each with events of its own"}.get(what, "")
    warnings.warn(f"column {name!r} holds {pair[0]!r} at row {rows[0]} and {pair[1]!r} at row {rows[1]}, one number "
                  f"written two ways (leading zeros, a decimal point){many}, read as two {what}s{own}; if they are "
                  f"one {what}, write "
                  f"its id alike on every row (e.g. df[{name!r}] = pd.to_numeric(df[{name!r}]).astype('int64')), "
                  "else silence this with warnings.filterwarnings('ignore', '.*written two ways')",
                  UserWarning, stacklevel=stacklevel)


def _check_blank_ids(column: pd.Series, name: str, what: str) -> None:
    """Refuse an empty or blank text id ('' or spaces: a CSV's empty cell read with keep_default_na=False, or
    dtype=str): every event without an id would be taken as the events of one and the same {what}."""
    if column.dtype == object or pd.api.types.is_string_dtype(column):
        text = column.map(lambda v: isinstance(v, str) and not v.strip()).to_numpy(bool)
        if text.any():
            rows = np.flatnonzero(text)
            raise ValueError(f"column {name!r} has {len(rows)} empty or blank {what} ids (first at row {int(rows[0])}: "
                             f"{column.iloc[rows[0]]!r}), which would make all of them the events of one {what}; "
                             f"drop them (df = df[df[{name!r}].str.strip() != '']) or give each its {what}")


def _check_spaced_ids(column: pd.Series, name: str, what: str) -> None:
    """Refuse text ids that differ only by spaces around them (``'u7'`` and ``'u7 '``: a padded CSV cell, or two
    exports joined): each would be a {what} of its own, holding part of the other's events."""
    if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
        return
    spelt: dict[str, str] = {}  # stripped id -> its first spelling
    for value in pd.unique(column):
        if not isinstance(value, str):
            continue
        other = spelt.setdefault(value.strip(), value)
        if other != value:
            rows = [int(np.flatnonzero((column == v).to_numpy(bool))[0]) for v in (other, value)]
            raise ValueError(f"column {name!r} spells one {what} id in two ways that differ only by spaces ({other!r} "
                             f"at row {rows[0]}, {value!r} at row {rows[1]}), which would be two {what}s, each with "
                             f"part of the other's events; strip them first: df[{name!r}] = df[{name!r}].str.strip()")


def _check_events(df: pd.DataFrame, event: str) -> None:
    """The event column exists and has no missing event (str() would make NaN the event 'nan')."""
    if event not in df.columns:
        meant = _meant_column(df, event, "event")
        raise ValueError(f"event log lacks the event column {event!r}; it has {list(df.columns)} (name it with "
                         f"event={'...' if meant is None else repr(meant)})")
    _check_unique_columns(df)
    if df[event].isna().any():
        raise ValueError(f"column {event!r} has {int(df[event].isna().sum())} missing events (first at row "
                         f"{int(np.flatnonzero(df[event].isna())[0])}); drop or fill them")
    if not (pd.api.types.is_numeric_dtype(df[event]) or pd.api.types.is_bool_dtype(df[event])):
        text = df[event].astype(str).to_numpy()
        blank = np.flatnonzero([not v.strip() for v in text])
        if len(blank):  # an empty cell read as '' is a missing event, not an event named ''
            raise ValueError(f"column {event!r} has {len(blank)} empty or blank events (first at row "
                             f"{int(blank[0])}: {text[blank[0]]!r}), which would be an event named so; drop or fill "
                             f"them (df = df[df[{event!r}].str.strip() != ''])")
        written = np.flatnonzero(np.isin(text, ("nan", "NaN", "None", "<NA>")))
        if len(written):  # a missing event made text (numpy's astype(str), str(v)): an event of the vocabulary
            warnings.warn(f"column {event!r} has {len(written)} event(s) named {text[written[0]]!r} (first at row "
                          f"{int(written[0])}), what str() writes for a missing value (an empty cell of a column made "
                          f"text), read as an event of its own; drop or fill the missing events before converting "
                          f"the column (df = df.dropna(subset=[{event!r}]))", UserWarning, stacklevel=3)
        spelt = {}  # stripped name -> its first spelling
        for name in pd.unique(text):  # 'view' and 'view ' (a CSV's padding) would be two events of the vocabulary
            other = spelt.setdefault(name.strip(), name)
            if other != name:
                rows = [int(np.flatnonzero(text == v)[0]) for v in (other, name)]
                raise ValueError(f"column {event!r} spells one event in two ways that differ only by spaces "
                                 f"({other!r} at row {rows[0]}, {name!r} at row {rows[1]}), which would be two "
                                 f"events; strip them (df[{event!r}] = df[{event!r}].str.strip())")
        _warn_number_spellings(pd.Series(text), event, "event", 4)  # as text: 1 and '1' are one token already
        cased = {}  # case-folded name -> its first spelling
        for name in spelt.values():  # 'Login' and 'login': two versions of an app, or two events a log tells apart
            other = cased.setdefault(name.strip().casefold(), name)  # 'view' and 'View ': case and a CSV's padding
            if other != name:  # read as given (case is not folded), but said: the first case is the likelier
                rows = [int(np.flatnonzero(text == v)[0]) for v in (other, name)]
                spaced = other.strip() != other or name.strip() != name
                warnings.warn(f"column {event!r} has events that differ only by case"
                              f"{' and spaces' if spaced else ''} ({other!r} at row {rows[0]}, {name!r} at row "
                              f"{rows[1]}), read as two events; if they are one, make them one (df[{event!r}] = "
                              f"df[{event!r}]{'.str.strip()' if spaced else ''}.str.lower()); if case tells them "
                              "apart (codes 'A' and 'a'), silence this with warnings.filterwarnings('ignore', "
                              "message='.*differ only by case')", UserWarning,
                              stacklevel=3)
                break


def _event_tokens(column: pd.Series) -> list[str]:
    """Event names as tokens. Whole-number floats are written as integers: an int column becomes float64 once it
    has held a NaN (and stays so after dropna), and '3.0' would not be the token '3' of the training log."""
    if pd.api.types.is_float_dtype(column):
        values = column.to_numpy(np.float64)
        if np.isfinite(values).all() and (values == np.round(values)).all():
            return [str(v) for v in values.astype(np.int64).tolist()]
    return column.astype(str).tolist()


def _check_class_ids(column: pd.Series, name: str, sessions: pd.Series) -> None:
    """A per-event label column must hold whole numbers (class ids): a NaN or a fraction would be turned into
    an arbitrary int64 or truncated. Missing labels where each session holds one on some of its rows (a session's
    label written once, on its first or last row) are named with the fix that gives it to every event."""
    values = pd.to_numeric(column, errors="coerce") if not pd.api.types.is_bool_dtype(column) else column
    text = [] if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column) else \
        np.flatnonzero([isinstance(v, str | bytes) for v in column.tolist()])
    if len(text) and values.notna().all():  # '1' read as a number here, but a session's max of text is text
        row = int(text[0])
        raise ValueError(f"target column {name!r} holds class ids written as text ({column.iloc[row]!r} at row {row}), "
                         f"not numbers; convert the column first: df[{name!r}] = pd.to_numeric(df[{name!r}])")
    bad = column.isna() | values.isna()
    if not bad.any():
        bad = ~np.isfinite(values.to_numpy(np.float64)) | (values.to_numpy(np.float64) % 1 != 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = column.iloc[row].item() if isinstance(column.iloc[row], np.generic) else column.iloc[row]
        missing = column.isna().to_numpy()
        labelled = pd.Series(~missing).groupby(sessions.to_numpy()).any()
        once = ""
        if missing[row] and labelled.all():  # every session labelled on some rows: its label, written once
            once = (f"; each session holds a label on some of its rows: a session's label written once (on its first "
                    f"or last event)? give it to every event: df[{name!r}] = df.groupby('session')[{name!r}]"
                    ".transform('max')")
        raise ValueError(f"target column {name!r} has {value!r} at row {row}; it must hold whole "
                         f"numbers (class ids, e.g. 0/1) on every event: fill missing ones and map labels to ids"
                         + once)
    ids = values.to_numpy(np.float64)
    if (ids < 0).any():  # a session's label is its events' maximum: a negative id loses to any other
        row = int(np.flatnonzero(ids < 0)[0])
        outliers = set(np.unique(ids)) <= {-1.0, 1.0}
        how = (f"-1 and 1 are scikit-learn's outlier labels (IsolationForest, LocalOutlierFactor: -1 an outlier, 1 "
               f"normal), so any normal event would hide a session's outliers; map them to 1 and 0 first: "
               f"df[{name!r}] = (df[{name!r}] == -1).astype(int)" if outliers else
               "map the labels to ids 0, 1, ... first (the anomalous class highest)")
        raise ValueError(f"target column {name!r} has {ids[row]:g} at row {row}; class ids must be >= 0, as a "
                         f"session's label is the maximum of its events' (a negative one loses to any other): {how}")


def _warn_unknown_events(tokens: list[str], ids: np.ndarray, vocab: Vocab) -> None:
    """Warn when most of a log's events are unknown to ``vocab`` (a vocabulary built from another log, or from
    another column): each is read as ``<unk>``, so the sessions say little; a few unknown events (one never seen
    in training) are the reason ``<unk>`` exists and pass without a word."""
    unknown = (ids == vocab.unk_id) & (np.asarray(tokens, dtype=object) != vocab.itos[vocab.unk_id])
    if len(ids) and unknown.mean() >= 0.5:
        names = list(dict.fromkeys(np.asarray(tokens, dtype=object)[unknown].tolist()))
        warnings.warn(f"EventSessions: {int(unknown.sum())} of the log's {len(ids)} events are not in the vocabulary "
                      f"(e.g. {names[:3]}; it holds {vocab.itos[4:7]}{' ...' if len(vocab) > 7 else ''}) and are "
                      f"read as {vocab.itos[vocab.unk_id]}; build the vocabulary from this log's events "
                      f"(event_vocab(df)), or pass strict=True to refuse unknown events", UserWarning, stacklevel=3)


def _check_dt(column: pd.Series) -> None:
    """The ``dt`` column as float64 seconds >= 0, as `sessionize` writes it: a negative or NaN Δt would become NaN
    under ``log1p``, and durations or text would be read in another unit."""
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        how = " (durations: df['dt'].dt.total_seconds())" if pd.api.types.is_timedelta64_dtype(column) else ""
        raise ValueError(f"column 'dt' has type {column.dtype}; it must hold seconds since the previous event of the "
                         f"session, as numbers{how}, as sessionize(df) writes it")
    dt = column.to_numpy(np.float64, na_value=np.nan)
    bad = ~(np.isfinite(dt) & (dt >= 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"column 'dt' has {dt[row]} at row {row} ({int(bad.sum())} such in all); Δt must be a finite "
                         "number of seconds >= 0 since the previous event of the session: run sessionize(df) on the "
                         "log (sorted by time, it writes dt) rather than computing dt yourself")


def _check_time_order(column: pd.Series, time: str) -> None:
    """The time column EventSessions orders a session's events by must be times or numbers: text sorts letter by
    letter ('10:01' before '9:05', '10' before '9'), a log read back from CSV holds it so."""
    if (pd.api.types.is_datetime64_any_dtype(column) or pd.api.types.is_timedelta64_dtype(column)
            or pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)):
        return
    raise ValueError(f"time column {time!r} has type {column.dtype} (e.g. {column.iloc[0]!r}), and EventSessions "
                     "orders each session's events by it: text sorts letter by letter ('10:00' before '9:00'), not in "
                     f"time; parse it first, df[{time!r}] = {_parse_advice(column, time)} (a log read back from CSV "
                     "holds its times as text), or pass time=None to keep the rows' order")


def _check_joined_sessions(df: pd.DataFrame, time: str) -> None:
    """Refuse a session id shared by events that `sessionize` put in sessions of their own: logs sessionized one by
    one (a day, a file each) and joined number their sessions 0, 1, ... each, so one id gathers several sessions. Seen
    where an event after the first of its session has Δt 0 (what sessionize writes at a session's start) but lies
    further from the previous event than any Δt of the log, or where a session holds events of several users. ``df``
    is sorted by session and time."""
    sessions = df["session"].to_numpy()
    inner = np.r_[False, sessions[1:] == sessions[:-1]]  # an event after the first of its session
    t = df[time]
    temporal = pd.api.types.is_datetime64_any_dtype(t) or pd.api.types.is_timedelta64_dtype(t)
    seconds = ((t - t.min()) / pd.Timedelta(seconds=1) if temporal else t.astype(np.float64)).to_numpy(np.float64)
    dt = df["dt"].to_numpy(np.float64)
    # further from the previous event than any Δt of the log: sessionize would have cut there (a session's gaps are
    # at most its gap), so the Δt 0 is a session's start, not a second event at one time
    far = np.r_[False, np.diff(seconds) > max(float(dt.max()), 0.0)]
    restart = inner & far & (dt == 0)
    users = df["user"].to_numpy() if "user" in df.columns else None
    if users is not None:
        restart |= inner & np.r_[False, users[1:] != users[:-1]]
    if restart.any():
        k = int(np.flatnonzero(restart)[0])
        sid = sessions[k].item() if isinstance(sessions[k], np.generic) else sessions[k]
        why = (f"is of user {users[k]!r}, the one before of user {users[k - 1]!r}"
               if users is not None and users[k] != users[k - 1] else
               f"has dt 0, as sessionize writes at a session's start, though the one before is at {t.iloc[k - 1]}, "
               f"further than any dt of the log")
        raise ValueError(f"session {sid!r} gathers the events of several sessions: its event at {t.iloc[k]} {why} "
                         f"({int(restart.sum())} such in all): logs sessionized one by one and joined number their "
                         "sessions 0, 1, ... each; sessionize the joined log once (sessionize(pd.concat(logs))), or "
                         "give each log's sessions ids of their own")


def _order_by_time(df: pd.DataFrame, time: str, key: str = "session") -> pd.DataFrame:
    """``df`` sorted by ``key`` (the session; the user in `sessionize`) and ``time``, ties in the log's order. Rows in
    time order within each session keep their order at ties (a stable sort). Rows shuffled or sampled (a session
    whose rows go back in time) have lost it: events at one time (a log of whole seconds holds many) would come in the
    shuffled order, each with another's Δt. Their index, where it agrees with time order in every session
    (sessionize's, or a log's read from its file, which ``df.sample`` keeps), is that order and breaks the ties; rows
    newest first in every session (an export that lists the latest events first; 5 steps back in time or more) hold
    it reversed, and are read back to front, with a warning (the data cannot tell whether their ties were reversed
    with them); without either the ties are warned of by `EventSessions` (a raw log given to `sessionize` is often
    gathered out of order, from several sources, whose ties have no order to lose)."""
    keys = pd.DataFrame({"session": df[key].reset_index(drop=True), "time": df[time].reset_index(drop=True)})
    perm = keys.sort_values(["session", "time"], kind="stable").index.to_numpy()
    sessions, times = keys["session"].to_numpy()[perm], keys["time"].to_numpy()[perm]
    inner = sessions[1:] == sessions[:-1]
    moved = set(sessions[1:][inner & (perm[1:] < perm[:-1])].tolist())  # sessions whose rows go back in time
    ties = np.flatnonzero(inner & (times[1:] == times[:-1]) & np.isin(sessions[1:], list(moved)))
    if not len(ties):
        return df.iloc[perm]
    index = df.index
    if index.is_unique and pd.api.types.is_integer_dtype(index.dtype):
        keys["index"] = index.to_numpy()
        by_index = keys.sort_values(["session", "time", "index"], kind="stable").index.to_numpy()
        held = keys["index"].to_numpy()[by_index]
        same = keys["session"].to_numpy()[by_index]
        if (held[1:][same[1:] == same[:-1]] > held[:-1][same[1:] == same[:-1]]).all():  # the log's order, kept
            return df.iloc[by_index]
    by_key = keys.sort_values("session", kind="stable")  # each session's rows in the log's order
    inner, times_in_log = by_key["session"].to_numpy(), by_key["time"].to_numpy()
    inner = inner[1:] == inner[:-1]
    later, earlier = times_in_log[1:][inner], times_in_log[:-1][inner]
    # newest first, as exports list the latest events; 5 steps back in time or more, so that rows shuffled into
    # that order by chance (short sessions: one of two rows) are not taken for it
    if (later <= earlier).all() and (later < earlier).sum() >= 5:
        # the data cannot tell the ties' order: an export that reversed whole rows holds them newest first too, one
        # sorted by time alone (sort_values(time, ascending=False, kind="stable")) oldest first, as logged
        warnings.warn(f"the rows run newest first in every {key}, so they are read back to front, events at one time "
                      "included: right for an export that reversed whole rows (df.iloc[::-1], SQL ORDER BY ... DESC "
                      "on every column); if the ties are oldest first already (a sort by time alone, sort_values(time, "
                      f"ascending=False, kind='stable')), pass df.sort_values([{key!r}, {time!r}], kind='stable')",
                      UserWarning, stacklevel=3)
        return df.iloc[keys.iloc[::-1].sort_values(["session", "time"], kind="stable").index.to_numpy()]
    if key != "session":
        return df.iloc[perm]
    k = int(ties[0])
    sid = sessions[k].item() if isinstance(sessions[k], np.generic) else sessions[k]
    shared = int(((sessions == sessions[k]) & (times == times[k])).sum())
    others = len(set(sessions[1:][ties].tolist())) - 1
    warnings.warn(f"session {sid!r} holds {shared} events at one time ({df[time].iloc[perm[k]]}) and its rows are out "
                  "of time order (shuffled or sampled after sessionize?), so those events would come in the shuffled "
                  f"rows' order, not the log's, each with another's dt ({others} other session(s) alike); the log's "
                  "order went with the index (reset_index after shuffling?): shuffle whole sessions, not rows "
                  "(DataLoader(shuffle=True) shuffles the items), or keep sessionize's index when sampling rows "
                  "(df.sample keeps it); events that truly happen at once may come in any order: sort the rows by "
                  f"session and time first to say so (df.sort_values(['session', {time!r}], kind='stable'))",
                  UserWarning, stacklevel=3)
    return df.iloc[perm]


def _check_rows_in_order(df: pd.DataFrame) -> None:
    """Refuse sessions whose rows are out of time order when no time column orders them (the default
    ``time="timestamp"``, absent: a log whose time column has another name, as pm4py's ``time:timestamp``): rows
    shuffled or sampled after `sessionize` would be read in their new order. Seen where a session's first row has a
    Δt > 0 (sessionize writes 0 at a session's start), or where every date or duration column goes back within a
    session (one that never does, the time sessionize used, orders the rows). ``df`` is sorted by session, stably."""
    sessions = df["session"].to_numpy()
    first = np.r_[True, sessions[1:] != sessions[:-1]]
    dt = df["dt"].to_numpy(np.float64)
    clocks = [c for c in df.columns
              if pd.api.types.is_datetime64_any_dtype(df[c]) or pd.api.types.is_timedelta64_dtype(df[c])]
    k, why = None, ""
    if (first & (dt > 0)).any():
        k = int(np.flatnonzero(first & (dt > 0))[0])
        why = f"its first row has dt {dt[k]:g} s, where sessionize writes 0 at a session's start"
    backs = {}  # a date column that goes back within a session, and where; one that never does orders the rows
    for c in clocks:
        seconds = ((df[c] - df[c].min()) / pd.Timedelta(seconds=1)).to_numpy(np.float64)
        back = np.flatnonzero(~first & np.r_[False, np.diff(seconds) < 0])
        backs[c] = int(back[0]) if len(back) else None
    if k is None and clocks and None not in backs.values():
        c = min(backs, key=backs.get)
        k = backs[c]
        why = f"its column {c!r} goes back from {df[c].iloc[k - 1]} to {df[c].iloc[k]}"
    if k is None:
        return
    sid = sessions[k].item() if isinstance(sessions[k], np.generic) else sessions[k]
    fix = (f"pass the time column sessionize used: time={clocks[0]!r}" if len(clocks) == 1 else
           f"pass the time column sessionize used (time=..., one of {clocks})" if clocks else
           "pass the time column sessionize used (time=...), or sort the rows by it first (df.sort_values(["
           "'session', time]))")
    raise ValueError(f"the rows of session {sid!r} are not in time order ({why}): rows shuffled or sampled after "
                     "sessionize? the log has no 'timestamp' column (time's default) to order each session by, so its "
                     f"events would be read in the rows' order, inputs and next-event targets scrambled; {fix}, or "
                     "time=None to read the rows as they are")


_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}(?!\d)")
"""A date written with the day and the month as numbers, either first ('02/01/2024', '2.1.24')."""


def _numbers_as_text(column: pd.Series) -> np.ndarray | None:
    """The values of a text column of numbers that are no dates (epoch seconds written as text: a CSV read with
    ``dtype=str``, JSON's quoted numbers), which ``pd.to_datetime`` refuses ('year 1700000000 is out of range'); None
    for other text, and for compact dates ('20240101'), which it reads."""
    try:
        numbers = pd.to_numeric(column.dropna()).to_numpy(np.float64)
    except (ValueError, TypeError):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            pd.to_datetime(column)
    except (ValueError, TypeError, OverflowError):
        return numbers if len(numbers) else None
    return None


def _time_of_day_fix(time: str) -> str:
    """How to read times of day without a date (``'23:58:00'``, ``datetime.time``) as instants."""
    return (f"give each its date: pd.to_datetime(df['date'].astype(str) + ' ' + df[{time!r}].astype(str)) (with the "
            f"log's date column), or, for a log of one day, read them as the time since midnight: df[{time!r}] = "
            f"pd.to_timedelta(df[{time!r}].astype(str))")


def _check_past_midnight(df: pd.DataFrame, user: str, time: str) -> None:
    """Refuse times of day read as the time since midnight (durations, all within one day) that pass midnight: a
    log of a night, ``23:58`` then ``00:02``, whose rows are in time order but for steps back of more than 12 hours
    within a user. Sorted by duration, the events after midnight would come before those of the evening, each with
    another's Δt, and the sessions cut at the wrong places, without a word. Each user's rows are read in the log's
    order, users interleaved or not."""
    seconds = (df[time] / pd.Timedelta(seconds=1)).to_numpy(np.float64)
    if not ((seconds >= 0) & (seconds < 86400)).all():
        return
    order = np.argsort(pd.factorize(df[user])[0], kind="stable")  # each user's rows together, in the log's order
    users, seconds = df[user].to_numpy()[order], seconds[order]
    same = users[1:] == users[:-1]
    step = np.diff(seconds)
    past = same & (step < -43200)
    if not past.any() or (same & (step < 0) & ~past).any():  # other steps back: rows out of order, not midnight
        return
    k = int(np.flatnonzero(past)[0]) + 1
    before, row = int(order[k - 1]), int(order[k])  # the rows of df
    shown = [str(df[time].iloc[j]).removeprefix("0 days ") for j in (before, row)]
    who = users[k].item() if isinstance(users[k], np.generic) else users[k]
    raise ValueError(f"column {time!r} holds times of day (durations since midnight, all within one day) that pass "
                     f"midnight: row {row} ({shown[1]}) follows row {before} ({shown[0]}) of user {who!r} "
                     f"({int(past.sum())} such place(s)), and as time since midnight it would sort before it, with "
                     "the sessions cut at the wrong places; give each time its date: pd.to_datetime(df['date'].astype("
                     f"str) + ' ' + ...) with the log's date column, or, for a log in time order, add a day at each "
                     f"midnight passed: df[{time!r}] += pd.to_timedelta(df.groupby({user!r})[{time!r}].transform("
                     "lambda t: (t.diff() < pd.Timedelta(0)).cumsum()), unit='D')")


_TIME_OF_DAY = re.compile(r"\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*")
"""A time of day written alone on a 24-hour clock, without a date: '23:58', '23:58:10.5' (pd.to_timedelta reads
them)."""


_YEAR_FIRST = re.compile(r"\s*\d{4}-\d{1,2}-\d{1,2}")
"""A date written year first, as ISO 8601 ('2024-01-05', '2024-01-05T10:00:00Z')."""


def _two_ways_advice(values: list, fields: list, iso: str, time: str) -> str:
    """The call that parses text times written two ways in one column, year first (``iso``) on some rows and
    day or month first (``fields``, their two numbers) on the others, as logs joined from two sources are:
    ``pd.to_datetime`` alone fails at the first row of the second way, and with ``format='mixed'`` it reads
    '2024-01-05' as 1 May where ``dayfirst=True``, '05/01/2024' as 5 May where not: each way is parsed by its own."""
    dayfirst = not any(int(month) > 12 for _, month in fields)
    sure = next((v for v in values if isinstance(v, str) and (m := _NUMERIC_DATE.match(v))
                 and int(m.group(1 if dayfirst else 2)) > 12), None)
    other = next(v for v in values if isinstance(v, str) and _NUMERIC_DATE.match(v))
    way = (f"{'day' if dayfirst else 'month'} first, e.g. {sure!r}" if sure else
           f"day or month first ({other!r}: read day first, as most of the world writes it; dayfirst=False if the "
           "month comes first)")
    column = f"df[{time!r}]"
    first = rf"{column}.str.match(r'\s*\d{{4}}-')"
    return (f"pd.to_datetime({column}.where({first}), format='ISO8601').fillna(pd.to_datetime({column}.mask({first}), "
            f"dayfirst={dayfirst})) (its dates are written two ways, year first ({iso!r}) and {way}: that parses "
            "each way by its own; pd.to_datetime alone fails at the second way, and format='mixed' reads one way or "
            "the other with day and month swapped)")


def _parse_advice(column: pd.Series, time: str) -> str:
    """The call that parses the text times of ``column``: ``pd.to_datetime``, with ``dayfirst=True`` where the dates
    are written day first, or may be: pd.to_datetime reads '02/01/2024' month first (1 February), so a log of
    day-first dates (most of the world's) whose days are all 12 or less would be read with wrong gaps and order,
    without an error. Read on the way to an error only."""
    plain = f"pd.to_datetime(df[{time!r}])"
    values = column.dropna().tolist()
    if values and all(isinstance(v, str) and _TIME_OF_DAY.fullmatch(v) for v in values):
        # pd.to_datetime dates each with today's date: a log passing midnight would sort its night's end first
        return (f"pd.to_timedelta(df[{time!r}]) (times of day without a date, read as the time since midnight; "
                f"{plain} would date each with today's date), or, for a log that passes midnight, give each its date: "
                f"pd.to_datetime(df['date'] + ' ' + df[{time!r}]) with the log's date column")
    numbers = _numbers_as_text(column)
    if numbers is not None:
        big = float(np.abs(numbers).max())
        if big < _EPOCH_SECONDS_BEYOND:
            return f"pd.to_numeric(df[{time!r}]) (numbers written as text, read as seconds)"
        unit = "ms" if big < 1e14 else "us" if big < 1e17 else "ns"
        return f"pd.to_datetime(pd.to_numeric(df[{time!r}]), unit={unit!r}) (epoch numbers written as text)"
    fields = [m.groups() for v in values if isinstance(v, str) and (m := _NUMERIC_DATE.match(v))]
    iso = [v for v in values if isinstance(v, str) and _YEAR_FIRST.match(v)]
    if iso and fields and len(iso) + len(fields) == len(values):
        return _two_ways_advice(values, fields, iso[0], time)
    if not values or len(fields) < len(values) or any(int(month) > 12 for _, month in fields):
        return plain  # not such dates, or written month first (the second number beyond 12)
    dayfirst = f"pd.to_datetime(df[{time!r}], dayfirst=True)"
    sure = next((v for v, (day, _) in zip(values, fields, strict=True) if int(day) > 12), None)
    if sure is not None:
        return f"{dayfirst} (its dates are written day first, e.g. {sure!r})"
    try:
        first = pd.Timestamp(values[0])
        read = f", as {first.day} {first:%B %Y}"
    except (ValueError, TypeError):
        read = ""
    return (f"{dayfirst} if its dates are written day first, as in most of the world: {plain} alone reads "
            f"{values[0]!r} month first{read}; if the month does come first, {plain}")


def event_vocab(df: pd.DataFrame, *, event: str = "event", min_freq: int = 1) -> Vocab:
    """A ``level="token"`` `Vocab` of the event names in ``df[event]`` (rare ones become ``<unk>``)."""
    _refuse_empty(df, "event_vocab")
    _check_events(df, event)
    return Vocab.build([_event_tokens(df[event])], level="token", min_freq=min_freq)


class EventSessions(Dataset):
    """Sessions of a `sessionize`-d log as ``({"event": (T,) int64, "dt": (T,) float32}, y)`` items.

    Args:
        df: output of `sessionize` (needs ``session``, ``dt`` and the ``event`` column).
        vocab: event vocabulary (`event_vocab`); unknown events map to ``<unk>``, or raise if ``strict``.
        target: ``"next"``: next-event prediction; inputs are steps ``0..T-2`` and ``y`` the per-step
            events ``1..T-1``, so sessions with one event are dropped. A column name: one label per
            session, the column's maximum over the session (e.g. ``"anomaly"``: any anomalous event); its ids
            must be whole numbers >= 0 (scikit-learn's outlier labels, -1 and 1, are refused with their mapping).
            ``None``: no ``y``.
        log_dt: use ``log1p(dt)`` (Δt is heavy-tailed; the log keeps seconds and hours on one scale).
        max_len: keep the first ``max_len`` events of longer sessions, or their last with ``keep="last"`` (the
            first kept event keeps its ``dt``, the gap since the event before it). As inputs only: a ``target``
            column's label is still the maximum over the whole session; sessions whose label comes from the events
            cut off alone are warned of, as the model would learn it from inputs that do not show it.
        keep: ``"first"`` or ``"last"``: the events of a session longer than ``max_len`` that are kept.
        time: the time column `sessionize` used; a session's events are ordered by it (ties keep the rows'
            order; where the rows are out of time order, as shuffled, their index's order where it agrees with
            time, else warned of), so rows shuffled after `sessionize` still give events in time order. The default
            ``"timestamp"`` is used when the log has it; ``None`` keeps the rows' order. It must hold times or
            numbers: text (a log read back from CSV) is refused, as it sorts letter by letter. A log without a
            ``timestamp`` column (pm4py's ``time:timestamp``) whose rows are out of time order (a session's first row
            with Δt > 0, a date column going back) is refused under the default, naming the column to pass.

    ``session_ids`` holds the ``session`` id of each item (int64, or the log's own ids when they are text) and
    ``lengths`` its length. A missing session id is refused, and so is a ``target`` naming a column the sessions
    are read from (``session``, ``dt``, the events, the time); a vocabulary that knows fewer than half of the log's
    events (one built from another log) is warned of.
    """

    def __init__(
        self,
        df: pd.DataFrame,
        vocab: Vocab,
        *,
        event: str = "event",
        target: str | None = "next",
        log_dt: bool = True,
        max_len: int | None = None,
        strict: bool = False,
        time: str | None = "timestamp",
        keep: str = "first",
    ):
        defaulted = time == "timestamp" and time not in df.columns
        if defaulted:  # the default: used when the log has it
            time = None
        missing = [c for c in ("session", "dt", event) if c not in df.columns]
        if missing == [event]:  # a sessionized log: its events are under another name, not sessionize's to add
            meant = _meant_column(df, event, "event")
            raise ValueError(f"EventSessions: the log has no column {event!r} of events (it has {list(df.columns)}); "
                             f"name it: EventSessions(df, vocab, event={'...' if meant is None else repr(meant)}, "
                             "...), the column event_vocab read")
        if missing:
            raise ValueError(f"columns {missing} are missing; run sessionize(df) first")
        _refuse_empty(df, "EventSessions")
        if time is not None and time not in df.columns:
            raise ValueError(f"time column {time!r} is not in the log (it has {list(df.columns)}); pass the one "
                             "sessionize used (time=...), or time=None to take each session's rows in their order")
        if target not in (None, "next") and target not in df.columns:
            raise ValueError(f"target must be 'next', None or a column of df; {target!r} is none of them")
        structural = {"session": "each session's id", "dt": "the seconds between events", event: "the events"}
        if time is not None:
            structural[time] = "the events' times"
        if target in structural:  # its maximum over a session would be read as a class id without a word
            raise ValueError(f"target={target!r} names the column of {structural[target]}, which EventSessions reads "
                             "as input, not a label; give the column of per-event labels (e.g. target='anomaly': a "
                             "session's label is its maximum), 'next' for next-event prediction, or None")
        if max_len is not None and (isinstance(max_len, bool) or not isinstance(max_len, int | np.integer)
                                    or max_len < 1):
            raise ValueError(f"max_len must be an integer >= 1 or None, got {max_len!r}")
        if keep not in ("first", "last"):
            raise ValueError(f"keep must be 'first' or 'last' (the events a session longer than max_len keeps), got "
                             f"{keep!r}")
        check_flags(log_dt=log_dt, strict=strict)
        _check_events(df, event)
        if df["session"].isna().any():  # NaN != NaN: each such event would be cut off as a session of its own
            rows = np.flatnonzero(df["session"].isna())
            raise ValueError(f"column 'session' has {len(rows)} missing session ids (first at row {int(rows[0])}); "
                             "every event needs its session: fill them, or run sessionize(df), which writes them")
        _check_one_spelling(df["session"], "session", "session")
        _warn_number_spellings(df["session"], "session", "session")
        _check_blank_ids(df["session"], "session", "session")
        _check_spaced_ids(df["session"], "session", "session")
        _check_dt(df["dt"])
        if target not in (None, "next"):
            _check_class_ids(df[target], target, df["session"])
        if time is not None:
            _check_time_order(df[time], time)
        # by time within a session, so that rows shuffled or sampled after sessionize keep their events in order
        try:
            df = df.sort_values(["session"], kind="stable") if time is None else _order_by_time(df, time)
        except TypeError:  # ids of two kinds (1 and 'a'): they print apart but cannot be ordered
            kinds = {}
            for row, v in enumerate(df["session"].tolist()):
                kinds.setdefault(type(v).__name__, (row, v))
            (ka, (ra, va)), (kb, (rb, vb)) = list(kinds.items())[:2]
            raise ValueError(f"column 'session' holds ids of several types ({va!r} ({ka}) at row {ra}, {vb!r} ({kb}) "
                             f"at row {rb}), which cannot be ordered to gather each session's events; give the column "
                             "one type (e.g. df['session'] = df['session'].astype(str))") from None
        if time is not None:
            _check_joined_sessions(df, time)
        elif defaulted:
            _check_rows_in_order(df)
        tokens = _event_tokens(df[event])
        ids = vocab.encode(tokens, strict=strict).numpy()
        _warn_unknown_events(tokens, ids, vocab)
        dt = df["dt"].to_numpy(np.float64)
        dt = np.log1p(dt) if log_dt else dt
        sessions = df["session"].to_numpy()
        starts = np.flatnonzero(np.r_[True, sessions[1:] != sessions[:-1]])
        bounds = np.r_[starts, len(df)]
        labels = None if target in (None, "next") else df[target].to_numpy()
        self.items, lengths, session_ids = [], [], []
        unseen = []  # (session id, label) of sessions whose label comes from events cut off by max_len alone
        for a, end in zip(bounds[:-1], bounds[1:], strict=True):
            # the events kept: [s, b) of the session's [a, end)
            s = a if max_len is None or keep == "first" else max(a, end - max_len)
            b = end if max_len is None or keep == "last" else min(end, a + max_len)
            e = torch.from_numpy(ids[s:b].copy())
            d = torch.from_numpy(dt[s:b].astype(np.float32))
            if target == "next":
                if b - s < 2:
                    continue
                item = ({"event": e[:-1], "dt": d[:-1]}, e[1:])
            elif target is None:
                item = {"event": e, "dt": d}
            else:
                # the session's label, over all its events: max_len shortens what the model reads, not the truth
                top = labels[a:end].max()
                item = ({"event": e, "dt": d}, torch.as_tensor(top).long())
                if b - s < end - a and labels[s:b].max() != top:
                    unseen.append((sessions[a], top))
            self.items.append(item)
            lengths.append(b - s - (target == "next"))
            session_ids.append(sessions[a])
        if not self.items and target == "next" and (max_len is None or max_len >= 2):
            raise ValueError(f"no sessions left: all {len(bounds) - 1} sessions of the log hold a single event, and "
                             "target='next' needs at least 2 (an input and the event after it); if sessionize made "
                             "them, its gap (30 minutes by default) cut each user's events apart: for a log whose "
                             "cases are the sequences however long they run (a case id given as the user, as in "
                             "process mining), pass gap=float('inf'), or a gap longer than the pauses within a case")
        if not self.items:
            raise ValueError("no sessions left (with target='next', sessions need at least 2 events"
                             + (f"; max_len={max_len} keeps only the {keep} {max_len} of each" if max_len is not None
                                and max_len < 2 else "") + ")")
        if unseen:
            _warn_labels_cut_off(unseen, len(self.items), target, max_len, keep, int(np.diff(bounds).max()))
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.session_ids = np.asarray(session_ids)  # sessionize's int64 ids, or a log's own (text) session ids
        if self.session_ids.dtype.kind in "iuf" and (self.session_ids % 1 == 0).all():
            self.session_ids = self.session_ids.astype(np.int64)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int):
        return self.items[i]


def _warn_labels_cut_off(unseen: list, n: int, target: str, max_len: int, keep: str, longest: int) -> None:
    """Warn of sessions whose label (the maximum of ``target`` over all their events) comes from events that
    ``max_len`` cuts off alone: an anomaly late in a long session (early, with ``keep="last"``), labelled on inputs
    that do not hold it, so that the model is taught to call the events it reads anomalous (or of another class)
    without a sign of it."""
    session, label = (v.item() if isinstance(v, np.generic) else v for v in unseen[0])
    other = "last" if keep == "first" else "first"
    ascending = "" if keep == "first" else "ascending=False"
    warnings.warn(f"EventSessions: {len(unseen)} of the {n} sessions take their label from events cut off by "
                  f"max_len={max_len} alone (session {session!r}: {target}={int(label)} only outside its {keep} "
                  f"{max_len} events, the ones kept), so the model would be taught that label on inputs that do not "
                  f"show it; pass a max_len that keeps every event (the longest session holds {longest}), keep="
                  f"'{other}' if the labelled events come {'late' if keep == 'first' else 'early'}, or label each "
                  f"session by the events kept (df[{target!r}] = df[{target!r}] * (df.groupby('session').cumcount("
                  f"{ascending}) < {max_len}), rows in time order); if the label is meant to be foreseen, silence "
                  "this with warnings.filterwarnings('ignore', '.*cut off by max_len')", UserWarning, stacklevel=3)


SHOP_MACHINE: dict[str, dict[str, float]] = {
    "login": {"view": 0.6, "search": 0.4},
    "view": {"view": 0.3, "search": 0.2, "add_to_cart": 0.25, "logout": 0.25},
    "search": {"view": 0.7, "search": 0.1, "logout": 0.2},
    "add_to_cart": {"view": 0.3, "checkout": 0.5, "remove_from_cart": 0.2},
    "remove_from_cart": {"view": 0.6, "logout": 0.4},
    "checkout": {"pay": 0.9, "view": 0.1},
    "pay": {"logout": 0.8, "view": 0.2},
    "logout": {},
}
"""Transition probabilities of the synthetic web shop: every session starts at ``login`` and ends at
``logout``. Mean seconds spent before leaving each state are in `SHOP_DWELL`."""

SHOP_DWELL: dict[str, float] = {"login": 5.0, "view": 30.0, "search": 10.0, "add_to_cart": 8.0,
                                "remove_from_cart": 6.0, "checkout": 20.0, "pay": 15.0, "logout": 0.0}

ANOMALY_KINDS = ("jump", "unknown", "burst")
"""Injected anomalies. ``jump``: an event the machine never emits from the current state (an execution
path anomaly, e.g. ``pay`` right after ``login``). ``unknown``: an event name the machine never emits
(``admin_export``). ``burst``: a normal event whose Δt is 1000 times shorter than its state's mean dwell
(a timing anomaly, DeepLog's "parameter value" kind)."""


def synthetic_event_log(
    n_users: int,
    *,
    sessions_per_user: int = 5,
    anomaly_rate: float = 0.1,
    max_events: int = 40,
    session_gap: float = 4 * 3600.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A SYNTHETIC event log from `SHOP_MACHINE`, with anomalies injected into some sessions.

    Each user has ``sessions_per_user`` sessions, separated by ``session_gap`` seconds plus an
    exponential pause (so `sessionize` with its 30-minute default recovers them exactly). Events within a
    session follow `SHOP_MACHINE`; the time before the next event is exponential with the state's mean
    from `SHOP_DWELL` (at least 1 s), capped at 10 minutes. A session is cut at ``max_events`` events.
    With probability ``anomaly_rate`` a session gets one anomaly of a kind drawn from `ANOMALY_KINDS`,
    at a uniform position after ``login``.

    Returns:
        a frame in random row order with columns ``user`` (str), ``timestamp`` (datetime64[ns]),
        ``event`` (str), ``anomaly`` (bool, true on the injected event), ``kind`` (the anomaly kind or
        ``""``) and ``true_session`` (int, the generator's session id).
    """
    for name, value, least in (("n_users", n_users, 1), ("sessions_per_user", sessions_per_user, 1),
                               ("max_events", max_events, 2)):
        if not is_count(value, least):  # 0 users or sessions: an empty log, without a word
            raise ValueError(f"synthetic_event_log: {name} must be an integer >= {least}, got {value!r}")
    if not (is_finite_number(anomaly_rate) and 0 <= anomaly_rate <= 1):
        raise ValueError(f"synthetic_event_log: anomaly_rate must be a probability in [0, 1] (the share of sessions "
                         f"with an anomaly), got {anomaly_rate!r}")
    rng = np.random.default_rng(seed)
    states = list(SHOP_MACHINE)
    start = pd.Timestamp("2024-01-01")
    rows = []
    true_session = 0
    for u in range(n_users):
        t = rng.uniform(0, 3600.0)
        for _ in range(sessions_per_user):
            path = ["login"]
            while path[-1] != "logout" and len(path) < max_events:
                nxt = SHOP_MACHINE[path[-1]]
                path.append(str(rng.choice(list(nxt), p=list(nxt.values()))))
            dts = [0.0] + [min(600.0, max(1.0, rng.exponential(SHOP_DWELL[s]))) for s in path[:-1]]
            kinds = [""] * len(path)
            if rng.random() < anomaly_rate and len(path) >= 2:
                kind = ANOMALY_KINDS[rng.integers(len(ANOMALY_KINDS))]
                k = int(rng.integers(1, len(path)))
                if kind == "jump":
                    allowed = set(SHOP_MACHINE[path[k - 1]])
                    path[k] = str(rng.choice([s for s in states if s not in allowed and s != "login"]))
                elif kind == "unknown":
                    path[k] = "admin_export"
                else:
                    dts[k] = SHOP_DWELL[path[k - 1]] / 1000.0
                kinds[k] = kind
            for e, dt, kind in zip(path, dts, kinds, strict=True):
                t += dt
                rows.append((f"u{u:04d}", start + pd.Timedelta(seconds=t), e, kind != "", kind, true_session))
            true_session += 1
            t += session_gap + rng.exponential(3600.0)
    df = pd.DataFrame(rows, columns=["user", "timestamp", "event", "anomaly", "kind", "true_session"])
    return df.iloc[rng.permutation(len(df))].reset_index(drop=True)


def is_allowed(prev: str, event: str, *, machine: dict[str, dict[str, float]] = SHOP_MACHINE) -> bool:
    """Whether ``machine`` can emit ``event`` right after ``prev``."""
    return event in machine.get(prev, {})
