"""The fused backend (Triton kernels) against the reference loop: outputs, final states, every gradient.

No GPU here: the kernels run in Triton's CPU interpreter, enabled by TRITON_INTERPRET=1 for this module before
the kernels are first imported (rnnkit imports triton only then). The interpreter is slow, so sizes are small.
"""

import copy
import gc
import importlib.util
import os
import subprocess
import sys

import pytest
import torch

import rnnkit
from rnnkit.cells import LSTMState
from rnnkit.kernels import fused
from rnnkit.layers import LayerNormLSTM, MinGRU, MinLSTM

assert importlib.util.find_spec("triton") is not None, "Triton is needed: pip install -e '.[kernels]'"


@pytest.fixture(scope="module", autouse=True)
def interpreter():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRITON_INTERPRET", "1")
        yield


LAYERS = {
    "rnn": lambda **k: rnnkit.RNN(3, 4, **k),
    "rnn_relu": lambda **k: rnnkit.RNN(3, 4, nonlinearity="relu", **k),
    "gru": lambda **k: rnnkit.GRU(3, 4, **k),
    "gru_no_bias": lambda **k: rnnkit.GRU(3, 4, bias=False, **k),
    "lstm": lambda **k: rnnkit.LSTM(3, 4, **k),
    "ln_lstm": lambda **k: LayerNormLSTM(3, 4, **k),
    "ln_lstm_no_bias": lambda **k: LayerNormLSTM(3, 4, bias=False, **k),
    "min_gru": lambda **k: MinGRU(3, 4, **k),
    "min_lstm": lambda **k: MinLSTM(3, 4, **k),
}
CONFIGS = [
    # (num_layers, bidirectional, lengths, given_state)
    (1, False, [5, 2, 4], True),
    (2, True, [5, 2, 4], False),
    (1, True, None, True),
]


def _run(layer, backend, x, lengths, state):
    """Outputs, final state fields and every gradient of a weighted sum of them."""
    layer.backend = backend
    layer.zero_grad()
    x = x.clone().requires_grad_()
    fields = [] if state is None else [f.clone().requires_grad_() for f in state]
    given = None if state is None else (LSTMState(*fields) if len(fields) == 2 else fields[0])
    out, final = layer(x, lengths, given)
    assert layer.last_backend == backend, layer.last_backend_reason
    finals = list(final) if isinstance(final, tuple) else [final]
    gen = torch.Generator().manual_seed(1)
    loss = sum((t * torch.randn(t.shape, generator=gen)).sum() for t in [out, *finals])
    loss.backward()
    return [out, *finals, x.grad, *(f.grad for f in fields), *(p.grad for p in layer.parameters())]


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("L,bi,lengths,given", CONFIGS)
def test_fused_equals_reference(name, L, bi, lengths, given):
    layer = LAYERS[name](num_layers=L, bidirectional=bi)
    with torch.no_grad():  # move the norms' gains off 1 and the biases off their init
        for p in layer.parameters():
            p.add_(0.2 * torch.randn_like(p))
    B, T, H = 3, 5, 4
    x = torch.randn(B, T, 3)
    lens = None if lengths is None else torch.tensor(lengths)
    state = [torch.randn(B, L * (2 if bi else 1), H) for _ in layer.state_fields] if given else None
    reference = _run(layer, "reference", x, lens, state)
    fast = _run(layer, "fused", x, lens, state)
    if not isinstance(layer, LayerNormLSTM):
        for a, b in zip(fast, reference, strict=True):
            torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
        return
    # The layer norms make float32 gradients ill-conditioned (entries of 10-100, and the float32 reference
    # up to 5e-5 of their size off the float64 values): the kernels must be as close to float64 as it is. The
    # floor of 1e-5 (about 80 float32 ulps) keeps a reference that rounds luckily on one CPU's kernels (2.9e-6
    # without torch's vector kernels, ATEN_CPU_CAPABILITY=default, where the fused path gave 7.5e-6) from
    # setting a bar below float32's own accuracy here.
    state64 = None if state is None else [f.double() for f in state]
    truth = _run(copy.deepcopy(layer).double(), "reference", x.double(), lens, state64)
    assert _largest_error(fast, truth) <= 2 * _largest_error(reference, truth) + 1e-5


