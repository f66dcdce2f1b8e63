"""Thirty-fifth round, the recipes with one's own data in the shape one has it (A35-*): cepstra of clips cut to
one length, channels first (librosa's mfcc); one's own utterances to frame_saliency; promoters as a pandas
column, a filtered column or one string."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.apps import check_run_arguments, dna, speech, spoken_digits
from rnnkit.data import load_japanese_vowels
from rnnkit.diagnostics import saliency
from rnnkit.estimators import SequenceClassifier


@pytest.fixture(scope="module")
def vowels():
    """JapaneseVowels' training utterances (T_i, 12) and speakers."""
    return load_japanese_vowels("train")


@pytest.fixture(scope="module")
def fitted_gru():
    """A tiny GRU classifier fitted on one's own 3-feature utterances as they come (not standardised first: a
    level of -300 and spreads of 50, 5 and 0.5, as raw cepstra have), and those utterances."""
    rng = np.random.default_rng(0)
    xs = [(rng.normal(size=(int(rng.integers(5, 12)), 3)) * [50, 5, 0.5] + [-300, 20, 1]).astype(np.float32)
          for _ in range(12)]
    clf = SequenceClassifier(cell="gru", hidden_size=4, max_epochs=1, random_state=0, batch_size=8,
                             **{k: v for k, v in speech.TRAINING.items() if k not in ("batch_size", "lr")})
    return clf.fit(xs, np.arange(12) % 2), xs


@pytest.fixture(scope="module")
def fitted_dna():
    """A tiny GRU classifier fitted on the one-hot bases of 40-bp sequences, and those bases."""
    x = dna.one_hot(_promoters(12, 40))
    clf = SequenceClassifier(cell="gru", hidden_size=4, max_epochs=1, random_state=0, batch_size=8, frontend=None,
                             normalise=None, pooling="max", bidirectional=False, lr_schedule=None)
    return clf.fit(x, np.arange(12) % 2), x


def _promoters(n: int = 6, length: int = 60) -> list[str]:
    rng = np.random.default_rng(1)
    return ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]


def test_A35_01_channels_first_cepstra_of_one_length_are_refused(vowels):
    x, _ = vowels
    frames = [a[:15] for a in x if len(a) >= 15]  # utterances cut to 15 frames, as clips cut to one second are
    channels_first = [a.T.copy() for a in frames]  # (12, 15) each: librosa.feature.mfcc's (n_mfcc, T)
    # before: read as 12 frames of 15 features: a mean and scale per frame position, summaries across cepstra
    for f in (speech.fit_standardisation, speech.summary_features):
        with pytest.raises(ValueError, match=r"shape \(12, 15\).*run smoothly along the 15 columns.*channels first.*"
                                             r"a\.T for a in sequences"):
            f(channels_first)
    with pytest.raises(ValueError, match="channels first"):
        spoken_digits.DTWNearestNeighbour().fit(channels_first, np.arange(len(channels_first)))
    # the same utterances as (T, F) frames, and JapaneseVowels cut to 7 frames (fewer frames than its 12
    # cepstra, as its shortest utterances are), are read as they are
    assert speech.fit_standardisation(frames)[0].shape == (12,)
    assert speech.summary_features([a[:7] for a in x]).shape == (len(x), 24)


def test_A35_02_frame_saliency_names_sequences_and_parts_it_cannot_read(fitted_gru):
    clf, xs = fitted_gru
    rng = np.random.default_rng(2)
    # before: "operands could not be broadcast together with shapes (6,4) (3,)"
    with pytest.raises(ValueError, match=r"frame_saliency: sequence 0 has shape \(6, 4\).*\(T, 3\).*fit on"):
        speech.frame_saliency(clf, [rng.normal(size=(6, 4)) for _ in range(2)])
    with pytest.raises(ValueError, match=r"frame_saliency: sequence 0 has shape \(3, 10\).*channels first.*a\.T"):
        speech.frame_saliency(clf, [a.T for a in xs[:2]])
    with pytest.raises(ValueError, match=r"frame_saliency: sequence 0 has shape \(6,\)"):
        speech.frame_saliency(clf, [rng.normal(size=6)])
    # before: "need at least one array to stack" (0), "'float' object cannot be interpreted as an integer" (2.5)
    for parts in (0, 2.5):
        with pytest.raises(ValueError, match=r"frame_saliency: parts must be an integer >= 1"):
            speech.frame_saliency(clf, xs[:3], parts=parts)
    profile = speech.frame_saliency(clf, xs[:4], parts=3)
    assert len(profile["by_part"]) == 3 and abs(sum(profile["by_part"]) - 1) < 1e-5


