"""The twenty-third round: the training layer's datasets and samplers (C23-01 … 05), files written onto a
directory (C23-06), the text, DNA and video loaders (C23-07 … 14), reports (C23-15 … 17), windows and frames of
time series (C23-18 … 21) and event logs (C23-22 … 24), given what a new user gives them."""

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line, user_warnings

from rnnkit import LSTMState
from rnnkit.apps import speech
from rnnkit.data import (
    BioSequenceDataset,
    EventSessions,
    FrameEncoder,
    RaggedStore,
    TextClassificationDataset,
    TimeSeriesFrame,
    Vocab,
    batchify,
    difference,
    embed_frames,
    read_fasta,
    sessionize,
    sliding_windows,
    synthetic_event_log,
    write_json,
    write_ragged,
    write_wav,
)
from rnnkit.data.bio import dinucleotide_shuffle
from rnnkit.data.events import event_vocab
from rnnkit.data.text import read_text
from rnnkit.data.timeseries import Preprocessor
from rnnkit.report import format_mean_sd, write_report
from rnnkit.training import LengthBuckets, SequenceDataset, detach_state

X = torch.randn(6, 5, 2)
LENGTHS = torch.tensor([5, 4, 3, 5, 2, 1])
Y = torch.tensor([0, 1, 0, 1, 0, 1])


# -- C23-01: weights that no loss can use ------------------------------------------------------------------------
@pytest.mark.parametrize("weights, expected", [
    ([1.0, -1.0, 1.0, 1.0, 1.0, 1.0], "sequence 1 has weight -1.0 (1 such); each weight must be a finite number >= 0"),
    ([1.0, 1.0, float("nan"), 1.0, 1.0, 1.0], "sequence 2 has weight nan"),
    ([1.0, 1.0, 1.0, float("inf"), 1.0, 1.0], "sequence 3 has weight inf"),
    ([0.0] * 6, "every one of the 6 weights is 0, so no sequence counts in the loss"),
    ([[1.0]] * 6, "weights must have shape (N,), one per sequence, got (6, 1); pass weights.ravel()"),
])
def test_C23_01_sequence_weights_negative_nan_zero_or_of_another_shape_are_refused(weights, expected):
    with pytest.raises(ValueError) as e:  # before: kept, a negative weight pushing its sequence's loss up
        SequenceDataset(X, LENGTHS, Y, weights=torch.tensor(weights))
    assert expected in one_line(e)
    kept = SequenceDataset(X, LENGTHS, Y, weights=torch.tensor([1.0, 0.0, 2.0, 1.0, 1.0, 1.0]))
    assert kept.batch([1, 2]).weights.tolist() == [0.0, 2.0]


# -- C23-02: target lengths of another count, dtype or range -----------------------------------------------------
@pytest.mark.parametrize("y_lengths, expected", [
    (torch.tensor([3, 3]), "y_lengths must have shape (6,), one per sequence, got (2,)"),
    (torch.full((6,), 9), "sequence 0 has y_lengths 9, but y has 4 steps; each must be in [1, 4]"),
    (torch.tensor([2, 2, 0, 2, 2, 2]), "sequence 2 has y_lengths 0, but y has 4 steps"),
    (torch.full((6,), 2.5), "y_lengths must be integer step counts, got dtype torch.float32"),
])
def test_C23_02_target_lengths_of_another_count_or_beyond_the_targets_are_refused(y_lengths, expected):
    y = torch.zeros(6, 4)
    with pytest.raises(ValueError) as e:  # before: an IndexError in a batch, a cut, a target of no step, truncation
        SequenceDataset(X, LENGTHS, y, y_lengths=y_lengths)
    assert expected in one_line(e)
    data = SequenceDataset(X, LENGTHS, y, y_lengths=torch.tensor([4, 1, 2, 2, 2, 2]))
    assert data.batch([1, 2]).y.shape == (2, 2)


# -- C23-03: y_per_step with one target per sequence -------------------------------------------------------------
def test_C23_03_per_step_targets_of_one_per_sequence_are_refused_at_build():
    with pytest.raises(ValueError) as e:  # before: IndexError: too many indices, in the first batch
        SequenceDataset(X, LENGTHS, Y, y_per_step=True)
    assert one_line(e) == ("SequenceDataset: y_per_step=True reads one target per step, y of shape (N, T, ...) with "
                           "x's T=5 steps, got y of shape (6,); one target per sequence: leave y_per_step out")
    with pytest.raises(ValueError, match=r"with x's T=5 steps, got y of shape \(6, 3\)$"):
        SequenceDataset(X, LENGTHS, torch.zeros(6, 3), y_per_step=True)
    assert SequenceDataset(X, LENGTHS, torch.zeros(6, 5), y_per_step=True).batch([4, 5]).y.shape == (2, 2)


