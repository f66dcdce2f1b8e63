"""Thirteenth round: the sequence estimators, the training layer and the loaders of text, audio, video, event logs
and DNA, given what a new user has at hand (sktime's arrays, files saved on Windows, real data sets).

One test per case of the catalogue (ids E13-01, E13-02, ...); each fails on the commit before its fix.
"""

import gzip
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader

from rnnkit import SequenceClassifier, SequenceTagger
from rnnkit.data.audio import mix_at_snr, read_wav, write_wav
from rnnkit.data.bio import dinucleotide_shuffle
from rnnkit.data.datasets import load_japanese_vowels
from rnnkit.data.events import sessionize
from rnnkit.data.text import TextClassificationDataset, Vocab
from rnnkit.data.video import read_video
from rnnkit.diagnostics import saliency
from rnnkit.models import LanguageModel
from rnnkit.training import SequenceModule, TokenStreams, seeded_fit


def _caught(fn):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_e13_01_channels_first_with_more_channels_than_steps_is_warned_of():
    X, y = load_japanese_vowels("train")
    nct = np.stack([x[:7].T for x in X])  # (270, 12, 7): sktime's numpy3D of the utterances' first 7 frames
    small = dict(hidden_size=4, max_epochs=1, random_state=0)
    _, said = _caught(lambda: SequenceClassifier(**small).fit(nct, y))  # was read as 12 steps of 7 features, unsaid
    assert any("X is an array of shape (270, 12, 7), read as (n, T, F): 12 time steps of 7 features each; but its "
               "values run smoothly along its last axis" in m and "pass layout='nct'" in m for m in said), said
    _, said = _caught(lambda: SequenceClassifier(**small).fit(list(nct), y))
    assert any("a list of equal-shape arrays of shape (270, 12, 7)" in m for m in said), said
    for layout in ("nct", "ntf"):  # said which: no warning
        fitted, said = _caught(lambda: SequenceClassifier(**small, layout=layout).fit(nct, y))
        assert said == [] and fitted.n_features_in_ == (12 if layout == "nct" else 7)
    ntf = np.stack([x[:20] for x in X if len(x) >= 20])  # (n, 20, 12) in rnnkit's layout: smooth along time
    _, said = _caught(lambda: SequenceClassifier(**small).fit(ntf, np.arange(len(ntf)) % 2))
    assert said == []
    noise = np.random.default_rng(0).normal(size=(30, 12, 7))  # no time structure either way: nothing to say
    _, said = _caught(lambda: SequenceClassifier(**small).fit(noise, np.arange(30) % 2))
    assert said == []


def _lm() -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(10, 8)


@pytest.mark.parametrize("loader, message", [
    (dict(batch_size=None, shuffle=True), r"stateful=True carries each batch's final state into the next batch, but "
                                          r"the validation DataLoader shuffles \(RandomSampler\)"),
    (dict(batch_size=4), r"the validation DataLoader batches a TokenStreams \(batch_size=4\), whose items are whole "
                         r"batches already"),
])
def test_e13_02_a_stateful_module_checks_its_validation_loader_as_its_training_one(loader, message):
    train = DataLoader(TokenStreams(torch.arange(200) % 7, 4, 5), batch_size=None)
    val = DataLoader(TokenStreams(torch.arange(100) % 7, 4, 5), **loader)
    # were: a val_loss of windows each read from an unrelated window's state; default_collate's TypeError on None
    with pytest.raises(ValueError, match=message):
        seeded_fit(lambda: SequenceModule(_lm(), stateful=True), train, val, seed=0, max_epochs=1, device="cpu")
    in_order = DataLoader(TokenStreams(torch.arange(100) % 7, 4, 5), batch_size=None)
    result = seeded_fit(lambda: SequenceModule(_lm(), stateful=True), train, in_order, seed=0, max_epochs=1,
                        device="cpu")
    assert len(result.module.history["val_loss"]) == 1


