"""Round 34 (second pass), data loaders with one's own data: a stereo file with a silent channel, uint16 frames that
use only their low bits, event ids that write one number two ways (D34-07 …)."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile
import torch

from rnnkit.data import BucketBatchSampler, EventSessions, LogMel, Vocab, pad_collate, read_wav, sessionize
from rnnkit.data.bio import encode_sequence
from rnnkit.data.events import event_vocab
from rnnkit.data.video import FrameEncoder, frames_to_tensor


def _tone(n=8000, rate=16000, peak=0.5):
    t = np.arange(n) / rate
    return (peak * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)


@pytest.mark.parametrize(("channels", "leak"), [((0,), 0), ((1,), 0), ((0, 2), 0), ((0,), 300)])
def test_D34_07_a_silent_channel_of_a_stereo_file_is_warned_of(tmp_path, channels, leak):
    x = _tone()
    stereo = np.zeros((len(x), 2 if channels != (0, 2) else 3), np.int16)
    for c in channels:
        stereo[:, c] = x
    if leak:  # the other input's bleed or hum, 40 dB down
        stereo[:, 1] = x // leak
    path = tmp_path / "field.wav"
    scipy.io.wavfile.write(path, 16000, stereo)
    take = r"wave\[:, \[0, 2\]\]\.mean\(1\)" if len(channels) == 2 else rf"wave\[:, {channels[0]}\]"
    with pytest.warns(UserWarning, match=r"field\.wav: channel\(s\) \[.*\] of its \d are silent.*mono=False.*live "
                      r"channel\(s\) \(" + take):
        wave, rate = read_wav(path)
    assert rate == 16000  # still the mix, as librosa's to_mono reads it
    assert abs(float(wave.abs().max()) - 0.5 * len(channels) / stereo.shape[1]) < 0.01 + 0.5 / max(leak, 1)
    live, _ = read_wav(path, mono=False)  # the fix named: the live channel at its level
    assert abs(float(live[:, channels[0]].abs().max()) - 0.5) < 0.01
    mono = tmp_path / "mono.wav"
    scipy.io.wavfile.write(mono, 16000, x)
    feats = LogMel(16000)
    if not leak:
        gap = float((feats(read_wav(mono)[0]) - feats(live[:, channels[0]])).abs().max())
        assert gap < 1e-3


def test_D34_07_stereo_files_with_two_live_channels_or_silence_say_nothing(tmp_path):
    x = _tone()
    for name, data in (("two.wav", np.stack([x, x // 3], 1)), ("quiet.wav", np.stack([x, x // 20], 1)),
                       ("silence.wav", np.zeros((8000, 2), np.int16))):
        scipy.io.wavfile.write(tmp_path / name, 16000, data)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            read_wav(tmp_path / name)


@pytest.mark.parametrize(("peak", "bits", "fix"), [(255, 8, r"frames\.astype\(np\.uint8\)"),
                                                    (1000, 10, r"frames / 1023"), (4000, 12, r"frames / 4095")])
def test_D34_08_uint16_frames_using_only_their_low_bits_are_warned_of(peak, bits, fix):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, peak + 1, (3, 8, 8, 3)).astype(np.uint16)
    frames[0, 0, 0, 0] = peak
    with pytest.warns(UserWarning, match=rf"go up to {peak} of 65535, using {bits} of their 16 bits.*{fix}"):
        x = frames_to_tensor(frames)
    assert float(x.max()) < 0.07  # read as before: the warning says what it means
    if bits == 8:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            fixed = frames_to_tensor(frames.astype(np.uint8))
        assert abs(float(fixed.max()) - 1.0) < 1e-6
        with pytest.warns(UserWarning, match=r"frames\.to\(torch\.uint8\)"):
            frames_to_tensor(torch.from_numpy(frames.astype(np.int32)).to(torch.uint16))


def test_D34_08_full_range_and_black_uint16_frames_say_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frames_to_tensor(np.full((2, 8, 8), 40000, np.uint16))
        frames_to_tensor(np.zeros((2, 8, 8), np.uint16))
        frames_to_tensor(np.full((2, 8, 8), 200, np.uint8))


def _log(users):
    return pd.DataFrame({"user": users, "timestamp": [0.0, 10.0, 20.0, 30.0][: len(users)],
                         "event": ["a", "b", "c", "d"][: len(users)]})


@pytest.mark.parametrize(("users", "shown"), [(["01", "1", "01", "1"], r"'01' at row 0 and '1' at row 1"),
                                              ([1, 1.0, "1.0"], r"1 at row 0 and '1\.0' at row 2"),
                                              (["007 ", "7", "7"], r"'007 ' at row 0 and '7' at row 1")])
def test_D34_09_user_ids_writing_one_number_two_ways_are_warned_of(users, shown):
    df = _log(users)
    with pytest.warns(UserWarning, match=rf"column 'user' holds {shown}, one number written two ways.*two users.*"
                      r"pd\.to_numeric\(df\['user'\]\)\.astype\('int64'\)"):
        out = sessionize(df)
    assert out["session"].nunique() == 2  # read as before: two users, as the warning says
    fixed = df.assign(user=pd.to_numeric(df["user"]).astype("int64"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sessionize(fixed)["session"].nunique() == 1


def test_D34_09_session_ids_writing_one_number_two_ways_are_warned_of_by_EventSessions():
    df = pd.DataFrame({"session": ["01", "01", "1", "1"], "event": list("abab"), "dt": [0.0, 5.0, 0.0, 5.0]})
    vocab = event_vocab(df)
    with pytest.warns(UserWarning, match=r"column 'session' holds '01' at row 0 and '1' at row 2, one number written "
                      r"two ways.*two sessions, each with events of its own"):
        ds = EventSessions(df, vocab)
    assert len(ds) == 2


def test_D34_09_distinct_text_and_long_numeric_ids_say_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sessionize(_log(["u01", "u1", "u01", "u1"]))
        sessionize(_log(["12345678901234567890", "12345678901234567891", "1", "2"]))
        sessionize(_log(["01", "02", "10", "11"]))


@pytest.mark.parametrize(("texts", "marker", "means"), [
    (["the cat <UNK> sat", "a <UNK> dog", "the <UNK> ran"], r"'<UNK>' \(3 time\(s\)\)", r"<unk>.*'<UNK>' -> '<unk>'"),
    (["<S> the cat sat </S>", "<S> a dog </S>"], r"'<S>' \(2 time\(s\)\), '</S>'", r"<bos>.*'</S>' -> '<eos>'"),
    (["the [UNK] sat", "[PAD] [PAD] a dog"], r"'\[PAD\]' \(2 time\(s\)\), '\[UNK\]'", r"<pad>"),
])
def test_D34_10_a_corpus_unknown_or_sentence_marker_in_another_spelling_is_warned_of(texts, marker, means):
    with pytest.warns(UserWarning, match=rf"Vocab\.build: the corpus holds the marker\(s\) {marker}.*not this "
                      rf"vocabulary's specials.*read as the words \[.*learnt \(and predicted\) as text.*{means}"):
        vocab = Vocab.build(texts, level="word")
    assert "UNK" in vocab or "S" in vocab or "PAD" in vocab  # read as before: the warning says what it means


def test_D34_10_the_specials_themselves_lowered_markers_and_char_level_say_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = Vocab.build(["the <unk> sat <eos>", "a <unk> dog"], level="word")
        assert v.encode("<unk>").tolist() == [v.unk_id]
        v = Vocab.build(["the <UNK> sat", "a <UNK> dog"], level="word", lower=True)  # lowered to the special
        assert v.encode("<UNK>").tolist() == [v.unk_id]
        Vocab.build(["the <UNK> sat"], level="char")
        Vocab.build(["a < b and c > d", "x[0] = y"], level="word")


@pytest.mark.parametrize(("rows", "side", "keep"), [
    ([[0, 0, 0, 5, 6], [0, 0, 7, 8, 9], [4, 5, 6, 7, 8]], "start", "pre"),  # Keras' pad_sequences' default
    ([[5, 6, 0, 0, 0], [7, 8, 9, 0, 0], [4, 5, 6, 7, 8]], "end", "post"),
])
def test_D34_11_token_ids_padded_already_with_0_are_warned_of_by_pad_collate(rows, side, keep):
    items = [(np.array(r), 1) for r in rows]
    with pytest.warns(UserWarning, match=rf"pad_collate: the 3 items are all 5 steps long and 2 of them {side} in 2 "
                      rf"to 3 steps of id 0, with no 0 elsewhere: token ids padded already \(Keras' pad_sequences, "
                      rf"padding='{keep}'\)\?.*\(5, not 2 for the shortest\).*give each item unpadded"):
        batch = pad_collate(items)
    assert batch.lengths.tolist() == [5, 5, 5]  # read as before: the warning says what it means
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed = pad_collate([(r[r != 0], y) for r, y in items])
    assert fixed.lengths.tolist() == [2, 3, 5]


def test_D34_11_ids_with_0_as_a_token_and_float_features_say_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dna = [encode_sequence(s) for s in ("AACGT", "ACGTA", "CGTAA")]  # A is id 0: inside too
        pad_collate([(d, 0) for d in dna])
        pad_collate([(np.array([0, 0, 5, 6]), 1), (np.array([0, 0, 7, 8]), 0)])  # runs of one length: a prefix
        pad_collate([(np.array([1, 2, 0]), 1), (np.array([3, 4]), 0)])  # lengths differ: unpadded
        pad_collate([(np.zeros((4, 2), np.float32), 1), (np.ones((4, 2), np.float32), 0)])


def test_D34_12_rgba_frames_to_an_rgb_frame_encoder_name_the_alpha_and_how_to_drop_it():
    rgba = np.zeros((2, 16, 16, 4), np.uint8)
    rgba[..., 3] = 255  # opaque: a PNG sequence's frames
    encoder = FrameEncoder(8, in_channels=3)
    with pytest.raises(ValueError, match=r"got shape \(2, 4, 16, 16\); RGBA frames .*alpha.*frames\[\.\.\., :3\]"):
        encoder(frames_to_tensor(rgba))
    assert encoder(frames_to_tensor(rgba[..., :3])).shape == (2, 8)  # the fix named
    with pytest.raises(ValueError, match=r"build it with in_channels=C"):  # other channel counts: as before
        FrameEncoder(8, in_channels=1)(frames_to_tensor(rgba[..., :3]))


def test_D34_09_event_codes_writing_one_number_two_ways_are_warned_of_and_int_beside_text_is_one():
    df = pd.DataFrame({"session": [0, 0, 1, 1], "event": ["01", "1", "2", "02"], "dt": [0.0, 5.0, 0.0, 5.0]})
    with pytest.warns(UserWarning, match=r"column 'event' holds '01' at row 0 and '1' at row 1, one number written two "
                      r"ways .*; 4 such ids in all, read as two events; if they are one event") as record:
        vocab = event_vocab(df)
    assert record[0].filename == __file__
    assert {"01", "1"} <= set(vocab.itos)  # read as before
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(event_vocab(df.assign(event=[1, "1", 2, "2"]))) == 6  # one token each, as before


@pytest.mark.parametrize("kind", ["float", "bool", "tensor", "list"])
def test_D34_13_a_padding_mask_given_as_bucket_lengths_names_its_row_sums(kind):
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 0, 1], [1, 1, 1, 0]], np.float32)  # row 2 padded on the left
    given = {"float": mask, "bool": mask.astype(bool), "tensor": torch.from_numpy(mask),
             "list": mask.astype(int).tolist()}[kind]
    fix = r"np\.sum\(mask, 1\)" if kind == "list" else r"mask\.sum\(1\)"
    with pytest.raises(ValueError, match=rf"BucketBatchSampler: lengths has shape \(4, 4\) and holds only 0s and 1s: "
                       rf"a \(N, T\) padding mask.*the mask's row sums: BucketBatchSampler\({fix}, batch_size\)"):
        BucketBatchSampler(given, 2, seed=0)
    batches = list(BucketBatchSampler(mask.sum(1), 2, seed=0))  # the fix named
    assert sorted(i for b in batches for i in b) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match=r"non-empty 1-D sequence of item lengths, got shape \(2, 2\)"):
        BucketBatchSampler(np.array([[3, 4], [5, 6]]), 2)


def test_D34_14_write_wav_of_a_wave_over_full_scale_warns_of_the_clipping(tmp_path):
    from rnnkit.data import write_wav
    x = _tone().astype(np.float32) / 32768 * 3  # peak 1.5: a mix at a low SNR, or a gain, over full scale
    with pytest.warns(UserWarning, match=r"write_wav: \d+ of the wave's 8000 samples \(5\d\.\d%\) lie beyond \[-1, 1\] "
                      r"\(up to 1\.5.*clipped.*distorts.*scale it first \(x / 1\.5"):
        write_wav(tmp_path / "over.wav", x, 16000)
    assert abs(float(read_wav(tmp_path / "over.wav")[0].abs().max()) - 1.0) < 1e-3  # written as before, clipped
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_wav(tmp_path / "fixed.wav", x / 1.5, 16000)  # the fix named
        one = x / 1.5
        one[100] = 1.2  # one over: a click, the clip's own
        write_wav(tmp_path / "click.wav", one, 16000)


def test_LogMel_window_and_hop_stay_in_samples_at_every_rate_and_the_docs_say_how_to_get_25_10_ms():
    """OK pin of the choice made: the defaults are samples (torchaudio's, librosa's way), so a model trained on
    LogMel(8000)'s frames reads the same frames when the transform is built again; 25 ms / 10 ms is asked for."""
    old = LogMel(8000)
    assert (old.n_fft, old.hop_length) == (400, 160)  # 50 ms / 20 ms at 8 kHz, as before
    speech = LogMel(8000, n_fft=round(0.025 * 8000), hop_length=round(0.010 * 8000))  # the docstring's recipe
    one_second = torch.zeros(8000)
    assert speech(one_second).shape[0] == 101 and old(one_second).shape[0] == 51
    assert "25 ms / 10 ms at 16 kHz only" in " ".join(LogMel.__doc__.split())
