"""The ``rnnkit`` command line: ``demo``, ``train``, ``predict``, ``evaluate``, ``forecast``, ``compare``,
``clipping``, ``app``, ``export``, ``serve``."""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import platform
import sys
import tempfile
import time
import warnings
import zipfile
from contextlib import contextmanager, redirect_stdout
from pathlib import Path


def _json_text(obj, where: str, who: str, indent: int = 2) -> str:
    """``obj`` as strict JSON text, as its files are written (:func:`rnnkit.data.memmap.strict_json`): NaN and
    infinity as null, numpy numbers as numbers; what the command prints parses as what it writes."""
    from rnnkit.data.memmap import strict_json

    return json.dumps(strict_json(obj, where, who), indent=indent, allow_nan=False)


def _demo(args) -> int:
    """The main job: a short measured comparison of RNN, LSTM and GRU on two tasks: the adding problem
    (long memory, generated) and scikit-learn's bundled handwritten digits read row by row (real data).
    Prints each cell's figure beside the chance level with its verdict, and what the run can and cannot show;
    writes that summary, both tables and every plot as one report in ``--out`` (``report.html``, ``report.md``,
    ``report.json``; :func:`rnnkit.report.write_report`) and each task's own report in ``--out/TASK``."""
    from .compare import compare, demo_markdown, demo_summary, markdown, plots, title
    from .report import SD_NOTE, machine, machine_line, write_report

    _check_report_out(args.out)
    out = Path(args.out)
    results = {}
    for task, length, params in (
        ("adding", [args.length], {"n_train": 4000, "n_val": 500, "n_test": 1000}),
        ("digits", [None], None),
    ):
        print(f"== {task}")
        results[task] = compare(
            task,
            lengths=length,
            seeds=1,
            steps=args.steps,
            hidden_size=args.hidden,
            eval_every=max(args.steps // 6, 1),
            task_params=params,
            out=out / task,
            first_seed=args.seed,
        )
    command = "rnnkit compare --task adding --length 200 --seeds 5 --steps 3000 --out runs/adding200"
    summary = demo_summary(results, command=command)
    where = machine(results["adding"]["device"])
    write_report(out, title="rnnkit demo: RNN, LSTM and GRU on the adding problem and handwritten digits",
                 results=results, markdown=demo_markdown(results, command=command),
                 figures={f"{task}_{name}": fig for task, r in results.items() for name, fig in plots(r).items()},
                 machine_info=where)
    print("\n" + "\n".join(f"## {title(r)}\n\n{markdown(r)}" for r in results.values()))
    print(f"Machine: {machine_line(where)}. {SD_NOTE}\n")
    print(summary)
    print(f"\nreport in {out}/report.html (and report.md, report.json, plots); each task's in {out}/adding and "
          f"{out}/digits")
    return 0


ESTIMATOR_FOR_TASK = {"classify": "SequenceClassifier", "regress": "SequenceRegressor", "tag": "SequenceTagger"}
TABLE_DEFAULTS = {"id_column": "id", "time_column": None, "target_column": "target"}


def _read_table(args, columns: dict, *, with_target: bool, per_step: bool, missing_values: bool = False,
                model_reads: list | None = None, task: str | None = None):
    """The sequences of ``args.data``, read with ``columns`` (id, time and target column names); targets are
    read for training and left out of the features (if present) for prediction. A column named like a time axis
    but read as a feature is refused when the rows run backwards by it (read_sequences' TimeOrderError, its fix
    given here in flags), else warned of; ``model_reads``: the feature columns of the model predicting. For
    ``task="regress"`` a target cell of pandas' words for a missing value ('NaN', 'NA') is refused as the missing
    number it is (the reader, not knowing the task, allows that it may be a label)."""
    from .data.tables import CsvFormError, MissingTargetWord, TimeOrderError, read_sequences
    from .io import is_model_directory

    if Path(args.data).is_dir():  # the file's reader would call an existing directory missing
        model = getattr(args, "model", None)
        if is_model_directory(Path(args.data)):
            order = (f"rnnkit {args.command} MODEL_DIR DATA_FILE: the model directory first, then the data"
                     if model is not None else "give the .csv or .npz to train on (--out names the model directory)")
            raise ValueError(f"{args.data} is an rnnkit model directory, not a data file; {order}")
        raise ValueError(f"{args.data} is a directory, not a data file; give the .csv or .npz of sequences in it")
    _check_swapped_roles(args, columns)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            table = read_sequences(args.data, layout=args.layout, per_step_target=per_step,
                                   require_target=with_target, missing_values=missing_values, **columns)
    except TimeOrderError as err:  # the fix in the command line's words
        name = err.column
        fix = (f"the model reads {name!r} as a feature (it was trained without --time-column), so sort the rows of "
               f"each sequence by {name!r} in the file (or train again with --time-column {name})"
               if model_reads is not None and name in model_reads else
               f"pass --time-column {name} to sort each sequence's rows by it (or rename the column if it is a "
               "feature, not the time)")
        raise ValueError(f"{args.data}: {err.what}; without --time-column the rows are read in file order, with "
                         f"{name!r} as a feature: {fix}") from None
    except MissingTargetWord as err:
        if task != "regress":
            raise
        fix = (f"fill in the target of sequence {err.sequence!r} there or drop that sequence's rows"
               if err.sequence is not None else "fill it in or drop the row")
        raise ValueError(f"{args.data}: {err.line} has {err.cell!r} in the target column {err.column!r}, which "
                         f"pandas reads as a missing value; a regressor needs a number as every sequence's target: "
                         f"{fix}") from None
    except CsvFormError:  # the file's form, named with its fix: a time-named column's text follows from it
        raise
    except ValueError as err:
        dates = _time_named_text(args, columns)
        if dates is None:
            raise
        name, line, value = dates
        given = columns["time_column"]
        why = ("no --time-column was given" if given is None else
               f"--time-column names another column, {given!r}")
        then = "" if given is None else f" ({given!r} is then read as a feature)"
        raise ValueError(f"{args.data}: column {name!r} is named like a time axis and holds text ({value!r} on line "
                         f"{line}), but {why}, so it would be read as a feature, which must be numbers; pass "
                         f"--time-column {name} to sort each sequence's rows by it{then} (or convert or drop the "
                         "column if it is a feature)") from err
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return table


def _check_swapped_roles(args, columns: dict) -> None:
    """Refuse an id column named like a time axis (``--id-column t``) in a long CSV that also has a column named
    ``id`` read as the time or as a feature: the two flags swapped, or the time given as the id. Each value of
    the time would then group the rows of every series at that time into a 'sequence', which trains without a
    word (a grid of ids by times reads either way)."""
    from .data.tables import TIME_NAMES

    given, default = columns["id_column"], TABLE_DEFAULTS["id_column"]
    if _layout(args) != "long" or str(given).strip().lower() not in TIME_NAMES or given == default:
        return
    header = _csv_header(args.data)
    if header is None or default not in header or default == columns["target_column"]:
        return
    role = "the time column" if default == columns["time_column"] else "a feature"
    raise ValueError(f"{args.data}: the id column {given!r} is named like a time axis, while the column "
                     f"{default!r} is read as {role}: the rows sharing a {given!r} value would be one sequence, "
                     f"the series cut across at each time; pass --id-column {default} --time-column {given} (the "
                     "id groups the rows into sequences, the time orders each one), or rename the columns if "
                     f"{given!r} really names the sequences")


def _warn_time_named_feature(args, columns: dict) -> None:
    """Warn where --time-column names a column not named like a time axis while one that is (``t``, ``date``) is
    read as a feature: the rows of each sequence sorted by a measurement, and the time learnt from as a value (a
    feature given as the time: the reader's warning of a time-named feature is for a file read without a time
    column, and the estimator's is for one that increases along each sequence, which the sort undoes)."""
    from .data.tables import TIME_NAMES

    time = columns["time_column"]
    if time is None or _layout(args) != "long" or str(time).strip().lower() in TIME_NAMES:
        return
    header = _csv_header(args.data)
    named = _time_named_columns(args, columns, header) if header is not None else []
    if named:
        warnings.warn(f"--time-column orders the rows of each sequence of {args.data} by {time!r}, while the column "
                      f"{named[0]!r}, named like a time axis, is read as a feature: if {named[0]!r} is the time, pass "
                      f"--time-column {named[0]} ({time!r} is then read as a feature); if {time!r} is, silence this "
                      f"with PYTHONWARNINGS='ignore:--time-column orders' before the command (or rename "
                      f"{named[0]!r})", UserWarning, stacklevel=2)


def _warn_rate_above_one(lr) -> None:
    """A warning for ``--lr`` above 1: an Adam step (``train`` and ``compare`` train with AdamW, whatever rate an SGD
    recipe took) moves each weight by up to about the rate, so a rate above 1 throws the weights (initialised within
    about 1/sqrt(--hidden-size)) far off at the first step and the model written is saturated, its outputs stuck,
    with no error (a NaN loss alone is refused, C38-02). Warned, not refused: a rate just above 1 may be meant by
    someone who knows the data."""
    if lr is not None and lr > 1:
        warnings.warn(f"--lr {lr:g} is above 1, where no usual training with Adam runs (rnnkit trains with AdamW; an "
                      f"SGD recipe's rate, 1 to 20, does not carry over): AdamW moves each weight "
                      f"by up to about the rate at every step, so the weights, initialised below 1, are thrown to "
                      f"about {lr:g} at the first step and the model written saturates, its outputs stuck whatever "
                      f"the input, without an error; give a rate near 1e-3 (or leave --lr out), or silence this "
                      f"with PYTHONWARNINGS='ignore:--lr' before the command", UserWarning, stacklevel=2)


def _time_named_columns(args, columns: dict, names) -> list[str]:
    """The columns among ``names`` named like a time axis (t, time, date, ...) that a long CSV reads as features:
    read without a time column (the rows of each sequence in file order), or with another column as the time
    (the wrong --time-column)."""
    from .data.tables import TIME_NAMES

    if _layout(args) != "long":
        return []
    roles = (columns["id_column"], columns["target_column"], columns["time_column"])
    return [str(c) for c in names if str(c).strip().lower() in TIME_NAMES and c not in roles]


def _time_named_text(args, columns: dict) -> tuple[str, int, str] | None:
    """(name, line, cell) of the first cell that is not a number in a time-named column that a long CSV reads as
    a feature (dates, as '2024-01-01'); None when there is none, or the file cannot be read."""
    import numpy as np
    import pandas as pd

    from .data.tables import line_of

    try:
        header = pd.read_csv(args.data, nrows=0).columns
        for name in _time_named_columns(args, columns, header):
            cells = pd.read_csv(args.data, usecols=[name], dtype=str, keep_default_na=False)[name]
            text = cells.str.strip()
            words = np.flatnonzero((text != "").to_numpy() & pd.to_numeric(text, errors="coerce").isna().to_numpy())
            if words.size:
                return name, line_of(words[0], args.data), cells.iloc[words[0]]
    except Exception:  # noqa: BLE001 - a hint only: when the file cannot be read so, the reader's own error stands
        return None
    return None


def _check_target_texts(args, task: str, column: str, model: str | None = None) -> None:
    """A CSV's target column as written: class labels must not write one number in several ways ('01' and '1'),
    a regression target must be numbers within float32's range (an .npz holds arrays, checked as read).
    ``model``: the saved regressor scored (rnnkit evaluate, which has no --task to name)."""
    if _layout(args) == "npz":
        return
    if task != "regress":
        from .data.tables import check_label_texts

        check_label_texts(args.data, column)
    else:
        _check_numeric_target(args.data, column, model)


def _check_whole_labels(data, column: str, task: str) -> None:
    """--task classify / tag: refuse a target column of numbers that are not whole (a measurement, 22.87),
    naming the file, the column and the line, before any training (the estimator's refusal names none)."""
    import numpy as np
    import pandas as pd

    from .data.tables import line_of

    cells = pd.read_csv(data, usecols=[column], dtype=str, keep_default_na=False, low_memory=False)[column]
    text = cells.str.strip()
    numbers = pd.to_numeric(text[text != ""], errors="coerce")
    if numbers.isna().any() or not len(numbers):  # words among them: class labels
        return
    fraction = numbers[np.isfinite(numbers) & (numbers != np.round(numbers))]
    if len(fraction):
        row = int(fraction.index[0])
        fix = ("use --task regress to predict a number" if task == "classify" else
               "--task tag labels each step with a class")
        raise ValueError(f"{data}: the target column {column!r} holds numbers that are not whole (line "
                         f"{line_of(row, data)} has {cells.iloc[row]!r}; {len(fraction)} such cells in all), which "
                         f"--task {task} would read as class labels, a class per value; {fix}, or bin the values "
                         "into classes first")


def _warn_ambiguous_target(args, y, column: str) -> None:
    """Warn where the task given reads per-sequence integer targets in a way the values make unlikely: --task
    regress on two whole values (0 and 1: a yes/no outcome, whose regression predicts numbers between them), or
    --task classify on five or more whole numbers that are not class codes (0..K-1, 1..K, a few missing) and
    whose classes are mostly held by two sequences or fewer (ages, counts: each value a class of its own). The
    warning names the other task, and how to silence it where the task is meant."""
    import numpy as np
    import pandas as pd

    from .estimators import check_classes_recur

    if args.task == "tag" or y is None or isinstance(y, list) or np.ndim(y) != 1 or len(y) < 4:
        return
    values = pd.to_numeric(pd.Series(y), errors="coerce").to_numpy(np.float64)
    if np.isnan(values).any() or not (values == np.round(values)).all():  # labels of words, or measurements
        return
    classes, codes, counts = np.unique(values, return_inverse=True, return_counts=True)
    where = (f"the targets of {args.data}" if _layout(args) == "npz" else
             f"the target column {column!r} of {args.data}")
    shown = lambda v: f"{v:.0f}"
    if args.task == "regress" and len(classes) == 2:
        warnings.warn(f"--task regress fits {where} as a number, but it holds only two values, "
                      f"{shown(classes[0])} and {shown(classes[1])} ({counts[0]} and {counts[1]} of the {len(values)} "
                      f"sequences): a yes/no outcome? The model would predict numbers between them, scored by R^2; "
                      f"--task classify predicts the labels and their probabilities. If a number is what you mean, "
                      f"silence this with PYTHONWARNINGS='ignore:--task regress fits' before the command",
                      UserWarning, stacklevel=2)
        return
    few = int((counts <= 2).sum())
    codes_like = classes[0] in (0, 1) and classes[-1] - classes[0] < 2 * len(classes)
    if args.task != "classify" or len(classes) < 5 or codes_like or few < len(classes) / 2:
        return
    try:
        check_classes_recur(codes, classes, "")
    except ValueError:  # refused when fitted, as ids or measurements: no warning before that refusal
        return
    listed = ", ".join(map(shown, classes[:6])) + (", ..." if len(classes) > 6 else "")
    warnings.warn(f"--task classify reads each value of {where} as a class of its own, but it holds "
                  f"{len(classes)} distinct whole numbers ({listed}) for {len(values)} sequences, {few} of them held "
                  f"by 2 sequences or fewer: numbers such as ages or counts? As classes, {shown(classes[1])} is no "
                  f"nearer {shown(classes[0])} than {shown(classes[-1])} is, and a class seen once or twice can hardly "
                  f"be learnt; --task regress predicts a number. If they are class codes, silence this with "
                  f"PYTHONWARNINGS='ignore:--task classify reads' before the command", UserWarning, stacklevel=2)


def _check_numeric_target(data, column: str, model: str | None = None) -> None:
    """--task regress: refuse a target column that is not numbers, or holds an infinite value or one beyond
    float32's range, naming the line (the estimator's refusal names neither the file, the column nor the line);
    numbers written with a decimal comma ('1,5', as Excel writes) or a thousands separator are named in the
    readers' words (:func:`rnnkit.data.tables.numbers_with_commas`)."""
    import numpy as np
    import pandas as pd

    from .data.tables import line_of, numbers_with_commas
    from .data.timeseries import marked_numbers

    cells = pd.read_csv(data, usecols=[column], dtype=str, keep_default_na=False, low_memory=False)[column]
    text = cells.str.strip()
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(np.float64)
    words = np.flatnonzero((text != "").to_numpy() & np.isnan(numbers))
    if not words.size:
        for bad, what, fix in ((np.isinf(numbers), "an infinite value", "replace it with a finite number, or drop "
                                "the sequence's rows"),
                               (np.abs(np.nan_to_num(numbers)) > np.finfo(np.float32).max, "a value beyond float32's "
                                "range (|y| > 3.4e38; rnnkit computes in float32)", "rescale the column (e.g. divide "
                                "it by a power of ten)")):
            if bad.any():  # the estimator's refusal names a position among the training sequences, not the line
                row = int(np.flatnonzero(bad)[0])
                raise ValueError(f"{data}: the target column {column!r} has {what} on line "
                                 f"{line_of(row, data)} ({cells.iloc[row]!r}; {int(bad.sum())} such cells in all); "
                                 f"{fix}")
        return
    value = cells.iloc[words[0]]
    commas = numbers_with_commas(Path(data), cells.where(text != "").rename(column))
    reads = "--task regress reads numbers" if model is None else f"the SequenceRegressor {model} scores numbers"
    if commas:  # '1,5' or '1,120': the readers' wording, a decimal comma, thousands, or both readings to choose
        raise ValueError(f"{commas} ({reads})")
    spelt = f"df[{column!r}]"
    if marked := marked_numbers(text.iloc[words], spelt):  # '$1,234.50', '1.234,50 €', '4.5%', '−3.2'
        what, fix = marked
        where = f"(line {line_of(words[0], data)} has {value!r}; {words.size} such cells in all), and {reads}"
        if what.startswith("amounts"):  # the data layer's pd.to_numeric(df['y'].str.replace(...)), as a fix to save
            calls = fix.removeprefix(f"pd.to_numeric({spelt}").removesuffix(")")
            strip = "strip the sign and the thousands separators" + (
                " (.), write the decimal comma as a point" if calls.endswith(".str.replace(',', '.')") else "")
            raise ValueError(f"{data}: the target column {column!r} holds amounts written with a currency sign "
                             f"{where}; {strip}, then save the file again: df = pd.read_csv(path); "
                             f"{spelt} = {spelt}{calls}.astype(float); df.to_csv(new_path, index=False)")
        raise ValueError(f"{data}: the target column {column!r} holds {what} {where}; convert it, then save the "
                         f"file again: df = pd.read_csv(path); {spelt} = {fix}; df.to_csv(new_path, index=False)")
    fix = ("convert it to numbers, or use --task classify for class labels" if model is None else
           "give a file whose target column holds the numbers it predicts (--target-column names another column)")
    raise ValueError(f"{data}: the target column {column!r} is not numeric (line {line_of(words[0], data)} has "
                     f"{value!r}; {words.size} such cells in all), and {reads}; {fix}")


def _layout(args) -> str:
    """The file's layout: --layout, else as `read_sequences` resolves "auto" (npz for an .npz, else long)."""
    if args.layout != "auto":
        return args.layout
    return "npz" if Path(args.data).suffix == ".npz" else "long"


def _check_layout_columns(args) -> None:
    """Refuse a column option that the file's layout has no use for, which would be ignored without a word:
    an .npz holds arrays (X, y, lengths), a wide CSV one row per sequence (no id or time column)."""
    given = [f"--{k.replace('_', '-')}" for k in TABLE_DEFAULTS if getattr(args, k) is not None]
    layout = _layout(args)
    if layout == "npz" and given:
        raise ValueError(f"{args.data}: {given[0]} names a CSV column, but an .npz holds arrays (X, y the targets, "
                         f"lengths), not columns; leave {given[0]} out (or give a CSV)")
    if layout == "wide" and (wrong := [f for f in given if f != "--target-column"]):
        raise ValueError(f"{args.data}: {wrong[0]} names a column of a long CSV, but --layout wide has one row "
                         f"per sequence (the steps are the columns, no id or time column); leave {wrong[0]} out "
                         "(or read a long CSV without --layout wide)")


def _check_roles_not_features(args, recorded: dict) -> None:
    """Refuse --id-column / --time-column / --target-column of predict or evaluate naming a column the model reads
    as a feature: taken for the role, it would be missing from the model's input, and the reader's message would
    call a column the file has absent (a --time-column t given after the warning on a model trained without one)."""
    features = recorded.get("feature_columns") or []
    if _layout(args) == "npz" or not isinstance(features, list):
        return
    where = Path(args.model) / "config.json"
    for role in ("id", "time", "target"):
        name = getattr(args, f"{role}_column")
        if name is None or name not in features:
            continue
        trained = recorded.get(f"{role}_column")
        head = (f"{args.data}: --{role}-column {name} names a column that {args.model} reads as a feature (its "
                f"features {features}, recorded in {where})")
        if trained is None:
            raise ValueError(f"{head}; it was trained without a {role} column, so {name!r} is one of its inputs: "
                             f"leave --{role}-column out" + (f" and sort each sequence's rows by {name!r} in the "
                                                             f"file (or train again with --time-column {name})"
                                                             if role == "time" else ""))
        raise ValueError(f"{head}, which would then be missing from its input; its {role} column is {trained!r}: "
                         f"leave --{role}-column out, or give the column of the file that holds the {role}")


def _table_columns(args, recorded: dict) -> dict:
    """The id, time and target columns: given on the command line, else as recorded in the model (predict),
    else the defaults."""
    return {k: getattr(args, k) if getattr(args, k) is not None else recorded.get(k, default)
            for k, default in TABLE_DEFAULTS.items()}


def _out_directory(text: str) -> Path:
    """The directory --out names (a model's, an export's): a symbolic link's target, since the directory is written
    beside it and renamed into place, which would replace the link itself (and leave its target holding the run's
    checkpoints and logs)."""
    out = Path(text)
    return Path(os.path.realpath(out)) if out.is_symlink() else out


def _check_writable_parent(path: Path, flag: str) -> None:
    """Create ``path``'s parent directory if missing and check that a file can be created in it, by creating
    one: permission bits say nothing for root, a read-only mount or an immutable directory."""
    parent = path.parent
    existing = next(p for p in (parent, *parent.parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"{flag} {path}: {existing} is a file, not a directory; choose another location")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=parent)
    except OSError as e:
        raise ValueError(f"{flag} {path}: cannot create files in {parent} ({e.strerror}); choose another "
                         "location or make it writable") from None
    os.close(fd)
    os.unlink(probe)


@contextmanager
def _exclusive(out: Path):
    """Hold ``.NAME.lock`` beside ``out`` (an OS lock, released even by ``kill -9``), so that two commands
    never write one --out at once: the second is refused at once instead of replacing the first's model. The
    file is removed before the lock is released, so a finished command leaves none beside --out (one left by
    ``kill -9`` is taken over and removed by the next command)."""
    path = out.parent / f".{out.name}.lock"
    busy = (f"--out {out} is being written by another rnnkit process (it holds {path}); wait for it to finish or "
            "choose another --out")
    if os.name == "nt":  # Windows cannot remove an open file: filelock's lock there removes its file on release
        from filelock import FileLock, Timeout

        lock = FileLock(path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise ValueError(busy) from None
        try:
            yield
        finally:
            lock.release()
        return
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ValueError(busy) from None
        try:  # the holder before may have removed the file between our open and our lock: lock the one at path
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # while held: a command that opened this file meanwhile sees it gone
        os.close(fd)


_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".xlsx", ".xls", ".json")


def _warn_forecast_out_named(out: Path) -> None:
    """Warn where forecast's --out, a directory, is named like the file of the forecast (``--out fc.csv``): the
    forecast is then ``fc.csv/forecast.csv``, and a program reading ``fc.csv`` finds a folder. An archive's or a
    model file's name (``.zip``, ``.pt``) is warned of as ``train --out`` is."""
    from .io import warn_file_named

    table = next((s for s in out.suffixes if s.lower() in _TABLE_SUFFIXES), None)
    if table is None:
        warn_file_named(out, "--out")
        return
    bare = out.name[: out.name.lower().index(table.lower())] or "forecast"
    warnings.warn(f"--out {out} is named like a {table} file, but rnnkit forecast writes a directory (forecast.csv, "
                  f"backtest.csv, the model and the report in it), so the forecast will be {out / 'forecast.csv'} and "
                  f"{out.name} a folder that a program reading {table} files cannot open; name it without the suffix, "
                  f"e.g. --out {out.with_name(bare)}", UserWarning, stacklevel=2)


def _check_train_out(out: Path, resume: bool, data: str | None = None) -> None:
    """--out must be new, empty, an rnnkit model (replaced at the end) or a directory that `rnnkit train` was
    writing; an unfinished run's checkpoint is continued with --resume, never silently discarded."""
    from .checks import path_kind
    from .io import foreign_entries, is_model_directory, is_training_directory
    from .training.runs import CHECKPOINT

    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is {path_kind(out)}; give a directory for the model (it is created if "
                         "missing)")
    if out.resolve() == Path.cwd().resolve():  # replaced by a rename, it would leave the shell in a deleted folder
        raise ValueError(f"--out {out} is the current directory, which the model directory cannot be: it is written "
                         "beside --out and renamed into its place, which would leave this shell in a deleted, empty "
                         "folder; give a directory of its own, e.g. --out model")
    if out.is_dir() and any(out.iterdir()) and not (is_model_directory(out) or is_training_directory(out)):
        raise ValueError(f"--out {out} is a non-empty directory that is not an rnnkit model; refusing to "
                         "overwrite it: choose a new or empty directory")
    if data is not None and out.is_dir() and out.resolve() in Path(data).resolve().parents:
        raise ValueError(f"--out {out} holds the data file {data}, which replacing the directory would delete; "
                         "choose another --out or move the data")
    if out.is_dir() and (foreign := foreign_entries(out)):
        raise ValueError(f"--out {out} is an rnnkit model directory that also holds {foreign[:3]}"
                         f"{' ...' if len(foreign) > 3 else ''}, which rnnkit did not write and replacing the "
                         "directory would delete; move them out, or choose a new or empty directory")
    if resume and is_model_directory(out) and not (out / CHECKPOINT).is_file():
        raise ValueError(f"--out {out} holds a finished model (its config.json and model.safetensors) and no "
                         "checkpoint, so --resume has no interrupted run to continue (training does not go on from "
                         "a finished model); leave out --resume to train anew and replace it, or give another --out")
    if (out / CHECKPOINT).is_file() and not resume:
        raise ValueError(f"--out {out} holds the checkpoint of an unfinished training run ({out / CHECKPOINT}); "
                         f"add --resume to continue it, or remove {out} to start over")


def _out_contents(out: Path) -> tuple[set[str], dict[str, bytes]] | None:
    """What ``out`` holds before a `rnnkit train` writes to it, for :func:`_remove_added`: every path under it (an
    earlier run's logs included) and the bytes of its run record, which a new run rewrites; None where it is new."""
    from rnnkit.io import TRAINING_FILE

    if not out.is_dir():
        return None
    paths = set()
    for root, dirs, files in os.walk(out):
        paths.update(os.path.relpath(os.path.join(root, name), out) for name in dirs + files)
    record = out / TRAINING_FILE
    return paths, ({TRAINING_FILE: record.read_bytes()} if record.is_file() else {})


def _remove_added(out: Path, before: tuple[set[str], dict[str, bytes]] | None) -> None:
    """Undo what a failed `rnnkit train` did to ``out``: ``out`` itself goes if it was new; else every file and
    folder it added goes, at any depth (its logs' ``version_N`` inside an earlier run's ``tensorboard/``), and the
    files it rewrote (the run record) get their bytes back. Nothing that was there before is removed."""
    import shutil

    if before is None:
        shutil.rmtree(out, ignore_errors=True)
        return
    paths, kept = before
    for root, dirs, files in os.walk(out):
        for name in list(dirs) + files:
            path = os.path.join(root, name)
            if os.path.relpath(path, out) in paths:
                continue
            if name in dirs and not os.path.islink(path):
                dirs.remove(name)  # gone with all it holds: not walked into
                shutil.rmtree(path, ignore_errors=True)
            else:
                Path(path).unlink(missing_ok=True)
    for name, data in kept.items():
        if not (out / name).is_file() or (out / name).read_bytes() != data:
            (out / name).write_bytes(data)


def _check_target_left_in(args, table, x, lengths, target_column: str) -> bool:
    """Warn of a feature column that repeats each sequence's target on every row (a copy of the label column
    under another name, its numbers): the model would read the answer from it (the estimators' warning, in the
    file's words, the estimator's own then left out); True where it warned."""
    import numpy as np
    import pandas as pd
    import torch

    from .estimators import target_left_in, target_left_in_message

    if args.task == "tag" or table.y is None:
        return False
    regression = args.task == "regress"
    labels = np.asarray(table.y)
    if not regression and labels.ndim == 2 and labels.shape[1] == 1:  # an .npz's column of labels
        labels = labels[:, 0]
    if len(labels) != len(lengths) or not regression and labels.ndim != 1:  # refused later, by _split
        return False
    try:
        y = labels.astype(np.float64) if regression else pd.factorize(labels)[0]
    except (TypeError, ValueError):  # targets the estimator refuses, naming them
        return False
    k = target_left_in(x, lengths, torch.from_numpy(y), regression)
    if k is not None:
        name = table.feature_names[k]
        drop = (f"pd.read_csv(path).drop(columns=[{name!r}]).to_csv(new_path, index=False)"
                if _layout(args) != "npz" else f"np.delete(X, {k}, axis=-1) before saving the .npz")
        left = f"a copy of the target column {target_column!r}"
        warnings.warn(f"{args.data}: " + target_left_in_message(k, table.feature_names, len(lengths), regression,
                                                                 drop, left), stacklevel=2)
    return k is not None


def _split(table, args, task: str, target_column: str):
    """Training and held-out positions: a permutation of the file's sequences by --seed, the first
    round(--test-fraction * n) held out, every label kept among the training sequences
    (:func:`_train_on_every_label`). ValueError, with a hint that helps, when too little is left."""
    import numpy as np

    n = len(table.X)
    n_test = int(round(args.test_fraction * n))
    order = np.random.default_rng(args.seed).permutation(n)
    train_idx, test_idx = order[n_test:], order[:n_test]
    need = "at least 2 sequences" + (" of at least 2 classes" if task == "classify" else "")
    if n < 2:
        raise ValueError(f"{args.data}: the file holds a single sequence ({str(table.ids[0])!r}); training needs "
                         f"{need}")
    if len(train_idx) < 2:
        raise ValueError(f"{args.data}: --test-fraction {args.test_fraction} holds out {n_test} of the {n} "
                         f"sequences, leaving {len(train_idx)} to train on; training needs {need}: lower "
                         f"--test-fraction (0 trains on all {n})")
    _warn_unscored_hold_out(args, n, n_test, task)
    if task == "classify":
        from .estimators import as_label_array, check_label_spellings

        # one label per sequence (not an (n, k) array), of one type; an .npz's (n, 1) column of labels flattened
        labels = np.array([v.item() if isinstance(v, np.generic) else v
                           for v in as_label_array(table.y, str(args.data))], dtype=object)
        check_label_spellings(labels, str(args.data), ids=table.ids)  # named by the file's ids, before the split
        if len(set(labels.tolist())) < 2:
            raise ValueError(f"{args.data}: every sequence has the label {labels[0]!r} in column "
                             f"{target_column!r}; a classifier needs at least 2 classes")
        train_idx, test_idx = _train_on_every_label(args, table, train_idx, test_idx,
                                                    [{label} for label in labels.tolist()])
    if task == "tag" and n_test:
        steps = [{v for v in np.asarray(y).ravel().tolist() if v == v} for y in table.y]  # NaN: no label
        train_idx, test_idx = _train_on_every_label(args, table, train_idx, test_idx, steps)
    return train_idx, test_idx


def _warn_unscored_hold_out(args, n: int, n_test: int, task: str) -> None:
    """Warn where --test-fraction asks for a hold-out that metrics.json cannot score: a fraction of the n sequences
    that rounds to none (every sequence trains, and there is no test_score), or one held-out sequence of --task
    regress, whose R^2 needs two (the sequence is kept out of training and scored nowhere). Each names the least
    fraction that holds out what a score needs, and 0 to train on all."""
    need = 2 if task == "regress" else 1
    if args.test_fraction == 0 or n_test >= need:
        return
    fraction = math.ceil(100 * need / n) / 100  # round(fraction * n) >= need
    fix = "give --test-fraction " + (f"{fraction:g} to hold out {need}, or " if n - need >= 2 else "") + \
        f"0 to train on all {n}"
    if n_test == 0:
        warnings.warn(f"{args.data}: --test-fraction {args.test_fraction:g} of the {n} sequences rounds to none held "
                      f"out, so every sequence trains and metrics.json has no test_score; {fix}", stacklevel=3)
    else:
        warnings.warn(f"{args.data}: --test-fraction {args.test_fraction:g} holds out 1 of the {n} sequences, but R^2, "
                      f"the test_score of --task regress, needs two, so that sequence is kept out of training and "
                      f"scored nowhere (metrics.json has no test_score); {fix}", stacklevel=3)


def _train_on_every_label(args, table, train_idx, test_idx, label_sets: list[set]):
    """The split with every label of the file among the training sequences. A random hold-out can draw every
    sequence of a class (a rare one: one sequence of it in the file) into the held-out part; the model would then
    never learn that class, and score it as always wrong. Such a held-out sequence is swapped with the
    last-drawn training sequence whose labels the other training sequences still hold, so --test-fraction holds
    out as many sequences, and a split that already trains on every label is kept as drawn. ValueError when no
    training sequence can be given up."""
    import numpy as np

    train, test = [int(i) for i in train_idx], [int(i) for i in test_idx]
    while True:  # each swap adds a label to the training sequences' and takes none away: this ends
        seen = set().union(*(label_sets[i] for i in train))
        j = next((k for k, i in enumerate(test) if label_sets[i] - seen), None)
        if j is None:
            return np.array(train, dtype=int), np.array(test, dtype=int)
        for k in range(len(train) - 1, -1, -1):
            others = set().union(label_sets[test[j]], *(label_sets[i] for p, i in enumerate(train) if p != k))
            if label_sets[train[k]] <= others:
                train[k], test[j] = test[j], train[k]
                break
        else:
            label = sorted(map(repr, label_sets[test[j]] - seen))[0]
            raise ValueError(f"{args.data}: --test-fraction {args.test_fraction} holds out every sequence labelled "
                             f"{label} (sequence {str(table.ids[test[j]])!r}), which the model would then never "
                             f"learn, and each of the {len(train)} sequences left to train on holds a label no other "
                             f"does; lower --test-fraction (0 trains on all {len(train) + len(test)}) or give each "
                             "class more sequences")


def _frames(table, idx) -> list:
    """The sequences at ``idx`` as DataFrames named by the file's feature columns, so that the estimator
    records them (``feature_names_in_``)."""
    import pandas as pd

    return [pd.DataFrame(table.X[i], columns=table.feature_names, copy=False) for i in idx]


def _warn_tbptt_uncut(args, lengths, n_features: int) -> None:
    """Warn of --tbptt-steps no shorter than the longest sequence: truncated BPTT then cuts nothing (each sequence
    is one chunk, full BPTT), yet the rule's choices still yield to it (the estimator's: one direction, no front-end
    or series normalisation, the final state), so the option changes the model and nothing else."""
    longest = int(max(lengths))
    if args.tbptt_steps is None or args.tbptt_steps < longest:
        return
    lost = ""
    if args.task != "tag":
        from rnnkit.models import defaults_for_series

        rule = defaults_for_series(len(lengths), lengths, n_features,
                                   task="regression" if args.task == "regress" else "classification")["model"]
        yields = {"bidirectional": False, "frontend": None, "normalise": None, "pooling": "final"}
        changed = [f"--{k}" if rule[k] is True else f"--{k} {'none' if rule[k] is None else rule[k]}"
                   for k, v in yields.items() if getattr(args, k) in (None, "auto") and rule[k] != v]
        if changed:
            lost = (f"; the model still gives up, for truncation's sake, what the rule would choose for these "
                    f"sequences ({', '.join(changed)})")
    warnings.warn(f"{args.data}: --tbptt-steps {args.tbptt_steps} is no shorter than the longest sequence "
                  f"({longest} steps), so truncated BPTT cuts nothing: every sequence is one chunk, as in full "
                  f"BPTT{lost}; leave --tbptt-steps out for full BPTT, or give fewer than {longest} steps to truncate",
                  stacklevel=2)


def _check_keep_scale(args, lengths, n_features: int) -> None:
    """Refuse --keep-scale where --normalise is left to the rule (auto) and the rule normalises nothing for this
    data (it does for one feature beyond 64 steps), in the flags' words: the estimator's names options never given
    (``normalise=None``) and advises leaving it 'auto', as it was."""
    if args.task == "tag" or args.keep_scale is not True or args.normalise not in (None, "auto"):
        return
    from rnnkit.models import defaults_for_series

    if defaults_for_series(len(lengths), lengths, n_features)["model"]["normalise"] != "series":
        raise ValueError(f"--keep-scale gives the head each sequence's level and scale, which --normalise series "
                         f"removes, but --normalise auto normalises none of these sequences ({n_features} "
                         f"feature(s), at most {int(max(lengths))} steps; it normalises one feature beyond 64 steps); "
                         "give --normalise series as well, or leave out --keep-scale")


def _check_single_rows(args, table, lengths, columns) -> bool:
    """Warn, in the file's words, when --time-aware reads the gaps of --time-column but every sequence of the file
    has a single row: no gap can be measured, and the time unit falls back to 1 (the estimator's warning speaks of
    arrays). True where it warned."""
    if not args.time_aware or table.sample_times is None or int(lengths.max()) > 1:
        return False
    warnings.warn(f"{args.data}: --time-aware reads the gaps between the rows of a sequence in --time-column "
                  f"{columns['time_column']!r}, but each of the {len(lengths)} sequences (one per "
                  f"{columns['id_column']!r}) has a single row, so there is no gap to measure the time unit from and "
                  f"it is taken as 1; is --id-column the column that groups a sequence's rows? (else leave out "
                  f"--time-column, or give sequences of two rows or more)", UserWarning, stacklevel=2)
    return True


def _sample_times(table, idx, est, model=None, data=None, column=None) -> list | None:
    """The sample times of the sequences at ``idx`` as a time-aware estimator reads them (their gaps, in the
    model's unit), from the file's time column; None when the decays count steps (not time-aware, no time column,
    or a model trained so). ``model``: the model directory a fitted ``est`` was read from, ``data`` the file and
    ``column`` its time column, for the message when the model reads times and the file gives none, or gives times of
    another kind (dates for numbers)."""
    fitted = hasattr(est, "model_")
    if not (getattr(est, "time_unit_", None) is not None if fitted else est.time_aware):
        return None
    if table.sample_times is None:
        if fitted:
            raise ValueError(f"{model}: the model was trained with --time-aware on the gaps of its file's time column, "
                             f"but this file's sequences have no times; give it the time column (long layout, "
                             f"--time-column NAME)")
        return None
    if fitted:
        _check_time_kind(table, est, model, data, column)
    return [table.sample_times[i] for i in idx]


def _check_time_kind(table, est, model, data, column) -> None:
    """Refuse a file whose time column holds dates where the model was trained on numbers, or numbers where it was
    trained on dates (Excel's serial day numbers, 45292, for 2024-01-01), in the file's words; the estimator's own
    refusal speaks of arrays."""
    import numpy as np
    import pandas as pd

    from .data.sample_times import NUMBERS

    dates = isinstance(table.sample_times[0], pd.TimedeltaIndex)
    if dates == (est.time_kind_ != NUMBERS):
        return
    where = f"{_plain(table.times[0][0])!r} for sequence {str(table.ids[0])!r}"
    t = repr(column)
    if dates:
        raise ValueError(f"{data}: the time column {t} holds dates or durations ({where}), but {model} was trained "
                         f"with --time-aware on a time column of numbers (gaps in units of {est.time_unit_:g}); write "
                         "the times as numbers in the training file's unit (Excel serial day numbers, if that is what "
                         f"it held: (pd.to_datetime(df[{t}]) - pd.Timestamp('1899-12-30')) / pd.Timedelta(days=1))")
    first = float(np.asarray(table.sample_times[0])[0])
    hint = (f"; Excel serial day numbers? pd.to_datetime(df[{t}], unit='D', origin='1899-12-30')" if 1 <= first < 2e5
            else f"; Unix times? pd.to_datetime(df[{t}], unit='s') (unit='ms' for milliseconds)" if first >= 1e8
            else "")
    raise ValueError(f"{data}: the time column {t} holds numbers ({where}), but {model} was trained with --time-aware "
                     f"on a time column of dates (gaps in units of {est.time_unit_:g} seconds); write the times as "
                     f"dates, as in the training file{hint}")


# The variables by which Lightning's launcher (``--devices 2``: this command run again, once per other device),
# torchrun and SLURM tell each process its rank
_RANKS = ("LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "RANK", "SLURM_PROCID")


def _launched_worker(args) -> bool:
    """True in a process that trains beside the one that writes --out: rank > 0 of a run over several devices or
    machines (``--devices`` or ``--num-nodes`` other than 1; a one-device command started by ``srun -n 4`` is a
    run of its own in each task). It trains its share of the data and writes nothing; the rank-0 process alone
    holds --out's lock and checks, records and writes it (each other process ran into that lock before, and the
    run ended at its start)."""
    if args.devices == 1 and args.num_nodes == 1:
        return False
    return any(os.environ.get(name, "0").strip() not in ("", "0") for name in _RANKS)


def _train(args) -> int:
    """Fit an estimator on a file of sequences; write the model directory (with metrics.json) to --out,
    checkpointing every epoch inside it so that --resume continues an interrupted run. Over several devices
    (``--devices 2``) every process runs this command; the rank-0 process alone writes (:func:`_launched_worker`)."""
    from contextlib import nullcontext

    import rnnkit
    from rnnkit.data import write_json
    from rnnkit.data.tables import VaryingTargetError
    from rnnkit.estimators import as_sequences
    from rnnkit.io import FORMAT, TRAINING_FILE, warn_file_named, write_directory_atomically
    from rnnkit.training.runs import CHECKPOINT, SCHEDULE_EPOCHS, AnotherRun, NonFiniteError, PastMaxEpochs

    options = _model_options(args)  # a flag of another task is refused before any file is read
    _warn_rate_above_one(args.lr)
    if args.time_aware and (args.bidirectional or args.num_layers > 1):
        raise ValueError("--time-aware wraps one forward layer (GRU-D's decays follow the time since each feature "
                         "was last observed); leave out --bidirectional and --num-layers (or give --num-layers 1)")
    _check_layout_columns(args)
    out = _out_directory(args.out)
    _check_writable_parent(out, "--out")
    worker = _launched_worker(args)
    with nullcontext() if worker else _exclusive(out):
        if not worker:  # the rank-0 process checked --out, and is writing it meanwhile
            _check_train_out(out, args.resume, args.data)
            warn_file_named(out, "--out")
        columns = _table_columns(args, {})
        _warn_time_named_feature(args, columns)
        try:
            table = _read_table(args, columns, with_target=True, per_step=args.task == "tag",
                                missing_values=args.time_aware, task=args.task)
        except VaryingTargetError as err:
            if args.task != "regress":  # a label at every step: the reader's fix, --task tag, holds
                raise
            raise ValueError(f"{err.what}; --task regress predicts one number per sequence, and --task tag labels "
                             f"steps with classes, not numbers, so rnnkit train has no task for a number at every "
                             f"step: give a target column constant within each sequence (e.g. each sequence's last "
                             f"or mean value), or train rnnkit.models.SequenceToSequence with "
                             f"rnnkit.training.SequenceModule(task='regression') in Python") from None
        _check_target_texts(args, args.task, columns["target_column"])
        if args.task != "regress" and _layout(args) != "npz":
            _check_whole_labels(args.data, columns["target_column"], args.task)
        _warn_ambiguous_target(args, table.y, columns["target_column"])
        # a file's sequences are (T_i, F) whatever their shape: no guessing of the layout ("ntf"); errors
        # name the file's own sequence ids
        x, lengths, _ = as_sequences(table.X, str(args.data), layout="ntf", ids=table.ids,
                                     allow_nan=args.time_aware)
        leaked = _check_target_left_in(args, table, x, lengths, columns["target_column"])
        single = _check_single_rows(args, table, lengths, columns)
        _check_keep_scale(args, lengths, x.shape[-1])
        _warn_tbptt_uncut(args, lengths, x.shape[-1])
        train_idx, test_idx = _split(table, args, args.task, columns["target_column"])
        if args.task == "classify" and getattr(table.y, "ndim", 1) == 2 and table.y.shape[1] == 1:
            table.y = table.y[:, 0]  # an .npz's column of labels, read as one label per sequence (warned above)
        pick = lambda items, idx: [items[i] for i in idx] if isinstance(items, list) else items[idx]
        if args.class_weight is not None:
            options["class_weight"] = _class_weight(args.class_weight, pick(table.y, train_idx), args.task)
        cls = getattr(rnnkit, ESTIMATOR_FOR_TASK[args.task])
        est = cls(
            **options,
            time_aware=args.time_aware,
            num_layers=args.num_layers,
            dropout=args.dropout,
            batching=args.batching,
            tbptt_steps=args.tbptt_steps,
            random_state=args.seed,
            device=args.device,
            devices=args.devices,
            num_nodes=args.num_nodes,
            strategy=args.strategy,
            verbose=args.verbose,
            log_dir=str(out),  # the checkpoint of every epoch: out/checkpoints/last.ckpt
            layout="ntf",
        )
        resumed = args.resume and (out / CHECKPOINT).is_file()
        if args.resume and not resumed and not worker:
            print(f"no checkpoint in {out}: training from the first epoch", file=sys.stderr)
        before = _out_contents(out)
        out.mkdir(exist_ok=True)
        run = _run_record(args, columns)
        if resumed:  # the record of the run being continued stays: a refused resume is explained against it
            recorded = _read_run_record(out / TRAINING_FILE)
        elif not worker:
            write_json(out / TRAINING_FILE, {"format": f"{FORMAT}.training", **run})
        start = time.perf_counter()
        try:
            try:
                with warnings.catch_warnings():
                    if leaked:  # warned above in the file's words
                        warnings.filterwarnings("ignore", message=".*holds each sequence's target")
                    if single:
                        warnings.filterwarnings("ignore", message=".*has a single step, so they hold no gap")
                    if args.task == "classify":  # warned above by the file's ids (check_label_spellings)
                        warnings.filterwarnings("ignore", message=".*differ only by letter case")
                    if resumed:  # --out moved or renamed since: Lightning's words of its checkpoint callback's
                        # bookkeeping, none of which --resume reads (the weights, optimizer and epoch are restored)
                        warnings.filterwarnings("ignore", message="The dirpath has changed from")
                    est.fit(_frames(table, train_idx), pick(table.y, train_idx), resume=args.resume,
                            times=_sample_times(table, train_idx, est))
            except ValueError as e:
                if resumed and isinstance(e, AnotherRun) and (why := _other_run_flags(recorded, run)):
                    raise ValueError(f"--out {out} holds an unfinished run of rnnkit train with other data or "
                                     f"options ({why}), so --resume cannot continue it; rerun with the data and "
                                     f"options it was started with, or remove {out} to start over") from e
                if resumed and isinstance(e, AnotherRun) and list(e.differ) == [SCHEDULE_EPOCHS]:
                    (then, now), = e.differ.values()  # the schedule's epochs are all that differ
                    asked = (f"--epochs {args.epochs}" if args.epochs is not None else
                             f"the {now} epochs chosen from the data (--epochs not given)")
                    raise ValueError(f"--out {out} holds an unfinished run whose one-cycle learning-rate schedule "
                                     f"spans its {then} epochs, and {asked} would stretch or cut it (--epochs may "
                                     f"grow on --resume only under --lr-schedule none); rerun with --epochs {then} "
                                     f"to finish it, or remove {out} to train anew") from e
                if resumed and isinstance(e, PastMaxEpochs):  # the estimator's words name max_epochs, not the flag
                    asked = (f"--epochs {args.epochs}" if args.epochs is not None else
                             f"the {e.max_epochs} epochs chosen from the data (--epochs not given)")
                    raise ValueError(f"--out {out} holds an unfinished run that has already finished {e.done} epochs, "
                                     f"more than {asked}, and --resume continues from there; rerun with --epochs "
                                     f"{e.done} or more, or remove {out} to train anew with fewer") from e
                raise
            except NonFiniteError as e:
                if e.in_data or e.lr is None:  # a NaN in the data (the estimator's message names it and its fix), or a
                    # rate unknown to the error (lr=None, which NonFiniteError allows): its own words
                    raise
                raise ValueError(_diverged(e, args, out)) from e
        except BaseException:  # Ctrl-C and SIGTERM too: before the first epoch ends there is nothing to --resume
            if not worker and not (out / CHECKPOINT).is_file():  # nothing to --resume: leave --out as it was
                _remove_added(out, before)
            raise
        if worker:  # the same weights as rank 0's (DDP applies one averaged gradient everywhere), written there
            return 0
        seconds = time.perf_counter() - start
        metrics = {
            "task": args.task,
            "estimator": cls.__name__,
            "n_train": int(len(train_idx)),
            "n_test": int(len(test_idx)),
            "fit_seconds": round(seconds, 3),
            "resumed": bool(resumed),
            "train_score": float(est.score(_frames(table, train_idx), pick(table.y, train_idx),
                                           times=_sample_times(table, train_idx, est))),
            "score_name": "accuracy" if args.task != "regress" else "r2",
            "final_train_loss": est.loss_curve_[-1] if est.loss_curve_ else None,
            "data_sha256": run["data_sha256"],  # so that evaluate can tell the training file when given it
        }
        if len(test_idx) >= (2 if args.task == "regress" else 1):  # R^2 needs two values
            metrics["test_score"] = float(est.score(_frames(table, test_idx), pick(table.y, test_idx),
                                                    times=_sample_times(table, test_idx, est)))
        est.set_params(log_dir=None)  # the model does not keep writing to --out when refitted elsewhere
        layout = _layout(args)  # recorded when not the default long CSV, so that predict reads the same layout
        info = {"task": args.task, **({"layout": layout} if layout != "long" else {}), **columns,
                "feature_columns": list(table.feature_names)}
        if layout == "wide":  # the steps' names in the file's order, so that predict reads the steps in it
            header = _csv_header(args.data)
            info["step_columns"] = [c for c in header if c != columns["target_column"]]
        files = est.to_files(info={"table": info})
        files["metrics.json"] = (_json_text(metrics, "metrics", "rnnkit train", indent=1) + "\n").encode()
        write_directory_atomically(out, files)  # replaces the checkpoints with the finished model
    print(_json_text(metrics, "metrics", "rnnkit train"))
    print(f"wrote model and metrics.json to {out}", file=sys.stderr)  # stdout holds the metrics' JSON alone
    return 0


def _diverged(error, args, out: Path) -> str:
    """A training that turned non-finite, in the command's words: the estimator's names (log_dir=..., gradient
    clipping, which train has no flag for: the estimators clip the gradient norm at 1) say nothing to the command's
    user, and a checkpoint kept in --out continues at the same rate on --resume (a lower one is another run)."""
    what = str(error).split("; training stopped")[0]  # non-finite loss (nan) at optimizer step 1 (epoch 0, ...)
    rate = f"--lr {error.lr:g}" + (" (chosen from the data: --lr was not given)" if args.lr is None else "")
    kept = (f"; {out} keeps the checkpoint of the last good epoch, but --resume would continue it at the same rate "
            f"(and refuses another --lr): remove {out} first" if error.checkpoint else "")
    # a tenth of the rate, but no more than Adam's usual 1e-3: a tenth of 1e30 diverges too (C40-01)
    lower = (f"{error.lr / 10:g}" if error.lr / 10 <= 1e-3 else
             f"1e-3, Adam's usual rate{', or leave --lr out' if args.lr is not None else ''}")
    return (f"the training diverged: {what}, training at {rate}; give a lower --lr (e.g. {lower}), or "
            f"check {args.data} for extreme values{kept}")


# What `rnnkit train` records in --out/training.json to name, when a --resume is refused, what changed since the
# interrupted run: the flags that choose the data a run trains on (the file, its columns, the split) and the weight
# each sequence has in the loss (--class-weight), then those of the model and its training, by flag (not --epochs,
# which may grow, nor the devices, on which a run may resume).
_RUN_FLAGS = ("task", "layout", "id_column", "time_column", "target_column", "test_fraction", "seed", "time_aware",
              "class_weight", "cell", "hidden_size", "num_layers", "bidirectional", "dropout", "frontend", "stride",
              "pooling", "normalise", "batch_size", "batching", "lr", "lr_schedule", "tbptt_steps", "crop",
              "keep_scale", "label_smoothing", "members")


def _data_digests(path):
    """The SHA-256 of a data file's content (the bytes the CSV reader reads: those inside a .gz, .bz2, .xz, told by
    their magic bytes, or a .zip of one file, :func:`rnnkit.data.tables._open_as_pandas_does`), then, only when asked
    for, of its bytes as rnnkit recorded them before (one digest for a plain CSV): the same CSV compressed or not is
    one training file to --resume and to evaluate's warning (d.csv.gz scored by a model trained on d.csv), and a
    digest recorded of the compressed bytes still matches."""
    import hashlib

    from .data.tables import _open_as_pandas_does
    from .data.text import DAMAGED_STREAM, compression

    if compression(path) is not None or Path(path).suffix.lower() == ".zip":
        try:
            with _open_as_pandas_does(Path(path)) as inner:
                content = hashlib.file_digest(inner, "sha256").hexdigest()
        except (*DAMAGED_STREAM, zipfile.BadZipFile):  # damaged: the reader names what is wrong
            content = None
        if content is not None:
            yield content
    with open(path, "rb") as f:
        yield hashlib.file_digest(f, "sha256").hexdigest()


def _run_record(args, columns: dict) -> dict:
    """The data file (its path and the SHA-256 of its content, :func:`_data_digests`) and the :data:`_RUN_FLAGS`
    of this run."""
    values = {**vars(args), **columns, "layout": _layout(args)}
    return {"data": str(args.data), "data_sha256": next(_data_digests(args.data)),
            "options": {k: values[k] for k in _RUN_FLAGS}}


def _read_run_record(path: Path) -> dict:
    """training.json's record of a run ({} when unreadable, or written before runs recorded their options)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _other_run_flags(recorded: dict, run: dict) -> str:
    """What differs between the recorded run and this one, in the command line's words ("" when nothing does,
    or nothing was recorded): the data file's content, then each flag as ``--seed 0 then, 3 now``."""
    causes = []
    then_sha = recorded.get("data_sha256")
    if then_sha is not None and then_sha not in _data_digests(run["data"]):
        then, now = recorded.get("data"), run["data"]
        causes.append(f"the data file {then} then, {now} now, of other content" if then != now else
                      f"the data file {now} has changed since the run began (its content differs)")
    options = recorded.get("options")
    if isinstance(options, dict):
        spelt = lambda v: "(not given)" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
        causes += [f"--{k.replace('_', '-')} {spelt(options[k])} then, {spelt(run['options'][k])} now"
                   for k in _RUN_FLAGS if k in options and options[k] != run["options"][k]]
    return "; ".join(causes)


# The options `rnnkit train` leaves to the estimator unless given (classify / regress: "auto", chosen from the
# data; tag: the tagger's own defaults), by flag -> parameter; "none" on the command line is None.
_MODEL_FLAGS = {"cell": "cell", "hidden_size": "hidden_size", "bidirectional": "bidirectional",
                "epochs": "max_epochs", "batch_size": "batch_size", "lr": "lr", "frontend": "frontend",
                "stride": "stride", "pooling": "pooling", "normalise": "normalise", "lr_schedule": "lr_schedule",
                "crop": "crop", "members": "n_members", "keep_scale": "keep_scale",
                "label_smoothing": "label_smoothing"}
_LABEL_ONLY = ("frontend", "stride", "pooling", "normalise", "crop", "members", "keep_scale")


def _class_weight(text: str, labels, task: str):
    """``--class-weight``: ``balanced``, or ``LABEL=WEIGHT`` pairs separated by commas, each label written as
    the file writes it and matched to the training labels as the reader reads it (``1`` or ``01`` in a column
    of numbers is the number 1, ``true`` in a column of booleans is True); the classifier checks the weights."""
    if task != "classify":
        raise ValueError(f"--class-weight weighs the classes of --task classify, not of --task {task}; leave it out")
    if text == "balanced":
        return text
    import numpy as np

    plain = [v.item() if isinstance(v, np.generic) else v for v in np.unique(np.asarray(labels))]
    by_text = {str(v): v for v in plain}  # Python's values, as a class_weight written by hand holds them
    values = list(by_text.values())

    def read(label: str):  # the label as the reader reads a cell so written: a bool, or a number
        if label.strip() in by_text:  # "a=2, b=3": the space after the comma is no part of the label
            return by_text[label.strip()]
        if all(isinstance(v, bool) for v in values):
            return {"true": True, "false": False}.get(label.strip().lower())
        if all(isinstance(v, int | float) for v in values):
            try:
                return next((v for v in values if v == float(label)), None)
            except ValueError:
                return None
        return None

    weights = {}
    for pair in text.split(","):
        label, sep, weight = pair.rpartition("=")
        if not sep or not label:
            raise ValueError(f"--class-weight {text!r}: {pair!r} is not LABEL=WEIGHT; give balanced, or pairs such "
                             f"as rare=5,common=1")
        if label not in by_text and (found := read(label)) is not None:
            label = str(found)
        if label not in by_text:
            raise ValueError(f"--class-weight names the label {label!r}, which no training sequence has (labels "
                             f"{sorted(by_text)[:10]}); write the labels as the file writes them")
        try:
            number = float(weight)
        except ValueError:
            raise ValueError(f"--class-weight: the weight of {label!r} is {weight!r}, not a number") from None
        if not (math.isfinite(number) and number > 0):
            raise ValueError(f"--class-weight {pair.strip()}: class_weight gives class {label!r} the weight "
                             f"{number!r}; a class weight must be a finite number > 0 (leave a class out to weigh "
                             "it 1)")
        if by_text[label] in weights:
            raise ValueError(f"--class-weight {text!r} weighs the label {label!r} twice; give each label once")
        weights[by_text[label]] = number
    return weights


def _model_options(args) -> dict:
    """The estimator's parameters the command line gave (a flag left out, or "auto", keeps the estimator's
    default); a sequence-level option given with --task tag is refused."""
    given = {flag: getattr(args, flag) for flag in _MODEL_FLAGS if getattr(args, flag) not in (None, "auto")}
    if args.task == "tag" and (wrong := [f for f in _LABEL_ONLY if f in given]):
        raise ValueError(f"--{wrong[0]} applies to one prediction per sequence (--task classify or regress), "
                         f"not to --task tag; leave it out")
    if args.task != "classify" and "label_smoothing" in given:
        raise ValueError(f"--label-smoothing smooths the class labels of --task classify, not the targets of "
                         f"--task {args.task}; leave it out")
    if args.dropout > 0 and args.num_layers == 1:  # the estimator would warn in its parameters' words, and train
        raise ValueError(f"--dropout {args.dropout:g} acts between recurrent layers, and --num-layers 1 has none "
                         "between which to act, so it would do nothing; give --num-layers 2 (or more), or leave out "
                         "--dropout")
    if given.get("keep_scale") is True and given.get("normalise") == "none":
        raise ValueError("--keep-scale gives the head each sequence's level and scale, which --normalise series "
                         "removes, and --normalise none removes nothing; give --normalise series, or leave out "
                         "--keep-scale")
    if given.get("frontend") == "none" and "stride" in given:  # the estimator would keep it and never use it
        raise ValueError(f"--stride {given['stride']} is the stride of a front-end, and --frontend none has none; "
                         "leave --stride out, or choose --frontend conv (or patch, fcn)")
    return {_MODEL_FLAGS[f]: None if v == "none" else v for f, v in given.items()}


def _match_columns(args, table, recorded: dict, est) -> list:
    """The file's sequences with their feature columns in the model's order, matched by name (a reordered
    file predicts as the original). ValueError naming any missing or extra column."""
    import numpy as np

    data = args.data
    model = recorded.get("feature_columns")
    if model is None and getattr(est, "feature_names_in_", None) is not None:
        model = [str(c) for c in est.feature_names_in_]
    if not model:  # a model saved without feature names: columns are read by position
        return table.X
    have = list(table.feature_names)
    missing = [c for c in model if c not in have]
    extra = [c for c in have if c not in model]
    if (missing or extra) and _layout(args) == "npz" and recorded.get("layout") != "npz":
        raise ValueError(f"{data}: an .npz's arrays have no column names (its features read as {have[:3]}"
                         f"{' ...' if len(have) > 3 else ''}), and the model was trained on a CSV whose feature "
                         f"columns are {model}, which are matched by name: give a CSV with those columns (or train "
                         "the model on .npz files)")
    if (missing or extra) and recorded.get("layout") == "npz":  # features by position: no names to rename
        k = len(model)
        if _layout(args) == "npz":
            raise ValueError(f"{data}: X holds {len(have)} feature(s) per step, but {args.model} was trained on an "
                             f".npz whose X holds {k} (read by position as {model[:3]}{' ...' if k > 3 else ''}): "
                             f"give X of shape (n, T, {k}), its features in the order at training")
        raise ValueError(f"{data}: {args.model} was trained on an .npz, whose features have no names (read by "
                         f"position as {model[:3]}{' ...' if k > 3 else ''}), so the CSV's columns {have} cannot be "
                         f"matched to them: give an .npz with X of shape (n, T, {k}) (or train the model on CSV "
                         "files)")
    if missing or extra:
        parts = ([f"lacks {missing}"] if missing else []) + ([f"has the extra column(s) {extra}"] if extra else [])
        key = lambda c: c.strip().lower()
        alike = [f"{c!r} for {m!r}" for c in extra for m in missing if key(c) == key(m)]
        target = recorded.get("target_column")
        raise ValueError(f"{data}: the file {' and '.join(parts)}; the model reads the feature columns {model}"
                         + (f" (target {target!r})" if target else "") + ": rename or drop columns to match "
                         "(their order does not matter; --id-column / --time-column name the others)"
                         + (f"; the file writes {', '.join(alike)}: names differ by case or spaces, which are "
                            "part of a column's name" if alike else ""))
    order = np.array([have.index(c) for c in model])
    return [x[:, order] for x in table.X] if list(order) != list(range(len(model))) else table.X


def _file_out(args, what: str, example: str) -> Path | None:
    """The --out file of predict and evaluate (None: standard output, as is "-"), refused when it is a
    directory, the input file or a file of a model directory; its parent is created and checked writable."""
    out = Path(args.out) if args.out not in (None, "-") else None
    if out is None:
        return None
    from .data import is_stream

    if is_stream(out):  # /dev/null, /dev/stdout, a FIFO, >(gzip > p.gz): written into, never replaced
        return out
    if out.is_symlink() and not out.is_dir():  # written where it points, as > would: a rename would replace the link
        out = Path(os.path.realpath(out))
    from .io import MODEL_DIRECTORY_ENTRIES, is_model_directory, is_training_directory

    if out.is_dir() and (is_model_directory(out) or is_training_directory(out)):
        beside = out.parent / f"{out.name}-{example}"
        raise ValueError(f"--out {out} is an rnnkit model directory; give a file path for the {what} outside it, e.g. "
                         f"{beside} (a file rnnkit did not write inside it would keep rnnkit train --out and save() "
                         "from replacing the model)")
    if out.is_dir():
        raise ValueError(f"--out {out} is a directory; give a file path for the {what}, e.g. {out / example}")
    if args.out.endswith(("/", os.sep)):  # Path() drops the slash that says "a directory"
        raise ValueError(f"--out {args.out} ends with {args.out[-1]!r}, naming a directory, but the {what} are one "
                         f"file; give its path, e.g. {out / example}")
    if out.exists() and out.resolve() == Path(args.data).resolve():
        raise ValueError(f"--out {out} is the input file; write the {what} to another file")
    if out.exists() and out.name in MODEL_DIRECTORY_ENTRIES and (is_model_directory(out.parent)
                                                                 or is_training_directory(out.parent)):
        raise ValueError(f"--out {out} is a file of the rnnkit model directory {out.parent}; writing the "
                         f"{what} over it would break the model: give another file")
    _check_writable_parent(out, "--out")
    return out


def _load_sequence_model(args):
    """The estimator of the model directory ``args.model`` (written by `rnnkit train` or save()) and the
    record of how its training file was read (``info.table``: layout, columns); a Forecaster is refused."""
    import shlex

    import rnnkit
    from rnnkit.io import is_model_directory, read_model, registered

    if Path(args.model).is_file() and is_model_directory(Path(args.data)):  # the model's "not a directory" else
        raise ValueError(f"{args.model} is a file and {args.data} a model directory: rnnkit {args.command} takes the "
                         f"model directory first, then the data: rnnkit {args.command} {shlex.quote(args.data)} "
                         f"{shlex.quote(args.model)}")
    est = rnnkit.load(args.model)
    if registered(type(est).__name__)[1] == "forecast":  # its saved task; rnnkit.forecast is not imported
        # what rnnkit forecast wrote beside the model (a Forecaster saved from Python has neither file)
        kept = Path(args.model) / ("forecast.csv" if args.command == "predict" else "backtest.csv")
        rerun = "rerun rnnkit forecast on the series with its newer rows"
        instead = ((f"its forecast of the series it was fitted on is {kept}; " if kept.is_file() else "")
                   + f"to forecast after newer rows, {rerun}, or in Python rnnkit.load({str(args.model)!r})"
                     f".predict(data=series)" if args.command == "predict" else
                   (f"its scores are {kept}, the backtest over the series' last steps (--folds); " if kept.is_file()
                    else "") + f"to score it on newer rows, {rerun}")
        raise ValueError(f"{args.model} is a Forecaster (written by rnnkit forecast), and `rnnkit {args.command}` "
                         f"reads the sequence models rnnkit train writes; {instead}")
    est.set_params(layout="ntf")  # a file's sequences are (T_i, F) whatever their shape
    return est, read_model(args.model)[0].get("info", {}).get("table", {})


def _model_inputs(args, est, recorded: dict, *, with_target: bool):
    """The table of ``args.data`` read as the model's training file was (its layout and columns unless given)
    and its sequences as the model reads them: the columns matched by name, checked, as DataFrames named by
    the model's features. ``with_target``: the targets are read too (per step for a tagger)."""
    import pandas as pd

    import rnnkit
    from rnnkit.data.tables import VaryingTargetError
    from rnnkit.estimators import as_sequences

    if args.layout == "auto" and recorded.get("layout") == "wide" and _layout(args) == "long":
        args.layout = "wide"  # a wide model reads wide CSVs, as it was trained (an .npz stays an .npz)
    _check_layout_columns(args)
    _check_roles_not_features(args, recorded)
    columns = _table_columns(args, recorded)
    _check_model_layout(args, recorded, columns)
    _check_file_against_model(args, recorded, columns, with_target=with_target)
    per_step = with_target and isinstance(est, rnnkit.SequenceTagger)
    task = "regress" if isinstance(est, rnnkit.SequenceRegressor) else None  # a regressor's targets are numbers
    try:
        table = _read_table(args, columns, with_target=with_target, per_step=per_step,
                            missing_values=est.time_aware, model_reads=recorded.get("feature_columns") or [],
                            task=task)
    except VaryingTargetError as err:
        # the reader's fix for a target that varies within a sequence is to train a tagger; a saved model's task
        # is fixed, so the fix is the column
        trained = recorded.get("target_column")
        other = (f"--target-column {trained} (the column it was trained on) or another column"
                 if trained and trained != columns["target_column"] else "another column as --target-column")
        raise ValueError(f"{err.what}; the {type(est).__name__} {args.model} scores one "
                         f"{'label' if isinstance(est, rnnkit.SequenceClassifier) else 'target'} per sequence, so "
                         f"its target column must hold one value per sequence: give {other} that does") from None
    X = _match_columns(args, table, recorded, est)
    # errors name the file's ids
    as_sequences(X, str(args.data), est.n_features_in_, layout="ntf", ids=table.ids, allow_nan=est.time_aware)
    if getattr(est, "feature_names_in_", None) is not None:
        X = [pd.DataFrame(x, columns=list(est.feature_names_in_), copy=False) for x in X]
    return table, X


def _csv_header(path) -> list[str] | None:
    """A CSV's column names as text, or None where pandas cannot read its first line (the reader, run after,
    names what is wrong with the file itself). The reader's checks of the header run first: a ';' file's one
    column, a comment line or Excel's ``sep=,`` line above the header is no reason to call the model's columns
    missing (the message would list the comment as the file's columns)."""
    import pandas as pd

    from .data.tables import check_first_line, check_separator

    try:
        header = [str(c) for c in pd.read_csv(path, nrows=0).columns]
        raw = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False).iloc[0].tolist()
    except Exception:  # noqa: BLE001 - see above
        return None
    check_first_line(Path(path), raw)
    check_separator(Path(path), header)
    return header


