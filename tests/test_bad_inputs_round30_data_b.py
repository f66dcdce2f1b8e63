"""Round 30 of bad input to the loaders, second pass (docs/bad_inputs.md, D30-11 ...): the cases the first pass left
(an integer a float store cannot hold, a wave holding NaN, an infinite label, integer PCM to mix_at_snr), and more
from the real data that ships offline: a character LM's batches of the standard library's json module decoded whole,
texts given to a word vocabulary as tokens, data/vtest.avi's frames given to embed_frames, and a codec named as ffmpeg
names it."""

import sysconfig
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import one_line

from rnnkit.data.audio import MFCC, LogMel, mix_at_snr
from rnnkit.data.collate import pad_collate
from rnnkit.data.memmap import RaggedStore, RaggedWriter, write_ragged
from rnnkit.data.text import BPTTBatches, Vocab
from rnnkit.data.video import FrameEncoder, embed_frames, frames_to_tensor, moving_digits, write_video


def test_D30_11_a_float_store_refuses_an_integer_it_cannot_hold_exactly(tmp_path):
    # float32 holds every integer only up to 2**24: 2**40 + 1 (a hashed id, a count) would be stored as 2**40
    with pytest.raises(ValueError) as e:
        with RaggedWriter(tmp_path / "s", dtype="float32") as w:
            w.append(np.array([3, 2**40 + 1], dtype=np.int64))
    assert ("sequence 0 holds 1099511627777 at step 1, which the store's dtype float32 cannot hold exactly: it would "
            "be stored as 1099511627776") in one_line(e) and "dtype='int64' for ids" in str(e.value)
    with pytest.raises(ValueError, match=r"^sequence 1 holds 9007199254740993 at step 0, .* float64 cannot hold"):
        write_ragged(tmp_path / "t", [np.array([0.5]), np.array([2**53 + 1])], dtype="float64")
    assert not (tmp_path / "t" / "meta.json").exists()
    # integers a float holds (2**40 itself, small ids, int16 into float32) are written as before
    write_ragged(tmp_path / "u", [np.array([2**40, -(2**24) - 2], dtype=np.int64), np.array([7], dtype=np.int16)],
                 dtype="float32")
    assert RaggedStore(tmp_path / "u")[0].double().tolist() == [2.0**40, -(2.0**24) - 2]


def test_D30_12_logmel_and_mfcc_name_a_sample_that_is_nan():
    wave = np.random.default_rng(0).normal(size=4000).astype(np.float32) * 0.1
    bad = wave.copy()
    bad[100] = np.nan  # a silent clip normalised by its peak, or a gap filled with NaN
    with pytest.raises(ValueError) as e:
        LogMel(16000)(torch.from_numpy(bad))
    assert one_line(e).startswith("LogMel: the wave holds NaN at sample 100 (1 non-finite sample(s) in all), which "
                                  "would make every feature of the frames around it NaN")
    batch = np.stack([wave, wave, wave])
    batch[2, 7] = -np.inf
    with pytest.raises(ValueError, match=r"the wave holds -inf at sample 7 of clip 2 "):
        MFCC(16000)(batch)
    assert torch.isfinite(MFCC(16000)(wave)).all()


def test_D30_13_an_infinite_label_is_refused_with_its_item_and_step():
    with pytest.raises(ValueError) as e:  # log-counts with a count of 0
        pad_collate([(np.zeros((2, 1)), np.array([1.0, 2.0])), (np.zeros((3, 1)), np.array([0.0, 0.7, -np.inf]))])
    assert one_line(e).startswith("the per-step label of item 1 is -inf at step 2 (1 infinite value(s) in it")
    with pytest.raises(ValueError, match=r"^the label of item 1 is inf \(a log of 0, or a division by 0\?\)"):
        pad_collate([(np.zeros((2, 1)), 0.5), (np.zeros((3, 1)), np.inf)])
    # NaN marks a step without a target, kept as it is (a loss that skips it reads it); padding is ignore_index
    batch = pad_collate([(np.zeros((2, 1)), np.array([1.0, np.nan])), (np.zeros((3, 1)), np.array([1.0, 2.0, 3.0]))])
    assert batch.y[0, 1].isnan() and batch.y[0, 2] == -100


