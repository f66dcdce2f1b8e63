"""Training: a LightningModule with full and truncated BPTT, gradient clipping and a non-finite guard; data
modules; a Trainer with rnnkit's defaults. See docs/training.md.

Names load on first use (PEP 562): Lightning comes with the data module, the LightningModule and the trainer,
not with ``import rnnkit.training``; :func:`seeded_fit`, :class:`ScaleOut`, the option checks and the errors of
a run (:mod:`rnnkit.training.runs`) need no Lightning.
"""

from .._lazy import lazy_names

# name -> submodule that defines it, imported on first access
_LAZY = {
    "Batch": "data",
    "LengthBuckets": "data",
    "RandomWindows": "data",
    "SequenceDataModule": "data",
    "SequenceDataset": "data",
    "TokenStreams": "data",
    "Fitted": "fit",
    "ScaleOut": "fit",
    "seeded_fit": "fit",
    "SequenceModule": "module",
    "clip_gradients": "module",
    "detach_state": "module",
    "time_chunks": "module",
    "NonFiniteError": "runs",
    "NonFiniteGradientError": "runs",
    "NonFiniteLossError": "runs",
    "Terminated": "runs",
    "check_training_options": "runs",
    "resolve_device": "runs",
    "AtomicCheckpointIO": "trainer",
    "RestoreBestWeights": "trainer",
    "make_trainer": "trainer",
    "quiet_lightning": "trainer",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


__all__ = sorted(_LAZY)
