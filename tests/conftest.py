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
