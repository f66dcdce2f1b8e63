"""The one dispatch point between the reference unroller and the fast paths.

``run_layer(layer, ...)`` asks each fast path's predicate ``can_use_X(layer, x) -> (ok, reason)`` and runs:

- ``backend="reference"``: the readable loop, always;
- ``backend=<a fast path>``: that path, or ``ValueError`` with its predicate's reason;
- ``backend="auto"``: the first fast path whose predicate holds, in the order of ``FAST_PATHS``, else the
  reference loop.

The fast paths:

- ``"cpu_gru"`` (:mod:`.cpu_gru`): a C++ GRU loop with a hand-written backward, on CPU; first, because on
  CPU it beats torch's own GRU kernel (docs/kernels.md);
- ``"native"`` (:mod:`.native`): torch's fused RNN kernels (cuDNN on GPU, ATen/oneDNN on CPU);
- ``"fused"`` (:mod:`.fused`): rnnkit's Triton kernels, for the cells cuDNN cannot run (LayerNorm-LSTM,
  minGRU, minLSTM, configurations torch has no kernel for); on GPU, or on CPU in Triton's interpreter when
  forced.

No silent fallback through try/except: whatever runs is decided here, before running, and recorded on the
layer as ``last_backend`` and ``last_backend_reason``.
"""

from __future__ import annotations

from . import cpu_gru, fused, native

BACKENDS = ("auto", "native", "cpu_gru", "fused", "reference")

# name -> (predicate, runner); "auto" tries them in this order.
FAST_PATHS = {
    "cpu_gru": (cpu_gru.can_use_cpu_gru, cpu_gru.run_cpu_gru),
    "native": (native.can_use_native, native.run_native),
    "fused": (fused.can_use_fused, fused.run_fused),
}


def select_backend(layer, x) -> tuple[str, str]:
    """The backend that ``layer`` would run on input ``x``, and why."""
    requested = layer.backend
    if requested == "reference":
        return "reference", "backend='reference' was requested"
    if requested != "auto":
        ok, reason = FAST_PATHS[requested][0](layer, x)
        if not ok:
            raise ValueError(f"{type(layer).__name__}: backend={requested!r} cannot run this call: {reason}")
        return requested, reason
    reasons = []
    for name, (predicate, _) in FAST_PATHS.items():
        ok, reason = predicate(layer, x)
        if ok:
            return name, reason
        reasons.append(f"{name}: {reason}")
    return "reference", "; ".join(reasons)


def run_layer(layer, x, lengths, state):
    """Run ``layer`` on the backend :func:`select_backend` picks; record which ran and why."""
    name, reason = select_backend(layer, x)
    layer.last_backend, layer.last_backend_reason = name, reason
    if name == "reference":
        return layer.forward_reference(x, lengths, state)
    return FAST_PATHS[name][1](layer, x, lengths, state)
