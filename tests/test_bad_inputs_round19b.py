"""Nineteenth round (19b): the training layer used directly, as a PyTorch / Lightning user would: their own
DataLoaders of tuples and dicts, time-first and packed batches, a SequenceDataset of lists, arrays and lengths out
of range, a SequenceDataModule given strings, a checkpoint of another model or none of Lightning's, device names of
torch and Lightning, Trainer arguments that rnnkit sets itself, a log_dir under a file or not writable, early
stopping without validation data, class ids as a column, write_ragged given labels of another count, and a run
resumed after a crash mid-epoch on JapaneseVowels stored as a memory-mapped ragged store and read in length buckets.

One test per case of the catalogue (ids T19-01, T19-02, ...); each fails on the commit before its fix.
"""

import numpy as np
import pytest
import torch
from helpers import one_line
from torch.utils.data import DataLoader, TensorDataset

from rnnkit.data import BucketBatchSampler, pad_collate
from rnnkit.models import SequenceToLabel
from rnnkit.training import (
    SequenceDataModule,
    SequenceDataset,
    SequenceModule,
    make_trainer,
    resolve_device,
    seeded_fit,
)

pytest.importorskip("lightning")


def data(n: int = 12, T: int = 5, F: int = 3):
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, T, F, generator=g), torch.randint(0, 2, (n,), generator=g)


def build():
    return SequenceModule(SequenceToLabel(3, 4, 2))


def fit(train, **kw):
    kw.setdefault("max_epochs", 1)
    return seeded_fit(build, train, seed=0, device="cpu", **kw)


def test_t19_01_a_user_s_own_loader_of_pairs_and_dicts_trains_and_others_are_refused_with_how():
    X, y = data()
    pairs = fit(DataLoader(TensorDataset(X, y), batch_size=4)).module.history["train_loss"]
    dicts = fit(DataLoader([{"x": X[i], "y": y[i]} for i in range(12)], batch_size=4)).module.history["train_loss"]
    batches = fit(DataLoader([(X[i], y[i]) for i in range(12)], batch_size=4, collate_fn=pad_collate))
    assert pairs == pytest.approx(batches.module.history["train_loss"])  # the same batches, the same losses
    assert dicts == pytest.approx(pairs)
    with pytest.raises(ValueError) as e:
        fit(DataLoader([{"input": X[i], "label": y[i]} for i in range(12)], batch_size=4))
    assert "a dict with the keys ['input', 'label']" in one_line(e) and "Batch(x, lengths, y)" in one_line(e)
    with pytest.raises(ValueError) as e:  # (x, lengths, y) or (x, y, lengths): no type tells
        fit(DataLoader(TensorDataset(X, torch.full((12,), 5), y), batch_size=4))
    assert "a list of 3 items (Tensor, Tensor, Tensor)" in one_line(e)

    def packed(items):
        x = torch.nn.utils.rnn.pack_padded_sequence(torch.stack([i[0] for i in items]), [5] * len(items),
                                                    batch_first=True)
        return x, torch.stack([i[1] for i in items])

    with pytest.raises(ValueError) as e:
        fit(DataLoader(TensorDataset(X, y), batch_size=4, collate_fn=packed))
    assert "has a PackedSequence x" in one_line(e) and "pad_packed_sequence(x, batch_first=True)" in one_line(e)


def test_t19_02_a_time_first_batch_is_named_as_such():
    X, y = data()

    def time_first(items):
        return torch.stack([i[0] for i in items], 1), torch.stack([i[1] for i in items])  # (T, B, F)

    with pytest.raises(ValueError) as e:
        fit(DataLoader(TensorDataset(X, y), batch_size=4, collate_fn=time_first))
    assert "x (5, 4, 3) looks time-first (T, B, ...)" in one_line(e) and "x.transpose(0, 1)" in one_line(e)
    with pytest.raises(ValueError) as e:
        SequenceDataset(X.transpose(0, 1), torch.full((12,), 5), y)
    assert "x (5, 12, 3) looks time-first" in one_line(e)


