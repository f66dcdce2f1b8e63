"""Forty-sixth round, the estimators, the tasks and the comparison (E46-xx): each test fails on the commit before
its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit import SequenceClassifier, SequenceRegressor

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def _y(n=12):
    return np.array([0, 1] * (n // 2))


def test_E46_01_label_smoothing_as_a_percentage_or_text_says_the_fraction():
    # before: "label_smoothing must be a number in [0, 1) (0: the plain cross-entropy), got 10" and nothing more
    cases = [(10, r"got 10; a percentage\? pass label_smoothing=0\.1 for 10%"),
             ("0.1", r"got '0\.1' \(text\); pass label_smoothing=0\.1, a number"),
             (1, r"got 1; label_smoothing=1 would train every sequence towards the uniform distribution"),
             (-0.1, r"got -0\.1; eps is at least 0: pass label_smoothing=0\.1 if the sign slipped in"),
             ("high", r"got 'high'; pass a number such as label_smoothing=0\.1, or label_smoothing='auto'")]
    for given, match in cases:
        with pytest.raises(ValueError, match=r"SequenceClassifier\.fit: label_smoothing must be .*" + match):
            SequenceClassifier(label_smoothing=given, **TINY).fit(_x(), _y())


def test_E46_01_label_smoothing_in_range_fits_as_before():
    assert SequenceClassifier(label_smoothing=0.1, **TINY).fit(_x(), _y()).classes_.tolist() == [0, 1]


@pytest.mark.parametrize("name", ["predict_proba", "predict_log_proba", "decision_function"])
def test_E46_02_a_regressors_predict_proba_says_it_predicts_values(name):
    # before: "'SequenceRegressor' object has no attribute 'predict_proba'" and nothing more
    reg = SequenceRegressor(**TINY)
    assert not hasattr(reg, name)  # absent, as scikit-learn's regressors' (meta-estimators read hasattr)
    with pytest.raises(AttributeError, match=rf"has no attribute '{name}': a regressor predicts values, with "
                                             r"predict\(X\); for probabilities of classes, fit a SequenceClassifier"):
        getattr(reg, name)


def _long(copy, n=12, T=5, ids=None):
    rng = np.random.default_rng(1)
    ids = list(range(100, 100 + n)) if ids is None else ids
    rows = [dict(id=i, t=t, f=rng.normal(), **({copy: i} if copy else {})) for i in ids for t in range(T)]
    return pd.DataFrame(rows).set_index(["id", "t"])


def test_E46_03_a_long_frames_copy_of_its_ids_as_a_feature_is_warned():
    # before: the column 'store' (each row's own instance id) read as a feature without a word
    X = _long("store")
    with pytest.warns(UserWarning, match=r"X's column\(s\) \['store'\] hold each sequence's own id \(X's index "
                                         r"level 'id'\) on every step, yet are read as features.*"
                                         r"X\.drop\(columns=\['store'\]\)"):
        SequenceClassifier(**TINY).fit(X, _y())
    with pytest.warns(UserWarning, match=r"\['store'\] hold each sequence's own id"):
        SequenceRegressor(**TINY).fit(X, np.random.default_rng(2).normal(size=12))


def test_E46_03_a_static_feature_that_is_not_the_id_is_read_quietly():
    X = _long(None)
    X["size"] = np.repeat(np.arange(12) * 3.0, 5)  # a static covariate: constant per sequence, not its id
    X["f2"] = 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        SequenceClassifier(**TINY).fit(X.drop(columns="f2"), _y())
        SequenceClassifier(**TINY).fit(_long(None, ids=list("abcdefghijkl")), _y())  # text ids: no column to copy


@pytest.mark.parametrize("given, match", [
    (-0.01, r"lr must be a finite number > 0, got -0\.01; .*pass lr=0\.01 if the sign slipped in"),
    (0, r"lr must be a finite number > 0, got 0; lr=0 would leave the weights as they were initialised: pass e\.g\. "
        r"lr=0\.001")])
def test_E46_04_a_learning_rate_of_0_or_below_says_the_fix(given, match):
    # before: "lr must be a finite number > 0, got -0.01" (the training's own check) and nothing more
    with pytest.raises(ValueError, match=r"SequenceClassifier\.fit: " + match):
        SequenceClassifier(hidden_size=4, max_epochs=1, lr=given).fit(_x(), _y())


def test_E46_04_a_negative_or_text_weight_decay_says_the_fix():
    # before: "weight_decay must be a finite number >= 0, got -0.0001" and nothing more
    with pytest.raises(ValueError, match=r"weight_decay must be a finite number >= 0, got -0\.0001; a negative decay "
                                         r"would grow the weights each step: pass weight_decay=0\.0001"):
        SequenceClassifier(weight_decay=-1e-4, **TINY).fit(_x(), _y())
    with pytest.raises(ValueError, match=r"got '1e-4' \(text\); pass weight_decay=0\.0001, a number"):
        SequenceClassifier(weight_decay="1e-4", **TINY).fit(_x(), _y())


def test_E46_05_a_list_of_one_length_with_one_sequence_short_of_a_feature_is_warned():
    # before: 19 sequences (6, 2) and one (6, 1) read as aeon's (channels, T_i), 6 channels of 1-2 steps, silently
    X = _x(12, 6, 2)
    seqs = [X[i] for i in range(11)] + [X[11][:, :1]]
    with pytest.warns(UserWarning, match=r"X's 12 sequences share their first axis \(6\) and not their second \(2 in "
                                         r"11, 1 in sequence 11 of X, \.\.\.\), so they are read as aeon's \(channels, "
                                         r"T_i\).*sequence 11 of X has 1 features where the others have 2: give "
                                         r"every sequence the same features.*layout='nct'"):
        SequenceClassifier(**TINY).fit(seqs, _y())


def test_E46_05_aeons_channels_first_lists_and_layout_nct_are_read_quietly():
    rng = np.random.default_rng(3)
    aeon = [rng.normal(size=(3, int(rng.integers(8, 20)))) for _ in range(12)]  # fewer channels than steps
    X = _x(12, 6, 2)
    seqs = [X[i] for i in range(11)] + [X[11][:, :1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert SequenceClassifier(**TINY).fit(aeon, _y()).n_features_in_ == 3
        assert SequenceClassifier(layout="nct", **TINY).fit(seqs, _y()).n_features_in_ == 6  # said so


@pytest.mark.parametrize("given, match", [
    ([8, 4], r"got \[8, 4\]; one size per layer, as Keras stacks them\? the num_layers layers share one hidden size: "
             r"pass hidden_size=8, num_layers=2"),
    ((16,), r"got \(16,\); one size per layer, .* pass hidden_size=16, num_layers=1")])
def test_E46_06_hidden_size_as_one_size_per_layer_says_num_layers(given, match):
    # before: "hidden_size must be an integer >= 1 or 'auto', got [8, 4]; pass an int >= 1 (e.g. hidden_size=2), …"
    with pytest.raises(ValueError, match=r"SequenceClassifier\.fit: hidden_size must be .*" + match):
        SequenceClassifier(hidden_size=given, max_epochs=1).fit(_x(), _y())


def test_E46_07_a_taggers_labels_transposed_say_y_T():
    # before: "SequenceTagger.fit: X has 12 sequences but y has 6 entries; they must match" and nothing more
    from rnnkit import SequenceTagger

    Y = np.zeros((12, 6), dtype=int) + np.arange(6) % 2
    with pytest.raises(ValueError, match=r"X has 12 sequences but y has 6 entries; they must match; y has shape "
                                         r"\(6, 12\), one column per sequence: transposed\? pass y\.T"):
        SequenceTagger(**TINY).fit(_x(), Y.T)
    assert SequenceTagger(**TINY).fit(_x(), Y).classes_.tolist() == [0, 1]
