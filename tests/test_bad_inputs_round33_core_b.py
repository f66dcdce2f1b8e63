"""Round 33, second pass: the core API (cells, layers, models, diagnostics) (docs/bad_inputs.md, K33-NN)."""

import numpy as np
import pytest
import torch

from rnnkit.cells import GRUCell, LSTMCell, TimeAware, time_aware_inputs
from rnnkit.diagnostics import gate_statistics, hidden_states
from rnnkit.layers import Recurrent
from rnnkit.models import LanguageModel, sample_next


def _time_aware(inner):
    """A TimeAware cell with decays and a mean away from their zero init, in float64."""
    cell = TimeAware(inner).double()
    with torch.no_grad():
        for p in (cell.w_x, cell.b_x, cell.decay_h.bias):
            p.uniform_(0.2, 1.0)
        cell.x_mean.copy_(torch.tensor([0.7, -1.3]))
    return cell


def _by_hand(cell, x, lengths):
    """GRU-D written out step by step (Che et al. 2018) on x = [x, m, delta] (B, T, 3F) in processing order: the
    gates and h, (B, T, H) each, NaN at padded steps."""
    B, T, F3 = x.shape
    F = F3 // 3
    x, m, delta = x[..., :F], x[..., F : 2 * F], x[..., 2 * F :]
    inner, W_h, b_h = cell.cell, cell.decay_h.weight, cell.decay_h.bias
    H = inner.hidden_size
    x_last = cell.x_mean.expand(B, F)
    h, c = torch.zeros(B, H, dtype=torch.float64), torch.zeros(B, H, dtype=torch.float64)
    gates, hs = [], []
    for t in range(T):
        x_last = torch.where(m[:, t].bool(), x[:, t], x_last)
        gamma_x = torch.exp(-torch.relu(cell.w_x * delta[:, t] + cell.b_x))
        x_hat = m[:, t] * x[:, t] + (1 - m[:, t]) * (gamma_x * x_last + (1 - gamma_x) * cell.x_mean)
        gamma_h = torch.exp(-torch.relu(delta[:, t] @ W_h.T + b_h))
        h = gamma_h * h
        a_x = torch.cat([x_hat, m[:, t]], dim=1) @ inner.weight_ih.T + inner.bias_ih
        a_h = h @ inner.weight_hh.T + inner.bias_hh
        if isinstance(inner, LSTMCell):
            i, f, g, o = (a_x + a_h).chunk(4, dim=1)
            i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
            c = f * c + i * g
            h = o * torch.tanh(c)
            gates.append({"i": i, "f": f, "g": g, "o": o})
        else:
            (x_r, x_z, x_n), (h_r, h_z, h_n) = a_x.chunk(3, dim=1), a_h.chunk(3, dim=1)
            r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
            n = torch.tanh(x_n + r * h_n)
            h = (1 - z) * n + z * h
            gates.append({"r": r, "z": z, "n": n})
        hs.append(h)
    valid = (torch.arange(T)[None, :] < lengths[:, None])[..., None]
    as_nan = lambda steps: torch.where(valid, torch.stack(steps, dim=1), torch.nan)
    return {k: as_nan([g[k] for g in gates]) for k in gates[0]}, as_nan(hs)


@pytest.mark.parametrize("inner", [LSTMCell, GRUCell])
@torch.no_grad()
def test_K33_06_gate_statistics_of_a_time_aware_cell_are_the_gates_its_step_computes(inner):
    torch.manual_seed(0)
    values = torch.randn(4, 7, 2, dtype=torch.float64)
    values[torch.rand(4, 7, 2) < 0.4] = float("nan")
    values[:, :2, 0] = float("nan")  # feature 0 unseen at the start of every sequence: x_mean is imputed
    times = torch.cumsum(torch.rand(4, 7, dtype=torch.float64) * 2 + 0.1, dim=1)
    lengths = torch.tensor([7, 5, 6, 3])
    x = time_aware_inputs(values, times)
    cell = _time_aware(inner(4, 3))
    layer = Recurrent(cell)

    stats = gate_statistics(layer, x, lengths=lengths)
    gates, h = _by_hand(cell, x, lengths)
    assert list(stats.activations) == ["l0"]
    assert list(stats.activations["l0"]) == list(gates)  # the inner cell's gates, in its order
    for gate, expected in gates.items():
        np.testing.assert_allclose(stats.activations["l0"][gate], expected.numpy(), rtol=1e-6, atol=1e-9)
        assert stats.mean["l0"][gate] == pytest.approx(float(expected.nanmean()), abs=1e-9)
    np.testing.assert_allclose(hidden_states(layer, x, lengths=lengths).h["l0"], h.numpy(), rtol=1e-6, atol=1e-9)
    output = layer(x, lengths)[0]  # the layer's own forward agrees with the hand computation
    np.testing.assert_allclose(output.numpy(), h.nan_to_num().numpy(), rtol=1e-6, atol=1e-9)
    # the decay is read: the inner cell's gates on the undecayed state are other values
    fed = torch.cat([torch.zeros(4, 1, 3, dtype=torch.float64), h[:, :-1].nan_to_num()], dim=1).flatten(0, 1)
    state = (fed, torch.zeros_like(fed)) if inner is LSTMCell else fed  # c is not read by the gates
    undecayed = cell.cell.gates(cell.cell.project(cell.impute(x)[0]).flatten(0, 1), state)
    gate = next(iter(gates))
    assert (undecayed[gate].view(4, 7, 3)[:, 1:3] - gates[gate][:, 1:3]).abs().max() > 1e-3


def test_K33_07_sample_next_names_logits_of_one_row_or_of_every_step():
    torch.manual_seed(0)
    lm = LanguageModel(7, 8).eval()
    logits, _ = lm(torch.tensor([[1, 2, 3], [4, 5, 6]]))  # (B, T, V): the scores of every step
    for temperature in (1.0, 0):  # greedy once took argmax over every step, (B, T), without a word
        with pytest.raises(ValueError, match=r"^sample_next: logits must have shape \(B, V\), a row of V scores per "
                                             r"sequence, got \(2, 3, 7\); a model's scores of every step\? pass "
                                             r"logits\[:, -1\], those of the next token$"):
            sample_next(logits, temperature=temperature)
        with pytest.raises(ValueError, match=r"^sample_next: logits must have shape \(B, V\), .*got \(7,\); one "
                                             r"sequence\? pass logits\[None\]$"):
            sample_next(logits[0, -1], temperature=temperature)
    assert sample_next(logits[:, -1], temperature=0).tolist() == logits[:, -1].argmax(-1).tolist()


def test_K33_08_a_tiny_temperature_samples_among_the_most_likely_tokens():
    # 80 / 1e-37 is past float32's range: inf - inf in the softmax was NaN, and multinomial refused it
    logits = torch.tensor([[0.0, 80.0, 80.0, 79.0]]).expand(2000, 4)
    drawn = sample_next(logits, temperature=1e-37, generator=torch.Generator().manual_seed(0))
    counts = torch.bincount(drawn, minlength=4).tolist()
    assert counts[0] == counts[3] == 0 and min(counts[1:3]) > 800  # the two tied largest, about half each
    # a temperature float32 holds as 0 (0 / 0 would be NaN) is greedy, as temperature=0
    assert sample_next(logits[:3], temperature=1e-46).tolist() == [1, 1, 1]
    lm = LanguageModel(7, 8).eval()
    greedy = lm.generate(torch.tensor([1, 2]), 5, temperature=0)
    for temperature in (1e-39, 5e-324):
        assert lm.generate(torch.tensor([1, 2]), 5, temperature=temperature).tolist() == greedy.tolist()
