"""Label smoothing: the training loss of a classifier against softened labels, the validation loss plain, and the
long-series rule that chooses it (docs/long_series.md)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnkit import SequenceClassifier, SequenceRegressor, load
from rnnkit.models import SequenceToLabel, defaults_for_series
from rnnkit.training import SequenceModule

FAST = dict(max_epochs=1, n_members=1, hidden_size=8, random_state=0)


def test_training_loss_is_cross_entropy_against_smoothed_labels_and_validation_loss_is_plain():
    torch.manual_seed(0)
    module = SequenceModule(SequenceToLabel(2, 4, 3), label_smoothing=0.2)
    out, y = torch.randn(5, 3), torch.tensor([0, 2, 1, 1, 0])
    log_p = out.log_softmax(-1)
    # by hand: (1 - eps) on the label, eps / C on every class
    target = 0.8 * F.one_hot(y, 3) + 0.2 / 3
    smoothed = -(target * log_p).sum(-1)  # (5,)
    module.train()
    assert torch.allclose(module.loss(out, y), smoothed.mean(), atol=1e-6)
    w = torch.tensor([1.0, 2.0, 0.0, 1.0, 3.0])
    assert torch.allclose(module.loss(out, y, w), (w * smoothed).sum() / w.sum(), atol=1e-6)
    module.eval()  # Lightning validates in eval mode: early stopping reads the labels' own cross-entropy
    assert torch.allclose(module.loss(out, y), -log_p[torch.arange(5), y].mean(), atol=1e-6)
    assert SequenceModule(SequenceToLabel(2, 4, 3)).label_smoothing == 0.0  # the plain cross-entropy by default


@pytest.mark.parametrize("bad", [1.0, -0.1, float("nan"), True, "0.1"])
def test_label_smoothing_outside_zero_one_is_refused(bad):
    with pytest.raises(ValueError, match=r"label_smoothing must be a number in \[0, 1\)"):
        SequenceModule(SequenceToLabel(2, 4, 3), label_smoothing=bad)
    with pytest.raises(ValueError, match=r"label_smoothing must be a number in \[0, 1\)"):
        SequenceClassifier(label_smoothing=bad).fit(np.zeros((4, 5, 1), np.float32), [0, 1, 0, 1])


def test_label_smoothing_of_a_regression_is_refused():
    with pytest.raises(ValueError, match="smooths class labels; task='regression' has none"):
        SequenceModule(SequenceToLabel(2, 4, 1), task="regression", label_smoothing=0.1)
    with pytest.raises(TypeError):  # the regressor has no such parameter
        SequenceRegressor(label_smoothing=0.1)


def test_rule_smooths_the_labels_of_long_series_only():
    long, short = defaults_for_series(50, [150] * 50, 1), defaults_for_series(67, [24] * 67, 1)
    assert long["training"]["label_smoothing"] == 0.1 and "labels smoothed by 0.1" in long["rule"]
    assert short["training"]["label_smoothing"] == 0.0 and "smoothed" not in short["rule"]
    regression = defaults_for_series(50, [150] * 50, 1, task="regression")
    assert "label_smoothing" not in regression["training"] and "smoothed" not in regression["rule"]
    with pytest.raises(ValueError, match="task must be 'classification' or 'regression'"):
        defaults_for_series(50, [150] * 50, 1, task="tagging")


def test_classifier_records_the_chosen_smoothing_trains_with_it_and_saves_it(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 80, 1)).astype(np.float32), np.arange(16) % 2
    auto = SequenceClassifier(**FAST).fit(X, y)
    assert auto.choices_["label_smoothing"] == 0.1 and "labels smoothed by 0.1" in auto.rule_
    assert auto.get_params()["label_smoothing"] == "auto"
    plain = SequenceClassifier(**FAST, label_smoothing=0).fit(X, y)
    assert plain.choices_["label_smoothing"] == 0 and "label_smoothing=0" in plain.rule_
    # the same seed, batches and initial weights: only the loss differs
    assert auto.loss_curve_[0] != pytest.approx(plain.loss_curve_[0], abs=1e-4)
    auto.save(tmp_path / "m")
    loaded = load(tmp_path / "m")
    assert loaded.choices_["label_smoothing"] == 0.1 and loaded.get_params()["label_smoothing"] == "auto"
    np.testing.assert_array_equal(loaded.predict_proba(X), auto.predict_proba(X))
