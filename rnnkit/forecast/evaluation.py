"""Evaluation of forecasts: the naive and seasonal-naive baselines, the error metrics, and the rolling-origin
backtest that scores a Forecaster beside the baselines on the same rows."""

from __future__ import annotations

import datetime
import math
import numbers
import os
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..checks import as_counts, int_meant, is_count
from ..data.timeseries import rolling_origin
from .series import (
    _future_index,
    _given_periods,
    _join_exogenous,
    _numeric_index,
    _regular_step,
    _roles,
    _take,
    as_frame,
    as_text,
    check_learned_covariates,
    given_text,
    period_starts,
    periods_rule,
    season_length_fix,
    shown_time,
    user_stacklevel,
    warn_bool_targets,
)

METRICS = ("mae", "rmse", "smape", "mase")
METHODS = ("forecaster", "naive", "seasonal_naive")
# One season in steps of each base frequency: a year for months, quarters and weeks (52 weeks = 364 days),
# a week for days, a day for hours and finer steps (divided by the multiple: "2h" -> 12); semi-months ("SMS",
# "SME": the 1st and the 15th, the 15th and the month's end) 24 a year.
SEASONS = {"Y": 1, "A": 1, "Q": 4, "M": 12, "SM": 24, "W": 52, "D": 7, "B": 5, "h": 24, "min": 1440, "s": 86400}


# The seasons of steps of a fixed length, shortest first: a day, a week, a year of 52 weeks. A step is read by its
# length, so that "24h" is daily data (7) and "7D" weekly data (52), as "D" and "W" are, not one step per season.
_FIXED_SEASONS = (pd.Timedelta(days=1), pd.Timedelta(weeks=1), pd.Timedelta(weeks=52))


