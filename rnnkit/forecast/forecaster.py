"""The Forecaster: a scikit-learn-style estimator over the parts of this package (the series' roles and time
axis in :mod:`.series`, the input features in :mod:`.features`, the network in :mod:`.net`, the backtest in
:mod:`.evaluation`)."""

from __future__ import annotations

import copy
import numbers
import os
from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from torch import Tensor, nn

from .. import io
from ..cells import Cell, TimeAware
from ..data.timeseries import (
    CALENDAR_PERIODS,
    IMPUTE_POLICIES,
    SCALERS,
    SeriesFeatures,
    TimeSeriesFrame,
    WindowDataset,
    WindowSpec,
    _like,
    split_by_time,
)
from ..models import SequenceToLabel, check_cell_name, named_cell
from ..training import ScaleOut, seeded_fit
from ..training.module import check_training_options
from ..training.trainer import GeneratorState, RunIdentity, resolve_device, resume_checkpoint, run_identity
from . import evaluation
from .features import ForecastFeatures
from .net import DirectForecastNet, ForecastModule, as_batch
from .series import _future_index, _known_future, _numeric_index, _regular_step, _roles, as_frame

SCALE_OUT = ("devices", "num_nodes", "strategy")  # where the fit runs, not what it computes


@io.saveable("forecast")
class Forecaster(BaseEstimator):
    """Forecast the next ``horizon`` steps of a time series from its last ``lookback`` steps.

    Args (all keyword-only):
        cell: a name of the cell registry (:data:`rnnkit.models.CELL_NAMES`: ``"lstm"``, the default,
            ``"gru"``, ``"rnn"``, ``"layernorm_lstm"``, ``"mingru"``, ``"minlstm"``); a factory
            ``(input_size, hidden_size) -> Cell`` (a Cell class works); or a Cell object (copied at every fit;
            its sizes must match). Only a named cell can be saved.
        lookback, horizon: window sizes ``L`` and ``H`` in steps of the series (required).
        hidden_size, num_layers, dropout: the encoder (dropout between layers).
        max_epochs, batch_size, lr, weight_decay, clip_grad_norm: training (AdamW; clipping by global norm,
            Pascanu et al. 2013).
        impute: ``"ffill"`` (default), ``"mean"``, ``"zero"`` or ``"none"`` (refuse NaN): how missing inputs
            are filled (:class:`~rnnkit.data.timeseries.Preprocessor`); missing targets never enter the loss.
        scale: ``"standard"`` (default), ``"minmax"`` or ``"none"``, per column, fit on the training rows.
        calendar: calendar features among ``"hour"``, ``"weekday"``, ``"month"``, ``"dayofyear"`` (sin/cos).
        mask, time_since: add the observed mask / GRU-D's δ of every column as input channels (the
            "GRU-simple" inputs of Che et al. 2018).
        time_aware: wrap the cell in :class:`rnnkit.TimeAware` (GRU-D's decays) fed ``[x, m, δ]``; one layer.
        relative: predict changes from the window's last value (default True; see the module docstring).
        quantiles: None (default: point forecasts, squared error) or strictly increasing levels in (0, 1)
            that include 0.5, e.g. ``(0.1, 0.5, 0.9)``: train on the pinball loss and predict these quantiles
            (sorted, so they never cross); the median is the point forecast of :meth:`backtest`.
        validation_fraction: the last fraction of the series held out for ``val_loss`` (0: none);
            early_stopping_patience needs it.
        random_state: seeds initialisation and shuffling (the caller's torch RNG is left untouched).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``. verbose: Lightning's progress bar and summary.
        devices, num_nodes, strategy: Lightning's scale-out (:class:`rnnkit.training.ScaleOut`): devices per
            machine, machines, and ``"auto"`` / ``"ddp"``...; several processes need an int random_state.
        log_dir: CSV and TensorBoard logs and a checkpoint at the end of every epoch there
            (``log_dir/checkpoints/last.ckpt``), from which ``fit(..., resume=True)`` continues.

    Fitted attributes: ``model_``, ``preprocessor_``, ``spec_`` (the WindowSpec), ``targets_``,
    ``covariates_`` (the past covariates), ``future_covariates_``, ``features_`` (the
    :class:`~rnnkit.forecast.ForecastFeatures`: channel layout and preprocessing), ``freq_`` (the pandas
    frequency, or the numeric step), ``history_`` (the fitted series, as a TimeSeriesFrame, the default start of
    :meth:`predict`), ``input_names_``, ``future_names_`` (the known-future channels the head reads: the
    known-future covariates, then calendar sin/cos), ``loss_curve_``, ``validation_loss_curve_``.
    """

    def __init__(
        self,
        *,
        lookback: int,
        horizon: int,
        cell="lstm",
        hidden_size: int = 32,
        num_layers: int = 1,
        dropout: float = 0.0,
        max_epochs: int = 100,
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
        relative: bool = True,
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
        self.lookback = lookback
        self.horizon = horizon
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
    def fit(self, data, *, targets: Sequence[str] | None = None, future_covariates: Sequence[str] | None = None,
            time_col: str | None = None, freq: str | None = None, resume: bool = False) -> Forecaster:
        """Train on ``data``: a pandas Series or DataFrame with a DatetimeIndex, a PeriodIndex (forecasts come
        back as periods) or a numeric index (years: forecasts continue it), or a ``time_col``, or a
        TimeSeriesFrame. ``targets``: the columns to forecast (default all but the known-future covariates).
        ``future_covariates``: columns whose values are known ahead (a promotion flag, a planned price), read
        over the lookback and, from ``predict(future=...)``, over the horizon; every other column is a past
        covariate. ``freq``: resample onto this regular grid first (``"h"``, ``"W-SAT"``...; empty bins
        become NaN), needed when the timestamps are uneven. Returns self; fitted attributes are set only on
        success.

        ``resume=True`` continues an interrupted fit from ``log_dir/checkpoints/last.ckpt`` (or starts from the
        beginning when there is none yet); it needs an int ``random_state``, the same data and the same
        parameters (``max_epochs`` may grow), and refuses another run's checkpoint. On CPU the resumed fit
        ends with the same weights as an uninterrupted one."""
        self._check_params()
        frame = as_frame(data, time_col=time_col, freq=freq)
        self._fit_frame(frame, targets, future_covariates, series_output=isinstance(data, pd.Series),
                        resume=resume)
        # a PeriodIndex is read as the start of each period; forecasts are given back as periods
        index = getattr(data, "index", None)
        self.period_ = index.freqstr if isinstance(index, pd.PeriodIndex) and time_col is None and freq is None \
            else None
        return self

    def _fit_frame(self, frame: TimeSeriesFrame, targets: Sequence[str] | None,
                   future_covariates: Sequence[str] | None, *, series_output: bool,
                   resume: bool = False) -> Forecaster:
        targets, covariates, future = _roles(frame, targets, future_covariates)
        L, H, n = self.lookback, self.horizon, len(frame)
        if L + H > n:
            raise ValueError(f"lookback ({L}) + horizon ({H}) = {L + H} steps make one window, but the "
                             f"series has {n}; shorten lookback or horizon, or pass a longer series")
        if self.impute == "none" and np.isnan(frame.values).any():
            i, j = np.argwhere(np.isnan(frame.values))[0]
            when = "" if frame.time is None else f" ({frame.time[i]})"
            raise ValueError(f"column {frame.columns[j]!r} has a missing value (NaN) at row {i}{when} and "
                             "impute='none' refuses NaN: use Forecaster(impute='ffill' | 'mean' | 'zero') or "
                             "fill the gaps before fit")
        freq, step = _regular_step(frame)
        spec = WindowSpec(L, H, targets=targets, past_covariates=covariates, future_covariates=future)
        if self.validation_fraction > 0:
            split = split_by_time(frame, val=self.validation_fraction, test=0.0)
            if len(split.val) < H or len(split.train) < L + H:
                raise ValueError(f"validation_fraction={self.validation_fraction} of {n} steps leaves "
                                 f"{len(split.train)} training and {len(split.val)} validation steps; each "
                                 f"part needs a window (training {L + H}, validation {H} steps)")
            train_rows, val_rows = split.train, split.val
        else:
            train_rows, val_rows = range(n), None
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
        identity = run_identity(params | {"targets": targets, "future_covariates": future},
                                seed, *(torch.from_numpy(np.array(a)) for a in data))
        checkpoint = resume_checkpoint(self.log_dir, identity, "Forecaster.fit") if resume else None
        generator = torch.Generator().manual_seed(seed)
        train_loader = train.loader(self.batch_size, shuffle=True, generator=generator, collate_fn=as_batch)
        val_loader = None if val is None else val.loader(self.batch_size, collate_fn=as_batch)
        build = lambda: ForecastModule(self._build_model(features, series.inputs[train_rows.start : train_rows.stop]),
                                       quantiles=self.quantiles, lr=self.lr, weight_decay=self.weight_decay,
                                       clip_grad_norm=self.clip_grad_norm)
        # The shuffles come from `generator`, epoch after epoch: its state goes into the checkpoints.
        module = seeded_fit(build, train_loader, val_loader, seed=seed, max_epochs=self.max_epochs,
                            device=self.device, scale=self._scale_out(), verbose=self.verbose, log_dir=self.log_dir,
                            early_stopping_patience=self.early_stopping_patience,
                            callbacks=[RunIdentity(identity), GeneratorState(generator)],
                            ckpt_path=checkpoint).module
        model = module.model

        self._set_fitted(model, features, frame, freq, series_output)
        self.loss_curve_ = module.history["train_loss"]
        self.validation_loss_curve_ = module.history["val_loss"]
        return self

    def _check_params(self) -> None:
        for name in ("lookback", "horizon", "hidden_size", "num_layers", "max_epochs", "batch_size"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise ValueError(f"Forecaster: {name} must be an integer >= 1, got {v!r}")
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
        q = self.quantiles
        if q is not None and (isinstance(q, str) or not all(isinstance(v, numbers.Real) and 0 < v < 1 for v in q)
                              or list(q) != sorted(set(q)) or 0.5 not in q):
            raise ValueError(f"Forecaster: quantiles must be None or strictly increasing levels in (0, 1) "
                             f"that include the median 0.5, e.g. (0.1, 0.5, 0.9); got {q!r}")
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

    def _build_model(self, features: ForecastFeatures, train_inputs: np.ndarray | None) -> DirectForecastNet:
        """The network for ``features``' channels; ``train_inputs (N_train, F_x)`` (None when loading) give a
        time-aware cell the training means its inputs decay towards."""
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
                if self.relative:
                    mean_of[:, features.slices["targets"]] = 0.0
                cell.set_mean(torch.from_numpy(mean_of), torch.from_numpy(train_inputs[:, m]))
        n_q = 1 if self.quantiles is None else len(self.quantiles)
        K, local = self.hidden_size, None  # the context of each horizon step is as wide as the state
        if n_future:
            local = nn.Sequential(nn.Linear(K + n_future, K), nn.ReLU(), nn.Linear(K, n_targets * n_q))
        net = SequenceToLabel(n_inputs, self.hidden_size, self.horizon * (K if n_future else n_targets * n_q),
                              cell=cell, num_layers=self.num_layers, dropout=self.dropout)
        return DirectForecastNet(net, self.horizon, n_targets, relative=self.relative, n_quantiles=n_q,
                                 local=local)

    def _set_fitted(self, model: DirectForecastNet, features: ForecastFeatures, history: TimeSeriesFrame,
                    freq, series_output: bool) -> None:
        spec = features.spec
        self.model_, self.features_, self.spec_ = model.eval(), features, spec
        self.preprocessor_ = features.preprocessor
        self.targets_, self.covariates_ = spec.targets, spec.past_covariates
        self.future_covariates_ = spec.future_covariates
        self.freq_, self.step_ = freq, features.step
        self.history_ = history
        self.input_names_, self.future_names_ = features.input_names, features.future_names
        self._series_output = series_output

    # -- predict ------------------------------------------------------------------------------------------
    def predict(self, horizon: int | None = None, *, data=None, future=None, time_col: str | None = None):
        """Forecast the ``horizon`` steps (default: the fitted one, at most that) after the end of the fitted
        series, or after the end of ``data`` (the same columns, e.g. the series with newer observations; the
        model is not refitted).

        ``future``: the known-future covariates over those steps, needed exactly when fit named
        ``future_covariates``: a DataFrame (or a named Series) indexed by the forecast timestamps (the index
        returned here), one column per covariate; other rows and columns are ignored. Calendar features need
        nothing: they are computed from the timestamps.

        Returns, in original units, indexed by the next timestamps at the fitted frequency: a pandas Series
        (one target fitted as a Series) or a DataFrame of the targets; with ``quantiles``, a DataFrame with
        one column per quantile level (one target fitted as a Series) or columns ``(target, quantile)``."""
        self._check_fitted("predict")
        H = self.horizon if horizon is None else horizon
        if isinstance(H, bool) or not isinstance(H, numbers.Integral) or not 1 <= H <= self.horizon:
            raise ValueError(f"predict: horizon must be an integer in [1, {self.horizon}] (the model "
                             f"predicts the {self.horizon} steps it was fitted for; refit with a larger "
                             f"horizon for more), got {H!r}")
        frame = self.history_ if data is None else self._frame_like(data, time_col)
        y = self._predict_frame(frame, H, future)  # (H, n_y, n_q)
        index = self._as_periods(_future_index(frame, self.freq_, H))
        if self.quantiles is None:
            if self._series_output:
                return pd.Series(y[:, 0, 0], index=index, name=self.targets_[0])
            return pd.DataFrame(y[..., 0], index=index, columns=list(self.targets_))
        levels = pd.Index(list(self.quantiles), name="quantile")
        if self._series_output:
            return pd.DataFrame(y[:, 0], index=index, columns=levels)
        columns = pd.MultiIndex.from_product([list(self.targets_), levels], names=["target", "quantile"])
        return pd.DataFrame(y.reshape(H, -1), index=index, columns=columns)

    def _predict_frame(self, frame: TimeSeriesFrame, H: int, future) -> np.ndarray:
        """The first ``H`` forecast steps after the end of ``frame``, ``(H, n_y, n_q)`` in original units."""
        if len(frame) < self.lookback:
            raise ValueError(f"predict needs the last lookback = {self.lookback} steps; the series has "
                             f"{len(frame)}")
        x = self._features(frame).inputs[-self.lookback :]  # (L, F_x)
        f = self._future_inputs(frame, H, future)  # (horizon, C) or None
        return self._forecast(x[None], None if f is None else f[None])[0, :H]

    def _future_inputs(self, frame: TimeSeriesFrame, H: int, future) -> np.ndarray | None:
        """The known-future channels ``(horizon, C)`` after the end of ``frame``, scaled as in training: the
        covariates from ``future`` for the first ``H`` steps, the calendar from the timestamps. Later steps of
        the covariates are left at 0: the local head reads step h's inputs for step h only, so they cannot
        change the first ``H`` forecasts. None for a model without known-future inputs."""
        if future is not None and not self.future_covariates_:
            raise ValueError("predict got future=..., but this Forecaster was fitted without known-future "
                             "covariates; name them at fit: fit(data, future_covariates=['promo', ...])")
        index = _future_index(frame, self.freq_, self.horizon)
        known = None
        if self.future_covariates_ and self.future_names_:
            known = _known_future(future, index[:H], self.future_covariates_, step=self.step_)  # (H, n_f)
        return self.features_.future_inputs(index, known)

    def historical_forecasts(self, data=None, *, start=None, time_col: str | None = None) -> pd.DataFrame:
        """Forecasts from every origin of a series with the fitted model (no refitting; darts' name).

        ``data``: the series (default: the fitted one), whose known-future covariates serve as their own
        future; ``start``: the first forecast timestamp (or row number) to include, default the earliest
        with a full lookback. Only origins whose whole horizon lies in the series are returned. Returns a
        DataFrame indexed by each forecast's first timestamp, with columns ``(target, step)`` for steps
        1..H (with ``quantiles``: ``(target, quantile, step)``), in original units."""
        self._check_fitted("historical_forecasts")
        frame = self.history_ if data is None else self._frame_like(data, time_col)
        n = len(frame)
        if start is None:
            a = 0
        elif isinstance(start, numbers.Integral):
            a = int(start)
        elif frame.time is not None:
            a = int(frame.time.searchsorted(_like(frame.time, start)))  # a timestamp in the axis' time zone
        else:
            raise ValueError("start must be a row number for a series without a time axis")
        windows = WindowDataset(self._features(frame), self.spec_, rows=range(a, n))
        arrays = windows.to_arrays()
        y = self._forecast(arrays["x"], arrays.get("future"))  # (n_w, H, n_y, n_q)
        origins = windows.starts + self.lookback
        index = (pd.Index(origins) if frame.time is None else self._as_periods(frame.time[origins])
                 if isinstance(frame.time, pd.DatetimeIndex) else _numeric_index(frame.time[origins], frame))
        steps = range(1, self.horizon + 1)
        if self.quantiles is None:
            columns = pd.MultiIndex.from_product([list(self.targets_), steps], names=["target", "step"])
            return pd.DataFrame(y[..., 0].transpose(0, 2, 1).reshape(len(y), -1), index=index, columns=columns)
        columns = pd.MultiIndex.from_product([list(self.targets_), list(self.quantiles), steps],
                                             names=["target", "quantile", "step"])
        return pd.DataFrame(y.transpose(0, 2, 3, 1).reshape(len(y), -1), index=index, columns=columns)

    def _as_periods(self, index: pd.Index) -> pd.Index:
        """``index`` as the fitted series' periods when it had a PeriodIndex, else as it is."""
        period = getattr(self, "period_", None)
        return index.to_period(period) if period and isinstance(index, pd.DatetimeIndex) else index

    def _frame_like(self, data, time_col: str | None) -> TimeSeriesFrame:
        if isinstance(data, pd.Series) and len(self.history_.columns) == 1:
            data = data.rename(self.history_.columns[0])
        frame = as_frame(data, time_col=time_col)
        if frame.columns != self.history_.columns:
            raise ValueError(f"data has columns {list(frame.columns)}; the forecaster was fitted on "
                             f"{list(self.history_.columns)}")
        kind = lambda f: ("no time axis (steps)" if f.time is None else "dates"
                          if isinstance(f.time, pd.DatetimeIndex) else "a numeric time axis")
        if kind(frame) != kind(self.history_):  # the next timestamps follow the fitted frequency
            raise ValueError(f"data has {kind(frame)}, but the forecaster was fitted on a series with "
                             f"{kind(self.history_)}; give data the same kind of index (or time_col) as at fit")
        return frame

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
    def backtest(self, data, *, folds: int = 3, step: int | None = None, season_length: int | None = None,
                 expanding: bool = True, targets: Sequence[str] | None = None,
                 future_covariates: Sequence[str] | None = None, time_col: str | None = None,
                 freq: str | None = None, return_forecasts: bool = False):
        """Rolling-origin evaluation (Tashman 2000): refit on the past of each origin, forecast ``horizon``
        steps, score them next to the naive and seasonal-naive forecasts.

        The last ``folds`` origins are ``step`` steps apart (default ``horizon``: the test parts tile the
        end of the series); fold ``k`` trains on every earlier row (``expanding=False``: the last
        ``N - horizon - (folds - 1) * step`` rows before it), with a fresh preprocessor fit on those rows
        only, and tests on the next ``horizon``. This object is not changed (each fold fits a copy).
        ``targets`` and ``future_covariates`` name the columns as in :meth:`fit`; the known-future covariates
        of the test rows are the fold's ``predict(future=...)``. With ``quantiles`` the forecaster's point
        forecast is its median.

        Baselines on the same rows: naive ``ŷ_{T+h} = y_T``; seasonal naive ``ŷ_{T+h} = y_{T+h-mk}`` with
        ``k = ⌈h/m⌉`` and season length ``m`` (``season_length``, else from the frequency: 12 monthly, 4
        quarterly, 52 weekly, 7 daily, 24 hourly). Gaps in the history are forward-filled for them.

        Metrics over the observed test values (NaN targets are skipped), averaged over target columns: MAE,
        RMSE, sMAPE in % (``200/n Σ |y-ŷ| / (|y|+|ŷ|)``), and MASE (Hyndman & Koehler 2006): MAE divided by
        the in-sample MAE of the seasonal naive forecast on the fold's training rows.

        Returns a DataFrame indexed by each fold's first forecast timestamp (``origin``), with columns
        ``(metric, method)``: ``bt["mase"]`` puts the three methods side by side, ``bt.mean()`` averages the
        folds. ``return_forecasts=True`` also returns the forecasts: a long DataFrame with columns origin,
        target, forecaster, naive, seasonal_naive, actual.
        """
        self._check_params()
        return evaluation.backtest(self, data, folds=folds, step=step, season_length=season_length,
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
        params = self.get_params(deep=False)
        params["calendar"] = list(params["calendar"])
        if params["quantiles"] is not None:
            params["quantiles"] = [float(q) for q in params["quantiles"]]
        return params

    def _saved_state(self) -> tuple[dict, dict[str, Tensor]]:
        h = self.history_
        time_kind = ("none" if h.time is None else
                     "datetime" if isinstance(h.time, pd.DatetimeIndex) else "number")
        features, arrays = self.features_.state()  # columns, step, channel names; preprocessor statistics
        fitted = features | {
            "targets": list(self.targets_), "covariates": list(self.covariates_),
            "future_covariates": list(self.future_covariates_),
            "columns": list(h.columns), "time_name": h.time_name, "time_kind": time_kind,
            "time_zone": None if time_kind != "datetime" or h.time.tz is None else str(h.time.tz),
            "time_unit": h.time.unit if time_kind == "datetime" else None,
            "freq": self.freq_ if isinstance(self.freq_, str | None) else float(self.freq_),
            "period": getattr(self, "period_", None), "series_output": bool(self._series_output),
        }
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
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
        spec = WindowSpec(self.lookback, self.horizon, targets=fitted["targets"],
                          past_covariates=fitted["covariates"], future_covariates=fitted.get("future_covariates", ()))
        features = ForecastFeatures.from_state(spec, self._feature_options(), fitted,
                                               {k: v.numpy() for k, v in tensors.items()})
        model = self._build_model(features, None)
        model.load_state_dict({k.removeprefix("model."): v for k, v in tensors.items()
                               if k.startswith("model.")}, strict=True)
        self._set_fitted(model, features, history, fitted["freq"], bool(fitted["series_output"]))
        self.period_ = fitted.get("period")  # absent from models saved before periods were given back
        self.loss_curve_, self.validation_loss_curve_ = [], []
