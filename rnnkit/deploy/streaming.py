"""Streaming inference: one observation at a time, per stream, with the state kept between calls.

:class:`Streamer` runs the one-step graph of :mod:`rnnkit.deploy.export`, either ``step.onnx`` under
onnxruntime (``Streamer("exports/model")``) or the same step in eager torch (``Streamer(estimator)``), and
keeps one state vector per stream id. Fed a sequence step by step, it reproduces what the model computes on
the whole sequence: every step's output for a per-step model (a tagger), and for a label model the output
the whole sequence read so far would get (a classifier's prediction if the sequence ended now).

For a fitted estimator (or an export of one) the raw features are standardised as in training and the
output decoded: a label and the class probabilities, or a value in the target's units. A ``time_aware``
estimator's stream reads raw features with NaN for a missing value and builds the ``[x, m, δ]`` its graphs
read, as :func:`rnnkit.time_aware_inputs` does over a whole sequence: ``δ`` (steps since each feature was
last observed) is kept per stream beside its state. A model fitted with sample times (``fit(X, y, times=...)``)
reads each step's time too (``step(id, x_t, time=t)``): ``δ`` then grows by the gap since the stream's
previous step, in the fitted unit (``time_unit_``).

At batch 1 a step costs less than onnxruntime's per-call overhead, so :meth:`Streamer.step` under
onnxruntime avoids that overhead: each stream owns two preallocated state buffers ``(1, S)`` and two I/O
bindings over them (``state_in`` one buffer, ``state_out`` the other, the roles swapping every step), the
observation and the output sit in buffers shared by all streams, and one step is one
``run_with_iobinding``: no numpy array is converted, allocated or copied for the state.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import math
import numbers
import os
import re
import threading
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from ..checks import (
    FLOAT32_MAX,
    check_flags,
    closest_name,
    farthest_from_scaling,
    int_meant_fix,
    is_count,
    is_number_text,
    named_difference,
    short_repr,
)
from ..data.sample_times import check_time_scale
from .export import STEP_FILE, StepGraph, check_not_refitted, ort_session, preprocessing, read_export, resolve

SCALE_GAPS = 3  # a stream's first gaps whose median is compared with the fitted unit, as predict compares its
_FLOAT32 = np.dtype(np.float32)


class StepOutput(NamedTuple):
    """One stream's result at one step.

    ``y``: the graph's raw output ``(O,)`` (logits, standardised values, or hidden units of a bare layer);
    ``prediction``: the decoded label or value (None for a bare model); ``probabilities``: the class
    probabilities ``(n_classes,)`` of a classifier or tagger, else None."""

    y: np.ndarray
    prediction: object
    probabilities: np.ndarray | None


class _Stream:
    """One stream's state: two buffers ``(2, 1, S)``, the current state ``buffers[turn]``; under onnxruntime,
    ``bindings[k]`` reads ``buffers[k]`` and writes the next state into ``buffers[1 - k]``."""

    __slots__ = ("buffers", "turn", "bindings", "since", "key", "last_time", "zoned", "gaps")

    def __init__(self, initial_state: np.ndarray, n_raw: int):
        self.key = None  # the id it was started with, to tell an equal id of another kind (1, 1.0, True)
        self.buffers = np.empty((2, 1, initial_state.size), dtype=np.float32)
        self.buffers[0, 0] = initial_state  # a copy: a stream never writes into another's or the initial state
        self.turn = 0
        self.bindings = None
        # a time-aware model's delta since each feature was last observed, before the next step's gap is added,
        # and the time of the stream's last step (None before its first)
        self.since = np.zeros(n_raw, dtype=np.float32)
        self.last_time = None
        self.zoned = None  # whether its dates carry a time zone (None: no date yet): a stream keeps to one
        # its first gaps between steps, until SCALE_GAPS of them are compared with the fitted unit (then None)
        self.gaps = []

    @property
    def state(self) -> np.ndarray:
        """The current state ``(S,)``, a view (written in place by a batched step)."""
        return self.buffers[self.turn, 0]

    def copy(self) -> _Stream:
        """A stream where this one stands, with buffers of its own (and no bindings: the Streamer binds them)."""
        twin = copy.copy(self)  # every slot, a later one too; then those the two must not share
        twin.bindings, twin.buffers, twin.since = None, self.buffers.copy(), self.since.copy()
        twin.gaps = None if self.gaps is None else list(self.gaps)
        return twin


def _seconds(time) -> tuple[float, bool | None]:
    """A date (seconds since 1970-01-01 UTC; without a zone, read as UTC) or a duration, in seconds, and whether
    it is a date with a time zone (None for a duration). Text is a duration where pandas reads it as one ("1 hour",
    "01:30:00", "P1DT2H"), else a date: pd.Timestamp would read "1 hour" as 01:00 of the year 1."""
    if isinstance(time, np.timedelta64 | datetime.timedelta) or isinstance(time, str) and _is_duration(time):
        return pd.Timedelta(time).total_seconds(), None
    stamp = pd.Timestamp(time)
    if stamp is pd.NaT:
        return math.nan, None
    zoned = stamp.tz is not None
    stamp = stamp.tz_convert("UTC").tz_localize(None) if zoned else stamp
    return (stamp - pd.Timestamp(0).as_unit(stamp.unit)).total_seconds(), zoned  # in its unit: 2300 is past ns


_SHORT_DATE = re.compile(r"\s*\d{1,2}([/.-])\d{1,2}\1\d{2}(?:\d{2})?(?!\d)")  # 01/03/2024, 1.3.24, 24-03-01


def compact_date_hint(text) -> str:
    """For ``text`` of eight digits that read as a date written YYYYMMDD (``'20240301'``, as databases and file names
    write dates), the words naming that date and its ISO text; "" for any other value. Such text is refused as a
    number written as text (it may be seconds, too), and the refusal then names the date it may be."""
    if not isinstance(text, str) or re.fullmatch(r"\s*(19|20|21)\d{6}\s*", text) is None:
        return ""
    try:
        date = pd.to_datetime(text.strip(), format="%Y%m%d")
    except ValueError:
        return ""
    return (f"; if it is the date {date:%Y-%m-%d} written YYYYMMDD, give it as ISO text, '{date:%Y-%m-%d}' "
            f"(pd.to_datetime(t, format='%Y%m%d'))")


def two_readings_fix(text) -> str | None:
    """Why ``text``, a date whose day, month and year fields read more than one way (``01/03/2024 10:00``: 3 January
    month first, as pandas reads it, 1 March day first, as most of the world writes it; ``24-03-01``: 24 March 2001
    as pandas reads it, 1 March 2024 year first, as Sweden, Japan or China write short dates), cannot be read as one
    step's time, and how to give it; None for any other value. One value cannot tell the readings apart, and a stream
    of them read the wrong way has gaps of months or years for days."""
    if not isinstance(text, str) or _SHORT_DATE.match(text) is None:
        return None
    readings = {}
    for how, first in (("as pandas reads it", {}), ("day first", {"dayfirst": True}),
                       ("year first", {"yearfirst": True})):
        try:
            with warnings.catch_warnings():  # pandas' "Parsing dates in %d/%m/%Y format ...": the readings are named
                warnings.simplefilter("ignore", UserWarning)
                stamp = pd.to_datetime(text, **first)
        except (TypeError, ValueError):
            return None
        if stamp not in readings:
            call = f" (pd.to_datetime(t, {next(iter(first))}=True))" if first else ""
            readings[stamp] = f"{stamp} {how}{call}"
    if len(readings) < 2:
        return None
    return (f"it reads {len(readings)} ways, {', '.join(readings.values())}, and one value cannot tell which was "
            f"meant; give it as a pd.Timestamp read the way it was written, or as ISO text (YYYY-MM-DD HH:MM:SS)")


_ZONE_NAME = re.compile(r"\[([^\]]*)\]\s*$")  # Java's ZonedDateTime.toString(): ...+01:00[Europe/Paris]
ZONED = re.compile(r"\d(?:Z|z|[+-]\d{2}(?::?\d{2})?)$")  # a time of day followed by Z or an offset: +02, +02:00


def zone_name_fix(text) -> str | None:
    """How to write ``text``, a date that ends in a bracketed zone name as Java's ``ZonedDateTime.toString()`` prints
    it (``2024-03-01T10:00+01:00[Europe/Paris]``), as ISO 8601 reads it; None for any other value. The offset before
    the bracket fixes the instant, so the date without the bracket is the same time."""
    match = _ZONE_NAME.search(text) if isinstance(text, str) else None
    if match is None:
        return None
    bare = text[:match.start()].rstrip()
    send = (f"send it with its offset alone, {bare!r}" if ZONED.search(bare) else
            f"send it with its UTC offset instead (e.g. {bare + '+01:00'!r})")
    return (f"the zone name [{match.group(1)}] after it is Java's ZonedDateTime.toString() addition, not ISO 8601; "
            f"{send} (Java: zoned.toOffsetDateTime().toString(), or DateTimeFormatter.ISO_OFFSET_DATE_TIME)")


# Go's time.Time.String() (fmt.Println of a time): "2024-03-01 11:00:00.5 +0100 CET", the offset then the zone's
# abbreviation ("+0000 UTC"; "+03" where the zone has none), and for time.Now() the monotonic clock, " m=+0.0123"
_GO_TIME = re.compile(r"\s*(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-])(\d{2})(\d{2}) "
                      r"([A-Za-z]{1,6}|[+-]\d{2,4})( m=[+-]\d+(?:\.\d+)?)?\s*")


def go_time_fix(text) -> str | None:
    """How to write ``text``, a time as Go's ``time.Time.String()`` prints it (``'2024-03-01 11:00:00 +0100 CET'``),
    as ISO 8601 writes it; None for any other value. The numeric offset fixes the instant; the zone's abbreviation
    after it (and the monotonic clock reading ``m=+0.0123`` of ``time.Now()``) is Go's addition, which neither ISO
    8601 nor pandas reads."""
    match = _GO_TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    date, clock, sign, hours, minutes, zone, monotonic = match.groups()
    iso = f"{date}T{clock}{sign}{hours}:{minutes}"
    extra = f"the zone's abbreviation {zone!r}" + (f" and the monotonic clock reading {monotonic.strip()!r}"
                                                    if monotonic else "")
    return (f"it is printed as Go's time.Time.String() prints it: the offset {sign}{hours}{minutes} then {extra}, "
            f"which ISO 8601 does not write; send {iso!r} (Go: t.Format(time.RFC3339Nano))")


# a UTC offset written after the word GMT or UTC, as JavaScript's Date.toString() ("Fri Mar 01 2024 10:00:00 GMT+0100
# (Central European Standard Time)"), Java's ZoneId "GMT+01:00" and Windows' "UTC+01:00" write it
_GMT_OFFSET = re.compile(r"\s*(GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*(\([^)]*\))?\s*$", re.IGNORECASE)


def gmt_offset_fix(text) -> str | None:
    """Why ``text``, a date whose UTC offset follows the word GMT or UTC (``'... 10:00:00 GMT+0100'``, meaning one hour
    ahead of UTC), cannot be read as one step's time, and the ISO 8601 text to give; None for any other value. pandas
    (dateutil) reads such an offset with its sign reversed, as POSIX time zones write it: 10:00 GMT+01:00 as 11:00
    UTC, where it is 09:00, so a stream whose offset changes (summer time) has its gap off by twice the change."""
    match = _GMT_OFFSET.search(text) if isinstance(text, str) else None
    if match is None:
        return None
    word, sign, hours, minutes = match.group(1), match.group(2), int(match.group(3)), int(match.group(4) or 0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            local = pd.Timestamp(text[:match.start()])
    except (TypeError, ValueError):
        return None
    if local is pd.NaT or local.tz is not None:
        return None
    offset = f"{sign}{hours:02d}:{minutes:02d}"
    iso = f"{local.isoformat()}{offset}"
    return (f"its offset follows the word {word}, which pandas reads with the sign reversed, as POSIX time zones "
            f"write it ({word.upper()}{offset} as UTC{'-' if sign == '+' else '+'}{hours:02d}:{minutes:02d}), so a "
            f"change of offset (summer time) would put the gap off by twice the change; give it as ISO 8601 writes "
            f"it, {iso!r} (or in UTC, as JavaScript's date.toISOString() writes it)")


def undated_fix(text) -> str | None:
    """Why ``text``, a time of day or a day of the year written without its year (``'10:00'``, ``'10:00 PM'``,
    ``'Mar 1'``), cannot be read as one step's time, and how to give it; None for any other value. pandas fills the
    missing fields in, today's date for a bare time of day (so the date depends on when the step is read: a stream
    read across midnight gains or loses a day) and the year 1 for a day without its year (not a leap year: 28
    February to 1 March of 2024 reads one day), and a stream that passes midnight or New Year is refused as going
    back in time."""
    from dateutil import parser

    if not isinstance(text, str) or _is_duration(text):
        return None
    try:
        one, other = (parser.parse(text, default=datetime.datetime(*ymd)) for ymd in ((2000, 1, 1), (2001, 2, 2)))
        stamp = pd.Timestamp(text)
    except (ValueError, OverflowError, TypeError):
        return None
    if one.year == other.year:  # the text names its year: read as pandas reads it
        return None
    what = "a time of day without a date" if (one.month, one.day) != (other.month, other.day) else \
        "a date without a year"
    today = " (today's date)" if stamp.normalize() == pd.Timestamp.now(stamp.tz).normalize() else ""
    return (f"it is {what}, which pandas reads as {stamp}{today}, so the gaps between steps would depend on the "
            f"fields it fills in (a stream that passes midnight or New Year would go back in time); give each step's "
            f"full date and time, e.g. '2024-03-01 10:00' (pd.Timestamp of the date joined to the time)")


_ORDINAL = re.compile(r"\s*(\d{4})-(\d{3})\s*")  # ISO 8601's ordinal date: the year and the day of the year


def ordinal_date_fix(text) -> str | None:
    """How to give ``text``, an ISO 8601 ordinal date (``'2024-061'``: day 61 of 2024, as logs and satellite data
    write days), as pandas reads a date; None for any other value. Neither pandas' ``pd.Timestamp`` nor ``predict``'s
    ``pd.to_datetime`` reads the form, and ``pd.Timedelta`` reads it as a difference of nanoseconds."""
    match = _ORDINAL.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    try:
        date = pd.to_datetime(match.group(0).strip(), format="%Y-%j")
    except ValueError:
        return None
    if date.year != int(match.group(1)):  # '2023-366': %j rolls over into the next year
        return None
    return (f"it is an ISO 8601 ordinal date (day {int(match.group(2))} of {match.group(1)}), a form pandas does not "
            f"read; give it as the calendar date '{date:%Y-%m-%d}' (pd.to_datetime(t, format='%Y-%j'))")


_WEEK_DATE = re.compile(r"\s*(\d{4})-?W(\d{2})(?:-?([1-7]))?\s*")  # ISO 8601's week date: 2024-W09-5, 2024W095


def week_date_fix(text) -> str | None:
    """How to give ``text``, an ISO 8601 week date (``'2024-W09-5'``: Friday of week 9 of 2024, as payroll, retail and
    ``isocalendar()`` count weeks; ``'2024-W09'``, a week without its day), as pandas reads a date; None for any other
    value. Neither ``pd.Timestamp`` nor ``pd.to_datetime(format='ISO8601')`` reads the form."""
    match = _WEEK_DATE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    year, week, day = int(match.group(1)), int(match.group(2)), match.group(3)
    try:
        date = datetime.date.fromisocalendar(year, week, int(day or 1))
    except ValueError:  # week 53 of a year of 52 weeks, week 00
        return None
    if day is None:
        return (f"it is an ISO 8601 week (week {week} of {year}) without its day, a form pandas does not read; give "
                f"the date of the step, e.g. its Monday, '{date:%Y-%m-%d}' (datetime.date.fromisocalendar({year}, "
                f"{week}, 1))")
    return (f"it is an ISO 8601 week date (day {day} of week {week} of {year}), a form pandas does not read; give it "
            f"as the calendar date '{date:%Y-%m-%d}' (datetime.date.fromisocalendar({year}, {week}, {day}))")


# numbers joined by dashes ('2024-03', a month; '2024-061', a day of the year) are dates, which pd.Timedelta would
# read as a difference of nanoseconds (-202403 ns): a stream of months then reads each step earlier than the last
_DASHED_NUMBERS = re.compile(r"\s*\d+(?:-\d+)+\s*")


def date_text(value) -> bool:
    """Whether ``value`` is a date written as ISO text, sent where a feature's number belongs (a CSV row's or a
    record's time column beside the features)."""
    if not isinstance(value, str) or is_number_text(value) or not any(c.isdigit() for c in value):
        return False
    try:
        pd.to_datetime([value], format="ISO8601", utc=True)
    except (TypeError, ValueError):
        return False
    return True


