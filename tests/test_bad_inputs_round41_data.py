"""Round 41, the loaders (rnnkit/data): bad inputs as a new user brings them; each test fails on 6ae8f8f."""
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile
import torch

from rnnkit.data import AudioDataset, LogMel, RaggedStore, pad_collate, write_ragged
from rnnkit.data.events import EventSessions, event_vocab, sessionize


def _noise_clip(path, seconds=0.1, rate=16000, seed=0):
    x = 0.1 * np.random.default_rng(seed).standard_normal(int(seconds * rate))
    scipy.io.wavfile.write(path, rate, x.astype(np.float32))
    return path


@pytest.mark.parametrize("seconds", [0.05, 0.1, 0.15])
def test_D41_01_the_log_mel_of_a_few_frames_of_noise_is_not_called_time_last(tmp_path, seconds):
    files = [_noise_clip(tmp_path / f"n{i}.wav", seconds, seed=i) for i in range(4)]
    ds = AudioDataset(files, [0, 1, 0, 1], LogMel(16000), sample_rate=16000)
    # before: "pad_collate: the 4 items are all of shape (11, 40), read as 11 time step(s) of 40 features ... as 11
    # channel(s) of 40 time steps do (sktime's and aeon's (C, T), time last)? give each as seq.T"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, lengths = pad_collate([ds[i] for i in range(4)])[:2]
    assert x.shape[2] == 40 and bool((lengths == x.shape[1]).all())


def test_D41_01_pin_channels_time_last_are_still_told():
    rng = np.random.default_rng(1)
    for c, t in ((3, 40), (6, 100), (12, 300)):
        items = [(torch.tensor(np.cumsum(rng.standard_normal((c, t)), axis=1), dtype=torch.float32), 0)
                 for _ in range(4)]
        with pytest.warns(UserWarning, match=r"run smoothly along their last axis .* give each as seq.T"):
            pad_collate(items)


