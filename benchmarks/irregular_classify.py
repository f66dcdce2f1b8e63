"""Classifying real series observed at irregular times: GRU-D with sample times against the readings without.

Data: real UCR/UEA sets that ship with sktime (GunPoint, BasicMotions). Each series keeps a random fraction
``keep`` of its steps (its own draw, fixed by ``--draw-seed``; the first and last steps may go too), all channels
together: a series sampled at irregular times, as a sensor that reports when it can. The same draw is used
for every model.

================================  ============================================================================
reading                           what the model is given
================================  ============================================================================
GRU, steps closed up              the kept values in order, the gaps unseen (what a user gets from a table of
                                  readings without its times): ``SequenceClassifier(cell="gru")``
GRU, gaps as a feature            the kept values and, as one more channel, the time since the previous kept
                                  step (in units of the median gap; 0 at the first)
GRU-D, steps closed up            the same values, through ``time_aware=True`` (δ counts kept steps)
GRU-D + sample times              the same kept values with their times: ``fit(X, y, times=...)``
GRU-D on the grid, NaN between    the full grid with NaN where a step was dropped (δ in grid steps; the same
                                  information as the times, in sequences ``1 / keep`` times as long)
1-NN DTW, interpolated            baseline: each series linearly interpolated onto the full grid from its kept
                                  steps (np.interp over the times), then sktime's 1-NN DTW
================================  ============================================================================

Every network: ``hidden_size=32``, ``max_epochs`` as given (default 150), the other options the estimators'
defaults; mean ± sd of the test accuracy over seeds (initial weights and shuffling; the drop draw stays).

    python benchmarks/irregular_classify.py                          # GunPoint, BasicMotions; keep 0.3; seeds 0 1 2
    python benchmarks/irregular_classify.py --sets GunPoint --seeds 0 --epochs 20    # a quick look
    python benchmarks/irregular_classify.py --probe --sets GunPoint --seeds 0   # what GRU-D + times reads

``--probe`` fits only "GRU-D + sample times" and scores it on its own training series three ways: with their
times, with each series given the next one's times, and with regular times (every third step): a network
that reads the class from the values keeps its accuracy; one that tells the series apart by their gaps does not.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from layers import machine  # the machine line of the other benchmarks

from rnnkit import SequenceClassifier

SETS = {"GunPoint": "load_gunpoint", "BasicMotions": "load_basic_motions"}


def load(name: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """``(X (n, T, C) float32, y)`` of a set that ships with sktime."""
    import sktime.datasets

    X, y = getattr(sktime.datasets, SETS[name])(split=split, return_type="numpy3D")
    return np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float32), np.asarray(y)


def sparse(X: np.ndarray, keep: float, rng: np.random.Generator) -> list[np.ndarray]:
    """Each series' kept step indices (sorted; at least two)."""
    n, T, _ = X.shape
    out = []
    for _ in range(n):
        k = max(2, round(keep * T))
        out.append(np.sort(rng.choice(T, size=k, replace=False)))
    return out


