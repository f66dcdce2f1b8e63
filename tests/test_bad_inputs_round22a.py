"""The twenty-second round's cases of the application recipes (``rnnkit.apps``) driven with a user's own data,
files and options: A22-01/02 a price table of one's own to ``stocks.daily_features`` (S&P 500 from ``arch``,
newest first, a day repeated, columns in lowercase, text numbers, a zero volume); A22-03/04 ``sentiment``'s
``truncate`` and ``prepare`` (IMDB reviews); A22-05/06 ``eventlogs``' detectors on sessions of one's own;
A22-07/08/13 ``charlm``'s ``split_corpus``, ``KneserNey`` and ``sample_texts`` (standard-library source);
A22-09 ``dna`` with another upstream file; A22-10 ``spoken_digits``' DTW baseline; A22-11
``surveillance.clips``; A22-12 ``run(out=...)`` that cannot take the report."""
import os
import subprocess

import numpy as np
import pytest
import torch

from rnnkit.apps import charlm, check_run_arguments, dna, eventlogs, sentiment, spoken_digits, stocks, surveillance


@pytest.fixture(scope="module")
def sp500():
    from rnnkit.data import load_sp500

    return load_sp500().iloc[:200]


def test_A22_01_prices_newest_first_or_a_day_twice_are_refused_naming_the_rows(sp500):
    # a download listed newest first: the returns would be read backwards (r_t = -r), the volume average from
    # days to come
    with pytest.raises(ValueError, match=r"row 1 \(1999-10-15\) is earlier than row 0 \(1999-10-18\) \(the rows "
                                         r"run newest first\).*prices.sort_index\(\)"):
        stocks.daily_features(sp500.iloc[::-1])
    twice = sp500.iloc[np.r_[0:50, 49, 50:200]]  # a day pasted twice: a return of 0 and a day too many
    with pytest.raises(ValueError, match=r"row 50 \(1999-03-16\) repeats row 49 \(1999-03-16\).*duplicated"):
        stocks.daily_features(twice)
    assert stocks.daily_features(sp500).shape == (180, 3)  # the table as load_sp500 has it, unchanged


def test_A22_02_prices_of_other_columns_text_or_non_positive_values_are_named(sp500):
    with pytest.raises(ValueError, match=r"lack the column\(s\) \['High', 'Low', 'Close', 'Volume'\].*"
                                         r"rename\(columns=\{'high': 'High', 'low': 'Low', 'close': 'Close'"):
        stocks.daily_features(sp500.rename(columns=str.lower))
    with pytest.raises(ValueError, match=r"indexed by date \(a DatetimeIndex\), got a RangeIndex"):
        stocks.daily_features(sp500.reset_index())
    with pytest.raises(ValueError, match=r"Close holds (object|str) values .* not numbers; convert it"):
        stocks.daily_features(sp500.astype({"Close": str}))
    holiday = sp500.copy()
    holiday.loc[holiday.index[60], "Volume"] = 0  # log(0): the volume feature -inf, before the fix silently
    with pytest.raises(ValueError, match=r"Volume on 1999-03-31 \(row 60\) is 0, not a positive number \(1 such"):
        stocks.daily_features(holiday)
    gap = sp500.copy()
    gap.loc[gap.index[70], "Close"] = np.nan  # two NaN returns, before the fix silently
    with pytest.raises(ValueError, match=r"Close on 1999-04-15 \(row 70\) is nan"):
        stocks.daily_features(gap)


def test_A22_03_truncate_to_zero_negative_or_float_tokens_is_refused():
    tokens = sentiment.tokenize("A fine film. <br />I would see it again!")
    assert sentiment.truncate(tokens, 3) == ["it", "again", "!"]
    # tokens[-0:] kept every token and tokens[--2:] cut the review's first two, both without a word
    for bad in (0, -2, 2.5, True):
        with pytest.raises(ValueError, match=rf"truncate: max_tokens must be an integer >= 1 .*got {bad!r}"):
            sentiment.truncate(tokens, bad)


