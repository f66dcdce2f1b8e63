"""Surveillance: predict the next frame of a hall camera, the basis of motion and anomaly detection.

Data: OpenCV's sample video ``vtest.avi`` (people walking through a hall, fixed camera, 768 x 576, 10 fps,
795 frames), read grey and downscaled with ``cv2.INTER_AREA`` to 64 x 48 pixels (W x H; quick: 32 x 24, the
first 300 frames), values in [0, 1]. :func:`find_video` looks for it; ``bash scripts/fetch_vtest.sh``
fetches it (from the Debian package ``opencv-doc``); the recipe never downloads anything itself.

Split by time (:func:`rnnkit.data.split_by_time`): the last 15 % of the frames (rounded) test, the 15 % before
them validate, the rest (about 70 %) trains; contiguous and disjoint. A sample is a clip of ``context + 1 = 11``
frames lying wholly inside one segment: 10 frames in, the next one to predict. Every model is scored on the same
test targets.

==============  ==============================================================================================
model           what it is
==============  ==============================================================================================
``convlstm``    :class:`NextFramePredictor`: one :class:`rnnkit.ConvLSTMCell` layer (``Hc`` channels, 3 x 3
                kernels) unrolled by :class:`rnnkit.Recurrent` over the frames and their differences, and a
                1 x 1 convolution that predicts the *change* ``x_{t+1} - x_t``; it starts as copy-last-frame
``copy_last``   ``x̂_{t+1} = x_t``: the scene is mostly static (the baseline of ``DATASETS.md``)
``linear``      ``x̂_{t+1} = clip(2 x_t - x_{t-1}, 0, 1)``: constant brightness change per pixel
==============  ==============================================================================================

Training: the library's loop (:class:`NextFrameModule`, a :class:`~rnnkit.training.SequenceModule` trained by
:func:`~rnnkit.training.seeded_fit`): MSE of the prediction at every step of the clip (10 predictions per
clip), Adam, gradient norm clipped at 1 (Pascanu et al. 2013), the non-finite guard, batch 8, a fixed number
of epochs; the weights of the epoch with the lowest validation MSE (the prediction after each whole validation
clip, clipped to [0, 1] as at test time) are kept.

Metrics, on the test targets (the prediction after the full 10-frame context), each model against each
baseline:

- ``mse`` over all pixels, and ``psnr``: the mean over frames of ``10 log10(1 / MSE_frame)`` (peak 1);
- ``moving_mse`` over the *moving pixels*, where ``|x_{t+1} - x_t| > 0.05`` (13 grey levels), pooled over
  the test frames, and ``moving_psnr`` from it. Most of the hall is static and dominates the plain MSE. The
  mask is defined by the true change, so on it copy-last-frame's squared error is at least ``0.05²`` by
  construction: it measures how well a model predicts where something moved, not a fair all-round score.

Activity / anomaly score: each test frame's prediction MSE (``scores``), against the share of its moving
pixels, and their correlation over the test frames (None, said why in the report, where it is undefined: fewer
than 3 test frames, or a constant series); ``activity.png`` plots both over time.

With ``out`` (:func:`rnnkit.report.write_report`): ``report.json``, ``report.md``, ``report.html`` (the table,
the settings, the machine, the activity plot embedded) and ``activity.png``.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor, nn
from torch.nn import functional as F

from ..cells import ConvLSTMCell
from ..cells.base import State
from ..checks import is_count
from ..data import split_by_time
from ..data.video import frames_to_tensor, read_video
from ..layers import Recurrent
from ..report import machine, write_report
from ..training import RestoreBestWeights, SequenceDataModule, SequenceDataset, SequenceModule, seeded_fit
from . import check_epochs, check_run_arguments

VIDEO_ENV = "RNNKIT_VTEST"
LOCAL_COPY = Path("data") / "vtest.avi"  # where scripts/fetch_vtest.sh puts it, relative to the current directory
SYSTEM_COPY = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")  # with the opencv-doc package installed
MODEL_NAMES = {"convlstm": "ConvLSTM", "copy_last": "copy last frame", "linear": "linear extrapolation"}
# full: about 5 minutes on 2 shared CPU cores; quick: a coarser image, the first 300 frames and a tiny model, seconds
FULL = {"size": (48, 64), "max_frames": None, "hidden_channels": 16, "epochs": 8, "lr": 3e-3}
QUICK = {"size": (24, 32), "max_frames": 300, "hidden_channels": 4, "epochs": 6, "lr": 1e-2}
SHARED = {"context": 10, "kernel_size": 3, "batch_size": 8, "clip_grad_norm": 1.0, "motion_threshold": 0.05,
          "val_fraction": 0.15, "test_fraction": 0.15}
VTEST_FPS = 10.0  # vtest.avi's frame rate, for which the context and the motion threshold are set
FPS_RATIO = 1.25  # a video more than this factor faster or slower than VTEST_FPS is warned of (8 and 12.5 fps pass)
PARTS = ("train", "validation", "test")  # the names of split_by_time's parts in the results


def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Train the ConvLSTM and score it beside the baselines on the hall video; see the module docstring.

    Returns ``{"recipe", "task", "data", "settings", "models", "scores", "machine"}``. Each entry of ``models``
    has ``name``, ``kind`` (``"rnn"`` or ``"baseline"``), ``mse``, ``psnr``, ``moving_mse``, ``moving_psnr``,
    ``vs_copy_last`` and ``vs_linear`` (its ``mse`` and ``moving_mse`` as a ratio to that baseline's),
    ``train_seconds``. Raises ValueError for a bad argument, FileNotFoundError without the video.
    """
    out = check_run_arguments("surveillance", quick, seed, out, log)  # "~/runs" as a shell reads it
    budget = {**(QUICK if quick else FULL), **SHARED}
    path = find_video()
    fps = video_fps(path)  # read once: warned of here, stated in the report
    check_frame_rate(path, fps, budget["context"])
    frames = load_frames(path, size=budget["size"], max_frames=budget["max_frames"])  # (T, 1, H, W)
    context = budget["context"]
    segments = split_frames(len(frames), budget)
    short = next((name for name, segment in segments.items() if len(segment) <= context), None)
    if short is not None:  # named for the user's own video: how many frames it has, and how many it needs
        least = frames_for(1, budget)
        raise ValueError(f"{path}: {len(frames)} frames, whose {short} part (frames {segments[short].start}.."
                         f"{segments[short].stop - 1}, split by time) holds {len(segments[short])}, fewer than one "
                         f"clip of {context + 1} ({context} in, the next to predict); give a video of at least "
                         f"{least} frames")
    data = {name: clips(frames, segment, context) for name, segment in segments.items()}
    log(f"{path}: {len(frames)} frames of {budget['size'][1]} x {budget['size'][0]}; clips: "
        + ", ".join(f"{name} {len(c)}" for name, c in data.items()))

    build = lambda: NextFramePredictor(budget["hidden_channels"], budget["size"], kernel_size=budget["kernel_size"])
    model, history, train_seconds = fit(build, data["train"], data["validation"], epochs=budget["epochs"],
                                        lr=budget["lr"], batch_size=budget["batch_size"],
                                        clip_grad_norm=budget["clip_grad_norm"], seed=seed, log=log)

    test = data["test"]
    target = test[:, context]  # (N, 1, H, W)
    predicted = {"convlstm": predict(model, test[:, :context]), "copy_last": test[:, context - 1],
                 "linear": (2 * test[:, context - 1] - test[:, context - 2]).clamp(0, 1)}
    moving = (target - test[:, context - 1]).abs() > budget["motion_threshold"]  # (N, 1, H, W)
    models = {key: {"name": MODEL_NAMES[key], "kind": "rnn" if key == "convlstm" else "baseline",
                    **frame_metrics(p, target, moving), "train_seconds": train_seconds if key == "convlstm" else 0.0}
              for key, p in predicted.items()}
    for r in models.values():
        for base in ("copy_last", "linear"):
            r[f"vs_{base}"] = {k: r[k] / models[base][k] for k in ("mse", "moving_mse")}
        log(f"{r['name']}: test MSE {r['mse']:.3g}, PSNR {r['psnr']:.2f} dB; moving pixels MSE "
            f"{r['moving_mse']:.3g} ({r['vs_copy_last']['moving_mse']:.2f} x copy-last)")

    first_target = segments["test"].start + context
    error = ((predicted["convlstm"] - target) ** 2).mean((1, 2, 3))  # (N,)
    results = {
        "recipe": "surveillance",
        "task": "next-frame prediction on " + ("a fixed hall camera (OpenCV's vtest.avi)"
                                               if Path(path).name == "vtest.avi" else Path(path).name),
        "data": {"name": Path(path).name, "path": str(path), "frames": len(frames), "height": budget["size"][0],
                 "width": budget["size"][1], "fps": fps,
                 "split": {name: [s.start, s.stop] for name, s in segments.items()},
                 "clips": {name: len(c) for name, c in data.items()},
                 "moving_pixel_share": float(moving.float().mean())},
        "settings": {"quick": quick, "seed": seed, **{k: list(v) if isinstance(v, tuple) else v
                                                       for k, v in budget.items()},
                     "optimizer": "Adam", "input": "frame and its difference from the previous one (2 channels)",
                     "output": "change from the last frame (x_{t+1} - x_t), clipped to [0, 1] as a frame",
                     "best_epoch": history["best_epoch"], "validation_mse": history["validation_mse"],
                     "train_mse": history["train_mse"]},
        "models": models,
        "scores": {"first_frame": first_target, "convlstm_mse": error.tolist(),
                   "copy_last_mse": ((predicted["copy_last"] - target) ** 2).mean((1, 2, 3)).tolist(),
                   "moving_share": moving.float().mean((1, 2, 3)).tolist(),
                   "correlation_with_moving_share": _correlation(error, moving.float().mean((1, 2, 3)))},
        "machine": machine("cpu"),
    }
    if out is not None:
        fps = results["data"]["fps"]
        video = Path(path).name + (f" ({fps:g} fps)" if fps is not None else "")
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     figures={"activity": activity_figure(results["scores"], video=video)},
                     machine_info=results["machine"])
    return results


