"""The twenty-fifth round's cases of the application recipes, the comparison and the tasks, driven with a user's
own data and options: A25-01 ``compare`` and ``clipping_report`` writing under a file or into a locked directory;
A25-02 ``get_task`` with ``seed=None`` or ``permutation_seed=None``; A25-03 ``sentiment.prepare`` of a corpus of
one class or of labels other than 0 and 1; A25-04..06 ``eventlogs``' detectors fitted on sessions of one event,
``fit_lstm`` of ids beyond its vocabulary, ``make_split`` of too few users; A25-07/08 ``dna.one_hot`` of sequences
of other lengths and ``kmer_profile`` of no or repeated k; A25-09 ``spoken_digits.features`` of ``read_wav``'s pair
at another sample rate; A25-10 ``over_runs`` of numbers written as text; A25-11 ``driving.mean_interval`` of equal
values, text or NaN; A25-12 the recipes' training helpers given 0 epochs; A25-13 ``surveillance.frame_metrics`` of
frames in 0..255; A25-14 ``Task.score`` of outputs of another shape; A25-15/16 a comparison's and a recipe's
statistics of a diverged run, read back from report.json."""
import os
import subprocess

import numpy as np
import pytest
import torch

from rnnkit.apps import dna, driving, eventlogs, over_runs, sentiment, spoken_digits
from rnnkit.tasks import get_task

QUICK_COMPARE = dict(lengths=[5], seeds=1, steps=3, eval_every=10, hidden_size=4, batch_size=8, log=None,
                     cells=["rnn"], task_params={"n_train": 16, "n_val": 16, "n_test": 16})


def _locked(directory):
    """``directory`` made immutable (root on a file system with chattr), or None where that cannot be done."""
    directory.mkdir()
    if subprocess.run(["chattr", "+i", str(directory)], capture_output=True).returncode != 0:
        return None
    return lambda: subprocess.run(["chattr", "-i", str(directory)], check=True)


def test_A25_01_a_report_that_could_not_be_written_is_refused_before_the_runs(tmp_path, monkeypatch):
    # before: compare trained every model and clipping_report ran both trainings, then write_report failed with
    # "'…/notes.txt/run' lies under '…/notes.txt', which is a file" (or PermissionError in a locked directory)
    import rnnkit.compare
    import rnnkit.tasks

    def trained(*args, **kwargs):
        raise AssertionError("a model was trained before out was checked")

    monkeypatch.setattr(rnnkit.compare, "train_one", trained)
    monkeypatch.setattr(rnnkit.tasks, "exploding_gradient_demo", trained)
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    with pytest.raises(ValueError, match=r"^compare: out='.*notes.txt/run' lies under '.*notes.txt', which is a "
                                         r"file; give a directory for the report"):
        rnnkit.compare.compare("adding", out=notes / "run", **QUICK_COMPARE)
    with pytest.raises(ValueError, match=r"^clipping_report: out='.*notes.txt/run' lies under '.*notes.txt', which "
                                         r"is a file"):
        rnnkit.compare.clipping_report(out=notes / "run", steps=5)
    restore = _locked(tmp_path / "locked")
    if restore is not None:
        try:
            with pytest.raises(ValueError, match=r"^compare: out='.*locked/run': cannot create files in '.*locked' "
                                                 r"\(Operation not permitted\); choose another location"):
                rnnkit.compare.compare("adding", out=tmp_path / "locked" / "run", **QUICK_COMPARE)
        finally:
            restore()
        assert not os.listdir(tmp_path / "locked")
    assert notes.read_text() == "mine"


def test_A25_02_an_unseeded_or_unpermuted_task_is_refused_not_drawn_afresh_on_each_call():
    # before: seed=None split the digits (and drew the adding problem) anew on every call, so two calls, two models
    # compared, saw different data; permuted_digits with permutation_seed=None read the pixels in order, as "digits"
    with pytest.raises(ValueError, match=r"get_task: seed=None would draw a new, unrepeatable task on every call for "
                                         r"task 'digits'; give an integer >= 0 \(default 0\)"):
        get_task("digits", seed=None)
    with pytest.raises(ValueError, match=r"get_task: seed=None would .* for task 'adding'"):
        get_task("adding", T=5, n_train=4, n_val=4, n_test=4, seed=None)
    with pytest.raises(ValueError, match=r"get_task: permutation_seed=None would read the pixels unpermuted .*for "
                                         r"task 'permuted_digits'; give an integer >= 0 \(default 0\)"):
        get_task("permuted_digits", permutation_seed=None)
    assert get_task("digits", permutation_seed=None).name == "digits"  # its own default: rows, unpermuted


