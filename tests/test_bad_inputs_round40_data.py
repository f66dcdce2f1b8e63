"""Round 40, the loaders (rnnkit/data): bad inputs as a new user brings them; each test fails on 3cd3981."""
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile

import rnnkit
from rnnkit.data import AudioDataset, LogMel, TextClassificationDataset, Vocab, pad_collate, write_ragged
from rnnkit.data.bio import kmer_ids


def _clips(folder, n=3, rate=16000):
    rng = np.random.default_rng(0)
    files = []
    for i in range(n):
        files.append(folder / f"clip{i}.wav")
        scipy.io.wavfile.write(files[-1], rate, (0.1 * rng.standard_normal(1600)).astype(np.float32))
    return files


def test_D40_01_a_float_wav_holding_nan_is_refused_when_the_dataset_is_built(tmp_path):
    files = _clips(tmp_path)
    x = scipy.io.wavfile.read(files[1])[1].copy()
    x[700:720] = np.nan
    scipy.io.wavfile.write(files[1], 16000, x)
    # before: built without a word; refused when an epoch's __getitem__ read the file
    with pytest.raises(ValueError, match=r"^AudioDataset: file 1: .*clip1.wav holds NaN or infinity at sample 700 "
                                         r"\(0.044 s\); the file is corrupt .*: fix or drop it$"):
        AudioDataset(files, [0, 1, 0], LogMel(16000), sample_rate=16000)
    x[700:720] = np.inf
    x[:5] = np.nan  # the first bad sample named, in a stereo file too
    scipy.io.wavfile.write(files[1], 16000, np.stack([x, x], 1))
    with pytest.raises(ValueError, match=r"clip1.wav holds NaN or infinity at sample 0 "):
        AudioDataset(files, [0, 1, 0], sample_rate=16000)


def test_D40_02_a_silent_wav_in_a_dataset_is_warned_of(tmp_path):
    files = _clips(tmp_path)
    scipy.io.wavfile.write(tmp_path / "muted.wav", 16000, np.zeros(1600, np.int16))
    scipy.io.wavfile.write(tmp_path / "muted8.wav", 16000, np.full(1600, 128, np.uint8))  # 8-bit silence is 128
    files += [tmp_path / "muted.wav", tmp_path / "muted8.wav"]
    # before: built and trained as label 1's sound, without a word
    with pytest.warns(UserWarning, match=r"^AudioDataset: 2 of the 5 files hold no sound, every sample silence \(0\): "
                                         r".*muted.wav, .*muted8.wav \(label\(s\) \[1\]\); .*drop those files, or, if "
                                         r"silence is meant .*'\.\*hold no sound'\)$"):
        ds = AudioDataset(files, [0, 1, 0, 1, 1], LogMel(16000), sample_rate=16000)
    assert len(ds) == 5
    quiet = np.zeros(70000, np.int16)
    quiet[-1] = 3  # a sound at the very end of a long file: not silent
    scipy.io.wavfile.write(tmp_path / "muted.wav", 16000, quiet)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AudioDataset(files[:4], [0, 1, 0, 1], LogMel(16000), sample_rate=16000)


