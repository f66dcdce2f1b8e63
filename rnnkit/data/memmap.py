"""Ragged sequence stores larger than memory, and atomic file writes.

A store is a directory of four files, all readable without pickle:

==============  ==============================  ===================================================
file            content                         shape
==============  ==============================  ===================================================
data.npy        every sequence, end to end      (sum of T_i, ...) e.g. (N_steps, F)
offsets.npy     start of each sequence          (n + 1,) int64; sequence i is data[off[i]:off[i+1]]
labels.npy      optional, one label per item    (n, ...)
meta.json       format, count, dtype, shapes    JSON, written last: it is the commit marker
==============  ==============================  ===================================================

`RaggedWriter` streams sequences to disk one at a time (memory use is one sequence plus the offsets), so
a store can be far larger than RAM. `RaggedStore` opens ``data.npy`` with ``np.load(mmap_mode="r")``
and copies only the requested sequence into memory; it is a ``torch.utils.data.Dataset`` whose items
feed `pad_collate` and whose ``lengths`` feed `BucketBatchSampler`.

Every file is written to a temporary file in the same directory and moved into place with
``os.replace``, so a crash never leaves a half-written file under the final name. The files are replaced
one by one (``meta.json`` last); a reader that opens a store while it is being rewritten may see a mix,
which `RaggedStore` detects (count and offsets must match the data) and reports.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import os
import shutil
import stat
import tempfile
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import torch
from torch.utils.data import Dataset

from ..checks import check_aligned, is_number_text, near_miss, path_kind, stand_in, user_stacklevel
from .collate import FRAME_OF_STEPS, one_value_hint, refuse_keyed, time_last_hint

FORMAT = "rnnkit.ragged"
VERSION = 1


def _umask() -> int:
    """The process's umask (read from /proc where it can be, without changing it; else set and restored)."""
    try:
        with open("/proc/self/status") as f:
            return int(next(line.split()[1] for line in f if line.startswith("Umask:")), 8)
    except (OSError, StopIteration, ValueError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def check_file_target(path: Path) -> None:
    """ValueError unless ``path`` can be a file: not a directory, in a folder that exists."""
    if path.is_dir():
        raise ValueError(f"{path} is a directory; give the path of a file to write (e.g. {path / 'NAME'})")
    folder = path.parent
    if not folder.is_dir():
        why = "is a file" if folder.exists() else "does not exist"
        raise ValueError(f"cannot write {path}: its folder {folder} {why}; create the folder first (mkdir -p) or "
                         "give another path")


def _existing_mode(path: Path, default: int) -> int:
    """The permission bits of the file or directory at ``path`` (a link followed), else ``default``."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return default


def is_stream(path: str | os.PathLike) -> bool:
    """True for an existing path that is neither a file nor a directory (a link followed): a device (/dev/null,
    /dev/stdout), a FIFO or a pipe (``--out >(gzip > p.csv.gz)``, read as /dev/fd/63); and for a descriptor's path
    (/dev/stdout, /dev/fd/N, /proc/...: /dev/stdout of ``>> log.txt`` is an open descriptor, whose file a rename
    would replace, not append to), but not for a plain file elsewhere under /dev (/dev/shm/p.csv, a tmpfs).
    :func:`atomic_path` and :func:`atomic_write` write such a path in place: a rename would put a file where it
    was (as root, a file at /dev/null) and the reader at its other end would read nothing."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    descriptor = os.path.abspath(path).startswith(("/dev/std", "/dev/fd/", "/proc/"))
    return descriptor or not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def atomic_path(path: str | os.PathLike, *, suffix: str = ".tmp") -> Iterator[str]:
    """The name of a temporary file next to ``path`` (ending in ``suffix``: a writer that picks its format by
    the name, as OpenCV's, needs ``path``'s own) for a writer that opens files by name; on success it gets the
    permissions of the file it replaces (one made private with ``chmod 600`` stays so, as an editor or ``install``
    keeps them), else those ``open`` would give a new file (``0o666`` less the umask, not the temporary file's
    0600), is ``os.replace``d onto ``path`` and the directory fsynced. On an exception the temporary file is removed and
    ``path`` is left as it was. OSError where the directory cannot be written; ValueError, before anything is
    written, for a ``path`` that is a directory or whose folder is missing or a file (else the error would name
    the temporary file, a name the user never gave). A device or pipe (:func:`is_stream`) is its own name: written
    in place, nothing to rename."""
    path = Path(path)
    if is_stream(path):
        yield str(path)
        return
    check_file_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, _existing_mode(path, 0o666 & ~_umask()))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    fsync_directory(path.parent)  # the rename itself survives a power cut


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file next to ``path`` (:func:`atomic_path`); on success fsync it, ``os.replace`` it onto
    ``path`` and fsync the directory. On an exception the temporary file is removed and ``path`` is left as it
    was. A device or pipe (:func:`is_stream`) is written in place, appended to (/dev/stdout of ``>> log.txt``
    reopens the file, which ``"w"`` would empty)."""
    if is_stream(path):
        with open(path, mode.replace("w", "a"), encoding=None if "b" in mode else encoding) as f:
            yield f
        return
    with atomic_path(path) as tmp, open(tmp, mode, encoding=None if "b" in mode else encoding) as f:
        yield f
        f.flush()
        os.fsync(f.fileno())


def write_directory_atomically(target: Path, files: dict[str, bytes], *, replaceable: Callable[[Path], bool],
                               what: str) -> None:
    """Write ``files`` into a fresh temporary directory beside ``target``, then rename it to ``target``.

    A ``target`` that is a symbolic link is written where it points (the link stays). A reader sees the old
    directory or the new one, never a mix; on any error the temporary directory is
    removed and ``target`` is untouched. An existing ``target`` must be empty or ``replaceable(target)`` (e.g.
    a model directory when saving a model), else ValueError naming ``what`` it should have been. Replacing
    takes two renames: an error in the second puts the old directory back; a kill between them leaves the whole
    old and new directories beside the absent target (``.NAME.old-*``, ``.NAME.tmp-*``; :func:`interrupted_save`
    finds them). The directory, and each file that replaces one of the same name, keeps the old one's
    permissions (a model directory made private with ``chmod 700`` stays so); new ones get those ``mkdir`` and
    ``open`` would give.
    """
    if target.is_symlink():  # a link to the directory: write where it points, not over the link (a rename replaces it)
        target = Path(os.path.realpath(target))
    if target.exists() and not target.is_dir():  # a FIFO, a device or a lone file: named as it is, not "not {what}"
        raise ValueError(f"{target} is {path_kind(target)}, not {what} (a directory); refusing to replace it: "
                         "choose a new path")
    empty_directory = target.is_dir() and not any(target.iterdir())
    if target.exists() and not (empty_directory or replaceable(target)):
        raise ValueError(f"{target} exists and is not {what}; refusing to overwrite it (choose a new path)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    except OSError as e:  # a parent that is a file, cannot be created, or is not writable
        raise ValueError(f"cannot write {target}: {e.strerror or e} ({e.filename or target.parent}); choose a "
                         f"directory you can write to") from e
    umask = _umask()
    os.chmod(tmp, _existing_mode(target, 0o777 & ~umask))  # as mkdir would make it, not mkdtemp's 0700
    try:
        for name, data in files.items():
            with open(tmp / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            if target.is_dir() and (target / name).is_file():
                os.chmod(tmp / name, _existing_mode(target / name, 0o666 & ~umask))
        if target.exists():
            old = target.parent / f".{target.name}.old-{uuid.uuid4().hex}"
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)  # the old directory back in its place: target as it was
                raise
            shutil.rmtree(old, ignore_errors=True)  # the new one is in place; a leftover of the old is not an error
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_directory(target.parent)


def interrupted_save(target: Path) -> list[Path]:
    """The directories that :func:`write_directory_atomically` leaves beside an absent ``target`` when it is
    killed between its two renames: the previous directory (``.NAME.old-*``) and the new one (``.NAME.tmp-*``),
    in that order."""
    parent = Path(target).parent
    if not parent.is_dir():
        return []
    name = Path(target).name
    return [p for kind in ("old", "tmp") for p in sorted(parent.glob(f".{name}.{kind}-*")) if p.is_dir()]


def has_format(path: Path, marker: str, fmt: str) -> bool:
    """Whether the JSON file ``path / marker`` names ``fmt`` as its ``"format"``: how a directory written by
    rnnkit (a model, a training run, an export) is told from any other."""
    try:
        return json.loads((path / marker).read_text()).get("format") == fmt
    except (OSError, ValueError, AttributeError):
        return False


def fsync_directory(path: Path) -> None:
    """Make the renames inside ``path`` durable (they are metadata of the directory)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def strict_json(obj: Any, where: str = "obj", who: str = "write_json") -> Any:
    """``obj`` with what JSON cannot hold made plain, for a file every JSON reader parses: non-finite floats ->
    None (Python writes them as ``NaN`` and ``Infinity``, which strict readers refuse), numpy scalars and arrays
    (0-d too) -> Python numbers and lists, tuples -> lists, paths -> strings, keys (numbers, str) -> strings.
    Anything else (a tensor, a set, an object, a tuple as a key) is a TypeError, and two keys of one dict written
    alike (``1`` and ``"1"``) a ValueError (a reader would keep one), each naming ``who`` refused it and where in
    ``obj`` (``where``) it is.
    The one conversion of :func:`write_json` and :func:`rnnkit.report.write_report`."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str | int | float | np.generic) and k is not None:  # json.dump refuses them too
                text = ",".join(map(str, k)) if isinstance(k, tuple) else str(k)
                raise TypeError(f"{who}: {where} has the key {k!r}, a {type(k).__name__}, which JSON cannot hold (its "
                                f"keys are text); give str keys (e.g. {text!r})")
            key = k if isinstance(k, str) else json.dumps(k.item() if isinstance(k, np.generic) else k)  # json's
            if key in out:
                other = next(o for o in obj if str(o) == key and o is not k)
                raise ValueError(f"{who}: {where} has the keys {other!r} and {k!r}, which JSON writes alike "
                                 f"({key!r}), so one would be lost; give the keys one type (e.g. all str)")
            out[key] = strict_json(v, f"{where}[{k!r}]", who)
        return out
    if isinstance(obj, list | tuple):
        return [strict_json(v, f"{where}[{i}]", who) for i, v in enumerate(obj)]
    if isinstance(obj, np.ndarray):
        return strict_json(obj.tolist(), where, who)
    if isinstance(obj, np.generic):
        return strict_json(obj.item(), where, who)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    top = where.split("[")[0]
    hint = (" (a set: sorted(...) as a list)" if isinstance(obj, set | frozenset) else
            " (a tensor: .item() for one number, .tolist() for more)" if isinstance(obj, torch.Tensor) else "")
    raise TypeError(f"{who}: {type(obj).__name__} in {top} is not JSON (at {where}); give numbers, strings, lists "
                    f"and dicts{hint}")


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write ``obj`` as indented strict JSON, atomically, by :func:`strict_json`: numpy numbers as Python's, NaN
    and ±inf as null (as :func:`rnnkit.report.write_report` writes them); a value JSON cannot hold is refused,
    naming where in ``obj`` it is, before anything is written."""
    text = json.dumps(strict_json(obj), indent=1, ensure_ascii=False, allow_nan=False)
    with atomic_write(path, "w") as f:
        f.write(text + "\n")


