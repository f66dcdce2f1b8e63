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

With known-future inputs ``f_{T+h}`` (the ``C`` channels of the known-future covariates and the calendar
features, known over the horizon) the head is MQ-RNN's (Wen et al. 2017): the encoder's state gives one
context per horizon step, and one small MLP shared by the steps reads that context beside the step's own
future inputs::

    c_1, ..., c_H = split(W h_T + b)                                     (H, K) contexts, K = hidden_size
    ŷ_{T+h}       = [y_T +] V relu(U [c_h; f_{T+h}] + u) + v             the same local MLP for every h

Nothing is fed back, so errors do not compound over the horizon and past covariates need no forecast of
their own; the price is a fixed maximum horizon. ``relative=True`` also subtracts the window's last value
``y_T`` from the target's input channels, so the network sees and predicts changes from the last value: it
starts out near the naive forecast, and a trend can carry the forecast past the levels seen in training
(a plain standardised network saturates there).

``quantiles=(0.1, 0.5, 0.9)`` gives every target ``n_q`` outputs per step instead of one, trained on the
pinball loss (Koenker & Bassett 1978); they are sorted at prediction time: the rearrangement of
Chernozhukov et al. (2010), which never moves an estimate further from the true, increasing quantile curve
(in any Lp distance). Training itself is left unconstrained.

Shapes: ``N`` steps, ``L`` lookback, ``H`` horizon, ``n_y`` targets, ``n_q`` quantiles (1 without),
``F_x`` input channels, ``C`` known-future channels, ``K`` context size, ``B`` windows.

========================  ==================================================================================
input channels (``F_x``)  the targets, then the past covariates, then the known-future covariates (their
                          observed values over the lookback), then calendar sin/cos, scaled and imputed;
                          ``mask=True`` adds a 1/0 observed channel per column,
                          ``time_since=True`` GRU-D's δ per column (time since its previous observation, in
                          units of the series' step); ``time_aware=True`` arranges them as ``[x, m, δ]``
                          for :class:`rnnkit.TimeAware` (Che et al. 2018)
known-future (``C``)      the known-future covariates (scaled like their input channels), then calendar
                          sin/cos, over the ``H`` horizon steps
loss                      mean squared error, or the pinball loss averaged over the quantiles, over the
                          *observed* targets only: an imputed target is never a training signal