def _largest_error(results, truth):
    """The largest error over tensors, each relative to its largest entry (at least 1)."""
    pairs = zip(results, truth, strict=True)
    return max(((a.double() - t).abs().max() / t.abs().max().clamp(min=1)).item() for a, t in pairs)


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_fused_scan_is_exact_against_sequential_mode(cls):
    layer = cls(3, 4, num_layers=2, bidirectional=True)
    x, lengths, state = torch.randn(3, 6, 3), torch.tensor([6, 3, 1]), torch.randn(3, 4, 4)
    expected, expected_h = layer(x, lengths, state, mode="sequential")
    layer.backend = "fused"
    for mode in ("sequential", "parallel"):  # one kernel serves both modes
        out, h = layer(x, lengths, state, mode=mode)
        assert layer.last_backend == "fused"
        torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-6)
        torch.testing.assert_close(h, expected_h, atol=1e-6, rtol=1e-6)


def test_fused_minlstm_where_both_gates_underflow_equals_reference():
    """Raw inputs in the hundreds put both minLSTM gates' pre-activations below about -88, where f and i are 0 in
    float32 and f / (f + i) is 0/0: the kernels' forward and backward work from u = log i - log f (K38-05), so
    outputs, final state and every gradient are finite and the reference's. Inputs of 400 make the float32 weight
    gradients ill-conditioned (the float32 reference is 5e-6 of their size off float64, the kernels as close), so the
    bar is the float64 reference's values."""
    torch.manual_seed(0)
    layer = MinLSTM(3, 4)
    x = torch.randn(2, 5, 3) * 400
    truth = _run(copy.deepcopy(layer).double(), "reference", x.double(), None, None)
    fast = _run(layer, "fused", x, None, None)
    assert not any(torch.isnan(t).any() for t in fast)
    assert _largest_error(fast, truth) < 1e-5


class _CountingKernels:
    """Stands for the kernels module and records every kernel launched through it."""

    def __init__(self, module):
        self.module, self.launched = module, []

    def __getattr__(self, name):
        self.launched.append(name)
        return getattr(self.module, name)


def test_fused_path_really_ran(monkeypatch):
    layer = rnnkit.GRU(3, 4, num_layers=2, backend="fused")
    counting = _CountingKernels(fused._kernels())
    monkeypatch.setattr(fused, "_kernels", lambda: counting)
    monkeypatch.setattr(type(layer), "forward_reference", lambda *a: pytest.fail("reference path ran"))
    monkeypatch.setattr(rnnkit.Recurrent, "steps", lambda *a: pytest.fail("reference time loop ran"))
    monkeypatch.setattr(torch._VF, "gru", lambda *a: pytest.fail("torch's GRU kernel ran"))
    out, _ = layer(torch.randn(2, 5, 3))
    out.sum().backward()
    assert counting.launched.count("gru_fwd") == 2 * 5 and counting.launched.count("gru_bwd") == 2 * 5
    assert layer.last_backend == "fused" and "interpreter" in layer.last_backend_reason
    scan = MinLSTM(3, 4, backend="fused")
    scan(torch.randn(2, 5, 3))[0].sum().backward()
    assert counting.launched[-2:] == ["min_scan_fwd", "min_scan_bwd"]  # the whole sequence, one launch each


