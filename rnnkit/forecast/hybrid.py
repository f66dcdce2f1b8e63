"""The hybrid model: exponential smoothing per series, a recurrent net on what it leaves (ES-RNN's way).

Smyl (2020), the winner of the M4 competition, lets each series keep its own level and seasonality from
Holt-Winters exponential smoothing and trains one recurrent net, across series, on the deseasonalised series
divided by its level. Here, for series ``i`` with season ``m`` (``m = 1``: no season), smoothing level ``α``
and seasonal smoothing ``γ``, its initial level ``l_0`` and seasons ``s_{1..m}``::

    multiplicative (a positive series)            additive (a series with zeros or negative values)
    l_t     = α y_t / s_t + (1 - α) l_{t-1}       l_t     = α (y_t - s_t) + (1 - α) l_{t-1}
    s_{t+m} = γ y_t / l_{t-1} + (1 - γ) s_t       s_{t+m} = γ (y_t - l_{t-1}) + (1 - γ) s_t
    r_t     = log(y_t / s_t)                      r_t     = y_t - s_t
    z_t     = r_t / d,  λ_t = log(l_t) / d        z_t     = r_t / d,  λ_t = l_t / d

(statsmodels' Holt-Winters recursion without trend, whose ``α, γ, l_0, s`` it estimates by least squares:
:func:`fit_smoothing`; ``s_t = 1`` or ``0`` without a season). ``d`` is the series' own volatility: the mean
absolute one-step change of its deseasonalised remainder, ``d = mean_t |r_t - r_{t-1}|`` (as the direct model's
``s_i``; 1 when the remainder is constant), so that one unit of ``z`` is one typical step of every series: the
net's quantiles, learned across the panel, then span each series' own noise (DeepAR's and ES-RNN's per-series
scaling). Without it, a panel of a quiet and a noisy series shared one width of log ratios: the quiet series'
80 % band came out many times too wide, the noisy one's too narrow. The net reads a window ending at ``T``
relative to the level there and predicts the horizon the same way, ES-RNN's "log ratio to level"::

    x_τ = z_τ - λ_T               τ = T-L+1 .. T             the window, (L,)
    ẑ_h = net(x)_h                h = 1 .. H                 its forecast of z_{T+h} - λ_T, (H, n_q)
    ŷ_{T+h} = exp(d (ẑ_h + λ_T)) s_{T+h}   or   d (ẑ_h + λ_T) + s_{T+h}

with the future seasons ``s_{T+h} = s_{T+h-m⌈h/m⌉}`` from the recursion run to ``T``. A remainder of zero
(``ẑ = 0``) is the smoothing's own forecast; a series that is exactly level × season is recomposed exactly.
Both maps are monotone in ``ẑ``, so quantiles stay sorted. Deviation from ES-RNN: ``α, γ`` are the classical
per-series estimates, fitted before the net, not learned jointly with it; there is no trend term (the net
carries the trend, in ``z``).

Shapes: ``n`` steps of a series, ``L`` lookback, ``H`` horizon, ``n_q`` quantiles.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from ..data.timeseries import shown_time


class Smoothing(NamedTuple):
    """One series' fitted smoothing: ``kind`` ``"mul"`` or ``"add"``, season ``m``, ``alpha``, ``gamma``,
    ``level0`` (``l_0``), ``season0`` (``(m,)``, ``s_1 .. s_m``) and ``unit`` (``d``, the remainder's volatility;
    models saved before it was measured hold 1 for ``"mul"`` and the mean absolute one-step change of ``y`` for
    ``"add"``, which recompose as they did)."""

    kind: str
    m: int
    alpha: float
    gamma: float
    level0: float
    season0: np.ndarray
    unit: float


def fit_smoothing(y: np.ndarray, m: int) -> Smoothing:
    """Holt-Winters smoothing without trend fitted to the series ``y (n,)`` (finite; statsmodels'
    ``ExponentialSmoothing``, ``initialization_method="estimated"``): multiplicative when every value is
    positive, else additive; with a season of ``m`` when ``y`` holds two seasons and ``m > 1``, else none. Its
    ``unit`` is the remainder's volatility ``d`` of the module docstring (:func:`remainder_unit`)."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    kind = "mul" if (y > 0).all() else "add"
    m = m if m > 1 and len(y) >= 2 * m + 2 else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the optimiser's convergence chatter on short series
        fit = ExponentialSmoothing(y, trend=None, seasonal=kind if m > 1 else None, seasonal_periods=m if m > 1
                                   else None, initialization_method="estimated").fit()
    p = fit.params
    season0 = np.asarray(p["initial_seasons"], np.float64) if m > 1 else np.full(1, 1.0 if kind == "mul" else 0.0)
    s = Smoothing(kind, m, float(p["smoothing_level"]), float(p["smoothing_seasonal"]) if m > 1 else 0.0,
                  float(p["initial_level"]), season0, 1.0)
    return s._replace(unit=remainder_unit(y, s))


