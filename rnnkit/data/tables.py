"""Sequences from files: a CSV in long or wide format, or an ``.npz``; used by ``rnnkit train`` / ``predict``.

========  ==============================================================================================
format    layout
========  ==============================================================================================
long      one row per time step: a sequence-id column, an optional time column (rows are sorted by it
          within each sequence), feature columns, and a target column (per sequence: constant within a
          sequence; per step for tagging)
wide      one row per sequence: a target column, then one column per time step of a single feature;
          trailing empty cells make shorter sequences
npz       arrays ``X`` ``(n, T, F)`` or ``(n, T)``, optional ``lengths`` ``(n,)`` and ``y``; read with
          ``allow_pickle=False``
========  ==============================================================================================

What is read is checked before anything is reordered, so that an error names the file's own sequence id
and line (or npz index) and the column: ids and times present, (id, time) unique, times numbers or dates
(never text sorted as text), features finite in float32, ``lengths`` integers in ``[1, T]``, one per
sequence. docs/training.md ("Files for rnnkit train and rnnkit predict") lists every rule.
"""

from __future__ import annotations

import datetime
import functools
import numbers
import re
import shlex
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from ..checks import FLOAT32_MAX, interleaved_channels, missing_file, runs_along
from .collate import blank_tails, zero_padding
from .text import DAMAGED_STREAM, damaged_stream, open_decompressed


@dataclass
class SequenceTable:
    """Sequences read from a file.

    ``X`` a list of ``(T_i, F)`` float32 arrays; ``y`` the targets (or None); ``ids`` the file's own sequence
    ids (long: the id column's values; wide: the 1-based data row; npz: the index along ``X``'s first axis),
    used in error messages and prediction files; ``feature_names`` the ``F`` feature names in file order
    (long: the feature columns; wide: the one feature ``["value"]``; npz: ``["x0", "x1", ...]``, since an
    array has no column names); ``target_column`` the column of targets, left out of the features (npz:
    ``"y"``), or None when the file has none; ``y`` is None when targets were not asked for; ``times`` the time
    column's cells of each sequence, in the order of its steps (long files read with a time column; else None),
    so that per-step outputs can name the file's own times; ``sample_times`` the same times as a time-aware
    model reads them (:mod:`rnnkit.data.sample_times`): numbers as float64, dates and durations as a
    ``pd.TimedeltaIndex`` (dates since 1970-01-01 UTC), one per sequence."""

    X: list[np.ndarray]
    y: np.ndarray | list[np.ndarray] | None
    ids: np.ndarray
    feature_names: list[str] = field(default_factory=list)
    target_column: str | None = None
    times: list[np.ndarray] | None = None
    sample_times: list | None = None




def read_sequences(
    path: str | Path,
    *,
    layout: str = "auto",
    id_column: str = "id",
    time_column: str | None = None,
    target_column: str | None = "target",
    per_step_target: bool = False,
    require_target: bool = True,
    missing_values: bool = False,
) -> SequenceTable:
    """Read sequences from ``path`` (see the module docstring). ``target_column=None`` reads inputs only;
    with ``require_target=False`` (prediction files) a target column is left out of the features if present
    but not read (``y`` is None), and a missing one is not an error.

    Everything is validated here, before any reordering, so that an error names the file's own sequence
    id, its line (the header is line 1; pandas skips blank lines) or npz index, and the column. Raises
    ValueError for: a missing file or column, an empty file, a file that is not what its layout says,
    non-numeric features, NaN / infinity / values beyond float32's range in features, an empty id or time,
    a duplicated (id, time) (named as a second id column where a text column tells its rows apart), a time
    column that is neither numbers nor dates in one unambiguous format, a
    per-sequence target that changes within a sequence or is empty, npz ``lengths`` that are not integers
    in ``[1, T]``, one per sequence, an npz ``X`` of one step of many features ``(n, 1, F)`` without
    ``lengths`` (sktime's ``(n, C=1, T)``; fewer steps than features is warned of), a wide CSV whose columns
    name several channels' steps (sktime's "pd-wide", ``dim_0__0, ...``). ``missing_values=True`` reads an
    empty (NaN) feature value as missing instead of refusing it, for a model that reads missing values
    (``time_aware=True``)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(missing_file(path, "expected a .csv or .npz of sequences"))
    if layout == "auto":
        layout = "npz" if path.suffix == ".npz" else "long"
    if layout == "npz":
        return _read_npz(path, target_column is not None and require_target, per_step_target, missing_values)
    if layout not in ("long", "wide"):
        raise ValueError(f"layout must be 'auto', 'long', 'wide' or 'npz', got {layout!r}")
    if path.suffix.lower() == ".npz" and zipfile.is_zipfile(path):  # a CSV's layout given for an .npz
        raise ValueError(f"{path}: this is an .npz archive, but layout={layout!r} (--layout {layout}) reads a CSV; "
                         "leave the layout out (an .npz is read as one) or give layout='npz' (--layout npz)")
    # ids are kept as the file's text: "007" and "7" are different sequences, and a column of mixed numbers and
    # words gets one type
    frame = read_csv(path, dtype={id_column: str} if layout == "long" else None, npz=True)
    _check_world_bank(path, frame)
    if not require_target and target_column not in frame.columns:
        target_column = None
    roles = {"id": id_column if layout == "long" else None, "time": time_column, "target": target_column}
    named = [(role, c) for role, c in roles.items() if c]
    for k, (role, column) in enumerate(named):
        other = next((r for r, c in named[k + 1:] if c == column), None)
        if other:  # one column cannot be both: the other role's column would be read as a feature
            raise ValueError(f"{path}: column {column!r} is named as both the {role} and the {other} column; each "
                             f"role needs its own column (--id-column / --time-column / --target-column)")
    needed = [c for c in roles.values() if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        hints = [f"{column!r} may be {close!r} ({role}_column={close!r}, --{role}-column {shlex.quote(close)})"
                 for role, column in named if column in missing
                 if (close := _close_column(column, [str(c) for c in frame.columns])) is not None]
        if (data := value_in_header(frame.columns)) and not hints:
            raise ValueError(f"{path}: column(s) {missing} not found, and line 1, {list(map(str, frame.columns))[:6]}"
                             f", holds values ({data!r}) where the header belongs: the file has no header row; "
                             f"write one naming the columns, e.g. pd.read_csv(path, header=None).set_axis(["
                             f"{', '.join(repr(c) for c in needed)}, ...], axis=1).to_csv(new_path, index=False) (the "
                             f"names in the file's order)")
        if len(frame.columns) > 2 and all(str(c).startswith(" ") for c in frame.columns[1:]):
            raise ValueError(f"{path}: column(s) {missing} not found; the file has {list(frame.columns)}: it writes "
                             "a space after each comma, which pandas keeps in every name and value (' yes' is not "
                             "'yes'); save it without them: pd.read_csv(path, skipinitialspace=True).to_csv(new_path, "
                             "index=False)")
        raise ValueError(f"{path}: column(s) {missing} not found; the file has {list(frame.columns)} "
                         + (f"({'; '.join(hints)})" if hints else
                            "(choose them with --id-column / --time-column / --target-column)"))
    _check_total_row(path, frame, [c for c in (roles["id"], target_column) if c])
    if target_column and require_target:
        _warn_spaced_labels(path, frame[target_column], target_column)
    if layout == "wide":
        return _read_wide(path, frame, target_column, require_target)
    return _read_long(path, frame, id_column, time_column, target_column, require_target, per_step_target,
                      missing_values)


# the words a spreadsheet's total row writes in its first cell (English, German, Dutch, Italian, French, Spanish)
TOTAL_WORDS = ("total", "totals", "grand total", "sum", "subtotal", "summe", "gesamt", "insgesamt", "totaal",
               "totale", "somme", "suma")


def _warn_spaced_labels(path: Path, target: pd.Series, name: str) -> None:
    """Warn of text labels with spaces around them (``' yes'``, as a file written with a space after each comma has
    them), each read as written: the classes and the predictions keep the spaces. Labels that differ only by them
    (``'yes'`` and ``' yes'``) are refused where the labels are checked."""
    labels = pd.Series(target.dropna().unique())
    text = labels[labels.map(lambda v: isinstance(v, str))].astype(str)
    spaced = text[text != text.str.strip()]
    if len(spaced) and not text.str.strip().duplicated().any():
        row = int(np.flatnonzero(target.to_numpy() == spaced.iloc[0])[0])
        warnings.warn(f"{path}: the target column {name!r} has labels with spaces around them ({spaced.iloc[0]!r} on "
                      f"{_lines([row], path)}{f'; {len(spaced)} such labels' if len(spaced) > 1 else ''}), read with "
                      f"them: the classes and predictions would be {spaced.iloc[0]!r}, not "
                      f"{spaced.iloc[0].strip()!r}; strip them, e.g. df[{name!r}] = df[{name!r}].str.strip(), or "
                      "ignore this if the spaces are meant", UserWarning, stacklevel=3)


def _check_total_row(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    """Refuse a last row that totals the table, as a spreadsheet adds below it (``Total`` in the id or the target
    column, and nowhere else in it): it would be read as one more sequence (its sums as steps, ``Total`` as a class
    of its own) or named only by a cell it leaves empty."""
    last = len(frame) - 1
    for column in columns:
        cell = frame[column].iloc[last]
        if isinstance(cell, str) and cell.strip().lower().rstrip(":") in TOTAL_WORDS \
                and int((frame[column] == cell).sum()) == 1:
            raise ValueError(f"{path}: {_lines([last], path)}, the last, looks like a spreadsheet's total row "
                             f"({cell!r} in {column!r}), which would be read as a sequence of its own; remove it, "
                             "e.g. pd.read_csv(path).iloc[:-1].to_csv(new_path, index=False)")


# -- CSV -----------------------------------------------------------------------------------------------------
# files of another format, by suffix (and the magic bytes of Parquet and Arrow), each with the pandas reader that
# converts it to a CSV
_OTHER_FORMATS = {".json": "read_json", ".jsonl": "read_json(path, lines=True)",
                  ".ndjson": "read_json(path, lines=True)",
                  ".xlsx": "read_excel", ".xls": "read_excel", ".xlsm": "read_excel", ".ods": "read_excel",
                  ".parquet": "read_parquet", ".pq": "read_parquet", ".feather": "read_feather",
                  ".arrow": "read_feather", ".h5": "read_hdf", ".hdf5": "read_hdf", ".dta": "read_stata",
                  ".sav": "read_spss", ".sas7bdat": "read_sas", ".pkl": None, ".pickle": None}
_MAGIC_FORMATS = {b"PAR1": ".parquet", b"ARROW1": ".feather"}


class CsvFormError(ValueError):
    """A CSV whose text pandas would read into other columns or types than the file means: a line with more
    fields than the header names (a number with a thousands separator that the comma splits), numbers quoted with
    a thousands separator or a decimal comma, a line that repeats the header. The message names the line and the
    fix; a caller with its own hint for a column read as text (``rnnkit train``'s time-named columns) leaves it."""


def _reads(npz: bool) -> str:
    """What the readers read, for their refusals: ``npz``, the caller (``rnnkit train``) reads an ``.npz`` too."""
    return "rnnkit reads a CSV (.csv, or .csv.gz, .bz2, .xz, .zip)" + (" or an .npz" if npz else "")


def read_csv(path: Path, *, dtype=None, reads_all: bool = True, npz: bool = False) -> pd.DataFrame:
    """``pd.read_csv(path)`` as the readers of tables read it (``read_sequences``; ``rnnkit forecast``'s
    ``read_series_csv``), with what pandas fails on and what it would misread without failing as one-line
    ValueErrors naming the file and its line: a file of another format (`_check_not_other_format`), a ``.npy``
    array or a zip archive other than a ``.zip`` of a CSV, an empty file, a damaged compressed stream, text that is
    not UTF-8, a line with more fields than the header names (where every line has one more, pandas reads the first
    field as an index and shifts the columns), a header it would change (`_check_header`, ``reads_all`` as there),
    a line that repeats the header, a header with no rows. ``npz``: the caller reads an ``.npz`` too (``rnnkit
    train``, not ``rnnkit forecast``), which its messages name."""
    with open(path, "rb") as f:
        head = f.read(1024)
    _check_not_other_format(path, head, npz=npz)
    reads = _reads(npz)
    if head.startswith(_NPY):  # read as text, it would be "not UTF-8"
        if npz:
            raise _not_npz(path, "this is a single .npy array (numpy.save), not a CSV nor an .npz archive of named "
                                 "arrays")
        raise ValueError(f"{path}: this is a single .npy array (numpy.save), not a CSV; {reads}")
    if head.startswith((_ZIP, _EMPTY_ZIP)) and path.suffix.lower() != ".zip":  # pandas reads a zipped .csv.zip
        raise ValueError(f"{path}: this is a zip archive (an .npz?), not a CSV; name it .npz or pass --layout npz "
                         f"(layout='npz')" if npz else f"{path}: this is a zip archive, not a CSV; {reads}")
    try:
        # low_memory=False types each column once, not per chunk
        frame = pd.read_csv(path, dtype=dtype, low_memory=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty; expected a CSV with a header row") from None
    except DAMAGED_STREAM as e:  # a .csv.gz (.bz2, .xz) cut short or damaged
        damaged = damaged_stream(path, e)
        if damaged is None:
            raise
        raise damaged from None
    except UnicodeDecodeError as e:
        utf16 = e.object[:2] in (b"\xff\xfe", b"\xfe\xff")  # the byte-order mark of UTF-16 (Excel's "Unicode text")
        raise ValueError(f"{path}: not UTF-8 text (byte {e.object[e.start]:#x} at byte offset {e.start}"
                         f"{'; it starts with the byte-order mark of UTF-16' if utf16 else ''}); save the CSV as "
                         f"UTF-8, e.g. pd.read_csv(path, encoding={'utf-16' if utf16 else 'latin-1'!r})"
                         f".to_csv(new_path, index=False)") from None
    except pd.errors.ParserError as e:
        reason = str(e).splitlines()[0]
        if extra := re.search(r"Expected (\d+) fields in line (\d+), saw \d+", reason):
            raise CsvFormError(_extra_fields(path, int(extra[2]), int(extra[1]))) from None
        raise ValueError(f"{path}: cannot read as a CSV ({reason}){'; for an .npz use --layout npz' if npz else ''}"
                         ) from None
    _check_header(path, reads_all=reads_all, npz=npz)
    if not isinstance(frame.index, pd.RangeIndex):  # a field more than the header on every line: pandas reads
        raise CsvFormError(_extra_fields(path, 2, len(frame.columns)))  # the first as an index
    if frame.empty:
        raise ValueError(f"{path}: the CSV has a header but no rows")
    _check_header_repeated(path, frame, given=dtype or {})
    _check_empty_rows(path, frame)
    warn_thousands_dots(path, frame, "pd.read_csv(path, {options}).to_csv(new_path, index=False)")
    return frame


def warn_thousands_dots(path, frame: pd.DataFrame, fix: str, **read_csv_kwargs) -> None:
    """Warn of a column that pandas read as decimals but whose cells are written with a dot between thousands
    (``'1.038'`` for 1038 beside ``'960'``, as a German or Italian export writes whole numbers): each number over
    999 read a thousand times too small, without an error. The file's text decides (``'1.500'``, not 1.5): every
    cell a whole number of 1 to 3 digits or 1 to 3 digits, a dot and 3 digits, both present. ``fix``: the call that
    reads the file right, ``{options}`` where ``thousands='.'`` goes (with ``dtype=str`` for the text columns,
    whose dates ``'01.01.2021'`` pandas would read as the number 1012021); ``read_csv_kwargs``: how the caller read
    it (``sep``), to read the text alike."""
    candidates = []
    for c in frame.columns:
        v = frame[c].dropna()
        if not pd.api.types.is_float_dtype(v) or not len(v):
            continue
        x = v.to_numpy(np.float64)
        whole = x == np.round(x)
        if whole.all() or whole.sum() == 0 or not (np.abs(x[whole]) < 1000).all() or \
                not ((np.abs(x[~whole]) >= 1) & (np.abs(x[~whole]) < 1000)).all():  # a cheap look before the text
            continue
        candidates.append(c)
    if not candidates:
        return
    # the file's text of every candidate column in one reading
    texts = pd.read_csv(path, **read_csv_kwargs, usecols=candidates, dtype=str, keep_default_na=False)
    for c in candidates:
        text = texts[c].str.strip()
        text = text[text != ""]
        dotted = text.str.fullmatch(r"[-+]?[1-9]\d{0,2}\.\d{3}")
        if not (dotted.any() and (dotted | text.str.fullmatch(r"[-+]?\d{1,3}")).all()):
            continue
        row = int(text.index[np.flatnonzero(dotted.to_numpy())[0]])
        plain = text[~dotted].iloc[0]
        strs = {str(t): "str" for t in frame.columns if not pd.api.types.is_numeric_dtype(frame[t])}
        options = "thousands='.'" + (f", dtype={strs}".replace("'str'", "str") if strs else "")
        call = fix.replace("{options}", options)
        warnings.warn(f"{path}: column {str(c)!r} holds numbers written with a dot between thousands, as a German "
                      f"or Italian export writes them ({_lines([row], path)} has {text[row]!r}, read as "
                      f"{float(text[row]):g}, beside {plain!r}), so every number over 999 is read a thousand times "
                      f"too small; read the file with thousands='.': {call}; if they are decimals written with 3 "
                      "digits, ignore this (warnings.filterwarnings('ignore', message='.*dot between thousands'))",
                      UserWarning, stacklevel=3)


def _check_empty_rows(path: Path, frame: pd.DataFrame) -> None:
    """Refuse rows with no value in any column (``,,,``: the rows a spreadsheet saves below its data once they were
    used), named as such, not as the first role column they leave empty."""
    empty = np.flatnonzero(frame.isna().all(axis=1).to_numpy())
    if empty.size:
        them = "it" if empty.size == 1 else "them"
        raise ValueError(f"{path}: {_lines(empty, path)} {'has' if empty.size == 1 else 'have'} no value in any "
                         f"column (rows of separators only, as a spreadsheet saves the rows once used below its "
                         f"data); delete {them}, e.g. pd.read_csv(path).dropna(how='all').to_csv(new_path, "
                         f"index=False)")


def _extra_fields(path: Path, line: int, names: int) -> str:
    """The message for line ``line`` of a CSV holding more fields than the ``names`` columns of its header: a
    number written with a thousands separator (``11,207``), split in two, named where two neighbouring fields
    look like one."""
    cells = pd.read_csv(path, header=None, skiprows=line - 1, nrows=1, dtype=str, keep_default_na=False,
                        encoding="utf-8-sig").iloc[0].tolist()
    where = f"{path}: line {line} has {len(cells)} fields ({','.join(cells)!r}) but the header names {names} column(s)"
    for a, b in zip(cells, cells[1:], strict=False):
        if re.fullmatch(r"[-+]?\d{1,3}", a) and re.fullmatch(r"\d{3}(\.\d*)?", b):
            return (f"{where}: '{a},{b}' looks like one number written with a thousands separator, which the comma "
                    f"splits in two; save the file again with numbers written without one ({a}{b})")
    return (f"{where}; give every line as many fields as the header (name the extra column in the header, or quote "
            "a value that holds a comma)")


def _check_header_repeated(path: Path, frame: pd.DataFrame, given) -> None:
    """CsvFormError for a line that repeats the header (files joined together, each with its header): its cells
    would be read as a row of data, every column of numbers as text (named: the first, other than the columns of
    a ``given`` type, whose other cells are all numbers)."""
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if not text:
        return
    names = [str(c) for c in frame.columns]
    rows = [int(r) for r in np.flatnonzero(frame[text[0]].astype(str).to_numpy() == str(text[0]))
            if [str(cell) for cell in frame.iloc[r]] == names]
    if not rows:
        return
    rest = frame.drop(index=frame.index[rows])
    numbers = [c for c in text if c not in given
               and pd.to_numeric(rest[c], errors="coerce").notna().sum() == rest[c].notna().sum()]
    reads = f", so column {numbers[0]!r} reads as text" if numbers else ""
    raise CsvFormError(f"{path}: {_lines(rows[:1], path)} repeats the header (files joined together?){reads}; "
                       "remove that line (or every line that repeats the header)")


_ARRAY_TEXT = r"\s*\[[-+0-9.eEinfa,\s]*\]\s*"  # '[0.54 -1.2]' (numpy's str) or '[0.54, -1.2]' (a list's)
_PRINTED = r"\n(?:Length: \d+, )?dtype: \w+\s*$"  # the last line of pandas' printout of a Series or an array


def sequences_in_column(column: pd.Series, name: str) -> tuple[int, str] | None:
    """``(position of the first such cell, what it holds and the fix)`` for a column that holds a whole series at
    each row: sequences of several lengths, or pandas arrays or Series (a .tsf file as sktime's
    ``load_tsf_to_dataframe(return_type='default_tsf')`` reads it, an sktime nested frame), or their printouts as
    ``to_csv`` writes such cells; None for any other column. The text reads ``holds ...`` after the caller's own
    ``column 'name'``."""
    cells = column.to_numpy(dtype=object)
    # The type of each cell, tested once per distinct type rather than once per cell: the Forecaster's fit looks
    # at every object column with this, and a Python test per cell took seconds on a million rows.
    types = pd.Series(np.fromiter(map(type, cells), dtype=object, count=len(cells)))
    distinct = types.unique()
    text = types.isin([t for t in distinct if issubclass(t, str)]).to_numpy()
    printed = []
    if text.any() and "dtype:" in "\n".join(cells[text]):  # every printout ends in 'dtype: ...'
        holds = pd.Series(cells[text]).str.contains("dtype:", regex=False).to_numpy()
        printed = [i for i in np.flatnonzero(text)[holds] if re.search(_PRINTED, cells[i])]
    if printed:  # a CSV written from such a frame: each cell holds the Series' or array's printout
        i = int(printed[0])
        lines = cells[i].strip().splitlines()
        return i, (f"holds pandas' printout of a whole series at each row ({lines[0].strip()!r} .. "
                   f"{lines[-1].strip()!r}, {len(lines)} lines, the first), as to_csv writes a cell that held a "
                   f"Series or an array (an sktime nested frame, a .tsf file read by sktime), not one number per "
                   f"time; the values "
                   f"cannot be read back from it (pandas shortens long printouts): write the data long, a row per "
                   f"step, before to_csv, e.g. sktime's convert_to(X, 'pd-multiindex').reset_index() of a nested "
                   f"frame, or load_tsf_to_dataframe(path, return_type='pd_multiindex_hier').reset_index()")
    sequence = np.ndarray | list | tuple | ExtensionArray | pd.Series
    arrays = np.flatnonzero(types.isin([t for t in distinct if issubclass(t, sequence)]).to_numpy())
    sizes = sorted({np.size(cells[j]) for j in arrays})
    if not len(arrays) or len(sizes) == 1 and not any(issubclass(t, ExtensionArray | pd.Series) for t in distinct):
        return None
    i = int(arrays[0])
    shown = np.array2string(np.asarray(cells[i], dtype=object).ravel()[:3], separator=", ")
    size = f"{sizes[0]} values" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]} values"
    return i, (f"holds a sequence at each row ({shown} at row {i}, {size}), a whole series per row as a .tsf file "
               f"or an sktime nested frame has, not one number per time: make it long, a row per step, e.g. "
               f"df = df.explode({name!r}, ignore_index=True).astype({{{name!r}: float}}); df['step'] = "
               f"df.groupby(id_column).cumcount() as its time; sktime's load_tsf_to_dataframe(path, "
               f"return_type='pd_multiindex_hier').reset_index() gives it long, with its times")


