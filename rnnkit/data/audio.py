"""Audio as frame sequences: WAV reading and resampling, log-mel and MFCC features, a folder dataset.

Shapes: ``N`` samples, ``C`` channels, ``T`` frames, ``M`` mel bands, ``K`` cepstral coefficients,
``F = n_fft // 2 + 1`` frequency bins.

Features follow the textbook pipeline (Davis & Mermelstein 1980; the HTK book), computed with
``torch.stft`` and matrices built here, with no torchaudio or librosa:

* power spectrum ``P = |STFT(x)|^2`` with a periodic Hann window, frames centred (reflect padding),
  so ``T = 1 + N // hop_length``;
* mel scale ``mel(f) = 2595 log10(1 + f / 700)`` (HTK); ``M`` triangular filters with peak 1, centred
  on ``M`` points equally spaced in mel between ``f_min`` and ``f_max``; neighbouring triangles share
  edges, so between the first and last centre the filters sum to exactly 1 at every frequency;
* log-mel ``L = log(P @ fbank.T + eps)`` (natural log);
* MFCC ``c = L @ D.T`` with ``D`` the orthonormal DCT-II, keeping the first ``K`` coefficients.

The defaults (25 ms window, 10 ms hop at 16 kHz: ``n_fft=400``, ``hop_length=160``, 40 bands, 13
coefficients) are the common speech settings. No pre-emphasis, liftering or per-utterance normalisation
is applied; add them in the model or the transform if a task needs them.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import os
import re
import struct
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.io.wavfile
import scipy.signal
import torch
from torch import nn
from torch.utils.data import Dataset

from ..checks import check_flags, int_meant, is_count, missing_file, stand_in
from .memmap import atomic_write
from .text import EMPTY_DATASET, _label_ids, check_aligned, check_file_list, labels_by_file
from .timeseries import user_stacklevel

_STREAMED_SIZE = 2**31 - 2**16
"""A data size at least this large is the placeholder of a writer that streamed to a pipe and could not go back
to fix its header (``espeak-ng --stdout`` writes 0x7ffff000, ffmpeg and sox 0xffffffff): the file then ends
where the data ends. A smaller declared size that the file does not reach means a truncated file."""


_FLOAT_OVER = 2.0
"""Float samples beyond this magnitude (6 dB over full scale; a float file may hold overs, but not of this size)
are integer PCM stored as floats without scaling (e.g. 22672.0 for a loud int16 sample)."""

_FEATURES_OVER = 64.0
"""Float samples given to `LogMel` beyond this magnitude (36 dB over full scale: no gain or mix of audio in [-1, 1],
nor a test's ``randn`` wave, gets there) are integer PCM made float without scaling (``torch.tensor(x,
dtype=torch.float32)`` of scipy's int16 samples), whose features would all be ~2 ln(32768) = 20.8 too high. Higher
than `_FLOAT_OVER`, as a wave in memory may be a synthetic one. A quieter clip of integer PCM (-54 dBFS and below: a
distant voice, a quiet room) is told by its samples, every one a whole number while some reach 2 or more: no wave
of audio in [-1, 1], gained or mixed, holds only whole numbers, and the samples of one on [-1, 1] can only be -1, 0
and 1."""


def _read_raw(path: str | os.PathLike, *, mmap: bool) -> tuple[int, np.ndarray]:
    if Path(path).is_dir():  # a folder of recordings given as one
        raise ValueError(f"{path} is a directory, not a WAV file; give the files in it (e.g. "
                         f"sorted(Path({str(path)!r}).glob('*.wav'))), or AudioDataset.from_folder for class folders")
    if not Path(path).is_file():
        raise ValueError(missing_file(path, "expected a WAV file"))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", scipy.io.wavfile.WavFileWarning)
            sr, data = scipy.io.wavfile.read(path, mmap=mmap)
    except struct.error:  # scipy unpacks a header field past the end of the file
        size = Path(path).stat().st_size
        raise ValueError(f"{path} is truncated: it ends at byte {size}, inside its header, before any sample (a copy "
                         "or recording cut short); write the file again") from None
    except (UnboundLocalError, ZeroDivisionError):  # scipy met no data chunk, or a format of 0 channels
        raise ValueError(_header_fault(path)) from None
    except ValueError as e:
        if mmap:  # 24-bit and some other layouts cannot be memory-mapped; read them whole
            return _read_raw(path, mmap=False)
        if "cannot reshape" in str(e) and (cut := _cut_in_a_frame(path)):  # scipy reshapes what the file holds
            raise ValueError(cut) from None
        with open(path, "rb") as f:  # the first bytes, read once for what the file is instead
            head = f.read(1024)
        if other := _other_format(path, str(e), head):
            raise ValueError(other) from None
        if instead := stand_in(path, head=head):
            raise ValueError(f"{path} {instead}") from None
        if headless := _no_riff(path, head):
            raise ValueError(headless) from None
        raise ValueError(f"{path} is not a readable WAV file ({e}); expected RIFF/WAVE PCM or float") from e
    if sr < 1:  # a rate of 0 would pass as "any rate", then divide by zero in the frame counts and resampling
        raise ValueError(f"{path}: its header gives a sample rate of {sr} Hz, which no recording has: the header is "
                         "corrupt or was written without a rate; write the file again with its true rate (e.g. sox "
                         "-r 16000 in.wav out.wav if you know it)")
    if data.shape[0] == 0 and (unsized := _unsized_data(path)):  # else its samples, read as chunks, are dropped
        raise ValueError(unsized)
    if len(data_at := _data_chunks(path)) > 1:  # scipy keeps the last one's samples, the others are lost
        raise ValueError(f"{path} holds {len(data_at)} data chunks (at bytes {', '.join(map(str, data_at))}), where "
                         "a WAV file holds one, and a reader keeps one of them (scipy the last), so samples would be "
                         "lost without a word (recordings appended to one file?); write each recording to a file of "
                         "its own, or their samples joined as one data chunk")
    for w in caught:
        # scipy only warns when the file ends before the size its header declares, and returns what is there
        eof = _EOF.search(str(w.message))
        if eof and int(eof.group(2)) < _STREAMED_SIZE:
            raise ValueError(_truncated(path, eof))
        if str(w.message).startswith("Chunk (non-data) not understood"):
            # metadata (a Broadcast WAV's bext and iXML, cue points) holds no sample: skipped without a word, but
            # samples past the data size the header declares would be lost
            if past := _samples_past_data(path):
                raise ValueError(past)
        elif not eof:
            warnings.warn(w.message, w.category, stacklevel=3)
    return sr, data


_CODECS = {"ALAW": "A-law (G.711, as telephone speech is stored)", "MULAW": "mu-law (G.711, as telephone speech is "
           "stored)", "ADPCM": "Microsoft ADPCM", "DVI_ADPCM": "IMA ADPCM", "GSM610": "GSM 6.10", "MPEG": "MPEG audio",
           "MPEGLAYER3": "MP3"}
"""WAV format tags scipy names and does not read -> what they hold: compressed samples, not PCM."""

_FORMATS = (
    (b"NIST_1A", "a NIST SPHERE file (as TIMIT's and other LDC corpora's .WAV files are)",
     "sph2pipe -f wav in.WAV out.wav, or sox in.WAV out.wav"),
    (b"ID3", "an MP3 file", "ffmpeg -i in.mp3 out.wav"), (b"\xff\xfb", "an MP3 file", "ffmpeg -i in.mp3 out.wav"),
    (b"\xff\xf3", "an MP3 file", "ffmpeg -i in.mp3 out.wav"), (b"fLaC", "a FLAC file", "flac -d in.flac -o out.wav"),
    (b"OggS", "an Ogg (Vorbis or Opus) file", "ffmpeg -i in.ogg out.wav"),
    (b"FORM", "an AIFF file (Apple's)", "sox in.aiff out.wav"), (b".snd", "a Sun/NeXT .au file", "sox in.au out.wav"),
    (b"caff", "a Core Audio (.caf) file", "ffmpeg -i in.caf out.wav"),
    (b"\x1f\x8b", "a gzip-compressed file (a .wav.gz?)", "gunzip -c in.wav.gz > out.wav"),
)
"""First bytes of other audio files (and a compressed WAV) -> (what it is, the command that makes a WAV of it)."""


def _other_format(path, error: str, head: bytes) -> str | None:
    """The refusal of a file that is no PCM or float WAV, naming what it is and how to convert it: a WAV of
    compressed samples (A-law, mu-law, ADPCM: scipy's "Unknown wave file format"), or another kind of file whose
    first bytes tell it (TIMIT's NIST SPHERE .WAV, MP3, FLAC, ...; ``head``: the file's first bytes); None for
    anything else."""
    codec = re.search(r"Unknown wave file format: (\w+)", error)
    if codec:
        what = _CODECS.get(codec.group(1), f"{codec.group(1)}, a compressed encoding")
        return (f"{path}: its samples are {what}, which read_wav does not decode (it reads PCM and float WAV); convert "
                "it to 16-bit PCM first, e.g. sox in.wav -e signed-integer -b 16 out.wav (or ffmpeg -i in.wav -c:a "
                "pcm_s16le out.wav)")
    for magic, what, command in _FORMATS:
        if head.startswith(magic) and (magic != b"FORM" or head[8:12] in (b"AIFF", b"AIFC")):
            return (f"{path} is {what}, not a WAV file (whatever its name); read_wav reads RIFF/WAVE PCM or float: "
                    f"convert it first, e.g. {command}")
    return None


def _no_riff(path, head: bytes) -> str | None:
    """The refusal of a file that is none of the kinds `_other_format` knows and does not begin as every WAV file
    does (``RIFF``, ``RIFX`` or ``RF64``): raw samples without a header (a ``.raw`` or ``.pcm`` export, a
    microcontroller's or a sound card's dump, saved under a ``.wav`` name), or something else; None for a file that
    begins as a WAV file (its fault lies further in). ``head``: the file's first bytes."""
    head = head[:64]
    if head[:4] in (b"RIFF", b"RIFX", b"RF64"):
        return None
    text = head.decode("utf-8", "ignore")
    if text == head.decode("latin-1") and text.strip() and all(c.isprintable() or c in "\t\r\n" for c in text):
        return (f"{path} is not a readable WAV file: it holds text (it begins {text[:20]!r}), not a recording (a "
                "list, a transcript or a note saved under a .wav name?); give the recording itself"
                + ("; samples written as numbers in text? read them (np.loadtxt) and write them as a WAV file: "
                   "rnnkit.data.write_wav(path, samples, rate)" if any(c.isdigit() for c in text) else ""))
    head = head[:4]
    return (f"{path} is not a WAV file: it begins {head!r}, not with the 'RIFF' header every WAV file starts with; "
            "raw samples without a header (a .raw or .pcm export, a device's dump)? give them one with the "
            "recording's rate, encoding and channels, e.g. sox -t raw -r 16000 -e signed-integer -b 16 -c 1 in.raw "
            "out.wav; else give the recording itself")


_EOF = re.compile(r"Reached EOF prematurely; finished at (\d+) bytes, expected (\d+) bytes")


def _truncated(path, eof: re.Match) -> str:
    return (f"{path} is truncated: its header says the samples run to byte {eof.group(2)} but the file ends at byte "
            f"{eof.group(1)} (a copy or recording cut short); write the file again, e.g. sox in.wav out.wav")


def _chunks(raw: bytes) -> tuple[list[tuple[bytes, int, int]], int, int]:
    """The RIFF chunks of a WAV file's bytes, walked from byte 12 to the end of the file (not to the end its RIFF
    header declares): ``([(id, offset of its header, declared size), ...], channels, block_align)``, the last two
    from the ``fmt `` chunk (0 without one)."""
    at, channels, block, found = 12, 0, 0, []
    while at + 8 <= len(raw):
        chunk, size = raw[at:at + 4], int.from_bytes(raw[at + 4:at + 8], "little")
        found.append((chunk, at, size))
        if chunk == b"fmt " and at + 24 <= len(raw):
            channels, block = int.from_bytes(raw[at + 10:at + 12], "little"), int.from_bytes(raw[at + 20:at + 22],
                                                                                              "little")
        if chunk == b"data" and size == 0:  # what follows is samples, or the next chunk: stop either way
            break
        at += 8 + size + size % 2
    return found, channels, block


def _data_chunks(path) -> list[int]:
    """The byte offsets of the ``data`` chunks of a WAV file, found by seeking from chunk header to chunk header
    (the samples are not read)."""
    found, at, end = [], 12, Path(path).stat().st_size
    with open(path, "rb") as f:
        while at + 8 <= end:
            f.seek(at)
            head = f.read(8)
            chunk, size = head[:4], int.from_bytes(head[4:], "little")
            if chunk == b"data":
                found.append(at)
                if size == 0:  # a header never finished: what follows is samples
                    break
            at += 8 + size + size % 2
    return found


def _cut_in_a_frame(path) -> str | None:
    """The refusal of a file that ends inside a sample frame (a 24-bit or stereo file cut at a byte that is no
    frame boundary), found by walking its RIFF chunks to ``data``; None if it is not that."""
    raw = Path(path).read_bytes()
    chunks, channels, block = _chunks(raw)
    for chunk, at, size in chunks:
        if chunk == b"data":
            held = len(raw) - at - 8
            if held >= size or size >= _STREAMED_SIZE or not block:
                return None
            return (f"{path} is truncated: its header says the samples run to byte {at + 8 + size} but the file "
                    f"ends at byte {len(raw)}, inside a sample frame ({held} bytes of samples are no whole number of "
                    f"{channels}-channel frames of {block} bytes; a copy or recording cut short); write the file "
                    "again, e.g. sox in.wav out.wav")
    return None


_UNFINISHED = ("a header its writer never finished (a recording stopped, or written to a stream, before the sizes "
               "were filled in); repair it, e.g. sox --ignore-length in.wav out.wav")


def _unsized_data(path) -> str | None:
    """The refusal of a file whose ``data`` chunk declares 0 bytes but is followed by samples (a header never
    finished), which scipy reads as a file of no samples; None for a file whose data is truly empty."""
    raw = Path(path).read_bytes()
    for chunk, at, size in _chunks(raw)[0]:
        after = raw[at + 8:at + 12]
        if chunk == b"data" and size == 0 and after and not (len(after) == 4 and after.isascii() and
                                                              after.decode().isprintable()):  # the next chunk's id
            return (f"{path}: its data chunk declares 0 bytes of samples, but {len(raw) - at - 8} bytes follow it, "
                    f"which would be dropped: {_UNFINISHED}")
    return None


def _samples_past_data(path) -> str | None:
    """The refusal of a file whose ``data`` chunk declares fewer bytes than the samples that follow it (bytes that
    are no chunk, nor zero padding or an ID3 tag): scipy reads the declared part and skips the rest as an unknown
    chunk. None for a file whose data ends where it says."""
    raw = Path(path).read_bytes()
    for chunk, at, size in _chunks(raw)[0]:
        if chunk == b"data":
            rest = raw[at + 8 + size + size % 2:]
            head = rest[:4]
            if not rest.strip(b"\x00") or head[:3] in (b"ID3", b"TAG") or (
                    len(head) == 4 and head.isascii() and head.decode().isprintable()):  # padding, a tag, a chunk
                return None
            return (f"{path}: its data chunk declares {size} bytes of samples, but {len(rest)} more bytes follow it "
                    f"that are no chunk (they begin {head!r}): samples past the size its header gives, which would "
                    "be dropped (a header that says less than the file holds); repair it, e.g. sox --ignore-length "
                    "in.wav out.wav")
    return None


def _header_fault(path) -> str:
    """What is wrong with a WAV header that scipy stops on without saying (no samples, 0 channels, a RIFF size
    that ends the file before its chunks)."""
    raw = Path(path).read_bytes()
    chunks, channels, _ = _chunks(raw)
    ids = [c.decode("latin-1") for c, _, _ in chunks]
    riff = int.from_bytes(raw[4:8], "little") + 8
    fmt = next((at for c, at, _ in chunks if c == b"fmt "), None)
    if riff < len(raw) and chunks and riff <= chunks[-1][1]:  # scipy stops at the size the RIFF header declares
        return (f"{path}: its RIFF header says the file ends at byte {riff}, but it is {len(raw)} bytes long and its "
                f"chunks ({ids}) run past that: {_UNFINISHED}")
    if fmt is not None and channels == 0:
        return (f"{path}: its fmt chunk gives 0 channels (at byte {fmt + 10}), which no recording has: the header is "
                "corrupt; write the file again")
    if b"data" not in [c for c, _, _ in chunks]:
        return (f"{path} has no data chunk (its chunks: {ids}), so no samples: a header written without its "
                "recording, or a file cut short after its header; write the file again")
    return f"{path} is not a readable WAV file (its chunks: {ids}); expected RIFF/WAVE PCM or float"


def _floats_in_int_pcm(data: np.ndarray) -> str | None:
    """The share (e.g. ``"100%"``) of 32-bit integer samples whose bytes read as float32 audio, where at least
    99% of at least 100 nonzero samples do; else None.

    A float32 sample of audio is finite, at most 2 in magnitude (6 dB over full scale) and at least 2**-24 (quieter
    is below 24-bit resolution); a float32 file labelled integer PCM has nearly all its samples so, of both signs.
    A genuine int32 sample reads so only when it lies in [0.402, 0.496] of full scale (float exponents 103..127)
    or in [-0.598, -0.5] (the sign bit set): integer audio that passes 0, as all does, has many samples outside
    both, so a recording cannot pass by chance (only a synthetic square wave between the two bands could)."""
    nonzero = data[data != 0].ravel()
    if nonzero.size < 100:
        return None
    f = np.abs(nonzero.astype("<i4", copy=False).view("<f4"))
    with np.errstate(invalid="ignore"):
        audio = np.isfinite(f) & (f <= _FLOAT_OVER) & (f >= 2.0**-24)
    share = audio.mean()
    signs = np.sign(nonzero[audio])  # the float's sign bit is the integer's
    if share < 0.99 or not ((signs > 0).mean() >= 0.01 and (signs < 0).mean() >= 0.01):
        return None
    return f"{share:.1%}" if share < 1 else "all"


def _signed_bytes(data: np.ndarray) -> float | None:
    """How many times rougher 8-bit samples are read as WAV's unsigned bytes than read as int8 (the power of the steps
    between neighbouring samples, one view over the other), where they are signed bytes stored where unsigned ones
    belong; else None. ``inf`` where every sample is byte 0 (silence written as int8, read as a constant -1).

    Read as unsigned, signed sound jumps between about 0 and 255 wherever it crosses zero (-1 is byte 255), while the
    same bytes read as int8 are smooth; genuine 8-bit sound is the other way around (read as int8 it jumps where it
    crosses 128), genuine noise and tones near the Nyquist frequency are alike both ways. Refused where the steps as
    read carry over 4 times the power of those read as int8, over at least 100 samples. Genuine sound that is so is a
    square wave between the two extremes (a tone overdriven far past full scale), which read as int8 is a quiet one:
    the two cannot be told apart, and the quiet one is the likelier."""
    if not data.any():
        return math.inf
    if data.shape[0] < 100:
        return None
    unsigned, signed = (float(np.square(np.diff(v.astype(np.float64), axis=0)).mean())
                        for v in (data, data.view(np.int8)))
    return unsigned / max(signed, 1e-12) if unsigned > 4 * signed else None


def _warn_narrow_int32(path, data: np.ndarray) -> None:
    """Warn of 32-bit integer PCM whose samples use only their low 16 or 24 bits: values of a 24-bit (or 16-bit)
    converter stored in int32 words without their shift (``wavfile.write(path, rate, adc.astype(np.int32))``, a
    reader's 3-byte values widened), which read over 2**31 are 256 (65536) times too quiet, every log-mel feature
    11.1 (22.2) lower than the same sound in a 24-bit (16-bit) file. scipy reads a true 24-bit file into int32 shifted
    up (its low byte 0), so that is told apart; a 32-bit recording this quiet (its peak 48 dB below full scale or
    further) is rare, hence a warning, not an error; silence says nothing."""
    peak = max(int(data.max()), -int(data.min()))  # as int: -(-2**31) would wrap in int32
    if not 0 < peak <= 2**23 or not (data & 0xFF).any():
        return
    bits = 16 if peak <= 2**15 else 24
    warnings.warn(f"{path}: its 32-bit integer samples go up to {peak} of {2**31}, using only their low {bits} bits: "
                  f"a {bits}-bit converter's values stored in 32-bit words unshifted? read over 2**31 they are "
                  f"{2**(32 - bits)} times too quiet ({20 * math.log10(2**(32 - bits)):.0f} dB); write them at their "
                  f"own width (rate, x = scipy.io.wavfile.read(path); scipy.io.wavfile.write(new_path, rate, "
                  f"(x / 2**{bits - 1}).astype(np.float32))); if the recording is this quiet, silence this with "
                  "warnings.filterwarnings('ignore', '.*using only their low')", UserWarning, stacklevel=3)


def wav_info(path: str | os.PathLike) -> tuple[int, int, int]:
    """``(n_samples, sample_rate, channels)`` of a WAV file, without reading its samples."""
    sr, data = _read_raw(path, mmap=True)
    return data.shape[0], sr, 1 if data.ndim == 1 else data.shape[1]


def _samples_scan(data: np.ndarray, block: int = 1 << 16) -> tuple[int | None, bool]:
    """``(the first sample holding NaN or infinity, or None; whether every sample is silence)`` of a file's samples
    ``(N,)`` or ``(N, C)``, read in blocks (a memory map is not read whole into memory): a float file to its end, as
    only floats hold NaN; an integer one only until its first sound (silence is 0, 128 in unsigned 8-bit)."""
    quiet = 128 if data.dtype == np.uint8 else 0
    silent = True
    for start in range(0, len(data), block):
        chunk = np.asarray(data[start:start + block]).reshape(min(block, len(data) - start), -1)
        if data.dtype.kind == "f" and not (finite := np.isfinite(chunk).all(axis=1)).all():
            return start + int(np.flatnonzero(~finite)[0]), False
        silent = silent and not (chunk != quiet).any()
        if not silent and data.dtype.kind != "f":
            break
    return None, silent


def _nonfinite(path, i: int, sr: int) -> str:
    return (f"{path} holds NaN or infinity at sample {i} ({i / sr:.3f} s); the file is corrupt or was written from "
            "non-finite values: fix or drop it")


def _warn_silent_files(silent: list[Path], labels: torch.Tensor, n: int) -> None:
    """Warn of files of a dataset whose every sample is silence (0): a recording of nothing (a muted or unplugged
    input, a failed export, speech synthesised from empty text) that a model would learn as its label's sound, or
    whose per-clip normalisation (``x / abs(x).max()``) gives NaN; warned of, not refused, as silence may be a class
    of its own (a "silence" class of keyword spotting)."""
    if not silent:
        return
    shown = ", ".join(str(f) for f in silent[:3]) + (" ..." if len(silent) > 3 else "")
    classes = sorted({int(y) for y in labels})
    warnings.warn(f"AudioDataset: {len(silent)} of the {n} files hold no sound, every sample silence (0): {shown} "
                  f"(label(s) {classes}); a muted input or a failed export, which a model would learn as the sound "
                  "of its label? drop those files, or, if silence is meant (a class of its own), silence this with "
                  "warnings.filterwarnings('ignore', '.*hold no sound')", UserWarning, stacklevel=user_stacklevel())


def _to_float(data: np.ndarray) -> np.ndarray:
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    if np.issubdtype(data.dtype, np.integer):
        return data.astype(np.float32) / float(-np.iinfo(data.dtype).min)
    return data.astype(np.float32)


def _numpy(wave: torch.Tensor | np.ndarray) -> np.ndarray:
    """``wave`` as a numpy array; a tensor of a float type numpy lacks (bfloat16, as autocast gives) as float32."""
    if not isinstance(wave, torch.Tensor):
        return np.asarray(wave)
    wave = wave.detach().cpu()
    return (wave.float() if wave.dtype == torch.bfloat16 else wave).numpy()


def _refuse_uncentred(who: str, x: torch.Tensor | np.ndarray) -> None:
    """ValueError for a float clip that is a sound on [0, 1], not on [-1, 1]: unsigned samples scaled as pixels are
    (8-bit WAV's bytes / 255, 16-bit values / 65535 + 0.5), whose every sample is >= 0 around a mean of 0.4 to 0.6.
    No sound is so: audio swings about 0, and a DC offset of half full scale is no recording's (a rectified sound,
    its mean under 0.32 of its peak, is let through). Its
    features would carry the offset's power in their lowest bands and the sound at half its level (every log-mel
    feature of the sound 1.39 lower). Checked per clip (the last axis is time, as the callers hold it); clips of
    fewer than 100 samples and silence pass."""
    t = torch.as_tensor(x)
    if t.shape[-1] < 100 or not t.is_floating_point():
        return
    rows = t.reshape(-1, t.shape[-1])  # (B', N); half precision summed in float32 (no copy of a float32/64 wave)
    rows = rows if rows.dtype in (torch.float32, torch.float64) else rows.float()
    low, mean, high = rows.amin(-1), rows.mean(-1), rows.amax(-1)
    bad = (low >= 0) & ((mean - 0.5).abs() <= 0.1) & (high <= 1) & (high > low)
    if bool(bad.any()):
        b = int(bad.nonzero()[0])
        clip = "" if rows.shape[0] == 1 else f" (clip {b})"
        raise ValueError(f"{who}: every sample of the wave{clip} lies in [{float(low[b]):.3g}, {float(high[b]):.3g}], "
                         f"around {float(mean[b]):.3g}: a sound on [0, 1], not on [-1, 1] as audio swings about 0 "
                         "(8-bit WAV's unsigned bytes divided by 255, as pixels are?); its offset would be read as "
                         "sound and the sound at half its level; centre it first: (x - 128) / 128 of the bytes, or "
                         "x * 2 - 1 of x in [0, 1] (read_wav reads 8-bit files so)")


def _check_rate(name: str, rate) -> None:
    if not is_count(rate):
        whole_float = int_meant(rate, 1, text=None, floats=float | np.floating) is not None
        raise ValueError(f"{name} must be a whole number of samples per second >= 1, got {rate!r}"
                         + (f" (a float: pass int({rate!r}))" if whole_float else ""))


def _unpair(wave, who: str) -> tuple[object, int | None]:
    """``(samples, rate)`` of a ``(samples, rate)`` pair, as `read_wav`, soundfile's ``read`` and librosa's ``load``
    give it; ``(wave, None)`` of bare samples, which carry no rate (nothing can check it). scipy.io.wavfile.read's
    ``(rate, samples)`` order is refused."""
    if not isinstance(wave, tuple) or len(wave) != 2:
        return wave, None
    first, second = wave
    if isinstance(first, numbers.Real) and not isinstance(first, bool) and hasattr(second, "shape"):
        raise ValueError(f"{who}: got ({first}, samples), the (rate, samples) order of scipy.io.wavfile.read; give "
                         "(samples, rate), as read_wav, soundfile and librosa give them, and float samples in [-1, 1] "
                         "(scipy reads int16 PCM: samples / 32768; read_wav scales every PCM width)")
    if not hasattr(first, "shape"):
        return wave, None
    # 22050.0 from a reader is 22050 Hz
    if (whole := int_meant(second, text=None, floats=float | np.floating)) is not None:
        second = whole
    _check_rate(f"{who}: the rate of the (samples, rate) pair", second)
    return first, int(second)


def _rate_mismatch(who: str, got: int, rate: int, reader: str, fix: str, whose: str = "the wave") -> ValueError:
    """The error for samples at ``got`` Hz given where ``reader`` reads ``rate`` Hz: every frequency would be read at
    another pitch (and every duration at another length), which the samples themselves cannot tell."""
    factor, way = (rate / got, "high") if got < rate else (got / rate, "low")
    return ValueError(f"{who}: {whose} is sampled at {got} Hz but {reader} {rate} Hz, so its every frequency would "
                      f"be read {factor:.3g} times too {way}; {fix}")


def _rated(wave, who: str, rate: int) -> object:
    """The samples of ``wave`` for a transform built for ``rate`` Hz: a ``(samples, rate)`` pair at another rate is
    refused; bare samples are taken as they are."""
    wave, got = _unpair(wave, who)
    if got is not None and got != rate:
        raise _rate_mismatch(who, got, rate, f"{who} is built for", f"resample it first (rnnkit.data.audio."
                             f"resample_wave(wave, {got}, {rate})), read the file at that rate (read_wav(path, "
                             f"sample_rate={rate}, resample=True)), or build {who}({got}, ...) for it")
    return wave


def resample_wave(wave: torch.Tensor | np.ndarray, orig_rate: int, new_rate: int) -> torch.Tensor:
    """Polyphase resampling along axis 0 (``scipy.signal.resample_poly``, Kaiser-windowed FIR).

    ``(N,)`` or ``(N, C)`` float samples -> ``(ceil(N * new_rate / orig_rate), ...)`` float32. Integer samples and a
    channels-first ``(C, N)`` wave (more channels than samples) are refused.
    """
    for name, rate in (("orig_rate", orig_rate), ("new_rate", new_rate)):
        _check_rate(name, rate)
    wave, got = _unpair(wave, "resample_wave")
    if got is not None and got != orig_rate:
        raise _rate_mismatch("resample_wave", got, orig_rate, "orig_rate says",
                             f"pass orig_rate={got}, the rate its reader gave")
    x = _numpy(wave)
    if x.dtype.kind not in "f":  # integer PCM would come back as floats of integer scale, which no check can tell
        raise ValueError(f"resample_wave takes float samples in [-1, 1], got dtype {x.dtype}; scale integer PCM "
                         "first (x / 32768 for int16; read_wav does it)")
    if x.ndim == 0 or x.ndim > 2 or x.ndim == 2 and x.shape[1] > x.shape[0]:  # resampled along the wrong axis
        fix = "; for channels first (C, N) pass wave.T" if x.ndim == 2 else ""
        raise ValueError(f"resample_wave takes samples (N,) or (N, C), time on axis 0, got shape {x.shape}{fix}")
    x = x.astype(np.float64)
    g = math.gcd(orig_rate, new_rate)
    y = scipy.signal.resample_poly(x, new_rate // g, orig_rate // g, axis=0)
    return torch.from_numpy(y.astype(np.float32))


def read_wav(
    path: str | os.PathLike, *, sample_rate: int | None = None, resample: bool = False, mono: bool = True
) -> tuple[torch.Tensor, int]:
    """Read a WAV file as float32 in [-1, 1].

    Args:
        path: a PCM (8/16/24/32-bit) or float WAV file; float samples are read as stored, but beyond ±2 they are
            integer PCM stored unscaled, which is refused.
        sample_rate: the rate the caller expects; ``None`` accepts any.
        resample: when the file's rate differs from ``sample_rate``, resample it (otherwise that
            is a ValueError: silently mixing rates shifts every feature in frequency).
        mono: average the channels (warned of when they cancel: channels in opposite phase).

    Returns:
        ``(wave, rate)``: ``wave`` is ``(N,)`` when mono, else ``(N, C)`` for every file, ``(N, 1)`` for a mono one
        (as soundfile's ``always_2d``): code that takes ``wave[:, c]`` reads a folder of mono and stereo files alike;
        ``rate`` is the rate of ``wave``.
    """
    if sample_rate is not None:
        _check_rate("sample_rate", sample_rate)
    check_flags(resample=resample, mono=mono)
    sr, data = _read_raw(path, mmap=False)
    if data.shape[0] == 0:
        raise ValueError(f"{path} has no samples; remove empty recordings from the dataset")
    if data.dtype == np.int32 and (share := _floats_in_int_pcm(data)):
        raise ValueError(f"{path}: its header says 32-bit integer PCM, but its samples are 32-bit floats: read as "
                         f"floats, {share} of its nonzero samples lie in [-1, 1] (with both signs), while as integers "
                         "they would be loud noise; the writer named the wrong format in the header. Write it again "
                         "as float: rate, x = scipy.io.wavfile.read(path); scipy.io.wavfile.write(new_path, rate, "
                         "x.view(np.float32))")
    if data.dtype == np.int32:
        _warn_narrow_int32(path, data)
    if data.dtype == np.uint8 and (rougher := _signed_bytes(data)):
        seen = ("every sample is byte 0, silence as int8, which would be read as a constant -1 (full scale)"
                if rougher == math.inf else f"read so, the steps between its samples carry {rougher:.0f} times the "
                "power they carry read as int8, as where sound jumps between 0 and 255 each time it crosses zero (-1 "
                "is byte 255): a loud buzz")
        raise ValueError(f"{path}: its 8-bit samples are signed bytes (int8), but 8-bit WAV samples are unsigned "
                         f"(silence is 128): {seen}; the writer stored int8 values (Python's wave module writes the "
                         "bytes it is given). Write it again as unsigned: rate, x = scipy.io.wavfile.read(path); "
                         "scipy.io.wavfile.write(new_path, rate, x ^ 128)")
    x = _to_float(data)
    if data.dtype.kind == "f" and (i := _samples_scan(x)[0]) is not None:  # only float files can hold NaN
        raise ValueError(_nonfinite(path, i, sr))
    if data.dtype.kind == "f" and np.abs(x).max() > _FLOAT_OVER:  # integer PCM stored as floats, unscaled
        peak = float(np.abs(x).max())
        raise ValueError(f"{path} holds float samples up to {peak:g}, far beyond [-1, 1]: integer PCM written as "
                         "floats without scaling? features would be off by a constant factor; scale it (e.g. "
                         f"{'x / 32768 for int16 values' if peak <= 32768 else 'x / 2**31 for int32 values'}) and "
                         "write it again, or write the integers as integer PCM")
    if mono and x.ndim == 2:
        mixed = x.mean(axis=1)
        channels = np.square(x, dtype=np.float64).mean(axis=0)  # (C,): each channel's power, one pass
        power, kept = float(channels.mean()), float(np.square(mixed, dtype=np.float64).mean())
        if power > 0 and kept < 0.01 * power:  # channels in opposite phase: the mono mix is (near) silence
            down = "silent" if kept == 0 else f"{10 * np.log10(power / kept):.0f} dB below the channels' power"
            warnings.warn(f"{path}: its {x.shape[1]} channels cancel when averaged to mono (the mix is {down}): one "
                          f"channel's polarity inverted? read it with mono=False and take one channel (wave[:, 0]), "
                          f"or invert the other ((wave[:, 0] - wave[:, 1]) / 2)",
                          UserWarning, stacklevel=user_stacklevel())
        else:
            _warn_silent_channels(path, channels)
        x = mixed
    elif not mono and x.ndim == 1:  # a mono file's samples as its one channel
        x = x[:, None]
    if sample_rate is not None and sr != sample_rate:
        if not resample:
            raise ValueError(
                f"{path} is sampled at {sr} Hz but {sample_rate} Hz was expected; pass "
                f"resample=True to resample it, or convert it (e.g. sox in.wav -r {sample_rate} out.wav)"
            )
        return resample_wave(x, sr, sample_rate), sample_rate
    return torch.from_numpy(np.ascontiguousarray(x)), sr


def _warn_silent_channels(path, power: np.ndarray) -> None:
    """Warn where some channels of a file are silent (30 dB or more below the loudest) and others not (a mono
    recording written to one channel of a stereo file: a field recorder's second input left unplugged): the mono mix
    averages the silence in, so the clip reads at ``C_live / C`` of its level (-6 dB for one of two channels), every
    log-mel feature ``2 ln(C / C_live)`` lower (1.39) than the same sound in a mono file, which a dataset of both
    then holds as two levels. ``power``: each channel's mean square, ``(C,)``."""
    live = power > 1e-3 * power.max()  # silent: 30 dB or more below the loudest (dither, a hum's leak, bleed)
    if power.max() == 0 or live.all():
        return
    c, n_live = len(power), int(live.sum())
    silent = [int(i) for i in np.flatnonzero(~live)]
    drop = 20 * np.log10(n_live / c)
    kept = [int(i) for i in np.flatnonzero(live)]
    keep = f"wave[:, {kept[0]}]" if n_live == 1 else f"wave[:, {kept}].mean(1)"
    warnings.warn(f"{path}: channel(s) {silent} of its {c} are silent, so the mono mix reads the sound of the other(s) "
                  f"at {drop:.1f} dB (every log-mel feature {2 * np.log(c / n_live):.2f} lower than the same sound "
                  f"in a mono file); read it with mono=False and take the live channel(s) ({keep}), or, if the level "
                  "is right as it is, silence this with warnings.filterwarnings('ignore', '.*are silent')",
                  UserWarning, stacklevel=user_stacklevel())


def write_wav(path: str | os.PathLike, wave: torch.Tensor | np.ndarray, sample_rate: int) -> None:
    """Write float samples ``(N,)`` or ``(N, C)`` in [-1, 1] as 16-bit PCM, atomically.

    Overs up to ±2 are clipped to full scale, warned of where more than 0.1% of the samples (and more than one) are
    over; larger samples are refused (integer PCM held as floats, unscaled,
    would become a square wave), as `read_wav` refuses them; so is a wave of no samples, which `read_wav` refuses
    (soundfile would write it, but no feature frame comes from it: it is refused where it is made)."""
    _check_rate("sample_rate", sample_rate)
    wave, got = _unpair(wave, "write_wav")
    if got is not None and got != sample_rate:  # its header would say another rate: played at another pitch
        raise _rate_mismatch("write_wav", got, sample_rate, "the header would say",
                             f"write it at its own rate (write_wav(path, wave, {got})), or resample it first "
                             f"(resample_wave(wave, {got}, {sample_rate}))")
    x = _numpy(wave)
    if np.iscomplexobj(x) or x.ndim not in (1, 2):
        raise ValueError(f"write_wav: wave must hold real samples of shape (N,) or (N, C), got "
                         f"{'complex ' if np.iscomplexobj(x) else ''}shape {x.shape}")
    if x.shape[0] == 0:  # a valid WAV file, but read_wav refuses a recording of nothing: say so here, not there
        raise ValueError(f"write_wav: wave has no samples (shape {x.shape}), and read_wav refuses such a file (no "
                         "feature frame comes from it); drop the empty clip (speech synthesised from empty text, a "
                         "cut past the end) or give at least one sample")
    if x.ndim == 2 and x.shape[1] == 0:  # else scipy's ZeroDivisionError
        raise ValueError(f"write_wav: wave has no channels (shape {x.shape}); a WAV file holds (N, C) samples of C >= "
                         "1 channels (a channel selection that picked none?)")
    if x.dtype.kind not in "fc":  # int16 PCM would be clipped to +-1: a full-scale square wave
        raise ValueError(f"write_wav: wave holds {x.dtype} samples; it takes floats in [-1, 1]: scale integer PCM "
                         "first (x / 32768 for int16), or write it as it is with scipy.io.wavfile.write")
    if x.ndim == 2 and x.shape[1] > x.shape[0]:  # (C, N), channels first, would be N channels of C samples
        raise ValueError(f"write_wav: wave has shape {x.shape}, read as (N, C) = {x.shape[0]} samples of "
                         f"{x.shape[1]} channels; for channels first (C, N) pass wave.T")
    x = x.astype(np.float64)
    if not np.isfinite(x).all():  # int16 has no NaN: it would become an arbitrary sample
        raise ValueError(f"write_wav: wave holds NaN or infinity at sample {int(np.flatnonzero(~np.isfinite(x))[0])} "
                         f"(flat index); give finite samples in [-1, 1]")
    peak = float(np.abs(x).max()) if x.size else 0.0
    if peak > _FLOAT_OVER:  # clipped to +-1 they would become a full-scale square wave, as read_wav refuses them
        at = int(np.unravel_index(int(np.argmax(np.abs(x))), x.shape)[0])
        scale = "x / 32768 for int16 values" if peak <= 32768 else "x / 2**31 for int32 values"
        raise ValueError(f"write_wav: wave holds samples up to {peak:g} (at sample {at}), far beyond [-1, 1]: integer "
                         "PCM values held as floats? clipped to [-1, 1] they would be written as a full-scale square "
                         f"wave; scale them first ({scale}, or x / abs(x).max() to normalise)")
    _refuse_uncentred("write_wav", x.T)  # (C, N): each channel a clip
    over = int((np.abs(x) > 1.0).sum()) if peak > 1.0 else 0  # counted only where the peak says some are over
    if over > max(1, 0.001 * x.size):  # a click or two is a clip's own; more is the sound distorted, on disk
        warnings.warn(f"write_wav: {over} of the wave's {x.size} samples ({100 * over / x.size:.1f}%) lie beyond "
                      f"[-1, 1] (up to {peak:.3g}: a mix or a gain that went over full scale?) and are clipped to it, "
                      f"which distorts the sound written ({20 * np.log10(peak):.1f} dB over); scale it first (x / "
                      f"{peak:.3g}, or x / abs(x).max() for each clip), or clip it yourself (np.clip(x, -1, 1)) to "
                      "say so", UserWarning, stacklevel=2)
    pcm = np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype(np.int16)
    with atomic_write(path, "wb") as f:
        scipy.io.wavfile.write(f, sample_rate, pcm)


def mix_at_snr(signal: torch.Tensor | np.ndarray, noise: torch.Tensor | np.ndarray, snr_db: float) -> torch.Tensor:
    """``signal + a * noise`` with ``a`` chosen so that ``10 log10(P_signal / P_noise') = snr_db``: ``(N,)``, one
    clip (a batch ``(B, N)`` is refused: one gain for all its clips would give each an SNR of its own).

    ``P`` is the mean square over the whole clip (silences included), the convention of noisy-speech test
    sets built by adding noise to clean recordings (e.g. Aurora-2, Hirsch & Pearce 2000, which uses the
    speech-active part instead). ``noise`` must have the signal's shape and some energy, and so must the signal
    (a silent one has no SNR: mixed with a gain of 0 it would come back clean). Both are float samples in [-1, 1]:
    integer PCM is refused, as `LogMel` and `resample_wave` refuse it (its SNR would be right, but the mix would
    come back on the integer scale).
    """
    if not isinstance(snr_db, int | float | np.integer | np.floating) or not math.isfinite(snr_db):
        raise ValueError(f"snr_db must be a finite number of decibels, got {snr_db!r}")
    (signal, signal_rate), (noise, noise_rate) = _unpair(signal, "mix_at_snr"), _unpair(noise, "mix_at_snr")
    if None not in (signal_rate, noise_rate) and signal_rate != noise_rate:  # cut to one length, mixed at two pitches
        raise _rate_mismatch("mix_at_snr", noise_rate, signal_rate, "the signal is sampled at",
                             f"resample the noise first (resample_wave(noise, {noise_rate}, {signal_rate})), or read "
                             f"it at the signal's rate (read_wav(path, sample_rate={signal_rate}, resample=True))",
                             whose="the noise")
    for name, wave in (("signal", signal), ("noise", noise)):  # the mix would come back on the integer scale
        dtype = wave.dtype if isinstance(wave, torch.Tensor) else np.asarray(wave).dtype
        if not (dtype.is_floating_point if isinstance(dtype, torch.dtype) else dtype.kind == "f"):
            f32 = "x.float()" if isinstance(wave, torch.Tensor) else "x.astype(np.float32)"
            scale = {"uint8": f"({f32} - 128) / 128 for uint8", "int32": f"{f32} / 2**31 for int32"}.get(
                str(dtype).removeprefix("torch."), f"{f32} / 32768 for int16")
            raise ValueError(f"mix_at_snr takes float samples in [-1, 1], got the {name} as {dtype} (integer PCM?), "
                             f"whose mix would come back on the integer scale; scale it first ({scale}; read_wav "
                             "does it)")
    x = torch.as_tensor(signal, dtype=torch.float32)
    n = torch.as_tensor(noise, dtype=torch.float32)
    if x.dim() != 1:  # a batch's power is over all its clips: one gain for all, each clip at an SNR of its own
        raise ValueError(f"mix_at_snr mixes one clip (N,), got the signal as shape {tuple(x.shape)}: the power of "
                         "several clips would be taken over all of them, one gain for all, so a quiet clip would be "
                         "mixed far below snr_db and a loud one above it; mix each clip: torch.stack([mix_at_snr(s, "
                         "n, snr_db) for s, n in zip(signal, noise)]) (a stereo clip: its mono mix first, "
                         "x.mean(channel axis))")
    if n.shape != x.shape:
        raise ValueError(f"mix_at_snr: the noise has shape {tuple(n.shape)} but the signal {tuple(x.shape)}; "
                         + _noise_fix(tuple(n.shape), len(x)))
    for name, wave in (("signal", x), ("noise", n)):  # else named silent, its power NaN
        if not bool(torch.isfinite(wave).all()):
            at = int(torch.nonzero(~torch.isfinite(wave.reshape(-1)))[0])
            raise ValueError(f"the {name} holds NaN or infinity (at flat index {at}), so it has no power to set an SNR "
                             "by; a silent clip normalised by its peak (x / abs(x).max() divides 0 by 0)? drop it, or "
                             "give finite samples")
    for name, wave in (("signal", x), ("noise", n)):  # an offset's power would count as the clip's
        _refuse_uncentred(f"mix_at_snr ({name})", wave)
    p_signal, p_noise = x.double().square().mean(), n.double().square().mean()
    if not p_noise > 0:
        raise ValueError("the noise is silent (zero energy); no gain can give it an SNR")
    if not p_signal > 0:  # the gain would be 0: the clip returned without noise, as if mixed at snr_db
        raise ValueError(f"the signal is silent (zero energy): its SNR to any noise is -inf dB, so no gain gives "
                         f"snr_db={snr_db}; drop silent clips (a recording of nothing, speech synthesised from empty "
                         f"text) or add the noise at a level of your own")
    gain = torch.sqrt(p_signal / (p_noise * 10.0 ** (snr_db / 10.0)))
    return (x.double() + gain * n.double()).float()


def _noise_fix(shape: tuple, n: int) -> str:
    """How to make noise of ``shape`` one clip of the signal's ``n`` samples: a multichannel recording (stereo
    ``(N, C)``, as ``read_wav(mono=False)`` and soundfile give it, or channels first) mixed to mono, as `read_wav`
    mixes by default; one of another length cut or tiled."""
    if len(shape) == 2 and min(shape) <= 8:  # a few channels: which axis they are is told by the other's length
        axis = 1 if shape[1] == min(shape) else 0
        mono = f"noise.mean({axis})"
        return (f"the noise is a recording of {shape[axis]} channels ({'(N, C)' if axis else '(C, N)'}), and the "
                f"signal one clip: mix it to mono first ({mono}; read_wav(path) reads a mono mix by default)"
                + ("" if shape[1 - axis] == n else f", then make it {n} samples long"))
    if len(shape) == 1:
        k = -(-n // max(shape[0], 1))
        return (f"cut the noise to the signal's length (noise[:{n}])" if shape[0] > n else
                f"tile the noise to the signal's length (noise.repeat({k})[:{n}] of a tensor, np.resize(noise, {n}) "
                "of an array), or take a longer noise recording")
    return "give the noise as one clip (N,) of the signal's length"


def hz_to_mel(f: torch.Tensor | float) -> torch.Tensor:
    """HTK mel scale, ``2595 log10(1 + f / 700)``."""
    return 2595.0 * torch.log10(1.0 + torch.as_tensor(f, dtype=torch.float64) / 700.0)


def mel_to_hz(m: torch.Tensor | float) -> torch.Tensor:
    """Inverse of `hz_to_mel`, ``700 (10^(m / 2595) - 1)``."""
    return 700.0 * (10.0 ** (torch.as_tensor(m, dtype=torch.float64) / 2595.0) - 1.0)


def mel_filterbank(
    n_mels: int, n_fft: int, sample_rate: int, *, f_min: float = 0.0, f_max: float | None = None
) -> torch.Tensor:
    """Triangular mel filters ``(M, F)``, ``F = n_fft // 2 + 1``; row ``m`` weights the FFT bins of band m.

    Filter ``m`` rises linearly (in Hz) from ``f[m]`` to 1 at ``f[m+1]`` and falls to 0 at ``f[m+2]``, where
    ``f`` are ``M + 2`` points equally spaced in mel from ``f_min`` to ``f_max`` (default Nyquist). Peak 1,
    no area normalisation (HTK convention).
    """
    f_max = sample_rate / 2 if f_max is None else f_max
    if not 0 <= f_min < f_max <= sample_rate / 2:
        raise ValueError(f"need 0 <= f_min < f_max <= sample_rate / 2, got f_min={f_min}, f_max={f_max}")
    freqs = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)  # (F,)
    f = mel_to_hz(torch.linspace(float(hz_to_mel(f_min)), float(hz_to_mel(f_max)), n_mels + 2,
                                 dtype=torch.float64))  # (M + 2,)
    lo, mid, hi = f[:-2, None], f[1:-1, None], f[2:, None]
    rise = (freqs - lo) / (mid - lo)
    fall = (hi - freqs) / (hi - mid)
    fb = torch.clamp(torch.minimum(rise, fall), min=0.0)  # (M, F)
    empty = torch.nonzero(fb.sum(dim=1) == 0).flatten().tolist()
    if empty:
        raise ValueError(
            f"mel bands {empty[:5]} contain no FFT bin ({n_mels} bands over {n_fft // 2 + 1} bins); "
            "use fewer n_mels or a larger n_fft"
        )
    return fb.to(torch.float32)


def dct_matrix(n_out: int, n_in: int) -> torch.Tensor:
    """Orthonormal DCT-II, first ``n_out`` rows of ``n_in``: ``(n_out, n_in)``, so ``c = D @ x``.

    ``D[k, n] = s_k cos(pi (n + 1/2) k / n_in)`` with ``s_0 = sqrt(1 / n_in)``, ``s_k = sqrt(2 / n_in)``;
    equals ``scipy.fft.dct(x, type=2, norm="ortho")[:n_out]``, and ``D @ D.T = I``.
    """
    if not 1 <= n_out <= n_in:
        raise ValueError(f"need 1 <= n_out <= n_in, got n_out={n_out}, n_in={n_in}")
    k = torch.arange(n_out, dtype=torch.float64)[:, None]
    n = torch.arange(n_in, dtype=torch.float64)[None, :]
    D = torch.cos(math.pi / n_in * (n + 0.5) * k) * math.sqrt(2.0 / n_in)
    D[0] /= math.sqrt(2.0)
    return D.to(torch.float32)


class LogMel(nn.Module):
    """Log-mel spectrogram: samples ``(..., N)`` -> frames ``(..., T, M)``, ``T = 1 + N // hop_length``.

    Args:
        sample_rate: rate of the input samples (Hz).
        n_mels: number of mel bands ``M``.
        n_fft: FFT size (and window length), in samples.
        hop_length: samples between frame starts.
        f_min, f_max: band edges in Hz (``f_max`` defaults to Nyquist).
        eps: floor added before the log, so silence gives ``log(eps)`` and not ``-inf``.

    The samples are floats in [-1, 1]; integer PCM, float samples on its scale (beyond +-64: integer PCM made float
    without scaling, whose features would all be ~20.8 too high), and a wave holding NaN or infinity (whose frames
    would all be NaN), are refused, naming the sample. Bare samples carry no rate and are read at ``sample_rate``;
    a ``(samples, rate)`` pair, as `read_wav`, soundfile and librosa give it, has its rate checked (an 8 kHz clip read
    at 16 kHz would sound an octave higher in every feature, which its samples cannot tell).

    The window and hop are counted in samples at every rate, as torchaudio and librosa count them: the defaults are
    the speech front ends' 25 ms / 10 ms at 16 kHz only (50 ms / 20 ms at 8 kHz, 9 ms / 3.6 ms at 44.1 kHz). For
    25 ms / 10 ms at another rate give them: ``LogMel(rate, n_fft=round(0.025 * rate), hop_length=round(0.010 *
    rate))`` (200 / 80 at 8 kHz). The defaults do not follow the rate, so a model trained on ``LogMel(8000)``'s
    frames reads the same frames when it is built again.
    """

    def __init__(
        self,
        sample_rate: int,
        n_mels: int = 40,
        *,
        n_fft: int = 400,
        hop_length: int = 160,
        f_min: float = 0.0,
        f_max: float | None = None,
        eps: float = 1e-10,
    ):
        super().__init__()
        for name, v in (("sample_rate", sample_rate), ("n_mels", n_mels), ("n_fft", n_fft),
                        ("hop_length", hop_length)):
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < (2 if name == "n_fft" else 1):
                raise ValueError(f"LogMel: {name} must be an integer >= {2 if name == 'n_fft' else 1}, got {v!r}")
        self.sample_rate, self.n_mels, self.n_fft, self.hop_length, self.eps = (
            sample_rate, n_mels, n_fft, hop_length, eps)
        self.register_buffer("window", torch.hann_window(n_fft, periodic=True), persistent=False)
        self.register_buffer("fbank", mel_filterbank(n_mels, n_fft, sample_rate, f_min=f_min, f_max=f_max),
                             persistent=False)

    def num_frames(self, n_samples: int) -> int:
        """Frames produced from ``n_samples`` samples."""
        return 1 + n_samples // self.hop_length

    @property
    def min_samples(self) -> int:
        """The shortest clip it takes: centred frames reflect-pad by ``n_fft // 2``, which needs more samples."""
        return self.n_fft // 2 + 1

    def power_spectrogram(self, wave: torch.Tensor | np.ndarray) -> torch.Tensor:
        """``|STFT|^2``: ``(..., N) -> (..., T, F)``. A ``(samples, rate)`` pair (`read_wav`'s, soundfile's,
        librosa's) has its rate checked against ``sample_rate``; bare samples carry none, and are read at it."""
        wave = torch.as_tensor(_rated(wave, type(self).__name__, self.sample_rate))
        if not wave.is_floating_point():
            raise ValueError(f"{type(self).__name__} takes float samples in [-1, 1], got dtype {wave.dtype}; "
                             "integer PCM must be scaled first (read_wav does it; or x / 32768 for int16)")
        if wave.dim() == 0 or wave.shape[-1] < self.min_samples:
            n = wave.shape[-1] if wave.dim() else 0
            hint = (f"; the samples must be on the last axis, and this wave has shape {tuple(wave.shape)}: for "
                    f"(N, C) channels last pass wave.T" if wave.dim() >= 2 and wave.shape[-2] >= self.min_samples
                    else "")
            raise ValueError(
                f"a clip of {n} samples is too short for n_fft={self.n_fft} (centred frames "
                f"reflect-pad by n_fft // 2); pad the clip or use a smaller n_fft{hint}"
            )
        finite = torch.isfinite(wave)
        if not bool(finite.all()):  # NaN in every frame its window touches, and nothing says why
            first = (~finite).nonzero()[0].tolist()
            where = f"sample {first[-1]}" + (f" of clip {first[0] if len(first) == 2 else tuple(first[:-1])}"
                                             if len(first) > 1 else "")
            value = wave[tuple(first)].item()
            raise ValueError(f"{type(self).__name__}: the wave holds {'NaN' if value != value else value} at {where} "
                             f"({int((~finite).sum())} non-finite sample(s) in all), which would make every feature "
                             "of the frames around it NaN; a silent clip normalised by its peak (x / abs(x).max() "
                             "divides 0 by 0)? drop the clip, or give finite samples")
        peak = float(wave.abs().max())
        if 2 <= peak <= _FEATURES_OVER:  # a quiet clip of integer PCM made float: its samples all whole
            rows = wave.reshape(-1, wave.shape[-1])
            whole = (rows == rows.round()).all(-1) & (rows.abs().amax(-1) >= 2)  # (B',)
            if bool(whole.any()):
                b = int(whole.nonzero()[0])
                at = b if wave.dim() == 2 else tuple(int(i) for i in np.unravel_index(b, wave.shape[:-1]))
                clip = "" if wave.dim() == 1 else f" of clip {at}"
                quiet = float(rows[b].abs().max())
                raise ValueError(f"{type(self).__name__}: every sample{clip} is a whole number, up to {quiet:g}: "
                                 "integer PCM made float without scaling (torch.tensor(x, dtype=torch.float32) of "
                                 "scipy.io.wavfile.read's samples), a quiet clip of it? every feature would be about "
                                 f"{2 * np.log(32768):.1f} too high; scale it first (x / 32768 for int16 values; "
                                 "read_wav does it)")
        if peak > _FEATURES_OVER:  # integer PCM made float: every feature 2 ln(scale) too high, without a word
            first = (wave.abs() == peak).nonzero()[0].tolist()
            where = f"sample {first[-1]}" + (f" of clip {first[0] if len(first) == 2 else tuple(first[:-1])}"
                                             if len(first) > 1 else "")
            if bool((wave >= 0).all()) and peak <= 255:
                scale = "(x - 128) / 128 for 8-bit WAV's unsigned values"
            else:
                scale = "x / 32768 for int16 values" if peak <= 32768 else "x / 2**31 for int32 values"
            raise ValueError(f"{type(self).__name__}: the wave holds samples up to {peak:g} (at {where}), far beyond "
                             "[-1, 1]: integer PCM made float without scaling (torch.tensor(x, dtype=torch.float32) "
                             "of scipy.io.wavfile.read's samples)? every feature would be about "
                             f"{2 * np.log(32768 if peak <= 32768 else 2.0**31):.1f} too high; scale it first "
                             f"({scale}; read_wav does it)")
        if peak <= 1:  # a wave on [0, 1] peaks at 1 at most
            _refuse_uncentred(type(self).__name__, wave)
        lead = wave.shape[:-1]
        spec = torch.stft(wave.reshape(-1, wave.shape[-1]).float(), self.n_fft, self.hop_length,  # (B', F, T)
                          window=self.window, center=True, pad_mode="reflect", return_complex=True)
        power = spec.real**2 + spec.imag**2
        return power.transpose(-1, -2).reshape(*lead, power.shape[-1], power.shape[-2])

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return torch.log(self.power_spectrogram(wave) @ self.fbank.T + self.eps)  # (..., T, M)


class MFCC(nn.Module):
    """Mel-frequency cepstral coefficients: samples ``(..., N)`` -> ``(..., T, K)``; ``c_0`` is kept.

    ``MFCC = LogMel(...)(x) @ dct_matrix(K, M).T``; keyword options are those of `LogMel`.
    """

    def __init__(self, sample_rate: int, n_mfcc: int = 13, *, n_mels: int = 40, **logmel_options):
        super().__init__()
        self.logmel = LogMel(sample_rate, n_mels, **logmel_options)
        self.register_buffer("dct", dct_matrix(n_mfcc, n_mels), persistent=False)

    @property
    def sample_rate(self) -> int:
        """The rate the features are built for (its log-mel's)."""
        return self.logmel.sample_rate

    def num_frames(self, n_samples: int) -> int:
        return self.logmel.num_frames(n_samples)

    @property
    def min_samples(self) -> int:
        return self.logmel.min_samples

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.logmel(_rated(wave, type(self).__name__, self.sample_rate)) @ self.dct.T  # (..., T, K)


def _declared_bands(transform) -> tuple[str, int] | None:
    """The feature size a torchaudio-style transform declares (``n_mfcc``, ``n_mels``), on itself or on the first
    step of an ``nn.Sequential`` that declares one (``Sequential(MelSpectrogram(), AmplitudeToDB())``); such
    transforms give features channels first, ``(F, T)``."""
    steps = [transform, *(transform if isinstance(transform, nn.Sequential) else ())]
    for step in steps:
        for name in ("n_mfcc", "n_mels"):
            if is_count(getattr(step, name, None)):
                return name, int(getattr(step, name))
    return None


_RESAMPLES = re.compile(r"resampl|decimat|interpolat", re.IGNORECASE)
"""A name a transform calls that may change the rate of its samples before its modules read them
(``resample_wave``, ``torchaudio.functional.resample``, ``scipy.signal.decimate``): their declared rate then
tells nothing of the rate the transform takes."""


def _code_names(code) -> set[str]:
    """The global and attribute names a code object and the functions defined in it call."""
    return set(code.co_names).union(*(_code_names(c) for c in code.co_consts if inspect.iscode(c)))


def _declared_rate(transform) -> tuple[int, str, str, str] | None:
    """``(rate, kind, where, attribute)``: the rate ``transform`` reads, the kind of module that declares it, where it
    sits (``""`` for the transform itself) and the attribute that gives it, or None where nothing tells.

    The transform's own ``sample_rate`` (`LogMel`, `MFCC`, torchaudio's transforms, or an attribute set on a
    function) decides. Else the modules it holds tell (an ``nn.Sequential``, a model of one's own), or those it refers
    to by name: the ``mel`` of ``def features(wave): return mel(wave).T``, global or closed over, a
    ``functools.partial``'s arguments, a bound method's module, a default argument, a callable object's attributes. A
    resampler module among them (torchaudio's ``Resample``: ``orig_freq``, ``new_freq``) reads its ``orig_freq``. Where
    resamplers or rates disagree, or a function or forward calls a resampling function (``resample_wave``, ``resample``,
    ``decimate``), which rate the samples arrive at cannot be told, and None is given."""
    own = getattr(transform, "sample_rate", None)
    if is_count(own):
        return int(own), type(transform).__name__, "", "sample_rate"
    rates, resamplers, seen, resampled = [], [], set(), []

    def visit(obj, name: str, depth: int) -> None:
        if id(obj) in seen or depth > 3:
            return
        seen.add(id(obj))
        if isinstance(obj, nn.Module):
            for sub, m in obj.named_modules():
                found = (type(m).__name__, ".".join(p for p in (name, sub) if p))
                if is_count(getattr(m, "orig_freq", None)) and is_count(getattr(m, "new_freq", None)):
                    resamplers.append((int(m.orig_freq), *found, "orig_freq"))
                    continue
                if is_count(getattr(m, "sample_rate", None)):
                    rates.append((int(m.sample_rate), *found, "sample_rate"))
                forward = getattr(type(m).forward, "__code__", None)
                if forward is not None:
                    resampled.extend(n for n in _code_names(forward) if _RESAMPLES.search(n))
        elif isinstance(obj, functools.partial):
            for i, v in enumerate((obj.func, *obj.args)):
                visit(v, f"args[{i - 1}]" if i else name, depth + 1)
            for n, v in obj.keywords.items():
                visit(v, n, depth + 1)
        elif inspect.ismethod(obj):
            visit(obj.__self__, name, depth + 1)
        elif inspect.isfunction(obj):
            resampled.extend(n for n in _code_names(obj.__code__) if _RESAMPLES.search(n))
            try:
                names = inspect.getclosurevars(obj)
            except (TypeError, ValueError):  # a function of no source-level names to read
                return
            code, defaults = obj.__code__, obj.__defaults__ or ()
            defaulted = code.co_varnames[code.co_argcount - len(defaults):code.co_argcount]
            given = {**names.globals, **names.nonlocals, **(obj.__kwdefaults__ or {}),
                     **dict(zip(defaulted, defaults, strict=True))}
            for n, v in given.items():
                visit(v, n, depth + 1)
        elif depth == 0 and callable(obj) and hasattr(obj, "__dict__"):  # a callable object holding its modules
            call = getattr(type(obj).__call__, "__code__", None)
            if call is not None:
                resampled.extend(n for n in _code_names(call) if _RESAMPLES.search(n))
            for n, v in vars(obj).items():
                visit(v, n, depth + 1)

    visit(transform, "", 0)
    if resamplers:
        return resamplers[0] if len({r for r, *_ in resamplers}) == 1 else None
    return rates[0] if rates and not resampled and len({r for r, *_ in rates}) == 1 else None


def _warn_numbers_as_text(root: Path, classes: list[str]) -> None:
    """Warn of class folders named by numbers (``'1'`` .. ``'12'``: speakers, counts) whose order as text, the order
    of their ids, is not their numbers' (``'10'`` before ``'2'``): id 1 is folder ``'10'``, and ids read as the
    folders' numbers (a confusion matrix labelled 0 .. K-1, an external list of labels) name other classes."""
    if not (len(classes) > 1 and all(c.isdigit() for c in classes)):
        return
    by_number = sorted(classes, key=int)
    if by_number == classes:
        return
    i = next(i for i, (a, b) in enumerate(zip(classes, by_number, strict=True)) if a != b)
    warnings.warn(f"AudioDataset.from_folder: the class folders of {root} are numbers, and their ids follow their "
                  f"order as text ({', '.join(repr(c) for c in classes[:5])}, ...): id {i} is folder {classes[i]!r}, "
                  f"not {by_number[i]!r}, so ids read as the folders' numbers name other classes; read each id's "
                  "folder from dataset.classes, or name the folders with leading zeros "
                  f"({by_number[0].zfill(len(by_number[-1]))!r} .. {by_number[-1]!r}) to give ids in their numbers' "
                  "order", UserWarning, stacklevel=3)


class AudioDataset(Dataset):
    """WAV files as ``(features (T, D), label int64)`` items, read on access.

    ``transform`` maps a mono waveform ``(N,)`` to frames ``(T, D)`` (`LogMel`, `MFCC`); without one the
    item is the waveform itself as ``(N, 1)``. Every file's header is checked when the dataset is built,
    so a wrong sample rate or an empty file fails at once, naming the file, not in the middle of an epoch.
    ``lengths`` (frames per item, for `BucketBatchSampler`) come from the headers too. A transform that declares its
    feature size (torchaudio's ``MelSpectrogram``: ``n_mels``, ``MFCC``: ``n_mfcc``) but gives features channels first,
    ``(F, T)``, is refused at the item: give a function that returns ``mel(wave).T``. A transform built for a rate
    other than ``sample_rate`` is refused, whether it says so itself or through the modules it holds or calls by
    name (see `_declared_rate`; ``transform.sample_rate = rate`` overrides what they say).

    Args:
        files: WAV paths.
        labels: one int label per file, in the files' order, or keyed by the files (a dict, or a Series indexed
            by their paths, names or names without the extension): each file takes its own key's label.
        transform: waveform -> frames; if it has ``num_frames(n)``, ``lengths`` uses it.
        sample_rate: rate every file must have (or is resampled to).
        resample: resample files at other rates instead of raising.
    """

    def __init__(
        self,
        files: Sequence[str | os.PathLike],
        labels: Sequence[int],
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        *,
        sample_rate: int,
        resample: bool = False,
    ):
        labels = labels_by_file(files, labels, "AudioDataset")  # a dict or Series keyed by the files
        check_file_list(files, labels, "AudioDataset", "*.wav")
        check_aligned(files, labels, "files")  # a Series of paths and one of labels, read by position
        if len(files) != len(labels):
            raise ValueError(f"got {len(files)} files but {len(labels)} labels; need one label per file")
        if len(files) == 0:
            raise ValueError(f"AudioDataset: no audio files given {EMPTY_DATASET}")
        _check_rate("sample_rate", sample_rate)
        check_flags(resample=resample)
        declared = _declared_rate(transform)
        if declared is not None and declared[0] != sample_rate:  # its mel bands would sit at other frequencies
            rate, kind, where, attribute = declared
            name = getattr(transform, "__name__", type(transform).__name__)
            arg = "orig_freq=" if attribute == "orig_freq" else ""
            held = (f" (the {kind} it {'holds' if isinstance(transform, nn.Module) else 'calls'} as {where}"
                    f"{', by its orig_freq' if arg else ''})" if where else "")
            own = ("; if it changes the wave's rate itself before that, give it the rate it takes (transform."
                   f"sample_rate = {sample_rate})" if where else "")
            raise ValueError(f"the transform {name} is built for {rate} Hz{held} but the dataset reads its files at "
                             f"sample_rate={sample_rate} Hz; build it with {kind}({arg}{sample_rate}, ...), or pass "
                             f"sample_rate={rate}, resample=True to resample the files{own}")
        self.files = [Path(f) for f in files]
        self.labels = _label_ids(labels, "AudioDataset")
        self.transform = transform
        self.sample_rate = sample_rate
        self.resample = resample
        lengths, silent = [], []
        for k, f in enumerate(self.files):
            sr, data = _read_raw(f, mmap=True)
            n = data.shape[0]
            if n == 0:
                raise ValueError(f"{f} has no samples; remove empty recordings from the dataset")
            bad, quiet = _samples_scan(data)  # refused now, not when an epoch reaches the file
            if bad is not None:
                raise ValueError(f"AudioDataset: file {k}: {_nonfinite(f, bad, sr)}")
            if quiet:
                silent.append(k)
            if sr != sample_rate:
                if not resample:
                    raise ValueError(f"{f} is sampled at {sr} Hz but {sample_rate} Hz was expected; pass "
                                     "resample=True to resample, or convert the file")
                n = -(-n * sample_rate // sr)  # resample_poly's output length, ceil(n * up / down)
            shortest = getattr(transform, "min_samples", 1)
            if n < shortest:  # refused now, not by the transform in the middle of an epoch
                raise ValueError(f"{f} has {n} samples at {sample_rate} Hz, fewer than the {shortest} the transform "
                                 "needs (n_fft // 2 + 1); pad the clip with silence or drop it")
            lengths.append(transform.num_frames(n) if hasattr(transform, "num_frames") else n)
        self.lengths = np.asarray(lengths, dtype=np.int64)
        _warn_silent_files([self.files[k] for k in silent], self.labels[silent], len(self.files))
        self._bands = None if hasattr(transform, "num_frames") else _declared_bands(transform)

    @classmethod
    def from_folder(
        cls,
        root: str | os.PathLike,
        transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        *,
        sample_rate: int,
        resample: bool = False,
    ) -> AudioDataset:
        """``root/<class name>/*.wav`` (any case); classes are the sorted folder names (``dataset.classes``).

        Hidden folders (``.ipynb_checkpoints``) are no class. A class folder without WAV files of its own, or with
        WAV files in subfolders, is refused, and so are WAV files in ``root`` itself: those files would be left out
        (and an empty class kept) silently."""
        root = Path(root)
        classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith(".")) \
            if root.is_dir() else []
        loose = sorted(p.name for p in root.iterdir() if p.is_file() and p.suffix.lower() == ".wav") \
            if root.is_dir() else []
        if loose:  # no class folder holds them: left out, or the only clips there are
            raise ValueError(f"{root} holds {len(loose)} WAV file(s) directly (e.g. {loose[0]}), outside any class "
                             f"folder, which from_folder does not read: it reads root/<class>/*.wav; move each into "
                             f"the folder of its class" + (f" (the classes: {classes[:5]})" if classes else ""))
        _warn_numbers_as_text(root, classes)
        files, labels = [], []
        for i, c in enumerate(classes):
            # .WAV too (recorders and Windows tools write upper case); a case-sensitive glob would drop them
            found = sorted(p for p in (root / c).iterdir() if p.is_file() and p.suffix.lower() == ".wav")
            nested = [p for p in (root / c).rglob("*") if p.is_file() and p.suffix.lower() == ".wav"
                      and p.parent != root / c]
            if nested:
                raise ValueError(f"class folder {root / c} holds {len(nested)} WAV files in subfolders (e.g. "
                                 f"{nested[0].relative_to(root)}), which from_folder does not read: it reads "
                                 "root/<class>/*.wav, one level; move them up into their class folder")
            if not found:
                kinds = sorted({p.suffix.lower() or p.name for p in (root / c).iterdir()})
                held = f"its files end in {kinds[:5]}" if kinds else "it is empty"
                raise ValueError(f"class folder {root / c} holds no WAV file ({held}); every class needs its clips as "
                                 "WAV (convert them, e.g. sox in.flac out.wav), or remove the folder if it is no class")
            files.extend(found)
            labels.extend([i] * len(found))
        if not files:
            raise ValueError(f"no WAV files found under {root}/<class>/*.wav; expected one folder per class")
        ds = cls(files, labels, transform, sample_rate=sample_rate, resample=resample)
        ds.classes = classes
        return ds

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        wave, _ = read_wav(self.files[i], sample_rate=self.sample_rate, resample=self.resample)
        x = wave[:, None] if self.transform is None else self.transform(wave)
        if isinstance(x, torch.Tensor) and x.dim() and x.shape[0] == 0:  # else refused in the batch, file unnamed
            raise ValueError(f"{self.files[i]}: the transform left no step of its {len(wave)} samples (a trim of "
                             "silence on a silent clip?); drop the file from the dataset, or keep at least one step "
                             "in the transform")
        if self._bands and isinstance(x, torch.Tensor) and x.dim() == 2 and x.shape[0] == self._bands[1] != x.shape[1]:
            name, size = self._bands
            raise ValueError(f"AudioDataset: the transform {type(self.transform).__name__} gave features of shape "
                             f"{tuple(x.shape)} for the {len(wave)} samples of {self.files[i]}: its {name}={size} "
                             f"first, (F, T), as torchaudio's and librosa's features are, which pad_collate would "
                             f"read as {size} steps of {x.shape[1]} features; give frames (T, F): a function such as "
                             "def features(wave): return mel(wave).T (named, so DataLoader workers can pickle it), or "
                             "rnnkit's LogMel / MFCC, which give (T, F)")
        return x, self.labels[i]
