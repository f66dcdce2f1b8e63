"""Time series as batch-first windows: framing, splits by time, preprocessing fit on train, windowing.

Shapes: ``N`` time steps of the whole series, ``F`` value columns, ``B`` windows in a batch, ``L`` lookback,
``H`` horizon, ``F_x`` input channels, ``n_y`` target columns, ``C`` known-future covariates.

The pieces, in the order a user meets them (the same split of roles as darts' ``TimeSeries`` + model
chunk lengths, or Keras' ``timeseries_dataset_from_array``):

==================  ==========================================================================================
`TimeSeriesFrame`   a validated numeric table ``(N, F)`` (NaN = missing) with an optional time axis that
                    is strictly increasing; from pandas or CSV; `resample` only when asked
`WindowSpec`        window sizes ``lookback``, ``horizon``, ``stride`` and the role of each column:
                    targets, past covariates, known-future covariates
`split_by_time`     contiguous train / val / test row ranges, by fraction or by timestamp;
`rolling_origin`    (train, test) ranges of a backtest, expanding or sliding
`Preprocessor`      scaler + imputer + feature builder (masks, time since observed, Δt, calendar),
                    ``fit`` on the training rows only, ``transform`` the whole series, ``inverse_transform``
                    predictions per target column
`WindowDataset`     a ``torch.utils.data.Dataset`` of windows of a row range; ``ds.loader(256)`` batches
                    by fancy indexing of ``sliding_window_view`` views (no per-window Python loop)
==================  ==========================================================================================

A window that starts at row ``s`` reads its inputs from rows ``[s, s + L)`` and its targets from rows
``[s + L, s + L + H)``. A dataset over the rows ``[a, b)`` of a split holds exactly the windows whose
*targets* lie in ``[a, b)``, so no target of one split is ever a target or an input of an earlier split.
The inputs of the first validation/test windows reach back into the previous split (that is history the
forecaster has at prediction time, as in darts and GluonTS); ``context="within"`` keeps them inside.

Items and batches are dicts of float32 tensors:

=========  ===================  =============================================================================
key        shape (batch)        content
=========  ===================  =============================================================================
x          (B, L, F_x)          inputs: targets, past covariates, future covariates (scaled, imputed), then
                                calendar sin/cos, masks, time since observed, Δt as the preprocessor asks;
                                ``ds.input_names`` names every channel
y          (B, H, n_y)          targets over the horizon (scaled; invert with ``ds.inverse_transform``)
future     (B, H, C)            only with known-future covariates or calendar features: their values over
                                the horizon (``ds.future_names``)
y_mask     (B, H, n_y)          only with ``Preprocessor(mask=True)``: 1 where the target was observed, 0
                                where it was imputed (multiply the loss by it)
=========  ===================  =============================================================================

A single item ``ds[i]`` has the same keys without the batch axis.
"""

from __future__ import annotations

import datetime
import numbers
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch.utils.data import DataLoader, Dataset, Sampler

from ..checks import FLOAT32_MAX, check_flags, is_count, is_integer, missing_file, user_stacklevel
from .tables import (
    _TWELVE_HOUR,
    CLOCK_TIME,
    TIME_NAMES,
    TOTAL_WORDS,
    TWELVE_HOUR_FIX,
    MixedZones,
    _clock_set_back,
    add_reading,
    arrays_in_column,
    boolean_words,
    check_header_names,
    comma_numbers,
    date_beside_clock,
    date_readings,
    dates_as_numbers,
    durations_refusal,
    epoch_unit,
    epoch_units,
    formula_errors,
    header_units,
    marked_numbers,
    missing_codes,
    missing_marks,
    named_months,
    newest_first,
    one_digit_months,
    other_format,
    period_label_starts,
    refuse_fiscal_years,
    refuse_future_years,
    short_year_readings,
    shown_time,
    spreadsheet_days,
    times_across,
    twelve_hour_row,
    utc_fix,
    warn_thousands_dots,
    year_beside_period,
)

IMPUTE_POLICIES = ("none", "ffill", "mean", "zero")
SCALERS = ("standard", "minmax", "none")
CALENDAR_PERIODS = {"hour": 24.0, "weekday": 7.0, "month": 12.0, "dayofyear": None}  # None: 365 or 366
# the cycle each calendar feature places a step in: its length in days (a year: 365, so that a yearly step's is met)
# and its name in words
CALENDAR_CYCLES = {"hour": (1, "a day"), "weekday": (7, "a week"), "month": (365, "a year"),
                   "dayofyear": (365, "a year")}
RESAMPLE_AGGS = ("mean", "sum", "min", "max", "first", "last", "median")

Rows = range | slice | None


def names_series(ids: pd.Series, time) -> bool:
    """Whether the column ``ids`` (row for row beside the times ``time``) names the series of a long panel: no time
    twice within one id, and its ids on several rows each (the median), where a column of rows of records (a car's
    name beside its model year, a person's beside a date of the events of a day) holds most values once."""
    pairs = pd.DataFrame({"id": ids.to_numpy(), "time": np.asarray(time)}).dropna()
    return not pairs.duplicated().any() and pairs["id"].value_counts().median() >= 2


def shown_number(x) -> str:
    """A time or step of a numeric time axis, read as float64, as the number it was written as: a whole number as
    the integer (the year ``1931``, not ``1931.0``), any other as is."""
    return str(int(x)) if np.isfinite(x) and float(x).is_integer() else str(x)


def reads_as_dates(text: pd.Series) -> bool:
    """Whether strings all read as dates in one format (:func:`~rnnkit.data.tables.date_readings`)."""
    try:
        return len(date_readings(text.astype(str))) > 0
    except ValueError:  # dates with and without a UTC offset: dates all the same
        return True


def numbers_held(given: pd.Series) -> str:
    """How a column of numbers of a dtype that is not numeric holds them: ``"as text"`` (``'1.5'``, a CSV's stray
    cell) or ``"as Python objects"`` (``Decimal``, ``True``)."""
    return "as text" if any(isinstance(v, str) for v in given) else "as Python objects"


def numbers_held_fix(given: pd.Series, spelt: str) -> str:
    """A refusal's end for a column whose every value is a number, held as text or Python objects:
    ``"holds numbers as text (e.g. '1.5'); convert it: df['x'] = pd.to_numeric(df['x'])"``, ``spelt`` the column
    as the user names it."""
    return f"holds numbers {numbers_held(given)} (e.g. {given.iloc[0]!r}); convert it: {spelt} = pd.to_numeric({spelt})"


def clock_times(raw: Any, spelt: str = "times", place: str = "row") -> tuple[str, str, str] | None:
    """``(first, dated, elapsed)`` where the times ``raw`` are all times of day without their date (``'09:30'``,
    ``'23:50:00'``; or ``datetime.time`` objects, as ``pd.read_excel`` reads a column of time cells): the first as
    text, the code that gives them a date (a day added at each midnight they pass, which a date for all would put
    before the evening's times) and the code that reads them as durations (``pd.to_timedelta``, which needs the
    seconds: ``'09:30'`` as ``'09:30:00'``). ``spelt`` names them in the user's code (``.astype(str)`` added for
    objects); ``place`` a time's position: ``"row"``, ``"step"``. None for any other times."""
    text = pd.Series(raw, copy=False)
    if len(text) and text.map(lambda v: isinstance(v, datetime.time)).all():  # a sheet's time cells, read_excel's
        text, spelt = text.map(lambda v: v.isoformat()), f"{spelt}.astype(str)"
    if not len(text) or not text.map(lambda v: isinstance(v, str)).all() or not text.str.fullmatch(CLOCK_TIME).all():
        return None
    clock = pd.to_datetime("2000-01-01 " + text.str.strip(), errors="coerce")
    back = np.flatnonzero(clock.diff().to_numpy() < np.timedelta64(0))  # past midnight: 23:50, then 00:10
    dated = f"pd.to_datetime('2024-01-31 ' + {spelt})"
    if len(back):
        i = int(back[0])
        dated = (f"t = {dated}; t + pd.to_timedelta((t.diff() < pd.Timedelta(0)).cumsum(), unit='D') (they pass "
                 f"midnight, {text.iloc[i]!r} at {place} {i} after {text.iloc[i - 1]!r}: a day added at each)")
    seconds = " + ':00'" if text.str.fullmatch(r"\d{1,2}:\d{2}").all() else ""  # 'H:MM' alone: no seconds
    return text.iloc[0], dated, f"pd.to_timedelta({spelt}{seconds})"


def refuse_clock_times(raw: Any, what: str, spelt: str = "times") -> None:
    """ValueError where the times are all times of day without their date (:func:`clock_times`), which pandas dates
    today: the series would end on the day the code runs, its forecasts and calendar features (weekday, month)
    changing from one day to the next, and past midnight the times go back. ``what`` names them in the message,
    ``spelt`` as the user's code names them in the fix."""
    if (found := clock_times(raw, spelt)) is None:
        return
    first, dated, elapsed = found
    raise ValueError(f"{what} holds times of day without their date ({first!r}, ...), which pandas would date "
                     f"today ({pd.Timestamp.now():%Y-%m-%d}), so forecasts and calendar features would change with the "
                     f"day the code runs; give them their date, {dated}, with the day the first was taken, or, for "
                     f"times elapsed, numbers: {elapsed}.dt.total_seconds() (H:MM:SS)")


def refuse_date_beside_clock(data: pd.DataFrame, time_col: str) -> None:
    """ValueError where the time column ``time_col`` and another column of ``data`` write one time in two, the dates
    and the times of day (:func:`~rnnkit.data.tables.date_beside_clock`): the dates alone repeat, and the times of
    day would be called a panel's series ids (or the dates, where the times of day are the time column)."""
    if (split := date_beside_clock(data, time_col)) is None:
        return
    day, hour = split
    raise ValueError(
        f"time column {time_col!r} and column {hour if day == time_col else day!r} write one time in two: {day!r} "
        f"holds the dates ({shown_time(data[day].iloc[0])!r}, ...) and {hour!r} the times of day "
        f"({str(data[hour].iloc[0])!r}, ...), so the dates alone repeat; join them into one time column, "
        f"data['t'] = pd.to_datetime(data[{day!r}].astype(str) + ' ' + data[{hour!r}].astype(str)), and pass "
        "time_col='t'"
    )


def two_formats(row: int, value: str, fmt: str, other: str, raw: Any, spelt: str, where: str = "row") -> str:
    """What to say of times in two formats (:func:`~rnnkit.data.tables.other_format`): ``row`` holding ``value``
    among dates in ``fmt``, the others in ``other``; ``spelt``: the times as the fix spells them, ``where``: what a
    row is called. The fix reads each format strictly (``format='mixed'`` would read ``'2021-01-08'`` day first)."""
    first = str(pd.Series(raw, copy=False).iloc[0]).strip()
    return (f"holds dates in two formats: {where} {row} has {value!r} where the others are written {fmt} ({first!r} "
            f"at {where} 0), which no one format reads; write them all in one format (YYYY-MM-DD), or read each in "
            f"its own, {spelt} = pd.to_datetime({spelt}, format={fmt!r}, errors='coerce').fillna(pd.to_datetime("
            f"{spelt}, format={other!r}, errors='coerce'))")


def refuse_year_beside_period(data: pd.DataFrame, time_col: str) -> None:
    """ValueError where the time column ``time_col`` and another column of ``data`` write one time in two, the years
    and the months or quarters of each (:func:`~rnnkit.data.tables.year_beside_period`, the rule): the months alone
    start over each year (read as series stacked), or the years alone repeat (read as a panel's times)."""
    if (found := year_beside_period(data, time_col)) is None:
        return
    year, period, said, join = found
    other = period if year == time_col else year
    raise ValueError(
        f"time column {time_col!r} and column {other!r} {said}; join them into one time column, data['t'] = "
        f"{join}, and pass time_col='t' with the two left out of the values, data.drop(columns=[{year!r}, "
        f"{period!r}])"
    )


def refuse_epoch_text(raw: Any, what: str, spelt: str = "times") -> None:
    """ValueError where the times are all Unix times written as text of digits in one unit (``'1609459200'`` in
    seconds, ``'1609459200000'`` in milliseconds: a column read with ``dtype=str`` or a JSON export's strings),
    which pandas refuses as dates (or reads as nanoseconds) and would sort as text; the fix reads them as numbers in
    their unit; text of ten digits that all read as hours ``YYYYMMDDHH`` (``'2021011000'``, which pandas refuses) is
    refused with that format as the fix. ``what`` names them in the message, ``spelt`` as the user's code names them
    in the fix."""
    values = list(np.ravel(np.asarray(raw, dtype=object))) if not isinstance(raw, str) else []
    if not values or not all(isinstance(v, str) and v.strip().isdigit() and v.strip().isascii() for v in values):
        return
    numbers_ = np.array([float(v) for v in values])
    units = epoch_units(numbers_)
    if units[0] < 0 or (units != units[0]).any():
        return
    text = pd.Series(values).str.strip()  # '202101100000': a date and time of twelve digits, as milliseconds have
    fmt = {10: "%Y%m%d%H", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}.get(int(text.str.len().max()))
    name, unit = epoch_unit(numbers_[0])
    first = pd.to_datetime(int(values[0].strip()), unit=unit)
    dated = pd.to_datetime(text, format=fmt, errors="coerce") if fmt and text.str.len().nunique() == 1 else None
    if dated is not None and dated.notna().all():
        if fmt == "%Y%m%d%H":  # '2021011000': pandas reads twelve and fourteen digits as dates, not ten
            raise ValueError(f"{what} holds dates and hours written YYYYMMDDHH as text ({values[0]!r} is "
                             f"{dated.iloc[0]:%Y-%m-%d %H:00}, ...), which pandas does not read as dates; read them in "
                             f"that format: pd.to_datetime({spelt}, format='%Y%m%d%H') (Unix times in seconds? "
                             f"{values[0]!r} is {first} so: pd.to_datetime({spelt}.astype('int64'), unit='s'))")
        return
    raise ValueError(f"{what} holds Unix times in {name} written as text ({values[0]!r} is {first}, ...), which "
                     f"pandas does not read as dates; read them as numbers in their unit: "
                     f"pd.to_datetime({spelt}.astype('int64'), unit={unit!r})")


def refuse_yearless_dates(raw: Any, time: pd.DatetimeIndex, what: str, spelt: str = "times") -> None:
    """ValueError where text dates all read in the year 1, as pandas dates a day and month written without a year
    (``'15-Jan'``, ``'Jan 15'``, ``'01-15'``; a month alone, ``'Jan'``): a spreadsheet's day-and-month display
    exported as text, or months of no year. In the year 1 the weekdays and leap days are not those of the
    readings, and forecasts are dated there. ``what`` names them in the message, ``spelt`` as the user's code names
    them in the fix."""
    text = pd.Series(raw, copy=False).astype(str)
    if not len(time) or not (time.year == 1).all() or text.str.contains("0001").any():
        return
    raise ValueError(f"{what} holds dates without a year ({text.iloc[0]!r}, ...), which pandas dates in the year 1 "
                     f"({shown_time(time[0])}, ...), so weekdays, leap days and the forecasts' dates are not the "
                     f"readings'; a spreadsheet's day-and-month display exported as text? export the dates with "
                     f"their year (YYYY-MM-DD), or add it: pd.to_datetime({spelt} + ' 2021') with the year they were "
                     "taken in (each row's own where they run across a New Year)")


def refuse_time_col_in_levels(data: pd.DataFrame, time_col: Any, *, text_names: bool = True) -> None:
    """ValueError where ``time_col`` names the first level of a column of ``data``'s MultiIndex columns (a header
    of two lines read with ``pd.read_csv(..., header=[0, 1])``, units under the names: ``('date', 'Unnamed:
    0_level_1')``, ``('temp', '°C')``), which no column is named alone; the fix flattens the columns. With
    ``text_names=False`` also where ``time_col`` is the text of a whole label (``"('date', 'Unnamed:
    0_level_1')"``, as a frame's columns are listed), for callers that look the column up by its label alone."""
    columns = data.columns
    if not isinstance(columns, pd.MultiIndex) or isinstance(time_col, tuple):
        return
    top = [str(c) for c in columns.get_level_values(0)]
    flat = ("data.columns = data.columns.get_level_values(0)" if len(set(top)) == len(top) else
            "data.columns = ['_'.join(str(p) for p in c if p and not str(p).startswith('Unnamed:')) "
            "for c in data.columns]")
    if str(time_col) in map(str, columns):
        if text_names or time_col in columns:
            return
        label = next(c for c in columns if str(c) == str(time_col))
        raise ValueError(f"time_col {time_col!r} is the text of column {label!r} of data's MultiIndex columns; name "
                         f"the column by its label, time_col={label!r}, or flatten the columns first, {flat}")
    if str(time_col) not in top:
        return
    label = next(c for c in columns if str(c[0]) == str(time_col))
    shown = ", ".join(map(str, columns[:3])) + (", ..." if len(columns) > 3 else "")
    raise ValueError(f"time_col {time_col!r} is the first of the {columns.nlevels} levels of column {label!r}: data "
                     f"has MultiIndex columns ({shown}), as pd.read_csv(..., header=[0, 1]) reads a header of two "
                     f"lines (units under the names); flatten them first, {flat}, or name the column whole, "
                     f"time_col={label!r}")


