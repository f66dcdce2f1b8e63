"""The Forecaster's input features: which channels the network reads, in what order, by role, and the state
that makes them (the Preprocessor's statistics and the series' step), saved and restored through
:meth:`ForecastFeatures.state` / :meth:`ForecastFeatures.from_state`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..data.timeseries import (
    CALENDAR_CYCLES,
    Preprocessor,
    SeriesFeatures,
    TimeSeriesFrame,
    WindowSpec,
    calendar_features,
    check_scaled_range,
    shown_time,
    user_stacklevel,
)

ROLES = ("targets", "past", "known", "calendar")  # the value channels, in their order
# a covariate's value further than this many widths of its fitted range beyond that range is warned of
UNSEEN_WIDTHS = 3.0
#: how many times a target's size in new data must differ from its fitted size to be named (:func:`in_other_units`)
UNITS_FACTOR = 30.0


def fitted_ranges(fitted: np.ndarray) -> list[tuple[float, float, float, int] | None]:
    """Per column of ``fitted (n, k)`` (NaN ignored), what :func:`unseen_range` compares with: ``(lo, hi, typical,
    count)``, the fitted range, the median size of its nonzero values (else the width) and the number of values;
    None for a column without values or constant at fit. Computed once for all the series a panel predicts."""
    out = []
    for j in range(fitted.shape[1]):
        seen = fitted[:, j][~np.isnan(fitted[:, j])]
        if not len(seen) or seen.max() == seen.min():
            out.append(None)
            continue
        lo, hi = float(seen.min()), float(seen.max())
        typical = float(np.median(np.abs(seen[seen != 0]))) if (seen != 0).any() else hi - lo
        out.append((lo, hi, typical, len(seen)))
    return out


def unseen_range(given: np.ndarray, ranges: list, columns: Sequence[str], shown: pd.Index, *,
                 name: str = "future", of: str = "", rows: str = "fitted rows") -> str | None:
    """Where a covariate's value where the net reads it (``given (m, k)`` at the times ``shown``; NaN ignored) lies
    more than :data:`UNSEEN_WIDTHS` widths of its fitted range ``[lo, hi]`` (``ranges``: :func:`fitted_ranges` of
    the fitted rows) beyond that range, the words that say so (else None), for :func:`warn_unseen_range`: a price
    in cents where the fit read it in euros, a share in percent where the fit read fractions. The net never read
    such an input, so the forecast moves by an amount it never learned (a price 100 times the fitted one made a
    sales forecast of -3,600 from a fitted 20). ``of``: the series, in a panel (``" of series 'A'"``). A column
    constant at fit is :func:`~.series.check_learned_covariates`' case (its width is 0)."""
    for j, column in enumerate(columns):
        if ranges[j] is None:
            continue
        lo, hi, typical, count = ranges[j]
        values = given[:, j]
        with np.errstate(invalid="ignore"):
            beyond = np.maximum(values - hi, lo - values) / (hi - lo)  # NaN where missing
            far = np.flatnonzero(beyond > UNSEEN_WIDTHS)
        if not len(far):
            continue
        k = int(far[0])
        v = float(values[k])
        ratio = abs(v) / typical
        units = (f"; it is {ratio:.3g} times the typical fitted size ({typical:.3g}): in another unit than at fit "
                 f"(cents for euros, percent for fractions, thousands for units)?" if ratio >= 10 or ratio <= 0.1
                 else "")
        more = f" ({len(far)} such values in all)" if len(far) > 1 else ""
        return (f"{name} column {column!r}{of} is {v:.6g} at {shown_time(shown[k])}{more}, {beyond[k]:.3g} times "
                f"the width of its fitted range ({lo:.6g} .. {hi:.6g}, over the {count} {rows}) "
                f"{'above' if v > hi else 'below'} it, so the net reads an input it never learned from, and the "
                f"forecast moves by an amount it never learned{units}")
    return None


def in_other_units(given: np.ndarray, ranges: list) -> list:
    """``ranges`` (:func:`fitted_ranges`) kept only for the columns of ``given (m, k)`` whose size differs from
    the fitted one by orders of magnitude, None for the others, so that :func:`unseen_range` names a *target* only
    where new data is in another unit (cents for euros, percent for fractions, thousands for units). The rule: the
    median ``|value|`` of the column's rows at least :data:`UNITS_FACTOR` (30) times the fitted typical size, or
    its largest ``|value|`` at most 1/30 of it with none 0 (a series that fell to 0, a stockout or a shutdown, is
    in the units of fit). A target moves beyond its fitted range by itself (a trend, a series
    that grew 2 or 3 times, one crossing 0, airline passengers a year later), which is what a forecast is for; the
    widths of :func:`unseen_range` alone would name it, so a target is not checked by them alone (covariates are)."""
    out = []
    for j, r in enumerate(ranges):
        seen = np.abs(given[:, j][~np.isnan(given[:, j])])
        if r is None or not len(seen):
            out.append(None)
            continue
        typical = r[2]
        smaller = seen.max() * UNITS_FACTOR <= typical and (seen > 0).all()  # not a stockout's 0s
        out.append(r if np.median(seen) >= UNITS_FACTOR * typical or smaller else None)
    return out


