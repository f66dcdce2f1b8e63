"""Forecast a time series with a recurrent encoder: fit, predict the next steps, backtest against baselines.

:class:`Forecaster` is the time-series layer of rnnkit put to work. ``fit`` frames a pandas series
(:class:`~rnnkit.data.timeseries.TimeSeriesFrame`), fits a :class:`~rnnkit.data.timeseries.Preprocessor` on
the training rows only, cuts windows (:class:`~rnnkit.data.timeseries.WindowDataset`) and trains a
:class:`~rnnkit.models.SequenceToLabel` with Lightning through :class:`~rnnkit.training.SequenceModule`.

**Model: direct multi-output** (Taieb et al. 2012's "MIMO" strategy). The encoder reads the ``L`` lookback
steps; one affine head maps its final hidden state to all ``H`` horizon steps of every target at once::

    h_T          = rnn(x_{T-L+1}, ..., x_T)                              encoder, any cell
    ŷ_{T+1..T+H} = y_T + W h_T + c      (relative=True, the default)     (H * n_y) outputs
    ŷ_{T+1..T+H} =       W h_T + c      (relative=False)

Nothing is fed back, so errors do not compound over the horizon and past covariates need no forecast of
their own; the price is a fixed maximum horizon. ``relative=True`` also subtracts the window's last value
``y_T`` from the target's input channels, so the network sees and predicts changes from the last value: it
starts out near the naive forecast, and a trend can carry the forecast past the levels seen in training
(a plain standardised network saturates there).

Shapes: ``N`` steps, ``L`` lookback, ``H`` horizon, ``n_y`` targets, ``F_x`` input channels, ``B`` windows.

========================  ==================================================================================
input channels (``F_x``)  the targets, then the other columns (past covariates), then calendar sin/cos,
                          scaled and imputed; ``mask=True`` adds a 1/0 observed channel per column,
                          ``time_since=True`` GRU-D's δ per column (time since its previous observation, in
                          units of the series' step); ``time_aware=True`` arranges them as ``[x, m, δ]``
                          for :class:`rnnkit.TimeAware` (Che et al. 2018)
loss                      mean squared error over the *observed* targets only: an imputed target is never
                          a training signal
========================  ==================================================================================
"""

from __future__ import annotations

import copy
import json
import math
import numbers
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import safetensors
import safetensors.torch
import torch
from sklearn.base import BaseEstimator, clone
from torch import Tensor, nn

from .cells import Cell, ElmanCell, GRUCell, LSTMCell, TimeAware
from .data.timeseries import (
    CALENDAR_PERIODS,
    IMPUTE_POLICIES,
    SCALERS,
    Preprocessor,
    SeriesFeatures,
    TimeSeriesFrame,
    WindowDataset,
    WindowSpec,
    _like,
    rolling_origin,
    split_by_time,
)
from .estimators import CONFIG_FILE, FORMAT, FORMAT_VERSION, WEIGHTS_FILE, write_directory_atomically
from .models import NAMED_CELLS, SequenceToLabel
from .training import Batch, SequenceModule, make_trainer, quiet_lightning
from .training.module import check_training_options
from .training.trainer import resolve_device

CELL_CLASSES = {"rnn": ElmanCell, "elman": ElmanCell, "lstm": LSTMCell, "gru": GRUCell}  # for TimeAware
METRICS = ("mae", "rmse", "smape", "mase")
METHODS = ("forecaster", "naive", "seasonal_naive")
# One season in steps of each base frequency: a year for months, quarters and weeks (52 weeks = 364 days),
# a week for days, a day for hours and finer steps (divided by the multiple: "2h" -> 12).
SEASONS = {"Y": 1, "A": 1, "Q": 4, "M": 12, "W": 52, "D": 7, "B": 5, "h": 24, "min": 1440, "s": 86400}


