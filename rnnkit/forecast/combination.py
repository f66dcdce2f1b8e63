"""The default model of the Forecaster (``model="auto"``): a combination of forecasts chosen by rolling-origin
validation on the training rows, with an interval calibrated on the same origins.

The candidates, for one target without gaps or covariates (else the direct net alone):

=========  ===================================================================================================
naive      ``ŷ_{T+h} = y_{T+h-m⌈h/m⌉}``, the seasonal naive forecast (the naive one when ``m = 1``)
drift      ``ŷ_{T+h} = y_T + h (y_T - y_1) / (T - 1)``, the random walk with drift (the naive, the seasonal
           naive and the drift are the textbook's simple benchmarks: Hyndman & Athanasopoulos, FPP 5.2)
ets        Holt-Winters exponential smoothing with an additive damped trend (Gardner & McKenzie 1985), and a
           season of ``m`` (multiplicative for a positive series, else additive) when the rows hold two seasons:
           statsmodels' ``ExponentialSmoothing``, its parameters estimated by least squares on the rows given
           (:func:`fit_ets`), then run with those parameters fixed on any series (:func:`ets_forecast`)
direct     the Forecaster's direct net (``model="direct"``)
hybrid     the Forecaster's hybrid net (``model="hybrid"``: exponential smoothing of level and season, the net
           on the remainder; ES-RNN's decomposition)
=========  ===================================================================================================

**Validation** (:func:`validation_origins`): up to ``V = max(3, ⌈9 / H⌉)`` origins ``o_1 < .. < o_V`` at the
end of the training rows (3; 9 at ``H = 1`` and 5 at ``H = 2``, so that the band's default levels 0.1 / 0.9 have
the ``n = V H >= 9`` residuals their rank needs), ``H`` steps apart where the rows allow (closer on a short
series; at least ``max(2 H, 10)`` rows before the first), each followed by ``H`` rows. The classical
candidates are refitted at every origin on the rows before it; each net is trained once on the rows before
``o_1`` and forecasts from every origin (the rows after ``o_1`` read as inputs, not trained on), which keeps the
cost at one extra fit per net. A panel's series take 3 origins at every horizon (their band pools them).

**Selection** (:func:`select`): the candidates ranked by their validation MAE; the equal-weight means of the
best ``k`` (``k = 1 .. K``) scored on the same values; the lowest wins (the smaller ``k`` on a tie). Equal
weights, not fitted ones: with a few dozen validation values, estimated weights lose to the simple mean (the
"forecast combination puzzle", Smith & Wallis 2009; Claeskens et al. 2016); trimming to the best ``k`` keeps a
candidate that failed on the validation out of the mean (Aiolfi & Timmermann 2006). ES with a net won M4
(Smyl 2020) and combinations came next (Montero-Manso et al. 2020).

**Interval** (:func:`calibrate_offsets`): split-conformal on the validation residuals of the chosen
combination (Vovk et al. 2005; Stankeviciute et al. 2021 for multi-step forecasts), scaled per step::

    s_h     = mean_t |y_{t+h} - ŷ^naive_{t,h}|        the in-sample h-step (seasonal) naive MAE, h = 1..H
    r_j     = (y_j - ŷ_j) / s_{h_j}                   the validation residuals, pooled over origins and steps
    c_τ     = the ⌈(n+1) τ⌉-th smallest r_j (τ > 0.5), the ⌊(n+1) τ⌋-th (τ < 0.5); 0 at the median
    q_τ(h)  = ŷ_h + c_τ s_h

so the band widens with the horizon as the series' own h-step changes do, and holds its level on the
validation values by construction (roughly, on few values: ``n = V H``). The nets' own quantiles are not used.

Shapes: ``n`` training rows, ``H`` horizon, ``V`` validation origins, ``m`` season, ``n_q`` quantiles.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.timeseries import TimeSeriesFrame, shown_time
from .series import _future_index, user_stacklevel

CANDIDATES = ("naive", "drift", "ets", "direct", "hybrid")
KINDS = (*CANDIDATES, "combination")  # a fitted Forecaster's model_kind_
MAX_ORIGINS = 3
# The validation residuals V H a series' band is given where its rows allow: what the default levels 0.1 / 0.9
# need (split conformal's rank ⌈(n + 1) 0.9⌉ <= n), 3 origins of 3 steps; a shorter horizon takes more origins.
MIN_RESIDUALS = 9


def validation_origins(n: int, H: int, min_residuals: int = 0) -> list[int]:
    """The validation origins (row numbers, increasing; empty when ``n`` rows are too few): up to
    ``max(MAX_ORIGINS, ⌈min_residuals / H⌉)`` (:data:`MAX_ORIGINS`, :data:`MIN_RESIDUALS`), the last at
    ``n - H``, ``H`` apart where the rows allow, the first at least ``max(2 H, 10)``. At ``H >= 3`` and
    ``min_residuals <= 9`` these are the 3 origins alone."""
    first = max(2 * H, 10)
    room = n - H - first  # the span the origins may take
    if room < 0:
        return []
    V = min(max(MAX_ORIGINS, -(-min_residuals // H)), room + 1)
    step = H if V == 1 else min(H, room // (V - 1))
    return [n - H - k * step for k in reversed(range(V))]


# -- the classical candidates: rows y (n,) -> forecasts (H,) ------------------------------------------------------
def naive_forecast(y: np.ndarray, H: int, m: int) -> np.ndarray:
    """The seasonal naive forecast ``(H,)`` (the naive one for ``m = 1`` or fewer than ``m`` rows)."""
    m = m if len(y) >= m else 1
    return y[len(y) - m + (np.arange(H) % m)]


def drift_forecast(y: np.ndarray, H: int) -> np.ndarray:
    """The random walk with drift ``(H,)``: the last value plus ``h`` times the mean change of ``y``."""
    slope = (y[-1] - y[0]) / (len(y) - 1) if len(y) > 1 else 0.0
    return y[-1] + slope * np.arange(1, H + 1)


def fit_ets(y: np.ndarray, m: int) -> dict:
    """Damped-trend Holt-Winters fitted to ``y (n,)`` (finite): its parameters as plain numbers (JSON)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    season = ("mul" if (y > 0).all() else "add") if m > 1 and len(y) >= 2 * m + 2 else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the optimiser's convergence chatter on short series
        p = ExponentialSmoothing(y, trend="add", damped_trend=True, seasonal=season,
                                 seasonal_periods=m if season else None, initialization_method="estimated").fit().params
    return {"season": season, "m": m if season else 1, "alpha": float(p["smoothing_level"]),
            "beta": float(p["smoothing_trend"]), "phi": float(p["damping_trend"]),
            "gamma": float(p["smoothing_seasonal"]) if season else None, "level0": float(p["initial_level"]),
            "trend0": float(p["initial_trend"]),
            "season0": [float(v) for v in p["initial_seasons"]] if season else None}


