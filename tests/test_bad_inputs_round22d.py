"""The twenty-second round's cases of PyTorch's program transforms over the layers: ``torch.func`` (``grad``,
``jacrev``, ``vmap``) on the C++ loops and torch's fused ops (T22-01..03), a forced fast path under one
(T22-04), ``torch.compile`` (T22-05, T22-06), ``torch.autocast`` on the CPU (T22-07, T22-08), and a layer
passed where a model wants a cell (T22-09)."""

import pytest
import torch
from helpers import one_line
from torch import nn

import rnnkit
from rnnkit.kernels import cpu_gru, cpu_loop
from rnnkit.models import EncoderDecoder, LanguageModel, build_encoder

TRANSFORM = "torch.func transform"


def _torch_pair(kind):
    """A torch.nn layer and rnnkit's copy of it (auto backend), both (B, T, 3) -> (B, T, 4)."""
    torch.manual_seed(0)
    module = getattr(nn, kind)(3, 4, batch_first=True)
    return module, getattr(rnnkit, kind).from_torch(module)


def _autograd_grad(layer, x):
    """d sum(output) / dx by plain autograd (the fast path's own backward where one runs)."""
    x = x.clone().requires_grad_()
    return torch.autograd.grad(layer(x)[0].sum(), x)[0]