# -- C23-04: ragged sequences as numpy holds them ----------------------------------------------------------------
def test_C23_04_an_object_array_of_ragged_sequences_is_read_as_a_list():
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = np.arange(6.0).reshape(3, 2), np.ones((2, 2))
    data = SequenceDataset(ragged, None, [0, 1])  # before: torch's "can't convert np.ndarray of type numpy.object_"
    assert data.lengths.tolist() == [3, 2]
    assert data.x[0].tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    assert data.x[1].tolist() == [[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]]


# -- C23-05: a sampler of no batch size --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, expected", [
    ({"batch_size": 0}, "LengthBuckets: batch_size must be an integer >= 1, got 0"),
    ({"batch_size": 2.0}, "LengthBuckets: batch_size must be an integer >= 1, got 2.0"),
    ({"batch_size": 2, "bucket_size": -4}, "LengthBuckets: bucket_size must be an integer >= 1 or None, got -4"),
])
def test_C23_05_length_buckets_of_no_batch_size_are_refused(kwargs, expected):
    data = SequenceDataset(X, LENGTHS, Y)
    with pytest.raises(ValueError) as e:  # before: ZeroDivisionError, TypeError at the first epoch
        LengthBuckets(data, **kwargs)
    assert one_line(e) == expected
    assert sorted(i for b in LengthBuckets(data, 4, shuffle=False) for i in b) == list(range(6))


# -- C23-06: a file written onto a directory, or into a folder that is missing -----------------------------------
def test_C23_06_files_written_onto_a_directory_or_a_missing_folder_name_the_path(tmp_path):
    (tmp_path / "taken").mkdir()
    for write in (lambda p: write_json(p, {"a": 1}), lambda p: Vocab.build(["ab"]).save(p),
                  lambda p: write_wav(p, np.zeros(800, np.float32), 8000)):
        with pytest.raises(ValueError) as e:  # before: IsADirectoryError naming '.taken.XXXX.tmp' -> 'taken'
            write(tmp_path / "taken")
        assert one_line(e) == f"{tmp_path / 'taken'} is a directory; give the path of a file to write (e.g. " \
                              f"{tmp_path / 'taken' / 'NAME'})"
        with pytest.raises(ValueError) as e:  # before: FileNotFoundError naming the temporary file
            write(tmp_path / "nodir" / "v.json")
        assert one_line(e) == (f"cannot write {tmp_path / 'nodir' / 'v.json'}: its folder {tmp_path / 'nodir'} does "
                               "not exist; create the folder first (mkdir -p) or give another path")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == [] and not (tmp_path / "nodir").exists()
    write_json(tmp_path / "taken" / "v.json", {"a": 1})
    assert (tmp_path / "taken" / "v.json").read_text() == '{\n "a": 1\n}\n'


# -- C23-07: texts given as a dict or a DataFrame ----------------------------------------------------------------
def test_C23_07_texts_given_as_a_dict_or_a_dataframe_are_refused_not_read_as_their_keys():
    files = {"a.py": "print(1)\n", "b.py": "x = 2\n"}
    with pytest.raises(ValueError) as e:  # before: a vocabulary of the file names' characters
        Vocab.build(files)
    assert one_line(e) == ("Vocab.build: corpus is a dict of 2 entries (keys ['a.py', 'b.py']), and iterating a dict "
                           "gives its keys, not its texts; pass its texts: list(corpus.values())")
    assert set(Vocab.build(list(files.values())).itos[4:]) == set("print(1)\nx = 2")
    df = pd.DataFrame({"review": ["good film", "bad film"], "stars": [5, 1]})
    vocab = Vocab.build(df["review"], level="word")
    with pytest.raises(ValueError) as e:  # before: the column names 'review' and 'stars' read as the two texts
        TextClassificationDataset(df, [1, 0], vocab)
    assert one_line(e) == ("TextClassificationDataset: texts is a DataFrame, and iterating one gives its column names "
                           "(['review', 'stars']), not its texts; pass the column of texts, e.g. df['review']")


# -- C23-08: one text for a dataset of texts ---------------------------------------------------------------------
def test_C23_08_one_string_as_the_texts_is_refused_not_read_letter_by_letter():
    vocab = Vocab.build(["abcd"])
    with pytest.raises(ValueError) as e:  # before: four texts of one letter each
        TextClassificationDataset("abcd", [0, 1, 0, 1], vocab)
    assert one_line(e) == ("texts is one string ('abcd'), so each of its 4 characters would be a text; "
                           "TextClassificationDataset takes a list of texts: pass [text]")


