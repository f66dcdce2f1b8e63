"""Video as frame sequences: OpenCV reading and writing, per-frame CNN embeddings, synthetic moving digits.

Shapes: ``T`` frames, ``H x W`` pixels, ``C`` channels (1 grey, 3 RGB), ``E`` embedding size.

* `read_video` returns uint8 frames ``(T, H, W)`` (grey) or ``(T, H, W, 3)`` (RGB; OpenCV's BGR is
  converted), optionally resized; `frames_to_tensor` makes them float ``(T, C, H, W)`` in [0, 1].
* `FrameEncoder` is a small CNN applied to every frame at once (batch and time flattened together):
  ``(B, T, C, H, W) -> (B, T, E)``, the input of a recurrent layer. Train it end to end, or run it once
  with `embed_frames` and store the ``(T, E)`` sequences (`RaggedWriter`) for long videos.
* `moving_digits` renders bouncing digits (in the spirit of Moving MNIST, Srivastava et al. 2015, but
  drawn with OpenCV's Hershey font so it needs no data set) and returns the true trajectories.
* `VideoDataset` reads files on access, for `pad_collate` (which pads ``(T, C, H, W)`` items to
  ``(B, T, C, H, W)``).

OpenCV (``opencv-python-headless``) is imported when a function needs it.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from ..checks import check_flags, is_count, is_finite_number, stand_in
from .memmap import atomic_path
from .text import EMPTY_DATASET, _label_ids, check_aligned, check_file_list, labels_by_file


def _cv2():
    """OpenCV, imported on first use so that ``rnnkit.data`` imports without it."""
    try:
        import cv2
    except ImportError:
        raise ImportError("video functions need OpenCV: pip install opencv-python-headless") from None
    return cv2


def _check_options(size, max_frames, step) -> None:
    """The reading options, checked before any decoding (0 and negative values would fail deep in OpenCV)."""
    if size is not None and not (isinstance(size, tuple | list) and len(size) == 2 and all(is_count(v) for v in size)):
        raise ValueError(f"size must be a pair (H, W) of integers >= 1, or None, got {size!r}")
    if max_frames is not None and not is_count(max_frames):
        raise ValueError(f"max_frames must be an integer >= 1 or None, got {max_frames!r}")
    if not is_count(step):
        raise ValueError(f"step must be an integer >= 1 (keep every step-th frame), got {step!r}")


def read_video(
    path: str | os.PathLike,
    *,
    size: tuple[int, int] | None = None,
    grayscale: bool = False,
    max_frames: int | None = None,
    step: int = 1,
) -> np.ndarray:
    """Decode a video file with ``cv2.VideoCapture``.

    Args:
        size: ``(H, W)`` to resize every frame to (``cv2.INTER_AREA``); ``None`` keeps the file's size. A size
            with the file's aspect turned on its side (OpenCV's ``(W, H)`` order) is warned of.
        grayscale: return ``(T, H, W)`` grey frames instead of ``(T, H, W, 3)`` RGB.
        max_frames: stop after this many returned frames.
        step: keep every ``step``-th frame (temporal subsampling).

    Returns:
        uint8 array ``(T, H, W)`` or ``(T, H, W, 3)``.

    A file that decodes to fewer frames than its container lists (cut short, or frames lost to damage; a shortfall
    of 2 frames or 1% is let pass, for containers that estimate their count) is a ValueError, not a shorter video.
    """
    cv2 = _cv2()
    _check_options(size, max_frames, step)
    check_flags(grayscale=grayscale)  # "no" would be truthy: grey frames
    _check_file(Path(path))
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise _unopened(path, "read_video")
    frames = []
    try:
        i, listed = 0, int(max(cap.get(cv2.CAP_PROP_FRAME_COUNT), 0))
        while max_frames is None or len(frames) < max_frames:
            ok, frame = cap.read()
            if not ok:
                if i < listed - max(2, listed // 100):  # the decoder gave up early, or skipped damaged frames
                    raise ValueError(f"{path}: {i} of the {listed} frames its container lists could be decoded (a "
                                     "file cut short, or frames lost to damage): frames would be missing without a "
                                     "word; fetch or copy the file again, or re-encode the frames that decode (e.g. "
                                     "ffmpeg -i in.avi -c:v ffv1 out.avi) to read them as they are")
                break
            if i % step == 0:
                frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY if grayscale else cv2.COLOR_BGR2RGB)
                if size is not None and not frames:
                    _warn_sideways(size, frame.shape[:2], path)
                if size is not None:
                    frame = cv2.resize(frame, (size[1], size[0]), interpolation=cv2.INTER_AREA)
                frames.append(frame)
            i += 1
    finally:
        cap.release()
    if not frames:
        raise _no_frame(path, listed, "read_video")
    return np.stack(frames)


def _no_frame(path, listed: int, who: str) -> ValueError:
    """The refusal of a video file OpenCV opens but of which no frame decodes."""
    return ValueError(f"{who}: {path} has no frame that decodes (its container lists {listed}): an empty video (a "
                      "recording stopped before its first frame?) or a file cut short; drop it from the files, or "
                      "fetch it again")


def _check_file(path: Path) -> None:
    if path.is_dir():  # a folder of videos given as one
        raise ValueError(f"{path} is a directory, not a video file; give the video files in it (e.g. "
                         f"sorted(Path({str(path)!r}).glob('*.avi')))")
    if not path.is_file():
        raise ValueError(f"video file {path} does not exist")
    with open(path, "rb") as f:
        magic = f.read(8)
    kind = next((name for name, sig in _IMAGE_MAGIC.items() if magic.startswith(sig)), None)
    if kind:  # OpenCV's image2 reader opens it as a video of one frame
        raise ValueError(f"{path} is a {kind} image, not a video (whatever its name), which OpenCV would read as a "
                         "video of one frame; give the video file, or read a folder of frames in RGB, as read_video "
                         "gives them (cv2.imread reads BGR), and stack them: np.stack([cv2.cvtColor(cv2.imread("
                         "str(p)), cv2.COLOR_BGR2RGB) for p in sorted(Path(folder).glob('*.png'))])")


_IMAGE_MAGIC = {"PNG": b"\x89PNG\r\n\x1a\n", "JPEG": b"\xff\xd8\xff", "BMP": b"BM", "TIFF": b"II*\x00",
                "big-endian TIFF": b"MM\x00*"}
"""The first bytes of still-image files (GIF, which may be animated, is left to OpenCV)."""


def _warn_sideways(size, source: tuple[int, int], path) -> None:
    """Warn when ``size`` (H, W) has the file's aspect turned on its side, as a size given in OpenCV's and PIL's
    ``(W, H)`` order does (``size=(192, 144)`` for a quarter of a 768x576 video): every frame would be squeezed
    into the other orientation, without an error."""
    (H, W), (h, w) = size, source
    if h != w and H != W and abs(H * h - W * w) <= 0.02 * W * w and abs(H * w - W * h) > 0.02 * W * h:
        warnings.warn(f"read_video: size={tuple(size)} is (H, W): frames {H} high and {W} wide, the shape of {path}'s "
                      f"{h}x{w} (H x W) frames turned on its side, so each would be squeezed; if you meant {H} wide "
                      f"and {W} high (the (W, H) order of OpenCV and PIL), pass size=({W}, {H})", UserWarning,
                      stacklevel=3)


def write_video(
    path: str | os.PathLike, frames: np.ndarray, *, fps: float = 10.0, codec: str = "FFV1"
) -> None:
    """Write uint8 frames ``(T, H, W)`` (grey) or ``(T, H, W, 3)`` (RGB) with ``cv2.VideoWriter``.

    The default FFV1 codec in an ``.avi`` container is lossless, so reading the file back gives the same
    pixels (grey frames come back as three equal channels, or exactly with ``grayscale=True``). The file is
    written atomically: to a temporary file beside ``path``, its frame size read back, then renamed onto
    ``path``; a refused write (a codec that would crop odd sizes) leaves an earlier file of that name as it was.
    """
    cv2 = _cv2()
    given = frames
    _refuse_ragged_frames(frames, "write_video")
    frames = np.asarray(frames.detach().cpu() if isinstance(frames, torch.Tensor) else frames)
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or (frames.ndim == 4 and frames.shape[3] != 3):
        raise ValueError(f"frames must be uint8 (T, H, W) or (T, H, W, 3), got {frames.dtype} {frames.shape}"
                         + _uint8_fix(frames, isinstance(given, torch.Tensor)))
    if not (isinstance(codec, str) and len(codec) == 4):  # OpenCV's fourcc: "missing required argument 'c4'"
        raise ValueError(f"codec must be a FourCC code of four characters (e.g. 'FFV1' lossless, 'MJPG', 'mp4v', "
                         f"'avc1' for H.264), got {codec!r}")
    T, H, W = frames.shape[:3]
    if T == 0 or H == 0 or W == 0:
        raise ValueError(f"frames have shape {frames.shape}; a video needs at least one frame of at least 1x1 pixels")
    if codec == "FFV1" and (H % 2 or W % 2):  # FFV1 stores 4:2:0 planes: an odd row or column is dropped
        raise ValueError(f"frames of {H}x{W} pixels: FFV1 keeps only even sizes, so they would come back as "
                         f"{H - H % 2}x{W - W % 2}; crop or pad them to even sizes (e.g. frames[:, :{H - H % 2}, "
                         f":{W - W % 2}])")
    if not (isinstance(fps, int | float | np.integer | np.floating) and not isinstance(fps, bool)
            and np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be a finite number of frames per second > 0, got {fps!r}")
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"cannot write the video {path}: it is a directory; give a file path (e.g. "
                         f"{target / 'video.avi'})")
    if not target.parent.is_dir():  # OpenCV would only fail to open its writer, which reads as a codec problem
        raise ValueError(f"cannot write the video {path}: the directory {target.parent} does not exist; create it "
                         "first (os.makedirs) or choose another path")
    # written to a temporary file beside the target (its suffix kept: OpenCV picks the container by it), checked,
    # then renamed onto it: a refused or failed write leaves a file of that name as it was
    with contextlib.ExitStack() as stack:
        try:
            tmp = stack.enter_context(atomic_path(target, suffix=target.suffix))
        except OSError as e:  # a directory one cannot write to
            raise ValueError(f"cannot write the video {path}: {e.strerror or e} ({target.parent}); choose a "
                             "directory you can write to") from None
        _write_frames(cv2, tmp, frames, fps=fps, codec=codec, path=path)


def _refuse_ragged_frames(frames, who: str) -> None:
    """ValueError for frames given as a list (images read one by one, a phone's stills) of more than one size, or of
    grey beside colour: numpy cannot stack them ("inhomogeneous shape"), and one video has one frame size. For
    `write_video` and `frames_to_tensor`."""
    if not isinstance(frames, list | tuple) or len(frames) < 2:
        return
    shapes = [np.shape(f) for f in frames]
    i = next((i for i, shape in enumerate(shapes) if shape != shapes[0]), None)
    if i is None:
        return

    def size(shape: tuple) -> str:
        kind = {2: "grey", 3: "RGB" if shape[-1:] == (3,) else f"{shape[-1]}-channel"}.get(len(shape), "")
        return f"{shape[0]}x{shape[1]} (H x W) {kind}" if kind else f"of shape {shape}"

    first, other = shapes[0], shapes[i]
    fixes = []
    if {len(first), len(other)} == {2, 3}:
        fixes.append("make them all RGB: [cv2.cvtColor(f, cv2.COLOR_GRAY2RGB) if f.ndim == 2 else f for f in frames]")
    if len(first) in (2, 3) and len(other) in (2, 3) and first[:2] != other[:2]:
        fixes.append(f"resize them to frame 0's size: [cv2.resize(f, ({first[1]}, {first[0]})) for f in frames] "
                     "(OpenCV's (W, H) order)")
    raise ValueError(f"{who}: frame {i} is {size(other)} but frame 0 is {size(first)} ({len(frames)} frames in a "
                     "list), and a video has one frame size, grey or colour throughout; "
                     + (", then ".join(fixes) or "give every frame frame 0's shape"))


def _uint8_fix(frames: np.ndarray, tensor: bool) -> str:
    """How to make ``frames`` what `write_video` writes, uint8 ``(T, H, W[, 3])``: a model's frames as
    `frames_to_tensor` gives them (``(T, C, H, W)`` floats in [0, 1], a tensor) turned back, floats of 0..255
    rounded, bools and 16-bit pixels scaled; empty where the shape says nothing of frames."""
    if frames.ndim not in (3, 4):
        return ""
    steps = ["frames.detach().cpu().numpy()"] if tensor else ["frames"]
    if frames.ndim == 4 and frames.shape[1] in (1, 3, 4) and frames.shape[3] not in (1, 3, 4):  # channels first
        steps.append(".transpose(0, 2, 3, 1)")
        frames = frames.transpose(0, 2, 3, 1)
    if frames.ndim == 4 and frames.shape[3] == 1:  # grey with its channel axis
        steps.append("[..., 0]")
    alpha = ""
    if frames.ndim == 4 and frames.shape[3] == 4:  # RGBA: a PNG's or a screen capture's frames, alpha last
        steps.append("[..., :3]")
        frames = frames[..., :3]
        alpha = (" (RGBA frames, alpha last: a video holds no alpha, and it is no colour; or composite them onto a "
                 "background first)")
    x = "".join(steps)
    kind = frames.dtype.kind
    if frames.dtype == np.uint8:  # of the right dtype: the axes alone were wrong
        how = x
    elif kind == "f":
        high = float(np.nanmax(frames)) if frames.size else 0.0
        unit = high <= 1.5  # a model's frames overshoot [0, 1] a little; pixels of 0..255 far
        scale = f"(np.clip({x}, 0, 1) * 255)" if unit else f"np.clip({x}, 0, 255)"
        how = f"{scale}.round().astype(np.uint8)" + (" (floats in [0, 1], as frames_to_tensor gives them)"
                                                      if unit else " (floats of 0..255)")
    elif kind == "b":
        how = f"{x}.astype(np.uint8) * 255"
    elif frames.dtype == np.uint16:
        how = f"({x} >> 8).astype(np.uint8) (16-bit pixels, their high byte)"
    elif kind in "iu":
        how = f"np.clip({x}, 0, 255).astype(np.uint8)"
    else:
        return ""
    return f"; convert them: {how}{alpha}" if how != "frames" else ""


def _unopened(path, who: str) -> ValueError:
    """The refusal of a file OpenCV cannot open: what stands in for the video where its bytes tell (an empty file,
    a Git LFS pointer, a saved web page), else not a video or a codec this build lacks."""
    if instead := stand_in(path):
        return ValueError(f"{who}: {path} {instead}")
    return ValueError(f"OpenCV cannot open {path}: not a video, or a codec this OpenCV build lacks")


def _write_frames(cv2, tmp: str, frames: np.ndarray, *, fps: float, codec: str, path) -> None:
    """Write checked frames to ``tmp`` and read its frame size back; ValueError (naming ``path``, the user's
    file) for a codec OpenCV cannot open or one that stored another size."""
    T, H, W = frames.shape[:3]
    color = frames.ndim == 4
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*codec), fps, (W, H), isColor=color)
    if not writer.isOpened():
        raise ValueError(f"OpenCV cannot write {path} with codec {codec!r}; try codec='MJPG' or an .avi path")
    try:
        for f in frames:
            writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR) if color else f)
    finally:
        writer.release()
    cap = cv2.VideoCapture(tmp)  # other codecs (MJPG, mp4v) store 4:2:0 too, and OpenCV crops without a word
    try:
        h, w = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)), int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    finally:
        cap.release()
    if (h, w) != (H, W) and h and w:
        raise ValueError(f"frames of {H}x{W} pixels: codec {codec!r} wrote them as {h}x{w} (it keeps only even "
                         f"sizes), so {path} was not written (a file of that name is left as it was); crop or pad "
                         f"them to even sizes (e.g. frames[:, :{H - H % 2}, :{W - W % 2}])")


def frames_to_tensor(frames: np.ndarray | torch.Tensor) -> torch.Tensor:
    """Channels-last frames ``(T, H, W)`` or ``(T, H, W, C)`` -> float32 ``(T, C, H, W)`` in [0, 1].

    uint8 is divided by 255, uint16 by 65535, bool read as 0 / 1; float frames must already be in [0, 1] and
    are kept as they are. A list of PIL images is read as ``np.asarray`` reads it; images of a palette (GIF frames)
    or of other colour spaces (CMYK, YCbCr), and images of several modes or sizes, are refused: ``.convert('RGB')``
    them. A 3-D array whose last axis has 3
    or 4 entries is one colour image ``(H, W, C)``, not grey frames 3 or 4 pixels wide, and is refused (pass
    ``frames[None]``); so is a 4-D array whose last two axes are alike and more than 4, a batch of grey clips
    ``(B, T, H, W)`` of square frames, which would be read as ``W`` channels (multispectral frames of fewer bands
    than pixels pass), and one of 1, 3 or 4 entries on its third axis and more on its last, MATLAB's time-last
    ``(H, W, C, T)``. Other dtypes, and float values outside
    [0, 1], are a ValueError (a scale guessed wrong would be silent).
    """
    _refuse_pil_modes(frames)
    if isinstance(frames, list | tuple) and frames and not hasattr(frames[0], "getpalette"):
        _refuse_ragged_frames(frames, "frames_to_tensor")  # numpy's "inhomogeneous shape" otherwise
    a = frames.detach().cpu().numpy() if isinstance(frames, torch.Tensor) else np.asarray(frames)
    if a.ndim not in (3, 4):
        raise ValueError(f"frames must be (T, H, W) or (T, H, W, C), got shape {a.shape}"
                         + ("; for a single frame pass frames[None]" if a.ndim == 2 else ""))
    if a.ndim == 3 and a.shape[2] in (3, 4) and min(a.shape[:2]) > 4:  # cv2.imread's (H, W, 3), or a PIL image
        raise ValueError(f"frames of shape {a.shape} look like one colour image (H, W, C), which would be read as "
                         f"{a.shape[0]} grey frames of {a.shape[1]}x{a.shape[2]} pixels; frames_to_tensor takes a "
                         f"sequence: for one frame pass frames[None] (1, H, W, C), for several stack them (T, H, W, C)")
    move = "permute" if isinstance(frames, torch.Tensor) else "transpose"  # a tensor's transpose swaps two axes
    if a.ndim == 4 and a.shape[3] not in (1, 3, 4) and a.shape[1] in (1, 3, 4):
        raise ValueError(f"frames of shape {a.shape} look channels-first (T, C, H, W); frames_to_tensor takes "
                         f"channels last (T, H, W, C): pass frames.{move}(0, 2, 3, 1)")
    if a.ndim == 4 and a.shape[2] in (1, 3, 4) and a.shape[3] > 4 and min(a.shape[:2]) > 4:
        # MATLAB's layout (scipy.io.loadmat of a video, VideoReader's read): time last, (H, W, C, T); read as it
        # stands, each image row would be a frame of W x C pixels in T channels
        raise ValueError(f"frames of shape {a.shape} look like (H, W, C, T), time last, as MATLAB and scipy.io.loadmat "
                         f"give a video ({a.shape[3]} frames of {a.shape[0]}x{a.shape[1]} pixels in {a.shape[2]} "
                         f"channel(s)), which would be read as {a.shape[0]} frames of {a.shape[1]}x{a.shape[2]} pixels "
                         f"in {a.shape[3]} channels; frames_to_tensor takes time first (T, H, W, C): pass "
                         f"frames.{move}(3, 0, 1, 2) (for grey (H, W, T) frames, frames.{move}(2, 0, 1))")
    if a.ndim == 4 and a.shape[3] > 4 and a.shape[2] == a.shape[3]:  # np.stack of grey clips: moving_digits' frames
        raise ValueError(f"frames of shape {a.shape} look like a batch of grey clips (B, T, H, W): their last two axes "
                         f"are alike, as frames of {a.shape[2]}x{a.shape[3]} pixels are, and would be read as "
                         f"{a.shape[0]} frames of {a.shape[1]}x{a.shape[2]} pixels in {a.shape[3]} channels; "
                         "frames_to_tensor takes one clip: torch.stack([frames_to_tensor(clip) for clip in clips]) "
                         "gives (B, T, 1, H, W)")
    scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0, np.dtype(bool): 1.0}.get(a.dtype)
    if scale is None:
        if a.dtype.kind != "f":
            lo, hi = (int(a.min()), int(a.max())) if a.size and a.dtype.kind in "iu" else (0, -1)
            cast = "frames.to(torch.uint8)" if isinstance(frames, torch.Tensor) else "frames.astype(np.uint8)"
            fix = (f"; they hold {lo}..{hi}: pass {cast} (pixels made wider for arithmetic?)"
                   if 0 <= lo <= hi <= 255 else "")
            raise ValueError(f"frames of dtype {a.dtype}: expected uint8 (0..255), uint16, bool, or floats in [0, "
                             f"1]{fix}")
        if a.size and not (np.isfinite(a).all() and a.min() >= 0 and a.max() <= 1):
            lo, hi = np.nanmin(a), np.nanmax(a)
            fix = ("pass (frames + 1) / 2 for frames normalised to [-1, 1]" if -1 <= lo < 0 and 0 < hi <= 1 else
                   "divide by 255 for 0..255 values, or convert to uint8")
            raise ValueError(f"float frames must hold values in [0, 1], got [{lo}, {hi}]"
                             f"{' and NaN or infinity' if not np.isfinite(a).all() else ''}; {fix}")
        scale = 1.0
    if a.dtype == np.uint16:
        _warn_shallow_words(a, frames)
    x = torch.from_numpy(np.ascontiguousarray(a).astype(np.float32)) / scale
    return x[:, None] if x.dim() == 3 else x.permute(0, 3, 1, 2).contiguous()


def _warn_shallow_words(a: np.ndarray, frames) -> None:
    """Warn of uint16 frames that use only their low 8, 10 or 12 bits: 8-bit pixels made wider
    (``frames.astype(np.uint16)`` for arithmetic) or a 10- / 12-bit camera's raw values in 16-bit words, which read
    over 65535 are 257, 64 or 16 times too dark beside any other clip. A truly 16-bit clip that dark (its brightest
    pixel under 1/16 of full scale) is rare, hence a warning, not an error; a black clip says nothing."""
    peak = int(a.max()) if a.size else 0
    if not 0 < peak < 4096:
        return
    bits = next(b for b in (8, 10, 12) if peak < 2**b)
    tensor = isinstance(frames, torch.Tensor)
    fix = (("frames.to(torch.uint8)" if tensor else "frames.astype(np.uint8)") if bits == 8 else
           f"frames / {2**bits - 1} (floats in [0, 1])")
    warnings.warn(f"frames_to_tensor: these uint16 frames go up to {peak} of 65535, using {bits} of their 16 bits: "
                  f"{'8-bit pixels made wider (astype(np.uint16))' if bits == 8 else f'a {bits}-bit camera'}"
                  f"'s values? read over 65535 they are {65535 / (2**bits - 1):.0f} times too dark; pass {fix}; a "
                  "16-bit clip this dark is read right as it is (pass frames / 65535 to say so)",
                  UserWarning, stacklevel=3)


_PIL_NOT_RGB = {"P": "palette: each pixel an index into the image's colour table, as PIL opens GIF and some PNG "
                     "frames", "PA": "palette with alpha: each pixel an index into the image's colour table",
                "CMYK": "cyan, magenta, yellow and black ink", "YCbCr": "luma and chroma", "LAB": "L*a*b*",
                "HSV": "hue, saturation and value"}
"""PIL image modes whose numbers are no grey levels nor RGB (``np.asarray`` of such an image gives them as they are)."""


def _refuse_pil_modes(frames) -> None:
    """Refuse PIL images whose pixel numbers are not grey levels or RGB: a palette frame's indices (GIF frames from
    ``ImageSequence.Iterator``) would be read as grey levels, CMYK's inks as RGBA, without an error."""
    images = [frames] if hasattr(frames, "getpalette") else frames if isinstance(frames, list | tuple) else ()
    for t, im in enumerate(images):
        mode = getattr(im, "mode", None) if hasattr(im, "getpalette") else None
        if mode in _PIL_NOT_RGB:
            one = images[0] is frames
            fix = ("frames_to_tensor(np.asarray(im.convert('RGB'))[None]) (one frame)" if one else
                   "frames_to_tensor([im.convert('RGB') for im in frames])")
            raise ValueError(f"frames_to_tensor: {'the frame' if one else f'frame {t}'} is a PIL image of mode "
                             f"{mode!r} ({_PIL_NOT_RGB[mode]}), whose numbers would be read as grey levels or RGB; "
                             f"convert it first: {fix} (or .convert('L') for grey)")
    kinds = [(im.mode, im.size) for im in images if hasattr(im, "getpalette")]
    if len(set(kinds)) > 1:  # numpy's "inhomogeneous shape" otherwise
        t = next(t for t, kind in enumerate(kinds) if kind != kinds[0])
        raise ValueError(f"frames_to_tensor: frame 0 is a PIL image of mode {kinds[0][0]!r} and {kinds[0][1][0]}x"
                         f"{kinds[0][1][1]} pixels (W x H), frame {t} of mode {kinds[t][0]!r} and {kinds[t][1][0]}x"
                         f"{kinds[t][1][1]}; frames of one clip need one mode and size: frames_to_tensor([im.convert("
                         "'RGB') for im in frames]) (and .resize((W, H)) for frames of other sizes)")


