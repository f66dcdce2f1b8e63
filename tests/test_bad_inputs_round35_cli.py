"""Thirty-fifth round: the command line, save/load and the training layer as a new user drives them: a model
directory of a newer rnnkit, seeds beyond 32 bits, early stopping of patience 0 resumed, a --test-fraction that
holds out nothing a score can read, a one-cycle run resumed over other epochs."""

import json
import shutil
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from helpers import CLI_QUICK, cli_error, long_csv, run_cli
from lightning.pytorch.callbacks import EarlyStopping
from torch.utils.data import DataLoader, TensorDataset

import rnnkit
from rnnkit.models import SequenceToLabel
from rnnkit.training import SequenceModule, seeded_fit


def _rewritten(model, directory, change):
    """A copy of the saved model with its config.json changed by ``change(config)`` and the two files tied again, as
    another rnnkit version's save would write them (not an edit, which the digests refuse)."""
    from rnnkit.io import model_files, read_model

    config, tensors = read_model(model)
    config = {k: v for k, v in config.items() if k != "weights_sha256"}
    change(config)
    shutil.copytree(model, directory)
    for name, data in model_files(config, tensors).items():
        (directory / name).write_bytes(data)
    return directory


def test_C35_01_a_model_of_a_newer_rnnkit_names_the_version_not_a_corrupt_directory(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 5, 2)).astype(np.float32)
    clf = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, batch_size=4, lr_schedule=None, cell="gru",
                                    device="cpu").fit(X, np.arange(8) % 2)
    clf.save(tmp_path / "m")

    def newer(config):  # rnnkit 9.0 added an option (its format version still 2)
        config["rnnkit_version"], config["params"]["weight_init"] = "9.0.0", "orthogonal"

    # was: "corrupt rnnkit model directory (TypeError: SequenceClassifier.__init__() got an unexpected keyword ...)"
    with pytest.raises(ValueError, match=r"config\.json records the SequenceClassifier option\(s\) \['weight_init'\], "
                                         r"which this rnnkit's SequenceClassifier does not take: rnnkit 9\.0\.0 wrote "
                                         r"it, newer than this rnnkit .*; upgrade rnnkit"):
        rnnkit.load(_rewritten(tmp_path / "m", tmp_path / "newer", newer))

    def fork(config):  # the same version number, an option of its own (a fork or a local build)
        config["params"]["weight_init"] = "orthogonal"

    with pytest.raises(ValueError, match=r"does not take \(it was written by rnnkit .*, with options of its own\); "
                                         r"load it with the rnnkit that saved it"):
        rnnkit.load(_rewritten(tmp_path / "m", tmp_path / "fork", fork))

    def new_type(config):
        config["rnnkit_version"], config["estimator"] = "9.0.0", "SequenceAutoencoder"

    with pytest.raises(ValueError, match=r"unknown estimator 'SequenceAutoencoder'; expected one of .*: rnnkit 9\.0\.0 "
                                         r"wrote it, newer than this rnnkit"):
        rnnkit.load(_rewritten(tmp_path / "m", tmp_path / "type", new_type))
    assert (rnnkit.load(tmp_path / "m").predict(X) == clf.predict(X)).all()  # this version's model loads as before


@pytest.mark.parametrize("command", [
    ["train", "d.csv", "--task", "classify", "--out", "m"],
    ["forecast", "d.csv", "--time-column", "t", "--target-column", "y", "--horizon", "2", "--out", "m"],
    ["clipping", "--out", "r"], ["app", "dna", "--out", "r"], ["demo"]])
def test_C35_02_a_seed_beyond_32_bits_is_refused_on_every_command(command, capsys):
    from rnnkit.cli import build_parser

    # was: forecast, clipping, app and demo ran seed 4294967296 as seed 0 (the same forecast to the bit); train
    # refused it in the estimator's words, random_state, after reading the file
    with pytest.raises(SystemExit):
        build_parser().parse_args([*command, "--seed", str(2**32)])
    said = capsys.readouterr().err
    assert "argument --seed: must be in [0, 4294967295], got 4294967296: seed 4294967296 draws what seed 0 draws: " \
           "torch's CPU generator keeps the low 32 bits of a seed" in said, said
    assert "give 0 if that is the run you mean" in said
    assert build_parser().parse_args([*command, "--seed", str(2**32 - 1)]).seed == 2**32 - 1  # the range's end runs


