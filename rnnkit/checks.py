"""The predicates the argument checks share; each caller words its own one-line error (what, where, the fix)."""
from __future__ import annotations

import math
import numbers
import os
import stat
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

FLOAT32_MAX = float(np.finfo(np.float32).max)  # 3.4e38: beyond it a value cast to float32 is infinite

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep  # .../rnnkit/


def user_stacklevel() -> int:
    """The ``stacklevel`` with which the function that calls this one has ``warnings.warn`` name the first line
    outside rnnkit: the user's call, however deep inside rnnkit the warning is raised (a fit inside a backtest or
    inside the sktime adapter, a resampling inside ``Forecaster.fit``)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def path_kind(path: str | os.PathLike) -> str:
    """What an existing path is, in words: ``"a directory"``, ``"a file"``, or a FIFO, socket or device. A FIFO or a
    device is no file to the user who made it (``mkfifo``, /dev/null), so a refusal that calls it one reads as wrong;
    and opening one to look inside blocks (a FIFO waits for a writer), so a caller asks this before reading."""
    mode = os.stat(path).st_mode
    return ("a directory" if stat.S_ISDIR(mode) else "a FIFO (a named pipe)" if stat.S_ISFIFO(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a file")


def near_miss(path: str | os.PathLike) -> str | None:
    """For a ``path`` that does not exist, the entry of its folder that was most likely meant, in words: the same
    name but for spaces around it (a copied name), the letter case, the Unicode form (``é`` as one character or
    as ``e`` and an accent: a macOS name in NFD, typed in NFC) or the suffix left out. None where no one entry
    differs in one of these ways."""
    path = Path(path)
    try:
        names = os.listdir(path.parent)
    except OSError:
        return None
    given = path.name
    nfc = lambda name: unicodedata.normalize("NFC", name)
    ways = (("spaces around the name", lambda name: name.strip() == given.strip()),
            ("the Unicode form of its letters (composed or decomposed accents)", lambda name: nfc(name) == nfc(given)),
            ("the letter case", lambda name: nfc(name).casefold() == nfc(given).casefold()),
            ("the suffix", lambda name: bool(Path(name).suffix) and Path(name).stem == given))
    for why, same in ways:
        found = [name for name in names if name != given and same(name)]
        if len(found) == 1:
            return f"{str(path.parent / found[0])!r} exists, the same name but for {why}: give that path"
    return None


def missing_file(path: str | os.PathLike, expected: str) -> str:
    """The message for a data ``path`` that is no file, ``expected`` saying what goes there ("expected a CSV with a
    header row"): ``"PATH: no such file; EXPECTED"`` with the entry of its folder most likely meant
    (:func:`near_miss`: ``D.csv`` for ``d.csv``, a name copied with a space), or what the path is where it exists
    (a directory, a FIFO: :func:`path_kind`). Every reader of a user's file says it in these words."""
    if os.path.exists(path):
        return f"{os.fspath(path)} is {path_kind(path)}, not a file; {expected}"
    meant = near_miss(path)
    return f"{os.fspath(path)}: no such file; {expected}" + (f" ({meant})" if meant else "")


def stand_in(path: str | os.PathLike, *, text: bool = False, head: bytes | None = None) -> str | None:
    """What an existing data file holds in place of its data, in words with the fix, where its first bytes tell:
    nothing (0 bytes), a Git LFS pointer (a clone made without git-lfs, or a repository's "raw" link, keeps these
    small text files under the data's names) or a web page (a download that saved a login or error page). None for
    anything else; each reader words the rest of its own refusal. With ``text`` (a reader of text files) only the
    pointer is told: a web page may be the text meant. Only a file's start is matched, so a real file (a WAV's
    ``RIFF``, a FASTA's ``>`` header, an ``.npy``'s magic) is never taken for one, whatever its text holds later.
    ``head``: the file's bytes where the caller has read them already (its first 1024 are matched), else read here."""
    if head is None:
        with open(path, "rb") as f:
            head = f.read(1024)
    head = head[:1024]
    # Git LFS's own rule: a pointer is under 1024 bytes, its first line names the spec and a line gives the oid; a
    # text that only starts with those words (a note on git-lfs) is no pointer
    pointer = len(head) < 1024 and head.startswith(b"version https://git-lfs") and b"\noid sha256:" in head
    if text and not pointer:
        return None
    if not head:
        return "is empty (0 bytes: a copy or download that did not finish); copy or download it again"
    if pointer:
        return ("is a Git LFS pointer, a small text file that stands for the data (a clone made without git-lfs "
                "keeps these); fetch the files themselves: git lfs install && git lfs pull, in the clone")
    head = head.removeprefix(b"\xef\xbb\xbf")  # a page saved with a UTF-8 byte-order mark
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html", b"<?xml", b"<head")):
        return ("is a web page or a server's reply (HTML/XML), not the data: a download that saved the server's page "
                "(a login, error or preview page) in place of the file; download the file itself again (a raw or "
                "direct link)")
    return None


def is_integer(value) -> bool:
    """True for an integer, Python's or numpy's, but not a bool (``True`` is an ``int`` to Python)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def int_meant(value, least: int | None = None, *, text: str | None = "number", floats=numbers.Real) -> int | None:
    """The int a count given as a whole float (``10.0``: a grid's, np.linspace's) or as a number's text (``'10'``: a
    config file's) means; None otherwise (an int itself, None, a fraction, a word), or where it is below ``least``.
    ``text``: which text is read, ``"number"`` (any number's, ``'1e3'``, ``'10.0'``), ``"digits"`` (digits alone,
    spaces around them aside, as ``int`` reads them: ``'7'``, not ``'7.0'``) or None (none); ``floats``: the
    number types a whole float is read from (``float``: Python's and np.float64, not np.float32; ``()``: none)."""
    if isinstance(value, str) and text == "digits":
        meant = int(value) if value.strip().isdigit() else None
    else:
        if isinstance(value, str) and text == "number" and is_number_text(value.strip()):
            value = float(value)
        meant = (int(value) if isinstance(value, floats) and is_finite_number(value) and not is_integer(value)
                 and value == int(value) else None)
    return None if meant is None or least is not None and meant < least else meant


def int_meant_fix(name: str, value, least: int = 0) -> str:
    """``" (a float); pass T=100, an int"`` for a count given as a whole float (np.linspace's) or as text (a config
    file's), where the int it means (:func:`int_meant`) is one ``name`` takes (``>= least``); "" otherwise."""
    meant = int_meant(value)
    if meant is None or meant < least:
        return ""
    return f" ({'text' if isinstance(value, str) else 'a float'}); pass {name}={meant}, an int"


def is_count(value, least: int = 1) -> bool:
    """True for an integer (not a bool) ``>= least``: a size, a number of layers, epochs, steps or folds."""
    return is_integer(value) and bool(value >= least)


def as_counts(values) -> list[int] | None:
    """``values`` as Python ints where it is a non-empty list, tuple, range or array of integers >= 1 (no bool, no
    text): the steps of sktime's ``fh``, the seasons of statsforecast's MSTL, given where one number is asked for;
    else None. What the fixes of those refusals read."""
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray | range) or not len(values) or \
            not all(is_count(v) for v in values):
        return None
    return [int(v) for v in values]


def is_number_text(text: str) -> bool:
    """Text that reads as a plain number ("3600", "1.7e9"): a time or value written without its unit."""
    try:
        float(text)
        return True
    except ValueError:
        return False


def is_finite_number(value) -> bool:
    """True for a finite real number, Python's or numpy's, but not a bool: a rate, a duration, a weight."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def closest_name(text, names, *, cutoff: float = 0.6) -> str | None:
    """The one of ``names`` closest to a misspelt ``text`` (``"lstn"`` -> ``"lstm"``), for a "did you mean"; None
    when none is close enough (difflib's ratio below ``cutoff``) or ``text`` is no string."""
    import difflib

    if not isinstance(text, str):
        return None
    close = difflib.get_close_matches(text, list(names), n=1, cutoff=cutoff)
    return close[0] if close else None


def fold_name(name, underscores: str = "") -> str:
    """``name`` as the slips of a typed name leave it the same: its text in lower case without the spaces around it
    (``' User'`` -> ``'user'``), and each of the characters ``underscores`` (``" -"``: spaces and hyphens) inside
    it made an underscore (``'n-train'`` -> ``'n_train'``). Two names that fold alike are one name given with a
    slip."""
    text = str(name).strip().lower()
    for ch in underscores:
        text = text.replace(ch, "_")
    return text


def meant_name(name, names, *, underscores: str = "", only: bool = False, cutoff: float = 0.6):
    """The one of ``names`` (a column's, an option's) that a ``name`` given with a slip most likely means: the first
    that folds as it does (:func:`fold_name`: case, spaces around it, ``underscores``), else the closest spelling
    (:func:`closest_name`, ``cutoff``; ``name`` as given, so no string has none); None when none is. ``only``: a
    fold shared by several of ``names`` says nothing (a spelling is asked then)."""
    names = list(names)
    key = fold_name(name, underscores)
    same = [n for n in names if fold_name(n, underscores) == key]
    if same and (len(same) == 1 or not only):
        return same[0]
    return closest_name(name, names, cutoff=cutoff)


def short_repr(value, width: int = 80) -> str:
    """``repr(value)`` on one line (an array's or a module's repr runs over several), cut to ``width`` characters,
    for naming what was given in a one-line message."""
    text = " ".join(repr(value).split())
    return text if len(text) <= width else text[: width - 3] + "..."


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


def fitted_params(estimator, names: Sequence[str]) -> dict:
    """The parameters ``names`` of an estimator or forecaster as its fitted model was built from them (lists as
    tuples), kept as ``_fitted_params`` for :func:`check_fitted_params`."""
    return {name: _comparable(getattr(estimator, name)) for name in names}


def check_fitted_params(estimator, who: str, names: Sequence[str]) -> None:
    """ValueError when one of the parameters ``names`` was set after fit (``set_params``) to another value than
    the fitted model was built with: predict reads it, and save writes the parameters from which load rebuilds
    the network (a model saved so would not load, or would forecast otherwise)."""
    fitted = getattr(estimator, "_fitted_params", {})
    for name in names:
        if name in fitted and _comparable(getattr(estimator, name)) != fitted[name]:
            was = fitted[name] if not isinstance(fitted[name], tuple) else list(fitted[name])
            raise ValueError(f"{who}: {name}={getattr(estimator, name)!r} was set after fit, but the fitted model "
                             f"has {name}={was!r}; set it back (set_params({name}={was!r})) to use this model, or "
                             "fit again")


def lag1_autocorrelation(values: np.ndarray, axis: int) -> float:
    """The median, over the 1-D runs of ``values (n, A, B)`` along ``axis``, of each run's lag-1 autocorrelation
    about its own mean: near 1 along a smooth time axis, near 0 or below across channels in no order. Runs that
    are constant or not finite are left out (0 when none is left); the first 256 rows are read."""
    runs = np.moveaxis(np.asarray(values[:256], dtype=np.float64), axis, -1).reshape(-1, values.shape[axis])
    runs = runs[np.isfinite(runs).all(axis=1)]
    runs = runs - runs.mean(axis=1, keepdims=True)
    power = (runs * runs).sum(axis=1)
    kept = power > 0
    if not kept.any():
        return 0.0
    return float(np.median((runs[kept, :-1] * runs[kept, 1:]).sum(axis=1) / power[kept]))


def runs_along(values: np.ndarray, axis: int, other: int) -> bool:
    """Whether the values of ``values (n, A, B)`` run smoothly along ``axis`` and not along ``other``, as a time
    series does along its time and not across its channels: the median lag-1 autocorrelation
    (:func:`lag1_autocorrelation`) at least 0.3 along ``axis`` and 0.5 more than along ``other``, each axis at
    least 3 long (noise, constant values, or too short an axis: False, nothing to go by)."""
    if min(values.shape[axis], values.shape[other]) < 3:
        return False
    along = lag1_autocorrelation(values, axis)
    return along > 0.3 and along - lag1_autocorrelation(values, other) > 0.5


def group_distinctness(values: np.ndarray, *groupings: np.ndarray) -> list[tuple[float, float]]:
    """How far each of ``groupings`` (ints ``0 .. k-1`` of shape ``(A, B)``, the same for each row of ``values
    (n, A, B)``) tells the finite values apart: the share of their variance that the groups' means explain (R², 0
    to 1), and the spread (standard deviation) of the groups' log standard deviations (0 when every group varies
    alike; 0.5: one group's spread ~1.6 times another's). Summed over the rows first, once for all the groupings:
    memory of one row, whatever ``n``."""
    kept = np.isfinite(values)
    if not kept.any():
        return [(0.0, 0.0)] * len(groupings)
    v = np.where(kept, values - values[kept].mean(), 0.0)  # centred: no cancellation for large offsets
    sums = kept.sum(axis=0).ravel(), v.sum(axis=0).ravel(), (v * v).sum(axis=0).ravel()
    return [_distinctness(*(np.bincount(g.ravel(), s) for s in sums)) for g in groupings]


def _distinctness(count: np.ndarray, first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """:func:`group_distinctness` of one grouping from its groups' counts, sums and sums of squares."""
    total = second.sum() / count.sum()  # the variance: v's mean is 0
    some = count > 0
    if not total > 0 or some.sum() < 2:
        return 0.0, 0.0
    count, mean = count[some], first[some] / count[some]
    var = np.maximum(second[some] / count - mean ** 2, 0.0)
    r2 = float((count * mean ** 2).sum() / count.sum() / total)
    log_std = 0.5 * np.log(np.maximum(var, 1e-18 * total))
    return r2, float(log_std.std())


INTERLEAVE_ROWS = 256  # the rows of an array that interleaved_channels reads,
INTERLEAVE_VALUES = 2 ** 22  # and fewer where their values would pass this (32 MB in float64, a few copies of it)


def interleave_rows(row_shape) -> int:
    """How many rows of ``row_shape`` :func:`interleaved_channels` reads (so a caller stacks no more)."""
    return min(INTERLEAVE_ROWS, max(1, INTERLEAVE_VALUES // max(int(np.prod(row_shape)), 1)))


def interleaved_channels(values: np.ndarray) -> tuple[str, float, float] | None:
    """Whether ``values (n, C, T)``, read channels first, look made by ``X.reshape(n, C, T)`` of an ``(n, T, C)``
    array, which interleaves every channel's steps into each row: ``X.reshape(n, T, C)`` (the reshape undone)
    then holds channels of their own level or spread along its last axis, each read channel mixes them, and no
    season of ``C`` steps along the time read explains it (a genuine series whose period divides ``C`` and ``T``
    sorts itself so too: when ``C`` divides ``T`` the two cannot be told apart, and nothing is said). Returns
    ``(what, undone, read)``, what differs (``"level"``: R² of the means, ``"spread"``: of the log standard
    deviations, :func:`group_distinctness`) and by how much in each reading, or None. Rule: the undone reading's
    at least 0.3, the read channels' (either measure) at most 2/3 of it, and the season's at most 1/3 of it;
    the first :data:`INTERLEAVE_ROWS` rows are read (fewer where they would hold more than
    :data:`INTERLEAVE_VALUES` values), and at least 200 values per channel are needed."""
    values = np.asarray(values)
    values = np.asarray(values[: interleave_rows(values.shape[1:])], dtype=np.float64)
    n, C, T = values.shape
    if C < 2 or T < 2 or n * T < 200:
        return None
    k, j = np.arange(C)[:, None], np.arange(T)[None, :]
    undone, read, season = group_distinctness(values, *(np.broadcast_to(g, (C, T)) for g in ((k * T + j) % C, k,
                                                                                             j % C)))
    for what, u in zip(("level", "spread"), undone, strict=True):
        if u >= 0.3 and max(read) <= u / 1.5 and max(season) <= u / 3:
            return what, u, read[0 if what == "level" else 1]
    return None


def _comparable(value):
    """A parameter in a form that compares by value: a list, tuple or array of levels as a tuple of floats."""
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(float(v) if isinstance(v, numbers.Real) and not isinstance(v, bool) else v for v in value)
    return value


def unicode_form_hint(missing: list, unexpected: list) -> str:
    """The hint for names given that equal the model's ones but for their Unicode form ('é' as one character, or
    'e' and a combining accent, as some keyboards, file systems and clients write it): printed, both read alike,
    and "missing ['température'], unexpected ['température']" says nothing. Empty when no name is such."""
    def nfc(name):
        return unicodedata.normalize("NFC", name) if isinstance(name, str) else name

    fitted = {nfc(n): n for n in missing}
    pairs = [(fitted[nfc(n)], n) for n in unexpected if nfc(n) in fitted]
    if not pairs:
        return ""
    model, given = pairs[0]
    form = next((f for f in ("NFC", "NFD") if unicodedata.normalize(f, model) == model), "NFC")
    return (f"; {given!r} ({len(given)} characters) is the model's {model!r} ({len(model)}) in another Unicode form, "
            f"its accents composed otherwise ({len(pairs)} such name(s) in all): normalise the names to the model's "
            f"form, e.g. unicodedata.normalize({form!r}, name)")


def named_difference(missing: list, unexpected: list) -> str:
    """How a step's feature names differ from the model's, in words: ``missing [...]`` and ``unexpected [...]``, each
    where it names something (an empty list says nothing), a misspelt name paired with the model's it is closest to
    (``'humid' for 'humidity'?``), or both in two Unicode forms (:func:`unicode_form_hint`)."""
    said = ", ".join([f"missing {missing}"] * bool(missing) + [f"unexpected {unexpected}"] * bool(unexpected))
    if hint := unicode_form_hint(missing, unexpected):
        return said + hint
    close = [f"{name!r} for {meant!r}?" for name in unexpected if (meant := closest_name(name, missing)) is not None]
    return said + (f" ({', '.join(close)})" if close else "")


def farthest_from_scaling(a: np.ndarray, mean, scale, names=None) -> str:
    """Where a model's output came out NaN from finite inputs: the value of ``a`` (one step ``(F,)`` or a
    sequence ``(T, F)``) farthest from the fitted scaling, in standard deviations, which the network's float32
    arithmetic cannot carry (a value within float32 whose ``(x - mean) / scale`` is not, or saturates every gate
    to NaN), named with the fix: the feature's units. The words after "the output … is NaN: "."""
    mean, scale = np.asarray(mean, np.float64), np.asarray(scale, np.float64)
    z = np.abs((np.asarray(a, np.float64) - mean) / scale)  # NaN where a time-aware model's value is missing
    at = np.unravel_index(int(np.nanargmax(np.where(np.isnan(z), -1.0, z))), z.shape)
    j = int(at[-1])
    feature = f"{str(names[j])!r}" if names is not None else f"{j}"
    value = float(np.asarray(a)[at])
    where = f"step {int(at[0])} holds {value:.3g} in feature {feature}" if z.ndim == 2 else \
        f"feature {feature} holds {value:.3g}"
    return (f"{where}, {z[at]:.3g} standard deviations from its mean at fit ({mean[j]:.3g} ± {scale[j]:.3g}), "
            f"beyond what the network's float32 arithmetic carries; check the feature's units (those of fit)")


def check_aligned(items, labels, what: str) -> None:
    """ValueError for ``items`` and ``labels`` that are both pandas objects with other indexes (one of them shuffled,
    sampled or filtered): they are read by position, so each item would get another row's label."""
    a, b = getattr(items, "index", None), getattr(labels, "index", None)
    if not (hasattr(a, "equals") and hasattr(b, "equals")) or len(a) != len(b) or a.equals(b):  # list.index: a method
        return
    a, b = a.tolist(), b.tolist()
    i = next(i for i, (u, v) in enumerate(zip(a, b, strict=True)) if u != v)
    raise ValueError(f"{what} and labels are pandas objects of other indexes ({what}' index has {a[i]!r} at position "
                     f"{i}, labels' {b[i]!r}), and they are read by position, so each would get another row's label; "
                     f"align them first: labels.loc[{what}.index] (or take both from one DataFrame)")
