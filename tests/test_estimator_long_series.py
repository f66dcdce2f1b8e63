"""The long-series options of the models reach the sequence-level estimators: front-ends, attention pooling and
per-series normalisation train, save, load and predict, and refuse what they cannot combine with."""

import numpy as np
import pytest

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor

TINY = {"hidden_size": 6, "max_epochs": 1, "batch_size": 8, "random_state": 0, "device": "cpu"}


def series(n=24, T=40, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(20, T + 1, size=n)
    X = [rng.normal(size=(L, 2)) * (1 + i % 3) + 10 * (i % 2) for i, L in enumerate(lengths)]
    return X, np.arange(n) % 2


@pytest.mark.parametrize("options", [{"frontend": "patch", "stride": 5}, {"frontend": "conv", "stride": 3},
                                     {"frontend": "fcn", "stride": 2},
                                     {"pooling": "attention"}, {"normalise": "series"},
                                     {"frontend": "conv", "pooling": "attention", "normalise": "series"}])
def test_options_build_the_model_train_and_survive_save_and_load(tmp_path, options):
    X, y = series()
    clf = SequenceClassifier(cell="gru", **{"frontend": None, **options}, **TINY).fit(X, y)
    model = clf.model_
    assert (model.frontend is None) == ("frontend" not in options)
    if "frontend" in options:
        assert model.frontend.k == options.get("stride", 1)  # "auto": ceil(T / 64) = 1 for T <= 40
    assert (model.fcn is None) == (options.get("frontend") != "fcn")  # fcn: its branch beside the recurrence
    assert model.normalise == options.get("normalise")
    assert model.head.pooling == options.get("pooling", "final")
    clf.save(tmp_path / "m")
    back = rnnkit.load(tmp_path / "m")
    assert back.get_params() == clf.get_params()
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_series_normalisation_makes_the_regressor_blind_to_each_sequence_level_and_scale():
    X, _ = series()
    reg = SequenceRegressor(normalise="series", **TINY).fit(X, np.arange(len(X), dtype=float))
    moved = [x * 7.0 + 100.0 for x in X]
    np.testing.assert_allclose(reg.predict(moved), reg.predict(X), rtol=1e-4, atol=1e-4)
    plain = SequenceRegressor(**TINY).fit(X, np.arange(len(X), dtype=float))
    assert not np.allclose(plain.predict(moved), plain.predict(X), atol=1e-3)


@pytest.mark.parametrize("params,message", [
    ({"frontend": "wavelet"}, "frontend must be one of"),
    ({"frontend": "patch", "stride": 0}, "stride must be an integer >= 1"),
    ({"normalise": "global"}, "normalise must be one of"),
    ({"frontend": "patch", "tbptt_steps": 8}, "truncated BPTT"),
    ({"normalise": "series", "time_aware": True}, "time_aware=True"),
])
def test_bad_combinations_are_refused_before_training(params, message):
    X, y = series(n=8)
    with pytest.raises(ValueError, match=message):
        SequenceClassifier(**{**TINY, **params}).fit(X, y)
