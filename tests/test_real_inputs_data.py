"""The data loaders on real formats the other tests do not use, and the bad inputs of the fourth catalogue
(docs/bad_inputs.md, L4-xx): WAVs from the stdlib `wave` module, scipy and espeak-ng; FASTA with RNA, IUPAC
codes, UTF-8 headers and byte-order marks; event logs with other columns and shuffled rows; frames of other
dtypes and layouts; collated items of other forms; windows of real series. Real files (dm3 promoters,
vtest.avi) and optional tools are used when present and skipped otherwise."""

import gzip
import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile
import torch

from rnnkit.data.audio import MFCC, AudioDataset, LogMel, read_wav, wav_info, write_wav
from rnnkit.data.bio import (
    BioSequenceDataset,
    encode_sequence,
    kmer_ids,
    kmers,
    read_fasta,
    reverse_complement,
)
from rnnkit.data.collate import BucketBatchSampler, pad_collate
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.text import BPTTBatches, TextClassificationDataset, Vocab, batchify, read_text
from rnnkit.data.timeseries import sliding_windows


def sine(n, sr, freq=440.0, amp=0.5):
    return amp * np.sin(2 * np.pi * freq * np.arange(n) / sr)


def write_with_wave_module(path, pcm_bytes, *, width, rate, channels=1):
    with wave.open(str(path), "wb") as f:
        f.setnchannels(channels)
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(pcm_bytes)


# ---------------------------------------------------------------------------------------------------- audio


def test_wavs_of_every_sample_format_and_rate_read_as_the_same_wave(tmp_path):
    x = sine(800, 8000)
    files = {
        "u8_wave.wav": (lambda p: write_with_wave_module(p, np.round(x * 127 + 128).astype(np.uint8).tobytes(),
                                                         width=1, rate=8000), 1 / 100),
        "i16_scipy.wav": (lambda p: scipy.io.wavfile.write(p, 44100, np.round(x * 32767).astype(np.int16)),
                          1 / 30000),
        "i24_wave.wav": (lambda p: write_with_wave_module(
            p, b"".join(int(v).to_bytes(4, "little", signed=True)[:3] for v in np.round(x * (2**23 - 1))),
            width=3, rate=48000), 1e-6),
        "i32_scipy.wav": (lambda p: scipy.io.wavfile.write(p, 8000, np.round(x * (2**31 - 1)).astype(np.int32)),
                          1e-6),
        "f32_scipy.wav": (lambda p: scipy.io.wavfile.write(p, 16000, x.astype(np.float32)), 1e-6),
    }
    for name, (write, tol) in files.items():
        write(tmp_path / name)
        y, _ = read_wav(tmp_path / name)
        assert y.dtype == torch.float32 and y.shape == (800,), name
        assert np.max(np.abs(y.numpy() - x)) < tol, name
    rates = {name: wav_info(tmp_path / name)[1] for name in files}
    assert rates == {"u8_wave.wav": 8000, "i16_scipy.wav": 44100, "i24_wave.wav": 48000, "i32_scipy.wav": 8000,
                     "f32_scipy.wav": 16000}


def test_stereo_from_wave_module_at_22050_resampled_to_16000(tmp_path):
    x = sine(2205, 22050)
    pcm = np.round(np.stack([x, 0 * x], axis=1) * 32767).astype("<i2")
    write_with_wave_module(tmp_path / "st.wav", pcm.tobytes(), width=2, rate=22050, channels=2)
    both, sr = read_wav(tmp_path / "st.wav", mono=False)
    assert sr == 22050 and both.shape == (2205, 2) and float(both[:, 1].abs().max()) == 0.0
    mono, sr = read_wav(tmp_path / "st.wav", sample_rate=16000, resample=True)
    assert sr == 16000 and mono.shape == (1600,)
    assert abs(float(mono.abs().max()) - 0.25) < 0.01  # the mean of the tone and a silent channel


