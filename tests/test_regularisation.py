"""Recurrent dropouts and zoneout (rnnkit.Recurrent) against their equations, from a non-zero state.

Zoneout (Krueger et al. 2017), per state field and unit, with a fresh draw ``d_t ~ Bernoulli(p)`` each step:

    training:  s_t = d_t * s_{t-1} + (1 - d_t) * cell(x_t, s_{t-1})
    eval:      s_t = p * s_{t-1} + (1 - p) * cell(x_t, s_{t-1})        (the expectation)

Variational dropout (Gal & Ghahramani 2016), inverted: one mask ``m ∈ {0, 1/(1-p)}`` per sequence and unit,
drawn once and shared by every step; identity in eval.

    hidden:  (y_t, s_t) = cell(x_t, s_{t-1} with h_{t-1} -> m * h_{t-1})   (the carried state is not dropped)
    input:   x_t -> m * x_t

The tests start from a random non-zero state, so that a term in ``s_{t-1}`` cannot vanish, and recover what
the layer did at each step from its trace (the state after every step) and from a spy on the cell's ``step``.
"""

import pytest
import torch

import rnnkit
from rnnkit.cells import LSTMState

P = 0.25
B, T, F, H = 256, 6, 3, 16  # 256 sequences x 16 units x 6 steps x 2 fields: ~49k zoneout draws


def _lstm_layer(**options):
    torch.manual_seed(0)
    cell = rnnkit.LSTMCell(F, H)
    x = torch.randn(B, T, F)
    state = LSTMState(torch.randn(B, H), torch.randn(B, H))  # non-zero: the s_{t-1} terms show
    return rnnkit.Recurrent(cell, **options), x, state


def _spy(layer):
    """Record what the cell's step receives (``fed``) and returns at every step; the layer also traces its
    state after every step."""
    calls = []
    step = layer.cell.step

    def spy(xw_t, fed):
        y, new = step(xw_t, fed)
        calls.append((xw_t, fed, y, new))
        return y, new

    layer.cell.step = spy
    layer.trace = []
    return calls


# -- zoneout ---------------------------------------------------------------------------------------------------
def test_zoneout_in_eval_is_the_expectation_from_a_nonzero_state():
    layer, x, s0 = _lstm_layer(zoneout=P)
    layer.eval()
    with torch.no_grad():
        out, final = layer(x, state=s0)
        xw, state = layer.cell.project(x), s0
        for t in range(T):
            y, new = layer.cell.step(xw[:, t], state)
            torch.testing.assert_close(out[:, t], y)  # the output is the cell's, taken before the mix
            state = LSTMState(*(P * o + (1 - P) * n for o, n in zip(state, new, strict=True)))
    for got, want in zip(final, state, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)
    assert (final.h - layer.cell.step(xw[:, -1], s0)[1].h).abs().max() > 0.1  # not a plain step: the mix shows


def test_zoneout_in_training_keeps_each_unit_old_or_new_with_probability_p():
    layer, x, s0 = _lstm_layer(zoneout=P)
    layer.train()
    calls = _spy(layer)
    with torch.no_grad():
        out, final = layer(x, state=s0)
    assert len(calls) == len(layer.trace) == T
    kept_steps, updated_steps = [], []
    old = s0
    for t, ((_, fed, y, new), state) in enumerate(zip(calls, layer.trace, strict=True)):
        assert all(torch.equal(f, o) for f, o in zip(fed, old, strict=True))  # it reads the previous zoned state
        torch.testing.assert_close(out[:, t], y, rtol=0, atol=0)
        kept_fields, updated_fields = [], []
        for s, o, n in zip(state, old, new, strict=True):
            kept, updated = s == o, s == n
            assert (kept | updated).all(), "each unit is exactly its previous value or the cell's new one"
            distinct = (o - n).abs() > 1e-6  # where old and new differ, we can tell which one was kept
            kept_fields.append(kept & distinct)
            updated_fields.append(updated & distinct)
        kept_steps.append(torch.stack(kept_fields))  # (2, B, H)
        updated_steps.append(torch.stack(updated_fields))
        old = state
    for got, want in zip(final, layer.trace[-1], strict=True):
        assert torch.equal(got, want)
    kept, updated = torch.stack(kept_steps), torch.stack(updated_steps)  # (T, 2, B, H)
    told = kept | updated
    assert told.float().mean() > 0.99
    share = kept.sum() / told.sum()
    assert abs(share - P) < 0.02  # ~49k draws: the binomial sd is 0.002
    # a fresh draw each step: kept at t says nothing about t + 1 (a mask shared over time would give ~1)
    both = told[1:] & told[:-1]
    again = (kept[1:] & kept[:-1] & both).sum() / (kept[:-1] & both).sum()
    assert abs(again - P) < 0.04
    # both fields zone out, each on its own draws: h and c of a unit agree with probability p² + (1-p)²
    for field in range(2):
        assert abs(kept[:, field].sum() / told[:, field].sum() - P) < 0.03
    both_fields = told[:, 0] & told[:, 1]
    agree = ((kept[:, 0] == kept[:, 1]) & both_fields).sum() / both_fields.sum()
    assert abs(agree - (P**2 + (1 - P) ** 2)) < 0.04