@pytest.fixture(scope="module")
def reviews():
    from rnnkit.data import load_imdb

    texts, labels = load_imdb()
    keep = np.r_[0:30, 12500:12530]  # 30 negative, 30 positive
    return [texts[i] for i in keep], labels[keep]


def test_A22_04_prepare_with_texts_and_labels_of_other_lengths_or_a_missing_text_is_refused(reviews):
    texts, labels = reviews
    settings = {"min_freq": 1, "max_vocab": 2000, "max_tokens": 50}
    with pytest.raises(ValueError, match=r"prepare: 64 texts but labels of shape \(60,\); give one label per text"):
        sentiment.prepare(texts + texts[:4], labels, settings, 0)  # the 4 extra texts were silently left out
    with pytest.raises(ValueError, match=r"prepare: 59 texts but labels of shape \(60,\)"):
        sentiment.prepare(texts[:-1], labels, settings, 0)  # IndexError before
    with pytest.raises(ValueError, match=r"prepare: texts\[7\] is NoneType None, not a str"):
        sentiment.prepare(texts[:7] + [None] + texts[8:], labels, settings, 0)
    prepared = sentiment.prepare(texts, list(labels), settings, 0)  # a list of labels, as a user has them
    assert sum(len(v) for v in prepared.y.values()) == 60


@pytest.fixture(scope="module")
def shop():
    from rnnkit.data.events import event_vocab

    parts = eventlogs.make_split(20, seed=0)
    vocab = event_vocab(parts["train"].frame)
    return parts["train"].sessions(vocab), parts["validation"].sessions(vocab)


def test_A22_05_an_ngram_of_no_context_or_thresholds_that_flag_everything_are_refused(shop):
    train, validation = shop
    scores = eventlogs.NGramDetector(2).fit(train).score(validation)
    assert 0 < eventlogs.flag_sessions(scores, 3, 4.0).sum() < len(validation.events)
    # n = 1 counted no context: every next event unseen, every session flagged, without a word
    for n in (1, 0, 2.5):
        with pytest.raises(ValueError, match=rf"NGramDetector: n must be an integer >= 2 .*got {n!r}"):
            eventlogs.NGramDetector(n)
    with pytest.raises(ValueError, match=r"flag_sessions: k must be an integer >= 1 .*got 0"):
        eventlogs.flag_sessions(scores, 0, None)  # rank >= 0 everywhere: every session flagged
    with pytest.raises(ValueError, match=r"flag_sessions: z must be a positive number .*got -1.0"):
        eventlogs.flag_sessions(scores, 3, -1.0)


def test_A22_06_sessions_with_negative_or_missing_waits_are_named_not_read_as_nan(shop):
    train, _ = shop
    # a session's rows out of time order: a negative wait, whose log was NaN, so the delay statistics of its
    # event were NaN and the delay test never flagged that event again
    dt = [d.copy() for d in train.dt]
    dt[3][2] = -12.5
    unsorted = eventlogs.Sessions(train.events, dt)
    with pytest.raises(ValueError, match=r"NGramDetector.fit: session 3, step 2 waits -12.5 s .*sort each "
                                         r"session's rows by time"):
        eventlogs.NGramDetector(2).fit(unsorted)
    with pytest.raises(ValueError, match=r"training_items: session 3, step 2 waits -12.5 s"):
        eventlogs.training_items(unsorted)
    dt[3][2] = np.nan
    with pytest.raises(ValueError, match=r"session 3, step 2 waits nan s"):
        eventlogs.NGramDetector(2).fit(eventlogs.Sessions(train.events, dt))
    short = eventlogs.Sessions(train.events, [train.dt[0][:2], *train.dt[1:]])
    with pytest.raises(ValueError, match=r"session 0 has events of shape \(\d+,\) and waits \(dt\) of shape \(2,\)"):
        eventlogs.NGramDetector(2).fit(train).score(short)


@pytest.fixture(scope="module")
def stdlib():
    return {str(p.name): p.read_text(encoding="utf-8") for p in charlm.python_files()[:40]}


