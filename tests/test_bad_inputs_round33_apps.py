"""Thirty-third round: the recipes with a practitioner's own data (A33-01 … A33-06).

A33-01 the event-log detectors fitted on waits in seconds and scoring waits in milliseconds (or the reverse);
A33-02 ``stocks.daily_features`` of a long table of several tickers (a ``Ticker`` column, the days repeated);
A33-03 ``driving.fit_scaling`` of no episodes, of episodes no longer than the warm-up, of a generator;
A33-04 ``dna.one_hot`` / ``kmer_profile`` of a list whose sequence 2 holds RNA or a letter that is no base;
A33-05 ``sentiment.prepare`` of texts of one part of a frame beside labels of another (IMDB's train and test);
A33-06 ``eventlogs.precision_recall_f1`` and ``driving.mcnemar`` of Series of two blocks of one frame (pandas 3).
"""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.apps import dna, driving, eventlogs, sentiment, stocks


@pytest.fixture(scope="module")
def logs():
    parts = eventlogs.make_split(40, seed=0)
    vocab = eventlogs.event_vocab(parts["train"].frame)
    return {name: part.sessions(vocab) for name, part in parts.items()}


def _in_ms(sessions):
    return eventlogs.Sessions(sessions.events, [dt * 1000 for dt in sessions.dt])


def test_A33_01_waits_scored_in_another_unit_than_fit_are_refused(logs):
    detector = eventlogs.NGramDetector(2).fit(logs["train"])
    flagged = eventlogs.flag_sessions(detector.score(logs["test"]), 3, 4.0)
    assert flagged.sum() < 0.75 * len(flagged)  # in seconds: 31 of 60 sessions flagged
    with pytest.raises(ValueError, match=r"^NGramDetector\.score: the sessions' median wait is 8708, 995 times the "
                                         r"training sessions' .*every session .*seconds\? dt / 1000\)"):
        detector.score(_in_ms(logs["test"]))  # before: 60 of 60 sessions flagged for their delays
    with pytest.raises(ValueError, match=r"\d,\d+ times less than the training sessions' .*"
                                         r"milliseconds\? dt \* 1000\)"):
        eventlogs.NGramDetector(2).fit(_in_ms(logs["train"])).score(logs["test"])
    in_ms = eventlogs.NGramDetector(2).fit(_in_ms(logs["train"]))  # one unit in both: scored as before
    assert (eventlogs.flag_sessions(in_ms.score(_in_ms(logs["test"])), 3, 4.0) == flagged).all()
    budget = {**eventlogs.SHARED, "max_epochs": 1, "embed_size": 4, "hidden_size": 8, "num_layers": 1}
    module = eventlogs.fit_lstm(logs["train"], int(np.concatenate(logs["train"].events).max()) + 1, budget, seed=0)
    eventlogs.score_lstm(module, eventlogs.Sessions(logs["test"].events[:3], logs["test"].dt[:3]))
    with pytest.raises(ValueError, match=r"^score_lstm: the sessions' median wait is 8708, 995 times the training"):
        eventlogs.score_lstm(module, _in_ms(logs["test"]))


