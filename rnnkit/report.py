"""One way to report a measured result: the machine it ran on, mean ± sd, and one page a person opens.

:func:`write_report` writes three files into a directory, each atomically:

==================  ==================================================================================
``report.json``     ``{"title", "machine", "results"}``: every number, strict JSON (NaN and ±inf as null)
``report.md``       the title, the caller's markdown, the machine line, :data:`SD_NOTE` (on a page that
                    shows ±), the figures linked
``report.html``     the same page rendered to HTML, self-contained: the figures embedded as base64 PNG
==================  ==================================================================================

and each figure as ``NAME.png`` beside them. ``rnnkit demo``, ``rnnkit compare``, ``rnnkit clipping`` and the
applications report through it, so "±" means the same thing on every page: the sample standard deviation
(:func:`mean_sd`).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import numbers
import os
import platform
import re
import statistics
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path

import markdown as markdown_lib
import numpy as np
import torch
from matplotlib.figure import Figure

from .checks import is_count
from .data.memmap import atomic_write, strict_json

SD_NOTE = "Mean ± sd over n runs: sd is the sample standard deviation (n - 1 in the denominator)."


def mean_sd(values) -> tuple[float, float]:
    """The mean and the sample standard deviation (``ddof=1``) of ``values``; the sd of one value is nan
    (one run says nothing about the spread), and so is the sd of values of which one is not finite (a run
    that diverged: the mean is then nan or infinite too). ValueError for no values, and for any that is no number
    (text, None, a row), naming its position: text of digits is not read as its number."""
    if isinstance(values, str | bytes):  # iterating one gives its characters: "12" would be the runs 1 and 2
        raise ValueError(f"mean_sd: values must be numbers, one per run (a list or 1-D array), got the str "
                         f"{values!r}; convert the text first (e.g. [float(v) for v in text.split()])")
    if not isinstance(values, Iterable) or isinstance(values, np.ndarray | torch.Tensor) and values.ndim == 0:
        raise ValueError(f"mean_sd: values must be numbers, one per run (a list or 1-D array), got {_described(values)}"
                         f"; pass [{values!r}] for one run")
    if isinstance(values, Mapping):  # iterating a dict gives its keys
        raise ValueError(f"mean_sd: values is a dict, and iterating one gives its keys ({list(values)[:3]!r}), not "
                         f"its numbers; pass list(values.values())")
    values = list(values)
    for i, v in enumerate(values):
        if not _is_number(v):
            raise ValueError(f"mean_sd: values[{i}] is {_described(v)}, not a number; give one number per run"
                             + _number_fix(v))
    values = [float(v) for v in values]
    if not values:
        raise ValueError("mean_sd: no values; give at least one")
    spread = len(values) > 1 and all(map(math.isfinite, values))  # statistics.stdev fails on nan and inf
    try:
        return statistics.fmean(values), statistics.stdev(values) if spread else math.nan
    except OverflowError:  # finite values near float's limit (a run that all but diverged): their sum overflows
        scale = max(abs(v) for v in values)
        scaled = [v / scale for v in values]
        return statistics.fmean(scaled) * scale, statistics.stdev(scaled) * scale if spread else math.nan


def _is_number(v) -> bool:
    """A real number: Python's, numpy's or a 0-d array or tensor of one (a bool counts as 0 or 1, as numpy's mean
    takes it)."""
    if isinstance(v, torch.Tensor):
        return v.ndim == 0 and not v.is_complex()
    if isinstance(v, np.ndarray | np.generic):
        return v.ndim == 0 and v.dtype.kind in "biuf"
    return isinstance(v, numbers.Real)


def _described(v) -> str:
    if v is None:
        return "None"
    if isinstance(v, torch.Tensor | np.ndarray):
        return f"a {'tensor' if isinstance(v, torch.Tensor) else 'numpy array'} of shape {tuple(v.shape)}"
    return f"the {type(v).__name__} {v!r}"


def _number_fix(v) -> str:
    if isinstance(v, str | bytes):
        return " (numbers written as text: convert them first, e.g. [float(v) for v in values])"
    if v is None:
        return " (a run without a result: leave it out, or give nan for a run that diverged)"
    if isinstance(v, torch.Tensor | np.ndarray | list | tuple):
        return " (one value per run in a flat list or 1-D array: several numbers per run are several statistics)"
    return ""


def format_mean_sd(values, digits: int = 3) -> str:
    """``"0.912 ± 0.013"``: :func:`mean_sd` of ``values`` written by :func:`format_stat`."""
    return format_stat(*mean_sd(values), digits=digits)


def format_stat(mean: float, sd: float | None, digits: int = 3) -> str:
    """``"0.912 ± 0.013"``: the mean to ``digits`` significant digits and the sd to ``digits - 1`` (whole
    numbers with thousands separators from 1000 on, and where the whole part has more than ``digits`` digits
    (``"1,000 ± 0.4"`` for 999.6, not ``"1e+03"``), powers of ten from 1e15 on: ``"1.25e+308 ± 3.5e+307"``);
    without an sd (nan or None: one run) ``"0.912 (n = 1)"``."""
    if not is_count(digits):  # else Python's "Format specifier missing precision" or a precision of 0 read as 1
        raise ValueError(f"format_stat: digits must be an integer >= 1 (significant digits of the mean), got "
                         f"{digits!r}")
    if not _is_number(mean):  # else "bad operand type for abs()" or a format error from deep in the f-string
        text = "; convert it first: float(mean)" if isinstance(mean, str) else ""
        raise ValueError(f"format_stat: mean must be a number, got {_described(mean)}{text}")
    if sd is not None and not (_is_number(sd) and not sd < 0):  # nan passes: one run
        raise ValueError(f"format_stat: sd must be a standard deviation, a number >= 0 (nan or None for one run), got "
                         f"{_described(sd)}")
    sd = math.nan if sd is None else sd
    huge = math.isfinite(mean) and abs(mean) >= 1e15  # past float's whole numbers: 1e308 would be 309 digits
    big = abs(mean) >= 1000 and not huge
    m = f"{mean:.{digits - 1}e}" if huge else f"{mean:,.0f}" if big else f"{mean:.{digits}g}"
    if "e" in m and not huge and abs(mean) >= 1:  # a whole part longer than digits: 999.6 to 3 is '1e+03'
        m = f"{mean:,.0f}"
    if not math.isfinite(mean):  # a diverged run among them: no spread to give
        return m
    if math.isnan(sd):
        return f"{m} (n = 1)"
    if huge:
        return f"{m} ± {sd:.{max(digits - 2, 0)}e}"
    return f"{m} ± {sd:,.0f}" if big else f"{m} ± {sd:.{max(digits - 1, 1)}g}"


def machine(device: str = "cpu") -> dict:
    """The machine a report's numbers come from: processor (its model name where Linux says it), core count,
    torch's threads, the GPU on ``device="cuda"``, versions."""
    import lightning

    processor = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            processor = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {
        "device": device,
        "platform": platform.platform(),
        "processor": processor,
        "cpu_cores": os.cpu_count(),
        "cpu_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "lightning": lightning.__version__,
    }
    if device == "cuda":
        info["gpu"] = f"{torch.cuda.get_device_name()}, CUDA {torch.version.cuda}"
    return info


