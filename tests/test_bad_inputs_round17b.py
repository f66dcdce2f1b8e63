"""Seventeenth round (17b): the loaders of event logs, text, audio, video and DNA as a new user brings their own
data: an application log with blank ids and event names spelt in two cases, text in Unicode's decomposed form, a
vocabulary that keeps nothing, WAV files cut inside a sample frame or their header, a video codec that crops odd
sizes, k-mers of RNA or with gaps, and a protein read as DNA.

One test per case of the catalogue (ids K17-01, K17-02, ...); each fails on the commit before its fix.
"""

import struct
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import one_line

from rnnkit.data.audio import read_wav, wav_info
from rnnkit.data.bio import encode_sequence, kmers, read_fasta
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.text import Vocab


def app_log(**columns) -> pd.DataFrame:
    """Six events of an application log, as a CSV read with dtype=str, keep_default_na=False gives it: ISO times
    with two UTC offsets, parsed as UTC."""
    log = pd.DataFrame({
        "user": ["alice", "alice", "", "bob", "", "alice"],
        "timestamp": ["2024-03-10T01:59:00-05:00", "2024-03-10T03:00:00-04:00", "2024-03-10T03:00:00-04:00",
                      "2024-03-10T06:00:00Z", "2024-03-10T09:30:00+02:00", "2024-03-10T03:01:00-04:00"],
        "event": ["login", "view", "view", "login", "search", "logout"],
    })
    log = log.assign(**columns)
    log["timestamp"] = pd.to_datetime(log["timestamp"], utc=True)
    return log


def test_K17_01_an_empty_or_blank_user_id_is_refused_not_taken_as_one_user():
    # before: the anonymous events of two visitors hours apart became a user '' and her sessions
    with pytest.raises(ValueError) as e:
        sessionize(app_log())
    msg = one_line(e)
    assert "column 'user' has 2 empty or blank user ids (first at row 2: '')" in msg
    assert "df[df['user'].str.strip() != '']" in msg
    with pytest.raises(ValueError, match=r"blank user ids \(first at row 2: ' '\)"):
        sessionize(app_log(user=["alice", "alice", " ", "bob", "carol", "alice"]))
    out = sessionize(app_log(user=["alice", "alice", "dave", "bob", "carol", "alice"]))
    assert out.groupby("session")["user"].nunique().eq(1).all() and out["session"].nunique() == 4


