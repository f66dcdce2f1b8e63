"""Round 43, the loaders: a store copied in part, frames and videos as a user's own files give them (see
docs/bad_inputs.md)."""
import warnings

import numpy as np
import pytest

from rnnkit.data.memmap import RaggedStore, write_ragged


@pytest.mark.parametrize("name", ["data.npy", "offsets.npy", "labels.npy"])
def test_D43_01_store_cut_short_named_as_cut_short(tmp_path, name):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2)), np.full((4, 2), 2.0)], labels=[0, 1])
    f = path / name
    f.write_bytes(f.read_bytes()[:-8])  # a copy that stopped 8 bytes before the end
    with pytest.raises(ValueError, match=rf"{name} is cut short: it holds \d+ of the \d+ bytes its header declares"
                                         r".*copy the store's directory again"):
        RaggedStore(path)


def test_D43_01_store_cut_inside_header_named(tmp_path):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2))])
    f = path / "data.npy"
    f.write_bytes(f.read_bytes()[:20])
    with pytest.raises(ValueError, match=r"data.npy is cut short: it holds 20 bytes, cut inside its header"):
        RaggedStore(path)


def test_D43_01_whole_store_reads_as_before(tmp_path):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2)), np.full((4, 2), 2.0)], labels=[0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store = RaggedStore(path)
        assert float(store[1][0].sum()) == 16.0