def remainder_unit(y: np.ndarray, s: Smoothing) -> float:
    """The volatility ``d`` of the series ``y (n,)`` under the smoothing ``s`` (whose ``unit`` is not read): the
    mean absolute one-step change of its remainder ``r_t`` (the module docstring); where that is 0 (a series
    that is exactly level and season) or not finite, the remainder's mean absolute value (additive), else 1."""
    r = normalise(y, s._replace(unit=1.0))[0]
    steps = np.abs(np.diff(r)).mean() if len(r) > 1 else 0.0
    size = np.abs(r).mean() if s.kind == "add" else 0.0
    # an additive remainder is in the series' units: a floor of 1 would hide a whole series in units of 1e-13
    least = 1.0 if s.kind == "mul" else min(float(np.abs(y).max()), 1.0)
    return float(next((v for v in (steps, size) if np.isfinite(v) and v > 1e-12 * max(np.abs(r).max(), least)), 1.0))


def constant_units(smoothing: list[Smoothing], ys: list[np.ndarray]) -> list[Smoothing]:
    """The panel's smoothings ``smoothing`` of the series ``ys``, where a series constant at fit, at a value other
    than 0 (its remainder has no volatility of its own), takes the panel's typical step relative to size: the
    median over the moving series of ``d`` relative to their size (a multiplicative ``d`` is a log ratio, already
    relative; an additive one divided by the series' mean absolute value), times its own size for an additive
    series. So the net's spread in ``z`` reads as the panel's typical relative step, not as a factor of e per
    unit (a band of 45 .. 300 around a constant 100) nor, additive, as steps of the series' whole size (-21 ..
    -1 around a constant -5). An all-zero series has no size to scale: it keeps 1 (the panel warns of it)."""
    moving = [bool(np.ptp(y) > 0) for y in ys]
    constant = [bool(not m and y[0] != 0) for y, m in zip(ys, moving, strict=True)]
    relative = [s.unit if s.kind == "mul" else s.unit / np.abs(y).mean()
                for s, y, m in zip(smoothing, ys, moving, strict=True) if m]
    if not relative:
        return smoothing
    step = float(np.median(relative))
    return [s._replace(unit=step if s.kind == "mul" else step * abs(float(y[0]))) if c else s
            for s, y, c in zip(smoothing, ys, constant, strict=True)]


def smooth(y: np.ndarray, s: Smoothing) -> tuple[np.ndarray, np.ndarray]:
    """The recursion of the module docstring over ``y (n,)``: levels ``l_1..l_n (n,)`` and seasons
    ``s_1..s_{n+m} (n + m,)`` (the last ``m`` are the next season's)."""
    level, seasons = np.empty(len(y)), np.empty(len(y) + s.m)
    seasons[: s.m] = s.season0
    l_prev = s.level0
    for t, v in enumerate(y):
        if s.kind == "mul":
            level[t] = s.alpha * v / seasons[t] + (1 - s.alpha) * l_prev
            seasons[t + s.m] = s.gamma * v / l_prev + (1 - s.gamma) * seasons[t]
        else:
            level[t] = s.alpha * (v - seasons[t]) + (1 - s.alpha) * l_prev
            seasons[t + s.m] = s.gamma * (v - l_prev) + (1 - s.gamma) * seasons[t]
        l_prev = level[t]
    return level, seasons


