"""Weighted training: ``fit(X, y, sample_weight)`` of the sequence estimators and ``SequenceClassifier``'s
``class_weight``, checked by value: the loss against a hand computation, a weight of 0 against leaving the
sequence out, "balanced" against its sample weights, and a weighting that turns the predictions around."""

import json
import math
import re

import lightning as L
import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from torch.utils.data import DataLoader

from rnnkit import load
from rnnkit.cli import main
from rnnkit.estimators import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.models import SequenceToLabel, SequenceToSequence
from rnnkit.training import SequenceModule, time_chunks
from rnnkit.training.data import Batch, LengthBuckets, RandomWindows, SequenceDataset

# one batch of every sequence, no rule: a fit of a few optimizer steps that tests can reason about
FIXED = dict(cell="gru", hidden_size=8, bidirectional=False, pooling="final", frontend=None, stride=1,
             normalise=None, crop=None, batch_size=64, lr=1e-2, lr_schedule=None, max_epochs=2, random_state=0,
             device="cpu")


def _params(est) -> list[torch.Tensor]:
    return [p.detach().clone() for p in est.model_.parameters()]


def _data(n=12, T=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, T, 2)).astype(np.float32), np.array([0, 1, 2] * (n // 3))


# -- the loss ------------------------------------------------------------------------------------------------
def test_weighted_loss_is_the_weighted_mean_of_the_per_sequence_losses():
    module = SequenceModule(SequenceToLabel(2, 4, 3))
    out = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0], [-1.0, 3.0, 1.0]])
    y = torch.tensor([0, 2, 1])
    w = torch.tensor([1.0, 3.0, 0.5])
    o = out.double().numpy()
    per = np.log(np.exp(o).sum(1)) - o[np.arange(3), y.numpy()]  # cross-entropy of each row
    expected = (w.numpy() * per).sum() / w.numpy().sum()
    assert float(module.loss(out, y, w)) == pytest.approx(expected, rel=1e-6)
    assert float(module.loss(out, y, torch.ones(3))) == pytest.approx(per.mean(), rel=1e-6)

    regression = SequenceModule(SequenceToLabel(2, 4, 2), task="regression")
    pred = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
    target = torch.tensor([[0.0, 2.0], [1.0, 1.0]])
    per = np.array([(1 + 0) / 2, (1 + 4) / 2])  # mean squared error over each target's 2 outputs
    assert float(regression.loss(pred, target, torch.tensor([2.0, 1.0]))) == pytest.approx((2 * per[0] + per[1]) / 3)


def test_a_tagger_weighs_each_valid_step_by_its_sequence():
    module = SequenceModule(SequenceToSequence(2, 4, 3))
    torch.manual_seed(0)
    x, lengths = torch.randn(2, 3, 2), torch.tensor([3, 1])
    y = torch.tensor([[0, 1, 2], [2, 0, 0]])
    batch = Batch(x, lengths, y, weights=torch.tensor([1.0, 4.0]))
    chunk = next(time_chunks(batch, None, per_step=True))
    out, targets, _ = module.chunk_outputs(batch, chunk, None)
    weights = module.target_weights(batch, chunk)
    torch.testing.assert_close(weights, torch.tensor([1.0, 1.0, 1.0, 4.0]))  # 3 steps of one, 1 of the other
    o = out.detach().double().numpy()
    per = np.log(np.exp(o).sum(1)) - o[np.arange(4), targets.numpy()]
    expected = (per[:3].sum() + 4 * per[3]) / (3 + 4)
    assert float(module.loss(out, targets, weights)) == pytest.approx(expected, rel=1e-6)


def test_validation_loss_is_weighted_over_the_whole_set_not_averaged_per_batch():
    torch.manual_seed(0)
    module = SequenceModule(SequenceToLabel(2, 4, 2))
    x, lengths, y = torch.randn(4, 3, 2), torch.tensor([3, 3, 2, 3]), torch.tensor([0, 1, 1, 0])
    w = torch.tensor([1.0, 0.0, 5.0, 2.0])
    data = SequenceDataset(x, lengths, y, weights=w)
    loader = DataLoader(data, batch_size=2, collate_fn=data.batch)  # two batches of weight 1 and 7
    trainer = L.Trainer(logger=False, enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    trainer.validate(module, loader, verbose=False)
    with torch.no_grad():
        per = torch.nn.functional.cross_entropy(module.model(x, lengths)[0], y, reduction="none")
    assert float(trainer.callback_metrics["val_loss"]) == pytest.approx(float((w * per).sum() / w.sum()), rel=1e-5)


def test_a_sequence_of_weight_zero_gives_the_gradient_of_the_batch_without_it():
    torch.manual_seed(0)
    module = SequenceModule(SequenceToLabel(2, 4, 2))
    x, lengths, y = torch.randn(4, 5, 2), torch.tensor([5, 3, 4, 2]), torch.tensor([0, 1, 1, 0])
    grads = []
    kept = [0, 1, 3]
    for batch in (Batch(x, lengths, y, weights=torch.tensor([1.0, 1.0, 0.0, 1.0])), Batch(x[kept], lengths[kept],
                                                                                        y[kept])):
        module.zero_grad()
        chunk = next(time_chunks(batch, None, per_step=False))
        out, targets, _ = module.chunk_outputs(batch, chunk, None)
        module.loss(out, targets, module.target_weights(batch, chunk)).backward()
        grads.append([p.grad.clone() for p in module.parameters()])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b)


