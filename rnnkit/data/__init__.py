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

The submodules load on first use (PEP 562), so that reading a CSV or writing a file does not import the
audio, video and dataset stacks.
"""

from .._lazy import lazy_names

# name -> submodule that defines it
_LAZY = {
    "load_sp500": "datasets",
    "load_nasdaq": "datasets",
    "load_msft": "datasets",
    "load_japanese_vowels": "datasets",
    "load_imdb": "datasets",
    "load_gunpoint": "datasets",
    "load_basic_motions": "datasets",
    "IGNORE_INDEX": "collate",
    "MFCC": "audio",
    "AudioDataset": "audio",
    "BPTTBatches": "text",
    "BioSequenceDataset": "bio",
    "EventSessions": "events",
    "FrameEncoder": "video",
    "LogMel": "audio",
    "MovingDigits": "video",
    "TextClassificationDataset": "text",
    "VideoDataset": "video",
    "Vocab": "text",
    "batchify": "text",
    "embed_frames": "video",
    "kmers": "bio",
    "one_hot_encode": "bio",
    "read_fasta": "bio",
    "read_video": "video",
    "read_wav": "audio",
    "resample_wave": "audio",
    "reverse_complement": "bio",
    "sessionize": "events",
    "synthetic_event_log": "events",
    "write_wav": "audio",
    "Preprocessor": "timeseries",
    "SeriesFeatures": "timeseries",
    "SequenceTable": "tables",
    "TimeSeriesFrame": "timeseries",
    "TimeSplit": "timeseries",
    "WindowDataset": "timeseries",
    "WindowSpec": "timeseries",
    "calendar_features": "timeseries",
    "difference": "timeseries",
    "load_airline": "datasets",
    "load_co2": "datasets",
    "load_sf_temps": "datasets",
    "read_sequences": "tables",
    "rolling_origin": "timeseries",
    "sliding_windows": "timeseries",
    "split_by_time": "timeseries",
    "undifference": "timeseries",
    "window_datasets": "timeseries",
    "BucketBatchSampler": "collate",
    "RaggedStore": "memmap",
    "RaggedWriter": "memmap",
    "SequenceBatch": "collate",
    "atomic_write": "memmap",
    "is_stream": "memmap",
    "pad_collate": "collate",
    "pad_sequences": "collate",
    "padding_fraction": "collate",
    "write_json": "memmap",
    "write_ragged": "memmap",
}


__getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())


__all__ = list(_LAZY)