def ets_forecast(y: np.ndarray, params: dict, H: int) -> np.ndarray:
    """The next ``H`` steps ``(H,)`` after ``y (n,)`` by the smoothing of ``params`` (:func:`fit_ets`), run
    over ``y`` from its initial states with its parameters fixed (statsmodels' recursion)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    season = params["season"]
    with warnings.catch_warnings():
        # and forecast's: statsmodels takes the log of the squared errors for its AIC, zero on a constant series
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(
            y, trend="add", damped_trend=True, seasonal=season, seasonal_periods=params["m"] if season else None,
            initialization_method="known", initial_level=params["level0"], initial_trend=params["trend0"],
            initial_seasonal=params["season0"],
        ).fit(smoothing_level=params["alpha"], smoothing_trend=params["beta"], smoothing_seasonal=params["gamma"],
              damping_trend=params["phi"], optimized=False)
        return np.asarray(fit.forecast(H), np.float64)


def continues(history: TimeSeriesFrame, frame: TimeSeriesFrame, freq) -> bool:
    """Whether ``frame`` starts within the fitted series ``history`` or at the step after it (its latest rows, or
    the rows since the fit), so that :func:`from_fitted_start` completes it with the fitted rows before its start
    (a window it is too short to fill). False without a time axis on either side."""
    fitted, time = history.time, frame.time
    if fitted is None or time is None or not len(time):
        return False
    return bool(fitted[0] <= time[0] <= _future_index(history, freq, 1)[0])


def from_fitted_start(history: TimeSeriesFrame, frame: TimeSeriesFrame, freq, who: str, shown=shown_time
                      ) -> TimeSeriesFrame:
    """The series ``frame`` given to predict, preceded by the fitted rows ``history`` before its start: the
    smoothing of the ETS and of the hybrid runs from the fitted series' first step, from the states fitted there
    (``level0``, ``season0``, the first of which is the season of that step), and the drift's slope spans the
    series from there. A series given from a later step (its last rows, or the rows since the fit) must continue
    the fitted one, or its first row would be read as the fitted first step: the season shifted by the steps
    between them and the level restarted at the fitted start's. Where the two overlap, ``frame``'s values are read.

    ``freq``: the fitted step (a pandas frequency or a number); ``who``: the message's opening (``"predict"``);
    ``shown``: a time as the caller gave them (a period). A series without a time axis is read as starting where
    the fitted one did, and refused where its first rows are not the fitted ones (:func:`_check_placed`: the
    latest rows, renumbered). ValueError where ``frame`` starts after the step that follows the fitted series (the
    states at its start are unknown) or ends before the fitted series starts."""
    time, fitted, n = frame.time, history.time, len(history)
    if time is None and fitted is None:
        _check_placed(history, frame, who)
    if time is None or fitted is None:
        return frame
    if isinstance(fitted, pd.DatetimeIndex):
        grid = pd.date_range(fitted[0], periods=n + 1, freq=freq)  # the fitted steps, then the one after
        k = int(grid.get_indexer(time[:1])[0]) if time[0] >= grid[0] else 0
        skip = 0 if time[0] >= grid[0] else int(time.get_indexer(grid[:1])[0])
    else:
        grid, steps = fitted[0] + freq * np.arange(n + 1), (time[0] - fitted[0]) / freq
        k, skip = int(round(steps)), 0
        if time[0] < fitted[0]:  # the row of data at the fitted start, if it reaches it
            k, skip = 0, int(np.searchsorted(time, fitted[0] - 1e-9 * abs(freq)))
            skip = skip if skip < len(time) and np.isclose(time[skip], fitted[0], rtol=1e-12, atol=0) else -1
        elif not (k <= n and np.isclose(steps, k, rtol=0, atol=1e-9)):
            k = -1
    if k < 0 or skip < 0:
        after, start = shown(grid[n]), shown(grid[0])
        late = time[0] > grid[0]
        where = (f"ends at {shown(time[-1])}, before the fitted series starts ({start})" if not late else
                 f"starts at {shown(time[0])}, after {after}, the step that follows the fitted series"
                 if time[0] > grid[n] else f"starts at {shown(time[0])}, between two steps of the fitted series")
        fix = (f"give data that reaches {start} (its rows from there on are read)" if not late else
               f"give data from {after} or earlier (the fitted rows before its start are read from the fitted "
               "series)" if time[0] > grid[n] else f"give data at the fitted steps ({start}, {shown(grid[1])}, ...)")
        raise ValueError(f"{who}: data {where}; the model's smoothing (its ETS, hybrid or drift) runs from the fitted "
                         f"series' start, {start}, with the states fitted there, through every step up to the "
                         f"forecast origin, so the states at data's {'start' if late else 'steps'} are unknown: {fix}, "
                         "or refit on the series with its new rows")
    if k == 0 and skip == 0:
        return frame
    _check_continues(history, frame, k, who, shown, fitted[0])
    values = np.concatenate([history.values[:k], frame.values[skip:]])
    times = fitted[:k].append(time[skip:]) if isinstance(fitted, pd.DatetimeIndex) else \
        np.concatenate([fitted[:k], time[skip:]])
    return TimeSeriesFrame(values, columns=frame.columns, time=times, time_name=frame.time_name)


def _apart(fitted: np.ndarray, given: np.ndarray, history: TimeSeriesFrame) -> np.ndarray:
    """``(rows,)``: whether each row of ``given`` differs from the same row of ``fitted`` (both ``(rows, n_c)``) by
    more than 1 % of a fitted column's largest value in some column (NaN on either side: not apart)."""
    with np.errstate(invalid="ignore"):
        tol = 1e-2 * np.nanmax(np.abs(history.values), axis=0)  # (n_c,)
        return (np.abs(given - fitted) > np.where(np.isfinite(tol), tol, 0.0)).any(axis=1)


