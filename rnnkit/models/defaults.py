"""Model and training defaults chosen from the data's size and sequence lengths alone.

:func:`defaults_for_series` is a pure function of ``(n_sequences, lengths, n_channels)``: it never reads the
values, so it cannot be tuned to a test split by accident, and the same data shape always gets the same
model. Its rule and the measurements behind it are in docs/long_series.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from ..checks import closest_name, is_count, is_integer
from .frontend import fcn_resolution

# The recurrence reads at most this many steps: past ~150 steps a GRU trained by BPTT stops fitting even its
# training set (docs/long_series.md); 64 leaves margin and keeps a CPU epoch short.
MAX_RECURRENT_STEPS = 64
# Sequences up to this length are read step by step, with no front-end.
SHORT = 64
# Optimizer steps a fit aims for, and the epoch bounds that keep a small set from being under-trained and a
# large one from running long.
TARGET_STEPS = 600
MIN_EPOCHS, MAX_EPOCHS = 30, 300
# the fraction of each long series a training window keeps (window slicing; docs/long_series.md)
CROP = 0.9
# the windows of that fraction a model trained on windows reads at prediction, its outputs averaged
PREDICT_WINDOWS = 5
# networks trained from different seeds on long series, their outputs averaged (docs/long_series.md)
MEMBERS = 3
# a classifier's label smoothing on long series (docs/long_series.md)
LABEL_SMOOTHING = 0.1


def defaults_for_series(n_sequences: int, lengths: Sequence[int], n_channels: int, *,
                        task: str = "classification") -> dict:
    """Defaults for a sequence classifier or regressor, from the size of its training data.

    ``n_sequences``: training sequences; ``lengths``: their valid lengths (any iterable of ints, or one int when
    every sequence has that length);
    ``n_channels``: features per step; ``task``: ``"classification"`` (default) or ``"regression"``.
    Returns ``{"model": ..., "training": ..., "rule": ...}``:

    - ``model``: keyword arguments of :class:`rnnkit.models.SequenceToLabel` (``hidden_size`` included):
      ``cell``, ``hidden_size``, ``bidirectional``, ``pooling``, ``frontend``, ``stride``, ``embed_size``,
      ``normalise``, ``keep_scale``;
    - ``training``: ``lr``, ``lr_schedule`` and a classifier's ``label_smoothing`` (for
      :class:`rnnkit.training.SequenceModule`; only for ``task="classification"``), ``batch_size``,
      ``max_epochs``, ``crop`` (for :class:`rnnkit.training.SequenceDataModule`), ``n_members`` (networks fitted
      from different seeds, their outputs averaged: :class:`rnnkit.models.Ensemble`);
    - ``rule``: one line saying what was chosen and why (for a fitted estimator's record and ``verbose``).

    The rule, with ``T = max(lengths)``:

    - ``T <= 64``, one channel: no front-end, the recurrence reads every step; pooling ``"final"``.
    - ``T <= 64``, several channels: the ``"fcn"`` front-end of stride 1 (the recurrence reads every step
      through a width-3 convolution, the convolutional branch below beside it); pooling ``"final"``. It
      scored 0.988 against 0.969 on JapaneseVowels' validation split and tied on ItalyPowerDemand's (one
      channel), where the plain recurrence is kept: it is cheaper and has a step graph to stream.
    - ``T > 64``: the ``"fcn"`` front-end of stride ``k = ceil(T_90 / 64)``, ``T_90`` the 90th percentile of the
      lengths (nearest rank; ``T`` itself when all are equal): the recurrence reads the ``"conv"`` front-end's
      ``ceil(L / k)`` steps, at most 64 for nine series in ten, so that a few long ones do not coarsen every
      other's reading (PLAID, lengths 100-1344: stride 8 scored 0.840 on its validation split, stride
      ``ceil(1344 / 64) = 21`` 0.747); and LSTM-FCN's convolutional branch (Karim et al. 2018) reads
      the series beside it (at ``ceil(k / 4)`` steps a read), its mean over time joining the pooled recurrent
      outputs before the head; pooling ``"attention"``, since at any length what matters may lie anywhere;
      and for one channel, ``normalise="series"``: a long univariate series is classified by its shape, and
      series of one set can differ in level and scale by orders of magnitude (PLAID's appliances). The head
      reads the level and scale it removed beside the pooled outputs (``keep_scale=True``, compressed by
      ``asinh`` and ``log``): on the validation splits over six seeds, with three networks, PLAID 0.891 against
      0.878 without (an appliance's current amplitude tells it apart), GunPoint 0.967 against 0.978 (one
      series of the 90 scored). With several channels their relative amplitudes are evidence, so it stays off.
    - ``T > 64``, any channels: trained on random windows of 90 % of each series (``crop=0.9``, window
      slicing; prediction reads whole series): the model fits its training series far better than new ones
      (PLAID: 0.997 against 0.790 on its validation split), and the windows scored 0.836 against 0.803 there
      over six seeds, ahead in each pair, and tied at 1.000 on GunPoint's and BasicMotions'. Short series
      read whole (``crop=None``).
    - ``T > 64``: three networks fitted from different seeds, their outputs averaged (``n_members=3``): on the
      validation splits of PLAID and GunPoint over six seeds, 0.878 and 0.978 against 0.859 and 0.944 for one
      (two: 0.866 and 0.978), within a minute of CPU for PLAID's 537 series. Short series keep one network
      (``n_members=1``): their fits are already stable, and one forward network streams.
    - ``T > 64``, a classifier: labels smoothed by 0.1 in the training loss (``label_smoothing=0.1``; Szegedy
      et al. 2016): the networks fit their training series far better than new ones, and softer targets keep
      their logits from certainty. On the validation splits over six seeds, three networks, PLAID 0.901
      against 0.891 without (ahead at five seeds, level at one), GunPoint 0.978 against 0.967 (one series
      of the 90 scored). Short series keep the plain cross-entropy (not measured there).
    - bidirectional GRU, ``hidden_size = 64``; ``batch_size = min(32, max(8, n // 8))`` so a small set still
      makes several optimizer steps an epoch; ``max_epochs`` is what reaches about 600 optimizer steps,
      within ``[30, 300]``; AdamW with a one-cycle schedule (``lr_schedule="onecycle"``) peaking at
      ``lr = 1e-2``.
    """
    who = "defaults_for_series"
    if task not in ("classification", "regression"):
        guess = closest_name(task, ("classification", "regression"))
        raise ValueError(f"{who}: task must be 'classification' or 'regression', got {task!r}"
                         + (f"; did you mean {guess!r}?" if guess else ""))
    for name, value in (("n_sequences", n_sequences), ("n_channels", n_channels)):
        if not is_count(value):  # 100.5 sequences would give a batch size of 12.0, refused later by the DataLoader
            raise ValueError(f"{who}: {name} must be an integer >= 1, got {value!r}")
    if is_integer(lengths):  # defaults_for_series(len(X), X.shape[1], X.shape[2]): every sequence that long
        lengths = [lengths]
    if isinstance(lengths, str) or not isinstance(lengths, Iterable) or np.ndim(lengths) != 1:
        shape = f" of shape {np.shape(lengths)}" if np.ndim(lengths) > 1 else ""
        raise ValueError(f"{who}: lengths must be the valid length of each sequence, one integer each (a list or "
                         f"1-D array), or one integer when all are that long, got {type(lengths).__name__}{shape}")
    lengths = np.asarray(lengths)
    if lengths.dtype.kind not in "iu" and not (lengths.dtype.kind == "f" and np.all(lengths == np.round(lengths))):
        at = int(np.flatnonzero(~(lengths == np.round(lengths)))[0]) if lengths.dtype.kind == "f" else 0
        raise ValueError(f"{who}: lengths must be whole numbers of steps, got {float(lengths[at]):g} at position {at}; "
                         f"floats are not truncated: give each sequence's number of valid steps")
    lengths = [int(n) for n in lengths]
    if not lengths or min(lengths) < 1:
        raise ValueError(f"defaults_for_series needs n_sequences >= 1, lengths >= 1 and n_channels >= 1, got "
                         f"n_sequences={n_sequences}, {len(lengths)} lengths (min "
                         f"{min(lengths) if lengths else None}), n_channels={n_channels}")
    T = max(lengths)
    hidden = 64
    model = dict(cell="gru", hidden_size=hidden, bidirectional=True, pooling="final", frontend=None, stride=1,
                 embed_size=None, normalise=None, keep_scale=False)
    if T <= SHORT and n_channels == 1:
        why = f"T={T} <= {SHORT}: no front-end, the recurrence reads every step"
    elif T <= SHORT:
        model.update(frontend="fcn", stride=1)
        why = (f"T={T} <= {SHORT}, {n_channels} channels: fcn front-end of stride 1, the recurrence reads every "
               "step through a width-3 convolution and a convolutional branch beside it")
    else:
        T_90 = sorted(lengths)[math.ceil(0.9 * len(lengths)) - 1]
        k = math.ceil(T_90 / MAX_RECURRENT_STEPS)
        model.update(frontend="fcn", stride=k, embed_size=hidden, pooling="attention")
        at_most = "" if T_90 == T else f" (9 in 10 series: <= {math.ceil(T_90 / k)})"
        why = (f"T={T} > {SHORT}: fcn front-end of stride {k}, the recurrence reads <= {math.ceil(T / k)} "
               f"steps{at_most} and a convolutional branch <= {math.ceil(T / fcn_resolution(k))} beside them; "
               "attention pooling")
        if n_channels == 1:
            model.update(normalise="series", keep_scale=True)
            why += "; one channel: each series normalised by its own mean and std, which the head reads beside"
    batch_size = min(32, max(8, n_sequences // 8))
    batches = math.ceil(n_sequences / batch_size)
    epochs = min(MAX_EPOCHS, max(MIN_EPOCHS, math.ceil(TARGET_STEPS / batches)))
    crop = None if T <= SHORT else CROP
    members = 1 if T <= SHORT else MEMBERS
    training = dict(lr=1e-2, lr_schedule="onecycle", batch_size=batch_size, max_epochs=epochs, crop=crop,
                    n_members=members)
    if task == "classification":
        training["label_smoothing"] = 0.0 if T <= SHORT else LABEL_SMOOTHING
    rule = f"{why}; bidirectional GRU of {hidden}; batch {batch_size}, {epochs} epochs, one-cycle lr up to 1e-2"
    if crop is not None:
        rule += f"; trained on random windows of {crop:.0%} of each series, predicting from {PREDICT_WINDOWS}"
    if members > 1:
        rule += f"; {members} networks from different seeds, their outputs averaged"
    if training.get("label_smoothing"):
        rule += f"; labels smoothed by {training['label_smoothing']:g}"
    return {"model": model, "training": training, "rule": rule}