def readings(X: np.ndarray, kept: list[np.ndarray], unit: float) -> dict:
    """The inputs of each reading: closed-up values, their times, the values with their gaps (in ``unit``),
    the grid with NaN, and the interpolated grid."""
    values = [x[idx] for x, idx in zip(X, kept, strict=True)]
    grid = np.full_like(X, np.nan)
    for g, x, idx in zip(grid, X, kept, strict=True):
        g[idx] = x[idx]
    interpolated = np.stack([np.stack([np.interp(np.arange(X.shape[1]), idx, x[idx, c]) for c in range(X.shape[2])],
                                      axis=1) for x, idx in zip(X, kept, strict=True)])
    gaps = [np.concatenate([v, np.diff(idx, prepend=idx[0])[:, None] / unit], axis=1).astype(np.float32)
            for v, idx in zip(values, kept, strict=True)]
    return {"values": values, "times": [idx.astype(np.float64) for idx in kept], "grid": grid,
            "interpolated": interpolated, "gaps": gaps}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    p.add_argument("--keep", type=float, default=0.3, help="fraction of each series' steps kept")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=150)
    p.add_argument("--draw-seed", type=int, default=0, help="seed of the steps kept")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--probe", action="store_true", help="only the probe of GRU-D + sample times (see above)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"machine: {machine('cpu')}")
    print(f"keep {args.keep:.0%} of each series' steps (draw seed {args.draw_seed}); GRU hidden 32, {args.epochs} "
          f"epochs; seeds {args.seeds}\n")
    print("| set | reading | test accuracy (mean ± sd) | per seed | fit s |")
    print("|---|---|---|---|---|")
    for name in args.sets:
        (X_train, y_train), (X_test, y_test) = load(name, "train"), load(name, "test")
        rng = np.random.default_rng(args.draw_seed)
        kept_train, kept_test = sparse(X_train, args.keep, rng), sparse(X_test, args.keep, rng)
        unit = float(np.median(np.concatenate([np.diff(idx) for idx in kept_train])))  # the training gaps'
        train, test = readings(X_train, kept_train, unit), readings(X_test, kept_test, unit)
        if args.probe:
            probe(name, train, y_train, args)
            continue
        models = {
            "GRU, steps closed up": (dict(), "values", False),
            "GRU, gaps as a feature": (dict(), "gaps", False),
            "GRU-D, steps closed up": (dict(time_aware=True), "values", False),
            "GRU-D + sample times": (dict(time_aware=True), "values", True),
            "GRU-D on the grid, NaN between": (dict(time_aware=True), "grid", False),
        }
        for label, (options, key, timed) in models.items():
            scores, seconds = [], []
            for seed in args.seeds:
                model = SequenceClassifier(cell="gru", hidden_size=32, max_epochs=args.epochs, random_state=seed,
                                           layout="ntf", **options)
                start = time.perf_counter()
                model.fit(train[key], y_train, times=train["times"] if timed else None)
                seconds.append(time.perf_counter() - start)
                scores.append(model.score(test[key], y_test, times=test["times"] if timed else None))
            v = np.array(scores)
            spread = f"{v.mean():.3f} ± {v.std(ddof=1):.3f}" if len(v) > 1 else f"{v.mean():.3f}"
            print(f"| {name} | {label} | {spread} | {' '.join(f'{s:.3f}' for s in v)} | {np.mean(seconds):.1f} |",
                  flush=True)
        from sktime.classification.distance_based import KNeighborsTimeSeriesClassifier

        knn = KNeighborsTimeSeriesClassifier(n_neighbors=1, distance="dtw")
        start = time.perf_counter()
        knn.fit(train["interpolated"].transpose(0, 2, 1), y_train)
        accuracy = float(np.mean(knn.predict(test["interpolated"].transpose(0, 2, 1)) == y_test))
        print(f"| {name} | 1-NN DTW, interpolated | {accuracy:.3f} | (no seed) | {time.perf_counter() - start:.1f} |",
              flush=True)
    print(f"\nload average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def probe(name: str, train: dict, y: np.ndarray, args) -> None:
    """Training accuracy of GRU-D + sample times with the series' own times, another series' and regular ones."""
    times = train["times"]
    other = times[1:] + times[:1]  # each series the next one's times (all have as many kept steps)
    regular = [np.arange(len(t), dtype=np.float64) * 3 for t in times]
    for seed in args.seeds:
        model = SequenceClassifier(cell="gru", hidden_size=32, max_epochs=args.epochs, random_state=seed,
                                   layout="ntf", time_aware=True).fit(train["values"], y, times=times)
        scores = [model.score(train["values"], y, times=t) for t in (times, other, regular)]
        print(f"{name}, seed {seed}: training accuracy {scores[0]:.3f} with its own times, {scores[1]:.3f} with "
              f"another series' times, {scores[2]:.3f} with regular times", flush=True)


if __name__ == "__main__":
    main()
