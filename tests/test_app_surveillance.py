"""The surveillance recipe (rnnkit.apps.surveillance): one quick run on the real vtest.avi, shared by the tests.

The video comes from `bash scripts/fetch_vtest.sh` (CI runs it before the tests)."""

import json

import pytest
import torch

from rnnkit.apps import surveillance


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
    # measured over quick seeds 0-4: moving-pixel MSE 0.44-0.49 x copy-last's and 0.67-0.74 x linear
    # extrapolation's; all-pixel MSE 0.54-0.62 x copy-last's
    assert convlstm["vs_copy_last"]["moving_mse"] < 0.65
    assert convlstm["vs_linear"]["moving_mse"] < 0.9
    assert convlstm["vs_copy_last"]["mse"] < 0.8
    assert models["linear"]["vs_copy_last"]["moving_mse"] < 1.0  # people keep walking: extrapolating helps
    assert quick[0]["scores"]["correlation_with_moving_share"] > 0.3  # the error rises with the activity


def test_split_is_contiguous_and_disjoint():
    for n in (300, 795, 1001):
        segments = surveillance.split_by_time(n)
        train, validation, test = segments.values()
        assert list(segments) == ["train", "validation", "test"]
        assert train.start == 0 and train.stop == validation.start and validation.stop == test.start
        assert test.stop == n and min(map(len, segments.values())) > 0
        assert len(train) == int(0.7 * n)
    frames = torch.arange(40.0).view(40, 1, 1, 1)  # each frame holds its index
    segment = surveillance.split_by_time(40)["validation"]  # frames 28-33
    c = surveillance.clips(frames, segment, context=3)
    assert c.shape == (3, 4, 1, 1, 1)
    assert c.flatten(1).tolist() == [[28, 29, 30, 31], [29, 30, 31, 32], [30, 31, 32, 33]]
    with pytest.raises(ValueError, match="no clip"):
        surveillance.clips(frames, segment, context=6)
    with pytest.raises(ValueError, match="fractions"):
        surveillance.split_by_time(100, (0.5, 0.5, 0.0))


def test_untrained_model_is_copy_last_frame():
    model = surveillance.NextFramePredictor(2, (6, 8))
    frames = torch.rand(3, 5, 1, 6, 8)
    assert torch.equal(model(frames), frames)
    assert torch.equal(surveillance.predict(model, frames), frames[:, -1])


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
    assert json.loads((out / "report.json").read_text()) == results
    md = (out / "report.md").read_text()
    assert "| ConvLSTM |" in md and "| copy last frame |" in md and "Machine:" in md
    assert (out / "activity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("kwargs, name", [({"quick": 1}, "quick"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
                                          ({"out": 3}, "out"), ({"log": "print"}, "log")])
def test_bad_arguments_raise(kwargs, name):
    with pytest.raises(ValueError, match=name):
        surveillance.run(**kwargs)
