"""A series as the Forecaster reads it: its time axis, its regular step, the role of each column, the
timestamps after its end, and the known-future covariates at those timestamps."""

from __future__ import annotations

import datetime
import decimal
import numbers
import re
import shlex
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..checks import int_meant, is_integer, meant_name, missing_file
from ..data.tables import (
    _EXCEL_DAYS,
    _SPREADSHEET_EPOCH,
    TIME_NAMES,
    MixedZones,
    _cell,
    _month_of,
    _months_as_text,
    arrays_in_column,
    boolean_words,
    date_readings,
    durations_refusal,
    epoch_unit,
    epoch_units,
    header_units,
    mixed_epoch_units,
    newest_first,
    other_format,
    period_label_starts,
    refuse_fiscal_years,
    sequences_in_column,
    spreadsheet_calendar,
    spreadsheet_days,
    times_across,
    utc_fix,
    weekly_periods,
)
from ..data.timeseries import (
    YEARS,
    TimeSeriesFrame,
    check_on_anchor,
    comma_numbers,
    dates_as_numbers,
    marked_numbers,
    names_series,
    numbers_held,
    numbers_held_fix,
    reads_as_dates,
    refuse_clock_times,
    refuse_date_beside_clock,
    refuse_epoch_text,
    refuse_future_years,
    refuse_repeated_names,
    refuse_time_col_in_levels,
    refuse_two_readings,
    short_year_readings,
    shown_number,
    shown_time,
    sort_fix,
    time_disorder,
    twelve_hours,
    two_formats,
    user_stacklevel,
)


def as_frame(data, *, time_col: str | None = None, freq: str | None = None,
             option: str = "freq") -> TimeSeriesFrame:
    """A pandas Series / DataFrame (DatetimeIndex or ``time_col``) or a TimeSeriesFrame as a frame, resampled
    onto ``freq`` (mean per bin, empty bins NaN) when given. A ``freq`` finer than every step of the timestamps
    (``"D"`` for monthly data: 97 % of the bins empty) is refused, naming the grid the timestamps show;
    ``option`` is how the caller's user spells it (``"freq"``: ``freq='D'``; ``"--freq"``: ``--freq D``).

    An index of date strings (a CSV read without ``parse_dates``) is read as dates, as ``read_sequences``
    reads a time column: ISO 8601, or another format when only one reading fits; an index of other text, or
    of dates that read both day-first and month-first, is refused rather than dropped. Infinite values are
    refused by ``TimeSeriesFrame``, naming the column and the row (NaN is a missing value)."""
    written = (data[time_col] if isinstance(data, pd.DataFrame) and time_col in data.columns else  # as the user
               data.index if isinstance(data, pd.Series | pd.DataFrame) and time_col is None else None)  # wrote it
    if isinstance(data, TimeSeriesFrame):
        frame = data
    elif isinstance(data, pd.Series | pd.DataFrame):
        if isinstance(data, pd.DataFrame) and time_col in data.columns and \
                pd.api.types.is_timedelta64_dtype(data[time_col]):  # pandas would try, and fail, to read dates
            raise ValueError(durations_refusal(f"time column {time_col!r}", data[time_col], f"data[{time_col!r}]"))
        if written is not None and pd.api.types.is_datetime64_any_dtype(written):
            _check_read_centuries(pd.DatetimeIndex(written), "data.index" if time_col is None else
                                  f"data[{time_col!r}]")
            _warn_days_as_months(pd.DatetimeIndex(written), "data.index" if time_col is None else
                                 f"data[{time_col!r}]")
        if isinstance(data, pd.DataFrame):
            refuse_repeated_names(data)  # each check below reads data[name] as one column
            refuse_time_col_in_levels(data, time_col, text_names=False)
            _check_series_per_row(data)
            _check_not_wide(data, time_col)
            _check_finer_time(data, time_col)
            _check_value_columns(data, time_col)
            _check_not_a_panel(data, time_col)
        _check_text_values(data, time_col)
        if time_col is None:
            data = _dated_index(data)
        elif isinstance(data, pd.DataFrame) and time_col in data.columns and _is_text(data[time_col]) \
                and data[time_col].notna().all() and not reads_as_dates(data[time_col].astype(str)):
            # 'Q1 1965', '1950:1': as the index reads them
            starts = _period_starts(data[time_col].astype(str), f"time column {time_col!r}", f"data[{time_col!r}]")
            if starts is not None and (disorder := time_disorder(starts)) is not None and disorder[0] == "goes back":
                i = disorder[1]  # the frame would see only the dates, and advise sorting the text as words
                raise ValueError(f"time column {time_col!r} is not increasing: row {i} ({starts[i]}) comes before row "
                                 f"{i - 1} ({starts[i - 1]}); sort the rows first "
                                 f"({sort_fix(data[time_col], f'df.sort_values({time_col!r})')})")
            if starts is not None:
                data = data.assign(**{time_col: starts.to_numpy()})
        if time_col is None and freq is None and (skipped := _skipped_periods(data.index)) is not None:
            raise ValueError(skipped)
        if time_col is None and isinstance(data.index, pd.PeriodIndex) and len(data) < 3:
            data = data.set_axis(_period_starts_with_freq(data.index), axis=0)  # too few periods to infer it
        text = isinstance(data, pd.DataFrame) and not all(
            pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_bool_dtype(data[c]) for c in data.columns)
        if time_col is None and (on_index := _index_out_of_order(data.index, text, written)) is not None:
            raise ValueError(on_index)
        if written is not None and (numbers := dates_as_numbers(written, str(written.name or "index"),
                                                                in_file=option.startswith("--"))):
            raise ValueError(numbers)  # before from_pandas refuses them so, with the fix of a command's file
        frame = TimeSeriesFrame.from_pandas(data, time_col=time_col, omit="drop it (data.drop(columns=[{column}]): "
                                            "every column of data is read, as a target or a covariate)")
        _warn_zeros_as_missing(frame)
    else:
        raise ValueError(unframed(data))
    # periods' own 'M' (`rnnkit forecast --freq M` of months): 'MS'; asked: as written ('Y', a caller's 'YS-JAN')
    asked, freq = getattr(freq, "asked", freq), periods_rule(data, time_col, freq)
    if freq_name(freq, option) is None:
        return frame
    if not isinstance(frame.time, pd.DatetimeIndex):
        time = frame.time
        what = "no time axis" if time is None else f"a numeric time axis ({time[0]:g} .. {time[-1]:g})"
        raise ValueError(f"freq={freq!r} resamples dates, but the series has {what}; drop freq (numbers must be "
                         "evenly spaced already), or give the series dates")
    bin_counts = pd.Series(np.ones(len(frame.time)), index=frame.time).resample(freq_name(freq)).count().to_numpy()
    _check_freq_fits(frame, freq, option, bin_counts)
    _check_on_business_days(frame, freq, option)
    given = data[time_col] if time_col is not None and isinstance(data, pd.DataFrame) else getattr(data, "index", None)
    periods = pd.PeriodIndex(given) if isinstance(getattr(given, "dtype", None), pd.PeriodDtype) else None
    if periods is None:  # a period spans its grid's start and end
        check_on_anchor(frame, freq_name(freq), option)
    else:
        _check_whole_periods(periods, freq, option, time_col, asked)
    spelt = f"{option}={freq!r}" if option == "freq" else f"{option} {freq}"
    _warn_utc_days(frame, written, freq_name(freq), spelt)
    _warn_counts_averaged(frame, freq_name(freq), spelt, option, bin_counts, time_col,
                          framed=isinstance(data, TimeSeriesFrame))
    return frame._binned(freq_name(freq), spelt=spelt, periods=periods)


def _check_read_centuries(times: pd.DatetimeIndex, spelt: str) -> None:
    """Dates the user parsed (``read_csv(parse_dates=...)``, ``pd.to_datetime``) from years of two digits, as pandas
    reads them (``00 .. 68`` as ``2000 .. 2068``): the airline's ``'Jan-49' .. 'Dec-60'`` become 2049 .. 2060, a
    history after this year, and ``'Jan-60' .. 'Dec-75'`` go back a century at 1969. The text is gone, so the
    times alone tell: a series that starts after this year is warned of (scenarios and plans may start so), one
    that goes back from after this year to a hundred years before is refused with the fix, not with a sort that
    would put 1969 before 2060. ``spelt``: the times as the user's code names them."""
    times = times.dropna()
    now = pd.Timestamp.now().year
    if not len(times) or times.year.max() <= now:
        return
    fix = (f"t = pd.DatetimeIndex({spelt}); {spelt} = t.where(t.year <= {now}, t - pd.DateOffset(years=100))"
           if spelt == "data.index" else
           f"t = {spelt}; {spelt} = t.where(t.dt.year <= {now}, t - pd.DateOffset(years=100))")
    back = np.flatnonzero((times.year[:-1] > now) & (times.year[:-1] - times.year[1:] >= 90))
    if len(back):
        i = int(back[0])
        raise ValueError(f"the times of {spelt} go back a century, from {shown_time(times[i])} (row {i}) to "
                         f"{shown_time(times[i + 1])} (row {i + 1}): years written with two digits, which pandas "
                         "reads 00 .. 68 as 2000 .. 2068 and 69 .. 99 as 1969 .. 1999? put the years after this one "
                         f"back a century, {fix}, or read them with four-digit years; sorting them would not help")
    if times[0].year > now:
        warnings.warn(f"the times of {spelt} start in {times[0].year} ({shown_time(times[0])}), after this year "
                      f"({now}), so the whole history lies in the future: dates of the 1900s read from two-digit years "
                      "('Jan-49'), which pandas reads 00 .. 68 as 2000 .. 2068? put them back a century, "
                      f"{fix}; a series meant to start then is read as given (silence this with "
                      "warnings.filterwarnings('ignore', message='the times of .* start in'))", UserWarning,
                      stacklevel=user_stacklevel())


def _warn_counts_averaged(frame: TimeSeriesFrame, rule: str, spelt: str, option: str, counts: np.ndarray,
                          time_col: str | None, *, framed: bool) -> None:
    """Warn where ``freq=`` (``rule``) aggregates several values a bin, which it does by their mean, of a column of
    whole numbers of at least 0 that repeat (at most half of them distinct), as counts, units sold and events are
    written, whose total a bin is usually what is meant: daily sales of 10 given ``freq='W'`` are forecast as 10 a
    week, not 70. ``counts`` holds the timestamps per bin of ``rule``; ``framed``: the data is a TimeSeriesFrame,
    whose own ``resample`` then names the fix."""
    per_bin = int(np.median(counts[counts > 0]))
    if per_bin < 2:  # regularised (gaps filled, uneven times put on a grid), not aggregated
        return
    def holds_counts(v: np.ndarray) -> bool:  # whole, at least 0, and repeating (small counts tie often; a ramp not)
        v = v[np.isfinite(v)]
        return len(v) > 0 and (v >= 0).all() and (v == np.round(v)).all() and len(np.unique(v)) <= len(v) / 2

    whole = [k for k in range(len(frame.columns)) if holds_counts(frame.values[:, k])]
    if not whole:
        return
    k = whole[0]
    median = float(np.nanmedian(frame.values[:, k]))
    if option.startswith("--"):  # a command's CSV
        fix = f"pd.read_csv(path, index_col={frame.time_name!r}, parse_dates=True).resample({rule!r}).sum(" \
              "min_count=1).to_csv(new_path)"
    elif framed:
        fix = f"data.resample({rule!r}, agg='sum')"
    else:
        fix = f"{'data' if time_col is None else f'data.set_index({time_col!r})'}.resample({rule!r}).sum(min_count=1)"
    warnings.warn(f"{spelt} aggregates {per_bin} values a bin (the median) by their mean, and column "
                  f"{str(frame.columns[k])!r} holds whole numbers of at least 0, as counts and sales are written, "
                  f"whose total a bin is usually what is forecast ({per_bin} values of {shown_number(median)}: mean "
                  f"{shown_number(median)}, total {shown_number(median * per_bin)}); for totals, aggregate first and "
                  f"fit without {option}: {fix}; if the mean is meant, ignore "
                  "this (warnings.filterwarnings('ignore', message='.*by their mean'))", UserWarning,
                  stacklevel=user_stacklevel())


def _warn_zeros_as_missing(frame: TimeSeriesFrame) -> None:
    """Warn of a column of positive readings with a few exact zeros far below the readings around them (``0``
    beside ``313 .. 366``, or in airline's 112 .. 622: a logger's or an export's mark of a missing reading), which
    the model would learn as readings, without a word. Far below: the readings within 3 rows of each zero lie over
    5 of the series' typical steps (the median absolute step) above 0; a few: at most 5% of the readings. A
    series with negative values, or with as many zeros as an intermittent demand has, is left alone."""
    for j, name in enumerate(frame.columns):
        x = frame.values[:, j]
        zero = x == 0
        known = np.isfinite(x) & ~zero
        if not zero.any() or known.sum() < 10 or zero.sum() > 0.05 * len(x) or (x[known] < 0).any():
            continue
        step = float(np.median(np.abs(np.diff(x[known]))))
        rows = np.flatnonzero(zero)
        around = [x[max(r - 3, 0):r + 4][known[max(r - 3, 0):r + 4]] for r in rows]
        if any(len(a) == 0 or np.median(a) <= 5 * step for a in around):
            continue
        when = "" if frame.time is None else f", {shown_time(frame.time[rows[0]])}"
        warnings.warn(f"column {name!r} holds {len(rows)} zero(s) (row {rows[0]}{when} the first) among readings of "
                      f"{x[known].min():g} .. {x[known].max():g}, far below the readings around them: 0 written for a "
                      f"missing reading, as some loggers and exports write it? read as a reading, it pulls the "
                      f"forecasts down; mark them missing, data[{name!r}] = data[{name!r}].replace(0, np.nan) (filled "
                      "by impute=...), or, if they are readings, ignore this (warnings.filterwarnings('ignore', "
                      "message='.*far below the readings'))", UserWarning, stacklevel=user_stacklevel())


_UTC_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}$")


def _warn_utc_days(frame: TimeSeriesFrame, written, rule: str, spelt: str) -> None:
    """Warn where bins of a day or longer are UTC days while the timestamps were written at local times of a zone
    away from UTC: text with several UTC offsets (summer time), which is read as UTC instants, or UTC timestamps at
    two times of day an hour apart, none at midnight (local midnights across a change of summer time). A reading
    at local midnight east of UTC then falls in the previous UTC day, and hourly readings are averaged over UTC
    days, not their own. (Timestamps of one zone or one offset are binned by their own days; one time of day off
    midnight is :func:`warn_moved`'s.)"""
    offset = pd.tseries.frequencies.to_offset(rule)
    if str(frame.time.tz) != "UTC" or isinstance(offset, pd.offsets.Tick) and not isinstance(offset, pd.offsets.Day) \
            and pd.Timedelta(offset) < pd.Timedelta(days=1):
        return
    text = (pd.Series(written, dtype=object).astype(str).str.strip() if written is not None and (
        pd.api.types.is_object_dtype(written) or pd.api.types.is_string_dtype(written)) else pd.Series(dtype=str))
    offsets = sorted(set(text.str.extract(f"({_UTC_OFFSET.pattern})", expand=False).dropna()) - {"+00:00", "+0000"})
    hours = sorted(set(frame.time - frame.time.normalize()))
    if offsets:
        first = int(np.flatnonzero(text.str.contains(_UTC_OFFSET.pattern).to_numpy())[0])
        seen = f"the timestamps carry the UTC offsets {', '.join(offsets)} ({text.iloc[first]!r}, ...)"
    elif len(hours) == 2 and hours[1] - hours[0] == pd.Timedelta(hours=1) and hours[0] > pd.Timedelta(0):
        early, late = (str(h).removeprefix("0 days ") for h in hours)
        seen = (f"every timestamp is at {early} or {late}"
                f" UTC ({frame.time[0]}, ...), as local midnights of a zone with summer time are")
    else:
        return
    warnings.warn(f"{spelt}: {seen}, and they are read as UTC instants, so the bins are UTC days: a reading at local "
                  "midnight east of UTC falls in the day before, and the readings of one local day may be split "
                  "between two bins; to bin by local days, give the times in their zone (data.index = "
                  "pd.to_datetime(data.index, utc=True).tz_convert('Europe/Berlin'), with yours) before resampling",
                  UserWarning, stacklevel=user_stacklevel())


def _check_on_business_days(frame: TimeSeriesFrame, freq, option: str) -> None:
    """ValueError when ``freq`` is a business-day grid (``"B"``, a custom ``"C"``) and a timestamp falls on a day
    off it (a Saturday reading): pandas folds that day into the bin of the business day before, averaging it with
    that day's values without a word."""
    offset = pd.tseries.frequencies.to_offset(freq)
    if not isinstance(offset, pd.offsets.BusinessDay | pd.offsets.CustomBusinessDay):
        return
    days = frame.time.normalize()
    off = np.flatnonzero([not offset.is_on_offset(d) for d in days.tz_localize(None)])
    if not len(off):
        return
    i = int(off[0])
    before = offset.rollback(days[i].tz_localize(None))
    spelt = f"--freq {freq_name(freq)}" if option.startswith("--") else f"{option}={freq_name(freq)!r}"
    daily = "--freq D" if option.startswith("--") else f"{option}='D'"
    raise ValueError(f"{spelt} has no bin for {days[i].date()} ({days[i].day_name()}, row {i} of "
                     f"{frame.time_name!r}; {len(off)} such rows in all): resampling would average it into "
                     f"{before.date()}; drop the rows of days off the business days, or pass {daily}")


