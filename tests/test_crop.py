"""Training on random windows of the sequences (``crop``, window slicing): the windows the training loader
reads, their draws from the seed and epoch (a resumed fit reads the same), the windows read at predict, and the
checks of the option."""

import numpy as np
import pytest
import torch

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger, load
from rnnkit.training import SequenceDataModule, SequenceDataset
from rnnkit.training.data import RandomWindows


def ramps(n: int = 20) -> SequenceDataset:
    """Sequence i holds 1000 i + t at step t (two features: that and its negative): a window's values say
    which sequence and which steps it read. Lengths 5-24, padded to 24."""
    lengths = torch.tensor([5 + i for i in range(n)])
    x = torch.zeros(n, 24, 2)
    for i, length in enumerate(lengths.tolist()):
        t = torch.arange(length, dtype=torch.float32)
        x[i, :length, 0], x[i, :length, 1] = 1000 * i + t, -(1000 * i + t)
    return SequenceDataset(x, lengths, torch.arange(n))


def epoch_batches(module: SequenceDataModule, epoch: int) -> list:
    loader = module.train_dataloader()
    loader.sampler.set_epoch(epoch)
    return list(loader)


@pytest.mark.parametrize("batching", ["bucket", "random"])
def test_each_sequence_is_read_as_one_window_of_its_own_steps(batching):
    data = ramps()
    module = SequenceDataModule(data, batch_size=4, seed=3, batching=batching, crop=0.9)
    seen = {}
    for batch in epoch_batches(module, 0):
        for x, width, label in zip(batch.x, batch.lengths.tolist(), batch.y.tolist(), strict=True):
            length = 5 + label
            assert width == max(1, round(0.9 * length))
            first = int(x[0, 0].item()) - 1000 * label  # the window's first step
            assert 0 <= first <= length - width
            steps = torch.arange(first, first + width, dtype=torch.float32)
            torch.testing.assert_close(x[:width, 0], 1000 * label + steps, rtol=0, atol=0)
            torch.testing.assert_close(x[:width, 1], -(1000 * label + steps), rtol=0, atol=0)
            assert torch.all(x[width:] == 0)  # padded after its end, as before
            seen[label] = first
    assert sorted(seen) == list(range(20))  # every sequence once, its label kept
    assert len(set(seen.values())) > 1  # starts drawn, not all at step 0


def test_windows_come_from_the_seed_and_the_epoch():
    def starts(seed, epoch):
        module = SequenceDataModule(ramps(), batch_size=4, seed=seed, batching="bucket", crop=0.8)
        return {int(y): int(x[0, 0]) for b in epoch_batches(module, epoch) for x, y in zip(b.x, b.y, strict=True)}

    assert starts(0, 0) == starts(0, 0)  # a resumed run reads the same windows
    assert starts(0, 0) != starts(0, 1) and starts(0, 0) != starts(1, 0)


def test_full_windows_and_no_crop_read_the_whole_sequences():
    data = ramps()
    whole = [(b.x, b.lengths) for b in epoch_batches(SequenceDataModule(data, batch_size=4, seed=0), 0)]
    full = [(b.x, b.lengths) for b in epoch_batches(SequenceDataModule(data, batch_size=4, seed=0, crop=1.0), 0)]
    for (x, n), (x2, n2) in zip(whole, full, strict=True):
        assert torch.equal(x, x2) and torch.equal(n, n2)
    module = SequenceDataModule(data, val=data, batch_size=4, seed=0, crop=0.5)
    assert all(torch.equal(b.lengths, data.lengths[b.y]) for b in module.val_dataloader())  # validation: whole


def test_bad_crops_are_refused():
    for bad in (0, 1.5, -0.1, "0.9", True):
        with pytest.raises(ValueError, match=r"crop must be None or the fraction of each training sequence a "
                                             r"window keeps, in \(0, 1\] \(e.g. 0.9\), got "):
            SequenceDataModule(ramps(), crop=bad)
        with pytest.raises(ValueError, match="crop must be 'auto', None or the fraction"):
            SequenceClassifier(crop=bad).fit([np.zeros((3, 1))] * 4, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="crop=0.9 with time_aware=True: a window would start after"):
        SequenceClassifier(crop=0.9, time_aware=True).fit([np.zeros((3, 1))] * 4, [0, 1, 0, 1])
    per_step = SequenceDataset(torch.zeros(2, 3, 1), torch.tensor([3, 2]), torch.zeros(2, 3), y_per_step=True)
    with pytest.raises(ValueError, match="windows need one target per sequence"):
        RandomWindows(per_step, None, 0.5, 0)
    assert "crop" not in SequenceTagger().get_params()  # its targets are per step