def refuse_repeated_names(data: pd.DataFrame) -> None:
    """ValueError where two columns of ``data`` have one name as text (``pd.concat([a, b], axis=1)`` of frames that
    share a column, ``df[['y', 'y']]``, labels ``1`` and ``'1'``), which no time column or value column can tell
    apart: the name, the columns' positions, and the fix (keep one where they hold the same values, else rename)."""
    names = pd.Index([str(c) for c in data.columns])
    if names.is_unique:
        return
    dup = names.duplicated()
    name = names[dup][0]
    at = np.flatnonzero(names == name).tolist()
    same = all(data.iloc[:, at[0]].equals(data.iloc[:, k]) for k in at[1:])
    labels = "data.columns" if data.columns.duplicated().any() else "data.columns.astype(str)"  # 1 beside '1'
    renamed = [f"{c}_{i}" if d else c for i, (c, d) in enumerate(zip(names, dup, strict=True))]
    fix = (f"they hold the same values: keep one, data = data.loc[:, ~{labels}.duplicated()]" if same else
           "they hold different values: give each its own name, data.columns = " +
           (repr(renamed) if len(renamed) <= 8 else "[f'{c}_{i}' if d else c for i, (c, d) in enumerate(zip("
                                                    f"{labels}, {labels}.duplicated()))]"))
    raise ValueError(f"data has {len(at)} columns named {name!r} (at positions {', '.join(map(str, at))} of "
                     f"{len(names)}: a join of frames that share a name?), which no time_col or value column can "
                     f"tell apart; {fix}")


def refuse_two_readings(raw: Any, what: str) -> None:
    """ValueError where text dates all read both day-first and month-first (``01/02/1949`` on every 1st of the
    month: monthly day-first, or daily January month-first), which pandas reads month-first without a word; nothing
    for other text (ISO dates, ``13/01/2024``, quarters) or non-text. ``what`` names the dates in the message."""
    text = pd.Series(raw, copy=False)
    if not len(text) or text.dtype.kind in "biufcmM" or not isinstance(text.iloc[0], str):
        return
    if text.iloc[0].strip()[:4].isdigit():  # year first (ISO): never read year-day-month, one reading
        return
    if not text.map(lambda v: isinstance(v, str)).all():
        return
    try:
        readings = date_readings(text.reset_index(drop=True)) or short_year_readings(text)
    except ValueError:  # dates with and without a UTC offset: left to the caller's own reading
        return
    if len(readings) > 1:
        (first, times), (second, _) = readings[:2]
        raise ValueError(f"{what} holds dates that read two ways ({first} or {second}: {text.iloc[0]!r} is either); "
                         f"parse them yourself, pd.to_datetime(..., format={second!r}) for day-first dates (or "
                         f"format={first!r}), or write ISO dates (YYYY-MM-DD){_century(times)}")


def unguessed_readings(text: Any) -> list[tuple[str, pd.DatetimeIndex]]:
    """The readings of text dates whose format pandas does not guess and so reads value by value: two-digit years
    (:func:`short_year_readings`) and times on a 12-hour clock (``'13/01/2020 1:00:00 PM'``, as spreadsheets write
    them: pandas reads ``'02/01/2020 1:00:00 PM'`` as 1 February beside it), each format applied to every value;
    [] for other text."""
    if readings := short_year_readings(text):
        return readings
    text = pd.Series(text, copy=False)
    if not len(text) or not text.map(lambda v: isinstance(v, str)).all() or \
            _TWELVE_HOUR.fullmatch(text.iloc[0].strip()) is None:
        return []
    try:
        return date_readings(text.astype(str).str.strip().reset_index(drop=True))
    except ValueError:  # dates with and without a UTC offset: left to the caller's own reading
        return []


def sort_fix(raw: Any, sort: str) -> str:
    """The call that sorts rows by their times, for times written as text (``raw``) and the plain call ``sort``
    (``"data.sort_index()"``, ``"df.sort_values('t')"``): text sorts as words (``'APR 1950'`` before ``'FEB 1950'``,
    ``'02/01/2020'`` before ``'13/01/2019'``), so the call sorts by the dates the text reads as (``key=``); ``sort``
    itself for anything but text, for ISO dates (as words, in time order) and for text of no one reading."""
    text = pd.Series(raw, copy=False)
    if not len(text) or not text.map(lambda v: isinstance(v, str)).all():
        return sort
    try:
        readings = date_readings(text.astype(str).str.strip().reset_index(drop=True)) or unguessed_readings(text)
    except ValueError:  # dates with and without a UTC offset
        return sort
    for fmt in () if readings else ("%b %Y", "%B %Y", "%b. %Y", "%b-%Y", "%B-%Y"):  # 'JAN 1950': months pandas
        add_reading(readings, text.astype(str).str.strip(), fmt)  # does not guess
    if not readings and named_months(text.astype(str)) is not None:  # 'Sept. 2000', 'March 2000': no one format,
        readings = [("mixed", None)]  # and pandas reads each such month by its name
    if len(readings) != 1 or readings[0][0] == "ISO8601":
        return sort
    key = f"key=lambda t: pd.to_datetime(t, format={readings[0][0]!r})"
    keyed = f"{sort[:-1]}{'' if sort.endswith('()') else ', '}{key})"
    return f"{keyed}, not {sort}, which sorts the text as words ({text.iloc[0]!r} ...), not as dates"


def _century(times: pd.DatetimeIndex) -> str:
    """What to add to a fix of dates with two-digit years that pandas read after the current year: their century."""
    now = pd.Timestamp.now().year
    if not len(times) or times.year.max() <= now:
        return ""
    return (f"; their two-digit years read as {times.year.min()} .. {times.year.max()}, some after this year "
            f"({now}): for years of the 1900s subtract a century from those, t.where(t.year <= {now}, t - "
            "pd.DateOffset(years=100))")


def check_scaled_range(scaled: np.ndarray, raw: np.ndarray, center: np.ndarray, scale: np.ndarray,
                       names: Sequence[str], time: Any, *, who: str = "", first: int | None = 0) -> None:
    """ValueError when a value of ``raw (n, k)`` is beyond float32's range once scaled (``scaled (n, k)`` in
    float64, ``(raw - center) / scale`` per column): the network computes in float32, where it would be infinite,
    and its forecasts would be wrong without a word (a value far beyond the rows the scaling was fitted on: a
    wrong reading, or data in other units). ``time``: the time axis of the whole series, whose rows ``first``,
    ``first + 1``, ... ``scaled`` holds (None: rows of no series of the user's, named by their time alone);
    ``who`` prefixes the message (``"series 'a': "``)."""
    with np.errstate(invalid="ignore"):
        over = np.abs(scaled) > FLOAT32_MAX
    if not over.any():
        return
    i, j = (int(v) for v in np.argwhere(over)[0])
    at = (f"at {shown_time(time[i])}" if first is None else f"row {first + i}" if time is None else
          f"row {first + i}, {shown_time(time[first + i])}")
    c = center[j]
    more = f"; {int(over.sum())} such values in all" if over.sum() > 1 else ""
    scaling = f"(v {'-' if c >= 0 else '+'} {abs(c):.3g}) / {scale[j]:.3g}"
    raise ValueError(f"{who}column {names[j]!r} holds {raw[i, j]:.3g} ({at}{more}), which the scaling fitted on the "
                     f"training rows, {scaling}, makes {scaled[i, j]:.3g}: beyond float32's range (|x| > 3.4e38; "
                     "the network computes in float32), where it would be infinite and the forecasts wrong; correct "
                     "the value if it is wrong, or refit on data that holds values of this size")


# --------------------------------------------------------------------------------------------------------
# The frame


def _refuse_pandas(data: pd.DataFrame | pd.Series, columns, time) -> None:
    """ValueError for a DataFrame or Series given to the constructor whose column names or index it would drop
    (``np.asarray`` keeps the numbers only: columns become ``x0, x1, ...`` and the dates, steps apart); one whose
    names and times are given again (``columns=``, ``time=``) loses nothing."""
    names = [str(c) for c in data.columns] if isinstance(data, pd.DataFrame) else [str(data.name)]
    lost = []
    if columns is None and (isinstance(data, pd.DataFrame) or data.name is not None):
        lost.append(f"its name {names[0]!r}" if isinstance(data, pd.Series) else
                    f"its column names {names[:6]}" + (" ..." if len(names) > 6 else ""))
    if time is None and not data.index.equals(pd.RangeIndex(len(data))):
        lost.append(f"its index {data.index.name or ''} ({type(data.index).__name__}: "
                    f"{', '.join(map(str, data.index[:2]))}, ...)".replace("index  (", "index ("))
    if lost:
        raise ValueError(f"TimeSeriesFrame(values) got a {type(data).__name__}, whose numbers alone it would read: "
                         f"{' and '.join(lost)} would be dropped; build it with TimeSeriesFrame.from_pandas(data) "
                         "(the index or time_col= as the time axis, the columns by name)")


def _panel_index(index: pd.MultiIndex) -> str:
    """The refusal of a MultiIndex as a frame's time axis: the levels named, and for ``(id, time)`` (a panel, as
    ``read_csv(index_col=['id', 'time'])`` gives it) how to take one series or forecast them all."""
    names = [str(n) for n in index.names]
    head = (f"the index has {index.nlevels} levels {names} (first row ({', '.join(map(str, index[0]))})), and a "
            "frame holds one series on one time axis")
    timed = [i for i in range(index.nlevels) if pd.api.types.is_datetime64_any_dtype(index.levels[i].dtype)
             or isinstance(index.levels[i], pd.PeriodIndex)]  # dates beside store numbers 1, 2: the dates
    timed = timed or [i for i in range(index.nlevels) if not pd.api.types.is_numeric_dtype(index.levels[i].dtype)
                      and reads_as_dates(pd.Series(index.levels[i][:20].astype(str)))]  # dates as text
    timed = timed or [i for i in range(index.nlevels) if pd.api.types.is_numeric_dtype(index.levels[i].dtype)]
    if index.nlevels != 2 or len(timed) != 1:
        return f"{head}; build one index of its times (e.g. pd.PeriodIndex.from_fields(year=..., quarter=...)), or " \
               "name one time_col in data.reset_index()"
    t, k = timed[0], 1 - timed[0]
    ids = index.get_level_values(k).unique()
    shown = ", ".join(map(repr, ids[:3].tolist())) + (", ..." if len(ids) > 3 else "")
    key, level = ids[:1].tolist()[0], names[k] if index.names[k] is not None else k
    parse = "" if pd.api.types.is_datetime64_any_dtype(index.levels[t].dtype) or pd.api.types.is_numeric_dtype(
        index.levels[t].dtype) or isinstance(index.levels[t], pd.PeriodIndex) else \
        f" (its times are text: read them as dates, e.g. pd.read_csv(..., parse_dates=[{names[t]!r}]))"
    return (f"{head}: a panel of {len(ids)} series ({shown}) in level {names[k]!r} on times in level {names[t]!r}; "
            f"take one series, TimeSeriesFrame.from_pandas(data.xs({key!r}, level={level!r})){parse}, or forecast "
            "them all at once with rnnkit.GlobalForecaster on data.reset_index()")


def _warn_other_index_times(data: pd.DataFrame, time_col: str) -> None:
    """Warn where ``data`` has a DatetimeIndex or PeriodIndex beside its time column ``time_col`` and the two disagree
    (a frame resampled or joined on one and the other kept from before, or read with index_col=0 of another date):
    the column is read as the times and the index left out without a word. Quiet where they agree row by row (the
    column kept by set_index(..., drop=False)) or where the column is no dates. The rule: row by row, the same
    instants (another zone or resolution of the same times agrees; a zone beside naive times is not compared), and,
    for a PeriodIndex, each column date within its row's period (a month's index beside its last day, or any day)."""
    index = data.index
    column = data[time_col]
    if not isinstance(index, pd.DatetimeIndex | pd.PeriodIndex) or not pd.api.types.is_datetime64_any_dtype(column):
        return
    column = pd.DatetimeIndex(column)
    if isinstance(index, pd.PeriodIndex):  # a period holds many instants: the column's date within its row's period
        if column.tz is not None:
            return
        inside = (column >= index.start_time) & (column <= index.end_time)
        differ = np.flatnonzero(~np.asarray(inside))
    elif (index.tz is None) != (column.tz is None):
        return  # one in a zone, the other naive: not comparable row by row
    else:
        differ = np.flatnonzero(np.asarray(index != column))
    if not differ.size:
        return
    i = int(differ[0])
    if isinstance(index, pd.PeriodIndex):  # named by its period's start
        index = index.to_timestamp()
    warnings.warn(f"data has a {type(data.index).__name__} of other times than its time column {time_col!r} (row {i}: "
                  f"the index {shown_time(index[i])}, the column {shown_time(column[i])}; {differ.size} of "
                  f"{len(data)} rows differ), and the column is read as the times, the index left out; if the index "
                  f"holds the times, drop time_col= and the column (data.drop(columns=[{time_col!r}])); if the "
                  "column does, silence this with data.reset_index(drop=True)", UserWarning,
                  stacklevel=user_stacklevel())


def _warn_time_as_value(data: pd.DataFrame, value_cols: list[str]) -> None:
    """Warn when a value column looks like the time axis: named as one (`tables.TIME_NAMES`) and counting up
    by one constant step (a CSV's ``t, x`` read without ``time_col``), beside other columns. A value column of
    that name that counts up by a constant step is rare; naming ``value_cols`` says it is one, and is not warned
    of. Repeating years (``year, quarter``) or uneven times are not warned of here: they need more than
    ``time_col`` (the Forecaster names their fix)."""
    for c in value_cols:
        column = data[c]
        if c.strip().lower() not in TIME_NAMES or len(value_cols) < 2 or len(column) < 3 \
                or not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column) \
                or pd.api.types.is_complex_dtype(column) or column.isna().any():
            continue
        steps = np.diff(column.to_numpy(np.float64))
        if steps[0] > 0 and np.allclose(steps, steps[0], rtol=1e-9, atol=0):
            warnings.warn(f"column {c!r} counts up by {steps[0]:g} ({column.iloc[0]:g}, {column.iloc[1]:g}, ... "
                          f"{column.iloc[-1]:g}), a time axis by its name, but no time_col was given, so it is read "
                          f"as a value column; pass time_col={c!r} to make it the time axis, or value_cols="
                          f"{value_cols} to keep it as a value",
                          UserWarning, stacklevel=user_stacklevel())
            return