def test_D40_02_quiet_clips_and_a_silence_class_filtered_as_the_warning_says_stay_quiet(tmp_path):
    files = _clips(tmp_path)
    rng = np.random.default_rng(1)
    noise = 10 ** (-60 / 20) * rng.standard_normal(1600)  # noise at -60 dBFS: quiet, not digital silence
    scipy.io.wavfile.write(tmp_path / "quiet16.wav", 16000, np.round(noise * 32767).astype(np.int16))
    scipy.io.wavfile.write(tmp_path / "quietf.wav", 16000, noise.astype(np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AudioDataset(files + [tmp_path / "quiet16.wav", tmp_path / "quietf.wav"], [0, 1, 0, 1, 1], LogMel(16000),
                     sample_rate=16000)
    for k in range(3):  # a "_silence_" class of keyword spotting, silenced by the filter the warning names
        (tmp_path / "_silence_").mkdir(exist_ok=True)
        scipy.io.wavfile.write(tmp_path / "_silence_" / f"s{k}.wav", 16000, np.zeros(1600, np.int16))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", ".*hold no sound")
        ds = AudioDataset(files + sorted((tmp_path / "_silence_").glob("*.wav")), [0, 1, 0, 2, 2, 2], LogMel(16000),
                          sample_rate=16000)
    assert len(ds) == 6


def test_D40_03_texts_all_unknown_beside_known_ones_are_warned_of():
    train = ["a good film with a great cast", "a bad film with a poor plot"] * 5
    vocab = Vocab.build(train, level="word")
    texts = ["a good film with a great cast", "a bad film with a poor plot",
             "ein sehr schlechter Film mit schwacher Handlung", "un film tres mauvais sans histoire"] * 5
    # before: 48% of the tokens unknown, under the half that is warned of; only 'Film''s capital was named
    with pytest.warns(UserWarning, match=r"^TextClassificationDataset: 5 of the 20 texts are <unk> throughout \(texts "
                                         r"2, 6, 10, 14, 18; text 2: 'ein sehr schlechter Film mit schwacher H'\), so "
                                         r"a model reads nothing of them but their length: .*build the vocabulary from "
                                         r"texts like them .*'\.\*are <unk> throughout'\)$"):
        TextClassificationDataset(texts, [1, 0, 0, 0] * 5, vocab)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a text or two of unknown words among many, or all in capitals, as before
        TextClassificationDataset(train + ["ein sehr schlechter streifen"], [1, 0] * 5 + [0], vocab)
    with warnings.catch_warnings(record=True) as caught:  # texts in capitals: their capitals alone are named
        warnings.simplefilter("always")
        TextClassificationDataset([t.upper() for t in train], [1, 0] * 5, vocab)
    assert [str(w.message).split(" are ")[1][:20] for w in caught] == ["<unk> only for their"]


def test_D40_03_a_pandas_column_of_a_split_quotes_its_texts_by_position():
    # a test split's column keeps the frame's index (3, 7, 11, ...): the warning quotes text 2 by its position
    train = ["a good film with a great cast", "a bad film with a poor plot"] * 5
    texts = pd.Series(["a good film with a great cast", "a bad film with a poor plot",
                       "ein sehr schlechter Film mit schwacher Handlung", "un film tres mauvais sans histoire"] * 5,
                      index=range(3, 83, 4))
    with pytest.warns(UserWarning, match=r"texts 2, 6, 10, 14, 18; text 2: 'ein sehr schlechter Film mit schwacher H'"):
        TextClassificationDataset(texts, [1, 0, 0, 0] * 5, Vocab.build(train, level="word"))


def test_D40_03_short_texts_of_the_vocabularys_own_language_with_rare_words_stay_quiet():
    # tweets of three words, nearly half of them rare (<unk>): a tenth all <unk> by chance, not another language
    rng = np.random.default_rng(0)
    known = [f"w{i}" for i in range(300)]
    vocab = Vocab.build([" ".join(known)], level="word")
    texts = [" ".join(f"zq{rng.integers(10**6)}" if rng.random() < 0.48 else known[rng.integers(300)]
                      for _ in range(3)) for _ in range(400)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TextClassificationDataset(texts, [0, 1] * 200, vocab)


def test_D40_04_a_series_of_one_value_per_step_given_as_t_and_as_t_1_names_the_reshape(tmp_path):
    values = pd.Series([0.5, 0.7, 0.9])  # a Series' values (T,) beside a one-column frame's (T, 1)
    frame = pd.DataFrame({"load": [0.2, 0.4]})
    # before: "...; all sequences in a batch need the same feature shape" and "... but the store holds ()" alone
    with pytest.raises(ValueError, match=r"^sequence 1 has per-step shape \(1,\) but sequence 0 has \(\); all "
                                         r"sequences in a batch need the same feature shape; \(T,\) and \(T, 1\) both "
                                         r"hold one value per step: give every sequence as \(T, 1\) \(np.reshape\(seq, "
                                         r"\(-1, 1\)\)\)$"):
        pad_collate([(values.to_numpy(), 0), (frame.to_numpy(), 1)])
    with pytest.raises(ValueError, match=r"^sequence 1 has per-step shape \(\) but the store holds \(1,\); \(T,\) and "
                                         r"\(T, 1\) both hold one value per step: store every sequence as \(T, 1\)"):
        write_ragged(tmp_path / "store", [frame.to_numpy(), values.to_numpy()])
    with pytest.raises(ValueError, match=r"sequence 1 has per-step shape \(3,\) but sequence 0 has \(2,\); all "
                                         r"sequences in a batch need the same feature shape$"):  # as before
        pad_collate([np.ones((3, 2)), np.ones((2, 3))])
    batch = pad_collate([(np.reshape(values.to_numpy(), (-1, 1)), 0), (frame.to_numpy(), 1)])  # the fix, followed
    assert batch.x.shape == (2, 3, 1)


def test_D40_05_read_only_arrays_as_pandas_3_and_a_memory_map_give_them_are_collated_without_torchs_warning(tmp_path):
    # torch warns once in a process: a fresh one tells (before: "The given NumPy array is not writable, and PyTorch
    # does not support non-writable tensors. This means writing to this tensor will result in undefined behavior")
    np.save(tmp_path / "x.npy", np.ones((4, 2), np.float32))
    script = f"""
import numpy as np, pandas as pd, torch
from rnnkit.data import pad_collate
values = pd.Series([0.5, 0.7, 0.9]).to_numpy()[:, None]
values.flags.writeable = False
mapped = np.load({str(tmp_path / "x.npy")!r}, mmap_mode="r")
read_only = np.frombuffer(np.arange(6.0).tobytes()).reshape(3, 2)
for items in ([values, values[:2]], [mapped, mapped[:3]], [read_only, read_only[:1]]):
    before = np.array(items[0])
    batch = pad_collate([(x, 0) for x in items])
    assert bool((batch.x[0] == torch.as_tensor(before, dtype=torch.float32)).all())
    batch.x.add_(1)  # the batch is its own memory
    assert (np.asarray(items[0]) == before).all()
"""
    here = {**os.environ, "PYTHONPATH": str(Path(rnnkit.__file__).parents[1])}  # the rnnkit under test
    done = subprocess.run([sys.executable, "-W", "error", "-c", script], capture_output=True, text=True, env=here,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-600:]


def test_D40_06_kmer_ids_of_a_sequence_shorter_than_k_names_the_fixes():
    # before: "a sequence of 3 letters has no 5-mers" alone
    with pytest.raises(ValueError, match=r"^kmer_ids: a sequence of 3 letters has no 5-mers; drop sequences shorter "
                                         r"than 5 letters, pad them with N to 5 \(seq \+ 'N' \* 2: a k-mer of the "
                                         r"wildcard's id\), or use a k of 3 or less$"):
        kmer_ids("ACG", 5)
    assert kmer_ids("ACG" + "N" * 2, 5).tolist() == [4**5]  # the fix, followed
    assert kmer_ids("ACG", 3).tolist() == [6]