========================  ==================================================================================
"""

from __future__ import annotations

import copy
import math
import numbers
import os
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, clone
from torch import Tensor, nn

from . import io
from .cells import Cell, ElmanCell, GRUCell, LSTMCell, TimeAware
from .data.tables import date_readings
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
    calendar_features,
    rolling_origin,
    split_by_time,
)
from .models import NAMED_CELLS, SequenceToLabel
from .training import SequenceModule, seeded_fit
from .training.module import check_training_options
from .training.trainer import GeneratorState, RunIdentity, resolve_device, resume_checkpoint, run_identity

CELL_CLASSES = {"rnn": ElmanCell, "elman": ElmanCell, "lstm": LSTMCell, "gru": GRUCell}  # for TimeAware
METRICS = ("mae", "rmse", "smape", "mase")
METHODS = ("forecaster", "naive", "seasonal_naive")
# One season in steps of each base frequency: a year for months, quarters and weeks (52 weeks = 364 days),
# a week for days, a day for hours and finer steps (divided by the multiple: "2h" -> 12).
SEASONS = {"Y": 1, "A": 1, "Q": 4, "M": 12, "W": 52, "D": 7, "B": 5, "h": 24, "min": 1440, "s": 86400}


# -- the network and its loss -------------------------------------------------------------------------------
class DirectForecastNet(nn.Module):
    """All ``H`` horizon steps of the ``n_y`` targets (``n_q`` quantiles each) from one encoding of the window,
    and, with a ``local`` head, the known-future inputs of each step (see the module doc).

    ===========  ==============================================================================================
    ``x``        ``(B, L, F_x)``, the targets' channels first
    ``future``   ``(B, H, C)`` known-future inputs over the horizon; needed exactly when ``local`` is given
    ``net``      ``(B, L, F_x) -> (B, H * n_y * n_q)``; with ``local``: ``-> (B, H * K)``, a context per step
    ``local``    ``(B, H, K + C) -> (B, H, n_y * n_q)``, applied to every step alike
    returns      ``ŷ (B, H * n_y * n_q)`` (``ŷ.view(B, H, n_y, n_q)``), the encoder's final state
    ===========  ==============================================================================================
    """

    target = "label"  # one output vector per window, for SequenceModule

    def __init__(self, net: SequenceToLabel, horizon: int, n_targets: int, *, relative: bool,
                 n_quantiles: int = 1, local: nn.Module | None = None):
        super().__init__()
        self.net, self.horizon, self.n_targets, self.relative = net, horizon, n_targets, relative
        self.n_quantiles, self.local = n_quantiles, local

    def forward(self, x: Tensor, lengths: Tensor | None = None, state=None,
                future: Tensor | None = None) -> tuple[Tensor, Any]:
        B, H, n_y = x.shape[0], self.horizon, self.n_targets
        if (future is None) != (self.local is None):
            raise ValueError("DirectForecastNet: pass future (B, H, C) exactly when the net has a local head")
        if self.relative:
            level = x[:, -1, :n_y]  # (B, n_y) the window's last value of each target
            x = torch.cat([x[..., :n_y] - level[:, None], x[..., n_y:]], dim=-1)
        out, state = self.net(x, lengths, state)  # (B, H * n_y * n_q), or (B, H * K) contexts
        if self.local is not None:
            out = self.local(torch.cat([out.view(B, H, -1), future.to(out.dtype)], dim=-1))  # (B, H, n_y * n_q)
        out = out.reshape(B, H, n_y, self.n_quantiles)
        if self.relative:
            out = out + level[:, None, :, None]  # changes from the last value -> values
        return out.flatten(1), state


class ForecastBatch(NamedTuple):
    """A batch of windows as :class:`ForecastModule` reads it (``lengths`` is None: windows are full)."""

    x: Tensor  # (B, L, F_x)
    lengths: None
    y: Tensor  # (B, 2, H * n_y): targets, then their observed mask
    future: Tensor | None  # (B, H, C)


class ForecastModule(SequenceModule):
    """:class:`~rnnkit.training.SequenceModule` for :class:`DirectForecastNet`: the known-future inputs reach
    the model, and the loss counts observed targets only.

    The batch's ``y`` is ``(B, 2, H * n_y)``: the scaled targets, then their observed mask ``m`` (1 observed,
    0 imputed), so ``loss = sum(m * ℓ) / sum(m)`` with ``ℓ = (ŷ - y)²``, or with ``quantiles`` the pinball loss
    ``ℓ = mean_τ max(τ u, (τ - 1) u)``, ``u = y - ŷ_τ`` (Koenker & Bassett 1978), whose minimiser is the
    τ-quantile. The training loop itself is SequenceModule's; a window is one chunk (no truncated BPTT).
    """

    def __init__(self, model: nn.Module, *, quantiles: Sequence[float] | None = None, **options):
        super().__init__(model, task="regression", **options)
        self.quantiles = None if quantiles is None else tuple(float(q) for q in quantiles)

    def chunk_outputs(self, batch: ForecastBatch, chunk, state):
        out, state = self.model(batch.x, future=batch.future)  # (B, H * n_y * n_q)
        return out, batch.y, state

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        target, observed = y[:, 0], y[:, 1]  # (N, H * n_y) each
        out = out.float().view(*target.shape, -1)  # (N, H * n_y, n_q)
        if self.quantiles is None:
            per_target = (out[..., 0] - target) ** 2
        else:
            tau = torch.tensor(self.quantiles, device=out.device)  # (n_q,)
            u = target[..., None] - out
            per_target = torch.maximum(tau * u, (tau - 1) * u).mean(-1)
        return (per_target * observed).sum() / observed.sum().clamp_min(1.0)


def _as_batch(item: dict[str, Tensor]) -> ForecastBatch:
    """A WindowDataset batch (dict) as a ForecastBatch, the target mask packed into y."""
    y = torch.stack([item["y"].flatten(1), item["y_mask"].flatten(1)], dim=1)  # (B, 2, H * n_y)
    return ForecastBatch(item["x"], None, y, item.get("future"))


# -- the forecaster -----------------------------------------------------------------------------------------
@io.saveable("forecast")
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
        quantiles: None (default: point forecasts, squared error) or strictly increasing levels in (0, 1)
            that include 0.5, e.g. ``(0.1, 0.5, 0.9)``: train on the pinball loss and predict these quantiles
            (sorted, so they never cross); the median is the point forecast of :meth:`backtest`.
        validation_fraction: the last fraction of the series held out for ``val_loss`` (0: none);
            early_stopping_patience needs it.
        random_state: seeds initialisation and shuffling (the caller's torch RNG is left untouched).
        device: ``"auto"``, ``"cpu"`` or ``"cuda"``. verbose: Lightning's progress bar and summary.
        log_dir: CSV and TensorBoard logs and a checkpoint at the end of every epoch there
            (``log_dir/checkpoints/last.ckpt``), from which ``fit(..., resume=True)`` continues.

    Fitted attributes: ``model_``, ``preprocessor_``, ``spec_`` (the WindowSpec), ``targets_``,
    ``covariates_`` (the past covariates), ``future_covariates_``, ``freq_`` (the pandas frequency, or the
    numeric step), ``history_`` (the fitted series, as a TimeSeriesFrame, the default start of
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
        preprocessor = Preprocessor(scale=self.scale, impute=self.impute, mask=True,
                                    time_since=self.time_since or self.time_aware, calendar=self.calendar,
                                    time_unit="s").fit(frame, train_rows)
        features = self._channels(preprocessor.transform(frame, spec), frame, step)
        train = WindowDataset(features, spec, rows=train_rows)
        val = None if val_rows is None else WindowDataset(features, spec, rows=val_rows)

        seed = int(np.random.default_rng(self.random_state).integers(2**31 - 1))
        if resume and not isinstance(self.random_state, numbers.Integral):
            raise ValueError(f"Forecaster.fit: resume=True needs an int random_state (got {self.random_state!r}), "
                             "so that the resumed fit shuffles as the interrupted one did")
        series = [np.ascontiguousarray(frame.values)]
        if frame.time is not None:
            series.append(frame.time.asi8 if isinstance(frame.time, pd.DatetimeIndex)
                          else np.asarray(frame.time, dtype=np.float64))
        identity = run_identity(self.get_params(deep=False) | {"targets": targets, "future_covariates": future},
                                seed, *(torch.from_numpy(np.array(a)) for a in series))
        checkpoint = resume_checkpoint(self.log_dir, identity, "Forecaster.fit") if resume else None
        generator = torch.Generator().manual_seed(seed)
        train_loader = train.loader(self.batch_size, shuffle=True, generator=generator, collate_fn=_as_batch)
        val_loader = None if val is None else val.loader(self.batch_size, collate_fn=_as_batch)
        n_targets, n_future = len(targets), len(features.future_names)
        build = lambda: ForecastModule(self._build_model(features, train_rows, n_targets, n_future),
                                       quantiles=self.quantiles, lr=self.lr, weight_decay=self.weight_decay,
                                       clip_grad_norm=self.clip_grad_norm)
        # The shuffles come from `generator`, epoch after epoch: its state goes into the checkpoints.
        module = seeded_fit(build, train_loader, val_loader, seed=seed, max_epochs=self.max_epochs,
                            device=self.device, verbose=self.verbose, log_dir=self.log_dir,
                            early_stopping_patience=self.early_stopping_patience,
                            callbacks=[RunIdentity(identity), GeneratorState(generator)],
                            ckpt_path=checkpoint).module
        model = module.model

        self.model_ = model.eval()
        self.preprocessor_, self.spec_ = preprocessor, spec
        self.targets_, self.covariates_, self.future_covariates_ = targets, covariates, future
        self.freq_, self.step_ = freq, step
        self.history_ = frame
        self.input_names_, self.future_names_ = features.input_names, features.future_names
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
        q = self.quantiles
        if q is not None and (isinstance(q, str) or not all(isinstance(v, numbers.Real) and 0 < v < 1 for v in q)
                              or list(q) != sorted(set(q)) or 0.5 not in q):
            raise ValueError(f"Forecaster: quantiles must be None or strictly increasing levels in (0, 1) "
                             f"that include the median 0.5, e.g. (0.1, 0.5, 0.9); got {q!r}")
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

    def _build_model(self, features: SeriesFeatures | None, train_rows: range | None, n_targets: int,
                     n_future: int, n_inputs: int | None = None) -> DirectForecastNet:
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
        n_q = 1 if self.quantiles is None else len(self.quantiles)
        K, local = self.hidden_size, None  # the context of each horizon step is as wide as the state
        if n_future:
            local = nn.Sequential(nn.Linear(K + n_future, K), nn.ReLU(), nn.Linear(K, n_targets * n_q))
        net = SequenceToLabel(n_inputs, self.hidden_size, self.horizon * (K if n_future else n_targets * n_q),
                              cell=cell, num_layers=self.num_layers, dropout=self.dropout)
        return DirectForecastNet(net, self.horizon, n_targets, relative=self.relative, n_quantiles=n_q,
                                 local=local)

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
        if not self.future_names_:
            return None
        index = _future_index(frame, self.freq_, self.horizon)
        out = np.zeros((self.horizon, len(self.future_names_)), np.float32)
        n_f, p = len(self.future_covariates_), self.preprocessor_
        if n_f:
            raw = _known_future(future, index[:H], self.future_covariates_, step=self.step_)  # (H, n_f)
            idx = [p.columns.index(c) for c in self.future_covariates_]
            out[:H, :n_f] = (raw - p.center_[idx]) / p.scale_[idx]
        if self.calendar:
            out[:, n_f:] = calendar_features(index, self.calendar)[0]
        return out

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
        return self._channels(self.preprocessor_.transform(frame, self.spec_), frame, self.step_)

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
        frame = as_frame(data, time_col=time_col, freq=freq)
        targets, _, future = _roles(frame, targets, future_covariates)
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
            model = clone(self)._fit_frame(past, targets, future, series_output=False)
            known = pd.DataFrame(frame.values[test_rows.start : test_rows.stop], columns=frame.columns,
                                 index=_future_index(past, freq_, H)) if future else None
            history = pd.DataFrame(past.values[:, idx]).ffill().bfill().to_numpy()  # (T, n_y), gaps filled
            median = 0 if self.quantiles is None else list(self.quantiles).index(0.5)
            preds = {
                "forecaster": model._predict_frame(past, H, known)[..., median],  # (H, n_y)
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
        if isinstance(getattr(data, "index", None), pd.PeriodIndex) and time_col is None and freq is None:
            errors.index = errors.index.to_period(data.index.freqstr)  # periods in, periods out, as predict
        elif frame.time is not None and not isinstance(frame.time, pd.DatetimeIndex):
            errors.index = _numeric_index(errors.index.to_numpy(np.float64), frame).rename("origin")
        errors.columns = pd.MultiIndex.from_tuples(errors.columns, names=["metric", "method"])
        errors = errors[[(metric, method) for metric in METRICS for method in METHODS]]
        return (errors, pd.concat(forecasts)) if return_forecasts else errors

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
        h, p = self.history_, self.preprocessor_
        time_kind = ("none" if h.time is None else
                     "datetime" if isinstance(h.time, pd.DatetimeIndex) else "number")
        fitted = {
            "targets": list(self.targets_), "covariates": list(self.covariates_),
            "future_covariates": list(self.future_covariates_), "future_names": list(self.future_names_),
            "columns": list(h.columns), "time_name": h.time_name, "time_kind": time_kind,
            "time_zone": None if time_kind != "datetime" or h.time.tz is None else str(h.time.tz),
            "time_unit": h.time.unit if time_kind == "datetime" else None,
            "freq": self.freq_ if isinstance(self.freq_, str | None) else float(self.freq_),
            "period": getattr(self, "period_", None),
            "step": float(self.step_), "series_output": bool(self._series_output),
            "n_inputs": len(self.input_names_), "input_names": list(self.input_names_),
        }
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        tensors |= {f"preprocessor.{k}": torch.from_numpy(np.ascontiguousarray(getattr(p, f"{k}_")))
                    for k in ("mean", "center", "scale")}
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
        targets, covariates = tuple(fitted["targets"]), tuple(fitted["covariates"])
        # A model saved before known-future inputs existed (rnnkit 0.1.0 without them) has neither key.
        future, future_names = tuple(fitted.get("future_covariates", ())), tuple(fitted.get("future_names", ()))
        preprocessor = Preprocessor(scale=self.scale, impute=self.impute, mask=True,
                                    time_since=self.time_since or self.time_aware, calendar=self.calendar,
                                    time_unit="s")
        preprocessor.columns = history.columns
        for k in ("mean", "center", "scale"):
            setattr(preprocessor, f"{k}_", tensors[f"preprocessor.{k}"].numpy())
        model = self._build_model(None, None, len(targets), len(future_names), n_inputs=int(fitted["n_inputs"]))
        model.load_state_dict({k.removeprefix("model."): v for k, v in tensors.items()
                               if k.startswith("model.")}, strict=True)
        self.model_, self.preprocessor_ = model.eval(), preprocessor
        self.spec_ = WindowSpec(self.lookback, self.horizon, targets=targets, past_covariates=covariates,
                                future_covariates=future)
        self.targets_, self.covariates_, self.future_covariates_ = targets, covariates, future
        self.freq_, self.step_ = fitted["freq"], float(fitted["step"])
        self.period_ = fitted.get("period")  # absent from models saved before periods were given back
        self.history_ = history
        self.input_names_, self.future_names_ = tuple(fitted["input_names"]), future_names
        self._series_output = bool(fitted["series_output"])
        self.loss_curve_, self.validation_loss_curve_ = [], []


# -- helpers ------------------------------------------------------------------------------------------------
def as_frame(data, *, time_col: str | None = None, freq: str | None = None) -> TimeSeriesFrame:
    """A pandas Series / DataFrame (DatetimeIndex or ``time_col``) or a TimeSeriesFrame as a frame, resampled
    onto ``freq`` (mean per bin, empty bins NaN) when given.

    An index of date strings (a CSV read without ``parse_dates``) is read as dates, as ``read_sequences``
    reads a time column: ISO 8601, or another format when only one reading fits; an index of other text, or
    of dates that read both day-first and month-first, is refused rather than dropped. Infinite values are
    refused, naming the column and the row (NaN is a missing value)."""
    if isinstance(data, TimeSeriesFrame):
        frame = data
    elif isinstance(data, pd.Series | pd.DataFrame):
        if time_col is None:
            data = _dated_index(data)
        frame = TimeSeriesFrame.from_pandas(data, time_col=time_col)
    else:
        raise ValueError(f"expected a pandas Series or DataFrame with a DatetimeIndex (or time_col=...), or "
                         f"a TimeSeriesFrame; got {type(data).__name__}")
    inf = np.argwhere(np.isinf(frame.values))
    if len(inf):
        i, j = inf[0]
        when = f"row {i}" + ("" if frame.time is None else f" ({frame.time[i]})")
        raise ValueError(f"column {frame.columns[j]!r} is infinite at {when} ({len(inf)} infinite values in all); "
                         f"replace them with finite values, or with NaN to mark them missing (see impute=)")
    return frame if freq is None else frame.resample(freq)


def _dated_index(data: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """``data`` with its index of date strings parsed as dates; ValueError for an index of other text."""
    index = data.index
    if isinstance(index, pd.MultiIndex) or not (pd.api.types.is_object_dtype(index)
                                                or pd.api.types.is_string_dtype(index)):
        return data
    values = index.tolist()
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
        return data.set_axis(pd.Index(np.asarray(values), name=index.name), axis=0)  # numbers: a numeric axis
    if not all(isinstance(v, str) for v in values):
        if all(isinstance(v, pd.Timestamp) for v in values):
            zones = sorted({str(v.tz) for v in values})
            if len(zones) > 1:
                raise ValueError(f"the index holds timestamps in several time zones ({', '.join(zones)}); "
                                 f"convert them to one (pd.to_datetime(index, utc=True))")
            return data.set_axis(pd.DatetimeIndex(values, name=index.name), axis=0)
        kinds = sorted({type(v).__name__ for v in values})
        raise ValueError(f"the index mixes values of types {kinds}; give a DatetimeIndex, a numeric index, or "
                         f"drop it (data.reset_index(drop=True)) to forecast by step")
    readings = date_readings(pd.Series(index).astype(str))
    if len(readings) == 1:
        return data.set_axis(readings[0][1].rename(index.name), axis=0)
    fix = ("pass a DatetimeIndex (pd.to_datetime(index, format=...)), write ISO dates (YYYY-MM-DD), or drop "
           "the index (data.reset_index(drop=True)) to forecast by step")
    if len(readings) > 1:
        raise ValueError(f"the index holds dates that read two ways ({' or '.join(f for f, _ in readings)}: "
                         f"{index[0]!r} is either); {fix}")
    raise ValueError(f"the index holds text that is not dates in one format ({index[0]!r}, ...); {fix}")


def _roles(frame: TimeSeriesFrame, targets: Sequence[str] | None, future_covariates: Sequence[str] | None,
           ) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(targets, past covariates, known-future covariates): the named targets (default every column that is
    not a known-future covariate), the other columns, and the named known-future covariates."""
    as_names = lambda names: (names,) if isinstance(names, str) else tuple(str(c) for c in names)
    future = () if future_covariates is None else as_names(future_covariates)
    targets = tuple(c for c in frame.columns if c not in future) if targets is None else as_names(targets)
    if not targets:
        raise ValueError("targets is empty; name at least one column to forecast")
    frame.column_index(targets)  # ValueError naming unknown columns
    unknown = [c for c in future if c not in frame.columns]
    if unknown:
        raise ValueError(f"future_covariates names columns {unknown} that the data lacks; its columns are "
                         f"{list(frame.columns)} (a known-future covariate needs its past values too)")
    both = [c for c in future if c in targets]
    if both:
        raise ValueError(f"columns {both} are both targets and known-future covariates; a target's future is "
                         "what is forecast, so give each column one role")
    return targets, tuple(c for c in frame.columns if c not in targets + future), future


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
    return _numeric_index(frame.time[-1] + freq * np.arange(1, H + 1), frame)


