"""Models: a recurrent encoder (any cell) and a head, for labels, aligned sequences, different-length
sequences and language modelling; front-ends, normalisation and defaults for long series."""

from .defaults import defaults_for_series
from .encoder import CELL_NAMES, NAMED_CELLS, build_encoder, check_cell_name, named_cell
from .ensemble import Ensemble
from .frontend import FRONTENDS, NORMALISATIONS, ConvFrontEnd, FullyConvolutional, PatchEmbedding, normalise_series
from .heads import POOLINGS, AttentionPool, LabelHead, StepHead, pool
from .language import GenerationStream, LanguageModel, sample_next
from .seq2seq import EncoderDecoder
from .sequence import SequenceToLabel, SequenceToSequence

__all__ = [
    "CELL_NAMES",
    "FRONTENDS",
    "NAMED_CELLS",
    "NORMALISATIONS",
    "POOLINGS",
    "AttentionPool",
    "ConvFrontEnd",
    "EncoderDecoder",
    "Ensemble",
    "FullyConvolutional",
    "GenerationStream",
    "LabelHead",
    "LanguageModel",
    "PatchEmbedding",
    "SequenceToLabel",
    "SequenceToSequence",
    "StepHead",
    "build_encoder",
    "check_cell_name",
    "defaults_for_series",
    "named_cell",
    "normalise_series",
    "pool",
    "sample_next",
]
