"""Further bad inputs, beyond the first catalogue: each is refused with one line naming what, where and how
to fix it, or gives the documented result (docs/bad_inputs.md lists them all)."""

import numpy as np
import pandas as pd
import pytest
import torch
from test_readers import refused  # the one-line message of a refused file

import rnnkit
from rnnkit import GRU, LSTM, SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.cli import main
from rnnkit.data.tables import read_sequences


def long_frame(n=6, steps=4, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [dict(id=f"s{i}", t=t, f1=rng.normal(), f2=rng.normal(), target=i % 2)
            for i in range(n) for t in range(steps)]
    return pd.DataFrame(rows)


# -- CSV files ---------------------------------------------------------------------------------------------
def test_a_column_named_twice_is_refused_not_renamed(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(long_frame().to_csv(index=False).replace("id,t,f1,f2,target", "id,t,f1,f1,target", 1))
    assert "names column 'f1' twice (columns 3 and 4)" in refused(path, time_column="t")


@pytest.mark.parametrize("sep, word", [(";", "semicolons"), ("\t", "tabs")])
def test_a_file_separated_otherwise_than_by_commas_is_named_as_such(tmp_path, sep, word):
    path = tmp_path / "d.csv"
    long_frame().to_csv(path, index=False, sep=sep)
    message = refused(path, time_column="t")
    assert f"looks separated by {word}" in message and f"sep={sep!r}" in message


def test_a_csv_with_a_bom_reads_as_without(tmp_path):
    frame = long_frame()
    path = tmp_path / "d.csv"
    path.write_text(frame.to_csv(index=False), encoding="utf-8-sig")
    table = read_sequences(path, time_column="t")
    assert table.feature_names == ["f1", "f2"] and list(table.ids) == [f"s{i}" for i in range(6)]


def test_a_csv_that_is_not_utf8_says_so_and_how_to_convert(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(long_frame().to_csv(index=False).replace("s0", "sé").encode("latin-1"))
    message = refused(path, time_column="t")
    assert "not UTF-8 text" in message and "encoding='latin-1'" in message and "--layout npz" not in message


def test_ids_that_differ_only_by_spaces_are_refused_naming_both_lines(tmp_path):
    frame = long_frame()
    frame.loc[1, "id"] = "s0 "  # one row of s0 spelt with a trailing space
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    message = refused(path, time_column="t")
    assert "'s0' on line 2, 's0 ' on line 3" in message and "strip the spaces" in message


def test_dates_with_different_offsets_are_instants_so_equal_instants_are_duplicates(tmp_path):
    frame = long_frame(n=2, steps=2)
    frame["t"] = ["2024-01-01T01:00:00+01:00", "2024-01-01T00:00:00+00:00",  # s0: the same instant twice
                  "2024-01-01T00:00:00+00:00", "2024-01-01T02:00:00+01:00"]
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    assert "more than once (lines 2, 3)" in refused(path, time_column="t")
    frame.loc[0, "t"] = "2024-01-01T00:30:00+00:00"  # 00:30 UTC
    frame.loc[1, "t"] = "2024-01-01T01:00:00+01:00"  # 00:00 UTC: first, though later as text
    frame.to_csv(path, index=False)
    table = read_sequences(path, time_column="t")
    np.testing.assert_array_equal(table.X[0], frame[["f1", "f2"]].to_numpy(np.float32)[[1, 0]])


def test_dates_with_and_without_an_offset_are_refused(tmp_path):
    frame = long_frame(n=2, steps=2)
    frame["t"] = ["2024-01-01T00:00:00+01:00", "2024-01-02", "2024-01-01", "2024-01-02"]
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    message = refused(path, time_column="t")
    assert "mixes dates with a UTC offset (line 2" in message and "without one (line 3" in message


def test_a_time_column_of_numbers_with_one_word_names_the_word_not_line_2(tmp_path):
    frame = long_frame()
    frame["t"] = frame["t"].astype(str)
    frame.loc[5, "t"] = "x"
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    assert "(line 7 has 'x')" in refused(path, time_column="t")


# -- npz files ---------------------------------------------------------------------------------------------
def test_an_array_other_than_X_y_lengths_is_refused_so_a_misspelt_lengths_is_not_ignored(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, X=np.ones((4, 5, 2)), y=np.arange(4) % 2, length=np.array([5, 3, 2, 1]))
    message = refused(path)
    assert "array(s) ['length'] are not read" in message and "'lengths'" in message


def test_an_empty_npz_says_it_has_no_X_not_that_it_is_not_a_zip(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path)
    assert "no array 'X' in the .npz (found [])" in refused(path)


def test_complex_X_in_an_npz_is_refused_as_complex(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, X=np.ones((4, 5, 2), dtype=np.complex64), y=np.arange(4) % 2)
    assert "complex" in refused(path)


def test_cli_classify_with_an_n_by_2_y_is_one_line_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "d.npz"
    np.savez(path, X=np.ones((6, 5, 2)), y=np.stack([np.arange(6) % 2] * 2, 1))
    assert main(["train", str(path), "--task", "classify", "--out", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "one label per item (1-D), got shape (6, 2)" in err


# -- estimators --------------------------------------------------------------------------------------------
X = np.random.default_rng(0).normal(size=(8, 5, 2)).astype(np.float32)
Y = np.arange(8) % 2


def small(cls=SequenceClassifier):
    return cls(hidden_size=2, max_epochs=1, batch_size=8, random_state=0)


def test_complex_X_is_refused_not_cast_to_its_real_part():
    with pytest.raises(ValueError, match="sequence 0 of X holds complex numbers"):
        small().fit(X.astype(np.complex64) + 1j, Y)
    with pytest.raises(ValueError, match="x is complex"):
        LSTM(2, 3)(torch.from_numpy(X).to(torch.complex64))


def test_X_of_text_is_refused_not_parsed_as_numbers():
    X = [np.random.default_rng(i).normal(size=(5, 2)).astype(str) for i in range(4)]
    with pytest.raises(ValueError, match=r"^SequenceClassifier.fit: sequence 0 of X holds text \(dtype <U\d+\), not "
                                         r"numbers; .*np.asarray\(x, dtype=float\)"):
        SequenceClassifier(max_epochs=1).fit(X, [0, 1, 0, 1])
    with pytest.raises(TypeError):  # as scikit-learn reports text where numbers belong
        SequenceClassifier(max_epochs=1).fit(np.stack(X), [0, 1, 0, 1])


def test_y_none_and_a_none_sequence_are_named():
    with pytest.raises(ValueError, match=r"SequenceClassifier.fit: y is None"):
        small().fit(X, None)
    with pytest.raises(ValueError, match=r"sequence 1 of X is None"):
        small().fit([X[0], None], [0, 1])


def test_text_targets_for_a_regressor_are_refused():
    with pytest.raises(ValueError, match=r"y holds text \(e.g. '1.5'\)"):
        small(SequenceRegressor).fit(X, np.array(["1.5", "2"] * 4))


def test_a_tagger_label_that_is_nan_names_its_sequence_and_step():
    y = [np.zeros(5) for _ in range(8)]
    y[3] = np.array([0.0, 1.0, np.nan, 1.0, 0.0])
    with pytest.raises(ValueError, match="labels of sequence 3 are NaN or infinite at step 2"):
        small(SequenceTagger).fit(list(X), y)


def test_a_y_series_indexed_otherwise_than_X_instances_is_refused():
    index = pd.MultiIndex.from_product([[10, 11, 12, 13, 14, 15, 16, 17], range(5)])
    frame = pd.DataFrame({"a": X[..., 0].ravel(), "b": X[..., 1].ravel()}, index=index)
    with pytest.raises(ValueError, match=r"y's index \(17, 16, 15, \.\.\.\) is not X's instances"):
        small().fit(frame, pd.Series(Y, index=range(17, 9, -1)))  # X's ids, other order: would pair wrongly


def test_score_with_a_y_of_the_wrong_length_and_one_sequence_given_as_2d():
    est = small().fit(X, Y)
    with pytest.raises(ValueError, match="SequenceClassifier.score: X has 8 sequences but y has 3 entries"):
        est.score(X, Y[:3])
    with pytest.raises(ValueError, match=r"for a single sequence \(T, F\), pass X\[None\]"):
        est.predict(np.ones((4, 2), np.float32))
    assert est.predict(np.ones((1, 4, 2), np.float32)).shape == (1,)


# -- layers, export, serve ----------------------------------------------------------------------------------
def test_uint64_lengths_are_read_as_the_same_int64_lengths():
    torch.manual_seed(0)
    layer, x = GRU(2, 3), torch.from_numpy(X[:4])
    out_u, _ = layer(x, np.array([5, 4, 2, 1], dtype=np.uint64))
    out_i, _ = layer(x, torch.tensor([5, 4, 2, 1]))
    torch.testing.assert_close(out_u, out_i, rtol=0, atol=0)


def test_export_onnx_of_a_path_says_to_load_it_first(tmp_path):
    with pytest.raises(ValueError, match=r"got the path .*load it first: rnnkit.export_onnx\(rnnkit.load"):
        rnnkit.export_onnx(str(tmp_path), tmp_path / "out")
    with pytest.raises(ValueError, match="cannot export a int"):
        rnnkit.export_onnx(3, tmp_path / "out")


def test_serve_of_a_broken_model_does_not_announce_it_is_serving(tmp_path, capsys):
    (tmp_path / "m").mkdir()
    assert main(["serve", str(tmp_path / "m"), "--port", "0"]) == 2
    out, err = capsys.readouterr()
    assert "serving" not in out and err.count("\n") == 1 and "not an rnnkit model directory" in err
