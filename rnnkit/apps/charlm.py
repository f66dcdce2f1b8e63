"""Character-level language model: the King James Bible and Python source, beside ``xz -9`` and a 5-gram model.

Data (the same split for every model):

- **Bible**: ``bible Gen1:1-Rev22:21`` of the Debian package ``bible-kjv`` (``bash scripts/install_debs.sh``),
  the reader's output as it prints it (chapter headings, verse numbers, lines wrapped near 80 columns), about
  4.3 M characters. The test text is the last ``test_chars`` characters (from a line start: 1 Thessalonians 4
  to the end of Revelation in the full run); the training text the ``train_chars`` characters before it.
- **Python**: the ``.py`` files of the standard library of the running interpreter
  (``sysconfig.get_paths()["stdlib"]``, without ``site-packages`` and the test suites), in sorted order. A file
  is a test file when the CRC-32 of its relative path is 0 mod 20, so no test file is seen in training; each
  side is its files joined by newlines, cut to ``train_chars`` / ``test_chars``.

Models, scored in **bits per character** on the test text:

=======================  =============================================================================================
model                    what it is
=======================  =============================================================================================
``lstm``                 :class:`rnnkit.models.LanguageModel` (an LSTM over character embeddings) trained by truncated
                         BPTT: the training text read as ``B`` parallel streams
                         (:class:`rnnkit.training.TokenStreams`) in windows of ``window`` characters, the state
                         carried from window to window (``stateful=True``) and cut every ``tbptt_steps`` steps,
                         through :func:`~rnnkit.training.seeded_fit`; size, epochs and learning rate (constant, or
                         OneCycleLR) per corpus (``FULL["lstm"]``). Evaluated as one stream over the whole test text,
                         the state carried throughout (:func:`stream_bits`)
``lstm_dynamic``         the same trained LSTM under **dynamic evaluation** (Mikolov et al. 2010; Krause et al. 2018):
                         the test text read as one stream in segments of ``segment`` characters; each segment is
                         scored first, then one SGD step on its loss adapts the weights to the text read so far
                         (:func:`dynamic_bits`). The step size is chosen on the validation text (the
                         ``validation_chars`` characters of training text held out from training), never on the test
                         text; or fixed per corpus (``dynamic_lr``), chosen so in an earlier run
``kneser_ney``           interpolated Kneser-Ney 5-gram model of the characters (:class:`KneserNey`)
``kneser_ney_adaptive``  the same 5-gram model refitted every ``block`` test characters on the training text and the
                         test text read so far (:func:`adaptive_kneser_ney_bits`): the n-gram counterpart of dynamic
                         evaluation
``xz``                   ``xz -9`` (Python's ``lzma``, preset 9) on the test text alone: compressed bits / characters
``xz_primed``            ``xz -9`` given the training text: bits of ``xz(train + test)`` minus ``xz(train)``, the cost
                         of the test text to a compressor that has read the training text, as the models have
=======================  =============================================================================================

The models predict each test character from the ones before it (the first character, which has no context,
is not scored). Characters of the test text absent from the training text map to ``<unk>`` in the models'
alphabet (their count is reported); xz compresses the UTF-8 bytes of the text as it is, in Unicode's composed
form (NFC), in which the models' vocabulary counts its characters.

With ``out``: ``report.json``, ``report.md``, ``report.html`` (tables, samples at several temperatures) and
``curves.png`` (training loss per epoch).
"""

from __future__ import annotations

import copy
import lzma
import math
import os
import shutil
import subprocess
import sysconfig
import time
import unicodedata
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure
from torch.utils.data import DataLoader

from ..checks import int_meant_fix, is_count, short_repr
from ..data.text import Vocab
from ..models.encoder import eval_mode
from ..report import machine, write_report
from ..training.trainer import resolve_device
from . import check_epochs, check_run_arguments

CORPORA = ("bible", "python")
INSTALL = "bash scripts/install_debs.sh"
TEMPERATURES = (0.5, 0.8, 1.0)
PROMPTS = {"bible": "And God said", "python": "def "}
# full: the whole Bible but its test part, 600 k characters of Python; quick: small slices, small models.
# ``lstm[corpus]``: the model and its optimizer per corpus. The Bible's (512 units, peak lr 5e-3 under
# OneCycleLR, 3 epochs) was chosen on a validation slice of its training text (docs/apps/charlm.md); Python
# keeps the earlier settings, the CPU budget going to the Bible.
FULL = {"train_chars": {"bible": None, "python": 600_000}, "test_chars": {"bible": 200_000, "python": 100_000},
        # the Bible holds out no validation text: its dynamic step was chosen on one (the last 100,000 training
        # characters, held out of training) in an earlier run, and its LSTM trains on all the training text
        "validation_chars": {"bible": 0, "python": 50_000}, "dynamic_lr": {"bible": 0.3, "python": None},
        "lstm": {"bible": {"hidden_size": 512, "num_layers": 1, "dropout": 0.0, "embedding_size": 64, "epochs": 3,
                           "lr": 5e-3, "lr_schedule": "onecycle"},
                 "python": {"hidden_size": 256, "num_layers": 1, "dropout": 0.0, "embedding_size": 64, "epochs": 2,
                            "lr": 3e-3, "lr_schedule": None}},
        "sample_chars": 300}
QUICK = {"train_chars": {"bible": 40_000, "python": 30_000}, "test_chars": {"bible": 5_000, "python": 5_000},
         "validation_chars": {"bible": 3_000, "python": 3_000}, "dynamic_lr": {"bible": None, "python": None},
         "lstm": {"bible": {"hidden_size": 64, "num_layers": 1, "dropout": 0.0, "embedding_size": 32, "epochs": 3,
                            "lr": 5e-3, "lr_schedule": "onecycle"},
                  "python": {"hidden_size": 64, "num_layers": 1, "dropout": 0.0, "embedding_size": 32, "epochs": 3,
                             "lr": 3e-3, "lr_schedule": None}},
         "sample_chars": 80}