def test_silent_and_very_short_clips(tmp_path):
    scipy.io.wavfile.write(tmp_path / "silent.wav", 16000, np.zeros(1600, np.int16))
    feats = LogMel(16000, 40)(read_wav(tmp_path / "silent.wav")[0])
    assert feats.shape == (11, 40) and torch.allclose(feats, torch.full_like(feats, float(np.log(1e-10))))
    scipy.io.wavfile.write(tmp_path / "short.wav", 16000, np.zeros(50, np.int16))
    assert read_wav(tmp_path / "short.wav")[0].shape == (50,)
    with pytest.raises(ValueError, match=r"short\.wav has 50 samples at 16000 Hz, fewer than the 201 the transform"):
        AudioDataset([tmp_path / "short.wav"], [0], LogMel(16000), sample_rate=16000)  # L4-04: at build time


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_espeak_ng_speech_resampled_to_16k_features(tmp_path):
    subprocess.run(["espeak-ng", "-w", str(tmp_path / "seven.wav"), "seven"], check=True, timeout=30)
    n, sr, channels = wav_info(tmp_path / "seven.wav")
    assert sr == 22050 and channels == 1 and n > 2205
    with pytest.raises(ValueError, match="sampled at 22050 Hz but 16000 Hz was expected"):
        read_wav(tmp_path / "seven.wav", sample_rate=16000)
    mfcc = MFCC(16000)
    ds = AudioDataset([tmp_path / "seven.wav"], [7], mfcc, sample_rate=16000, resample=True)
    x, y = ds[0]
    assert x.shape == (ds.lengths[0], 13) and int(y) == 7 and torch.isfinite(x).all()
    with open(tmp_path / "piped.wav", "wb") as f:  # a placeholder size in the header: streamed to a pipe
        subprocess.run(["espeak-ng", "--stdout", "seven"], stdout=f, check=True, timeout=30)
    assert torch.equal(read_wav(tmp_path / "piped.wav")[0], read_wav(tmp_path / "seven.wav")[0])


def test_wav_with_nan_truncated_or_missing_is_refused(tmp_path):  # L4-01, L4-02, L4-03
    scipy.io.wavfile.write(tmp_path / "nan.wav", 8000, np.r_[np.zeros(100), np.nan, np.zeros(10)].astype(np.float32))
    with pytest.raises(ValueError, match=r"nan\.wav holds NaN or infinity at sample 100 \(0\.013 s\)"):
        read_wav(tmp_path / "nan.wav")
    scipy.io.wavfile.write(tmp_path / "full.wav", 8000, np.zeros(1000, np.int16))
    (tmp_path / "cut.wav").write_bytes((tmp_path / "full.wav").read_bytes()[:500])
    for read in (read_wav, wav_info):
        with pytest.raises(ValueError, match=r"cut\.wav is truncated: its header says the samples run to byte 2044 "
                                             r"but the file ends at byte 500"):
            read(tmp_path / "cut.wav")
    # a writer streaming to a pipe (espeak-ng --stdout, ffmpeg, sox) cannot fix its header: a placeholder size
    raw = bytearray((tmp_path / "full.wav").read_bytes())
    data_at = raw.index(b"data") + 4
    for placeholder in (0x7FFFF000, 0xFFFFFFFF):
        raw[4:8] = raw[data_at : data_at + 4] = placeholder.to_bytes(4, "little")
        (tmp_path / "streamed.wav").write_bytes(bytes(raw))
        assert wav_info(tmp_path / "streamed.wav") == (1000, 8000, 1)
        assert read_wav(tmp_path / "streamed.wav")[0].shape == (1000,)
    with pytest.raises(ValueError, match=r"nope\.wav: no such file; expected a WAV file"):
        read_wav(tmp_path / "nope.wav")


def test_write_wav_refuses_channels_first_and_integer_samples(tmp_path):  # L4-05
    x = sine(800, 8000)
    with pytest.raises(ValueError, match=r"shape \(2, 800\), read as \(N, C\) = 2 samples of 800 channels.*wave\.T"):
        write_wav(tmp_path / "a.wav", np.stack([x, x]), 8000)
    with pytest.raises(ValueError, match=r"int16 samples; it takes floats in \[-1, 1\]"):
        write_wav(tmp_path / "a.wav", np.round(x * 32767).astype(np.int16), 8000)
    assert not (tmp_path / "a.wav").exists()
    write_wav(tmp_path / "a.wav", np.stack([x, x], axis=1), 8000)  # (N, C) is the layout it takes
    assert wav_info(tmp_path / "a.wav") == (800, 8000, 2)


def test_logmel_options_dtypes_and_layouts():  # L4-06
    for kwargs in ({"n_mels": 0}, {"hop_length": 0}, {"n_fft": 1}, {"sample_rate": 16000.5}):
        with pytest.raises(ValueError, match=r"LogMel: \w+ must be an integer >= \d, got"):
            LogMel(**{"sample_rate": 16000, **kwargs})
    lm = LogMel(16000, 40)
    x = sine(1600, 16000)
    assert torch.equal(lm(x), lm(torch.from_numpy(x)))  # a numpy wave is read as a tensor
    with pytest.raises(ValueError, match=r"takes float samples in \[-1, 1\], got dtype torch\.int16"):
        lm(torch.from_numpy(np.round(x * 32767).astype(np.int16)))
    with pytest.raises(ValueError, match=r"shape \(1600, 2\): for \(N, C\) channels last pass wave\.T"):
        lm(torch.from_numpy(np.stack([x, x], axis=1)))
    assert lm(torch.from_numpy(np.stack([x, x]))).shape == (2, 11, 40)