def _npy_header(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    d = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buf, d)
    return buf.getvalue()


def _check_fits_dtype(a: np.ndarray, dtype: np.dtype, i: int) -> None:
    """ValueError when casting ``a`` to the store's ``dtype`` would change a value: an integer out of its range
    (40000 into int16 wraps to -25536), a finite float beyond a narrower float's (1e6 into float16 is inf), or an
    integer a float holds no exact value of (2**40 + 1 into float32)."""
    if a.size == 0 or a.dtype == dtype:
        return
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = a.min(), a.max()
        if lo < info.min or hi > info.max:
            v = lo if lo < info.min else hi
            raise ValueError(f"sequence {i} holds {v}, beyond the range of the store's dtype {dtype} ({info.min} .. "
                             f"{info.max}), where it would wrap to another value; choose a wider dtype "
                             "(RaggedWriter(..., dtype=...))")
    elif dtype.kind == "f" and a.dtype.kind in "iuf":
        big = np.isfinite(a) & (np.abs(a.astype(np.float64)) > np.finfo(dtype).max) if dtype.itemsize < 8 else []
        if np.any(big):
            raise ValueError(f"sequence {i} holds {a[big].flat[0]}, beyond the range of the store's dtype {dtype} "
                             f"(+-{np.finfo(dtype).max:.3g}), where it would become infinite; choose a wider dtype "
                             "(RaggedWriter(..., dtype=...)) or rescale the values")
        if a.dtype.kind == "f" and dtype.itemsize < a.dtype.itemsize:
            _check_not_subnormal(a, dtype, i)
        if a.dtype.kind in "iu":  # 2**40 + 1 into float32 would be 2**40
            _check_integers_exact(a, dtype, i)


