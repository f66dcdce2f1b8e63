"""Layers: the unroller and its compositions."""

from .compose import Bidirectional, Stacked
from .recurrent import Recurrent, reverse_padded
from .rnn import GRU, LSTM, RNN
from .zoo import LayerNormLSTM, MinGRU, MinLSTM

__all__ = [
    "GRU",
    "LSTM",
    "RNN",
    "Bidirectional",
    "LayerNormLSTM",
    "MinGRU",
    "MinLSTM",
    "Recurrent",
    "Stacked",
    "reverse_padded",
]
