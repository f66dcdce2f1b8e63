"""A new user's own files through the loaders of text, audio, video, DNA and event logs, again (C25 of
docs/bad_inputs.md).

Each test writes small files of the kind users bring (text8.zip and a tarball given as text, gzip read as latin-1,
classic Mac line ends, A-law telephone speech, TIMIT's SPHERE .WAV, an aligned or commented FASTA, FASTA files joined
with cat, a video of no frame, an event log of day-first dates, repeated rows or process-mining cases) and checks the
loader's answer: the right data, or a one-line error (or a warning) naming the file, the line or row, and the fix.
"""

from __future__ import annotations

import bz2
import gzip
import io
import struct
import tarfile
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile

from rnnkit.data.audio import AudioDataset, read_wav, wav_info
from rnnkit.data.bio import read_fasta
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.text import read_text

# -- text -----------------------------------------------------------------------------------------------------------


def test_C25_01_a_zip_or_tar_archive_given_as_text_is_named_an_archive(tmp_path):
    words = " anarchism originated as a term of abuse first used against early working class radicals" * 200
    with zipfile.ZipFile(tmp_path / "text8.zip", "w", zipfile.ZIP_DEFLATED) as z:  # the classic char-LM download
        z.writestr("text8", words)
    for encoding in ("utf-8", "latin-1"):  # was: "pass encoding='cp1252'", then NUL characters
        with pytest.raises(ValueError, match=r"text8\.zip is a zip archive \(it holds \['text8'\]\), not text; unzip "
                                             r"it \(unzip text8\.zip\)"):
            read_text(tmp_path / "text8.zip", encoding=encoding)
    data = words.encode()
    for name, mode in (("corpus.tar", "w"), ("corpus.tar.gz", "w:gz")):
        with tarfile.open(tmp_path / name, mode) as t:
            info = tarfile.TarInfo("corpus.txt")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError, match=r"corpus\.tar is a tar archive, not text; extract it \(tar xf corpus\.tar\)"):
        read_text(tmp_path / "corpus.tar")  # was: "UTF-16 text without a byte-order mark"
    with pytest.raises(ValueError, match=r"corpus\.tar\.gz is a tar archive compressed with gzip, not text"):
        read_text(tmp_path / "corpus.tar.gz")  # was: read it with gzip.open, which gives the tarball's headers
    (tmp_path / "ustar.txt").write_text("x" * 257 + "ustar and more text\n")  # no NUL-padded header: text
    assert read_text(tmp_path / "ustar.txt").startswith("xxx")


def test_C25_02_a_compressed_file_read_in_a_one_byte_encoding_is_named_compressed(tmp_path):
    (tmp_path / "corpus.txt").write_bytes(gzip.compress("café au lait\n".encode("latin-1")))
    (tmp_path / "corpus2.txt").write_bytes(bz2.compress(b"plain words\n" * 20))
    for name, kind in (("corpus.txt", "gzip"), ("corpus2.txt", "bzip2")):
        for encoding in ("latin-1", "cp1252", "utf-16"):  # was: "holds 5 NUL character(s) ...: a binary file"
            with pytest.raises(ValueError, match=rf"{name} is {kind}-compressed, not text; decompress it"):
                read_text(tmp_path / name, encoding=encoding)
    (tmp_path / "bz.txt").write_text("BZh is how this text starts\n", encoding="latin-1")
    assert read_text(tmp_path / "bz.txt", encoding="latin-1") == "BZh is how this text starts\n"


