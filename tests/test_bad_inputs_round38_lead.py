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


def _near(tmp_path):
    (tmp_path / "sales.csv").write_text("t,v\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n")
    return tmp_path / "Sales.csv"


def test_L38_02_the_readers_name_the_file_meant(tmp_path):
    # was: "Sales.csv: no such file; expected ..." beside sales.csv (the command line's pre-check alone named it)
    from rnnkit.data import TimeSeriesFrame, read_sequences
    from rnnkit.forecast.series import read_series_csv

    given = _near(tmp_path)
    meant = r"\('.*sales\.csv' exists, the same name but for the letter case: give that path\)"
    with pytest.raises(ValueError, match=r"Sales\.csv: no such file; expected a \.csv or \.npz of sequences " + meant):
        read_sequences(given)
    with pytest.raises(ValueError, match=r"Sales\.csv: no such file; expected a CSV with a header row " + meant):
        TimeSeriesFrame.from_csv(given)
    with pytest.raises(ValueError, match=r"no such file; expected a CSV with a header row and one row per timestamp "
                       + meant):
        read_series_csv(given, time_column="t", target_column="v")


def test_L38_02_a_directory_given_as_the_data_is_named_a_directory(tmp_path):
    # was: "DIR: no such file; expected a CSV with a header row", of a folder that exists
    from rnnkit.data import TimeSeriesFrame, read_sequences

    with pytest.raises(ValueError, match=r"is a directory, not a file; expected a \.csv or \.npz of sequences"):
        read_sequences(tmp_path)
    with pytest.raises(ValueError, match=r"is a directory, not a file; expected a CSV with a header row"):
        TimeSeriesFrame.from_csv(tmp_path)
    with pytest.raises(ValueError, match=r"missing\.csv: no such file; expected a CSV with a header row$"):
        TimeSeriesFrame.from_csv(tmp_path / "missing.csv")


def test_L38_02_the_loaders_name_the_file_meant(tmp_path):
    # was: "Reads.fa: no such file; expected a FASTA file ..." beside reads.fa (and alike for text and WAV files)
    from rnnkit.data.audio import read_wav
    from rnnkit.data.bio import read_fasta
    from rnnkit.data.text import read_text

    (tmp_path / "reads.fa").write_text(">a\nACGT\n")
    (tmp_path / "book.txt").write_text("words\n")
    (tmp_path / "clip.wav").write_bytes(b"RIFF")
    for read, given, meant in ((read_fasta, "Reads.fa", "reads.fa"), (read_text, "book.txt ", "book.txt"),
                               (read_wav, "clip", "clip.wav")):
        with pytest.raises(ValueError, match=rf"{given}: no such file; expected .*\('.*{meant}' exists, the same name"):
            read(tmp_path / given)
