"""What the training module reads: batches of padded sequences, a data module, and token streams.

A batch is any object with the fields of :class:`Batch` (rnnkit.data's ``SequenceBatch`` qualifies):

=============  ======================================  ==============================================
field          shape                                   meaning
=============  ======================================  ==============================================
``x``          ``(B, T, F)`` float or ``(B, T)`` ids   inputs, padding at the end of time
``lengths``    ``(B,)`` int64 or None                  valid steps per sequence (None: all T)
``y``          ``(B, ...)`` or ``(B, T, ...)``         one target per sequence or per step
``y_lengths``  ``(B,)`` or None                        valid steps of ``y`` (encoder-decoder only)
``weights``    ``(B,)`` float or None                  each sequence's weight in the loss (None: equal)
=============  ======================================  ==============================================
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import NamedTuple

import lightning as L
import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from ..checks import check_flags, is_count, is_integer
from ..data.collate import (
    check_padding_noise,
    check_window_fraction,
    length_buckets,
    pad_sequences,
    take_windows,
    window_width,
)
from ..data.text import BPTTBatches, batchify
from .runs import BATCHINGS, seed_twin


class Batch(NamedTuple):
    x: Tensor
    lengths: Tensor | None
    y: Tensor | None = None
    y_lengths: Tensor | None = None
    weights: Tensor | None = None


class SequenceDataset(Dataset):
    """Padded sequences held as whole tensors; batches are cut by index and trimmed to their longest item.

    ``x (N, T, ...)``, ``lengths (N,)``, ``y (N, ...)`` per sequence or ``(N, T, ...)`` per step
    (``y_per_step=True``), ``y_lengths (N,)`` for outputs of their own length (then ``y`` is trimmed by them),
    ``weights (N,)`` each sequence's weight in the loss (:meth:`SequenceModule.loss`), carried into its batch.
    Arrays and lists are read as tensors; ``x`` may be a list (or a 1-D object array) of ``(T_i, ...)`` sequences,
    padded here (its lengths theirs); ``lengths=None``: every sequence has all ``T`` steps. Each length must be in
    ``[1, T]`` (beyond ``T``: refused by the first batch that reads ``x``), each ``y_lengths`` in ``[1, T_y]``, each
    weight a finite number >= 0 (not all 0).
    Use :meth:`batch` as the DataLoader's ``collate_fn``: items are indices, so a batch is one fancy-index.
    """

    def __init__(self, x: Tensor, lengths: Tensor | None, y: Tensor | None = None, *, y_per_step: bool = False,
                 y_lengths: Tensor | None = None, weights: Tensor | None = None):
        if isinstance(x, np.ndarray) and x.dtype == object and x.ndim == 1:  # ragged sequences, as numpy holds them
            x = list(x)
        if isinstance(x, list | tuple):  # variable-length sequences, as torch.nn.utils.rnn.pad_sequence takes them
            given = [len(s) for s in x]
            x = pad_sequences(x)
            if lengths is not None and list(map(int, lengths)) != given:
                i = next(i for i, (a, b) in enumerate(zip(lengths, given, strict=False)) if int(a) != b) \
                    if len(lengths) == len(given) else min(len(lengths), len(given))
                raise ValueError(f"SequenceDataset: x is a list of {len(given)} sequences, but lengths "
                                 f"({len(lengths)} of them) differ from theirs at sequence {i}; pass lengths=None to "
                                 f"take the sequences' own")
            lengths = given
        flat = y.ravel().tolist() if isinstance(y, np.ndarray) and y.dtype.kind in "USO" else \
            list(y) if isinstance(y, list | tuple) else []
        if any(isinstance(v, str) for v in flat):  # else torch's TypeError of a numpy.str_ dtype
            labels = list(dict.fromkeys(v.item() if isinstance(v, np.generic) else v for v in flat))
            raise ValueError(f"SequenceDataset: y holds labels {labels[:4]}{' ...' if len(labels) > 4 else ''}, "
                             f"which are not numbers; the loss reads class ids 0 to C - 1 (e.g. np.unique(y, "
                             f"return_inverse=True)[1]) or float targets (an rnnkit estimator takes labels as given)")
        x, lengths, y, weights = (None if t is None else torch.as_tensor(t) for t in (x, lengths, y, weights))
        if lengths is None:
            lengths = torch.full((len(x),), x.shape[1], dtype=torch.long)
        if len(lengths) != len(x) or any(t is not None and len(t) != len(x) for t in (y, weights)):
            raise ValueError(f"x, lengths, y and weights need the same first dimension, got {len(x)}, {len(lengths)}, "
                             f"{None if y is None else len(y)}, {None if weights is None else len(weights)}"
                             + time_first_hint(x, len(lengths)))
        check_lengths(lengths, None)  # beyond x's T: checked by the batches that read x
        lengths = lengths.long()
        if y_per_step and y is not None and (y.dim() < 2 or y_lengths is None and y.shape[1] < x.shape[1]):
            raise ValueError(f"SequenceDataset: y_per_step=True reads one target per step, y of shape (N, T, ...) "
                             f"with x's T={x.shape[1]} steps, got y of shape {tuple(y.shape)}"
                             + ("; one target per sequence: leave y_per_step out" if y.dim() < 2 else ""))
        if y_lengths is not None:
            y_lengths = check_target_lengths(torch.as_tensor(y_lengths), y, len(x))
        if weights is not None:
            weights = check_weights(weights)
        self.x, self.lengths, self.y, self.y_lengths, self.weights = x, lengths, y, y_lengths, weights
        self.y_per_step = y_per_step

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> int:
        return i

    def batch(self, indices: list[int]) -> Batch:
        idx = torch.as_tensor(indices, dtype=torch.long)
        lengths = self.lengths[idx]
        T = int(lengths.max())
        if T > self.x.shape[1]:  # x[:, :T] would cut the batch to x's steps, its lengths still beyond them
            check_lengths(self.lengths, self.x.shape[1])
        y = y_lengths = None
        if self.y is not None:
            y = self.y[idx]
            if self.y_per_step:
                y = y[:, :T]
            if self.y_lengths is not None:
                y_lengths = self.y_lengths[idx]
                y = y[:, : int(y_lengths.max())]
        weights = None if self.weights is None else self.weights[idx]
        return Batch(self.x[idx, :T], lengths, y, y_lengths, weights)


def time_first_hint(x: Tensor, batch_size: int) -> str:
    """The hint for a batch whose ``x`` has its ``batch_size`` sequences on its second axis: time-first."""
    if x.dim() >= 2 and x.shape[1] == batch_size != x.shape[0]:
        return (f"; x {tuple(x.shape)} looks time-first (T, B, ...), as torch.nn reads it by default (batch_first="
                "False): rnnkit is batch-first, pass x.transpose(0, 1)")
    return ""


def check_target_lengths(y_lengths: Tensor, y: Tensor | None, n: int) -> Tensor:
    """``y_lengths`` as int64 ``(N,)``, or ValueError unless each is a whole number of ``y``'s steps in
    ``[1, y.shape[1]]``: a float would be truncated, a length beyond ``y``'s steps cut to them without a word, a
    length of 0 leave a sequence no target, and lengths of another count fail only in the batch that reads them."""
    if y is None or y.dim() < 2:
        raise ValueError("SequenceDataset: y_lengths are the lengths of per-step targets y (N, T_y, ...), but y is "
                         + ("None" if y is None else f"of shape {tuple(y.shape)}") + "; leave y_lengths out")
    if y_lengths.shape != (n,):
        raise ValueError(f"SequenceDataset: y_lengths must have shape ({n},), one per sequence, got "
                         f"{tuple(y_lengths.shape)}")
    if y_lengths.is_floating_point() or y_lengths.is_complex() or y_lengths.dtype == torch.bool:
        raise ValueError(f"SequenceDataset: y_lengths must be integer step counts, got dtype {y_lengths.dtype}"
                         + ("; use y_lengths.long()" if y_lengths.is_floating_point()
                            and bool((y_lengths == y_lengths.round()).all()) else ""))
    bad = ((y_lengths < 1) | (y_lengths > y.shape[1])).nonzero()
    if len(bad):
        i = int(bad[0, 0])
        raise ValueError(f"SequenceDataset: sequence {i} has y_lengths {int(y_lengths[i])}, but y has "
                         f"{y.shape[1]} steps; each must be in [1, {y.shape[1]}] (the valid steps of its target)")
    return y_lengths.long()


def check_weights(weights: Tensor) -> Tensor:
    """``weights`` if they are ``(N,)`` finite numbers >= 0, not all 0; else ValueError naming the first sequence
    that is not: a negative weight would push its sequence's loss up, NaN make every loss NaN, and weights of
    another shape broadcast in the loss."""
    if weights.dim() != 1:
        raise ValueError(f"SequenceDataset: weights must have shape (N,), one per sequence, got "
                         f"{tuple(weights.shape)}" + ("; pass weights.ravel()" if weights.dim() == 2 and
                                                      1 in weights.shape else ""))
    if weights.is_complex() or weights.dtype == torch.bool:
        raise ValueError(f"SequenceDataset: weights must be real numbers, got dtype {weights.dtype}")
    w = weights.double()
    bad = (~torch.isfinite(w) | (w < 0)).nonzero()
    if len(bad):
        i = int(bad[0, 0])
        raise ValueError(f"SequenceDataset: sequence {i} has weight {w[i].item()} ({len(bad)} such); each weight "
                         "must be a finite number >= 0 (0 leaves a sequence out of the loss)")
    if len(w) and not bool((w > 0).any()):
        raise ValueError(f"SequenceDataset: every one of the {len(w)} weights is 0, so no sequence counts in the "
                         "loss; give some a weight > 0")
    return weights


def check_lengths(lengths: Tensor, T: int | None) -> None:
    """ValueError unless ``lengths`` are ``(N,)`` whole numbers in ``[1, T]``, naming the first that is not: a
    length beyond ``T`` would be cut to ``T`` without a word, a length of 0 leave its sequence nothing to read.
    ``T=None``: at least 1 (a dataset read only for its lengths, by a sampler, may hold a placeholder ``x``)."""
    if lengths.dim() != 1:
        raise ValueError(f"SequenceDataset: lengths must have shape (N,), one per sequence, got {tuple(lengths.shape)}"
                         + ("; pass lengths.ravel()" if lengths.dim() == 2 and 1 in lengths.shape else ""))
    if lengths.is_floating_point() or lengths.is_complex() or lengths.dtype == torch.bool:
        whole = not lengths.is_complex() and lengths.dtype != torch.bool and bool((lengths == lengths.round()).all())
        raise ValueError(f"SequenceDataset: lengths must be integer step counts, got dtype {lengths.dtype}"
                         + ("; use lengths.long()" if whole else ""))
    bad = ((lengths < 1) | (lengths > (math.inf if T is None else T))).nonzero()
    if len(bad):
        i = int(bad[0, 0])
        n = int(lengths[i])
        if n < 1:
            raise ValueError(f"SequenceDataset: sequence {i} has length {n}; every sequence needs at least one valid "
                             f"step: drop empty sequences")
        raise ValueError(f"SequenceDataset: sequence {i} has length {n}, but x has T={T} steps; each length must be "
                         f"in [1, {T}] (its valid steps, padding after them): check that x holds all the steps (x[{i}] "
                         f"has {T}) and lengths")


class LengthBuckets(DistributedSampler):
    """This process's share of the epoch's indices, in batches of similar lengths, so that a batch trimmed to
    its longest sequence holds little padding.

    The share is ``DistributedSampler``'s (a permutation drawn from ``seed + epoch``, or the identity when not
    ``shuffle``; disjoint across the ``num_replicas`` processes, each of ``ceil(N / num_replicas)`` indices).
    It is cut into buckets of ``bucket_size`` (default ``50 * batch_size``), each sorted by length and cut
    into batches (:func:`rnnkit.data.collate.length_buckets`); with ``shuffle`` the batches are then put in
    an order drawn from ``(seed, epoch)``. Every process has the same number of batches, as DDP needs. The
    larger the bucket, the less padding and the less random the batches' make-up (sequences of one length
    are still shuffled among themselves). ``padding_noise > 0`` sorts by ``length * (1 + u)``, ``u`` uniform in
    ``±padding_noise`` and drawn from ``(seed, epoch)`` (the same in every process), so that the make-up of the
    batches changes from epoch to epoch for a little more padding. It yields lists of indices: use it as
    ``DataLoader(sampler=..., batch_size=None)``; being a ``DistributedSampler``, Lightning calls its
    ``set_epoch`` and injects no sampler of its own under DDP.
    """

    def __init__(self, dataset: SequenceDataset, batch_size: int, *, num_replicas: int = 1, rank: int = 0,
                 shuffle: bool = True, seed: int = 0, bucket_size: int | None = None,
                 padding_noise: float = 0.0):
        for name, value in (("batch_size", batch_size), ("bucket_size", bucket_size)):
            if not (is_count(value) or name == "bucket_size" and value is None):
                raise ValueError(f"LengthBuckets: {name} must be an integer >= 1"
                                 + (" or None" if name == "bucket_size" else "") + f", got {value!r}")
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=shuffle, seed=seed)
        self.padding_noise = check_padding_noise(padding_noise)
        self.lengths = dataset.lengths.numpy()
        self.batch_size = batch_size
        # a multiple of batch_size, so that only the last bucket has a short batch
        self.bucket_size = max(1, (bucket_size or 50 * batch_size) // batch_size) * batch_size

    def __iter__(self) -> Iterator[list[int]]:
        # A generator, so the epoch's batches are drawn at the first next(): a resumed Lightning run creates
        # its first iterator before it calls set_epoch, and eager batches would repeat epoch 0's
        share = np.fromiter(super().__iter__(), dtype=np.int64)
        noise = self.padding_noise if self.shuffle else 0.0
        rng = np.random.default_rng((self.seed, self.epoch, 1))  # the same draw in every process
        batches = length_buckets(share, self.lengths, self.batch_size, self.bucket_size, noise=noise, rng=rng)
        order = np.random.default_rng((self.seed, self.epoch)).permutation(len(batches)) if self.shuffle else None
        yield from batches if order is None else (batches[i] for i in order)

    def __len__(self) -> int:
        return -(-self.num_samples // self.batch_size)  # full batches but the last one's


class RandomWindows:
    """The collate of a training loader that reads random windows of the sequences (window slicing, Le Guennec
    et al. 2016): each sequence of a batch, ``L`` valid steps, becomes ``w = max(1, round(fraction * L))``
    consecutive of them from a start drawn uniformly in ``[0, L - w]``, padded after its end as before; the
    per-sequence targets are kept. The starts are drawn from ``(seed, epoch, the batch's first index)``, with
    the epoch of the loader's sampler, so a run resumed from a checkpoint reads the same windows as an
    uninterrupted one. Per-sequence targets only (a per-step target would need the same window)."""

    def __init__(self, dataset: SequenceDataset, sampler, fraction: float, seed: int):
        if dataset.y_per_step or dataset.y_lengths is not None:
            raise ValueError("RandomWindows: windows need one target per sequence; this dataset has per-step "
                             "targets")
        self.dataset, self.sampler, self.fraction, self.seed = dataset, sampler, fraction, seed

    def __call__(self, indices: list[int]) -> Batch:
        batch = self.dataset.batch(indices)
        lengths = batch.lengths.numpy()
        width = window_width(lengths, self.fraction)
        rng = np.random.default_rng((self.seed, self.sampler.epoch, int(indices[0])))
        start = torch.from_numpy(rng.integers(0, lengths - width + 1))
        width = torch.from_numpy(width)
        x = take_windows(batch.x, start, width)
        return Batch(x, width, batch.y, batch.y_lengths, batch.weights)


class WithoutRepeats:
    """The collate of an evaluation loader whose sampler is a ``DistributedSampler``: it drops from each batch the
    sequences the sampler repeats to give every process ``ceil(N / num_replicas)`` of them, so that under DDP each
    validation sequence counts once in ``val_loss`` and ``val_accuracy``, as on one device (the repeats, the first
    ones of the epoch, are another process's). A batch of repeats alone is kept, with weights 0, so that every
    process runs the same number of batches; :meth:`SequenceModule.validation_step` logs nothing for it.
    For an unshuffled share: the repeats are found once."""

    def __init__(self, collate, sampler: DistributedSampler):
        if sampler.shuffle:
            raise ValueError("WithoutRepeats: the sampler shuffles; evaluation reads an unshuffled share")
        share = list(DistributedSampler.__iter__(sampler))  # the share before any bucketing, padding last
        padded = sampler.rank + sampler.num_replicas * np.arange(len(share)) >= len(sampler.dataset)
        self.collate, self.repeats = collate, {int(share[j]) for j in np.flatnonzero(padded)}

    def __call__(self, indices) -> Batch:
        kept = [i for i in indices if int(i) not in self.repeats]
        if kept:
            return self.collate(kept)
        batch = self.collate(indices)
        return batch._replace(weights=torch.zeros(len(indices)))


class SequenceDataModule(L.LightningDataModule):
    """Training (and optional validation) loaders over :class:`SequenceDataset` objects.

    ``batching``: ``"random"`` (default) cuts the shuffled sequences into batches as they come;
    ``"bucket"`` groups sequences of similar lengths (:class:`LengthBuckets`, with its ``padding_noise``), so
    that little of a batch is padding when the lengths differ widely. Shuffling is a function of ``(seed, epoch)``
    alone, through ``DistributedSampler`` (Lightning calls its ``set_epoch``), so a run resumed from a checkpoint
    sees the same batches as an uninterrupted one. Under DDP each process reads its own ``1 / world_size`` share:
    ``batch_size`` is per process. ``crop`` (a fraction in ``(0, 1]``) trains on random windows of that fraction
    of each sequence (:class:`RandomWindows`); the validation loader reads whole sequences, each once: under DDP
    the sampler pads every process's share to ``ceil(N / world_size)`` with repeats, which :class:`WithoutRepeats`
    drops, so ``val_loss`` is the one-device value (``val`` needs at least ``world_size`` sequences).
    """

    def __init__(self, train: SequenceDataset, val: SequenceDataset | None = None, *, batch_size: int = 32,
                 shuffle: bool = True, seed: int = 0, batching: str = "random", padding_noise: float = 0.0,
                 crop: float | None = None):
        super().__init__()
        for name, data in (("train", train), ("val", val)):
            if not (callable(getattr(data, "batch", None)) or name == "val" and data is None):  # SequenceDataset's
                raise ValueError(f"SequenceDataModule: {name} must be a SequenceDataset, got a {type(data).__name__}; "
                                 f"wrap its tensors: SequenceDataset(x, lengths, y)")
        if val is not None and getattr(val, "x", None) is not None and getattr(train, "x", None) is not None and \
                val.x.shape[2:] != train.x.shape[2:]:  # else the model's shape error, in the first validation
            raise ValueError(f"SequenceDataModule: val's sequences have steps of shape {tuple(val.x.shape[2:])} but "
                             f"train's {tuple(train.x.shape[2:])}; give both the same features, in one order")
        if not is_count(batch_size):
            raise ValueError(f"SequenceDataModule: batch_size must be an integer >= 1, got {batch_size!r}")
        if not is_integer(seed):
            raise ValueError(f"SequenceDataModule: seed must be an integer, got {seed!r}")
        if twin := seed_twin(int(seed)):  # the samplers draw their orders from torch.manual_seed(seed + epoch)
            warnings.warn(f"SequenceDataModule: {twin}; give a seed from 0 to 2**32 - 1 (e.g. seed % 2**32) so that "
                          "different seeds shuffle differently", UserWarning, stacklevel=2)
        check_flags("SequenceDataModule: ", shuffle=shuffle)
        if batching not in BATCHINGS:
            raise ValueError(f"batching must be one of {BATCHINGS}, got {batching!r}")
        self.train, self.val = train, val
        self.batch_size, self.shuffle, self.seed, self.batching = batch_size, shuffle, seed, batching
        self.padding_noise = check_padding_noise(padding_noise)
        self.crop = check_window_fraction(crop)

    def _loader(self, dataset: SequenceDataset, shuffle: bool, crop: float | None = None,
                evaluation: bool = False) -> DataLoader:
        trainer = self.trainer
        world, rank = (trainer.world_size, trainer.global_rank) if trainer is not None else (1, 0)
        if evaluation and len(dataset) < world:  # a process with no sequence of its own would log no val_loss
            raise ValueError(f"SequenceDataModule: val holds {len(dataset)} sequence(s) for {world} processes; each "
                             f"process validates its own share, so give val at least {world} sequences (or validate "
                             f"on one device)")
        # A generator of its own: DataLoader draws a worker seed from it at every epoch; drawing from the
        # global RNG instead would shift dropout masks and break exact resumption.
        generator = torch.Generator().manual_seed(self.seed)
        repeats = evaluation and len(dataset) % world  # the sampler pads the shares with repeats (WithoutRepeats)
        if self.batching == "bucket":
            sampler = LengthBuckets(dataset, self.batch_size, num_replicas=world, rank=rank, shuffle=shuffle,
                                    seed=self.seed, padding_noise=self.padding_noise)
            collate = dataset.batch if crop is None else RandomWindows(dataset, sampler, crop, self.seed)
            collate = WithoutRepeats(collate, sampler) if repeats else collate
            return DataLoader(dataset, batch_size=None, sampler=sampler, collate_fn=collate, generator=generator)
        sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=shuffle, seed=self.seed)
        collate = dataset.batch if crop is None else RandomWindows(dataset, sampler, crop, self.seed)
        collate = WithoutRepeats(collate, sampler) if repeats else collate
        return DataLoader(dataset, batch_size=self.batch_size, sampler=sampler, collate_fn=collate,
                          generator=generator)

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train, self.shuffle, self.crop)

    def val_dataloader(self) -> DataLoader | list:
        return [] if self.val is None else self._loader(self.val, False, evaluation=True)


class TokenStreams(BPTTBatches, Dataset):
    """One long token sequence read as ``B`` parallel streams, in windows of ``window`` steps, in order: the
    chunks of :class:`rnnkit.data.BPTTBatches` as training :class:`Batch` items.

    Item ``i`` is the i-th window of all rows, ``x = streams[:, s:s+w]``, ``y = streams[:, s+1:s+w+1]`` (the
    next tokens). Consecutive items continue each other, so a module with ``stateful=True`` carries its state
    from batch to batch, and the recurrence sees the whole stream, truncated every ``window`` steps (Zaremba
    et al. 2014). Load it with ``DataLoader(streams, batch_size=None, shuffle=False)``; under DDP give each
    process its own streams.
    """

    def __init__(self, tokens: Tensor, batch_size: int, window: int):
        if isinstance(tokens, str) or isinstance(tokens, list | tuple) and tokens and isinstance(tokens[0], str):
            batchify(tokens, 1)  # text, not ids: refused there, with how to encode it
        tokens = torch.as_tensor(np.asarray(tokens) if not isinstance(tokens, Tensor) else tokens)
        if tokens.dim() != 1:  # a (B, L) matrix flattened would join its rows into one stream and cut it anew
            raise ValueError(f"TokenStreams: tokens must be one stream of ids, shape (N,), got shape "
                             f"{tuple(tokens.shape)}; for separate texts join them (torch.cat) with a separator id")
        if tokens.is_floating_point() or tokens.is_complex() or tokens.dtype == torch.bool:
            raise ValueError(f"TokenStreams: tokens must be integer ids, got dtype {tokens.dtype}; use .long() "
                             f"if they are whole numbers")
        tokens = tokens.long()
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ValueError(f"TokenStreams: batch_size must be an integer >= 1, got {batch_size!r}")
        super().__init__(tokens, batch_size, window)
        per_stream = self.rows.shape[1]
        if per_stream - 1 < window:  # the only item is the "last, shorter" window: the window asked is never used
            most = len(tokens) // (window + 1)
            fewer = f"batch_size <= {most}, " if most else ""
            warnings.warn(f"TokenStreams: {len(tokens)} tokens in batch_size={batch_size} streams leave {per_stream} "
                          f"tokens per stream, so every epoch is one window of {per_stream - 1} steps, not "
                          f"window={window} (a window needs window + 1 tokens: the inputs and their next tokens); "
                          f"use {fewer}a window <= {per_stream - 1}, or more tokens", UserWarning, stacklevel=2)

    @property
    def streams(self) -> Tensor:
        """The ``(B, N // B)`` streams."""
        return self.rows

    def __getitem__(self, i: int) -> Batch:
        x, y = self.window(i)
        return Batch(x, None, y)