def _check_placed(history: TimeSeriesFrame, frame: TimeSeriesFrame, who: str) -> None:
    """ValueError where ``frame``, a series without a time axis read from the fitted series' first step, differs
    from the fitted rows it overlaps on more than half of them (two or more): nothing placed it there, and rows
    that are not the fitted ones (the latest rows of the series, numbered from 0 as read_csv numbers them) would be
    read as its first steps, the smoothing restarted from the states fitted there. The fix names the fitted step
    it continues where its rows match the fitted rows from one step on (every one they overlap, two or more)."""
    n, rows = len(history), min(len(history), len(frame))
    if rows < 2:
        return
    apart = _apart(history.values[:rows], frame.values[:rows], history)
    if 2 * apart.sum() <= rows:  # the same series from its start (rounding, the odd revision)
        return
    matches = [k for k in range(1, n - 1) if
               not _apart(history.values[k : k + len(frame)], frame.values[: n - k], history).any()]
    i = int(np.argmax(apart))
    with np.errstate(invalid="ignore"):
        c = int(np.argmax(np.abs(frame.values[i] - history.values[i])))
    fix = (f"if they are the series' steps from {matches[0]} on, number them so, "
           f"data.set_axis(pd.RangeIndex({matches[0]}, {matches[0] + len(frame)})) (its first rows match the fitted "
           f"ones there)" if len(matches) == 1 else
           "number its rows by the fitted steps they continue, data.set_axis(pd.RangeIndex(first_step, first_step + "
           f"{len(frame)})) (the fitted steps are 0 .. {n - 1})")
    raise ValueError(f"{who}: data has no time axis, so its rows are read as the fitted series' steps from step 0, "
                     f"but they differ from the fitted rows at {int(apart.sum())} of those {rows} steps "
                     f"({frame.columns[c]!r} {frame.values[i, c]:g} at step {i}, fitted {history.values[i, c]:g}): "
                     f"the latest rows? The model's smoothing (its ETS, hybrid or drift) runs from the fitted series' "
                     f"first step through every step up to the forecast origin; {fix}, or give the series from its "
                     f"first step")


