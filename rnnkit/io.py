"""One home for saved models: the directory format, its atomic writer and reader, and the registry of the
estimator types that can be saved.

A saved model is a directory of two files, tied to each other both ways (no pickle anywhere)::

    config.json          format, format_version, rnnkit_version, estimator (a registered type), task,
                         params (get_params), fitted (JSON attributes), info, weights_sha256
    model.safetensors    tensors (weights, scalings, ...); its metadata records the SHA-256 of config.json

An estimator type joins the registry with :func:`saveable` and provides two methods:

- ``_saved_state() -> (fitted, tensors)``: its fitted attributes as JSON and as tensors;
- ``_restore(fitted, tensors)``: the inverse, on an instance built from the saved ``params``.

:func:`save` and :func:`load` do the rest for every registered type; nothing here imports an estimator, and
the estimators and the Forecaster import this module, not each other.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import os
from pathlib import Path

import numpy as np
import safetensors
import safetensors.torch
import torch

from .checks import near_miss, path_kind
from .data.memmap import has_format, interrupted_save
from .data.memmap import write_directory_atomically as _write_directory

FORMAT = "rnnkit.estimator"
# 2: config.json records the feature names and the SHA-256 of model.safetensors. Version 1 recorded neither,
# so a model of version 1 cannot be checked against its data's columns or its config: it is refused.
FORMAT_VERSION = 2
CONFIG_FILE, WEIGHTS_FILE = "config.json", "model.safetensors"
TRAINING_FILE = "training.json"  # marks a directory that `rnnkit train` is writing (checkpoints inside)
EXPORT_FILE, EXPORT_FORMAT = "export.json", "rnnkit.onnx"  # an ONNX export directory's (rnnkit.deploy.export)

# The registry: type name (as config.json records it) -> (class, task). Filled by @saveable where each class
# is defined; `load` imports the modules below on a name it does not know yet, so that loading never depends
# on what the caller happened to import.
SAVEABLE: dict[str, tuple[type, str]] = {}
_HOMES = ("rnnkit.estimators", "rnnkit.forecast")


def saveable(task: str):
    """Class decorator: register an estimator type for :func:`save` / :func:`load` under its class name, with
    its ``task`` (``"classify"``, ``"regress"``, ``"tag"``, ``"forecast"``; recorded in config.json)."""

    def register(cls: type) -> type:
        SAVEABLE[cls.__name__] = (cls, task)
        return cls

    return register


def registered(name: str) -> tuple[type, str] | None:
    """``(class, task)`` of a registered type name, importing the estimator modules in turn until one
    registers it (so loading a classifier does not import the Forecaster, nor the Lightning it trains with)."""
    for module in _HOMES:
        if name in SAVEABLE:
            break
        importlib.import_module(module)
    return SAVEABLE.get(name)


# -- writing -------------------------------------------------------------------------------------------------
def model_files(config: dict, tensors: dict[str, torch.Tensor]) -> dict[str, bytes]:
    """``config.json`` and ``model.safetensors`` of one model, tied both ways: the weights file's metadata
    records the SHA-256 of the config (:func:`config_digest`), and the config records the SHA-256 of the
    weights file (``weights_sha256``). :func:`read_model` checks both, so a config copied from another model
    is refused even when the two models' weights happen to be identical."""
    try:
        config_bytes = json.dumps(config, indent=2, allow_nan=False, default=_plain_number).encode()
    except (TypeError, ValueError) as e:
        raise ValueError(f"cannot save: a parameter or fitted attribute is not JSON-serialisable ({e})") from e
    metadata = {"format": FORMAT, "config_sha256": config_digest(json.loads(config_bytes))}
    weights = _sorted_metadata(safetensors.torch.save(tensors, metadata=metadata))
    config = {**json.loads(config_bytes), "weights_sha256": hashlib.sha256(weights).hexdigest()}
    return {CONFIG_FILE: json.dumps(config, indent=2).encode(), WEIGHTS_FILE: weights}


