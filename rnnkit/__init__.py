"""rnnkit: recurrent neural networks for sequential data.

Cells written as their equations, one unroller, torch's fused kernels as a fast path, training by
backpropagation through time, diagnostics, data loaders and tasks.

The layers load with torch alone; the estimators, training, data, diagnostics and tasks (which bring
Lightning, scikit-learn, pandas and matplotlib) load on first use.
"""

import importlib

from .cells import (
    Cell,
    ConvLSTMCell,
    ElmanCell,
    GRUCell,
    LayerNormLSTMCell,
    LSTMCell,
    LSTMState,
    MinGRUCell,
    MinLSTMCell,
    TimeAware,
    time_aware_inputs,
)
from .layers import GRU, LSTM, RNN, Bidirectional, LayerNormLSTM, MinGRU, MinLSTM, Recurrent, Stacked

__version__ = "0.1.0"

# name -> module that defines it, imported on first access (PEP 562)
_LAZY = {
    "SequenceClassifier": "rnnkit.estimators",
    "SequenceRegressor": "rnnkit.estimators",
    "SequenceTagger": "rnnkit.estimators",
    "load": "rnnkit.io",
    "save": "rnnkit.io",
    "Forecaster": "rnnkit.forecast",
    "GlobalForecaster": "rnnkit.forecast",
    "SequenceToLabel": "rnnkit.models",
    "SequenceToSequence": "rnnkit.models",
    "EncoderDecoder": "rnnkit.models",
    "LanguageModel": "rnnkit.models",
    "SequenceModule": "rnnkit.training",
    "make_trainer": "rnnkit.training",
    "NonFiniteLossError": "rnnkit.training",
    "NonFiniteGradientError": "rnnkit.training",
    "gradient_flow": "rnnkit.diagnostics",
    "saliency": "rnnkit.diagnostics",
    "get_task": "rnnkit.tasks",
    "export_onnx": "rnnkit.deploy",
    "Streamer": "rnnkit.deploy",
}
_SUBPACKAGES = (
    "cells",
    "layers",
    "kernels",
    "models",
    "training",
    "estimators",
    "forecast",
    "diagnostics",
    "data",
    "tasks",
    "compare",
    "deploy",
    "io",
    "report",
    "apps",
)


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    if name in _SUBPACKAGES:
        return importlib.import_module(f"rnnkit.{name}")
    raise AttributeError(f"module 'rnnkit' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_LAZY, *_SUBPACKAGES])


__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Bidirectional",
    "Cell",
    "ConvLSTMCell",
    "ElmanCell",
    "GRUCell",
    "LSTMCell",
    "LSTMState",
    "LayerNormLSTM",
    "LayerNormLSTMCell",
    "MinGRU",
    "MinGRUCell",
    "MinLSTM",
    "MinLSTMCell",
    "Recurrent",
    "Stacked",
    "TimeAware",
    "time_aware_inputs",
    *_LAZY,
]
