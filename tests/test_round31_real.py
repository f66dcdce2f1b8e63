"""Thirty-first round, real data in forms of their library no test had used, through the estimators' front door:
sktime's dataset classes (``ArrowHead().load(...)``, ``JapaneseVowels().load(...)``: nested DataFrames whatever
``return_mtype`` says), the UCR archive's tab-separated file (``load_from_ucr_tsv_to_dataframe``: int64 labels),
``load_UCR_UEA_dataset(y_dtype="int" | "float")`` (int8 and float32 labels), ``make_multi_index_dataframe``,
``generate_example_long_table`` and the regression archives (Tecator, Covid3Month) whose targets sktime hands out as
text. Each was read right already (catalogue "Thirty-first round, real data", E31-01 .. E31-05): these tests pin
that reading; they pass on the code before them too."""

import os
import warnings

import numpy as np
import pytest
import torch

from rnnkit import SequenceClassifier, SequenceRegressor
from rnnkit.estimators import as_sequences

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's notices

sd = pytest.importorskip("sktime.datasets")
TINY = dict(cell="gru", hidden_size=4, max_epochs=1, frontend=None, batch_size=16, random_state=0)


def test_E31_01_sktime_dataset_classes_hand_out_nested_frames_read_value_for_value_and_length_for_length():
    """``ArrowHead(return_mtype="numpy3D").load("X_train", "y_train")`` gives a nested DataFrame all the same (the
    class ignores the mtype): read as the numpy3D loader's array, transposed to (n, T, 1); JapaneseVowels' 12 ragged
    channels (7 .. 29 steps) keep each sequence's length and every value."""
    X, y = sd.ArrowHead(return_mtype="numpy3D").load("X_train", "y_train")
    reference, labels = sd.load_UCR_UEA_dataset("ArrowHead", split="train", return_type="numpy3D")
    assert X.shape == (36, 1) and list(y) == list(labels)
    x, lengths, _ = as_sequences(X, "test")
    assert x.shape == (36, 251, 1) and (lengths == 251).all()
    np.testing.assert_array_equal(x.double().numpy(), reference.transpose(0, 2, 1))
    X, y = sd.JapaneseVowels().load("X_train", "y_train")
    x, lengths, _ = as_sequences(X, "test")
    expected = [len(X.iloc[i, 0]) for i in range(len(X))]
    assert x.shape[2] == 12 and lengths.tolist() == expected and (min(expected), max(expected)) == (7, 26)
    for i in (0, int(np.argmin(expected)), len(X) - 1):
        got = x[i, : expected[i]].double().numpy()
        np.testing.assert_array_equal(got, np.column_stack([X.iloc[i, k].to_numpy() for k in range(12)]))
        assert not x[i, expected[i] :].any()  # padding after the sequence, not read as data


def test_E31_02_the_ucr_tsv_files_int_labels_are_the_classes_and_the_predictions(tmp_path):
    """``load_from_ucr_tsv_to_dataframe`` on ArrowHead_TRAIN.tsv: a nested frame whose values are the file's columns
    1.. and int64 labels 0, 1, 2 (the .ts file's are '0', '1', '2'); the classifier keeps them as ints."""
    path = os.path.join(os.path.dirname(sd.__file__), "data", "ArrowHead", "ArrowHead_TRAIN.tsv")
    X, y = sd.load_from_ucr_tsv_to_dataframe(path)
    raw = np.loadtxt(path, delimiter="\t")
    assert y.dtype == np.int64 and list(y) == raw[:, 0].astype(int).tolist()
    x, lengths, _ = as_sequences(X, "test")
    np.testing.assert_array_equal(x[:, :, 0].double().numpy(), raw[:, 1:])
    model = SequenceClassifier(**TINY, n_members=1, log_dir=str(tmp_path)).fit(X.iloc[:12, :], y[:12])
    assert model.classes_.tolist() == [0, 1, 2] and model.classes_.dtype == np.int64
    predicted = model.predict(X.iloc[:5, :])
    assert predicted.dtype == np.int64 and set(predicted.tolist()) <= {0, 1, 2}


@pytest.mark.parametrize("y_dtype, dtype", [("int", np.int8), ("float", np.float32)])
def test_E31_03_ucr_labels_as_int8_or_float32_keep_their_type_in_classes_and_predictions(tmp_path, y_dtype, dtype):
    """``load_UCR_UEA_dataset("ItalyPowerDemand", y_dtype=...)``: labels 1, 2 as int8 ("int") or float32 ("float");
    ``classes_``, ``predict`` and ``score`` read them in that type (not as continuous values, not as int64)."""
    X, y = sd.load_UCR_UEA_dataset("ItalyPowerDemand", split="train", return_type="numpy3D", y_dtype=y_dtype)
    assert y.dtype == dtype
    model = SequenceClassifier(**TINY, n_members=1, layout="nct", log_dir=str(tmp_path)).fit(X, y)
    assert model.classes_.dtype == dtype and model.classes_.tolist() == [1, 2]
    predicted = model.predict(X[:8])
    assert predicted.dtype == dtype and set(predicted.tolist()) <= {1, 2}
    assert 0.0 <= model.score(X, y) <= 1.0


def test_E31_04_sktimes_example_panels_long_table_refused_with_its_fix_and_multiindex_frame_read_exactly():
    """``make_multi_index_dataframe`` (instance, time) x channels reads as its values; ``generate_example_long_table``
    (one row per value, a ``dim_id`` column) is refused naming the ``set_index(...).unstack('dim_id')`` that makes
    the multiindex frame, and that frame reads as the long table's values."""
    frame = sd.make_multi_index_dataframe(n_instances=4, n_columns=2, n_timepoints=6)
    x, lengths, _ = as_sequences(frame, "test")
    np.testing.assert_array_equal(x.double().numpy(), frame.to_numpy().reshape(4, 6, 2))
    long = sd.generate_example_long_table(num_cases=3, series_len=5, num_dims=2)
    with pytest.raises(ValueError, match=r"pd-long.*unstack\('dim_id'\)"):
        as_sequences(long, "test")
    wide = long.set_index(["case_id", "reading_id", "dim_id"])["value"].unstack("dim_id")
    x, lengths, _ = as_sequences(wide, "test")
    for row in long.itertuples(index=False):
        assert x[row.case_id, row.reading_id, row.dim_id].item() == row.value


def test_E31_05_tecators_text_targets_refused_and_its_float32_targets_regressed_on_their_scale(tmp_path):
    """Tecator (fat content, %): sktime hands the targets out as text ('22.5') by default, refused naming
    pd.to_numeric; with ``y_dtype="float"`` (float32) the predictions are float64 numbers."""
    X, y = sd.load_UCR_UEA_dataset("Tecator", split="train", return_type="numpy3D")
    assert y.dtype.kind == "U"
    with pytest.raises(ValueError, match=r"y holds text \(e\.g\. '22\.5'\).*pd\.to_numeric"):
        SequenceRegressor(**TINY, layout="nct").fit(X[:16], y[:16])
    _, y = sd.load_UCR_UEA_dataset("Tecator", split="train", return_type="numpy3D", y_dtype="float")
    model = SequenceRegressor(**TINY, layout="nct", log_dir=str(tmp_path)).fit(X[:32], y[:32])
    predicted = model.predict(X[:4])
    assert predicted.shape == (4,) and predicted.dtype == np.float64 and np.isfinite(predicted).all()