def test_text_labels_of_audio_bio_and_video_datasets_are_refused(tmp_path):  # L4-07
    scipy.io.wavfile.write(tmp_path / "a.wav", 16000, np.zeros(1600, np.int16))
    with pytest.raises(ValueError, match=r"labels must hold integer ids, got dtype <U3; map text labels to ids"):
        AudioDataset([tmp_path / "a.wav"], ["yes"], sample_rate=16000)
    with pytest.raises(ValueError, match=r"labels must hold integer ids, got dtype <U3"):
        BioSequenceDataset(["ACGT"], ["pos"])
    with pytest.raises(ValueError, match=r"labels must hold whole numbers; at position 0 it is 0\.5"):
        BioSequenceDataset(["ACGT"], [0.5])


# ---------------------------------------------------------------------------------------------------- FASTA


def test_fasta_windows_line_ends_gzip_lowercase_n_and_headers_with_spaces(tmp_path):
    text = ">chr1 soft-masked repeat\r\nACGTnnac\r\ngt\r\n\r\n>chr2\r\nGGCC\r\n"
    (tmp_path / "a.fa").write_bytes(text.encode())
    with gzip.open(tmp_path / "a.fa.gz", "wb") as f:
        f.write(text.encode())
    for name in ("a.fa", "a.fa.gz"):
        records = read_fasta(tmp_path / name)
        assert [(r.name, r.sequence) for r in records] == [("chr1", "ACGTNNACGT"), ("chr2", "GGCC")]


def test_fasta_utf8_headers_byte_order_mark_and_bad_bytes(tmp_path):  # L4-08
    (tmp_path / "u.fa").write_text("\ufeff>séquence_1\nACGT\n>β2\nGG\n", encoding="utf-8")
    assert [r.name for r in read_fasta(tmp_path / "u.fa")] == ["séquence_1", "β2"]
    (tmp_path / "l.fa").write_bytes(b">s1\nAC\xe9GT\n")
    with pytest.raises(ValueError, match=r"record 's1', line 2, position 2: invalid byte 0xe9 \(not UTF-8 text\)"):
        read_fasta(tmp_path / "l.fa")


def test_fasta_messages_say_how_to_fix_rna_iupac_protein_and_fastq(tmp_path):  # L4-09
    cases = {
        ">r1\nACGU\n": r"record 'r1', line 2, position 3: invalid letter 'U'.*looks like RNA: replace U with T",
        ">r1\nACGTRY\n": r"position 4: invalid letter 'R'.*'R' is an IUPAC ambiguity code.*replace it with N",
        ">sp|P1|X\nMKTAYIAKQR\n": r"position 0: invalid letter 'M'.*pass alphabet='protein'",
        "@read1\nACGT\n+\nIIII\n": r"line 1: sequence text before the first '>' header.*FASTQ.*seqtk seq -a",
    }
    for i, (text, message) in enumerate(cases.items()):
        (tmp_path / f"{i}.fa").write_text(text)
        with pytest.raises(ValueError, match=message):
            read_fasta(tmp_path / f"{i}.fa")
    with pytest.raises(ValueError, match=r"nope\.fa: no such file; expected a FASTA file"):
        read_fasta(tmp_path / "nope.fa")


def test_records_of_read_fasta_make_a_dataset(tmp_path):  # L4-10
    (tmp_path / "a.fa").write_text(">a\nACGTN\n>b\nTT\n")
    ds = BioSequenceDataset(read_fasta(tmp_path / "a.fa"), [1, 0])
    assert ds.lengths.tolist() == [5, 2]
    x, y = ds[0]
    assert x.shape == (5, 4) and x[4].tolist() == [0.25] * 4 and int(y) == 1
    with pytest.raises(ValueError, match=r"a sequence must be a str of letters, got bytes; decode bytes first"):
        encode_sequence(b"ACGT")


def test_reverse_complement_of_iupac_codes_and_refusal_of_rna():  # L4-11
    assert reverse_complement("ACGTRYKMSWBDHVN") == "NBDHVWSKMRYACGT"
    assert reverse_complement("acgr") == "ycgt"
    assert reverse_complement(reverse_complement("GATTACARYBN")) == "GATTACARYBN"
    with pytest.raises(ValueError, match=r"position 3 holds 'U', not a DNA letter.*RNA: replace U with T"):
        reverse_complement("ACGU")


def test_kmer_sizes_are_checked():  # L4-12
    with pytest.raises(ValueError, match="k must be an integer >= 1, got 0"):
        kmers("ACGT", 0)
    with pytest.raises(ValueError, match="stride must be an integer >= 1, got 0"):
        kmer_ids("ACGT", 2, stride=0)
    with pytest.raises(ValueError, match=r"40-mer ids of the dna alphabet reach 4\*\*40, beyond int64; use k <= 31"):
        kmer_ids("A" * 50, 40)
    assert int(kmer_ids("T" * 31, 31)[0]) == 4**31 - 1


def _found(find) -> Path | None:
    """The recipe's own finder of its Debian data file (rnnkit.apps.dna.find_fasta, surveillance.find_video), or
    None when the file is absent."""
    try:
        return find()
    except FileNotFoundError:
        return None


