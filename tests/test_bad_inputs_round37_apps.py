"""Thirty-seventh round, apps: the rows the last round left, and the recipes' helpers with one's own data.

A37-01 ``surveillance.predict`` of whole clips (their target frame included) of a fitted model.
A37-02 the multi-seed recipes' runs for ``seed=1`` beside ``seed=0``'s.
A37-03 ``eventlogs.NGramDetector`` of a heartbeat: events whose waits never varied (a spread of 0, or of rounding).
A37-04 ``stocks.daily_features`` of a calendar of every day, filled forward (or left empty) over non-trading days.
A37-05 ``sentiment.predict_proba`` of one's own reviews encoded by a vocabulary built on them.
A37-06 ``stocks.predict`` and ``fit_rnn`` of one's own windows: float64, a tensor, a missing value.
A37-07 ``charlm.sample_texts`` of a model that gives ``<eos>`` some probability.
A37-08 ``driving.predict`` of one episode's array, not in a list, and of inputs with a missing value.
A37-09 ``surveillance.predict`` of clips with a missing pixel.
A37-10 ``charlm.split_corpus("python", files, train_chars, ...)`` of more training characters than the files hold.
"""

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.apps import charlm, driving, eventlogs, sentiment, stocks, surveillance
from rnnkit.data.text import TextClassificationDataset, Vocab
from rnnkit.models import LanguageModel


def _walk(n: int) -> torch.Tensor:
    """``(n, 1, 6, 8)`` frames of a bright 2 x 2 square walking one pixel a frame, wrapping round."""
    frames = torch.zeros(n, 1, 6, 8)
    for t in range(n):
        x = t % 7
        frames[t, 0, 2:4, x:x + 2] = 1.0
    return frames


def test_A37_01_predict_of_whole_clips_of_a_fitted_model_is_warned_of():
    train = surveillance.clips(_walk(30), range(30), context=3)  # (N, 4, 1, 6, 8): 3 frames in, the target last
    model, _, _ = surveillance.fit(lambda: surveillance.NextFramePredictor(2, (6, 8)), train, train[:4], epochs=1,
                                   lr=0.01, batch_size=8, clip_grad_norm=1.0, seed=0, log=lambda message: None)
    # before: the frame after the target predicted, without a word
    with pytest.warns(UserWarning, match=r"predict: the clips hold 4 frames, one more than the 3 the model was "
                                         r"trained on, .* the frame after the target; give the frames before it: "
                                         r"predict\(model, clips\[:, :-1\]\)"):
        surveillance.predict(model, train)
    assert model.context == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert surveillance.predict(model, train[:, :-1]).shape == (len(train), 1, 6, 8)
        assert surveillance.predict(model, train[:, :-2]).shape == (len(train), 1, 6, 8)  # fewer frames: a choice
        assert surveillance.predict(surveillance.NextFramePredictor(2, (6, 8)), train).shape == (len(train), 1, 6, 8)


class _Trained(Exception):
    """Raised by a stand-in for a recipe's training, carrying the seed it was given."""


def test_A37_02_the_runs_of_two_seeds_are_disjoint(monkeypatch):
    from rnnkit.apps import run_seeds  # imported here: before, it was not there, and the file's other tests ran

    assert run_seeds(0, 5, "speech.run") == [0, 1, 2, 3, 4]  # seed 0's runs as before
    assert run_seeds(1, 5, "speech.run") == [5, 6, 7, 8, 9]  # before: 1..5, four of seed 0's five
    assert run_seeds(7, 1, "stocks.run") == [7]  # one run: the seed itself
    with pytest.raises(ValueError, match=r"speech.run: seed=500000000 with 5 runs gives the runs seeds "
                                         r"2,500,000,000 to 2,500,000,004 .* give a seed below 429,496,729"):
        run_seeds(500_000_000, 5, "speech.run")

    def fit_lstm(sessions, vocab_size, budget, *, seed):
        raise _Trained(seed)

    monkeypatch.setitem(eventlogs.QUICK, "users", 40)
    monkeypatch.setitem(eventlogs.QUICK, "seeds", 3)
    monkeypatch.setattr(eventlogs, "fit_lstm", fit_lstm)
    with pytest.raises(_Trained) as trained:
        eventlogs.run(quick=True, seed=1, log=lambda message: None)
    assert trained.value.args == (3,)  # before: 1, the second of seed 0's runs


