"""Speech: which of nine male speakers said the vowel pair /ae/, from 12 LPC cepstral coefficients per frame.

Data: :func:`rnnkit.data.load_japanese_vowels` (JapaneseVowels, Kudo, Toyama & Shimbo 1999), the archive's
fixed split: 270 training utterances (30 per speaker) and 370 test utterances (24 to 88 per speaker), of
7 to 29 frames, kept ragged: the RNNs mask their padding, and nothing is resampled.

Every model sees the same inputs: each coefficient standardised with the mean and standard deviation of all
training frames (:func:`fit_standardisation`; the test set plays no part in it).

=================  ==========================================================================================
model              what it is
=================  ==========================================================================================
``lstm``, ``gru``  :class:`rnnkit.SequenceClassifier`: one recurrent layer of ``H`` units over the frames, its
``rnn``            final state, a linear layer, softmax; the same hidden size, epochs and optimiser settings
                   for each cell (``rnn`` is the Elman RNN), each trained from several seeds
``dtw_1nn``        1-nearest neighbour under multivariate DTW (dependent warping, squared Euclidean cost
                   between frames, no window): sktime's ``KNeighborsTimeSeriesClassifier`` with the C DTW of
                   dtaidistance (``DtwDtaidistMultiv``). sktime 1.2's own ``distance="dtw"`` refuses
                   unequal lengths (and needs numba), so the distance comes from dtaidistance
``dtw_1nn_raw``    the same on the raw cepstra, as the archive's benchmark ran it: a check against the
                   published 0.949
``logreg``         logistic regression on each utterance's per-coefficient mean and standard deviation over
                   its frames (24 numbers; scikit-learn)
``majority``       always the most frequent training label; the training split is balanced, so that is the
                   first label (speaker 1, 31 of the 370 test utterances)
=================  ==========================================================================================

Metrics: test accuracy (mean and sample sd over seeds for the RNNs, :func:`~rnnkit.apps.over_runs`; the
baselines are deterministic), and wall seconds to fit and to predict the test set (1-NN does its work at
prediction). The RNNs train through :class:`rnnkit.SequenceClassifier`, so through
:func:`~rnnkit.training.seeded_fit`.

With ``out`` (:func:`rnnkit.report.write_report`): ``report.json``, ``report.md`` and ``report.html`` (the
table, the settings, the machine, the published references, the saliency plot embedded) and
``saliency.png``: which frames the first seed's GRU relies on (:func:`frame_saliency`).

Published test accuracy on this split: 1-NN DTW 0.949 (Bagnall et al. 2018, the UEA archive); MiniRocket
0.987 (Dempster, Schmidt & Webb 2021).
"""

from __future__ import annotations

import importlib.util
import os
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from ..cells.base import length_mask
from ..checks import is_count, lag1_autocorrelation, runs_along
from ..data import load_japanese_vowels, pad_sequences
from ..estimators import SequenceClassifier, feature_scaling
from ..report import machine, write_report
from ..training.trainer import resolve_device
from . import check_run_arguments, format_over_runs, over_runs, run_seeds

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "Elman RNN"}
BASELINE_NAMES = {
    "dtw_1nn": "1-NN DTW",
    "dtw_1nn_raw": "1-NN DTW, raw cepstra",
    "logreg": "logistic regression on frame mean and std",
    "majority": "majority class",
}
REFERENCES = {
    "1-NN DTW": {"accuracy": 0.949, "source": "Bagnall et al. 2018, the UEA multivariate archive"},
    "MiniRocket": {"accuracy": 0.987, "source": "Dempster, Schmidt & Webb 2021, KDD"},
}
# the full run: the estimator's defaults but for H and the epochs (there is no validation split to tune on;
# see docs/apps/speech.md for the one variant looked at); quick: one cell, one seed, few epochs
FULL = {"cells": ("lstm", "gru", "rnn"), "seeds": 5, "hidden_size": 64, "max_epochs": 50}
QUICK = {"cells": ("gru",), "seeds": 1, "hidden_size": 64, "max_epochs": 12}
# the model the page describes, pinned: the estimator's "auto" defaults would choose from the data
TRAINING = {"batch_size": 32, "lr": 5e-3, "clip_grad_norm": 1.0, "pooling": "final", "bidirectional": False,
            "frontend": None, "normalise": None, "lr_schedule": None}


