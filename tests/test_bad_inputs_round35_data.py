"""Thirty-fifth round, the loaders (data): vocabulary files as other tools write them, texts read in the wrong
encoding, video in MATLAB's layout, 24-bit values in 32-bit WAV words. Each test is named by its row of
docs/bad_inputs.md (D35-NN)."""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile
import torch

from rnnkit.data.audio import read_wav
from rnnkit.data.text import SPECIALS, Vocab
from rnnkit.data.video import frames_to_tensor

WORDS = ["the", "cat", "sat", "on", "mat"]


# D35-01: a word vocabulary from a vocabulary file's lines, read with a BOM, with CRLF's '\r', with spaces
def test_D35_01_bom_first_token_is_refused(tmp_path):
    p = tmp_path / "vocab.txt"
    p.write_text("\n".join(WORDS) + "\n", encoding="utf-8-sig")  # Notepad's UTF-8
    tokens = p.read_text(encoding="utf-8").splitlines()  # keeps the BOM on 'the'
    with pytest.raises(ValueError, match=r"token 4 .*byte-order mark.*utf-8-sig.*'the' would read as <unk>"):
        Vocab([*SPECIALS, *tokens], level="word")


def test_D35_01_crlf_tokens_are_refused(tmp_path):
    p = tmp_path / "vocab.txt"
    p.write_bytes("\r\n".join(WORDS).encode())
    with open(p, newline="") as f:
        tokens = f.read().split("\n")
    with pytest.raises(ValueError, match=r"'the\\r'.*CRLF.*splitlines.*4 such token"):
        Vocab([*SPECIALS, *tokens], level="word")
    with pytest.raises(ValueError, match="whitespace at its ends.*strip"):
        Vocab([*SPECIALS, "the ", "cat"], level="word")


def test_D35_01_clean_file_reads_every_word(tmp_path):
    p = tmp_path / "vocab.txt"
    p.write_bytes("\r\n".join(WORDS).encode())
    vocab = Vocab([*SPECIALS, *p.read_text().splitlines()], level="word")
    assert vocab.encode("the cat").tolist() == [4, 5]


# D35-02: lines of a token and its count or score (word2vec's -save-vocab, sentencepiece's .vocab)
def test_D35_02_count_lines_are_refused():
    lines = [f"{w} {100 - i}" for i, w in enumerate(WORDS)]
    with pytest.raises(ValueError, match=r"'the 100'.*word followed by numbers.*line\.split\(\)\[0\]"):
        Vocab([*SPECIALS, *lines], level="word")
    with pytest.raises(ValueError, match="word followed by numbers"):
        Vocab([*SPECIALS, "\u2581the\t-3.41", "\u2581cat\t-5.2"], level="word")


def test_D35_02_a_few_tokens_of_several_words_pass():
    vocab = Vocab([*SPECIALS, "New York", "Route 66", "the"], level="word")
    assert vocab.encode(["Route 66", "the"]).tolist() == [5, 6]


# D35-03: a char vocabulary given tokens of several characters
def test_D35_03_char_tokens_of_two_characters_are_refused():
    with pytest.raises(ValueError, match=r"token 4 \('a\\r'\) has 2 characters.*CRLF"):
        Vocab([*SPECIALS, "a\r", "b\r"], level="char")
    with pytest.raises(ValueError, match="'ab'.*one character at a time"):
        Vocab([*SPECIALS, "ab", "c"], level="char")
    assert Vocab([*SPECIALS, " ", "\r", "a"], level="char").encode("a\r").tolist() == [6, 5]


# D35-04: a cased vocabulary file under lower=True
def test_D35_04_capitals_under_lower_are_refused():
    with pytest.raises(ValueError, match=r"lower=True.*'The'.*capitals.*2 such token"):
        Vocab([*SPECIALS, "The", "Cat", "sat"], level="word", lower=True)
    assert Vocab([*SPECIALS, "the", "cat"], level="word", lower=True).encode("The Cat").tolist() == [4, 5]