def machine_line(info: dict | None = None) -> str:
    """One line for a report from :func:`machine`'s dict (this machine's, on CPU, when ``info`` is None)."""
    info = machine() if info is None else info
    where = info.get("gpu") or (f"{info['processor']}, {info.get('cpu_cores', '?')} cores, "
                                f"{info['cpu_threads']} torch thread(s)")
    return f"{where} ({info['platform']}; torch {info['torch']}, lightning {info['lightning']})"


def _check_machine_info(info) -> None:
    """ValueError unless ``info`` holds what :func:`machine_line` reads (else a KeyError once the page is made)."""
    if not isinstance(info, Mapping):
        raise ValueError(f"write_report: machine_info must be the dict of rnnkit.report.machine() (where the numbers "
                         f"were measured), got {type(info).__name__}")
    need = ("platform", "torch", "lightning", *(() if info.get("gpu") else ("processor", "cpu_threads")))
    if missing := [k for k in need if k not in info]:
        raise ValueError(f"write_report: machine_info lacks {', '.join(map(repr, missing))}, which the page's machine "
                         "line reads; pass rnnkit.report.machine(device) run where the numbers were measured (or add "
                         "those keys to it)")


# extensions of other image formats: a figure named so would be written as PNG under NAME.pdf.png
_OTHER_IMAGE = re.compile(r"\.(pdf|svg|svgz|eps|ps|jpe?g|tiff?|gif|webp|bmp)$", re.IGNORECASE)


