"""Diagnostics: values against hand computations, the vanishing gradient measured, models left as found."""

import copy
import io

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

import rnnkit
from rnnkit.diagnostics import (
    gate_statistics,
    gradient_flow,
    hidden_states,
    named_directions,
    saliency,
)


def randn(*shape, seed=0, dtype=torch.float32):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


# --- gradient flow -----------------------------------------------------------------------------------------


def test_gradient_norms_equal_hand_computed_bptt():
    """Elman: ∂L/∂h_{t-1} = (∂L/∂h_t ⊙ (1 - h_t²)) W_hh, from ∂L/∂h_{T-1} = w for L = Σ_b w · h_{T-1}[b]."""
    B, T, F, H = 2, 6, 2, 3
    layer = rnnkit.RNN(F, H).double()
    cell = layer.cells()[0]
    x, w = randn(B, T, F, dtype=torch.float64), randn(H, seed=1, dtype=torch.float64)

    result = gradient_flow(layer, x, loss=lambda out, y: (out[:, -1] @ w).sum())

    with torch.no_grad():
        h, hs = torch.zeros(B, H, dtype=torch.float64), []
        for t in range(T):
            h = torch.tanh(x[:, t] @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh)
            hs.append(h)
        g, expected = w.expand(B, H), [None] * T
        for t in reversed(range(T)):
            expected[t] = g.norm(dim=-1)
            g = (g * (1 - hs[t] ** 2)) @ cell.weight_hh
    expected = torch.stack(expected, dim=1).numpy()  # (B, T)
    np.testing.assert_allclose(result.per_sample["l0"], expected, rtol=1e-10)
    np.testing.assert_allclose(result.norms["l0"], expected.mean(0), rtol=1e-10)
    np.testing.assert_allclose(result.by_lag["l0"], expected.mean(0)[::-1], rtol=1e-10)


def test_lengths_match_each_sequence_run_alone():
    """With padding, every layer's ∂L/∂h_t equals that of the sequence run alone, cut to its length. Layer 0
    of a stack reaches the loss only through its outputs, a path the traced (masked) state lacks."""
    T, F, H = 7, 3, 4
    layer = rnnkit.LSTM(F, H, num_layers=2, bidirectional=True).double()
    x, lengths = randn(3, T, F, dtype=torch.float64), torch.tensor([7, 4, 2])

    result = gradient_flow(layer, x, lengths=lengths)

    assert set(result.norms) == {"l0", "l0_reverse", "l1", "l1_reverse"}
    for b, n in enumerate(lengths.tolist()):
        alone = gradient_flow(layer, x[b : b + 1, :n])
        for name in result.norms:
            np.testing.assert_allclose(result.per_sample[name][b, :n], alone.per_sample[name][0], rtol=1e-9)
            assert np.isnan(result.per_sample[name][b, n:]).all()
            assert result.per_sample[name][b, :n].min() > 0


def test_reversed_direction_equals_forward_layer_on_flipped_input():
    T = 9
    bi = rnnkit.GRU(2, 5, bidirectional=True).double()
    backward_cell = bi.layers[0].backward_layer.cell
    forward_on_flipped = rnnkit.Recurrent(backward_cell)
    x = randn(4, T, 2, dtype=torch.float64)

    both = gradient_flow(bi, x, loss="sum")  # the forward final state adds no path to the backward one
    alone = gradient_flow(forward_on_flipped, x.flip(1), loss="sum")

    np.testing.assert_allclose(both.norms["l0_reverse"], alone.norms["l0"][::-1], rtol=1e-10)
    np.testing.assert_allclose(both.by_lag["l0_reverse"], alone.by_lag["l0"], rtol=1e-10)
    assert both.reach["l0_reverse"] == alone.reach["l0"]


