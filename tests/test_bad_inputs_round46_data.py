"""Round 46, the loaders: an event log of CSV files joined with their headers, a file given where a ragged store's
directory goes, a SequenceBatch's lengths and mask by hand, a pandas groupby given as the sequences, DataFrame
sequences of dates, text or a groupby's key column (see docs/bad_inputs.md)."""
import numpy as np
import pytest


def _joined_csv(tmp_path, times):
    """Two exports joined whole (``cat a.csv b.csv``): the second's header is a row of the first's columns."""
    path = tmp_path / "events.csv"
    path.write_text(f"user,time,event\na,{times[0]},view\na,{times[1]},cart\nuser,time,event\nb,{times[2]},view\n")
    return path


@pytest.mark.parametrize("times, parse", [
    (["1704100000", "1704100300", "1704100000"], r"pd\.to_numeric\(df\['time'\]\)"),
    (["2024-01-01 10:00", "2024-01-01 10:05", "2024-01-01 10:00"], r"pd\.to_datetime\(df\['time'\]\)")])
def test_D46_01_sessionize_names_a_header_repeated_inside_the_log(tmp_path, times, parse):
    import pandas as pd

    from rnnkit.data.events import sessionize
    log = pd.read_csv(_joined_csv(tmp_path, times))
    # before: "column 'time' has type object (e.g. '1704100000'); expected numbers (seconds) or dates: parse text
    # with pd.to_datetime(df['time'])" (the header's row unsaid; to_datetime then meets the word 'time')
    with pytest.raises(ValueError, match=r"^sessionize: row 2 repeats the header \('user', 'time', 'event'\) as "
                                         r"values \(1 such row\(s\)\): CSV files joined with their headers; drop those "
                                         rf"rows, df = df\[df\['time'\] != 'time'\]; then parse the times.*{parse}.*"
                                         r"pd\.concat\(\[pd\.read_csv\(f\) for f in files\]\)"):
        sessionize(log, time="time")
    # the fix as told: the log's three events, in two users' sessions
    log = log[log["time"] != "time"]
    log["time"] = pd.to_numeric(log["time"]) if times[0].isdigit() else pd.to_datetime(log["time"])
    assert sessionize(log, time="time")["session"].tolist() == [0, 0, 1]


def test_D46_01_a_user_or_time_named_as_its_column_alone_is_no_header():
    import pandas as pd

    from rnnkit.data.events import sessionize
    log = pd.DataFrame({"user": ["user", "user", "b"], "time": [0.0, 60.0, 0.0], "event": ["a", "b", "a"]})
    assert sessionize(log, time="time")["session"].tolist() == [0, 1, 1]  # a user named "user": as before


@pytest.mark.parametrize("name", ["data.npy", "meta.json", "offsets.npy"])
def test_D46_02_ragged_store_of_one_of_its_own_files_names_its_directory(tmp_path, name):
    from rnnkit.data.memmap import RaggedStore, write_ragged
    write_ragged(tmp_path / "store", [np.ones((3, 2), np.float32), np.ones((2, 2), np.float32)])
    # before: ".../data.npy: a file; expected the directory of a ragged store (written by RaggedWriter or
    # write_ragged)" (no fix)
    with pytest.raises(ValueError, match=rf"{name}: a file; expected the directory of a ragged store .*: {name} is "
                                         rf"one of the store's files; give the store's directory: "
                                         rf"RaggedStore\('{tmp_path / 'store'}'\)$"):
        RaggedStore(tmp_path / "store" / name)
    assert len(RaggedStore(tmp_path / "store")) == 2


def test_D46_02_ragged_store_of_an_array_file_says_load_it_or_write_a_store(tmp_path):
    from rnnkit.data.memmap import RaggedStore
    np.save(tmp_path / "x.npy", np.ones((5, 3)))
    np.savez(tmp_path / "x.npz", a=np.ones(3))
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match=r"x\.npy: a file; .*: a NumPy \.npy array, not a store; load it with "
                                         r"np\.load\('.*x\.npy'\), or to make a store of its sequences, "
                                         r"write_ragged\(directory, \[seq_0, seq_1, \.\.\.\]\)"):
        RaggedStore(tmp_path / "x.npy")
    with pytest.raises(ValueError, match=r"x\.npz: a file; .*: a NumPy \.npz archive, not a store; load it with "
                                         r"np\.load"):
        RaggedStore(tmp_path / "x.npz")
    with pytest.raises(ValueError, match=r"x\.csv: a file; .*: a store is a directory \(data\.npy, offsets\.npy and "
                                         r"meta\.json\); to make a store of its sequences, write_ragged"):
        RaggedStore(tmp_path / "x.csv")