def test_A37_03_an_event_whose_waits_never_varied_is_not_given_a_spread_of_one_or_of_rounding():
    # a session opens (0), beats (1) 5 s later, then every 60 s; other sessions log in (3) and browse (2) at waits
    # that vary
    beats = [np.array([0, 1, 1, 1, 1]), np.array([0.0, 5.0, 60.0, 60.0, 60.0])]
    rng = np.random.default_rng(0)
    browse = [np.array([3, 2, 2, 2]), np.r_[0.0, rng.exponential(20.0, 3)]]
    once = [np.array([4, 5]), np.array([0.0, 7.0])]  # event 4 seen before one wait only
    train = eventlogs.Sessions(*map(list, zip(*[beats] * 4, *[browse] * 4, once, strict=True)))
    detector = eventlogs.NGramDetector(2).fit(train)
    flag = lambda dt: eventlogs.flag_sessions(detector.score(eventlogs.Sessions([beats[0]], [np.array(dt)])), 1,
                                              3.0).tolist()
    # the 4 waits after "open", all 5 s: np.std 0, before read as a spread of 1 (ln s): a first beat twice as late
    # was 0.69 sd off, not flagged
    assert flag([0.0, 10.0, 60.0, 60.0, 60.0]) == [True]
    z = detector.score(eventlogs.Sessions([beats[0]], [np.array([0.0, 10.0, 60.0, 60.0, 60.0])])).z[0]
    assert z[0] == pytest.approx(np.log(10.001 / 5.001) / 0.1, rel=1e-4)
    # the 12 waits between beats, all 60 s: np.std 8.9e-16 (rounding), before the spread itself: a beat 1 ms late
    # was 10^12 sd off, flagged
    assert flag([0.0, 5.0, 60.0, 60.001, 60.0]) == [False]
    assert flag([0.0, 5.0, 60.0, 120.0, 60.0]) == [True]  # a beat a minute late
    assert flag(beats[1]) == [False]  # on time
    mean, sd = detector.delay[2]
    assert sd == pytest.approx(np.std(np.log(np.concatenate([browse[1][2:]] * 4) + 1e-3)), rel=1e-6)  # as before
    # event 4's one wait shows no spread: it takes the 28 waits' about their events' means (only event 2's 8 vary),
    # before 1.0
    mean, sd = detector.delay[4]
    assert mean == pytest.approx(np.log(7.001), rel=1e-9)
    assert sd == pytest.approx(np.std(np.log(browse[1][2:] + 1e-3)) * np.sqrt(8 / 28), rel=1e-6)


def _prices(days: int) -> pd.DataFrame:
    """Daily prices of ``days`` business days from 2021-01-04: a random walk, its ranges and volumes."""
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    return pd.DataFrame({"Open": close, "High": close * 1.01, "Low": close * 0.99, "Close": close,
                         "Volume": rng.integers(10**6, 2 * 10**6, days)},
                        index=pd.bdate_range("2021-01-04", periods=days, name="Date"))


def test_A37_04_a_calendar_filled_over_non_trading_days_is_refused():
    prices = _prices(60)
    filled = prices.asfreq("D").ffill()  # Saturdays and Sundays: Friday's row again
    # before: 22 weekend rows read as trading days of no return, without a word
    with pytest.raises(ValueError, match=r"daily_features: row 5 \(2021-01-09, a Saturday\) repeats row 4's High, Low, "
                                         r"Close and Volume \(22 such row\(s\), 22 on a weekend\), as a calendar "
                                         r"filled forward over non-trading days has them"):
        stocks.daily_features(filled)
    # before: "... drop those days or fill them (e.g. prices.ffill()) first", the fill above
    with pytest.raises(ValueError, match=r"High on 2021-01-09 \(row 5\) is nan, .* so drop those days first: "
                                         r"prices.dropna\(\) \(a day without prices is no trading day"):
        stocks.daily_features(prices.asfreq("D"))
    kept = filled[~filled[["High", "Low", "Close", "Volume"]].eq(filled[["High", "Low", "Close", "Volume"]].shift()
                                                                 ).all(axis=1)]
    assert kept.index.equals(prices.index)  # the message's fix gives the trading days back
    assert stocks.daily_features(kept).equals(stocks.daily_features(prices))


