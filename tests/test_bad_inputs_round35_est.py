"""Round 35, the estimators' area: the measured comparison on one's own data (a Task built from one's own arrays),
and the estimators behind a scikit-learn transformer (rows E35-01 ... of docs/bad_inputs.md)."""

import json
import math

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import rnnkit.compare
from rnnkit import SequenceClassifier, SequenceRegressor
from rnnkit.tasks import Split, Task

QUICK = dict(cells=["gru"], seeds=2, steps=2, eval_every=2, hidden_size=4, batch_size=8, log=None)


def _split(n, labels, rng, T=6, F=2):
    return np.asarray(rng.normal(size=(n, T, F)), dtype=np.float32), np.asarray(rng.choice(labels, n))


def _own_task(labels=(0, 1), output_size=2, name="sensors", chance=0.5):
    rng = np.random.default_rng(0)
    splits = [Split(*_split(n, labels, rng)) for n in (16, 8, 8)]
    return Task(name, "classify", *splits, output_size=output_size, metric="accuracy", chance=chance,
                chance_note="majority class")


def test_E35_01_compare_runs_on_a_task_of_ones_own_data(tmp_path):
    # before: compare: unknown task Task('sensors', kind='classify', ...); choose from adding, copy, ...
    task = _own_task()
    lines = []
    results = rnnkit.compare.compare(task, out=tmp_path / "run", **{**QUICK, "log": lines.append})
    runs = results["runs"]["gru"]
    assert results["task"] == "sensors" and results["lengths"] == [None] and len(runs) == 2
    assert all(math.isfinite(r["test_metric"]) and r["length"] == 6 for r in runs)
    assert [r["seed"] for r in runs] == [0, 1] and lines[0].startswith("sensors T=6 seed=0 gru")
    assert "sensors: gru" in (tmp_path / "run" / "report.md").read_text()
    with pytest.raises(ValueError, match=r"lengths \[50\] set the T of a named task, but the task 'sensors' is a "
                                         r"Task already built \(its sequences have 6 steps\); leave lengths out"):
        rnnkit.compare.compare(task, lengths=[50], **QUICK)
    with pytest.raises(ValueError, match=r"task_params \{'n_train': 4\} go to a named task's builder"):
        rnnkit.compare.compare(task, task_params={"n_train": 4}, **QUICK)
    with pytest.raises(ValueError, match=r"task must be the name of a task \(adding, .*\) or a Task of your own "
                                         r"data \(rnnkit.tasks.Task\(name, kind, Split\(X_train, y_train\)"):
        rnnkit.compare.compare({"X": task.train.X}, **QUICK)
    with pytest.raises(ValueError, match=r"unknown task 'Adding'; did you mean 'adding'\? .*or pass a Task of your "
                                         r"own data"):
        rnnkit.compare.compare("Adding", **QUICK)


def test_E35_02_a_task_of_text_labels_is_refused_naming_the_encoding():
    # before: built; Task.score compared 'up' / 'down' with the arg-maxed class ids: accuracy 0.0, no word (and a
    # run's training failed in torch: "can't convert np.ndarray of type numpy.str_")
    with pytest.raises(ValueError, match=r"Task 'sensors': the train split's y holds labels of dtype <U4 \('down', "
                                         r"'up'\), but a task's classes are the integers 0 .. output_size - 1 .*"
                                         r"np.searchsorted\(classes, y\)"):
        _own_task(labels=("up", "down"))


def test_E35_03_a_task_of_labels_from_1_is_refused_naming_the_classes():
    # before: built; the class 2 of labels 1, 2 (output_size 2) was never an output, so Task.score counted every
    # sequence of it wrong without a word (an accuracy of 0.5 for a perfect model of the label 1); a run's training
    # refused the class 2 only then ('class targets must be integer ids in [0, 2) ...')
    with pytest.raises(ValueError, match=r"the train split's y holds the class 2, but output_size=2 gives the "
                                         r"classes 0 .. 1 \(the model's outputs\): labels from 1\? subtract 1"):
        _own_task(labels=(1, 2))
    task = _own_task(labels=(np.int32(0), np.int32(1)))  # other integer types are the int64 ids torch's loss takes
    assert task.train.y.dtype == np.int64
    assert _own_task(labels=(False, True)).test.y.dtype == np.int64


