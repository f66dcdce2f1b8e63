"""Round 33, core, third pass: `LanguageModel.generate` of a padded batch of prompts, and its mode (K33-09 … K33-12)."""

import warnings

import pytest
import torch

from rnnkit import EncoderDecoder, LanguageModel


def _lm(cell="lstm", num_layers=2, dropout=0.3):
    torch.manual_seed(0)
    lm = LanguageModel(12, 16, cell=cell, num_layers=num_layers, dropout=dropout)
    with torch.no_grad():  # larger weights: greedy continuations that depend on the context, not one token forever
        for p in lm.parameters():
            p.mul_(4)
    return lm.eval()


@pytest.mark.parametrize("cell, num_layers", [("lstm", 2), ("gru", 1), ("layernorm_lstm", 1)])
def test_K33_09_a_padded_batch_with_lengths_continues_each_prompt_as_alone(cell, num_layers):
    lm = _lm(cell, num_layers)
    prompts = [torch.tensor([4, 5, 6]), torch.tensor([7, 8, 9, 10, 11, 4]), torch.tensor([3])]
    lengths = torch.tensor([len(p) for p in prompts])
    batch = torch.zeros(3, 6, dtype=torch.long)  # padded at the end with id 0
    for b, p in enumerate(prompts):
        batch[b, :len(p)] = p
    n = 8
    out = lm.generate(batch, n, lengths=lengths, temperature=0)
    assert out.shape == (3, 6 + n)
    for b, p in enumerate(prompts):
        alone = lm.generate(p, n, temperature=0)
        assert torch.equal(out[b, :len(p) + n], alone)  # its prompt, then what it continues alone
        assert torch.equal(out[b, len(p) + n:], torch.zeros(6 - len(p), dtype=torch.long))  # its padding, last
    # without lengths the padding was read as context: the short prompt continued otherwise (the case fixed)
    with pytest.warns(UserWarning, match="padding"):  # K33-11
        plain = lm.generate(batch, n, temperature=0)
    assert not torch.equal(plain[0, 6:], out[0, 3:3 + n])
    # the stream too: each row's next-token scores are those of its prompt alone
    fed = lm.stream().feed(batch, lengths)
    for b, p in enumerate(prompts):
        assert torch.allclose(fed[b], lm.stream().feed(p)[0], atol=1e-5)
    # sampled: a padded prompt with its length draws what it draws alone, for one seed
    seeded = [lm.generate(x, n, lengths=k, generator=torch.Generator().manual_seed(3))
              for x, k in ((batch[:1], lengths[:1]), (prompts[0], None))]
    assert torch.equal(seeded[0][0, :3 + n], seeded[1])

def test_K33_09_lengths_are_checked_by_name():
    lm = _lm()
    batch = torch.tensor([[1, 2, 0], [3, 4, 5]])
    with pytest.raises(ValueError, match=r"generate: every length must be in \[1, T=3\]"):
        lm.generate(batch, 2, lengths=[2, 4])
    with pytest.raises(ValueError, match=r"generate: lengths must have shape \(B,\) = \(2,\)"):
        lm.generate(batch, 2, lengths=[2])
    with pytest.raises(ValueError, match="lengths are for a batch of padded prompts"):
        lm.generate(torch.tensor([1, 2]), 2, lengths=[2])
    mask = torch.tensor([[True, True, False], [True, True, True]])  # Hugging Face's attention_mask, as bools
    with pytest.raises(ValueError, match=r"lengths.sum\(1\)"):
        lm.generate(batch, 2, lengths=mask)
    assert lm.generate(batch, 0, lengths=[2, 3]).shape == (2, 3)