def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Train and score the RNN cells and the baselines on JapaneseVowels; see the module docstring.

    Returns ``{"recipe", "task", "data", "settings", "models", "references", "saliency", "machine"}``; each
    entry of ``models`` has ``name``, ``kind`` (``"rnn"`` or ``"baseline"``), ``accuracy`` and
    ``train_seconds`` and ``test_seconds``, each as ``{"mean", "sd", "runs"}`` over the seeds of
    :func:`~rnnkit.apps.run_seeds` (one run for a baseline; :func:`~rnnkit.apps.over_runs`: sample sd, None for
    one run). Raises ValueError for a bad argument.
    """
    out = check_run_arguments("speech", quick, seed, out, log)  # "~/runs" as a shell reads it
    if importlib.util.find_spec("dtaidistance") is None:
        raise ImportError("the speech recipe's 1-NN DTW baseline needs the dtaidistance package: "
                          "pip install dtaidistance")
    budget = QUICK if quick else FULL
    seeds = run_seeds(seed, budget["seeds"], "speech.run")
    device = resolve_device("auto")
    x_train, y_train = load_japanese_vowels("train")
    x_test, y_test = load_japanese_vowels("test")
    mean, scale = fit_standardisation(x_train)
    z_train, z_test = standardise(x_train, mean, scale), standardise(x_test, mean, scale)

    models: dict[str, dict] = {}
    trained: dict[str, SequenceClassifier] = {}
    for cell in budget["cells"]:
        runs = []
        for s in seeds:
            clf = SequenceClassifier(cell=cell, hidden_size=budget["hidden_size"],
                                     max_epochs=budget["max_epochs"], random_state=s, device=device, **TRAINING)
            runs.append(_fit_and_score(clf, z_train, y_train, z_test, y_test))  # its own scaling: ~identity here
            trained.setdefault(cell, clf)  # the first seed's model, for the saliency
            log(f"{CELL_NAMES[cell]} seed {s}: accuracy {runs[-1]['accuracy']:.3f}, "
                f"{runs[-1]['train_seconds']:.1f} s")
        models[cell] = _summary(CELL_NAMES[cell], "rnn", runs)

    for key, (clf, train, test) in _baselines(x_train, x_test, z_train, z_test).items():
        result = _fit_and_score(clf, train, y_train, test, y_test)
        log(f"{BASELINE_NAMES[key]}: accuracy {result['accuracy']:.3f}")
        models[key] = _summary(BASELINE_NAMES[key], "baseline", [result])

    lengths = [len(a) for a in (*x_train, *x_test)]
    results = {
        "recipe": "speech",
        "task": "speaker recognition: which of 9 male speakers said /ae/ (JapaneseVowels)",
        "data": {"name": "JapaneseVowels", "train": len(x_train), "test": len(x_test),
                 "features": int(x_train[0].shape[1]), "classes": len(np.unique(y_train)),
                 "frames": [min(lengths), max(lengths)], "split": "the archive's fixed split"},
        "settings": {"quick": quick, "seeds": seeds, "cells": list(budget["cells"]),
                     "hidden_size": budget["hidden_size"], "max_epochs": budget["max_epochs"], **TRAINING,
                     "optimizer": "AdamW", "device": device,
                     "standardisation": "per coefficient, mean and std over all training frames",
                     "train_feature_mean": mean.tolist(), "train_feature_std": scale.tolist()},
        "models": models,
        "references": REFERENCES,
        "saliency": None,
        "machine": machine(device),
    }
    figures = {}
    if "gru" in trained:
        profile = frame_saliency(trained["gru"], z_test)
        results["saliency"] = {"model": f"GRU, seed {seeds[0]}", "test_utterances": len(z_test), **profile}
        figures["saliency"] = saliency_figure(profile)
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results), figures=figures,
                     machine_info=results["machine"])
    return results


# -- data ----------------------------------------------------------------------------------------------------
def check_sequences(sequences, who: str, features: int | None = None, *,
                    width_of: str = "the standardisation's mean") -> list[np.ndarray]:
    """The ``sequences`` as arrays, each ``(T_i, F)`` of finite numbers with ``T_i >= 1`` frames and one ``F``
    for all (``features`` if given, the width of ``width_of``, else the first sequence's); a ValueError names the
    first that is not (a NaN by its sequence, frame and feature). A 1-D sequence is refused, not read as frames of
    one feature or one frame of ``T`` features; so are channels-first ``(C, T)`` sequences where the shapes or
    the values tell (:func:`_check_not_channels_first`)."""
    if isinstance(sequences, np.ndarray) and sequences.ndim == 2:
        raise ValueError(f"{who}: sequences must be a list of (T, F) arrays (one per utterance), got one array of "
                         f"shape {sequences.shape}; for a single utterance pass [array]")
    if isinstance(sequences, np.ndarray) and sequences.ndim == 3 and sequences.shape[1] < sequences.shape[2]:
        n, a, b = sequences.shape  # fewer frames than features: sktime's and aeon's numpy3D, channels first
        raise ValueError(f"{who}: sequences is one array of shape {sequences.shape}, which reads as {n} utterances of "
                         f"{a} frames of {b} features, fewer frames than features: it is likely (n, C, T), sktime's "
                         f"and aeon's numpy3D, {b} frames of {a} features; give list(X.transpose(0, 2, 1)) for that, "
                         "or list(X) if the frames really are fewer")
    arrays = [np.asarray(a) for a in sequences]
    if not arrays:
        raise ValueError(f"{who}: no sequences; give a list of (T, F) arrays, one per utterance")
    if (features is None and len(arrays) > 1 and all(a.ndim == 2 for a in arrays)
            and len({a.shape[0] for a in arrays}) == 1 and len({a.shape[1] for a in arrays}) > 1):
        raise ValueError(f"{who}: every sequence has {arrays[0].shape[0]} rows and the columns vary ({arrays[0].shape} "
                         f"and {next(a.shape for a in arrays if a.shape[1] != arrays[0].shape[1])}): aeon's (C, T_i) "
                         "sequences, channels first; give each as (T_i, C) frames: [a.T for a in sequences]")
    _check_not_channels_first(arrays, who, features)
    for i, a in enumerate(arrays):
        expected = features if features is not None else arrays[0].shape[-1] if arrays[0].ndim == 2 else "F"
        if a.ndim != 2 or len(a) < 1 or a.shape[1] != expected or not np.issubdtype(a.dtype, np.number):
            source = (f" (as {width_of})" if features is not None else " (as sequence 0)" if i else "")
            kind = "" if np.issubdtype(a.dtype, np.number) else f" of {a.dtype}"
            hint = ("; channels first, (C, T): a.T" if a.ndim == 2 and a.shape[0] == expected != a.shape[1]
                    else "" if a.ndim != 1 else "; frames of one coefficient: a.reshape(-1, 1)" if expected in ("F", 1)
                    else "; one frame: a.reshape(1, -1)" if a.size == expected else "")
            raise ValueError(f"{who}: sequence {i} has shape {a.shape}{kind}, but each must be (T, {expected}) "
                             f"numbers: T >= 1 frames of {expected} features{source}{hint}")
    bad = [i for i, a in enumerate(arrays) if not np.isfinite(a).all()]
    if bad:  # NaN would pass through the scaling and the summaries into every model's input
        i = bad[0]
        t, f = (int(v) for v in np.argwhere(~np.isfinite(arrays[i]))[0])
        raise ValueError(f"{who}: sequence {i} has {arrays[i][t, f]} at frame {t} (feature {f}; {len(bad)} "
                         f"sequence(s) hold NaN or infinite values), but every frame must be finite numbers: fill "
                         "the missing values or leave those frames (or sequences) out first")
    _warn_constant(arrays, who)
    return arrays


def _warn_constant(arrays: list[np.ndarray], who: str) -> None:
    """Warn, once, of the sequences of 2 or more frames that hold one frame at every step (all 0, or any one
    vector): the features of a clip of silence or of an utterance missing and filled with a constant, no speech,
    which a classifier still gives a label. A warning, not a refusal: such a sequence may be meant (a test of the
    model's guess for silence), and it is read as given, in order."""
    flat = [i for i, a in enumerate(arrays) if len(a) >= 2 and not (a != a[0]).any()]
    if flat:
        i = flat[0]
        shown = ", ".join(map(str, flat[:5])) + (", ..." if len(flat) > 5 else "")
        frame = np.array2string(arrays[i][0][:3], precision=3, separator=", ").rstrip("]")
        warnings.warn(f"{who}: sequence(s) {shown} ({len(flat)} of {len(arrays)}) hold one frame at every step "
                      f"(sequence {i}: {len(arrays[i])} frames, each {frame}{', ...' if arrays[i].shape[1] > 3 else ''}"
                      "]): the features of a clip of silence, or of an utterance missing and filled with a constant, "
                      "no speech, yet a classifier gives each a label; leave them out, with their labels: keep = "
                      "[bool((a != a[0]).any()) for a in sequences], or silence this with "
                      "warnings.filterwarnings('ignore', '.*hold one frame at every step')", UserWarning, stacklevel=4)


def _check_not_channels_first(arrays: list[np.ndarray], who: str, features: int | None) -> None:
    """ValueError for sequences all of one shape ``(A, B)`` with fewer rows than columns whose values run smoothly
    along the columns and not down the rows (:func:`rnnkit.checks.runs_along`), as frames do along time: each is
    ``(C, T)``, channels first (librosa's ``mfcc`` and ``melspectrogram`` of clips cut to one length), which would
    be read as ``A`` frames of ``B`` features. A 3-D array of that shape is refused by its shape alone (above);
    a list of them is refused only where the values say so too. With ``features`` (the fitted width) given, the
    width check names them instead."""
    if features is not None or len(arrays) < 2 or any(a.ndim != 2 or a.shape != arrays[0].shape for a in arrays):
        return
    rows, columns = arrays[0].shape
    if rows >= columns or not all(np.issubdtype(a.dtype, np.number) for a in arrays[:256]):
        return
    values = np.stack(arrays[:256])  # runs_along reads the first 256 sequences, in float64
    if runs_along(values, 2, 1):
        raise ValueError(f"{who}: every sequence has shape {arrays[0].shape}, read as {rows} frames of {columns} "
                         f"features, but the values run smoothly along the {columns} columns (lag-1 autocorrelation "
                         f"{lag1_autocorrelation(values, 2):.2f}) and not down the {rows} rows "
                         f"({lag1_autocorrelation(values, 1):.2f}), as {columns} frames of {rows} coefficients do: "
                         f"channels first, (C, T), as librosa's mfcc gives them; give (T, C) frames: [a.T for a in "
                         "sequences]")


def fit_standardisation(sequences: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation ``(F,)`` of each feature over all frames of ``sequences`` (pass the
    training set only): :func:`rnnkit.estimators.feature_scaling`, the estimators' own scaling."""
    sequences = check_sequences(sequences, "fit_standardisation")
    lengths = torch.tensor([len(a) for a in sequences])
    mean, scale = feature_scaling(pad_sequences(sequences), lengths)
    return mean.numpy(), scale.numpy()


def standardise(sequences: list[np.ndarray], mean: np.ndarray, scale: np.ndarray) -> list[np.ndarray]:
    """Each ``(T_i, F)`` sequence as ``(x - mean) / scale``, float32; ``mean`` and ``scale`` ``(F,)``, as
    :func:`fit_standardisation` gives them."""
    mean, scale = np.asarray(mean), np.asarray(scale)
    if mean.ndim != 1 or scale.shape != mean.shape:
        raise ValueError(f"standardise: mean and scale must be (F,) arrays of one shape, as fit_standardisation gives "
                         f"them, got {mean.shape} and {scale.shape}")
    bad = np.flatnonzero(~(np.isfinite(scale) & (scale > 0)) | ~np.isfinite(mean))
    if len(bad):  # a scale of 0 would make the feature +-inf (or NaN) in every frame
        j = int(bad[0])
        raise ValueError(f"standardise: feature {j} has mean {mean[j]} and scale {scale[j]}; each scale must be a "
                         "finite number > 0 and each mean finite (fit_standardisation gives a constant feature the "
                         "scale 1)")
    return [((a - mean) / scale).astype(np.float32) for a in check_sequences(sequences, "standardise", len(mean))]


def summary_features(sequences: list[np.ndarray]) -> np.ndarray:
    """``(n, 2F)``: each sequence's per-feature mean and standard deviation over its frames."""
    return np.stack([np.concatenate([a.mean(0), a.std(0)]) for a in check_sequences(sequences, "summary_features")])


# -- baselines -----------------------------------------------------------------------------------------------
def _baselines(x_train, x_test, z_train, z_test) -> dict[str, tuple[Any, Any, Any]]:
    """``name -> (unfitted classifier, its training inputs, its test inputs)``."""
    import pandas as pd
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sktime.classification.distance_based import KNeighborsTimeSeriesClassifier
    from sktime.dists_kernels.dtw import DtwDtaidistMultiv

    # sktime's "df-list" layout takes ragged panels: one (T_i, F) DataFrame per utterance. In float64: with
    # float32 inputs dtaidistance's C DTW returned NaN distances.
    frames = lambda seqs: [pd.DataFrame(a.astype(np.float64)) for a in seqs]
    dtw = lambda: KNeighborsTimeSeriesClassifier(n_neighbors=1, distance=DtwDtaidistMultiv(use_c=True))
    return {
        "dtw_1nn": (dtw(), frames(z_train), frames(z_test)),
        "dtw_1nn_raw": (dtw(), frames(x_train), frames(x_test)),
        "logreg": (make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
                   summary_features(z_train), summary_features(z_test)),
        "majority": (DummyClassifier(strategy="most_frequent"),
                     np.zeros((len(z_train), 1)), np.zeros((len(z_test), 1))),
    }


def _fit_and_score(clf, x_train, y_train, x_test, y_test) -> dict[str, float]:
    start = time.perf_counter()
    clf.fit(x_train, y_train)
    fitted = time.perf_counter()
    predicted = np.asarray(clf.predict(x_test))
    done = time.perf_counter()
    return {"accuracy": float(np.mean(predicted == np.asarray(y_test))), "train_seconds": fitted - start,
            "test_seconds": done - fitted}


def _summary(name: str, kind: str, runs: list[dict[str, float]]) -> dict:
    stats = {k: over_runs(r[k] for r in runs) for k in ("accuracy", "train_seconds", "test_seconds")}
    return {"name": name, "kind": kind, **stats}


# -- interpretability ----------------------------------------------------------------------------------------
def frame_saliency(clf: SequenceClassifier, sequences: list[np.ndarray], *, parts: int = 5) -> dict[str, Any]:
    """Which frames a fitted classifier's predicted-class logit ``s`` depends on.

    Per utterance (``sequences``: ``(T_i, F)`` frames as ``clf`` was fitted on them, not standardised again here:
    the estimator standardises them as ``predict`` does), :func:`rnnkit.diagnostics.saliency`'s
    ``Σ_f |∂s/∂x_{t,f}|`` (``x`` the standardised frames the network reads) normalised to sum 1 over its
    frames: its *share* of the logit's input sensitivity per frame. Two averages over utterances:

    - ``by_part[j]``: the share in the ``j``-th of ``parts`` equal parts of the utterance (a frame belongs to
      the part holding its centre, ``(t + 1/2) / T_i``); uniform reliance gives ``1 / parts`` each (``parts``
      at most the shortest utterance's frames, so that every part of each holds a frame);
    - ``from_end[k]``: the share of the ``k``-th frame before the last (``k = 0`` the last), over the
      utterances that have it (lengths run from 7 to 29, so the long offsets rest on few utterances).
    """
    from ..diagnostics import saliency

    if not is_count(parts, 1):  # 0 parts: no share at all; 2.5: no whole number of parts
        raise ValueError(f"frame_saliency: parts must be an integer >= 1 (the equal parts of each utterance), got "
                         f"{parts!r}")
    if not hasattr(clf, "n_features_in_"):
        raise ValueError("frame_saliency: clf has not been fitted; fit it on the training utterances first")
    sequences = check_sequences(sequences, "frame_saliency", clf.n_features_in_,
                                width_of="the utterances clf was fit on")
    n = np.array([len(a) for a in sequences])
    if parts > n.min():  # a part holding no frame would count as a share of 0: as if the model ignored it
        i = int(np.argmin(n))
        raise ValueError(f"frame_saliency: parts={parts}, but utterance {i} has {n[i]} frame(s), so some of its parts "
                         "would hold no frame and count as a share of 0 in by_part's average, as if the model "
                         f"ignored them; give parts <= {n[i]} (the shortest utterance's frames), or leave the short "
                         "utterances out")
    # the utterances as given: the estimator standardises them by its fitted scaling (its prepare_batch), as
    # predict does, and the gradient is the network's, with respect to those standardised frames
    grad = saliency(clf, sequences).abs_grad  # (B, T), 0 on padding
    share = grad / grad.sum(1, keepdims=True)
    t = np.arange(share.shape[1])
    valid = length_mask(torch.from_numpy(n), len(t)).numpy()  # (B, T)
    part = np.minimum((t[None, :] + 0.5) / n[:, None] * parts, parts - 1).astype(int)  # (B, T)
    by_part = np.stack([(share * (valid & (part == j))).sum(1) for j in range(parts)], axis=1)  # (B, parts)
    from_end = np.zeros_like(share)
    for b, length in enumerate(n):
        from_end[b, :length] = share[b, :length][::-1]
    return {"by_part": by_part.mean(0).tolist(),
            "from_end": ((from_end * valid).sum(0) / valid.sum(0)).tolist(),
            "share_last_frame": float(from_end[:, 0].mean())}


def saliency_figure(profile: dict[str, Any]) -> Figure:
    """The two averages of :func:`frame_saliency`, as bars."""
    fig = Figure(figsize=(7.0, 4.8), layout="constrained")
    top, bottom = fig.subplots(2, 1)
    parts = len(profile["by_part"])
    top.bar(np.arange(parts), profile["by_part"], color="tab:blue")
    top.axhline(1 / parts, color="gray", linestyle="--", label="uniform")
    top.set_xticks(np.arange(parts), [f"{j}/{parts}–{j + 1}/{parts}" for j in range(parts)])
    top.set_xlabel("part of the utterance")
    top.legend()
    bottom.bar(np.arange(len(profile["from_end"])), profile["from_end"], color="tab:blue")
    bottom.set_xlabel("frames before the last")
    for ax in (top, bottom):
        ax.set_ylabel("share of Σ|∂s/∂x|")
    top.set_title("GRU speaker logit: input sensitivity per frame, averaged over test utterances")
    return fig


# -- report --------------------------------------------------------------------------------------------------
def title(results: dict) -> str:
    return "Speaker recognition from speech (JapaneseVowels)" + (" (quick run)" if results["settings"]["quick"] else "")


def markdown(results: dict) -> str:
    """The report's body: the table (mean ± sd over seeds), the settings and the references
    (:func:`rnnkit.report.write_report` adds the title, the machine, what ± means and the saliency plot)."""
    s, d = results["settings"], results["data"]
    lines = [
        f"{d['train']} training / {d['test']} test utterances ({d['split']}), {d['features']} LPC cepstral "
        f"coefficients per frame, {d['frames'][0]}–{d['frames'][1]} frames, {d['classes']} speakers. Features "
        "standardised with training statistics only.",
        "",
        f"RNNs: rnnkit.SequenceClassifier, hidden size {s['hidden_size']}, {s['max_epochs']} epochs, batch "
        f"{s['batch_size']}, {s['optimizer']} lr {s['lr']}, clip-norm {s['clip_grad_norm']}, {s['pooling']} "
        f"state pooling; seeds {', '.join(map(str, s['seeds']))}." + (" Quick run." if s["quick"] else ""),
        "",
        "| model | test accuracy (mean ± sd over seeds) | train s | test s |",
        "|---|---|---|---|",
    ]
    for r in results["models"].values():
        acc, fit, pred = r["accuracy"], r["train_seconds"], r["test_seconds"]
        runs = len(acc["runs"])
        accuracy = f"{format_over_runs(acc)} ({runs} seeds)" if runs > 1 else format_over_runs(acc)
        lines.append(f"| {r['name']} | {accuracy} | {fit['mean']:.2f} | {pred['mean']:.2f} |")
    lines += ["", "Seconds: wall time to fit, and to predict the test set (mean over seeds). The sd is over seeds; "
              "the baselines are deterministic.",
              "", "Published references (same split): "
              + "; ".join(f"{k} {v['accuracy']} ({v['source']})" for k, v in results["references"].items()) + "."]
    if results["saliency"] is not None:
        sal = results["saliency"]
        fifths = ", ".join(f"{v:.0%}" for v in sal["by_part"])
        lines += ["", f"Saliency ({sal['model']}, {sal['test_utterances']} test utterances): share of the predicted "
                  f"logit's input sensitivity by part of the utterance, first to last: {fifths}; in the last frame "
                  f"alone {sal['share_last_frame']:.0%} (saliency.png)."]
    return "\n".join(lines) + "\n"
