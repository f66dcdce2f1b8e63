"""The Forecaster as an sktime forecaster, so that sktime's tools (``evaluate``, its splitters and metrics,
pipelines, ``check_estimator``) run on it.

:class:`RnnkitForecaster` is a :class:`sktime.forecasting.base.BaseForecaster` around
:class:`~rnnkit.forecast.Forecaster`: ``fit(y, X=None, fh=...)`` fits one for the horizon ``max(fh)`` (the
network predicts every step up to it at once, so the horizon is needed at fit), ``predict(fh, X=None)``
returns the steps of ``fh`` indexed as sktime indexes them (``fh`` made absolute from the cutoff: the index
type of ``y`` is kept, Period, Datetime or integer). ``X`` holds columns known over the horizon (the
Forecaster's known-future covariates). After ``update(y_new, update_params=False)`` the forecasts start from
the end of every value seen, without refitting. sktime is imported by this module only.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import pandas as pd
from sktime.forecasting.base import BaseForecaster

from ..checks import is_number_text
from ..data.timeseries import TimeSeriesFrame
from .forecaster import Forecaster, ShortSeries, printed_float
from .series import _missing_business_days, _regular_step, shown_time, text_form


def _check_order(**data) -> None:
    """ValueError unless each pandas input's index is in increasing time order without repeats (sktime's own
    check refuses such an index with a message about the data's type)."""
    for name, value in data.items():
        index = getattr(value, "index", None)
        if isinstance(index, pd.MultiIndex):
            _check_panel_order(name, index)
            continue
        if not isinstance(index, pd.Index) or len(index) < 2:
            continue
        if index.is_monotonic_increasing and index.is_unique:
            continue
        if index.has_duplicates:
            raise ValueError(f"{name}'s index repeats {index[index.duplicated()][0]!r}; give each time one row")
        try:
            i = int(np.flatnonzero(index[1:] < index[:-1])[0]) + 1
        except (TypeError, IndexError):  # an index of mixed or unordered types: sktime says what it takes
            continue
        raise ValueError(f"{name}'s index is not in time order: {index[i]!r} at row {i} comes after "
                         f"{index[i - 1]!r}; sort it ({name}.sort_index()) so that each row is read at its time")


def _check_panel_order(name: str, index: pd.MultiIndex) -> None:
    """ValueError naming the series and the time of a panel's first repeated (series, time) row, or of the first
    time out of order within a series: sktime refuses the first per series without naming the series, the second
    with a message about the data's type. The series may come in any order."""
    if index.has_duplicates:
        raise ValueError(f"{name}'s index repeats {index[index.duplicated()][0]!r} (series, time); give each time of "
                         "a series one row")
    times = index.get_level_values(-1)
    series = pd.Series(np.arange(len(index))).groupby(list(index.codes[:-1]), sort=False)
    for rows in series.indices.values():
        t = times[np.sort(rows)]
        try:
            later = np.flatnonzero(t[1:] < t[:-1])
        except TypeError:  # times of mixed kinds: sktime says what it takes
            return
        if len(later):
            i = np.sort(rows)[later[0] + 1]
            raise ValueError(f"{name}'s index is not in time order within a series: {index[i]!r} at row {i} comes "
                             f"after {index[np.sort(rows)[later[0]]]!r}; sort it ({name}.sort_index()) so that each "
                             "row is read at its time")


# how to make times written as text an index sktime reads (text_form's forms), and the periods they are
_AS_PERIODS = {"%Y": "Y", "%Y-%m": "M", "%YQ%q": "Q"}


def _check_text_index(y) -> None:
    """ValueError for ``y`` indexed by text (years read from a CSV, ``'1960'``, ...), which sktime refuses with a
    message that names its data formats, saying how to give the times as periods or dates."""
    index = getattr(y, "index", None)
    if not isinstance(index, pd.Index) or isinstance(index, pd.MultiIndex) or not len(index) or \
            not all(isinstance(v, str) for v in index):
        return
    form = text_form(index)
    fix = (f"y.index = pd.PeriodIndex(y.index, freq={_AS_PERIODS[form]!r})" if form in _AS_PERIODS else
           "y.index = pd.DatetimeIndex(y.index)" if form is not None else
           "y.index = pd.to_datetime(y.index, format=...)")
    raise ValueError(f"RnnkitForecaster.fit: y's index holds text ({index[0]!r}, ...), which sktime does not read as "
                     f"times; give them as {'periods' if form in _AS_PERIODS else 'dates'} ({fix}), and forecasts "
                     "come back alike, or use rnnkit.Forecaster, which reads times written so and forecasts in "
                     "their form")


def _check_float_index(y) -> None:
    """ValueError for ``y`` indexed by floats (years as statsmodels' data give them, 1700.0, ...), which sktime
    takes for no time index (its message names its data formats), saying how to give them."""
    index = getattr(y, "index", None)
    if not isinstance(index, pd.Index) or isinstance(index, pd.MultiIndex) or index.dtype.kind != "f" or not len(index):
        return
    values = index.to_numpy()
    shown = ", ".join(repr(float(v)) for v in values[:3]) + (", ..." if len(values) > 3 else "")
    if np.isfinite(values).all() and (values == np.round(values)).all():
        raise ValueError(f"RnnkitForecaster.fit: y's index holds floats ({shown}), which sktime reads as no time "
                         "index; whole numbers (years?) as integers: y.index = y.index.astype(int) (or years as "
                         "periods: y.index = pd.PeriodIndex(y.index.astype(int), freq='Y'))")
    raise ValueError(f"RnnkitForecaster.fit: y's index holds floats ({shown}), which sktime reads as no time index; "
                     "give an integer, period or datetime index, or use rnnkit.Forecaster, which forecasts along "
                     "numeric times")


def _check_business_days(y) -> None:
    """ValueError for ``y`` on business days with some missing (stock prices: the holidays), which the Forecaster
    reads with ``freq='B'``, an option this adapter has not (sktime tells the next dates by ``y``'s own index): the
    advice puts ``y`` on the business-day grid, as sktime needs it."""
    index = getattr(y, "index", None)
    if not isinstance(index, pd.DatetimeIndex) or index.freq is not None or len(index) < 3 or \
            not index.is_monotonic_increasing or pd.infer_freq(index) is not None:
        return
    missing = _missing_business_days(index)
    if missing is not None:
        raise ValueError(f"RnnkitForecaster.fit: y's dates are business days with {len(missing)} missing (the first "
                         f"{missing[0].date()}, a holiday?), so the next dates cannot be told; put y on the "
                         "business-day grid first, y.asfreq('B').ffill() (each missing day takes the value of the day "
                         "before; the forecasts are then dated on business days, holidays included)")


