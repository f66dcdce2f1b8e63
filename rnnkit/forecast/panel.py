"""One recurrent model over many series: the global forecaster (DeepAR's way of learning across a panel).

A panel is a long DataFrame, one row per (series, timestamp), the way darts, neuralforecast and statsforecast
take many series: a series-id column, a time column, a target column, and optional known-future covariate
columns. :class:`GlobalForecaster` trains **one** :class:`~rnnkit.forecast.DirectForecastNet` on the windows
of every series at once (Salinas et al. 2020's DeepAR, here with the direct multi-output head of the
Forecaster instead of DeepAR's autoregressive sampling) and forecasts every series ``H`` steps ahead, with
quantiles, at each series' own future timestamps.

**Per-series scaling.** Series ``i`` is read in its own units: its target is mapped to
``z = (y - μ_i) / s_i`` with the statistics of the rows given to ``fit``::

    μ_i = mean_t y_t                    the series' mean
    s_i = mean_t |y_t - y_{t-1}|        its mean absolute one-step change (the in-sample MAE of the naive
                                        forecast); when the series is constant, |μ_i| times the panel's median
                                        s_j / mean_t |y_{j,t}| over the moving series (1 for a constant 0)

The net reads and predicts ``z``; a forecast is ``ŷ = μ_i + s_i ẑ``. With ``s_i`` a typical step of the
series, an error of 1 in ``z`` is one typical step whatever the series' level or units, so every series
weighs alike in the loss, as it does in a mean of MASE over series (Hyndman & Koehler 2006); and, unlike the
standard deviation of the levels, the scale is not inflated by a trend. ``relative=True`` (the default)
further subtracts the window's last ``z`` (see :class:`~rnnkit.forecast.DirectForecastNet`), so ``μ_i``
cancels inside the net. Known-future covariates are scaled per column over all series (mean and standard
deviation of the fitted rows): a covariate means the same thing in every series (a promotion flag, a
holiday), and one that is constant within a series still tells the series apart.

**Hybrid, calibrated band.** ``model="hybrid"`` replaces the per-series scaling of the target by
:mod:`rnnkit.forecast.hybrid`'s (exponential smoothing per series; windows relative to the level ``λ_T``).
With quantiles, ``model="direct"`` or ``"hybrid"`` calibrates its band on a validation window (every series
less its last ``H`` rows): ``q_τ' = q_0.5 + c_τ (q_τ - q_0.5)`` (:func:`calibrate_band`).

**The default, a combination per series** (``model="auto"``; the Forecaster's, :mod:`rnnkit.forecast.combination`,
with the global nets among the candidates)::

    candidates of series i   naive (seasonal), drift, ets (fitted on series i alone), direct, hybrid (the
                             global nets' forecasts of series i)
    validation               series i's origins o_1 < .. < o_V (combination.validation_origins of its n_i
                             rows); the classical candidates refitted at each origin; each net trained ONCE
                             on every series' rows before its o_1 and forecasting every series from each of
                             its origins (rows after o_1 read as inputs, not trained on)
    choice of series i       the equal-weight mean of its best k candidates, each mean c scored on the
                             series' own n_i = V H validation values shrunk toward the panel's (pool = p):
                             score_i(c) = (e_i(c) + p ē(c)) / (1 + p), e_i(c) its validation MAE / s_i
                             (its in-sample naive MAE), ē(c) the mean of e_j(c) over the series
                             (combination.select_pooled; p = 0: combination.select on the series alone),
                             recorded in components_ and validation_
    refit                    the nets some series chose, once each on every series' rows (parts_); ETS on
                             each series that chose it (ets_)
    band                     q_τ(h) = ŷ_{i,h} + c_τ s_{i,h}: s_{i,h} the h-step naive MAE of series i
                             (band_scale_), c_τ split conformal on the validation residuals / s_{i,h} of
                             every series, pooled (combination.pooled_offsets; band_)

The choice is per series, as the Forecaster's: the panels' series differ in what suits them (a smooth
population count, a volatile interest rate); but a few dozen validation values per series are noisy evidence,
so by default (``pool=1``) each series' scores lean halfway toward the panel's (empirical Bayes: the panel
counted as one more series' worth of values). The band is pooled: ``Σ V_i H`` values instead of ``V H``, whose
extreme ranks are noisy and over-cover at that size. All three were chosen on the windows before the
benchmark's test windows (``benchmarks/forecast_panel.py --dev``): per series 0.742 mean MASE against 0.770
for a panel-wide choice (seed 0); pooled coverage 0.67 / 0.85 / 0.72 against 0.73 / 0.90 / 0.61 per series;
then ``pool=1`` 0.729 over seeds 0 and 1 against 0.734 for each series alone (``pool=0``), 0.762 for one
panel-wide choice (``pool="panel"``), 0.729 / 0.731 / 0.739 for pools 0.5 / 2 / 3; a weak lead (seed 0: 0.718
against 0.740; seed 1: 0.739 against 0.729). A series with an exact candidate keeps its own choice. With
known-future covariates, the classical candidates are left out (they read none). Cost: two net fits for the
validation and at most two on all rows.

Shapes: ``S`` series, ``n_i`` rows of series ``i``, ``L`` lookback, ``H`` horizon, ``n_f`` known-future
covariates, ``n_q`` quantiles (1 without), ``B`` windows.

=============  =================================================================================================
window         ``x (L, 1 + n_f)``: ``z`` and the scaled covariates over the lookback; ``future (H, n_f)``: the
               covariates over the horizon (the MQ-RNN head of the Forecaster, Wen et al. 2017); target
               ``z (H,)``. Every full window of every series, ``n_i - L - H + 1`` per series, shuffled together
loss           the pinball loss averaged over ``quantiles`` (Koenker & Bassett 1978), or the squared error
               without them (:class:`~rnnkit.forecast.ForecastModule`), in ``z``
forecast       the last ``L`` rows of each series -> ``(H, n_q)`` in ``z``, sorted (never crossing), unscaled
=============  =================================================================================================
"""

from __future__ import annotations

import copy
import datetime
import numbers
import os
import warnings
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd
import torch
from pandas.tseries.frequencies import to_offset
from sklearn.base import BaseEstimator, clone
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from .. import io
from ..checks import (
    as_counts,
    check_fitted_params,
    fitted_params,
    fold_name,
    int_meant,
    is_count,
    is_integer,
    meant_name,
)
from ..data.tables import MixedZones, arrays_in_column, comma_numbers, date_readings, marked_numbers
from ..data.timeseries import TimeSeriesFrame, _clock_set_back, check_scaled_range, shown_number
from ..models import check_cell_name
from ..training import seeded_fit
from ..training.runs import check_training_options, resolve_device, resume_checkpoint, run_identity
from . import combination, defaults, hybrid
from .evaluation import count_fix, mase_scale
from .features import fitted_ranges, in_other_units, unseen_range, warn_unseen_range
from .net import DirectForecastNet, ForecastBatch, forecast_encoder
from .series import (
    _future_index,
    _known_future,
    _missing_business_days,
    _period_starts,
    _regular_step,
    _take,
    as_text,
    check_learned_covariates,
    counts_of_records,
    durations_refusal,
    forecast_steps,
    long_of_dict,
    month_columns,
    monthly_series,
    names_series,
    quantiles_fix,
    season_length_fix,
    shown_time,
    text_form,
    text_read_as,
    times_across,
    user_stacklevel,
    warn_bool_targets,
    warn_unix_times,
    wide_fix,
)

MODELS = ("auto", "direct", "hybrid")  # GlobalForecaster(model=...) and Forecaster(model=...)
KINDS = ("direct", "hybrid", "combination")  # a fitted GlobalForecaster's kind_
# the parameters the fitted network is built from (load rebuilds it from them) and the window predict reads
_NETWORK = ("lookback", "horizon", "quantiles", "cell", "hidden_size", "num_layers", "relative")
SHOWN_SERIES = 5  # the series whose season's reason choices_ spells out (verbose=True prints every one)


