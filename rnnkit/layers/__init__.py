"""Layers: the unroller and its compositions."""

from .compose import Bidirectional, Stacked
from .recurrent import Recurrent, reverse_padded
from .rnn import GRU, LSTM, RNN

__all__ = ["GRU", "LSTM", "RNN", "Bidirectional", "Recurrent", "Stacked", "reverse_padded"]