# -- data ----------------------------------------------------------------------------------------------------
def find_video() -> Path:
    """``$RNNKIT_VTEST`` if set (it must exist), else ``data/vtest.avi`` under the current directory, else the
    opencv-doc package's copy. Raises FileNotFoundError naming ``scripts/fetch_vtest.sh`` otherwise."""
    fetch = "fetch it with `bash scripts/fetch_vtest.sh` (writes data/vtest.avi from the Debian package opencv-doc)"
    if os.environ.get(VIDEO_ENV):
        path = Path(os.environ[VIDEO_ENV])
        if not path.is_file():
            raise FileNotFoundError(f"${VIDEO_ENV} is {path}, which is not a file; point it at vtest.avi or {fetch}")
        return path
    for path in (LOCAL_COPY, SYSTEM_COPY):
        if path.is_file():
            return path
    raise FileNotFoundError(f"the surveillance recipe needs OpenCV's vtest.avi, found neither at ${VIDEO_ENV}, "
                            f"{LOCAL_COPY} (under {Path.cwd()}) nor {SYSTEM_COPY}; {fetch}")


def video_fps(path: str | os.PathLike) -> float | None:
    """The frame rate ``path``'s container gives (10 for vtest.avi), rounded to 3 decimals; None where it gives
    none. A path that is not a file is a FileNotFoundError (OpenCV opens nothing and gives no rate, as it does
    for a container without one)."""
    import cv2

    if not Path(path).is_file():
        raise FileNotFoundError(f"video_fps: {str(path)!r} is not a file; give the video's path (find_video() gives "
                                "the recipe's)")
    cap = cv2.VideoCapture(str(path))
    try:
        fps = cap.get(cv2.CAP_PROP_FPS)
    finally:
        cap.release()
    return round(float(fps), 3) if math.isfinite(fps) and fps > 0 else None