# -- the network and its loss -------------------------------------------------------------------------------
class DirectForecastNet(nn.Module):
    """All ``H`` horizon steps of the ``n_y`` targets from one encoding of the window (see the module doc).

    ===========  ==============================================================================
    ``x``        ``(B, L, F_x)``, the targets' channels first
    returns      ``ŷ (B, H * n_y)`` (step-major: ``ŷ.view(B, H, n_y)``), the encoder's final state
    ===========  ==============================================================================
    """

    target = "label"  # one output vector per window, for SequenceModule

    def __init__(self, net: SequenceToLabel, horizon: int, n_targets: int, *, relative: bool):
        super().__init__()
        self.net, self.horizon, self.n_targets, self.relative = net, horizon, n_targets, relative

    def forward(self, x: Tensor, lengths: Tensor | None = None, state=None) -> tuple[Tensor, Any]:
        B, n_y = x.shape[0], self.n_targets
        if not self.relative:
            return self.net(x, lengths, state)
        level = x[:, -1, :n_y]  # (B, n_y) the window's last value of each target
        x = torch.cat([x[..., :n_y] - level[:, None], x[..., n_y:]], dim=-1)
        out, state = self.net(x, lengths, state)  # (B, H * n_y) changes from the last value
        return (out.view(B, self.horizon, n_y) + level[:, None]).flatten(1), state


class ForecastModule(SequenceModule):
    """:class:`~rnnkit.training.SequenceModule` whose regression loss counts observed targets only.

    The batch's ``y`` is ``(B, 2, H * n_y)``: the scaled targets, then their observed mask (1 observed, 0
    imputed), so ``loss = sum(m * (ŷ - y)²) / sum(m)``. The training loop itself is SequenceModule's.
    """

    def __init__(self, model: nn.Module, **options):
        super().__init__(model, task="regression", **options)

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        target, observed = y[:, 0], y[:, 1]  # (N, H * n_y) each
        squared = (out.float() - target) ** 2 * observed
        return squared.sum() / observed.sum().clamp_min(1.0)


def _as_batch(item: dict[str, Tensor]) -> Batch:
    """A WindowDataset batch (dict) as the Batch SequenceModule reads, the target mask packed into y."""
    y = torch.stack([item["y"].flatten(1), item["y_mask"].flatten(1)], dim=1)  # (B, 2, H * n_y)
    return Batch(item["x"], None, y)