def test_C25_03_a_line_of_another_encoding_is_named_by_its_line_with_classic_mac_line_ends(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes("naïve one\rtwo\r".encode() + b"caf\xe9 three\r")  # line 3 saved in Latin-1, CR line ends
    with pytest.raises(ValueError, match=r"notes\.txt, line 3: byte 0xe9 is not UTF-8"):  # was: line 1
        read_text(path)
    path.write_bytes(b"\xef\xbb\xbf" + "naïve one\r\ntwo\r\n".encode() + b"caf\xe9 three\r\n")
    with pytest.raises(ValueError, match=r"line 3: byte 0xe9 is not UTF-8, but the file's other letters beyond ASCII "
                                         r"are \('ï'"):  # the byte-order mark is no letter of the file
        read_text(path)


def test_C25_04_read_text_reads_the_file_once(tmp_path, monkeypatch):
    path = tmp_path / "latin.txt"
    path.write_bytes("café\r\nnaïve\rend".encode("latin-1"))
    opened = []
    real_open = io.open

    def counting_open(file, *args, **kwargs):
        if str(file) == str(path):
            opened.append(args[0] if args else kwargs.get("mode", "r"))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    assert read_text(path, encoding="latin-1") == "café\nnaïve\nend"  # universal newlines, as before
    assert len(opened) == 1  # was 2: its bytes for the checks, then its text
    path.write_bytes("a\r\nb".encode("utf-16"))
    opened.clear()
    assert read_text(path, encoding="utf-16") == "a\nb" and len(opened) == 1
    path.write_bytes(b"\xef\xbb\xbfplain\r\n")
    opened.clear()
    assert read_text(path) == "plain\n" and len(opened) == 1


# -- audio ----------------------------------------------------------------------------------------------------------


def _wav(fmt: int, bits: int, data: bytes, extra: bytes = b"") -> bytes:
    """A mono 8 kHz RIFF/WAVE file of format tag ``fmt``."""
    block = max(1, bits // 8)
    body = struct.pack("<HHIIHH", fmt, 1, 8000, 8000 * block, block, bits) + extra
    chunks = b"WAVE" + b"fmt " + struct.pack("<I", len(body)) + body
    chunks += b"data" + struct.pack("<I", len(data)) + data + b"\x00" * (len(data) % 2)
    return b"RIFF" + struct.pack("<I", len(chunks)) + chunks


def test_C25_05_a_directory_given_as_a_wav_file_is_named_a_directory(tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    scipy.io.wavfile.write(folder / "a.wav", 8000, np.zeros(800, np.int16))
    for read in (read_wav, wav_info):  # was: "clips: no such file"
        with pytest.raises(ValueError, match=r"clips is a directory, not a WAV file; give the files in it"):
            read(folder)
    with pytest.raises(ValueError, match=r"clips is a directory, not a WAV file"):
        AudioDataset([folder], [0], sample_rate=8000)


def test_C25_06_a_wav_of_a_law_mu_law_or_adpcm_samples_names_the_encoding_and_the_conversion(tmp_path):
    codes = bytes(np.random.default_rng(0).integers(0, 256, 800, dtype=np.uint8))
    (tmp_path / "call.wav").write_bytes(_wav(7, 8, codes, b"\x00\x00"))  # mu-law, as telephone corpora store speech
    (tmp_path / "alaw.wav").write_bytes(_wav(6, 8, codes, b"\x00\x00"))
    (tmp_path / "adpcm.wav").write_bytes(_wav(0x11, 4, codes, b"\x02\x00\xf9\x01"))
    for name, what in (("call", "mu-law"), ("alaw", "A-law"), ("adpcm", "IMA ADPCM")):
        for read in (read_wav, wav_info):  # was: "not a readable WAV file (Unknown wave file format: MULAW ...)"
            with pytest.raises(ValueError, match=rf"{name}\.wav: its samples are {what}.*, which read_wav does not "
                                                 r"decode.*; convert it to 16-bit PCM first, e\.g\. sox in\.wav -e "
                                                 r"signed-integer -b 16 out\.wav"):
                read(tmp_path / f"{name}.wav")


def test_C25_07_timit_sphere_aiff_and_gzip_files_named_wav_are_named_with_their_conversion(tmp_path):
    header = b"NIST_1A\n   1024\nsample_rate -i 16000\nchannel_count -i 1\nend_head\n"
    (tmp_path / "SA1.WAV").write_bytes(header.ljust(1024, b" ") + bytes(3200))  # TIMIT's .WAV files are SPHERE
    with pytest.raises(ValueError, match=r"SA1\.WAV is a NIST SPHERE file \(as TIMIT's .*\), not a WAV file \("
                                         r"whatever its name\).*sph2pipe -f wav in\.WAV out\.wav"):  # was: b'NIST' ...
        read_wav(tmp_path / "SA1.WAV")
    aiff = b"FORM" + struct.pack(">I", 46) + b"AIFF" + b"COMM" + struct.pack(">I", 18) + bytes(18) + b"SSND" + bytes(8)
    (tmp_path / "take.wav").write_bytes(aiff)
    with pytest.raises(ValueError, match=r"take\.wav is an AIFF file \(Apple's\), not a WAV file.*sox in\.aiff"):
        read_wav(tmp_path / "take.wav")
    scipy.io.wavfile.write(tmp_path / "plain.wav", 8000, np.zeros(800, np.int16))
    (tmp_path / "rec.wav").write_bytes(gzip.compress((tmp_path / "plain.wav").read_bytes()))
    with pytest.raises(ValueError, match=r"rec\.wav is a gzip-compressed file \(a \.wav\.gz\?\), not a WAV.*gunzip"):
        wav_info(tmp_path / "rec.wav")
    (tmp_path / "text.wav").write_text("not audio at all")  # unknown: the generic refusal, as before
    with pytest.raises(ValueError, match="not a readable WAV"):
        read_wav(tmp_path / "text.wav")


# -- DNA ------------------------------------------------------------------------------------------------------------


def test_C25_08_a_directory_given_as_a_fasta_file_is_named_a_directory(tmp_path):
    (tmp_path / "genomes").mkdir()
    with pytest.raises(ValueError, match=r"genomes is a directory, not a FASTA file; read the files in it one by one"):
        read_fasta(tmp_path / "genomes")  # was: "genomes: no such file"


def test_C25_09_alignment_gaps_are_named_gaps_not_codes_to_replace_with_n(tmp_path):
    path = tmp_path / "aln.fa"
    path.write_text(">s1\nAC-GT\n>s2\nACCGT\n")  # MAFFT / Clustal output: rows padded with gaps
    with pytest.raises(ValueError, match=r"record 's1', line 2, position 2: invalid letter '-', an alignment gap: .*; "
                                         r"strip the gaps to read the sequences .*rather than replace them with N"):
        read_fasta(path)  # was: "... Replace other codes with N before loading."
    path.write_text(">p1\nMKV..LL\n")
    with pytest.raises(ValueError, match=r"invalid letter '\.', an alignment gap.*rather than replace them with X"):
        read_fasta(path, alphabet="protein")


def test_C25_10_comment_lines_of_the_old_fasta_format_are_named(tmp_path):
    path = tmp_path / "old.fa"
    path.write_text(">chr1\n;assembled with some tool\nACGT\n")
    with pytest.raises(ValueError, match=r"old\.fa, line 2 starts with ';', a comment line of the old FASTA format.*"
                                         r"grep -v '\^;' in\.fa > out\.fa"):
        read_fasta(path)  # was: "invalid letter ';' ... This looks like a protein, not DNA: it holds E"
    path.write_text(";a comment first\n>chr1\nACGT\n")
    with pytest.raises(ValueError, match=r"line 1 starts with ';', a comment line"):
        read_fasta(path)


def test_C25_11_fasta_files_joined_with_cat_each_with_a_byte_order_mark_read_as_records(tmp_path):
    path = tmp_path / "joined.fa"
    path.write_bytes(b"\xef\xbb\xbf>a\nACGT\n" + b"\xef\xbb\xbf>b\r\nGGCC\r\n")  # two Notepad files, cat a.fa b.fa
    assert [tuple(r) for r in read_fasta(path)] == [("a", "ACGT"), ("b", "GGCC")]  # was: invalid letter '\ufeff'


# -- video ----------------------------------------------------------------------------------------------------------


def test_C25_12_a_video_dataset_of_a_video_of_no_frame_is_refused_at_build(tmp_path):
    cv2 = pytest.importorskip("cv2")
    from rnnkit.data.video import VideoDataset, write_video

    writer = cv2.VideoWriter(str(tmp_path / "empty.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 32))
    writer.release()  # a recording stopped before its first frame: a valid container of 0 frames
    write_video(tmp_path / "ok.avi", np.zeros((3, 32, 32), np.uint8))
    with pytest.raises(ValueError, match=r"empty\.avi has no frame that decodes \(its container lists 0\)"):
        VideoDataset([tmp_path / "ok.avi", tmp_path / "empty.avi"], [0, 1])  # was: built, the item failed mid-epoch
    assert VideoDataset([tmp_path / "ok.avi"], [0], max_frames=1).lengths.tolist() == [1]


# -- event logs -----------------------------------------------------------------------------------------------------


def test_C25_13_day_first_dates_are_parsed_with_dayfirst_in_the_advice(tmp_path):
    (tmp_path / "log.csv").write_text("user,timestamp,event\nu,02/01/2024 09:00,login\nu,03/01/2024 09:05,view\n"
                                      "u,12/01/2024 10:00,logout\n")
    df = pd.read_csv(tmp_path / "log.csv")
    # pd.to_datetime alone (the advice before) reads 1 February, 1 March, 1 December: gaps of months, not days
    with pytest.raises(ValueError, match=r"pd\.to_datetime\(df\['timestamp'\], dayfirst=True\) if its dates are "
                                         r"written day first.*reads '02/01/2024 09:00' month first, as 1 February"):
        sessionize(df)
    df.loc[2, "timestamp"] = "13/01/2024 10:00"
    with pytest.raises(ValueError, match=r"dayfirst=True\) \(its dates are written day first, e\.g\. '13/01/2024"):
        sessionize(df)
    with pytest.raises(ValueError, match=r"df\['timestamp'\] = pd\.to_datetime\(df\['timestamp'\], dayfirst=True\)"):
        EventSessions(df.assign(session=0, dt=0.0), event_vocab(df))
    df["timestamp"] = pd.to_datetime(df["timestamp"], dayfirst=True)  # the advice, followed
    assert sessionize(df, gap=86400 * 30)["dt"].tolist() == [0.0, 86700.0, 867300.0]
    month_first = df.assign(timestamp=["01/02/2024 09:00", "01/13/2024 09:05", "01/14/2024 10:00"])
    with pytest.raises(ValueError, match=r"parse text with pd\.to_datetime\(df\['timestamp'\]\)$"):
        sessionize(month_first)


def test_C25_14_rows_repeated_in_every_column_are_warned_of(tmp_path):
    t = pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01", "2024-01-01 10:02"])
    df = pd.DataFrame({"user": ["u", "u", "u"], "timestamp": t, "event": ["login", "view", "logout"],
                       "event_id": [1, 2, 3]})
    joined = pd.concat([df, df.iloc[1:2]], ignore_index=True)  # two exports that overlap, joined
    with pytest.warns(UserWarning, match=r"the event log holds 1 row\(s\) that repeat an earlier row in every column "
                                         r"\(row 3 repeats row 1: .*df = df\.drop_duplicates\(\)"):
        out = sessionize(joined)
    assert out["event"].tolist() == ["login", "view", "view", "logout"]  # kept, as given
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sessionize(df.assign(event_id=[1, 1, 2]))  # rows that differ in some column are no copies


def test_C25_15_cases_cut_into_single_events_by_the_gap_name_the_gap(tmp_path):
    # a process-mining log (pm4py's XES columns): each case runs over days
    df = pd.DataFrame({"case:concept:name": ["1", "1", "1", "2", "2"],
                       "concept:name": ["register", "check", "decide", "register", "decide"],
                       "time:timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-04", "2024-01-02",
                                                         "2024-01-05"], utc=True)})
    cols = dict(event="concept:name", time="time:timestamp")
    cut = sessionize(df, user="case:concept:name", time="time:timestamp")
    with pytest.raises(ValueError, match=r"no sessions left: all 5 sessions of the log hold a single event.*its gap "
                                         r"\(30 minutes by default\) cut each user's events apart.*gap=float\('inf'\)"):
        EventSessions(cut, event_vocab(cut, event="concept:name"), **cols)  # was: "sessions need at least 2 events"
    whole = sessionize(df, user="case:concept:name", time="time:timestamp", gap=float("inf"))  # the advice
    assert len(EventSessions(whole, event_vocab(whole, event="concept:name"), **cols)) == 2