def _check_file_against_model(args, recorded: dict, columns: dict, *, with_target: bool) -> None:
    """A CSV's header against the model's record: a file without the target column given to evaluate (a file to
    predict, whose labels evaluate has nothing to score against), and a wide CSV whose step columns are in
    another order than at training (a wide CSV's columns are read as the steps in the file's order, so the
    sequences would be read reordered); warned of: a wide CSV whose steps are named otherwise than at training at
    the same positions (a step skipped, read as the next)."""

    from .data.tables import value_in_header

    if _layout(args) == "npz":
        return
    header = _csv_header(args.data)
    if header is None or value_in_header(header):  # unreadable, or without a header: the reader says so
        return
    target = columns["target_column"]
    if with_target and target not in header:
        given = "given as --target-column" if args.target_column is not None else \
            f"recorded in {Path(args.model) / 'config.json'}"
        raise ValueError(f"{args.data}: column(s) [{target!r}] not found: evaluate scores the predictions against "
                         f"the target column {target!r} ({given}), which the file lacks; it has "
                         f"{header[:8]}{' ...' if len(header) > 8 else ''}: if "
                         "its labels are in another column, name it with --target-column; for predictions of an "
                         f"unlabelled file, run rnnkit predict {args.model} {args.data}")
    steps = recorded.get("step_columns")
    if recorded.get("layout") == "wide" and _layout(args) == "wide" and isinstance(steps, list):
        shared = [c for c in header if c != target and c in steps]
        trained = sorted(shared, key=steps.index)
        if shared != trained:
            i = next(i for i, (a, b) in enumerate(zip(shared, trained, strict=True)) if a != b)
            names = ", ".join(repr(c) for c in [target, *steps[:3]]) + (", ..." if len(steps) > 3 else "")
            raise ValueError(f"{args.data}: the step columns are in another order than in the file {args.model} was "
                             f"trained on (step {i + 1} is {shared[i]!r}, at training {trained[i]!r}); a wide CSV's "
                             "columns are read as the steps in the file's order, so each sequence would be read "
                             "reordered: write them in the training order, e.g. pd.read_csv(path)[[" + names + "]]"
                             ".to_csv(new_path, index=False)")
        given = [c for c in header if c != target]
        other = next((i for i, (a, b) in enumerate(zip(given, steps, strict=False)) if a != b), None)
        if other is not None:  # read by position: another name at a step is another step, or a step skipped
            absent = [c for c in steps if c not in given]
            skipped = f" ({len(absent)} of the training steps are absent: {absent[:3]}" \
                      f"{', ...' if len(absent) > 3 else ''})" if absent else ""
            warnings.warn(f"{args.data}: step {other + 1} of the file is column {given[other]!r}, but {steps[other]!r} "
                          f"at training{skipped}; a wide CSV's columns are read as the steps by position, so "
                          f"{given[other]!r} is read as the model's {steps[other]!r}: if the file skips steps, add "
                          f"their columns (in the training order); if the columns are only named otherwise, ignore "
                          f"this", UserWarning, stacklevel=2)