def test_E35_04_a_split_of_2d_sequences_is_refused_naming_the_feature_axis():
    # before: Split(X (n, T), y) was kept as given and the Task reported input_size T and seq_len T (a model of T
    # features); a run then failed in the model ('x must have shape (batch, time, features) = (B, T, 12)')
    X = np.zeros((8, 12), dtype=np.float32)
    with pytest.raises(ValueError, match=r"Split: X has shape \(8, 12\), but a split's X is \(n, T, F\), "
                                         r"batch-first; for 8 sequences of 12 steps of one feature pass X\[..., "
                                         r"None\]"):
        Split(X, np.zeros(8, dtype=np.int64))
    with pytest.raises(ValueError, match=r"Split: X has 8 sequences but y has 7 targets"):
        Split(X[..., None], np.zeros(7, dtype=np.int64))


def test_E35_05_a_split_of_float64_sequences_is_read_as_float32():
    # before: kept float64, so the comparison's models (float32 weights) refused it: 'SequenceToLabel: x is
    # torch.float64 but the SequenceToLabel's parameters are torch.float32; convert the input with x.float() ...',
    # a fix no user of compare can apply
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8, 5, 2))
    split = Split(X, X.sum(axis=(1, 2)))
    assert split.X.dtype == np.float32 and np.array_equal(split.X, X.astype(np.float32))
    held_out = Split(-X, -X.sum(axis=(1, 2)))
    task = Task("mine", "regress", split, held_out, held_out, output_size=1, metric="mse", chance=1.0,
                chance_note="mean")
    assert task.train.y.dtype == np.float32
    model = rnnkit.compare.build_model(task, "gru", 4)
    assert rnnkit.compare.predict(model, task.test, task.kind, device="cpu").shape == (8, 1)
    with pytest.raises(ValueError, match=r"Split: X is nan at sequence 1, step 2, feature 0; a task's sequences are "
                                         r"complete"):
        X[1, 2, 0] = np.nan
        Split(X, X[:, 0, 0])


def test_E35_06_a_task_whose_metric_does_not_read_its_kind_is_refused():
    # before: a regress task scored by accuracy compared floats for equality: 0.0 for any model, no word; and a
    # regress task of two targets with output_size 1 failed in numpy's reshape at score
    rng = np.random.default_rng(2)
    X = rng.normal(size=(8, 5, 2)).astype(np.float32)
    split = Split(X, X.sum(axis=(1, 2)))
    with pytest.raises(ValueError, match=r"Task 'mine': a regress task is scored by mse, not 'accuracy'"):
        Task("mine", "regress", split, split, split, output_size=1, metric="accuracy", chance=0.0, chance_note="")
    two = Split(X, X.sum(axis=1))
    with pytest.raises(ValueError, match=r"the train split's y has shape \(8, 2\), but output_size=1 takes \(n,\) "
                                         r"or \(n, 1\)"):
        Task("mine", "regress", two, two, two, output_size=1, metric="mse", chance=1.0, chance_note="")


