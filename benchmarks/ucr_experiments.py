"""A training-side experiment on the UCR/UEA benchmark that the estimators do not expose as a parameter: the
length buckets' padding noise. ``--padding-noise X`` makes ``batching="bucket"`` sort by ``length * (1 + u)``,
``u ~ U(-X, X)`` drawn anew each epoch (:class:`rnnkit.training.LengthBuckets`' ``padding_noise``; the
estimators use 0), then runs ``ucr.py`` with the remaining arguments, so the figures of docs/long_series.md's
"Padding noise" paragraph reproduce::

    python ucr_experiments.py --padding-noise 0.1 --datasets PLAID --validate --methods rnnkit --seeds 0,1

(Random windows of the training series, the other experiment of that page, are the estimators' ``crop``
option: ``ucr.py --set crop=0.9``.)
"""

from __future__ import annotations

import argparse

import rnnkit.training.data as training_data


def use_padding_noise(noise: float) -> None:
    module = training_data.SequenceDataModule
    init = module.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("padding_noise", noise)
        init(self, *args, **kwargs)

    module.__init__ = __init__


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--padding-noise", type=float, help="the length buckets' padding noise (the estimators: 0)")
    args, rest = p.parse_known_args()
    if args.padding_noise is not None:
        use_padding_noise(args.padding_noise)
    import ucr

    ucr.main(rest)


if __name__ == "__main__":
    main()
