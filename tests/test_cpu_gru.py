"""The C++ CPU GRU (backend "cpu_gru") against torch.nn.GRU: outputs, final states, every gradient.

The extension is built on the first test (about 30-60 s on 2 cores) into TORCH_EXTENSIONS_DIR and loaded from
there afterwards; a failed build fails the tests with the predicate's reason (CI has g++ and ninja).
"""

import itertools
from pathlib import Path

import pytest
import torch
from test_layers import _torch_run
from torch import nn
from torch.utils import cpp_extension

import rnnkit
from rnnkit.kernels import cpu_gru


@pytest.fixture(scope="module", autouse=True)
def extension():
    ok, reason = cpu_gru.build()
    assert ok, reason


CASES = [
    # (num_layers, bidirectional, lengths, given_state, bias, dtype)
    *[(L, bi, lens, given, True, torch.float32) for L, bi, lens, given in itertools.product(
        (1, 2), (False, True), (None, [6, 1, 4]), (False, True))],
    (2, True, [6, 1, 4], True, False, torch.float32),
    (2, True, [6, 1, 4], True, True, torch.float64),
    (1, False, None, False, False, torch.float64),
]


@pytest.mark.parametrize("L,bi,lengths,given,bias,dtype", CASES)
def test_equals_torch_nn_gru(L, bi, lengths, given, bias, dtype):
    B, T, F, H = 3, 6, 3, 5
    ref = nn.GRU(F, H, num_layers=L, bidirectional=bi, bias=bias, batch_first=True, dtype=dtype)
    layer = rnnkit.GRU.from_torch(ref, backend="cpu_gru")
    x = torch.randn(B, T, F, dtype=dtype)
    lens = None if lengths is None else torch.tensor(lengths)
    s0 = torch.randn(B, L * (2 if bi else 1), H, dtype=dtype) if given else None
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    s1 = None if s0 is None else s0.clone().requires_grad_()
    s2 = None if s0 is None else s0.clone().requires_grad_()
    out1, h1 = layer(x1, lens, s1)
    out2, (h2,) = _torch_run(ref, x2, lens, s2)
    assert layer.last_backend == "cpu_gru"
    torch.testing.assert_close(out1, out2, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(h1, h2, atol=1e-5, rtol=1e-5)

    w_out, w_h = torch.randn_like(out1), torch.randn_like(h1)
    ((out1 * w_out).sum() + (h1 * w_h).sum()).backward()
    ((out2 * w_out).sum() + (h2 * w_h).sum()).backward()
    torch.testing.assert_close(x1.grad, x2.grad, atol=1e-5, rtol=1e-5)
    if given:
        torch.testing.assert_close(s1.grad, s2.grad, atol=1e-5, rtol=1e-5)
    D = 2 if bi else 1
    for k, cell in enumerate(layer.cells()):
        suffix = f"_l{k // D}" + ("_reverse" if k % D else "")
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh") if bias else ("weight_ih", "weight_hh"):
            torch.testing.assert_close(getattr(cell, name).grad, getattr(ref, name + suffix).grad,
                                       atol=1e-5, rtol=1e-5, msg=f"gradient of {name}{suffix}")


def test_gradcheck_float64_with_lengths():
    B, T, H = 3, 4, 2
    xw = torch.randn(B, T, 3 * H, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(B, H, dtype=torch.float64, requires_grad=True)
    w_hh = torch.randn(3 * H, H, dtype=torch.float64, requires_grad=True)
    b_hh = torch.randn(3 * H, dtype=torch.float64, requires_grad=True)
    lengths = torch.tensor([4, 1, 3])
    loop = lambda *a: cpu_gru._GRULoop.apply(*a, lengths, True)
    assert torch.autograd.gradcheck(loop, (xw, h0, w_hh, b_hh))


def test_learned_initial_state_and_eval_without_grad_equal_reference():
    layer = rnnkit.GRU(3, 4, num_layers=2, bidirectional=True, learn_initial_state=True)
    with torch.no_grad():
        for p in layer.parameters():
            p.add_(0.1 * torch.randn_like(p))
    x, lengths = torch.randn(3, 5, 3), torch.tensor([5, 2, 4])
    results = {}
    for backend in ("cpu_gru", "reference"):
        layer.backend = backend
        layer.zero_grad()
        out, h = layer(x, lengths)
        (out.sum() + h.sum()).backward()
        with torch.no_grad():
            out_eval, _ = layer(x, lengths)  # the no-grad forward keeps no gates for a backward
        results[backend] = [out, h, out_eval, *(p.grad for p in layer.parameters())]
    for a, b in zip(results["cpu_gru"], results["reference"], strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)


def test_auto_picks_cpu_gru_and_it_really_ran(monkeypatch):
    """On CPU auto runs the C++ loop for a GRU: neither torch's GRU kernel nor the reference loop runs."""
    layer = rnnkit.GRU(3, 4, num_layers=2)
    calls, real = [], cpu_gru._GRULoop.apply
    monkeypatch.setattr(cpu_gru._GRULoop, "apply", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(torch._VF, "gru", lambda *a: pytest.fail("torch's GRU kernel ran"))
    monkeypatch.setattr(type(layer), "forward_reference", lambda *a: pytest.fail("reference path ran"))
    monkeypatch.setattr(rnnkit.Recurrent, "steps", lambda *a: pytest.fail("reference time loop ran"))
    out, _ = layer(torch.randn(2, 5, 3))
    out.sum().backward()
    assert calls == [1, 1] and layer.last_backend == "cpu_gru"
    assert "C++ GRU loop" in layer.last_backend_reason


def test_predicate_says_why_not_and_auto_falls_back(monkeypatch):
    x = torch.randn(2, 5, 3)
    assert not cpu_gru.can_use_cpu_gru(rnnkit.LSTM(3, 4), x)[0]
    ok, reason = cpu_gru.can_use_cpu_gru(rnnkit.GRU(3, 4, zoneout=0.1), x)
    assert not ok and "zoneout" in reason
    assert "float32 and float64" in cpu_gru.can_use_cpu_gru(rnnkit.GRU(3, 4).half(), x.half())[1]
    # A machine without ninja cannot build the extension: a decided "no" with the reason, never a crash.
    monkeypatch.setattr(cpp_extension, "is_ninja_available", lambda: False)
    cpu_gru.build.cache_clear()
    try:
        layer = rnnkit.GRU(3, 4)
        assert cpu_gru.can_use_cpu_gru(layer, x)[0]  # the predicate reads the configuration only
        ok, reason = cpu_gru.available()
        assert not ok and "not built yet" in reason  # asking never builds
        layer(x)  # the dispatch point's build step runs, fails, and says why
        assert layer.last_backend == "native" and "cpu_gru: " in layer.last_backend_reason
        assert "ninja" in layer.last_backend_reason
        ok, reason = cpu_gru.available()
        assert not ok and "ninja" in reason  # the failed build is cached, not retried
        with pytest.raises(ValueError, match="ninja"):
            rnnkit.GRU(3, 4, backend="cpu_gru")(x)
    finally:
        monkeypatch.undo()
        cpu_gru.build.cache_clear()


def test_the_predicate_never_builds(monkeypatch):
    """Asking whether the path can run, for any layer, compiles nothing; only the dispatch's build step does."""
    builds = []
    monkeypatch.setattr(cpp_extension, "load_inline", lambda *a, **k: builds.append(1))
    cpu_gru.build.cache_clear()
    try:
        x = torch.randn(2, 5, 3)
        for layer in (rnnkit.GRU(3, 4), rnnkit.GRU(3, 4, num_layers=2, bidirectional=True), rnnkit.LSTM(3, 4)):
            cpu_gru.can_use_cpu_gru(layer, x)
            cpu_gru.available()
        assert builds == []
        rnnkit.GRU(3, 4, backend="native")(x)
        assert builds == []  # another forced path does not build either
        assert cpu_gru.build()[0] and builds == [1]
        assert cpu_gru.build()[0] and builds == [1]  # cached
    finally:
        monkeypatch.undo()
        cpu_gru.build.cache_clear()
        assert cpu_gru.build()[0]  # the real extension again for the other tests


def test_one_call_builds_both_cpu_loops_as_install_does():
    """``rnnkit.kernels.build()`` (what ``make install`` runs) compiles or loads both C++ loops and says so, so a
    user's first fit loads them instead of compiling; the layers then find them built."""
    import rnnkit.kernels
    from rnnkit.kernels import cpu_loop

    outcome = rnnkit.kernels.build()
    assert set(outcome) == {"cpu_gru", "cpu_loop"}
    assert outcome["cpu_gru"] == cpu_gru.build() and outcome["cpu_loop"] == cpu_loop.build()
    assert all(ok for ok, _ in outcome.values()), outcome  # the test machines have a compiler
    assert cpu_gru.available()[0]


def test_a_build_killed_half_way_leaves_no_lock_to_wait_on(tmp_path):
    """A build stopped half-way leaves torch's lock file, on which torch would wait forever: rnnkit's builds hold an
    OS lock the system releases when the process ends, so a second process waits while a build lives (not a
    fixed time), and takes over, removing torch's leftover with a warning, the moment the builder is killed."""
    import signal
    import subprocess
    import sys

    from filelock import Timeout

    directory = tmp_path / "rnnkit_some_loop"
    directory.mkdir()
    builder = subprocess.Popen(  # a build in progress: holds the lock, has written torch's, never ends by itself
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from rnnkit.kernels import cpu_gru; "
         "d = Path(sys.argv[1]); lock = cpu_gru.build_lock(d); lock.acquire(); (d / 'lock').touch(); "
         "print('building', flush=True); time.sleep(600)", str(directory)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert builder.stdout.readline().strip() == "building"
        with pytest.raises(Timeout):  # a live build is waited for, however old its lock
            cpu_gru.build_lock(directory).acquire(timeout=0.5)
        assert (directory / "lock").exists()
    finally:
        builder.send_signal(signal.SIGKILL)
        builder.wait()
    with cpu_gru.build_lock(directory).acquire(timeout=10):
        with pytest.warns(RuntimeWarning, match="left 0 minutes ago by an interrupted build of rnnkit_some_loop"):
            assert cpu_gru.clear_stale_lock(directory)
        assert not (directory / "lock").exists()
        assert not cpu_gru.clear_stale_lock(directory)  # nothing to do without a lock


def test_the_extension_builds_past_a_leftover_lock():
    """torch's lock left in the real build directory (a build killed there): the next build removes it, warns, and
    loads the extension instead of hanging."""
    directory = Path(cpp_extension._get_build_directory("rnnkit_cpu_gru", verbose=False))
    (directory / "lock").touch()
    cpu_gru.build.cache_clear()
    try:
        with pytest.warns(RuntimeWarning, match="interrupted build of rnnkit_cpu_gru"):
            ok, reason = cpu_gru.build()
        assert ok, reason
        assert not (directory / "lock").exists()
    finally:
        (directory / "lock").unlink(missing_ok=True)
        cpu_gru.build.cache_clear()
        assert cpu_gru.build()[0]