def test_A25_03_a_sentiment_corpus_of_one_class_or_of_other_labels_is_refused():
    # before: one class, labels 1/2 and three classes were all prepared; the two-output classifier would then
    # fail on the label 2 in training, and accuracy compared labels 1/2 with "P(positive) >= 0.5"
    texts = [f"review {i} was {'good' if i % 2 else 'bad'}" for i in range(40)]
    settings = sentiment.SETTINGS["quick"]
    with pytest.raises(ValueError, match=r"prepare: every one of the 40 labels is 0, so there is nothing to tell "
                                         r"apart .*give reviews of both classes, 0 \(negative\) and 1 \(positive\)"):
        sentiment.prepare(texts, np.zeros(40, int), settings, 0)
    with pytest.raises(ValueError, match=r"prepare: labels\[1\] is 2 \(20 such label\(s\); classes \[1, 2\]\), but "
                                         r"the sentiment classifier reads 0 \(negative\) and 1 \(positive\)"):
        sentiment.prepare(texts, np.arange(40) % 2 + 1, settings, 0)
    with pytest.raises(ValueError, match=r"classes \[0, 1, 2\]"):
        sentiment.prepare(texts, np.arange(40) % 3, settings, 0)
    prepared = sentiment.prepare(texts, np.arange(40) % 2 == 1, settings, 0)  # True/False: positive/negative
    assert sorted(np.unique(np.concatenate(list(prepared.y.values()))).tolist()) == [False, True]


BUDGET = {**eventlogs.QUICK, **eventlogs.SHARED, "max_epochs": 1}


def _sessions(*events):
    return eventlogs.Sessions([np.array(e) for e in events], [np.arange(len(e), dtype=float) for e in events])


def test_A25_04_a_detector_fitted_on_sessions_of_one_event_is_refused_not_flagging_everything():
    # before: NGramDetector.fit learnt nothing from sessions of one event (or none) and then flagged every session
    # scored; fit_lstm ended in torch's "num_samples should be a positive integer value, but got num_samples=0"
    normal = _sessions([0, 1, 2, 3], [0, 1, 2, 3])
    for train in (_sessions([0], [1]), _sessions()):
        with pytest.raises(ValueError, match=rf"NGramDetector.fit: none of the {len(train.events)} training "
                                             r"session\(s\) holds 2 or more events, so there is no next event to "
                                             r"learn from"):
            eventlogs.NGramDetector(2).fit(train)
    with pytest.raises(ValueError, match=r"fit_lstm: none of the 2 training session\(s\) holds 2 or more events"):
        eventlogs.fit_lstm(_sessions([0], [1]), 4, BUDGET, seed=0)
    flags = eventlogs.flag_sessions(eventlogs.NGramDetector(2).fit(_sessions([0, 1, 2, 3])).score(normal), 1, 3.0)
    assert flags.tolist() == [False, False]  # one case of several events: learnt from, not refused


def test_A25_05_lstm_training_events_beyond_the_vocabulary_are_named():
    # before: torch's "IndexError: Target 5 is out of bounds." from inside the first training step
    with pytest.raises(ValueError, match=r"fit_lstm: session 1, step 2 has event 5 \(int64\), but vocab_size=4 gives "
                                         r"the model the integer ids 0..3; encode the sessions with one vocabulary"):
        eventlogs.fit_lstm(_sessions([0, 1, 2], [0, 1, 5]), 4, BUDGET, seed=0)
    with pytest.raises(ValueError, match=r"fit_lstm: vocab_size must be an integer >= 1 .*got 4.0"):
        eventlogs.fit_lstm(_sessions([0, 1, 2]), 4.0, BUDGET, seed=0)


def test_A25_06_a_log_of_too_few_users_for_the_three_parts_is_named():
    # before: sessionize's "the event log is empty", for the part that got no user (3 users: the test part)
    for users in (1, 3):
        with pytest.raises(ValueError, match=rf"make_split: users must be an integer >= 4, so that the train, "
                                             rf"validation and test parts \(50%, 20%, 30% of the users\) each get one,"
                                             rf" got {users}"):
            eventlogs.make_split(users, seed=0)
    assert {name: part.users for name, part in eventlogs.make_split(4, seed=0).items()} == {
        "train": 2, "validation": 1, "test": 1}