def test_auto_never_picks_fused_on_cpu_and_forcing_says_why(monkeypatch):
    x = torch.randn(2, 5, 3)
    layer = LayerNormLSTM(3, 4)
    layer(x)
    assert layer.last_backend == "cpu_loop"  # on CPU the C++ loop; the fused kernels only in the interpreter
    assert "interpreter" in fused.can_use_fused(layer, x)[1]
    with pytest.raises(ValueError, match="float32"):
        LayerNormLSTM(3, 4, backend="fused").double()(x.double())
    with pytest.raises(ValueError, match="zoneout"):
        rnnkit.LSTM(3, 4, backend="fused", zoneout=0.1)(x)

    class MyGRU(rnnkit.GRUCell):  # a user's subclass may change step(): the kernels would not follow
        pass

    with pytest.raises(ValueError, match="no fused kernel for MyGRU"):
        rnnkit.Stacked([rnnkit.Recurrent(MyGRU(3, 4))], backend="fused")(x)
    # Without the interpreter (and kernels not yet imported) the CPU run is refused with the way out.
    monkeypatch.delenv("TRITON_INTERPRET")
    monkeypatch.delitem(sys.modules, fused._KERNELS, raising=False)
    with pytest.raises(ValueError, match="TRITON_INTERPRET=1"):
        rnnkit.GRU(3, 4, backend="fused")(x)


def test_importing_rnnkit_does_not_import_triton_and_a_late_interpreter_works():
    """In a fresh process: rnnkit alone does not import triton; and with triton imported before
    TRITON_INTERPRET=1 is set (as torch.optim does), the kernels still run in the interpreter."""
    code = (
        "import os, sys, torch, rnnkit\n"
        "assert 'triton' not in sys.modules, 'importing rnnkit imported triton'\n"
        "import triton\n"
        "os.environ['TRITON_INTERPRET'] = '1'\n"
        "layer = rnnkit.GRU(3, 4, backend='fused')\n"
        "layer(torch.randn(2, 3, 3))[0].sum().backward()\n"
        "assert layer.last_backend == 'fused'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def _time_aware(inner, num_layers, bidirectional):
    """A Stacked layer of TimeAware(inner) cells, hidden size 6: each layer reads [x, m, delta] of 3F features."""
    D, H = 2 if bidirectional else 1, 6

    def direction(F, reverse):
        cell = rnnkit.TimeAware(inner(2 * F, H))
        with torch.no_grad():  # input decay away from its zero init
            cell.w_x.normal_()
            cell.b_x.normal_()
        return rnnkit.Recurrent(cell, reverse=reverse)

    layers = []
    for i in range(num_layers):
        F = 1 if i == 0 else D * H // 3
        layers.append(rnnkit.Bidirectional(direction(F, False), direction(F, True)) if bidirectional
                      else direction(F, False))
    return rnnkit.Stacked(layers)


@pytest.mark.parametrize("inner", [rnnkit.GRUCell, rnnkit.LSTMCell, rnnkit.ElmanCell, rnnkit.LayerNormLSTMCell])
@pytest.mark.parametrize("L,bi,lengths,given", CONFIGS)
def test_fused_time_aware_equals_reference(inner, L, bi, lengths, given):
    """GRU-D's decays around each kernel cell: the hidden decay gamma_h * h_{t-1} before every step."""
    layer = _time_aware(inner, L, bi)
    B, T = 3, 5
    values = torch.randn(B, T, 1).masked_fill(torch.rand(B, T, 1) < 0.4, float("nan"))
    times = torch.rand(B, T).mul(2).add(0.1).cumsum(1)  # irregular sampling
    x = rnnkit.time_aware_inputs(values, times)
    lens = None if lengths is None else torch.tensor(lengths)
    state = [torch.randn(B, L * (2 if bi else 1), 6) for _ in layer.state_fields] if given else None
    reference = _run(layer, "reference", x, lens, state)
    fast = _run(layer, "fused", x, lens, state)
    assert "TimeAware(" in layer.last_backend_reason
    tolerance = 1e-5 if inner is not rnnkit.LayerNormLSTMCell else 1e-4  # see test_fused_equals_reference
    for a, b in zip(fast, reference, strict=True):
        torch.testing.assert_close(a, b, atol=tolerance, rtol=tolerance)


class _EagerGraph:
    """Stands for a captured CUDA graph on CPU: each replay runs the captured function on the same buffers."""

    captured = 0

    def __init__(self, fn, buffers):
        self.fn, self.buffers = fn, buffers
        _EagerGraph.captured += 1

    def __call__(self):
        self.fn(*self.buffers)


@pytest.mark.parametrize("name", ["rnn", "gru", "lstm", "ln_lstm_no_bias", "time_aware_gru"])
def test_chunked_graph_replays_equal_the_eager_loop(name, monkeypatch):
    """The CUDA-graph path's chunking, run on CPU: chunks of 4 steps replayed on static buffers, a shorter
    last chunk on the padded 4-step graph, lengths and decays copied in per chunk, dh/dc carried back. Same
    kernels, same order of operations: the results equal the eager loop's (itself tested against reference)."""
    if name == "time_aware_gru":
        layer = _time_aware(rnnkit.GRUCell, 1, True)
        make_x = lambda T: rnnkit.time_aware_inputs(torch.randn(3, T, 1), torch.rand(3, T).add(0.1).cumsum(1))  # noqa: E731
    else:
        layer = LAYERS[name](bidirectional=True)
        make_x = lambda T: torch.randn(3, T, 3)  # noqa: E731
    cases = []
    for T, lengths in ((7, [7, 2, 5]), (10, None), (3, [3, 1, 2])):
        lens = None if lengths is None else torch.tensor(lengths)
        state = [torch.randn(3, 2, layer.hidden_size) for _ in layer.state_fields]
        cases.append((make_x(T), lens, state))
    eager = [_run(layer, "fused", *case) for case in cases]
    monkeypatch.setattr(fused, "_use_graphs", lambda x: True)
    monkeypatch.setattr(fused, "_Graph", _EagerGraph)
    monkeypatch.setattr(fused, "GRAPH_STEPS", 4)
    monkeypatch.setattr(_EagerGraph, "captured", 0)
    for case, expected in zip(cases, eager, strict=True):
        for a, b in zip(_run(layer, "fused", *case), expected, strict=True):
            torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-6)
    # 2 directions x (forward, backward) x chunk sizes {4, 2}: T = 7 and 10 need 4 and 4, 2 (10 = 4 + 4 + 2),
    # T = 3 the 4-step graph again; captured once each, then replayed
    assert _EagerGraph.captured == 2 * 2 * 2


