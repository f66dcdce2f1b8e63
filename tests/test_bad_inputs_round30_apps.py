"""The thirtieth round's cases of the application recipes, driven with a practitioner's own data in the forms their
tools hand it out: A30-01/02 ``stocks.daily_features`` of yfinance's two-level columns and of hourly bars; A30-03..05
``sentiment.prepare`` of a corpus with repeated reviews, an empty review, and a class too small for the split;
A30-06 ``charlm.split_corpus`` of a text whose last line is longer than the test text, and of a few files none of
which is a test file; A30-07/08 ``surveillance.run`` on one's own video ($RNNKIT_VTEST) at 25 fps, and on one too
short for its split; A30-09 ``eventlogs``' helpers on sessions gathered as lists; A30-10
``spoken_digits.features`` of soundfile's and scipy's numpy samples. Each test fails on the commit before its fix."""
import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.apps import charlm, eventlogs, sentiment, spoken_digits, stocks, surveillance


def _prices(days: int, index: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    index = pd.bdate_range("2020-01-01", periods=days) if index is None else index
    return pd.DataFrame({"Open": close, "High": close * 1.01, "Low": close * 0.99, "Close": close,
                         "Volume": rng.integers(1_000, 2_000, days).astype(float)}, index=index)


def test_A30_01_yfinance_two_level_columns_are_named_with_the_ticker_to_take(recwarn):
    # before: AttributeError: 'DataFrame' object has no attribute 'dtype' (prices["Close"] was a table)
    prices = _prices(40)
    prices.columns = pd.MultiIndex.from_product([prices.columns, ["SPY"]], names=["Price", "Ticker"])
    with pytest.raises(ValueError, match=r"daily_features: prices have 2 levels of column names .*yfinance.*"
                                         r"tickers \['SPY'\].*prices\.xs\('SPY', axis=1, level=1\)"):
        stocks.daily_features(prices)
    assert len(stocks.daily_features(prices.xs("SPY", axis=1, level=1))) == 20  # the fix it names works


def test_A30_02_hourly_bars_are_not_read_as_trading_days():
    # before: 80 rows of "daily" features from 100 hourly bars, each hour's return read as a day's
    prices = _prices(100, pd.date_range("2020-01-06 09:00", periods=100, freq="h"))
    with pytest.raises(ValueError, match=r"daily_features: rows 0 and 1 \(2020-01-06 09:00:00 and 2020-01-06 "
                                         r"10:00:00\) fall on the same day .*give daily bars"):
        stocks.daily_features(prices)
    zoned = _prices(40)
    zoned.index = (zoned.index + pd.Timedelta(hours=16)).tz_localize("America/New_York")  # one bar a day, zoned
    assert len(stocks.daily_features(zoned)) == 20


def _reviews(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    words = ["good", "bad", "great", "awful", "film", "plot", "actor", "boring", "fun", "movie", "scene", "cast"]
    texts = [" ".join(rng.choice(words, 10)) for _ in range(n)]
    return texts, np.array([int("good" in t) for t in texts])


def test_A30_03_repeated_reviews_would_leak_across_the_split():
    # before: prepare split 60 texts of which 30 were repeats; 5 of the 12 test reviews were training reviews
    texts, labels = _reviews(30)
    with pytest.raises(ValueError, match=r"prepare: texts\[30\] repeats texts\[0\] \(30 repeated review\(s\), 0 of "
                                         r"them with another label\).*keep the first of each"):
        sentiment.prepare(texts + texts, np.r_[labels, labels], sentiment.SETTINGS["quick"], 0)
    prepared = sentiment.prepare(texts, labels, sentiment.SETTINGS["quick"], 0)
    train = {texts[i] for i in prepared.parts["train"]}
    assert not train & {texts[i] for i in prepared.parts["test"]}


def test_A30_04_an_empty_review_is_named_by_the_users_own_index():
    # before: "text 41 is empty after tokenization", its place in the training part (the review was texts[59])
    texts, labels = _reviews(60)
    texts[59] = "<br /><br />"
    with pytest.raises(ValueError, match=r"prepare: texts\[59\] \('<br /><br />'\) holds no word \(1 such"):
        sentiment.prepare(texts, labels, sentiment.SETTINGS["quick"], 0)


def test_A30_05_a_class_too_small_for_the_split_is_said_in_the_recipes_terms():
    # before: scikit-learn's "The least populated classes in y have only 1 member, ..." alone
    texts, labels = _reviews(8)
    labels = np.array([0, 1, 1, 1, 1, 1, 1, 1])
    with pytest.raises(ValueError, match=r"prepare: 8 reviews \(0: 1, 1: 7 per class\) cannot be split into train, "
                                         r"validation and test parts .*give more reviews of each class"):
        sentiment.prepare(texts, labels, sentiment.SETTINGS["quick"], 0)


def test_A30_06_a_split_that_leaves_no_test_or_validation_text_is_refused():
    # before: ("...", "", "") and an empty test text without a word (test_chars=100 under a last line of 300)
    text = "a line\n" * 50 + "x" * 300 + "\n"
    with pytest.raises(ValueError, match=r"split_corpus: .* leaves 0 of them to test on \(the text's last line is "
                                         r"300 characters long\); .*test_chars > 301"):
        charlm.split_corpus("bible", text, None, 100)
    assert charlm.split_corpus("bible", text, None, 302)[2] == "x" * 300 + "\n"
    with pytest.raises(ValueError, match=r"split_corpus: the 3 characters before the test text hold no line break"):
        charlm.split_corpus("bible", "a line\n" * 50 + "x" * 300 + "\nend\n", None, 10, 3)
    files = {f"mod{i}.py": f"def f{i}(x):\n    return x + {i}\n" for i in range(8)}  # no path's CRC-32 is 0 mod 20
    with pytest.raises(ValueError, match=r"split_corpus: none of the 8 files is a test file .*give more files"):
        charlm.split_corpus("python", files, None, 500, 10)


def _video(path, frames: int, fps: float) -> None:
    from rnnkit.data.video import write_video

    rng = np.random.default_rng(0)
    write_video(path, (rng.random((frames, 24, 32)) * 255).astype(np.uint8), fps=fps)


def test_A30_07_ones_own_video_is_reported_by_its_own_name_and_frame_rate(tmp_path, monkeypatch):
    # before: report.json said "vtest.avi" at 10 fps, the title "a hall camera (vtest.avi)", for a 25-fps camera.avi
    _video(tmp_path / "camera.avi", 90, 25.0)
    monkeypatch.setenv("RNNKIT_VTEST", str(tmp_path / "camera.avi"))
    monkeypatch.setitem(surveillance.QUICK, "epochs", 1)
    results = surveillance.run(quick=True, log=lambda line: None)
    assert (results["data"]["name"], results["data"]["fps"], results["data"]["frames"]) == ("camera.avi", 25.0, 90)
    assert "vtest" not in surveillance.title(results) + results["task"]


def test_A30_08_a_video_too_short_for_its_split_says_how_many_frames_it_needs(tmp_path, monkeypatch):
    # before: "a segment of 6 frames holds no clip of 11; use more frames" (which file, which part, how many?)
    _video(tmp_path / "short.avi", 40, 10.0)
    monkeypatch.setenv("RNNKIT_VTEST", str(tmp_path / "short.avi"))
    with pytest.raises(ValueError, match=r"short\.avi: 40 frames, whose validation part \(frames 28\.\.33, split by "
                                         r"time\) holds 6, fewer than one clip of 11 .*at least 71 frames"):
        surveillance.run(quick=True, log=lambda line: None)


def test_A30_09_sessions_gathered_as_lists_are_read_as_their_arrays():
    # before: AttributeError: 'list' object has no attribute 'tolist' (NGramDetector), TypeError: can only
    # concatenate list (not "float") to list (training_items, fit_lstm)
    events, dt = [[0, 1, 2, 3], [0, 2, 1, 3], [0, 1, 1, 3]], [[0, 5.0, 3, 1], [0, 2, 2, 1], [0, 1, 1, 1]]
    as_lists = eventlogs.Sessions(events, dt)
    as_arrays = eventlogs.Sessions([np.array(e) for e in events], [np.array(d) for d in dt])
    fitted = eventlogs.NGramDetector(2).fit(as_lists)
    expected = eventlogs.NGramDetector(2).fit(as_arrays).score(as_arrays)
    for got, want in zip(fitted.score(as_lists), expected, strict=True):
        assert got == want if want is None else all(np.array_equal(a, b) for a, b in zip(got, want, strict=True))
    items = eventlogs.training_items(as_lists)
    assert all(torch.equal(a, b) for (a, _), (b, _) in zip(items, eventlogs.training_items(as_arrays), strict=True))


def test_A30_10_numpy_samples_as_soundfile_and_scipy_give_them():
    # before: "wave must be one mono clip, a 1-D tensor of samples (N,), got (22050,)" for a 1-D numpy array
    from rnnkit.data.audio import LogMel

    logmel = LogMel(spoken_digits.SAMPLE_RATE, n_mels=40)
    wave = (0.5 * np.sin(np.arange(4000) * 0.1)).astype(np.float32)
    expected = spoken_digits.features(logmel, torch.from_numpy(wave))
    assert np.array_equal(spoken_digits.features(logmel, wave), expected)
    assert np.array_equal(spoken_digits.features(logmel, (wave.astype(np.float64), spoken_digits.SAMPLE_RATE)),
                          expected)  # soundfile.read's (samples, rate)
    with pytest.raises(ValueError, match=r"features: got \(22050, samples\), the \(rate, samples\) order of "
                                         r"scipy\.io\.wavfile\.read"):
        spoken_digits.features(logmel, (spoken_digits.SAMPLE_RATE, (wave * 32767).astype(np.int16)))