def arrays_in_column(column: pd.Series, name: str) -> tuple[int, str] | None:
    """``(position of the first such cell, what it holds and the fix)`` for a column that holds an array of numbers
    at each row (a gymnasium Box action or observation, a list per row) rather than one number, a whole series at
    each row (:func:`sequences_in_column`), or such arrays as ``to_csv`` writes them (``'[0.54784673]'``); None
    for any other column. The text reads ``holds ...`` after the caller's own ``column 'name'``."""
    if found := sequences_in_column(column, name):
        return found
    cells = column.to_numpy(dtype=object)
    arrays = [i for i, v in enumerate(cells) if isinstance(v, np.ndarray | list | tuple)]
    if arrays:
        i = arrays[0]
        sizes = sorted({np.size(cells[j]) for j in arrays})
        k = sizes[0]
        fix = (f"df[{name!r}] = np.stack(df[{name!r}].to_numpy())[:, 0]" if sizes == [1] else
               f"df = df.join(pd.DataFrame(np.stack(df.pop({name!r}).to_numpy()), index=df.index).add_prefix("
               f"'{name}_'))")
        shown = np.array2string(np.asarray(cells[i]).ravel()[:3], separator=", ")
        size = f"{k} value{'s' if k > 1 else ''}" if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]} values"
        return i, (f"holds an array at each row ({shown} at row {i}, {size}; a gymnasium Box action or "
                   f"observation kept whole?), not one number: give each value a column of its own, e.g. {fix}")
    text = [i for i, v in enumerate(cells) if isinstance(v, str) and v.strip()]
    if text and all(re.fullmatch(_ARRAY_TEXT, cells[i]) for i in text):
        i = text[0]
        return i, (f"holds arrays written as text ({cells[i]!r}, as to_csv writes a column that held an array at "
                   "each row), not one number per cell: unpack the column into one column per value before writing "
                   f"the file, e.g. df[{name!r}] = np.stack(df[{name!r}].to_numpy())[:, 0] for arrays of one value")
    return None


def comma_numbers(words: pd.Series) -> tuple[str, str] | None:
    """How text numbers that pandas did not read are written, ``(what, read_csv options)``, where every one is a
    number with a thousands separator or a decimal comma (``'1,234'``, ``'11,2'``, ``'1.234,5'``; a space,
    no-break space or apostrophe between thousands: ``'1 234,5'``, ``"1'234.50"``); None otherwise."""
    text = words.astype(str).str.strip()
    if not len(text):
        return None
    if text.str.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?|[-+]?\d+,\d+").all() and text.str.contains(r"\.").any():
        return "'.' between thousands and a decimal comma", "thousands='.', decimal=','"
    thousands = text.str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?").all()
    decimal = text.str.fullmatch(r"[-+]?\d+,\d+").all()
    if thousands and decimal:  # '1,234' is either
        return ("a comma that is a thousands separator or a decimal comma", "thousands=',' (1,234 = 1234) or "
                "decimal=',' (1,234 = 1.234), whichever the file means")
    if thousands:
        return "a thousands separator", "thousands=','"
    if decimal:
        return "a decimal comma", "decimal=','"
    for sep, name in _THOUSANDS_MARKS:  # '1 234,5' (French), "1'234.50" (Swiss): a mark pandas reads as text
        if text.str.fullmatch(rf"[-+]?\d{{1,3}}(?:{sep}\d{{3}})*(?:[.,]\d+)?").all() and text.str.contains(sep).any():
            comma = text.str.contains(",").any()
            return (f"{name} between thousands{' and a decimal comma' if comma else ''}",
                    f"thousands={sep!r}{', decimal=' + repr(',') if comma else ''}"
                    f"{'' if sep.isascii() else ', engine=' + repr('python')}")  # C reads a one-byte mark
    return None


_THOUSANDS_MARKS = ((" ", "a space"), ("\u00a0", "a no-break space"), ("\u202f", "a narrow no-break space"),
                    ("'", "an apostrophe"), ("\u2019", "an apostrophe"))
"""The marks other than ``,`` and ``.`` that exports put between thousands, with their names."""


CURRENCY = "$€£¥₹"
"""The currency signs an amount is written with, which pandas does not read."""
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"  # unsigned, with or without a thousands comma
_UNIT = r"(?:[^\W\d_]|[°µ])[^\d\s]*"  # 'kg', 'm/s', '°C', 'µg/m³': a word after the number, no digit but ² ³


def marked_numbers(words: pd.Series, spelt: str) -> tuple[str, str] | None:
    """How text numbers that pd.to_numeric makes NaN are written, ``(what, fix)``, where every one is a number
    with a mark pandas does not read: parentheses for a negative, as accounts write them (``'(35)'``,
    ``'($1,200)'``), or a minus after it (``'35-'``), which would leave only the positive values; a percent
    sign (``'4.5%'``), a currency sign (``'$1,234.50'``, ``'1.234,50 €'``) or a typographic minus (``'−3.2'``,
    U+2212, as word processors and some locales write negatives, which would leave only the positive values) or
    a unit, the same in every cell (``'12 kg'``, ``'37.5°C'``); values at a lab's detection limit (``'<0.5'``,
    ``'>100'``: censored, not missing); None otherwise. ``spelt`` is the column as the
    user's code names it (``df['v']``)."""
    text = words.astype(str).str.strip()
    if not len(text):
        return None
    marks = "" if not text.str.contains(f"[{CURRENCY},]").any() else \
        f".str.replace(r'[{CURRENCY},\\s]', '', regex=True)"
    for negative, written, move in (  # '(35)', '($1,200.50)': accounts; '35-': SAP's and some ledgers' exports
            (rf"\([{CURRENCY}]?\s?(?:{_NUMBER})\)", "in parentheses, as accounts write them", r"^\((.*)\)$"),
            (rf"[{CURRENCY}]?\s?(?:{_NUMBER})-", "with the minus after them, as some ledgers export them", r"^(.*)-$")):
        found = text.str.fullmatch(negative)
        if found.any() and text[~found].str.fullmatch(rf"[{CURRENCY}]?\s?(?:{_NUMBER})").all():
            return (f"negative numbers {written} (errors='coerce' would keep only the positive values)",
                    f"pd.to_numeric({spelt}.str.replace(r'{move}', r'-\\1', regex=True){marks})")
    if text.str.fullmatch(rf"(?:[<>]=?|[≤≥])\s?(?:{_NUMBER})").all():  # '<0.5': below a detection limit (a lab's)
        return ("values censored at a detection or reporting limit ('<0.5': below it, '>100': above it; "
                "errors='coerce' would drop them, and with them the lowest or highest readings; the fix reads each "
                f"as its limit, times np.where({spelt}.str.startswith('<'), 0.5, 1) for half a lower limit)",
                f"pd.to_numeric({spelt}.str.lstrip('<>=≤≥ '))")
    if text.str.fullmatch(rf"[-+]?(?:{_NUMBER})\s?%").all():
        return ("percentages", f"pd.to_numeric({spelt}.str.rstrip('%')) / 100 for fractions (without / 100 for "
                               "percentage points)")
    if text.str.contains(f"[{CURRENCY}]").all():  # '$1,234.50', '1.234,50 €' (a German sheet), '-£3'
        bare = text.str.replace(f"[{CURRENCY}\\s]", "", regex=True)
        for number, strip, then in ((r"[-+]?\d{1,3}(,\d{3})*(\.\d+)?|[-+]?\d+(\.\d+)?|[-+]?\.\d+", ",", ""),
                                    (r"[-+]?\d{1,3}(\.\d{3})*(,\d+)?|[-+]?\d+(,\d+)?", ".", ".str.replace(',', '.')")):
            if bare.str.fullmatch(number).all():
                return ("amounts with a currency sign", f"pd.to_numeric({spelt}.str.replace(r'[{CURRENCY}{strip}\\s]', "
                                                        f"'', regex=True){then})")
    if text.str.fullmatch(rf"[\u2212\u2013](?:{_NUMBER})").all():
        code = f"u{ord(text.iloc[0][0]):04x}"
        sign = "U+2212, a typographic minus" if code == "u2212" else "U+2013, an en dash"
        return (f"negative numbers written with the sign {text.iloc[0][0]!r} ({sign}; errors='coerce' would keep "
                "only the positive values)", rf"pd.to_numeric({spelt}.str.replace('\{code}', '-'))")
    unit = text.str.extract(rf"^[-+]?(?:{_NUMBER})\s?({_UNIT})$", expand=False)
    if unit.notna().all() and unit.nunique() == 1:  # one unit: a sheet's 'number + unit' format, or typed in
        drop = rf"\s*{re.escape(unit.iloc[0])}$" + ("|," if text.str.contains(",").any() else "")
        return (f"numbers with the unit {unit.iloc[0]!r}",
                f"pd.to_numeric({spelt}.str.replace(r'{drop}', '', regex=True))")
    return None


_TWO_WORDS = (("yes", "no"), ("true", "false"), ("y", "n"), ("t", "f"), ("on", "off"), ("ja", "nein"), ("oui", "non"),
              ("sí", "no"), ("si", "no"))
"""Pairs of words a sheet or a form writes for 1 and 0, which pandas reads as text (only ``True``/``False``,
``TRUE``/``FALSE`` and ``true``/``false`` as booleans, and those only in a column with no other cell)."""


def boolean_words(words: pd.Series) -> dict[str, float] | None:
    """``{word: 1.0 or 0.0}`` where the text cells ``words`` are the two words of one pair of :data:`_TWO_WORDS`
    in any case (``'yes'``/``'no'``, ``'TRUE'``/``'FALSE'`` beside a missing cell, ``'Y'``/``'N'``), or one of
    them: answers that read as 1 and 0; None otherwise."""
    given = pd.unique(words.astype(str))
    if not len(given):
        return None
    lower = {w.strip().lower() for w in given}
    for pair in _TWO_WORDS:
        if lower <= set(pair):
            return {w: 1.0 if w.strip().lower() == pair[0] else 0.0 for w in given}
    return None


def header_units(column: pd.Series) -> str | None:
    """The first row's cell of a column of numbers where it is the only cell that is not a number and is no mark
    of a missing reading (``'°C'``, ``'mm'``, ``'[kg]'``): a line of units under the header, a second header line
    as weather stations and loggers export; None otherwise."""
    given = column.dropna()
    if len(given) < 3 or given.index[0] != column.index[0]:
        return None
    text = given.astype(str).str.strip()
    number = pd.to_numeric(text, errors="coerce").notna()
    if number.iloc[0] or not number.iloc[1:].all() or re.fullmatch(r"[-?.*]*", text.iloc[0]):
        return None
    return text.iloc[0]


SPREADSHEET_ERRORS = ("#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#N/A", "#SPILL!", "#CALC!")
"""The cells Excel, LibreOffice and Google Sheets write where a formula fails, which an export keeps as text."""


def formula_errors(marks: list[str]) -> str:
    """``" (a spreadsheet formula's error, no reading)"`` where the marks of :func:`missing_marks` hold one of
    :data:`SPREADSHEET_ERRORS`, else ``""``: what the message adds to their name."""
    return " (a spreadsheet formula's error: no reading)" if set(marks) & set(SPREADSHEET_ERRORS) else ""


def missing_marks(column: pd.Series) -> list[str] | None:
    """The marks of a missing reading in a column of numbers that pandas read as text because of them: the
    cells, at most 3 distinct ones, that hold no digit (``'-'``, ``'?'``, ``'--'``, ``'.'``, ``'missing'``:
    pandas itself reads only ``''``, ``'NA'``, ``'n/a'``, ``'null'`` and the like as missing), where at least
    half the cells are numbers; a spreadsheet's formula errors (``'#DIV/0!'``, ``'#VALUE!'``: no reading either)
    count too; None otherwise (a column of words, numbers with other text)."""
    text = column.dropna().astype(str).str.strip()
    number = pd.to_numeric(text, errors="coerce").notna()
    marks = text[~number]
    if not len(marks) or number.sum() < len(text) / 2 or \
            (marks.str.contains(r"\d") & ~marks.isin(SPREADSHEET_ERRORS)).any():
        return None
    shown = list(pd.unique(marks))
    return shown if len(shown) <= 3 else None


def numbers_with_commas(path: Path, column: pd.Series) -> str | None:
    """The message for a column of numbers that pandas read as text because they are written with a thousands
    separator (``"1,234.5"``) or a decimal comma (``"11,2"``), quoted in a comma-separated file: the reading that
    fits every such cell, or both where both fit (``"11,207"``); None where other text stops it (a word), which
    each reader words itself."""
    text = column.dropna().astype(str)
    number = pd.to_numeric(text, errors="coerce").notna()
    commas = text.str.fullmatch(r"[-+]?\d+(,\d+)+(\.\d+)?")
    if not commas.any() or not (number | commas).all():
        return None
    row = int(np.flatnonzero(column.notna().to_numpy())[np.flatnonzero(commas.to_numpy())[0]])
    cell = str(column.iloc[row])
    thousands = text.str.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?") | number
    decimal = text.str.fullmatch(r"[-+]?\d+,\d+") | number
    save = ".to_csv(new_path, index=False)"
    if thousands.all() and decimal.all():
        fix = (f"'{cell}' reads as {cell.replace(',', '')} with a thousands separator, or as {cell.replace(',', '.')} "
               f"with a decimal comma: save the file again with the reading it means, pd.read_csv(path, "
               f"thousands=','){save} or pd.read_csv(path, decimal=','){save}")
    elif thousands.all():
        fix = f"it is written with a thousands separator: save the file again as pd.read_csv(path, thousands=','){save}"
    elif decimal.all():
        fix = f"it is written with a decimal comma: save the file again as pd.read_csv(path, decimal=','){save}"
    else:
        return None
    return f"{path}: column {str(column.name)!r} is not numeric ({_lines([row], path)} has {cell!r}); {fix}"


# the time-series formats of sktime and of the UCR/UEA archive, by suffix and by their first line, each with the
# sktime call that reads it as a long table (a row per step: id, t, a column per channel)
_SERIES_FORMATS = {
    ".ts": ("@problemname", "a .ts file (sktime's time-series format, in which the UCR/UEA archive ships its data "
            "sets)", "X, y = sktime.datasets.load_from_tsfile(path, return_data_type='pd-multiindex')"),
    ".arff": ("@relation", "an .arff file (Weka's format, in which the UCR/UEA archive ships its data sets too)",
              "X, y = sktime.datasets.load_from_arff_to_dataframe(path); X = sktime.datatypes.convert_to(X, "
              "to_type='pd-multiindex')"),
}


def _check_not_other_format(path: Path, head: bytes, *, npz: bool = True) -> None:
    """Refuse a JSON, Excel, Parquet, Feather (...) file given as a table, and sktime's ``.ts`` and Weka's
    ``.arff`` (the UCR/UEA archive's formats), by suffix or by their first bytes (Parquet's and Arrow's magic, an
    Excel workbook's zip or OLE2 container, a JSON object or array, the first ``@`` line): read as a CSV each would
    fail on a symptom (a JSON object's keys as a header, an Excel workbook as "not UTF-8", Parquet as a header
    alone, a .ts file's first series line as a row of too many fields). ``head``: the file's first bytes; ``npz``:
    the caller reads an ``.npz`` as well (``rnnkit train``), whose messages name it."""
    reads = _reads(npz)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    first = next((line.strip().lower() for line in text.splitlines()
                  if line.strip() and not line.lstrip().startswith(("#", "%"))), "")
    series = next((s for s, (word, _, _) in _SERIES_FORMATS.items() if first.startswith(word)), None)
    suffix = (next((s for m, s in _MAGIC_FORMATS.items() if head.startswith(m)), None) or series
              or _workbook(path, head)
              or (".json" if text.startswith(("{", "[")) and path.suffix.lower() not in _OTHER_FORMATS else None)
              or path.suffix.lower())
    if suffix == ".json" and text.startswith("{") and "\n{" in text:
        suffix = ".jsonl"  # an object per line: JSON lines
    if suffix in _SERIES_FORMATS:
        _, what, load = _SERIES_FORMATS[suffix]
        then = ", then read new_path with --time-column t (time_column='t')" if npz else ""
        raise ValueError(f"{path}: this is {what}, not a CSV; {reads}: convert it to a long CSV, e.g. {load}; "
                         "X.rename_axis(['id', 't']).join(pd.Series(y, X.index.unique(0), name='target'), on='id')"
                         f".reset_index().to_csv(new_path, index=False){then}")
    if suffix in _OTHER_FORMATS:
        reader = _OTHER_FORMATS[suffix]
        if reader is None:  # pickle: nothing to advise that would load it (rnnkit never unpickles)
            raise ValueError(f"{path}: a pickle ({suffix}) is not read (loading one can run code); {reads}: save the "
                             "table with df.to_csv(new_path, index=False)")
        call = f"pd.{reader}" + ("" if "(" in reader else "(path)")
        by_content = {".json": "JSON", ".jsonl": "JSON lines", ".parquet": "Parquet", ".feather": "Arrow (Feather)",
                      ".xlsx": "an Excel workbook", ".xls": "an Excel 97-2003 workbook",
                      ".ods": "an OpenDocument spreadsheet"}
        kind = f"a {suffix} file" if suffix == path.suffix.lower() else f"{by_content[suffix]} (by its content)"
        raise ValueError(f"{path}: {kind} is not a CSV; {reads}: convert it, e.g. {call}.to_csv(new_path, "
                         "index=False)")


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of Excel's .xls (and other Office files)


def _workbook(path: Path, head: bytes) -> str | None:
    """The suffix of a spreadsheet by its content, whatever its name: ``.xlsx`` (a zip holding ``xl/workbook.xml``),
    ``.ods`` (a zip whose ``mimetype`` is OpenDocument's spreadsheet), ``.xls`` (an OLE2 container); else None."""
    import zipfile

    if head.startswith(_OLE2):
        return ".xls"
    if not head.startswith(_ZIP):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names:
                return ".xlsx"
            if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype"):
                return ".ods"
    except (zipfile.BadZipFile, OSError):
        return None
    return None


def _close_column(name: str, columns: list[str]) -> str | None:
    """The column of ``columns`` that ``name`` most likely means: the same but for case and spaces (``'ID'``,
    ``' id'``), else a close spelling (``'traget'``); None when none is close."""
    from ..checks import meant_name

    return meant_name(name, columns, cutoff=0.75)


def _check_header(path: Path, *, reads_all: bool = True, npz: bool = False) -> None:
    """Refuse a header that pandas would silently change or misread: a column name given twice (pandas
    renames the second ``f1`` to ``f1.1``), a file separated by something else than commas (its whole
    header becomes one column), a first line of data where the header belongs (`_no_header`), and a NUL byte
    anywhere in the file. ``reads_all``: every column is read (as a feature), so a nameless one (a DataFrame's
    index written by ``to_csv``) is refused too; False for a reader of named columns only (``rnnkit forecast``),
    which leaves it unread as any other column it is not given. ``npz``: as in :func:`read_csv`."""
    _check_no_nul(path)
    header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0].tolist()
    _no_header(path, header, npz=npz)
    check_first_line(path, header)
    _check_empty_tail(path, header, reads_all)
    for k, name in enumerate(header):
        if reads_all and (not name.strip() or re.fullmatch(r"Unnamed: \d+", name)):
            # pandas' index written by to_csv (an empty name; 'Unnamed: 0' after a round trip): row numbers
            # that would be read as a feature
            shown = "" if not name.strip() else f" ({name!r} is pandas' name for a nameless column)"
            if k == 0 and _r_row_names(path):
                raise ValueError(f"{path}: column 1 of the header has no name{shown} and numbers the rows from 1, as "
                                 "R's write.csv writes its row names: they would be read as a feature; drop them: "
                                 "pd.read_csv(path, index_col=0).to_csv(new_path, index=False) (in R: write.csv(df, "
                                 "path, row.names = FALSE))")
            raise ValueError(f"{path}: column {k + 1} of the header has no name{shown}, as a DataFrame's index "
                             f"written by to_csv has: its row numbers would be read as a feature; drop it "
                             f"(df.to_csv(path, index=False)) or give it a name")
    check_header_names(path, header)
    check_separator(path, header)


def check_first_line(path: Path, cells: list[str]) -> None:
    """Refuse a first line that is not the header: a comment, or Excel's ``sep=,`` line, which pandas reads as the
    header (the file's columns named after the comment). ``cells``: line 1 as read with ``header=None``. Run by the
    reader, and by `rnnkit predict` / `evaluate` before they match the header to the model's columns."""
    if cells and cells[0].lstrip().startswith("#"):  # pandas reads no comments unless told: it is the header
        raise ValueError(f"{path}: line 1, {cells[0][:60]!r}, is a comment, not the header; remove the comment "
                         "lines above the header (or pd.read_csv(path, skiprows=1).to_csv(new_path, index=False))")
    if re.fullmatch(r"sep=.?", ",".join(cells)):  # Excel's separator line ("sep=," read as two columns)
        raise ValueError(f"{path}: line 1, {','.join(cells)!r}, is Excel's separator line, not the header; remove "
                         "it (or pd.read_csv(path, skiprows=1).to_csv(new_path, index=False))")


def check_header_names(path, header: list[str]) -> None:
    """Refuse a header that names a column twice, which pandas reads renaming the second (``f1`` to ``f1.1``):
    a column the file never names, beside one that may not be the one meant."""
    seen = {}
    for k, name in enumerate(header):
        if name in seen:
            raise ValueError(f"{path}: the header names column {name!r} twice (columns {seen[name] + 1} and "
                             f"{k + 1}); give every column its own name")
        seen[name] = k


