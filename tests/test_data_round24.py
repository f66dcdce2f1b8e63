"""A new user's own files through the loaders of text, audio, video, DNA and event logs (C24 of docs/bad_inputs.md).

Each test writes small files of the kind users bring (WAV headers left unfinished or lying about their size, a
Broadcast WAV, text in one encoding read as another, FASTA from PowerShell or joined with FASTQ, a video cut short,
an event log read back from CSV) and checks the loader's answer: the right data, or a one-line error naming the file,
the line or record, and the fix.
"""

from __future__ import annotations

import codecs
import gzip
import struct
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.data.audio import AudioDataset, read_wav, wav_info
from rnnkit.data.bio import read_fasta
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.text import Vocab, read_text

# -- audio ---------------------------------------------------------------------------------------------------------
_TONE = (0.5 * np.sin(2 * np.pi * 440 * np.arange(800) / 8000) * 32767).astype("<i2")  # 0.1 s at 8 kHz
_FMT = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)  # PCM, mono, 8 kHz, 16-bit


def _wav(chunks, riff_size=None) -> bytes:
    """A RIFF/WAVE file of ``chunks`` ((id, body, declared size or None) each), padded to even sizes."""
    body = b"WAVE" + b"".join(cid + struct.pack("<I", len(b) if size is None else size) + b + b"\x00" * (len(b) % 2)
                              for cid, b, size in chunks)
    return b"RIFF" + struct.pack("<I", len(body) if riff_size is None else riff_size) + body


def test_C24_01_a_data_chunk_of_size_0_followed_by_samples_is_named_not_read_as_empty(tmp_path):
    path = tmp_path / "rec.wav"
    path.write_bytes(_wav([(b"fmt ", _FMT, None), (b"data", _TONE.tobytes(), 0)]))  # the writer never came back
    for read in (read_wav, wav_info, lambda p: AudioDataset([p], [0], sample_rate=8000)):
        with pytest.raises(ValueError, match=r"rec\.wav: its data chunk declares 0 bytes of samples, but 1600 bytes "
                                             r"follow it.*sox --ignore-length"):
            read(path)
    empty = tmp_path / "empty.wav"  # a truly empty recording keeps its message
    empty.write_bytes(_wav([(b"fmt ", _FMT, None), (b"data", b"", None)]))
    with pytest.raises(ValueError, match="has no samples; remove empty recordings"):
        read_wav(empty)


