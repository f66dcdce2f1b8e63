"""Applications: runnable recipes on real data that ships offline, each beside a baseline.

Every recipe is a module with ``run(*, quick=False, seed=0, out=None, log=print) -> dict``. It loads its real
data, trains rnnkit's recurrent model(s) and the baseline(s) on the same split, scores them on held-out data,
and, with ``out``, writes ``report.json`` and ``report.md`` there (:func:`write_report`). ``quick=True`` runs
a small subset in seconds (the tests use it); the figures in ``docs/apps/`` come from full runs.

================  ============================================================  ===========================
recipe            task (data)                                                   command
================  ============================================================  ===========================
``sentiment``     NLP: movie-review sentiment (IMDB, 25k reviews)               ``rnnkit app sentiment``
``speech``        speech: speaker recognition from cepstra (JapaneseVowels)     ``rnnkit app speech``
``stocks``        stock market: next-day S&P 500 volatility / returns           ``rnnkit app stocks``
``driving``       self-driving control: cloning a highway driver (highway-env)  ``rnnkit app driving``
``surveillance``  video: next-frame prediction on a hall camera (vtest.avi)     ``rnnkit app surveillance``
================  ============================================================  ===========================
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from types import ModuleType
from typing import Any

from ..data.memmap import atomic_write, write_json

RECIPES = ("sentiment", "speech", "stocks", "driving", "surveillance")


def recipe(name: str) -> ModuleType:
    """The module of recipe ``name`` (imported on demand: each needs its own optional packages)."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}")
    return importlib.import_module(f"{__name__}.{name}")


def write_report(out: str | os.PathLike, results: dict[str, Any], markdown: str) -> None:
    """Write ``report.json`` (``results``) and ``report.md`` into ``out`` atomically (created if needed)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    json.dumps(results)  # refuse what JSON cannot hold before anything is written
    write_json(out / "report.json", results)
    with atomic_write(out / "report.md") as f:
        f.write(markdown)