# -- the forecaster -----------------------------------------------------------------------------------------
class Forecaster(BaseEstimator):
    """Forecast the next ``horizon`` steps of a time series from its last ``lookback`` steps.

    Args (all keyword-only):
        cell: ``"lstm"`` (default), ``"gru"``, ``"rnn"``; a factory ``(input_size, hidden_size) -> Cell``
            (a Cell class works); or a Cell object (copied at every fit; its sizes must match).
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
        validation_fraction: the last fraction of the series held out for ``val_loss`` (0: none);
            early_stopping_patience needs it.
        random_state: seeds initialisation and shuffling (the caller's torch RNG is left untouched).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``. verbose: Lightning's progress bar and summary.

    Fitted attributes: ``model_``, ``preprocessor_``, ``spec_`` (the WindowSpec), ``targets_``,
    ``covariates_``, ``freq_`` (the pandas frequency, or the numeric step), ``history_`` (the fitted series,
    as a TimeSeriesFrame, the default start of :meth:`predict`), ``input_names_``, ``loss_curve_``,
    ``validation_loss_curve_``.
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
        validation_fraction: float = 0.0,
        early_stopping_patience: int | None = None,
        random_state=None,
        device: str = "auto",
        verbose: bool = False,
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
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # -- fit ----------------------------------------------------------------------------------------------
    def fit(self, data, *, targets: Sequence[str] | None = None, time_col: str | None = None,
            freq: str | None = None) -> Forecaster:
        """Train on ``data``: a pandas Series or DataFrame with a DatetimeIndex (or a ``time_col``), or a
        TimeSeriesFrame. ``targets``: the columns to forecast (default all); the others are past covariates.
        ``freq``: resample onto this regular grid first (``"h"``, ``"W-SAT"``...; empty bins become NaN),
        needed when the timestamps are uneven. Returns self; fitted attributes are set only on success."""
        self._check_params()
        frame = as_frame(data, time_col=time_col, freq=freq)
        return self._fit_frame(frame, targets, series_output=isinstance(data, pd.Series))

    def _fit_frame(self, frame: TimeSeriesFrame, targets: Sequence[str] | None, *,
                   series_output: bool) -> Forecaster:
        targets, covariates = _roles(frame, targets)
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
        spec = WindowSpec(L, H, targets=targets, past_covariates=covariates)
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
        preprocessor = Preprocessor(scale=self.scale, impute=self.impute, mask=True,
                                    time_since=self.time_since or self.time_aware, calendar=self.calendar,
                                    time_unit="s").fit(frame, train_rows)
        features = self._channels(preprocessor.transform(frame, spec), frame, step)
        train = WindowDataset(features, spec, rows=train_rows)
        val = None if val_rows is None else WindowDataset(features, spec, rows=val_rows)

        seed = int(np.random.default_rng(self.random_state).integers(2**31 - 1))
        accelerator = resolve_device(self.device)
        cuda = [torch.cuda.current_device()] if accelerator == "cuda" else []
        with torch.random.fork_rng(devices=cuda):  # seed our run without touching the caller's RNG
            torch.manual_seed(seed)
            model = self._build_model(features, train_rows, len(targets))
            module = ForecastModule(model, lr=self.lr, weight_decay=self.weight_decay,
                                    clip_grad_norm=self.clip_grad_norm)
            generator = torch.Generator().manual_seed(seed)
            train_loader = train.loader(self.batch_size, shuffle=True, generator=generator,
                                        collate_fn=_as_batch)
            val_loader = None if val is None else val.loader(self.batch_size, collate_fn=_as_batch)
            trainer = make_trainer(max_epochs=self.max_epochs, device=accelerator, verbose=self.verbose,
                                   early_stopping_patience=self.early_stopping_patience)
            with quiet_lightning(self.verbose):
                trainer.fit(module, train_loader, val_loader)

        self.model_ = model.eval()
        self.preprocessor_, self.spec_ = preprocessor, spec
        self.targets_, self.covariates_ = targets, covariates
        self.freq_, self.step_ = freq, step
        self.history_ = frame
        self.input_names_ = features.input_names
        self._series_output = series_output
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
        if self.time_aware and self.num_layers != 1:
            raise ValueError("Forecaster: time_aware=True wraps one layer (GRU-D's decays act on the "
                             "inputs); use num_layers=1")
        if isinstance(self.cell, str) and self.cell.lower() not in NAMED_CELLS:
            raise ValueError(f"Forecaster: unknown cell {self.cell!r}; use one of {sorted(NAMED_CELLS)}, a "
                             "Cell factory (input_size, hidden_size) -> Cell, or a Cell object")
        check_training_options(task="regression", lr=self.lr, weight_decay=self.weight_decay,
                               clip_grad_norm=self.clip_grad_norm, clip_grad_value=None, tbptt_steps=None)
        resolve_device(self.device)

    def _channels(self, features: SeriesFeatures, frame: TimeSeriesFrame, step: float) -> SeriesFeatures:
        """The model's input channels, chosen from the preprocessor's (values, calendar, masks, δ)."""
        U, C = len(frame.columns), 2 * len(self.calendar)  # every column is a target or a past covariate
        inputs, names = features.inputs, features.input_names
        values, masks, since = inputs[:, : U + C], inputs[:, U + C : 2 * U + C], inputs[:, 2 * U + C :] / step
        if self.time_aware:  # [x, m, δ]; calendar channels are always observed: m = 1, δ = Δt
            s = frame.elapsed(unit="s")
            dt = (np.diff(s, prepend=s[0]) / step).astype(np.float32)[:, None]  # (N, 1)
            N = len(inputs)
            m = np.concatenate([masks, np.ones((N, C), np.float32)], axis=1)
            delta = np.concatenate([since, np.repeat(dt, C, axis=1)], axis=1)
            x_names = names[: U + C]
            chosen = [values, m, delta]
            names = (*x_names, *(f"{c}_mask" for c in x_names), *(f"{c}_since" for c in x_names))
        else:
            chosen, picked = [values], list(names[: U + C])
            if self.mask:
                chosen.append(masks)
                picked += names[U + C : 2 * U + C]
            if self.time_since:
                chosen.append(since)
                picked += names[2 * U + C :]
            names = tuple(picked)
        inputs = np.ascontiguousarray(np.concatenate(chosen, axis=1), dtype=np.float32)
        return features._replace(inputs=inputs, input_names=names)

    def _build_model(self, features: SeriesFeatures | None, train_rows: range | None,
                     n_targets: int, n_inputs: int | None = None) -> DirectForecastNet:
        n_inputs = features.inputs.shape[1] if n_inputs is None else n_inputs
        cell = copy.deepcopy(self.cell)  # a Cell object's weights are the initial weights of every fit
        if self.time_aware:
            F = n_inputs // 3
            make = CELL_CLASSES[cell.lower()] if isinstance(cell, str) else cell
            inner = make if isinstance(make, Cell) else make(2 * F, self.hidden_size)
            cell = TimeAware(inner)
            if features is not None:  # decay towards the training mean (of the changes, when relative: 0)
                rows = slice(train_rows.start, train_rows.stop)
                x, m = features.inputs[rows, :F].copy(), features.inputs[rows, F : 2 * F]
                if self.relative:
                    x[:, :n_targets] = 0.0
                cell.set_mean(torch.from_numpy(x), torch.from_numpy(m))
        net = SequenceToLabel(n_inputs, self.hidden_size, self.horizon * n_targets, cell=cell,
                              num_layers=self.num_layers, dropout=self.dropout)
        return DirectForecastNet(net, self.horizon, n_targets, relative=self.relative)

    # -- predict ------------------------------------------------------------------------------------------
    def predict(self, horizon: int | None = None, *, data=None, time_col: str | None = None):
        """Forecast the ``horizon`` steps (default: the fitted one, at most that) after the end of the fitted
        series, or after the end of ``data`` (the same columns, e.g. the series with newer observations; the
        model is not refitted). Returns a pandas Series (one target of a Series) or DataFrame of the targets,
        in their original units, indexed by the next timestamps at the fitted frequency."""
        self._check_fitted("predict")
        H = self.horizon if horizon is None else horizon
        if isinstance(H, bool) or not isinstance(H, numbers.Integral) or not 1 <= H <= self.horizon:
            raise ValueError(f"predict: horizon must be an integer in [1, {self.horizon}] (the model "
                             f"predicts the {self.horizon} steps it was fitted for; refit with a larger "
                             f"horizon for more), got {H!r}")
        frame = self.history_ if data is None else self._frame_like(data, time_col)
        if len(frame) < self.lookback:
            raise ValueError(f"predict needs the last lookback = {self.lookback} steps; the series has "
                             f"{len(frame)}")
        x = self._features(frame).inputs[-self.lookback :]  # (L, F_x)
        y = self._forecast(x[None])[0, :H]  # (H, n_y)
        index = _future_index(frame, self.freq_, H)
        if self._series_output:
            return pd.Series(y[:, 0], index=index, name=self.targets_[0])
        return pd.DataFrame(y, index=index, columns=list(self.targets_))

    def historical_forecasts(self, data=None, *, start=None, time_col: str | None = None) -> pd.DataFrame:
        """Forecasts from every origin of a series with the fitted model (no refitting; darts' name).

        ``data``: the series (default: the fitted one); ``start``: the first forecast timestamp (or row
        number) to include, default the earliest with a full lookback. Only origins whose whole horizon lies
        in the series are returned. Returns a DataFrame indexed by each forecast's first timestamp, with
        columns ``(target, step)`` for steps 1..H, in original units."""
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
        y = self._forecast(windows.to_arrays()["x"])  # (n_w, H, n_y)
        origins = windows.starts + self.lookback
        index = frame.time[origins] if frame.time is not None else pd.Index(origins)
        columns = pd.MultiIndex.from_product([list(self.targets_), range(1, self.horizon + 1)],
                                             names=["target", "step"])
        return pd.DataFrame(y.transpose(0, 2, 1).reshape(len(y), -1), index=index, columns=columns)

    def _frame_like(self, data, time_col: str | None) -> TimeSeriesFrame:
        if isinstance(data, pd.Series) and len(self.history_.columns) == 1:
            data = data.rename(self.history_.columns[0])
        frame = as_frame(data, time_col=time_col)
        if frame.columns != self.history_.columns:
            raise ValueError(f"data has columns {list(frame.columns)}; the forecaster was fitted on "
                             f"{list(self.history_.columns)}")
        return frame

    def _features(self, frame: TimeSeriesFrame) -> SeriesFeatures:
        return self._channels(self.preprocessor_.transform(frame, self.spec_), frame, self.step_)

    def _forecast(self, x: np.ndarray) -> np.ndarray:
        """Windows ``(B, L, F_x)`` -> forecasts ``(B, H, n_y)`` in original units (float64)."""
        model = self.model_.eval()
        device = next(model.parameters()).device
        outputs = []
        with torch.inference_mode():
            for s in range(0, len(x), 1024):
                out, _ = model(torch.as_tensor(x[s : s + 1024], device=device))
                outputs.append(out.float().cpu().view(-1, self.horizon, len(self.targets_)).numpy())
        y = np.concatenate(outputs)
        return self.preprocessor_.inverse_transform(y, self.targets_)

    def _check_fitted(self, who: str) -> None:
        if not hasattr(self, "model_"):
            raise ValueError(f"this Forecaster is not fitted yet: call fit(series) before {who}()")

    # -- backtest -----------------------------------------------------------------------------------------
    def backtest(self, data, *, folds: int = 3, step: int | None = None, season_length: int | None = None,
                 expanding: bool = True, targets: Sequence[str] | None = None, time_col: str | None = None,
                 freq: str | None = None, return_forecasts: bool = False):
        """Rolling-origin evaluation (Tashman 2000): refit on the past of each origin, forecast ``horizon``
        steps, score them next to the naive and seasonal-naive forecasts.

        The last ``folds`` origins are ``step`` steps apart (default ``horizon``: the test parts tile the
        end of the series); fold ``k`` trains on every earlier row (``expanding=False``: the last
        ``N - horizon - (folds - 1) * step`` rows before it), with a fresh preprocessor fit on those rows
        only, and tests on the next ``horizon``. This object is not changed (each fold fits a copy).

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
        frame = as_frame(data, time_col=time_col, freq=freq)
        targets, _ = _roles(frame, targets)
        freq_, _ = _regular_step(frame)
        m = season_length if season_length is not None else infer_season_length(freq_)
        if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1:
            raise ValueError(f"season_length must be an integer >= 1, got {m!r}")
        H, n = self.horizon, len(frame)
        step = H if step is None else step
        if isinstance(folds, bool) or not isinstance(folds, numbers.Integral) or folds < 1:
            raise ValueError(f"folds must be an integer >= 1, got {folds!r}")
        initial = n - H - (folds - 1) * step
        if initial < max(self.lookback + H, m + 1):
            raise ValueError(f"{folds} folds of horizon {H}, {step} steps apart, leave {initial} steps "
                             f"before the first origin; it needs lookback + horizon = {self.lookback + H} "
                             f"steps to train and {m + 1} for the seasonal naive (season {m}); use fewer "
                             "folds, a smaller step or a longer series")
        idx = frame.column_index(targets)
        rows, forecasts = [], []
        for train_rows, test_rows in rolling_origin(n, initial=initial, test_size=H, step=step,
                                                    expanding=expanding):
            past = _take(frame, train_rows)
            model = clone(self)._fit_frame(past, targets, series_output=False)
            history = pd.DataFrame(past.values[:, idx]).ffill().bfill().to_numpy()  # (T, n_y), gaps filled
            preds = {
                "forecaster": model.predict().to_numpy(),  # (H, n_y)
                "naive": np.repeat(history[-1:], H, axis=0),
                "seasonal_naive": history[len(history) - m + (np.arange(H) % m)],
            }
            actual = frame.values[test_rows.start : test_rows.stop, idx]  # (H, n_y)
            raw = past.values[:, idx]
            scale = np.nanmean(np.abs(raw[m:] - raw[:-m]), axis=0)  # (n_y,) in-sample seasonal naive MAE
            origin = frame.time[test_rows.start] if frame.time is not None else test_rows.start
            rows.append({(metric, method): value for method, pred in preds.items()
                         for metric, value in _errors(actual, pred, scale).items()} | {"origin": origin})
            if return_forecasts:
                times = frame.time[test_rows.start : test_rows.stop] if frame.time is not None else test_rows
                for j, target in enumerate(targets):
                    columns = {"origin": origin, "target": target, **{k: v[:, j] for k, v in preds.items()},
                               "actual": actual[:, j]}
                    forecasts.append(pd.DataFrame(columns, index=pd.Index(times, name="time")))
        errors = pd.DataFrame(rows).set_index("origin")
        errors.columns = pd.MultiIndex.from_tuples(errors.columns, names=["metric", "method"])
        errors = errors[[(metric, method) for metric in METRICS for method in METHODS]]
        return (errors, pd.concat(forecasts)) if return_forecasts else errors

    # -- save / load --------------------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> None:
        """Write ``config.json`` (parameters, fitted sizes and names, frequency) and ``model.safetensors``
        (weights, preprocessor statistics, the fitted series for :meth:`predict`) atomically: into a temporary
        directory, then renamed (the estimators' layout and writer). No pickle."""
        from . import __version__

        self._check_fitted("save")
        params = self.get_params(deep=False)
        if not isinstance(params["cell"], str):
            raise ValueError("only a Forecaster with a named cell ('rnn', 'lstm', 'gru') can be saved: a "
                             "cell object or factory is code, and rnnkit saves no code (no pickle)")
        params["calendar"] = list(params["calendar"])
        h, p = self.history_, self.preprocessor_
        time_kind = ("none" if h.time is None else
                     "datetime" if isinstance(h.time, pd.DatetimeIndex) else "number")
        config = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "rnnkit_version": __version__,
            "estimator": type(self).__name__,
            "params": params,
            "fitted": {
                "targets": list(self.targets_), "covariates": list(self.covariates_),
                "columns": list(h.columns), "time_name": h.time_name, "time_kind": time_kind,
                "time_zone": None if time_kind != "datetime" or h.time.tz is None else str(h.time.tz),
                "time_unit": h.time.unit if time_kind == "datetime" else None,
                "freq": self.freq_ if isinstance(self.freq_, str | None) else float(self.freq_),
                "step": float(self.step_), "series_output": bool(self._series_output),
                "n_inputs": len(self.input_names_), "input_names": list(self.input_names_),
            },
        }
        try:
            config_bytes = json.dumps(config, indent=2, allow_nan=False).encode()
        except (TypeError, ValueError) as e:
            raise ValueError(f"cannot save: a parameter is not JSON-serialisable ({e})") from e
        tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in self.model_.state_dict().items()}
        tensors |= {f"preprocessor.{k}": torch.from_numpy(np.ascontiguousarray(getattr(p, f"{k}_")))
                    for k in ("mean", "center", "scale")}
        tensors["history.values"] = torch.from_numpy(np.ascontiguousarray(h.values))
        if time_kind == "datetime":
            tensors["history.time"] = torch.from_numpy(h.time.as_unit("ns").asi8.copy())
        elif time_kind == "number":
            tensors["history.time"] = torch.from_numpy(np.array(h.time, dtype=np.float64))  # a copy
        write_directory_atomically(Path(directory), {CONFIG_FILE: config_bytes,
                                                     WEIGHTS_FILE: safetensors.torch.save(tensors)})

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Forecaster:
        """Read a Forecaster written by :meth:`save`; it predicts exactly as the saved one did. ValueError for
        a missing, foreign or corrupt directory."""
        path = Path(directory)
        try:
            config = json.loads((path / CONFIG_FILE).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError(f"{path} is not a saved Forecaster: cannot read {CONFIG_FILE} ({e})") from e
        if not isinstance(config, dict) or (config.get("format"), config.get("estimator")) != (FORMAT,
                                                                                              cls.__name__):
            raise ValueError(f"{path} is not a saved Forecaster ({CONFIG_FILE} names no {cls.__name__})")
        if config.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path}: format version {config.get('format_version')!r} is not supported "
                             f"(this rnnkit reads version {FORMAT_VERSION})")
        try:
            forecaster = cls(**config["params"])
            forecaster._restore(config["fitted"], safetensors.torch.load_file(path / WEIGHTS_FILE))
        except (KeyError, TypeError, ValueError, RuntimeError, OSError, safetensors.SafetensorError) as e:
            raise ValueError(f"{path}: corrupt saved Forecaster ({type(e).__name__}: {e})") from e
        return forecaster

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
        targets, covariates = tuple(fitted["targets"]), tuple(fitted["covariates"])
        preprocessor = Preprocessor(scale=self.scale, impute=self.impute, mask=True,
                                    time_since=self.time_since or self.time_aware, calendar=self.calendar,
                                    time_unit="s")
        preprocessor.columns = history.columns
        for k in ("mean", "center", "scale"):
            setattr(preprocessor, f"{k}_", tensors[f"preprocessor.{k}"].numpy())
        model = self._build_model(None, None, len(targets), n_inputs=int(fitted["n_inputs"]))
        model.load_state_dict({k.removeprefix("model."): v for k, v in tensors.items()
                               if k.startswith("model.")}, strict=True)
        self.model_, self.preprocessor_ = model.eval(), preprocessor
        self.spec_ = WindowSpec(self.lookback, self.horizon, targets=targets, past_covariates=covariates)
        self.targets_, self.covariates_ = targets, covariates
        self.freq_, self.step_ = fitted["freq"], float(fitted["step"])
        self.history_ = history
        self.input_names_ = tuple(fitted["input_names"])
        self._series_output = bool(fitted["series_output"])
        self.loss_curve_, self.validation_loss_curve_ = [], []


