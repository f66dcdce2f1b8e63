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
import math
import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import ModuleType

from ..checks import closest_name, is_count, is_integer, path_kind, short_repr
from ..report import check_report_directory, mean_sd, read_report

# out named like one of the report's own files (or a page, a plot, a table): a directory of that name is written
PAGE_SUFFIXES = (".html", ".htm", ".md", ".json", ".png", ".svg", ".pdf", ".txt", ".csv")
RECIPES = ("sentiment", "speech", "stocks", "driving", "surveillance", "spoken-digits", "charlm", "dna", "eventlogs")


def recipe(name: str) -> ModuleType:
    """The module of recipe ``name`` (imported on demand: each needs its own optional packages); the command's
    spelling (``"spoken-digits"``) or the module's (``"spoken_digits"``)."""
    key = name.replace("_", "-") if isinstance(name, str) else name
    if key not in RECIPES:  # names are exact, as the command's RECIPE argument takes them: a guess is said, not taken
        text = " ".join(key.lower().split()).replace(" ", "-") if isinstance(key, str) else None
        close = text if text in RECIPES else closest_name(text, RECIPES)
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}"
                         + (f"; did you mean {close!r}?" if close else ""))
    return importlib.import_module(f"{__name__}.{key.replace('-', '_')}")  # spoken-digits: spoken_digits


def over_runs(values: Iterable[float]) -> dict:
    """``{"mean", "sd", "runs"}`` of one number over runs (seeds): :func:`rnnkit.report.mean_sd`, so ``sd`` is
    the sample sd (``n - 1`` in the denominator); None for a single run, which shows no spread (and results
    stay strict JSON, which has no nan). Values that are no number (text of digits included: ``"03"`` and ``"3"``
    are one number) are refused by :func:`~rnnkit.report.mean_sd`, naming the run."""
    values = list(values) if isinstance(values, Iterable) and not isinstance(values, str | bytes) else values
    mean, sd = mean_sd(values)
    runs = [float(v) for v in values]
    return {"mean": mean, "sd": sd if len(runs) > 1 else None, "runs": runs}


def format_over_runs(stat: dict, digits: int = 3) -> str:
    """``"0.292 ± 0.018"`` for :func:`over_runs`' dict, with ``digits`` decimals; the mean alone for one run and
    for runs of which one diverged (a NaN mean, which report.json holds as null: ``"nan"``). Any record of keys
    ``mean`` and ``sd`` is read: the dict, one read back from report.json, a row of a frame of them (a pd.Series);
    the runs' values, one number or a record without them are refused, naming the fix."""
    keyed = callable(getattr(stat, "keys", None))  # a dict or Mapping, a pd.Series (iterating which gives values)
    if not keyed or not {"mean", "sd"} <= set(stat.keys()):
        got = (f"a {'dict' if isinstance(stat, Mapping) else type(stat).__name__} of keys "
               f"{sorted(map(str, stat.keys()))}" if keyed else f"{type(stat).__name__} {short_repr(stat, 40)}")
        fix = ("format_over_runs(over_runs(values)) for the runs' values" if keyed
               or (isinstance(stat, Iterable) and not isinstance(stat, str | bytes)) else
               "format_over_runs(over_runs([value])) for one run's value, or over_runs(values) of the runs")
        raise ValueError(f"format_over_runs: stat must be over_runs' dict {{'mean', 'sd', 'runs'}}, got {got}; give "
                         f"{fix}")
    mean = math.nan if stat["mean"] is None else stat["mean"]
    text = f"{mean:.{digits}f}"
    sd = stat["sd"]
    return text if sd is None or not math.isfinite(mean) or math.isnan(sd) else f"{text} ± {sd:.{digits}f}"


SEED_LIMIT = 2**31  # a recipe's seeds, and those of its runs, lie in [0, SEED_LIMIT)