# -- the estimators ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [SequenceClassifier, SequenceRegressor])
def test_a_sequence_of_weight_zero_is_left_out_of_the_fit(cls):
    X, y = _data(13)
    y = y if cls is SequenceClassifier else y.astype(np.float64)
    X[-1] *= 100  # an outlier: it would move the scaling and the weights if it counted
    y = np.append(y[:12], 2)
    weighted = cls(**FIXED).fit(X, y, sample_weight=np.r_[np.ones(12), 0.0])
    without = cls(**FIXED).fit(X[:12], y[:12])
    for p, q in zip(_params(weighted), _params(without), strict=True):
        assert torch.equal(p, q)
    np.testing.assert_array_equal(weighted.x_mean_, without.x_mean_)


def test_equal_weights_train_exactly_as_none():
    X, y = _data()
    plain = SequenceClassifier(**FIXED).fit(X, y)
    threes = SequenceClassifier(**FIXED).fit(X, y, sample_weight=[3] * len(y))
    for p, q in zip(_params(plain), _params(threes), strict=True):
        assert torch.equal(p, q)


def test_weights_change_the_fit_and_travel_with_their_sequences():
    X, y = _data()
    w = np.arange(1, 13, dtype=float)
    a = SequenceClassifier(**FIXED).fit(X, y, sample_weight=w)
    assert not all(torch.equal(p, q) for p, q in zip(_params(a), _params(SequenceClassifier(**FIXED).fit(X, y)),
                                                     strict=True))
    # the same sequences, weights and labels in another order: the same weighted loss on one batch of all
    order = np.random.default_rng(1).permutation(12)
    b = SequenceClassifier(**FIXED).fit(X[order], y[order], sample_weight=w[order])
    for p, q in zip(_params(a), _params(b), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_balanced_class_weight_equals_its_sample_weights():
    X, y = _data(15)
    y = np.array([0] * 10 + [1] * 3 + [2] * 2)
    balanced = SequenceClassifier(**FIXED, class_weight="balanced").fit(X, y)
    as_weights = SequenceClassifier(**FIXED).fit(X, y, sample_weight=len(y) / (3 * np.bincount(y))[y])
    for p, q in zip(_params(balanced), _params(as_weights), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)
    # with a sample weight too: the product
    sw = np.linspace(0.5, 2, 15)
    both = SequenceClassifier(**FIXED, class_weight={2: 4.0}).fit(X, y, sample_weight=sw)
    product = SequenceClassifier(**FIXED).fit(X, y, sample_weight=sw * np.where(y == 2, 4.0, 1.0))
    for p, q in zip(_params(both), _params(product), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("seed", [0, 1])
def test_class_weight_turns_predictions_on_uninformative_data_to_the_minority(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 5, 2)).astype(np.float32)  # noise: the inputs say nothing of the labels
    y = np.array(["common"] * 54 + ["rare"] * 6)  # 9:1
    options = {**FIXED, "batch_size": 20, "lr": 0.05, "max_epochs": 5, "random_state": seed}
    plain = SequenceClassifier(**options).fit(X, y)
    weighted = SequenceClassifier(**options, class_weight={"rare": 200.0}).fit(X, y)  # 1200 to 54
    test = rng.normal(size=(200, 5, 2)).astype(np.float32)
    # seeds 0..11: at most 7 % rare unweighted, at least 99.5 % weighted
    assert np.mean(plain.predict(test) == "rare") <= 0.2
    assert np.mean(weighted.predict(test) == "rare") >= 0.8


def test_a_tagger_and_a_regressor_fit_with_weights():
    X, _ = _data()
    rng = np.random.default_rng(0)
    steps = rng.integers(0, 2, size=(12, 5))
    tagger = SequenceTagger(hidden_size=8, max_epochs=1, random_state=0, device="cpu")
    w = np.r_[np.ones(11), 0.0]
    a = tagger.fit(X, steps, sample_weight=w)
    b = clone(tagger).fit(X[:11], steps[:11])
    for p, q in zip(_params(a), _params(b), strict=True):
        assert torch.equal(p, q)
    assert list(a.classes_) == [0, 1]
    SequenceRegressor(**FIXED, early_stopping_patience=1).fit(X, rng.normal(size=12), sample_weight=rng.uniform(
        0.5, 1, size=12))


# -- refusals ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("weights", "message"), [
    (np.ones(11), r"sample_weight has shape \(11,\) but X has 12 sequences; give one weight per sequence"),
    (np.ones((12, 2)), r"sample_weight has shape \(12, 2\)"),
    (np.r_[np.ones(11), -1.0], r"sample_weight is negative at position 11 \(-1"),
    (np.r_[np.nan, np.ones(11)], r"sample_weight is NaN or infinite at position 0"),
    (["1"] * 12, r"sample_weight holds str values \(e.g. '1'\), not numbers"),
    (np.zeros(12), r"sample_weight is 0 for every sequence, which leaves nothing to train on.*zero weight"),
])
def test_bad_sample_weights_are_refused_by_name(weights, message):
    X, y = _data()
    with pytest.raises(ValueError, match="SequenceClassifier.fit: " + message):
        SequenceClassifier(**FIXED).fit(X, y, sample_weight=weights)


