"""Thirty-second round, second pass: the recipes with one's own data (A32-09 … A32-13).

A32-09 ``charlm.stream_bits`` / ``dynamic_bits`` of int32 ids (numpy's, a tokenizer's); A32-10
``spoken_digits.features`` of a clip of digital silence; A32-11 ``dna.tatawa_peak`` of soft-masked sequences
(repeats in lower case, as Biopython reads them); A32-12 ``dna.kmer_profile`` of a sequence shorter than k;
A32-13 ``spoken_digits.split_clips`` with a voice on both sides, or on neither.
"""

import numpy as np
import pytest
import torch

from rnnkit import LanguageModel
from rnnkit.apps import charlm, dna, spoken_digits
from rnnkit.data.audio import LogMel


def test_A32_09_stream_bits_of_int32_ids_is_the_int64_figure():
    torch.manual_seed(0)
    model = LanguageModel(11, 16, cell="lstm").eval()
    ids = torch.randint(0, 11, (120,))
    expected = charlm.stream_bits(model, ids)
    assert charlm.stream_bits(model, ids.int()) == expected  # torch's "expected ... Long" error before
    assert charlm.stream_bits(model, ids.numpy().astype(np.int32), chunk=50) == pytest.approx(expected, rel=1e-9)
    assert charlm.dynamic_bits(model, ids.int(), lr=0.0) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match=r"stream_bits: ids must be integer character ids .*got a tensor of float32"):
        charlm.stream_bits(model, ids.float())


def test_A32_10_features_of_a_silent_clip_is_refused():
    logmel = LogMel(spoken_digits.SAMPLE_RATE, 40, n_fft=512, hop_length=441)
    with pytest.raises(ValueError, match=r"features: the wave's 11025 samples are all 0 \(digital silence.*leave the "
                                         r"clip out"):
        spoken_digits.features(logmel, np.zeros(11025, dtype=np.float32))
    t = np.arange(11025) / spoken_digits.SAMPLE_RATE  # a clip with sound in it is read as before
    wave = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    wave[:2000] = 0.0  # silent stretches within a clip stay: the recipe's own clips hold them
    assert spoken_digits.features(logmel, wave).shape == (26, 40)


def _promoter(length: int, box_at: int, rng: np.random.Generator) -> str:
    """A random sequence with TATAAA starting ``box_at`` bp before its end (the TSS)."""
    s = list(rng.choice(list("CG"), size=length))  # no TATAWA anywhere but the box
    s[length - box_at: length - box_at + 6] = "TATAAA"
    return "".join(s)


def test_A32_11_tatawa_peak_counts_soft_masked_boxes():
    rng = np.random.default_rng(0)
    # five promoters with the box at -30, masked (lower case) as a repeat; two with an unmasked box at -200
    masked = [_promoter(500, 30, rng) for _ in range(5)]
    masked = [s[:-30] + s[-30:].lower() for s in masked]
    plain = [_promoter(500, 200, rng) for _ in range(2)]
    # before: only the two upper-case boxes counted, the peak silently at -200
    assert dna.tatawa_peak(masked + plain) == [-30, -21]
    assert dna.tatawa_peak([s.lower() for s in masked + plain]) == [-30, -21]


def test_A32_12_kmer_profile_of_a_sequence_shorter_than_k_names_it():
    with pytest.raises(ValueError, match=r"kmer_profile: sequence 1 has 3 bp, fewer than k = 4, .*leave out sequences "
                                         r"shorter than 4 bp, or give smaller ks \(e.g. \[1, 2, 3\]\)"):
        dna.kmer_profile(["ACGTACGT", "ACG"], [1, 2, 3, 4])
    assert dna.kmer_profile(["ACGTACGT", "ACG"], [1, 2, 3]).shape == (2, 5 + 17 + 65)


def test_A32_13_split_clips_refuses_a_voice_on_both_sides_or_neither():
    clips = spoken_digits.digit_clips(["a", "b", "c"], 1)
    with pytest.raises(ValueError, match=r"split_clips: 1 voice\(s\) are both training and test voices \(b\)"):
        spoken_digits.split_clips(clips, ["a", "b"], ["b", "c"])  # before: b's clips silently all on the test side
    with pytest.raises(ValueError, match=r"split_clips: 10 clip\(s\) are of voices on neither side \('c', clip "):
        spoken_digits.split_clips(clips, ["a"], ["b"])  # before: KeyError: 'c'
    isolated, _ = spoken_digits.split_clips(clips, ["a", "b"], ["c"])
    assert {c.voice for c in isolated["train"]} == {"a", "b"} and {c.voice for c in isolated["test"]} == {"c"}
