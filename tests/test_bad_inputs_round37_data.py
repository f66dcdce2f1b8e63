"""Thirty-seventh round, the loaders (data): reviews holding HTML markup, a text's last tokens kept, a hand-built
batch whose mask disagrees with its lengths, sktime's ``(C, T)`` arrays all of one length, UniProt's letters beyond
the 20, Windows line ends in a character corpus, labels from events cut off by ``max_len``, numbered class folders,
DataFrames and dicts where lists go; FASTA line ends and WAV widths pinned. Each test is named by its row of
docs/bad_inputs.md (D37-NN)."""

from __future__ import annotations

import warnings
import wave

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.data.audio import AudioDataset, LogMel, read_wav, write_wav
from rnnkit.data.bio import BioSequenceDataset, encode_sequence, read_fasta
from rnnkit.data.collate import SequenceBatch, pad_collate
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.memmap import RaggedStore, write_ragged
from rnnkit.data.text import TextClassificationDataset, Vocab, read_text
from rnnkit.data.video import VideoDataset


def _quiet(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with every warning an error: what a right input says nothing of."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


# D37-01: Vocab.build of reviews holding HTML line breaks and entities (load_imdb's, a scraped page's)
REVIEWS = ["A great film.<br /><br />I loved it", "It&#39;s dull &amp; long.<br />Skip it", "Fine, not more",
           "<p>Best of the year</p>"]


def test_D37_01_html_markup_in_a_corpus_is_warned_of():
    with pytest.warns(UserWarning, match=r"3 of the corpus's 4 texts hold HTML markup \('<br />' \(3 time\(s\)\).*"
                                         r"reads as the words \['<', 'br', '/', '>'\].*html.unescape\(re.sub"):
        v = Vocab.build(REVIEWS, level="word")
    assert "br" in v  # built as before: the markup's words are in it


def test_D37_01_plain_text_and_markup_like_text_say_nothing():
    _quiet(Vocab.build, ["if a < b and c > d then", "Q&A session", "tom & jerry", "<unk> word <eos>"], level="word")
    _quiet(Vocab.build, REVIEWS, level="char")  # a character model of markup reads it as characters
    texts = ["plain text"] * 200 + ["one<br />break"]  # one text in 201: under 1% of them
    _quiet(Vocab.build, texts, level="word")


# D37-02: TextClassificationDataset(max_len=) keeping a review's last tokens, as the sentiment app does
def test_D37_02_keep_last_keeps_the_last_tokens_and_the_specials():
    v = Vocab.build(["a b c d e f g"], level="word")
    texts = ["a b c d e f g", "a b"]
    last = TextClassificationDataset(texts, [0, 1], v, max_len=4, keep="last", bos=True, eos=True)
    assert v.decode(last.ids[0], skip_specials=False) == ["<bos>", "f", "g", "<eos>"]
    assert v.decode(last.ids[1], skip_specials=False) == ["<bos>", "a", "b", "<eos>"]
    assert v.decode(TextClassificationDataset(texts, [0, 1], v, max_len=3, keep="last").ids[0]) == ["e", "f", "g"]
    first = TextClassificationDataset(texts, [0, 1], v, max_len=4, bos=True, eos=True)  # the default, as before
    assert v.decode(first.ids[0], skip_specials=False) == ["<bos>", "a", "b", "<eos>"]
    assert first.lengths.tolist() == last.lengths.tolist() == [4, 4]


def test_D37_02_keep_other_than_first_or_last_is_refused():
    v = Vocab.build(["a b"], level="word")
    with pytest.raises(ValueError, match=r"keep must be 'first' or 'last'.*got 'end'"):
        TextClassificationDataset(["a b"], [0], v, max_len=1, keep="end")


# D37-03: a SequenceBatch built by hand whose mask disagrees with its lengths
def test_D37_03_a_mask_that_disagrees_with_lengths_is_refused():
    x, lengths = torch.zeros(2, 3, 1), torch.tensor([3, 1])
    with pytest.raises(ValueError, match=r"mask disagrees with lengths in row 1 \(it marks 3 step\(s\) valid but "
                                         r"lengths\[1\] is 1\).*length_mask\(lengths, T\)"):
        SequenceBatch(x, lengths, torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"row 1 \(its 1 true steps are not the first \(\[2\]\): padding at the "
                                         r"start\?"):
        SequenceBatch(x, lengths, torch.tensor([[1, 1, 1], [0, 0, 1]], dtype=torch.bool))
    with pytest.raises(ValueError, match=r"mask has shape \(3, 3\) \(B, T\) but lengths \(2,\)"):
        SequenceBatch(x, lengths, torch.ones(3, 3, dtype=torch.bool))


def test_D37_03_agreeing_masks_and_collated_batches_pass():
    b = SequenceBatch(torch.zeros(2, 3, 1), torch.tensor([3, 1]), torch.tensor([[1.0, 1, 1], [1, 0, 0]]), y=None)
    assert b.lengths.tolist() == [3, 1]
    c = pad_collate([(torch.ones(3), 0), (torch.ones(1), 1)])
    assert isinstance(c, SequenceBatch) and c.to("cpu").mask.tolist() == [[True] * 3, [True, False, False]]
    assert c._fields == ("x", "lengths", "mask", "y")


# D37-04: pad_collate of sktime's (C, T) arrays all of one length: C steps of T features, every length C
def _channels_first(n=8, channels=6, steps=100, seed=0):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 4 * np.pi, steps)
    return [np.stack([np.sin(t * (1 + c / 3) + rng.uniform(0, 6)) for c in range(channels)]).astype(np.float32)
            for _ in range(n)]


