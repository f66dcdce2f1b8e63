"""Round 32, the recipes with a practitioner's own data: A32-01 ``stocks.fit_garch`` of returns as fractions;
A32-02 ``stocks.split_days`` of days beyond the settings' period; A32-03 ``daily_features`` of prices written
``'$1,228.10'`` and of dates read as text; A32-04 ``sentiment.prepare`` of two Series in other orders; A32-05
``surveillance.fit`` / ``predict`` of 8-bit frames; A32-06 ``charlm.xz_bits`` of decomposed accents (NFD); A32-07
``eventlogs`` sessions whose waits are Unix timestamps."""

import unicodedata

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.apps import charlm, eventlogs, sentiment, stocks, surveillance
from rnnkit.data import load_sp500


@pytest.fixture(scope="module")
def sp500():
    return load_sp500()


def test_A32_01_garch_of_returns_as_fractions_is_fitted_not_left_at_archs_start(sp500):
    r = stocks.daily_features(sp500)["r"].to_numpy()[:1500]  # percent
    percent = stocks.fit_garch(r)
    fraction = stocks.fit_garch(r / 100)  # np.log(close).diff(): arch stopped at alpha 0.1, beta 0.88 before
    assert (percent["alpha"], percent["beta"]) != pytest.approx((0.1, 0.88), abs=0.005)
    assert fraction["alpha"] == pytest.approx(percent["alpha"], abs=1e-4)
    assert fraction["beta"] == pytest.approx(percent["beta"], abs=1e-4)
    for key in ("omega", "backcast"):  # in the fractions' unit squared
        assert fraction[key] * 1e4 == pytest.approx(percent[key], rel=1e-3)
    h = stocks.garch_variance(r / 100, fraction) * 1e4
    assert h == pytest.approx(stocks.garch_variance(r, percent), rel=1e-3)


def test_A32_02_split_days_of_days_beyond_the_settings_period_is_refused(sp500):
    table = stocks.daily_features(sp500)  # 1999..2018, QUICK's period is 2004..2012
    with pytest.raises(ValueError, match=r"split_days: the days run from 1999-02-02 to 2018-12-31, so 1999-02-02 lies "
                                         r"before the settings' period 2004-01-01\.\.2012-12-31.*table\.loc\["):
        stocks.split_days(table.index, stocks.QUICK)  # before: train from 1999, test to 2018, without a word
    with pytest.raises(ValueError, match=r"2018-12-31 lies after the settings' period"):
        stocks.split_days(table.loc["2004-01-01":].index, stocks.QUICK)
    rows, _ = stocks.split_days(table.loc["2004-01-01":"2012-12-31"].index, stocks.QUICK)
    assert len(rows["test"]) == 502  # the recipe's own cut, at any time of the end day too
    stocks.split_days(table.loc["2004-01-01":"2012-12-31"].index + pd.Timedelta(hours=16), stocks.QUICK)


def test_A32_03_prices_with_a_currency_sign_or_dates_as_text_name_the_fix(sp500):
    prices = sp500.iloc[:60].copy()
    dollars = prices.assign(Close=prices["Close"].map(lambda v: f"${v:,.2f}"))
    with pytest.raises(ValueError, match=r"Close holds .* \('\$1,228\.10' on 1999-01-04\), not numbers; strip the "
                                         r"currency sign .*str\.replace\(r'\[\$€£¥,\]', '', regex=True\)"):
        stocks.daily_features(dollars)  # before: pd.to_numeric, which refuses '$1,228.10' too
    fixed = dollars.assign(Close=dollars["Close"].str.replace(r"[$€£¥,]", "", regex=True).astype(float))
    assert stocks.daily_features(fixed)["r"].to_numpy() == pytest.approx(stocks.daily_features(prices)["r"].to_numpy(),
                                                                          abs=0.01)
    texts = prices.set_axis(prices.index.strftime("%Y-%m-%d"))  # read_csv(index_col=0) without parse_dates
    with pytest.raises(ValueError, match=r"prices\.index = pd\.to_datetime\(prices\.index\)"):
        stocks.daily_features(texts)  # before: prices.set_index(pd.to_datetime(prices['Date'])), no such column


def _reviews(n: int = 60) -> pd.DataFrame:
    words = ["great", "awful", "moving", "dull", "bright", "tired", "sharp", "flat", "warm", "cold"]
    texts = [f"review {i}: {words[i % 10]} acting, {words[(i * 7) % 10]} story, part {i // 10}" for i in range(n)]
    return pd.DataFrame({"text": texts, "label": [i % 2 for i in range(n)]}, index=np.arange(100, 100 + n))