def test_t19_03_a_sequence_dataset_in_a_default_collate_loader_is_refused_before_the_first_batch():
    X, y = data()
    ds = SequenceDataset(X, torch.full((12,), 5), y)
    with pytest.raises(ValueError) as e:
        fit(DataLoader(ds, batch_size=4))
    assert "reads a SequenceDataset, whose items are indices, with torch's default collate_fn" in one_line(e)
    assert "collate_fn=dataset.batch" in one_line(e)
    assert fit(DataLoader(ds, batch_size=4, collate_fn=ds.batch)).module.history["train_loss"]


def test_t19_04_sequence_dataset_reads_lists_and_arrays_and_refuses_lengths_out_of_range():
    X, y = data()
    lengths = torch.tensor([5, 3, 4, 1, 2, 5, 5, 3, 2, 4, 1, 5])
    seqs = [X[i, : lengths[i]] for i in range(12)]
    ref = SequenceDataset(torch.where(torch.arange(5)[None, :, None] < lengths[:, None, None], X, 0), lengths, y)
    for ds in (SequenceDataset(seqs, None, y), SequenceDataset(seqs, lengths.tolist(), y.numpy()),
               SequenceDataset(ref.x.numpy(), lengths.numpy(), y.tolist())):
        a, b = ds.batch([1, 3, 0]), ref.batch([1, 3, 0])
        assert torch.equal(a.x, b.x) and torch.equal(a.lengths, b.lengths) and torch.equal(a.y, b.y)
    assert torch.equal(SequenceDataset(X, None, y).lengths, torch.full((12,), 5))
    with pytest.raises(ValueError) as e:  # before: trained, each sequence cut to 5 steps without a word
        fit(DataLoader(ds := SequenceDataset(X, lengths + 3, y), batch_size=4, collate_fn=ds.batch))
    assert one_line(e) == ("SequenceDataset: sequence 0 has length 8, but x has T=5 steps; each length must be in "
                           "[1, 5] (its valid steps, padding after them): check that x holds all the steps (x[0] has "
                           "5) and lengths")
    with pytest.raises(ValueError, match=r"sequence 3 has length 0; .*drop empty sequences"):
        SequenceDataset(X, lengths - 1, y)
    with pytest.raises(ValueError, match=r"lengths must have shape \(N,\).*got \(12, 1\); pass lengths.ravel\(\)"):
        SequenceDataset(X, lengths[:, None], y)
    with pytest.raises(ValueError, match=r"differ from theirs at sequence 1; pass lengths=None"):
        SequenceDataset(seqs, torch.full((12,), 5), y)


def test_t19_05_sequence_data_module_refuses_strings_floats_and_tuples_it_would_misread():
    X, y = data()
    ds = SequenceDataset(X, None, y)
    with pytest.raises(ValueError, match="shuffle must be True or False, got 'False'"):  # before: shuffled
        SequenceDataModule(ds, batch_size=4, shuffle="False")
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got '4'"):
        SequenceDataModule(ds, batch_size="4")
    with pytest.raises(ValueError, match="seed must be an integer, got 1.5"):
        SequenceDataModule(ds, batch_size=4, seed=1.5)
    with pytest.raises(ValueError, match=r"val must be a SequenceDataset, got a tuple; wrap its tensors"):
        SequenceDataModule(ds, (X, None, y), batch_size=4)


def test_t19_06_a_checkpoint_of_another_model_or_of_no_lightning_run_is_named(tmp_path):
    X, y = data()
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    fit(loader, log_dir=tmp_path)
    last = tmp_path / "checkpoints" / "last.ckpt"
    with pytest.raises(ValueError) as e:  # before: Lightning's size mismatch, a line per tensor
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 6, 2)), loader, seed=0, device="cpu", max_epochs=2,
                   ckpt_path=last)
    assert "is the checkpoint of another model: model.encoder.layers.0.cell.weight_ih has shape (16, 3) there and " \
           "(24, 3) in the module built" in one_line(e)
    other = tmp_path / "weights.pt"
    torch.save(SequenceToLabel(3, 4, 2).state_dict(), other)
    with pytest.raises(ValueError) as e:  # before: KeyError: 'pytorch-lightning_version'
        fit(loader, ckpt_path=other)
    assert "is no Lightning checkpoint" in one_line(e) and "model.load_state_dict(torch.load(" in one_line(e)
    fit(loader, log_dir=tmp_path, ckpt_path=last, max_epochs=2)
    with pytest.raises(ValueError) as e:  # before: trained nothing, a model of 2 epochs for max_epochs=1
        fit(loader, ckpt_path=last, max_epochs=1)
    assert "has finished 2 epochs, more than max_epochs=1" in one_line(e)


