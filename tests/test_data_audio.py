"""WAV I/O, resampling, mel filterbank, DCT, log-mel/MFCC values, the folder dataset; WAVs made with numpy."""

import numpy as np
import pytest
import scipy.fft
import scipy.io.wavfile
import torch
from torch.utils.data import DataLoader

from rnnkit.data.audio import (
    MFCC,
    AudioDataset,
    LogMel,
    dct_matrix,
    hz_to_mel,
    mel_filterbank,
    mel_to_hz,
    read_wav,
    resample_wave,
    wav_info,
    write_wav,
)
from rnnkit.data.collate import pad_collate


def tone(freq, sr, seconds, amp=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return amp * np.sin(2 * np.pi * freq * t)


def test_wav_roundtrip_and_pcm_scaling(tmp_path):
    x = tone(440, 8000, 0.1)
    write_wav(tmp_path / "a.wav", x, 8000)
    y, sr = read_wav(tmp_path / "a.wav", sample_rate=8000)
    assert sr == 8000 and y.dtype == torch.float32 and y.shape == (800,)
    assert np.max(np.abs(y.numpy() - x)) < 1.0 / 32767
    pcm = np.array([[-32768, 16384], [0, 32767]], dtype=np.int16)  # stereo: mono is the channel mean
    scipy.io.wavfile.write(tmp_path / "s.wav", 8000, pcm)
    mono, _ = read_wav(tmp_path / "s.wav")
    assert mono.tolist() == pytest.approx([(-1.0 + 0.5) / 2, 32767 / 32768 / 2])
    stereo, _ = read_wav(tmp_path / "s.wav", mono=False)
    assert stereo.shape == (2, 2) and stereo[0, 0] == -1.0
    scipy.io.wavfile.write(tmp_path / "u8.wav", 8000, np.array([0, 128, 255], dtype=np.uint8))
    assert read_wav(tmp_path / "u8.wav")[0].tolist() == [-1.0, 0.0, 127 / 128]
    assert wav_info(tmp_path / "s.wav") == (2, 8000, 2)


def test_wrong_sample_rate_is_an_error_unless_resampling(tmp_path):
    write_wav(tmp_path / "t.wav", tone(1000, 22050, 0.5), 22050)
    with pytest.raises(ValueError, match=r"22050 Hz but 16000 Hz was expected.*resample=True"):
        read_wav(tmp_path / "t.wav", sample_rate=16000)
    y, sr = read_wav(tmp_path / "t.wav", sample_rate=16000, resample=True)
    assert sr == 16000 and len(y) == int(np.ceil(11025 * 16000 / 22050))
    spectrum = np.abs(np.fft.rfft(y.numpy()))
    assert np.fft.rfftfreq(len(y), 1 / 16000)[spectrum.argmax()] == pytest.approx(1000, abs=3)
    z = resample_wave(np.ones(300), 300, 100)
    assert z.shape == (100,) and torch.allclose(z[20:80], torch.ones(60), atol=1e-3)  # DC kept (no edges)


def test_empty_and_non_wav_files_are_errors(tmp_path):
    scipy.io.wavfile.write(tmp_path / "e.wav", 16000, np.zeros(0, np.int16))
    with pytest.raises(ValueError, match="has no samples"):
        read_wav(tmp_path / "e.wav")
    (tmp_path / "z.wav").write_bytes(b"")
    with pytest.raises(ValueError, match=r"is empty \(0 bytes"):  # was "not a readable WAV", which named no fix
        read_wav(tmp_path / "z.wav")
    (tmp_path / "t.wav").write_text("not audio at all")
    with pytest.raises(ValueError, match="not a readable WAV"):
        read_wav(tmp_path / "t.wav")


def test_mel_scale_inverse_and_known_value():
    assert float(hz_to_mel(1000.0)) == pytest.approx(999.99, abs=0.01)  # the HTK scale's anchor
    f = torch.tensor([0.0, 300.0, 4000.0, 8000.0], dtype=torch.float64)
    assert torch.allclose(mel_to_hz(hz_to_mel(f)), f)


def test_mel_filterbank_shape_peaks_and_partition_of_unity():
    fb = mel_filterbank(26, 512, 16000)
    assert fb.shape == (26, 257)
    assert float(fb.min()) == 0.0 and float(fb.max()) <= 1.0
    freqs = np.linspace(0, 8000, 257)
    centres = mel_to_hz(torch.linspace(0, float(hz_to_mel(8000)), 28))[1:-1].numpy()
    # each filter peaks at one of the two FFT bins around its centre (bins are 8000 / 256 Hz apart)
    assert (np.abs(fb.argmax(dim=1).numpy() - centres / (8000 / 256)) < 1).all()
    # neighbouring triangles share edges: between the first and last centre the filters sum to 1
    inner = (freqs >= centres[0]) & (freqs <= centres[-1])
    assert torch.allclose(fb.sum(dim=0)[inner], torch.ones(int(inner.sum())), atol=1e-5)
    with pytest.raises(ValueError, match="contain no FFT bin"):
        mel_filterbank(128, 64, 16000)
    with pytest.raises(ValueError, match="f_min < f_max"):
        mel_filterbank(10, 512, 16000, f_max=9000)


def test_dct_is_orthonormal_and_equals_scipy():
    D = dct_matrix(40, 40).double()
    assert torch.allclose(D @ D.T, torch.eye(40, dtype=torch.float64), atol=1e-6)
    x = np.random.default_rng(0).standard_normal(40)
    ref = scipy.fft.dct(x, type=2, norm="ortho")[:13]
    assert np.allclose(dct_matrix(13, 40).double().numpy() @ x, ref, atol=1e-5)


def test_pure_tone_power_and_mel_bin():
    sr, n_fft = 16000, 512
    logmel = LogMel(sr, 40, n_fft=n_fft, hop_length=128)
    x = torch.from_numpy(tone(1000.0, sr, 0.25, amp=1.0)).float()  # 1000 Hz = FFT bin 32 exactly
    power = logmel.power_spectrogram(x)
    assert power.shape == (1 + 4000 // 128, 257) == (logmel.num_frames(4000), 257)
    mid = power[len(power) // 2]
    assert int(mid.argmax()) == 32
    # |X[k]| = A * sum(hann) / 2 = n_fft / 4 for a unit sine on bin k, so the power is (n_fft / 4)^2
    assert float(mid[32]) == pytest.approx((n_fft / 4) ** 2, rel=1e-3)
    frames = logmel(x)
    assert frames.shape == (32, 40)
    expected_band = int(mel_filterbank(40, n_fft, sr)[:, 32].argmax())
    assert int(frames[len(frames) // 2].argmax()) == expected_band
    assert float(frames[len(frames) // 2, expected_band]) == pytest.approx(
        np.log(float(mid @ logmel.fbank[expected_band])), rel=1e-5)
    silence = logmel(torch.zeros(1000))
    assert torch.allclose(silence, torch.full_like(silence, np.log(1e-10)))


def test_mfcc_is_dct_of_logmel_and_batches():
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((3, 1600))).float()
    mfcc = MFCC(16000, 13)
    c = mfcc(x)
    assert c.shape == (3, 11, 13) and mfcc.num_frames(1600) == 11
    assert torch.allclose(c, mfcc.logmel(x) @ dct_matrix(13, 40).T, atol=1e-4)
    assert torch.allclose(c[1], mfcc(x[1]), atol=1e-4)  # batched == one at a time
    with pytest.raises(ValueError, match="too short"):
        mfcc(torch.zeros(150))


def _folder(tmp_path, rates=(16000, 16000, 16000)):
    rng = np.random.default_rng(0)
    for i, (label, freq) in enumerate([("high", 3000), ("low", 300), ("low", 400)]):
        (tmp_path / label).mkdir(exist_ok=True)
        write_wav(tmp_path / label / f"{i}.wav", tone(freq, rates[i], rng.uniform(0.1, 0.3)), rates[i])
    return tmp_path


def test_audio_folder_dataset_lengths_and_batch(tmp_path):
    ds = AudioDataset.from_folder(_folder(tmp_path, rates=(16000, 8000, 16000)), LogMel(16000, 20),
                                  sample_rate=16000, resample=True)
    assert ds.classes == ["high", "low"] and ds.labels.tolist() == [0, 1, 1]
    assert ds.lengths.tolist() == [len(ds[i][0]) for i in range(3)]
    batch = next(iter(DataLoader(ds, batch_size=3, collate_fn=pad_collate)))
    assert batch.x.shape == (3, int(ds.lengths.max()), 20) and batch.lengths.tolist() == ds.lengths.tolist()
    # the high tone's energy sits in a higher mel band than the low tones'
    peak = [int(batch.x[b, 2].argmax()) for b in range(3)]
    assert peak[0] > peak[1] and peak[0] > peak[2]
    raw = AudioDataset.from_folder(tmp_path, sample_rate=16000, resample=True)
    assert raw[0][0].shape == (raw.lengths[0], 1)


def test_audio_dataset_checks_rates_when_built(tmp_path):
    _folder(tmp_path, rates=(16000, 8000, 16000))
    with pytest.raises(ValueError, match=r"1\.wav is sampled at 8000 Hz"):
        AudioDataset.from_folder(tmp_path, sample_rate=16000)
    with pytest.raises(ValueError, match="no WAV files"):
        AudioDataset.from_folder(tmp_path / "missing", sample_rate=16000)
