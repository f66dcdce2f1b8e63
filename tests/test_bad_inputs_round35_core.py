"""Thirty-fifth round, core: the layers, models and diagnostics as a PyTorch user meets them (K35-NN rows of
docs/bad_inputs.md). Each test fails on the commit before its fix."""

from __future__ import annotations

import pytest
import torch
from torch.func import functional_call

import rnnkit


def _meta_gradient(layer, x, target):
    """MAML's second-order meta-gradient: the loss after one inner step, differentiated through that step."""
    params = dict(layer.named_parameters())

    def loss(p):
        y, _ = functional_call(layer, p, (x,))
        return ((y - target) ** 2).mean()

    g = torch.autograd.grad(loss(params), list(params.values()), create_graph=True)
    fast = {k: v - 0.5 * gi for (k, v), gi in zip(params.items(), g, strict=True)}
    return torch.autograd.grad(loss(fast), list(params.values()))


@pytest.mark.parametrize("make, backend", [(lambda: rnnkit.GRU(3, 4), "cpu_gru"),
                                           (lambda: rnnkit.GRU(3, 4), "cpu_loop"),
                                           (lambda: rnnkit.LayerNormLSTM(3, 4), "cpu_loop")])
def test_K35_01_second_derivative_through_the_cpu_loops_raises_not_first_order(make, backend):
    torch.manual_seed(0)
    layer = make().double()
    x, target = torch.randn(3, 5, 3, dtype=torch.float64), torch.randn(3, 5, 4, dtype=torch.float64)
    layer.backend = "reference"
    reference = _meta_gradient(layer, x, target)
    assert all(torch.isfinite(g).all() for g in reference)
    layer.backend = backend
    with pytest.raises(RuntimeError, match="compute first derivatives only.*backend='reference'"):
        _meta_gradient(layer, x, target)  # was the first-order part alone, without a word
    # a gradient penalty taken with autograd.grad towards the parameters, and towards x of a loss linear in y
    xx = x.clone().requires_grad_()
    y, _ = layer(xx)
    gx, = torch.autograd.grad(((y - target) ** 2).mean(), xx, create_graph=True)
    with pytest.raises(RuntimeError, match="compute first derivatives only"):
        torch.autograd.grad(gx.pow(2).sum(), list(layer.parameters()))  # was "appears to not have been used"
    y, _ = layer(xx)
    gx, = torch.autograd.grad(y.sum(), xx, create_graph=True)
    with pytest.raises(RuntimeError, match="compute first derivatives only"):
        torch.autograd.grad(gx.pow(2).sum(), xx, allow_unused=True)  # was None
    hessian = torch.autograd.functional.hessian
    with pytest.raises(RuntimeError, match="compute first derivatives only"):
        hessian(lambda v: layer(v)[0].pow(2).sum(), x[:1, :3])  # was all zeros
    layer.backend = "reference"
    assert hessian(lambda v: layer(v)[0].pow(2).sum(), x[:1, :3]).abs().sum() > 0.1


def test_K35_01_first_derivatives_unchanged():
    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4, backend="cpu_gru").double()
    x = torch.randn(3, 5, 3, dtype=torch.float64, requires_grad=True)
    y, _ = layer(x, torch.tensor([5, 2, 4]))
    g_fast = torch.autograd.grad(y.sin().sum(), [x, *layer.parameters()])
    layer.backend = "reference"
    y, _ = layer(x, torch.tensor([5, 2, 4]))
    g_ref = torch.autograd.grad(y.sin().sum(), [x, *layer.parameters()])
    for a, b in zip(g_fast, g_ref, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("backend", ["cpu_gru", "cpu_loop"])
def test_K35_02_backward_batched_over_gradients_names_vectorize_false(backend):
    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4, backend=backend).double()
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian
    with pytest.raises(RuntimeError, match=r"no batching rule.*vectorize=False.*backend=.reference."):
        jacobian(lambda v: layer(v)[0], x, vectorize=True)  # was torch's "Batching rule not implemented for ..."
    xx = x.clone().requires_grad_()
    y, _ = layer(xx)
    with pytest.raises(RuntimeError, match="is_grads_batched=False"):
        torch.autograd.grad(y, xx, torch.eye(y.numel(), dtype=y.dtype).view(-1, *y.shape), is_grads_batched=True)
    unbatched = jacobian(lambda v: layer(v)[0], x)  # the loop over outputs runs, and equals the vectorized reference
    layer.backend = "reference"
    torch.testing.assert_close(unbatched, jacobian(lambda v: layer(v)[0], x, vectorize=True), rtol=1e-10, atol=1e-12)