def _check_not_subnormal(a: np.ndarray, dtype: np.dtype, i: int) -> None:
    """ValueError where the narrower float ``dtype`` cannot hold the float sequence ``a``: every nonzero value lies
    below its smallest normal number (6.1e-05 for float16, 1.2e-38 for float32), where it keeps fewer digits the
    smaller a value is, and the store would round them by more than 8 times its normal precision (``eps``: 3 bits
    of the 11 float16 keeps) relative to the sequence's largest value, so that the sequence (values of a small
    unit: 1e-7 * noise in float16) becomes a few coarse steps and zeros. Values the store holds exactly or nearly so
    pass: a quiet stretch of 16-bit audio (multiples of 2**-15 are float16 subnormals exactly), exact zeros, counts,
    and a sequence of ordinary values with a few tiny ones (those round as floats do)."""
    finite = np.abs(a[np.isfinite(a)].astype(np.float64))
    top = float(finite.max()) if finite.size else 0.0
    normal = float(np.finfo(dtype).smallest_normal)
    if not 0 < top < normal:
        return
    stored = finite.astype(dtype).astype(np.float64)
    if float(np.abs(stored - finite).max()) <= 8 * float(np.finfo(dtype).eps) * top:
        return
    lost = int(np.count_nonzero((finite > 0) & (stored == 0)))
    zeros = f", {lost} of them as 0" if lost else ""
    raise ValueError(f"sequence {i}'s values are all below {normal:.2g} in magnitude (the largest {top:.3g}), the "
                     f"smallest normal number of the store's dtype {dtype}, which holds them with fewer digits the "
                     f"smaller they are{zeros}; choose a wider dtype (RaggedWriter(..., dtype="
                     f"'{'float32' if dtype.itemsize < 4 else 'float64'}')), or rescale the values (x / {top:.3g})")


