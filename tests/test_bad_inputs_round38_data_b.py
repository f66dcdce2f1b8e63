"""Round 38 (data, second pass): more of the loaders with one's own data (D38-13 on; see docs/bad_inputs.md)."""

import numpy as np
import pytest
import torch


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


def test_D38_14_a_store_takes_a_models_outputs_as_their_values(tmp_path):
    # before: torch's "Can't call numpy() on Tensor that requires grad" (no sequence named) for embeddings of one's
    # own encoder, and "Got unsupported ScalarType BFloat16" for a model's bfloat16 outputs
    from rnnkit.data.memmap import RaggedStore, write_ragged

    encoder = torch.nn.Linear(2, 3)
    clips = [torch.randn(4, 2, generator=torch.Generator().manual_seed(i)) for i in range(2)]
    embedded = [encoder(c) for c in clips]  # (T, 3), requiring grad
    write_ragged(tmp_path / "emb", embedded, [torch.tensor(1), torch.tensor(0)])
    store = RaggedStore(tmp_path / "emb")
    assert torch.equal(store[0][0], embedded[0].detach()) and store[1][1].item() == 0
    half = [e.detach().to(torch.bfloat16) for e in embedded]
    write_ragged(tmp_path / "bf16", half)
    store = RaggedStore(tmp_path / "bf16")
    assert store.meta["dtype"] == "<f4" and torch.equal(store[1], half[1].float())  # float32 holds bfloat16 exactly