def _check_continues(history: TimeSeriesFrame, frame: TimeSeriesFrame, k: int, who: str, shown, start) -> None:
    """ValueError where ``frame``, which starts at the fitted step ``k > 0``, overlaps the fitted rows on two
    steps or more and differs from them on every one (by more than 1 % of the fitted column's largest value:
    rounding and the odd revision are the same series): another series (another store at the same dates), before
    which the fitted series' first ``k`` rows would be read, the level jumping from one to the other at its start.
    Another series is forecast by a model fitted on it (a direct net reads any series' last rows)."""
    rows = min(len(history) - k, len(frame))
    if rows < 2:
        return
    fitted, given = history.values[k : k + rows], frame.values[:rows]  # (rows, n_c)
    if not _apart(fitted, given, history).all():
        return
    with np.errstate(invalid="ignore"):
        c = int(np.argmax(np.abs(given[0] - fitted[0]) > 1e-2 * np.nanmax(np.abs(history.values), axis=0)))
    column, time = frame.columns[c], frame.time
    raise ValueError(f"{who}: data's rows {shown(time[0])} .. {shown(time[rows - 1])} are steps of the fitted "
                     f"series, but differ from its values at every one of those {rows} steps ({column!r} "
                     f"{given[0, c]:g} at {shown(time[0])}, fitted {fitted[0, c]:g}): another series? The model's "
                     f"smoothing (its ETS, hybrid or drift) was fitted on the fitted series from its start, "
                     f"{shown(start)}, and would read its {k} rows before data's start, then data's, as one series; "
                     "to forecast another series, fit a Forecaster on it (model='direct' fits a net that reads any "
                     "series' last lookback rows); to forecast the fitted series with revised values, refit on it")


