"""The Forecaster's defaults that choose from the data: the season length, the lookback, whether the network
works on the level of the series or on its changes from the last value (``relative``), and how many epochs it
trains.

Each rule reads the training rows only, returns its choice and a one-line reason, and is recorded on the fitted
model (``season_length_``, ``lookback_``, ``relative_``, ``max_epochs_``; ``choices_`` holds the reasons):

==============  ==========================================================================================
season_length   the season of the index's calendar frequency (12 monthly, 4 quarterly, 7 daily, 24 hourly;
                :func:`~rnnkit.forecast.infer_season_length`), kept only when the data agree: the sample
                autocorrelation of the differenced series (its changes clipped to 5 robust standard deviations:
                :func:`clipped_changes`) at that lag is above Bartlett's 95 % white-noise band
                ``1.96 / sqrt(n)`` and the series holds two seasons; else 1. No calendar (a numeric
                or yearly axis, or none): 1. Cycles of varying length (lynx, sunspots) are not seasons. Without
                a calendar the reason names the lag of a calendar's season (4, 5, 7, 12, 24, 48, 52) at which the
                changes are most autocorrelated above the band, if any (a quarterly series on row numbers: lag
                4), as the season to pass if it is one; none on a numeric axis of years (:func:`years_of`)
lookback        ``max(2 H, 2 m)`` steps (two horizons, and two seasons so that the encoder sees each step
                of the season twice), cut to ``(N - H + 1) // 2`` so that the training rows give at least as
                many windows as the lookback has steps
relative        True (predict changes from the last value) unless the training series looks stationary:
                the KPSS test (Kwiatkowski et al. 1992, level stationarity, lags by Hobijn et al.'s rule)
                does not reject at 5 %; then False (predict the standardised level). KPSS alone decides:
                the ADF test's AIC lag choice loses its power on long cycles (on the training part of lynx
                and yearly sunspots it keeps the unit root, p = 0.12 and 0.06, where KPSS sees stationary
                cycles, p >= 0.096). With several targets, True when any target is judged non-stationary;
                below 20 observed steps, True (the naive-anchored choice).
max_epochs      100 epochs, or fewer where 100 would pass 10,000 optimizer steps: ``ceil(10000 / batches)``
                epochs for a series whose training windows make more than 100 batches (3,200 windows of
                32). A long series gives many windows an epoch, so it needs fewer epochs: 100 epochs of an
                hourly year (8,700 windows, 272 batches) are 27,200 steps, 37 epochs are 10,064. Fewer
                steps cost accuracy where measured (docs/forecasting.md), hence the high cap
floor           0 for a target whose fitted values never go below 0 and reach it (counts, sales, rainfall): its
                forecasts and bands are kept at or above 0 (:func:`zero_floor`)
==============  ==========================================================================================
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..checks import as_counts
from ..data.timeseries import YEARS
from .evaluation import infer_season_length
from .series import shown_time, user_stacklevel

MIN_TEST_LENGTH = 20  # fewer observed steps than this: no stationarity test is trusted
MAX_EPOCHS, TARGET_STEPS = 100, 10_000  # max_epochs="auto": 100 epochs, fewer where they pass 10,000 steps


# a longer season as the calendar feature whose sin/cos carry it (the steps of the data unknown: by the usual counts)
SEASON_FEATURES = {24: "hour", 7: "weekday", 168: "weekday", 12: "month", 52: "dayofyear", 53: "dayofyear",
                   365: "dayofyear", 366: "dayofyear", 8760: "dayofyear", 8766: "dayofyear"}


def several_seasons_fix(m, who: str) -> str:
    """The fix for several seasons given as ``season_length`` (``[7, 365]``, as statsforecast's MSTL and TBATS take
    them), to end its refusal with; ``""`` for anything else. One season is modelled (the seasonal naive, the
    ETS and hybrid seasons, the lookback's rule): the shortest, with the longer ones as calendar features the
    direct net reads (the Forecaster's ``calendar``) or as known-future covariate columns (the GlobalForecaster's)."""
    given = as_counts(m)
    if given is None:
        return ""
    if len(given) == 1:
        return f"; give the number itself, season_length={given[0]}"
    seasons = sorted(set(given))
    shortest, longer = seasons[0], seasons[1:]
    head = (f"; season_length is one season, and {seasons} are {len(seasons)}: give the shortest, "
            f"season_length={shortest}, ")
    if who == "GlobalForecaster":
        return head + ("and the longer ones as known-future covariate columns of each series (the sin and cos of "
                       "the day of the year for a yearly season), fit(data, future_covariates=[...])")
    calendar = (f"calendar={list(dict.fromkeys(SEASON_FEATURES[v] for v in longer))}"
                if all(v in SEASON_FEATURES for v in longer) else
                "calendar=[...] among ('hour', 'weekday', 'month', 'dayofyear')")
    return head + (f"and the longer ones as calendar features, whose sin and cos the direct net reads: {calendar} "
                   f"(a model with calendar inputs is the direct net: model='auto' forecasts with it alone)")


def autocorrelation(x: np.ndarray, lag: int) -> float:
    """The sample autocorrelation of ``x`` (1-D) at ``lag`` (Box & Jenkins' estimator). A missing value (NaN)
    is left out: the products of the pairs observed ``lag`` steps apart in time are summed and scaled to the
    count of a complete series' (Parzen 1963's estimator for a series with missing observations), so a value's
    partner is the one ``lag`` steps later, not ``lag`` observed values later (a shop's Sundays left out of
    daily sales would read a weekly season as one of 6), within [-1, 1]. Without NaN, Box & Jenkins' value."""
    seen = ~np.isnan(x)
    x = np.where(seen, x - x[seen].mean(), 0.0)
    pairs = int((seen[lag:] & seen[:-lag]).sum())
    denominator = float(x @ x)
    if denominator <= 0 or not pairs:
        return 0.0
    return float(np.clip(float(x[lag:] @ x[:-lag]) / denominator * (int(seen.sum()) - lag) / pairs, -1.0, 1.0))


# The seasons of a calendar in steps (infer_season_length's): quarters, business days, days, months, hours,
# half-hours, weeks. Without a calendar, the lag among these where the changes correlate most is named, not taken.
CALENDAR_LAGS = (4, 5, 7, 12, 24, 48, 52)


CLIP_SPREADS = 5.0  # changes beyond this many robust standard deviations from their median are clipped there


def clipped_changes(y: np.ndarray) -> np.ndarray:
    """The changes ``y[t] - y[t-1]`` of ``y (n,)`` (NaN where a step is missing), each clipped to ``median ±
    5 σ̂``, ``σ̂ = 1.4826 MAD`` (a normal's standard deviation from the median absolute deviation; Hampel 1974):
    differenced, a trend does not correlate every lag; clipped, one level shift (a price change, a sensor
    swapped in the last season) or a one-off spike, whose change alone would outweigh every other change's
    square in the autocorrelation's denominator, no longer hides a season (a weekly swing of +-3 read as no
    season after one jump of 100). A clipped change keeps its sign and place, so a peak that comes back every
    season still correlates at its lag. Changes of which most are equal (MAD 0: a series mostly 0) are kept."""
    diff = np.diff(y)
    seen = diff[~np.isnan(diff)]
    if not len(seen):
        return diff
    center = float(np.median(seen))
    spread = 1.4826 * float(np.median(np.abs(seen - center)))
    if spread <= 0:
        return diff
    return np.clip(diff, center - CLIP_SPREADS * spread, center + CLIP_SPREADS * spread)  # NaN stays NaN


def _seen_at(changes: np.ndarray, m: int, names) -> tuple[list[tuple[float, float]], str] | None:
    """``([(autocorrelation of the changes at lag m, Bartlett's band)] per target, shown)`` of the targets'
    :func:`clipped_changes` ``changes (N - 1, n_y)``, or None where a target's observed steps hold fewer than two
    seasons of ``m``; ``shown`` names the targets where several."""
    seen = []
    for diff in changes.T:
        observed = int((~np.isnan(diff)).sum())
        if observed < 2 * m + 1:
            return None
        seen.append((autocorrelation(diff, m), 1.96 / math.sqrt(observed)))
    shown = [f"{a:.2f} (band {b:.2f})" for a, b in seen]
    if len(seen) > 1 and names is not None:
        shown = [f"{name!r} {r}" for name, r in zip(names, shown, strict=True)]
    return seen, ", ".join(shown)


def years_of(time) -> tuple[int, int] | None:
    """``(first, last)`` where the numeric time axis ``time`` (the training rows' times) steps by 1 through
    whole numbers that read as years (:data:`YEARS`); None for any other axis (row numbers, dates, ...)."""
    t = np.asarray(time) if time is not None else np.empty(0)
    if not len(t) or not np.issubdtype(t.dtype, np.number):
        return None
    if not (np.all(np.mod(t, 1) == 0) and np.all(np.diff(t) == 1) and YEARS[0] <= t[0] and t[-1] <= YEARS[1]):
        return None
    return int(t[0]), int(t[-1])


def choose_season_length(values: np.ndarray, freq, names=None, shown: str | None = None,
                         time=None) -> tuple[int, str]:
    """``(m, reason)``: the season length of the series ``values (N, n_y)`` (training rows; NaN allowed) whose
    time axis has frequency ``freq`` (a pandas frequency string, a numeric step, or None: row numbers);
    ``names``: the targets' names, which the reason gives where there are several; ``shown``: the frequency as
    the caller gave it, which the reason names (periods ``'Q-DEC'``, read on pandas' grid ``'QS-OCT'``);
    ``time``: a numeric axis' times of those rows, read as years where they are (:func:`years_of`)."""
    said = shown or freq
    changes = np.column_stack([clipped_changes(column) for column in values.T])  # (N - 1, n_y)
    try:
        m = infer_season_length(freq)
    except ValueError:
        years = years_of(time) if isinstance(freq, int | float) else None
        if years is not None:
            return 1, (f"no calendar season: a numeric time axis of years ({years[0]} .. {years[1]}), one step a "
                       "year, has no season within it (a cycle of several years is not a season)")
        axis = ("the series is indexed by row numbers, without dates" if freq is None else
                f"a numeric time axis (step {freq:g})" if isinstance(freq, int | float) else f"the frequency {said!r}")
        strongest = [(min(a for a, _ in seen), lag, r) for lag in CALENDAR_LAGS
                     if (found := _seen_at(changes, lag, names)) is not None
                     for seen, r in [found] if all(a > b for a, b in seen)]
        if not strongest:
            return 1, f"no calendar season: {axis}"
        _, lag, r = max(strongest)
        return 1, (f"no calendar season: {axis}; the autocorrelation of the changes at lag {lag} is {r}, as a "
                   f"season of {lag} steps gives: pass season_length={lag} if the series has one")
    if m == 1:
        return 1, f"the frequency {said!r} has no season within it"
    found = _seen_at(changes, m, names)
    if found is None:
        observed = min(int((~np.isnan(column)).sum()) for column in values.T)
        return 1, f"{observed} observed steps hold fewer than two seasons of {m} (frequency {said!r})"
    seen, r = found
    if all(a > b for a, b in seen):
        return m, f"frequency {said!r}; autocorrelation of the changes at lag {m}: {r}"
    where = (f"below the white-noise band (negative: the changes reverse at lag {m}, which a season of {m} does not)"
             if any(a < -b for a, b in seen) else "within the white-noise band")
    return 1, f"frequency {said!r} suggests {m}, but the autocorrelation of the changes at lag {m} is {where}: {r}"


def choose_lookback(n: int, horizon: int, season_length: int) -> tuple[int, str]:
    """``(L, reason)``: the lookback for ``n`` training steps, horizon ``H`` and season ``m``."""
    wanted = max(2 * horizon, 2 * season_length)
    cap = max(1, (n - horizon + 1) // 2)
    if wanted <= cap:
        return wanted, f"max(2 horizon, 2 seasons) = {wanted}"
    windows = n - cap - horizon + 1
    why = f"so that {n} steps give {windows} windows" if windows > 0 else \
        f"(the least: {n} steps hold no window of lookback + horizon = {cap + horizon} steps)"
    return cap, f"max(2 horizon, 2 seasons) = {wanted}, cut to {cap} {why}"


def choose_max_epochs(windows: int, batch_size: int) -> tuple[int, str]:
    """``(epochs, reason)`` for ``windows`` training windows in batches of ``batch_size``."""
    batches = max(1, math.ceil(windows / batch_size))
    epochs = min(MAX_EPOCHS, math.ceil(TARGET_STEPS / batches))
    if epochs == MAX_EPOCHS:
        return epochs, f"{windows} windows, {batches} batches an epoch: {MAX_EPOCHS} epochs are " \
                       f"{MAX_EPOCHS * batches} optimizer steps"
    return epochs, f"{windows} windows, {batches} batches an epoch: {epochs} epochs reach {TARGET_STEPS} " \
                   f"optimizer steps ({epochs * batches}; {MAX_EPOCHS} epochs would be {MAX_EPOCHS * batches})"


def choose_relative(values: np.ndarray, names=None) -> tuple[bool, str]:
    """``(relative, reason)`` for the target columns ``values (N, n_y)`` (training rows; NaN skipped);
    ``names``: the targets' names, which the reason gives where there are several."""
    from statsmodels.tools.sm_exceptions import InterpolationWarning
    from statsmodels.tsa.stattools import kpss

    reasons = []
    named = names is not None and values.shape[1] > 1
    for j, column in enumerate(values.T):
        y = column[~np.isnan(column)]
        which = f"{names[j]!r}: " if named else ""
        if len(y) < MIN_TEST_LENGTH or np.ptp(y) == 0:
            return True, f"{which}{len(y)} observed steps (or a constant): too few to test stationarity"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InterpolationWarning)  # a p-value beyond KPSS' table: its bound
            p = kpss(y, regression="c", nlags="auto", result_object=False)[1]
        reasons.append(f"{which}KPSS p={p:.3f}")
        if p <= 0.05:
            return True, f"not stationary ({reasons[-1]} <= 0.05)"
    return False, f"stationary ({'; '.join(reasons)} > 0.05)"


def zero_floor(values: np.ndarray) -> np.ndarray:
    """``(n_y,)`` whether each target column of ``values (N, n_y)`` (the fitted rows; NaN skipped) is bounded
    below by 0, so that its forecasts are floored there: every observed value is at least 0 and one of them is 0, a
    floor the series shows (sales, demand, rainfall). Whole numbers alone are no floor: temperatures read in whole
    degrees that stayed above 0 may still go below it. A quantile of a quantity that cannot be negative is at least
    0, and so is its mean: the floor never moves a forecast away from the value it estimates (a band around a count
    of 1.2 reaches below 0 where its scaled residuals are symmetric)."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: no floor
        low = np.nanmin(values, axis=0)
    touches = np.any(values == 0, axis=0)
    return (low >= 0) & touches


def floor_at_zero(y: np.ndarray, *rows: np.ndarray) -> np.ndarray:
    """Forecasts ``y (..., n_y, n_q)`` with those of a target bounded below by 0 in ``rows`` (arrays ``(N_i, n_y)``
    of its observed values: the fitted rows, and new data's) kept at or above 0 (:func:`zero_floor`)."""
    return np.where(zero_floor(np.concatenate(rows))[:, None], np.maximum(y, 0.0), y)


def zero_band(y: np.ndarray, quantiles, rows: list[np.ndarray], times, steps=None, season: int | None = None
              ) -> str | None:
    """What is wrong where a target mostly 0 (an intermittent demand: more than half of its observed values in
    ``rows``, the fitted ones and new data's, are 0, none below 0) has a lowest quantile ``τ`` forecast above 0 in
    ``y (H, n_q)`` (in order of ``quantiles``) at some of the steps ``times`` where 0 is more often the value than
    ``τ``: the band says a 0 is less likely than ``τ`` where it is likelier. With a ``season`` (``m >= 2`` steps,
    and two seasons of ``rows[-1]``, the series the forecast continues), a step's share of zeros is that of its
    phase (the values ``m``, ``2m``, ... steps before it): a series 0 every night (solar power, a shop's hours)
    forecast above 0 by day is not named, its night steps are. ``steps``: the steps ahead (1-based) of ``y``'s rows
    (default 1..H). No candidate models intermittent demand (Croston, SBA), so the band is that of a quantity that
    varies continuously (a naive's about the last value, a sale). None where nothing is to be said."""
    if quantiles is None:
        return None
    values = np.concatenate(rows)
    values = values[~np.isnan(values)]
    if not len(values) or values.min() < 0:
        return None
    zeros = int(np.sum(values == 0))
    share, low = zeros / len(values), int(np.argmin(quantiles))
    tau = float(quantiles[low])
    if share <= 0.5 or tau >= share:
        return None
    steps = np.arange(1, len(y) + 1) if steps is None else np.asarray(steps)
    last = rows[-1]
    shares = np.full(len(y), share)
    if season is not None and season >= 2 and len(last) >= 2 * season:
        for i, h in enumerate(steps):  # the share of zeros at the step's phase of the season
            phase = last[(len(last) + int(h) - 1) % season :: season]
            phase = phase[~np.isnan(phase)]
            shares[i] = np.mean(phase == 0) if len(phase) else share
    above = np.flatnonzero((y[:, low] > 0) & (shares > tau))
    if not len(above):
        return None
    shown = ", ".join(f"{shown_time(times[h])} ({y[h, low]:.4g})" for h in above[:3]) + \
        (", ..." if len(above) > 3 else "")
    return (f"is 0 at {100 * share:.0f} % of its observed values ({zeros} of {len(values)}), but its q{tau:g} "
            f"forecast is above 0 at {len(above)} of the {len(y)} steps ({shown}), a band that makes a 0 less likely "
            f"than {tau:g} there")


ZERO_BAND_FIX = ("no candidate models an intermittent demand (Croston, SBA), so the band is one of a quantity that "
                 "varies continuously; forecast a coarser step at which it is seldom 0 (weekly sums of daily values: "
                 "y.resample('W').sum()), or use a method for intermittent demand (statsforecast's CrostonSBA) "
                 "(warnings.filterwarnings('ignore', message='.*a band that makes a 0') silences this)")
"""The fix that ends :func:`warn_zero_band`'s warning, and a panel's (one warning per call, naming each series)."""


def warn_zero_band(y: np.ndarray, quantiles, rows: list[np.ndarray], who: str, times, steps=None,
                   season: int | None = None) -> None:
    """Warn of :func:`zero_band`'s band of a mostly-0 target; ``who`` begins the message."""
    what = zero_band(y, quantiles, rows, times, steps, season)
    if what is not None:
        warnings.warn(f"{who}{what}; {ZERO_BAND_FIX}", UserWarning, stacklevel=user_stacklevel())