def test_graph_cache_follows_the_cell_and_its_parameters(monkeypatch):
    """Graphs bake in the parameters' addresses: new storage (a dtype/device move) captures anew; an in-place
    update (an optimizer step) does not; and the graphs go when the cell goes."""
    monkeypatch.setattr(fused, "_use_graphs", lambda x: True)
    monkeypatch.setattr(fused, "_Graph", _EagerGraph)
    monkeypatch.setattr(fused, "GRAPH_STEPS", 4)
    monkeypatch.setattr(_EagerGraph, "captured", 0)
    layer = rnnkit.LSTM(3, 4, backend="fused")
    x = torch.randn(2, 4, 3)
    layer(x)[0].sum().backward()
    assert _EagerGraph.captured == 2  # forward and backward, one chunk size
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(0.1)  # in place, as an optimizer step
    out = layer(x)[0]
    out.sum().backward()
    assert _EagerGraph.captured == 2
    expected = copy.deepcopy(layer)
    expected.backend = "reference"
    torch.testing.assert_close(out, expected(x)[0], atol=1e-6, rtol=1e-6)  # the replay saw the new values
    layer.double().float()  # new storage
    layer(x)
    assert _EagerGraph.captured == 3
    cell = layer.cells()[0]
    assert len(fused._GraphedSteps._cache[cell]) == 3
    del layer, cell, expected, out
    gc.collect()
    assert len(fused._GraphedSteps._cache) == 0