@io.saveable("forecast_panel")
class GlobalForecaster(BaseEstimator):
    """Forecast every series of a panel ``horizon`` steps ahead with one recurrent model trained on all of them.

    Args (all keyword-only):
        lookback, horizon: window sizes ``L`` and ``H`` in steps of each series (required).
        model: ``"direct"`` (the per-series scaling of the module docstring), ``"hybrid"`` (per-series
            exponential smoothing, the net on the deseasonalised series relative to its level:
            :mod:`rnnkit.forecast.hybrid`, ES-RNN's decomposition, Smyl 2020) or ``"auto"`` (default): per
            series, the equal-weight mean of the best of naive, drift, ETS and the two global nets, chosen on
            the series' validation origins, with a split-conformal band (the module docstring).
        season_length: each series' season ``m`` (the hybrid's seasonality, the validation MASE);
            ``"auto"`` (default): per series, as the Forecaster chooses it
            (:func:`rnnkit.forecast.defaults.choose_season_length`).
        pool: ``"auto"``'s choice pools evidence across the series (:func:`.combination.select_pooled`): each
            series' validation error of every candidate mean, in units of its typical step ``s_i``, shrunk toward
            the panel's mean error of that mean, the panel counted as ``pool`` series' worth of evidence
            (``κ_i = pool n_i``); a number ``>= 0`` or ``"panel"`` (one choice for every series); 0: each series
            on its own evidence. Default 1 (the panel's mean weighs as much as the series' own values), chosen on
            the benchmark's development windows (the module docstring).
        calibrate: with quantiles, ``"direct"`` or ``"hybrid"`` stretches each quantile's distance to the
            median by the factor that makes its level hold on the validation window (:func:`calibrate_band`);
            default True. ``"auto"`` always calibrates its band (False is refused).
        cell: a name of the cell registry (:data:`rnnkit.models.CELL_NAMES`; ``"lstm"`` the default), a factory
            ``(input_size, hidden_size) -> Cell`` or a Cell object (copied at every fit). Only a named cell
            can be saved. A LayerNorm-LSTM (by name or class) also reads a constant channel beside the
            series and its covariates (:func:`~.net.reads_constant`).
        hidden_size, num_layers, dropout: the encoder (dropout between layers).
        max_epochs, batch_size, lr, weight_decay, clip_grad_norm: training (AdamW; clipping by global norm,
            Pascanu et al. 2013). An epoch visits every window of every series once.
        relative: predict changes from the window's last value (default True; see the Forecaster).
        quantiles: strictly increasing levels in (0, 1) that include 0.5 (default ``(0.1, 0.5, 0.9)``: the
            median and an 80 % interval), trained on the pinball loss; None: point forecasts on the squared
            error.
        random_state: seeds initialisation and shuffling (the caller's torch RNG is left untouched).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``. verbose: Lightning's progress bar and summary.
        log_dir: logs and a checkpoint at the end of every epoch (``log_dir/checkpoints/last.ckpt``), from
            which ``fit(..., resume=True)`` continues.

    Fitted attributes: ``model_`` (the DirectForecastNet; None for the combination), ``ids_`` (the series ids, in
    order of first appearance), ``center_``, ``scale_`` (``(S,)`` the per-series ``μ_i``, ``s_i`` of the module
    docstring), ``covariate_center_``, ``covariate_scale_`` (``(n_f,)``), ``freqs_`` (each series' pandas frequency
    or numeric step), ``history_`` (id -> the fitted series as a TimeSeriesFrame, target first), ``id_col_``,
    ``time_col_``, ``target_``, ``future_covariates_``, ``loss_curve_`` (empty for the combination: see ``parts_``);
    ``kind_`` (``"direct"``, ``"hybrid"`` or ``"combination"``), ``season_lengths_``, ``band_`` (``{τ: c_τ}``: the
    net's stretch factors, or the combination's offsets in units of ``band_scale_``; empty when not calibrated),
    ``choices_`` (the reason of each), ``smoothing_`` (the hybrid's :class:`~rnnkit.forecast.hybrid.Smoothing` per
    series, else None). The combination's, per series in the order of ``ids_``: ``components_`` (the candidates
    averaged; ``(kind_,)`` for one net), ``validation_`` (every candidate's and every mean's validation MAE, the
    origins, the choice), ``ets_`` (the smoothing's parameters, or None), ``band_scale_`` (``(S, H)`` the
    ``s_{i,h}``); and ``parts_`` (``{"direct" | "hybrid": the GlobalForecaster of that net}``, the nets some series
    chose). ``verbose=True`` prints each series' choice.
    """

    forecasts_panels = True  # what evaluation.backtest tells apart without importing this module

    def __init__(
        self,
        *,
        lookback: int,
        horizon: int,
        model: str = "auto",
        season_length: int | str = "auto",
        pool: float | str = 1.0,
        calibrate: bool = True,
        cell="lstm",
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        max_epochs: int = 50,
        batch_size: int = 64,
        lr: float = 5e-3,
        weight_decay: float = 0.0,
        clip_grad_norm: float | None = 1.0,
        relative: bool = True,
        quantiles: Sequence[float] | None = (0.1, 0.5, 0.9),
        random_state=None,
        device: str = "auto",
        verbose: bool = False,
        log_dir: str | None = None,
    ):
        self.lookback = lookback
        self.horizon = horizon
        self.model = model
        self.season_length = season_length
        self.pool = pool
        self.calibrate = calibrate
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.clip_grad_norm = clip_grad_norm
        self.relative = relative
        self.quantiles = quantiles
        self.random_state = random_state
        self.device = device
        self.verbose = verbose
        self.log_dir = log_dir

    # -- fit ----------------------------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame, *, id_col: str = "unique_id", time_col: str = "ds", target: str = "y",
            future_covariates: Sequence[str] = (), resume: bool = False) -> GlobalForecaster:
        """Train on the panel ``data``: a long DataFrame with columns ``id_col`` (the series id), ``time_col``
        (datetimes, periods or numbers: each series evenly spaced at its own frequency, in increasing time
        order), ``target`` (numbers) and the ``future_covariates`` (numbers known ahead: read over the lookback
        and, from ``predict(future=...)``, over the horizon). The defaults are neuralforecast's column names.
        Rows of different series may interleave; other columns are not read (numeric ones warned of). Every series needs
        ``lookback + horizon`` rows. Returns self; fitted attributes are set only on success.

        ``resume=True`` continues an interrupted fit from ``log_dir/checkpoints/last.ckpt`` (or starts from the
        beginning when there is none yet); it needs an int ``random_state``, the same data and parameters
        (``max_epochs`` may grow), and refuses another run's checkpoint."""
        return self._fit(data, id_col=id_col, time_col=time_col, target=target, future_covariates=future_covariates,
                         resume=resume, outer=True)

    def _fit(self, data: pd.DataFrame, *, id_col: str, time_col: str, target: str, future_covariates: Sequence[str],
             resume: bool, outer: bool = False) -> GlobalForecaster:
        """:meth:`fit`; ``outer``: the caller's fit (not one of the nets' or the validation's on frames built
        here), which alone warns of times the caller can change."""
        self._check_params()
        covariates = _names(future_covariates)
        series, period = _read_panel(data, id_col, time_col, target, covariates)
        _warn_unread(data, (id_col, time_col, target, *covariates))
        if outer:
            warn_bool_targets({target: data[target]}, "GlobalForecaster.fit", "data")
        text = text_form(data[time_col])  # years '1990', quarters '1990Q1'... come back as written
        L, H = self.lookback, self.horizon
        short = [key for key, (frame, _) in series.items() if len(frame) < L + H]
        if len(short) == 1:
            frame, rows = series[short[0]]
            held = (f"1 row (row {rows[0]})" if len(frame) == 1 else
                    f"{len(frame)} rows (rows {rows[0]}..{rows[-1]})")
            fix = ("drop the series from the panel, or shorten lookback or horizon" if len(series) > 1 and
                   H < len(frame) else "shorten lookback or horizon" if H < len(frame) else
                   "a window needs 2 rows at least (lookback=1, horizon=1), so no lookback or horizon fits it: " +
                   ("drop the series from the panel" if len(series) > 1 else "pass a longer series")
                   if len(frame) < 2 else
                   f"the horizon alone is at least its {len(frame)} rows, so no lookback makes a window: give a "
                   f"horizon of at most {len(frame) - 1} (with lookback=1)" +
                   (", or drop the series from the panel" if len(series) > 1 else ""))
            raise ValueError(f"series {short[0]!r} has {held}; fit needs "
                             f"lookback + horizon = {L + H} rows of every series: {fix}")
        if short:  # dropped one at a time, each refusal would name the next
            rows_ = lambda n: f"{n} row{'s' * (n != 1)}"
            sizes = ", ".join(f"{key!r} ({rows_(len(series[key][0]))})" for key in short[:4])
            raise ValueError(f"{len(short)} of the {len(series)} series have fewer rows than lookback + horizon = "
                             f"{L + H}, which fit needs of every series: {sizes}{', ...' if len(short) > 4 else ''}; "
                             f"drop them from the panel (data.groupby({id_col!r}).filter(lambda s: len(s) >= {L + H})),"
                             f" or shorten lookback or horizon (the shortest series has "
                             f"{rows_(min(len(series[key][0]) for key in short))})")
        freqs = [_step_of(key, frame, (id_col, time_col, target, *covariates), period=period)
                 for key, (frame, _) in series.items()]
        center, scale = _series_scaling([frame.values[:, 0] for frame, _ in series.values()])
        everything = np.concatenate([frame.values[:, 1:] for frame, _ in series.values()])  # (Σ n_i, n_f)
        cov_center = everything.mean(0)
        cov_std = everything.std(0)
        cov_scale = np.where(cov_std > 0, cov_std, 1.0)
        z = [_scaled(key, frame, slice(None), c, s, cov_center, cov_scale) for (key, (frame, _)), c, s in
             zip(series.items(), center, scale, strict=True)]
        frames = {key: frame for key, (frame, _) in series.items()}
        choices = self._choose(frames, freqs, covariates, period)
        first = next(iter(frames.values()))
        if outer and self.season_length == "auto":
            warn_unix_times(first.time, "GlobalForecaster.fit", f"time column {time_col!r}", time_col)
        if isinstance(first.time, pd.DatetimeIndex):
            text_read_as(data[time_col], text, "GlobalForecaster.fit", f"the time column {time_col!r}",
                         shown_time(_future_index(first, freqs[0], 1)[0]))
        if self.model == "auto":
            if outer and self.season_length != "auto" and not covariates:  # the classical candidates read it
                _warn_seasonless(frames, choices["season_length"][0], auto=True)
            self._fit_combination(frames, freqs, covariates, (id_col, time_col, target), period, choices,
                                  (center, scale, cov_center, cov_scale), resume)
            self.text_ = text
            for part in self.parts_.values():  # fitted on the frames' timestamps: name times as given, as here
                part.period_, part.text_ = self.period_, text
            return self
        kind, smoothing = choices["model"][0], None
        zero = [key for key, frame in frames.items() if not frame.values[:, 0].any()]
        if outer and zero:  # no level to borrow a relative step for (_series_scaling), no unit of its own
            shown = ", ".join(repr(key) for key in zero[:4]) + (", ..." if len(zero) > 4 else "")
            warnings.warn(f"GlobalForecaster.fit: {len(zero)} series {'is' if len(zero) == 1 else 'are'} 0 on every "
                          f"row ({shown}), which gives no scale: the {kind} net's forecast and band for "
                          f"{'it' if len(zero) == 1 else 'them'} are in units of 1 of the values, whatever their "
                          "unit; forecast such a series as 0 (drop it from the panel), or fit with model='auto', "
                          "whose naive forecast of it is 0 (warnings.filterwarnings('ignore', message='"
                          "GlobalForecaster.fit: .* 0 on every') silences this)", UserWarning,
                          stacklevel=user_stacklevel())
        if kind == "hybrid":  # the target channel: z_t of the hybrid module, windows relative to λ_T
            seasons = choices["season_length"][0]
            if outer:  # the validation's fit, on the series less their last H rows, would name rows not given
                _warn_seasonless(frames, seasons)
            smoothing = hybrid.constant_units([hybrid.fit_smoothing(frame.values[:, 0], m) for frame, m in
                                               zip(frames.values(), seasons, strict=True)],
                                              [frame.values[:, 0] for frame in frames.values()])
            z, anchors = self._hybrid_inputs(list(frames.values()), smoothing, z)
        else:
            anchors = None
        x, y, f = _windows(z, L, H, anchors)  # (B, L, 1 + n_f), (B, H), (B, H, n_f)

        seed = int(np.random.default_rng(self.random_state).integers(2**31 - 1))
        if resume and not isinstance(self.random_state, numbers.Integral):
            raise ValueError(f"GlobalForecaster.fit: resume=True needs an int random_state (got "
                             f"{self.random_state!r}), so that the resumed fit shuffles as the interrupted one did")
        params = self.get_params(deep=False)
        identity = {**run_identity(params | {"target": target, "future_covariates": covariates}, seed,
                                   *(torch.from_numpy(a) for a in (x, y, f))), "estimator": "GlobalForecaster"}
        checkpoint = resume_checkpoint(self.log_dir, identity, "GlobalForecaster.fit", self.max_epochs,
                                       resume=resume)
        generator = torch.Generator().manual_seed(seed)
        tensors = TensorDataset(torch.from_numpy(x), torch.from_numpy(y), torch.from_numpy(f))
        loader = DataLoader(tensors, batch_size=self.batch_size, shuffle=True, generator=generator,
                            collate_fn=_as_batch)
        from ..training.trainer import GeneratorState, RunIdentity  # Lightning's callbacks: when training starts
        from .module import ForecastModule

        build = lambda: ForecastModule(self._build_model(len(covariates), kind), quantiles=self.quantiles,
                                       lr=self.lr, weight_decay=self.weight_decay, clip_grad_norm=self.clip_grad_norm)
        module = seeded_fit(build, loader, seed=seed, max_epochs=self.max_epochs, device=self.device,
                            verbose=self.verbose, log_dir=self.log_dir,
                            callbacks=[RunIdentity(identity), GeneratorState(generator)],
                            ckpt_path=checkpoint).module

        self._set_fitted(module.model, frames, freqs, center, scale, cov_center, cov_scale, id_col, time_col, target,
                         covariates, period, choices, smoothing)
        self.loss_curve_ = module.history["train_loss"]
        self.text_ = text
        return self

    def _choose(self, frames: dict[Hashable, TimeSeriesFrame], freqs: list, covariates: tuple[str, ...],
                period: str | None = None) -> dict[str, tuple]:
        """``{"season_length": ([m_i], reason), "model": (kind, reason), "band": ({τ: c_τ}, reason)}``: each
        series' season, the model and the interval's calibration factors on the validation window (the module
        docstring), from the fitted rows only; ``"auto"``: the seasons alone (:meth:`_fit_combination` does
        the rest)."""
        H = self.horizon
        if self.season_length == "auto":
            picked = [defaults.choose_season_length(frame.values[:, :1], freq, shown=period, time=frame.time)
                      for frame, freq in zip(frames.values(), freqs, strict=True)]
            seasons = [m for m, _ in picked]
            each = [f"{key!r}: {m} ({why})" for key, (m, why) in zip(frames, picked, strict=True)]
            if self.verbose:
                for line in each:
                    print(f"GlobalForecaster: season_length of series {line}")
            shown = "; ".join(each[:SHOWN_SERIES]) + (f"; ... ({len(each) - SHOWN_SERIES} more series)"
                                                       if len(each) > SHOWN_SERIES else "")
            choices = {"season_length": (seasons, "per series (season_lengths_), from the calendar and the "
                                                  "autocorrelation of the changes (rnnkit.forecast.defaults."
                                                  f"choose_season_length): {shown}")}
        else:
            choices = {"season_length": ([int(self.season_length)] * len(frames), "set")}
        if self.model == "auto":  # the model and the band: _fit_combination
            return choices
        candidates = [self.model]
        calibrate = self.calibrate and self.quantiles is not None
        no_band = ({}, "not calibrated" if self.quantiles is None or not self.calibrate else "")
        if not calibrate:
            return choices | {"model": (self.model, "set"), "band": no_band}
        short = min(len(frame) for frame in frames.values()) - H
        if short < self.lookback + H:
            reason = (f"the shortest series ({short + H} rows) leaves no validation window of {H} steps after "
                      f"lookback + horizon = {self.lookback + H} training rows")
            return choices | {"model": (self.model, "set"), "band": ({}, reason)}
        # The validation backtest: fit on every series less its last H rows, forecast those rows.
        head = _long({k: _take(frame, range(len(frame) - H)) for k, frame in frames.items()}, covariates)
        tail = _long({k: _take(frame, range(len(frame) - H, len(frame))) for k, frame in frames.items()}, covariates)
        actual = np.stack([frame.values[-H:, 0] for frame in frames.values()])  # (S, H)
        scales = np.array([mase_scale(frame.values[: -H, :1], m, warn=False)[0] for frame, m in
                           zip(frames.values(), choices["season_length"][0], strict=True)])
        scales = np.where(scales > 0, scales, 1.0)
        scored = {}
        for kind in candidates:
            clone = copy.deepcopy(self).set_params(model=kind, calibrate=False, log_dir=None, verbose=False,
                                                   season_length=self.season_length)
            p = clone._fit(head, id_col="id", time_col="time", target="y", future_covariates=covariates,
                           resume=False) \
                .predict(future=tail if covariates else None, floor=False)
            levels = [0.5] if self.quantiles is None else list(self.quantiles)
            columns = ["y"] if self.quantiles is None else [f"q{v:g}" for v in levels]  # an array of levels too
            q = np.stack([p[c].to_numpy() for c in columns], axis=-1).reshape(len(frames), H, -1)  # (S, H, n_q)
            mase = float(np.mean(np.abs(q[..., levels.index(0.5)] - actual).mean(1) / scales))
            scored[kind] = (mase, q)
        kind = self.model
        choices["model"] = (kind, "set")
        band = calibrate_band(scored[kind][1], actual, self.quantiles)
        choices["band"] = (band, f"validation window of {actual.size} values (mean MASE {scored[kind][0]:.3f})")
        return choices

    def _fit_combination(self, frames: dict[Hashable, TimeSeriesFrame], freqs: list, covariates: tuple[str, ...],
                         columns: tuple[str, str, str], period, choices: dict, scaling: tuple, resume: bool
                         ) -> GlobalForecaster:
        """``model="auto"``: per series, the candidates of :mod:`.combination` (the classical ones fitted on the
        series alone, the global nets' forecasts of it) scored on the series' validation origins and the best
        equal-weight mean kept (:func:`.combination.select`; with ``pool``, the scores shrunk toward the panel's:
        :func:`.combination.select_pooled`); the band's offsets from the chosen means'
        validation residuals of every series, pooled (:func:`.combination.pooled_offsets`); the nets that some
        series chose refitted once on every series' rows (``parts_``). ``resume=True`` reruns the validation
        (the same choice for the same int ``random_state``) and resumes each net from ``log_dir/<kind>``."""
        id_col, time_col, target = columns
        H, seasons = self.horizon, choices["season_length"][0]
        ys = [frame.values[:, 0] for frame in frames.values()]
        classical = not covariates
        left_out = "" if classical else "; the classical candidates left out: they read no covariates"
        components, reasons, validated = [], [], []
        series = [(y, m, nets, note + left_out) for y, m, (nets, note) in
                  zip(ys, seasons, self._validation_nets(frames, covariates, period), strict=True)]
        chosen_all = combination.choose_pooled(series, H, self.pool, scaling[1], classical=classical)
        for (y, m, _, _), (actual, chosen, forecasts, why) in zip(series, chosen_all, strict=True):
            components.append(chosen)
            reasons.append(why)
            validated.append((y, m, actual, forecasts))
        kinds = [k for k in ("direct", "hybrid") if any(k in c for c in components)]
        panel = _long(frames, covariates, columns)
        parts = {}
        for kind in kinds:  # a log_dir each, so that each net resumes from its own checkpoint
            log_dir = None if self.log_dir is None else os.path.join(self.log_dir, kind)
            parts[kind] = clone(self).set_params(model=kind, calibrate=False, log_dir=log_dir)._fit(
                panel, id_col=id_col, time_col=time_col, target=target, future_covariates=covariates, resume=resume)
        counts = pd.Series([" + ".join(c) for c in components]).value_counts(sort=True)
        how = "its own" if self.pool == 0 else f"its own and, pooled (pool={self.pool!r}), the panel's"
        choices["model"] = ("combination", f"per series, on {how} validation origins (validation_): "
                            + ", ".join(f"{c} x{k}" for c, k in counts.items()))
        if self.quantiles is None:
            choices["band"] = ({}, "no quantiles")
        else:
            n = sum(a.size for _, _, a, _ in validated)
            choices["band"] = (combination.pooled_offsets(validated, H, self.quantiles),
                               f"split conformal on the {n} validation values of every series, pooled in units of "
                               f"each series' h-step naive MAE (band_scale_)")
        self._set_fitted(None, frames, freqs, *scaling, id_col, time_col, target, covariates, period, choices, None)
        self.components_, self.validation_, self.parts_ = components, reasons, parts
        self.ets_ = [combination.fit_ets(y, m) if "ets" in c else None
                     for y, m, c in zip(ys, seasons, components, strict=True)]
        if self.quantiles is not None:
            self.band_scale_ = np.stack([combination.step_scale(y, H, m) for y, m in zip(ys, seasons, strict=True)])
        self.loss_curve_ = []
        if self.verbose:
            for key, c, why in zip(frames, components, reasons, strict=True):
                print(f"GlobalForecaster: series {key!r}: {' + '.join(c)} ({why})")
        return self

    def _validation_nets(self, frames: dict[Hashable, TimeSeriesFrame], covariates: tuple[str, ...],
                         period: str | None = None) -> list[tuple[dict[str, np.ndarray], str]]:
        """Per series, the global nets' median forecasts from its validation origins (name -> ``(V, H)``) and a
        note (why they were left out, or ``""``). Each net is trained **once**, on every series' rows before its
        first origin, and forecasts from every origin without refitting (the later rows read as inputs), as the
        Forecaster's nets are. A series whose rows before its first origin are fewer than ``lookback + H`` is
        left out of that fit and gets no net candidate."""
        H, L, keys = self.horizon, self.lookback, list(frames)
        origins = [combination.validation_origins(len(frame), H) for frame in frames.values()]
        ok = [bool(o) and o[0] >= L + H for o in origins]  # the fit's own need
        out = [({}, "" if good or not o else f"; the nets left out: {o[0]} rows before the first origin are fewer "
                                             f"than lookback + horizon = {L + H}")
               for good, o in zip(ok, origins, strict=True)]
        if not any(ok):
            return out
        head = _long({keys[i]: _take(frames[keys[i]], range(origins[i][0])) for i in range(len(keys)) if ok[i]},
                     covariates)
        no_hybrid = {i: why for i, frame in enumerate(frames.values()) if ok[i] and (why := hybrid.left_out(
            frame.values[:, 0], origins[i][0], origins[i][-1], frame.time, period))}
        out = [(nets, f"{note}; {no_hybrid[i]}" if i in no_hybrid else note) for i, (nets, note) in enumerate(out)]
        for kind in ("direct", "hybrid"):
            trial = clone(self).set_params(model=kind, calibrate=False, log_dir=None, verbose=False)
            trial._fit(head, id_col="id", time_col="time", target="y", future_covariates=covariates, resume=False)
            for v in range(max(len(o) for o in origins)):  # the v-th origin of every series at once
                at = {i: origins[i][v] for i in range(len(keys))
                      if ok[i] and v < len(origins[i]) and not (kind == "hybrid" and i in no_hybrid)}
                if not at:
                    continue
                data = _long({keys[i]: _take(frames[keys[i]], range(o)) for i, o in at.items()}, covariates)
                future = _long({keys[i]: _take(frames[keys[i]], range(o, o + H)) for i, o in at.items()},
                               covariates) if covariates else None
                point = trial.predict(data=data, future=future, floor=False)["y"].to_numpy().reshape(len(at), H)
                for row, i in enumerate(at):
                    out[i][0].setdefault(kind, []).append(point[row])
        return [({k: np.stack(v) for k, v in nets.items()}, note) for nets, note in out]

    def _hybrid_inputs(self, frames: list[TimeSeriesFrame], smoothing: list, z: list[np.ndarray]
                       ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """The hybrid's target channel ``z_t`` in place of the direct model's, and each series' ``λ_t``."""
        out, anchors = [], []
        for frame, s, zi in zip(frames, smoothing, z, strict=True):
            zt, anchor, _ = hybrid.normalise(frame.values[:, 0], s)
            zi = zi.astype(np.float64)  # float64 until _windows subtracts λ_T: z is large where d is small
            zi[:, 0] = zt
            out.append(zi)
            anchors.append(anchor)
        return out, anchors

    def _check_params(self) -> None:
        for name in ("lookback", "horizon", "hidden_size", "num_layers", "max_epochs", "batch_size"):
            v = getattr(self, name)
            if not is_count(v):
                raise ValueError(f"GlobalForecaster: {name} must be an integer >= 1, got {v!r}"
                                 f"{(horizon_fix(v) if name == 'horizon' else '') or count_fix(name, v)}"
                                 f"{'' if name == 'horizon' else given_count_fix(name, v, self.horizon)}")
        if self.model not in MODELS:
            raise ValueError(f"GlobalForecaster: model must be one of {MODELS}, got {self.model!r}")
        if self.model == "auto" and not self.calibrate:
            raise ValueError("GlobalForecaster: calibrate=False applies to model='direct' or 'hybrid'; "
                             "model='auto' takes its band from the conformal calibration on its validation "
                             "origins (quantiles=None for point forecasts alone)")
        pool = self.pool
        if pool != "panel" and (isinstance(pool, bool) or not isinstance(pool, numbers.Real)
                                or not 0 <= pool < float("inf")):
            raise ValueError(f"GlobalForecaster: pool must be a finite number >= 0 (the panel's evidence, in series "
                             f"of it) or 'panel' (one choice for every series), got {pool!r}")
        m = self.season_length
        if m != "auto" and not is_count(m):
            raise ValueError(f"GlobalForecaster: season_length must be an integer >= 1 or 'auto', got {m!r}"
                             f"{season_length_fix(m)}{defaults.several_seasons_fix(m, 'GlobalForecaster')}"
                             f"{count_fix('season_length', m, auto=True)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GlobalForecaster: dropout must be in [0, 1), got {self.dropout}")
        check_quantiles(self.quantiles, "GlobalForecaster")
        if isinstance(self.cell, str):
            check_cell_name(self.cell, "GlobalForecaster")
        check_training_options(task="regression", lr=self.lr, weight_decay=self.weight_decay,
                               clip_grad_norm=self.clip_grad_norm, clip_grad_value=None, tbptt_steps=None)
        resolve_device(self.device)

    def _build_model(self, n_future: int, kind: str, saved: dict[str, Tensor] | None = None, *,
                     who: str = "GlobalForecaster.load") -> DirectForecastNet:
        """The Forecaster's network for one target: the encoder reads ``1 + n_f`` channels; with known-future
        covariates, MQ-RNN's local head reads each step's context beside its covariates. ``saved``: the weights
        it will load (:func:`~.net.forecast_encoder` reads their layout, its warnings naming ``who``)."""
        n_q = 1 if self.quantiles is None else len(self.quantiles)
        K, local = self.hidden_size, None  # the context of each horizon step is as wide as the state
        if n_future:
            local = nn.Sequential(nn.Linear(K + n_future, K), nn.ReLU(), nn.Linear(K, n_q))
        net, constant = forecast_encoder(1 + n_future, K, self.horizon * (K if n_future else n_q),
                                         cell=copy.deepcopy(self.cell), num_layers=self.num_layers,
                                         dropout=self.dropout, saved=saved, who=who)
        # the hybrid's inputs are already relative to the level λ_T
        relative = self.relative and kind == "direct"
        return DirectForecastNet(net, self.horizon, 1, relative=relative, n_quantiles=n_q, local=local,
                                 constant=constant)

    def _set_fitted(self, model, history, freqs, center, scale, cov_center, cov_scale, id_col, time_col, target,
                    covariates, period, choices, smoothing) -> None:
        self.model_ = None if model is None else model.eval()  # None: the combination (its nets in parts_)
        self.kind_ = choices["model"][0]
        n = len(history)  # what the combination sets per series; one net alone uses its own band_
        self.components_, self.validation_, self.parts_ = [(self.kind_,)] * n, None, {}
        self.ets_, self.band_scale_ = [None] * n, None
        self.season_lengths_ = [int(m) for m in choices["season_length"][0]]
        self.band_ = {float(k): float(v) for k, v in choices["band"][0].items()}
        self.choices_ = {name: reason for name, (_, reason) in choices.items()}
        self.smoothing_ = smoothing
        self.history_ = history
        self.ids_ = list(history)
        self.freqs_ = list(freqs)
        self.center_, self.scale_ = np.asarray(center, np.float64), np.asarray(scale, np.float64)
        self.covariate_center_ = np.asarray(cov_center, np.float64)
        self.covariate_scale_ = np.asarray(cov_scale, np.float64)
        self.id_col_, self.time_col_, self.target_ = id_col, time_col, target
        self.future_covariates_ = tuple(covariates)
        self.period_ = period
        self._fitted_params = fitted_params(self, _NETWORK)  # set_params after fit changes the next fit only

    # -- predict ------------------------------------------------------------------------------------------
    def predict(self, horizon: int | None = None, *, data: pd.DataFrame | None = None,
                future: pd.DataFrame | None = None, floor: bool = True) -> pd.DataFrame:
        """Forecast the ``horizon`` steps (default: the fitted one, at most that) after the end of every fitted
        series, or of every series in ``data`` (a panel with the fitted columns, e.g. the same series with
        newer rows: ids the model was fitted on, at their fitted frequencies, at least ``lookback`` rows
        each; the model is not refitted and each series keeps its fitted scaling). ``horizon`` may also be the
        steps ahead to return, as :meth:`rnnkit.Forecaster.predict` takes them (``[1, 3]``: those rows of each
        series).

        ``future``: the known-future covariates, needed exactly when fit named ``future_covariates``: a long
        DataFrame with the id, time and covariate columns and a row for each forecast (id, timestamp); other
        rows are not read (rows of ids the model was not fitted on with a warning naming them).

        Returns a long DataFrame, series after series (in the order of ``data``, else of the fit), with columns
        id, time (each series' next timestamps at its own frequency), the target (the point forecast: the
        median with quantiles) and, with quantiles, one column per level named ``q0.1``, ``q0.5``, ...; in
        each series' original units. A series whose fitted values (and data's) never go below 0 and reach 0
        (counts, sales) is forecast at or above 0, bands included (:func:`.defaults.zero_floor`); ``floor=False``
        leaves it unfloored, as the library's own validation forecasts (model choice, band calibration) read it."""
        self._check_fitted("predict")
        check_fitted_params(self, "GlobalForecaster.predict", ("lookback", "horizon", "quantiles"))
        steps = steps_ahead(horizon, self.horizon, freqs=self.freqs_)  # 1..H, or the steps asked for
        H = int(steps[-1])
        if future is not None and not self.future_covariates_:
            raise ValueError("predict got future=..., but this GlobalForecaster was fitted without known-future "
                             "covariates; name them at fit: fit(data, future_covariates=['promo', ...])")
        series = self.history_ if data is None else self._read_new(data)
        if future is not None:
            self._warn_unknown_future_ids(future)
            warn_unread_future(future, (self.id_col_, self.time_col_, self.target_), self.future_covariates_,
                               "future", "GlobalForecaster.predict")
        position = {k: i for i, k in enumerate(self.ids_)}
        index = [_future_index(frame, self.freqs_[position[key]], self.horizon)[:H] for key, frame in series.items()]
        y = self._combine(series, steps, data, future) if self.kind_ == "combination" else \
            self._net_forecast(series, steps, future)  # (S, H, n_q)
        banded = {}  # id -> what is wrong with its band, said once for the panel (1000 SKUs: one warning)
        for i, (key, frame) in enumerate(series.items() if floor else ()):  # counts, sales: never below 0
            y[i] = defaults.floor_at_zero(y[i][:, None], self.history_[key].values[:, :1], frame.values[:, :1])[:, 0]
            what = defaults.zero_band(y[i][steps - 1], self.quantiles, [self.history_[key].values[:, 0]] +
                                      ([frame.values[:, 0]] if frame is not self.history_[key] else []),
                                      index[i][steps - 1], steps, self.season_lengths_[position[key]])
            if what is not None:
                banded[key] = what
        if banded:
            (key, what), others = next(iter(banded.items())), list(banded)[1:]
            alike = (f", and so is the band of {len(others)} other series ({', '.join(map(repr, others[:5]))}"
                     f"{', ...' if len(others) > 5 else ''})" if others else "")
            warnings.warn(f"GlobalForecaster.predict: series {key!r} {what}{alike}; {defaults.ZERO_BAND_FIX}",
                          UserWarning, stacklevel=user_stacklevel())
        ids = np.empty(len(series), dtype=object)
        for i, key in enumerate(series):  # one by one: a tuple id stays one id, not a row of the array
            ids[i] = key
        out = pd.DataFrame({self.id_col_: np.repeat(ids, H), self.time_col_: self._as_times(index)})
        out[self.id_col_] = out[self.id_col_].infer_objects()
        levels = [0.5] if self.quantiles is None else list(self.quantiles)
        out[self.target_] = y[..., levels.index(0.5)].reshape(-1)
        if self.quantiles is not None:
            for j, q in enumerate(self.quantiles):
                out[f"q{q:g}"] = y[..., j].reshape(-1)
        if len(steps) < H:  # the steps asked for, of each series
            out = out[np.tile(np.isin(np.arange(1, H + 1), steps), len(series))].reset_index(drop=True)
        return out

    def _net_forecast(self, series: dict[Hashable, TimeSeriesFrame], steps: np.ndarray, future) -> np.ndarray:
        """The net's first ``H = max(steps)`` forecast steps after every series, ``(S, H, n_q)`` in original units;
        ``steps`` (1-based, increasing): those whose known-future covariates ``future`` must give. The others are
        left at 0: the local head reads step h's inputs for step h only, so they cannot change these steps."""
        H = int(steps[-1])
        position = {k: i for i, k in enumerate(self.ids_)}
        L, n_f = self.lookback, len(self.future_covariates_)
        x, f, hybrid_parts, unseen = [], [], [], []
        fitted = np.concatenate([h.values[:, 1:] for h in self.history_.values()]) if n_f else None  # (rows, n_f)
        ranges = fitted_ranges(fitted) if n_f else None  # once for the panel: its covariate scaling is one
        stuck = n_f and any(r is None for r in ranges)  # a column constant at fit: what the check below refuses
        for key, frame in series.items():
            i = position[key]
            times = _future_index(frame, self.freqs_[i], self.horizon)
            if n_f and frame.time is not None:  # predict(data=...)'s lookback, where the net reads them too
                shown = self._as_times([pd.Index(frame.time[-L:])])
                if stuck:
                    check_learned_covariates(frame.values[-L:, 1:], fitted, self.future_covariates_, shown, name="data",
                                             rows="fitted rows of every series", who=f"series {key!r}: ")
                unseen.append(("data", key, unseen_range(frame.values[-L:, 1:], ranges, self.future_covariates_,
                                                         shown, name="data", of=f" of series {key!r}",
                                                         rows="fitted rows of every series")))
            if self.kind_ != "hybrid" and frame is not self.history_[key]:  # data's target: in the units of fit?
                # the series is scaled by its fitted statistics (the hybrid's by its own last level)
                shown = self._as_times([pd.Index(frame.time[-L:])]) if frame.time is not None else \
                    pd.RangeIndex(len(frame))[-L:]
                given = frame.values[-L:, :1]  # named only in another unit (features.in_other_units)
                unseen.append(("data", key, unseen_range(given, in_other_units(given, fitted_ranges(
                    self.history_[key].values[:, :1])), [self.target_], shown, name="data", of=f" of series {key!r}")))
            window = _scaled(key, frame, slice(-L, None), self.center_[i], self.scale_[i], self.covariate_center_,
                             self.covariate_scale_, hybrid=self.kind_ == "hybrid")  # (L, 1 + n_f)
            if self.kind_ == "hybrid":  # z relative to the last level, and what recomposes the forecast
                s, y_i = self.smoothing_[i], frame.values[:, 0]
                shown = [shown_time(t) for t in self._as_times([pd.Index(frame.time)])] \
                    if frame.time is not None and not (y_i > 0).all() else None
                hybrid.check_positive(y_i, s, f"predict: series {key!r}", shown)
                z, anchor, seasons = hybrid.normalise(y_i, s)
                window[:, 0] = z[-L:] - anchor[-1]
                hybrid_parts.append((anchor[-1], hybrid.future_seasons(seasons, len(y_i), s.m, self.horizon), s))
            x.append(window)
            known = np.zeros((self.horizon, n_f), np.float32)  # steps after H cannot change the first H
            if n_f:
                at = times[steps - 1]
                given = self._known(future, key, at, self.freqs_[i], grid=times[:H])  # (n_steps, n_f)
                if stuck:
                    check_learned_covariates(given, fitted, self.future_covariates_, self._as_times([at]),
                                             rows="fitted rows of every series", who=f"series {key!r}: ")
                unseen.append(("future", key, unseen_range(given, ranges, self.future_covariates_,
                                                           self._as_times([at]), of=f" of series {key!r}",
                                                           rows="fitted rows of every series")))
                with np.errstate(over="ignore"):
                    scaled = (given - self.covariate_center_) / self.covariate_scale_
                check_scaled_range(scaled, given, self.covariate_center_, self.covariate_scale_,
                                   self.future_covariates_, at, who=f"series {key!r}: future ", first=None)
                known[steps - 1] = scaled
            f.append(known)
        for name in ("data", "future"):  # one warning for the panel, naming the first series and their count
            found = [(key, words) for given, key, words in unseen if given == name and words is not None]
            others = ", ".join(repr(key) for key, _ in found[1:4]) + (", ..." if len(found) > 4 else "")
            also = "" if len(found) < 2 else f"; {len(found) - 1} other series alike ({others})"
            warn_unseen_range(found[0][1] if found else None, name, also)
        return self._forecast(np.stack(x), np.stack(f), [position[k] for k in series], hybrid_parts)[:, :H]

    def _combine(self, series: dict[Hashable, TimeSeriesFrame], steps: np.ndarray, data, future) -> np.ndarray:
        """The combination's first ``H = max(steps)`` forecast steps after every series, ``(S, H, n_q)`` (the nets'
        NaN at the steps not asked for, whose covariates ``future`` need not give): per series, the
        equal-weight mean of its components' point forecasts (the nets' medians), and the band
        ``q_τ(h) = ŷ_h + c_τ s_h`` around it (:mod:`.combination`)."""
        position, H = {k: i for i, k in enumerate(self.ids_)}, int(steps[-1])
        nets = {}  # kind -> {id: (H,)}, from the nets of the series that average them
        for kind, part in self.parts_.items():
            wanted = [k for k in series if kind in self.components_[position[k]]]
            if wanted:
                rows = None if data is None else data[data[self.id_col_].isin(wanted)]
                with warnings.catch_warnings():  # future's unread columns: told once, by the caller's predict
                    warnings.filterwarnings("ignore", message=UNREAD_FUTURE)
                    p = part.predict(H if len(steps) == H else list(steps), data=rows, future=future, floor=False)
                nets[kind] = {key: np.full(H, np.nan) for key in wanted}
                for key, g in p.groupby(self.id_col_, sort=False):  # the part forecasts every series it was fitted on
                    if key in nets[kind]:
                        nets[kind][key][steps - 1] = g[self.target_].to_numpy()
        out = []
        for key, frame in series.items():
            i, y = position[key], frame.values[:, 0]
            m, full = self.season_lengths_[i], self.horizon
            forecasts = {"naive": lambda: combination.naive_forecast(y, full, m)[:H],
                         "drift": lambda: combination.drift_forecast(y, full)[:H],
                         "ets": lambda: combination.ets_forecast(y, self.ets_[i], full)[:H]}
            point = np.mean([nets[c][key] if c in nets else forecasts[c]() for c in self.components_[i]], axis=0)
            if self.band_scale_ is None:
                out.append(point[:, None])
            else:  # (H, n_q)
                c = np.array([self.band_[tau] for tau in self.quantiles])
                out.append(point[:, None] + c * self.band_scale_[i, :H, None])
        return np.stack(out)

    def _forecast(self, x: np.ndarray, future: np.ndarray, series: list[int], hybrid_parts: list) -> np.ndarray:
        """Windows ``x (B, L, 1 + n_f)`` in ``z``, their covariates ``future (B, H, n_f)``, the position of each
        window's series and, for the hybrid, each window's ``(λ_T, future seasons (H,), Smoothing)`` ->
        forecasts ``(B, H, n_q)`` in original units, the quantiles sorted, the band calibrated."""
        model = self.model_.eval()
        device = next(model.parameters()).device
        with torch.inference_mode():
            f = None if model.local is None else torch.as_tensor(future, dtype=torch.float32, device=device)
            out, _ = model(torch.as_tensor(x, dtype=torch.float32, device=device), future=f)
        z = np.sort(out.float().cpu().view(len(x), self.horizon, -1).numpy().astype(np.float64), axis=-1)
        if self.kind_ == "hybrid":
            y = np.stack([hybrid.recompose(zi, *part) for zi, part in zip(z, hybrid_parts, strict=True)])
        else:
            i = np.asarray(series)
            y = self.center_[i, None, None] + self.scale_[i, None, None] * z  # s_i > 0 keeps the order
        if self.band_:  # q_τ' = q_0.5 + c_τ (q_τ - q_0.5): monotone in τ while the c_τ keep the order
            levels = list(self.quantiles)
            median = y[..., levels.index(0.5)][..., None]
            c = np.array([self.band_.get(tau, 1.0) for tau in levels])
            y = np.sort(median + c * (y - median), axis=-1)
        return y

    def _warn_unknown_future_ids(self, future) -> None:
        """A UserWarning naming the ids of ``future`` that match no fitted series (by value or as text: ids of
        another type are :meth:`_known`'s error): their rows are not read, and a misspelt id would otherwise
        go unnoticed. Rows of fitted series that this call does not forecast (``data`` with some of them)
        are not warned about."""
        if not isinstance(future, pd.DataFrame) or self.id_col_ not in future.columns:
            return  # _known names what future lacks
        fitted = set(self.ids_)
        given = list(dict.fromkeys(future[self.id_col_].tolist()))  # Python values: 3, not np.int64(3)
        as_text, spelt = {str(k) for k in self.ids_}, _respelt(given, self.ids_)
        unknown = [k for k in given  # True for a fitted 1, '1' or '01' for 1, 'a ' for 'A': _known's errors
                   if not (k in fitted or str(k) in as_text or k in spelt)]
        if unknown:
            rows = np.flatnonzero(future[self.id_col_].isin(unknown).to_numpy())
            shown = ", ".join(repr(k) for k in unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            fitted_shown = ", ".join(repr(k) for k in self.ids_[:5]) + (", ..." if len(self.ids_) > 5 else "")
            warnings.warn(f"predict: future holds {len(rows)} row(s) of {len(unknown)} id(s) the model was not "
                          f"fitted on ({shown}; first at row {rows[0]}), which are not read; the fitted ids: "
                          f"{fitted_shown}. A series not in the fitted panel cannot be forecast without refitting "
                          f"with it", UserWarning, stacklevel=user_stacklevel())

    def _known(self, future, key, times: pd.Index, freq, grid: pd.Index | None = None) -> np.ndarray:
        """The known-future covariates of series ``key`` at its forecast timestamps ``times``, ``(H, n_f)``;
        ``grid``: every forecast timestamp up to the last of ``times`` (default ``times``), between which rows of
        ``future`` on a finer grid are refused."""
        who = f"series {key!r}: "
        span = f"{times[0]} .. {times[-1]}" if len(times) > 1 else f"{times[0]}"
        if future is None:
            raise ValueError(f"{who}this GlobalForecaster reads the known-future covariates "
                             f"{list(self.future_covariates_)} over the horizon: pass predict(future=df), a long "
                             f"DataFrame with columns {self.id_col_!r}, {self.time_col_!r} and the covariates, "
                             f"one row per forecast (id, time); for this series the times {span}")
        if not isinstance(future, pd.DataFrame):
            raise ValueError(f"future must be a long pandas DataFrame with columns {self.id_col_!r}, "
                             f"{self.time_col_!r} and {list(self.future_covariates_)}, got {type(future).__name__}")
        missing = [c for c in (self.id_col_, self.time_col_) if c not in future.columns]
        if missing:
            indexed = [c for c in missing if c in future.index.names]
            wide = [c for c in future.columns if c in set(self.ids_)]
            fix = (f": future holds {indexed} in its index, not as columns; move them to columns, "
                   "future.reset_index()" if indexed == missing else
                   f": future is wide, a column per series ({', '.join(repr(c) for c in wide[:3])}"
                   f"{', ...' if len(wide) > 3 else ''}); make it long, a row per (id, time): "
                   f"future.rename_axis({self.time_col_!r}).reset_index().melt(id_vars={self.time_col_!r}, "
                   f"var_name={self.id_col_!r}, value_name={self.future_covariates_[0]!r})"
                   if wide and len(self.future_covariates_) == 1 and self.time_col_ not in future.columns else "")
            raise ValueError(f"future lacks the columns {missing}; it needs {self.id_col_!r}, "
                             f"{self.time_col_!r} and {list(self.future_covariates_)}{fix}")
        mine = _same_id(future[self.id_col_], key)
        if not mine.any():  # the ids in another type (int at fit, text or bools in future) would match no row
            given = future[self.id_col_]
            other = given[(given.astype(str) == str(key)) | (given == key)].tolist()
            if len(other):  # tolist: the ids as Python values, 1 (int), not numpy's np.int64(1) (int64)
                to = "str" if isinstance(key, str) else type(key).__name__
                raise ValueError(f"{who}future has no row with the id {key!r} ({type(key).__name__}, as at fit), "
                                 f"but has {other[0]!r} ({type(other[0]).__name__}); give future's ids "
                                 f"the fitted type (future[{self.id_col_!r}].astype({to}))")
            spelt = _respelt(list(dict.fromkeys(given.tolist())), self.ids_)
            near = [k for k, fitted in spelt.items() if fitted == key]
            if near:
                raise ValueError(f"{who}future has no row with the id {key!r}, but has {near[0]!r}, which reads as it "
                                 f"written {_written(near[0], key)}; give the fitted spelling: "
                                 f"{_replace_fix('future', self.id_col_, spelt)}")
        future = future[mine]
        time = future[self.time_col_]
        repeats = np.flatnonzero(time.duplicated(keep=False).to_numpy())
        if len(repeats):  # named by future's own rows and times (the index built below counts this id's rows)
            first = time.iloc[repeats[0]]
            rows = np.flatnonzero(mine.to_numpy())[repeats[time.iloc[repeats].to_numpy() == first][:2]]
            at = f"{self.period_!r} periods" if self.period_ else "times"
            raise ValueError(f"{who}future has the time {first} on rows {rows[0]} and {rows[1]}; give one row per "
                             f"(id, time), at the series' {at}")
        future = future.set_index(time)  # periods read as their starts, and spelt as periods in the fixes
        try:
            return _known_future(future, times, self.future_covariates_,
                                 step=freq if isinstance(freq, float) else 1.0, shown=self._as_times([times]),
                                 grid=None if not isinstance(times, pd.DatetimeIndex) else times if grid is None
                                 else grid,
                                 resample=f"future.set_index({self.time_col_!r}).groupby({self.id_col_!r})"
                                          f"[{list(self.future_covariates_)!r}].resample({{rule!r}}).mean()"
                                          ".reset_index()", long=(self.id_col_, self.time_col_))
        except ValueError as e:
            raise ValueError(who + str(e)) from None

    def _as_times(self, index: list[pd.Index]) -> pd.Index:
        times = index[0].append(index[1:]) if len(index) > 1 else index[0]
        if self.period_ is not None and isinstance(times, pd.DatetimeIndex):
            times = times.to_period(self.period_)
        elif getattr(self, "text_", None) and isinstance(times, pd.DatetimeIndex):
            times = as_text(times, self.text_)
        return times.rename(self.time_col_)

    def _read_new(self, data) -> dict[Hashable, TimeSeriesFrame]:
        """The series of ``data`` at predict: known ids, the fitted columns and frequencies, ``lookback`` rows."""
        zones = {str(f.time.tz) for f in self.history_.values() if getattr(f.time, "tz", None) is not None}
        column = data[self.time_col_] if isinstance(data, pd.DataFrame) and self.time_col_ in data.columns else None
        if len(zones) == 1 and column is not None and isinstance(column.dtype, pd.DatetimeTZDtype):
            # the same instants in another zone: read in the fitted one, whose days the fitted grid counts
            data = data.assign(**{self.time_col_: column.dt.tz_convert(zones.pop())})
        series, _ = _read_panel(data, self.id_col_, self.time_col_, self.target_, self.future_covariates_)
        position = {k: i for i, k in enumerate(self.ids_)}
        out = {}
        for key, (frame, rows) in series.items():
            if key not in position or _is_bool(key) != _is_bool(self.ids_[position[key]]):  # True is not series 1
                shown = ", ".join(repr(k) for k in self.ids_[:5]) + (", ..." if len(self.ids_) > 5 else "")
                same = [k for k in self.ids_ if str(k) == str(key) or k == key]
                if same:  # the id of a fitted series in another type (a CSV read back: text for numbers)
                    to = "str" if isinstance(same[0], str) else type(same[0]).__name__
                    raise ValueError(f"series {key!r} (row {rows[0]}) is {type(key).__name__}, but the model was "
                                     f"fitted on the id {same[0]!r} ({type(same[0]).__name__}; the ids: {shown}); give "
                                     f"the ids the fitted type (data[{self.id_col_!r}].astype({to}))")
                spelt = _respelt(list(series), self.ids_)
                if key in spelt:  # spaces around it, another case, a number as zero-padded text ('01')
                    raise ValueError(f"series {key!r} (row {rows[0]}) is not a fitted id, but reads as the fitted "
                                     f"{spelt[key]!r} written {_written(key, spelt[key])} (the ids: {shown}); give "
                                     f"the fitted spelling: {_replace_fix('data', self.id_col_, spelt)}")
                raise ValueError(f"series {key!r} (row {rows[0]}) is not one the model was fitted on ({shown}); a "
                                 "global model scales each series by its fitted statistics, so refit with it in "
                                 "the panel")
            dated = isinstance(frame.time, pd.DatetimeIndex)  # numbers: two times tell the step
            fitted, least = self.history_[key], max(self.lookback, 3 if dated else 2)
            shown = lambda t: shown_time(self._as_times([pd.Index([t])])[0]) if isinstance(t, pd.Timestamp) \
                else shown_number(t)
            completed = len(frame) < least and combination.continues(fitted, frame, self.freqs_[position[key]])
            if completed:  # the latest rows alone: the fitted rows before them complete the window (grid checked below)
                frame = combination.from_fitted_start(fitted, frame, self.freqs_[position[key]],
                                                      f"predict: series {key!r}", shown)
            if len(frame) < least:
                raise ValueError(f"series {key!r} has {len(frame)} rows; predict needs its last lookback = "
                                 f"{self.lookback} rows (and {3 if dated else 2} to tell its "
                                 f"{'frequency' if dated else 'step'}), and they do not continue the fitted "
                                 f"series (whose rows would complete them); give at least its last {least} rows")
            if (frame.time is None) != (fitted.time is None) or \
                    isinstance(frame.time, pd.DatetimeIndex) != isinstance(fitted.time, pd.DatetimeIndex):
                raise ValueError(f"series {key!r}: the time column holds another kind of value than at fit; give "
                                 "the same kind (dates or numbers)")
            freq = _step_of(key, frame, (self.id_col_, self.time_col_, self.target_, *self.future_covariates_),
                            period=self.period_)
            if freq != self.freqs_[position[key]]:
                raise ValueError(f"series {key!r} has frequency {freq!r}, but was fitted at "
                                 f"{self.freqs_[position[key]]!r}; {self._frequency_fix(freq, position[key])}")
            smoothed = {"hybrid", "ets", "drift"} & set(self.components_[position[key]])
            if smoothed and not completed:  # they run from the fitted start (the net and the naive read the last rows)
                frame = combination.from_fitted_start(fitted, frame, freq, f"predict: series {key!r}", shown)
            out[key] = frame
        return out

    def _frequency_fix(self, freq, i: int) -> str:
        """The fix of predict's rows of series ``i`` at another frequency ``freq`` than fitted: rows finer than the
        fitted grid (hours of a daily model) aggregated onto it, the target with the known-future covariates (which
        ``data`` must hold too); coarser ones cannot give the fitted steps."""
        fitted, start = self.freqs_[i], pd.Timestamp("2000-01-03")
        if isinstance(freq, str) and isinstance(fitted, str) and start + to_offset(freq) < start + to_offset(fitted):
            read = [self.target_, *self.future_covariates_]
            return (f"its rows are finer than the fitted steps: aggregate them onto {fitted!r} (the sum for counts), "
                    f"data.groupby([{self.id_col_!r}, pd.Grouper(key={self.time_col_!r}, freq={fitted!r})])"
                    f"[{read if len(read) > 1 else read[0]!r}].mean().reset_index(), or fit a model at {freq!r}")
        return (f"give its rows at {fitted!r}, as at fit (rows of {freq!r} hold no value at each fitted step), or fit "
                f"a model at {freq!r}")

    def _check_fitted(self, who: str) -> None:
        if not hasattr(self, "model_"):
            raise ValueError(f"this GlobalForecaster is not fitted yet: call fit(panel) before {who}()")

    # -- save / load --------------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> None:
        """Write ``config.json`` (parameters, ids, columns, frequencies) and ``model.safetensors`` (weights,
        per-series scaling, the fitted series for :meth:`predict`) atomically through :func:`rnnkit.io.save`.
        Series ids must be text or integers (JSON keeps them). No pickle."""
        self._check_fitted("save")
        io.save(self, directory)

    @classmethod
    def load(cls, directory: str | os.PathLike) -> GlobalForecaster:
        """Read a GlobalForecaster written by :meth:`save`; it predicts exactly as the saved one did."""
        return io.load(directory, expected=cls)

    def _saved_params(self) -> dict:
        params = self.get_params(deep=False) | {"log_dir": None}  # the fit's logs, not the model's (as estimators)
        if params["quantiles"] is not None:
            params["quantiles"] = [float(q) for q in params["quantiles"]]
        return params

    def _saved_state(self) -> tuple[dict, dict[str, Tensor]]:
        check_fitted_params(self, "GlobalForecaster.save", _NETWORK)
        ids = []
        for key in self.ids_:
            if isinstance(key, bool) or not isinstance(key, str | numbers.Integral):
                raise ValueError(f"cannot save: series id {key!r} is a {type(key).__name__}; only text or integer "
                                 "ids can be saved (convert the id column with .astype(str))")
            ids.append(key if isinstance(key, str) else int(key))
        frames = list(self.history_.values())
        first = frames[0].time
        kind = "none" if first is None else "datetime" if isinstance(first, pd.DatetimeIndex) else "number"
        fitted = {
            "ids": ids, "id_col": self.id_col_, "time_col": self.time_col_, "target": self.target_,
            "future_covariates": list(self.future_covariates_), "period": self.period_,
            "text": getattr(self, "text_", None),
            "freqs": [f if isinstance(f, str) else float(f) for f in self.freqs_],
            "lengths": [len(frame) for frame in frames], "time_kind": kind,
            "time_zone": None if kind != "datetime" or first.tz is None else str(first.tz),
            "time_unit": first.unit if kind == "datetime" else None,
            "kind": self.kind_, "season_lengths": self.season_lengths_, "choices": self.choices_,
            "band": [[tau, c] for tau, c in self.band_.items()],
            "smoothing_kinds": None if self.smoothing_ is None else [s.kind for s in self.smoothing_],
        }
        if self.smoothing_ is not None:  # each unit the remainder's volatility (a model without it: _restore)
            fitted["smoothing_units"] = "remainder"
        tensors = {} if self.model_ is None else {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        if self.kind_ == "combination":  # each net's own state under its name, the history kept once
            fitted |= {"components": [list(c) for c in self.components_], "ets": self.ets_,
                       "validation": self.validation_, "parts": {}}
            for name, part in self.parts_.items():
                fitted["parts"][name], own = part._saved_state()
                tensors |= {f"{name}.{k}": v for k, v in own.items() if not k.startswith("history.")}
            if self.band_scale_ is not None:
                tensors["band.scale"] = torch.from_numpy(self.band_scale_.copy())
        if self.smoothing_ is not None:  # the hybrid's per-series smoothing, seasons concatenated
            sm = self.smoothing_
            tensors |= {f"smoothing.{name}": torch.tensor([getattr(s, name) for s in sm], dtype=torch.float64)
                        for name in ("alpha", "gamma", "level0", "unit")}
            tensors["smoothing.m"] = torch.tensor([s.m for s in sm], dtype=torch.int64)
            tensors["smoothing.season0"] = torch.from_numpy(np.concatenate([s.season0 for s in sm]))
        tensors |= {"scale.center": torch.from_numpy(self.center_.copy()),
                    "scale.scale": torch.from_numpy(self.scale_.copy()),
                    "scale.covariate_center": torch.from_numpy(self.covariate_center_.copy()),
                    "scale.covariate_scale": torch.from_numpy(self.covariate_scale_.copy()),
                    "history.values": torch.from_numpy(np.concatenate([fr.values for fr in frames]))}
        if kind == "datetime":
            tensors["history.time"] = torch.from_numpy(np.concatenate([fr.time.as_unit("ns").asi8 for fr in frames]))
        elif kind == "number":
            tensors["history.time"] = torch.from_numpy(np.concatenate([np.asarray(fr.time, np.float64)
                                                                       for fr in frames]))
        return fitted, tensors

    def _restore(self, fitted: dict, tensors: dict[str, Tensor], *, who: str = "GlobalForecaster.load",
                 member: bool = False) -> None:
        """The inverse of :meth:`_saved_state`; ``who``: the call its warnings name (a :class:`Forecaster`'s
        hybrid restores its net through here, loaded by ``Forecaster.load``); ``member``: a combination's net,
        whose median alone is read (the combination's band is its own)."""
        values = tensors["history.values"].numpy()
        time = None
        if fitted["time_kind"] == "datetime":
            time = pd.DatetimeIndex(pd.to_datetime(tensors["history.time"].numpy(), unit="ns", utc=True))
            time = time.tz_convert(fitted["time_zone"]) if fitted["time_zone"] else time.tz_localize(None)
            time = time.as_unit(fitted["time_unit"])
        elif fitted["time_kind"] == "number":
            time = tensors["history.time"].numpy()
        columns = [fitted["target"], *fitted["future_covariates"]]
        history, start = {}, 0
        for key, n in zip(fitted["ids"], fitted["lengths"], strict=True):
            history[key] = TimeSeriesFrame(values[start : start + n], columns=columns,
                                           time=None if time is None else time[start : start + n],
                                           time_name=fitted["time_col"])
            start += n
        kind = fitted.get("kind", "direct")  # models saved before the hybrid existed are direct
        if kind not in KINDS:
            raise ValueError(f"the saved GlobalForecaster names kind {kind!r}, not one of {KINDS}")
        model = None
        if kind != "combination":
            saved = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
            model = self._build_model(len(fitted["future_covariates"]), kind, saved, who=who)
            model.load_state_dict(saved, strict=True)
        s = {k.removeprefix("scale."): v.numpy() for k, v in tensors.items() if k.startswith("scale.")}
        smoothing = None
        if kind == "hybrid":
            t = {k.removeprefix("smoothing."): v.numpy() for k, v in tensors.items() if k.startswith("smoothing.")}
            ends = np.cumsum(t["m"])
            smoothing = [hybrid.Smoothing(kind_i, int(t["m"][i]), float(t["alpha"][i]), float(t["gamma"][i]),
                                          float(t["level0"][i]), t["season0"][ends[i] - t["m"][i] : ends[i]].copy(),
                                          float(t["unit"][i]))
                         for i, kind_i in enumerate(fitted["smoothing_kinds"])]
            if "smoothing_units" not in fitted and len(smoothing) > 1 and not member:
                _warn_shared_band(fitted["ids"], smoothing, who)
        n = len(fitted["ids"])
        choices = {"model": (kind, "saved"), "season_length": (fitted.get("season_lengths", [1] * n), "saved"),
                   "band": ({tau: c for tau, c in fitted.get("band", [])}, "saved")}
        self._set_fitted(model, history, fitted["freqs"], s["center"], s["scale"], s["covariate_center"],
                         s["covariate_scale"], fitted["id_col"], fitted["time_col"], fitted["target"],
                         fitted["future_covariates"], fitted["period"], choices, smoothing)
        self.text_ = fitted.get("text")  # absent from models saved before text was given back
        self.choices_ = fitted.get("choices", self.choices_)
        self.loss_curve_ = []
        self.log_dir = None  # a model saved before save dropped it names its fit's directory (maybe elsewhere)
        if kind == "combination":
            history = {k: v for k, v in tensors.items() if k.startswith("history.")}
            for name, state in fitted["parts"].items():
                part = clone(self).set_params(model=name, calibrate=False, log_dir=None)
                part._restore(state, history | {k.removeprefix(f"{name}."): v for k, v in tensors.items()
                                                if k.startswith(f"{name}.")}, member=True)
                part.period_, part.text_ = self.period_, self.text_  # saved before the parts were told them
                self.parts_[name] = part
            self.components_ = [tuple(c) for c in fitted["components"]]
            self.ets_, self.validation_ = fitted["ets"], fitted["validation"]
            if "band.scale" in tensors:
                self.band_scale_ = tensors["band.scale"].numpy()


def horizon_fix(h) -> str:
    """The fix of a ``horizon`` given as sktime's ``fh`` (``[1, 2, 3]``, ``range(1, 8)``, ``np.arange(1, 8)``: the
    steps ahead, of which the farthest is the horizon), a whole float or digits as text; ``""`` for anything else.
    The Forecaster's and the GlobalForecaster's."""
    if isinstance(h, str):
        whole = int_meant(h, text="digits")
        return f"; {h!r} is text: give the number, horizon={whole}" if whole is not None else ""
    if (whole := int_meant(h, 1, text=None)) is not None:
        return f"; give horizon={whole}"
    steps = as_counts(h)
    if steps is not None:
        shown = f"{steps[:6]}{' ...' if len(steps) > 6 else ''}"
        then = (f"predict() then forecasts steps 1 .. {max(steps)}" if steps == list(range(1, max(steps) + 1)) else
                f"then predict({steps}) for those steps alone")
        return (f"; horizon is the farthest step ahead the model forecasts, and {shown} reads as sktime's fh, the "
                f"steps ahead: give horizon={max(steps)} ({then})")
    return ""


def steps_ahead(horizon, fitted: int, times: pd.Index | None = None, freqs: Sequence = (), *,
                past_fix: str = "") -> np.ndarray:
    """:func:`.series.forecast_steps` of ``predict(horizon)``, after refusing with their own fix the horizons a
    user writes for something else than steps ahead: ``0`` or a negative count (no step, the past), a time
    (``pd.Timestamp('2024-03-05')``, a ``datetime``) and a duration (``pd.Timedelta(days=2)``). ``times``: the
    forecast times of one series (the Forecaster's); ``freqs``: the series' frequencies, whose fixed step turns a
    duration into steps; ``past_fix``: what gives forecasts of the past, where there is such a method. The
    Forecaster's and the GlobalForecaster's."""
    head = f"predict: horizon must be an integer in [1, {fitted}] (the steps ahead to forecast)"
    if is_integer(horizon) and horizon < 1:
        what = "0 steps ahead is no forecast" if horizon == 0 else \
            f"{horizon} steps ahead is the series' past, which predict does not forecast{past_fix}"
        raise ValueError(f"{head}, got {horizon!r}; {what}: give horizon={fitted} (or None) for all {fitted} "
                         f"fitted steps, or horizon=1 for the next one")
    if isinstance(horizon, str) and int_meant(horizon, text="digits") is None and _date_text(horizon):
        horizon = pd.Timestamp(horizon)  # '2024-03-05': a time as text
    if isinstance(horizon, datetime.date | np.datetime64) and not isinstance(times, pd.PeriodIndex):
        t = pd.Timestamp(horizon)
        if not isinstance(times, pd.DatetimeIndex):  # each series ends at its own time
            raise ValueError(f"{head}, got the time {shown_time(t)}; the forecasts carry their times: forecast "
                             f"every step and keep those up to it, out = predict(); out[out[time_col] <= "
                             f"pd.Timestamp('{t}')] (time_col: the panel's time column)")
        if t < times[0]:
            raise ValueError(f"{head}, got the time {shown_time(t)}, which is before the first forecast time "
                             f"{shown_time(times[0])}: predict forecasts after the series' end{past_fix}")
        if t <= times[-1]:
            k = int(times.searchsorted(t, side="right"))
            raise ValueError(f"{head}, got the time {shown_time(t)}, which is step {k} ahead: give horizon={k} for "
                             f"the steps up to it (predict({k}).loc[:pd.Timestamp('{t}')])")
        raise ValueError(f"{head}, got the time {shown_time(t)}, which is after the last forecast time "
                         f"{shown_time(times[-1])}: refit with a horizon that reaches it to forecast it")
    if isinstance(horizon, datetime.timedelta | np.timedelta64):
        span = pd.Timedelta(horizon)
        offsets = {to_offset(f) for f in freqs if f is not None}
        fixed = [o for o in offsets if isinstance(o, pd.offsets.Tick | pd.offsets.Day)]  # not months, weeks
        step = pd.Timedelta(fixed[0].nanos) if len(offsets) == 1 and fixed else None
        k = span / step if step is not None else None
        if k is None or not float(k).is_integer() or k < 1:
            every = (f"of {step}" if step is not None else
                     f"'{next(iter(offsets)).freqstr}'" if len(offsets) == 1 else "of each series' frequency")
            raise ValueError(f"{head}, got the duration {span}, not a count of steps, and it is no whole number of "
                             f"the series' steps ({every}): give the number of steps ahead as an integer")
        k = int(k)
        raise ValueError(f"{head}, got the duration {span}, not a count of steps: it spans {k} steps of {step}, "
                         + (f"so give horizon={k}" if k <= fitted else
                            f"more than the {fitted} fitted: refit with horizon={k} to forecast them"))
    return forecast_steps(horizon, fitted, times)


def _date_text(text: str) -> bool:
    """Whether ``text`` reads as one date or time (``'2024-03-05'``, ``'5 March 2024'``), not as a count."""
    try:
        return not pd.isna(pd.Timestamp(text))
    except ValueError:  # not a date: forecast_steps names it
        return False


def given_count_fix(name: str, v, horizon) -> str:
    """The fix of a count given as text or a list: as the Forecaster takes it, ``'auto'`` (the GlobalForecaster's
    ``lookback`` and ``max_epochs``), as digits (``'7'``) or as a list of one number; ``""`` for anything else. The
    GlobalForecaster's and the Forecaster's."""
    if isinstance(v, str) and v.strip() == "auto" and name in ("lookback", "max_epochs"):
        if name == "max_epochs":
            return "; the GlobalForecaster chooses no epochs: give their number, e.g. max_epochs=100"
        twice = f"lookback={2 * horizon} (twice the horizon)" if is_count(horizon) else "lookback=14"
        return (f"; the GlobalForecaster chooses no lookback (the Forecaster's 'auto' does): give the steps each "
                f"forecast reads, e.g. {twice}, or at least a season")
    if (whole := int_meant(v, 1, text="digits", floats=())) is not None:
        return f"; {v!r} is text: give the number, {name}={whole}"
    counts = as_counts(v)
    return f"; give the number itself, {name}={counts[0]}" if counts and len(counts) == 1 else ""


def check_quantiles(q, who: str) -> None:
    """ValueError unless ``q`` is None or strictly increasing levels in (0, 1) that include the median 0.5 (the
    point forecast), the ``quantiles`` of the Forecaster and the GlobalForecaster; the refusal ends with the
    levels to give: as numbers (:func:`~.series.quantiles_fix`: text, percentages), else the levels given,
    each once, in order, with the median."""
    if isinstance(q, numbers.Real):
        raise ValueError(f"{who}: quantiles must be a list of levels, got the number {q!r}; e.g. (0.1, 0.5, 0.9) "
                         f"(the median 0.5 is needed: it is the point forecast), or None")
    if q is not None and (isinstance(q, str) or not all(isinstance(v, numbers.Real) and 0 < v < 1 for v in q)
                          or list(q) != sorted(set(q)) or 0.5 not in q):
        raise ValueError(f"{who}: quantiles must be None or strictly increasing levels in (0, 1) that include the "
                         f"median 0.5, e.g. (0.1, 0.5, 0.9); got {q!r}"
                         f"{_outside_fix(q) or _coverages_fix(q) or _quantiles_fix(q)}")


def _outside_fix(q) -> str:
    """The fix of fractions with levels at or beyond the ends of (0, 1) that no percentage reading explains
    (``(0.1, 0.5, 1.0)``, ``(0, 0.5, 0.9)``, ``(-0.1, 0.5, 0.9)``, a NaN): the levels kept in (0, 1), with 0 and 1
    moved to 0.01 and 0.99, a level below 0 read without its minus sign, and the median; ``""`` for anything else
    (percentages, levels above 1: :func:`_quantiles_fix`'s)."""
    levels = _reals(q)
    if levels is None:
        return ""
    out = [v for v in levels if not 0 < v < 1]
    if not out or any(v > 1 for v in out) or all(v >= 1 for v in levels):
        return ""
    near = {0.0: 0.01, 1.0: 0.99}
    kept = {v for v in levels if 0 < v < 1} | {near[v] for v in out if v in near} | \
        {-v for v in out if -1 < v < 0} | {0.5}
    shown = ", ".join("nan" if np.isnan(v) else f"{v:g}" for v in out)
    return (f"; {shown} {'is' if len(out) == 1 else 'are'} not in (0, 1) (a level of 0 or 1 is the lowest or "
            f"highest value the series can take, which no forecast bounds; one below 0 or NaN is no level): give "
            f"levels strictly between 0 and 1, e.g. quantiles={sorted(kept)}")


def _quantiles_fix(q) -> str:
    """The one fix of levels that are no quantiles: percentages that also lack the median or are out of order
    (``(10, 90)``) told the fractions with the median at once, not "give quantiles=[0.1, 0.9]" and then the median
    (a first fix that fails again); else :func:`~.series.quantiles_fix`'s reading (text, percentages) and
    :func:`_levels_fix`'s."""
    levels = _levels_fix(q)
    return levels if levels and _percentages(q) else quantiles_fix(q) + levels


def _percentages(q) -> bool:
    """Whether ``q`` are levels in (0, 100) of which some are 1 or more: percentages (``(10, 50, 90)``)."""
    levels = _reals(q)
    return levels is not None and all(0 < v < 100 for v in levels) and any(v >= 1 for v in levels)


def _reals(q) -> list[float] | None:
    """The levels ``q`` as Python floats, or None unless it is a list, tuple or array of real numbers (no bool)."""
    if isinstance(q, str) or not isinstance(q, Sequence | np.ndarray) or not len(q) or \
            not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in q):
        return None
    return [float(v) for v in q]


def _interval_quantiles(coverages: list[float]) -> list[float]:
    """The quantile levels of central intervals of these coverages (fractions), and the median."""
    tails = {round((1 - c) / 2, 12) for c in coverages}
    return sorted(tails | {round(1 - t, 12) for t in tails} | {0.5})


def _coverages_fix(q) -> str:
    """The fix of percentages above 50 without 50 (``[80, 95]``): statsforecast's and neuralforecast's
    ``level=[80, 95]``, the coverages of intervals, whose quantiles are not ``[0.8, 0.95]``."""
    levels = _reals(q)
    if levels is None or not all(50 < v < 100 for v in levels):
        return ""
    shown = ", ".join(f"{v:g}" for v in levels)
    return (f"; [{shown}] read as percentages above 50 without the median: as the coverages of intervals "
            f"(statsforecast's and neuralforecast's level=[{shown}]) their quantiles are "
            f"quantiles={_interval_quantiles([v / 100 for v in levels])}; as quantile levels, "
            f"quantiles={sorted({round(v / 100, 12) for v in levels} | {0.5})}")


def _levels_fix(q) -> str:
    """The fix of fractions in (0, 1) that are not strictly increasing or lack the median: each level once, in
    increasing order, with 0.5 (and, for levels all above 0.5, the reading as the coverages of intervals, as
    sktime's ``coverage=0.9`` gives them)."""
    levels = _reals(q)
    if levels is not None and all(0 < v < 100 for v in levels):  # percentages: as quantiles_fix reads them
        levels = [round(v / 100, 12) if v >= 1 else v for v in levels]
    if levels is None or not all(0 < v < 1 for v in levels) or levels == sorted(set(levels)) and 0.5 in levels:
        return ""
    wrong = ([] if 0.5 in levels else ["the median 0.5 is missing (it is the point forecast)"]) + \
        ([] if len(set(levels)) == len(levels) else ["a level is repeated"]) + \
        ([] if levels == sorted(levels) else ["the levels are not in increasing order"])
    given = _reals(q)
    over = [v for v in given if v >= 1]  # beside fractions below 1 only these read as percentages
    beside = ", ".join(f"{v:g}" for v in given if v < 1)
    reads = "reads as a percentage" if len(over) == 1 else "read as percentages"
    read = (f"{', '.join(f'{v:g}' for v in over)} {reads}"
            f"{f' beside the fractions {beside}' if beside else ''} (the levels are fractions), and "
            if _percentages(q) else "")
    fix = f"; {read}{' and '.join(wrong)}: give quantiles={sorted(set(levels) | {0.5})}"
    if all(v > 0.5 for v in levels):
        fix += (f" (if {levels} are the coverages of intervals, as sktime's coverage= gives them, their quantiles "
                f"are quantiles={_interval_quantiles(levels)})")
    return fix


def _warn_shared_band(ids: list, smoothing: list, who: str) -> None:
    """Warn that a hybrid saved before its remainder was scaled by each series' own volatility (no
    ``smoothing_units`` in its config) is loaded as it was fitted: its net's quantiles span one width for every
    series, too wide for a quiet one and too narrow for a noisy one (the point forecasts are as they were)."""
    shown = ", ".join(repr(k) for k in ids[:SHOWN_SERIES]) + (", ..." if len(ids) > SHOWN_SERIES else "")
    warnings.warn(f"{who}: this hybrid model of {len(ids)} series ({shown}) was saved by an rnnkit that did not "
                  "scale each series' remainder by its own volatility, so its prediction intervals share one width "
                  "of log ratios (or of the saved units) across the series: too wide for a quiet series, too narrow "
                  "for a noisy one; it is loaded as it was fitted (the same forecasts); refit it (GlobalForecaster("
                  "model='hybrid', ...).fit(data), then save) for each series' band at its own scale",
                  UserWarning, stacklevel=user_stacklevel())


# -- the panel ---------------------------------------------------------------------------------------------------
def _is_bool(value) -> bool:
    return isinstance(value, bool | np.bool_)


def _same_id(ids: pd.Series, key) -> pd.Series:
    """Which of ``ids`` are the series id ``key``: equal, and a bool only where ``key`` is one (pandas, as Python,
    reads ``True == 1``, which would give series 1 the rows of series True)."""
    equal = ids == key
    if not equal.any():
        return equal
    if pd.api.types.is_bool_dtype(ids.dtype):
        return equal & _is_bool(key)
    return equal & (ids.map(_is_bool) == _is_bool(key))


def _names(names) -> tuple[str, ...]:
    return (names,) if isinstance(names, str) else tuple(names)


UNREAD_FUTURE = r".*\.predict: the column\(s\) .* of (future|X) are not read"


def warn_unread_future(future, fitted: Sequence, covariates: Sequence, name: str, who: str) -> None:
    """Warn of the columns of predict's ``future`` (or ``X``) DataFrame that the model does not read: neither the
    ``fitted`` columns (ids, times, targets, past covariates) nor the known-future ``covariates`` (a ``'price'``
    never given to fit), whose values would otherwise be dropped without a word. As fit's warning of the panel's
    unread columns (:func:`_warn_unread`), only numeric (and boolean) columns are named: a column of text or
    categories (a store's name or region beside its id, carried over when ``future`` is cut from the panel) is an
    attribute of a series, not a covariate's values; nor is anything said where a fitted covariate is missing."""
    if not isinstance(future, pd.DataFrame) or not {str(c) for c in covariates} <= {str(c) for c in future.columns}:
        return  # a covariate missing: its refusal names the columns given (a rename), not this warning
    known = {str(c) for c in (*fitted, *covariates) if c is not None}
    unread = [c for c, column in future.items() if str(c) not in known and pd.api.types.is_numeric_dtype(column)]
    if unread:
        shown = [str(c) if isinstance(c, np.str_) else c for c in unread]
        warnings.warn(f"{who}: the column(s) {shown} of {name} are not read: the model was fitted with the "
                      f"known-future covariates {list(covariates)} alone, so their values change no forecast; fit "
                      f"again with them among the known-future covariates for them to count, or drop them "
                      f"({name}.drop(columns={shown!r})) to silence this", UserWarning, stacklevel=user_stacklevel())


def _warn_unread(data: pd.DataFrame, read: tuple) -> None:
    """Warn of the panel's numeric columns that fit does not read (no past covariates: vega's stocks with a volume
    beside the price), which would otherwise be dropped without a word; text columns (a second id level, a
    category) are attributes of a series, not values."""
    unread = [c for c in data.columns if c not in read and pd.api.types.is_numeric_dtype(data[c])]
    if unread:
        shown = [str(c) if isinstance(c, np.str_) else c for c in unread]
        warnings.warn(f"GlobalForecaster.fit: the panel's numeric column(s) {shown} are not read: the model reads "
                      "each series' target and the known-future covariates only (no past covariates); pass "
                      f"future_covariates={shown!r} if their values are known ahead (predict then needs them over "
                      "the horizon), forecast one series with them as past covariates with rnnkit.Forecaster, or "
                      "drop them", UserWarning, stacklevel=user_stacklevel())


def _read_panel(data, id_col: str, time_col: str, target: str, covariates: tuple[str, ...]
                ) -> tuple[dict[Hashable, tuple[TimeSeriesFrame, np.ndarray]], str | None]:
    """``{id: (frame, rows)}`` in order of first appearance (``frame``: the target, then the covariates, on the
    series' time axis; ``rows``: its rows' positions in ``data``, for messages), and the period frequency when
    the time column holds periods. ValueError naming the series and the row for every bad input."""
    if not isinstance(data, pd.DataFrame):
        long = long_of_dict(data, id_col, time_col, target)
        raise ValueError(f"expected a long pandas DataFrame (one row per series id and timestamp), got "
                         f"{type(data).__name__}" + ("" if long is None else
                                                     f" of {len(data)} series: stack them into one, {long}")
                         + _one_series_fix(data, id_col, time_col, target))
    if len(data) == 0:
        raise ValueError("the panel is empty (0 rows)")
    if isinstance(target, list | pd.Index | np.ndarray) or isinstance(target, tuple) and target not in data.columns:
        names = [str(c) if isinstance(c, np.str_) else c for c in target]  # pandas: "unhashable type: 'list'"
        raise ValueError(f"target={names!r} names {len(names)} columns, and the GlobalForecaster forecasts one target "
                         f"column of each series; fit one model per column (target={names[0]!r}), or forecast the "
                         "columns of one series together with rnnkit.Forecaster(horizon=...).fit(series[columns]), "
                         "whose targets are every column")
    needed = [id_col, time_col, target, *covariates]
    missing = [c for c in needed if c not in data.columns]
    dated = isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex)
    values = [c for c in data.columns if c != time_col]
    numeric = all(pd.api.types.is_numeric_dtype(data[c]) for c in values)
    if missing and id_col in missing and len(values) > 1 and numeric and \
            (dated or time_col in data.columns and target in missing):
        # a wide table: one column per series (prices of tickers side by side), indexed by time or beside it
        name = time_col if time_col in data.columns else data.index.name if data.index.name is not None else "index"
        shown = ", ".join(repr(str(c)) for c in values[:3]) + (", ..." if len(values) > 3 else "")
        where = f"beside its time column {name!r}" if time_col in data.columns else f"on a {type(data.index).__name__}"
        long = "data" if time_col in data.columns else "data.reset_index()"
        raise ValueError(f"the panel lacks the columns {missing}; it has {len(values)} numeric columns ({shown}) "
                         f"{where}, as a wide table has one series per column: make it long, {long}.melt("
                         f"id_vars={name!r}, var_name={id_col!r}, value_name={target!r}), and fit it with "
                         f"time_col={name!r}")
    in_index = [c for c in missing if c in data.index.names]
    if in_index:  # a panel indexed by (id, time), as groupby or set_index leaves it
        raise ValueError(f"the panel holds {in_index} in its index, not as columns; move them to columns with "
                         f"data.reset_index()")
    months = month_columns(data.columns) if missing else None
    if months is not None:  # one series, a year per row (statsmodels' elnino)
        year = next((c for c in data.columns if str(c).strip().lower() == "year"), None)
        years = np.asarray(data[year] if year is not None else data.index, dtype=np.float64) \
            if year is not None or pd.api.types.is_numeric_dtype(data.index) else np.array([])
        one = monthly_series(months, years)
        raise ValueError(f"the panel lacks the columns {missing}; it has a column per month ({months[0]!r} .. "
                         f"{months[-1]!r}) on rows of years, as one monthly series laid out as a table has"
                         + (f": forecast it with rnnkit.Forecaster as one column on months, {one}" if one else
                            ": make it one column on months (a row per year and month, in time order)"))
    wide = times_across(data) if missing else None
    if wide is not None:  # one series per row, a time per column (the World Bank's layout)
        times, others = wide
        _, long, ids = wide_fix(data, times, others, time_col=time_col, target=target)
        raise ValueError(f"the panel lacks the columns {missing}; it has {len(times)} columns named as times "
                         f"({times[0]!r} .. {times[-1]!r}) and a series on each row, as a wide table has: make it "
                         f"long, {long}, and fit it with id_col={ids!r}")
    levels = list(data.index.names) if isinstance(data.index, pd.MultiIndex) else []
    if missing and levels and None not in levels and not set(levels) & set(data.columns):
        # sktime's panels (pd-multiindex, pd_multiindex_hier): the ids and the times are index levels and the
        # columns hold the values, so id_col= and time_col= alone would name no column
        ids, values = [str(v) for v in levels[:-1]], [str(c) for c in data.columns]
        which = f"{values[0]!r}" if len(values) == 1 else f"{values[0]!r} or another of its columns"
        keys = data.index.droplevel(-1).unique()
        names = f"id_col={ids[-1]!r}, time_col={str(levels[-1])!r}, target={which}"
        if len(ids) == 1 or keys.get_level_values(-1).nunique() == len(keys):
            fix = f"fit(data.reset_index(), {names})" + (f" ({ids[-1]!r} alone tells the series apart)"
                                                          if len(ids) > 1 else "")
        else:  # a series named by several levels together (a product group within a product line)
            join = " + '/' + ".join(f"data[{v!r}].astype(str)" for v in ids)
            fix = (f"the series are named by the {len(ids)} levels {ids} together, so join them into one id "
                   f"column: data = data.reset_index(); data[{ids[-1]!r}] = {join}; then fit(data, {names})")
        raise ValueError(f"the panel lacks the columns {missing}; it has {values}, on a MultiIndex of the levels "
                         f"{[str(v) for v in levels]} that holds the series ids and the times (as sktime's panels "
                         f"do): move them to columns and name them, {fix}")
    if missing:
        guess = _columns_fix(data, needed, missing)
        alone = _one_series_fix(data, id_col, time_col, target) if "id_col=" not in guess else ""
        raise ValueError(f"the panel lacks the columns {missing}; it has {list(data.columns)} (name them with "
                         f"id_col=, time_col=, target=, future_covariates=){guess}{alone}")
    if len(set(needed)) != len(needed):
        raise ValueError(f"id_col, time_col, target and future_covariates must name different columns, got "
                         f"{needed}")
    keys = pd.Series(data[id_col].tolist(), dtype=object)  # Python values: 0, not np.int64(0), in messages
    ids = keys.to_numpy()
    absent = np.flatnonzero(pd.isna(data[id_col]).to_numpy())
    if len(absent):
        raise ValueError(f"the id column {id_col!r} is missing at row {absent[0]}; give every row a series id")
    _check_id_spellings(keys, id_col)
    time, period = _time_column(data[time_col], time_col, ids)
    values = np.empty((len(data), 1 + len(covariates)))
    for j, c in enumerate((target, *covariates)):
        column = data[c]
        if isinstance(column.dtype, pd.CategoricalDtype):
            numbers_ = pd.api.types.is_numeric_dtype(column.cat.categories)
            fix = (f"data[{c!r}].astype(float) reads its categories as numbers" if numbers_ else
                   "a category is no number to forecast: encode it (e.g. pd.get_dummies) or drop it" if c == target
                   else _dummies_fix(c, column.cat.categories, covariates))
            raise ValueError(f"column {c!r} is categorical (categories {list(column.cat.categories[:5])}"
                             f"{', ...' if len(column.cat.categories) > 5 else ''}), not numbers; {fix}")
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
            if found := arrays_in_column(column, c):
                raise ValueError(f"series {ids[found[0]]!r}, row {found[0]}: column {c!r} {found[1]}")
            bad = np.flatnonzero(pd.to_numeric(column, errors="coerce").isna().to_numpy() & column.notna().to_numpy())
            row = int(bad[0]) if len(bad) else 0
            words = column.iloc[bad].astype(str).unique()
            fix = (_dummies_fix(c, sorted(column.dropna().astype(str).unique()), covariates)
                   if c != target and not any(ch.isdigit() for w in words for ch in w) else
                   _text_numbers_fix(column.iloc[bad], c, id_col))
            raise ValueError(f"series {ids[row]!r}, row {row}: column {c!r} holds {column.iloc[row]!r}, not a "
                             f"number (dtype {column.dtype}); {fix}")
        values[:, j] = column.to_numpy(dtype=np.float64, na_value=np.nan)
    # before the values' gaps: rows of records at one time (a car per row) are refused for that, not for a gap
    twice = np.flatnonzero(pd.DataFrame({"id": keys, "t": time}).duplicated(keep=False).to_numpy())
    if len(twice):
        a = twice[0]
        b = next(r for r in twice[1:] if keys[r] == keys[a] and time[r] == time[a])
        at = _shown(time, a, period, data[time_col])
        raise ValueError(f"series {ids[a]!r} has the time {at} twice (rows {a} and {b}); "
                         + (_clock_hint(keys, time, a, b) or _finer_id(data, needed, a, b, id_col, time)
                            or "give one row per (id, time)"))
    bad = np.argwhere(~np.isfinite(values))
    for j, c in enumerate(covariates, start=1):  # a covariate given for some series only (X of some series)
        absent = pd.Series(np.isnan(values[:, j])).groupby(keys.to_numpy(), sort=False).all()
        if absent.any() and not absent.all():
            bare = absent.index[absent.to_numpy()]
            shown = ", ".join(repr(k) for k in bare[:4]) + (", ..." if len(bare) > 4 else "")
            raise ValueError(f"covariate {c!r} is missing (NaN) at every row of {len(bare)} of the {len(absent)} "
                             f"series ({shown}) and given for the others; one global model reads each covariate for "
                             f"every series (dropping those rows would drop the series): give it for each, e.g. 0 "
                             f"where it does not apply (data[{c!r}] = data[{c!r}].fillna(0)), or leave it out of "
                             "future_covariates")
    if len(bad):
        row, j = bad[0]
        what = "missing (NaN)" if np.isnan(values[row, j]) else "infinite"
        c = (target, *covariates)[j]
        raise ValueError(f"series {ids[row]!r}, row {row}: column {c!r} is {what} ({len(bad)} such values in all); "
                         "fill or drop them first (the global model reads complete series, at fit and at predict): "
                         f"{_incomplete_fix(values[:, j], keys, time, c, id_col)}")
    series, groups = {}, keys.groupby(keys, sort=False).indices
    for key in pd.unique(keys):  # in order of first appearance
        rows = np.sort(groups[key])
        t = time[rows]
        later = np.flatnonzero(_steps(t) <= 0)
        if len(later):
            a, b = rows[later[0]], rows[later[0] + 1]
            fix = _clock_hint(keys, time, a, b) or f"sort the panel by id and time (df.sort_values([{id_col!r}, " \
                f"{time_col!r}]))"
            before, after = (_shown(time, r, period, data[time_col]) for r in (a, b))
            raise ValueError(f"series {key!r} is not in time order: row {b} ({after}) comes after row {a} ({before}); "
                             f"{fix}")
        series[key] = (TimeSeriesFrame(values[rows], columns=[target, *covariates], time=t, time_name=time_col),
                       rows)
    return series, period


def _incomplete_fix(column: np.ndarray, keys: pd.Series, time: np.ndarray, c, id_col) -> str:
    """The fix of a panel's ``column`` (all rows) holding NaN or infinite values: a series with none finite is
    dropped; values only before a series' first or after its last finite value are dropped as rows (no gap is
    left); values inside a series are filled with the series' last value, as a dropped row would leave a gap in its
    times, which is refused. Infinite values are made NaN first; ``-inf`` alone is named as the ``np.log`` of 0."""
    finite = np.isfinite(column)
    spelt, inf = f"data[{c!r}]", np.isinf(column)
    first = ""
    if inf.any():
        first = ("-inf is what np.log gives for 0 (a log of a series with zeros? np.log1p keeps them finite, and "
                 "np.expm1 of its forecasts takes it back): " if
                 (column[inf] < 0).all() else "") + f"make them NaN, {spelt} = {spelt}.replace([np.inf, -np.inf], " \
            f"np.nan), then "
    by = pd.DataFrame({"key": keys.to_numpy(), "t": time, "ok": finite})
    has_value = by.groupby("key", sort=False)["ok"].any()
    if not has_value.all():
        bare = list(has_value.index[~has_value.to_numpy()])
        shown = ", ".join(repr(k) for k in bare[:4]) + (", ..." if len(bare) > 4 else "")
        drop = (f"data[data[{id_col!r}] != {bare[0]!r}]" if len(bare) == 1 else
                f"data[~data[{id_col!r}].isin({bare!r})]")
        return (f"{len(bare)} series ({shown}) {'has' if len(bare) == 1 else 'have'} no value of {c!r} at all: "
                f"drop {'it' if len(bare) == 1 else 'them'}, data = {drop}"
                + ("; the others' missing values: fill them too" if (~finite & np.isin(keys, bare, invert=True)).any()
                   else ""))
    seen = by[by["ok"]].groupby("key", sort=False)["t"].agg(["min", "max"])
    lo, hi = seen["min"].reindex(by["key"]).to_numpy(), seen["max"].reindex(by["key"]).to_numpy()
    edge = (by["t"].to_numpy() < lo) | (by["t"].to_numpy() > hi)
    if (edge | finite).all():  # before a series' first or after its last value: rows dropped leave no gap
        return (f"{first}they come before a series' first value or after its last: drop those rows, data = "
                f"data[{spelt}.notna()]" if first else f"they come before a series' first value or after its "
                f"last: drop those rows, data = data.dropna(subset=[{c!r}])")
    lead = "" if not (edge & ~finite).any() else ".bfill()"
    fill = f"data.groupby({id_col!r})[{c!r}].transform(lambda s: s.ffill(){lead})" if lead else \
        f"data.groupby({id_col!r})[{c!r}].ffill()"
    return (f"{first}fill them, {spelt} = {fill}, which carries each series' last value"
            f"{' (its first value back over the rows before it)' if lead else ''} (or interpolate); a row dropped "
            f"inside a series leaves a gap in its times, which is refused")


def _text_numbers_fix(words: pd.Series, c, id_col) -> str:
    """The fix of a panel's column of numbers held as text, ``words`` its cells pd.to_numeric does not read: the
    read_csv options of a decimal comma or thousands separator, the conversion of marked numbers (``'(35)'``,
    ``'4.5%'``), errors='coerce' for stray words; pd.to_numeric alone where every cell reads."""
    spelt = f"data[{c!r}]"
    if not len(words):
        return f"convert it, {spelt} = pd.to_numeric({spelt})"
    if (commas := comma_numbers(words)) is not None:
        return (f"its numbers are written with {commas[0]} (e.g. {words.iloc[0]!r}), which pd.to_numeric makes NaN, "
                f"errors='coerce' too: read the CSV with {commas[1]} (pd.read_csv(path, ...))")
    if (marked := marked_numbers(words, spelt)) is not None:
        return f"it holds {marked[0]}, which pd.to_numeric would make NaN: convert it, {spelt} = {marked[1]}"
    return (f"{len(words)} cell(s) are not numbers; if they mark missing readings, make them NaN, {spelt} = "
            f"pd.to_numeric({spelt}, errors='coerce'), and fill them, as the model reads complete series ({spelt} = "
            f"data.groupby({id_col!r})[{c!r}].ffill() carries each series' last value), else correct them")


def _columns_fix(data: pd.DataFrame, needed: list, missing: list) -> str:
    """The end of the refusal of a panel lacking the columns ``missing`` (of ``needed``: id, time, target,
    covariates): for each, the column it may be misspelt for, found by the first rule that names one column fit
    does not already read: the same name but for case, spaces or dashes (``'unique id'``, ``'Y'``); difflib's
    closest (:func:`rnnkit.checks.closest_name`); the one column whose name holds the given one as a word, or the
    reverse (``'id'`` -> ``'unique_id'``, ``'store_id'`` -> ``'store'``); for the time column, the panel's one
    column of dates. Said as the argument to pass; the covariates as the whole list, the right names kept."""
    args = ["id_col", "time_col", "target"] + ["future_covariates"] * (len(needed) - 3)
    free = [c for c in data.columns if c not in needed]
    words = lambda name: {w for w in fold_name(name, " -").split("_") if w}

    def within(name, c) -> bool:  # one's words all among the other's
        return bool(words(name)) and bool(words(c)) and (words(name) <= words(c) or words(c) <= words(name))

    said, covariates, guessed = [], list(needed[3:]), []
    for k, (arg, name) in enumerate(zip(args, needed, strict=True)):
        if name not in missing:
            continue
        holding = [c for c in free if within(name, c)]
        meant = meant_name(str(name), free, underscores=" -") or (holding[0] if len(holding) == 1 else None)
        if meant is None and arg == "time_col":
            dates = [c for c in free if pd.api.types.is_datetime64_any_dtype(data[c])]
            meant = dates[0] if len(dates) == 1 else None
        if meant is None:
            continue
        free.remove(meant)
        if arg == "future_covariates":
            covariates[k - 3] = meant
            guessed.append(f"{meant!r} for {name!r}")
        else:
            said.append(f"{arg}={meant!r} for {name!r}?")
    if guessed:
        said.append(f"future_covariates={covariates!r} ({', '.join(guessed)})?")
    return f"; {', '.join(said)}" if said else ""


def _one_series_fix(data, id_col: str, time_col: str, target: str) -> str:
    """The end of the refusal of one series given where a panel goes: a pandas Series, or a DataFrame without
    the id column whose other columns are numbers (one series on a time index or beside its time column); the
    Forecaster that forecasts it, and, where its time axis and one value column are plain, the statement that
    makes it a panel of one series; ``""`` for anything else."""
    if isinstance(data, pd.Series):
        values, on_index = [None], isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex)
    elif isinstance(data, pd.DataFrame) and id_col not in data.columns:
        values = [c for c in data.columns if c != time_col]
        if not all(pd.api.types.is_numeric_dtype(data[c]) for c in values):
            return ""  # a column of words may be the ids, named otherwise
        on_index = time_col not in data.columns and isinstance(data.index, pd.DatetimeIndex | pd.PeriodIndex)
    else:
        return ""
    fix = "; one series, with no id column? rnnkit.Forecaster(horizon=...).fit(series) forecasts it"
    if len(values) != 1 or not (on_index or isinstance(data, pd.DataFrame) and time_col in data.columns):
        return fix
    spelt = (f".rename({target!r})" if values[0] is None else
             f".rename(columns={{{values[0]!r}: {target!r}}})" if values[0] != target else "")
    time = f".rename_axis({time_col!r}).reset_index()" if on_index else ""
    return f"{fix}; or fit it as a panel of one series: data = data{spelt}{time}.assign({id_col}='series_1')"


