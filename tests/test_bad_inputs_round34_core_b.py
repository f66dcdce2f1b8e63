"""Round 34, second pass, of the core API (K34-08 on in docs/bad_inputs.md): training by BPTT and its diagnostics on
padded batches, truncated BPTT by hand, the fast-path dispatch's options. Each BAD/POOR test fails on the code before
its fix; the OK tests pin what was already right."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.diagnostics import gate_statistics, gradient_flow, saliency


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def _padded():
    torch.manual_seed(0)
    return torch.randn(3, 6, 2), torch.tensor([6, 4, 2])


# -- K34-08: saliency of a per-step output read at a padded step ------------------------------------------------------
@pytest.mark.parametrize("make", [lambda: rnnkit.GRU(2, 4), lambda: rnnkit.SequenceToSequence(2, 4, 3)],
                         ids=["layer", "SequenceToSequence"])
def test_K34_08_saliency_score_read_past_a_sequences_length_is_refused(make):
    x, lengths = _padded()
    torch.manual_seed(1)
    model = make()
    with pytest.raises(ValueError) as e:  # out[:, -1] is padding for sequences 1 and 2: score 0, gradient 0
        saliency(model, x, lengths=lengths, target=lambda out: out[:, -1, 0])
    message = one_line(e)
    assert "reads sequence 1 (length 4 of T=6) only at step(s) [5] past its length (2 such" in message
    assert "out[torch.arange(len(out)), lengths - 1, 0]" in message
    with pytest.raises(ValueError, match=r"e\.g\. lambda out: out\[torch\.arange\(len\(out\)\), lengths - 1, 0\]"):
        saliency(model, x, lengths=lengths)  # no target for a per-step output: the hint reads the last valid step
    s = saliency(model, x, lengths=lengths, target=lambda out: out[torch.arange(len(out)), lengths - 1, 0])
    for b in range(3):  # each sequence's saliency is that of the sequence alone
        n = int(lengths[b])
        alone = saliency(model, x[b : b + 1, :n], target=lambda out: out[:, -1, 0])
        np.testing.assert_allclose(s.gradient[b, :n], alone.gradient[0], atol=1e-6)
        assert np.abs(s.gradient[b, :n]).sum() > 0
    saliency(model, x, target=lambda out: out[:, -1, 0])  # without lengths the last step is every sequence's own


def test_K34_08_a_score_that_reads_valid_steps_through_padding_is_not_refused():
    x, lengths = _padded()

    class Smoothed(torch.nn.Module):  # its output at a padded step is a function of the valid steps
        def __init__(self):
            super().__init__()
            self.rnn = rnnkit.GRU(2, 4)

        def forward(self, x, lengths):
            h, _ = self.rnn(x, lengths)
            return h.cumsum(1)

    s = saliency(Smoothed(), x, lengths=lengths, target=lambda out: out[:, -1, 0])
    assert (np.abs(s.gradient).sum((1, 2)) > 0).all()


# -- K34-09: LSTMState.detach() in truncated BPTT by hand -------------------------------------------------------------
def test_K34_09_lstm_state_detaches_as_a_tensor_does_for_truncated_bptt():
    torch.manual_seed(0)
    lstm = rnnkit.LSTM(2, 4, num_layers=2, bidirectional=False)
    x = torch.randn(2, 7, 2)
    whole, _ = lstm(x)
    state, outs = None, []
    for start, stop in ((0, 3), (3, 7)):  # chunks of unequal length, the state carried across
        out, state = lstm(x[:, start:stop], state=state)
        state = state.detach()  # was AttributeError: 'LSTMState' object has no attribute 'detach'
        assert isinstance(state, rnnkit.LSTMState) and not state.h.requires_grad and not state.c.requires_grad
        outs.append(out)
    torch.testing.assert_close(torch.cat(outs, 1), whole, atol=0, rtol=0)


# -- K34-10: a backend named wrongly, at construction or set on the layer later ----------------------------------------
def test_K34_10_a_backend_set_later_is_checked_and_named_with_the_layers_class():
    x = torch.randn(2, 4, 3)
    lstm = rnnkit.LSTM(3, 4)
    with pytest.raises(ValueError) as e:
        lstm.backend = "Reference"  # was KeyError: 'Reference' at the next call
    assert one_line(e).startswith("LSTM: backend must be one of (") and "did you mean 'reference'?" in one_line(e)
    lstm(x)  # the layer is left as it was
    with pytest.raises(ValueError) as e:
        rnnkit.GRU(3, 4, backend="cuda")  # was "Stacked: backend must be ..." for a GRU, with no word of devices
    assert one_line(e).startswith("GRU: backend must be") and "'cuda' is a device: move the layer with .to('cuda')" \
        in one_line(e)
    with pytest.raises(ValueError, match=r"\.to\('cuda'\)"):
        rnnkit.GRU(3, 4, backend="gpu")
    lstm.backend = "reference"
    lstm(x)
    assert lstm.last_backend == "reference" and copy.deepcopy(lstm).backend == "reference"
    assert "backend='reference'" in repr(lstm)


# -- OK rows: gradient-flow and gate diagnostics on padded stacked bidirectional models --------------------------------
@pytest.mark.parametrize("kw", [{}, {"bidirectional": True, "num_layers": 2}], ids=["one", "bidirectional-stacked"])
def test_K34_ok_gradient_flow_and_gates_of_a_padded_batch_equal_each_sequence_alone(kw):
    x, lengths = _padded()
    torch.manual_seed(2)
    lstm, gru = rnnkit.LSTM(2, 4, **kw), rnnkit.GRU(2, 4, **kw)
    flow, gates = gradient_flow(lstm, x, lengths=lengths), gate_statistics(gru, x, lengths=lengths)
    for b in range(3):
        n = int(lengths[b])
        alone, gates_alone = gradient_flow(lstm, x[b : b + 1, :n]), gate_statistics(gru, x[b : b + 1, :n])
        for name, values in flow.per_sample.items():  # padded steps are NaN, not a gradient of 0 ("vanishing")
            np.testing.assert_allclose(values[b, :n], alone.per_sample[name][0], rtol=1e-5, atol=1e-7)
            assert np.isnan(values[b, n:]).all()
        for name, by_gate in gates.activations.items():
            for gate, a in by_gate.items():
                np.testing.assert_allclose(a[b, :n], gates_alone.activations[name][gate][0], atol=1e-6)
                assert np.isnan(a[b, n:]).all()


def test_K34_ok_forced_fast_paths_on_strided_inputs_and_states_equal_the_reference():
    torch.manual_seed(0)
    x = torch.randn(5, 3, 2).transpose(0, 1)  # (B, T, F), not contiguous
    h = torch.randn(2, 3, 4).transpose(0, 1)  # torch.nn's (L*D, B, H) moved batch-first: not contiguous
    lengths = torch.tensor([5, 3, 1])
    reference = rnnkit.GRU(2, 4, bidirectional=True, backend="reference").eval()
    expected, final = reference(x, lengths, state=h)
    for backend in ("cpu_gru", "native", "cpu_loop"):
        layer = copy.deepcopy(reference)
        layer.backend = backend
        out, last = layer(x, lengths, state=h)
        assert layer.last_backend == backend
        torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(last, final, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match=r"GRU: backend='native' cannot run this call: recurrent dropout"):
        rnnkit.GRU(2, 4, zoneout=0.1, backend="native").train()(x)


# -- K34-11: gradient_flow of a frozen language model (token ids) -----------------------------------------------------
def test_K34_11_gradient_flow_of_a_frozen_model_reading_token_ids_equals_the_unfrozen_one():
    torch.manual_seed(0)
    model = rnnkit.LanguageModel(20, 8, num_layers=2)
    tokens = torch.randint(0, 20, (2, 7))
    expected = gradient_flow(model, tokens)
    # the recurrent layers frozen: was torch's "element 0 of tensors does not require grad"; the whole model alike
    for frozen in (model.encoder, model):
        frozen.requires_grad_(False)
        flow = gradient_flow(model, tokens)
        for name, values in expected.per_sample.items():
            np.testing.assert_allclose(flow.per_sample[name], values, rtol=1e-6)
        assert flow.reach == expected.reach
    assert not any(p.requires_grad for p in model.parameters())  # frozen again after
    assert all(p.grad is None for p in model.parameters())
