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
def test_A43_03_a_sequence_of_n_only_is_refused(encode, gap):
    rng = np.random.default_rng(0)
    real = lambda: "".join(rng.choice(list("ACGT"), 60))
    with pytest.raises(ValueError, match=rf"^{encode}: sequence 1 holds only N \(60 bp, no known base: an assembly "
                                         r"gap .*1 such sequence\(s\)\).*leave such sequences out, with their labels: "
                                         r"keep = \[bool\(s.strip\('Nn'\)\) for s in sequences\]"):
        getattr(dna, encode)([real(), gap, real()])


def test_A43_03_sequences_with_some_n_are_encoded_as_before():
    seqs = ["ACGT" * 15, "N" * 59 + "A", "acgtn" * 12]
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
     r"got list; read the files first: \{str\(p\): p\.read_text\(\) for p in paths\}"),
    ({"a.py": "x = 1", "b.py": b"y = 2"}, r"got a dict of str to bytes \('b\.py': b'y = 2'\); give each path as a "
                                          r"str and each source as the file's text"),
    ({Path("a.py"): "x = 1"}, r"got a dict of \w*Path to str .*give each path as a str")])
def test_A43_04_split_corpus_of_python_files_not_str_to_str_names_the_fix(files, fix):
    with pytest.raises(ValueError, match=rf"^split_corpus: the python corpus is a dict of \{{path: source\}} "
                                         rf"\(str to str\), {fix}"):
        charlm.split_corpus("python", files, None, 200)
