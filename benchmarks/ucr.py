"""rnnkit's recurrent classifier with its data-chosen defaults beside 1-NN DTW and MiniRocket on UCR/UEA sets.

Data: the UCR/UEA classification sets that sktime 1.2 bundles (no download), official train/test splits.

==================  ========  ========  ===========  ========  =========================================
set                 train     test      T            channels  role
==================  ========  ========  ===========  ========  =========================================
ItalyPowerDemand    67        1029      24           1         may tune defaults (train split only)
JapaneseVowels      270       370       7-29         12        may tune defaults (train split only)
BasicMotions        40        40        100          6         may tune defaults (train split only)
GunPoint            50        150       150          1         may tune defaults (train split only)
PLAID               537       537       100-1344     1         may tune defaults (train split only)
ArrowHead           36        175       251          1         held out: run to report, never to choose
OSULeaf             200       242       427          1         held out
ACSF1               100       100       1460         1         held out
Motifs (generated)  120       300       300-900      1         may tune defaults (train split only)
==================  ========  ========  ===========  ========  =========================================

``Motifs`` is generated here (:func:`motifs`), not bundled: a long univariate series whose class is the shape
of one short motif at a random place in AR(1) noise, each series at its own level and scale.

Methods, all fitted on the same train split in the same run, scored on the test split:

- **rnnkit**: ``rnnkit.SequenceClassifier(random_state=seed)`` with no other argument, so every model and
  training option is "auto": chosen in fit by :func:`rnnkit.models.defaults_for_series` from the train
  split's size, lengths and channels only (AdamW with a one-cycle learning rate, gradient-norm clipping 1.0,
  no validation split, the weights of the last epoch; features standardised by the train split). One fit per
  seed; fit seconds are ``fit``'s, wall clock and this process's CPU.
- **1-NN DTW**: dtaidistance's C DTW (no window), dependent multivariate DTW for several channels, ties to
  the first training series. Deterministic, so one run.
- **MiniRocket**: sktime's ``MiniRocket`` / ``MiniRocketMultivariate`` transform (10,000 kernels,
  ``random_state`` the seed), then ``StandardScaler(with_mean=False)`` and ``RidgeClassifierCV`` over
  ``logspace(-3, 3, 10)``: what sktime's ``RocketClassifier(rocket_transform="minirocket")`` builds, called
  directly on numpy arrays because that pipeline's pandas conversions cost 5-15 s per fit here. Unequal
  lengths are padded with zeros to the longest (MiniRocket needs equal lengths). numba's functions are
  compiled on a few series before timing.

``--validate`` replaces the test split by a stratified 30 % of the train split (seed 0): the only scores
used to choose defaults. It refuses the held-out sets.

    OMP_NUM_THREADS=1 python benchmarks/ucr.py --datasets GunPoint,ItalyPowerDemand --seeds 0,1,2
    OMP_NUM_THREADS=1 python benchmarks/ucr.py --quick               # GunPoint, one seed, few epochs
    OMP_NUM_THREADS=1 python benchmarks/ucr.py --datasets GunPoint --validate --set stride=5
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from layers import machine  # the machine line of the other benchmarks

from rnnkit import SequenceClassifier

TUNING = ("ItalyPowerDemand", "JapaneseVowels", "BasicMotions", "GunPoint", "PLAID", "Motifs")
HELD_OUT = ("ArrowHead", "OSULeaf", "ACSF1")
LOADERS = {"ItalyPowerDemand": "load_italy_power_demand", "JapaneseVowels": "load_japanese_vowels",
           "BasicMotions": "load_basic_motions", "GunPoint": "load_gunpoint", "PLAID": "load_plaid",
           "ArrowHead": "load_arrow_head", "OSULeaf": "load_osuleaf", "ACSF1": "load_acsf1",
           "Motifs": "motifs"}
METHODS = ("rnnkit", "dtw", "minirocket")


def motifs(split: str, n: int | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """The generated ``Motifs`` set: 120 training or 300 test series of 300-900 steps, one channel, 4 classes.

    Each series is AR(1) noise (``e_t = 0.9 e_{t-1} + 0.3 w_t``) with one motif of 40 steps added at a
    uniformly random place; the class is the motif's shape (one period of a sine, a square wave, a triangle or
    a rising ramp, amplitude 1.5); then the whole series is scaled by ``exp(N(0, 1))`` and shifted by
    ``N(0, 10)``. The train and test splits come from different seeds."""
    rng = np.random.default_rng({"train": 12, "test": 13}[split])
    n = n or {"train": 120, "test": 300}[split]
    u = np.linspace(0, 1, 40, endpoint=False)
    shapes = [np.sin(2 * np.pi * u), np.where(u < 0.5, 1.0, -1.0), 1 - 4 * np.abs(u - 0.5), 2 * u - 1]
    y = np.arange(n) % len(shapes)
    series = []
    for label in y:
        T = int(rng.integers(300, 901))
        w = rng.normal(size=T)
        e = np.empty(T)
        e[0] = w[0]
        for t in range(1, T):
            e[t] = 0.9 * e[t - 1] + 0.3 * w[t]
        start = int(rng.integers(0, T - 40 + 1))
        e[start : start + 40] += 1.5 * shapes[label]
        series.append((e * np.exp(rng.normal()) + 10 * rng.normal())[:, None])
    return series, np.array([f"shape{label}" for label in y])


def load(name: str, split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """The ``split`` of a bundled set: a list of ``(T_i, C)`` float64 arrays and the labels (strings)."""
    if name == "Motifs":
        return motifs(split)
    import sktime.datasets

    loader = getattr(sktime.datasets, LOADERS[name])
    X, y = loader(split=split, return_type="nested_univ")  # one cell per (series, channel); works for ragged
    series = [np.stack([np.asarray(X.iloc[i, c], dtype=np.float64) for c in range(X.shape[1])], axis=1)
              for i in range(len(X))]
    return series, np.asarray(y).astype(str)


def validation_split(series, y, seed: int = 0):
    """A stratified 70 / 30 split of a train split: ``(train, validation)``."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(series))
    a, b = train_test_split(idx, test_size=0.3, random_state=seed, stratify=y)
    return ([series[i] for i in a], y[a]), ([series[i] for i in b], y[b])


