"""Models: encoders from any cell, heads and pooling by hand, encoder-decoder decoding, LM sampling."""

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.cells import Cell
from rnnkit.models import (
    EncoderDecoder,
    LanguageModel,
    SequenceToLabel,
    SequenceToSequence,
    build_encoder,
    pool,
    sample_next,
)


class LeakyCell(Cell):
    """h' = h/2 + tanh(W_ih x + b + W_hh h)/2: a user cell that torch has no fused kernel for."""

    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.input_size, self.hidden_size, self.gate_size = input_size, hidden_size, hidden_size
        self.weight_ih = nn.Parameter(torch.randn(hidden_size, input_size) * 0.5)
        self.bias_ih = nn.Parameter(torch.randn(hidden_size) * 0.1)
        self.weight_hh = nn.Parameter(torch.randn(hidden_size, hidden_size) * 0.5)

    def step(self, xw_t, h):
        h = 0.5 * h + 0.5 * torch.tanh(xw_t + h @ self.weight_hh.T)
        return h, h


def batch(B=3, T=6, F=3):
    return torch.randn(B, T, F), torch.tensor([T, 2, 4][:B])


# -- encoders from any cell ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name, layer_class", [
    ("rnn", rnnkit.RNN), ("elman", rnnkit.RNN), ("LSTM", rnnkit.LSTM), ("gru", rnnkit.GRU)])
def test_named_cells_build_the_torch_compatible_layers_on_the_fast_path(name, layer_class):
    enc = build_encoder(name, 3, 5, num_layers=2, bidirectional=True)
    assert type(enc) is layer_class
    x, lengths = batch()
    out, _ = enc(x, lengths)
    assert out.shape == (3, 6, 10)
    assert enc.last_backend != "reference"  # one of the fast paths (torch's fused kernels or others)


def test_a_cell_factory_builds_a_stack_of_recurrent_layers_of_fresh_cells():
    enc = build_encoder(LeakyCell, 3, 5, num_layers=2, bidirectional=True)
    assert type(enc) is rnnkit.Stacked
    cells = enc.cells()
    assert len(cells) == 4 and all(type(c) is LeakyCell for c in cells)
    assert len({id(c) for c in cells}) == 4
    assert [c.input_size for c in cells] == [3, 3, 10, 10]
    x, lengths = batch()
    out, state = enc(x, lengths)
    assert out.shape == (3, 6, 10) and state.shape == (3, 4, 5)
    assert enc.last_backend == "reference"


def test_a_cell_object_is_used_as_is_and_the_model_wraps_its_output():
    cell = LeakyCell(3, 5)
    model = SequenceToSequence(3, 5, 2, cell=cell)
    assert model.encoder.layers[0].cell is cell
    x, lengths = batch()
    o, _ = model(x, lengths)
    h, _ = rnnkit.Recurrent(cell)(x, lengths)
    torch.testing.assert_close(o, h @ model.head.linear.weight.T + model.head.linear.bias)


def test_encoder_rejects_bad_cells():
    with pytest.raises(ValueError, match="unknown cell 'lsmt'"):
        build_encoder("lsmt", 3, 5)
    with pytest.raises(ValueError, match="one layer in one direction"):
        build_encoder(LeakyCell(3, 5), 3, 5, num_layers=2)
    with pytest.raises(ValueError, match=r"\(3, 5\) but the model needs \(4, 5\)"):
        build_encoder(LeakyCell(3, 5), 4, 5)
    with pytest.raises(ValueError, match="returned Linear"):
        build_encoder(lambda i, h: nn.Linear(i, h), 3, 5)
    with pytest.raises(ValueError, match="must be a name"):
        build_encoder(3, 3, 5)
    with pytest.raises(ValueError, match="Cell"):
        EncoderDecoder(3, 5, 4, cell=LeakyCell(3, 5))


# -- heads ---------------------------------------------------------------------------------------------------
def test_pooling_over_valid_steps_by_hand():
    out = torch.randn(2, 4, 3)  # padded steps hold junk here, so masking is really tested
    lengths = torch.tensor([4, 2])
    torch.testing.assert_close(pool(out, lengths, None, "last", 1), torch.stack([out[0, 3], out[1, 1]]))
    torch.testing.assert_close(pool(out, lengths, None, "mean", 1),
                               torch.stack([out[0].mean(0), out[1, :2].mean(0)]))
    torch.testing.assert_close(pool(out, lengths, None, "max", 1),
                               torch.stack([out[0].amax(0), out[1, :2].amax(0)]))
    torch.testing.assert_close(pool(out, None, None, "mean", 1), out.mean(1))
    with pytest.raises(ValueError, match="pooling"):
        SequenceToLabel(3, 4, 2, pooling="median")


def test_final_pooling_reads_forward_at_the_last_step_and_backward_at_step_zero():
    model = SequenceToLabel(3, 4, 2, cell="gru", bidirectional=True, num_layers=2)
    x, lengths = batch()
    o, _ = model(x, lengths)
    h, _ = model.encoder(x, lengths)  # (B, T, 2H)
    rows = torch.arange(3)
    expected = torch.cat([h[rows, lengths - 1, :4], h[:, 0, 4:]], dim=-1)
    torch.testing.assert_close(o, model.head.linear(expected))


def test_final_and_last_pooling_agree_in_one_direction():
    model = SequenceToLabel(3, 4, 2, cell="lstm", num_layers=2)
    x, lengths = batch()
    o_final, state = model(x, lengths)
    model.head.pooling = "last"
    o_last, _ = model(x, lengths)
    torch.testing.assert_close(o_final, o_last)
    assert isinstance(state, rnnkit.LSTMState) and state.h.shape == (3, 2, 4)