def test_A25_07_dna_sequences_of_other_lengths_are_named_not_a_stack_error():
    # before: torch's "stack expects each tensor to be equal size, but got [200] at entry 0 and [150] at entry 1"
    with pytest.raises(ValueError, match=r"one_hot: sequence 2 has 150 bp but sequence 0 has 200; the sequences "
                                         r"must be of one length, each ending at its TSS .*s\[-n:\]"):
        dna.one_hot(["ACGT" * 50, "TGCA" * 50, "ACGTT" * 30])
    with pytest.raises(ValueError, match=r"one_hot: sequences must be a non-empty list of DNA strings, got none"):
        dna.one_hot([])  # torch's "stack expects a non-empty TensorList"
    assert dna.one_hot(["ACGT", "acgN"]).shape == (2, 4, 4)


def test_A25_08_kmer_profile_of_no_k_or_a_k_twice_is_refused():
    # before: [] numpy's "need at least one array to concatenate"; [3, 3] the 3-mer columns twice, without a word
    for ks in ([], [3, 3]):
        with pytest.raises(ValueError, match=rf"kmer_profile: ks must name each k-mer size once, at least one .*got "
                                             rf"{ks!r}".replace("[", r"\[").replace("]", r"\]")):
            dna.kmer_profile(["ACGTACGT"], ks)
    assert dna.kmer_profile(["ACGTACGT"], (1, 2)).shape == (1, 5 + 17)


def test_A25_09_spoken_digit_features_of_a_wave_at_another_sample_rate_are_named(tmp_path):
    # before: read_wav's (wave, rate) pair was refused as "wave must be one mono clip ... got tuple; mix channels
    # down first", which says nothing of the rate; the rate is now checked against the log-mel frames'
    from rnnkit.data.audio import LogMel, read_wav, write_wav

    logmel = LogMel(spoken_digits.SAMPLE_RATE, 40, n_fft=512, hop_length=441)
    t = torch.arange(8820) / 44100
    write_wav(tmp_path / "cd.wav", 0.3 * torch.sin(2 * torch.pi * 440 * t), 44100)
    with pytest.raises(ValueError, match=r"features: the wave is sampled at 44100 Hz but the log-mel frames read "
                                         r"22050 Hz; read it at that rate \(read_wav\(path, sample_rate=22050, "
                                         r"resample=True\)\)"):
        spoken_digits.features(logmel, read_wav(tmp_path / "cd.wav"))
    pair = read_wav(tmp_path / "cd.wav", sample_rate=22050, resample=True)
    assert np.array_equal(spoken_digits.features(logmel, pair), spoken_digits.features(logmel, pair[0]))


def test_A25_10_runs_written_as_text_are_refused_not_read_as_their_numbers():
    # before: float("03") and float("3") made two runs of 3.0, "0.5" a run of 0.5, without a word
    with pytest.raises(ValueError, match=r"mean_sd: values\[0\] is the str '03', not a number; give one number per "
                                         r"run \(numbers written as text: convert them first"):
        over_runs(["03", "3"])
    assert over_runs(x for x in (0.5, 0.7))["runs"] == [0.5, 0.7]  # a generator, as the recipes pass them
    assert over_runs([np.float32(0.5)]) == {"mean": 0.5, "sd": None, "runs": [0.5]}


def test_A25_11_mean_interval_of_equal_values_text_or_nan_is_right_or_refused():
    # before: equal values (every episode at the same speed) gave the interval [nan, nan] with scipy's
    # RuntimeWarning; text of digits was read as numbers; a NaN made every bound NaN
    assert driving.mean_interval([0.5, 0.5, 0.5]) == {"mean": 0.5, "low": 0.5, "high": 0.5}
    with pytest.raises(ValueError, match=r"mean_interval: values\[0\] is '0.5', not a finite number \(<U3\)"):
        driving.mean_interval(["0.5", "0.7"])
    with pytest.raises(ValueError, match=r"mean_interval: values\[1\] is nan, not a finite number \(float64\)"):
        driving.mean_interval([0.5, float("nan")])
    interval = driving.mean_interval([1.0, 2.0, 3.0])
    assert interval["mean"] == 2.0 and interval["low"] == pytest.approx(2 - 4.302653 / 3**0.5 * 1, rel=1e-5)


