"""The lean streaming step (rnnkit.kernels.step.inference_step) against the cell's reference step.

Every built-in cell (with and without biases, Elman with relu), float32 and float64, batch 1 and a batch:
one step equals ``cell.step(cell.project(x_t), state)``; stepped over a sequence it equals the layer's
full-sequence output and final state; it reads the parameters as they are at each call (after an optimizer
step or a load_state_dict); it really ran (the reference step patched to fail) and says what runs and why.
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
)
from rnnkit.cells.base import state_fields
from rnnkit.kernels.step import inference_step, step_backend

F, H = 5, 7

CELLS = {
    "lstm": lambda: LSTMCell(F, H),
    "lstm_nobias": lambda: LSTMCell(F, H, bias=False),
    "gru": lambda: GRUCell(F, H),
    "gru_nobias": lambda: GRUCell(F, H, bias=False),
    "elman": lambda: ElmanCell(F, H),
    "elman_relu": lambda: ElmanCell(F, H, nonlinearity="relu"),
    "layernorm_lstm": lambda: LayerNormLSTMCell(F, H),
    "layernorm_lstm_nobias": lambda: LayerNormLSTMCell(F, H, bias=False),
    "min_gru": lambda: MinGRUCell(F, H),
    "min_gru_nobias": lambda: MinGRUCell(F, H, bias=False),
    "min_lstm": lambda: MinLSTMCell(F, H),
    "min_lstm_nobias": lambda: MinLSTMCell(F, H, bias=False),
}
TOL = {torch.float32: 1e-6, torch.float64: 1e-12}


def make(name, dtype=torch.float64, seed=0):
    """A cell with every parameter moved off its init (gains 1, shifts 0 hide mistakes) by random values."""
    torch.manual_seed(seed)
    cell = CELLS[name]().to(dtype)
    with torch.no_grad():
        for p in cell.parameters():
            p.copy_(torch.randn_like(p) * 0.6)
    return cell


def random_state(cell, batch, dtype):
    fields = [torch.randn(batch, H, dtype=dtype) for _ in state_fields(cell.zero_state(1))]
    return fields[0] if cell.state_type is None else cell.state_type(*fields)


def assert_states(got, want, tol):
    for a, b in zip(state_fields(got), state_fields(want), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=tol)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("name", list(CELLS))
def test_one_step_equals_the_reference_step(name, batch, dtype):
    cell = make(name, dtype)
    x = torch.randn(batch, F, dtype=dtype) * 2  # large enough that relu, g's two sides and saturation all occur
    state = random_state(cell, batch, dtype)
    with torch.inference_mode():
        assert step_backend(cell)[0] == "lean"
        y, new = inference_step(cell, x, state)
        y_ref, new_ref = cell.step(cell.project(x), state)
    torch.testing.assert_close(y, y_ref, rtol=0, atol=TOL[dtype])
    assert_states(new, new_ref, TOL[dtype])
    assert type(new) is type(new_ref)


@pytest.mark.parametrize("name", list(CELLS))
def test_steps_over_a_sequence_equal_the_layer(name):
    cell = make(name)
    layer = rnnkit.Recurrent(cell)
    x = torch.randn(2, 9, F, dtype=torch.float64) * 2
    with torch.inference_mode():
        out, final = layer(x)
        state = cell.zero_state(2, dtype=torch.float64)
        ys = []
        for t in range(x.shape[1]):
            y, state = inference_step(cell, x[:, t], state)
            ys.append(y)
    torch.testing.assert_close(torch.stack(ys, 1), out, rtol=0, atol=1e-12)
    assert_states(state, final, 1e-12)


@pytest.mark.parametrize("name", ["lstm", "gru", "layernorm_lstm", "min_lstm"])
def test_parameter_changes_are_seen_at_the_next_step(name):
    """An optimizer step (in place) and a load_state_dict between two steps: a step that kept weights (or
    anything derived from them) from its first call would give the old cell's output."""
    cell = make(name, torch.float32)
    x, state = torch.randn(1, F), random_state(cell, 1, torch.float32)
    with torch.inference_mode():
        before, _ = inference_step(cell, x, state)
    loss = cell.step(cell.project(x), state)[0].sum()
    loss.backward()
    torch.optim.SGD(cell.parameters(), lr=0.5).step()
    with torch.inference_mode():
        after, _ = inference_step(cell, x, state)
        want, _ = cell.step(cell.project(x), state)
    assert (after - before).abs().max() > 1e-3  # the step changed the output, so a stale step would be caught
    torch.testing.assert_close(after, want, rtol=0, atol=1e-6)
    cell.load_state_dict(make(name, torch.float32, seed=1).state_dict())
    with torch.inference_mode():
        loaded, _ = inference_step(cell, x, state)
        want, _ = cell.step(cell.project(x), state)
    assert (loaded - after).abs().max() > 1e-3
    torch.testing.assert_close(loaded, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", list(CELLS))
def test_the_lean_step_ran(name, monkeypatch):
    """With the cell's reference project and step made to fail, the lean step still answers."""
    cell = make(name)
    x, state = torch.randn(1, F, dtype=torch.float64), random_state(cell, 1, torch.float64)

    def refuse(*_):
        raise AssertionError("the reference step ran")

    monkeypatch.setattr(cell, "step", refuse)
    monkeypatch.setattr(cell, "project", refuse)
    with torch.inference_mode():
        inference_step(cell, x, state)
    with torch.no_grad():
        inference_step(cell, x, state)


def test_the_reference_runs_where_the_lean_step_does_not_apply():
    """Autograd on and a subclass that changes the step: the reference step, with the reason (TimeAware's:
    tests/test_fastpath_step_time_aware.py)."""
    cell = make("lstm")
    x, state = torch.randn(1, F, dtype=torch.float64), random_state(cell, 1, torch.float64)
    backend, reason = step_backend(cell)
    assert backend == "reference" and "autograd" in reason
    y, _ = inference_step(cell, x, state)
    assert y.requires_grad  # it runs the reference's differentiable maths
    torch.testing.assert_close(y, cell.step(cell.project(x), state)[0], rtol=0, atol=0)

    class Doubled(LSTMCell):
        def step(self, xw_t, state):
            h, new = super().step(xw_t, state)
            return 2 * h, new

    doubled = Doubled(F, H).double()
    with torch.inference_mode():
        backend, reason = step_backend(doubled)
        assert backend == "reference" and "Doubled" in reason
        y, _ = inference_step(doubled, x, state)
        torch.testing.assert_close(y, doubled.step(doubled.project(x), state)[0], rtol=0, atol=0)


@pytest.mark.parametrize("shape", [(1, F + 1), (F,), (1, 1, F)])
def test_a_step_of_the_wrong_shape_is_refused(shape):
    cell = make("lstm")
    with torch.inference_mode(), pytest.raises(ValueError, match=rf"x_t has shape .*\(batch, {F}\)"):
        inference_step(cell, torch.zeros(shape, dtype=torch.float64), cell.zero_state(1, dtype=torch.float64))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", ["layernorm_lstm", "layernorm_lstm_nobias"])
def test_layernorm_lstm_runs_the_cpp_step_or_says_why_not(name, dtype, monkeypatch):
    """On CPU the LayerNorm-LSTM step is the C++ loop's (the group_norm step patched to fail, it still answers);
    without the extension, the group_norm step, with the build's reason. Both equal the reference."""
    from rnnkit.kernels import cpu_loop, step

    cell = make(name, dtype)
    x, state = torch.randn(3, F, dtype=dtype) * 2, random_state(cell, 3, dtype)
    with torch.inference_mode():
        want_y, want = cell.step(cell.project(x), state)
        assert "C++" in step_backend(cell)[1]
        with monkeypatch.context() as patch:
            patch.setitem(step._LEAN, LayerNormLSTMCell, (lambda *_: pytest.fail("the group_norm step ran"), ""))
            y, new = inference_step(cell, x, state)
        torch.testing.assert_close(y, want_y, rtol=0, atol=TOL[dtype])
        assert_states(new, want, TOL[dtype])
        monkeypatch.setattr(cpu_loop, "build", lambda: (False, "no C++ compiler 'c++' on PATH"))
        backend, reason = step_backend(cell)
        assert backend == "lean" and "lean LayerNorm-LSTM step" in reason and "no C++ compiler" in reason
        y, new = inference_step(cell, x, state)
    torch.testing.assert_close(y, want_y, rtol=0, atol=TOL[dtype])
    assert_states(new, want, TOL[dtype])
