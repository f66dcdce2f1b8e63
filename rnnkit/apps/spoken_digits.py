"""Spoken digits: which digit was said, by a voice never heard in training; and a string of digits read by CTC.

Data: the ten digits ``zero`` ... ``nine`` spoken by the speech synthesiser espeak-ng (Debian ``espeak-ng``,
``bash scripts/install_debs.sh``), 22.05 kHz mono, over its voice variants (``en+f2``, ``en+klatt``,
``en+whisper``, ...: the 100 of espeak-ng 1.51 whose names have no space), eight English accents (``en-us``,
``en-gb-scotland``, ``en-029``, ...), three speeds (130, 175, 220 words per minute) and three pitches
(25, 50, 75). Each (voice, digit) gets
``renditions`` (accent, speed, pitch) draws from that grid, drawn from the voice's name, so the clips do not
depend on the run's seed. Clips are cached as WAV files under ``cache_dir()/spoken_digits`` (generated once;
reruns read them). This is synthetic speech, stated plainly: it is real audio of a real synthesiser, not
recordings of people.

**Identical clips are removed first**: some accents speak a digit exactly alike, and some variants coincide;
a clip whose samples hash (SHA-1) equal an earlier clip's is dropped, so no test clip equals a training clip.
**The split is by voice**: a quarter of the variants (drawn once, with a fixed seed) are test voices, never
heard in training.

Features: 40-band log-mel frames (:class:`rnnkit.data.audio.LogMel`: 512-sample (23 ms) windows, 441-sample
(20 ms) hop), standardised with training statistics.

=================  ==========================================================================================
model              what it is
=================  ==========================================================================================
``gru``            :class:`rnnkit.SequenceClassifier`: a GRU over the frames, its final state, linear, softmax
``gru_multi``      the same trained on multi-condition clips: half of the training clips with white noise or
                   babble of training voices at a random SNR of ``SNRS`` (:func:`corrupt`)
``logreg``         logistic regression on each clip's per-band mean and standard deviation (80 numbers)
``dtw_1nn``        1-nearest neighbour under multivariate DTW (squared Euclidean frame cost, no window;
                   dtaidistance's C code), on a subset: ``dtw_train`` training clips against ``dtw_test``
                   test clips (DTW is quadratic in the frames and linear in the pairs)
``ctc``            a bidirectional GRU emitting, per frame, a blank or a digit, trained with
                   ``torch.nn.CTCLoss`` (Graves et al. 2006) on the isolated training clips and on strings of
                   3-5 digits ("three one four") spoken by the training voices; greedy decoding (best path,
                   repeats merged, blanks dropped); scored by the digit error rate, the edit distance to the
                   true digits over their number, on strings spoken by the test voices
=================  ==========================================================================================

Noise: each test clip with white noise and with babble (the sum of 6 clips of other test voices) added at
SNR 20, 10, 5 and 0 dB (:func:`rnnkit.data.audio.mix_at_snr`; power over the whole clip), scored by the
clean-trained GRU, the multi-condition GRU and logistic regression; ``noise.png``.

The RNNs train through :func:`rnnkit.training.seeded_fit` (the classifier inside ``SequenceClassifier``, the
CTC model directly with :class:`CTCModule`).
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import re
import shutil
import subprocess
import time
import zlib
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from ..checks import is_count, is_finite_number, is_integer, short_repr
from ..data.audio import LogMel, mix_at_snr, read_wav
from ..estimators import SequenceClassifier
from ..report import machine, write_report
from ..tasks.mnist1d import cache_dir
from ..training.module import SequenceModule
from ..training.trainer import resolve_device
from . import check_epochs, check_run_arguments, format_over_runs, over_runs, run_seeds
from .speech import check_sequences, fit_standardisation, summary_features

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-gbclan", "en-gb-x-rp", "en-gb-x-gbcwmd", "en-029",
           "en-us-nyc")
SPEEDS = (130, 175, 220)
PITCHES = (25, 50, 75)
SAMPLE_RATE = 22050  # espeak-ng's output rate
SNRS = (20, 10, 5, 0)
BABBLE_TALKERS = 6
INSTALL = "bash scripts/install_debs.sh"
# full: every variant; quick: 12 of them, fewer clips, few epochs, one seed
FULL = {"voices": None, "renditions": 3, "strings_per_voice": 10, "seeds": 2, "hidden_size": 64,
        "max_epochs": 15, "ctc_epochs": 20, "dtw_train": 600, "dtw_test": 200}
QUICK = {"voices": 12, "renditions": 2, "strings_per_voice": 3, "seeds": 1, "hidden_size": 48,
         "max_epochs": 10, "ctc_epochs": 6, "dtw_train": 60, "dtw_test": 40}
# the model the page describes, pinned: the estimator's "auto" defaults would choose from the data
TRAINING = {"cell": "gru", "batch_size": 32, "lr": 3e-3, "clip_grad_norm": 1.0, "bidirectional": True,
            "pooling": "final", "frontend": None, "normalise": None, "lr_schedule": "onecycle",
            "n_members": 1}  # one network a seed: the recipe's seeds are its spread
# a float wave peaking above this is integer PCM cast to float unscaled (int16 speech peaks in the thousands); a
# mix at 0 dB SNR may pass 1 (the noise_robustness mixes of this recipe's clips peak near 2.1)
PCM_PEAK = 64.0
CLASSES = 11  # the CTC model's outputs a frame: the blank (0), then the digits 0-9 (1-10)
# a clip peaking below this (-72 dBFS, 8 steps of 16-bit PCM) is silence, dither or hum: no digit is spoken in it
SILENCE_PEAK = 2.0**-12
TEST_FRACTION = 0.25
SPLIT_SEED = 0


class Clip(NamedTuple):
    """One utterance to synthesise: ``text`` as digit words, in ``accent+voice`` at ``speed`` and ``pitch``."""

    voice: str
    accent: str
    speed: int
    pitch: int
    digits: tuple[int, ...]

    @property
    def text(self) -> str:
        return " ".join(DIGITS[d] for d in self.digits)

    @property
    def key(self) -> str:
        """A file name that identifies the clip: the same clip is synthesised once per cache."""
        return f"{self.accent}+{self.voice}_s{self.speed}_p{self.pitch}_{''.join(map(str, self.digits))}"


def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Synthesise (or read from the cache) the clips, split them by voice, train the GRU classifier, the
    baselines and the CTC reader, and score them; see the module docstring.

    Returns ``{"recipe", "task", "data", "settings", "models", "noise", "ctc", "machine"}``: ``models`` maps
    ``gru``, ``gru_multi`` (multi-condition training), ``logreg``, ``dtw_1nn`` to ``{"name", "kind",
    "accuracy", "train_seconds", "test_seconds"}``
    (each :func:`~rnnkit.apps.over_runs` over seeds); ``noise`` the accuracies under white and babble noise
    per SNR; ``ctc`` the digit error rate. Raises ValueError for a bad argument and a one-line RuntimeError
    naming ``scripts/install_debs.sh`` when espeak-ng is missing.
    """
    out = check_run_arguments("spoken_digits", quick, seed, out, log)  # "~/runs" as a shell reads it
    espeak = find_espeak()
    budget = QUICK if quick else FULL
    seeds = run_seeds(seed, budget["seeds"], "spoken_digits.run")
    device = resolve_device("auto")
    voices = espeak_variants(espeak)
    if budget["voices"] is not None:
        voices = voices[: budget["voices"]]
    train_voices, test_voices = split_voices(voices)
    root = cache_dir() / "spoken_digits"

    start = time.perf_counter()
    words = digit_clips(voices, budget["renditions"])
    strings = digit_strings(voices, budget["strings_per_voice"])
    waves = synthesise(espeak, words + strings, root, log=log)
    kept, duplicates = deduplicate(words + strings, waves)
    log(f"{len(words) + len(strings)} clips ({duplicates} identical ones dropped) in "
        f"{time.perf_counter() - start:.0f} s")
    isolated, spoken = split_clips(kept, train_voices, test_voices)

    logmel = LogMel(SAMPLE_RATE, 40, n_fft=512, hop_length=441)
    feats = {c: features(logmel, waves[c]) for c in kept}
    x_train = [feats[c] for c in isolated["train"]]
    x_test = [feats[c] for c in isolated["test"]]
    y_train = np.array([c.digits[0] for c in isolated["train"]])
    y_test = np.array([c.digits[0] for c in isolated["test"]])
    mean, scale = fit_standardisation(x_train)
    z = lambda seqs: [((a - mean) / scale).astype(np.float32) for a in seqs]

    models: dict[str, dict] = {}
    runs, first = [], None
    for s in seeds:
        clf = SequenceClassifier(hidden_size=budget["hidden_size"], max_epochs=budget["max_epochs"],
                                 random_state=s, device=device, **TRAINING)
        runs.append(_fit_and_score(clf, z(x_train), y_train, z(x_test), y_test))
        if first is None:
            first = clf  # the first seed's model, for the noise curves
        log(f"GRU seed {s}: accuracy on unseen voices {runs[-1]['accuracy']:.3f}, {runs[-1]['train_seconds']:.0f} s")
    models["gru"] = _summary("GRU", "rnn", runs)

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))
    result = _fit_and_score(logreg, summary_features(z(x_train)), y_train, summary_features(z(x_test)), y_test)
    models["logreg"] = _summary("logistic regression on band mean and std", "baseline", [result])
    log(f"logistic regression: accuracy {result['accuracy']:.3f}")
    rng = np.random.default_rng(SPLIT_SEED)
    dtw_train = np.sort(rng.permutation(len(x_train))[: budget["dtw_train"]])
    dtw_test = np.sort(rng.permutation(len(x_test))[: budget["dtw_test"]])
    result = _fit_and_score(DTWNearestNeighbour(), [z(x_train)[i] for i in dtw_train], y_train[dtw_train],
                            [z(x_test)[i] for i in dtw_test], y_test[dtw_test])
    models["dtw_1nn"] = _summary(f"1-NN DTW ({len(dtw_train)} training / {len(dtw_test)} test clips)",
                                 "baseline", [result])
    log(f"1-NN DTW: accuracy {result['accuracy']:.3f} on a subset")

    # multi-condition training (as in Aurora-2): the same clips, half of them with noise added
    rng = np.random.default_rng([seed, 2])
    train_waves, train_voices_of = [waves[c] for c in isolated["train"]], [c.voice for c in isolated["train"]]
    noisy_train = [features(logmel, w) for w in corrupt(train_waves, train_voices_of, rng)]
    multi = SequenceClassifier(hidden_size=budget["hidden_size"], max_epochs=budget["max_epochs"],
                               random_state=seeds[0], device=device, **TRAINING)  # the first GRU's: paired
    result = _fit_and_score(multi, z(noisy_train), y_train, z(x_test), y_test)
    models["gru_multi"] = _summary("GRU, multi-condition training", "rnn", [result])
    log(f"GRU, multi-condition training: accuracy {result['accuracy']:.3f}")

    noise = noise_robustness({"gru": lambda seqs: first.predict(z(seqs)),
                              "gru_multi": lambda seqs: multi.predict(z(seqs)),
                              "logreg": lambda seqs: logreg.predict(summary_features(z(seqs)))},
                             [waves[c] for c in isolated["test"]], y_test,
                             [c.voice for c in isolated["test"]], logmel, seed=seed)
    log("noise: " + "; ".join(f"{kind} {snr} dB GRU {acc:.3f}" for kind in ("white", "babble")
                               for snr, acc in zip(SNRS, noise["gru"][kind], strict=True)))

    ctc_train = isolated["train"] + spoken["train"]
    ctc = fit_ctc([z([feats[c]])[0] for c in ctc_train], [c.digits for c in ctc_train],
                  hidden_size=budget["hidden_size"], max_epochs=budget["ctc_epochs"], seed=seed, device=device)
    ctc_result = score_ctc(ctc, z([feats[c] for c in spoken["test"]]), [c.digits for c in spoken["test"]])
    ctc_result["examples"] = [{"said": c.text, "read": " ".join(DIGITS[d] for d in p)}
                              for c, p in zip(spoken["test"][:8], ctc_result.pop("predictions")[:8], strict=True)]
    log(f"CTC: digit error rate {ctc_result['digit_error_rate']:.3f} on strings of unseen voices")

    lengths = [len(a) for a in x_train + x_test]
    results = {
        "recipe": "spoken-digits",
        "task": "spoken digit recognition on voices never heard in training (espeak-ng speech)",
        "data": {"name": "espeak-ng digits", "synthesiser": espeak_version(espeak), "voices": len(voices),
                 "train_voices": train_voices, "test_voices": test_voices,
                 "clips_synthesised": len(words) + len(strings), "duplicates_dropped": duplicates,
                 "train": len(x_train), "test": len(x_test),
                 "strings_train": len(spoken["train"]), "strings_test": len(spoken["test"]),
                 "frames": [min(lengths), max(lengths)], "features": int(x_train[0].shape[1]),
                 "split": f"by voice: {len(test_voices)} of {len(voices)} variants held out"},
        "settings": {"quick": quick, "seeds": seeds, "hidden_size": budget["hidden_size"],
                     "max_epochs": budget["max_epochs"], "ctc_epochs": budget["ctc_epochs"],
                     "renditions": budget["renditions"], "strings_per_voice": budget["strings_per_voice"],
                     **TRAINING, "optimizer": "AdamW", "device": device, "accents": list(ACCENTS),
                     "speeds": list(SPEEDS), "pitches": list(PITCHES), "snr_db": list(SNRS),
                     "features": "40 log-mel bands, 23 ms window, 20 ms hop; standardised with training statistics"},
        "models": models,
        "noise": noise,
        "ctc": ctc_result,
        "machine": machine(device),
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     figures={"noise": noise_figure(noise)}, machine_info=results["machine"])
    return results


