"""Padding of `rnnkit.data.BucketBatchSampler`'s batches against random batches (docs/data_kinds.md, "Bucketing").

2000 log-normal lengths (median about 54, `--seed` draws them) in batches of 32: the fraction of the padded
``(B, T)`` cells that are padding (``rnnkit.data.collate.padding_fraction``) for random batches, the default
buckets and one bucket (a full sort), for each of ``--epochs`` epochs of the sampler.

    python benchmarks/bucket_sampler.py
"""

import argparse

import numpy as np

from rnnkit.data.collate import BucketBatchSampler, padding_fraction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    lengths = np.maximum(1, rng.lognormal(np.log(54), 0.8, args.n).round()).astype(int).tolist()
    print(f"{args.n} lengths: median {int(np.median(lengths))}, max {max(lengths)}; batches of {args.batch_size}")
    random = [list(b) for b in np.array_split(rng.permutation(args.n), -(-args.n // args.batch_size))]
    print(f"random batches: padding {padding_fraction(lengths, random):.3f}")
    for name, bucket_size in (("default buckets", None), ("one bucket (full sort)", args.n)):
        sampler = BucketBatchSampler(lengths, args.batch_size, bucket_size=bucket_size, seed=args.seed)
        shares = []
        for epoch in range(args.epochs):
            sampler.set_epoch(epoch)
            shares.append(padding_fraction(lengths, list(sampler)))
        print(f"{name}: padding {' / '.join(f'{s:.3f}' for s in shares)} (epochs 0 .. {args.epochs - 1})")


if __name__ == "__main__":
    main()