def _check_whole_periods(periods: pd.PeriodIndex, rule: str, option: str, time_col: str | None,
                         asked=None) -> None:
    """ValueError where the bins of ``rule`` (a day or longer) cut the periods given (``'Y-JUN'`` financial years
    onto ``'YS'``: July to June across two calendar years): each period would be binned by its first instant alone,
    so July 1999 to June 2000 would be dated 1999, every period half a year early, without a word (pandas refuses to
    resample periods onto bins that cut them). Periods that each start on a bin's date (``'W-SUN'`` weeks on their
    Mondays, ``'W-MON'``) are those bins; periods within the bins (months onto quarters) are aggregated. ``asked``:
    ``freq`` as the user wrote it (``'Y'``), named in the message beside ``rule``, the grid it was read as
    (``'YS-JAN'``, :func:`periods_rule`)."""
    offset = pd.tseries.frequencies.to_offset(rule)
    if len(periods) < 2 or periods.hasnans or (isinstance(offset, pd.offsets.Tick) and pd.Timedelta(offset)
                                               < pd.Timedelta(days=1)):
        return
    starts, ends = periods.start_time, periods.end_time
    if all(offset.is_on_offset(t) for t in starts):
        return
    times = pd.DatetimeIndex(np.ravel(np.column_stack([starts.asi8, ends.as_unit(starts.unit).asi8])),
                             dtype=starts.dtype)
    bins = pd.Series(0, index=times).groupby(pd.Grouper(freq=rule)).ngroup().to_numpy().reshape(-1, 2)
    cut = np.flatnonzero(bins[:, 0] != bins[:, 1])
    if not len(cut):
        return
    i, own = int(cut[0]), periods.freqstr
    dated = pd.Series(0, index=starts).resample(rule).count()
    spelt = (lambda f: f"--freq {f}") if option.startswith("--") else (lambda f: f"{option}={f!r}")
    span = "" if "/" in str(periods[i]) else f" ({shown_time(starts[i])} .. {shown_time(ends[i].normalize())})"
    days = "data.index = data.index.to_timestamp()" if time_col is None else \
        f"data[{time_col!r}] = data[{time_col!r}].dt.to_timestamp()"
    fix = f"to bin each period by its first day, give those days: {days}"
    if (dated > 0).sum() == len(periods):  # one period a bin: the bins are meant to be the periods
        whole = period_starts(own) or pd.infer_freq(pd.period_range(starts[0], periods=3, freq=own).to_timestamp())
        fix = (f"pass {spelt(own)} (the periods' own) or a grid whose bins hold whole periods ({spelt(whole)}), "
               f"or, {fix}")
    held = "the index" if time_col is None else f"time column {time_col!r}"
    first = pd.Series(0, index=starts[i:i + 1]).resample(rule).count().index[0]
    asked = asked if isinstance(asked, str) else rule
    grid = repr(asked) if asked == rule else f"{asked!r} (read as the grid {rule!r})"
    raise ValueError(f"{spelt(asked)} cuts the {own!r} periods of {held}: {periods[i]}{span} lies across two bins "
                     f"of {grid}, so it would be dated {shown_time(first)}, the bin of its first day, as {len(cut)} "
                     f"of the {len(periods)} periods would be (pandas refuses to resample periods onto bins that cut "
                     f"them); {fix}")


def _check_freq_fits(frame: TimeSeriesFrame, freq, option: str, counts: np.ndarray) -> None:
    """ValueError when every step between two timestamps of ``frame`` skips at least one bin of ``freq``: the
    frequency then contradicts the data (monthly data given ``"D"``), and resampling onto it would leave more
    bins empty than observed, each observation a lone value between missing ones. Data with some neighbouring
    bins both observed (uneven timestamps, the case ``freq`` is for; business days onto ``"D"``) passes, as does
    aggregation onto a coarser grid. ``counts`` holds the timestamps per bin of ``freq``."""
    time = frame.time
    if len(time) < 3:
        return  # too few steps to tell the data's grid
    if (np.diff(np.flatnonzero(counts)) == 1).any():
        return

    def spelt(f) -> str:
        return f"--freq {f}" if option.startswith("--") else f"{option}={f!r}"

    empty, shown = int((counts == 0).sum()), ", ".join(shown_time(t) for t in time[:3])
    grid = time.freq.freqstr if time.freq is not None else pd.infer_freq(time)
    if grid is not None:
        found = f"they are on the grid {grid!r} ({shown}, ...)"
        fix = f"drop {option} (the grid {grid!r} is read from the timestamps), or pass {spelt(grid)}"
    else:  # uneven: the grid of the first rows (months are 28 to 31 days), else the shortest step
        i = int(np.argmin(np.diff(time.values)))
        shortest = time[i + 1] - time[i]
        found = f"their shortest step is {shortest} ({shown_time(time[i + 1])} follows {shown_time(time[i])})"
        grid = pd.infer_freq(time[:3])
        if grid is None:
            grid = f"{shortest.days}D" if shortest == pd.Timedelta(days=shortest.days) else \
                pd.tseries.frequencies.to_offset(shortest).freqstr
        else:
            found += f", the first rows are on the grid {grid!r} ({shown})"
        fix = f"pass a frequency no finer than the data's steps ({spelt(grid)} or coarser)"
    raise ValueError(f"{spelt(freq)} is finer than every step of the timestamps of {frame.time_name!r}: {found}, "
                     f"so resampling onto {freq_name(freq)!r} would leave {empty} of {len(counts)} bins "
                     f"({100 * empty / len(counts):.0f}%) empty; {fix}")


def periods_rule(data, time_col: str | None, freq):
    """``freq`` as the grid of the first instants of its periods (``'M'`` -> ``'MS'``, ``'Q'`` -> ``'QS-OCT'``,
    ``'Q-NOV'`` -> ``'QS-DEC'``, ``'Y'`` -> ``'YS-JAN'``) where ``data``'s times are periods (its index, or the time
    column ``time_col``) and ``freq`` is a period frequency that pandas 3 reads for periods alone: a PeriodIndex
    resamples by ``'M'`` in pandas, and refuses ``'ME'`` and ``'MS'``; or ``freq`` is the periods' own frequency
    spelt as a grid of timestamps too (``'W-SUN'`` or ``'W'`` for ``'W-SUN'`` weeks: ``'W-MON'``, their Mondays),
    which pandas resamples into those periods, where the timestamps' grid would date each week by its Sunday. The
    series' periods are read as their first instants, so that grid bins them as those periods do, and the forecasts
    come back as its periods. Any other ``freq`` as given (:func:`freq_name` refuses what is no frequency)."""
    given = (data[time_col] if isinstance(data, pd.DataFrame) and time_col in data.columns else
             data.index if isinstance(data, pd.Series | pd.DataFrame) and time_col is None else None)
    if not isinstance(freq, str) or not isinstance(getattr(given, "dtype", None), pd.PeriodDtype):
        return freq
    if (starts := period_starts(freq)) is not None:
        return PeriodsGrid(starts, freq)
    own = pd.PeriodIndex(given).freqstr  # 'W-SUN': weeks' own name is also a grid of timestamps, of their last days
    try:
        if pd.tseries.frequencies.to_offset(own) != pd.tseries.frequencies.to_offset(freq):
            return freq
    except ValueError:  # 'M', 'Q-DEC': the periods' own names, which no timestamps spell ('ME' is not read so)
        return freq
    grid = pd.infer_freq(pd.period_range("2000-01-01", periods=3, freq=own).to_timestamp(how="start"))
    return freq if grid is None else PeriodsGrid(grid, freq)


class PeriodsGrid(str):
    """The grid :func:`periods_rule` read a period frequency as (``'YS-JAN'``), a ``str`` that pandas reads so,
    holding ``asked``, the frequency as the user wrote it (``'Y'``), which :func:`as_frame`'s refusals name."""

    def __new__(cls, grid: str, asked: str):
        grid = super().__new__(cls, grid)
        grid.asked = asked
        return grid


def period_starts(freq: str) -> str | None:
    """The frequency of the first instants of the periods of ``freq`` where ``freq`` names periods that no
    frequency of timestamps spells alike (pandas 3's ``'M'``, ``'Q-NOV'``, ``'Y'``, ``'2M'``: ``'MS'``,
    ``'QS-DEC'``, ``'YS-JAN'``, ``'2MS'``); None for any other text (``'D'``, ``'W-SUN'``, ``'MS'``: timestamps'
    frequencies too; what is no frequency)."""
    try:
        pd.tseries.frequencies.to_offset(freq)
        return None
    except ValueError:
        pass
    try:
        starts = pd.period_range("2000-01-01", periods=3, freq=freq).to_timestamp(how="start")
    except (TypeError, ValueError):
        return None
    return pd.infer_freq(starts)


# The offset aliases pandas 2.2 deprecated and pandas 3 removed (pandas' "Deprecated aliases" table), with what each
# meant: a tutorial's freq='H', '15T' or 'A-DEC' is refused by pandas 3 as an invalid frequency, naming no successor.
PANDAS2_ALIASES = {"H": ("h", "hours"), "BH": ("bh", "business hours"), "CBH": ("cbh", "custom business hours"),
                   "T": ("min", "minutes"), "S": ("s", "seconds"), "L": ("ms", "milliseconds"),
                   "U": ("us", "microseconds"), "N": ("ns", "nanoseconds"),
                   "M": ("ME", "month ends (starts are 'MS')"),
                   "BM": ("BME", "business month ends"), "CBM": ("CBME", "custom business month ends"),
                   "SM": ("SME", "semi-month ends"), "Q": ("QE", "quarter ends (starts are 'QS')"),
                   "BQ": ("BQE", "business quarter ends"), "A": ("YE", "year ends (starts are 'YS')"),
                   "Y": ("YE", "year ends (starts are 'YS')"),
                   "BA": ("BYE", "business year ends"), "BY": ("BYE", "business year ends"),
                   "AS": ("YS", "year starts"), "BAS": ("BYS", "business year starts")}


def pandas2_alias(freq) -> tuple[str, str] | None:
    """``(pandas 3's spelling, what it means)`` of a frequency written with an alias pandas 3 no longer reads
    (:data:`PANDAS2_ALIASES`): ``'1H'`` -> ``('1h', 'hours')``, ``'15T'`` -> ``('15min', ...)``, ``'A-DEC'`` ->
    ``('YE-DEC', ...)``; None for anything else."""
    match = re.fullmatch(r"\s*(\d*)([A-Z]+)(-[A-Z]{3})?\s*", freq) if isinstance(freq, str) else None
    if match is None or match[2] not in PANDAS2_ALIASES:
        return None
    now, meaning = PANDAS2_ALIASES[match[2]]
    return f"{match[1]}{now}{match[3] or ''}", meaning


def freq_name(freq, option: str = "freq") -> str | None:
    """``freq`` (a pandas frequency string, a DateOffset, a Timedelta) as pandas' string for it (``"h"``), which
    config.json keeps; None stays None. ValueError for anything pandas does not read as a frequency, naming it as
    ``option`` spells it (``freq='M'``; ``--freq M`` on the command line)."""
    if freq is None:
        return None
    try:
        return pd.tseries.frequencies.to_offset(freq).freqstr
    except (TypeError, ValueError):
        spelt = f"--freq {freq}" if option.startswith("--") else f"{option}={freq!r}"
        renamed = pandas2_alias(freq)
        if renamed is not None:
            now, meaning = renamed
            fix = f"--freq {now}" if option.startswith("--") else f"{option}={now!r}"
            raise ValueError(f"{spelt} is pandas 2's spelling of {meaning}, which pandas {pd.__version__} reads no "
                             f"more; pass {fix}") from None
        raise ValueError(f"{spelt} is not a pandas frequency; pass one such as 'h' (hourly), 'D' (daily), "
                         "'B' (business days), 'W-SUN' (weekly), 'MS' or 'ME' (monthly), 'QS' (quarterly), 'YS' or "
                         "'YE' (yearly; pandas 3 reads no 'M', 'Y' or 'A')") from None


def season_length_fix(m) -> str:
    """The fix for a ``season_length`` given as text, to end its refusal with: digits (``'12'``) as the number,
    a time span (a pandas offset, ``'12M'``, ``'YE'``, ``'7D'``) as the steps it spans; ``""`` for anything else."""
    if not isinstance(m, str) or m.strip() == "auto":
        return ""
    if (whole := int_meant(m, text="digits")) is not None:
        return f"; {m!r} is text: give the number, season_length={whole}"
    return (f"; {m!r} reads as a time span (a pandas offset), but season_length counts the series' steps in one "
            "season: give their number (season_length=12 for a yearly season of monthly steps, 7 for a weekly one of "
            "daily steps, 24 for a daily one of hourly steps), or 'auto' (the season of the series' frequency)")


def _skipped_periods(index: pd.Index) -> str | None:
    """The refusal of a PeriodIndex, in order and without repeats, that skips periods (a month missing), named in
    its own periods (their first instants, read as dates, would name days and a grid of timestamps); else None."""
    if not isinstance(index, pd.PeriodIndex) or len(index) < 2 or index.hasnans or not index.is_unique or \
            not index.is_monotonic_increasing:
        return None
    jumps = np.flatnonzero(np.diff(index.asi8) != index.freq.n)  # ordinals of '2M' periods step by 2
    if not len(jumps):
        return None
    i, freq = int(jumps[0]), index.freqstr
    full = pd.period_range(index[0], index[-1], freq=freq)
    absent = full.difference(index)
    shown = ", ".join(str(p) for p in absent[:3]) + (", ..." if len(absent) > 3 else "")
    return (f"the periods of the index skip {len(absent)} of its {freq!r} periods ({shown}; {index[i + 1]} follows "
            f"{index[i]}), so its steps are uneven; give the missing periods as missing values, filled by impute=...: "
            f"data.reindex(pd.period_range(data.index[0], data.index[-1], freq={freq!r}))")


def quantiles_fix(q) -> str:
    """The fix for quantile levels given as text (``['0.1', '0.5', '0.9']``, as read from a file or a command
    line) or as percentages (``[10, 50, 90]``), to end their refusal with; ``""`` for anything else."""
    if isinstance(q, str) or not isinstance(q, Sequence | np.ndarray) or not len(q):
        return ""
    levels = list(q)
    if all(isinstance(v, str) for v in levels):
        try:
            numbers_ = [float(v) for v in levels]
        except ValueError:
            return ""
        return f"; the levels are text: give them as numbers, quantiles={[round(v, 12) for v in numbers_]}"
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) and 0 < v < 100 for v in levels) \
            and any(v > 1 for v in levels):
        over = next(v for v in levels if v > 1)
        fractions = [v for v in levels if v < 1]
        if fractions:  # (0.1, 50, 0.9): the fractions are already fractions, the percentages alone are divided
            over = [v for v in levels if v >= 1]
            read = f"{over[0]!r} reads as a percentage" if len(over) == 1 else \
                f"{', '.join(repr(v) for v in over)} read as percentages"
            return (f"; {read} beside the fractions "
                    f"{fractions!r}: give every level as a fraction, "
                    f"quantiles={sorted(round(v / 100 if v >= 1 else v, 12) for v in levels)}")
        return (f"; {over!r} reads as a percentage: give fractions, "
                f"quantiles={[round(v / 100, 12) for v in levels]}")
    return ""


def _check_not_a_panel(data: pd.DataFrame, time_col: str | None) -> None:
    """ValueError for a long panel (several series stacked, a column of series ids, each time repeated) given to
    the one-series Forecaster: its id column would be refused as text, and the advice to drop it would average or
    misorder the series."""
    if time_col is not None:
        if time_col not in data.columns:
            return  # refused by name later
        time = data[time_col]
    elif isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex) or not isinstance(data.index, pd.RangeIndex):
        time = data.index.to_series()
    else:
        return
    if time.is_unique or isinstance(time.index, pd.MultiIndex):
        return
    if time_col is not None:
        refuse_date_beside_clock(data, time_col)  # Date, Time: one time in two columns, not a panel
    for c in data.columns:
        column = data[c]
        if str(c) == time_col or pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column) \
                or pd.api.types.is_datetime64_any_dtype(column):
            continue
        if arrays_in_column(column, str(c)):  # a sequence per row is no id (and unhashable): read as a value
            continue
        ids = pd.unique(column.dropna())
        if not 1 < len(ids) < len(data) or not names_series(column, time):
            continue
        first = time.iloc[int(np.flatnonzero(time.duplicated().to_numpy())[0])]
        shown = ", ".join(repr(v) for v in ids[:3]) + (", ..." if len(ids) > 3 else "")
        name = time_col or data.index.name or "index"
        raise ValueError(f"data looks like a long panel of {len(ids)} series: column {str(c)!r} holds series ids "
                         f"({shown}) and the time {name!r} repeats ({first} is on {int((time == first).sum())} rows); "
                         f"forecast one series (data[data[{str(c)!r}] == {ids[0]!r}]), or all of them with "
                         f"rnnkit.GlobalForecaster(...).fit(data, id_col={str(c)!r}, time_col={str(name)!r}, "
                         "target=...) (a column, not the index: data.reset_index())")


