"""Round 39, the loaders (rnnkit/data): bad inputs as a new user brings them; each test fails on c89471b."""
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import Dataset, Subset

from rnnkit.data import BucketBatchSampler, RaggedStore, RaggedWriter, Vocab, pad_collate, write_ragged
from rnnkit.data.memmap import write_directory_atomically


def test_D39_01_a_store_or_directory_path_that_is_a_fifo_or_a_device_is_named_as_it_is(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, kind in ((fifo, r"a FIFO \(a named pipe\)"), (Path("/dev/null"), "a device")):
        # before: "pipe exists and is not a model directory; refusing to overwrite it (choose a new path)"
        with pytest.raises(ValueError, match=rf"^{path} is {kind}, not a model directory \(a directory\); refusing "
                                             r"to replace it: choose a new path$"):
            write_directory_atomically(path, {"a": b"x"}, replaceable=lambda p: False, what="a model directory")
        # before: "RaggedWriter: .../pipe is a file; ..." and ".../pipe: a file; expected the directory ..."
        with pytest.raises(ValueError, match=rf"^RaggedWriter: {path} is {kind}; give the directory of the store"):
            RaggedWriter(path)
        with pytest.raises(ValueError, match=rf"^RaggedWriter: {path} is {kind}; give the directory of the store"):
            write_ragged(path, [np.zeros((2, 1), np.float32)])
        with pytest.raises(ValueError, match=rf"^{path}: {kind}; expected the directory of a ragged store"):
            RaggedStore(path)
    with pytest.raises(ValueError, match=r"/dev/null/store lies under /dev/null, which is a device; give the "):
        RaggedWriter("/dev/null/store")
    lone = tmp_path / "notes.txt"
    lone.write_text("x")
    with pytest.raises(ValueError, match=r"notes.txt is a file; give the directory of the store"):  # as before
        RaggedWriter(lone)
    assert fifo.is_fifo() and lone.read_text() == "x"


def test_D39_02_eeg_of_64_channels_time_last_is_warned_of():
    rng = np.random.default_rng(0)
    eeg = [(torch.tensor(np.cumsum(rng.normal(size=(64, 600)), 1), dtype=torch.float32), 0) for _ in range(4)]
    # before: collated as 64 steps of 600 features, without a word
    with pytest.warns(UserWarning, match=r"all of shape \(64, 600\), read as 64 time step\(s\) of 600 features .* "
                                         r"run smoothly along their last axis .* give each as seq\.T"):
        pad_collate(eeg)
    with warnings.catch_warnings():  # time first, as given: (600, 64) says nothing; nor 20 steps of noise's 200 bins
        warnings.simplefilter("error")
        pad_collate([(x.T.contiguous(), y) for x, y in eeg])
        pad_collate([(torch.randn(20, 200), 0) for _ in range(4)])
        pad_collate([(torch.tensor(np.cumsum(rng.normal(size=(64, 300)), 1), dtype=torch.float32), 0)
                     for _ in range(4)])  # fewer than 8 samples per channel: no shape to go by
        walks = np.cumsum(rng.normal(size=(64, 600, 20)), 1)  # 64 items of 600 steps of 20 features, time first
        assert pad_collate([(torch.tensor(w, dtype=torch.float32), 0) for w in walks])[0].shape == (64, 600, 20)
        pad_collate([(torch.randn(40, 513).abs(), 0) for _ in range(4)])  # 40 frames of noise's 513 bins
        noise = torch.randn(160, 1, 34, 34, generator=torch.Generator().manual_seed(0))
        smooth = torch.nn.functional.avg_pool2d(noise, 7, stride=1)  # 160 smooth images of 28 x 28
        pad_collate([(seq.reshape(20, 784), 0) for seq in smooth.reshape(8, 20, 784)])  # 20 of them, row by row
    t = np.arange(1000) / 250  # and EEG of a 10 Hz rhythm, each channel's own phase, is still warned of
    alpha = [np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6.3, (64, 1))) + np.cumsum(rng.normal(size=(64, 1000)), 1) / 20
             for _ in range(4)]
    with pytest.warns(UserWarning, match=r"all of shape \(64, 1000\).* run smoothly along their last axis"):
        pad_collate([(torch.tensor(x, dtype=torch.float32), 0) for x in alpha])


class _Lengths(Dataset):
    def __init__(self):
        self.lengths = np.arange(1, 11)

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return torch.zeros(int(self.lengths[i]), 1), 0