def _check_integers_exact(a: np.ndarray, dtype: np.dtype, i: int) -> None:
    """ValueError when an integer of ``a`` has no exact value in the float ``dtype``: beyond ``2**(nmant + 1)``
    (2**24 for float32) a float holds only every second, fourth, ... integer, so 2**40 + 1 would be stored as
    2**40, a hashed id or a count as a neighbour's."""
    exact = 2 ** (np.finfo(dtype).nmant + 1)
    if np.iinfo(a.dtype).max <= exact and np.iinfo(a.dtype).min >= -exact:  # int16 into float32: always exact
        return
    big = np.flatnonzero((a > exact) | (a < -exact) if a.dtype.kind == "i" else a > exact)
    if not len(big):
        return
    v = a.ravel()[big]
    stored = v.astype(dtype)
    info, wide = np.iinfo(a.dtype), stored.astype(np.float64)  # compared in float64: float16 cannot hold 2**63
    changed = ~((wide >= float(info.min)) & (wide < float(info.max) + 1))  # rounded past a.dtype's range
    changed[~changed] = stored[~changed].astype(a.dtype) != v[~changed]  # whole numbers there: compared exactly
    if changed.any():
        k = int(np.flatnonzero(changed)[0])
        step = int(np.unravel_index(int(big[k]), a.shape)[0])
        wider = ("dtype='float64' (exact to 2**53) for values, " if exact < 2**53 else "")
        raise ValueError(f"sequence {i} holds {v[k]} at step {step}, which the store's dtype {dtype} cannot hold "
                         f"exactly: it would be stored as {int(stored[k])} ({dtype} holds every integer only up to "
                         f"2**{np.finfo(dtype).nmant + 1}; {int(changed.sum())} such value(s) in this sequence); "
                         f"choose {wider}dtype='int64' for ids and counts (RaggedWriter(..., dtype=...))")


_NOT_NUMBERS = {"U": "text", "S": "bytes", "M": "dates", "m": "durations", "V": "raw records"}
"""numpy dtype kinds that are no numbers -> what they hold (any other: Python objects)."""


def _stored(value: Any) -> Any:
    """A tensor as numpy reads it: a model's outputs (embeddings of frames or clips) require grad or live on a
    device, which ``np.asarray`` refuses without naming the sequence, and numpy has no bfloat16, which float32
    holds exactly. Anything else as it is."""
    if not isinstance(value, torch.Tensor):
        return value
    value = value.detach().cpu()  # written to disk, the values are what is kept of them
    return value.float() if value.dtype == torch.bfloat16 else value


def _store_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as numpy's dtype of ``data.npy``: a torch dtype (``torch.float32``) as the numpy dtype of its
    tensors. bfloat16, which numpy has no dtype for, and names numpy does not know (a typo: ``'float23'``) raise a
    ValueError naming the dtypes that are meant, where numpy's TypeError names no fix."""
    if isinstance(dtype, torch.dtype) and dtype != torch.bfloat16:
        return torch.empty(0, dtype=dtype).numpy().dtype
    if dtype in (torch.bfloat16, "bfloat16", "bf16"):
        raise ValueError(f"RaggedWriter: dtype={dtype!r} has no numpy dtype, and a store is a numpy file; give "
                         "dtype='float32', which holds every bfloat16 value exactly (bfloat16 tensors are stored "
                         "so), or 'float16' for half the size")
    try:
        return np.dtype(dtype)
    except TypeError:
        raise ValueError(f"RaggedWriter: dtype={dtype!r} is no dtype numpy knows; give a numpy dtype or its name "
                         "('float32', 'float16', 'int64' for token ids) or a torch dtype (torch.float32)") from None