def check_separator(path: Path, header: list[str]) -> None:
    """Refuse a file separated by something else than commas: its whole header reads as one column holding
    ``;``, a tab or ``|``. Run by the reader, and by `rnnkit predict` / `evaluate` before they match the
    header to the model's columns (which would otherwise call the file's columns missing)."""
    if len(header) == 1:
        for sep, word in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
            if sep in header[0]:
                # Excel's ';' files write decimal commas ("1,5"), which sep=';' alone would read as text
                with _open_as_pandas_does(path) as f:
                    head = f.read(1 << 16).decode("utf-8", errors="replace").splitlines()[1:4]
                commas = any(re.search(r"\d,\d", line) for line in head)
                decimal = ", decimal=','" if commas else ""
                shown = repr(header[0]) if len(header[0]) <= 80 else \
                    f"{header[0][:80]!r}... ({len(header[0])} characters)"
                raise ValueError(f"{path}: the header is one column {shown}: the file looks separated by "
                                 f"{word}, and rnnkit reads comma-separated CSV; convert it, e.g. "
                                 f"pd.read_csv(path, sep={sep!r}{decimal}).to_csv(new_path, index=False)")


def _nameless(name: str) -> bool:
    """Whether a header cell names no column: empty, or pandas' ``'Unnamed: 5'`` for one (after a round trip)."""
    return not name.strip() or re.fullmatch(r"Unnamed: \d+", name) is not None


def _check_empty_tail(path: Path, header: list[str], reads_all: bool) -> None:
    """Refuse columns at the end of the header that have no name and no value on any line: every line ending in a
    comma, or (``reads_all``: every column is read) the empty columns a spreadsheet exports past its table (``;;``
    at each line's end; ``'Unnamed: 5'`` once pandas has read and written them), which would otherwise be named as
    a DataFrame's index of row numbers."""
    first = len(header)
    while first > 1 and (_nameless(header[first - 1]) if reads_all else first == len(header) and
                         not header[first - 1].strip()):
        first -= 1
    if first == len(header) or not all(_column_is_empty(path, k) for k in range(first, len(header))):
        return
    if first == len(header) - 1 and not header[-1].strip():
        raise ValueError(f"{path}: every line ends with a comma: the header's last column {first + 1} has no name "
                         "and no values; remove the trailing commas (or pd.read_csv(path).iloc[:, :-1]"
                         ".to_csv(new_path, index=False))")
    n = len(header) - first
    named = [h for h in header[first:] if h.strip()]
    shown = f" ({', '.join(map(repr, named[:3]))}{', ...' if len(named) > 3 else ''}: pandas' names for nameless " \
            "columns)" if named else ""
    where = f"column {first + 1}{shown} has" if n == 1 else f"columns {first + 1} to {len(header)}{shown} have"
    raise ValueError(f"{path}: the header's last {where} no name and no value on any line: the empty columns a "
                     f"spreadsheet exports past its table; drop them, e.g. "
                     f"pd.read_csv(path).iloc[:, :{first}].to_csv(new_path, index=False)")


def value_in_header(columns) -> str | None:
    """The first column name that is a number with a decimal point (``'-0.58'``), which names no column: the
    header of a file without one, its first row of data; None when there is none."""
    return next((str(c) for c in columns
                 if re.fullmatch(r"\s*[-+]?(\d*\.\d+|\d+\.\d*)([eE][-+]?\d+)?\s*", str(c))), None)


def _no_header(path: Path, header: list[str], *, npz: bool) -> None:
    """Refuse a file whose first line is a row of numbers where the header belongs, as the UCR archive writes
    its files (one series a line: the class label, then the values; tab-separated in its .tsv files, commas in
    the older .csv ones): pandas would take the first series for column names, a number given twice renamed
    (``'1.44'``, ``'1.44.1'``). Numbers, one of them not whole or one given twice, never name a table's columns
    (a wide CSV may name its steps ``0, 1, ...``, whole and distinct). ``npz``: the reader of sequences, whose
    wide layout such a file is."""
    sep = next((s for s in ("\t", ";", "|") if len(header) == 1 and s in header[0]), ",")
    fields = header[0].split(sep) if sep != "," else header
    if len(fields) < 2 or not all(re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*", f) for f in fields):
        return
    values = [float(f) for f in fields]
    if all(v.is_integer() for v in values) and len(set(values)) == len(values):
        return
    shown = ", ".join(repr(f.strip()) for f in fields[:3])
    read = f"pd.read_csv(path{'' if sep == ',' else f', sep={sep!r}'}, header=None)"
    label = float(fields[0]).is_integer()  # the UCR archive's layout: the class label first
    fix = (f"if each line is a sequence after its label, as the UCR archive writes them: {read}.rename(columns={{0: "
           f"'target'}}).to_csv(new_path, index=False), then read new_path with --layout wide (layout='wide'); else "
           if npz and label else "")
    separated = {",": "", "\t": " separated by tabs", ";": " separated by semicolons", "|": " separated by bars"}[sep]
    raise ValueError(f"{path}: line 1 holds numbers ({shown}, ... {len(fields)} fields{separated}),"
                     f" not column names: the file has no header row, and its first line would be read as one; "
                     f"{fix}write a header naming the columns: {read}.set_axis([...names...], axis=1).to_csv(new_path,"
                     f" index=False)")


# the year columns of the World Bank's CSV export (DataBank): '1960 [YR1960]'
WORLD_BANK_YEAR = re.compile(r"\s*(\d{4}) \[YR\1\]\s*")


def _check_world_bank(path: Path, frame: pd.DataFrame) -> None:
    """Refuse the World Bank's CSV export (a row per country and series, a column per year named
    ``'1960 [YR1960]'``, ``'..'`` for a missing value): read as a long CSV its years would be features of one step
    per row, as a wide one its text columns would be refused one by one. The message gives the reshaping."""
    years = [str(c) for c in frame.columns if WORLD_BANK_YEAR.fullmatch(str(c))]
    if len(years) < 2:
        return
    rest = [str(c) for c in frame.columns if str(c) not in years]
    key = "Country Code" if "Country Code" in rest else rest[0] if rest else None
    series = "Series Code" if "Series Code" in rest else None
    if key is None:
        return  # years alone: no sequence to name, read as any wide table
    ids = [key, series] if series else [key]
    shape = (f".pivot(index=[{key!r}, 'year'], columns={series!r}, values='value').reset_index()" if series else
             f".sort_values([{key!r}, 'year'])")
    raise ValueError(f"{path}: the columns {years[0]!r} ... {years[-1]!r} are the years of a World Bank export (a "
                     f"row per country{' and series' if series else ''}, a column per year, '..' for a missing "
                     f"value); rnnkit reads a long CSV, one row per step: reshape it, e.g. df = pd.read_csv(path, "
                     f"na_values='..').dropna(subset=[{key!r}]); df.melt(id_vars={ids}, value_vars=[c for c in df if "
                     f"c.endswith(']')], var_name='year').assign(year=lambda d: d.year.str[:4].astype(int)){shape}"
                     f".to_csv(new_path, index=False), then read new_path with --id-column {key!r} --time-column "
                     "year (time_column='year')")


def _r_row_names(path: Path) -> bool:
    """Whether the CSV's first column numbers its rows 1, 2, ..., as R's ``write.csv`` writes its row names."""
    column = pd.read_csv(path, header=None, skiprows=1, usecols=[0], dtype=str, keep_default_na=False).iloc[:, 0]
    return column.tolist() == [str(i) for i in range(1, len(column) + 1)]


def _column_is_empty(path: Path, k: int) -> bool:
    """Whether column ``k`` of the CSV holds no value on any line (each line ends with a separator)."""
    column = pd.read_csv(path, header=None, skiprows=1, usecols=[k], dtype=str, keep_default_na=False).iloc[:, 0]
    return bool((column.str.strip() == "").all())


def _check_no_nul(path: Path) -> None:
    """Refuse a NUL byte, which pandas' parser reads as the end of its value (``1.0\\x00`` becomes 1.0, the
    rest of the field is dropped): a binary or corrupted file, not a CSV to guess at. Read in blocks, so a
    large file is not held twice."""
    line, offset = 1, 0
    with _open_as_pandas_does(path) as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            at = block.find(b"\x00")
            if at >= 0:
                line += block.count(b"\n", 0, at)
                raise ValueError(f"{path}: line {line} has a NUL byte (\\x00, at byte offset {offset + at}): the "
                                 f"file is binary or corrupted, not CSV text; remove the NUL bytes or write the "
                                 f"CSV again")
            line += block.count(b"\n")
            offset += len(block)


def _open_as_pandas_does(path: Path):
    """The file's bytes as ``pd.read_csv`` read them: decompressed when compressed (pandas reads .gz, .bz2, .xz
    and a .zip of one file by their names; a file that is not what its name says has failed there already)."""
    import zipfile

    if path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            if len(names) == 1:  # streamed: the member keeps the archive's file open after the with-block
                return archive.open(names[0])
    return open_decompressed(path)


def _lines(rows, path) -> str:
    """Row positions of a frame read by ``pd.read_csv(path)`` as the file's line numbers, "line 7" or "lines 7,
    9" (`line_of`)."""
    rows = [line_of(r, path) for r in rows]
    more = f" (and {len(rows) - 5} more)" if len(rows) > 5 else ""
    return ("line " if len(rows) == 1 else "lines ") + ", ".join(map(str, rows[:5])) + more


def line_of(row, path) -> int:
    """The line of the file ``path`` on which row ``row`` of ``pd.read_csv(path)`` begins: ``row + 2`` where the
    header is line 1 and each row one line after it, else as `_row_lines` counts them (blank lines, which pandas
    skips, and quoted fields that hold line breaks)."""
    try:
        stat = Path(path).stat()
    except (OSError, TypeError, ValueError):  # not a file (a frame's label): rows count from the header
        return int(row) + 2
    lines = _row_lines(str(path), stat.st_mtime_ns, stat.st_size)
    return int(lines[int(row)]) if lines is not None and int(row) < len(lines) else int(row) + 2


@functools.lru_cache(maxsize=8)
def _row_lines(path: str, mtime_ns: int, size: int) -> np.ndarray | None:
    """The line on which each row of ``pd.read_csv(path)`` begins, read with Python's csv module as pandas reads
    the file (a blank or spaces-only line is no row, a quoted field may span lines); None where that is row + 2.
    Counted only when a message names a line (``mtime_ns``, ``size``: a file written again is counted again)."""
    import csv
    import io

    starts, end = [], 0
    try:
        with _open_as_pandas_does(Path(path)) as raw:
            reader = csv.reader(io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline=""))
            for record in reader:
                if len(record) > 1 or (record and record[0].strip()):
                    starts.append(end + 1)
                end = reader.line_num
    except (OSError, csv.Error):  # unreadable so (a field over csv's size limit): rows count from the header
        return None
    lines = np.asarray(starts[1:], dtype=np.int64)  # starts[0] is the header's line
    return None if starts[:1] == [1] and np.array_equal(lines, np.arange(2, len(lines) + 2)) else lines


def _cell(value) -> str:
    """A cell as the user wrote it: ``3`` or ``'2024-01-05'`` (not ``np.int64(3)``)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


# column names that mean a time axis, the step counters simulations and logs write among them (the long CSV reader
# refuses them as features, TimeSeriesFrame warns of them as values, the Forecaster refuses them as values), and
# the names libraries give their time index: sktime's 'timepoints' (its pd-multiindex and pd-long), pytorch-
# forecasting's 'time_idx'
TIME_NAMES = ("year", "years", "yr", "time", "t", "ds", "date", "timestamp", "datetime", "period", "index",
              "step", "steps", "timestep", "time_step", "timepoint", "timepoints", "time_idx")
# names of a column (or an index level) that holds the sequences' ids, and so no values: 'id' and these, and any
# name ending in '_id' (a wide CSV refuses them as steps, an (instance, time) index named (time, id) is swapped)
ID_NAMES = ("id", "ids", "instance", "instances", "case", "series", "sample", "sequence", "subject", "item", "unit",
            "key")


def is_id_name(name) -> bool:
    """Whether a column (or index level) is named as the sequences' ids: one of `ID_NAMES`, or ``…_id``."""
    key = str(name).strip().lower()
    return key in ID_NAMES or key.endswith("_id")


def _features(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        for c in bad:
            if found := arrays_in_column(frame[c], c):
                raise ValueError(f"{path}, {_lines([found[0]], path)}: feature column {c!r} {found[1]}")
            if message := numbers_with_commas(path, frame[c]):
                raise CsvFormError(message)
            given = frame[c].dropna()
            words = given[pd.to_numeric(given, errors="coerce").isna()]
            first = f"{_lines([frame.index.get_loc(words.index[0])], path)} has {_cell(words.iloc[0])} in {c!r}" \
                if len(words) else ""
            if len(words) and (marked := marked_numbers(words, f"df[{c!r}]")):  # '12 kg', '4.5%', '−3.2'
                raise ValueError(f"{path}: feature column {c!r} holds {marked[0]} ({first}), which pandas reads as "
                                 f"text; convert it, then save the file again: df = pd.read_csv(path); "
                                 f"df[{c!r}] = {marked[1]}; df.to_csv(new_path, index=False)")
            if len(words) == len(given) and (answers := boolean_words(words)) is not None:  # 'yes' / 'no'
                raise ValueError(f"{path}: feature column {c!r} holds the answers {' / '.join(map(repr, answers))} "
                                 f"({first}), which pandas reads as text; convert them to 1 and 0, then save the file "
                                 f"again: df = pd.read_csv(path); df[{c!r}] = df[{c!r}].map({answers!r}); "
                                 "df.to_csv(new_path, index=False)")
            if message := _units_line(path, frame[[c]]):
                raise ValueError(message)
            if marks := missing_marks(frame[c]):  # '-', '?': an export's missing readings
                raise ValueError(f"{path}: feature column {c!r} holds numbers with {len(words)} cell(s) written "
                                 f"{' or '.join(map(repr, marks))}{formula_errors(marks)} ({first}), the mark of a "
                                 f"missing reading, which "
                                 f"pandas does not read as missing; save the file again with them empty, "
                                 f"pd.read_csv(path, na_values={marks!r}).to_csv(new_path, index=False), then fill "
                                 f"them in or read them as missing (missing_values=True; rnnkit train --time-aware)")
        column = frame[bad[0]]
        number = pd.to_numeric(column, errors="coerce").notna()
        word = column.astype(str).str.strip().isin(("True", "False", "TRUE", "FALSE", "true", "false"))
        if (number | word | column.isna()).all() and number.any() and word.any():
            # a boolean column (read as 1.0 / 0.0) with a number in it: no single reading of both
            first_word, first_number = int(np.flatnonzero(word)[0]), int(np.flatnonzero(number)[0])
            raise ValueError(f"{path}: feature column {bad[0]!r} mixes booleans ({_lines([first_word], path)} has "
                             f"{_cell(column.iloc[first_word])}) with numbers ({_lines([first_number], path)} has "
                             f"{_cell(column.iloc[first_number])}); write it all as True/False or all as numbers")
        row = int(np.flatnonzero(~number & column.notna())[0])
        text = column.dropna().astype(str).str.strip()
        if pd.to_datetime(text, format="ISO8601", errors="coerce").notna().all():
            # a column of dates not named as a time axis ('day', 'visit'): the steps' times, most likely
            flag = shlex.quote(str(bad[0]))
            raise ValueError(f"{path}: feature column {bad[0]!r} holds dates ({_lines([row], path)} has "
                             f"{_cell(column.iloc[row])}), not numbers, and every column besides the id, time and "
                             f"target is read as a feature; if it is the time of each step, pass --time-column "
                             f"{flag} (time_column={str(bad[0])!r}) to sort each sequence's rows by it, else drop it"
                             + (f" (also not numeric: {bad[1:]})" if len(bad) > 1 else ""))
        raise ValueError(f"{path}: feature column(s) {bad} are not numeric ({_lines([row], path)} has "
                         f"{_cell(column.iloc[row])} in {bad[0]!r}); convert or drop them")
    if frame.shape[1] == 0:
        raise ValueError(f"{path}: no feature columns left besides the id, time and target columns")
    return frame


# the numbers weather stations, loggers and surveys write for a missing reading (GHCN's -9999, SAS's and SPSS's -999)
MISSING_CODES = (-99999.0, -9999.0, -999.0, -99.0, 999.0, 9999.0, 99999.0)


def missing_codes(v) -> list[tuple[float, np.ndarray, float, float]]:
    """``(code, rows, low, high)`` for each of :data:`MISSING_CODES` that the numbers ``v (T,)`` hold far outside
    all their other finite values ``low .. high``, the mark of a missing reading (temperatures of 10 .. 30 beside
    -999); empty for the usual column. The rule: the code's distance from the range of the other finite values
    exceeds five times that range, or, for a code of the readings' own order (999 beside values 0 .. 400), it
    exceeds that range and the code is more than twice the largest of them in size, on the code's side of zero; so
    a series that reaches the code's size (prices near 9999, counts spanning 0 .. 20000, elevations near -999,
    counts up to 1200 holding 999, readings 300 .. 600 beside 999, a sensor ramping up to saturate at 999, a cap
    of 1000) stays quiet, as do values that only look like one (-9.99). One reader for a frame's value columns and a
    CSV's features."""
    v = np.asarray(v, dtype=np.float64)
    if not np.isin(v, MISSING_CODES).any():  # one pass for the usual column, that holds none
        return []
    found, finite = [], np.isfinite(v)
    for code in MISSING_CODES:
        at = np.flatnonzero(v == code)
        others = v[finite & (v != code)]
        if not len(at) or len(others) < 3 or (spread := float(np.ptp(others))) == 0:
            continue
        beyond = max(others.min() - code, code - others.max())  # how far past the others' range
        largest = float(np.max(-others if code < 0 else others))  # the largest of them on the code's side of zero
        if beyond > 5 * spread or beyond > spread and abs(code) > 2 * largest:
            found.append((code, at, float(others.min()), float(others.max())))
    return found


def _check_values(path: Path, values: np.ndarray, columns, where, allow_nan: bool = False) -> None:
    """Refuse NaN (unless ``allow_nan``), infinity, and finite values that float32 (what rnnkit computes in)
    turns into infinity. ``values`` is float64 ``(rows, columns)``; ``where(row)`` names a row and
    ``columns`` name the columns, e.g. ``"column 'f1'"``."""
    checks = [(np.isinf(values), "an infinite value", "replace it with a finite number"),
              (np.abs(np.nan_to_num(values)) > FLOAT32_MAX,
               "a value beyond float32's range (|x| > 3.4e38; rnnkit computes in float32)", "rescale it")]
    if not allow_nan:
        checks.insert(0, (np.isnan(values), "an empty (NaN) value",
                          "fill it in, leave the step out, or read it as missing (rnnkit train --time-aware)"))
    for bad, what, fix in checks:
        if bad.any():
            row, col = (int(i[0]) for i in np.nonzero(bad))
            shown = "" if np.isnan(values[row, col]) else f" ({values[row, col]:g})"
            raise ValueError(f"{path}: {where(row)}, {columns[col]} has {what}{shown}; {fix}")


def _missing_word(path: Path, column: str, rows: np.ndarray, what: str) -> str | None:
    """Why the first of ``rows`` of ``column`` that pandas read as missing is not empty: it holds one of pandas'
    words for a missing value ('NA', 'N/A', 'None', 'null', 'nan', ...), which may be ``what`` (an id, a label:
    'NA' is Namibia's country code, 'None' an activity) as well. None when those cells are empty."""
    word = _missing_cell(path, column, rows)
    return None if word is None else _missing_word_message(path, column, *word, what)


def _missing_cell(path: Path, column: str, rows: np.ndarray) -> tuple[int, str] | None:
    """The first of ``rows`` whose cell of ``column`` is not empty though pandas read it as missing, and the cell
    as written; None when those cells are empty."""
    raw = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False, low_memory=False)[column]
    row = next((int(r) for r in rows if raw.iloc[r].strip()), None)
    return None if row is None else (row, raw.iloc[row])


def _missing_word_message(path: Path, column: str, row: int, cell: str, what: str) -> str:
    return (f"{path}: {_lines([row], path)} has {cell!r} in {column!r}, which pandas reads as a missing value "
            f"(as it reads 'NA', 'N/A', 'None', 'null', 'nan'); if it is {what}, spell it otherwise in the file "
            f"(e.g. {cell + '_'!r}), else fill it in or drop the row")


class MissingTargetWord(ValueError):
    """A target cell holding one of pandas' words for a missing value ('NaN', 'NA', 'None', ...), which may be a
    label as well: the message says so. ``line`` (the file's line), ``cell`` (as written), ``column`` and
    ``sequence`` (its id; None in a wide CSV, a row per sequence) let a caller whose targets are numbers (a
    regressor) word it as the missing value it is."""

    def __init__(self, path: Path, column: str, row: int, cell: str, sequence: str | None):
        self.path, self.column, self.cell, self.sequence = path, column, cell, sequence
        self.line = _lines([row], path)
        super().__init__(_missing_word_message(path, column, row, cell, "a label"))


def _check_target_words(path: Path, column: str, rows: np.ndarray, ids: np.ndarray | None) -> None:
    """MissingTargetWord for the first of the target's ``rows`` read as missing that holds a word, not nothing
    (``ids``: each row's sequence id, None in a wide CSV)."""
    word = _missing_cell(path, column, rows)
    if word is not None:
        row, cell = word
        raise MissingTargetWord(path, column, row, cell, None if ids is None else str(ids[row]))


def _units_line(path: Path, frame: pd.DataFrame) -> str | None:
    """The refusal of a line of units under the header (``',s,°C,mm'``), named by the first column of numbers
    whose first row holds it (:func:`header_units`); None where no column has one."""
    for c in frame.columns:
        if (unit := header_units(frame[c])) is not None:
            return (f"{path}: column {c!r} holds numbers under {unit!r} on {_lines([0], path)}, its only "
                    f"cell that is not a number: a line of units under the header (a second header line, as weather "
                    f"and logger exports write one)? save the file again without it, pd.read_csv(path, "
                    f"skiprows=[1]).to_csv(new_path, index=False)")
    return None


def _warn_missing_codes(path: Path, what: str, values: np.ndarray, where, fix, unit: str = "line(s)") -> None:
    """Warn where the numbers ``values (n,)`` of a CSV's feature (``what``: ``"feature column 'temp'"``) hold a code
    of a missing reading (-999, 9999) far outside their other values (:func:`missing_codes`, the rule): it would be
    read as a reading. ``where(i)`` names the i-th value's place in the file, ``fix(code)`` what to do of the
    layout, ``unit`` what the count counts; a warning, since it may be a reading."""
    for code, at, low, high in missing_codes(values):
        warnings.warn(f"{path}: {what} holds {code:g} on {len(at)} {unit} (the first: {where(at[0])}), far outside "
                      f"its other values ({low:g} .. {high:g}): the mark of a missing reading, as stations and loggers "
                      f"write one? it would be read as a reading; {fix(code)}; if it is a reading, silence this with "
                      "warnings.filterwarnings('ignore', message='.*the mark of a missing reading')", UserWarning,
                      stacklevel=4)


