"""Thirty-third round: the estimators with real sequences padded before their start, as Keras' pad_sequences pads
them by default (padding="pre"): JapaneseVowels' utterances (7 to 26 frames) padded with NaN or with zeros."""

import warnings

import numpy as np
import pytest

from rnnkit import SequenceClassifier
from rnnkit.estimators import as_sequences

pytest.importorskip("sktime")


@pytest.fixture(scope="module")
def vowels():
    from sktime.datasets import load_japanese_vowels

    X, y = load_japanese_vowels(split="train")  # a nested frame: 12 cepstra per frame, ragged
    seqs = [np.stack([np.asarray(X.iloc[i, j], dtype=np.float32) for j in range(X.shape[1])], axis=1)
            for i in range(60)]
    return seqs, np.asarray(y)[:60]


def _padded_before(seqs, value):
    # Keras' pad_sequences(seqs, dtype="float32", value=value): padding="pre", each sequence at the end of its row
    out = np.full((len(seqs), max(len(s) for s in seqs), seqs[0].shape[1]), value, dtype=np.float32)
    for i, s in enumerate(seqs):
        out[i, out.shape[1] - len(s):] = s
    return out


def test_E33_01_nan_padding_before_each_start_is_named_as_padding(vowels):
    # refused for the NaN, but only "fill in missing values ... or fit with time_aware=True", which would read the
    # padding as steps where nothing was observed; padding after the end was named as tslearn's (C4-15)
    seqs, y = vowels
    X = _padded_before(seqs, np.nan)
    with pytest.raises(ValueError) as error:
        SequenceClassifier(max_epochs=1).fit(X, y)
    message = str(error.value)
    assert (f"sequence 0 of X contains NaN at step 0, feature 0; X must hold finite numbers (fill in missing values, "
            f"or leave the step out; or fit with time_aware=True to read NaN as missing); its first "
            f"{X.shape[1] - len(seqs[0])} step(s) are NaN in every feature: padding before its start, as Keras' "
            f"pad_sequences adds by default (padding='pre')? pass the sequences without them") in message
    inside = np.stack([s[:7] for s in seqs])
    inside[2, 0, 0] = np.nan  # one value missing at the start, the step's other features observed: not padding
    with pytest.raises(ValueError, match=r"NaN at step 0, feature 0; .* to read NaN as missing\)$"):
        SequenceClassifier(max_epochs=1).fit(inside, y)


def test_E33_02_time_aware_nan_padding_before_each_start_is_warned_of(vowels):
    # time_aware=True read every utterance as 26 frames, the first ones observed nothing, without a word (padding
    # after the end was warned of, E10-06)
    seqs, y = vowels
    X = _padded_before(seqs, np.nan)
    with pytest.warns(UserWarning) as caught:
        as_sequences(X, "SequenceClassifier.fit", allow_nan=True)
    message = next(str(w.message) for w in caught if "pad_sequences" in str(w.message))
    shortest = sum(len(s) < X.shape[1] for s in seqs)
    assert (f"SequenceClassifier.fit: {shortest} of X's 60 sequences start in steps that are NaN in every feature "
            f"(sequence 0 of X: its first {X.shape[1] - len(seqs[0])} of {X.shape[1]} steps), and no other step is, "
            f"as Keras' pad_sequences pads a shorter series by default (padding='pre'); time_aware=True reads them as "
            f"steps where nothing was observed") in message
    gap = X.copy()
    gap[1, -3] = np.nan  # a frame missing inside an utterance: NaN is meant as missing here
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        as_sequences(gap, "fit", allow_nan=True)
        as_sequences(seqs, "fit", allow_nan=True)


def test_E33_03_zero_padding_before_each_start_is_warned_of(vowels):
    # Keras' pad_sequences' defaults (value 0, padding="pre") read without a word: every utterance as 26 frames,
    # its zeros as frames before it (zero padding after the end was warned of, R22-08)
    seqs, y = vowels
    X = _padded_before(seqs, 0.0)
    with pytest.warns(UserWarning) as caught:
        as_sequences(X, "SequenceClassifier.predict")
    message = next(str(w.message) for w in caught if "pad_sequences" in str(w.message))
    assert (f"SequenceClassifier.predict: {sum(len(s) < X.shape[1] for s in seqs)} of X's 60 sequences start in "
            f"steps that are 0 in every feature (sequence 0 of X: its first {X.shape[1] - len(seqs[0])} of "
            f"{X.shape[1]} steps;") in message
    assert "[x[T - n:] for x, n in zip(X, lengths)]" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        as_sequences(list(X), "fit")  # a list is read as given
        ends = np.zeros_like(X)
        ends[:, 3:] = X[:, 3:] + 1.0
        ends[5, 1] = 0.0  # zeros at the start of one length only, as a sensor at rest: not padding
        as_sequences(ends[:, 1:], "fit")
    # no false alarm on real series that start at zero: sktime's Covid3Month (139 of 140 cumulative series start at
    # 0, with zeros inside too), digits read row by row, by column or flattened (blank rows and pixels first)
    from sklearn.datasets import load_digits
    from sktime.datasets import load_covid_3month

    covid, _ = load_covid_3month(split="train")
    digits = load_digits().images
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        for real in (np.stack([np.asarray(c, dtype=float) for c in covid.iloc[:, 0]]), digits,
                     digits.transpose(0, 2, 1), digits.reshape(len(digits), -1)):
            as_sequences(real, "fit")



def test_E33_04_a_sequence_with_nothing_observed_is_warned_of_by_a_time_aware_model():
    # BasicMotions with recordings NaN throughout (a pivoted table's id without readings, a sensor file that
    # failed): fitted on without a word, and predicted from the fitted means alone, one answer for any such
    # recording (still read, as test_G24_checked_nan_patterns_predict_finite_and_stream_as_predict pins)
    from sktime.datasets import load_basic_motions

    X, y = load_basic_motions(split="train", return_type="numpy3D")
    est = SequenceClassifier(max_epochs=1, hidden_size=4, random_state=0, layout="nct", time_aware=True)
    blank = X.copy()
    blank[[3, 7]] = np.nan
    with pytest.warns(UserWarning) as caught:
        est.fit(blank, y)
    assert (
        "SequenceClassifier.fit: sequence 3 of X has no observed value (NaN in every feature at each of its 100 steps; "
        "2 such sequence(s) in X): time_aware=True reads NaN as missing, and with nothing observed reads only the "
        "fitted means, the same for every such sequence; if it holds no recording, leave it out of X (at fit, its "
        "target out of y too)") in [str(w.message) for w in caught]
    with pytest.warns(UserWarning, match=r"^SequenceClassifier.predict_proba: sequence 1 of X has no observed value"):
        proba = est.predict_proba(blank[2:4])
    np.testing.assert_allclose(proba[1], est.predict_proba(blank[7:8])[0], atol=1e-6)  # the means' answer
    gaps = X.copy()
    gaps[3, :, 10:] = np.nan  # observed at its first 10 readings: read without this warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(gaps, y)
        est.predict(gaps[2:4])
    assert not [w for w in caught if "no observed value" in str(w.message)]
