"""Round 42, the loaders: what the last round left and what a new user brings (see docs/bad_inputs.md)."""
import numpy as np
import pytest
import torch

from rnnkit.data.memmap import RaggedStore, write_ragged


@pytest.mark.parametrize("dtype", ["bfloat16", torch.bfloat16])
def test_D42_01_write_ragged_bfloat16_names_float32(tmp_path, dtype):
    with pytest.raises(ValueError, match=r"no numpy dtype.*dtype='float32', which holds every bfloat16"):
        write_ragged(tmp_path / "s", [np.ones((3, 2))], dtype=dtype)
    assert not (tmp_path / "s").exists()  # refused before the folder is made


def test_D42_01_write_ragged_torch_dtype_stored_as_its_numpy_dtype(tmp_path):
    path = write_ragged(tmp_path / "s", [np.full((3, 2), 0.5), np.ones((2, 2))], dtype=torch.float16)
    store = RaggedStore(path)
    assert np.load(path / "data.npy").dtype == np.float16
    assert torch.equal(torch.as_tensor(store[0][0] if isinstance(store[0], tuple) else store[0]),
                       torch.full((3, 2), 0.5, dtype=torch.float16))


def test_D42_01_write_ragged_dtype_typo_named(tmp_path):
    with pytest.raises(ValueError, match=r"dtype='float23' is no dtype numpy knows; give .*'float32'"):
        write_ragged(tmp_path / "s", [np.ones((3, 2))], dtype="float23")
