"""Vocabularies, LM streams for truncated BPTT, classification datasets: values and errors."""

import json
import os

import pytest
import torch
from torch.utils.data import DataLoader

from rnnkit.data.collate import pad_collate
from rnnkit.data.text import (
    SPECIALS,
    BPTTBatches,
    TextClassificationDataset,
    Vocab,
    batchify,
    read_text,
)


def test_char_vocab_ids_order_and_roundtrip():
    v = Vocab.build(["abca", "cab"], level="char")
    # specials first, then by count (a:3, b:2, c:2), ties alphabetical
    assert v.itos == [*SPECIALS, "a", "b", "c"]
    assert (v.pad_id, v.unk_id, v.bos_id, v.eos_id) == (0, 1, 2, 3)
    ids = v.encode("cab", bos=True, eos=True)
    assert ids.tolist() == [2, 6, 4, 5, 3] and ids.dtype == torch.int64
    assert v.decode_text(ids) == "cab"
    assert v.encode("abz").tolist() == [4, 5, 1]
    assert v.decode([4, 1, 0]) == ["a", "<unk>"]


def test_word_vocab_min_freq_max_size_lower():
    corpus = ["The cat sat.", "the cat ran!", "A dog sat"]
    v = Vocab.build(corpus, level="word", lower=True, min_freq=2)
    assert v.itos[4:] == ["cat", "sat", "the"]
    assert v.tokenize("The CAT, sat.") == ["the", "cat", ",", "sat", "."]
    assert v.encode("the dog").tolist() == [v.stoi["the"], v.unk_id]
    small = Vocab.build(corpus, level="word", lower=True, max_size=5)
    assert len(small) == 5 and small.itos[4] == "cat"
    with pytest.raises(ValueError, match="max_size"):
        Vocab.build(corpus, max_size=3)


def test_strict_encoding_names_unknown_tokens_and_positions():
    v = Vocab.build(["hello world"], level="word")
    with pytest.raises(ValueError) as e:
        v.encode("hello brave new world", strict=True)
    msg = str(e.value)
    assert "'brave' at position 1" in msg and "'new' at position 2" in msg and "strict=False" in msg
    assert v.encode("hello brave", strict=False).tolist() == [v.stoi["hello"], v.unk_id]


def test_vocab_json_save_load(tmp_path):
    v = Vocab.build(["ünïcode text"], level="char", lower=True)
    path = tmp_path / "vocab.json"
    v.save(path)
    assert os.listdir(tmp_path) == ["vocab.json"]  # no temporary file left behind
    d = json.loads(path.read_text(encoding="utf-8"))
    assert d["tokens"] == v.itos and d["level"] == "char" and d["lower"] is True
    w = Vocab.load(path)
    assert w.itos == v.itos and w.level == v.level and w.lower
    assert torch.equal(w.encode("TEXT"), v.encode("text"))
    (tmp_path / "empty.json").write_text("")
    with pytest.raises(ValueError, match="empty"):
        Vocab.load(tmp_path / "empty.json")
    (tmp_path / "other.json").write_text('{"a": 1}')
    with pytest.raises(ValueError, match="not an rnnkit vocabulary"):
        Vocab.load(tmp_path / "other.json")
    with pytest.raises(ValueError, match="must start with"):
        Vocab(["a", "b"])


def test_token_level_vocab_takes_lists():
    v = Vocab.build([["login", "view"], ["login", "logout"]], level="token")
    assert v.itos[4] == "login"
    assert v.encode(["view", "pay"]).tolist() == [v.stoi["view"], v.unk_id]
    with pytest.raises(ValueError, match="token lists"):
        v.encode("login view")


def test_batchify_rows_are_contiguous():
    rows = batchify(torch.arange(11), 3)
    assert rows.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    with pytest.raises(ValueError, match="at least 2"):
        batchify(torch.arange(5), 4)


def test_bptt_chunks_shift_targets_and_continue_across_chunks():
    stream = torch.arange(2 * 10)  # rows [0..9], [10..19]
    it = BPTTBatches(stream, 2, 4)
    chunks = list(it)
    assert len(it) == len(chunks) == 3  # 9 input steps per row: 4 + 4 + 1
    assert [x.shape[1] for x, _ in chunks] == [4, 4, 1]
    x0, y0 = chunks[0]
    assert x0.tolist() == [[0, 1, 2, 3], [10, 11, 12, 13]]
    assert y0.tolist() == [[1, 2, 3, 4], [11, 12, 13, 14]]
    assert chunks[1][0].tolist() == [[4, 5, 6, 7], [14, 15, 16, 17]]  # continues chunk 0 row by row
    xs = torch.cat([x for x, _ in chunks], dim=1)
    ys = torch.cat([y for _, y in chunks], dim=1)
    assert torch.equal(xs, it.rows[:, :-1]) and torch.equal(ys, it.rows[:, 1:])


def test_bptt_carried_state_equals_full_unroll():
    """Carrying the state across chunks reproduces one pass over the whole row (what tBPTT relies on)."""
    torch.manual_seed(0)
    emb, rnn = torch.nn.Embedding(30, 5), torch.nn.GRU(5, 7, batch_first=True)
    it = BPTTBatches(torch.randint(0, 30, (2 * 23,)), 2, 5)
    h, outs = None, []
    for x, _ in it:
        out, h = rnn(emb(x), h)
        h = h.detach()
        outs.append(out)
    full, _ = rnn(emb(it.rows[:, :-1]))
    assert torch.allclose(torch.cat(outs, dim=1), full, atol=1e-6)


def test_classification_dataset_through_loader():
    v = Vocab.build(["good movie", "bad film"], level="word")
    ds = TextClassificationDataset(["good movie good", "bad", "good film"], [1, 0, 1], v, bos=True)
    assert ds.lengths.tolist() == [4, 2, 3]
    batch = next(iter(DataLoader(ds, batch_size=3, collate_fn=pad_collate)))
    good, movie, bad, film = (v.stoi[w] for w in ("good", "movie", "bad", "film"))
    assert batch.x.tolist() == [[2, good, movie, good], [2, bad, 0, 0], [2, good, film, 0]]
    assert batch.y.tolist() == [1, 0, 1] and batch.lengths.tolist() == [4, 2, 3]
    short = TextClassificationDataset(["good movie good"], [1], v, max_len=2)
    assert short[0][0].tolist() == [good, movie]
    with pytest.raises(ValueError, match="text 1 is empty"):
        TextClassificationDataset(["good", " "], [0, 1], v)
    with pytest.raises(ValueError, match="one label per text"):
        TextClassificationDataset(["good"], [0, 1], v)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        TextClassificationDataset(["good plot"], [0], v, strict=True)


def test_read_text_rejects_empty_file(tmp_path):
    (tmp_path / "a.txt").write_text("In the beginning\n")
    assert read_text(tmp_path / "a.txt") == "In the beginning\n"
    (tmp_path / "b.txt").write_text("\n  \n")
    with pytest.raises(ValueError, match="empty"):
        read_text(tmp_path / "b.txt")