def test_D46_03_sequence_batch_refuses_lengths_of_a_fraction_or_beyond_t():
    import torch

    from rnnkit.data.collate import SequenceBatch
    x = torch.zeros(2, 4, 3)
    # before: built; the mask t < 2.5 marks 3 steps where packing reads int(2.5) = 2, and a length 5 of 4 steps
    with pytest.raises(ValueError, match=r"^SequenceBatch: lengths\[1\] is 2\.5, not a whole number of steps .*; "
                                         r"give each row's count of valid steps as whole numbers \(lengths\.long\(\)\) "
                                         r"within 0 \.\. T"):
        SequenceBatch(x, torch.tensor([4.0, 2.5]), torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]))
    with pytest.raises(ValueError, match=r"^SequenceBatch: lengths\[0\] is 5, outside 0 \.\. 4, the mask's T"):
        SequenceBatch(x, torch.tensor([5, 2]), torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]], dtype=torch.bool))


def test_D46_03_sequence_batch_checks_lengths_as_a_list_and_the_mask_against_x():
    import torch

    from rnnkit.data.collate import SequenceBatch
    x = torch.zeros(2, 4, 3)
    # before: a list or an array of lengths skipped the check, so a mask all true beside lengths [4, 2] was kept
    with pytest.raises(ValueError, match=r"mask disagrees with lengths in row 1 \(it marks 4 step\(s\) valid but "
                                         r"lengths\[1\] is 2\)"):
        SequenceBatch(x, [4, 2], torch.ones(2, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"mask disagrees with lengths in row 1"):
        SequenceBatch(x, np.array([4, 2]), torch.ones(2, 4, dtype=torch.bool))
    # before: "the mask disagrees with lengths in row 0 (it marks 5 step(s) valid but lengths[0] is 4)"
    with pytest.raises(ValueError, match=r"^SequenceBatch: mask has shape \(2, 5\) \(B, T\) but x \(2, 4, 3\) "
                                         r"\(B, T, \.\.\.\); give the mask of x's own batch and steps: mask = "
                                         r"rnnkit\.cells\.base\.length_mask\(lengths, x\.shape\[1\]\)"):
        SequenceBatch(x, torch.tensor([4, 2]), torch.ones(2, 5, dtype=torch.bool))


def test_D46_03_whole_float_lengths_and_a_0_1_int_mask_pass():
    import torch

    from rnnkit.data.collate import SequenceBatch
    x = torch.zeros(2, 4, 3)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])
    assert SequenceBatch(x, torch.tensor([4.0, 2.0]), mask).lengths.tolist() == [4.0, 2.0]
    assert SequenceBatch(x, [4, 2], mask).lengths == [4, 2]  # kept as given


def _long_table():
    import pandas as pd

    return pd.DataFrame({"id": [1, 1, 2, 2, 2], "a": [1.0, 2, 3, 4, 5], "b": [5.0, 6, 7, 8, 9],
                         "word": ["the", "cat", "a", "dog", "ran"]})


def test_D46_04_write_ragged_and_pad_collate_of_a_groupby_say_to_pass_its_groups(tmp_path):
    from rnnkit.data.collate import pad_collate
    from rnnkit.data.memmap import RaggedStore, write_ragged
    df = _long_table()[["id", "a", "b"]]
    # before: numpy's "setting an array element with a sequence. The requested array has an inhomogeneous shape
    # after 1 dimensions ..." (the (key, group) pairs read as sequences)
    fix = (r"is a pandas groupby, and iterating one gives \(key, group\) pairs, not its (sequences|items); pass the "
           r"groups: \[g\.drop\(columns='id'\)\.to_numpy\(\) for _, g in df\.groupby\('id'\)\] \(each group keeps its "
           r"key column; drop it, or the id would be a feature\)$")
    with pytest.raises(ValueError, match=rf"^write_ragged: sequences {fix}"):
        write_ragged(tmp_path / "store", df.groupby("id"))
    with pytest.raises(ValueError, match=rf"^pad_collate: items {fix}"):
        pad_collate(df.groupby("id"))
    assert not (tmp_path / "store").exists()
    # the fix as told: two sequences of the two features
    write_ragged(tmp_path / "store", [g.drop(columns="id").to_numpy() for _, g in df.groupby("id")])
    assert [tuple(x.shape) for x in RaggedStore(tmp_path / "store")] == [(2, 2), (3, 2)]