def _check_model_layout(args, recorded: dict, columns: dict) -> None:
    """A CSV in the other layout than the model's training file: a long model's id or time column (as recorded
    at training, not given as a flag) absent from a file, or a file with the id column of a long CSV given to a
    wide model (which reads each line as a sequence), is refused naming the model's layout and columns."""

    from .data.tables import value_in_header

    layout = recorded.get("layout", "long") if recorded else None  # train records a layout other than long
    if layout not in ("long", "wide") or _layout(args) == "npz":
        return
    header = _csv_header(args.data)
    if header is None or value_in_header(header):  # unreadable, or without a header: the reader says so
        return
    where = f"recorded in {Path(args.model) / 'config.json'}"
    forms = {"long": "a long CSV (a row per step)", "wide": "a wide CSV (a row per sequence, a column per step)"}
    # --layout given against the model's: a long model reads its features by name, a wide one a single 'value'
    # per step (so a long file of id, time and 'value' columns is read by either)
    if args.layout != layout and args.layout in forms and (
            recorded.get("feature_columns") != ["value"] if layout == "long" else columns["id_column"] not in header):
        raise ValueError(f"{args.data}: --layout {args.layout} reads the file as {forms[args.layout]}, but "
                         f"{args.model} was trained on {forms[layout]}, {where} (features "
                         f"{recorded.get('feature_columns')}): leave --layout out to read the file as at training, "
                         f"or give {forms[layout]}")
    if layout == "long":
        absent = [f"{role} column {columns[f'{role}_column']!r}" for role in ("id", "time")
                  if getattr(args, f"{role}_column") is None and recorded.get(f"{role}_column") is not None
                  and recorded[f"{role}_column"] not in header]
        padded = [c for c in header if c != c.strip()]
        needed = [columns[f"{role}_column"] for role in ("id", "time") if getattr(args, f"{role}_column") is None
                  and recorded.get(f"{role}_column") is not None]
        if absent and padded and all(c in [h.strip() for h in header] for c in needed):
            raise ValueError(f"{args.data}: the header writes {padded[:3]}{' ...' if len(padded) > 3 else ''} with "
                             f"spaces around the names, which are part of a column's name, so the file has no "
                             f"{' and no '.join(absent)}, which {args.model} was trained with ({where}); strip them: "
                             "pd.read_csv(path).rename(columns=str.strip).to_csv(new_path, index=False)")
        if absent:
            wide = "; it looks like a wide CSV (a row per sequence)" if columns["target_column"] in header[:1] else ""
            raise ValueError(f"{args.data} has no {' and no '.join(absent)}, which {args.model} was trained with "
                             f"({where}: a long CSV, a row per step, features {recorded.get('feature_columns')}); "
                             f"the file has {header}{wide}: give a long CSV with those columns, or name the file's "
                             "own with --id-column / --time-column")
    elif args.layout == "wide" and (ids := [c for c in header if c in (TABLE_DEFAULTS["id_column"], "ID", "Id")]):
        raise ValueError(f"{args.data} has a column {ids[0]!r}, as a long CSV (a row per step) has, but "
                         f"{args.model} was trained on a wide CSV ({where}: a row per sequence, the target "
                         f"{recorded.get('target_column')!r} then a column per step) and reads each line as a "
                         "sequence: give a wide CSV, e.g. df.pivot(index=id, columns=time, values=feature)"
                         ".reset_index(drop=True).to_csv(new_path, index=False) with the target column first "
                         "(or train a model on the long CSV)")