def wide_fix(data: pd.DataFrame, times: list, others: list, *, time_col: str, target: str) -> tuple[str, str, str]:
    """How to read a wide table of :func:`times_across`: ``(the call that picks one row as a series of floats (a
    row of a frame with text columns is of dtype object), the call that makes the table long, its id column)``;
    for times newest first, each in time order."""
    text = [c for c in others if not pd.api.types.is_numeric_dtype(data[c])]
    code = lambda c: f"pd.{c!r}" if isinstance(c, pd.Timestamp | pd.Period) else repr(c)  # a pivot's labels
    span = f"{code(times[0])}:{code(times[-1])}"
    if text:
        ids = text[0]
        one = f"data.set_index({ids!r}).loc[{data[ids].iloc[0]!r}, {span}].astype(float)"
        long = f"data.melt(id_vars={others!r}, var_name={time_col!r}, value_name={target!r})"
    else:
        ids = data.index.name if data.index.name is not None else "index"
        one = f"data.loc[{data.index[0]!r}, {span}].astype(float)"
        long = (f"data.reset_index().melt(id_vars={[ids, *others]!r}, var_name={time_col!r}, "
                f"value_name={target!r})")
    if newest_first(times):  # the columns' order is the rows' after melt or a row's pick: oldest first again
        one, long = f"{one}.iloc[::-1]", f"{long}.iloc[::-1]"
    return one, long, str(ids)


def long_of_dict(data, id_col: str = "unique_id", time_col: str = "ds", target: str = "y") -> str | None:
    """For a dict of pandas Series (a panel as ``{id: series}``), the expression that stacks it into the long
    frame GlobalForecaster reads; None for any other value."""
    if not isinstance(data, dict) or not data or not all(isinstance(v, pd.Series) for v in data.values()):
        return None
    return f"pd.concat(data, names=[{id_col!r}, {time_col!r}]).rename({target!r}).reset_index()"


def unframed(data) -> str:
    """The refusal of a series given without pandas (a numpy array, a list): what it got, and the one-line
    wrapping that gives it a time axis (row numbers, or dates / periods of the user's frequency); for a dict of
    series, a panel, the Forecaster of one and the GlobalForecaster of them all."""
    if (long := long_of_dict(data)) is not None:
        keys = list(data)
        shown = ", ".join(map(repr, keys[:4])) + (", ..." if len(keys) > 4 else "")
        return (f"expected a pandas Series or DataFrame, got a dict of {len(keys)} series ({shown}), a panel; "
                f"forecast one series, fit(data[{keys[0]!r}]), or all of them with one model, "
                f"rnnkit.GlobalForecaster(lookback=..., horizon=...).fit({long})")
    shape = np.shape(data) if isinstance(data, np.ndarray | list | tuple) else None
    got = type(data).__name__ + ("" if shape is None else f" of shape {shape}")
    n = shape[0] if shape else 100
    names = [f"x{j}" for j in range(shape[1])] if shape is not None and len(shape) == 2 and shape[1] <= 4 else None
    wrap = f"pd.DataFrame(values, columns={names}" if names else "pd.Series(values"
    return (f"expected a pandas Series or DataFrame (its index is the time axis: row numbers, a DatetimeIndex, a "
            f"PeriodIndex or numbers such as years) or a TimeSeriesFrame, got {got}; wrap it: {wrap}) counts the "
            f"steps 0, 1, ...; {wrap}, index=pd.date_range('2020-01-01', periods={n}, freq='D')) or "
            f"index=pd.period_range('2020-01', periods={n}, freq='M')) dates them")


def _check_series_per_row(data: pd.DataFrame) -> None:
    """ValueError for a frame with a whole series in a column's cells (a .tsf file as sktime's default_tsf reads it),
    before its start times or ids are taken for a time axis or a panel's."""
    for c in data.columns:
        found = sequences_in_column(data[c], str(c)) if pd.api.types.is_object_dtype(data[c]) else None
        if found and not isinstance(data[c].iloc[found[0]], str):  # printouts are refused as text, later
            raise ValueError(f"column {str(c)!r} {found[1]}; the Forecaster reads one series down the rows: forecast "
                             f"one row's, fit(pd.Series(data[{str(c)!r}].iloc[{found[0]}], dtype=float)), or the long "
                             "panel with rnnkit.GlobalForecaster")


def _check_not_wide(data: pd.DataFrame, time_col: str | None) -> None:
    """ValueError for a wide table with one series per row and a time per column, which the Forecaster would
    read as series along its rows (a country per step), every year a series."""
    if (time_col is not None and time_col in data.columns) or isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex):
        return
    wide = times_across(data)
    if wide is None:
        return
    times, others = wide
    name = "year" if all(re.fullmatch(r"\d{4}", str(c).strip()) for c in times) else "ds"
    one, long, ids = wide_fix(data, times, others, time_col=name, target="y")
    order = ", newest first," if newest_first(times) else ""
    raise ValueError(f"data has {len(times)} columns named as times ({times[0]!r} .. {times[-1]!r}){order} and a "
                     f"series on each row, as a wide table has, and the Forecaster reads a series down the rows (one "
                     f"row per time); forecast one row as a series indexed by the times, {one}, or every row with "
                     f"rnnkit.GlobalForecaster on the long table {long} (id_col={ids!r}, time_col={name!r}, "
                     "target='y')")


def month_columns(columns: Sequence) -> list | None:
    """The 12 of ``columns`` named as the months of a year in calendar order (``'JAN' .. 'DEC'``, ``'January'``,
    ``'Feb.'``), None where there are no such 12."""
    month = lambda c: _month_of(str(c).strip(" ."))
    months = [c for c in columns if month(c) is not None]
    return months if [month(c) for c in months] == list(range(1, 13)) else None


def monthly_series(months: list, years: np.ndarray) -> str | None:
    """The call that makes a table of ``months`` columns on rows of consecutive ``years`` one monthly series;
    None for other rows (years missing or out of order)."""
    if not len(years) or not np.all(np.mod(years, 1) == 0) or not np.all(np.diff(years) == 1):
        return None
    return (f"y = pd.Series(data.loc[:, '{months[0]}':'{months[-1]}'].to_numpy().ravel(), "
            f"index=pd.period_range('{int(years[0])}-01', periods={12 * len(years)}, freq='M'))")


def months_across(frame: TimeSeriesFrame, targets: Sequence[str]) -> str | None:
    """The warning for targets that are the 12 months of a year in calendar order on rows of consecutive years
    (statsmodels' elnino: ``YEAR, JAN .. DEC``): one monthly series laid out as a table, which the Forecaster would
    read as 12 yearly series; None for any other frame."""
    months, time = month_columns(targets), frame.time
    if months is None or time is None:
        return None
    years = time.year.to_numpy() if isinstance(time, pd.DatetimeIndex) else np.asarray(time)
    fix = monthly_series(months, years)
    if fix is None:
        return None
    return (f"Forecaster.fit: data's columns {months[0]!r} .. {months[-1]!r} are the 12 months of a year and its rows "
            f"years ({int(years[0])} .. {int(years[-1])}): one monthly series laid out as a table, which the "
            "Forecaster reads as 12 yearly series (each month's values forecast along the years); to forecast the "
            f"monthly series, give it as one column on months: {fix}")


_FINER = {"quarter": "Q", "month": "M"}  # a column naming a part of the year, as PeriodIndex.from_fields takes it


def _finer_time(data: pd.DataFrame, time_col: str) -> tuple[str, str, str] | None:
    """``(column, part, period frequency)`` of a numeric column named as a part of the year (``quarter``,
    ``month``) beside a time column of years that repeats (statsmodels' interest_inflation: ``year, quarter``), as
    one time axis of both must be built; None otherwise."""
    if time_col not in data.columns or data[time_col].is_unique:
        return None
    for c in data.columns:
        part = str(c).strip().lower()
        if part in _FINER and c != time_col and pd.api.types.is_numeric_dtype(data[c]):
            return str(c), part, _FINER[part]
    return None


def _from_fields(time_col: str, finer: tuple[str, str, str], frame: str = "data") -> str:
    c, part, freq = finer
    return (f"pd.PeriodIndex.from_fields(year={frame}[{time_col!r}].astype(int), {part}={frame}[{c!r}].astype(int), "
            f"freq={freq!r})")


def _check_finer_time(data: pd.DataFrame, time_col: str | None) -> None:
    """ValueError for a time column of years that repeats beside a quarter or month column: aggregating the
    repeats, the generic advice for a repeated time, would average the quarters away."""
    finer = None if time_col is None else _finer_time(data, time_col)
    if finer is None:
        return
    rows = np.flatnonzero(data[time_col].duplicated(keep=False).to_numpy())[:2]
    raise ValueError(f"time column {time_col!r} repeats ({data[time_col].iloc[rows[0]]} on rows {rows[0]} and "
                     f"{rows[1]}), and column {finer[0]!r} tells the {finer[1]} within it: index data by one time "
                     f"axis of both, data.set_index({_from_fields(time_col, finer)}).drop(columns=[{time_col!r}, "
                     f"{finer[0]!r}]), and leave out time_col")


def _check_value_columns(data: pd.DataFrame, time_col: str | None) -> None:
    """ValueError for a column of dates in a frame indexed by row numbers (``df.reset_index()``, a CSV read
    without ``index_col``, a slice of either): it names the time_col to pass, where the generic refusal of a
    non-numeric value column would advise pd.to_numeric."""
    index = data.index
    if time_col is not None or not (isinstance(index, pd.RangeIndex) and index.step == 1):
        return
    for c in data.columns:
        column = data[c]
        _check_stacked_ids(column, str(c))
        if pd.api.types.is_datetime64_any_dtype(column) or isinstance(column.dtype, pd.PeriodDtype):
            kind = "dates"
        elif str(c).strip().lower() in TIME_NAMES and len(data.columns) > 1 and _counts_up(column):
            values = column.to_numpy(np.float64)
            fix = (f"pass time_col={str(c)!r} (or data.set_index({str(c)!r})) to forecast on it"
                   if column.is_unique else "it repeats, so build one time axis of it and the finer column(s) "
                   f"(e.g. pd.PeriodIndex.from_fields(year=data[{str(c)!r}], quarter=...)) and index data by it")
            raise ValueError(f"column {str(c)!r} holds increasing numbers ({values[0]:g} .. {values[-1]:g}), a time "
                             f"axis by its name, but the index counts rows ({index.start}..{index.stop - 1}), so "
                             f"{str(c)!r} would be forecast as a value; {fix}, or rename the column if it is a value")
        elif pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            text = column.dropna()
            if not len(text) or not all(isinstance(v, str) for v in text) or _reads_as_numbers(text):
                continue
            kind = "dates as text"
            if not reads_as_dates(text):
                continue
        else:
            continue
        first = repr(column.iloc[0]) if kind == "dates as text" else str(column.iloc[0])
        raise ValueError(f"column {str(c)!r} holds {kind} ({first}, ...), but the index counts rows "
                         f"({index.start}..{index.stop - 1}); pass time_col={str(c)!r} (or "
                         f"data.set_index({str(c)!r})) to forecast on its dates")


ID_NAMES = ("id", "unique_id", "series", "series_id", "item_id", "episode", "sequence", "seq_id")
"""Column names that mean a series id (neuralforecast's ``unique_id``, gymnasium's episodes, ...)."""


def _check_stacked_ids(column: pd.Series, name: str) -> None:
    """ValueError for a column named like a series id whose values run in blocks (several series stacked one after
    another, each tagged with its id): read as a value, the id itself would be forecast."""
    if name.strip().lower() not in ID_NAMES or column.isna().any() or len(column) < 3:
        return
    starts = np.flatnonzero(column.ne(column.shift()).to_numpy())  # the first row of each block
    blocks = column.iloc[starts]
    if len(starts) < 2 or len(starts) == len(column) or not blocks.is_unique:
        return
    first, second = (_cell(v) for v in blocks.iloc[:2])
    raise ValueError(f"column {name!r} holds a series id by its name ({first} on rows 0..{starts[1] - 1}, {second} "
                     f"from row {starts[1]}: {len(starts)} series stacked one after another), which would be "
                     f"forecast as a value; forecast them all at once with rnnkit.GlobalForecaster (fit(data, "
                     f"id_col={name!r}, time_col=..., target=...), a time column counting each series' steps), or one "
                     f"at a time (data[data[{name!r}] == {first}].drop(columns=[{name!r}])), or rename the column if "
                     "it is a value")


def _counts_up(column: pd.Series) -> bool:
    """Whether ``column`` holds real numbers without gaps that never decrease and do increase (years, steps)."""
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column) \
            or pd.api.types.is_complex_dtype(column) or column.isna().any() or len(column) < 3:
        return False
    steps = np.diff(column.to_numpy(np.float64))
    return bool((steps >= 0).all() and (steps > 0).any())


def _reads_as_numbers(text: pd.Series) -> bool:
    try:
        pd.to_numeric(text)
    except (TypeError, ValueError):
        return False
    return True


def _period_starts_with_freq(index: pd.PeriodIndex) -> pd.DatetimeIndex:
    """The first instant of each period, with the frequency of those instants set (``"MS"`` for months)."""
    freq = pd.infer_freq(pd.period_range(index[0], periods=3, freq=index.freq).to_timestamp(how="start"))
    return pd.DatetimeIndex(index.to_timestamp(how="start"), freq=freq, name=index.name)


def _check_text_values(data: pd.Series | pd.DataFrame, time_col: str | None) -> None:
    """ValueError for values held as text (a CSV column with a stray cell, ``astype(str)``), naming the Series or
    column and the fix on the object the user holds: ``pd.to_numeric`` where every cell is a number; the first
    word, its row and time where some are not, with ``errors='coerce'`` named for what it does (they become NaN,
    filled by ``impute``). The frame's own refusal names ``df[...]`` and advises ``errors='coerce'`` blindly."""
    columns = {None: data} if isinstance(data, pd.Series) else {c: data[c] for c in data.columns if c != time_col}
    for c, column in columns.items():
        dtype = column.dtype
        if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
            continue
        given = column.dropna()
        if not len(given) or not all(isinstance(v, str | numbers.Real | decimal.Decimal) for v in given):
            continue  # timestamps, dates: the checks of the time axis and the frame name them
        read = pd.to_numeric(given, errors="coerce")
        named = f" {str(data.name)!r}" if c is None and data.name is not None else ""
        what, spelt = ((f"the Series{named}", "data") if c is None else
                       (f"value column {str(c)!r}", f"data[{str(c)!r}]"))
        words = given[read.isna()]
        commas = comma_numbers(words)
        marked = marked_numbers(words, spelt) if commas is None else None  # read only where commas name no fix
        answers = boolean_words(words) if commas is None and marked is None and read.isna().all() else None
        if read.isna().mean() > 0.5 and commas is None and marked is None and answers is None:
            continue  # mostly words: a column to drop or encode, which the frame's refusal says
        what = f"{what} has dtype {dtype}; expected a numeric column: it"  # the frame's opening, then the fix
        if answers is not None:
            raise ValueError(f"{what} holds the answers {' / '.join(map(repr, answers))}, which pd.to_numeric would "
                             f"make NaN: read them as 1 and 0, {spelt} = {spelt}.map({answers!r})")
        if read.notna().all():
            raise ValueError(f"{what} {numbers_held_fix(given, spelt)}")
        if commas is not None:  # '1,038' beside '987': errors='coerce' would drop them
            raise ValueError(f"{what} holds numbers written with {commas[0]} (e.g. {words.iloc[0]!r}, {len(words)} "
                             f"such cells), which pd.to_numeric makes NaN, errors='coerce' too: read the CSV with "
                             f"{commas[1]} (pd.read_csv(path, ...))")
        if marked is not None:  # '−3.2', '(35)': errors='coerce' would drop the negatives
            raise ValueError(f"{what} holds {marked[0]} (e.g. {words.iloc[0]!r}), which pd.to_numeric would make NaN: "
                             f"convert it, {spelt} = {marked[1]}")
        if (unit := header_units(column)) is not None:  # '°C' on the line under the header
            raise ValueError(f"{what}s first row holds {unit!r}, its only cell that is not a number: a line of units "
                             f"under the header (a second header line, as weather and logger exports write one)? "
                             f"read the CSV again without it, pd.read_csv(path, skiprows=[1])")
        i = data.index.get_loc(words.index[0]) if data.index.is_unique else None
        where = "" if i is None or not isinstance(i, numbers.Integral) else (
            f" at row {i}" + ("" if isinstance(data.index, pd.RangeIndex) or time_col is not None
                              else f" ({shown_time(data.index[i])})"))
        raise ValueError(f"{what} holds numbers {numbers_held(given)} with {len(words)} cell(s) that are not "
                         f"numbers, the first {words.iloc[0]!r}{where}; if they mark missing readings, "
                         f"{spelt} = pd.to_numeric({spelt}, errors='coerce') makes them NaN (filled by impute=...), "
                         f"else correct them (every value is read as a number)")


def _index_out_of_order(index: pd.Index, text: bool = False, written=None) -> str | None:
    """The refusal of an index, the time axis, that goes back or repeats a time, with the fix on the index (the
    frame's own refusal speaks of a time column, ``df.sort_values(...)``, which a Series does not have); None for
    an index in order, for an index that is not a time axis, and where the frame names a better fix: every time on
    k rows (a panel without its ids), the clock set back at night, or the times starting over (series stacked).
    ``text``: the frame has columns that are not numbers (a name per row of records), which a mean cannot take;
    ``written``: the index as given (dates as text sort as words, so the fix sorts by their dates)."""
    if isinstance(index, pd.PeriodIndex):
        time = index.to_timestamp()
    elif isinstance(index, pd.DatetimeIndex):
        time = index
    elif pd.api.types.is_numeric_dtype(index.dtype) and not pd.api.types.is_bool_dtype(index.dtype) \
            and not isinstance(index, pd.RangeIndex):
        time = np.asarray(index, dtype=np.float64)
    else:
        return None
    if pd.isna(time).any():
        return None  # the frame names the missing time
    disorder = time_disorder(time)
    if disorder is None or disorder[0] not in ("repeats", "goes back", "twelve hours"):
        return None  # in order, or a refusal of the frame's own with its better fix
    kind, i, _ = disorder
    if kind == "twelve hours":
        return f"the index {twelve_hours(written, time, i)}"
    if kind == "repeats":
        return (f"the index has a duplicate timestamp {time[i]} at rows {i - 1} and {i}; aggregate duplicates first "
                f"(data.groupby(level=0).mean({'numeric_only=True' if text else ''}), or keep one of each: "
                "data[~data.index.duplicated(keep='last')])")
    return (f"the index is not increasing: row {i} ({time[i]}) comes before row {i - 1} ({time[i - 1]}); sort the "
            f"rows first ({sort_fix(written, 'data.sort_index()')}: the index is the time axis)")