def _dummies_fix(column: str, categories, covariates: tuple[str, ...]) -> str:
    """The fix of a known-future covariate of words or categories (``'rain'``, ``'sun'``): a 0/1 column per
    category, as ``pd.get_dummies`` names them, named in ``future_covariates`` in its place, in ``future`` too."""
    names = [f"{column}_{v}" for v in list(categories)[:6]]
    shown = names if len(categories) <= 6 else [*names, "..."]
    given = [n for c in covariates for n in (shown if c == column else [c])]
    return (f"a covariate is read as numbers: encode it as a 0/1 column per category, "
            f"data = pd.get_dummies(data, columns=[{column!r}], dtype=float), and name those, "
            f"future_covariates={given}; predict's future the same way, with every category "
            f"(future[{column!r}] = pd.Categorical(future[{column!r}], categories={list(categories)[:6]}) first)")


def _shown(time, row: int, period: str | None, given: pd.Series):
    """The time of ``row`` as the panel gave it (``given``: its time column): a period (``2000-01``) where the time
    column held periods, a number as written (the year ``1931``, not the float ``1931.0`` it is read as)."""
    if period is not None:
        return pd.Timestamp(time[row]).to_period(period)
    return given.iloc[row] if pd.api.types.is_numeric_dtype(given) else time[row]