def _predict(args) -> int:
    """Predict with a saved model directory; write a CSV (one row per sequence, or per step for taggers).
    The file's columns are matched to the model's by name."""
    import numpy as np
    import pandas as pd

    import rnnkit

    out = _file_out(args, "predictions", "predictions.csv")
    compression = _csv_compression(out) if out is not None else None  # before the model loads and predicts
    est, recorded = _load_sequence_model(args)
    table, X = _model_inputs(args, est, recorded, with_target=False)
    sample_times = _sample_times(table, range(len(X)), est, args.model, args.data,
                                 _table_columns(args, recorded)["time_column"])
    if isinstance(est, rnnkit.SequenceClassifier):  # labels and probabilities from one pass of the network
        pred, proba = est.predict_with_proba(X, times=sample_times)
    else:
        pred = est.predict(X, times=sample_times)
    if isinstance(est, rnnkit.SequenceTagger):
        # a row per step: its sequence's id, its number in time order and, read with a time column, the file's time
        times = {} if table.times is None else {"time": np.concatenate(table.times)}
        frame = pd.DataFrame(
            {
                "id": np.repeat(table.ids, [len(p) for p in pred]),
                "step": np.concatenate([np.arange(len(p)) for p in pred]),
                **times,
                "prediction": np.concatenate(pred),
            }
        )
    else:
        pred = np.asarray(pred)
        cols = {"prediction": pred} if pred.ndim == 1 else {f"prediction_{k}": pred[:, k] for k in range(pred.shape[1])}
        frame = pd.DataFrame({"id": table.ids, **cols})
        if isinstance(est, rnnkit.SequenceClassifier):
            for k, c in enumerate(est.classes_):
                frame[f"proba_{c}"] = proba[:, k]
    if out is not None:
        with rnnkit.data.atomic_write(out, "wb" if compression else "w") as f:
            frame.to_csv(f, index=False, compression=_named_compression(compression, out))
        print(f"wrote {len(frame)} rows to {out}", file=sys.stderr)  # what it did, out of the data's way
    else:
        print(frame.to_csv(index=False), end="")
    return 0


def _evaluate(args) -> int:
    """Score a saved model directory on a labelled file, read as `rnnkit train` reads it (the model's recorded
    layout and columns unless given); print the metrics and write them as JSON to --out, atomically."""
    import rnnkit

    out = _file_out(args, "metrics", "evaluation.json")
    if out is not None:
        _check_json_name(out)
    est, recorded = _load_sequence_model(args)
    task = ("tag" if isinstance(est, rnnkit.SequenceTagger) else
            "classify" if isinstance(est, rnnkit.SequenceClassifier) else "regress")
    table, X = _model_inputs(args, est, recorded, with_target=True)
    _check_target_texts(args, task, table.target_column, str(args.model))
    _warn_training_file(args)
    times = _sample_times(table, range(len(X)), est, args.model, args.data,
                          _table_columns(args, recorded)["time_column"])
    pred, proba = (est.predict_with_proba(X, times=times) if task == "classify" else
                   (est.predict(X, times=times), None))
    metrics = {"model": str(args.model), "data": str(args.data), "task": task, "estimator": type(est).__name__,
               "n": len(table.X)}
    if task == "regress":
        metrics |= _regression_metrics(table.y, pred)
    else:
        table = _labels_as_text(table, est.classes_, task)
        _check_known_labels(args, table, est.classes_, task)
        metrics |= (_classification_metrics(table.y, pred, proba, est.classes_) if task == "classify"
                    else _tagging_metrics(table.y, pred))
    if out is not None:
        with rnnkit.data.atomic_write(out) as f:
            f.write(_json_text(metrics, "metrics", "rnnkit evaluate", indent=1) + "\n")
    print(_json_text(metrics, "metrics", "rnnkit evaluate"))
    if out is not None:
        print(f"wrote the metrics to {out}", file=sys.stderr)  # stdout holds the metrics' JSON alone
    return 0


def _warn_training_file(args) -> None:
    """Warn when ``args.data`` holds the very content the model was trained on (``data_sha256`` of the model's
    metrics.json, written by `rnnkit train`): the metrics of sequences it was fitted to say little of how it
    does on new ones."""
    try:
        recorded = json.loads((Path(args.model) / "metrics.json").read_text())
    except (OSError, ValueError):  # a model saved by save(), or written before its training file was recorded
        return
    if not isinstance(recorded, dict) or not isinstance(recorded.get("data_sha256"), str):
        return
    if recorded["data_sha256"] not in _data_digests(args.data):  # d.csv.gz of a model trained on d.csv, too
        return
    n_train, n_test = recorded.get("n_train"), recorded.get("n_test")
    held = (f"; rnnkit train held out {n_test} of them (--test-fraction), scored as test_score in "
            f"{Path(args.model) / 'metrics.json'}" if n_test else "")
    warnings.warn(f"{args.data} is the file the model {args.model} was trained on: {n_train} of its sequences are "
                  f"training sequences, so these metrics are not of unseen data{held}; evaluate on a file of other "
                  "sequences", stacklevel=1)


def _plain(value):
    """A label or number as JSON writes it: 1, not np.int64(1)."""
    return value.item() if hasattr(value, "item") else value


def _labels_as_text(table, classes, task: str):
    """``table`` with its number labels as text when the model's classes are text and each number, written,
    is one of them (``1`` for a class ``'1'``, of a model fitted in Python on text labels): a CSV column of
    numbers is read as numbers, so the file cannot write them otherwise; else ``table`` as it was."""
    import dataclasses

    import numpy as np

    if not all(isinstance(_plain(c), str) for c in classes):
        return table
    known = {_plain(c) for c in classes}
    per_sequence = [np.atleast_1d(np.asarray(y, dtype=object)) for y in table.y]
    cells = {_plain(v) for y in per_sequence for v in y.tolist()}
    if not cells or any(isinstance(v, bool) or not isinstance(v, int | float) or str(v) not in known
                        for v in cells):
        return table
    text = [np.array([str(_plain(v)) for v in y.tolist()]) for y in per_sequence]
    return dataclasses.replace(table, y=np.concatenate(text) if task == "classify" else text)


def _check_known_labels(args, table, classes, task: str) -> None:
    """Refuse labels of the file that are not classes of the model, naming them, the sequences (the file's ids)
    that hold them, and the model's classes: a classifier can never predict them, so every metric would be
    scored against answers it cannot give."""
    import numpy as np

    known = {_plain(c) for c in classes}
    labels = table.y if task == "classify" else [np.asarray(y) for y in table.y]
    unseen, where = [], []
    for key, y in zip(table.ids, labels, strict=True):
        for v in np.atleast_1d(np.asarray(y, dtype=object)).tolist():
            v = _plain(v)
            if v not in known and v not in unseen:
                unseen.append(v)
                where.append(str(key))
    if unseen:
        column = "y" if _layout(args) == "npz" else repr(table.target_column)
        shown = ", ".join(f"{v!r} (sequence {k!r})" for v, k in zip(unseen[:5], where, strict=False))
        raise ValueError(f"{args.data}: {column} holds {len(unseen)} label(s) the model {args.model} never saw: "
                         f"{shown}{' ...' if len(unseen) > 5 else ''}; its classes are "
                         f"{[_plain(c) for c in classes][:10]}{' ...' if len(classes) > 10 else ''}: evaluate on "
                         "data labelled with those classes (spelt alike), or train a model on these labels")


def _classification_metrics(y, pred, proba, classes) -> dict:
    """Accuracy, balanced accuracy, macro F1 and log loss (scikit-learn's) of one label per sequence, and per
    class the sequences that have it (n) and that the model gave it (predicted)."""
    import numpy as np
    from sklearn import metrics

    y, pred = np.asarray(y), np.asarray(pred)  # labels of the classes' own type (checked as known)
    return {
        "accuracy": float(metrics.accuracy_score(y, pred)),
        "balanced_accuracy": float(metrics.balanced_accuracy_score(y, pred)),
        "f1_macro": float(metrics.f1_score(y, pred, labels=classes, average="macro", zero_division=0)),
        "log_loss": float(metrics.log_loss(y, proba, labels=classes)),
        "per_class": {str(_plain(c)): {"n": int((y == c).sum()), "predicted": int((pred == c).sum())}
                      for c in classes},
    }


