"""The command line and the training layer as a new user drives them, thirty-second round: a held-out part that
takes every sequence of a class, `rnnkit --version` and `rnnkit help train`, and a resume with fewer --epochs
than the interrupted run has finished."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import cli_error, run_cli

import rnnkit
import rnnkit.io
from rnnkit.cli import main

QUICK = ["--hidden-size", "4", "--batch-size", "4", "--cell", "gru", "--lr-schedule", "none", "--device", "cpu",
         "--epochs", "1"]


def _long(labels, steps=4, seed=0) -> pd.DataFrame:
    """A long CSV's rows: a sequence of `steps` steps per entry of `labels`, its label (a sequence of labels for
    a tagger) on each row."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    target = [label for labs in labels for label in (labs if isinstance(labs, list) else [labs] * steps)]
    return pd.DataFrame({"id": np.repeat([f"s{i}" for i in range(n)], steps), "t": np.tile(np.arange(steps), n),
                         "f1": rng.normal(size=n * steps).round(3), "target": target})


def test_C32_01_a_class_held_out_whole_is_trained_on(tmp_path, capsys):
    """--test-fraction 0.2 of 10 sequences, one of them the only 'c': --seed 3's permutation holds out s9, so the
    classifier was trained on 'a' and 'b' alone, and the score's warning blamed a spelling. Now the held-out 'c'
    is swapped with a training sequence of a class that keeps others: the model knows the file's three classes,
    and two sequences are still held out. The same for a tagger's step label."""
    data = tmp_path / "rare.csv"
    _long(["a"] * 5 + ["b"] * 4 + ["c"]).to_csv(data, index=False)
    assert np.random.default_rng(3).permutation(10)[:2].tolist() == [9, 6]  # s9, the only 'c', drawn out
    status, err = run_cli(["train", data, "--time-column", "t", "--task", "classify", "--seed", "3", *QUICK,
                           "--out", tmp_path / "m"], capsys)
    assert status == 0 and not any("never saw" in line for line in err), err
    assert rnnkit.load(tmp_path / "m").classes_.tolist() == ["a", "b", "c"]
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["n_test"] == 2

    tags = tmp_path / "tags.csv"
    _long([["a", "b", "a", "b"]] * 9 + [["a", "b", "c", "b"]]).to_csv(tags, index=False)
    status, err = run_cli(["train", tags, "--time-column", "t", "--task", "tag", "--seed", "3", *QUICK,
                           "--out", tmp_path / "tagger"], capsys)
    assert status == 0 and not any("never saw" in line for line in err), err
    assert rnnkit.load(tmp_path / "tagger").classes_.tolist() == ["a", "b", "c"]

    # three sequences of three classes: no training sequence can be given up for the held-out one
    three = tmp_path / "three.csv"
    _long(["a", "b", "c"]).to_csv(three, index=False)
    message = cli_error(["train", three, "--time-column", "t", "--task", "classify", "--test-fraction", "0.34",
                         "--seed", "0", *QUICK, "--out", tmp_path / "m3"], capsys)
    assert message == (f"rnnkit train: error: {three}: --test-fraction 0.34 holds out every sequence labelled 'c' "
                       "(sequence 's2'), which the model would then never learn, and each of the 2 sequences left to "
                       "train on holds a label no other does; lower --test-fraction (0 trains on all 3) or give each "
                       "class more sequences")
    assert not (tmp_path / "m3").exists()


def test_C32_02_version_prints_rnnkits_torchs_and_pythons(capsys):
    """`rnnkit --version` was told `the following arguments are required: command` (exit 2)."""
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"rnnkit {rnnkit.__version__} (torch ") and ", Python 3." in out


def test_C32_03_help_command_prints_the_commands_help(capsys):
    """`rnnkit help train` (git's and pip's habit) was `invalid choice: 'help'`. Now it prints train's help, `rnnkit
    help` the list of commands, and a misspelt command is named with the commands there are."""
    assert main(["help", "train"]) == 0
    assert capsys.readouterr().out.startswith("usage: rnnkit train ")
    assert main(["help"]) == 0
    assert capsys.readouterr().out.startswith("usage: rnnkit ")
    assert cli_error(["help", "trian"], capsys) == (
        "rnnkit help: error: no command 'trian'; the commands are demo, train, forecast, predict, evaluate, compare, "
        "clipping, app, export, serve, help (rnnkit help lists them)")


def test_C32_04_resume_with_fewer_epochs_names_the_flag(tmp_path, capsys, monkeypatch):
    """A run interrupted after 2 epochs (here: Ctrl-C as the model is written), resumed with --epochs 1, was
    refused in the estimator's words, `more than max_epochs=1 … resume with max_epochs >= 2`. Now the flag and
    the run's --out are named; with --epochs 2 the run finishes."""
    data = tmp_path / "d.csv"
    _long(["no", "yes"] * 4).to_csv(data, index=False)
    args = ["train", data, "--time-column", "t", "--task", "classify", "--test-fraction", "0", "--seed", "0",
            "--out", tmp_path / "m", *QUICK[:-1]]  # then the --epochs of each run

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(rnnkit.io, "write_directory_atomically", interrupted)
        assert run_cli([*args, "2"], capsys)[0] == 130
    assert (tmp_path / "m" / "checkpoints" / "last.ckpt").is_file()
    assert cli_error([*args, "1", "--resume"], capsys) == (
        f"rnnkit train: error: --out {tmp_path / 'm'} holds an unfinished run that has already finished 2 epochs, "
        f"more than --epochs 1, and --resume continues from there; rerun with --epochs 2 or more, or remove "
        f"{tmp_path / 'm'} to train anew with fewer")
    assert run_cli([*args, "2", "--resume"], capsys)[0] == 0
    assert json.loads((tmp_path / "m" / "metrics.json").read_text())["resumed"] is True


def test_C32_05_a_model_saved_under_a_files_name_is_warned_of(tmp_path):
    """`est.save("model.safetensors")` (or `m.pt`, `m.zip`: a one-file format's name) wrote a folder so named without
    a word, which safetensors, torch.load or unzip cannot open. Now it warns, naming the name without the suffix;
    the model is still written and loads."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 4, 2)).astype("float32"), np.arange(8) % 2
    est = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, batch_size=4, random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match=r"save: .*model.safetensors is named like a .safetensors file, but an rnnkit "
                      r"model is a directory .*; name it without the suffix, e.g. '.*model'") as caught:
        est.save(tmp_path / "model.safetensors")
    assert len(caught) == 1
    with pytest.warns(UserWarning, match=r"m.zip is named like a .zip file.*shutil.make_archive\("):
        rnnkit.save(est, tmp_path / "m.zip")
    np.testing.assert_array_equal(rnnkit.load(tmp_path / "model.safetensors").predict(X), est.predict(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.save(tmp_path / "model")