def test_step_head_is_affine_at_every_step_and_the_state_carries_over_chunks():
    model = SequenceToSequence(3, 6, 2, cell="lstm")
    x = torch.randn(2, 7, 3)
    o, state = model(x)
    h, _ = model.encoder(x)
    torch.testing.assert_close(o, h @ model.head.linear.weight.T + model.head.linear.bias)
    o1, s1 = model(x[:, :3])
    o2, s2 = model(x[:, 3:], state=s1)
    torch.testing.assert_close(torch.cat([o1, o2], 1), o)
    torch.testing.assert_close(s2.c, state.c)


# -- encoder-decoder -----------------------------------------------------------------------------------------
def test_greedy_decoding_is_teacher_forcing_on_its_own_outputs():
    model = EncoderDecoder(3, 8, 5, cell="gru", num_layers=2, bidirectional=True).eval()
    x, lengths = batch(T=7)
    generated = model.generate(x, lengths, max_length=4)  # output length 4, input length 7
    assert generated.shape == (3, 4) and generated.dtype == torch.long
    logits, state = model(x, lengths, generated)
    assert torch.equal(logits.argmax(-1), generated)
    assert state.shape == (3, 2, 16)  # decoder: L layers, hidden D*H


def test_the_decoder_starts_from_the_encoder_final_state_per_layer():
    model = EncoderDecoder(3, 4, 5, cell="lstm", num_layers=2, bidirectional=True)
    x, lengths = batch()
    s = model.encode(x, lengths)
    _, final = model.encoder(x, lengths)  # (B, L*D, H): l0 fwd, l0 bwd, l1 fwd, l1 bwd
    assert s.h.shape == (3, 2, 8)
    torch.testing.assert_close(s.h[:, 1], torch.cat([final.h[:, 2], final.h[:, 3]], -1))
    torch.testing.assert_close(s.c[:, 0], torch.cat([final.c[:, 0], final.c[:, 1]], -1))


def test_regression_decoder_feeds_back_its_values():
    model = EncoderDecoder(3, 6, 2, output_kind="regression", cell="rnn").eval()
    x, lengths = batch()
    generated = model.generate(x, lengths, max_length=5)
    assert generated.shape == (3, 5, 2)
    out, _ = model(x, lengths, generated)
    torch.testing.assert_close(out, generated)


def test_stop_token_and_padding_labels():
    model = EncoderDecoder(3, 6, 4, cell="lstm").eval()
    with torch.no_grad():
        model.head.linear.bias.copy_(torch.tensor([0.0, 0.0, 0.0, 100.0]))  # class 3 always wins
    x, lengths = batch()
    assert torch.equal(model.generate(x, lengths, max_length=6, stop_token=3), torch.full((3, 1), 3))
    y = torch.tensor([[1, 2, 0], [2, -100, -100], [0, 1, -100]])
    y_lengths = torch.tensor([3, 1, 2])
    out, _ = model(x, lengths, y, y_lengths)
    out0, _ = model(x, lengths, y.clamp(min=0), y_lengths)
    valid = torch.arange(3)[None] < y_lengths[:, None]
    torch.testing.assert_close(out[valid], out0[valid])
    with pytest.raises(ValueError, match="teacher forcing"):
        model(x, lengths)


# -- language model ------------------------------------------------------------------------------------------
def test_streaming_generation_state_equals_one_forward_pass():
    lm = LanguageModel(11, 8, num_layers=2, cell="gru").eval()
    tokens = torch.randint(0, 11, (2, 9))
    logits, _ = lm(tokens)
    stream = lm.stream()
    stream.feed(tokens[:, :4])
    torch.testing.assert_close(stream.feed(tokens[:, 4:7]), logits[:, 6])
    torch.testing.assert_close(stream.feed(tokens[:, 7:]), logits[:, 8])
    stream.reset()
    torch.testing.assert_close(stream.feed(tokens[:, :1]), logits[:, 0])


def test_sampling_temperature_and_top_k():
    logits = torch.tensor([[0.0, 2.0, 1.0, -1.0, 1.5]])
    assert sample_next(logits, temperature=0).item() == 1
    assert sample_next(logits, top_k=1).item() == 1
    g = torch.Generator().manual_seed(0)
    draws = sample_next(logits.expand(2000, -1), top_k=3, generator=g)
    counts = torch.bincount(draws, minlength=5).float() / draws.numel()
    expected = torch.tensor([float("-inf"), 2.0, 1.0, float("-inf"), 1.5]).softmax(-1)  # the top 3 only
    torch.testing.assert_close(counts, expected, atol=0.03, rtol=0)
    a = sample_next(logits.expand(50, -1), temperature=0.7, generator=torch.Generator().manual_seed(3))
    b = sample_next(logits.expand(50, -1), temperature=0.7, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="temperature"):
        sample_next(logits, temperature=-1)
    with pytest.raises(ValueError, match="top_k"):
        sample_next(logits, top_k=0)


def test_generate_keeps_the_prompt_and_greedy_matches_argmax():
    lm = LanguageModel(7, 8).eval()
    prompt = torch.tensor([1, 2, 3])
    out = lm.generate(prompt, 4, temperature=0)
    assert out.shape == (7,) and torch.equal(out[:3], prompt)
    logits, _ = lm(out[None, :-1])
    assert torch.equal(logits[0, 2:].argmax(-1), out[3:])


def test_language_model_options_and_errors():
    lm = LanguageModel(9, 6, tie_weights=True)
    assert lm.head.linear.weight is lm.embedding.weight
    with pytest.raises(ValueError, match="tie_weights"):
        LanguageModel(9, 6, embedding_size=4, tie_weights=True)
    with pytest.raises(ValueError, match="integer ids"):
        lm(torch.randn(2, 3))
    with pytest.raises(ValueError, match="feed at least one token"):
        lm.stream().sample()