def test_A25_12_a_recipe_helper_trained_for_no_epoch_is_refused_not_an_untrained_model(tmp_path):
    # before: the training layer takes max_epochs=0 (no training), so charlm.fit_lstm returned an untrained
    # model and an empty loss curve, eventlogs.fit_lstm an untrained detector, stocks.fit_rnn an untrained net
    # reported as trained for 0 epochs; surveillance.fit ended in numpy's "attempt to get argmin of an empty
    # sequence"
    from dataclasses import replace

    from rnnkit.apps import charlm, stocks, surveillance

    message = r"must be an integer >= 1 \(passes over the training data\), got 0; with none the model would be"
    with pytest.raises(ValueError, match=r"fit_lstm: the LSTM settings' epochs " + message):
        charlm.fit_lstm(torch.randint(0, 10, (2000,)), 10, dict(charlm.QUICK["lstm"]["bible"], epochs=0), seed=0,
                        device="cpu")
    with pytest.raises(ValueError, match=r"fit_lstm: budget\['max_epochs'\] " + message):
        eventlogs.fit_lstm(_sessions([0, 1, 2, 3]), 4, dict(BUDGET, max_epochs=0), seed=0)
    x, y = np.zeros((8, 5, 3), np.float32), np.zeros(8, np.float32)
    with pytest.raises(ValueError, match=r"fit_rnn: settings.max_epochs " + message):
        stocks.fit_rnn((x, y), (x, y), qlike_loss=True, settings=replace(stocks.QUICK, max_epochs=0), seed=0)
    clips = torch.zeros(4, 3, 1, 8, 8)
    with pytest.raises(ValueError, match=r"fit: epochs " + message):
        surveillance.fit(lambda: surveillance.NextFramePredictor(2, (8, 8)), clips, clips, epochs=0, lr=1e-3,
                         batch_size=2, clip_grad_norm=1.0, seed=0, log=lambda line: None)
    with pytest.raises(ValueError, match=r"fit_ctc: max_epochs " + message):
        spoken_digits.fit_ctc([np.zeros((5, 4), np.float32)], [(1,)], hidden_size=4, max_epochs=0, seed=0,
                              device="cpu")


def test_A25_13_frame_metrics_of_frames_outside_0_1_are_refused_not_a_negative_psnr():
    # before: one's own frames in 0..255 as floats gave a PSNR of -20 dB (peak 1) without a word; as uint8,
    # torch's "mean(): could not infer output dtype ... Got: Byte"
    from rnnkit.apps.surveillance import frame_metrics

    target, last = torch.full((2, 1, 4, 4), 20.0), torch.full((2, 1, 4, 4), 10.0)
    moving = torch.ones(2, 1, 4, 4, dtype=torch.bool)
    with pytest.raises(ValueError, match=r"frame_metrics: frame 0 of predicted has a pixel of 10 \(pixels from 10 to "
                                         r"10\), outside \[0, 1\], where the PSNR's peak is 1; scale the frames to "
                                         r"\[0, 1\] \(e.g. / 255 for 8-bit pixels\)"):
        frame_metrics(last, target, moving)
    with pytest.raises(ValueError, match=r"frame_metrics: predicted holds torch.uint8 pixels; give float frames in "
                                         r"\[0, 1\]"):
        frame_metrics(last.to(torch.uint8), target.to(torch.uint8), moving)
    scores = frame_metrics(last / 255, target / 255, moving)
    assert scores["mse"] == pytest.approx((10 / 255) ** 2) and scores["psnr"] == pytest.approx(28.1308, abs=1e-3)


