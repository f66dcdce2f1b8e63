"""The twenty-fourth round's cases of the application recipes, the comparison and the tasks, driven with a user's
own data and options: A24-01..03 the tasks' constructors (copy memory with nothing to recall, MNIST-1D and digits
with validation splits of no or negative size); A24-04 ``compare`` with fewer steps than its validation interval;
A24-05/06 ``dna``'s TATA-box peak of one's own promoters and ``sample`` of a negative count; A24-07..09
``stocks.daily_features`` of a price table with High and Low swapped, an unadjusted split or too few days (the S&P
500 of ``arch``); A24-10 ``charlm.sample_texts`` with another model's vocabulary; A24-11 ``eventlogs``' n-gram
detector scoring before it is fitted."""
import warnings

import numpy as np
import pytest
import torch

from rnnkit.apps import charlm, dna, eventlogs, stocks
from rnnkit.compare import compare
from rnnkit.tasks import copy_memory, get_task


@pytest.fixture(scope="module")
def sp500():
    from rnnkit.data import load_sp500

    return load_sp500().iloc[:200]


def test_A24_01_copy_memory_with_nothing_to_recall_or_sizes_of_another_kind_is_refused():
    # length 0: numpy's "could not broadcast input array from shape (4,0) into shape (4,5)"; alphabet 0 numpy's
    # "low >= high"; a float alphabet "'float' object cannot be interpreted as an integer"
    with pytest.raises(ValueError, match=r"copy_memory: length must be an integer >= 1 \(symbols to recall; with "
                                         r"none, every target would be blank\), got 0"):
        get_task("copy", T=5, length=0, n_train=4, n_val=4, n_test=4)
    with pytest.raises(ValueError, match=r"copy_memory: alphabet must be an integer >= 1 .*got 0"):
        copy_memory(4, 5, alphabet=0)
    with pytest.raises(ValueError, match=r"copy_memory: alphabet must be an integer >= 1 .*got 2.5"):
        copy_memory(4, 5, alphabet=2.5)
    from rnnkit.tasks import adding_problem
    with pytest.raises(ValueError, match=r"adding_problem: n must be an integer >= 0 \(sequences\), got -1"):
        adding_problem(-1, 5)
    with pytest.raises(ValueError, match=r"adding_problem: T must be an integer >= 2 .*got 2.5"):
        adding_problem(3, 2.5)
    X, y = copy_memory(2, 3, length=1, alphabet=1)  # the least copy task: one symbol, recalled 4 steps on
    assert X.shape == (2, 5, 3) and y.tolist() == [[0, 0, 0, 0, 1]] * 2


def test_A24_02_mnist1d_validation_of_a_negative_size_is_refused_not_sliced_from_the_end():
    # val_size=-5 held out order[:-5], 3995 sequences, and trained on 5, without a word; 0 gave no validation
    for bad in (-5, 0, 4000, 2.5):
        with pytest.raises(ValueError, match=rf"mnist1d_task: val_size must be an integer from 1 to 3999 .*got "
                                             rf"{bad!r}"):
            get_task("mnist1d", val_size=bad)


def test_A24_03_digits_splits_of_no_size_or_of_every_image_are_named_by_the_options_given():
    # scikit-learn's "The 'test_size' parameter of train_test_split must be a float in the range (0.0, 1.0) ...
    # Got 0.0": the user gave val_size, and test_size was left at its default
    with pytest.raises(ValueError, match=r"digits_task: val_size must be a fraction of the 1797 images in \(0, 1\)"
                                         r".*got 0"):
        get_task("digits", val_size=0)
    with pytest.raises(ValueError, match=r"digits_task: test_size=0.5 and val_size=0.5 leave no image to train"):
        get_task("permuted_digits", test_size=0.5, val_size=0.5)


def test_A24_04_compare_with_fewer_steps_than_its_validation_interval_still_has_a_learning_curve():
    # steps=3, eval_every=10: Lightning never validated, so the run's learning curve was empty without a word
    results = compare("adding", lengths=[5], cells=["rnn"], seeds=1, steps=3, eval_every=10, hidden_size=4,
                      batch_size=8, log=None, task_params={"n_train": 16, "n_val": 8, "n_test": 8})
    run = results["runs"]["rnn"][0]
    assert run["steps"] == 3 and run["curve_steps"] == [3]
    assert len(run["curve_val_loss"]) == 1 and np.isfinite(run["curve_val_loss"][0])