def test_vanishing_gradient_elman_versus_lstm_at_initialisation():
    """At init an Elman RNN's gradient decays geometrically with the lag; an LSTM's (forget bias 1) far
    slower."""
    x = randn(16, 100, 4)
    torch.manual_seed(0)
    rnn = gradient_flow(rnnkit.RNN(4, 32), x)
    torch.manual_seed(0)
    lstm = gradient_flow(rnnkit.LSTM(4, 32), x)

    rnn_curve, lstm_curve = rnn.by_lag["l0"] / rnn.by_lag["l0"][0], lstm.by_lag["l0"] / lstm.by_lag["l0"][0]
    assert lstm.reach["l0"] > 1.5 * rnn.reach["l0"] > 0
    assert rnn_curve[50] < 1e-10 < 1e-7 < lstm_curve[50]
    assert lstm_curve[50] / rnn_curve[50] > 1e4
    # geometric: each further 10 steps of lag divide the Elman norm again by a similar large factor
    decades = np.log10(rnn_curve[[10, 20, 30, 40]])
    steps = np.diff(decades)
    assert (steps < -2).all() and steps.std() < 0.5


def test_model_is_left_as_found_and_grads_untouched():
    model = nn.Sequential()  # contains a Stacked in train mode, with dropout and the auto backend
    model.rnn = rnnkit.LSTM(3, 4, num_layers=2, dropout=0.5)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}

    gradient_flow(model.rnn, randn(2, 5, 3))
    gate_statistics(model.rnn, randn(2, 5, 3))

    assert model.rnn.training and all(m.training for m in model.modules())
    assert model.rnn.backend == "auto"
    assert all(d.trace is None for d in model.rnn.directions())
    assert all(not d._forward_hooks and not d._forward_pre_hooks for d in model.rnn.directions())
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_gradient_flow_is_deterministic_in_eval_mode_despite_dropout():
    layer = rnnkit.GRU(3, 4, num_layers=2, dropout=0.5, hidden_dropout=0.3)
    x = randn(2, 6, 3)
    a, b = gradient_flow(layer, x), gradient_flow(layer, x)
    for name in a.norms:
        np.testing.assert_array_equal(a.norms[name], b.norms[name])


def test_zoneout_is_refused():
    with pytest.raises(ValueError, match="zoneout"):
        gradient_flow(rnnkit.LSTM(2, 3, zoneout=0.1), randn(1, 4, 2))


def test_min_gru_on_cpu_runs_its_step_loop_and_is_measured():
    # On CPU a MinGRU layer runs its sequential mode, whose per-step states the trace sees.
    flow = gradient_flow(rnnkit.layers.MinGRU(2, 3), randn(1, 4, 2))
    curve = next(iter(flow.norms.values()))
    assert curve.shape == (4,) and (curve > 0).all()


class Classifier(nn.Module):
    """Final hidden state -> logits, the shape of model the estimators train."""

    def __init__(self, F, H, C, **kwargs):
        super().__init__()
        self.rnn, self.head = rnnkit.LSTM(F, H, **kwargs), nn.Linear(H, C)

    def forward(self, x, lengths=None):
        _, state = self.rnn(x, lengths)
        return self.head(state.h[:, -1])


class FakeEstimator:
    """The duck-typed protocol: build_model(X, y) before fitting, model_ after; prepare_batch and loss_fn."""

    def __init__(self):
        self.losses = 0

    def build_model(self, X, y=None):
        return Classifier(np.shape(X)[-1], 6, 3)

    def prepare_batch(self, X, y=None):
        return torch.as_tensor(X, dtype=torch.float32), None, None if y is None else torch.as_tensor(y)

    def loss_fn(self, output, y):
        self.losses += 1
        return nn.functional.cross_entropy(output, y, reduction="sum")


def test_estimator_protocol_unfitted_and_fitted():
    X, y = np.asarray(randn(5, 8, 2)), np.array([0, 1, 2, 1, 0])
    est = FakeEstimator()
    unfitted = gradient_flow(est, X, y)
    assert est.losses == 1 and unfitted.loss == "model" and unfitted.per_sample["l0"].shape == (5, 8)

    est.model_ = Classifier(2, 6, 3)
    fitted = gradient_flow(est, X, y)
    x = torch.as_tensor(X)
    by_hand = gradient_flow(est.model_, x, loss=lambda out, _: nn.functional.cross_entropy(
        out, torch.as_tensor(y), reduction="sum"))
    np.testing.assert_allclose(fitted.per_sample["l0"], by_hand.per_sample["l0"], rtol=1e-6)
    with pytest.raises(TypeError, match="build_model"):
        gradient_flow(object(), X)


