"""The predicates the argument checks share; each caller words its own one-line error (what, where, the fix)."""
from __future__ import annotations

import numbers

import numpy as np


def is_integer(value) -> bool:
    """True for an integer, Python's or numpy's, but not a bool (``True`` is an ``int`` to Python)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_count(value, least: int = 1) -> bool:
    """True for an integer (not a bool) ``>= least``: a size, a number of layers, epochs, steps or folds."""
    return is_integer(value) and bool(value >= least)


def is_flag(value) -> bool:
    """True for True and False (Python's or numpy's) and the integers 0 and 1 (as torch.nn takes ``bias=1``); not
    for text, which would be truthy (``"no"``, ``"False"``), or other numbers."""
    return isinstance(value, bool | np.bool_) or (is_integer(value) and value in (0, 1))


def check_flags(who: str = "", **flags) -> None:
    """ValueError naming the first of ``flags`` (name=value) that is no flag (:func:`is_flag`); ``who``: the
    messages' prefix (``"Recurrent: "``)."""
    for name, value in flags.items():
        if not is_flag(value):
            raise ValueError(f"{who}{name} must be True or False, got {value!r}")
