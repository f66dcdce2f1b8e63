"""The twenty-second round's targets of the sequence estimators: what users pass as ``y`` (and as ``X``) of the
wrong kind for the estimator they call: per-step labels or targets where one per sequence is due (Y22-01 …
Y22-03), raw texts as X (Y22-04), a zero-padded array X without lengths (Y22-05), numbers for the tagger
(Y22-06), bools, categories and an id column for the regressor (Y22-07, Y22-08), a DataFrame of columns for the
classifier (Y22-09)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, user_warnings

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=8, lr_schedule=None,
            frontend=None, random_state=0, device="cpu")
TAG = {k: v for k, v in TINY.items() if k != "frontend"}  # the tagger takes no front-end
LENGTHS = (5, 7, 6, 8, 4, 6)


def _ragged() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=(n, 2)).astype(np.float32) for n in LENGTHS]


def _padded() -> np.ndarray:
    """The ragged sequences in one array, zeros after each one's end, as np.zeros((n, T, F)) filled row by row."""
    X = np.zeros((len(LENGTHS), max(LENGTHS), 2), dtype=np.float32)
    for i, x in enumerate(_ragged()):
        X[i, : len(x)] = x
    return X


LABELS = np.array([0, 1, 0, 1, 0, 1])


# -- Y22-01: per-step labels given to the classifier ---------------------------------------------------------
def test_Y22_01_per_step_labels_for_the_classifier_name_the_tagger():
    X = _ragged()
    steps = [np.arange(len(x)) % 2 for x in X]  # one label per step, varying along the steps
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, steps)
    message = one_line(err)
    # before: numpy's "setting an array element with a sequence. ... inhomogeneous shape ..."
    assert message.startswith("SequenceClassifier.fit: y holds one label per step of X's sequences (a list of label "
                              "arrays, sequence 0's of shape (5,) for its 5 steps), where the classifier takes one "
                              "label per sequence; to label every step use SequenceTagger")
    assert message.endswith("; or give each sequence one label of its own")
    constant = [np.full(len(x), label) for x, label in zip(X, LABELS, strict=True)]
    with pytest.raises(ValueError, match=r"the same at every step: give that one, \[labels\[0\] for labels in y\]$"):
        SequenceClassifier(**TINY).fit(X, constant)
    square = np.stack([np.full(5, label) for label in LABELS])  # (n, T) labels of an (n, T, F) X
    with pytest.raises(ValueError, match=r"one label per step of X's sequences \(an array of shape \(6, 5\)\).*"
                                         r"give that one, y\[:, 0\]$"):
        SequenceClassifier(**TINY).fit(np.random.default_rng(1).normal(size=(6, 5, 2)), square)
    # the tagger takes them as they are
    tagger = SequenceTagger(**TAG).fit(X, steps)
    assert [len(p) for p in tagger.predict(X)] == list(LENGTHS)


def test_Y22_01_per_step_labels_at_score_name_the_tagger():
    X = _ragged()
    clf = SequenceClassifier(**TINY).fit(X, LABELS)
    with pytest.raises(ValueError, match=r"^SequenceClassifier.score: y holds one label per step"):
        clf.score(X, [np.zeros(len(x), dtype=int) for x in X])


# -- Y22-02: ragged entries that are no label ----------------------------------------------------------------
def test_Y22_02_several_labels_per_sequence_or_X_as_y_name_the_entry():
    X = _ragged()
    several = [["walk", "run"] if i % 2 else ["sit"] for i in range(len(X))]
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, several)
    # before: numpy's "setting an array element with a sequence. ... inhomogeneous shape ..."
    assert one_line(err) == ("SequenceClassifier.fit: y holds a list of shape (2,) for sequence 1 (and one of shape "
                             "(1,) for sequence 0), not one label: the classifier takes one label per sequence, of "
                             "any hashable type (a tuple is one label); per-step labels are SequenceTagger's")
    with pytest.raises(ValueError, match=r"y holds an array of shape \(7, 2\) for sequence 1 \(and one of shape "
                                         r"\(5, 2\) for sequence 0\), not one label"):
        SequenceClassifier(**TINY).fit(X, X)
    # tuples are one label each, as before
    tuples = [("walk", "run") if i % 2 else ("sit",) for i in range(len(X))]
    assert set(SequenceClassifier(**TINY).fit(X, tuples).classes_.tolist()) == {("walk", "run"), ("sit",)}