def infer_season_length(freq: str | float | None) -> int:
    """Steps per season for a pandas frequency: 12 monthly, 24 semi-monthly, 4 quarterly, 52 weekly, 7 daily,
    5 business-daily, 24 hourly (a day; ``"2h"`` -> 12), 1440 per minute; 1 yearly. Steps of a fixed length
    (days, hours, minutes, seconds and their multiples) take the shortest of a day, a week and 52 weeks that is
    longer than the step and a whole number of steps (``"24h"``: 7, ``"7D"``: 52). ValueError when there is none."""
    if isinstance(freq, str):
        try:
            offset = pd.tseries.frequencies.to_offset(period_starts(freq) or freq)  # periods' 'M': 'MS'
        except ValueError:
            raise ValueError(f"cannot infer a season length from {freq!r}, which is not a pandas frequency; pass "
                             "one ('MS' or 'ME' monthly, a PeriodIndex's own freqstr, 'h', ...), or season_length=... "
                             "(e.g. 12 for monthly data, 24 for hourly)") from None
        if isinstance(offset, pd.offsets.Tick | pd.offsets.Day):  # pandas 3's Day is a calendar day, not a Tick
            step = offset.n * pd.Timedelta(days=1) if isinstance(offset, pd.offsets.Day) else pd.Timedelta(offset)
            for season in _FIXED_SEASONS if step >= pd.Timedelta(seconds=1) else ():  # no season of milliseconds
                if season > step:
                    if season % step == pd.Timedelta(0):
                        return int(season // step)
                    break  # "2D": no week of whole steps; a season of a year of them is not read as a week's
        name = offset.name.split("-")[0]  # "MS", "W", "QS", "h", "15min" -> "min"...
        base = name if name in SEASONS else name.rstrip("SE").lstrip("B")  # month start/end, business: "M"
        per_season = SEASONS.get(base)
        if per_season is not None and per_season % offset.n == 0:
            return per_season // offset.n
    raise ValueError(f"cannot infer a season length from the frequency {freq!r}; pass season_length=... "
                     "(e.g. 12 for monthly data, 24 for hourly)")


def check_freq_kept(freq, data, who: str) -> None:
    """ValueError where the frequency given, ``freq`` (fit's or backtest's ``freq=``) or the DatetimeIndex of
    ``data`` (a Series or DataFrame indexed by it: ``y.asfreq(offset)``), is a pandas offset whose name drops some
    of its options: a ``CustomBusinessDay`` of another week (``weekmask='Mon Tue Wed Thu Fri Sat'``) or with
    holidays is named ``'C'``, a ``BusinessHour`` from 08:00 ``'bh'``. The model keeps the frequency by that name
    (``freq_``, config.json), which pandas reads back as Monday to Friday from 09:00, so the forecasts were dated
    on another grid than the series' (a six-day week's Saturday skipped to the Monday after)."""
    given = freq is not None
    offset = freq if given else getattr(getattr(data, "index", None), "freq", None)
    if not isinstance(offset, pd.DateOffset):
        return
    back = pd.tseries.frequencies.to_offset(offset.freqstr)
    if back == offset:
        return
    lost = [k for k in ("weekmask", "holidays", "start", "end") if hasattr(offset, k) and
            getattr(offset, k) != getattr(back, k, None)] or ["options"]
    hourly = isinstance(offset, pd.offsets.BusinessHour | pd.offsets.CustomBusinessHour)
    where = f"freq={freq!r}" if given else "the index's freq (y.asfreq(offset) sets it)"
    raise ValueError(f"{who}: {where} is a {type(offset).__name__} with "
                     f"{', '.join(_option(offset, k) for k in lost)}, which its name {offset.freqstr!r} does not "
                     f"hold: the model keeps the frequency by name (freq_, config.json), and pandas reads "
                     f"{offset.freqstr!r} back with {', '.join(_option(back, k) for k in lost)}, so the forecasts "
                     f"would be dated on that grid, not the series'; {_grid_fix(given, hourly)}")


def _grid_fix(given: bool, hourly: bool) -> str:
    """The end of :func:`check_freq_kept`'s refusal: the plain grid, as ``freq=`` (``given``) or as the index."""
    grid, unit = ("h", "hours") if hourly else ("D", "days")
    filled = f"the {unit} off your grid become missing values, filled by impute=..." + \
        ("" if hourly else ", and a weekly season is read across them")
    if given:
        return f"give freq={grid!r} ({filled})"
    return (f"index the data by {unit}, y.asfreq({grid!r}) ({filled}), or y.asfreq({grid!r}, fill_value=0) where "
            f"nothing happens in them (a shop closed; sktime's adapter reads no missing values)")


def _option(offset: pd.DateOffset, name: str) -> str:
    """An option of a business-day or business-hour offset as the refusal of :func:`check_freq_kept` shows it."""
    value = getattr(offset, name, None)
    if name == "holidays":
        return f"{len(value)} holidays" if value else "no holidays"
    if name in ("start", "end"):
        return f"{name}={', '.join(t.strftime('%H:%M') for t in value)!r}"
    return f"{name}={value!r}"


# -- baselines: history (T, n_y) without gaps -> forecasts (H, n_y) ------------------------------------------
def naive(history: np.ndarray, H: int) -> np.ndarray:
    """``ŷ_{T+h} = y_T``: the last value, repeated. ``H``: an integer >= 1 (numpy's too) or a whole float (``3.0``,
    taken as 3, as before); ValueError where it is no count or ``history`` is empty."""
    H = _check_baseline(history, H, "naive")
    pred = np.repeat(history[-1:], H, axis=0)
    _warn_nan_repeated(pred, np.full(H, len(history) - 1), "naive")
    return pred


def _warn_nan_repeated(pred: np.ndarray, rows: np.ndarray, who: str) -> None:
    """Warn where a baseline's forecast ``pred`` (H, n_y) repeats a NaN of its history (T, n_y): ``rows`` (H,)
    are the history's rows each step repeats. backtest fills its histories first, so its folds are never warned."""
    pred = np.asarray(pred)
    if pred.dtype.kind not in "fc":  # integers hold no NaN
        return
    nan = np.isnan(pred.reshape(len(rows), -1))
    if not nan.any():
        return
    columns = np.flatnonzero(nan.any(axis=0))
    steps = np.flatnonzero(nan[:, columns[0]])
    at = sorted({int(rows[h]) for h in steps})
    shown = ", ".join(str(r) for r in at[:3]) + (", ..." if len(at) > 3 else "")
    warnings.warn(f"{who}: history is NaN at row{'s' if len(at) > 1 else ''} {shown} of column "
                  f"{', '.join(str(j) for j in columns)}, so its forecast is NaN at {len(steps)} of the {len(rows)} "
                  f"steps; fill the history first (pd.DataFrame(history).ffill().to_numpy(), the last observed "
                  f"value, as backtest fills it), or end it at its last observed row", UserWarning, stacklevel=3)


def _check_baseline(history: np.ndarray, H, who: str) -> int:
    """A baseline's horizon ``H`` as an int: an integer >= 1 or a whole float >= 1 (``3.0``, which ``naive`` took
    before), else ValueError (1.5 gave one step, 0 and -1 none); ValueError too where ``history`` has no rows (no
    value to repeat: a forecast of no rows)."""
    if (whole := int_meant(H, 1, text=None)) is not None:  # an int is none
        H = whole
    if not is_count(H):
        digits = int_meant(H, 1, text="digits", floats=())
        fix = f"; pass H={digits}" if digits is not None else count_fix("H", H)
        raise ValueError(f"{who}: H (the steps to forecast) must be an integer >= 1, got {H!r}"
                         f"{fix or '; pass the number of steps, e.g. H=3'}")
    if not len(history):
        raise ValueError(f"{who}: history has no rows, so there is no past value to repeat; give the series' "
                         "observed values before the forecast's first step")
    return H


def seasonal_naive(history: np.ndarray, H: int, m: int) -> np.ndarray:
    """``ŷ_{T+h} = y_{T+h-mk}``, ``k = ⌈h/m⌉``: the value one season (``m`` steps) before, from the last season.
    ValueError where ``m`` or ``H`` is not a count or ``history`` is shorter than one season (its rows from the end
    would wrap round to its start)."""
    _check_season(m, "seasonal_naive")
    H = _check_baseline(history, H, "seasonal_naive")
    if len(history) < m:
        raise ValueError(f"seasonal_naive: history has {len(history)} rows, fewer than one season (m={m}), so there "
                         f"is no value a season before each step to repeat; give at least its last {m} rows, or "
                         f"m={len(history) or 1} or less (m=1: the naive forecast)")
    rows = len(history) - m + (np.arange(H) % m)
    pred = history[rows]
    _warn_nan_repeated(pred, rows, "seasonal_naive")
    return pred


def count_fix(name: str, v, auto: bool = False) -> str:
    """The fix of a count parameter (``horizon``, ``lookback``, ``season_length``, ``hidden_size``...) given as a
    number that is no count: a fraction (``1.5``), 0, a negative number, NaN, or a whole float (``10.0``: the int to
    pass), to end its refusal with (the fixes of text and lists are :func:`horizon_fix`'s, ``season_length_fix``'s
    and ``given_count_fix``'s, tried first); ``""`` for anything else.
    The Forecaster's, the GlobalForecaster's and backtest's."""
    if not isinstance(v, numbers.Real) or isinstance(v, bool):
        return ""
    v, then = float(v), ", or 'auto'" if auto else ""
    if not math.isfinite(v):
        return f"; {name} is a whole number >= 1: give one{then}"
    if v <= 0:
        why = (" (a series without a season)" if name == "season_length" else
               " (the next step alone)" if name == "horizon" else "")
        back = f" ({name}={int(-v)} if the minus sign was a slip)" if v < -1 and v.is_integer() else ""
        return f"; {name} is a count from 1 up: give {name}=1{why} or more{back}{then}"
    if not v.is_integer():
        low, high = max(1, math.floor(v)), math.ceil(v)
        return (f"; {name} is a whole number: give {name}={low}" +
                (f" or {name}={high}" if high != low else "") + then)
    return f"; pass {name}={int(v)}, an int (a grid of np.linspace or of floats gives {v!r}: give a list of ints)"


def _check_season(m, who: str) -> None:
    """ValueError where a season ``m`` (steps apart) is not an integer >= 1: 0 or a negative number would pair
    each value with one from the other end of the history, a float or text cannot index it."""
    if not is_count(m):
        whole = int_meant(m, 1, text="digits", floats=(float, np.floating))
        fix = f"pass m={whole}" if whole is not None else "m=1 for steps without a season"
        raise ValueError(f"{who}: m (the season: the steps between a value and the one it is compared with) must "
                         f"be an integer >= 1, got {m!r}; {fix}")


# -- metrics --------------------------------------------------------------------------------------------------
# A seasonal naive MAE this small against the series' largest |value| is float64 rounding, not change: 1e-9 lies
# millions of times above float64's rounding (2.2e-16 of a value) and below float32's (1.2e-7), which stays a scale.
SCALE_ROUNDING = 1e-9
# A cycle computed in float32 (np.sin of float32 times, a torch tensor) repeats itself only to float32's rounding,
# which its phase's error grows by over the series: tens to thousands of float32 steps (1.2e-7 of a value each)
# from one season to the next. A scale of at most FLOAT32_ROUNDING of the level in values that are all float32
# numbers, not all whole, may be that rounding: warned of, not changed, since a reading that hardly changes (a grid
# frequency of 50 Hz that moves by 1e-3) is as small and real.
FLOAT32_ROUNDING = 1e-5


def float32_rounded(history: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The columns of ``history (T, n_y)`` whose MASE ``scale`` (above 0) is at most ``FLOAT32_ROUNDING`` of their
    largest ``|value|`` while their observed values are all float32 numbers, not all whole, and not all on a grid
    coarser than float32's own at that level (multiples of 4 of its steps there: a meter read in halves or quarters
    at 1e6, float32 numbers by their few bits, whose small changes are readings, not rounding): a scale that float32's
    rounding of a repeating series can make, so MASE would divide an error by that rounding."""
    history = np.asarray(history, dtype=np.float64).reshape(len(history), -1)  # a 1-D history is one column
    scale, found = np.atleast_1d(np.asarray(scale, dtype=np.float64)), []
    for j in np.flatnonzero(scale > 0):
        values = history[:, j][~np.isnan(history[:, j])]
        level = np.abs(values).max()
        grid = 4 * float(np.spacing(np.float32(level)))  # float32's step at the level, 4 times
        if scale[j] <= FLOAT32_ROUNDING * level and _float32_values(values) \
                and not (values == np.round(values)).all() and not (values / grid == np.round(values / grid)).all():
            found.append(int(j))
    return np.array(found, dtype=int)


def _float32_values(values: np.ndarray) -> bool:
    """Whether ``values`` (float64) are all float32 numbers, or all the decimals a CSV writes of float32 numbers
    (pandas' ``to_csv`` of a float32 column writes each value's shortest float32 text, ``2.7071068``, which reads back
    as another float64 number) with some of 8 significant digits or more. The rule: a value written with 7
    significant digits or fewer reads back through float32's text as itself whatever its source (float32 holds
    about 7.2 digits), so such values are a reading's (``50.001``, a sensor's ``49.99871``, ``%.7g`` of a float64
    cycle, prices to the cent), never taken for float32's rounding; float32's own texts need 8 or 9 digits for most
    of its numbers (from about 5 % of them at a level of 8 .. 10 to 90 % at 1 .. 2), which a series of some length
    shows."""
    if (values.astype(np.float32) == values).all():
        return True
    written = np.array([float(str(v)) for v in values.astype(np.float32)])  # each float32's shortest text, read
    short = np.array([float(f"{v:.7g}") for v in values])  # to 7 significant digits
    return bool((written == values).all() and (short != values).any())


def _rounding_why(history: np.ndarray, scale: np.ndarray, j: int) -> str:
    """The words of :func:`float32_rounded`'s finding for column ``j``, shared by mase_scale and backtest."""
    history = np.asarray(history, dtype=np.float64).reshape(len(history), -1)
    scale = float(np.atleast_1d(scale)[j])
    level = float(np.nanmax(np.abs(history[:, j])))
    return (f"{scale:.3g} ({scale / level:.2g} of the largest |value|, {level:.4g}) is within what float32's "
            f"rounding makes of a repeating series (its values are all float32 numbers or their decimals as a CSV "
            f"writes them, 1.2e-07 of a value apart, and "
            f"a cycle computed in float32 repeats itself only to that rounding), so MASE would divide an error by "
            f"that rounding (an error of 1 % of the level scores MASE {0.01 / (scale / level):.2g})")


