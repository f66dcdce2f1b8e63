"""Training: a LightningModule with full and truncated BPTT, gradient clipping and a non-finite guard; data
modules; a Trainer with rnnkit's defaults. See docs/training.md."""

from .data import Batch, SequenceDataModule, SequenceDataset, TokenStreams
from .fit import Fitted, ScaleOut, seeded_fit
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
    "Fitted",
    "NonFiniteError",
    "NonFiniteGradientError",
    "NonFiniteLossError",
    "RestoreBestWeights",
    "SequenceDataModule",
    "SequenceDataset",
    "ScaleOut",
    "SequenceModule",
    "TokenStreams",
    "clip_gradients",
    "detach_state",
    "make_trainer",
    "quiet_lightning",
    "seeded_fit",
    "time_chunks",
]
