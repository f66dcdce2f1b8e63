"""The IMDB sentiment recipe: the quick run's results and report, the split, training-only vocabulary, bad
arguments."""

import json

import numpy as np
import pytest

from rnnkit.apps import recipe, sentiment
from rnnkit.data import Vocab

# Measured on quick runs, seeds 0-4: RNN test accuracy 0.750-0.783 (AUC 0.825-0.859) against the majority
# class's 0.501, a margin of 0.25-0.28; an RNN that stops learning after an epoch or two scores about 0.57.
MARGIN = 0.2


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("sentiment")
    lines = []
    return sentiment.run(quick=True, seed=0, out=out, log=lines.append), out, lines


def test_quick_run_structure(quick):
    results, _, lines = quick
    assert results["recipe"] == "sentiment" and results["quick"] is True and results["seed"] == 0
    assert set(results["models"]) == {"rnn", "tfidf_logreg", "majority"}
    for scores in results["models"].values():
        assert 0 <= scores["accuracy"] <= 1 and 0 <= scores["roc_auc"] <= 1 and scores["train_seconds"] >= 0
    d = results["data"]
    assert sum(d["split"].values()) == d["reviews"] == sentiment.SETTINGS["quick"]["reviews"]
    assert d["duplicates_dropped"] == 96
    assert d["proportions"] == sentiment.PROPORTIONS
    assert d["vocab_size"] <= sentiment.SETTINGS["quick"]["max_vocab"]
    assert results["settings"]["max_tokens"] == sentiment.SETTINGS["quick"]["max_tokens"]
    assert results["reference"]["accuracy"] == 0.8889
    assert 1 <= results["models"]["rnn"]["best_epoch"] <= results["models"]["rnn"]["epochs"]
    assert any("RNN" in line for line in lines)  # progress went to log, not to stdout


def test_quick_run_beats_majority(quick):
    models = quick[0]["models"]
    assert models["majority"]["accuracy"] == pytest.approx(0.5, abs=0.01)  # balanced, stratified
    assert models["majority"]["roc_auc"] == 0.5
    assert models["rnn"]["accuracy"] >= models["majority"]["accuracy"] + MARGIN
    assert models["rnn"]["roc_auc"] >= 0.5 + MARGIN
    assert models["tfidf_logreg"]["accuracy"] >= models["majority"]["accuracy"] + MARGIN


def test_out_writes_the_report(quick):
    results, out, _ = quick
    written = json.loads((out / "report.json").read_text())
    assert written == {"title": "Sentiment on IMDB (quick run)", "machine": results["machine"],
                       "results": json.loads(json.dumps(results))}
    assert written["results"]["models"]["rnn"]["accuracy"] == results["models"]["rnn"]["accuracy"]
    md = (out / "report.md").read_text()
    assert md.startswith("# Sentiment on IMDB (quick run)\n") and "Machine: " in md
    assert "| model | test accuracy | test ROC AUC | train seconds |" in md
    page = (out / "report.html").read_text()
    assert "<h1>Sentiment on IMDB (quick run)</h1>" in page and "<table>" in page and "88.89%" in page
    assert f"{results['models']['tfidf_logreg']['accuracy']:.4f}" in md
    assert "88.89%" in md and "not comparable" in md


def test_tokenize_and_truncate():
    assert sentiment.tokenize("Great<br /><br />FILM, 10/10!") == ["great", "film", ",", "10", "/", "10", "!"]
    assert sentiment.truncate(list("abcdef"), 4) == list("cdef")  # the end (the verdict) is kept
    assert sentiment.truncate(list("ab"), 4) == list("ab")


def test_split_is_stratified_disjoint_and_seeded():
    labels = np.repeat([0, 1], 500)
    parts = sentiment.split(labels, seed=3)
    assert {p: len(i) for p, i in parts.items()} == {"train": 700, "val": 100, "test": 200}
    assert len(np.unique(np.concatenate(list(parts.values())))) == 1000
    assert all(labels[i].mean() == 0.5 for i in parts.values())
    again = sentiment.split(labels, seed=3)
    assert all(np.array_equal(parts[p], again[p]) for p in parts)
    assert not np.array_equal(parts["test"], sentiment.split(labels, seed=4)["test"])


def test_vocabulary_is_fitted_on_training_reviews_only():
    settings = {**sentiment.SETTINGS["quick"], "min_freq": 1, "max_vocab": None}
    texts, labels, _ = sentiment.load_reviews(600, seed=0)
    prepared = sentiment.prepare(texts, labels, settings, seed=0)
    train_words = {w for t in prepared.tokens["train"] for w in t}
    assert set(prepared.vocab.itos[4:]) == train_words
    # a word of a test review that no training review has is <unk> in that review's ids
    i, word = next((i, w) for i, t in enumerate(prepared.tokens["test"])
                   for w in sentiment.truncate(t, settings["max_tokens"]) if w not in train_words)
    kept = sentiment.truncate(prepared.tokens["test"][i], settings["max_tokens"])
    ids = prepared.data["test"].ids[i]
    assert word not in prepared.vocab
    assert ids[kept.index(word)] == Vocab.unk_id
    assert ids.tolist() == prepared.vocab.encode(kept).tolist()


@pytest.mark.parametrize("kwargs, message", [
    (dict(quick="yes"), "quick must be True or False"),
    (dict(seed=-1), "seed must be an integer"),
    (dict(seed=1.5), "seed must be an integer"),
    (dict(out=3), "out must be a directory path"),
    (dict(log="print"), "log must be callable"),
])
def test_bad_arguments_raise_before_any_work(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sentiment.run(**kwargs)


def test_out_that_is_a_file_is_refused(tmp_path):
    f = tmp_path / "report"
    f.write_text("")
    with pytest.raises(ValueError, match="not a directory"):
        sentiment.run(quick=True, out=f)


def test_recipe_lookup():
    assert recipe("sentiment") is sentiment