def _promoters() -> Path | None:
    from rnnkit.apps.dna import find_fasta

    return _found(find_fasta)


@pytest.mark.skipif(_promoters() is None, reason="dm3_upstream2000.fa.gz (Debian r-bioc-biostrings) not present")
def test_real_drosophila_promoters(tmp_path):
    with gzip.open(_promoters(), "rt") as f:  # the first ~100 records: reading all 26,454 takes about a second
        head = [next(f) for _ in range(3000)]
    head = head[: max(i for i, line in enumerate(head) if line.startswith(">"))]  # whole records only
    with gzip.open(tmp_path / "head.fa.gz", "wt", compresslevel=1) as f:
        f.writelines(head)
    records = read_fasta(tmp_path / "head.fa.gz")
    assert len(records) == sum(line.startswith(">") for line in head) > 64
    assert records[0].name == head[0][1:].split()[0]
    assert all(0 < len(r.sequence) <= 2000 and set(r.sequence) <= set("ACGTN") for r in records)
    ds = BioSequenceDataset([r.sequence for r in records[:64]], encoding="ids")
    batch = pad_collate([ds[i] for i in range(8)])
    assert batch.x.shape == (8, int(ds.lengths[:8].max())) and batch.lengths.tolist() == ds.lengths[:8].tolist()


# ---------------------------------------------------------------------------------------------------- events


def test_events_with_other_columns_epoch_seconds_and_shuffled_rows():  # L4-13
    log = pd.DataFrame({"uid": ["b", "a", "a", "b", "a", "c"], "ts": [100, 5, 0, 50, 4000, 7],
                        "action": ["x", "y", "x", "z", "y", "x"]})
    s = sessionize(log, user="uid", time="ts")
    vocab = event_vocab(s, event="action")
    x, y, z = (vocab.stoi[e] for e in "xyz")
    expected = [([x], [y]), ([z], [x])]  # a: x y | y (one event, dropped) ; b: z x ; c: x (dropped)
    shuffled = s.sample(frac=1.0, random_state=1)
    for frame in (s, shuffled):
        items = EventSessions(frame, vocab, event="action", time="ts").items
        assert [(i[0]["event"].tolist(), i[1].tolist()) for i in items] == expected
    assert len(EventSessions(shuffled, vocab, event="action", target=None, time="ts")) == 4  # one-event kept
    with pytest.raises(ValueError, match=r"time column 'timestamp2' is not in the log"):
        EventSessions(s, vocab, event="action", time="timestamp2")


def test_event_vocab_checks_its_column():  # L4-14
    log = pd.DataFrame({"user": [1, 1, 2], "timestamp": [0, 10, 0], "event": ["a", "b", np.nan]})
    with pytest.raises(ValueError, match=r"column 'event' has 1 missing events \(first at row 2\)"):
        event_vocab(log)
    with pytest.raises(ValueError, match=r"lacks the event column 'action'; it has \['user', 'timestamp', 'event'\]"):
        event_vocab(log, event="action")
    with pytest.raises(ValueError, match=r"names column\(s\) \['user'\] more than once"):
        sessionize(pd.DataFrame([[1, 0, "a", 2]], columns=["user", "timestamp", "event", "user"]))


def test_integer_events_read_back_as_floats_keep_their_tokens():  # L4-15
    log = pd.DataFrame({"user": [1, 1, 1, 2, 2], "timestamp": [0, 10, 20, 0, 5], "event": [7, 8, 9, 7, 8]})
    s = sessionize(log)
    vocab = event_vocab(s)
    as_float = s.assign(event=s["event"].astype(float))  # as after a NaN was dropped from the column
    assert event_vocab(as_float).itos == vocab.itos
    a = EventSessions(s, vocab, strict=True).items
    b = EventSessions(as_float, vocab, strict=True).items
    assert [i[1].tolist() for i in a] == [i[1].tolist() for i in b] == [[vocab.stoi["8"], vocab.stoi["9"]],
                                                                       [vocab.stoi["8"]]]
    unseen = s.assign(event=["7", "8", "404", "7", "8"])
    assert EventSessions(unseen, vocab).items[0][1].tolist() == [vocab.stoi["8"], vocab.unk_id]
    with pytest.raises(ValueError, match=r"'404' at position 2"):
        EventSessions(unseen, vocab, strict=True)


def test_gap_as_any_duration_and_tz_aware_times():  # L4-16
    log = pd.DataFrame({"user": ["u"] * 4, "event": list("abcd"),
                        "timestamp": pd.to_datetime(["2024-03-31 01:30", "2024-03-31 01:50", "2024-03-31 03:10",
                                                     "2024-03-31 03:20"]).tz_localize("Europe/Berlin")})
    for gap in (1800, pd.Timedelta("30min"), np.timedelta64(30, "m"), pd.Timedelta(minutes=30).to_pytimedelta()):
        out = sessionize(log, gap=gap)
        # 01:50 and 03:10 local are 20 minutes apart: the clocks moved forward at 02:00 that night
        assert out["session"].tolist() == [0, 0, 0, 0] and out["dt"].tolist() == [0.0, 1200.0, 1200.0, 600.0]