def test_A32_04_text_and_label_series_in_other_orders_are_refused_not_paired_by_place():
    df = _reviews()
    by_text = df.sort_values("text", ascending=False)  # one of the two sorted, the other not
    with pytest.raises(ValueError, match=r"prepare: texts and labels are pandas Series of the same rows in other "
                                         r"orders .*labels = labels\.loc\[texts\.index\]"):
        sentiment.prepare(by_text["text"], df["label"], sentiment.SETTINGS["quick"], 0)
    texts, labels = df["text"].drop(index=105), df["label"].drop(index=108)  # filtered apart, one row each
    with pytest.raises(ValueError, match=r"of other rows .*1 text row\(s\) have no label row"):
        sentiment.prepare(texts, labels, sentiment.SETTINGS["quick"], 0)
    prepared = sentiment.prepare(by_text["text"], df["label"].loc[by_text.index], sentiment.SETTINGS["quick"], 0)
    truth = dict(zip(df["text"], df["label"], strict=True))
    for part, idx in prepared.parts.items():  # every review keeps its own label
        assert [truth[by_text["text"].iloc[i]] for i in idx] == prepared.y[part].tolist()
    # a Series of texts beside a fresh Series of labels (a RangeIndex): paired by place, as documented
    sentiment.prepare(df["text"], pd.Series(df["label"].to_numpy()), sentiment.SETTINGS["quick"], 0)


def test_A32_05_eight_bit_frames_are_refused_by_fit_and_predict():
    frames = torch.rand(40, 1, 6, 8, generator=torch.Generator().manual_seed(0))
    train, validation = surveillance.clips(frames, range(0, 28), 3), surveillance.clips(frames, range(28, 40), 3)
    build = lambda: surveillance.NextFramePredictor(2, (6, 8))
    kw = dict(epochs=1, lr=0.01, batch_size=8, clip_grad_norm=1.0, seed=0, log=lambda m: None)
    with pytest.raises(ValueError, match=r"fit: the train clips hold pixels from 0 to 25\d, outside \[0, 1\].*/ 255"):
        surveillance.fit(build, (train * 255).round(), validation, **kw)  # before: trained, predictions cut to 1
    with pytest.raises(ValueError, match=r"fit: the validation clips hold torch\.uint8 pixels; .*float\(\) / 255"):
        surveillance.fit(build, train, (validation * 255).to(torch.uint8), **kw)  # before: Recurrent's "x.float()"
    model, _, _ = surveillance.fit(build, train, validation, **kw)
    with pytest.raises(ValueError, match=r"predict: the context clips hold pixels from 0 to 25\d"):
        surveillance.predict(model, (validation[:, :-1] * 255).round())
    assert surveillance.predict(model, validation[:, :-1]).shape == (len(validation), 1, 6, 8)


def test_A32_06_xz_counts_characters_as_the_models_do_in_composed_form():
    text = "Le cœur a ses raisons que la raison ne connaît point. Été, déjà, à côté, élève.\n" * 40
    decomposed = unicodedata.normalize("NFD", text)  # macOS, some keyboards: 'e' and a combining accent
    assert len(decomposed) > 1.1 * len(text)
    assert charlm.xz_bits(decomposed) == charlm.xz_bits(text)  # before: 10 % fewer bits per "character"
    assert charlm.xz_bits(decomposed, primer=decomposed) == charlm.xz_bits(text, primer=text)


def test_A32_07_unix_timestamps_given_as_waits_are_refused():
    rng = np.random.default_rng(0)
    events = [rng.integers(0, 4, 6) for _ in range(8)]
    times = [1.7e9 + 3600 * s + np.cumsum(rng.exponential(20, 6)) for s in range(8)]  # Unix seconds
    with pytest.raises(ValueError, match=r"NGramDetector\.fit: session 0, step 0 waits 1\.7e\+09 s \(54 years\).*"
                                         r"timestamps \(Unix seconds or milliseconds\)"):
        eventlogs.NGramDetector(2).fit(eventlogs.Sessions(events, times))  # before: fitted, delays of 54 years
    with pytest.raises(ValueError, match=r"training_items: session 0, step 0 waits 1\.7e\+12 s"):
        eventlogs.training_items(eventlogs.Sessions(events, [t * 1000 for t in times]))  # milliseconds
    waits = [np.r_[0, np.diff(t)] for t in times]
    scores = eventlogs.NGramDetector(2).fit(eventlogs.Sessions(events, waits)).score(eventlogs.Sessions(events, waits))
    assert len(scores.rank) == 8


def test_A32_08_a_target_shifted_a_day_back_is_named_not_windowed(sp500):
    table = stocks.daily_features(sp500.iloc[:200])
    r2 = (table["r"] ** 2).to_numpy()
    with pytest.raises(ValueError, match=r"next_day_windows: target's last day \(179\) is nan, as a target shifted "
                                         r"a day back \(target\.shift\(-1\)\) ends; .*two days ahead"):
        stocks.next_day_windows(table.to_numpy(), np.r_[r2[1:], np.nan], 5)  # before: y[-1] NaN, without a word
    with pytest.raises(ValueError, match=r"next_day_windows: features of day 7 is not finite \(1 such day"):
        stocks.next_day_windows(np.where(np.arange(180)[:, None] == 7, np.nan, table.to_numpy()), r2, 5)
    x, y = stocks.next_day_windows(table.to_numpy(), r2, 5)
    assert y[0] == pytest.approx(r2[5]) and np.isfinite(x).all()