def _clock_hint(keys: pd.Series, time, a: int, b: int) -> str | None:
    """:func:`rnnkit.data.tables._clock_set_back`'s advice when row ``b`` of the series of row ``a`` follows its
    row before (in the panel's order) as the clock of a zone steps back where daylight saving time ends (the repeated
    hour, or ``01:00`` after ``01:45``); None otherwise."""
    if not isinstance(time, pd.DatetimeIndex):
        return None
    rows = np.flatnonzero((keys == keys[a]).to_numpy())
    return _clock_set_back(time[rows], int(np.searchsorted(rows, b)))


def _warn_seasonless(frames: dict[Hashable, TimeSeriesFrame], seasons: Sequence[int], *, auto: bool = False
                     ) -> None:
    """Warn of the series too short for the hybrid's smoothing to fit their season (two seasons and two rows:
    :func:`.hybrid.fit_smoothing`), which it then fits without one, a level alone; ``auto``: of a season set for
    ``model='auto'``, whose ets and hybrid smoothing do the same (:func:`.combination.fit_ets`) and whose seasonal
    naive forecast is the naive one for a series shorter than a season (the Forecaster's warning alike)."""
    short = [(key, len(frame), m) for (key, frame), m in zip(frames.items(), seasons, strict=True)
             if m > 1 and len(frame) < 2 * m + 2]
    if not short:
        return
    key, n, m = short[0]
    which = (f"the series has {n} rows" if len(frames) == 1 else
             f"{len(short)} of the {len(frames)} series {'has' if len(short) == 1 else 'have'} fewer rows, e.g. "
             f"{key!r} ({n} rows)")
    who, what = (("GlobalForecaster(model='auto')", "the exponential smoothing (ets, hybrid)") if auto else
                 ("model='hybrid'", "the smoothing"))
    naive = (", and the seasonal naive forecast, which needs one season, is the naive one"
             if auto and any(n_ < m_ for _, n_, m_ in short) else "")
    none = "season_length=1: none" + ("; 'auto' chooses one each series holds twice" if auto else "")
    warnings.warn(f"{who}: a season of {m} steps needs 2 seasons and 2 rows ({2 * m + 2}) for {what} to fit it, "
                  f"but {which}, so it is fitted without a season (a level alone){naive}; pass a longer series, or "
                  f"set season_length to the season the rows hold ({none})", UserWarning, stacklevel=user_stacklevel())


