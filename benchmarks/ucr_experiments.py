"""Training-side experiments on the UCR/UEA benchmark that the estimators do not expose as parameters: the
length buckets' padding noise, and random crops of the training series (window slicing). Each option changes
how the estimator's training batches are made, then runs ``ucr.py`` with the remaining arguments, so every
figure of docs/long_series.md's "Batching" and "The gap is generalisation" paragraphs reproduces::

    python ucr_experiments.py --padding-noise 0.1 --datasets PLAID --validate --methods rnnkit --seeds 0,1
    python ucr_experiments.py --crop 0.9 --datasets PLAID --validate --methods rnnkit --seeds 0,1

``--padding-noise X``: ``batching="bucket"`` sorts by ``length * (1 + u)``, ``u ~ U(-X, X)`` drawn anew each
epoch (:class:`rnnkit.training.LengthBuckets`' ``padding_noise``; the estimators use 0).

``--crop F``: each training sequence of a batch is replaced by a window of ``round(F * L)`` of its ``L`` steps at
a uniformly drawn start (window slicing, Le Guennec et al. 2016), drawn anew at every batch from a generator
seeded by ``--crop-seed``; prediction reads whole series. Not resumable (the draws are not checkpointed): an
experiment, not a training option.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

import rnnkit.training.data as training_data
from rnnkit.training.data import Batch, SequenceDataset


def use_padding_noise(noise: float) -> None:
    module = training_data.SequenceDataModule
    init = module.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("padding_noise", noise)
        init(self, *args, **kwargs)

    module.__init__ = __init__


def use_crops(fraction: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    whole = SequenceDataset.batch

    def batch(self, indices):
        if self.y_per_step or self.y is None or self.y_lengths is not None:
            return whole(self, indices)
        idx = torch.as_tensor(indices, dtype=torch.long)
        lengths = self.lengths[idx].numpy()
        width = np.maximum(1, np.round(fraction * lengths)).astype(np.int64)
        start = rng.integers(0, lengths - width + 1)
        x = self.x.new_zeros((len(idx), int(width.max()), *self.x.shape[2:]))
        for k, i in enumerate(idx.tolist()):
            x[k, : width[k]] = self.x[i, start[k] : start[k] + width[k]]
        return Batch(x, torch.as_tensor(width), self.y[idx], None)

    SequenceDataset.batch = batch


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--padding-noise", type=float, help="the length buckets' padding noise (the estimators: 0)")
    p.add_argument("--crop", type=float, help="train on random windows of this fraction of each series")
    p.add_argument("--crop-seed", type=int, default=0, help="seed of the crops' generator")
    args, rest = p.parse_known_args()
    if args.padding_noise is not None:
        use_padding_noise(args.padding_noise)
    if args.crop is not None:
        if not 0 < args.crop <= 1:
            raise SystemExit(f"--crop must be in (0, 1], got {args.crop}")
        use_crops(args.crop, args.crop_seed)
    import ucr

    ucr.main(rest)


if __name__ == "__main__":
    main()
