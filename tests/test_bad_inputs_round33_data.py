"""Thirty-third round of bad inputs, the data loaders (rows D33-NN of docs/bad_inputs.md)."""

import numpy as np
import pytest
import torch

from rnnkit.data import LogMel


def test_D33_01_logmel_refuses_a_quiet_int16_clip_made_float_without_scaling():
    t = np.arange(16000) / 16000
    pcm = np.round(0.0015 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)  # -56 dBFS: peak 49
    wave = torch.tensor(pcm, dtype=torch.float32)  # scipy.io.wavfile.read's samples, made float as they are
    logmel = LogMel(16000)
    with pytest.raises(ValueError, match=r"every sample is a whole number, up to 49: integer PCM.*x / 32768"):
        logmel(wave)
    with pytest.raises(ValueError, match=r"every sample of clip 1 is a whole number"):
        logmel(torch.stack([0.1 * torch.randn(16000), wave]))
    # scaled, it reads; float waves, overs, a square wave on [-1, 1] and silence read as before
    assert logmel(wave / 32768).shape == (101, 40)
    for ok in (3 * torch.randn(16000), torch.sign(torch.randn(16000)), torch.zeros(16000), 1.9 * torch.rand(16000)):
        assert torch.isfinite(logmel(ok)).all()