def _check_even(y) -> None:
    """ValueError for ``y`` on uneven dates (a gap, months on the 15th, local midnights in UTC) with the adapter's
    own fix: the Forecaster's advice to pass ``freq=`` names an option this adapter has not (sktime tells the
    next dates by ``y``'s own index), so ``y`` is to be put on a grid before ``fit``."""
    index = getattr(y, "index", None)
    if not isinstance(index, pd.DatetimeIndex) or index.freq is not None or len(index) < 3 or \
            not index.is_monotonic_increasing or not index.is_unique or pd.infer_freq(index) is not None:
        return
    grid = pd.infer_freq(index[:3])
    fill = (f"y.asfreq({grid!r}).interpolate()" if grid is not None else
            "y.resample('h').mean().interpolate(), with your step for 'h'")
    frame = TimeSeriesFrame(np.zeros((len(index), 1)), columns=("y",), time=index,
                            time_name="index" if index.name is None else str(index.name))
    try:
        _regular_step(frame, fix=f"put y on a regular grid first, {fill} (sktime's forecasters take no missing "
                      "values: each missing step is filled between its neighbours)", business=None, holder="y")
    except ValueError as e:
        raise ValueError(f"RnnkitForecaster.fit: {e}") from None


def _check_covers(who: str, y, X) -> None:
    """ValueError naming the first time of ``y`` that ``X`` has no row for (a row dropped, ``X`` shifted or indexed
    by another kind of time), which sktime refuses saying only that indices "are not contained"."""
    if not isinstance(y, pd.Series | pd.DataFrame) or not isinstance(X, pd.Series | pd.DataFrame):
        return
    if isinstance(y.index, pd.MultiIndex) and isinstance(X.index, pd.MultiIndex) and \
            y.index.nlevels == X.index.nlevels:  # a panel: sktime fits each series of y with its own rows of X
        series = _instances(y.index)
        bare = series[~series.isin(_instances(X.index))]
        if len(bare):
            shown = ", ".join(repr(k) for k in bare[:4]) + (", ..." if len(bare) > 4 else "")
            raise ValueError(f"{who}: X has no rows for {len(bare)} of y's {len(series)} series ({shown}), and "
                             "sktime fits each series with its own rows of X: it would fit only the series X covers "
                             "and drop the others; give X rows for every series of y (e.g. the column at 0 for the "
                             "series it does not apply to)")
        return
    if isinstance(y.index, pd.MultiIndex) or isinstance(X.index, pd.MultiIndex):
        return
    if isinstance(X, pd.DataFrame) and not all(pd.api.types.is_numeric_dtype(d) for d in X.dtypes):
        return  # sktime refuses categorical X first, by its type (its checks expect that TypeError)
    lacking = np.flatnonzero(~y.index.isin(X.index))
    if not len(lacking):
        return
    i = int(lacking[0])
    kinds = ("" if y.index.inferred_type == X.index.inferred_type else
             f"; y's times are {y.index.inferred_type}, X's {X.index.inferred_type}")
    raise ValueError(f"{who}: X has no row for {len(lacking)} of y's {len(y)} times (the first "
                     f"{shown_time(y.index[i])}, row {i} of y{kinds}); X gives its columns at each time of y: "
                     "index X by y's times (X.reindex(y.index) shows the missing rows as NaN, to fill)")


def _check_ahead(y, fh) -> None:
    """NotImplementedError, as sktime's contract has it for a forecaster without in-sample forecasts, where fit's
    ``fh`` names steps at or before the end of ``y`` (one series), saying what gives forecasts of past times:
    sktime's own refusal names no way to them. A horizon sktime cannot read against ``y``'s end is left to it."""
    from sktime.forecasting.base import ForecastingHorizon

    if fh is None or not isinstance(y, pd.Series | pd.DataFrame) or isinstance(y.index, pd.MultiIndex) or not len(y):
        return
    try:
        fh = fh if isinstance(fh, ForecastingHorizon) else ForecastingHorizon(fh)
        ahead = np.asarray(fh.to_relative(y.index[-1:]).to_numpy())
    except (TypeError, ValueError, AttributeError):  # times of another kind, an index without a frequency
        return
    past = np.flatnonzero(ahead < 1)
    if not len(past):
        return
    given = [shown_time(t) if isinstance(t, pd.Timestamp | pd.Period) else int(t)
             for t in fh.to_pandas()[past][:3]]
    shown = ", ".join(map(str, given)) + (", ..." if len(past) > 3 else "")
    raise NotImplementedError(
        f"RnnkitForecaster.fit: fh holds {shown}, at or before y's end {shown_time(y.index[-1])} (in-sample), and "
        "the model forecasts only after its cutoff: fit with steps ahead (fh=[1, 2, ...]); for what it forecasts at "
        "past times, fit, then forecaster_.historical_forecasts() (the fitted model's forecasts from every origin "
        "of y), or rnnkit.forecast.backtest(forecaster_, y) (refitted on the past of each origin)")


def _check_fh_steps(who: str, fh) -> None:
    """ValueError for ``fh`` given as steps ahead that are floats or text (``3.0``, ``np.arange(1.0, 4.0)``, a float
    column's values, ``'3'``), which sktime refuses with a list of the types it takes: the steps to give, as
    integers, or, for a fraction of a step, that steps are whole."""
    values = fh.tolist() if isinstance(fh, np.ndarray | pd.Index) else fh
    values = list(values) if isinstance(values, list | tuple) else [values]
    if not values or not all(isinstance(v, str) or isinstance(v, numbers.Real) and not isinstance(v, bool)
                             for v in values) or all(isinstance(v, numbers.Integral) for v in values):
        return
    steps = [float(v) if isinstance(v, numbers.Real) or is_number_text(v) else None for v in values]
    shown = ", ".join(repr(v) for v in values[:4]) + (", ..." if len(values) > 4 else "")
    kind = "text" if any(isinstance(v, str) for v in values) else "float"
    if any(v is None or not np.isfinite(v) for v in steps):
        fix = "give the steps ahead as integers, fh=[1, 2, ...]" + (
            ", or times as times (fh=pd.to_datetime(fh))" if kind == "text" else "")
    elif all(v.is_integer() for v in steps):
        ints = [int(v) for v in steps]
        one = len(ints) == 1 and not isinstance(fh, list | tuple | np.ndarray | pd.Index)
        fix = f"give them as integers, fh={ints[0] if one else ints}"
    else:
        fix = ("the steps ahead are whole steps of y's grid: give integers, fh=[1, 2, ...], or resample y to a finer "
               "grid (y.resample(...)) for times between its steps")
    raise ValueError(f"{who}: fh holds {shown} ({kind}), and sktime reads steps ahead as integers; {fix}")


