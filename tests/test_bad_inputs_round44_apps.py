"""Round 44 of bad inputs, the recipes (rnnkit/apps/*, rnnkit/report.py): each test fails on bb75261."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from rnnkit.report import machine, write_report  # noqa: E402

MACHINE = machine()


def _figure():
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [1, 0])
    return fig


def _write(tmp_path, figures):
    return write_report(tmp_path / "rep", title="t", results={"a": 1}, markdown="body", figures=figures,
                        machine_info=MACHINE)


@pytest.mark.parametrize("name", ["curves.pdf", "curves.svg", "loss.JPG", "roc.jpeg"])
def test_A44_01_figure_name_of_another_format_refused(tmp_path, name):
    with pytest.raises(ValueError, match=r"ends in .*writes each figure as PNG.*name it 'curves'|name it '(loss|roc)'"):
        _write(tmp_path, {name: _figure()})
    assert not (tmp_path / "rep").exists()  # nothing written


def test_A44_01_figure_name_not_str_refused(tmp_path):
    with pytest.raises(ValueError, match=r"figure name 1 is a int, not a str.*figures=\{'1': fig\}"):
        _write(tmp_path, {1: _figure()})


def test_A44_01_png_in_capitals_kept_and_plain_names_as_before(tmp_path):
    paths = _write(tmp_path, {"curves.PNG": _figure(), "roc": _figure(), "loss.v2": _figure()})
    assert {"curves.PNG", "roc.png", "loss.v2.png"} <= set(paths)
    assert (tmp_path / "rep" / "curves.PNG").read_bytes()[:4] == b"\x89PNG"


def test_A44_02_two_figures_one_file_refused(tmp_path):
    with pytest.raises(ValueError, match=r"figures 'curves' and 'curves.png' are both written to 'curves.png'.*"
                                         r"a name of its own"):
        _write(tmp_path, {"curves": _figure(), "curves.png": _figure()})
    assert not (tmp_path / "rep").exists()
