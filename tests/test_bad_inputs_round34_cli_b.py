"""Thirty-fourth round, second pass: validation under DDP (each sequence once, its mean not floored), the command
line's truncated BPTT and ambiguous integer targets, and its predict/evaluate/export subcommands on other files."""

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import cli_error, run_cli
from lightning.pytorch.trainer.connectors.logger_connector.result import _ResultCollection

from rnnkit.models.sequence import SequenceToLabel
from rnnkit.training import SequenceDataModule, SequenceDataset, SequenceModule


def _val_loss(module, data, world):
    """val_loss as Lightning reduces it over ``world`` processes (simulated: each rank's loader and result
    collection, then gloo's mean of the sums and of the batch sizes, each in its own dtype)."""
    sums, sizes = [], []
    for rank in range(world):
        data.trainer = SimpleNamespace(world_size=world, global_rank=rank)
        results = _ResultCollection(training=False)
        module.log = lambda name, value, batch_size=None, **kw: results.log(
            "validation_step", name, value, on_step=False, on_epoch=True, batch_size=batch_size)
        with torch.no_grad():
            for i, batch in enumerate(data.val_dataloader()):
                module.validation_step(batch, i)
        metric = results["validation_step.val_loss"]
        sums.append(metric.value)
        sizes.append(metric.cumulated_batch_size)
    total, count = torch.stack(sums).sum(), torch.stack(sizes).sum()
    total, count = total.copy_(total / world), count.copy_(count / world)  # lightning's _sync_ddp on gloo
    return float(total / count)


def test_C34_06_ddp_validation_counts_each_sequence_once():
    x = torch.randn(5, 4, 3, generator=torch.Generator().manual_seed(0))
    ds = SequenceDataset(x, torch.tensor([4, 3, 2, 4, 1]), torch.tensor([0, 1, 0, 1, 1]))
    torch.manual_seed(1)
    module = SequenceModule(SequenceToLabel(3, 4, 2))
    for batching in ("random", "bucket"):
        data = SequenceDataModule(ds, ds, batch_size=2, shuffle=False, batching=batching)
        one = _val_loss(module, data, 1)
        # was: sequence 0 padded onto rank 1 counted twice, and the 5 sequences' count averaged to 2 (floored)
        assert abs(_val_loss(module, data, 2) - one) < 1e-6, batching
        assert abs(_val_loss(module, data, 3) - one) < 1e-6, batching
    small = SequenceDataModule(ds, SequenceDataset(x[:1], None, torch.tensor([0])), batch_size=2)
    small.trainer = SimpleNamespace(world_size=2, global_rank=1)
    with pytest.raises(ValueError, match=r"val holds 1 sequence\(s\) for 2 processes.*at least 2 sequences"):
        small.val_dataloader()  # was: rank 1 validated rank 0's sequence again


QUICK = ["--hidden-size", "4", "--batch-size", "4", "--cell", "gru", "--lr-schedule", "none", "--device", "cpu",
         "--epochs", "1", "--time-column", "t", "--test-fraction", "0"]


def _long(path, target) -> str:
    """A long CSV of len(target) sequences of 4 steps, one feature, the given target per sequence."""
    rng = np.random.default_rng(0)
    n = len(target)
    pd.DataFrame({"id": np.repeat(np.arange(n), 4), "t": np.tile(np.arange(4), n),
                  "f1": rng.normal(size=4 * n).round(3), "target": np.repeat(target, 4)}).to_csv(path, index=False)
    return str(path)


def test_C34_07_tbptt_steps_none_is_full_bptt_and_other_spellings_say_how_to_get_it(tmp_path, capsys):
    from rnnkit.cli import build_parser

    args = build_parser().parse_args(["train", "d.csv", "--task", "classify", "--out", "m", "--tbptt-steps", "none"])
    assert args.tbptt_steps is None  # was: "expected an integer, got 'none'"; none is the command line's no value
    assert build_parser().parse_args(["train", "d.csv", "--task", "classify", "--out", "m",
                                      "--tbptt-steps", "5"]).tbptt_steps == 5
    data = _long(tmp_path / "d.csv", np.arange(6) % 2)
    for given in ("0", "off", "-1"):
        said = cli_error(["train", data, "--task", "classify", "--out", tmp_path / "m", "--tbptt-steps", given],
                         capsys)
        assert said.endswith("; for full BPTT leave --tbptt-steps out (or give none) (see rnnkit train --help)"), said
    said = cli_error(["train", data, "--task", "classify", "--out", tmp_path / "m", "--tbptt-steps", "2.5"], capsys)
    assert "full BPTT" not in said and "expected an integer, got '2.5'" in said


def test_C34_08_regress_on_two_whole_values_warns_and_names_classify(tmp_path, capsys):
    from rnnkit.cli import _warn_ambiguous_target, build_parser

    data = _long(tmp_path / "yes_no.csv", np.arange(8) % 2)
    with pytest.warns(UserWarning, match=r"^--task regress fits the target column 'target' of .*yes_no\.csv as a "
                                         r"number, but it holds only two values, 0 and 1 \(4 and 4 of the 8 "
                                         r"sequences\): a yes/no outcome\?.*--task classify predicts the labels.*"
                                         r"PYTHONWARNINGS='ignore:--task regress fits'"):
        status, _ = run_cli(["train", data, "--task", "regress", *QUICK, "--out", tmp_path / "m"], capsys)
    assert status == 0  # warned, not refused: trained as asked
    def warn(path, task):
        args = build_parser().parse_args(["train", path, "--task", task, "--out", "m"])
        _warn_ambiguous_target(args, pd.read_csv(path).groupby("id")["target"].first().to_numpy(), "target")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, target, task in (("levels.csv", [1.5, 2.5] * 4, "regress"), ("digits.csv", np.arange(10), "classify"),
                                   ("three.csv", np.arange(9) % 3, "regress")):
            warn(_long(tmp_path / name, target), task)  # no warning: not two whole values, or class codes 0..9
        warnings.filterwarnings("ignore", message="--task regress fits")  # the silencing the message gives
        warn(data, "regress")


def test_C34_09_classify_on_many_whole_numbers_held_by_few_sequences_warns_and_names_regress(tmp_path, capsys):
    ages = [23, 23, 31, 31, 35, 42, 47, 47, 51, 58, 62, 66]  # 9 ages of 12 people: a number, not 9 classes
    data = _long(tmp_path / "ages.csv", ages)
    with pytest.warns(UserWarning, match=r"^--task classify reads each value of the target column 'target' of "
                                         r".*ages\.csv as a class of its own, but it holds 9 distinct whole numbers "
                                         r"\(23, 31, 35, 42, 47, 51, \.\.\.\) for 12 sequences, 9 of them held by 2 "
                                         r"sequences or fewer.*--task regress predicts a number.*"
                                         r"PYTHONWARNINGS='ignore:--task classify reads'"):
        status, _ = run_cli(["train", data, "--task", "classify", *QUICK, "--out", tmp_path / "m"], capsys)
    assert status == 0