def _long_table(n=12, T=5):
    rng = np.random.default_rng(3)
    ids = [f"s{i:02d}" for i in range(n)]
    index = pd.MultiIndex.from_product([ids, range(T)], names=["id", "t"])
    X = pd.DataFrame({"a": rng.normal(size=n * T), "b": 100 * rng.normal(size=n * T)}, index=index)
    return X, pd.Series(np.array(["x", "y"] * (n // 2)), index=pd.Index(ids, name="id"))


@pytest.mark.parametrize("estimator", [SequenceClassifier, SequenceRegressor])
def test_E35_07_a_scaler_before_the_estimator_that_drops_the_long_tables_index_is_named(estimator):
    # before: 'X has 60 sequences but y has 12 entries; they must match': the scaler's numpy array of the table's
    # rows was read as 60 sequences of 2 steps, and nothing said why or what to change in the Pipeline
    X, y = _long_table()
    if estimator is SequenceRegressor:
        y = pd.Series(np.arange(12.0), index=y.index)
    pipe = make_pipeline(StandardScaler(), estimator(max_epochs=1, hidden_size=4, random_state=0))
    with pytest.raises(ValueError, match=rf"{estimator.__name__}.fit: X is a 2-D array of 60 rows and 2 column\(s\)"
                                         r", read as 60 sequences \(n, T\) of one feature, but y has 12 entries, one "
                                         r"per 5 rows of X: the rows of a long \(instance, time\) table.*call "
                                         r"\.set_output\(transform='pandas'\) on that step"):
        pipe.fit(X, y)
    torch.manual_seed(0)
    pipe.set_output(transform="pandas")  # the fix named: the (instance, time) index reaches the estimator
    assert len(pipe.fit(X, y).predict(X)) == 12


def test_E35_08_a_tasks_chance_as_a_numpy_number_leaves_compares_results_json():
    # before: a chance from np.mean (np.float64) made each run's success a numpy bool, so json.dump(results) of
    # compare's results, which its docstring says report.json holds, failed: 'Object of type bool is not JSON
    # serializable'; a chance of NaN set a bar no run could pass
    task = _own_task(chance=np.float64(0.5))
    assert type(task.chance) is float
    results = rnnkit.compare.compare(task, **{**QUICK, "seeds": 1})
    assert type(results["runs"]["gru"][0]["success"]) is bool
    json.loads(json.dumps(results))
    with pytest.raises(ValueError, match=r"chance must be a finite number \(the accuracy of the chance-level "
                                         r"baseline on the test split\), got nan"):
        _own_task(chance=float("nan"))


@pytest.mark.parametrize("empty", ["val", "test"])
def test_E35_09_a_task_with_an_empty_split_is_refused_when_built(empty):
    # before: built; compare then failed in the first run: an empty val in Lightning's data module ('val holds 0
    # sequence(s) for 1 processes; each process validates its own share ...'), an empty test after training, in
    # numpy ('need at least one array to concatenate')
    rng = np.random.default_rng(4)
    sizes = {"train": 16, "val": 8, "test": 8, empty: 0}
    splits = [Split(*_split(sizes[name], (0, 1), rng)) for name in ("train", "val", "test")]
    with pytest.raises(ValueError, match=rf"Task 'sensors': the {empty} split holds no sequence; a run trains on "
                                         r"train, validates on val and is scored on test"):
        Task("sensors", "classify", *splits, output_size=2, metric="accuracy", chance=0.5, chance_note="")


def test_E35_10_a_task_of_class_ids_in_a_column_is_refused_naming_the_slice():
    # before: built; Task.score then refused a perfect model's (8, 2) probabilities: 'the 8 test targets of this
    # classify task take (8, 1) or (8, 1, 2)', and a run's training the batch's (4, 1) targets, after compare had
    # measured every cell
    rng = np.random.default_rng(5)
    splits = [Split(X, y[:, None]) for X, y in (_split(n, (0, 1), rng) for n in (16, 8, 8))]
    with pytest.raises(ValueError, match=r"the train split's y has shape \(16, 1\), but a classify task takes one "
                                         r"class id per sequence: \(16,\); a column of ids\? pass y\[..., 0\]"):
        Task("sensors", "classify", *splits, output_size=2, metric="accuracy", chance=0.5, chance_note="")


def test_E35_11_compare_of_a_task_of_fixed_length_runs_without_lengths():
    # before: compare("digits") refused the default lengths=(200,) it had not been given: 'task 'digits' has
    # sequences of one fixed length, which lengths [200] cannot set; pass lengths=[None]'
    results = rnnkit.compare.compare("digits", **{**QUICK, "seeds": 1, "steps": 1},
                                     task_params={"test_size": 0.05, "val_size": 0.05})
    assert results["lengths"] == [None] and results["runs"]["gru"][0]["length"] == 8
    assert rnnkit.compare.compare("adding", **{**QUICK, "seeds": 1, "steps": 1},
                                  task_params={"n_train": 8, "n_val": 8, "n_test": 8})["lengths"] == [200]


def test_E35_12_a_split_of_sequences_of_other_lengths_is_refused_naming_the_crop():
    # before: numpy's 'setting an array element with a sequence. The requested array has an inhomogeneous shape
    # after 1 dimensions ...' from np.asarray of the ragged list (JapaneseVowels' 7 to 29 frames, as aeon gives them)
    rng = np.random.default_rng(6)
    X = [rng.normal(size=(T, 12)) for T in (7, 29, 15)]
    with pytest.raises(ValueError, match=r"Split: X is a list of sequences of other shapes \(\(7, 12\), ...; 7 to 29 "
                                         r"steps\), but a task's sequences share one length .* crop them to one, "
                                         r"np.stack\(\[x\[-T:\] for x in X\]\)"):
        Split(X, np.array([0, 1, 0]))
    split = Split([x[-7:] for x in X], np.array([0, 1, 0]))  # the fix named
    assert split.X.shape == (3, 7, 12) and split.X.dtype == np.float32
