"""Sequential data of six kinds, turned into batch-first batches with lengths and masks.

| kind | module |
|---|---|
| time series (windows, splits, scaling, calendar, missing values, irregular sampling) | :mod:`rnnkit.data.timeseries` |
| text (vocabularies, LM streams for truncated BPTT, classification) | :mod:`rnnkit.data.text` |
| audio / speech (WAV, resampling, log-mel, MFCC) | :mod:`rnnkit.data.audio` |
| video (frames, per-frame CNN embeddings, moving digits) | :mod:`rnnkit.data.video` |
| event logs (sessions, event vocabulary, Δt, synthetic logs with anomalies) | :mod:`rnnkit.data.events` |
| biological sequences (one-hot, k-mers, reverse complement, FASTA) | :mod:`rnnkit.data.bio` |

One collate for all (:func:`pad_collate` → :class:`SequenceBatch`), a length-bucketing sampler, and a
memory-mapped ragged store for data larger than memory. Real datasets that ship offline, in this layout
(forecasting series, UCR/UEA classification archives, IMDB reviews, daily stock prices):
:mod:`rnnkit.data.datasets`.
"""

from .audio import MFCC, AudioDataset, LogMel, read_wav, resample_wave, write_wav
from .bio import BioSequenceDataset, kmers, one_hot_encode, read_fasta, reverse_complement
from .collate import IGNORE_INDEX, BucketBatchSampler, SequenceBatch, pad_collate, pad_sequences, padding_fraction
from .datasets import (
    load_airline,
    load_basic_motions,
    load_co2,
    load_gunpoint,
    load_imdb,
    load_japanese_vowels,
    load_msft,
    load_nasdaq,
    load_sf_temps,
    load_sp500,
)
from .events import EventSessions, sessionize, synthetic_event_log
from .memmap import RaggedStore, RaggedWriter, atomic_write, write_json, write_ragged
from .tables import SequenceTable, read_sequences
from .text import BPTTBatches, TextClassificationDataset, Vocab, batchify
from .timeseries import (
    Preprocessor,
    SeriesFeatures,
    TimeSeriesFrame,
    TimeSplit,
    WindowDataset,
    WindowSpec,
    calendar_features,
    difference,
    rolling_origin,
    sliding_windows,
    split_by_time,
    undifference,
    window_datasets,
)
from .video import FrameEncoder, MovingDigits, VideoDataset, embed_frames, read_video

__all__ = [
    "load_sp500",
    "load_nasdaq",
    "load_msft",
    "load_japanese_vowels",
    "load_imdb",
    "load_gunpoint",
    "load_basic_motions",
    "IGNORE_INDEX",
    "MFCC",
    "AudioDataset",
    "BPTTBatches",
    "BioSequenceDataset",
    "EventSessions",
    "FrameEncoder",
    "LogMel",
    "MovingDigits",
    "TextClassificationDataset",
    "VideoDataset",
    "Vocab",
    "batchify",
    "embed_frames",
    "kmers",
    "one_hot_encode",
    "read_fasta",
    "read_video",
    "read_wav",
    "resample_wave",
    "reverse_complement",
    "sessionize",
    "synthetic_event_log",
    "write_wav",
    "Preprocessor",
    "SeriesFeatures",
    "SequenceTable",
    "TimeSeriesFrame",
    "TimeSplit",
    "WindowDataset",
    "WindowSpec",
    "calendar_features",
    "difference",
    "load_airline",
    "load_co2",
    "load_sf_temps",
    "read_sequences",
    "rolling_origin",
    "sliding_windows",
    "split_by_time",
    "undifference",
    "window_datasets",
    "BucketBatchSampler",
    "RaggedStore",
    "RaggedWriter",
    "SequenceBatch",
    "atomic_write",
    "pad_collate",
    "pad_sequences",
    "padding_fraction",
    "write_json",
    "write_ragged",
]