def test_K33_10_generate_runs_in_eval_mode_and_restores_the_mode():
    lm = _lm().train()  # a model built anew and given saved weights is in training mode
    prompt = torch.tensor([4, 5, 6])
    texts = {tuple(lm.generate(prompt, 12, generator=torch.Generator().manual_seed(1)).tolist()) for _ in range(4)}
    assert lm.training  # its mode restored
    lm.eval()
    same = lm.generate(prompt, 12, generator=torch.Generator().manual_seed(1))
    assert texts == {tuple(same.tolist())}  # one seed, one text, the eval-mode model's
    assert not lm.training
    bad = torch.tensor([4, 99])
    lm.train()
    with pytest.raises(ValueError, match="token ids"):
        lm.generate(bad, 2)
    assert lm.training  # restored after an error too
    lm.embedding.eval()  # a module the user keeps in eval mode inside a training model stays so
    lm.generate(torch.tensor([4, 5]), 2)
    assert lm.training and lm.encoder.training and not lm.embedding.training


def test_K33_11_a_batch_padded_with_id_0_and_no_lengths_is_warned_of():
    lm = _lm()
    right = torch.tensor([[4, 5, 6, 0, 0], [7, 8, 9, 10, 11], [3, 0, 0, 0, 0]])
    with pytest.warns(UserWarning, match=r"2 of 3 prompts end in id 0 \(prompt 2: its last 4 of 5 ids\).*"
                                         r"lengths=\(prompt != 0\)\.sum\(1\)"):
        lm.generate(right, 2, temperature=0)
    left = torch.tensor([[0, 0, 4, 5, 6], [7, 8, 9, 10, 11]])  # Keras' pad_sequences' default
    with pytest.warns(UserWarning, match="begin with id 0.*pad at the end"):
        lm.generate(left, 2, temperature=0)
    fixed = lm.generate(right, 2, lengths=(right != 0).sum(1), temperature=0)  # the fix the warning names
    assert torch.equal(fixed[2, :3], lm.generate(torch.tensor([3]), 2, temperature=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lm.generate(right, 2, lengths=torch.full((3,), 5))  # the 0s are real: said so
        lm.generate(torch.tensor([[4, 0, 6], [7, 8, 0]]), 2)  # a 0 inside a prompt: a token, not padding
        lm.generate(torch.tensor([[4, 5, 0], [7, 8, 0]]), 2)  # every prompt ends so: no length differs
        lm.generate(torch.tensor([4, 5, 0]), 2)  # one prompt


@pytest.mark.parametrize("output_kind", ["classification", "regression"])
def test_K33_12_encoder_decoder_generate_decodes_in_eval_mode_and_restores_the_mode(output_kind):
    torch.manual_seed(0)
    model = EncoderDecoder(3, 16, 5, num_layers=2, dropout=0.3, output_kind=output_kind)  # training mode
    x = torch.randn(4, 6, 3)
    runs = [model.generate(x, max_length=6) for _ in range(3)]
    assert model.training and model.decoder.training
    expected = model.eval().generate(x, max_length=6)
    for run in runs:  # before: dropout drew anew on every call, another decoding each time
        assert torch.equal(run, expected)


def test_K33_13_padding_past_lengths_may_hold_ids_outside_the_vocabulary():
    lm = _lm()
    minus = torch.tensor([[4, 5, 6, -1, -1], [7, 8, 9, 10, 11]])  # padded with -1 (or -100, as an ignore_index)
    zeros = minus.clamp(min=0)
    lengths = torch.tensor([3, 5])
    a, state_a = lm(minus, lengths)
    b, state_b = lm(zeros, lengths)
    assert torch.equal(a[0, :3], b[0, :3]) and torch.equal(a[1], b[1])
    assert all(torch.equal(u, v) for u, v in zip(state_a, state_b, strict=True))
    out = lm.generate(minus, 4, lengths=lengths, temperature=0)
    assert torch.equal(out[0, :7], lm.generate(torch.tensor([4, 5, 6]), 4, temperature=0))
    assert out[0, 7:].tolist() == [-1, -1]
    with pytest.raises(ValueError, match=r"sequence 0, step 2: -1, within its length 3"):
        lm(torch.tensor([[4, 5, -1, 6, 0], [7, 8, 9, 10, 11]]), lengths)
    with pytest.raises(ValueError, match="negative ids as padding after each sequence. give lengths"):
        lm(minus)