def _finer_id(data: pd.DataFrame, needed: list, a: int, b: int, id_col: str, time) -> str | None:
    """The advice for rows ``a`` and ``b`` of one (id, time) that differ in a text column not read (a
    hierarchical panel, sktime's hierarchical sales: several product groups under each product line), which
    then names series within the id, or, where it names none of several rows, tells rows of records to aggregate
    (``time``: the panel's times as read); None when there is no such column."""
    time_col, target = needed[1], needed[2]
    for c in data.columns:
        column = data[c]
        if c in needed or pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            continue
        x, y = column.iloc[a], column.iloc[b]
        if not (pd.isna(x) or pd.isna(y)) and x != y and not names_series(
                data[id_col].astype(str) + "/" + column.astype(str), data[time_col]):
            # a car's name beside its model year: series of one row each, so the rows are records to aggregate
            return (f"they differ in column {c!r} ({x!r}, {y!r}), which names no series of several rows within an "
                    f"id, as rows of records have (several at one time): aggregate them to one row per (id, time), "
                    f"e.g. data.groupby([{id_col!r}, {time_col!r}], as_index=False)[{target!r}].mean()"
                    + counts_of_records(time, time_col, "data", id_col))
        if not (pd.isna(x) or pd.isna(y)) and x != y:
            return (f"they differ in column {c!r} ({x!r}, {y!r}), so each id of {id_col!r} holds several series, "
                    f"one per {c!r}: give each its own id, e.g. data['unique_id'] = data[{id_col!r}].astype(str) + "
                    f"'/' + data[{c!r}].astype(str) (or id_col={c!r} where its values alone tell the series apart)")
    return None


