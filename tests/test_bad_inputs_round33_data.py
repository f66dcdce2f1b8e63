"""Thirty-third round of bad inputs, the data loaders (rows D33-NN of docs/bad_inputs.md)."""

import numpy as np
import pytest
import torch
from torch.utils.data import DistributedSampler

from rnnkit.data import BucketBatchSampler, LogMel, TextClassificationDataset, Vocab, pad_collate
from rnnkit.data.audio import mix_at_snr


def test_D33_01_logmel_refuses_a_quiet_int16_clip_made_float_without_scaling():
    t = np.arange(16000) / 16000
    pcm = np.round(0.0015 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)  # -56 dBFS: peak 49
    wave = torch.tensor(pcm, dtype=torch.float32)  # scipy.io.wavfile.read's samples, made float as they are
    logmel = LogMel(16000)
    with pytest.raises(ValueError, match=r"every sample is a whole number, up to 49: integer PCM.*x / 32768"):
        logmel(wave)
    with pytest.raises(ValueError, match=r"every sample of clip 1 is a whole number"):
        logmel(torch.stack([0.1 * torch.randn(16000), wave]))
    # scaled, it reads; float waves, overs, a square wave on [-1, 1] and silence read as before
    assert logmel(wave / 32768).shape == (101, 40)
    for ok in (3 * torch.randn(16000), torch.sign(torch.randn(16000)), torch.zeros(16000), 1.9 * torch.rand(16000)):
        assert torch.isfinite(logmel(ok)).all()


def test_D33_02_bucket_batch_sampler_splits_the_epoch_among_distributed_processes(monkeypatch):
    lengths = np.random.default_rng(0).integers(1, 100, 103)
    whole = BucketBatchSampler(lengths, 8, seed=1)
    shares = [BucketBatchSampler(lengths, 8, seed=1, padding_noise=0.1, num_replicas=2, rank=r) for r in (0, 1)]
    for s in shares:
        s.set_epoch(3)
    batches = [s.batches() for s in shares]
    assert [len(b) for b in batches] == [len(s) for s in shares] == [7, 7] and len(whole) == 13  # DDP's equal count
    items = [[i for b in bs for i in b] for bs in batches]
    assert len(items[0]) == len(items[1]) == 52  # ceil(103 / 2), the last one padded by an item of the epoch
    assert set(items[0]) | set(items[1]) == set(range(103)) and len(set(items[0]) & set(items[1])) == 1
    # a process group's world size and rank are the defaults, as DistributedSampler's
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    monkeypatch.setattr(torch.distributed, "get_world_size", lambda *a, **k: 4)
    monkeypatch.setattr(torch.distributed, "get_rank", lambda *a, **k: 3)
    s = BucketBatchSampler(lengths, 8)
    assert (s.num_replicas, s.rank, len(s)) == (4, 3, 4)
    with pytest.raises(ValueError, match=r"rank must be an integer in \[0, 2\)"):
        BucketBatchSampler(lengths, 8, num_replicas=2, rank=2)
    # Lightning under DDP re-creates a batch sampler with its DistributedSampler as the first argument
    with pytest.raises(ValueError, match=r"got a DistributedSampler .*use_distributed_sampler=False"):
        BucketBatchSampler(DistributedSampler(range(10), num_replicas=2, rank=0), batch_size=4, drop_last=False)


def test_D33_03_pad_collate_refuses_a_hugging_face_row_with_its_label_inside():
    rows = [{"input_ids": [101, 7, 8, 102], "label": 1}, {"input_ids": [101, 9, 102], "label": 0}]
    with pytest.raises(ValueError, match=r"item 0 .* dict whose 'label' is 1, one value, not a sequence.*pair's y"):
        pad_collate(rows)
    with pytest.raises(ValueError, match=r"dict whose 'text' is 'a fine film', text"):
        pad_collate([{"input_ids": [101, 7, 102], "text": "a fine film"}])
    batch = pad_collate([({"input_ids": r["input_ids"]}, r["label"]) for r in rows])  # the label as y
    assert batch.lengths.tolist() == [4, 3] and batch.y.tolist() == [1, 0]