def _promoter(length: int, tata_at: int) -> str:
    """A promoter of ``length`` bp ending at its TSS, with TATAAA starting ``tata_at`` bp before it."""
    s = ["C"] * length
    s[length - tata_at: length - tata_at + 6] = "TATAAA"
    return "".join(s)


def test_A24_05_tata_peak_of_ones_own_promoters_is_placed_by_their_own_tss():
    # 1000-bp promoters (UCSC's upstream1000, or one's own): the TATA box 30 bp upstream was placed at -1000..-991
    # of a 2000-bp window; 2500-bp ones an IndexError; none with a TATA box a "peak" at -2000..-1991
    assert dna.tatawa_peak([_promoter(2000, 30)] * 3) == [-30, -21]  # as before
    assert dna.tatawa_peak([_promoter(1000, 30)] * 2 + [_promoter(1000, 45)]) == [-30, -21]
    assert dna.tatawa_peak([_promoter(1000, 30)] * 2 + [_promoter(2500, 28)]) == [-30, -21]
    with pytest.raises(ValueError, match=r"tatawa_peak: none of the 2 sequence\(s\) holds TATAWA"):
        dna.tatawa_peak(["ACGT" * 10, "C" * 50])


def test_A24_06_dna_sample_of_a_negative_count_is_refused_not_all_but_one():
    rng = np.random.default_rng(0)
    assert sorted(dna.sample(["A", "C", "G"], 5, rng)) == ["A", "C", "G"]  # all of them if fewer, as documented
    with pytest.raises(ValueError, match=r"sample: n must be an integer >= 0 \(how many sequences to draw\), got "
                                         r"-1"):
        dna.sample(["A", "C", "G"], -1, rng)  # was [:-1]: two of the three, without a word


def test_A24_07_prices_with_high_below_low_are_warned_of_naming_the_day(sp500):
    swapped = sp500.rename(columns={"High": "Low", "Low": "High"})  # the columns in another order than assumed
    # the range feature log(High / Low) came out negative on every day, without a word
    with pytest.warns(UserWarning, match=r"daily_features: High on 1999-01-04 \(row 0\) is 1\d+(\.\d+)?, below "
                                         r"that day's Low .*\(200 such row\(s\)\), so the range feature log\(High "
                                         r"/ Low\) is negative there; check .*High and Low swapped"):
        features = stocks.daily_features(swapped)
    assert (features["range"] < 0).all()  # the user's data, named, not changed


def test_A24_08_an_unadjusted_split_is_warned_of_naming_the_day(sp500):
    split = sp500.copy()
    split.iloc[100:, :4] /= 2  # a 2-for-1 split in prices not adjusted for it
    with pytest.warns(UserWarning, match=r"daily_features: Close moves from .* on 1999-05-26 to .* on 1999-05-27 "
                                         r"\(row 100\), by a factor of 0.491 in one day .*split-adjusted"):
        features = stocks.daily_features(split)
    assert features["r"].min() < -60  # the data are the user's: the warning names the day, nothing is changed
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the index as arch has it: no day moves by half
        stocks.daily_features(sp500)


def test_A24_09_prices_of_too_few_days_are_refused_not_an_empty_table(sp500):
    # 15 days: a feature table of 0 rows, without a word
    with pytest.raises(ValueError, match=r"daily_features: prices hold 15 day\(s\), but the first 20 only start "
                                         r"the volume average .* give more than 20 days"):
        stocks.daily_features(sp500.iloc[:15])
    assert len(stocks.daily_features(sp500.iloc[:21])) == 1


def test_A24_10_samples_of_a_model_of_another_vocabulary_or_a_negative_count_are_refused():
    from rnnkit.data import Vocab
    from rnnkit.models import LanguageModel

    vocab = Vocab.build(["hello world, the quick brown fox\n"], level="char")
    other = Vocab.build(["abc xyz"], level="char")
    torch.manual_seed(0)
    model = LanguageModel(len(other), 8, cell="lstm").eval()
    # the other vocabulary's ids were decoded with this one: text, but not the model's
    with pytest.raises(ValueError, match=r"sample_texts: the model predicts \d+ symbols but the vocabulary has "
                                         r"\d+, so its ids would be read as other characters"):
        charlm.sample_texts(model, vocab, "he", 10, seed=0)
    model = LanguageModel(len(vocab), 8, cell="lstm").eval()
    assert all(t.startswith("he") for t in charlm.sample_texts(model, vocab, "he", 5, seed=0).values())
    with pytest.raises(ValueError, match=r"sample_texts: n must be an integer >= 0 \(the characters to sample "
                                         r"after the prompt\), got -1"):
        charlm.sample_texts(model, vocab, "he", -1, seed=0)  # was generate's "max_new_tokens must be ..."


