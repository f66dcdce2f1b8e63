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


_LFS = (b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258d"
        b"aaa5e2ca24d17e2393\nsize 12345\n")
_PAGE = b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n"


def _reader(suffix):
    if suffix == "wav":
        from rnnkit.data.audio import read_wav
        return read_wav
    if suffix == "mp4":
        pytest.importorskip("cv2")
        from rnnkit.data.video import read_video
        return read_video
    from rnnkit.data.bio import read_fasta
    return read_fasta


@pytest.mark.parametrize("suffix", ["wav", "mp4", "fa"])
@pytest.mark.parametrize("content, match", [(_LFS, r"is a Git LFS pointer.*git lfs pull"),
                                            (_PAGE, r"is a web page .*download the file itself again")],
                         ids=["lfs", "html"])
def test_D42_02_stand_in_file_named(tmp_path, suffix, content, match):
    path = tmp_path / f"clip.{suffix}"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        _reader(suffix)(path)


@pytest.mark.parametrize("suffix", ["wav", "mp4"])
def test_D42_02_empty_file_named(tmp_path, suffix):
    path = tmp_path / f"clip.{suffix}"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"is empty \(0 bytes.*copy or download it again"):
        _reader(suffix)(path)