def _check_fh_times(y, fh) -> None:
    """ValueError for fit's absolute ``fh`` whose times are of another kind than ``y``'s index (timestamps for
    periods, periods for integers, integers for dates), which sktime fails on with a bare AssertionError or a
    TypeError, or in another time zone than ``y``'s, whose clock times sktime would compare with ``y``'s and not the
    instants (a UTC time refused as in-sample where it is the first step ahead in ``y``'s zone)."""
    from sktime.forecasting.base import ForecastingHorizon

    index = getattr(y, "index", None)
    if fh is None or not isinstance(index, pd.Index) or isinstance(index, pd.MultiIndex) or not len(index):
        return
    if isinstance(fh, ForecastingHorizon):
        if fh.is_relative:
            return
        times, spelt = fh.to_pandas(), "fh.to_pandas()"
    elif isinstance(fh, pd.DatetimeIndex | pd.PeriodIndex):
        times, spelt = fh, "fh"
    else:
        return  # steps ahead
    kind = lambda i: ("periods" if isinstance(i, pd.PeriodIndex) else "timestamps" if isinstance(i, pd.DatetimeIndex)
                      else "integers" if pd.api.types.is_integer_dtype(i.dtype) else None)
    given, own = kind(times), kind(index)
    if given is None or own is None or not len(times):
        return  # other kinds: sktime's own checks answer
    again = lambda t: f"fh = ForecastingHorizon({t}, is_relative=False)"
    if given != own:
        fix = (again(f"{spelt}.to_period({index.freqstr!r})") if own == "periods" and given == "timestamps" else
               again(f"{spelt}.to_timestamp()") if own == "timestamps" and given == "periods" else
               f"give fh as y's {own} after its end")
        raise ValueError(f"RnnkitForecaster.fit: fh holds {given} ({shown_time(times[0])}, ...), but y is indexed by "
                         f"{own} ({shown_time(index[-1])} last), and sktime reads fh against y's end; {fix}, or give "
                         "the steps ahead, fh=[1, 2, ...]")
    if given == "periods" and times.freqstr != index.freqstr:
        raise ValueError(f"RnnkitForecaster.fit: fh holds periods of frequency {times.freqstr!r} "
                         f"({shown_time(times[0])}, ...), but y's periods are {index.freqstr!r} "
                         f"({shown_time(index[-1])} last), and sktime counts fh in y's periods; give fh periods of "
                         f"y's frequency, or the steps ahead, fh=[1, 2, ...]")
    if given == "timestamps" and str(times.tz) != str(index.tz):
        if index.tz is None:
            fix = f"give fh y's clock times, without a zone: {again(f'{spelt}.tz_localize(None)')}"
        elif times.tz is None:
            fix = f"give fh y's zone: {again(f'{spelt}.tz_localize({str(index.tz)!r})')}"
        else:
            fix = f"give fh the same instants in y's zone: {again(f'{spelt}.tz_convert({str(index.tz)!r})')}"
        zone = lambda tz: "no time zone" if tz is None else f"time zone {tz}"
        raise ValueError(f"RnnkitForecaster.fit: fh's times ({shown_time(times[0])}, ...) are in {zone(times.tz)} and "
                         f"y's ({shown_time(index[-1])} last) in {zone(index.tz)}, and sktime compares their clock "
                         f"times, not the instants; {fix}")


def _check_time_last(who: str, **data) -> None:
    """ValueError for a panel indexed (time, series) rather than (series, time): sktime reads the last level of a
    MultiIndex as the time (its own refusal names its data formats, not the level order)."""
    for name, value in data.items():
        index = getattr(value, "index", None)
        if not isinstance(index, pd.MultiIndex):
            continue
        timed = [isinstance(level, pd.PeriodIndex | pd.DatetimeIndex) for level in index.levels]
        if timed[-1] or not any(timed):
            continue
        t = timed.index(True)
        names = [str(n) if n is not None else f"level {i}" for i, n in enumerate(index.names)]
        order = [i for i in range(index.nlevels) if i != t] + [t]
        fix = (f"{name}.swaplevel().sort_index()" if index.nlevels == 2 else
               f"{name}.reorder_levels({order}).sort_index()")
        raise ValueError(f"{who}: {name}'s index has the times in its level {names[t]!r} (level {t}) and "
                         f"{names[-1]!r} last, but sktime reads the last level of a MultiIndex as the time and the "
                         f"others as the series ids; put the times last: {name} = {fix}")


def _instances(index: pd.MultiIndex) -> pd.Index:
    """The series ids of a panel's MultiIndex (every level but the last, the time), in their order of appearance."""
    return index.droplevel(-1).unique()


def _short_series(y, e: ShortSeries) -> str:
    """The refusal of a panel ``y`` some of whose series have fewer rows than the window of ``e.needed`` steps
    that one of them was refused for, naming each by its id and length."""
    sizes = y.groupby(level=list(range(y.index.nlevels - 1)), sort=False).size()
    short = sizes[sizes < e.needed]
    if short.empty:  # lookback="auto" gave that series a longer window than the others': its own refusal
        short = sizes[sizes == e.rows]
    ids = short.index.tolist()
    shown = ", ".join(f"{k!r} ({n} rows)" for k, n in short.iloc[:6].items()) + (", ..." if len(short) > 6 else "")
    return (f"RnnkitForecaster.fit: {len(short)} of y's {len(sizes)} series have fewer rows than one window of "
            f"lookback + horizon = {e.needed} steps: {shown}; drop them (y.drop(index={ids[:6]!r}, level=0)), "
            "shorten lookback or fh, or use model='auto', which forecasts short series by the naive and drift "
            "forecasts")


