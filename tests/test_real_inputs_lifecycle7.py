"""The seventh catalogue of docs/bad_inputs.md (ids L7-..): the training lifecycle of the sequence estimators
on real offline data (sktime's GunPoint as it loads, channels first), as a new user lives it: fit with a
log_dir, interrupt, resume (with other settings, in another model's directory, in a saved model's), early
stopping on small sets, set_params after fit, save and load, predict in another layout, a scikit-learn
Pipeline. A valid lifecycle gives the right model; a wrong step gets one line naming what, where and the fix."""

import json
import signal

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import gunpoint_train, one_line  # a refusal's message, one line
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import rnnkit
from rnnkit import Forecaster, SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.io import TRAINING_FILE
from rnnkit.training.module import SequenceModule
from rnnkit.training.runs import CHECKPOINT

# sktime's numpy3D is (n, channels, T): layout="nct"
TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=2, batch_size=8, lr=1e-2, lr_schedule=None,
            pooling="final", frontend=None, stride=1, normalise=None, random_state=0, device="cpu", layout="nct")
TAG = dict(cell="gru", hidden_size=4, max_epochs=1, batch_size=8, random_state=0, device="cpu", layout="nct")


@pytest.fixture(scope="module")
def gunpoint():
    """16 GunPoint training series cut to 40 steps, as sktime gives them: (16, 1, 40), labels '1' / '2'."""
    return gunpoint_train(16, 40)


def _epochs(log_dir) -> int:
    return torch.load(log_dir / CHECKPOINT, weights_only=True)["epoch"] + 1


def test_l7_01_a_model_directory_given_as_log_dir_to_resume(gunpoint, tmp_path):
    X, y = gunpoint
    SequenceClassifier(**TINY).fit(X, y).save(tmp_path / "model")
    with pytest.raises(ValueError) as e:  # trained from the first epoch, writing logs into the model, before
        SequenceClassifier(**TINY, log_dir=str(tmp_path / "model")).fit(X, y, resume=True)
    assert "is a model directory written by save(), not the log_dir of a fit" in one_line(e)
    assert "rnnkit.load(" in one_line(e)
    assert sorted(p.name for p in (tmp_path / "model").iterdir()) == ["config.json", "model.safetensors"]
    config = tmp_path / "model" / "config.json"
    config.write_bytes(config.read_bytes()[:100])  # half-written: still a model's directory, with its weights
    with pytest.raises(ValueError, match="is a model directory written by save"):
        SequenceClassifier(**TINY, log_dir=str(tmp_path / "model")).fit(X, y, resume=True)


def test_l7_02_load_of_a_log_dir_or_of_its_checkpoint(gunpoint, tmp_path):
    X, y = gunpoint
    SequenceClassifier(**TINY, log_dir=str(tmp_path / "logs")).fit(X, y)
    with pytest.raises(ValueError) as e:  # was: cannot read config.json ([Errno 2] No such file or directory ...)
        rnnkit.load(tmp_path / "logs")
    assert "holds a checkpoint (checkpoints/last.ckpt) and no config.json, the log_dir of a fit" in one_line(e)
    assert "resume=True" in one_line(e) and "save()" in one_line(e)
    with pytest.raises(ValueError) as e:
        rnnkit.load(tmp_path / "logs" / CHECKPOINT)
    assert "is the checkpoint of a fit (Lightning's .ckpt" in one_line(e)
    # an unfinished `rnnkit train`: its --out marked as a training directory
    (tmp_path / "logs" / TRAINING_FILE).write_text(json.dumps({"format": "rnnkit.estimator.training"}))
    with pytest.raises(ValueError, match="an unfinished rnnkit train: rerun the same command with --resume"):
        rnnkit.load(tmp_path / "logs")


def test_l7_03_resume_and_verbose_are_flags(gunpoint, tmp_path, capsys):
    X, y = gunpoint
    with pytest.raises(ValueError) as e:  # a truthy "no" resumed (here: refused for want of a log_dir)
        SequenceClassifier(**TINY).fit(X, y, resume="no")
    assert one_line(e) == "SequenceClassifier.fit: resume must be True or False, got 'no'"
    with pytest.raises(ValueError, match=r"verbose must be True or False \(or a count >= 0, as scikit-learn's\), "
                                         r"got 'no'"):
        SequenceClassifier(**TINY, verbose="no").fit(X, y)  # printed the progress bar
    assert capsys.readouterr().err == ""
    SequenceClassifier(**{**TINY, "max_epochs": 1}, verbose=0).fit(X, y, resume=False)  # still read