def majority(y_train: np.ndarray, y_test: np.ndarray) -> float:
    """Accuracy on ``y_test`` of always answering the most frequent training label (ties: the first in sorted
    order, so that the number does not depend on the process's string hashing)."""
    labels, counts = np.unique(y_train, return_counts=True)
    return float(np.mean(y_test == labels[counts.argmax()]))


# -- the three methods ---------------------------------------------------------------------------------------
def fit_rnnkit(train, test, seed: int, overrides: dict, quick: bool, windows: tuple[int, ...] = ()
               ) -> tuple[float, float, float, dict]:
    """Accuracy, fit seconds (wall clock, then this process's CPU time) and the options chosen: the
    estimator with no arguments but its seed (and ``overrides``). ``windows``: the same fit's accuracy read
    with each of these ``predict_windows_`` too (a model trained on windows; 1: whole series)."""
    (xs, y), (xt, yt) = train, test
    options = {**overrides, **({"max_epochs": 5} if quick else {})}
    clf = SequenceClassifier(random_state=seed, device="cpu", layout="ntf", **options)
    start, cpu = time.perf_counter(), time.process_time()
    clf.fit(xs, y)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    accuracy = float((clf.predict(xt) == yt).mean())
    fitted = float((clf.predict(xs) == y).mean())  # on the series it was fitted on: how far it generalises
    by_windows = {}
    if clf.choices_.get("crop") is not None:
        default = clf.predict_windows_
        for k in windows:
            clf.predict_windows_ = k
            by_windows[k] = float((clf.predict(xt) == yt).mean())
            if k > 1:  # the k windows and the whole series: the mean of the k + 1 readings' logits
                logits = clf._outputs(xt, "ucr")[0] * k
                clf.predict_windows_ = 1
                logits = (logits + clf._outputs(xt, "ucr")[0]) / (k + 1)
                by_windows[f"{k}+whole"] = float((clf.classes_[logits.argmax(-1).numpy()] == yt).mean())
        clf.predict_windows_ = default
    return accuracy, seconds, cpu, {"choices": clf.choices_, "rule": clf.rule_, "train_accuracy": fitted,
                                    "accuracy_by_windows": by_windows}


