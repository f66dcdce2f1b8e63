"""The surveillance recipe (rnnkit.apps.surveillance): one quick run on the real vtest.avi, shared by the tests.

The video comes from `bash scripts/fetch_vtest.sh` (CI runs it before the tests)."""

import base64
import json

import pytest
import torch
from torch import nn

from rnnkit.apps import surveillance
from rnnkit.data import split_by_time
from rnnkit.training import NonFiniteLossError


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("surveillance")
    return surveillance.run(quick=True, seed=0, out=out, log=lambda message: None), out


def test_quick_run_structure(quick):
    results, _ = quick
    assert set(results) == {"recipe", "task", "data", "settings", "models", "scores", "machine"}
    d = results["data"]
    assert (d["frames"], d["height"], d["width"]) == (300, 24, 32)
    assert d["split"] == {"train": [0, 210], "validation": [210, 255], "test": [255, 300]}
    assert d["clips"] == {"train": 200, "validation": 35, "test": 35}
    assert set(results["models"]) == {"convlstm", "copy_last", "linear"}
    for model in results["models"].values():
        assert model["kind"] in ("rnn", "baseline")
        assert 0 < model["mse"] < model["moving_mse"] < 1 and 20 < model["psnr"] < 60
    copy = results["models"]["copy_last"]
    assert copy["vs_copy_last"] == {"mse": 1.0, "moving_mse": 1.0}
    assert copy["moving_mse"] > results["settings"]["motion_threshold"] ** 2  # the mask's construction
    s = results["settings"]
    assert len(s["train_mse"]) == len(s["validation_mse"]) == s["epochs"] and 1 <= s["best_epoch"] <= s["epochs"]
    assert min(s["validation_mse"]) == s["validation_mse"][s["best_epoch"] - 1]
    scores = results["scores"]
    assert scores["first_frame"] == 265 and len(scores["convlstm_mse"]) == len(scores["moving_share"]) == 35
    assert json.loads(json.dumps(results)) == results


def test_quick_convlstm_beats_both_baselines_on_moving_pixels(quick):
    models = quick[0]["models"]
    convlstm = models["convlstm"]
    # measured over quick seeds 0-4: moving-pixel MSE 0.46-0.50 x copy-last's and 0.70-0.76 x linear
    # extrapolation's; all-pixel MSE 0.56-0.63 x copy-last's; correlation 0.71-0.79
    assert convlstm["vs_copy_last"]["moving_mse"] < 0.65
    assert convlstm["vs_linear"]["moving_mse"] < 0.9
    assert convlstm["vs_copy_last"]["mse"] < 0.8
    assert models["linear"]["vs_copy_last"]["moving_mse"] < 1.0  # people keep walking: extrapolating helps
    assert quick[0]["scores"]["correlation_with_moving_share"] > 0.3  # the error rises with the activity


def test_split_is_the_librarys_and_clips_stay_inside_a_part():
    assert surveillance.split_by_time is split_by_time  # the library's, not a second one with its own rounding
    frames = torch.arange(40.0).view(40, 1, 1, 1)  # each frame holds its index
    segment = split_by_time(40, val=0.15, test=0.15).val  # frames 28-33
    assert segment == range(28, 34)
    c = surveillance.clips(frames, segment, context=3)
    assert c.shape == (3, 4, 1, 1, 1)
    assert c.flatten(1).tolist() == [[28, 29, 30, 31], [29, 30, 31, 32], [30, 31, 32, 33]]
    with pytest.raises(ValueError, match="no clip"):
        surveillance.clips(frames, segment, context=6)


def test_clip_dataset_targets_are_the_next_frames():
    frames = torch.arange(40.0).view(40, 1, 1, 1)
    data = surveillance.clip_dataset(surveillance.clips(frames, range(5, 12), context=3))
    batch = data.batch([0, 3])
    assert batch.x.flatten(1).tolist() == [[5, 6, 7], [8, 9, 10]]
    assert batch.y.flatten(1).tolist() == [[6, 7, 8], [9, 10, 11]] and batch.lengths.tolist() == [3, 3]