def test_A22_07_split_corpus_of_an_unknown_corpus_or_sizes_beyond_the_text_is_refused(stdlib):
    text = "\n".join(stdlib.values())[:20_000]
    with pytest.raises(ValueError, match=r"corpus must be one of \('bible', 'python'\).*got 'Bible'"):
        charlm.split_corpus("Bible", text, None, 1000)  # TypeError: string indices must be integers before
    with pytest.raises(ValueError, match=r"the python corpus is a dict of \{path: source\}.*got str"):
        charlm.split_corpus("python", text, None, 1000)
    # more test characters than the text has: str.index read the negative start from the end, and the split
    # came back with a test text of 9,965 characters (half the text) without a word
    with pytest.raises(ValueError, match=r"test_chars=30000 and validation_chars=100 leave no training text in a "
                                         r"text of 20,000 characters"):
        charlm.split_corpus("bible", text, 500, 30_000, 100)
    for bad in ({"test_chars": 0}, {"test_chars": -5}, {"train_chars": 0.5}):
        sizes = {"train_chars": 500, "test_chars": 1000} | bad
        name, value = next(iter(bad.items()))
        with pytest.raises(ValueError, match=rf"{name} must be an integer >= 1.*got {value!r}"):
            charlm.split_corpus("bible", text, sizes["train_chars"], sizes["test_chars"])
    train, validation, test, _ = charlm.split_corpus("bible", text, 500, 1000, 100)
    assert len(train) == 500 and 0 < len(validation) <= 100 and 0 < len(test) <= 1000  # each from a line start
    assert text.endswith(train + validation + test)


def test_A22_08_kneser_ney_over_ids_outside_its_vocabulary_is_refused(stdlib):
    from rnnkit.data.text import Vocab

    text = "\n".join(stdlib.values())[:5000]
    vocab = Vocab.build([text], level="char")
    ids = vocab.encode(text).numpy()
    bits = charlm.KneserNey(3, len(vocab)).fit(ids).bits(ids[:500])
    assert 0 < bits < 8
    # vocab_size below the ids: base-V keys of different n-grams collided and the bits came out plausible
    with pytest.raises(ValueError, match=r"KneserNey.fit: ids\[\d+\] is \d+, outside 0..39 \(vocab_size=40; "
                                         r"\d+ such ids\).*len\(vocab\)"):
        charlm.KneserNey(3, 40).fit(ids)
    with pytest.raises(ValueError, match=r"KneserNey.bits: ids must be a 1-D array of integer symbol ids, got "
                                         r"dtype float64"):
        charlm.KneserNey(3, len(vocab)).fit(ids).bits(ids[:500] + 0.5)  # silently cut to integers before
    with pytest.raises(ValueError, match=r"KneserNey: order must be an integer >= 1, got 0"):
        charlm.KneserNey(0, len(vocab))


def test_A22_13_a_prompt_of_characters_the_model_never_saw_is_refused_not_echoed_as_unk(stdlib):
    from rnnkit.data.text import Vocab
    from rnnkit.models import LanguageModel

    text = "\n".join(stdlib.values())[:5000]
    vocab = Vocab.build([text], level="char")
    torch.manual_seed(0)
    model = LanguageModel(len(vocab), 8)
    samples = charlm.sample_texts(model, vocab, "def ", 5, seed=0)
    assert all(s.startswith("def ") and len(s) == 9 for s in samples.values())
    # before: {'0.5': '<unk>a d<unk><unk><unk> ...'}: the prompt read as <unk>, echoed so, continued from that
    with pytest.raises(ValueError, match=r"the prompt 'Ça déjà 😀' holds \d character\(s\) the model's vocabulary "
                                         r"lacks \(.*'Ç'.*'😀'\), which it would read as <unk>"):
        charlm.sample_texts(model, vocab, "Ça déjà 😀", 5, seed=0)
    with pytest.raises(ValueError, match=r"prompt must be a non-empty str .*got ''"):
        charlm.sample_texts(model, vocab, "", 5, seed=0)


def _fasta(path, records):
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in records))
    return path