def test_K17_02_an_empty_session_id_of_the_log_itself_is_refused():
    log = pd.DataFrame({"session": ["s1", "s1", "", "s2", ""], "dt": [0.0, 1.0, 0.0, 0.0, 5.0],
                        "event": ["a", "b", "c", "a", "b"], "timestamp": [0.0, 1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(ValueError) as e:  # before: one session '' of events c and b, 5 s apart
        EventSessions(log, event_vocab(log), target=None)
    assert "column 'session' has 2 empty or blank session ids (first at row 2: '')" in one_line(e)


def test_K17_03_event_names_that_differ_only_by_case_are_warned_of():
    log = sessionize(app_log(user=["alice"] * 6, event=["Login", "view", "view", "login", "search", "LOGOUT"]))
    with pytest.warns(UserWarning) as w:  # before: 'login' and 'Login' were two events without a word
        vocab = event_vocab(log)
    msg = str(w[0].message)
    assert "differ only by case ('login' at row 0, 'Login' at row 1), read as two events" in msg
    assert "df['event'] = df['event'].str.lower()" in msg
    assert {"login", "Login"} <= set(vocab.itos)  # case is not folded: read as given
    log["event"] = log["event"].str.lower()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sorted(event_vocab(log).itos[4:]) == ["login", "logout", "search", "view"]


def test_K17_04_an_empty_event_name_is_refused_as_a_missing_event():
    log = sessionize(app_log(user=["alice"] * 6, event=["login", "view", "", "view", "search", "logout"]))
    with pytest.raises(ValueError) as e:  # before: '' was an event of its own
        EventSessions(log, Vocab.build([["login", "view", "search", "logout"]], level="token"))
    assert "column 'event' has 1 empty or blank events (first at row 3: '')" in one_line(e)


def test_K17_05_decomposed_accents_read_as_the_composed_letters_of_the_vocabulary():
    text = "café naïve Ångström résumé שָׁלוֹם"
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text
    for level in ("char", "word"):
        vocab = Vocab.build([text], level=level)
        # before: 'é' as 'e' and a combining accent gave 'e' and <unk> (char) or 'caf', 'e', <unk> (word)
        assert vocab.encode(decomposed, strict=True).tolist() == vocab.encode(text).tolist()
        assert Vocab.build([decomposed], level=level).itos == vocab.itos
    assert Vocab.build([text]).decode_text(Vocab.build([text]).encode(decomposed)) == text


def test_K17_06_a_min_freq_that_keeps_no_token_is_refused():
    with pytest.raises(ValueError) as e:  # before: a vocabulary of the 4 specials, every token <unk>
        Vocab.build(["the cat sat", "a dog ran"], level="word", min_freq=2)
    msg = one_line(e)
    assert "min_freq=2 leaves no token" in msg and "'the', is seen 1 time(s)" in msg and "min_freq <= 1" in msg
    assert Vocab.build(["the cat", "the dog"], level="word", min_freq=2).itos[4:] == ["the"]
    assert len(Vocab.build([""], min_freq=3)) == 4  # no token at all: nothing was dropped


def wav_bytes(data: bytes, channels: int, bits: int, rate: int = 8000) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_K17_07_a_wav_cut_inside_a_sample_frame_is_named_truncated(tmp_path):
    wave = (0.5 * np.sin(np.arange(400) / 3) * (2**23 - 1)).astype(np.int32)
    pcm24 = b"".join(int(v).to_bytes(3, "little", signed=True) for v in wave)
    stereo = (np.stack([wave, -wave], 1) >> 8).astype("<i2").tobytes()
    for name, raw, channels, block in (("mono24.wav", wav_bytes(pcm24, 1, 24), 1, 3),
                                       ("stereo16.wav", wav_bytes(stereo, 2, 16), 2, 4)):
        path = tmp_path / name
        path.write_bytes(raw[:-502])  # 502 is no multiple of 3 or 4 bytes
        for read in (read_wav, wav_info):
            with pytest.raises(ValueError) as e:  # before: 'cannot reshape array of size 698 into shape (3)'
                read(path)
            msg = one_line(e)
            assert f"{path} is truncated: its header says the samples run to byte {len(raw)} but the file ends at " \
                   f"byte {len(raw) - 502}, inside a sample frame" in msg
            assert f"{channels}-channel frames of {block} bytes" in msg


def test_K17_08_a_wav_cut_inside_its_header_is_a_valueerror_naming_it(tmp_path):
    path = tmp_path / "cut.wav"
    path.write_bytes(wav_bytes(b"\x00\x01" * 10, 1, 16)[:30])
    with pytest.raises(ValueError) as e:  # before: struct.error: unpack requires a buffer of 16 bytes
        read_wav(path)
    assert f"{path} is truncated: it ends at byte 30, inside its header" in one_line(e)


def test_K17_09_write_video_refuses_a_codec_that_would_crop_odd_sizes(tmp_path):
    from rnnkit.data.video import read_video, write_video

    frames = (np.arange(4)[:, None, None] * 40 + np.zeros((4, 33, 17))).astype(np.uint8)
    path = tmp_path / "odd.avi"
    with pytest.raises(ValueError) as e:  # before: written as 32x16 frames without a word
        write_video(path, frames, codec="MJPG")
    msg = one_line(e)
    assert "frames of 33x17 pixels: codec 'MJPG' wrote them as 32x16" in msg and "frames[:, :32, :16]" in msg
    assert not path.exists()
    write_video(path, frames[:, :32, :16], codec="MJPG")
    assert read_video(path, grayscale=True).shape == (4, 32, 16)


def test_K17_10_kmers_check_their_letters():
    with pytest.raises(ValueError) as e:  # before: ['AC', 'CG', 'GU'], words that no DNA k-mer matches
        kmers("ACGU", 2)
    assert "kmers: position 3: invalid letter 'U'" in one_line(e) and "replace U with T" in one_line(e)
    with pytest.raises(ValueError, match="kmers: position 2: invalid letter '-'"):
        kmers("AC-GT", 2)  # before: 'C-', '-G'
    assert kmers("ACG", 5) == []  # no 5-mers, as range gives none (kmer_ids refuses it)
    assert kmers("acgtNN", 3) == ["ACG", "CGT", "GTN", "TNN"]
    assert kmers("MKVL", 2, alphabet="protein") == ["MK", "KV", "VL"]


def test_K17_11_a_protein_read_as_dna_is_named_a_protein(tmp_path):
    path = tmp_path / "p53.fa"
    path.write_bytes(b">sp|P04637|P53_HUMAN\r\nMEEPQSDPSVEPPLSQETFSDLWKLL\r\n")
    with pytest.raises(ValueError) as e:  # before: 'M' is an IUPAC ambiguity code ... replace it with N
        read_fasta(path)
    msg = one_line(e)
    assert "record 'sp|P04637|P53_HUMAN', line 2, position 0" in msg
    assert "This looks like a protein, not DNA: it holds E, F, L, P, Q" in msg and "alphabet='protein'" in msg
    assert read_fasta(path, alphabet="protein")[0].sequence.startswith("MEEPQ")
    with pytest.raises(ValueError, match="looks like a protein"):
        encode_sequence("MKTAYIAKQRQISFVKSHFSRQ")
    with pytest.raises(ValueError) as e:  # an IUPAC code in DNA keeps its own hint
        encode_sequence("ACGRT")
    assert "IUPAC ambiguity code" in one_line(e) and "looks like a protein" not in one_line(e)


def test_K17_12_session_ids_that_print_alike_in_two_types_are_refused():
    log = pd.DataFrame({"session": [1, "1", 1, 2], "dt": [0.0, 0.0, 1.0, 0.0], "event": ["a", "b", "c", "a"],
                        "timestamp": [0.0, 1.0, 2.0, 3.0]})  # two exports joined, one read its ids as numbers
    with pytest.raises(ValueError) as e:  # before: sessions 1 and '1', the second of one event
        EventSessions(log, event_vocab(log), target=None)
    assert "column 'session' holds 1 (int) at row 0 and '1' (str) at row 1, which print alike but would be two " \
           "sessions" in one_line(e)
    fixed = log.assign(session=log["session"].astype(str))
    assert [len(x["event"]) for x in EventSessions(fixed, event_vocab(fixed), target=None)] == [3, 1]


def test_K17_13_utf16_without_a_byte_order_mark_is_named_not_latin1(tmp_path):
    from rnnkit.data.text import read_text

    text = "café naïve\r\nשלום עולם\r\n"  # Notepad's "Unicode" saved by a tool that drops the byte-order mark
    for order in ("le", "be"):
        path = tmp_path / f"{order}.txt"
        path.write_bytes(text.encode(f"utf-16-{order}"))
        with pytest.raises(ValueError) as e:  # before: e.g. read_text(path, encoding='latin-1'), text with NULs
            read_text(path)
        msg = one_line(e)
        assert "every other byte is 0, as in UTF-16 text without a byte-order mark" in msg
        assert f"encoding='utf-16-{order}'" in msg
        assert read_text(path, encoding=f"utf-16-{order}") == text.replace("\r\n", "\n")


def test_K17_14_a_session_label_is_over_the_whole_session_when_max_len_shortens_its_events():
    """An anomaly after the first max_len events still labels its session (before: labelled 0 from the kept
    events alone, silently)."""
    times = pd.date_range("2024-03-10 09:00", periods=6, freq="min", tz="UTC")
    log = sessionize(pd.DataFrame({"user": ["alice"] * 6, "timestamp": times, "anomaly": [0, 0, 0, 0, 0, 1],
                                   "event": ["login", "view", "view", "search", "view", "logout"]}))
    assert log["session"].nunique() == 1
    vocab = event_vocab(log)
    whole = EventSessions(log, vocab, target="anomaly")
    short = EventSessions(log, vocab, target="anomaly", max_len=3)
    assert int(whole[0][1]) == 1 and int(short[0][1]) == 1
    assert len(short[0][0]["event"]) == 3