def test_A37_05_predict_proba_of_reviews_of_another_vocabulary_is_refused():
    train = [sentiment.tokenize(t) for t in ("a great film", "a bad film", "loved it", "hated it")]
    mine = [sentiment.tokenize(t) for t in ("what a film", "so dull")]
    trained, own = Vocab.build(train, level="word"), Vocab.build(mine, level="word")
    torch.manual_seed(0)
    model = sentiment.ReviewClassifier(len(trained), 8, 8)
    # before: P(positive) of the ids read as the training vocabulary's words, without a word
    with pytest.raises(ValueError, match=r"predict_proba: the dataset's vocabulary has 9 tokens but the model embeds "
                                         r"11, so its ids are of another vocabulary .* TextClassificationDataset\("
                                         r"tokens, labels, model.vocab\)"):
        sentiment.predict_proba(model, TextClassificationDataset(mine, [1, 0], own))
    model.vocab = trained  # as train_rnn leaves it
    same_size = Vocab([*trained.itos[:5], "dull", *trained.itos[6:]], level="word")  # 'film' is 'dull' here
    with pytest.raises(ValueError, match=r"another vocabulary than the model was trained on \(11 tokens against 11; id "
                                         r"5 is 'dull' in the dataset's, 'film' in the model's\)"):
        sentiment.predict_proba(model, TextClassificationDataset(mine, [1, 0], same_size))
    bigger = Vocab.build(train + mine, level="word")
    with pytest.raises(ValueError, match=r"predict_proba: the dataset's ids are of another vocabulary"):
        sentiment.predict_proba(model, TextClassificationDataset(mine, [1, 0], bigger))  # before: IndexError
    p = sentiment.predict_proba(model, TextClassificationDataset(mine, [1, 0], trained))
    assert p.shape == (2,) and ((p > 0) & (p < 1)).all()


def test_A37_06_stocks_predict_reads_float64_and_tensor_windows_and_refuses_missing_values():
    rng = np.random.default_rng(0)
    r = rng.normal(size=150)
    x, y = stocks.next_day_windows(rng.normal(size=(150, 3)), r**2, 10)  # float32, as the recipe makes them
    settings = dataclasses.replace(stocks.QUICK, max_epochs=1, lookback=10)
    # before: "SequenceToLabel: x is torch.float64 ... convert the input with x.float()", of a numpy array
    model, _ = stocks.fit_rnn((x[:80].astype(np.float64), y[:80].astype(np.float64)), (x[80:], y[80:]),
                              qlike_loss=True, settings=settings, seed=0)
    forecast = stocks.predict(model, x)
    assert forecast.shape == (len(x),) and np.isfinite(forecast).all()
    np.testing.assert_array_equal(stocks.predict(model, x.astype(np.float64)), forecast)  # before: the same error
    np.testing.assert_array_equal(stocks.predict(model, torch.from_numpy(x)), forecast)  # before: TypeError
    gap = x.copy()
    gap[5:8, 4, 1] = np.nan  # a missing value in 3 windows
    # before: NaN forecasts, without a word
    with pytest.raises(ValueError, match=r"predict: x\[5, 4, 1\] \(window 5, day 4, feature 1\) is nan \(3 such "
                                         r"window\(s\)\), so its forecast would be NaN"):
        stocks.predict(model, gap)
    with pytest.raises(ValueError, match=r"predict: x must be windows \(n, L, F\) .* got a ndarray of shape "
                                         r"\(140, 10\) and dtype float32; one feature: x\[\.\.\., None\]"):
        stocks.predict(model, x[..., 0])


