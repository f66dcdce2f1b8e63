"""Ninth round, the loaders of text, audio, video, events and DNA, and the layers (docs/bad_inputs.md, L9-NN): one
test per row, each failing on the commit before its fix. Real data that ships offline is used where a row is about
it (Python's own standard library as text, scikit-learn's digits as frames, the synthetic shop log written the way
a JavaScript client stamps events); the rest are small files made here."""
from __future__ import annotations

import bz2
import gzip
import lzma
import sysconfig
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.io.wavfile
import torch
from helpers import one_line

import rnnkit
from rnnkit.cells import GRUCell, TimeAware
from rnnkit.data import audio, bio, events, memmap, text, video

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def _sine(n: int = 8000, rate: int = 16000, amplitude: float = 0.5) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * 440 * np.arange(n) / rate)


# L9-01 -----------------------------------------------------------------------------------------------------------
def test_l9_01_write_wav_refuses_integer_scale_floats_it_would_clip_into_a_square_wave(tmp_path):
    pcm = np.round(_sine() * 32767).astype(np.int16)
    with pytest.raises(ValueError) as e:  # scipy's int16 samples made float without / 32768
        audio.write_wav(tmp_path / "a.wav", pcm.astype(np.float32), 16000)
    assert "holds samples up to 16384 (at sample" in one_line(e) and "x / 32768 for int16" in one_line(e)
    assert not (tmp_path / "a.wav").exists()
    audio.write_wav(tmp_path / "b.wav", _sine(amplitude=1.5), 16000)  # an over of 3.5 dB: clipped, as documented
    wave, _ = audio.read_wav(tmp_path / "b.wav")
    assert float(wave.abs().max()) == pytest.approx(1.0, abs=1e-4)


# L9-02 -----------------------------------------------------------------------------------------------------------
def test_l9_02_frames_to_tensor_refuses_one_colour_image_it_would_read_as_grey_frames():
    digits = pytest.importorskip("sklearn.datasets").load_digits().images  # (1797, 8, 8), 0..16
    image = np.repeat((digits[0] * 15).astype(np.uint8)[..., None], 3, axis=2)  # one RGB image (8, 8, 3)
    with pytest.raises(ValueError) as e:
        video.frames_to_tensor(image)
    assert "look like one colour image (H, W, C), which would be read as 8 grey frames of 8x3 pixels" in one_line(e)
    assert "frames[None]" in one_line(e)
    assert video.frames_to_tensor(image[None]).shape == (1, 3, 8, 8)
    grey = (digits[:5] * 15).astype(np.uint8)  # a grey video (T, H, W) is read as before
    assert video.frames_to_tensor(grey).shape == (5, 1, 8, 8)