def check_frame_rate(path: str | os.PathLike, fps: float | None, context: int) -> None:
    """Warn where ``fps`` (the video's frame rate, None where its container gives none or OpenCV reads 0) is more
    than ``FPS_RATIO`` faster or slower than vtest.avi's ``VTEST_FPS`` (8 and 12.5 fps pass): the recipe is set for
    10 frames a second (its ``context`` frames span a second of the hall, its motion threshold a tenth of a
    second's change), so at 30 fps the context spans a third of the time and each step's motion a third as far, a
    shorter-range task than the report's baselines are read against. It may be meant (the report states the fps),
    so it is a warning naming how to silence it."""
    if fps is None or 1 / FPS_RATIO <= fps / VTEST_FPS <= FPS_RATIO:
        return
    warnings.warn(f"surveillance: {Path(path).name} runs at {fps:g} fps, not the {VTEST_FPS:g} fps of vtest.avi the "
                  f"recipe is set for, so its context of {context} frames spans {context / fps:.3g} s, not "
                  f"{context / VTEST_FPS:.3g} s, and the moving pixels are those that change in {1000 / fps:.0f} ms, "
                  f"not {1000 / VTEST_FPS:.0f} ms; re-encode it at {VTEST_FPS:g} fps first (ffmpeg -i in.mp4 -vf "
                  f"fps={VTEST_FPS:g} out.avi), or, to keep it, silence this with "
                  "warnings.filterwarnings('ignore', 'surveillance: .* fps, not the')", UserWarning, stacklevel=3)


def split_frames(n: int, budget: dict) -> dict[str, range]:
    """The frames of each part (``PARTS``) of a video of ``n`` frames: :func:`rnnkit.data.split_by_time` with
    the budget's validation and test fractions."""
    return dict(zip(PARTS, split_by_time(n, val=budget["val_fraction"], test=budget["test_fraction"]), strict=True))