def test_A35_03_promoters_as_a_pandas_column_get_their_own_negatives():
    df = pd.DataFrame({"sequence": _promoters(6)})
    texts, labels = dna.with_negatives(df["sequence"], np.random.default_rng(0))
    # before: df["sequence"] + the list of shuffles joined them pairwise: 6 texts of 120 bp beside 12 labels
    assert len(texts) == len(labels) == 12 and {len(s) for s in texts} == {60}
    assert texts[:6] == df["sequence"].tolist() and labels.tolist() == [1] * 6 + [0] * 6
    reference, _ = dna.with_negatives(df["sequence"].tolist(), np.random.default_rng(0))
    assert texts == reference


def test_A35_04_a_filtered_column_of_promoters_is_read_by_position():
    df = pd.DataFrame({"sequence": _promoters(6), "arm": ["chr2L", "chr3R"] * 3})
    train = df[df["arm"] != "chr2L"]["sequence"]  # index 1, 3, 5
    # before: KeyError 0 (the Series read by label) in each
    assert dna.one_hot(train).shape == (3, 60, 4)
    np.testing.assert_array_equal(dna.one_hot(train), dna.one_hot(train.tolist()))
    texts, labels = dna.with_negatives(train, np.random.default_rng(0))
    assert texts[:3] == train.tolist() and len(labels) == 6
    assert sorted(dna.sample(train, 3, np.random.default_rng(0))) == sorted(train.tolist())


def test_A35_05_one_promoter_string_is_not_read_base_by_base():
    one = _promoters(1, 336)[0]
    # before: kmer_profile(one, 1) gave 336 rows (one per base), sample drew bases
    with pytest.raises(ValueError, match=r"kmer_profile: sequences is one str .*336 bp.*base by base.*\[sequence\]"):
        dna.kmer_profile(one, 1)
    with pytest.raises(ValueError, match=r"sample: sequences is one str .*\[sequence\]"):
        dna.sample(one, 3, np.random.default_rng(0))
    assert dna.kmer_profile([one], 1).shape == (1, 5)


def test_A35_06_one_promoter_string_gets_a_message_that_names_it():
    one = _promoters(1, 300)[0] + "TATAAA" + _promoters(1, 30)[0]
    # before: "none of the 336 sequence(s) holds TATAWA"; "promoters[0] (T..., bases ['T']) has a dinucleotide
    # shuffle equal to itself"; "sequence 0 has 1 bp, fewer than k = 6"
    with pytest.raises(ValueError, match=r"tatawa_peak: sequences is one str .*336 bp"):
        dna.tatawa_peak(one)
    with pytest.raises(ValueError, match=r"with_negatives: sequences is one str"):
        dna.with_negatives(one, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"kmer_profile: sequences is one str"):
        dna.kmer_profile(one)
    assert dna.tatawa_peak([one]) == [-40, -31]


def _shares(clf, x, target=None) -> np.ndarray:
    """Each sequence's Σ|∂s/∂x| per step as a share of its total, from the diagnostics on x as given (the
    estimator standardises it as predict does)."""
    grad = saliency(clf, x, target=target).abs_grad
    return grad / grad.sum(1, keepdims=True)


def test_A35_07_frame_saliency_reads_the_utterances_as_the_model_does(fitted_gru):
    clf, xs = fitted_gru
    n = np.array([len(a) for a in xs[:8]])
    share = _shares(clf, xs[:8])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # before: also "3 of X's 4 sequences end in steps that are 0 ... padding?"
        profile = speech.frame_saliency(clf, xs[:8])
    # before: the utterances standardised here and again by the estimator: the gradient of other inputs
    # (share of the last frame 0.65 where the model's is 0.47 on such data)
    expected = np.mean([share[b, n[b] - 1] for b in range(8)])
    assert profile["share_last_frame"] == pytest.approx(expected, abs=1e-6)


def test_A35_08_position_saliency_reads_the_bases_as_the_model_does(fitted_dna):
    clf, x = fitted_dna
    assert np.abs(clf.x_mean_ - 0).max() > 0.1  # one-hot bases: the fitted scaling is far from the identity
    profile = dna.position_saliency(clf, x, bin_bp=10, near=10, chunk=5)
    # before: (x - x_mean_) / x_scale_ here, and again by the estimator
    expected = _shares(clf, x, target=1).mean(0)
    np.testing.assert_allclose(profile["per_base"], expected[-10:], atol=1e-6)
    np.testing.assert_allclose(profile["by_bin"], expected.reshape(4, 10).sum(1), atol=1e-6)