def test_l7_04_resume_with_fewer_epochs_than_the_checkpoint_has(gunpoint, tmp_path):
    X, y = gunpoint
    logs = str(tmp_path / "logs")
    SequenceClassifier(**{**TINY, "max_epochs": 4}, log_dir=logs).fit(X, y)
    for fewer in (3, 2):  # 3: a model of 4 epochs came back; 2: Lightning's MisconfigurationException
        with pytest.raises(ValueError) as e:
            SequenceClassifier(**{**TINY, "max_epochs": fewer}, log_dir=logs).fit(X, y, resume=True)
        assert f"holds a fit that has finished 4 epochs, more than max_epochs={fewer}" in one_line(e)
        assert "resume with max_epochs >= 4" in one_line(e)
    again = SequenceClassifier(**{**TINY, "max_epochs": 4}, log_dir=logs).fit(X, y, resume=True)
    assert len(again.loss_curve_) == 4  # the finished fit, restored


def test_l7_05_a_rerun_of_an_early_stopped_fit_trains_no_more(gunpoint, tmp_path):
    X, y = gunpoint
    options = {**TINY, "max_epochs": 40, "early_stopping_patience": 2, "validation_fraction": 0.25, "lr": 5e-2,
               "log_dir": str(tmp_path / "logs")}
    first = SequenceClassifier(**options).fit(X, y)
    stopped = _epochs(tmp_path / "logs")
    assert len(first.loss_curve_) == stopped < 40
    rerun = SequenceClassifier(**options).fit(X, y, resume=True)  # the same line, run again: trained on before
    assert rerun.loss_curve_ == first.loss_curve_ and rerun.validation_loss_curve_ == first.validation_loss_curve_
    assert _epochs(tmp_path / "logs") == stopped
    np.testing.assert_array_equal(rerun.predict_proba(X), first.predict_proba(X))


def test_l7_06_the_log_dir_of_another_model(gunpoint, tmp_path):
    X, y = gunpoint
    SequenceRegressor(**TINY, log_dir=str(tmp_path / "r")).fit(X, (y == "1").astype(float))
    with pytest.raises(ValueError) as e:  # was: "belongs to another run: the data differ"
        SequenceClassifier(**TINY, log_dir=str(tmp_path / "r")).fit(X, y, resume=True)
    assert "was written by the fit of a SequenceRegressor, not of a SequenceClassifier" in one_line(e)
    assert "give this fit a log_dir of its own" in one_line(e)
    SequenceTagger(**TAG, log_dir=str(tmp_path / "t")).fit(X, np.repeat(y[:, None], 40, axis=1))
    with pytest.raises(ValueError, match="was written by the fit of a SequenceTagger, not of a SequenceClassifier"):
        SequenceClassifier(**TINY, log_dir=str(tmp_path / "t")).fit(X, y, resume=True)
    series = pd.Series(np.sin(np.arange(60) / 3.0))
    Forecaster(model="direct", lookback=8, horizon=2, hidden_size=4, max_epochs=1, random_state=0, device="cpu",
               log_dir=str(tmp_path / "f")).fit(series)
    with pytest.raises(ValueError) as e:  # was: twenty parameters "... then, ... now"
        SequenceClassifier(**TINY, log_dir=str(tmp_path / "f")).fit(X, y, resume=True)
    assert "was written by the fit of a Forecaster, not of a SequenceClassifier" in one_line(e)
    SequenceClassifier(**TINY, log_dir=str(tmp_path / "c")).fit(X, y)
    with pytest.raises(ValueError, match="was written by the fit of a SequenceClassifier, not of a Forecaster"):
        Forecaster(model="direct", lookback=8, horizon=2, hidden_size=4, max_epochs=1, random_state=0, device="cpu",
                   log_dir=str(tmp_path / "c")).fit(series, resume=True)
    # the same estimator with other settings is still told what differs
    with pytest.raises(ValueError, match="hidden_size 4 then, 5 now"):
        SequenceRegressor(**{**TINY, "hidden_size": 5}, log_dir=str(tmp_path / "r")).fit(
            X, (y == "1").astype(float), resume=True)