def test_unfitted_rnnkit_estimator_is_measured_where_fit_starts():
    """An unfitted SequenceClassifier is measured on the module its fit(X, y) starts from: built for X's
    features and y's classes, seeded by random_state's first draw, untrained. Fitted, it is measured on model_."""
    X, y = randn(6, 10, 3).numpy(), np.array([0, 1, 2, 0, 1, 2])
    est = rnnkit.SequenceClassifier(hidden_size=8, num_layers=2, bidirectional=False, max_epochs=2, random_state=3)
    before = torch.get_rng_state()
    unfitted = gradient_flow(est, X, y)
    assert torch.equal(torch.get_rng_state(), before) and not hasattr(est, "model_")  # nothing else touched

    torch.manual_seed(int(np.random.RandomState(3).randint(np.iinfo(np.int32).max)))  # fit's seed
    choices, _ = est._choose(torch.full((6,), 10), 3)  # the options fit chooses for X
    x, lengths = torch.as_tensor(X), torch.full((6,), 10)
    x = est._inputs(x, lengths, *rnnkit.estimators.feature_scaling(x, lengths))  # standardised, as fit feeds it
    by_hand = gradient_flow(est._build_model(choices, 3, 3), x, torch.as_tensor(y), lengths=lengths)
    assert list(unfitted.norms) == ["l0", "l1"]
    for name in unfitted.norms:
        np.testing.assert_array_equal(unfitted.per_sample[name], by_hand.per_sample[name])

    starts = []  # the module fit trains, as it was before the first step
    build = est._build_model
    est._build_model = lambda *sizes: (model := build(*sizes), starts.append(copy.deepcopy(model.state_dict())))[0]
    est.fit(X, y)
    del est._build_model
    for key, value in est.build_model(X, y).state_dict().items():
        assert torch.equal(value, starts[0][key]), key
    fitted = gradient_flow(est, X, y)  # on model_, the trained weights
    assert fitted.per_sample["l0"].shape == (6, 10)
    assert not np.allclose(fitted.per_sample["l0"], unfitted.per_sample["l0"])

    with pytest.raises(ValueError, match="y is needed"):
        gradient_flow(rnnkit.SequenceRegressor(), X)


def test_default_loss_on_module_output():
    model = Classifier(2, 4, 3)
    x, y = randn(4, 5, 2), torch.tensor([0, 2, 1, 1])
    ours = gradient_flow(model, x, y)
    hand = gradient_flow(model, x, loss=lambda out, _: nn.functional.cross_entropy(out, y))
    np.testing.assert_allclose(ours.per_sample["l0"], hand.per_sample["l0"], rtol=1e-6)


def test_direction_names_follow_torch_suffixes():
    model = nn.Module()
    model.encoder = rnnkit.GRU(2, 3, num_layers=2, bidirectional=True)
    model.decoder = rnnkit.RNN(6, 3)
    assert list(named_directions(model)) == [
        "encoder.l0", "encoder.l0_reverse", "encoder.l1", "encoder.l1_reverse", "decoder.l0"]
    assert list(named_directions(model.encoder)) == ["l0", "l0_reverse", "l1", "l1_reverse"]
    with pytest.raises(ValueError, match="no rnnkit recurrent layer"):
        gradient_flow(nn.Linear(2, 2), randn(1, 3, 2))


# --- gates and states --------------------------------------------------------------------------------------


def _previous(values, t, lengths, b, reverse):
    """The state before step t in time order (zeros before the first processed step)."""
    n = lengths[b]
    prev = t + 1 if reverse else t - 1
    return values[b, prev] if 0 <= prev < n else np.zeros_like(values[b, t])


