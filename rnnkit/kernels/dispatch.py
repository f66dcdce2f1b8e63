"""The one dispatch point between the reference unroller and the fast paths.

``run_layer(layer, ...)`` asks each fast path's predicate ``can_use_X(layer, x) -> (ok, reason)`` and runs:

- ``backend="reference"``: the readable loop, always;
- ``backend=<a fast path>``: that path, or ``ValueError`` with its predicate's reason;
- ``backend="auto"``: the first fast path whose predicate holds and that is ready (below), in the order of
  ``FAST_PATHS``, else the reference loop.

The fast paths:

- ``"cpu_gru"`` (:mod:`.cpu_gru`): a C++ GRU loop with a hand-written backward, on CPU; first, because on
  CPU it beats torch's own GRU kernel (docs/kernels.md);
- ``"native"`` (:mod:`.native`): torch's fused RNN kernels (cuDNN on GPU, ATen/oneDNN on CPU);
- ``"fused"`` (:mod:`.fused`): rnnkit's Triton kernels, for the cells cuDNN cannot run (LayerNorm-LSTM,
  minGRU, minLSTM, configurations torch has no kernel for); on GPU, or on CPU in Triton's interpreter when
  forced;
- ``"cpu_loop"`` (:mod:`.cpu_loop`): a C++ loop with a hand-written backward for every built-in cell on CPU
  that the paths before it do not take (LayerNorm-LSTM, minGRU and minLSTM in sequential mode, TimeAware
  around any cell, any cell with recurrent dropout or zoneout); last, so that torch's kernels and the C++
  GRU keep what they run.

A predicate looks at the configuration only: it never compiles and never runs a kernel. What a path needs
once before its first use in a process is a separate step, :func:`prepare`, whose outcome is cached:

- ``cpu_gru``, ``cpu_loop``: build the C++ extension (or load the cached build), :func:`rnnkit.kernels.cpu_gru.build`,
  :func:`rnnkit.kernels.cpu_loop.build`;
- ``fused`` on a device (not Triton's CPU interpreter, where the tests verify it): for ``auto``, a
  self-check against the reference on a small random batch, values and gradients (:func:`self_check`),
  once per device and layer configuration. ``auto`` uses the kernels only if it passed; a forced
  ``backend="fused"`` skips the check and runs them.

No silent fallback: whatever runs is decided here, before running, and recorded on the layer as
``last_backend`` and ``last_backend_reason`` (which carries a failed build's or self-check's reason; a failed
self-check also warns once).

Under PyTorch's program transforms the fast paths step aside (:func:`transform_in_effect`): inside a
``torch.func`` transform (``grad``, ``vmap``, ``jacrev``, ``jvp``, ``functionalize``) the C++ loops are
``autograd.Function`` s without ``setup_context`` or a batching rule, and torch's fused ops have no batching
rule; while ``torch.compile`` or ``torch.export`` traces, the C++ ops have no fake-tensor implementation and
torch's fused LSTM fails in AOTAutograd. There ``auto`` runs the reference loop, which every transform
handles (same values and gradients), and says so in the reason; a forced ``cpu_gru``, ``cpu_loop`` or
``fused`` raises, naming the transform; a forced ``native`` runs torch's op as torch.nn does (``grad`` and
``jacrev`` work, ``vmap`` has no batching rule for it).

Under ``torch.autocast`` the output and final state of an LSTM, GRU or RNN layer come out in the dtype
torch.nn's layer returns on that device, whichever path ran (:func:`autocast_output_dtype`).
"""

from __future__ import annotations

import copy
import warnings

import torch

from ..cells import ElmanCell, GRUCell, LSTMCell
from ..cells.base import HOOK_DICTS, HOOK_FLAGS, map_state
from . import cpu_gru, cpu_loop, fused, native

BACKENDS = ("auto", "native", "cpu_gru", "cpu_loop", "fused", "reference")

# name -> (predicate, runner); "auto" tries them in this order.
FAST_PATHS = {
    "cpu_gru": (cpu_gru.can_use_cpu_gru, cpu_gru.run_cpu_gru),
    "native": (native.can_use_native, native.run_native),
    "fused": (fused.can_use_fused, fused.run_fused),
    "cpu_loop": (cpu_loop.can_use_cpu_loop, cpu_loop.run_cpu_loop),
}

