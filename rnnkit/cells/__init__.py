"""Recurrent cells: one time step each, the body written as the equation in its docstring."""

from .base import AffineCell, Cell, LSTMState, State
from .convlstm import ConvLSTMCell
from .elman import ElmanCell
from .gru import GRUCell
from .layernorm_lstm import LayerNormLSTMCell
from .lstm import LSTMCell
from .minimal import MinGRUCell, MinLSTMCell
from .time_aware import TimeAware, time_aware_inputs

__all__ = [
    "AffineCell",
    "Cell",
    "ConvLSTMCell",
    "ElmanCell",
    "GRUCell",
    "LSTMCell",
    "LSTMState",
    "LayerNormLSTMCell",
    "MinGRUCell",
    "MinLSTMCell",
    "State",
    "TimeAware",
    "time_aware_inputs",
]
