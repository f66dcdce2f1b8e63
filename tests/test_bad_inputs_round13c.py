"""Thirteenth round: the sequence estimators, the training layer and the loaders of text, audio, video, event logs
and DNA, given what a new user has at hand (sktime's arrays, files saved on Windows, real data sets).

One test per case of the catalogue (ids E13-01, E13-02, ...); each fails on the commit before its fix.
"""

import warnings

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from rnnkit import SequenceClassifier
from rnnkit.data.datasets import load_japanese_vowels
from rnnkit.data.text import TextClassificationDataset, Vocab
from rnnkit.diagnostics import saliency
from rnnkit.models import LanguageModel
from rnnkit.training import SequenceModule, TokenStreams, seeded_fit


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_e13_01_channels_first_with_more_channels_than_steps_is_warned_of():
    X, y = load_japanese_vowels("train")
    nct = np.stack([x[:7].T for x in X])  # (270, 12, 7): sktime's numpy3D of the utterances' first 7 frames
    small = dict(hidden_size=4, max_epochs=1, random_state=0)
    _, said = _caught(lambda: SequenceClassifier(**small).fit(nct, y))  # was read as 12 steps of 7 features, unsaid
    assert any("X is an array of shape (270, 12, 7), read as (n, T, F): 12 time steps of 7 features each; but its "
               "values run smoothly along its last axis" in m and "pass layout='nct'" in m for m in said), said
    _, said = _caught(lambda: SequenceClassifier(**small).fit(list(nct), y))
    assert any("a list of equal-shape arrays of shape (270, 12, 7)" in m for m in said), said
    for layout in ("nct", "ntf"):  # said which: no warning
        fitted, said = _caught(lambda: SequenceClassifier(**small, layout=layout).fit(nct, y))
        assert said == [] and fitted.n_features_in_ == (12 if layout == "nct" else 7)
    ntf = np.stack([x[:20] for x in X if len(x) >= 20])  # (n, 20, 12) in rnnkit's layout: smooth along time
    _, said = _caught(lambda: SequenceClassifier(**small).fit(ntf, np.arange(len(ntf)) % 2))
    assert said == []
    noise = np.random.default_rng(0).normal(size=(30, 12, 7))  # no time structure either way: nothing to say
    _, said = _caught(lambda: SequenceClassifier(**small).fit(noise, np.arange(30) % 2))
    assert said == []


def _lm() -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(10, 8)


@pytest.mark.parametrize("loader, message", [
    (dict(batch_size=None, shuffle=True), r"stateful=True carries each batch's final state into the next batch, but "
                                          r"the validation DataLoader shuffles \(RandomSampler\)"),
    (dict(batch_size=4), r"the validation DataLoader batches a TokenStreams \(batch_size=4\), whose items are whole "
                         r"batches already"),
])
def test_e13_02_a_stateful_module_checks_its_validation_loader_as_its_training_one(loader, message):
    train = DataLoader(TokenStreams(torch.arange(200) % 7, 4, 5), batch_size=None)
    val = DataLoader(TokenStreams(torch.arange(100) % 7, 4, 5), **loader)
    # were: a val_loss of windows each read from an unrelated window's state; default_collate's TypeError on None
    with pytest.raises(ValueError, match=message):
        seeded_fit(lambda: SequenceModule(_lm(), stateful=True), train, val, seed=0, max_epochs=1, device="cpu")
    in_order = DataLoader(TokenStreams(torch.arange(100) % 7, 4, 5), batch_size=None)
    result = seeded_fit(lambda: SequenceModule(_lm(), stateful=True), train, in_order, seed=0, max_epochs=1,
                        device="cpu")
    assert len(result.module.history["val_loss"]) == 1


def test_e13_03_saliency_of_a_model_trained_on_windows_explains_the_class_predict_returns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 80, 2)).astype(np.float32)
    y = np.array(["a", "b", "c"])[np.arange(40) % 3]
    model = SequenceClassifier(hidden_size=4, max_epochs=1, crop=0.5, random_state=0).fit(X, y)
    assert model.predict_windows_ > 1
    explained = saliency(model, X)
    # was the whole sequence's argmax: another class than predict's for some of the 40
    assert list(model.classes_[explained.target]) == list(model.predict(X))
    assert explained.gradient.shape == X.shape  # read on the whole sequences


@pytest.mark.parametrize("level, tokens", [("char", list("Hello world")), ("word", ["Hello", "world"])])
def test_e13_04_a_leading_byte_order_mark_is_no_token(level, tokens):
    text = "\ufeffHello world"  # open(path, encoding="utf-8").read() of a file saved with a BOM
    vocab = Vocab.build([text], level=level)
    assert "\ufeff" not in vocab  # was a token of its own (the most frequent-looking rare char of every file)
    assert vocab.decode(vocab.encode(text, strict=True)) == tokens
    data = TextClassificationDataset([text, "world"], [0, 1], vocab, strict=True)
    assert data.ids[0].tolist() == vocab.encode("Hello world").tolist()
    assert "\ufeff" in Vocab.build(["a\ufeffb"], level="char")  # inside a text it is a character (zero-width space)