FLOAT32_FIX = ("compute the series in float64 (cast the times or inputs with .astype('float64') before the "
               "arithmetic), or compare by MAE or RMSE (warnings.filterwarnings('ignore', message='.*float32's "
               "rounding') silences this)")


def mase_scale(history: np.ndarray, m: int, *, warn: bool = True) -> np.ndarray:
    """``(n_y,)`` the in-sample MAE of the seasonal naive forecast on ``history (T, n_y)`` (NaN skipped): the
    denominator of MASE (Hyndman & Koehler 2006). 0 for a column that repeats itself every ``m`` steps (a
    constant one), to rounding: a MAE of at most ``SCALE_ROUNDING`` times the column's largest ``|value|`` is the
    rounding of a float64 cycle (``sin(2 pi t / 24)`` at every 12th hour differs by 1e-16 .. 1e-15 from season to
    season), which as a scale gave MASE of 1e15; NaN for one with no two observed values ``m`` steps apart.
    ValueError where ``m`` is not a count (0 would compare nothing, -1 the last value with the first). ``warn``: warn
    of a scale that float32's rounding may make (:func:`float32_rounded`); backtest collects its folds instead."""
    _check_season(m, "mase_scale")
    with warnings.catch_warnings():  # numpy's "Mean of empty slice" / "All-NaN slice": the NaN of the docstring
        warnings.simplefilter("ignore", RuntimeWarning)
        history = np.asarray(history, dtype=np.float64)
        scale = np.nanmean(np.abs(history[m:] - history[:-m]), axis=0)
        level = np.nanmax(np.abs(history), axis=0) if len(history) else np.full(history.shape[1:], np.nan)
    scale = np.where(scale <= SCALE_ROUNDING * level, 0.0, scale)
    if warn:
        _warn_no_pairs(history, scale, m)
        for j in float32_rounded(history, scale):
            column = f" of column {j}" if history.ndim == 2 and history.shape[1] > 1 else ""
            warnings.warn(f"mase_scale: the scale{column} {_rounding_why(history, scale, j)}; {FLOAT32_FIX}",
                          UserWarning, stacklevel=user_stacklevel())
    return scale


