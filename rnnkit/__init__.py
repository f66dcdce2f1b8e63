"""rnnkit: recurrent neural networks for sequential data.

Cells written as their equations, one unroller, torch's fused kernels as a fast path, training by
backpropagation through time, diagnostics, data loaders and tasks.
"""

from .cells import Cell, ElmanCell, GRUCell, LSTMCell, LSTMState, TimeAware, time_aware_inputs
from .layers import GRU, LSTM, RNN, Bidirectional, Recurrent, Stacked

__version__ = "0.1.0"

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Bidirectional",
    "Cell",
    "ElmanCell",
    "GRUCell",
    "LSTMCell",
    "LSTMState",
    "Recurrent",
    "Stacked",
    "TimeAware",
    "time_aware_inputs",
]
