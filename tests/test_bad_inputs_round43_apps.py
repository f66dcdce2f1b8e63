"""Round 43, recipes (rnnkit/apps, rnnkit/report.py): rows A43-01 .. of docs/bad_inputs.md's forty-third round.

A43-01 ``sentiment.predict_proba`` of one's own reviews of which one holds no word the model knows (another
       language, a typo'd word): scored as the model's guess for no word, without a word.
A43-02 ``spoken_digits.DTWNearestNeighbour.fit`` of labels read as the clips' file names ('one.wav', FSDD's
       '0_jackson_0.wav', paths): each clip a class of its own, and accuracy 0 without a word.
A43-03 ``dna.one_hot`` and ``dna.kmer_profile`` of one's own sequences of which one holds only N (an assembly gap,
       a hard-masked region): encoded as no base and scored, without a word.
A43-04 ``charlm.split_corpus`` of a text as a file gives it another way than a str (bytes, readlines()' lines) or of
       files as paths or bytes: refused without the fix.
Each test fails on the commit before its fix."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.apps import charlm, dna, sentiment, spoken_digits
from rnnkit.data import TextClassificationDataset, Vocab


def _model_and_vocab():
    torch.manual_seed(0)
    tokens = [sentiment.tokenize(t) for t in ["a good film .", "a bad film .", "great acting !", "dull plot ."]]
    vocab = Vocab.build(tokens, level="word", lower=True, min_freq=1, max_size=100)
    model = sentiment.ReviewClassifier(len(vocab), 4, 4)
    model.vocab = vocab
    return model, vocab


@pytest.mark.parametrize("review", ["Ce navet était nul", "zzz qqq", "Superbe"])
def test_A43_01_predict_proba_of_a_review_of_unknown_words_warns(review):
    model, vocab = _model_and_vocab()
    texts = [sentiment.tokenize(t) for t in ["a good film .", review]]
    data = TextClassificationDataset(texts, [1, 0], vocab)
    with pytest.warns(UserWarning, match=r"^predict_proba: review\(s\) 1 \(1 of 2\) hold no word of the model's "
                                         r".*read as <unk>\), so their P\(positive\) reads nothing of their words.*"
                                         r"another language.*filterwarnings"):
        p = sentiment.predict_proba(model, data)
    assert p.shape == (2,)  # still scored, in order


def test_A43_01_predict_proba_of_reviews_with_known_words_stays_quiet():
    model, vocab = _model_and_vocab()
    texts = [sentiment.tokenize(t) for t in ["a good film .", "Ce film était nul", "zzz ."]]
    data = TextClassificationDataset(texts, [1, 0, 0], vocab)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sentiment.predict_proba(model, data)


@pytest.mark.parametrize("names, digit", [(["one.wav", "two.wav", "One_2.wav"], 1),
                                          (["0_jackson_0.wav", "1_theo_2.wav", "2_yweweler_4.wav"], 0),
                                          (["3_nicolas_1", "4_lucas_0", "5_george_9"], 3),
                                          ([Path("fsdd/recordings/7_theo_3.wav")] * 3, 7)])
def test_A43_02_dtw_fit_of_file_names_as_labels_is_refused(names, digit):
    x = [np.random.default_rng(i).normal(size=(5, 4)) for i in range(3)]
    with pytest.raises(ValueError, match=r"^DTWNearestNeighbour.fit: labels\[0\] is .*, a file name, not a digit "
                                         r"\(3 of 3 labels are\), so each clip would be a class of its own.*"
                                         r"y = \[spoken_digits.digit_of_name\(n\) for n in names\] \(gives "
                                         rf"{digit} for "):
        spoken_digits.DTWNearestNeighbour().fit(x, names)
    assert [spoken_digits.digit_of_name(n) for n in names][0] == digit  # the fix runs as written


def test_A43_02_dtw_fit_of_digits_or_number_words_stands():
    x = [np.random.default_rng(i).normal(size=(5, 4)) for i in range(3)]
    for y in ([0, 1, 2], ["one", "two", "three"], np.array(["1", "2", "3"])):
        clf = spoken_digits.DTWNearestNeighbour().fit(x, y)
        assert list(clf.y_) == list(y)
    with pytest.raises(ValueError, match=r"^digit_of_name: the file name 'take_3.wav' starts with 'take'"):
        spoken_digits.digit_of_name("clips/take_3.wav")


@pytest.mark.parametrize("encode", ["one_hot", "kmer_profile"])
@pytest.mark.parametrize("gap", ["N" * 60, "n" * 60, "NnNn" * 15])
def test_A43_03_a_sequence_of_n_only_is_warned_of_and_encoded(encode, gap):
    rng = np.random.default_rng(0)
    real = lambda: "".join(rng.choice(list("ACGT"), 60))
    seqs = [real(), gap, real(), gap]
    with pytest.warns(UserWarning, match=rf"^{encode}: sequence\(s\) 1, 3 \(2 of 4\) hold only N \(sequence 1: 60 bp, "
                                         r"no known base: an assembly gap .*to leave them out, with their labels: "
                                         r"keep = \[bool\(s.strip\('Nn'\)\) for s in sequences\]") as caught:
        encoded = getattr(dna, encode)(seqs)
    assert len([w for w in caught if "hold only N" in str(w.message)]) == 1  # one warning per call, naming both
    # a genome scanned in windows keeps one encoding per window, in order: the gap as N is encoded
    assert len(encoded) == 4 and np.array_equal(encoded[1], encoded[3])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.array_equal(encoded[0], getattr(dna, encode)([seqs[0]])[0])
    keep = [bool(s.strip('Nn')) for s in seqs]  # the mask runs as written
    assert keep == [True, False, True, False]


def test_A43_03_sequences_with_some_n_are_encoded_as_before():
    seqs = ["ACGT" * 15, "N" * 59 + "A", "acgtn" * 12]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a window mostly of N, or soft-masked, stays quiet
        assert dna.one_hot(seqs).shape == (3, 60, 4)
        assert dna.kmer_profile(seqs).shape[0] == 3


_LINES = ["In the beginning God created the heaven and the earth.\n", "And the earth was without form.\n"] * 40


@pytest.mark.parametrize("text, fix", [
    ("".join(_LINES).encode(), r"got bytes; decode it first: text\.decode\('utf-8'\)"),
    (_LINES, r"got list; join the lines first: ''\.join\(lines\)"),
    ([x.rstrip() for x in _LINES], r"got list; join the lines first: '\\n'\.join\(lines\)"),
    ({"a.py": "x = 1\n"}, r"got dict; a dict of \{path: source\} is cut by file with corpus='python'")])
def test_A43_04_split_corpus_of_a_bible_text_not_a_str_names_the_fix(text, fix):
    with pytest.raises(ValueError, match=rf"^split_corpus: the bible corpus is one str, {fix}"):
        charlm.split_corpus("bible", text, 1000, 200)
    if isinstance(text, list):  # the fix runs as written
        joined = ("" if text[0].endswith("\n") else "\n").join(text)
        assert charlm.split_corpus("bible", joined, 1000, 200)[2]


@pytest.mark.parametrize("files, fix", [
    ([Path("pkg/a.py"), Path("pkg/b.py")],
     r"got list; read the files first: \{str\(p\): open\(p\)\.read\(\) for p in paths\}"),
    ({"a.py": "x = 1", "b.py": b"y = 2"}, r"got a dict of str to bytes \('b\.py': b'y = 2'\); give each path as a "
                                          r"str and each source as the file's text"),
    ({Path("a.py"): "x = 1"}, r"got a dict of \w*Path to str .*give each path as a str")])
def test_A43_04_split_corpus_of_python_files_not_str_to_str_names_the_fix(files, fix):
    with pytest.raises(ValueError, match=rf"^split_corpus: the python corpus is a dict of \{{path: source\}} "
                                         rf"\(str to str\), {fix}"):
        charlm.split_corpus("python", files, None, 200)


def test_A43_01_a_batch_of_many_reviews_with_one_unknown_warns_once_naming_it():
    model, vocab = _model_and_vocab()
    reviews = ["a good film ."] * 30 + ["zzz qqq"] + ["dull plot ."] * 30 + ["?!", "Good Film"]
    data = TextClassificationDataset([sentiment.tokenize(t) for t in reviews], [1] * len(reviews), vocab)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sentiment.predict_proba(model, data)
    said = [str(w.message) for w in caught if "reads nothing of their words" in str(w.message)]
    # one warning for the call, naming review 30 alone: punctuation the model knows ('?!') and capitals it lowers
    # are words it reads
    assert len(said) == 1 and said[0].startswith("predict_proba: review(s) 30 (1 of 63) hold no word"), said


def test_A43_02_labels_with_a_dot_or_a_slash_that_are_no_file_names_stand():
    x = [np.random.default_rng(i).normal(size=(5, 4)) for i in range(3)]
    for y in (["v1.0", "v1.1", "v2.0"], ["a.b", "c.d", "e.f"], ["yes/no", "up", "down"]):
        assert list(spoken_digits.DTWNearestNeighbour().fit(x, y).y_) == y
    for y in (["one.WAV", "2", "3"], ["clip.opus", "2", "3"], [Path("one"), Path("two"), Path("three")]):
        with pytest.raises(ValueError, match=r"a file name, not a digit"):
            spoken_digits.DTWNearestNeighbour().fit(x, y)


def test_A43_04_each_python_fix_runs_as_written(tmp_path):
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text(f"# {name}\n" + "x = 1\n" * 50)
    paths = sorted(tmp_path.glob("*.py"))
    for given in (paths, [str(p) for p in paths]):  # Paths, or str paths as glob.glob gives them
        with pytest.raises(ValueError, match=r"read the files first: \{str\(p\): open\(p\)\.read\(\) for p in paths\}"):
            charlm.split_corpus("python", given, None, 20)
        paths = given
        read = {str(p): open(p).read() for p in paths}
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in read.items())
    files = {"a.py": "x = 1", "b.py": b"y = 2"}
    fixed = {str(p): s.decode('utf-8') if isinstance(s, bytes) else s for p, s in files.items()}
    assert fixed == {"a.py": "x = 1", "b.py": "y = 2"}
    text = b"x = 1\n"
    with pytest.raises(ValueError, match=r"got bytes; give it as a dict of \{path: source\}, its text decoded: "
                                         r"\{'file\.py': text\.decode\('utf-8'\)\}"):
        charlm.split_corpus("python", text, None, 20)
    assert {'file.py': text.decode('utf-8')} == {"file.py": "x = 1\n"}