# -- selection and interval -------------------------------------------------------------------------------------
def select(forecasts: dict[str, np.ndarray], actual: np.ndarray) -> tuple[tuple[str, ...], dict[str, float]]:
    """``(components, scores)``: the candidates whose equal-weight mean has the lowest MAE on ``actual (V, H)``
    among the means of the best ``k`` by their own MAE (``forecasts``: name -> ``(V, H)``), and the MAE of every
    candidate and of every such mean (``"mean of 2"``...). Ties go to the earlier name of
    :data:`CANDIDATES` and to the smaller ``k``."""
    mae = {k: float(np.abs(f - actual).mean()) for k, f in forecasts.items()}
    ranked = sorted(mae, key=lambda k: (mae[k], CANDIDATES.index(k)))
    scores, best, best_mae = dict(mae), ranked[:1], mae[ranked[0]]
    for k in range(2, len(ranked) + 1):
        combo = np.mean([forecasts[c] for c in ranked[:k]], axis=0)
        scores[f"mean of {k}"] = e = float(np.abs(combo - actual).mean())
        if e < best_mae:
            best, best_mae = ranked[:k], e
    return tuple(c for c in CANDIDATES if c in best), scores


def select_pooled(candidates: Sequence[dict[str, np.ndarray]], actual: Sequence[np.ndarray],
                  scales: Sequence[float], pool: float | str) -> list[tuple[tuple[str, ...], dict[str, float]]]:
    """:func:`select` for many series at once, each series' evidence shrunk toward the panel's (empirical Bayes):
    per series ``i`` (``candidates[i]``: name -> ``(V_i, H)``; ``actual[i] (V_i, H)``; ``scales[i] > 0`` its
    typical step, e.g. its in-sample naive MAE), for every mean ``c`` of its candidates::

        e_i(c)     = MAE_i(c) / scales[i]                 its scale-free validation error (as MASE)
        ē(c)       = mean of e_j(c) over the series j that have c's members
        score_i(c) = (n_i e_i(c) + κ_i ē(c)) / (n_i + κ_i),   κ_i = pool n_i   (n_i = V_i H, its values)

    so ``pool`` counts the panel's mean as that many series' worth of evidence: ``0`` is :func:`select` per
    series (the same choice); ``"panel"`` (κ infinite) is one choice for every series (the series whose
    candidates are fewer take the best of theirs). A series on which some mean of its candidates is exact
    (validation MAE at most ``1e-9 scales[i]``: its own evidence has no noise, so the posterior is its own)
    keeps :func:`select`'s choice and is left out of ``ē``. As :func:`select`, but on the scores: the candidates ranked,
    the means of the best ``k`` scored, the lowest kept (ties to the earlier name and the smaller ``k``). Returns
    per series ``(components, scores)``: the candidates' and the means' own validation MAE (:func:`select`'s
    dict, its means those of the pooled ranking) and, for ``pool`` above 0, their scores in units of
    ``scales[i]`` under ``"pooled <name>"``."""
    w = 1.0 if pool == "panel" else pool / (1.0 + pool)  # κ_i / (n_i + κ_i)
    own = []  # per series: (members in CANDIDATES order) -> e_i
    for forecasts, a, s in zip(candidates, actual, scales, strict=True):
        names = [c for c in CANDIDATES if c in forecasts]
        own.append({members: float(np.abs(np.mean([forecasts[c] for c in members], axis=0) - a).mean()) / s
                    for k in range(1, len(names) + 1) for members in itertools.combinations(names, k)})
    exact = [min(errors.values()) <= 1e-9 for errors in own]
    panel = {}
    for errors, left_out in zip(own, exact, strict=True):
        for members, e in errors.items():
            if not left_out:
                panel.setdefault(members, []).append(e)
    ebar = {members: float(np.mean(v)) for members, v in panel.items()}
    out = []
    key = lambda names: tuple(c for c in CANDIDATES if c in names)
    for forecasts, a, s, alone in zip(candidates, actual, scales, exact, strict=True):
        if alone or w == 0.0:
            out.append(select(forecasts, a))
            continue

        def score(members, mae, s=s):  # "panel": ē alone
            return ebar[members] if w == 1.0 else (1 - w) * mae / s + w * ebar[members]
        mae = {k: float(np.abs(f - a).mean()) for k, f in forecasts.items()}
        pooled = {k: score(key([k]), mae[k]) for k in forecasts}
        ranked = sorted(pooled, key=lambda k: (pooled[k], CANDIDATES.index(k)))
        scores, best, best_score = dict(mae), ranked[:1], pooled[ranked[0]]
        for k in range(2, len(ranked) + 1):
            combo = np.mean([forecasts[c] for c in ranked[:k]], axis=0)
            scores[f"mean of {k}"] = e = float(np.abs(combo - a).mean())
            pooled[f"mean of {k}"] = p = score(key(ranked[:k]), e)
            if p < best_score:
                best, best_score = ranked[:k], p
        scores |= {f"pooled {k}": v for k, v in pooled.items()}
        out.append((key(best), scores))
    return out