def _regression_metrics(y, pred) -> dict:
    """MAE, RMSE and R² (scikit-learn's; R² needs two values, else null) of one target per sequence."""
    import numpy as np
    from sklearn import metrics

    y, pred = np.asarray(y, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    return {"mae": float(metrics.mean_absolute_error(y, pred)),
            "rmse": float(metrics.root_mean_squared_error(y, pred)),
            "r2": float(metrics.r2_score(y, pred)) if len(y) >= 2 else None}


def _tagging_metrics(y, pred) -> dict:
    """Accuracy over every step of every sequence (scikit-learn's), and the number of steps."""
    import numpy as np
    from sklearn import metrics

    y, pred = np.concatenate([np.asarray(s) for s in y]), np.concatenate([np.asarray(s) for s in pred])
    return {"n_steps": len(y), "step_accuracy": float(metrics.accuracy_score(y, pred))}


# predict --out: compressed as its name says (as the data files are read), or refused when it names a format other
# than CSV, which a file of that name would be expected to hold
_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zip": "zip"}
_NOT_CSV = frozenset({".json", ".jsonl", ".ndjson", ".parquet", ".pq", ".feather", ".arrow", ".xlsx", ".xls", ".ods",
                      ".tsv", ".tab", ".npz", ".npy", ".h5", ".hdf5", ".pkl", ".pickle", ".html", ".xml"})
# other formats, and the long names of these (.gzip, .bzip2: no reader infers a compression from them)
_OTHER_COMPRESSIONS = frozenset({".zst", ".zstd", ".lz4", ".7z", ".tar", ".tgz", ".lzma", ".z", ".lz", ".gzip",
                                 ".bzip2", ".bz"})


def _csv_compression(out: Path) -> str | None:
    """The compression of predict's --out by its suffix (``p.csv.gz``: gzip), None for a plain CSV; ValueError
    when the name says another format (``p.json``, ``p.parquet``, ``p.csv.zst``), which would hold CSV text."""
    suffixes = [s.lower() for s in out.suffixes]
    if suffixes and suffixes[-1] in _OTHER_COMPRESSIONS:
        raise ValueError(f"--out {out}: rnnkit predict compresses its CSV as .gz, .bz2, .xz or .zip, not "
                         f"{out.suffix}; name it {out.name[: -len(out.suffix)]}.gz (or .bz2, .xz, .zip)")
    compression = _COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    inner = suffixes[-2] if compression and len(suffixes) > 1 else None if compression else (suffixes or [None])[-1]
    if inner in _NOT_CSV:
        stem = out.name[: len(out.name) - sum(len(s) for s in out.suffixes[-(2 if compression else 1):])]
        raise ValueError(f"--out {out}: rnnkit predict writes CSV, which a {inner} file would not hold; name it "
                         f"{stem}.csv (or {stem}.csv.gz, .csv.bz2, .csv.xz to compress it), and convert it from there")
    return compression


def _named_compression(compression: str | None, out: Path):
    """pandas' ``compression`` for predict's --out, written through a temporary file: the name the archive records
    is --out's own less its suffix, as ``to_csv(out)`` would record it (``p.csv`` in ``p.csv.gz`` and ``p.csv.zip``),
    not the temporary file's, which ``gunzip -N`` and ``unzip`` would restore."""
    inner = out.name[: -len(out.suffix)]
    if compression == "gzip":  # the gzip header's name: gzip strips .gz from the one it is given
        return {"method": "gzip", "filename": out.name}
    if compression == "zip":
        return {"method": "zip", "archive_name": inner}
    return compression


def _check_json_name(out: Path) -> None:
    """Refuse evaluate's --out named as another format (``ev.csv``, ``ev.parquet``) or as compressed
    (``ev.json.gz``): the metrics are written as plain JSON, which such a file would not hold."""
    suffixes = [s.lower() for s in out.suffixes]
    last = suffixes[-1] if suffixes else None
    if last in _COMPRESSIONS or last in _OTHER_COMPRESSIONS or last in (_NOT_CSV | {".csv"}) - {".json"}:
        stem = out.name[: len(out.name) - sum(len(s) for s in out.suffixes)] or out.name
        raise ValueError(f"--out {out}: rnnkit evaluate writes the metrics as plain JSON, which a {last} file "
                         f"would not hold; name it {out.with_name(stem + '.json')}")


def _forecast(args) -> int:
    """Fit a Forecaster on one series of a CSV; write to --out the model, the forecast of the next --horizon
    steps (forecast.csv), a rolling-origin backtest beside the naive baselines (backtest.csv,
    backtest_forecasts.csv) and the report (report.json, report.md, report.html with its plot embedded). Over
    several devices every process runs this command, and the rank-0 process alone writes (:func:`_launched_worker`)."""
    import tempfile
    from contextlib import nullcontext

    import pandas as pd

    from .forecast import METHODS, METRICS, Forecaster, infer_season_length
    from .forecast.defaults import choose_lookback
    from .forecast.series import _regular_step, as_frame, read_series_csv, shown_time
    from .io import estimator_files, write_directory_atomically

    out = _out_directory(args.out)
    _check_writable_parent(out, "--out")
    worker = _launched_worker(args)
    with nullcontext() if worker else _exclusive(out):
        if not worker:  # the rank-0 process checked --out, and is writing it meanwhile
            _check_train_out(out, resume=False, data=args.data)
            _warn_forecast_out_named(out)
        covariates = [c.strip() for c in args.covariates.split(",") if c.strip()] if args.covariates else []
        _check_series_roles(args.time_column, args.target_column, covariates)
        if args.model == "hybrid" and covariates:
            raise ValueError("--model hybrid reads no covariates (exponential smoothing's level and season of the "
                             "one series, the net on the rest); leave out --covariates, or use --model direct (or "
                             "auto)")
        _check_one_target(args.data, args.target_column, covariates)
        data = read_series_csv(args.data, time_column=args.time_column, target_column=args.target_column,
                               covariates=covariates)
        unread = [c for c in pd.read_csv(args.data, nrows=0).columns if c not in (args.time_column, *data.columns)]
        frame = as_frame(data, freq=args.freq, option="--freq")
        # the grid of the first three timestamps, as the message names it (months: 'MS'), is the one to suggest
        first = frame.time[:3] if isinstance(frame.time, pd.DatetimeIndex) and len(frame.time) >= 3 else None
        grid = pd.infer_freq(first) if first is not None else None
        try:
            freq, _ = _regular_step(frame, fix=f"pass --freq {grid or 'h (or D, W-SAT, MS...)'} to resample onto "
                                    "a regular grid (empty bins become missing values)", business="--freq B")
        except ValueError as e:
            raise ValueError(f"{args.data}: {e}") from None
        _warn_unix_times(args, frame)
        H, n = args.horizon, len(frame)
        # --freq onto a coarser grid makes fewer steps than the file has rows: a count the user would not recognise
        made = f" (--freq {args.freq} makes {n} steps of its {len(data)} rows)" if args.freq and n < len(data) else ""
        steps = f"{n} steps{made}"
        # without --lookback the Forecaster chooses it ("auto"); its rule always leaves a window, so the check
        # below can only refuse a given --lookback
        L = args.lookback if args.lookback is not None else choose_lookback(n, H, 1)[0]
        if L + H > n and args.lookback is None:
            raise ValueError(f"{args.data}: --horizon {H} leaves no window to learn from: the series has {steps}, "
                             f"and each window is a lookback of at least 1 step and the horizon; lower --horizon "
                             f"(at most {n - 1})")
        if L + H > n:
            raise ValueError(f"{args.data}: --lookback {L} + --horizon {H} = {L + H} steps make one window, but "
                             f"the series has {steps}; lower --horizon or --lookback")
        m = args.season_length
        if m is None and not isinstance(freq, str):  # numbers (years): no calendar, so the seasonal naive is the
            m = 1  # naive, as the Forecaster's season_length="auto" reads a numeric axis
        if m is None:
            try:
                m = infer_season_length(freq)
            except ValueError:
                raise ValueError(f"{args.data}: cannot tell a season length from the time column "
                                 f"{args.time_column!r} (step {freq!r}); pass --season-length (e.g. 12 for "
                                 "monthly data, 24 for hourly)") from None
        _check_backtest_fits(args.data, n, H, args.lookback or 1, m, args.folds, made=made)
        _check_folds_observed(args, frame)
        forecaster = Forecaster(lookback="auto" if args.lookback is None else L, horizon=H, model=args.model,
                                season_length="auto" if args.season_length is None else args.season_length,
                                cell=args.cell, hidden_size=args.hidden_size,
                                max_epochs=args.max_epochs or "auto", time_aware=args.time_aware,
                                random_state=args.seed,
                                device=args.device, devices=args.devices, num_nodes=args.num_nodes,
                                strategy=args.strategy, verbose=args.verbose)
        targets = [args.target_column]
        # --freq's moved dates are warned of once, above, in the command's words; --verbose's choices (Forecaster:
        # lookback = ...) go to standard error, with every other word of the command: standard output is the table's
        with warnings.catch_warnings(), redirect_stdout(sys.stderr):
            warnings.filterwarnings("ignore", message=r"freq=.*: every timestamp", category=UserWarning)
            warnings.filterwarnings("ignore", message=r"Forecaster.fit: .* read as Unix", category=UserWarning)
            table, forecasts = forecaster.backtest(data, folds=args.folds, season_length=m, targets=targets,
                                                   freq=args.freq, return_forecasts=True)
            start = time.perf_counter()
            forecaster.fit(data, targets=targets, freq=args.freq)
            seconds = time.perf_counter() - start
        with redirect_stdout(sys.stderr):
            prediction = forecaster.predict()[args.target_column].rename_axis(args.time_column)  # (H,)
        if worker:  # the same fits as rank 0's (DDP applies one averaged gradient everywhere), written there
            return 0

        backtest = table.stack("metric", future_stack=True).rename_axis(["origin", "metric"])  # (fold, metric) rows
        mean = table.mean().unstack("method").reindex(index=list(METRICS), columns=list(METHODS))  # (metric, method)
        counted = table.notna().sum().unstack("method").reindex(index=list(METRICS), columns=list(METHODS))
        results = {
            "data": str(args.data), "time_column": args.time_column, "target_column": args.target_column,
            # periods' own frequency ('Q-DEC' for 1959Q1, not the grid 'QS-OCT' of their first days)
            "covariates": covariates, "steps": n, "season_length": int(m),
            "freq": data.index.freqstr if isinstance(data.index, pd.PeriodIndex) and args.freq is None else freq,
            "params": forecaster.get_params(deep=False), "fit_seconds": round(seconds, 3),
            "chosen": {"model": forecaster.model_kind_, "components": list(forecaster.components_),
                       "season_length": int(forecaster.season_length_), "lookback": int(forecaster.lookback_),
                       "max_epochs": int(forecaster.max_epochs_), "reasons": dict(forecaster.choices_)},
            # times as forecast.csv writes them (2018-12-01, 1993Q3), not as a Timestamp prints (00:00:00)
            "forecast": {"time": [shown_time(t) for t in prediction.index], "value": prediction.tolist()},
            "backtest": {"folds": int(args.folds), "horizon": H,
                         "mean": {metric: row.to_dict() for metric, row in mean.iterrows()},
                         "folds_in_mean": {metric: {k: int(v) for k, v in row.items()}
                                           for metric, row in counted.iterrows()},
                         "per_fold": [{"origin": shown_time(o), **{f"{a}/{b}": v for (a, b), v in row.items()}}
                                      for o, row in table.iterrows()]},
        }
        files = estimator_files(forecaster, info={"series": {k: results[k] for k in
                                                             ("data", "time_column", "target_column", "covariates")}})
        files["forecast.csv"] = prediction.to_frame().to_csv().encode()
        files["backtest.csv"] = backtest.to_csv().encode()
        files["backtest_forecasts.csv"] = forecasts.to_csv().encode()
        with tempfile.TemporaryDirectory() as tmp:
            _forecast_report(Path(tmp), args, results, frame, prediction, table, mean)
            files |= {p.name: p.read_bytes() for p in Path(tmp).iterdir()}
        write_directory_atomically(out, files)
    pd.set_option("display.width", 120)
    print(f"backtest ({args.folds} folds of {H} steps), mean over folds:")
    print(_shown_metrics(table, mean))
    # stdout holds the backtest's table alone (| head, > table.txt); what was read and written is said beside it,
    # once the forecast is made (a refusal stays one line)
    if unread:
        print(f"not read: column(s) {unread} of {args.data} (add them with --covariates)", file=sys.stderr)
    print(f"wrote the model, forecast.csv, backtest.csv and report.html to {out}", file=sys.stderr)
    return 0


def _metric_text(value) -> str:
    """A backtest metric as printed and in report.md: ``n/a`` where it is undefined (NaN; the files keep the NaN)."""
    return "n/a" if value != value else f"{value:.4g}"


def _undefined_note(mean) -> str:
    """The line under a table of the backtest's mean metrics ``(metric, method)`` saying why a cell is ``n/a``;
    "" when none is."""
    undefined = [str(metric) for metric, row in mean.isna().iterrows() if row.any()]
    if not undefined:
        return ""
    why = ("MASE divides the MAE by the in-sample MAE of the seasonal naive forecast, which is 0 (or undefined) on "
           "the training steps of every fold (see the warning above); compare the methods by MAE, RMSE or sMAPE"
           if undefined == ["mase"] else "the metric is undefined (NaN) in every fold")
    return f"n/a: not defined: {why}"


def _left_out_note(table) -> str:
    """The lines under a table of the backtest's mean metrics saying over how many folds a mean is, where the
    metric is undefined (NaN) at some folds but not all (pandas' mean leaves those folds out); "" when every
    mean is over every fold. ``table``: the backtest's folds ``(origin, (metric, method))``."""
    from .forecast.series import shown_time

    lines, folds = [], len(table)
    for metric in dict.fromkeys(table.columns.get_level_values("metric")):
        gaps = table[metric].isna()  # (fold, method)
        partial = [method for method in gaps.columns if 0 < gaps[method].sum() < folds]
        for left in dict.fromkeys(tuple(gaps.index[gaps[m]]) for m in partial):
            methods = [m for m in partial if tuple(gaps.index[gaps[m]]) == left]
            which = "" if len(methods) == len(gaps.columns) else f" of {', '.join(methods)}"
            shown = ", ".join(shown_time(o) for o in left)
            why = ("MASE is not defined (its scale, the in-sample MAE of the seasonal naive forecast, is 0 or "
                   "undefined on the fold's training steps)" if metric == "mase" else f"{metric} is not defined (NaN)")
            folds_from = f"the fold from {shown} is" if len(left) == 1 else f"the folds from {shown} are"
            lines.append(f"{metric}{which}: mean over {folds - len(left)} of the {folds} folds; {folds_from} left "
                         f"out, where {why}")
    return "\n".join(lines)


def _mean_note(table, mean) -> str:
    """What the table of the backtest's mean metrics needs under it: :func:`_undefined_note` and
    :func:`_left_out_note`, one line each."""
    return "\n".join(line for line in (_undefined_note(mean), _left_out_note(table)) if line)


def _shown_metrics(table, mean) -> str:
    """The backtest's mean metrics ``(metric, method)`` as printed, an undefined cell as ``n/a``, with the lines
    of :func:`_mean_note` under the table."""
    shown, note = mean.map(_metric_text).to_string(), _mean_note(table, mean)
    return f"{shown}\n{note}" if note else shown


def _check_backtest_fits(data, n: int, H: int, L: int, m: int, folds: int, *, made: str = "") -> None:
    """The backtest's --folds take the last folds * H steps; the steps before the first fold must hold a lookback
    and the horizon to train on and a season and a step for the seasonal naive (as `backtest` requires), else
    a ValueError that names the flags to lower and how far (``made``: how --freq made the n steps of the file's
    rows, where it did)."""
    initial, need = n - folds * H, max(L + H, m + 1)
    if initial >= need:
        return
    fixes = []
    if (k := (n - need) // H) >= 1:
        fixes.append(f"--folds (at most {k})")
    if (h := min((n - L) // (folds + 1), (n - m - 1) // folds)) >= 1:
        fixes.append(f"--horizon (at most {h})")
    if m + 1 > L + H and initial - 1 >= 1:
        fixes.append(f"--season-length (at most {initial - 1})")
    fix = "lower " + " or ".join(fixes) if fixes else "give a longer series"
    raise ValueError(f"{data}: the backtest's {folds} folds of horizon {H} (--folds, --horizon) take the last "
                     f"{folds * H} of the series' {n} steps{made}, leaving {max(initial, 0)} before the first fold, "
                     f"which needs {need} ({L + H} to train on a lookback of {L} and the horizon, {m + 1} for the "
                     f"seasonal naive of season {m}); {fix}")


def _check_folds_observed(args, frame) -> None:
    """Refuse a backtest fold whose test rows (the last --folds * --horizon steps, --horizon each) never observe
    the target, before any fit, with the fix in the command line's terms: no forecast could be scored there."""
    import numpy as np

    from .forecast.series import shown_time

    H, folds = args.horizon, args.folds
    y = frame.values[:, frame.columns.index(args.target_column)]
    observed = np.flatnonzero(~np.isnan(y))
    at = lambda i: shown_time(frame.time[i]) if frame.time is not None else f"row {i}"
    for k in range(folds):
        start = len(y) - (folds - k) * H
        if not np.isnan(y[start : start + H]).all():
            continue
        if observed.size and observed[-1] < start:
            fix = (f"the last value of {args.target_column!r} is at {at(observed[-1])}: remove the rows after it "
                   f"from {args.data} (or fill them in)")
        else:
            fix = ((f"lower --folds to {folds - k - 1} (the folds after this gap), " if folds - k - 1 >= 1 else "")
                   + f"fill in the gap in {args.data}, or choose another --horizon")
        raise ValueError(f"{args.data}: the backtest's fold {k + 1} of {folds} (--folds, --horizon {H}) tests on "
                         f"{at(start)} .. {at(start + H - 1)}, where {args.target_column!r} has no value, so no "
                         f"forecast could be scored there; {fix}")


def _warn_unix_times(args, frame) -> None:
    """A warning (stderr) where the time column holds whole numbers that read as Unix seconds, milliseconds,
    microseconds or nanoseconds on a grid of whole minutes (:func:`rnnkit.forecast.series.unix_times`), named by
    :func:`rnnkit.data.tables.epoch_unit`: read as numbers, the series has no calendar, so no daily or weekly season
    is looked for and the seasonal naive is the naive, which the output would not show. ``Forecaster.fit``'s
    warning of the same is then silenced (in ``_forecast``)."""
    from .data.tables import epoch_unit
    from .forecast.series import unix_times

    found = None if args.season_length is not None else unix_times(frame.time)
    if found is None:
        return
    unit, first, step = found
    print(f"rnnkit forecast: warning: the time column {args.time_column!r} of {args.data} holds numbers that "
          f"read as Unix {epoch_unit(frame.time[0])[0]} ({int(frame.time[0])} is {first}, a step "
          f"of {step}); read as numbers, they have no calendar, so no daily or weekly season is looked for and the "
          f"seasonal naive is the naive; to forecast on dates, write them as dates (df[{args.time_column!r}] = "
          f"pd.to_datetime(df[{args.time_column!r}], unit={unit!r})), or give --season-length", file=sys.stderr)


def _check_one_target(data, target_column: str, covariates: list[str]) -> None:
    """``--target-column y,z`` (several columns, as --covariates takes them) where the file has no column of that
    name but has each part: rnnkit forecast forecasts one series, which the message says, with the ways out."""
    import pandas as pd

    parts = [c.strip() for c in target_column.split(",") if c.strip()]
    if len(parts) < 2:
        return
    try:
        columns = list(pd.read_csv(data, nrows=0).columns)
    except (OSError, ValueError):
        return  # the read below names what is wrong with the file
    if target_column in columns or not all(c in columns for c in parts):
        return
    others = ",".join([*parts[1:], *covariates])
    raise ValueError(f"{data}: --target-column {target_column!r} names {len(parts)} columns ({', '.join(parts)}), "
                     f"and rnnkit forecast forecasts one series; give one, e.g. --target-column {parts[0]} (with "
                     f"--covariates {others} to read the others as its covariates), or run the command once per "
                     "column, each with an --out of its own")


def _check_series_roles(time_column: str, target_column: str, covariates: list[str]) -> None:
    """Each column of `rnnkit forecast` has one role: the time, the target, or a covariate given once."""
    if time_column == target_column:
        raise ValueError(f"column {time_column!r} is named as both --time-column and --target-column; each role "
                         "needs its own column")
    for role, column in (("--target-column", target_column), ("--time-column", time_column)):
        if column in covariates:
            raise ValueError(f"--covariates names {column!r}, which is the {role}; leave it out of --covariates")
    if twice := sorted({c for c in covariates if covariates.count(c) > 1}):
        raise ValueError(f"--covariates names {twice} more than once; give each column once")


def _forecast_report(directory: Path, args, results: dict, frame, prediction, table, mean) -> None:
    """report.json, report.md and report.html (:func:`rnnkit.report.write_report`) of ``rnnkit forecast``:
    the backtest beside the baselines, the forecast, and a plot of the series' end and the forecast."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .forecast.series import shown_time
    from .report import write_report

    y = frame.values[:, frame.columns.index(args.target_column)]
    tail = slice(max(0, len(frame) - 4 * len(prediction)), len(frame))
    time_axis = frame.time if frame.time is not None else range(len(frame))
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(time_axis[tail], y[tail], color="k", label=args.target_column)
    ax.plot(prediction.index, prediction.to_numpy(), color="C1", marker="o", ms=3,
            label=f"forecast ({args.cell})")
    ax.set_xlabel(args.time_column)
    ax.legend()
    fig.autofmt_xdate()
    methods = list(mean.columns)
    rows = "\n".join(f"| {metric} | " + " | ".join(map(_metric_text, row)) + " |" for metric, row in mean.iterrows())
    note = "".join(f"{line}\n\n" for line in _mean_note(table, mean).splitlines())  # under the table
    forecast_rows = "\n".join(f"| {shown_time(t)} | {v:.6g} |" for t, v in prediction.items())
    params, chosen = results["params"], results["chosen"]
    markdown = (
        f"Series `{args.target_column}` of `{args.data}` ({results['steps']} steps, frequency {results['freq']}); "
        f"a Forecaster ({' + '.join(chosen['components'])}; {params['cell']} nets), season {chosen['season_length']} "
        f"steps, lookback {chosen['lookback']}, horizon {params['horizon']}, hidden size {params['hidden_size']}, "
        f"{chosen['max_epochs']} epochs, seed {params['random_state']}.\n\n"
        f"## Backtest\n\nRolling origin, {args.folds} folds of {params['horizon']} steps at the end of the series; "
        f"each fold refits on the steps before its origin. Mean over the folds (MASE: MAE over the in-sample "
        f"MAE of the seasonal naive forecast, season {results['season_length']} steps ("
        + ("--season-length, the Forecaster's too" if args.season_length is not None else
           "--season-length, else the frequency's calendar season; the Forecaster chose its own above")
        + "); below 1 beats it in-sample):\n\n"
        f"| metric | {' | '.join(methods)} |\n|---|{'---|' * len(methods)}\n{rows}\n\n"
        f"{note}"
        f"## Forecast\n\nThe next {len(prediction)} steps, fitted on the whole series "
        f"({results['fit_seconds']} s):\n\n| {args.time_column} | {args.target_column} |\n|---|---|\n"
        f"{forecast_rows}\n"
    )
    write_report(directory, title=f"Forecast of {args.target_column}", results=results, markdown=markdown,
                 figures={"forecast": fig})
    plt.close(fig)


def _check_report_out(out: str | None) -> None:
    """--out of demo, compare, clipping and app: a new or empty directory, or the report of an earlier run
    (its files are replaced); never a file, a model or another non-empty directory, whose files would be mixed
    with the report's. Checked before the (long) run, as is that the parent can be written."""
    from .report import check_report_directory

    if out is None:
        return
    out = Path(out)
    check_report_directory(out, f"--out {out}")
    _check_writable_parent(out, "--out")


def _compare(args) -> int:
    """Train each cell (default RNN, LSTM and GRU) on a task under one budget and write the measured
    comparison."""
    from .compare import compare
    from .report import SD_NOTE

    _check_report_out(args.out)
    from .training.runs import SEEDS

    if args.first_seed + args.seeds > SEEDS:  # the last runs would repeat those of seeds 0, 1, ...
        raise ValueError(f"--first-seed {args.first_seed} --seeds {args.seeds} runs seeds up to "
                         f"{args.first_seed + args.seeds - 1}, beyond 2**32 - 1 = {SEEDS - 1}, where torch's CPU "
                         f"generator keeps the low 32 bits, so they would repeat the runs of seeds 0, 1, ...; give "
                         f"--first-seed {SEEDS - args.seeds} or less")
    _warn_rate_above_one(args.lr)
    _check_task_params_length(args.task, args.task_params)
    lengths = args.length or [None]
    compare(
        args.task,
        lengths=lengths,
        cells=args.cells,
        seeds=args.seeds,
        steps=args.steps or (None if args.budget_seconds else 2000),
        budget_seconds=args.budget_seconds,
        hidden_size=args.hidden_size,
        equal_params=args.equal_params,
        batch_size=args.batch_size,
        lr=args.lr,
        eval_every=args.eval_every,
        task_params=args.task_params,
        device=args.device,
        backend=args.backend,
        out=args.out,
        first_seed=args.first_seed,
    )
    print(f"wrote report.html, report.md, report.json and plots to {args.out}. {SD_NOTE}")
    return 0


def _task_name(text: str) -> str:
    """An argparse type: a task of :data:`rnnkit.tasks.TASKS`, else an error that suggests the closest. A file
    (one's own data) is refused saying where one's own data goes: a ``Task`` given to ``compare`` in Python."""
    from .tasks import TASKS

    if text not in TASKS and (os.path.exists(text) or os.sep in text or Path(text).suffix):
        _compare_data(text)
    return _one_of(tuple(TASKS))(text)


# what a user calls a task's sequence length in --task-params, which --length sets ('T', the tasks' own name for
# it, compare refuses in its own words)
_LENGTH_NAMES = frozenset({"length", "len", "lengths", "seq_len", "seqlen", "seq_length", "sequence_length",
                           "sequence_len", "timesteps", "time_steps", "n_steps", "num_steps", "n_timesteps"})


def _check_task_params_length(task, params) -> None:
    """Refuse a sequence length given in compare's --task-params under a name of its own (``length``,
    ``seq_len``, ...), which the task does not read: the command line sets it by --length (a task of one fixed
    length by nothing). A name that is one of the task's own options (in any case) is the task's to read or to
    refuse in its own words, never taken for the length: copy's ``length`` is the symbols to copy."""
    from .checks import fold_name
    from .tasks import TASKS, has_length, options_of

    if not params or task not in TASKS:  # compare names an unknown task itself
        return
    norm = lambda name: fold_name(name, " -")
    own = {norm(name) for name in options_of(TASKS[task])}  # copy's 'length' is its symbols to copy, not T
    for key, value in params.items():
        if not isinstance(key, str) or norm(key) not in _LENGTH_NAMES or norm(key) in own:
            continue
        if has_length(task):
            given = ",".join(map(str, value)) if isinstance(value, list) else value
            raise ValueError(f"--task-params sets {key!r} ({value!r}), a sequence length, which task {task!r} "
                             f"takes from --length; pass --length {given} and leave {key!r} out of --task-params")
        with_length = ", ".join(name for name in TASKS if has_length(name))
        raise ValueError(f"--task-params sets {key!r} ({value!r}), a sequence length, but task {task!r} has "
                         f"sequences of one fixed length; leave {key!r} out (the tasks with a length: {with_length})")


def _compare_data(text: str):
    """An argparse type that refuses: a data file given to ``rnnkit compare`` (as ``--task``, or first as ``rnnkit
    train`` takes it), which runs the named tasks only; a task's name given first is shown as ``--task``."""
    from .tasks import TASKS

    if text in TASKS:
        raise argparse.ArgumentTypeError(f"rnnkit compare takes its task as an option: --task {text}")
    raise argparse.ArgumentTypeError(
        f"{text!r} names a file, but rnnkit compare runs the named tasks only ({', '.join(TASKS)}); to compare "
        f"cells on one's own data, build a rnnkit.tasks.Task of its train, val and test arrays in Python and "
        f"call rnnkit.compare.compare(task, ...) as docs/comparison.md shows, or train one model per cell "
        f"on the file, rnnkit train --cell NAME")


def _cell_list(text: str) -> tuple[str, ...]:
    """An argparse type: comma-separated cell names, checked against the registry (:func:`check_cells`)."""
    from .compare import check_cells

    try:
        return check_cells(text.split(","), who=None)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _clipping(args) -> int:
    """The exploding-gradient demo, unclipped and clipped: prints each run's verdict and writes the report."""
    from .compare import clipping_report

    _check_report_out(args.out)
    results = clipping_report(args.out, radius=args.radius, seed=args.seed)
    for run, line in results["summary"].items():
        print(f"{run}: {line}")
    print(f"wrote report.html, report.md, report.json and clipping.png to {args.out}")
    return 0


def _app(args) -> int:
    """Run a recipe of :mod:`rnnkit.apps` on its real data, beside its baseline."""
    from .apps import recipe

    _check_report_out(args.out)
    results = recipe(args.recipe).run(quick=args.quick, seed=args.seed, out=args.out)
    if args.out:
        print(f"wrote {', '.join(sorted(p.name for p in Path(args.out).iterdir()))} to {args.out}; the page to "
              f"open is {Path(args.out) / 'report.html'}")
    else:
        print(_json_text(results, "results", "rnnkit app", indent=1))
    return 0


def _export(args) -> int:
    """Export a saved model directory to ONNX (sequence.onnx, step.onnx, export.json), checked against torch."""
    from .deploy import export_onnx
    from .estimators import load

    out = _out_directory(args.out)
    model = load(args.model)
    _check_forecaster_exportable(model, args.model)
    info = export_onnx(model, out, opset=args.opset)
    written = ", ".join(f for f in ("sequence.onnx", "step.onnx") if Path(out, f).exists())
    if info["step"].get("file"):
        print(f"wrote {written} and export.json to {args.out} (state size {info['step']['state_size']})")
        return 0
    # the reason ends "fit with OPTION, ... to stream": the same options as rnnkit train's flags
    reason = info["step"]["reason"]
    flags = [flag for option, flag in _STREAMING_FLAGS.items() if option in reason.rsplit("fit with ", 1)[-1]]
    print(f"wrote {written} and export.json to {args.out}, no step.onnx (Streamer cannot run it): {reason}"
          + (f" (rnnkit train {' '.join(flags)})" if flags else ""))
    return 0


def _check_forecaster_exportable(model, directory: str) -> None:
    """A Forecaster that `rnnkit forecast` chose to forecast otherwise than with its network alone (--model auto's
    mean, exponential smoothing, the hybrid, a calibrated band) has no graph that gives its forecast.csv: refused
    in the command's terms (its flag, report.json), not the Python API's (model='direct')."""
    from .deploy.export import forecast_outside_network
    from .forecast import Forecaster

    if not isinstance(model, Forecaster) or not hasattr(model, "model_"):
        return
    why = forecast_outside_network(model) or (
        "its interval is calibrated outside the network (band_)" if getattr(model, "band_", None) else None)
    if why is None:
        return
    raise ValueError(f"{directory}: this Forecaster is not exported ({why}), as --model {model.model} chose "
                     "(report.json's results.chosen says why), so no ONNX graph gives its forecast; rerun rnnkit "
                     "forecast with --model direct and an --out of its own, and export that directory")


# the options a model without a step graph is refitted with to stream (Exportable.why_no_step), as train's flags
_STREAMING_FLAGS = {"bidirectional=False": "--no-bidirectional", "normalise=None": "--normalise none",
                    "frontend=None": "--frontend none", "n_members=1": "--members 1"}


def _serve(args) -> int:
    """Serve a saved model directory over HTTP until interrupted. ``--port 0`` (the system's choice) is given a
    free port here, so that the address announced is the one served; an address open to other machines (not
    loopback) is said to be, as nothing asks a caller who it is."""
    import ipaddress
    import socket

    from .deploy.server import Limits, byte_count, serve

    port = args.port
    if port == 0:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(args.host, 0, type=socket.SOCK_STREAM)[0]
            with socket.socket(family, kind, proto) as probe:
                probe.bind(address)
                port = probe.getsockname()[1]
        except OSError:
            pass  # serve's own check names the host it cannot bind
    try:
        loopback = ipaddress.ip_address(args.host.strip("[]")).is_loopback
    except ValueError:  # a name: localhost alone is this machine's
        loopback = args.host == "localhost"
    if not loopback:
        print(f"rnnkit serve: warning: --host {args.host} listens beyond this machine: any computer that reaches "
              f"it on port {port} can call /predict and /model (there is no authentication); leave out --host to "
              "serve this machine only (127.0.0.1), or put a proxy with authentication in front", file=sys.stderr)

    announce = lambda: print(f"serving {args.model} on http://{args.host}:{port} (POST /predict, GET /health, "
                             f"GET /model)", flush=True)
    given = {name: getattr(args, name) for name in ("max_body_bytes", "max_sequences", "max_steps")}
    if given["max_body_bytes"] is not None:  # a size with its unit, 8MiB, as servers' options write them
        try:
            given["max_body_bytes"] = byte_count(given["max_body_bytes"])
        except ValueError as e:
            raise ValueError(f"--max-body-bytes {e}") from None
        if given["max_body_bytes"] < 1:  # every request would be refused
            raise ValueError(f"--max-body-bytes must be at least 1 byte, got {args.max_body_bytes!r}")
    limits = Limits(**{name: value for name, value in given.items() if value is not None})  # else Limits' defaults
    # a request alone waits for no other: a wait given beside --no-batching is read nowhere (0 says the same)
    if args.no_batching and args.max_wait_ms:
        raise ValueError(f"--no-batching runs each request alone, as it comes, so --max-wait-ms {args.max_wait_ms:g} "
                         f"(how long a request waits for others to batch with) would do nothing; leave out "
                         f"--no-batching to batch requests, or leave out --max-wait-ms")
    wait = {} if args.max_wait_ms is None else {"max_wait_ms": args.max_wait_ms}  # else serve's default
    serve(args.model, host=args.host, port=port, batching=not args.no_batching, max_batch=args.max_batch,
          limits=limits, threads=args.threads, cors_origins=args.cors_origin, on_ready=announce, **wait)
    return 0


class _Version(argparse.Action):
    """``rnnkit --version``: rnnkit's version, and torch's and Python's, which a bug report needs beside it (read
    only when asked: the package metadata takes a tenth of a second to find)."""

    def __init__(self, option_strings, dest, help=None):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        from . import __version__

        try:
            torch = version("torch")
        except PackageNotFoundError:
            torch = "not installed"
        print(f"rnnkit {__version__} (torch {torch}, Python {platform.python_version()})")
        parser.exit()


def _help(parser: argparse.ArgumentParser, sub, topic: str | None) -> int:
    """``rnnkit help [COMMAND]``: the help of COMMAND (as ``rnnkit COMMAND --help`` prints it), or rnnkit's."""
    if topic is None:
        parser.print_help()
        return 0
    if topic not in sub.choices:
        raise ValueError(f"no command {topic!r}; the commands are {', '.join(sub.choices)} (rnnkit help lists them)")
    sub.choices[topic].print_help()
    return 0


_GIVEN = "_rnnkit_given"  # the namespace's record of the options given so far: {dest: (option, value)}


class _StoreOnce(argparse._StoreAction):
    """argparse's ``store`` that warns where an option is given twice with two values (``--epochs 3 ... --epochs
    5``, an option appended to a saved command line): argparse keeps the last without a word, so a run could
    train with a value its user believes overridden the other way."""

    def __call__(self, parser, namespace, values, option_string=None):
        given = namespace.__dict__.setdefault(_GIVEN, {})
        if self.dest in given and option_string is not None and given[self.dest][1] != values:
            first, before = given[self.dest]
            show = lambda v: " ".join(map(str, v)) if isinstance(v, list) else str(v)
            same = f"{first} given twice" if first == option_string else f"{first} and {option_string} both given"
            warnings.warn(f"{same} ({first} {show(before)}, then {option_string} "
                          f"{show(values)}): the last, {show(values)}, is used; give it once", UserWarning,
                          stacklevel=2)
        given[self.dest] = (option_string, values)
        super().__call__(parser, namespace, values, option_string)


class _FlagOnce(argparse.BooleanOptionalAction):
    """argparse's ``--flag / --no-flag`` that warns where both are given (``--bidirectional ... --no-bidirectional``,
    a flag appended to a saved command line that contradicts it): argparse keeps the last without a word."""

    def __call__(self, parser, namespace, values, option_string=None):
        given = namespace.__dict__.setdefault(_GIVEN, {})
        if self.dest in given and given[self.dest] != option_string:
            warnings.warn(f"{given[self.dest]} and {option_string} both given ({given[self.dest]}, then "
                          f"{option_string}): the last, {option_string}, is used; give one of them", UserWarning,
                          stacklevel=2)
        given[self.dest] = option_string
        super().__call__(parser, namespace, values, option_string)


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error: ``rnnkit train: error: ... (see rnnkit train --help)``, and a warning for
    an option given twice with two values (:class:`_StoreOnce`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def parse_known_args(self, args=None, namespace=None):
        parsed, rest = super().parse_known_args(args, namespace)
        vars(parsed).pop(_GIVEN, None)
        return parsed, rest

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but an unknown option is refused by the command it was given to, with that command's
        option of the closest name (``forecast --epochs``: did you mean ``--max-epochs``, as forecast spells train's
        ``--epochs``?); argparse's own refusal came from ``rnnkit`` and named no command."""
        from .checks import closest_name

        parsed, rest = self.parse_known_args(args, namespace)
        if not rest:
            return parsed
        subparsers = next((a for a in self._actions if isinstance(a, argparse._SubParsersAction)), None)
        command = subparsers.choices.get(getattr(parsed, "command", None)) if subparsers is not None else None
        if command is None:
            self.error(f"unrecognized arguments: {' '.join(rest)}")
        names = {o[2:]: o for a in command._actions for o in a.option_strings if o.startswith("--")}
        unknown = next((r.split("=")[0] for r in rest if r.startswith("--")), None)
        if parsed.command == "export" and unknown in ("--format", "--to", "--target", "--backend"):
            command.error(f"unrecognized arguments: {' '.join(rest)}; rnnkit export writes ONNX alone (sequence.onnx, "
                          f"step.onnx, export.json), so it has no {unknown}: leave it out, and convert sequence.onnx "
                          "with that format's own converter (e.g. onnx2tf for TFLite, onnx2torch, onnxmltools)")
        # matched without the leading dashes, which every name shares (--format is no near miss of --out)
        close = names.get(closest_name(unknown[2:], names)) if unknown is not None else None
        hint = f"; did you mean {close}?" if close else ""
        command.error(f"unrecognized arguments: {' '.join(rest)}{hint}")

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}{self._command_meant(message)} (see {self.prog} --help)\n")

    @staticmethod
    def _command_meant(message: str) -> str:
        """For a choice argparse refuses (``invalid choice``: a command, ``--task``, ``--cell``), the one meant: the
        same in another case or of a near spelling (``Train``, ``predcit``, ``--task klassify``), or for a command
        the name another tool gives it (``fit``, ``server``); "" otherwise."""
        import re

        from .checks import fold_name, meant_name

        given = re.match(r"argument (\S+?): invalid choice: '(.*?)' \(choose from (.*)\)$", message)
        if given is None:
            return ""
        choices = re.findall(r"'([^']*)'", given[3])
        # another tool's name first: "score" is no slip of "serve", though their spellings are near
        if given[1] == "command" and (other := _OTHER_COMMAND_NAMES.get(fold_name(given[2]))) is not None \
                and other[0] in choices:
            return f"; rnnkit calls it {other[0]}, which {other[1]}: rnnkit {other[0]} ..."
        meant = meant_name(given[2], choices)
        return f"; did you mean {meant}?" if meant is not None else ""


# the commands as other tools name them (scikit-learn's fit and score, a model server's "server"), with what each does
_OTHER_COMMAND_NAMES = {
    **dict.fromkeys(("fit", "learn"), ("train", "fits a model on a file of sequences")),
    **dict.fromkeys(("infer", "inference", "predictions"), ("predict", "predicts with a saved model directory")),
    **dict.fromkeys(("test", "score", "eval", "validate"), ("evaluate", "scores a saved model directory on a "
                                                                        "labelled file")),
    **dict.fromkeys(("server", "deploy", "serving", "api"), ("serve", "serves a saved model directory over HTTP")),
    **dict.fromkeys(("convert", "onnx"), ("export", "writes a saved model directory as ONNX")),
    **dict.fromkeys(("benchmark", "bench"), ("compare", "measures RNN vs LSTM vs GRU on a long-memory task")),
}


def _number_hint(text: str, kind, low=None, high=None, *, low_open=False, high_open=True) -> str:
    """How to write a number given in another locale's or another tool's form: a decimal comma (``0,001``, as a
    German or French Excel shows it), a thousands separator (``2,000``), a percentage (``20%``), a whole number in
    exponent form (``1e2``), a fraction where a count goes (``1.5``: the whole numbers beside it in [low, high)), a
    number with a word or a unit (``opset17``, ``5ms``). ``low_open`` and ``high_open`` say whether the range's ends
    are left out, as :func:`_number` reads them (``--port 65534.5`` is told 65534 or 65535, the port range's last)."""
    import re

    bare = text.strip()
    if re.fullmatch(r"[-+]?[1-9]\d{0,2}(,\d{3})+", bare):  # 1,500: thousands, or (a float) a decimal comma
        whole = bare.replace(",", "")
        if kind is int:
            return f" (written with a thousands separator: write {whole})"
        return (f" (write {bare.replace(',', '.')} where the comma is a decimal comma, {whole} where it separates "
                "thousands)")
    if re.fullmatch(r"[-+]?\d*,\d+([eE][-+]?\d+)?", bare) and kind is float:
        return f" (written with a decimal comma: write {bare.replace(',', '.')})"
    if kind is float and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)\s*%", bare):
        return f" (a percentage: write the fraction, {float(bare.rstrip('%')) / 100:g})"
    if kind is int:
        try:
            value = float(bare)
        except ValueError:
            value = None
        if value is not None and math.isfinite(value):
            if value == int(value):
                return f" (write {int(value)})"
            # --epochs 1.5: a count has no fraction; the whole numbers beside it that the option takes (``low`` and
            # ``high``: its range), not one chosen for the user
            near = [n for n in (math.floor(value), math.ceil(value)) if _in_range(n, low, high, low_open, high_open)]
            if near:
                return f" (a whole number: write {' or '.join(map(str, near))})"
            # --epochs -0.5: no whole number beside it is in range; the range itself is the fix
            return f" (a whole number {_span(low, high, low_open, high_open)})" if low is not None else ""
    if kind is int and re.fullmatch(r"\d+:\d+", bare):  # --port 8000:8001, as docker -p maps HOST:CONTAINER
        host = bare.split(":")[0]
        return f" (two numbers joined by ':', as a port mapping writes host and container: give one, e.g. {host})"
    # a power or a ratio as written in maths or code (--lr 10^-3, 3*10**-4, 1/1000; --batch-size 2^5): its value,
    # the one form argparse reads
    num = r"(\d+\.?\d*|\.\d+)"
    power = re.fullmatch(rf"(?:{num}\s*[*x×]\s*)?{num}\s*(?:\^|\*\*)\s*([-+]?{num})", bare)
    ratio = re.fullmatch(rf"{num}\s*/\s*{num}", bare)
    if power or (ratio and float(ratio[2]) != 0):
        try:
            value = (float(power[1] or 1) * float(power[2]) ** float(power[3]) if power else
                     float(ratio[1]) / float(ratio[2]))
        except OverflowError:
            value = math.inf
        written = (f"{int(value)}" if kind is int and value == int(value) else None if kind is int else
                   f"{value:.12g}") if math.isfinite(value) else None
        if written is not None:
            return f" (a {'power' if power else 'ratio'}: write its value, {written})"
    # a stray mark left before or after the number (--lr 1e-3, as copied from a list; '0.01'; (1e-3)): the number
    # without it, which is what is meant
    stray = re.fullmatch(r"""([,;.'"`()\[\]]*)(.+?)([,;.'"`()\[\]]*)""", bare)
    if stray.group(1) or stray.group(3):
        try:
            kind(stray.group(2))
        except ValueError:
            pass
        else:
            marks = stray.group(1) + stray.group(3)
            return f" (a stray {marks!r} beside the number: write {stray.group(2)})"
    # a number written with a word or a unit (--opset opset17, --epochs 10epochs, --max-wait-ms 5ms): the option's
    # name already says what it counts, so the number alone is what to write
    words = re.fullmatch(r"([A-Za-z_\- ]*?)[\s=:_-]*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z_ ]*)", bare)
    if words and (words.group(1) or words.group(3)):
        number = words.group(2)
        try:
            kind(number)
        except ValueError:
            return ""
        return f" (a number with a word or unit: write the number alone, {number}, in the unit the option names)"
    return ""


def _in_range(value, low, high, low_open, high_open) -> bool:
    """Whether ``value`` lies in the range an option of :func:`_number` takes (``low`` or ``high`` None: no end)."""
    return ((low is None or (value > low if low_open else value >= low))
            and (high is None or (value < high if high_open else value <= high)))


def _span(low, high, low_open, high_open) -> str:
    """The range an option of :func:`_number` takes, as its refusals write it: ``in [0, 65535]``, ``>= 1``."""
    return (f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}" if high is not None
            else f"{'>' if low_open else '>='} {low:g}")


def _number(kind, low, high=None, *, low_open=False, high_open=True, what="", auto=False):
    """An argparse type: a ``kind`` (int or float) in [low, high) (the ends as given), with a message that
    says the range. ``auto``: an option whose default is chosen from the data, which its help calls auto (as
    config.json and metrics.json write it) also takes the word: "auto" is the option left out (None)."""
    def parse(text: str):
        if auto and text.strip().lower() == "auto":
            return None
        try:
            value = kind(text)
        except ValueError:
            hint = _number_hint(text, kind, low, high, low_open=low_open, high_open=high_open)
            raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, got "
                                             f"{text!r}{hint}") from None
        if not _in_range(value, low, high, low_open, high_open) or not math.isfinite(value):  # nor NaN, infinity
            span = _span(low, high, low_open, high_open)
            finite = "" if math.isfinite(value) else ", a finite number"
            # a fraction given as a percentage (--test-fraction 20, --dropout 50): the fraction meant; not below 2,
            # where a fraction mistyped (--crop 1.5 for 0.5?) is as likely as a percent of one and a half
            percent = (f" (a percentage? write the fraction, {value / 100:g})" if kind is float and high == 1
                       and low == 0 and 2 <= value <= 100 else "")
            raise argparse.ArgumentTypeError(f"must be {span}{what}{finite}, got {text}{percent}")
        return value

    return parse


def _seed(text: str) -> int:
    """An argparse type for a seed: an integer from 0 to 2**32 - 1, the seeds torch's CPU generator tells apart (a
    larger one would repeat the runs of another, :func:`rnnkit.training.runs.seed_twin`)."""
    from .training.runs import SEEDS, seed_twin

    seed = _number(int, 0)(text)
    if seed >= SEEDS:
        raise argparse.ArgumentTypeError(f"must be in [0, {SEEDS - 1}], got {text}: {seed_twin(seed)}; give "
                                         f"{seed % SEEDS} if that is the run you mean, or another seed in the range")
    return seed


def _tbptt_steps(text: str):
    """An argparse type for train's --tbptt-steps: an integer >= 1, or "none" (full BPTT, as when it is left out,
    the command line's word for no value)."""
    if text == "none":
        return None
    try:
        return _number(int, 1)(text)
    except argparse.ArgumentTypeError as e:
        try:
            off = float(text) < 1  # 0, -1: meant as no truncation
        except ValueError:
            off = True  # off, full, None
        raise argparse.ArgumentTypeError(f"{e}; for full BPTT leave --tbptt-steps out (or give none)" if off
                                         else str(e)) from None


def _crop(text: str):
    """An argparse type for train's --crop: a fraction in (0, 1], "none" or "auto"."""
    if text in ("none", "auto"):
        return text
    try:
        return _number(float, 0.0, 1.0, low_open=True, high_open=False)(text)
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"{e} (or none, auto)") from None