# -- Y22-03: per-step targets given to the regressor ---------------------------------------------------------
def test_Y22_03_per_step_targets_for_the_regressor_name_one_per_sequence():
    X = np.random.default_rng(1).normal(size=(6, 8, 2)).astype(np.float32)
    with pytest.raises(ValueError) as err:
        SequenceRegressor(**TINY).fit(X, np.ones((6, 8, 1)))
    # before: "SequenceRegressor.fit: y must have shape (n,) or (n, k), got (6, 8, 1)"
    assert one_line(err) == (
        "SequenceRegressor.fit: y holds one target per step of X's sequences (an array of shape (6, 8, 1)), where the "
        "regressor takes one target (or one vector of k) per sequence: give one per sequence, e.g. y[:, -1] (the last "
        "step's) or y.mean(axis=1); SequenceTagger labels steps with classes, not numbers: for a number at every step "
        "train rnnkit.models.SequenceToSequence with rnnkit.training.SequenceModule(task='regression')")
    ragged = _ragged()
    with pytest.raises(ValueError, match=r"y holds one target per step of X's sequences \(a list of target arrays, "
                                         r"sequence 0's of shape \(5,\) for its 5 steps\).*\[t\[-1\] for t in y\]"):
        SequenceRegressor(**TINY).fit(ragged, [np.linspace(0, 1, len(x)) for x in ragged])
    # k targets per sequence stay k targets, k equal to X's steps too (a horizon as long as the input)
    assert SequenceRegressor(**TINY).fit(X, np.ones((6, 8)) * np.arange(6)[:, None]).predict(X).shape == (6, 8)
    # a ragged list of target vectors of other lengths is refused as before
    with pytest.raises(ValueError, match=r"^SequenceRegressor.fit: y is not a rectangular array"):
        SequenceRegressor(**TINY).fit(ragged, [[1.0, 2.0], [1.0]] * 3)


# -- Y22-04: raw texts as X ----------------------------------------------------------------------------------
TEXTS = ["a wonderful film, I loved every minute of it and would see it again", "dull", "great fun",
         "boring and long", "loved it", "awful"]


@pytest.mark.parametrize("X", [TEXTS, np.array(TEXTS), pd.Series(TEXTS)], ids=["list", "array", "series"])
def test_Y22_04_raw_texts_as_X_name_the_encoding(X):
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, LABELS)
    message = one_line(err)
    # before: "... is not numeric (could not convert string to float: np.str_('a wonderful film, ... again'))", or,
    # for an array of texts, "Reshape your data: X[None] for one sequence of 6 steps"
    assert message.startswith("SequenceClassifier.fit: sequence 0 of X is not numeric: it is a text ('a wonderful "
                              "film, I loved ever'..., 67 characters), not a sequence of numbers; the estimators read "
                              "a vector of numbers at each step: encode each text first")
    assert "vocab = rnnkit.data.Vocab.build(texts)" in message
    assert "X = [np.eye(len(vocab), dtype=np.float32)[vocab.encode(t).numpy()] for t in texts]" in message


def test_Y22_04_token_lists_as_X_name_the_encoding_and_the_named_recipe_fits():
    tokens = [t.split() for t in TEXTS]
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(tokens, LABELS)
    # before: "sequence 0 of X is not numeric (could not convert string to float: np.str_('a'))"
    assert "sequence 0 of X is not numeric: it holds text tokens ('a', ...), not numbers" in one_line(err)
    assert "Vocab.build(token_lists, level='token')" in str(err.value)
    # the recipe of the message, as written there
    vocab = rnnkit.data.Vocab.build(TEXTS)
    X = [np.eye(len(vocab), dtype=np.float32)[vocab.encode(t).numpy()] for t in TEXTS]
    clf = SequenceClassifier(**TINY).fit(X, LABELS)
    assert clf.n_features_in_ == len(vocab) and clf.predict(X).shape == (6,)


# -- Y22-05: an array X padded with zeros, without lengths ---------------------------------------------------
def test_Y22_05_a_zero_padded_array_is_warned_of_naming_the_list_of_sequences():
    X = _padded()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SequenceClassifier(**TINY).fit(X, LABELS)
    padding = [str(w.message) for w in caught if "zero padding" in str(w.message)]
    # before: no word; the zeros were read as steps of every shorter sequence
    assert padding == [
        "SequenceClassifier.fit: 5 of X's 6 sequences end in steps that are 0 in every feature (sequence 0 of X: its "
        "last 3 of 8 steps; 4 different counts), and no other step is: zero padding after each sequence's end? An "
        "array X is read as 8 steps in every sequence, the padding too; pass a list of the sequences at their own "
        "lengths (X takes sequences of different lengths), e.g. [x[:n] for x, n in zip(X, lengths)]; if the zeros "
        "are real, pass list(X), which is read as given"]
    assert caught[0].filename == __file__  # the user's line
    # the advice: the list at the sequences' own lengths, or list(X), is read without a word
    lengths = list(LENGTHS)
    assert not [m for m in user_warnings(lambda: SequenceClassifier(**TINY).prepare_batch(
        [x[:n] for x, n in zip(X, lengths, strict=True)])) if "zero padding" in m]
    assert not [m for m in user_warnings(lambda: SequenceClassifier(**TINY).prepare_batch(list(X)))
                if "zero padding" in m]


