"""The lean streaming step of a TimeAware (GRU-D) cell: rnnkit.kernels.step.inference_step on a Stream.

Around every built-in cell, float32 and float64, batch 1, a batch and a batch past the C++ step's dot-product
size, with the C++ CPU loop's ``time_aware_step`` and without it (the torch form): one step equals the
reference ``TimeAware.stream_step``; stepped over a sequence with missing values it equals the layer's
full-sequence output and final state; it reads the parameters as they are at each call; it really ran (the
reference patched to fail) and says what runs and why; a state that is not a Stream is refused.
"""

import pytest
import torch

import rnnkit
from rnnkit.cells import (
    ElmanCell,
    GRUCell,
    LayerNormLSTMCell,
    LSTMCell,
    MinGRUCell,
    MinLSTMCell,
    TimeAware,
    time_aware_inputs,
)
from rnnkit.cells.base import state_fields
from rnnkit.cells.time_aware import Stream
from rnnkit.kernels import cpu_loop
from rnnkit.kernels.step import inference_step, step_backend

F, H = 4, 6
INNER = {"lstm": LSTMCell, "gru": GRUCell, "elman": ElmanCell,
         "elman_relu": lambda f, h: ElmanCell(f, h, nonlinearity="relu"),
         "lstm_nobias": lambda f, h: LSTMCell(f, h, bias=False), "gru_nobias": lambda f, h: GRUCell(f, h, bias=False),
         "layernorm_lstm": LayerNormLSTMCell, "min_gru": MinGRUCell, "min_lstm": MinLSTMCell}
TOL = {torch.float32: 2e-6, torch.float64: 1e-12}


def make(name, dtype=torch.float64, seed=0, features=F, hidden=H):
    """A TimeAware cell with every parameter and x_mean moved off its init (the decays' zeros hide mistakes)."""
    torch.manual_seed(seed)
    cell = TimeAware(INNER[name](2 * features, hidden)).to(dtype)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn_like(p) * 0.6)
        cell.x_mean.copy_(torch.randn(features))
    return cell


def inputs(batch, steps, dtype, features=F, seed=1):
    """[x, m, delta] of values with about 40 % missing, at irregular times."""
    g = torch.Generator().manual_seed(seed)
    values = torch.randn(batch, steps, features, dtype=torch.float64, generator=g) * 2
    values[torch.rand(batch, steps, features, generator=g) < 0.4] = float("nan")
    times = torch.cumsum(torch.rand(batch, steps, dtype=torch.float64, generator=g) * 2 + 0.1, dim=1)
    return time_aware_inputs(values, times).to(dtype)


def random_stream(cell, batch, dtype):
    fields = [torch.randn(batch, cell.hidden_size, dtype=dtype) for _ in state_fields(cell.zero_state(1))]
    state = fields[0] if cell.state_type is None else cell.state_type(*fields)
    return Stream(state, torch.randn(batch, cell.n_features, dtype=dtype))


def assert_streams(got, want, tol):
    assert type(got) is Stream and type(got.state) is type(want.state)
    for a, b in zip([*state_fields(got.state), got.x_last], [*state_fields(want.state), want.x_last], strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=tol)


@pytest.fixture(params=["cpp", "torch"])
def path(request, monkeypatch):
    """The C++ step (on CPU, once built), or the torch form as where the extension cannot be built."""
    if request.param == "torch":
        monkeypatch.setattr(cpu_loop, "build", lambda: (False, "no C++ compiler 'c++' on PATH"))
    return request.param


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("name", list(INNER))
def test_one_step_equals_the_reference(name, batch, dtype, path):
    cell = make(name, dtype)
    x, stream = inputs(batch, 3, dtype)[:, 2], random_stream(cell, batch, dtype)
    with torch.inference_mode():
        backend, reason = step_backend(cell)
        assert backend == "lean" and ("C++ CPU loop's TimeAware step" in reason) == (path == "cpp"), reason
        y, new = inference_step(cell, x, stream)
        y_ref, new_ref = cell.stream_step(x, stream)
    torch.testing.assert_close(y, y_ref, rtol=0, atol=TOL[dtype])
    assert_streams(new, new_ref, TOL[dtype])


@pytest.mark.parametrize("name", list(INNER))
def test_steps_over_a_sequence_equal_the_layer(name, path):
    """From stream_start, step by step, the outputs and final state of the layer over the whole sequence (whose
    projection finds x_last by looking back; the stream carries it)."""
    cell = make(name)
    layer = rnnkit.Recurrent(cell)
    x = inputs(2, 9, torch.float64)
    with torch.inference_mode():
        out, final = layer(x)
        stream, ys = cell.stream_start(2, dtype=torch.float64), []
        for t in range(x.shape[1]):
            y, stream = inference_step(cell, x[:, t], stream)
            ys.append(y)
    torch.testing.assert_close(torch.stack(ys, 1), out, rtol=0, atol=1e-12)
    for a, b in zip(state_fields(stream.state), state_fields(final), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)


def test_a_batch_past_the_dot_product_size_equals_the_reference(path):
    """Past 2**18 multiply-adds of W_h delta the C++ step takes a GEMM instead of its dot products."""
    features, hidden, batch = 16, 40, 420  # 420 * 40 * 16 = 268800 > 2**18
    cell = make("gru", torch.float32, features=features, hidden=hidden)
    x, stream = inputs(batch, 2, torch.float32, features=features)[:, 1], random_stream(cell, batch, torch.float32)
    with torch.inference_mode():
        y, new = inference_step(cell, x, stream)
        y_ref, new_ref = cell.stream_step(x, stream)
    torch.testing.assert_close(y, y_ref, rtol=0, atol=TOL[torch.float32])
    assert_streams(new, new_ref, TOL[torch.float32])