class FrameEncoder(nn.Module):
    """A small CNN embedding each frame: ``(B, T, C, H, W) -> (B, T, E)``, or ``(T, C, H, W) -> (T, E)``.

    Three 3x3 convolutions with stride 2 and ReLU (``width``, ``2 width``, ``4 width`` channels), global
    average pooling, then a linear map to ``E``. Any ``H, W`` works; frames are processed as one batch of
    ``B * T`` images, so the time loop of the recurrent layer sees only ``(B, T, E)``.
    """

    def __init__(self, embed_dim: int, *, in_channels: int = 1, width: int = 16):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
            nn.Linear(4 * width, embed_dim),
        )

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        channels = self.net[0].in_channels
        if frames.dim() < 4 or frames.shape[-3] != channels:
            raise ValueError(f"FrameEncoder(in_channels={channels}) takes frames (B, T, {channels}, H, W) or "
                             f"(T, {channels}, H, W), got shape {tuple(frames.shape)}; "
                             + _frames_fix(frames, channels))
        if not frames.is_floating_point():  # uint8 pixels would meet float weights in torch's convolution
            raise ValueError(f"FrameEncoder takes float frames in [0, 1], got dtype {frames.dtype}; convert the "
                             "frames with frames_to_tensor(frames) (uint8 / 255, channels first)")
        if not torch.compiler.is_compiling():  # a data-dependent branch would break the compiled graph
            _refuse_pixel_scale(frames)
        lead = frames.shape[:-3]  # (B, T) or (T,)
        e = self.net(frames.reshape(-1, *frames.shape[-3:]))  # (B*T, E)
        return e.reshape(*lead, e.shape[-1])


