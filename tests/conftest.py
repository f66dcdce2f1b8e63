import os

import pytest
import torch

os.environ.setdefault("MPLBACKEND", "Agg")


def _threads() -> int:
    """Torch threads for the session: ``OMP_NUM_THREADS`` when set (``OMP_NUM_THREADS=2 pytest`` runs the
    suite at two threads), else one: the tests' models are tiny, one thread is faster than two and does not
    stall when other processes share the cores."""
    value = os.environ.get("OMP_NUM_THREADS", "").strip()
    if not value:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise pytest.UsageError(f"OMP_NUM_THREADS={value!r}: set a positive integer, or unset it for one thread")
    return int(value)


@pytest.fixture(autouse=True, scope="session")
def _session_threads():
    threads = torch.get_num_threads()
    torch.set_num_threads(_threads())
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture
def cli_error(capsys):
    """``cli_error(args)``: run ``rnnkit ARGS`` in this process; assert exit status 2 and one line on stderr
    (no traceback); return that line."""
    from rnnkit.cli import main

    def run(args) -> str:
        capsys.readouterr()
        try:
            status = main([str(a) for a in args])
        except SystemExit as e:  # argparse's errors exit
            status = e.code
        err = capsys.readouterr().err
        assert status == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        return lines[0]

    return run