def offsets(n: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Class c's steps are N(2c - 1, 1): any window of a sequence tells its class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return [rng.normal(2.0 * c - 1.0, 1.0, (T, 1)).astype(np.float32)
            for c, T in zip(y, rng.integers(10, 40, n), strict=True)], y


def test_an_estimator_trains_on_windows_saves_and_resumes(tmp_path):
    X, y = offsets(48, 0)
    options = dict(hidden_size=8, max_epochs=6, batch_size=8, lr=1e-2, lr_schedule=None, random_state=0,
                   device="cpu", crop=0.8)
    clf = SequenceClassifier(**options).fit(X, y)
    plain = SequenceClassifier(**{**options, "crop": None}).fit(X, y)
    assert clf.loss_curve_ != plain.loss_curve_  # the windows were read
    X_test, y_test = offsets(100, 1)
    assert clf.score(X_test, y_test) > 0.9  # measured 1.0 (the majority: about 0.5)
    clf.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.crop == 0.8
    np.testing.assert_array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
    # interrupted after 3 epochs, resumed to 6: the same windows, the same weights as the uninterrupted fit
    part = SequenceClassifier(**{**options, "max_epochs": 3}, log_dir=str(tmp_path / "logs")).fit(X, y)
    resumed = part.set_params(max_epochs=6).fit(X, y, resume=True)
    assert resumed.loss_curve_ == clf.loss_curve_
    for p, q in zip(resumed.model_.parameters(), clf.model_.parameters(), strict=True):
        assert torch.equal(p, q)
    SequenceRegressor(**options).fit(X, y.astype(float))  # per-sequence targets: regression too


def test_rnnkit_train_takes_crop_and_refuses_it_out_of_range_or_for_a_tagger(tmp_path, cli_error):
    import pandas as pd

    from rnnkit.cli import main

    X, y = offsets(16, 0)
    rows = [{"id": i, "t": t, "value": float(v), "target": int(c)}
            for i, (x, c) in enumerate(zip(X, y, strict=True)) for t, v in enumerate(x[:, 0])]
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    base = ["train", str(tmp_path / "d.csv"), "--time-column", "t", "--epochs", "1", "--hidden-size", "4"]
    assert main([*base, "--task", "classify", "--crop", "0.9", "--out", str(tmp_path / "m")]) == 0
    assert load(tmp_path / "m").crop == 0.9
    assert "--crop: must be in (0, 1], got 1.5 (or none, auto)" in cli_error([*base, "--task", "classify", "--crop",
                                                                            "1.5", "--out", str(tmp_path / "n")])
    assert main([*base, "--task", "classify", "--crop", "none", "--out", str(tmp_path / "w")]) == 0
    assert load(tmp_path / "w").crop is None
    assert "--crop applies to one prediction per sequence" in cli_error([*base, "--task", "tag", "--crop", "0.9",
                                                                        "--out", str(tmp_path / "t")])


def test_the_default_crops_long_series_only_and_records_it():
    rng = np.random.default_rng(0)
    y = np.arange(24) % 2
    long = [rng.normal(c, 1, (100, 1)).astype(np.float32) for c in y]
    short = [x[:30] for x in long]
    one = dict(max_epochs=1, random_state=0, device="cpu")
    clf = SequenceClassifier(**one).fit(long, y)
    assert clf.get_params()["crop"] == "auto" and clf.choices_["crop"] == 0.9
    assert "trained on random windows of 90% of each series" in clf.rule_
    assert SequenceClassifier(**one).fit(short, y).choices_["crop"] is None  # short series read whole
    aware = SequenceClassifier(time_aware=True, **one).fit(long, y)
    assert aware.choices_["crop"] is None and "crop=None" in aware.rule_  # yields to time_aware
    assert SequenceClassifier(crop=None, **one).fit(long, y).choices_["crop"] is None  # None wins
    # more than one process: each would draw the windows of its own batches, so the rule reads whole series
    # (as its fcn branch yields), keeping a scaled-out fit the one-process fit
    scaled = SequenceClassifier(devices=2, **one)
    choices, rule = scaled._choose(torch.full((24,), 100), 1)
    assert choices["crop"] is None and "crop=None" in rule


