"""Models: a recurrent encoder (any cell) and a head, for labels, aligned sequences, different-length
sequences and language modelling."""

from .encoder import CELL_NAMES, NAMED_CELLS, build_encoder, check_cell_name, named_cell
from .heads import POOLINGS, LabelHead, StepHead, pool
from .language import GenerationStream, LanguageModel, sample_next
from .seq2seq import EncoderDecoder
from .sequence import SequenceToLabel, SequenceToSequence

__all__ = [
    "CELL_NAMES",
    "NAMED_CELLS",
    "POOLINGS",
    "EncoderDecoder",
    "GenerationStream",
    "LabelHead",
    "LanguageModel",
    "SequenceToLabel",
    "SequenceToSequence",
    "StepHead",
    "build_encoder",
    "check_cell_name",
    "named_cell",
    "pool",
    "sample_next",
]