def fit_dtw(train, test) -> tuple[float, float, float]:
    """1-NN DTW accuracy and seconds, wall clock and CPU (all test-to-train distances)."""
    from dtaidistance import dtw, dtw_ndim

    (xs, y), (xt, yt) = train, test
    start, cpu = time.perf_counter(), time.process_time()
    multivariate = xs[0].shape[1] > 1
    both = [np.ascontiguousarray(s if multivariate else s[:, 0]) for s in list(xs) + list(xt)]
    n = len(xs)
    block = ((0, n), (n, len(both)))
    if multivariate:
        d = dtw_ndim.distance_matrix(both, block=block, use_c=True, compact=False)
    else:
        d = dtw.distance_matrix_fast(both, block=block, compact=False)
    d = np.asarray(d)[:n, n:]  # (train, test); dtaidistance fills only the block asked for
    accuracy = float((y[d.argmin(0)] == yt).mean())
    return accuracy, time.perf_counter() - start, time.process_time() - cpu


def minirocket(channels: int, seed: int | None):
    """sktime's MiniRocket transform for ``channels`` channels, and RocketClassifier's classifier on top."""
    from sklearn.linear_model import RidgeClassifierCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sktime.transformations.panel.rocket import MiniRocket, MiniRocketMultivariate

    transform = (MiniRocketMultivariate if channels > 1 else MiniRocket)(random_state=seed)
    return transform, make_pipeline(StandardScaler(with_mean=False), RidgeClassifierCV(np.logspace(-3, 3, 10)))


def fit_minirocket(train, test, seed: int) -> tuple[float, float, float]:
    """Accuracy and fit seconds, wall clock and CPU, after compiling numba's functions on a few series."""
    (xs, y), (xt, yt) = train, test
    T = max(max(len(s) for s in xs), max(len(s) for s in xt))
    as3d = lambda series: np.stack([np.pad(s, ((0, T - len(s)), (0, 0))) for s in series]).transpose(0, 2, 1)
    x3, C = as3d(xs), xs[0].shape[1]  # (n, C, T)
    if (C > 1) not in _compiled:
        threads = torch.get_num_threads()
        minirocket(C, 0)[0].fit_transform(x3[:4, :, :64])
        torch.set_num_threads(threads)
        _compiled.add(C > 1)
    transform, classifier = minirocket(C, seed)
    threads = torch.get_num_threads()
    start, cpu = time.perf_counter(), time.process_time()
    classifier.fit(np.asarray(transform.fit_transform(x3)), y)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    accuracy = float((classifier.predict(np.asarray(transform.transform(as3d(xt)))) == yt).mean())
    # numba's OpenMP layer resets the OpenMP thread count that torch shares: without this, every later rnnkit
    # fit would run on all cores (other numbers, other timings).
    torch.set_num_threads(threads)
    return accuracy, seconds, cpu


_compiled: set[bool] = set()  # MiniRocketMultivariate has numba functions of its own


# -- the run -------------------------------------------------------------------------------------------------
def parse_overrides(pairs: list[str]) -> dict:
    """``["stride=5", "frontend='patch'"]`` -> ``{"stride": 5, "frontend": "patch"}`` (Python literals; other
    text stays a string)."""
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if not value:
            raise SystemExit(f"--set needs KEY=VALUE, got {pair!r}")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out


def fit_seconds(result: dict) -> str:
    """Median wall-clock / CPU seconds: on a shared machine the CPU time is the steadier of the two."""
    return f"{np.median(result['fit_s']):.1f} s wall / {np.median(result['fit_cpu_s']):.1f} s CPU"


def mean_sd(values: list[float]) -> str:
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1):.3f}"