# -- C23-09: labels that are not one per item --------------------------------------------------------------------
def test_C23_09_one_hot_or_column_labels_are_refused_by_the_datasets():
    vocab = Vocab.build(["ab", "cd"])
    with pytest.raises(ValueError) as e:  # before: kept as label vectors, misread by the loss
        TextClassificationDataset(["ab", "cd"], np.array([[0, 1], [1, 0]]), vocab)
    assert one_line(e) == ("labels must hold one class id per item, shape (N,), got shape (2, 2); one-hot rows? "
                           "pass labels.argmax(1)")
    with pytest.raises(ValueError, match=r"got shape \(2, 1\); a column of ids\? pass labels.ravel\(\)$"):
        BioSequenceDataset(["ACGT", "AC"], np.array([[0], [1]]))
    assert BioSequenceDataset(["ACGT", "AC"], np.array([[0], [1]]).ravel()).labels.tolist() == [0, 1]


# -- C23-10: a stream of True/False ------------------------------------------------------------------------------
def test_C23_10_a_token_stream_of_bools_is_refused_not_read_as_pad_and_unk():
    with pytest.raises(ValueError) as e:  # before: True read as id 1 (<unk>), False as 0 (<pad>)
        batchify(torch.tensor([True, False] * 10), 2)
    assert one_line(e).startswith("the token stream holds True/False, not token ids (True would be read as id 1")
    with pytest.raises(ValueError, match="the token stream holds True/False"):
        batchify(np.array([True, False] * 10), 2)
    assert batchify(torch.arange(20), 2).shape == (2, 10)


# -- C23-11: an encoding Python does not know --------------------------------------------------------------------
def test_C23_11_an_unknown_encoding_is_named_with_known_ones(tmp_path):
    (tmp_path / "a.txt").write_text("héllo", encoding="latin-1")
    with pytest.raises(ValueError) as e:  # before: LookupError: unknown encoding: latin1x
        read_text(tmp_path / "a.txt", encoding="latin1x")
    assert one_line(e) == ("read_text: 'latin1x' is not an encoding Python knows; pass the file's encoding by a name "
                           "such as 'utf-8', 'latin-1', 'cp1252' or 'utf-16'")
    assert read_text(tmp_path / "a.txt", encoding="latin-1") == "héllo"


# -- C23-12: FASTA records that share a name ---------------------------------------------------------------------
def test_C23_12_fasta_records_of_one_name_are_warned_of(tmp_path):
    path = tmp_path / "two.fa"
    path.write_text(">r1\nACGT\n>r2\nGG\n>r1\nTTTT\n")
    records = []
    said = user_warnings(lambda: records.extend(read_fasta(path)))  # before: kept without a word
    assert said == [f"{path}: record 2 is named 'r1', as record 0 is, and holds another sequence (1 record(s) repeat "
                    "an earlier name); both are kept, but a table keyed by name would mix them up: drop repeated "
                    "records or rename them"]
    assert [r.sequence for r in records] == ["ACGT", "GG", "TTTT"]
    path.write_text(">r1\nACGT\n>r2\nGG\n")
    assert user_warnings(lambda: read_fasta(path)) == []


# -- C23-13: a seed that is no seed ------------------------------------------------------------------------------
def test_C23_13_dinucleotide_shuffle_of_a_float_seed_is_refused():
    with pytest.raises(ValueError) as e:  # before: numpy's "SeedSequence expects int or sequence of ints"
        dinucleotide_shuffle("ACGTTGCA", rng=1.5)
    assert one_line(e) == "dinucleotide_shuffle: rng must be a numpy Generator or an integer seed >= 0, got 1.5"
    assert sorted(dinucleotide_shuffle("ACGTTGCA", rng=np.random.default_rng(1))) == sorted("ACGTTGCA")


# -- C23-14: frames embedded in chunks of no frame ---------------------------------------------------------------
@pytest.mark.parametrize("chunk_size", [0, -1, 2.5])
def test_C23_14_embed_frames_in_chunks_of_no_frame_is_refused(chunk_size):
    with pytest.raises(ValueError) as e:  # before: "range() arg 3 must not be zero", torch.cat of nothing, TypeError
        embed_frames(FrameEncoder(4), torch.zeros(3, 1, 8, 8), chunk_size=chunk_size)
    assert one_line(e) == ("embed_frames: chunk_size must be an integer >= 1 (frames per forward pass), got "
                           f"{chunk_size}")