def _check_fractions(who: str, name: str, given) -> None:
    """ValueError for a coverage or quantile level given as a percentage (``coverage=80``), which sktime refuses
    as an int with "'int' object is not iterable" or as "a list of floats", and as a float naming no fix."""
    values = [given] if isinstance(given, numbers.Real | str) else given if isinstance(given, list | tuple) else []
    if all(isinstance(v, numbers.Real) and 0 < v < 1 for v in values):
        return
    bad = next(v for v in values if not (isinstance(v, numbers.Real) and 0 < v < 1))
    fix = (f"; {bad!r} reads as a percentage: give {name}={_as_fractions(given)!r}"
           if isinstance(bad, numbers.Real) and 1 < bad < 100 else "")
    if isinstance(bad, str) and is_number_text(bad):  # a level read from a file or a command line
        as_number = lambda v: float(v) if isinstance(v, str) and is_number_text(v) else v
        numbers_ = as_number(given) if isinstance(given, str) else [as_number(v) for v in given]
        fix = f"; {bad!r} is text: give the number{'s' * isinstance(numbers_, list)}, {name}={numbers_!r}"
    example = "coverage=0.8: an 80% interval" if name == "coverage" else "alpha=0.1: the 10% quantile"
    raise ValueError(f"RnnkitForecaster.{who}: {name} holds {bad!r}, and every {name} is a fraction in (0, 1) "
                     f"({example}){fix}")


def _as_levels(given):
    """``given`` as Python numbers: a pandas Series or Index and a numpy array (of floats or of integers, as
    ``np.array([80, 90])``) as a list, numpy's integers as ints, and float32 levels (a scalar or an array, as a
    float32 config or tensor gives them) as the Python floats they print as (``np.float32(0.8)`` as 0.8): sktime
    iterates a numpy scalar and fails, checks an array of percentages naming no fix, and a level read at float32's
    precision (0.800000012) asks for quantiles (0.099999994) no model was fitted for."""
    if isinstance(given, pd.Series | pd.Index):  # sktime checks these by value, naming no fix for 80
        given = given.to_numpy()
    if isinstance(given, np.ndarray) and given.ndim <= 1 and given.dtype.kind in "fiu":
        return [float(printed_float(v)) if given.dtype.kind == "f" else int(v) for v in given.reshape(-1)]
    if isinstance(given, np.floating):
        return float(printed_float(given))
    if isinstance(given, np.integer):
        return int(given)
    if isinstance(given, list | tuple):
        return [printed_float(v) for v in given]
    return given


def _as_fractions(given):
    """``given`` with each number above 1 read as a percentage."""
    one = (lambda v: round(v / 100, 9) if isinstance(v, numbers.Real) and v > 1 else v)
    return one(given) if isinstance(given, numbers.Real) else [one(v) for v in given]


def _check_observed(who: str, **data) -> None:
    """ValueError naming the first missing value (NaN) of ``y`` or ``X`` (fit's, update's, or predict's known future
    ``X``), and how to fill it: sktime's own refusal names neither the time nor a fix, and the Forecaster's
    imputation is not offered through sktime."""
    for name, value in data.items():
        if not isinstance(value, pd.Series | pd.DataFrame):
            continue
        missing = value.isna().to_numpy().reshape(len(value), -1)
        if not missing.any():
            continue
        i, j = (int(k) for k in np.argwhere(missing)[0])
        column = "" if isinstance(value, pd.Series) else f" column {str(value.columns[j])!r}"
        raise ValueError(f"{who}: {name}{column} is missing (NaN) at {shown_time(value.index[i])} (row {i}; "
                         f"{int(missing.sum())} missing in all), and sktime's forecasters take no missing values; "
                         f"fill them first ({name}.interpolate(), or {name}.ffill() to carry the last value)" +
                         (", or use rnnkit.Forecaster, which fills them itself (impute='ffill')"
                          if who.endswith(("fit", "update")) else ", with the values the forecast is to assume there"))


def _check_same_columns(who: str, **data) -> None:
    """ValueError where a DataFrame given to ``update`` (``name=(given, seen)``, ``seen``: the values seen so far)
    holds other columns than those seen: sktime appends a new column beside the old ones (NaN where either has no
    values), and hands each column of ``y`` to the forecaster fitted on the column at that place, so a renamed
    column of ``y`` would extend another column's model and label its forecasts with the new name."""
    for name, (given, seen) in data.items():
        if not isinstance(given, pd.DataFrame) or not isinstance(seen, pd.DataFrame):
            continue
        new, fitted = list(given.columns), list(seen.columns)
        if set(new) == set(fitted):
            continue
        shown = lambda cols: [str(c) if isinstance(c, np.str_) else c for c in cols]
        lacks, other = shown([c for c in fitted if c not in new]), shown([c for c in new if c not in fitted])
        fix = (f"{name}.rename(columns={dict(zip(other, lacks, strict=True))!r})" if lacks and len(lacks) == len(other)
               else f"{name}[{shown(fitted)!r}]" if not lacks else f"{name} with the columns {shown(fitted)}")
        what = ("each fitted column's model needs its new values" if name == "y" and not other else
                "the model of each column of y reads the new values by place, so a renamed column would extend "
                "another column's model and be labelled by the new name" if name == "y" else
                "sktime would keep them beside the fitted ones, read as missing (NaN) where either has no values")
        raise ValueError(f"{who}: {name}'s columns {shown(new)} are not those seen at fit ({shown(fitted)}): "
                         + ", ".join(part for part in (f"{lacks} missing" if lacks else "",
                                                       f"{other} not seen" if other else "") if part)
                         + f"; {what}; give the fitted columns, {fix} (a new column needs a new fit)")


def _in_columns_of(data, seen):
    """``data`` (a DataFrame given to ``update``) with its columns in the order of ``seen`` (the values seen so far,
    in fit's order) where it holds the same columns in another order: sktime hands each column of a multivariate
    ``y`` to the forecaster fitted on the column at that place, so ``y[['b', 'a']]`` would extend the forecaster of
    ``a`` with ``b``'s values (and the forecasts be labelled by the new order), and ``X``'s columns are read in
    fit's order. Read after :func:`_check_same_columns`, which refuses other columns."""
    if not isinstance(data, pd.DataFrame) or not isinstance(seen, pd.DataFrame):
        return data
    given, fitted = list(data.columns), list(seen.columns)
    if given == fitted or len(given) != len(fitted):
        return data
    return data[seen.columns]