def warn_unseen_range(found: str | None, name: str = "future", also: str = "") -> None:
    """Warn with :func:`unseen_range`'s words (nothing for None), ``also`` after them (other series alike), and
    the fix. A value that is meant (a promotion deeper than any seen) is an extrapolation the user may want:
    hence a warning, not a refusal."""
    if found is None:
        return
    warnings.warn(f"{found}{also}; give it in the units of fit, or, if the value is meant, take the forecast as an "
                  f"extrapolation (warnings.filterwarnings('ignore', message={name + ' column'!r}) silences this)",
                  UserWarning, stacklevel=user_stacklevel())


def _warn_cycle_within_step(calendar: Sequence[str], step: float) -> None:
    """A ``UserWarning`` for each calendar feature whose cycle is no longer than the series' step (``step`` in
    seconds): every step then falls at the same point of the cycle (the hour of daily steps is 0) or at points
    that alias it (the weekday of monthly steps is each month's first day's), a channel without the pattern its name
    promises, which the net reads all the same."""
    for feature in calendar:
        days, cycle = CALENDAR_CYCLES[feature]
        if step < days * 86400:
            continue
        kept = [c for c in calendar if step < CALENDAR_CYCLES[c][0] * 86400]
        shown = str(pd.Timedelta(seconds=step)).removesuffix(" 00:00:00")
        warnings.warn(f"Forecaster.fit: calendar feature {feature!r} places each step in a cycle of {cycle}, but the "
                      f"series' step is {shown}, at least that long: every step falls at the same point of it or "
                      f"at points that alias it (the hour of daily steps is 0 at every step, the weekday of monthly "
                      f"steps is each month's first day's), so the net reads a channel without that pattern; "
                      f"leave it out (calendar={kept!r}), or give data at a finer step "
                      f"(warnings.filterwarnings('ignore', message='Forecaster.fit: calendar feature') silences "
                      f"this)", UserWarning, stacklevel=user_stacklevel())


