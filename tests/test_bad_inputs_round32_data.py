"""Round 32 of bad input to the loaders (docs/bad_inputs.md, D32-01 ...): a new user's own data in the forms their
tools leave it: float32 epoch seconds, epoch numbers as text, 8-bit WAV of signed bytes, uint16 token ids, frames of
other integer types and normalisations."""

import wave

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile
import torch

from rnnkit.data.audio import read_wav
from rnnkit.data.collate import pad_collate, pad_sequences
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.memmap import RaggedStore, write_ragged
from rnnkit.data.text import read_text
from rnnkit.data.video import frames_to_tensor


def _log(times) -> pd.DataFrame:
    return pd.DataFrame({"user": ["a"] * len(times), "timestamp": times,
                         "event": ["login", "view", "view", "buy", "login", "view"][:len(times)]})


def test_D32_01_float32_epoch_seconds_are_refused_not_rounded_into_other_gaps():
    t = 1.7e9 + np.array([0.0, 20.0, 50.0, 70.0, 2000.0, 2030.0])  # gaps of 20 and 30 s, a new session after 2000 s
    assert sessionize(_log(t))["dt"].tolist() == [0.0, 20.0, 30.0, 20.0, 0.0, 30.0]
    # as float32 (a column cast to save memory) the times are 128 s apart: dt was 0, 0, 128 and 0, without a word
    with pytest.raises(ValueError, match=r"the times of column 'timestamp': are float32 values as large as 1\.7e\+09, "
                                         r"where float32 numbers are 128 apart.*float64"):
        sessionize(_log(t.astype(np.float32)))
    with pytest.raises(ValueError, match=r"are float32 values"):  # pandas' nullable Float32 alike
        sessionize(_log(pd.array(t, dtype="Float32")))
    # float32 times relative to the log's start keep their gaps: read as before
    rel = (t - t[0]).astype(np.float32)
    assert sessionize(_log(rel))["dt"].tolist() == [0.0, 20.0, 30.0, 20.0, 0.0, 30.0]
    # float16 times fine enough for their gaps are read (pandas cannot sort a float16 column)
    out = sessionize(_log(np.array([0.0, 60.0, 120.0, 180.0, 900.0, 960.0], dtype=np.float16)), gap=600.0)
    assert out["dt"].tolist() == [0.0, 60.0, 60.0, 60.0, 0.0, 60.0]


def test_D32_02_epoch_numbers_written_as_text_get_advice_that_parses_them():
    t = 1_700_000_000 + np.array([0, 20, 50, 70, 2000, 2030])
    seconds = _log([str(v) for v in t])  # a CSV read with dtype=str, or JSON's quoted numbers
    with pytest.raises(ValueError, match=r"parse text with pd\.to_numeric\(df\['timestamp'\]\) \(numbers written as "
                                         r"text, read as seconds\)"):
        sessionize(seconds)  # the advice was pd.to_datetime(df['timestamp']): 'year 1700000000 is out of range'
    fixed = seconds.assign(timestamp=pd.to_numeric(seconds["timestamp"]))
    assert sessionize(fixed)["dt"].tolist() == [0.0, 20.0, 30.0, 20.0, 0.0, 30.0]
    millis = _log([str(v * 1000) for v in t])
    with pytest.raises(ValueError, match=r"pd\.to_datetime\(pd\.to_numeric\(df\['timestamp'\]\), unit='ms'\)"):
        sessionize(millis)
    fixed = millis.assign(timestamp=pd.to_datetime(pd.to_numeric(millis["timestamp"]), unit="ms"))
    assert sessionize(fixed)["dt"].tolist() == [0.0, 20.0, 30.0, 20.0, 0.0, 30.0]
    # EventSessions' advice for a log read back from CSV with its times as text
    log = sessionize(_log(t))
    log["timestamp"] = log["timestamp"].astype(str)
    with pytest.raises(ValueError, match=r"df\['timestamp'\] = pd\.to_numeric\(df\['timestamp'\]\)"):
        EventSessions(log, event_vocab(log))
    # compact dates ('20240101') are dates, which pd.to_datetime reads: its advice is kept
    with pytest.raises(ValueError, match=r"parse text with pd\.to_datetime\(df\['timestamp'\]\)$"):
        sessionize(_log(["20240101", "20240102"]))