def test_C24_02_samples_past_the_declared_data_size_are_refused_not_cut(tmp_path):
    path = tmp_path / "long.wav"
    path.write_bytes(_wav([(b"fmt ", _FMT, None), (b"data", _TONE.tobytes(), 800)]))  # says half of what it holds
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"long\.wav: its data chunk declares 800 bytes of samples, but 800 more "
                                             r"bytes follow it that are no chunk.*dropped.*sox --ignore-length"):
            read_wav(path)
    padded = tmp_path / "padded.wav"  # zeros after the data (padding to a sector) are no samples
    padded.write_bytes(_wav([(b"fmt ", _FMT, None), (b"data", _TONE.tobytes(), None)]) + b"\x00" * 64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_wav(padded)[0].shape == (800,)


def test_C24_03_broadcast_wav_metadata_chunks_are_read_without_a_warning(tmp_path):
    path = tmp_path / "field.wav"  # a field recorder's Broadcast WAV: bext before, iXML after the samples
    path.write_bytes(_wav([(b"bext", b"\x00" * 602, None), (b"fmt ", _FMT, None), (b"cue ", b"\x00" * 28, None),
                           (b"data", _TONE.tobytes(), None), (b"iXML", b"<BWFXML/>", None)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scipy's "Chunk (non-data) not understood, skipping it." twice per read
        wave, rate = read_wav(path)
        ds = AudioDataset([path], [0], sample_rate=8000)
        x, _ = ds[0]
    assert rate == 8000 and torch.allclose(wave, torch.from_numpy(_TONE / 32768.0).float())
    assert x.shape == (800, 1)


def test_C24_04_an_unfinished_riff_size_a_missing_data_chunk_or_no_channels_are_named(tmp_path):
    unfinished = tmp_path / "riff0.wav"
    unfinished.write_bytes(_wav([(b"fmt ", _FMT, None), (b"data", _TONE.tobytes(), None)], riff_size=0))
    with pytest.raises(ValueError, match=r"riff0\.wav: its RIFF header says the file ends at byte 8, but it is 1644 "
                                         r"bytes long.*sox --ignore-length"):
        read_wav(unfinished)
    no_data = tmp_path / "nodata.wav"
    no_data.write_bytes(_wav([(b"fmt ", _FMT, None)]))
    with pytest.raises(ValueError, match=r"nodata\.wav has no data chunk \(its chunks: \['fmt '\]\)"):
        wav_info(no_data)
    no_channels = tmp_path / "ch0.wav"
    no_channels.write_bytes(_wav([(b"fmt ", struct.pack("<HHIIHH", 1, 0, 8000, 0, 0, 16), None),
                                  (b"data", _TONE.tobytes(), None)]))
    with pytest.raises(ValueError, match=r"ch0\.wav: its fmt chunk gives 0 channels"):
        read_wav(no_channels)


# -- text ----------------------------------------------------------------------------------------------------------
def test_C24_05_utf8_text_with_a_stray_latin1_line_names_the_line_not_latin1(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("naïve café\nline two\n".encode() + "olé\n".encode("latin-1") + "über\n".encode())
    with pytest.raises(ValueError, match=r"notes\.txt, line 3: byte 0xe9 is not UTF-8, but the file's other letters "
                                         r"beyond ASCII are \('ï', which latin-1 would read as 'Ã¯'\): it mixes two "
                                         r"encodings.*iconv"):
        read_text(path)
    with pytest.raises(ValueError, match=r"is mostly UTF-8 text .*not latin-1"):  # the old advice, followed
        read_text(path, encoding="latin-1")
    german = tmp_path / "de.txt"  # latin-1 text whose 'ß«' happens to be a UTF-8 pair stays latin-1
    german.write_bytes("Die Straße«, sagte er. Grüße.\n".encode("latin-1"))
    assert read_text(german, encoding="latin-1") == "Die Straße«, sagte er. Grüße.\n"
    with pytest.raises(ValueError, match="encoding='latin-1'"):
        read_text(german)


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "iso-8859-15"])
def test_C24_06_utf8_text_read_as_a_one_byte_encoding_is_refused_not_garbled(tmp_path, encoding):
    path = tmp_path / "corpus.txt"
    path.write_bytes("hello café naïve\n".encode())
    with pytest.raises(ValueError, match=rf"corpus\.txt is UTF-8 text \(it holds 'é', which {encoding} would read "
                                         r"as 'Ã©'\), not .*pass encoding='utf-8'"):
        read_text(path, encoding=encoding)
    ascii_only = tmp_path / "ascii.txt"  # ASCII reads alike in all of them
    ascii_only.write_bytes(b"plain text\n")
    assert read_text(ascii_only, encoding=encoding) == "plain text\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_C24_07_utf8_text_read_as_utf16_is_refused_not_read_as_cjk(tmp_path, encoding):
    path = tmp_path / "corpus.txt"
    path.write_bytes(b"hello world\n")  # read as UTF-16-LE: '\u6568\u6c6c...'
    with pytest.raises(ValueError, match=rf"corpus\.txt is UTF-8 text, not {encoding}; .*encoding='utf-8'"):
        read_text(path, encoding=encoding)
    wide = tmp_path / "wide.txt"  # real UTF-16 still reads
    wide.write_bytes("héllo\r\n".encode("utf-16"))
    assert read_text(wide, encoding="utf-16") == "héllo\n"


def test_C24_08_utf32_with_its_byte_order_mark_is_named_utf32_not_utf16(tmp_path):
    path = tmp_path / "u32.txt"
    path.write_bytes("héllo\n".encode("utf-32"))
    with pytest.raises(ValueError, match=r"byte-order mark of UTF-32\); .*encoding='utf-32'"):
        read_text(path)
    assert read_text(path, encoding="utf-32") == "héllo\n"


def test_C24_09_windows_1252_read_as_latin1_is_refused_not_read_as_control_characters(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes("plain\n“quoted” – café\n".encode("cp1252"))
    with pytest.raises(ValueError, match=r"win\.txt, line 2: read as latin-1 it holds the control character U\+0093"
                                         r".*encoding='cp1252'"):
        read_text(path, encoding="latin-1")
    assert read_text(path, encoding="cp1252") == "plain\n“quoted” – café\n"


def test_C24_10_byte_order_marks_of_files_joined_by_cat_are_no_characters(tmp_path):
    path = tmp_path / "joined.txt"
    path.write_bytes(codecs.BOM_UTF8 + b"part one\n" + codecs.BOM_UTF8 + b"part two\n")
    text = read_text(path)
    assert text == "part one\npart two\n"
    assert "\ufeff" not in Vocab.build([text]).itos
    inner = tmp_path / "inner.txt"  # U+FEFF inside a line (a zero-width no-break space) is kept
    inner.write_bytes("a\ufeffb\n".encode())
    assert read_text(inner) == "a\ufeffb\n"


# -- DNA -----------------------------------------------------------------------------------------------------------
def test_C24_11_fastq_reads_inside_a_fasta_file_are_named_not_taken_for_a_protein(tmp_path):
    path = tmp_path / "joined.fa"
    path.write_text(">r0\nACGT\n@read1\nACGTN\n+\nIIIII\n")
    with pytest.raises(ValueError, match=r"joined\.fa: record 'r0', line 3 starts with '@', as a FASTQ record's lines "
                                         r"do .*seqtk seq -a") as e:
        read_fasta(path)
    assert "protein" not in str(e.value)
    gz = tmp_path / "joined.fa.gz"
    gz.write_bytes(gzip.compress(b">r0\nACGT\n+\nIIII\n"))
    with pytest.raises(ValueError, match=r"line 3 starts with '\+', as a FASTQ"):
        read_fasta(gz)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_C24_12_a_utf16_fasta_file_is_named_as_such(tmp_path, encoding):
    path = tmp_path / "ps.fa"  # Windows PowerShell 5's `Get-Content a.fa > ps.fa`
    path.write_bytes(">r1 promoter\r\nACGT\r\n".encode(encoding))
    with pytest.raises(ValueError, match=r"ps\.fa is UTF-16 text .*iconv -f utf-16 -t ascii"):
        read_fasta(path)


def test_C24_13_records_with_no_name_are_warned_of(tmp_path):
    path = tmp_path / "noname.fa"
    path.write_text(">r1\nACGT\n>\nGG\n> \nTT\n")
    with pytest.warns(UserWarning, match=r"noname\.fa: 2 record\(s\) have no name after '>' \(the first at line 3\), "
                                         r"and are named by their place \('<unnamed record 1>'\)"):
        records = read_fasta(path)
    assert [r.sequence for r in records] == ["ACGT", "GG", "TT"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        named = tmp_path / "named.fa"
        named.write_text(">a\nAC\n")
        read_fasta(named)


# -- video ---------------------------------------------------------------------------------------------------------
def _frames(t, h=32, w=32):
    return np.random.default_rng(0).integers(0, 255, (t, h, w)).astype(np.uint8)


def test_C24_14_a_video_cut_short_is_refused_not_read_as_a_shorter_one(tmp_path):
    pytest.importorskip("cv2")
    from rnnkit.data.video import read_video, write_video

    whole = tmp_path / "whole.avi"
    write_video(whole, _frames(40), codec="MJPG")
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"cut\.avi: \d+ of the 40 frames its container lists could be decoded"):
        read_video(cut, grayscale=True)
    assert read_video(whole, grayscale=True).shape == (40, 32, 32)
    assert read_video(cut, grayscale=True, max_frames=5).shape == (5, 32, 32)  # the frames asked for are there


def test_C24_15_a_video_dataset_of_two_frame_sizes_without_a_size_is_refused_at_build(tmp_path):
    pytest.importorskip("cv2")
    from rnnkit.data.video import VideoDataset, write_video

    write_video(tmp_path / "a.avi", _frames(4, 32, 48))
    write_video(tmp_path / "b.avi", _frames(3, 64, 80))
    with pytest.raises(ValueError, match=r"size=None keeps each file's frame size, but .*a\.avi has 32x48 \(H x W\) "
                                         r"frames and .*b\.avi 64x80.*size=\(32, 48\)"):
        VideoDataset([tmp_path / "a.avi", tmp_path / "b.avi"], [0, 1], size=None)
    ds = VideoDataset([tmp_path / "a.avi", tmp_path / "a.avi"], [0, 1], size=None)  # one size: kept as it is
    assert ds[0][0].shape == (4, 1, 32, 48)


def test_C24_16_a_directory_given_as_a_video_is_named_a_directory(tmp_path):
    pytest.importorskip("cv2")
    from rnnkit.data.video import VideoDataset, read_video

    for read in (read_video, lambda p: VideoDataset([p], [0])):
        with pytest.raises(ValueError, match=r"is a directory, not a video file; give the video files in it"):
            read(tmp_path)


# -- event logs ----------------------------------------------------------------------------------------------------
def _log():
    df = pd.DataFrame({"user": ["u1"] * 3, "timestamp": pd.to_datetime(["2024-03-10 09:00", "2024-03-10 09:05",
                                                                         "2024-03-10 10:01"]),
                       "event": ["login", "view", "logout"]})
    return sessionize(df, gap=7200)


def test_C24_17_event_sessions_of_text_times_are_refused_not_sorted_letter_by_letter(tmp_path):
    log = _log()
    vocab = event_vocab(log)
    path = tmp_path / "log.csv"
    log.to_csv(path, index=False)
    back = pd.read_csv(path).sample(frac=1.0, random_state=1)  # read back, its rows shuffled
    back["timestamp"] = pd.to_datetime(back["timestamp"]).dt.strftime("%m/%d/%Y %-H:%M")  # '3/10/2024 9:05'
    with pytest.raises(ValueError, match=r"time column 'timestamp' has type .*text sorts letter by letter.*"
                                         r"pd\.to_datetime\(df\['timestamp'\]\)"):
        EventSessions(back, vocab, target=None)
    back["timestamp"] = pd.to_datetime(back["timestamp"], format="%m/%d/%Y %H:%M")
    (item,) = EventSessions(back, vocab, target=None)
    assert item["event"].tolist() == vocab.encode(["login", "view", "logout"]).tolist()


def test_C24_18_event_sessions_of_session_ids_of_two_types_are_named(tmp_path):
    log = pd.DataFrame({"session": [1, "a", 2, "a"], "dt": [0.0, 0.0, 0.0, 5.0],
                        "event": ["login", "login", "login", "view"]})
    with pytest.raises(ValueError, match=r"column 'session' holds ids of several types \(1 \(int\) at row 0, 'a' "
                                         r"\(str\) at row 1\).*astype\(str\)"):
        EventSessions(log, event_vocab(log), target=None)