class TimeSeriesFrame:
    """A numeric series of ``N`` steps and ``F`` value columns, with an optional strictly increasing time.

    ============  =========================================================================================
    attribute     meaning
    ============  =========================================================================================
    values        (N, F) float64; NaN marks a missing value (kept: masks and imputation deal with it)
    columns       tuple of ``F`` unique names
    time          ``pd.DatetimeIndex`` (N,) (time zone kept), or float64 (N,) for a numeric time column,
                  or None: rows are then equally spaced steps
    time_name     name of the time column (for messages)
    ============  =========================================================================================

    Uneven timestamps are kept as they are (use the ``delta_t`` channel of `Preprocessor`); nothing is
    resampled unless `resample` is called. The constructor refuses, with a ValueError saying how to fix it:
    an empty table, non-numeric values, missing / duplicate / decreasing timestamps.
    """

    def __init__(
        self,
        values: Any,
        *,
        columns: Sequence[str] | None = None,
        time: Any = None,
        time_name: str = "time",
    ):
        if isinstance(values, pd.DataFrame | pd.Series):
            _refuse_pandas(values, columns, time)
        values = np.asarray(values)
        if values.ndim == 1:
            values = values[:, None]
        if values.ndim != 2 or values.shape[0] == 0 or values.shape[1] == 0:
            raise ValueError(
                f"TimeSeriesFrame got values of shape {values.shape}; expected a non-empty (N, F) array "
                "with N >= 1 time steps and F >= 1 value columns"
            )
        if np.issubdtype(values.dtype, np.complexfloating):  # astype(float64) would drop the imaginary parts
            name = "" if columns is None else f" (columns {[str(c) for c in columns]})"
            raise ValueError(
                f"TimeSeriesFrame got complex values{name}, and a forecast reads real numbers; give the real and "
                "imaginary parts as two columns (np.real(v), np.imag(v)), or the magnitude (np.abs(v))"
            )
        if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
            raise ValueError(
                f"TimeSeriesFrame got values of dtype {values.dtype}; expected numbers: convert them with "
                "pd.to_numeric(..., errors='coerce') (unparseable entries become NaN) or leave them out"
            )
        self.values = values.astype(np.float64)
        n, f = self.values.shape
        columns = tuple(str(c) for c in columns) if columns is not None else tuple(f"x{i}" for i in range(f))
        if len(columns) != f:
            raise ValueError(
                f"got {len(columns)} column names for {f} value columns; pass one name per column"
            )
        if len(set(columns)) != f:
            raise ValueError(f"column names must be unique, got {columns}")
        self.columns = columns
        self.time_name = time_name
        self.time = None if time is None else _check_time(time, n, time_name, self.values)
        inf = np.argwhere(np.isinf(self.values))
        if len(inf):  # it would pass as a value: the mean and every scaled window would be inf or NaN
            r, c = (int(i) for i in inf[0])
            when = f"row {r}" + ("" if self.time is None else f" ({self.time[r]})")
            raise ValueError(f"column {columns[c]!r} is infinite at {when} ({len(inf)} infinite values in all); "
                             "replace them with finite values, or with NaN to mark them missing (see impute=)")

    @classmethod
    def from_pandas(
        cls,
        data: pd.DataFrame | pd.Series,
        *,
        time_col: str | None = None,
        value_cols: Sequence[str] | None = None,
        omit: str = "leave it out of value_cols",
    ) -> TimeSeriesFrame:
        """Build a frame from a DataFrame or Series.

        The time axis is ``data[time_col]`` when given (weeks written as pandas writes weekly periods,
        ``'2000-01-03/2000-01-09'``, are read as each week's first day), else the index when it is a
        ``DatetimeIndex`` or ``PeriodIndex`` (converted to the start of each period), Python ``datetime.date``
        objects (the days they name), or numbers other than the
        default positions ``0..N-1`` (years 1950..2009, 1700.0, 1701.0, ..., a slice of a longer series: a numeric
        time axis, checked like any other: no gaps, strictly increasing), else none (the default ``RangeIndex``).
        Any other index (text, a ``TimedeltaIndex``, ...) is refused rather than dropped. ``value_cols`` defaults to
        every column but the time column. Nullable numbers (``Int64``, ``Float64``) and booleans are accepted,
        ``pd.NA`` becoming NaN. ``omit``: how the messages tell to leave a column out (``{column}``: its name), for
        callers whose users name no ``value_cols``.
        """
        if isinstance(data, pd.Series):
            data = data.to_frame(name=data.name if data.name is not None else "value")
        if not isinstance(data, pd.DataFrame):
            raise ValueError(f"from_pandas expects a pandas DataFrame or Series, got {type(data).__name__}")
        if len(data) == 0:
            raise ValueError("the DataFrame is empty (0 rows); expected at least one row of values")
        given = data  # its column labels as given, not as text: times_across reads them where no time axis is found
        refuse_repeated_names(data)
        names = [str(c) for c in data.columns]
        data = data.set_axis(names, axis=1)
        if isinstance(data.index, pd.CategoricalIndex):  # df.set_index(df['d'].astype('category')): read its values
            data = data.set_axis(data.index.astype(data.index.categories.dtype), axis=0)
        if isinstance(time_col, tuple) and str(time_col) in names:  # a column of MultiIndex columns, by its label
            time_col = str(time_col)
        if time_col is not None:
            refuse_time_col_in_levels(given, time_col)
            if time_col not in names:
                if time_col in [str(n) for n in data.index.names]:  # set_index(time_col) done already
                    raise ValueError(f"time_col {time_col!r} is the index, not a column; drop time_col= (the index is "
                                     f"read as the time axis) or move it to a column (data.reset_index())")
                raise ValueError(f"time_col {time_col!r} is not a column; the columns are {names}")
            time, time_name = data[time_col], time_col
            refuse_year_beside_period(data, time_col)  # 'year', 'month': one time in two columns
            _warn_other_index_times(data, time_col)  # a DatetimeIndex of other times, left out
        elif isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex):
            time, time_name = data.index, str(data.index.name or "index")
        elif data.index.dtype == object and all(isinstance(v, datetime.date) and not isinstance(v, datetime.datetime)
                                                for v in data.index):  # python dates (df['d'].dt.date): their days
            time, time_name = pd.DatetimeIndex(pd.to_datetime(list(data.index))), str(data.index.name or "index")
        elif data.index.equals(pd.RangeIndex(len(data))):
            time, time_name = None, "time"  # the default positions: rows are equally spaced steps
            if (wide := times_across(given)) is not None:  # '2021-01-01', ... as columns: a series per row?
                if len(wide[0]) >= len(data):  # more times across than steps down: only a wide table
                    raise ValueError(_wide_table(*wide))
                # fewer times across than rows: a wide table only where a column of text names the rows
                # ('country'); columns of years, each a series of its own down the rows (a row per day), are read
                if any(not pd.api.types.is_numeric_dtype(data[c]) for c in wide[1]):
                    warnings.warn(f"{_wide_table(*wide)}; if each column is a series of its own, silence this "
                                  "with warnings.filterwarnings('ignore', message='.*as a wide table has')",
                                  UserWarning, stacklevel=user_stacklevel())
        elif pd.api.types.is_numeric_dtype(data.index.dtype) and not pd.api.types.is_bool_dtype(data.index.dtype):
            time, time_name = data.index, str(data.index.name or "index")
        elif isinstance(data.index, pd.MultiIndex):  # read_csv(index_col=['id', 'time']): a panel, not a time axis
            raise ValueError(_panel_index(data.index))
        elif period_label_starts(data.index) is not None:  # 'Q1 2000', 'JAN 1950': the Forecaster reads them
            shown = ", ".join(map(repr, data.index[:3].tolist()))
            name = str(data.index.name or "index")
            raise ValueError(
                f"the index holds periods as text ({shown}, ...), and the time axis needs them as dates; read them "
                f"as a time column, TimeSeriesFrame.from_pandas(data.reset_index(), time_col={name!r}) (each period "
                "at its first day, as the Forecaster reads them)"
            )
        elif (pd.api.types.is_object_dtype(data.index.dtype) or pd.api.types.is_string_dtype(data.index.dtype)) \
                and reads_as_dates(pd.Series(data.index).dropna()):  # read_csv(index_col=0) without parse_dates
            shown = ", ".join(map(repr, data.index[:3].tolist()))
            name = str(data.index.name or "index")
            raise ValueError(
                f"the index holds dates as text ({shown}, ...), and the time axis needs them as dates; read them as "
                f"dates: a time column, TimeSeriesFrame.from_pandas(data.reset_index(), time_col={name!r}) (its "
                "format checked: a date that reads two ways is refused), pd.read_csv(..., index_col=0, "
                "parse_dates=True), or data.index = pd.to_datetime(data.index, format=...)"
            )
        elif (wide := times_across(given)) is not None:  # a series per row, a time per column
            raise ValueError(_wide_table(*wide))
        else:
            shown = ", ".join(map(repr, data.index[:3].tolist()))
            raise ValueError(
                f"the index ({type(data.index).__name__} of dtype {data.index.dtype}: {shown}, ...) is neither "
                "dates nor numbers, so it cannot be the time axis; pass a DatetimeIndex or a numeric index "
                "(for elapsed times: index.total_seconds()), name a time_col, or drop it with "
                "reset_index(drop=True) to count steps"
            )
        if time is not None and (numbers := dates_as_numbers(time, time_name)):  # 20200131, 20200201: a step of 70
            raise ValueError(numbers)
        if value_cols is None:
            value_cols = [c for c in names if c != time_col]
            if time is None:
                _warn_time_as_value(data, value_cols)
        else:
            value_cols = [str(c) for c in value_cols]
            unknown = [c for c in value_cols if c not in names]
            if unknown:
                raise ValueError(f"value_cols {unknown} are not columns; the columns are {names}")
        if not value_cols:
            raise ValueError(f"no value column: the only column is the time column {time_col!r}")
        if time is not None and not pd.Index(time).is_unique:  # a long panel: ids beside repeated times
            refuse_date_beside_clock(data, time_name)  # Date, Time: one time in two columns, not a panel
            for c in value_cols:
                ids = data[c]
                if pd.api.types.is_numeric_dtype(ids) or pd.api.types.is_bool_dtype(ids) or \
                        not 1 < ids.nunique() < len(data) or arrays_in_column(ids, c) or not names_series(ids, time):
                    continue
                shown = ", ".join(repr(v) for v in pd.unique(ids.dropna())[:3]) + (", ..." if ids.nunique() > 3 else "")
                raise ValueError(
                    f"data looks like a long panel of {ids.nunique()} series: column {c!r} holds series ids ({shown}) "
                    f"beside times {time_name!r} that repeat; read one series, data[data[{c!r}] == "
                    f"{ids.dropna().iloc[0]!r}], or forecast all of them with rnnkit.GlobalForecaster(...).fit(data, "
                    f"id_col={c!r}, time_col={time_name!r}, target=...) (a column: data.reset_index())"
                )
        for c in value_cols:
            dtype, leave_out = data[c].dtype, omit.format(column=repr(c))
            if pd.api.types.is_complex_dtype(dtype):  # to_numpy(float64) would drop the imaginary parts
                raise ValueError(
                    f"value column {c!r} holds complex numbers (dtype {dtype}), and a series holds real numbers; "
                    f"give the real and imaginary parts as two columns (np.real, np.imag), or the magnitude "
                    f"(np.abs), or {leave_out}"
                )
            if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
                if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(dtype):
                    raise ValueError(  # pd.to_numeric would give their raw ticks
                        f"value column {c!r} has dtype {dtype}; expected a numeric column: it holds dates or "
                        f"durations: pass time_col={c!r} if it is the time axis, or {leave_out}"
                    )
                if found := arrays_in_column(data[c], c):
                    raise ValueError(f"value column {c!r} {found[1]}, or {leave_out}")
                given = data[c].dropna()
                if not len(given):  # no value at all (None, pd.NA): read as missing, as an empty float column
                    continue
                words = given[pd.to_numeric(given, errors="coerce").isna()]
                if not len(words):  # every cell a number: as text ('1.5'), or Python objects (Decimal, True)
                    raise ValueError(f"value column {c!r} has dtype {dtype}; expected a numeric column: it "
                                     f"{numbers_held_fix(given, f'df[{c!r}]')}, or {leave_out}")
                if len(words) == len(given) and reads_as_dates(given):  # dates as text (a CSV's)
                    raise ValueError(
                        f"value column {c!r} has dtype {dtype}; expected a numeric column: it holds dates as text "
                        f"(e.g. {words.iloc[0]!r}): pass time_col={c!r} if it is the time axis, or {leave_out}"
                    )
                if (read := comma_numbers(words)) is not None:  # '1,234', '11,2': numbers pd.to_numeric makes NaN
                    raise ValueError(
                        f"value column {c!r} has dtype {dtype}; expected a numeric column: it holds numbers written "
                        f"with {read[0]} (e.g. {words.iloc[0]!r}), which pd.to_numeric would make NaN: read the CSV "
                        f"with {read[1]} (pd.read_csv or TimeSeriesFrame.from_csv), or {leave_out}"
                    )
                if (read := marked_numbers(words, f"df[{c!r}]")) is not None:  # '4.5%', '$12', '−3.2'
                    raise ValueError(
                        f"value column {c!r} has dtype {dtype}; expected a numeric column: it holds {read[0]} (e.g. "
                        f"{words.iloc[0]!r}), which pd.to_numeric would make NaN: convert it, {read[1]}, or "
                        f"{leave_out}"
                    )
                if len(words) == len(given) and (answers := boolean_words(words)) is not None:  # 'yes'/'no'
                    raise ValueError(
                        f"value column {c!r} has dtype {dtype}; expected a numeric column: it holds the answers "
                        f"{' / '.join(map(repr, answers))}, which pd.to_numeric would make NaN: read them as 1 and 0, "
                        f"df[{c!r}] = df[{c!r}].map({answers!r}), or {leave_out}"
                    )
                if len(words) == len(given):  # no number at all: pd.to_numeric would give all NaN
                    raise ValueError(
                        f"value column {c!r} has dtype {dtype}; expected a numeric column: it holds words (e.g. "
                        f"{words.iloc[0]!r}), a category, which pd.to_numeric would make all NaN: {leave_out}, or "
                        f"encode it as numbers yourself (e.g. pd.get_dummies(df[{c!r}], dtype=float))"
                    )
                row = int(np.flatnonzero(data[c].index.isin(words.index[:1]))[0])
                if (unit := header_units(data[c])) is not None:  # '°C' on the line under the header
                    raise ValueError(
                        f"value column {c!r} has dtype {dtype}; expected a numeric column: its first row holds "
                        f"{unit!r}, its only cell that is not a number: a line of units under the header (a second "
                        f"header line, as weather and logger exports write one)? read the CSV without it, "
                        f"skiprows=[1] (pd.read_csv or TimeSeriesFrame.from_csv), or {leave_out}"
                    )
                if marks := missing_marks(data[c]):  # '-', '?': an export's missing readings, read by na_values
                    raise ValueError(
                        f"value column {c!r} has dtype {dtype}; expected a numeric column: it holds numbers with "
                        f"{len(words)} cell(s) written {' or '.join(map(repr, marks))}{formula_errors(marks)} (the "
                        f"first at row {row}), the mark of a missing reading, which pandas does not read as missing; "
                        f"read the CSV with "
                        f"na_values={marks!r} (pd.read_csv or TimeSeriesFrame.from_csv, as for 'NA'), or convert it "
                        f"with pd.to_numeric(df[{c!r}], errors='coerce') (each becomes NaN)"
                    )
                raise ValueError(
                    f"value column {c!r} has dtype {dtype}; expected a numeric column: {len(words)} cell(s) are not "
                    f"numbers, the first {words.iloc[0]!r} at row {row}; correct them, or convert it with "
                    f"pd.to_numeric(df[{c!r}], errors='coerce') (each becomes NaN), or {leave_out}"
                )
        values = data[value_cols].to_numpy(dtype=np.float64, na_value=np.nan)
        for k, c in enumerate(value_cols):
            warn_missing_codes(values[:, k], c, time)  # -999, 9999: a station's or a logger's missing readings
        return cls(values, columns=value_cols, time=time, time_name=time_name)

    @classmethod
    def from_csv(
        cls,
        path: str | os.PathLike,
        *,
        time_col: str | None = None,
        value_cols: Sequence[str] | None = None,
        **read_csv_kwargs: Any,
    ) -> TimeSeriesFrame:
        """Read a CSV file (``pd.read_csv``) with an optional time column; see `from_pandas`."""
        if not os.path.isfile(path):
            raise ValueError(missing_file(path, "expected a CSV with a header row"))
        try:
            data = pd.read_csv(path, **read_csv_kwargs)
        except pd.errors.EmptyDataError:
            raise ValueError(
                f"CSV file {os.fspath(path)!r} is empty; expected a header row and at least one data row"
            ) from None
        if len(data) == 0:
            raise ValueError(f"CSV file {os.fspath(path)!r} has a header but no data row")
        if len(data.columns) == 1 and not {"sep", "delimiter"} & set(read_csv_kwargs):
            seps = [sep for sep in (";", "\t", "|") if sep in str(data.columns[0])]
            if seps:
                raise ValueError(f"CSV file {os.fspath(path)!r} has one column {str(data.columns[0])!r}: it looks "
                                 f"separated by {seps[0]!r}, not commas; pass sep={seps[0]!r}")
        keep = {k: v for k, v in read_csv_kwargs.items() if k in ("sep", "delimiter", "encoding", "skiprows",
                                                                  "quotechar", "comment", "header")}
        if not {"header", "names", "usecols"} & set(read_csv_kwargs):  # pandas renames a repeated name: sales.1
            check_header_names(os.fspath(path), pd.read_csv(path, header=None, nrows=1, dtype=str,
                                                            keep_default_na=False, **keep).iloc[0].tolist())
        if read_csv_kwargs.get("parse_dates") and not {"date_format", "dayfirst"} & set(read_csv_kwargs):
            _check_parsed_dates(path, data, read_csv_kwargs)
        if read_csv_kwargs.get("parse_dates") and data.index.dtype.kind in "OT" and \
                data.index.map(lambda v: isinstance(v, str)).all():  # dates parse_dates left as text (13/01/2024)
            what = f"{os.fspath(path)}: the index"
            refuse_two_readings(data.index, what)
            if (read := _one_reading(data.index, str(data.index.name or "index"))) is not None:  # as a time column is
                data.index = pd.DatetimeIndex(read, name=data.index.name)
        if not {"thousands", "decimal", "dtype", "converters"} & set(read_csv_kwargs):
            call = ", ".join([repr(os.fspath(path)), *(f"{k}={v!r}" for k, v in read_csv_kwargs.items()),
                              *(f"{k}={v!r}" for k, v in (("time_col", time_col), ("value_cols", value_cols))
                                if v is not None), "{options}"])
            warn_thousands_dots(path, data, f"TimeSeriesFrame.from_csv({call})", **keep)
        return cls.from_pandas(data, time_col=time_col, value_cols=value_cols)

    def __len__(self) -> int:
        return self.values.shape[0]

    def __repr__(self) -> str:
        span = "" if self.time is None else f", {self.time_name}: {self.time[0]} .. {self.time[-1]}"
        return f"TimeSeriesFrame({len(self)} steps x {len(self.columns)} columns {list(self.columns)}{span})"

    def to_pandas(self) -> pd.DataFrame:
        """The values as a DataFrame indexed by the time axis (or a RangeIndex)."""
        index = self.time if self.time is not None else None
        return pd.DataFrame(self.values, columns=list(self.columns), index=index)

    def column_index(self, names: Sequence[str]) -> list[int]:
        """Positions of ``names`` among the columns; ValueError naming the unknown ones."""
        if isinstance(names, str):  # iterating it would look up each of its letters as a column
            raise ValueError(f"column_index takes a list of column names, got the str {names!r}; pass [{names!r}]")
        unknown = [c for c in names if c not in self.columns]
        if unknown:
            raise ValueError(f"unknown columns {unknown}; the frame's columns are {list(self.columns)}")
        return [self.columns.index(c) for c in names]

    def elapsed(self, *, unit: str = "s") -> np.ndarray:
        """(N,) float64 time since the first row: in ``unit`` (a pandas Timedelta unit such as ``"s"``,
        ``"min"``, ``"h"``, ``"D"``) for datetimes, in the column's own units for a numeric time column, in
        steps when there is no time axis."""
        if self.time is None:
            return np.arange(len(self), dtype=np.float64)
        if isinstance(self.time, pd.DatetimeIndex):
            return np.asarray((self.time - self.time[0]) / _timedelta(unit), dtype=np.float64)
        return self.time - self.time[0]

    def resample(self, rule: str, *, agg: str = "mean") -> TimeSeriesFrame:
        """A regular frame: ``pd.DataFrame.resample(rule)`` aggregated with ``agg`` (one of
        ``RESAMPLE_AGGS``). Bins without any observation become NaN (``"sum"`` included), so that masks and
        imputation see them as missing rather than as zeros.

        The timestamps keep the grid they are on: a rule finer than a day whose steps the timestamps all keep at
        one offset from midnight (hourly readings at :30) bins from the first timestamp (pandas' ``origin=
        "start"``), where pandas would label each bin on the hour and move every time by 30 minutes. An anchored
        rule (weekly on a weekday; month, quarter or year starts or ends) whose anchor the timestamps are not on,
        while they all lie on another anchor of its kind (Saturdays given ``"W-SUN"``, month ends given ``"MS"``),
        is refused naming the rule they are on: each bin would hold one value, dated on the bin's anchor, so
        every date would only move. Timestamps on no such anchor (daily data aggregated to weeks) are binned as
        pandas bins them: daily and longer bins are labelled by their first day (``label="left"``), weeks and
        month, quarter or year ends by their last."""
        if not isinstance(self.time, pd.DatetimeIndex):
            raise ValueError("resample needs a datetime time axis; build the frame with time_col=... first")
        if agg not in RESAMPLE_AGGS:
            raise ValueError(f"agg={agg!r} is not supported; expected one of {RESAMPLE_AGGS}")
        check_on_anchor(self, rule, "rule")
        return self._binned(rule, agg)

    def _binned(self, rule: str, agg: str = "mean", *, spelt: str | None = None,
                periods: pd.PeriodIndex | None = None) -> TimeSeriesFrame:
        """:meth:`resample` less its check of the anchor (``Forecaster(freq=...)`` checks it where the times
        were not periods, which span their grid's start and end). ``spelt``: how the caller's user wrote the rule
        (``freq='D'``), for the warning of :func:`warn_moved`; ``periods``: the periods the times were given as."""
        warn_moved(self.time, rule, spelt or f"TimeSeriesFrame.resample({rule!r})",
                   f"leave {spelt} out" if spelt else "do not resample it",
                   ("forecast.csv" if spelt.startswith("--") else "forecast.index") if spelt else "resampled.time",
                   periods)
        origin = "start" if _phase(self.time, rule) else "start_day"
        resampler = self.to_pandas().resample(rule, origin=origin)
        out = resampler.sum(min_count=1) if agg == "sum" else getattr(resampler, agg)()
        return TimeSeriesFrame.from_pandas(out.rename_axis(self.time_name))