def _figure_file(name: str) -> str:
    """The file a figure named ``name`` is written to: ``name`` itself where it ends in ``.png`` (any case), else
    ``NAME.png``. A name that is no str, holds a folder, is hidden or ``report.*``, or ends in another image format's
    extension (``'curves.pdf'``, which would be PNG bytes in ``curves.pdf.png``) is a ValueError naming the fix. A
    path object (``Path('curves')``) is read as its text, under the same rules."""
    if isinstance(name, os.PathLike):  # Path('curves'): its text, a plain file name as any other
        name = os.fspath(name)
    if not isinstance(name, str):
        raise ValueError(f"write_report: figure name {name!r} is of type {type(name).__name__}, not a str (the file's "
                         f"name); name it by text: figures={{{str(name)!r}: fig}}")
    if (other := _OTHER_IMAGE.search(name)) is not None:
        raise ValueError(f"write_report: figure name {name!r} ends in {other.group()!r}, but the report writes each "
                         f"figure as PNG, so it would be {name}.png; name it {name[:other.start()]!r} (written as "
                         f"{name[:other.start()]}.png), or save that format yourself: fig.savefig({name!r})")
    file = name if name.lower().endswith(".png") else f"{name}.png"
    if not name or Path(file).name != file or file.startswith(".") or file.startswith("report."):
        plain = Path(file).name.lstrip(".")[:-4]  # the name's last part, without its dots and .png
        if not plain or plain == "report" or plain.startswith("report."):
            plain = f"figure_{plain}".rstrip("_")
        fix = f"; name it {plain!r} (written in the report's own folder)" if name else ""
        raise ValueError(f"write_report: figure name {name!r} must be a plain file name (no folders, not hidden, "
                         f"not report.*){fix}")
    return file


_EXTENSIONS = ["tables", "sane_lists", "fenced_code"]  # Python-Markdown's own: pipe tables, ``` blocks
_STYLE = """body{font-family:system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em;line-height:1.45}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}
th{background:#f2f2f2}img{max-width:100%}figure{margin:1em 0}figcaption{color:#555}
code{background:#f4f4f4;padding:0 .2em}pre{white-space:pre-wrap;background:#f4f4f4;padding:.5em}"""


_SEPARATOR_CELL = re.compile(r"^\s*:?-+:?\s*$")


