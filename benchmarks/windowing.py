"""Windowing throughput: a long multivariate float32 series -> batches of (x, y) windows.

Three figures, each in windows per second:

* arrays   - `sliding_windows` views of every window, then one contiguous copy of all of them
             (what Keras' ``timeseries_dataset_from_array`` hands a model that wants arrays);
* indexing - ``ds[idx]`` for shuffled batches of ``--batch`` windows (fancy indexing of the views);
* loader   - the same through ``ds.loader(batch, shuffle=True)``, a ``torch.utils.data.DataLoader``.

The series goes through `TimeSeriesFrame` + `Preprocessor` (standard scaling fit on the first 70 %, as a
training split would be) and every window of it is served; the set-up time includes that preprocessing.

    python benchmarks/windowing.py                       # 1M steps x 8 features, lookback 48, horizon 12
    python benchmarks/windowing.py --steps 200000 --lookback 168 --horizon 24
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
from layers import machine  # the machine line of the other benchmarks

from rnnkit.data.timeseries import (
    Preprocessor,
    TimeSeriesFrame,
    WindowDataset,
    WindowSpec,
    sliding_windows,
    split_by_time,
)


def best_of(repeats: int, fn) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=1_000_000)
    p.add_argument("--features", type=int, default=8)
    p.add_argument("--lookback", type=int, default=48)
    p.add_argument("--horizon", type=int, default=12)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--repeats", type=int, default=5, help="best of this many runs is reported")
    args = p.parse_args()

    rng = np.random.default_rng(0)
    values = rng.standard_normal((args.steps, args.features)).astype(np.float32)
    spec = WindowSpec(args.lookback, args.horizon)

    t0 = time.perf_counter()
    frame = TimeSeriesFrame(values)
    split = split_by_time(frame, val=0.15, test=0.15)
    prep = Preprocessor(scale="standard").fit(frame, split.train)
    features = prep.transform(frame, spec)
    ds = WindowDataset(features, spec)
    setup = time.perf_counter() - t0
    n = len(ds)

    x, y = sliding_windows(features.inputs, args.lookback, args.horizon)
    t_arrays = best_of(args.repeats, lambda: (np.ascontiguousarray(x), np.ascontiguousarray(y)))

    def by_index():
        order = np.random.default_rng(1).permutation(n)
        for i in range(0, n, args.batch):
            ds[order[i : i + args.batch]]

    t_index = best_of(args.repeats, by_index)

    def by_loader():
        for _ in ds.loader(args.batch, shuffle=True, generator=torch.Generator().manual_seed(1)):
            pass

    t_loader = best_of(args.repeats, by_loader)

    print(f"machine: {machine('cpu')}")
    print("load average (1, 5, 15 min) at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"series: {args.steps:,} steps x {args.features} features float32; lookback {args.lookback}, "
        f"horizon {args.horizon}, batch {args.batch}; {n:,} windows "
        f"(set-up incl. scaling: {setup:.2f} s)"
    )
    print(f"arrays   {len(x) / t_arrays:>14,.0f} windows/s  (all windows copied once)")
    print(f"indexing {n / t_index:>14,.0f} windows/s  (shuffled batches, ds[idx])")
    print(f"loader   {n / t_loader:>14,.0f} windows/s  (shuffled batches, ds.loader(...), DataLoader)")


if __name__ == "__main__":
    main()