# -- helpers ------------------------------------------------------------------------------------------------
def as_frame(data, *, time_col: str | None = None, freq: str | None = None) -> TimeSeriesFrame:
    """A pandas Series / DataFrame (DatetimeIndex or ``time_col``) or a TimeSeriesFrame as a frame, resampled
    onto ``freq`` (mean per bin, empty bins NaN) when given."""
    if isinstance(data, TimeSeriesFrame):
        frame = data
    elif isinstance(data, pd.Series | pd.DataFrame):
        frame = TimeSeriesFrame.from_pandas(data, time_col=time_col)
    else:
        raise ValueError(f"expected a pandas Series or DataFrame with a DatetimeIndex (or time_col=...), or "
                         f"a TimeSeriesFrame; got {type(data).__name__}")
    return frame if freq is None else frame.resample(freq)


def _roles(frame: TimeSeriesFrame, targets: Sequence[str] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(targets, past covariates): the named targets (default every column) and the other columns."""
    if isinstance(targets, str):
        targets = (targets,)
    targets = frame.columns if targets is None else tuple(str(t) for t in targets)
    if not targets:
        raise ValueError("targets is empty; name at least one column to forecast")
    frame.column_index(targets)  # ValueError naming unknown columns
    return targets, tuple(c for c in frame.columns if c not in targets)


def _regular_step(frame: TimeSeriesFrame) -> tuple[str | float | None, float]:
    """(frequency, step): the pandas frequency string and the median step in seconds for datetimes; the
    constant step twice for a numeric time axis; (None, 1.0) without one. ValueError for uneven steps."""
    time = frame.time
    if time is None:
        return None, 1.0
    if len(time) < 3:
        raise ValueError(f"the series has {len(time)} timestamps; at least 3 are needed to tell its "
                         "frequency")
    if isinstance(time, pd.DatetimeIndex):
        freq = time.freq.freqstr if time.freq is not None else pd.infer_freq(time)
        if freq is None:
            steps = pd.Series(np.diff(time)).value_counts()
            raise ValueError(f"the timestamps of {frame.time_name!r} are not evenly spaced (steps "
                             f"{', '.join(str(s) for s in steps.index[:3])}...), so the next timestamps "
                             "cannot be told; pass freq='h' (or 'D', 'W-SAT', 'MS'...) to fit to resample "
                             "onto a regular grid (empty bins become NaN, filled by impute=...)")
        return freq, float(np.median(np.diff(frame.elapsed(unit="s"))))
    steps = np.diff(time)
    if not np.allclose(steps, steps[0], rtol=1e-9, atol=0):
        raise ValueError(f"the numeric time column {frame.time_name!r} is not evenly spaced (steps from "
                         f"{steps.min()} to {steps.max()}); put the series on a regular grid first")
    return float(steps[0]), float(steps[0])


def infer_season_length(freq: str | float | None) -> int:
    """Steps per season for a pandas frequency: 12 monthly, 4 quarterly, 52 weekly, 7 daily, 5 business-daily,
    24 hourly (a day; ``"2h"`` -> 12), 1440 per minute; 1 yearly. ValueError when there is none."""
    if isinstance(freq, str):
        offset = pd.tseries.frequencies.to_offset(freq)
        name = offset.name.split("-")[0]  # "MS", "W", "QS", "h", "15min" -> "min"...
        base = name if name in SEASONS else name.rstrip("SE").lstrip("B")  # month start/end, business: "M"
        per_season = SEASONS.get(base)
        if per_season is not None and per_season % offset.n == 0:
            return per_season // offset.n
    raise ValueError(f"cannot infer a season length from the frequency {freq!r}; pass season_length=... "
                     "(e.g. 12 for monthly data, 24 for hourly)")


def _future_index(frame: TimeSeriesFrame, freq: str | float | None, H: int) -> pd.Index:
    if frame.time is None:
        return pd.RangeIndex(len(frame), len(frame) + H)
    if isinstance(frame.time, pd.DatetimeIndex):
        index = pd.date_range(frame.time[-1], periods=H + 1, freq=freq)[1:]
        return index.as_unit(frame.time.unit).rename(frame.time_name)
    return pd.Index(frame.time[-1] + freq * np.arange(1, H + 1), name=frame.time_name)


def _take(frame: TimeSeriesFrame, rows: range) -> TimeSeriesFrame:
    part = slice(rows.start, rows.stop)
    return TimeSeriesFrame(frame.values[part], columns=frame.columns,
                           time=None if frame.time is None else frame.time[part], time_name=frame.time_name)


def _errors(actual: np.ndarray, pred: np.ndarray, scale: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, sMAPE (%), MASE of ``pred`` against the observed entries of ``actual`` ``(H, n_y)``, each
    computed per target column and then averaged over the columns."""
    observed = ~np.isnan(actual)
    with np.errstate(invalid="ignore", divide="ignore"):
        e = np.where(observed, pred - actual, np.nan)
        mae = np.nanmean(np.abs(e), axis=0)
        denominator = np.abs(actual) + np.abs(pred)
        ratio = np.where(denominator > 0, np.abs(e) / denominator, 0.0)  # 0/0: a perfect forecast of 0
        out = {
            "mae": mae,
            "rmse": np.sqrt(np.nanmean(e**2, axis=0)),
            "smape": 200 * np.nanmean(np.where(observed, ratio, np.nan), axis=0),
            "mase": mae / scale,
        }
    return {k: float(np.mean(v)) if np.isfinite(v).all() else math.nan for k, v in out.items()}