def test_D46_04_vocab_of_a_column_grouped_says_to_pass_its_groups():
    from rnnkit.data.text import Vocab
    df = _long_table()
    with pytest.raises(ValueError, match=r"^Vocab\.build: corpus is a pandas groupby, .* not its texts; pass the "
                                         r"groups: \[g\.tolist\(\) for _, g in df\.groupby\('id'\)\['word'\]\]$"):
        Vocab.build(df.groupby("id")["word"], level="token")
    assert len(Vocab.build([g.tolist() for _, g in df.groupby("id")["word"]], level="token")) == 4 + 5


def test_D46_05_write_ragged_of_frames_names_their_columns_of_dates_or_text(tmp_path):
    import pandas as pd

    from rnnkit.data.memmap import RaggedStore, write_ragged
    df = _long_table().assign(t=pd.date_range("2024-01-01", periods=5, freq="h"))
    frames = [g.drop(columns="id") for _, g in df.groupby("id")]
    # before: "sequence 0 holds Python objects (dtype object, e.g. 'the'), which a store of numbers cannot hold:
    # encode text as token ids first ..." (neither column named; for dates, a fix of text)
    with pytest.raises(ValueError, match=r"^RaggedWriter: sequence 0 is a DataFrame whose column\(s\) 'word' "
                                         r"\(\w+\), 't' \(datetime64\[\w+\]\) hold no numbers, .*; pass its columns "
                                         r"of numbers, g\[\['a', 'b'\]\]; a time column as numbers: \(g\['t'\] - "
                                         r"g\['t'\]\.iloc\[0\]\)\.dt\.total_seconds\(\); text as token ids first "
                                         r"\(rnnkit\.data\.Vocab\)$"):
        write_ragged(tmp_path / "store", frames)
    with pytest.raises(ValueError, match=r"column\(s\) 'a' \(\w+\) hold no numbers, .*numbers written as text as "
                                         r"numbers: g\['a'\] = pd\.to_numeric\(g\['a'\]\)$"):
        write_ragged(tmp_path / "store", [pd.DataFrame({"a": ["1.5", "2"], "b": [1.0, 2.0]})])
    write_ragged(tmp_path / "store", [g[["a", "b"]] for g in frames])  # the fix as told
    assert [tuple(x.shape) for x in RaggedStore(tmp_path / "store")] == [(2, 2), (3, 2)]


def test_D46_06_write_ragged_warns_of_a_groupby_key_column_kept_as_a_feature(tmp_path):
    import warnings

    import pandas as pd

    from rnnkit.data.memmap import RaggedStore, write_ragged
    df = pd.DataFrame({"id": [1, 1, 2, 2, 2, 3, 3], "a": np.arange(7.0), "b": np.arange(7.0) * 2})
    # before: written quietly, each sequence's id its first feature
    with pytest.warns(UserWarning, match=r"^RaggedWriter: column 'id' is constant within each of the 3 sequences and "
                                         r"rises from one to the next \(1, 2, 3, \.\.\.\), as the key column that "
                                         r"df\.groupby\('id'\) keeps in each group: .*drop it "
                                         r"\(\[g\.drop\(columns='id'\) for _, g in df\.groupby\('id'\)\]\); "
                                         r".*warnings\.filterwarnings\('ignore', "
                                         r"'RaggedWriter: column'\)"):
        write_ragged(tmp_path / "store", [g for _, g in df.groupby("id")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fix as told, and a feature of each sequence not in the ids' order
        write_ragged(tmp_path / "store", [g.drop(columns="id") for _, g in df.groupby("id")])
        ages = df.assign(age=[30, 30, 20, 20, 20, 40, 40]).drop(columns="id")
        write_ragged(tmp_path / "ages", [ages.iloc[:2], ages.iloc[2:5], ages.iloc[5:]])
    assert [tuple(x.shape) for x in RaggedStore(tmp_path / "store")] == [(2, 2), (3, 2), (2, 2)]