def _respelt(keys: list, fitted: list) -> dict:
    """The ids among ``keys`` (predict's) that are no fitted id but match exactly one of ``fitted`` once
    spaces, case and the writing of a number are set aside (``'A '``, ``'a'``, ``'01'`` for ``'A'``, ``'A'``, ``1``),
    each with that fitted id."""
    def spelling(k):
        text = str(k).strip().casefold()
        try:
            return float(text)
        except ValueError:
            return text

    known = set(fitted)
    by = {}
    for k in fitted:
        by.setdefault(spelling(k), []).append(k)
    return {k: by[spelling(k)][0] for k in keys if k not in known and len(by.get(spelling(k), ())) == 1}


def _written(key, fitted) -> str:
    """How the id ``key`` differs from the fitted id ``fitted`` it reads as (:func:`_respelt`)."""
    if str(key).strip() == str(fitted):
        return "with spaces around it"
    return "in another case" if str(key).strip().casefold() == str(fitted).casefold() else "with other digits"


def _replace_fix(name: str, id_col: str, spelt: dict) -> str:
    """The call that gives the ids of ``spelt`` (id -> fitted id, :func:`_respelt`) their fitted spelling."""
    mapping = dict(list(spelt.items())[:6])
    more = f" ({len(spelt)} such ids in all)" if len(spelt) > 6 else ""
    return f"{name}[{id_col!r}] = {name}[{id_col!r}].replace({mapping!r}){more}"