def test_A35_09_a_report_directory_named_like_a_page_is_warned_of(tmp_path):
    out = tmp_path / "runs" / "dna.html"
    # before: no word; the recipe wrote runs/dna.html/report.html, a folder where a page was asked for
    with pytest.warns(UserWarning, match=r"out='.*dna\.html' is named like a \.html file, but a recipe writes a "
                                         r"directory.*dna\.html/report\.html.*e\.g\. out='.*runs/dna'"):
        assert check_run_arguments("dna", True, 0, str(out), print) == str(out)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_run_arguments("dna", True, 0, str(tmp_path / "runs" / "dna"), print)
        check_run_arguments("dna", True, 0, str(tmp_path / "runs" / "v1.2"), print)  # a version, not a file
        (tmp_path / "old.html").mkdir()  # an existing report directory of that name is the user's choice
        check_run_arguments("dna", True, 0, str(tmp_path / "old.html"), print)


def _tiingo(days: int = 60) -> pd.DataFrame:
    """Daily bars as Tiingo's CSV has them: raw prices (a 2-for-1 split halfway: the raw close halves that day)
    beside the split-adjusted ones, lower case and camelCase."""
    from rnnkit.data import load_sp500

    p = load_sp500().iloc[:days]
    factor = np.where(np.arange(days) < days // 2, 2.0, 1.0)  # before the split the raw prices were twice as high
    return pd.DataFrame({"close": p["Close"] * factor, "high": p["High"] * factor, "low": p["Low"] * factor,
                         "open": p["Open"] * factor, "volume": p["Volume"] / factor,
                         "adjClose": p["Close"], "adjHigh": p["High"], "adjLow": p["Low"], "adjOpen": p["Open"],
                         "adjVolume": p["Volume"], "divCash": 0.0, "splitFactor": 1.0}, index=p.index)


def test_A35_10_another_providers_price_columns_are_named_with_the_adjusted_ones():
    from rnnkit.apps import stocks

    tiingo = _tiingo()
    fix = {"adjHigh": "High", "adjLow": "Low", "adjClose": "Close", "adjVolume": "Volume"}
    # before: rename(columns={'high': 'High', 'low': 'Low', 'close': 'Close', 'volume': 'Volume'}), the raw prices,
    # whose split the return would read as a crash of 50 %
    with pytest.raises(ValueError, match=r"lack the column\(s\).*rename them: prices\.rename\(columns="
                                         + re.escape(str(fix))):
        stocks.daily_features(tiingo)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no split read as a crash
        table = stocks.daily_features(tiingo.rename(columns=fix))
    assert table["r"].abs().max() < 10
    # before: no advice at all for Alpha Vantage's and NASDAQ's names
    alpha = tiingo[["adjOpen", "adjHigh", "adjLow", "adjClose", "adjVolume"]].set_axis(
        ["1. open", "2. high", "3. low", "4. close", "5. volume"], axis=1)
    with pytest.raises(ValueError, match=r"rename\(columns=\{'2\. high': 'High', '3\. low': 'Low', '4\. close': "
                                         r"'Close', '5\. volume': 'Volume'\}\)"):
        stocks.daily_features(alpha)
    nasdaq = tiingo[["adjClose", "adjVolume", "adjOpen", "adjHigh", "adjLow"]].set_axis(
        ["Close/Last", "Volume", "Open", "High", "Low"], axis=1)
    with pytest.raises(ValueError, match=r"rename\(columns=\{'Close/Last': 'Close'\}\)"):
        stocks.daily_features(nasdaq)


def test_A35_11_frame_metrics_reads_numpy_frames_as_the_same_tensors():
    from rnnkit.apps import surveillance

    rng = np.random.default_rng(3)
    predicted, target = (rng.random((4, 1, 6, 8)).astype(np.float32) for _ in range(2))
    moving = rng.random((4, 1, 6, 8)) > 0.5
    reference = surveillance.frame_metrics(*(torch.from_numpy(a) for a in (predicted, target, moving)))
    # before: AttributeError: 'numpy.ndarray' object has no attribute 'count_nonzero' ('is_floating_point' for a
    # numpy target beside a tensor prediction)
    assert surveillance.frame_metrics(predicted, target, moving) == reference
    assert surveillance.frame_metrics(torch.from_numpy(predicted), target, moving) == reference
    with pytest.raises(ValueError, match=r"frame_metrics: moving must be a torch.Tensor .* got list"):
        surveillance.frame_metrics(predicted, target, moving.tolist())


def test_A35_12_frames_for_refuses_a_test_part_of_no_clip():
    from rnnkit.apps import surveillance

    budget = surveillance.QUICK | surveillance.SHARED
    # before: 0 and -1 gave 71 frames (a test part of one clip), 2.5 "'float' object cannot be interpreted as an
    # integer"
    for clips in (0, -1, 2.5):
        with pytest.raises(ValueError, match=r"frames_for: test_clips must be an integer >= 1"):
            surveillance.frames_for(clips, budget)
    assert surveillance.frames_for(1, budget) == 71