def _warn_no_pairs(history: np.ndarray, scale: np.ndarray, m: int) -> None:
    """A ``UserWarning`` where :func:`mase_scale` is NaN for want of two observed values ``m`` steps apart: a
    history of at most ``m`` rows, or one whose missing values leave no pair."""
    bare = np.flatnonzero(np.isnan(np.atleast_1d(scale)))
    if not len(bare):
        return
    n = len(history)
    if n <= m:
        why = (f"history has {n} row{'s' * (n != 1)}, not more than the season m={m}, so no two values are a season "
               f"apart and the scale is NaN (MASE / it too); give at least m + 1 = {m + 1} rows of history (the more "
               f"seasons, the steadier the scale)" + (", or m=1 for the scale of its step-to-step changes" if m > 1
                                                       else ""))
    else:
        column = f" of column {bare[0]}" if history.ndim == 2 and history.shape[1] > 1 else ""
        seen = int(np.sum(~np.isnan(history[:, bare[0]] if history.ndim == 2 else history)))
        why = (f"the scale{column} is NaN: no two of its {seen} observed values (of {n} rows) are m={m} steps apart, "
               f"so MASE / it is NaN too; fill the history's missing values first (pd.DataFrame(history).ffill())"
               + (", or give m=1" if m > 1 else ""))
    warnings.warn(f"mase_scale: {why}", UserWarning, stacklevel=user_stacklevel())


def unscaled(scale: np.ndarray) -> np.ndarray:
    """The columns whose MASE scale is 0 or NaN (MAE / scale undefined): what :func:`errors` warns of, and what
    :func:`backtest` collects over its folds to warn once per target."""
    return np.flatnonzero(~(np.asarray(scale, dtype=np.float64) > 0))