# -- C23-15: results whose keys JSON writes alike ----------------------------------------------------------------
def test_C23_15_report_keys_written_alike_are_refused_not_one_dropped(tmp_path):
    with pytest.raises(ValueError) as e:  # before: report.json held {"1": 4}; the 3 of key 1 lost
        write_report(tmp_path / "r", title="t", results={"by_seed": {1: 3.0, "1": 4.0}}, markdown="x")
    assert one_line(e) == ("write_report: results['by_seed'] has the keys 1 and '1', which JSON writes alike ('1'), "
                           "so one would be lost; give the keys one type (e.g. all str)")
    assert not (tmp_path / "r").exists()


# -- C23-16: a title or page that is no text, a set among the results --------------------------------------------
def test_C23_16_report_title_or_markdown_not_text_and_sets_are_named(tmp_path):
    with pytest.raises(ValueError) as e:  # before: AttributeError: 'NoneType' object has no attribute 'replace'
        write_report(tmp_path / "r", title=None, results={}, markdown="x")
    assert one_line(e) == "write_report: title must be a str (the page's heading), got NoneType"
    with pytest.raises(ValueError) as e:  # before: TypeError: argument of type 'NoneType' is not iterable
        write_report(tmp_path / "r", title="t", results={}, markdown=None)
    assert one_line(e) == "write_report: markdown must be a str (the page's body), got NoneType"
    with pytest.raises(TypeError) as e:  # before: "set in results is not JSON", which key not said
        write_report(tmp_path / "r", title="t", results={"runs": [{"cells": {"lstm"}}]}, markdown="x")
    assert one_line(e) == ("write_report: set in results is not JSON (at results['runs'][0]['cells']); give numbers, "
                           "strings, lists and dicts (a set: sorted(...) as a list)")


# -- C23-17: digits that are no count -----------------------------------------------------------------------------
@pytest.mark.parametrize("digits", [0, -1, 2.0])
def test_C23_17_format_with_no_digits_is_refused(digits):
    with pytest.raises(ValueError) as e:  # before: "Format specifier missing precision"; 0 gave one digit
        format_mean_sd([0.91, 0.93], digits=digits)
    assert one_line(e) == f"format_stat: digits must be an integer >= 1 (significant digits of the mean), got {digits}"
    assert format_mean_sd([0.91, 0.93], digits=2) == "0.92 ± 0.01"


# -- C23-18: windows of a series newest first --------------------------------------------------------------------
def test_C23_18_windows_of_a_series_out_of_time_order_are_refused():
    days = pd.date_range("2020-01-01", periods=10, freq="D")
    series = pd.Series(np.arange(10.0), index=days)
    with pytest.raises(ValueError) as e:  # before: each target taken from the day before its inputs
        sliding_windows(series[::-1], 3, 1)
    assert one_line(e) == ("sliding_windows: row 1 (2020-01-09) comes before row 0 (2020-01-10) in time (the rows run "
                           "newest first); windows are cut by row, so each target would precede its inputs: sort the "
                           "rows first (values.sort_index())")
    with pytest.raises(ValueError) as e:
        sliding_windows(series.iloc[[0, 1, 1, 2, 3, 4, 5]].to_frame(), 3, 1)
    assert one_line(e) == ("sliding_windows: the index repeats 2020-01-02 at rows 1 and 2; windows are cut by row, so "
                           "give one row per time (e.g. values.groupby(level=0).mean())")
    x, y = sliding_windows(series[::-1].sort_index(), 3, 1)
    assert x[0].ravel().tolist() == [0.0, 1.0, 2.0] and y[0].ravel().tolist() == [3.0]


# -- C23-19: an array features-first -----------------------------------------------------------------------------
def test_C23_19_windows_of_a_features_first_array_name_the_transpose():
    values = np.zeros((2, 50))
    with pytest.raises(ValueError) as e:  # before: "the series has 2" steps, no layout named
        sliding_windows(values, 3, 2)
    assert one_line(e) == ("sliding_windows reads rows as time steps, (N, F), but values of shape (2, 50) have 2 rows, "
                           "fewer than the lookback (3) + horizon (2); they look features-first (F, N): pass values.T")
    assert sliding_windows(values.T, 3, 2)[0].shape == (46, 3, 2)