def _refuse_pixel_scale(frames: torch.Tensor) -> None:
    """ValueError for float frames of no negative value that reach beyond 1.5: pixels of 0..255 (or 0..65535) made
    float without the division (``torch.from_numpy(frames).float()``), which an encoder trained on `frames_to_tensor`'s
    [0, 1] reads as a scene 255 times brighter, without an error. Frames standardised per channel hold negative
    values, and pass."""
    if not frames.numel():
        return
    low, high = (float(v) for v in torch.aminmax(frames.detach()))
    if low >= 0 and high > 1.5:
        full = 65535 if high > 255 else 255
        raise ValueError(f"FrameEncoder takes float frames in [0, 1], got values from {low:g} to {high:g}: pixels of "
                         f"0..{full} made float without the division? divide them by {full} (or give the integer "
                         "frames to frames_to_tensor, which does)")


def _frames_fix(frames: torch.Tensor, channels: int) -> str:
    """The fix named by `FrameEncoder`'s refusal of frames of another shape: RGBA frames' alpha dropped; frames
    channels last (``(..., H, W, C)``, as numpy, OpenCV and torchvision's ``read_video`` hold them) permuted; grey
    frames without a channel axis (``(B, T, H, W)``) given one; else the encoder built for the frames' channels.
    Advice to build it with ``in_channels`` set to a width or a height would feed pixels to it as colours."""
    shape, d = frames.shape, frames.dim()
    if channels == 3 and d >= 4 and shape[-3] == 4:
        return ("RGBA frames (a PNG's or a screen capture's, alpha last)? the alpha is no colour: drop it before "
                "frames_to_tensor (frames[..., :3] of (T, H, W, 4) frames; of PIL images, im.convert('RGB')), or "
                "composite the frames onto a background first")
    if d >= 4 and shape[-1] in (channels, 1, 3, 4) and min(shape[-3], shape[-2]) > 4:  # the width read as channels
        c = shape[-1]
        order = ", ".join(map(str, [*range(d - 3), d - 1, d - 3, d - 2]))
        build = "" if c == channels else f", and an encoder of in_channels={c}"
        return (f"channels last (..., H, W, {c}), as numpy, OpenCV and torchvision's read_video hold them? pass "
                f"frames.permute({order}){build} (frames_to_tensor makes one clip's uint8 or [0, 1] frames (T, C, H, "
                "W))")
    if d in (3, 4) and min(shape[-3], shape[-2], shape[-1]) > 4:  # (B, T, H, W) or (T, H, W): no channel axis
        build = "" if channels == 1 else ", and an encoder of in_channels=1"
        return (f"grey frames without their channel axis? give them one: frames.unsqueeze(-3){build} "
                "(frames_to_tensor gives (T, 1, H, W) for (T, H, W) frames)")
    return "build it with in_channels=C for C-channel frames (frames_to_tensor gives (T, C, H, W))"