def run_seeds(seed: int, runs: int, who: str) -> list[int]:
    """The seeds of a recipe's ``runs`` repeated runs for its own ``seed``: ``seed * runs`` to
    ``seed * runs + runs - 1``, so the runs of two seeds are disjoint, independent repeats (``seed, seed + 1,
    ...`` gave ``seed=1`` four of ``seed=0``'s five runs, and nearly its mean). One run is ``[seed]``, and
    ``seed=0``'s runs are ``0 .. runs - 1`` as before. A ValueError where the last would reach ``SEED_LIMIT``."""
    first = seed * runs
    if first + runs > SEED_LIMIT:
        raise ValueError(f"{who}: seed={seed} with {runs} runs gives the runs seeds {first:,} to {first + runs - 1:,} "
                         f"(seed * {runs} onwards, apart from every other seed's runs), past {SEED_LIMIT:,}; give a "
                         f"seed below {SEED_LIMIT // runs:,}")
    return list(range(first, first + runs))


def check_epochs(epochs, who: str, name: str = "epochs") -> None:
    """ValueError unless ``epochs`` (the option ``name`` of ``who``) is an integer >= 1: the training layer takes
    0 (no training), but a recipe's helper would then return its untrained model to be scored as a trained one."""
    if not is_count(epochs, 1):
        raise ValueError(f"{who}: {name} must be an integer >= 1 (passes over the training data), got {epochs!r}; "
                         "with none the model would be returned untrained and scored as if trained")


def check_same_order(a, b, who: str, names: tuple[str, str], unit: str, *, nouns: tuple[str, str] | None = None,
                     fix: str | None = None, apart: bool = True) -> None:
    """ValueError for ``a`` and ``b`` (named ``names``) that are both pandas objects of the same rows in other orders
    (one sorted or shuffled), or, when neither index is a fresh 0..n-1, of other rows of one length (each filtered
    apart): the recipes' metrics pair them by place, as numpy does, so each ``unit`` would be compared with another
    one's. A fresh Series (index 0..n-1) beside an indexed one is paired by place, as a list is. For rows filtered
    apart, ``nouns`` (one row of each, e.g. ``("text", "label")``) words the count of unpaired rows, and ``fix``
    replaces the advice (align them by index); ``apart=False`` leaves other rows alone, where pairing them by place
    is meant (a forecast indexed by the day it was made beside the next day's return)."""
    ia, ib = getattr(a, "index", None), getattr(b, "index", None)
    if not all(hasattr(i, "equals") for i in (ia, ib)) or len(ia) != len(ib) or ia.equals(ib):  # list.index: a method
        return
    import pandas as pd  # loaded already: both are pandas objects

    first, second = names
    owner = [f"{name}'" if name.endswith("s") else f"{name}'s" for name in names]  # texts' index, flagged's index
    starts = f"{owner[0]} index starts {ia[:3].tolist()}, {owner[1]} {ib[:3].tolist()}"
    if ia.sort_values().equals(ib.sort_values()):
        raise ValueError(f"{who}: {first} and {second} are pandas Series of the same {unit}s in other orders "
                         f"({starts}), and they are paired by place, so each {unit} would be compared with another "
                         f"one's; put them in one order first: {second} = {second}.loc[{first}.index]")
    if apart and not any(i.equals(pd.RangeIndex(len(i))) for i in (ia, ib)):  # pandas 3's df[mask]: RangeIndex(60, 120)
        missing = len(ia.difference(ib))
        unpaired = (f"{missing} {nouns[0]} row(s) have no {nouns[1]} row" if nouns
                    else f"{missing} of {owner[0]} rows are not in {second}")
        raise ValueError(f"{who}: {first} and {second} are pandas Series of {len(ia)} rows each but of other rows "
                         f"({starts}; {unpaired}), so pairing them by place would compare other {unit}s; "
                         + (fix or f"take both from one frame, or align them: {second} = {second}.loc[{first}.index]"))