def _sorted_metadata(weights: bytes) -> bytes:
    """A safetensors file with its header's ``__metadata__`` keys in sorted order. safetensors writes them from a
    hash map, in an order that changes from process to process, so two fits of one seed (the same weights) would
    write model.safetensors (and the ``weights_sha256`` of config.json) differently, byte for byte. The header is
    rewritten only where re-encoding it gives back its own bytes; its length, and so every offset, is kept."""
    n = int.from_bytes(weights[:8], "little")
    header = weights[8 : 8 + n]
    try:
        parsed = json.loads(header)
    except ValueError:
        return weights
    encode = lambda obj: json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
    if not isinstance(parsed.get("__metadata__"), dict) or encode(parsed) != header.rstrip(b" "):
        return weights
    parsed["__metadata__"] = dict(sorted(parsed["__metadata__"].items()))
    return weights[:8] + encode(parsed).ljust(n, b" ") + weights[8 + n :]


def _plain_number(value):
    """numpy's numbers and bools as Python's, for JSON (a parameter set from a numpy grid, ``np.int64(8)``):
    ``.item()`` gives the same value (a float32 as the float64 that holds it exactly). Anything else: TypeError."""
    if isinstance(value, np.integer | np.floating | np.bool_):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def estimator_files(estimator, *, params: dict | None = None, info: dict | None = None) -> dict[str, bytes]:
    """The files :func:`save` writes for a fitted, registered ``estimator``: its ``params`` (default
    ``_saved_params()`` where the type has one, else ``get_params(deep=False)``; they must name their cell,
    since a cell object or factory is code and rnnkit saves no code) and its ``_saved_state()``. ``info``:
    any JSON dict kept under ``config["info"]``."""
    from . import __version__

    name = type(estimator).__name__
    entry = registered(name)
    if entry is None or entry[0] is not type(estimator):
        raise ValueError(f"cannot save a {name}: it is not a registered estimator type ({sorted(SAVEABLE)})")
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:  # unfitted, _saved_state would stop at the first fitted attribute it reads, an AttributeError
        check_is_fitted(estimator)
    except NotFittedError:
        raise ValueError(f"save: this {name} is not fitted, so it has no weights to save; call fit first, then save "
                         "it") from None
    if params is None:
        params = estimator._saved_params() if hasattr(estimator, "_saved_params") else estimator.get_params(False)
    if "cell" in params and not isinstance(params["cell"], str):
        from .models import CELL_NAMES

        raise ValueError(f"cannot save this {name}: its cell is a {type(params['cell']).__name__}, not a name; "
                         f"only a named cell ({', '.join(CELL_NAMES)}) can be saved, since a cell object or "
                         "factory is code and rnnkit saves no code (no pickle)")
    fitted, tensors = estimator._saved_state()
    config = {"format": FORMAT, "format_version": FORMAT_VERSION, "rnnkit_version": __version__,
              "estimator": name, "task": entry[1], "params": params, "fitted": fitted}
    if info is not None:
        config["info"] = _check_info(info)
    return model_files(config, {k: v.detach().cpu().contiguous() for k, v in tensors.items()})


def _check_info(info) -> dict:
    """``info`` as save keeps it: a dict of JSON values (numpy numbers as Python's), the key of a value JSON
    cannot write named; a list or a str would be kept where readers of ``config["info"]`` expect a dict."""
    if not isinstance(info, dict):
        raise ValueError(f"save: info must be a dict of JSON values (kept as config['info']), got "
                         f"{type(info).__name__}; wrap it, e.g. info={{'notes': ...}}")
    for key, value in info.items():
        try:
            json.dumps(value, allow_nan=False, default=_plain_number)
        except (TypeError, ValueError) as e:
            raise ValueError(f"save: info[{key!r}] cannot be written as JSON ({e}); give it as a str, a number, a "
                             f"bool, None, or a list or dict of them (e.g. list(...) for a set, str(...) for a path)"
                             ) from None
    return info


def save(estimator, directory: str | os.PathLike, *, info: dict | None = None) -> None:
    """Write a fitted, registered estimator to ``directory`` (:func:`estimator_files`), atomically: into a
    temporary directory first, then renamed. An existing rnnkit model directory (or a directory that
    ``rnnkit train`` is writing) is replaced; any other existing non-empty path is refused."""
    target = _path(directory, "save")
    if target.resolve() == Path.cwd().resolve():  # "" is "." to pathlib: the directory cannot replace itself
        raise ValueError(f"save: the directory {os.fspath(directory)!r} is the current directory, which the model "
                         "directory cannot replace; give the path of the model's own directory (e.g. 'model')")
    warn_file_named(target, "save")
    write_directory_atomically(target, estimator_files(estimator, info=info))


