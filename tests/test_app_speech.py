"""The speech recipe (rnnkit.apps.speech): one quick run on the real JapaneseVowels data, shared by the tests."""

import base64
import json

import numpy as np
import pytest

from rnnkit.apps import recipe, speech
from rnnkit.report import SD_NOTE


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """A quick run with ``out``, recording what the loader returned and what the standardisation was fit on."""
    seen = {}
    load, fit = speech.load_japanese_vowels, speech.fit_standardisation

    def spy_load(split):
        seen[split] = load(split)
        return seen[split]

    def spy_fit(sequences):
        seen["fit"] = sequences
        return fit(sequences)

    out = tmp_path_factory.mktemp("speech")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(speech, "load_japanese_vowels", spy_load)
        mp.setattr(speech, "fit_standardisation", spy_fit)
        results = speech.run(quick=True, seed=0, out=out, log=lambda message: None)
    return results, out, seen


def test_quick_run_structure(quick):
    results, _, _ = quick
    assert recipe("speech") is speech
    assert set(results) == {"recipe", "task", "data", "settings", "models", "references", "saliency", "machine"}
    assert results["data"] | {"name": "JapaneseVowels"} == {
        "name": "JapaneseVowels", "train": 270, "test": 370, "features": 12, "classes": 9, "frames": [7, 29],
        "split": "the archive's fixed split"}
    assert set(results["models"]) == {"gru", "dtw_1nn", "dtw_1nn_raw", "logreg", "majority"}
    for model in results["models"].values():
        assert model["kind"] in ("rnn", "baseline")
        for metric in ("accuracy", "train_seconds", "test_seconds"):
            stat = model[metric]
            assert len(stat["runs"]) == 1 and stat["mean"] == stat["runs"][0] and stat["sd"] is None  # no spread
        assert 0.0 <= model["accuracy"]["mean"] <= 1.0
    assert results["settings"]["seeds"] == [0] and results["settings"]["cells"] == ["gru"]
    sal = results["saliency"]
    assert len(sal["by_part"]) == 5 and sum(sal["by_part"]) == pytest.approx(1.0)
    assert len(sal["from_end"]) == 29 and 0.0 < sal["share_last_frame"] < 1.0
    assert json.loads(json.dumps(results)) == results


def test_quick_gru_beats_majority_class_and_dtw_matches_published(quick):
    models = quick[0]["models"]
    majority = models["majority"]["accuracy"]["mean"]
    assert majority == pytest.approx(31 / 370)  # the balanced training split's first label: speaker 1
    # measured over quick seeds 0-7: GRU 0.965-0.978, so a margin of 0.88 over the majority class; bar 0.80
    assert models["gru"]["accuracy"]["mean"] >= majority + 0.80
    # deterministic: 1-NN DTW on the raw cepstra reproduces the archive's published 0.949 (351/370 = 0.9486)
    assert models["dtw_1nn_raw"]["accuracy"]["mean"] == pytest.approx(351 / 370)
    assert models["logreg"]["accuracy"]["mean"] > 0.9


def test_standardisation_uses_training_statistics_only(quick):
    results, _, seen = quick
    x_train, x_test = seen["train"][0], seen["test"][0]
    assert seen["fit"] is x_train
    frames = np.concatenate(x_train).astype(np.float64)
    mean = np.array(results["settings"]["train_feature_mean"])
    std = np.array(results["settings"]["train_feature_std"])
    np.testing.assert_allclose(mean, frames.mean(0), atol=1e-5)
    np.testing.assert_allclose(std, frames.std(0), rtol=1e-5)
    everything = np.concatenate(x_train + x_test)
    assert np.abs(everything.mean(0) - mean).max() > 0.01  # the test frames would have moved it

    m, s = speech.fit_standardisation(x_train)
    z_train, z_test = speech.standardise(x_train, m, s), speech.standardise(x_test, m, s)
    np.testing.assert_allclose(np.concatenate(z_train).mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(np.concatenate(z_train).std(0), 1.0, atol=1e-5)
    assert np.abs(np.concatenate(z_test).mean(0)).max() > 0.05  # not re-centred on the test frames


def test_out_writes_report_files(quick):
    results, out, _ = quick
    written = json.loads((out / "report.json").read_text())
    assert written == {"title": speech.title(results), "machine": results["machine"], "results": results}
    report = (out / "report.md").read_text()
    assert report.startswith("# Speaker recognition from speech (JapaneseVowels) (quick run)\n")
    assert "| model | test accuracy (mean ± sd over seeds) | train s | test s |" in report
    for model in results["models"].values():
        assert f"| {model['name']} | {model['accuracy']['mean']:.3f}" in report
    assert "1-NN DTW 0.949" in report and "MiniRocket 0.987" in report and "Machine:" in report
    assert SD_NOTE in report and "![saliency](saliency.png)" in report
    png = (out / "saliency.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "report.html").read_text()  # one page with the plot inside it
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page and "<table>" in page


@pytest.mark.parametrize("kwargs, match", [
    ({"quick": "yes"}, "quick must be True or False"),
    ({"seed": -1}, "seed must be an integer"),
    ({"seed": 1.5}, "seed must be an integer"),
    ({"seed": True}, "seed must be an integer"),
    ({"out": 3}, "out must be a directory path"),
    ({"log": "print"}, "log must be callable"),
])
def test_bad_argument_raises_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        speech.run(**kwargs)