def test_the_lean_step_ran(path, monkeypatch):
    """With the reference (stream_step, project_step, step and the inner cell's project and step) made to fail,
    the lean step still answers, under inference_mode and no_grad."""
    cell = make("lstm")
    x, stream = inputs(1, 2, torch.float64)[:, 1], random_stream(cell, 1, torch.float64)

    def refuse(*_):
        raise AssertionError("the reference step ran")

    for module, name in [(cell, "stream_step"), (cell, "project_step"), (cell, "step"), (cell, "project"),
                         (cell.cell, "step"), (cell.cell, "project")]:
        monkeypatch.setattr(module, name, refuse)
    with torch.inference_mode():
        inference_step(cell, x, stream)
    with torch.no_grad():
        inference_step(cell, x, stream)


@pytest.mark.parametrize("name", ["lstm", "gru", "elman_relu"])
def test_the_cpp_step_runs_the_inner_lstm_gru_and_elman_step_itself(name, monkeypatch):
    """Around an LSTM, GRU or Elman cell the C++ call takes the inner step too: the inner cell's lean step (and
    its reference) patched to fail, it still answers, equal to the reference computed before the patch."""
    from rnnkit.kernels import step

    cell = make(name, torch.float32)
    x, stream = inputs(2, 2, torch.float32)[:, 1], random_stream(cell, 2, torch.float32)
    with torch.inference_mode():
        assert f"with the {type(cell.cell).__name__}'s step in it" in step_backend(cell)[1]
        y_ref, new_ref = cell.stream_step(x, stream)
        monkeypatch.setitem(step._LEAN, type(cell.cell), (lambda *_: pytest.fail("the inner lean step ran"), ""))
        monkeypatch.setattr(cell.cell, "step", lambda *_: pytest.fail("the inner reference step ran"))
        y, new = inference_step(cell, x, stream)
    torch.testing.assert_close(y, y_ref, rtol=0, atol=TOL[torch.float32])
    assert_streams(new, new_ref, TOL[torch.float32])


def test_a_cell_without_a_lean_step_inside_runs_its_reference_step():
    class Doubled(LSTMCell):
        def step(self, xw_t, state):
            h, new = super().step(xw_t, state)
            return 2 * h, new

    torch.manual_seed(0)
    cell = TimeAware(Doubled(2 * F, H)).double()
    x, stream = inputs(2, 2, torch.float64)[:, 1], random_stream(cell, 2, torch.float64)
    with torch.inference_mode():
        backend, reason = step_backend(cell)
        assert backend == "lean" and "then Doubled's reference step" in reason
        y, new = inference_step(cell, x, stream)
        y_ref, new_ref = cell.stream_step(x, stream)
    torch.testing.assert_close(y, y_ref, rtol=0, atol=1e-12)
    assert_streams(new, new_ref, 1e-12)


def test_autograd_on_and_a_subclass_run_the_reference():
    cell = make("gru")
    x, stream = inputs(1, 2, torch.float64)[:, 1], random_stream(cell, 1, torch.float64)
    assert step_backend(cell)[0] == "reference"
    y, _ = inference_step(cell, x, stream)
    assert y.requires_grad
    torch.testing.assert_close(y, cell.stream_step(x, stream)[0], rtol=0, atol=0)

    class Shifted(TimeAware):
        def stream_step(self, x_t, stream):
            y, new = super().stream_step(x_t, stream)
            return y + 1, new

    shifted = Shifted(GRUCell(2 * F, H)).double()
    with torch.inference_mode():
        assert step_backend(shifted)[0] == "reference"
        y, _ = inference_step(shifted, x, stream)
        torch.testing.assert_close(y, shifted.stream_step(x, stream)[0], rtol=0, atol=0)


def test_parameter_and_mean_changes_are_seen_at_the_next_step(path):
    cell = make("lstm", torch.float32)
    x, stream = inputs(1, 2, torch.float32)[:, 1], random_stream(cell, 1, torch.float32)
    assert (x[:, F : 2 * F] == 0).any()  # a missing feature, so that the decay and the mean are read
    with torch.inference_mode():
        before, _ = inference_step(cell, x, stream)
    with torch.no_grad():
        cell.w_x.add_(1.0)
        cell.decay_h.bias.sub_(1.0)
    cell.set_mean(torch.randn(5, F) + 3, torch.ones(5, F))
    with torch.inference_mode():
        after, _ = inference_step(cell, x, stream)
        want, _ = cell.stream_step(x, stream)
    assert (after - before).abs().max() > 1e-3
    torch.testing.assert_close(after, want, rtol=0, atol=TOL[torch.float32])


@pytest.mark.parametrize("state", ["zero_state", "tuple"])
def test_a_state_that_is_not_a_stream_is_refused(state):
    cell = make("lstm")
    given = cell.zero_state(1, dtype=torch.float64)
    if state == "tuple":
        given = (given, cell.x_mean[None].double())
    with torch.inference_mode(), pytest.raises(ValueError, match=r"inference_step: a TimeAware cell .* state must be "
                                                                 r"a Stream .* cell.stream_start\(batch_size\)"):
        inference_step(cell, inputs(1, 1, torch.float64)[:, 0], given)


def test_stream_start_begins_at_the_mean():
    cell = make("gru", torch.float32)
    stream = cell.stream_start(3)
    assert stream.x_last.shape == (3, F) and torch.equal(stream.x_last, cell.x_mean.expand(3, F))
    assert torch.equal(stream.state, torch.zeros(3, H))
    stream.x_last.add_(1)  # its own storage: the buffer is not written through it
    assert not torch.equal(stream.x_last, cell.x_mean.expand(3, F))