# The suffixes of one-file model formats, archives and tables: a model directory named with one is taken for such a
# file (``--out m.csv``: where the user looks for predictions or scores in a table)
_FILE_SUFFIXES = (".safetensors", ".pt", ".pth", ".pkl", ".pickle", ".joblib", ".ckpt", ".onnx", ".h5", ".keras",
                  ".bin", ".zip", ".tar", ".gz", ".json", ".csv", ".tsv", ".parquet", ".xlsx", ".xls", ".npz", ".npy")


def warn_file_named(target: Path, who: str) -> None:
    """Warn where a model directory is about to be written under the name of a file (``model.safetensors``,
    ``m.pt``, ``m.zip``): it is a folder, which the tools that the name promises (safetensors, torch.load, unzip)
    cannot open, and ``model.safetensors/model.safetensors`` inside it; the model is still written."""
    suffix = target.suffix.lower()
    if suffix not in _FILE_SUFFIXES:
        return
    import warnings

    pack = (f"; to send the model as one file, zip the directory: shutil.make_archive({str(target.with_suffix(''))!r}, "
            f"'zip', {str(target.with_suffix(''))!r})" if suffix in (".zip", ".tar", ".gz") else
            f"; the model's predictions are written as a table by rnnkit predict MODEL DATA --out {target.name}"
            if suffix in (".csv", ".tsv", ".parquet", ".xlsx", ".xls") else "")
    warnings.warn(f"{who}: {target} is named like a {suffix} file, but an rnnkit model is a directory ({CONFIG_FILE} "
                  f"and {WEIGHTS_FILE} in it), so {target.name} will be a folder that tools reading {suffix} files "
                  f"cannot open; name it without the suffix, e.g. {str(target.with_suffix(''))!r}{pack}",
                  UserWarning, stacklevel=3)


def _path(directory, who: str) -> Path:
    """``directory`` as a Path, ``~`` read as the home directory (``"~/models/m"`` as the command line and
    :func:`rnnkit.export_onnx` read it, not ``./~/models/m``); ValueError for what is not a path (None, a number, an
    open file)."""
    if not isinstance(directory, str | os.PathLike):
        raise ValueError(f"{who}: the directory must be a path (str or os.PathLike), got {type(directory).__name__}")
    return Path(directory).expanduser()


def config_digest(config: dict) -> str:
    """SHA-256 of a config's content (keys sorted, ``weights_sha256`` left out)."""
    content = {k: v for k, v in config.items() if k != "weights_sha256"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _safetensors_metadata(data: bytes) -> dict:
    """The ``__metadata__`` of a safetensors file: its header is an 8-byte little-endian length, then JSON."""
    n = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + n]).get("__metadata__") or {}