def test_T22_01_torch_func_over_the_cpu_gru_loop_runs_the_reference_with_its_values():
    if not cpu_gru.build()[0]:
        pytest.skip("the C++ GRU loop cannot be built here; the case is about it")
    module, gru = _torch_pair("GRU")
    x = torch.randn(2, 5, 3)
    gru(x)
    assert gru.last_backend == "cpu_gru"
    grad = torch.func.grad(lambda x: gru(x)[0].sum())(x)
    assert gru.last_backend == "reference" and TRANSFORM in gru.last_backend_reason
    torch.testing.assert_close(grad, _autograd_grad(gru, x), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(grad, _autograd_grad(module, x), rtol=1e-5, atol=1e-6)
    jac = torch.func.jacrev(lambda x: gru(x)[0])(x[:1])  # (1, 5, 4, 1, 5, 3)
    expected = torch.autograd.functional.jacobian(lambda x: module(x)[0], x[:1])
    torch.testing.assert_close(jac, expected, rtol=1e-5, atol=1e-6)
    batched = torch.func.vmap(lambda x: gru(x)[0])(x[:, None])  # each sequence alone: (2, 1, 5, 4)
    torch.testing.assert_close(batched, torch.stack([gru(s[None])[0] for s in x]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["LSTM", "RNN"])
def test_T22_02_vmap_over_torch_fused_lstm_and_rnn_runs_the_reference(kind):
    module, layer = _torch_pair(kind)
    x = torch.randn(3, 5, 3)
    batched = torch.func.vmap(lambda x: layer(x)[0])(x[:, None])  # was: no batching rule for aten::lstm
    assert layer.last_backend == "reference" and TRANSFORM in layer.last_backend_reason
    torch.testing.assert_close(batched[:, 0], module(x)[0], rtol=1e-5, atol=1e-6)
    grad = torch.func.grad(lambda x: layer(x)[0].sum())(x)
    torch.testing.assert_close(grad, _autograd_grad(module, x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda: rnnkit.LayerNormLSTM(3, 4), lambda: rnnkit.MinGRU(3, 4),
                                  lambda: rnnkit.Stacked([rnnkit.Recurrent(rnnkit.GRUCell(3, 4), zoneout=0.2)])],
                         ids=["LayerNormLSTM", "MinGRU", "zoneout"])
def test_T22_03_torch_func_over_the_cpu_loop_cells_runs_the_reference_with_its_values(make):
    if not cpu_loop.build()[0]:
        pytest.skip("the C++ CPU loop cannot be built here; the case is about it")
    torch.manual_seed(0)
    layer = make().eval()  # eval: zoneout's expectation, no random draws for vmap to refuse
    x = torch.randn(2, 5, 3)
    fast = _autograd_grad(layer, x)
    assert layer.last_backend == "cpu_loop"
    grad = torch.func.grad(lambda x: layer(x)[0].sum())(x)
    assert layer.last_backend == "reference" and TRANSFORM in layer.last_backend_reason
    torch.testing.assert_close(grad, fast, rtol=1e-5, atol=1e-6)
    batched = torch.func.vmap(lambda x: layer(x)[0])(x[:, None])
    torch.testing.assert_close(batched[:, 0], layer(x)[0], rtol=1e-5, atol=1e-6)


def test_T22_04_a_forced_cpp_path_under_a_transform_is_refused_naming_it_and_native_still_runs():
    if not cpu_gru.build()[0]:
        pytest.skip("the C++ GRU loop cannot be built here; the case is about it")
    x = torch.randn(2, 5, 3)
    forced = rnnkit.GRU(3, 4, backend="cpu_gru")
    with pytest.raises(ValueError, match=r"GRU: backend='cpu_gru' cannot run under a torch.func transform .*"
                                         r"use backend='auto' or 'reference'") as e:
        torch.func.grad(lambda x: forced(x)[0].sum())(x)
    one_line(e)
    module, _ = _torch_pair("GRU")
    native = rnnkit.GRU.from_torch(module, backend="native")  # torch's op, which grad handles as torch.nn's
    grad = torch.func.grad(lambda x: native(x)[0].sum())(x)
    assert native.last_backend == "native"
    torch.testing.assert_close(grad, _autograd_grad(module, x), rtol=1e-5, atol=1e-6)


def _compiled_matches_eager(layer, backend):
    torch.manual_seed(1)
    x = torch.randn(2, 4, 3)
    compiled = torch.compile(layer, backend=backend, fullgraph=False)
    got = _autograd_grad(compiled, x), compiled(x)[0]
    assert layer.last_backend == "reference" and "torch.compile" in layer.last_backend_reason
    expected = _autograd_grad(layer, x), layer(x)[0]  # eager: the fast path
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_T22_05_torch_compile_of_a_gru_on_the_cpp_loop_runs_the_reference_with_eager_values():
    torch._dynamo.reset()
    _compiled_matches_eager(_torch_pair("GRU")[1], "eager")  # was: the fake-tensor pass failed on cpu_gru


def test_T22_06_torch_compile_aot_eager_of_a_native_lstm_runs_the_reference_with_eager_values():
    torch._dynamo.reset()
    _compiled_matches_eager(_torch_pair("LSTM")[1], "aot_eager")  # was: tensors_saved_with_vc_check


@pytest.mark.parametrize("kind, dtype", [("LSTM", torch.bfloat16), ("GRU", torch.float32), ("RNN", torch.bfloat16)])
def test_T22_07_under_bfloat16_autocast_every_path_returns_torch_nn_s_dtype(kind, dtype):
    module, layer = _torch_pair(kind)
    x = torch.randn(2, 5, 3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        expected, _ = module(x)
        results = {}
        for backend in ("auto", "reference"):
            layer.backend = backend
            out, state = layer(x)
            results[layer.last_backend] = out
            for t in (out, *(state if isinstance(state, tuple) else (state,))):
                assert t.dtype == expected.dtype == dtype, (backend, t.dtype)
    assert set(results) == {"native", "reference"} or not torch.ops.mkldnn._is_mkldnn_bf16_supported()
    for out in results.values():
        torch.testing.assert_close(out.float(), expected.float(), rtol=0.05, atol=0.05)


def test_T22_08_an_lstm_under_float16_autocast_on_the_cpu_runs_the_reference_where_onednn_fails():
    module, layer = _torch_pair("LSTM")
    x = torch.randn(2, 5, 3)
    with torch.autocast("cpu", dtype=torch.float16):
        out, (h, c) = layer(x)  # was: oneDNN's "could not create a primitive descriptor"
    assert layer.last_backend == "reference" and "float16" in layer.last_backend_reason
    assert out.dtype == h.dtype == c.dtype == torch.float16
    torch.testing.assert_close(out.float(), module(x)[0], rtol=0.01, atol=0.01)


@pytest.mark.parametrize("cell, message", [
    (nn.LSTM(4, 6), r"cell is a torch.nn.LSTM module, a whole layer, not a cell; pass its name, cell='lstm', with "
                    r"hidden_size=6, num_layers=1, bidirectional=False as the model's arguments"),
    (rnnkit.LSTM, r"cell is the class rnnkit.LSTM, a whole layer, not a cell; pass its name, cell='lstm'"),
    (rnnkit.GRU(4, 6, num_layers=2), r"cell is an rnnkit.GRU module, .* cell='gru', with hidden_size=6, num_layers=2"),
    (nn.Linear(4, 6), r"cell is a torch.nn.Linear module, not a cell; pass a cell name \[.*'lstm'"),
])
def test_T22_09_a_layer_where_a_cell_is_wanted_is_refused_naming_what_to_pass(cell, message):
    for build in (lambda: build_encoder(cell, 4, 6), lambda: EncoderDecoder(4, 6, 3, cell=cell),
                  lambda: LanguageModel(10, 6, cell=cell)):
        with pytest.raises(ValueError, match=message) as e:
            build()
        one_line(e)
    assert build_encoder(rnnkit.LSTMCell, 4, 6, num_layers=2).num_layers == 2  # what the message offers works