def test_C35_02_compare_seeds_past_32_bits_and_seeded_fit_say_which_seed_they_repeat(tmp_path, capsys):
    said = cli_error(["compare", "--first-seed", str(2**32 - 1), "--seeds", "2", "--cells", "gru", "--steps", "1",
                      "--out", tmp_path / "r"], capsys)
    assert "--first-seed 4294967295 --seeds 2 runs seeds up to 4294967296, beyond 2**32 - 1" in said, said
    assert "give --first-seed 4294967294 or less" in said
    assert not (tmp_path / "r").exists()  # refused before any run
    x = torch.randn(8, 4, 3, generator=torch.Generator().manual_seed(0))
    loader = DataLoader(TensorDataset(x, (x[:, 0, 0] > 0).long()), batch_size=8)
    build = lambda: SequenceModule(SequenceToLabel(3, 4, 2))
    with pytest.warns(UserWarning, match=r"seeded_fit: seed 4294967296 draws what seed 0 draws: torch's CPU generator "
                                         r"keeps the low 32 bits.*give a seed from 0 to 2\*\*32 - 1"):
        twin = seeded_fit(build, loader, seed=2**32, max_epochs=1).module
    once = seeded_fit(build, loader, seed=0, max_epochs=1).module
    for a, b in zip(twin.parameters(), once.parameters(), strict=True):  # why: the same model, to the bit
        assert torch.equal(a, b)


def test_C35_03_a_resumed_fit_with_early_stopping_of_patience_0_trains_on(tmp_path):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 6, 3, generator=g)
    y = (x[:, :, 0].sum(1) > 0).long()
    train = DataLoader(TensorDataset(x[:24], y[:24]), batch_size=8)
    val = DataLoader(TensorDataset(x[24:], y[24:]), batch_size=8)
    build = lambda: SequenceModule(SequenceToLabel(3, 8, 2), lr=1e-2)
    stop = lambda: [EarlyStopping("val_loss", patience=0)]  # stop at the first epoch that does not improve
    straight = seeded_fit(build, train, val, seed=0, max_epochs=6, log_dir=tmp_path / "a", callbacks=stop()).module
    assert 2 <= len(straight.history["val_loss"]) < 6  # stopped early, after epochs that improved
    epochs = len(straight.history["val_loss"]) - 1  # interrupted after its last improving epoch
    seeded_fit(build, train, val, seed=0, max_epochs=epochs, log_dir=tmp_path / "b", callbacks=stop())
    resumed = seeded_fit(build, train, val, seed=0, max_epochs=6, log_dir=tmp_path / "b", ckpt_path="last",
                         callbacks=stop()).module
    # was: the resumed fit trained nothing (patience 0 read as stopped, wait_count 0 >= 0)
    assert resumed.history == straight.history
    rerun = seeded_fit(build, train, val, seed=0, max_epochs=6, log_dir=tmp_path / "a", ckpt_path="last",
                       callbacks=stop()).module
    assert rerun.history == straight.history  # a rerun of the stopped fit still trains nothing more


def _split_of(tmp_path, n, task, fraction):
    from rnnkit.cli import _split, build_parser

    args = build_parser().parse_args(["train", str(tmp_path / "d.csv"), "--task", task, "--out", "m",
                                      "--test-fraction", fraction])
    table = SimpleNamespace(X=[np.zeros((3, 1))] * n, ids=np.arange(n), y=np.arange(n) % 2 + 0.5)
    return _split(table, args, task, "target")


def test_C35_04_a_test_fraction_that_rounds_to_no_hold_out_warns(tmp_path, capsys):
    # was: 0.1 of 4 sequences held out none, without a word (metrics.json: n_test 0, no test_score)
    with pytest.warns(UserWarning, match=r"d\.csv: --test-fraction 0\.1 of the 4 sequences rounds to none held out, so "
                                         r"every sequence trains and metrics.json has no test_score; give "
                                         r"--test-fraction 0\.25 to hold out 1, or 0 to train on all 4"):
        train, test = _split_of(tmp_path, 4, "classify", "0.1")
    assert len(train) == 4 and len(test) == 0  # warned, trained as asked
    with pytest.warns(UserWarning, match=r"of the 2 sequences rounds to none held out.*give --test-fraction 0 to "
                                         r"train on all 2$"):
        _split_of(tmp_path, 2, "regress", "0.2")  # the default on two sequences: no hold-out leaves 2 to train
    data = long_csv(tmp_path / "four.csv", np.arange(4) % 2)
    with pytest.warns(UserWarning, match="rounds to none held out"):
        status, _ = run_cli(["train", data, "--task", "classify", *CLI_QUICK, "--epochs", "1", "--lr-schedule", "none",
                             "--test-fraction", "0.1", "--out", tmp_path / "m"], capsys)
    assert status == 0 and "test_score" not in json.loads((tmp_path / "m" / "metrics.json").read_text())


