"""Round 32, third pass on the data loaders: features of a wave made float without scaling (D32-13), a text's own
<unk> markers (D32-14), DNA batches of mixed lengths (D32-15, D32-16), a
saved Vocab of tuple tokens (D32-17)."""

import numpy as np
import pytest
import torch

from rnnkit.data.audio import MFCC, LogMel
from rnnkit.data.bio import BioSequenceDataset, encode_sequence, one_hot_encode, reverse_complement_ids
from rnnkit.data.collate import pad_collate
from rnnkit.data.text import Vocab


def _tone(n=8000, rate=16000, amp=0.3):
    t = np.arange(n) / rate
    return amp * np.sin(2 * np.pi * 440 * t)


def test_D32_13_logmel_refuses_integer_pcm_made_float_and_its_fix_gives_the_float_clips_features():
    x = _tone()
    pcm = np.round(x * 32767).astype(np.int16)  # as scipy.io.wavfile.read gives a 16-bit clip
    lm = LogMel(16000)
    as_float = torch.tensor(pcm, dtype=torch.float32)  # the cast a user writes, no / 32768
    with pytest.raises(ValueError, match=r"up to 9830 \(at sample \d+\), far beyond \[-1, 1\].*x / 32768 for int16"):
        lm(as_float)
    with pytest.raises(ValueError, match=r"of clip 1\).*20\.8 too high"):  # a batch names its clip
        MFCC(16000)(torch.stack([torch.tensor(x, dtype=torch.float32), as_float]))
    u8 = torch.tensor(np.round(x * 127 + 128), dtype=torch.float32)  # 8-bit WAV's unsigned bytes made float
    with pytest.raises(ValueError, match=r"\(x - 128\) / 128"):
        lm(u8)
    # the advice followed: the int16 clip's features are the float clip's (within its quantisation)
    want, got = lm(torch.tensor(x, dtype=torch.float32)), lm(as_float / 32768)
    loud = want > -5  # bands holding the tone, far above int16's quantisation noise
    assert loud.sum() > 100 and float((got - want)[loud].abs().max()) < 0.05
    # waves in [-1, 1] a little over full scale, and a test's randn wave, are read as before
    torch.manual_seed(0)
    assert lm(torch.randn(2, 8000) * 3).shape == (2, 51, 40)
    assert torch.isfinite(lm(torch.tensor(x * 1.9, dtype=torch.float32))).all()


def test_D32_14_a_word_vocabulary_reads_a_texts_own_unk_markers_as_unk():
    # WikiText-2 / Penn Treebank lines: the data set's rare words already replaced by <unk>
    train = [" = Valkyria Chronicles III = ", " Senjō no Valkyria 3 : <unk> Chronicles ( Japanese : <unk> ) is a game ",
             " the <unk> <unk> of the game"]
    v = Vocab.build(train, level="word")
    assert "<" not in v and "unk" not in v and ">" not in v
    ids = v.encode(" the <unk> of zebras ")  # the test split: its own <unk> and a word never seen, both <unk>
    assert ids.tolist() == [v.stoi["the"], v.unk_id, v.stoi["of"], v.unk_id]
    assert v.decode_text(ids) == "the <unk> of <unk>"
    assert v.tokenize("a <eos> b<unk>") == ["a", "<eos>", "b", "<unk>"]
    assert Vocab.build(["x < y > z"], level="word").encode("< y >").tolist()[0] != 1  # lone brackets stay words


def test_D32_15_reverse_complement_ids_of_a_padded_batch_keeps_the_padding_at_the_end():
    seqs = ["ACGTA", "GG", "ACN"]
    ds = BioSequenceDataset(seqs, [0, 1, 0], encoding="ids")
    batch = pad_collate([ds[i] for i in range(3)])  # padded with id 0, A's own id
    with pytest.raises(ValueError, match=r"needs lengths=batch.lengths .*as T's"):
        reverse_complement_ids(batch.x)
    rc = reverse_complement_ids(batch.x, lengths=batch.lengths)
    for b, s in enumerate(seqs):  # each row the reverse complement of its own sequence, the padding left as it was
        n = len(s)
        assert rc[b, :n].tolist() == reverse_complement_ids(encode_sequence(s)).tolist()
        assert rc[b, n:].tolist() == batch.x[b, n:].tolist()
    assert rc[1].tolist() == [1, 1, 0, 0, 0]  # GG -> CC, not the flip's T T T C C


def test_D32_16_one_hot_of_a_list_of_sequences_of_mixed_lengths_is_named():
    ids = [encode_sequence("ACGTN"), encode_sequence("GG")]
    with pytest.raises(ValueError, match=r"2 sequences of different lengths \(\[5, 2\]\).*pad_collate"):
        one_hot_encode(ids)
    assert one_hot_encode([ids[1], ids[1]]).shape == (2, 2, 4)


def test_D32_17_a_vocab_of_tuple_tokens_loads_with_its_ids(tmp_path):
    # (event, status) pairs as tokens: JSON writes the tuples as lists, which load read as unhashable tokens
    corpus = [[("login", "ok"), ("pay", "fail")], [("login", "ok"), ("logout",)]]
    v = Vocab.build(corpus, level="token")
    v.save(tmp_path / "vocab.json")
    w = Vocab.load(tmp_path / "vocab.json")
    assert w.itos == v.itos
    assert w.encode([("logout",), ("pay", "fail"), ("pay", "ok")]).tolist() == v.encode(
        [("logout",), ("pay", "fail"), ("pay", "ok")]).tolist() == [5, 6, 1]