def _dated_index(data: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """``data`` with its index of date strings parsed as dates; ValueError for an index of other text."""
    index = data.index
    if isinstance(index, pd.MultiIndex):
        names = [str(n) for n in index.names]
        fix = ("a panel (series ids in a level)? use rnnkit.GlobalForecaster on data.reset_index(); one series: "
               "build one index of its times, e.g. pd.PeriodIndex.from_fields(year=..., quarter=...) for a year "
               "and a quarter level, or name one time_col in data.reset_index()")
        raise ValueError(f"the index has {index.nlevels} levels {names} (first row ({', '.join(map(str, index[0]))})), "
                         f"and a series needs one time axis; {fix}")
    if not (pd.api.types.is_object_dtype(index)
                                                or pd.api.types.is_string_dtype(index)):
        return data
    values = index.tolist()
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        return data.set_axis(pd.Index(np.asarray(values), name=index.name), axis=0)  # numbers: a numeric axis
    if not all(isinstance(v, str) for v in values):
        if all(isinstance(v, pd.Timestamp) for v in values):
            zones = sorted({str(v.tz) for v in values})
            if len(zones) > 1:
                raise ValueError(f"the index holds timestamps in several time zones ({', '.join(zones)}); "
                                 f"convert them to one (pd.to_datetime(index, utc=True))")
            return data.set_axis(pd.DatetimeIndex(values, name=index.name), axis=0)
        if all(isinstance(v, datetime.date) and not isinstance(v, datetime.datetime) for v in values):
            return data.set_axis(pd.DatetimeIndex(pd.to_datetime(values), name=index.name), axis=0)  # dates
        kinds = sorted({type(v).__name__ for v in values})
        holds = f"mixes values of types {kinds}" if len(kinds) > 1 else f"holds values of type {kinds[0]!r}"
        raise ValueError(f"the index {holds}; give a DatetimeIndex, a numeric index, or drop it "
                         "(data.reset_index(drop=True)) to forecast by step")
    refuse_fiscal_years(values, "the index", "data.index")  # '2000/01', '2001/02': months to pandas, 13 apart
    refuse_clock_times(values, "the index", "data.index")  # '09:30', '10:00': no date
    refuse_epoch_text(values, "the index", "data.index")  # '1609459200': Unix seconds as text
    try:
        readings = date_readings(pd.Series(index).astype(str))
    except MixedZones as e:  # '...Z' beside naive dates: named by the user's values, as the frame names a column's
        raise ValueError(f"the index mixes dates with a UTC offset or zone (position {e.aware} has "
                         f"{values[e.aware]!r}) and without one (position {e.naive} has {values[e.naive]!r}), so "
                         f"their order is unknown; give every date an offset, or none; {utc_fix(values, 'data.index')}"
                         ) from None
    if len(readings) == 1:
        return data.set_axis(readings[0][1].rename(index.name), axis=0)
    if not readings:
        starts = _period_starts(pd.Series(values, dtype=object), "the index", "data.index")
        if starts is not None:
            return data.set_axis(starts.rename(index.name), axis=0)
    fix = ("pass a DatetimeIndex (pd.to_datetime(index, format=...)), write ISO dates (YYYY-MM-DD), or drop "
           "the index (data.reset_index(drop=True)) to forecast by step")
    if len(readings) > 1:
        raise ValueError(f"the index holds dates that read two ways ({' or '.join(f for f, _ in readings)}: "
                         f"{index[0]!r} is either); {fix}")
    if said := spreadsheet_days(values, "data.index", lambda row: f"row {row}"):  # 43832 among the dates
        raise ValueError(f"the index {said}")
    if (other := other_format(values)) is not None:  # '01/06/2021' among '2021-01-05': two formats
        raise ValueError(f"the index {two_formats(*other, values, 'data.index', 'position')}")
    raise ValueError(f"the index holds text that is not dates in one format ({index[0]!r}, ...); {fix}")


# Times written as text in one of these forms come back in it: (the form, as a regular expression, its strftime;
# "%YQ%q": a quarter as pandas writes one, 1990Q1, which strftime cannot write)
_TEXT_FORMS = ((r"\d{4}", "%Y"), (r"\d{4}-\d{2}", "%Y-%m"), (r"\d{4}Q[1-4]", "%YQ%q"),
               (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d"))


def _is_text(labels) -> bool:
    return (labels is not None and (pd.api.types.is_object_dtype(labels) or pd.api.types.is_string_dtype(labels))
            and len(labels) > 0 and all(isinstance(v, str) for v in labels))


def text_form(labels) -> str | None:
    """The form of times given as text (an index or a time column of strings) that forecasts come back in, as the
    strftime of one: years ``'1990'`` (``"%Y"``), months ``'1990-01'``, quarters ``'1990Q1'`` (``"%YQ%q"``) or
    ISO dates ``'1990-01-31'``, every label in the one form; None for other text and for anything but text."""
    if not _is_text(labels):
        return None
    text = pd.Series(list(labels), dtype=object).str.strip()
    return next((form for pattern, form in _TEXT_FORMS if text.str.fullmatch(pattern).all()), None)


def given_text(labels, frame: TimeSeriesFrame) -> str | None:
    """The text form (:func:`text_form`) in which forecasts of ``frame`` go back to the caller who gave its times
    as ``labels``: None unless every timestamp of the frame (resampled by ``freq=`` or not) is written by that
    form without loss (text years resampled onto ``"YS"`` stay years; onto ``"D"`` they cannot)."""
    form = text_form(labels)
    if form is None or not isinstance(frame.time, pd.DatetimeIndex) or frame.time.tz is not None:
        return None
    return form if (pd.DatetimeIndex(list(as_text(frame.time, form))) == frame.time).all() else None


def as_text(times: pd.Index, form: str) -> pd.Index:
    """Timestamps as text in ``form`` (:func:`text_form`): ``1990-01-01`` as ``'1990'`` for ``"%Y"``."""
    times = pd.DatetimeIndex(times)
    labels = times.to_period("Q").astype(str) if form == "%YQ%q" else times.strftime(form)
    return pd.Index(list(labels), name=times.name)


def text_read_as(labels, form: str | None, who: str, where: str, shown: str) -> None:
    """Warn when times given as text (``labels``) come back as timestamps, not in the text given (a form other
    than :func:`text_form`'s, or resampled by ``freq`` onto times it cannot write: ``form`` None), saying what
    the forecasts' index is."""
    if form is not None or not _is_text(labels):
        return
    warnings.warn(f"{who}: {where} holds times as text ({next(iter(labels))!r}, ...), read as dates; the forecasts "
                  f"are indexed by timestamps ({shown}, ...), not by text in that form (text comes back as written "
                  "when every label is a year '1990', a month '1990-01', a quarter '1990Q1' or an ISO date "
                  "'1990-01-31', and freq=, if given, keeps the times so); give the times as dates (pd.to_datetime) "
                  "to make that plain", UserWarning, stacklevel=user_stacklevel())


def unix_times(time) -> tuple[str, pd.Timestamp, pd.Timedelta] | None:
    """``(unit, first, step)`` where the numeric times ``time`` (a frame's numeric axis) are whole numbers that read
    as Unix seconds (``"s"``), milliseconds (``"ms"``), microseconds (``"us"``: Spark's and Parquet's timestamps as
    integers) or nanoseconds (``"ns"``: pandas' own ``.astype('int64')``) of the years 1973 to 2286
    (:func:`~rnnkit.data.tables.epoch_units`) on a grid of whole minutes, as a database or a logger exports times:
    the first as a date and the median step as a duration. None for dates and for other numbers (years, row
    numbers, measurements)."""
    if time is None or isinstance(time, pd.Index) or len(time) < 2:
        return None
    time = np.asarray(time, dtype=np.float64)
    step = float(np.median(np.diff(time)))
    k = int(epoch_units(time[0]))
    if k < 0 or step <= 0 or step % (60 * 1000 ** k) != 0 or not (time == np.round(time)).all():
        return None
    unit = epoch_unit(time[0])[1]
    return unit, pd.to_datetime(int(time[0]), unit=unit), pd.Timedelta(step, unit=unit)


def excel_days(time, name: str) -> tuple[str, str, bool] | None:
    """``(first, step, whole)`` where the numeric times ``time`` of a column named as dates (``name``: ``'Date'``,
    ``'ds'``, ``'Datum'``, ``'fecha'``, ``'day'``) are Excel's day counts within 1970 .. 2100 (25569 .. 73051, days
    since 1899-12-30), evenly a day or a week apart as a sheet's date column saved as numbers holds them, or a whole
    number of minutes under a day apart (44197.041667: an hour), each on a whole minute, as a sheet's date and time
    saved as numbers holds them: the first as a date (and time), the step in words, and whether every time is a whole
    day. The step of times of day must divide a day and, as a fraction of a day, not end within three decimals: an
    hour (1/24), half or a quarter of an hour, 1, 5 or 10 minutes, 2, 4 or 8 hours are told; 0.5, 0.25, 0.125, 0.2,
    0.1 (12, 6 and 3 hours, or elapsed days or seconds of a round step: 30000.5 seconds) say nothing, as the
    numbers cannot tell them apart. None for other numbers and other names (row numbers and counts in that range
    are no dates)."""
    if time is None or isinstance(time, pd.Index) or len(time) < 2:
        return None
    lower = str(name).strip().lower()
    if lower not in ("ds", "time", "timestamp", "datetime") and not any(
            w in lower for w in ("date", "day", "datum", "fecha", "jour", "tag")):
        return None
    time = np.asarray(time, dtype=np.float64)
    if not ((time >= _EXCEL_DAYS[0]) & (time <= _EXCEL_DAYS[1])).all():
        return None
    steps = np.diff(time)
    if (time == np.round(time)).all():
        if len(np.unique(steps)) != 1 or steps[0] not in (1, 7):
            return None
        first = (_SPREADSHEET_EPOCH + pd.Timedelta(days=float(time[0]))).date()
        return str(first), "a day" if steps[0] == 1 else "a week", True
    minutes = time * 1440  # a sheet's times of day: fractions of a day, each on a whole minute (float64 keeps 1e-6)
    step = float(np.median(steps)) * 1440
    if not (np.abs(minutes - np.round(minutes)) < 1e-3).all() or not 1 <= round(step) < 1440 or \
            not np.allclose(steps * 1440, round(step), rtol=0, atol=1e-3) or 1440 % round(step) or \
            (round(step) * 1000) % 1440 == 0:  # 0.5, 0.25, 0.1: a round step of elapsed days or seconds
        return None
    first = (_SPREADSHEET_EPOCH + pd.Timedelta(minutes=round(float(minutes[0])))).strftime("%Y-%m-%d %H:%M")
    words = {60: "an hour", 30: "half an hour", 15: "a quarter of an hour"}.get(round(step), f"{round(step)} minutes")
    return first, words, False


def decimal_years(time) -> tuple[int, str, str] | None:
    """``(k, freq, first)`` where the numeric times ``time`` (a frame's numeric axis) are decimal years, a step of
    1/k apart (k = 12 months, 4 quarters), each at the start of its month or quarter (1949.0, 1949.0833, ...), as
    R's ``time()`` of a monthly or quarterly ``ts`` writes them: ``freq`` the periods' (``"M"``, ``"Q"``) and
    ``first`` the first period (``"1949-01"``, ``"1949Q1"``). None for other numbers (whole years, row numbers)."""
    if time is None or isinstance(time, pd.Index) or len(time) < 3:
        return None
    t = np.asarray(time, dtype=np.float64)
    if not (YEARS[0] <= t[0] and t[-1] <= YEARS[1]):
        return None
    for k, freq in ((12, "M"), (4, "Q")):
        steps = t * k
        if np.allclose(steps, np.round(steps), rtol=0, atol=1e-6) and (np.round(np.diff(steps)) == 1).all():
            year, part = divmod(int(np.round(steps[0])), k)
            return k, freq, f"{year}-{part + 1:02d}" if freq == "M" else f"{year}Q{part + 1}"
    return None


def tenths_of_one_year(time) -> tuple[int, str, str] | None:
    """``(year, first, last)`` where the numeric times ``time`` (a frame's numeric axis) are 3 to 9 tenths a tenth
    apart within one year of 1800 .. 2100, none its whole number (``2015.1 .. 2015.9``): months written ``YYYY.M``
    up to September (a sheet's ``f'{year}.{month}'`` read as numbers) or tenths, which the numbers cannot tell
    apart (with October, ``2015.10``, they are refused: :func:`~rnnkit.data.tables.one_digit_months`). None for
    any other numbers: tenths that reach or cross a whole number (``2015.0 .. 2015.8``, ``2015.5 .. 2016.3``: a
    decimal year sampled at tenths), more than nine of them, other steps, and numbers outside those years
    (elapsed hours ``1.1 .. 1.9``, a pressure ``1013.1 .. 1013.9``)."""
    if time is None or isinstance(time, pd.Index) or not 3 <= len(time) <= 9:
        return None
    t = np.asarray(time, dtype=np.float64)
    tenths = np.round(t * 10)
    year = int(np.floor(t[0]))
    if not np.allclose(t * 10, tenths, rtol=0, atol=1e-6) or not (np.diff(tenths) == 1).all() or \
            not 1800 <= year <= 2100 or tenths[0] <= year * 10 or tenths[-1] >= year * 10 + 10:
        return None
    return year, f"{tenths[0] / 10:.1f}", f"{tenths[-1] / 10:.1f}"


def warn_unix_times(time, who: str, where: str, column: str | None = None, *, name: str | None = None) -> None:
    """Warn where the numeric times ``time`` read as Unix times (:func:`unix_times`), or as decimal
    years of months or quarters (:func:`decimal_years`): as numbers they have no calendar, so no daily, weekly or
    yearly season is looked for (``season_length="auto"`` reads a numeric axis as seasonless) and the seasonal naive
    is the naive. ``where``: the times as the message names them
    (``"the index"``); ``column``: the time column's name, which the fix spells (else the index); ``name``: the
    index's own name where the times are the index (``'date'``: Excel's days are judged by it, as a column's are)."""
    spelt = "data.index" if column is None else f"data[{column!r}]"
    if (tenths := tenths_of_one_year(time)) is not None:  # 2015.1 .. 2015.9: months YYYY.M, or tenths
        year, first, last = tenths
        head = (f"{who}: {where} holds the numbers {first} .. {last}, a tenth apart within {year}: months written "
                f"YYYY.M ({year}.1 for January)? as numbers, the month after September ({year}.9) is {year + 1}.0, "
                f"not {year}.10, so forecasts past it are labelled so, and no yearly season is looked for")
        fix = _months_as_text(head, "index" if column is None else column, False, "", spelt, "%Y.%m")
        warnings.warn(f"{fix}; tenths of another unit? silence this with warnings.filterwarnings('ignore', "
                      "message='.*months written YYYY.M')", UserWarning, stacklevel=user_stacklevel())
        return
    if (years := decimal_years(time)) is not None:  # 1949.0, 1949.0833: R's time() of a monthly ts
        k, freq, first = years
        kind = "month" if freq == "M" else "quarter"
        t = [np.format_float_positional(round(float(v), 4), trim="-") for v in np.asarray(time)[:2]]
        periods = (f"pd.period_range({first!r}, periods=len(data), freq={freq!r})" if column is None else  # a panel's
                   f"pd.PeriodIndex.from_fields(year={spelt}.astype(int), {kind}=({spelt} % 1 * {k}).round()"  # series
                   f".astype(int) + 1, freq={freq!r})")  # start apart: each time read alone
        warnings.warn(f"{who}: {where} holds decimal years ({t[0]}, {t[1]}, ...: {k} steps a year, as R's time() "
                      f"writes a {kind}ly ts); read as numbers, they have no calendar, so no season of {k} steps is "
                      "looked for (season_length='auto' reads a numeric axis as seasonless, and the seasonal naive is "
                      f"the naive) and the forecasts are labelled by numbers; to forecast {kind}s, give them as "
                      f"periods, {spelt} = {periods}, or pass season_length={k}", UserWarning,
                      stacklevel=user_stacklevel())
        return
    named = column if column is not None else name
    if named is not None and (days := excel_days(time, named)) is not None:  # 44927, 44928: a sheet's dates
        first, step, whole = days  # fractions of a day: times of day, read to the minute they were written at
        rounded = "" if whole else ".round('min')"
        shown = shown_number if whole else lambda v: np.format_float_positional(round(float(v), 4), trim="-")
        warnings.warn(f"{who}: {where} holds {'whole ' if whole else ''}numbers {shown(time[0])} .. "
                      f"{shown(time[-1])}, {step} apart, that read as Excel serial dates (days since "
                      f"1899-12-30{'' if whole else ', the time of day as its fraction'}: {shown(time[0])} is "
                      f"{first}); read as numbers, they have no calendar, so no {'' if whole else 'daily, '}weekly or "
                      "yearly season is looked for (season_length='auto' reads a numeric axis as seasonless, and the "
                      "seasonal naive is the naive) and the forecasts are labelled by numbers; to forecast on dates, "
                      f"give dates, {spelt} = pd.to_datetime({spelt}, unit='D', origin='1899-12-30')"
                      f"{rounded}, or pass season_length", UserWarning,
                      stacklevel=user_stacklevel())
        return
    found = unix_times(time)
    if found is None:
        return
    unit, first, step = found
    spoken = epoch_unit(np.asarray(time, dtype=np.float64)[0])[0]
    warnings.warn(f"{who}: {where} holds numbers that read as Unix {spoken} "
                  f"({int(np.asarray(time)[0])} is {first}, a step of {step}); read as numbers, they have no "
                  "calendar, so no daily or weekly season is looked for and the seasonal naive is the naive; to "
                  f"forecast on dates, give dates ({spelt} = pd.to_datetime({spelt}, unit={unit!r})), or pass "
                  "season_length", UserWarning, stacklevel=user_stacklevel())


def _period_starts(text: pd.Series, what: str = "the time column", spelt: str = "times") -> pd.DatetimeIndex | None:
    """The first day of each period that month, quarter or week labels name (``"Jan 1980"``, ``"Q1 1965"``,
    ``"1950:1"``: :func:`~rnnkit.data.tables.period_label_starts`, the one reader of them); None for other text.
    Months with a two-digit year that pandas reads after the current one (``'Jan-49'`` as 2049) are refused, naming
    ``what`` and, in the fix, ``spelt`` (:func:`~rnnkit.data.timeseries.refuse_future_years`)."""
    read = period_label_starts(text)
    if read is None:
        return None
    fmt, starts = read
    refuse_future_years(text, starts, what, fmt, spelt)  # 'Jan-49', 'janv-49', 'Q1-49': pandas' %y reads 2049
    return starts


def _roles(frame: TimeSeriesFrame, targets: Sequence[str] | None, future_covariates: Sequence[str] | None,
           ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(targets, past covariates, known-future covariates): the named targets (default every column that is
    not a known-future covariate), the other columns, and the named known-future covariates."""
    as_names = lambda names: (names,) if isinstance(names, str) else tuple(str(c) for c in names)
    future = () if future_covariates is None else as_names(future_covariates)
    targets = tuple(c for c in frame.columns if c not in future) if targets is None else as_names(targets)
    if not targets:
        raise ValueError("targets is empty; name at least one column to forecast")
    _check_named_columns(frame, "targets", targets)
    _check_named_columns(frame, "future_covariates", future, "; a known-future covariate needs its past values too")
    both = [c for c in future if c in targets]
    if both:
        raise ValueError(f"columns {both} are both targets and known-future covariates; a target's future is "
                         "what is forecast, so give each column one role")
    return targets, tuple(c for c in frame.columns if c not in targets + future), future


def _check_named_columns(frame: TimeSeriesFrame, option: str, names: tuple[str, ...], why: str = "") -> None:
    """ValueError where ``option`` (``"targets"``) names columns the data lacks: the columns it has and, where each
    unknown name is one of them given with a slip (case, spaces, a letter), the option as it was meant."""
    unknown = [c for c in names if c not in frame.columns]
    if not unknown:
        return
    meant = {c: meant_name(c, frame.columns) for c in unknown}
    if all(meant.values()):
        fixed = [meant.get(c, c) for c in names]
        fix = (f"{', '.join(f'{c!r} is {m!r} given with a slip' for c, m in meant.items())}: pass "
               f"{option}={fixed}")
    else:
        fix = f"pass {option}= with names from those columns, as they are spelt there"
    raise ValueError(f"{option} names columns {unknown} that the data lacks (its columns are {list(frame.columns)}"
                     f"{why}); {fix}")


def _unindexed(X, y) -> str:
    """What ``X`` (a numpy array, a list, a tensor: covariates without an index) is, and how to give it ``y``'s
    index: its rows are read as ``y``'s in order only where their counts match."""
    shape = np.shape(X) if isinstance(X, np.ndarray | list | tuple) or hasattr(X, "shape") else None
    if shape is None or len(shape) not in (1, 2):
        return type(X).__name__
    named = {"ndarray": "numpy array", "Tensor": "torch tensor"}.get(type(X).__name__, type(X).__name__)
    kind = f"a {named} of shape {tuple(shape)}, which has no index to line up with y's times"
    if shape[0] != len(y):
        return f"{kind}, and {shape[0]} rows where y has {len(y)}; give X one row per timestamp of y"
    names = ["x"] if len(shape) == 1 else [f"x{k}" for k in range(shape[1])]
    columns = names if len(names) <= 4 else "[f'x{k}' for k in range(X.shape[1])]"
    made = ("pd.DataFrame({'x': X}, index=y.index)" if len(shape) == 1 else
            f"pd.DataFrame(X, index=y.index, columns={columns})")
    return f"{kind}; if its rows are y's, in order, name its columns and give it y's index: X = {made}"


def _join_exogenous(y, X, targets, future_covariates, time_col, who: str = "fit"):
    """``(data, targets, future_covariates)`` for ``fit(y, X)``: ``X``'s columns beside ``y``'s as known-future
    covariates, ``y``'s columns the targets. ValueError unless X is a pandas frame with exactly y's index (y's
    timestamps in another order are read by label, at y's rows), its messages naming the method called as ``who``
    (``"backtest"``: ``backtest(y, X): ...``)."""
    if time_col is not None or not isinstance(y, pd.Series | pd.DataFrame):
        raise ValueError(f"{who}(y, X): X needs y as a pandas Series or DataFrame indexed by time (without time_col), "
                         f"got {type(y).__name__}")
    if targets is not None or future_covariates is not None:
        raise ValueError(f"{who}(y, X) sets the roles itself (y's columns are the targets, X's the known-future "
                         "covariates): drop targets= and future_covariates=, or pass one DataFrame without X")
    if isinstance(X, pd.Series):
        if X.name is None:
            raise ValueError(f"{who}(y, X): X is an unnamed Series; name it (X.rename('promo')) or pass a DataFrame")
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"{who}(y, X): X must be a pandas DataFrame with y's index, got {_unindexed(X, y)}")
    if not X.index.is_unique and len(X) == len(y):  # else the index check below names the rows that differ
        raise ValueError(f"{who}(y, X): X's index repeats {_repeated(X.index)}, where y has one row per timestamp; "
                         "give X one row per timestamp of y (X.set_axis(y.index) when its rows are y's, in order)")
    if (len(X) == len(y) and X.index.is_unique and y.index.is_unique and not X.index.equals(y.index)
            and type(X.index) is type(y.index) and y.index.isin(X.index).all()):
        X = X.loc[y.index]  # y's timestamps in another order (newest first): read by label, as predict(X=...) reads
    if not X.index.equals(y.index):
        kinds = type(X.index).__name__, type(y.index).__name__
        if len(X) == len(y) and kinds[0] != kinds[1]:  # printed alike (1958Q1 and 1958-01-01), yet not one index
            convert = {("PeriodIndex", "DatetimeIndex"): ", or X.to_timestamp()",
                       ("DatetimeIndex", "PeriodIndex"): ", or X.to_period()"}.get(kinds, "")
            raise ValueError(f"{who}(y, X): X's index is a {kinds[0]} and y's a {kinds[1]} ({y.index[0]!r} .. "
                             f"{y.index[-1]!r}); give X y's index (X.set_axis(y.index) when the rows match{convert})")
        if len(y) and len(X) > len(y) and X.index.is_unique and y.index.isin(X.index).all():
            extra, first_after = len(X) - len(y), X.index[len(y)]
            if X.index[: len(y)].equals(y.index):  # the covariates of the steps to forecast, given at fit
                raise ValueError(f"{who}(y, X): X runs {extra} row(s) past y's end ({shown_time(first_after)} .. "
                                 f"{shown_time(X.index[-1])}, after {shown_time(y.index[-1])}); {who} reads X at y's "
                                 f"times, {who}(y, X.iloc[:{len(y)}]), and the rows after y's end are the forecast's: "
                                 f"predict(X=X.iloc[{len(y)}:])")
            raise ValueError(f"{who}(y, X): X holds y's {len(y)} timestamps and {extra} other row(s) (X: "
                             f"{shown_time(X.index[0])} .. {shown_time(X.index[-1])}; y: {shown_time(y.index[0])} .. "
                             f"{shown_time(y.index[-1])}); give X y's rows: {who}(y, X.loc[y.index])")
        raise ValueError(f"{who}(y, X): X's index must equal y's ({len(y)} rows, {y.index[0]} .. {y.index[-1]}); X has "
                         f"{len(X)} rows" + (f", {X.index[0]} .. {X.index[-1]}" if len(X) else "")
                         + ": give X one row per timestamp of y, in the same order")
    for c in X.columns:
        _check_exogenous_column(X[c], str(c), who=who)
        if X[c].isna().all():  # the frame's refusal would advise data.drop, a frame the user never built
            raise ValueError(f"{who}(y, X): X column {str(c)!r} is missing (NaN) at all {len(X)} rows, so it cannot be "
                             f"read as a covariate; give it observed values or drop it (X.drop(columns=[{c!r}]))")
    target = str(y.name if y.name is not None else "y") if isinstance(y, pd.Series) else None
    if target in [str(c) for c in X.columns]:
        named = f"y is named {target!r}" if y.name is not None else "y is unnamed, which fit names 'y',"
        raise ValueError(f"{who}(y, X): columns [{target!r}] are in both y and X: {named} and X has a column "
                         f"{target!r} too, so the target and the covariate would share one name; rename y "
                         f"(y.rename('target')) or the column (X.rename(columns={{{target!r}: 'x'}}))")
    y = y.to_frame(y.name if y.name is not None else "y") if isinstance(y, pd.Series) else y
    names = [str(c) for c in y.columns]
    both = [str(c) for c in X.columns if str(c) in names]
    if both:
        raise ValueError(f"{who}(y, X): columns {both} are in both y and X; rename them in X")
    return pd.concat([y, X], axis=1), tuple(names), tuple(str(c) for c in X.columns)


def _check_exogenous_column(column: pd.Series, name: str, *, holder: str = "X", fitted: bool = False,
                            who: str = "fit") -> None:
    """ValueError naming ``holder[name]`` where it holds no numbers: text numbers to convert, or words to encode or
    drop (the frame's own refusal would name ``data``, which the user of ``fit(y, X)`` never built; pd.to_numeric
    would turn words into NaN). ``fitted``: the covariates handed to predict, whose columns were numbers at fit."""
    dtype = column.dtype
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return  # complex numbers: the frame refuses them, with the fix
    who = f"predict({holder}=...)" if fitted else f"{who}(y, {holder})"
    given = column.dropna()
    text = pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
    if isinstance(dtype, pd.CategoricalDtype) and pd.api.types.is_numeric_dtype(dtype.categories.dtype):
        shown = ", ".join(str(v) for v in dtype.categories[:3]) + (", ..." if len(dtype.categories) > 3 else "")
        raise ValueError(f"{who}: {holder} column {name!r} has dtype category, of the numbers {shown}, and a "
                         f"covariate is read as numbers; give them as numbers, {holder}[{name!r}] = "
                         f"{holder}[{name!r}].astype(float), or, where they are codes of classes with no order, "
                         f"encode them (pd.get_dummies({holder}, columns=[{name!r}], dtype=float))")
    if text and len(given) and pd.to_numeric(given, errors="coerce").notna().all():
        raise ValueError(f"{who}: {holder} column {name!r} has dtype {dtype} holding numbers (e.g. "
                         f"{given.iloc[0]!r}); convert it: {holder}[{name!r}] = pd.to_numeric({holder}[{name!r}]) "
                         "(expected numbers, got text)")
    fix = (f"it held numbers at fit: give {name!r} as numbers here too, encoded as at fit (pd.to_numeric would "
           "turn words into NaN)" if fitted else
           f"a covariate is read as numbers: encode it (pd.get_dummies({holder}, columns=[{name!r}], dtype=float)) "
           f"or drop it ({holder}.drop(columns=[{name!r}]))")
    raise ValueError(f"{who}: {holder} column {name!r} has dtype {dtype}, not numbers (e.g. "
                     f"{given.iloc[0] if len(given) else None!r}); {fix}")


def _regular_step(frame: TimeSeriesFrame, *, fix: str | None = None,
                  business: str | None = "freq='B'", holder: str | None = None) -> tuple[str | float | None, float]:
    """(frequency, step): the pandas frequency string and the median step in seconds for datetimes; the
    constant step twice for a numeric time axis; (None, 1.0) without one. ValueError for uneven steps, naming
    the first uneven step in the series' own timestamps and ending with ``fix`` for dates (how to give a
    frequency to resample onto; None: the Forecaster's ``freq=``, naming the grid of the first rows where there
    is one: ``freq='W-SAT'`` for weekly data on Saturdays with a week missing, which another anchor would
    move); for weekdays with some missing (business days less the holidays: stock prices) it says first that
    ``business`` (how to pass the business-day grid 'B'; None: say nothing) fits them. Two other patterns are
    named instead of the generic ``fix`` (:func:`_pattern_of`): one timestamp per week, month, quarter or year
    on no pandas grid (monthly on the 15th), and whole days shifted by an hour where daylight saving time
    starts or ends (local midnights given in UTC). ``holder``: the name of a pandas object whose own index is
    the time axis (the sktime adapter's ``"y"``), spelt in that advice."""
    time = frame.time
    if time is None:
        return None, 1.0
    in_file = business is not None and business.startswith("--")  # a command's CSV: fixed in the file
    if len(time) < 3 and isinstance(time, pd.DatetimeIndex) and time.freq is not None:  # the index says it
        return time.freq.freqstr, float((time[0] + time.freq - time[0]).total_seconds())
    dated = isinstance(time, pd.DatetimeIndex)
    if len(time) < 2 and not dated:  # numbers: the step between two times is the step of the axis
        raise ValueError(f"the series has 1 time ({shown_number(time[0])}); at least 2 are needed to tell the "
                         "step of its numeric time axis")
    if len(time) < 3 and dated:  # dates: months are 28 to 31 days, so two timestamps do not tell the calendar step
        raise ValueError(f"the series has {len(time)} timestamp{'s' if len(time) > 1 else ''}; at least 3 are "
                         "needed to tell its frequency (or an index that carries it: a PeriodIndex, or a "
                         "DatetimeIndex from pd.date_range(..., freq=...))")
    if isinstance(time, pd.DatetimeIndex):
        freq = time.freq.freqstr if time.freq is not None else pd.infer_freq(time)
        if numbers := dates_as_numbers(time.asi8, frame.time_name, time, in_file=in_file):
            raise ValueError(numbers)
        if freq is None:
            if (empty := _empty_off_grid(frame)) is not None and not in_file:
                rows, grid = empty
                raise ValueError(
                    f"the timestamps of {frame.time_name!r} are not evenly spaced: {len(rows)} rows hold no value in "
                    f"any column, at times off the grid {grid!r} of the others (the first {shown_time(rows[0])}; "
                    "rows a download adds for dividends or splits?), so the next timestamps cannot be told; drop "
                    f"them (data.dropna(how='all')), or pass freq={grid!r} to fit to resample onto that grid")
            missing = _missing_business_days(time)
            hint = "" if missing is None or business is None else (
                f"they are all weekdays, business days with {len(missing)} missing (the first "
                f"{missing[0].date()}, a holiday?): {business} reads them on the business-day grid, the missing "
                "days as missing values (forecasts are then dated on business days, holidays included); or ")
            grid = "B" if missing is not None else pd.infer_freq(time[:3])
            if fix is None:  # business days: a coarser grid ('h' is finer than every step, and refused)
                fix = (f"pass freq={grid!r} (the grid of the first rows) to fit to resample onto it (the steps "
                       "missing become missing values, filled by impute=...)" if missing is None and grid else
                       "pass a coarser freq to fit, 'W-FRI' or 'MS', to resample onto weeks or months (the mean of "
                       "each)" if missing is not None else
                       "pass freq='h' (or 'D', 'W-SAT', 'MS'...) to fit to resample onto a regular grid (empty bins "
                       "become missing values, filled by impute=...)")
            if missing is not None and in_file:  # the command's own fix names --freq B, which the hint gives
                fix = (f"pass a coarser {business.split()[0]}, W-FRI or MS, to resample onto weeks or months (the "
                       "mean of each)")
            fix = (None if missing is not None else _pattern_of(time, frame.time_name, business, holder)) or fix
            fix = _clock_gone_forward(time, frame.time_name, fix, business, holder) or fix
            if (swapped := _day_month_swapped(time)) is not None:  # the gaps are a misreading, not missing rows
                hint, fix = "", swapped
            raise ValueError(f"the timestamps of {frame.time_name!r} are not evenly spaced ({_uneven(time, grid)}), "
                             f"so the next timestamps cannot be told; {hint}{fix}")
        return freq, float(np.median(np.diff(frame.elapsed(unit="s"))))
    if numbers := dates_as_numbers(np.asarray(time), frame.time_name, in_file=in_file):
        raise ValueError(numbers)
    steps = np.diff(time)
    if not np.allclose(steps, steps[0], rtol=1e-9, atol=0):
        if said := mixed_epoch_units(time, f"data[{frame.time_name!r}]",
                                     lambda row: f"{shown_number(time[row])} at row {row}"):  # two loggers joined
            raise ValueError(f"the numeric time column {frame.time_name!r} {said}")
        if (calendar := spreadsheet_calendar(time)) is not None:  # 43831, 43862, ...: month starts
            grid, dates = calendar
            raise ValueError(
                f"the numeric time column {frame.time_name!r} holds whole numbers {shown_number(time[0])} .. "
                f"{shown_number(time[-1])} whose steps of {shown_number(steps.min())} to {shown_number(steps.max())} "
                f"are a calendar's: Excel serial dates (days since 1899-12-30: {shown_number(time[0])} is "
                f"{shown_time(dates[0])}), which as dates lie on the grid {grid!r}, and as numbers are not evenly "
                f"spaced; give them as dates: pd.to_datetime(t, unit='D', origin='1899-12-30'), t the column or index")
        i = int(np.flatnonzero(~np.isclose(steps, steps[0], rtol=1e-9, atol=0))[0])
        raise ValueError(f"the numeric time column {frame.time_name!r} is not evenly spaced (steps from "
                         f"{shown_number(steps.min())} to {shown_number(steps.max())}; {shown_number(time[i + 1])} "
                         f"follows {shown_number(time[i])}, a step of {shown_number(steps[i])} where the first is "
                         f"{shown_number(steps[0])}); put the series on a regular grid first")
    return float(steps[0]), float(steps[0])


def _day_month_swapped(time: pd.DatetimeIndex) -> str | None:
    """For dates at midnight whose days are all 12 or less and which, with day and month swapped, lie evenly
    on a grid: day-first dates read month-first (``read_csv(parse_dates=...)`` and ``pd.to_datetime`` guess
    month-first from the first date: ``'01/02/2020'``, 1 February, becomes 2 January), what to say of them; None
    otherwise. Monthly day-first dates then read as twelve days of January a year apart (uneven), or, within one
    year, as days 1 .. 12 of January (a daily grid, :func:`_warn_days_as_months`)."""
    if len(time) < 3 or (time.day > 12).any() or (time != time.normalize()).any():
        return None
    swapped = pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": time.year, "month": time.day, "day": time.month})))
    grid = pd.infer_freq(swapped) if swapped.is_monotonic_increasing and swapped.is_unique else None
    if grid is None:
        return None
    return (f"every day is 12 or less, and with day and month swapped they lie evenly on the grid {grid!r} "
            f"({shown_time(time[1])} would be {shown_time(swapped[1])}): day-first dates read month-first, as "
            "pd.read_csv(parse_dates=...) and pd.to_datetime guess from the first date? read them day-first, "
            "pd.read_csv(..., parse_dates=[...], date_format='%d/%m/%Y' as they are written, '%d.%m.%Y' for dots), "
            "or swap them, t = pd.DatetimeIndex(times); pd.to_datetime(pd.DataFrame({'year': t.year, 'month': "
            "t.day, 'day': t.month}))")


def _warn_days_as_months(time: pd.DatetimeIndex, spelt: str) -> None:
    """Warn where parsed dates lie evenly a whole number of days apart within one month and, with day and month
    swapped, on a grid of months: one year of day-first month starts (``'01/01/2020' .. '01/12/2020'``) read
    month-first by ``pd.read_csv(parse_dates=...)``, which is days 1 .. 12 of January, a daily grid that the
    unevenness refusal never sees (a quarter's ``'01/04/2020'`` steps 3 days). Asked only where the dates, read
    day-first, fill a whole year (their count times their step in days is 12 or more: twelve month starts, four
    quarter starts), since fewer days at a month's start are as likely a short daily series (a week of January)
    as a part of a year of months; twelve days of 1 .. 12 January are warned of, the one reading that cannot be
    told apart. Warned, not refused, for that reason; an index that carries its frequency (``pd.date_range``) is
    not asked. ``spelt``: the times as the user's code names them."""
    if time.freq is not None:  # pd.date_range(..., freq='D'): days by construction, not parsed text
        return
    time = time.dropna()
    if len(time) < 3 or len({(t.year, t.month) for t in time[[0, -1]]}) > 1 or \
            not (steps := np.diff(time.asi8)).size or (steps != steps[0]).any() or steps[0] <= 0:
        return
    if len(time) * (days := pd.Timedelta(int(steps[0]), unit=time.unit) / pd.Timedelta(days=1)) < 12:
        return  # a week of January, or part of a year of months: nothing to tell them apart
    if (said := _day_month_swapped(time)) is None:
        return
    warnings.warn(f"the times of {spelt} are {len(time)} days of {time[0]:%B %Y}, {shown_time(time[0])} .. "
                  f"{shown_time(time[-1])}, {days:g} day{'s' if days != 1 else ''} apart; {said}; a series "
                  "meant so is read as given (silence this with warnings.filterwarnings('ignore', message='the "
                  "times of .* days of'))", UserWarning, stacklevel=user_stacklevel())


def _uneven(time: pd.DatetimeIndex, grid: str | None) -> str:
    """The steps of uneven timestamps, most common first, and the first step off ``grid`` (the business days,
    or the frequency of the first three timestamps: months are 28 to 31 days), else the first step that is
    not the most common."""
    steps = pd.Series(np.diff(time.values))  # timedelta64 in the index's unit
    counts = steps.value_counts()
    shown = f"steps {', '.join(str(s) for s in counts.index[:3])}..."
    if grid is not None:
        off = np.flatnonzero(pd.date_range(time[0], periods=len(time), freq=grid) != time)
        if len(off) and off[0] > 0:
            i = int(off[0])
            return f"{shown}; the first step off the grid {grid!r}: {time[i]} follows {time[i - 1]}"
    i = int(np.flatnonzero(steps.to_numpy() != counts.index[0])[0]) + 1
    return f"{shown}; the first other than {counts.index[0]}: {time[i]} follows {time[i - 1]}"


# one timestamp per period of these (period code, the resampling grid of those periods, its label)
_PERIODS = (("W-SUN", "W-SUN", "week", "Sunday"), ("M", "MS", "month", "first day"),
            ("Q", "QS", "quarter", "first day"), ("Y", "YS", "year", "first day"))


def _pattern_of(time: pd.DatetimeIndex, name: str, business: str | None, holder: str | None = None) -> str | None:
    """The advice for uneven timestamps that follow a pattern pandas has no frequency for, else None: steps of
    whole days, an hour shorter or longer at some rows (local midnights of a zone with daylight saving time,
    given in UTC or with the zone dropped), read in their own zone; or one timestamp in each of consecutive
    weeks, months, quarters or years, on another day than the grid's (monthly on the 15th, a weekly report on
    varying weekdays), read on that grid. ``business`` spells the caller's frequency option for the grid 'B'
    (``"freq='B'"``, ``"--freq B"``), and other grids alike; None: the caller has none (a panel's time column
    ``name`` is then read as periods; with ``holder``, the index of that object)."""
    spell = None if business is None else (lambda f: business.replace("B", f))
    steps = pd.Series(np.diff(time.values))
    common, hour, day = steps.mode()[0], pd.Timedelta(hours=1), pd.Timedelta(days=1)
    if common >= day and common % day == pd.Timedelta(0) and steps.isin([common - hour, common + hour]).any() \
            and steps.isin([common - hour, common, common + hour]).all():
        i = int(np.flatnonzero((steps != common).to_numpy())[0]) + 1
        days = f"{common.days} day{'s' if common.days > 1 else ''}"
        now = f"in {time.tz}" if time.tz is not None else "without their zone"
        # a series' index, the index of the adapter's y, or a panel's column
        data = "data" if business is not None else holder or f"data[{name!r}].dt"
        convert = f"{data}.tz_convert('Europe/Berlin')" if time.tz is not None else \
            f"{data}.tz_localize('UTC').tz_convert('Europe/Berlin')"
        also = f", or {spell('D')} reads them by the UTC date" if spell and common == day else ""
        if business is not None and business.startswith("--"):  # a command's CSV: fixed in the file
            local = "dates" if common == day else "times"
            return (f"the steps are {days}, an hour shorter or longer where daylight saving time starts or ends "
                    f"({time[i]} follows {time[i - 1]}): local times of a zone with daylight saving time, written "
                    f"with their offsets and read in UTC? write them in the file as local {local} without an offset "
                    f"(pd.to_datetime(column, utc=True).dt.tz_convert('Europe/Berlin'), with your zone, then "
                    f".dt.tz_localize(None)), where each step is {days}{also}")
        return (f"the steps are {days}, an hour shorter or longer where daylight saving time starts or ends "
                f"({time[i]} follows {time[i - 1]}): local times of a zone with daylight saving time, given {now}? "
                f"convert them to that zone ({convert}, with yours), where each step is {days}{also}")
    shown = ", ".join(shown_time(t) for t in time[:3])
    naive = time.tz_localize(None)
    for code, grid, word, label in _PERIODS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # to_period drops the zone, with a warning
            periods = naive.to_period(code)
        if (np.diff(periods.asi8) == 1).all():
            # periods keep each reading as it is; resampling onto the grid dates each on the grid, warned of
            grid_too = (f"; or {spell(grid)} reads them on the grid of {word}s dated on each {word}'s {label}, and "
                        "warns that it moves each reading there") if spell else ""
            read = (f"write the times in the file as {word}s ({periods[0]} for {shown_time(time[0])}), which are "
                    f"read and forecast as {word}s" if business is not None and business.startswith("--") else
                    f"give them as {word}s (data.index = data.index.to_period({code!r})), which are read and "
                    f"forecast as {word}s" if spell else
                    f"give them as {word}s ({holder}.index = {holder}.index.to_period({code!r}))" if holder else
                    f"give them as {word}s (data[{name!r}].dt.to_period({code!r}))")
            return f"they are one per {word} ({shown}, ...), on a day no pandas frequency repeats: {read}{grid_too}"
    return None


def _clock_gone_forward(time: pd.DatetimeIndex, name: str, fix: str, business: str | None,
                        holder: str | None = None) -> str | None:
    """The advice for readings of an hour or less apart on a local clock, the zone dropped, whose only uneven
    steps are an hour longer, early on a day of March, April, September, October or November (the hour the
    clocks skip where daylight saving time starts: vega's seattle-temps), else None. ``fix``: the caller's
    advice for a missing step, given first; then the reading in UTC."""
    if time.tz is not None:
        return None
    steps = pd.Series(np.diff(time.values))
    common, hour = steps.mode()[0], pd.Timedelta(hours=1)
    long = np.flatnonzero((steps != common).to_numpy()) + 1
    after = time[long]
    years = time[-1].year - time[0].year + 1
    if not (common <= hour and hour % common == pd.Timedelta(0) and (steps[long - 1] == common + hour).all()
            and len(long) <= years and after.month.isin([3, 4, 9, 10, 11]).all() and (after.hour <= 5).all()):
        return None
    data = "data.index" if business is not None else f"{holder}.index" if holder else f"data[{name!r}].dt"
    utc = (f"write them in the file with their offset from UTC ({time[0].isoformat()}-08:00, with yours), which "
           "are read in UTC" if business is not None and business.startswith("--") else
           f"localize them to their zone and read them in UTC, where each step is the same: {data}.tz_localize("
           "'America/Los_Angeles', nonexistent='shift_forward', ambiguous='infer').tz_convert('UTC'), with your zone")
    return (f"the only uneven step{'s are' if len(long) > 1 else ' is'} an hour longer, early on "
            f"{', '.join(str(t.date()) for t in after[:3])}, where the clocks go forward as daylight saving time "
            f"starts: local clock times, the zone dropped? {fix}; or, where the readings also repeat the hour the "
            f"clocks go back, {utc}")


def _empty_off_grid(frame: TimeSeriesFrame) -> tuple[pd.DatetimeIndex, str] | None:
    """``(times, grid)`` where the rows that hold no value in any column are all off the grid of the rows that
    do (the frequency of their first three timestamps): a download's rows for dividends or splits between the
    months of a price series (matplotlib's Stocks.csv, 1990-02-05 between 1990-02-01 and 1990-03-01); else
    None."""
    time, empty = frame.time, np.isnan(frame.values).all(axis=1)
    kept = time[~empty]
    if not empty.any() or len(kept) < 3 or (grid := pd.infer_freq(kept[:3])) is None:
        return None
    on = pd.date_range(kept[0], kept[-1], freq=grid)
    return (time[empty], grid) if not time[empty].isin(on).any() else None


def _missing_business_days(time: pd.DatetimeIndex) -> pd.DatetimeIndex | None:
    """The weekdays missing from dates that are all weekdays at midnight, 1 to 4 days apart (business days
    less the holidays: stock prices); None for other timestamps."""
    if (time != time.normalize()).any() or (time.dayofweek >= 5).any():
        return None
    days = np.diff(time.tz_localize(None).values) / np.timedelta64(1, "D")
    if days.min() < 1 or days.max() > 4:
        return None
    grid = pd.bdate_range(time[0].tz_localize(None), time[-1].tz_localize(None))
    missing = grid.difference(time.tz_localize(None))
    return missing if len(missing) else None


def _future_index(frame: TimeSeriesFrame, freq: str | float | None, H: int) -> pd.Index:
    if frame.time is None:
        return pd.RangeIndex(len(frame), len(frame) + H)
    if isinstance(frame.time, pd.DatetimeIndex):
        index = pd.date_range(frame.time[-1], periods=H + 1, freq=freq)[1:]
        return index.as_unit(frame.time.unit).rename(frame.time_name)
    return _numeric_index(frame.time[-1] + freq * np.arange(1, H + 1), frame)


def _given_periods(data, time_col: str | None, freq, frame: TimeSeriesFrame, fitted_freq: str,
                   asked=None) -> str | None:
    """The period frequency in which forecasts go back to the caller: a ``PeriodIndex`` given (or a time column
    ``time_col`` of periods, as ``GlobalForecaster`` gives them back) comes back as its own periods, or resampled
    by ``freq`` as periods of the new grid (:func:`_periods_of`), or as
    the periods asked for (``asked``, a period frequency that :func:`periods_rule` read as the grid ``freq``:
    ``'Q-NOV'``; pandas has no index of ``'2M'`` periods, whose bins stay timestamps); anything else as timestamps
    (None)."""
    index = getattr(data, "index", None)
    if time_col is not None:  # a time column of periods, as the index
        column = data[time_col] if isinstance(data, pd.DataFrame) and time_col in data.columns else None
        index = pd.PeriodIndex(column) if column is not None and isinstance(column.dtype, pd.PeriodDtype) else None
    if not isinstance(index, pd.PeriodIndex):
        return None
    if freq is None:
        return index.freqstr
    wanted = pd.Period(index[0].start_time, asked) if asked is not None and asked != freq else None
    if wanted is not None and wanted.freq.n == 1:  # periods asked for by their own name ('Q-NOV'): those periods;
        return wanted.freqstr  # '2M': the bins' first instants, as '2MS' gives them
    return _periods_of(frame, fitted_freq, index.freqstr)


def _periods_of(frame: TimeSeriesFrame, freq: str, own: str | None = None) -> str | None:
    """The period frequency whose periods start at the timestamps of ``frame``'s grid ``freq`` (``"MS"``: ``"M"``,
    ``"QS"``: ``"Q-DEC"``), or None where they do not start periods (weeks labelled by their last day, month
    ends) or pandas has no such periods (``"SMS"``; business-day periods are deprecated). ``own``: the frequency of
    the periods given, which is kept where its periods are those bins (fiscal quarters ``'Q-JUN'`` given
    ``freq='QS'`` stay ``'Q-JUN'``, where pandas names the bins calendar quarters, ``'Q-DEC'``: 2010Q1 for the
    quarter that the given periods call 2010Q3)."""
    future = _future_index(frame, freq, 2)

    def as_periods(kind: str | None) -> pd.PeriodIndex | None:  # None where they do not start at the grid's times
        with warnings.catch_warnings():
            warnings.simplefilter("error", FutureWarning)
            try:
                periods = future.to_period(kind)
            except (TypeError, ValueError, FutureWarning):
                return None
        return periods if (periods.start_time == future).all() else None

    given = as_periods(own) if own is not None else None
    if given is not None and given[1] == given[0] + 1:  # one given period a step: the bins are those periods
        return given.freqstr
    periods = as_periods(None)
    return None if periods is None else periods.freqstr


def _numeric_index(times: np.ndarray, frame: TimeSeriesFrame) -> pd.Index:
    """Times on a numeric axis as an index: integers when the series' times are all whole numbers (years
    1950, 1951, ...: a numeric time axis is float64 inside the frame), else floats."""
    whole = np.all(frame.time == np.round(frame.time)) and np.all(times == np.round(times))
    if not whole and (decimals := _decimals(frame.time)) is not None:
        # 4.0 + 0.1 is 4.1000000000000005: written with the series' decimals, 4.1, which .loc[4.1] finds
        written = np.round(times, decimals)
        times = np.where(np.abs(written - times) <= 1e-9 * np.maximum(1.0, np.abs(times)), written, times)
    return pd.Index(times.astype(np.int64) if whole else times, name=frame.time_name)


def _decimals(times: np.ndarray) -> int | None:
    """The fewest decimals (up to 10) that write every time of a numeric axis exactly (``0.1, 0.2``: 1); None for
    times that need more (steps of 1/12), which are left as computed."""
    times = np.asarray(times, dtype=np.float64)
    return next((d for d in range(11) if np.array_equal(np.round(times, d), times)), None)


def _take(frame: TimeSeriesFrame, rows: range) -> TimeSeriesFrame:
    part = slice(rows.start, rows.stop)
    return TimeSeriesFrame(frame.values[part], columns=frame.columns,
                           time=None if frame.time is None else frame.time[part], time_name=frame.time_name)


def _periods_fix(given: pd.Index, have: pd.DatetimeIndex, shown: pd.PeriodIndex, name: str,
                 long: tuple[str, str] | None = None) -> str:
    """For a series of periods (``shown``, the forecast's), what ``name`` needs where its times ``have`` lie within
    those periods but not one at each start: at their ends (``2009-06-30`` for ``2009Q2``), or on a finer grid
    (months for quarters), which would be read at the periods' first instants only; ``""`` where it has one row
    per period, or its times do not cover them. ``given``: its index as passed (a PeriodIndex converts with
    ``asfreq``, timestamps with ``to_period``); ``long``: as :func:`_known_future`'s."""
    freq = shown.freqstr
    periods = have.to_period(freq)
    rows = pd.Series(periods).value_counts()
    if not shown.isin(periods).all():
        return ""
    to = f"{_times_of(name, long)}.{'asfreq' if isinstance(given, pd.PeriodIndex) else 'to_period'}({freq!r})"
    finer = [p for p in shown if rows.loc[p] > 1] or sorted(rows.index[rows > 1])  # also before the forecast's
    if finer:
        grouped = (f"{name}.groupby({to}).mean()" if long is None else  # a long frame: by series too
                   f"{name}.assign({long[1]}={to}).groupby([{long[0]!r}, {long[1]!r}]).mean().reset_index()")
        at = given[np.flatnonzero(periods == finer[0])]
        which = "the forecast period" if finer[0] in shown else "the period"
        return (f"{name} has {len(at)} rows within {which} {finer[0]} ({shown_time(at[0])} .. "
                f"{shown_time(at[-1])}), a finer grid than the series' ({freq!r}), and one row is read per period; "
                f"aggregate them to its periods, {grouped} (or .sum(), .last())")
    if not have.isin(shown.to_timestamp()).any():
        return (f"its times lie within those periods, not at their starts ({shown_time(have[0])} in {periods[0]}): "
                f"{'index it by' if long is None else 'give it'} the periods, {_with_times(name, long, to)}")
    return ""


def _timestamps_fix(given: pd.PeriodIndex, index: pd.DatetimeIndex, name: str, long: tuple[str, str] | None = None
                    ) -> str:
    """For ``name`` indexed by periods (``given``) where the series is dated by timestamps ``index`` that lie within
    those periods but not at their first instants (month ends, co2's Saturdays in ``'W-SAT'`` weeks), which is where
    a period is read: how to index it by the forecast timestamps; ``""`` where they do not lie within its periods.
    ``long``: as :func:`_known_future`'s."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # to_period drops a zone, with a warning
        found = given.get_indexer(index.tz_localize(None).to_period(given.freq))
    if (found < 0).any():
        return ""
    ends = given.to_timestamp(how="end").normalize()
    to = (_with_times(name, long, f"{_times_of(name, long)}.to_timestamp(how='end').normalize()")
          if index.tz is None and ends[found].equals(index.as_unit(ends.unit)) else
          f"{name}.set_axis({_index_spelt(index)})" if long is None and len(given) == len(index) and
          (found == np.arange(len(index))).all() else "")
    first = given[found[0]]
    held, by = ("its index", "index it by") if long is None else (f"its column {long[1]!r}", "give it")
    return (f"{held} holds {given.freqstr!r} periods, each read at its first instant "
            f"({shown_time(first.start_time)} for {first}), and the forecast timestamps lie within them, not at "
            f"their starts ({shown_time(index[0])} in {first})" + (f": {by} them, {to}" if to else
                                                                f": {by} the forecast timestamps"))


def _times_of(name: str, long: tuple[str, str] | None) -> str:
    """The times of ``name`` as an expression with datetime methods: its index, or a long frame's time column."""
    return f"{name}.index" if long is None else f"{name}[{long[1]!r}].dt"


def _with_times(name: str, long: tuple[str, str] | None, times: str) -> str:
    """``name`` with its times replaced by the expression ``times``: its index, or a long frame's time column."""
    return f"{name}.set_axis({times})" if long is None else f"{name}.assign({long[1]}={times})"


def _off_grid(have: pd.DatetimeIndex, grid: pd.DatetimeIndex) -> tuple[pd.Timestamp, ...] | None:
    """``(time, the grid's time before it, the grid's time after it)`` for the first of the times ``have`` that is
    off the grid of the forecast timestamps ``grid``, extended both ways by its frequency over all of ``have`` (a
    finer grid's row, before the first forecast timestamp as well as between two); None where every time is on
    it. Without a frequency (one forecast timestamp of an index that carries none) only the times between two
    of ``grid`` are told."""
    freq = grid.freq if grid.freq is not None else pd.infer_freq(grid) if len(grid) >= 3 else None
    if freq is None:
        on = grid
        have = have[(have > grid[0]) & (have < grid[-1])]
    else:
        offset = pd.tseries.frequencies.to_offset(freq)
        try:
            approx = pd.Timedelta(offset)  # fixed steps; a calendar's (weeks, months) is at least a day
        except (TypeError, ValueError):
            approx = pd.Timedelta(days=1)
        back = int((grid[0] - min(have.min(), grid[0])) / approx) + 2
        ahead = int((max(have.max(), grid[-1]) - grid[0]) / approx) + 2
        if back + ahead > 10**6:
            return None  # rows years of seconds apart: not a finer grid's
        on = pd.date_range(end=grid[0], periods=back, freq=offset).append(
            pd.date_range(grid[0], periods=ahead, freq=offset)[1:])
    off = have[~have.isin(on)]
    if not len(off):
        return None
    t = off.min()
    i = int(on.searchsorted(t))
    return t, on[i - 1], on[i]


def _known_future(future, index: pd.Index, columns: tuple[str, ...], *, step: float, name: str = "future",
                  shown: pd.Index | None = None, grid: pd.DatetimeIndex | None = None,
                  resample: str = "{name}.resample({rule!r}).mean()", long: tuple[str, str] | None = None
                  ) -> np.ndarray:
    """``(len(index), len(columns))`` float64: the known-future covariates at the forecast timestamps
    ``index``, from a DataFrame (or a named Series) indexed by timestamps; ValueError saying what is missing.
    Numeric time axes match to within 1e-6 of a ``step``. ``name``: the argument as the user passed it (``"X"``
    in sktime's spelling), for the messages; ``shown``: ``index`` as the messages name it (the periods of a series
    fitted on a PeriodIndex, ``2009Q4``, not its first instant); ``grid``: every forecast timestamp of the
    horizon, between which a row of ``future`` means a finer grid than the series' (days for weeks), refused
    rather than read at the forecast's timestamps alone; ``resample``: how the message spells the aggregation onto
    the grid ``rule`` (a long frame's, by series, for the panel); ``long``: ``(id column, time column)`` where
    ``future`` is one series' rows of a long frame (the panel's), indexed by its time column, which the messages
    name and the fixes spell in place of an index."""
    shown = index if shown is None else shown
    held = f"{name}'s index" if long is None else f"{name}'s column {long[1]!r}"
    span = f"{shown[0]} .. {shown[-1]}" if len(shown) > 1 else f"{shown[0]}"
    if future is None:
        also = " (or X=df, sktime's name for it, as in fit(y, X))" if name == "future" else ""
        raise ValueError(f"this Forecaster reads the known-future covariates {list(columns)} over the horizon: "
                         f"pass predict({name}=df){also} with df indexed by the forecast timestamps {span} and "
                         f"columns {list(columns)}")
    if isinstance(future, pd.Series):
        if future.name is None or str(future.name) not in columns:  # a Series has no columns to rename
            what = "an unnamed Series" if future.name is None else f"a Series named {future.name!r}"
            fix = (f"name it: {name}.rename({columns[0]!r})" if len(columns) == 1 else
                   f"it names one column, and the model reads {list(columns)}: give a DataFrame of them")
            raise ValueError(f"{name} is {what}, but the model reads the known-future covariate"
                             f"{'s' * (len(columns) > 1)} {list(columns)} from it at the timestamps {span}; {fix}")
        future = future.to_frame()
    if not isinstance(future, pd.DataFrame):
        got = type(future).__name__ + (f" of shape {np.shape(future)}" if isinstance(future, np.ndarray | list)
                                       else "")
        raise ValueError(f"{name} must be a pandas DataFrame indexed by the forecast timestamps {span}, got {got}; "
                         f"wrap it: pd.DataFrame(values, columns={list(columns)}, index={_index_spelt(shown)})")
    labels = list(future.columns)  # as given: a rename must spell them so (0, not '0')
    future = future.set_axis([str(c) for c in future.columns], axis=1)
    missing = [c for c in columns if c not in future.columns]
    if missing:
        extra = [c for c, text in zip(labels, future.columns, strict=True) if text not in columns]
        numbered = isinstance(future.columns, pd.Index) and labels == list(range(len(labels)))
        numbers_ = "0" if len(labels) == 1 else f"0 .. {len(labels) - 1}"
        renamed = ("" if not extra or len(extra) != len(missing) else
                   f"; its columns are numbered {numbers_}, without names (built from an array?): name them as at "
                   f"fit, {name} = {name}.set_axis({list(columns)!r}, axis=1)"
                   if numbered and len(labels) == len(columns) else
                   f"; {extra} were not fitted: renamed? {name}.rename(columns="
                   f"{dict(zip(extra, missing, strict=True))!r})")
        raise ValueError(f"{name} lacks the known-future covariates {missing} (its columns are "
                         f"{labels}); it needs {list(columns)} at the timestamps {span}{renamed}")
    for c in columns:
        _check_exogenous_column(future[c], c, holder=name, fitted=True)
    if not future.index.is_unique:
        raise ValueError(f"{name} has duplicate timestamps in its index ({_repeated(future.index)}); give one row "
                         "per timestamp")
    have = future.index
    if isinstance(index, pd.DatetimeIndex):
        durations = pd.api.types.is_timedelta64_dtype(have.dtype)  # elapsed times: pandas cannot date them
        if pd.api.types.is_numeric_dtype(have.dtype) or durations:  # row numbers would read as nanoseconds since 1970
            text = _is_text(shown) and set(shown) <= {str(v) for v in have}  # every forecast time, as a number
            fix = (f": the series' times are text, so give {name}'s as text too ({name}.set_axis({name}.index."
                   "astype(str)))" if text else  # years 1990, 1991 for the series' '1990', '1991'
                   f" (row numbers, as reset_index() leaves them?); when its {len(have)} rows are the forecast's, in "
                   f"order, give them its times: {name}.set_axis({_index_spelt(shown)})" if len(have) == len(index)
                   else f"; index its rows by the forecast's times ({_index_spelt(shown)}, each row at its time)")
            held = (f"durations (timedelta64: {have[0]}, ...), not timestamps" if durations else
                    f"{have.dtype} numbers, not timestamps")
            fix = fix.replace(" (row numbers, as reset_index() leaves them?)", "") if durations else fix
            raise ValueError(f"{name} must be indexed by the forecast timestamps {span}; its index holds {held}{fix}")
        if _is_text(have):  # one format for every row: pandas reads '12/04/2024' as December beside '13/04/2024'
            try:
                readings = date_readings(pd.Series(list(have), dtype=object).str.strip()) or short_year_readings(have)
            except ValueError:  # offsets on some rows only: pandas' own reading, and refusal, below
                readings = []
            wanted = index.tz_localize(None)  # of two readings (day-first, month-first), the one dated as asked
            if len(readings) > 1 and len(fits := [r for r in readings if wanted.isin(r[1]).all()]) == 1:
                readings = fits
            if len(readings) > 1:
                refuse_two_readings(have, held)
            if len(readings) == 1:
                have = readings[0][1].rename(have.name)
                refuse_future_years(future.index, have, held, readings[0][0],
                                    f"{name}.index" if long is None else f"{name}[{long[1]!r}]")
        try:
            have = have.to_timestamp() if isinstance(have, pd.PeriodIndex) else pd.DatetimeIndex(have)
        except (TypeError, ValueError) as e:
            raise ValueError(f"{name} must be indexed by the forecast timestamps {span}; its index cannot be "
                             f"read as datetimes ({e})") from None
        if index.tz is not None and have.tz is None:
            have = have.tz_localize(index.tz)
        elif index.tz is None and have.tz is not None:
            zoned = f"{held} is in time zone" if long is None else f"{held} holds times in the zone"
            raise ValueError(f"{zoned} {have.tz}, but the series has none; drop it with " +
                             (f"{name}.tz_localize(None)" if long is None else
                              _with_times(name, long, f"{_times_of(name, long)}.tz_localize(None)")))
        rows = have.get_indexer(index)
    else:
        try:
            have = np.asarray(have, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be indexed by the forecast's row numbers or times {span}; its index "
                             f"has dtype {future.index.dtype}") from None
        order = np.argsort(have)
        near = pd.Index(have[order]).get_indexer(np.asarray(index, np.float64), method="nearest",
                                                 tolerance=1e-6 * step)
        rows = np.where(near >= 0, order[near], -1) if len(have) else np.full(len(index), -1)  # no row at all
    if (rows < 0).any():
        absent = [str(t) for t in shown[rows < 0]]
        other = (_periods_fix(future.index, have, shown, name, long) if isinstance(shown, pd.PeriodIndex) and
                 isinstance(have, pd.DatetimeIndex) and have.tz is None else
                 _timestamps_fix(future.index, index, name, long) if isinstance(future.index, pd.PeriodIndex) and
                 isinstance(index, pd.DatetimeIndex) and not isinstance(shown, pd.PeriodIndex) else "")
        raise ValueError(f"{name} has no row for {len(absent)} of the {len(index)} forecast timestamps "
                         f"({', '.join(absent[:3])}{', ...' if len(absent) > 3 else ''}); it needs one row per "
                         f"timestamp {span}" + (f"; {other}" if other else ""))
    if isinstance(shown, pd.PeriodIndex) and isinstance(have, pd.DatetimeIndex) and have.tz is None and \
            (finer := _periods_fix(future.index, have, shown, name, long)):
        raise ValueError(finer)  # months for quarters: each quarter would read its first month alone
    if grid is not None and isinstance(have, pd.DatetimeIndex) and not isinstance(shown, pd.PeriodIndex) \
            and (off := _off_grid(have, grid)) is not None:
        t, before, after = off
        where = "forecast" if grid[0] <= before and after <= grid[-1] else "series'"
        rule = resample.format(name=name, rule=grid.freqstr) + ", " if grid.freq is not None else ""
        raise ValueError(f"{name} has rows between the {where} timestamps ({shown_time(t)}, between "
                         f"{shown_time(before)} and {shown_time(after)}, ...), a finer grid than the "
                         f"series', and only its rows at the forecast timestamps would be read; aggregate it "
                         f"onto the series' grid ({rule}with the bins' labels at the forecast timestamps)")
    values = future[list(columns)].to_numpy(dtype=np.float64, na_value=np.nan)[rows]  # (H, n_f)
    if not np.isfinite(values).all():
        i, j = np.argwhere(~np.isfinite(values))[0]
        if np.isnan(values[i, j]):
            raise ValueError(f"{name} column {columns[j]!r} is missing (NaN) at {shown[i]}: a known-future "
                             "covariate must be known at every forecast timestamp; fill it in")
        raise ValueError(f"{name} column {columns[j]!r} is infinite ({values[i, j]}) at {shown[i]}, which would make "
                         "the forecast infinite; give a finite value")
    return values




def _index_spelt(index: pd.Index) -> str:
    """How to build ``index`` (the forecast times as the user sees them) in one call."""
    n = len(index)
    freq = index.freqstr if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex) else None
    if isinstance(index, pd.DatetimeIndex) and freq is None and n >= 3:
        freq = pd.infer_freq(index)
    if freq is not None:
        kind = "date_range" if isinstance(index, pd.DatetimeIndex) else "period_range"
        return f"pd.{kind}('{shown_time(index[0])}', periods={n}, freq='{freq}')"
    if isinstance(index, pd.RangeIndex):
        return f"pd.RangeIndex({index.start}, {index.stop})"
    kind = "pd.DatetimeIndex" if isinstance(index, pd.DatetimeIndex) else "pd.Index"
    shown = [repr(shown_time(t)) if isinstance(t, str | pd.Timestamp | pd.Period) else str(t) for t in index[:3]]
    return f"{kind}([{', '.join(shown)}{', ...' if n > 3 else ''}])"


def _repeated(index: pd.Index) -> str:
    """The first time an index repeats, with its positions: ``2020-01-29 on rows 28 and 29``."""
    rows = np.flatnonzero(index.duplicated(keep=False))
    first = index[rows[0]]
    rows = rows[index[rows] == first][:2]
    return f"{shown_time(first)} on rows {rows[0]} and {rows[1]}"


def read_series_csv(path, *, time_column: str, target_column: str, covariates: Sequence[str] = ()
                    ) -> pd.DataFrame:
    """One series from a CSV file, one row per timestamp: a DataFrame indexed by ``time_column`` (dates, as
    ``rnnkit train`` reads a time column, or numbers) with the ``target_column`` and the ``covariates``
    columns, in that order. Empty cells are missing values (NaN); other columns of the file are not read.

    ValueError, naming the file, its line (the header is line 1) and the column, for: a missing file or
    column, an empty or unreadable file, a header that names a column twice, text in a value column, an
    empty time, times that are neither numbers nor dates in one format, and times that repeat or decrease
    (the file's rows are never reordered). Month or quarter labels (``Jan 1980``, ``Q1 1965``) are read as
    the first day of each period."""
    from ..data.tables import _cell, _close_column, _lines, _time_values, line_of, numbers_with_commas, read_csv

    path = Path(path)
    if not path.is_file():
        raise ValueError(missing_file(path, "expected a CSV with a header row and one row per timestamp"))
    frame = read_csv(path, reads_all=False, npz=False)
    values = [target_column, *covariates]
    missing = [c for c in (time_column, *values) if c not in frame.columns]
    wide = times_across(frame) if missing else None
    if wide is not None:  # one series per row, a time per column (the World Bank's layout)
        times, others = wide
        one, _, _ = wide_fix(frame, times, others, time_col=time_column, target=target_column)
        one = one.replace("data.", "df.", 1)
        raise ValueError(f"{path}: column(s) {missing} not found; the file has {len(times)} columns named as times "
                         f"({times[0]!r} .. {times[-1]!r}) and a series on each row, a wide table, and rnnkit "
                         f"forecast reads one series down the rows (a row per time): write one row as such, e.g. "
                         f"{one}.rename_axis({time_column!r}).rename({target_column!r}).to_csv(new_path)")
    if missing:
        names = [str(c) for c in frame.columns]
        hints = []
        for c in missing:
            parts = [p for p in re.split(r"[;|\s]+", str(c)) if p]
            if len(parts) > 1 and all(p in names for p in parts):  # --covariates "a;b": one name, not two
                hints.append(f"{c!r} is one name; name several columns with commas: --covariates {','.join(parts)} "
                             f"(covariates={parts})")
            elif (close := _close_column(str(c), names)) is not None:
                hints.append(f"{c!r} may be {close!r}")
            elif c == time_column and (nameless := [n for n in names if re.fullmatch(r"Unnamed: \d+", n)]):
                hints.append(f"column {names.index(nameless[0]) + 1} of the file has no name in its header (as "
                             f"Series.to_csv writes an index of no name; pandas calls it {nameless[0]!r}): if it "
                             f"holds the times, pass --time-column {shlex.quote(nameless[0])} "
                             f"(time_column={nameless[0]!r}), or write the file with the index named, "
                             f"y.rename_axis('date').to_csv(path)")
        raise ValueError(f"{path}: column(s) {missing} not found; the file has {names} ("
                         + ("; ".join(hints) if hints else "choose them with --time-column / --target-column / "
                            "--covariates") + ")")
    for c in values:
        column = frame[c]
        if not pd.api.types.is_numeric_dtype(column):
            if found := sequences_in_column(column, c):  # a series per cell, printed by to_csv
                raise ValueError(f"{path}, {_lines([found[0]], path)}: column {c!r} {found[1]}")
            if message := numbers_with_commas(path, column):
                raise ValueError(message)
            row = int(np.flatnonzero(pd.to_numeric(column, errors="coerce").isna() & column.notna())[0])
            raise ValueError(f"{path}: column {c!r} is not numeric ({_lines([row], path)} has "
                             f"{_cell(column.iloc[row])}); write numbers (an empty cell is a missing value)")
    raw = frame[time_column]
    starts = None  # month or quarter labels ("Jan 1980", "Q1 1965"): the first day of each period
    if not pd.api.types.is_numeric_dtype(raw) and raw.notna().all() and not reads_as_dates(raw.astype(str)):
        starts = _period_starts(raw.astype(str), f"{path}: the time column {time_column!r}",
                                f"df[{time_column!r}]")
    if starts is None:
        _time_values(path, raw, time_column)  # ValueError naming the line of an empty or unreadable time
    time = (starts if starts is not None else pd.Index(raw.to_numpy(np.float64))
            if pd.api.types.is_numeric_dtype(raw) else date_readings(raw.astype(str))[0][1])
    periods = None if pd.api.types.is_numeric_dtype(raw) else _period_labels(raw.astype(str))
    if periods is not None:  # months and quarters as written (1949-01, 1959Q1): forecast as such
        time = periods
    steps = np.diff(time.asi8 if isinstance(time, pd.DatetimeIndex | pd.PeriodIndex) else time.to_numpy())
    if (steps <= 0).any():
        i = int(np.flatnonzero(steps <= 0)[0])
        how = "repeats" if steps[i] == 0 else "goes back"
        where = (f"{path}: the time column {time_column!r} {how} at {_lines([i + 1], path)} ({_cell(raw.iloc[i + 1])} "
                 f"after {_cell(raw.iloc[i])} on line {line_of(i, path)})")
        ids = _series_id_column(frame.drop(columns=[time_column, *values]), i + 1, time)
        finer = _finer_time(frame, time_column) if steps[i] == 0 else None
        if finer is not None:  # years beside a quarter column: one time column of both, not one row per year
            raise ValueError(f"{where}, and column {finer[0]!r} tells the {finer[1]} within it: write one time "
                             f"column of both, e.g. df['period'] = {_from_fields(time_column, finer, 'df')}, "
                             "and pass --time-column period")
        if ids is not None:  # a long panel: sorting it, as the generic advice implies, would interleave the series
            c, n = ids
            raise ValueError(f"{where}, where column {c!r} changes from {_cell(frame[c].iloc[i])} to "
                             f"{_cell(frame[c].iloc[i + 1])}: the file looks like {n} series in one (a long panel), "
                             f"and rnnkit forecast reads one series; write each to its own CSV (e.g. "
                             f"df[df[{c!r}] == {_cell(frame[c].iloc[i])}]), or forecast them all in Python with "
                             f"rnnkit.GlobalForecaster(...).fit(df, id_col={c!r}, time_col={time_column!r}, "
                             f"target={target_column!r})")
        counts = pd.Series(raw.to_numpy()).value_counts()
        if (steps == 0).any():  # records at times that repeat (a row per car of a model year, per event of a day),
            # a time on rows side by side, where series stacked (episodes numbered 0, 1, ...) start over
            read = f"pd.read_csv(path, parse_dates=[{time_column!r}])"  # dates to resample on
            raise ValueError(f"{where}; the times repeat ({_cell(counts.index[0])} is on {counts.iloc[0]} rows) "
                             f"and no column names series of several rows: the rows are records, several at a time, "
                             f"and rnnkit forecast reads one row per timestamp, in increasing order: aggregate them "
                             f"per time into a new CSV, e.g. df.groupby({time_column!r}, as_index=False)"
                             f"[{target_column!r}].mean().to_csv(new_path, index=False)"
                             f"{counts_of_records(time, time_column, read, written=True)}")
        raise ValueError(f"{where}; give one row per timestamp, in increasing order")
    return frame[values].set_axis(time.rename(time_column), axis=0)


def _period_labels(text: pd.Series) -> pd.PeriodIndex | None:
    """Times written as months (``1949-01``), quarters (``1959Q1``) or weeks (``2000-01-03/2000-01-09``), every
    one as pandas writes that period, as a PeriodIndex, so that forecasts come back in the file's own spelling
    (``1961-01``, ``2009Q4``), not as the first day of each period; None for anything else."""
    weeks = weekly_periods(text)
    if weeks is not None:
        return weeks
    for pattern, freq in ((r"\d{4}-\d{2}", "M"), (r"\d{4}Q[1-4]", "Q")):
        if text.str.fullmatch(pattern).all():
            try:
                index = pd.PeriodIndex(text.to_numpy(), freq=freq)
            except (ValueError, TypeError):  # 1949-13: the dates' own message follows
                return None
            return index if (index.astype(str) == text.to_numpy()).all() else None
    return None


def counts_of_records(time, time_col: str, frame: str, id_col: str | None = None, *, written: bool = False) -> str:
    """``'; to count them, ...'``: the advice to count rows of records on the grid their first three distinct dates
    show, 0 for a step without any (a resample by ``freq`` would leave that step missing, and fill it from its
    neighbours); ``''`` for times that are not dates or show no grid. ``written``: the counts go to a new CSV."""
    if not isinstance(time, pd.DatetimeIndex):
        return ""
    first = time.unique().sort_values()[:3]
    grid = pd.infer_freq(first) if len(first) == 3 else None
    if grid is None:
        return ""
    group = "" if id_col is None else f".groupby({id_col!r})"
    return (f"; to count them, {frame}.set_index({time_col!r}){group}.resample({grid!r}).size().rename('count')"
            f"{'' if id_col is None else '.reset_index()'}{'.to_csv(new_path)' if written else ''} gives 0 to a "
            "step without any")


def _series_id_column(others: pd.DataFrame, row: int, time) -> tuple[str, int] | None:
    """The first text column of ``others`` (a CSV's columns that are not read), or integer column named like a
    series id (:data:`ID_NAMES`: episodes numbered 0, 1, ...), whose value changes at ``row``, where the time column
    repeats or goes back, with between 2 and ``len(others) - 1`` distinct values that name series along ``time``
    (:func:`names_series`): the series ids of a long panel, as (name, number of series); None when there is none."""
    for c in others.columns:
        column = others[c]
        numbered = pd.api.types.is_integer_dtype(column) and str(c).strip().lower() in ID_NAMES
        if (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)) and not numbered:
            continue
        before, after, n = column.iloc[row - 1], column.iloc[row], column.nunique()
        if 1 < n < len(others) and not (pd.isna(before) or pd.isna(after)) and before != after \
                and names_series(column, time):
            return str(c), n
    return None


def forecast_steps(horizon, fitted: int, times: pd.Index | None = None) -> np.ndarray:
    """The forecast steps (1-based, increasing) that ``predict(horizon)`` returns, of a model fitted for
    ``fitted`` steps: all of them for None, ``1..horizon`` for an integer, or the steps of a list (or a relative
    sktime ``ForecastingHorizon``); ValueError naming the accepted values otherwise. ``times``: the ``fitted``
    forecast times as the user sees them, so that times given for steps are told apart: among them, or not."""
    if horizon is None:
        return np.arange(1, fitted + 1)
    if hasattr(horizon, "to_relative") and hasattr(horizon, "is_relative"):  # sktime's ForecastingHorizon
        if not horizon.is_relative:
            raise ValueError("predict: a ForecastingHorizon must be relative (steps ahead: "
                             "ForecastingHorizon([1, 2, 3])); an absolute one needs the cutoff it is relative "
                             "to: use rnnkit.forecast.sktime.RnnkitForecaster")
        horizon = horizon.to_numpy()
    fix = (f"(the model predicts the {fitted} steps it was fitted for; refit with a larger horizon for "
           "more)")
    if is_integer(horizon):
        if not 1 <= horizon <= fitted:
            raise ValueError(f"predict: horizon must be an integer in [1, {fitted}] {fix}, got {horizon!r}")
        return np.arange(1, int(horizon) + 1)
    if isinstance(horizon, pd.DataFrame | pd.Series):  # predict(future) for predict(future=...): its repr is lines
        shape = (f"DataFrame of {len(horizon)} rows and columns {[str(c) for c in horizon.columns]}"
                 if isinstance(horizon, pd.DataFrame) else f"Series {horizon.name!r} of {len(horizon)} rows")
        raise ValueError(f"predict: horizon, the first argument, must be an integer in [1, {fitted}] or a list of "
                         f"steps ahead, got a pandas {shape}; a table goes by name: the known-future covariates at "
                         "the forecast times as predict(future=...), or the series with newer observations as "
                         "predict(data=...)")
    if isinstance(horizon, str) or not isinstance(horizon, Sequence | np.ndarray | pd.Index | range):
        raise ValueError(f"predict: horizon must be an integer in [1, {fitted}] or a list of steps "
                         f"ahead, got {horizon!r}{_whole_steps_fix(horizon, fitted)}")
    steps = np.asarray(list(horizon))
    same_kind = (isinstance(times, pd.DatetimeIndex) and isinstance(steps[0], pd.Timestamp | np.datetime64)
                 or isinstance(times, pd.PeriodIndex) and isinstance(steps[0], pd.Period)) if len(steps) else False
    if same_kind:
        outside = [t for t in horizon if not times.isin([t]).any()]
        past = [t for t in outside if t < times[0]]
        if past:  # no horizon reaches back
            raise ValueError(f"predict forecasts after the series' end, and {shown_time(past[0])} is in its past (the "
                             f"forecast times are {shown_time(times[0])} .. {shown_time(times[-1])}): the series "
                             "holds its value there; historical_forecasts() gives what the model forecast for past "
                             "times")
        if outside:  # predict().loc[times] would raise a KeyError
            raise ValueError(f"predict takes steps ahead (integers in [1, {fitted}]), not times, and "
                             f"{shown_time(outside[0])} is not one of the {fitted} forecast times of this model "
                             f"({shown_time(times[0])} .. {shown_time(times[-1])}): refit with a horizon that reaches "
                             f"it to forecast it, and take predict().loc[times]")
    if len(steps) and isinstance(steps[0], pd.Timestamp | pd.Period | np.datetime64):
        raise ValueError(f"predict takes steps ahead (integers in [1, {fitted}]), not times: got "
                         f"{steps[0]!r}, ...; the forecasts are indexed by their times, so take "
                         "predict().loc[times] (sktime's absolute fh: rnnkit.forecast.sktime.RnnkitForecaster)")
    if steps.ndim != 1:
        raise ValueError(f"predict: the steps ahead must be a flat list of integers, got an array of shape "
                         f"{np.shape(horizon)}")
    if (len(steps) == 0 or steps.dtype.kind not in "iu" or steps.min() < 1 or steps.max() > fitted
            or (np.diff(steps) <= 0).any()):
        given = steps.tolist() if steps.dtype.kind in "iuf" else list(horizon)  # 1, not np.int64(1)
        past = (" (steps <= 0 are the series' past, which predict does not forecast: historical_forecasts() gives "
                "what the model forecast for past times)" if steps.dtype.kind in "iuf" and len(steps) and
                steps.min() < 1 else "")
        raise ValueError(f"predict: the steps ahead must be increasing integers in [1, {fitted}] {fix}, "
                         f"got {given!r}{past}{_whole_steps_fix(given, fitted)}")
    return steps


def _whole_steps_fix(horizon, fitted: int) -> str:
    """The fix of a ``predict`` horizon of whole numbers given as floats or as text (``2.0``, ``np.float64(2)`` of a
    computation, ``'2'``, ``[1.0, 2.0]``) within ``1 .. fitted``: the same steps as integers; ``""`` for anything
    else (``2.5``, steps out of range, which the message's range already says)."""
    one = not isinstance(horizon, list)
    values = [horizon] if one else horizon
    try:
        steps = [float(v.strip()) if isinstance(v, str) else float(v) for v in values
                 if not isinstance(v, bool) and isinstance(v, numbers.Real | str)]
    except ValueError:  # text that is no number
        return ""
    if len(steps) != len(values) or not steps or not all(s.is_integer() and 1 <= s <= fitted for s in steps) \
            or any(b <= a for a, b in zip(steps[:-1], steps[1:], strict=False)):
        return ""
    given = [int(s) for s in steps]
    return f"; give the steps as integers: predict({given[0] if one else given})"


def check_learned_covariates(given: np.ndarray, fitted: np.ndarray, columns: Sequence[str], shown: pd.Index, *,
                             name: str = "future", rows: str = "fitted rows", who: str = "",
                             fix: str = "fit on rows where {column!r} varies, or fit without it") -> None:
    """ValueError when a covariate that held one value in every fitted row (``fitted (n, k)``, NaN ignored: a
    promotion flag never set in the history, a sensor that read 0) is given another where the net reads it
    (``given (m, k)`` at the times ``shown``: a known-future one over the horizon, a past one in the lookback of
    ``predict(data=...)``; NaN ignored). Scaled, the fitted column was 0 throughout, so its input weights received no
    gradient and kept their random initial values (unscaled, its effect cannot be told from the bias): the
    forecast would move by an amount the model never learned, without a word."""
    for j, column in enumerate(columns):
        seen = fitted[:, j][~np.isnan(fitted[:, j])]
        if not len(seen) or (seen != seen[0]).any():
            continue
        other = np.flatnonzero(~np.isnan(given[:, j]) & (given[:, j] != seen[0]))
        if len(other):
            k = int(other[0])
            raise ValueError(f"{who}{name} column {column!r} is {given[k, j]:g} at {shown_time(shown[k])}, but it "
                             f"was {seen[0]:g} in every one of the {len(seen)} {rows}, so the model learned no "
                             f"effect of it: the forecast would move by an arbitrary amount; "
                             + fix.format(column=column))


def warn_bool_targets(columns: dict, who: str, spelt: str) -> None:
    """A ``UserWarning`` where a target column (``{label: column}``) holds True/False, which fit reads as 1 and 0:
    the forecasts are then numbers between them and beyond (a share of True), not True or False. ``spelt``: how
    the caller's data is written in the fix (``data``, ``y``); a Series' label is None."""
    bools = [label for label, column in columns.items() if pd.api.types.is_bool_dtype(getattr(column, "dtype", None))]
    if not bools:
        return
    cast = " / ".join(f"{spelt}[{label!r}] = {spelt}[{label!r}].astype(float)" if label is not None else
                      f"{spelt}.astype(float)" for label in bools)
    named = ", ".join(repr(label) for label in bools if label is not None)
    warnings.warn(f"{who}: the target{f' {named}' if named else ''} holds True/False, read as 1 and 0, so its "
                  "forecasts are numbers, a share of True (0.7: True 7 times in 10), not True or False, and a band "
                  "may pass 0 or 1; to predict True or False, threshold the forecast (forecast > 0.5) or classify "
                  f"the sequence (rnnkit.SequenceClassifier); to forecast the share, give it as numbers ({cast}), "
                  "which silences this", UserWarning, stacklevel=user_stacklevel())
