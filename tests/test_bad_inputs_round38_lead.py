"""Round 38, the lead's rows: a FIFO or a device given where a report directory goes is named as what it is."""

import os

import pytest

from rnnkit.apps import check_run_arguments
from rnnkit.report import check_report_directory


@pytest.fixture
def fifo(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


def test_L38_01_a_report_out_that_is_a_fifo_is_named_a_fifo(fifo, tmp_path):
    # was: "--out .../pipe is a file; give a directory for the report", of a FIFO its user made with mkfifo
    with pytest.raises(ValueError, match=r"--out .*pipe is a FIFO \(a named pipe\); give a directory for the report"):
        check_report_directory(fifo, f"--out {fifo}")
    with pytest.raises(ValueError, match=r"is a device; give a directory"):
        check_report_directory(os.devnull, "--out /dev/null")
    plain = tmp_path / "notes.txt"
    plain.write_text("x")
    with pytest.raises(ValueError, match=r"is a file; give a directory for the report"):
        check_report_directory(plain, f"--out {plain}")


def test_L38_01_a_recipe_out_that_is_a_fifo_is_named_a_fifo(fifo):
    # was: "stocks: out='.../pipe' exists and is not a directory"
    with pytest.raises(ValueError, match=r"out='.*pipe' is a FIFO \(a named pipe\), not a directory; give a directory"):
        check_run_arguments("stocks", True, 0, fifo, None)
