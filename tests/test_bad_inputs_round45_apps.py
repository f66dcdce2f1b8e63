"""Round 45, the recipes: a folder of frame images given to the surveillance recipe as its video, and the stocks
recipe's prices indexed by dates written day first as text."""
import numpy as np
import pandas as pd
import pytest

from rnnkit.apps import stocks, surveillance


def _prices(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    return pd.DataFrame({"Open": close, "High": close * 1.01, "Low": close * 0.99, "Close": close,
                         "Volume": rng.integers(1000, 2000, n).astype(float)},
                        index=pd.bdate_range("2020-01-01", periods=n))


def _frames(folder, n: int, name: str = "frame{}.png") -> None:
    from PIL import Image
    for i in range(1, n + 1):
        Image.fromarray(np.full((20, 30, 3), 10 * i, np.uint8)).save(folder / name.format(i))


def test_A45_01_frame_folder_named_and_read_in_number_order(tmp_path):
    _frames(tmp_path, 11)
    with pytest.raises(ValueError, match=r"load_frames: .* is a folder of 11 frame images \(frame1.png, ...\), not a "
                                         r"video file; .*in frame order \(by the number in each name") as e:
        surveillance.load_frames(tmp_path, size=(16, 24))
    # the line given reads the frames grey, at the size, frame1 .. frame11 in order
    import re
    from pathlib import Path

    import cv2

    import rnnkit.data.video
    names = {"re": re, "Path": Path, "cv2": cv2, "np": np, "rnnkit": rnnkit}
    frames = eval(str(e.value).split("frames = ", 1)[1], names)
    assert frames.shape == (11, 1, 16, 24)
    assert np.allclose(frames[:, 0, 0, 0].numpy() * 255, 10 * np.arange(1, 12), atol=1)


def test_A45_01_frame_folder_padded_names_sorted_as_text(tmp_path):
    _frames(tmp_path, 3, "f{:03d}.jpg")
    with pytest.raises(ValueError, match=r"folder of 3 frame images \(f001.jpg, ...\).*glob\('\*.jpg'\)\)\]\)\)$"):
        surveillance.load_frames(str(tmp_path), size=(8, 8))


def test_A45_01_folder_of_videos_still_told_as_before(tmp_path):
    (tmp_path / "a.avi").write_bytes(b"x")
    with pytest.raises(ValueError, match="is a directory, not a video file"):
        surveillance.load_frames(tmp_path, size=(8, 8))


@pytest.mark.parametrize("fmt", ["%d/%m/%Y", "%d.%m.%Y", "%d-%m-%y"])
def test_A45_02_day_first_text_dates_told_dayfirst(fmt):
    prices = _prices()
    prices.index = prices.index.strftime(fmt)
    with pytest.raises(ValueError, match=r"prices.index = pd.to_datetime\(prices.index, dayfirst=True\) \(.*"
                                         r"parse_dates=True, dayfirst=True\)"):
        stocks.daily_features(prices)
    # the fix given reads the days right
    assert (pd.to_datetime(prices.index, dayfirst=True, format="mixed") == _prices().index).all()


def test_A45_02_ambiguous_text_dates_told_both_readings():
    prices = _prices(8)  # 1 to 10 January: no day over 12
    prices.index = prices.index.strftime("%d/%m/%Y")
    with pytest.raises(ValueError, match=r"dayfirst=True\) if the day comes first, else dayfirst=False \(no date has "
                                         r"a day over 12 to tell: '02/01/2020' is day 2 or day 1\)"):
        stocks.daily_features(prices)


def test_A45_02_month_first_and_iso_text_dates():
    prices = _prices()
    prices.index = prices.index.strftime("%m/%d/%Y")
    with pytest.raises(ValueError, match=r"pd.to_datetime\(prices.index, dayfirst=False\) \(.*parse_dates=True\) "):
        stocks.daily_features(prices)
    prices.index = _prices().index.strftime("%Y-%m-%d")
    with pytest.raises(ValueError, match=r"prices.index = pd.to_datetime\(prices.index\) \("):
        stocks.daily_features(prices)


def test_A45_02_day_first_date_column_told_dayfirst():
    prices = _prices().reset_index(names="Date")
    prices["Date"] = prices["Date"].dt.strftime("%d/%m/%Y")
    with pytest.raises(ValueError, match=r"prices.set_index\(pd.to_datetime\(prices\['Date'\], dayfirst=True\)\)"):
        stocks.daily_features(prices)


def test_A45_02_dates_of_both_orders_named_as_such():
    # ISO and month-first dates alone: test_A45_02_month_first_and_iso_text_dates
    days = pd.bdate_range("2020-01-01", periods=60)
    both = list(days[:30].strftime("%d/%m/%Y")) + list(days[30:].strftime("%m/%d/%Y"))  # two files joined
    with pytest.raises(ValueError, match=r"written both ways: '\d\d/\d\d/2020' day first, '\d\d/\d\d/2020' month "
                                         r"first"):
        stocks._check_prices(pd.DataFrame(dict.fromkeys(("Open", "High", "Low", "Close", "Volume"), 1.0), index=both))


def _review_model():
    import torch

    from rnnkit.apps import sentiment
    from rnnkit.data import Vocab
    torch.manual_seed(0)
    tokens = [sentiment.tokenize(t) for t in ["a good film .", "a bad film .", "great acting !", "dull plot , sadly ."]]
    vocab = Vocab.build(tokens, level="word", lower=True, min_freq=1, max_size=100)
    model = sentiment.ReviewClassifier(len(vocab), 4, 4)
    model.vocab = vocab
    return model, vocab


def _score(reviews):
    from rnnkit.apps import sentiment
    from rnnkit.data import TextClassificationDataset
    model, vocab = _review_model()
    data = TextClassificationDataset([sentiment.tokenize(t) for t in reviews], [1] * len(reviews), vocab)
    return sentiment.predict_proba(model, data)


@pytest.mark.parametrize("review", ["Ce film était vraiment nul , je n'ai pas aimé .",
                                    "Der Film war großartig , die Schauspieler auch !",
                                    "qwe rty uio pas dfg hjk film"])
def test_A45_03_review_of_mostly_unknown_words_warns(review):
    with pytest.warns(UserWarning, match=r"^predict_proba: review\(s\) 1 \(1 of 3\) hold few words of the model's "
                                         r".*review 1: \d+ of its \d+ words read as <unk>.*rests on the few words "
                                         r"known.*another language.*filterwarnings"):
        p = _score(["a good film .", review, "dull plot ."])
    assert p.shape == (3,)  # still scored, in order


def test_A45_03_reviews_mostly_known_or_short_stay_quiet():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # 4 of 5 words known; one unknown word of a short review; 3 of 4 unknown, under 5 words; punctuation alone
        _score(["a good film , zzz acting .", "Ce film était nul", "zzz qqq film .", "?! , .", "a"])


def test_A45_03_small_vocabulary_reading_its_own_language_stays_quiet():
    # a quick fit's 12-word vocabulary reads most English reviews as <unk>: their share tells no other language
    import warnings
    english = ["the story was moving and the cast superb , a film to see again",
               "I loved every minute of this picture , the music most of all",
               "what a waste of two hours , the script is thin and the ending silly",
               "my kids enjoyed a film though the jokes are old and the pace is slow"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", ".*so a model would read little")  # the set's own warning, of the vocabulary
        _score(english)
        _score(["Ce film était vraiment nul , je n'ai pas aimé ."])  # alone: nothing to read it against


_INTEGERS = r"give integers, e.g. ks=\[1, 2, 3"


@pytest.mark.parametrize("ks, where, fix", [([2.0], r"ks\[0\] is 2.0 \(of type float\)", r"give ks=\[2\]"),
                                            (3.0, r"ks is 3.0 \(of type float\)", r"give ks=\[3\]"),
                                            (["2", 3], r"ks\[0\] is '2' \(of type str\)", r"give ks=\[2, 3\]"),
                                            ([0, 2], r"ks\[0\] is 0 \(of type int\)", _INTEGERS),
                                            ([2, 2.5], r"ks\[1\] is 2.5 \(of type float\)", _INTEGERS)])
def test_A45_04_kmer_profile_ks_not_counts_named_with_the_fix(ks, where, fix):
    from rnnkit.apps import dna
    with pytest.raises(ValueError, match=rf"^kmer_profile: {where}, but each k is a k-mer size, an integer >= 1 "
                                         rf"\(1 such k\); {fix}"):
        dna.kmer_profile(["ACGTACGT"], ks=ks)


def test_A45_04_kmer_profile_ks_of_ints_read_as_before():
    from rnnkit.apps import dna
    for ks, width in ((2, 17), (np.int64(2), 17), ((1, 2), 22), (range(1, 3), 22), (np.array([1, 2]), 22)):
        assert dna.kmer_profile(["ACGTACGT"], ks=ks).shape == (1, width)


@pytest.mark.parametrize("call, message", [
    (lambda c: c.split_corpus("bible", "ab. " * 500, 1e3, 50),
     r"^split_corpus: train_chars must be an integer >= 1 or None \(all of it\), got 1000.0 \(a float\); pass "
     r"train_chars=1000, an int$"),
    (lambda c: c.split_corpus("bible", "ab. " * 500, None, "50"),
     r"^split_corpus: test_chars must be an integer >= 1, got '50' \(text\); pass test_chars=50, an int$"),
    (lambda c: c.KneserNey(3.0, 5), r"^KneserNey: order must be an integer >= 1, got 3.0 \(a float\); pass order=3"),
    (lambda c: c.stream_bits(None, np.arange(5), chunk=64.0), r"^stream_bits: chunk .* got 64.0 \(a float\); pass "
                                                              r"chunk=64, an int$"),
    (lambda c: c.adaptive_kneser_ney_bits(np.arange(5), np.arange(5), 2, 5, block=1e2),
     r"^adaptive_kneser_ney_bits: block .* got 100.0 \(a float\); pass block=100, an int$")])
def test_A45_05_charlm_sizes_given_as_whole_floats_or_text_name_the_int(call, message):
    from rnnkit.apps import charlm
    with pytest.raises(ValueError, match=message):
        call(charlm)


def test_A45_05_charlm_sizes_not_whole_stay_told_as_before():
    from rnnkit.apps import charlm
    with pytest.raises(ValueError, match=r"^split_corpus: test_chars must be an integer >= 1, got 2.5$"):
        charlm.split_corpus("bible", "ab. " * 500, None, 2.5)


@pytest.mark.parametrize("missing, shown", [(None, "None"), (np.nan, "NaN"), (pd.NA, "<NA>")])
def test_A45_06_missing_event_among_text_ids_told_missing_not_a_second_type(missing, shown):
    from rnnkit.apps import eventlogs
    sessions = eventlogs.Sessions([np.array(["login", "view", "logout"]),
                                   np.array(["login", missing, "logout"], dtype=object)], [np.zeros(3), np.zeros(3)])
    with pytest.raises(ValueError, match=rf"^NGramDetector.fit: session 1, step 1 has the event id {shown} \(1 such "
                                         r"step\(s\) in it\), which would read as an event never seen; give every row "
                                         r"a known id .* or drop those rows$"):
        eventlogs.NGramDetector().fit(sessions)


def test_A45_06_text_and_number_ids_still_told_as_two_types():
    from rnnkit.apps import eventlogs
    sessions = eventlogs.Sessions([np.array(["a", "b", "c"], dtype=object), np.array([1, 2, 3], dtype=object)],
                                  [np.zeros(3)] * 2)
    with pytest.raises(ValueError, match=r"has 1 \(a number\); ids that print alike in two types"):
        eventlogs.NGramDetector().fit(sessions)
