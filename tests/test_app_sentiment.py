"""The IMDB sentiment recipe: the quick run's results and report, the split, training-only vocabulary, the
remedies (embedding dropout, concat pooling, language-model pretraining and its transfer), the choice on
validation, bad arguments."""

import json
import math

import numpy as np
import pytest
import torch

from rnnkit.apps import recipe, sentiment
from rnnkit.data import Vocab
from rnnkit.models import LanguageModel
from rnnkit.training.data import TokenStreams

# Measured on quick runs (the pretrained candidate), seeds 0-4: RNN test accuracy 0.763-0.794 (AUC 0.853-0.870)
# against the majority class's 0.501, a margin of 0.26-0.29; an RNN that stops learning after an epoch or two
# scores about 0.57.
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
    assert set(results["candidates"]) == set(sentiment.SETTINGS["quick"]["candidates"])
    assert results["models"]["rnn"]["candidate"] == sentiment.pick(results["candidates"])
    assert results["models"]["rnn"]["pretrain_seconds"] > 0  # the quick candidate is the pretrained one
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


def test_quick_language_model_learned(quick):
    lm = quick[0]["language_models"]
    assert set(lm) == {"forward"}  # a unidirectional encoder needs no backward model
    words = sentiment.SETTINGS["quick"]["lm"]["output_words"]
    # uniform guessing over the output words costs ln(500) = 6.2 nats; one epoch measured 4.06 (seed 0)
    assert lm["forward"]["train_loss"][-1] < math.log(words) - 1.0
    assert lm["forward"]["tokens"] > quick[0]["data"]["split"]["train"]  # every training review, one <eos> each


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
    assert "| `pretrained` (picked) |" in md and "language model:" in md


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


def test_embedding_dropout_drops_whole_word_types():
    torch.manual_seed(0)
    emb = torch.nn.Embedding(50, 4)
    tokens = torch.tensor([[5, 7, 5, 9, 7, 5]] * 3)
    e = sentiment.embedding_dropout(emb, tokens, 0.5)
    for word in (5, 7, 9):
        rows = e[tokens == word]  # every occurrence of the word in the batch
        dropped = bool((rows == 0).all())
        assert dropped or torch.allclose(rows, 2 * emb.weight[word].expand_as(rows))  # kept: scaled by 1/(1-p)
    assert torch.equal(sentiment.embedding_dropout(emb, tokens, 0.0), emb(tokens))
    many = sentiment.embedding_dropout(emb, torch.arange(50)[None], 0.5)[0]
    assert 10 <= int((many == 0).all(-1).sum()) <= 40  # about half of the 50 word types dropped


def test_classifier_pools_and_drops_only_in_training():
    torch.manual_seed(0)
    model = sentiment.ReviewClassifier(30, 6, 5, bidirectional=True, pooling=("mean", "max"), dropout=0.2,
                                       embedding_dropout=0.3)
    assert model.output.in_features == 2 * 2 * 5  # (mean, max) x (forward, backward) x hidden
    tokens, lengths = torch.tensor([[4, 5, 6, 0], [7, 8, 9, 10]]), torch.tensor([3, 4])
    model.eval()
    o, _ = model(tokens, lengths)
    assert torch.equal(o, model(tokens, lengths)[0])  # no dropout in evaluation
    # padding is not pooled: the first review alone, unpadded, gives the same logits
    assert torch.allclose(o[0], model(tokens[:1, :3], lengths[:1])[0][0], atol=1e-6)
    with pytest.raises(ValueError, match="pooling must be"):
        sentiment.ReviewClassifier(30, 6, 5, pooling=("attention",))
    with pytest.raises(ValueError, match="embedding_dropout must be"):
        sentiment.ReviewClassifier(30, 6, 5, embedding_dropout=1.0)


def test_review_streams_and_known_targets():
    reviews = [torch.tensor([4, 5, 6]), torch.tensor([7, 8])]
    eos = Vocab.eos_id
    assert sentiment.review_stream(reviews, backward=False).tolist() == [4, 5, 6, eos, 7, 8, eos]
    assert sentiment.review_stream(reviews, backward=True).tolist() == [6, 5, 4, eos, 8, 7, eos]
    streams = TokenStreams(torch.tensor([4, 5, 6, eos, 7, 8, eos, 4]), 2, 3)
    known = sentiment._KnownTargets(streams, output_words=7)
    x, lengths, y = known[0][:3]
    assert torch.equal(x, streams[0].x) and lengths is None
    # rows [4, 5, 6, eos] and [7, 8, eos, 4]; 8 is not among the 7 known ids
    assert y.tolist() == [[5, 6, eos], [Vocab.unk_id, eos, 4]]


def test_load_pretrained_copies_the_language_models_into_each_direction():
    torch.manual_seed(0)
    forward, backward = LanguageModel(20, 5, embedding_size=6, cell="gru"), LanguageModel(20, 5, embedding_size=6,
                                                                                          cell="gru")
    model = sentiment.ReviewClassifier(20, 6, 5, bidirectional=True)
    sentiment.load_pretrained(model, {"forward": forward, "backward": backward})
    assert torch.equal(model.embedding.weight[1:], forward.embedding.weight[1:])
    assert not model.embedding.weight[Vocab.pad_id].any()
    cells = model.encoder.cells()
    for cell, lm in zip(cells, (forward, backward), strict=True):
        for name, value in lm.encoder.cells()[0].state_dict().items():
            assert torch.equal(cell.state_dict()[name], value)
    with pytest.raises(ValueError, match="one per direction"):
        sentiment.load_pretrained(model, {"forward": forward})


def test_pick_goes_by_validation_accuracy_then_loss():
    c = {"a": {"val_accuracy": 0.80, "best_val_loss": 0.40}, "b": {"val_accuracy": 0.82, "best_val_loss": 0.45},
         "c": {"val_accuracy": 0.82, "best_val_loss": 0.41}}
    assert sentiment.pick(c) == "c"
    assert sentiment.pick({"a": c["a"]}) == "a"


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