def write(out: Path, header: str, rows: list[dict]) -> None:
    """``out/results.json`` (every number) and ``out/results.md`` (the table, also printed)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps({"header": header, "rows": rows}, indent=1))
    lines = [header, "", "| data (train/test, T, channels) | majority | rnnkit | 1-NN DTW | MiniRocket | "
             "rnnkit fit s (wall / CPU) | MiniRocket fit s (wall / CPU) |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        cell = lambda m: mean_sd(r[m]["accuracy"]) if m in r else "—"
        fit = lambda m: (f"{np.median(r[m]['fit_s']):.1f} / {np.median(r[m]['fit_cpu_s']):.1f}" if m in r
                         else "—")
        lines.append(f"| {r['dataset']} ({r['n_train']}/{r['n_test']}, {r['T']}, {r['channels']}) | "
                     f"{r['majority']:.3f} | {cell('rnnkit')} | {cell('dtw')} | {cell('minirocket')} | "
                     f"{fit('rnnkit')} | {fit('minirocket')} |")
    (out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[2:]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--datasets", default="GunPoint,ItalyPowerDemand",
                   help=f"comma-separated, from {list(LOADERS)}")
    p.add_argument("--seeds", default="0,1,2", help="comma-separated seeds for rnnkit and MiniRocket")
    p.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated, from {list(METHODS)}")
    p.add_argument("--quick", action="store_true", help="GunPoint only, one seed, at most 5 epochs: a smoke run")
    p.add_argument("--validate", action="store_true",
                   help="score on a stratified 30%% of the train split instead of the test split (tuning sets)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override one default (a SequenceClassifier parameter: frontend, lr_schedule, ...)")
    p.add_argument("--windows", default="", metavar="K,K,...",
                   help="also score each fit read with these predict_windows_ (a model trained on windows; 1: "
                        "the whole series), e.g. 1,3,5,9")
    p.add_argument("--out", default="ucr_results", help="folder for results.json and results.md")
    args = p.parse_args(argv)
    names = ["GunPoint"] if args.quick else [n.strip() for n in args.datasets.split(",") if n.strip()]
    seeds = [0] if args.quick else [int(s) for s in args.seeds.split(",")]
    methods = [m.strip() for m in args.methods.split(",")]
    for n in names:
        if n not in LOADERS:
            raise SystemExit(f"--datasets: unknown set {n!r}; choose from {list(LOADERS)}")
        if args.validate and n not in TUNING:
            raise SystemExit(f"--validate: {n} is held out; defaults are chosen only with {list(TUNING)}")
    for m in methods:
        if m not in METHODS:
            raise SystemExit(f"--methods: unknown method {m!r}; choose from {list(METHODS)}")
    overrides = parse_overrides(args.set)
    windows = tuple(int(k) for k in args.windows.split(",") if k)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    header = f"machine: {machine('cpu')}; seeds {seeds}"
    header += "; scored on a validation split of train" if args.validate else ""
    header += f"; overrides {overrides}" if overrides else ""
    print(header)
    rows = []
    for name in names:
        train, test = load(name, "train"), load(name, "test")
        if args.validate:
            train, test = validation_split(*train)
        lengths = [len(s) for s in train[0]] + [len(s) for s in test[0]]
        row = {"dataset": name, "role": "tuning" if name in TUNING else "held-out", "n_train": len(train[0]),
               "n_test": len(test[0]), "T": f"{min(lengths)}-{max(lengths)}" if min(lengths) < max(lengths)
               else str(max(lengths)), "channels": int(train[0][0].shape[1]),
               "majority": majority(train[1], test[1])}
        if "rnnkit" in methods:
            runs = [fit_rnnkit(train, test, s, overrides, args.quick, windows) for s in seeds]
            row["rnnkit"] = {"accuracy": [r[0] for r in runs], "fit_s": [r[1] for r in runs],
                             "fit_cpu_s": [r[2] for r in runs], "options": runs[0][3],
                             "train_accuracy": [r[3]["train_accuracy"] for r in runs],
                             "accuracy_by_windows": {k: [r[3]["accuracy_by_windows"].get(k) for r in runs]
                                                     for k in runs[0][3]["accuracy_by_windows"]}}
            print(f"{name}: rnnkit {mean_sd(row['rnnkit']['accuracy'])} (on its training series "
                  f"{mean_sd(row['rnnkit']['train_accuracy'])}), fit {fit_seconds(row['rnnkit'])}; "
                  f"{runs[0][3]['rule']}", flush=True)
            for k, accs in row["rnnkit"]["accuracy_by_windows"].items():
                if None not in accs:
                    print(f"{name}: rnnkit read with predict_windows_={k}: {mean_sd(accs)} "
                          f"({', '.join(f'{a:.3f}' for a in accs)})", flush=True)
        if "dtw" in methods:
            acc, sec, cpu = fit_dtw(train, test)
            row["dtw"] = {"accuracy": [acc], "fit_s": [sec], "fit_cpu_s": [cpu]}
            print(f"{name}: 1-NN DTW {acc:.3f}, distances {fit_seconds(row['dtw'])}", flush=True)
        if "minirocket" in methods:
            runs = [fit_minirocket(train, test, s) for s in seeds]
            row["minirocket"] = {"accuracy": [r[0] for r in runs], "fit_s": [r[1] for r in runs],
                                 "fit_cpu_s": [r[2] for r in runs]}
            print(f"{name}: MiniRocket {mean_sd(row['minirocket']['accuracy'])}, fit "
                  f"{fit_seconds(row['minirocket'])}", flush=True)
        rows.append(row)
        write(Path(args.out), header, rows)  # after every set, so a long run keeps what it has


if __name__ == "__main__":
    main()