def test_a_model_trained_on_windows_predicts_by_the_mean_over_evenly_spaced_windows(tmp_path):
    import json

    X, y = offsets(32, 0)
    options = dict(hidden_size=8, max_epochs=2, batch_size=8, random_state=0, device="cpu")
    clf = SequenceClassifier(crop=0.8, **options).fit(X, y)
    assert clf.predict_windows_ == 5
    assert SequenceClassifier(crop=None, **options).fit(X, y).predict_windows_ == 1
    X_test = [x for x in offsets(6, 1)[0]] + [np.ones((1, 1), np.float32)]  # lengths 10-39, and one step

    def by_hand(x, starts, width):
        """The model's logits for each window read alone (no batch, no padding), averaged."""
        with torch.inference_mode():
            z = torch.from_numpy((x - clf.x_mean_) / clf.x_scale_).float()[None]
            outs = [clf.model_(z[:, s : s + width], torch.tensor([width]))[0][0] for s in starts]
        return torch.stack(outs).mean(0).softmax(-1).numpy()

    proba = clf.predict_proba(X_test)
    for x, p in zip(X_test, proba, strict=True):
        L = len(x)
        w = max(1, round(0.8 * L))
        starts = [round((L - w) * k / 4) for k in range(5)]  # 0 .. L - w, evenly spaced
        np.testing.assert_allclose(p, by_hand(x, starts, w), rtol=1e-5, atol=1e-6)
        assert starts[0] == 0 and starts[-1] + w == L  # the first step and the last are read
    clf.predict_windows_ = 1  # the whole series, as a model trained on whole series reads it
    for x, p in zip(X_test, clf.predict_proba(X_test), strict=True):
        np.testing.assert_allclose(p, by_hand(x, [0], len(x)), rtol=1e-5, atol=1e-6)
    for bad in (0, 2.5, True):
        clf.predict_windows_ = bad
        with pytest.raises(ValueError, match=r"predict_windows_ must be an integer >= 1 .* got "):
            clf.predict(X_test)
    whole = SequenceClassifier(crop=None, **options).fit(X, y)
    whole.predict_windows_ = 3
    with pytest.raises(ValueError, match="but it was trained on whole sequences; set predict_windows_ = 1"):
        whole.predict(X_test)
    clf.predict_windows_ = 5
    clf.save(tmp_path / "m")
    np.testing.assert_array_equal(load(tmp_path / "m").predict_proba(X_test), proba)
    # a model saved before the windows were read at predict read whole series, and still does
    saved_state = clf._saved_state

    def before():
        fitted, tensors = saved_state()
        assert fitted.pop("predict_windows_") == 5
        return fitted, tensors

    clf._saved_state = before
    clf.save(tmp_path / "old")
    assert "predict_windows_" not in json.loads((tmp_path / "old" / "config.json").read_text())["fitted"]
    assert load(tmp_path / "old").predict_windows_ == 1


def test_a_regressor_trained_on_windows_predicts_the_mean_of_its_windows_predictions():
    X, y = offsets(32, 0)
    reg = SequenceRegressor(hidden_size=8, max_epochs=2, batch_size=8, random_state=0, device="cpu", crop=0.6)
    reg.fit(X, y.astype(float))
    X_test = offsets(5, 2)[0]
    voted = reg.predict(X_test)
    reg.predict_windows_ = 1  # each window given as a sequence of its own, read whole
    for x, v in zip(X_test, voted, strict=True):
        L = len(x)
        w = max(1, round(0.6 * L))
        windows = [x[round((L - w) * k / 4) :][:w] for k in range(5)]
        np.testing.assert_allclose(v, reg.predict(windows).mean(), rtol=1e-5, atol=1e-6)
