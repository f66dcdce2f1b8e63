"""The shared argument predicates (rnnkit.checks), and that every size and count check built on them reads
numpy's integers as integers and a bool as no integer."""
import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.checks import check_flags, fold_name, int_meant, is_count, is_flag, is_integer, meant_name


@pytest.mark.parametrize("value, integer, count", [
    (3, True, True), (np.int64(3), True, True), (np.uint8(1), True, True), (0, True, False), (-2, True, False),
    (True, False, False), (np.bool_(True), False, False), (3.0, False, False), ("3", False, False),
    (None, False, False), (torch.tensor(3), False, False),
])
def test_predicates(value, integer, count):
    assert is_integer(value) is integer
    assert is_count(value) is count


def test_least():
    assert is_count(0, 0) and is_count(-1, -1) and not is_count(-2, -1)


@pytest.mark.parametrize("build", [
    lambda v: rnnkit.LSTM(v, 4), lambda v: rnnkit.GRU(3, v), lambda v: rnnkit.LSTM(3, 4, num_layers=v),
    lambda v: rnnkit.SequenceClassifier(hidden_size=v).fit(np.zeros((4, 5, 1)), [0, 1, 0, 1]),
])
def test_sizes_take_numpy_integers_and_refuse_bools(build):
    build(np.int64(2))  # a numpy integer is a size
    with pytest.raises(ValueError, match="integer"):
        build(True)


@pytest.mark.parametrize("value, flag", [(True, True), (False, True), (np.bool_(False), True), (1, True),
                                         (np.int64(0), True), (2, False), (1.0, False), ("no", False),
                                         ("False", False), (None, False)])
def test_flags(value, flag):
    assert is_flag(value) is flag


def test_check_flags_names_the_first_bad_one():
    with pytest.raises(ValueError, match=r"^Recurrent: reverse must be True or False, got 'no'$"):
        check_flags("Recurrent: ", learn_initial_state=False, reverse="no", other="x")


def test_fold_name_case_spaces_and_chosen_separators():
    assert fold_name(" User ") == "user"
    assert fold_name("n-train") == "n-train"  # no separators folded unless asked
    assert fold_name("n-train", "-") == "n_train"
    assert fold_name("Unique id", "-") == "unique id"
    assert fold_name("Unique-id x", " -") == "unique_id_x"
    assert fold_name(7) == "7"


def test_meant_name_fold_first_then_spelling():
    assert meant_name("ID", ["time", " id", "value"]) == " id"  # case and spaces, before any spelling
    assert meant_name("unique-id", ["unique_id", "ds"], cutoff=0.95) is None  # hyphens kept unless asked
    assert meant_name("unique-id", ["unique_id", "ds"], underscores="-", cutoff=0.95) == "unique_id"
    assert meant_name("traget", ["target", "id"]) == "target"
    assert meant_name("traget", ["target", "id"], cutoff=0.9) is None
    assert meant_name("user", ["User", "USER "]) == "User"  # the first that folds alike
    assert meant_name("user", ["User", "USER "], only=True) == "User"  # shared: the spelling decides
    assert meant_name("usr", ["User", "USER "], only=True) is None
    assert meant_name(3, ["x3", "y"]) is None  # no string: no spelling


def test_meant_name_only_needs_one_fold():
    # two columns that fold alike: with only, neither is said, the closest spelling is asked
    assert meant_name("Time", ["time", "TIME", "tim"], only=True) == "time"
    assert meant_name("Tme", ["time ", " TIME"], only=True) is None


def test_int_meant_reads_whole_floats_and_number_text():
    assert int_meant(40.0) == 40 and int_meant(np.float32(40.0)) == 40 and int_meant("50") == 50
    assert int_meant(" 1e2 ") == 100 and int_meant("10.0") == 10
    assert int_meant(3) is None and int_meant(2.5) is None and int_meant(True) is None
    assert int_meant(float("inf")) is None and int_meant("ten") is None and int_meant(None) is None


def test_int_meant_least_text_and_float_types():
    assert int_meant(0.0) == 0 and int_meant(0.0, 1) is None and int_meant("3", 1) == 3
    assert int_meant(-2.0, 1) is None
    # digits alone, as int reads them: no decimal point, exponent or sign
    assert int_meant(" 7 ", text="digits") == 7 and int_meant("0", text="digits") == 0
    assert int_meant("7.0", text="digits") is None and int_meant("1e3", text="digits") is None
    assert int_meant("-3", text="digits") is None and int_meant("0", 1, text="digits") is None
    assert int_meant("12345678901234567890", text="digits") == 12345678901234567890  # exact, not through float
    assert int_meant("7", text=None) is None and int_meant(7.0, text=None) == 7
    # the float types read: Python's float takes np.float64 (a subclass), not np.float32
    assert int_meant(np.float64(4.0), floats=float) == 4 and int_meant(np.float32(4.0), floats=float) is None
    assert int_meant(4.0, floats=()) is None and int_meant("4", text="digits", floats=()) == 4


def test_int_meant_call_sites_keep_their_old_reading():
    # the sites moved onto int_meant read what they read before: each its own float types and text
    import pandas as pd

    from rnnkit.data.audio import _check_rate
    from rnnkit.data.events import _meant_column
    from rnnkit.data.text import Vocab
    from rnnkit.forecast.evaluation import _check_baseline
    tokens = [["a", "b", "c"]]
    with pytest.raises(ValueError, match=r"got 5.0; pass max_size=5$"):
        Vocab.build(tokens, max_size=5.0)
    for size in (np.float32(5.0), "5", float("inf")):  # no fix, as before
        with pytest.raises(ValueError, match=r"must be an integer >= \d+, got [^;]*$"):
            Vocab.build(tokens, max_size=size)
    assert _check_baseline(np.ones(3), 3.0, "naive") == 3 and _check_baseline(np.ones(3), np.float32(2.0), "naive") == 2
    with pytest.raises(ValueError, match=r"got ' 4 '; pass H=4$"):
        _check_baseline(np.ones(3), " 4 ", "naive")
    for H in ("4.0", "1e3", "+4", "-3", "0"):  # digits alone, as before: no 'pass H=' of a number's text
        with pytest.raises(ValueError) as err:
            _check_baseline(np.ones(3), H, "naive")
        assert "pass H=" not in str(err.value).replace("H=3", "")
    with pytest.raises(ValueError, match=r"\(a float: pass int\(np.float32\(8000.0\)\)\)$"):
        _check_rate("sr", np.float32(8000.0))
    with pytest.raises(ValueError, match=r"got 0.0$"):
        _check_rate("sr", 0.0)
    frame = pd.DataFrame({"User": [1], "USER ": [2], "time": [0]})  # two folding alike: the closer spelling
    assert _meant_column(frame, "user", "user") == "User" and _meant_column(frame, "Time", "time") == "time"
