"""Bad inputs of the third catalogue (docs/bad_inputs.md, ids ending in the third series): each is refused
with one line naming what, where and how to fix it, where it used to raise a raw error from deep inside or
to be read silently in another way."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line  # a refusal's message, one line
from test_bad_inputs_more import long_frame  # a small long-layout frame: id, t, f1, f2, target
from test_readers import refused  # the one-line message of a refused file

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.data import audio
from rnnkit.data.events import EventSessions, event_vocab, sessionize
from rnnkit.data.text import BPTTBatches, TextClassificationDataset, Vocab, batchify, read_text
from rnnkit.deploy.server import Limits, RequestError, parse_request
from rnnkit.deploy.streaming import Streamer

FAST = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=4, lr=1e-2, lr_schedule=None,
            pooling="final", frontend=None, stride=1, normalise=None, random_state=0)


def data(n=8, steps=5, features=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, steps, features)).astype(np.float32), np.array([0, 1] * (n // 2))


@pytest.fixture(scope="module")
def classifier():
    X, y = data()
    return SequenceClassifier(**FAST).fit(X, y), X, y


# -- X given to an estimator -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, word", [("datetime64[s]", "dates or durations"),
                                         ("timedelta64[s]", "dates or durations")])
def test_x_of_dates_or_durations_is_refused_not_read_as_ticks(dtype, word):
    X, y = data()
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(X.astype(np.int64).astype(dtype), y)
    assert f"sequence 0 of X holds {word} (dtype {dtype})" in one_line(err)


def test_a_masked_array_with_masked_values_is_refused_not_unmasked():
    X, y = data()
    masked = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    masked.mask[3, 2, 1] = True
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(masked, y)
    assert "sequence 3 of X is a masked array" in one_line(err) and "filled" in one_line(err)


def test_a_ragged_nested_list_names_the_sequence():
    X, y = data()
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit([x.tolist() for x in X[:7]] + [[[1.0, 2.0], [3.0]]], y)
    assert "SequenceClassifier.fit: sequence 7 of X is not a rectangular array" in one_line(err)


@pytest.mark.parametrize("sequence", [[["1.5", "2"], ["3", "4"]], np.array([["1.5", 2.0], [3.0, 4.0]], dtype=object),
                                      pd.DataFrame({"a": ["1.5", "2"], "b": [1.0, 2.0]})])
def test_numbers_written_as_text_in_a_list_or_object_array_are_refused_not_parsed(sequence):
    X, y = data(steps=2)
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(list(X[:7]) + [sequence], y)
    assert "sequence 7 of X holds " in one_line(err) and "text" in one_line(err)


def test_a_list_of_tensors_and_a_bfloat16_tensor_are_read_as_arrays():
    X, y = data()
    fitted = SequenceClassifier(**FAST).fit([torch.from_numpy(x) for x in X], y)
    assert fitted.n_features_in_ == 2
    assert fitted.predict(torch.from_numpy(X).bfloat16()).shape == (8,)


@pytest.mark.parametrize("make, words", [(lambda t: t.to_sparse(), "is a sparse tensor"),
                                         (lambda t: t.to("meta"), "is a tensor on the 'meta' device")])
def test_sparse_and_meta_tensors_are_refused(make, words):
    X, y = data()
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(make(torch.from_numpy(X)), y)
    assert f"SequenceClassifier.fit: X {words}" in one_line(err)


@pytest.mark.parametrize("cell", [np.nan, None, 3.0])
def test_a_nested_frame_cell_that_is_not_a_series_names_its_row_and_column(cell):
    rng = np.random.default_rng(0)
    nested = pd.DataFrame({"a": [pd.Series(rng.normal(size=5)) for _ in range(7)] + [cell]})
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(nested, [0, 1] * 4)
    assert f"row 7, column 'a' of the nested DataFrame X holds {cell!r}, not a sequence" in one_line(err)


def test_nested_channels_indexed_by_other_times_or_backwards_are_refused():
    rng = np.random.default_rng(0)
    dates = pd.date_range("2020", periods=5)
    misaligned = pd.DataFrame({"a": [pd.Series(rng.normal(size=5), index=dates) for _ in range(8)],
                               "b": [pd.Series(rng.normal(size=5)) for _ in range(8)]})
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(misaligned, [0, 1] * 4)
    assert "row 0 of the nested DataFrame X has channels 'a' and 'b' indexed by different times" in one_line(err)
    backwards = pd.DataFrame({"a": [pd.Series(rng.normal(size=5), index=dates[::-1]) for _ in range(8)]})
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(backwards, [0, 1] * 4)
    assert "row 0, column 'a' of the nested DataFrame X is not in increasing time" in one_line(err)


def test_a_time_level_of_text_is_refused_as_alphabetical():
    frame = multiindex_frame(np.repeat(range(4), 12), [str(t) for t in range(12)] * 4)
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(frame, [0, 1] * 2)
    assert "X's time level holds text (e.g. '0'), whose order is alphabetical" in one_line(err)


def multiindex_frame(instances, times, columns=("a", "b")):
    index = pd.MultiIndex.from_arrays([instances, times])
    return pd.DataFrame(np.random.default_rng(0).normal(size=(len(index), len(columns))), index=index,
                        columns=list(columns))


def test_a_frame_with_a_column_named_twice_is_refused_as_such():
    frame = multiindex_frame(np.repeat(range(4), 3), np.tile(range(3), 4), columns=("a", "a"))
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(frame, [0, 1] * 2)
    assert "X names column(s) ['a'] more than once" in one_line(err) and "not numeric" not in one_line(err)


def test_a_nan_instance_is_refused_not_dropped():
    frame = multiindex_frame([0, 0, 0, 1, 1, 1, np.nan, np.nan, np.nan, 2, 2, 2], [0, 1, 2] * 4)
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(frame, [0, 1, 0, 1])
    assert "missing (NaN) instance at row 6 (3 in all)" in one_line(err)


def test_a_nan_time_is_named_as_such():
    frame = multiindex_frame(np.repeat(range(4), 3), [0.0, 1.0, np.nan] * 4)
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(frame, [0, 1] * 2)
    assert "missing (NaN) time at row 2 (4 in all)" in one_line(err)


# -- y ----------------------------------------------------------------------------------------------------
def test_a_dataframe_y_indexed_in_another_order_than_x_is_refused():
    frame = multiindex_frame(np.repeat([10, 11, 12, 13], 3), np.tile(range(3), 4))
    y = pd.DataFrame({"target": [0, 1, 0, 1]}, index=[13, 12, 11, 10])  # X's ids, reversed
    with pytest.raises(ValueError) as err:
        SequenceRegressor(**FAST).fit(frame, y)
    assert "y's index (13, 12, 11, ...) is not X's instances in X's order (10, 11, 12, ...)" in one_line(err)
    assert SequenceRegressor(**FAST).fit(frame, y.loc[[10, 11, 12, 13]]).predict(frame).shape == (4, 1)


@pytest.mark.parametrize("y, shown", [
    (np.array([0, 1, None, 1, 0, 1, 0, 1], dtype=object), "None (NoneType)"),
    (pd.array([0, 1, pd.NA, 1, 0, 1, 0, 1], dtype="Int64"), "<NA> (NAType)"),
    (pd.Series(pd.Categorical(["a", "b", None, "b", "a", "b", "a", "b"])), "nan (float)"),
    (pd.array(["a", "b", pd.NA, "b", "a", "b", "a", "b"], dtype="string"), "<NA> (NAType)"),
])
def test_a_missing_label_is_named_as_missing_not_as_another_type(y, shown):
    X, _ = data()
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(X, y)
    assert f"y has a missing label: {shown} at position 2" in one_line(err) and "mixes" not in one_line(err)


def test_a_tagger_missing_label_names_sequence_and_step():
    X, _ = data()
    y = [np.array([0, 1, 0, 1, 0], dtype=object) for _ in range(8)]
    y[5][3] = None
    with pytest.raises(ValueError) as err:
        SequenceTagger(hidden_size=4, max_epochs=1).fit(X, y)
    assert "y has a missing label: None (NoneType) at sequence 5, step 3; give every step a label" in one_line(err)


@pytest.mark.parametrize("estimator", [SequenceClassifier, SequenceRegressor])
@pytest.mark.parametrize("y", [{0: 1}, {0, 1}, "ab", (i % 2 for i in range(8))])
def test_a_y_that_is_no_sequence_of_targets_is_named_by_its_type(estimator, y):
    X, _ = data()
    with pytest.raises(ValueError) as err:
        estimator(**FAST).fit(X, y)
    assert f"y must be a list, array, Series or DataFrame with one target per sequence of X, got {type(y).__name__}" \
        in one_line(err)


def test_a_ragged_regression_target_is_named():
    X, _ = data()
    with pytest.raises(ValueError) as err:
        SequenceRegressor(**FAST).fit(X, [[1.0, 2.0], [1.0]] * 4)
    assert "SequenceRegressor.fit: y is not a rectangular array" in one_line(err)


@pytest.mark.parametrize("y, words", [
    (np.array([1 + 2j, 2.0] * 4), "y holds complex numbers"),
    (pd.date_range("2020", periods=8).to_numpy(), "y holds dates or durations (dtype datetime64"),
    (pd.to_timedelta(np.arange(8), unit="s").to_numpy(), "y holds dates or durations (dtype timedelta64"),
    (np.array([1e39, 0.0] * 4), "beyond float32's range (|y| > 3.4e38) for the sequence at position 0"),
])
def test_regression_targets_that_float32_or_float64_would_misread_are_refused(y, words):
    X, _ = data()
    with pytest.raises(ValueError) as err:
        SequenceRegressor(**FAST).fit(X, y)
    assert words in one_line(err)


def test_a_nan_regression_target_names_its_position():
    X, _ = data()
    with pytest.raises(ValueError) as err:
        SequenceRegressor(**FAST).fit(X, pd.array([0.5, 1.5, 2.0, pd.NA, 1.0, 2.0, 3.0, 4.0], dtype="Float64"))
    assert "y contains NaN or infinite values (the sequence at position 3, 1 in all)" in one_line(err)


# -- score ------------------------------------------------------------------------------------------------
def test_score_with_sample_weight_of_another_length_says_which(classifier):
    clf, X, y = classifier
    with pytest.raises(ValueError) as err:
        clf.score(X, y, sample_weight=np.ones(3))
    assert "SequenceClassifier.score: sample_weight has shape (3,) but X has 8 sequences" in one_line(err)


def test_tagger_score_checks_y_per_step():
    X, _ = data()
    tagger = SequenceTagger(hidden_size=4, max_epochs=1, random_state=0).fit(X, np.tile([0, 1, 0, 1, 0], (8, 1)))
    with pytest.raises(ValueError) as err:
        tagger.score(X, [np.array([0, 1])] * 8)  # numpy used to broadcast or fail on the shapes
    assert "the labels of sequence 0 have shape (2,) but the sequence has 5 steps" in one_line(err)
    with pytest.raises(ValueError, match="SequenceTagger.score: y is None"):
        tagger.score(X, None)
    with pytest.raises(ValueError, match="labels of sequence 0 have shape \\(\\) but"):
        tagger.score(X, [1] * 8)  # one label per sequence: not one per step


# -- parameters -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("param, value, words", [
    ("dropout", "0.1", "dropout must be a number in [0, 1), got '0.1'"),
    ("dropout", None, "dropout must be a number in [0, 1), got None"),
    ("validation_fraction", None, "validation_fraction must be a number in (0, 1), got None"),
    ("early_stopping_patience", 2.5, "early_stopping_patience must be an integer >= 1 or None, got 2.5"),
    ("early_stopping_patience", "3", "early_stopping_patience must be an integer >= 1 or None, got '3'"),
    ("weight_decay", "a", "weight_decay must be a finite number >= 0, got 'a'"),
    ("weight_decay", float("nan"), "weight_decay must be a finite number >= 0, got nan"),
    ("clip_grad_norm", "1", "clip_grad_norm must be a number > 0 or None, got '1'"),
    ("lr", float("inf"), "lr must be a finite number > 0, got inf"),
    ("random_state", -1, "random_state must be None, an int in [0, 2**32 - 1] or a numpy RandomState, got -1"),
    ("log_dir", 3, "log_dir must be None or a directory path, got 3"),
])
def test_bad_parameter_values_are_refused_before_training(param, value, words):
    X, y = data()
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**{**FAST, param: value}).fit(X, y)
    assert words in one_line(err)


def test_a_log_dir_that_is_a_file_is_refused_before_training(tmp_path):
    X, y = data()
    (tmp_path / "logs").write_text("mine")
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST, log_dir=tmp_path / "logs").fit(X, y)
    assert "is a file; give a directory for the logs" in one_line(err)
    assert (tmp_path / "logs").read_text() == "mine"


# -- save / load ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", [None, 3])
def test_save_and_load_refuse_what_is_not_a_path(classifier, path):
    clf, _, _ = classifier
    with pytest.raises(ValueError, match="save: the directory must be a path"):
        clf.save(path)
    with pytest.raises(ValueError, match="load: the directory must be a path"):
        rnnkit.load(path)


def test_save_under_a_file_says_it_cannot_write_there(classifier, tmp_path):
    clf, _, _ = classifier
    (tmp_path / "afile").write_text("mine")
    with pytest.raises(ValueError) as err:
        clf.save(tmp_path / "afile" / "model")
    assert f"cannot write {tmp_path / 'afile' / 'model'}" in one_line(err)
    assert (tmp_path / "afile").read_text() == "mine"


# -- CSV files --------------------------------------------------------------------------------------------
def test_a_csv_with_the_dataframe_index_written_is_refused_not_read_as_a_feature(tmp_path):
    path = tmp_path / "d.csv"
    long_frame().to_csv(path)  # index=True: a nameless first column of row numbers
    message = refused(path, time_column="t")
    assert "column 1 of the header has no name" in message and "index=False" in message
    long_frame().to_csv(path)
    pd.read_csv(path).to_csv(path, index=False)  # the round trip names it 'Unnamed: 0'
    assert "'Unnamed: 0' is pandas' name for a nameless column" in refused(path, time_column="t")


def test_a_boolean_column_with_a_number_names_both(tmp_path):
    frame = long_frame()
    frame["f1"] = np.where(frame.index % 2, "True", "False")
    frame.loc[3, "f1"] = "1"
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    message = refused(path, time_column="t")
    assert "feature column 'f1' mixes booleans (line 2 has 'False') with numbers (line 5 has '1')" in message


def test_a_row_with_an_extra_value_names_its_line_not_npz(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(long_frame().to_csv(index=False) + "s9,0,1.0,2.0,1,EXTRA\n")
    message = refused(path, time_column="t")
    assert "line 26 has 6 fields" in message and "header names 5 column" in message and "npz" not in message


def test_a_utf16_csv_is_told_to_read_as_utf16(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(long_frame().to_csv(index=False), encoding="utf-16")
    message = refused(path, time_column="t")
    assert "byte-order mark of UTF-16" in message and "encoding='utf-16'" in message


def test_a_nul_byte_in_a_csv_is_refused_naming_its_line_not_read_as_the_end_of_the_value(tmp_path):
    from rnnkit.forecast.series import read_series_csv

    path = tmp_path / "d.csv"
    text = long_frame().to_csv(index=False).splitlines()
    text[5] = text[5].replace(".", ".\x00", 1)  # pandas read '1.0\x00' as 1.0, dropping the rest of the field
    path.write_text("\n".join(text) + "\n")
    assert "line 6 has a NUL byte (\\x00" in refused(path, time_column="t")
    (tmp_path / "s.csv").write_text("t,y\n1,1.0\n2,2.0\x005\n3,3.0\n")
    with pytest.raises(ValueError, match=r"line 3 has a NUL byte"):
        read_series_csv(tmp_path / "s.csv", time_column="t", target_column="y")


@pytest.mark.parametrize("roles, words", [
    (dict(id_column="t", time_column="t"), "column 't' is named as both the id and the time column"),
    (dict(time_column="t", target_column="id"), "column 'id' is named as both the id and the target column"),
])
def test_one_column_cannot_play_two_roles(tmp_path, roles, words):
    path = tmp_path / "d.csv"
    long_frame().to_csv(path, index=False)
    assert words in refused(path, **roles)


def test_a_npy_or_npz_under_another_name_is_named_as_such_not_as_bad_text(tmp_path):
    X = np.zeros((4, 3, 2))
    np.save(tmp_path / "d.npy", X)
    message = refused(tmp_path / "d.npy")
    assert "single .npy array (numpy.save)" in message and "UTF-8" not in message
    np.savez(tmp_path / "d.npz", X=X, y=np.arange(4))
    (tmp_path / "d.npz").rename(tmp_path / "d.bin")
    assert "this is a zip archive (an .npz?), not a CSV; name it .npz" in refused(tmp_path / "d.bin")


@pytest.mark.parametrize("y, what", [(np.array([1, 0, 1, 0], dtype=complex), "complex numbers"),
                                     (np.arange(4).astype("datetime64[D]"), "dates"),
                                     (np.array([b"a", b"b"] * 2), "bytes")])
def test_npz_targets_that_no_task_reads_are_refused_naming_the_file(tmp_path, y, what):
    np.savez(tmp_path / "d.npz", X=np.zeros((4, 3, 2)), y=y)
    assert f"array 'y' holds {what} (dtype {y.dtype})" in refused(tmp_path / "d.npz")


@pytest.mark.parametrize("y, words", [(np.array([b"a", b"b"] * 4), "y holds bytes labels (e.g. b'a')"),
                                      (np.array([1, 0] * 4, dtype=complex), "y holds complex numbers")])
def test_class_labels_that_scoring_would_refuse_after_training_are_refused_at_fit(y, words):
    X, _ = data()
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**FAST).fit(X, y)
    assert words in one_line(err)


def test_cli_train_on_a_csv_with_its_index_exits_with_one_line(tmp_path, cli_error):
    path = tmp_path / "d.csv"
    long_frame().to_csv(path)
    line = cli_error(["train", path, "--task", "classify", "--time-column", "t", "--epochs", "1",
                      "--hidden-size", "4", "--out", tmp_path / "m"])
    assert "column 1 of the header has no name" in line and not (tmp_path / "m").exists()


# -- the model server and the streamer --------------------------------------------------------------------
@pytest.mark.parametrize("body, words", [
    (b'{"sequences": [[[1, 2]]], "sequences": [[[3, 4]]]}', "gives the key 'sequences' twice"),
    (b'{"sequences": [[[1, 2]]], "lengths": [1]}', "has the key(s) ['lengths'], which the server does not read"),
])
def test_a_request_with_a_repeated_or_unread_key_is_refused(body, words):
    with pytest.raises(RequestError) as err:
        parse_request(body, 2, Limits())
    assert err.value.status == 400 and words in str(err.value)


def test_serve_refuses_a_port_it_cannot_listen_on(tmp_path, cli_error):
    import socket

    assert "argument --port: must be in [0, 65535], got 99999" in cli_error(["serve", tmp_path, "--port", 99999])
    for value in ("nan", "inf"):
        assert f"argument --max-wait-ms: must be >= 0, a finite number, got {value}" in cli_error(
            ["serve", tmp_path, "--max-wait-ms", value])
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = cli_error(["serve", tmp_path, "--port", port])  # refused before the model is even read
    assert f"cannot listen on 127.0.0.1:{port} (Address already in use); choose another --host or --port" in line


@pytest.fixture(scope="module")
def streamer():
    X, y = data(features=4)
    return Streamer(SequenceClassifier(**FAST).fit(X, y))


@pytest.mark.parametrize("x_t, words", [
    (np.ones((2, 2), dtype=np.float32), "has shape (2, 2); give one step's 4 features as a vector"),
    (["1.5", "2", "3", "4"], "is not numeric: it holds text"),
    (np.array([1 + 1j, 2, 3, 4]), "is not numeric: it holds complex numbers"),
    (np.array(["1.5", 2.0, 3.0, 4.0], dtype=object), "is not numeric: it holds text"),
    (np.zeros(4, dtype="datetime64[s]"), "is not numeric: it holds dates"),
])
def test_streamer_refuses_observations_that_float32_would_misread(streamer, x_t, words):
    with pytest.raises(ValueError) as err:
        streamer.step("s1", x_t)
    assert f"stream 's1' {words}" in one_line(err)
    assert "s1" not in streamer.streams


def test_streamer_names_an_unhashable_id_a_none_observation_and_a_list_of_observations(streamer):
    with pytest.raises(ValueError, match=r"stream id \[1\] is not hashable \(list\); use a str, an int or a tuple"):
        streamer.step([1], np.zeros(4))
    with pytest.raises(ValueError, match="the observation of stream 'c' is None"):
        streamer.step("c", None)
    with pytest.raises(ValueError, match="observations must be a dict {stream_id: x_t}, got list"):
        streamer.step_many([np.zeros(4)])
    assert streamer.streams == []


def test_streamer_still_reads_a_row_or_column_vector(streamer):
    row = np.arange(4, dtype=np.float32)
    expected = streamer.step("a", row).y
    streamer.reset()
    assert np.array_equal(streamer.step("a", row[None]).y, expected)
    streamer.reset()
    assert np.array_equal(streamer.step("a", row[:, None].astype(np.float64)).y, expected)
    streamer.reset()


# -- the readers: events, text, audio ---------------------------------------------------------------------
def event_log(**changes) -> pd.DataFrame:
    frame = pd.DataFrame({"user": ["a", "a", "a", "b", "b", "b"], "timestamp": [0.0, 10, 20, 0, 5, 5000],
                          "event": list("xyzxyz"), "anomaly": [0, 1, 0, 0, 0, 0]})
    return frame.assign(**changes)


@pytest.mark.parametrize("changes, gap, words", [
    (dict(user=["a", "a", None, "b", np.nan, "b"]), 1800.0, "column 'user' has 2 missing users (first at row 2)"),
    ({}, float("nan"), "gap must be a number of seconds > 0 or a pd.Timedelta, got nan"),
    ({}, -1, "gap must be a number of seconds > 0"),
    ({}, "30min", "gap must be a number of seconds > 0"),
    (dict(timestamp=["2024-01-01 00:00:00"] * 6), 1800.0, "parse text with pd.to_datetime(df['timestamp'])"),
    (dict(timestamp=[True, False] * 3), 1800.0, "column 'timestamp' has type bool"),
    (dict(timestamp=[0, 1, np.inf, 3, 4, 5]), 1800.0, "column 'timestamp' holds an infinite time"),
])
def test_sessionize_refuses_what_would_split_sessions_wrongly(changes, gap, words):
    with pytest.raises(ValueError) as err:
        sessionize(event_log(**changes), gap=gap)
    assert words in one_line(err)


def test_sessionize_reads_durations_as_times():
    log = sessionize(event_log(timestamp=pd.to_timedelta([0, 10, 20, 0, 5, 5000], unit="s")))
    assert log["session"].tolist() == [0, 0, 0, 1, 1, 2] and log["dt"].tolist()[:3] == [0.0, 10.0, 10.0]


@pytest.mark.parametrize("anomaly, shown", [([0, 1, np.nan, 0, 0, 0], "nan"), ([0, 0.5, 0, 0, 0, 0], "0.5"),
                                            (list("abcabc"), "'a'")])
def test_event_sessions_refuse_labels_that_are_not_class_ids(anomaly, shown):
    log = sessionize(event_log(anomaly=anomaly))
    with pytest.raises(ValueError) as err:
        EventSessions(log, event_vocab(log), target="anomaly")
    assert f"target column 'anomaly' has {shown} at row" in one_line(err)


def test_event_sessions_refuse_a_missing_event_and_a_bad_max_len():
    log = sessionize(event_log(event=["x", None, "y", "x", "y", "x"]))
    with pytest.raises(ValueError, match="column 'event' has 1 missing events"):
        EventSessions(log, event_vocab(log.dropna()), target=None)
    log = sessionize(event_log())
    for max_len in (0, -2, 2.5):
        with pytest.raises(ValueError, match="max_len must be an integer >= 1 or None"):
            EventSessions(log, event_vocab(log), target=None, max_len=max_len)


def test_vocab_decode_refuses_ids_outside_it():
    vocab = Vocab.build(["abc"])
    for bad in (99, -1):  # -1 used to decode as the last token
        with pytest.raises(ValueError, match=f"id {bad} is not in this vocabulary \\(ids 0..6\\)"):
            vocab.decode([4, bad])


def test_vocab_encode_and_load_refuse_what_they_cannot_read(tmp_path):
    with pytest.raises(ValueError, match="a text must be a string or a sequence of tokens, got NoneType"):
        Vocab.build(["abc"]).encode(None)
    (tmp_path / "v.json").write_text("{")
    with pytest.raises(ValueError, match="v.json is not JSON"):
        Vocab.load(tmp_path / "v.json")
    with pytest.raises(ValueError, match="nope.json: cannot read a vocabulary"):
        Vocab.load(tmp_path / "nope.json")
    (tmp_path / "w.json").write_text(json.dumps({"format": "rnnkit.vocab"}))
    with pytest.raises(ValueError, match="corrupt rnnkit vocabulary"):
        Vocab.load(tmp_path / "w.json")


def test_read_text_names_a_wrong_encoding(tmp_path):
    (tmp_path / "l.txt").write_bytes("sé".encode("latin-1"))
    with pytest.raises(ValueError, match="not utf-8 text \\(byte 0xe9 at byte offset 1\\); pass the file's encoding"):
        read_text(tmp_path / "l.txt")


def test_token_streams_and_labels_must_be_whole_numbers():
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        batchify(list(range(10)), 0)
    with pytest.raises(ValueError, match="the token stream must hold whole numbers; at position 0 it is 0.5"):
        BPTTBatches([0.5, 1.5] * 20, 2, 3)
    vocab = Vocab.build(["abc"])
    with pytest.raises(ValueError, match="labels must hold whole numbers; at position 0 it is 0.5"):
        TextClassificationDataset(["a", "c"], [0.5, 1.7], vocab)
    with pytest.raises(ValueError, match="labels must hold integer ids, got dtype <U3; map text labels to ids"):
        TextClassificationDataset(["a", "c"], ["pos", "neg"], vocab)
    assert TextClassificationDataset(["a", "c"], [1.0, 0.0], vocab).labels.tolist() == [1, 0]


@pytest.mark.parametrize("wave, rate, words", [
    (np.array([0.1, np.nan, 0.2]), 8000, "wave holds NaN or infinity at sample 1"),
    (np.array([0.1 + 1j, 0.2]), 8000, "wave must hold real samples"),
    (np.zeros((2, 2, 2)), 8000, "of shape (N,) or (N, C), got shape (2, 2, 2)"),
    (np.array([0.1, 0.2]), 0, "sample_rate must be a whole number of samples per second >= 1, got 0"),
    (np.array([0.1, 0.2]), 8000.5, "sample_rate must be a whole number"),
])
def test_write_wav_refuses_what_16_bit_pcm_would_misstore(tmp_path, wave, rate, words):
    with pytest.raises(ValueError) as err:
        audio.write_wav(tmp_path / "a.wav", wave, rate)
    assert words in one_line(err) and not (tmp_path / "a.wav").exists()


def test_resampling_and_mixing_refuse_impossible_settings():
    with pytest.raises(ValueError, match="new_rate must be a whole number of samples per second >= 1, got 0"):
        audio.resample_wave(np.zeros(100), 8000, 0)
    with pytest.raises(ValueError, match="snr_db must be a finite number of decibels, got nan"):
        audio.mix_at_snr(np.ones(10), np.ones(10), float("nan"))


def test_a_cell_or_layer_size_that_is_not_an_integer_is_refused_in_one_line():  # L13
    for args in [(3.5, 5), (3, "8"), (0, 4), (True, 4)]:
        with pytest.raises(ValueError, match="input_size and hidden_size must be integers >= 1"):
            rnnkit.LSTM(*args)
    with pytest.raises(ValueError, match="MinGRUCell: input_size and hidden_size must be integers >= 1, got 2.0"):
        rnnkit.MinGRU(2.0, 3)
    with pytest.raises(ValueError, match="num_layers must be an integer >= 1, got 1.5"):
        rnnkit.GRU(3, 4, num_layers=1.5)
    assert rnnkit.LSTM(np.int64(3), 4).hidden_size == 4  # numpy integers are integers


def test_a_time_level_of_date_objects_is_read_and_one_of_other_objects_refused():  # E44
    import datetime

    days = [datetime.date(2024, 1, d) for d in (1, 2, 3)]
    X = pd.DataFrame({"a": np.arange(12.0)}, index=pd.MultiIndex.from_product([[0, 1, 2, 3], days]))
    seqs = rnnkit.estimators.as_sequences(X, "fit")[0]
    assert [s.ravel().tolist() for s in seqs[:2]] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    odd = pd.MultiIndex.from_arrays([[0, 0, 1, 1], [days[0], (1, 2), days[0], days[1]]])
    with pytest.raises(ValueError, match=r"time level holds tuple values \(e.g. \(1, 2\)\)"):
        rnnkit.estimators.as_sequences(pd.DataFrame({"a": [1.0, 2, 3, 4]}, index=odd), "fit")


def test_a_regression_y_mixing_bools_and_numbers_is_refused():  # E56
    X = [np.random.default_rng(i).random((5, 2)) for i in range(4)]
    with pytest.raises(ValueError, match="y mixes True/False with numbers \\(a bool at position 1\\)"):
        SequenceRegressor(max_epochs=1, hidden_size=4).fit(X, np.array([0.5, True, 2.0, 0.0], dtype=object))


def test_a_varying_numeric_target_is_quoted_as_written_not_as_a_numpy_repr(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,t,f,target\na,0,1,0.1\na,1,2,0.2\nb,0,1,1\n")
    message = refused(path, time_column="t")
    assert "several values in 'target' (0.1 on line 2, 0.2 on line 3)" in message and "np.float64" not in message


def test_save_refuses_a_model_directory_that_holds_files_rnnkit_did_not_write(tmp_path):
    X, y = data()
    clf = SequenceClassifier(**FAST).fit(X, y)
    clf.save(tmp_path / "m")
    clf.save(tmp_path / "m")  # a model directory of rnnkit's own files is replaced
    (tmp_path / "m" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"also holds \['notes.txt'\], which rnnkit did not write"):
        clf.save(tmp_path / "m")
    assert (tmp_path / "m" / "notes.txt").read_text() == "mine" and rnnkit.load(tmp_path / "m") is not None


def test_export_refuses_an_export_directory_that_holds_other_files(tmp_path):
    from rnnkit.deploy.export import EXPORT_FILE, FORMAT

    out = tmp_path / "ex"
    out.mkdir()
    (out / EXPORT_FILE).write_text(json.dumps({"format": FORMAT}))
    (out / "client.py").write_text("mine")
    X, y = data()
    with pytest.raises(ValueError, match=r"also holds \['client.py'\], which the export did not write"):
        rnnkit.export_onnx(SequenceClassifier(**FAST).fit(X, y), out)
    assert (out / "client.py").read_text() == "mine"