def frames_for(test_clips: int, budget: dict) -> int:
    """The fewest frames of a video whose split (:func:`split_frames`) gives every part a clip of
    ``context + 1`` frames and the test part ``test_clips`` of them."""
    if not is_count(test_clips, 1):  # 0 or fewer: a test part of no clip to score
        raise ValueError(f"frames_for: test_clips must be an integer >= 1 (the clips the test part must hold), got "
                         f"{test_clips!r}")
    context = budget["context"]
    enough = lambda parts: all(len(p) > context for p in parts.values()) and len(parts["test"]) - context >= test_clips
    return next(n for n in range(context + 1, 1000 * (context + test_clips)) if enough(split_frames(n, budget)))


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")  # a folder of these is a video's frames


def load_frames(path: str | os.PathLike, *, size: tuple[int, int], max_frames: int | None = None) -> Tensor:
    """Grey frames ``(T, 1, H, W)`` float32 in [0, 1], resized to ``size = (H, W)``, of a video file. A folder
    of frame images (a dataset's frames, as UCSD Ped's ``.tif`` folders, ``ffmpeg -i v.avi f%d.png``'s output) is
    a ValueError giving the lines that read them, in the order of the numbers in their names."""
    if os.path.isdir(path):
        _refuse_frame_folder(Path(path), size)
    return frames_to_tensor(read_video(path, size=size, grayscale=True, max_frames=max_frames))


def _refuse_frame_folder(folder: Path, size: tuple[int, int]) -> None:
    """ValueError for a folder of frame images given as the video: the lines that read them grey, at ``size``, in
    frame order (by the number in each name: sorted() as text puts ``f10.png`` before ``f2.png``)."""
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        return  # a folder of videos, or of nothing: read_video names it
    suffix = max({p.suffix for p in images}, key=lambda s: sum(p.suffix == s for p in images))
    numbers = [re.findall(r"\d+", p.stem) for p in images]  # images sorted by name, as text
    by_number = all(numbers) and [int(n[-1]) for n in numbers] != sorted(int(n[-1]) for n in numbers)
    order = (", key=lambda p: int(re.findall(r'\\d+', p.stem)[-1])" if by_number else "")
    raise ValueError(f"load_frames: {folder} is a folder of {len(images)} frame images ({images[0].name}, ...), not "
                     "a video file; read them grey at the size, in frame order"
                     f"{' (by the number in each name: as text f10 sorts before f2)' if by_number else ''}: "
                     "frames = rnnkit.data.video.frames_to_tensor(np.stack([cv2.resize(cv2.imread(str(p), "
                     f"cv2.IMREAD_GRAYSCALE), ({size[1]}, {size[0]}), interpolation=cv2.INTER_AREA) "
                     f"for p in sorted(Path({str(folder)!r}).glob('*{suffix}'){order})]))")


def clips(frames: Tensor, segment: range, context: int) -> Tensor:
    """Every clip of ``context + 1`` consecutive frames inside ``segment`` (stride 1): ``(N, context + 1, 1, H,
    W)``, the last frame the target. ``context`` is an integer >= 1 and ``segment`` a range of step 1 inside
    ``frames``; raises ValueError if not, or if the segment is shorter than a clip."""
    if not isinstance(frames, Tensor) or frames.ndim != 4 or frames.shape[1] != 1:
        shape = tuple(frames.shape) if hasattr(frames, "shape") else None
        raise ValueError(f"clips: frames must be a torch.Tensor (T, 1, H, W) of grey frames, as load_frames gives "
                         f"them, got {type(frames).__name__} of shape {shape}; for (T, H, W): frames[:, None], for a "
                         "numpy array: torch.from_numpy(...)")
    if not is_count(context, 1):
        raise ValueError(f"clips: context must be an integer >= 1 (the frames a prediction reads), got {context!r}")
    if not isinstance(segment, range) or segment.step != 1 or not 0 <= segment.start <= segment.stop <= len(frames):
        raise ValueError(f"clips: segment must be a range of consecutive frames inside the {len(frames)} frames "
                         f"(range(start, stop), 0 <= start <= stop <= {len(frames)}), got {segment!r}")
    n = len(segment) - context
    if n < 1:
        fewer = f", or a context of at most {len(segment) - 1}" if len(segment) > 1 else ""
        raise ValueError(f"clips: segment {segment!r} holds {len(segment)} frame(s), no clip of {context + 1} "
                         f"({context} in, the next to predict); give a segment of at least {context + 1} frames (a "
                         f"longer video, or a larger part of it){fewer}")
    return torch.stack([frames[segment.start + i : segment.start + i + context + 1] for i in range(n)])


