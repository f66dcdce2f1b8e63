"""Seventh catalogue, the data loaders on real data (docs/bad_inputs.md, R7-NN): one test per row, each failing on
commit 56156c3. The real data that ships offline is used where a row is about it (the dm3 FASTA, vtest.avi, an
espeak-ng WAV when the program is there); the rest are small files made here."""
from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile
import torch

from rnnkit.data import audio, bio, collate, events, memmap, text, video
from rnnkit.data import timeseries as ts

DATA = Path(__file__).resolve().parent.parent / "data"
FASTA = DATA / "dm3_upstream2000.fa.gz"
AVI = DATA / "vtest.avi"
KJV = "In the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.\n" * 20


def _fasta_head(n_bytes: int = 20000) -> bytes:
    raw = gzip.open(FASTA, "rb").read(n_bytes)
    return raw[: raw.rfind(b"\n>") + 1]  # whole records only


def test_r7_01_read_text_names_bzip2_and_xz(tmp_path):
    (tmp_path / "kjv.txt.bz2").write_bytes(bz2.compress(KJV.encode()))
    (tmp_path / "kjv.txt.xz").write_bytes(lzma.compress(KJV.encode()))
    with pytest.raises(ValueError, match=r"kjv\.txt\.bz2 is bzip2-compressed, not text; decompress it \(bunzip2\) "
                                         r"or read it with bz2\.open"):
        text.read_text(tmp_path / "kjv.txt.bz2")
    with pytest.raises(ValueError, match=r"is xz-compressed, not text; .*lzma\.open"):
        text.read_text(tmp_path / "kjv.txt.xz")


def test_r7_02_read_text_suggests_cp1252_and_utf16(tmp_path):
    (tmp_path / "w.txt").write_bytes("He said \u201chello\u201d \u2013 5 \u20ac".encode("cp1252"))
    with pytest.raises(ValueError, match=r"Windows-1252.*read_text\(path, encoding='cp1252'\)") as e:
        text.read_text(tmp_path / "w.txt")
    assert "encoding='latin-1'" not in str(e.value)
    assert text.read_text(tmp_path / "w.txt", encoding="cp1252") == "He said \u201chello\u201d \u2013 5 \u20ac"
    (tmp_path / "u.txt").write_bytes(KJV.encode("utf-16"))
    with pytest.raises(ValueError, match=r"byte-order mark of UTF-16.*encoding='utf-16'"):
        text.read_text(tmp_path / "u.txt")
    (tmp_path / "l.txt").write_bytes("caf\u00e9".encode("latin-1"))  # plain latin-1 keeps its hint
    with pytest.raises(ValueError, match=r"encoding='latin-1'"):
        text.read_text(tmp_path / "l.txt")


