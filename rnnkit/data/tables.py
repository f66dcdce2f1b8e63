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
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass
class SequenceTable:
    """Sequences read from a file: ``X`` a list of ``(T_i, F)`` float arrays, ``y`` targets or None, and the
    sequence ids (for writing predictions)."""

    X: list[np.ndarray]
    y: np.ndarray | list[np.ndarray] | None
    ids: np.ndarray


def read_sequences(
    path: str | Path,
    *,
    layout: str = "auto",
    id_column: str = "id",
    time_column: str | None = None,
    target_column: str | None = "target",
    per_step_target: bool = False,
    require_target: bool = True,
) -> SequenceTable:
    """Read sequences from ``path`` (see the module docstring). ``target_column=None`` reads inputs only;
    with ``require_target=False`` a missing target column is not an error (prediction files).

    Raises ValueError naming the problem: a missing file or column, an empty file, non-numeric features,
    a per-sequence target that changes within a sequence."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file; expected a .csv or .npz of sequences")
    if layout == "auto":
        layout = "npz" if path.suffix == ".npz" else "long"
    if layout == "npz":
        return _read_npz(path, target_column is not None and require_target, per_step_target)
    if layout not in ("long", "wide"):
        raise ValueError(f"layout must be 'auto', 'long', 'wide' or 'npz', got {layout!r}")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty; expected a CSV with a header row") from None
    if frame.empty:
        raise ValueError(f"{path}: the CSV has a header but no rows")
    if not require_target and target_column not in frame.columns:
        target_column = None
    needed = [c for c in ((id_column if layout == "long" else None), time_column, target_column) if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: column(s) {missing} not found; the file has {list(frame.columns)} "
                         f"(choose them with --id-column / --time-column / --target-column)")
    if layout == "wide":
        return _read_wide(path, frame, target_column)
    return _read_long(path, frame, id_column, time_column, target_column, per_step_target)


def _features(path: Path, frame: pd.DataFrame) -> pd.DataFrame:
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise ValueError(f"{path}: feature column(s) {bad} are not numeric; convert or drop them")
    if frame.shape[1] == 0:
        raise ValueError(f"{path}: no feature columns left besides the id, time and target columns")
    return frame


def _read_long(path, frame, id_column, time_column, target_column, per_step_target) -> SequenceTable:
    if time_column:
        frame = frame.sort_values([id_column, time_column], kind="stable")
    drop = [c for c in (id_column, time_column, target_column) if c]
    features = _features(path, frame.drop(columns=drop))
    groups = frame.groupby(id_column, sort=False).indices  # id -> row positions, in file order of first row
    ids = np.array(list(groups))
    values = features.to_numpy(np.float32)
    X = [values[rows] for rows in groups.values()]
    y = None
    if target_column:
        target = frame[target_column].to_numpy()
        if per_step_target:
            y = [target[rows] for rows in groups.values()]
        else:
            y = []
            for key, rows in groups.items():
                if len(pd.unique(target[rows])) != 1:
                    raise ValueError(f"{path}: sequence {key!r} has several values in {target_column!r}; a "
                                     f"per-sequence target must be constant (use --task tag for per-step labels)")
                y.append(target[rows[0]])
            y = np.asarray(y)
    return SequenceTable(X, y, ids)


def _read_wide(path, frame, target_column) -> SequenceTable:
    features = _features(path, frame.drop(columns=[target_column] if target_column else []))
    values = features.to_numpy(np.float32)
    X = []
    for i, row in enumerate(values):
        observed = np.flatnonzero(~np.isnan(row))
        if observed.size == 0:
            raise ValueError(f"{path}: row {i} has no values; every sequence needs at least one step")
        if observed[-1] + 1 != observed.size:
            raise ValueError(f"{path}: row {i} has an empty cell before its last value; only trailing cells "
                             f"may be empty (they shorten the sequence)")
        X.append(row[: observed.size, None])
    y = frame[target_column].to_numpy() if target_column else None
    return SequenceTable(X, y, np.arange(len(X)))


def _read_npz(path: Path, with_target: bool, per_step_target: bool) -> SequenceTable:
    try:
        data = np.load(path, allow_pickle=False)
    except ValueError as e:
        raise ValueError(f"{path}: cannot read as .npz without pickle ({e})") from e
    if "X" not in data:
        raise ValueError(f"{path}: no array 'X' in the .npz (found {list(data.keys())})")
    X = np.asarray(data["X"], dtype=np.float32)
    if X.ndim == 2:
        X = X[..., None]
    if X.ndim != 3 or len(X) == 0:
        raise ValueError(f"{path}: 'X' must have shape (n, T, F) or (n, T) with n >= 1, got {X.shape}")
    lengths = data["lengths"] if "lengths" in data else np.full(len(X), X.shape[1])
    seqs = [X[i, : int(n)] for i, n in enumerate(lengths)]
    y = None
    if with_target:
        if "y" not in data:
            raise ValueError(f"{path}: no array 'y' of targets in the .npz (found {list(data.keys())})")
        y = data["y"]
        if len(y) != len(X):
            raise ValueError(f"{path}: 'y' has {len(y)} entries but 'X' has {len(X)} sequences")
        if per_step_target:
            if y.shape[:2] != X.shape[:2]:
                raise ValueError(f"{path}: per-step 'y' must have shape (n, T) = {X.shape[:2]}, got {y.shape}")
            y = [y[i, : int(n)] for i, n in enumerate(lengths)]
    return SequenceTable(seqs, y, np.arange(len(seqs)))
