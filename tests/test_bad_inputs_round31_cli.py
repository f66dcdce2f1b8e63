"""The command line and the saving and training layers as a new user drives them, thirty-first round: a fit's
log_dir that is a saved model, predict's compressed --out, and the bytes of a saved model."""

import errno
import gzip
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import cli_error, run_cli
from test_bad_inputs_round28b_cli import _long

import rnnkit
from rnnkit.cli import main

QUICK = ["--task", "classify", "--hidden-size", "4", "--batch-size", "4", "--test-fraction", "0", "--seed", "0",
         "--cell", "gru", "--lr-schedule", "none", "--device", "cpu"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("r31") / "d.csv"
    _long().to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model(data):
    """A classifier trained by the command line on a long CSV."""
    out = data.parent / "m"
    assert main(["train", str(data), "--time-column", "t", *QUICK, "--epochs", "1", "--out", str(out)]) == 0
    return out


def _xy(n=8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4, 2)).astype(np.float32), np.arange(n) % 2


def test_C31_01_a_fit_into_a_saved_model_directory_is_refused(model, tmp_path):
    saved = tmp_path / "saved"
    saved.mkdir()
    for f in model.iterdir():
        (saved / f.name).write_bytes(f.read_bytes())
    X, y = _xy()
    est = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, batch_size=4, log_dir=str(saved))
    with pytest.raises(ValueError, match=r"log_dir '.*saved' is a model directory written by save\(\).*its checkpoints "
                       r"and logs into it.*a log_dir of its own, e.g. '.*saved-logs'"):
        est.fit(X, y)
    assert sorted(p.name for p in saved.iterdir()) == ["config.json", "metrics.json", "model.safetensors"]
    # a directory that `rnnkit train` is writing (its --out, an earlier model in it) is the run's own
    assert main(["train", str(model.parent / "d.csv"), "--time-column", "t", *QUICK, "--epochs", "1",
                 "--out", str(saved)]) == 0


def test_C31_04_a_save_into_the_fits_own_log_dir_names_it_so(tmp_path):
    X, y = _xy()
    logs = tmp_path / "logs"
    est = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, batch_size=4)
    est.set_params(log_dir=str(logs)).fit(X, y)
    with pytest.raises(ValueError, match=r"logs is the log_dir of a fit \(checkpoints/last.ckpt and its logs\), not a "
                       r"model directory.*e.g. '.*logs-model'"):
        est.save(logs)


def test_C31_02_a_compressed_predict_out_names_its_csv_as_to_csv_would(model, data, tmp_path, capsys):
    for name in ("p q.csv.gz", "p q.csv.zip"):
        out = tmp_path / name
        status, _ = run_cli(["predict", model, data, "--out", out], capsys)
        assert status == 0
        pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(out, compression="infer"))
    with zipfile.ZipFile(tmp_path / "p q.csv.zip") as z:
        assert z.namelist() == ["p q.csv"]  # `unzip` gives p q.csv, not a hidden temporary file
    raw = (tmp_path / "p q.csv.gz").read_bytes()
    assert raw[3] & 0x08 and raw[10:].split(b"\0")[0] == b"p q.csv"  # `gunzip -N` restores p q.csv
    with gzip.open(tmp_path / "p q.csv.gz", "rt") as f:
        assert f.readline().startswith("id,prediction,")


def test_C31_03_a_model_saved_twice_is_the_same_bytes(tmp_path):
    tensors = {"w": torch.arange(6.0).reshape(2, 3)}
    files = {rnnkit.io.model_files({"format": "x"}, tensors)["model.safetensors"] for _ in range(16)}
    assert len(files) == 1  # safetensors' metadata came out in a random order (two fits of one seed differed)
    X, y = _xy()
    est = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, batch_size=4, random_state=0).fit(X, y)
    for k in range(6):
        est.save(tmp_path / f"m{k}")
    assert len({(tmp_path / f"m{k}" / "model.safetensors").read_bytes() for k in range(6)}) == 1
    assert len({(tmp_path / f"m{k}" / "config.json").read_bytes() for k in range(6)}) == 1
    np.testing.assert_array_equal(rnnkit.load(tmp_path / "m0").predict_proba(X), est.predict_proba(X))


