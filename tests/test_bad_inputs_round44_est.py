"""Forty-fourth round, the estimators, the tasks and the comparison (E44-xx): each test fails on the commit before
its fix."""

import numpy as np
import pytest

from rnnkit import SequenceClassifier, SequenceTagger
from rnnkit.compare import compare

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def _y(n=12):
    return np.array([0, 1] * (n // 2))


def test_E44_01_compare_lr_of_no_number_says_the_number_to_give():
    # before: "compare: lr must be a finite number > 0, got 'fast'" and nothing more
    with pytest.raises(ValueError, match=r"got 'fast'; pass a number, e\.g\. lr=0\.003 \(compare's default; "
                                         r"rnnkit compare --lr\)"):
        compare("adding", lr="fast", lengths=[10], seeds=1, steps=2, log=None)
    with pytest.raises(ValueError, match=r"got '0\.01' \(text\); pass lr=0\.01, a number"):
        compare("adding", lr="0.01", lengths=[10], seeds=1, steps=2, log=None)
    with pytest.raises(ValueError, match=r"got None; pass a number, e\.g\. lr=0\.003"):
        compare("adding", lr=None, lengths=[10], seeds=1, steps=2, log=None)


def _task(X=None, y=None, **kw):
    from rnnkit.tasks import Task

    X = _x(20) if X is None else X
    y = _y(20) if y is None else y
    args = dict(kind="classify", output_size=2, metric="accuracy")
    args.update(kw)
    return Task("mine", args["kind"], (X, y), (X[:4] + 0.1, y[:4]), (X[4:] + 0.2, y[4:]), args["output_size"],
                args["metric"], 0.5, "half")


def test_E44_02_task_score_of_text_labels_or_fractions_is_refused_not_scored_wrong():
    # before: task.score(np.array(['0', '1'] * 8)) was 0.0 ('1' == 1 is False), and one class's probabilities
    # (0.7, 0.2, ...) given as labels scored 0.0, both without a word
    task = _task()
    with pytest.raises(ValueError, match=r"output holds labels of dtype <U1 \(e\.g\. '0'\), but the test targets "
                                         r"are the class ids 0 \.\. 1 .*output\.astype\(int\)"):
        task.score(np.array(["0", "1"] * 8))
    with pytest.raises(ValueError, match=r"output\[0\] is 0\.7, not a class id: .*16 of them are fractions.*"
                                         r"pass shape \(16, 2\) .*np\.stack\(\[1 - p, p\], axis=1\)"):
        task.score(np.array([0.7, 0.2] * 8))
    # class ids as floats, bools and ints stay scored as before
    assert task.score(task.test.y.astype(float)) == 1.0
    assert task.score(task.test.y.astype(int)) == 1.0
    assert task.score(np.zeros(16, dtype=bool)) == 0.5


def test_E44_03_split_value_beyond_float32_is_named_not_called_infinite():
    # before: "Split: X is inf at sequence 3, step 2, feature 1; ... fill or drop them" of the user's 1e39
    X = _x(20).astype(np.float64)
    X[3, 2, 1] = 1e39
    with pytest.raises(ValueError, match=r"Split: X is 1e\+39 at sequence 3, step 2, feature 1, beyond float32's "
                                         r"range .*rescale that feature first"):
        _task(X)
    X[3, 2, 1] = np.inf  # a true infinity keeps its message
    with pytest.raises(ValueError, match=r"X is inf at sequence 3, step 2, feature 1; .*fill or drop them"):
        _task(X)


def test_E44_04_task_split_name_and_whole_float_output_size_say_the_value_meant():
    # before: "split must be 'train', 'val' or 'test', got 'valid'" and "output_size must be an integer >= 1
    # (classes, or values per target), got 2.0", nothing more
    task = _task()
    for given in ("valid", "validation", "dev"):
        with pytest.raises(ValueError, match=rf"got '{given}'; pass split='val'"):
            task.score(task.val.y, split=given)
    with pytest.raises(ValueError, match=r"got 'testing'; pass split='test'"):
        task.score(task.test.y, split="testing")
    with pytest.raises(ValueError, match=r"got 2\.0 \(a float\); pass output_size=2, an int"):
        _task(output_size=2.0)
    with pytest.raises(ValueError, match=r"got 2\.5$"):
        _task(output_size=2.5)


def test_E44_05_text_labels_writing_one_number_two_ways_are_warned():
    # before: y of '1' and '1.0' (a column read as int in one file, as float in another) or '7' and '07' fitted
    # three or two classes, without a word
    with pytest.warns(UserWarning, match=r"y holds labels that write the same number in two ways \('1' at "
                                         r"position 0, '1\.0' at position 1\).*pd\.to_numeric\(y\).*"
                                         r"message='\.\*the same number in two ways'"):
        m = SequenceClassifier(**TINY).fit(_x(), np.array(["1", "1.0", "2"] * 4))
    assert list(m.classes_) == ["1", "1.0", "2"]  # warned, not changed: two codes may be meant
    with pytest.warns(UserWarning, match=r"same number in two ways \('7' at position 0, '07' at position 1\)"):
        SequenceClassifier(**TINY).fit(_x(), np.array(["7", "07", "8", "8"] * 3))
    steps = np.array([["1", "01"] * 3] * 12)
    with pytest.warns(UserWarning, match=r"same number in two ways \('1' at sequence 0, step 0, '01' at sequence 0, "
                                         r"step 1\)"):
        SequenceTagger(**TINY).fit(_x(), steps)


def test_E44_05_numbers_written_one_way_stay_quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SequenceClassifier(**TINY).fit(_x(), np.array(["1", "2", "10"] * 4))
        SequenceClassifier(**TINY).fit(_x(), np.array(["a", "b", "c"] * 4))


@pytest.mark.parametrize("name, given, fix", [
    ("dropout", 20, r"got 20; a percentage\? dropout is a probability: dropout=0\.2 for 20%$"),
    ("dropout", 1.0, r"got 1\.0; dropout=1 would zero every output of a layer .*give a probability below 1"),
    ("dropout", "0.2", r"got '0\.2'; give it as a number, dropout=0\.2$"),
    ("validation_fraction", 20, r"got 20; a percentage\? pass validation_fraction=0\.2$"),
    ("validation_fraction", 1, r"got 1; 1 would hold out every sequence, .*validation_fraction=0\.2"),
    ("validation_fraction", 0.0, r"got 0\.0; a validation split is held out only for early stopping: .*leave "
                                 r"early_stopping_patience=None \(the default\) and validation_fraction out"),
    ("validation_fraction", None, r"got None; a validation split is held out only for early stopping"),
    ("validation_fraction", "0.1", r"got '0\.1' \(text\); pass validation_fraction=0\.1, a number"),
])
def test_E44_06_dropout_and_validation_fraction_out_of_range_say_the_value_meant(name, given, fix):
    # before: "dropout must be a number in [0, 1), got 20" and "validation_fraction must be a number in (0, 1), got
    # 0.0", nothing more
    with pytest.raises(ValueError, match=fix):
        SequenceClassifier(**{**TINY, name: given}).fit(_x(), _y())


@pytest.mark.parametrize("given, fix", [
    ("10min", r"got '10min' \(a duration, 10min\); pass budget_seconds=600, seconds as a number"),
    ("1h", r"got '1h' \(a duration, 1h\); pass budget_seconds=3600,"),
    ("30", r"got '30' \(text\); pass budget_seconds=30, seconds as a number \(rnnkit compare --budget-seconds\)"),
    (__import__("datetime").timedelta(minutes=2), r"\(a duration, 0:02:00\); pass budget_seconds=120,"),
    (np.timedelta64(90, "s"), r"got np\.timedelta64\(90,'s'\) \(a duration, 90 seconds\); pass budget_seconds=90,"),
])
def test_E44_07_compare_budget_as_a_duration_says_its_seconds(given, fix):
    # before: "compare: budget_seconds must be a finite number of seconds > 0, or None, got '10min'" and nothing
    # more; a numpy timedelta64 (one of numpy's integers) passed the check and failed in the first run with
    # float()'s "float() argument must be a string or a real number, not 'datetime.timedelta'"
    with pytest.raises(ValueError, match=r"^compare: budget_seconds must be a finite number of seconds > 0, or None, "
                                         r".*" + fix):
        compare("adding", budget_seconds=given, lengths=[10], seeds=1, steps=2, log=None, cells=["gru"])


def test_E44_08_get_task_counts_as_whole_floats_or_text_say_the_int():
    # before: "get_task: T must be an integer (the sequence length) for task 'adding', got 10.0" and nothing more
    from rnnkit.tasks import get_task

    with pytest.raises(ValueError, match=r"T must be an integer \(the sequence length\) for task 'adding', got 10\.0 "
                                         r"\(a float\); pass T=10, an int$"):
        get_task("adding", T=10.0)
    with pytest.raises(ValueError, match=r"got '50' \(text\); pass T=50, an int$"):
        get_task("adding", T="50")
    with pytest.raises(ValueError, match=r"n_train must be an integer >= 1 for task 'adding', got '1e3' \(text\); "
                                         r"pass n_train=1000, an int$"):
        get_task("adding", T=10, n_train="1e3")
    with pytest.raises(ValueError, match=r"seed must be an integer >= 0 for task 'adding', got 1\.0 \(a float\); "
                                         r"pass seed=1, an int$"):
        get_task("adding", T=10, seed=1.0)
    with pytest.raises(ValueError, match=r"n_train must be an integer >= 1 for task 'adding', got 100\.0 \(a "
                                         r"float\); pass n_train=100, an int$"):  # compare's task_params
        compare("adding", task_params={"n_train": 100.0}, lengths=[10], seeds=1, steps=2, log=None, cells=["gru"])
    with pytest.raises(ValueError, match=r"got 10\.5$"):  # a fraction means no one int
        get_task("adding", T=10.5)


def test_E44_09_task_score_of_no_numbers_or_of_labels_for_cross_entropy_is_told_what_to_pass():
    # before: a regress task's score of text was numpy's "ufunc 'subtract' did not contain a loop with signature
    # matching types", of None "unsupported operand type(s) for -: 'NoneType' and 'float'"; a cross-entropy task
    # given labels "output holds no probabilities at () (they sum to 8)"
    from rnnkit.tasks import Task

    X, yr = _x(20), np.random.default_rng(1).normal(size=20)
    reg = Task("r", "regress", (X, yr), (X[:4], yr[:4]), (X[4:], yr[4:]), 1, "mse", float(np.var(yr[4:])), "mean")
    with pytest.raises(ValueError, match=r"^Task 'r'\.score: output holds <U3 values \(e\.g\. '0\.1'\), not numbers; "
                                         r"pass the model's outputs as numbers"):
        reg.score(np.array(["0.1"] * 16))
    with pytest.raises(ValueError, match=r"output holds object values \(e\.g\. None\), not numbers"):
        reg.score(np.array([None] * 16))
    assert reg.score(np.array(list(reg.test.y), dtype=object)) == 0.0  # numbers in an object array are read
    ce = _task(metric="cross_entropy")
    with pytest.raises(ValueError, match=r"output has shape \(16,\), the test targets', as labels do, but "
                                         r"cross-entropy reads each class's probability: pass shape \(16, 2\)"):
        ce.score(ce.test.y)


def test_E44_10_task_chance_as_text_says_the_number():
    # before: "Task 'mine': chance must be a finite number (the accuracy of the chance-level baseline on the test
    # split), got '0.5'" and nothing more
    from rnnkit.tasks import Task

    X, y = _x(20), _y(20)

    def task(chance):
        return Task("mine", "classify", (X, y), (X[:4] + 0.1, y[:4]), (X[4:] + 0.2, y[4:]), 2, "accuracy", chance,
                    "half")

    with pytest.raises(ValueError, match=r"got '0\.5' \(text\); pass chance=0\.5, a number$"):
        task("0.5")
    with pytest.raises(ValueError, match=r"got '50' \(text, a percentage\); pass chance=0\.5, a number$"):
        task("50")
    with pytest.raises(ValueError, match=r"got 'half'$"):
        task("half")


def test_E44_02_class_ids_of_numpy_ints_bools_and_whole_floats_are_scored_as_before():
    task = _task()
    y = task.test.y
    for out in (y.astype(np.int8), y.astype(np.uint16), y.astype(np.int64), y.astype(np.float32), y.astype(bool),
                np.asarray(list(y), dtype=object)):
        assert task.score(out) == 1.0
    assert task.score(np.eye(2)[y]) == 1.0  # scores (n, 2)


def test_E44_05_codes_with_leading_zeros_are_warned_and_silenced_as_the_warning_says():
    import warnings

    y = np.array(["007", "07", "7", "12"] * 3)  # product codes, truly distinct
    with pytest.warns(UserWarning, match=r"same number in two ways \('007' at position 0, '07' at position 1\)"):
        m = SequenceClassifier(**TINY).fit(_x(), y)
    assert list(m.classes_) == ["007", "07", "12", "7"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=".*the same number in two ways")  # as the warning writes it
        SequenceClassifier(**TINY).fit(_x(), y)


def test_E44_06_dropout_0_and_whole_float_counts_and_seeds_keep_their_words():
    SequenceClassifier(**{**TINY, "dropout": 0.0}).fit(_x(), _y())
    with pytest.raises(ValueError, match=r"got 2\.0 \(a float\); pass hidden_size=2, an int"):
        SequenceClassifier(**{**TINY, "hidden_size": 2.0}).fit(_x(), _y())
    with pytest.raises(ValueError, match=r"\(a float\); pass random_state=3, an int"):
        SequenceClassifier(**{**TINY, "random_state": 3.0}).fit(_x(), _y())
