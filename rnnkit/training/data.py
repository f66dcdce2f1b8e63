"""What the training module reads: batches of padded sequences, a data module, and token streams.

A batch is any object with the fields of :class:`Batch` (rnnkit.data's ``SequenceBatch`` qualifies):

=============  ======================================  ==============================================
field          shape                                   meaning
=============  ======================================  ==============================================
``x``          ``(B, T, F)`` float or ``(B, T)`` ids   inputs, padding at the end of time
``lengths``    ``(B,)`` int64 or None                  valid steps per sequence (None: all T)
``y``          ``(B, ...)`` or ``(B, T, ...)``         one target per sequence or per step
``y_lengths``  ``(B,)`` or None                        valid steps of ``y`` (encoder-decoder only)
=============  ======================================  ==============================================
"""

from __future__ import annotations

from typing import NamedTuple

import lightning as L
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from ..data.text import BPTTBatches


class Batch(NamedTuple):
    x: Tensor
    lengths: Tensor | None
    y: Tensor | None = None
    y_lengths: Tensor | None = None


class SequenceDataset(Dataset):
    """Padded sequences held as whole tensors; batches are cut by index and trimmed to their longest item.

    ``x (N, T, ...)``, ``lengths (N,)``, ``y (N, ...)`` per sequence or ``(N, T, ...)`` per step
    (``y_per_step=True``), ``y_lengths (N,)`` for outputs of their own length (then ``y`` is trimmed by them).
    Use :meth:`batch` as the DataLoader's ``collate_fn``: items are indices, so a batch is one fancy-index.
    """

    def __init__(self, x: Tensor, lengths: Tensor, y: Tensor | None = None, *, y_per_step: bool = False,
                 y_lengths: Tensor | None = None):
        if len(lengths) != len(x) or (y is not None and len(y) != len(x)):
            raise ValueError(f"x, lengths and y need the same first dimension, got {len(x)}, {len(lengths)}, "
                             f"{None if y is None else len(y)}")
        self.x, self.lengths, self.y, self.y_lengths = x, lengths, y, y_lengths
        self.y_per_step = y_per_step

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, i: int) -> int:
        return i

    def batch(self, indices: list[int]) -> Batch:
        idx = torch.as_tensor(indices, dtype=torch.long)
        lengths = self.lengths[idx]
        T = int(lengths.max())
        y = y_lengths = None
        if self.y is not None:
            y = self.y[idx]
            if self.y_per_step:
                y = y[:, :T]
            if self.y_lengths is not None:
                y_lengths = self.y_lengths[idx]
                y = y[:, : int(y_lengths.max())]
        return Batch(self.x[idx, :T], lengths, y, y_lengths)


class SequenceDataModule(L.LightningDataModule):
    """Training (and optional validation) loaders over :class:`SequenceDataset` objects.

    Shuffling is a function of ``(seed, epoch)`` alone, through ``DistributedSampler`` (Lightning calls its
    ``set_epoch``), so a run resumed from a checkpoint sees the same batches as an uninterrupted one. Under
    DDP each process reads its own ``1 / world_size`` share: ``batch_size`` is per process.
    """

    def __init__(self, train: SequenceDataset, val: SequenceDataset | None = None, *, batch_size: int = 32,
                 shuffle: bool = True, seed: int = 0):
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.train, self.val = train, val
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed

    def _loader(self, dataset: SequenceDataset, shuffle: bool) -> DataLoader:
        trainer = self.trainer
        world, rank = (trainer.world_size, trainer.global_rank) if trainer is not None else (1, 0)
        sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=shuffle, seed=self.seed)
        # A generator of its own: DataLoader draws a worker seed from it at every epoch; drawing from the
        # global RNG instead would shift dropout masks and break exact resumption.
        generator = torch.Generator().manual_seed(self.seed)
        return DataLoader(dataset, batch_size=self.batch_size, sampler=sampler, collate_fn=dataset.batch,
                          generator=generator)

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train, self.shuffle)

    def val_dataloader(self) -> DataLoader | list:
        return [] if self.val is None else self._loader(self.val, False)


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
        tokens = torch.as_tensor(tokens, dtype=torch.long).reshape(-1)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        super().__init__(tokens, batch_size, window)

    @property
    def streams(self) -> Tensor:
        """The ``(B, N // B)`` streams."""
        return self.rows

    def __getitem__(self, i: int) -> Batch:
        x, y = self.window(i)
        return Batch(x, None, y)