def _wav8(path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as f:  # the wave module writes the bytes it is given, signed or not
        f.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        f.setsampwidth(1)
        f.setframerate(8000)
        f.writeframes(samples.tobytes())


def test_D32_03_an_8_bit_wav_of_signed_bytes_is_refused_not_read_as_a_buzz(tmp_path):
    n = np.arange(8000)
    tone = 0.3 * np.sin(2 * np.pi * 440 * n / 8000)
    signed = np.round(tone * 127).astype(np.int8)
    _wav8(tmp_path / "s8.wav", signed)
    # read as WAV's unsigned bytes, a quiet tone became a full-scale buzz (peak 1.0, a jump at every zero crossing)
    with pytest.raises(ValueError, match=r"s8\.wav: its 8-bit samples are signed bytes \(int8\), but 8-bit WAV samples "
                                         r"are unsigned \(silence is 128\): read so, the steps between its samples "
                                         r"carry \d+ times the power they carry read as int8.*"
                                         r"scipy\.io\.wavfile\.write\(new_path, rate, x \^ 128\)"):
        read_wav(tmp_path / "s8.wav")
    _wav8(tmp_path / "stereo.wav", np.stack([signed, signed], axis=1))
    with pytest.raises(ValueError, match=r"signed bytes"):
        read_wav(tmp_path / "stereo.wav", mono=False)
    _wav8(tmp_path / "silence.wav", np.zeros(800, np.int8))  # read as a constant -1
    with pytest.raises(ValueError, match=r"every sample is byte 0, silence as int8"):
        read_wav(tmp_path / "silence.wav")
    # the advice, followed, gives the tone
    rate, x = scipy.io.wavfile.read(tmp_path / "s8.wav")
    scipy.io.wavfile.write(tmp_path / "fixed.wav", rate, x ^ 128)
    wave_, _ = read_wav(tmp_path / "fixed.wav")
    np.testing.assert_allclose(wave_.numpy(), signed / 128, atol=1e-7)
    # genuine unsigned 8-bit sound is read: a tone, a tone clipped at full scale, full-band noise, silence, a full-scale
    # tone near the Nyquist frequency, a square wave of half scale
    rng = np.random.default_rng(0)
    for name, u8 in {"tone": 128 + np.round(tone * 127), "clipped": 128 + np.clip(3 * tone / 0.3, -1, 1) * 127,
                     "noise": rng.integers(0, 256, 8000), "silence": np.full(800, 128),
                     "nyquist": 128 + np.round(127 * np.sin(2 * np.pi * 3000 * n / 8000)),
                     "square": np.where(n // 20 % 2, 192, 64)}.items():
        u8 = np.asarray(u8).astype(np.uint8)
        _wav8(tmp_path / f"{name}.wav", u8)
        got, _ = read_wav(tmp_path / f"{name}.wav")
        np.testing.assert_allclose(got.numpy(), (u8 - 128.0) / 128, atol=1e-7)


def test_D32_04_unsigned_token_ids_wider_than_a_byte_are_collated_as_int64(tmp_path):
    # nanoGPT's .bin files hold token ids as uint16; a RaggedWriter store of dtype uint16 gives them so too
    ids = [np.array([5, 9, 60000], np.uint16), np.array([7], np.uint16)]
    for dtype in (np.uint16, np.uint32, np.uint64):
        batch = pad_collate([(s.astype(dtype), dtype(1)) for s in ids])
        assert batch.x.dtype == torch.int64 and batch.y.dtype == torch.int64  # were uint16: no embedding takes them
        assert batch.x.tolist() == [[5, 9, 60000], [7, 0, 0]]
    torch.nn.Embedding(60001, 2)(batch.x)  # torch's "Expected ... Long, Int; but got CPUUInt16Type" before
    torch.nn.functional.cross_entropy(torch.zeros(2, 3), batch.y)
    store = RaggedStore(write_ragged(tmp_path / "store", ids, labels=np.array([1, 0], np.uint16)))
    assert pad_collate([store[0], store[1]]).x.dtype == torch.int64
    with pytest.raises(ValueError, match=r"sequence 0 holds the uint64 value 9223372036854775813, beyond int64"):
        pad_sequences([np.array([2**63 + 5], np.uint64)])  # a 64-bit hash would wrap negative


def test_D32_05_frames_of_other_integer_types_and_normalisations_get_advice_that_works():
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 8, 8, 3)).astype(np.uint8)
    with pytest.raises(ValueError, match=r"frames of dtype int64: .*they hold \d+\.\.\d+: pass frames\.astype\("
                                         r"np\.uint8\) \(pixels made wider for arithmetic\?\)"):
        frames_to_tensor(frames.astype(np.int64))
    with pytest.raises(ValueError, match=r"pass frames\.to\(torch\.uint8\)"):
        frames_to_tensor(torch.from_numpy(frames).long())
    # a TCHW tensor: the advice was numpy's frames.transpose(0, 2, 3, 1), a TypeError for a tensor
    tchw = torch.from_numpy(frames).permute(0, 3, 1, 2)
    with pytest.raises(ValueError, match=r"look channels-first .*pass frames\.permute\(0, 2, 3, 1\)$") as e:
        frames_to_tensor(tchw)
    fixed = frames_to_tensor(eval(str(e.value).rsplit("pass ", 1)[1], {"frames": tchw}))
    assert torch.equal(fixed, frames_to_tensor(frames))
    # frames normalised to [-1, 1] (as for a pretrained network): the advice was to divide by 255
    with pytest.raises(ValueError, match=r"pass \(frames \+ 1\) / 2 for frames normalised to \[-1, 1\]"):
        frames_to_tensor(frames / 127.5 - 1)


def test_D32_06_scikit_learns_outlier_labels_are_refused_as_session_labels():
    # IsolationForest.fit_predict labels events -1 (outlier) and 1 (normal); a session's label is its maximum
    log = pd.DataFrame({"user": ["a", "a", "b", "b"], "timestamp": [0.0, 60.0, 0.0, 60.0],
                        "event": ["login", "view", "login", "view"], "anomaly": [1, -1, 1, 1]})
    log = sessionize(log)
    with pytest.raises(ValueError, match=r"target column 'anomaly' has -1 at row 1; class ids must be >= 0.*"
                                         r"scikit-learn's outlier labels.*df\['anomaly'\] = \(df\['anomaly'\] == -1\)"
                                         r"\.astype\(int\)"):
        EventSessions(log, event_vocab(log), target="anomaly")  # both sessions were labelled 1: the outlier hidden
    log["anomaly"] = (log["anomaly"] == -1).astype(int)
    assert [int(y) for _, y in EventSessions(log, event_vocab(log), target="anomaly")] == [1, 0]
    other = log.assign(anomaly=[0, -2, 0, 0])
    with pytest.raises(ValueError, match=r"has -2 at row 1; class ids must be >= 0.*map the labels to ids 0, 1"):
        EventSessions(other, event_vocab(other), target="anomaly")


def test_D32_07_a_byte_order_mark_is_no_text_in_any_encoding_and_utf32_is_named(tmp_path):
    # Notepad's "UTF-16 LE" writes a byte-order mark; utf-16-le decodes it as a character U+FEFF
    (tmp_path / "notepad.txt").write_bytes("café au lait\r\nthé\r\n".encode("utf-16"))
    for encoding in ("utf-16-le", "utf-16"):
        assert read_text(tmp_path / "notepad.txt", encoding=encoding) == "café au lait\nthé\n"
    (tmp_path / "wide.txt").write_bytes("café\n".encode("utf-32"))
    assert read_text(tmp_path / "wide.txt", encoding="utf-32-le") == "café\n"
    # read as UTF-16 it was named UTF-16 without a byte-order mark, with encoding='utf-16-be': a fix that garbles
    with pytest.raises(ValueError, match=r"wide\.txt starts with the byte-order mark of UTF-32, so it is UTF-32 text, "
                                         r"not utf-16; pass encoding='utf-32'$"):
        read_text(tmp_path / "wide.txt", encoding="utf-16")