# -- model ---------------------------------------------------------------------------------------------------
class NextFramePredictor(nn.Module):
    """``x̂_{t+1} = x_t + W_o * h_t``: a ConvLSTM layer over ``[x_t, x_t - x_{t-1}]`` and a 1 x 1 convolution
    from its ``Hc`` channels to the change of the frame.

    ======================  ===========================================================
    ``frames``              ``(B, T, 1, H, W)`` in [0, 1]
    ``lengths``             ``(B,)`` valid frames per clip, optional (padding at the end)
    ``state``               the ConvLSTM's state to start from; None: zeros
    ``h``                   ``(B, T, Hc, H, W)`` (travels flattened through Recurrent)
    returns                 ``(B, T, 1, H, W)``: the prediction of frame ``t + 1`` at t; the final state
    ======================  ===========================================================

    The difference channel (0 at the first step, also when a ``state`` is carried in) hands the motion to the
    cell directly; the output convolution starts at zero, so the untrained model is copy-last-frame and
    training learns a correction. ``target = "step"``: one prediction per frame, as
    :class:`~rnnkit.training.SequenceModule` trains it.
    """

    target = "step"

    def __init__(self, hidden_channels: int, image_size: tuple[int, int], *, kernel_size: int = 3):
        super().__init__()
        cell = ConvLSTMCell(2, hidden_channels, image_size, kernel_size=kernel_size)  # checks the sizes
        self.image_size = cell.image_size  # (H, W); one size for a square, as the cell reads it
        self.context: int | None = None  # the frames in of the clips fit trained it on: predict's check
        self.rnn = Recurrent(cell)
        self.head = nn.Conv2d(hidden_channels, 1, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, frames: Tensor, lengths: Tensor | None = None, state: State | None = None
                ) -> tuple[Tensor, State]:
        if not isinstance(frames, Tensor) or frames.ndim != 5 or tuple(frames.shape[2:]) != (1, *self.image_size):
            # frames of another size with as many pixels ((W, H) for (H, W), as cv2.resize's dsize is written)
            # would pass the cell's size check and be read row-wise into the wrong rows: a prediction of scrambled
            # frames, silently
            shape = tuple(frames.shape) if hasattr(frames, "shape") else None
            raise ValueError(f"NextFramePredictor: frames must be (B, T, 1, H, W) = (B, T, 1, {self.image_size[0]}, "
                             f"{self.image_size[1]}), grey clips of the model's image size, got "
                             + (f"{shape}; " + self._shape_fix(shape) if isinstance(frames, Tensor)
                                else f"{type(frames).__name__} of shape {shape}; give a tensor: torch.from_numpy(...)"))
        B, T = frames.shape[:2]
        change = torch.cat([torch.zeros_like(frames[:, :1]), frames.diff(dim=1)], dim=1)  # (B, T, 1, H, W)
        h, state = self.rnn(torch.cat([frames, change], dim=2).flatten(2), lengths, state)  # (B, T, Hc*H*W)
        delta = self.head(h.reshape(B * T, -1, *self.image_size))  # (B*T, 1, H, W)
        return frames + delta.view_as(frames), state


    def _shape_fix(self, shape) -> str:
        """How to turn clips of ``shape`` into ``(B, T, 1, H, W)`` of this model's size, for its error."""
        H, W = self.image_size
        if len(shape) == 5 and shape[2:] == (1, W, H):
            return ("height and width are swapped (cv2.resize takes dsize=(W, H)): frames.transpose(-1, -2), or "
                    "resize to (H, W)")
        if len(shape) == 5 and shape[2:] == (H, W, 1):
            return "the channel is last: frames.permute(0, 1, 4, 2, 3)"
        if len(shape) == 4 and shape[1] == 1 and shape[2:] == (H, W):  # (T, 1, H, W) as often as (B, 1, H, W)
            return (f"one clip of {shape[0]} frames (T, 1, H, W)? give it as a batch of one: frames[None]; "
                    f"{shape[0]} clips of one frame each, without their channel: frames[:, :, None]")
        if len(shape) == 4 and shape[2:] == (H, W):
            return "the channel is missing: frames[:, :, None]"
        if len(shape) == 5 and shape[2] in (3, 4) and shape[3:] == (H, W):
            return "colour frames: give grey ones (load_frames reads them grey)"
        return "read the frames with load_frames(path, size=(H, W)) and cut them with clips"


class NextFrameModule(SequenceModule):
    """:class:`~rnnkit.training.SequenceModule` for :class:`NextFramePredictor`: it trains on the per-step MSE
    (``task="regression"``), and validates as the test scores it: ``val_loss`` is the MSE of the prediction
    after each whole clip, clipped to [0, 1] (:func:`predict`), not of every step."""

    def validation_step(self, batch, batch_idx: int) -> None:
        out, _ = self.model(batch.x, batch.lengths)  # (B, T, 1, H, W); clips are all of one length
        loss = F.mse_loss(out[:, -1].clamp(0, 1), batch.y[:, -1])
        self.log("val_loss", loss, on_epoch=True, sync_dist=True, batch_size=len(batch.x))


def clip_dataset(clips: Tensor) -> SequenceDataset:
    """Clips ``(N, T + 1, 1, H, W)`` as sequences of ``T`` frames, each step's target the next frame."""
    T = clips.shape[1] - 1
    return SequenceDataset(clips[:, :-1], torch.full((len(clips),), T), clips[:, 1:], y_per_step=True)


