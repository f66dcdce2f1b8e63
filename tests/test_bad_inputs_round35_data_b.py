"""Thirty-fifth round (second pass), the loaders (data): a strict encoding's refusal of capitalised tokens that a
lower-case vocabulary holds in lower case. Each test is named by its row of docs/bad_inputs.md (D35-NN)."""

from __future__ import annotations

import pytest

from rnnkit.data.text import SPECIALS, TextClassificationDataset, Vocab


# D35-16: vocab.encode(text, strict=True) of cased text with a lower-case vocabulary
def test_D35_16_strict_refusal_names_the_capitals():
    vocab = Vocab([*SPECIALS, "the", "cat", "paris"], level="word")
    with pytest.raises(ValueError, match=r"'Paris' at position 3 \(2 of them, 'The' the first, only for their "
                                         r"capitals: the vocabulary holds 'the'; .*lower=True"):
        vocab.encode("The cat in Paris", strict=True)
    with pytest.raises(ValueError, match=r"text 0: 1 token\(s\).*'The'.*only for their capitals"):
        TextClassificationDataset(["The cat"], [0], vocab, strict=True)


def test_D35_16_other_unknowns_and_lowering_vocabularies_as_before():
    vocab = Vocab([*SPECIALS, "the", "cat"], level="word")
    with pytest.raises(ValueError, match=r"'dog' at position 1\. Use the vocabulary"):
        vocab.encode("the dog", strict=True)
    assert Vocab([*SPECIALS, "the", "cat"], level="word", lower=True).encode("The Cat", strict=True).tolist() == [4, 5]