def test_D30_14_mix_at_snr_refuses_integer_pcm():
    rng = np.random.default_rng(0)
    speech, noise = ((rng.normal(size=800) * 3000).astype(np.int16) for _ in range(2))
    with pytest.raises(ValueError) as e:  # the SNR would be right, the mix on the int16 scale
        mix_at_snr(speech, noise, 10)
    assert one_line(e).startswith("mix_at_snr takes float samples in [-1, 1], got the signal as int16 (integer PCM?)")
    assert "x.astype(np.float32) / 32768 for int16" in str(e.value)
    with pytest.raises(ValueError, match=r"got the noise as torch.int16 .* \(x.float\(\) / 32768 for int16"):
        mix_at_snr(speech.astype(np.float32) / 32768, torch.from_numpy(noise), 10)
    mixed = mix_at_snr(speech.astype(np.float32) / 32768, noise.astype(np.float32) / 32768, 10)
    assert float(mixed.abs().max()) < 1.0


def test_D30_15_decode_of_a_batch_or_of_float_ids_is_named_as_such():
    text = (Path(sysconfig.get_paths()["stdlib"]) / "json" / "__init__.py").read_text(encoding="utf-8")
    vocab = Vocab.build([text], level="char")
    x, _ = next(iter(BPTTBatches(vocab.encode(text), 4, 35)))  # (4, 35): a batch of rows, each of this vocabulary
    with pytest.raises(ValueError) as e:  # was: "id [12, 37, 37, ...] is not in this vocabulary"
        vocab.decode_text(x)
    assert one_line(e) == ("decode takes the ids of one sequence (T,), got shape (4, 35) (a batch?); decode each row: "
                           "[vocab.decode_text(row) for row in ids]")
    with pytest.raises(ValueError, match=r"^decode takes integer ids, got the float 5\.0 \(ids\.long\(\) if"):
        vocab.decode(torch.tensor([5.0, 6.0]))  # argmax(...).float(): was "id 5.0 is not in this vocabulary"
    assert vocab.decode_text(x[0]) == text[:35]


def test_D30_16_a_word_vocabulary_refuses_texts_given_as_tokens():
    texts = ["the cat sat on the mat", "a dog ran"]
    vocab = Vocab.build(texts, level="word")
    with pytest.raises(ValueError) as e:  # a batch of texts given to encode: each text was one <unk>
        vocab.encode(texts)
    assert one_line(e).startswith("a level='word' vocabulary reads words, but this token list holds 'the cat sat on "
                                  "the mat' (6 words with spaces), which it can never hold")
    with pytest.raises(ValueError, match=r"^text 0 of the corpus: a level='word' vocabulary reads words"):
        Vocab.build(np.array([[t] for t in texts], dtype=object), level="word")  # df[["text"]].values
    assert vocab.encode(["the", "cat", "\n"]).tolist() == [vocab.stoi["the"], vocab.stoi["cat"], vocab.unk_id]


def test_D30_17_embed_frames_names_frames_as_read_video_gives_them():
    # uint8 (T, H, W), as read_video(path, grayscale=True) gives data/vtest.avi's (a fetched file: not needed here)
    frames = moving_digits(4, size=36, digit_size=20).frames
    encoder = FrameEncoder(8)
    with pytest.raises(ValueError) as e:  # was: AttributeError: 'numpy.ndarray' object has no attribute 'dim'
        embed_frames(encoder, frames)
    assert one_line(e) == ("embed_frames takes frames as a tensor (T, C, H, W) of floats in [0, 1], got a numpy array "
                           "of uint8 (4, 36, 36) (read_video's frames?); convert them first: embed_frames(encoder, "
                           "frames_to_tensor(frames))")
    assert embed_frames(encoder, frames_to_tensor(frames)).shape == (4, 8)


@pytest.mark.parametrize("codec", ["libx264", "XVI"])
def test_D30_18_write_video_names_a_codec_that_is_no_fourcc(tmp_path, codec):
    with pytest.raises(ValueError) as e:  # was OpenCV's TypeError: VideoWriter_fourcc() missing argument 'c4'
        write_video(tmp_path / "out.avi", np.zeros((2, 8, 8), np.uint8), codec=codec)
    assert one_line(e) == (f"codec must be a FourCC code of four characters (e.g. 'FFV1' lossless, 'MJPG', 'mp4v', "
                           f"'avc1' for H.264), got {codec!r}")
    assert not list(tmp_path.iterdir())
