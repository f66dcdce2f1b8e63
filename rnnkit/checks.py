"""The predicates the argument checks share; each caller words its own one-line error (what, where, the fix)."""
from __future__ import annotations

import numbers


def is_integer(value) -> bool:
    """True for an integer, Python's or numpy's, but not a bool (``True`` is an ``int`` to Python)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_count(value, least: int = 1) -> bool:
    """True for an integer (not a bool) ``>= least``: a size, a number of layers, epochs, steps or folds."""
    return is_integer(value) and bool(value >= least)
