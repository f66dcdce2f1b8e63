"""The Forecaster: a scikit-learn-style estimator over the parts of this package (the series' roles and time
axis in :mod:`.series`, the input features in :mod:`.features`, the network in :mod:`.net`, the backtest in
:mod:`.evaluation`)."""

from __future__ import annotations

import copy
import json
import numbers
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from torch import Tensor, nn

from .. import io
from ..cells import Cell, TimeAware
from ..checks import check_fitted_params, fitted_params, is_count
from ..data.memmap import atomic_write
from ..data.tables import TIME_NAMES
from ..data.timeseries import (
    CALENDAR_PERIODS,
    IMPUTE_POLICIES,
    SCALERS,
    SeriesFeatures,
    TimeSeriesFrame,
    WindowDataset,
    WindowSpec,
    _like,
    shown_number,
    split_by_time,
)
from ..models import check_cell_name, named_cell
from ..training import ScaleOut, seeded_fit
from ..training.runs import check_training_options, resolve_device, resume_checkpoint, run_identity
from . import combination, defaults, evaluation, hybrid
from .evaluation import count_fix
from .features import (
    ForecastFeatures,
    _warn_cycle_within_step,
    fitted_ranges,
    in_other_units,
    unseen_range,
    warn_unseen_range,
)
from .net import DirectForecastNet, as_batch, forecast_encoder
from .panel import (
    MODELS,
    GlobalForecaster,
    check_quantiles,
    given_count_fix,
    horizon_fix,
    steps_ahead,
    warn_bool_targets,
    warn_unread_future,
)
from .series import (
    ID_NAMES,
    _future_index,
    _given_periods,
    _join_exogenous,
    _known_future,
    _numeric_index,
    _regular_step,
    _roles,
    _take,
    as_frame,
    as_text,
    check_learned_covariates,
    freq_name,
    given_text,
    months_across,
    periods_rule,
    season_length_fix,
    shown_time,
    text_read_as,
    user_stacklevel,
    warn_unix_times,
)

SCALE_OUT = ("devices", "num_nodes", "strategy")  # where the fit runs, not what it computes
# in log_dir: the model that model="auto" chose, so that fit(..., resume=True) continues that one
CHOICE_FILE = "model_choice.json"
# the parameters the fitted network (and its input channels) is built from: load rebuilds it from them
_NETWORK = ("horizon", "quantiles", "cell", "hidden_size", "num_layers", "calendar", "mask", "time_since",
            "time_aware")


class ShortSeries(ValueError):
    """A series with fewer rows than one window of ``needed = lookback + horizon`` steps, which the direct and
    hybrid nets train on; ``rows``: how many it has (the sktime adapter names the short series of a panel)."""

    def __init__(self, message: str, *, needed: int, rows: int):
        super().__init__(message)
        self.needed, self.rows = needed, rows