def test_recomputed_lstm_gates_reproduce_the_traced_states():
    layer = rnnkit.LSTM(3, 4, bidirectional=True).double()
    x, lengths = randn(3, 6, 3, dtype=torch.float64), [6, 3, 5]
    gates = gate_statistics(layer, x, lengths=torch.tensor(lengths)).activations
    states = hidden_states(layer, x, lengths=torch.tensor(lengths)).states
    for name, reverse in (("l0", False), ("l0_reverse", True)):
        i, f, g, o = (gates[name][k] for k in "ifgo")
        h, c = states[name]["h"], states[name]["c"]
        for b, n in enumerate(lengths):
            for t in range(n):
                c_prev = _previous(c, t, lengths, b, reverse)
                np.testing.assert_allclose(c[b, t], f[b, t] * c_prev + i[b, t] * g[b, t], rtol=1e-10)
                np.testing.assert_allclose(h[b, t], o[b, t] * np.tanh(c[b, t]), rtol=1e-10)
            assert np.isnan(h[b, n:]).all() and np.isnan(f[b, n:]).all()


def test_recomputed_gru_gates_reproduce_the_traced_states():
    layer = rnnkit.GRU(2, 3, num_layers=2).double()
    x = randn(2, 5, 2, dtype=torch.float64)
    gates = gate_statistics(layer, x).activations
    h = hidden_states(layer, x).h
    for name in ("l0", "l1"):
        r, z, n = (gates[name][k] for k in "rzn")
        h_prev = np.concatenate([np.zeros_like(h[name][:, :1]), h[name][:, :-1]], axis=1)
        np.testing.assert_allclose(h[name], (1 - z) * n + z * h_prev, rtol=1e-10)
        assert ((r > 0) & (r < 1)).all()


def test_recomputed_layernorm_lstm_gates_reproduce_the_traced_states():
    layer = rnnkit.LayerNormLSTM(3, 4).double()
    cell = layer.cells()[0]
    with torch.no_grad():  # away from the init's unit gains and zero shifts, so every norm parameter counts
        for p in cell.parameters():
            p.add_(randn(*p.shape, seed=p.numel(), dtype=torch.float64) * 0.3)
    x = randn(2, 5, 3, dtype=torch.float64)
    gates = gate_statistics(layer, x).activations["l0"]
    states = hidden_states(layer, x).states["l0"]
    i, f, g, o = (torch.from_numpy(gates[k]) for k in "ifgo")
    h, c = torch.from_numpy(states["h"]), torch.from_numpy(states["c"])
    c_prev = torch.cat([torch.zeros_like(c[:, :1]), c[:, :-1]], dim=1)
    torch.testing.assert_close(c, f * c_prev + i * g, rtol=1e-10, atol=1e-12)
    with torch.no_grad():
        c_norm = nn.functional.layer_norm(c, (4,), cell.gamma_c, cell.beta_c, cell.eps)
    torch.testing.assert_close(h, o * torch.tanh(c_norm), rtol=1e-10, atol=1e-12)


def test_saturation_fractions():
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 8, forget_bias=10.0)  # sigmoid(10 ± small) > 0.9: the forget gate saturated open
    x = randn(4, 20, 3)
    stats = gate_statistics(layer, x)
    assert stats.saturation["l0"]["f"] == stats.high["l0"]["f"] == 1.0 and stats.low["l0"]["f"] == 0.0
    for gate, kind in (("i", "sigmoid"), ("g", "tanh"), ("o", "sigmoid")):
        a = stats.activations["l0"][gate]
        expected = np.mean((a < 0.1) | (a > 0.9)) if kind == "sigmoid" else np.mean(np.abs(a) > 0.9)
        assert stats.saturation["l0"][gate] == pytest.approx(expected)
        assert stats.mean["l0"][gate] == pytest.approx(a.mean())
    frame = stats.frame()
    assert frame.loc[("l0", "f"), "saturated"] == 1.0 and len(frame) == 4