class RaggedWriter:
    """Stream variable-length sequences ``(T_i, ...)`` into a store directory (see module docstring).

    Use as a context manager; the store is committed on a clean exit and discarded on an exception::

        with RaggedWriter("store/") as w:
            for seq, label in source:
                w.append(seq, label)

    The ``.npy`` header is written first for an empty array and rewritten with the final length on close;
    numpy reserves room in the header for the first axis to grow, so the header size does not change.

    Args:
        directory: created if missing; existing store files in it are replaced on commit (a directory holding
            files of those names that is not a store is refused).
        dtype: dtype of ``data.npy``; default: the first sequence's. Later sequences are cast with
            ``casting="same_kind"`` (float into an int store raises), integers into any integer store; a value
            the cast would change (out of an integer dtype's range, beyond a float dtype's, an integer the float
            holds no exact value of: 2**40 + 1 into float32) raises.
    """

    def __init__(self, directory: str | os.PathLike, *, dtype: np.dtype | str | None = None):
        self.directory = Path(directory)
        file = next((p for p in (self.directory, *self.directory.parents) if p.exists() and not p.is_dir()), None)
        if file is not None:  # mkdir's FileExistsError / NotADirectoryError name no fix
            where = "is" if file == self.directory else f"lies under {file}, which is"
            raise ValueError(f"RaggedWriter: {self.directory} {where} {path_kind(file)}; give the directory of the "
                             "store (created if missing)")
        theirs = [f for f in ("data.npy", "offsets.npy", "labels.npy", "meta.json") if (self.directory / f).exists()]
        if theirs and not has_format(self.directory, "meta.json", FORMAT):  # a store's files would replace them
            raise ValueError(f"RaggedWriter: {self.directory} holds {', '.join(theirs)} but is not a ragged store, and "
                             f"the store's files would replace them; give a new or empty directory (or a store's)")
        self.dtype = None if dtype is None else _store_dtype(dtype)
        if self.dtype is not None and self.dtype.kind not in "biufc":
            raise ValueError(f"RaggedWriter: dtype={dtype!r} holds no numbers; a store holds numbers (e.g. "
                             "'float32', 'int64' for token ids)")
        self.directory.mkdir(parents=True, exist_ok=True)  # after the checks: a refused call leaves no folder
        self._given = dtype is not None
        self.feature_shape: tuple[int, ...] | None = None
        self._constants: dict = {}  # column -> its one value in each frame of 2+ steps (None once it varies)
        self.columns: list | None = None  # the first DataFrame's column names, which later frames are read by
        self.offsets = [0]
        self.labels: list[np.ndarray] = []
        fd, self._tmp = tempfile.mkstemp(prefix=".data.npy.", suffix=".tmp", dir=self.directory)
        self._f = os.fdopen(fd, "wb")
        self._header_len = 0
        self._closed = False

    def append(self, seq: Any, label: Any = None) -> None:
        """Add one sequence of shape ``(T, ...)``; ``label`` is required for all items or for none. DataFrames
        are read by column name, in the first frame's order (frames of files written by other tools may hold
        their columns in other orders)."""
        i = len(self.offsets) - 1
        if type(seq).__name__ == "DataFrame" and hasattr(seq, "columns"):  # pandas, not imported for a store
            seq = self._by_name(seq, i)
            _check_frame_numbers(seq, i)
            if len(seq) >= 2:  # a frame of one step is constant in every column
                for c in seq.columns:
                    one = seq[c].nunique(dropna=False) == 1
                    if self._constants.get(c, []) is not None:
                        self._constants[c] = [*self._constants.get(c, []), seq[c].iloc[0]] if one else None
        a = np.asarray(_stored(seq))
        if a.ndim == 0:
            raise ValueError(f"RaggedWriter: sequence {i} is one value ({a.item()!r}), not a sequence of shape (T, "
                             "...); give each sequence as an array of its steps (a sequence of one step: [value])")
        if a.shape[0] == 0:  # an item of no step cannot be batched (pad_collate refuses it mid-epoch)
            raise ValueError(f"RaggedWriter: sequence {i} has no step (shape {a.shape}), and a stored item needs at "
                             "least one; drop empty sequences before writing them: [s for s in seqs if len(s)] (and "
                             "their labels with them)")
        if a.dtype.kind not in "biufc":  # written as is, text is refused only when read, Python objects as pointers
            shown = next((v for v in a.ravel() if not isinstance(v, int | float | np.number)), a.ravel()[0])
            shown = shown.item() if isinstance(shown, np.generic) else shown
            raise ValueError(f"sequence {i} holds {_NOT_NUMBERS.get(a.dtype.kind, 'Python objects')} (dtype "
                             f"{a.dtype}, e.g. {shown!r}), which a store of numbers cannot hold: "
                             + ("convert them to numbers in the unit you mean first, e.g. (t - t[0]) / "
                                "np.timedelta64(1, 's')" if a.dtype.kind in "mM" else
                                "encode text as token ids first (rnnkit.data.Vocab), or give numbers written as "
                                "text as numbers (np.asarray(seq, dtype=float))"))
        if self.feature_shape is None:
            # stored in this machine's byte order: a big-endian store ('>f4') would be read by no torch tensor
            self.dtype = (self.dtype or a.dtype).newbyteorder("=")
            self.feature_shape = a.shape[1:]
            header = _npy_header(self.dtype, (0, *self.feature_shape))
            self._header_len = len(header)
            self._f.write(header)
        elif a.shape[1:] != self.feature_shape:
            first = (self.offsets[1], *self.feature_shape)  # sequence 0's shape
            hint = time_last_hint(0, first, i, a.shape, "store") + one_value_hint(first, a.shape, "store")
            raise ValueError(f"sequence {i} has per-step shape {a.shape[1:]} but the store holds "
                             f"{self.feature_shape}" + (hint or f" (sequence 0's, shape {first}); a store holds one "
                             f"per-step shape: give every sequence {self.feature_shape} per step (the same features, "
                             "in one order), or write the sequences of each shape to a store of their own"))
        if i > 0 and (label is not None) != bool(self.labels):
            raise ValueError(f"sequence {i}: give a label for every sequence or for none")
        both_int = a.dtype.kind in "biu" and self.dtype.kind in "iu"  # int64 token ids into a uint16 store
        if not (both_int or np.can_cast(a.dtype, self.dtype, casting="same_kind")):
            raise ValueError(f"sequence {i} has dtype {a.dtype} but the store holds {self.dtype} ("
                             f"{'the dtype given' if self._given else 'the first sequence' + chr(39) + 's'}); pass "
                             "RaggedWriter(..., dtype=...) to choose one that holds every sequence")
        _check_fits_dtype(a, self.dtype, i)
        label = None if label is None else _stored(label)
        if label is not None and np.asarray(label).dtype.kind not in "biuf":
            raise ValueError(f"sequence {i}: the label {label!r} is not a number (dtype {np.asarray(label).dtype}); "
                             "map text labels to integer ids first")
        if label is not None and self.labels and np.shape(label) != self.labels[0].shape:
            raise ValueError(f"sequence {i}: the label has shape {np.shape(label)} but sequence 0's has "
                             f"{self.labels[0].shape}; labels.npy holds one array of equal labels, so per-step labels "
                             "of sequences of different lengths cannot go there: store them as a feature column of "
                             "the sequence, or in a second store (one label row per step)")
        self._f.write(np.ascontiguousarray(a.astype(self.dtype, copy=False)).tobytes())
        self.offsets.append(self.offsets[-1] + a.shape[0])
        if label is not None:
            self.labels.append(np.asarray(label))

    def _by_name(self, frame: Any, i: int) -> Any:
        """``frame``'s columns in the first frame's order; ValueError for other column names."""
        columns = list(frame.columns)
        if self.columns is None:
            self.columns = columns
        elif columns != self.columns:
            if sorted(map(str, columns)) != sorted(map(str, self.columns)) or len(set(columns)) != len(columns):
                missing = [c for c in self.columns if c not in set(columns)]
                extra = [c for c in columns if c not in set(self.columns)]
                raise ValueError(f"sequence {i} is a DataFrame of the columns {columns} but the store's first of "
                                 f"{self.columns} (missing {missing}, not expected {extra}); give every sequence the "
                                 f"same feature columns, e.g. frame[{self.columns!r}]")
            frame = frame[self.columns]  # the same names in another order: by position each would be another
        return frame

    def close(self) -> Path:
        """Finish ``data.npy``, write offsets, labels and (last) ``meta.json``; return the directory."""
        if self._closed:
            return self.directory
        n = len(self.offsets) - 1
        if n == 0:
            self._abort()
            raise ValueError(f"no sequences were appended to {self.directory}; a store needs at least one")
        _warn_key_column(self._constants)
        header = _npy_header(self.dtype, (self.offsets[-1], *self.feature_shape))
        if len(header) != self._header_len:  # cannot happen with numpy's growth padding; never write garbage
            self._abort()
            raise RuntimeError("the .npy header changed size; this numpy does not pad headers for growth")
        self._f.seek(0)
        self._f.write(header)
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()
        os.replace(self._tmp, self.directory / "data.npy")
        with atomic_write(self.directory / "offsets.npy", "wb") as f:
            np.save(f, np.asarray(self.offsets, dtype=np.int64), allow_pickle=False)
        labels_path = self.directory / "labels.npy"
        if self.labels:
            with atomic_write(labels_path, "wb") as f:
                np.save(f, np.stack(self.labels), allow_pickle=False)
        elif labels_path.exists():
            labels_path.unlink()
        write_json(self.directory / "meta.json", {
            "format": FORMAT, "version": VERSION, "count": n, "steps": self.offsets[-1],
            "dtype": self.dtype.str, "feature_shape": list(self.feature_shape),
            "has_labels": bool(self.labels),
        })
        self._closed = True
        return self.directory

    def _abort(self) -> None:
        self._closed = True
        self._f.close()
        if os.path.exists(self._tmp):
            os.unlink(self._tmp)

    def __enter__(self) -> RaggedWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self._abort()