def fit(build: Callable[[], NextFramePredictor], train: Tensor, validation: Tensor, *, epochs: int, lr: float,
        batch_size: int, clip_grad_norm: float, seed: int, log: Callable[[str], Any] = print
        ) -> tuple[NextFramePredictor, dict, float]:
    """Train the model ``build()`` makes (under ``seed``, :func:`~rnnkit.training.seeded_fit`) on ``train``
    clips ``(N, T + 1, 1, H, W)`` for ``epochs`` epochs, validating on ``validation`` clips; keep the weights of
    the epoch with the lowest validation MSE; the clips' pixels are floats in [0, 1] (:func:`check_pixels`).
    Returns the model, the history (``train_mse`` and
    ``validation_mse`` per epoch, ``best_epoch`` from 1) and the seconds of training."""
    check_epochs(epochs, "fit")
    train = check_pixels(train, "fit: the train clips")
    validation = check_pixels(validation, "fit: the validation clips")
    data = SequenceDataModule(clip_dataset(train), clip_dataset(validation), batch_size=batch_size, seed=seed)
    module, _, seconds = seeded_fit(
        lambda: NextFrameModule(build(), task="regression", lr=lr, clip_grad_norm=clip_grad_norm), data,
        seed=seed, max_epochs=epochs, device="cpu", callbacks=[RestoreBestWeights("val_loss")])
    module.model.context = train.shape[1] - 1  # clips of context + 1 frames: the last one the target
    history = {"train_mse": module.history["train_loss"], "validation_mse": module.history["val_loss"]}
    history["best_epoch"] = int(np.argmin(history["validation_mse"])) + 1
    for epoch, (tr, val) in enumerate(zip(history["train_mse"], history["validation_mse"], strict=True)):
        log(f"epoch {epoch + 1}/{epochs}: train MSE {tr:.3g}, validation MSE {val:.3g}")
    return module.model, history, seconds


@torch.no_grad()
def predict(model: NextFramePredictor, context: Tensor, *, batch_size: int = 64) -> Tensor:
    """The prediction of the frame after each clip ``(N, T, 1, H, W) -> (N, 1, H, W)``, clipped to [0, 1].

    Clips of one frame more than :func:`fit` trained the model on (``model.context + 1``: whole :func:`clips`,
    their target frame included) are warned of: the prediction would be of the frame after the target."""
    context = check_pixels(context, "predict: the context clips")
    missing = ~torch.isfinite(context)  # a missing pixel: the recurrent state spreads it over the next frames
    if context.ndim == 5 and missing.any():  # other shapes: the model names them
        n, t = (int(v) for v in missing.flatten(2).any(2).nonzero()[0])
        value = float(context[n, t][missing[n, t]][0])
        raise ValueError(f"predict: clip {n}, frame {t} of the context clips holds a pixel of {value} (not a finite "
                         f"number; {int(missing.flatten(1).any(1).sum())} clip(s) hold one), so its prediction would "
                         "be NaN (the ConvLSTM's state spreads it to the pixels around it, frame after frame); fill "
                         "the pixels (e.g. from the frame before) or leave those clips out")
    trained = getattr(model, "context", None)
    if trained is not None and context.ndim == 5 and context.shape[1] == trained + 1:
        warnings.warn(f"predict: the clips hold {trained + 1} frames, one more than the {trained} the model was "
                      f"trained on, as clips() gives them with the target frame last, so each prediction would be "
                      f"of the frame after the target; give the frames before it: predict(model, clips[:, :-1]) (to "
                      f"predict from {trained + 1} frames on purpose, silence this with warnings.filterwarnings)",
                      UserWarning, stacklevel=2)
    model.eval()
    return torch.cat([model(c)[0][:, -1] for c in context.split(batch_size)]).clamp(0, 1)