def _phase(time: pd.DatetimeIndex, rule: str) -> pd.Timedelta | None:
    """The offset from midnight's grid of ``rule`` (a step shorter than a day) that every timestamp keeps (30
    minutes for hourly readings at :30); None when there is none (the times on the grid, or at varying offsets:
    data to aggregate) or the rule is a day or longer."""
    offset = pd.tseries.frequencies.to_offset(rule)
    if not isinstance(offset, pd.offsets.Tick) or isinstance(offset, pd.offsets.Day):
        return None
    step = pd.Timedelta(offset)
    if step >= pd.Timedelta(days=1) or not len(time):
        return None
    phase = (time - time[0].normalize()) % step
    return phase[0] if phase[0] != pd.Timedelta(0) and (phase == phase[0]).all() else None


def warn_missing_codes(v: np.ndarray, name: str, time: Any = None) -> None:
    """Warn where the numbers ``v (T,)`` of the value column ``name`` hold one of the codes of a missing reading
    (``-999``, ``9999``: :data:`~rnnkit.data.tables.MISSING_CODES`) far outside all their other values
    (:func:`~rnnkit.data.tables.missing_codes`, the rule), which would be read, scaled and forecast as a reading.
    ``time``: the rows' times, which name the first. The fix reads it as missing; a warning, since it may be a
    reading."""
    for code, at, low, high in missing_codes(v):
        t = None if time is None else pd.Index(time)
        when = "" if t is None else f", {shown_time(t[at[0]]) if isinstance(t, pd.DatetimeIndex) else t[at[0]]}"
        shown = f"{code:g}"
        warnings.warn(
            f"value column {name!r} holds {shown} on {len(at)} row(s) (the first at row {at[0]}{when}), far outside "
            f"its other values ({low:g} .. {high:g}): the mark of a missing reading, as stations and "
            f"loggers write one? it would be read and forecast as a reading; read it as missing, "
            f"pd.read_csv(..., na_values=[{shown}]) or df[{name!r}] = df[{name!r}].replace({shown}, np.nan); if it "
            "is a reading, silence this with warnings.filterwarnings('ignore', message='.*the mark of a missing "
            "reading')",
            UserWarning, stacklevel=user_stacklevel())


def warn_moved(time: pd.DatetimeIndex, rule: str, spelt: str, leave: str, dates: str,
               periods: pd.PeriodIndex | None = None) -> None:
    """Warn where binning ``time`` onto ``rule``, a day or longer (``"D"``, ``"2D"``, ``"W"``, ``"MS"``, ...), only
    moves every timestamp: each bin holds one reading, and each lies at the same place in its bin other than the
    date pandas gives the bin (readings at noon, or on each month's 15th given ``"MS"``), so the series was on a
    grid of its own. pandas dates daily and longer bins at midnight (by calendar date, as F13-03 chose, so that UTC
    instants are read by their date) and on the rule's own days. Bins that each gather several readings (daily data
    onto ``"W"``), readings at varying places in their bins (the irregular dates a rule regularises), and a rule
    finer than a day, which keeps the timestamps' offset (hourly readings at :30 stay at :30, :func:`_phase`), are
    not warned of. ``spelt``: the rule as the caller's user wrote it (``freq='MS'``); ``leave``: how to do without
    it (``"leave freq='MS' out"``); ``dates``: what holds the binned dates (``"forecast.index"``). A ``spelt``
    that is a command-line option (``--freq MS``) gets fixes in the file and on the command line, not Python.
    ``periods``: the periods that ``time`` gives the first instants of, where the caller's times were periods
    (``'M'`` onto ``'ME'``), which the warning names as periods, with the periods' own frequency as the fix."""
    command_line = spelt.startswith("--")
    offset = pd.tseries.frequencies.to_offset(rule)
    if len(time) < 2 or (isinstance(offset, pd.offsets.Tick) and not isinstance(offset, pd.offsets.Day)
                         and pd.Timedelta(offset) < pd.Timedelta(days=1)):
        return
    bins = pd.Series(np.arange(len(time)), index=time).resample(rule, origin="start_day")
    if (bins.count() > 1).any():
        return  # readings to aggregate, as asked
    first = bins.first().dropna()  # bin date -> the position of its one reading
    dated = pd.DatetimeIndex(first.index)[np.argsort(first.to_numpy())]  # each reading's bin date, in order
    after = dated > time  # a bin dated at its end (weeks, month ends): the reading lies after the bin before's date
    starts = dated.where(~after, dated - offset) if after.any() else dated  # 'C' - offset: pandas' loop, warned of
    place = time - starts
    if place[0] == pd.Timedelta(0) or not (place == place[0]).all():
        return
    at, one, last = str(place[0]).removeprefix("0 days "), time[0], time[-1]
    becomes = shown_time(dated[0])
    if place[0] < pd.Timedelta(days=1) and not after.any() and all(
            offset.is_on_offset(day) for day in time.normalize().tz_localize(None)):  # a time of day on the grid
        daily = (offset.n == 1 if isinstance(offset, pd.offsets.Day) else
                 isinstance(offset, pd.offsets.Tick) and pd.Timedelta(offset) == pd.Timedelta(days=1))
        bins, moved, grid, steps = (("daily bins", "its day's midnight", "daily grid", "days") if daily else
                                    (f"bins of {rule!r}", "its bin's date at midnight", "grid", "steps"))
        keep = (f"write a line for each of the {steps} missing in the file (at {at}, the value empty) and {leave}"
                if command_line else f"put the series on its own {grid} instead (data.reindex(pd.date_range("
                f"'{one}', '{last}', freq={'D' if daily else rule!r})), the {steps} missing as NaN) and {leave}")
        warnings.warn(f"{spelt}: every timestamp is at {at} of its day (the first {one}), and {bins} are dated at "
                      f"midnight, so each time is moved to {moved} ({one} becomes {becomes}), and the forecasts are "
                      f"dated at midnight too; to keep {at}, {keep}", UserWarning, stacklevel=user_stacklevel())
        return
    end = "at their end" if after.any() else "at their start"
    if periods is not None:  # each period is one bin, which pandas dates elsewhere than the period's start
        own = periods.freqstr
        again = f"--freq {own}" if command_line else f"freq={own!r}"
        warnings.warn(f"{spelt}: every timestamp stands for one of the {own!r} periods given ({periods[0]}, "
                      f"{periods[1]}, ...), one to each bin of {rule!r}, and pandas dates those bins {end}, so each "
                      f"period becomes a timestamp ({periods[0]} becomes {becomes}), as do the forecasts ({dates} "
                      f"holds timestamps, not periods); for {own!r} periods back, {leave}, or pass {again} (the "
                      "periods' own frequency)", UserWarning, stacklevel=user_stacklevel())
        return
    days = place[0] / pd.Timedelta(days=1)
    by = f"{days:g} days" if days == int(days) else str(place[0])
    shift = (f"{dates} - pd.tseries.frequencies.to_offset({rule!r}) + pd.Timedelta({by!r})" if after.any() else
             f"{dates} + pd.Timedelta({by!r})")
    if command_line:  # what to do in the file or on the command line
        o = pd.offsets
        period = ("month", "M") if isinstance(offset, o.MonthBegin | o.MonthEnd) and offset.n == 1 else \
            ("quarter", "Q") if (isinstance(offset, o.QuarterBegin) and offset.startingMonth == 1 or isinstance(
                offset, o.QuarterEnd) and offset.startingMonth == 12) and offset.n == 1 else None
        shift = (f"subtract one {rule!r} step from the dates of {dates} and add {by}" if after.any() else
                 f"add {by} to the dates of {dates}")
        if period:
            shift += (f"; or write the times in the file as {period[0]}s ({pd.Period(one, period[1])} for "
                      f"{shown_time(one)}), which are read and forecast as {period[0]}s, and {leave}")
    warnings.warn(f"{spelt}: every timestamp lies {by} after the start of its bin (the first {shown_time(one)}, one "
                  f"reading to a bin), and bins of {rule!r} are dated {end}, so each time is moved to its bin's date "
                  f"({shown_time(one)} becomes {becomes}), as are the dates "
                  f"of {dates}; to date them as the readings are: {shift}", UserWarning,
                  stacklevel=user_stacklevel())


def _anchors(offset) -> list:
    """The grids of ``offset``'s kind with the same multiple and another anchor (every weekday of a weekly grid;
    month, quarter or year starts and ends, for each starting month), the likeliest first; [] for other kinds."""
    o, n = pd.offsets, offset.n
    if isinstance(offset, o.Week) and offset.weekday is not None:
        return [o.Week(n, weekday=d) for d in (6, 5, 0, 1, 2, 3, 4)]
    if isinstance(offset, o.MonthBegin | o.MonthEnd | o.BusinessMonthBegin | o.BusinessMonthEnd):
        return [o.MonthBegin(n), o.MonthEnd(n), o.BusinessMonthBegin(n), o.BusinessMonthEnd(n)]
    if isinstance(offset, o.QuarterBegin | o.QuarterEnd):
        return [*(o.QuarterBegin(n, startingMonth=m) for m in (1, 2, 3)),
                *(o.QuarterEnd(n, startingMonth=m) for m in (12, 1, 2))]
    if isinstance(offset, o.YearBegin | o.YearEnd):
        return [*(o.YearBegin(n, month=m) for m in range(1, 13)), *(o.YearEnd(n, month=m) for m in (12, *range(1, 12)))]
    return []


def check_on_anchor(frame: TimeSeriesFrame, rule: str, option: str) -> None:
    """ValueError when ``rule`` is an anchored grid (weekly on a weekday, month, quarter or year starts or ends)
    that the timestamps are not on, while all of them are on another anchor of that grid (Sundays given
    ``"W-SAT"``, month ends given ``"MS"``): each bin then holds one value, dated by pandas on its own anchor,
    so resampling only moves every date (a Sunday to the next Saturday). Timestamps on no anchor of that kind
    (daily data aggregated to weeks, months on the 15th read as months) pass. ``option``: how the caller's user
    spells the rule (``"freq"``: ``freq='W-SAT'``; ``"--freq"``: ``--freq W-SAT``; ``"rule"``)."""
    offset = pd.tseries.frequencies.to_offset(rule)
    days = frame.time.tz_localize(None)
    on = lambda grid: all(grid.is_on_offset(d) for d in days)
    if on(offset):
        return
    fits = next((grid for grid in _anchors(offset) if grid != offset and on(grid)), None)
    if fits is None:
        return
    i = next(k for k, d in enumerate(days) if not offset.is_on_offset(d))
    moved = pd.Series(1.0, index=frame.time[i : i + 1]).resample(offset.freqstr).count().index[0]
    spelt = (lambda f: f"--freq {f}") if option.startswith("--") else (lambda f: f"{option}={f!r}")
    day = f"{frame.time[i].day_name()}, " if isinstance(offset, pd.offsets.Week) else ""
    raise ValueError(f"{spelt(offset.freqstr)} is not the grid of the timestamps of {frame.time_name!r}: "
                     f"{shown_time(frame.time[i])} ({day}row {i}) is not on it, so resampling "
                     f"would date its value {shown_time(moved)}, and every other date would move alike; the "
                     f"timestamps are all on the grid {fits.freqstr!r}: pass {spelt(fits.freqstr)}")


# A numeric time axis of step 1 whose values are all whole numbers in this range is read as years (1700 .. 2008):
# one step a year, so no calendar lag is a season of it and a cycle of several years (sunspots' 11) is not named as one
# (forecast.defaults); decimal years lie in it too (forecast.series.decimal_years), and numbers among text read as
# dates where they are years (_refuse_numbers_as_text).
YEARS = (1000, 2100)