def test_K35_03_torch_state_dict_into_a_layer_with_a_learned_initial_state_names_strict_false():
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    layer = rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True, learn_initial_state=True)
    with pytest.raises(RuntimeError, match=r"no learned initial state.*learn_initial_state=True.*strict=False"):
        layer.load_state_dict(module.state_dict())  # was torch's "Missing key(s): layers.0.forward_layer.initial.0"
    missing = layer.load_state_dict(module.state_dict(), strict=False).missing_keys
    assert missing and all(".initial." in k for k in missing)
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(layer(x)[0], module(x)[0], rtol=1e-5, atol=1e-6)
    layer.load_state_dict(layer.state_dict())  # its own state_dict holds the initial state


@pytest.mark.parametrize("saved, built, expected", [
    (dict(num_layers=2), dict(), r"num_layers=2 \(this layer: 1\).*rnnkit\.GRU\(3, 4, num_layers=2\)"),
    (dict(), dict(num_layers=2), r"num_layers=1 \(this layer: 2\).*rnnkit\.GRU\(3, 4\)"),
    (dict(bidirectional=True), dict(), r"bidirectional=True \(this layer: False\).*rnnkit\.GRU\(3, 4, bidirectional")])
def test_K35_04_own_state_dict_of_other_layers_names_the_options(saved, built, expected):
    checkpoint = rnnkit.GRU(3, 4, **saved).state_dict()
    with pytest.raises(RuntimeError, match=expected):  # was torch's "Unexpected key(s) ... layers.1.cell.weight_ih"
        rnnkit.GRU(3, 4, **built).load_state_dict(checkpoint)
    rnnkit.GRU(3, 4, **saved).load_state_dict(checkpoint)  # the layer built alike loads it


@pytest.mark.parametrize("make", [lambda: rnnkit.GRU(3, 4, num_layers=2, bidirectional=True),
                                  lambda: rnnkit.SequenceToLabel(3, 4, 2, pooling="mean")])
def test_K35_05_torch_export_with_lengths(make):
    torch.manual_seed(0)
    model = make().eval()
    x, lengths = torch.randn(2, 5, 3), torch.tensor([5, 3])
    program = torch.export.export(model, (x, lengths))  # was GuardOnDataDependentSymNode in the lengths' check
    x2, lengths2 = torch.randn(2, 5, 3), torch.tensor([2, 4])
    torch.testing.assert_close(program.module()(x2, lengths2)[0], model(x2, lengths2)[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"every length must be in \[1, T=5\]"):
        model(x2, torch.tensor([0, 4]))  # the eager call still checks them


def test_K35_06_torch_export_of_a_language_model():
    torch.manual_seed(0)
    model = rnnkit.LanguageModel(10, 8).eval()
    tokens, lengths = torch.randint(0, 10, (2, 5)), torch.tensor([5, 3])
    plain = torch.export.export(model, (tokens,))  # was GuardOnDataDependentSymNode in the ids' range check
    padded = torch.export.export(model, (tokens, lengths))
    other = torch.randint(0, 10, (2, 5))
    torch.testing.assert_close(plain.module()(other)[0], model(other)[0], rtol=1e-5, atol=1e-6)
    other[1, 3:] = -100  # padding past the length, as a loss's ignore_index: read as 0, as the model reads it
    torch.testing.assert_close(padded.module()(other, lengths)[0], model(other, lengths)[0], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="token ids must be in"):
        model(other)  # the eager call still checks them


@pytest.mark.parametrize("backend", ["cpu_gru", "native", "reference"])
def test_K35_07_ok_activation_checkpointing_with_dropout_and_lengths(backend):
    torch.manual_seed(1)
    layer = rnnkit.GRU(3, 4, num_layers=2, dropout=0.3, backend=backend).double().train()
    x = torch.randn(2, 5, 3, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([5, 3])
    torch.manual_seed(7)
    y, _ = layer(x, lengths)
    plain = torch.autograd.grad(y.sin().sum(), [x, *layer.parameters()])
    torch.manual_seed(7)
    y2 = torch.utils.checkpoint.checkpoint(lambda v: layer(v, lengths)[0], x, use_reentrant=False)
    checkpointed = torch.autograd.grad(y2.sin().sum(), [x, *layer.parameters()])
    torch.testing.assert_close(y2, y, rtol=0, atol=0)
    for a, b in zip(checkpointed, plain, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_K35_08_lstm_state_to_as_on_a_tensor():
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4)
    x = torch.randn(2, 6, 3)
    _, state = layer(x[:, :3])
    moved = state.to(torch.float64)  # was AttributeError: 'LSTMState' object has no attribute 'to'
    assert isinstance(moved, rnnkit.LSTMState) and moved.h.dtype == moved.c.dtype == torch.float64
    torch.testing.assert_close(moved.h.float(), state.h)
    y, _ = layer.double()(x[:, 3:].double(), state=state.to("cpu", torch.float64))
    y_whole, _ = layer(x.double())
    torch.testing.assert_close(y, y_whole[:, 3:], rtol=1e-5, atol=1e-6)