def check_pixels(frames: Tensor, who: str) -> Tensor:
    """``frames`` as the float32 tensor the model reads, or a ValueError unless they are float pixels in [0, 1], as
    :func:`load_frames` gives them: the model predicts a change of such a frame and :func:`predict` clips its
    prediction to [0, 1], so frames of 8-bit values (0..255, as read_video and OpenCV give them) would be learnt in
    another range and every prediction cut to 1. A numpy array of floats (OpenCV's frames scaled) and float64 pixels
    are read as the same float32 frames; no frame at all (an empty batch) is a ValueError too."""
    if isinstance(frames, np.ndarray) and frames.dtype.kind == "f":
        frames = torch.from_numpy(np.ascontiguousarray(frames))
    if not isinstance(frames, Tensor) or not frames.is_floating_point():
        what = f"{frames.dtype} pixels" if isinstance(frames, Tensor | np.ndarray) else type(frames).__name__
        raise ValueError(f"{who} hold {what}; give float frames in [0, 1], as load_frames gives them (8-bit frames: "
                         "frames.float() / 255)")
    if not frames.numel():  # else aminmax's "cannot compute aminmax over an empty dimension"
        raise ValueError(f"{who} hold no pixels (shape {tuple(frames.shape)}); give at least one clip of frames "
                         "(N, T, 1, H, W), N >= 1 (skip the call where a filter left none)")
    # a NaN pixel is left to the training loop's non-finite guard, which stops fit before a step is applied
    low, high = (float(v) for v in torch.aminmax(frames.nan_to_num(0.5, 0.5, 0.5)))
    if low < 0 or high > 1:
        raise ValueError(f"{who} hold pixels from {low:g} to {high:g}, outside [0, 1], where the model predicts and "
                         "predict clips to [0, 1]; scale them first (8-bit values: frames / 255)")
    return frames.float()


# -- metrics -------------------------------------------------------------------------------------------------
def frame_metrics(predicted: Tensor, target: Tensor, moving: Tensor) -> dict[str, float]:
    """MSE over all pixels, mean per-frame PSNR (peak 1), and the MSE and PSNR pooled over ``moving`` pixels;
    all tensors ``(N, 1, H, W)`` (numpy arrays are read as the same tensors), the frames float in [0, 1] (the
    PSNR's peak), ``moving`` bool with at least one pixel set."""
    named = {"predicted": predicted, "target": target, "moving": moving}
    for name, value in named.items():
        if not isinstance(value, Tensor | np.ndarray):
            raise ValueError(f"frame_metrics: {name} must be a torch.Tensor (N, 1, H, W) (or a numpy array), got "
                             f"{type(value).__name__}")
    predicted, target, moving = (torch.from_numpy(v) if isinstance(v, np.ndarray) else v
                                 for v in named.values())  # OpenCV's and one's own frames: numpy
    if not predicted.shape == target.shape == moving.shape or predicted.ndim != 4:
        raise ValueError(f"frame_metrics: predicted, target and moving must all be (N, 1, H, W), one prediction and "
                         f"one mask per target frame, got {tuple(predicted.shape)}, {tuple(target.shape)} and "
                         f"{tuple(moving.shape)}")
    if moving.dtype != torch.bool and moving.any():  # OpenCV's threshold: 0 and 255; a float mask of 0 and 1
        values = torch.unique(moving)
        shown = ", ".join(f"{float(v):g}" for v in values[:4]) + (", ..." if len(values) > 4 else "")
        fix = ("moving > 0, as it holds 0 and one other value" if len(values) == 2 and float(values[0]) == 0
               else "(target - last).abs() > threshold")
        raise ValueError(f"frame_metrics: moving must be a bool mask, got {moving.dtype} (values {shown}); give "
                         f"{fix}")
    if not moving.any():
        raise ValueError(f"frame_metrics: moving must be a bool mask with at least one pixel set (the moving-pixel "
                         f"MSE of none is undefined), got {moving.dtype} with {int(moving.count_nonzero())} set; e.g. "
                         "(target - last).abs() > threshold, with a lower threshold if nothing moves")
    for name, frames in (("predicted", predicted), ("target", target)):  # PSNR's peak is 1: frames in [0, 1]
        if not frames.is_floating_point():
            raise ValueError(f"frame_metrics: {name} holds {frames.dtype} pixels; give float frames in [0, 1], as "
                             "load_frames gives them (e.g. frames.float() / 255 for 8-bit pixels)")
        outside = ~((frames >= 0) & (frames <= 1))  # NaN too
        if outside.any():
            i = int(outside.flatten(1).any(1).to(torch.uint8).argmax())
            raise ValueError(f"frame_metrics: frame {i} of {name} has a pixel of {float(frames[outside][0]):g} "
                             f"(pixels from {float(frames.nan_to_num(0).min()):g} to "
                             f"{float(frames.nan_to_num(0).max()):g}), outside [0, 1], where the PSNR's peak is 1; "
                             "scale the frames to [0, 1] (e.g. / 255 for 8-bit pixels) and fill missing pixels")
    error = (predicted - target) ** 2
    per_frame = error.mean((1, 2, 3)).clamp_min(1e-10)  # a perfect frame would give an infinite PSNR
    moving_mse = float(error[moving].mean())
    return {"mse": float(error.mean()), "psnr": float((10 * torch.log10(1 / per_frame)).mean()),
            "moving_mse": moving_mse, "moving_psnr": 10 * math.log10(1 / max(moving_mse, 1e-10))}  # as per_frame


CORRELATION_FRAMES = 3  # Pearson's r of 2 frames is +-1 whatever they hold