def _lengths(text: str) -> list[int]:
    """An argparse type for compare's --length: comma-separated integers >= 2."""
    parse = _number(int, 2)
    return [parse(v.strip()) for v in text.split(",")]


def _path_text(text: str) -> str:
    """An argparse type for a path (--out, a data file, a model directory): not empty, which pathlib reads as the
    current directory (``--out "$OUT"`` with OUT unset wrote into it, or was refused as ``--out .``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"an empty path ({text!r}; an unset shell variable?); name a file or "
                                         "directory, e.g. runs/x (. for the current directory)")
    return text


def _json_object(text: str) -> dict:
    """An argparse type: a JSON object (compare's --task-params)."""
    try:
        value = json.loads(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"not JSON ({e}): {text!r}; write e.g. '{{\"n_train\": 2000}}'") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object of task options, got {text!r}")
    return value


def _one_of(names: tuple[str, ...]):
    """An argparse type: one of ``names``, else an error that suggests the closest."""
    from .checks import closest_name

    def parse(text: str) -> str:
        if text in names:
            return text
        close = closest_name(text.lower().replace("_", "-"), names, cutoff=0.5)
        hint = f"; did you mean {close!r}?" if close else ""
        raise argparse.ArgumentTypeError(f"unknown {text!r}{hint} (choose from {', '.join(names)})")

    return parse


def _host(text: str) -> str:
    """An argparse type for serve's --host: an address or a host name alone, as the socket binds it; a scheme
    (``http://``) or a port (``localhost:8000``) in it would make a name no resolver knows."""
    import re

    address = "(an IP address such as 127.0.0.1, 0.0.0.0 for every interface, or a name such as localhost)"
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must be an address to bind {address}, got {text!r}")
    split = lambda t: re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[^:\s/]+):(\d+)", t)  # host:port, [v6]:port
    if (scheme := re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text)) is not None:
        rest = text[scheme.end():].split("/")[0]
        fix = (f"--host {m.group(1).strip('[]')} --port {m.group(2)}" if (m := split(rest)) else
               f"--host {rest.strip('[]')}" if rest else f"the address alone {address}")
        raise argparse.ArgumentTypeError(f"{text!r} is a URL; give the address without {scheme.group()}: {fix}")
    if (port := split(text)) is not None:
        raise argparse.ArgumentTypeError(f"{text!r} joins an address and a port; give them apart: --host "
                                         f"{port.group(1).strip('[]')} --port {port.group(2)}")
    if text != text.strip() or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"{text!r} holds spaces; give an address to bind {address}")
    return text