# ---------------------------------------------------------------------------------------------------- video


def test_frames_of_other_dtypes_and_layouts():  # L4-17
    from rnnkit.data.video import frames_to_tensor

    f = np.random.default_rng(0).integers(0, 256, (3, 8, 6), dtype=np.uint8)
    expected = torch.from_numpy(f).float()[:, None] / 255
    assert torch.equal(frames_to_tensor(f), expected)
    assert torch.allclose(frames_to_tensor(f.astype(np.float32) / 255), expected)
    assert torch.allclose(frames_to_tensor(f.astype(np.uint16) * 257), expected)
    assert frames_to_tensor(f > 127).max() == 1.0
    assert frames_to_tensor(np.stack([f] * 3, axis=-1)).shape == (3, 3, 8, 6)
    assert torch.equal(frames_to_tensor(torch.from_numpy(f)), expected)
    with pytest.raises(ValueError, match=r"float frames must hold values in \[0, 1\], got \[0\.0, 249\.0\]"):
        frames_to_tensor(f.astype(np.float32))
    with pytest.raises(ValueError, match=r"\(3, 3, 8, 6\) look channels-first.*transpose\(0, 2, 3, 1\)"):
        frames_to_tensor(np.zeros((3, 3, 8, 6), np.uint8))
    with pytest.raises(ValueError, match=r"got shape \(8, 6\); for a single frame pass frames\[None\]"):
        frames_to_tensor(f[0])
    with pytest.raises(ValueError, match=r"frames of dtype int64"):
        frames_to_tensor(f.astype(np.int64))


def test_video_options_and_odd_sizes_are_checked(tmp_path):  # L4-18
    pytest.importorskip("cv2")
    from rnnkit.data.video import FrameEncoder, VideoDataset, read_video, write_video

    f = np.random.default_rng(0).integers(0, 256, (4, 8, 6), dtype=np.uint8)
    write_video(tmp_path / "a.avi", f)
    assert np.array_equal(read_video(tmp_path / "a.avi", grayscale=True), f)
    for kwargs, message in (({"step": 0}, "step must be an integer >= 1"),
                            ({"max_frames": 0}, "max_frames must be an integer >= 1 or None, got 0"),
                            ({"size": 32}, r"size must be a pair \(H, W\) of integers >= 1, or None, got 32")):
        with pytest.raises(ValueError, match=message):
            read_video(tmp_path / "a.avi", **kwargs)
        with pytest.raises(ValueError, match=message):
            VideoDataset([tmp_path / "a.avi"], [0], **kwargs)
    with pytest.raises(ValueError, match=r"frames of 7x5 pixels: FFV1 keeps only even sizes, so they would come back "
                                         r"as 6x4"):
        write_video(tmp_path / "b.avi", np.zeros((2, 7, 5), np.uint8))
    with pytest.raises(ValueError, match=r"a video needs at least one frame"):
        write_video(tmp_path / "b.avi", np.zeros((0, 8, 8), np.uint8))
    with pytest.raises(ValueError, match=r"fps must be a finite number of frames per second > 0, got 0"):
        write_video(tmp_path / "b.avi", f, fps=0)
    with pytest.raises(ValueError, match=r"labels must hold integer ids, got dtype <U4"):
        VideoDataset([tmp_path / "a.avi"], ["walk"])
    with pytest.raises(ValueError, match=r"FrameEncoder\(in_channels=1\) takes frames \(B, T, 1, H, W\).*"
                                         r"got shape \(2, 4, 3, 16, 16\)"):
        FrameEncoder(8)(torch.zeros(2, 4, 3, 16, 16))


def _vtest() -> Path | None:
    from rnnkit.apps.surveillance import find_video

    return _found(find_video)


@pytest.mark.skipif(_vtest() is None, reason="vtest.avi (Debian opencv-doc) not present")
def test_real_hall_camera_frames():
    pytest.importorskip("cv2")
    from rnnkit.data.video import VideoDataset, read_video

    rgb = read_video(_vtest(), max_frames=3)
    assert rgb.shape == (3, 576, 768, 3) and rgb.dtype == np.uint8
    grey = read_video(_vtest(), max_frames=4, step=2, size=(48, 64), grayscale=True)
    assert grey.shape == (4, 48, 64)
    ds = VideoDataset([_vtest()], [0], size=(48, 64), max_frames=5)
    batch = pad_collate([ds[0]])
    assert batch.x.shape == (1, 5, 1, 48, 64) and ds.lengths.tolist() == [5]