def _safetensors_size(data: bytes) -> int | None:
    """The least size in bytes of a safetensors file that starts with ``data`` (its header's length, the header, and
    the end of its last tensor, where ``data`` holds the header), or None where the start is no safetensors header;
    8 for an empty file."""
    if len(data) < 8:
        return 8
    n = int.from_bytes(data[:8], "little")
    if len(data) < 8 + n:
        return 8 + n if n < 100_000_000 else None  # safetensors' own limit on a header
    try:
        header = json.loads(data[8 : 8 + n])
        return 8 + n + max((v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"), default=0)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


# What rnnkit writes into a model directory: the model, and beside it what `rnnkit train` and `rnnkit forecast`
# write (metrics, report, forecasts; the checkpoints and logs of an unfinished run). A model directory that holds
# anything else is not replaced, since replacing it would delete the rest.
MODEL_DIRECTORY_ENTRIES = frozenset({
    CONFIG_FILE, WEIGHTS_FILE, TRAINING_FILE, "metrics.json", "checkpoints", "csv", "tensorboard", "forecast.csv",
    "backtest.csv", "backtest_forecasts.csv", "report.json", "report.md", "report.html", "forecast.png",
    "members"})


def foreign_entries(directory: Path) -> list[str]:
    """The names in ``directory`` that rnnkit does not write into a model directory, sorted."""
    return sorted(p.name for p in Path(directory).iterdir() if p.name not in MODEL_DIRECTORY_ENTRIES)


def write_directory_atomically(target: Path, files: dict[str, bytes]) -> None:
    """Save ``files`` as the model directory ``target`` atomically (:func:`rnnkit.data.write_directory_atomically`).
    An existing ``target`` must be an rnnkit model directory, a directory that ``rnnkit train`` is writing (its
    checkpoints go with it), or empty; one that also holds files rnnkit does not write is refused."""
    if target.is_symlink():  # a link to the model directory: its checks read where it points, as the write does
        target = Path(os.path.realpath(target))
    if is_export_directory(target):  # the model's own export, most likely: it would not be replaced, nor named
        raise ValueError(f"{target} exists and is not an rnnkit model directory (it is an rnnkit ONNX export "
                         f"directory, written by export_onnx); refusing to overwrite it: save the model into a "
                         f"directory of its own, e.g. {target}-model")
    if target.is_dir() and (is_model_directory(target) or is_training_directory(target)) and \
            (foreign := foreign_entries(target)):
        raise ValueError(f"{target} is an rnnkit model directory that also holds {foreign[:3]}"
                         f"{' ...' if len(foreign) > 3 else ''}, which rnnkit did not write and replacing the "
                         "directory would delete; move them out, or save to a new path")
    if target.is_dir() and (target / "checkpoints" / "last.ckpt").is_file() and not is_training_directory(target) \
            and not is_model_directory(target):  # the estimator's own log_dir, most likely: fit(log_dir=d); save(d)
        raise ValueError(f"{target} is the log_dir of a fit (checkpoints/last.ckpt and its logs), not a model "
                         f"directory, and saving there would delete them; save the model to a directory of its own, "
                         f"e.g. {str(target) + '-model'!r}")
    _write_directory(target, files, what="an rnnkit model directory",
                     replaceable=lambda p: is_model_directory(p) or is_training_directory(p))


def torch_saved(names: list[str]) -> bool:
    """Whether a zip archive of these member ``names`` is a PyTorch file: torch.save writes a zip of a pickle,
    ``<name>/data.pkl`` beside the tensors' storages."""
    return any(n.endswith("/data.pkl") or n == "data.pkl" for n in names)


def zip_names(source) -> list[str] | None:
    """The member names of the zip archive ``source`` (a path or a binary file object), read from its central
    directory only, never a member; None where it cannot be read (cut short: its names are at its end; damaged)."""
    import zipfile

    try:
        with zipfile.ZipFile(source) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


# torch.save's legacy format (_use_new_zipfile_serialization=False, torch before 1.6) pickles its magic number first
_TORCH_LEGACY_HEAD = b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"


def pickle_kind(path: Path) -> str | None:
    """``'torch'`` for a file torch.save wrote in its legacy format (not a zip), ``'pickle'`` for another pickle of
    protocol 2 or later (``\\x80`` and the protocol, as pickle.dump and joblib.dump write one), else None; told by
    the file's first bytes, never unpickled."""
    with open(path, "rb") as f:
        head = f.read(len(_TORCH_LEGACY_HEAD))
    if head == _TORCH_LEGACY_HEAD:
        return "torch"
    return "pickle" if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5 else None


def _entries(folder: Path, most: int) -> tuple[list, bool]:
    """The entries of ``folder`` (hidden ones skipped), sorted by name, of the first ``most`` read, and whether more
    were left unread: a home folder or a data folder of 100k files given by mistake is not listed whole."""
    entries, more = [], False
    with os.scandir(folder) as found:
        for read, entry in enumerate(found):
            if read == most:
                more = True
                break
            if not entry.name.startswith("."):
                entries.append(entry)
    return sorted(entries, key=lambda e: e.name), more


def _model_directories_below(path: Path, depth: int = 3, most: int = 5000) -> list[str]:
    """The model directories within ``depth`` folders below ``path`` (hidden ones skipped), as paths relative to it,
    sorted, looked for level by level. At most ``most`` entries are read in all (a home folder or a data folder of
    many files given by mistake is not walked whole), and a symbolic link to a folder is checked for a model but
    never entered (a link to a folder above is no loop)."""
    found, level, budget = [], [path], most
    for _ in range(depth):
        below = []
        for folder in level:
            try:
                entries, more = _entries(folder, budget)
            except OSError:
                continue
            budget -= len(entries)
            for entry in entries:
                try:
                    if not entry.is_dir():  # follows a link: a link to a model directory is named
                        continue
                    link = entry.is_symlink()
                except OSError:
                    continue
                p = Path(entry.path)
                if is_model_directory(p):
                    found.append(p.relative_to(path).as_posix())
                elif not link:
                    below.append(p)
            if more or budget <= 0:
                return sorted(found)
        level = below
    return sorted(found)


def is_model_directory(path: Path) -> bool:
    return has_format(path, CONFIG_FILE, FORMAT)


def is_training_directory(path: Path) -> bool:
    """Whether ``path`` is a directory that ``rnnkit train`` is writing or was writing when it stopped."""
    return has_format(path, TRAINING_FILE, f"{FORMAT}.training")


# -- reading -------------------------------------------------------------------------------------------------
def is_export_directory(path: Path) -> bool:
    """Whether ``path`` is an ONNX export directory (:func:`rnnkit.deploy.export_onnx`): here, beside the model
    directory's own test, so that saving can name one without loading the exporter."""
    return has_format(path, EXPORT_FILE, EXPORT_FORMAT)


def _no_step_reason(export_json: Path) -> str | None:
    """Why an ONNX export has no step graph, as its export.json records it (``step.reason``, on one line), or
    None where the file does not say."""
    try:
        reason = json.loads(export_json.read_text())["step"]["reason"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return None
    return " ".join(reason.split()).rstrip(".") if isinstance(reason, str) and reason.strip() else None


def read_model(directory: str | os.PathLike, what: str = "an rnnkit model directory"
               ) -> tuple[dict, dict[str, torch.Tensor]]:
    """The checked ``config.json`` and the tensors of a saved model directory. No pickle is read.

    Raises ValueError for a missing, foreign or corrupt directory, a format version this rnnkit does not
    read, and a ``config.json`` that does not belong to ``model.safetensors`` (the SHA-256 it records is not
    the weights file's: a config copied from another model, or damaged weights)."""
    path = Path(directory)
    if path.is_file() and path.suffix == ".ckpt":
        raise ValueError(f"{path} is the checkpoint of a fit (Lightning's .ckpt, read by fit(..., resume=True)), not "
                         f"{what}; fit with resume=True and its log_dir (which continues the fit, or restores it when "
                         f"it had finished), then save() the estimator")
    if not path.exists():
        if left := [p for p in interrupted_save(path) if is_model_directory(p)]:  # killed between two renames
            kind = lambda p: "the previous model" if p.name.startswith(f".{path.name}.old-") else "the new one"
            found = " and ".join(f"{kind(p)} is {p}" for p in left)
            raise ValueError(f"{path}: no such directory, but a save to it was stopped between its two renames: "
                             f"{found}; rename the one to keep to {str(path)!r}")
        meant = near_miss(path)
        raise ValueError(f"{path}: no such file or directory; expected {what} written by save() "
                         + (f"({meant})" if meant else "(check the path)"))
    if path.is_file() and path.name in MODEL_DIRECTORY_ENTRIES and is_model_directory(path.parent):
        raise ValueError(f"{path} is a file of the model directory {path.parent}, not {what}; give the directory: "
                         f"{str(path.parent)!r}")
    if not path.is_dir():
        import tarfile
        import zipfile

        if (kind := path_kind(path)) != "a file":  # a FIFO or a device: opened to look inside, a FIFO would block
            raise ValueError(f"{path} is {kind}, not a directory; expected {what} written by save()")
        # a model directory packed to be shared: zip -r, tar czf (shutil.unpack_archive reads both); but torch.save
        # writes a zip too (of a pickle), which unpacked holds no config.json, and pickle.dump / joblib.dump a pickle
        zipped = zipfile.is_zipfile(path)
        head = None if zipped else pickle_kind(path)
        writes = f"load reads the directory save(estimator, directory) writes ({CONFIG_FILE}, {WEIGHTS_FILE})"
        pickled = (f"a PyTorch file (torch.save: a module or a state_dict), which load never reads (unpickling runs "
                   f"code); read it with torch.load(path, weights_only=True) into the module that wrote it; {writes}"
                   if (torch_saved(zip_names(path) or []) if zipped else head == "torch") else
                   f"a Python pickle (pickle.dump, joblib.dump), which load never reads (unpickling runs code); an "
                   f"rnnkit estimator pickled there: read it with the library that wrote it (only from a source you "
                   f"trust) and save() it; {writes}" if head == "pickle" else None)
        kind = ("a zip archive" if zipped else "a tar archive" if tarfile.is_tarfile(path) else None)
        packed = (f": it is {pickled}" if pickled else
                  f": it is {kind}; unpack it first (shutil.unpack_archive({str(path)!r}, 'model')) and give "
                  f"the directory that holds {CONFIG_FILE}" if kind else "")
        raise ValueError(f"{path} is not a directory; expected {what} written by save(){packed}")
    if not (path / CONFIG_FILE).exists():  # not a model directory: what it is instead, and the fix
        if (path / WEIGHTS_FILE).is_file():  # a copy cut short, or one file copied
            raise ValueError(f"{path} is not {what}: it holds {WEIGHTS_FILE} but no {CONFIG_FILE}, which save writes "
                             f"beside it (its format and parameters); copy the model directory whole, never one of "
                             f"its files")
        # the folder of several models, or the one a model was saved into (or a run's folder above it)
        if inside := _model_directories_below(path):
            raise ValueError(f"{path} is not {what}: it holds no {CONFIG_FILE} but the model directories {inside[:5]}"
                             f"{' ...' if len(inside) > 5 else ''}; give one of them, e.g. {str(path / inside[0])!r}")
        if (path / EXPORT_FILE).is_file():
            # a model without a step graph (bidirectional, normalised per series, an ensemble...) cannot be streamed
            why = _no_step_reason(path / EXPORT_FILE)
            stream = (f"stream it with rnnkit.Streamer({str(path)!r}) or run its graphs with onnxruntime"
                      if (path / "step.onnx").is_file() else "run its sequence.onnx with onnxruntime (it has no step "
                      f"graph to stream{'' if why is None else f'; export.json says why: {why}'})")
            raise ValueError(f"{path} is not {what}: it is an ONNX export (export.json, sequence.onnx), which runs "
                             f"without rnnkit's model: {stream}; give the model directory that was exported (written "
                             "by save())")
        if (path / "checkpoints" / "last.ckpt").is_file():
            # the checkpoints of a fit (log_dir) or of an unfinished `rnnkit train` (--out): no model in them yet
            fix = ("an unfinished rnnkit train: rerun the same command with --resume to finish it"
                   if is_training_directory(path) else f"the log_dir of a fit: fit with resume=True and log_dir="
                   f"{str(path)!r} (which continues the fit, or restores it when it had finished), then save() the "
                   "estimator")
            raise ValueError(f"{path} is not {what}: it holds a checkpoint (checkpoints/last.ckpt) and no "
                             f"{CONFIG_FILE}, {fix}")
        entries, more = _entries(path, 1000)
        held = [e.name for e in entries]
        holds = ("it is empty" if not held else
                 f"it holds {', '.join(held[:4])}{', ...' if len(held) > 4 or more else ''} and no {CONFIG_FILE}")
        raise ValueError(f"{path} is not {what}: {holds}; give the directory save(estimator, directory) wrote (it "
                         f"holds {CONFIG_FILE} and {WEIGHTS_FILE}), or save the fitted estimator there first")
    for name in (CONFIG_FILE, WEIGHTS_FILE):  # a folder in the file's place: `docker run -v` of a file missing on
        # the host mounts an empty folder under its name; a model copied into it (cp -r model m/config.json)
        if (path / name).exists() and (kind := path_kind(path / name)) != "a file":
            inner = (f"; it holds a model directory itself: give that path, {str(path / name)!r}"
                     if kind == "a directory" and is_model_directory(path / name) else
                     f"; put the file {name} that save wrote there (copy the model directory whole again, or save "
                     "the model again), or, in a container, mount the model directory, not its files, as "
                     "`docker run -v` makes a folder of a file missing on the host")
            raise ValueError(f"{path} is not {what}: its {name} is {kind}, not the file save writes{inner}")
    try:
        # utf-8-sig: a byte-order mark, as Windows' Notepad writes one when the config is opened and saved, is no
        # part of the content (which the digest checks)
        config = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as e:
        if (path / WEIGHTS_FILE).is_file() and (not e.doc.strip() or f'"{FORMAT}"' in e.doc):
            # rnnkit's own config, cut short (a copy, sync or save stopped partway), beside its weights
            cut = "is empty (0 bytes)" if not e.doc.strip() else f"ends after {len(e.doc)} characters mid-JSON ({e})"
            raise ValueError(f"{path}: damaged rnnkit model directory: cannot read {CONFIG_FILE}: it {cut}, cut "
                             "short, as a copy or download stopped partway leaves it; copy the model directory whole "
                             "again (or save the model again)") from e
        raise ValueError(f"{path} is not {what}: cannot read {CONFIG_FILE} ({e})") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is not {what}: cannot read {CONFIG_FILE} ({e})") from e
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"{path} is not {what}: {CONFIG_FILE} has no format {FORMAT!r}")
    version = config.get("format_version")
    if version == 1:
        raise ValueError(f"{path}: format version 1 (rnnkit {config.get('rnnkit_version')}) is not supported: it "
                         f"records neither the feature names nor a digest tying {CONFIG_FILE} to the weights; "
                         f"retrain the model with this rnnkit (format version {FORMAT_VERSION})")
    if version != FORMAT_VERSION:
        from . import __version__

        written = config.get("rnnkit_version")
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION \
                and _not_newer(written, __version__):
            raise ValueError(f"{path}: {CONFIG_FILE} records the format version {version}, newer than this rnnkit "
                             f"{__version__} reads (version {FORMAT_VERSION}), but also that rnnkit {written} wrote "
                             f"it, which writes version {FORMAT_VERSION}: the config was edited (upgrading rnnkit "
                             "would not help); copy the model directory whole again, or save the model again")
        if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
            raise ValueError(f"{path}: format version {version} (written by rnnkit {config.get('rnnkit_version')}) is "
                             f"newer than this rnnkit {__version__} reads (version {FORMAT_VERSION}); upgrade rnnkit "
                             "to load it")
        raise ValueError(f"{path}: {CONFIG_FILE} records the format version {version!r}, which no rnnkit writes (this "
                         f"one reads version {FORMAT_VERSION}): the config was edited or damaged; copy the model "
                         "directory whole again, or save the model again")
    if not (path / WEIGHTS_FILE).exists():  # a copy cut short, or config.json copied alone
        raise ValueError(f"{path} is not a complete rnnkit model directory: it holds {CONFIG_FILE} but no "
                         f"{WEIGHTS_FILE}, which save writes beside it (the weights); copy the model directory whole, "
                         "never one of its files")
    try:
        weights = (path / WEIGHTS_FILE).read_bytes()
    except OSError as e:
        raise ValueError(f"{path}: corrupt rnnkit model directory: cannot read {WEIGHTS_FILE} ({e})") from e
    mismatch = f"{path}: corrupt or mismatched model directory: "
    advice = "; copy a model directory whole, never one of its files"
    if (expected := _safetensors_size(weights)) is not None and len(weights) < expected:
        raise ValueError(f"{path}: damaged rnnkit model directory: {WEIGHTS_FILE} ends after {len(weights)} bytes, "
                         f"where its header describes at least {expected}: cut short, as a copy or download stopped "
                         "partway leaves it; copy the model directory whole again (or save the model again)")
    if hashlib.sha256(weights).hexdigest() != config.get("weights_sha256"):
        raise ValueError(f"{mismatch}{CONFIG_FILE} records a SHA-256 of {WEIGHTS_FILE} that is not the file's, "
                         f"so the weights are damaged or the config comes from another model{advice}")
    try:
        tensors = safetensors.torch.load(weights)
        recorded = _safetensors_metadata(weights).get("config_sha256")
    except (safetensors.SafetensorError, ValueError, RuntimeError) as e:
        raise ValueError(f"{path}: corrupt rnnkit model directory ({type(e).__name__}: {e})") from e
    if recorded != config_digest(config):
        raise ValueError(f"{mismatch}{WEIGHTS_FILE} records the SHA-256 of another {CONFIG_FILE}, so the config "
                         f"was edited or comes from another model{advice}")
    return config, tensors


def _not_newer(written, current: str) -> bool:
    """Whether the rnnkit version recorded in a config (``written``) is this one or older (its release numbers,
    ``0.1.0``): such a version wrote this format version, so a newer one recorded beside it was edited in. False
    when it is not such a version."""
    then = _release(written)
    return then is not None and then <= _release(current)


def _release(version) -> tuple[int, ...] | None:
    """The release numbers of an rnnkit version (``"0.1.0+local"`` -> ``(0, 1, 0)``), or None for what is none."""
    try:
        return tuple(int(n) for n in version.split("+")[0].split(".")[:3])
    except (AttributeError, ValueError):
        return None


def _newer_writer(config: dict) -> str:
    """Where ``config`` was written by an rnnkit newer than this one (its ``rnnkit_version``): the clause that says
    so and how to load it (one format version may hold options and estimator types this rnnkit lacks); "" where
    it was not, or its version cannot be read."""
    from . import __version__

    written = config.get("rnnkit_version")
    if (then := _release(written)) is None or then <= _release(__version__):
        return ""
    return (f": rnnkit {written} wrote it, newer than this rnnkit {__version__}; upgrade rnnkit (pip install -U "
            "rnnkit) to load it, or retrain the model with this one")


def load(directory: str | os.PathLike, expected: type | None = None):
    """Read an estimator written by :func:`save`: it predicts exactly as the saved one did. No pickle is read.

    ``expected``: the class the directory must hold (``Forecaster.load`` passes its own), or None for any
    registered type. Raises ValueError for a missing, foreign or corrupt directory (see :func:`read_model`) or
    a saved type other than ``expected``."""
    path = _path(directory, "load")
    what = "an rnnkit model directory" if expected is None else f"a saved {expected.__name__}"
    config, tensors = read_model(path, what)
    name = config.get("estimator")
    entry = registered(name) if isinstance(name, str) else None
    if entry is None:
        raise ValueError(f"{path}: unknown estimator {name!r}; expected one of {sorted(SAVEABLE)}"
                         + _newer_writer(config))
    cls = entry[0]
    if expected is not None and not issubclass(cls, expected):
        raise ValueError(f"{path} is not {what}: {CONFIG_FILE} names {name!r}; load it with rnnkit.load")
    params = config.get("params")
    taken = inspect.signature(cls.__init__).parameters  # the estimators name each option (sklearn's rule)
    if isinstance(params, dict) and (unknown := sorted(k for k in params if k not in taken)):
        # the digests tie config.json to the weights, so an option this rnnkit does not know was written by another
        # version (cls(**params) would say only "unexpected keyword argument", read as a corrupt directory)
        raise ValueError(f"{path}: {CONFIG_FILE} records the {name} option(s) {unknown[:5]}"
                         f"{' ...' if len(unknown) > 5 else ''}, which this rnnkit's {name} does not take"
                         + (_newer_writer(config) or f" (it was written by rnnkit {config.get('rnnkit_version')}, "
                            "with options of its own); load it with the rnnkit that saved it, or retrain the model "
                            "with this one"))
    try:
        estimator = cls(**config["params"])
        estimator._restore(config["fitted"], tensors)
    except (KeyError, TypeError, ValueError, RuntimeError) as e:
        raise ValueError(f"{path}: corrupt {what.removeprefix('a ').removeprefix('an ')} "
                         f"({type(e).__name__}: {e})") from e
    return estimator