def _read_long(path, frame, id_column, time_column, target_column, with_target, per_step_target, missing_values
               ) -> SequenceTable:
    empty = np.flatnonzero(frame[id_column].isna())
    if list(empty) == [0] and (units := _units_line(path, frame.drop(columns=[id_column]))):  # ',s,°C,' under it
        raise ValueError(units)
    if empty.size:
        if message := _missing_word(path, id_column, empty, "an id"):
            raise ValueError(message)
        down = ("; it is written on the first row of each sequence only (as a spreadsheet's merged cells): "
                f"fill it down, e.g. df[{id_column!r}] = df[{id_column!r}].ffill(), then save the file again"
                if empty[0] > 0 and not frame[id_column].dropna().duplicated().any() else "")
        raise ValueError(f"{path}: the id column {id_column!r} is empty at {_lines(empty, path)}; every row needs "
                         f"the id of its sequence{down}")
    ids_per_row = frame[id_column].to_numpy()
    _check_id_spaces(path, frame[id_column], id_column)
    _warn_id_spellings(path, frame[id_column], id_column)
    where = lambda row: f"sequence {ids_per_row[row]!r} ({_lines([row], path)})"
    drop = [c for c in (id_column, time_column, target_column) if c]
    _check_second_id(path, frame, id_column, time_column, drop)
    features = _features(path, frame.drop(columns=drop))
    timed = [c for c in features.columns if str(c).strip().lower() in TIME_NAMES]
    groups = frame.groupby(id_column, sort=False).indices  # id -> row positions, in file order of first row
    if timed and not time_column:  # read as a feature: the rows of each sequence stay in file order
        for name in timed:
            _check_time_named_order(path, frame, name, groups)
        warnings.warn(f"{path}: column {str(timed[0])!r} is named like a time axis but no time column was given, so "
                      f"it is read as a feature and each sequence's rows are taken in file order; pass time_column="
                      f"{str(timed[0])!r} (rnnkit train --time-column {timed[0]}) to order them by it, or rename the "
                      "column if it is a feature", UserWarning, stacklevel=3)
    values = features.to_numpy(np.float64)
    _check_values(path, values, [f"column {c!r}" for c in features.columns], where, allow_nan=missing_values)
    for k, c in enumerate(features.columns):  # -999, 9999: a station's or a logger's missing readings
        _warn_missing_codes(path, f"feature column {str(c)!r}", values[:, k], where, lambda code: (
            f"save the file again with them empty, pd.read_csv(path, na_values=[{code:g}]).to_csv(new_path, "
            "index=False), then fill them in or read them as missing (missing_values=True; rnnkit train "
            "--time-aware)"))
    if time_column:
        _check_year_beside_period(path, frame, id_column, time_column, groups)
        times = _time_values(path, frame[time_column], time_column)
        _check_twelve_hour_clock(path, frame[time_column], time_column, times, groups)
        duplicated = np.flatnonzero(frame.assign(_t=times).duplicated([id_column, "_t"], keep=False))
        if duplicated.size:
            row = duplicated[0]
            same = duplicated[(ids_per_row[duplicated] == ids_per_row[row]) & (times[duplicated] == times[row])]
            raise ValueError(f"{path}: sequence {ids_per_row[row]!r} has time {_cell(frame[time_column].iloc[row])} "
                             f"more than once ({_lines(same, path)}); each (id, time) must be unique: "
                             + (_clock_set_back_hint(frame[time_column], times, groups[ids_per_row[row]]) or
                                f"drop or aggregate the duplicates ({duplicated.size} duplicated rows in all)"))
        groups = {key: rows[np.argsort(times[rows], kind="stable")] for key, rows in groups.items()}
        if not missing_values and not _warn_sampling_rates(path, frame[time_column], time_column, times, groups) \
                and not _warn_rate_change(path, frame[time_column], time_column, id_column, times, groups):
            _warn_time_gaps(path, frame[time_column], time_column, times, groups)  # with missing values, a
            # time-aware model reads the gaps (sample_times)
    ids = np.array(list(groups))
    values = values.astype(np.float32)
    X = [values[rows] for rows in groups.values()]
    y = None
    if target_column and with_target:
        target = frame[target_column].to_numpy()
        empty = np.flatnonzero(frame[target_column].isna())
        if empty.size:
            _check_target_words(path, target_column, empty, ids_per_row)
            missing = frame[target_column].isna().to_numpy()
            down = ""
            for keep, row, fill, way in (("first", "first", "ffill", "down"), ("last", "last", "bfill", "up")):
                # each sequence's first (last) row in the file holds the label, every other row is empty
                held = ~pd.Series(ids_per_row).duplicated(keep=keep).to_numpy()
                if not per_step_target and not down and (missing != held).all():
                    merged = " (as a spreadsheet's merged cells)" if keep == "first" else ""
                    down = (f"; it is written on the {row} row of each sequence only{merged}: fill it {way}, e.g. "
                            f"df[{target_column!r}] = df.groupby({id_column!r})[{target_column!r}].{fill}(), "
                            "then save the file again")
            raise ValueError(f"{path}: {where(empty[0])}: the target column {target_column!r} is empty "
                             f"({empty.size} empty in all); fill them in or drop the rows{down}")
        if per_step_target:
            y = [target[rows] for rows in groups.values()]
        else:
            y = []
            for key, rows in groups.items():
                other = np.flatnonzero(target[rows] != target[rows[0]])
                if other.size:
                    a, b = rows[0], rows[other[0]]
                    raise VaryingTargetError(path, target_column, str(key),
                                             f"{_cell(target[a])} on {_lines([a], path)}",
                                             f"{_cell(target[b])} on {_lines([b], path)}")
                y.append(target[rows[0]])
            y = np.asarray(y)
    cells = frame[time_column].to_numpy() if time_column else None
    sample_times = None
    if time_column:  # as read above: numbers, or UTC nanoseconds of dates and durations
        numbers = pd.api.types.is_numeric_dtype(frame[time_column])
        sample_times = [times[rows].astype(np.float64) if numbers else pd.to_timedelta(times[rows], unit="ns")
                        for rows in groups.values()]
    times = None if cells is None else [cells[rows] for rows in groups.values()]
    return SequenceTable(X, y, ids, [str(c) for c in features.columns], target_column, times, sample_times)


def _check_year_beside_period(path: Path, frame: pd.DataFrame, id_column: str, time_column: str,
                              groups: dict) -> None:
    """Refuse a time column that another column completes, the years beside the months (``1 .. 12``, ``'Jan'``) or
    quarters of each (:func:`year_beside_period`, the rule, read on the first sequence's rows): the months alone
    repeat each year, read as duplicated times (or as no dates at all, for names)."""
    key, rows = next(iter(groups.items()), (None, []))
    first = frame.iloc[rows].drop(columns=[id_column]).reset_index(drop=True)
    if (two := year_beside_period(first, time_column, "df")) is None:  # None for fewer than 3 rows too
        return
    year, period, said, join = two
    other = period if year == time_column else year
    same = rows[np.flatnonzero((first[time_column] == first[time_column].iloc[0]).to_numpy())]  # one time, twice
    raise ValueError(f"{path}: the time column {time_column!r} and column {other!r} {said} (sequence {key!r}, "
                     f"{_lines(same, path)}); join them into one time column and save the file again, df = "
                     f"pd.read_csv(path); df['t'] = {join}; df.drop(columns=[{year!r}, {period!r}]).to_csv(new_path, "
                     "index=False), then pass time_column='t' (rnnkit train --time-column t)")


def _check_second_id(path: Path, frame: pd.DataFrame, id_column: str, time_column: str | None, drop: list) -> None:
    """Refuse a text column that tells apart the rows of one id at one time: the sequences are named by it and the
    id column together (sktime's hierarchical data, a MultiIndex of two levels and the time written by to_csv:
    ``Product line, Product group, Date, Sales``), where it would be refused as a feature that is not numeric, and
    dropping it would leave each time repeated."""
    if not time_column or not frame.duplicated([id_column, time_column]).any():
        return
    if split := date_beside_clock(frame, time_column, [id_column]):  # Date, Time: one time in two columns
        day, hour = split
        other = hour if day == time_column else day
        raise ValueError(f"{path}: the time column {time_column!r} and the column {other!r} write one time in two "
                         f"({day!r} the dates, {_cell(frame[day].iloc[0])} on {_lines([0], path)}, {hour!r} the "
                         f"times of day, {_cell(frame[hour].iloc[0])}), so each sequence has its {time_column!r} on "
                         f"several lines; join them into one column of the file, df['t'] = df[{day!r}].astype(str) + "
                         f"' ' + df[{hour!r}].astype(str), save it again and read it with time_column='t' "
                         f"(rnnkit train --time-column t)")
    for c in frame.columns.drop(drop):
        if pd.api.types.is_numeric_dtype(frame[c]) or frame[c].isna().any() or \
                frame.duplicated([id_column, c, time_column]).any():
            continue
        rows = np.flatnonzero(frame.duplicated([id_column, time_column], keep=False))
        key, time = frame[id_column].iloc[rows[0]], frame[time_column].iloc[rows[0]]
        pairs = frame[[id_column, time_column]].iloc[rows]
        same = rows[((pairs[id_column] == key) & (pairs[time_column] == time)).to_numpy()]
        told = ", ".join(_cell(v) for v in frame[c].iloc[same[:2]])
        raise ValueError(f"{path}: sequence {_cell(key)} has time {_cell(time)} on {_lines(same, path)}, told apart by "
                         f"the text column {str(c)!r} ({told}): the sequences are named by two columns, "
                         f"{id_column!r} and {str(c)!r} (as a MultiIndex of two levels written by to_csv); join "
                         f"them into one id column, e.g. df[{id_column!r}] = df[{id_column!r}].astype(str) + '/' + "
                         f"df[{str(c)!r}].astype(str), then save the file again")


class VaryingTargetError(ValueError):
    """A per-sequence target column that holds several values within one sequence. ``what`` names the sequence,
    the column and two of its cells (as written, with their lines); the message adds the reader's fix, a tagger
    (per-step labels), which a caller whose task is fixed (a saved model) words otherwise."""

    def __init__(self, path: Path, column: str, sequence: str, first: str, other: str):
        self.path, self.column, self.sequence, self.first, self.other = path, column, sequence, first, other
        super().__init__(f"{self.what}; a per-sequence target must be constant (use --task tag for per-step labels)")

    @property
    def what(self) -> str:
        return (f"{self.path}: sequence {self.sequence!r} has several values in {self.column!r} ({self.first}, "
                f"{self.other})")


class TimeOrderError(ValueError):
    """A column named like a time axis, read as a feature (no time column given), whose values go back within a
    sequence: read in file order, that sequence's steps would not be in the order the column gives them.
    ``column``, ``sequence`` (its id), ``before`` and ``after`` (the two cells as written, with their lines)
    let a caller word the fix in its own terms (the command line's flags)."""

    def __init__(self, path: Path, column: str, sequence: str, before: str, after: str):
        self.path, self.column, self.sequence, self.before, self.after = path, column, sequence, before, after
        super().__init__(f"{path}: {self.what}; without a time column the rows are read in file order, with "
                         f"{column!r} as a feature: pass time_column={column!r} (rnnkit train --time-column "
                         f"{column}) to sort each sequence's rows by it (or rename the column if it is a feature, "
                         "not the time)")

    @property
    def what(self) -> str:
        return (f"column {self.column!r} is named like a time axis, and the rows of sequence {self.sequence!r} are "
                f"not in its order ({self.column} {self.before}, then {self.after})")


def _clock_set_back(time, i: int) -> str | None:
    """The advice when row ``i`` of naive timestamps steps back by an hour less one step (``02:00`` again after
    ``02:00`` hourly, ``02:00`` after ``02:45`` quarter-hourly), at night on a Sunday of the months where
    daylight saving time ends (February to April, September to November: in Europe, the Americas, Oceania), between
    steps of at most an hour: local clock time whose repeated hour is two hours in its zone, not a duplicate to
    average (nor series stacked); None otherwise."""
    if not isinstance(time, pd.DatetimeIndex) or time.tz is not None or i < 2:
        return None
    t = time[i]
    if t.hour >= 4 or t.dayofweek != 6 or t.month not in (2, 3, 4, 9, 10, 11):
        return None
    hour = pd.Timedelta(hours=1)
    step = time[i - 1] - time[i - 2]
    if not pd.Timedelta(0) < step <= hour or hour % step != pd.Timedelta(0) or time[i - 1] - time[i] != hour - step:
        return None
    return ("the clock set back an hour at night: local time where daylight saving time ends, whose repeated hour "
            "is two hours? localize the times to their zone, which tells the two apart "
            "(index.tz_localize('Europe/Berlin', ambiguous='infer'), with yours; a column: .dt.tz_localize)")


def _clock_set_back_hint(column: pd.Series, times: np.ndarray, rows: np.ndarray) -> str | None:
    """The advice of :func:`_clock_set_back` when a sequence's repeated time is local
    clock time set back where daylight saving time ends (its rows, in file order, step back by an hour less one
    step at night): the repeated hour is two hours, not a duplicate to drop. None for numbers, dates with an
    offset, or any other repeat."""
    if pd.api.types.is_numeric_dtype(column) or column.astype(str).str.contains(r"[+-]\d{2}:?\d{2}\s*$|Z\s*$").any():
        return None
    try:
        time = pd.DatetimeIndex(times[rows].astype("datetime64[ns]"))
    except (TypeError, ValueError):  # durations: no clock
        return None
    back = np.flatnonzero(np.diff(time.asi8) <= 0)
    return _clock_set_back(time, int(back[0]) + 1) if back.size else None


def _check_time_named_order(path: Path, frame: pd.DataFrame, name: str, groups: dict) -> None:
    """TimeOrderError when the time-named feature column ``name`` goes back within a sequence (``groups``: id ->
    row positions in file order); a column in order is read as a feature, with a warning."""
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64)  # text: refused as a feature
    for key, rows in groups.items():
        back = np.flatnonzero(np.diff(values[rows]) < 0)
        if back.size:
            cells = pd.read_csv(path, usecols=[name], dtype=str, keep_default_na=False)[name]
            a, b = (f"{cells.iloc[r]} on line {line_of(r, path)}" for r in rows[back[0] : back[0] + 2])
            raise TimeOrderError(path, str(name), str(key), a, b)


def check_label_texts(path: str | Path, column: str) -> None:
    """Refuse a column of class labels that writes one number in several ways ('1' and '01', '2' and '2.0'):
    pandas reads them as one number, so labels the file tells apart would become one class. A column of words
    is read as written; numbers written one way each are read as numbers."""
    path = Path(path)
    raw = pd.read_csv(path, usecols=[column], dtype=str, keep_default_na=False, low_memory=False)[column]
    texts = raw[raw.str.strip() != ""].drop_duplicates()
    numbers = pd.to_numeric(texts, errors="coerce")
    if numbers.isna().any():  # words among them: pandas keeps the column as text
        return
    clash = numbers[numbers.duplicated(keep=False)]
    if len(clash):
        spellings = texts[numbers == clash.iloc[0]]
        shown = ", ".join(f"{v!r} on {_lines([i], path)}" for i, v in spellings.items())
        raise ValueError(f"{path}: the label column {column!r} writes the number {clash.iloc[0]:g} in "
                         f"{len(spellings)} ways ({shown}), which are read as one class; if they are different "
                         f"classes, make them text that differs (e.g. a letter before each: 'c01'), else write them "
                         f"alike")


def _check_id_spaces(path: Path, ids: pd.Series, name: str) -> None:
    """Refuse ids that differ only by spaces around them (``'s0'`` and ``'s0 '``): they would be two
    sequences, each with part of the other's steps."""
    stripped = ids.str.strip()
    distinct = pd.DataFrame({"id": ids, "key": stripped}).drop_duplicates("id")
    clash = distinct[distinct.duplicated("key", keep=False)]
    if len(clash):
        key = clash["key"].iloc[0]
        spellings = clash.loc[clash["key"] == key, "id"].tolist()
        first = [f"{v!r} on {_lines(np.flatnonzero(ids.to_numpy() == v)[:1], path)}" for v in spellings]
        raise ValueError(f"{path}: the id column {name!r} spells one id in {len(spellings)} ways that differ only "
                         f"by spaces ({', '.join(first)}), "
                         f"which would be separate sequences; strip the spaces (or make the ids distinct)")


def _warn_id_spellings(path: Path, ids: pd.Series, name: str) -> None:
    """Warn once of ids that differ only by case (``'A-001'`` and ``'a-001'``) or are one number written in several
    ways (``'007'`` and ``'7'``): ids are the file's text, so each spelling is a sequence of its own, which is
    right for distinct ids and wrong for one id written two ways."""
    distinct = pd.Series(ids.drop_duplicates().to_numpy())
    numbers = pd.to_numeric(distinct, errors="coerce")
    for key, what, fix in ((distinct.str.lower(), "only by case", f"df[{name!r}] = df[{name!r}].str.upper()"),
                           (numbers.where(numbers.notna(), distinct), "only by how one number is written (leading "
                            "zeros, a decimal point)", f"df[{name!r}] = pd.to_numeric(df[{name!r}]).astype(int)")):
        clash = distinct[key.duplicated(keep=False)]
        if len(clash):
            spellings = distinct[key == key[clash.index[0]]].tolist()[:2]
            shown = [f"{v!r} on {_lines(np.flatnonzero(ids.to_numpy() == v)[:1], path)}" for v in spellings]
            warnings.warn(f"{path}: the id column {name!r} holds ids that differ {what} ({', '.join(shown)}"
                          f"{'' if len(clash) == 2 else f'; {len(clash)} such ids in all'}), read as separate "
                          f"sequences, since ids are the file's text; if they are one sequence's, write its id alike "
                          f"on every row (e.g. {fix}), else ignore this", UserWarning, stacklevel=4)
            return


def _warn_sampling_rates(path: Path, column: pd.Series, name: str, times: np.ndarray, groups: dict) -> bool:
    """Warn (and return True) when every sequence of three rows or more is on a regular grid of its own (each step
    within 10% of its median: months of 28 to 31 days) and the grids differ at least twofold (one sequence daily,
    another weekly: two loggers, two sampling rates): the rows are read as steps, so a step of one is a day and of
    the other a week, without a word."""
    step = {}
    for key, rows in groups.items():
        if len(rows) >= 3:
            if (d := _grid_step(np.diff(times[rows]).astype(np.float64))) is None:
                return False  # irregular: the data's own spacing, or gaps (_warn_time_gaps)
            step[key] = d
    if len(step) < 2 or max(step.values()) < 2 * min(step.values()):
        return False
    fine, coarse = min(step, key=step.get), max(step, key=step.get)

    def shown(key) -> str:
        rows = groups[key]
        size = _step_size(step[key], column)
        return f"sequence {key!r} steps by {size} ({_cell(column.iloc[rows[0]])}, {_cell(column.iloc[rows[1]])}, ...)"

    rates = len(set(step.values()))
    warnings.warn(f"{path}: the time column {name!r} puts each sequence on a regular grid, but on {rates} different "
                  f"ones: {shown(fine)}, {shown(coarse)}; the rows are read as steps, so one step is "
                  f"{step[coarse] / step[fine]:g} times as long in one as in the other; if the sequences were sampled "
                  f"at different rates, resample them to one before training; if steps are what matters, ignore this",
                  UserWarning, stacklevel=4)
    return True


def _step_size(d: float, column: pd.Series) -> str:
    """A step ``d`` of the times read from ``column`` (:func:`_time_values`: numbers, or nanoseconds of dates) in
    words: the number, whole days as days, other durations as pandas writes them."""
    if pd.api.types.is_numeric_dtype(column):
        return f"{d:g}"
    return f"{d / 86_400e9:g} day(s)" if d % 86_400e9 == 0 else str(pd.Timedelta(int(d)))


def _grid_step(steps: np.ndarray) -> float | None:
    """The one step of the steps ``steps`` of a regular grid, their median where each is within 10% of it (months of
    28 to 31 days); None where they are irregular or the median is not positive."""
    d = float(np.median(steps))
    return d if d > 0 and np.abs(steps - d).max() <= 0.1 * d else None


def rate_change(times) -> tuple[int, float, float] | None:
    """``(i, before, after)`` where the increasing times ``times (T,)`` step by one size (``before``, each step within
    10% of it: months of 28 to 31 days) up to position ``i``, then by another at least twice or at most half as long
    (``after``) from there to the end, each for 3 steps or more: one series sampled at two rates (a logger set from
    hourly to daily, two exports of different resolutions joined), whose rows read as steps make a step after the
    change that many times as long as one before. None for other times (one grid, gaps in it, irregular times)."""
    steps = np.diff(np.asarray(times, dtype=np.float64))

    def step_of(part) -> float | None:  # the one step of 3 or more, each within 10% of it; None where none is
        return _grid_step(part) if len(part) >= 3 else None

    if len(steps) < 6 or (first := float(np.median(steps[:3]))) <= 0:
        return None
    off = np.flatnonzero(np.abs(steps - first) > 0.1 * first)  # i: the step after the first rate's last, one pass
    if not off.size or (i := int(off[0])) < 3 or (b := step_of(steps[:i])) is None:
        return None
    # the second rate from times[i], or from times[i + 1] with the step between of a size between the two (a logger
    # set to daily at 09:00 of an hourly day: 15 hours to the next midnight)
    for after in (steps[i:], steps[i + 1:]):
        if (a := step_of(after)) is not None:
            if max(a, b) < 2 * min(a, b) or len(after) < len(steps) - i and \
                    not 0.9 * min(a, b) <= steps[i] <= 1.1 * max(a, b):
                return None
            return i, b, a
    return None


def _warn_rate_change(path: Path, column: pd.Series, name: str, id_column: str, times: np.ndarray,
                      groups: dict) -> bool:
    """Warn (and return True) for the first sequence whose time column changes its step part-way
    (:func:`rate_change`): the rows are read as steps without a word."""
    for key, rows in groups.items():
        if (found := rate_change(times[rows])) is None:
            continue
        i, before, after = found
        a, b = rows[i], rows[i + 1]  # the last row at the first rate, the first at the second
        coarse = max(before, after)
        fix = ("put every sequence on one step before training" if pd.api.types.is_numeric_dtype(column) else
               "resample each sequence to one step and save the file again, e.g. pd.read_csv(path, parse_dates=["
               f"{name!r}]).groupby({id_column!r}).resample("
               f"{pd.tseries.frequencies.to_offset(pd.Timedelta(int(coarse))).freqstr!r}, on={name!r})"
               f".mean(numeric_only=True).reset_index().to_csv(new_path, index=False)")
        warnings.warn(f"{path}: the time column {name!r} changes its step part-way: sequence {key!r} steps by "
                      f"{_step_size(before, column)} up to {_cell(column.iloc[a])} ({_lines([a], path)}), then by "
                      f"{_step_size(after, column)} from {_cell(column.iloc[b])} ({_lines([b], path)}); the rows are "
                      f"read as steps, so a step is {coarse / min(before, after):g} times as long on one "
                      f"side as on the other; {fix}; if steps are what matters, silence this with "
                      "warnings.filterwarnings('ignore', message='.*changes its step part-way')", UserWarning,
                      stacklevel=4)
        return True
    return False