def test_weights_that_leave_one_class_are_refused():
    X, y = _data()
    with pytest.raises(ValueError, match=r"the sequences of sample_weight > 0 hold a single class \(1 of classes_ "
                                         r"\[0, 1, 2\]\)"):
        SequenceClassifier(**FIXED).fit(X, y, sample_weight=(y == 1).astype(float))


@pytest.mark.parametrize(("class_weight", "message"), [
    ({3: 2.0}, r"SequenceClassifier.fit: class_weight names 3, which is not a class of y \(classes \[0, 1, 2\]\)"),
    ({"1": 2.0}, r"class_weight names '1', which is not a class of y \(classes \[0, 1, 2\]\).*1 and '1'"),
    ({1: 0.0}, r"class_weight gives class 1 the weight 0.0; a class weight must be a finite number > 0"),
    ({1: -2}, r"class_weight gives class 1 the weight -2"),
    ({1: math.nan}, r"class_weight gives class 1 the weight nan"),
    ({1: "2"}, r"class_weight gives class 1 the weight '2'"),
    ("Balanced", r"class_weight must be None, 'balanced' or a dict \{label: weight\}, got 'Balanced'"),
    ([1.0, 2.0, 3.0], r"class_weight must be None, 'balanced' or a dict"),
])
def test_bad_class_weights_are_refused_by_name(class_weight, message):
    X, y = _data()
    with pytest.raises(ValueError, match=message):
        SequenceClassifier(**FIXED, class_weight=class_weight).fit(X, y)


def test_resume_refuses_other_weights(tmp_path):
    X, y = _data()
    options = {**FIXED, "max_epochs": 1, "log_dir": str(tmp_path)}
    w = np.linspace(1, 2, 12)
    SequenceClassifier(**options).fit(X, y, sample_weight=w)
    SequenceClassifier(**{**options, "max_epochs": 2}).fit(X, y, sample_weight=w, resume=True)
    with pytest.raises(ValueError, match="the data differ"):
        SequenceClassifier(**{**options, "max_epochs": 3}).fit(X, y, sample_weight=w[::-1], resume=True)
    with pytest.raises(ValueError, match="class_weight None then, 'balanced' now"):
        SequenceClassifier(**{**options, "max_epochs": 3}, class_weight="balanced").fit(X, y, sample_weight=w,
                                                                                       resume=True)


# -- parameters: clone, save, load, verbose ------------------------------------------------------------------
@pytest.mark.parametrize("class_weight", [{1: 5.0, 2: 0.5}, {"b": 3}, "balanced", None])
def test_class_weight_is_a_parameter_saved_and_loaded_as_given(tmp_path, class_weight):
    X, y = _data()
    if isinstance(class_weight, dict) and "b" in class_weight:
        y = np.array(["a", "b", "c"])[y]
    est = SequenceClassifier(**{**FIXED, "max_epochs": 1}, class_weight=class_weight)
    assert est.get_params()["class_weight"] == class_weight
    assert clone(est).class_weight == class_weight
    est.fit(X, y)
    est.save(tmp_path / "model")
    json.loads((tmp_path / "model" / "config.json").read_text())  # plain JSON
    loaded = load(tmp_path / "model")
    assert loaded.class_weight == class_weight
    if isinstance(class_weight, dict):
        assert [type(k) for k in loaded.class_weight] == [type(k) for k in class_weight]  # 1 stays 1, not "1"
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    refit = clone(loaded).fit(X, y)
    np.testing.assert_array_equal(refit.predict_proba(X), est.predict_proba(X))


