"""Thirty-fourth round: the estimators as a scikit-learn, sktime or aeon user meets them: ``predict_log_proba``
(a Pipeline's, log_loss's), an ``(n, T, C)`` array made channels first by ``reshape`` instead of a transpose."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from rnnkit import SequenceClassifier, SequenceTagger
from rnnkit.estimators import as_sequences

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
    X = X[:, :, :50]  # half of each recording: a smaller fit
    n, C, T = X.shape
    reshaped = X.transpose(0, 2, 1).reshape(n, C, T)  # what a user does to their own (n, T, C) data
    with pytest.warns(UserWarning, match=r"X of shape \(40, 6, 50\) is read channels first.*X\.reshape\(40, 50, "
                                         r"6\) holds 6 channels of their own spread.*a reshape is not a transpose"):
        SequenceClassifier(**TINY, layout="nct").fit(reshaped, y)
    with warnings.catch_warnings(record=True) as caught:  # the filter the message gives silences it
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message=".*a reshape is not a transpose")
        as_sequences(reshaped, "SequenceClassifier.fit", layout="nct")  # fit's reading, without the training
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


def test_E34_03_a_nested_frame_whose_cells_hold_whole_sequences_is_named():
    # before: 'sequence 0 has shape (14, 1, 2); each must be (T_i, F) or (T_i,)', a shape the user never made
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(int(rng.integers(5, 15)), 2)) for _ in range(12)]
    y = np.array(["a", "b"] * 6)
    with pytest.raises(ValueError, match=r"row 0, column 'signal' of the nested DataFrame X holds an array of shape "
                                         r"\(\d+, 2\), not one channel's steps.*list\(X\['signal'\]\)"):
        SequenceClassifier(**TINY).fit(pd.DataFrame({"signal": seqs}), y)
    two = pd.DataFrame({"a": [s[:, :1] for s in seqs], "b": [s[:, 1:] for s in seqs]})  # (T, 1) cells
    with pytest.raises(ValueError, match=r"column 'a' .* holds an array of shape \(\d+, 1\).*cell\.ravel\(\)"):
        SequenceClassifier(**TINY).fit(two, y)
    ok = _fit(SequenceClassifier(**TINY), list(pd.DataFrame({"signal": seqs})["signal"]), y)  # the fix reads
    assert ok.n_features_in_ == 2


def test_E34_04_class_weight_in_class_order_names_the_dict_by_label():
    # before: 'class_weight must be None, 'balanced' or a dict {label: weight}, got tensor([1., 2.])', no fix
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 6, 1)).astype(np.float32)
    y = np.array(["down", "up"] * 6)
    for weights in ([1.0, 2.0], np.array([1.0, 2.0]), torch.tensor([1.0, 2.0])):
        with pytest.raises(ValueError, match=r"a weight per class in class order, as torch's CrossEntropyLoss"
                                             r".*dict\(zip\(np\.unique\(y\), weights\)\)"):
            SequenceClassifier(**TINY, class_weight=weights).fit(X, y)
    with pytest.raises(ValueError, match=r"'balanced_subsample' is a random forest's.*pass 'balanced'"):
        SequenceClassifier(**TINY, class_weight="balanced_subsample").fit(X, y)
    fitted = _fit(SequenceClassifier(**TINY, class_weight=dict(zip(np.unique(y), [1.0, 2.0], strict=True))), X,
                  y)
    assert list(fitted.classes_) == ["down", "up"]


def test_E34_05_multi_label_targets_name_one_classifier_per_column():
    # before: 'y must hold one label per item (1-D), got shape (30, 2)', nothing of multi-label or the fix
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 6, 2)).astype(np.float32)
    Y = np.stack([X[:, :, 0].mean(1) > 0, X[:, :, 1].mean(1) > 0], axis=1).astype(int)
    with pytest.raises(ValueError, match=r"got shape \(30, 2\); its 2 columns of 0/1.*multi-label targets.*"
                                         r"MultiOutputClassifier\(SequenceClassifier\(\.\.\.\)\)"):
        SequenceClassifier(**TINY).fit(X, Y)
    from sklearn.multioutput import MultiOutputClassifier

    fitted = _fit(MultiOutputClassifier(SequenceClassifier(**TINY)), X, Y)  # the fix runs
    assert fitted.predict(X).shape == (30, 2)
    with pytest.raises(ValueError, match=r"one-hot encoded"):  # a single 1 per row: one-hot, as before
        SequenceClassifier(**TINY).fit(X, np.eye(2, dtype=int)[Y[:, 0]])


def test_E34_06_aeons_list_given_as_ntf_names_layout_nct():
    # before: 'sequence 1 of X has 16 features but sequence 0 of X has 19', nothing of aeon's (C, T_i) layout
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(3, n)) for n in (19, 16, 12, 15, 18, 14)]  # aeon's unequal-length (C, T_i) list
    y = np.array(["a", "b"] * 3)
    with pytest.raises(ValueError, match=r"sequence 1 of X has 16 features but sequence 0 of X has 19; "
                                         r"layout='ntf' reads each sequence as \(T_i, F\), but X's sequences share "
                                         r"their first axis \(3\).*pass layout='nct' \(or 'auto'\)"):
        SequenceClassifier(**TINY, layout="ntf").fit(X, y)
    assert _fit(SequenceClassifier(**TINY, layout="nct"), X, y).n_features_in_ == 3  # the fix reads