def _warn_key_column(constants: dict) -> None:
    """Warn of a DataFrame column constant within each of 3 or more sequences (of 2+ steps) and rising from one to
    the next, as the key column does that ``[g for _, g in df.groupby('id')]`` keeps in each group (in the keys'
    sorted order): stored as a feature, each sequence's id would be an input, a label's stand-in the model can learn.
    A feature of each sequence (an age, a dose) may be meant, so it is a warning, with its filter."""
    for c, values in constants.items():
        if values is None or len(values) < 3:
            continue
        try:
            rising = all(a < b for a, b in itertools.pairwise(values))
        except TypeError:
            continue
        if rising:
            shown = ", ".join(f"{v!r}" if isinstance(v, str) else f"{v:g}" for v in values[:3])
            warnings.warn(f"RaggedWriter: column {c!r} is constant within each of the {len(values)} sequences and "
                          f"rises from one to the next ({shown}, ...), as the key column that df.groupby({c!r}) keeps "
                          f"in each group: stored as a feature, each sequence's id is an input to the model; drop it "
                          f"([g.drop(columns={c!r}) for _, g in df.groupby({c!r})]); if it is a feature of each "
                          f"sequence, silence this with warnings.filterwarnings('ignore', 'RaggedWriter: column')",
                          UserWarning, stacklevel=user_stacklevel())
            return


def _check_frame_numbers(frame: Any, i: int) -> None:
    """Refuse a DataFrame sequence with columns of no numbers (dates, text), named with their dtypes: the frame as
    one array is of Python objects, whose refusal could name neither the column nor the fix of each kind."""
    other = {c: frame[c].dtype for c in frame.columns if getattr(frame[c].dtype, "kind", "O") not in "biufc"}
    if not other:
        return
    numeric = [c for c in frame.columns if c not in other]
    told = ", ".join(f"{c!r} ({d})" for c, d in other.items())
    dates = [c for c, d in other.items() if d.kind in "mM"]
    fixes = [f"pass its columns of numbers, g[{numeric!r}]" if numeric else "give it columns of numbers"]
    if dates:
        fixes.append(f"a time column as numbers: (g[{dates[0]!r}] - g[{dates[0]!r}].iloc[0]).dt.total_seconds()")
    texts = [c for c in other if c not in dates]
    written = [c for c in texts if all(isinstance(v, str) and is_number_text(v) for v in frame[c].dropna())]
    if written:
        fixes.append(f"numbers written as text as numbers: g[{written[0]!r}] = pd.to_numeric(g[{written[0]!r}])")
    if len(written) < len(texts):
        fixes.append("text as token ids first (rnnkit.data.Vocab)")
    raise ValueError(f"RaggedWriter: sequence {i} is a DataFrame whose column(s) {told} hold no numbers, which a "
                     f"store of numbers cannot hold; {'; '.join(fixes)}")