def test_elman_reports_its_tanh_units_and_relu_is_skipped():
    x = randn(2, 4, 2)
    assert list(gate_statistics(rnnkit.RNN(2, 3), x).saturation["l0"]) == ["h"]
    with pytest.raises(ValueError, match="no LSTM, GRU or tanh Elman"):
        gate_statistics(rnnkit.RNN(2, 3, nonlinearity="relu"), x)


# --- saliency ----------------------------------------------------------------------------------------------


class ReadsOneStep(nn.Module):
    """Either masks every input step but ``step`` (then only it matters), or reads the output at ``step``
    (then, causally, only steps <= step matter)."""

    def __init__(self, step, *, mask_input):
        super().__init__()
        self.step, self.mask_input = step, mask_input
        self.rnn, self.head = rnnkit.GRU(2, 4, num_layers=2, dropout=0.3), nn.Linear(4, 3)

    def forward(self, x):
        if self.mask_input:
            keep = torch.zeros(x.shape[1], 1)
            keep[self.step] = 1.0
            out, _ = self.rnn(x * keep)
            return self.head(out[:, -1])
        out, _ = self.rnn(x)
        return self.head(out[:, self.step])


def test_saliency_is_zero_where_the_model_does_not_look():
    x = randn(3, 8, 2)
    masked = saliency(ReadsOneStep(3, mask_input=True).eval(), x)
    others = np.delete(np.arange(8), 3)
    assert (masked.abs_grad[:, others] == 0).all() and (masked.grad_times_input[:, others] == 0).all()
    assert (masked.abs_grad[:, 3] > 0).all()

    causal = saliency(ReadsOneStep(3, mask_input=False).eval(), x)
    assert (causal.abs_grad[:, 4:] == 0).all() and (causal.abs_grad[:, :4] > 0).all()


def test_saliency_in_eval_mode_equals_autograd_by_hand():
    model = ReadsOneStep(5, mask_input=False).eval()
    x = randn(4, 7, 2)
    result = saliency(model, x, target=2)
    assert model.rnn.last_backend == "reference"  # what ran: the plain autograd path
    assert not model.training and not model.rnn.training and model.rnn.backend == "auto"

    xg = x.clone().requires_grad_(True)
    out = model(xg)  # auto backend: a fast path (a fused kernel) where one can run, eval mode
    (grad,) = torch.autograd.grad(out[:, 2].sum(), xg)
    np.testing.assert_allclose(result.gradient, grad.numpy(), atol=1e-6)
    np.testing.assert_allclose(result.grad_times_input, (grad * x).sum(-1).numpy(), atol=1e-6)
    np.testing.assert_allclose(result.abs_grad, grad.abs().sum(-1).numpy(), atol=1e-6)
    np.testing.assert_allclose(result.score, out[:, 2].detach().numpy(), atol=1e-6)
    assert (result.target == 2).all()


def test_saliency_default_target_is_the_predicted_class_and_regression_output():
    model = ReadsOneStep(5, mask_input=False).eval()
    x = randn(4, 7, 2)
    with torch.no_grad():
        predicted = model(x).argmax(1).numpy()
    np.testing.assert_array_equal(saliency(model, x).target, predicted)

    regressor = nn.Sequential()
    regressor.rnn = rnnkit.RNN(2, 3)
    last = saliency(regressor.rnn, x, target=lambda out: out[:, -1, 0])
    assert last.score.shape == (4,)
    with pytest.raises(ValueError, match="target=callable"):
        saliency(regressor.rnn, x)


# --- plots -------------------------------------------------------------------------------------------------


def test_plots_return_figures():
    layer = rnnkit.LSTM(2, 3, bidirectional=True)
    x = randn(2, 6, 2)
    model = ReadsOneStep(2, mask_input=False).eval()
    figures = [
        gradient_flow(layer, x).plot(),
        gate_statistics(layer, x).plot(),
        hidden_states(layer, x).plot(sample=1),
        hidden_states(layer, x).plot(field="c"),
        saliency(model, x).plot(X=x.numpy()),
        saliency(model, x).plot(),
    ]
    for fig in figures:
        assert isinstance(fig, Figure)
        fig.savefig(io.BytesIO(), format="png")
