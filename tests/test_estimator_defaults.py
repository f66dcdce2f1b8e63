"""SequenceClassifier() and SequenceRegressor() with no arguments take their model and training options from
the training data (rnnkit.models.defaults_for_series): "auto" parameters, chosen in fit into ``choices_`` and
``rule_``, never written back into the parameters; what the user gives wins. Prediction batches sequences of
similar lengths and returns the results in the caller's order."""

import math

import numpy as np
import pytest
import torch
from sklearn.base import clone

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.models import defaults_for_series

ONE_EPOCH = {"max_epochs": 1, "random_state": 0, "device": "cpu"}


def long_series(n=16, T=300, F=1, seed=0):
    """n sequences of T steps; class 1 has a bump."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, T, F)).astype(np.float32)
    X[y == 1, T // 3 : T // 3 + 20] += 3.0
    return X, y


def ragged(n=24, seed=0):
    """Lengths 5..120 in a shuffled order, two features."""
    rng = np.random.default_rng(seed)
    lengths = rng.permutation(np.linspace(5, 120, n).astype(int))
    return [rng.normal(size=(L, 2)).astype(np.float32) for L in lengths]


def test_no_argument_classifier_on_long_series_reads_at_most_64_steps_through_the_fcn_frontend():
    X, y = long_series()
    clf = SequenceClassifier(**ONE_EPOCH).fit(X, y)
    rule = defaults_for_series(len(X), [300] * len(X), 1)
    expected = {k: v for k, v in {**rule["model"], **rule["training"]}.items() if k != "embed_size"}
    assert clf.choices_ == {**expected, "max_epochs": 1}
    assert clf.choices_["frontend"] == "fcn" and clf.choices_["stride"] == 5  # ceil(300 / 64)
    assert clf.choices_["normalise"] == "series" and clf.choices_["pooling"] == "attention"
    assert clf.choices_["n_members"] == 3 and len(clf.model_.members) == 3  # three seeds, outputs averaged
    model = clf.model_.members[0]
    assert model.frontend.k == 5 and model.normalise == "series" and model.head.pooling == "attention"
    assert model.fcn.resolution == 2  # the convolutional branch reads ceil(300 / 2) steps, ceil(5 / 4) a read
    assert model.encoder.bidirectional and type(model.encoder).__name__ == "GRU"
    z, lengths = model.frontend(torch.from_numpy(X), torch.full((len(X),), 300))
    assert z.shape[1] == math.ceil(300 / 5) <= 64 and int(lengths.max()) <= 64
    assert clf.rule_.startswith(rule["rule"]) and "given: max_epochs=1" in clf.rule_
    assert clf.get_params()["frontend"] == "auto"  # fit chose, the parameter is untouched


def test_no_argument_classifier_on_short_series_reads_every_step():
    X = np.random.default_rng(1).normal(size=(12, 20, 3)).astype(np.float32)
    clf = SequenceClassifier(**ONE_EPOCH).fit(X, np.arange(12) % 3)
    # several channels: every step through a width-3 convolution, the convolutional branch beside it
    assert clf.choices_["frontend"] == "fcn" and clf.choices_["stride"] == 1
    assert clf.model_.frontend.k == 1 and clf.model_.fcn.resolution == 1
    assert clf.choices_["pooling"] == "final" and clf.choices_["normalise"] is None
    assert clf.choices_["cell"] == "gru" and clf.choices_["hidden_size"] == 64 and clf.choices_["bidirectional"]
    one = SequenceClassifier(**ONE_EPOCH).fit(X[..., :1], np.arange(12) % 3)  # one channel: the plain recurrence
    assert one.choices_["frontend"] is None and one.model_.frontend is None and one.model_.fcn is None


def test_fcn_yields_to_a_forward_only_model_given():
    X = np.random.default_rng(1).normal(size=(12, 20, 3)).astype(np.float32)
    short = SequenceClassifier(bidirectional=False, **ONE_EPOCH).fit(X, np.arange(12) % 3)
    assert short.choices_["frontend"] is None and "with bidirectional=False: frontend=None" in short.rule_
    X, y = long_series(n=8)
    long = SequenceClassifier(bidirectional=False, **ONE_EPOCH).fit(X, y)
    assert long.choices_["frontend"] == "conv" and long.model_.fcn is None
    aware = SequenceClassifier(bidirectional=False, time_aware=True, **ONE_EPOCH).fit(X, y)
    assert aware.choices_["frontend"] is None  # time_aware reads every step, whatever else yields


def test_the_regressor_chooses_by_the_same_rule():
    X, _ = long_series(n=10, T=130, F=2)
    reg = SequenceRegressor(**ONE_EPOCH).fit(X, np.arange(10, dtype=float))
    assert reg.choices_["frontend"] == "fcn" and reg.choices_["stride"] == 3  # ceil(130 / 64)
    assert reg.choices_["normalise"] is None  # several channels: their amplitudes are evidence


def test_explicit_options_win_over_the_rule_and_none_is_not_auto():
    X, y = long_series()
    given = dict(cell="lstm", hidden_size=8, bidirectional=False, pooling="mean", frontend="patch", stride=10,
                 normalise=None, keep_scale=False, batch_size=4, lr=1e-2, lr_schedule=None, crop=None,
                 n_members=1, label_smoothing=0.0)
    clf = SequenceClassifier(**given, **ONE_EPOCH).fit(X, y)
    assert clf.choices_ == {**given, "max_epochs": 1}
    model = clf.model_
    assert type(model.encoder).__name__ == "LSTM" and not model.encoder.bidirectional
    assert type(model.frontend).__name__ == "PatchEmbedding" and model.frontend.k == 10
    assert model.normalise is None and model.head.pooling == "mean"  # the rule would normalise; None wins
    assert clf.rule_ is None  # nothing was left to choose
    plain = SequenceClassifier(frontend=None, normalise=None, **ONE_EPOCH).fit(X, y)
    assert plain.model_.members[0].frontend is None and plain.model_.members[0].normalise is None
    assert plain.choices_["pooling"] == "attention" and plain.choices_["cell"] == "gru"  # the rest still chosen
    assert "given: frontend=None, normalise=None, max_epochs=1" in plain.rule_


def test_what_the_rule_proposes_yields_to_time_aware_and_truncated_bptt():
    X, y = long_series(n=8, T=100)
    aware = SequenceClassifier(time_aware=True, **ONE_EPOCH).fit(X, y)
    assert aware.choices_["frontend"] is None and aware.choices_["normalise"] is None
    assert aware.choices_["bidirectional"] is False and "with time_aware=True" in aware.rule_
    chunked = SequenceClassifier(tbptt_steps=25, **ONE_EPOCH).fit(X, y)
    assert chunked.choices_["pooling"] == "final" and chunked.choices_["frontend"] is None
    with pytest.raises(ValueError, match="time_aware=True reads"):  # but an explicit conflict is refused
        SequenceClassifier(time_aware=True, frontend="conv", **ONE_EPOCH).fit(X, y)


def test_clone_and_get_params_keep_auto_after_fit():
    X, y = long_series(n=8)
    clf = SequenceClassifier(**ONE_EPOCH)
    before = clf.get_params()
    clf.fit(X, y)
    assert clf.get_params() == before
    assert {k: before[k] for k in ("cell", "hidden_size", "frontend", "stride", "normalise", "pooling",
                                   "batch_size", "lr", "bidirectional")} == dict.fromkeys(
        ("cell", "hidden_size", "frontend", "stride", "normalise", "pooling", "batch_size", "lr",
         "bidirectional"), "auto")
    copy = clone(clf)
    assert copy.get_params() == before and not hasattr(copy, "choices_")


def test_bad_values_name_auto_as_allowed():
    X, y = long_series(n=8)
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1 or 'auto', got 'big'"):
        SequenceClassifier(hidden_size="big").fit(X, y)
    with pytest.raises(ValueError, match=r"frontend must be one of \(None, 'patch', 'conv', 'fcn', 'auto'\)"):
        SequenceClassifier(frontend="wavelet").fit(X, y)
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1, got 'auto'"):
        SequenceTagger(hidden_size="auto").fit([x[:5] for x in X], [np.zeros(5)] * 8)  # the tagger has no rule


def test_save_and_load_keep_the_choices_and_predict_identically(tmp_path):
    X, y = long_series(n=8, T=150)
    clf = SequenceClassifier(**ONE_EPOCH).fit(X, y)
    clf.save(tmp_path / "m")
    back = rnnkit.load(tmp_path / "m")
    assert back.get_params() == clf.get_params() and back.get_params()["frontend"] == "auto"
    assert back.choices_ == clf.choices_ and back.rule_ == clf.rule_
    assert back.model_.members[0].frontend.k == 3
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_verbose_prints_the_rule(capsys):
    X, y = long_series(n=8, T=100)
    clf = SequenceClassifier(verbose=True, **ONE_EPOCH).fit(X, y)
    assert f"SequenceClassifier: {clf.rule_}" in capsys.readouterr().out
    SequenceClassifier(**ONE_EPOCH).fit(X, y)
    assert "conv front-end" not in capsys.readouterr().out


@pytest.mark.parametrize("batch_size", [1, 4, 64])
def test_prediction_batches_by_length_and_keeps_the_callers_order(batch_size):
    X = ragged()
    clf = SequenceClassifier(hidden_size=8, batch_size=batch_size, **ONE_EPOCH).fit(X, np.arange(24) % 3)
    together = clf.predict_proba(X)
    alone = np.concatenate([clf.predict_proba([x]) for x in X])
    np.testing.assert_allclose(together, alone, rtol=1e-5, atol=1e-6)
    assert not np.allclose(together, together[np.argsort([len(x) for x in X])])  # order is not length order
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[together.argmax(1)])


def test_the_tagger_predicts_each_sequence_in_the_callers_order_at_its_own_length():
    X = ragged(n=12)
    tagger = SequenceTagger(hidden_size=8, batch_size=4, **ONE_EPOCH).fit(X, [np.arange(len(x)) % 2 for x in X])
    proba = tagger.predict_proba(X)
    assert [len(p) for p in proba] == [len(x) for x in X]
    for x, p in zip(X, proba, strict=True):
        np.testing.assert_allclose(p, tagger.predict_proba([x])[0], rtol=1e-5, atol=1e-6)


def test_stratified_order_puts_every_class_in_each_prefix_in_its_share():
    from rnnkit.estimators import stratified

    codes = np.array([0] * 30 + [1] * 10 + [2] * 10 + [3])
    for seed in range(5):
        order = stratified(np.random.default_rng(seed).permutation(51), codes)
        assert sorted(order) == list(range(51))
        assert np.bincount(codes[order[:10]], minlength=4).tolist() == [6, 2, 2, 0]  # the singleton trains
        assert np.bincount(codes[order[:20]], minlength=4).tolist() == [12, 4, 4, 0]
    a, b = (stratified(np.random.default_rng(s).permutation(51), codes)[:10] for s in (0, 1))
    assert set(a) != set(b)  # as random as the permutation it is given


def test_onecycle_schedule_warms_up_then_anneals_once_per_batch():
    from rnnkit.models import SequenceToLabel
    from rnnkit.training import SequenceDataModule, SequenceDataset, SequenceModule, seeded_fit

    x, y = torch.randn(12, 5, 2), torch.arange(12) % 2
    data = SequenceDataModule(SequenceDataset(x, torch.full((12,), 5), y), batch_size=4, seed=0)
    rates = []

    class Record(SequenceModule):
        def training_step(self, batch, batch_idx):
            rates.append(self.optimizers().param_groups[0]["lr"])
            return super().training_step(batch, batch_idx)

    build = lambda: Record(SequenceToLabel(2, 4, 2, cell="gru"), lr=0.1, lr_schedule="onecycle")
    seeded_fit(build, data, seed=0, max_epochs=4, device="cpu")
    assert len(rates) == 12  # 3 batches x 4 epochs, one schedule step each
    peak = int(np.argmax(rates))
    assert rates[0] == pytest.approx(0.1 / 25) and max(rates) == pytest.approx(0.1, rel=0.05)
    assert 1 <= peak <= 5 and rates[-1] < 0.02  # up over the first 30 %, then down towards lr / 1e4
    assert all(a < b for a, b in zip(rates[:peak], rates[1 : peak + 1], strict=True))
    assert all(a > b for a, b in zip(rates[peak:-1], rates[peak + 1 :], strict=True))
    with pytest.raises(ValueError, match=r"lr_schedule must be one of \(None, 'onecycle'\)"):
        SequenceModule(SequenceToLabel(2, 4, 2), lr_schedule="cosine")


def test_a_fit_with_a_schedule_resumes_only_with_the_epochs_it_started_with(tmp_path):
    X, y = long_series(n=8, T=70)
    part = SequenceClassifier(hidden_size=4, log_dir=str(tmp_path), **ONE_EPOCH).fit(X, y)
    assert part.choices_["lr_schedule"] == "onecycle"
    with pytest.raises(ValueError, match=r"max_epochs \(the lr schedule spans them\) 1 then, 2 now"):
        part.set_params(max_epochs=2).fit(X, y, resume=True)


def test_rnnkit_train_leaves_options_to_the_rule_unless_given(tmp_path, cli_error):
    import json

    from rnnkit.cli import main

    X, y = long_series(n=10, T=100)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    common = [str(tmp_path / "d.npz"), "--epochs", "1", "--test-fraction", "0"]
    assert main(["train", *common, "--task", "classify", "--out", str(tmp_path / "auto")]) == 0
    config = json.loads((tmp_path / "auto" / "config.json").read_text())
    assert config["params"]["frontend"] == "auto" and config["params"]["max_epochs"] == 1
    assert config["fitted"]["choices_"]["frontend"] == "fcn" and config["fitted"]["choices_"]["stride"] == 2
    given = ["--frontend", "patch", "--stride", "4", "--pooling", "mean", "--normalise", "none", "--no-bidirectional",
             "--lr-schedule", "none", "--batching", "random"]
    assert main(["train", *common, "--task", "regress", *given, "--out", str(tmp_path / "given")]) == 0
    params = json.loads((tmp_path / "given" / "config.json").read_text())["params"]
    assert (params["frontend"], params["stride"], params["pooling"], params["normalise"]) == ("patch", 4, "mean", None)
    assert (params["bidirectional"], params["lr_schedule"], params["batching"]) == (False, None, "random")
    line = cli_error(["train", *common, "--task", "tag", "--pooling", "mean", "--out", tmp_path / "tag"])
    assert "--pooling applies to one prediction per sequence" in line
