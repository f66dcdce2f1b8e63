"""Hidden-state trajectories and gate saturation, recomputed from the traced states.

A gate that sits near 0 or 1 (a sigmoid below 0.1 or above 0.9; a tanh beyond ±0.9) has a derivative near 0:
it passes almost no gradient, so saturated gates make a network hard to train, while a forget gate saturated
*open* (f ≈ 1) is exactly how an LSTM keeps a memory (Hochreiter & Schmidhuber 1997; Karpathy et al. 2015,
"Visualizing and understanding recurrent networks", for the statistics shown here).

The gates are not returned by the step (a cell returns ``(y, state)`` only); they are recomputed from the
traced states by the cell's own ``gates`` method, the one its step calls, on all steps at once:

    xw = cell.project(x)                    # (B, T, G), the layer's input (reversed for a reversed layer)
    gates = cell.gates(xw, state_{k-1})     # batch and time flattened: (B * T, G) and (B * T, H) per field
    Elman (tanh, no gates): h_k itself is the tanh unit
    TimeAware(cell) (GRU-D): the inner cell's gates on the decayed state gamma_h * h_{k-1}, as its step feeds
    them (TimeAware.gates); its project holds the imputed input and gamma_h

The pass runs in eval mode (no dropout), so ``state_{k-1}`` is exactly the traced state the step was fed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from matplotlib.figure import Figure
from torch import Tensor

from ..cells import ElmanCell, GRUCell, LayerNormLSTMCell, LSTMCell, TimeAware
from ..cells.base import hidden_of, map_state, state_fields
from ..checks import is_finite_number, is_number_text
from ..layers import reverse_padded
from .probe import check_sample, instrumented, masked_mean, resolve, valid_steps

# gate name -> its nonlinearity, per cell type, in the cell's gate order (the keys of its ``gates``)
GATES = {
    LSTMCell: {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"},
    LayerNormLSTMCell: {"i": "sigmoid", "f": "sigmoid", "g": "tanh", "o": "sigmoid"},
    GRUCell: {"r": "sigmoid", "z": "sigmoid", "n": "tanh"},
    ElmanCell: {"h": "tanh"},
}


@dataclass(repr=False, eq=False)
class HiddenStates:
    """Result of :func:`hidden_states`: ``states[name][field]`` is ``(B, T, H)`` in time order (a reversed
    direction's state at ``t`` is the one after reading ``x_t``), NaN at padded steps. Fields are the cell's
    state fields (``h``; ``h`` and ``c`` for an LSTM)."""

    states: dict[str, dict[str, np.ndarray]]

    @property
    def h(self) -> dict[str, np.ndarray]:
        """The hidden outputs only: ``{name: (B, T, H)}``."""
        return {name: fields["h"] for name, fields in self.states.items()}

    def __repr__(self) -> str:
        shapes = ", ".join(f"{n}: {tuple(f['h'].shape)}" for n, f in self.states.items())
        return f"HiddenStates({shapes})"

    def plot(self, sample: int = 0, field: str = "h") -> Figure:
        """Heatmap of one sequence's state over time, units × time, one panel per direction."""
        names = [n for n in self.states if field in self.states[n]]
        if not names:
            fields = sorted({f for fields in self.states.values() for f in fields})
            raise ValueError(f"HiddenStates.plot: no direction has a state field {field!r}; its fields are {fields}")
        check_sample(sample, next(iter(self.states.values()))["h"].shape[0], "HiddenStates.plot")
        fig = Figure(figsize=(7.0, 2.2 * len(names) + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(len(names), 1, squeeze=False)[:, 0])
        for ax, name in zip(axes, names, strict=True):
            values = self.states[name][field][sample].T  # (H, T)
            limit = np.nanmax(np.abs(values)) or 1.0
            image = ax.imshow(values, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit,
                              interpolation="nearest")
            ax.set_title(f"{name}: {field}_t of sequence {sample}")
            ax.set_ylabel("unit")
            fig.colorbar(image, ax=ax)
        axes[-1].set_xlabel("time t")
        return fig


@dataclass(repr=False, eq=False)
class GateStatistics:
    """Result of :func:`gate_statistics`, keyed by direction name then gate name.

    ==================  ====================================================================================
    ``saturation``      fraction of saturated activations over all valid steps, sequences and units
    ``low``, ``high``   for sigmoid gates: fraction ``< 1 - threshold`` (closed) and ``> threshold`` (open);
                        for tanh: ``< -threshold`` and ``> threshold``
    ``mean``            mean activation
    ``activations``     ``(B, T, H)`` in time order, NaN at padded steps
    ==================  ====================================================================================
    """

    saturation: dict[str, dict[str, float]]
    low: dict[str, dict[str, float]]
    high: dict[str, dict[str, float]]
    mean: dict[str, dict[str, float]]
    activations: dict[str, dict[str, np.ndarray]]
    threshold: float

    def frame(self) -> pd.DataFrame:
        """One row per (direction, gate): ``saturated``, ``low``, ``high``, ``mean``."""
        rows = [
            {"direction": name, "gate": gate, "saturated": frac, "low": self.low[name][gate],
             "high": self.high[name][gate], "mean": self.mean[name][gate]}
            for name, gates in self.saturation.items()
            for gate, frac in gates.items()
        ]
        return pd.DataFrame(rows).set_index(["direction", "gate"])

    def __repr__(self) -> str:
        return f"GateStatistics(threshold={self.threshold})\n{self.frame().round(3)}"

    def plot(self) -> Figure:
        """Bars of the saturated fraction per gate, one group per direction, split into low (hatched) and
        high."""
        names = list(self.saturation)
        fig = Figure(figsize=(max(4.0, 1.8 * len(names) + 1.5), 3.6), layout="constrained")
        ax = fig.subplots()
        gates = list(dict.fromkeys(g for n in names for g in self.saturation[n]))
        width = 0.8 / len(gates)
        for j, gate in enumerate(gates):
            xs = [i + (j - (len(gates) - 1) / 2) * width for i, n in enumerate(names) if gate in self.low[n]]
            low = [self.low[n][gate] for n in names if gate in self.low[n]]
            high = [self.high[n][gate] for n in names if gate in self.high[n]]
            bars = ax.bar(xs, low, width, hatch="//", edgecolor="white", label=f"{gate} low")
            ax.bar(xs, high, width, bottom=low, color=bars.patches[0].get_facecolor(), label=f"{gate} high")
        ax.set_xticks(range(len(names)), names)
        tallest = max(max(g.values()) for g in self.saturation.values())
        ax.set_ylim(0, min(1.0, max(0.05, 1.2 * tallest)))
        ax.set_ylabel(f"fraction saturated (threshold {self.threshold})")
        ax.set_title("gate saturation")
        ax.legend(ncols=2, fontsize="small")
        return fig


def hidden_states(model, X, *, lengths=None, times=None) -> HiddenStates:
    """Every direction's state after every step on inputs ``X (B, T, F)``, in time order.

    ``model``: an rnnkit layer, a module containing one, or an estimator (see
    :mod:`rnnkit.diagnostics.probe`); ``times``: X's sample times for an estimator fitted with them. Runs once
    in eval mode on the reference backend, without gradients; the module is restored afterwards."""
    probe = resolve(model, X, lengths=lengths, times=times, who="hidden_states")
    with instrumented(probe.module) as recording, torch.no_grad():
        probe.forward()
    recording.check()
    states = {}
    for name, run in recording.runs.items():
        fields = run.layer.state_fields
        per_field = zip(*map(state_fields, run.trace), strict=True)  # each: T tensors (B, H)
        stacked = [torch.stack(f, dim=1) for f in per_field]  # (B, T, H)
        states[name] = {f: _time_order(s, run) for f, s in zip(fields, stacked, strict=True)}
    return HiddenStates(states)


def gate_statistics(model, X, *, lengths=None, times=None, threshold: float = 0.9) -> GateStatistics:
    """Gate activations and the fraction saturated, per gate and direction, on inputs ``X (B, T, F)``.

    A sigmoid gate is saturated when ``< 1 - threshold`` or ``> threshold``, a tanh one when
    ``|.| > threshold``. LSTM and layer-normalised LSTM (``i, f, g, o``), GRU (``r, z, n``) and tanh Elman
    (``h``) directions are reported, also wrapped in a ``TimeAware`` cell (GRU-D: the inner cell's gates, fed the
    decayed state); others are skipped. Gates are recomputed from the traced states by the cell's ``gates`` (see
    the module docstring)."""
    if not (is_finite_number(threshold) and 0.5 < threshold < 1.0):
        raise ValueError(f"gate_statistics: threshold must be a number in (0.5, 1), got {threshold!r}; "
                         f"{_threshold_fix(threshold)}")
    probe = resolve(model, X, lengths=lengths, times=times, who="gate_statistics")
    with instrumented(probe.module) as recording, torch.no_grad():
        probe.forward()
    recording.check()
    result = {key: {} for key in ("saturation", "low", "high", "mean", "activations")}
    for name, run in recording.runs.items():
        gates = _recompute_gates(run)
        if gates is None:
            continue
        valid = valid_steps(*run.x.shape[:2], run.lengths).cpu().numpy()[..., None]  # (B, T, 1)
        valid = np.broadcast_to(valid, next(iter(gates.values())).shape).reshape(-1)
        mean = lambda values: float(masked_mean(values.reshape(-1), valid))
        for key in result:
            result[key][name] = {}
        for gate, a in gates.items():
            a = _time_order(a, run)
            if GATES[type(_gated(run.layer.cell))][gate] == "sigmoid":
                low, high = a < 1 - threshold, a > threshold
            else:
                low, high = a < -threshold, a > threshold
            result["low"][name][gate], result["high"][name][gate] = mean(low), mean(high)
            result["saturation"][name][gate] = mean(low | high)
            result["mean"][name][gate] = mean(np.nan_to_num(a))
            result["activations"][name][gate] = a
    if not result["saturation"]:
        cells = {name: _cell_name(run.layer.cell) for name, run in recording.runs.items()}
        raise ValueError(f"gate_statistics: no LSTM, GRU or tanh Elman direction in the model (its directions' cells: "
                         f"{cells}), so there are no gates to report; look at its states with hidden_states(model, X)")
    return GateStatistics(**result, threshold=threshold)


def _threshold_fix(threshold) -> str:
    """The way on for a saturation ``threshold`` outside ``(0.5, 1)``: text as the number, a percentage as the
    fraction, the tail's width (0.1 for "within 0.1 of the ends") as ``1 - threshold``."""
    if isinstance(threshold, str) and is_number_text(threshold):
        value = float(threshold)
        if 0.5 < value < 1:
            return f"threshold is text: give the number, threshold={value!r}"
        threshold = value
    if is_finite_number(threshold) and 50 < threshold < 100:
        return f"a percentage? give the fraction, threshold={threshold / 100:g}"
    if is_finite_number(threshold) and 0 < threshold < 0.5:
        return (f"a gate counts as saturated above threshold (and a sigmoid one below 1 - threshold), so "
                f"{threshold:g} or less counts nearly every value; for a tail of width {threshold:g} at each end give "
                f"threshold={1 - threshold:g}")
    if is_finite_number(threshold) and threshold in (1, 100):
        return "no gate's value passes 1, so none would count as saturated: give e.g. threshold=0.99"
    return "give e.g. threshold=0.9 (the default: a sigmoid gate below 0.1 or above 0.9 counts as saturated)"


@torch.no_grad()
def _recompute_gates(run) -> dict[str, Tensor] | None:
    """The gate activations of every processed step, ``{gate: (B, T, H)}`` in processing order."""
    cell = run.layer.cell
    inner = _gated(cell)
    if type(inner) not in GATES or (isinstance(inner, ElmanCell) and inner.nonlinearity != "tanh"):
        return None
    if isinstance(inner, ElmanCell):  # no gates: h_k itself is the tanh unit (decayed h_{k-1} or not)
        return {"h": torch.stack([hidden_of(s) for s in run.trace], dim=1)}
    x = reverse_padded(run.x, run.lengths) if run.layer.reverse else run.x
    xw = cell.project(x)  # (B, T, G)
    B, T = xw.shape[:2]
    # the state each step k was fed, all steps as one batch: each field (B * T, H)
    fed = map_state(lambda *steps: torch.stack(steps, dim=1).flatten(0, 1), run.state0, *run.trace[:-1])
    gates = cell.gates(xw.flatten(0, 1), fed)  # {gate: (B * T, H)}
    return {gate: a.view(B, T, -1) for gate, a in gates.items()}


def _gated(cell):
    """The cell whose gates a direction has: a TimeAware's inner cell (exact type: a subclass may change the step)."""
    return cell.cell if type(cell) is TimeAware else cell


def _cell_name(cell) -> str:
    return f"TimeAware({type(cell.cell).__name__})" if type(cell) is TimeAware else type(cell).__name__


def _time_order(values: Tensor, run) -> np.ndarray:
    """``(B, T, H)`` from processing to time order as float64 numpy, NaN at padded steps."""
    if run.layer.reverse:
        values = reverse_padded(values, run.lengths)
    valid = valid_steps(*values.shape[:2], run.lengths).cpu().numpy()[..., None]
    return np.where(valid, values.double().cpu().numpy(), np.nan)
