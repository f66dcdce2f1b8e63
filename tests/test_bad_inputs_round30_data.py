"""Round 30 of bad input to the loaders (docs/bad_inputs.md, D30-01 ...): text in scripts with combining marks,
tokens in two Unicode spellings, hashed ids, labels and steps as a new user writes them, a padded DNA batch, look-alike
letters, file lists as Path.glob gives them, and a ragged store of text."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.data.audio import AudioDataset, mix_at_snr, write_wav
from rnnkit.data.bio import encode_sequence, one_hot_encode, reverse_complement_one_hot
from rnnkit.data.collate import pad_collate, pad_sequences
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.memmap import RaggedStore, write_ragged
from rnnkit.data.text import TextClassificationDataset, Vocab, batchify
from rnnkit.data.video import VideoDataset


def test_D30_01_a_word_keeps_its_combining_marks():
    # Python's \w holds no combining mark: Hindi's vowel signs and virama, Arabic's and Hebrew's vowel points and the
    # dot of 'İ'.lower() cut each word into pieces, every piece a "word" of the vocabulary
    vocab = Vocab.build(["नमस्ते दुनिया", "مُحَمَّد رسول", "İstanbul, Ankara"], level="word", lower=True)
    assert vocab.tokenize("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]
    assert vocab.tokenize("مُحَمَّد") == ["مُحَمَّد"]
    assert vocab.tokenize("İstanbul, Ankara") == ["i̇stanbul", ",", "ankara"]
    assert vocab.tokenize("It's 3.5!") == ["it", "'", "s", "3", ".", "5", "!"]  # words and punctuation as before
    assert vocab.encode("नमस्ते", strict=True).tolist() == [vocab.stoi["नमस्ते"]]


def test_D30_02_tokens_in_two_unicode_spellings_are_one_token():
    composed, decomposed = "caf\u00e9", "cafe\u0301"  # print alike
    vocab = Vocab.build([[composed, "tea"], [decomposed]], level="token")
    assert vocab.itos[4:] == ["café", "tea"] and vocab.itos[4] == composed
    assert vocab.encode([decomposed], strict=True).tolist() == [4]
    log = pd.DataFrame({"user": ["a", "a", "a"], "timestamp": [0.0, 10.0, 20.0],
                        "event": [composed, decomposed, "tea"]})
    assert event_vocab(log).itos[4:] == ["café", "tea"]


def test_D30_03_ids_beyond_int64_are_named_as_given_not_as_negative_ids():
    hashed = np.array([2**63 + 5, 17, 2**64 - 1, 3], dtype=np.uint64)  # 64-bit hashes of tokens
    with pytest.raises(ValueError, match=r"the token stream holds 9223372036854775813 at position 0, beyond the int64 "
                                         r"range of ids .*np\.unique\(values, return_inverse=True\)\[1\]"):
        batchify(hashed, 2)
    vocab = Vocab.build(["ab"])
    with pytest.raises(ValueError, match=r"labels holds 1e\+20 at position 1, beyond the int64 range"):
        TextClassificationDataset(["a", "b"], np.array([0.0, 1e20]), vocab)
    assert batchify(np.array([2**63 - 1, 1, 2, 3], dtype=np.uint64), 2)[0, 0] == 2**63 - 1  # the largest id passes


def test_D30_04_event_targets_written_as_text_are_named():
    log = sessionize(pd.DataFrame({"user": ["a", "a", "b", "b"], "timestamp": [0.0, 5.0, 0.0, 5.0],
                                   "event": ["x", "y", "x", "x"], "label": ["0", "1", "0", "0"]}))
    with pytest.raises(ValueError, match=r"target column 'label' holds class ids written as text \('0' at row 0\), "
                                         r"not numbers; convert the column first: df\['label'\] = "
                                         r"pd\.to_numeric\(df\['label'\]\)"):
        EventSessions(log, event_vocab(log), target="label")
    log["label"] = pd.to_numeric(log["label"])
    assert [int(y) for _, y in EventSessions(log, event_vocab(log), target="label")] == [1, 0]


def test_D30_05_dict_items_with_their_keys_in_another_order_are_collated_by_key():
    items = [{"event": [4, 5], "dt": [0.0, 1.5]}, {"dt": [2.5], "event": [6]}]
    batch = pad_collate(items)
    assert list(batch.x) == ["event", "dt"]
    assert batch.x["event"].tolist() == [[4, 5], [6, 0]]
    assert batch.x["dt"].tolist() == [[0.0, 1.5], [2.5, 0.0]]
    with pytest.raises(ValueError, match="every item needs the same keys"):
        pad_collate([{"event": [1]}, {"dt": [1.0]}])


def test_D30_06_python_lists_of_steps_name_the_step_that_is_no_number():
    with pytest.raises(ValueError, match=r"sequence 1 holds a missing value \(None\) at step 1; give it as "
                                         r"float\('nan'\)"):
        pad_sequences([[[1.0, 2.0]], [[1.0, 2.0], [None, 3.0]]])
    with pytest.raises(ValueError, match=r"sequence 0 holds the text '3' at step 2, not a number"):
        pad_sequences([[1.0, 2.0, "3"]])
    with pytest.raises(ValueError, match=r"sequence 0 has steps of several sizes: step 0 holds 2 values but step 2 "
                                         r"holds 1 value; every step needs the same number of features"):
        pad_collate([([[1.0, 2.0], [3.0, 4.0], [5.0]], 0)])


def test_D30_07_a_padded_one_hot_batch_is_not_flipped_padding_first():
    x = pad_sequences([one_hot_encode(encode_sequence("ACGTA")), one_hot_encode(encode_sequence("AC"))])  # (2, 5, 4)
    with pytest.raises(ValueError, match=r"sequence 1 of the batch has an all-zero row at step 2, which no letter is "
                                         r".*x\[b, :n\]\.flip\(-2, -1\)"):
        reverse_complement_one_hot(x)
    n = one_hot_encode(encode_sequence("ACNT"))  # N is 0.25s, no padding
    assert torch.equal(reverse_complement_one_hot(n), one_hot_encode(encode_sequence("ANGT")))


def test_D30_08_letters_that_look_like_acgt_are_named_by_their_code_point():
    with pytest.raises(ValueError, match=r"position 3: invalid letter 'Т' \(U\+0422 CYRILLIC CAPITAL LETTER TE, not an "
                                         r"ASCII letter however it looks"):
        encode_sequence("ACGТ")  # the last letter Cyrillic
    with pytest.raises(ValueError, match=r"U\+FF21 FULLWIDTH LATIN CAPITAL LETTER A.*unicodedata\.normalize\('NFKC', "
                                         r"seq\) makes it 'A'"):
        encode_sequence("ＡＣＧＴ")
    with pytest.raises(ValueError, match=r"one_hot_encode takes letter ids, got a list of letters: encode the letters "
                                         r"first, one_hot_encode\(encode_sequence\(''\.join\(letters\)"):
        one_hot_encode(["A", "C", "G"])


def test_D30_09_audio_and_video_files_given_as_one_path_or_as_a_glob(tmp_path):
    for name in ("yes.wav", "no.wav"):
        write_wav(tmp_path / name, np.full(800, 0.1), 16000)
    with pytest.raises(ValueError, match=r"files is an iterator \(generator, as Path\.glob gives\).*sorted\(Path\("
                                         r"folder\)\.glob\('\*\.wav'\)\)"):
        AudioDataset(tmp_path.glob("*.wav"), [0, 1], sample_rate=16000)
    with pytest.raises(ValueError, match=r"files is one path \('.*yes\.wav'\); AudioDataset takes a list of paths: "
                                         r"pass \[path\]"):
        AudioDataset(str(tmp_path / "yes.wav"), [0], sample_rate=16000)
    with pytest.raises(ValueError, match=r"files is one path \('data/vtest\.avi'\); VideoDataset takes a list"):
        VideoDataset("data/vtest.avi", [0])
    assert len(AudioDataset(sorted(tmp_path.glob("*.wav")), [0, 1], sample_rate=16000)) == 2
    silent = np.zeros(100)
    with np.errstate(invalid="ignore"):
        normalised = silent / np.abs(silent).max()  # a silent clip normalised by its peak: 0 / 0
    with pytest.raises(ValueError, match=r"the signal holds NaN or infinity \(at flat index 0\)"):
        mix_at_snr(normalised, np.ones(100), 10.0)


def test_D30_10_a_ragged_store_refuses_text_dates_and_objects_when_written(tmp_path):
    with pytest.raises(ValueError, match=r"sequence 0 holds text \(dtype <U\d+, e\.g\. 'the'\), which a store of "
                                         r"numbers cannot hold: encode text as token ids first"):
        write_ragged(tmp_path / "words", [np.array(["the", "cat"]), np.array(["sat"])])
    with pytest.raises(ValueError, match=r"sequence 1 holds Python objects \(dtype object, e\.g\. 'b'\)"):
        write_ragged(tmp_path / "mixed", [np.zeros(2), np.array([1.0, "b"], dtype=object)])
    with pytest.raises(ValueError, match=r"sequence 0 holds dates .*np\.timedelta64\(1, 's'\)"):
        write_ragged(tmp_path / "dates", [pd.date_range("2024-01-01", periods=3).to_numpy()])
    assert not (tmp_path / "words" / "data.npy").exists()
    store = RaggedStore(write_ragged(tmp_path / "ids", [np.array([4, 5]), np.array([6])]))
    assert store[0].tolist() == [4, 5]