# -- C23-20: one column name as a str ----------------------------------------------------------------------------
def test_C23_20_column_index_of_a_str_is_refused_not_read_letter_by_letter():
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"ab": [1.0, 2.0], "a": [3.0, 4.0], "b": [5.0, 6.0]},
                                                     index=pd.date_range("2020", periods=2)))
    with pytest.raises(ValueError) as e:  # before: [1, 2], the columns 'a' and 'b', for 'ab'
        frame.column_index("ab")
    assert one_line(e) == "column_index takes a list of column names, got the str 'ab'; pass ['ab']"
    assert frame.column_index(["ab"]) == [0]


# -- C23-21: differences along an axis x lacks --------------------------------------------------------------------
def test_C23_21_difference_along_an_axis_x_lacks_is_refused():
    with pytest.raises(ValueError) as e:  # before: IndexError: tuple index out of range
        difference(np.arange(10.0), 1, axis=1)
    assert one_line(e) == "difference: axis must be one of x's 1 axes (the time axis), got 1 for x of shape (10,)"
    assert difference(np.arange(10.0)[:, None], 2, axis=0)[0].ravel().tolist() == [2.0] * 8


# -- C23-22: an event log's own columns as its label -------------------------------------------------------------
@pytest.mark.parametrize("target, what", [("dt", "the seconds between events"), ("session", "each session's id"),
                                          ("timestamp", "the events' times")])
def test_C23_22_event_sessions_labelled_by_their_own_columns_are_refused(target, what):
    log = sessionize(pd.DataFrame({"user": [1, 1, 1, 2, 2], "timestamp": [0, 10, 20, 0, 5],
                                   "event": ["a", "b", "a", "b", "c"], "anomaly": [0, 0, 1, 0, 0]}))
    with pytest.raises(ValueError) as e:  # before: the session's largest dt (10 s) read as class 10
        EventSessions(log, event_vocab(log), target=target)
    assert one_line(e) == (f"target={target!r} names the column of {what}, which EventSessions reads as input, not a "
                           "label; give the column of per-event labels (e.g. target='anomaly': a session's label is "
                           "its maximum), 'next' for next-event prediction, or None")
    assert [int(y) for _, y in EventSessions(log, event_vocab(log), target="anomaly")] == [1, 0]


# -- C23-23: a vocabulary of another log -------------------------------------------------------------------------
def test_C23_23_a_vocabulary_that_knows_few_of_the_events_is_warned_of():
    log = sessionize(pd.DataFrame({"user": [1, 1, 1, 2, 2], "timestamp": [0, 10, 20, 0, 5],
                                   "event": ["a", "b", "a", "b", "c"]}))
    other = event_vocab(log.assign(event=["x", "y", "x", "y", "a"]))
    said = user_warnings(lambda: EventSessions(log, other))  # before: 3 of 5 events read as <unk>, without a word
    assert said == ["EventSessions: 3 of the log's 5 events are not in the vocabulary (e.g. ['b', 'c']; it holds "
                    "['x', 'y', 'a']) and are read as <unk>; build the vocabulary from this log's events "
                    "(event_vocab(df)), or pass strict=True to refuse unknown events"]
    assert user_warnings(lambda: EventSessions(log, event_vocab(log))) == []


# -- C23-24: a synthetic log of no user --------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, expected", [
    ({"n_users": 0}, "n_users must be an integer >= 1, got 0"),
    ({"n_users": 2, "sessions_per_user": 0}, "sessions_per_user must be an integer >= 1, got 0"),
    ({"n_users": 2, "anomaly_rate": 5}, "anomaly_rate must be a probability in [0, 1] (the share of sessions with an "
                                        "anomaly), got 5"),
])
def test_C23_24_a_synthetic_log_of_no_user_or_session_is_refused(kwargs, expected):
    with pytest.raises(ValueError) as e:  # before: an empty log; a rate of 5 an anomaly in every session
        synthetic_event_log(**kwargs)
    assert one_line(e) == f"synthetic_event_log: {expected}"
    assert synthetic_event_log(2, sessions_per_user=1)["user"].nunique() == 2


# -- C23-25: torch.nn's (h, c) tuple through detach_state -------------------------------------------------------
def test_C23_25_detach_state_of_a_plain_tuple_or_list_cuts_each_tensor():
    h, c = torch.zeros(1, 2, 3, requires_grad=True) * 1, torch.ones(1, 2, 3, requires_grad=True) * 1
    state = detach_state((h, c))  # before: TypeError: tuple expected at most 1 argument, got 2
    assert type(state) is tuple and [t.requires_grad for t in state] == [False, False]
    assert torch.equal(state[1], c)
    one = torch.arange(2.0, requires_grad=True) * 1
    layers = detach_state([one])  # before: [tensor(0.), tensor(1.)]: the tensor's elements, silently
    assert type(layers) is list and len(layers) == 1 and torch.equal(layers[0], one) and not layers[0].requires_grad
    assert type(detach_state(LSTMState(h, c))) is LSTMState
    with pytest.raises(ValueError, match=r"^detach_state: a state is a tensor, .* got ndarray$"):
        detach_state(np.zeros(3))