def test_C35_05_one_held_out_sequence_of_a_regression_warns_that_nothing_scores_it(tmp_path, recwarn):
    # was: 0.1 of 9 sequences held out 1, which R^2 cannot score: kept out of training, scored nowhere, no word
    with pytest.warns(UserWarning, match=r"--test-fraction 0\.1 holds out 1 of the 9 sequences, but R\^2, the "
                                         r"test_score of --task regress, needs two, so that sequence is kept out of "
                                         r"training and scored nowhere.*give --test-fraction 0\.23 to hold out 2, or "
                                         r"0 to train on all 9"):
        train, test = _split_of(tmp_path, 9, "regress", "0.1")
    assert len(test) == 1
    recwarn.clear()
    assert len(_split_of(tmp_path, 9, "regress", "0.23")[1]) == 2  # the fraction the warning names holds out 2
    for n, task, fraction in ((9, "classify", "0.1"), (10, "regress", "0.2"), (9, "regress", "0")):
        _split_of(tmp_path, n, task, fraction)  # one held out of a classifier, two of a regression, none asked
    assert not [w for w in recwarn if "test-fraction" in str(w.message)]


def test_C35_06_a_one_cycle_run_resumed_with_other_epochs_names_the_flag(tmp_path, capsys, monkeypatch):
    data = long_csv(tmp_path / "d.csv", np.arange(8) % 2)
    args = ["train", data, "--task", "classify", *CLI_QUICK, "--lr-schedule", "onecycle", "--test-fraction", "0",
            "--out", tmp_path / "m", "--epochs"]

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(rnnkit.io, "write_directory_atomically", interrupted)
        assert run_cli([*args, "2"], capsys)[0] == 130
    # was: "…last.ckpt belongs to another run: max_epochs (the lr schedule spans them) 2 then, 3 now. … remove the
    # checkpoint to start over": the estimator's words, not the flag
    assert cli_error([*args, "3", "--resume"], capsys) == (
        f"rnnkit train: error: --out {tmp_path / 'm'} holds an unfinished run whose one-cycle learning-rate schedule "
        f"spans its 2 epochs, and --epochs 3 would stretch or cut it (--epochs may grow on --resume only under "
        f"--lr-schedule none); rerun with --epochs 2 to finish it, or remove {tmp_path / 'm'} to train anew")
    assert run_cli([*args, "2", "--resume"], capsys)[0] == 0


def test_C35_07_out_the_model_directory_suggests_a_file_beside_it_not_inside(tmp_path, capsys):
    data = long_csv(tmp_path / "d.csv", np.arange(6) % 2)
    assert run_cli(["train", data, "--task", "classify", *CLI_QUICK, "--epochs", "1", "--lr-schedule", "none",
                    "--test-fraction", "0", "--out", tmp_path / "m"], capsys)[0] == 0
    # was: "--out m is a directory; give a file path for the predictions, e.g. m/predictions.csv": a file inside the
    # model, which rnnkit train --out m and save() then refuse to delete
    for command, example in (("predict", "predictions.csv"), ("evaluate", "evaluation.json")):
        said = cli_error([command, tmp_path / "m", data, "--out", tmp_path / "m"], capsys)
        assert f"--out {tmp_path / 'm'} is an rnnkit model directory; give a file path for the " in said, said
        assert f"outside it, e.g. {tmp_path / ('m-' + example)} (a file rnnkit did not write inside it" in said
    (tmp_path / "other").mkdir()
    said = cli_error(["predict", tmp_path / "m", data, "--out", tmp_path / "other"], capsys)
    assert f"e.g. {tmp_path / 'other' / 'predictions.csv'}" in said  # another directory: a file in it, as before