def test_D35_04_build_still_builds_lowered_vocabularies():
    vocab = Vocab.build(["The Cat sat", "on the MAT\r\n"], level="word", lower=True)
    assert vocab.encode("THE mat").tolist() == [vocab.stoi["the"], vocab.stoi["mat"]]


# D35-05: Vocab.load of another tool's vocabulary file
def test_D35_05_load_plain_token_file_names_the_constructor(tmp_path):
    p = tmp_path / "vocab.txt"
    p.write_text("\n".join(WORDS))
    with pytest.raises(ValueError, match=r"5 lines of one token each.*splitlines\(\).*Vocab\(\[\*SPECIALS, \*tokens\]"):
        Vocab.load(p)
    p.write_text("\n".join(f"{w} {9 - i}" for i, w in enumerate(WORDS)))
    with pytest.raises(ValueError, match=r"a token and numbers.*line\.split\(\)\[0\]"):
        Vocab.load(p)


def test_D35_05_load_json_map_and_list(tmp_path):
    p = tmp_path / "vocab.json"
    p.write_text(json.dumps({w: i for i, w in enumerate(WORDS)}))
    with pytest.raises(ValueError, match=r"JSON map of 5 tokens to ids.*sorted\(d, key=d.get\)"):
        Vocab.load(p)
    p.write_text(json.dumps(WORDS))
    with pytest.raises(ValueError, match="JSON list of 5 tokens.*SPECIALS"):
        Vocab.load(p)


# D35-06: a token list without the specials first
def test_D35_06_specials_missing_or_reordered():
    with pytest.raises(ValueError, match=r"put the specials before.*Vocab\(\[\*SPECIALS, \*tokens\]"):
        Vocab(WORDS, level="word")
    with pytest.raises(ValueError, match=r"own markers \['\[PAD\]', '\[UNK\]'\]"):
        Vocab(["[PAD]", "[UNK]", "the", "cat"], level="word")
    with pytest.raises(ValueError, match="specials are there but at other ids"):
        Vocab(["<unk>", "<pad>", "<bos>", "<eos>", "the"], level="word")
    with pytest.raises(ValueError, match="tokens is one string"):
        Vocab("<pad><unk>", level="char")


# D35-07: texts of a UTF-8 file read as Latin-1 or Windows-1252 (pandas' encoding='latin-1')
RAW = "text,label\nun café très bon,1\nIt’s awful — really,0\nnaïve but fine,1\n".encode()


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_D35_07_mojibake_texts_are_warned_of(encoding):
    texts = pd.read_csv(io.BytesIO(RAW), encoding=encoding)["text"]
    for level in ("word", "char"):
        with pytest.warns(UserWarning, match=r"text 0 holds 'Ã©', the UTF-8 letter 'é' read as Latin-1"):
            Vocab.build(texts, level=level)


def test_D35_07_mend_advice_works_and_text_in_utf8_says_nothing():
    texts = pd.read_csv(io.BytesIO(RAW), encoding="latin-1")["text"]
    with pytest.warns(UserWarning, match=r"text\.encode\('cp1252'\)\.decode\('utf-8'\)"):
        Vocab.build(texts[:1], level="word")
    with pytest.warns(UserWarning, match=r"text 0 .*text\.encode\('latin-1'\)"):
        Vocab.build(texts[1:2], level="word")
    assert texts[1].encode("latin-1").decode("utf-8") == "It’s awful — really"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Vocab.build(pd.read_csv(io.BytesIO(RAW))["text"], level="word")
        Vocab.build(["São Paulo, Ærø, ÀÉÎÕÜ, à bientôt", "«Ça» ½ £5 ©2020 über"], level="char")