def test_e13_03_saliency_of_a_model_trained_on_windows_explains_the_class_predict_returns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 80, 2)).astype(np.float32)
    y = np.array(["a", "b", "c"])[np.arange(40) % 3]
    model = SequenceClassifier(hidden_size=4, max_epochs=1, crop=0.5, random_state=0).fit(X, y)
    assert model.predict_windows_ > 1
    explained = saliency(model, X)
    # was the whole sequence's argmax: another class than predict's for some of the 40
    assert list(model.classes_[explained.target]) == list(model.predict(X))
    assert explained.gradient.shape == X.shape  # read on the whole sequences


@pytest.mark.parametrize("level, tokens", [("char", list("Hello world")), ("word", ["Hello", "world"])])
def test_e13_04_a_leading_byte_order_mark_is_no_token(level, tokens):
    text = "\ufeffHello world"  # open(path, encoding="utf-8").read() of a file saved with a BOM
    vocab = Vocab.build([text], level=level)
    assert "\ufeff" not in vocab  # was a token of its own (the most frequent-looking rare char of every file)
    assert vocab.decode(vocab.encode(text, strict=True)) == tokens
    data = TextClassificationDataset([text, "world"], [0, 1], vocab, strict=True)
    assert data.ids[0].tolist() == vocab.encode("Hello world").tolist()
    assert "\ufeff" in Vocab.build(["a\ufeffb"], level="char")  # inside a text it is a character (zero-width space)


@pytest.mark.parametrize("y, hint", [
    (np.arange(120).reshape(12, 10, 1) % 2,
     r"they are a column \(T, 1\); pass them without their last axis \(y\[\.\.\., 0\]"),
    (np.eye(3)[np.arange(120).reshape(12, 10) % 3],
     r"they look one-hot encoded \(a single 1 per step\); pass the labels, e\.g\. y\.argmax\(axis=-1\)"),
    (["EEEEEIIIII"] * 12, r"they are one string of 10 characters \('EEEEEIIIII'\); for a label per character pass its "
                          r"letters: \[list\(s\) for s in y\]"),
])
def test_e13_05_a_tagger_s_labels_of_another_shape_say_how_to_give_them(y, hint):
    X = np.random.default_rng(0).normal(size=(12, 10, 2)).astype(np.float32)
    # were "have shape (10, 1) but the sequence has 10 steps; give one label per step" and no more
    with pytest.raises(ValueError, match=r"the labels of sequence 0 have shape .* but the sequence has 10 steps; give "
                                         r"one label per step: " + hint):
        SequenceTagger(hidden_size=4, max_epochs=1).fit(X, y)


def _dm3_promoter() -> str:
    """The first promoter of Biostrings' dm3_upstream2000.fa.gz, lower case as shipped (the letters only)."""
    path = Path(__file__).resolve().parents[1] / "data" / "dm3_upstream2000.fa.gz"
    if not path.is_file():
        pytest.skip("data/dm3_upstream2000.fa.gz is not here")
    with gzip.open(path, "rt") as f:
        next(f)
        return "".join(line.strip() for line, _ in zip(f, range(40), strict=False))


def test_e13_06_a_soft_masked_sequence_shuffled_as_two_alphabets_is_warned_of():
    seq = _dm3_promoter()  # 2000 bases; a soft-masked genome writes its repeats in lower case, the rest in upper
    masked = seq[:800].upper() + seq[800:1200] + seq[1200:].upper()
    with pytest.warns(UserWarning, match=r"the sequence mixes lower- and upper-case letters \(2 case switches; "
                                         r"soft-masked repeats\?\), which are shuffled as distinct letters: each "
                                         r"switch stays in place .* pass seq.upper\(\) to shuffle the bases"):
        shuffled = dinucleotide_shuffle(masked, rng=0)  # was shuffled without a word: the repeat's case run kept
    switches = sum(a.islower() != b.islower() for a, b in zip(shuffled, shuffled[1:], strict=False))
    assert switches == 2 and sum(map(str.islower, shuffled)) == 400  # as documented: case-sensitive, one run
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one case: no warning
        assert sorted(dinucleotide_shuffle(seq, rng=0)) == sorted(seq)
        assert dinucleotide_shuffle(masked.upper(), rng=0) != masked.upper()