def _is_duration(text: str) -> bool:
    if _DASHED_NUMBERS.fullmatch(text):
        return False
    try:
        pd.Timedelta(text)
        return True
    except ValueError:
        return False


def _label(value):
    """A class label read from JSON: an array is a tuple label (a list cannot be one: it is not hashable)."""
    return tuple(_label(v) for v in value) if isinstance(value, list) else value


def not_finite_fix(value: float, reads_missing: bool) -> str:
    """The fix of a feature that holds ``value``, NaN or infinity, for a model that reads missing values
    (``reads_missing``: time-aware, NaN or null marks one) or not: the Streamer's and the server's."""
    if math.isinf(value):
        return ("an infinity is no reading (a division by zero or a log of 0 upstream?): give the feature a finite "
                "number" + (", or NaN (null) for a missing reading" if reads_missing else ", or leave the step out"))
    return ("a NaN is a missing value, which this model does not read: fill it (e.g. with the last reading) or leave "
            "the step out, or fit with time_aware=True, which reads NaN as a missing value")


def count_fix(given: int, n: int, names=None) -> str:
    """The fix of a step of ``given`` values where the model reads ``n`` features (a request's step, a stream's
    observation): more are most often an id, time or index column left in a table's rows, or, a whole multiple of
    ``n``, several steps' values in one (a flattened sequence); fewer, a column left out; none, an empty step."""
    order = f"{[str(c) for c in names]}, in that order" if names is not None and n <= 20 else "in the order of fit"
    if given == 0:
        return f"; an empty step holds none: give each step the {n} features the model was fitted on ({order})"
    if given > n:
        steps = (f"{given // n} steps' values in one (a flattened sequence)? give one step's {n} at a time; or "
                 if given % n == 0 else "")
        return (f"; give each step the {n} features the model was fitted on alone ({order}): {steps}an id, time or "
                f"index column left in (a table's whole rows)? select the feature columns")
    return f"; give each step all {n} features the model was fitted on ({order}): a column left out?"