# D35-08: video as MATLAB (and scipy.io.loadmat) give it, time last (H, W, C, T)
@pytest.mark.parametrize("c", [1, 3])
def test_D35_08_time_last_frames_are_refused(c):
    a = np.random.default_rng(0).integers(0, 256, (24, 32, c, 10), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"\(H, W, C, T\), time last.*10 frames of 24x32.*transpose\(3, 0, 1, 2\)"):
        frames_to_tensor(a)
    with pytest.raises(ValueError, match=r"permute\(3, 0, 1, 2\)"):
        frames_to_tensor(torch.from_numpy(a))
    assert frames_to_tensor(a.transpose(3, 0, 1, 2)).shape == (10, c, 24, 32)


def test_D35_08_multispectral_frames_still_read():
    a = np.random.default_rng(0).random((10, 24, 32, 8)).astype(np.float32)
    assert frames_to_tensor(a).shape == (10, 8, 24, 32)


# D35-09: 24-bit (16-bit) values written in 32-bit integer WAV words without their shift
def _tone(n=16000):
    t = np.arange(n) / 16000
    return 0.5 * np.sin(2 * np.pi * 440 * t) + 0.01 * np.random.default_rng(0).standard_normal(n)


@pytest.mark.parametrize("bits,factor", [(24, 256), (16, 65536)])
def test_D35_09_narrow_values_in_int32_are_warned_of(tmp_path, bits, factor):
    p = tmp_path / "adc.wav"
    scipy.io.wavfile.write(p, 16000, np.round(_tone() * 2 ** (bits - 1)).astype(np.int32))
    with pytest.warns(UserWarning, match=rf"low {bits} bits.*{factor} times too quiet.*2\*\*{bits - 1}"):
        wave, _ = read_wav(p)
    assert 0.45 / factor < float(wave.abs().max()) < 0.51 / factor * 2  # read as before, not silence


def test_D35_09_full_int32_and_quiet_24_bit_say_nothing(tmp_path):
    scipy.io.wavfile.write(tmp_path / "full.wav", 16000, np.round(_tone() * 2**31 * 0.9).astype(np.int32))
    import wave
    quiet = np.round(_tone() * 2**23 * 0.001).astype(np.int32)
    with wave.open(str(tmp_path / "q24.wav"), "wb") as f:  # a true 24-bit file, quiet: scipy shifts it into int32
        f.setnchannels(1)
        f.setsampwidth(3)
        f.setframerate(16000)
        f.writeframes(b"".join(int(v).to_bytes(3, "little", signed=True) for v in quiet))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(read_wav(tmp_path / "full.wav")[0].abs().max()) > 0.4
        assert float(read_wav(tmp_path / "q24.wav")[0].abs().max()) < 0.001


# D35-10: a lower-case vocabulary (an uncased file's tokens) given cased text, lower=False
CASED = ["The cat sat on the mat.", "A dog ran.", "Paris is big", "the end"]
LOWER_WORDS = ["the", "cat", "sat", "on", "mat", ".", "a", "dog", "ran", "paris", "is", "big", "end"]


def test_D35_10_capitalised_unknowns_are_warned_of():
    from rnnkit.data.text import TextClassificationDataset
    vocab = Vocab([*SPECIALS, *LOWER_WORDS], level="word")
    with pytest.warns(UserWarning, match=r"3 of the texts' 16 tokens .* <unk> only for their capitals \('The', 'A', "
                                         r"'Paris'.*lower=True"):
        ds = TextClassificationDataset(CASED, [0, 1, 0, 1], vocab)
    assert ds.ids[0][0].item() == vocab.unk_id  # read as before
    char = Vocab.build([t.lower() for t in CASED], level="char")
    with pytest.warns(UserWarning, match=r"only for their capitals \('T', 'A', 'P'"):
        TextClassificationDataset(CASED, [0, 1, 0, 1], char)