def test_D37_04_channels_first_arrays_of_one_length_are_warned_of():
    items = _channels_first()
    with pytest.warns(UserWarning, match=r"all of shape \(6, 100\), read as 6 time step\(s\) of 100 features each "
                                         r"\(every length 6\); but their values run smoothly along their last axis.*"
                                         r"seq.T \(time first\)"):
        b = pad_collate([(x, 0) for x in items])
    assert b.lengths.tolist() == [6] * 8  # collated as before
    with pytest.warns(UserWarning, match=r"all of shape \(1, 100\), read as 1 time step\(s\)"):
        pad_collate([(x[:1], 0) for x in items])  # a univariate series as (1, T)


def test_D37_04_time_first_and_unordered_features_say_nothing():
    items = _channels_first()
    _quiet(pad_collate, [(x.T, 0) for x in items])  # (T, C): right
    rng = np.random.default_rng(1)
    _quiet(pad_collate, [(rng.normal(size=(5, 50)).astype(np.float32), 0) for _ in range(4)])  # (T, F), T < F
    steps = np.cumsum(rng.normal(size=(4, 10, 1)), axis=1)  # a spectrum drifting over frames: smooth both ways
    spectra = steps + np.sin(np.linspace(0, 3, 40))[None, None, :]
    _quiet(pad_collate, [(s.astype(np.float32), 0) for s in spectra])
    ids = [((np.round(x * 100) + 100).astype(np.int64), 0) for x in _channels_first()]  # as floats these would warn
    _quiet(pad_collate, ids)  # integer ids: not judged
    g = torch.Generator().manual_seed(0)
    noise = [LogMel(16000)(torch.randn(4000, generator=g) * 0.1) for _ in range(4)]  # (26, 40): smooth by band alone
    _quiet(pad_collate, [(f, 0) for f in noise])


# D37-05: a UniProt protein holding selenocysteine (U), pyrrolysine (O), or the unresolved B, Z, J
def test_D37_05_uniprot_letters_beyond_the_twenty_are_named(tmp_path):
    with pytest.raises(ValueError, match=r"invalid letter 'U'.*'U' is selenocysteine \(made from cysteine: C\), one "
                                         r"of UniProt's letters.*holds B, U\).*maketrans\('UOBZJ', 'CKXXX'\)"):
        encode_sequence("MKTAYUAKQRB", alphabet="protein")
    p = tmp_path / "gpx1.fa"
    p.write_text(">sp|P07203|GPX1_HUMAN\nMCAARLAAAAAAAQSVYAFSARPLAGGEPVSLGSLRGKVLLIENVASLUGTTVRDYTQMNELQRR\n")
    with pytest.raises(ValueError, match=r"GPX1_HUMAN.*'U' is selenocysteine.*of a file sed "
                                         r"'/\^>/!y/UOBZJuobzj/CKXXXckxxx/' in.fa > out.fa"):
        read_fasta(p, alphabet="protein")
    fixed = "MKTAYUAKQRB".translate(str.maketrans("UOBZJ", "CKXXX"))  # the fix named: read as given
    assert encode_sequence(fixed, alphabet="protein").shape == (11,)