def check_positive(y: np.ndarray, s: Smoothing, who: str, times=None) -> None:
    """ValueError naming the first value ``<= 0`` of ``y`` (and its time, from ``times``, the series' times as
    the caller shows them) when ``s`` is multiplicative (its log needs > 0)."""
    bad = np.flatnonzero(~(y > 0)) if s.kind == "mul" else ()
    if len(bad):
        when = "" if times is None else f"{times[bad[0]]}; "
        raise ValueError(f"{who}: value {float(y[bad[0]])!r} at row {bad[0]} is not positive ({when}{len(bad)} "
                         f"value(s) <= 0 in all), but the hybrid model was fitted on a series whose every value is "
                         "positive (a multiplicative season and the log ratio to the level, which need values > 0), "
                         "so it cannot forecast from this one; refit on the data that holds it (fit smooths a "
                         "series with zeros or negative values additively)")


def left_out(y: np.ndarray, first: int, last: int, times=None, period: str | None = None) -> str | None:
    """Why a validation leaves the hybrid out of a series ``y (n,)`` whose trial is fitted on its rows before the
    first origin ``first`` and forecasts from every origin up to ``last``: where those rows are all positive, its
    smoothing is multiplicative (:func:`fit_smoothing`) and cannot read a value <= 0 among the rows before a later
    origin (:func:`check_positive`), though the fit on every row smooths such a series additively; else None.
    ``times``: the series' times, to name the value's; ``period``: the frequency of the periods the series was
    given in (``"M"``), whose starts ``times`` holds, to name the time as the caller's index shows it (``1954-07``,
    not ``1954-07-01``)."""
    bad = np.flatnonzero(~(y[first:last] > 0))
    if not (y[:first] > 0).all() or not len(bad):
        return None
    row = first + int(bad[0])
    when = "" if times is None else f" ({shown_time(times[row].to_period(period) if period else times[row])})"
    return (f"the hybrid left out: value {float(y[row]):g} at row {row}{when} is not positive, and its trial, fitted "
            f"on the {first} positive rows before the first origin, smooths multiplicatively")


def normalise(y: np.ndarray, s: Smoothing) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(z (n,), λ (n,), seasons (n + m,))`` of the module docstring for the series ``y (n,)``."""
    level, seasons = smooth(y, s)
    if s.kind == "mul":
        with np.errstate(divide="ignore", invalid="ignore"):  # a level <= 0 is refused by its caller's check
            return np.log(y / seasons[: len(y)]) / s.unit, np.log(level) / s.unit, seasons
    return (y - seasons[: len(y)]) / s.unit, level / s.unit, seasons


def future_seasons(seasons: np.ndarray, n: int, m: int, H: int) -> np.ndarray:
    """``s_{n+1} .. s_{n+H} (H,)``: the season after step ``n``, repeated (``s_{n+h} = s_{n+h-m⌈h/m⌉}``)."""
    return seasons[n + np.arange(H) % m]


def recompose(zhat: np.ndarray, anchor: float, seasons: np.ndarray, s: Smoothing) -> np.ndarray:
    """Forecasts ``ŷ (H, n_q)`` from the net's ``ẑ (H, n_q)``, the window's level ``λ_T`` and the future
    seasons ``(H,)`` (the last equation of the module docstring)."""
    if s.kind == "mul":
        return np.exp(s.unit * (zhat + anchor)) * seasons[:, None]
    return s.unit * (zhat + anchor) + seasons[:, None]


def windows(z: np.ndarray, anchor: np.ndarray, L: int, H: int) -> tuple[np.ndarray, np.ndarray]:
    """Every full window of one normalised series: inputs ``x (B, L)`` and targets ``(B, H)``, both relative
    to the level ``λ_T`` at the window's last step ``T``."""
    w = np.lib.stride_tricks.sliding_window_view(z, L + H)  # (B, L + H)
    a = anchor[L - 1 : len(z) - H]  # (B,) λ_T
    return w[:, :L] - a[:, None], w[:, L:] - a[:, None]