def test_D35_10_lowering_or_building_from_the_texts_says_nothing():
    from rnnkit.data.text import TextClassificationDataset
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = TextClassificationDataset(CASED, [0, 1, 0, 1], Vocab([*SPECIALS, *LOWER_WORDS], level="word", lower=True))
        assert ds.ids[0].tolist()[:2] == [4, 5]
        TextClassificationDataset(CASED, [0, 1, 0, 1], Vocab.build(CASED, level="word"))


# D35-11: audio on [0, 1] (8-bit WAV's bytes / 255, as pixels are scaled)
def _bytes_over_255():
    u8 = np.round(_tone() * 127 + 128).clip(0, 255).astype(np.uint8)
    return u8, torch.from_numpy((u8 / 255).astype(np.float32))


def test_D35_11_sound_on_0_1_is_refused(tmp_path):
    from rnnkit.data.audio import MFCC, LogMel, mix_at_snr, write_wav
    _, x = _bytes_over_255()
    with pytest.raises(ValueError, match=r"LogMel: every sample of the wave lies in \[0\.2.*sound on \[0, 1\].*"
                                         r"\(x - 128\) / 128"):
        LogMel(16000)(x)
    with pytest.raises(ValueError, match=r"\(clip 1\).*sound on \[0, 1\]"):
        MFCC(16000)(torch.stack([x * 2 - 1, x]))
    with pytest.raises(ValueError, match=r"write_wav: .*sound on \[0, 1\]"):
        write_wav(tmp_path / "a.wav", x, 16000)
    assert not (tmp_path / "a.wav").exists()
    with pytest.raises(ValueError, match=r"mix_at_snr \(signal\): .*sound on \[0, 1\]"):
        mix_at_snr(x, 0.1 * torch.randn(16000, generator=torch.Generator().manual_seed(0)), 10)


def test_D35_11_centred_rectified_and_read_wav_bytes_pass(tmp_path):
    from rnnkit.data.audio import LogMel
    u8, x = _bytes_over_255()
    mel = LogMel(16000)
    assert mel(x * 2 - 1).shape == (101, 40)
    assert mel(torch.from_numpy(np.abs(_tone())).float()).shape == (101, 40)  # rectified, mean 0.32 of its peak
    scipy.io.wavfile.write(tmp_path / "u8.wav", 16000, u8)
    assert mel(read_wav(tmp_path / "u8.wav")).shape == (101, 40)


# D35-12: the alphabet named as other tools name it ('rna', 'DNA', 'aa')
def test_D35_12_other_alphabet_names_name_the_fix(tmp_path):
    from rnnkit.data.bio import encode_sequence, read_fasta
    with pytest.raises(ValueError, match=r"got 'rna'; RNA is read as DNA with T for U.*sed '/\^>/!y/Uu/Tt/'"):
        encode_sequence("ACGU", alphabet="rna")
    with pytest.raises(ValueError, match="got 'DNA'; pass alphabet='dna'"):
        encode_sequence("ACGT", alphabet="DNA")
    (tmp_path / "p.fa").write_text(">p\nMKT\n")
    with pytest.raises(ValueError, match="got 'aa'; pass alphabet='protein'"):
        read_fasta(tmp_path / "p.fa", alphabet="aa")
    with pytest.raises(ValueError, match=r"got 'xyz'$"):
        encode_sequence("ACGT", alphabet="xyz")


# D35-13: sessionize(gap=30) meant as 30 minutes, read as 30 seconds
def _log(step_s=(60, 300)):
    rng = np.random.default_rng(0)
    rows = []
    for u in range(20):
        t = pd.Timestamp("2024-01-01") + pd.Timedelta(hours=u)
        for _ in range(6):
            t += pd.Timedelta(seconds=int(rng.integers(*step_s)))
            rows.append((f"u{u}", "view", t))
    return pd.DataFrame(rows, columns=["user", "event", "timestamp"])


def test_D35_13_gap_in_minutes_read_as_seconds_is_warned_of():
    from rnnkit.data.events import sessionize
    with pytest.warns(UserWarning, match=r"gap=30 is read as 30 seconds.*120 sessions, 120 of them of a single event.*"
                                         r"would give 20.*gap=1800"):
        out = sessionize(_log(), gap=30)
    assert out["session"].nunique() == 120  # read as before


