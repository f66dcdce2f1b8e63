"""Training-side experiments on the UCR/UEA benchmark that the estimators do not expose as parameters: the
length buckets' padding noise, and jittering the training windows. ``--padding-noise X`` makes
``batching="bucket"`` sort by ``length * (1 + u)``, ``u ~ U(-X, X)`` drawn anew each epoch
(:class:`rnnkit.training.LengthBuckets`' ``padding_noise``; the estimators use 0), then runs ``ucr.py`` with
the remaining arguments, so the figures of docs/long_series.md's "Padding noise" paragraph reproduce::

    python ucr_experiments.py --padding-noise 0.1 --datasets PLAID --validate --methods rnnkit --seeds 0,1

``--jitter S`` adds Gaussian noise to each training window (the estimators' ``crop``, so series longer than 64
steps), ``S`` times the window's own standard deviation per channel, drawn from the window's seed (Um et al.
2017's jittering, scaled per series because the one-channel sets' series differ in scale by orders of
magnitude). Prediction reads the series as they are.

``--swa LR_FRACTION,START`` adds Lightning's ``StochasticWeightAveraging`` to every fit: from the fraction
``START`` of the epochs on, a constant learning rate of ``LR_FRACTION`` times the rule's 1e-2, the weights
averaged over those epochs and batch norm's statistics recomputed at the end.

``--fcn-resolution R`` makes the LSTM-FCN branch read the series averaged over windows of ``R`` steps whatever
the stride (the estimators: ``ceil(stride / 4)``, :func:`rnnkit.models.frontend.fcn_resolution`; 1: every
step). ``--recurrent-steps N`` sets the rule's target for what the recurrence reads (the estimators: 64,
``rnnkit.models.defaults.MAX_RECURRENT_STEPS``), so the stride becomes ``ceil(T_90 / N)``.

``--with-length`` lets the head of a ``keep_scale`` model read ``log L`` (each window's length in steps) beside the
series' level and scale.

(Random windows of the training series and seed ensembles, other experiments of that page, are the estimators'
``crop`` and ``n_members`` options: ``ucr.py --set crop=0.9``, ``ucr.py --set n_members=1``.)
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


def use_jitter(scale: float) -> None:
    import numpy as np
    import torch

    windows = training_data.RandomWindows
    call = windows.__call__

    def __call__(self, indices):
        batch = call(self, indices)
        valid = (torch.arange(batch.x.shape[1])[None, :] < batch.lengths[:, None]).unsqueeze(-1)  # (B, T, 1)
        n = batch.lengths.view(-1, 1, 1).to(batch.x.dtype)
        mean = (batch.x * valid).sum(1, keepdim=True) / n
        std = (((batch.x - mean) * valid) ** 2).sum(1, keepdim=True).div(n).sqrt()
        rng = np.random.default_rng((self.seed, self.sampler.epoch, int(indices[0]), 2))
        noise = torch.from_numpy(rng.standard_normal(batch.x.shape).astype(np.float32))
        return batch._replace(x=batch.x + scale * std * noise * valid)

    windows.__call__ = __call__


def use_swa(lr_fraction: float, start: float) -> None:
    """Stochastic weight averaging (Izmailov et al. 2018; Lightning's ``StochasticWeightAveraging``) in every
    fit: from the fraction ``start`` of the epochs on, the learning rate annealed to ``lr_fraction`` times the
    rule's ``lr`` (1e-2), and the weights averaged over the epochs; batch norm's statistics recomputed at the end."""
    from lightning.pytorch.callbacks import StochasticWeightAveraging

    import rnnkit.estimators as estimators

    fit = estimators.seeded_fit

    def seeded_fit(build, data, **kwargs):
        swa = StochasticWeightAveraging(swa_lrs=1e-2 * lr_fraction, swa_epoch_start=start)  # the rule's lr 1e-2
        kwargs["callbacks"] = [*kwargs.get("callbacks", []), swa]
        return fit(build, data, **kwargs)

    estimators.seeded_fit = seeded_fit


def use_fcn_resolution(r: int) -> None:
    import rnnkit.models.sequence as sequence

    sequence.fcn_resolution = lambda k: r


def use_recurrent_steps(n: int) -> None:
    import rnnkit.models.defaults as defaults

    defaults.MAX_RECURRENT_STEPS = n


def use_length() -> None:
    """The head of a ``keep_scale`` model also reads ``log L``, each series' (window's) length in steps, beside its
    level and scale."""
    import torch

    import rnnkit.models.sequence as sequence
    from rnnkit.models.heads import LabelHead

    normalise = sequence.normalise_series

    def normalise_series(x, lengths, eps=1e-5, *, with_scale=False):
        if not with_scale:
            return normalise(x, lengths, eps)
        x, scale = normalise(x, lengths, eps, with_scale=True)
        n = torch.full((x.shape[0],), x.shape[1]) if lengths is None else lengths
        return x, torch.cat([scale, n.to(scale).log()[:, None]], dim=-1)

    sequence.normalise_series = normalise_series
    init = sequence.SequenceToLabel.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if self.keep_scale:
            head = self.head
            self.head = LabelHead(head.linear.in_features - head.extra_features, head.linear.out_features,
                                  pooling=head.pooling,
                                  num_directions=head.num_directions, extra_features=head.extra_features + 1)

    sequence.SequenceToLabel.__init__ = __init__


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--padding-noise", type=float, help="the length buckets' padding noise (the estimators: 0)")
    p.add_argument("--jitter", type=float, help="Gaussian noise on the training windows, times each window's std")
    p.add_argument("--fcn-resolution", type=int, help="steps the convolutional branch averages (1: every step)")
    p.add_argument("--recurrent-steps", type=int, help="the rule's target for the recurrence's steps (64)")
    p.add_argument("--swa", metavar="LR_FRACTION,START", help="stochastic weight averaging from START (a fraction "
                   "of the epochs) at LR_FRACTION times lr")
    p.add_argument("--with-length", action="store_true", help="the head of a keep_scale model also reads log L")
    args, rest = p.parse_known_args()
    if args.with_length:
        use_length()
    if args.fcn_resolution is not None:
        use_fcn_resolution(args.fcn_resolution)
    if args.recurrent_steps is not None:
        use_recurrent_steps(args.recurrent_steps)
    if args.padding_noise is not None:
        use_padding_noise(args.padding_noise)
    if args.jitter is not None:
        use_jitter(args.jitter)
    if args.swa is not None:
        use_swa(*(float(v) for v in args.swa.split(",")))
    import ucr

    ucr.main(rest)


if __name__ == "__main__":
    main()
