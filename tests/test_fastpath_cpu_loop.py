"""The C++ CPU loop (backend "cpu_loop") against the reference loop: outputs, final states, every gradient.

Every built-in cell, TimeAware around them, hidden dropout and zoneout (with the reference's own random draws),
lengths, given states, stacks and both directions; float64, so the two paths agree to rounding. Also: what
``auto`` picks and why, and where the path refuses (with its reason). The extension is built on the first
test (about a minute on 2 cores) and loaded from TORCH_EXTENSIONS_DIR afterwards.
"""

import copy

import pytest
import torch

import rnnkit
from rnnkit.cells import ElmanCell, GRUCell, LayerNormLSTMCell, LSTMCell, MinGRUCell, MinLSTMCell, TimeAware
from rnnkit.kernels import cpu_loop

B, T, F, H = 3, 5, 6, 6


@pytest.fixture(scope="module", autouse=True)
def extension():
    ok, reason = cpu_loop.build()
    assert ok, reason


def stack(make_cell, *, layers=1, bi=False, backend="cpu_loop", **options):
    """A Stacked layer of ``make_cell(input_size)`` cells, float64, with random non-default parameters."""
    def direction(n_in, reverse):
        return rnnkit.Recurrent(make_cell(n_in), reverse=reverse, **options)

    D = 2 if bi else 1
    built = []
    for i in range(layers):
        n_in = F if i == 0 else D * H
        built.append(rnnkit.Bidirectional(direction(n_in, False), direction(n_in, True)) if bi
                     else direction(n_in, False))
    layer = rnnkit.Stacked(built, backend=backend).double()
    with torch.no_grad():  # move gains and biases off their init (ones, zeros), where some mistakes cancel
        for p in layer.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return layer