def step_scale(y: np.ndarray, H: int, m: int) -> np.ndarray:
    """``s_h (H,)``: the in-sample MAE of the h-step seasonal naive forecast on ``y (n,)`` (lag ``m⌈h/m⌉``;
    ``m = 1``: the naive one), each at least a millionth of the series' scale so that no band is 0 wide."""
    lags = m * np.ceil(np.arange(1, H + 1) / m).astype(int)
    floor = 1e-6 * max(float(np.abs(y).mean()), 1e-12)
    out = [np.abs(y[lag:] - y[:-lag]).mean() if lag < len(y) else math.nan for lag in lags]
    out = np.asarray(out, np.float64)
    if np.isnan(out).any():  # a lag beyond the rows: the longest one measured, grown as a random walk's
        last = int(np.flatnonzero(~np.isnan(out))[-1]) if (~np.isnan(out)).any() else None
        base = out[last] if last is not None else np.abs(np.diff(y)).mean()
        at = 1 if last is None else last + 1
        out = np.where(np.isnan(out), base * np.sqrt(np.arange(1, H + 1) / at), out)
    return np.maximum(out, floor)


def calibrate_offsets(residuals: np.ndarray, steps: np.ndarray, scale: np.ndarray, quantiles: Sequence[float]
                      ) -> dict[float, float]:
    """``{τ: c_τ}`` of the module docstring from the validation ``residuals (n,)`` (actual - forecast), their
    forecast steps ``steps (n,)`` (1-based) and ``scale (H,)`` (:func:`step_scale`); ``c_0.5 = 0``; lower levels
    at most 0, upper at least 0, in order. A level whose rank falls outside ``1 .. n`` (``τ > n / (n + 1)`` or
    ``τ < 1 / (n + 1)``: too few residuals) takes the extreme residual, with a warning (:func:`warn_short_band`)."""
    r = np.sort(residuals / scale[steps - 1])
    n, out = len(r), {}
    warn_short_band(n, quantiles)
    for tau in quantiles:
        if tau == 0.5:
            out[tau] = 0.0
        elif tau > 0.5:
            out[tau] = max(0.0, float(r[min(n, math.ceil((n + 1) * tau)) - 1]))
        else:
            out[tau] = min(0.0, float(r[max(1, math.floor((n + 1) * tau)) - 1]))
    levels = sorted(out)
    values = np.maximum.accumulate([out[t] for t in levels])  # never crossing
    return {t: float(v) for t, v in zip(levels, values, strict=True)}


SHORT_BAND_REMEDY = (f"more training rows (at least {MIN_RESIDUALS} validation residuals where the rows allow: "
                     f"{MAX_ORIGINS} origins of horizon steps each, more at horizons below {MAX_ORIGINS}, the first "
                     "after max(2 horizon, 10) rows); in a panel, more series")