@io.saveable("forecast")
class Forecaster(BaseEstimator):
    """Forecast the next ``horizon`` steps of a time series from its last ``lookback`` steps.

    Args (all keyword-only):
        cell: a name of the cell registry (:data:`rnnkit.models.CELL_NAMES`: ``"lstm"``, the default,
            ``"gru"``, ``"rnn"``, ``"layernorm_lstm"``, ``"mingru"``, ``"minlstm"``); a factory
            ``(input_size, hidden_size) -> Cell`` (a Cell class works); or a Cell object (copied at every fit;
            its sizes must match). Only a named cell can be saved. A LayerNorm-LSTM (by name or class) also
            reads a constant channel beside the window's (:func:`~.net.reads_constant`).
        horizon: the steps ``H`` to forecast (required).
        model: ``"direct"`` (the recurrent net of the module docstring on the scaled series), ``"hybrid"``
            (exponential smoothing of the series' level and season, the net on the deseasonalised series
            relative to its level: :mod:`rnnkit.forecast.hybrid`, ES-RNN's decomposition; one target, no
            covariates, calendar or mask inputs, no gaps), or ``"auto"`` (default): the equal-weight mean of
            the best of the naive, drift, damped-trend ETS, direct and hybrid forecasts, chosen by their MAE on
            validation origins of the training rows, with an interval calibrated on those origins
            (:mod:`rnnkit.forecast.combination`); the direct net alone where the others do not apply (several
            targets, covariates, calendar or mask inputs, ``validation_fraction``, gaps, a cell object); the
            naive forecast where the series is too short to validate. Recorded as ``model_kind_`` and
            ``components_``, with every score in ``choices_["model"]``.
        lookback: the steps ``L`` each forecast reads; ``"auto"`` (default): ``max(2 H, 2 m)``, cut so that the
            training rows give at least ``L`` windows (:func:`rnnkit.forecast.defaults.choose_lookback`).
        season_length: the season ``m`` in steps; ``"auto"`` (default): the calendar frequency's season (12
            monthly, 7 daily, 24 hourly...) when the autocorrelation of the training series' changes at that lag
            confirms it, else 1 (:func:`~rnnkit.forecast.defaults.choose_season_length`). It sets the lookback
            ``"auto"`` and the seasonal naive and MASE of :meth:`backtest`.
        hidden_size, num_layers, dropout: the encoder (dropout between layers).
        max_epochs: the epochs of each net's training; ``"auto"`` (default): 100, or fewer where 100 would pass
            10,000 optimizer steps (a long series: many windows an epoch;
            :func:`~rnnkit.forecast.defaults.choose_max_epochs`).
        batch_size, lr, weight_decay, clip_grad_norm: training (AdamW; clipping by global norm,
            Pascanu et al. 2013).
        impute: ``"ffill"`` (default), ``"mean"``, ``"zero"`` or ``"none"`` (refuse NaN): how missing inputs
            are filled (:class:`~rnnkit.data.timeseries.Preprocessor`); missing targets never enter the loss.
        scale: ``"standard"`` (default), ``"minmax"`` or ``"none"``, per column, fit on the training rows.
        calendar: calendar features among ``"hour"``, ``"weekday"``, ``"month"``, ``"dayofyear"`` (sin/cos).
        mask, time_since: add the observed mask / GRU-D's δ of every column as input channels (the
            "GRU-simple" inputs of Che et al. 2018).
        time_aware: wrap the cell in :class:`rnnkit.TimeAware` (GRU-D's decays) fed ``[x, m, δ]``; one layer.
        relative: predict changes from the window's last value (True) or the standardised level (False; see
            the module docstring); ``"auto"`` (default): False when the training series looks stationary (the KPSS
            test does not reject level stationarity at 5 %), else True
            (:func:`~rnnkit.forecast.defaults.choose_relative`).
        quantiles: None (default: point forecasts, squared error) or strictly increasing levels in (0, 1)
            that include 0.5, e.g. ``(0.1, 0.5, 0.9)``: train on the pinball loss and predict these quantiles
            (sorted, so they never cross); the median is the point forecast of :meth:`backtest`.
        validation_fraction: the last fraction of the series held out for ``val_loss`` (0: none);
            early_stopping_patience needs it.
        random_state: seeds initialisation and shuffling (the caller's torch RNG is left untouched): an int gives the
            same forecasts at every fit; a numpy ``RandomState`` or ``Generator`` is drawn from, as scikit-learn's
            estimators draw from it, so that each fit differs.
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``. verbose: Lightning's progress bar and summary, and a
            line per choice of the ``"auto"`` defaults with its reason.
        devices, num_nodes, strategy: Lightning's scale-out (:class:`rnnkit.training.ScaleOut`): devices per
            machine, machines, and ``"auto"`` / ``"ddp"``...; several processes need an int random_state.
        log_dir: CSV and TensorBoard logs and a checkpoint at the end of every epoch there
            (``log_dir/checkpoints/last.ckpt``), from which ``fit(..., resume=True)`` continues; with
            ``model="auto"`` also the selection (``log_dir/model_choice.json``), which a resume keeps (two nets
            chosen: each logs and resumes in ``log_dir/direct`` and ``log_dir/hybrid``).

    Fitted attributes: ``season_length_``, ``lookback_``, ``relative_``, ``max_epochs_`` (the values used,
    chosen from the training rows where the parameter is ``"auto"``), ``choices_`` (the reason of each), ``model_``,
    ``preprocessor_``, ``spec_`` (the WindowSpec), ``targets_`` (as text; ``target_labels_``: as given, the
    forecasts' column labels), ``covariates_`` (the past covariates),
    ``future_covariates_``, ``features_`` (the :class:`~rnnkit.forecast.ForecastFeatures`: channel layout and
    preprocessing), ``freq_`` (the pandas frequency, or the numeric step), ``history_`` (the fitted series, as a
    TimeSeriesFrame, the default start of :meth:`predict`), ``input_names_``, ``future_names_`` (the known-future
    channels the head reads: the known-future covariates, then calendar sin/cos), ``loss_curve_``,
    ``validation_loss_curve_``; ``model_kind_`` and ``components_`` (the candidates averaged), ``ets_`` (the
    ETS candidate's parameters, or None), ``band_`` (``{τ: c_τ}`` of the calibrated band, empty without one)
    and ``band_scale_`` (``s_h``, ``(H,)``), ``global_`` (the hybrid's one-series GlobalForecaster, or None).
    ``model_`` is the direct net (the hybrid's when it is the only net; None when no net was chosen).
    """

    def __init__(
        self,
        *,
        horizon: int,
        model: str = "auto",
        lookback: int | str = "auto",
        season_length: int | str = "auto",
        cell="lstm",
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        max_epochs: int | str = "auto",
        batch_size: int = 32,
        lr: float = 5e-3,
        weight_decay: float = 0.0,
        clip_grad_norm: float | None = 1.0,
        impute: str = "ffill",
        scale: str = "standard",
        calendar: Sequence[str] = (),
        mask: bool = False,
        time_since: bool = False,
        time_aware: bool = False,
        relative: bool | str = "auto",
        quantiles: Sequence[float] | None = None,
        validation_fraction: float = 0.0,
        early_stopping_patience: int | None = None,
        random_state=None,
        device: str = "auto",
        devices: int | str = 1,
        num_nodes: int = 1,
        strategy: str = "auto",
        verbose: bool = False,
        log_dir: str | None = None,
    ):
        self.horizon = horizon
        self.model = model
        self.lookback = lookback
        self.season_length = season_length
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.clip_grad_norm = clip_grad_norm
        self.impute = impute
        self.scale = scale
        self.calendar = calendar
        self.mask = mask
        self.time_since = time_since
        self.time_aware = time_aware
        self.relative = relative
        self.quantiles = quantiles
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.random_state = random_state
        self.device = device
        self.devices = devices
        self.num_nodes = num_nodes
        self.strategy = strategy
        self.verbose = verbose
        self.log_dir = log_dir

    # -- fit ----------------------------------------------------------------------------------------------
    def fit(self, data, X=None, *, targets: Sequence[str] | None = None,
            future_covariates: Sequence[str] | None = None, time_col: str | None = None, freq: str | None = None,
            resume: bool = False) -> Forecaster:
        """Train on ``data``: a pandas Series or DataFrame with a DatetimeIndex, a PeriodIndex (forecasts come
        back as periods) or a numeric index (years: forecasts continue it), or a ``time_col``, or a
        TimeSeriesFrame. ``targets``: the columns to forecast (default all but the known-future covariates).
        ``future_covariates``: columns whose values are known ahead (a promotion flag, a planned price), read
        over the lookback and, from ``predict(future=...)``, over the horizon; every other column is a past
        covariate. ``freq``: resample onto this regular grid first (``"h"``, ``"W-SAT"``...; empty bins
        become NaN), needed when the timestamps are uneven; a grid finer than every step, or an anchor the
        timestamps are not on while they all lie on another (Saturdays given ``"W-SUN"``: each date would move
        to the bin's anchor), is refused, naming the grid of the timestamps. Returns self; fitted attributes are
        set only on success.

        ``X``: exogenous columns as sktime forecasters take them (``fit(y, X)``, then ``predict(fh, X=X_future)``):
        a DataFrame (or a named Series) with ``data``'s index, whose columns become known-future covariates
        beside ``data``'s columns (which are then the targets).

        ``resume=True`` continues an interrupted fit from ``log_dir/checkpoints/last.ckpt`` (or starts from the
        beginning when there is none yet); it needs an int ``random_state``, the same data and the same
        parameters (``max_epochs`` may grow), and refuses another run's checkpoint. On CPU the resumed fit
        ends with the same weights as an uninterrupted one."""
        self._check_params()
        evaluation.check_freq_kept(freq, data, "Forecaster.fit")
        series_output = isinstance(data, pd.Series)
        name = _name_of(data.name) if series_output else None
        # the name of a DataFrame's columns (a pivot's 'source'), which the forecasts' columns keep
        columns_name = (_name_of(data.columns.name) if isinstance(data, pd.DataFrame) and
                        not isinstance(data.columns, pd.MultiIndex) else None)
        if isinstance(data, pd.DataFrame) and targets is None:
            _check_one_id(data, time_col, future_covariates)
        if X is not None:
            data, targets, future_covariates = _join_exogenous(data, X, targets, future_covariates, time_col)
        asked, freq = freq, periods_rule(data, time_col, freq)  # periods' own 'M': the grid of their starts, 'MS'
        frame = as_frame(data, time_col=time_col, freq=freq)
        index = getattr(data, "index", None)
        given = index.freqstr if isinstance(index, pd.PeriodIndex) and time_col is None and freq is None else None
        self._fit_frame(frame, targets, future_covariates, series_output=series_output, resume=resume,
                        shown_freq=given)
        if isinstance(frame.time, pd.DatetimeIndex):  # once, not for every candidate and validation trial
            _warn_cycle_within_step(self.calendar, self.step_)
        # a PeriodIndex is read as the start of each period; forecasts are given back as periods (resampled by
        # freq: periods of that grid, as pandas resamples a PeriodIndex, where its timestamps start periods)
        self.period_ = _given_periods(data, time_col, freq, frame, self.freq_, asked)
        # times given as text come back as text in the same form (years '1990', quarters '1990Q1'), else warned of
        given = data[time_col] if time_col is not None and isinstance(data, pd.DataFrame) else index
        self.text_ = given_text(given, frame)
        if self.global_ is not None:  # the hybrid's one-series panel names times as the caller gave them
            self.global_.period_, self.global_.text_ = self.period_, self.text_
        text_read_as(given, self.text_, "Forecaster.fit", f"time column {time_col!r}" if time_col else "the index",
                     shown_time(_future_index(frame, self.freq_, 1)[0]))
        if self.season_length == "auto":  # at fit alone: predict(data=...) reads times as the fit did
            warn_unix_times(frame.time, "Forecaster.fit", f"time column {time_col!r}" if time_col else "the index",
                            time_col if time_col and isinstance(data, pd.DataFrame) else None,
                            name=None if index is None or index.name is None else str(index.name))
        # the forecasts' index and Series take the names given: an unnamed index or Series stays unnamed
        self.index_name_ = (frame.time_name if time_col is not None or (index is None and frame.time is not None)
                            else None if index is None else _name_of(index.name))
        self.series_name_ = name if series_output else self.targets_[0]
        # the forecasts' columns take the labels given (a MultiIndex's tuples, numbers), which the frame names by text
        labels = ({str(c): _name_of(c) for c in data.columns} if isinstance(data, pd.DataFrame) else
                  {} if name is None else {self.targets_[0]: name})
        self.target_labels_ = tuple(labels.get(t, t) for t in self.targets_)
        columns = ({None: data} if series_output else {} if not isinstance(data, pd.DataFrame) else
                   {c: data[c] for c in self.target_labels_ if c in data.columns})
        warn_bool_targets(columns, "Forecaster.fit", "data")
        self.columns_name_ = columns_name
        self.resample_ = freq_name(freq)  # predict(data=...) resamples newer data onto the same grid
        # named once the times are known as the caller gave them (periods, text), as the forecasts' index is
        _warn_missing_end(frame, self.targets_, self.impute, covariates=self.covariates_,
                          future=self.future_covariates_, shown=self._as_periods)
        return self

    def _fit_frame(self, frame: TimeSeriesFrame, targets: Sequence[str] | None,
                   future_covariates: Sequence[str] | None, *, series_output: bool,
                   resume: bool = False, calibrate: bool = True, shown_freq: str | None = None) -> Forecaster:
        """``calibrate=False``: the hybrid's band is left uncalibrated (the combination calibrates its own);
        ``shown_freq``: the frequency of the periods given, which the season's reason names."""
        targets, covariates, future = _roles(frame, targets, future_covariates)
        if self.model == "auto" and len(targets) == 1 and len(frame.columns) == 1:
            # a series that starts later than its rows (a product launched mid-year in a wide export): the rows
            # before its first observation hold nothing, and are no gap for the combination's candidates, which
            # would otherwise be left for the direct net alone (model='hybrid' refuses them, naming this fix)
            observed = np.flatnonzero(~np.isnan(frame.values[:, 0]))
            if len(observed) and observed[0] > 0:
                frame = _take(frame, range(int(observed[0]), len(frame)))
        H, n = self.horizon, len(frame)
        empty = [c for j, c in enumerate(frame.columns) if np.isnan(frame.values[:, j]).all()]
        if empty:
            fix = ("give it observed values" if empty[0] in targets else
                   f"give it observed values or drop it (data.drop(columns=[{empty[0]!r}]))")
            what = "forecast" if empty[0] in targets else "read as a covariate"
            raise ValueError(f"column {empty[0]!r} is missing (NaN) at all {n} rows, so it cannot be {what}; {fix}")
        laid_out = months_across(frame, targets)
        if laid_out is not None:
            warnings.warn(laid_out, UserWarning, stacklevel=user_stacklevel())
        freq, step = _regular_step(frame)
        if self.validation_fraction > 0:
            split = split_by_time(frame, val=self.validation_fraction, test=0.0)
            train_rows, val_rows = split.train, split.val
        else:
            train_rows, val_rows = range(n), None
        choices = self._choose(frame, targets, train_rows, freq, shown_freq)
        L, relative, epochs = choices["lookback"][0], choices["relative"][0], choices["max_epochs"][0]
        if self.model == "auto":
            refusal = self._hybrid_refusal(frame, targets, covariates, future, val_rows, shown_freq)
            if refusal is None:
                return self._fit_combination(frame, targets, freq, step, series_output, choices, resume,
                                             period=shown_freq)
            choices["model"] = ("direct", f"the combination does not apply: {refusal}; the direct net alone")
        elif self.model == "hybrid":
            refusal = self._hybrid_refusal(frame, targets, covariates, future, val_rows, shown_freq)
            if refusal:
                gaps = _gaps_fix(frame, targets[0]) if refusal.startswith("it needs a series without gaps") else ""
                raise ValueError(f"Forecaster(model='hybrid'): {refusal}{gaps}; use model='direct' or 'auto'")
            if L + H > n:  # the hybrid's one-series panel would name a panel the caller never built
                raise ShortSeries(f"Forecaster(model='hybrid'): lookback ({L}) + horizon ({H}) = {L + H} steps make "
                                  f"one window, but the series has {n}; shorten lookback or horizon, pass a longer "
                                  "series, or use model='auto', which forecasts short series by the naive and drift "
                                  "forecasts", needed=L + H, rows=n)
            choices["model"] = ("hybrid", "set")
            return self._fit_hybrid(frame, targets, freq, step, series_output, choices, resume, calibrate=calibrate)
        else:
            choices["model"] = ("direct", "set")
        if L + H > n:
            raise ShortSeries(f"lookback ({L}) + horizon ({H}) = {L + H} steps make one window, but the "
                              f"series has {n}; {_shorter(L, H, n)}, or pass a longer series", needed=L + H,
                              rows=n)
        if self.impute == "none" and np.isnan(frame.values).any():
            i, j = np.argwhere(np.isnan(frame.values))[0]
            when = "" if frame.time is None else f" ({frame.time[i]})"
            raise ValueError(f"column {frame.columns[j]!r} has a missing value (NaN) at row {i}{when} and "
                             "impute='none' refuses NaN: use Forecaster(impute='ffill' | 'mean' | 'zero') or "
                             "fill the gaps before fit")
        spec = WindowSpec(L, H, targets=targets, past_covariates=covariates, future_covariates=future)
        if val_rows is not None and (len(val_rows) < H or len(train_rows) < L + H):
            raise ValueError(f"validation_fraction={self.validation_fraction} of {n} steps leaves "
                             f"{len(train_rows)} training and {len(val_rows)} validation steps; each "
                             f"part needs a window (training {L + H}, validation {H} steps)")
        if self.early_stopping_patience is not None and val_rows is None:
            raise ValueError("early_stopping_patience needs validation data: set validation_fraction > 0")
        features = ForecastFeatures(spec, **self._feature_options()).fit(frame, train_rows, step)
        series = features.transform(frame)
        train = WindowDataset(series, spec, rows=train_rows)
        val = None if val_rows is None else WindowDataset(series, spec, rows=val_rows)

        seed = int(np.random.default_rng(self.random_state).integers(2**31 - 1))
        if resume and not isinstance(self.random_state, numbers.Integral):
            raise ValueError(f"Forecaster.fit: resume=True needs an int random_state (got {self.random_state!r}), "
                             "so that the resumed fit shuffles as the interrupted one did")
        if (self.devices, self.num_nodes) != (1, 1) and not isinstance(self.random_state, numbers.Integral):
            raise ValueError(f"Forecaster.fit: devices={self.devices!r}, num_nodes={self.num_nodes!r} may run fit "
                             f"in several processes, which must all shuffle the windows alike; set random_state "
                             f"to an int (got {self.random_state!r})")
        data = [np.ascontiguousarray(frame.values)]
        if frame.time is not None:
            data.append(frame.time.asi8 if isinstance(frame.time, pd.DatetimeIndex)
                        else np.asarray(frame.time, dtype=np.float64))
        params = {k: v for k, v in self.get_params(deep=False).items() if k not in SCALE_OUT}
        identity = {**run_identity(params | {"targets": targets, "future_covariates": future},
                                   seed, *(torch.from_numpy(np.array(a)) for a in data)), "estimator": "Forecaster"}
        checkpoint = resume_checkpoint(self.log_dir, identity, "Forecaster.fit", epochs, resume=resume)
        generator = torch.Generator().manual_seed(seed)
        train_loader = train.loader(self.batch_size, shuffle=True, generator=generator, collate_fn=as_batch)
        val_loader = None if val is None else val.loader(self.batch_size, collate_fn=as_batch)
        from ..training.trainer import GeneratorState, RunIdentity  # Lightning's callbacks: when training starts
        from .module import ForecastModule

        build = lambda: ForecastModule(self._build_model(features, series.inputs[train_rows.start : train_rows.stop],
                                                         relative=relative),
                                       quantiles=self.quantiles, lr=self.lr, weight_decay=self.weight_decay,
                                       clip_grad_norm=self.clip_grad_norm)
        # The shuffles come from `generator`, epoch after epoch: its state goes into the checkpoints.
        module = seeded_fit(build, train_loader, val_loader, seed=seed, max_epochs=epochs,
                            device=self.device, scale=self._scale_out(), verbose=self.verbose, log_dir=self.log_dir,
                            early_stopping_patience=self.early_stopping_patience,
                            callbacks=[RunIdentity(identity), GeneratorState(generator)],
                            ckpt_path=checkpoint).module
        model = module.model

        self._set_fitted(model, features, frame, freq, series_output, choices)
        self.loss_curve_ = module.history["train_loss"]
        self.validation_loss_curve_ = module.history["val_loss"]
        return self

    def _hybrid_refusal(self, frame, targets, covariates, future, val_rows, period=None) -> str | None:
        """Why the hybrid model cannot fit this series with these parameters, or None (``period``: the frequency
        of the periods the series was given in, to name a time so)."""
        ys = frame.values[:, frame.column_index(targets)]
        reasons = [(len(targets) != 1, f"it forecasts one target (got {list(targets)})"),
                   (bool(covariates or future), "it reads no covariates"),
                   (bool(self.calendar) or self.mask or self.time_since or self.time_aware,
                    "it reads no calendar, mask or time inputs"),
                   (val_rows is not None, "it takes no validation_fraction"),
                   (bool(np.isnan(ys).any()),
                    f"it needs a series without gaps (NaN): {_gaps(frame, ys, period) if np.isnan(ys).any() else ''}"),
                   (not isinstance(self.cell, str), "it needs a named cell")]
        return next((why for bad, why in reasons if bad), None)

    def _fit_combination(self, frame, targets, freq, step, series_output, choices, resume, *,
                         period: str | None = None) -> Forecaster:
        """``model="auto"``: the candidates of :mod:`.combination` scored on validation origins of the training
        rows (:meth:`_validate`), the chosen ones refitted on all rows, their forecasts averaged, the band
        calibrated on the same origins. With ``log_dir``, the selection is recorded there and ``resume=True``
        keeps it (the trials depend on ``max_epochs``, which a resume may raise)."""
        _warn_season_too_long(len(frame), choices["season_length"][0])
        record = None if self.log_dir is None else Path(self.log_dir).expanduser() / CHOICE_FILE  # '~': home
        if resume and record is not None and record.is_file():
            saved = json.loads(record.read_text())
            if saved.get("model") not in combination.KINDS:
                raise ValueError(f"{record} names model {saved.get('model')!r}, not one of {combination.KINDS}; "
                                 "remove it (and the checkpoints beside it) to start over")
            components = tuple(saved.get("components", [saved["model"]]))
            band = {float(t): c for t, c in saved.get("band", [])}
            reason = f"resume=True continues the {saved['model']} chosen by the interrupted run ({record})"
        else:
            components, band, reason = self._validate(frame, targets, choices, period=period)
            if record is not None:
                record.parent.mkdir(parents=True, exist_ok=True)
                with atomic_write(record) as f:
                    json.dump({"model": _kind(components), "components": list(components),
                               "band": [[t, c] for t, c in band.items()], "reason": reason}, f)
        y, H, m = frame.values[:, frame.column_index(targets)[0]], self.horizon, choices["season_length"][0]
        nets = [k for k in components if k in ("direct", "hybrid")]
        parts = {}
        for kind in nets:  # two nets: a log_dir each, so that each resumes from its own checkpoint
            log_dir = self.log_dir if self.log_dir is None or len(nets) == 1 else str(Path(self.log_dir) / kind)
            parts[kind] = clone(self).set_params(model=kind, log_dir=log_dir)._fit_frame(
                frame, targets, None, series_output=series_output, resume=resume, calibrate=False)
        base = parts.get("direct", parts.get("hybrid"))
        if base is not None:
            self.__dict__.update({k: v for k, v in base.__dict__.items() if k.endswith("_") or k == "_series_output"})
        else:  # the classical candidates alone: no net, the features only frame the series for predict
            features = ForecastFeatures(WindowSpec(choices["lookback"][0], H, targets=targets),
                                        **self._feature_options()).fit(frame, range(len(frame)), step)
            self._set_fitted(None, features, frame, freq, series_output, choices)
            self.loss_curve_, self.validation_loss_curve_ = [], []
        self.global_ = parts["hybrid"].global_ if "hybrid" in parts else None
        choices["model"] = (_kind(components), reason)
        self.model_kind_, self.components_ = _kind(components), components
        self.choices_ = {name: why for name, (_, why) in choices.items()}
        self.ets_ = combination.fit_ets(y, m) if "ets" in components else None
        self.band_ = band
        self.band_scale_ = combination.step_scale(y, H, m) if band else None
        return self

    def _validate(self, frame, targets, choices, *, period: str | None = None
                  ) -> tuple[tuple[str, ...], dict[float, float], str]:
        """``(components, band, reason)``: the candidates chosen on the validation origins of the training rows
        (:func:`.combination.validation_origins`), the band's ``{τ: c_τ}`` (empty without quantiles) and a line
        with every score. ``period``: the frequency of the periods the series was given in, to name times so."""
        y, H, m = frame.values[:, frame.column_index(targets)[0]], self.horizon, choices["season_length"][0]
        need = combination.MIN_RESIDUALS  # the band's residuals, with or without quantiles: one choice either way
        origins, nets, skipped = combination.validation_origins(len(frame), H, need), {}, ""
        if origins:
            L_first = self.lookback if self.lookback != "auto" else defaults.choose_lookback(origins[0], H, m)[0]
            if origins[0] < L_first + H + max(2 * m, 1) + 1:
                skipped = f"; the nets left out: {origins[0]} rows before the first origin are too few"
            else:
                head = _take(frame, range(origins[0]))
                why = hybrid.left_out(y, origins[0], origins[-1], frame.time, period)
                skipped = f"; {why}" if why else ""
                kinds = ("direct",) if why else ("direct", "hybrid")
                for kind in kinds:  # trained once before the first origin, forecasting from each
                    trial = clone(self).set_params(model=kind, log_dir=None, verbose=False)
                    trial._fit_frame(head, targets, None, series_output=False, calibrate=False)
                    nets[kind] = np.stack([trial._predict_frame(_take(frame, range(o)), H, None)[:, 0,
                                                                                              self._median()]
                                           for o in origins])
        actual, components, forecasts, reason = combination.choose(y, H, m, nets, note=skipped, min_residuals=need)
        if not origins:  # nothing validates: the naive forecast, whatever the series holds
            naive = ("seasonal naive forecast, the last season repeated" if 1 < m <= len(y) else
                     "naive forecast, the last value at every step")
            warnings.warn(f"Forecaster: {len(y)} rows are too few to validate the candidates of model='auto' for "
                          f"horizon {H} (it needs horizon + max(2 horizon, 10) = {H + max(2 * H, 10)}), so it "
                          f"forecasts the {naive} (model_kind_ 'naive'); give "
                          f"a longer series or a shorter horizon for ETS, drift and the networks to be tried",
                          UserWarning, stacklevel=4)
        if forecasts is None or self.quantiles is None:
            return components, {}, reason
        steps = np.broadcast_to(np.arange(1, H + 1), actual.shape).reshape(-1)
        band = combination.calibrate_offsets((actual - forecasts).reshape(-1), steps,
                                             combination.step_scale(y, H, m), self.quantiles)
        return components, band, reason

    def _median(self) -> int:
        return 0 if self.quantiles is None else list(self.quantiles).index(0.5)

    def _fit_hybrid(self, frame, targets, freq, step, series_output, choices, resume, *, calibrate: bool = True
                    ) -> Forecaster:
        """The hybrid: a :class:`GlobalForecaster` (``model="hybrid"``) over this one series; predict,
        save and load go through it. ``calibrate``: its band, on the series' last ``horizon`` rows."""
        m, L = choices["season_length"][0], choices["lookback"][0]
        g = GlobalForecaster(lookback=L, horizon=self.horizon, model="hybrid", season_length=m,
                             calibrate=calibrate and self.quantiles is not None, cell=self.cell,
                             hidden_size=self.hidden_size,
                             num_layers=self.num_layers, dropout=self.dropout,
                             max_epochs=choices["max_epochs"][0],
                             batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
                             clip_grad_norm=self.clip_grad_norm, quantiles=self.quantiles,
                             random_state=self.random_state, device=self.device, verbose=self.verbose,
                             log_dir=self.log_dir)
        g.fit(_one_series(frame, targets[0]), resume=resume)
        spec = WindowSpec(L, self.horizon, targets=targets)
        features = ForecastFeatures(spec, **self._feature_options()).fit(frame, range(len(frame)), step)
        self._set_fitted(g.model_, features, frame, freq, series_output, choices)
        self.global_ = g
        self.loss_curve_, self.validation_loss_curve_ = g.loss_curve_, []
        return self

    def _choose(self, frame: TimeSeriesFrame, targets: tuple[str, ...], train_rows: range, freq,
                shown_freq: str | None = None) -> dict[str, tuple]:
        """``{"season_length": (m, reason), "lookback": (L, reason), "relative": (bool, reason), "max_epochs":
        (epochs, reason)}``: each parameter as set, or chosen from the targets' training rows where it is
        ``"auto"`` (:mod:`.defaults`)."""
        y = frame.values[train_rows.start : train_rows.stop, frame.column_index(targets)]  # (N_train, n_y)
        given = lambda v: (v, "set")
        time = None if frame.time is None else np.asarray(frame.time)[train_rows.start : train_rows.stop]
        m = (defaults.choose_season_length(y, freq, targets, shown_freq, time) if self.season_length == "auto"
             else given(self.season_length))
        choices = {
            "season_length": m,
            "lookback": defaults.choose_lookback(len(y), self.horizon, m[0]) if self.lookback == "auto"
            else given(self.lookback),
            "relative": (defaults.choose_relative(y, targets) if self.relative == "auto"
                         else given(bool(self.relative))),
        }
        windows = max(1, len(y) - choices["lookback"][0] - self.horizon + 1)
        choices["max_epochs"] = (defaults.choose_max_epochs(windows, self.batch_size) if self.max_epochs == "auto"
                                 else given(self.max_epochs))
        if self.verbose:
            for name, (value, reason) in choices.items():
                print(f"Forecaster: {name} = {value} ({reason})")
        return choices

    def _check_params(self) -> None:
        for name in ("lookback", "season_length", "horizon", "hidden_size", "num_layers", "max_epochs",
                     "batch_size"):
            v = getattr(self, name)
            if name in ("lookback", "season_length", "max_epochs") and v == "auto":
                continue
            if not is_count(v):
                auto = " or 'auto'" if name in ("lookback", "season_length", "max_epochs") else ""
                fix = season_length_fix(v) + defaults.several_seasons_fix(v, "Forecaster") \
                    if name == "season_length" else horizon_fix(v) if name == "horizon" else ""
                fix = fix or count_fix(name, v, auto=bool(auto)) or given_count_fix(name, v, self.horizon)
                raise ValueError(f"Forecaster: {name} must be an integer >= 1{auto}, got {v!r}{fix}")
        if self.model not in MODELS:
            raise ValueError(f"Forecaster: model must be one of {MODELS}, got {self.model!r}")
        if not (isinstance(self.relative, bool | np.bool_) or self.relative == "auto"):
            raise ValueError(f"Forecaster: relative must be True, False or 'auto', got {self.relative!r}")
        if self.impute not in IMPUTE_POLICIES:
            raise ValueError(f"Forecaster: impute must be one of {IMPUTE_POLICIES}, got {self.impute!r}")
        if self.scale not in SCALERS:
            raise ValueError(f"Forecaster: scale must be one of {SCALERS}, got {self.scale!r}")
        if isinstance(self.calendar, str) or any(c not in CALENDAR_PERIODS for c in self.calendar):
            raise ValueError(f"Forecaster: calendar must be a list of features among "
                             f"{tuple(CALENDAR_PERIODS)}, got {self.calendar!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"Forecaster: dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 <= self.validation_fraction < 1.0:
            raise ValueError(f"Forecaster: validation_fraction must be in [0, 1), got "
                             f"{self.validation_fraction}")
        check_quantiles(self.quantiles, "Forecaster")
        if self.time_aware and self.num_layers != 1:
            raise ValueError("Forecaster: time_aware=True wraps one layer (GRU-D's decays act on the "
                             "inputs); use num_layers=1")
        if isinstance(self.cell, str):
            check_cell_name(self.cell, "Forecaster")
        check_training_options(task="regression", lr=self.lr, weight_decay=self.weight_decay,
                               clip_grad_norm=self.clip_grad_norm, clip_grad_value=None, tbptt_steps=None)
        resolve_device(self.device)
        self._scale_out().check("Forecaster")

    def _scale_out(self) -> ScaleOut:
        return ScaleOut(self.devices, self.num_nodes, self.strategy)

    def _feature_options(self) -> dict:
        """The keywords of :class:`ForecastFeatures` that this Forecaster's parameters set."""
        return {"scale": self.scale, "impute": self.impute, "calendar": self.calendar, "mask": self.mask,
                "time_since": self.time_since, "time_aware": self.time_aware}

    def _build_model(self, features: ForecastFeatures, train_inputs: np.ndarray | None, *, relative: bool,
                     saved: dict[str, Tensor] | None = None) -> DirectForecastNet:
        """The network for ``features``' channels; ``train_inputs (N_train, F_x)`` (None when loading) give a
        time-aware cell the training means its inputs decay towards; ``relative``: the chosen form; ``saved``:
        the weights it will load (:func:`~.net.forecast_encoder` reads their layout)."""
        n_inputs, n_future = len(features.input_names), len(features.future_names)
        n_targets = len(features.spec.targets)
        cell = copy.deepcopy(self.cell)  # a Cell object's weights are the initial weights of every fit
        if self.time_aware:
            x, m = features.slices["x"], features.slices["m"]
            F = x.stop - x.start
            if isinstance(cell, str):
                cell = named_cell(cell, 2 * F, self.hidden_size)  # it reads [x_hat, m]
            elif not isinstance(cell, Cell):
                cell = cell(2 * F, self.hidden_size)
            cell = TimeAware(cell)
            if train_inputs is not None:  # decay towards the training mean (of the changes, when relative: 0)
                mean_of = train_inputs[:, x].copy()
                if relative:
                    mean_of[:, features.slices["targets"]] = 0.0
                cell.set_mean(torch.from_numpy(mean_of), torch.from_numpy(train_inputs[:, m]))
        n_q = 1 if self.quantiles is None else len(self.quantiles)
        K, local = self.hidden_size, None  # the context of each horizon step is as wide as the state
        if n_future:
            local = nn.Sequential(nn.Linear(K + n_future, K), nn.ReLU(), nn.Linear(K, n_targets * n_q))
        net, constant = forecast_encoder(n_inputs, self.hidden_size,
                                         self.horizon * (K if n_future else n_targets * n_q), cell=cell,
                                         num_layers=self.num_layers, dropout=self.dropout, saved=saved)
        return DirectForecastNet(net, self.horizon, n_targets, relative=relative, n_quantiles=n_q,
                                 local=local, constant=constant)

    def _set_fitted(self, model: DirectForecastNet, features: ForecastFeatures, history: TimeSeriesFrame,
                    freq, series_output: bool, choices: dict[str, tuple]) -> None:
        spec = features.spec
        self.season_length_ = int(choices["season_length"][0])
        self.lookback_ = int(choices["lookback"][0])
        self.relative_ = bool(choices["relative"][0])
        self.max_epochs_ = choices["max_epochs"][0]
        self.model_kind_ = choices.get("model", ("direct", ""))[0]
        self.components_ = (self.model_kind_,)  # the combination sets its own, with ets_ and the band
        self.global_, self.ets_, self.band_, self.band_scale_ = None, None, {}, None
        self.choices_ = {name: reason for name, (_, reason) in choices.items()}
        self.model_, self.features_, self.spec_ = None if model is None else model.eval(), features, spec
        self.preprocessor_ = features.preprocessor
        self.targets_, self.covariates_ = spec.targets, spec.past_covariates
        self.future_covariates_ = spec.future_covariates
        self.freq_, self.step_ = freq, features.step
        self.history_ = history
        self.input_names_, self.future_names_ = features.input_names, features.future_names
        self._series_output = series_output
        self._fitted_params = fitted_params(self, _NETWORK)  # set_params after fit changes the next fit only

    # -- predict ------------------------------------------------------------------------------------------
    def predict(self, horizon=None, *, data=None, future=None, X=None, time_col: str | None = None):
        """Forecast the ``horizon`` steps (default: the fitted one, at most that) after the end of the fitted
        series, or after the end of ``data`` (the same columns, e.g. the series with newer observations; the
        model is not refitted). ``horizon`` may also be the steps ahead to return, as sktime's relative
        forecasting horizon ``fh`` gives them: a list, range or array of integers in ``[1, horizon]`` (``[1, 3]``:
        the first and the third step), or a relative ``ForecastingHorizon``. ``X``: sktime's name for
        ``future`` (the exogenous columns given to ``fit(y, X)``).

        ``future``: the known-future covariates over those steps, needed exactly when fit named
        ``future_covariates``: a DataFrame (or a named Series) indexed by the forecast timestamps (the index
        returned here), one column per covariate; other rows and columns are ignored. Calendar features need
        nothing: they are computed from the timestamps.

        Returns, in original units, indexed by the next timestamps at the fitted frequency: a pandas Series
        (one target fitted as a Series) or a DataFrame of the targets; with ``quantiles``, a DataFrame with
        one column per quantile level (one target fitted as a Series) or columns ``(target, quantile)``. A target
        whose fitted values (and data's) never go below 0 and reach 0 (counts, sales) is forecast at or above 0,
        bands included (:func:`.defaults.zero_floor`)."""
        self._check_fitted("predict")
        check_fitted_params(self, "Forecaster.predict", ("horizon", "quantiles"))
        name = "future"  # the argument's name in the messages
        if X is not None:
            if future is not None:
                raise ValueError("predict got both future=... and X=...; they are the same input: pass one")
            future, name = X, "X"
        if future is not None and self.future_covariates_:  # without them, future=... is refused below
            warn_unread_future(future, (*self.history_.columns, self.history_.time_name, time_col),
                               self.future_covariates_, name, "Forecaster.predict")
        frame = self.history_ if data is None else self._frame_like(data, time_col)
        if data is not None and len(frame) < self.lookback_ and combination.continues(self.history_, frame,
                                                                                       self.freq_):
            frame = self._from_fitted_start(frame)  # the latest rows alone: the fitted ones before them complete them
        steps = steps_ahead(horizon, self.horizon, self._as_periods(_future_index(frame, self.freq_, self.horizon)),
                            [self.freq_], past_fix=" (historical_forecasts() gives what the model forecast for past "
                            "times)")
        H = int(steps[-1])
        if data is not None and set(self.components_) <= {"direct"}:  # the others refuse a gap (below)
            _warn_missing_end(frame, self.targets_, self.impute, covariates=self.covariates_,
                              future=self.future_covariates_, who="Forecaster.predict", given="data",
                              one_column=isinstance(data, pd.Series), shown=self._as_periods)
        read = self.covariates_ + self.future_covariates_  # the covariates the net reads over the lookback
        if data is not None and read and "direct" in self.components_:
            window = frame.values[-self.lookback_ :, frame.column_index(read)]  # (L, n_c + n_f)
            fitted = self.history_.values[:, self.history_.column_index(read)]
            times = (pd.RangeIndex(len(frame))[-self.lookback_ :] if frame.time is None else
                     self._as_periods(pd.Index(frame.time[-self.lookback_ :])))
            n_c = len(self.covariates_)  # the past ones: one value at fit is refused, as the net learned nothing
            check_learned_covariates(window[:, :n_c], fitted[:, :n_c], self.covariates_, times, name="data")
            warn_unseen_range(unseen_range(window, fitted_ranges(fitted), read, times, name="data"), "data")
        if data is not None and "direct" in self.components_:
            self._warn_unseen_targets(frame, slice(-self.lookback_, None))
        pick = slice(None) if len(steps) == H else steps - 1  # 1..H, or the steps asked for
        y = self._floored(self._predict_frame(frame, steps, future, name=name)[pick], frame)  # (n_steps, n_y, n_q)
        index = self._as_periods(_future_index(frame, self.freq_, H))[pick].rename(self._names()[0])
        for j, target in enumerate(self.targets_):  # a mostly-0 demand's band above 0
            rows = [self.history_.values[:, self.history_.column_index([target])[0]]]
            if frame is not self.history_:
                rows.append(frame.values[:, frame.column_index([target])[0]])
            defaults.warn_zero_band(y[:, j], self.quantiles, rows, f"Forecaster.predict: {target!r} ", index,
                                    steps, self.season_length_)
        H = len(steps)
        if self.quantiles is None:
            if self._series_output:
                return pd.Series(y[:, 0, 0], index=index, name=self._names()[1])
            point = pd.DataFrame(y[..., 0], index=index, columns=self._labels())
            point.columns.name = getattr(self, "columns_name_", None)  # None for models saved before it was kept
            return point
        levels = pd.Index(self._levels(), name="quantile")
        if self._series_output:
            return pd.DataFrame(y[:, 0], index=index, columns=levels)
        columns = pd.MultiIndex.from_product([self._labels(level=True), levels], names=["target", "quantile"])
        return pd.DataFrame(y.reshape(H, -1), index=index, columns=columns)

    def _predict_frame(self, frame: TimeSeriesFrame, steps: int | np.ndarray, future, *, name: str = "future"
                       ) -> np.ndarray:
        """The first ``H = max(steps)`` forecast steps after the end of ``frame``, ``(H, n_y, n_q)`` in original
        units; ``steps`` (an int: ``1..steps``): the steps whose known-future covariates ``future`` must give."""
        steps = np.arange(1, steps + 1) if isinstance(steps, numbers.Integral) else steps
        H = int(steps[-1])
        nets = {"direct", "hybrid"} & set(self.components_)
        if nets and len(frame) < self.lookback_:
            raise ValueError(f"predict needs the last lookback = {self.lookback_} steps; the series has "
                             f"{len(frame)}, and does not continue the fitted series (whose rows would complete "
                             f"it); give data at least its last {self.lookback_} rows")
        y = np.mean([self._component_forecast(kind, frame, steps, future, name) for kind in self.components_],
                    axis=0)
        if self.band_:  # q_τ(h) = ŷ_h + c_τ s_h around the combination's point forecast (.combination)
            c = np.array([self.band_[tau] for tau in self.quantiles])  # (n_q,)
            y = y[..., self._median(), None] + c * self.band_scale_[:, None, None]
        return y[:H]

    def _floored(self, y: np.ndarray, frame: TimeSeriesFrame) -> np.ndarray:
        """Forecasts ``(..., n_y, n_q)`` after ``frame`` with those of a target that the fitted rows and
        ``frame``'s bound below by 0 (counts, sales: :func:`.defaults.zero_floor`) kept at or above 0."""
        rows = [self.history_.values[:, self.history_.column_index(self.targets_)]]
        if frame is not self.history_:
            rows.append(frame.values[:, frame.column_index(self.targets_)])
        return defaults.floor_at_zero(y, *rows)

    def _component_forecast(self, kind: str, frame: TimeSeriesFrame, steps: np.ndarray, future,
                            name: str = "future") -> np.ndarray:
        """One candidate's forecast of the ``horizon`` steps after ``frame``, ``(horizon, n_y, n_q)``: a classical
        one's point forecast repeated over the quantiles."""
        n_q = 1 if self.quantiles is None else len(self.quantiles)
        if kind == "hybrid":  # the one-series GlobalForecaster forecasts
            p = self.global_.predict(data=_one_series(self._from_fitted_start(frame), self.targets_[0]),
                                     floor=False)  # predict floors the combination once
            columns = ["y"] if self.quantiles is None else [f"q{q:g}" for q in self.quantiles]
            return p[columns].to_numpy(np.float64)[:, None, :]  # (horizon, 1, n_q)
        if kind == "direct":
            x = self._features(frame).inputs[-self.lookback_ :]  # (L, F_x)
            f = self._future_inputs(frame, steps, future, name)  # (horizon, C) or None
            return self._forecast(x[None], None if f is None else f[None])[0]
        target = self.targets_[0]
        y = frame.values[:, frame.column_index(self.targets_)[0]]
        # the rows before the fitted start are not read (the smoothing starts there; the naive reads its last season)
        unread = 0 if frame.time is None or self.history_.time is None else \
            int(pd.Index(frame.time).searchsorted(self.history_.time[0]))
        missing = np.flatnonzero(np.isnan(y[unread:])) + unread
        if len(missing):
            row = int(missing[0])
            at = f"row {row}" + ("" if frame.time is None else f", {shown_time(frame.time[row])}")
            column = "data" if frame is self.history_ or len(frame.columns) == 1 else f"data[{target!r}]"
            fix = (f"drop the missing rows at the end (data.loc[:{column}.last_valid_index()]) to forecast from the "
                   "last observation" if missing[0] == len(y) - len(missing) else  # the last rows alone
                   f"fill them first ({column}.interpolate())")
            raise ValueError(f"predict: target {target!r} is missing (NaN) at {at} ({len(missing)} missing in "
                             f"all), and the {kind} forecast of this model reads the series without gaps; {fix}")
        if kind != "naive":  # the last season alone: any start
            frame = self._from_fitted_start(frame)
            y = frame.values[:, frame.column_index(self.targets_)[0]]
        point = (combination.naive_forecast(y, self.horizon, self.season_length_) if kind == "naive" else
                 combination.drift_forecast(y, self.horizon) if kind == "drift" else
                 combination.ets_forecast(y, self.ets_, self.horizon))
        return np.repeat(point[:, None, None], n_q, axis=2)  # (horizon, 1, n_q)

    def _from_fitted_start(self, frame: TimeSeriesFrame) -> TimeSeriesFrame:
        """``frame`` preceded by the fitted rows before its start, which the smoothing of the classical and
        hybrid components runs through (:func:`.combination.from_fitted_start`)."""
        if frame is self.history_:
            return frame
        shown = lambda t: shown_time(self._as_periods(pd.Index([t]))[0]) if isinstance(t, pd.Timestamp) else \
            shown_number(t)
        return combination.from_fitted_start(self.history_, frame, self.freq_, "predict", shown)

    def _future_inputs(self, frame: TimeSeriesFrame, steps: np.ndarray, future, name: str = "future"
                       ) -> np.ndarray | None:
        """The known-future channels ``(horizon, C)`` after the end of ``frame``, scaled as in training: the
        covariates from ``future`` at the forecast ``steps`` (1-based), the calendar from the timestamps. Other
        steps of the covariates are left at 0: the local head reads step h's inputs for step h only, so they
        cannot change the forecasts of ``steps``. None for a model without known-future inputs."""
        if future is not None and not self.future_covariates_:
            raise ValueError(f"predict got {name}=..., but this Forecaster was fitted without known-future "
                             "covariates; name them at fit: fit(data, future_covariates=['promo', ...])")
        index = _future_index(frame, self.freq_, self.horizon)
        known = found = None
        if self.future_covariates_ and self.future_names_:
            shown = self._as_periods(index[steps - 1])
            at = _known_future(future, index[steps - 1], self.future_covariates_, step=self.step_, name=name,
                               shown=shown, grid=index if isinstance(index, pd.DatetimeIndex) else None)  # (steps, n_f)
            fitted = self.history_.values[:, self.history_.column_index(self.future_covariates_)]  # (n, n_f)
            check_learned_covariates(at, fitted, self.future_covariates_, shown, name=name)
            known = np.zeros((int(steps[-1]), at.shape[1]))  # (H, n_f)
            known[steps - 1] = at
            found = unseen_range(at, fitted_ranges(fitted), self.future_covariates_, shown, name=name)
        inputs = self.features_.future_inputs(index, known)  # refuses a value beyond float32 once scaled
        warn_unseen_range(found, name)
        return inputs

    def historical_forecasts(self, data=None, *, start=None, time_col: str | None = None) -> pd.DataFrame:
        """Forecasts from every origin of a series with the fitted model (no refitting; darts' name).

        ``data``: the series (default: the fitted one), whose known-future covariates serve as their own
        future; ``start``: the first forecast timestamp (or row number) to include, default the earliest
        with a full lookback. Only origins whose whole horizon lies in the series are returned. Returns a
        DataFrame indexed by each forecast's first timestamp, with columns ``(target, step)`` for steps
        1..H (with ``quantiles``: ``(target, quantile, step)``), in original units."""
        self._check_fitted("historical_forecasts")
        check_fitted_params(self, "Forecaster.historical_forecasts", ("horizon", "quantiles"))
        if self.components_ != ("direct",) or self.band_:
            raise ValueError(f"historical_forecasts is available for the direct net alone, not for model_kind_="
                             f"{self.model_kind_!r} with components {list(self.components_)}"
                             f"{' and a calibrated band' if self.band_ else ''} (the hybrid's smoothing and the "
                             "classical forecasts run from the start of the series); use backtest(), or fit with "
                             "model='direct'")
        frame = self.history_ if data is None else self._frame_like(data, time_col)
        n = len(frame)
        a = 0 if start is None else self._start_row(frame, start, self._as_periods)
        last = n - self.horizon  # the last origin whose whole horizon lies in the series
        if a > last:
            at = "" if frame.time is None else f" ({self._as_periods(frame.time[[last]])[0]})"
            raise ValueError(f"historical_forecasts: start={start!r} (row {a}) leaves no forecast whose {self.horizon} "
                             f"steps lie in the series of {n} rows; the last one starts at row {last}{at}: pass an "
                             "earlier start")
        read = self.covariates_ + self.future_covariates_
        if data is not None and read:  # the rows the windows read, past covariates and known-future ones alike
            times = pd.RangeIndex(n)[a:] if frame.time is None else self._as_periods(pd.Index(frame.time[a:]))
            given, fitted = frame.values[a:, frame.column_index(read)], self.history_.values[
                :, self.history_.column_index(read)]
            check_learned_covariates(given, fitted, read, times, name="data")
            warn_unseen_range(unseen_range(given, fitted_ranges(fitted), read, times, name="data"), "data")
        if data is not None:
            self._warn_unseen_targets(frame, slice(a, None))
        windows = WindowDataset(self._features(frame), self.spec_, rows=range(a, n))
        arrays = windows.to_arrays()
        y = self._floored(self._forecast(arrays["x"], arrays.get("future")), frame)  # (n_w, H, n_y, n_q)
        origins = windows.starts + self.lookback_
        index = (pd.Index(origins) if frame.time is None else self._as_periods(frame.time[origins])
                 if isinstance(frame.time, pd.DatetimeIndex) else _numeric_index(frame.time[origins], frame))
        index = index.rename(self._names()[0])
        steps = range(1, self.horizon + 1)
        if self.quantiles is None:
            columns = pd.MultiIndex.from_product([self._labels(level=True), steps], names=["target", "step"])
            return pd.DataFrame(y[..., 0].transpose(0, 2, 1).reshape(len(y), -1), index=index, columns=columns)
        columns = pd.MultiIndex.from_product([self._labels(level=True), self._levels(), steps],
                                             names=["target", "quantile", "step"])
        return pd.DataFrame(y.transpose(0, 2, 3, 1).reshape(len(y), -1), index=index, columns=columns)

    def _warn_unseen_targets(self, frame, rows: slice) -> None:
        """Warn where a target's values that the net reads in ``rows`` of ``data`` are in another unit than at fit
        (:func:`.features.in_other_units`: their size 30 times the fitted one or more, or 1/30 or less: a series
        given in cents where the fit read euros) and so lie far beyond its fitted range
        (:func:`.features.unseen_range`): the net scales them by the fitted statistics, so it reads an input it
        never learned from, and its forecast does not follow the data (a series of 1,000 forecast at the fitted 10).
        A target that grew, trends or crosses 0 in the units of fit is not named."""
        times = pd.RangeIndex(len(frame))[rows] if frame.time is None else self._as_periods(pd.Index(frame.time[rows]))
        given = frame.values[rows, frame.column_index(self.targets_)]
        fitted = self.history_.values[:, self.history_.column_index(self.targets_)]
        ranges = in_other_units(given, fitted_ranges(fitted))
        warn_unseen_range(unseen_range(given, ranges, self.targets_, times, name="data"), "data")

    def _levels(self) -> list[float]:
        """The quantile levels as the forecasts' columns name them: Python floats, numpy's float32 levels (an array
        from a float32 config) as the numbers they print as, 0.1 and not 0.10000000149011612, which ``pred[0.1]``
        would not find."""
        return [float(printed_float(q)) for q in self.quantiles]

    def _labels(self, *, level: bool = False) -> list | pd.Index:
        """The targets as the forecasts' columns name them: the labels given at fit (``('a', 'x')`` of a
        MultiIndex, not its text); models saved before they were recorded: the targets' names. ``level``: as one
        level of a MultiIndex of (target, ...), each tuple one label."""
        labels = list(getattr(self, "target_labels_", self.targets_))
        return pd.Index(labels, tupleize_cols=False) if level else labels

    def _names(self) -> tuple:
        """(index name, Series name) of the forecasts: as fitted; models saved before they were recorded: the
        time axis' and the target's names."""
        return (getattr(self, "index_name_", self.history_.time_name if self.history_.time is not None else None),
                getattr(self, "series_name_", self.targets_[0]))

    @staticmethod
    def _start_row(frame: TimeSeriesFrame, start, as_given=lambda index: index) -> int:
        """The row of ``historical_forecasts(start=...)``: on a numeric time axis, a value of the axis is that
        time (``start=1986`` on years) and another integer a row number; a Period is its first instant.
        ``as_given``: the series' times as the caller gave them (periods, text), to name its first and last."""
        time = frame.time
        first, last = (None, None) if time is None else as_given(time[[0, -1]])
        numeric = time is not None and not isinstance(time, pd.DatetimeIndex)
        if isinstance(start, bool):
            raise ValueError(f"historical_forecasts: start must be a timestamp or a row number, got {start!r}")
        if numeric and isinstance(start, numbers.Real) and np.isclose(time, float(start), rtol=1e-12, atol=0).any():
            return int(time.searchsorted(float(start) - 1e-9 * abs(float(start))))
        if isinstance(start, numbers.Real) and not isinstance(start, numbers.Integral) and not numeric:
            raise ValueError(f"historical_forecasts: start={start!r} is neither a row number (an integer in "
                             f"0..{len(frame) - 1}) nor a time of the series"
                             + ("" if time is None else f" ({first} .. {last}); pass one"))
        if isinstance(start, numbers.Integral):
            if not 0 <= start < len(frame):
                raise ValueError(f"historical_forecasts: start={start} is neither a row number (0..{len(frame) - 1})"
                                 + ("" if time is None else " nor a time of the series") + "; pass one")
            return int(start)
        if time is None:
            raise ValueError("start must be a row number for a series without a time axis")
        try:
            # a timestamp in the axis' time zone; a Period is its first instant
            at = _like(time, start.to_timestamp(how="start") if isinstance(start, pd.Period) else start)
            row = int(time.searchsorted(at))
        except (TypeError, ValueError) as e:  # the reader's fix names split()'s val=/test=, which is not here
            why = str(e).replace(", or split by fraction (val=, test=)", f", or a row number (0..{len(frame) - 1})")
            raise ValueError(f"historical_forecasts: start={start!r} cannot be read as a time of the series "
                             f"({first} .. {last}): {why}") from None
        if row == 0 and at < time[0]:  # a wrong year or century is more likely than a wish for every origin
            raise ValueError(f"historical_forecasts: start={start!r} is before the series, which starts at "
                             f"{first}; pass a time of the series (or leave start out for the earliest origin)")
        return row

    def _as_periods(self, index: pd.Index) -> pd.Index:
        """``index`` as the fitted series gave its times: periods for a PeriodIndex, text in its form for text
        (:func:`text_form`), else as it is."""
        period, form = getattr(self, "period_", None), getattr(self, "text_", None)
        if not isinstance(index, pd.DatetimeIndex):
            return index
        return index.to_period(period) if period else as_text(index, form) if form else index

    def _frame_like(self, data, time_col: str | None) -> TimeSeriesFrame:
        if isinstance(data, pd.Series) and len(self.history_.columns) == 1:
            data = data.rename(self.history_.columns[0])
        period, index = getattr(self, "period_", None), getattr(data, "index", None)
        column = data[time_col] if time_col is not None and isinstance(data, pd.DataFrame) and \
            time_col in data.columns else None
        if column is not None:  # a time column of periods is read as the index is
            index = pd.PeriodIndex(column) if isinstance(column.dtype, pd.PeriodDtype) and column.notna().all() \
                else None
        # finer periods of a model fitted with freq= are aggregated onto its grid by that freq, as at fit
        aggregated = getattr(self, "resample_", None) is not None and isinstance(index, pd.PeriodIndex) and \
            period is not None and _finer_periods(index, period)
        if period and isinstance(index, pd.PeriodIndex) and len(index) and index.freqstr != period \
                and not aggregated:
            spelt, held = ("data.index", "data's periods are") if column is None else \
                (f"data[{time_col!r}].dt", f"data's time column {time_col!r} holds periods")
            outer = index.asfreq(period)
            within = bool((outer.start_time <= index.start_time).all() and (index.end_time <= outer.end_time).all())
            fix = (f"aggregate them onto the fitted periods, data.groupby({spelt}.asfreq({period!r})).mean()"
                   if column is None and index.freq.n == 1 and
                   pd.Period(index[0], period).asfreq(index.freqstr, "start") <= index[0]
                   and _finer_periods(index, period) else
                   f"give data {period!r} periods, as at fit" + (  # a day per month (its last): that month
                       f" ({spelt}.asfreq({period!r}): each row lies in one of those periods)"
                       if within and outer.is_unique else ""))
            raise ValueError(f"{held} {index.freqstr!r} ({index[0]} .. {index[-1]}), but the forecaster "
                             f"was fitted on {period!r} periods ({self._as_periods(self.history_.time[-1:])[0]} "
                             f"last); {fix}")
        zone = getattr(self.history_.time, "tz", None)
        if zone is not None:  # the same instants in another zone: read in the fitted one, whose days the grid counts
            data = _in_zone(data, time_col, zone)
        frame = as_frame(data, time_col=time_col, freq=getattr(self, "resample_", None))
        if frame.columns != self.history_.columns:
            lacks = [c for c in self.history_.columns if c not in frame.columns]
            known = (f" (the known-future covariates {lacks} are read over the lookback too, from data: give "
                     f"data those columns for its rows, e.g. y.join(X) as fit(y, X) joined them)"
                     if lacks and set(lacks) <= set(self.future_covariates_) else
                     f"; select those, in that order: data[{list(self.history_.columns)!r}]" if not lacks else
                     f"; data lacks {lacks}{_renamed_fix(lacks, list(frame.columns), self.history_.columns)}")
            raise ValueError(f"data has columns {list(frame.columns)}; the forecaster was fitted on "
                             f"{list(self.history_.columns)}{known}")
        kind = lambda f: ("no time axis (steps)" if f.time is None else "dates"
                          if isinstance(f.time, pd.DatetimeIndex) else "a numeric time axis")
        if self.history_.time is None and _row_numbers(frame.time):  # y.iloc[-40:] of a series fitted on steps
            n, first = len(self.history_), int(frame.time[0])
            if first > n:  # years, or rows after a gap: no fitted step is known to precede them
                raise ValueError(f"data's index numbers its rows {first} .. {int(frame.time[-1])}, after the fitted "
                                 f"steps 0 .. {n - 1} with steps {n} .. {first - 1} between them unknown, and the "
                                 f"forecaster was fitted on a series with no time axis (steps); give data whose "
                                 f"index continues the fitted steps (from step {n} or earlier), or the same kind of "
                                 f"index as at fit")
            frame = self._at_fitted_steps(frame)
        if kind(frame) != kind(self.history_):  # the next timestamps follow the fitted frequency
            raise ValueError(f"data has {kind(frame)}, but the forecaster was fitted on a series with "
                             f"{kind(self.history_)}; give data the same kind of index (or time_col) as at fit")
        self._check_grid(frame)
        return frame

    def _at_fitted_steps(self, frame: TimeSeriesFrame) -> TimeSeriesFrame:
        """``frame``, whose index numbers the rows of a series fitted on steps (``y.iloc[-40:]``: 104 .. 143), as
        that series' steps from 0: the fitted rows before its first, then its own rows
        (:func:`.combination.from_fitted_start`, which refuses a gap after the fitted steps and another series)."""
        steps = TimeSeriesFrame(self.history_.values, columns=self.history_.columns,
                                time=np.arange(len(self.history_), dtype=np.float64), time_name="step")
        frame = TimeSeriesFrame(frame.values, columns=frame.columns, time=np.asarray(frame.time, np.float64),
                                time_name="step")
        joined = combination.from_fitted_start(steps, frame, 1.0, "predict", shown=lambda t: f"step {t:g}")
        return TimeSeriesFrame(joined.values, columns=joined.columns)

    def _check_grid(self, frame: TimeSeriesFrame) -> None:
        """ValueError unless ``frame``'s timestamps are one fitted step apart (``freq_``): the forecasts continue
        from its end at that step, so data at another frequency, or with a gap, would be misread."""
        time, freq = frame.time, self.freq_
        if time is None or freq is None or len(time) < 2:
            return
        if isinstance(time, pd.DatetimeIndex):
            grid = pd.date_range(time[0], periods=len(time), freq=freq)
            off = np.flatnonzero(grid != time)
            period = getattr(self, "period_", None)  # a period when the timestamp starts one, else as it is
            shown = lambda t: str(t.to_period(period) if period and t.to_period(period).start_time == t else t)
            if len(off) and off[0] == 0:
                raise ValueError(f"data starts at {shown(time[0])}, which is not on the fitted frequency {freq!r}; "
                                 f"give data at that frequency (data.resample({freq!r}).mean())")
            fix = f"give data at that frequency, without gaps (data.resample({freq!r}).mean())"
        else:
            off = np.flatnonzero(~np.isclose(np.diff(time), freq, rtol=1e-9, atol=0)) + 1
            shown, grid = str, time[0] + freq * np.arange(len(time))
            fix = "give data on that grid, without gaps"
        if len(off):
            i = off[0]
            raise ValueError(f"data is not on the fitted grid of one step per {freq!r}: {shown(time[i])} follows "
                             f"{shown(time[i - 1])}, where that step leads to {shown(grid[i])}; {fix}")

    def _features(self, frame: TimeSeriesFrame) -> SeriesFeatures:
        return self.features_.transform(frame)

    def _forecast(self, x: np.ndarray, future: np.ndarray | None = None) -> np.ndarray:
        """Windows ``(B, L, F_x)`` and their known-future inputs ``(B, H, C)`` -> forecasts ``(B, H, n_y, n_q)``
        in original units (float64), the quantiles sorted (never crossing)."""
        model = self.model_.eval()
        device = next(model.parameters()).device
        shape = (-1, self.horizon, len(self.targets_), model.n_quantiles)
        outputs = []
        with torch.inference_mode():
            for s in range(0, len(x), 1024):
                f = None if model.local is None else torch.as_tensor(future[s : s + 1024], device=device)
                out, _ = model(torch.as_tensor(x[s : s + 1024], device=device), future=f)
                outputs.append(out.float().cpu().view(shape).numpy())
        y = np.sort(np.concatenate(outputs), axis=-1)  # the rearrangement; scaling back keeps the order
        return self.preprocessor_.inverse_transform(y.swapaxes(-1, -2), self.targets_).swapaxes(-1, -2)

    def _check_fitted(self, who: str) -> None:
        if not hasattr(self, "model_"):
            raise ValueError(f"this Forecaster is not fitted yet: call fit(series) before {who}()")

    # -- backtest -----------------------------------------------------------------------------------------
    def backtest(self, data, X=None, *, folds: int = 3, step: int | None = None, season_length: int | None = None,
                 expanding: bool = True, targets: Sequence[str] | None = None,
                 future_covariates: Sequence[str] | None = None, time_col: str | None = None,
                 freq: str | None = None, return_forecasts: bool = False):
        """Rolling-origin evaluation (Tashman 2000): refit on the past of each origin, forecast ``horizon``
        steps, score them next to the naive and seasonal-naive forecasts.

        The last ``folds`` origins are ``step`` steps apart (default ``horizon``: the test parts tile the
        end of the series); fold ``k`` trains on every earlier row (``expanding=False``: the last
        ``N - horizon - (folds - 1) * step`` rows before it), with a fresh preprocessor fit on those rows
        only, and tests on the next ``horizon``. This object is not changed (each fold fits a copy; with a
        ``log_dir``, fold ``k`` logs in ``log_dir/backtest/fold_k``, so that no fold replaces another's checkpoint).
        ``targets`` and ``future_covariates`` name the columns as in :meth:`fit`, or ``X`` gives the known-future
        covariates as ``fit(y, X)`` does; the known-future covariates of the test rows are the fold's
        ``predict(future=...)``. With ``quantiles`` the forecaster's point
        forecast is its median. A fold whose training rows end on a missing value (a holiday on ``freq="B"``) is
        not warned of as a series that ends with missing values: the cut is the backtest's, the gap one inside the
        series, filled by ``impute``.

        Baselines on the same rows: naive ``ŷ_{T+h} = y_T``; seasonal naive ``ŷ_{T+h} = y_{T+h-mk}`` with
        ``k = ⌈h/m⌉`` and season length ``m``: ``season_length`` here, else the forecaster's own
        ``season_length``, else (``"auto"``) the ``season_length_`` that each fold's fit chose from its
        training rows, so that MASE and the seasonal naive use the season the model was fitted with. Gaps in
        the history are forward-filled for them.

        Metrics over the observed test values (NaN targets are skipped; a fold whose test rows observe a target
        nowhere, as the last one of a series that ends with missing values, is refused), averaged over target
        columns: MAE, RMSE, sMAPE in % (``200/n Σ |y-ŷ| / (|y|+|ŷ|)``), and MASE (Hyndman & Koehler 2006): MAE
        divided by the in-sample MAE of the seasonal naive forecast on the fold's training rows. Where that scale
        is 0 (training rows that do not change from one season to the next: a constant series) MASE is NaN, with
        one warning naming the target and the folds; the other metrics are scored as usual.

        Returns a DataFrame indexed by each fold's first forecast timestamp (``origin``), with columns
        ``(metric, method)``: ``bt["mase"]`` puts the three methods side by side, ``bt.mean()`` averages the
        folds. ``return_forecasts=True`` also returns the forecasts: a long DataFrame with columns origin,
        target, forecaster, naive, seasonal_naive, actual.
        """
        self._check_params()
        return evaluation.backtest(self, data, X, folds=folds, step=step, season_length=season_length,
                                   expanding=expanding, targets=targets, future_covariates=future_covariates,
                                   time_col=time_col, freq=freq, return_forecasts=return_forecasts)

    # -- save / load --------------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> None:
        """Write ``config.json`` (parameters, fitted sizes and names, frequency) and ``model.safetensors``
        (weights, preprocessor statistics, the fitted series for :meth:`predict`) atomically: into a temporary
        directory, then renamed (:func:`rnnkit.io.save`, the estimators' format). config.json records the
        SHA-256 of the weights file, which :meth:`load` checks. No pickle."""
        self._check_fitted("save")
        io.save(self, directory)

    def _saved_params(self) -> dict:
        params = self.get_params(deep=False) | {"log_dir": None}  # the fit's logs, not the model's (as estimators)
        params["calendar"] = list(params["calendar"])
        if params["quantiles"] is not None:
            params["quantiles"] = [float(q) for q in params["quantiles"]]
        return params

    def _saved_state(self) -> tuple[dict, dict[str, Tensor]]:
        check_fitted_params(self, "Forecaster.save", _NETWORK)
        h = self.history_
        time_kind = ("none" if h.time is None else
                     "datetime" if isinstance(h.time, pd.DatetimeIndex) else "number")
        features, arrays = self.features_.state()  # columns, step, channel names; preprocessor statistics
        fitted = features | {
            # JSON reads tuples back as lists: the parameters given as tuples, so that get_params round-trips
            "tuples": [name for name in ("calendar", "quantiles") if isinstance(getattr(self, name), tuple)],
            "targets": list(self.targets_), "covariates": list(self.covariates_),
            "future_covariates": list(self.future_covariates_),
            "columns": list(h.columns), "time_name": h.time_name, "time_kind": time_kind,
            "time_zone": None if time_kind != "datetime" or h.time.tz is None else str(h.time.tz),
            "time_unit": h.time.unit if time_kind == "datetime" else None,
            "freq": self.freq_ if isinstance(self.freq_, str | None) else float(self.freq_),
            "period": getattr(self, "period_", None), "text": getattr(self, "text_", None),
            "series_output": bool(self._series_output),
            "index_name": self._names()[0], "series_name": self._names()[1], "target_labels": self._labels(),
            "columns_name": getattr(self, "columns_name_", None),
            "resample": getattr(self, "resample_", None),
            "season_length": self.season_length_, "lookback": self.lookback_, "relative": self.relative_,
            "max_epochs": self.max_epochs_, "choices": self.choices_, "model_kind": self.model_kind_,
            "components": list(self.components_),
            "ets": self.ets_, "band": [[tau, c] for tau, c in self.band_.items()],
            "band_scale": None if self.band_scale_ is None else [float(v) for v in self.band_scale_],
        }
        tensors = {}
        if self.global_ is not None:  # the hybrid: the one-series GlobalForecaster's state, weights included
            inner, inner_tensors = self.global_._saved_state()
            fitted["global"] = inner
            tensors = {f"global.{k}": v for k, v in inner_tensors.items()}
        if "direct" in self.components_:
            tensors |= {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        tensors |= {k: torch.from_numpy(v) for k, v in arrays.items()}
        tensors["history.values"] = torch.from_numpy(np.ascontiguousarray(h.values))
        if time_kind == "datetime":
            tensors["history.time"] = torch.from_numpy(h.time.as_unit("ns").asi8.copy())
        elif time_kind == "number":
            tensors["history.time"] = torch.from_numpy(np.array(h.time, dtype=np.float64))  # a copy
        return fitted, tensors

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Forecaster:
        """Read a Forecaster written by :meth:`save`; it predicts exactly as the saved one did. ValueError for
        a missing, foreign or corrupt directory, or a config.json that does not belong to the weights."""
        return io.load(directory, expected=cls)

    def _restore(self, fitted: dict, tensors: dict[str, Tensor]) -> None:
        for name in fitted.get("tuples", ()):  # absent from models saved before: lists
            setattr(self, name, tuple(getattr(self, name)))
        time = None
        if fitted["time_kind"] == "datetime":
            time = pd.DatetimeIndex(pd.to_datetime(tensors["history.time"].numpy(), unit="ns", utc=True))
            time = time.tz_convert(fitted["time_zone"]) if fitted["time_zone"] else time.tz_localize(None)
            time = time.as_unit(fitted["time_unit"])
        elif fitted["time_kind"] == "number":
            time = tensors["history.time"].numpy()
        history = TimeSeriesFrame(tensors["history.values"].numpy(), columns=fitted["columns"], time=time,
                                  time_name=fitted["time_name"])
        # A model saved before known-future inputs existed (rnnkit 0.1.0 without them) has no such key.
        # Models saved before the "auto" defaults existed set lookback and relative as parameters.
        L, relative = fitted.get("lookback", self.lookback), fitted.get("relative", self.relative)
        spec = WindowSpec(L, self.horizon, targets=fitted["targets"],
                          past_covariates=fitted["covariates"], future_covariates=fitted.get("future_covariates", ()))
        features = ForecastFeatures.from_state(spec, self._feature_options(), fitted,
                                               {k: v.numpy() for k, v in tensors.items()})
        kind, g, model = fitted.get("model_kind", "direct"), None, None  # models saved before the hybrid: direct
        components = tuple(fitted.get("components", [kind]))  # saved before the combination: one model
        if "hybrid" in components:
            g = GlobalForecaster(lookback=L, horizon=self.horizon, model="hybrid", cell=self.cell,
                                 hidden_size=self.hidden_size, num_layers=self.num_layers, quantiles=self.quantiles)
            g._restore(fitted["global"], {k.removeprefix("global."): v for k, v in tensors.items()
                                          if k.startswith("global.")}, who="Forecaster.load")
            model = g.model_
        if "direct" in components:
            saved = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
            model = self._build_model(features, None, relative=relative, saved=saved)
            model.load_state_dict(saved, strict=True)
        season = fitted.get("season_length", self.season_length if self.season_length != "auto" else 1)
        epochs = fitted.get("max_epochs", self.max_epochs)  # absent from models saved before max_epochs="auto"
        choices = {"season_length": (season, "saved"), "lookback": (L, "saved"), "relative": (relative, "saved"),
                   "max_epochs": (epochs, "saved"), "model": (kind, "saved")}
        self._set_fitted(model, features, history, fitted["freq"], bool(fitted["series_output"]), choices)
        self.global_, self.components_, self.ets_ = g, components, fitted.get("ets")
        self.band_ = {float(tau): c for tau, c in fitted.get("band", [])}
        self.band_scale_ = None if fitted.get("band_scale") is None else np.asarray(fitted["band_scale"], np.float64)
        self.choices_ = fitted.get("choices", self.choices_)
        self.period_ = fitted.get("period")  # absent from models saved before periods were given back
        self.text_ = fitted.get("text")  # absent from models saved before text was given back
        # absent from models saved before the names were kept: the time axis' and the target's names
        self.index_name_ = _saved_name(fitted.get("index_name", history.time_name if history.time is not None
                                                  else None))
        self.series_name_ = _saved_name(fitted.get("series_name", self.targets_[0]))
        self.target_labels_ = tuple(_saved_name(c) for c in fitted.get("target_labels", self.targets_))
        self.columns_name_ = _saved_name(fitted.get("columns_name"))  # absent from models saved before: unnamed
        self.resample_ = fitted.get("resample")  # absent from models saved before: no resampling
        self.loss_curve_, self.validation_loss_curve_ = [], []
        self.log_dir = None  # a model saved before save dropped it names its fit's directory (maybe elsewhere)


def printed_float(v):
    """``v`` as the Python float it prints as where it is a numpy float of less than float64's precision
    (``np.float32(0.8)`` as 0.8, not 0.800000011920929, which no level asked for equals); anything else as it is."""
    return float(str(v)) if isinstance(v, np.floating) and v.dtype != np.float64 else v


def _check_one_id(data: pd.DataFrame, time_col: str | None, future_covariates) -> None:
    """ValueError for a column named as a series id (:data:`~.series.ID_NAMES`) that holds one value in every row:
    a long frame of one series as statsforecast, neuralforecast and the GlobalForecaster take panels
    (``unique_id``, ``ds``, ``y``). Every column but the time is read as a target here, so the id would be forecast
    beside the values (an id of 1 forecast as 0.99, 0.88, 1.05), or, as text, refused as words to encode. Several
    ids stacked are :func:`~.series._check_stacked_ids`' and ``_check_not_a_panel``'s case."""
    for c in data.columns:
        if c == time_col or str(c).strip().lower() not in ID_NAMES or c in (future_covariates or ()):
            continue
        column = data[c]
        if len(column) < 3 or column.isna().any() or column.nunique() != 1:
            continue
        if time_col is None and isinstance(data.index, pd.RangeIndex):  # the time in a column: name it too
            time_col = next((o for o in data.columns if o != c and (
                pd.api.types.is_datetime64_any_dtype(data[o]) or str(o).strip().lower() in TIME_NAMES)), None)
        others = [str(o) for o in data.columns if o != c and o != time_col]
        fit = (f"fit(data.drop(columns=[{c!r}]){'' if time_col is None else f', time_col={time_col!r}'})")
        value = column.iloc[0].item() if isinstance(column.iloc[0], np.generic) else column.iloc[0]
        raise ValueError(f"column {c!r} holds one series id, {value!r}, on every row: a long frame of one "
                         f"series (statsforecast's and neuralforecast's unique_id, ds, y), whose id would be "
                         f"forecast as a value beside {others}; drop it, {fit}, or forecast a panel of such series "
                         f"with rnnkit.GlobalForecaster (fit(data, id_col={c!r}, time_col=..., target=...))")


def _renamed_fix(lacks: list, given: list, fitted) -> str:
    """The end of predict's refusal of ``data`` lacking fitted columns ``lacks`` while holding ``given`` ones it was
    not fitted on, as many: the rename that pairs them in order, and, for one column, the Series (whose name
    predict does not read); ``""`` where the counts differ."""
    unexpected = [c for c in given if c not in fitted]
    if len(unexpected) != len(lacks):
        return ((f" and holds {unexpected}, which it was not fitted on" if unexpected else "") +
                f": give data the fitted columns {list(fitted)}, in that order (the model reads them by name)")
    fix = (f" and holds {unexpected}, which it was not fitted on: if they are the same values under another name, "
           f"data.rename(columns={dict(zip(unexpected, lacks, strict=True))!r})")
    return fix + (f", or pass the column as a Series, data[{unexpected[0]!r}] (a Series' name is not read)"
                  if len(fitted) == len(given) == 1 else "")


def _shorter(L: int, H: int, n: int) -> str:
    """The fix of a window of ``L + H`` steps longer than the series' ``n``: shorten lookback or horizon, or, where
    the horizon alone fills the series (no lookback helps; the lookback "auto" is cut to 1 by then), the horizon,
    with the largest that leaves as many windows as the lookback has steps."""
    if H < n:
        return "shorten lookback or horizon"
    if n < 2:
        return (f"a window needs 2 steps at least (lookback=1, horizon=1), so none fits the series' {n} whatever "
                "the lookback and horizon")
    return (f"the horizon alone is at least the series' {n} rows, so no lookback makes a window: give a horizon "
            f"of at most {n - 1} (with lookback=1; horizon={max(1, n // 3)} leaves a lookback of as many steps and "
            f"as many windows to learn from)")


def _warn_season_too_long(n: int, m: int) -> None:
    """Warn where ``model="auto"``'s classical candidates cannot use the season ``m`` set for ``n`` rows: the
    smoothing (ets, and the hybrid's) needs two seasons and two rows to fit one (:func:`.combination.fit_ets`), the
    seasonal naive forecast one season (:func:`.combination.naive_forecast`); each then does without it. (The season
    ``"auto"`` chooses is held twice by the rows, :func:`.defaults.choose_season_length`.)"""
    if m <= 1 or n >= 2 * m + 2:
        return
    naive = ", and the seasonal naive forecast, which needs one season, is the naive one" if n < m else ""
    warnings.warn(f"Forecaster(model='auto'): season_length={m} needs 2 seasons and 2 rows ({2 * m + 2}) for the "
                  f"exponential smoothing (ets, hybrid) to fit it, but the series has {n} rows, so the smoothing is "
                  f"fitted without a season{naive}; pass a longer series, or the season the rows hold "
                  f"(season_length=1: none; 'auto' chooses one the rows hold twice)", UserWarning,
                  stacklevel=user_stacklevel())


def _finer_periods(index: pd.PeriodIndex, period: str) -> bool:
    """Whether each period of ``index`` lies within one period of the frequency ``period`` (months within
    quarters), so that aggregating them onto it reads every one: not ``Q-NOV`` quarters against ``Q-DEC``."""
    outer = index.asfreq(period)
    return bool((outer.start_time <= index.start_time).all() and (index.end_time <= outer.end_time).all()) and \
        len(outer.unique()) < len(index)


def _one_series(frame: TimeSeriesFrame, target: str) -> pd.DataFrame:
    """The target of ``frame`` as a one-series long panel (unique_id: the target's name, ds, y) for the
    hybrid's GlobalForecaster; a series without a time axis is numbered by its steps."""
    time = np.arange(len(frame), dtype=np.float64) if frame.time is None else frame.time
    return pd.DataFrame({"unique_id": target, "ds": time, "y": frame.values[:, frame.column_index((target,))[0]]})


def _in_zone(data, time_col: str | None, zone):
    """``data`` with its time axis (index or ``time_col``) converted to ``zone`` where it is in another zone: the
    fitted grid's days start at the fitted zone's midnights, so the same instants given in UTC would step 23 or
    25 hours across a clock change and be refused as off the grid."""
    if not isinstance(data, pd.Series | pd.DataFrame):
        return data
    if time_col is None:
        time = data.index
        if isinstance(time, pd.DatetimeIndex) and time.tz is not None and str(time.tz) != str(zone):
            return data.tz_convert(zone)
        return data
    if isinstance(data, pd.DataFrame) and time_col in data.columns:
        time = data[time_col]
        if isinstance(time.dtype, pd.DatetimeTZDtype) and str(time.dt.tz) != str(zone):
            return data.assign(**{time_col: time.dt.tz_convert(zone)})
    return data


def _row_numbers(time) -> bool:
    """Whether the numeric time axis ``time`` numbers rows: whole numbers one apart from a first of 0 or more (a
    slice of a RangeIndex, which as_frame reads as a numeric axis unless it starts at 0)."""
    if time is None or isinstance(time, pd.Index) or len(time) == 0:
        return False
    time = np.asarray(time, np.float64)
    return bool(time[0] >= 0 and time[0] == np.round(time[0]) and (np.diff(time) == 1).all())


def _gaps(frame: TimeSeriesFrame, ys: np.ndarray, period: str | None = None) -> str:
    """Where a target ``(T, 1)`` is missing: ``3 missing, the first at row 0 (1949-01-01)``; ``(1949-01)`` for a
    series given as periods of ``period``."""
    rows = np.flatnonzero(np.isnan(ys).any(axis=1))
    t = None if frame.time is None else frame.time[rows[0]]
    when = "" if t is None else f" ({shown_time(t.to_period(period) if period else t)})"
    return f"{len(rows)} missing, the first at row {rows[0]}{when}"


def _gaps_fix(frame: TimeSeriesFrame, target: str) -> str:
    """How to give the hybrid its series without gaps: drop the missing rows at the start or the end (the
    observed span), or fill those inside."""
    y = frame.values[:, frame.column_index([target])[0]]
    observed = np.flatnonzero(~np.isnan(y))
    first, last = observed[0], observed[-1]
    if np.isnan(y[first : last + 1]).any():
        return ", inside the observed span: fill them first (data.interpolate(), or data.ffill())"
    return (", at its start or end only: forecast from the observed span "
            "(data.loc[data.first_valid_index():data.last_valid_index()])")


def _warn_missing_end(frame: TimeSeriesFrame, targets: Sequence[str], impute: str, *, covariates: Sequence[str] = (),
                      future: Sequence[str] = (), shown: Callable[[pd.Index], pd.Index],
                      who: str = "Forecaster.fit", given: str = "y", one_column: bool = True) -> None:
    """Warn when a target's, a past covariate's or a known-future covariate's (``future``) last rows are missing:
    the forecast of the steps after the last row starts from values the ``impute`` policy made up, not from
    observations (``impute="none"`` refuses NaN anyway; a known-future covariate missing over the horizon is
    refused by :func:`_known_future`). ``who``: the method, ``given``: the argument's name, as the user called
    them, and ``one_column``: whether it is a Series (the fix then reads ``y.last_valid_index()``, else the target's
    column's; a covariate is a column of a DataFrame, ``data``). ``shown``: the fitted forecaster's
    :meth:`Forecaster._as_periods`, so that the times are named as the caller gave them (periods ``1952-03``,
    text ``'1974Q1'``), as the forecasts' index names them."""
    if impute == "none":
        return
    for c in (*targets, *covariates, *future):
        observed = np.flatnonzero(~np.isnan(frame.values[:, list(frame.columns).index(c)]))
        k = len(frame) - 1 - int(observed[-1]) if len(observed) else 0
        if not k:
            continue
        last = f"{given}.last_valid_index()" if one_column else f"{given}[{c!r}].last_valid_index()"
        at = (lambda i: f"row {i}") if frame.time is None else (lambda i: shown_time(shown(frame.time[[i]])[0]))
        span = at(len(frame) - k) + ("" if k == 1 else f" .. {at(len(frame) - 1)}")
        if c in targets:
            warnings.warn(f"{who}: target {c!r} is missing at its last {k} step(s) ({span}), so the forecast of "
                          f"the steps after {at(len(frame) - 1)} starts from values imputed by impute={impute!r}, "
                          f"not from an observation (the last at {at(int(observed[-1]))}); to forecast from it, "
                          f"drop the missing rows at the end (e.g. {given}.loc[:{last}])", UserWarning,
                          stacklevel=user_stacklevel())
        elif c in future:
            warnings.warn(f"{who}: known-future covariate {c!r} is missing at its last {k} step(s) ({span}), so the "
                          f"forecast of the steps after {at(len(frame) - 1)} reads values of it imputed by "
                          f"impute={impute!r} over its lookback, not the values known there (the last at "
                          f"{at(int(observed[-1]))}); a known-future covariate is known at every step, as predict "
                          f"refuses one missing over the horizon: give its values at those steps", UserWarning,
                          stacklevel=user_stacklevel())
        else:
            warnings.warn(f"{who}: covariate {c!r} is missing at its last {k} step(s) ({span}), so the forecast "
                          f"of the steps after {at(len(frame) - 1)} reads values of it imputed by "
                          f"impute={impute!r}, not observations (the last at {at(int(observed[-1]))}); give its "
                          f"latest values if they are known, or drop the missing rows at the end (e.g. "
                          f"data.loc[:data[{c!r}].last_valid_index()]), or leave it out of data",
                          UserWarning, stacklevel=user_stacklevel())


def _name_of(name):
    """A pandas name as given, where config.json keeps it: text, a number, or a tuple of them (a column of a
    MultiIndex, ``df[('passengers', 'total')]``), which :func:`_saved_name` gives back; anything else (a
    timestamp) as text; None: unnamed."""
    if isinstance(name, np.generic):
        name = name.item()
    if name is None or isinstance(name, str | numbers.Real):
        return name
    if isinstance(name, tuple):
        return tuple(_name_of(v) for v in name)
    return str(name)


def _saved_name(name):
    """A name of :func:`_name_of` as config.json gives it back: a tuple, written as a list, as a tuple again."""
    return tuple(_saved_name(v) for v in name) if isinstance(name, list) else name


def _kind(components: tuple[str, ...]) -> str:
    """The model_kind_ of a selection: the one candidate's name, or ``"combination"``."""
    return components[0] if len(components) == 1 else "combination"