def test_l7_07_set_params_after_fit_then_save_or_predict(gunpoint, tmp_path):
    X, y = gunpoint
    clf = SequenceClassifier(**TINY).fit(X, y)
    expected = clf.predict_proba(X)
    clf.set_params(num_layers=2)
    with pytest.raises(ValueError) as e:  # was: saved, then load said "corrupt rnnkit model directory"
        clf.save(tmp_path / "m")
    assert one_line(e) == ("SequenceClassifier.save: num_layers=2 was set after fit, but the fitted model has "
                           "num_layers=1; set it back (set_params(num_layers=1)) to use this model, or fit again")
    assert not (tmp_path / "m").exists()
    np.testing.assert_array_equal(clf.predict_proba(X), expected)  # predict reads the fitted model
    clf.set_params(num_layers=1, time_aware=True)
    with pytest.raises(ValueError, match=r"SequenceClassifier.predict: time_aware=True was set after fit, but the "
                                         r"fitted model has time_aware=False"):  # was: "x has 3 features ..."
        clf.predict(X)
    with pytest.raises(ValueError, match="SequenceClassifier.score: time_aware=True was set after fit"):
        clf.score(X, y)
    clf.set_params(time_aware=False, max_epochs=7)  # a parameter of the next fit only: saved as it is
    clf.save(tmp_path / "m")
    back = rnnkit.load(tmp_path / "m")
    np.testing.assert_array_equal(back.predict_proba(X), expected)
    with pytest.raises(ValueError, match="time_aware=True was set after fit"):
        back.set_params(time_aware=True).predict(X)


def test_l7_08_early_stopping_holds_out_a_whole_class(gunpoint):
    X, y = gunpoint
    pair = [int(np.flatnonzero(y == "1")[0]), int(np.flatnonzero(y == "2")[0])]
    with pytest.raises(ValueError) as e:  # trained on the other class alone, silently
        SequenceClassifier(**TINY, early_stopping_patience=1).fit(X[pair], y[pair])
    assert one_line(e) == (
        "SequenceClassifier.fit: early stopping holds out validation_fraction=0.1 of the 2 sequences (1), and with "
        "them every sequence of class '1' (1), which the fit would then never learn; lower validation_fraction, give "
        "more sequences of that class, or fit without early stopping (early_stopping_patience=None)")
    tags = np.repeat(y[:, None], 40, axis=1)  # per step: class '1' only in the sequences held out
    with pytest.raises(ValueError, match="and with them every step of class '1' "):
        SequenceTagger(**TAG, early_stopping_patience=1, validation_fraction=0.5).fit(X[pair], tags[pair])
    # a class of one sequence among eight stays in training (the split is stratified): accepted
    few = pair[:1] + list(np.flatnonzero(y == "2")[:7])
    SequenceClassifier(**{**TINY, "max_epochs": 1}, early_stopping_patience=1, validation_fraction=0.5).fit(
        X[few], y[few])


def test_l7_09_predict_in_the_other_layout_than_the_estimator_reads(gunpoint, tmp_path):
    X, y = gunpoint
    SequenceClassifier(**TINY).fit(X, y).save(tmp_path / "m")
    clf = rnnkit.load(tmp_path / "m")
    expected = clf.predict(X)
    for ntf in (X.transpose(0, 2, 1), list(X.transpose(0, 2, 1))):  # (n, T, F) to a model reading (n, C, T)
        with pytest.raises(ValueError) as e:
            clf.predict(ntf)
        assert one_line(e) == (
            "SequenceClassifier.predict: X has 40 features per step, but the estimator was fitted with 1; X is read "
            "in the estimator's layout='nct', and in layout='ntf' it would have 1: if X is (n, T, F), "
            "set_params(layout='ntf') (or transpose X's last two axes)")
    np.testing.assert_array_equal(clf.set_params(layout="ntf").predict(X.transpose(0, 2, 1)), expected)
    with pytest.raises(ValueError, match=r"in layout='nct' it would have 1: if X is \(n, channels, T\)"):
        clf.predict(X)
    with pytest.raises(ValueError) as e:  # another channel count: no other reading to offer
        clf.predict(np.zeros((2, 40, 6), dtype=np.float32))
    assert one_line(e) == ("SequenceClassifier.predict: X has 6 features per step, but the estimator was fitted with "
                           "1; give X the 1 feature per step it was fitted on, in the same order (n_features_in_)")


