"""Training: a LightningModule with full and truncated BPTT, gradient clipping and a non-finite guard; data
modules; a Trainer with rnnkit's defaults. See docs/training.md."""

from .data import Batch, SequenceDataModule, SequenceDataset, TokenStreams
from .module import (
    NonFiniteError,
    NonFiniteGradientError,
    NonFiniteLossError,
    SequenceModule,
    clip_gradients,
    detach_state,
    time_chunks,
)
from .trainer import AtomicCheckpointIO, RestoreBestWeights, make_trainer, quiet_lightning

__all__ = [
    "AtomicCheckpointIO",
    "Batch",
    "NonFiniteError",
    "NonFiniteGradientError",
    "NonFiniteLossError",
    "RestoreBestWeights",
    "SequenceDataModule",
    "SequenceDataset",
    "SequenceModule",
    "TokenStreams",
    "clip_gradients",
    "detach_state",
    "make_trainer",
    "quiet_lightning",
    "time_chunks",
]
