"""Video: lossless write/read round trips in tmp_path, moving digits, the frame encoder, the dataset."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from rnnkit.data.collate import pad_collate
from rnnkit.data.video import (
    FrameEncoder,
    VideoDataset,
    digit_glyph,
    embed_frames,
    frames_to_tensor,
    moving_digits,
    read_video,
    write_video,
)


def test_moving_digits_draws_glyphs_at_their_positions():
    v = moving_digits(20, size=48, n_digits=1, digit_size=20, seed=5)
    assert v.frames.shape == (20, 48, 48) and v.frames.dtype == np.uint8
    glyph = digit_glyph(int(v.digits[0]), 20)
    assert glyph.max() == 255
    for t in range(20):
        r, c = v.positions[t, 0]
        assert 0 <= r <= 28 and 0 <= c <= 28
        expected = np.zeros((48, 48), np.uint8)
        expected[r : r + 20, c : c + 20] = glyph
        assert np.array_equal(v.frames[t], expected)
    steps = np.abs(np.diff(v.positions[:, 0], axis=0)).max()
    assert 0 < steps <= 5  # speed at most 4 px per frame, plus rounding
    again = moving_digits(20, size=48, n_digits=1, digit_size=20, seed=5)
    assert np.array_equal(again.frames, v.frames)
    assert not np.array_equal(moving_digits(20, size=48, n_digits=1, digit_size=20, seed=6).frames, v.frames)


def test_moving_digits_bounce_stays_inside():
    v = moving_digits(200, size=40, n_digits=3, digit_size=16, speed=(3.0, 3.0), seed=1)
    assert v.positions.min() >= 0 and v.positions.max() <= 24
    for j in range(3):  # every digit hits a wall at least once in 200 frames and comes back
        assert (np.diff(np.sign(np.diff(v.positions[:, j, 0]))) != 0).any()


def test_write_read_roundtrip_is_lossless(tmp_path):
    grey = moving_digits(12, size=32, n_digits=2, digit_size=12, seed=0).frames
    write_video(tmp_path / "g.avi", grey, fps=5)
    assert np.array_equal(read_video(tmp_path / "g.avi", grayscale=True), grey)
    rgb = np.random.default_rng(0).integers(0, 256, (4, 16, 24, 3), dtype=np.uint8)
    write_video(tmp_path / "c.avi", rgb)
    assert np.array_equal(read_video(tmp_path / "c.avi"), rgb)  # channel order survives BGR conversion
    sub = read_video(tmp_path / "g.avi", grayscale=True, step=3, max_frames=3)
    assert np.array_equal(sub, grey[[0, 3, 6]])
    small = read_video(tmp_path / "g.avi", grayscale=True, size=(16, 8))
    assert small.shape == (12, 16, 8)
    # INTER_AREA averages 2x4 blocks: check one block by hand
    assert abs(int(small[5, 3, 2]) - grey[5, 6:8, 8:12].mean()) <= 1


def test_bad_video_inputs_raise(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_video(tmp_path / "missing.avi")
    (tmp_path / "junk.avi").write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="junk.avi"):
        read_video(tmp_path / "junk.avi")
    with pytest.raises(ValueError, match="uint8"):
        write_video(tmp_path / "f.avi", np.zeros((2, 8, 8), np.float32))


def test_frames_to_tensor_values():
    x = frames_to_tensor(np.array([[[0, 255]], [[51, 102]]], dtype=np.uint8))
    assert x.shape == (2, 1, 1, 2) and x.flatten().tolist() == pytest.approx([0.0, 1.0, 0.2, 0.4])
    rgb = np.zeros((1, 2, 2, 3), np.uint8)
    rgb[..., 2] = 255
    y = frames_to_tensor(rgb)
    assert y.shape == (1, 3, 2, 2) and y[0, 2].eq(1).all() and y[0, :2].eq(0).all()


def test_frame_encoder_is_per_frame():
    torch.manual_seed(0)
    enc = FrameEncoder(8, in_channels=1, width=4)
    frames = torch.rand(2, 5, 1, 24, 24)
    e = enc(frames)
    assert e.shape == (2, 5, 8)
    assert torch.allclose(e[1, 3], enc(frames[1, 3][None])[0], atol=1e-6)  # no mixing across frames
    assert torch.allclose(embed_frames(enc, frames[0], chunk_size=2), e[0], atol=1e-6)
    assert enc.training  # embed_frames restores the mode


def test_video_dataset_batches(tmp_path):
    files = []
    for i, n in enumerate((6, 9)):
        files.append(tmp_path / f"{i}.avi")
        write_video(files[-1], moving_digits(n, size=32, n_digits=1, digit_size=12, seed=i).frames)
    ds = VideoDataset(files, [0, 1], size=(16, 16))
    assert ds.lengths.tolist() == [6, 9]
    batch = next(iter(DataLoader(ds, batch_size=2, collate_fn=pad_collate)))
    assert batch.x.shape == (2, 9, 1, 16, 16) and batch.lengths.tolist() == [6, 9]
    assert batch.x[0, 6:].eq(0).all() and batch.x[0, :6].amax() > 0.5
    emb = FrameEncoder(4)(batch.x)
    assert emb.shape == (2, 9, 4)