CELLS = {
    "lstm": lambda n: LSTMCell(n, H),
    "lstm_nobias": lambda n: LSTMCell(n, H, bias=False),
    "layernorm_lstm": lambda n: LayerNormLSTMCell(n, H),
    "layernorm_lstm_nobias": lambda n: LayerNormLSTMCell(n, H, bias=False),
    "gru": lambda n: GRUCell(n, H),
    "elman_tanh": lambda n: ElmanCell(n, H),
    "elman_relu": lambda n: ElmanCell(n, H, nonlinearity="relu"),
    "mingru": lambda n: MinGRUCell(n, H),
    "minlstm": lambda n: MinLSTMCell(n, H),
}
# TimeAware reads [x, m, delta] (3F') for an inner cell of input 2F': F' = n / 3 for a layer input n.
TIME_AWARE = {f"time_aware_{k}": (lambda make: lambda n: TimeAware(make(2 * (n // 3))))(CELLS[k])
              for k in ("lstm", "gru", "layernorm_lstm", "elman_tanh", "mingru")}


def inputs(layer, lengths, given, seed=0):
    g = torch.Generator().manual_seed(seed)
    n_in = layer.input_size
    x = torch.randn(B, T, n_in, generator=g, dtype=torch.float64)
    if isinstance(layer.cells()[0], TimeAware):  # mask in {0, 1}, delta >= 0
        f = n_in // 3
        x[..., f : 2 * f] = (x[..., f : 2 * f] > 0).double()
        x[..., 2 * f :] = x[..., 2 * f :].abs()
    n = layer.num_layers * layer.num_directions
    fields = layer.state_fields
    state = [torch.randn(B, n, H, generator=g, dtype=torch.float64) for _ in fields] if given else None
    lens = None if lengths is None else torch.tensor(lengths)
    return x, lens, state


def run(layer, x, lens, state, seed=1):
    """Outputs, final states and the gradients of a fixed random weighting of them, on ``layer``'s backend."""
    x = x.clone().requires_grad_()
    s = None if state is None else [t.clone().requires_grad_() for t in state]
    state_type = layer.cells()[0].state_type
    given = None if s is None else (s[0] if state_type is None else state_type(*s))
    torch.manual_seed(seed)  # the dropout and zoneout draws
    out, final = layer(x, lens, given)
    finals = [final] if state_type is None else list(final)
    g = torch.Generator().manual_seed(2)
    loss = sum((t * torch.randn(t.shape, generator=g, dtype=torch.float64).to(t.dtype)).sum()
               for t in (out, *finals))
    wrt = [x, *(s or []), *layer.parameters()]
    grads = torch.autograd.grad(loss, wrt, allow_unused=True)
    return [out, *finals], grads, layer.last_backend


def assert_same_as_reference(layer, lengths=(5, 2, 4), given=True):
    reference = copy.deepcopy(layer)
    reference.backend = "reference"
    x, lens, state = inputs(layer, None if lengths is None else list(lengths), given)
    values, grads, backend = run(layer, x, lens, state)
    values_ref, grads_ref, _ = run(reference, x, lens, state)
    assert backend == "cpu_loop"
    assert reference.last_backend == "reference"
    for a, b in zip(values, values_ref, strict=True):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=1e-10)
    names = ["x", *[f"state.{f}" for f in layer.state_fields if given], *(n for n, _ in layer.named_parameters())]
    for name, a, b in zip(names, grads, grads_ref, strict=True):
        assert (a is None) == (b is None), name
        if a is not None:
            torch.testing.assert_close(a, b, atol=1e-10, rtol=1e-10, msg=lambda m, name=name: f"{name}: {m}")


@pytest.mark.parametrize("name", [*CELLS, *TIME_AWARE])
def test_every_cell_equals_the_reference(name):
    assert_same_as_reference(stack({**CELLS, **TIME_AWARE}[name]))


@pytest.mark.parametrize("name", ["lstm", "layernorm_lstm", "gru", "minlstm", "time_aware_lstm"])
def test_stacked_bidirectional_without_lengths_or_state(name):
    layer = stack({**CELLS, **TIME_AWARE}[name], layers=2, bi=True)
    assert_same_as_reference(layer, lengths=None, given=False)
    assert_same_as_reference(layer)


@pytest.mark.parametrize("name", ["lstm", "gru", "layernorm_lstm", "minlstm", "elman_tanh", "time_aware_gru"])
@pytest.mark.parametrize("options", [dict(zoneout=0.3), dict(hidden_dropout=0.4),
                                     dict(zoneout=0.25, hidden_dropout=0.3, input_dropout=0.2)])
@pytest.mark.parametrize("training", [True, False])
def test_recurrent_dropout_and_zoneout_equal_the_reference(name, options, training):
    """In training the same random numbers are drawn (the same seed gives the same masks); in eval zoneout is
    the expectation p old + (1 - p) new and the dropouts are off."""
    layer = stack({**CELLS, **TIME_AWARE}[name], bi=True, **options)
    layer.train(training)
    assert_same_as_reference(layer)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_uniform_draws_torch_rands_numbers(dtype):
    """The zoneout uniforms come from the extension's uniform_, which must give exactly torch.rand's numbers from
    the default generator and leave it where torch.rand leaves it: from any offset into the twister's 624-word
    state, across several regenerations of it, in float32 (one 32-bit word a number) and float64 (two)."""
    for seed, before, n in [(0, 0, 1), (1, 3, 623), (2, 623, 2000), (3, 1000, 5 * 624 + 7)]:
        torch.manual_seed(seed)
        torch.rand(before)
        expected, after = torch.rand(n, dtype=dtype), torch.rand(5)
        torch.manual_seed(seed)
        torch.rand(before)
        assert torch.equal(torch.ops.rnnkit_cpu_loop.uniform_(torch.empty(n, dtype=dtype)), expected)
        assert torch.equal(torch.rand(5), after)


def test_zoneout_leaves_the_generator_where_the_reference_does():
    """Drawing the masks in C++ consumes the same numbers as the reference's per-step draws: what is drawn after
    a training forward (the next batch's dropout, say) is the same on both paths."""
    layer = stack(CELLS["lstm"], bi=True, zoneout=0.3, hidden_dropout=0.2)
    reference = copy.deepcopy(layer)
    reference.backend = "reference"
    x, lens, state = inputs(layer, [5, 2, 4], True)
    run(layer, x, lens, state)
    after = torch.rand(7)
    run(reference, x, lens, state)
    assert torch.equal(torch.rand(7), after)


def test_zoneout_masks_are_drawn_not_fixed():
    """A different seed gives other masks, so training outputs differ (the draws are not skipped)."""
    layer = stack(CELLS["lstm"], zoneout=0.5)
    x, lens, state = inputs(layer, [5, 2, 4], True)
    a = run(layer, x, lens, state, seed=1)[0][0]
    b = run(layer, x, lens, state, seed=7)[0][0]
    assert not torch.allclose(a, b)


@pytest.mark.parametrize("name", ["layernorm_lstm", "lstm", "gru", "elman_tanh"])
def test_float32_close_to_float64_reference(name):
    """In float32 the loop's tanh is Sleef's 3.5-ULP kernel (torch.tanh's is the 1-ULP one): still rounding."""
    layer = stack(CELLS[name], layers=2, zoneout=0.2).eval()  # float32 draws other uniforms
    x, lens, state = inputs(layer, [5, 2, 4], True)
    ref = copy.deepcopy(layer)
    ref.backend = "reference"
    values, grads, _ = run(layer.float(), x.float(), lens, [s.float() for s in state])
    values_ref, grads_ref, _ = run(ref, x, lens, state)
    for a, b in zip([*values, *grads], [*values_ref, *grads_ref], strict=True):
        torch.testing.assert_close(a.double(), b, atol=2e-5, rtol=1e-4)


def test_no_grad_forward_equals_and_saves_nothing():
    layer = stack(CELLS["gru"], zoneout=0.3).eval()
    x, lens, state = inputs(layer, [5, 2, 4], True)
    with torch.inference_mode():
        out, final = layer(x, lens, state[0])
    layer.backend = "reference"
    with torch.inference_mode():
        out_ref, final_ref = layer(x, lens, state[0])
    torch.testing.assert_close(out, out_ref, atol=1e-12, rtol=1e-12)
    torch.testing.assert_close(final, final_ref, atol=1e-12, rtol=1e-12)


def test_auto_picks_the_loop_and_says_why():
    cases = [
        (rnnkit.LayerNormLSTM(F, H), "cpu_loop", "LayerNormLSTMCell"),
        (rnnkit.LSTM(F, H, zoneout=0.1), "cpu_loop", "LSTMCell"),
        (rnnkit.GRU(F, H, hidden_dropout=0.1), "cpu_loop", "GRUCell"),
        (rnnkit.MinGRU(F, H), "cpu_loop", "MinGRUCell"),
        (rnnkit.Stacked([rnnkit.Recurrent(TimeAware(LSTMCell(4, H)))]), "cpu_loop", "TimeAware(LSTMCell)"),
        (rnnkit.LSTM(F, H), "native", "torch fused lstm"),  # torch's kernels keep what they can run
        (rnnkit.GRU(F, H), "cpu_gru", "C++ GRU loop"),
    ]
    for layer, backend, why in cases:
        x = torch.randn(2, 3, layer.input_size)
        if isinstance(layer.cells()[0], TimeAware):  # [x, mask, delta]: a mask of 0 and 1 and gaps >= 0, refused else
            x = rnnkit.time_aware_inputs(torch.randn(2, 3, layer.input_size // 3))
        layer(x)
        assert layer.last_backend == backend, (type(layer).__name__, layer.last_backend_reason)
        assert why in layer.last_backend_reason


class DoubledLSTMCell(LSTMCell):
    """A user's cell: a subclass whose step differs, which the C++ loop must not take for an LSTMCell."""

    def step(self, xw_t, state):
        h, new = super().step(xw_t, state)
        return 2 * h, new


def test_refuses_with_its_reason():
    user = rnnkit.Stacked([rnnkit.Recurrent(DoubledLSTMCell(F, H))])
    x = torch.randn(2, 3, F)
    user(x)
    assert user.last_backend == "reference"
    assert "cpu_loop: the C++ CPU loop has no step for DoubledLSTMCell" in user.last_backend_reason
    user.backend = "cpu_loop"
    with pytest.raises(ValueError, match="cpu_loop.*no step for DoubledLSTMCell"):
        user(x)
    scan = rnnkit.MinGRU(F, H, backend="cpu_loop")
    with pytest.raises(ValueError, match="mode='parallel'"):
        scan(x, mode="parallel")
    half = rnnkit.LayerNormLSTM(F, H, backend="cpu_loop").to(torch.bfloat16)
    with pytest.raises(ValueError, match="float32 and float64"):
        half(x.to(torch.bfloat16))
    traced = rnnkit.LayerNormLSTM(F, H)
    traced.layers[0].trace = []
    traced(x)
    assert traced.last_backend == "reference" and "trace" in traced.last_backend_reason
    assert len(traced.layers[0].trace) == 3


def test_build_failure_is_the_reason(monkeypatch):
    """Without a compiler the path is passed over by auto, with the build's reason (no exception)."""
    monkeypatch.setattr(cpu_loop, "build", lambda: (False, "no C++ compiler 'c++' on PATH to build it"))
    layer = rnnkit.LayerNormLSTM(F, H)
    layer(torch.randn(2, 3, F))
    assert layer.last_backend == "reference"
    assert "cpu_loop: no C++ compiler" in layer.last_backend_reason


def test_time_aware_decays_with_imputation_equal_the_reference():
    """GRU-D's input decay and imputation (C++, hand-written backward) and hidden decay (in the loop): a
    non-zero x_mean, masks in [0, 2] with exact zeros (m != 0 counts as observed), decays on both sides of the
    relu, against the reference, values and every gradient (x, m and delta included)."""
    layer = stack(TIME_AWARE["time_aware_lstm"], bi=True)
    with torch.no_grad():
        for cell in layer.cells():
            cell.x_mean.copy_(torch.randn(cell.n_features, dtype=torch.float64))
            cell.b_x.copy_(torch.linspace(-1, 1, cell.n_features, dtype=torch.float64))
            cell.decay_h.bias.copy_(torch.linspace(-1, 1, H, dtype=torch.float64))
    x, lens, state = inputs(layer, [5, 2, 4], True)
    f = layer.input_size // 3
    g = torch.Generator().manual_seed(3)
    m = 2 * torch.rand(B, T, f, generator=g, dtype=torch.float64)
    x[..., f : 2 * f] = torch.where(m < 0.8, 0.0, m)
    reference = copy.deepcopy(layer)
    reference.backend = "reference"
    values, grads, backend = run(layer, x, lens, state)
    values_ref, grads_ref, _ = run(reference, x, lens, state)
    assert backend == "cpu_loop"
    for a, b in zip([*values, *grads], [*values_ref, *grads_ref], strict=True):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("name", ["lstm", "gru", "elman_tanh", "layernorm_lstm", "time_aware_lstm",
                                  "time_aware_layernorm_lstm"])
def test_the_loop_takes_the_biases_the_norm_and_the_decays_itself(name, monkeypatch):
    """The input bias of the LSTM, GRU and Elman cells (added per step with b_hh), LayerNorm-LSTM's input norm
    and TimeAware's decays run in the C++ code: with the cells' own project made to fail, the loop still answers
    (and equals the reference, above)."""
    layer = stack({**CELLS, **TIME_AWARE}[name])
    x, lens, state = inputs(layer, [5, 2, 4], True)

    def refuse(*_):
        raise AssertionError("the cell's project ran")

    for cell in layer.cells():
        monkeypatch.setattr(cell, "project", refuse)
        if isinstance(cell, TimeAware):
            monkeypatch.setattr(cell, "impute", refuse)
            monkeypatch.setattr(cell.cell, "project", refuse)
    values, grads, backend = run(layer, x, lens, state)
    assert backend == "cpu_loop"
    assert all(torch.isfinite(v).all() for v in values)


# -- the buffers the loop keeps between calls -----------------------------------------------------------------
def test_kept_buffers_are_reused_once_free():
    """After a forward + backward whose tensors are all dropped, the next call of the same size writes into the
    same memory (no fresh pages) and still equals the reference."""
    layer = stack(CELLS["lstm"], zoneout=0.2)
    x, lens, state = inputs(layer, [5, 2, 4], True)
    cpu_loop.release_buffers()
    out, _ = layer(x, lens)
    first = out.data_ptr()
    out.sum().backward()
    size = out.shape
    del out
    filler = torch.empty(size, dtype=torch.float64)  # what a freed block would go to next
    out2, _ = layer(x, lens)
    assert out2.data_ptr() == first != filler.data_ptr()
    del out2
    assert_same_as_reference(layer)


@pytest.mark.parametrize("backward", [False, True])
def test_a_held_output_is_never_overwritten(backward):
    """An output the caller still holds (with or without its graph) keeps its values through later calls."""
    layer = stack(CELLS["layernorm_lstm"], layers=2, bi=True, hidden_dropout=0.3)
    x, lens, _ = inputs(layer, [5, 2, 4], False)
    out1, _ = layer(x, lens)
    kept = out1.detach().clone()
    if backward:
        out1.sum().backward()
    for seed in range(3):  # other inputs through the same layer
        out, _ = layer(inputs(layer, [4, 5, 1], False, seed=seed + 1)[0], lens)
        out.sum().backward()
    torch.testing.assert_close(out1.detach(), kept, atol=0, rtol=0)


def test_graphs_alive_together_keep_their_own_buffers():
    """Two forwards before either backward (their saved activations alive at once): each backward gives the
    gradients it would alone."""
    layer = stack(TIME_AWARE["time_aware_lstm"])
    xa, lens, _ = inputs(layer, [5, 2, 4], False, seed=3)
    xb = inputs(layer, [5, 2, 4], False, seed=4)[0]
    alone = [torch.autograd.grad(layer(x, lens)[0].sum(), list(layer.parameters())) for x in (xa, xb)]
    loss_a, loss_b = layer(xa, lens)[0].sum(), layer(xb, lens)[0].sum()
    together = [torch.autograd.grad(loss, list(layer.parameters())) for loss in (loss_b, loss_a)][::-1]
    for g_alone, g_together in zip(alone, together, strict=True):
        for a, b in zip(g_alone, g_together, strict=True):
            torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_release_buffers_then_the_loop_runs_as_before():
    layer = stack(CELLS["gru"], zoneout=0.1)
    layer(*inputs(layer, [5, 2, 4], False)[:2])[0].sum().backward()
    cpu_loop.release_buffers()
    assert_same_as_reference(layer)