# D37-06: a character corpus of texts with Windows line ends kept ('\r\n': open(path, newline=''), bytes decoded)
def test_D37_06_carriage_returns_in_a_char_corpus_are_warned_of(tmp_path):
    p = tmp_path / "corpus.txt"
    p.write_bytes(b"first line\r\nsecond line\r\n")
    with open(p, newline="") as f:  # the reader keeps the '\r's
        kept = f.read()
    with pytest.warns(UserWarning, match=r"1 of the corpus's 2 texts hold '\\r' \(2 in all, the first in text 0\): "
                                         r"Windows line ends.*read_text\(path\) \(universal newlines\)"):
        v = Vocab.build([kept, "third line\n"], level="char")
    assert "\r" in v  # built as before
    _quiet(Vocab.build, [read_text(p), "third line\n"], level="char")  # the fix named
    _quiet(Vocab.build, [kept], level="word")  # whitespace between words: nothing learnt of it


# D37-07: EventSessions(target='anomaly', max_len=n) of sessions whose anomalous events all come after the first n
def _labelled_log():
    events = ["login", "view", "view", "search", "view", "pay", "logout"]
    rows = [(0, k, e, int(k == 5)) for k, e in enumerate(events)]  # the anomaly at event 5
    rows += [(1, k, e, int(k == 1)) for k, e in enumerate(events)]  # at event 1
    rows += [(2, k, e, 0) for k, e in enumerate(events)]
    return pd.DataFrame(rows, columns=["user", "timestamp", "event", "anomaly"])


def test_D37_07_labels_from_events_cut_off_by_max_len_are_warned_of():
    log = sessionize(_labelled_log())
    vocab = event_vocab(log)
    with pytest.warns(UserWarning, match=r"1 of the 3 sessions take their label from events cut off by max_len=4 "
                                         r"alone \(session 0: anomaly=1 only outside its first 4 events, the ones "
                                         r"kept\).*longest session holds 7.*cumcount\(\) < 4\)"):
        ds = EventSessions(log, vocab, target="anomaly", max_len=4)
    assert [int(y) for _, y in ds] == [1, 1, 0]  # labelled as before
    log["anomaly"] = log["anomaly"] * (log.groupby("session").cumcount() < 4)  # the fix named
    assert [int(y) for _, y in _quiet(EventSessions, log, vocab, target="anomaly", max_len=4)] == [0, 1, 0]


def test_D37_07_labels_the_kept_events_show_say_nothing():
    log = sessionize(_labelled_log())
    vocab = event_vocab(log)
    _quiet(EventSessions, log, vocab, target="anomaly", max_len=6)  # every anomaly kept
    _quiet(EventSessions, log, vocab, target="anomaly")
    _quiet(EventSessions, log, vocab, target="next", max_len=2)


# D37-08: AudioDataset.from_folder of class folders named by numbers, '1' .. '12' (speakers), ordered as text
def _class_folders(root, names):
    for name in names:
        (root / name).mkdir()
        # a tone, not silence: a silent file is warned of (D40-02), which is no part of this test
        write_wav(root / name / "clip.wav", 0.1 * np.sin(np.arange(400, dtype=np.float32)), 8000)
    return root


def test_D37_08_numbered_class_folders_ordered_as_text_are_warned_of(tmp_path):
    root = _class_folders(tmp_path, [str(k) for k in range(1, 13)])
    with pytest.warns(UserWarning, match=r"class folders of .* are numbers, and their ids follow their order as text "
                                         r"\('1', '10', '11', '12', '2', \.\.\.\): id 1 is folder '10', not '2'.*"
                                         r"leading zeros \('01' \.\. '12'\)"):
        ds = AudioDataset.from_folder(root, sample_rate=8000)
    assert ds.classes[:3] == ["1", "10", "11"]  # ids as before