def warn_short_band(n: int, quantiles: Sequence[float], remedy: str = SHORT_BAND_REMEDY) -> None:
    """A ``UserWarning`` where ``n`` residuals are too few for some level's split-conformal rank: ``⌈(n+1) τ⌉ > n``
    (``τ > 0.5``) or ``⌊(n+1) τ⌋ < 1`` (``τ < 0.5``). Such a level takes the most extreme residual, which
    holds about ``n / (n + 1)`` of future values on its inner side, less than the level claims. ``remedy``:
    how the caller's band gets more residuals."""
    short = [tau for tau in quantiles if tau != 0.5 and math.ceil((n + 1) * max(tau, 1 - tau)) > n]
    if not short or n == 0:
        return
    worst = max(max(tau, 1 - tau) for tau in short)
    need = math.ceil(worst / (1 - worst) - 1e-9)
    warnings.warn(f"the prediction band's level(s) {', '.join(f'{tau:g}' for tau in short)} need at least {need} "
                  f"validation residuals (split conformal's rank ⌈(n + 1) τ⌉ within n), but the band is calibrated "
                  f"on n = {n}, so each takes the most extreme one: a bound that holds about n / (n + 1) = "
                  f"{n / (n + 1):.0%} of future values on its inner side, not the {worst:.0%} its level claims; "
                  f"levels within {1 / (n + 1):.3g} .. {n / (n + 1):.3g} hold what they claim, or give more "
                  f"residuals ({remedy})", UserWarning, stacklevel=user_stacklevel())


# -- one series' validation, and the band of a chosen combination ---------------------------------------------
def classical_forecasts(y: np.ndarray, origins: Sequence[int], H: int, m: int) -> dict[str, np.ndarray]:
    """The classical candidates' forecasts from every origin: name -> ``(V, H)``, each refitted on the rows
    ``y[:o]`` before its origin ``o``."""
    return {"naive": np.stack([naive_forecast(y[:o], H, m) for o in origins]),
            "drift": np.stack([drift_forecast(y[:o], H) for o in origins]),
            "ets": np.stack([ets_forecast(y[:o], fit_ets(y[:o], m), H) for o in origins])}


def validation_forecasts(y: np.ndarray, H: int, m: int, nets: dict[str, np.ndarray], *, classical: bool = True,
                         min_residuals: int = 0) -> tuple[list[int], np.ndarray, dict[str, np.ndarray]]:
    """``(origins, actual (V, H), candidates)`` of one series ``y (n,)``: its :func:`validation_origins`, the
    values after them, and every candidate's forecasts from them, name -> ``(V, H)`` (the classical ones unless
    ``classical=False``, and the ``nets``' forecasts from the same origins). Too few rows to validate, or no
    candidate: the naive forecast alone, from every in-sample origin (it has no parameters, so each is out of
    sample for it; none when ``n <= H``). ``min_residuals``: see :func:`validation_origins`."""
    origins = validation_origins(len(y), H, min_residuals)
    if not origins or not (classical or nets):
        origins = list(range(1, len(y) - H + 1))
        candidates = {"naive": np.stack([naive_forecast(y[:o], H, m) for o in origins])} if origins else {}
    else:
        candidates = (classical_forecasts(y, origins, H, m) if classical else {}) | dict(nets)
    actual = np.stack([y[o : o + H] for o in origins]) if origins else np.empty((0, H))
    return origins, actual, candidates


def choose(y: np.ndarray, H: int, m: int, nets: dict[str, np.ndarray], *, classical: bool = True, note: str = "",
           min_residuals: int = 0) -> tuple[np.ndarray, tuple[str, ...], np.ndarray | None, str]:
    """One series' choice on its validation origins (:func:`validation_forecasts`, :func:`select`): ``(actual
    (V, H), components, forecasts (V, H) of their mean, reason)``, the reason one line with every score (and
    ``note``). Without validation (too few rows, or no candidate): the naive forecast, scored from every
    in-sample origin (``forecasts`` None when there is none)."""
    origins, actual, candidates = validation_forecasts(y, H, m, nets, classical=classical,
                                                       min_residuals=min_residuals)
    if not set(candidates) - {"naive"}:  # validated candidates always include another
        why = (f"{len(y)} steps are too few to validate (fewer than horizon + max(2 horizon, 10))"
               if not validation_origins(len(y), H, min_residuals) else "no candidate applies")
        return actual, ("naive",), candidates.get("naive"), f"{why}{note}: the naive forecast"
    components, scores = select(candidates, actual)
    reason = ", ".join(f"{k} {v:.4g}" for k, v in scores.items()) + (
        f" (validation MAE at origins {origins}, {H} step{'s' if H > 1 else ''} each){note}: "
        f"{' + '.join(components)}")
    return actual, components, np.mean([candidates[c] for c in components], axis=0), reason


