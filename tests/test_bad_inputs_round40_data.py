"""Round 40, the loaders (rnnkit/data): bad inputs as a new user brings them; each test fails on 3cd3981."""
import warnings

import numpy as np
import pytest
import scipy.io.wavfile

from rnnkit.data import AudioDataset, LogMel


def _clips(folder, n=3, rate=16000):
    rng = np.random.default_rng(0)
    files = []
    for i in range(n):
        files.append(folder / f"clip{i}.wav")
        scipy.io.wavfile.write(files[-1], rate, (0.1 * rng.standard_normal(1600)).astype(np.float32))
    return files


def test_D40_01_a_float_wav_holding_nan_is_refused_when_the_dataset_is_built(tmp_path):
    files = _clips(tmp_path)
    x = scipy.io.wavfile.read(files[1])[1].copy()
    x[700:720] = np.nan
    scipy.io.wavfile.write(files[1], 16000, x)
    # before: built without a word; refused when an epoch's __getitem__ read the file
    with pytest.raises(ValueError, match=r"^AudioDataset: file 1: .*clip1.wav holds NaN or infinity at sample 700 "
                                         r"\(0.044 s\); the file is corrupt .*: fix or drop it$"):
        AudioDataset(files, [0, 1, 0], LogMel(16000), sample_rate=16000)
    x[700:720] = np.inf
    x[:5] = np.nan  # the first bad sample named, in a stereo file too
    scipy.io.wavfile.write(files[1], 16000, np.stack([x, x], 1))
    with pytest.raises(ValueError, match=r"clip1.wav holds NaN or infinity at sample 0 "):
        AudioDataset(files, [0, 1, 0], sample_rate=16000)


def test_D40_02_a_silent_wav_in_a_dataset_is_warned_of(tmp_path):
    files = _clips(tmp_path)
    scipy.io.wavfile.write(tmp_path / "muted.wav", 16000, np.zeros(1600, np.int16))
    scipy.io.wavfile.write(tmp_path / "muted8.wav", 16000, np.full(1600, 128, np.uint8))  # 8-bit silence is 128
    files += [tmp_path / "muted.wav", tmp_path / "muted8.wav"]
    # before: built and trained as label 1's sound, without a word
    with pytest.warns(UserWarning, match=r"^AudioDataset: 2 of the 5 files hold no sound, every sample silence \(0\): "
                                         r".*muted.wav, .*muted8.wav \(label\(s\) \[1\]\); .*drop those files, or, if "
                                         r"silence is meant .*'\.\*hold no sound'\)$"):
        ds = AudioDataset(files, [0, 1, 0, 1, 1], LogMel(16000), sample_rate=16000)
    assert len(ds) == 5
    quiet = np.zeros(70000, np.int16)
    quiet[-1] = 3  # a sound at the very end of a long file: not silent
    scipy.io.wavfile.write(tmp_path / "muted.wav", 16000, quiet)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AudioDataset(files[:4], [0, 1, 0, 1], LogMel(16000), sample_rate=16000)
