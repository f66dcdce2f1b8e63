"""Thirty-fourth round: the estimators as a scikit-learn, sktime or aeon user meets them: ``predict_log_proba``
(a Pipeline's, log_loss's), an ``(n, T, C)`` array made channels first by ``reshape`` instead of a transpose."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from rnnkit import SequenceClassifier, SequenceTagger

TINY = dict(cell="gru", hidden_size=4, max_epochs=1, batch_size=8, lr_schedule=None, random_state=0, device="cpu",
            frontend=None, normalise=None)


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _basic_motions():
    sktime = pytest.importorskip("sktime.datasets")
    return sktime.load_basic_motions(split="train", return_type="numpy3D")  # (40, 6, 100), channels first


def test_E34_01_predict_log_proba_is_the_log_of_predict_proba():
    # before: AttributeError ('SequenceClassifier' object has no attribute 'predict_log_proba'), also through a
    # Pipeline ending in the classifier, as scikit-learn's classifiers with predict_proba all offer it
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 10, 2)).astype(np.float32)
    y = np.where(X[:, :, 0].mean(1) > 0, "up", "down")
    clf = _fit(SequenceClassifier(**TINY), X, y)
    proba, log_proba = clf.predict_proba(X), clf.predict_log_proba(X)
    assert log_proba.shape == (24, 2)
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-5, atol=1e-7)
    assert (clf.classes_[log_proba.argmax(1)] == clf.predict(X)).all()
    pipe = _fit(make_pipeline(FunctionTransformer(), SequenceClassifier(**TINY)), X, y)
    np.testing.assert_allclose(pipe.predict_log_proba(X), log_proba, rtol=1e-5, atol=1e-6)
    with torch.no_grad():  # logits hundreds apart: predict_proba rounds a probability to 0, its log stays finite
        for p in clf.model_.parameters():
            p.mul_(300)
    assert (clf.predict_proba(X) == 0).any()
    assert np.isfinite(clf.predict_log_proba(X)).all()
    tagger = _fit(SequenceTagger(cell="gru", hidden_size=4, max_epochs=1, random_state=0, device="cpu"), X,
                  (X[:, :, 0] > 0).astype(int))
    logs = tagger.predict_log_proba(list(X[:3]))
    assert [a.shape for a in logs] == [(10, 2)] * 3
    for a, p in zip(logs, tagger.predict_proba(list(X[:3])), strict=True):
        np.testing.assert_allclose(np.exp(a), p, rtol=1e-5, atol=1e-7)


def test_E34_02_an_ntc_array_reshaped_to_channels_first_is_warned_of():
    # before: silent; X.reshape(n, C, T) of an (n, T, C) array, given with layout='nct', trained with each
    # "channel" holding the six channels' steps in turn
    X, y = _basic_motions()
    n, C, T = X.shape
    reshaped = X.transpose(0, 2, 1).reshape(n, C, T)  # what a user does to their own (n, T, C) data
    with pytest.warns(UserWarning, match=r"X of shape \(40, 6, 100\) is read channels first.*X\.reshape\(40, 100, "
                                         r"6\) holds 6 channels of their own spread.*a reshape is not a transpose"):
        SequenceClassifier(**TINY, layout="nct").fit(reshaped, y)
    with warnings.catch_warnings(record=True) as caught:  # the filter the message gives silences it
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message=".*a reshape is not a transpose")
        SequenceClassifier(**TINY, layout="nct").fit(reshaped, y)
    assert not [w for w in caught if "reshape" in str(w.message)]


def test_E34_02_the_reshape_check_is_quiet_on_genuine_channels_first_data():
    # pinned: no false alarm on the data as sktime gives it, nor on genuine sets whose values could fool a check
    from rnnkit.checks import interleaved_channels

    X, y = _basic_motions()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SequenceClassifier(**TINY, layout="numpy3D").fit(X, y)
    assert not [w for w in caught if "reshape is not a transpose" in str(w.message)]
    rng = np.random.default_rng(0)
    t = np.arange(42)
    season = np.sin(2 * np.pi * t / 4) + 0.2 * rng.normal(size=(50, 4, 42))  # a season of 4 steps, 4 channels
    assert interleaved_channels(season) is None
    levels = rng.normal(size=(60, 12, 7)) + np.arange(12)[None, :, None]  # more channels than steps, own levels
    assert interleaved_channels(levels) is None
    assert interleaved_channels(levels.transpose(0, 2, 1).reshape(60, 12, 7)) is not None  # the same, reshaped
    assert interleaved_channels(rng.normal(size=(40, 6, 100))) is None  # noise


def test_E34_02_advice_to_transpose_says_not_to_reshape():
    # the layout warning of fewer steps than features names the transpose, and that a reshape is not one
    X, y = _basic_motions()
    with pytest.warns(UserWarning, match=r"X\.transpose\(0, 2, 1\); never X\.reshape\(n, T, C\)"):
        SequenceClassifier(**TINY).fit(X, y)