def _add_table_options(p: argparse.ArgumentParser, *, recorded: bool) -> None:
    p.add_argument("data", type=_path_text, help="a .csv (long or wide layout) or .npz of sequences")
    p.add_argument(
        "--layout",
        choices=("auto", "long", "wide", "npz"),
        default="auto",
        help="file layout (default: npz for .npz files, else long"
        + ("; predict: wide for a model trained on a wide CSV)" if recorded else ")"),
    )
    default = " (default: as at training)" if recorded else ""
    p.add_argument("--id-column", help=f"long CSV: the sequence-id column{default or ' (default id)'}")
    p.add_argument("--time-column", help="long CSV: sort the rows of each sequence by this column"
                   + (default or " (default: none, the rows in the file's order)"))
    p.add_argument("--target-column", help=f"CSV: the target column{default or ' (default target)'}"
                   + ("; left out of the features if the file has it" if recorded else ""))


def _devices(text: str) -> int | str:
    """An argparse type for --devices: an integer >= 1, or "auto"."""
    return text if text == "auto" else _number(int, 1, what=' (or "auto": every visible device)')(text)


def _add_scale_out_options(p: argparse.ArgumentParser) -> None:
    """--devices, --num-nodes, --strategy: Lightning's scale-out (rnnkit.training.ScaleOut)."""
    from .training.fit import STRATEGIES

    p.add_argument("--devices", type=_devices, default=1, help="devices per machine (default 1; \"auto\": all)")
    p.add_argument("--num-nodes", type=_number(int, 1), default=1, help="machines (default 1)")
    p.add_argument("--strategy", default="auto", choices=STRATEGIES,
                   help="how several devices train together (default auto: DDP over several)")


_DEVICE_HELP = "auto (default): the GPU when torch sees one, else the CPU"


def build_parser() -> argparse.ArgumentParser:
    from .checks import FLOAT32_MAX
    from .models import CELL_NAMES, FRONTENDS, NORMALISATIONS, POOLINGS
    from .training.runs import BATCHINGS, LR_SCHEDULES

    parser = _Parser(prog="rnnkit", description="Recurrent neural networks for sequential data.")
    parser.add_argument("--version", action=_Version, help="show rnnkit's version (with torch's and Python's) and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="a short measured RNN / LSTM / GRU comparison (adding problem, digits)",
        description="Train an RNN, an LSTM and a GRU under one budget on the adding problem (long memory, "
        "generated) and on scikit-learn's handwritten digits read row by row (real data); print each cell's "
        "figure beside chance with its verdict, and write report.html, report.md, report.json and the plots to "
        "--out (each task's own report in --out/TASK). Each cell trains --steps optimizer steps per task (2400 by "
        "default); lower --steps for a quick look.",
    )
    demo.add_argument("--length", type=_number(int, 2), default=50, help="adding-problem sequence length (default 50)")
    demo.add_argument("--hidden", type=_number(int, 1), default=32, help="hidden size (default 32)")
    demo.add_argument("--hidden-size", dest="hidden", type=_number(int, 1), default=32,
                      help="the same as --hidden (default 32), as train, forecast and compare spell it")
    demo.add_argument("--steps", type=_number(int, 1), default=2400, help="optimizer steps per cell (default 2400)")
    demo.add_argument("--seed", type=_seed, default=0, help="random seed of the runs (default 0)")
    demo.add_argument("--out", type=_path_text, default="out/demo", help="output directory (default out/demo)")
    demo.set_defaults(run=_demo)

    train = sub.add_parser(
        "train",
        help="fit a model on a file of sequences",
        description="Fit a sequence classifier, regressor or tagger on a CSV or .npz; write "
        "the model directory (safetensors + JSON) and metrics.json to --out. A checkpoint is written inside "
        "--out at the end of every epoch; after an interruption, rerun the same command with --resume.",
    )
    _add_table_options(train, recorded=False)
    train.add_argument(
        "--task",
        required=True,
        choices=tuple(ESTIMATOR_FOR_TASK),
        help="classify / regress one target per sequence, or tag every step",
    )
    train.add_argument("--out", type=_path_text, required=True,
                       help="model directory to write (new, empty, or an rnnkit model)")
    train.add_argument(
        "--resume",
        action="store_true",
        help="continue the interrupted run whose checkpoint is in --out (same data and options; --epochs may "
        "grow when no learning-rate schedule spans them: --lr-schedule none); without a checkpoint, train from "
        "the start",
    )
    count = _number(int, 1)
    chosen = _number(int, 1, auto=True)  # a count whose default is chosen from the data ("auto")
    auto = ("default auto: chosen from the data for classify and regress (rnnkit.models.defaults_for_series); "
            "tag: {}")
    named = lambda values: [v or "none" for v in values] + ["auto"]  # None is "none" on the command line
    train.add_argument("--cell", choices=[*CELL_NAMES, "auto"], help=auto.format("lstm"))
    train.add_argument("--time-aware", action="store_true",
                       help="read empty feature values as missing, through GRU-D's decays around the cell "
                       "(rnnkit.TimeAware; one forward layer); with --time-column, the decays read its gaps "
                       "(in units of the median gap), else they count rows")
    train.add_argument("--hidden-size", type=chosen, help=auto.format(32))
    train.add_argument("--num-layers", type=count, default=1, help="stacked recurrent layers (default 1)")
    train.add_argument("--bidirectional", action=_FlagOnce,
                       help=auto.format("--no-bidirectional"))
    train.add_argument("--dropout", type=_number(float, 0.0, 1.0), default=0.0,
                       help="between layers, in [0, 1) (default 0)")
    train.add_argument("--frontend", choices=named(FRONTENDS),
                       help="what shortens a long sequence before the recurrence (docs/long_series.md); default "
                       "auto (rnnkit.models.defaults_for_series): fcn beyond 64 steps; up to 64, fcn of stride 1 "
                       "for several channels, none for one")
    train.add_argument("--stride", type=chosen, help="the front-end's stride (default: ceil(T90 / 64), T90 the 90th "
                       "percentile of the sequences' lengths)")
    train.add_argument("--pooling", choices=named(POOLINGS), help="how the steps' outputs become one (default auto: "
                       "final up to 64 steps, attention beyond)")
    train.add_argument("--normalise", choices=named(NORMALISATIONS),
                       help="series: each sequence by its own mean and std (default auto: one channel beyond 64 "
                       "steps)")
    train.add_argument("--epochs", type=chosen, help=auto.format(30))
    train.add_argument("--batch-size", type=chosen, help=auto.format(32))
    train.add_argument("--batching", choices=BATCHINGS, default="bucket",
                       help="bucket: batches of similar lengths (default); random: as they come")
    train.add_argument("--lr", type=_number(float, 0.0, FLOAT32_MAX, low_open=True, high_open=False, auto=True,
                                            what=" (float32's largest number: the optimizer applies it to float32 "
                                                 "weights)"),
                       help=auto.format("5e-3"))
    train.add_argument("--lr-schedule", choices=named(LR_SCHEDULES),
                       help="onecycle: warm up to --lr, then a cosine decay; none: a constant --lr; "
                       + auto.format("none"))
    train.add_argument("--tbptt-steps", type=_tbptt_steps,
                       help="truncated BPTT chunk length, or none (default: none, full BPTT)")
    train.add_argument("--crop", type=_crop,
                       help="train on random windows of this fraction of each sequence, in (0, 1], or none "
                       "(whole sequences); default auto: 0.9 beyond 64 steps")
    train.add_argument("--keep-scale", action=_FlagOnce,
                       help="with --normalise series: the head also reads each series' level and scale; default "
                       "auto: with the rule's per-series normalisation (one channel beyond 64 steps)")
    train.add_argument("--label-smoothing", type=_number(float, 0.0, 1.0, auto=True,
                                                              what=" (0: the plain cross-entropy)"),
                       help="--task classify: train against 1 - e on the label and e / classes on every class; "
                       "default auto: 0.1 beyond 64 steps, else 0")
    train.add_argument("--members", type=chosen,
                       help="networks fitted from different seeds, their outputs averaged; default auto: 3 beyond "
                       "64 steps, else 1")
    train.add_argument(
        "--test-fraction",
        type=_number(float, 0.0, 1.0, what=" (0 trains on every sequence)"),
        default=0.2,
        help="held-out fraction scored in metrics.json, in [0, 1) (default 0.2; 0 trains on all); every class "
        "(tag) keeps a sequence among the training ones",
    )
    train.add_argument("--class-weight", metavar="balanced|LABEL=W,...",
                       help="--task classify: weigh each class in the loss: balanced (n / (n_classes * n_c)) or "
                       "pairs such as rare=5,common=1 (labels as the file writes them; others weigh 1); default: "
                       "every class weighs 1")
    train.add_argument("--seed", type=_seed, default=0,
                       help="random seed: the hold-out split, the weights and the batches (default 0)")
    train.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), type=_device, help=_DEVICE_HELP)
    _add_scale_out_options(train)
    train.add_argument("--verbose", action="store_true", help="progress bar and Lightning messages")
    train.set_defaults(run=_train)

    forecast = sub.add_parser(
        "forecast",
        help="forecast a time series from a CSV, with a backtest beside the naive baselines",
        description="Fit a Forecaster on one series of a CSV (one row per timestamp) and write to --out: the "
        "model (config.json, model.safetensors), the forecast of the next --horizon steps (forecast.csv), a "
        "rolling-origin backtest beside the naive and seasonal-naive forecasts (backtest.csv, "
        "backtest_forecasts.csv) and a report (report.json, report.md, report.html).",
    )
    forecast.add_argument("data", type=_path_text, help="a CSV with a header row, one row per timestamp")
    forecast.add_argument("--time-column", required=True, help="the timestamps (dates or numbers), increasing")
    forecast.add_argument("--target-column", required=True, help="the series to forecast (empty cells: missing)")
    forecast.add_argument("--covariates", help="other columns to read as past covariates, comma-separated "
                          "(default: none, the target alone)")
    forecast.add_argument("--horizon", required=True, type=count, help="steps to forecast")
    forecast.add_argument("--lookback", type=chosen,
                          help="steps each forecast reads (default auto: chosen from the data, max(2 horizons, 2 "
                          "seasons))")
    # checked against rnnkit.forecast.MODELS by the Forecaster (importing it here would slow every command)
    forecast.add_argument("--model", default="auto", metavar="{auto,direct,hybrid}",
                          help="direct: the recurrent net on the scaled series; hybrid: exponential smoothing's "
                          "level and season, the net on the rest (one series, no covariates); auto (default): the "
                          "best equal-weight mean of the naive, drift, exponential smoothing, direct and hybrid "
                          "forecasts on validation origins at the end of the series, with a calibrated band (the "
                          "direct net alone with covariates or gaps); report.json's chosen says which and why")
    forecast.add_argument("--out", type=_path_text, required=True,
                          help="directory to write (new, empty, or an rnnkit model)")
    forecast.add_argument("--freq", help="resample onto this pandas frequency first (h, D, W-SAT, MS...; mean per "
                          "bin, empty bins missing); needed when the timestamps are uneven (default: none, the "
                          "timestamps as they are)")
    forecast.add_argument("--folds", type=count, default=3, help="backtest folds at the end of the series (default 3)")
    forecast.add_argument("--season-length", type=chosen,
                          help="steps per season of the Forecaster and of the seasonal naive (default auto: the "
                          "Forecaster chooses its own; the seasonal naive's from the frequency, e.g. 24 hourly)")
    forecast.add_argument("--cell", default="lstm", choices=CELL_NAMES, help="the recurrent cell (default lstm)")
    forecast.add_argument("--time-aware", action="store_true",
                          help="wrap the cell in TimeAware (GRU-D's decays over missing values)")
    forecast.add_argument("--hidden-size", type=count, default=32, help="the cell's hidden size (default 32)")
    forecast.add_argument("--max-epochs", type=chosen,
                          help="epochs of each net (default auto: 100, fewer where they pass 10,000 optimizer steps)")
    forecast.add_argument("--seed", type=_seed, default=0, help="random seed of the nets (default 0)")
    forecast.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), type=_device, help=_DEVICE_HELP)
    _add_scale_out_options(forecast)
    forecast.add_argument("--verbose", action="store_true", help="progress bar and Lightning messages")
    forecast.set_defaults(run=_forecast)

    predict = sub.add_parser(
        "predict",
        help="predict with a saved model directory",
        description="Predict with a model directory written by `rnnkit train`.",
    )
    predict.add_argument("model", type=_path_text, help="model directory")
    _add_table_options(predict, recorded=True)
    predict.add_argument("--out", type=_path_text, help="CSV file to write, compressed when named .csv.gz, .bz2, "
                         ".xz or .zip (default, or -: print to stdout)")
    predict.set_defaults(run=_predict)

    evaluate = sub.add_parser(
        "evaluate",
        help="score a saved model directory on a labelled file",
        description="Score a model directory written by `rnnkit train` on a labelled CSV or .npz, read as "
        "train reads it (the columns recorded at training unless given): a classifier's accuracy, balanced "
        "accuracy, macro F1, log loss and per-class counts; a regressor's MAE, RMSE and R2; a tagger's accuracy "
        "per step. Prints them and writes them as JSON to --out.",
    )
    evaluate.add_argument("model", type=_path_text, help="model directory")
    _add_table_options(evaluate, recorded=True)
    evaluate.add_argument("--out", type=_path_text,
                          help="JSON file to write the metrics to (default, or -: print them only)")
    evaluate.set_defaults(run=_evaluate)

    from .models import CELL_NAMES

    cmp = sub.add_parser(
        "compare",
        help="measure RNN vs LSTM vs GRU on a long-memory task",
        description="Train each cell under the same budget on a task of rnnkit.tasks and "
        "write report.html, report.md, report.json and plots to --out.",
    )
    # a data file given first, as rnnkit train takes it: refused saying where one's own data goes
    cmp.add_argument("data", nargs="?", type=_compare_data, help=argparse.SUPPRESS)
    cmp.add_argument("--task", default="adding", type=_task_name, help="adding (default), copy, digits, "
                     "permuted_digits or mnist1d (one's own data: a rnnkit.tasks.Task in Python, docs/comparison.md)")
    cmp.add_argument("--length", type=_lengths,
                     help="sequence length(s), comma-separated (tasks with a length: adding, copy; default: the "
                          "task's own)")
    cmp.add_argument("--cells", type=_cell_list, default="rnn,lstm,gru",
                     help=f"comma-separated cell names of the registry: {', '.join(CELL_NAMES)} "
                     "(default rnn,lstm,gru)")
    cmp.add_argument("--seeds", type=count, default=3, help="runs per cell and length, one seed each (default 3)")
    cmp.add_argument("--first-seed", type=_seed, default=0,
                     help="seeds run first-seed, first-seed + 1, ... (default 0)")
    cmp.add_argument("--steps", type=count, help="optimizer steps per run (default 2000 unless --budget-seconds)")
    cmp.add_argument("--budget-seconds", type=_number(float, 0.0, low_open=True),
                     help="wall-clock seconds per run (default none; with --steps, whichever ends first)")
    cmp.add_argument("--hidden-size", type=count, default=64,
                     help="hidden size of every cell (default 64; see --equal-params)")
    cmp.add_argument("--equal-params", action="store_true", help="size each cell to the LSTM's parameter count")
    cmp.add_argument("--batch-size", type=count, default=64, help="sequences per optimizer step (default 64)")
    cmp.add_argument("--lr", type=_number(float, 0.0, low_open=True), default=3e-3,
                     help="the optimizer's learning rate (default 3e-3)")
    cmp.add_argument("--eval-every", type=count, default=100,
                     help="validation interval in steps (learning curves; default 100)")
    cmp.add_argument("--task-params", type=_json_object,
                     help="JSON of task options, e.g. '{\"n_train\": 2000}' (default: the task's own)")
    cmp.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"), type=_device, help=_DEVICE_HELP)
    from .kernels.dispatch import BACKENDS

    cmp.add_argument("--backend", default="auto", choices=BACKENDS,
                     help="what runs every cell's recurrent layer (default auto: each cell's fastest path, so a "
                          "throughput measures its backend as well as its cell; reference or cpu_loop: one loop for "
                          "every cell, throughputs that compare)")
    cmp.add_argument("--out", type=_path_text, required=True, help="directory to write the report and plots to")
    cmp.set_defaults(run=_compare)

    clip = sub.add_parser("clipping", help="exploding gradients: a linear RNN trained with and without clipping")
    clip.add_argument("--radius", type=_number(float, 0.0, low_open=True), default=2.0,
                      help="scale of the orthogonal recurrent weights at init (default 2)")
    clip.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    clip.add_argument("--out", type=_path_text, required=True, help="directory to write the report and plot to")
    clip.set_defaults(run=_clipping)

    from .apps import RECIPES

    app = sub.add_parser(
        "app",
        help="an application recipe on real data, beside its baseline",
        description="Train and score a recipe of rnnkit.apps (" + ", ".join(RECIPES) + ") on its real, "
        "offline data, with its baseline on the same split; write report.json, report.md and report.html (its "
        "plots embedded) to --out.",
    )
    app.add_argument("recipe", type=_one_of(RECIPES), metavar="RECIPE", help="one of " + ", ".join(RECIPES))
    app.add_argument("--quick", action="store_true", help="a small subset, in seconds (a smoke run)")
    app.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    app.add_argument("--out", type=_path_text, help="output directory (default: print the results as JSON)")
    app.set_defaults(run=_app)

    export = sub.add_parser(
        "export",
        help="export a saved model directory to ONNX",
        description="Write sequence.onnx (whole sequences, dynamic batch and length), step.onnx (one step and "
        "a state, for streaming; unidirectional models) and export.json (shapes, state layout, preprocessing, "
        "measured errors) to --out, after checking both graphs against torch with onnxruntime.",
    )
    export.add_argument("model", type=_path_text, help="model directory written by `rnnkit train` or save()")
    export.add_argument("--out", type=_path_text, required=True, help="export directory to write")
    export.add_argument("--opset", type=_number(int, 1), default=None,
                        help="ONNX opset to write, for an onnxruntime older than the exporter's own (default: the "
                             "installed exporter's, written to export.json's opset)")
    export.set_defaults(run=_export)

    serve = sub.add_parser(
        "serve",
        help="serve a saved model directory over HTTP",
        description="POST /predict {\"sequences\": [[[f1, ...], ...], ...]}, GET /health, GET /model; concurrent "
        "requests are batched together.",
    )
    serve.add_argument("model", type=_path_text, help="model directory written by `rnnkit train` or save()")
    serve.add_argument("--host", type=_host, default="127.0.0.1",
                       help="address to bind (default 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_number(int, 0, 65535, high_open=False), default=8000,
                       help="port (default 8000)")
    serve.add_argument("--no-batching", action="store_true", help="run each request alone")
    serve.add_argument("--max-batch", type=_number(int, 1), default=64, help="sequences per batch at most (default 64)")
    # None where not given (serve's default, 2 ms), so that --no-batching can refuse it
    serve.add_argument("--max-wait-ms", type=_number(float, 0),
                       help="how long a request waits for others to batch with (default 2)")
    serve.add_argument("--threads", type=_number(int, 1), help="torch threads for the model (default: torch's own)")
    # what one request may hold (rnnkit.deploy.server.Limits, read when serving: importing it here would load FastAPI
    # for every command; the defaults said are Limits', which a test holds them to); over one, a 413 names the option
    serve.add_argument("--max-body-bytes", metavar="SIZE",
                       help="request body size at most, in bytes or with a unit: 8MiB, 10MB (default 8388608, 8 MiB)")
    serve.add_argument("--max-sequences", type=_number(int, 1), help="sequences per request at most (default 1024)")
    serve.add_argument("--max-steps", type=_number(int, 1), help="steps per sequence at most (default 10000)")
    serve.add_argument("--cors-origin", action="append", metavar="ORIGIN",
                       help="a web page's origin whose scripts may call the server from a browser, e.g. "
                            "http://localhost:3000 ('*': any); repeat for several (default: none)")
    serve.set_defaults(run=_serve)
    help_ = sub.add_parser("help", help="the help of a command (rnnkit help train is rnnkit train --help)",
                           description="Print the help of COMMAND, or the list of commands without one.")
    help_.add_argument("topic", nargs="?", metavar="COMMAND", help="a command, e.g. train")
    help_.set_defaults(run=lambda args: _help(parser, sub, args.topic))
    return parser