# Allowed error of the fast path in the self-check, relative to each tensor's largest entry (at least 1),
# on top of twice the reference's own error against float64 (the reference in bfloat16 is itself far off).
SELF_CHECK_TOLERANCE = {torch.float32: 1e-4, torch.float16: 1e-2, torch.bfloat16: 5e-2}

_SELF_CHECKS: dict[tuple, tuple[bool, str]] = {}  # configuration -> (passed, reason), for this process


def needs_self_check(name: str, x) -> bool:
    """Whether ``auto`` checks path ``name`` against the reference before trusting it on ``x``'s device:
    the fused kernels anywhere but in Triton's CPU interpreter (the only place the tests run them)."""
    return name == "fused" and x.device.type != "cpu"


def prepare(name: str, layer, x, forced: bool) -> tuple[bool, str]:
    """The one-off step path ``name`` needs before its first use (cached): the C++ build of ``cpu_gru`` and
    ``cpu_loop``; the self-check of ``fused`` on a device, for ``auto`` only. ``(ready, reason)``; the reason
    is empty when there is nothing to report."""
    if name == "cpu_gru":
        return cpu_gru.build()
    if name == "cpu_loop":
        return cpu_loop.build()
    if not forced and needs_self_check(name, x):
        return self_check(name, layer, x)
    return True, ""


def _configuration(name: str, layer, x) -> tuple:
    """What a self-check's outcome holds for: the path, device, dtype, autocast, and the layer's structure
    (cell classes, their options, sizes and parameters' names, directions, mode)."""
    device = x.device.type
    autocast = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else None
    cells = tuple(
        (type(c).__name__, type(getattr(c, "cell", None)).__name__, c.input_size, c.hidden_size,
         getattr(c, "nonlinearity", None), getattr(c, "eps", None), tuple(n for n, _ in c.named_parameters()))
        for c in layer.cells()
    )
    directions = tuple(d.reverse for d in layer.directions())
    mode = getattr(layer, "mode", None)
    return name, str(x.device), x.dtype, autocast, type(layer).__name__, cells, directions, mode


def self_check(name: str, layer, x) -> tuple[bool, str]:
    """Check fast path ``name`` against the reference on a small random batch of ``layer``'s configuration on
    ``x``'s device, once per :func:`_configuration`; ``(passed, reason)``.

    A copy of the layer (its own weights; no hooks, no trace; eval mode, so no dropout) runs B = 3 sequences of
    T = 6 steps with lengths (6, 3, 1) and a random initial state, on the fast path and on the reference in
    ``x``'s dtype, and on the reference in float64 as the truth. Compared: outputs, final states and the
    gradients of a random weighting of them with respect to the input, the state and every parameter. Each
    error is relative to the tensor's largest entry (at least 1). It passes if the fast path's largest error
    is within twice the reference's own plus ``SELF_CHECK_TOLERANCE[dtype]``. An exception counts as a fail.
    The random batch has its own generator: the global random state is untouched."""
    key = _configuration(name, layer, x)
    if key in _SELF_CHECKS:
        return _SELF_CHECKS[key]
    where = f"on {x.device}"
    if x.is_cuda and torch.cuda.is_current_stream_capturing():  # a check would sync inside the user's capture
        return False, f"{name} is not self-checked yet {where}; run the layer once before capturing a CUDA graph"
    try:
        err, err_ref = compare_with_reference(FAST_PATHS[name][1], layer, x)
    except Exception as error:  # noqa: BLE001 (any failure of never-verified kernels means: do not use them)
        message = " ".join(str(error).split())[:300]
        outcome = False, f"{name} self-check {where} raised {type(error).__name__}: {message}"
    else:
        allowed = 2 * err_ref + SELF_CHECK_TOLERANCE.get(x.dtype, 1e-4)
        if err <= allowed:
            outcome = True, f"self-check passed {where} (max err {err:.1e}, reference {err_ref:.1e})"
        else:
            outcome = False, (f"{name} self-check failed {where}: max err {err:.1e} against float64, allowed "
                              f"{allowed:.1e} (reference {err_ref:.1e})")
    if not outcome[0]:
        warnings.warn(f"rnnkit: {outcome[1]}; backend='auto' runs without it", RuntimeWarning, stacklevel=4)
    _SELF_CHECKS[key] = outcome
    return outcome