# L9-03 -----------------------------------------------------------------------------------------------------------
def test_l9_03_sessionize_refuses_epoch_milliseconds_read_as_seconds():
    log = events.synthetic_event_log(4, seed=1)
    ms = log.assign(timestamp=log["timestamp"].astype("int64") // 10**6)  # a JavaScript client's Date.now()
    with pytest.raises(ValueError) as e:
        events.sessionize(ms)
    message = one_line(e)
    assert "holds numbers up to 17" in message and "epoch milliseconds?" in message
    assert "pd.to_datetime(df['timestamp'], unit='ms')" in message
    fixed = ms.assign(timestamp=pd.to_datetime(ms["timestamp"], unit="ms"))  # following the advice: the true sessions
    assert events.sessionize(fixed)["session"].nunique() == log["true_session"].nunique()
    ns = log.assign(timestamp=log["timestamp"].astype("int64"))
    with pytest.raises(ValueError, match=r"epoch nanoseconds\? .*unit='ns'"):
        events.sessionize(ns)
    seconds = log.assign(timestamp=log["timestamp"].astype("int64") / 1e9)  # epoch seconds are read as before
    assert events.sessionize(seconds)["session"].nunique() == log["true_session"].nunique()


# L9-04 -----------------------------------------------------------------------------------------------------------
def test_l9_04_event_sessions_refuse_missing_session_ids_and_keep_text_ones():
    log = events.sessionize(events.synthetic_event_log(3, seed=2))
    holed = log.assign(session=log["session"].astype("float64"))
    holed.loc[5, "session"] = np.nan  # a log's own session column with a hole
    with pytest.raises(ValueError) as e:
        events.EventSessions(holed, events.event_vocab(holed))
    assert one_line(e).startswith("column 'session' has 1 missing session ids (first at row 5)")
    named = log.assign(session="s" + log["session"].astype(str))  # a web log's own session ids, as text
    ds = events.EventSessions(named, events.event_vocab(named))
    assert len(ds) == len(events.EventSessions(log, events.event_vocab(log)))
    assert ds.session_ids[0].startswith("s")


def test_l9_04_a_char_vocabulary_given_event_names_is_refused_not_all_unknown():
    log = events.sessionize(events.synthetic_event_log(3, seed=2))
    chars = text.Vocab.build(log["event"])  # a char vocabulary of the names' letters: every event was <unk>
    with pytest.raises(ValueError) as e:
        events.EventSessions(log, chars)
    assert "a level='char' vocabulary reads single characters" in one_line(e) and "event_vocab(df)" in one_line(e)
    with pytest.raises(ValueError, match="reads single characters"):
        chars.encode(["login", "view"])
    assert chars.encode(list("log")).tolist() == chars.encode("log").tolist()  # characters as a list still read


# L9-05 -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["gzip", "bzip2", "xz"])
def test_l9_05_read_fasta_names_a_compressed_file_cut_short(tmp_path, kind):
    records = b"".join(b">chr%d\n" % i + b"ACGTTGCA" * 400 + b"\n" for i in range(20))
    module = {"gzip": gzip, "bzip2": bz2, "xz": lzma}[kind]
    packed = module.compress(records)
    (tmp_path / "cut.fa").write_bytes(packed[: len(packed) // 2])  # an interrupted download
    with pytest.raises(ValueError) as e:
        bio.read_fasta(tmp_path / "cut.fa")
    assert f"cut.fa: the {kind} stream is corrupt or cut short" in one_line(e)
    assert "fetch it again" in one_line(e)
    (tmp_path / "whole.fa").write_bytes(packed)
    assert len(bio.read_fasta(tmp_path / "whole.fa")) == 20


def test_l9_05_bio_dataset_takes_a_generator_with_its_labels():
    seqs = (r.sequence for r in [bio.FastaRecord("a", "ACGT"), bio.FastaRecord("b", "ACGTNN")])
    ds = bio.BioSequenceDataset(seqs, (y for y in [0, 1]), encoding="ids")
    assert ds.lengths.tolist() == [4, 6] and int(ds[1][1]) == 1


# L9-06 -----------------------------------------------------------------------------------------------------------
def test_l9_06_ragged_writer_refuses_per_step_labels_of_other_lengths_at_append(tmp_path):
    with pytest.raises(ValueError) as e, memmap.RaggedWriter(tmp_path / "s") as w:
        w.append(np.zeros((3, 2)), np.array([0, 1, 0]))
        w.append(np.zeros((4, 2)), np.array([0, 1, 0, 1]))
    assert one_line(e).startswith("sequence 1: the label has shape (4,) but sequence 0's has (3,)")
    assert not (tmp_path / "s" / "meta.json").exists()


def test_l9_06_ragged_store_names_a_missing_directory_missing_files_and_a_short_labels_file(tmp_path):
    with pytest.raises(ValueError) as e:
        memmap.RaggedStore(tmp_path / "nope")
    assert one_line(e).endswith("nope: no such directory; expected the directory of a ragged store (written by "
                                "RaggedWriter or write_ragged)")
    memmap.write_ragged(tmp_path / "a", [np.zeros((3, 2)), np.ones((2, 2))], [0, 1])
    (tmp_path / "a" / "offsets.npy").unlink()
    with pytest.raises(ValueError, match="the ragged store is incomplete: offsets.npy is missing"):
        memmap.RaggedStore(tmp_path / "a")
    memmap.write_ragged(tmp_path / "b", [np.zeros((3, 2)), np.ones((2, 2))], [0, 1])
    np.save(tmp_path / "b" / "labels.npy", np.array([0]))
    with pytest.raises(ValueError, match="labels.npy has 1 labels but the store holds 2 sequences"):
        memmap.RaggedStore(tmp_path / "b")


# L9-07 -----------------------------------------------------------------------------------------------------------
def test_l9_07_read_text_refuses_utf16_without_a_byte_order_mark_and_nul_characters(tmp_path):
    source = (STDLIB / "textwrap.py").read_text(encoding="utf-8")
    (tmp_path / "le.txt").write_bytes(source.encode("utf-16-le"))  # as Windows tools write it, no BOM
    (tmp_path / "be.txt").write_bytes(source.encode("utf-16-be"))
    with pytest.raises(ValueError) as e:
        text.read_text(tmp_path / "le.txt")
    assert "every other character is NUL" in one_line(e) and "encoding='utf-16-le'" in one_line(e)
    with pytest.raises(ValueError, match=r"encoding='utf-16-be'"):
        text.read_text(tmp_path / "be.txt")
    assert text.read_text(tmp_path / "le.txt", encoding="utf-16-le") == source.replace("\r\n", "\n")
    (tmp_path / "nul.txt").write_bytes(source[:200].encode() + b"\x00" + source[200:].encode())
    with pytest.raises(ValueError, match=r"holds 1 NUL character\(s\) \(the first at character 200\)"):
        text.read_text(tmp_path / "nul.txt")


# L9-08 -----------------------------------------------------------------------------------------------------------
def test_l9_08_time_aware_layers_refuse_nan_in_their_input_instead_of_returning_nan():
    torch.manual_seed(0)
    values = torch.randn(3, 6, 2)
    values[1, 2, 0] = float("nan")
    layer = rnnkit.Recurrent(TimeAware(GRUCell(4, 5)))
    good = rnnkit.time_aware_inputs(values)
    assert not layer(good)[0].isnan().any()
    by_hand = torch.cat([values, (~values.isnan()).float(), torch.zeros_like(values)], dim=-1)  # NaN left in x
    with pytest.raises(ValueError) as e:
        layer(by_hand)
    assert one_line(e).startswith("Recurrent(TimeAware): x holds nan at sequence 1, step 2, column 0 (the value of "
                                  "feature 0)")
    assert "rnnkit.time_aware_inputs(values, times)" in one_line(e)
    padded = good.clone()
    padded[0, 4:] = float("nan")  # NaN in padding is never read
    y, _ = layer(padded, torch.tensor([4, 6, 6]))
    assert not y.isnan().any()
    with pytest.raises(ValueError, match=r"x holds nan at sequence 1, step 2"):  # through Stacked too
        rnnkit.Stacked([rnnkit.Recurrent(TimeAware(GRUCell(4, 5)))])(by_hand)
    infinite = good.clone()
    infinite[2, 5, 5] = float("-inf")  # the time since last observed of feature 1
    with pytest.raises(ValueError, match=r"x holds -inf at sequence 2, step 5, column 5 \(the time since last"):
        layer(infinite)
    large = good.clone()
    large[0, 0, 0] = large[1, 0, 0] = 3e38  # finite values whose sum is not: not refused
    layer(large)


def test_l9_08_lengths_holding_text_or_none_are_refused_in_one_line():
    x = torch.randn(4, 6, 3)
    lstm = rnnkit.LSTM(3, 5)
    with pytest.raises(ValueError) as e:
        lstm(x, ["6", "5", "3", "2"])
    assert one_line(e).startswith("LSTM: lengths must be integers, one per sequence (B,) = (4,), got list holding '6'")
    with pytest.raises(ValueError, match=r"got list holding None \(NoneType\)"):
        lstm(x, [6, None, 3, 2])


# L9-09 -----------------------------------------------------------------------------------------------------------
def test_l9_09_a_wav_header_with_no_sample_rate_is_refused(tmp_path):
    scipy.io.wavfile.write(tmp_path / "r0.wav", 0, np.round(_sine() * 32767).astype(np.int16))
    with pytest.raises(ValueError) as e:
        audio.read_wav(tmp_path / "r0.wav")
    assert "r0.wav: its header gives a sample rate of 0 Hz" in one_line(e)
    with pytest.raises(ValueError, match="a sample rate of 0 Hz"):  # was a ZeroDivisionError
        audio.AudioDataset([tmp_path / "r0.wav"], [0], sample_rate=16000, resample=True)


def test_l9_09_resample_wave_refuses_channels_first_and_integer_samples():
    stereo = np.stack([_sine(), -_sine()])  # (2, N): channels first
    with pytest.raises(ValueError) as e:
        audio.resample_wave(stereo, 16000, 8000)
    assert "got shape (2, 8000); for channels first (C, N) pass wave.T" in one_line(e)
    assert audio.resample_wave(stereo.T, 16000, 8000).shape == (4000, 2)
    with pytest.raises(ValueError, match=r"takes float samples in \[-1, 1\], got dtype int16"):
        audio.resample_wave(np.round(_sine() * 32767).astype(np.int16), 16000, 8000)
    with pytest.raises(ValueError, match=r"got 16000\.0 \(a float: pass int\(16000\.0\)\)"):
        audio.read_wav("unused.wav", sample_rate=16000.0)


# L9-10 -----------------------------------------------------------------------------------------------------------
def test_l9_10_labels_refuse_negative_class_ids():
    vocab = text.Vocab.build(["ACGT"])
    with pytest.raises(ValueError) as e:
        text.TextClassificationDataset(["AC", "GT"], [1, -1], vocab)
    assert one_line(e).startswith("labels holds the negative id -1 at position 1")
    with pytest.raises(ValueError, match="labels holds the negative id -100 at position 0"):
        bio.BioSequenceDataset(["ACGT"], [-100])


# L9-11 -----------------------------------------------------------------------------------------------------------
def test_l9_11_write_video_into_a_missing_directory_says_so(tmp_path):
    pytest.importorskip("cv2")
    frames = np.zeros((3, 8, 8), np.uint8)
    with pytest.raises(ValueError) as e:
        video.write_video(tmp_path / "nodir" / "v.avi", frames)
    assert one_line(e).endswith("nodir does not exist; create it first (os.makedirs) or choose another path")
    with pytest.raises(ValueError, match="it is a directory"):
        video.write_video(tmp_path, frames)


def test_l9_11_frame_encoder_refuses_uint8_frames():
    with pytest.raises(ValueError) as e:
        video.FrameEncoder(4)(torch.zeros(2, 3, 1, 16, 16, dtype=torch.uint8))
    assert "FrameEncoder takes float frames in [0, 1], got dtype torch.uint8" in one_line(e)


# L9-12 -----------------------------------------------------------------------------------------------------------
def test_l9_12_from_folder_refuses_clips_in_subfolders_and_a_class_without_clips(tmp_path):
    for label, speaker in (("yes", "alice"), ("yes", "bob"), ("no", "alice")):
        (tmp_path / label / speaker).mkdir(parents=True, exist_ok=True)
        audio.write_wav(tmp_path / label / speaker / "0.wav", _sine(), 16000)  # root/<class>/<speaker>/*.wav
    audio.write_wav(tmp_path / "no" / "1.wav", _sine(), 16000)
    with pytest.raises(ValueError) as e:  # was: 1 clip of class 'no', none of 'yes', and no word
        audio.AudioDataset.from_folder(tmp_path, sample_rate=16000)
    assert "holds 1 WAV files in subfolders (e.g. no/alice/0.wav), which from_folder does not read" in one_line(e)
    flac = tmp_path / "flac"
    (flac / "up").mkdir(parents=True)
    (flac / "down").mkdir()
    audio.write_wav(flac / "up" / "0.wav", _sine(), 16000)
    (flac / "down" / "0.flac").write_bytes(b"fLaC")
    with pytest.raises(ValueError, match=r"class folder .*down holds no WAV file \(its files end in \['\.flac'\]\)"):
        audio.AudioDataset.from_folder(flac, sample_rate=16000)
    (flac / "down" / "0.flac").unlink()
    audio.write_wav(flac / "down" / "0.wav", _sine(), 16000)
    (flac / ".ipynb_checkpoints").mkdir()  # a hidden folder is no class
    ds = audio.AudioDataset.from_folder(flac, sample_rate=16000)
    assert ds.classes == ["down", "up"] and ds.labels.tolist() == [0, 1]


# L9-13 -----------------------------------------------------------------------------------------------------------
def test_l9_13_dna_read_as_protein_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    dna = "".join(rng.choice(list("ACGT"), 300))
    (tmp_path / "p.fa").write_text(f">prom1 upstream\n{dna[:150]}\n{dna[150:]}\n")
    with pytest.raises(ValueError) as e:  # its bases were alanine, cysteine, glycine and threonine
        bio.read_fasta(tmp_path / "p.fa", alphabet="protein")
    assert "record 'prom1' (line 1): this looks like DNA, not protein" in one_line(e)
    assert "pass alphabet='dna'" in one_line(e)
    with pytest.raises(ValueError, match=r"^sequence 0, this looks like DNA"):
        bio.BioSequenceDataset([dna], alphabet="protein")
    assert len(bio.read_fasta(tmp_path / "p.fa")[0].sequence) == 300
    ubiquitin = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG"
    assert bio.encode_sequence(ubiquitin, alphabet="protein").shape == (76,)
    assert bio.encode_sequence("A" * 40, alphabet="protein").shape == (40,)  # poly-alanine is let through


# L9-14 -----------------------------------------------------------------------------------------------------------
def test_l9_14_a_lowercasing_vocabulary_lowercases_token_lists_too():
    source = (STDLIB / "textwrap.py").read_text(encoding="utf-8")
    vocab = text.Vocab.build([source], level="word", lower=True)
    words = ["TextWrapper", "Width", "the", "<bos>"]  # pre-split words, as a tokenizer of one's own gives them
    assert vocab.encode(words).tolist() == vocab.encode("TextWrapper Width the").tolist() + [vocab.bos_id]
    assert vocab.unk_id not in vocab.encode(words).tolist()  # was: "TextWrapper" and "Width" read as <unk>


# L9-15 -----------------------------------------------------------------------------------------------------------
def test_l9_15_reverse_complements_refuse_ids_and_one_hots_that_are_not_dna_letters():
    seq = "ACGTTGCAAN"
    assert bio.reverse_complement_ids(bio.encode_sequence(seq)).tolist() == bio.encode_sequence(
        bio.reverse_complement(seq)).tolist()
    with pytest.raises(ValueError) as e:  # 3-mer ids were "complemented" as 3 - id
        bio.reverse_complement_ids(bio.kmer_ids("ACGTTGCAA", 3))
    assert "takes DNA letter ids in [0, 4] (A, C, G, T, N), got min" in one_line(e) and "k-mer ids?" in one_line(e)
    with pytest.raises(ValueError, match="takes integer DNA letter ids, got dtype torch.float32"):
        bio.reverse_complement_ids(torch.tensor([0.0, 1.0, 2.0]))
    protein = bio.one_hot_encode(bio.encode_sequence("MKTAYIAKQR", alphabet="protein"), alphabet="protein")
    with pytest.raises(ValueError, match=r"got shape \(10, 20\); protein \(L, 20\) has no reverse complement"):
        bio.reverse_complement_one_hot(protein)


# L9-16 -----------------------------------------------------------------------------------------------------------
def test_l9_16_states_in_another_layout_and_one_length_as_a_number_get_the_fix():
    x = torch.randn(4, 6, 3)
    with pytest.raises(ValueError) as e:  # torch.nn's h0 (L*D, B, H) of a two-layer LSTM
        rnnkit.LSTM(3, 5, num_layers=2)(x, state=(torch.zeros(2, 4, 5), torch.zeros(2, 4, 5)))
    assert one_line(e).endswith("got (2, 4, 5); torch.nn's layout (L*D, B, H)? rnnkit's states are batch-first: pass "
                                "state.transpose(0, 1)")
    with pytest.raises(ValueError, match=r"got \(4, 5\); one layer's state keeps its layer axis: pass h\.unsqueeze"):
        rnnkit.GRU(3, 5)(x, state=torch.zeros(4, 5))
    with pytest.raises(ValueError, match=r"got \(4, 1, 5\); a Recurrent layer's state is \(B, H\): pass h\[:, 0\]"):
        rnnkit.Recurrent(GRUCell(3, 5))(x, state=torch.zeros(4, 1, 5))
    with pytest.raises(ValueError, match=r"got \(\); for one sequence pass a list of its length, \[6\]"):
        rnnkit.GRU(3, 5)(x[:1], 6)
    y, h = rnnkit.GRU(3, 5)(x, state=torch.zeros(4, 5).unsqueeze(1))  # the advice followed
    assert y.shape == (4, 6, 5) and h.shape == (4, 1, 5)


# L9-17 -----------------------------------------------------------------------------------------------------------
def test_l9_17_a_text_cut_to_max_len_keeps_its_eos_and_max_len_must_leave_room_for_text():
    v = text.Vocab.build(["a b c d e"], level="word")
    bos, eos = v.stoi["<bos>"], v.stoi["<eos>"]
    d = text.TextClassificationDataset(["a b c d e", "b"], [0, 1], v, max_len=4, bos=True, eos=True)
    assert d[0][0].tolist() == [bos, v.stoi["a"], v.stoi["b"], eos]  # the text cut, not its <eos>
    assert d[1][0].tolist() == [bos, v.stoi["b"], eos] and d.lengths.tolist() == [4, 3]
    only_eos = text.TextClassificationDataset(["a b c"], [0], v, max_len=2, eos=True)
    assert only_eos[0][0].tolist() == [v.stoi["a"], eos]
    plain = text.TextClassificationDataset(["a b c"], [0], v, max_len=2)
    assert plain[0][0].tolist() == [v.stoi["a"], v.stoi["b"]]
    with pytest.raises(ValueError) as e:
        text.TextClassificationDataset(["a b"], [0], v, max_len=2, bos=True, eos=True)
    assert one_line(e) == ("max_len=2 counts <bos> and <eos> and leaves no room for a token of text; pass "
                           "max_len >= 3")