def _table_cells(line: str) -> list[str]:
    """The cells of one pipe-table line, as Python-Markdown's tables extension splits them: on ``|`` but not an
    escaped ``\\|`` nor one inside a code span (opened by a run of backticks, closed by a run of as many: `` `a|b` ``,
    ``` ``a|b`` ```), the line's outer pipes not counted."""
    text = line.strip()
    cells, cell, ticks, escaped, i = [], "", 0, False, 0
    while i < len(text):
        c = text[i]
        if c == "`" and not escaped:
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            ticks = run if not ticks else 0 if run == ticks else ticks
            cell += "`" * run
            i += run
            continue
        if c == "|" and not ticks and not escaped:
            cells.append(cell)
            cell = ""
        else:
            cell += c
        escaped = c == "\\" and not escaped
        i += 1
    cells.append(cell)
    if text.startswith("|"):
        cells = cells[1:]
    if text.endswith("|") and not text.endswith("\\|") and cells:
        cells = cells[:-1]
    return [c.strip() for c in cells]


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _check_tables(markdown: str) -> None:
    """ValueError for a pipe table of ``markdown`` that report.html would not show as written: a row of more or
    fewer cells than the header (Python-Markdown drops a row's extra cells and fills missing ones with blanks at
    the end, so a row missing a middle column shows its values under the columns before them), a separator line
    of another number of cells than the header, or a table right below a line of text (in either case the whole
    table is shown as a paragraph of pipes). The rule is Python-Markdown's own: a table is a header line of pipes
    over a separator line of ``---`` cells (``:---:`` aligned, outer pipes optional); a table refused as a
    paragraph is refused only where Python-Markdown, given that line and the table, shows no table (a heading,
    an HTML comment or block above it is fine). Fenced blocks (``` or ~~~, of any length) and indented code
    blocks hold no tables."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    fence = None  # the opening fence's run (``` or ~~~), while inside a fenced block
    for n, line in enumerate(lines):
        if (opened := _FENCE.match(line)) is not None:
            run = opened.group(1)
            if fence is None:
                fence = run
                continue
            if run[0] == fence[0] and len(run) >= len(fence) and not line.strip().strip(run[0]):
                fence = None
                continue
        if fence is not None or n == 0 or "-" not in line or "|" not in line:
            continue
        if lines[n - 1].expandtabs(4).startswith("    ") or line.expandtabs(4).startswith("    "):
            continue  # an indented code block (or a list's continuation), shown as written
        separator = _table_cells(line)
        if not all(_SEPARATOR_CELL.match(c) for c in separator) or "|" not in lines[n - 1]:
            continue
        header = _table_cells(lines[n - 1])
        where = f"the table at line {n} of markdown (header {lines[n - 1].strip()[:60]!r})"
        last = next((m for m in range(n + 1, len(lines)) if not lines[m].strip() or "|" not in lines[m]), len(lines))
        if len(separator) != len(header) or n >= 2 and lines[n - 2].strip():
            own = "\n".join(lines[max(n - 2, 0):last])  # the line above and the table, as Python-Markdown reads them
            if "<table>" in markdown_lib.markdown(own, extensions=_EXTENSIONS):
                continue
        if len(separator) != len(header):
            raise ValueError(f"write_report: {where} has {len(header)} header cell(s) but {len(separator)} in its "
                             "separator line, so report.html would show the whole table as a paragraph of pipes; "
                             f"give the separator one cell per column ({'|'.join(['---'] * len(header))})")
        if n >= 2 and lines[n - 2].strip():
            raise ValueError(f"write_report: {where} follows the line {lines[n - 2].strip()[:40]!r} with no blank "
                             "line between, so report.html would show the table as part of that paragraph; put a "
                             "blank line before the table")
        for m in range(n + 1, last):
            cells = _table_cells(lines[m])
            if len(cells) != len(header):
                shown = ("its last cell(s) dropped" if len(cells) > len(header) else
                         "its values under the first columns and blanks after them")
                raise ValueError(f"write_report: row {m - n} of {where} (line {m + 1}: {lines[m].strip()[:60]!r}) has "
                                 f"{len(cells)} cell(s) but the header {len(header)} ({', '.join(header)}), so "
                                 f"report.html would show it with {shown}; give every row one cell per column (an "
                                 "empty one as '| |' or '-'), or escape a | within a cell as \\|")


def read_report(path: str | os.PathLike) -> dict | None:
    """The record of the ``report.json`` that :func:`write_report` wrote in ``path`` (its title, machine and
    results among its keys); None where ``path`` holds none, or one that cannot be read or is not such a record."""
    try:
        record = json.loads((Path(path) / "report.json").read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and {"title", "machine", "results"} <= record.keys() else None


def is_report_directory(path: str | os.PathLike) -> bool:
    """Whether ``path`` holds a ``report.json`` written by :func:`write_report` (its title, machine and results)."""
    return read_report(path) is not None


def check_report_directory(out: str | os.PathLike, name: str) -> None:
    """ValueError unless ``out`` can take a report: a new path, an empty directory, or the directory of an
    earlier report (which the new one replaces); never a file, an rnnkit model directory or another non-empty
    directory, whose files the report's would be mixed with (or fail on after the whole run), nor a path under a
    file or in a directory that takes no new file (:func:`_check_writable`). ``name`` says
    where ``out`` came from in the message (``"--out runs/a"``, ``"compare: out='runs/a'"``)."""
    from .checks import path_kind
    from .io import is_model_directory, is_training_directory

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{name} is {path_kind(out)}; give a directory for the report (it is created if missing)")
    if out.is_dir() and (is_model_directory(out) or is_training_directory(out)):
        raise ValueError(f"{name} is an rnnkit model directory; write the report to a new or empty directory")
    if out.is_dir() and any(out.iterdir()) and not is_report_directory(out):
        raise ValueError(f"{name} is a non-empty directory that is not an rnnkit report; refusing to write into "
                         "it: choose a new or empty directory")
    _check_writable(out, name)


def _check_writable(out: Path, name: str) -> None:
    """ValueError, before any work, if the report could not be written to ``out``: it lies under a file, or its
    nearest existing directory takes no new file. Tried by creating one (and removing it): permission bits say
    nothing for root, a read-only mount or an immutable directory. Nothing is left behind."""
    import tempfile

    existing = next(p for p in (out, *out.parents) if p.exists())
    if not existing.is_dir():
        raise ValueError(f"{name} lies under {str(existing)!r}, which is a file; give a directory for the report (it "
                         "is created if missing)")
    try:
        fd, probe = tempfile.mkstemp(prefix=".report.", suffix=".probe", dir=existing)
    except OSError as e:
        raise ValueError(f"{name}: cannot create files in {str(existing)!r} ({e.strerror}); choose another location "
                         "or make it writable") from None
    os.close(fd)
    os.unlink(probe)


def _linked_figures(directory: Path) -> set[str]:
    """The PNG files the report in ``directory`` links from its report.md (as :func:`write_report` writes them)."""
    try:
        text = (directory / "report.md").read_text()
    except (OSError, UnicodeDecodeError):
        return set()
    links = re.findall(r"^!\[[^\]\n]*\]\(([^)/\n]+\.png)\)$", text, flags=re.MULTILINE | re.IGNORECASE)
    found = {urllib.parse.unquote(m) for m in links}
    return {m for m in found if not m.startswith(".") and "/" not in m}


def write_report(directory: str | os.PathLike, *, title: str, results: dict, markdown: str,
                 figures: dict[str, Figure] | None = None, machine_info: dict | None = None) -> dict[str, Path]:
    """Write ``report.json``, ``report.md``, ``report.html`` and one ``NAME.png`` per figure into ``directory``
    (created if needed), each file atomically; return ``{file name: path}``.

    ``results`` is the JSON-ready record (non-finite numbers are written as null, so every reader parses it);
    ``markdown`` the page's body (headings, paragraphs, tables, lists), followed on the page by the machine line
    and, where the body shows a ±, :data:`SD_NOTE`; ``figures`` maps a name (``"curves"``
    or ``"curves.png"``) to a matplotlib figure, saved as PNG, linked from ``report.md`` and embedded in
    ``report.html``. ``machine_info`` is :func:`machine`'s dict of where the numbers were measured (default:
    this machine, CPU).
    """
    directory = Path(directory)
    file = next((p for p in (directory, *directory.parents) if p.exists() and not p.is_dir()), None)
    if file is not None:  # else mkdir's FileExistsError or NotADirectoryError
        where = "is a file" if file == directory else f"lies under {str(file)!r}, which is a file"
        raise ValueError(f"write_report: {str(directory)!r} {where}; give a directory for the report (it is "
                         "created if missing)")
    for name, text in (("title", title), ("markdown", markdown)):
        if not isinstance(text, str):  # else an AttributeError or TypeError from deep in the page's making
            part = "heading" if name == "title" else "body"
            raise ValueError(f"write_report: {name} must be a str (the page's {part}), got {type(text).__name__}")
    _check_tables(markdown)  # before anything is written
    info = machine() if machine_info is None else machine_info
    _check_machine_info(info)
    if figures is not None and not isinstance(figures, Mapping):
        raise ValueError(f"write_report: figures must be a dict of name -> matplotlib Figure (e.g. {{'curves': fig}}), "
                         f"got {type(figures).__name__}")
    for name, figure in (figures or {}).items():  # before anything is written
        if not isinstance(figure, Figure):
            drawable = callable(getattr(figure, "plot", None))  # a diagnostic's result, say
            hint = f" (draw it first: figures={{{name!r}: result.plot()}})" if drawable else ""
            raise ValueError(f"write_report: figures[{name!r}] is a {type(figure).__name__}, not a matplotlib "
                             f"Figure{hint}")
    files = {}  # file -> the first figure name written to it
    for name in figures or {}:  # before anything is written
        file = _figure_file(name)
        if file in files:  # the second figure would replace the first, one drawn and lost
            raise ValueError(f"write_report: figures {files[file]!r} and {name!r} are both written to "
                             f"{file!r} (a name without .png is given it), so one would replace the other; give each "
                             "figure a name of its own")
        files[file] = name
    pngs = {}
    for file, name in files.items():
        buf = io.BytesIO()
        figures[name].savefig(buf, format="png", dpi=110)
        pngs[file] = buf.getvalue()
    record = json.dumps({"title": title, "machine": strict_json(info, "machine_info", "write_report"),
                         "results": strict_json(results, "results", "write_report")}, indent=1,
                        ensure_ascii=False, allow_nan=False)  # before writing anything: bad results write nothing
    note = f"\n{SD_NOTE}\n" if "±" in markdown else ""  # said wherever a ± is shown
    body = f"{markdown.strip()}\n\nMachine: {machine_line(info)}.\n{note}"
    # percent-encoded: a Markdown link ends at a space, so ![loss curve](loss curve.png) would show no figure
    links = "".join(f"\n![{Path(f).stem}]({urllib.parse.quote(f)})\n" for f in pngs)
    embedded = "".join(
        f'<figure><img alt="{html.escape(Path(f).stem)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        f"<figcaption>{html.escape(Path(f).stem)}</figcaption></figure>\n"
        for f, png in pngs.items()
    )
    page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{html.escape(title)}</title>\n'
            f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
            f"{markdown_lib.markdown(body, extensions=_EXTENSIONS)}\n{embedded}</body>\n</html>\n")

    directory.mkdir(parents=True, exist_ok=True)
    # an earlier report's figures that this one does not draw would stay beside it, as if they were its own
    stale = _linked_figures(directory) - set(pngs) if is_report_directory(directory) else set()
    paths = {}
    for file, png in pngs.items():
        with atomic_write(directory / file, "wb") as f:
            f.write(png)
        paths[file] = directory / file
    for file, text in (("report.json", record + "\n"), ("report.md", f"# {title}\n\n{body}{links}"),
                       ("report.html", page)):
        with atomic_write(directory / file) as f:
            f.write(text)
        paths[file] = directory / file
    for file in sorted(stale):
        (directory / file).unlink(missing_ok=True)
    return paths