def test_t19_07_device_names_of_torch_and_lightning_say_which_rnnkit_takes():
    assert resolve_device(torch.device("cpu")) == "cpu"
    for name, fix in [("gpu", "'gpu' is Lightning's accelerator name: pass device='cuda'"),
                      ("cuda:0", "rnnkit takes no device index: pass device='cuda', with CUDA_VISIBLE_DEVICES=0"),
                      ("CPU", "pass device='cpu'"), ("mps", "not on 'mps': pass device='cpu'")]:
        with pytest.raises(ValueError) as e:
            resolve_device(name)
        assert fix in one_line(e)


def test_t19_08_trainer_arguments_rnnkit_sets_itself_and_a_log_dir_under_a_file(tmp_path):
    X, y = data()
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    with pytest.raises(ValueError, match=r"devices=2 is set through scale=ScaleOut\(devices=...\)"):  # a TypeError
        fit(loader, devices=2)
    with pytest.raises(ValueError, match=r"accelerator='gpu' is set through device="):  # Lightning's GPU error
        fit(loader, accelerator="gpu")
    with pytest.raises(ValueError, match=r"make_trainer: accelerator='cpu' is set through device="):
        make_trainer(accelerator="cpu")
    with pytest.raises(ValueError, match=r"val is 2 DataLoaders; .*ConcatDataset"):
        fit(loader, val=[loader, loader])
    file = tmp_path / "notes.txt"
    file.write_text("x")
    with pytest.raises(ValueError) as e:  # before: NotADirectoryError at the first log line
        make_trainer(log_dir=file / "run")
    assert "lies under" in one_line(e) and "which is a file" in one_line(e)


def test_t19_09_a_run_in_length_buckets_resumed_after_a_crash_mid_epoch_reads_the_same_batches(tmp_path):
    from lightning.pytorch.callbacks import Callback

    from rnnkit.data.memmap import RaggedStore, write_ragged

    pytest.importorskip("sktime")
    from rnnkit.data.datasets import load_japanese_vowels

    X, y = load_japanese_vowels("train")
    write_ragged(tmp_path / "store", X[:48], y[:48].astype(np.int64) - 1)
    store = RaggedStore(tmp_path / "store")

    def loader():
        return DataLoader(store, batch_sampler=BucketBatchSampler(store.lengths, 8, bucket_size=16),
                          collate_fn=pad_collate)

    class Seen(Callback):
        def __init__(self, crash=False):
            self.crash, self.batches = crash, []

        def on_train_batch_start(self, trainer, module, batch, i):
            if self.crash and trainer.current_epoch == 1 and i == 2:
                raise RuntimeError("killed")
            self.batches.append((trainer.current_epoch, batch.lengths.tolist()))

    def run(log_dir=None, **kw):
        seen = Seen(kw.pop("crash", False))
        fitted = seeded_fit(lambda: SequenceModule(SequenceToLabel(12, 6, 9)), loader(), seed=0, device="cpu",
                            max_epochs=2, log_dir=log_dir, callbacks=[seen], **kw)
        return fitted.module, seen.batches

    full, seen = run()
    with pytest.raises(RuntimeError, match="killed"):
        run(tmp_path / "run", crash=True)
    resumed, again = run(tmp_path / "run", ckpt_path=tmp_path / "run" / "checkpoints" / "last.ckpt")
    assert again == [b for b in seen if b[0] == 1]  # before: epoch 0's batches again
    for k, v in full.state_dict().items():
        assert torch.equal(v, resumed.state_dict()[k]), k


