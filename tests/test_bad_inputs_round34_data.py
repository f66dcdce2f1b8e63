"""Round 34, data loaders: audio whose sample rate travels beside its samples, or hides in a transform."""
import functools

import numpy as np
import pytest
import torch
from torch import nn

from rnnkit.data.audio import MFCC, AudioDataset, LogMel, mix_at_snr, read_wav, resample_wave, write_wav


def _tone(rate, seconds=0.5, freq=440.0, amp=0.3):
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("make", [LogMel, MFCC])
def test_D34_01_logmel_and_mfcc_check_the_rate_of_a_samples_rate_pair(tmp_path, make):
    write_wav(tmp_path / "fsdd.wav", _tone(8000), 8000)  # the free spoken-digit dataset's rate
    transform, name = make(16000), make.__name__
    with pytest.raises(ValueError, match=rf"{name}: the wave is sampled at 8000 Hz but {name} is built for 16000 Hz, "
                                         r"so its every frequency would be read 2 times too high; resample it first "
                                         r"\(rnnkit.data.audio.resample_wave\(wave, 8000, 16000\)\)"):
        transform(read_wav(tmp_path / "fsdd.wav"))
    with pytest.raises(ValueError, match=r"sampled at 8000 Hz .* 2 times too high"):
        transform((_tone(8000), 8000))  # soundfile's and librosa's (samples, rate)
    with pytest.raises(ValueError, match=r"at 16000 Hz but .* built for 8000 Hz, .* 2 times too low"):
        make(8000)((_tone(16000), 16000))
    with pytest.raises(ValueError, match=r"got \(8000, samples\), the \(rate, samples\) order of scipy"):
        transform((8000, _tone(8000)))
    wave, rate = read_wav(tmp_path / "fsdd.wav", sample_rate=16000, resample=True)
    assert torch.equal(transform((wave, rate)), transform(wave))  # at its rate the pair reads as its samples
    assert torch.equal(transform((wave, 16000.0)), transform(wave))  # a whole float rate, as some readers give it
    with pytest.raises(ValueError, match=r"the rate of the \(samples, rate\) pair must be a whole number"):
        transform((wave, 16000.5))
    assert torch.equal(make(8000)(read_wav(tmp_path / "fsdd.wav")), make(8000)(read_wav(tmp_path / "fsdd.wav")[0]))


def test_D34_02_resample_write_and_mix_check_the_rates_of_pairs(tmp_path):
    x8 = (torch.from_numpy(_tone(8000)), 8000)
    with pytest.raises(ValueError, match=r"resample_wave: the wave is sampled at 8000 Hz but orig_rate says 16000 Hz"
                                         r".* pass orig_rate=8000"):
        resample_wave(x8, 16000, 8000)
    assert torch.equal(resample_wave(x8, 8000, 16000), resample_wave(x8[0], 8000, 16000))
    with pytest.raises(ValueError, match=r"write_wav: the wave is sampled at 8000 Hz but the header would say 16000 "
                                         r"Hz.*\(write_wav\(path, wave, 8000\)"):
        write_wav(tmp_path / "a.wav", x8, 16000)
    assert not (tmp_path / "a.wav").exists()
    write_wav(tmp_path / "a.wav", x8, 8000)
    assert read_wav(tmp_path / "a.wav")[1] == 8000
    noise16 = (torch.from_numpy(np.random.default_rng(0).normal(0, 0.1, 16000).astype(np.float32)), 16000)
    with pytest.raises(ValueError, match=r"mix_at_snr: the noise is sampled at 16000 Hz but the signal is sampled at "
                                         r"8000 Hz.*\(resample_wave\(noise, 16000, 8000\)"):
        mix_at_snr(x8, (noise16[0][:4000], 16000), 10.0)  # cut to the signal's length, mixed at two pitches
    noise8 = (noise16[0][:4000], 8000)
    assert torch.equal(mix_at_snr(x8, noise8, 10.0), mix_at_snr(x8[0], noise8[0], 10.0))
    with pytest.raises(ValueError, match=r"write_wav: got \(8000, samples\), the \(rate, samples\) order"):
        write_wav(tmp_path / "b.wav", (8000, x8[0].numpy()), 8000)


class _Standardise(nn.Module):
    def forward(self, x):
        return (x - x.mean(0)) / (x.std(0) + 1e-5)