def _prices(ticker: str, start: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = start * np.exp(np.cumsum(rng.normal(0, 0.01, 80)))
    days = pd.Index(pd.bdate_range("2020-01-01", periods=80), name="Date")
    return pd.DataFrame({"Ticker": ticker, "Open": close, "High": close * 1.01, "Low": close * 0.99, "Close": close,
                         "Volume": rng.integers(1_000_000, 2_000_000, 80)}, index=days)


def test_A33_02_a_long_table_of_several_tickers_is_refused_naming_the_ticker_column():
    long = pd.concat([_prices("AAPL", 100.0, 0), _prices("MSFT", 110.0, 1)])  # one CSV of both, ticker by ticker
    for table in (long, long.sort_index(kind="stable")):  # before: "sort_index() and drop repeated days", which
        with pytest.raises(ValueError, match=r"^daily_features: prices hold 2 tickers' rows in column 'Ticker' "
                                             r"\(\['AAPL', 'MSFT'\]\).*prices\[prices\['Ticker'\] == 'AAPL'\]"):
            stocks.daily_features(table)  # spliced the two tickers' rows, one per day, into one series silently
    one = long[long["Ticker"] == "AAPL"]
    assert stocks.daily_features(one).equals(stocks.daily_features(_prices("AAPL", 100.0, 0)))
    newest_first = one.assign(Year=one.index.year).iloc[::-1]  # no day repeats: still the order's own message
    with pytest.raises(ValueError, match=r"\(the rows run newest first\)"):
        stocks.daily_features(newest_first)


def _episode(steps: int, seed: int) -> driving.Episode:
    rng = np.random.default_rng(seed)
    frames = rng.normal(size=(steps, 5, 5)).astype(np.float32)
    frames[:, :, 0] = 1.0  # every vehicle present
    return driving.Episode(seed, frames, rng.normal(size=(steps, 2)), np.full(steps, 25.0), False, False)


def test_A33_03_fit_scaling_names_no_episodes_and_episodes_within_the_warm_up():
    with pytest.raises(ValueError, match=r"^fit_scaling: no episodes; give the training episodes"):
        driving.fit_scaling([])  # before: "pad_sequences got no sequences"
    with pytest.raises(ValueError, match=rf"^fit_scaling: none of the 2 episodes has a step after the "
                                         rf"{driving.WARM_UP}-step warm-up \(the longest has 20 steps\)"):
        driving.fit_scaling([_episode(10, 0), _episode(20, 1)])  # before: "feature 0 of X is NaN (missing) ..."
    episodes = [_episode(40, 0), _episode(30, 1)]
    from_list, from_generator = driving.fit_scaling(episodes), driving.fit_scaling(e for e in episodes)
    for field in ("x_mean", "x_scale", "y_mean", "y_scale"):  # before: the generator was spent on the observations
        assert np.array_equal(getattr(from_list, field), getattr(from_generator, field))


def test_A33_04_dna_helpers_name_the_sequence_holding_a_bad_letter():
    good = "ACGTACGTAC" * 3
    for bad, hint in ((good.replace("T", "U"), "RNA"), (good[:12] + "R" + good[13:], "IUPAC")):
        with pytest.raises(ValueError, match=rf"^one_hot: sequence 2, position \d+: invalid letter .*{hint}"):
            dna.one_hot([good, good, bad])  # before: "position 3: invalid letter 'U'", no sequence named
        with pytest.raises(ValueError, match=rf"^kmer_profile: sequence 2, position \d+: invalid letter .*{hint}"):
            dna.kmer_profile([good, good, bad], [1, 2])
    assert dna.one_hot([good.lower(), good]).shape == (2, 30, 4)


def test_A33_05_sentiment_prepare_refuses_texts_and_labels_of_two_parts_of_one_frame():
    words = ["great", "awful", "moving", "dull", "bright", "tired", "sharp", "flat", "warm", "cold"]
    df = pd.DataFrame({"text": [f"review {i}: {words[i % 10]} acting, {words[(i * 7) % 10]} story, part {i // 10}"
                                for i in range(180)],
                       "label": [(i // 3) % 2 for i in range(180)]})
    # a frame of three parts of one size: in blocks (pandas 3 keeps RangeIndex(60, 120) for a mask that selects
    # a block) or interleaved; the texts of one part beside the labels of another, paired by place before
    for split in (np.repeat(["train", "validation", "test"], 60), np.tile(["train", "validation", "test"], 60)):
        part = {name: df[split == name] for name in ("train", "validation", "test")}
        starts = f"{part['validation'].index[:3].tolist()}, labels' {part['test'].index[:3].tolist()}"
        with pytest.raises(ValueError, match=rf"^prepare: texts and labels are pandas Series of 60 rows each but of "
                                             rf"other rows \(texts' index starts {re.escape(starts)}; 60 text "
                                             r"row\(s\) have no label row\)"):
            sentiment.prepare(part["validation"]["text"], part["test"]["label"], sentiment.SETTINGS["quick"], 0)
    test = part["test"]
    with pytest.raises(ValueError, match=r"^prepare: texts and labels are pandas Series of the same rows in other "
                                         r"orders \(texts' index starts \[2, 5, 8\], labels' \[179, 176, "):
        sentiment.prepare(test["text"], test["label"].iloc[::-1], sentiment.SETTINGS["quick"], 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepared = sentiment.prepare(test["text"], test["label"], sentiment.SETTINGS["quick"], 0)
    assert sum(len(y) for y in prepared.y.values()) == 60


def test_A33_06_metrics_refuse_series_of_two_blocks_of_one_frame():
    results = pd.DataFrame({"flagged": [True, False] * 9, "truth": [True, False, False] * 6})  # three runs of 6
    first, second = results.iloc[6:12], results.iloc[12:]  # RangeIndex(6, 12) and RangeIndex(12, 18)
    with pytest.raises(ValueError, match=r"^precision_recall_f1: flagged and truth are pandas Series of 6 rows "
                                         r"each but of other rows \(flagged's index starts \[12, 13, 14\], "
                                         r"truth's \[6, 7, 8\]"):
        eventlogs.precision_recall_f1(second["flagged"], first["truth"])  # before: scored as if paired
    with pytest.raises(ValueError, match=r"^mcnemar: a and b are pandas Series of 6 rows each but of other rows"):
        driving.mcnemar(second["flagged"], results.iloc[9:15]["truth"])
    assert eventlogs.precision_recall_f1(first["flagged"], first["truth"]) == pytest.approx((1 / 3, 0.5, 0.4))
