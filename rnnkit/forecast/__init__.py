"""Forecast a time series with a recurrent encoder: fit, predict the next steps, backtest against baselines.

:class:`Forecaster` is the time-series layer of rnnkit put to work. ``fit`` frames a pandas series
(:class:`~rnnkit.data.timeseries.TimeSeriesFrame`), fits a :class:`~rnnkit.data.timeseries.Preprocessor` on
the training rows only, cuts windows (:class:`~rnnkit.data.timeseries.WindowDataset`) and trains a
:class:`~rnnkit.models.SequenceToLabel` with Lightning through :class:`~rnnkit.training.SequenceModule`.

**Model: direct multi-output** (Taieb et al. 2012's "MIMO" strategy). The encoder reads the ``L`` lookback
steps; one affine head maps its final hidden state to all ``H`` horizon steps of every target at once::

    h_T          = rnn(x_{T-L+1}, ..., x_T)                              encoder, any cell
    ŷ_{T+1..T+H} = y_T + W h_T + c      (relative=True)                  (H * n_y) outputs
    ŷ_{T+1..T+H} =       W h_T + c      (relative=False)

This net is ``model="direct"``; the default ``model="auto"`` averages the best of it, the hybrid net and three
classical forecasts on validation origins of the training rows (:mod:`.combination`).
``relative="auto"`` (the default) chooses between them by a stationarity check of the training series;
``lookback`` and ``season_length`` choose from the data too (:mod:`.defaults`); the choices are recorded on
the fitted model (``relative_``, ``lookback_``, ``season_length_``, with their reasons in ``choices_``).

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

The package in parts, in the order a reader meets them:

=================  ========================================================================================
``series``         a pandas series as a TimeSeriesFrame (:func:`as_frame`), its regular step, the role of each
                   column, the timestamps after its end, the known-future covariates at those timestamps
``features``       :class:`ForecastFeatures`: the input channels by role, their layout, their state
``net``            :class:`DirectForecastNet` (the model above); ``module``: :class:`ForecastModule` (its loss;
                   a LightningModule, imported on first use)
``hybrid``         the hybrid model's exponential smoothing per series: the deseasonalised series relative to
                   its level, and back (ES-RNN's decomposition, Smyl 2020)
``combination``    the default ``model="auto"``: the classical candidates (naive, drift, damped-trend ETS), the
                   validation origins, the choice of an equal-weight mean, the conformal band
``evaluation``     the naive and seasonal-naive baselines, the metrics, the rolling-origin :func:`backtest`
``defaults``       the rules that choose the season length, the lookback and ``relative`` from the data
``forecaster``     :class:`Forecaster`, the estimator that puts them together (fit, predict, save, load)
``panel``          :class:`GlobalForecaster`: one model over many series (a long frame with a series id),
                   per-series scaling, quantiles, known-future covariates
``sktime``         ``RnnkitForecaster``, the Forecaster as an sktime forecaster (imported on its own: it needs
                   sktime)
=================  ========================================================================================
"""

from .._lazy import lazy_names
from .evaluation import METHODS, METRICS, SEASONS, backtest, errors, infer_season_length, naive, seasonal_naive
from .features import ForecastFeatures
from .forecaster import Forecaster
from .net import DirectForecastNet, ForecastBatch
from .panel import MODELS, GlobalForecaster
from .series import _future_index as _future_index  # the time-axis helpers, for tests of the index
from .series import _regular_step as _regular_step
from .series import as_frame

# A LightningModule: imported on first use, so that `import rnnkit.forecast` does not load Lightning.
__getattr__, __dir__ = lazy_names(__name__, {"ForecastModule": "module"}, globals())

__all__ = [
    "METHODS",
    "MODELS",
    "METRICS",
    "SEASONS",
    "DirectForecastNet",
    "ForecastBatch",
    "ForecastFeatures",
    "ForecastModule",
    "Forecaster",
    "GlobalForecaster",
    "as_frame",
    "backtest",
    "errors",
    "infer_season_length",
    "naive",
    "seasonal_naive",
]
