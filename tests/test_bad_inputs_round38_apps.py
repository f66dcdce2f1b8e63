"""Round 38, recipes (rnnkit/apps): rows A38-01 .. of /work/notes/round38_apps.md.

A38-01 ``eventlogs.NGramDetector.score`` of text ids spelt otherwise than in fit (another case, spaces around them).
A38-02 ``NGramDetector.fit`` of text ids that differ only by case or spaces.
A38-03 ``charlm.split_corpus`` of more test or training characters than the files or the text hold.
A38-04 a recipe's ``run(quick=True, out=...)`` into a folder that holds a full run's report, or another recipe's.
A38-05 ``spoken_digits.babble``, ``corrupt``, ``noise_robustness`` of a stereo clip, numpy clips, an index past
the clips.
A38-06 ``surveillance.predict`` of no clip, of float64 or numpy clips; ``fit`` of float64 clips.
A38-07 ``surveillance.predict`` of one clip ``(T, 1, H, W)`` without its batch axis.
A38-08 ``dna.tatawa_peak`` of sequences shorter than the motif.
A38-09 ``driving.predict`` of no episode, of integer steps.
A38-10 ``dna.with_negatives`` of soft-masked promoters (repeats in lower case).
A38-11 ``stocks.diebold_mariano`` of a few days' losses.
A38-12 ``spoken_digits.DTWNearestNeighbour.predict`` of one clip's ``(T, F)`` array.
A38-13 ``eventlogs.fit_lstm``, ``score_lstm`` of event ids as whole-number floats.
Each test fails on the commit before its fix."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from collections import Counter

import numpy as np
import pytest
import torch

from rnnkit.apps import charlm, check_run_arguments, dna, driving, eventlogs, spoken_digits, stocks, surveillance
from rnnkit.report import write_report

NAMES = ["login", "view", "add", "pay", "logout"]


def _sessions(n: int, spell=lambda name: name, seed: int = 0) -> eventlogs.Sessions:
    rng = np.random.default_rng(seed)
    events = [np.array([spell(NAMES[i]) for i in (0, 1, 1, 2, 3, 4)], dtype=object) for _ in range(n)]
    return eventlogs.Sessions(events, [np.r_[0.0, rng.uniform(1, 5, 5)] for _ in range(n)])


def test_A38_01_ngram_score_of_ids_spelt_in_another_case_is_refused():
    # before: every step ranked RANK_UNSEEN and every session flagged, without a word
    detector = eventlogs.NGramDetector(2).fit(_sessions(20))
    for spell, shown in ((str.capitalize, "'Login'"), (lambda name: f" {name}", "' login'")):
        with pytest.raises(ValueError, match=rf"NGramDetector\.score: session 0, step 0 has the event {shown}, which "
                                             r"fit saw only as 'login' \(30 step\(s\) spelt otherwise .* never seen "
                                             r".*str\.strip\(\)\.str\.lower\(\)"):
            detector.score(_sessions(5, spell, seed=1))
    flagged = eventlogs.flag_sessions(detector.score(_sessions(5, seed=1)), 3, None)
    assert not flagged.any()  # the same spelling scores as before
    # an event fit saw in both spellings is scored in either
    both = _sessions(20)
    both.events[3] = np.array(["Login", "view", "view", "add", "pay", "logout"], dtype=object)
    with pytest.warns(UserWarning):
        detector = eventlogs.NGramDetector(2).fit(both)
    scored = _sessions(2, seed=1)
    scored.events[1] = both.events[3].copy()
    assert [r.max() for r in detector.score(scored).rank] == [0, 0]


def test_A38_02_ngram_fit_of_ids_differing_only_by_case_is_warned_of():
    # before: 'Login' and 'login' counted as two events without a word
    train = _sessions(20)
    train.events[3] = np.array(["Login", "view", "view", "add", "pay", "logout"], dtype=object)
    with pytest.warns(UserWarning, match=r"NGramDetector\.fit: the event ids 'login' \(session 0, step 0\) and "
                                         r"'Login' \(session 3, step 0\) differ only by case or spaces, so they are "
                                         r"counted as two events.*warnings\.filterwarnings"):
        eventlogs.NGramDetector(2).fit(train)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        eventlogs.NGramDetector(2).fit(_sessions(20))  # one spelling: nothing said
        ids = eventlogs.Sessions([np.array([0, 1, 1, 2])] * 3, [np.array([0.0, 1.0, 2.0, 1.5])] * 3)
        eventlogs.NGramDetector(2).fit(ids)  # integer ids: no spelling


def test_A38_03_split_corpus_of_more_characters_than_the_text_holds_is_warned_of():
    # before: a test text (or training text) shorter than asked, without a word
    files = {f"pkg/mod{i}.py": f"x = {i}\n" for i in range(200)}
    with pytest.warns(UserWarning, match=r"split_corpus: test_chars=10,000 asks for more than the 7 test files hold "
                                         r"\(60 characters\), so that part is all 60 of them; ask for test_chars"):
        _, _, test, _ = charlm.split_corpus("python", files, None, 10_000)
    assert len(test) == 60
    with pytest.warns(UserWarning, match=r"split_corpus: train_chars=50,000 asks for more than the 193 training files "
                                         r"hold \(1,628 characters\)"):
        train, _, _, _ = charlm.split_corpus("python", files, 50_000, 20)
    assert len(train) == 1628
    text = "a line of text\n" * 200
    with pytest.warns(UserWarning, match=r"split_corpus: train_chars=5,000 asks for more than the text before the "
                                         r"validation and test texts hold \(2,520 characters\)"):
        train, _, _, _ = charlm.split_corpus("bible", text, 5000, 300, 200)
    assert len(train) == 2520
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charlm.split_corpus("python", files, 1000, 60, 100)  # all within the files: nothing said
        charlm.split_corpus("bible", text, 2000, 300, 200)


@pytest.mark.parametrize(("earlier", "name", "quick", "message"), [
    ({"recipe": "dna", "settings": {"quick": False}}, "dna", True, r"holds a full run of the dna recipe, which this "
     r"quick run would replace \('DNA' in its report\.json\); give another out \(e\.g\. out='.*r-dna-quick'\)"),
    ({"recipe": "sentiment", "quick": False}, "sentiment", True, r"holds a full run of the sentiment recipe"),
    ({"recipe": "stocks", "quick": False, "settings": {"lookback": 20}}, "stocks", True, r"holds a full run of the "
     r"stocks recipe"),
    ({"recipe": "spoken-digits", "settings": {"quick": False}}, "spoken_digits", True, r"holds a full run of the "
     r"spoken_digits recipe"),
    ({"recipe": "dna", "settings": {"quick": True}}, "stocks", False, r"holds the dna recipe's report, which the "
     r"stocks recipe's would replace"),
    ({"a": 1}, "dna", True, r"holds a report that is not a recipe's"),
])
def test_A38_04_a_run_that_would_replace_a_larger_or_another_report_is_refused(tmp_path, earlier, name, quick,
                                                                              message):
    # before: the earlier report replaced without a word once the run ended
    out = tmp_path / "r"
    write_report(out, title="DNA", results=earlier, markdown="body")
    with pytest.raises(ValueError, match=rf"{name}\.run: out='.*' {message}"):
        check_run_arguments(name, quick, 0, out, print)
    assert json.loads((out / "report.json").read_text())["results"] == earlier


def test_A38_04_a_run_as_large_replaces_its_own_recipes_report(tmp_path):
    out = tmp_path / "r"
    write_report(out, title="DNA", results={"recipe": "dna", "settings": {"quick": True}}, markdown="body")
    assert check_run_arguments("dna", True, 0, out, print) == str(out)  # a quick run over a quick one
    assert check_run_arguments("dna", False, 0, out, print) == str(out)  # a full run over it
    write_report(out, title="DNA", results={"recipe": "dna", "settings": {"quick": False}}, markdown="body")
    assert check_run_arguments("dna", False, 0, out, print) == str(out)  # a full run over a full one
    write_report(out, title="Digits", results={"recipe": "spoken-digits", "settings": {"quick": False}}, markdown="b")
    assert check_run_arguments("spoken_digits", False, 0, out, print) == str(out)  # its results name it so


def _waves(n: int = 8) -> tuple[list, list[str]]:
    g = torch.Generator().manual_seed(0)
    return [torch.randn(4000, generator=g) * 0.1 for _ in range(n)], ["a", "a", "b", "b", "c", "c", "d", "d"][:n]


def test_A38_05_babble_of_a_stereo_talker_is_refused_naming_the_clip():
    # before: a soundfile (N, 2) clip among the talkers read interleaved as one channel of twice the samples, without
    # a word; its own clip's babble made (N,) beside an (N, 2) clip
    waves, voices = _waves()
    waves[3] = torch.stack([waves[3], waves[3]], 1)  # (N, 2)
    for call, who in ((lambda: spoken_digits.babble(waves, voices, 0, np.random.default_rng(0)), "babble"),
                      (lambda: spoken_digits.corrupt(waves, voices, np.random.default_rng(1)), "corrupt")):
        with pytest.raises(ValueError, match=rf"{who}: clip 3 of waves must be one mono clip, a 1-D tensor of samples "
                                             r"\(N,\), got \(4000, 2\); mix channels down first"):
            call()
    waves, voices = _waves()
    mono = spoken_digits.babble(waves, voices, 0, np.random.default_rng(0))
    stereo = [torch.stack([w, w]) if k == 4 else w for k, w in enumerate(waves)]  # (C, N)
    with pytest.raises(ValueError, match=r"babble: clip 4 of waves .* got \(2, 4000\)"):
        spoken_digits.babble(stereo, voices, 0, np.random.default_rng(0))
    # soundfile's numpy clips are read as their tensors (an AttributeError before), the same babble
    numpy_waves = [w.numpy() for w in waves]
    assert torch.equal(spoken_digits.babble(numpy_waves, voices, 0, np.random.default_rng(0)), mono)
    noisy = spoken_digits.corrupt(numpy_waves, voices, np.random.default_rng(1))
    assert [tuple(w.shape) for w in noisy] == [(4000,)] * 8
    with pytest.raises(ValueError, match=r"babble: i must be the index of one of the 8 clips \(0 to 7\), got 8"):
        spoken_digits.babble(waves, voices, 8, np.random.default_rng(0))  # an IndexError before
    with pytest.raises(ValueError, match=r"babble: clip 0 of waves .* got tuple; give the samples alone, as "
                                         r"read_wav's \(wave, rate\) pair"):
        spoken_digits.babble([(w, 22050) for w in waves], voices, 0, np.random.default_rng(0))


def test_A38_06_surveillance_predict_of_no_clip_float64_or_numpy_clips():
    # before: torch's "aminmax(): cannot compute aminmax over an empty dimension"; float64 clips refused deep in the
    # layer ("x is torch.float64 but the layer's parameters are torch.float32"); numpy clips "hold ndarray"
    model = surveillance.NextFramePredictor(4, (6, 8))
    clips = torch.rand(3, 4, 1, 6, 8, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"predict: the context clips hold no pixels \(shape \(0, 4, 1, 6, 8\)\); "
                                         r"give at least one clip"):
        surveillance.predict(model, clips[:0])
    expected = surveillance.predict(model, clips)
    for given in (clips.double(), clips.numpy(), clips.double().numpy()):
        predicted = surveillance.predict(model, given)
        assert predicted.dtype == torch.float32 and torch.allclose(predicted, expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"predict: the context clips hold uint8 pixels; give float frames"):
        surveillance.predict(model, (clips.numpy() * 255).astype(np.uint8))  # 8-bit frames still refused
    trained, history, _ = surveillance.fit(lambda: surveillance.NextFramePredictor(4, (6, 8)), clips.double(),
                                           clips[:2].double(), epochs=1, lr=1e-3, batch_size=2, clip_grad_norm=1.0,
                                           seed=0, log=lambda message: None)
    assert trained.context == 3 and np.isfinite(history["train_mse"]).all()


def test_A38_07_one_clip_without_its_batch_axis_is_not_told_to_gain_a_channel():
    # before: "the channel is missing: frames[:, :, None]", which reads one clip of 4 frames as 4 clips of one frame
    model = surveillance.NextFramePredictor(4, (6, 8))
    clip = torch.rand(4, 1, 6, 8, generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"got \(4, 1, 6, 8\); one clip of 4 frames \(T, 1, H, W\)\? give it as a "
                                         r"batch of one: frames\[None\]"):
        surveillance.predict(model, clip)
    assert surveillance.predict(model, clip[None]).shape == (1, 1, 6, 8)
    with pytest.raises(ValueError, match=r"got \(3, 4, 6, 8\); the channel is missing: frames\[:, :, None\]"):
        surveillance.predict(model, torch.rand(3, 4, 6, 8))  # (B, T, H, W): as before


def test_A38_08_tatawa_peak_of_sequences_shorter_than_the_motif_says_so():
    # before: "... holds TATAWA ...; give promoter sequences" for sequences of 3 bp
    with pytest.raises(ValueError, match=r"tatawa_peak: none of the 2 sequence\(s\) holds TATAWA .* every one is "
                                         r"shorter than the motif's 6 bp \(the longest 3 bp\)"):
        dna.tatawa_peak(["ACG", "TAT"])
    with pytest.raises(ValueError, match=r"holds TATAWA .*; give promoter sequences$"):
        dna.tatawa_peak(["ACGTACGTACGT"])
    assert dna.tatawa_peak(["GGTATAAAGG" + "C" * 30]) == [-40, -31]


def test_A38_09_driving_predict_of_no_episode_or_integer_steps():
    # before: pad_sequences' "got no sequences; pass a non-empty list of (T, ...) arrays"; integer inputs passed the
    # recipe's check and were refused by the layer ("x must be a floating-point tensor, got dtype torch.int64")
    settings = dataclasses.replace(driving.QUICK, hidden_size=4)
    model = driving.build_model("gru", 4, settings)
    scaling = driving.Scaling(np.zeros(4), np.ones(4), np.zeros(1), np.ones(1))
    with pytest.raises(ValueError, match=r"predict: inputs holds no episode; give a list of episodes, each \(T, F\) "
                                         r"as policy_inputs gives it \(\[x\] for one\)"):
        driving.predict(model, [], scaling)
    steps = np.random.default_rng(0).integers(0, 2, (6, 4))
    as_ints = driving.predict(model, [steps], scaling)
    as_floats = driving.predict(model, [steps.astype(np.float32)], scaling)
    assert as_ints[0].shape == (6, 1) and np.array_equal(as_ints[0], as_floats[0])


def _pairs(text: str) -> Counter:
    return Counter(text[i : i + 2] for i in range(len(text) - 1))


def test_A38_10_with_negatives_of_soft_masked_promoters_shuffles_the_bases():
    # before: dinucleotide_shuffle's warning (a function the caller did not call), and each lower-case run kept in
    # place as a block of its own letters: a negative nearer its promoter than a shuffle of the bases
    rng = np.random.default_rng(0)
    bases = "".join(rng.choice(list("ACGT"), 60))
    masked = bases[:20] + bases[20:40].lower() + bases[40:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        texts, labels = dna.with_negatives([masked, bases], np.random.default_rng(1))
    negative = texts[2]
    assert labels.tolist() == [1, 1, 0, 0] and texts[:2] == [masked, bases]
    assert _pairs(negative.upper()) == _pairs(masked.upper())  # a dinucleotide shuffle of the bases
    assert [c.islower() for c in negative] == [c.islower() for c in masked]  # case tells neither class
    lower_run = negative[20:40].upper()
    assert _pairs(lower_run) != _pairs(bases[20:40])  # the masked run's bases moved (kept as a block before)
    assert texts[3].isupper() and _pairs(texts[3]) == _pairs(bases)  # one case: shuffled as given


def test_A38_11_diebold_mariano_of_a_few_days_is_read_against_students_t():
    # before: the normal's p: 2e-9 for two days of losses (t = -6), a "significant" gain from two days
    two = stocks.diebold_mariano(np.array([0.5, 1.5]), np.array([1.5, 3.5]))
    assert two["t"] == pytest.approx(-6 * np.sqrt(1 / 2)) and two["p"] == pytest.approx(0.1474, abs=1e-4)
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 20) ** 2, rng.normal(0.3, 1, 20) ** 2
    few = stocks.diebold_mariano(a, b)
    assert few["p"] > math.erfc(abs(few["t"]) / math.sqrt(2))  # wider than the normal's (equal before)
    noise = rng.normal(0, 1, 1000)
    many = stocks.diebold_mariano(noise**2, rng.normal(0, 1, 1000) ** 2)
    normal = math.erfc(abs(many["t"]) * math.sqrt(1000 / 999) / math.sqrt(2))
    assert many["p"] == pytest.approx(normal, rel=0.02)  # over many days the two agree


def test_A38_12_dtw_nearest_neighbour_of_one_clips_array_names_the_list():
    # before: "clip 0 has shape (5,), but each clip must be (T, 5) frames" (its rows read as clips)
    rng = np.random.default_rng(0)
    clips = [rng.normal(size=(n, 5)) for n in (6, 7, 8, 9)]
    model = spoken_digits.DTWNearestNeighbour().fit(clips, np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match=r"DTWNearestNeighbour\.predict: x is one array of shape \(7, 5\), whose rows "
                                         r"would be read as 7 clips of one frame each; .*\[x\] for one"):
        model.predict(clips[1])
    assert model.predict([clips[1]]).tolist() == [1]
    assert model.predict(np.stack([clips[0][:6], clips[1][:6]])).shape == (2,)  # (N, T, F): N clips, as before


def test_A38_13_event_ids_as_whole_floats_are_read_as_the_integer_ids():
    # before: fit_lstm and score_lstm refused ids 0.0 .. 4.0 (a pandas column made float by a NaN once) as "of
    # another vocabulary": "encode the sessions with one vocabulary and pass its size"
    rng = np.random.default_rng(0)
    events = [np.array([0, 1, 1, 2, 3, 4]) for _ in range(12)]
    waits = [np.r_[0.0, rng.uniform(1, 5, 5)] for _ in range(12)]
    floats = [e.astype(np.float64) for e in events]
    checked = eventlogs.check_sessions(eventlogs.Sessions(floats, waits), "test")
    assert all(e.dtype == np.int64 and np.array_equal(e, f) for e, f in zip(checked.events, floats, strict=True))
    as_ints = eventlogs.training_items(eventlogs.Sessions(events, waits))
    items = eventlogs.training_items(eventlogs.Sessions(floats, waits))
    assert all(torch.equal(a[0], b[0]) for a, b in zip(items, as_ints, strict=True))
    budget = {**eventlogs.QUICK, **eventlogs.SHARED, "max_epochs": 1}
    module = eventlogs.fit_lstm(eventlogs.Sessions(floats, waits), 5, budget, seed=0)
    assert np.array_equal(eventlogs.score_lstm(module, eventlogs.Sessions(floats[:2], waits[:2])).rank[0],
                          eventlogs.score_lstm(module, eventlogs.Sessions(events[:2], waits[:2])).rank[0])
    with pytest.raises(ValueError, match=r"score_lstm: session 0, step 2 has event 1\.5 \(float64\), but the model"):
        eventlogs.score_lstm(module, eventlogs.Sessions([np.array([0.0, 1.0, 1.5])], [np.zeros(3)]))  # not an id