def _paired(actual, pred) -> tuple[np.ndarray, np.ndarray]:
    """``actual`` and ``pred`` as float arrays ``(H, n_y)`` of one shape, a 1-D one read as one column. Refused
    (ValueError) where numpy would broadcast them into a silently wrong table: a 1-D ``actual`` beside ``(H, 1)``
    forecasts (``(H, H)`` differences), one target beside the columns of a forecast with quantiles (their
    average scored); and two pandas objects indexed by different times, which positions would pair wrongly. Two
    DataFrames of the same targets in another column order are paired by name; of other names, refused."""
    pandas = (pd.Series, pd.DataFrame)
    if isinstance(actual, pandas) and isinstance(pred, pandas) and not actual.index.equals(pred.index):
        a, p = actual.index, pred.index
        if a.is_unique and p.is_unique and len(a) == len(p) and a.isin(p).all():
            pred = pred.reindex(a)  # the same times in another order: paired by time
        else:
            shared = int(a.isin(p).sum())
            span = lambda i: f"{shown_time(i[0])} .. {shown_time(i[-1])}, {len(i)} rows" if len(i) else "no rows"
            raise ValueError(f"errors: actual and pred are indexed by different times (actual {span(a)}; pred "
                             f"{span(p)}; {shared} shared), so they cannot be paired by time; score the forecasts "
                             f"of the actual's times (pred.loc[actual.index]), or pass .to_numpy() of each to pair "
                             f"them by position")
    quantile_columns = isinstance(pred, pd.DataFrame) and pred.columns.name == "quantile"
    if isinstance(actual, pd.DataFrame) and isinstance(pred, pd.DataFrame) and not quantile_columns and \
            not actual.columns.equals(pred.columns) and len(actual.columns) == len(pred.columns) > 1:
        a, p = actual.columns, pred.columns
        if a.is_unique and p.is_unique and a.isin(p).all():
            pred = pred[a]  # the same targets in another order: paired by name, as the rows by time
        elif list(range(len(a))) not in (list(a), list(p)):  # numbered columns (a numpy array's) pair by position
            raise ValueError(f"errors: actual's columns {list(a)} and pred's {list(p)} are not the same targets, "
                             f"so they cannot be paired by name; give pred the actual's names (pred.columns = "
                             f"{list(a)!r}, if that is their order), or pass .to_numpy() of each to pair them by "
                             f"position")
    a, p = np.asarray(actual, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    a, p = (a[:, None] if a.ndim == 1 else a), (p[:, None] if p.ndim == 1 else p)
    if a.shape != p.shape:
        hint = (f"pred holds the quantiles {list(pred.columns)}: score the point forecast, its median pred[0.5]"
                if quantile_columns else "give one forecast column per column of actual (a forecast with "
                "quantiles: its median column)")
        raise ValueError(f"errors: actual has shape {np.shape(actual)} and pred {np.shape(pred)}, which do not pair "
                         f"one forecast with each actual value ({a.shape} against {p.shape} as (steps, targets)); "
                         f"{hint}")
    return a, p


def _scale_by_name(scale, actual):
    """``scale`` as :func:`errors` pairs it with ``actual``'s columns: a pandas Series of scales named by a
    DataFrame's columns (``history.diff(m).abs().mean()``) is put in the columns' order, as ``pred``'s columns are,
    and a Series naming more columns (a whole history's) gives the columns' own; a Series numbered ``0 .. k-1`` (an
    array's) or one scale of one target pairs by position; a Series of other names is refused, which position would
    pair wrongly. Anything else is returned as given."""
    if not (isinstance(scale, pd.Series) and isinstance(actual, pd.DataFrame)) or scale.index.equals(actual.columns):
        return scale
    names, columns = scale.index, actual.columns
    if names.is_unique and columns.isin(names).all():  # the same targets in another order, or among more (the
        return scale.reindex(columns)  # scales of a whole history's columns): paired by name
    if list(names) == list(range(len(names))) or len(names) == len(columns) == 1:  # by position: numbered as an
        # array's, or one scale of one target
        return scale
    raise ValueError(f"errors: scale is a Series of the names {list(names)} and actual's columns are "
                     f"{list(columns)}, so they cannot be paired by name; give scale the actual's names "
                     f"(scale.index = {list(columns)!r}, if that is their order), compute it from the history of "
                     f"the same columns (mase_scale(history[{list(columns)!r}], season_length)), or pass "
                     f"scale.to_numpy() to pair them by position")


def errors(actual: np.ndarray, pred: np.ndarray, scale: np.ndarray, *, warn: bool = True) -> dict[str, float]:
    """MAE, RMSE, sMAPE (%), MASE of ``pred`` against the observed entries of ``actual`` ``(H, n_y)``, each
    computed per target column and then averaged over the columns; MASE divides by ``scale`` (:func:`mase_scale`).
    sMAPE is ``200/n Σ |y-ŷ| / (|y|+|ŷ|)``, with 0/0 (a perfect forecast of 0) counted as 0. A metric undefined
    for a column is NaN: MASE where ``scale`` is 0 or NaN, with a ``UserWarning`` naming the columns
    (``warn=False``: :func:`backtest`, which warns once per target, naming the folds). ``actual`` and ``pred``
    may be 1-D (one target) or pandas objects: two pandas objects are paired by their index (the same times in
    another order are put in ``actual``'s), arrays by position (:func:`_paired`)."""
    original = actual
    scale = _scale_by_name(scale, actual)
    actual, pred = _paired(actual, pred)
    given = np.asarray(scale, dtype=np.float64)
    if given.size != 1 and given.shape not in ((actual.shape[1],), (1, actual.shape[1])):
        raise ValueError(f"errors: scale has shape {given.shape}, but MASE divides each target's MAE by one number: "
                         f"give a number, or one per column of actual ({actual.shape[1]}: shape "
                         f"({actual.shape[1]},)), the in-sample MAE of the seasonal naive forecast on the history "
                         f"before the forecast, mase_scale(history, season_length); a scale per step is not one")
    per_column = np.broadcast_to(given.reshape(-1), actual.shape[1:])  # (n_y,)
    negative = np.flatnonzero(per_column < 0)
    if len(negative):  # a mean of the changes, their abs() forgotten: MASE would come out below 0
        shown = ", ".join(f"{j} ({per_column[j]:g})" for j in negative[:3]) + (", ..." if len(negative) > 3 else "")
        raise ValueError(f"errors: scale is below 0 for column(s) {shown}, but MASE's scale is a mean absolute "
                         f"error, never below 0 (a mean of the changes without abs()?); compute it with "
                         f"mase_scale(history, season_length), the mean of np.abs(history[m:] - history[:-m])")
    bad = unscaled(per_column)
    if warn and scale is None:  # np.asarray(None, float) is NaN: no scale given, not a constant history
        warnings.warn("errors: scale is None, so MASE is NaN (the other metrics are scored as usual); MASE divides "
                      "each target's MAE by the in-sample MAE of the seasonal naive forecast: give it, "
                      "errors(actual, pred, mase_scale(history, season_length)) with the history before the "
                      "forecast (warnings.filterwarnings('ignore', message='errors: scale is None') silences "
                      "this)",
                      UserWarning, stacklevel=2)
    elif warn and len(bad):
        shown = ", ".join(f"{j} (scale {per_column[j]:g})" for j in bad[:3])
        warnings.warn(f"errors: MASE is NaN: the scale of column(s) {shown}{', ...' if len(bad) > 3 else ''} is 0 or "
                      "NaN (a history that does not change from one season to the next, a constant series?, or "
                      "without two observed values a season apart: mase_scale's result), and MAE / scale is "
                      "undefined; the other metrics are scored as usual (compare by MAE, RMSE or sMAPE)",
                      UserWarning, stacklevel=2)
    observed = ~np.isnan(actual)
    _check_forecast(pred, observed, original)
    if warn:
        _warn_zero_actuals(actual, pred, "errors: ", "compare by MAE or MASE there, which weigh an error by its "
                           "size (warnings.filterwarnings('ignore', message='errors: sMAPE') silences this)")
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(observed, pred - actual, np.nan)
        mae = np.nanmean(np.abs(e), axis=0)
        denominator = np.abs(actual) + np.abs(pred)
        ratio = np.where(denominator > 0, np.abs(e) / denominator, 0.0)  # 0/0: a perfect forecast of 0
        out = {
            "mae": mae,
            "rmse": np.sqrt(np.nanmean(e**2, axis=0)),
            "smape": 200 * np.nanmean(np.where(observed, ratio, np.nan), axis=0),
            "mase": mae / per_column,
        }
    return {k: float(np.mean(v)) if np.isfinite(v).all() else math.nan for k, v in out.items()}


def _check_forecast(pred: np.ndarray, observed: np.ndarray, actual) -> None:
    """ValueError where a forecast ``pred (H, n_y)`` is NaN or infinite at an entry whose actual is observed: the
    metrics skip NaN, so the forecast would be scored on the other steps alone, as if complete."""
    bad = observed & ~np.isfinite(pred)
    if not bad.any():
        return
    i, j = (int(k[0]) for k in np.nonzero(bad))
    index = getattr(actual, "index", None)
    row = f"{shown_time(index[i])} (row {i})" if index is not None else f"row {i}"
    column = f", column {actual.columns[j]!r}" if isinstance(actual, pd.DataFrame) else \
        (f", column {j}" if pred.shape[1] > 1 else "")
    raise ValueError(f"errors: pred is {pred[i, j]} at {int(bad.sum())} of the {int(observed.sum())} entries whose "
                     f"actual is observed, the first at {row}{column}; the metrics skip a NaN, scoring the forecast "
                     f"on the other steps alone, and are NaN for an infinity; score the steps forecast alone (keep = "
                     f"np.isfinite(pred); errors(actual[keep], pred[keep], scale)), or mend the forecast")


def _zero_steps(actual: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """``(H, n_y)`` the entries whose actual is 0 and forecast is not: sMAPE's ratio ``|y-ŷ| / (|y|+|ŷ|)`` is 1 there
    (200 %) whatever the forecast's size, 0.001 as much as 1000."""
    return (actual == 0) & (pred != 0)


def _warn_zero_actuals(actual: np.ndarray, pred: np.ndarray, who: str, fix: str) -> None:
    """Warn, per column, of the steps whose actual is 0 and forecast is not (:func:`_zero_steps`), each counted 200 %
    in sMAPE, and of the part of the column's sMAPE that they make."""
    zero, observed = _zero_steps(actual, pred), ~np.isnan(actual)
    for j in np.flatnonzero(zero.any(axis=0)):
        rows, n = np.flatnonzero(zero[:, j]), int(observed[:, j].sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(observed[:, j], np.abs(pred[:, j] - actual[:, j]) / (np.abs(actual[:, j]) +
                                                                                  np.abs(pred[:, j])), 0.0)
        total = 200 * float(np.nansum(ratio)) / n
        shown = ", ".join(str(int(r)) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
        column = f" of column {j}" if actual.shape[1] > 1 else ""
        warnings.warn(f"{who}sMAPE counts 200 % at each step whose actual is 0 and forecast is not, whatever the "
                      f"forecast's size: {len(rows)} of the {n} steps{column} (row{'s' * (len(rows) > 1)} {shown}), "
                      f"{200 * len(rows) / n:.4g} of its sMAPE of {total:.4g}; {fix}", UserWarning,
                      stacklevel=user_stacklevel())


# -- the backtest ---------------------------------------------------------------------------------------------
def _check_scored(frame, targets: Sequence[str], tests: list[range]) -> None:
    """ValueError for a fold whose test rows observe a target nowhere (a series that ends with missing values:
    its last fold): no forecast of it could be scored there, and its metrics would be NaN."""
    for k, rows in enumerate(tests):
        for target, j in zip(targets, frame.column_index(targets), strict=True):
            if not np.isnan(frame.values[rows.start : rows.stop, j]).all():
                continue
            times = (f"{shown_time(frame.time[rows.start])} .. {shown_time(frame.time[rows.stop - 1])}"
                     if frame.time is not None else f"rows {rows.start} .. {rows.stop - 1}")
            observed = np.flatnonzero(~np.isnan(frame.values[:, j]))
            fix = (f"drop the rows after its last value (at {shown_time(frame.time[observed[-1]])}) first, e.g. "
                   f"data.loc[:data[{target!r}].last_valid_index()]"
                   if len(observed) and observed[-1] < rows.start and frame.time is not None else
                   "choose other folds (folds=, step=), or fill the gap")
            raise ValueError(f"backtest: the test rows of fold {k} ({times}) have no observed value of {target!r}, "
                             f"so no forecast of it can be scored there; {fix}")


def _warn_unscaled(undefined: dict[str, list[tuple[int, object, int, float]]]) -> None:
    """One warning for the folds whose MASE is NaN, per target: ``undefined[target]`` lists ``(fold, origin,
    season, scale)`` where the scale (the in-sample MAE of the seasonal naive forecast) is 0 or NaN."""
    for target, folds in undefined.items():
        shown = ", ".join(f"{k} ({shown_time(origin)})" for k, origin, _, _ in folds)
        seasons = sorted({m for _, _, m, _ in folds})
        season = f"{seasons[0]} step(s)" if len(seasons) == 1 else f"{seasons} steps"
        why = ("do not change from one season ({}) to the next (a constant series?), so MASE's scale, the in-sample "
               "MAE of the seasonal naive forecast, is 0" if all(s == 0 for *_, s in folds) else
               "have no two observed values a season ({}) apart, or do not change from one season to the next, so "
               "MASE's scale, the in-sample MAE of the seasonal naive forecast, is undefined or 0").format(season)
        warnings.warn(f"backtest: MASE is NaN for {target!r} at fold(s) {shown}: the training rows of the fold "
                      f"{why}, and MAE / scale is undefined; the other metrics are scored as usual (compare the "
                      "methods by MAE, RMSE or sMAPE there)", UserWarning, stacklevel=user_stacklevel())


def _warn_zero_folds(zeros: dict[str, dict]) -> None:
    """One warning per target of the folds whose test rows hold an actual 0 that a method forecast other than 0:
    sMAPE counts such a step 200 % whatever the forecast's size (:func:`_zero_steps`). ``zeros[target]`` maps a fold
    to its origin and those methods."""
    for target, folds in zeros.items():
        shown = ", ".join(f"{k} ({shown_time(origin)})" for k, (origin, _) in folds.items())
        methods = sorted(set().union(*(m for _, m in folds.values())), key=METHODS.index)
        warnings.warn(f"backtest: sMAPE counts 200 % at each step whose actual is 0 and forecast is not, whatever the "
                      f"forecast's size: {target!r} has actuals of 0 in the test steps of fold(s) {shown} that "
                      f"{', '.join(methods)} forecast other than 0, so its sMAPE there says little of the errors' "
                      f"sizes; compare the methods by MAE or MASE (warnings.filterwarnings('ignore', "
                      f"message='backtest: sMAPE') silences this)", UserWarning, stacklevel=user_stacklevel())


def _step_fix(step, time: pd.Index | None) -> str:
    """The fix to end the refusal of a ``step`` that is not a count: a whole number as the integer, a time span
    (``'7D'``, ``pd.Timedelta(days=7)``, ``'1MS'``) as the rows it spans on the series' own times, since ``step``
    counts rows; ``""`` for anything else."""
    if (whole := int_meant(step, 1, text="digits", floats=float)) is not None:
        return f"; pass step={whole}"
    if not isinstance(step, str | datetime.timedelta | pd.DateOffset | np.timedelta64):  # pd.Timedelta is one
        return ""
    try:
        span = pd.tseries.frequencies.to_offset(step) if isinstance(step, str) else step
        end = time[0] + span if isinstance(time, pd.DatetimeIndex) and len(time) else None
    except (ValueError, TypeError):
        return ""
    said = f"; {step!r} is a time span, but step counts the series' rows between two origins"
    k = int(time.searchsorted(end)) if end is not None else 0
    if end is None or k >= len(time) or time[k] != end:
        return f"{said}: give that number of rows"
    return (f"{said}: it spans {k} row{'s' * (k != 1)} of this series ({shown_time(time[0])} to "
            f"{shown_time(time[k])}), step={k}")


def _too_few_rows(n: int, H: int, folds: int, step: int, L: int, m: int | None, auto: bool) -> str:
    """The refusal of folds that leave too few rows before the first origin: the folds that fit the ``n`` rows (and
    the step that keeps ``folds``), or, where not one fits, the lookback or season that is too long for them."""
    need = max(L + H, (m or 1) + 1)  # the rows before the first origin: a fold's training rows
    why = ((f"lookback + horizon = {L} + {H} to train" if not auto else
            "horizon + 1, the least that lookback='auto' trains on") if L + H >= (m or 1) + 1 else
           f"season + 1 = {m} + 1 for the seasonal naive (season_length={m})")
    asked = (f"backtest: {folds} fold{'s' * (folds != 1)} of horizon {H}, {step} step{'s' * (step != 1)} apart, need "
             f"{need + H + (folds - 1) * step} rows ({need} before the first origin: {why}; then {H} + {folds - 1} * "
             f"{step})")
    fit = (n - H - need) // step + 1 if n - H >= need else 0
    if fit >= 1:
        closer = (n - H - need) // (folds - 1) if folds > 1 else 0
        keep = f", or keep {folds} folds, {closer} step{'s' * (closer != 1)} apart: step={closer}" \
            if 1 <= closer < step else ""
        return f"{asked}, but the series has {n} rows; at most {fit} fold{'s' * (fit != 1)} fit: pass folds={fit}{keep}"
    if L + H >= (m or 1) + 1 and not auto and n - 2 * H >= 1:
        fix = f"pass lookback={n - 2 * H} or less (the longest that leaves one fold), or give a longer series"
    elif L + H < (m or 1) + 1 and n - H - 1 >= 1:
        fix = f"pass season_length={n - H - 1} or less (the longest that leaves one fold), or give a longer series"
    else:
        fix = f"give a series of at least {need + H} rows, or a shorter horizon"
    return f"{asked}, but the series has {n} rows, too few for even one fold; {fix}"


def _warn_one_season(m: int, initial: int, n: int, H: int, folds: int, step: int, own: bool) -> None:
    """Warn that the first fold's ``initial`` training rows hold fewer than two seasons of ``m``: MASE's scale (the
    seasonal naive's in-sample MAE) then rests on ``initial - m`` differences, and the seasonal naive repeats the
    one season seen, so both are noisy; ``own``: ``m`` is the forecaster's season_length, not backtest's."""
    given = f"the forecaster's season_length={m}" if own else f"season_length={m}"
    folds_ = f"{folds} fold{'s' * (folds != 1)} of horizon {H}" + (f", {step} steps apart" if step != H else "")
    warnings.warn(f"backtest: {given} is more than half of the first fold's {initial} training rows ({n} rows less "
                  f"{folds_}), so MASE's scale, the seasonal naive's in-sample error, rests on {initial - m} "
                  f"difference{'s' * (initial - m != 1)} one season apart, and the seasonal naive repeats the one "
                  f"season seen: both noisy; give a season of at most {initial // 2} steps (season_length=1 scales "
                  f"by the one-step naive), fewer folds, or more rows", UserWarning, stacklevel=user_stacklevel())


# Forecaster's warning of a series whose last rows are missing (forecaster._warn_missing_end). A fold's training rows
# end where the backtest cuts them, not where the caller's series ends: a gap there (a holiday of a business-day
# grid, a missing week of co2) is a gap inside the series given, which impute fills, and the warning's fix (drop the
# missing rows at the end) cannot be followed. The caller's own fit and predict still warn of a series' own end.
MISSING_AT_CUT = r"Forecaster\.(fit|predict): (target|covariate|known-future covariate) .* is missing at its last"


def backtest(forecaster, data, X=None, *, folds: int = 3, step: int | None = None, season_length: int | None = None,
             expanding: bool = True, targets: Sequence[str] | None = None,
             future_covariates: Sequence[str] | None = None, time_col: str | None = None,
             freq: str | None = None, return_forecasts: bool = False):
    """Rolling-origin evaluation of ``forecaster`` (unfitted parameters suffice; it is not changed): see
    :meth:`rnnkit.forecast.Forecaster.backtest`, which calls this."""
    if getattr(forecaster, "forecasts_panels", False):  # a GlobalForecaster (panel imports this module): as_frame
        # would read its panel as one series and refuse the ids
        H = forecaster.horizon
        raise ValueError(f"backtest evaluates a Forecaster on one series; a GlobalForecaster's panel is evaluated by "
                         f"holding out each series' last horizon ({H}) rows: fit(data.groupby(id_col).head(-{H}), "
                         f"...), then compare predict() with data.groupby(id_col).tail({H})")
    check_freq_kept(freq, data, "backtest")
    if X is not None:  # as fit(y, X): X's columns are known-future covariates, given over each fold's test rows
        data, targets, future_covariates = _join_exogenous(data, X, targets, future_covariates, time_col, "backtest")
    asked, freq = freq, periods_rule(data, time_col, freq)  # periods' own 'M': the grid of their starts, as fit
    frame = as_frame(data, time_col=time_col, freq=freq)
    targets, _, future = _roles(frame, targets, future_covariates)
    warn_bool_targets({None: data} if isinstance(data, pd.Series) else
                      {t: data[t] for t in targets if isinstance(data, pd.DataFrame) and t in data.columns},
                      "backtest", "data")  # each fold fits a frame of floats, which fit cannot tell
    freq_, _ = _regular_step(frame)
    # The season of the baselines and of MASE: given here, else the forecaster's own, else (None) the season
    # that each fold's fit chooses from its training rows.
    m = season_length if season_length is not None else forecaster.season_length
    m = None if m == "auto" else m
    if m is not None and not is_count(m):
        seasons = as_counts(m)
        fix = (f"; MASE's scale and the seasonal naive forecast take one season: give one of {sorted(seasons)}, "
               f"season_length={min(seasons)} (the shortest) or {max(seasons)}" if seasons and len(seasons) > 1 else
               season_length_fix(m)) or count_fix("season_length", m)
        raise ValueError(f"season_length must be an integer >= 1, got {m!r}{fix}")
    H, n = forecaster.horizon, len(frame)
    if not is_count(folds):
        whole = int_meant(folds, 1, text="digits", floats=float)
        raise ValueError(f"backtest: folds must be an integer >= 1 (the number of origins), got {folds!r}"
                         + (f"; pass folds={whole}" if whole is not None else count_fix("folds", folds)))
    if step is not None and not is_count(step):
        raise ValueError(f"backtest: step must be an integer >= 1 (the steps between two origins; default the "
                         f"horizon, {H}), got {step!r}{_step_fix(step, frame.time) or count_fix('step', step)}")
    step = H if step is None else step
    initial = n - H - (folds - 1) * step
    L = 1 if forecaster.lookback == "auto" else forecaster.lookback  # "auto" fits what the rows allow
    if initial < max(L + H, (m or 1) + 1):
        raise ValueError(_too_few_rows(n, H, folds, step, L, m, forecaster.lookback == "auto"))
    if m is not None and initial < 2 * m:
        _warn_one_season(m, initial, n, H, folds, step, season_length is None)
    idx = frame.column_index(targets)
    median = 0 if forecaster.quantiles is None else list(forecaster.quantiles).index(0.5)
    rows, forecasts = [], []
    undefined: dict[str, list] = {}  # target -> the folds whose MASE scale is 0 or NaN
    zeros: dict[str, dict] = {}  # target -> {fold: (origin, the methods forecasting other than 0 at an actual 0)}
    rounded: dict[str, list] = {}  # target -> the folds whose MASE scale may be float32's rounding
    log_dir = getattr(forecaster, "log_dir", None)
    splits = list(rolling_origin(n, initial=initial, test_size=H, step=step, expanding=expanding))
    _check_scored(frame, targets, [test for _, test in splits])
    for k, (train_rows, test_rows) in enumerate(splits):
        past = _take(frame, train_rows)
        model = clone(forecaster)
        if log_dir is not None:  # a log_dir each: folds sharing one would replace each other's checkpoint
            model.set_params(log_dir=os.path.join(log_dir, "backtest", f"fold_{k}"))
        with warnings.catch_warnings():  # a fold ending on a gap (a holiday on freq='B') is the cut's, not the data's
            warnings.filterwarnings("ignore", message=MISSING_AT_CUT)
            model.fit(past, targets=targets, future_covariates=future)
        m_fold = m if m is not None else model.season_length_  # at most half the fold's rows: its rule's check
        known = pd.DataFrame(frame.values[test_rows.start : test_rows.stop], columns=frame.columns,
                             index=_future_index(past, freq_, H)) if future else None
        if future:  # named by fold here, where predict would name a future=... the caller never gave
            at = model._as_periods(known.index)
            seen = past.values[:, past.column_index(future)]  # (T, n_f)
            check_learned_covariates(known[list(future)].to_numpy(np.float64), seen, future, at,
                                     name="X" if X is not None else "data", rows="training rows",
                                     who=f"backtest: fold {k} (origin {shown_time(at[0])}): ",
                                     fix="use fewer folds, whose training rows see {column!r} vary, or drop it")
        with warnings.catch_warnings():  # a mostly-0 target's band: the folds score the median, not the band
            warnings.filterwarnings("ignore", message=r"Forecaster\.predict: .* is 0 at \d+ % of its observed")
            warnings.filterwarnings("ignore", message=MISSING_AT_CUT)
            predicted = model.predict(data=past, future=known).to_numpy()  # (H, n_y) or (H, n_y * n_q)
        history = pd.DataFrame(past.values[:, idx]).ffill().bfill().to_numpy()  # (T, n_y), gaps filled
        preds = {
            "forecaster": predicted.reshape(H, len(targets), -1)[..., median],  # (H, n_y)
            "naive": naive(history, H),
            "seasonal_naive": seasonal_naive(history, H, m_fold),
        }
        actual = frame.values[test_rows.start : test_rows.stop, idx]  # (H, n_y)
        scale = mase_scale(past.values[:, idx], m_fold, warn=False)
        origin = frame.time[test_rows.start] if frame.time is not None else test_rows.start
        for j in unscaled(scale):
            undefined.setdefault(targets[j], []).append((k, origin, m_fold, scale[j]))
        for j in float32_rounded(past.values[:, idx], scale):
            rounded.setdefault(targets[j], []).append((k, origin, _rounding_why(past.values[:, idx], scale, j)))
        for method, pred in preds.items():
            for j in np.flatnonzero(_zero_steps(actual, pred).any(axis=0)):
                zeros.setdefault(targets[j], {}).setdefault(k, (origin, set()))[1].add(method)
        rows.append({(metric, method): value for method, pred in preds.items()
                     for metric, value in errors(actual, pred, scale, warn=False).items()} | {"origin": origin})
        if return_forecasts:
            times = frame.time[test_rows.start : test_rows.stop] if frame.time is not None else test_rows
            for j, target in enumerate(targets):
                columns = {"origin": origin, "target": target, **{k: v[:, j] for k, v in preds.items()},
                           "actual": actual[:, j]}
                forecasts.append(pd.DataFrame(columns, index=pd.Index(times, name="time")))
    _warn_unscaled(undefined)
    _warn_zero_folds(zeros)
    for target, found in rounded.items():  # once per target: its first fold's scale, and the folds
        shown = ", ".join(f"{k} ({shown_time(origin)})" for k, origin, _ in found)
        warnings.warn(f"backtest: MASE's scale for {target!r} at fold(s) {shown} may be float32's rounding: at fold "
                      f"{found[0][0]} the scale {found[0][2]}; {FLOAT32_FIX}", UserWarning,
                      stacklevel=user_stacklevel())
    period = _given_periods(data, time_col, freq, frame, freq_, asked)  # as Forecaster.fit
    given = data[time_col] if time_col is not None and isinstance(data, pd.DataFrame) else getattr(data, "index", None)
    form = given_text(given, frame)

    def as_given(times: pd.Index, name: str) -> pd.Index:
        """Times as the data gave them: periods in, periods out, as predict; text in its form (years '1990');
        whole numbers as integers."""
        if period is not None:
            return pd.DatetimeIndex(times).to_period(period).rename(name)
        if form is not None:
            return as_text(pd.DatetimeIndex(times), form).rename(name)
        if frame.time is not None and not isinstance(frame.time, pd.DatetimeIndex):
            return _numeric_index(np.asarray(times, dtype=np.float64), frame).rename(name)
        return pd.Index(times, name=name)

    table = pd.DataFrame(rows).set_index("origin")
    table.index = as_given(table.index, "origin")
    table.columns = pd.MultiIndex.from_tuples(table.columns, names=["metric", "method"])
    table = table[[(metric, method) for metric in METRICS for method in METHODS]]
    if not return_forecasts:
        return table
    out = pd.concat(forecasts)
    out.index = as_given(out.index, "time")
    out["origin"] = as_given(pd.Index(out["origin"]), "origin").to_numpy()
    return table, out