def check_run_arguments(name: str, quick, seed, out, log, *, seed_limit: int = SEED_LIMIT) -> str | None:
    """``ValueError`` naming the argument of ``NAME.run`` that is not what every recipe takes: ``quick`` a
    bool, ``seed`` an integer in ``[0, seed_limit)``, ``out`` a directory path (not an existing file) or None,
    ``log`` callable. Called before any work. Returns ``out`` with a leading ``~`` read as the home directory, as
    a shell and ``rnnkit app --out`` read it (else a folder named ``~`` would be made in the working directory)."""
    who = f"{name}.run"
    if not isinstance(quick, bool):
        raise ValueError(f"{who}: quick must be True or False, got {quick!r}")
    if not is_integer(seed) or not 0 <= seed < seed_limit:
        raise ValueError(f"{who}: seed must be an integer in [0, {seed_limit}), got {seed!r}")
    if out is not None and not isinstance(out, str | os.PathLike):
        raise ValueError(f"{who}: out must be a directory path (str or os.PathLike) or None, got {type(out).__name__}")
    if out == "":  # os.environ.get("OUT", ""): Path("") is the working directory
        raise ValueError(f"{who}: out='' names no directory (it would be read as the working "
                         f"directory, {str(Path.cwd())!r}); give a directory path, or out=None to write no report")
    if out is not None:
        out = os.path.expanduser(out)
    if out is not None and Path(out).exists() and not Path(out).is_dir():
        raise ValueError(f"{who}: out={str(out)!r} is {path_kind(out)}, not a directory; give a directory for the "
                         "report (it is created if missing)")
    if out is not None and not Path(out).is_dir() and Path(out).suffix.lower() in PAGE_SUFFIXES:
        bare = Path(out).with_suffix("")
        warnings.warn(f"{who}: out={str(out)!r} is named like a {Path(out).suffix} file, but a recipe writes a "
                      "directory (report.json, report.md, report.html and the plots in it), so the page will be "
                      f"{str(Path(out) / 'report.html')!r} and {Path(out).name} a folder; name it without the "
                      f"suffix, e.g. out={str(bare)!r}", UserWarning, stacklevel=3)
    if out is not None:  # an rnnkit model, another non-empty directory, an unwritable place: refused before the run
        check_report_directory(out, f"{who}: out={str(out)!r}")
        _check_replaced_report(name, quick, out)
    if not callable(log):
        raise ValueError(f"{who}: log must be callable (print, logging.info, ...), got {type(log).__name__}")
    return out


def _check_replaced_report(name: str, quick: bool, out: str | os.PathLike) -> None:
    """ValueError where ``out`` holds an earlier report that recipe ``name``'s run would replace at a loss: another
    recipe's or command's, or a full run's where this run is quick (minutes to hours of work, replaced by a
    smaller run's numbers). A report of this recipe is replaced as before where the run is as large or larger."""
    record = read_report(out)
    if record is None:
        return
    results = record["results"] if isinstance(record["results"], dict) else {}
    settings = results.get("settings") if isinstance(results.get("settings"), dict) else {}
    recipe = results.get("recipe")
    recipe = recipe.replace("-", "_") if isinstance(recipe, str) else recipe  # "spoken-digits", as the command names it
    full = settings.get("quick", results.get("quick")) is False  # sentiment and stocks keep it beside the recipe
    if recipe == name and not (quick and full):
        return
    what = (f"a full run of the {name} recipe, which this quick run" if recipe == name
            else f"the {recipe} recipe's report, which the {name} recipe's" if isinstance(recipe, str)
            else "a report that is not a recipe's (another command's), which the recipe's")
    other = Path(out).with_name(f"{Path(out).name}-{name}{'-quick' if quick else ''}")
    raise ValueError(f"{name}.run: out={str(out)!r} holds {what} would replace ({record['title']!r} in its "
                     f"report.json); give another out (e.g. out={str(other)!r}), "
                     "or remove that folder first to replace its report")

