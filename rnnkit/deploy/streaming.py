"""Streaming inference: one observation at a time, per stream, with the state kept between calls.

:class:`Streamer` runs the one-step graph of :mod:`rnnkit.deploy.export`, either ``step.onnx`` under
onnxruntime (``Streamer("exports/model")``) or the same step in eager torch (``Streamer(estimator)``), and
keeps one state vector per stream id. Fed a sequence step by step, it reproduces what the model computes on
the whole sequence: every step's output for a per-step model (a tagger), and for a label model the output
the whole sequence read so far would get (a classifier's prediction if the sequence ended now).

For a fitted estimator (or an export of one) the raw features are standardised as in training and the
output decoded: a label and the class probabilities, or a value in the target's units.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

from .export import STEP_FILE, StepGraph, ort_session, preprocessing, read_export, resolve


class StepOutput(NamedTuple):
    """One stream's result at one step.

    ``y``: the graph's raw output ``(O,)`` (logits, standardised values, or hidden units of a bare layer);
    ``prediction``: the decoded label or value (None for a bare model); ``probabilities``: the class
    probabilities ``(n_classes,)`` of a classifier or tagger, else None."""

    y: np.ndarray
    prediction: object
    probabilities: np.ndarray | None


class Streamer:
    """Feed observations one at a time, per stream id, through a model's step graph.

    ``source``: an export directory (``step.onnx`` run by onnxruntime, ``threads`` intra-op threads), or a
    fitted estimator, model or unidirectional layer (the eager torch step). ``step(stream_id, x_t)`` reads
    one observation ``x_t (F,)`` (raw features, for an estimator) and returns a :class:`StepOutput`;
    ``step_many({id: x_t, ...})`` advances several streams in one batched call; ``reset(id)`` starts a
    stream over, ``reset()`` all of them. A stream id is any hashable value; an unseen one starts fresh.
    """

    def __init__(self, source, *, threads: int | None = None):
        if isinstance(source, str | os.PathLike):
            info = read_export(source)
            if not info["step"].get("file"):
                raise ValueError(f"{source}: this export has no step graph ({info['step']['reason']})")
            self.backend = "onnxruntime"
            self._session = ort_session(Path(source) / STEP_FILE, threads=threads)
            self.initial_state = np.asarray(info["step"]["initial_state"], dtype=np.float32)
            self.n_features = int(info["step"]["inputs"]["x_t"]["shape"][1])
            self.preprocessing = info["preprocessing"]
        else:
            exportable = resolve(source)
            self.backend = "torch"
            self._graph = StepGraph(exportable).eval()
            self.initial_state = self._graph.initial_state().numpy()
            self.n_features = exportable.encoder.input_size
            self.preprocessing = preprocessing(exportable.estimator)
        pre = self.preprocessing
        self._x_mean = None if pre is None else np.asarray(pre["x_mean"], dtype=np.float32)
        self._x_scale = None if pre is None else np.asarray(pre["x_scale"], dtype=np.float32)
        self._states: dict = {}

    @property
    def streams(self) -> list:
        """The ids of the streams with a state."""
        return list(self._states)

    def reset(self, stream_id=None) -> None:
        """Forget one stream's state (it starts over at its next step), or every stream's."""
        if stream_id is None:
            self._states.clear()
        else:
            self._states.pop(stream_id, None)

    def step(self, stream_id, x_t) -> StepOutput:
        """Advance one stream by one observation ``x_t (F,)``."""
        return self.step_many({stream_id: x_t})[stream_id]

    def step_many(self, observations: dict) -> dict:
        """Advance several streams by one observation each, in one batched call: ``{id: x_t}`` ->
        ``{id: StepOutput}``."""
        if not observations:
            return {}
        ids = list(observations)
        x = np.stack([self._check(i, observations[i]) for i in ids])  # (B, F)
        if self._x_mean is not None:
            x = (x - self._x_mean) / self._x_scale
        state = np.stack([self._states.get(i, self.initial_state) for i in ids]).astype(np.float32)
        y, state = self._run(x.astype(np.float32), state)
        results = {}
        for k, i in enumerate(ids):
            self._states[i] = state[k]
            results[i] = self._decode(y[k])
        return results

    def _check(self, stream_id, x_t) -> np.ndarray:
        try:
            a = np.asarray(x_t, dtype=np.float32).reshape(-1)
        except (TypeError, ValueError) as e:
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} is not numeric ({e})") from e
        if a.shape != (self.n_features,):
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} has {a.size} values; the model "
                             f"reads {self.n_features} features per step")
        if not np.isfinite(a).all():
            raise ValueError(f"Streamer: the observation of stream {stream_id!r} contains NaN or infinity")
        return a

    def _run(self, x: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.backend == "onnxruntime":
            y, state = self._session.run(None, {"x_t": x, "state_in": state})
            return y, state
        with torch.inference_mode():
            y, state = self._graph(torch.from_numpy(x), torch.from_numpy(state))
        return y.numpy(), state.numpy()

    def _decode(self, y: np.ndarray) -> StepOutput:
        out = None if self.preprocessing is None else self.preprocessing["output"]
        if out is None:
            return StepOutput(y, None, None)
        if out["kind"] == "class_logits":
            p = np.exp(y - y.max())
            return StepOutput(y, out["classes"][int(np.argmax(y))], p / p.sum())
        value = y * np.asarray(out["y_scale"], dtype=np.float32) + np.asarray(out["y_mean"], dtype=np.float32)
        return StepOutput(y, float(value[0]) if out["one_target"] else value, None)