def test_D33_04_pad_collate_refuses_rows_a_tokenizer_padded_already():
    rows = [{"input_ids": [101, 7, 8, 102], "attention_mask": [1, 1, 1, 1]},
            {"input_ids": [101, 9, 102, 0], "attention_mask": torch.tensor([1, 1, 1, 0])}]  # padding="max_length"
    with pytest.raises(ValueError, match=r"item 1 .* attention_mask with 1 zero\(s\).*\(length 4, not 3\).*"
                                         r"padding=False"):
        pad_collate(rows)
    unpadded = [{"input_ids": [101, 7, 8, 102], "attention_mask": [1, 1, 1, 1]},
                {"input_ids": [101, 9, 102], "attention_mask": [1, 1, 1]}]
    batch = pad_collate(unpadded)
    assert batch.lengths.tolist() == [4, 3] and batch.mask.tolist()[1] == [True, True, True, False]


def test_D33_05_a_vocabulary_of_words_refuses_token_ids_given_as_texts():
    vocab = Vocab.build(["a fine film", "a bad film"], level="word")
    input_ids = [[101, 7, 8, 102], [101, 9, 102]]  # a tokenizer's ids, or vocab.encode's output
    with pytest.raises(ValueError, match=r"text 0: the token list holds 101 at position 0 \(4 of its 4 tokens are "
                                         r"numbers\).*every number would encode to <unk>"):
        TextClassificationDataset(input_ids, [1, 0], vocab)
    with pytest.raises(ValueError, match=r"holds 4 at position 0"):
        vocab.encode(vocab.encode("a fine film"))
    # text, and numbers in a vocabulary of numbers, encode as before
    assert vocab.encode(["a", "fine", "film"]).tolist() == vocab.encode("a fine film").tolist()
    codes = Vocab.build([[5, 22, 5], [22, 9]], level="token")
    assert codes.encode([5, 9, 7]).tolist() == [codes.stoi[5], codes.stoi[9], codes.unk_id]


def test_D33_06_mix_at_snr_refuses_a_batch_of_clips():
    t = torch.arange(8000) / 8000
    tone = torch.sin(2 * torch.pi * 440 * t)
    signal = torch.stack([0.5 * tone, 0.05 * tone])  # a loud and a quiet clip
    noise = 0.1 * torch.randn(2, 8000, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"mixes one clip \(N,\), got the signal as shape \(2, 8000\).*mix each clip"):
        mix_at_snr(signal, noise, 10.0)  # one gain for both: 13.0 dB and -7.0 dB
    mixed = torch.stack([mix_at_snr(s, n, 10.0) for s, n in zip(signal, noise, strict=True)])
    snr = 10 * torch.log10(signal.pow(2).mean(1) / (mixed - signal).pow(2).mean(1))
    assert torch.allclose(snr, torch.tensor([10.0, 10.0]), atol=1e-3)


def test_D33_07_text_classification_refuses_texts_padded_already():
    vocab = Vocab.build(["a fine film", "a bad film"], level="word")
    with pytest.raises(ValueError, match=r"text 1 holds <pad> at position\(s\) \[0, 1\] of its 4 tokens: padded "
                                         r"already"):
        TextClassificationDataset([["a", "fine", "film"], ["<pad>", "<pad>", "bad", "film"]], [1, 0], vocab)
    with pytest.raises(ValueError, match=r"text 0 holds <pad> at position\(s\) \[2\]"):
        TextClassificationDataset(["a film <pad>"], [1], vocab)
    ds = TextClassificationDataset([["a", "fine", "film"], ["bad", "film"]], [1, 0], vocab)
    assert ds.lengths.tolist() == [3, 2]