def _detached_copy(layer):
    """A deep copy of ``layer`` without its hooks and traces (nothing of the user's sees the check)."""
    memo = {}
    for module in layer.modules():
        for attr in HOOK_DICTS + HOOK_FLAGS:
            hooks = getattr(module, attr, None)
            if hooks is not None:
                memo[id(hooks)] = type(hooks)()
        trace = getattr(module, "trace", None)
        if trace is not None:
            memo[id(trace)] = None
    twin = copy.deepcopy(layer, memo)
    twin.eval()
    for p in twin.parameters():
        p.requires_grad_(True)
    return twin


def compare_with_reference(runner, layer, x, lengths=(6, 3, 1)) -> tuple[float, float]:
    """The largest errors ``(runner, reference)`` against the float64 reference on one random batch of
    ``layer``'s configuration in ``x``'s dtype and device, with ``len(lengths)`` sequences of these lengths
    (see :func:`self_check`). ``runner(layer, x, lengths, state)`` is a fast path's runner."""
    twin = _detached_copy(layer)
    B, T = len(lengths), max(lengths)
    lengths = torch.tensor(lengths, device=x.device)
    gen = torch.Generator(device=x.device).manual_seed(0)

    def randn(*shape):
        return torch.randn(*shape, generator=gen, device=x.device, dtype=torch.float64)

    x64 = randn(B, T, layer.input_size)
    s64 = [randn(B, layer.num_layers * layer.num_directions, layer.hidden_size) for _ in layer.state_fields]
    out_shape, state_type = (B, T, layer.output_size), layer.cells()[0].state_type
    weights = [randn(*out_shape), *(randn(*s.shape) for s in s64)]

    def run(model, dtype, fn):
        xs = x64.to(dtype).requires_grad_()
        ss = [s.to(dtype).requires_grad_() for s in s64]
        state = ss[0] if state_type is None else state_type(*ss)
        out, final = fn(model, xs, lengths, state)
        finals = [final] if state_type is None else list(final)
        loss = sum((t.double() * w).sum() for t, w in zip([out, *finals], weights, strict=True))
        grads = torch.autograd.grad(loss, [xs, *ss, *model.parameters()], allow_unused=True)
        return [t.detach().double() for t in (out, *finals)] + [None if g is None else g.double() for g in grads]

    reference = lambda model, *a: model.forward_reference(*a)  # noqa: E731
    with torch.inference_mode(False), torch.enable_grad():
        fast = run(twin, x.dtype, runner)
        ref = run(twin, x.dtype, reference)
        with torch.autocast(x.device.type, enabled=False):
            truth = run(copy.deepcopy(twin).double(), torch.float64, reference)
    return _largest_error(fast, truth), _largest_error(ref, truth)


def _largest_error(results, truth) -> float:
    """The largest error over tensors, each relative to its largest entry (at least 1); NaN counts as inf."""
    worst = 0.0
    for a, t in zip(results, truth, strict=True):
        if (a is None) != (t is None):
            return float("inf")  # a gradient the other side does not have
        if a is not None and t.numel():
            err = ((a - t).abs().max() / t.abs().max().clamp(min=1)).item()
            worst = max(worst, err if err == err else float("inf"))  # NaN counts as a fail
    return worst


def transform_in_effect(x) -> str | None:
    """The PyTorch program transform this call runs under, named for a reason, or ``None`` for a plain call:
    ``torch.compile`` / ``torch.export`` tracing, or a ``torch.func`` transform (one is active, or ``x`` is one's
    wrapped tensor)."""
    if torch.compiler.is_compiling():
        return "torch.compile (or torch.export) tracing"
    functorch = torch._C._functorch
    if functorch.peek_interpreter_stack() is not None or functorch.is_functorch_wrapped_tensor(x):
        return "a torch.func transform (grad, vmap, jacrev, jvp, functionalize)"
    return None


# Where torch.nn's layer comes out in autocast's lower precision, output and final state, whatever the lengths
# (packed) and the dtype of a state given: on CPU the LSTM (oneDNN's LSTM) and the RNN; on CUDA all three (cuDNN).
# Elsewhere its dtype is that of its ops' results, as the reference's is (on CPU a GRU comes out in float32). The
# reference's RNN state alone would not do: with lengths, where(valid, new, old) takes a padded sequence's state
# from the float32 initial state, and the final state came out in float32 where torch.nn's is the lower precision.
_AUTOCAST_LOWERS = {"cpu": (LSTMCell, ElmanCell), "cuda": (LSTMCell, GRUCell, ElmanCell)}