# ---------------------------------------------------------------------------------------------------- collate


def test_collate_items_as_lists_or_without_labels_and_one_item_batches():  # L4-19
    batch = pad_collate([[torch.ones(3, 2), 1], [torch.ones(2, 2), 0]])  # a Dataset returning [x, y]
    assert batch.y.tolist() == [1, 0] and batch.lengths.tolist() == [3, 2]
    batch = pad_collate([(np.ones((2, 2)), None), (np.ones((1, 2)), None)])
    assert batch.y is None and batch.mask.tolist() == [[True, True], [True, False]]
    one = pad_collate([(torch.ones(1, 3), 5)])
    assert one.x.shape == (1, 1, 3) and one.mask.tolist() == [[True]] and one.y.tolist() == [5]
    assert pad_collate([[1, 2, 3], [4, 5]]).x.tolist() == [[1, 2, 3], [4, 5, 0]]  # lists of steps stay sequences
    assert pad_collate([[[1, 2], [3, 4]]]).x.tolist() == [[[1, 2], [3, 4]]]
    batch = pad_collate([[[5, 9, 2], 1], [[7], 0]])  # token ids as a list, then the label
    assert batch.x.tolist() == [[5, 9, 2], [7, 0, 0]] and batch.y.tolist() == [1, 0]


def test_collate_promotes_mixed_dtypes_and_refuses_mismatched_items():  # L4-20
    x = pad_collate([torch.tensor([1, 2]), torch.tensor([0.5, 1.5, 2.5])]).x
    assert x.dtype == torch.float32 and x.tolist() == [[1.0, 2.0, 0.0], [0.5, 1.5, 2.5]]
    with pytest.raises(ValueError, match=r"the label of item 1 is 'cat', text, not a number; map text labels"):
        pad_collate([(torch.ones(2), 0), (torch.ones(3), "cat")])
    with pytest.raises(ValueError, match=r"item 1 of the batch has \['event'\] but item 0 has the keys "
                                         r"\['event', 'dt'\]"):
        pad_collate([{"event": torch.ones(2), "dt": torch.ones(2)}, {"event": torch.ones(3)}])
    with pytest.raises(ValueError, match=r"item 1 of the batch is x alone but item 0 is an \(x, y\) pair"):
        pad_collate([(torch.ones(2), 0), torch.ones(3)])
    with pytest.raises(ValueError, match=r"item 1 of the batch has the label None but others have labels"):
        pad_collate([(torch.ones(2), 0), (torch.ones(3), None)])


def test_per_step_labels_of_bool_or_uint8_are_padded_with_ignore_index():  # L4-30
    for dtype in (torch.bool, torch.uint8):
        y = pad_collate([(torch.ones(3), torch.tensor([1, 0, 1], dtype=dtype)),
                         (torch.ones(1), torch.tensor([0], dtype=dtype))]).y
        assert y.dtype == torch.int64 and y.tolist() == [[1, 0, 1], [0, -100, -100]]
    y = pad_collate([(torch.ones(2), np.array([True, False])), (torch.ones(1), np.array([True]))]).y
    assert y.tolist() == [[1, 0], [1, -100]]


def test_bucket_sampler_with_lengths_of_one_and_bad_sizes():  # L4-21
    sampler = BucketBatchSampler([1, 1, 1, 1, 1], 2, seed=0)
    batches = list(sampler)
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3, 4] and len(batches) == len(sampler) == 3
    for kwargs, message in (({"batch_size": 2.5}, "batch_size must be an integer >= 1, got 2.5"),
                            ({"batch_size": True}, "batch_size must be an integer >= 1, got True"),
                            ({"batch_size": 2, "bucket_size": 0}, "bucket_size must be an integer >= 1, got 0")):
        with pytest.raises(ValueError, match=message):
            BucketBatchSampler([1, 2, 3], **kwargs)
    with pytest.raises(ValueError, match=r"item 1 has length 0; every item needs at least one step"):
        BucketBatchSampler([3, 0, 2], 2)
    with pytest.raises(ValueError, match=r"lengths must be whole numbers of steps; item 0 has 1\.5"):
        BucketBatchSampler([1.5, 2.0], 2)
    assert BucketBatchSampler(torch.tensor([2, 3]), 1).lengths.tolist() == [2, 3]


# ---------------------------------------------------------------------------------------------------- text


def test_read_text_drops_the_byte_order_mark_and_names_missing_files(tmp_path):  # L4-22
    (tmp_path / "bom.txt").write_bytes("\ufeffhello\r\nworld\r\n".encode())
    assert read_text(tmp_path / "bom.txt") == "hello\nworld\n"
    assert "\ufeff" not in Vocab.build([read_text(tmp_path / "bom.txt")]).stoi
    with gzip.open(tmp_path / "corpus.txt.gz", "wt") as f:  # L4-31
        f.write("In the beginning God created the heaven and the earth.\n" * 50)
    with pytest.raises(ValueError, match=r"corpus\.txt\.gz is gzip-compressed, not text; decompress it"):
        read_text(tmp_path / "corpus.txt.gz")
    with pytest.raises(ValueError, match=r"nope\.txt: no such file; expected a text file"):
        read_text(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match=r" is a directory, not a file; expected a text file"):
        read_text(tmp_path)