def _numeric_index(times: np.ndarray, frame: TimeSeriesFrame) -> pd.Index:
    """Times on a numeric axis as an index: integers when the series' times are all whole numbers (years
    1950, 1951, ...: a numeric time axis is float64 inside the frame), else floats."""
    whole = np.all(frame.time == np.round(frame.time)) and np.all(times == np.round(times))
    return pd.Index(times.astype(np.int64) if whole else times, name=frame.time_name)


def _take(frame: TimeSeriesFrame, rows: range) -> TimeSeriesFrame:
    part = slice(rows.start, rows.stop)
    return TimeSeriesFrame(frame.values[part], columns=frame.columns,
                           time=None if frame.time is None else frame.time[part], time_name=frame.time_name)


def _known_future(future, index: pd.Index, columns: tuple[str, ...], *, step: float) -> np.ndarray:
    """``(len(index), len(columns))`` float64: the known-future covariates at the forecast timestamps
    ``index``, from a DataFrame (or a named Series) indexed by timestamps; ValueError saying what is missing.
    Numeric time axes match to within 1e-6 of a ``step``."""
    span = f"{index[0]} .. {index[-1]}" if len(index) > 1 else f"{index[0]}"
    if future is None:
        raise ValueError(f"this Forecaster reads the known-future covariates {list(columns)} over the horizon: "
                         f"pass predict(future=df) with df indexed by the forecast timestamps {span} and "
                         f"columns {list(columns)}")
    if isinstance(future, pd.Series):
        future = future.to_frame()
    if not isinstance(future, pd.DataFrame):
        raise ValueError(f"future must be a pandas DataFrame indexed by the forecast timestamps, got "
                         f"{type(future).__name__}")
    future = future.set_axis([str(c) for c in future.columns], axis=1)
    missing = [c for c in columns if c not in future.columns]
    if missing:
        raise ValueError(f"future lacks the known-future covariates {missing} (its columns are "
                         f"{list(future.columns)}); it needs {list(columns)} at the timestamps {span}")
    for c in columns:
        dtype = future[c].dtype
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            raise ValueError(f"future column {c!r} has dtype {dtype}; expected numbers: convert it with "
                             f"pd.to_numeric(future[{c!r}])")
    if not future.index.is_unique:
        raise ValueError("future has duplicate timestamps in its index; give one row per timestamp")
    have = future.index
    if isinstance(index, pd.DatetimeIndex):
        if pd.api.types.is_numeric_dtype(have.dtype):  # row numbers would read as nanoseconds since 1970
            raise ValueError(f"future must be indexed by the forecast timestamps {span}; its index holds "
                             f"{have.dtype} numbers, not timestamps")
        try:
            have = have.to_timestamp() if isinstance(have, pd.PeriodIndex) else pd.DatetimeIndex(have)
        except (TypeError, ValueError) as e:
            raise ValueError(f"future must be indexed by the forecast timestamps {span}; its index cannot be "
                             f"read as datetimes ({e})") from None
        if index.tz is not None and have.tz is None:
            have = have.tz_localize(index.tz)
        elif index.tz is None and have.tz is not None:
            raise ValueError(f"future's index is in time zone {have.tz}, but the series has none; drop it "
                             "with future.tz_localize(None)")
        rows = have.get_indexer(index)
    else:
        try:
            have = np.asarray(have, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"future must be indexed by the forecast's row numbers or times {span}; its index "
                             f"has dtype {future.index.dtype}") from None
        order = np.argsort(have)
        near = pd.Index(have[order]).get_indexer(np.asarray(index, np.float64), method="nearest",
                                                 tolerance=1e-6 * step)
        rows = np.where(near >= 0, order[near], -1)
    if (rows < 0).any():
        absent = [str(t) for t in index[rows < 0]]
        raise ValueError(f"future has no row for {len(absent)} of the {len(index)} forecast timestamps "
                         f"({', '.join(absent[:3])}{', ...' if len(absent) > 3 else ''}); it needs one row per "
                         f"timestamp {span}")
    values = future[list(columns)].to_numpy(dtype=np.float64, na_value=np.nan)[rows]  # (H, n_f)
    if np.isnan(values).any():
        i, j = np.argwhere(np.isnan(values))[0]
        raise ValueError(f"future column {columns[j]!r} is missing (NaN) at {index[i]}: a known-future "
                         "covariate must be known at every forecast timestamp; fill it in")
    return values


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