def test_C35_08_a_one_cycle_schedule_of_a_fit_without_an_end_in_steps_is_named():
    x = torch.randn(16, 5, 3, generator=torch.Generator().manual_seed(0))
    loader = DataLoader(TensorDataset(x, (x[:, 0, 0] > 0).long()), batch_size=8)
    build = lambda: SequenceModule(SequenceToLabel(3, 4, 2), lr_schedule="onecycle")
    # was: torch's "Expected positive integer total_steps, but got inf", from inside the fit
    with pytest.raises(ValueError, match=r"SequenceModule: lr_schedule='onecycle' warms up and decays over the whole "
                                         r"fit, but the trainer sets it no length \(max_epochs=-1 and no max_steps"):
        seeded_fit(build, loader, seed=0, max_epochs=-1, max_time={"seconds": 30})
    fitted = seeded_fit(build, loader, seed=0, max_epochs=-1, max_steps=3)  # an end in steps: the schedule spans it
    assert fitted.trainer.global_step == 3 and fitted.module.lr_schedulers().total_steps == 3


def test_C35_09_a_pipe_as_the_data_is_named_as_one_not_as_no_such_file(tmp_path, capsys):
    import os

    def pipe():  # as <(cat d.csv) gives it: /dev/fd/N, a path that exists and is no regular file
        r, w = os.pipe()
        os.write(w, b"id,t,f1,target\n0,0,1.5,a\n")
        os.close(w)  # a reader gets the text, then its end
        opened.append(r)
        return f"/dev/fd/{r}"

    opened = []
    try:
        for data, command in ((pipe(), ["train", "{}", "--task", "classify", "--out", tmp_path / "m"]),
                              (pipe(), ["predict", tmp_path / "m", "{}"]),
                              (os.devnull, ["forecast", "{}", "--time-column", "t", "--target-column", "y",
                                            "--horizon", "2", "--out", tmp_path / "f"])):
            # was: "/dev/fd/5: no such file; expected a .csv or .npz of sequences" of a path that exists
            said = cli_error([data if a == "{}" else a for a in command], capsys)
            assert f"the data '{data}' (a pipe or device, not a file: stdin, <(...), a FIFO) cannot be read: " \
                   "rnnkit reads a file" in said, said
            assert said.endswith("save the data to a file and pass its path")
    finally:
        for r in opened:
            os.close(r)
    fifo = tmp_path / "named"
    os.mkfifo(fifo)  # checked before any reader opens it (which would wait for a writer)
    assert "(a pipe or device, not a file" in cli_error(["train", fifo, "--task", "classify", "--out",
                                                         tmp_path / "m"], capsys)
    assert "no such file" in cli_error(["train", tmp_path / "none.csv", "--task", "classify", "--out", tmp_path / "m"],
                                       capsys)


def test_C35_10_train_help_names_the_front_end_and_stride_the_rule_chooses(capsys):
    from rnnkit.cli import build_parser
    from rnnkit.models import defaults_for_series

    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    # was: "default auto: conv beyond 64 steps" and "(default: ceil(T / 64))", neither of which the rule chooses
    rule = lambda T, C: defaults_for_series(40, T, C)["model"]
    assert "conv beyond 64 steps" not in text and "ceil(T / 64)" not in text
    assert rule(100, 1)["frontend"] == rule(100, 6)["frontend"] == "fcn" and "fcn beyond 64 steps" in text
    assert (rule(25, 6)["frontend"], rule(25, 6)["stride"], rule(25, 1)["frontend"]) == ("fcn", 1, None)
    assert "up to 64, fcn of stride 1 for several channels, none for one" in text
    lengths = [50] * 36 + [600] * 4  # T90 = 50: stride 1, though the longest is 600 steps
    assert (rule(lengths, 3)["stride"], rule(200, 3)["stride"]) == (1, 4)
    assert "(default: ceil(T90 / 64), T90 the 90th percentile of the sequences' lengths)" in text


def test_C35_02_a_data_module_seed_beyond_32_bits_warns_of_the_shuffles_it_repeats():
    from rnnkit.training import SequenceDataModule, SequenceDataset

    data = SequenceDataset(torch.arange(40.0).view(20, 2, 1), None, torch.arange(20) % 2)
    orders = lambda module: [b.x[:, 0, 0].tolist() for b in module.train_dataloader()]
    with pytest.warns(UserWarning, match=r"SequenceDataModule: seed 4294967301 draws what seed 5 draws.*so that "
                                         r"different seeds shuffle differently"):
        twin = SequenceDataModule(data, batch_size=4, seed=2**32 + 5)
    assert orders(twin) == orders(SequenceDataModule(data, batch_size=4, seed=5))  # why: the same batches
