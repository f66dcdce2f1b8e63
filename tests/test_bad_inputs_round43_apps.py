"""Round 43, recipes (rnnkit/apps, rnnkit/report.py): rows A43-01 .. of docs/bad_inputs.md's forty-third round.

A43-01 ``sentiment.predict_proba`` of one's own reviews of which one holds no word the model knows (another
       language, a typo'd word): scored as the model's guess for no word, without a word.
Each test fails on the commit before its fix."""

from __future__ import annotations

import warnings

import pytest
import torch

from rnnkit.apps import sentiment
from rnnkit.data import TextClassificationDataset, Vocab


def _model_and_vocab():
    torch.manual_seed(0)
    tokens = [sentiment.tokenize(t) for t in ["a good film .", "a bad film .", "great acting !", "dull plot ."]]
    vocab = Vocab.build(tokens, level="word", lower=True, min_freq=1, max_size=100)
    model = sentiment.ReviewClassifier(len(vocab), 4, 4)
    model.vocab = vocab
    return model, vocab


@pytest.mark.parametrize("review", ["Ce navet était nul", "zzz qqq", "Superbe"])
def test_A43_01_predict_proba_of_a_review_of_unknown_words_warns(review):
    model, vocab = _model_and_vocab()
    texts = [sentiment.tokenize(t) for t in ["a good film .", review]]
    data = TextClassificationDataset(texts, [1, 0], vocab)
    with pytest.warns(UserWarning, match=r"^predict_proba: review\(s\) 1 \(1 of 2\) hold no word of the model's "
                                         r".*read as <unk>\), so their P\(positive\) reads nothing of their words.*"
                                         r"another language.*filterwarnings"):
        p = sentiment.predict_proba(model, data)
    assert p.shape == (2,)  # still scored, in order


def test_A43_01_predict_proba_of_reviews_with_known_words_stays_quiet():
    model, vocab = _model_and_vocab()
    texts = [sentiment.tokenize(t) for t in ["a good film .", "Ce film était nul", "zzz ."]]
    data = TextClassificationDataset(texts, [1, 0, 0], vocab)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sentiment.predict_proba(model, data)
