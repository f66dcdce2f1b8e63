"""Thirty-seventh round of the bad-input hunt, deploy, second pass: a request size limit written with its unit to
rnnkit serve."""
import pytest
from helpers import cli_error, run_cli

pytest.importorskip("fastapi")

from rnnkit.deploy import server  # noqa: E402
from rnnkit.deploy.server import Limits  # noqa: E402


# -- S37-11: rnnkit serve --max-body-bytes 8MiB (a size as servers' options write it) ---------------------------------
def test_S37_11_max_body_bytes_reads_a_size_with_its_unit(monkeypatch, capsys, tmp_path):
    # before: rnnkit serve: error: argument --max-body-bytes: expected an integer, got '8MiB'
    served = []
    monkeypatch.setattr(server, "serve", lambda model, **options: served.append(options["limits"]))
    for size, count in [("2KiB", 2048), ("10MB", 10_000_000), ("512 kib", 524288), ("8388608", 8388608),
                        ("1_000_000", 1_000_000)]:
        assert run_cli(["serve", tmp_path, "--max-body-bytes", size], capsys)[0] == 0
        assert served.pop() == Limits(max_body_bytes=count)
    # a bare M (nginx's mebibytes, or megabytes) is asked about, naming both readings
    assert cli_error(["serve", tmp_path, "--max-body-bytes", "10M"], capsys) == (
        "rnnkit serve: error: --max-body-bytes '10M' is 10MB (10000000 bytes) or 10MiB (10485760 bytes)? write 10MB "
        "or 10MiB (or the bytes)")
    assert "is not a size in bytes: write a whole number of bytes (8388608), or one with a unit (8MiB, 10MB; KB, MB, " \
        "GB are powers of 1000, KiB, MiB, GiB of 1024)" in cli_error(
            ["serve", tmp_path, "--max-body-bytes", "1.5MB"], capsys)
    assert "--max-body-bytes must be at least 1 byte, got '0'" in cli_error(
        ["serve", tmp_path, "--max-body-bytes", "0"], capsys)
    assert served == []  # refused before anything is served
