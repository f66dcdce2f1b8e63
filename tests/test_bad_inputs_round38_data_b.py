"""Round 38 (data, second pass): more of the loaders with one's own data (D38-13 on; see docs/bad_inputs.md)."""

import numpy as np
import pytest


def test_D38_13_text_given_as_bytes_is_named_with_its_decoding():
    # before: "a text must be a string or a sequence of tokens, got bytes" alone (TensorFlow's datasets give bytes)
    from rnnkit.data.text import TextClassificationDataset, Vocab

    vocab = Vocab.build(["the cat sat", "a dog"], level="word")
    for texts in ([b"the cat", b"a dog"], np.array([b"the cat", b"a dog"])):
        with pytest.raises(ValueError, match=r"text 0: a text must be a string or a sequence of tokens, got bytes_? "
                                             r"\(b'the cat'\): decode it first, text\.decode\('utf-8'\) \(\[t\.decode"
                                             r"\('utf-8'\) for t in texts\]: TensorFlow's datasets"):
            TextClassificationDataset(texts, [0, 1], vocab)
    decoded = TextClassificationDataset([t.decode("utf-8") for t in texts], [0, 1], vocab)  # the fix, followed
    assert vocab.decode(decoded[0][0].tolist()) == ["the", "cat"]