class RnnkitForecaster(BaseForecaster):
    """An rnnkit :class:`~rnnkit.forecast.Forecaster` (direct multi-output recurrent model) for sktime.

    Args (the Forecaster's, keyword-only; its other parameters keep their defaults): ``model`` (``"auto"``,
    ``"direct"`` or ``"hybrid"``), ``cell``, ``lookback``,
    ``season_length``, ``relative`` (``"auto"``: chosen from the data, see :mod:`rnnkit.forecast.defaults`),
    ``hidden_size``, ``num_layers``, ``max_epochs``, ``batch_size``, ``lr``, ``random_state``, ``device``,
    ``quantiles`` (levels in (0, 1) with 0.5, e.g. ``[0.1, 0.5, 0.9]``: ``predict_quantiles`` and
    ``predict_interval`` give those levels, the point forecast is the median; None: points only).

    Fitted attributes: ``forecaster_`` (the fitted :class:`~rnnkit.forecast.Forecaster`).
    Univariate ``y``; in-sample forecasts (``fh`` <= 0) are not made: the model forecasts ahead of its cutoff.

    Examples:
        >>> from sktime.datasets import load_airline
        >>> from rnnkit.forecast.sktime import RnnkitForecaster
        >>> y = load_airline()
        >>> f = RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(y, fh=[1, 2, 3])
        >>> f.predict().index.tolist()
        [Period('1961-01', 'M'), Period('1961-02', 'M'), Period('1961-03', 'M')]
        >>> f.forecaster_.season_length_, f.forecaster_.lookback_, f.forecaster_.relative_
        (12, 24, True)
    """

    _tags = {
        "authors": ["rnnkit"],
        "y_inner_mtype": "pd.Series",
        "X_inner_mtype": "pd.DataFrame",
        "scitype:y": "univariate",
        "capability:exogenous": True,
        "capability:random_state": True,
        "capability:insample": False,
        "capability:pred_int": False,
        "capability:missing_values": False,
        "capability:categorical_in_X": False,
        "requires-fh-in-fit": True,
        "X-y-must-have-same-index": True,
        "python_dependencies": ["torch", "lightning"],
    }
    # predict starts from every value seen (fit and updates): keep them, also after sktime 1.3's default change
    _config = {**BaseForecaster._config, "remember_data": True}

    def __init__(self, *, model="auto", cell="lstm", lookback="auto", season_length="auto", relative="auto",
                 hidden_size=32, num_layers=1, max_epochs="auto", batch_size=32, lr=5e-3, random_state=None,
                 device="cpu", quantiles=None):
        self.model = model
        self.cell = cell
        self.lookback = lookback
        self.season_length = season_length
        self.relative = relative
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.random_state = random_state
        self.device = device
        self.quantiles = quantiles
        with warnings.catch_warnings():  # sktime's notice that remember_data's default will change: this adapter
            # sets it explicitly, as the notice asks, and needs it (see _check_remembers)
            warnings.filterwarnings("ignore", message="The default of config ``remember_data``", category=FutureWarning)
            super().__init__()
        # the quantile levels the Forecaster fits (pinball loss; model="auto": its conformal band) are the ones
        # predict_quantiles and predict_interval can give
        self.set_tags(**{"capability:pred_int": quantiles is not None})

    def _check_remembers(self, who: str) -> None:
        """ValueError under ``set_config(remember_data=False)``: predict forecasts from the last values seen (fit
        and updates), which sktime then no longer keeps, so it would crash or forecast from stale values."""
        if not self.get_config()["remember_data"]:
            raise ValueError(f"RnnkitForecaster.{who}: remember_data=False is not supported: the forecasts start from "
                             "the last values seen (fit and updates), which sktime keeps only with remember_data=True; "
                             "set_config(remember_data=True)")

    def _steps(self, fh) -> np.ndarray:
        """The rows ahead of the cutoff that ``fh`` names. sktime counts an integer ``fh`` in units of the
        integer index, so on an index that advances by ``k`` per row (``0, 5, 10, ...``) the next row is
        ``fh = k``: other values fall between rows and are refused. Time spans (``pd.to_timedelta([1, 2],
        unit='D')``, relative to the cutoff) are read as the times they reach, which must be steps of y's grid (as
        the integers they are, seconds, they would be read as that many steps)."""
        asked = fh.to_pandas()
        spans = asked if fh.is_relative and isinstance(asked, pd.TimedeltaIndex) else None
        if spans is not None:
            fh = type(fh)(fh.to_absolute_index(self.cutoff), is_relative=False)
        relative = fh.to_relative(self.cutoff)
        ahead = np.asarray(relative.to_numpy(), dtype=np.int64)
        cutoff = self.cutoff[0] if isinstance(self.cutoff, pd.Index) and len(self.cutoff) == 1 else self.cutoff
        if not fh.is_relative:  # sktime rounds a time between two steps to a step: refuse it rather than relabel
            given, steps = fh.to_pandas(), relative.to_absolute_index(self.cutoff)
            off = np.flatnonzero(np.asarray(given != steps))
            if len(off):
                grid = ", ".join(str(t) for t in type(fh)([1, 2], is_relative=True).to_absolute_index(self.cutoff))
                held = given[off[0]] if spans is None else f"the span {spans[off[0]]}, which reaches {given[off[0]]}"
                raise ValueError(f"RnnkitForecaster: fh holds {held}, which is not a time of y's grid: the steps after "
                                 f"the cutoff {cutoff} are {grid}, ...; pass times of that grid, or steps ahead "
                                 "(fh=[1, 2, ...])")
        if (ahead < 1).any():
            raise ValueError(f"RnnkitForecaster forecasts ahead of the cutoff {cutoff}: fh must be >= 1 steps "
                             f"ahead, got {list(ahead)}")
        k = self._index_step_
        if k != 1 and (ahead % k).any():
            raise ValueError(f"y's integer index advances by {k} per row, so the rows after the cutoff "
                             f"{cutoff} are fh = {k}, {2 * k}, ... ahead; fh {ahead.tolist()} falls between "
                             f"rows: pass multiples of {k}, or index y by row numbers (y.reset_index(drop=True))")
        return ahead // k

    def fit(self, y, X=None, fh=None):
        self._check_remembers("fit")
        index = getattr(y, "index", None)
        if isinstance(X, np.ndarray) and isinstance(index, pd.Index) and not isinstance(index, pd.MultiIndex) and \
                not index.equals(pd.RangeIndex(len(index))):  # sktime indexes an array by row numbers
            names = [f"x{j}" for j in range(X.shape[1])] if X.ndim == 2 else ["x0"]
            raise ValueError(f"RnnkitForecaster.fit: X is a numpy array of shape {X.shape}, which sktime indexes by "
                             f"row numbers, not by y's times ({shown_time(index[0])} .. {shown_time(index[-1])}); "
                             f"give a DataFrame on y's index, with names for its columns: X = pd.DataFrame(X, "
                             f"index=y.index, columns={names!r})")
        _check_float_index(y)
        _check_text_index(y)
        _check_order(y=y, X=X)
        _check_time_last("RnnkitForecaster.fit", y=y, X=X)
        _check_covers("RnnkitForecaster.fit", y, X)
        _check_business_days(y)
        _check_even(y)
        _check_observed("RnnkitForecaster.fit", y=y, X=X)
        _check_fh_steps("RnnkitForecaster.fit", fh)
        _check_fh_times(y, fh)
        _check_ahead(y, fh)
        try:
            return super().fit(y, X=X, fh=fh)
        except ShortSeries as e:  # sktime fits a panel series by series: name every short one, with its id
            if not isinstance(getattr(y, "index", None), pd.MultiIndex):
                raise
            raise ValueError(_short_series(y, e)) from None

    def predict(self, fh=None, X=None):
        self._check_remembers("predict")
        self._check_X_array("predict", X)
        _check_order(X=X)
        _check_observed("RnnkitForecaster.predict", X=X)
        return super().predict(fh=self._fitted_fh("predict", fh), X=X)

    def _fitted_fh(self, who: str, fh):
        """``fh`` given to a predict method, as the fitted one where it names the same steps (sktime compares the
        two as given, so fit's times given as an absolute horizon, or fit's steps in another order, were refused
        as "a different forecasting horizon"); a ValueError naming fit's ``fh``, and what gives the asked steps,
        where it names others (steps at or before the cutoff, steps not fitted, times of another frequency),
        which sktime refused with "re-fit" or "Frequencies from two sources do not coincide". A panel's
        forecasters (one per series, each with its own cutoff) are left to sktime."""
        from sktime.forecasting.base import ForecastingHorizon

        if fh is not None:
            _check_fh_steps(f"RnnkitForecaster.{who}", fh)
        if fh is None or not self.is_fitted or self._fh is None or getattr(self, "_is_vectorized", False):
            return fh
        cutoff = self.cutoff[0] if isinstance(self.cutoff, pd.Index) and len(self.cutoff) == 1 else self.cutoff
        steps = [int(k) for k in self._fh.to_relative(self.cutoff).to_numpy()]
        times = list(self._fh.to_absolute_index(self.cutoff))
        fitted = (f"fit's fh, {steps} step(s) ahead ({shown_time(times[0])}"
                  f"{f' .. {shown_time(times[-1])}' if len(times) > 1 else ''})")
        try:
            given = fh if isinstance(fh, ForecastingHorizon) else ForecastingHorizon(fh)
            ahead = [int(k) for k in given.to_relative(self.cutoff).to_numpy()]
        except (TypeError, ValueError, AttributeError, AssertionError):  # AssertionError: sktime's of a PeriodIndex
            asked = fh.to_pandas() if isinstance(fh, ForecastingHorizon) else fh
            freq = getattr(asked, "freqstr", None)
            own = getattr(self._y.index, "freqstr", None) or getattr(cutoff, "freqstr", None)
            periods = isinstance(asked, pd.PeriodIndex) != isinstance(self._y.index, pd.PeriodIndex)
            if freq is None or own is None or freq == own or periods:
                return fh  # other kinds (periods for times, an empty fh): sktime's own checks answer
            raise ValueError(f"RnnkitForecaster.{who}: fh holds times of frequency {freq!r}, but y's grid is "
                             f"{own!r} (cutoff {shown_time(cutoff)}), and the model forecasts {fitted}; pass those "
                             "times or fh=None, or refit on y at the frequency of fh (y.resample(...))") from None
        if not ahead:
            return fh  # sktime's "`fh` must not be empty"
        if sorted(set(ahead)) == steps and len(ahead) == len(steps):
            return self._fh  # the fitted steps, as times or in another order: what fit was asked for
        shown = (", ".join(shown_time(t) for t in given.to_pandas()[:3]) if not given.is_relative else
                 ", ".join(map(str, ahead[:3]))) + (", ..." if len(ahead) > 3 else "")
        if min(ahead) < 1:
            raise ValueError(f"RnnkitForecaster.{who}: fh holds {shown}, at or before the cutoff "
                             f"{shown_time(cutoff)} ({min(ahead)} step(s) ahead), and the model forecasts only after "
                             f"it, {fitted}; for what it forecast at past times, forecaster_.historical_forecasts()")
        inside = [steps.index(k) for k in ahead if k in steps]
        fix = (f"take those rows of predict(): predict().iloc[{inside}]" if len(inside) == len(ahead) else
               f"refit for them: fit(y, fh={sorted(set(ahead))!r})")
        raise ValueError(f"RnnkitForecaster.{who}: fh holds {shown}, but the model was fitted for {fitted}, and "
                         f"forecasts no other steps (sktime's fh is fixed at fit for it); {fix}")

    def _check_X_array(self, who: str, X) -> None:
        """ValueError for an array ``X`` where fit's ``X`` named its columns: sktime numbers an array's columns
        0, 1, ... and its rows by the horizon, and the fitted columns are read by name."""
        fitted = getattr(getattr(self, "forecaster_", None), "future_covariates_", ())
        if not isinstance(X, np.ndarray) or not fitted or list(fitted) == [str(i) for i in range(len(fitted))]:
            return
        raise ValueError(f"RnnkitForecaster.{who}: X is a numpy array of shape {X.shape}, but fit's X named its "
                         f"columns {list(fitted)}, which the model reads by name at the times of fh; give a DataFrame: "
                         f"X = pd.DataFrame(X, columns={list(fitted)!r}, index=forecaster.fh.to_absolute_index("
                         "forecaster.cutoff))")

    def predict_interval(self, fh=None, X=None, coverage=0.90):
        self._check_X_array("predict_interval", X)
        _check_observed("RnnkitForecaster.predict_interval", X=X)
        self._check_quantiles("predict_interval")
        coverage = _as_levels(coverage)
        _check_fractions("predict_interval", "coverage", coverage)
        return super().predict_interval(fh=self._fitted_fh("predict_interval", fh), X=X, coverage=coverage)

    def predict_quantiles(self, fh=None, X=None, alpha=None):
        self._check_X_array("predict_quantiles", X)
        _check_observed("RnnkitForecaster.predict_quantiles", X=X)
        self._check_quantiles("predict_quantiles")
        alpha = _as_levels(alpha)
        _check_fractions("predict_quantiles", "alpha", alpha)
        return super().predict_quantiles(fh=self._fitted_fh("predict_quantiles", fh), X=X, alpha=alpha)

    def predict_var(self, fh=None, X=None, cov=False):
        self._check_quartiles("predict_var")
        _check_observed("RnnkitForecaster.predict_var", X=X)
        return super().predict_var(fh=self._fitted_fh("predict_var", fh), X=X, cov=cov)

    def predict_proba(self, fh=None, X=None, marginal=True):
        self._check_quartiles("predict_proba")
        _check_observed("RnnkitForecaster.predict_proba", X=X)
        return super().predict_proba(fh=self._fitted_fh("predict_proba", fh), X=X, marginal=marginal)

    def _check_quartiles(self, who: str) -> None:
        """ValueError for a model fitted without the quartiles, which sktime's variance (and the normal distribution
        ``predict_proba`` gives) is read from: the interquartile range of a normal."""
        fitted = getattr(getattr(self, "forecaster_", None), "quantiles", None)
        if fitted is None or {0.25, 0.75} <= {round(float(q), 9) for q in fitted}:
            return
        raise ValueError(f"RnnkitForecaster.{who}: sktime reads the variance from the quartiles 0.25 and 0.75 (a "
                         f"normal of that spread), which the model was not fitted for (quantiles={list(fitted)}); fit "
                         "with them among quantiles, e.g. quantiles=[0.1, 0.25, 0.5, 0.75, 0.9]")

    def update_predict(self, y, cv=None, X=None, update_params=True, reset_forecaster=True):
        # sktime's default cv forecasts fh=1 only, which a model fitted for another fh refuses: play y back with
        # the fitted fh instead, one step at a time, as the default does
        if cv is None and self.is_fitted:
            from sktime.split import ExpandingWindowSplitter

            cv = ExpandingWindowSplitter(initial_window=1, fh=self.fh.to_relative(self.cutoff))
        return super().update_predict(y, cv=cv, X=X, update_params=update_params, reset_forecaster=reset_forecaster)

    def _check_quantiles(self, who: str) -> None:
        """NotImplementedError, as sktime's contract has it, for a model without quantile levels, saying how to get
        them (sktime's own message asks to open an issue)."""
        if self.quantiles is None:
            raise NotImplementedError(f"RnnkitForecaster.{who}: the model was built without quantiles, so it gives "
                                      "no prediction intervals or quantile predictions, points only; construct it "
                                      "with the levels to predict, e.g. quantiles=[0.1, 0.5, 0.9] (predict_interval("
                                      "coverage=0.8) reads 0.1 and 0.9), and fit again")

    def update(self, y, X=None, update_params=True):
        self._check_remembers("update")
        _check_order(y=y, X=X)
        self._check_continues(y)
        _check_time_last("RnnkitForecaster.update", y=y, X=X)
        _check_covers("RnnkitForecaster.update", y, X)
        _check_same_columns("RnnkitForecaster.update", y=(y, self._y), X=(X, self._X))
        _check_observed("RnnkitForecaster.update", y=y, X=X)
        self._check_new_x(y, X)
        y, X = self._in_fitted_order(_in_columns_of(y, self._y)), self._in_fitted_order(_in_columns_of(X, self._X))
        return super().update(y, X=X, update_params=update_params)

    def _check_new_x(self, y, X) -> None:
        """ValueError where a model fitted with ``X`` is updated by ``y`` of new times without ``X``: its net reads
        the covariates at every time of the history, which no ``X`` given so far holds (sktime's update keeps the
        X it has; a refit refused them under fit's name, and update_params=False crashed in pandas' lookup)."""
        known = getattr(self, "_X", None)
        if X is not None or not isinstance(known, pd.DataFrame) or not isinstance(y, pd.Series | pd.DataFrame) or \
                isinstance(y.index, pd.MultiIndex) or isinstance(known.index, pd.MultiIndex):
            return
        new = y.index[~y.index.isin(known.index)]
        if not len(new):
            return
        span = shown_time(new[0]) + (f" .. {shown_time(new[-1])}" if len(new) > 1 else "")
        raise ValueError(f"RnnkitForecaster.update: the model was fitted with X (its columns {list(known.columns)}), "
                         f"which the forecasts read at every time of y, but X was not given for y's {len(new)} new "
                         f"time(s) ({span}); pass their rows with y, update(y, X=X_new), X_new indexed by y's times "
                         f"as fit's X was (X_new.loc[y.index])")

    def update_predict_single(self, y=None, fh=None, X=None, update_params=True):
        # update_predict plays a panel back through here, its series in sorted order: match them by id too
        return super().update_predict_single(y=self._in_fitted_order(y), fh=fh, X=self._in_fitted_order(X),
                                             update_params=update_params)

    def _in_fitted_order(self, data):
        """A panel's rows with its series in the order fit saw them: sktime hands each fitted series' forecaster
        the new values by position, so a panel given in another order (sorted ids, as sktime's splitters give
        them to ``update_predict``) would extend each series with another's values."""
        fitted = getattr(self, "forecasters_", None)
        index = getattr(data, "index", None)
        if not isinstance(fitted, pd.DataFrame) or not isinstance(index, pd.MultiIndex) or \
                index.nlevels - 1 != fitted.index.nlevels:
            return data
        series = _instances(index)
        if len(series) != len(fitted.index) or (series == fitted.index).all() or not series.isin(fitted.index).all():
            return data  # the same order, or other series: sktime's own checks answer
        position = pd.Series(range(len(fitted.index)), index=fitted.index)
        rank = position.loc[index.droplevel(-1)].to_numpy()
        return data.iloc[np.argsort(rank, kind="stable")]

    def _check_continues(self, y, who: str = "RnnkitForecaster.update") -> None:
        """ValueError when ``y`` starts after the step that follows the cutoff: the values seen would have a gap
        there, which the forecasts (they read the last ``lookback`` steps) and a refit cannot have; and when ``y``
        ends before the cutoff, which sktime would move back to ``y``'s end (forecasts of times already seen).
        Values at or before the cutoff replace those seen, as sktime updates them. A panel's series are checked by
        their own forecasters (sktime updates them one by one), each message naming the series' id."""
        index = getattr(y, "index", None)
        fitted = getattr(self, "forecasters_", None)
        if self.is_fitted and isinstance(index, pd.MultiIndex) and isinstance(fitted, pd.DataFrame):
            for key in _instances(index):
                if key in fitted.index:
                    fitted.loc[key].iloc[0]._check_continues(y.loc[key], f"{who}: series {key!r}")
            return
        if not self.is_fitted or not isinstance(index, pd.Index) or isinstance(index, pd.MultiIndex) or not len(index):
            return
        cutoff = self.cutoff[0] if isinstance(self.cutoff, pd.Index) else self.cutoff
        if isinstance(cutoff, pd.Period) and isinstance(index, pd.PeriodIndex):
            step = 1
        elif isinstance(cutoff, pd.Timestamp) and isinstance(index, pd.DatetimeIndex) and \
                (cutoff.tz is None) == (index.tz is None):
            freq = getattr(self.cutoff, "freq", None) or self._y.index.freq or self.forecaster_.freq_
            step = pd.tseries.frequencies.to_offset(freq)
        elif isinstance(cutoff, numbers.Integral) and pd.api.types.is_integer_dtype(index.dtype):
            step = self._index_step_
        else:  # another kind of index than fit's: sktime's own check names it
            return
        after = cutoff + step
        if isinstance(step, pd.DateOffset) and index[-1] > cutoff:  # dates after the cutoff: on fit's grid?
            grid = pd.date_range(cutoff, index[-1], freq=step)
            seen = self._y.index
            off = [i for i, t in enumerate(index) if t not in (grid if t > cutoff else seen)]
            if off:
                i = off[0]
                raise ValueError(f"{who}: y's time {shown_time(index[i])} (row {i}) is not on the "
                                 f"grid of the values seen, one step per {step.freqstr!r} (the cutoff "
                                 f"{shown_time(cutoff)}, then {shown_time(after)}, {shown_time(after + step)}, ...), "
                                 "so the forecasts would read it at another time; give y at the times of that grid")
        if index[-1] < cutoff:
            raise ValueError(f"{who}: y ends at {index[-1]}, before the cutoff {cutoff}, and sktime "
                             f"sets the cutoff to y's last time, so the forecasts would start at {index[-1] + step}, "
                             f"a time already seen, not at {after}; to revise past values, update with y through "
                             f"the cutoff (the revised rows, then the values seen after them up to {cutoff})")
        if index[0] > after:
            raise ValueError(f"{who}: y starts at {index[0]}, but the values seen end at the cutoff "
                             f"{cutoff}, so {after} .. {index[0] - step} would be missing; the forecasts read the "
                             f"last lookback steps without gaps: update with y from {after}")

    @staticmethod
    def _step_of(y: pd.Series) -> int:
        """The step of an integer index (1 for the default row numbers; the Forecaster checks it is even)."""
        index = y.index
        if len(index) < 2 or not pd.api.types.is_integer_dtype(index.dtype):
            return 1
        return max(1, int(index[1] - index[0]))

    def _fit(self, y: pd.Series, X: pd.DataFrame | None = None, fh=None):
        params = {k: getattr(self, k) for k in ("model", "cell", "lookback", "season_length", "relative", "hidden_size",
                                                "num_layers", "max_epochs", "batch_size", "lr", "random_state",
                                                "device", "quantiles")}
        self._index_step_ = self._step_of(y)
        self.forecaster_ = Forecaster(horizon=int(self._steps(fh).max()), **params).fit(y, X)
        return self

    def _seen(self) -> pd.Series | pd.DataFrame:
        """Every value seen (fit and later updates), in the columns the Forecaster was fitted on."""
        y = self._y.rename(self.forecaster_.targets_[0])
        if self._X is None or not self.forecaster_.future_covariates_:
            return y
        return pd.concat([y, self._X.loc[y.index]], axis=1)

    def _predict(self, fh, X: pd.DataFrame | None = None) -> pd.Series:
        return pd.Series(self._forecast(fh, X)[0.5], index=fh.to_absolute_index(self.cutoff), name=self._y.name)

    def _forecast(self, fh, X: pd.DataFrame | None) -> dict[float, np.ndarray]:
        """The Forecaster's forecasts of the steps of ``fh``: quantile level -> values (0.5 alone without
        ``quantiles``)."""
        steps = self._steps(fh)
        f = self.forecaster_
        if steps.max() > f.horizon:
            raise ValueError(f"fh reaches {steps.max()} steps ahead, but the model was fitted for {f.horizon}; "
                             "pass the farthest step to fit(fh=...)")
        if f.future_covariates_ and X is None:
            raise ValueError(f"RnnkitForecaster was fitted with X (columns {list(f.future_covariates_)}), which it "
                             f"reads over the horizon: pass predict(fh, X=X_future) with a row for each step of fh")
        out = f.predict(list(steps), data=self._seen(), X=X if f.future_covariates_ else None)
        if f.quantiles is None:
            return {0.5: out.to_numpy(np.float64)}
        return {float(q): out[q].to_numpy(np.float64) for q in f.quantiles}

    def _predict_quantiles(self, fh, X: pd.DataFrame | None, alpha: list[float]) -> pd.DataFrame:
        forecasts = self._forecast(fh, X)
        fitted = sorted(forecasts)
        missing = [round(a, 9) for a in alpha if not any(abs(a - q) < 1e-9 for q in fitted)]
        if missing:
            # the calls that read the fitted levels: the coverages of their symmetric pairs, and the levels themselves
            coverages = [round(1 - 2 * q, 9) for q in fitted if q < 0.5 and any(abs(1 - q - p) < 1e-9 for p in fitted)]
            read = ((f"predict_interval(coverage={coverages[0] if len(coverages) == 1 else coverages}) or "
                     if coverages else "") + f"predict_quantiles(alpha={[q for q in fitted if q != 0.5]})")
            default = ("0.05 and 0.95 are sktime's defaults, predict_interval's coverage=0.9 and predict_quantiles' "
                       "alpha; " if missing == [0.05, 0.95] else "")
            refit = sorted({round(q, 9) for q in fitted} | set(missing))
            raise ValueError(f"RnnkitForecaster: the quantile level(s) {missing} were not fitted; the model predicts "
                             f"the levels it was fitted for, quantiles={fitted}: {read} reads them, or fit with "
                             f"quantiles={refit} for these ({default}predict_interval(coverage=c) needs (1 - c) / 2 "
                             f"and (1 + c) / 2)")
        values = np.stack([forecasts[min(fitted, key=lambda q, a=a: abs(a - q))] for a in alpha], axis=1)
        return pd.DataFrame(values, index=fh.to_absolute_index(self.cutoff),
                            columns=self._get_columns(method="predict_quantiles", alpha=alpha))

    @classmethod
    def get_test_params(cls, parameter_set: str = "default") -> list[dict]:
        """Tiny settings for sktime's estimator checks: one epoch of a 4-unit network."""
        return [
            {"hidden_size": 4, "max_epochs": 1, "random_state": 0},
            {"cell": "gru", "lookback": 2, "relative": False, "hidden_size": 3, "max_epochs": 2, "random_state": 1},
            {"hidden_size": 4, "max_epochs": 1, "random_state": 0, "model": "direct",  # the levels sktime's checks ask
             "quantiles": [0.025, 0.05, 0.1, 0.125, 0.25, 0.375, 0.45, 0.475, 0.5, 0.525, 0.55, 0.625, 0.75, 0.875,
                           0.9, 0.95, 0.975]},
        ]