def test_untrained_model_is_copy_last_frame():
    model = surveillance.NextFramePredictor(2, (6, 8))
    frames = torch.rand(3, 5, 1, 6, 8)
    out, state = model(frames)
    assert torch.equal(out, frames) and state.h.shape == (3, 2 * 6 * 8)
    assert torch.equal(surveillance.predict(model, frames), frames[:, -1])


def _square(T: int, *, walking: bool) -> torch.Tensor:
    """``(T, 1, 6, 8)`` frames of a bright 2 x 2 square on black, walking right one pixel a frame (wrapping) or
    standing still."""
    frames = torch.zeros(T, 1, 6, 8)
    for t in range(T):
        x = t % 7 if walking else 3
        frames[t, 0, 2:4, x : x + 2] = 1.0
    return frames


def test_fit_keeps_the_best_validation_epoch():
    """Trained on a walking square and validated on a still one, the model gets worse on validation as it
    learns the walk: the first epoch is the best (measured: validation MSE 0.0074, then 0.055-0.068), and its
    weights are the ones returned, scored as the test scores (the clipped prediction after the whole clip)."""
    train = surveillance.clips(_square(44, walking=True), range(44), context=3)
    validation = surveillance.clips(_square(12, walking=False), range(12), context=3)
    model, history, seconds = surveillance.fit(lambda: surveillance.NextFramePredictor(2, (6, 8)), train, validation,
                                               epochs=4, lr=0.03, batch_size=4, clip_grad_norm=1.0, seed=0,
                                               log=lambda message: None)
    val = history["validation_mse"]
    assert len(val) == len(history["train_mse"]) == 4 and seconds > 0
    assert history["best_epoch"] == 1 and min(val[1:]) > 3 * val[0]  # the premise, by a wide margin
    assert history["train_mse"][-1] < history["train_mse"][0]  # it did learn the walk
    returned = nn.functional.mse_loss(surveillance.predict(model, validation[:, :-1]), validation[:, -1])
    assert float(returned) == pytest.approx(val[0], rel=1e-5)  # the best epoch's weights, not the last's


def test_fit_stops_on_a_non_finite_loss():
    """Training runs the library's loop, with its guard: a NaN pixel stops it before a step is applied."""
    frames = _square(20, walking=True)
    frames[6, 0, 0, 0] = float("nan")
    clips = surveillance.clips(frames, range(20), context=3)
    with pytest.raises(NonFiniteLossError, match="non-finite loss"):
        surveillance.fit(lambda: surveillance.NextFramePredictor(2, (6, 8)), clips, clips[:2], epochs=1, lr=0.01,
                         batch_size=4, clip_grad_norm=1.0, seed=0, log=lambda message: None)


def test_missing_video_names_the_fetch_script(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNKIT_VTEST", str(tmp_path / "missing.avi"))
    with pytest.raises(FileNotFoundError, match=r"RNNKIT_VTEST.*bash scripts/fetch_vtest\.sh"):
        surveillance.run(quick=True)
    monkeypatch.delenv("RNNKIT_VTEST")
    monkeypatch.chdir(tmp_path)  # no data/vtest.avi here
    monkeypatch.setattr(surveillance, "SYSTEM_COPY", tmp_path / "not-installed.avi")
    with pytest.raises(FileNotFoundError, match=r"bash scripts/fetch_vtest\.sh"):
        surveillance.find_video()


def test_out_writes_the_report(quick):
    results, out = quick
    written = json.loads((out / "report.json").read_text())
    assert written == {"title": surveillance.title(results), "machine": results["machine"], "results": results}
    md = (out / "report.md").read_text()
    assert md.startswith("# Next-frame prediction on a hall camera (vtest.avi) (quick run)\n")
    assert "| ConvLSTM |" in md and "| copy last frame |" in md and "Machine:" in md
    assert "![activity](activity.png)" in md
    png = (out / "activity.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text()  # one page with the plot inside it
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page and "<table>" in page


@pytest.mark.parametrize("kwargs, name", [({"quick": 1}, "quick"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
                                          ({"out": 3}, "out"), ({"log": "print"}, "log")])
def test_bad_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        surveillance.run(**kwargs)
