"""The tenth round of docs/bad_inputs.md (ids S10-..): saving, loading, resuming and the command line, tried as a
new user would on data that ships offline (sktime's GunPoint). A valid step gives the right model or report; a
wrong one gets one line naming what, where and the fix. Each test fails on the commit before the fix."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from helpers import TINY_NCT, gunpoint_train, one_line, run_cli
from matplotlib.figure import Figure

import rnnkit
from rnnkit import SequenceClassifier
from rnnkit.io import TRAINING_FILE
from rnnkit.training.runs import CHECKPOINT

TINY = TINY_NCT


@pytest.fixture(scope="module")
def gunpoint():
    """16 GunPoint training series cut to 30 steps, as sktime gives them: (16, 1, 30), labels '1' / '2'."""
    return gunpoint_train(16, 30)


@pytest.fixture(scope="module")
def model_dir(gunpoint, tmp_path_factory):
    X, y = gunpoint
    path = tmp_path_factory.mktemp("saved") / "model"
    SequenceClassifier(**TINY).fit(X, y).save(path)
    return path


def _long_csv(gunpoint, path):
    X, y = gunpoint
    rows = [(f"s{i}", t, float(X[i, 0, t]), y[i]) for i in range(len(X)) for t in range(X.shape[2])]
    pd.DataFrame(rows, columns=["id", "t", "x", "target"]).to_csv(path, index=False)
    return path


def test_s10_01_load_of_a_path_that_does_not_exist_says_so(tmp_path, capsys):
    with pytest.raises(ValueError) as e:  # was: "... is not a directory", for a path that is nothing at all
        rnnkit.load(tmp_path / "modle")
    assert one_line(e).endswith("modle: no such file or directory; expected an rnnkit model directory written by "
                                "save() (check the path)")
    status, err = run_cli(["predict", tmp_path / "modle", tmp_path / "d.csv"], capsys)
    assert status == 2 and len(err) == 1 and "modle: no such file or directory" in err[0]


def test_s10_02_load_of_a_file_of_a_model_directory_names_the_directory(model_dir, tmp_path, capsys):
    for name in ("model.safetensors", "config.json"):
        with pytest.raises(ValueError) as e:  # was: "... is not a directory; expected an rnnkit model directory"
            rnnkit.load(model_dir / name)
        assert one_line(e) == (f"{model_dir / name} is a file of the model directory {model_dir}, not an rnnkit "
                               f"model directory; give the directory: {str(model_dir)!r}")
    status, err = run_cli(["export", model_dir / "model.safetensors", "--out", tmp_path / "onnx"], capsys)
    assert status == 2 and len(err) == 1 and f"give the directory: {str(model_dir)!r}" in err[0]
    assert not (tmp_path / "onnx").exists()


def test_s10_03_a_format_version_newer_than_this_rnnkit_or_not_a_version(model_dir, tmp_path):
    for version, expected in ((3, "is newer than this rnnkit 0.1.0 reads (version 2); upgrade rnnkit to load it"),
                              ("2", "records the format version '2', which no rnnkit writes (this one reads version "
                               "2): the config was edited or damaged"),
                              (None, "records the format version None, which no rnnkit writes")):
        copy = tmp_path / f"v{version}"
        shutil.copytree(model_dir, copy)
        config = json.loads((copy / "config.json").read_text())
        config["format_version"] = version
        if version == 3:  # written by a later release (a config edited by hand is M24-02's case)
            config["rnnkit_version"] = "9.0.0"
        (copy / "config.json").write_text(json.dumps(config))
        with pytest.raises(ValueError) as e:  # was: "format version 3 is not supported (this rnnkit reads version 2)"
            rnnkit.load(copy)
        assert expected in one_line(e)


@pytest.fixture
def unfinished(gunpoint, tmp_path, capsys, monkeypatch):
    """An `rnnkit train` interrupted after its first epoch's checkpoint (Ctrl-C while it scores): --out holds
    training.json and checkpoints/last.ckpt, as a killed run leaves them."""
    data = _long_csv(gunpoint, tmp_path / "gp.csv")
    out = tmp_path / "run"

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(SequenceClassifier, "score", interrupt)
        status, _ = run_cli(["train", data, "--task", "classify", "--time-column", "t", "--hidden-size", "4",
                          "--epochs", "2", "--lr-schedule", "none", "--out", out], capsys)
    assert status == 130 and (out / CHECKPOINT).is_file() and (out / TRAINING_FILE).is_file()
    return data, out


def test_s10_04_a_refused_resume_names_the_changed_data_file_or_flags(unfinished, gunpoint, tmp_path, capsys):
    data, out = unfinished
    record = (out / TRAINING_FILE).read_bytes()
    base = ["train", data, "--task", "classify", "--time-column", "t", "--hidden-size", "4", "--epochs", "2",
            "--lr-schedule", "none", "--out", out, "--resume"]
    # was: "... belongs to another run: the data differ. ... (fits that share one log_dir, such as the folds of a
    # cross-validation, ...)", or the estimator's random_state and derived seeds, for the flags of the command
    status, err = run_cli([*base, "--test-fraction", "0.5"], capsys)
    assert status == 2 and len(err) == 1
    assert err[0] == (f"rnnkit train: error: --out {out} holds an unfinished run of rnnkit train with other data or "
                      "options (--test-fraction 0.2 then, 0.5 now), so --resume cannot continue it; rerun with the "
                      f"data and options it was started with, or remove {out} to start over")
    status, err = run_cli([*base, "--seed", "3"], capsys)
    assert status == 2 and "(--seed 0 then, 3 now)" in err[0] and "cross-validation" not in err[0]
    status, err = run_cli([*base[:-1], "--task", "regress", "--resume"], capsys)
    assert status == 2 and "(--task classify then, regress now)" in err[0]
    other = tmp_path / "gp_other.csv"
    frame = pd.read_csv(data)
    frame.loc[3, "x"] += 1.0  # one value changed: another file's content
    frame.to_csv(other, index=False)
    status, err = run_cli([base[0], other, *base[2:]], capsys)
    assert status == 2 and f"(the data file {data} then, {other} now, of other content)" in err[0]
    # the run's own record is kept through the refusals, so the next one is still explained against it
    assert (out / TRAINING_FILE).read_bytes() == record and (out / CHECKPOINT).is_file()
    same = tmp_path / "gp_copy.csv"
    shutil.copy(data, same)  # the same content under another name resumes
    status, err = run_cli([base[0], same, *base[2:]], capsys)
    assert status == 0, err
    assert json.loads((out / "metrics.json").read_text())["resumed"] is True


def test_s10_05_a_report_written_over_an_earlier_one_drops_the_figures_it_does_not_draw(tmp_path):
    from rnnkit.report import write_report

    def figure():
        return Figure().subplots().figure

    out = tmp_path / "report"
    write_report(out, title="first", results={"a": 1}, markdown="one", figures={"saliency": figure(),
                                                                               "roc": figure()})
    (out / "notes.png").write_bytes(b"mine")  # not linked by the report: not rnnkit's to remove
    # was: saliency.png and roc.png of the first report stayed beside the second, as if they were its plots
    write_report(out, title="second", results={"b": 2}, markdown="two", figures={"clipping": figure()})
    assert sorted(p.name for p in out.iterdir()) == ["clipping.png", "notes.png", "report.html", "report.json",
                                                     "report.md"]


def test_s10_06_python_reports_refuse_a_model_directory_or_a_file_before_the_run(model_dir, tmp_path):
    from rnnkit.apps import check_run_arguments
    from rnnkit.compare import clipping_report, compare

    before = sorted(p.name for p in model_dir.iterdir())
    options = dict(lengths=[10], cells=("rnn",), seeds=1, steps=1, hidden_size=4, eval_every=1,
                   task_params={"n_train": 32, "n_val": 16, "n_test": 16}, device="cpu", log=lambda *a: None)
    with pytest.raises(ValueError) as e:  # was: the report and its plots written into the model directory
        compare("adding", out=model_dir, **options)
    assert one_line(e) == (f"compare: out={str(model_dir)!r} is an rnnkit model directory; write the report to a "
                           "new or empty directory")
    assert sorted(p.name for p in model_dir.iterdir()) == before
    data = tmp_path / "d.csv"
    data.write_text("a\n1\n")
    with pytest.raises(ValueError, match=r"clipping_report: out='.*d.csv' is a file; give a directory for the "
                       "report"):  # was: FileExistsError after the two runs
        clipping_report(data)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("x")
    with pytest.raises(ValueError, match="is a non-empty directory that is not an rnnkit report"):
        compare("adding", out=tmp_path / "mine", **options)
    with pytest.raises(ValueError, match=r"eventlogs.run: out='.*model' is an rnnkit model directory"):
        check_run_arguments("eventlogs", True, 0, model_dir, print)


@pytest.mark.parametrize("host, expected", [
    ("localhost:8000", "'localhost:8000' joins an address and a port; give them apart: --host localhost --port 8000"),
    ("http://0.0.0.0:8000/", "'http://0.0.0.0:8000/' is a URL; give the address without http://: --host 0.0.0.0 "
                             "--port 8000"),
    ("[::1]:8080", "give them apart: --host ::1 --port 8080"),
    ("", "must be an address to bind (an IP address such as 127.0.0.1"),
])
def test_s10_07_serve_host_with_a_port_or_a_scheme_is_refused_before_the_model_loads(host, expected, tmp_path,
                                                                                      capsys):
    # was: "cannot listen on localhost:8000:8000 (Name or service not known)", the flag not named
    status, err = run_cli(["serve", tmp_path / "no-model", "--host", host], capsys)
    assert status == 2 and len(err) == 1 and "argument --host: " in err[0] and expected in err[0]


def test_s10_08_make_trainer_refuses_a_patience_or_log_dir_the_estimators_refuse(tmp_path):
    from rnnkit.training import make_trainer

    for patience in (2.5, "3", True):  # was: 2.5 and True accepted (Lightning reads 2.5 as 3), "3" a TypeError
        with pytest.raises(ValueError) as e:
            make_trainer(early_stopping_patience=patience, device="cpu")
        assert one_line(e) == ("make_trainer: early_stopping_patience must be an integer >= 1 (epochs without a "
                               f"better validation loss) or None, got {patience!r}")
    with pytest.raises(ValueError, match=r"log_dir must be None or a directory path, got '' \(None: no logs"):
        make_trainer(log_dir="", device="cpu")  # was: logs and checkpoints written into the current directory
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ValueError, match="log_dir '.*f.txt' is a file; give a directory"):
        make_trainer(log_dir=tmp_path / "f.txt", device="cpu")
    assert make_trainer(early_stopping_patience=2, log_dir=tmp_path / "logs", device="cpu").max_epochs == 10


def test_s10_09_predict_out_is_compressed_as_named_or_refused_when_it_names_another_format(model_dir, gunpoint,
                                                                                          tmp_path, capsys):
    data = _long_csv(gunpoint, tmp_path / "gp.csv")
    status, err = run_cli(["predict", model_dir, data, "--time-column", "t", "--out", tmp_path / "p.csv"], capsys)
    assert status == 0, err
    plain = pd.read_csv(tmp_path / "p.csv")
    for name in ("p.csv.gz", "p.csv.bz2", "p.csv.xz"):  # was: plain CSV text under a .gz name: unreadable as named
        status, err = run_cli(["predict", model_dir, data, "--time-column", "t", "--out", tmp_path / name], capsys)
        assert status == 0, err
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / name), plain)
    for name, expected in (("p.json", "rnnkit predict writes CSV, which a .json file would not hold; name it p.csv (or "
                                      "p.csv.gz, .csv.bz2, .csv.xz to compress it), and convert it from there"),
                           ("p.parquet", "which a .parquet file would not hold; name it p.csv"),
                           ("p.csv.zst", "compresses its CSV as .gz, .bz2, .xz or .zip, not .zst; name it p.csv.gz")):
        status, err = run_cli(["predict", model_dir, data, "--time-column", "t", "--out", tmp_path / name], capsys)
        assert status == 2 and len(err) == 1 and f"--out {tmp_path / name}: " in err[0] and expected in err[0]
        assert not (tmp_path / name).exists()  # was: CSV text written under that name


# S10-10 ----------------------------------------------------------------------------------------------------------
def test_s10_10_each_estimator_class_loads_its_own_saved_models_and_refuses_another_kind(tmp_path):
    from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 5, 2)).astype(np.float32), np.array([0, 1] * 6)
    clf = SequenceClassifier(max_epochs=1, hidden_size=4, random_state=0).fit(X, y)
    clf.save(tmp_path / "clf")
    loaded = SequenceClassifier.load(tmp_path / "clf")  # as Forecaster.load: before, an AttributeError
    assert type(loaded) is SequenceClassifier
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    for other in (SequenceRegressor, SequenceTagger):
        with pytest.raises(ValueError, match=rf"clf is not a saved {other.__name__}: config\.json names "
                                             r"'SequenceClassifier'; load it with rnnkit\.load"):
            other.load(tmp_path / "clf")