# -- C23-26: a standardisation of scale 0 ------------------------------------------------------------------------
def test_C23_26_standardise_with_a_scale_of_zero_is_refused():
    frames = [np.random.default_rng(0).normal(size=(5, 3))]
    with pytest.raises(ValueError) as e:  # before: every frame of feature 0 became -inf or inf
        speech.standardise(frames, np.zeros(3), np.array([0.0, 1.0, 1.0]))
    assert one_line(e) == ("standardise: feature 0 has mean 0.0 and scale 0.0; each scale must be a finite number > 0 "
                           "and each mean finite (fit_standardisation gives a constant feature the scale 1)")
    mean, scale = speech.fit_standardisation([np.ones((4, 3)), np.ones((2, 3))])
    assert speech.standardise([np.ones((2, 3))], mean, scale)[0].tolist() == [[0.0] * 3] * 2


# -- C23-27: a store written into a folder of one's own files ----------------------------------------------------
def test_C23_27_a_ragged_store_into_a_folder_holding_its_file_names_is_refused(tmp_path):
    np.save(tmp_path / "data.npy", np.arange(5))  # the user's own array, of the store's file name
    with pytest.raises(ValueError) as e:  # before: replaced by the store's data.npy, without a word
        write_ragged(tmp_path, [np.zeros((3, 2))])
    assert one_line(e) == (f"RaggedWriter: {tmp_path} holds data.npy but is not a ragged store, and the store's files "
                           "would replace them; give a new or empty directory (or a store's)")
    assert np.load(tmp_path / "data.npy").tolist() == [0, 1, 2, 3, 4]
    assert [p.name for p in tmp_path.iterdir()] == ["data.npy"]
    store = tmp_path / "store"
    write_ragged(store, [np.zeros((3, 2))])
    write_ragged(store, [np.ones((2, 2))])  # a store is replaced, as documented
    assert RaggedStore(store)[0].tolist() == [[1.0, 1.0], [1.0, 1.0]]


# -- C23-28: a module where seeded_fit takes a function that builds one ------------------------------------------
def test_C23_28_seeded_fit_given_a_module_not_a_builder_is_refused():
    from rnnkit.models import SequenceToLabel
    from rnnkit.training import SequenceDataModule, SequenceModule, seeded_fit

    data = SequenceDataModule(SequenceDataset(X, LENGTHS, Y), batch_size=3)
    module = SequenceModule(SequenceToLabel(2, 4, 2))
    with pytest.raises(ValueError) as e:  # before: TypeError: SequenceToLabel.forward() missing … 'x'
        seeded_fit(module, data, seed=0, max_epochs=1)
    assert one_line(e) == ("seeded_fit: build must be a function that returns a new module (its weights drawn from "
                           "the seed), e.g. lambda: SequenceModule(model_factory()), got a SequenceModule instance")


# -- C23-29: Preprocessor flags as text, one calendar feature as a str -------------------------------------------
def test_C23_29_preprocessor_flags_as_text_and_a_calendar_str_are_refused():
    with pytest.raises(ValueError) as e:  # before: "no" is truthy: a mask channel added to every input
        Preprocessor(mask="no")
    assert one_line(e) == "Preprocessor: mask must be True or False, got 'no'"
    with pytest.raises(ValueError) as e:  # before: unknown calendar features ['m', 'o', 'n', 't', 'h']
        Preprocessor(calendar="month")
    assert one_line(e) == "calendar takes a list of features, got the str 'month'; pass calendar=['month']"
    assert Preprocessor(calendar=["month"], mask=False).calendar == ("month",)


# -- C23-30: training rows beyond the series ---------------------------------------------------------------------
def test_C23_30_preprocessor_rows_beyond_the_series_are_refused():
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"y": np.arange(20.0)}, index=pd.date_range("2020",
                                                                                                  periods=20)))
    for rows in (range(10, 40), range(-5, 10)):
        with pytest.raises(ValueError) as e:  # before: cut to rows 10..19 (mean 14.5), or counted from the end
            Preprocessor().fit(frame, rows)
        assert one_line(e) == (f"rows {rows} lie beyond the series' 20 rows; give a range inside range(0, 20) (e.g. "
                               "split_by_time(frame).train)")
    assert Preprocessor().fit(frame, range(10, 20)).mean_.tolist() == [14.5]