@torch.no_grad()
def embed_frames(encoder: nn.Module, frames: torch.Tensor, *, chunk_size: int = 256) -> torch.Tensor:
    """Run ``encoder`` over frames ``(T, C, H, W)`` in chunks of ``chunk_size`` frames -> ``(T, E)``.

    For precomputing features of long videos with a frozen encoder; it uses ``eval()`` mode and no grad.
    """
    if not is_count(chunk_size):  # 0: range()'s error; negative: no chunk, torch.cat's error; 2.5: a TypeError
        raise ValueError(f"embed_frames: chunk_size must be an integer >= 1 (frames per forward pass), got "
                         f"{chunk_size!r}")
    if not isinstance(frames, torch.Tensor):  # read_video's uint8 (T, H, W[, 3]): "no attribute 'dim'" in the encoder
        got = (f"a numpy array of {frames.dtype} {frames.shape}" if isinstance(frames, np.ndarray)
               else f"a {type(frames).__name__}")
        raise ValueError(f"embed_frames takes frames as a tensor (T, C, H, W) of floats in [0, 1], got {got} "
                         "(read_video's frames?); convert them first: embed_frames(encoder, frames_to_tensor(frames))")
    was_training = encoder.training
    encoder.eval()
    try:
        return torch.cat([encoder(frames[i : i + chunk_size]) for i in range(0, len(frames), chunk_size)])
    finally:
        encoder.train(was_training)