def test_A24_11_ngram_detector_scoring_before_fit_is_named():
    sessions = eventlogs.Sessions([np.array([0, 1, 2])], [np.array([0.0, 1.0, 2.0])])
    # AttributeError: 'NGramDetector' object has no attribute 'counts'
    with pytest.raises(ValueError, match=r"NGramDetector.score: the detector has not been fitted; fit\(sessions\)"):
        eventlogs.NGramDetector(3).score(sessions)
    scores = eventlogs.NGramDetector(3).fit(sessions).score(sessions)
    assert scores.rank[0].tolist() == [0, 0]


def test_A24_12_spoken_digit_features_of_a_wave_with_channels_or_nan_samples_are_named():
    from rnnkit.apps import spoken_digits

    logmel = spoken_digits.LogMel(spoken_digits.SAMPLE_RATE, 40, n_fft=512, hop_length=441)
    wave = torch.sin(torch.arange(8820) * 0.05)  # 0.4 s at 22050 Hz
    mono = spoken_digits.features(logmel, wave)
    assert mono.shape == (21, 40)
    # torchaudio.load's (1, N) mono gave (1, 21, 40) frames, a clip the models then refused as (T, 40) was wanted
    assert np.array_equal(spoken_digits.features(logmel, wave[None]), mono)
    # stereo (2, N): frames (2, 21, 40), two clips read as one, without a word
    with pytest.raises(ValueError, match=r"features: wave must be one mono clip, a 1-D tensor of samples \(N,\), "
                                         r"got \(2, 8820\); mix channels down first \(wave.mean\(0\)"):
        spoken_digits.features(logmel, torch.stack([wave, wave]))
    gap = wave.clone()
    gap[4000:4100] = float("nan")  # samples lost: NaN frames, without a word
    with pytest.raises(ValueError, match=r"features: sample 4000 of the wave is nan \(100 such sample\(s\)\)"):
        spoken_digits.features(logmel, gap)


def _lstm_detector():
    torch.manual_seed(0)
    return eventlogs.NextEventModule(eventlogs.NextEventModel(5, 4, 8, num_layers=1), task="regression")


def test_A24_13_lstm_scores_of_events_the_model_never_saw_are_named():
    # one's own log with an event type beyond the training vocabulary's 5 ids (or ids as floats): torch's
    # "IndexError: index out of range in self" (a float 2.7 was cut to 2)
    module = _lstm_detector()
    events = [np.array([0, 1, 2]), np.array([1, 7, 2, 3])]
    sessions = eventlogs.Sessions(events, [np.zeros(3), np.zeros(4)])
    with pytest.raises(ValueError, match=r"score_lstm: session 1, step 1 has event 7 \(int64\), but the model knows "
                                         r"the integer ids 0..4 of its 5 events; encode the sessions with the "
                                         r"vocabulary it was trained with"):
        eventlogs.score_lstm(module, sessions)
    floats = eventlogs.Sessions([np.array([0.0, 2.7, 1.0])], [np.zeros(3)])
    with pytest.raises(ValueError, match=r"score_lstm: session 0, step 1 has event 2.7 \(float64\)"):
        eventlogs.score_lstm(module, floats)


def test_A24_14_a_top_k_of_the_whole_vocabulary_is_refused_not_a_rank_test_that_never_flags():
    module = _lstm_detector()
    sessions = eventlogs.Sessions([np.array([0, 1, 2, 4]), np.array([3, 3])], [np.zeros(4), np.zeros(2)])
    scores = eventlogs.score_lstm(module, sessions)
    assert scores.vocab_size == 5 and all(int(r.max()) <= 4 for r in scores.rank)
    # k=5 of 5 events: every rank (0..4) passes, so no session was ever flagged by its events, without a word
    with pytest.raises(ValueError, match=r"flag_sessions: k=5 is at least the model's 5 events, so every next "
                                         r"event is among the k most probable and the rank test never flags; give "
                                         r"k < 5"):
        eventlogs.flag_sessions(scores, 5, None)
    assert eventlogs.flag_sessions(scores, 1, None).dtype == bool