def test_Y22_05_zeros_that_do_not_look_like_padding_are_not_warned_of():
    quiet = lambda X: not [m for m in user_warnings(lambda: SequenceClassifier(**TINY).prepare_batch(X))
                           if "zero padding" in m]
    X = _padded()
    counts = X.copy()
    counts[1, 2] = 0  # an all-zero step inside a sequence: zeros are data here (counts, a sensor at rest)
    one = np.concatenate([X[:1], np.ones((5, 8, 2), np.float32)])  # a single sequence ends in zeros
    same = np.random.default_rng(1).normal(size=(6, 8, 2)).astype(np.float32)
    same[[0, 2, 4, 5], 5:] = 0  # four sequences end in 3 zero steps: runs of one length, as data may
    every = X[[0, 1, 2, 4, 5]]  # every sequence ends in zeros: none at full length
    assert quiet(counts) and quiet(one) and quiet(same) and quiet(every)
    assert not quiet(X) and not quiet(X[..., 0])  # (n, T) too: a padded series of one feature, or token ids


# -- Y22-06: numbers for the tagger --------------------------------------------------------------------------
def test_Y22_06_per_step_numbers_for_the_tagger_name_a_per_step_regression():
    X = _ragged()
    with pytest.raises(ValueError) as err:
        SequenceTagger(**TAG).fit(X, [np.linspace(0.5, 1.5, len(x)) for x in X])
    # before: "... not class labels; to predict a number use SequenceRegressor (rnnkit train --task regress), ...",
    # which predicts one number per sequence
    assert one_line(err) == (
        "SequenceTagger.fit: y holds continuous values (e.g. 0.5, not a whole number), not class labels; for a "
        "number at every step train rnnkit.models.SequenceToSequence with rnnkit.training.SequenceModule(task="
        "'regression') (SequenceRegressor predicts one per sequence), or bin the values into classes first")
    with pytest.raises(ValueError, match="to predict a number use SequenceRegressor"):  # the classifier's, as before
        SequenceClassifier(**TINY).fit(X, LABELS + 0.5)


# -- Y22-07: bools and categories for the regressor ----------------------------------------------------------
@pytest.mark.parametrize("y", [LABELS == 1, pd.Series(LABELS == 1, dtype="boolean"), (LABELS == 1).tolist()],
                         ids=["numpy", "nullable", "list"])
def test_Y22_07_bools_for_the_regressor_are_named_as_labels(y):
    with pytest.raises(ValueError) as err:
        SequenceRegressor(**TINY).fit(_ragged(), y)
    # before: regressed as 0.0 and 1.0 without a word (the nullable: "y mixes True/False with numbers")
    assert one_line(err) == ("SequenceRegressor.fit: y holds True/False, which are labels, not numbers; to classify "
                             "use SequenceClassifier; to regress the share of True (a probability), pass "
                             "y.astype(float)")


def test_Y22_07_categories_for_the_regressor_are_named_as_labels():
    y = pd.Series(pd.Categorical(LABELS * 10))
    with pytest.raises(ValueError) as err:
        SequenceRegressor(**TINY).fit(_ragged(), y)
    # before: regressed as the numbers 0.0 and 10.0 without a word
    assert one_line(err) == ("SequenceRegressor.fit: y is categorical (categories 0, 10): labels, not numbers; to "
                             "classify use SequenceClassifier; if the categories are numbers to regress, pass "
                             "y.astype(float)")
    reg = SequenceRegressor(**TINY).fit(_ragged(), y.astype(float))  # the fix named
    assert reg.predict(_ragged()).shape == (6,)


# -- Y22-08: an id column in the regressor's DataFrame y -----------------------------------------------------
def test_Y22_08_an_id_column_in_the_regressors_y_is_warned_of():
    y = pd.DataFrame({"sample_id": np.arange(100, 106), "target": np.linspace(0, 1, 6)})
    messages = user_warnings(lambda: SequenceRegressor(**TINY).fit(_ragged(), y))
    # before: regressed as a second target without a word
    assert ("SequenceRegressor.fit: y's column 'sample_id' holds 100, 101, ..., 105 down its rows, as ids or row "
            "numbers do, and is read as a target of its own beside 'target'; if it names the sequences, leave it "
            "out: y.drop(columns='sample_id')") in messages
    targets = pd.DataFrame({"a": np.linspace(0, 1, 6), "b": [3.0, 1, 4, 1, 5, 9]})
    assert not [m for m in user_warnings(lambda: SequenceRegressor(**TINY).fit(_ragged(), targets)) if "ids" in m]


# -- Y22-09: a DataFrame of several columns for the classifier -----------------------------------------------
def test_Y22_09_a_dataframe_of_columns_for_the_classifier_names_them():
    y = pd.DataFrame({"sample_id": np.arange(6), "label": LABELS})
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(_ragged(), y)
    # before: "SequenceClassifier.fit: y must hold one label per item (1-D), got shape (6, 2)", columns unnamed
    assert one_line(err) == ("SequenceClassifier.fit: y must hold one label per item (1-D), got shape (6, 2); y is "
                             "a DataFrame of 2 columns ('sample_id', 'label'): pass its column of labels, e.g. "
                             "y['label']")