def _log(**columns) -> pd.DataFrame:
    times = pd.to_datetime(["2024-03-31 00:10", "2024-03-31 00:20", "2024-03-31 03:10", "2024-03-31 03:15"])
    return pd.DataFrame({"user": ["u1", "u1", "u2", "u2"], "event": list("abab"), "timestamp": times, **columns})


@pytest.mark.parametrize("times, fix", [
    (lambda t: t.dt.to_period("min"), r"has type period\[min\] .*: take each period's start: df\['timestamp'\] = "
                                      r"df\['timestamp'\]\.dt\.to_timestamp\(\)"),
    (lambda t: t.astype(object), r"has type object .*: the column holds Timestamp objects, not a column of dates: "
                                 r"convert it with pd\.to_datetime\(df\['timestamp'\]\)"),
    (lambda t: pd.Series([v.date() for v in t], dtype=object), r"the column holds date objects, not a column of dates"),
])
def test_e13_07_event_times_of_other_types_are_named_as_what_they_are(times, fix):
    log = _log()
    log["timestamp"] = times(log["timestamp"])
    with pytest.raises(ValueError, match=fix):  # were all told to "parse text with pd.to_datetime(...)"
        sessionize(log)
    period = isinstance(log["timestamp"].dtype, pd.PeriodDtype)
    fixed = log.assign(timestamp=log["timestamp"].dt.to_timestamp() if period else pd.to_datetime(log["timestamp"]))
    assert sessionize(fixed)["session"].nunique() == 2


def test_e13_08_user_ids_that_print_alike_in_two_types_are_refused():
    log = _log(user=[7, 7, "7", "7"])  # two logs joined, one read its ids as numbers
    with pytest.raises(ValueError, match=r"column 'user' holds 7 \(int\) at row 0 and '7' \(str\) at row 2, which "
                                         r"print alike but would be two users, each with sessions of their own; give "
                                         r"the column one type \(e\.g\. df\['user'\] = df\['user'\]\.astype\(str\)\)"):
        sessionize(log)  # was two users "7", the second's events a session of their own
    assert sessionize(log.assign(user=log["user"].astype(str)))["session"].tolist() == [0, 0, 1, 1]
    same = log.assign(user=[7, np.int64(7), 7, 7]).astype({"user": object})
    assert sessionize(same, gap=pd.Timedelta(hours=4))["session"].tolist() == [0, 0, 0, 0]  # 1 and np.int64(1): one


def test_e13_09_a_video_size_in_opencv_s_w_h_order_is_warned_of():
    path = Path(__file__).resolve().parents[1] / "data" / "vtest.avi"  # 768 wide, 576 high
    if not path.is_file():
        pytest.skip("data/vtest.avi is not here")
    with pytest.warns(UserWarning, match=r"size=\(192, 144\) is \(H, W\): frames 192 high and 144 wide, the shape of "
                                         r".*vtest.avi's 576x768 \(H x W\) frames turned on its side, so each would be "
                                         r"squeezed; if you meant 192 wide and 144 high .* pass size=\(144, 192\)"):
        frames = read_video(path, size=(192, 144), max_frames=2)  # a quarter of 768x576 as cv2.resize takes it
    assert frames.shape == (2, 192, 144, 3)  # read as asked: the warning changes nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_video(path, size=(144, 192), max_frames=2).shape == (2, 144, 192, 3)
        assert read_video(path, size=(64, 64), max_frames=1, grayscale=True).shape == (1, 64, 64)


