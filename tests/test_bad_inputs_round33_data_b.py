"""Thirty-third round of bad inputs, second pass over the data loaders (rows D33-08 on of docs/bad_inputs.md)."""

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from rnnkit.data import TextClassificationDataset, Vocab
from rnnkit.data.audio import MFCC, AudioDataset, LogMel, write_wav
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.video import VideoDataset, frames_to_tensor, moving_digits, write_video


def test_D33_08_frames_to_tensor_refuses_palette_frames(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    ImageSequence = pytest.importorskip("PIL.ImageSequence")
    rng = np.random.default_rng(0)
    frames = [Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)) for _ in range(3)]
    for k, im in enumerate(frames):  # a folder of palette PNG frames (quantized, as small frames are often saved)
        im.quantize(16).save(tmp_path / f"{k:03d}.png")
    pngs = [Image.open(p) for p in sorted(tmp_path.glob("*.png"))]
    assert {im.mode for im in pngs} == {"P"}  # palette indices, which np.asarray gives as they are
    with pytest.raises(ValueError, match=r"frame 0 is a PIL image of mode 'P' \(palette.*im\.convert\('RGB'\)"):
        frames_to_tensor(pngs)
    with pytest.raises(ValueError, match=r"the frame is a PIL image of mode 'P'"):
        frames_to_tensor(pngs[0])
    with pytest.raises(ValueError, match=r"mode 'CMYK'"):
        frames_to_tensor([im.convert("CMYK") for im in frames])
    # a GIF's frames: PIL opens the first with a palette, the others as RGB
    frames[0].save(tmp_path / "clip.gif", save_all=True, append_images=frames[1:])
    gif = [im.copy() for im in ImageSequence.Iterator(Image.open(tmp_path / "clip.gif"))]
    with pytest.raises(ValueError, match=r"frame 0 is a PIL image of mode 'P'"):
        frames_to_tensor(gif)
    with pytest.raises(ValueError, match=r"frame 0 is a PIL image of mode 'L' and 16x16 pixels \(W x H\), frame 1 of "
                                         r"mode 'RGB'"):
        frames_to_tensor([frames[0].convert("L"), *frames[1:]])
    # converted, they read; RGB and grey PIL frames read as before
    assert frames_to_tensor([im.convert("RGB") for im in gif]).shape == (3, 3, 16, 16)
    assert frames_to_tensor([im.convert("L") for im in pngs]).shape == (3, 1, 16, 16)
    np.testing.assert_allclose(frames_to_tensor(frames).numpy(), np.stack([np.asarray(im) for im in frames])
                               .transpose(0, 3, 1, 2) / 255.0, atol=1e-6)


def test_D33_09_text_dataset_refuses_a_tokenizers_padding_decoded_to_text():
    # tokenizer.batch_decode(batch["input_ids"]) of padded ids keeps the special tokens unless told otherwise
    texts = ["[CLS] the film was bad [SEP] [PAD] [PAD]", "[CLS] a good film [SEP] [PAD] [PAD] [PAD]"]
    vocab = Vocab.build(texts, level="word")
    with pytest.raises(ValueError, match=r"text 0 holds the padding token '\[PAD\]' 2 time\(s\).*skip_special_tokens"):
        TextClassificationDataset(texts, [0, 1], vocab)
    with pytest.raises(ValueError, match=r"text 0 holds the padding token '\[PAD\]'"):
        TextClassificationDataset(texts, [0, 1], Vocab.build(texts, level="word", lower=True))
    # RoBERTa's and T5's <pad> to a char-level vocabulary (a word-level one reads it as its own padding, D33-07)
    roberta = ["<s>bad film</s><pad><pad>", "<s>a good film</s>"]
    with pytest.raises(ValueError, match=r"text 0 holds the padding token '<pad>' 2 time\(s\).*5 characters"):
        TextClassificationDataset(roberta, [0, 1], Vocab.build(roberta, level="char"))
    # convert_ids_to_tokens' token lists
    tokens = [["[CLS]", "bad", "film", "[SEP]", "[PAD]"], ["[CLS]", "a", "good", "film", "[SEP]"]]
    with pytest.raises(ValueError, match=r"text 0 holds the padding token '\[PAD\]' 1 time\(s\) \(first at position 4"):
        TextClassificationDataset(tokens, [0, 1], Vocab.build(tokens, level="token"))
    # decoded with skip_special_tokens=True, or unpadded with [CLS] and [SEP] kept, they read as before
    ds = TextClassificationDataset(["the film was bad", "[CLS] a good film [SEP]"], [0, 1], vocab)
    assert ds.lengths.tolist() == [4, 9]