def test_C31_05_train_out_the_current_directory_is_refused(data, tmp_path, monkeypatch, capsys):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for out in (here, "."):  # renamed into place, the model left the shell in a deleted, empty folder
        line = cli_error(["train", data, "--time-column", "t", *QUICK, "--epochs", "1", "--out", out], capsys)
        assert "is the current directory, which the model directory cannot be" in line and "--out model" in line
    assert list(here.iterdir()) == []


def test_C31_06_keep_scale_where_auto_normalises_nothing_is_named_by_flag(data, tmp_path, capsys):
    line = cli_error(["train", data, "--time-column", "t", *QUICK, "--keep-scale", "--out", tmp_path / "k"], capsys)
    assert line == ("rnnkit train: error: --keep-scale gives the head each sequence's level and scale, which "
                    "--normalise series removes, but --normalise auto normalises none of these sequences (1 "
                    "feature(s), at most 4 steps; it normalises one feature beyond 64 steps); give --normalise "
                    "series as well, or leave out --keep-scale")
    line = cli_error(["train", data, *QUICK, "--keep-scale", "--normalise", "none", "--out", tmp_path / "k"], capsys)
    assert "--normalise none removes nothing" in line and "normalise=None" not in line
    assert not (tmp_path / "k").exists()


def test_C31_07_dropout_with_one_layer_is_refused_by_flag(data, tmp_path, capsys):
    line = cli_error(["train", data, *QUICK, "--dropout", "0.3", "--out", tmp_path / "o"], capsys)
    assert line == ("rnnkit train: error: --dropout 0.3 acts between recurrent layers, and --num-layers 1 has none "
                    "between which to act, so it would do nothing; give --num-layers 2 (or more), or leave out "
                    "--dropout")
    assert not (tmp_path / "o").exists()


def test_C31_08_predict_out_a_symbolic_link_writes_where_it_points(model, data, tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "a.csv").write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(runs / "a.csv")
    status, _ = run_cli(["predict", model, data, "--out", link], capsys)
    assert status == 0
    assert link.is_symlink() and link.resolve() == runs / "a.csv"  # the link kept, as `>` keeps it
    assert (runs / "a.csv").read_text().startswith("id,prediction,")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_C31_09_a_full_disk_names_out_and_what_to_do(model, data, tmp_path, monkeypatch, capsys):
    (tmp_path / "p.csv").write_text("before\n")
    monkeypatch.setattr(pd.DataFrame, "to_csv", _full)
    line = cli_error(["predict", model, data, "--out", tmp_path / "p.csv"], capsys)
    assert line.startswith(f"rnnkit predict: error: --out {tmp_path / 'p.csv'}: no space left on device (the disk "
                           "that holds it is full), so it was not written (the p.csv there before is kept as it was); "
                           f"free space there (df -h {tmp_path}), or give --out on another disk"), line
    assert (tmp_path / "p.csv").read_text() == "before\n"


def test_C31_09_a_checkpoint_on_a_full_disk_is_an_oserror_naming_it(tmp_path, monkeypatch):
    from contextlib import contextmanager

    from rnnkit.training import trainer

    class Full:  # a disk that takes the first 200 bytes
        written = 0

        def write(self, data):
            if self.written + len(data) > 200:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(data)
            return len(data)

        def flush(self):
            pass

    @contextmanager
    def full_write(path, mode):
        yield Full()

    monkeypatch.setattr(trainer, "atomic_write", full_write)
    path = tmp_path / "checkpoints" / "last.ckpt"
    with pytest.raises(OSError) as caught:  # was torch's RuntimeError "unexpected pos 704 vs 598", a traceback
        trainer.AtomicCheckpointIO().save_checkpoint({"w": torch.zeros(1000)}, path)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(path)


def test_C31_10_a_report_figure_named_with_a_space_is_linked_so_markdown_shows_it(tmp_path):
    import markdown
    from matplotlib.figure import Figure

    from rnnkit.report import write_report

    write_report(tmp_path, title="t", results={}, markdown="x", figures={"loss curve": Figure(), "acc": Figure()})
    page = markdown.markdown((tmp_path / "report.md").read_text())
    assert '<img alt="loss curve" src="loss%20curve.png"' in page  # was the text "![loss curve](loss curve.png)"
    write_report(tmp_path, title="t", results={}, markdown="x", figures={"acc": Figure()})
    assert not (tmp_path / "loss curve.png").exists()  # the earlier report's figure is still known as its own