def _check_parsed_dates(path, data: pd.DataFrame, read_csv_kwargs: dict) -> None:
    """Refuse dates that ``pd.read_csv(..., parse_dates=...)`` read month-first where every one reads day-first too
    (``01/02/2020`` on each 1st of the month: monthly and day-first), or whose two-digit years it read after this
    year (``'Jan-49'`` as 2049), as a time column of such text is refused (:func:`refuse_two_readings`,
    :func:`refuse_future_years`): read_csv guesses without a word."""
    dates = [c for c in data.columns if pd.api.types.is_datetime64_any_dtype(data[c])]
    index = isinstance(data.index, pd.DatetimeIndex)
    if not dates and not index:
        return
    given = {k: v for k, v in read_csv_kwargs.items() if k not in ("parse_dates", "dtype", "converters")}
    if not index and "usecols" not in given and given.get("index_col", None) is None and data.columns.is_unique:
        given["usecols"] = [data.columns.get_loc(c) for c in dates]  # the date columns alone, by their position
    text = pd.read_csv(path, dtype=str, keep_default_na=False, **given)  # the same cells, as written
    for name, raw in [*((c, text[c]) for c in dates), *((("index", text.index),) if index else ())]:
        raw = pd.Series(raw, copy=False).reset_index(drop=True)
        what = f"{os.fspath(path)}: {'the index' if name == 'index' else f'column {name!r}'}"
        try:
            refuse_two_readings(raw, f"{what}, read by parse_dates month-first,")
        except ValueError as e:  # the option that reads them so in this call
            raise ValueError(f"{e}; here, give from_csv that format as date_format= beside parse_dates (the "
                             "day-first one for day-first dates)") from None
        times = pd.DatetimeIndex(data.index if name == "index" else data[name])  # 'Jan-49' read as 2049
        readings = _check_read_alike(raw, times, what)
        refuse_future_years(raw, times, f"{what}, read by parse_dates,", readings[0][0] if len(readings) == 1 else None,
                            "data.index" if name == "index" else f"data[{name!r}]")


def _refuse_words_among_dates(raw: Any, name: str) -> None:
    """ValueError where the text times ``raw`` are dates in one format but for cells with no digit (``'Total'``,
    ``'Summe'`` under the dates: a spreadsheet's totals row, whose values are sums; ``'n/a'``), naming them and the
    rows to drop."""
    text = pd.Series(raw, copy=False).reset_index(drop=True)
    if not text.map(lambda v: isinstance(v, str)).all():
        return
    words = ~text.str.contains(r"\d")
    if not words.any() or words.all():
        return
    try:
        if len(date_readings(text[~words].str.strip())) != 1:
            return
    except MixedZones:
        return
    i, found = int(np.flatnonzero(words)[0]), list(dict.fromkeys(text[words]))
    total = text[words].str.strip().str.lower().str.rstrip(":").isin(TOTAL_WORDS).any()
    raise ValueError(f"time column {name!r} holds dates but for {int(words.sum())} cell(s) with no date, the first "
                     f"{text.iloc[i]!r} at row {i}" + (" (a spreadsheet's totals row? its values are sums, not "
                                                        "readings)" if total else "")
                     + f"; drop those rows first, data = data[~data[{name!r}].isin({found[:5]!r})]")


def _check_read_alike(raw: pd.Series, times: pd.DatetimeIndex, what: str) -> list[tuple[str, pd.DatetimeIndex]]:
    """Refuse dates that ``parse_dates`` read otherwise than the one format that fits them all (pandas reads dates
    whose format it does not guess one by one: ``'11/01/24'`` month-first as 1 November beside ``'13/01/24'``
    day-first, which then look out of order, and sorting them would scramble them). Returns the readings of
    ``raw`` (as :func:`unguessed_readings` gives them where pandas guesses no format; [] for dates with and without
    a UTC offset), whose one format the caller's other fixes name."""
    try:
        readings = date_readings(raw.str.strip()) or unguessed_readings(raw)
    except MixedZones:
        return []
    if len(readings) != 1:
        return readings
    fmt, read = readings[0]
    off = np.flatnonzero(~times.isna() & (times.as_unit("ns").asi8 != read.as_unit("ns").asi8))
    if off.size:
        k = int(off[0])
        raise ValueError(f"{what}, read by parse_dates, reads {raw.iloc[k]!r} as {shown_time(times[k])}, where "
                         f"{fmt!r}, the one format that fits every date, reads {shown_time(read[k])}: pandas read "
                         f"the dates one by one; give from_csv date_format={fmt!r} beside parse_dates")
    return readings


def _wide_table(times: list, others: list) -> str:
    """What to say of a frame whose columns ``times`` (:func:`~rnnkit.data.tables.times_across`) are named as times,
    a series on each row, as a wide table has (the World Bank's, a pivot's), where a frame reads its series down the
    rows: read as it is, each time would be a series and each series' place a step. ``others``: the other columns,
    of which one is taken for the rows' names (``'country'``, ``'id'``). With the default index, ``from_pandas``
    refuses such a table where its time columns are at least as many as its rows (only a wide table has fewer steps
    than series named by consecutive times), warns where they are fewer but a column of text names the rows, and
    reads it as it is otherwise: columns named as years over more rows than them (``'2019'``, ``'2020'`` of a row
    per day) are series of their own, and columns that only look like times (``'1'``, ``'S1'``, ``'Jan'``) are none."""
    named = f".set_index({str(others[0])!r})" if len(others) == 1 else ""
    code = lambda c: f"pd.{c!r}" if isinstance(c, pd.Timestamp | pd.Period) else repr(c)  # a pivot's labels
    back = newest_first(times)  # turned, the rows run back
    order = ", newest first," if back else ""
    return (f"data has {len(times)} columns named as times ({times[0]!r} .. {times[-1]!r}){order} and a series on "
            "each row, as a wide table has, and a TimeSeriesFrame reads its series down the rows (a row per time, a "
            f"column per series); turn it, data{named}.loc[:, {code(times[0])}:{code(times[-1])}].T"
            f"{'.iloc[::-1]' * back} "
            "(text times then read with pd.to_datetime, or as a time column: .rename_axis('t').reset_index(), "
            "time_col='t')")


def _refuse_numbers_as_text(raw, name: str) -> None:
    """Refuse a time axis of numbers (not years: those read as dates) with some kept as text (``'7'`` among ``0, 1,
    ...``, a cell typed or joined as text): read as dates, pandas refuses ``'7'`` naming no row, and read as text
    ``'10'`` would sort before ``'9'``; the fix converts them all to numbers."""
    values = pd.Series(raw, copy=False).reset_index(drop=True)
    is_number = values.map(lambda v: isinstance(v, numbers.Real) and not isinstance(v, bool)).to_numpy()
    is_text = values.map(lambda v: isinstance(v, str)).to_numpy()
    if not is_number.any() or not is_text.any() or (is_number | is_text).sum() != len(values):
        return
    number, text = int(np.flatnonzero(is_number)[0]), int(np.flatnonzero(is_text)[0])
    if pd.to_numeric(values[is_text], errors="coerce").isna().any() or \
            values[is_number].between(*YEARS).all():  # 2000, '2001': years, read as dates
        return
    raise ValueError(f"time column {name!r} holds numbers ({values[number]!r} at row {number}) with "
                     f"{int(is_text.sum())} written as text ({values[text]!r} at row {text}), which no reading "
                     f"orders right (as dates they are refused, as text '10' sorts before '9'); give them all as "
                     f"numbers: data[{name!r}] = pd.to_numeric(data[{name!r}])")


def _durations(raw: Any) -> bool:
    """Whether the times ``raw`` are durations: a timedelta64 column, or a list or object column of
    ``pd.Timedelta`` / ``datetime.timedelta`` values only. A column of another dtype (numbers, dates) is judged by
    its dtype alone, without reading its values."""
    dtype = getattr(raw, "dtype", None)
    if dtype is None:
        dtype = np.asarray(raw).dtype
    if pd.api.types.is_timedelta64_dtype(dtype):
        return True
    if getattr(dtype, "kind", "O") != "O":
        return False
    values = np.ravel(np.asarray(raw, dtype=object))
    return len(values) > 0 and all(isinstance(v, datetime.timedelta | np.timedelta64) for v in values)


def _check_time(time: Any, n: int, name: str, values: np.ndarray | None = None) -> pd.DatetimeIndex | np.ndarray:
    """Datetime or numeric time axis of length ``n``, without gaps (NaT/NaN), strictly increasing. ``values``: the
    rows' values, which tell rows that repeat earlier ones whole (two overlapping exports joined) from series
    stacked one after another."""
    if isinstance(time, pd.PeriodIndex):
        time = time.to_timestamp()
    elif isinstance(time, pd.Series) and isinstance(time.dtype, pd.PeriodDtype):
        time = pd.PeriodIndex(time).to_timestamp()
    raw = time
    if isinstance(time, pd.DatetimeIndex):
        pass
    elif pd.api.types.is_datetime64_any_dtype(time):
        time = pd.DatetimeIndex(time)
    elif _durations(raw):  # pd.Timedelta: durations, which pandas cannot read as dates
        raise ValueError(durations_refusal(f"time column {name!r}", pd.to_timedelta(np.ravel(np.asarray(raw))),
                                           f"data[{name!r}]"))
    elif pd.api.types.is_numeric_dtype(np.asarray(time).dtype) and not pd.api.types.is_bool_dtype(
        np.asarray(time).dtype
    ):
        time = np.asarray(time, dtype=np.float64)
    elif (labels := period_label_starts(raw)) is not None:  # 'Q1 2000', 'JAN 1950', weeks: each period's first day
        time = labels[1]
        refuse_future_years(raw, time, f"time column {name!r}", labels[0], f"data[{name!r}]")  # 'Jan-49', 'Q1-49'
    else:
        _refuse_numbers_as_text(raw, name)  # 0, 1, .., '7', ..: one number kept as text
        refuse_fiscal_years(raw, f"time column {name!r}", f"data[{name!r}]")  # '2000/01': pandas reads a month
        refuse_clock_times(raw, f"time column {name!r}", f"data[{name!r}]")  # '09:30': dated today by pandas
        refuse_epoch_text(raw, f"time column {name!r}", f"data[{name!r}]")  # '1609459200': Unix seconds as text
        refuse_two_readings(raw, f"time column {name!r}")  # 01/02/1949: pandas reads it month-first, silently
        if said := spreadsheet_days(raw, f"data[{name!r}]", lambda row: f"row {row}"):  # 43832 among the dates
            raise ValueError(f"time column {name!r} {said}")
        short = unguessed_readings(raw)  # 13/01/24: pandas would read 12/01/24 month-first, value by value
        try:
            with warnings.catch_warnings():  # text quarters ('1974Q1') are read right, one by one: no pandas notice
                warnings.filterwarnings("ignore", message="Could not infer format", category=UserWarning)
                time = short[0][1] if len(short) == 1 else \
                    pd.DatetimeIndex(pd.to_datetime(pd.Series(raw, copy=False).to_numpy()))
        except (ValueError, TypeError) as e:
            why = str(e).splitlines()[0].split(". You might")[0]  # pandas' advice runs over several lines
            if "utc=True" in why:  # several UTC offsets or zones: they are instants only once made one
                raise ValueError(
                    f"time column {name!r} holds dates in several time zones or UTC offsets (e.g. "
                    f"{pd.Series(raw, copy=False).iloc[0]!r}), which one datetime column holds only in one zone: "
                    "parse it yourself with pd.to_datetime(..., utc=True) (the same instants, in UTC), then "
                    ".dt.tz_convert(zone) for local times"
                ) from None
            # pandas applies the first date's format to all: ISO dates of mixed precision ('00:00:00' beside
            # '00:00:00.5'), day-first dates whose first day is 12 or less, 24:00: read as read_sequences reads them
            time = _one_reading(raw, name)
            if time is None:
                _refuse_words_among_dates(raw, name)  # 'Total' under the dates: a sheet's totals row
                if (other := other_format(raw)) is not None:  # '01/06/2021' among '2021-01-05': two formats
                    raise ValueError(f"time column {name!r} {two_formats(*other, raw, f'data[{name!r}]')}") from None
                raise ValueError(
                    f"time column {name!r} could not be read as datetimes ({why}); pass ISO-8601 strings, "
                    "datetimes or numbers, or parse it yourself with pd.to_datetime(..., format=...)"
                ) from None
        refuse_future_years(raw, time, f"time column {name!r}", short[0][0] if len(short) == 1 else None,
                            f"data[{name!r}]")  # 'Jan-49', '01/02/49': pandas reads 2049
        refuse_yearless_dates(raw, time, f"time column {name!r}", f"data[{name!r}]")  # '15-Jan': the year 1
    if len(time) != n:
        raise ValueError(f"time axis {name!r} has {len(time)} entries for {n} rows of values")
    missing = pd.isna(time)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise ValueError(f"time column {name!r} is missing at row {i}; drop or fill that row first")
    disorder = time_disorder(time)
    if disorder is None:
        return time
    if not isinstance(time, pd.DatetimeIndex) and (said := one_digit_months(time, name)):
        raise ValueError(said)  # 2015.10 read as the number 2015.1: October repeats January, not a series stacked
    kind, i, seen = disorder
    if kind == "panel":  # every time on k rows: k series, ids dropped
        raise ValueError(
            f"time column {name!r} has every timestamp on {seen} rows ({time[i]} at rows {i - 1} and "
            f"{i}, ...): {seen} series in one column, a panel without its id column? forecast them "
            "with rnnkit.GlobalForecaster (a long frame with a series-id column) or one at a time; "
            f"averaging the duplicates would mix them (if they are repeated readings of one series, "
            f"aggregate them: df.groupby({name!r}, as_index=False).mean())"
        )
    if kind in ("repeats", "clock repeats"):
        raise ValueError(
            f"time column {name!r} has a duplicate timestamp {time[i]} at rows {i - 1} and {i}; "
            + (seen or f"aggregate duplicates first (df.groupby({name!r}, as_index=False).mean())")
        )
    if kind == "clock":
        raise ValueError(f"time column {name!r} goes back from {time[i - 1]} (row {i - 1}) to {time[i]} (row {i}); "
                         + seen)
    if kind == "twelve hours":
        raise ValueError(f"time column {name!r} {twelve_hours(raw, time, i)}")
    if kind == "starts over" and (m := _repeated_rows(time, values, i, seen)):  # the same readings twice
        raise ValueError(
            f"time column {name!r} starts over: rows {i}..{i + m - 1} ({time[i]} .. {time[i + m - 1]}) repeat rows "
            f"{seen}..{seen + m - 1} value for value: the same readings twice (two overlapping exports joined, or "
            f"one file read twice), not several series stacked one after another, whose readings would differ; keep "
            f"one row of each time: data[~data.index.duplicated()] for the index, "
            f"df.drop_duplicates(subset=[{name!r}]) for a column"
        )
    if kind == "starts over":  # series stacked one after another (not the rows of events in another order, vega's
        # la_riots sorted by name: it goes back often)
        raise ValueError(
            f"time column {name!r} starts over: row {i} ({time[i]}) follows row {i - 1} ({time[i - 1]}) and "
            f"repeats row {seen}: several series stacked one after another? forecast them one at a "
            "time, or all at once with rnnkit.GlobalForecaster (a long frame with a series-id column); "
            "sorting would interleave them"
        )
    raise ValueError(
        f"time column {name!r} is not increasing: row {i} ({time[i]}) comes before row {i - 1} "
        f"({time[i - 1]}); sort the rows first ({sort_fix(raw, f'df.sort_values({name!r})')})"
    )


def _one_reading(raw: Any, name: str) -> pd.DatetimeIndex | None:
    """The text dates ``raw`` read in the one format that fits them all (:func:`~rnnkit.data.tables.date_readings`),
    or None where no one format does. ValueError where dates with a UTC offset (or timestamps in a zone) are mixed
    with dates without one: their order is unknown."""
    text = pd.Series(raw, copy=False)
    try:
        if text.map(lambda v: isinstance(v, datetime.datetime)).all():  # Timestamps of a zone beside naive ones
            aware = text.map(lambda v: v.tzinfo is not None).to_numpy()
            if aware.any() and not aware.all():
                raise MixedZones(int(np.flatnonzero(aware)[0]), int(np.flatnonzero(~aware)[0]))
            return None
        if not text.map(lambda v: isinstance(v, str)).all():
            return None
        readings = date_readings(text.str.strip().reset_index(drop=True))
    except MixedZones as e:
        raise ValueError(f"time column {name!r} mixes dates with a UTC offset or zone (row {e.aware} has "
                         f"{text.iloc[e.aware]!r}) and without one (row {e.naive} has {text.iloc[e.naive]!r}), so "
                         f"their order is unknown; give every date an offset, or none; "
                         f"{utc_fix(text, f'data[{name!r}]')}") from None
    return readings[0][1] if len(readings) == 1 else None


def _repeated_rows(time, values: np.ndarray | None, i: int, seen: int) -> int:
    """How many rows from row ``i`` on repeat rows ``seen``, ``seen + 1``, ... (before ``i``) in their times and
    every value; 0 where row ``i`` itself differs (another series, revised readings) or no values are known."""
    if values is None:
        return 0
    m = 0
    while seen + m < i and i + m < len(time) and time[i + m] == time[seen + m] and \
            np.array_equal(values[i + m], values[seen + m], equal_nan=True):
        m += 1
    return m