def test_t19_10_early_stopping_without_validation_data_and_an_empty_validation_loader_are_refused_before_training():
    X, y = data()
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    with pytest.raises(ValueError) as e:  # before: Lightning's RuntimeError after a whole epoch
        fit(loader, early_stopping_patience=1)
    assert "early_stopping_patience=1 stops when val_loss has not improved, but no validation data is given; pass " \
           "val=DataLoader(...)" in one_line(e)
    with pytest.raises(ValueError, match="early_stopping_patience=2 stops"):
        fit(SequenceDataModule(SequenceDataset(X, None, y), batch_size=4), early_stopping_patience=2)
    with pytest.raises(ValueError, match="the validation DataLoader yields no batches"):  # before: never validated
        fit(loader, val=DataLoader(TensorDataset(X[:0], y[:0]), batch_size=4))
    assert len(fit(loader, val=loader, early_stopping_patience=1, max_epochs=2).module.history["val_loss"]) == 2


def test_t19_11_a_ragged_store_s_writer_names_labels_of_another_count_a_file_path_and_channels_first(tmp_path):
    from rnnkit.data.memmap import RaggedStore, write_ragged

    seqs = [np.arange(2 * n, dtype=np.float32).reshape(n, 2) for n in (3, 5, 2)]
    with pytest.raises(ValueError, match=r"^write_ragged: 3 sequences but 2 labels; give one label per sequence$"):
        write_ragged(tmp_path / "a", seqs, [0, 1])  # before: zip()'s "argument 2 is shorter than argument 1"
    with pytest.raises(ValueError, match=r"the labels end at item 2, before the sequences"):
        write_ragged(tmp_path / "a", iter(seqs), iter([0, 1]))
    assert not (tmp_path / "a" / "meta.json").exists()
    write_ragged(tmp_path / "a", seqs, [0, 1, 1])
    with pytest.raises(ValueError, match="3 sequences but 4 labels"):  # the store written before stays
        write_ragged(tmp_path / "a", seqs, [0, 1, 1, 0])
    assert [len(x) for x, _ in RaggedStore(tmp_path / "a")] == [3, 5, 2]
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"notes.txt is a file; give the directory of the store"):  # FileExistsError
        write_ragged(tmp_path / "notes.txt", seqs)
    with pytest.raises(ValueError, match=r"lies under .*notes.txt, which is a file"):  # NotADirectoryError
        write_ragged(tmp_path / "notes.txt" / "store", seqs)
    with pytest.raises(ValueError) as e:  # (C, T) arrays, as sktime's numpy3D rows
        write_ragged(tmp_path / "b", [s.T for s in seqs])
    assert one_line(e) == ("sequence 1 has per-step shape (5,) but the store holds (3,); sequences 0 and 1 both have 2 "
                           "rows: are they (features, time), time on the last axis as sktime's and aeon's? store each "
                           "as seq.T (time first)")


def test_t19_12_class_ids_as_a_column_say_to_drop_the_last_axis():
    X, y = data()
    for loader in (DataLoader(TensorDataset(X, y[:, None]), batch_size=4),
                   DataLoader([(X[i], y[i : i + 1]) for i in range(12)], batch_size=4, collate_fn=pad_collate)):
        with pytest.raises(ValueError) as e:
            fit(loader)
        assert one_line(e) == ("SequenceModule: classification needs one integer class id per sequence, got targets of "
                               "shape (4, 1) and dtype torch.int64; a column of ids (a label of shape (1,) per item)? "
                               "give each label without its last axis (y.squeeze(-1))")


def test_t19_13_a_log_dir_that_cannot_be_written_is_refused_before_training(tmp_path):
    import os

    if os.geteuid() == 0:  # root writes into any directory: take one no process may create
        log_dir = "/sys/rnnkit_logs"
        if not os.path.isdir("/sys"):
            pytest.skip("no /sys")
    else:
        (tmp_path / "locked").mkdir(mode=0o500)
        log_dir = tmp_path / "locked" / "run"
    X, y = data()
    with pytest.raises(ValueError) as e:  # before: PermissionError from inside Lightning
        fit(DataLoader(TensorDataset(X, y), batch_size=4), log_dir=log_dir)
    assert one_line(e).startswith(f"make_trainer: log_dir {os.fspath(log_dir)!r} cannot be written (")
    assert one_line(e).endswith("give a directory this process can write, for the logs and checkpoints, or "
                                "log_dir=None")