class _Resample(nn.Module):  # torchaudio.transforms.Resample's attributes
    def __init__(self, orig_freq, new_freq):
        super().__init__()
        self.orig_freq, self.new_freq = orig_freq, new_freq

    def forward(self, x):
        return resample_wave(x, self.orig_freq, self.new_freq)


MEL8 = LogMel(8000)


def features(wave):  # the named function D33-12's message suggests
    return MEL8(wave)


def _closure():
    mfcc = MFCC(8000)

    def feats(wave):
        return mfcc(wave)
    return feats


class _Features(nn.Module):
    def __init__(self):
        super().__init__()
        self.mel = LogMel(8000)

    def forward(self, wave):
        return self.mel(wave)


def _resampled(wave):
    return MEL8(resample_wave(wave, 16000, 8000))


@pytest.mark.parametrize("transform, held", [
    (nn.Sequential(LogMel(8000), _Standardise()), r"\(the LogMel it holds as 0\)"),
    (features, r"\(the LogMel it calls as MEL8\)"),
    (_closure(), r"\(the MFCC it calls as mfcc\)"),
    (functools.partial(lambda wave, mel: mel(wave), mel=LogMel(8000)), r"\(the LogMel it calls as mel\)"),
    (_Features(), r"\(the LogMel it holds as mel\)"),
    (_Features().forward, r"\(the LogMel it calls as mel\)"),
    (nn.Sequential(_Resample(8000, 16000), LogMel(16000)), r"\(the _Resample it holds as 0, by its orig_freq\)"),
])
def test_D34_03_audio_dataset_finds_the_rate_of_a_transform_that_holds_or_calls_one(tmp_path, transform, held):
    write_wav(tmp_path / "a.wav", _tone(16000), 16000)
    with pytest.raises(ValueError, match=rf"is built for 8000 Hz {held} but the dataset reads its files at "
                                         r"sample_rate=16000 Hz; build it with \w+\((orig_freq=)?16000, ...\), or pass "
                                         r"sample_rate=8000, resample=True .* \(transform.sample_rate = 16000\)"):
        AudioDataset([tmp_path / "a.wav"], [0], transform, sample_rate=16000)
    ds = AudioDataset([tmp_path / "a.wav"], [0], transform, sample_rate=8000, resample=True)
    assert ds[0][0].shape[1] in (13, 40)


def test_D34_03_transforms_that_change_the_rate_themselves_or_say_it_are_read(tmp_path):
    write_wav(tmp_path / "a.wav", _tone(16000), 16000)

    def halved(wave):
        return MEL8(wave[::2])
    halved.sample_rate = 16000  # the escape the message names
    for transform in (_resampled, nn.Sequential(_Resample(16000, 8000), LogMel(8000)), halved,
                      nn.Sequential(LogMel(16000), _Standardise()), None):
        ds = AudioDataset([tmp_path / "a.wav"], [0], transform, sample_rate=16000)
        assert len(ds[0][0]) > 0


def _log_with_ties():
    import pandas as pd

    from rnnkit.data.events import event_vocab, sessionize
    t0 = pd.Timestamp("2024-01-01 09:00")
    at = [0, 5, 5, 5, 60]  # a log of whole seconds: three events in one second
    rows = [(f"case{c}", t0 + pd.Timedelta(seconds=s), e)
            for c in range(4) for s, e in zip(at, ["register", "check", "assign", "notify", "close"], strict=True)]
    log = sessionize(pd.DataFrame(rows, columns=["user", "timestamp", "event"]), gap=float("inf"))
    return log, event_vocab(log)


def test_D34_04_events_at_one_time_keep_the_logs_order_when_rows_were_shuffled():
    import warnings

    from rnnkit.data.events import EventSessions
    log, vocab = _log_with_ties()
    want = EventSessions(log, vocab)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shuffled = EventSessions(log.sample(frac=1, random_state=1), vocab)  # sessionize's index kept
    for (x, y), (x0, y0) in zip(shuffled, want, strict=True):
        assert vocab.decode(x["event"].tolist()) == ["register", "check", "assign", "notify"]
        assert torch.equal(x["event"], x0["event"]) and torch.equal(y, y0) and torch.equal(x["dt"], x0["dt"])
    lost = log.sample(frac=1, random_state=1).reset_index(drop=True)
    with pytest.warns(UserWarning, match=r"session \d holds 3 events at one time \(2024-01-01 09:00:05\) and its rows "
                                         r"are out of time order .* each with another's dt \(3 other session\(s\) "
                                         r"alike\); .* shuffle whole sessions, not rows"):
        EventSessions(lost, vocab)
    with warnings.catch_warnings():  # rows in time order: ties keep the rows' order, without a word
        warnings.simplefilter("error")
        EventSessions(lost.sort_values(["session", "timestamp"], kind="stable"), vocab)
        by_time = EventSessions(log.sort_values("timestamp", kind="stable").reset_index(drop=True), vocab)  # a raw log
    assert all(torch.equal(x["event"], x0["event"]) for (x, _), (x0, _) in zip(by_time, want, strict=True))


