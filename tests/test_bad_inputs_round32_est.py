"""Round 32 of the estimators with real labelled data (E32-NN in docs/bad_inputs.md): sktime's bundled UCR/UEA sets
as sktime's transformers and pipelines hand them to the estimators. Each test fails on the code before its fix,
except the pins, which hold what already read right."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

pytest.importorskip("sktime")

from sktime.datasets import load_basic_motions, load_gunpoint, load_japanese_vowels  # noqa: E402
from sktime.datatypes import convert_to  # noqa: E402
from sktime.transformations.panel.padder import PaddingTransformer  # noqa: E402

from rnnkit import SequenceClassifier, SequenceRegressor  # noqa: E402
from rnnkit.estimators import as_sequences  # noqa: E402

TINY = dict(hidden_size=2, max_epochs=1, batch_size=16, random_state=0, cell="gru", bidirectional=False,
            frontend=None, lr_schedule=None)


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def zero_padding_warnings(X) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        as_sequences(X, "SequenceClassifier.fit")
    return [str(w.message) for w in caught if "zero padding" in str(w.message)]


# -- E32-01: JapaneseVowels padded by sktime's PaddingTransformer, as a nested or MultiIndex frame -----------------
def test_E32_01_a_frame_padded_with_zeros_by_sktime_is_warned_of_as_an_array_is():
    X, _ = load_japanese_vowels(split="train")
    X = X.iloc[:40]  # ragged: 7 to 26 frames of 12 cepstra
    assert zero_padding_warnings(X) == []  # as loaded: each utterance at its own length
    padded = PaddingTransformer().fit_transform(X)  # every cell zero-padded to the longest
    for frame in (padded, convert_to(padded, "pd-multiindex")):
        messages = zero_padding_warnings(frame)
        assert len(messages) == 1, messages
        assert "A DataFrame X is read as" in messages[0]
        assert "PaddingTransformer is not needed" in messages[0]
    # the same padding as sktime's numpy3D was warned of already
    assert len(zero_padding_warnings(convert_to(padded, "numpy3D").transpose(0, 2, 1))) == 1


# -- E32-02: BasicMotions through `transformer * SequenceClassifier()` (SklearnClassifierPipeline) -----------------
def test_E32_02_sktimes_pipeline_flattening_several_channels_into_one_is_refused():
    X, y = load_basic_motions(split="train", return_type="nested_univ")  # 6 channels of 100 steps
    pipe = PaddingTransformer() * SequenceClassifier(**TINY)
    with pytest.raises(ValueError, match=r"6 channels of 100 steps .* read as one channel of 600 steps") as e:
        pipe.fit(X, y)
    assert "SklearnClassifierPipeline" in one_line(e) and "transformer.fit_transform(X)" in one_line(e)
    target = np.array([s.mean() for s in X["dim_0"]])
    with pytest.raises(ValueError, match=r"SklearnRegressorPipeline .* 6 channels of 100 steps"):
        (PaddingTransformer() * SequenceRegressor(**TINY)).fit(X, target)


def test_E32_02_sktimes_pipeline_of_one_channel_reads_as_the_estimator_alone():
    # pinned: one channel flattens to (n, T), which is read rightly
    X, y = load_gunpoint(split="train", return_type="nested_univ")
    X, y = X.iloc[:24], y[:24]
    pipe = (PaddingTransformer() * SequenceClassifier(**TINY)).fit(X, y)
    alone = SequenceClassifier(**TINY).fit(convert_to(X, "numpy3D")[:, 0, :], y)
    np.testing.assert_allclose(pipe.predict_proba(X), alone.predict_proba(convert_to(X, "numpy3D")[:, 0, :]),
                               rtol=0, atol=1e-6)


# -- E32-03: a nested row whose channels have different lengths -------------------------------------------------
def test_E32_03_nested_channels_of_different_lengths_name_them_and_the_alignment():
    X, _ = load_basic_motions(split="train", return_type="nested_univ")
    X = X.iloc[:5, :2].copy()
    X.iat[2, 1] = X.iat[2, 1].iloc[:90]  # the gyroscope's last 10 readings lost
    with pytest.raises(ValueError, match=r"row 2 of the nested DataFrame X has channels of lengths \[100, 90\] "
                                         r"\('dim_0': 100, 'dim_1': 90\)") as e:
        as_sequences(X, "SequenceClassifier.fit")
    assert "pd.concat(X.loc[2].to_dict(), axis=1)" in one_line(e)
    # the advice, followed: one DataFrame per sequence, NaN where the shorter channel has no reading
    frames = [pd.concat(X.loc[key].to_dict(), axis=1) for key in X.index]
    x, lengths, _ = as_sequences(frames, "SequenceClassifier.fit", allow_nan=True)
    assert lengths.tolist() == [100] * 5
    assert torch.isnan(x[2, 90:, 1]).all() and not torch.isnan(x[2, :90]).any()


# -- E32-04: sktime's long frame pivoted with its time level first --------------------------------------------------
def test_E32_04_sktimes_timepoints_level_first_is_refused_as_swapped():
    X, y = load_basic_motions(split="train", return_type="numpy3D")
    X = X[:, :, :20]
    frame = convert_to(X, "pd-multiindex")  # levels ['instances', 'timepoints']
    clf = SequenceClassifier(**TINY).fit(frame, y)
    long = convert_to(X, "pd-long")  # columns instances, timepoints, variable, value
    pivoted = long.pivot_table(index=["timepoints", "instances"], columns="variable", values="value")
    for swapped in (pivoted, frame.swaplevel().sort_index()):
        # before: 20 predictions, one per time point, each across the 40 recordings
        with pytest.raises(ValueError, match=r"index levels are \['timepoints', 'instances'\].*X.swaplevel\(\)"):
            clf.predict(swapped)
    assert clf.predict(pivoted.swaplevel().sort_index()).shape == (40,)