def _record_fields(x_t) -> list[str] | None:
    """The field names of a namedtuple (a row of ``df.itertuples()``) or of a NumPy record or one-row structured
    array (``df.to_records()``), else None."""
    if isinstance(x_t, tuple):
        fields = getattr(type(x_t), "_fields", None)
        return list(fields) if isinstance(fields, tuple) and all(isinstance(f, str) for f in fields) else None
    if isinstance(x_t, np.void | np.ndarray) and x_t.dtype.names is not None and x_t.size == 1:
        return list(x_t.dtype.names)
    return None


def _id_error(stream_id, error: TypeError) -> Exception:
    """A stream id that cannot key a dict is named as such; any other TypeError is returned as it was."""
    try:
        hash(stream_id)
    except TypeError:
        if isinstance(stream_id, tuple):  # "use a tuple" would not help: name what inside it cannot be hashed
            return ValueError(f"Streamer: stream id {stream_id!r} is not hashable (a tuple holding a "
                              f"{_unhashable(stream_id)}); use a str, an int or a tuple of those")
        if isinstance(stream_id, np.ndarray) and stream_id.size == 1:  # ids[k] of an array of ids, kept 0-d
            return ValueError(f"Streamer: stream id {stream_id!r} is a numpy array, which is not hashable; pass its "
                              f"value, stream_id.item()")
        values = (stream_id.ravel().tolist() if isinstance(stream_id, np.ndarray) else
                  list(stream_id) if isinstance(stream_id, list) else [])
        several = ("; an observation? the id comes first: step(stream_id, x_t)" if any(
                   isinstance(v, float) and not v.is_integer() for v in values) else
                   "; several ids? a stream has one: step_many({id: x_t, ...}) steps several, reset(id) resets each"
                   if len(values) > 1 else "")
        return ValueError(f"Streamer: stream id {short_repr(stream_id)} is not hashable "
                          f"({type(stream_id).__name__}); use a str, an int or a tuple{several}")
    return error


def _text_fix(raw: np.ndarray, n_raw: int) -> str:
    """How to give an observation that holds text as numbers: a line of a CSV file whole (``"0.5,1.2,3"``, one cell
    per feature, so that ``"0,5"`` to a one-feature model, a decimal comma, is not called a line), its cells as text
    (``line.split(",")``, ``csv.reader``'s rows); "" for other text, whose fix the caller words."""
    texts = [v.decode(errors="replace") if isinstance(v, bytes) else v for v in raw.ravel().tolist()]
    if len(texts) == 1:
        line = str(texts[0]).strip()
        sep = next((c for c in (",", ";", "\t") if c in line), None)
        cells = line.split(sep)
        if 1 < len(cells) == n_raw and all(is_number_text(c) for c in cells):  # "0.5" alone is no line
            return (f"it is one line of text, {line[:40]!r}, as a CSV file holds it: split it and read its numbers, "
                    f"[float(v) for v in line.split({sep!r})] (or read the file with pandas.read_csv, which does)")
    if any(isinstance(v, str) for v in texts) and all(isinstance(v, str) and is_number_text(v) or
                                                      isinstance(v, numbers.Real) for v in texts):
        first = next(v for v in texts if isinstance(v, str))
        return (f"its values are numbers written as text ({first!r}, ...: a CSV line's cells, line.split(','), "
                f"csv.reader's rows): read them as numbers, [float(v) for v in row] (or read the file with "
                f"pandas.read_csv, which does)")
    return ""


def _running(streams: dict, part) -> bool:
    try:
        return part in streams
    except TypeError:  # a part that cannot be hashed names no stream
        return False


def _unhashable(value) -> str:
    """The type of what cannot be hashed in ``value``, looking inside tuples."""
    for v in value if isinstance(value, tuple) else ():
        try:
            hash(v)
        except TypeError:
            return _unhashable(v)
    return type(value).__name__


def _check_new_id(stream_id) -> None:
    """ValueError for an id that cannot name one stream: None (``reset(None)`` starts every stream over) and NaN
    (never equal to itself, so each call would start a new stream), a torch tensor (hashed by identity: alike) and a
    number that is not whole. Checked when a stream starts, not per step."""
    if stream_id is None:
        raise ValueError("Streamer: stream id None is not allowed: reset(None) starts every stream over, so that "
                         "stream could not be reset alone; use a str, an int or a tuple")
    if isinstance(stream_id, tuple):  # a NaN inside a tuple makes the tuple equal to no other either
        for part in stream_id:
            _check_new_id(part)
        return
    if isinstance(stream_id, torch.Tensor):  # hashed by identity: each tensor(3) a new stream, reset finding none
        fix = "stream_id.item()" if stream_id.numel() == 1 else "tuple(stream_id.tolist())"
        raise ValueError(f"Streamer: stream id {stream_id!r} is a torch.Tensor, which Python hashes by identity, not "
                         f"by value, so each step's tensor would start a new stream; pass {fix}")
    if isinstance(stream_id, float | np.floating) and math.isnan(stream_id):
        raise ValueError(f"Streamer: stream id {stream_id!r} is NaN, which equals no other value (not even another "
                         "NaN), so each step would start a new stream; use a str, an int or a tuple")
    if _fractional(stream_id):
        raise ValueError(f"Streamer: stream id {stream_id!r} is a {type(stream_id).__name__} that is not a whole "
                         "number, which differs at each precision it is read at (np.float32(0.1) != 0.1), so one id "
                         f"would name two streams; use a str (e.g. {str(stream_id)!r}), an int or a tuple (a whole "
                         "float, 3.0, is one id at every precision)")
    if stream_id is pd.NA or stream_id is pd.NaT or isinstance(stream_id, np.datetime64 | np.timedelta64) and \
            np.isnat(stream_id):  # an id column read by pandas with a gap
        raise ValueError(f"Streamer: stream id {stream_id!r} is a missing value ({type(stream_id).__name__}), not an "
                         "id: the steps of every record that lacks its id would run as one stream (NumPy's NaT: each "
                         "step a new one); give every record its id (a str, an int or a tuple)")


def _printed(stream_id):
    """How an id prints, a tuple part by part: ids that print alike but are unequal (``7`` and ``"7"``, an id column
    read as numbers by one source and as text by another) would name two streams."""
    return tuple(_printed(part) for part in stream_id) if isinstance(stream_id, tuple) else str(stream_id)


def _fractional(stream_id) -> bool:
    """True for a number id that is neither an integer nor a whole real number (0.1, inf, 1j): float32, float64,
    Decimal and Fraction of one such value differ, where those of a whole one (3.0, exact in each) are equal."""
    if isinstance(stream_id, bool | np.bool_ | numbers.Integral) or not isinstance(stream_id, numbers.Number):
        return False
    try:
        return stream_id.imag != 0 or not float(stream_id.real).is_integer()
    except (TypeError, ValueError, OverflowError):  # a Number of one's own without real, or beyond float
        return True


def _kind(stream_id):
    """What an id is, beyond Python's equality (``1 == 1.0 == True``): bool, int, float, complex, str, bytes
    (numpy's scalars as Python's, so that ids read from a pandas column name the same streams), else the type;
    a tuple's kinds part by part."""
    if isinstance(stream_id, tuple):
        return tuple(_kind(v) for v in stream_id)
    for kind in (bool | np.bool_, numbers.Integral, numbers.Real, numbers.Complex, str, bytes):
        if isinstance(stream_id, kind):
            return kind
    return type(stream_id)


def _typed(stream_id) -> str:
    """An id as the messages show it: its repr and its type (a tuple's, part by part)."""
    return f"{stream_id!r} ({type(stream_id).__name__})" if not isinstance(stream_id, tuple) else \
        f"{stream_id!r} ({', '.join(type(p).__name__ for p in stream_id)})"


def _check_same_kind(stream: _Stream, stream_id) -> None:
    """ValueError when ``stream_id`` finds ``stream`` as a dict key but is an id of another kind than the one
    it was started with: ``True`` or ``1.0`` would continue the stream of ``1``, two callers sharing one state."""
    key = stream.key
    if type(key) is type(stream_id) and (not isinstance(key, tuple) or
                                         tuple(map(type, key)) == tuple(map(type, stream_id))):
        return
    if _kind(key) != _kind(stream_id):
        raise ValueError(f"Streamer: stream id {_typed(stream_id)} equals the id {_typed(key)} of a running stream, as "
                         "Python compares them (1 == 1.0 == True), so it would continue that stream's state; give "
                         "each stream one id of one type (str ids cannot collide), or reset the other first")


class UnknownStreamError(KeyError, ValueError):
    """``Streamer.reset(stream_id)`` of an id that has no stream: a KeyError, as ``dict.pop`` raises for a
    missing key, and a ValueError, as every bad input of rnnkit. Its message is one line (a KeyError's would
    be quoted); ``stream_id`` and ``streams`` (the ids that have a stream) are kept."""

    def __init__(self, stream_id, streams: list):
        self.stream_id, self.streams = stream_id, list(streams)
        text = [s for s in streams if isinstance(s, str)]
        close = closest_name(stream_id, text) if text else None
        shown = ", ".join(repr(s) for s in streams[:5]) + (f", ... ({len(streams)} in all)" if len(streams) > 5
                                                          else "")
        running = f"the streams running: {shown}" if streams else "no stream is running"
        super().__init__(f"Streamer.reset: no stream has the id {stream_id!r} ({running}"
                         f"{f'; did you mean {close!r}?' if close is not None else ''}): a stream starts at "
                         f"its first step and ends at its reset; pass missing_ok=True to ignore an id that "
                         f"has no stream")

    def __str__(self) -> str:
        return str(self.args[0])