def _check_id_spellings(keys: pd.Series, id_col: str) -> None:
    """ValueError for one id spelt two ways, which would split a series in two that print alike: ``7`` and
    ``"7"`` (a panel concatenated from a CSV read and a frame built in code), ``"m"`` and ``"m "``; or two ids
    of other types that pandas groups as one series because they compare equal: ``1``, ``1.0`` and ``True``."""
    kinds = keys.map(lambda v: type(v).__name__)
    if kinds.nunique() > 1:
        for _, rows in kinds.groupby(keys, sort=False).groups.items():
            if kinds.loc[rows].nunique() > 1:
                a = rows[0]
                b = next(r for r in rows if kinds.loc[r] != kinds.loc[a])
                raise ValueError(f"the id column {id_col!r} holds {keys.loc[a]!r} ({kinds.loc[a]}, row {a}) and "
                                 f"{keys.loc[b]!r} ({kinds.loc[b]}, row {b}), ids of two types that compare equal, so "
                                 "they would be one series; give the ids one type, distinct where they name different "
                                 f"series (data[{id_col!r}].astype(str) keeps them apart)")
    first = pd.Series(np.arange(len(keys)), dtype=np.int64).groupby(keys, sort=False).min()
    seen: dict[str, tuple] = {}
    for key, row in zip(first.index, first.to_numpy(), strict=True):
        text = str(key).strip()
        if text in seen:
            other, at = seen[text]
            raise ValueError(f"the id column {id_col!r} spells one id in 2 ways, {other!r} ({type(other).__name__}, "
                             f"row {at}) and {key!r} ({type(key).__name__}, row {row}), which would be separate "
                             f"series; give the ids one type and no stray spaces (data[{id_col!r}].astype(str)"
                             ".str.strip()), or make them distinct")
        seen[text] = (key, int(row))


def _steps(t) -> np.ndarray:
    """The steps between consecutive times: in the index's unit for dates (time-zone aware or not), else numbers."""
    return np.diff(t.asi8) if isinstance(t, pd.DatetimeIndex) else np.diff(t)


