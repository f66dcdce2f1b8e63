"""Thirty-second round, second pass: the loaders inside torch's DataLoader as users run them (D32-08 … D32-10)."""

import os
import pickle
import shutil

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from rnnkit.data import BioSequenceDataset, BucketBatchSampler, RaggedStore, write_ragged


def _strands(dataset, **loader):
    """1 where an item came back reverse-complemented: 'CCCTTT' starts with C (id 1), its complement with A."""
    return [int(x[0] == 0) for x in DataLoader(dataset, batch_size=None, **loader)]


def test_D32_08_strand_augmentation_with_a_generator_differs_between_workers_and_epochs():
    ds = BioSequenceDataset(["CCCTTT"] * 16, encoding="ids", rc_prob=0.5, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    epochs = [_strands(ds, num_workers=2) for _ in range(3)]
    assert len({tuple(e) for e in epochs}) == 3  # each worker held a copy of the generator: one pattern every epoch
    assert all(e[0::2] != e[1::2] for e in epochs)  # the two workers (items 0, 2, ... and 1, 3, ...) drew alike
    assert 0 < sum(map(sum, epochs)) < 48
    torch.manual_seed(0)
    assert [_strands(ds, num_workers=2) for _ in range(3)] == epochs  # reproducible from torch's seed
    assert _strands(ds) != _strands(ds)  # without workers the generator itself advances, as before


def test_D32_09_a_ragged_store_written_again_or_moved_after_opening_is_refused_in_a_new_process(tmp_path):
    d = tmp_path / "s"
    write_ragged(d, [np.arange(3.0), np.arange(5.0)], [0, 1])
    store = RaggedStore(d)
    assert pickle.loads(pickle.dumps(store))[1][0].tolist() == [0.0, 1, 2, 3, 4]  # unchanged: read as before
    write_ragged(d, [np.arange(10.0, 14), np.arange(20.0, 24)], [1, 0])
    assert store[0][0].tolist() == [0.0, 1, 2]  # this process keeps the map it opened
    with pytest.raises(ValueError, match=r"was written again since RaggedStore\(.*opened it .*items would be cut at "
                                         r"the old store's offsets.*open the store again"):
        pickle.loads(pickle.dumps(store))[0]  # a worker (spawn, forkserver) opening it again read 10, 11, 12
    store = RaggedStore(d)
    shutil.move(d, tmp_path / "t")
    with pytest.raises(ValueError, match=r"data.npy is gone: the store was moved or removed since .*open the store "
                                         r"again where it is now"):
        pickle.loads(pickle.dumps(store))[0]  # was FileNotFoundError naming data.npy
    assert os.path.isdir(tmp_path / "t") and len(RaggedStore(tmp_path / "t")) == 2


def test_D32_10_bucket_batches_of_neighbouring_seeds_are_not_the_same_an_epoch_apart():
    lengths = np.arange(1, 41)
    a, b = BucketBatchSampler(lengths, 4, bucket_size=8, seed=0), BucketBatchSampler(lengths, 4, bucket_size=8, seed=1)
    a_epochs, b_epochs = [list(a) for _ in range(3)], [list(b) for _ in range(3)]
    assert a_epochs[1] != b_epochs[0] and a_epochs[2] != b_epochs[1]  # seed + epoch: seed 1 read seed 0's next epoch
    assert a_epochs[0] != a_epochs[1]
    again = BucketBatchSampler(lengths, 4, bucket_size=8, seed=0)
    again.set_epoch(2)
    assert list(again) == a_epochs[2]


def test_D32_11_times_of_day_as_datetime_time_objects_get_advice_that_reads_them():
    import datetime as dt

    import pandas as pd

    from rnnkit.data import sessionize

    times = [dt.time(9, 0), dt.time(9, 0, 20), dt.time(9, 45), dt.time(9, 45, 30, 500000)]
    df = pd.DataFrame({"user": ["a"] * 4, "timestamp": times, "event": ["x", "y", "z", "x"]})
    with pytest.raises(ValueError, match=r"datetime.time objects, times of day without a date, which pd.to_datetime "
                                         r"does not read; .*df\['timestamp'\] = pd.to_timedelta\(df\['timestamp'\]"
                                         r"\.astype\(str\)\)"):
        sessionize(df)  # was: parse text with pd.to_datetime(df['timestamp']), which raises on them
    df["timestamp"] = pd.to_timedelta(df["timestamp"].astype(str))  # the advice, followed
    out = sessionize(df)
    assert out["session"].tolist() == [0, 0, 1, 1] and out["dt"].tolist() == [0.0, 20.0, 0.0, 30.5]


def test_D32_12_the_archive_loaders_take_sktimes_upper_case_split(monkeypatch):
    import types

    from rnnkit.data import datasets

    asked = []

    def load_gunpoint(split, return_type):
        asked.append(split)
        return np.zeros((2, 1, 3)), np.array(["1", "2"])

    monkeypatch.setattr(datasets, "_require", lambda *a: types.SimpleNamespace(load_gunpoint=load_gunpoint))
    assert datasets.load_gunpoint("TRAIN")[0].shape == (2, 3, 1)  # sktime's spelling; was refused
    assert datasets.load_gunpoint("Test")[0].shape == (2, 3, 1)
    assert asked == ["train", "test"]
    with pytest.raises(ValueError, match=r"load_gunpoint: split must be 'train' or 'test' .*got 'valid'"):
        datasets.load_gunpoint("valid")