class Streamer:
    """Feed observations one at a time, per stream id, through a model's step graph.

    ``source``: an export directory (``step.onnx`` run by onnxruntime, ``threads`` intra-op threads, 1 by
    default: at batch 1 a thread pool only adds synchronisation), or a fitted estimator, model or
    unidirectional layer (the eager torch step). ``step(stream_id, x_t)`` reads one observation ``x_t (F,)``
    (raw features, for an estimator) and returns a :class:`StepOutput`; ``step_many({id: x_t, ...})``
    advances several streams in one batched call; ``reset(id)`` starts a stream over (an id that has no
    stream raises :class:`UnknownStreamError` unless ``missing_ok=True``), ``reset()`` all of them. Each stream is
    held until reset (its state; under onnxruntime also its two I/O bindings, a few kilobytes): ids that never
    end, a session id per visitor, grow the memory by as much each; ``max_streams`` bounds them, a new stream
    beyond it refused (no stream is dropped on its own: one stepped again would start over without a word). A stream id
    is any hashable value but None (which ``reset`` reads as "every stream"), NaN (equal to no other value), a torch
    tensor (hashed by identity: ``stream_id.item()`` is its value) and a number that is not whole (``0.1``:
    ``np.float32(0.1) != 0.1``, so one id read at two precisions would name two streams; whole floats such as a
    pandas id column's ``3.0`` are exact at every precision); an unseen one starts fresh at ``step``. Ids that
    Python counts equal name one stream only when of one kind (``1`` and ``np.int64(1)``, ``3.0`` and
    ``np.float32(3.0)``): ``1.0`` or ``True`` while stream ``1`` runs is refused, not merged; so is a new id that
    prints as a running stream's but is unequal to it (``"7"`` beside ``7``), which would split one source's steps.
    A pandas row (a Series, or a one-row DataFrame) is checked by its names as ``predict`` checks a DataFrame's
    columns: another order or other names than at fit are refused, names given to a model fitted without them
    are warned about and read by position.

    Under onnxruntime ``step`` runs the stream's I/O binding (the module docstring) and ``step_many`` of
    several streams runs ``session.run`` on their states gathered into one batch; both compute the same
    graph, so a stream may mix them.
    """

    def __init__(self, source, *, threads: int | None = 1, max_streams: int | None = None):
        if threads is not None and not is_count(threads):
            raise ValueError(f"Streamer: threads must be an integer >= 1 (onnxruntime's intra-op threads) or None, "
                             f"got {threads!r}{int_meant_fix('threads', threads, 1)}")
        if max_streams is not None and not is_count(max_streams):
            raise ValueError(f"Streamer: max_streams must be an integer >= 1 (the most streams held at once) or None "
                             f"(no bound), got {max_streams!r}{int_meant_fix('max_streams', max_streams, 1)}")
        threads = None if threads is None else int(threads)  # numpy's integers too: onnxruntime takes a Python int
        self.max_streams = None if max_streams is None else int(max_streams)
        if isinstance(source, str | os.PathLike):
            import onnxruntime as ort

            source = os.path.expanduser(source)  # "~/exports/m", as read_export reads it
            info = read_export(source)
            if not info["step"].get("file"):
                raise ValueError(f"{source}: this export has no step graph ({info['step']['reason']})")
            self.backend = "onnxruntime"
            step_file = Path(source) / STEP_FILE
            if not step_file.is_file():
                raise ValueError(f"Streamer: {step_file} is missing, though {source}'s export.json names it; export "
                                 f"the model again (rnnkit.export_onnx, or rnnkit export MODEL_DIR --out {source})")
            try:
                self._session = ort_session(step_file, threads=threads)
            except Exception as e:  # noqa: BLE001 - onnxruntime's own classes (InvalidProtobuf, ...), not ValueError
                said = " ".join(str(e).split())
                if "opset" in said.lower() and isinstance(info.get("opset"), int):
                    # an onnxruntime older than the graph's opset: exported again, the graph would be the same
                    written = (info.get("versions") or {}).get("onnxruntime")
                    raise ValueError(f"Streamer: cannot load {step_file}: the graph is of ONNX opset {info['opset']}"
                                     + (f" (exported beside onnxruntime {written})" if isinstance(written, str) else "")
                                     + f", which this onnxruntime {ort.__version__} does not load ({said}); upgrade "
                                     f"onnxruntime where the stream runs (pip install -U onnxruntime), or export the "
                                     f"model at an opset it loads (rnnkit.export_onnx(model, directory, opset=18))"
                                     ) from e
                raise ValueError(f"Streamer: cannot load {step_file} ({said}); export the model again "
                                 f"(rnnkit.export_onnx, or rnnkit export MODEL_DIR --out {source})") from e
            self.initial_state = np.asarray(info["step"]["initial_state"], dtype=np.float32)
            self.n_features = int(info["step"]["inputs"]["x_t"]["shape"][1])
            self.preprocessing = info["preprocessing"]
            self._y_width = int(info["step"]["outputs"]["y_t"]["shape"][1])
            self._fitted = None
            self._source = info["source"]  # the estimator's class name, for the messages
        else:
            exportable = resolve(source, "Streamer")
            self.backend = "torch"
            if threads not in (1, None):  # the default, 1, alike for both backends
                raise ValueError(f"Streamer: threads={threads} sets onnxruntime's threads, for an export directory's "
                                 f"step.onnx; this Streamer runs the eager torch step of {exportable.source}, on "
                                 f"torch's threads: call torch.set_num_threads({threads}) instead, or stream the "
                                 f"export (Streamer(export_dir, threads={threads}), after rnnkit.export_onnx)")
            why = exportable.why_no_step()
            if why is not None:
                raise ValueError(f"Streamer: {why}")
            self._graph = StepGraph(exportable).eval()
            self._source = exportable.source
            # the estimator and the fitted model this streamer copied: fitting it again replaces model_ (step_many
            # refuses to go on with the old copy)
            self._fitted = None if exportable.estimator is None else (exportable.estimator, source.model_)
            self.initial_state = self._graph.initial_state().numpy()
            self.n_features = exportable.encoder.input_size
            self.preprocessing = preprocessing(exportable.estimator, "Streamer")
        pre = self.preprocessing
        if pre is not None and "windows" in pre:  # trained on windows: predict averages windows, a stream cannot
            warnings.warn(f"Streamer: this model was trained on windows of {pre['windows']['fraction']:g} of each "
                          f"sequence and its predict averages {pre['windows']['count']} of them; a stream reads every "
                          "step from the first, so its outputs are the whole sequence's reading, not predict's; for "
                          "a predict that reads as the stream does, set the estimator's predict_windows_ = 1"
                          f"{' and export it again' if self.backend == 'onnxruntime' else ''}",
                          UserWarning, stacklevel=2)
        # a time-aware estimator's graphs read [x, m, delta] (3F); its stream reads F raw values, NaN missing
        self._time_aware = pre is not None and "time_aware" in pre
        self.n_raw = pre["n_features"] if self._time_aware else self.n_features
        # fitted with sample times: each step's time, its gaps in this unit (None: delta counts steps)
        self._time_unit = pre["time_aware"].get("time_unit") if self._time_aware else None
        self._times_in = pre["time_aware"].get("times") if self._time_aware else None
        # a pandas row is read by its names when the estimator was fitted on named columns, as predict reads them
        self._feature_names = None if pre is None else pre.get("feature_names")
        # labels that are not names (ints of pd.DataFrame(array)): a row with them in another order is refused, as
        # predict refuses such columns (an export written before has none)
        self._column_labels = None if pre is None else pre.get("column_labels")
        # _check's finiteness test, without np.isfinite(a).all(), whose reduction costs several µs right after
        # onnxruntime ran: for a few features, the values summed as Python floats (doubles: float32 values cannot
        # overflow them, so the sum is finite exactly when every value is); for more, np.isfinite into a
        # preallocated mask, compared with all-True as bytes
        self._x_shape, self._few_features = (self.n_raw,), self.n_raw <= 32
        self._all_finite = np.ones(self.n_raw, dtype=bool).tobytes()
        # the standardisation in predict's arithmetic, export.json's x_dtype: float64 (float32 in an export of a model
        # saved when the scaling was kept in float32, which read x as float32), then float32, the graph's x
        self._x_dtype = _FLOAT32 if pre is None else np.dtype(pre.get("x_dtype", "float32"))
        self._x_mean = None if pre is None else np.asarray(pre["x_mean"], dtype=self._x_dtype)
        self._x_scale = None if pre is None else np.asarray(pre["x_scale"], dtype=self._x_dtype)
        self._output = None if pre is None else pre["output"]
        if self._output is not None and self._output["kind"] == "class_logits":  # export.json writes a tuple label
            # as an array: the step gives it back as the tuple predict returns (a list is unequal and unhashable)
            self._output = self._output | {"classes": [_label(c) for c in self._output["classes"]]}
        if self._output is not None and self._output["kind"] == "standardised_values":
            # float64, as predict undoes the scaling: a target far from zero beside its spread (a meter's running
            # total, epoch seconds: float32's numbers near 1.7e9 are 128 apart) keeps its digits
            self._y_mean = np.asarray(self._output["y_mean"], dtype=np.float64)
            self._y_scale = np.asarray(self._output["y_scale"], dtype=np.float64)
        self._streams: dict = {}
        self._printed: dict = {}  # each running stream's id by how it prints (_printed), to tell 7 from "7"
        self._own_buffers()

    def _own_buffers(self) -> None:
        """The lock and the buffers this Streamer's steps write, its own (a copy's too: see :meth:`__copy__`)."""
        # held from reading a stream's state to writing it back (and, under onnxruntime, from writing _x to reading _y):
        # a web server's threads would otherwise read each other's observation or output, and two steps of one
        # stream at once would both start from its old state
        self._lock = threading.Lock()
        self._finite = np.empty(self.n_raw, dtype=bool)  # _check's mask (see __init__)
        self._centred = np.empty(self.n_raw, dtype=self._x_dtype)  # step's x - x_mean, before it is divided
        if self.backend == "onnxruntime":
            import onnxruntime as ort

            # the batch-1 buffers every stream's bindings share: written before, read after each step
            self._x = np.zeros((1, self.n_features), dtype=np.float32)
            self._y = np.zeros((1, self._y_width), dtype=np.float32)
            self._x_ort = ort.OrtValue.ortvalue_from_numpy(self._x)  # shares self._x's memory
            self._y_ort = ort.OrtValue.ortvalue_from_numpy(self._y)
            self._x_row, self._y_row = self._x[0], self._y[0]  # (F,), (O,) views: no indexing per step

    def __copy__(self) -> Streamer:
        """A Streamer of the same model whose streams start where this one's stand and then step on their own, as
        ``copy.deepcopy`` gives: one that shared them (a plain shallow copy) would advance this Streamer's streams
        with its own steps, without a word. The model (the session or the step graph) is shared: nothing writes
        it."""
        twin = object.__new__(type(self))
        twin.__dict__.update(self.__dict__)
        twin._own_buffers()
        with self._lock:  # not amid another thread's step
            twin._streams = {i: twin._bind(s.copy()) for i, s in self._streams.items()}
            twin._printed = dict(self._printed)
        return twin

    def __deepcopy__(self, memo: dict) -> Streamer:
        return self.__copy__()

    def __reduce__(self):
        raise TypeError(f"Streamer: a Streamer is not pickled: it holds "
                        f"{'an onnxruntime session' if self.backend == 'onnxruntime' else 'a torch step graph'} and a "
                        f"lock; copy.deepcopy(streamer) copies it with its streams within a process, and another "
                        f"process makes its own from the source (Streamer(export_dir), or "
                        f"Streamer(rnnkit.load(model_dir))), whose streams start from the initial state")

    @property
    def streams(self) -> list:
        """The ids of the streams with a state."""
        return list(self._streams)

    def reset(self, stream_id=None, *, missing_ok: bool = False) -> None:
        """Forget one stream's state (it starts over at its next step), or every stream's (``reset()``).

        An id that has no stream (never stepped, or reset already) raises :class:`UnknownStreamError`, a
        ``KeyError`` as ``dict.pop`` raises, naming the running streams: a misspelt id would otherwise leave
        the stream meant running on its old state. ``missing_ok=True`` ignores such an id, as
        ``pathlib.Path.unlink(missing_ok=True)`` ignores a missing file (a session that ends before its
        first step)."""
        check_flags("Streamer.reset: ", missing_ok=missing_ok)
        with self._lock:  # not amid another thread's step of the stream (see step)
            self._reset(stream_id, missing_ok)

    def _reset(self, stream_id, missing_ok: bool) -> None:
        if stream_id is None:
            self._streams.clear()
            self._printed.clear()
            return
        try:
            hash(stream_id)  # dict.pop would not hash it when no stream has started yet
            stream = self._streams.get(stream_id)
        except TypeError as e:
            raise _id_error(stream_id, e) from None
        if stream is None:
            if isinstance(stream_id, tuple) and len(stream_id) > 1 and all(_running(self._streams, part)
                                                                           for part in stream_id):
                # reset(tuple(ids)) for several streams: one id, which no stream has (missing_ok would ignore it)
                raise ValueError(f"Streamer.reset: no stream has the id {stream_id!r}, but each of its parts is a "
                                 f"running stream's id; a tuple is one id: reset several streams one at a time, "
                                 f"for i in ids: streamer.reset(i)")
            if not missing_ok:
                raise UnknownStreamError(stream_id, self.streams)
            return
        _check_same_kind(stream, stream_id)  # reset(True) would start stream 1 over
        del self._streams[stream_id]
        self._printed.pop(_printed(stream.key), None)

    def step(self, stream_id, x_t, *, time=None) -> StepOutput:
        """Advance one stream by one observation ``x_t (F,)``; ``time``: its sample time, for a model fitted
        with sample times (a number, or a date or duration as at fit: ``pd.Timestamp``, ``datetime``,
        ``np.datetime64``, ``np.timedelta64``, an ISO text, a duration as text, ``"1h30m"``, as ``pd.Timedelta`` reads
        it), later than the stream's previous step; a stream's dates all carry a time zone or none does (a date
        without one is read as UTC). A number written as text is refused (it says no unit)."""
        if self.backend != "onnxruntime":
            try:
                return self.step_many({stream_id: x_t}, times=None if time is None else {stream_id: time})[stream_id]
            except TypeError as e:  # an unhashable id
                raise _id_error(stream_id, e) from None
        # the graph call costs ~10-50 µs, so each numpy call around it counts: a cheap check (see __init__), one copy
        # into the bound buffer, the call, one copy out. The stream is read, stepped and written back under the lock:
        # two threads stepping one stream at once (two clients of one id) would otherwise both read its old state,
        # and one step would be lost without a word (a new stream: one of the two would be dropped)
        try:  # free unless it raises
            a = self._check(stream_id, x_t)
            hash(stream_id)
        except TypeError as e:
            raise _id_error(stream_id, e) from None
        with self._lock:  # the observation and output buffers are every stream's too: threads step one at a time
            stream = self._streams.get(stream_id)
            if self._time_aware:
                time = self._time_of(stream_id, stream, time)
            elif time is not None:
                self._time_of(stream_id, stream, time)  # refused: the model reads no times
            new = stream is None
            if new:
                _check_new_id(stream_id)
                self._check_printed_apart([stream_id])
                self._check_room([stream_id])
                stream = self._new_stream()
                stream.key = stream_id
            elif type(stream.key) is not type(stream_id) or type(stream_id) is tuple:  # one `is` per step otherwise
                _check_same_kind(stream, stream_id)
            x = self._x_row
            if self._time_aware:
                x[...], after = self._time_aware_row(stream, a, time)
            elif self._x_mean is None:
                x[...] = a
            else:  # step_many's operations (_standardise), into the bound float32 buffer: rounded once
                np.subtract(a, self._x_mean, out=self._centred, dtype=self._x_dtype)
                with np.errstate(over="ignore"):  # a value beyond float32 once standardised: refused below
                    np.divide(self._centred, self._x_scale, out=x)
            self._session.run_with_iobinding(stream.bindings[stream.turn])
            y = self._y_row.copy()
            infinite = np.isinf(x).any()
            out = self._decode(y, stream_id, a)  # before the turn: a NaN step keeps the old state
            if infinite:
                raise self._beyond_float32(stream_id, a)
            stream.turn = 1 - stream.turn
            if self._time_aware:  # and its delta and time
                self._advance(stream, after)
            if new:  # stored once it has stepped: a failed first step leaves no stream behind
                self._streams[stream_id] = stream
                self._printed[_printed(stream_id)] = stream_id
        return out

    def step_many(self, observations: dict, *, times: dict | None = None) -> dict:
        """Advance several streams by one observation each, in one batched call: ``{id: x_t}`` ->
        ``{id: StepOutput}``; ``times``: ``{id: time}`` of those observations, for a model fitted with sample
        times (:meth:`step`)."""
        if not isinstance(observations, dict):
            raise ValueError(f"Streamer.step_many: observations must be a dict {{stream_id: x_t}}, got "
                             f"{type(observations).__name__}{self._keyed_hint(observations)}")
        if times is not None and not isinstance(times, dict):
            raise ValueError(f"Streamer.step_many: times must be a dict {{stream_id: time}} of the observations' "
                             f"sample times, got {type(times).__name__}")
        if times is not None and set(times) != set(observations):
            other = [k for k in times if k not in observations] or [k for k in observations if k not in times]
            raise ValueError(f"Streamer.step_many: times must name the streams of observations, one time each; "
                             f"stream {other[0]!r} is in one and not the other")
        if not observations:
            return {}
        if self._fitted is not None:
            check_not_refitted(*self._fitted, "Streamer", "the Streamer", "make a new Streamer(estimator)")
        ids = list(observations)
        if len(ids) == 1 and self.backend == "onnxruntime":
            return {ids[0]: self.step(ids[0], observations[ids[0]], time=None if times is None else times[ids[0]])}
        x = raw = np.stack([self._check(i, observations[i]) for i in ids])  # (B, F)
        with self._lock:  # the states read, stepped and written back by one thread at a time (see step)
            for i in ids:
                if i not in self._streams:
                    _check_new_id(i)
                else:
                    _check_same_kind(self._streams[i], i)
            new = [i for i in ids if i not in self._streams]
            self._check_printed_apart(new)
            self._check_room(new)
            streams = [self._streams.get(i) or self._new_stream() for i in ids]
            for i, stream in zip(ids, streams, strict=True):
                stream.key = i if stream.key is None else stream.key
            if self._time_aware:
                at = [self._time_of(i, self._streams.get(i), None if times is None else times[i]) for i in ids]
                rows = [self._time_aware_row(s, a, t) for s, a, t in zip(streams, x, at, strict=True)]
                x = np.stack([row for row, _ in rows])  # (B, 3F)
            elif times is not None:
                self._time_of(ids[0], None, times[ids[0]])  # refused: the model reads no times
            elif self._x_mean is not None:
                x = self._standardise(x)
            state = np.stack([s.state for s in streams])  # (B, S)
            with np.errstate(over="ignore"):  # a value beyond float32 once standardised: refused below
                x = x.astype(np.float32)
            y, state = self._run(x, state)
            results = {i: self._decode(y[k], i, a) for k, (i, a) in enumerate(zip(ids, raw, strict=True))}
            if (beyond := np.isinf(x).any(axis=1)).any():  # the network read infinity; its output may still be finite
                k = int(beyond.nonzero()[0][0])
                raise self._beyond_float32(ids[k], raw[k])
            for k, i in enumerate(ids):  # once every output is known finite: a NaN step keeps the old states
                streams[k].state[:] = state[k]
                if self._time_aware:
                    self._advance(streams[k], rows[k][1])
                self._streams[i] = streams[k]
            self._printed.update((_printed(i), i) for i in new)
        return results

    def _keyed_hint(self, observations) -> str:
        """How to key ``observations``, given to ``step_many`` other than as a dict: a DataFrame of one row per stream
        (each device's latest reading) by its id column or index, a list of observations by their ids."""
        if isinstance(observations, pd.DataFrame):
            features = [str(c) for c in self._feature_names or ()]
            others = [c for c in observations.columns if str(c) not in features] if features else []
            rows = f" of {len(observations)} rows"
            if len(others) == 1:  # the id column beside the features
                return (f"{rows}; a frame of one row per stream: key each row by its stream id, "
                        f"step_many(dict(df.set_index({others[0]!r}).iterrows())) (the rows' names are checked as at "
                        f"fit)")
            if not others and not isinstance(observations.index, pd.RangeIndex):  # indexed by the ids already
                return f"{rows}; a frame of one row per stream, indexed by the ids: step_many(dict(df.iterrows()))"
            return (f"{rows}; a frame of one row per stream: key each row by its stream id, "
                    f"step_many(dict(df.set_index(ID_COLUMN).iterrows())), or dict(df.iterrows()) where the index "
                    f"holds the ids")
        if isinstance(observations, list | tuple) or isinstance(observations, np.ndarray) and observations.ndim == 2:
            return (f" of {len(observations)} observations; give each its stream id, "
                    f"step_many(dict(zip(stream_ids, observations)))")
        return ""

    def _standardise(self, a: np.ndarray) -> np.ndarray:
        """``(a - x_mean) / x_scale``, computed in ``x_dtype`` as ``predict`` computes it (float64: a feature far
        from zero beside its spread keeps its variation), before the graph's float32."""
        return (a.astype(self._x_dtype, copy=False) - self._x_mean) / self._x_scale

    def _time_aware_row(self, stream: _Stream, a: np.ndarray, time: tuple[float, bool | None] | None
                        ) -> tuple[np.ndarray, tuple]:
        """``[x, m, delta] (3F,)`` of one raw observation ``a (F,)`` (NaN: missing) at ``time`` (``(seconds or the
        number given, zoned)`` from :meth:`_time_of`; None: delta counts steps), as :func:`rnnkit.time_aware_inputs`
        builds it over a whole sequence: ``delta_0 = 0``, then ``delta_t = gap_t`` after an observation,
        ``delta_{t-1} + gap_t`` after a missing value; and the stream's delta and time after the step, which
        :meth:`_advance` keeps once the step's output is known finite (a refused step leaves the stream as it was)."""
        m = ~np.isnan(a)
        x = np.where(m, self._standardise(a), 0.0)
        gap = (0.0 if stream.last_time is None else 1.0 if time is None else
               (time[0] - stream.last_time) / self._time_unit)
        delta = stream.since + np.float32(gap)
        with np.errstate(over="ignore"):  # a value beyond float32 once standardised: refused after the step
            row = np.concatenate([x, m, delta]).astype(np.float32)
        return row, (np.where(m, 0.0, delta).astype(np.float32), time)

    def _advance(self, stream: _Stream, after: tuple) -> None:
        """Keep a time-aware stream's delta and time after a step (``after``, from :meth:`_time_aware_row`)."""
        stream.since, time = after
        if time is not None and stream.last_time is not None and stream.gaps is not None:
            self._check_scale(stream, time[0] - stream.last_time)
        stream.last_time = 0.0 if time is None else time[0]
        if time is not None and time[1] is not None:
            stream.zoned = time[1]

    def _check_scale(self, stream: _Stream, gap: float) -> None:
        """Warn, once per stream, when the median of its first :data:`SCALE_GAPS` gaps is 10 times or more away from
        the fitted unit (times in other units than at fit: milliseconds for seconds), as ``predict`` warns
        (:func:`rnnkit.data.sample_times.check_time_scale`)."""
        stream.gaps.append(gap)
        if len(stream.gaps) < SCALE_GAPS:
            return
        relative = np.cumsum([0.0, *stream.gaps])[None]  # (1, SCALE_GAPS + 1)
        message = check_time_scale(relative, np.array([relative.shape[1]]), self._time_unit,
                                   f"Streamer: stream {stream.key!r}")
        stream.gaps = None
        if message is not None:
            message = message.replace("median gap between steps of these times", f"median of its first {SCALE_GAPS} "
                                      f"gaps", 1)
            warnings.warn(message, UserWarning, stacklevel=4)

    def _time_of(self, stream_id, stream: _Stream | None, time) -> tuple[float, bool | None] | None:
        """A step's ``time`` as the model reads it: seconds (since 1970-01-01 UTC for dates) or the number given,
        and whether it is a date with a time zone (None otherwise); None for a model whose delta counts steps.
        ValueError for a time missing where the model reads times, given where it reads none, of another kind than
        at fit, a date with a zone in a stream of dates without one (or the reverse), not later than the stream's
        previous step, or so much later that its gap in time units is beyond float32 (the decays would read inf)."""
        where = f"Streamer: stream {stream_id!r}"
        if self._time_unit is None:
            if time is not None and not self._time_aware:  # no decays: the steps are read in order, whatever the gaps
                raise ValueError(f"{where}: a time was given, but the model reads no times (time_aware=False: it "
                                 f"reads the steps in order, whatever their gaps); leave time out, or refit with "
                                 f"time_aware=True and fit(X, y, times=...)")
            if time is not None:
                raise ValueError(f"{where}: a time was given, but the model was fitted without sample times (its "
                                 f"delta counts steps); leave time out, or refit with fit(X, y, times=...)")
            return None
        if time is None:
            raise ValueError(f"{where}: the model was fitted with sample times; give each step's time: "
                             f"step(stream_id, x_t, time=t)")
        seconds = self._times_in == "seconds"
        if isinstance(time, torch.Tensor | np.ndarray) and time.ndim == 0:  # times[k] of a tensor or array of times
            time = (time.detach().cpu().numpy() if isinstance(time, torch.Tensor) else time)[()]  # its dtype kept
        if isinstance(time, pd.Period):  # a row of a PeriodIndex (monthly data): its start, as predict reads periods
            time = time.start_time
        if time is pd.NA:
            raise ValueError(f"{where}: time <NA> is missing; every step needs its time (a missing value goes in x_t "
                             f"as NaN)")
        if isinstance(time, decimal.Decimal):  # a database's NUMERIC column: a number
            if time.is_finite() and not math.isfinite(float(time)):
                raise ValueError(f"{where}: time {time!r} lies beyond float64's range (1.8e308); give the times in a "
                                 f"unit that keeps them within it")
            time = math.nan if time.is_nan() else float(time)  # float() refuses a signalling NaN
        if isinstance(time, bool) or not (isinstance(time, numbers.Real | str | np.datetime64 | np.timedelta64)
                                          or isinstance(time, datetime.date | datetime.timedelta)):
            if isinstance(time, list | tuple | np.ndarray | torch.Tensor | pd.Series | pd.Index | pd.DataFrame):
                # df.loc[k, ["t"]], or the times of several steps: one line, not the container's repr
                raise ValueError(f"{where}: time is {type(time).__name__} of shape {tuple(np.shape(time))}, not one "
                                 f"time; give the step's own time (a number, date or duration), e.g. time=t[0] or "
                                 f"df.at[k, 't']")
            raise ValueError(f"{where}: time {time!r} is not a number, date or duration")
        if isinstance(time, str) and is_number_text(time):  # "3600": as a duration, pandas reads nanoseconds
            fix = (f"give a date, or a duration with its unit (e.g. '{time}s' or pd.Timedelta(seconds={time}))"
                   if seconds else f"give the number itself (float({time!r}))")
            fix += compact_date_hint(time) if seconds else ""
            raise ValueError(f"{where}: time {time!r} is a number written as text, which says no unit; {fix}")
        is_number = isinstance(time, numbers.Real) and not isinstance(time, np.timedelta64)  # a numpy integer too
        if is_number == seconds:
            what = "a number" if is_number else "a duration" if isinstance(time, np.timedelta64 | datetime.timedelta) \
                else "a date or duration"
            # a CSV column of YYYYMMDD dates, which pd.read_csv reads as int64
            hint = compact_date_hint(str(time)) if is_number and isinstance(time, numbers.Integral) else ""
            raise ValueError(f"{where}: time {time!r} is {what}, but the model was fitted on "
                             f"{'dates or durations' if seconds else 'plain numbers'}; give the step's time as at fit"
                             f"{hint}")
        zoned = None
        if is_number:
            # an integer stays one: nanosecond epochs (1.7e18) are 256 apart as float64, their gaps exact as ints
            value = int(time) if isinstance(time, numbers.Integral) else float(time)
            if isinstance(time, np.floating) and time.dtype.itemsize < 8 and math.isfinite(value) and \
                    float(np.spacing(np.abs(time))) * 100 > self._time_unit:
                # float32 epoch seconds near 1.7e9 are 128 apart: the gaps would be rounded, or read as 0
                raise ValueError(f"{where}: time {value:g} is a {time.dtype}, whose numbers there are "
                                 f"{float(np.spacing(np.abs(time))):g} apart, more than 1 % of the model's time unit "
                                 f"({self._time_unit:g}), so the gaps would be rounded; give the time as a float64 or "
                                 f"an int (float(t) of the value read before the cast)")
        else:
            if (fix := two_readings_fix(time)) is not None:
                raise ValueError(f"{where}: time {time!r} does not read as one date: {fix}")
            if (fix := undated_fix(time) or gmt_offset_fix(time)) is not None:
                raise ValueError(f"{where}: time {time!r} does not read as one date: {fix}")
            try:
                value, zoned = _seconds(time)
            except (TypeError, ValueError) as e:
                if (fix := zone_name_fix(time) or go_time_fix(time) or ordinal_date_fix(time)
                        or week_date_fix(time)) is not None:
                    raise ValueError(f"{where}: time {time!r} does not read as a date: {fix}") from None
                raise ValueError(f"{where}: time {time!r} does not read as a date or duration ({e}); give a "
                                 f"pd.Timestamp, a datetime or an ISO text (YYYY-MM-DD HH:MM:SS)") from None
        if not math.isfinite(value):
            raise ValueError(f"{where}: time {time!r} is not finite; every step needs its time (a missing value "
                             f"goes in x_t as NaN)")
        if stream is None or stream.last_time is None:
            return value, zoned
        if zoned is not None and stream.zoned is not None and zoned != stream.zoned:
            # a date without a zone is read as UTC: beside dates with one, its gap would be off by the zone's offset
            raise ValueError(f"{where}: time {time!r} is a date {'with' if zoned else 'without'} a time zone, but the "
                             f"stream's previous steps were dates {'without' if zoned else 'with'} one; a date without "
                             f"a zone is read as UTC, so the gap would be off by the zone's offset; give every step's "
                             f"time alike (each with its zone, e.g. pd.Timestamp(t, tz=...))")
        if value <= stream.last_time:
            shown = time.item() if isinstance(time, np.generic) else time
            raise ValueError(f"{where}: time {shown!r} is not later than the stream's previous step; steps come in "
                             f"time order, each at its own time")
        gap = (value - stream.last_time) / self._time_unit
        if not float(stream.since.max(initial=0.0)) + gap <= FLOAT32_MAX:  # float32 would read it as inf: NaN out
            raise ValueError(f"{where}: time {time!r} comes {gap:.3g} time units ({self._time_unit:g} each, as at "
                             f"fit) after the stream's previous step, beyond float32's range, so the decays would "
                             f"read infinity; give the times in the units of fit, or start the stream over (reset)")
        return value, zoned

    def _check_printed_apart(self, new: list) -> None:
        """ValueError for a new stream's id that prints as a running stream's (or another new one's) but is unequal to
        it, ``"7"`` beside ``7``: the two would each read part of one source's steps, without a word."""
        seen = {}
        for stream_id in new:
            printed = _printed(stream_id)
            other = self._printed.get(printed, seen.get(printed))
            if other is not None:
                running = "a running stream" if printed in self._printed else "another stream of this call"
                raise ValueError(f"Streamer: stream id {_typed(stream_id)} prints as the id {_typed(other)} of "
                                 f"{running} but differs from it, so it would "
                                 f"start a stream of its own and each would read part of the steps; give the ids one "
                                 f"type (e.g. str(stream_id)), or reset the other stream first")
            seen[printed] = stream_id

    def _check_room(self, new: list) -> None:
        """ValueError where starting the streams ``new`` would hold more than ``max_streams``: each stream is held
        until reset (its state, and under onnxruntime its I/O bindings, some kilobytes), so ids that never end (a
        session id per visitor) would otherwise grow the memory without a word."""
        if self.max_streams is not None and new and len(self._streams) + len(new) > self.max_streams:
            raise ValueError(f"Streamer: stream {new[0]!r} would be stream {len(self._streams) + 1} of a Streamer "
                             f"made with max_streams={self.max_streams}; each stream is held until reset, so reset "
                             f"the streams that have ended (streamer.reset(stream_id); streamer.streams lists them), "
                             f"or make the Streamer with a larger max_streams")

    def _new_stream(self) -> _Stream:
        return self._bind(_Stream(self.initial_state, self.n_raw))

    def _bind(self, stream: _Stream) -> _Stream:
        """``stream`` with its I/O bindings over its state buffers and this Streamer's observation and output
        buffers, under onnxruntime."""
        if self.backend == "onnxruntime":
            import onnxruntime as ort

            buffers = [ort.OrtValue.ortvalue_from_numpy(stream.buffers[k]) for k in (0, 1)]  # share memory
            stream.bindings = []
            for k in (0, 1):
                binding = self._session.io_binding()
                binding.bind_ortvalue_input("x_t", self._x_ort)
                binding.bind_ortvalue_input("state_in", buffers[k])
                binding.bind_ortvalue_output("y_t", self._y_ort)
                binding.bind_ortvalue_output("state_out", buffers[1 - k])
                stream.bindings.append(binding)
        return stream

    def _check(self, stream_id, x_t) -> np.ndarray:
        if type(x_t) is np.ndarray and x_t.dtype is _FLOAT32:  # what np.asarray would return, without its call
            a = x_t
        else:
            a = self._as_numbers(stream_id, x_t)
        if a.shape != self._x_shape:
            if a.size != self.n_raw:
                raise ValueError(f"Streamer: the observation of stream {stream_id!r} has {a.size} values; the "
                                 f"model reads {self.n_raw} features per step"
                                 f"{self._count_hint(a) or count_fix(a.size, self.n_raw, self._feature_names)}")
            if a.size != max(a.shape, default=1):  # (2, 2) for 4 features: which order is meant is unknown
                raise ValueError(f"Streamer: the observation of stream {stream_id!r} has shape {a.shape}; give one "
                                 f"step's {self.n_raw} features as a vector of shape ({self.n_raw},)")
            a = a.reshape(-1)  # (1, F), (F, 1), a scalar for one feature
        if self._time_aware:  # NaN marks a missing value
            if np.isinf(a).any():
                raise ValueError(self._unread_values(stream_id, a))
        elif not (math.isfinite(sum(a.tolist())) if self._few_features else
                  np.isfinite(a, self._finite).tobytes() == self._all_finite):
            raise ValueError(self._unread_values(stream_id, a))
        return a

    def _unread_values(self, stream_id, a: np.ndarray) -> str:
        """The refusal of an observation ``a`` (F,) holding NaN (for a model that is not time-aware) or infinity:
        which features hold which, by the fitted names where the model has them, and the fix of each."""
        names = self._feature_names
        bad = np.isinf(a) | (np.isnan(a) & (not self._time_aware))
        where = [f"{a[k]} at feature {k}" + (f" ({names[k]!r})" if names else "") for k in np.flatnonzero(bad)]
        held = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        kinds = [v for v, found in ((np.inf, np.isinf(a).any()), (np.nan, np.isnan(a[bad]).any())) if found]
        fixes = [not_finite_fix(v, self._time_aware) for v in kinds]
        return f"Streamer: the observation of stream {stream_id!r} holds {held}; {'; '.join(fixes)}"

    def _count_hint(self, a: np.ndarray) -> str:
        """What an observation of the wrong size most likely is: several steps, or a time-aware model's
        ``[x, m, delta]`` built by hand."""
        if self._time_aware and a.size == 3 * self.n_raw:
            return (f": a time_aware model's stream reads the {self.n_raw} raw features (NaN where missing) and "
                    "builds [x, m, delta] itself")
        steps = a.size // self.n_raw
        if steps > 1 and a.size % self.n_raw == 0 and (a.ndim >= 2 and self.n_raw in a.shape or self.n_raw == 1):
            # (B, F): a batch's step t, X[:, t], is as likely as a sequence
            streams = (f"; or {steps} streams' observations at one time? step_many(dict(zip(stream_ids, x_t))) "
                       f"steps them in one call") if a.ndim == 2 and a.shape[1] == self.n_raw else ""
            return (f": shape {a.shape}, {steps} steps? step reads one observation, so feed a "
                    f"sequence one step at a time (for x_t in x: streamer.step(stream_id, x_t)){streams}")
        return ""

    def _as_numbers(self, stream_id, x_t) -> np.ndarray:
        """``x_t`` as float64, the values as given (standardised as ``predict`` does, :meth:`_standardise`),
        refusing what would be misread as numbers: text ("1.5" parsed silently), complex numbers (imaginary part
        dropped), dates and durations (raw ticks), a value beyond float32's range (the graph's inputs); None,
        unless the model reads missing values (time-aware), where it is NaN."""
        if x_t is None:  # np.asarray(None, float32) is a NaN
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} is None; give one step's features")
        names = None  # the features' names, where the observation gives them: for the messages
        if (fields := _record_fields(x_t)) is not None:  # a row of df.itertuples() or df.to_records(): named values
            x_t = self._from_record(stream_id, x_t, fields)
        if np.ma.isMaskedArray(x_t):  # np.asarray would read a masked entry as the value under its mask
            masked = np.flatnonzero(np.ma.getmaskarray(x_t))
            if masked.size and not self._time_aware:
                raise ValueError(f"Streamer: the observation of stream {stream_id!r} is a masked array whose feature "
                                 f"{int(masked[0])} is masked ({masked.size} in all); give every feature a number "
                                 "(a model fitted with time_aware=True reads a masked value as missing)")
            if masked.size:  # a time-aware model: masked is missing, NaN
                x_t = np.ma.filled(x_t.astype(np.float64), np.nan)
        if isinstance(x_t, dict):  # {feature name: value}, as a JSON message carries one step: read by name
            fitted = self._feature_names
            if fitted is None:
                raise ValueError(f"Streamer: the observation of stream {stream_id!r} is a dict of {len(x_t)} named "
                                 f"values ({list(x_t)[:3]}...), but the model was fitted without feature names, so "
                                 f"nothing says which value is which feature; give the values as a list in the order "
                                 f"of the features at fit")
            if set(x_t) != set(fitted):
                missing = [c for c in fitted if c not in x_t]
                unexpected = [c for c in x_t if c not in set(fitted)]
                dated = [c for c in unexpected
                         if date_text(x_t[c]) or isinstance(x_t[c], datetime.date | np.datetime64)]
                if dated and not missing:  # a record's time column beside its features: the step's time
                    where = ("step(stream_id, x_t, time=...)" if self._time_unit is not None else
                             "nowhere: the model was fitted without sample times and reads no date")
                    raise ValueError(f"Streamer: the observation of stream {stream_id!r} names {dated[0]!r}, no "
                                     f"feature of the model's {fitted}, holding a date, {short_repr(x_t[dated[0]])}; a "
                                     f"step's time goes {where} (leave it out of x_t)")
                raise ValueError(f"Streamer: the observation of stream {stream_id!r} has feature names that differ "
                                 f"from those seen at fit {fitted}: {named_difference(missing, unexpected)}"
                                 + ("; give a missing value as None or NaN under its name" if missing and
                                    self._time_aware else "")
                                 + (f"; leave out {unexpected} (e.g. {{k: x_t[k] for k in {fitted}}})"
                                    if unexpected and not missing else ""))
            x_t, names = [x_t[name] for name in fitted], fitted
        if isinstance(x_t, pd.Series | pd.DataFrame):
            names = list(x_t.index if isinstance(x_t, pd.Series) else x_t.columns)
            self._check_names(stream_id, names, "index" if isinstance(x_t, pd.Series) else "columns")
        if isinstance(x_t, torch.Tensor):  # one that requires grad, lives on a GPU or is bfloat16 has no numpy view
            if x_t.is_meta:  # torch's own words: "Cannot copy out of meta tensor; no data!"
                raise ValueError(f"Streamer: the observation of stream {stream_id!r} is a tensor on the 'meta' device, "
                                 f"which holds no values (a model built on it, never loaded?); give its values")
            t = x_t.detach().cpu()
            x_t = (t.double() if t.is_floating_point() else t).numpy()
        raw = x_t if isinstance(x_t, np.ndarray) else None
        if raw is None:
            try:
                raw = np.asarray(x_t)
            except ValueError as e:  # a ragged nested list
                if isinstance(x_t, list | tuple) and any(isinstance(v, list | tuple | np.ndarray) for v in x_t):
                    sizes = [len(v) if isinstance(v, list | tuple | np.ndarray) else "a number" for v in x_t]
                    raise ValueError(f"Streamer: the observation of stream {stream_id!r} is ragged: a list of "
                                     f"{len(x_t)} parts of sizes {sizes[:10]}; give one step's {self.n_raw} "
                                     f"features as one flat list") from None
                raise ValueError(f"Streamer: the observation of stream {stream_id!r} is not numeric ({e})") from e
        kind = raw.dtype.kind
        values = raw.ravel().tolist() if kind == "O" else []
        if kind in "USmMc" or any(isinstance(v, str | bytes | complex) for v in values):
            what = {"m": "durations", "M": "dates", "c": "complex numbers"}.get(kind, "text")
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} is not numeric: it holds {what} "
                             f"(dtype {raw.dtype}), which float32 would misread; "
                             + ((what == "text" and _text_fix(raw, self.n_raw))
                                or "give the features as real numbers"))
        # None, and pandas' NA (a nullable column's gap, as row.to_dict() or row.tolist() gives it), is a missing value
        gaps = [k for k, v in enumerate(values) if v is None or v is pd.NA]
        if gaps and not self._time_aware:
            k = gaps[0]
            name = f" ({names[k]!r})" if names is not None and len(names) == len(values) else ""
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} holds {values[k]} at feature "
                             f"{k}{name}; give every feature a number (a model fitted with "
                             "time_aware=True reads None, NA or NaN as a missing value)")
        if gaps:  # a time-aware model: NaN, as None becomes
            raw = np.asarray([None if v is pd.NA else v for v in values], dtype=object).reshape(raw.shape)
        try:
            a = np.asarray(raw, dtype=np.float64)
        except OverflowError:  # an int beyond float64's range
            a = None
        except (TypeError, ValueError) as e:
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} is not numeric ({e})") from e
        beyond = None if a is None else np.abs(a) > FLOAT32_MAX  # infinity itself is refused as such by _check
        if a is None or beyond.any() and np.isfinite(a[beyond]).any():
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} contains NaN or infinity once read "
                             f"as float32: a value beyond float32's range (±{np.finfo(np.float32).max:.3g}); rescale "
                             "the feature")
        return a

    def _from_record(self, stream_id, row, fields: list[str]):
        """A row of ``df.itertuples()`` (a namedtuple) or ``df.to_records()`` (a NumPy record) as a dict of its
        named values, which :meth:`_as_numbers` reads by name, for a model fitted on named features; else its values
        in order. Its fields were the frame's columns: read by position, another order than at fit would feed each
        value to another feature. ValueError for a row led by the frame's index, which is no feature."""
        values = list(row) if isinstance(row, tuple) else [row.reshape(-1)[0][f] for f in fields] \
            if isinstance(row, np.ndarray) else [row[f] for f in fields]
        if fields and fields[0] in ("Index", "index") and len(fields) == self.n_raw + 1 and \
                (self._feature_names is None or fields[0] not in self._feature_names):
            source = "df.itertuples(index=False)" if isinstance(row, tuple) else "df.to_records(index=False)"
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} is a row whose first field, "
                             f"{fields[0]!r}, is the frame's index, not a feature ({len(fields)} values; the model "
                             f"reads {self.n_raw}); iterate {source}")
        if self._feature_names is None or any(f == f"_{k}" for k, f in enumerate(fields)):
            return values  # no names fitted, or columns that namedtuple renamed to their position (_0, _1, ...)
        return dict(zip(fields, values, strict=True))

    def _check_names(self, stream_id, given: list, axis: str) -> None:
        """A pandas row's names checked as predict checks a DataFrame's columns (rnnkit.estimators'
        check_feature_names): another order or other names than at fit are refused (read by position, the values
        would go to the wrong features), and names given to a model fitted without them are warned about (read
        by position). A row without names (0, 1, ...) is read in the fitted order, as an array is."""
        from ..estimators import check_feature_names

        if not given or not all(isinstance(n, str) for n in given):
            labels = self._column_labels
            if labels is not None and given != labels and sorted(map(repr, given)) == sorted(map(repr, labels)):
                raise ValueError(f"Streamer: the observation of stream {stream_id!r} has the {axis} {given}, the "
                                 f"column labels seen at fit in another order ({labels}); they are not names, so it "
                                 f"is read by position and each value would be taken for another feature: reorder "
                                 f"it as at fit (x_t[{labels}])")
            return
        fitted = self._feature_names
        # the warning names no stream: one per stream would repeat it for every stream a server keeps
        x = "the observation" if fitted is None else f"the observation of stream {stream_id!r}"
        check_feature_names(None if fitted is None else np.asarray(fitted, dtype=object),
                            np.asarray(given, dtype=object), self._source, "Streamer", x=x, frame="x_t", axis=axis)

    def _run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.backend == "onnxruntime":
            y, state = self._session.run(["y_t", "state_out"], {"x_t": x, "state_in": state})
            return y, state
        with torch.inference_mode():
            y, state = self._graph(torch.from_numpy(x), torch.from_numpy(state))
        return y.numpy(), state.numpy()

    def _decode(self, y: np.ndarray, stream_id, a: np.ndarray) -> StepOutput:
        """The step's output ``y`` decoded; ValueError where it is NaN (``a``: the step's raw values)."""
        out = self._output
        if out is None:
            return StepOutput(y, None, None)
        if out["kind"] == "class_logits":
            top = y.max()  # NaN if any logit is
            if not math.isfinite(top):
                raise self._not_finite(stream_id, a)
            p = np.exp(y - top)
            return StepOutput(y, out["classes"][int(np.argmax(y))], p / p.sum())
        value = y.astype(np.float64) * self._y_scale + self._y_mean
        if not math.isfinite(value.sum()):
            raise self._not_finite(stream_id, a)
        return StepOutput(y, float(value[0]) if out["one_target"] else value, None)

    def _beyond_float32(self, stream_id, a: np.ndarray) -> ValueError:
        """The refusal of a step one of whose values is beyond float32's range once standardised, so that the
        network read infinity (numpy's cast warning silenced), made before the step's state is kept."""
        return ValueError(f"Streamer: the observation of stream {stream_id!r} is beyond float32's range once "
                          "standardised (the network would read infinity): "
                          + farthest_from_scaling(a, self._x_mean, self._x_scale, self._feature_names))

    def _not_finite(self, stream_id, a: np.ndarray) -> ValueError:
        """The refusal of a step whose output is NaN (:func:`rnnkit.checks.farthest_from_scaling`), made before
        the step's state is kept."""
        return ValueError(f"Streamer: the output of stream {stream_id!r} is NaN: "
                          + farthest_from_scaling(a, self._x_mean, self._x_scale, self._feature_names))