def _time_column(column: pd.Series, name: str, ids: np.ndarray) -> tuple[pd.Index | np.ndarray, str | None]:
    """The time column as a DatetimeIndex (dates; periods as their start) or float64 numbers, and the period
    frequency (None unless periods). ValueError naming the series and row of a missing or unreadable time."""
    period = None
    if pd.api.types.is_object_dtype(column) and column.map(lambda v: isinstance(v, pd.Period)).any():
        # pandas keeps periods of one frequency as a period column: an object column may mix them with others
        kinds = column.map(lambda v: v.freqstr if isinstance(v, pd.Period) else type(v).__name__)
        other = np.flatnonzero((kinds != kinds.iloc[0]).to_numpy())
        if len(other):
            row = int(other[0])
            fix = ("give each row its period's start as a timestamp (data[{name!r}].map(lambda p: p.start_time)): each "
                   "series keeps its own frequency" if isinstance(column.iloc[row], pd.Period) else
                   "give every row one kind of time")
            raise ValueError(f"series {ids[row]!r}, row {row}: the time column {name!r} mixes periods of "
                             f"{kinds.iloc[0]!r} (row 0) with {column.iloc[row]!r}, and one column holds periods of "
                             f"one frequency; {fix.format(name=name)}")
        column = pd.Series(pd.PeriodIndex(column.tolist()), index=column.index)  # one frequency: a period column
    if isinstance(column.dtype, pd.PeriodDtype):
        period = pd.PeriodIndex(column).freqstr  # "Q-DEC", as to_period reads it
        column = column.dt.to_timestamp()
    if pd.api.types.is_object_dtype(column) and column.map(lambda v: isinstance(v, pd.Timestamp)).all():
        zones = sorted({str(v.tz) for v in column})  # aware timestamps in several zones stay objects in pandas
        if len(zones) > 1:
            row = int(np.flatnonzero((column.map(lambda v: str(v.tz)) != str(column.iloc[0].tz)).to_numpy())[0])
            raise ValueError(f"series {ids[row]!r}, row {row}: the time column {name!r} holds timestamps in several "
                             f"time zones ({', '.join(zones)}); convert them to one (pd.to_datetime(data[{name!r}], "
                             "utc=True), then .dt.tz_convert(zone) if wanted)")
        column = pd.Series(pd.DatetimeIndex(column.tolist()), index=column.index)
    if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
        if len(set(_offsets(column)) - {""}) > 1:  # several UTC offsets, which pandas refuses naming no row and no zone
            raise ValueError(_mixed_offsets(column, name, ids))
        parsed = pd.to_datetime(column, format="ISO8601", errors="coerce")
        bad = np.flatnonzero(parsed.isna().to_numpy() & column.notna().to_numpy())
        labels = None  # month or quarter labels ("Jan 1980", "Q1 1965"): the first day of each period
        if len(bad) and column.notna().all() and all(isinstance(v, str) for v in column):
            labels = _period_starts(column, f"time column {name!r}", f"data[{name!r}]")
        if labels is not None:
            parsed, bad = pd.Series(labels, index=column.index), []
        elif len(bad) and column.notna().all() and all(isinstance(v, str) for v in column):
            try:  # one other format that every time fits (13/01/1994: day-first), as the Forecaster reads one
                readings = date_readings(column.astype(str).reset_index(drop=True))
            except MixedZones as e:
                raise ValueError(f"series {ids[e.naive]!r}, row {e.naive}: the time column {name!r} holds "
                                 f"{e}") from None
            if len(readings) == 1:
                parsed, bad = pd.Series(readings[0][1], index=column.index), []
            elif len(readings) > 1:
                raise ValueError(f"the time column {name!r} holds dates that read two ways ("
                                 f"{' or '.join(f for f, _ in readings)}: {column.iloc[0]!r} is either); give {name!r} "
                                 f"as datetimes (pd.to_datetime(data[{name!r}], format=...)) or as ISO dates "
                                 "(YYYY-MM-DD)")
        if len(bad):
            raise ValueError(f"series {ids[bad[0]]!r}, row {bad[0]}: time {column.iloc[bad[0]]!r} is not an ISO "
                             f"8601 date; give {name!r} as datetimes (pd.to_datetime(..., format=...)) or numbers")
        column = parsed
    absent = np.flatnonzero(column.isna().to_numpy())
    if len(absent):
        raise ValueError(f"series {ids[absent[0]]!r}, row {absent[0]}: the time {name!r} is missing; give every "
                         "row a time")
    if pd.api.types.is_datetime64_any_dtype(column):
        return pd.DatetimeIndex(column, name=name), period
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.float64), None
    if pd.api.types.is_timedelta64_dtype(column):
        raise ValueError(durations_refusal(f"the time column {name!r}", column, f"data[{name!r}]"))
    raise ValueError(f"the time column {name!r} has dtype {column.dtype}; give datetimes, periods or numbers")


def _offsets(column: pd.Series) -> np.ndarray:
    """The UTC offset each text time of ``column`` ends with (``'-0800'``; ``'Z'`` as ``'+0000'``), ``'none'``
    where it has none, ``''`` where the time is missing."""
    written = column.astype(str).str.strip().str.extract(r"(Z|[+-]\d\d:?\d\d)$")[0]
    offsets = written.str.replace(":", "").replace("Z", "+0000").fillna("none")
    return offsets.where(column.notna(), "").to_numpy()


def _mixed_offsets(column: pd.Series, name: str, ids) -> str:
    """The refusal of a text time column whose times carry several UTC offsets (a CSV of local times across a
    clock change, ``2010-03-14 00:00:00-08:00`` then ``-07:00``), naming the first row of another offset."""
    offsets = _offsets(column)
    first = int(np.flatnonzero(offsets != "")[0])
    row = int(np.flatnonzero((offsets != offsets[first]) & (offsets != ""))[0])
    return (f"series {ids[row]!r}, row {row}: the time column {name!r} holds times with several UTC offsets "
            f"({column.iloc[first]!r} at row {first}, {column.iloc[row]!r} at row {row}), which one column holds only "
            f"in one zone: local times across a clock change? read them in their zone, data[{name!r}] = "
            f"pd.to_datetime(data[{name!r}], utc=True).dt.tz_convert('America/Los_Angeles'), with yours")


def _step_of(key, frame: TimeSeriesFrame, columns: tuple[str, ...] | None = None, *, period: str | None = None
             ) -> str | float:
    """The series' pandas frequency (dates) or numeric step; ValueError naming the series and the first row
    off its grid. ``columns``: the panel's (id, time, target, covariates...) columns, which the advice to put
    every series on a grid names (business days with holidays missing: stock prices, on the grid ``"B"``);
    ``period``: the frequency of a time column of periods, whose skipped periods are named as periods."""
    fix = "put the series on a regular grid first (resample it)"
    time = frame.time
    if period is not None and columns is not None and isinstance(time, pd.DatetimeIndex) and len(time) >= 2:
        periods = time.to_period(period)
        steps = np.diff(periods.asi8)
        if (steps > 0).all() and (steps != periods.freq.n).any():  # '30min' ordinals step by 30; pandas resamples
            i = int(np.flatnonzero(steps != periods.freq.n)[0])  # no periods: reindex each series
            absent = pd.period_range(periods[0], periods[-1], freq=period).difference(periods)
            shown = ", ".join(str(p) for p in absent[:3]) + (", ..." if len(absent) > 3 else "")
            id_col, time_col, *values = columns
            raise ValueError(f"series {key!r}: its periods skip {len(absent)} of its {period!r} periods ({shown}; "
                             f"{periods[i + 1]} follows {periods[i]}), so its steps are uneven; put every series on "
                             f"its periods first, e.g. data.set_index({time_col!r}).groupby({id_col!r})[{values!r}]"
                             f".apply(lambda s: s.reindex(pd.period_range(s.index[0], s.index[-1], freq={period!r}), "
                             f"method='ffill')).rename_axis([{id_col!r}, {time_col!r}]).reset_index() (each missing "
                             "period takes the value before it)")
    if columns is not None and isinstance(time, pd.DatetimeIndex) and len(time) >= 3:
        business = _missing_business_days(time)
        grid = "B" if business is not None else pd.infer_freq(time[:3])
        if grid is not None:
            id_col, time_col, *values = columns
            fix = (f"put every series on a regular grid first, e.g. data.set_index({time_col!r}).groupby({id_col!r})"
                   f"[{values!r}].resample({grid!r}).ffill().reset_index() (each missing "
                   f"{'day' if business is not None else 'step'} takes the value before it)")
            gap = _longest_gap(time, grid)
            if gap is not None and business is None:  # a filled gap this long would be a flat line of invented values
                fix = (f"its timestamps are on the grid {grid!r} but jump from {shown_time(time[gap[0]])} to "
                       f"{shown_time(time[gap[0] + 1])}, {gap[1]} steps missing at once: two series under one id? "
                       f"give each its own id (e.g. a new id from that row on); or, to {fix[0].lower()}{fix[1:]}, "
                       f"which repeats one value over those {gap[1]} steps")
            if business is not None:
                fix = (f"they are all weekdays, business days with {len(business)} missing (the first "
                       f"{business[0].date()}, a holiday?): {fix}; forecasts are then dated on business days, "
                       "holidays included")
    try:
        return _regular_step(frame, fix=fix, business=None)[0]
    except ValueError as e:
        raise ValueError(f"series {key!r}{_first_irregular(frame.time)}: {e}") from None


def _longest_gap(time: pd.DatetimeIndex, grid: str) -> tuple[int, int] | None:
    """``(i, k)``: where timestamps on ``grid`` skip the most steps at once (``k`` missing between rows ``i`` and
    ``i + 1``), where that is more than 3 steps and every timestamp lies on the grid; else None."""
    full = pd.date_range(time[0], time[-1], freq=grid)
    if len(full) > 100 * len(time) or not time.isin(full).all():
        return None
    missing = np.diff(full.get_indexer(time)) - 1  # steps missing after each row
    i = int(np.argmax(missing))
    return (i, int(missing[i])) if missing[i] > 3 else None


def _first_irregular(time) -> str:
    """`` (the first irregular step: its k-th row)`` from the series' first three timestamps' grid, or ``""``."""
    if time is None or len(time) < 3:
        return ""
    if isinstance(time, pd.DatetimeIndex):  # business days with holidays missing: their grid is 'B'
        freq = "B" if _missing_business_days(time) is not None else pd.infer_freq(time[:3])
        if freq is None:
            return " (its first steps already differ)"
        grid = pd.date_range(time[0], periods=len(time), freq=freq)
        off = np.flatnonzero(grid != time)
    else:
        off = np.flatnonzero(~np.isclose(time, time[0] + (time[1] - time[0]) * np.arange(len(time)), rtol=1e-9,
                                         atol=0))
    if not len(off):
        return ""
    t = time[off[0]]  # a year read as the float 1934.0 is shown as the 1934 it was written as
    return f" (its {off[0] + 1}-th row, {t if isinstance(t, pd.Timestamp) else shown_number(t)}, is off the grid of " \
           "its first steps)"


# -- scaling and windows ------------------------------------------------------------------------------------------
def _series_scaling(targets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(S,)`` centres ``μ_i`` and scales ``s_i`` (the module docstring) of each series' target ``(n_i,)``. A
    series constant at fit has no step of its own: it takes the panel's typical step relative to the level, so
    that the net's spread in ``z`` (learned on the moving series) is read in proportion to its size, not as
    units of its values (a band of +-2.5 around a constant 5, or 0.01, whatever its unit)."""
    center = np.array([y.mean() for y in targets])
    size = np.array([np.abs(y).mean() for y in targets])  # not |μ_j|: a series around 0 has steps of its size
    own = np.array([np.abs(np.diff(y)).mean() if len(y) > 1 else 0.0 for y in targets])  # 0: constant at fit
    moving = (own > 0) & (size > 0)
    relative = float(np.median(own[moving] / size[moving])) if moving.any() else 1.0
    scale = np.where(own > 0, own, np.where(size > 0, size * relative, 1.0))
    return center, scale


def _scaled(key, frame: TimeSeriesFrame, rows: slice, center: float, scale: float, cov_center: np.ndarray,
            cov_scale: np.ndarray, *, hybrid: bool = False) -> np.ndarray:
    """The ``rows`` of series ``key``'s ``frame.values (n, 1 + n_f)`` (target, covariates) -> float32 ``z`` and the
    scaled covariates; ValueError naming the series, column and time of a value the network would read beyond
    float32's range once scaled (:func:`~rnnkit.data.timeseries.check_scaled_range`): the hybrid reads its own
    target channel (log ratios to the level) in place of ``z``, so ``hybrid=True`` checks the covariates only."""
    values = frame.values[rows]
    centers, scales = np.r_[center, cov_center], np.r_[scale, cov_scale]
    with np.errstate(over="ignore"):
        out = (values - centers) / scales  # (n, 1 + n_f) float64
    read = slice(1 if hybrid else 0, None)
    check_scaled_range(out[:, read], values[:, read], centers[read], scales[read], frame.columns[read], frame.time,
                       who=f"series {key!r}: ", first=range(len(frame))[rows].start)
    with np.errstate(over="ignore"):  # the hybrid's target channel, replaced by the caller
        return out.astype(np.float32)


def _windows(series: list[np.ndarray], L: int, H: int, anchors: list[np.ndarray] | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every full window of every scaled series ``(n_i, 1 + n_f)``: inputs ``(B, L, 1 + n_f)``, targets
    ``(B, H)``, known-future covariates ``(B, H, n_f)``. With ``anchors`` (the hybrid's ``λ (n_i,)`` of each
    series), the target channel and the targets are taken relative to ``λ_T`` at each window's last step."""
    xs, ys, fs = [], [], []
    for i, z in enumerate(series):
        w = np.lib.stride_tricks.sliding_window_view(z, L + H, axis=0).transpose(0, 2, 1)  # (n_w, L + H, 1 + n_f)
        x, y = w[:, :L].astype(np.float64), w[:, L:, 0].astype(np.float64)
        if anchors is not None:
            a = anchors[i][L - 1 : len(z) - H]  # (n_w,) λ_T
            x[..., 0] -= a[:, None]
            y -= a[:, None]
        xs.append(x)
        ys.append(y)
        fs.append(w[:, L:, 1:])
    return tuple(np.ascontiguousarray(np.concatenate(a), dtype=np.float32) for a in (xs, ys, fs))


def _long(frames: dict[Hashable, TimeSeriesFrame], covariates: tuple[str, ...],
          columns: tuple[str, str, str] = ("id", "time", "y")) -> pd.DataFrame:
    """Series as a long panel with the columns ``columns`` (id, time, target) and the covariates (the validation
    backtests' input, and the combination's nets' panel)."""
    id_col, time_col, target = columns
    parts = []
    for key, frame in frames.items():
        part = pd.DataFrame(frame.values, columns=[target, *covariates])
        part.insert(0, time_col, frame.time)
        part.insert(0, id_col, [key] * len(frame))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def calibrate_band(q: np.ndarray, actual: np.ndarray, quantiles: Sequence[float]) -> dict[float, float]:
    """``{τ: c_τ}`` for every level ``τ != 0.5``: the factor by which the distance ``q_τ - q_0.5`` must be
    stretched so that a share ``τ`` of ``actual (S, H)`` lies below ``q_0.5 + c_τ (q_τ - q_0.5)`` (forecasts
    ``q (S, H, n_q)`` of the validation window). With ``r_j = (a_j - q_0.5) / (q_τ - q_0.5)``, the values below
    the stretched quantile are those with ``r_j < c`` above the median (τ > 0.5) and ``r_j > c`` below it,
    so ``c_τ`` is the empirical ``max(τ, 1 - τ)`` quantile of ``r``, with the split-conformal finite-sample
    rank ``⌈(n + 1) p⌉`` (Romano et al. 2019 calibrate quantile regression the same way, by a shift); kept
    in ``[0.25, 4]`` so that one short window cannot collapse or explode the band. Too few values for a level's
    rank: the most extreme, with a warning (:func:`.combination.warn_short_band`). A value whose ``q_τ`` lies on
    the median (within ``1e-12`` of it, its rounding) has no ``r`` and is left out; relative to the median alone,
    so that a series in small units (1e-13) is calibrated as the same series in units of 1."""
    levels = list(quantiles)
    median = q[..., levels.index(0.5)].reshape(-1)
    a = actual.reshape(-1)
    S, H = actual.shape
    window = f"the series' last {H} steps" if S == 1 else f"each series' last horizon steps, {S} x {H}"
    combination.warn_short_band(a.size, levels, f"the validation window is {window}: a longer horizon, "
                                f"{'' if S == 1 else 'more series, '}or model='auto', whose band is calibrated "
                                "on several validation origins")
    out = {}
    for j, tau in enumerate(levels):
        if tau == 0.5:
            continue
        d = q[..., j].reshape(-1) - median
        ok = np.abs(d) > 1e-12 * np.abs(median)
        r = np.sort((a[ok] - median[ok]) / d[ok])
        p = max(tau, 1 - tau)
        if len(r) == 0:
            continue
        rank = min(len(r), int(np.ceil((len(r) + 1) * p)))
        out[tau] = float(np.clip(r[rank - 1], 0.25, 4.0))
    return out


def _as_batch(items: list[tuple[Tensor, Tensor, Tensor]]) -> ForecastBatch:
    """Windows as a :class:`ForecastBatch`: every target observed (the panel has no gaps)."""
    x, y, f = (torch.stack(t) for t in zip(*items, strict=True))
    return ForecastBatch(x, None, torch.stack([y, torch.ones_like(y)], dim=1), f if f.shape[-1] else None)