def time_disorder(time: pd.DatetimeIndex | np.ndarray) -> tuple[str, int, Any] | None:
    """How a time axis without missing times (datetimes or float64 numbers) fails to increase strictly: ``(kind,
    row, what was seen)`` at the first row ``i`` that is not after row ``i - 1``, or None where it increases. The
    kinds, each with its own fix: ``"panel"`` (every time on the same number of rows, seen: that number: series
    whose id column was dropped), ``"clock repeats"`` and ``"clock"`` (a time repeated, or gone back, where a local
    clock is set back at night; seen: :func:`~rnnkit.data.tables._clock_set_back`'s advice), ``"starts over"`` (a
    time it has had, few times over: series stacked one after another; seen: the earlier row), ``"repeats"`` and
    ``"goes back"`` (a duplicate to aggregate, rows to sort), ``"twelve hours"`` (:func:`twelve_hour_row`: a
    12-hour clock written without AM/PM, not rows to sort). One place for these conditions: the frame's refusals
    and the Forecaster's, which names the fix on the index, read them here."""
    ticks = time.asi8 if isinstance(time, pd.DatetimeIndex) else time
    step = np.diff(ticks)
    if not (step <= 0).any():
        return None
    i = int(np.flatnonzero(step <= 0)[0]) + 1
    clock = _clock_set_back(time, i)
    if step[i - 1] == 0:
        counts = np.unique(ticks, return_counts=True)[1]
        if len(counts) > 1 and counts.min() == counts.max():
            return "panel", i, int(counts[0])
        return ("clock repeats", i, clock) if clock else ("repeats", i, None)
    if clock:
        return "clock", i, clock
    if isinstance(time, pd.DatetimeIndex) and twelve_hour_row(time) == i:
        return "twelve hours", i, None
    earlier = np.flatnonzero(time[: i - 1] == time[i])
    runs = 1 + int((step < 0).sum())  # increasing runs: one per stacked series; about n / 2 for rows in no order
    if len(earlier) and 3 * runs <= len(time):
        return "starts over", i, int(earlier[0])
    return "goes back", i, None


def twelve_hours(raw: Any, time: pd.DatetimeIndex, i: int) -> str:
    """The refusal of times on a 12-hour clock written without AM/PM (:func:`time_disorder`'s ``"twelve hours"``,
    first seen at row ``i``), as said of a time column or an index: sorting cannot help, as 1 AM and 1 PM read
    alike."""
    shown = pd.Series(raw, copy=False).astype(str).tolist() if raw is not None and len(raw) == len(time) else \
        [str(t) for t in time]
    return (f"reads as a 12-hour clock written without AM/PM: every hour is 1 .. 12, and row {i} ({shown[i]!r}) "
            f"goes back from row {i - 1} ({shown[i - 1]!r}) on the same day, so 1 AM and 1 PM are written alike "
            f"and which is which is lost (sorting cannot tell them apart); {TWELVE_HOUR_FIX}")


def _timedelta(unit: str) -> pd.Timedelta:
    try:
        return pd.Timedelta(1, unit=unit)
    except ValueError:
        raise ValueError(
            f"unknown time unit {unit!r}; expected a pandas Timedelta unit such as 's', 'min', 'h' or 'D'"
        ) from None


# --------------------------------------------------------------------------------------------------------
# Temporal patterns: calendar features, differencing


