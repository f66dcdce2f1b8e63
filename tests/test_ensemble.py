"""Seed ensembles of the label estimators (``n_members``): what fit chooses, what predict reads, and that the
ensemble saves, loads, exports and resumes as one model."""

import json

import numpy as np
import pytest
import torch

from rnnkit import SequenceClassifier, SequenceRegressor, Streamer, export_onnx, load
from rnnkit.models import Ensemble, SequenceToLabel, defaults_for_series


def _long_set(n: int = 24, T: int = 80, seed: int = 0):
    """Two classes of one-channel series longer than 64 steps: a sine and a square wave, noisy."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    y = np.arange(n) % 2
    phase = rng.uniform(0, 2 * np.pi, n)[:, None]
    wave = np.sin(2 * np.pi * t / 16 + phase)
    X = np.where(y[:, None] == 1, np.sign(wave), wave) + 0.1 * rng.standard_normal((n, T))
    return X[..., None].astype(np.float32), y


FAST = dict(max_epochs=2, random_state=0)


def test_defaults_fit_three_members_on_long_series_and_one_on_short():
    assert defaults_for_series(50, [150] * 50, 1)["training"]["n_members"] == 3
    assert "3 networks from different seeds" in defaults_for_series(50, [150] * 50, 1)["rule"]
    assert defaults_for_series(67, [24] * 67, 1)["training"]["n_members"] == 1
    assert defaults_for_series(270, [29] * 270, 12)["training"]["n_members"] == 1


def test_an_ensemble_predicts_the_mean_of_its_members_and_its_first_member_is_the_one_network_fit():
    X, y = _long_set()
    ens = SequenceClassifier(n_members=2, **FAST).fit(X, y)
    one = SequenceClassifier(n_members=1, **FAST).fit(X, y)
    assert isinstance(ens.model_, Ensemble) and len(ens.model_.members) == 2
    assert isinstance(one.model_, SequenceToLabel) and one.choices_["n_members"] == 1
    first, second = ens.model_.members
    for (name, a), b in zip(first.state_dict().items(), one.model_.state_dict().values(), strict=True):
        assert torch.equal(a, b), name  # member 0 is drawn from the fit's seed, as the single network
    assert not all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values(),
                                                     strict=True))
    # predict reads the mean of the members' logits, each through the same windows as one network
    raw = ens._outputs(X, "test")[0]
    members = []
    for member in ens.model_.members:
        one.model_ = member
        members.append(one._outputs(X, "test")[0])
    torch.testing.assert_close(raw, (members[0] + members[1]) / 2)
    np.testing.assert_allclose(ens.predict_proba(X), torch.softmax(raw, -1).numpy(), rtol=1e-6)


def test_an_ensemble_saves_loads_and_exports_as_one_model(tmp_path):
    X, y = _long_set()
    ens = SequenceClassifier(n_members=2, **FAST).fit(X, y)
    ens.save(tmp_path / "model")
    config = json.loads((tmp_path / "model" / "config.json").read_text())
    assert config["params"]["n_members"] == 2
    loaded = load(tmp_path / "model")
    assert isinstance(loaded.model_, Ensemble)
    np.testing.assert_array_equal(loaded.predict_proba(X), ens.predict_proba(X))
    ens.predict_windows_ = 1  # the graph reads whole series (the windows' formula is in export.json)
    info = export_onnx(ens, tmp_path / "onnx", verbose=False)
    assert info["members"] == 2 and info["step"]["file"] is None and "n_members=1" in info["step"]["reason"]
    import onnxruntime as ort

    session = ort.InferenceSession(str(tmp_path / "onnx" / "sequence.onnx"))
    x = ((X - ens.x_mean_) / ens.x_scale_).astype(np.float32)
    logits = session.run(None, {"x": x, "lengths": np.full(len(x), x.shape[1])})[0]
    np.testing.assert_allclose(torch.softmax(torch.from_numpy(logits), -1).numpy(), ens.predict_proba(X), atol=1e-5)
    with pytest.raises(ValueError, match=r"and 2 networks averaged has no step graph.*, n_members=1 to stream"):
        Streamer(ens)
    # loading the export as a model names what runs it: its sequence graph, since there is no step graph to stream
    with pytest.raises(ValueError, match=r"it is an ONNX export .*: run its sequence.onnx with onnxruntime \(it has "
                                         r"no step graph to stream"):
        load(tmp_path / "onnx")


def test_a_regressor_ensemble_averages_its_members_values():
    X, y = _long_set()
    target = X[:, :, 0].mean(1)
    reg = SequenceRegressor(n_members=2, **FAST).fit(X, target)
    one = SequenceRegressor(n_members=1, **FAST).fit(X, target)
    first = one.predict(X)
    one.model_ = reg.model_.members[1]
    np.testing.assert_allclose(reg.predict(X), (first + one.predict(X)) / 2, rtol=1e-5, atol=1e-6)


def test_a_forward_model_or_a_given_count_decides_the_members():
    X, y = _long_set()
    forward = SequenceClassifier(bidirectional=False, **FAST).fit(X, y)
    assert forward.choices_["n_members"] == 1 and "n_members=1" in forward.rule_
    assert SequenceClassifier(**FAST).fit(X, y).choices_["n_members"] == 3
    with pytest.raises(ValueError, match=r"n_members must be an integer >= 1 or 'auto', got 0"):
        SequenceClassifier(n_members=0).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 members"):
        Ensemble([SequenceToLabel(1, 4, 2)])


def test_an_ensemble_resumes_each_member_from_its_own_checkpoint(tmp_path):
    X, y = _long_set()
    options = dict(n_members=2, lr_schedule=None, random_state=0, log_dir=str(tmp_path / "logs"))
    SequenceClassifier(max_epochs=1, **options).fit(X, y)
    assert (tmp_path / "logs" / "checkpoints" / "last.ckpt").is_file()
    assert (tmp_path / "logs" / "members" / "1" / "checkpoints" / "last.ckpt").is_file()
    resumed = SequenceClassifier(max_epochs=2, **options).fit(X, y, resume=True)
    whole = SequenceClassifier(max_epochs=2, **{**options, "log_dir": None}).fit(X, y)
    for a, b in zip(resumed.model_.state_dict().values(), whole.model_.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)


def test_the_diagnostics_read_every_member_by_its_own_name():
    from rnnkit.diagnostics import gradient_flow, hidden_states

    X, y = _long_set()
    clf = SequenceClassifier(n_members=2, **FAST).fit(X, y)
    names = ["members.0.encoder.l0", "members.0.encoder.l0_reverse", "members.1.encoder.l0",
             "members.1.encoder.l0_reverse"]
    assert list(gradient_flow(clf, X[:4], y[:4]).norms) == names
    assert list(hidden_states(clf, X[:4]).states) == names


def test_labels_and_probabilities_from_one_pass_equal_predict_and_predict_proba():
    X, y = _long_set()
    clf = SequenceClassifier(n_members=2, **FAST).fit(X, y)
    labels, proba = clf.predict_with_proba(X)
    np.testing.assert_array_equal(labels, clf.predict(X))
    np.testing.assert_array_equal(proba, clf.predict_proba(X))


def test_the_architecture_reads_through_to_the_first_member_and_the_weights_stay_each_members():
    X, y = _long_set()
    ens = SequenceClassifier(n_members=2, **FAST).fit(X, y).model_
    first, second = ens.members
    assert ens.frontend is first.frontend and ens.frontend.k == second.frontend.k == 2
    assert ens.normalise == "series" and ens.head.pooling == "attention" and ens.keep_scale
    assert len(list(ens.parameters())) == 2 * len(list(first.parameters()))  # nothing registered twice
    assert set(ens.state_dict()) == {f"members.{j}.{k}" for j in range(2) for k in first.state_dict()}
    with pytest.raises(AttributeError):
        ens.no_such_attribute  # noqa: B018