def test_A37_07_sample_texts_never_draws_eos():
    text = "in the beginning was the word " * 4
    vocab = Vocab.build([text], level="char")
    torch.manual_seed(0)
    model = LanguageModel(len(vocab), 16, embedding_size=8, cell="lstm")
    with torch.no_grad():
        model.head.linear.bias[vocab.eos_id] = 3.0  # as a model trained on texts that end in <eos> gives it
    samples = charlm.sample_texts(model, vocab, "in ", 40, seed=3)
    # before: <eos> drawn and dropped by decode_text: fewer than 40 characters, those either side of it joined
    assert [len(t) for t in samples.values()] == [43] * len(charlm.TEMPERATURES)
    assert samples == charlm.sample_texts(model, vocab, "in ", 40, seed=3)  # one seed, one text


def test_A37_08_driving_predict_of_one_array_or_a_missing_value_is_refused():
    torch.manual_seed(0)
    model = driving.build_model("gru", 4, driving.QUICK).eval()
    scaling = driving.Scaling(np.zeros(4, np.float32), np.ones(4, np.float32), np.zeros(1), np.ones(1))
    episodes = [np.random.default_rng(i).normal(size=(12, 4)).astype(np.float32) for i in range(2)]
    # before: SequenceToSequence's "x must have shape (batch, time, features) = (B, T, 4), got shape (12, 4)"
    with pytest.raises(ValueError, match=r"predict: inputs is one array of shape \(12, 4\), whose rows would be read "
                                         r"as 12 episodes; give a list of episodes, .* \[x\] for one"):
        driving.predict(model, episodes[0], scaling)
    gap = [episodes[0], episodes[1].copy()]
    gap[1][5, 2] = np.nan
    # before: the actions of steps 5 to 11 NaN, without a word
    with pytest.raises(ValueError, match=r"predict: episode 1 of inputs holds nan at step 5, column 2 \(1 such "
                                         r"step\(s\)\), so the actions from that step on would be NaN"):
        driving.predict(model, gap, scaling)
    actions = driving.predict(model, episodes, scaling)
    assert [a.shape for a in actions] == [(12, 1), (12, 1)] and all(np.isfinite(a).all() for a in actions)


def test_A37_09_surveillance_predict_of_a_missing_pixel_is_refused():
    model = surveillance.NextFramePredictor(2, (6, 8))
    context = surveillance.clips(_walk(10), range(10), context=3)[:, :-1]  # (7, 3, 1, 6, 8)
    context[4, 1, 0, 2, 3] = float("nan")
    # before: clip 4's prediction NaN (clamp keeps NaN), without a word
    with pytest.raises(ValueError, match=r"predict: clip 4, frame 1 of the context clips holds a pixel of nan \(not a "
                                         r"finite number; 1 clip\(s\) hold one\), so its prediction would be NaN"):
        surveillance.predict(model, context)
    context[4, 1, 0, 2, 3] = 0.5
    assert torch.isfinite(surveillance.predict(model, context)).all()


def test_A37_10_split_corpus_of_python_files_refuses_a_validation_text_cut_short():
    files = {f"m{i}.py": f"def f{i}(x):\n    return x + {i}\n" * 20 for i in range(40)}  # m6.py, m30.py: test
    train, validation, test, _ = charlm.split_corpus("python", files, None, 200, 100)
    total = len(train) + len(validation)
    assert len(validation) == 100
    # before: a validation text of 0 characters (or fewer than asked), without a word
    with pytest.raises(ValueError, match=rf"split_corpus: train_chars=100,000 and validation_chars=100 ask for more "
                                         rf"than the training files' {total:,} characters, .* so it would hold 0; ask "
                                         rf"for train_chars <= {total - 100:,}, or train_chars=None"):
        charlm.split_corpus("python", files, 100_000, 200, 100)
    with pytest.raises(ValueError, match=r"so it would hold 40; ask"):
        charlm.split_corpus("python", files, total - 40, 200, 100)
    train, validation, _, _ = charlm.split_corpus("python", files, total - 100, 200, 100)
    assert len(validation) == 100 and len(train) == total - 100