# -- C23-31: sessions flagged as numbers other than 0/1, or of another count -------------------------------------
def test_C23_31_precision_recall_of_flags_that_are_no_bools_or_of_another_count_is_refused():
    from rnnkit.apps import eventlogs

    with pytest.raises(ValueError) as e:  # before: 2 & 1 is 0, so the flagged anomalous session was no hit
        eventlogs.precision_recall_f1(np.array([0, 2, 1]), np.array([0, 1, 1]))
    assert one_line(e) == ("precision_recall_f1: flagged must hold True/False (or 1/0) per session, got 2; "
                           "flag_sessions gives flagged, a Part's anomalous sessions the truth")
    with pytest.raises(ValueError) as e:  # before: numpy's "operands could not be broadcast together"
        eventlogs.precision_recall_f1(np.zeros(3, bool), np.zeros(4, bool))
    assert one_line(e) == ("precision_recall_f1: flagged and truth must be 1-D, one per session, of one length, got "
                           "shapes (3,) and (4,)")
    assert eventlogs.precision_recall_f1(np.array([0, 1, 1]), np.array([False, True, False])) == (0.5, 1.0, 2 / 3)


# -- C23-32: a decode length beyond the frames, a batch of logits ------------------------------------------------
def test_C23_32_greedy_decode_beyond_the_frames_or_of_a_batch_is_refused():
    from rnnkit.apps import spoken_digits

    logits = torch.zeros(5, 11)
    with pytest.raises(ValueError) as e:  # before: decoded the 5 frames there are, as if 9
        spoken_digits.greedy_decode(logits, 9)
    assert one_line(e) == ("greedy_decode: logits must be one utterance's (T, 11) outputs and length its frames in "
                           "[0, T], got logits of shape (5, 11) and length 9")
    with pytest.raises(ValueError, match=r"decode a batch one utterance at a time \(logits\[i\], lengths\[i\]\)$"):
        spoken_digits.greedy_decode(torch.zeros(2, 5, 11), 5)  # before: TypeError of list - int
    logits[:, 3] = 1.0
    assert spoken_digits.greedy_decode(logits, 5) == [2]


# -- C23-33: bits of a stream in pieces of no character ----------------------------------------------------------
def test_C23_33_stream_bits_in_pieces_of_no_character_or_of_one_id_are_refused():
    from rnnkit.apps import charlm

    with pytest.raises(ValueError) as e:  # before: "range() arg 3 must not be zero"
        charlm.stream_bits(None, torch.arange(5), chunk=0)
    assert one_line(e) == "stream_bits: chunk must be an integer >= 1 (characters per piece), got 0"
    with pytest.raises(ValueError) as e:  # before: ZeroDivisionError
        charlm.dynamic_bits(None, torch.tensor([3]), lr=0.1)
    assert one_line(e) == ("dynamic_bits: ids must be one stream of 2 or more character ids, a 1-D tensor (N,) "
                           "(vocab.encode(text)), got (1,)")
    with pytest.raises(ValueError, match=r"^dynamic_bits: lr must be a finite step size >= 0"):
        charlm.dynamic_bits(None, torch.arange(5), lr=-0.1)


# -- C23-34: clips left beside the class folders -----------------------------------------------------------------
def test_C23_34_wav_files_beside_the_class_folders_are_named_not_left_out(tmp_path):
    from rnnkit.data import AudioDataset

    wave = np.sin(np.arange(800) / 5).astype(np.float32) * 0.5
    for where in ("dog/a.wav", "cat/b.wav", "c.wav"):
        (tmp_path / where).parent.mkdir(exist_ok=True)
        write_wav(tmp_path / where, wave, 8000)
    with pytest.raises(ValueError) as e:  # before: 2 clips read, c.wav left out without a word
        AudioDataset.from_folder(tmp_path, sample_rate=8000)
    assert one_line(e) == (f"{tmp_path} holds 1 WAV file(s) directly (e.g. c.wav), outside any class folder, which "
                           "from_folder does not read: it reads root/<class>/*.wav; move each into the folder of its "
                           "class (the classes: ['cat', 'dog'])")
    (tmp_path / "c.wav").rename(tmp_path / "cat" / "c.wav")
    assert AudioDataset.from_folder(tmp_path, sample_rate=8000).labels.tolist() == [0, 0, 1]