def test_D37_08_folders_whose_text_order_is_their_numbers_say_nothing(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _quiet(AudioDataset.from_folder, _class_folders(tmp_path / "a", ["01", "02", "10"]), sample_rate=8000)
    _quiet(AudioDataset.from_folder, _class_folders(tmp_path / "b", ["0", "1", "9"]), sample_rate=8000)


# D37-09: a DataFrame given as the sequences of BioSequenceDataset, or as the files of AudioDataset / VideoDataset
def test_D37_09_a_dataframe_of_sequences_or_paths_is_refused():
    frame = pd.DataFrame({"seq": ["MKTAYIAK", "MGLSDGEW"], "name": ["p1", "p2"]})
    with pytest.raises(ValueError, match=r"sequences is a DataFrame, and iterating one gives its column names "
                                         r"\(\['seq', 'name'\]\), not its sequences; pass the column of sequences, "
                                         r"e.g. df\['seq'\]"):
        BioSequenceDataset(frame, [0, 1], alphabet="protein")  # before: the proteins 'SEQ' and 'NAME'
    paths = pd.DataFrame({"path": ["a.wav", "b.wav"], "label": [0, 1]})
    with pytest.raises(ValueError, match=r"AudioDataset: files is a DataFrame.*not its paths; .*df\['path'\]"):
        AudioDataset(paths, [0, 1], sample_rate=16000)
    with pytest.raises(ValueError, match=r"VideoDataset: files is a DataFrame.*not its paths"):
        VideoDataset(paths, [0, 1])
    assert len(BioSequenceDataset(frame["seq"], [0, 1], alphabet="protein")) == 2  # the fix named


# D37-10: write_ragged and pad_collate given a DataFrame (its rows the steps) or a dict of sequences
def test_D37_10_a_dataframe_or_dict_to_write_ragged_or_pad_collate_is_refused(tmp_path):
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [4.0, 5.0, 6.0]})
    fix = r"pass a list of sequences: \[df.to_numpy\(\)\] for one sequence of its rows.*df.groupby\('id'\)"
    with pytest.raises(ValueError, match=r"write_ragged: sequences is a DataFrame, and iterating one gives its column "
                                         r"names \(\['x', 'y'\]\), not its sequences; " + fix):
        write_ragged(tmp_path / "a", frame)  # before: 'sequence 0 is empty or a scalar' (the name 'x')
    with pytest.raises(ValueError, match=r"write_ragged: sequences is a dict of 2 entries \(keys \['s1', 's2'\]\).*"
                                         r"list\(sequences.values\(\)\)"):
        write_ragged(tmp_path / "b", {"s1": np.ones((3, 2)), "s2": np.ones((2, 2))})
    with pytest.raises(ValueError, match=r"pad_collate: items is a DataFrame.*" + fix):
        pad_collate(frame)  # before: "sequence 0 is text ('x')"
    with pytest.raises(ValueError, match=r"pad_collate: items is a dict \(keys \['input_ids', 'label'\]\), one item "
                                         r"rather than a batch.*\[item\] for one"):
        pad_collate({"input_ids": [1, 2, 3], "label": 1})
    assert len(RaggedStore(write_ragged(tmp_path / "c", [frame.to_numpy()]))) == 1  # the fix named
    assert pad_collate([{"input_ids": [1, 2, 3]}]).x["input_ids"].shape == (1, 3)


# D37-11 (OK, pinned): FASTA of mixed line ends and soft-masked letters; 8-bit unsigned and 24-bit WAV files
def test_D37_11_mixed_line_ends_soft_masking_and_wav_widths_read_right(tmp_path):
    p = tmp_path / "mixed.fa"
    p.write_bytes(b">a\r\nACGTacgt\nnnAC\r>b\nGGcc\r\n")  # CRLF, LF and CR alone in one file
    assert [(r.name, r.sequence) for r in read_fasta(p)] == [("a", "ACGTACGTNNAC"), ("b", "GGCC")]
    tone = 0.5 * np.sin(np.arange(800) * 2 * np.pi * 440 / 8000)
    for width, raw in ((1, np.round(tone * 127 + 128).astype(np.uint8).tobytes()),
                       (3, b"".join(int(v).to_bytes(3, "little", signed=True) for v in np.round(tone * 2**23)))):
        path = tmp_path / f"w{width}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(width)
            w.setframerate(8000)
            w.writeframes(raw)
        got, rate = _quiet(read_wav, path)
        assert rate == 8000 and np.abs(got.numpy() - tone).max() < (0.01 if width == 1 else 1e-6)
