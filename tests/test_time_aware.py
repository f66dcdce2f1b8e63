"""TimeAware (GRU-D decay) around any cell: hand-computed inputs, reduction to the plain cell, decay, gradcheck."""

import math

import pytest
import torch

import rnnkit
from rnnkit.cells import GRUCell, LSTMCell, TimeAware, time_aware_inputs

nan = float("nan")


def test_time_aware_inputs_by_hand():
    values = torch.tensor([[[1.0], [nan], [nan], [4.0], [nan]]])
    times = torch.tensor([[0.0, 1.0, 3.0, 4.0, 10.0]])
    x, m, d = time_aware_inputs(values, times).unbind(-1)
    assert m[0].tolist() == [1, 0, 0, 1, 0]
    assert x[0].tolist() == [1, 0, 0, 4, 0]
    # delta_t = s_t - s_{last observation before t}: observed at 0 then 3 (time 4)
    assert d[0].tolist() == [0, 1, 3, 4, 6]
    with pytest.raises(ValueError, match="strictly increasing"):
        time_aware_inputs(values, torch.tensor([[0.0, 1.0, 1.0, 4.0, 10.0]]))
    with pytest.raises(ValueError, match=r"\(B, T, F\)"):
        time_aware_inputs(values[0])


def test_reduces_to_plain_cell_when_everything_is_observed_at_zero_delay():
    inner = GRUCell(6, 5)
    cell = TimeAware(inner)
    values = torch.randn(2, 7, 3)
    x = time_aware_inputs(values, torch.zeros(2, 7).add(torch.arange(7) * 1e-9))  # delta ~ 0
    out, h = rnnkit.Recurrent(cell)(x)
    plain_in = torch.cat([values, torch.ones_like(values)], dim=-1)
    out2, h2 = rnnkit.Recurrent(inner)(plain_in)
    torch.testing.assert_close(out, out2, atol=1e-5, rtol=1e-5)


def test_input_decays_from_last_observation_toward_mean_and_hidden_decays():
    inner = GRUCell(2, 3)
    cell = TimeAware(inner)
    with torch.no_grad():
        cell.w_x.fill_(0.5)
        cell.x_mean.fill_(10.0)
        cell.decay_h.weight.fill_(1.0)
    values = torch.tensor([[[2.0], [nan], [nan]]])
    x = time_aware_inputs(values, torch.tensor([[0.0, 1.0, 4.0]]))
    seen = []
    orig = inner.project
    inner.project = lambda z: seen.append(z) or orig(z)
    xw = cell.project(x)
    x_hat = seen[0][0, :, 0]
    g1, g2 = math.exp(-0.5 * 1), math.exp(-0.5 * 4)
    assert x_hat.tolist() == pytest.approx([2.0, g1 * 2 + (1 - g1) * 10, g2 * 2 + (1 - g2) * 10], abs=1e-5)
    gamma_h = xw[0, :, inner.gate_size :]
    torch.testing.assert_close(gamma_h[:, 0], torch.exp(-torch.tensor([0.0, 1.0, 4.0])))
    # The step multiplies h by gamma_h before the inner step.
    h = torch.randn(1, 3)
    y, _ = cell.step(xw[:, 2], h)
    y2, _ = inner.step(xw[:, 2, : inner.gate_size], h * gamma_h[2])
    torch.testing.assert_close(y, y2)


def test_set_mean_uses_observed_entries_only():
    cell = TimeAware(GRUCell(4, 3))
    x = torch.tensor([[1.0, 100.0], [3.0, 5.0]])
    m = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    cell.set_mean(x, m)
    assert cell.x_mean.tolist() == [2.0, 5.0]


@pytest.mark.parametrize("make_inner", [lambda: rnnkit.ElmanCell(4, 3), lambda: LSTMCell(4, 3), lambda: GRUCell(4, 3)])
def test_gradcheck_and_every_cell_in_a_stack(make_inner):
    cell = TimeAware(make_inner()).double()
    values = torch.randn(2, 4, 2, dtype=torch.float64)
    values[0, 1, 0] = nan
    values[1, 2:, 1] = nan
    x = time_aware_inputs(values, torch.tensor([[0.0, 0.5, 2.0, 3.0]] * 2, dtype=torch.float64))
    with torch.no_grad():  # keep every relu away from its kink at 0, where finite differences disagree
        cell.w_x.fill_(0.4), cell.b_x.fill_(0.2), cell.decay_h.weight.abs_(), cell.decay_h.bias.fill_(0.1)
    layer = rnnkit.Recurrent(cell)
    params = tuple(cell.parameters())
    values_in, rest = x[..., :2].clone(), x[..., 2:]  # mask and delta are data, not differentiable inputs

    def f(v, *ps):
        return layer(torch.cat([v, rest], dim=-1))[0]

    assert torch.autograd.gradcheck(f, (values_in.requires_grad_(), *params))
    stack = rnnkit.Stacked([rnnkit.Recurrent(TimeAware(make_inner()))])
    out, _ = stack(x.float().detach(), torch.tensor([4, 2]))
    assert stack.last_backend == "cpu_loop" and "TimeAware" in stack.last_backend_reason
    assert out[1, 2:].abs().sum() == 0


def test_rejects_inner_cell_with_odd_input_size():
    with pytest.raises(ValueError, match="2F"):
        TimeAware(GRUCell(3, 4))
