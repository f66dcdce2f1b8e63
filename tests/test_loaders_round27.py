"""A new user's own files and lists through the loaders and the collate, the leftovers of C25 and more (C27 of
docs/bad_inputs.md).

Each test hands a loader what users bring (a FASTA header in Latin-1, sequence lines split into blocks by spaces, a
list of lines with a NUL, an empty corpus, sequences on two devices, a clip trimmed to nothing, Excel serial dates)
and checks the answer: the right data, or a one-line error (or a warning) naming the item, line or column and the fix.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.data.audio import AudioDataset, write_wav
from rnnkit.data.bio import encode_sequence, read_fasta
from rnnkit.data.collate import pad_collate, pad_sequences
from rnnkit.data.events import sessionize
from rnnkit.data.text import Vocab


def test_C27_01_a_fasta_header_not_in_utf8_is_refused_with_the_conversion(tmp_path):
    path = tmp_path / "cafe.fa"
    path.write_bytes(b">caf\xe9 from Lyon\nACGT\n>ok\nAC\n")
    with pytest.raises(ValueError, match=r"cafe\.fa, line 1: the header .* holds byte 0xe9, which is not UTF-8 .*"
                                         r"iconv -f latin1 -t utf-8 in\.fa > out\.fa"):
        read_fasta(path)
    path.write_bytes(">café from Lyon\nACGT\n".encode())  # converted as advised: the name reads as written
    assert read_fasta(path)[0].name == "café"
    path.write_bytes(b">cafe from L\xe9on\nACGT\n")  # a byte outside the name is not kept: the record reads
    assert read_fasta(path) == [("cafe", "ACGT")]


def test_C27_02_sequence_lines_split_by_spaces_are_named_a_layout_not_a_letter_to_replace(tmp_path):
    # since P28-06 the blocks read as their letters, as Biopython reads them; a string of blocks is still named
    path = tmp_path / "blocks.fa"
    path.write_text(">s1\nACGT ACGT\nAC\n")
    assert read_fasta(path) == [("s1", "ACGTACGTAC")]
    with pytest.raises(ValueError) as e:
        encode_sequence("ACGT ACGT")
    message = str(e.value)
    assert "position 4: invalid letter ' ': this looks like a sequence split into blocks by spaces" in message
    assert "seq.replace(' ', '')" in message
    assert "Replace other codes with N" not in message  # each space would become an unknown base
    path.write_text(">s1\n1 acgtacgtac gtacgtacgt\n")  # numbered GenBank lines keep their own advice
    with pytest.raises(ValueError, match="GenBank sequence lines"):
        read_fasta(path)


def test_C27_03_a_corpus_line_with_a_nul_is_refused_with_its_index():
    with pytest.raises(ValueError, match=r"^text 1 of the corpus holds a NUL character \(at character 2\), which no "
                                         r"text holds: .*read_text\(path\)"):
        Vocab.build(["de", "ab\x00c"])
    assert Vocab.build(["de", "abc"]).encode("abc").tolist() != []


def test_C27_04_a_vocab_of_an_empty_corpus_is_warned_of():
    with pytest.warns(UserWarning, match=r"^Vocab.build: the corpus holds no char token \(0 text\(s\)\), so the "
                                         r"vocabulary holds the 4 specials alone and every text encodes to <unk>"):
        assert len(Vocab.build([])) == 4  # built, as before (a vocabulary of the specials is one)
    lines = iter(["ab"])
    list(lines)  # a generator consumed by an earlier loop
    with pytest.warns(UserWarning, match=r"no word token \(0 text\(s\)\).*consumed by an earlier loop"):
        Vocab.build(lines, level="word")
    with pytest.warns(UserWarning, match=r"no char token \(2 text\(s\), all empty\)"):
        Vocab.build(["", ""])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(Vocab.build(["ab"])) == 6


def test_C27_05_sequences_on_two_devices_name_the_item_and_the_move():
    # the meta device stands in for a GPU: torch's own error ("Cannot copy out of meta tensor") names no item
    with pytest.raises(ValueError, match=r"^sequence 1 is on meta but sequence 0 is on cpu; move them to one device"):
        pad_sequences([torch.zeros(2), torch.zeros(3, device="meta")])
    with pytest.raises(ValueError, match=r"^sequence 1 is on cpu but sequence 0 is on meta"):
        pad_collate([(torch.zeros(2, device="meta"), 0), (torch.zeros(3), 1)])
    # int64 token ids beside float features: the batch holds both without truncation (already right)
    x = pad_sequences([torch.tensor([1, 2]), torch.tensor([0.5])])
    assert x.dtype == torch.float32 and x.tolist() == [[1.0, 2.0], [0.5, 0.0]]


def test_C27_06_a_clip_trimmed_to_no_sample_names_the_file(tmp_path):
    silent, voiced = tmp_path / "silent.wav", tmp_path / "voiced.wav"
    write_wav(silent, torch.zeros(800), 16000)
    write_wav(voiced, torch.full((800,), 0.5), 16000)

    def trim(wave):
        return wave[wave.abs() > 1e-3][:, None]

    ds = AudioDataset([voiced, silent], [0, 1], trim, sample_rate=16000)
    assert ds[0][0].shape == (800, 1)
    with pytest.raises(ValueError, match=r"silent\.wav: the transform left no step of its 800 samples .*drop the file"):
        ds[1]


def test_C27_07_excel_serial_dates_read_as_seconds_are_warned_of():
    log = pd.DataFrame({"user": [1, 1, 1], "event": ["a", "b", "c"], "timestamp": [45292.375, 45292.4, 45292.5]})
    with pytest.warns(UserWarning, match=r"column 'timestamp' holds numbers from 45292.375 to 45292.5 with fractions "
                                         r".*45292.375 is 2024-01-01 09:00:00.*unit='D', origin='1899-12-30'"):
        sessionize(log)
    log["timestamp"] = pd.to_datetime(log["timestamp"], unit="D", origin="1899-12-30")  # as advised
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sessionize(log, gap=3 * 3600)
    np.testing.assert_allclose(out["dt"], [0.0, 2160.0, 8640.0], atol=1e-3)  # 36 and 144 minutes: one session
    assert out["session"].tolist() == [0, 0, 0]
    with warnings.catch_warnings():  # seconds of a day, whole or not, outside Excel's dates pass without a word
        warnings.simplefilter("error")
        sessionize(log.assign(timestamp=[0.5, 60.25, 120.0]))