def autocast_output_dtype(layer, x) -> torch.dtype | None:
    """The dtype of torch.nn's layer's output and final state under the autocast active on ``x``'s device,
    where it is autocast's lower precision and ``layer`` is of torch.nn's kinds (LSTM, GRU, RNN); else
    ``None`` (each path's own result dtype, which then agree; a float64 input's, which autocast does not lower).
    Every path's results are cast to it, so the dtype does not depend on which path ran: the reference keeps an
    LSTM's state in float32 and would return float32 where torch's fused LSTM returns bfloat16."""
    device = x.device.type
    if not torch.is_autocast_enabled(device) or x.dtype == torch.float64:  # autocast leaves float64 as it is
        return None
    kinds = _AUTOCAST_LOWERS.get(device, ())
    cells = layer.cells()
    if not all(type(c) is type(cells[0]) for c in cells) or type(cells[0]) not in kinds:
        return None
    return torch.get_autocast_dtype(device)


def select_backend(layer, x) -> tuple[str, str]:
    """The backend that ``layer`` would run on input ``x``, and why."""
    requested = layer.backend
    if requested == "reference":
        return "reference", "backend='reference' was requested"
    transform = transform_in_effect(x)
    if transform is not None and requested == "auto":
        return "reference", f"{transform}: the reference loop, which it supports (the fast paths do not)"
    if transform is not None and requested != "native":  # a forced native runs torch's op, as torch.nn does
        raise ValueError(f"{type(layer).__name__}: backend={requested!r} cannot run under {transform}: its "
                         f"kernels do not support it; use backend='auto' or 'reference' (the reference loop)")
    # torch.jit.trace records the C++ loops' and Triton's autograd Functions as Python calls: the trace fails its
    # sanity check (their constants differ between runs) and torch.jit.save cannot store them; torch's fused op
    # and the reference loop's operations it records (the loop unrolled over the traced T)
    untraceable = ("cpu_gru", "cpu_loop", "fused") if torch.jit.is_tracing() else ()
    if requested in untraceable:
        raise ValueError(f"{type(layer).__name__}: backend={requested!r} cannot run under torch.jit.trace: its "
                         f"kernels are autograd Functions the trace records as Python calls, which torch.jit.save "
                         f"cannot store; use backend='auto' (torch's fused op where it runs, else the reference "
                         f"loop, unrolled over the traced length) or torch.compile / torch.export")
    if requested != "auto":
        ok, reason = FAST_PATHS[requested][0](layer, x)
        if ok:
            ready, why = prepare(requested, layer, x, forced=True)
            ok, reason = ready, (reason if ready else why)
        if not ok:
            raise ValueError(f"{type(layer).__name__}: backend={requested!r} cannot run this call: {reason}")
        return requested, reason
    reasons, unready = [], []  # why each path was passed over; those that could run but were not ready
    for name, (predicate, _) in FAST_PATHS.items():
        if name in untraceable:
            reasons.append(f"{name}: not under torch.jit.trace (an autograd Function the trace cannot store)")
            continue
        ok, reason = predicate(layer, x)
        if ok:
            ready, why = prepare(name, layer, x, forced=False)
            if ready:
                return name, "; ".join([f"{reason}; {why}" if why else reason, *unready])
            reason = why
            unready.append(f"{name}: {why}")
        reasons.append(f"{name}: {reason}")
    return "reference", "; ".join(reasons)


def run_layer(layer, x, lengths, state):
    """Run ``layer`` on the backend :func:`select_backend` picks; record which ran and why."""
    name, reason = select_backend(layer, x)
    layer.last_backend, layer.last_backend_reason = name, reason
    runner = FAST_PATHS[name][1] if name != "reference" else lambda layer, *a: layer.forward_reference(*a)
    out, final = runner(layer, x, lengths, state)
    dtype = autocast_output_dtype(layer, x)
    if dtype is not None:
        out, final = out.to(dtype), map_state(lambda f: f.to(dtype), final)
    return out, final