TRAINING = {"batch_size": 16, "window": 200, "tbptt_steps": 100, "clip_grad_norm": 1.0}  # both corpora
LSTM_KEYS = tuple(QUICK["lstm"]["bible"])  # what one corpus's LSTM settings give
# dynamic evaluation: the segment after which the weights take a step, and the step sizes tried on validation
DYNAMIC = {"segment": 100, "lrs": (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)}
ADAPTIVE_BLOCK = 2_000  # the adaptive 5-gram model is refitted every this many test characters
ORDER = 5


def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], Any] = print) -> dict:
    """Train and score the character LSTM, the 5-gram model and xz on each corpus; see the module docstring.

    Returns ``{"recipe", "task", "data", "settings", "results", "samples", "machine"}``: ``results[corpus]``
    maps ``lstm``, ``kneser_ney``, ``xz``, ``xz_primed`` to ``{"name", "bpc"}`` (the LSTM also with
    ``train_seconds`` and its loss curve); ``samples[corpus]`` the LSTM's text at each temperature. Raises
    ValueError for a bad argument and a one-line RuntimeError naming ``scripts/install_debs.sh`` when the
    ``bible`` reader is missing.
    """
    out = check_run_arguments("charlm", quick, seed, out, log)  # "~/runs" as a shell reads it
    budget = QUICK if quick else FULL
    device = resolve_device("auto")
    texts = {"bible": bible_text(), "python": python_source()}
    data, results, samples = {}, {}, {}
    for corpus in CORPORA:
        train, validation, test, where = split_corpus(corpus, texts[corpus], budget["train_chars"][corpus],
                                                      budget["test_chars"][corpus],
                                                      budget["validation_chars"][corpus])
        vocab = Vocab.build([train], level="char")
        train_ids, validation_ids, test_ids = vocab.encode(train), vocab.encode(validation), vocab.encode(test)
        unknown = int((test_ids == vocab.unk_id).sum())
        data[corpus] = {"train_chars": len(train), "validation_chars": len(validation), "test_chars": len(test),
                        "alphabet": len(vocab) - 4, "test_unknown_chars": unknown, "split": where}
        log(f"{corpus}: {len(train):,} training / {len(validation):,} validation / {len(test):,} test "
            f"characters, {len(vocab) - 4} symbols")

        row = {}
        start = time.perf_counter()
        lstm = budget["lstm"][corpus]
        model, history = fit_lstm(train_ids, len(vocab), lstm, seed=seed, device=device)
        fitted = time.perf_counter()
        bpc = stream_bits(model, test_ids)
        row["lstm"] = {"name": f"LSTM ({model_size(lstm)}), truncated BPTT", "bpc": bpc,
                       "train_seconds": fitted - start, "test_seconds": time.perf_counter() - fitted,
                       "train_loss_per_epoch_bits": [v / math.log(2) for v in history]}
        log(f"{corpus}: LSTM {bpc:.3f} bpc ({fitted - start:.0f} s)")
        row["lstm_dynamic"] = dynamic_row(model, validation_ids, test_ids, lr=budget["dynamic_lr"][corpus],
                                          log=lambda m: log(f"{corpus}: {m}"))
        kn = KneserNey(ORDER, len(vocab)).fit(train_ids.numpy())
        row["kneser_ney"] = {"name": f"{ORDER}-gram, interpolated Kneser-Ney", "bpc": kn.bits(test_ids.numpy()),
                             "discounts": kn.discounts}
        row["kneser_ney_adaptive"] = {
            "name": f"{ORDER}-gram, refitted every {ADAPTIVE_BLOCK:,} test characters",
            "bpc": adaptive_kneser_ney_bits(train_ids.numpy(), test_ids.numpy(), ORDER, len(vocab),
                                            block=ADAPTIVE_BLOCK)}
        row["xz"] = {"name": "xz -9 on the test text", "bpc": xz_bits(test)}
        row["xz_primed"] = {"name": "xz -9 given the training text", "bpc": xz_bits(test, primer=train)}
        log(f"{corpus}: 5-gram {row['kneser_ney']['bpc']:.3f} (adaptive {row['kneser_ney_adaptive']['bpc']:.3f}), "
            f"xz {row['xz']['bpc']:.3f}, xz primed "
            f"{row['xz_primed']['bpc']:.3f} bpc")
        results[corpus] = row
        samples[corpus] = sample_texts(model, vocab, PROMPTS[corpus], budget["sample_chars"], seed=seed)

    results = {
        "recipe": "charlm",
        "task": "character-level language modelling: bits per character on held-out text",
        "data": data,
        "settings": {"quick": quick, "seed": seed, "cell": "lstm", "lstm": budget["lstm"],
                     **TRAINING, "optimizer": "AdamW", "device": device, "ngram_order": ORDER,
                     "dynamic_evaluation": {"segment": DYNAMIC["segment"], "lrs": list(DYNAMIC["lrs"])},
                     "adaptive_block": ADAPTIVE_BLOCK,
                     "temperatures": list(TEMPERATURES)},
        "results": results,
        "samples": samples,
        "machine": machine(device),
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     figures={"curves": curves_figure(results)}, machine_info=results["machine"])
    return results


# -- data ----------------------------------------------------------------------------------------------------
def bible_text() -> str:
    """``bible Gen1:1-Rev22:21``'s output: the whole King James Bible, as the reader prints it."""
    reader = shutil.which("bible")
    if reader is None:
        raise RuntimeError(f"charlm needs the King James Bible reader `bible`, which is not installed; run "
                           f"`{INSTALL}` (Debian package bible-kjv)")
    text = subprocess.run([reader, "Gen1:1-Rev22:21"], capture_output=True, text=True, check=True).stdout
    if len(text) < 1_000_000:
        raise RuntimeError(f"`bible Gen1:1-Rev22:21` printed only {len(text)} characters; reinstall bible-kjv "
                           f"with `{INSTALL}`")
    return text.lstrip("\n")


def python_files() -> list[Path]:
    """The standard library's ``.py`` files, sorted, without ``site-packages`` and the test suites."""
    root = Path(sysconfig.get_paths()["stdlib"])
    skip = {"site-packages", "test", "tests", "idle_test", "__pycache__"}
    return sorted(p for p in root.rglob("*.py") if not skip & set(p.relative_to(root).parts))


