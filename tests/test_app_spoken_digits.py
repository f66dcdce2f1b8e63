"""The spoken-digits recipe (rnnkit.apps.spoken_digits): one quick run on espeak-ng's speech, and its parts."""

import hashlib
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnkit.apps import recipe, spoken_digits
from rnnkit.data.audio import mix_at_snr
from rnnkit.models import SequenceToSequence
from rnnkit.report import SD_NOTE


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    """A quick run with ``out``, recording how the clips were split and the waveforms they came from."""
    seen = {}
    split, synthesise = spoken_digits.split_clips, spoken_digits.synthesise

    def spy_split(clips, train_voices, test_voices):
        seen["split"] = split(clips, train_voices, test_voices)
        return seen["split"]

    def spy_synthesise(*args, **kwargs):
        seen["waves"] = synthesise(*args, **kwargs)
        return seen["waves"]

    out = tmp_path_factory.mktemp("spoken_digits")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(spoken_digits, "split_clips", spy_split)
        mp.setattr(spoken_digits, "synthesise", spy_synthesise)
        results = spoken_digits.run(quick=True, seed=0, out=out, log=lambda message: None)
    return results, out, seen


def test_quick_run_structure(quick):
    results, _, _ = quick
    assert recipe("spoken-digits") is spoken_digits
    assert set(results) == {"recipe", "task", "data", "settings", "models", "noise", "ctc", "machine"}
    assert set(results["models"]) == {"gru", "gru_multi", "logreg", "dtw_1nn"}
    d = results["data"]
    assert d["voices"] == 12 and len(d["train_voices"]) == 9 and len(d["test_voices"]) == 3
    for model in results["models"].values():
        assert 0.0 <= model["accuracy"]["mean"] <= 1.0 and model["accuracy"]["sd"] is None  # one seed
    for name in ("gru", "gru_multi", "logreg"):
        for kind in ("white", "babble"):
            assert len(results["noise"][name][kind]) == len(spoken_digits.SNRS)
    assert results["noise"]["snr_db"] == [20, 10, 5, 0]
    assert 0.0 <= results["ctc"]["digit_error_rate"] and results["ctc"]["strings"] == d["strings_test"]
    assert json.loads(json.dumps(results)) == results


def test_split_is_by_voice_and_no_test_clip_was_heard_in_training(quick):
    results, _, seen = quick
    isolated, spoken = seen["split"]
    train_voices, test_voices = set(results["data"]["train_voices"]), set(results["data"]["test_voices"])
    assert not train_voices & test_voices
    for part in (isolated, spoken):
        assert {c.voice for c in part["train"]} <= train_voices
        assert {c.voice for c in part["test"]} <= test_voices
    assert len(isolated["test"]) == results["data"]["test"] and len(isolated["train"]) == results["data"]["train"]
    digest = lambda c: hashlib.sha1(seen["waves"][c].numpy().tobytes()).hexdigest()
    heard = {digest(c) for c in isolated["train"] + spoken["train"]}
    assert not heard & {digest(c) for c in isolated["test"] + spoken["test"]}
    # every digit of every test voice is there (no digit lost to the split)
    assert {c.digits[0] for c in isolated["test"]} == set(range(10))


def test_quick_gru_recognises_digits_of_unseen_voices(quick):
    models = quick[0]["models"]
    # measured: quick GRU 0.87 on the 3 unseen voices (chance 0.1); bar 0.5
    assert models["gru"]["accuracy"]["mean"] >= 0.5
    assert models["logreg"]["accuracy"]["mean"] >= 0.5
    # the noise study's clean column scores the same model on the same clips as the table
    assert quick[0]["noise"]["clean"]["gru"] == pytest.approx(models["gru"]["accuracy"]["mean"])


def test_deduplicate_drops_later_identical_clips():
    clips = [spoken_digits.Clip(v, "en-us", 175, 50, (d,)) for v, d in (("a", 1), ("b", 1), ("c", 2), ("d", 1))]
    one, two = torch.ones(5), torch.arange(5.0)
    waves = dict(zip(clips, [one, one.clone(), two, one + 1e-7], strict=True))
    kept, dropped = spoken_digits.deduplicate(clips, waves)
    assert kept == [clips[0], clips[2], clips[3]] and dropped == 1


def test_digit_clips_are_fixed_per_voice_and_distinct():
    a = spoken_digits.digit_clips(["f2", "m3"], 3)
    assert a == spoken_digits.digit_clips(["f2", "m3"], 3)  # independent of any global seed
    assert len(a) == 60 and len(set(a)) == 60
    assert [c for c in spoken_digits.digit_clips(["m3"], 3)] == a[30:]  # a voice's clips do not depend on others