def test_e13_10_one_long_series_given_as_it_is_says_to_pass_it_as_a_list_of_one():
    sktime_datasets = pytest.importorskip("sktime.datasets")
    series, _, change_points = sktime_datasets.load_gun_point_segmentation()  # 1875 steps, index from 1
    labels = (np.arange(len(series)) >= change_points[0]).astype(int)  # per step: before and after the change
    tagger = SequenceTagger(hidden_size=4, max_epochs=1, random_state=0)
    # was "X[None] for one sequence", which a Series cannot do (pandas' KeyError)
    with pytest.raises(ValueError, match=r"X is a Series of 1875 values, not sequences; for one sequence of 1875 steps "
                                         r"pass \[X\] \(a list of one Series, its rows the steps\)"):
        tagger.fit(series, [labels])
    # was "X.to_numpy() for (n, T) sequences of one feature": 1875 sequences of one step
    with pytest.raises(ValueError, match=r"X is a flat DataFrame; .* \(a row per sequence\); if its rows are the steps "
                                         r"of one sequence, pass \[X\]"):
        tagger.fit(series.to_frame(), [labels])
    dated = series.to_frame().set_index(pd.date_range("2020-01-01", periods=len(series), freq="min"))
    with pytest.raises(ValueError, match=r"X is a flat DataFrame indexed by times \(2020-01-01 00:00:00, \.\.\.\): one "
                                         r"sequence whose rows are its steps\? pass \[X\]"):
        tagger.fit(dated, [labels])
    with pytest.raises(ValueError, match=r"X has 1 sequences but y has 1875 entries; they must match; it is one label "
                                         r"per step of X's only sequence \(1875 steps\)\? pass \[y\]"):
        tagger.fit([series], labels)
    fitted = tagger.fit([series.to_frame()], [labels])  # as the messages say
    assert fitted.predict([series])[0].shape == (1875,)


def _spoken(tmp_path, text: str) -> Path:
    """espeak-ng's clip of ``text`` (22.05 kHz mono 16-bit), as the spoken-digits recipe makes them."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        pytest.skip("espeak-ng is not installed")
    path = tmp_path / "clip.wav"
    subprocess.run([espeak, "-v", "en-us", "-w", str(path), text], check=True, capture_output=True)
    return path


def test_e13_11_noise_is_not_mixed_into_a_silent_clip_at_an_snr_it_cannot_have(tmp_path):
    silent, rate = read_wav(_spoken(tmp_path, " "))  # speech synthesised from blank text: samples of 0
    assert rate == 22050 and len(silent) > 0 and not silent.any()
    noise = torch.randn(len(silent), generator=torch.Generator().manual_seed(0))
    with pytest.raises(ValueError, match=r"the signal is silent \(zero energy\): its SNR to any noise is -inf dB, so "
                                         r"no gain gives snr_db=10; drop silent clips"):
        mix_at_snr(silent, noise, 10)  # was the clip back without noise, as if mixed at 10 dB
    speech, _ = read_wav(_spoken(tmp_path, "seven"))
    mixed = mix_at_snr(speech, torch.randn(len(speech), generator=torch.Generator().manual_seed(0)), 10)
    snr = 10 * torch.log10(speech.double().square().mean() / (mixed - speech).double().square().mean())
    assert abs(float(snr) - 10) < 0.01


def test_e13_12_stereo_channels_that_cancel_in_the_mono_mix_are_warned_of(tmp_path):
    speech, rate = read_wav(_spoken(tmp_path, "seven"))
    inverted = tmp_path / "inverted.wav"
    write_wav(inverted, np.stack([speech.numpy(), -speech.numpy()], axis=1), rate)  # one channel's polarity flipped
    with pytest.warns(UserWarning, match=r"inverted.wav: its 2 channels cancel when averaged to mono \(the mix is "
                                         r"silent\): one channel's polarity inverted\? read it with mono=False"):
        mono, _ = read_wav(inverted)  # was silence, without a word
    assert not mono.any()
    stereo, _ = read_wav(inverted, mono=False)
    assert torch.allclose(stereo[:, 0], speech, atol=1 / 32767)
    copied = tmp_path / "copied.wav"
    write_wav(copied, np.stack([speech.numpy(), 0.5 * speech.numpy()], axis=1), rate)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # channels in phase: no warning
        assert torch.allclose(read_wav(copied)[0], 0.75 * speech, atol=2 / 32767)