def test_numpy_labels_of_class_weight_save_as_python_numbers(tmp_path):
    X, y = _data()
    est = SequenceClassifier(**{**FIXED, "max_epochs": 1}, class_weight={np.int64(1): np.float32(2.0)}).fit(X, y)
    est.save(tmp_path / "model")
    assert load(tmp_path / "model").class_weight == {1: 2.0}


def test_verbose_prints_each_class_weight(capsys):
    X, _ = _data()
    y = np.array([0] * 9 + [1] * 3)
    SequenceClassifier(**{**FIXED, "max_epochs": 1}, class_weight="balanced", verbose=True).fit(X, y)
    assert "class_weight='balanced', the weight of each class: {0: 0.6667, 1: 2}" in capsys.readouterr().out


# -- rnnkit train --class-weight -----------------------------------------------------------------------------
def _labelled_csv(path, labels):
    rng = np.random.default_rng(0)
    rows = [{"id": f"s{i}", "t": t, "value": float(rng.normal()), "target": label}
            for i, label in enumerate(labels) for t in range(4)]
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.mark.parametrize(("labels", "flag", "saved"), [
    (["a"] * 9 + ["b"] * 3, "b=3,a=0.5", {"b": 3.0, "a": 0.5}),
    ([0] * 9 + [1] * 3, "1=4", {1: 4.0}),  # a column of numbers: the number 1, not "1"
    (["a"] * 9 + ["b"] * 3, "balanced", "balanced"),
])
def test_rnnkit_train_class_weight_reaches_the_saved_model(tmp_path, capsys, labels, flag, saved):
    _labelled_csv(tmp_path / "d.csv", labels)
    assert main(["train", str(tmp_path / "d.csv"), "--task", "classify", "--time-column", "t", "--out",
                 str(tmp_path / "m"), "--epochs", "1", "--hidden-size", "4", "--test-fraction", "0",
                 "--class-weight", flag]) == 0
    assert load(tmp_path / "m").class_weight == saved


@pytest.mark.parametrize(("args", "message"), [
    (["--class-weight", "c=2"], r"--class-weight names the label 'c', which no training sequence has \(labels "
                                r"\['a', 'b'\]\)"),
    (["--class-weight", "b"], r"--class-weight 'b': 'b' is not LABEL=WEIGHT; give balanced, or pairs"),
    (["--class-weight", "b=x"], r"--class-weight: the weight of 'b' is 'x', not a number"),
    (["--class-weight", "b=-1"], r"class_weight gives class 'b' the weight -1.0; a class weight must be a finite"),
    (["--class-weight", "b=2", "--task", "tag"], r"--class-weight weighs the classes of --task classify, not of "
                                                 r"--task tag"),
])
def test_rnnkit_train_refuses_a_bad_class_weight(tmp_path, capsys, args, message):
    _labelled_csv(tmp_path / "d.csv", ["a"] * 9 + ["b"] * 3)
    task = [] if "--task" in args else ["--task", "classify"]
    assert main(["train", str(tmp_path / "d.csv"), *task, "--time-column", "t", "--out", str(tmp_path / "m"),
                 "--epochs", "1", "--hidden-size", "4", "--test-fraction", "0", *args]) == 2
    error = capsys.readouterr().err
    assert error.startswith("rnnkit train: error: ") and len(error.strip().splitlines()) == 1
    assert re.search(message, error), error
    assert not (tmp_path / "m").exists()


def test_the_validation_split_and_the_windows_carry_each_sequence_s_weight():
    n = 20
    x = torch.arange(n, dtype=torch.float32)[:, None, None].expand(n, 4, 1).contiguous()  # x of sequence i is i
    lengths, codes = torch.full((n,), 4), torch.tensor([0, 1] * 10)
    weights = torch.arange(1, n + 1, dtype=torch.float32) / 4
    est = SequenceClassifier(**FIXED, early_stopping_patience=1, validation_fraction=0.25)
    train, val = est._split(x, lengths, codes, np.random.RandomState(0), "t", np.array([0, 1]), weights)
    assert len(val) == 5 and sorted(val.y.tolist()) in ([0, 0, 1, 1, 1], [0, 0, 0, 1, 1])  # stratified
    for part in (train, val):
        ids = part.x[:, 0, 0].long()
        torch.testing.assert_close(part.weights, weights[ids])
        batch = part.batch(list(range(len(part)))[::-1])
        torch.testing.assert_close(batch.weights, weights[batch.x[:, 0, 0].long()])
    # window slicing (crop) keeps the weights of the batch's sequences
    windows = RandomWindows(train, LengthBuckets(train, 4), 0.5, seed=0)([3, 0, 7])
    assert windows.x.shape[1] == 2
    torch.testing.assert_close(windows.weights, weights[windows.x[:, 0, 0].long()])
