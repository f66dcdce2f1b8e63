"""rnnkit.report: the three files of a report, strict JSON, a self-contained HTML page, the sample sd."""

import base64
import json
import math
import os
from html.parser import HTMLParser
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from rnnkit.report import SD_NOTE, format_mean_sd, format_stat, machine, machine_line, mean_sd, write_report

STRICT = {"parse_constant": lambda c: pytest.fail(f"{c} in a JSON file: not JSON")}
BODY = "## Results\n\nA paragraph & more.\n\n| cell | metric |\n|---|---|\n| lstm | 0.912 ± 0.013 |\n\n- one\n- two\n"


def _figure() -> Figure:
    ax = Figure(figsize=(2, 2)).subplots()
    ax.plot([0, 1, 2], [1, 0, 1])
    return ax.figure


class _Links(HTMLParser):
    """Every src / href of a page, and its tags."""

    def __init__(self):
        super().__init__()
        self.links, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.links += [v for k, v in attrs if k in ("src", "href")]


def test_write_report_writes_json_markdown_and_a_self_contained_page(tmp_path):
    out = tmp_path / "new" / "report"  # created with its parents
    results = {"metric": [0.5, float("nan")], "best": float("inf"), "n": 3}
    paths = write_report(out, title="Cells <compared>", results=results, markdown=BODY,
                         figures={"curve": _figure()})
    names = {"report.json", "report.md", "report.html", "curve.png"}
    assert paths == {n: out / n for n in names}
    assert {p.name for p in out.iterdir()} == names  # nothing else: no temporary file left behind

    record = json.loads((out / "report.json").read_text(), **STRICT)  # NaN and inf written as null
    assert record == {"title": "Cells <compared>", "machine": machine(), "results": {"metric": [0.5, None],
                                                                                    "best": None, "n": 3}}

    md = (out / "report.md").read_text()
    assert md.startswith("# Cells <compared>\n\n" + BODY.strip())
    assert f"Machine: {machine_line()}." in md and SD_NOTE in md and "![curve](curve.png)" in md

    page = (out / "report.html").read_text()
    parsed = _Links()
    parsed.feed(page)
    assert parsed.links and all(link.startswith("data:") for link in parsed.links)  # nothing fetched
    assert "script" not in parsed.tags and "link" not in parsed.tags
    (image,) = parsed.links
    assert base64.b64decode(image.removeprefix("data:image/png;base64,")) == (out / "curve.png").read_bytes()
    assert (out / "curve.png").read_bytes()[:4] == b"\x89PNG"
    # the markdown rendered: heading, escaped text, a table, a list
    for html in ("<h1>Cells &lt;compared&gt;</h1>", "<h2>Results</h2>", "<p>A paragraph &amp; more.</p>",
                 "<td>0.912 ± 0.013</td>", "<li>one</li>", SD_NOTE):
        assert html in page


def test_the_sd_note_is_on_pages_that_show_a_plus_minus(tmp_path):
    write_report(tmp_path, title="t", results={}, markdown="No spread here.")
    assert SD_NOTE not in (tmp_path / "report.md").read_text()
    assert not any(p.suffix == ".png" for p in tmp_path.iterdir())


def test_a_failed_report_leaves_the_previous_one_and_no_temporary_file(tmp_path):
    write_report(tmp_path, title="first", results={"a": 1}, markdown="one")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    class Broken(Figure):
        def savefig(self, *args, **kwargs):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_report(tmp_path, title="second", results={"a": 2}, markdown="two", figures={"f": Broken()})
    with pytest.raises(TypeError, match=r"write_report: object in results is not JSON"):
        write_report(tmp_path, title="second", results={"a": object()}, markdown="two")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    with pytest.raises(ValueError, match=r"figure name '../up' must be a plain file name"):
        write_report(tmp_path, title="t", results={}, markdown="", figures={"../up": _figure()})


def test_each_file_is_replaced_atomically(tmp_path, monkeypatch):
    """A write that fails at the last moment (the rename onto report.html) leaves the old page whole and no
    temporary file beside it."""
    write_report(tmp_path, title="first", results={}, markdown="one")
    old_page = (tmp_path / "report.html").read_text()
    replace = os.replace

    def failing_replace(src, dst):
        if Path(dst).name == "report.html":
            raise OSError("no space left on device")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="no space left"):
        write_report(tmp_path, title="second", results={}, markdown="two " * 1000)
    assert (tmp_path / "report.html").read_text() == old_page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.json", "report.md"]
    assert "# second" in (tmp_path / "report.md").read_text()  # the files before it were replaced whole


def test_mean_sd_is_the_sample_sd():
    assert mean_sd([1, 2, 3]) == (2.0, 1.0)  # population sd would be 0.816
    assert mean_sd([2.0, 4.0]) == (3.0, pytest.approx(math.sqrt(2)))
    mean, sd = mean_sd([0.7])
    assert mean == 0.7 and math.isnan(sd)  # one run: no spread to report
    with pytest.raises(ValueError, match="mean_sd: no values"):
        mean_sd([])
    assert format_mean_sd([1, 2, 3]) == "2 ± 1"
    assert format_stat(0.912, 0.013) == "0.912 ± 0.013"
    assert format_stat(12345.6, 789.1) == "12,346 ± 789"
    assert format_mean_sd([0.25]) == "0.25 (n = 1)" and format_stat(0.25, None) == "0.25 (n = 1)"
    assert "sample standard deviation" in SD_NOTE and "n - 1" in SD_NOTE