def test_D35_13_seconds_apart_timedelta_and_1800_say_nothing():
    from rnnkit.data.events import sessionize
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sessionize(_log(), gap=1800)["session"].nunique() == 20
        assert sessionize(_log((2, 10)), gap=30)["session"].nunique() == 20
        assert sessionize(_log(), gap=pd.Timedelta(seconds=30))["session"].nunique() == 120


# D35-14: FrameEncoder given frames channels last, or grey frames without a channel axis
def test_D35_14_frame_encoder_names_the_permute_or_the_channel_axis():
    from rnnkit.data.video import FrameEncoder
    rgb = FrameEncoder(8, in_channels=3)
    x = torch.rand(2, 5, 16, 16, 3)
    with pytest.raises(ValueError, match=r"channels last \(\.\.\., H, W, 3\).*frames\.permute\(0, 1, 4, 2, 3\) \("):
        rgb(x)
    assert rgb(x.permute(0, 1, 4, 2, 3)).shape == (2, 5, 8)
    with pytest.raises(ValueError, match=r"permute\(0, 3, 1, 2\), and an encoder of in_channels=3"):
        FrameEncoder(8)(torch.rand(5, 16, 16, 3))
    with pytest.raises(ValueError, match=r"grey frames without their channel axis.*unsqueeze\(-3\), and an encoder of "
                                         r"in_channels=1"):
        rgb(torch.rand(2, 5, 16, 16))
    grey = FrameEncoder(8, in_channels=1)
    with pytest.raises(ValueError, match=r"unsqueeze\(-3\) \("):
        grey(torch.rand(2, 5, 16, 16))
    assert grey(torch.rand(2, 5, 16, 16).unsqueeze(-3)).shape == (2, 5, 8)
    with pytest.raises(ValueError, match="build it with in_channels=C"):
        grey(torch.rand(2, 5, 2, 16, 16))


# D35-15: one_hot_encode of a pad_collate'd batch of DNA ids (padding id 0 is A's)
def _padded_dna():
    from rnnkit.data.bio import BioSequenceDataset
    from rnnkit.data.collate import pad_collate
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), n)) + "C" for n in (49, 19, 34)]
    ds = BioSequenceDataset(seqs, [0, 1, 0], encoding="ids")
    return pad_collate([ds[i] for i in range(3)])


def test_D35_15_padded_ids_are_warned_of_and_lengths_give_zero_rows():
    from rnnkit.data.bio import one_hot_encode, reverse_complement_one_hot
    batch = _padded_dna()
    with pytest.warns(UserWarning, match=r"2 of the batch's 3 rows .* end in runs of id 0 \(A's id\) of 15 to 30 "
                                         r"steps.*lengths=batch\.lengths"):
        x = one_hot_encode(batch.x)
    assert x[1, 25].tolist() == [1, 0, 0, 0]  # read as before: the padding as A
    x = one_hot_encode(batch.x, lengths=batch.lengths)
    assert x[1, 20:].abs().sum() == 0 and x[1, 19].tolist() == [0, 1, 0, 0] and x[0].sum() == 50
    with pytest.raises(ValueError, match="all-zero row at step 20"):  # padding now told as such
        reverse_complement_one_hot(x)
    with pytest.raises(ValueError, match=r"lengths must be \(B,\) integers in \[0, L\]"):
        one_hot_encode(batch.x, lengths=[60, 20, 35])


def test_D35_15_equal_length_batches_say_nothing():
    from rnnkit.data.bio import encode_sequence, one_hot_encode
    rng = np.random.default_rng(1)
    ids = torch.stack([encode_sequence("".join(rng.choice(list("ACGT"), 200))) for _ in range(64)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert one_hot_encode(ids).shape == (64, 200, 4)