class MovingDigits(NamedTuple):
    """Output of `moving_digits`."""

    frames: np.ndarray  # (T, S, S) uint8
    positions: np.ndarray  # (T, n, 2) int64, (row, col) of each digit's top-left corner
    digits: np.ndarray  # (n,) int64


def digit_glyph(digit: int, size: int) -> np.ndarray:
    """A white digit on black, ``(size, size)`` uint8, drawn with OpenCV's Hershey simplex font."""
    cv2 = _cv2()
    scale = size / 30.0
    thickness = max(1, round(size / 10))
    (w, h), _ = cv2.getTextSize(str(digit), cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    img = np.zeros((size, size), np.uint8)
    cv2.putText(img, str(digit), ((size - w) // 2, (size + h) // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, 255,
                thickness, cv2.LINE_AA)
    return img


def moving_digits(
    n_frames: int,
    *,
    size: int = 64,
    n_digits: int = 2,
    digit_size: int = 28,
    speed: tuple[float, float] = (2.0, 4.0),
    seed: int | np.random.Generator = 0,
) -> MovingDigits:
    """Synthetic video of ``n_digits`` random digits bouncing inside a ``size x size`` frame.

    Each digit starts at a uniform position with a uniform direction and a speed in ``speed`` pixels per
    frame, moves in a straight line and reflects off the borders. Overlaps are combined with ``max``.
    Positions are returned, so a model can be checked against the true motion.
    """
    for name, value in (("n_frames", n_frames), ("size", size), ("n_digits", n_digits), ("digit_size", digit_size)):
        if not is_count(value):  # 0 frames or digits: an empty or blank video, without a word
            raise ValueError(f"moving_digits: {name} must be an integer >= 1, got {value!r}")
    if not (isinstance(speed, tuple | list) and len(speed) == 2 and all(is_finite_number(v) for v in speed)
            and 0 <= speed[0] <= speed[1]):
        raise ValueError(f"moving_digits: speed must be (low, high) pixels per frame with 0 <= low <= high, got "
                         f"{speed!r}")
    rng = np.random.default_rng(seed)
    room = size - digit_size
    if room <= 0:
        raise ValueError(f"digit_size={digit_size} must be smaller than size={size}")
    digits = rng.integers(0, 10, n_digits)
    glyphs = [digit_glyph(int(d), digit_size) for d in digits]
    pos = rng.uniform(0, room, (n_digits, 2))
    angle = rng.uniform(0, 2 * np.pi, n_digits)
    vel = rng.uniform(*speed, n_digits)[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    frames = np.zeros((n_frames, size, size), np.uint8)
    positions = np.zeros((n_frames, n_digits, 2), np.int64)
    for t in range(n_frames):
        for j, g in enumerate(glyphs):
            r, c = np.clip(np.rint(pos[j]).astype(np.int64), 0, room)
            positions[t, j] = r, c
            np.maximum(frames[t, r : r + digit_size, c : c + digit_size], g,
                       out=frames[t, r : r + digit_size, c : c + digit_size])
        pos += vel
        for axis in range(2):  # reflect off the walls: position folds back, velocity flips
            low, high = pos[:, axis] < 0, pos[:, axis] > room
            pos[low, axis] = -pos[low, axis]
            pos[high, axis] = 2 * room - pos[high, axis]
            vel[low | high, axis] *= -1
    return MovingDigits(frames, positions, digits.astype(np.int64))


def _check_one_rate(files: list[Path], rates: list[float]) -> None:
    """Refuse videos whose frame rates differ by a factor of 1.5 or more (25 and 50 fps): a step would be another
    duration in each, and motion per step twice as fast in one, without a word. Rates closer together (24, 25, 30
    fps, as collections of clips mix them) pass, and so do containers that give no rate (0) or a time base for one
    (1000: some WebM files)."""
    known = [(r, f) for r, f in zip(rates, files, strict=True) if math.isfinite(r) and 0 < r < 1000]
    if len(known) < 2:
        return
    (low, a), (high, b) = min(known, key=lambda rf: rf[0]), max(known, key=lambda rf: rf[0])
    if high >= 1.5 * low:
        raise ValueError(f"VideoDataset: {a} runs at {low:g} fps and {b} at {high:g} fps, so a step would be 1/{low:g} "
                         f"s of the one and 1/{high:g} s of the other, and motion per step {high / low:.2g} times as "
                         "fast in one as in the other, without a word; give the files one frame rate (e.g. ffmpeg -i "
                         f"in.mp4 -r {low:g} out.avi), or a dataset per rate with steps that match: ConcatDataset(["
                         f"VideoDataset(files_at_{low:g}, labels, step=1), VideoDataset(files_at_{high:g}, labels, "
                         f"step={round(high / low)})])")


def _warn_stills(files: list[Path], listed: list[int]) -> None:
    """Warn of files whose container lists one frame beside files of many (a median of 8 or more): a still (a poster
    or thumbnail frame exported as a clip) or a recording stopped after its first frame, an item of one step with no
    motion in it, read as a clip without a word. Containers that list no count (0) are not compared. The rule: the
    one-frame files are a few among the files with a count (at most a quarter of them: more are a set of stills and
    clips meant together), and the files' median count is 8 or more (clips of 2 or 3 frames beside one-frame ones
    are short clips, of which one frame is the shortest)."""
    known = [n for n in listed if n > 0]
    stills = [k for k, n in enumerate(listed) if n == 1]
    if not stills or len(stills) * 4 > len(known) or (median := np.median(known)) < 8:
        return
    k = stills[0]
    warnings.warn(f"VideoDataset: file {k} ({files[k]}) holds 1 frame, where the files hold a median of "
                  f"{median:g} ({len(stills)} file(s) of 1 frame): a still (a poster or thumbnail frame "
                  "exported as a clip) or a recording stopped after its first frame, an item of one step with no "
                  "motion in it; drop it from the files, or, if one-frame clips are meant, silence this with "
                  "warnings.filterwarnings('ignore', '.*holds 1 frame, where')", UserWarning, stacklevel=3)


def _warn_two_orientations(files: list[Path], shapes: list[tuple[int, int]], size: tuple[int, int]) -> None:
    """Warn of files whose frames stand in two orientations (a phone's portrait clips beside landscape ones) resized
    to one ``size``: the one or the other is squeezed, so that a shape or a motion differs in width between them by
    the ratio of their aspects (16:9 and 9:16: 3.2 times), without an error. Aspects on both sides of square and a
    factor of 1.5 or more apart; 4:3 beside 16:9 passes."""
    known = [(w / h, f, (h, w)) for f, (h, w) in zip(files, shapes, strict=True) if h > 0 and w > 0]
    if not known:
        return
    (tall, a, ha), (wide, b, hb) = min(known, key=lambda k: k[0]), max(known, key=lambda k: k[0])
    if tall < 1 < wide and wide >= 1.5 * tall:
        warnings.warn(f"VideoDataset: {a} has {ha[0]}x{ha[1]} (H x W) frames, standing, and {b} {hb[0]}x{hb[1]}, "
                      f"lying, and size={tuple(size)} resizes both to {size[0]}x{size[1]}, so the one or the other is "
                      f"squeezed: a shape or a motion {wide / tall:.2g} times as wide, relative to its height, in the "
                      "one as in the other; give the clips one orientation (rotate or crop them, e.g. ffmpeg -i in.mp4 "
                      "-vf transpose=1 out.avi for a clip filmed on its side, or -vf crop=ih*9/16:ih for a standing "
                      "crop), or a dataset per orientation", UserWarning, stacklevel=3)


class VideoDataset(Dataset):
    """Video files as ``(frames (T, C, H, W) float32 in [0, 1], label int64)`` items, decoded on access.

    ``lengths`` come from each container's frame count (``CAP_PROP_FRAME_COUNT``, after ``step`` and
    ``max_frames``); some containers only estimate it, so treat it as a bucketing hint. A file cut short is refused
    here, as `read_video` refuses it, found by one seek to the last frame reading needs and one decoded frame
    (not by decoding every video: that is a GOP per file, not the whole file). The true ``T`` of
    an item is what `pad_collate` records. ``size=None`` keeps the files' frame size, which must then be one size.
    Files whose frame rates differ by a factor of 1.5 or more (25 and 50 fps) are refused: a step would last another
    time in each; 24, 25 and 30 fps pass. Files of two orientations (portrait clips beside landscape ones) resized
    to one ``size`` are warned of: the one or the other is squeezed. ``labels`` keyed by the files (a dict, or a
    Series indexed by their paths, names or names without the extension) give each file its own key's label.
    """

    def __init__(
        self,
        files: Sequence[str | os.PathLike],
        labels: Sequence[int],
        *,
        size: tuple[int, int] = (64, 64),
        grayscale: bool = True,
        max_frames: int | None = None,
        step: int = 1,
    ):
        labels = labels_by_file(files, labels, "VideoDataset")  # a dict or Series keyed by the files
        check_file_list(files, labels, "VideoDataset", "*.avi")
        check_aligned(files, labels, "files")  # a Series of paths and one of labels, read by position
        if len(files) != len(labels):
            raise ValueError(f"got {len(files)} files but {len(labels)} labels; need one label per file")
        _check_options(size, max_frames, step)
        check_flags(grayscale=grayscale)
        if len(files) == 0:
            raise ValueError(f"VideoDataset: no video files given {EMPTY_DATASET}")
        self.files = [Path(f) for f in files]
        self.labels = _label_ids(labels, "VideoDataset")
        self.options = dict(size=size, grayscale=grayscale, max_frames=max_frames, step=step)
        lengths, rates, shapes, listings, first = [], [], [], [], None
        cv2 = _cv2()
        for f in self.files:
            _check_file(f)
            cap = cv2.VideoCapture(str(f))
            if not cap.isOpened():
                raise _unopened(f, "VideoDataset")
            listed = int(max(cap.get(cv2.CAP_PROP_FRAME_COUNT), 0))
            listings.append(listed)
            rates.append(cap.get(cv2.CAP_PROP_FPS))
            # a container that does not record its frame count says 0 (or less): a hint of 1 keeps it batchable
            n = max(1, -(-listed // step))
            hw = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)), int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
            shapes.append(hw)
            last = listed - max(2, listed // 100) - 1  # the last frame read_video needs (its shortfall let pass)
            if (max_frames is None or max_frames * step > last) and last > 0:
                # one seek and one frame, not the whole file: a file cut short fails here as read_video would
                cut = not (cap.set(cv2.CAP_PROP_POS_FRAMES, last) and cap.read()[0])
            else:
                cut = False
                if not cap.read()[0]:  # a video of no frame would be refused by the item, in the middle of an epoch
                    cap.release()
                    raise _no_frame(f, listed, "VideoDataset")
            cap.release()
            if cut:
                raise ValueError(f"{f}: its container lists {listed} frames, but frame {last} cannot be decoded (a "
                                 "file cut short, or frames lost to damage), so its length would be wrong and reading "
                                 "it would fail; fetch or copy the file again, or re-encode the frames that decode "
                                 "(e.g. ffmpeg -i in.avi -c:v ffv1 out.avi) to read them as they are")
            lengths.append(n if max_frames is None else min(n, max_frames))
            first = first or (f, hw)
            if size is None and hw != first[1]:  # frames of two sizes cannot be batched
                raise ValueError(f"size=None keeps each file's frame size, but {first[0]} has {first[1][0]}x"
                                 f"{first[1][1]} (H x W) frames and {f} {hw[0]}x{hw[1]}, which cannot be batched "
                                 f"together; pass size=(H, W) to resize every frame to one size (e.g. "
                                 f"size={first[1]})")
        _check_one_rate(self.files, rates)
        _warn_stills(self.files, listings)
        if size is not None:
            _warn_two_orientations(self.files, shapes, size)
        self.lengths = np.asarray(lengths, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return frames_to_tensor(read_video(self.files[i], **self.options)), self.labels[i]