def calendar_features(
    time: Any, features: Sequence[str] = ("hour", "weekday", "month", "dayofyear")
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Cyclic calendar encodings of timestamps: ``sin(2π v / P)`` and ``cos(2π v / P)`` for each feature.

    ==========  ============================================  ==============
    feature     v                                             P
    ==========  ============================================  ==============
    hour        hour + minute / 60 + second / 3600            24
    weekday     day of the week, Monday = 0                   7
    month       month - 1 (January = 0)                       12
    dayofyear   day of the year - 1 (1 January = 0)           365 or 366
    ==========  ============================================  ==============

    The sin/cos pair puts 23:00 next to 00:00 and December next to January. Time-zone-aware timestamps
    are read in their own zone (local hours). Returns ``(values (N, 2k) float64, names)`` with names
    ``"hour_sin", "hour_cos", ...``.
    """
    if set(features) - {"hour"} and np.ndim(time) == 1:  # '09:30': today's weekday and month to pandas
        refuse_clock_times(time, "calendar_features: the list of times")
    raw, time = time, _calendar_dates(time)
    if time.hasnans:  # NaT: a row of NaN features, read as a value by whatever comes next
        raise ValueError(f"calendar_features: the time at row {int(np.flatnonzero(time.isna())[0])} is missing (NaT), "
                         "which has no hour, weekday or month; give every row its time, or drop the row")
    if (i := twelve_hour_row(time)) is not None:  # 01:00 after 12:00 noon: 1 PM read as 1 AM, every feature off
        written = raw if np.ndim(raw) == 1 else None
        raise ValueError(f"calendar_features: the list of times {twelve_hours(written, time, i)}")
    if not len(features):  # np.stack: "need at least one array to stack"
        return np.empty((len(time), 0)), ()
    cols, names = [], []
    for feature in features:
        if feature not in CALENDAR_PERIODS:
            raise ValueError(
                f"unknown calendar feature {feature!r}; expected some of {tuple(CALENDAR_PERIODS)}"
            )
        if feature == "hour":
            v, period = time.hour + time.minute / 60 + time.second / 3600, 24.0
        elif feature == "weekday":
            v, period = time.dayofweek, 7.0
        elif feature == "month":
            v, period = time.month - 1, 12.0
        else:
            v, period = time.dayofyear - 1, np.where(time.is_leap_year, 366.0, 365.0)
        angle = 2 * np.pi * np.asarray(v, dtype=np.float64) / period
        cols += [np.sin(angle), np.cos(angle)]
        names += [f"{feature}_sin", f"{feature}_cos"]
    return np.stack(cols, axis=1), tuple(names)


def _calendar_dates(time: Any) -> pd.DatetimeIndex:
    """``time`` as dates for `calendar_features`: periods at their start (as `TimeSeriesFrame.from_pandas` reads
    them); numbers refused, which ``pd.DatetimeIndex`` reads as nanoseconds since 1970 (years 1950, 1951 and
    seconds 0.0, 0.05 all within 1970-01-01 00:00:00, every feature one constant)."""
    if isinstance(time, pd.PeriodIndex | pd.Period) or isinstance(getattr(time, "dtype", None), pd.PeriodDtype):
        return pd.PeriodIndex(time).to_timestamp()
    refuse_two_readings(time, "calendar_features: the list of times")  # pandas: month-first, silently
    if np.ndim(time) == 1:
        refuse_fiscal_years(time, "calendar_features: the list of times")  # '2000/01': pandas reads a month
    if isinstance(time, pd.TimedeltaIndex) or pd.api.types.is_timedelta64_dtype(getattr(time, "dtype", None)):
        shown = ", ".join(map(str, pd.TimedeltaIndex(time)[:2]))
        raise ValueError(f"calendar_features reads dates, but got durations ({shown}, ...), which "
                         "have no weekday or month; add them to the date they count from, e.g. "
                         "calendar_features(pd.Timestamp('2024-01-01') + durations)")
    if (labels := period_label_starts(time)) is not None:  # 'Q1 2020', 'JAN 1950': as the Forecaster reads them
        refuse_future_years(time, labels[1], "calendar_features: the list of times", labels[0])  # 'Q1-49' too
        return labels[1]
    values = np.asarray(time)
    index = getattr(time, "index", None)
    if values.dtype.kind in "biuf" and isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        kind = type(time).__name__
        raise ValueError(f"calendar_features reads times, but got a {kind} of numbers indexed by times ({index[0]}, "
                         f"...): its values would be read as nanoseconds since 1970; pass its index, "
                         f"calendar_features(data.index)")
    if values.dtype.kind in "biuf":
        first = values.ravel()[0].item()
        shown = ", ".join(str(v) for v in values.ravel()[:2].tolist())
        raise ValueError(f"calendar_features reads dates, but got numbers ({shown}, ...), which would be read as "
                         f"nanoseconds since 1970 ({first} as {pd.Timestamp(int(first))}); give dates, e.g. "
                         "pd.to_datetime(t, unit='s') for seconds since 1970, or pd.to_datetime(years.astype(str), "
                         "format='%Y') for years")
    short = unguessed_readings(values) if values.dtype.kind in "OUT" and values.ndim == 1 else []
    try:
        dates = short[0][1] if len(short) == 1 else pd.DatetimeIndex(time)  # 'Jan-01': to pandas, year 1
    except ValueError as e:
        if "Mixed timezones" not in str(e):
            raise
        first = str(np.ravel(values)[0])
        raise ValueError(f"calendar_features: the times hold several UTC offsets (e.g. {first!r}), which "
                         "one list of dates holds only in one zone; for local hours give them in their zone: "
                         "pd.to_datetime(times, utc=True).tz_convert('Europe/Berlin') (your zone)") from None
    if values.dtype.kind in "OUT" and values.ndim == 1:  # text: 'Jan-49' is 2049 to pandas, another weekday
        refuse_future_years(values, dates, "calendar_features: the list of times", short[0][0] if len(short) == 1
                            else None)
    return dates


def difference(x: Any, lag: int = 1, *, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Lag-``lag`` differences ``d[t] = x[t + lag] - x[t]`` along ``axis``, and the head ``x[:lag]``.

    ``lag=1`` is ordinary differencing, ``lag=12`` seasonal differencing of monthly data, ``lag=7`` of daily
    data with a weekly cycle; apply twice for second order (difference of the differences). The head is what
    `undifference` needs to invert exactly (a series with NaN has no exact inverse: fill it first). Integers
    narrower than int64, unsigned or not, and booleans are differenced as int64 (uint8 3 - 5 is -2, not 254; int8
    120 - (-100) is 220, not -36). Returns ``(d, head)`` with ``N - lag`` and
    ``lag`` steps.
    """
    x = np.asarray(x)
    if x.dtype.kind in "ub" or x.dtype.kind == "i" and x.dtype.itemsize < 8:  # unsigned: 3 - 5 wraps to 254 in
        x = x.astype(np.int64)  # uint8; int8: 120 - (-100) to -36; bool: numpy refuses "-"
    if not isinstance(lag, int | np.integer) or lag < 1:
        raise ValueError(f"lag must be a positive integer, got {lag!r}")
    if not (is_integer(axis) and -x.ndim <= axis < x.ndim):  # else numpy's "tuple index out of range"
        raise ValueError(f"difference: axis must be one of x's {x.ndim} axes (the time axis), got {axis!r} for x of "
                         f"shape {x.shape}")
    n = x.shape[axis]
    if n <= lag:
        raise ValueError(f"differencing with lag {lag} needs more than {lag} steps, got {n}")
    head = np.take(x, np.arange(lag), axis=axis)
    d = np.take(x, np.arange(lag, n), axis=axis) - np.take(x, np.arange(n - lag), axis=axis)
    return d, head


def undifference(d: Any, head: Any, *, axis: int = 0) -> np.ndarray:
    """Invert `difference`: ``x[t] = x[t - lag] + d[t]``, with ``lag = head.shape[axis]``.

    Returns the ``len(d)`` values that follow the head. The recursion is run for all steps at once as a
    cumulative sum over whole seasons (the series reshaped to ``(seasons, lag, ...)``), each sum taken in
    time order, so the round trip ``undifference(*difference(x, lag))`` gives ``x[lag:]`` back exactly
    whenever each ``x[t] - x[t - lag]`` is exact in floating point (integer-valued data, e.g. counts),
    and to the last bit or so otherwise.

    To turn forecasts of differences back into levels, pass the last ``lag`` observed values before the
    forecast as ``head``; for a batch of forecasts ``(B, H, n_y)`` use heads ``(B, lag, n_y)`` and
    ``axis=1``.
    """
    d, head = np.asarray(d), np.asarray(head)
    if not (is_integer(axis) and -d.ndim <= axis < d.ndim):  # else numpy's "index 3 is out of bounds for axis 0"
        raise ValueError(f"undifference: axis must be one of d's {d.ndim} axes (the time axis), got {axis!r} for d of "
                         f"shape {d.shape}")
    if head.ndim != d.ndim or np.delete(head.shape, axis).tolist() != np.delete(d.shape, axis).tolist():
        raise ValueError(
            f"head of shape {head.shape} does not fit differences of shape {d.shape}: they must agree on "
            f"every axis but axis {axis}, whose length in head is the lag"
        )
    lag = head.shape[axis]
    if lag < 1:
        raise ValueError("head is empty; pass the lag values that precede the differences")
    for name, a in (("head", head), ("d", d)):
        missing = np.isnan(a) if a.dtype.kind in "fc" else np.zeros(a.shape, bool)
        if missing.any():  # the running sum would carry it: NaN at every later step of that season
            step = int(np.flatnonzero(np.moveaxis(missing, axis, 0).reshape(a.shape[axis], -1).any(axis=1))[0])
            raise ValueError(
                f"undifference: {name} is NaN at step {step} along axis {axis} (a missing value of the series "
                f"makes x[t] - x[t - {lag}] NaN where x[t] or x[t - {lag}] is one), so every level after it in its "
                "season would come back NaN; fill the series' missing values before differencing (e.g. "
                "series.interpolate()), or undifference only the part after the last of them"
            )
    x = np.concatenate([np.moveaxis(head, axis, 0), np.moveaxis(d, axis, 0)])
    n = x.shape[0]
    pad = -n % lag
    x = np.concatenate([x, np.zeros((pad, *x.shape[1:]), dtype=x.dtype)])
    seasons = x.reshape(-1, lag, *x.shape[1:]).cumsum(axis=0)  # (n / lag, lag, ...)
    return np.moveaxis(seasons.reshape(x.shape)[lag:n], 0, axis)


# --------------------------------------------------------------------------------------------------------
# Splits by time


class TimeSplit(NamedTuple):
    """Contiguous, ordered row ranges that partition ``[0, N)``: train, then val, then test."""

    train: range
    val: range
    test: range


def split_by_time(
    series: TimeSeriesFrame | int,
    *,
    val: float | None = None,
    test: float | None = None,
    val_start: Any = None,
    test_start: Any = None,
) -> TimeSplit:
    """Split rows by time: the first for training, the next for validation, the last for testing.

    By fraction (``val``, ``test`` of ``N``, 0.15 each by default, rounded; a positive fraction that rounds to no
    rows is refused), or by
    timestamp: ``test_start`` is the first time that belongs to the test part, ``val_start`` (optional; no
    validation part without it) the first of the validation part; a
    timestamp form needs a frame with a time axis (a ``pd.Period`` is read as its first
    instant, as a frame reads a PeriodIndex). A time after the series' last one (an empty part) or at or before
    its first (an empty training part) is refused. Windows built with `WindowDataset` on these ranges keep
    every target in its own part.
    """
    if is_integer(series):
        n = int(series)  # np.int64 has no len()
        if n < 1:
            raise ValueError(f"split_by_time: the series has {n} rows; give the number of rows (>= 1) or the frame")
    else:
        n = len(series)
    if val_start is not None or test_start is not None:
        given = [f"{k}={v!r}" for k, v in (("val", val), ("test", test)) if v is not None]
        if given:  # a fraction next to a timestamp was ignored: no validation part for val=0.2
            raise ValueError(f"split_by_time: {' and '.join(given)} (a fraction) was given with val_start/test_start "
                             "(timestamps), and one split takes one form; give each part's first time "
                             "(val_start= and test_start=), or fractions only (val=, test=)")
        if not isinstance(series, TimeSeriesFrame) or series.time is None:
            raise ValueError("splitting by timestamp needs a TimeSeriesFrame with a time axis")
        time = series.time
        a_test = n if test_start is None else int(time.searchsorted(_like(time, test_start, "test_start"), side="left"))
        a_val = a_test if val_start is None else int(time.searchsorted(_like(time, val_start, "val_start"),
                                                                       side="left"))
        if a_val > a_test:
            raise ValueError(
                f"val_start {val_start} is after test_start {test_start}; expected val before test"
            )
        for name, start, a in (("test_start", test_start, a_test), ("val_start", val_start, a_val)):
            part = name[: -len("_start")]
            if start is not None and a == n:  # a time after the last one (a typo in its year?): nothing left
                raise ValueError(
                    f"{name}={start!r} is after the series' last time {time[-1]} (its {n} rows span {time[0]} .. "
                    f"{time[-1]}), so the {part} part would be empty; give a time within the series, or leave "
                    f"{name} out for no {part} part"
                )
        if a_val <= 0:
            name, start = ("val_start", val_start) if val_start is not None else ("test_start", test_start)
            raise ValueError(
                f"{name}={start!r} is at or before the series' first time {time[0]} (its {n} rows span "
                f"{time[0]} .. {time[-1]}), so the training part would be empty; give a later time"
            )
    else:
        val, test = 0.15 if val is None else val, 0.15 if test is None else test
        for name, f in (("val", val), ("test", test)):
            if not (isinstance(f, numbers.Real) and not isinstance(f, bool) and 0 <= f < 1):
                raise ValueError(f"{name}={f!r} must be a fraction in [0, 1)")
        a_test = n - round(n * test)
        a_val = a_test - round(n * val)
        for name, f in (("test", test), ("val", val)):
            if 0 < f and round(n * f) == 0:  # asked for a part, silently given none (window_datasets: None)
                raise ValueError(
                    f"{name}={f!r} of the {n} rows rounds to 0 rows, so the {name} part would be empty; give a "
                    f"fraction of at least 1/{n} = {1 / n:.2g} (one row), or {name}=0 for no {name} part"
                )
    if a_val <= 0:
        raise ValueError(
            f"the training part is empty (split at row {a_val} of {n}); use smaller val/test parts"
        )
    return TimeSplit(range(0, a_val), range(a_val, a_test), range(a_test, n))


def _like(time: pd.DatetimeIndex | np.ndarray, t: Any, name: str = "start") -> Any:
    """A user's timestamp in the comparable form of the time axis (same time zone for datetimes)."""
    if not isinstance(time, pd.DatetimeIndex):
        return float(t)
    if isinstance(t, numbers.Number):  # pd.Timestamp(50) is 50 ns after 1970
        raise ValueError(f"{name}={t!r} is a number, but the series' time axis holds dates ({time[0]} .. "
                         f"{time[-1]}); give a date (e.g. '2024-01-31' or a pd.Timestamp), or split by fraction "
                         "(val=, test=)")
    # a period as its first instant, as a frame reads a PeriodIndex (pd.Timestamp refuses one)
    short = []
    if isinstance(t, str):  # '07/01/2024' is 1 July to pd.Timestamp, 7 January to most of the world
        refuse_two_readings([t], f"{name}={t!r}")
        if len(short := short_year_readings([t])) == 1:  # 'Jan-58': 2058 to pandas
            refuse_future_years([t], short[0][1], f"{name}={t!r}", short[0][0], spelt=repr(t))
    if isinstance(t, str) and (labels := period_label_starts([t])) is not None:  # 'Q2 2002', '2002 Q2', '2002:2':
        t = labels[1][0]  # as the Forecaster reads such an index (pandas reads only '2002Q2'), the period's first day
    try:
        t = t.start_time if isinstance(t, pd.Period) else short[0][1][0] if len(short) == 1 else pd.Timestamp(t)
    except ValueError:  # pandas' DateParseError: "Unknown datetime string format"
        raise ValueError(f"{name}={t!r} does not read as a date; give a date ('{time[len(time) // 2]:%Y-%m-%d}', a "
                         "pd.Timestamp or a pd.Period), or split by fraction (val=, test=)") from None
    if time.tz is None and t.tz is not None:  # pandas: "Cannot compare tz-naive and tz-aware datetime-like objects"
        raise ValueError(f"{name}={str(t)!r} has a time zone but the series' times have none ({time[0]} .. "
                         f"{time[-1]}); give it without one, in the series' local time (e.g. {name}="
                         f"'{t.tz_localize(None)}'), or give the series its zone (index.tz_localize(...))")
    if time.tz is not None and t.tz is None:
        try:
            t = t.tz_localize(time.tz)
        except ValueError as e:  # pandas' NonExistentTimeError / AmbiguousTimeError, after a DST change
            kind = "does not exist" if "nonexistent" in str(e) else "happens twice"
            raise ValueError(f"{name}={str(t)!r} {kind} in the series' time zone {time.tz} (a daylight-saving "
                             f"change); give it with its UTC offset (e.g. pd.Timestamp('{t}').tz_localize('{time.tz}', "
                             f"{'nonexistent' if kind == 'does not exist' else 'ambiguous'}=...)) or an instant in "
                             "UTC") from None
    return t


def rolling_origin(
    series: TimeSeriesFrame | int,
    *,
    initial: int,
    test_size: int,
    step: int | None = None,
    expanding: bool = True,
) -> Iterator[tuple[range, range]]:
    """Backtest folds by rolling origin (Tashman 2000): yield ``(train rows, test rows)`` as ranges.

    The first origin is row ``initial``; each fold tests the ``test_size`` rows from its origin, and the
    origin moves by ``step`` (default ``test_size``, non-overlapping tests) while a full test fits.
    ``expanding=True`` trains on every row before the origin, ``False`` on a sliding window of the last
    ``initial`` rows. Test rows always come after all train rows of the same fold.
    """
    n = int(series) if is_integer(series) else len(series)  # np.int64 has no len()
    step = test_size if step is None else step
    if not all(is_count(v) for v in (initial, test_size, step)):  # 2.5 would fail in range(), True read as 1
        raise ValueError(f"initial, test_size and step must be positive, got {initial!r}, {test_size!r}, {step!r}; "
                         "they count rows (integers >= 1)")
    check_flags(expanding=expanding)  # "no" would be truthy: expanding windows
    if initial + test_size > n:
        raise ValueError(
            f"initial ({initial}) + test_size ({test_size}) exceeds the {n} rows: no fold fits; "
            "use a smaller initial or test_size"
        )
    for origin in range(initial, n - test_size + 1, step):
        yield range(0 if expanding else origin - initial, origin), range(origin, origin + test_size)


# --------------------------------------------------------------------------------------------------------
# Preprocessing fit on the training rows


class SeriesFeatures(NamedTuple):
    """Per-step arrays of a whole series after `Preprocessor.transform` (float32), ready for windowing."""

    inputs: np.ndarray  # (N, F_x)
    targets: np.ndarray  # (N, n_y)
    future: np.ndarray | None  # (N, C)
    target_mask: np.ndarray | None  # (N, n_y)
    input_names: tuple[str, ...]
    target_names: tuple[str, ...]
    future_names: tuple[str, ...]


@dataclass(frozen=True)
class WindowSpec:
    """What a window is: ``lookback`` input steps, ``horizon`` target steps, and the role of each column.

    ``stride`` is the step between the starts of consecutive windows. ``targets`` default to every column
    that has no other role. Inputs are the targets, the past covariates (observed up to the forecast time)
    and the known-future covariates (e.g. a holiday flag, known ahead), in that order; the future
    covariates are also returned over the horizon.
    """

    lookback: int
    horizon: int = 1
    _: KW_ONLY
    stride: int = 1
    targets: Sequence[str] | None = None
    past_covariates: Sequence[str] = ()
    future_covariates: Sequence[str] = ()

    def __post_init__(self):
        for name in ("lookback", "horizon", "stride"):
            v = getattr(self, name)
            if not is_count(v):
                raise ValueError(f"WindowSpec.{name} must be a positive integer, got {v!r}")
        for name in ("targets", "past_covariates", "future_covariates"):
            v = getattr(self, name)
            if isinstance(v, str):
                v = (v,)
            object.__setattr__(self, name, None if v is None else tuple(str(c) for c in v))
        roles = [*(self.targets or ()), *self.past_covariates, *self.future_covariates]
        if len(set(roles)) != len(roles):
            raise ValueError(f"a column has two roles in {roles}; give each column one role")

    def roles(self, columns: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """``(targets, past covariates, future covariates)`` for a frame with these columns."""
        others = set(self.past_covariates) | set(self.future_covariates)
        targets = self.targets if self.targets is not None else tuple(c for c in columns if c not in others)
        if not targets:
            raise ValueError("no target column: name targets=[...] in the WindowSpec")
        unknown = [c for c in (*targets, *self.past_covariates, *self.future_covariates) if c not in columns]
        if unknown:
            raise ValueError(f"WindowSpec names unknown columns {unknown}; the frame has {list(columns)}")
        return targets, self.past_covariates, self.future_covariates


class Preprocessor:
    """Scaler + imputer + feature builder, fit on the training rows only (``fit``), applied to the whole
    series (``transform``), with ``inverse_transform`` for predictions.

    ================  ========================================================================================
    option            meaning
    ================  ========================================================================================
    scale             ``"standard"``: (v - mean) / std; ``"minmax"``: (v - min) / (max - min), [0, 1] on the
                      training rows; ``"none"``. Statistics of the training rows, NaN ignored; a constant
                      column gets scale 1.
    impute            ``"none"``: refuse NaN (ValueError naming the column and first row); ``"ffill"``: last
                      observed value, the training mean before the first observation; ``"mean"``: the
                      training mean; ``"zero"``: 0 in the original units.
    mask              add a 1/0 observed-mask channel per input column (GRU-D's m, Che et al. 2018) and
                      return ``y_mask`` for the targets
    time_since        add per input column the time since its previous observation before t (GRU-D's δ:
                      δ_0 = 0; δ_t = s_t - s_{t-1} + δ_{t-1} if it was missing at t-1, else s_t - s_{t-1})
    delta_t           add one channel Δt_t = s_t - s_{t-1} (0 at the first row): uneven sampling kept as is
    calendar          calendar features (`calendar_features`) added to the inputs and, being known ahead,
                      to the future covariates
    time_unit         unit of the time_since and Δt channels for datetime axes (``"s"``, ``"min"``, ``"h"``,
                      ``"D"``...); numeric time axes use their own units, frames without one use steps
    ================  ========================================================================================

    The time channels are not scaled: choose ``time_unit`` so that typical gaps are near 1 (``"h"`` for
    hourly data). Imputation fills before scaling, so ``"mean"`` reads 0 after standard scaling.
    """

    def __init__(
        self,
        *,
        scale: str = "standard",
        impute: str = "none",
        mask: bool = False,
        time_since: bool = False,
        delta_t: bool = False,
        calendar: Sequence[str] = (),
        time_unit: str = "s",
    ):
        if scale not in SCALERS:
            raise ValueError(f"scale={scale!r} is not supported; expected one of {SCALERS}")
        check_flags("Preprocessor: ", mask=mask, time_since=time_since, delta_t=delta_t)  # "no" would be truthy
        if isinstance(calendar, str):  # its letters would be looked up as features
            raise ValueError(f"calendar takes a list of features, got the str {calendar!r}; pass "
                             f"calendar=[{calendar!r}]")
        if impute not in IMPUTE_POLICIES:
            raise ValueError(f"impute={impute!r} is not supported; expected one of {IMPUTE_POLICIES}")
        unknown = [c for c in calendar if c not in CALENDAR_PERIODS]
        if unknown:
            raise ValueError(
                f"unknown calendar features {unknown}; expected some of {tuple(CALENDAR_PERIODS)}"
            )
        _timedelta(time_unit)
        self.scale, self.impute = scale, impute
        self.mask, self.time_since, self.delta_t = mask, time_since, delta_t
        self.calendar, self.time_unit = tuple(calendar), time_unit
        self.columns: tuple[str, ...] | None = None  # set by fit
        self.mean_ = self.center_ = self.scale_ = None  # (F,) each, set by fit

    def fit(self, frame: TimeSeriesFrame, rows: Rows = None) -> Preprocessor:
        """Learn per-column statistics from ``frame.values[rows]`` (the training rows); returns self."""
        train = frame.values[_as_slice(rows, len(frame))]
        if len(train) == 0:
            raise ValueError("fit got no training rows; pass a non-empty range (e.g. split.train)")
        observed = ~np.isnan(train)
        has_data = observed.any(axis=0)
        with np.errstate(all="ignore"):  # all-NaN columns: statistics stay NaN, refused if used
            safe = np.where(observed, train, 0.0)
            count = observed.sum(axis=0)
            mean = safe.sum(axis=0) / count
            std = np.sqrt(np.where(observed, (train - mean) ** 2, 0.0).sum(axis=0) / count)
            lo = np.where(observed, train, np.inf).min(axis=0)
            hi = np.where(observed, train, -np.inf).max(axis=0)
        if self.scale == "standard":
            center, scale = mean, std
        elif self.scale == "minmax":
            center, scale = lo, hi - lo
        else:
            center, scale = np.zeros_like(mean), np.ones_like(mean)
        scale = np.where(scale > 0, scale, 1.0)
        self.columns = frame.columns
        self.mean_ = np.where(has_data, mean, np.nan)
        self.center_ = np.where(has_data, center, np.nan)
        self.scale_ = np.where(has_data, scale, np.nan)
        return self

    def transform(self, frame: TimeSeriesFrame, spec: WindowSpec) -> SeriesFeatures:
        """Impute, scale and build the channels of the whole series (see `SeriesFeatures` for shapes)."""
        if self.columns is None:
            raise ValueError("Preprocessor is not fitted; call fit(frame, rows=split.train) first")
        if frame.columns != self.columns:
            raise ValueError(
                f"frame columns {list(frame.columns)} differ from the fitted {list(self.columns)}"
            )
        targets, past, future = spec.roles(frame.columns)
        used = list(dict.fromkeys((*targets, *past, *future)))
        idx = frame.column_index(used)
        raw = frame.values[:, idx]  # (N, U)
        observed = ~np.isnan(raw)
        for j, c in enumerate(used):
            if np.isnan(self.mean_[idx[j]]):
                raise ValueError(
                    f"column {c!r} has no observed value in the training rows, so it cannot be scaled or "
                    "imputed; drop it from the WindowSpec or move the split"
                )
        values = self._impute(raw, observed, [self.mean_[i] for i in idx], used, frame)
        n_t = len(targets)
        if not self.mask and not observed[:, :n_t].all():  # no y_mask: a filled value reads as an observation
            j = int(np.flatnonzero(~observed[:, :n_t].all(axis=0))[0])
            rows = np.flatnonzero(~observed[:, j])
            when = "" if frame.time is None else f" ({frame.time_name} {frame.time[rows[0]]})"
            flatters = " (a repeat of the last value: a naive forecast scores well there)" if self.impute == "ffill" \
                else ""
            warnings.warn(
                f"Preprocessor.transform: target {targets[j]!r} is missing (NaN) at {len(rows)} row(s), the first "
                f"row {rows[0]}{when}, filled by impute={self.impute!r}; windows whose targets fall there train and "
                f"score on the filled values as if observed{flatters}; pass mask=True and multiply the loss and the "
                "errors by batch['y_mask']",
                UserWarning, stacklevel=user_stacklevel())
        with np.errstate(over="ignore"):  # beyond float64 too: infinite, refused below
            values = (values - self.center_[idx]) / self.scale_[idx]
        check_scaled_range(values, raw, self.center_[idx], self.scale_[idx], used, frame.time)
        cal, cal_names = None, ()
        if self.calendar:
            if not isinstance(frame.time, pd.DatetimeIndex):
                axis = ("no time axis (its rows are steps): build the frame with time_col=... or a DatetimeIndex"
                        if frame.time is None else
                        f"a time axis {frame.time_name!r} of numbers ({shown_time(frame.time[0])}, "
                        f"{shown_time(frame.time[1]) if len(frame.time) > 1 else '...'}, ...), which have no hour "
                        "or month: give the times as dates (e.g. pd.to_datetime(seconds, unit='s'))")
                raise ValueError(f"calendar features ({list(self.calendar)}) read dates, but the series has {axis}, "
                                 "or leave calendar out")
            cal, cal_names = calendar_features(frame.time, self.calendar)
        inputs = [values] + ([cal] if cal is not None else [])
        if self.mask:
            inputs.append(observed.astype(np.float64))
        if self.time_since or self.delta_t:
            s = frame.elapsed(unit=self.time_unit)  # (N,)
        if self.time_since:
            inputs.append(_time_since_observed(observed, s))
        if self.delta_t:
            inputs.append(np.diff(s, prepend=s[0])[:, None])
        names = [name for group in self.channels(spec).values() for name in group]
        n_p = len(past)
        fut = [values[:, n_t + n_p :]] + ([cal] if cal is not None else [])
        fut_names = (*future, *cal_names)
        f32 = lambda a: np.ascontiguousarray(a, dtype=np.float32)
        return SeriesFeatures(
            inputs=f32(np.concatenate(inputs, axis=1)),
            targets=f32(values[:, :n_t]),
            future=f32(np.concatenate(fut, axis=1)) if fut_names else None,
            target_mask=f32(observed[:, :n_t]) if self.mask else None,
            input_names=tuple(names),
            target_names=targets,
            future_names=fut_names,
        )

    def channels(self, spec: WindowSpec) -> dict[str, tuple[str, ...]]:
        """The names of the input channels of :meth:`transform`, in their order, by group: ``"values"`` (the
        ``U`` used columns: targets, past covariates, known-future covariates), ``"calendar"`` (sin/cos pairs),
        ``"mask"`` (``{column}_mask``, U), ``"time_since"`` (``{column}_since``, U), ``"delta_t"`` (one channel).
        A group that is switched off is empty. Needs the fitted columns."""
        if self.columns is None:
            raise ValueError("Preprocessor is not fitted; call fit(frame, rows=split.train) first")
        used = tuple(dict.fromkeys(c for role in spec.roles(self.columns) for c in role))
        return {
            "values": used,
            "calendar": tuple(f"{c}_{f}" for c in self.calendar for f in ("sin", "cos")),
            "mask": tuple(f"{c}_mask" for c in used) if self.mask else (),
            "time_since": tuple(f"{c}_since" for c in used) if self.time_since else (),
            "delta_t": ("delta_t",) if self.delta_t else (),
        }

    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """What :meth:`fit` learned, to save: ``({"columns": [...]}, {"mean", "center", "scale"})``, the
        arrays ``(F,)`` float64 in the order of the columns. The options are the constructor's:
        :meth:`load_state` puts the state back on a preprocessor built with the same options."""
        if self.columns is None:
            raise ValueError("Preprocessor is not fitted; call fit before state()")
        arrays = {"mean": self.mean_, "center": self.center_, "scale": self.scale_}
        return {"columns": list(self.columns)}, {k: np.ascontiguousarray(v) for k, v in arrays.items()}

    def load_state(self, state: dict, arrays: dict[str, Any]) -> Preprocessor:
        """Restore what :meth:`state` returned (arrays may be numpy arrays or tensors); returns self, fitted.
        ValueError when an array is missing or does not hold one value per column."""
        columns = tuple(str(c) for c in state["columns"])
        stats = {}
        for k in ("mean", "center", "scale"):
            if k not in arrays:
                raise ValueError(f"Preprocessor.load_state: the {k!r} array is missing")
            stats[k] = np.asarray(arrays[k], dtype=np.float64)
            if stats[k].shape != (len(columns),):
                raise ValueError(f"Preprocessor.load_state: {k!r} has shape {stats[k].shape}, expected "
                                 f"({len(columns)},): one value per column {list(columns)}")
        self.columns = columns
        self.mean_, self.center_, self.scale_ = stats["mean"], stats["center"], stats["scale"]
        return self

    def inverse_transform(self, y: Any, columns: Sequence[str]) -> np.ndarray | torch.Tensor:
        """Undo the scaling of ``y (..., len(columns))``, column by column (e.g. predictions ``(B, H, n_y)``
        with ``columns=ds.target_names``). Tensors stay tensors, arrays become float64."""
        if self.columns is None:
            raise ValueError("Preprocessor is not fitted; call fit first")
        if isinstance(columns, str):  # its letters would be looked up as columns
            columns = [columns]
        if not isinstance(y, torch.Tensor):  # a list of predictions: numpy's shape
            y = np.asarray(y, dtype=np.float64)
        idx = [self.columns.index(c) for c in columns if c in self.columns]
        if len(idx) != len(columns):
            raise ValueError(f"columns {list(columns)} are not all among the fitted {list(self.columns)}")
        if y.shape[-1] != len(idx):
            raise ValueError(
                f"y has {y.shape[-1]} columns on its last axis, expected {len(idx)} ({list(columns)})"
            )
        center, scale = self.center_[idx], self.scale_[idx]
        if isinstance(y, torch.Tensor):
            as_t = lambda a: torch.as_tensor(a, dtype=y.dtype, device=y.device)
            return y * as_t(scale) + as_t(center)
        return np.asarray(y, dtype=np.float64) * scale + center

    def _impute(self, raw, observed, means, names, frame) -> np.ndarray:
        if self.impute == "none":
            if not observed.all():
                j = int(np.flatnonzero(~observed.all(axis=0))[0])
                i = int(np.flatnonzero(~observed[:, j])[0])
                when = "" if frame.time is None else f" ({frame.time_name} {frame.time[i]})"
                raise ValueError(
                    f"column {names[j]!r} has a missing value (NaN) at row {i}{when} and impute='none' "
                    f"refuses NaN: choose Preprocessor(impute='ffill' | 'mean' | 'zero') (with mask=True to "
                    "tell the model which values were filled), or drop/fill those rows before framing"
                )
            return raw
        if self.impute == "zero":
            return np.where(observed, raw, 0.0)
        means = np.asarray(means)
        if self.impute == "mean":
            return np.where(observed, raw, means)
        last = np.maximum.accumulate(np.where(observed, np.arange(len(raw))[:, None], -1), axis=0)  # (N, U)
        filled = np.take_along_axis(raw, np.maximum(last, 0), axis=0)
        return np.where(last >= 0, filled, means)


def _time_since_observed(observed: np.ndarray, s: np.ndarray) -> np.ndarray:
    """GRU-D's δ (N, U): s_t minus the time of the last observation strictly before t (s_0 if none)."""
    rows = np.arange(len(s))[:, None]
    last = np.maximum.accumulate(np.where(observed, rows, 0), axis=0)  # last observed at or before t
    before = np.concatenate([np.zeros((1, observed.shape[1]), dtype=last.dtype), last[:-1]])
    return s[:, None] - s[before]


def _as_slice(rows: Rows, n: int) -> slice:
    if rows is None:
        return slice(0, n)
    if isinstance(rows, range):
        if rows.step != 1:
            raise ValueError(f"rows must be a contiguous range (step 1), got {rows}")
        if not 0 <= rows.start <= rows.stop <= n:  # a slice would cut it to the rows there are, or count from the end
            raise ValueError(f"rows {rows} lie beyond the series' {n} rows; give a range inside range(0, {n}) (e.g. "
                             "split_by_time(frame).train)")
        return slice(rows.start, rows.stop)
    if isinstance(rows, slice):
        start, stop, step = rows.indices(n)
        if step != 1:
            raise ValueError(f"rows must be a contiguous slice (step 1), got {rows}")
        return slice(start, stop)
    raise ValueError(f"rows must be a range, a slice or None, got {type(rows).__name__}")


# --------------------------------------------------------------------------------------------------------
# Windows


def sliding_windows(
    values: Any, lookback: int, horizon: int = 1, *, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """All windows of a ``(N, F)`` array as read-only views, the array form of Keras'
    ``timeseries_dataset_from_array``: inputs ``(n, L, F)`` and the following targets ``(n, H, F)``, with
    ``n = (N - L - H) // stride + 1``. No data is copied (``np.ascontiguousarray`` makes a copy). Windows are cut by
    row: a pandas object indexed by times must run forward in time, one row per time."""
    for name, v in (("lookback", lookback), ("horizon", horizon), ("stride", stride)):
        if not is_count(v):
            raise ValueError(f"sliding_windows: {name} must be an integer >= 1, got {v!r}")
    _check_time_order(getattr(values, "index", None))
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(f"sliding_windows takes a (N,) or (N, F) array, got shape {values.shape}; flatten the "
                         "feature axes first (values.reshape(len(values), -1))")
    if not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
        raise ValueError(f"sliding_windows takes numbers, got dtype {values.dtype}; convert the values (e.g. "
                         "pd.to_numeric) and leave time columns out")
    if values.shape[1] > values.shape[0] < lookback + horizon <= values.shape[1]:  # (F, N): features first
        raise ValueError(f"sliding_windows reads rows as time steps, (N, F), but values of shape {values.shape} have "
                         f"{values.shape[0]} rows, fewer than the lookback ({lookback}) + horizon ({horizon}); "
                         f"they look features-first (F, N): pass values.T")
    _check_fits(len(values), lookback, horizon)
    x = _windows(values, lookback)[: len(values) - lookback - horizon + 1 : stride]
    y = _windows(values[lookback:], horizon)[::stride]
    return x, y


def _check_time_order(index) -> None:
    """ValueError for a pandas index of times (dates, periods, durations) that does not increase: windows are cut
    by row, so rows newest first would put each target before its inputs, and a repeated time count twice."""
    if not isinstance(index, pd.DatetimeIndex | pd.PeriodIndex | pd.TimedeltaIndex) or (
            index.is_monotonic_increasing and index.is_unique):
        return
    if index.hasnans:  # NaT compares as neither before nor after
        raise ValueError(f"sliding_windows: the index has no time at row {int(np.flatnonzero(index.isna())[0])} "
                         "(NaT); give every row its time, or drop the row")
    steps = np.asarray(index[1:] <= index[:-1])
    i = int(np.argmax(steps)) + 1
    if index[i] == index[i - 1]:
        raise ValueError(f"sliding_windows: the index repeats {shown_time(index[i])} at rows {i - 1} and {i}; "
                         "windows are cut by row, so give one row per time (e.g. values.groupby(level=0).mean())")
    order = "newest first" if index.is_monotonic_decreasing else "out of time order"
    raise ValueError(f"sliding_windows: row {i} ({shown_time(index[i])}) comes before row {i - 1} "
                     f"({shown_time(index[i - 1])}) in time (the rows run {order}); windows are cut by row, so each "
                     "target would precede its inputs: sort the rows first (values.sort_index())")


def _windows(a: np.ndarray, size: int) -> np.ndarray:
    """(N - size + 1, size, F) view: row s is ``a[s : s + size]``."""
    return sliding_window_view(a, size, axis=0).transpose(0, 2, 1)


def _check_fits(n: int, lookback: int, horizon: int) -> None:
    if lookback + horizon > n:
        raise ValueError(
            f"lookback ({lookback}) + horizon ({horizon}) = {lookback + horizon} steps are needed for one "
            f"window, but the series has {n}; shorten the lookback or horizon, or use a longer series"
        )


class WindowDataset(Dataset):
    """Windows of a preprocessed series whose targets lie in the rows ``rows`` (see the module docstring).

    ``features`` comes from `Preprocessor.transform` (or `window_datasets`); ``context="past"`` lets the
    inputs of the first windows reach back before ``rows.start``, ``"within"`` keeps them inside ``rows``.
    Only the sizes of ``spec`` are read here; the column roles were fixed by ``transform``.

    ``ds[i]`` is one window (dict of (L, F_x), (H, n_y)... tensors); ``ds[indices]`` (a list, array, tensor
    or slice) is a batch gathered in one fancy-indexing step. ``ds.loader(batch_size)`` is a DataLoader
    that fetches whole batches this way (what the ≥1M windows/s benchmark measures); a plain
    ``DataLoader(ds, batch_size=...)`` also works, one window at a time.

    ==============  ==================================================================================
    attribute       meaning
    ==============  ==================================================================================
    starts          (n,) int64 first input row of each window; targets are rows starts + L + [0, H)
    input_names     names of the F_x input channels; target_names, future_names likewise
    ==============  ==================================================================================
    """

    def __init__(
        self,
        features: SeriesFeatures,
        spec: WindowSpec,
        *,
        rows: Rows = None,
        context: str = "past",
        preprocessor: Preprocessor | None = None,
    ):
        if not isinstance(features, SeriesFeatures):
            raise ValueError(
                f"WindowDataset expects the SeriesFeatures of Preprocessor.transform(frame, spec), got "
                f"{type(features).__name__}; or use window_datasets(frame, spec, split)"
            )
        if context not in ("past", "within"):
            raise ValueError(f"context={context!r}; expected 'past' or 'within'")
        n = len(features.inputs)
        _check_fits(n, spec.lookback, spec.horizon)
        part = _as_slice(rows, n)
        a, b = part.start, min(part.stop, n)
        L, H = spec.lookback, spec.horizon
        first_target = max(a, L) if context == "past" else a + L
        self.starts = np.arange(first_target, b - H + 1, spec.stride, dtype=np.int64) - L
        if len(self.starts) == 0:
            need = H if context == "past" else L + H
            raise ValueError(
                f"rows [{a}, {b}) hold no complete window (lookback {L}, horizon {H}, context={context!r} "
                f"needs at least {need} rows there); enlarge this part of the split or shorten the window"
            )
        self.spec, self.features, self.preprocessor = spec, features, preprocessor
        self.input_names = features.input_names
        self.target_names = features.target_names
        self.future_names = features.future_names
        self._make_views()

    def _make_views(self) -> None:
        f, L, H = self.features, self.spec.lookback, self.spec.horizon
        self._x = _windows(f.inputs, L)  # (N - L + 1, L, F_x), indexed by input start
        self._views = {"y": _windows(f.targets[L:], H)}  # (N - L - H + 1, H, n_y), same index
        if f.future is not None:
            self._views["future"] = _windows(f.future[L:], H)
        if f.target_mask is not None:
            self._views["y_mask"] = _windows(f.target_mask[L:], H)

    def __getstate__(self):  # worker processes get the base arrays, not copies of every window
        return {k: v for k, v in self.__dict__.items() if k not in ("_x", "_views")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._make_views()

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: Any) -> dict[str, torch.Tensor]:
        if isinstance(index, int | np.integer) or (isinstance(index, torch.Tensor) and index.dim() == 0):
            s = self.starts[int(index)]  # IndexError past the end, like any sequence
            out = {"x": torch.from_numpy(self._x[s].copy())}  # a copy: the view is read-only
            out.update((k, torch.from_numpy(v[s].copy())) for k, v in self._views.items())
            return out
        s = self.starts[np.asarray(index) if not isinstance(index, slice) else index]  # (B,)
        out = {"x": torch.from_numpy(self._x[s])}  # fancy indexing copies into a fresh (B, L, F_x) array
        out.update((k, torch.from_numpy(v[s])) for k, v in self._views.items())
        return out

    def loader(
        self,
        batch_size: int,
        *,
        shuffle: bool = False,
        drop_last: bool = False,
        generator: torch.Generator | None = None,
        **dataloader_kwargs: Any,
    ) -> DataLoader:
        """A DataLoader of batches (dicts of (B, ...) tensors) gathered by one indexing step per batch.

        Its sampler hands out whole index arrays (a permutation cut into batches when ``shuffle``; the global
        torch RNG unless ``generator`` is given), so no per-window Python work is left in the loop.
        """
        sampler = _BatchIndices(
            len(self), batch_size, shuffle=shuffle, drop_last=drop_last, generator=generator
        )
        return DataLoader(self, batch_size=None, sampler=sampler, **dataloader_kwargs)

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Every window at once as contiguous numpy arrays (x (n, L, F_x), y (n, H, n_y), ...)."""
        return {k: v.numpy() for k, v in self[np.arange(len(self))].items()}

    def inverse_transform(self, y: Any) -> np.ndarray | torch.Tensor:
        """Targets or predictions ``(..., n_y)`` back in the original units (needs ``preprocessor=``)."""
        if self.preprocessor is None:
            raise ValueError("this WindowDataset has no preprocessor; build it with preprocessor=... ")
        return self.preprocessor.inverse_transform(y, self.target_names)

    def target_rows(self) -> np.ndarray:
        """(n, H) int64 row of the series of each target step (map predictions back to timestamps)."""
        return self.starts[:, None] + self.spec.lookback + np.arange(self.spec.horizon)


class _BatchIndices(Sampler):
    """Yields (B,) int64 index arrays covering ``range(n)`` once per epoch, shuffled or in order."""

    def __init__(self, n: int, batch_size: int, *, shuffle: bool, drop_last: bool, generator=None):
        if not is_count(batch_size):
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        check_flags(shuffle=shuffle, drop_last=drop_last)  # "no" would be truthy
        if drop_last and n < batch_size:  # every epoch would be empty
            raise ValueError(f"drop_last=True with batch_size={batch_size} leaves no batch of the {n} windows; use "
                             f"a batch_size <= {n}, or drop_last=False")
        self.n, self.batch_size, self.shuffle, self.drop_last = n, batch_size, shuffle, drop_last
        self.generator = generator

    def __iter__(self) -> Iterator[np.ndarray]:
        order = torch.randperm(self.n, generator=self.generator) if self.shuffle else torch.arange(self.n)
        for chunk in order.split(self.batch_size):
            if self.drop_last and len(chunk) < self.batch_size:
                return
            yield chunk.numpy()

    def __len__(self) -> int:
        return self.n // self.batch_size if self.drop_last else -(-self.n // self.batch_size)


def window_datasets(
    frame: TimeSeriesFrame,
    spec: WindowSpec,
    split: TimeSplit,
    preprocessor: Preprocessor | None = None,
    *,
    context: str = "past",
) -> tuple[WindowDataset, WindowDataset | None, WindowDataset | None]:
    """Fit ``preprocessor`` (default: standard scaling, NaN refused) on ``split.train``, transform the
    series once, and return the train / val / test datasets (None for an empty part)."""
    preprocessor = preprocessor if preprocessor is not None else Preprocessor()
    features = preprocessor.fit(frame, split.train).transform(frame, spec)
    make = lambda rows: WindowDataset(features, spec, rows=rows, context=context, preprocessor=preprocessor)
    return make(split.train), make(split.val) if split.val else None, make(split.test) if split.test else None
