"""Real classification and regression data that loads offline runs through the estimators and the command line quietly.

Each test reads a real dataset (sktime's UCR/UEA files, MNIST-1D, scikit-learn's digits) in a form users hold it
(numpy3D with ``layout='nct'`` or transposed to ``(n, T, F)``, sktime's nested frames, pandas multiindex frames,
lists of ragged arrays, a long CSV), fits with tiny sizes, and asserts that nothing is warned of and that the
result is sane: a warning that fires on correct data teaches users to ignore warnings.
"""
import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

from rnnkit.cli import main
from rnnkit.estimators import SequenceClassifier, SequenceRegressor

datasets = pytest.importorskip("sktime.datasets")

TINY = dict(hidden_size=8, max_epochs=1, n_members=1, random_state=0)


@contextmanager
def quiet():
    """Every warning raised inside is an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _round_trip(model, X, tmp_path):
    """Save and load ``model``: the loaded one predicts as it does."""
    model.save(tmp_path / "model")
    again = type(model).load(tmp_path / "model")
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_italypowerdemand_numpy3d_nct_runs_quietly(tmp_path):
    X, y = datasets.load_italy_power_demand(split="train", return_type="numpy3D")
    Xt, yt = datasets.load_italy_power_demand(split="test", return_type="numpy3D")
    with quiet():
        model = SequenceClassifier(**TINY, layout="nct").fit(X, y)
        assert set(model.predict(Xt[:50])) <= {"1", "2"}
        assert 0.0 <= model.score(Xt[:200], yt[:200]) <= 1.0
        _round_trip(model, Xt[:20], tmp_path)


def test_italypowerdemand_transposed_and_2d_runs_quietly():
    X, y = datasets.load_italy_power_demand(split="train", return_type="numpy3D")
    with quiet():
        a = SequenceClassifier(**TINY).fit(X.transpose(0, 2, 1), y).predict_proba(X[:10].transpose(0, 2, 1))
        b = SequenceClassifier(**TINY).fit(X[:, 0], y.astype(int)).predict_proba(X[:10, 0])
    np.testing.assert_allclose(a.sum(1), 1, rtol=1e-5)
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_basicmotions_nested_and_multiindex_frames_run_quietly():
    X, y = datasets.load_basic_motions(split="train", return_type="nested_univ")
    M, _ = datasets.load_basic_motions(split="train", return_type="pd-multiindex")
    X, y = X.iloc[::2], y[::2]
    M = M.loc[X.index]
    with quiet():
        nested = SequenceClassifier(**TINY).fit(X, y)
        long = SequenceClassifier(**TINY).fit(M, y)
        assert 0.0 <= nested.score(X, y) <= 1.0
    np.testing.assert_allclose(nested.predict_proba(X), long.predict_proba(M), rtol=1e-4, atol=1e-6)


def test_japanesevowels_ragged_list_runs_quietly(tmp_path):
    X, y = datasets.load_japanese_vowels(split="train", return_type="nested_univ")
    seqs = [np.stack([X.iloc[i, j].to_numpy() for j in range(X.shape[1])], axis=1) for i in range(len(X))]
    assert len({len(s) for s in seqs}) > 1
    with quiet():
        model = SequenceClassifier(**TINY, class_weight="balanced").fit(seqs, list(y))
        assert model.score(seqs, list(y)) > 1 / 9
        _round_trip(model, seqs[:20], tmp_path)


def test_japanesevowels_time_aware_nested_runs_quietly():
    X, y = datasets.load_japanese_vowels(split="train", return_type="nested_univ")
    with quiet():
        model = SequenceClassifier(**TINY, time_aware=True).fit(X.iloc[:90], y[:90])
        assert len(model.predict(X.iloc[90:120])) == 30


def test_plaid_ragged_nested_runs_quietly():
    X, y = datasets.load_plaid(split="train", return_type="nested_univ")
    with quiet():
        model = SequenceClassifier(**TINY).fit(X.iloc[:40], y[:40])
        assert set(model.predict(X.iloc[40:60])) <= set(y[:40])


def test_tecator_regression_runs_quietly(tmp_path):
    X, y = datasets.load_tecator(split="train", return_type="numpy3D")
    with quiet():
        model = SequenceRegressor(**TINY, layout="nct").fit(X, y)
        pred = model.predict(X[:20])
        assert np.isfinite(pred).all() and pred.shape == (20,)
        model.save(tmp_path / "model")
        np.testing.assert_allclose(SequenceRegressor.load(tmp_path / "model").predict(X[:20]), pred, rtol=1e-5)


def test_digits_read_row_by_row_runs_quietly():
    digits = pytest.importorskip("sklearn.datasets").load_digits()
    X, y = digits.images[:400], digits.target[:400]
    with quiet():
        model = SequenceClassifier(**TINY, frontend=None, crop=None).fit(X, y)
        assert model.score(X, y) > 0.1


def test_mnist1d_runs_quietly():
    data = pytest.importorskip("mnist1d.data")
    args = data.get_dataset_args()
    args.num_samples = 400
    d = data.make_dataset(args)
    with quiet():
        model = SequenceClassifier(**TINY, frontend=None, crop=None).fit(d["x"], d["y"])
        assert set(model.predict(d["x_test"])) <= set(range(10))


def _long_csv(X: pd.DataFrame, y, path):
    """sktime's nested frame as a long CSV: id, time, one column per channel, label."""
    frames = [pd.DataFrame({"id": i, "time": np.arange(len(X.iloc[i, 0])),
                            **{c: X.iloc[i][c].to_numpy() for c in X.columns}, "label": y[i]})
              for i in range(len(X))]
    pd.concat(frames).to_csv(path, index=False)