def test_D33_10_video_dataset_refuses_files_of_two_frame_rates(tmp_path):
    pytest.importorskip("cv2")
    frames = np.random.default_rng(0).integers(0, 256, (6, 16, 16), dtype=np.uint8)
    for fps in (10, 20, 24, 25, 29.97):
        write_video(tmp_path / f"at{fps}.avi", frames, fps=fps)
    with pytest.raises(ValueError, match=r"at10\.avi runs at 10 fps and \S*at20\.avi at 20 fps.*step=2\)\]\)"):
        VideoDataset([tmp_path / "at10.avi", tmp_path / "at20.avi"], [0, 1], size=(16, 16))
    # rates as collections of clips mix them pass, and so does one rate, as before
    assert VideoDataset([tmp_path / f"at{fps}.avi" for fps in (24, 25, 29.97)], [0, 1, 1], size=(16, 16)).lengths \
        .tolist() == [6, 6, 6]
    assert len(VideoDataset([tmp_path / "at20.avi"] * 2, [0, 1], size=(16, 16), step=2)) == 2


def test_D33_11_event_sessions_refuses_shuffled_rows_of_a_log_whose_time_column_has_another_name():
    # a pm4py export's columns: case:concept:name, concept:name (categorical), time:timestamp
    times = pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-01 10:09", "2024-01-02 09:00",
                            "2024-01-02 09:03", "2024-01-02 09:04"], utc=True)
    log = pd.DataFrame({"case:concept:name": ["1", "1", "1", "2", "2", "2"],
                        "concept:name": pd.Categorical(["a", "b", "c", "a", "c", "b"]), "time:timestamp": times})
    cases = sessionize(log, user="case:concept:name", time="time:timestamp", gap=float("inf"))
    vocab = event_vocab(cases, event="concept:name")
    shuffled = cases.sample(frac=1, random_state=0)
    with pytest.raises(ValueError, match=r"rows of session 0 are not in time order .*time='time:timestamp'"):
        EventSessions(shuffled, vocab, event="concept:name")
    # the first row in place, the rest out of order: the date column going back tells it
    swapped = cases.iloc[[0, 2, 1, 3, 4, 5]]
    with pytest.raises(ValueError, match=r"column 'time:timestamp' goes back"):
        EventSessions(swapped, vocab, event="concept:name")
    with pytest.raises(ValueError, match=r"session 0 are not in time order .*sort the rows by it first"):
        EventSessions(shuffled.drop(columns="time:timestamp"), vocab, event="concept:name")
    # with the time column named, or the rows as sessionize left them, the events come in time order, as before
    expected = [[4, 5], [4, 6]]  # a b -> c and a c -> b
    for ds in (EventSessions(shuffled, vocab, event="concept:name", time="time:timestamp"),
               EventSessions(cases, vocab, event="concept:name")):
        assert [ds[i][0]["event"].tolist() for i in range(len(ds))] == expected
    assert len(EventSessions(shuffled, vocab, event="concept:name", time=None)) == 2  # the rows as they are, if asked
    # another date column that goes back within a case (a due date) does not refuse rows in time order
    due = cases.assign(due=pd.to_datetime(["2024-03-01", "2024-02-01", "2024-04-01"] * 2))
    assert len(EventSessions(due, vocab, event="concept:name")) == 2