def test_A25_14_task_scores_of_outputs_of_another_shape_or_not_probabilities_are_refused():
    # before: scores over 9 of digits' 10 classes, or a (n, 1) column, were arg-maxed as they were (class 0 for
    # every image); the adding problem's outputs of shape (2, 4) reshaped onto its 8 targets; the copy task's
    # unnormalised scores (each 1.0) a cross-entropy of 0; a split 'Test' Python's AttributeError, outputs of the
    # wrong length numpy's broadcast error
    digits = get_task("digits")
    n = len(digits.test)
    with pytest.raises(ValueError, match=rf"Task 'digits'.score: output has shape \({n}, 9\), but the {n} test "
                                         rf"targets of this classify task take \({n},\) or \({n}, 10\)"):
        digits.score(np.zeros((n, 9)))
    with pytest.raises(ValueError, match=r"output has shape \(360, 1\)"):
        digits.score(np.zeros((n, 1)))
    with pytest.raises(ValueError, match=r"Task 'digits'.score: split must be 'train', 'val' or 'test', got 'Test'"):
        digits.score(np.zeros((n, 10)), "Test")
    adding = get_task("adding", T=5, n_train=8, n_val=8, n_test=8)
    with pytest.raises(ValueError, match=r"Task 'adding'.score: output has shape \(2, 4\), but the 8 test targets "
                                         r"of this regress task take \(8,\) or \(8, 1\)"):
        adding.score(np.zeros((2, 4)))
    assert adding.score(np.zeros((8, 1))) == adding.score(np.zeros(8)) == pytest.approx(np.mean(adding.test.y ** 2))
    copy = get_task("copy", T=5, n_train=8, n_val=8, n_test=8)
    with pytest.raises(ValueError, match=r"Task 'copy'.score: output holds no probabilities at \(0, 0\) \(they sum "
                                         r"to 9\); cross-entropy reads probabilities .*apply softmax"):
        copy.score(np.ones((8, 25, 9)))
    assert copy.score(np.full((8, 25, 9), 1 / 9)) == pytest.approx(np.log(9))


def test_A25_15_a_comparison_with_a_diverged_run_is_rendered_again_from_its_report_json(tmp_path, monkeypatch):
    # before: report.json writes the diverged run's NaN as null, and markdown() of it failed with "format_stat:
    # mean must be a number, got None", demo_summary() with "unsupported format string passed to
    # NoneType.__format__" (plots() already read nulls as gaps)
    import json

    import rnnkit.compare

    monkeypatch.setattr(rnnkit.compare, "predict", lambda model, split, kind, **k: np.full((len(split), 1), np.nan))
    results = rnnkit.compare.compare("adding", out=tmp_path / "run", **QUICK_COMPARE)
    back = json.loads((tmp_path / "run" / "report.json").read_text())["results"]
    assert back["runs"]["rnn"][0]["test_metric"] is None and back["summary"]["rnn"]["5"]["test_metric"]["mean"] is None
    assert rnnkit.compare.markdown(back) == rnnkit.compare.markdown(results)
    assert "| rnn | 4 | 37 | nan | 0/1 |" in rnnkit.compare.markdown(back)
    assert "rnn  mse nan (chance " in rnnkit.compare.demo_summary({"adding": back}, command="rnnkit demo")
    assert ": not solved" in rnnkit.compare.demo_summary({"adding": back}, command="rnnkit demo")


def test_A25_16_a_statistic_over_runs_of_which_one_diverged_is_written_as_nan_also_from_report_json():
    # before: over_runs of a diverged run gave "nan ± nan" on the recipes' pages, and the same statistic read back
    # from report.json (its NaN written as null) "unsupported format string passed to NoneType.__format__"
    from rnnkit.apps import format_over_runs

    assert format_over_runs(over_runs([0.5, float("nan")])) == "nan"
    assert format_over_runs({"mean": None, "sd": None, "runs": [0.5, None]}) == "nan"
    assert format_over_runs(over_runs([0.5, 0.6])) == "0.550 ± 0.071" and format_over_runs(over_runs([0.5])) == "0.500"


def test_A25_17_sampled_texts_never_hold_the_vocabularys_special_symbols():
    """charlm.sample_texts of a model that gives <pad>, <unk> and <bos> most of its probability: the samples
    held '<unk>', '<pad>', '<bos>' among the characters; they are never drawn now."""
    import torch

    from rnnkit.data import Vocab
    from rnnkit.models import LanguageModel

    vocab = Vocab.build(["hello world\n"], level="char")
    model = LanguageModel(len(vocab), 8, cell="lstm").eval()
    with torch.no_grad():
        model.head.linear.bias.zero_()
        model.head.linear.bias[[vocab.pad_id, vocab.unk_id, vocab.bos_id]] = 10.0  # e^10: almost all the mass
    from rnnkit.apps import charlm

    texts = charlm.sample_texts(model, vocab, "he", 40, seed=0)
    for text in texts.values():
        assert text.startswith("he") and not any(s in text for s in ("<pad>", "<unk>", "<bos>")), text