def pooled_offsets(series: Sequence[tuple[np.ndarray, int, np.ndarray, np.ndarray]], H: int,
                   quantiles: Sequence[float]) -> dict[float, float]:
    """The band's ``{τ: c_τ}`` (:func:`calibrate_offsets`) shared by many series: from each series'
    ``(y (n_i,), m_i, actual (V_i, H), forecasts (V_i, H))``, its validation residuals in units of its own
    ``s_h`` (:func:`step_scale`), pooled. Each series then gets ``q_τ(h) = ŷ_h + c_τ s_{i,h}``. Pooling gives
    ``Σ V_i H`` values instead of one series' ``V H`` (a few dozen, whose extreme ranks are noisy and, by the
    finite-sample rank ``⌈(n + 1) τ⌉``, cover more than asked: 0.84 expected for 80 % at ``n = 24``); it
    assumes the scaled residuals alike across the series, as a global model assumes their windows are."""
    residuals, steps = [], []
    for y, m, actual, forecasts in series:
        residuals.append(((actual - forecasts) / step_scale(y, H, m)).reshape(-1))
        steps.append(np.broadcast_to(np.arange(1, H + 1), actual.shape).reshape(-1))
    return calibrate_offsets(np.concatenate(residuals), np.concatenate(steps), np.ones(H), quantiles)


def choose_pooled(series: Sequence[tuple[np.ndarray, int, dict[str, np.ndarray], str]], H: int, pool: float | str,
                  scales: Sequence[float], *, classical: bool = True
                  ) -> list[tuple[np.ndarray, tuple[str, ...], np.ndarray | None, str]]:
    """:func:`choose` for every series of a panel, ``(y (n_i,), m_i, nets, note)`` each, the choice pooled across
    them by :func:`select_pooled` (``pool``; ``scales``: each series' typical step ``> 0``, the unit of its
    scale-free errors). ``pool=0``: :func:`choose` per series. A series too short to validate gets
    :func:`choose`'s naive forecast and is left out of the pool."""
    if pool == 0:
        return [choose(y, H, m, nets, classical=classical, note=note) for y, m, nets, note in series]
    out = [None] * len(series)
    pooled = []  # (position, origins, actual, candidates, scale)
    for i, (y, m, nets, note) in enumerate(series):
        origins, actual, candidates = validation_forecasts(y, H, m, nets, classical=classical)
        if set(candidates) - {"naive"}:
            pooled.append((i, origins, actual, candidates, float(scales[i])))
        else:
            out[i] = choose(y, H, m, nets, classical=classical, note=note)
    chosen = select_pooled([p[3] for p in pooled], [p[2] for p in pooled], [p[4] for p in pooled], pool)
    for (i, origins, actual, candidates, scale), (components, scores) in zip(pooled, chosen, strict=True):
        own = ", ".join(f"{k} {v:.4g}" for k, v in scores.items() if not k.startswith("pooled "))
        shrunk = ", ".join(f"{k.removeprefix('pooled ')} {v:.4g}" for k, v in scores.items()
                           if k.startswith("pooled "))
        pooling = (f"pooled with the panel's {len(pooled)} series (pool={pool!r}; in units of its typical step "
                   f"{scale:.4g}): {shrunk}" if shrunk else "exact, not pooled")
        reason = (f"{own} (validation MAE at origins {origins}, {H} step{'s' if H > 1 else ''} each); "
                  f"{pooling}{series[i][3]}: "
                  f"{' + '.join(components)}")
        out[i] = (actual, components, np.mean([candidates[c] for c in components], axis=0), reason)
    return out