def test_zoneout_leaves_padded_steps_alone():
    layer, x, s0 = _lstm_layer(zoneout=P)
    lengths = torch.randint(1, T + 1, (B,))
    for mode in (layer.train, layer.eval):
        mode()
        layer.trace = []
        with torch.no_grad():
            out, final = layer(x, lengths, state=s0)
        states = [s0, *layer.trace]
        for field in range(2):
            last = torch.stack([states[n][field][b] for b, n in enumerate(lengths.tolist())])
            assert torch.equal(final[field], last)  # padding neither zones out nor updates the state
        assert (out[torch.arange(T)[None, :] >= lengths[:, None]] == 0).all()


# -- variational hidden dropout ----------------------------------------------------------------------------------
def test_hidden_dropout_is_one_scaled_mask_per_sequence_on_the_fed_h():
    layer, x, s0 = _lstm_layer(hidden_dropout=P)
    layer.train()
    calls = _spy(layer)
    with torch.no_grad():
        out, final = layer(x, state=s0)
    masks, old = [], s0
    for t, ((_, fed, y, new), state) in enumerate(zip(calls, layer.trace, strict=True)):
        assert torch.equal(fed.c, old.c)  # the memory cell is not dropped
        dropped = fed.h == 0
        ratio = torch.where(dropped, torch.zeros_like(fed.h), fed.h / old.h)
        torch.testing.assert_close(ratio[~dropped], torch.full_like(ratio[~dropped], 1 / (1 - P)))  # inverted
        masks.append(torch.where(dropped, 0.0, 1 / (1 - P)))
        # the carried state is the cell's new state from the fed one, itself undropped
        assert all(torch.equal(s, n) for s, n in zip(state, new, strict=True))
        torch.testing.assert_close(out[:, t], y, rtol=0, atol=0)
        old = state
    assert (s0.h != 0).all()  # so a zero in fed h is the mask's
    for mask in masks[1:]:
        assert torch.equal(mask, masks[0])  # one mask per sequence, shared by every step
    share = (masks[0] == 0).float().mean()
    assert abs(share - P) < 0.05  # 4096 draws: the binomial sd is 0.007
    assert len({tuple(row.tolist()) for row in masks[0] == 0}) > B // 2  # each sequence draws its own
    for got, want in zip(final, layer.trace[-1], strict=True):
        assert torch.equal(got, want)


def test_hidden_dropout_is_the_identity_in_eval():
    layer, x, s0 = _lstm_layer(hidden_dropout=P)
    plain = rnnkit.Recurrent(layer.cell)
    layer.eval()
    with torch.no_grad():
        out, final = layer(x, state=s0)
        want_out, want_final = plain(x, state=s0)
    assert torch.equal(out, want_out) and all(torch.equal(a, b) for a, b in zip(final, want_final, strict=True))
    layer.train()  # and in training it does drop
    with torch.no_grad():
        assert not torch.allclose(layer(x, state=s0)[0], want_out)


# -- variational input dropout -----------------------------------------------------------------------------------
def test_input_dropout_is_one_scaled_mask_per_sequence():
    layer, x, s0 = _lstm_layer(input_dropout=P)
    x = x.abs() + 0.1  # no zero of its own, so a zero seen is the mask's
    seen = []
    project = layer.cell.project
    layer.cell.project = lambda xd: seen.append(xd) or project(xd)
    layer.train()
    with torch.no_grad():
        layer(x, state=s0)
    (xd,) = seen
    mask = xd / x  # (B, T, F)
    dropped = mask == 0
    torch.testing.assert_close(mask[~dropped], torch.full_like(mask[~dropped], 1 / (1 - P)))
    assert torch.equal(dropped, dropped[:, :1].expand_as(dropped))  # shared by every step of a sequence
    assert abs(dropped[:, 0].float().mean() - P) < 0.06  # 768 draws: the binomial sd is 0.016
    seen.clear()
    layer.eval()
    layer(x, state=s0)
    assert torch.equal(seen[0], x)


@pytest.mark.parametrize("option", ["hidden_dropout", "zoneout"])
def test_recurrent_dropouts_reach_the_stacked_layers(option):
    """``rnnkit.LSTM(..., option=p)`` hands the option to every direction's unroller (on the C++ CPU loop, which
    runs them as the reference loop does: tests/test_fastpath_cpu_loop.py)."""
    layer = rnnkit.LSTM(F, H, num_layers=2, bidirectional=True, **{option: P})
    assert all(getattr(d, option) == P for d in layer.directions())
    layer.train()
    x = torch.randn(4, T, F)
    assert not torch.equal(layer(x)[0], layer(x)[0])  # random draws in training
    assert layer.last_backend == "cpu_loop"