def _smooth(rng, n, t):
    """``n`` runs of 1/f noise of ``t`` samples, each of unit variance: a signal's own slow course."""
    f = np.fft.rfft(rng.standard_normal((n, t)), axis=-1) / np.maximum(np.arange(t // 2 + 1), 1)
    y = np.fft.irfft(f, t, axis=-1)
    return y / y.std(axis=-1, keepdims=True)


@pytest.mark.parametrize("c, t", [(3, 40), (8, 128), (16, 256)])
def test_D41_01_pin_channels_with_a_common_signal_time_last_are_still_told(c, t):
    # EEG as (C, T) windows: a rhythm and a reference every channel shares, each channel's own course at a third
    # of the common one's amplitude, and white noise; an accelerometer's three axes moving together, time last
    rng = np.random.default_rng(2)
    clock = np.arange(t) / 128
    eeg = [2 * np.sin(2 * np.pi * 10 * clock + rng.uniform(0, 6)) + 3 * _smooth(rng, 1, t)[0]
           + 0.3 * _smooth(rng, c, t) + 0.2 * rng.standard_normal((c, t)) for _ in range(4)]
    motion = [np.array([[0.0], [0.0], [9.8]]) + np.cumsum(rng.standard_normal(t)) * np.array([[0.3], [0.24], [-0.15]])
              + 0.05 * rng.standard_normal((3, t)) for _ in range(4)]
    for batch in (eeg, motion):
        items = [(torch.tensor(x, dtype=torch.float32), 0) for x in batch]
        with pytest.warns(UserWarning, match=r"run smoothly along their last axis .* give each as seq.T"):
            pad_collate(items)


def test_D41_02_from_folders_silent_file_warning_names_the_users_line(tmp_path):
    for c in ("no", "yes"):
        (tmp_path / c).mkdir()
        _noise_clip(tmp_path / c / "a.wav")
        scipy.io.wavfile.write(tmp_path / c / "b.wav", 16000, np.zeros(1600, np.int16))
    # before: the warning pointed at rnnkit/data/audio.py, from_folder's own call of AudioDataset
    with pytest.warns(UserWarning, match="hold no sound") as caught:
        AudioDataset.from_folder(tmp_path, LogMel(16000), sample_rate=16000)
    assert [w.filename for w in caught if "hold no sound" in str(w.message)] == [__file__]


def _advice(message):
    return re.search(r"parse text with (pd\.to_datetime\(.*\)) \(its dates are written two ways", message).group(1)


@pytest.mark.parametrize("other, dayfirst", [(["05/01/2024 10:00", "13/01/2024 10:05", "13/01/2024 10:10"], True),
                                             (["01/05/2024 10:00", "01/13/2024 10:05", "01/13/2024 10:10"], False)])
def test_D41_03_event_times_written_two_ways_are_told_a_parse_that_reads_both(other, dayfirst):
    df = pd.DataFrame({"user": ["a"] * 3 + ["b"] * 3, "event": list("xyzxyz"),
                       "timestamp": ["2024-01-05 10:00", "2024-01-05T10:05:00", "2024-01-13 10:10"] + other})
    # before: "parse text with pd.to_datetime(df['timestamp'])", which fails at '05/01/2024 10:00'; its own hint,
    # format='mixed', reads '2024-01-05' as 1 May with dayfirst=True and '05/01/2024' as 5 May without
    with pytest.raises(ValueError, match=rf"written two ways, year first \('2024-01-05 10:00'\) and "
                                         rf"{'day' if dayfirst else 'month'} first, e.g. '.*13.*'") as caught:
        sessionize(df)
    advice = _advice(str(caught.value))
    assert f"dayfirst={dayfirst}" in advice
    df["timestamp"] = eval(advice, {"pd": pd, "df": df})
    expected = pd.to_datetime(["2024-01-05 10:00", "2024-01-05 10:05", "2024-01-13 10:10", "2024-01-05 10:00",
                               "2024-01-13 10:05", "2024-01-13 10:10"])
    assert (df["timestamp"].to_numpy() == expected.to_numpy()).all()
    assert sessionize(df)["session"].tolist() == [0, 0, 1, 2, 3, 3]


def test_D41_04_values_below_a_narrower_floats_normal_range_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    tiny = [1e-7 * rng.standard_normal((50, 2)), 1e-7 * rng.standard_normal((30, 2))]
    # before: stored without a word, as float16's subnormal steps of 6e-08 (a third of the values 0 or one step)
    with pytest.raises(ValueError, match=r"sequence 0's values are all below 6.1e-05 in magnitude \(the largest "
                                         r".*, \d+ of them as 0; choose a wider dtype \(RaggedWriter\(\.\.\., "
                                         r"dtype='float32'\)\), or rescale the values \(x / "):
        write_ragged(tmp_path / "a", tiny, dtype="float16")
    with pytest.raises(ValueError, match=r"all below 1.2e-38 .* dtype='float64'"):
        write_ragged(tmp_path / "b", [np.full((3, 1), 1e-40)], dtype="float32")
    # a sequence of ordinary values with a few tiny ones, and the rescale followed, are stored
    ordinary = [rng.standard_normal((50, 2)), np.array([[1.0], [1e-9], [0.0]])]
    assert RaggedStore(write_ragged(tmp_path / "c", ordinary[:1] + [ordinary[1].repeat(2, 1)], dtype="float16"))
    scaled = [t / 1e-7 for t in tiny]
    store = RaggedStore(write_ragged(tmp_path / "d", scaled, dtype="float16"))
    assert np.allclose(store[0].numpy(), scaled[0], rtol=1e-3, atol=1e-3)


def test_D41_03_times_written_two_ways_where_no_number_tells_day_from_month():
    df = pd.DataFrame({"user": ["a"] * 4, "event": list("xyzx"),
                       "timestamp": ["2024-01-05 10:00", "2024-01-05 10:05", "05/01/2024 10:10", "05/01/2024 10:15"]})
    with pytest.raises(ValueError, match=r"day or month first \('05/01/2024 10:10': read day first, .*; "
                                         r"dayfirst=False if the month comes first\)"):
        sessionize(df)
    df["session"], df["dt"] = 0, 0.0  # EventSessions' refusal of text times gives the same parse
    with pytest.raises(ValueError, match=r"parse it first, df\['timestamp'\] = pd.to_datetime\(.*written two ways"):
        EventSessions(df, event_vocab(df))


def test_D41_04_values_float16_holds_are_stored_however_small(tmp_path):
    # a quiet stretch of 16-bit audio cut as its own sequence (+-1 step, 2**-15: float16 holds it exactly), dither
    # of 1e-5 (kept to 0.1% of its largest value), silence, counts and normalised features: float16 holds them all
    rng = np.random.default_rng(3)
    quiet = (rng.integers(-1, 2, (1600, 1)) / 32768).astype(np.float32)
    dither = (1e-5 * rng.standard_normal((1600, 1))).astype(np.float32)
    ordinary = [np.zeros((10, 1)), rng.poisson(2, (50, 1)).astype(float), rng.standard_normal((50, 1))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = RaggedStore(write_ragged(tmp_path / "q", [quiet, dither, *ordinary], dtype="float16"))
    assert np.array_equal(store[0].numpy(), quiet)
    assert np.allclose(store[1].numpy(), dither, rtol=0, atol=1e-3 * np.abs(dither).max())


@pytest.mark.parametrize("times, told", [
    (["2024-01-05T10:00:00Z", "2024-01-05T10:05:00Z", "2024-01-13T10:10:00Z"], r"to_datetime\(df\['timestamp'\]\)$"),
    (["05/01/2024 10:00", "13/01/2024 10:05", "13/01/2024 10:10"], r"dayfirst=True\) \(its dates are written day "),
    (["2024-01-05T10:00:00+01:00", "2024-01-05T10:05:00+01:00", "2024-01-13T10:10:00Z"], r"utc=True")])
def test_D41_03_times_written_one_way_are_told_as_before(times, told):
    df = pd.DataFrame({"user": ["a"] * 3, "event": list("xyz"), "timestamp": times})
    with pytest.raises(ValueError, match=told) as caught:
        sessionize(df)
    assert "two ways" not in str(caught.value)