def write_ragged(
    directory: str | os.PathLike,
    sequences: Iterable[Any],
    labels: Iterable[Any] | None = None,
    *,
    dtype: np.dtype | str | None = None,
) -> Path:
    """Write ``sequences`` (each ``(T_i, ...)``) and optional per-item ``labels`` as a store."""
    refuse_keyed(sequences, "write_ragged: sequences", "sequences", "sequences", FRAME_OF_STEPS)
    counts = [len(v) if hasattr(v, "__len__") else None for v in (sequences, labels)]
    if labels is not None and None not in counts and counts[0] != counts[1]:  # before anything is written
        raise ValueError(f"write_ragged: {counts[0]} sequences but {counts[1]} labels; give one label per sequence")
    if labels is not None:  # a Series of sequences and one of labels, read by position
        check_aligned(sequences, labels, "sequences")
    with RaggedWriter(directory, dtype=dtype) as w:
        if labels is None:
            for s in sequences:
                w.append(s)
        else:
            end = object()
            for i, (s, y) in enumerate(itertools.zip_longest(sequences, labels, fillvalue=end)):
                if s is end or y is end:  # iterators of unknown length: zip's own line names neither
                    raise ValueError(f"write_ragged: the {'sequences' if s is end else 'labels'} end at item {i}, "
                                     f"before the {'labels' if s is end else 'sequences'}; give one label per "
                                     "sequence (nothing was written)")
                w.append(s, y)
    return Path(directory)


def _load_npy(path: Path, **options) -> np.ndarray:
    """A store's ``.npy`` file, or a ValueError naming it: numpy reads a file that is no array (a Git LFS pointer,
    where a store was committed with git-lfs and cloned without it) as "pickled (object) data" and advises loading
    it unsafely, which would not make it an array."""
    try:
        return np.load(path, allow_pickle=False, **options)
    except (ValueError, OSError, EOFError) as e:
        instead = stand_in(path) or _cut_short(path)
        raise ValueError(f"RaggedStore: {path} " + (instead or f"is not a .npy array ({e}); the store is damaged: "
                                                   "write it again with RaggedWriter or write_ragged")) from None


