"""Diagnostics: look inside a recurrent network.

- :func:`gradient_flow` — ``‖∂L/∂h_t‖`` over time per layer and direction: the vanishing gradient, measured;
- :func:`gate_statistics` — LSTM/GRU (and layer-normalised LSTM) gate activations and how saturated they are;
- :func:`hidden_states` — every state over time, for heatmaps;
- :func:`saliency` — gradient × input per step of a trained model, in eval mode, on any device.

Each accepts an rnnkit layer, any module containing one, or an estimator (the :class:`Diagnosable` protocol in
:mod:`rnnkit.diagnostics.probe`), and returns a result object with a ``plot()`` method that returns a
matplotlib ``Figure`` (made without pyplot, so it works headless and leaves pyplot's state alone).
"""

from .gradients import GradientFlow, default_loss, gradient_flow
from .probe import Diagnosable, named_directions
from .saliency import Saliency, saliency
from .states import GateStatistics, HiddenStates, gate_statistics, hidden_states

__all__ = [
    "Diagnosable",
    "GateStatistics",
    "GradientFlow",
    "HiddenStates",
    "Saliency",
    "default_loss",
    "gate_statistics",
    "gradient_flow",
    "hidden_states",
    "named_directions",
    "saliency",
]