def python_source() -> dict[str, str]:
    """``{relative path: source}`` of :func:`python_files` (read as UTF-8; a file that is not is an error)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in python_files()}


def split_corpus(corpus: str, text: str | dict[str, str], train_chars: int | None, test_chars: int,
                 validation_chars: int = 0) -> tuple[str, str, str, str]:
    """``(train, validation, test, description)`` of a corpus; see the module docstring. The validation text
    is training text that the model does not train on: the Bible's ``validation_chars`` characters just
    before the test text (from a line start), Python's the characters of the training files just after the
    training text.

    ``corpus`` is one of :data:`CORPORA`: ``"bible"`` cuts a str, ``"python"`` a dict of ``{path: source}``;
    ``test_chars`` is an integer >= 1, ``validation_chars`` >= 0 and ``train_chars`` >= 1 or None (all the
    text before), and the parts must fit the text (a ValueError names the sizes otherwise)."""
    _check_split(corpus, text, train_chars, test_chars, validation_chars)
    if corpus == "bible":
        cut = text.index("\n", len(text) - test_chars) + 1  # the test text starts at a line
        held = text.index("\n", cut - validation_chars) + 1 if validation_chars else cut
        start = 0 if train_chars is None else max(0, held - train_chars)
        _warn_short("train_chars", train_chars, held, "text before the validation and test texts")
        return (text[start:held], text[held:cut], text[cut:],
                "the last characters of the Bible are the test text, the characters before it the validation text")
    test = [f for f in text if zlib.crc32(f.encode()) % 20 == 0]
    train = [f for f in text if zlib.crc32(f.encode()) % 20 != 0]
    joined = lambda files: "\n".join(text[f] for f in files)
    train_text, test_text = joined(train), joined(test)
    end = len(train_text) - validation_chars if train_chars is None else min(train_chars, len(train_text))
    _warn_short("train_chars", train_chars, len(train_text), f"{len(train)} training files")
    _warn_short("test_chars", test_chars, len(test_text), f"{len(test)} test files")
    return (train_text[:end], train_text[end: end + validation_chars], test_text[:test_chars],
            f"by file: {len(test)} test files (CRC-32 of the path = 0 mod 20), {len(train)} training files "
            f"(the validation text follows the training text in them)")


def _warn_short(name: str, asked: int | None, held: int, where: str) -> None:
    """Warn that :func:`split_corpus`'s part ``name`` holds ``held`` characters, fewer than the ``asked`` ones: all
    of ``where`` is taken, and the results (bits per character over another length) would read as of the size
    asked."""
    if asked is not None and asked > held:
        warnings.warn(f"split_corpus: {name}={asked:,} asks for more than the {where} hold ({held:,} characters), so "
                      f"that part is all {held:,} of them; ask for {name} <= {held:,} (or give more text) to silence "
                      "this", UserWarning, stacklevel=3)


def source_key(source: str) -> str:
    """A source file as :func:`split_corpus` compares copies: its lines without trailing spaces, ``\\r\\n`` and
    ``\\r`` read as ``\\n`` (a copy checked out on Windows, or re-saved by an editor, is still a copy)."""
    return "\n".join(line.rstrip() for line in source.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


def _described(text) -> str:
    """``text``'s type for :func:`_check_split`'s message, and for a dict the types of its first item that is not a
    str path to a str source."""
    bad = next(((k, v) for k, v in text.items() if not (isinstance(k, str) and isinstance(v, str))), None) \
        if isinstance(text, dict) else None
    if bad:
        k, v = bad
        return f"a dict of {type(k).__name__} to {type(v).__name__} ({short_repr(k)}: {short_repr(v)})"
    return type(text).__name__


def _corpus_fix(text, corpus: str) -> str:
    """How to give :func:`split_corpus` ``text`` as ``corpus``'s text: a str for ``"bible"``, a dict of
    ``{path: source}`` for ``"python"`` (the message's fix), each fix code that runs as written on the value
    given, named as the fix names it (``text``, ``lines``, ``paths``, ``files``)."""
    lines = isinstance(text, list | tuple) and bool(text) and all(isinstance(x, str) for x in text)
    # files' paths: Paths (python_files()'s), or str paths as glob.glob gives them (one line each, a .py or a folder)
    paths = isinstance(text, list | tuple) and bool(text) and all(
        isinstance(x, os.PathLike) or isinstance(x, str) and "\n" not in x and (x.endswith(".py") or "/" in x
                                                                                 or os.sep in x) for x in text)
    if isinstance(text, bytes):
        if corpus == "python":  # one file's source read as bytes: a dict of one
            return "give it as a dict of {path: source}, its text decoded: {'file.py': text.decode('utf-8')}"
        return "decode it first: text.decode('utf-8') (the file's encoding), or read it with open(path).read()"
    if corpus == "bible":
        if lines:
            ended = all(x.endswith("\n") for x in text[:-1])  # readlines() keeps each line's break
            join = "''" if ended else "'\\n'"  # the separator as the user writes it in code
            return f"join the lines first: {join}.join(lines) (as open(path).read() reads the whole file)"
        if isinstance(text, dict):
            return "a dict of {path: source} is cut by file with corpus='python'"
        return "give the text itself (open(path).read())"
    if paths:
        return "read the files first: {str(p): open(p).read() for p in paths}"  # a str path or a Path alike
    if isinstance(text, dict):
        return ("give each path as a str and each source as the file's text: {str(p): s.decode('utf-8') if "
                "isinstance(s, bytes) else s for p, s in files.items()}")
    return "cut one text by its last lines with corpus='bible'"


def _check_split(corpus, text, train_chars, test_chars, validation_chars) -> None:
    """ValueError naming the argument of :func:`split_corpus` it cannot cut the text by."""
    who = "split_corpus"
    if corpus not in CORPORA:
        raise ValueError(f"{who}: corpus must be one of {CORPORA} (how the text is cut: a str by its last lines, a "
                         f"dict of files by file), got {corpus!r}")
    for name, value, least in (("test_chars", test_chars, 1), ("validation_chars", validation_chars, 0),
                               ("train_chars", 1 if train_chars is None else train_chars, 1)):
        if not is_count(value, least):
            extra = " or None (all of it)" if name == "train_chars" else ""
            raise ValueError(f"{who}: {name} must be an integer >= {least}{extra}, got {value!r}"
                             f"{int_meant_fix(name, value, least)}")
    if corpus == "bible":
        if not isinstance(text, str):
            raise ValueError(f"{who}: the bible corpus is one str, got {type(text).__name__}; "
                             f"{_corpus_fix(text, 'bible')}")
        if test_chars + validation_chars >= len(text):
            raise ValueError(f"{who}: test_chars={test_chars} and validation_chars={validation_chars} leave no "
                             f"training text in a text of {len(text):,} characters; ask for fewer")
        if "\n" not in text[len(text) - test_chars:]:
            raise ValueError(f"{who}: the last {test_chars:,} characters hold no line break, where the test text "
                             "starts (at a line); ask for more test characters or give text with line breaks")
        # the test text starts after the first line break in its last test_chars characters (the validation text
        # likewise before it): a line break that ends the text under a longer last line would leave it empty
        cut = text.index("\n", len(text) - test_chars) + 1
        if len(text) - cut < 2:  # no character to predict
            body = text[:-1] if text.endswith("\n") else text
            last = len(body) - 1 - body.rfind("\n")
            raise ValueError(f"{who}: the test text starts at the first line start in the last {test_chars:,} "
                             f"characters, which leaves {len(text) - cut} of them to test on (the text's last line "
                             f"is {last:,} characters long); ask for more test characters than that line "
                             f"(test_chars > {last + 1})")
        if validation_chars and text.index("\n", cut - validation_chars) + 1 == cut:
            raise ValueError(f"{who}: the {validation_chars:,} characters before the test text hold no line break "
                             "but the one that ends them, so the validation text (from a line start) would be empty; "
                             "ask for more validation characters than the line before the test text")
        return
    if not isinstance(text, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in text.items()):
        raise ValueError(f"{who}: the python corpus is a dict of {{path: source}} (str to str), got "
                         f"{_described(text)}; {_corpus_fix(text, 'python')}")
    tests = [f for f in text if zlib.crc32(f.encode()) % 20 == 0]
    if not tests:  # about 1 file in 20 is a test file: a few files may give none, and an empty test text
        raise ValueError(f"{who}: none of the {len(text)} files is a test file (one whose path's CRC-32 is 0 mod 20, "
                         "about 1 file in 20), so the test text would be empty; give more files (a few dozen), or "
                         "join them into one text and cut it with corpus='bible' (its last lines the test text)")
    first: dict[str, str] = {}  # a file's source (source_key) -> the first training path that holds it
    for f, v in text.items():
        if zlib.crc32(f.encode()) % 20 != 0 and v.strip():
            first.setdefault(source_key(v), f)
    copies = [(f, first[source_key(v)]) for f, v in text.items()
              if zlib.crc32(f.encode()) % 20 == 0 and source_key(v) in first]
    if copies:  # a copy (a vendored module, a file kept twice) in both parts: its test text was trained on
        (f, g), n = copies[0], len(copies)
        how = "" if text[f] == text[g] else ", the two differing only in line endings or trailing spaces"
        raise ValueError(f"{who}: test file {f!r} holds the same source as training file {g!r} ({n} test file(s) "
                         f"repeat a training file){how}, so its test text would be scored as text seen in training; "
                         "keep one copy of each source: seen = {}; files = {p: s for p, s in files.items() if "
                         "seen.setdefault(charlm.source_key(s), p) == p}")
    train_text = sum(len(v) + 1 for f, v in text.items() if zlib.crc32(f.encode()) % 20 != 0) - 1
    if validation_chars >= train_text:
        raise ValueError(f"{who}: validation_chars={validation_chars} leaves no training text in the training "
                         f"files' {max(train_text, 0):,} characters; ask for fewer")
    if validation_chars and train_chars is not None and train_chars + validation_chars > train_text:  # it follows
        raise ValueError(f"{who}: train_chars={train_chars:,} and validation_chars={validation_chars:,} ask for more "
                         f"than the training files' {train_text:,} characters, and the validation text follows the "
                         f"training text in them, so it would hold {max(train_text - train_chars, 0):,}; ask for "
                         f"train_chars <= {train_text - validation_chars:,}, or train_chars=None (the rest of them)")


# -- the recurrent model -------------------------------------------------------------------------------------
def fit_lstm(train_ids: torch.Tensor, vocab_size: int, lstm: dict, *, seed: int, device: str):
    """Train a :class:`rnnkit.models.LanguageModel` by truncated BPTT over parallel streams of the training
    text, with ``lstm``'s sizes, epochs and learning rate (``lr_schedule="onecycle"``: PyTorch's OneCycleLR
    through :class:`~rnnkit.training.module.SequenceModule`); return it in eval mode on the CPU, and the
    training loss (nats per character) per epoch."""
    from ..models import LanguageModel
    from ..training import seeded_fit
    from ..training.data import TokenStreams
    from ..training.module import SequenceModule

    check_lstm_settings(lstm, "fit_lstm", LSTM_KEYS)
    check_epochs(lstm["epochs"], "fit_lstm", "the LSTM settings' epochs")
    streams = TokenStreams(train_ids, TRAINING["batch_size"], TRAINING["window"])
    build = lambda: SequenceModule(LanguageModel(vocab_size, lstm["hidden_size"], cell="lstm",
                                                 embedding_size=lstm["embedding_size"],
                                                 num_layers=lstm["num_layers"], dropout=lstm["dropout"]),
                                   lr=lstm["lr"], lr_schedule=lstm["lr_schedule"],
                                   clip_grad_norm=TRAINING["clip_grad_norm"], tbptt_steps=TRAINING["tbptt_steps"],
                                   stateful=True)
    module = seeded_fit(build, DataLoader(streams, batch_size=None, shuffle=False), seed=seed,
                        max_epochs=lstm["epochs"], device=device).module
    return module.model.eval().cpu(), module.history["train_loss"]


@torch.no_grad()
def stream_bits(model, ids: torch.Tensor, *, chunk: int = 4096) -> float:
    """Bits per character of ``ids[1:]``, each predicted from all the characters before it: the test text
    read as one stream in pieces of ``chunk`` characters with the recurrent state carried from piece to
    piece, so the result does not depend on ``chunk``. Ids of any integer dtype (int32, a numpy array's) are
    read as int64, the dtype the loss takes. The model is read in eval mode (no dropout), whatever its mode."""
    ids = _check_stream(ids, "stream_bits", chunk=chunk)
    state, bits = None, 0.0
    with eval_mode(model):
        for s in range(0, len(ids) - 1, chunk):
            x, y = ids[s: s + chunk], ids[s + 1: s + chunk + 1]
            x = x[: len(y)]
            logits, state = model(x[None], None, state)  # (1, n, V)
            bits += float(F.cross_entropy(logits[0].double(), y, reduction="sum")) / math.log(2)
    return bits / (len(ids) - 1)


def _check_stream(ids, who: str, **size) -> torch.Tensor:
    """``ids`` as an int64 tensor, or a ValueError unless it is one stream of 2 or more integer ids ``(N,)`` and the
    piece size a count: a piece of 0 is range()'s error, a stream of one id has no character to predict. Other
    integer dtypes (int32 from numpy or a tokenizer) are widened: cross_entropy takes int64 targets only."""
    (name, value), = size.items()
    if not is_count(value):
        raise ValueError(f"{who}: {name} must be an integer >= 1 (characters per piece), got {value!r}"
                         f"{int_meant_fix(name, value, 1)}")
    if isinstance(ids, np.ndarray) and ids.dtype.kind in "iu":
        ids = torch.from_numpy(ids.astype(np.int64))
    if not isinstance(ids, torch.Tensor) or ids.dim() != 1 or len(ids) < 2:
        shape = tuple(ids.shape) if isinstance(ids, torch.Tensor) else type(ids).__name__
        raise ValueError(f"{who}: ids must be one stream of 2 or more character ids, a 1-D tensor (N,) "
                         f"(vocab.encode(text)), got {shape}")
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise ValueError(f"{who}: ids must be integer character ids (vocab.encode(text)), got a tensor of "
                         f"{str(ids.dtype).removeprefix('torch.')}; a float id cannot index the vocabulary: give "
                         "ids.long() if they hold whole numbers")
    return ids.long()


def dynamic_bits(model, ids: torch.Tensor, *, lr: float, segment: int = 100) -> float:
    """Bits per character of ``ids[1:]`` under dynamic evaluation (Mikolov et al. 2010; Krause et al. 2018):
    the text read as one stream in segments of ``segment`` characters, the state carried throughout; each
    segment is scored with the current weights, then one SGD step of size ``lr`` on its mean loss (the
    gradient through that segment only) adapts a copy of the model to the text read so far. Each character
    is still predicted only from the characters before it; ``lr=0`` gives :func:`stream_bits`'s figure. The copy
    is in eval mode (no dropout), whatever the model's mode."""
    from ..training.module import detach_state

    ids = _check_stream(ids, "dynamic_bits", segment=segment)
    if not (isinstance(lr, int | float) and not isinstance(lr, bool) and math.isfinite(lr) and lr >= 0):
        raise ValueError(f"dynamic_bits: lr must be a finite step size >= 0 (0: the static model), got {lr!r}")
    model = copy.deepcopy(model).eval()  # the adapted weights without dropout, as stream_bits scores them
    params = [p for p in model.parameters() if p.requires_grad]
    state, bits = None, 0.0
    for s in range(0, len(ids) - 1, segment):
        y = ids[s + 1: s + segment + 1]
        logits, state = model(ids[s: s + len(y)][None], None, state)
        loss = F.cross_entropy(logits[0].double(), y, reduction="sum")
        bits += float(loss.detach()) / math.log(2)
        if lr:
            grads = torch.autograd.grad(loss / len(y), params)
            with torch.no_grad():
                torch._foreach_add_(params, grads, alpha=-lr)
        state = detach_state(state)
    return bits / (len(ids) - 1)


def dynamic_row(model, validation_ids: torch.Tensor, test_ids: torch.Tensor, *, lr: float | None = None,
                log: Callable[[str], Any] = print) -> dict:
    """Dynamic evaluation's step chosen on the validation text among ``DYNAMIC["lrs"]`` (none, when no step
    beats the static model there), or ``lr`` as given (chosen on a validation text before), then the test
    text's bits per character with it."""
    segment = DYNAMIC["segment"]
    if lr is None:
        if len(validation_ids) < 2:
            raise ValueError("dynamic evaluation needs a validation text to choose its step, or a step lr=")
        validation = {"0": stream_bits(model, validation_ids)}
        for step in DYNAMIC["lrs"]:
            validation[str(step)] = dynamic_bits(model, validation_ids, lr=step, segment=segment)
        lr = float(min(validation, key=validation.get))
        how = "chosen on validation: " + ", ".join(f"{k}: {v:.3f}" for k, v in validation.items())
    else:
        validation, how = None, "given"
    start = time.perf_counter()
    bpc = dynamic_bits(model, test_ids, lr=lr, segment=segment)
    log(f"LSTM with dynamic evaluation {bpc:.3f} bpc (step {lr} {how})")
    return {"name": f"LSTM, dynamic evaluation (an SGD step after each {segment}-character segment)", "bpc": bpc,
            "lr": lr, "segment": segment, "validation_bpc": validation, "test_seconds": time.perf_counter() - start}


@torch.no_grad()
def sample_texts(model, vocab: Vocab, prompt: str, n: int, *, seed: int) -> dict[str, str]:
    """``{temperature: prompt + n sampled characters}`` for each of ``TEMPERATURES``, the vocabulary's ``<pad>``,
    ``<unk>``, ``<bos>`` and ``<eos>`` never drawn. The prompt is a non-empty str of characters the vocabulary
    has: one it lacks would be read as ``<unk>`` and echoed as that. The model samples in eval mode (no dropout),
    whatever its mode, so one seed gives one text (a model given saved weights by ``load_state_dict`` is in
    training mode)."""
    if not isinstance(prompt, str) or not prompt:
        raise ValueError(f"sample_texts: prompt must be a non-empty str for the model to continue, got {prompt!r}")
    if not is_count(n, 0):
        raise ValueError(f"sample_texts: n must be an integer >= 0 (the characters to sample after the prompt), "
                         f"got {n!r}{int_meant_fix('n', n)}")
    size = getattr(model, "vocab_size", len(vocab))
    if size != len(vocab):  # ids of one vocabulary decoded by another: text, but not the model's
        raise ValueError(f"sample_texts: the model predicts {size} symbols but the vocabulary has {len(vocab)}, so "
                         "its ids would be read as other characters; give the Vocab the model was trained with (the "
                         "one that encoded its training text)")
    prompt_ids = vocab.encode(prompt)
    unknown = sorted({c for c, i in zip(prompt, prompt_ids.tolist(), strict=True) if i == vocab.unk_id})
    if unknown:
        raise ValueError(f"sample_texts: the prompt {prompt!r} holds {len(unknown)} character(s) the model's "
                         f"vocabulary lacks ({', '.join(map(repr, unknown[:10]))}), which it would read as <unk>; "
                         "write the prompt in characters of the training text")
    out = {}
    for t in TEMPERATURES:
        g = torch.Generator().manual_seed(seed)
        # the vocabulary's <pad>, <unk>, <bos> and <eos> are never text: a model trained on encoded text gives them
        # some probability, and they would come out among the characters (<eos> dropped by decode_text: fewer than n
        # characters, the ones either side of it joined)
        ids = model.generate(prompt_ids, n, temperature=t, generator=g,  # in eval mode: dropout would not draw from g
                             exclude=[vocab.pad_id, vocab.unk_id, vocab.bos_id, vocab.eos_id])
        out[str(t)] = vocab.decode_text(ids)
    return out


# -- baselines -----------------------------------------------------------------------------------------------
class KneserNey:
    """Interpolated Kneser-Ney n-gram model over integer symbols ``0..V-1`` (Kneser & Ney 1995; Chen & Goodman
    1999, eq. 26), one absolute discount per order ``D_k = n1 / (n1 + 2 n2)`` in ``(0, 1]`` (``n_r``: how many
    k-grams have count ``r``; 0.5 when no k-gram has count 1)::

        p_k(w | h) = (max(a_k(h w) - D_k, 0) + D_k N1+(h •) p_{k-1}(w | h')) / Σ_v a_k(h v)
                                                        if h was seen, else p_{k-1}(w | h')
        p_0(w)     = 1 / V

    ``h`` is the context of ``k - 1`` symbols and ``h'`` it without its first symbol; ``a_k`` is the count of
    the k-gram for the highest order and its continuation count ``N1+(• h w)`` (the number of distinct
    symbols seen before it) for the lower ones; ``N1+(h •)`` is the number of distinct symbols seen after
    ``h``. Every ``p_k(· | h)`` sums to 1 over the V symbols. At the start of a text the context is shorter
    and the model starts at the order it has.
    """

    def __init__(self, order: int, vocab_size: int):
        for name, value in (("order", order), ("vocab_size", vocab_size)):
            if not is_count(value, 1):
                raise ValueError(f"KneserNey: {name} must be an integer >= 1, got {value!r}"
                                 f"{int_meant_fix(name, value, 1)}")
        if vocab_size ** order >= 2**62:
            fits = max(k for k in range(1, order) if vocab_size ** k < 2**62) if vocab_size < 2**62 else 0
            fix = f"give order={fits} or less, or a smaller alphabet" if fits else "give a smaller alphabet"
            raise ValueError(f"KneserNey: a {order}-gram over {vocab_size} symbols does not fit a 64-bit key "
                             f"({vocab_size}**{order} >= 2**62); {fix}")
        self.order, self.V = order, vocab_size

    def _ids(self, ids, who: str, ndim: int = 1) -> np.ndarray:
        """``ids`` (of ``ndim`` dimensions) as int64, or a ValueError that begins with ``who``: ids outside
        ``0..V-1`` would collide in the base-V keys of another symbol's n-grams, and a float id be cut to an
        integer."""
        raw = np.asarray(ids)
        if raw.ndim != ndim or not (np.issubdtype(raw.dtype, np.integer) or raw.size == 0):
            raise ValueError(f"{who}: ids must be a {ndim}-D array of integer symbol ids, got dtype {raw.dtype} "
                             f"and shape {raw.shape}; encode the text first (e.g. Vocab.encode)")
        bad = (raw < 0) | (raw >= self.V)
        if bad.any():
            at = np.unravel_index(int(np.argmax(bad)), raw.shape)
            i = ", ".join(map(str, at))
            raise ValueError(f"{who}: ids[{i}] is {raw[at]}, outside 0..{self.V - 1} (vocab_size="
                             f"{self.V}; {int(bad.sum())} such ids); give vocab_size the size of the vocabulary "
                             "that encoded them (len(vocab))")
        return raw.astype(np.int64)

    def fit(self, ids: np.ndarray) -> KneserNey:
        ids = self._ids(ids, "KneserNey.fit")
        if len(ids) < self.order:
            raise ValueError(f"KneserNey.fit: ids hold {len(ids)} symbol(s), fewer than the {self.order} of one "
                             f"{self.order}-gram, so there is nothing to count; give a training text of "
                             f"{self.order} symbols or more (or a lower order, KneserNey({max(len(ids), 1)}, "
                             f"{self.V}))")
        self.tables, self.discounts = {}, []
        grams = {k: np.unique(self._keys(ids, k), return_counts=True) for k in range(1, self.order + 1)}
        for k in range(1, self.order + 1):
            if k == self.order:
                keys, counts = grams[k]
            else:  # continuation counts: distinct symbols before each k-gram among the seen (k+1)-grams
                keys, counts = np.unique(grams[k + 1][0] % self.V**k, return_counts=True)
            n1, n2 = np.sum(counts == 1), np.sum(counts == 2)
            # D = 0 (no singletons) would leave nothing for unseen symbols: then the common default 0.5
            d = float(n1 / (n1 + 2 * n2)) if n1 > 0 else 0.5
            contexts, first = np.unique(keys // self.V, return_index=True)
            totals = np.add.reduceat(counts, first)  # Σ_v a_k(h v), keys being sorted by context
            types = np.diff(np.append(first, len(keys)))  # N1+(h •)
            self.tables[k] = (keys, counts, contexts, totals, types)
            self.discounts.append(d)
        return self

    def _keys(self, ids: np.ndarray, k: int) -> np.ndarray:
        """The k-gram ending at each position ``i >= k - 1`` as one integer, base V, oldest symbol first."""
        key = np.zeros(len(ids) - k + 1, dtype=np.int64)
        for j in range(k):
            key = key * self.V + ids[j: len(ids) - k + 1 + j]
        return key

    @staticmethod
    def _lookup(table: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(table, query), len(table) - 1)
        return np.where(table[at] == query, values[at], 0)

    def probs(self, context: np.ndarray, symbols: np.ndarray) -> np.ndarray:
        """``p(symbols[i] | context[i])`` for ``context (n, m)`` (``m < order`` symbols each, oldest first)
        and ``symbols (n,)``, integer ids in ``0..V-1`` as :meth:`fit` reads them (a ValueError otherwise: a flat
        context would be cut into rows of another length, a float id cut to an integer, an id outside the
        vocabulary read as another symbol's n-gram)."""
        if not hasattr(self, "tables"):
            raise ValueError("KneserNey.probs: the model has not been fitted; fit(train_ids) it first")
        if np.ndim(symbols) == 0:  # one symbol: the ids' check would say only its shape, ()
            raise ValueError(f"KneserNey.probs: symbols is one id, {symbols!r}, but probs scores one symbol per row "
                             f"of context; give a 1-D array, [{symbols!r}], with a context of one row")
        symbols = self._ids(symbols, "KneserNey.probs: symbols")
        raw, m = np.asarray(context), self.order - 1
        if raw.ndim != 2 or len(raw) != len(symbols):
            raise ValueError(f"KneserNey.probs: context must be (n, m), a row of the m <= {m} symbols before each "
                             f"of the {len(symbols)} symbols (oldest first), got shape {raw.shape}; one context for "
                             "every symbol: np.tile(context, (len(symbols), 1))")
        if raw.shape[1] > m:  # else a KeyError for the order the model does not have
            last = f"context[:, -{m}:]" if m else "context[:, :0]"
            raise ValueError(f"KneserNey.probs: context holds {raw.shape[1]} symbols a row, but a {self.order}-gram "
                             f"model reads the last {m} before each symbol; give {last}")
        context = self._ids(raw, "KneserNey.probs: context", ndim=2)
        p = np.full(len(symbols), 1.0 / self.V)
        for k in range(1, context.shape[1] + 2):
            keys, counts, contexts, totals, types = self.tables[k]
            h = np.zeros(len(symbols), dtype=np.int64)
            for j in range(context.shape[1] - (k - 1), context.shape[1]):
                h = h * self.V + context[:, j]
            a = self._lookup(keys, counts, h * self.V + symbols)
            total = self._lookup(contexts, totals, h)
            n_types = self._lookup(contexts, types, h)
            d = self.discounts[k - 1]
            seen = total > 0
            p = np.where(seen, (np.maximum(a - d, 0) + d * n_types * p) / np.maximum(total, 1), p)
        return p

    def bits(self, ids: np.ndarray, *, start: int = 1) -> float:
        """Bits per symbol of ``ids[start:]``, each predicted from up to ``order - 1`` symbols before it
        (``start >= 1``: the symbols before ``start`` are context only; 0 scores the first by the symbols'
        frequencies). ``ids`` must hold a symbol from ``start`` on: the bits per symbol of none are undefined."""
        if not hasattr(self, "tables"):
            raise ValueError("KneserNey.bits: the model has not been fitted; fit(train_ids) it first")
        ids = self._ids(ids, "KneserNey.bits")
        if not is_count(start, 0):
            raise ValueError(f"KneserNey.bits: start must be an integer >= 0 (the first symbol to score), got "
                             f"{start!r}{int_meant_fix('start', start)}")
        if start >= len(ids):  # else 0 / 0, or 0 bits over a negative count of symbols
            raise ValueError(f"KneserNey.bits: ids hold {len(ids)} symbol(s), none from start={start} on to score "
                             f"(the symbols before start are context only), so the bits per symbol are undefined; "
                             f"give a text of {start + 1} symbols or more")
        m = self.order - 1
        total = 0.0
        for i in range(start, min(m, len(ids))):  # the first symbols: the context they have
            total -= math.log2(self.probs(ids[None, :i], ids[i: i + 1])[0])
        first = max(m, start)
        if len(ids) > first:
            context = np.lib.stride_tricks.sliding_window_view(ids[first - m: -1], m)  # ids[i-m:i] for i >= first
            total -= np.log2(self.probs(context, ids[first:])).sum()
        return float(total / (len(ids) - start))


def adaptive_kneser_ney_bits(train_ids: np.ndarray, test_ids: np.ndarray, order: int, vocab_size: int, *,
                             block: int) -> float:
    """Bits per symbol of ``test_ids[1:]`` under a :class:`KneserNey` model refitted every ``block`` symbols
    on the training symbols and the test symbols before the block: each symbol predicted only from what came
    before it, as :meth:`KneserNey.bits` predicts it (the same contexts), by counts that include the test
    text read so far. ``block`` is an integer >= 1, and the test text holds 2 symbols or more (the first is
    context only); the ids are checked as :class:`KneserNey` checks them (integers in ``0..vocab_size - 1``)."""
    if not is_count(block, 1):  # a negative block would score no symbol: 0 bits
        raise ValueError(f"adaptive_kneser_ney_bits: block must be an integer >= 1 (test symbols between refits), "
                         f"got {block!r}{int_meant_fix('block', block, 1)}")
    # a float id is refused, not cut to an integer; an id outside the vocabulary named
    model = KneserNey(order, vocab_size)
    train_ids, test_ids = (model._ids(v, f"adaptive_kneser_ney_bits: {name}")
                           for name, v in (("train_ids", train_ids), ("test_ids", test_ids)))
    if len(test_ids) < 2:
        raise ValueError(f"adaptive_kneser_ney_bits: the test text holds {len(test_ids)} symbol(s), but its first is "
                         "context only, so there is no symbol to score; give a test text of 2 symbols or more")
    total = 0.0
    for s in range(1, len(test_ids), block):
        kn = KneserNey(order, vocab_size).fit(np.concatenate([train_ids, test_ids[:s]]))
        total += kn.bits(test_ids[max(0, s - order + 1): s + block], start=min(s, order - 1)) \
            * (min(s + block, len(test_ids)) - s)
    return total / (len(test_ids) - 1)


def xz_bits(text: str, *, primer: str | None = None) -> float:
    """Bits per character of ``text`` under ``xz -9`` (the XZ format, preset 9): ``8 |xz(text)| / len(text)``,
    or with ``primer``, ``8 (|xz(primer + text)| - |xz(primer)|) / len(text)``. Both are put in Unicode's composed
    form (NFC) first, as :class:`~rnnkit.data.text.Vocab` reads text for the models: an ``'é'`` typed as ``'e'`` and
    a combining accent (macOS, some keyboards) is one character to every model of the table, not two."""
    if not isinstance(text, str) or not text:
        raise ValueError("xz_bits: text must be a non-empty str (bits per character of nothing are undefined), got "
                         + (repr(text) if isinstance(text, str) else type(text).__name__))
    text = unicodedata.normalize("NFC", text)
    primer = None if primer is None else unicodedata.normalize("NFC", primer)
    size = lambda s: len(lzma.compress(s.encode("utf-8"), format=lzma.FORMAT_XZ, preset=9))
    if primer is None:
        return 8 * size(text) / len(text)
    return 8 * (size(primer + text) - size(primer)) / len(text)


# -- report --------------------------------------------------------------------------------------------------
def title(results: dict) -> str:
    return ("Character-level language model (King James Bible, Python source)"
            + (" (quick run)" if results["settings"]["quick"] else ""))


def curves_figure(results: dict) -> Figure:
    fig = Figure(figsize=(6.0, 3.5), layout="constrained")
    ax = fig.subplots()
    for corpus in CORPORA:
        curve = results["results"][corpus]["lstm"]["train_loss_per_epoch_bits"]
        ax.plot(range(1, len(curve) + 1), curve, marker="o", label=f"{corpus}: training")
        ax.axhline(results["results"][corpus]["lstm"]["bpc"], linestyle="--", label=f"{corpus}: test")
    ax.set_xlabel("epoch")
    ax.set_ylabel("bits per character")
    ax.legend()
    return fig


def check_lstm_settings(lstm, who: str, keys: tuple[str, ...]) -> None:
    """ValueError naming the ``keys`` that the LSTM settings ``lstm`` (a dict, as ``FULL["lstm"]["bible"]``)
    lack."""
    if not isinstance(lstm, dict):
        raise ValueError(f"{who}: the LSTM settings must be a dict of {list(LSTM_KEYS)}, as "
                         f"charlm.FULL['lstm']['bible'], got {type(lstm).__name__}")
    missing = [k for k in keys if k not in lstm]
    if missing:
        raise ValueError(f"{who}: the LSTM settings lack {missing} (they have {list(lstm)}); give each of "
                         f"{list(keys)}, e.g. from charlm.FULL['lstm']['bible'] (dropout 0.0, num_layers 1 for one "
                         "layer without dropout)")


def model_size(lstm: dict) -> str:
    """``"512 units"``, or ``"2 layers of 512 units, dropout 0.1"``."""
    check_lstm_settings(lstm, "model_size", ("hidden_size", "num_layers", "dropout"))
    layers = f"{lstm['num_layers']} layers of " if lstm["num_layers"] > 1 else ""
    dropout = f", dropout {lstm['dropout']}" if lstm["dropout"] else ""
    return f"{layers}{lstm['hidden_size']} units{dropout}"


def markdown(results: dict) -> str:
    s, d = results["settings"], results["data"]
    per_corpus = "; ".join(
        f"{c}: {model_size(m)} over {m['embedding_size']}-dimensional character embeddings, "
        f"{m['epochs']} epochs, {s['optimizer']} lr {m['lr']}"
        + (" peak under OneCycleLR" if m["lr_schedule"] == "onecycle" else " constant")
        for c, m in s["lstm"].items())
    lines = [f"LSTM ({per_corpus}); {s['batch_size']} parallel streams, windows of {s['window']} characters, "
             f"state carried between windows, truncated every {s['tbptt_steps']} steps; clip-norm "
             f"{s['clip_grad_norm']}; seed {s['seed']}." + (" Quick run." if s["quick"] else ""),
             "", "| model | " + " | ".join(f"{c} (bits per character)" for c in CORPORA) + " |",
             "|---|" + "---|" * len(CORPORA)]
    for key in ("lstm", "lstm_dynamic", "kneser_ney", "kneser_ney_adaptive", "xz_primed", "xz"):
        name = "LSTM, truncated BPTT" if key == "lstm" else results["results"][CORPORA[0]][key]["name"]
        lines.append(f"| {name} | "
                     + " | ".join(f"{results['results'][c][key]['bpc']:.3f}" for c in CORPORA) + " |")
    lines.append("")
    for c in CORPORA:
        seconds = results["results"][c]["lstm"]["train_seconds"]
        dyn = results["results"][c]["lstm_dynamic"]
        lines.append(f"- {c}: {d[c]['train_chars']:,} training / {d[c]['validation_chars']:,} validation / "
                     f"{d[c]['test_chars']:,} test characters, "
                     f"{d[c]['alphabet']} symbols, {d[c]['test_unknown_chars']} test characters unseen in "
                     f"training; split {d[c]['split']}; LSTM trained in {seconds:.0f} s; dynamic evaluation's "
                     f"step {dyn['lr']} " + (
                         "chosen on the validation text (" + ", ".join(
                             f"{k}: {v:.3f}" for k, v in dyn["validation_bpc"].items()) + " bpc)."
                         if dyn["validation_bpc"] else "fixed by the recipe (chosen on a validation text before)."))
    for c in CORPORA:
        lines += ["", f"Samples ({c}), prompt {PROMPTS[c]!r}:"]
        for t, text in results["samples"][c].items():
            lines += ["", f"temperature {t}:", "", "```", text, "```"]
    return "\n".join(lines) + "\n"