# -- C23-35: moving digits of no frame, no digit, or speeds reversed --------------------------------------------
@pytest.mark.parametrize("kwargs, expected", [
    ({"n_frames": 0}, "n_frames must be an integer >= 1, got 0"),
    ({"n_frames": 5, "n_digits": 0}, "n_digits must be an integer >= 1, got 0"),
    ({"n_frames": 5, "speed": (4.0, 2.0)}, "speed must be (low, high) pixels per frame with 0 <= low <= high, got "
                                           "(4.0, 2.0)"),
])
def test_C23_35_moving_digits_of_no_frame_or_digit_or_reversed_speeds_are_refused(kwargs, expected):
    from rnnkit.data.video import moving_digits

    with pytest.raises(ValueError) as e:  # before: an empty or blank video; numpy's "high - low < 0"
        moving_digits(**kwargs)
    assert one_line(e) == f"moving_digits: {expected}"
    assert moving_digits(3, size=32, n_digits=1, digit_size=12).frames.max() > 200


# -- C23-36: verbose as text -------------------------------------------------------------------------------------
def test_C23_36_make_trainer_verbose_as_text_is_refused():
    from rnnkit.training import make_trainer

    with pytest.raises(ValueError) as e:  # before: "no" is truthy: progress bars and Lightning's messages
        make_trainer(max_epochs=1, verbose="no")
    assert one_line(e) == ("make_trainer: verbose must be True or False (or a count >= 0, as the estimators take it), "
                           "got 'no'")
    assert make_trainer(max_epochs=1, verbose=2).max_epochs == 1


# -- C23-37: texts and labels from frames of other row orders ----------------------------------------------------
def test_C23_37_texts_and_labels_of_other_indexes_are_refused_not_paired_by_position():
    df = pd.DataFrame({"text": ["good film", "bad film", "great", "awful"], "label": [1, 0, 1, 0]})
    shuffled = df.sample(frac=1, random_state=1)  # index 3, 2, 0, 1 … the texts of another order
    vocab = Vocab.build(df["text"], level="word")
    with pytest.raises(ValueError) as e:  # before: 'awful' paired with label 1 (row 0's), by position
        TextClassificationDataset(shuffled["text"], df["label"], vocab)
    assert one_line(e) == ("texts and labels are pandas objects of other indexes (texts' index has 3 at position 0, "
                           "labels' 0), and they are read by position, so each would get another row's label; align "
                           "them first: labels.loc[texts.index] (or take both from one DataFrame)")
    right = TextClassificationDataset(shuffled["text"], df["label"].loc[shuffled.index], vocab)
    assert right.labels.tolist() == shuffled["label"].tolist()
    with pytest.raises(ValueError, match=r"^sequences and labels are pandas objects of other indexes"):
        BioSequenceDataset(pd.Series(["ACGT", "GG"], index=[1, 0]), pd.Series([0, 1]))


# -- C23-38: validation sequences of other features --------------------------------------------------------------
def test_C23_38_a_data_module_of_validation_features_unlike_training_is_refused():
    from rnnkit.training import SequenceDataModule

    train, val = SequenceDataset(X, LENGTHS, Y), SequenceDataset(torch.randn(4, 5, 3), None, torch.tensor([0, 1] * 2))
    with pytest.raises(ValueError) as e:  # before: the model's "x has 3 features", after the first training epoch
        SequenceDataModule(train, val)
    assert one_line(e) == ("SequenceDataModule: val's sequences have steps of shape (3,) but train's (2,); give both "
                           "the same features, in one order")
    assert SequenceDataModule(train, SequenceDataset(X[:2], LENGTHS[:2], Y[:2])).val is not None


# -- C23-39: a comparison's figures drawn again from its report.json ---------------------------------------------
def test_C23_39_compare_plots_of_results_read_back_from_report_json_draw():
    import json

    from rnnkit.compare import plots

    run = {"curve_steps": [1, 2], "curve_val_loss": [None, 0.5], "length": 10, "gradient_by_lag": [1.0, None, 0.1],
           "reach": 2}
    results = json.loads(json.dumps({  # as report.json holds them: one seed's sd and non-finite numbers are null
        "runs": {"rnn": [run], "gru": [dict(run, curve_val_loss=[0.9, 0.4])]},
        "summary": {c: {"10": {"test_metric": {"mean": 0.5, "sd": None}}} for c in ("rnn", "gru")},
        "task_info": {"10": {"chance": 0.17, "metric": "mse"}}}))
    figures = plots(results)  # before: ValueError: 'yerr' must not contain None. Use NaN if you want to skip a value.
    assert sorted(figures) == ["gradient_flow.png", "learning_curves.png", "metric_vs_length.png"]
    line = figures["learning_curves.png"].axes[0].lines[0]
    assert np.isnan(line.get_ydata()[0]) and line.get_ydata()[1] == 0.5