def test_mix_at_snr_gives_the_asked_snr():
    g = torch.Generator().manual_seed(0)
    signal, noise = torch.randn(8000, generator=g), torch.rand(8000, generator=g) - 0.5
    for snr in (20, 5, 0, -3):
        mixed = mix_at_snr(signal, noise, snr)
        added = (mixed - signal).double()
        measured = 10 * torch.log10(signal.double().square().mean() / added.square().mean())
        assert float(measured) == pytest.approx(snr, abs=1e-3)
    with pytest.raises(ValueError, match="noise has shape"):
        mix_at_snr(signal, noise[:10], 10)
    with pytest.raises(ValueError, match="silent"):
        mix_at_snr(signal, torch.zeros(8000), 10)


def test_edit_distance_and_greedy_decoding():
    assert spoken_digits.edit_distance([3, 1, 4], [3, 1, 4]) == 0
    assert spoken_digits.edit_distance([3, 1, 4], [3, 4]) == 1
    assert spoken_digits.edit_distance([1, 2, 3], [2, 3, 4]) == 2
    assert spoken_digits.edit_distance([], [5, 5]) == 2
    assert spoken_digits.edit_distance([1, 1, 2, 3, 4, 5, 6], [7, 1, 2, 3, 4, 6]) == 2  # 1 -> 7, drop 5
    assert spoken_digits.edit_distance([1, 2, 3, 3, 4, 5], [6, 2, 3, 3, 2, 5, 7]) == 3  # kitten, sitting
    # classes: 0 blank, 1 + d digit d; repeats merge, a blank separates two equal digits
    frames = [0, 4, 4, 0, 4, 6, 6, 0, 1]
    logits = F.one_hot(torch.tensor(frames + [9, 9]), 11).float()
    assert spoken_digits.greedy_decode(logits, len(frames)) == [3, 3, 5, 0]


def test_ctc_module_loss_is_torch_ctc_loss():
    module = spoken_digits.CTCModule(SequenceToSequence(4, 8, 11, cell="gru"))
    logits = torch.randn(2, 9, 11)
    lengths, digits, y_lengths = torch.tensor([9, 7]), torch.tensor([[3, 1, 4], [9, 0, 0]]), torch.tensor([3, 1])
    loss = module.loss((logits, lengths), spoken_digits.CTCTargets(digits, y_lengths))
    expected = torch.nn.CTCLoss(blank=0)(logits.log_softmax(-1).transpose(0, 1), digits + 1, lengths, y_lengths)
    assert float(loss) == pytest.approx(float(expected), rel=1e-6)
    assert len(spoken_digits.CTCTargets(digits, y_lengths)) == 2


def test_out_writes_report_files(quick):
    results, out, _ = quick
    written = json.loads((out / "report.json").read_text())
    assert written == {"title": spoken_digits.title(results), "machine": results["machine"], "results": results}
    report = (out / "report.md").read_text()
    assert report.startswith("# Spoken digits on unseen voices (espeak-ng) (quick run)\n")
    assert f"| GRU | {results['models']['gru']['accuracy']['mean']:.3f}" in report
    assert "digit error rate" in report and "Machine:" in report and "![noise](noise.png)" in report
    assert SD_NOTE not in report  # one seed: no ± shown, so no note about it
    assert (out / "noise.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_espeak_is_one_line_naming_the_install_script(monkeypatch):
    monkeypatch.setattr(spoken_digits.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"scripts/install_debs\.sh") as info:
        spoken_digits.run(quick=True, log=lambda message: None)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("kwargs, match", [
    ({"quick": "yes"}, "quick must be True or False"),
    ({"seed": -1}, "seed must be an integer"),
    ({"out": 3}, "out must be a directory path"),
    ({"log": "print"}, "log must be callable"),
])
def test_bad_argument_raises_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        spoken_digits.run(**kwargs)


def test_babble_comes_from_other_voices():
    waves = [torch.full((50,), float(i + 1)) for i in range(10)]
    voices = ["a"] * 3 + [f"v{i}" for i in range(7)]
    noise = spoken_digits.babble(waves, voices, 0, np.random.default_rng(0))
    # six talkers, all from voices other than "a" (whose clips are 1, 2, 3): the sum of six of 4..10
    total = float(noise[0])
    assert noise.shape == (50,) and torch.all(noise == total)
    assert 4 + 5 + 6 + 7 + 8 + 9 <= total <= 5 + 6 + 7 + 8 + 9 + 10


def test_every_variant_espeak_lists_is_a_voice():
    voices = spoken_digits.espeak_variants(spoken_digits.find_espeak())
    # "Storm" is listed with a trailing column, "Mr serious" has a space (it cannot follow "+" in -v)
    assert "Storm" in voices and "f2" in voices and "klatt" in voices and "whisper" in voices
    assert not any(" " in v for v in voices) and "Mr" not in voices
    assert voices == sorted(voices) and len(voices) >= 90