def _correlation(a: Tensor, b: Tensor) -> float | None:
    """Pearson's r of ``a`` and ``b``; None where it is undefined or says nothing: fewer than
    ``CORRELATION_FRAMES`` values, or one of them constant (no spread to correlate)."""
    a, b = a.double().numpy(), b.double().numpy()
    if len(a) < CORRELATION_FRAMES or a.std() == 0 or b.std() == 0:
        return None
    return float(np.corrcoef(a, b)[0, 1])


def activity_figure(scores: dict[str, Any], *, video: str = "vtest.avi (10 fps)") -> Figure:
    """Per test frame: the prediction MSE of the ConvLSTM and of copy-last-frame, and the share of moving
    pixels, over time; ``video`` names the frames' video on the time axis."""
    fig = Figure(figsize=(8.0, 4.8), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    t = scores["first_frame"] + np.arange(len(scores["convlstm_mse"]))
    top.plot(t, scores["copy_last_mse"], color="gray", label="copy last frame")
    top.plot(t, scores["convlstm_mse"], color="tab:blue", label="ConvLSTM")
    top.set_ylabel("prediction MSE")
    top.legend()
    top.set_title("Anomaly / activity score on the test frames: next-frame prediction error")
    bottom.plot(t, scores["moving_share"], color="tab:orange")
    bottom.set_ylabel("share of moving pixels")
    bottom.set_xlabel(f"frame of {video}")
    return fig


# -- report --------------------------------------------------------------------------------------------------
def title(results: dict) -> str:
    name = results["data"]["name"]  # one's own video ($RNNKIT_VTEST) by its own name
    what = "a hall camera (vtest.avi)" if name == "vtest.avi" else name
    return f"Next-frame prediction on {what}" + (" (quick run)" if results["settings"]["quick"] else "")


def markdown(results: dict) -> str:
    """The report's body: the table of test metrics, the data and the settings (:func:`rnnkit.report.write_report`
    adds the title, the machine and the activity plot)."""
    d, s = results["data"], results["settings"]
    split = ", ".join(f"{name} frames {a}–{b - 1} ({d['clips'][name]} clips)" for name, (a, b) in d["split"].items())
    lines = [
        f"{d['frames']} grey frames at {d['width']} x {d['height']}, split by time: {split}. Test targets: the "
        f"frame after each {s['context']}-frame test clip; moving pixels (|x_t+1 − x_t| > {s['motion_threshold']}) "
        f"are {d['moving_pixel_share']:.1%} of their pixels.",
        "",
        f"ConvLSTM: {s['hidden_channels']} channels, {s['kernel_size']} x {s['kernel_size']} kernels, input "
        f"{s['input']}, output {s['output']}; {s['epochs']} epochs, batch {s['batch_size']}, {s['optimizer']} "
        f"lr {s['lr']}, clip-norm {s['clip_grad_norm']}, seed {s['seed']}; best validation epoch "
        f"{s['best_epoch']}." + (" Quick run." if s["quick"] else ""),
        "",
        "| model | test MSE | PSNR dB | moving-pixel MSE | moving PSNR dB | MSE / copy-last | moving MSE / copy-last "
        "| moving MSE / linear | train s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["models"].values():
        lines.append(f"| {r['name']} | {r['mse']:.3g} | {r['psnr']:.2f} | {r['moving_mse']:.3g} | "
                     f"{r['moving_psnr']:.2f} | {r['vs_copy_last']['mse']:.3f} | {r['vs_copy_last']['moving_mse']:.3f} "
                     f"| {r['vs_linear']['moving_mse']:.3f} | {r['train_seconds']:.1f} |")
    lines += ["", "PSNR: the mean over test frames of 10 log10(1 / MSE_frame); moving PSNR from the moving-pixel MSE "
              "pooled over the test frames. The moving mask comes from the true change, so copy-last's error there "
              f"is at least {s['motion_threshold']}² by construction.",
              "", f"Activity score (activity.png): per-frame ConvLSTM MSE; its correlation with the share of moving "
              f"pixels over the {correlation_text(results)}."]
    return "\n".join(lines) + "\n"


def correlation_text(results: dict) -> str:
    """``"N test frames: r"``, or why there is no correlation to report."""
    scores, d, s = results["scores"], results["data"], results["settings"]
    n, r = len(scores["convlstm_mse"]), scores["correlation_with_moving_share"]
    if r is not None:
        return f"{n} test frames: {r:.2f}"
    if n < CORRELATION_FRAMES:
        return (f"{n} test frame(s): undefined, a correlation needs {CORRELATION_FRAMES} frames or more (a video of "
                f"at least {frames_for(CORRELATION_FRAMES, s)} frames gives them; this one has {d['frames']})")
    return f"{n} test frames: undefined, the error or the share of moving pixels is the same in every test frame"