# -- data ----------------------------------------------------------------------------------------------------
def find_espeak() -> str:
    """The path of ``espeak-ng``, or a one-line RuntimeError naming the script that installs it."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise RuntimeError(f"spoken-digits needs the espeak-ng speech synthesiser, which is not installed; run "
                           f"`{INSTALL}` (Debian package espeak-ng)")
    return path


def espeak_version(espeak: str) -> str:
    return subprocess.run([espeak, "--version"], capture_output=True, text=True, check=True).stdout.split(
        "Data at")[0].strip()


def espeak_variants(espeak: str) -> list[str]:
    """The voice variants espeak-ng has (the file names of ``espeak-ng-data/voices/!v``), sorted."""
    listing = subprocess.run([espeak, "--voices=variant"], capture_output=True, text=True, check=True).stdout
    # the File column reads "!v/NAME", then two or more spaces (another column) or the line's end; a name with
    # a space in it ("Mr serious") cannot be given after "+", so it is left out
    names = sorted({m.group(1) for m in re.finditer(r"!v/(\S+)(?: {2,}|\s*$)", listing, re.MULTILINE)})
    if not names:
        raise RuntimeError(f"espeak-ng lists no voice variants; reinstall it with `{INSTALL}`")
    return names


def split_voices(voices: list[str]) -> tuple[list[str], list[str]]:
    """``(train, test)`` voices: ``TEST_FRACTION`` of them (at least one) drawn with ``SPLIT_SEED``. The voices
    must be 2 or more, each named once (a ValueError otherwise: one voice would leave none to train on, and a
    voice named twice would tilt the split toward it)."""
    if isinstance(voices, str):  # its letters would be read as voices
        raise ValueError(f"split_voices: voices is one str ({voices!r}); give a list of voice names, 2 or more")
    repeated = sorted(v for v, n in Counter(voices).items() if n > 1)
    if repeated:
        raise ValueError(f"split_voices: got {len(voices)} voice(s) with {repeated[:5]} named more than once; name "
                         "each voice once: sorted(set(voices))")
    if len(voices) < 2:
        raise ValueError(f"split_voices: got {len(voices)} voice(s) ({list(voices)}), but the split needs a voice to "
                         "train on and another, unseen, to test on; give 2 voices or more (espeak_variants(espeak) "
                         "lists them)")
    order = np.random.default_rng(SPLIT_SEED).permutation(len(voices))
    n_test = max(1, round(TEST_FRACTION * len(voices)))
    test = sorted(voices[i] for i in order[:n_test])
    return sorted(set(voices) - set(test)), test


def digit_clips(voices: list[str], renditions: int) -> list[Clip]:
    """Each digit in each voice, ``renditions`` times at (accent, speed, pitch) drawn without replacement
    from the grid by a generator seeded with the voice's name (so a voice's clips are the same in every run,
    quick or full). ``renditions`` an integer from 1 to the grid's size (``len(ACCENTS) * len(SPEEDS) *
    len(PITCHES)``)."""
    clips = []
    grid = [(a, s, p) for a in ACCENTS for s in SPEEDS for p in PITCHES]
    if not (is_count(renditions, 1) and renditions <= len(grid)):  # 0: no clip; beyond: numpy's "larger sample"
        raise ValueError(f"digit_clips: renditions must be an integer from 1 to {len(grid)} (each digit's clips per "
                         f"voice, at distinct (accent, speed, pitch) of the {len(grid)} there are), got {renditions!r}")
    for voice in voices:
        rng = np.random.default_rng(zlib.crc32(voice.encode()))
        for digit in range(10):
            for k in rng.choice(len(grid), renditions, replace=False):
                clips.append(Clip(voice, *grid[k], (digit,)))
    return clips


def digit_strings(voices: list[str], per_voice: int) -> list[Clip]:
    """``per_voice`` strings of 3-5 random digits per voice, each at a random (accent, speed, pitch);
    ``per_voice`` an integer >= 1."""
    if not is_count(per_voice, 1):  # 0 or fewer: no string, and nothing to fit or score the CTC model on
        raise ValueError(f"digit_strings: per_voice must be an integer >= 1 (digit strings per voice), got "
                         f"{per_voice!r}")
    clips = []
    for voice in voices:
        rng = np.random.default_rng([zlib.crc32(voice.encode()), 1])
        for _ in range(per_voice):
            digits = tuple(int(d) for d in rng.integers(0, 10, rng.integers(3, 6)))
            clips.append(Clip(voice, ACCENTS[rng.integers(len(ACCENTS))], int(rng.choice(SPEEDS)),
                              int(rng.choice(PITCHES)), digits))
    return clips


def synthesise(espeak: str, clips: list[Clip], root: Path, *, log: Callable[[str], Any] = print,
               workers: int = 2) -> dict[Clip, torch.Tensor]:
    """Each clip's waveform ``(N,)`` float32 at 22.05 kHz, synthesised into ``root/<key>.wav`` once (written
    under a temporary name and renamed, so an interrupted run leaves no partial file) and read from there."""
    root.mkdir(parents=True, exist_ok=True)
    missing = [c for c in clips if not (root / f"{c.key}.wav").exists()]
    if missing:
        log(f"synthesising {len(missing)} clips with espeak-ng into {root}")

    def speak(clip: Clip) -> None:
        partial = root / f".{clip.key}.{os.getpid()}.wav"
        subprocess.run([espeak, "-v", f"{clip.accent}+{clip.voice}", "-s", str(clip.speed), "-p",
                        str(clip.pitch), "-w", str(partial), clip.text], check=True, capture_output=True)
        os.replace(partial, root / f"{clip.key}.wav")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(speak, missing))
    return {c: read_wav(root / f"{c.key}.wav", sample_rate=SAMPLE_RATE)[0] for c in clips}


def deduplicate(clips: list[Clip], waves: dict[Clip, torch.Tensor]) -> tuple[list[Clip], int]:
    """The clips whose samples differ from every earlier clip's (SHA-1 of the float32 samples), in order, and
    how many were dropped."""
    seen, kept = set(), []
    for c in clips:
        digest = hashlib.sha1(waves[c].numpy().tobytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            kept.append(c)
    return kept, len(clips) - len(kept)


def split_clips(clips: list[Clip], train_voices: list[str], test_voices: list[str]) -> tuple[dict, dict]:
    """``(isolated, spoken)``, each ``{"train": [...], "test": [...]}``: the single digits and the digit
    strings of the training voices and of the test voices, in order. A voice named on both sides, or a clip of
    a voice on neither, is a ValueError: the split is by voice, so each voice belongs to exactly one side."""
    both = sorted(set(train_voices) & set(test_voices))
    if both:  # the union below would quietly keep them on the test side only
        raise ValueError(f"split_clips: {len(both)} voice(s) are both training and test voices "
                         f"({', '.join(both[:5])}); the split is by voice, so a test voice must never be heard in "
                         "training: name each voice on one side (split_voices(voices) draws the sides)")
    side = {v: "train" for v in train_voices} | {v: "test" for v in test_voices}
    stray = [c for c in clips if c.voice not in side]
    if stray:
        raise ValueError(f"split_clips: {len(stray)} clip(s) are of voices on neither side ({stray[0].voice!r}, clip "
                         f"{stray[0].key}); add those voices to train_voices or test_voices, or leave their clips out")
    isolated = {s: [c for c in clips if len(c.digits) == 1 and side[c.voice] == s] for s in ("train", "test")}
    spoken = {s: [c for c in clips if len(c.digits) > 1 and side[c.voice] == s] for s in ("train", "test")}
    return isolated, spoken


def features(logmel: LogMel, wave: torch.Tensor) -> np.ndarray:
    """``(T, 40)`` float32 log-mel frames of a waveform: one mono clip ``(N,)`` (``(1, N)``, as torchaudio
    loads a mono file, is read as it), as :func:`rnnkit.data.audio.read_wav` gives it. Several channels or a
    sample that is not a number are a ValueError: their frames would be ``(C, T, 40)`` or NaN. ``read_wav``'s
    ``(wave, sample_rate)`` pair may be given as it is (the rate an integer, or a whole float such as ``22050.0``):
    a rate other than ``logmel``'s is a ValueError (its
    frames would read every frequency at another pitch and every duration at another length). A numpy array of
    samples (soundfile's, librosa's) is read as the same tensor; scipy's ``(rate, samples)`` order is refused. A
    bare clip carries no rate, so it is read at ``logmel``'s: give ``(samples, rate)`` to have the rate checked. A
    clip of digital silence (every sample 0), or one peaking below ``SILENCE_PEAK`` (-72 dBFS: a recording of
    silence), is a ValueError: it holds no digit to name, as is a clip shorter than one frame
    (``logmel.min_samples``)."""
    if isinstance(wave, tuple) and len(wave) == 2:  # a rate kept as a 0-d tensor or array (a batch's): its number
        wave = tuple(x.item() if isinstance(x, torch.Tensor | np.ndarray) and x.ndim == 0 else x for x in wave)
    if isinstance(wave, tuple) and len(wave) == 2 and is_finite_number(wave[0]) and hasattr(wave[1], "shape"):
        raise ValueError(f"features: got ({wave[0]}, samples), the (rate, samples) order of scipy.io.wavfile.read; "
                         "give (samples, rate), as read_wav, soundfile and librosa give them, and float samples in "
                         "[-1, 1] (scipy reads int16 PCM: samples / 32768)")
    if isinstance(wave, tuple) and len(wave) == 2 and isinstance(wave[0], torch.Tensor | np.ndarray) \
            and isinstance(wave[1], numbers.Real) and not isinstance(wave[1], bool):  # 22050.0 is 22050 Hz
        wave, rate = wave
        if not float(rate).is_integer() or rate <= 0:
            raise ValueError(f"features: the wave's sample rate is {rate!r}, not a whole number of Hz > 0; give "
                             f"(samples, rate) with the rate the file was read at (e.g. {logmel.sample_rate})")
        rate = int(rate)
        if rate != logmel.sample_rate:
            raise ValueError(f"features: the wave is sampled at {rate} Hz but the log-mel frames read "
                             f"{logmel.sample_rate} Hz; read it at that rate (read_wav(path, sample_rate="
                             f"{logmel.sample_rate}, resample=True)) or resample it first "
                             f"(rnnkit.data.audio.resample_wave(wave, {rate}, {logmel.sample_rate}))")
    wave = mono_clip(wave, "features",
                     pair_fix="a (samples, rate) pair takes its rate as a number: (wave, int(rate))")
    if not bool(torch.isfinite(wave).all()):
        bad = ~torch.isfinite(wave)
        i = int(bad.to(torch.uint8).argmax())
        raise ValueError(f"features: sample {i} of the wave is {float(wave[i])} ({int(bad.sum())} such sample(s)); "
                         "every frame over it would be NaN: fill or cut the clip's missing samples first")
    if not wave.is_floating_point():  # scipy's 8-bit WAV is unsigned around 128, its 24-bit int32 on 2**31
        scale = {torch.uint8: "(x - 128) / 128 for 8-bit WAV's uint8", torch.int16: "x / 32768 for int16",
                 torch.int32: "x / 2**31 for int32 (scipy reads 24-bit WAV as int32)"}.get(wave.dtype, "x / 2**31")
        raise ValueError(f"features: the wave holds {str(wave.dtype).removeprefix('torch.')} PCM samples, but the "
                         f"log-mel frames read float samples in [-1, 1]; scale them first ({scale}), or read the file "
                         "with rnnkit.data.audio.read_wav, which scales every PCM width")
    if len(wave) < logmel.min_samples:  # else the log-mel layer's "pad the clip or use a smaller n_fft", not ours
        raise ValueError(f"features: the wave holds {len(wave)} samples ({1000 * len(wave) / logmel.sample_rate:.1f} "
                         f"ms at {logmel.sample_rate} Hz), fewer than the {logmel.min_samples} one log-mel frame needs "
                         f"(n_fft={logmel.n_fft}, centred frames reflect-pad by {logmel.n_fft // 2}), and far too "
                         "short to hold a spoken digit (padded with silence, a classifier would still give it one); "
                         "leave the clip out, or check the file it came from (a recording cut short or a wrong "
                         "slice: read_wav(path))")
    peak = float(wave.abs().max())
    if peak == 0.0:  # every frame log(eps): a clip of no sound, which the classifier still gives a digit
        raise ValueError(f"features: the wave's {len(wave)} samples are all 0 (digital silence: a failed recording, a "
                         "muted channel, or an empty stretch cut out), so it holds no spoken digit, yet a classifier "
                         "would give it one; leave the clip out (or check the file: read_wav(path) of it)")
    if peak < SILENCE_PEAK:  # a recording of silence: the last bits of PCM, no voice above them
        floor = 20 * math.log10(SILENCE_PEAK)
        raise ValueError(f"features: the wave's {len(wave)} samples peak at {peak:.3g} ({20 * math.log10(peak):.0f} "
                         f"dBFS, {peak * 32768:.1f} steps of 16-bit PCM), below {floor:.0f} dBFS where no voice is "
                         "recorded, so it holds no spoken digit (silence, dither or hum), yet a "
                         "classifier would give it one; leave the clip out, or check its scale (float samples in [-1, "
                         "1], int16 PCM divided by 32768 once)")
    if peak > PCM_PEAK:  # integer PCM cast to float unscaled: every log-mel feature 2 ln(peak) too high
        at = int(wave.abs().argmax())
        raise ValueError(f"features: the wave's samples reach {peak:g} (sample {at}), far beyond [-1, 1]: integer "
                         "PCM cast to float without scaling (scipy.io.wavfile.read(path)[1].astype(float))? every "
                         "log-mel feature would be about 2 ln(scale) too high; scale it first (x / 32768 for int16 "
                         "values, x / 2**31 for int32) or read the file with rnnkit.data.audio.read_wav")
    with torch.no_grad():
        return logmel(wave).numpy().astype(np.float32)


def mono_clip(wave, who: str, name: str = "wave", *,
              pair_fix: str = "give the samples alone, as read_wav's (wave, rate) pair holds them first (its rate "
                               "the log-mel frames'): [w for w, rate in pairs]") -> torch.Tensor:
    """``wave`` as the 1-D tensor of samples ``(N,)`` it holds: a numpy array of numbers (soundfile's, librosa's) is
    read as the same tensor, as is a list of numbers, ``(1, N)`` (torchaudio's mono file) as its row. Anything else,
    several channels above all, is a ValueError of ``who`` naming ``name``: a stereo clip's samples would be read as
    one channel's, one after the other or interleaved. ``pair_fix`` is the message's fix for a pair (a ``(wave,
    rate)`` read_wav gave), where the caller reads such pairs its own way."""
    if isinstance(wave, list) and wave and all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in wave):
        wave = np.asarray(wave)  # a clip's samples as a list (from JSON, wave.tolist()): the same samples
    if isinstance(wave, np.ndarray) and wave.dtype.kind in "fiu":  # soundfile's and librosa's samples: the same
        wave = torch.from_numpy(np.ascontiguousarray(wave))  # LogMel names integer PCM
    if isinstance(wave, torch.Tensor) and wave.dim() == 2 and wave.shape[0] == 1:
        wave = wave[0]
    if not isinstance(wave, torch.Tensor) or wave.dim() != 1:
        shape = (tuple(wave.shape) if isinstance(wave, torch.Tensor) else type(wave).__name__
                 + (f" of shape {tuple(wave.shape)} and dtype {wave.dtype}" if hasattr(wave, "shape") else ""))
        pair = isinstance(wave, tuple) and len(wave) == 2
        fix = (pair_fix if pair else
               "mix channels down first (wave.mean(0) for (C, N), wave.mean(1) for soundfile's (N, C)), or read it "
               "with rnnkit.data.audio.read_wav(path, mono=True)")
        raise ValueError(f"{who}: {name} must be one mono clip, a 1-D tensor of samples (N,), got {shape}; {fix}")
    return wave


# -- baselines -----------------------------------------------------------------------------------------------
class DTWNearestNeighbour:
    """1-nearest neighbour under multivariate DTW: dtaidistance's C ``dtw_ndim`` (squared Euclidean cost
    between frames, no window), the distances of the test clips to the training clips only (one block of the
    distance matrix)."""

    def fit(self, x: list[np.ndarray], y: np.ndarray) -> DTWNearestNeighbour:
        """Keep the training clips and their labels ``y``, one per clip; labels that are the clips' file names
        (``'one.wav'``, FSDD's ``'0_jackson_0.wav'``, paths) are a ValueError (:func:`_refuse_file_labels`), as are
        labels spelling one digit both as a number word and as a digit (``'one'`` and ``1``: two classes); ``'oh'``
        beside ``'0'`` is a class of its own, as in TIDIGITS."""
        self.x_, self.y_ = self._frames(x, "fit"), np.asarray(y)
        if self.y_.shape != (len(self.x_),):
            raise ValueError(f"DTWNearestNeighbour.fit: {len(self.x_)} clips but labels of shape {self.y_.shape}; "
                             "give one label per clip, in the clips' order")
        _refuse_file_labels(self.y_, "DTWNearestNeighbour.fit")
        words, digits = {}, {}  # digit -> (index, label) of its first number word and its first digit
        for i, v in enumerate(self.y_.tolist()):
            if (spelt := _digit_spelling(v)) is None or str(v).strip().lower() == "oh":  # 'oh' beside '0': a class
                continue  # of its own (TIDIGITS has both)
            (words if spelt[0] == "word" else digits).setdefault(spelt[1], (i, v))
        if both := sorted(words.keys() & digits.keys()):  # 'one' and '1' two classes, each of part of the clips
            (i, word), (j, digit) = words[both[0]], digits[both[0]]
            raise ValueError(f"DTWNearestNeighbour.fit: labels[{i}] is {word!r} and labels[{j}] {digit!r}, one digit "
                             f"spelt as a word and as a digit ({len(both)} digit(s) spelt both ways), so they would "
                             "be two classes, each of part of its clips, and a prediction in one spelling never equal "
                             "a test label in the other; "
                             "spell every label one way: y = [spoken_digits.digit_of_name(str(v)) for v in y] (gives "
                             f"{digit_of_name(str(word))} for {word!r})")
        return self

    def score(self, x: list[np.ndarray], y) -> float:
        """The accuracy of :meth:`predict` on the clips ``x`` against their labels ``y``. Labels spelt otherwise
        than the training labels (number words against digits, ``'1'`` against ``1``) are a ValueError: no
        prediction could equal one, and the accuracy would read 0."""
        y = np.asarray(y)
        if y.shape != (len(x),):
            raise ValueError(f"DTWNearestNeighbour.score: {len(x)} clips but labels of shape {y.shape}; give one label "
                             "per clip, in the clips' order")
        if not hasattr(self, "y_"):
            raise ValueError("DTWNearestNeighbour.score: fit(x, y) the training clips first")
        fitted, given = _digit_spellings(self.y_.tolist()), _digit_spellings(y.tolist())
        if fitted and given and not set(fitted) & set(given):
            (_, a), (j, b) = next(iter(fitted.values())), next(iter(given.values()))
            raise ValueError(f"DTWNearestNeighbour.score: the labels are {_SPELLING[next(iter(given))]} (y[{j}] is "
                             f"{b!r}) but the training labels were {_SPELLING[next(iter(fitted))]} ({a!r}), so no "
                             "prediction could equal one and the accuracy would read 0; spell both one way: "
                             "[spoken_digits.digit_of_name(str(v)) for v in labels] of each")
        return float(np.mean(self.predict(x) == y))

    def predict(self, x: list[np.ndarray]) -> np.ndarray:
        from dtaidistance import dtw_ndim

        if not hasattr(self, "x_"):
            raise ValueError("DTWNearestNeighbour.predict: fit(x, y) the training clips first")
        series = self._frames(x, "predict", self.x_[0].shape[1]) + self.x_
        n = len(x)
        d = dtw_ndim.distance_matrix_fast(series, block=((0, n), (n, len(series))), parallel=False)
        return self.y_[np.argmin(d[:n, n:], axis=1)]

    @staticmethod
    def _frames(x: list[np.ndarray], who: str, bands: int | None = None) -> list[np.ndarray]:
        """The clips as float64 ``(T_i, F)``, all of one ``F`` (``bands``: the training clips'), or a
        ValueError naming the first that is not: dtaidistance compares the frames of other widths without a
        word, by the bands they share."""
        if isinstance(x, np.ndarray | torch.Tensor) and x.ndim == 2:  # its rows would be read as clips of 1 frame
            raise ValueError(f"DTWNearestNeighbour.{who}: x is one array of shape {tuple(x.shape)}, whose rows would "
                             f"be read as {len(x)} clips of one frame each; give a list of clips, each (T, F) frames "
                             "as features gives them: [x] for one")
        clips = [np.asarray(a, dtype=np.float64) for a in x]
        if not clips:
            raise ValueError(f"DTWNearestNeighbour.{who}: no clips")
        bands = clips[0].shape[-1] if bands is None else bands
        for i, a in enumerate(clips):
            if a.ndim != 2 or a.shape[1] != bands or len(a) == 0:
                raise ValueError(f"DTWNearestNeighbour.{who}: clip {i} has shape {a.shape}, but each clip must be "
                                 f"(T, {bands}) frames with T >= 1 ({bands} bands"
                                 f"{', as the training clips' if who == 'predict' else ''})")
        # a NaN frame makes every distance to its clip NaN, and argmin would pick that clip's label
        return check_sequences(clips, f"DTWNearestNeighbour.{who}")


# a label that is a file's name or path: one ending in an audio file's extension, or FSDD's stem
# '<digit>_<speaker>_<take>'; a dot elsewhere ('v1.0', 'a.b') or a slash ('yes/no') is a label's own
_AUDIO_EXTENSIONS = ("wav", "flac", "mp3", "ogg", "oga", "opus", "m4a", "aac", "wma", "aif", "aiff")
_FILE_LABEL = re.compile(rf"\.({'|'.join(_AUDIO_EXTENSIONS)})$|^\d_[a-z]+_\d+$", re.IGNORECASE)


def digit_of_name(name: str | os.PathLike) -> int:
    """The digit a clip's file name spells first: FSDD's ``'7_theo_3.wav'`` is 7, ``'One.wav'`` and
    ``'one_2.wav'`` are 1 (:data:`DIGIT_WORDS`, any case); a folder's name is not read. A ValueError names a file
    name that spells none."""
    base = Path(name).name
    first = re.split(r"[_\-\s.]", base.lower(), maxsplit=1)[0]
    if first.isdecimal() and len(first) == 1:
        return int(first)
    if first in DIGIT_WORDS:
        return DIGIT_WORDS[first]
    raise ValueError(f"digit_of_name: the file name {base!r} starts with {first!r}, neither a digit 0-9 nor a number "
                     "word (zero .. nine, oh); give that clip its digit by hand")


def _refuse_file_labels(y: np.ndarray, who: str) -> None:
    """ValueError where the labels ``y`` are the clips' file names (``[Path(p).name for p in paths]``): each clip
    would be a class of its own, a prediction the name of the nearest training file, and none equal to a test
    clip's label, so accuracy 0 without a word. A file name is a ``Path``, or text ending in an audio file's
    extension (:data:`_AUDIO_EXTENSIONS`, any case) or in FSDD's stem form ``'3_nicolas_1'``; a label with a dot
    or a slash elsewhere (``'v1.0'``, ``'yes/no'``) is a class's name. The fix takes the digit from each name
    (:func:`digit_of_name`)."""
    given = y.tolist()
    labels = [os.fspath(v) if isinstance(v, os.PathLike) else v for v in given]  # a Path each: its path
    named = [i for i, (v, label) in enumerate(zip(given, labels, strict=True))
             if isinstance(v, os.PathLike) or isinstance(label, str) and _FILE_LABEL.search(label)]
    if not named:
        return
    i = named[0]
    try:
        spelt = f" (gives {digit_of_name(labels[i])} for {labels[i]!r})"
    except ValueError:
        spelt = f"; {Path(labels[i]).name!r} spells no digit first: give such clips their digits by hand"
    raise ValueError(f"{who}: labels[{i}] is {labels[i]!r}, a file name, not a digit ({len(named)} of {len(y)} "
                     "labels are), so each clip would be a class of its own and no prediction could equal a test "
                     "clip's label; give the digit each name spells: y = [spoken_digits.digit_of_name(n) for n in "
                     f"names]{spelt}")


_SPELLING = {"word": "number words", "text": "digits as text", "number": "digits as numbers"}


def _digit_spellings(labels: list) -> dict[str, tuple[int, Any]]:
    """``{spelling: (index, label)}`` of the first label spelt each way among ``labels`` that name a digit: a number
    word of :data:`DIGIT_WORDS` (any case, ``'word'``), a digit as text (``'7'``, ``'text'``) or a number 0-9
    (``'number'``); other labels are not counted."""
    spelt: dict[str, tuple[int, Any]] = {}
    for i, v in enumerate(labels):
        if (kind := _digit_spelling(v)) is not None:
            spelt.setdefault(kind[0], (i, v))
    return spelt


def _digit_spelling(v) -> tuple[str, int] | None:
    """``(spelling, digit)`` of a label that names a digit: a number word of :data:`DIGIT_WORDS` (any case,
    ``'word'``), a digit as text (``'7'``, ``'text'``) or a number 0-9 (``'number'``); None for any other label."""
    if isinstance(v, str):
        key = v.strip().lower()
        if key in DIGIT_WORDS:
            return "word", DIGIT_WORDS[key]
        return ("text", int(key)) if len(key) == 1 and key.isdecimal() else None
    return ("number", int(v)) if is_integer(v) and 0 <= v <= 9 else None


def _fit_and_score(clf, x_train, y_train, x_test, y_test) -> dict[str, float]:
    start = time.perf_counter()
    clf.fit(x_train, y_train)
    fitted = time.perf_counter()
    predicted = np.asarray(clf.predict(x_test))
    return {"accuracy": float(np.mean(predicted == np.asarray(y_test))), "train_seconds": fitted - start,
            "test_seconds": time.perf_counter() - fitted}


def _summary(name: str, kind: str, runs: list[dict[str, float]]) -> dict:
    return {"name": name, "kind": kind,
            **{k: over_runs(r[k] for r in runs) for k in ("accuracy", "train_seconds", "test_seconds")}}


# -- noise ---------------------------------------------------------------------------------------------------
def babble(waves: list[torch.Tensor], voices: list[str], i: int, rng: np.random.Generator) -> torch.Tensor:
    """Babble for clip ``i``: the sum of ``BABBLE_TALKERS`` clips of voices other than clip ``i``'s, each
    tiled to clip ``i``'s length from a random start."""
    if len(voices) != len(waves):  # _check_talkers names the mismatch
        _check_talkers(waves, voices, "babble")
    if not is_count(i, 0) or i >= len(waves):
        raise ValueError(f"babble: i must be the index of one of the {len(waves)} clips (0 to {len(waves) - 1}), "
                         f"got {i!r}")
    n = len(mono_clip(waves[i], "babble", f"clip {i} of waves"))
    others = [j for j in range(len(waves)) if voices[j] != voices[i]]
    if len(others) < BABBLE_TALKERS:  # else numpy's "Cannot take a larger sample than population"
        _check_talkers(waves, voices, "babble")
    total = torch.zeros(n)
    for j in rng.choice(others, BABBLE_TALKERS, replace=False):  # a stereo talker would be read interleaved
        w = mono_clip(waves[j], "babble", f"clip {j} of waves").numpy()
        total += torch.from_numpy(np.resize(np.roll(w, -int(rng.integers(len(w)))), n))
    return total


def _check_talkers(waves: list[torch.Tensor], voices: list[str], who: str) -> None:
    """ValueError unless ``voices`` names each of ``waves``' clips and every clip has ``BABBLE_TALKERS`` clips of
    other voices to babble from (numpy's "Cannot take a larger sample than population" otherwise, or, where only
    some clips draw babble, after part of the work)."""
    if len(voices) != len(waves):
        raise ValueError(f"{who}: {len(waves)} clips but {len(voices)} voices; give each clip's voice, in the clips' "
                         "order")
    if not len(waves):
        return
    name, count = Counter(voices).most_common(1)[0]  # the voice with the most clips has the fewest others
    if len(waves) - count < BABBLE_TALKERS:
        raise ValueError(f"{who}: the clips of voice {str(name)!r} have {len(waves) - count} clip(s) of other "
                         f"voices, but babble mixes {BABBLE_TALKERS} talkers other than the clip's own; give clips of "
                         f"more voices ({BABBLE_TALKERS} clips or more besides each voice's own)")


def corrupt(waves: list[torch.Tensor], voices: list[str], rng: np.random.Generator) -> list[torch.Tensor]:
    """Multi-condition copies of ``waves``: each clip kept clean with probability 1/2, else with white noise or
    babble (of the other voices in ``waves``, :func:`babble`), equally likely, at an SNR drawn from ``SNRS``."""
    _check_talkers(waves, voices, "corrupt")
    waves = [mono_clip(w, "corrupt", f"clip {i} of waves") for i, w in enumerate(waves)]
    noisy = []
    for i, w in enumerate(waves):
        kind = rng.choice(("clean", "white", "babble"), p=(0.5, 0.25, 0.25))
        snr = float(rng.choice(SNRS))
        if kind == "clean":
            noisy.append(w)
            continue
        n = (torch.from_numpy(rng.standard_normal(len(w)).astype(np.float32)) if kind == "white"
             else babble(waves, voices, i, rng))
        noisy.append(mix_at_snr(w, n, snr))
    return noisy


def noise_robustness(predictors: dict[str, Callable], waves: list[torch.Tensor], y: np.ndarray,
                     voices: list[str], logmel: LogMel, *, seed: int) -> dict:
    """``{model: {"white": [accuracy per SNR], "babble": [...]}, "snr_db": SNRS}``: the test clips with noise
    added at each SNR of ``SNRS``, through the same features, scored by each clean-trained predictor."""
    _check_talkers(waves, voices, "noise_robustness")
    waves = [mono_clip(w, "noise_robustness", f"clip {i} of waves") for i, w in enumerate(waves)]
    rng = np.random.default_rng(seed)
    white = [torch.from_numpy(rng.standard_normal(len(w)).astype(np.float32)) for w in waves]
    chatter = [babble(waves, voices, i, rng) for i in range(len(waves))]
    result: dict[str, Any] = {name: {"white": [], "babble": []} for name in predictors}
    for kind, noises in (("white", white), ("babble", chatter)):
        for snr in SNRS:
            noisy = [features(logmel, mix_at_snr(w, n, snr)) for w, n in zip(waves, noises, strict=True)]
            for name, predict in predictors.items():
                result[name][kind].append(float(np.mean(np.asarray(predict(noisy)) == y)))
    result["clean"] = {name: float(np.mean(np.asarray(predict([features(logmel, w) for w in waves])) == y))
                       for name, predict in predictors.items()}
    result["snr_db"] = list(SNRS)
    return result


def noise_figure(noise: dict) -> Figure:
    fig = Figure(figsize=(6.5, 4.0), layout="constrained")
    ax = fig.subplots()
    names = {"gru": "GRU", "gru_multi": "GRU, multi-condition", "logreg": "logistic regression"}
    for name, color in (("gru", "tab:blue"), ("gru_multi", "tab:green"), ("logreg", "tab:orange")):
        for kind, style in (("white", "-"), ("babble", "--")):
            ax.plot(noise["snr_db"], noise[name][kind], style, marker="o", color=color,
                    label=f"{names[name]}, {kind} noise")
        ax.axhline(noise["clean"][name], color=color, linestyle=":", linewidth=1)
    ax.set_xlabel("SNR (dB)")
    ax.set_ylabel("accuracy on unseen voices")
    ax.invert_xaxis()
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title("Spoken digits under added noise (dotted: clean)")
    return fig


# -- CTC -----------------------------------------------------------------------------------------------------
class CTCTargets(NamedTuple):
    """The padded digit strings ``(B, S)`` of a batch and their lengths ``(B,)``."""

    digits: torch.Tensor
    lengths: torch.Tensor

    def __len__(self) -> int:  # the batch size, for the training loop's "any target here?" and its logging
        return len(self.lengths)


class CTCModule(SequenceModule):
    """:class:`~rnnkit.training.SequenceModule` with the connectionist temporal classification loss (Graves et
    al. 2006): the per-frame outputs ``(B, T, 11)`` of a ``target="step"`` model are log-probabilities over
    blank (class 0) and the digits 0-9 (classes 1-10), and the loss is ``-log p(digits | frames)`` summed over
    every alignment (``torch.nn.functional.ctc_loss``, averaged over the batch after dividing each string's
    loss by its length). Full BPTT only: the loss needs the whole utterance."""

    def chunk_outputs(self, batch, chunk, state):
        out, state = self.model(chunk.x, chunk.lengths, state)  # (B, T, 11)
        return (out, chunk.lengths), CTCTargets(batch.y, batch.y_lengths), state

    def loss(self, out, y: CTCTargets) -> torch.Tensor:
        logits, lengths = out
        log_probs = logits.float().log_softmax(-1).transpose(0, 1)  # (T, B, 11), as ctc_loss takes it
        return F.ctc_loss(log_probs, y.digits + 1, lengths, y.lengths, blank=0)


def fit_ctc(x: list[np.ndarray], digits: list[tuple[int, ...]], *, hidden_size: int, max_epochs: int, seed: int,
            device: str) -> torch.nn.Module:
    """Train a 2-layer bidirectional GRU (:class:`rnnkit.models.SequenceToSequence`, 11 outputs) with
    :class:`CTCModule` through :func:`~rnnkit.training.seeded_fit`; return the model in eval mode."""
    from ..data import pad_sequences
    from ..models import SequenceToSequence
    from ..training import seeded_fit
    from ..training.data import SequenceDataModule, SequenceDataset

    x = check_sequences(x, "fit_ctc")  # (T_i, F) frames of one F, finite: each utterance's own length
    digits = check_digit_strings(x, digits, "fit_ctc")
    check_epochs(max_epochs, "fit_ctc", "max_epochs")
    # CTC aligns a string to the frames with a blank between repeated digits: fewer frames than that admit no
    # alignment, an infinite loss that stops training at its first step under a message about learning rates
    needed = [len(d) + sum(a == b for a, b in zip(d, d[1:], strict=False)) for d in digits]
    short = [i for i, (a, n) in enumerate(zip(x, needed, strict=True)) if len(a) < n]
    if short:
        i = short[0]
        raise ValueError(f"fit_ctc: utterance {i} has {len(x[i])} frame(s) but its truth {digits[i]} needs at least "
                         f"{needed[i]} (one per digit, and a blank between repeated digits) ({len(short)} such "
                         "utterance(s)), so CTC finds no alignment and its loss is infinite; leave those utterances "
                         "out, or give more frames per second (a shorter hop between feature frames)")
    lengths = torch.tensor([len(a) for a in x])
    y_lengths = torch.tensor([len(d) for d in digits])
    y = torch.zeros(len(digits), int(y_lengths.max()), dtype=torch.long)
    for i, d in enumerate(digits):
        y[i, : len(d)] = torch.tensor(d)
    data = SequenceDataModule(SequenceDataset(torch.as_tensor(pad_sequences(x)), lengths, y, y_lengths=y_lengths),
                              batch_size=TRAINING["batch_size"], seed=seed, batching="bucket")
    build = lambda: CTCModule(SequenceToSequence(x[0].shape[1], hidden_size, CLASSES, cell="gru", num_layers=2,
                                                 bidirectional=True), lr=TRAINING["lr"],
                              clip_grad_norm=TRAINING["clip_grad_norm"])
    return seeded_fit(build, data, seed=seed, max_epochs=max_epochs, device=device).module.model.eval().cpu()


def greedy_decode(logits: torch.Tensor, length: int) -> list[int]:
    """Best-path decoding of one utterance's ``(T, 11)`` outputs: the argmax class per frame, repeats merged,
    blanks dropped; digits 0-9. ``length``: the utterance's frames, in ``[0, T]``."""
    if logits.dim() != 2 or not (is_integer(length) and 0 <= length <= len(logits)):  # beyond T: silently cut
        raise ValueError(f"greedy_decode: logits must be one utterance's (T, 11) outputs and length its frames in "
                         f"[0, T], got logits of shape {tuple(logits.shape)} and length {length!r}"
                         + ("; decode a batch one utterance at a time (logits[i], lengths[i])"
                            if logits.dim() == 3 else ""))
    if logits.shape[1] != CLASSES:  # class c read as digit c - 1: digits -1 or 10, or all shifted, without a word
        raise ValueError(f"greedy_decode: logits have {logits.shape[1]} classes a frame, but they must be {CLASSES}: "
                         "the CTC blank (class 0) and the digits 0-9 (classes 1-10), as fit_ctc's model gives them, "
                         "and class c would be read as digit c - 1; decode another model's outputs by its own classes")
    best = logits[:length].argmax(-1).tolist()
    return [c - 1 for k, c in enumerate(best) if c != 0 and (k == 0 or c != best[k - 1])]


def edit_distance(a: list[int] | tuple[int, ...], b: list[int] | tuple[int, ...]) -> int:
    """Levenshtein distance: the fewest substitutions, insertions and deletions that turn ``a`` into ``b``. Two
    strings are compared by their characters; a ValueError where one side holds text and the other numbers (the
    str ``"42"`` against the decoded ``[4, 2]``: ``'4' != 4``, every digit would count as wrong). An empty side
    holds neither, so an empty decoding is scored against a truth of either kind (its length)."""
    def text_of(s):  # the first item of s that is text (a str or bytes whole: iterating bytes gives ints)
        return s if isinstance(s, bytes) and s else next((c for c in s if isinstance(c, str | bytes)), None)

    def number_of(s):
        return None if isinstance(s, str | bytes) else next(
            (c for c in s if isinstance(c, int | float | np.number)), None)

    for name, one, other in (("a", a, b), ("b", b, a)):
        if (word := text_of(one)) is not None and (number := number_of(other)) is not None:
            item = word[:1] if isinstance(word, str | bytes) and len(word) > 1 else word
            raise ValueError(f"edit_distance: {name} is {short_repr(one, 40)}, text, but the other holds numbers, and "
                             f"{item!r} != {number!r}, so every digit would count as wrong; give both as digits "
                             f"(from text: tuple(map(int, {name})))")
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def check_digit_strings(x: list, digits: list, who: str) -> list[tuple[int, ...]]:
    """The truths ``digits`` as tuples of ints, one per utterance of ``x``, each digit an integer 0-9; a ValueError
    names the first that is not (a str ``"123"`` would be compared character by character with the decoded
    integers, and every digit counted wrong)."""
    if len(digits) != len(x):
        raise ValueError(f"{who}: {len(x)} utterances but {len(digits)} digit strings; give one truth per utterance, "
                         "in the utterances' order")
    out = []
    for i, d in enumerate(digits):
        if isinstance(d, str | bytes) or not all(is_integer(c) and 0 <= c <= 9 for c in np.ravel(np.asarray(d))):
            raise ValueError(f"{who}: digits[{i}] is {d!r}; each truth must be a sequence of integers 0-9 (the digits "
                             f"spoken, e.g. (4, 2) for 'four two'){_truth_fix(d)}")
        out.append(tuple(int(c) for c in np.ravel(np.asarray(d))))
    return out


DIGIT_WORDS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine".split())} | {"oh": 0}


def _truth_fix(d) -> str:
    """How to write the transcript ``d`` as :func:`check_digit_strings`' digits, with what it gives (a
    parenthesis-free tail of its message): digits among spaces, dashes or punctuation (``'4 2'``, ``'555-0142'``)
    by their digits, number words in any case (``'Four two'``) by :data:`DIGIT_WORDS`, else the general fix."""
    text = (d.decode("utf-8", errors="replace") if isinstance(d, bytes) else " ".join(d)
            if isinstance(d, list | tuple) and d and all(isinstance(c, str) for c in d) else d)
    t = "t.decode()" if isinstance(d, bytes) else "' '.join(t)" if text is not d else "t"
    if isinstance(text, str):
        words = re.findall(r"[a-z]+", text.lower())
        if words and not any(c.isdecimal() for c in text) and all(w in DIGIT_WORDS for w in words):
            got = tuple(DIGIT_WORDS[w] for w in words)
            return (f"; number words: digits = tuple(DIGIT_WORDS[w] for w in re.findall('[a-z]+', {t}.lower())) with "
                    f"spoken_digits.DIGIT_WORDS gives {got}")
        if not words and any(c.isdecimal() for c in text):
            got = tuple(int(c) for c in text if c.isdecimal())
            return (f"; digits written as text, among spaces or punctuation: tuple(int(c) for c in {t} if "
                    f"c.isdecimal()) gives {got}")
    return ""


@torch.no_grad()
def score_ctc(model: torch.nn.Module, x: list[np.ndarray], digits: list[tuple[int, ...]]) -> dict:
    """Digit error rate ``Σ edit_distance / Σ len(truth)`` and string accuracy (every digit right) of greedy
    decoding, with the predictions. The truths must hold at least one digit in all (the rate's denominator)."""
    bands = getattr(getattr(model, "encoder", model), "input_size", None)  # fit_ctc's model: the frames' width
    # a NaN frame would make the utterance's logits NaN, decoded as blanks: a wrong prediction, without a word
    x = check_sequences(x, "score_ctc", bands, width_of="the model's input")
    digits = check_digit_strings(x, digits, "score_ctc")
    if not sum(map(len, digits)):
        raise ValueError(f"score_ctc: the {len(digits)} truth(s) hold no digit, so the digit error rate (edit distance "
                         "over the truths' digits) is undefined; score utterances whose truths name their digits")
    predictions = []
    for a in x:
        logits, _ = model(torch.from_numpy(a.astype(np.float32))[None])  # (1, T, 11); features' float32
        predictions.append(greedy_decode(logits[0], len(a)))
    errors = sum(edit_distance(t, p) for t, p in zip(digits, predictions, strict=True))
    return {"digit_error_rate": errors / sum(len(t) for t in digits),
            "string_accuracy": float(np.mean([tuple(p) == tuple(t) for t, p in zip(digits, predictions, strict=True)])),
            "strings": len(x), "digits": sum(len(t) for t in digits), "predictions": predictions}


# -- report --------------------------------------------------------------------------------------------------
def title(results: dict) -> str:
    return "Spoken digits on unseen voices (espeak-ng)" + (" (quick run)" if results["settings"]["quick"] else "")


def markdown(results: dict) -> str:
    """The report's body: data, the accuracy table, the noise table and the CTC reader."""
    d, s, noise, ctc = results["data"], results["settings"], results["noise"], results["ctc"]
    lines = [
        f"{d['clips_synthesised']} clips synthesised by {d['synthesiser']} ({d['duplicates_dropped']} identical "
        f"ones dropped), split {d['split']}: {d['train']} training / {d['test']} test isolated digits, "
        f"{d['strings_train']} / {d['strings_test']} digit strings. Test voices: {', '.join(d['test_voices'])}.",
        "",
        f"GRU: rnnkit.SequenceClassifier, {'bidirectional, ' if s['bidirectional'] else ''}hidden size "
        f"{s['hidden_size']}, {s['max_epochs']} epochs, batch {s['batch_size']}, {s['optimizer']} lr {s['lr']}"
        f"{' (one-cycle)' if s['lr_schedule'] == 'onecycle' else ''}; seeds {', '.join(map(str, s['seeds']))}."
        + (" Quick run." if s["quick"] else ""),
        "",
        "| model | accuracy on unseen voices | train s | test s |",
        "|---|---|---|---|",
    ]
    for r in results["models"].values():
        acc = r["accuracy"]
        runs = len(acc["runs"])
        shown = f"{format_over_runs(acc)} ({runs} seeds)" if runs > 1 else format_over_runs(acc)
        lines.append(f"| {r['name']} | {shown} | {r['train_seconds']['mean']:.1f} | {r['test_seconds']['mean']:.1f} |")
    lines += ["", "Accuracy under added noise on the test voices (first seed's GRU; the multi-condition GRU saw "
              "half of its training clips with white noise or babble of training voices at these SNRs):", "",
              "| model, noise | clean | " + " | ".join(f"{snr} dB" for snr in noise["snr_db"]) + " |",
              "|---|---|" + "---|" * len(noise["snr_db"])]
    names = (("gru", "GRU"), ("gru_multi", "GRU, multi-condition"), ("logreg", "logistic regression"))
    for name, label in names:
        for kind in ("white", "babble"):
            lines.append(f"| {label}, {kind} | {noise['clean'][name]:.3f} | "
                         + " | ".join(f"{a:.3f}" for a in noise[name][kind]) + " |")
    lines += ["", f"CTC reader (2-layer bidirectional GRU, {s['ctc_epochs']} epochs): digit error rate "
              f"**{ctc['digit_error_rate']:.3f}** over {ctc['digits']} digits in {ctc['strings']} strings spoken by "
              f"the test voices; {ctc['string_accuracy']:.3f} of the strings read exactly.", ""]
    lines += [f"- said \"{e['said']}\", read \"{e['read']}\"" for e in ctc["examples"]]
    return "\n".join(lines) + "\n"
