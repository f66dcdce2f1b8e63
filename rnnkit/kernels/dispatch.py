"""The one dispatch point between the reference unroller and the fast paths.

``run_layer(layer, ...)`` asks each fast path's predicate ``can_use_X(layer, x) -> (ok, reason)`` and runs:

- ``backend="reference"``: the readable loop, always;
- ``backend="native"``: torch's fused kernels, or ``ValueError`` with the predicate's reason;
- ``backend="auto"``: the first fast path whose predicate holds, else the reference loop.

No silent fallback through try/except: whatever runs is decided here, before running, and recorded on the
layer as ``last_backend`` and ``last_backend_reason``.
"""

from __future__ import annotations

from . import native

BACKENDS = ("auto", "native", "reference")

# name -> (predicate, runner); "auto" tries them in this order.
FAST_PATHS = {"native": (native.can_use_native, native.run_native)}


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