def _warn_time_gaps(path: Path, column: pd.Series, name: str, times: np.ndarray, groups: dict) -> None:
    """Warn once when a time column on a regular grid elsewhere skips steps: whole numbers or dates whose steps
    are one size ``d`` in at least 80% of the file's steps, the others whole multiples of it. The rows are read
    as consecutive steps, so a skipped time is closed up. Irregular times (steps of many sizes) are the data's
    own spacing and pass."""
    if pd.api.types.is_numeric_dtype(column) and not np.all(times == np.round(times)):
        return  # fractional times: no grid of whole steps to check against
    steps = [np.diff(times[rows]) for rows in groups.values()]
    every = np.concatenate(steps) if steps else np.zeros(0)
    if every.size < 2:
        return
    sizes, counts = np.unique(every, return_counts=True)
    d = sizes[np.argmax(counts)]
    if d <= 0 or counts.max() < 0.8 * every.size or np.any(every % d) or counts.max() == every.size:
        return
    skips = [(key, rows, np.flatnonzero(gaps != d)) for (key, rows), gaps in zip(groups.items(), steps, strict=True)]
    skips = [(key, rows, at) for key, rows, at in skips if at.size]
    key, rows, at = skips[0]
    a, b = rows[at[0]], rows[at[0] + 1]
    missing = int(sum(((np.diff(times[r]) // d) - 1).sum() for _, r, _ in skips))
    if pd.api.types.is_numeric_dtype(column):
        step, first = f"{d:g}", f"{times[a] + d:g}"
    else:
        day, first = 86_400 * 10**9, pd.Timestamp(int(times[a] + d))
        step = f"{d // day:g} day(s)" if d % day == 0 else str(pd.Timedelta(int(d)))
        first = first.strftime("%Y-%m-%d") if first == first.normalize() else str(first)
    warnings.warn(f"{path}: the time column {name!r} steps by {step} in {counts.max()} of its {every.size} steps, but "
                  f"skips {missing} time(s) in {len(skips)} sequence(s) (first: sequence {key!r} goes from "
                  f"{_cell(column.iloc[a])} to {_cell(column.iloc[b])}, {_lines([a, b], path)}, without {first}); "
                  f"the rows are read as consecutive steps, so each gap is closed up; if readings are missing there, "
                  f"add their rows (features left empty, read with missing_values=True, or filled in); if that "
                  f"is the data's own spacing, ignore this", UserWarning, stacklevel=4)


# dates written as numbers: (what, the pattern, the numbers' range, the field whose end the numbers' steps jump at,
# how pandas reads them from the integers {x})
_NUMBER_FORMS = (
    ("months", "YYYYMM", (100001, 999912), "year",
     "pd.PeriodIndex(pd.to_datetime({x}.astype(str), format='%Y%m'), freq='M')"),
    ("quarters", "YYYYQ", (10001, 99994), "year",
     "pd.PeriodIndex.from_fields(year=np.asarray({x}) // 10, quarter=np.asarray({x}) % 10, freq='Q')"),
    ("days", "YYYYMMDD", (10000101, 99991231), "month", "pd.to_datetime({x}.astype(str), format='%Y%m%d')"),
    ("hours", "YYYYMMDDHH", (1000010100, 9999123123), "day",
     "pd.to_datetime({x}.astype(str), format='%Y%m%d%H')"),
    ("minutes", "YYYYMMDDHHMM", (100001010000, 999912312359), "hour",
     "pd.to_datetime({x}.astype(str), format='%Y%m%d%H%M')"),
)


def _as_calendar(v: np.ndarray, what: str) -> pd.Index | None:
    """The integers ``v (n,)`` read in the form ``what`` of :data:`_NUMBER_FORMS` (months ``YYYYMM`` as monthly
    periods, quarters ``YYYYQ`` as quarterly periods, days ``YYYYMMDD`` as dates), or None where a number is not
    one (a 13th month, a 5th quarter, the 30th of February, a 24th hour); hours ``YYYYMMDDHH`` as date-times."""
    if what == "months":
        ok = (v % 100 >= 1) & (v % 100 <= 12)
        return pd.PeriodIndex.from_fields(year=v // 100, month=v % 100, freq="M") if ok.all() else None
    if what == "quarters":
        ok = (v % 10 >= 1) & (v % 10 <= 4)
        return pd.PeriodIndex.from_fields(year=v // 10, quarter=v % 10, freq="Q") if ok.all() else None
    days = pd.to_datetime(pd.Series(v.astype(str)), format={"hours": "%Y%m%d%H", "minutes": "%Y%m%d%H%M"}.get(
        what, "%Y%m%d"), errors="coerce")
    return None if days.isna().any() else pd.DatetimeIndex(days)


def dates_as_numbers(values: np.ndarray, name: str, time: pd.DatetimeIndex | None = None, *,
                      in_file: bool = False, subject: str | None = None, spelt: str | None = None) -> str | None:
    """The advice for dates written as numbers: months ``YYYYMM`` (``192607`` for July 1926: Kenneth French's data
    library, arch's ``frenchdata``), quarters ``YYYYQ`` (``19591`` for 1959Q1) or days ``YYYYMMDD`` (``19580329``:
    statsmodels' co2.csv, CRSP's and French's daily files) or hours ``YYYYMMDDHH`` (``2021011023``: a weather
    service's or a grid operator's hourly export), numbers ``values (n,)`` that are all such dates, in
    increasing order (months and quarters consecutive; hours and minutes at a step of whole hours or minutes that
    divides a day: 1, 3, 6 or 24 hours, 15 minutes); else None. As numbers their steps jump at each year's (a
    day's: month's; an hour's: day's) end, 89 from 201612 to 201701, or run on past it (201613) where the series stays
    within one.
    ``time``: the same read as a ``DatetimeIndex`` in the numbers' unit since 1970 (arch's index, where pandas'
    ``freq='ns'`` would date the forecasts in 1970 too). ``in_file``: the times of a command's CSV, fixed in the
    file. ``subject``: what the message calls them (``"the times of 'date'"``, from ``name``); ``spelt``: the
    times as the user's code names them in the fix (else a series' index)."""
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None  # dates, text: read elsewhere
    v = pd.Series(values, copy=False).to_numpy(np.float64, na_value=np.nan)
    if len(v) >= 3 and np.isfinite(v).all() and (v != np.round(v)).any():  # 2015.01, 2015.1: a year's decimals
        return months_before_years(v, name, in_file=in_file, subject=subject, spelt=spelt) or \
            _decimal_periods(v, name, in_file=in_file, subject=subject, spelt=spelt)
    if not (len(v) >= 2 and np.isfinite(v).all() and (v == np.round(v)).all()):
        return None
    v = v.astype(np.int64)
    for what, pattern, (low, high), outer, convert in _NUMBER_FORMS:
        if not ((v >= low) & (v <= high)).all() or (calendar := _as_calendar(v, what)) is None:
            continue
        units = np.diff(calendar.asi8)  # periods: their ordinals; days, hours: the dates' unit
        steady = what == "days"  # days: any step; months, quarters: one period
        if what in ("hours", "minutes"):  # a step of whole hours (minutes) that divides a day: 1, 3, 6 hours; 15 min
            whole = pd.Timedelta(1, unit="h" if what == "hours" else "min") // pd.Timedelta(
                1, unit=calendar.unit)
            step_ = np.median(units)
            steady = step_ % whole == 0 and (24 if what == "hours" else 1440) % (step_ // whole) == 0
        elif not steady:
            steady = np.median(units) == 1
        if not (units > 0).all() or not steady:
            continue
        outer_of = v // (10 if what == "quarters" else 100)  # the year (days: the month; hours: the day) of each
        cross = np.flatnonzero(np.diff(outer_of) != 0)
        step = int(np.median(np.diff(v)))
        if what == "minutes":  # the numbers' own step within an hour (1, 5) or a day (100 for an hour)
            odd = np.flatnonzero(np.diff(v) != step)
            i = int(odd[0]) if len(odd) else -1
            how = (f"whose steps of {step} jump where an hour or a day ends ({v[i + 1]} follows {v[i]}, a step of "
                   f"{v[i + 1] - v[i]})" if len(odd) else
                   f"which as plain numbers would run on to {v[-1] + step} after {v[-1]}, which is no time of day")
        elif len(cross) and what in ("days", "hours"):
            i = int(cross[0])
            how = (f"whose steps jump at each {outer}'s end ({v[i + 1]} follows {v[i]}, a step of "
                   f"{v[i + 1] - v[i]})")
        elif len(cross):
            how = "whose steps are 1 within a year and " + (
                "89 from December to January" if what == "months" else "7 from the fourth quarter to the first")
        else:  # within one year (month): plain numbers would run on past its end
            last = {"months": 12, "quarters": 4, "days": calendar[-1].days_in_month if what == "days" else 0,
                    "hours": v[-1] % 100 + (23 - v[-1] % 100) // step * step}[what]  # hours: the day's last, by step
            end = outer_of[-1] * (10 if what == "quarters" else 100) + last
            after = end + (step if what == "hours" else 1)
            how = f"which as plain numbers would run on past the {outer}'s end ({after} after {end})"
        first = str(calendar[0].date()) if what == "days" else f"{calendar[0]:%Y-%m-%d %H:%M}" if what in (
            "hours", "minutes") else str(calendar[0])
        shown = f"{v[0]} is {first}, then {', '.join(str(x) for x in v[1:3])}, ..."
        read = "" if time is None else (
            f", read as {dict(ns='nanoseconds', us='microseconds', ms='milliseconds', s='seconds')[time.unit]} since "
            f"1970 ({time[0]} is {v[0]})")
        head = f"{subject or f'the times of {name!r}'} are {what} written as numbers {pattern} ({shown}){read}, {how}"
        given = "dates" if what in ("days", "hours", "minutes") else what
        if in_file:
            taken = "read as dates" if what in ("days", "hours", "minutes") else f"read and forecast as {what}"
            return f"{head}; write them as {given} in the file ({first} for {v[0]}), which are {taken}"
        if spelt is not None:
            return f"{head}; give them as {given}: {convert.format(x=spelt)}"
        x = "index.astype(int)" if time is None else "index.asi8"
        unlike = "" if time is None else " (not freq=..., which would date the forecasts in 1970 too)"
        return (f"{head}; give them as {given}{unlike}: {convert.format(x=x)}, where index is the series' index (or "
                "the time column's values)")
    return None


def _decimal_periods(v: np.ndarray, name: str, *, in_file: bool, subject: str | None, spelt: str | None) -> str | None:
    """The advice of :func:`dates_as_numbers` for months written as decimals ``YYYY.MM`` (``2015.01`` .. ``2015.12``,
    as a sheet or EViews writes them; October's ``2015.10`` is the number 2015.1) or quarters ``YYYY.Q`` (``2015.1``
    .. ``2015.4``), consecutive and crossing a year's end, whose steps as numbers are 0.01 (0.1) within a year and
    0.89 (0.7) from one year to the next; None for other numbers (decimal years ``2015.25``, tenths of a year)."""
    years = np.floor(v)
    hundredths = (v - years) * 100
    if not ((years >= 1000) & (years <= 2999)).all() or not np.allclose(hundredths, np.round(hundredths), atol=1e-6):
        return None
    years, hundredths = years.astype(np.int64), np.round(hundredths).astype(np.int64)
    if said := one_digit_months(v, name, in_file=in_file, subject=subject, spelt=spelt):
        return said
    forms = (("quarters", "YYYY.Q", 10, (1, 4), "0.1 within a year and 0.7 from the fourth quarter to the first",
              "pd.PeriodIndex.from_fields(year=np.floor({x}).astype(int), quarter=np.round({x} % 1 * 10).astype(int), "
              "freq='Q')"),
             ("months", "YYYY.MM", 1, (1, 12), "0.01 within a year and 0.89 from December to January",
              "pd.PeriodIndex.from_fields(year=np.floor({x}).astype(int), month=np.round({x} % 1 * 100).astype(int), "
              "freq='M')"))
    for what, pattern, scale, (low, high), how, convert in forms:
        inner = hundredths // scale
        if (hundredths % scale).any() or (inner < low).any() or (inner > high).any() or \
                not (np.diff(years) != 0).any():
            continue
        periods = pd.PeriodIndex.from_fields(year=years, freq="Q" if what == "quarters" else "M",
                                             **{"quarter" if what == "quarters" else "month": inner})
        if not (np.diff(periods.asi8) > 0).all() or np.median(np.diff(periods.asi8)) != 1:
            continue
        written = [f"{x:.{1 if what == 'quarters' else 2}f}" for x in v[:3]]
        head = (f"{subject or f'the times of {name!r}'} are {what} written as decimal numbers {pattern} ({written[0]} "
                f"is {periods[0]}, then {', '.join(written[1:])}, ...), whose steps are {how}")
        if in_file:
            return f"{head}; write them as {what} in the file ({periods[0]} for {written[0]}), which are read as {what}"
        x = spelt or "np.asarray(index, dtype=float)"
        where = "" if spelt else ", where index is the series' index (or the time column's values)"
        return f"{head}; give them as {what}: {convert.format(x=x)}{where}"
    return None


def months_before_years(v: np.ndarray, name: str, *, in_file: bool = False, subject: str | None = None,
                        spelt: str | None = None) -> str | None:
    """The advice for months written ``MM.YYYY`` (``01.2020``, as German and Dutch sheets write a month) and read as
    numbers (``pd.read_csv`` reads ``01.2020`` as 1.202 and ``01.2021`` as 1.2021), which sort January 2021 before
    February 2020; numbers ``v`` in any order whose whole part is a month 1 .. 12 and whose decimals are a year of
    1000 .. 2999 (``.202`` is 2020, its last 0 dropped), consecutive as months, of more than one year, and filling at
    least half the months from the first to the last (``1.1, 1.2, 2.1, 2.2``, January 1000 .. February 2000 so read,
    are sections or days and sessions, not months); else None.
    ``in_file``, ``subject``, ``spelt``: as :func:`dates_as_numbers` takes them."""
    v = np.unique(np.asarray(v, dtype=np.float64))
    months = np.floor(v)
    years = (v - months) * 10000
    if len(v) < 3 or not ((months >= 1) & (months <= 12)).all() or not np.allclose(years, np.round(years), atol=1e-4):
        return None
    years = np.round(years).astype(np.int64)
    if not ((years >= 1000) & (years <= 2999)).all() or len(set(years.tolist())) < 2:
        return None
    periods = np.sort(pd.PeriodIndex.from_fields(year=years, month=months.astype(np.int64), freq="M").asi8)
    if (not (np.diff(periods) > 0).all() or np.median(np.diff(periods)) != 1
            or 2 * len(periods) <= periods[-1] - periods[0] + 1):  # a calendar's months fill their span
        return None  # 1.1, 1.2, 2.1, 2.2 (sections, or days and sessions) as Jan 1000 .. Feb 2000
    first = pd.Period(ordinal=int(periods[0]), freq="M")
    later = pd.Period(ordinal=int(periods[np.argmax(periods // 12 > periods[0] // 12)]), freq="M")  # next year's
    shown = [f"{p.month:02d}.{p.year}" for p in (first, later)]
    head = (f"{subject or f'the times of {name!r}'} look like months written MM.YYYY ({shown[0]} read as the number "
            f"{first.month + first.year / 10000:g}, {shown[1]} as {later.month + later.year / 10000:g}), which as "
            f"numbers sort {later.strftime('%B %Y')} before {(first + 1).strftime('%B %Y')}")
    return _months_as_text(head, name, in_file, f"write them as months in the file ({first} for {shown[0]}), which are "
                           "read as months", spelt, "%m.%Y")


def _months_as_text(head: str, name: str, in_file: bool, file_fix: str, spelt: str | None, fmt: str, keeps: str = "",
                    after: str = "") -> str:
    """The fix of months a file writes as numbers (`months_before_years`, `one_digit_months`): ``file_fix`` where the
    file is read (``in_file``), else to read the column ``name`` as text and then as months of ``fmt``."""
    if in_file:
        return f"{head}; {file_fix}"
    text = "dtype=str" if name == "index" else f"dtype={{{name!r}: str}}"
    return (f"{head}; read them as text{keeps} (pd.read_csv(..., {text})), then as months: "
            f"pd.to_datetime({spelt or 'times'}, format='{fmt}'){after}")


def one_digit_months(v: np.ndarray, name: str, *, in_file: bool = False, subject: str | None = None,
                     spelt: str | None = None) -> str | None:
    """The advice for months written as decimals ``YYYY.M`` with one digit up to September (``2015.1`` .. ``2015.9``,
    ``2015.10`` .. ``2015.12``, as a sheet's or a script's ``f'{year}.{month}'`` writes them), which as numbers
    (``pd.read_csv`` reads them so) make October the number 2015.1 of January and put November (2015.11) before
    February; numbers ``v`` in any order, whose years lie in 1000 .. 2999 and whose decimals are all of ``.1`` ..
    ``.9``, ``.11``, ``.12``, with ``.11`` or ``.12`` and two months of ``.2`` .. ``.9`` among them; else None (tenths,
    decimal years, months ``YYYY.MM``). ``in_file``, ``subject``, ``spelt``: as :func:`dates_as_numbers` takes them."""
    v = np.unique(np.asarray(v, dtype=np.float64))
    if not len(v) or not np.isfinite(v).all():
        return None
    years = np.floor(v)
    hundredths = np.round((v - years) * 100)
    if not ((years >= 1000) & (years <= 2999)).all() or not np.allclose((v - years) * 100, hundredths, atol=1e-6):
        return None
    allowed = {10, 11, 12, *range(20, 100, 10)}
    found = set(hundredths.astype(int).tolist())
    if not found <= allowed or not found & {11, 12} or len(found & set(range(20, 100, 10))) < 2:
        return None
    year = int(years[0])
    head = (f"{subject or f'the times of {name!r}'} look like months written YYYY.M ({year}.1 .. {year}.9, then "
            f"{year}.10, {year}.11, {year}.12), which as numbers make October ({year}.10) the number {year}.1 of "
            f"January and put November ({year}.11) before February ({year}.2)")
    return _months_as_text(head, name, in_file, f"write them as months in the file ({year}-01 for {year}.1, {year}-10 "
                           f"for {year}.10)", spelt, "%Y.%m", f", which keeps {year}.10 apart from {year}.1",
                           "; as numbers they cannot be told apart")


def _time_values(path: Path, column: pd.Series, name: str) -> np.ndarray:
    """The time column as sortable numbers: numbers as they are; date strings as datetime64 nanoseconds.

    ISO 8601 dates are read as such. Other date strings are read when one format fits every value and no
    other reading does: ``13/1/2024`` makes ``1/2/2024`` day-first; a column where both day-first and
    month-first fit is refused (``5/1/2024`` is 5 January or 1 May), never sorted as text. Period labels
    (quarters ``'Q1 2020'``, ISO weeks ``'2020-W05'``, months named ``'janvier 2020'``) are read at each period's
    first day, as :func:`period_label_starts` reads them for the forecasters."""
    empty = np.flatnonzero(column.isna())
    if empty.size:
        raise ValueError(f"{path}: the time column {name!r} is empty at {_lines(empty, path)}; every row needs "
                         f"its time (or leave out --time-column to keep the file's row order)")
    if pd.api.types.is_bool_dtype(column) or not (
        pd.api.types.is_numeric_dtype(column) or pd.api.types.is_object_dtype(column)
        or pd.api.types.is_string_dtype(column)
    ):
        raise ValueError(f"{path}: the time column {name!r} has type {column.dtype}; expected numbers or dates")
    if pd.api.types.is_numeric_dtype(column):
        t = column.to_numpy(np.float64)
        inf = np.flatnonzero(~np.isfinite(t))
        if inf.size:
            raise ValueError(f"{path}: the time column {name!r} is infinite at {_lines(inf, path)}")
        _check_epoch_units(path, column, name, t)
        if said := dates_as_numbers(np.unique(t), name, in_file=True):  # 20200131, 20200201: a gap of 70 (sorted
            raise ValueError(f"{path}: {said}")  # right, but a time-aware model reads the gaps)
        return t
    text = column.astype(str)
    refuse_fiscal_years(text, f"{path}: the time column {name!r}", f"df[{name!r}]")  # '2000/01': not January 2000
    try:
        readings = date_readings(text)
    except MixedZones as e:
        raise ValueError(f"{path}: the time column {name!r} mixes dates with a UTC offset ({_lines([e.aware], path)} "
                         f"has {text.iloc[e.aware]!r}) and without one ({_lines([e.naive], path)} has "
                         f"{text.iloc[e.naive]!r}), so their order is unknown; give every date an offset, or "
                         f"none; {utc_fix(text, f'df[{name!r}]')}, then save the file again") from None

    def two_ways(formats) -> str:
        return (f"{path}: the time column {name!r} holds dates that read two ways ({' or '.join(formats)}: "
                f"{text.iloc[0]!r} on line 2 is either); write ISO dates (YYYY-MM-DD)")

    if len(readings) == 1:
        years = text.str.fullmatch(r"\s*\d{4}\s*").to_numpy()
        if years.any():  # ISO 8601 reads '1999' as 1999-01-01, beside the dates of the other rows
            year, date = int(np.flatnonzero(years)[0]), int(np.flatnonzero(~years)[0])
            raise ValueError(f"{path}: the time column {name!r} mixes years ({text.iloc[year]!r} on "
                             f"{_lines([year], path)}) with dates ({text.iloc[date]!r} on {_lines([date], path)}); "
                             f"a year would be read as its 1 January: write every time alike (all years, or all ISO "
                             f"dates)")
        return readings[0][1].as_unit("ns").asi8  # UTC nanoseconds: sortable across time zones
    if len(readings) > 1:
        raise ValueError(two_ways(fmt for fmt, _ in readings) + " or numbers")
    if (periods := period_label_starts(text)) is not None and "%y" not in (periods[0] or ""):
        refuse_future_years(text, periods[1], f"{path}: the time column {name!r}", None, f"df[{name!r}]")  # 'Q1-49'
        return periods[1].as_unit("ns").asi8  # 'Q1 2020', '2020-W05', 'janvier 2020': each period's first day
    short = short_year_readings(text)  # 'Jan-49', 'Nov 25', '13/01/24': two-digit years, as a sheet writes them
    if len(short) > 1:
        raise ValueError(two_ways([short[0][0], short[1][0]]))
    if short:
        refuse_future_years(text, short[0][1], f"{path}: the time column {name!r}", short[0][0], f"df[{name!r}]")
        return short[0][1].as_unit("ns").asi8
    labels = text.str.fullmatch(WORLD_BANK_YEAR).to_numpy()
    if labels.all():
        raise ValueError(f"{path}: the time column {name!r} holds the World Bank's year labels ({text.iloc[0]!r} on "
                         f"line 2); keep their years as numbers, e.g. df[{name!r}] = df[{name!r}].str[:4].astype(int)")
    numbers = pd.to_numeric(text, errors="coerce")
    clock = text.str.fullmatch(CLOCK_TIME).to_numpy()
    durations = None  # '10s', '0 days 00:00:10', '00:10': a unit or a colon ('1-2021' is no duration, nor -12021 ns)
    if numbers.isna().all() and text.str.contains(r"[A-Za-z:]", regex=True).all():
        durations = pd.to_timedelta(text.str.strip(), errors="coerce")
    if clock.all() or durations is not None and durations.notna().all():
        clock = np.flatnonzero(clock)
        if clock.size:  # 23:50 then 00:10 is later on a clock, earlier as a duration: no one reading
            raise ValueError(f"{path}: the time column {name!r} holds times written as H:MM:SS "
                             f"({_lines(clock[:1], path)} "
                             f"has {text.iloc[clock[0]]!r}), which are clock times (that start again at midnight) or "
                             f"durations, and sort differently; write elapsed time as numbers, e.g. df[{name!r}] = "
                             f"pd.to_timedelta(df[{name!r}]).dt.total_seconds(), or clock times as ISO dates with "
                             f"their day (YYYY-MM-DD HH:MM:SS)")
        # durations as pandas writes a Timedelta column ('0 days 00:00:10') or with units ('10s', '1.5min')
        return pd.TimedeltaIndex(durations).as_unit("ns").asi8
    if not np.isnan(numbers.iloc[0]):  # numbers with some text among them: name the first text
        unread = np.flatnonzero(numbers.isna())
    else:
        fmt = pd.tseries.api.guess_datetime_format(text.iloc[0]) or "ISO8601"
        unread = np.flatnonzero(pd.to_datetime(text, format=fmt, errors="coerce").isna())
    bad = int(unread[0]) if unread.size else 0  # the first value the first value's format does not fit
    if said := spreadsheet_days(text, f"df[{name!r}]", lambda row: _lines([row], path)):
        raise ValueError(f"{path}: the time column {name!r} {said}")
    raise ValueError(f"{path}: the time column {name!r} is neither numbers nor dates in one format "
                     f"({_lines([bad], path)} has {text.iloc[bad]!r}); write numbers or ISO dates (YYYY-MM-DD), "
                     f"or leave out --time-column to keep the file's row order")


def spreadsheet_days(text, col: str, where) -> str | None:
    """Where the text times ``text`` are dates but for some cells that are whole numbers of a spreadsheet's day
    count (20000 .. 80000, 1954 .. 2119, days since 1899-12-30: cells a sheet kept as numbers where the others
    were dates), what to say of them; None otherwise. No reading of such a column as dates or as numbers gets it
    right. ``col``: the column as the fix spells it (``"df['t']"``); ``where(row)``: a row's place as the message
    names it (``"line 3"``)."""
    text = pd.Series(text, copy=False).astype(str).reset_index(drop=True)
    days = pd.to_numeric(text.str.strip(), errors="coerce")
    numbers = np.flatnonzero(days.notna().to_numpy())
    found = days.iloc[numbers]
    whole = ((found == found.round()) & found.between(*_SPREADSHEET_DAYS)).all()
    if not numbers.size or numbers.size == len(text) or not whole:
        return None
    if len(date_readings(text.drop(index=numbers))) != 1:  # the other cells: dates in one format
        return None
    row = int(numbers[0])
    day = (_SPREADSHEET_EPOCH + pd.Timedelta(days=float(days.iloc[row]))).date()
    return (f"holds dates with {numbers.size} written as a spreadsheet's day number ({where(row)} has "
            f"{text.iloc[row]!r}, which Excel and LibreOffice count as {day}), as a sheet saves date cells it kept as "
            f"numbers; format the column as dates in the sheet and save the file again, or convert them: d = "
            f"pd.to_numeric({col}, errors='coerce'); {col} = {col}.where(d.isna(), (pd.Timestamp('1899-12-30') + "
            f"pd.to_timedelta(d, unit='D')){'' if col.endswith('.index') else '.dt'}.strftime('%Y-%m-%d'))")


_SPREADSHEET_EPOCH = pd.Timestamp("1899-12-30")  # day 0 of Excel's and LibreOffice's dates (1900 system)
_SPREADSHEET_DAYS = (20_000, 80_000)
"""Whole numbers of a spreadsheet's day count read as dates where text dates surround them or a calendar's grid
fits them: 1954-10-03 .. 2119-01-11."""
_EXCEL_DAYS = (25_569, 73_051)
"""Excel serial dates of 1970-01-01 and 2100-01-01 (days since 1899-12-30), the range in which numbers named or
spaced as dates are taken for them."""


def spreadsheet_calendar(values: np.ndarray) -> tuple[str, pd.DatetimeIndex] | None:
    """``(grid, dates)`` where numbers ``values (n,)``, unevenly spaced, are whole numbers of a spreadsheet's day
    count (20000 .. 80000, 1954 .. 2119, days since 1899-12-30, as Excel and LibreOffice store dates) that as dates
    lie on a pandas grid (``'MS'``: months of 28 to 31 days; quarters, years, business days); None for other
    numbers. As numbers their steps are uneven, and a series on a calendar's grid is read as one with gaps."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) < 3 or not (np.isfinite(v).all() and (v == np.round(v)).all() and (v >= _SPREADSHEET_DAYS[0]).all()
                          and (v <= _SPREADSHEET_DAYS[1]).all()) or len(np.unique(np.diff(v))) < 2:
        return None
    dates = _SPREADSHEET_EPOCH + pd.to_timedelta(v, unit="D")
    grid = pd.infer_freq(dates)
    return None if grid is None else (grid, pd.DatetimeIndex(dates))

# Unix times of the years 1973 to 2286 in each unit they are written in: (unit, pandas' unit, lower bound)
_EPOCH_UNITS = (("seconds", "s", 1e8), ("milliseconds", "ms", 1e11), ("microseconds", "us", 1e14),
                ("nanoseconds", "ns", 1e17))


def epoch_units(t) -> np.ndarray:
    """For each of the numbers ``t``, the unit it reads in as a Unix time of the years 1973 to 2286: its index in
    ``_EPOCH_UNITS`` (whose ``[k][:2]`` names it: ``("seconds", "s")``), -1 where none."""
    t = np.asarray(t, dtype=np.float64)
    units = np.full(t.shape, -1)
    for k, (_, _, low) in enumerate(_EPOCH_UNITS):
        units[(t >= low) & (t < low * 100)] = k
    return units


def epoch_unit(value) -> tuple[str, str] | None:
    """The unit the number ``value`` reads in as a Unix time (:func:`epoch_units`): ``(name, pandas' unit)``, e.g.
    ``("milliseconds", "ms")``; None where it reads as none."""
    k = int(epoch_units(value))
    return None if k < 0 else _EPOCH_UNITS[k][:2]


def mixed_epoch_units(t, col: str, where) -> str | None:
    """Where the numbers ``t`` are Unix times written in two units (seconds on some rows, milliseconds on others, as
    files joined from two loggers have them), what to say of them: read as numbers, the rows in milliseconds would
    sort after every row in seconds and their gaps be a thousand times as long. ``col``: the column as the fix
    spells it (``"df['t']"``); ``where(row)``: a row's time and place as the message names them (``"1700000000 on
    line 2"``). None otherwise."""
    t = np.asarray(t, dtype=np.float64)
    units = epoch_units(t)
    if (units < 0).any() or len(np.unique(units)) < 2:
        return None
    cells = []
    for k in np.unique(units)[:2]:
        row = int(np.flatnonzero(units == k)[0])
        unit, code, _ = _EPOCH_UNITS[k]
        cells.append(f"{where(row)}, {pd.Timestamp(t[row], unit=code)} UTC in {unit}")
    a, b = np.unique(units)[:2]
    return (f"holds Unix times in more than one unit ({cells[0]}; {cells[1]}), which read as numbers would be "
            f"ordered and spaced wrongly; write every time in one unit, e.g. in {_EPOCH_UNITS[a][0]}: {col} = "
            f"{col}.where({col} < {_EPOCH_UNITS[b][2]:.0e}, {col} / {1000 ** (b - a)})")


def _check_epoch_units(path: Path, column: pd.Series, name: str, t: np.ndarray) -> None:
    """Refuse a time column of Unix times written in two units (:func:`mixed_epoch_units`)."""
    if said := mixed_epoch_units(t, f"df[{name!r}]", lambda row: f"{_cell(column.iloc[row])} on {_lines([row], path)}"):
        raise ValueError(f"{path}: the time column {name!r} {said}")


class MixedZones(ValueError):
    """Dates with a UTC offset mixed with dates without one; ``aware`` and ``naive`` are the positions of
    the first of each."""

    def __init__(self, aware: int, naive: int):
        super().__init__(f"dates with a UTC offset (position {aware}) mixed with dates without one (position "
                         f"{naive}); give every date an offset, or none")
        self.aware, self.naive = aware, naive


_WORDED_ZONE = r"\s(?:UTC|GMT)\s*$"
"""A zone written as a word after a time (``'2021-01-01 06:00:00 UTC'``, as databases write it): the Z it means."""


def utc_fix(text, spelt: str) -> str:
    """The fix of dates with a UTC offset or zone mixed with dates without one (:class:`MixedZones`) where those
    without are UTC: ``spelt`` (``"data['t']"``) read as UTC instants, in the one format pandas reads both in (ISO
    8601, or value by value where a zone is written as a word, ``' UTC'``, which ISO 8601 does not read)."""
    worded = pd.Series(text, copy=False).astype(str).str.contains(_WORDED_ZONE, regex=True).any()
    return (f"if those without one are UTC, {spelt} = pd.to_datetime({spelt}, utc=True, "
            f"format={'mixed' if worded else 'ISO8601'!r}) reads them so")


_END_OF_DAY = re.compile(r"(?<=\d)(?P<sep>[ T])24:00(?P<rest>(?::00(?:\.0+)?)?(?:Z|[+-]\d\d:?\d\d)?\s*)$")
"""A time of 24:00 after a date (``'2024-01-01 24:00'``, ``'2024-01-01T24:00:00'``): the midnight ending that day."""


# a day of the month written with its ordinal suffix beside a month's name ('1st Jan 2020', 'January 2nd, 2020', as
# British and American sheets write long dates), which no strftime reads: the day is read without it
_ORDINAL_DAY = re.compile(r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)\b", re.IGNORECASE)


_YEAR_DAY = ("%Y-%d", "%Y/%d", "%Y.%d")
"""The starts of the year-day-month formats pandas guesses of ISO dates read day first, which no one writes."""


def date_readings(text: pd.Series) -> list[tuple[str, pd.DatetimeIndex]]:
    """The distinct readings of strings as dates, each in one format for every value: ``[("ISO8601",
    times)]`` for ISO 8601 dates; one reading for other dates that only one format fits (``13/1/2024``
    makes the column day-first); two for dates that read both day-first and month-first (``5/1/2024`` is 5
    January or 1 May); none for text that is not dates in one format. Formats are guessed from the first
    value (pandas' ``guess_datetime_format``) and then applied strictly, never value by value.

    ISO dates with different UTC offsets are read as the instants they name (in UTC); dates with an offset
    mixed with dates without one raise `MixedZones` (their order is unknown). A time of 24:00 (``'2024-01-01
    24:00'``, as hourly meter and market data end a day) is the midnight that ends its day, as ISO 8601 has it:
    the next day's 00:00, which pandas does not read."""
    if text.str.contains("24:00", regex=False, na=False).any():
        midnight = text.str.replace(_END_OF_DAY, r"\g<sep>00:00\g<rest>", regex=True)
        if (ends := midnight.notna() & (midnight != text)).any():
            return [(fmt, times + pd.to_timedelta(ends.to_numpy().astype(np.int64), unit="D"))
                    for fmt, times in date_readings(midnight)]
    ordinal = text.str.replace(_ORDINAL_DAY, r"\g<day>", regex=True)  # '1st Jan 2020', 'January 2nd, 2020'
    if (ordinal != text).any() and ordinal.str.contains(r"[^\W\d_]{3}", regex=True).all():  # a month's name too
        return date_readings(ordinal)
    try:
        return [("ISO8601", pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601")))]
    except (ValueError, OverflowError):
        pass
    aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d|\s(?:UTC|GMT))\s*$", regex=True)
    if aware.any():  # an offset only where the value is an ISO date: not the Z of 'BLZ', a country's code; ' UTC'
        # as databases write it ('2021-01-01 06:00:00 UTC') read as the Z it means
        zoned = text.where(aware).str.replace(_WORDED_ZONE, "Z", regex=True)
        aware &= pd.to_datetime(zoned, format="ISO8601", utc=True, errors="coerce").notna()
    if aware.any():
        if not aware.all():
            raise MixedZones(int(np.flatnonzero(aware)[0]), int(np.flatnonzero(~aware)[0]))
        try:
            return [("ISO8601", pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", utc=True)))]
        except (ValueError, OverflowError):
            pass
    readings = []
    for dayfirst in (False, True):
        fmt = guessed_format(str(text.iloc[0]), dayfirst)
        if fmt is None or fmt.startswith(_YEAR_DAY):  # year-day-month is never meant
            continue
        add_reading(readings, text, fmt)
    return readings


# a time on a 12-hour clock after the date, as spreadsheets write it ('1/2/2020 1:00:00 PM'), whose format pandas
# does not guess: pd.to_datetime then reads value by value, '02/01/2020' as 1 February beside '13/01/2020'
_TWELVE_HOUR = re.compile(r"(?P<date>.*?\S)(?P<sep>[ T]+)(?P<clock>\d{1,2}:\d\d(?::\d\d)?)(?P<space>\s*)[AaPp][Mm]")


def other_format(text) -> tuple[int, str, str, str] | None:
    """``(row, value, format, other)`` where the text times ``text`` are dates in one format (``format``, guessed
    from the first) but for some that are dates written in one other (``other``: ``'01/06/2021'`` among
    ``'2021-01-05'``, rows typed by hand, or files of two sources joined), of which ``row`` holding ``value`` is the
    first; the other is read day first where the first format is. Year-day-month is never taken for either
    (``'2021-01-02'`` is 2 January, though its day and month could swap). None for other text (words among the
    dates, more rows in other forms than in the first's, or others in several formats)."""
    text = pd.Series(text, copy=False).astype(str).str.strip().reset_index(drop=True)
    formats = {guessed_format(text.iloc[0], dayfirst) for dayfirst in (False, True)} - {None} if len(text) > 2 \
        else set()
    formats = {f for f in formats if not f.startswith(_YEAR_DAY)} or formats  # '2021-01-02' is 2 January
    if not formats:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        others, fmt = min(((np.flatnonzero(pd.to_datetime(text, format=f, errors="coerce").isna().to_numpy()), f)
                           for f in sorted(formats)), key=lambda found: found[0].size)  # 13.01.2021: day first
        if not others.size or others.size * 2 >= len(text):
            return None
        second = guessed_format(text.iloc[others[0]], fmt.startswith("%d"))  # read as the first is: day first?
        if second is not None and second.startswith(_YEAR_DAY):  # year-day-month is never meant
            second = guessed_format(text.iloc[others[0]], False)
        if second is None or pd.to_datetime(text.iloc[others], format=second, errors="coerce").isna().any():
            return None
    return int(others[0]), str(text.iloc[others[0]]), fmt, second


def guessed_format(value: str, dayfirst: bool) -> str | None:
    """The format of one date as pandas guesses it (``guess_datetime_format``), or, for a time on a 12-hour clock
    (``'01/02/2020 1:00:00 PM'``), which pandas does not guess, the date's guessed format with ``%I:%M[:%S] %p``."""
    with warnings.catch_warnings():  # pandas warns when the guess contradicts dayfirst: both are tried
        warnings.simplefilter("ignore", UserWarning)
        fmt = pd.tseries.api.guess_datetime_format(value, dayfirst=dayfirst)
        if fmt is not None or (clock := _TWELVE_HOUR.fullmatch(value.strip())) is None:
            return fmt
        date = pd.tseries.api.guess_datetime_format(clock["date"], dayfirst=dayfirst)
    if date is None or "%H" in date:
        return None
    seconds = ":%S" if clock["clock"].count(":") == 2 else ""
    return f"{date}{clock['sep']}%I:%M{seconds}{clock['space']}%p"


def twelve_hour_row(time: pd.DatetimeIndex) -> int | None:
    """The first row of times on a 12-hour clock written without AM/PM: every hour 1 .. 12 (never 0, never 13 ..
    23), and the times go back only from 12:xx to an earlier time of the same day (12:00, 01:00: noon then 1 PM,
    read as 1 AM); None for other times (rows in no order go back from other hours too)."""
    if len(time) < 2 or time.hasnans or not ((time.hour >= 1) & (time.hour <= 12)).all():
        return None
    day, step = time.normalize(), np.diff(time.asi8)
    back = step <= 0
    if not back.any() or back.all():
        return None
    # read as PM, each time after 12:xx goes on by the series' own step (noon, 1 PM), not by hours
    pm = np.diff((time + pd.to_timedelta(np.r_[0, 12 * back], unit="h")).asi8)
    noon = (time.hour[:-1] == 12) & (day[1:] == day[:-1]) & (pm == np.median(step[~back]))
    return int(np.flatnonzero(back)[0]) + 1 if (noon | ~back).all() else None


TWELVE_HOUR_FIX = ("export the times with a 24-hour clock ('%Y-%m-%d %H:%M', 13:00) or with AM/PM "
                   "('%m/%d/%Y %I:%M %p'), which is read")


def _check_twelve_hour_clock(path: Path, column: pd.Series, name: str, times: np.ndarray, groups: dict) -> None:
    """ValueError where a sequence's times, in file order, read as a 12-hour clock written without AM/PM
    (:func:`twelve_hour_row`): sorted by time, its afternoon (01:00 .. 11:00) would go before its morning."""
    if pd.api.types.is_numeric_dtype(column):
        return
    hours = (times // 3_600_000_000_000) % 24  # nanoseconds: the hour of the day
    if not ((hours >= 1) & (hours <= 12)).all():  # a 24-hour clock, or dates without hours: the usual case
        return
    for key, rows in groups.items():
        i = twelve_hour_row(pd.DatetimeIndex(times[rows]))
        if i is not None:
            before, after = rows[i - 1], rows[i]
            raise ValueError(f"{path}: the time column {name!r} reads as a 12-hour clock written without AM/PM: "
                             f"every hour is 1 .. 12, and sequence {key!r} goes back from {_cell(column.iloc[before])} "
                             f"({_lines([before], path)}) to {_cell(column.iloc[after])} ({_lines([after], path)}) on "
                             "the same day, so 1 AM and 1 PM are written alike and sorting by time would put the "
                             f"afternoon before the morning; {TWELVE_HOUR_FIX}")


def refuse_fiscal_years(raw, what: str, spelt: str = "times") -> None:
    """ValueError where text labels all write a year and the next year's last two digits (``'2000/01'``,
    ``'2001/02'``, or ``'2000-01'``, ...), as statistics offices write financial years, which pandas reads as months:
    January 2000, February 2001, ..., 13 months apart (forecasts dated 2013-01, 2014-02); also ``'FY2000'`` and
    ``'2020年度'`` (a Japanese fiscal year, April to March, which pandas cannot read). Nothing
    for other text (two labels of a monthly series never both fit) or non-text. ``what`` names the labels in the
    message, ``spelt`` as the user's code names them (``"data.index"``) in the fix."""
    text = pd.Series(raw, copy=False)
    if len(text) < 2 or text.dtype.kind in "biufcmM" or not text.map(lambda v: isinstance(v, str)).all():
        return
    if text.str.fullmatch(r"\s*FY\s*\d{4}\s*", case=False).all():  # 'FY2000': which year it starts in is unsaid
        raise ValueError(f"{what} holds financial years ({text.iloc[0]!r}, {text.iloc[1]!r}, ...), which are not "
                         f"dates; give each as its year, {spelt} = {spelt}.str.strip().str[-4:].astype(int) (a time "
                         "axis of years)")
    if text.str.fullmatch(r"\s*\d{4}\s*年度\s*").all():  # '2020年度': Japan's fiscal year (April to March)
        raise ValueError(f"{what} holds fiscal years ({text.iloc[0]!r}, {text.iloc[1]!r}, ...: 年度, which in Japan "
                         f"runs from April to March), which are not dates; give each as its year, {spelt} = "
                         f"{spelt}.str.strip().str[:4].astype(int) (a time axis of years), or as the day it starts, "
                         f"pd.to_datetime({spelt}.str.strip().str[:4] + '-04-01')")
    parts = text.str.strip().str.extract(r"^(\d{4})\s*[-/]\s*(\d{2})$")
    if parts.isna().any(axis=None):
        return
    start, end = parts[0].astype(int).to_numpy(), parts[1].astype(int).to_numpy()
    if not ((start + 1) % 100 == end).all():
        return
    read = (f"which pandas reads as months ({start[0]}-{end[0]:02d} as {pd.Timestamp(start[0], end[0], 1):%B %Y}, "
            f"{start[1]}-{end[1]:02d} as {pd.Timestamp(start[1], end[1], 1):%B %Y}, ...: 13 months apart)"
            if ((end >= 1) & (end <= 12)).all() else "which are not dates")
    raise ValueError(f"{what} holds financial years ({text.iloc[0]!r}, {text.iloc[1]!r}, ...: a year and the next "
                     f"one's last two digits), {read}; give each as the year it starts, {spelt} = "
                     f"{spelt}.str[:4].astype(int) (a time axis of years)")


# a time of day without its date ('09:30', '23:50:00'), which pd.to_datetime dates today
CLOCK_TIME = r"\s*\d{1,2}:\d{2}(:\d{2}(\.\d*)?)?\s*"


_PERIOD_NAME = re.compile(r"month|quarter|qtr|monat|mois|^mes$|^mo?n?$|^q$")


def year_beside_period(data: pd.DataFrame, time_col: str, spelt: str = "data") -> tuple[str, str, str, str] | None:
    """``(year, period, said, join)`` where the time column ``time_col`` and another column of ``data`` write one time
    in two, the years (whole numbers 1800 .. 2200) and the months (1 .. 12) or quarters (1 .. 4) of each, as
    statistics offices and spreadsheets lay them out: ``year`` and ``period`` name the two columns, ``said`` tells
    them (``"write one time in two: ..."``) and ``join`` is the expression of the one time column, spelt on
    ``spelt`` (``"df"``). Told only where the pairs increase row by row, each (year, period) once (give one
    sequence's rows), and, where the years are the time column, where the other is named as months or quarters
    (``'month'``, ``'Qtr'``), since a panel's ids may count 1 .. 12 too. Months may be written as numbers or as
    names: whole, abbreviated or a mix (``'Sept.'`` beside ``'June'``), any case, in the languages of
    :func:`_month_of`. None otherwise. One rule for a frame's
    time column and a CSV's."""
    whole = lambda c: pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c]) and \
        data[c].notna().all() and bool((data[c] == data[c].round()).all())
    if time_col not in data.columns or len(data) < 3:
        return None
    named, given = None, data  # named: the format of months written as their English names ('Jan', 'January')
    if not whole(time_col):
        text = data[time_col]
        if not (pd.api.types.is_object_dtype(text) or pd.api.types.is_string_dtype(text)) or text.isna().any():
            return None
        text = text.astype(str).str.strip()
        # month names, whole ('January'), of three letters ('Jan') or a mix of both and other beginnings ('Sept.',
        # 'June'), in any case and the languages of _month_of ('janv.', 'März')
        if len(unique := text.unique()) > 36:  # dates or other text: no month's names, read no further
            return None
        words = {w: _month_of(w.rstrip(".")) for w in unique}
        if None in words.values():
            return None
        months = text.map(words)
        english = text.str.lower().isin(_MONTH_NAMES["en"])
        named = ("%b" if (text.str.len() == 3).all() and (english | text.str.lower().isin(
            [m[:3] for m in _MONTH_NAMES["en"]])).all() else "%B" if english.all() else words)
        data = data.assign(**{time_col: months.to_numpy(np.int64)})
    ints = {time_col: data[time_col].to_numpy(np.int64)}  # the time column's, read once for every other column
    for other in data.columns:
        if other == time_col or not whole(other):
            continue
        ints[other] = data[other].to_numpy(np.int64)
        for year, period in ((time_col, other), (other, time_col)):
            years, periods = ints[year], ints[period]
            if not ((years >= 1800) & (years <= 2200)).all() or periods.min() < 1 or periods.max() > 12 or \
                    not 2 <= len(np.unique(years)) < len(years) or not 2 <= len(np.unique(periods)) < len(years) or \
                    not (np.diff(years * 100 + periods) > 0).all():
                continue
            if year == time_col and not _PERIOD_NAME.search(str(period).strip().lower()):
                continue  # years beside counts 1 .. 12 not named as months: a panel's ids (stores 1 .. 12)
            if named and period != time_col:
                continue  # month names are the months, never the years
            kind = "quarters" if periods.max() <= 4 and not named else "months"
            if isinstance(named, dict):  # 'Sept.' beside 'June', or 'janv.': each name's month by a map
                join = (f"pd.to_datetime(dict(year={spelt}[{year!r}], month={spelt}[{period!r}].str.strip().map("
                        f"{named}), day=1))")
            elif named:  # 'Jan' .. 'Dec' beside the years: read together
                join = (f"pd.to_datetime({spelt}[{year!r}].astype(str) + ' ' + {spelt}[{period!r}], "
                        f"format='%Y {named}')")
            elif kind == "months":
                join = f"pd.to_datetime(dict(year={spelt}[{year!r}], month={spelt}[{period!r}], day=1))"
            else:
                join = (f"pd.PeriodIndex.from_fields(year={spelt}[{year!r}], quarter={spelt}[{period!r}], "
                        "freq='Q').to_timestamp()")
            alone = f"the {kind} alone start over each year" if period == time_col else "the years alone repeat"
            spans = (f"{given[period].iloc[periods.argmin()]!r} .. {given[period].iloc[periods.argmax()]!r}" if named
                     else f"{periods.min()} .. {periods.max()}")
            said = (f"write one time in two: {year!r} holds the years ({years[0]}, ...) and {period!r} the {kind} of "
                    f"each ({spans}), so {alone}")
            return str(year), str(period), said, join
    return None


def date_beside_clock(frame: pd.DataFrame, time_column: str, by: list[str] | tuple = ()) -> tuple[str, str] | None:
    """``(dates, clock)``, the names of two columns that write one time in two, where one of them is
    ``time_column``: ``dates`` holds dates without a time of day (``'2021-01-01'``, or datetimes all at midnight)
    and ``clock`` only times of day (``'06:00'``, :data:`CLOCK_TIME`; or ``datetime.time``, as ``pd.read_excel``
    reads a column of time cells), and each (date, time) is on one row at most (of each sequence: ``by``, the id
    column): a logger's or a sheet's ``Date`` and ``Time`` columns, where the dates alone repeat and the times of
    day would be read as series ids (or the reverse). None otherwise, and None where the times of day are one per
    series of a panel (``_feature_of_ids``: a store's opening time beside its id and the dates)."""
    @functools.cache  # the time column is asked of beside each other column
    def clock(c) -> bool:
        v = frame[c].dropna()
        if v.dtype.kind in "biufcmM":  # numbers, dates, durations: no text or datetime.time cells
            return False
        return len(v) == len(frame) and (v.map(lambda x: isinstance(x, datetime.time)).all() or (
            v.map(lambda x: isinstance(x, str)).all() and v.str.fullmatch(CLOCK_TIME).all()))

    @functools.cache
    def dates(c) -> bool:
        v = frame[c]
        if pd.api.types.is_numeric_dtype(v) or pd.api.types.is_bool_dtype(v) or v.isna().any():
            return False
        if not pd.api.types.is_datetime64_any_dtype(v):
            if not v.map(lambda x: isinstance(x, (str, datetime.date))).all() or \
                    v.map(lambda x: isinstance(x, str) and ":" in x).any():
                return False
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                v = pd.to_datetime(v.astype(str), errors="coerce", format="mixed")
        return bool(v.notna().all() and (v == v.dt.normalize()).all())

    if time_column not in frame.columns or not frame.duplicated([*by, time_column]).any():
        return None
    for other in frame.columns:
        if other == time_column or other in by:
            continue
        for day, hour in ((time_column, other), (other, time_column)):
            if clock(hour) and dates(day) and not frame.duplicated([*by, day, hour]).any() and \
                    not _feature_of_ids(frame, day, hour, by):
                return str(day), str(hour)
    return None


def _feature_of_ids(frame: pd.DataFrame, day, hour, by) -> bool:
    """True where the times of day ``hour`` are a feature of a panel's series, not the day's clock: another text
    column whose ids each span several rows, that with the dates ``day`` names each row once (a store id) and gives
    each of its ids one time of day (a store's opening time '09:00', another's '10:00')."""
    for c in frame.columns:
        if c in (day, hour) or c in by or pd.api.types.is_numeric_dtype(frame[c]) or frame[c].isna().any():
            continue
        counts = frame[c].value_counts()  # ids: each on several rows (a note on each row names no series)
        if len(counts) > 1 and (counts > 1).all() and not frame.duplicated([c, day]).any() and \
                (frame.groupby(c, sort=False)[hour].nunique() == 1).all():
            return True
    return False


def shown_time(t) -> str:
    """A time as a message shows it: a midnight timestamp as its date (``1960-12-01``), anything else as is."""
    return str(t.date()) if isinstance(t, pd.Timestamp) and t == t.normalize() else str(t)


# dates with a two-digit year, as spreadsheets write short dates (01/02/49, 1.2.24) and months (Jan-49, 1-Jan-49):
# the pattern of the first date, and the formats that may read them
_SHORT_YEARS = ((re.compile(r"\d{1,2}([/.-])\d{1,2}\1\d{2}"), ("%m{0}%d{0}%y", "%d{0}%m{0}%y")),
                (re.compile(r"[A-Za-z]{3,9}([- ])\d{2}"), ("%b{0}%y", "%B{0}%y")),
                (re.compile(r"\d{1,2}([- ])[A-Za-z]{3,9}\1\d{2}"), ("%d{0}%b{0}%y", "%d{0}%B{0}%y")))


def short_year_readings(text: Any) -> list[tuple[str, pd.DatetimeIndex]]:
    """The readings of dates whose year has two digits (``'01/02/49'``, ``'1.2.24'``, ``'Jan-49'``: a spreadsheet's
    short dates, whose format pandas does not guess and reads value by value, ``'01/02/49'`` month-first and
    ``'13/02/49'`` day-first in one column), each format applied to every value: month-first and day-first with
    the dates' own separator, or the month's name; distinct readings only, as
    :func:`~rnnkit.data.tables.date_readings` gives them; [] for other text."""
    text = pd.Series(text, copy=False)
    if not len(text) or not text.map(lambda v: isinstance(v, str)).all():
        return []
    text = text.astype(str).str.strip()
    readings = []
    for pattern, formats in _SHORT_YEARS:
        if (found := pattern.fullmatch(text.iloc[0])) is None:
            continue
        for fmt in (f.format(found.group(1)) for f in formats):
            add_reading(readings, text, fmt)
    return readings


def refuse_future_years(text: Any, times: pd.DatetimeIndex, what: str, fmt: str | None = None,
                        spelt: str = "times") -> None:
    """ValueError where text dates write their year with two digits (``'Jan-49'``, ``'01/02/49'``) and were read
    (``times``, one per label) as years after the current one: pandas reads ``00 .. 68`` as ``2000 .. 2068``,
    so the airline's ``'Jan-49' .. 'Dec-60'`` became 2049 .. 2060 without a word (forecasts dated in 2061; years
    that cross 1969 fall out of order). Years of four digits, and two-digit years read up to this year, pass.
    ``what`` names the dates in the message; ``fmt``: the format they were read with, and ``spelt`` the dates as
    the user's code names them (``"data.index"``), which the fix names."""
    now = pd.Timestamp.now().year
    if not len(times) or times.year.max() <= now:
        return
    labels = pd.Series(text, copy=False)
    if not labels.map(lambda v: isinstance(v, str)).all():
        return
    labels = labels.astype(str).str.strip()
    i = int(np.argmax(times.year > now))
    label, year = labels.iloc[i], times[i].year
    if str(year) in label or f"{year % 100:02d}" not in label:  # a four-digit year: meant as written
        return
    fix = f"parse them with their century, t = pd.DatetimeIndex(pd.to_datetime({spelt}, format={fmt or '...'!r})); " \
          f"t = t.where(t.year <= {now}, t - pd.DateOffset(years=100))"  # '...': read value by value
    if fmt is None and labels.str.fullmatch(r".*\D\d{2}").all():  # 'janv-49', 'Q1-49': no strftime reads them
        fix = (f"give them their century, {spelt} = {spelt}.str[:-2] + np.where({spelt}.str[-2:].astype(int) > "
               f"{now % 100}, '19', '20') + {spelt}.str[-2:]")
    elif fmt is None and labels.str.fullmatch(r"\d{2}\D.*").all():  # '49Q1', '49-Q1': the year first
        fix = (f"give them their century, {spelt} = np.where({spelt}.str[:2].astype(int) > {now % 100}, '19', '20') "
               f"+ {spelt}")
    raise ValueError(f"{what} writes years with two digits ({labels.iloc[0]!r}, ...), and pandas reads 00 .. 68 "
                     f"as 2000 .. 2068: {label!r} as {shown_time(times[i])}, after this year ({now}); dates of the "
                     f"1900s? {fix}, or write four-digit years ({year - 100} for {label!r})")


def add_reading(readings: list[tuple[str, pd.DatetimeIndex]], text: pd.Series, fmt: str) -> None:
    """Append ``(fmt, times)`` to ``readings`` where the format ``fmt`` reads every value of ``text`` and gives
    times that no reading in the list gave (two formats that read alike are one reading)."""
    try:
        times = pd.DatetimeIndex(pd.to_datetime(text, format=fmt))
    except (ValueError, OverflowError):
        return
    if not any(times.equals(other) for _, other in readings):
        readings.append((fmt, times))


def weekly_periods(text: pd.Series) -> pd.PeriodIndex | None:
    """Weeks written as pandas writes weekly periods, their first and last days (``'2000-01-03/2000-01-09'``, as
    ``to_csv`` writes a ``PeriodIndex`` of ``'W'``), as that PeriodIndex (anchored on the last day's weekday:
    ``'W-SUN'``); None for any other text."""
    text = pd.Series(text, copy=False).astype(str).str.strip()
    if not len(text) or not text.str.fullmatch(r"\d{4}-\d\d-\d\d/\d{4}-\d\d-\d\d").all():
        return None
    parts = text.str.split("/", expand=True)
    try:
        first, last = (pd.DatetimeIndex(pd.to_datetime(parts[k], format="%Y-%m-%d")) for k in (0, 1))
    except ValueError:
        return None
    if not ((last - first) == pd.Timedelta(days=6)).all():
        return None
    return pd.PeriodIndex(first, freq=f"W-{last[0].day_name()[:3].upper()}")


# the months by name, for month labels in no one strftime format: 'Jan. 2000', 'Sept. 2000', 'March 2000' (AP style),
# and in the languages of European exports, whose months pandas reads only in English: 'janvier 2000', 'März 2000'
_MONTH_NAMES = {
    "en": ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
           "décembre"),
    "fr (no accents)": ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
                        "octobre", "novembre", "decembre"),
    "de": ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
           "dezember"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
           "novembre", "dicembre"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
}


def _month_of(word: str) -> int | None:
    """The month (1 .. 12) that ``word`` names: its full name or an abbreviation of three letters or more that only
    its names start with (``'Jan'``, ``'Febr'``, ``'Sept'``; ``'janv'``, ``'Mär'``), in English or another language
    of :data:`_MONTH_NAMES`, any case; None for any other word, or one that starts the names of two months
    (``'jui'``: juin, juillet)."""
    word = word.lower()
    found = {k for names in _MONTH_NAMES.values() for k, name in enumerate(names, 1)
             if len(word) >= 3 and name.startswith(word)}
    return found.pop() if len(found) == 1 else None


def named_months(text: pd.Series, *, short: bool = False) -> pd.DatetimeIndex | None:
    """The first day of each month that labels of a month's name and a four-digit year name where the names are
    not in one strftime form: abbreviations with a dot (``'Jan. 2000'``, which ``%b`` does not read), ``'Sept.'``,
    or abbreviations beside full names (``'Aug. 2000'``, ``'March 2000'``, as AP style writes months), or names in
    another language (``'janvier 2000'``, ``'März 2000'``, ``'févr. 2000'``); with ``short``, years of two digits
    too (``'janv-20'``, ``"mars '20"``: French and German sheets' short months), read as ``%y`` reads them
    (:func:`full_years`); None for other text."""
    year = r"(\d{4}|\d{2})" if short else r"(\d{4})"
    parts = text.str.strip().str.extract(r"^([^\W\d_]{3,10})\.?[\s\-']*" + year + "$")
    if parts.isna().any(axis=None):
        return None
    months = parts[0].map({w: _month_of(w) for w in parts[0].unique()})  # 8 languages' names: once per word
    if months.isna().any():
        return None
    return pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": full_years(parts[1]), "month": months.astype(int),
                                                         "day": 1})))


def full_years(years: pd.Series) -> pd.Series:
    """Years written with four digits, or with two as ``%y`` reads them (``00 .. 68`` as ``2000 .. 2068``, ``69 ..
    99`` as ``1969 .. 1999``: the dates are then checked by :func:`refuse_future_years`), as integers."""
    years = years.astype(int)
    return years.where(years >= 100, years + np.where(years <= 68, 2000, 1900))


def iso_weeks(text: pd.Series) -> pd.DatetimeIndex | None:
    """The Monday of each ISO 8601 week that labels ``'2020-W05'`` / ``'2020W05'`` / ``'2020-W5'`` (any case) or
    ``'KW 5/2020'`` (a German export's Kalenderwoche, ISO's week; ``'W05 2020'`` names no numbering: US weeks start
    on Sunday) name,
    or the day that ISO week dates ``'2020-W05-3'`` name (1 Monday .. 7 Sunday), as ``isocalendar`` numbers weeks
    (week 1 holds the year's first Thursday, so it may start in December); None for other text, or a week a year
    does not have (``'2021-W53'``)."""
    parts = text.str.strip().str.extract(r"^(\d{4})-?[Ww](\d\d)(?:-?([1-7]))?$")
    if parts[[0, 1]].isna().any(axis=None):  # '2020-W1' .. '2020-W52': weeks up to 9 with one digit, no day
        short = text.str.strip().str.extract(r"^(\d{4})-?[Ww](\d{1,2})$")
        if short.notna().all(axis=None):
            parts = pd.DataFrame({0: short[0], 1: short[1].str.zfill(2), 2: np.nan})
    if parts[[0, 1]].isna().any(axis=None):  # 'KW 5/2020': German exports' Kalenderwoche, ISO's by DIN 1355
        last = text.str.strip().str.extract(r"^KW\s?(\d{1,2})[\s/\-.]*(\d{4})$", flags=re.IGNORECASE)
        if last.isna().any(axis=None):
            return None
        parts = pd.DataFrame({0: last[1], 1: last[0].str.zfill(2), 2: np.nan})
    if parts[2].isna().any() != parts[2].isna().all():
        return None
    day = parts[2].fillna("1")
    days = pd.DatetimeIndex(pd.to_datetime(parts[0] + "-" + parts[1] + "-" + day, format="%G-%V-%u",
                                           errors="coerce"))
    iso = days.isocalendar()  # pandas rolls week 53 of a year of 52 into the next year's first
    if days.hasnans or not ((iso["year"].to_numpy() == parts[0].astype(int).to_numpy())
                            & (iso["week"].to_numpy() == parts[1].astype(int).to_numpy())).all():
        return None
    return days


def durations_refusal(what: str, values, spelt: str) -> str:
    """The refusal of durations (timedelta64: times elapsed since a start) where times are read, which pandas reads
    neither as dates nor as numbers: ``what`` names them (``"time column 'elapsed'"``), ``spelt`` is how the fix
    spells the column (``"data['elapsed']"``)."""
    values = pd.Series(np.asarray(values)).dropna()
    shown = f": {values.iloc[0]} .. {values.iloc[-1]}" if len(values) else ""
    return (f"{what} holds durations (timedelta64{shown}), not dates or numbers; give them as numbers, "
            f"{spelt}.dt.total_seconds() (the forecasts' times are then seconds), or as dates counted from the start "
            f"they are measured from, pd.Timestamp('2024-01-01') + {spelt} (with your start)")


def period_label_starts(text) -> tuple[str | None, pd.DatetimeIndex] | None:
    """``(format, starts)``: the first day of each period that labels such as ``"Jan 1980"`` / ``"JAN 1980"`` /
    ``"January 1980"`` / ``"Jan. 1980"`` / ``"Sept. 1980"`` (months, AP style's abbreviations beside full names
    read too, and names in other languages, ``"janvier 1980"``) or ``"Q1 1965"`` / ``"1965 Q1"`` / ``"1965Q1"`` /
    ``"1965/Q1"`` (quarters) name, gretl's and EViews' ``"1950:1"`` (quarters) and ``"1950:01"`` (months), the
    IMF's and Eurostat's ``"1950M01"`` and ``"01/1950"`` (months), half-years ``"2020H1"`` / ``"2020-S1"`` /
    ``"H1 2020"`` (Eurostat's semesters; at 1 January and 1 July), months, quarters and years as Japanese and
    Chinese statistics write them (``"2020年1月"``, ``"2020年第1四半期"``, ``"2020年"``), or weeks as pandas writes
    weekly periods (``"2000-01-03/2000-01-09"``) or ISO 8601 writes them (``"2000-W01"``, by their Monday), every
    label in one of these forms (pmdarima's wineind, woolyrnq and sunspots are indexed so; statsmodels' ARIMA
    results files ``1950:1``); ``format`` is the strftime of month labels (which may write two-digit years:
    ``'Jan-49'``, to check with :func:`~rnnkit.data.timeseries.refuse_future_years`), else None. None for anything
    but such text. The one reader of these labels: the Forecaster's index and time column, `TimeSeriesFrame`'s
    time column, `calendar_features` and `read_sequences`' time column read them here."""
    if isinstance(text, pd.Index | pd.Series) and not (pd.api.types.is_object_dtype(text.dtype)
                                                        or pd.api.types.is_string_dtype(text.dtype)):
        return None
    values = list(np.ravel(np.asarray(text, dtype=object))) if not isinstance(text, str) else []
    if not values or not all(isinstance(v, str) for v in values):
        return None
    text = pd.Series(values, dtype=object)
    weeks = weekly_periods(text)
    if weeks is not None:
        return None, weeks.to_timestamp(how="start")
    for fmt in ("%b %Y", "%B %Y", "%b-%Y", "%b-%y", "%Y %b", "%Y-%b", "%m/%Y", "%m-%Y", "%m.%Y"):  # '01-2020', too
        try:
            return fmt, pd.DatetimeIndex(pd.to_datetime(text, format=fmt))
        except (ValueError, OverflowError):
            continue
    if (named := named_months(text)) is not None:  # 'Jan. 2000', 'Sept. 2000', 'March 2000': no one format
        return None, named
    if not short_year_readings(text) and (named := named_months(text, short=True)) is not None:  # 'janv-20'
        return None, named  # (English 'Jan-49' keeps the format that reads it, which refuse_future_years names)
    if (weeks := iso_weeks(text)) is not None:  # '2020-W05', '2020W05': ISO 8601's weeks, by their Monday
        return None, weeks
    if text.str.strip().str.fullmatch(r"\d{4}:(0[1-9]|1[0-2])").all():  # months, two digits: 1950:01 .. 1950:12
        return "%Y:%m", pd.DatetimeIndex(pd.to_datetime(text.str.strip(), format="%Y:%m"))
    months = text.str.strip().str.extract(r"^(\d{4})M(0?[1-9]|1[0-2])$", flags=re.IGNORECASE)  # 2000M01, the IMF's
    if months.isna().any(axis=None):  # '2020年1月': Japanese and Chinese statistics (e-Stat, the NBS) write months so
        months = text.str.strip().str.extract(r"^(\d{4})\s*年\s*(0?[1-9]|1[0-2])\s*月$")
    if months.notna().all(axis=None):
        return None, pd.DatetimeIndex(pd.to_datetime(months[0] + "-" + months[1], format="%Y-%m"))
    years = text.str.strip().str.extract(r"^(\d{4})\s*年$")[0]  # '2020年': years as e-Stat and the NBS write them
    if years.notna().all():  # (not '2020年度', a fiscal year that starts in April in Japan)
        return None, pd.DatetimeIndex(pd.to_datetime(years, format="%Y"))
    halves = text.str.strip().str.extract(r"^(?:[HS]([12])[\s\-/_.]*(\d{4})|(\d{4})[\s\-/_.]*[HS]([12]))$",
                                          flags=re.IGNORECASE)  # '2020H1', '2020-S1' (Eurostat's semesters)
    if halves.notna().sum(axis=1).eq(2).all():
        year, half = halves[1].fillna(halves[2]).astype(int), halves[0].fillna(halves[3]).astype(int)
        return None, pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": year, "month": 6 * half - 5, "day": 1})))
    quarters = text.str.strip().str.extract(r"^(?:Q([1-4])[\s\-/_.']*(\d{4}|\d{2})|(\d{4})(?:[\s\-/_.]*Q|:)([1-4])"
                                            r"|(\d{2})[\s\-/_.]*Q([1-4]))$", flags=re.IGNORECASE)
    quarters[2], quarters[3] = quarters[2].fillna(quarters[4]), quarters[3].fillna(quarters[5])  # '20Q1', '20-Q1'
    quarters = quarters[[0, 1, 2, 3]]  # 'Q1-20', "Q1 '20", '20Q1': a two-digit year as %y reads it ('20:1' is no year)
    if quarters.isna().all(axis=1).any():  # '2020年第1四半期' (e-Stat), '2020年第1季度' (the NBS)
        cjk = text.str.strip().str.extract(r"^(\d{4})\s*年\s*第?\s*([1-4])\s*(?:四半期|季度|季)$")
        quarters = pd.DataFrame({0: np.nan, 1: np.nan, 2: cjk[0], 3: cjk[1]})
    if quarters.isna().all(axis=1).any():
        return None
    year, quarter = full_years(quarters[1].fillna(quarters[2])), quarters[0].fillna(quarters[3]).astype(int)
    return None, pd.PeriodIndex.from_fields(year=year, quarter=quarter, freq="Q").to_timestamp(how="start")


def times_across(data: pd.DataFrame) -> tuple[list, list] | None:
    """``(time columns, other columns)`` of a wide table with one series per row and one time per column (the
    World Bank's layout: a country per row, ``'1960', '1961', ...``; a long table pivoted, ``df.pivot(index='store',
    columns='date', values='y')``): at least 3 numeric columns named as years or ISO dates (``2001``,
    ``'2001-01'``, ``'1959Q1'``) or by Timestamps, dates or Periods, in increasing order or newest first (as
    reports write them: ``'2023', '2022', ...``), in the table's order; None for any other table."""
    named = [c for c in data.columns if _column_time(c) is not None]
    counted = [c for c in data.columns if isinstance(c, numbers.Integral) and not isinstance(c, bool)]
    if len(named) < 3 or not all(pd.api.types.is_numeric_dtype(data[c]) for c in named) or \
            not all(c in named for c in counted):  # columns 0 .. 1999 of an array count steps, not years
        return None
    try:
        times = [_column_time(c) for c in named]
        if not (all(a < b for a, b in zip(times[:-1], times[1:], strict=True))
                or all(a > b for a, b in zip(times[:-1], times[1:], strict=True))):
            return None
    except TypeError:  # tz-aware beside naive
        return None
    return named, [c for c in data.columns if c not in named]


def newest_first(times: list) -> bool:
    """Whether the column labels ``times`` of :func:`times_across` run newest first."""
    return _column_time(times[0]) > _column_time(times[-1])


def _column_time(label) -> pd.Timestamp | None:
    """The time a column's label names (its start, for a period): a year or an ISO date as text or a number, a
    Timestamp, a date or a Period; None for any other label."""
    if isinstance(label, pd.Period):
        return label.start_time
    if isinstance(label, datetime.date) and not pd.isna(label):  # Timestamps and datetimes too
        return pd.Timestamp(label)
    if not isinstance(label, numbers.Integral | str) or isinstance(label, bool) or \
            not re.fullmatch(r"\d{4}(?:[-/]\d{1,2}(?:[-/]\d{1,2})?|Q[1-4])?", str(label).strip()):
        return None
    try:
        return pd.Period(str(label).strip().replace("/", "-")).start_time
    except (ValueError, TypeError):
        return None


def _read_wide(path, frame, target_column, with_target) -> SequenceTable:
    _check_no_label_column(path, frame.drop(columns=[target_column] if target_column else []))
    features = _features(path, frame.drop(columns=[target_column] if target_column else []))
    _check_one_channel(path, [str(c) for c in features.columns])
    _check_step_names(path, [str(c) for c in features.columns])
    values = features.to_numpy(np.float64)
    where = lambda row: f"row {row + 1} ({_lines([row], path)})"
    _check_values(path, values, [f"column {c!r}" for c in features.columns], where, allow_nan=True)
    cells = values.ravel()  # the one feature, row by row: a place names its row and its step's column
    steps = f"df.columns.drop({target_column!r})" if target_column in frame.columns else "df.columns"
    _warn_missing_codes(
        path, "the feature (every step's column)", cells,
        lambda i: f"{where(i // values.shape[1])}, column {str(features.columns[i % values.shape[1]])!r}",
        lambda code: (f"the wide layout takes no empty cell before a row's last, so fill them in along each row and "
                      f"save the file again, df = pd.read_csv(path, na_values=[{code:g}]); steps = {steps}; "
                      "df[steps] = df[steps].interpolate(axis=1, limit_area='inside'); df.to_csv(new_path, "
                      "index=False) (a code in a row's last steps then shortens that sequence)"), "cell(s)")
    X = []
    for i, row in enumerate(values.astype(np.float32)):
        observed = np.flatnonzero(~np.isnan(row))
        if observed.size == 0:
            raise ValueError(f"{path}: {where(i)} has no values; every sequence needs at least one step")
        if observed[-1] + 1 != observed.size:
            gap = int(np.flatnonzero(np.isnan(row[: observed[-1]]))[0])
            raise ValueError(f"{path}: {where(i)}, column {features.columns[gap]!r} is empty before "
                             f"the row's last value; only trailing cells may be empty (they shorten the sequence)")
        X.append(row[: observed.size, None])
    y = frame[target_column].to_numpy() if target_column and with_target else None
    if y is not None:
        empty = np.flatnonzero(frame[target_column].isna())
        if empty.size:
            _check_target_words(path, target_column, empty, None)
            raise ValueError(f"{path}: {where(empty[0])}: the target column {target_column!r} is empty; fill "
                             f"it in or drop the row")
    return SequenceTable(X, y, np.arange(1, len(X) + 1), ["value"], target_column)


def _check_no_label_column(path: Path, steps: pd.DataFrame) -> None:
    """A wide CSV reads every column but the target as a step of its one feature: refuse a column named like a
    sequence id or a time axis ('id', 'case_id', 'subject', 'YEAR', as a table of a row per year keeps it), whose
    values would otherwise be read as a step of every sequence without a word."""
    for column in steps.columns:
        key = str(column).strip().lower()
        if key in TIME_NAMES or is_id_name(key):
            kind = "a sequence id" if is_id_name(key) else "a time axis"
            raise ValueError(f"{path}: column {column!r} is named like {kind}, but a wide CSV (a row per sequence) "
                             f"reads every column besides the target as a step of its one feature, so its values "
                             f"({_cell(steps[column].iloc[0])} on line 2) would be read as steps; drop it, e.g. "
                             f"pd.read_csv(path).drop(columns=[{str(column)!r}]).to_csv(new_path, index=False) (the "
                             "rows are the sequences, numbered from 1)")


def _check_step_names(path: Path, columns: list[str]) -> None:
    """A wide CSV's columns are its steps in file order: refuse columns named by numbers (years, step numbers) or
    by dates and periods (``'2020-05'``, ``'Q4 2020'``, read as the time column's dates are) that do not increase
    ('2003' before '2002', as tables written newest first have them), which would be read out of the order their
    names give."""
    if len(columns) < 2:
        return
    names = pd.Series(columns, dtype=object)
    numbers, readings = pd.to_numeric(names, errors="coerce").to_numpy(np.float64), []
    kind = "times" if np.isnan(numbers).any() else "numbers"
    if kind == "times":
        try:
            readings = date_readings(names.str.strip())
        except MixedZones:
            return
        periods = period_label_starts(names) if not readings else None  # 'Q4 2020', 'Jan 2020', '2020-W05'
        times = readings[0][1] if len(readings) == 1 else None if periods is None else periods[1]
        if times is None:
            return  # step names that are no times ('x1', 'step 2'), or dates that read two ways
        numbers = times.as_unit("ns").asi8
    back = np.flatnonzero(np.diff(numbers) <= 0)
    if back.size:
        k = int(back[0])
        order = ("steps[::-1]" if (np.diff(numbers) < 0).all() else "sorted(steps, key=float)" if kind == "numbers"
                 else "sorted(steps, key=pd.Timestamp)" if readings and readings[0][0] == "ISO8601" else None)
        raise ValueError(f"{path}: the step columns are named by {kind} that do not increase ({columns[k]!r} "
                         f"before {columns[k + 1]!r}); a wide CSV's columns are read as steps in file order, so "
                         "they would be read out of the order their names give: write them in increasing order"
                         + ("" if order is None else f", e.g. df[[target, *{order}]].to_csv(new_path, index=False)"))


def wide_channels(columns) -> list[str] | None:
    """The channels named by columns in sktime's multivariate "pd-wide" layout (``dim_0__0, ..., dim_5__99``:
    channel ``__`` step), in order; None for columns that are not several channels' steps."""
    parts = [str(c).rpartition("__") for c in columns]
    channels = list(dict.fromkeys(p[0] for p in parts))
    return channels if len(channels) > 1 and all(p[1] and p[2].isdigit() for p in parts) else None


def _check_one_channel(path: Path, columns: list[str]) -> None:
    """A wide CSV holds one feature: refuse columns that name several channels' steps, as sktime's "pd-wide"
    does (``dim_0__0, ..., dim_5__99``), which would be read as one long series of all of them."""
    channels = wide_channels(columns)
    if channels:
        raise ValueError(f"{path}: the columns ({columns[0]!r}, ..., {columns[-1]!r}) are the steps of "
                         f"{len(channels)} channels ({', '.join(map(repr, channels[:3]))}"
                         f"{', ...' if len(channels) > 3 else ''}), as sktime's \"pd-wide\" writes them; a wide CSV "
                         f"holds one feature, and would read them as {len(columns)} steps of one: save a long CSV "
                         f"(one row per step, a column per channel) or an .npz with X of shape (n, T, channels)")


# -- npz -----------------------------------------------------------------------------------------------------
_ZIP, _EMPTY_ZIP, _NPY = b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY"
NPZ_ARRAYS = ("X", "y", "lengths")


def _not_npz(path: Path, reason: str) -> ValueError:
    return ValueError(f"{path}: {reason}; write the file with numpy.savez(path, X=X, y=y, lengths=lengths)")


def _array(path: Path, data, name: str, numeric: bool = True) -> np.ndarray:
    """One array of the archive (numeric unless ``numeric=False``: labels may be text); an archive that
    breaks while reading is named, not traced back."""
    import zipfile
    import zlib

    try:
        a = data[name]
    except ValueError:  # numpy refuses object arrays without pickle, which rnnkit never enables
        shape = _stored_shape(data, name)
        if name == "X" and len(shape) == 1:
            fix = f"it has shape {shape}, {_RAGGED_FIX}"
        elif name == "y":
            fix = ("save text labels as text, y.astype(str), numbers as numbers, y.astype(np.float32); per-step "
                   "labels padded to (n, T) as X is")
        else:
            fix = f"save it as numbers, e.g. {name}.astype(np.float32)"
        raise ValueError(f"{path}: array {name!r} holds Python objects (dtype object), which rnnkit does not read "
                         f"(it never unpickles); {fix}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
        raise _not_npz(path, f"the archive is truncated or corrupt: array {name!r} cannot be read ({e})") from None
    if numeric and a.dtype.kind not in "biuf":
        what = {"U": "text", "S": "text", "c": "complex: store the real and imaginary parts as two features"
                }.get(a.dtype.kind, "not numbers")
        raise ValueError(f"{path}: array {name!r} has dtype {a.dtype} ({what}); it must hold numbers")
    return a


_RAGGED_FIX = ("one object per sequence: sequences of different lengths (np.array(seqs, dtype=object))? pad them "
               "into one (n, T, F) array and save each one's length with it: np.savez(path, "
               "X=rnnkit.data.pad_sequences(seqs).numpy(), lengths=[len(s) for s in seqs], y=y)")


def _stored_shape(data, name: str) -> tuple:
    """The shape of array ``name`` of an npz as its header gives it, read without loading (or unpickling) it."""
    with data.zip.open(f"{name}.npy") as f:
        version = np.lib.format.read_magic(f)
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        return read(f)[0]


def _check_targets(path: Path, y: np.ndarray) -> None:
    """Refuse targets that no task reads as they are: complex numbers, dates and durations (their raw ticks
    would become numbers), bytes (neither text nor numbers to scikit-learn)."""
    what = {"c": "complex numbers", "m": "durations", "M": "dates", "S": "bytes"}.get(y.dtype.kind)
    if what:
        raise ValueError(f"{path}: array 'y' holds {what} (dtype {y.dtype}); targets must be numbers (or text labels "
                         f"for --task classify / tag): convert them before saving the .npz")


def _read_npz(path: Path, with_target: bool, per_step_target: bool, missing_values: bool = False) -> SequenceTable:
    import zipfile

    with open(path, "rb") as f:
        magic = f.read(6)
    _check_not_other_format(path, magic)
    if magic.startswith(_NPY):
        raise _not_npz(path, "this is a single .npy array (numpy.save), not an .npz archive of named arrays")
    if not magic.startswith((_ZIP, _EMPTY_ZIP)):
        raise _not_npz(path, "not an .npz archive (it does not start as a zip file); a CSV needs --layout "
                             "long or wide")
    try:
        data = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise _not_npz(path, f"the archive is truncated or corrupt ({e})") from None
    with data:
        if "X" not in data:
            keys = list(data.keys())
            # another spelling of X (x, X_train, inputs, ...): the arrays to save under rnnkit's names
            close = [k for k in keys if k.lower() in ("x", "inputs", "data", "features", "sequences")
                     or k.lower().startswith(("x_", "x-"))]
            split = [k for k in keys if k.lower().startswith(("y_", "y-", "lengths_"))]
            hint = (f"; save the inputs as X: np.savez(path, X=data[{close[0]!r}], ...)"
                    + (f" (one file per split: its X, y and lengths; {split[0]!r} would be its y)" if split else "")
                    if close else "")
            raise ValueError(f"{path}: no array 'X' in the .npz (found {keys}){hint}; rnnkit reads the arrays "
                             f"{list(NPZ_ARRAYS)}")
        unknown = [k for k in data.keys() if k not in NPZ_ARRAYS]
        if unknown:  # a misspelt 'lengths' would otherwise make every padding step a real one
            from ..checks import closest_name

            close = [(k, c) for k in unknown if (c := closest_name(k.lower(), NPZ_ARRAYS, cutoff=0.7))]
            kept = [k for k in NPZ_ARRAYS if k in data]
            fix = (f"if {close[0][0]!r} is {close[0][1]!r}, rename it; else " if close else "") + \
                f"leave them out: np.savez(new_path, **{{k: data[k] for k in {kept}}})"
            raise ValueError(f"{path}: array(s) {unknown} are not read by rnnkit, which reads only "
                             f"{list(NPZ_ARRAYS)}; {fix} (data = np.load(path))")
        X = _array(path, data, "X")
        if X.ndim == 2:
            X = X[..., None]
        if X.ndim != 3 or min(X.shape) == 0:
            raise ValueError(f"{path}: 'X' must have shape (n, T, F) or (n, T) with n, T, F >= 1, got {X.shape}")
        n, T = X.shape[:2]
        if T < X.shape[2] and "lengths" not in data:
            _check_npz_orientation(path, X)
        if "lengths" not in data:
            _check_npz_padding(path, X, missing_values)
        lengths = _lengths(path, _array(path, data, "lengths"), n, T) if "lengths" in data else np.full(n, T)
        X = X.astype(np.float64)
        for i, length in enumerate(lengths):
            _check_values(path, X[i, :length], [f"feature {k}" for k in range(X.shape[2])],
                          lambda step, i=i: f"sequence at npz index {i}, step {step}", allow_nan=missing_values)
        seqs = [X[i, :length].astype(np.float32) for i, length in enumerate(lengths)]
        y = None
        if with_target:
            if "y" not in data:
                raise ValueError(f"{path}: no array 'y' of targets in the .npz (found {list(data.keys())})")
            y = _array(path, data, "y", numeric=False)
            _check_targets(path, y)
            if y.ndim == 0 or len(y) != n:
                raise ValueError(f"{path}: 'y' has shape {y.shape} but 'X' has {n} sequences; give one target "
                                 f"per sequence")
            if per_step_target:
                if y.shape[:2] != (n, T):
                    raise ValueError(f"{path}: per-step 'y' must have shape (n, T) = {(n, T)}, got {y.shape}")
                y = [y[i, :length] for i, length in enumerate(lengths)]
            nan = [i for i, t in enumerate(y) if np.asarray(t).dtype.kind == "f" and np.isnan(t).any()]
            if nan:
                raise ValueError(f"{path}: 'y' is NaN for the sequence at npz index {nan[0]} ({len(nan)} in all)")
    return SequenceTable(seqs, y, np.arange(n), [f"x{k}" for k in range(X.shape[2])], "y" if with_target else None)


def _check_npz_orientation(path: Path, X: np.ndarray) -> None:
    """An npz ``X`` with fewer steps than features, as sktime and aeon save ``(n, channels, time)``: one step
    of many features (``T == 1``) is refused, fewer steps than features warned of, naming the fix, unless its
    values run smoothly along the steps and not along the features (:func:`rnnkit.checks.runs_along`), as a
    time series does along its time. Saving ``lengths`` says the steps are as given (one-step sequences
    included). Read as ``(n, channels, time)``, an ``X`` made so by ``X.reshape(n, C, T)`` of an ``(n, T, C)``
    array (:func:`rnnkit.checks.interleaved_channels`, as the estimators check it) is warned of with the reshape
    undone as the fix, where a transpose would keep every channel's steps interleaved."""
    shape = X.shape
    n, T, F = shape
    if T > 1 and (found := interleaved_channels(X)) is not None:
        what, undone, read = found
        measure = (f"their means explain {undone:.0%} of the values' variance, {read:.0%} in the channels read"
                   if what == "level" else f"their log standard deviations spread {undone:.2f}, {read:.2f} in the "
                   "channels read")
        warnings.warn(f"{path}: 'X' has shape {shape}, read as (n, T, F): {T} time steps of {F} features each, as "
                      f"(n, channels, time) it would be {T} channels of {F} steps; but X.reshape({n}, {F}, {T}) "
                      f"holds {T} channels of their own {what} along its last axis ({measure}), as an (n, T, C) "
                      f"array made (n, C, T) by X.reshape(n, C, T) does: each row holds the steps of every "
                      f"channel in turn; save X.reshape({n}, {F}, {T}) (the (n, T, C) array rnnkit reads), not "
                      f"X.transpose(0, 2, 1): a reshape is not a transpose", UserWarning, stacklevel=4)
        return
    fix = (f"if X is (n, channels, time) as sktime and aeon give it, save X.transpose(0, 2, 1) (rnnkit reads "
           f"(n, T, F)); if each sequence really has {T} step(s) of {F} features, save lengths=np.full(n, {T}) with "
           f"it to say so")
    if T == 1:
        raise ValueError(f"{path}: 'X' has shape {shape}, which reads as 1 time step of {F} features: almost "
                         f"surely {F} time steps of 1 channel; {fix}")
    if runs_along(X, 1, 2):
        return  # (n, T, F) with more features than steps
    warnings.warn(f"{path}: 'X' has shape {shape}, read as (n, T, F): {T} time steps of {F} features each; {fix}",
                  UserWarning, stacklevel=4)


def _check_npz_padding(path: Path, X: np.ndarray, missing_values: bool) -> None:
    """An npz ``X`` without ``lengths`` whose sequences end in padding, naming the ``lengths`` to save: steps NaN in
    every feature are refused (unless NaN is read as missing, ``missing_values``), steps 0 in every feature warned
    of where they look like padding (:func:`rnnkit.data.collate.zero_padding`, ``strict=False``: two or more, and
    the longest sequence has none): they would be read as steps, yet zeros may be real."""
    n, T, _ = X.shape
    save = ("save the lengths with X (np.savez(path, X=X, lengths=[len(s) for s in seqs], y=y): the steps of each "
            "sequence before padding)")

    def where(kind: str, padded: np.ndarray, tails: np.ndarray) -> str:
        i = padded[0]
        return (f"{len(padded)} of {n} sequences end in steps that are {kind} in every feature (the sequence at npz "
                f"index {i}: steps {T - tails[i]}..{T - 1} of {T})")

    padded, tails = zero_padding((X == 0).all(axis=2), strict=False)
    if len(padded):
        warnings.warn(f"{path}: {where('0', padded, tails)}, read as steps of those sequences: zero padding after "
                      f"each sequence's end? {save}; if the zeros are real, save lengths=np.full(n, {T}) with X to say "
                      f"so", UserWarning, stacklevel=4)
    if not missing_values:
        tails = blank_tails(np.isnan(X).all(axis=2))
        if tails.any():  # steps ending a sequence with no value in any feature: padding
            raise ValueError(f"{path}: {where('NaN', np.flatnonzero(tails), tails)}: padding after each sequence's "
                             f"end? {save}")


def _lengths(path: Path, lengths: np.ndarray, n: int, T: int) -> np.ndarray:
    """``lengths`` as ints in ``[1, T]``, one per sequence; whole-number floats (``7.0``) are accepted."""
    if lengths.ndim != 1 or len(lengths) != n:
        raise ValueError(f"{path}: 'lengths' has shape {lengths.shape} but 'X' has {n} sequences; give one "
                         f"length per sequence")
    if lengths.dtype.kind == "b":
        raise ValueError(f"{path}: 'lengths' is boolean; it must hold the number of steps of each sequence")
    if lengths.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(lengths) | (lengths != np.round(lengths)))
        if bad.size:
            raise ValueError(f"{path}: 'lengths' must be whole numbers; at npz index {bad[0]} it is "
                             f"{_cell(lengths[bad[0]])} ({bad.size} in all); save them as integers")
    bad = np.flatnonzero((lengths < 1) | (lengths > T))
    if bad.size:
        raise ValueError(f"{path}: 'lengths' must be in [1, T={T}] (T: X's second axis); at npz index {bad[0]} "
                         f"it is {_cell(lengths[bad[0]])} ({bad.size} out of range in all)")
    return lengths.astype(np.int64)