def test_l7_10_a_pipeline_whose_transformer_gives_pandas(gunpoint):
    X, y = gunpoint
    X2 = X[:, 0, :]  # univariate: (n, T)
    options = {**TINY, "max_epochs": 1, "layout": "auto"}
    pipe = make_pipeline(StandardScaler().set_output(transform="pandas"), SequenceClassifier(**options))
    with pytest.raises(ValueError) as e:  # was: "... or X.to_numpy() ...", which a Pipeline cannot do
        pipe.fit(X2, y)
    assert "X is a flat DataFrame with columns 'x0' ... 'x39', as a scikit-learn transformer gives" in one_line(e)
    assert "set_output(transform='default') on the step before SequenceClassifier" in one_line(e)
    pipe[0].set_output(transform="default")
    scaled = StandardScaler().fit_transform(X2)
    np.testing.assert_array_equal(pipe.fit(X2, y).predict_proba(X2),
                                  SequenceClassifier(**options).fit(scaled, y).predict_proba(scaled))


def test_l7_11_ctrl_c_during_fit_raises_keyboard_interrupt(gunpoint, tmp_path, monkeypatch):
    X, y = gunpoint
    step = SequenceModule.training_step

    def interrupted(self, batch, batch_idx):
        if self.current_epoch == 2:
            raise KeyboardInterrupt  # what Ctrl-C raises in the middle of the third epoch
        return step(self, batch, batch_idx)

    options = {**TINY, "max_epochs": 4, "log_dir": str(tmp_path / "logs")}
    handler = signal.getsignal(signal.SIGINT)
    monkeypatch.setattr(SequenceModule, "training_step", interrupted)
    try:
        with pytest.raises(KeyboardInterrupt, match="fit interrupted"):  # was: Lightning's sys.exit(1)
            SequenceClassifier(**options).fit(X, y)
    finally:
        signal.signal(signal.SIGINT, handler)
    assert _epochs(tmp_path / "logs") == 2
    monkeypatch.setattr(SequenceModule, "training_step", step)
    resumed = SequenceClassifier(**options).fit(X, y, resume=True)
    full = SequenceClassifier(**{**TINY, "max_epochs": 4}).fit(X, y)
    assert resumed.loss_curve_ == full.loss_curve_
    np.testing.assert_array_equal(resumed.predict_proba(X), full.predict_proba(X))


def test_l7_12_an_empty_path_as_log_dir_or_save_directory(gunpoint, tmp_path, monkeypatch):
    X, y = gunpoint
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError) as e:  # logged and checkpointed into the current directory, silently
        SequenceClassifier(**TINY, log_dir="").fit(X, y)
    assert one_line(e).endswith("log_dir must be None or a directory path, got '' (None: no logs; for the current "
                                "directory pass '.')")
    assert list(tmp_path.iterdir()) == []
    clf = SequenceClassifier(**TINY).fit(X, y)
    for here in ("", "."):  # was: OSError: [Errno 16] Device or resource busy: '.' -> '..old-…'
        with pytest.raises(ValueError) as e:
            clf.save(here)
        assert one_line(e) == (f"save: the directory {here!r} is the current directory, which the model directory "
                               "cannot replace; give the path of the model's own directory (e.g. 'model')")
    clf.save("model")
    np.testing.assert_array_equal(rnnkit.load("model").predict(X), clf.predict(X))


def test_l7_13_score_with_sample_weight_of_text(gunpoint):
    X, y = gunpoint
    target = (y == "1").astype(float)
    clf = SequenceClassifier(**{**TINY, "max_epochs": 1}).fit(X, y)
    reg = SequenceRegressor(**{**TINY, "max_epochs": 1}).fit(X, target)
    text = np.array(["1"] * 8 + ["2"] * 8)  # weights read from a CSV without parsing
    # was: the regressor read '1' as 1.0; the classifier: numpy's "The `dtype` and `signature` arguments to ufuncs ..."
    for estimator, truth in ((clf, y), (reg, target)):
        with pytest.raises(ValueError) as e:
            estimator.score(X, truth, sample_weight=text)
        assert one_line(e) == (f"{type(estimator).__name__}.score: sample_weight holds str values (e.g. '1'), not "
                               f"numbers; give one number per sequence: convert them yourself (e.g. pd.to_numeric)")
        assert estimator.score(X, truth, sample_weight=text.astype(float)) == pytest.approx(
            estimator.score(X, truth, sample_weight=[1.0] * 8 + [2.0] * 8))