class _MelSpectrogram(nn.Module):
    """torchaudio.transforms.MelSpectrogram's interface (torchaudio is not installed here): sample_rate, n_mels and
    hop_length attributes, and features channels first, (n_mels, T)."""

    def __init__(self, sample_rate=16000, n_mels=64, hop_length=200):
        super().__init__()
        self.sample_rate, self.n_mels, self.hop_length = sample_rate, n_mels, hop_length
        self.logmel = LogMel(sample_rate, n_mels, n_fft=1024, hop_length=hop_length)

    def forward(self, wave):
        return self.logmel(wave).T


def test_D33_12_audio_dataset_refuses_a_torchaudio_style_transform_that_gives_features_channels_first(tmp_path):
    t = np.arange(16000) / 16000
    files = [tmp_path / f"{k}.wav" for k in range(2)]
    for k, f in enumerate(files):  # clips of one length (Speech Commands' 1 s): (64, 81) each, batched silently
        write_wav(f, 0.3 * np.sin(2 * np.pi * (300 + 100 * k) * t), 16000)
    for transform in (_MelSpectrogram(), nn.Sequential(_MelSpectrogram())):
        ds = AudioDataset(files, [0, 1], transform, sample_rate=16000)
        with pytest.raises(ValueError, match=r"gave features of shape \(64, 81\) .*n_mels=64 first, \(F, T\)"
                                             r".*64 steps of 81 features.*mel\(wave\)\.T"):
            ds[0]
    # transposed, and rnnkit's own transforms, give (T, F) as before
    def features(wave):
        return _MelSpectrogram()(wave).T

    assert AudioDataset(files, [0, 1], features, sample_rate=16000)[1][0].shape == (81, 64)
    for transform, size in ((LogMel(16000), 40), (MFCC(16000), 13)):
        assert AudioDataset(files, [0, 1], transform, sample_rate=16000)[0][0].shape == (101, size)


def test_D33_13_frames_to_tensor_refuses_a_batch_of_grey_clips():
    pytest.importorskip("cv2")
    clips = np.stack([moving_digits(10, size=32, digit_size=12, seed=s).frames for s in range(4)])  # (4, 10, 32, 32)
    with pytest.raises(ValueError, match=r"\(4, 10, 32, 32\) look like a batch of grey clips \(B, T, H, W\).*"
                                         r"4 frames of 10x32 pixels in 32 channels.*torch\.stack"):
        frames_to_tensor(clips)
    # clip by clip, and frames of a few channels (RGBA, 13 spectral bands), read as before
    assert torch.stack([frames_to_tensor(c) for c in clips]).shape == (4, 10, 1, 32, 32)
    assert frames_to_tensor(np.zeros((5, 32, 32, 13), np.uint16)).shape == (5, 13, 32, 32)
    assert frames_to_tensor(np.zeros((5, 4, 4, 4), np.uint8)).shape == (5, 4, 4, 4)


def test_D33_14_frames_to_tensor_names_a_frame_of_another_shape():
    frames = [np.zeros((16, 16, 3), np.uint8)] * 2 + [np.zeros((16, 12, 3), np.uint8)]  # cv2.imread of a folder
    with pytest.raises(ValueError, match=r"frame 2 is 16x12 \(H x W\) RGB but frame 0 is 16x16.*cv2\.resize"):
        frames_to_tensor(frames)
    with pytest.raises(ValueError, match=r"frame 1 is 16x16 \(H x W\) grey but frame 0 is 16x16 .* RGB.*cv2\.cvtColor"):
        frames_to_tensor([frames[0], np.zeros((16, 16), np.uint8)])
    # frames of one shape, arrays or tensors, read as before
    assert frames_to_tensor(frames[:2]).shape == (2, 3, 16, 16)
    assert frames_to_tensor([torch.zeros(16, 16, dtype=torch.uint8)] * 2).shape == (2, 1, 16, 16)