def _cut_short(path: Path) -> str | None:
    """What is wrong with a ``.npy`` file that holds fewer bytes than its header declares (a copy, download or sync
    that stopped part way, a disk that filled), with the fix; None for a file that is not so. numpy's own words
    ("mmap length is greater than file size", "could only read 2 elements") read as if it were no array at all."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            return None
        f.seek(0)
        try:
            version = np.lib.format.read_magic(f)
            read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
            shape, _, dtype = read(f)
        except (ValueError, OSError, EOFError):  # a file cut inside its header
            held = f"{size} bytes, cut inside its header"
        else:
            declared = f.tell() + math.prod(shape) * dtype.itemsize
            if size >= declared:
                return None
            held = f"{size} of the {declared} bytes its header declares ({dtype} {shape})"
    return (f"is cut short: it holds {held} (a copy, download or sync that stopped part way or is still under "
            "way, or a disk that filled); once a copy under way has finished, open it again; else copy the store's "
            "directory again from where it was written, or write it again with RaggedWriter or write_ragged")


def _file_for_store(path: Path) -> str:
    """What a file given where a ragged store's directory goes is, with the fix: one of a store's own files (its
    ``data.npy`` or ``meta.json``: the store is the directory that holds them), an array saved by ``np.save`` or
    ``np.savez`` (data of its own, not a store), what stands in for data (`stand_in`), or another file."""
    if path.name in ("meta.json", "data.npy", "offsets.npy") and (path.parent / "meta.json").is_file():
        return f"{path.name} is one of the store's files; give the store's directory: RaggedStore({str(path.parent)!r})"
    if instead := stand_in(path):
        return f"the file {instead}"
    with open(path, "rb") as f:
        head = f.read(6)
    write = "to make a store of its sequences, write_ragged(directory, [seq_0, seq_1, ...]) and open that directory"
    if head == b"\x93NUMPY":
        return f"a NumPy .npy array, not a store; load it with np.load({str(path)!r}), or {write}"
    if head.startswith(b"PK\x03\x04") and path.suffix == ".npz":
        return f"a NumPy .npz archive, not a store; load it with np.load({str(path)!r}), or {write}"
    return f"a store is a directory (data.npy, offsets.npy and meta.json); {write}"


class RaggedStore(Dataset):
    """Memory-mapped read access to a store written by `RaggedWriter`.

    ``store[i]`` is a tensor ``(T_i, ...)`` (a copy, safe to modify), or ``(x, y)`` when the store has
    labels. ``lengths`` is ``(n,)`` int64. The memory map is opened lazily in each process and not
    pickled, so the store is cheap to send to ``DataLoader`` workers. A worker that opens it again finds the
    ``data.npy`` the store was opened with or refuses: a store written again since (its items would be cut at the
    old offsets) or moved away must be opened again.
    """

    def __init__(self, directory: str | os.PathLike):
        self.directory = Path(directory)
        meta_path = self.directory / "meta.json"
        if not self.directory.is_dir():
            what = path_kind(self.directory) if self.directory.exists() else "no such directory"
            meant = None if self.directory.exists() else near_miss(self.directory)  # Store for store, a copied space
            told = f" ({meant})" if meant else ""
            if what == "a file":
                told = f": {_file_for_store(self.directory)}"
            raise ValueError(f"{self.directory}: {what}; expected the directory of a ragged store "
                             f"(written by RaggedWriter or write_ragged){told}")
        if not meta_path.exists():
            pending = sorted(self.directory.glob(".data.npy.*.tmp"))  # a RaggedWriter's data before its commit
            if pending:
                raise ValueError(
                    f"RaggedStore: {self.directory} has no meta.json yet, and a RaggedWriter's data is there "
                    f"uncommitted ({pending[0].name}, {pending[0].stat().st_size} bytes): a writer still running "
                    "(another process, a notebook's unclosed writer), or one stopped before close(); open the store "
                    "once the writer has closed (with RaggedWriter(...) as w: ... closes it), or, if none runs, "
                    "write it again"
                )
            raise ValueError(
                f"{self.directory} is not a ragged store: meta.json is missing (the writer never committed); "
                "write it with RaggedWriter or write_ragged"
            )
        try:
            self.meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            if instead := stand_in(meta_path):
                raise ValueError(f"RaggedStore: {meta_path} {instead}") from None
            raise ValueError(f"{meta_path} is not JSON ({e}); the store's metadata is corrupt: write the store "
                             "again with RaggedWriter or write_ragged") from None
        if not isinstance(self.meta, dict):
            self.meta = {}
        if self.meta.get("format") != FORMAT or self.meta.get("version") != VERSION:
            raise ValueError(
                f"{meta_path} has format {self.meta.get('format')!r} version {self.meta.get('version')!r}; "
                f"expected {FORMAT!r} version {VERSION}"
            )
        keys = ("count", "steps", "dtype", "feature_shape", "has_labels")
        lost = [k for k in keys if k not in self.meta]
        names = ["data.npy", "offsets.npy"] + (["labels.npy"] if self.meta.get("has_labels") else [])
        lost += [name for name in names if not (self.directory / name).is_file()]
        if lost:  # a store copied in part, or edited by hand
            raise ValueError(f"{self.directory}: the ragged store is incomplete: {', '.join(lost)} "
                             f"{'is' if len(lost) == 1 else 'are'} missing; copy the whole directory, or write the "
                             "store again with RaggedWriter or write_ragged")
        self.offsets = _load_npy(self.directory / "offsets.npy")
        n = self.meta["count"]
        if (len(self.offsets) != n + 1 or self.offsets[0] != 0 or self.offsets[-1] != self.meta["steps"]
                or np.any(np.diff(self.offsets) <= 0)):
            raise ValueError(
                f"{self.directory}: offsets.npy does not match meta.json (count {n}, steps "
                f"{self.meta['steps']}); the store was partly rewritten, write it again"
            )
        self.lengths = np.diff(self.offsets).astype(np.int64)
        self.labels = (_load_npy(self.directory / "labels.npy")
                       if self.meta["has_labels"] else None)
        if self.labels is not None and len(self.labels) != n:  # item i would take another item's label, or none
            raise ValueError(f"{self.directory}: labels.npy has {len(self.labels)} labels but the store holds {n} "
                             "sequences (meta.json); the store was partly rewritten, write it again")
        self._data: np.ndarray | None = None
        self._stamp = self._data_stamp()
        data = self.data
        expected = (self.meta["steps"], *self.meta["feature_shape"])
        if data.shape != expected or data.dtype.str != self.meta["dtype"]:
            raise ValueError(
                f"{self.directory}: data.npy is {data.dtype.str} {data.shape} but meta.json says "
                f"{self.meta['dtype']} ({self.meta['steps']}, *{self.meta['feature_shape']}); write it again"
            )

    @property
    def data(self) -> np.ndarray:
        """The whole ``(N_steps, ...)`` memory map (opened on first use in this process)."""
        if self._data is None:
            if self._data_stamp() != self._stamp:  # offsets and labels were read from the store as it was
                self._refuse_changed()
            self._data = _load_npy(self.directory / "data.npy", mmap_mode="r")
        return self._data

    def _data_stamp(self) -> tuple[int, int] | None:
        """Which ``data.npy`` this is: its size and time of change (None when it is gone); not its device and
        inode, which differ on another machine that mounts the same store."""
        try:
            st = os.stat(self.directory / "data.npy")
        except FileNotFoundError:
            return None
        return st.st_size, st.st_mtime_ns

    def _refuse_changed(self) -> None:
        where = f"RaggedStore({str(self.directory)!r})"
        if not (self.directory / "data.npy").is_file():
            raise ValueError(f"{self.directory}/data.npy is gone: the store was moved or removed since {where} "
                             "opened it, and its memory map is opened again in each process (each DataLoader "
                             "worker); open the store again where it is now")
        raise ValueError(f"{self.directory} was written again since {where} opened it (its data.npy is another "
                         "file now), so its items would be cut at the old store's offsets, with its labels, in each "
                         "process that opens the memory map again (each DataLoader worker); open the store again: "
                         f"{where}")

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_data"] = None
        return state

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, i: int) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} out of range for a store of {len(self)} sequences")
        i = i % len(self)
        # a store of another machine's byte order (written elsewhere, or before stores were native) read as ours
        x = torch.from_numpy(np.array(self.data[self.offsets[i] : self.offsets[i + 1]],
                                      dtype=self.data.dtype.newbyteorder("=")))
        if self.labels is None:
            return x
        return x, torch.as_tensor(self.labels[i])