def test_text_datasets_name_the_bad_text_and_check_sizes():  # L4-23
    vocab = Vocab.build(["hello world", "hi"], level="word")
    with pytest.raises(ValueError, match=r"text 1: a text must be a string .* got float \(nan: a missing value.*; "
                                         r"drop or fill missing texts"):
        TextClassificationDataset(["hello", float("nan")], [0, 1], vocab)
    with pytest.raises(ValueError, match=r"text 1 of the corpus: a text must be a string .* got NoneType"):
        Vocab.build(["a", None])
    with pytest.raises(ValueError, match=r"max_len must be an integer >= 1 or None, got -1"):
        TextClassificationDataset(["hello world"], [0], vocab, max_len=-1)
    with pytest.raises(ValueError, match=r"corpus is one string; .* pass \[text\]"):
        Vocab.build("hello world", level="word")
    with pytest.raises(ValueError, match=r"max_size counts the 4 special tokens, so it must be an integer >= 4, "
                                         r"got 5\.5"):
        Vocab.build(["ab"], max_size=5.5)


def test_bptt_stream_checks():  # L4-24
    with pytest.raises(ValueError, match=r"bptt must be an integer >= 1, got 2\.5"):
        BPTTBatches(torch.arange(20), 2, 2.5)
    with pytest.raises(ValueError, match=r"the token stream must be 1-D \(N,\), got shape \(4, 5\)"):
        batchify(torch.zeros(4, 5, dtype=torch.long), 2)
    with pytest.raises(ValueError, match=r"holds the negative id -1 at position 2"):
        batchify([4, 5, -1, 6], 2)
    chunks = list(BPTTBatches(torch.arange(21), 2, 4))
    assert [tuple(x.shape) for x, _ in chunks] == [(2, 4), (2, 4), (2, 1)]
    assert torch.cat([x for x, _ in chunks], 1)[0].tolist() == list(range(9))


# ---------------------------------------------------------------------------------------------------- series


def test_sliding_windows_checks_sizes_and_values():  # L4-25
    x, y = sliding_windows(np.arange(10.0), 3, 2, stride=2)
    assert x[:, :, 0].tolist() == [[0, 1, 2], [2, 3, 4], [4, 5, 6]] and y[:, :, 0].tolist() == [[3, 4], [5, 6], [7, 8]]
    for args, message in (((0, 1), "lookback must be an integer >= 1, got 0"),
                          ((3, -1), "horizon must be an integer >= 1, got -1"),
                          ((2.5, 1), r"lookback must be an integer >= 1, got 2\.5")):
        with pytest.raises(ValueError, match=message):
            sliding_windows(np.arange(10.0), *args)
    with pytest.raises(ValueError, match="stride must be an integer >= 1, got 0"):
        sliding_windows(np.arange(10.0), 3, stride=0)
    with pytest.raises(ValueError, match=r"takes a \(N,\) or \(N, F\) array, got shape \(10, 2, 2\)"):
        sliding_windows(np.zeros((10, 2, 2)), 3)
    with pytest.raises(ValueError, match=r"takes numbers, got dtype <U1"):
        sliding_windows(np.array(list("abcdef")), 2)


def test_windows_of_real_series_with_missing_values():
    pytest.importorskip("statsmodels")
    from rnnkit.data.datasets import load_co2
    from rnnkit.data.timeseries import Preprocessor, TimeSeriesFrame, WindowSpec, split_by_time, window_datasets

    co2 = load_co2()
    frame = TimeSeriesFrame.from_pandas(co2)
    assert len(frame) == 2284 and int(np.isnan(frame.values).sum()) == 59
    split = split_by_time(frame)
    train, val, test = window_datasets(frame, WindowSpec(52, 4), split, Preprocessor(impute="ffill", mask=True))
    assert len(train) == len(split.train) - 52 - 4 + 1 and len(test) == len(split.test) - 4 + 1
    item = train[0]
    assert item["x"].shape == (52, 2) and item["y"].shape == (4, 1) and torch.isfinite(item["x"]).all()
    missing = np.isnan(co2.to_numpy())
    assert item["x"][:, 1].tolist() == (~missing[:52]).astype(float).tolist()  # the mask marks the filled weeks


