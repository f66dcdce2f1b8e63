"""TimeAware (GRU-D's decays) against plain GRUs on a real series observed sparsely at random times.

Data: weekly Mauna Loa CO2 (``rnnkit.data.load_co2``: 2284 weeks, 1958-2001, 59 weeks already missing). Each
week is kept with probability ``1 - drop`` (one fixed draw, seed 0, so the weeks kept at 80 % drop are a
subset of those kept at 50 %); the others become NaN. The series is thus sampled at irregular times, written
on its weekly grid with gaps, which is GRU-D's setting (Che et al. 2018).

Task: forecast the next 13 weeks from the last 52. Every model is ``rnnkit.Forecaster(cell="gru",
hidden_size=32, lookback=52, horizon=13, relative=True)`` trained for the same number of epochs and batches
(30 x 64 windows, AdamW lr 5e-3) on the first 75 % of the weeks, the loss counting only the kept targets.
Test: forecasts from every week of the last 25 % (inputs: the sparse series), scored against the full
measured series (MAE in ppm over all 13 steps and every measured week). Mean ± sd over seeds 0, 1, 2 (the
initial weights and the shuffling; the drop pattern stays fixed).

=====================  ==========================================================================
model                  inputs
=====================  ==========================================================================
GRU + ffill            the last observed value ("GRU-forward" in Che et al.)
GRU + mask + δ         ``[x_ffill, m, δ]``: observed mask and weeks since observed ("GRU-simple")
TimeAware(GRU)         ``[x, m, δ]`` through the input and hidden-state decays ("GRU-D")
last observed          baseline: the last kept value, for all 13 weeks
same week last year    baseline: the value 52 weeks before each target (last kept value then)
=====================  ==========================================================================

    python benchmarks/irregular.py                    # drops 50 % and 80 %, seeds 0 1 2: ~4 min on 2 cores
    python benchmarks/irregular.py --drops 0.7 --seeds 0 --epochs 10      # a quick look
    python benchmarks/irregular.py --absolute         # relative=False: the models predict levels
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from layers import machine  # the machine line of the other benchmarks

from rnnkit.data.datasets import load_co2
from rnnkit.forecast import Forecaster

LOOKBACK, HORIZON, SEASON = 52, 13, 52
MODELS = {
    "GRU + ffill": {},
    "GRU + mask + δ": {"mask": True, "time_since": True},
    "TimeAware(GRU)": {"time_aware": True},
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--drops", type=float, nargs="+", default=[0.5, 0.8], help="fractions of weeks dropped")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, default=32)
    p.add_argument("--absolute", action="store_true", help="relative=False: predict levels, not changes")
    p.add_argument("--threads", type=int, default=1, help="torch threads (1: fastest for small models)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    dense = load_co2()
    n = len(dense)
    cut = round(0.75 * n)
    keep_draw = np.random.default_rng(0).random(n)
    truth = dense.to_numpy()
    print(f"machine: {machine('cpu')}")
    print(f"co2: {n} weeks, train {dense.index[0].date()} .. {dense.index[cut - 1].date()}, test from "
          f"{dense.index[cut].date()}; lookback {LOOKBACK}, horizon {HORIZON}, GRU hidden {args.hidden}, "
          f"{args.epochs} epochs x batch 64, seeds {args.seeds}, relative={not args.absolute}\n")
    print("| drop | weeks kept (train) | model | test MAE, ppm (mean ± sd) | per seed | fit s |")
    print("|---|---|---|---|---|---|")
    for drop in args.drops:
        sparse = dense.where(keep_draw >= drop)
        kept = int(sparse.iloc[:cut].notna().sum())
        origins = np.arange(cut, n - HORIZON + 1)  # rows of each forecast's first step
        target_rows = origins[:, None] + np.arange(HORIZON)  # (n_o, H)
        actual = truth[target_rows]

        filled = sparse.ffill().to_numpy()
        results = {
            "last observed": [mae(np.repeat(filled[origins - 1, None], HORIZON, axis=1), actual)],
            "same week last year": [mae(filled[target_rows - SEASON], actual)],
        }
        seconds = {}
        for name, options in MODELS.items():
            results[name], seconds[name] = [], []
            for seed in args.seeds:
                model = Forecaster(cell="gru", lookback=LOOKBACK, horizon=HORIZON, hidden_size=args.hidden,
                                   max_epochs=args.epochs, batch_size=64, lr=5e-3, relative=not args.absolute,
                                   random_state=seed, device="cpu", **options)
                t0 = time.perf_counter()
                model.fit(sparse.iloc[:cut])
                seconds[name].append(time.perf_counter() - t0)
                forecasts = model.historical_forecasts(sparse, start=int(cut)).to_numpy()  # (n_o, H)
                results[name].append(mae(forecasts, actual))
        for name, values in results.items():
            v = np.array(values)
            spread = f"{v.mean():.3f} ± {v.std(ddof=1):.3f}" if len(v) > 1 else f"{v.mean():.3f}"
            per_seed = " ".join(f"{x:.3f}" for x in v) if name in MODELS else "(no seed)"
            fit = f"{np.mean(seconds[name]):.1f}" if name in seconds else ""
            print(f"| {drop:.0%} | {kept} of {cut} | {name} | {spread} | {per_seed} | {fit} |")
    print(f"\nload average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def mae(forecast: np.ndarray, actual: np.ndarray) -> float:
    """Mean absolute error over the measured entries of ``actual`` (co2 has 59 unmeasured weeks)."""
    return float(np.nanmean(np.abs(forecast - actual)))


if __name__ == "__main__":
    main()