def test_italypowerdemand_long_csv_train_and_predict_run_quietly(tmp_path, capsys):
    X, y = datasets.load_italy_power_demand(split="train", return_type="nested_univ")
    Xt, yt = datasets.load_italy_power_demand(split="test", return_type="nested_univ")
    _long_csv(X, y, tmp_path / "train.csv")
    _long_csv(Xt.iloc[:40], yt[:40], tmp_path / "test.csv")
    with quiet():
        assert main(["train", str(tmp_path / "train.csv"), "--task", "classify", "--target-column", "label",
                     "--time-column", "time", "--out", str(tmp_path / "m"), "--hidden-size", "8", "--epochs", "1",
                     "--members", "1"]) == 0
        assert main(["predict", str(tmp_path / "m"), str(tmp_path / "test.csv"),
                     "--out", str(tmp_path / "pred.csv")]) == 0
    assert "warn" not in capsys.readouterr().err.lower()
    assert len(pd.read_csv(tmp_path / "pred.csv")) == 40


def test_tecator_wide_csv_regress_and_predict_unlabelled_run_quietly(tmp_path, capsys):
    X, y = datasets.load_tecator(split="train", return_type="numpy3D")
    wide = pd.DataFrame(X[:, 0], columns=[f"t{i}" for i in range(X.shape[2])])
    wide.assign(label=y).iloc[:80].to_csv(tmp_path / "train.csv", index=False)
    wide.iloc[:20].to_csv(tmp_path / "new.csv", index=False)
    with quiet():
        assert main(["train", str(tmp_path / "train.csv"), "--layout", "wide", "--task", "regress",
                     "--target-column", "label", "--out", str(tmp_path / "m"), "--hidden-size", "8", "--epochs", "1",
                     "--members", "1"]) == 0
        assert main(["predict", str(tmp_path / "m"), str(tmp_path / "new.csv"), "--out", str(tmp_path / "p.csv")]) == 0
    assert "warn" not in capsys.readouterr().err.lower()
    assert np.isfinite(pd.read_csv(tmp_path / "p.csv").select_dtypes("number").to_numpy()).all()
