"""Round 38 (data, second pass): more of the loaders with one's own data (D38-13 on; see docs/bad_inputs.md)."""

import numpy as np
import pandas as pd
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


def test_D38_15_write_video_names_how_to_write_a_models_frames(tmp_path):
    # before: "frames must be uint8 (T, H, W) or (T, H, W, 3), got float32 (3, 3, 16, 16)" alone, for frames as
    # frames_to_tensor gives them (a model's predicted frames), 0..255 floats, bools; torch's error for a tensor
    # that requires grad
    from rnnkit.data.video import read_video, write_video

    predicted = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(0)).requires_grad_()
    with pytest.raises(ValueError, match=r"got float32 \(3, 3, 16, 16\); convert them: \(np\.clip\(frames\.detach\(\)"
                                         r"\.cpu\(\)\.numpy\(\)\.transpose\(0, 2, 3, 1\), 0, 1\) \* 255\)\.round\(\)"
                                         r"\.astype\(np\.uint8\) \(floats in \[0, 1\], as frames_to_tensor gives"):
        write_video(tmp_path / "p.avi", predicted)
    frames = predicted  # the fix, followed
    write_video(tmp_path / "p.avi", (np.clip(frames.detach().cpu().numpy().transpose(0, 2, 3, 1), 0, 1) * 255)
                .round().astype(np.uint8))
    back = torch.from_numpy(read_video(tmp_path / "p.avi")).permute(0, 3, 1, 2) / 255
    assert (back - predicted.detach()).abs().max() < 1 / 255  # FFV1: lossless up to the rounding
    pixels = predicted.detach().permute(0, 2, 3, 1).numpy() * 255
    with pytest.raises(ValueError, match=r"convert them: np\.clip\(frames, 0, 255\)\.round\(\)\.astype\(np\.uint8\) "
                                         r"\(floats of 0\.\.255\)"):
        write_video(tmp_path / "q.avi", pixels)
    with pytest.raises(ValueError, match=r"convert them: frames\.astype\(np\.uint8\) \* 255$"):
        write_video(tmp_path / "m.avi", pixels > 100)


def test_D38_16_labels_of_a_pandas_categorical_are_named_with_their_codes():
    # before: "labels must hold integer ids, got dtype object; map text labels to ids first (e.g. {label: i for i,
    # label in enumerate(sorted(set(labels)))})": an order of its own, where the Categorical holds one
    from rnnkit.data.bio import BioSequenceDataset
    from rnnkit.data.text import TextClassificationDataset, Vocab

    labels = pd.Series(["pos", "neg", "pos"]).astype(pd.CategoricalDtype(["pos", "neg"]))  # its own order
    vocab = Vocab.build(["the cat", "a dog"], level="word")
    with pytest.raises(ValueError, match=r"labels is a pandas Categorical of the categories \['pos', 'neg'\], text, "
                                         r"not ids; its codes are the ids, in the categories' order: pass "
                                         r"labels\.cat\.codes"):
        TextClassificationDataset(["the cat", "a dog", "a cat"], labels, vocab)
    with pytest.raises(ValueError, match=r"pass labels\.codes"):
        BioSequenceDataset(["ACGT", "GG", "TT"], pd.Categorical(["a", "b", "a"]))
    ds = TextClassificationDataset(["the cat", "a dog", "a cat"], labels.cat.codes, vocab)  # the fix, followed
    assert ds.labels.tolist() == [0, 1, 0]
