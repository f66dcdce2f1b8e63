"""Round 42, the loaders: what the last round left and what a new user brings (see docs/bad_inputs.md)."""
import warnings

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


def _step_items():
    from rnnkit.data.collate import pad_collate
    items = [(np.zeros((3, 2)), np.array([0, 1, 0])), (np.zeros((2, 2)), np.array([1, 2]))]
    return pad_collate, items


@pytest.mark.parametrize("ignore_index", [0, 2])
def test_D42_03_ignore_index_that_is_a_class_warned(ignore_index):
    pad_collate, items = _step_items()
    with pytest.warns(UserWarning, match=rf"ignore_index={ignore_index} is also a label of item \d \(step \d.*"
                                         r"give an ignore_index no label takes \(the default -100"):
        batch = pad_collate(items, labels="step", ignore_index=ignore_index)
    assert batch.y.tolist()[1][2] == ignore_index  # padded as asked


def test_D42_03_default_ignore_index_and_marked_steps_quiet():
    pad_collate, items = _step_items()
    items[1] = (items[1][0], np.array([1, -100]))  # a step without a target, marked as Hugging Face marks them
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batch = pad_collate(items, labels="step")
        pad_collate([(np.zeros((2, 1)), np.array([0.0, 0.5]))], labels="step", ignore_index=0)  # float targets
    assert batch.y.tolist() == [[0, 1, 0], [1, -100, -100]]


@pytest.mark.parametrize("name", ["data.npy", "offsets.npy", "labels.npy", "meta.json"])
def test_D42_04_store_file_that_is_an_lfs_pointer_named(tmp_path, name):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2)), np.ones((2, 2))], [0, 1])
    (path / name).write_bytes(_LFS)
    with pytest.raises(ValueError, match=rf"RaggedStore: .*{name} is a Git LFS pointer.*git lfs pull"):
        RaggedStore(path)


def test_D42_04_store_file_of_other_bytes_names_the_file(tmp_path):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2)), np.ones((2, 2))])
    (path / "offsets.npy").write_bytes(b"\x00\x01 not an array")
    with pytest.raises(ValueError, match=r"offsets\.npy is not a \.npy array .*write it again"):
        RaggedStore(path)


def test_D42_05_read_text_of_an_lfs_pointer_refused(tmp_path):
    from rnnkit.data.text import read_text

    path = tmp_path / "corpus.txt"
    path.write_bytes(_LFS)
    with pytest.raises(ValueError, match=r"read_text: .*corpus\.txt is a Git LFS pointer.*git lfs pull"):
        read_text(path)
    page = tmp_path / "page.txt"  # a scraped page is text a corpus may hold: read as before
    page.write_bytes(_PAGE)
    assert read_text(page).startswith("<!DOCTYPE html>")


def test_D42_02_video_dataset_of_an_lfs_pointer_named(tmp_path):
    pytest.importorskip("cv2")
    from rnnkit.data.video import VideoDataset

    (tmp_path / "clip.mp4").write_bytes(_LFS)
    with pytest.raises(ValueError, match=r"VideoDataset: .*clip\.mp4 is a Git LFS pointer.*git lfs pull"):
        VideoDataset([tmp_path / "clip.mp4"], [0])


# review mends: what only looks like a stand-in stays the data
def test_D42_05_a_text_about_git_lfs_is_read_as_the_corpus(tmp_path):
    from rnnkit.data.text import read_text
    note = "version https://git-lfs.github.com/spec/v1 is the pointer's first line; git lfs pull fetches the files.\n"
    path = tmp_path / "notes.txt"
    path.write_text(note * 20)  # no oid line, and more than a pointer's 1024 bytes
    assert read_text(path) == note * 20
    page = tmp_path / "page.txt"
    page.write_text("<!DOCTYPE html>\n<html><body>a corpus of pages</body></html>\n")
    assert read_text(page).startswith("<!DOCTYPE html>")  # a web page read as text on purpose


def test_D42_02_real_files_that_mention_html_are_read(tmp_path):
    from rnnkit.checks import stand_in
    from rnnkit.data.bio import read_fasta
    fasta = tmp_path / "genes.fa"
    fasta.write_text(">seq1 <html> from a web export\nACGT\n")  # a header that mentions html
    assert len(read_fasta(fasta)) == 1
    tiny = tmp_path / "tiny.fa"
    tiny.write_text(">a\nA\n")  # a tiny but real file
    assert len(read_fasta(tiny)) == 1 and stand_in(tiny) is None
    arr = tmp_path / "x.npy"
    np.save(arr, np.arange(3))
    assert stand_in(arr) is None
    bom_page = tmp_path / "clip.mp4"
    bom_page.write_bytes(b"\xef\xbb\xbf" + _PAGE)  # a page saved with a byte-order mark is still a page
    assert "is a web page" in stand_in(bom_page)


@pytest.mark.parametrize("ys, ignore_index", [
    ([[3, 4, 5], [6, 7]], 0),  # a language model's or tagger's ids, 0 the <pad> no real step takes
    ([[1, 2, 3], [1, 1]], 0),  # BIO tags with O=1 and 0 kept for padding
    ([[0, 1, -100], [1, 2]], -100),  # -100 on a step without a target
    ([[[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[0, 1, 1], [1, 0, 0]]], 0),  # one-hot and multi-hot rows padded with 0
], ids=["lm", "bio", "hf", "multi_hot"])
def test_D42_03_labels_that_never_take_the_ignore_index_as_a_class_stay_quiet(ys, ignore_index):
    from rnnkit.data.collate import pad_collate
    items = [(torch.randn(len(y), 2), torch.tensor(y)) for y in ys]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        batch = pad_collate(items, labels="step", ignore_index=ignore_index)
    assert batch.y.shape[:2] == (2, 3) and bool((batch.y[1, 2] == ignore_index).all())


@pytest.mark.parametrize("dtype", [np.dtype("float32"), "f4", np.float16, "float64", "<f4"])
def test_D42_01_numpy_dtypes_are_stored_as_before(tmp_path, dtype):
    path = write_ragged(tmp_path / "s", [np.ones((3, 2))], dtype=dtype)
    assert np.load(path / "data.npy").dtype == np.dtype(dtype)
    assert np.load(write_ragged(tmp_path / "a", [np.ones(5, np.int16)], dtype="int16") / "data.npy").dtype == np.int16