def _one_line(err: BaseException) -> str:
    """An error as one line: an OSError as 'path: reason', any message with its line breaks folded."""
    if isinstance(err, OSError) and err.strerror:
        where = " -> ".join(str(f) for f in (err.filename, err.filename2) if f is not None)
        text = f"{where}: {err.strerror}" if where else err.strerror
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


def _warning_line(message, category, filename, lineno, line=None) -> str:
    return f"rnnkit: warning: {' '.join(str(message).split())}\n"


def main(argv=None) -> int:
    """Run a command. Everything a user can cause (bad arguments, files, data, paths, a training that
    diverges) ends with one line on stderr and exit status 2 (130 when interrupted); an unexpected internal
    error still shows its traceback, as a bug should."""
    previous, warnings.formatwarning = warnings.formatwarning, _warning_line  # a warning is one line too
    stdout = sys.stdout
    if stdout is not None and not isinstance(stdout, _Stdout):
        sys.stdout = _Stdout(stdout)
    try:
        return _main(argv, previous)
    finally:
        sys.stdout = stdout


def _main(argv, previous) -> int:
    """:func:`main`, with standard output's errors marked (:class:`_Stdout`)."""
    try:
        args = build_parser().parse_args(argv)  # an option given twice is warned of here
    except BaseException as e:  # argparse's exit (SystemExit), or an error of --version's print
        warnings.formatwarning = previous
        done = isinstance(e, SystemExit) and e.code == 0  # --help and --version
        try:  # argparse's help passes over an error of writing it (status 0)
            if done and sys.stdout is not None:
                sys.stdout.flush()
        except OSError:
            pass
        failure = getattr(sys.stdout, "error", None) if done else e
        if lost := _stdout_failure(failure):
            if _reader_gone(failure):
                raise SystemExit(_READER_GONE) from None
            print(f"rnnkit: error: {lost}", file=sys.stderr)
            raise SystemExit(2) from None
        raise
    for name in ("data", "model", "out"):  # a quoted "~/x" is the home directory, as pandas reads it
        if isinstance(getattr(args, name, None), str) and getattr(args, name).startswith("~"):
            setattr(args, name, os.path.expanduser(getattr(args, name)))
    try:
        for name in ("data", "model", "out"):
            _check_expanded(getattr(args, name, None), "--out" if name == "out" else f"the {name}")
        _check_data_found(getattr(args, "data", None))
        _check_model_not_a_file(args)
        _check_device(args)
        data = getattr(args, "data", None)
        stream = isinstance(data, str) and os.path.exists(data) and not os.path.isfile(data) and \
            not os.path.isdir(data)  # /dev/stdin, <(...) or a FIFO: "no such file" to the readers' is_file()
        if data == "-" or stream:
            what = "standard input" if data == "-" else "a pipe or device, not a file: stdin, <(...), a FIFO"
            raise ValueError(f"the data {data!r} ({what}) cannot be read: rnnkit reads a file, whose type and "
                             "path it checks (and train records); save the data to a file and pass its path")
        status = args.run(args)
        if sys.stdout is not None:  # here, so that an error of writing what it printed is said (not at exit)
            sys.stdout.flush()
        return status
    except KeyboardInterrupt:
        print(f"rnnkit {args.command}: interrupted{_resume_hint(args)}", file=sys.stderr)
        return 130
    except SystemExit as err:  # SIGTERM during a fit (rnnkit.training.Terminated): not the status 0 of success
        from .training.runs import Terminated

        if not isinstance(err, Terminated):
            raise
        print(f"rnnkit {args.command}: terminated by SIGTERM during training{_resume_hint(args)}", file=sys.stderr)
        return err.code
    except (MemoryError, RuntimeError) as err:
        if not (isinstance(err, MemoryError) or _out_of_memory(err)):
            raise
        print(f"rnnkit {args.command}: error: out of memory ({_one_line(err)[:200]}); lower --hidden-size or "
              "--batch-size (or the data's length)", file=sys.stderr)
        return 2
    except Exception as err:
        if not isinstance(err, _foreseen()):
            raise
        if lost := _stdout_failure(err):
            if _reader_gone(err):
                return _READER_GONE
            print(f"rnnkit {args.command}: error: {lost}", file=sys.stderr)
            return 2
        if _disk_full(err) and isinstance(getattr(args, "out", None), str):
            import shlex

            # the file it names (if any) is a temporary one beside --out, removed since, which the user never named
            out = Path(args.out).expanduser()
            from .training.runs import CHECKPOINT

            kept = ("; the checkpoint of the last finished epoch is kept: then rerun with --resume"
                    if args.command == "train" and (out / CHECKPOINT).is_file() else
                    f" (the {out.name} there before is kept as it was)" if out.is_file() else "")
            print(f"rnnkit {args.command}: error: --out {args.out}: {err.strerror.lower()} (the disk that holds it is "
                  f"full), so it was not written{kept}; free space there (df -h "
                  f"{shlex.quote(str(out.absolute().parent))}), or give --out on another disk", file=sys.stderr)
            return 2
        # a Python API's own "serve: ..." (create_app's) is not said twice after "rnnkit serve: error:"
        print(f"rnnkit {args.command}: error: {_one_line(err).removeprefix(f'{args.command}: ')}", file=sys.stderr)
        return 2
    finally:
        warnings.formatwarning = previous


def _resume_hint(args) -> str:
    """What an interrupted command leaves to do: `rnnkit train` continues from its checkpoint with --resume, if an
    epoch finished and wrote one; before that --out is left as it was (:func:`_train`) and the run starts over."""
    if args.command != "train":
        return ""
    from .training.runs import CHECKPOINT

    if (_out_directory(args.out) / CHECKPOINT).is_file():
        return " (rerun with --resume to continue from the last finished epoch)"
    return (" before its first epoch ended, so no checkpoint was written and --out is left as it was; rerun the "
            "same command to start over")


def _check_expanded(path, what: str) -> None:
    """Refuse a path that does not exist and names an environment variable as written (``'$DATA/d.csv'``,
    ``${OUT}``, Windows' ``%USERPROFILE%``): no shell expanded it (single quotes, or a file no shell reads: a
    Makefile, a YAML job, an .env file), so the data would be missing, and an --out written as a folder or file
    of that literal name. A path that exists as written is taken as it is."""
    import re

    if not isinstance(path, str) or path == "-" or os.path.exists(path):
        return
    found = re.search(r"\$\{?([A-Za-z_]\w*)\}?|%([A-Za-z_]\w*)%", path)
    if found is None:
        return
    name = found.group(1) or found.group(2)
    value = os.environ.get(name)
    here = f"{name} is {value!r} here" if value is not None else f"{name} is not set here"
    fix = (f"write {found.group(0)} unquoted or in double quotes" if found.group(1) else
           f"%{name}% is cmd.exe's form, which PowerShell and POSIX shells keep as written: write $env:{name} in "
           f"PowerShell, ${name} in sh or bash")
    raise ValueError(f"{what} {path} holds {found.group(0)}, an environment variable that no shell expanded "
                     f"(single quotes keep it as written, as does a file no shell reads); {here}: give the path "
                     f"itself, or {fix}")


def _check_data_found(path) -> None:
    """Refuse a data file that does not exist where its folder holds the one meant (:func:`rnnkit.checks.near_miss`:
    ``"d.csv "`` copied with a space, ``D.csv``, ``d`` for d.csv): "no such file" alone names a path that looks
    like the file there."""
    from .checks import near_miss

    if isinstance(path, str) and path != "-" and not os.path.exists(path) and (meant := near_miss(path)):
        raise ValueError(f"the data {path!r}: no such file; {meant}")


def _check_model_not_a_file(args) -> None:
    """Refuse a data file or a file of an ONNX export given where a model directory goes (``rnnkit serve d.csv``,
    ``rnnkit export e/sequence.onnx``), which the loader tells only "not a directory; expected a model directory
    written by save()", no way to one for a user of the command line; a data file kept in a real model directory
    (``rnnkit serve m/train.csv``) is told to give the directory. A directory named like a file (``x.csv/``) is
    read as the directory it is. Predict's model and data swapped, a model directory's own files (``m/config.json``)
    and a checkpoint keep their own words."""
    from .io import MODEL_DIRECTORY_ENTRIES, is_export_directory, is_model_directory

    model, data = getattr(args, "model", None), getattr(args, "data", None)
    if not isinstance(model, str) or not os.path.isfile(model) \
            or (isinstance(data, str) and is_model_directory(Path(data))):
        return
    path, then = Path(model), f"rnnkit {args.command} MODEL_DIR"
    if is_model_directory(path.parent):  # its own files (config.json) are the loader's; a CSV kept beside them here
        if path.name not in MODEL_DIRECTORY_ENTRIES and path.suffix != ".ckpt":
            raise ValueError(f"{model} is a file kept in the model directory {path.parent}, not the directory: "
                             f"{then} reads the directory itself; give {str(path.parent)!r}")
        return
    if is_export_directory(path.parent):
        raise ValueError(f"{model} is a file of the ONNX export {path.parent}, not an rnnkit model directory: "
                         f"{then} reads the model directory that rnnkit train (or save()) wrote, the one the export "
                         f"was made from; give that directory"
                         + (", or run the export itself with onnxruntime" if args.command != "export" else ""))
    suffix = next((s for s in path.suffixes if s.lower() in (".csv", ".tsv", ".parquet", ".xlsx", ".xls", ".npz",
                                                             ".npy")), None)
    if suffix is not None:
        raise ValueError(f"{model} is a data file ({suffix}), not an rnnkit model directory: {then} reads the "
                         f"directory that rnnkit train writes; train a model on it first (rnnkit train {model} "
                         f"--task ... --out MODEL_DIR), then give that directory")


def _device(text: str) -> str:
    """--device: one of auto, cpu, cuda; torch's and Lightning's names (cuda:1, gpu, CPU, mps) refused saying
    what to give (:func:`rnnkit.training.runs.device_hint`)."""
    from .training.runs import DEVICES, device_hint

    if text in DEVICES:
        return text
    raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(DEVICES)})"
                                     + device_hint(text, lambda name: f"--device {name}"))


def _check_device(args) -> None:
    """--device cuda where torch sees no GPU, refused before any file is read (the Python API's own refusal,
    ``device='cuda'``, would come after the data), with the reason torch has: a build without CUDA, or none
    visible to a CUDA build."""
    if getattr(args, "device", None) != "cuda":
        return
    import torch

    if torch.cuda.is_available():
        return
    why, fix = ((f"this torch {torch.__version__} is built without CUDA", "install a CUDA build of torch")
                if torch.version.cuda is None else
                (f"torch {torch.__version__} (CUDA {torch.version.cuda}) finds no GPU",
                 "check nvidia-smi and CUDA_VISIBLE_DEVICES"))
    raise ValueError(f"--device cuda: torch sees no CUDA device ({why}); give --device cpu, or leave --device out "
                     f"(auto: the GPU when there is one, else the CPU), or {fix} to train on the GPU")


class _Stdout:
    """Standard output, whose errors of writing are marked as its own (``err.stdout``): a full disk behind
    ``> FILE`` or /dev/full is then said as such, not read as --out's (which was written)."""

    def __init__(self, stream):
        self.stream, self.error = stream, None  # the first error, which argparse's help passes over

    def write(self, text):
        try:
            return self._marked(self._write, text)
        except UnicodeEncodeError as e:  # a legacy code page (Windows' cp1252 into a file, PYTHONIOENCODING=ascii)
            import unicodedata

            char = e.object[e.start]
            line = e.object[e.object.rfind("\n", 0, e.start) + 1:].split("\n", 1)[0]
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            raise ValueError(f"standard output is encoded as {e.encoding}, which has no {char!r} ({name}, in "
                             f"{line[:60]!r}), so nothing was printed; set PYTHONIOENCODING=utf-8 (or "
                             "PYTHONUTF8=1) for rnnkit, or give --out FILE where the command takes it (written as "
                             "UTF-8)") from None

    def _write(self, text):
        """Write ``text`` whole into the descriptor, or raise. Python's buffered writer, given a write that a pipe's
        reader closed part way (``| head -1``), drops what was not taken and reports success, so the rest of the
        predictions was lost with exit status 0; ``os.write`` says how much went, and the next write raises
        BrokenPipeError. POSIX only: Windows' text streams translate line ends, which the stream does itself."""
        try:
            fd = self.stream.fileno() if os.name == "posix" else None
        except (AttributeError, OSError, ValueError):  # no descriptor: an io.StringIO, a test's capture
            fd = None
        if fd is None:
            return self.stream.write(text)
        self.stream.flush()  # what was written through the stream before this wrapper, first
        data = memoryview(text.encode(self.stream.encoding or "utf-8", self.stream.errors or "strict"))
        while data:
            data = data[os.write(fd, data):]
        return len(text)

    def flush(self):
        return self._marked(self.stream.flush)

    def __getattr__(self, name):
        return getattr(self.stream, name)

    def _marked(self, call, *args):
        try:
            return call(*args)
        except OSError as e:
            e.stdout = True
            self.error = self.error or e
            raise


def _stdout_failure(err: BaseException) -> str | None:
    """What to say where ``err`` came from writing standard output (:class:`_Stdout`), else None. Standard output
    is then pointed at the null device, so that Python's own flush at exit neither prints a traceback nor changes
    the exit status."""
    if not getattr(err, "stdout", False):
        return None
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    full = " (the disk that holds it is full)" if _disk_full(err) else ""
    return (f"cannot write standard output: {(err.strerror or str(err)).lower()}{full}, so what the command prints "
            "was lost; send it elsewhere (> FILE on a disk with space), or give --out FILE where the command takes it")


# the status of a command whose standard output's reader stopped reading (``| head -1``): a shell's for a command
# that SIGPIPE ended, 128 + 13, as `seq 1000000 | head -1` gives it: not 0, since what it printed was not all read
_READER_GONE = 141


def _reader_gone(err: BaseException) -> bool:
    """Whether standard output's reader closed its end (EPIPE: ``| head -1`` took what it wanted). Nothing is said
    of it, as Unix tools say nothing: the reader chose to stop."""
    return isinstance(err, BrokenPipeError) and getattr(err, "stdout", False)


def _disk_full(err: BaseException) -> bool:
    """Whether a write failed for want of space: the disk is full (ENOSPC), the user's quota spent (EDQUOT)."""

    return isinstance(err, OSError) and err.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)) \
        and bool(err.strerror)


def _out_of_memory(err: RuntimeError) -> bool:
    """Whether torch failed to allocate memory (CPU: "can't allocate memory"; CUDA: torch.OutOfMemoryError)."""
    text = str(err)
    return type(err).__name__ == "OutOfMemoryError" or "can't allocate memory" in text or "out of memory" in text


def _foreseen() -> tuple[type[Exception], ...]:
    """The errors a user can cause: bad input (ValueError, KeyError), files and paths (OSError, a corrupt
    archive), a training that diverges (NonFiniteError: imported here, as torch is loaded by then)."""
    from .training.runs import NonFiniteError

    return ValueError, OSError, zipfile.BadZipFile, KeyError, NonFiniteError


if __name__ == "__main__":
    raise SystemExit(main())