class ForecastFeatures:
    """The input channels ``(N, F_x)`` of a Forecaster's network and the known-future channels ``(N, C)`` of
    its head, made from a series by a :class:`~rnnkit.data.timeseries.Preprocessor` fit on the training rows.

    The Preprocessor builds, for the ``U`` used columns and the calendar, the channel groups ``values`` (U:
    the targets, the past covariates, the known-future covariates, scaled and imputed), ``calendar`` (sin/cos
    pairs), ``mask`` (U, 1 observed / 0 imputed), ``time_since`` (U, GRU-D's δ) and ``delta_t`` (1, the step
    Δt_t = s_t - s_{t-1}); this object arranges them (times in steps of the series: divided by ``step``):

    ============  ============================================================================================
    layout        input channels, in order
    ============  ============================================================================================
    default       ``x = [values, calendar]``, then ``mask`` (``mask=True``), then ``time_since`` (``time_since=True``)
    time_aware    ``[x, m, δ]`` for :class:`rnnkit.TimeAware` (Che et al. 2018): ``m`` and ``δ`` for every
                  channel of ``x``; a calendar channel is always observed: ``m = 1``, ``δ = Δt``
    ============  ============================================================================================

    :attr:`slices` names each role's channels: ``targets``, ``past``, ``known``, ``calendar`` (together
    ``x``), then ``mask`` and ``time_since``, or, time-aware, ``m`` and ``delta``. The targets come first,
    which :class:`~rnnkit.forecast.DirectForecastNet` relies on. The known-future channels are the
    known-future covariates, then the calendar, over the horizon (:meth:`future_inputs`).
    """

    def __init__(self, spec: WindowSpec, *, scale: str, impute: str, calendar, mask: bool, time_since: bool,
                 time_aware: bool):
        self.spec, self.mask, self.time_since, self.time_aware = spec, mask, time_since, time_aware
        self.preprocessor = Preprocessor(scale=scale, impute=impute, mask=True, time_since=time_since or time_aware,
                                         delta_t=time_aware, calendar=calendar, time_unit="s")
        self.step: float | None = None  # seconds per step (datetimes), the numeric step, or 1; set by fit

    def fit(self, frame: TimeSeriesFrame, rows: range, step: float) -> ForecastFeatures:
        """Fit the preprocessor on ``rows`` of ``frame``; ``step`` is the series' regular step (in seconds for
        datetimes). Returns self."""
        self.preprocessor.fit(frame, rows)
        self.step = float(step)
        self._arrange()
        return self

    def _arrange(self) -> None:
        """The layout: the preprocessor's channel groups, this object's channel names and role slices."""
        groups = self.preprocessor.channels(self.spec)
        start, self._groups = 0, {}
        for name, channels in groups.items():  # where each group sits in the preprocessor's inputs
            self._groups[name] = slice(start, start + len(channels))
            start += len(channels)
        targets, past, known = self.spec.roles(self.preprocessor.columns)
        widths = dict(zip(ROLES, (len(targets), len(past), len(known), len(groups["calendar"])), strict=True))
        x = groups["values"] + groups["calendar"]
        if self.time_aware:
            names = (*x, *(f"{c}_mask" for c in x), *(f"{c}_since" for c in x))
            widths |= {"m": len(x), "delta": len(x)}
        else:
            names = (*x, *(groups["mask"] if self.mask else ()), *(groups["time_since"] if self.time_since else ()))
            widths |= {"mask": len(groups["mask"]) if self.mask else 0,
                       "time_since": len(groups["time_since"]) if self.time_since else 0}
        start, self.slices = 0, {}
        for role, width in widths.items():
            self.slices[role] = slice(start, start + width)
            start += width
        self.slices["x"] = slice(0, len(x))
        self.input_names: tuple[str, ...] = names
        self.future_names: tuple[str, ...] = (*known, *groups["calendar"])

    def transform(self, frame: TimeSeriesFrame) -> SeriesFeatures:
        """The whole series' features: the preprocessor's, with the inputs arranged as the layout says."""
        pre = self.preprocessor.transform(frame, self.spec)
        part = lambda group: pre.inputs[:, self._groups[group]]  # (N, width) float32
        x = [part("values"), part("calendar")]
        if self.time_aware:
            N, C = len(frame), part("calendar").shape[1]
            dt = part("delta_t") / self.step  # (N, 1), Δt in steps
            chosen = [*x, part("mask"), np.ones((N, C), np.float32), part("time_since") / self.step,
                      np.repeat(dt, C, axis=1)]
        else:
            chosen = x + ([part("mask")] if self.mask else []) + ([part("time_since") / self.step]
                                                                 if self.time_since else [])
        inputs = np.ascontiguousarray(np.concatenate(chosen, axis=1), dtype=np.float32)
        return pre._replace(inputs=inputs, input_names=self.input_names)

    def future_inputs(self, index: pd.Index, known: np.ndarray | None) -> np.ndarray | None:
        """The known-future channels ``(len(index), C)`` at the forecast timestamps ``index``: the known-future
        covariates ``known (H, n_f)`` (original units, the first ``H`` steps) scaled as in training, then the
        calendar of ``index``. Steps after ``H`` keep 0 in the covariates' channels: the local head reads
        step h's inputs for step h only, so they cannot change the first ``H`` forecasts. None when the model
        reads no known-future inputs."""
        if not self.future_names:
            return None
        out = np.zeros((len(index), len(self.future_names)), np.float32)
        p, covariates = self.preprocessor, self.spec.future_covariates
        if covariates:
            idx = [p.columns.index(c) for c in covariates]
            with np.errstate(over="ignore"):
                scaled = (known - p.center_[idx]) / p.scale_[idx]  # (H, n_f) float64
            check_scaled_range(scaled, known, p.center_[idx], p.scale_[idx], covariates, index,
                               who="the known-future ", first=None)
            out[: len(known), : len(covariates)] = scaled
        if p.calendar:
            out[:, len(covariates) :] = calendar_features(index, p.calendar)[0]
        return out

    # -- state ----------------------------------------------------------------------------------------------
    def state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """What :meth:`fit` learned, to save: JSON (the preprocessor's columns, the step, the channel names,
        checked on restore) and arrays (the preprocessor's statistics, named ``preprocessor.{mean,center,scale}``)."""
        config, arrays = self.preprocessor.state()
        config |= {"step": self.step, "n_inputs": len(self.input_names), "input_names": list(self.input_names),
                   "future_names": list(self.future_names)}
        return config, {f"preprocessor.{k}": v for k, v in arrays.items()}

    @classmethod
    def from_state(cls, spec: WindowSpec, options: dict, state: dict, arrays: dict) -> ForecastFeatures:
        """The features :meth:`state` described, built with the same ``spec`` and ``options`` (the constructor's
        keywords). ValueError when the saved channel names are not the ones these options make."""
        features = cls(spec, **options)
        stats = {k: arrays[f"preprocessor.{k}"] for k in ("mean", "center", "scale")}
        features.preprocessor.load_state({"columns": state["columns"]}, stats)
        features.step = float(state["step"])
        features._arrange()
        if tuple(state["input_names"]) != features.input_names:
            raise ValueError(f"the saved input channels {state['input_names']} are not the ones the saved "
                             f"parameters make ({list(features.input_names)})")
        # A model saved before known-future inputs existed records no future names: its head reads none.
        future = tuple(state.get("future_names", ()))
        if future and future != features.future_names:
            raise ValueError(f"the saved known-future channels {list(future)} are not the ones the saved "
                             f"parameters make ({list(features.future_names)})")
        features.future_names = future
        return features