def test_A22_09_dna_of_another_upstream_length_or_without_the_test_arm_is_named(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    bases = lambda n: "".join(rng.choice(list("ACGT"), n))
    # UCSC's upstream1000 file: every record "shorter" than 2000 bp, so none was kept, without a word
    up1000 = _fasta(tmp_path / "upstream1000.fa",
                    [(f"NM_{i}_up_1000_chr2L_{100 * i}_f", bases(1000)) for i in range(4)])
    with pytest.raises(ValueError, match=r"record 'NM_0_up_1000_chr2L_0_f' \(record 1\) holds 1000 bp upstream of "
                                         r"its TSS, but this recipe reads 2000 bp.*upstream2000 file"):
        dna.load_promoters(up1000)
    # another genome's upstream2000 (no Drosophila chr2L): the test split was empty and torch.stack failed
    human = _fasta(tmp_path / "hg19_upstream2000.fa",
                   [(f"NM_{i}_up_2000_chr{1 + i % 3}_{100 * i}_f", bases(2000).lower()) for i in range(6)])
    monkeypatch.setenv(dna.DATA_ENV, str(human))
    with pytest.raises(ValueError, match=r"none of its 6 distinct 2000-bp promoters lies on chr2L, so the test "
                                         r"split is empty .*arms: \['chr1', 'chr2', 'chr3'\]"):
        dna.run(quick=True, log=lambda line: None)


def test_A22_10_dtw_neighbour_given_clips_of_other_bands_or_labels_of_another_count_is_refused():
    rng = np.random.default_rng(0)
    train = [rng.normal(size=(int(rng.integers(20, 30)), 40)).astype(np.float32) for _ in range(6)]
    y = np.array([0, 1, 2, 0, 1, 2])
    knn = spoken_digits.DTWNearestNeighbour().fit(train, y)
    assert (knn.predict(train) == y).all()
    # 13 cepstra where the training clips had 40 log-mel bands: a prediction came back without a word
    with pytest.raises(ValueError, match=r"predict: clip 1 has shape \(25, 13\), but each clip must be \(T, 40\) "
                                         r"frames .*as the training clips"):
        knn.predict([train[0], rng.normal(size=(25, 13))])
    with pytest.raises(ValueError, match=r"fit: 6 clips but labels of shape \(4,\); give one label per clip"):
        spoken_digits.DTWNearestNeighbour().fit(train, y[:4])
    with pytest.raises(ValueError, match=r"predict: fit\(x, y\) the training clips first"):
        spoken_digits.DTWNearestNeighbour().predict(train)


def test_A22_11_clips_of_no_context_or_a_segment_beyond_the_frames_are_refused():
    frames = torch.rand(40, 1, 6, 8)
    assert surveillance.clips(frames, range(10, 30), 5).shape == (15, 6, 1, 6, 8)
    # context 0: clips of the target alone; -1: clips of no frame; a range of step 2 read as consecutive frames
    for context in (0, -1, 2.0):
        with pytest.raises(ValueError, match=rf"clips: context must be an integer >= 1 .*got {context!r}"):
            surveillance.clips(frames, range(0, 20), context)
    for segment in (range(30, 50), range(0, 20, 2)):
        with pytest.raises(ValueError, match=r"segment must be a range of consecutive frames inside the 40 frames"):
            surveillance.clips(frames, segment, 5)


def test_A22_12_run_into_a_place_that_cannot_take_the_report_is_refused_before_the_run(tmp_path):
    notes = tmp_path / "results.txt"
    notes.write_text("mine")
    # accepted before the fix: the recipe trained for minutes, then write_report refused the path
    with pytest.raises(ValueError, match=r"stocks.run: out='.*results.txt/run' lies under '.*results.txt', which is "
                                         "a file"):
        check_run_arguments("stocks", True, 0, notes / "run", print)
    check_run_arguments("stocks", True, 0, tmp_path / "new" / "run", print)  # a new path: created at the end
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.txt"]  # nothing left behind
    locked = tmp_path / "locked"
    locked.mkdir()
    if subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode != 0:
        return  # no immutable directories here (not root, or a file system without them)
    try:
        with pytest.raises(ValueError, match=r"cannot create files in '.*locked' \(Operation not permitted\)"):
            check_run_arguments("stocks", True, 0, locked / "run", print)
    finally:
        subprocess.run(["chattr", "-i", str(locked)], check=True)
    assert not os.listdir(locked)