def test_r7_03_bptt_of_raw_text_says_encode_it():
    for raw in (KJV, list(KJV)):
        with pytest.raises(ValueError, match=r"the token stream is text .*not token ids; encode it first: "
                                             r"vocab = Vocab\.build"):
            text.BPTTBatches(raw, 2, 10)
    vocab = text.Vocab.build([KJV])
    assert text.BPTTBatches(vocab.encode(KJV), 2, 10).rows.shape == (2, len(KJV) // 2)


def test_r7_04_text_flags_must_be_bools():
    vocab = text.Vocab.build([KJV])
    for flag in ("bos", "eos", "strict"):
        with pytest.raises(ValueError, match=rf"{flag} must be True or False, got 'no'"):
            vocab.encode("In the", **{flag: "no"})
        with pytest.raises(ValueError, match=rf"{flag} must be True or False, got 'no'"):
            text.TextClassificationDataset(["In the"], [1], vocab, **{flag: "no"})
    assert vocab.encode("In", bos=False).tolist() == vocab.encode("In").tolist()


def _espeak_or_sine(tmp_path) -> tuple[int, np.ndarray]:
    if shutil.which("espeak-ng"):
        subprocess.run(["espeak-ng", "-w", str(tmp_path / "seven.wav"), "seven"], check=True, capture_output=True)
        return scipy.io.wavfile.read(tmp_path / "seven.wav")
    t = np.arange(8000) / 16000
    return 16000, (np.sin(2 * np.pi * 440 * t) * 20000).astype(np.int16)


def test_r7_05_float_wav_at_integer_scale_is_refused(tmp_path):
    sr, pcm = _espeak_or_sine(tmp_path)
    scipy.io.wavfile.write(tmp_path / "unscaled.wav", sr, pcm.astype(np.float32))  # int16 values as floats
    with pytest.raises(ValueError, match=r"unscaled\.wav holds float samples up to \d+, far beyond \[-1, 1\]: "
                                         r"integer PCM written as floats without scaling\?.*x / 32768"):
        audio.read_wav(tmp_path / "unscaled.wav")
    scaled = pcm.astype(np.float32) / 32768
    scipy.io.wavfile.write(tmp_path / "scaled.wav", sr, scaled)
    wave, rate = audio.read_wav(tmp_path / "scaled.wav")
    assert rate == sr and np.allclose(wave.numpy(), scaled)


def test_r7_06_grayscale_must_be_a_bool():
    with pytest.raises(ValueError, match=r"grayscale must be True or False, got 'no'"):
        video.read_video(AVI, grayscale="no", max_frames=1)
    with pytest.raises(ValueError, match=r"grayscale must be True or False, got 'no'"):
        video.VideoDataset([AVI], [0], grayscale="no", max_frames=1)
    assert video.read_video(AVI, grayscale=False, max_frames=1, size=(8, 8)).shape == (1, 8, 8, 3)


def test_r7_07_video_dataset_names_a_missing_file_and_no_files(tmp_path):
    with pytest.raises(ValueError, match=r"video file .*nope\.avi does not exist"):
        video.VideoDataset([AVI, tmp_path / "nope.avi"], [0, 1])
    with pytest.raises(ValueError, match=r"no video files given"):
        video.VideoDataset([], [])


def test_r7_08_sessionize_mixed_time_zones_says_utc_true():
    base = pd.DataFrame({"user": [1, 1, 1], "event": ["login", "view", "logout"]})
    strings = base.assign(timestamp=["2024-01-01T00:00:00+00:00", "2024-01-01T01:10:00+01:00",
                                     "2024-01-01T00:20:00+00:00"])
    stamps = base.assign(timestamp=[pd.Timestamp("2024-01-01 00:00", tz="UTC"),
                                    pd.Timestamp("2024-01-01 01:10", tz="Europe/Berlin"),
                                    pd.Timestamp("2024-01-01 00:20", tz="UTC")])
    for log in (strings, stamps):
        with pytest.raises(ValueError, match=r"several time zones or UTC offsets.*"
                                             r"pd\.to_datetime\(df\['timestamp'\], utc=True\)"):
            events.sessionize(log, gap=600)
    fixed = strings.assign(timestamp=pd.to_datetime(strings["timestamp"], utc=True))
    assert events.sessionize(fixed, gap=600)["dt"].tolist() == [0.0, 600.0, 600.0]  # 00:00, 00:10, 00:20 UTC


def test_r7_09_event_sessions_check_dt():
    log = events.sessionize(pd.DataFrame({"user": 1, "timestamp": [0.0, 10.0, 20.0],
                                          "event": ["login", "view", "logout"]}), gap=600)
    vocab = events.event_vocab(log)
    with pytest.raises(ValueError, match=r"column 'dt' has -5\.0 at row 1 \(1 such in all\); Δt must be a finite "
                                         r"number of seconds >= 0"):
        events.EventSessions(log.assign(dt=[0.0, -5.0, 10.0]), vocab, target=None)
    with pytest.raises(ValueError, match=r"column 'dt' has nan at row 1"):
        events.EventSessions(log.assign(dt=[0.0, np.nan, 10.0]), vocab, target=None)
    with pytest.raises(ValueError, match=r"column 'dt' has type timedelta64.*dt\.total_seconds\(\)"):
        events.EventSessions(log.assign(dt=pd.to_timedelta([0, 10, 10], unit="s")), vocab, target=None)
    item = events.EventSessions(log, vocab, target=None)[0]
    assert torch.allclose(item["dt"], torch.log1p(torch.tensor([0.0, 10.0, 10.0])))


def test_r7_10_read_fasta_reads_bzip2_and_xz_and_names_zip(tmp_path):
    raw = _fasta_head()
    (tmp_path / "p.fa").write_bytes(raw)
    (tmp_path / "p.fa.bz2").write_bytes(bz2.compress(raw))
    (tmp_path / "p.fa.xz").write_bytes(lzma.compress(raw))
    plain = bio.read_fasta(tmp_path / "p.fa")
    assert len(plain) > 3
    assert bio.read_fasta(tmp_path / "p.fa.bz2") == plain
    assert bio.read_fasta(tmp_path / "p.fa.xz") == plain
    with zipfile.ZipFile(tmp_path / "p.fa.zip", "w") as z:
        z.writestr("p.fa", raw)
    with pytest.raises(ValueError, match=r"p\.fa\.zip is a zip archive, not FASTA; unzip it"):
        bio.read_fasta(tmp_path / "p.fa.zip")


def test_r7_11_bio_dataset_alphabet_and_none(tmp_path):
    (tmp_path / "p.fa").write_bytes(_fasta_head())
    records = bio.read_fasta(tmp_path / "p.fa")
    with pytest.raises(ValueError, match=r"^alphabet must be one of \['dna', 'protein'\], got 'DNA'; pass "
                                         r"alphabet='dna'$"):
        bio.BioSequenceDataset(records, alphabet="DNA")
    with pytest.raises(ValueError, match=r"sequence 1, a sequence must be a str of letters, got NoneType"):
        bio.BioSequenceDataset([records[0], None])


def test_r7_12_ragged_writer_refuses_values_the_dtype_changes(tmp_path):
    with pytest.raises(ValueError, match=r"sequence 0 holds 70000, beyond the range of the store's dtype int16 "
                                         r"\(-32768 \.\. 32767\), where it would wrap"):
        memmap.write_ragged(tmp_path / "a", [np.array([1, 40000, 70000])], dtype="int16")
    with pytest.raises(ValueError, match=r"sequence 1 holds 300, beyond the range of the store's dtype int8"):
        memmap.write_ragged(tmp_path / "b", [np.array([1, 2], dtype=np.int8), np.array([300])])
    with pytest.raises(ValueError, match=r"holds 1000000\.0, beyond the range of the store's dtype float16.*"
                                         r"would become infinite"):
        memmap.write_ragged(tmp_path / "c", [np.array([1.0, 1e6])], dtype="float16")
    # token ids (int64) into the uint16 store chosen for them: read back unchanged
    store = memmap.RaggedStore(memmap.write_ragged(tmp_path / "d", [np.array([5, 60000])], dtype="uint16"))
    assert store[0].tolist() == [5, 60000]


def test_r7_13_ragged_store_with_corrupt_meta(tmp_path):
    memmap.write_ragged(tmp_path / "s", [np.arange(3.0)])
    (tmp_path / "s" / "meta.json").write_text("{trunc")
    with pytest.raises(ValueError, match=r"meta\.json is not JSON \(.*\); the store's metadata is corrupt: write the "
                                         r"store again"):
        memmap.RaggedStore(tmp_path / "s")


def test_r7_14_bucket_sampler_drop_last_leaving_nothing():
    with pytest.raises(ValueError, match=r"drop_last=True with batch_size=64 leaves no batch of the 40 items"):
        collate.BucketBatchSampler(np.full(40, 5), 64, drop_last=True)
    assert len(list(collate.BucketBatchSampler(np.full(40, 5), 64))) == 1


def _windows():
    frame = ts.TimeSeriesFrame(np.arange(30.0))
    return ts.window_datasets(frame, ts.WindowSpec(3), ts.split_by_time(frame))[0]


def test_r7_15_window_loader_options():
    train = _windows()
    with pytest.raises(ValueError, match=r"shuffle must be True or False, got 'no'"):
        train.loader(4, shuffle="no")
    with pytest.raises(ValueError, match=r"drop_last must be True or False, got 'no'"):
        train.loader(4, drop_last="no")
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, got True"):
        train.loader(True)
    with pytest.raises(ValueError, match=rf"drop_last=True with batch_size=100 leaves no batch of the {len(train)} "
                                         r"windows"):
        train.loader(100, drop_last=True)
    assert [len(b["x"]) for b in train.loader(8)] == [8, 8, len(train) - 16]


def test_r7_16_rolling_origin_checks_its_counts_and_flag():
    for kwargs in (dict(initial=2.5, test_size=2), dict(initial=4, test_size="2"), dict(initial=True, test_size=2)):
        with pytest.raises(ValueError, match=r"initial, test_size and step must be positive, got .*; they count rows"):
            list(ts.rolling_origin(10, **kwargs))
    with pytest.raises(ValueError, match=r"expanding must be True or False, got 'no'"):
        list(ts.rolling_origin(10, initial=4, test_size=2, expanding="no"))
    folds = list(ts.rolling_origin(10, initial=4, test_size=2, expanding=False))
    assert folds[1] == (range(2, 6), range(6, 8))


def test_r7_17_split_by_time_at_dst_changes_and_wrong_kinds():
    berlin = ts.TimeSeriesFrame.from_pandas(pd.Series(np.arange(72.0), index=pd.date_range(
        "2024-03-30", periods=72, freq="h", tz="Europe/Berlin")))
    with pytest.raises(ValueError, match=r"test_start='2024-03-31 02:30:00' does not exist in the series' time zone "
                                         r"Europe/Berlin \(a daylight-saving change\)"):
        ts.split_by_time(berlin, test_start="2024-03-31 02:30")
    autumn = ts.TimeSeriesFrame.from_pandas(pd.Series(np.arange(72.0), index=pd.date_range(
        "2024-10-26", periods=72, freq="h", tz="Europe/Berlin")))
    with pytest.raises(ValueError, match=r"test_start='2024-10-27 02:30:00' happens twice"):
        ts.split_by_time(autumn, test_start="2024-10-27 02:30")
    with pytest.raises(ValueError, match=r"val_start=5 is a number, but the series' time axis holds dates"):
        ts.split_by_time(berlin, val_start=5, test_start="2024-04-01")
    naive = ts.TimeSeriesFrame.from_pandas(pd.Series(np.arange(72.0), index=pd.date_range(
        "2024-03-30", periods=72, freq="h")))
    with pytest.raises(ValueError, match=r"test_start='2024-03-31 00:00:00\+00:00' has a time zone but the series' "
                                         r"times have none"):
        ts.split_by_time(naive, test_start=pd.Timestamp("2024-03-31", tz="UTC"))
    with pytest.raises(ValueError, match=r"val='0\.2' must be a fraction in \[0, 1\)"):
        ts.split_by_time(10, val="0.2")
    assert ts.split_by_time(berlin, test_start="2024-03-31 03:30").test.start == 27  # 02:00 does not exist


def test_r7_18_pad_collate_of_a_scalar_item():
    with pytest.raises(ValueError, match=r"item 1 of the batch is a scalar \(tensor\(2\.\)\), not a sequence; .*"
                                         r"x\[None\]"):
        collate.pad_collate([(torch.ones(3), 0), (torch.tensor(2.0), 1)])
    with pytest.raises(ValueError, match=r"item 0 of the batch is a scalar \(1\.5\)"):
        collate.pad_collate([1.5])


def test_r7_19_time_series_frame_with_several_time_zones():
    for column in (["2024-01-01T00:00+00:00", "2024-01-01T02:00+01:00"],
                   [pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-01 02:00", tz="Europe/Berlin")]):
        with pytest.raises(ValueError, match=r"^time column 't' holds dates in several time zones or UTC offsets "
                                             r"\(e\.g\. .*\), .*pd\.to_datetime\(\.\.\., utc=True\)"):
            ts.TimeSeriesFrame.from_pandas(pd.DataFrame({"t": column, "v": [1.0, 2.0]}), time_col="t")
    fixed = pd.DataFrame({"t": pd.to_datetime(["2024-01-01T00:00+00:00", "2024-01-01T02:00+01:00"], utc=True),
                          "v": [1.0, 2.0]})
    assert ts.TimeSeriesFrame.from_pandas(fixed, time_col="t").elapsed(unit="h").tolist() == [0.0, 1.0]