def test_series_with_infinity_and_csv_files_that_are_not_comma_separated(tmp_path):  # L4-26
    from rnnkit.data.timeseries import TimeSeriesFrame

    with pytest.raises(ValueError, match=r"column 'value' is infinite at row 1 \(2020-01-02 00:00:00\) \(1 infinite "
                                         r"values in all\); replace them with finite values, or with NaN"):
        TimeSeriesFrame.from_pandas(pd.Series([1.0, np.inf, 3.0], index=pd.date_range("2020-01-01", periods=3)))
    (tmp_path / "semi.csv").write_text("date;v\n2020-01-01;1\n2020-01-02;2\n")
    with pytest.raises(ValueError, match=r"has one column 'date;v': it looks separated by ';', not commas; pass "
                                         r"sep=';'"):
        TimeSeriesFrame.from_csv(tmp_path / "semi.csv", time_col="date")
    assert len(TimeSeriesFrame.from_csv(tmp_path / "semi.csv", time_col="date", sep=";")) == 2
    with pytest.raises(ValueError, match=r"nope\.csv: no such file"):
        TimeSeriesFrame.from_csv(tmp_path / "nope.csv")
    (tmp_path / "dmy.csv").write_text("date,v\n01/02/2020,1\n13/02/2020,2\n")  # day-first alone fits both (T37-04)
    frame = TimeSeriesFrame.from_csv(tmp_path / "dmy.csv", time_col="date")
    assert list(frame.time.strftime("%Y-%m-%d")) == ["2020-02-01", "2020-02-13"]


def test_ragged_store_refuses_text_labels_and_mixed_dtypes(tmp_path):  # L4-27
    from rnnkit.data.memmap import RaggedStore, RaggedWriter

    with pytest.raises(ValueError, match=r"sequence 0: the label 'cat' is not a number"):
        with RaggedWriter(tmp_path / "a") as w:
            w.append(np.ones((3, 2)), "cat")
    with pytest.raises(ValueError, match=r"sequence 1 has dtype float64 but the store holds int64 \(the first "
                                         r"sequence's\); pass RaggedWriter\(\.\.\., dtype=\.\.\.\)"):
        with RaggedWriter(tmp_path / "b") as w:
            w.append(np.arange(3))
            w.append(np.arange(2) * 0.5)
    with RaggedWriter(tmp_path / "c", dtype=np.float32) as w:
        w.append(np.arange(3))
        w.append(np.arange(2) * 0.5)
    assert RaggedStore(tmp_path / "c")[1].tolist() == [0.0, 0.5]


def test_audio_folder_with_upper_case_extensions(tmp_path):  # L4-28
    for cls, name in (("no", "a.wav"), ("yes", "B.WAV"), ("yes", "c.Wav")):
        (tmp_path / cls).mkdir(exist_ok=True)
        scipy.io.wavfile.write(tmp_path / cls / name, 16000, np.zeros(800, np.int16))
    (tmp_path / "yes" / "notes.txt").write_text("not audio")
    ds = AudioDataset.from_folder(tmp_path, sample_rate=16000)
    assert [f.name for f in ds.files] == ["a.wav", "B.WAV", "c.Wav"] and ds.labels.tolist() == [0, 1, 1]


def test_items_of_three_values_and_protein_stops(tmp_path):  # L4-29
    with pytest.raises(ValueError, match=r"item 0 of the batch is a tuple of 3 elements; items must be x or \(x, y\)"):
        pad_collate([(torch.ones(2), 0, 1.0), (torch.ones(3), 1, 0.5)])
    (tmp_path / "p.fa").write_text(">sp|P1|X\nMKTAYIAKQR*\n")
    with pytest.raises(ValueError, match=r"position 10: invalid letter '\*'.*stop codon: strip it"):
        read_fasta(tmp_path / "p.fa", alphabet="protein")


def test_value_columns_of_words_or_dates_get_advice_that_fits():  # L4-32
    from rnnkit.data.timeseries import TimeSeriesFrame

    weather = pd.DataFrame({"date": pd.date_range("2012-01-01", periods=3), "temp_max": [12.8, 10.6, 11.7],
                            "weather": ["drizzle", "rain", "sun"], "updated": pd.date_range("2013-01-01", periods=3)})
    with pytest.raises(ValueError, match=r"value column 'weather' has dtype .*: it holds words \(e\.g\. 'drizzle'\), "
                                         r"a category, which pd\.to_numeric would make all NaN"):
        TimeSeriesFrame.from_pandas(weather, time_col="date", value_cols=["temp_max", "weather"])
    with pytest.raises(ValueError, match=r"value column 'updated' has dtype datetime64.*holds dates or durations: pass "
                                         r"time_col='updated' if it is the time axis"):
        TimeSeriesFrame.from_pandas(weather, time_col="date", value_cols=["temp_max", "updated"])
    with pytest.raises(ValueError, match=r"value column 'v' has dtype .*convert it with pd\.to_numeric"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"v": ["1.5", "2", "x"]}))
    assert TimeSeriesFrame.from_pandas(weather, time_col="date", value_cols=["temp_max"]).values.ravel().tolist() == \
        [12.8, 10.6, 11.7]
