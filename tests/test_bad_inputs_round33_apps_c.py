"""Thirty-third round, third pass: the stocks, sentiment and DNA recipes with one's own data (A33-11 … A33-16).

A33-11 ``stocks.daily_features`` of prices with an unadjusted 4-for-3 or 5-for-4 split (a move by 0.75 or 0.8);
A33-12 ``daily_features`` of intraday bars indexed by their date alone (the time in a ``Time`` column, or none);
A33-13 ``daily_features`` of prices with the dates in a column named otherwise than ``Date`` (``Datetime``);
A33-14 ``sentiment.prepare`` of labels given as class names (``'fresh'`` / ``'rotten'``, ``'0'`` / ``'1'``);
A33-15 ``sentiment.prepare`` of star ratings (1 to 5, 1 to 10);
A33-16 ``dna.position_saliency`` of one-hot bases channels first ``(n, 4, L)``, or of the DNA strings.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.apps import dna, sentiment, stocks
from rnnkit.data import load_sp500


@pytest.fixture(scope="module")
def prices():
    return load_sp500().loc["1999-01-01":"1999-12-31"]


@pytest.mark.parametrize(("ratio", "factor"), [(4 / 3, "0.737"), (5 / 4, "0.786")])
def test_A33_11_an_unadjusted_4_for_3_or_5_for_4_split_is_warned_of(prices, ratio, factor):
    split = prices.copy()
    split.loc[split.index[100]:, ["Open", "High", "Low", "Close"]] /= ratio
    with pytest.warns(UserWarning, match=rf"daily_features: Close moves from 1304.76 on 1999-05-26 to .* on "
                                         rf"1999-05-27 \(row 100\), by a factor of {factor} in one day .*5-for-4 "
                                         r"moves it by 0.8.*split-adjusted"):
        table = stocks.daily_features(split)
    assert table["r"].min() < -20  # the data are the user's: warned of, read as given
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the S&P 500 itself (largest move 1.116 in a day) is not warned of
        stocks.daily_features(load_sp500())


def _bars_by_date():
    """12 days of 8 hourly bars, indexed by their date alone, the time in a column of its own."""
    times = pd.date_range("2020-01-06 09:30", periods=280, freq="h")
    times = times[(times.hour >= 9) & (times.hour < 17)]
    close = 100 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.003, len(times))))
    return pd.DataFrame({"Time": times.strftime("%H:%M"), "Open": close, "High": close * 1.002, "Low": close * 0.998,
                         "Close": close, "Volume": 1000.0}, index=pd.DatetimeIndex(times.normalize(), name="Date"))


def test_A33_12_intraday_bars_indexed_by_their_date_alone_are_named_as_such():
    bars = _bars_by_date()
    with pytest.raises(ValueError, match=r"^daily_features: prices hold 96 rows on 12 days \(a median of 8 a day\), "
                                         r"as intraday bars .*keep each day's first bar .*their times are in column "
                                         r"'Time': prices.index = pd.to_datetime\(prices.index.astype\(str\) \+ "):
        stocks.daily_features(bars)  # before: the times read as tickers, prices[prices['Time'] == '09:30'] advised
    with pytest.raises(ValueError, match=r"96 rows on 12 days .*index them by date and time"):
        stocks.daily_features(bars.drop(columns="Time"))  # before: "drop repeated days", each day's first bar kept
    days = bars.drop(columns="Time").resample("D").agg({"High": "max", "Low": "min", "Close": "last",
                                                       "Volume": "sum"}).dropna()
    assert len(days) == 12  # the fix the message gives makes daily bars
    prices = load_sp500().loc["1999-01-01":"1999-12-31"]
    with pytest.raises(ValueError, match=r"row 51 \(1999-03-17\) repeats row 50 .*prices.index.duplicated"):
        stocks.daily_features(pd.concat([prices, prices.iloc[[50]]]).sort_index())


def test_A33_13_dates_in_a_column_are_named_by_that_column(prices):
    frame = prices.reset_index().rename(columns={"Date": "Datetime"})
    with pytest.raises(ValueError, match=r"got a RangeIndex .*prices.set_index\(pd.to_datetime\(prices\['Datetime'\]\)"
                                         r"\)$"):
        stocks.daily_features(frame)  # before: prices['Date'], a KeyError when followed
    table = stocks.daily_features(frame.set_index(pd.to_datetime(frame["Datetime"])))
    assert len(table) == len(prices) - stocks.VOLUME_DAYS


SETTINGS = {"min_freq": 1, "max_vocab": 1000, "max_tokens": 50}


def _reviews(n=120):
    rng = np.random.default_rng(0)
    words = "good bad great awful fine poor nice terrible film plot actor scene".split()
    return [" ".join(rng.choice(words, 12)) + f" r{i}" for i in range(n)], rng.integers(0, 2, n)


def test_A33_14_labels_given_as_class_names_are_mapped_by_name():
    texts, y = _reviews()
    with pytest.raises(ValueError, match=r"^prepare: labels are class names \(\['fresh', 'rotten'\]\), .* reads 0 "
                                         r"\(negative\) and 1 \(positive\); map them by name, the positive class to 1: "
                                         r"labels = \(np.asarray\(labels\) == 'fresh'\).astype\(int\); ids in sorted"):
        sentiment.prepare(texts, np.where(y == 1, "fresh", "rotten"), SETTINGS, 0)  # before: sorted ids advised
    with pytest.raises(ValueError, match=r"== 'Positive'\).astype\(int\);"):
        sentiment.prepare(pd.Series(texts), pd.Series(np.where(y == 1, "Positive", "Negative")), SETTINGS, 0)
    with pytest.raises(ValueError, match=r"leave out the reviews of the other 1 first"):
        sentiment.prepare(texts, np.array(["positive", "negative", "neutral"])[np.arange(120) % 3], SETTINGS, 0)
    with pytest.raises(ValueError, match=r"ids written as text: labels = np.asarray\(labels\).astype\(int\)"):
        sentiment.prepare(texts, y.astype(str), SETTINGS, 0)
    fresh = np.where(y == 1, "fresh", "rotten")
    prepared = sentiment.prepare(texts, (fresh == "fresh").astype(int), SETTINGS, 0)
    assert prepared.y["train"].sum() > 0


def test_A33_15_star_ratings_name_the_middle_to_leave_out():
    texts, _ = _reviews()
    stars = np.arange(120) % 5 + 1
    with pytest.raises(ValueError, match=r"star ratings \(1 to 5\)\? leave the middle out.*keep = stars != 3; .*"
                                         r"\(stars >= 4\)\[keep\]"):
        sentiment.prepare(texts, stars, SETTINGS, 0)  # before: "(e.g. labels == POSITIVE)"
    with pytest.raises(ValueError, match=r"star ratings \(1 to 10\)\? .*keep = \(stars <= 4\) \| \(stars >= 7\)"):
        sentiment.prepare(texts, np.arange(120) % 10 + 1.0, SETTINGS, 0)
    keep = stars != 3
    prepared = sentiment.prepare([t for t, k in zip(texts, keep, strict=True) if k], (stars >= 4)[keep].astype(int),
                                 SETTINGS, 0)
    assert sum(len(p) for p in prepared.parts.values()) == keep.sum()


def test_A33_16_position_saliency_names_channels_first_bases():
    x = dna.one_hot(["ACGT" * 10, "TTGA" * 10])  # (2, 40, 4)
    with pytest.raises(ValueError, match=r"^position_saliency: x must be one-hot bases \(n, L, 4\).*got shape "
                                         r"\(2, 4, 40\); .*channels first .*x.transpose\(0, 2, 1\)"):
        dna.position_saliency(None, x.transpose(0, 2, 1))  # before: "bin_bp=20 does not divide the length 4"
    with pytest.raises(ValueError, match=r"a list of 2 DNA strings; .*one_hot\(sequences\)"):
        dna.position_saliency(None, ["ACGT" * 10, "TTGA" * 10])
