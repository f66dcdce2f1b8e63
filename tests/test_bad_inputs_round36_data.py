"""Thirty-sixth round, the loaders (data): event logs joined from loggers of two time units, words of web text
holding invisible characters, emoji, big-endian arrays. Each test is named by its row of docs/bad_inputs.md
(D36-NN)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.data.audio import read_wav, write_wav
from rnnkit.data.bio import BioSequenceDataset
from rnnkit.data.collate import pad_collate, zero_runs
from rnnkit.data.events import sessionize
from rnnkit.data.memmap import RaggedStore, write_ragged
from rnnkit.data.text import TextClassificationDataset, Vocab


# D36-01: a log whose times are Unix seconds on some rows and milliseconds on others (two loggers joined)
def test_D36_01_epoch_seconds_beside_milliseconds_are_named():
    t = [1700000000, 1700000060, 1700000120000, 1700000500000, 1700001000, 1700001100]
    df = pd.DataFrame({"user": [1, 1, 1, 2, 2, 2], "timestamp": t, "event": list("abcabc")})
    with pytest.raises(ValueError, match=r"more than one unit \(1700000000 at row 0, .* in seconds; 1700000120000 "
                                         r"at row 2, .* in milliseconds\).*where\(df\['timestamp'\] < 1e\+11, "
                                         r"df\['timestamp'\] / 1000\)"):
        sessionize(df)


def test_D36_01_all_milliseconds_keep_their_advice():
    df = pd.DataFrame({"user": [1, 1], "timestamp": [1700000000000, 1700000060000], "event": ["a", "b"]})
    with pytest.raises(ValueError, match=r"epoch milliseconds\?.*unit='ms'"):
        sessionize(df)


# D36-02: words of web text or PDFs holding a soft hyphen, a zero-width space, a direction mark
def test_D36_02_invisible_characters_do_not_cut_words():
    v = Vocab.build(["hyphen\u00adation is great", "zero\u200bwidth", "left\u200eto right"], level="word")
    assert "\u00ad" not in v and "\u200b" not in v and "\u200e" not in v
    assert "hyphenation" in v and "hyphen" not in v and "ation" not in v
    assert "zero" in v and "width" in v  # the zero-width space is the word boundary it marks
    assert v.tokenize("hyphenation leftto") == ["hyphenation", "leftto"]
    assert v.encode("hyphenation").tolist() == v.encode("hyphen\u00adation").tolist() != [v.unk_id]


def test_D36_02_persian_zwnj_stays_inside_its_word():
    v = Vocab.build(["می\u200cخواهم بروم"], level="word")
    assert set(v.itos[4:]) == {"می\u200cخواهم", "بروم"}


def test_D36_02_char_level_keeps_every_character():
    v = Vocab.build(["a\u00adb"], level="char")
    assert "\u00ad" in v  # a character vocabulary reads characters as they are


# D36-03: emoji with a skin tone or joined by ZWJ, at word level
def test_D36_03_emoji_sequences_are_one_token():
    v = Vocab.build(["great \U0001f44d\U0001f3fd family \U0001f468\u200d\U0001f469\u200d\U0001f467"], level="word")
    assert "\U0001f44d\U0001f3fd" in v and "\U0001f468\u200d\U0001f469\u200d\U0001f467" in v
    assert "\u200d" not in v and "\U0001f3fd" not in v
    assert v.tokenize("ok\U0001f44d!") == ["ok", "\U0001f44d", "!"]
    assert v.tokenize("\u2764\ufe0f \u2764") == ["\u2764", "\u2764"]  # a phone's colour form and the plain one


# D36-04: big-endian arrays (FITS, MATLAB, np.fromfile(dtype='>f4')) to pad_collate
def test_D36_04_big_endian_sequences_are_collated():
    seqs = [np.arange(6, dtype=">f4").reshape(3, 2), np.arange(4, dtype=">f4").reshape(2, 2)]
    batch = pad_collate(seqs)
    assert batch.x.dtype == torch.float32
    assert batch.x[0].tolist() == [[0, 1], [2, 3], [4, 5]] and batch.x[1, :2].tolist() == [[0, 1], [2, 3]]
    ids = pad_collate([np.array([5, 6, 7], ">i8"), np.array([8, 9], ">i4")])
    assert ids.x.tolist() == [[5, 6, 7], [8, 9, 0]] and ids.x.dtype == torch.int64


# D36-05: a ragged store written from big-endian arrays
def test_D36_05_big_endian_store_reads_its_values(tmp_path):
    seqs = [(np.arange(6).reshape(3, 2) + 0.5).astype(">f4"), np.arange(4, dtype=">i2").reshape(2, 2)]
    assert not seqs[0].dtype.isnative
    write_ragged(tmp_path / "s", seqs, labels=[0, 1])
    store = RaggedStore(tmp_path / "s")
    x, y = store[0]
    assert x.tolist() == [[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]] and int(y) == 0
    assert store[1][0].tolist() == [[0, 1], [2, 3]]
    assert np.load(tmp_path / "s" / "data.npy", mmap_mode="r").dtype.isnative


def test_D36_05_store_of_another_byte_order_reads_as_native(tmp_path):
    write_ragged(tmp_path / "s", [np.arange(3, dtype="<f4") + 1.0])
    data = np.load(tmp_path / "s" / "data.npy")
    np.save(tmp_path / "s" / "data.npy", data.astype(">f4"))  # as another machine (or an older writer) left it
    meta = (tmp_path / "s" / "meta.json").read_text().replace('"<f4"', '">f4"')
    (tmp_path / "s" / "meta.json").write_text(meta)
    assert RaggedStore(tmp_path / "s")[0].tolist() == [1.0, 2.0, 3.0]


# the padding rule one_hot_encode and pad_collate share
def test_zero_runs_is_the_padding_rule_of_both():
    padded = torch.tensor([[3, 1, 0, 0], [2, 0, 0, 0], [1, 2, 3, 4]])
    assert zero_runs(padded).tolist() == [2, 3, 0]
    assert zero_runs(padded.flip(-1), "start").tolist() == [2, 3, 0]
    assert zero_runs(torch.tensor([[1, 0], [2, 0]])) is None  # one length: as likely data
    assert zero_runs(torch.tensor([[1.0, 0.0], [2.0, 0.0]])) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pad_collate([torch.tensor([1, 2, 3]), torch.tensor([4, 5])])  # unpadded items say nothing
        pad_collate([torch.tensor([1, 0, 2, 0]), torch.tensor([3, 4, 0, 0])])  # runs at the end, but a 0 elsewhere


# D36-06: read_wav(mono=False) over a folder of mono and stereo files, taking wave[:, 0]
def test_D36_06_mono_file_read_with_mono_false_has_its_channel_axis(tmp_path):
    rate = 8000
    tone = (0.3 * np.sin(np.arange(rate) * 2 * np.pi * 440 / rate)).astype(np.float32)
    write_wav(tmp_path / "mono.wav", tone, rate)
    write_wav(tmp_path / "stereo.wav", np.stack([tone, tone / 2], axis=1), rate)
    mono, _ = read_wav(tmp_path / "mono.wav", mono=False)
    stereo, _ = read_wav(tmp_path / "stereo.wav", mono=False)
    assert mono.shape == (rate, 1) and stereo.shape == (rate, 2)
    assert torch.allclose(mono[:, 0], stereo[:, 0])
    assert read_wav(tmp_path / "mono.wav")[0].shape == (rate,)  # mono=True as before


# D36-07: DNA items of N alone (an assembly gap cut out as a sequence), with labels
def test_D36_07_sequences_of_n_alone_are_warned_of():
    with pytest.warns(UserWarning, match=r"1 of the 3 sequences \(the first: sequence 1, of 12 letters\) are N "
                                         r"throughout.*drop them.*strip\('N'\)"):
        ds = BioSequenceDataset(["ACGTACGT", "N" * 12, "ACGN" * 3], [0, 1, 0])
    assert len(ds) == 3  # kept, as given
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BioSequenceDataset(["NNNNNNNA", "ACGT"], [0, 1])  # one known letter: data
    with pytest.warns(UserWarning, match="X throughout"):
        BioSequenceDataset(["XXXX", "MKV"], alphabet="protein")


# D36-08: a log of a night with times of day alone ('23:58:00', '00:02:00'), as text or as durations
NIGHT = ["23:50:00", "23:55:00", "23:58:00", "00:02:00", "00:05:00"]


def test_D36_08_times_of_day_passing_midnight_are_refused():
    df = pd.DataFrame({"user": [1] * 5, "timestamp": pd.to_timedelta(NIGHT), "event": list("abcde")})
    with pytest.raises(ValueError, match=r"times of day .* pass midnight: row 3 \(00:02:00\) follows row 2 "
                                         r"\(23:58:00\) of user 1 .*add a day at each midnight passed"):
        sessionize(df, gap=600)
    # the fix named: the events in the log's order, one session
    df["timestamp"] += pd.to_timedelta(df.groupby("user")["timestamp"].transform(
        lambda t: (t.diff() < pd.Timedelta(0)).cumsum()), unit="D")
    out = sessionize(df, gap=600)
    assert out["event"].tolist() == list("abcde") and out["session"].tolist() == [0] * 5
    assert out["dt"].tolist() == [0, 300, 180, 240, 180]
    # a log in time order, its users interleaved: each user's rows are read together
    df = pd.DataFrame({"user": [1, 2, 1, 2], "timestamp": pd.to_timedelta(["23:58:00", "23:59:00", "00:02:00",
                                                                           "00:03:00"]), "event": list("abcd")})
    with pytest.raises(ValueError, match=r"pass midnight: row 2 \(00:02:00\) follows row 0 \(23:58:00\) of user 1 "
                                         r"\(2 such place\(s\)\)"):
        sessionize(df, gap=600)


def test_D36_08_shuffled_day_is_not_taken_for_midnight():
    df = pd.DataFrame({"user": [1] * 4, "timestamp": pd.to_timedelta(["01:00:00", "23:00:00", "02:00:00",
                                                                      "00:30:00"]), "event": list("abcd")})
    assert sessionize(df, gap=60)["event"].tolist() == list("dacb")  # rows out of order otherwise: sorted, as before


def test_D36_08_text_times_of_day_get_their_own_advice():
    df = pd.DataFrame({"user": [1] * 5, "timestamp": NIGHT, "event": list("abcde")})
    with pytest.raises(ValueError, match=r"pd.to_timedelta\(df\['timestamp'\]\) \(times of day .*today's date\).*"
                                         r"passes midnight, give each its date"):
        sessionize(df)


# D36-09: sktime's / librosa's channels-first (C, T) arrays of different lengths to pad_collate
def test_D36_09_channels_first_sequences_are_named_in_the_batch():
    seqs = [np.random.default_rng(0).normal(size=(6, 100)), np.random.default_rng(1).normal(size=(6, 80))]
    with pytest.raises(ValueError, match=r"per-step shape \(80,\) but sequence 0 has \(100,\).*sequences 0 and 1 "
                                         r"both have 6 rows: are they \(features, time\).*seq\.T"):
        pad_collate([(s, 0) for s in seqs])
    assert pad_collate([s.T for s in seqs]).lengths.tolist() == [100, 80]


def test_D36_09_the_store_says_it_by_the_same_words(tmp_path):
    seqs = [np.ones((6, 100), np.float32), np.ones((6, 80), np.float32)]
    with pytest.raises(ValueError, match=r"sequences 0 and 1 both have 6 rows: are they \(features, time\)"):
        write_ragged(tmp_path / "s", seqs)
    with pytest.raises(ValueError, match=r"same feature shape$"):  # other shapes: nothing of the layout
        pad_collate([np.ones((5, 3)), np.ones((6, 4))])


# D36-10: texts given a vocabulary of other texts (another corpus or language, a few texts, a small max_size)
def test_D36_10_texts_mostly_unknown_to_the_vocabulary_are_warned_of():
    vocab = Vocab.build(["the cat sat on the mat"], level="word")
    german = ["der Hund und die Katze sind hier", "ich bin nicht da und du bist dort"] * 2
    with pytest.warns(UserWarning, match=r"30 of the texts' 30 tokens \(100%\) are <unk> \(the most frequent unknown: "
                                         r"'und'.*5 word token\(s\)\)\? build it from the training texts"):
        ds = TextClassificationDataset(german, [0, 1, 0, 1], vocab)
    assert all(bool((x == vocab.unk_id).all()) for x in ds.ids)  # encoded as before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        own = Vocab.build(german, level="word")
        TextClassificationDataset(german, [0, 1, 0, 1], own, bos=True, eos=True)  # its own texts: nothing
        TextClassificationDataset(["der Hund"], [0], vocab)  # too few tokens to judge


def test_D36_10_capitals_keep_their_own_warning():
    vocab = Vocab.build(["the a paris is big"] * 2, level="word")
    with pytest.warns(UserWarning) as caught:
        TextClassificationDataset(["The Paris Is Big"] * 6, [0] * 6, vocab)
    assert [str(w.message).count("only for their capitals") for w in caught] == [1]


# D36-11: words of a PDF's extracted text, typeset with ligatures ('ﬁnance', 'ﬂow')
def test_D36_11_ligatures_read_as_their_letters():
    v = Vocab.build(["the \ufb01nance of \ufb02ow"], level="word")
    assert "finance" in v and "flow" in v and "\ufb01nance" not in v
    assert v.encode("finance flow", strict=True).tolist() == v.encode("\ufb01nance \ufb02ow").tolist()