def test_D39_03_a_split_given_to_the_bucket_sampler_names_its_own_lengths():
    whole = _Lengths()
    split = Subset(whole, [0, 2, 4, 6, 8, 9])
    # before: numpy's "setting an array element with a sequence. The requested array has an inhomogeneous shape ..."
    with pytest.raises(ValueError, match=r"^BucketBatchSampler: lengths must be the items' lengths, got a Subset of a "
                                         r"_Lengths; pass one length per item: np\.asarray\(split\.dataset\.lengths\)"
                                         r"\[split\.indices\], the split's own"):
        BucketBatchSampler(split, 2)
    sampler = BucketBatchSampler(np.asarray(split.dataset.lengths)[split.indices], 2)  # the fix, followed
    assert sorted(i for batch in sampler for i in batch) == list(range(6))
    with pytest.raises(ValueError, match=r"got a TensorDataset; pass one length per item: \[len\(x\) for x, _ in "):
        BucketBatchSampler(torch.utils.data.TensorDataset(torch.zeros(4, 3)), 2)


def test_D39_04_a_missing_text_from_pandas_is_named_as_missing_with_the_fix():
    column = pd.Series(["a good film", np.nan, "a bad one"])
    # before: "text 1 of the corpus: a text must be a string or a sequence of tokens, got float" alone
    with pytest.raises(ValueError, match=r"^text 1 of the corpus: a text must be a string or a sequence of tokens, got "
                                         r"float \(nan: a missing value, an empty cell as pandas reads one\); drop or "
                                         r"fill missing texts: df\.dropna\(subset=\[column\]\) drops those rows"):
        Vocab.build(column, level="word")
    with pytest.raises(ValueError, match=r"got NAType \(<NA>: a missing value"):
        Vocab.build(column.astype("string"), level="word")
    assert "film" in Vocab.build(column.dropna(), level="word").stoi  # the fix, followed


def test_D39_05_a_hugging_face_tokenizer_json_to_vocab_load_is_named_with_the_fix(tmp_path):
    import json

    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps({"version": "1.0", "model": {"type": "WordPiece", "unk_token": "[UNK]",
                                                            "vocab": {"[PAD]": 0, "[UNK]": 1, "the": 2, "##ing": 3}}}))
    # before: "tokenizer.json is not an rnnkit vocabulary (no 'format': 'rnnkit.vocab'); write it with Vocab.save" alone
    with pytest.raises(ValueError, match=r"it is a Hugging Face tokenizer\.json \(a WordPiece model of 4 tokens\): "
                                         r"pieces of words .*; build a Vocab from the training texts "
                                         r"\(Vocab\.build\(texts\)\), or encode them with that tokenizer"):
        Vocab.load(path)


def test_D39_06_missing_labels_from_a_pandas_column_are_named_as_missing_with_the_fix():
    from rnnkit.data import BioSequenceDataset, TextClassificationDataset

    vocab = Vocab.build(["a good film", "a bad film"], level="word")
    labels = pd.Series([1.0, np.nan, 0.0])  # a label column with an empty cell reads as float with NaN
    # before: "labels must hold whole numbers; at position 1 it is nan" alone
    fix = (r"at position 1 it is nan \(1 of the 3 are NaN: missing labels, the empty cells of a column as pandas "
           r"reads them\); drop those items \(df\.dropna\(subset=\[column\]\)\) or give them their class")
    with pytest.raises(ValueError, match=fix):
        TextClassificationDataset(["a good film", "a film", "a bad film"], labels, vocab)
    with pytest.raises(ValueError, match=fix):
        BioSequenceDataset(["ACGT", "GGCC", "ACG"], labels)
    with pytest.raises(ValueError, match=r"at position 1 it is 0\.5$"):  # not whole, not missing: as before
        BioSequenceDataset(["ACGT", "GGCC", "ACG"], [1.0, 0.5, 0.0])


def test_D39_07_a_store_path_off_by_a_case_or_a_space_names_the_store_meant(tmp_path):
    write_ragged(tmp_path / "store", [np.zeros((2, 1), np.float32)])
    for given, why in (("Store", "the letter case"), ("store ", "spaces around the name")):
        # before: ".../Store: no such directory; expected the directory of a ragged store (...)" alone
        with pytest.raises(ValueError, match=rf"{given}: no such directory; expected the directory of a ragged store "
                                             rf"\(written by RaggedWriter or write_ragged\) \('.*store' exists, the "
                                             rf"same name but for {why}: give that path\)$"):
            RaggedStore(tmp_path / given)
    with pytest.raises(ValueError, match=r"nowhere: no such directory; expected the directory of a ragged store "
                                         r"\(written by RaggedWriter or write_ragged\)$"):  # no near miss: as before
        RaggedStore(tmp_path / "nowhere")
