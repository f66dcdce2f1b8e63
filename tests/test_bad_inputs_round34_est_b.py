"""Round 34 (second pass), the estimators' area: the measured comparison with a run that diverges, and the reshape
check on a list of channels-first arrays (rows E34-07 ... of docs/bad_inputs.md)."""

import math
import warnings

import numpy as np
import pytest

import rnnkit.compare
import rnnkit.tasks
from rnnkit.estimators import as_sequences

QUICK = dict(lengths=[5], seeds=1, steps=3, eval_every=10, hidden_size=4, batch_size=8,
             task_params={"n_train": 16, "n_val": 16, "n_test": 16})


def test_E34_07_a_run_that_diverges_is_recorded_as_nan_not_the_end_of_the_comparison(tmp_path):
    # before: NonFiniteLossError 'non-finite loss (inf) at optimizer step 1 ...' out of compare: the comparison
    # ended there, its other runs (and the report) lost
    lines = []
    results = rnnkit.compare.compare("adding", cells=["rnn", "gru"], lr=1e30, clip_grad_norm=None, log=lines.append,
                                     out=tmp_path / "run", **QUICK)
    for cell in ("rnn", "gru"):
        run = results["runs"][cell][0]
        assert math.isnan(run["test_metric"]) and run["success"] is False and run["steps"] < 3
    assert len(lines) == 2 and all("mse=nan" in line and "diverged: its loss turned non-finite at step" in line
                                   for line in lines)
    assert "| rnn | " in (tmp_path / "run" / "report.md").read_text()  # the report is written


@pytest.mark.parametrize("refused", [False, True])
def test_E34_08_outputs_holding_nan_score_nan_in_the_comparison_whatever_task_score_does(monkeypatch, refused):
    # before: the comparison took its metric from Task.score: a NaN output's accuracy arg-maxed from NaN (class 0, a
    # plausible number) before K34-06, a refusal that ended the comparison at K34-06, nan with Task.score's warning
    # since; compare now records such a run as diverged itself, whatever Task.score does with NaN
    original = rnnkit.compare.predict

    def diverged(model, split, kind, **kwargs):
        out = original(model, split, kind, **kwargs)
        out[::2] = np.nan  # half the rows, as a model that overflowed on some inputs gives them
        return out

    def refusing(self, output, split="test"):
        if np.isnan(np.asarray(output, dtype=float)).any():
            raise ValueError("output holds NaN")
        return score(self, output, split)

    score = rnnkit.tasks.Task.score
    monkeypatch.setattr(rnnkit.compare, "predict", diverged)
    if refused:
        monkeypatch.setattr(rnnkit.tasks.Task, "score", refusing)
    lines = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # the run is recorded as diverged, not scored with a warning
        results = rnnkit.compare.compare("digits", lengths=[None], seeds=1, steps=2, eval_every=10, hidden_size=4,
                                         batch_size=8, cells=["rnn"], log=lines.append)
    run = results["runs"]["rnn"][0]
    assert math.isnan(run["test_metric"]) and run["success"] is False
    assert "accuracy=nan" in lines[0] and "diverged: its test outputs hold NaN or infinity" in lines[0]
    adding = rnnkit.tasks.get_task("adding", T=5, n_train=8, n_val=8, n_test=8)
    assert math.isnan(rnnkit.compare.score_outputs(adding, np.full(8, np.inf)))  # an overflowed regression, too
    assert rnnkit.compare.score_outputs(adding, np.full(8, 1.0)) == adding.score(np.full(8, 1.0))


def test_E34_09_an_equal_shape_list_of_reshaped_channels_first_arrays_is_warned_of():
    # before: silent; the check ran on an (n, C, T) array only, not on a list of (C, T) arrays made by reshape
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 50, 3)) + np.array([0.0, 5.0, 10.0])  # (n, T, C): channels of their own level
    reshaped = list(X.reshape(40, 3, 50))  # each (C, T) by reshape, not transpose
    with pytest.warns(UserWarning, match=r"X, a list of 40 arrays of shape \(3, 50\), is read channels first "
                                         r"\(layout='nct'\).*np\.stack\(X\)\.reshape\(40, 50, 3\) holds 3 channels "
                                         r"of their own level.*a reshape is not a transpose"):
        as_sequences(reshaped, "SequenceClassifier.fit", layout="nct")  # fit's reading, without the training
    with warnings.catch_warnings(record=True) as caught:  # quiet on the genuine transpose, and after fit
        warnings.simplefilter("always")
        as_sequences(list(X.transpose(0, 2, 1)), "SequenceClassifier.fit", layout="nct")
        as_sequences(reshaped, "SequenceClassifier.predict", 3, layout="nct")
    assert not [w for w in caught if "reshape is not a transpose" in str(w.message)]


def test_E34_10_partial_fit_and_warm_start_say_that_fit_starts_anew():
    # before: Python's "'SequenceClassifier' object has no attribute 'partial_fit'" and scikit-learn's "Invalid
    # parameter 'warm_start' for estimator ...": no word that every fit starts anew, nor what to use instead
    from sklearn.base import clone

    from rnnkit import SequenceClassifier, SequenceRegressor

    for estimator in (SequenceClassifier(), SequenceRegressor()):
        assert not hasattr(estimator, "partial_fit")  # absent still: scikit-learn reads it as not incremental
        with pytest.raises(AttributeError, match=r"no attribute 'partial_fit': every fit starts anew .*max_epochs"
                                                 r".*resume=True"):
            estimator.partial_fit(np.zeros((2, 3, 1)), [0, 1])
        with pytest.raises(ValueError, match=r"set_params: there is no warm_start: every fit starts anew .*"
                                             r"resume=True"):
            estimator.set_params(warm_start=True)
        with pytest.raises(ValueError, match=r"set_params: invalid parameter 'hiden_size'; did you mean "
                                             r"'hidden_size'\?"):
            estimator.set_params(hiden_size=8)  # any key it does not take, explained as the constructor explains it
        assert clone(estimator.set_params(max_epochs=3)).max_epochs == 3  # other parameters as before
        with pytest.raises(AttributeError, match=r"no attribute 'classes_'$"):
            getattr(estimator, "classes_")  # noqa: B009  (the attribute read itself)
