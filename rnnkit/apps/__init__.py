"""Applications: runnable recipes on real data that ships offline, each beside a baseline.

Every recipe is a module with ``run(*, quick=False, seed=0, out=None, log=print) -> dict``. It loads its real
data, trains rnnkit's recurrent model(s) (through :func:`rnnkit.training.seeded_fit`) and the baseline(s) on
the same split, scores them on held-out data, and, with ``out``, writes ``report.json``, ``report.md`` and a
self-contained ``report.html`` with its plots embedded there (:func:`rnnkit.report.write_report`; the plots
also as PNG files). A number measured over several seeds is ``{"mean", "sd", "runs"}`` (:func:`over_runs`:
"±" is the sample sd on every page). ``quick=True`` runs a small subset in seconds (the tests use it); the
figures in ``docs/apps/`` come from full runs.

=================  ============================================================  ===========================
recipe             task (data)                                                   command
=================  ============================================================  ===========================
``sentiment``      NLP: movie-review sentiment (IMDB, 25k reviews)               ``rnnkit app sentiment``
``speech``         speech: speaker recognition from cepstra (JapaneseVowels)     ``rnnkit app speech``
``stocks``         stock market: next-day S&P 500 volatility / returns           ``rnnkit app stocks``
``driving``        self-driving control: cloning a highway driver (highway-env)  ``rnnkit app driving``
``surveillance``   video: next-frame prediction on a hall camera (vtest.avi)     ``rnnkit app surveillance``
``spoken-digits``  speech recognition: digits by unseen voices (espeak-ng)       ``rnnkit app spoken-digits``
``charlm``         text generation: character-level LM (KJV Bible, Python code)  ``rnnkit app charlm``
``dna``            DNA: Drosophila promoters vs dinucleotide shuffles (dm3)      ``rnnkit app dna``
``eventlogs``      event logs: anomalies in synthetic service logs               ``rnnkit app eventlogs``
=================  ============================================================  ===========================
"""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from ..checks import is_integer
from ..report import check_report_directory, mean_sd

RECIPES = ("sentiment", "speech", "stocks", "driving", "surveillance", "spoken-digits", "charlm", "dna", "eventlogs")


def recipe(name: str) -> ModuleType:
    """The module of recipe ``name`` (imported on demand: each needs its own optional packages); the command's
    spelling (``"spoken-digits"``) or the module's (``"spoken_digits"``)."""
    key = name.replace("_", "-") if isinstance(name, str) else name
    if key not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
    return importlib.import_module(f"{__name__}.{key.replace('-', '_')}")  # spoken-digits: spoken_digits


def over_runs(values: Iterable[float]) -> dict:
    """``{"mean", "sd", "runs"}`` of one number over runs (seeds): :func:`rnnkit.report.mean_sd`, so ``sd`` is
    the sample sd (``n - 1`` in the denominator); None for a single run, which shows no spread (and results
    stay strict JSON, which has no nan)."""
    runs = [float(v) for v in values]
    mean, sd = mean_sd(runs)
    return {"mean": mean, "sd": sd if len(runs) > 1 else None, "runs": runs}


def format_over_runs(stat: dict, digits: int = 3) -> str:
    """``"0.292 ± 0.018"`` for :func:`over_runs`' dict, with ``digits`` decimals; the mean alone for one run."""
    mean = f"{stat['mean']:.{digits}f}"
    return mean if stat["sd"] is None else f"{mean} ± {stat['sd']:.{digits}f}"


def check_run_arguments(name: str, quick, seed, out, log, *, seed_limit: int = 2**31) -> None:
    """``ValueError`` naming the argument of ``NAME.run`` that is not what every recipe takes: ``quick`` a
    bool, ``seed`` an integer in ``[0, seed_limit)``, ``out`` a directory path (not an existing file) or None,
    ``log`` callable. Called before any work."""
    who = f"{name}.run"
    if not isinstance(quick, bool):
        raise ValueError(f"{who}: quick must be True or False, got {quick!r}")
    if not is_integer(seed) or not 0 <= seed < seed_limit:
        raise ValueError(f"{who}: seed must be an integer in [0, {seed_limit}), got {seed!r}")
    if out is not None and not isinstance(out, str | os.PathLike):
        raise ValueError(f"{who}: out must be a directory path (str or os.PathLike) or None, got {type(out).__name__}")
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise ValueError(f"{who}: out={str(out)!r} exists and is not a directory")
    if out is not None:  # an rnnkit model or another non-empty directory: refused before the run
        check_report_directory(out, f"{who}: out={str(out)!r}")
        _check_writable(Path(out), who)
    if not callable(log):
        raise ValueError(f"{who}: log must be callable (print, logging.info, ...), got {type(log).__name__}")


def _check_writable(out: Path, who: str) -> None:
    """ValueError, before the run, if the report could not be written to ``out``: it lies under a file, or its
    nearest existing directory takes no new file. Tried by creating one (and removing it): permission bits say
    nothing for root, a read-only mount or an immutable directory. Nothing is left behind."""
    existing = next(p for p in (out, *out.parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"{who}: out={str(out)!r} lies under {str(existing)!r}, which is a file; give a directory "
                         "for the report (it is created if missing)")
    try:
        fd, probe = tempfile.mkstemp(prefix=".report.", suffix=".probe", dir=existing)
    except OSError as e:
        raise ValueError(f"{who}: out={str(out)!r}: cannot create files in {str(existing)!r} ({e.strerror}); choose "
                         "another location or make it writable") from None
    os.close(fd)
    os.unlink(probe)