def test_D34_05_lines_of_a_table_read_whole_with_the_label_column_are_refused():
    import pandas as pd

    from rnnkit.data.text import TextClassificationDataset, Vocab
    rng = np.random.default_rng(0)
    words = "good bad film plot actor great awful boring fun long".split()
    rows = [(int(rng.integers(2)), " ".join(rng.choice(words, 6))) for _ in range(20)]
    labels = [y for y, _ in rows]
    texts = [t for _, t in rows]
    tsv = [f"{y}\t{t}" for y, t in rows]  # read_text("train.tsv").splitlines()
    vocab = Vocab.build(tsv, level="word")
    with pytest.raises(ValueError, match=r"every text holds a tab, and the field before its first tab goes with its "
                                         r"label one to one \(text 0: '\d\\t\w+.*' has label \d\): lines of a table "
                                         r"read whole, label column and all\?.*line.split\('\\t', 1\)\[1\]"):
        TextClassificationDataset(tsv, labels, vocab)
    with pytest.raises(ValueError, match=r"the field after its last comma goes with its label"):
        TextClassificationDataset(pd.Series([f"{t},{'pos' if y else 'neg'}" for y, t in rows], index=range(5, 25)),
                                  pd.Series(labels, index=range(5, 25)), vocab)
    TextClassificationDataset(texts, labels, vocab)  # the text column alone
    TextClassificationDataset([t.replace(" ", "\t") for t in texts], labels, vocab)  # tabs between words
    TextClassificationDataset([f"{t}, {t}" for t in texts], labels, vocab)  # commas in the text


def test_D34_06_video_clips_of_two_orientations_resized_to_one_size_are_warned_of(tmp_path):
    import warnings

    from rnnkit.data.video import VideoDataset, write_video
    rng = np.random.default_rng(0)
    for name, (h, w) in {"land": (18, 32), "port": (32, 18), "four_three": (24, 32)}.items():
        write_video(tmp_path / f"{name}.avi", (rng.random((3, h, w, 3)) * 255).astype(np.uint8), fps=10)
    with pytest.warns(UserWarning, match=r"VideoDataset: \S*port.avi has 32x18 \(H x W\) frames, standing, and "
                                         r"\S*land.avi 18x32, lying, and size=\(16, 16\) resizes both to 16x16, so the "
                                         r"one or the other is squeezed: .* 3.2 times as wide.*give the clips one "
                                         r"orientation"):
        ds = VideoDataset([tmp_path / "land.avi", tmp_path / "port.avi"], [0, 1], size=(16, 16))
    assert ds[1][0].shape == (3, 1, 16, 16)  # read as before
    with warnings.catch_warnings():  # one orientation, two aspects: no word
        warnings.simplefilter("error")
        VideoDataset([tmp_path / "land.avi", tmp_path / "four_three.avi"], [0, 1], size=(16, 16))


def test_D34_04_sessionize_keeps_the_order_of_events_at_one_time_of_a_sampled_raw_log():
    import pandas as pd

    from rnnkit.data.events import sessionize
    t0 = pd.Timestamp("2024-01-01 09:00")
    rows = [(f"case{c}", t0 + pd.Timedelta(seconds=s), e) for c in range(4)
            for s, e in zip([0, 5, 5, 5, 60], ["register", "check", "assign", "notify", "close"], strict=True)]
    raw = pd.DataFrame(rows, columns=["user", "timestamp", "event"])  # as read from its file: index in log order
    want = sessionize(raw, gap=float("inf"))
    got = sessionize(raw.sample(frac=1, random_state=2), gap=float("inf"))
    assert got["event"].tolist() == want["event"].tolist() and got["dt"].tolist() == want["dt"].tolist()
