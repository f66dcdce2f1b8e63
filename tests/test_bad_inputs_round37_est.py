"""Thirty-seventh round, the estimators and the comparison (E37-xx): each test fails on the commit before its fix."""

import re
import warnings

import numpy as np
import pytest
from helpers import cli_error, ucr_train, user_warnings

from rnnkit import SequenceClassifier, SequenceRegressor

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _xy(n=24, T=6, F=2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, T, F)).astype(np.float32)
    return X, (X[:, :, 0].mean(1) > 0).astype(int)


def test_E37_01_compare_on_the_command_line_given_a_file_says_where_ones_own_data_goes(tmp_path, capsys):
    data = tmp_path / "my.csv"
    data.write_text("t,x,label\n0,1.0,a\n")
    # before: "unknown '.../my.csv' (choose from adding, ...)", as if a task's name were misspelt
    for given in (str(data), "data/missing.npz"):
        line = cli_error(["compare", "--task", given, "--out", tmp_path / "r"], capsys)
        assert "names a file, but rnnkit compare runs the named tasks only" in line
        assert "rnnkit.tasks.Task" in line and "rnnkit.compare.compare(task, ...)" in line
    assert "did you mean 'adding'" in cli_error(["compare", "--task", "addin", "--out", tmp_path / "r"], capsys)


def _task(n_train=8, F=50, T=4):
    from rnnkit.tasks import Split, Task

    rng = np.random.default_rng(0)

    def split(n):
        X = rng.normal(size=(n, T, F)).astype(np.float32)
        return Split(X, (X[:, :, 0].mean(1) > 0).astype(np.int64))

    return Task("mine", "classify", split(n_train), split(4), split(4), output_size=2, metric="accuracy", chance=0.5,
                chance_note="half")


def test_E37_02_equal_params_at_toy_sizes_runs_layernorm_lstm_at_its_smallest_size_and_says_so():
    from rnnkit.compare import compare, equal_parameter_hidden_size

    task = _task()
    # before: LayerNormLSTMCell's "hidden_size=1 normalises ..." from the size search, after rnn's runs had trained
    with pytest.warns(UserWarning, match=r"compare: equal_params=True runs layernorm_lstm at hidden size 2, the "
                                         r"smallest it takes, with \d+ parameters, above the \d+ of lstm at "
                                         r"hidden_size=2"):
        assert equal_parameter_hidden_size(task, "layernorm_lstm", "lstm", 2) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compare(task, cells=["rnn", "layernorm_lstm"], seeds=1, steps=1, hidden_size=2, equal_params=True,
                          batch_size=8, eval_every=1, log=None)
    assert results["summary"]["layernorm_lstm"]["4"]["hidden_size"] == 2
    # a size a cell refuses, given as is, stops the comparison before any run trains, naming the cell
    ran = []
    with pytest.raises(ValueError, match=r"^compare: cell 'layernorm_lstm' at hidden size 1: LayerNormLSTMCell: "
                                         r"hidden_size=1"):
        compare(task, cells=["rnn", "layernorm_lstm"], seeds=1, steps=1, hidden_size=1, batch_size=8, eval_every=1,
                log=ran.append)
    assert ran == []


def test_E37_03_a_split_in_sktimes_channels_first_layout_is_refused_or_warned_of():
    from rnnkit.tasks import Split

    X, y = ucr_train("gunpoint", 12, 60)  # (12, 1, 60): sktime's numpy3D of one channel
    codes = np.unique(y, return_inverse=True)[1]
    # before: read as one step of 60 features; a comparison over a sequence of one step
    with pytest.raises(ValueError, match=r"^Split: X has shape \(12, 1, 60\), read as \(n, T, F\): one step of 60 "
                                         r"features .* pass X\.transpose\(0, 2, 1\), shape \(12, 60, 1\)"):
        Split(X, codes)
    assert Split(X.transpose(0, 2, 1), codes).X.shape == (12, 60, 1)
    motions, labels = ucr_train("basic_motions", 12, 40)  # (12, 6, 40): 6 channels of 40 steps
    codes = np.unique(labels, return_inverse=True)[1]
    # before: read as 6 steps of 40 features, without a word
    with pytest.warns(UserWarning, match=r"^Split: X has shape \(12, 6, 40\), read as \(n, T, F\): 6 steps of 40 "
                                         r"features; but its values run smoothly along the last axis .* pass "
                                         r"X\.transpose\(0, 2, 1\)"):
        Split(motions, codes)
    assert not user_warnings(lambda: Split(motions.transpose(0, 2, 1), codes))


def test_E37_04_a_regressors_score_on_constant_targets_warns_that_r2_is_undefined():
    import pandas as pd

    X, _ = _xy()
    y = X[:, :, 0].sum(1)
    reg = SequenceRegressor(**TINY).fit(X, y)
    far = float(np.mean((reg.predict(X) - 100.0) ** 2))
    # before: 0.0 without a word, however far the predictions were
    with pytest.warns(UserWarning, match=r"SequenceRegressor\.score: y is constant \(100 for every sequence\), so R² "
                                         r".* undefined: scikit-learn's r2_score gives 0\.0 whatever the errors .* "
                                         r"\(" + re.escape(f"{far:.4g}") + r" here"):
        assert reg.score(X, np.full(24, 100.0)) == 0.0
    weights = np.r_[np.ones(5), np.zeros(19)]
    with pytest.warns(UserWarning, match=r"y is constant \(3 for every sequence of sample_weight > 0\)"):
        reg.score(X, np.r_[np.full(5, 3.0), y[5:]], sample_weight=weights)
    two = SequenceRegressor(**TINY).fit(X, pd.DataFrame({"a": y, "b": -y}))
    with pytest.warns(UserWarning, match=r"y's target 'b' is constant \(2 for every sequence; 1 of the 2 targets "
                                         r"are\).* the mean over the targets counts it as that"):
        two.score(X, pd.DataFrame({"a": y, "b": np.full(24, 2.0)}))
    assert not user_warnings(lambda: reg.score(X, y))  # targets that vary: quiet


def test_E37_05_a_numpy_generator_as_random_state_is_refused_with_the_seed_to_give():
    X, y = _xy()
    # before: "... got Generator(PCG64) at 0x... (Generator(PCG64) at 0x... cannot be used to seed ...)": no fix
    with pytest.raises(ValueError, match=r"got a numpy Generator .* give an int seed, e\.g\. random_state=0, or one "
                                         r"drawn from it: random_state=int\(rng\.integers\(2\*\*32\)\)"):
        SequenceClassifier(**{**TINY, "random_state": np.random.default_rng(0)}).fit(X, y)


def test_E37_06_several_label_columns_name_one_classifier_per_column():
    X, y = _xy()
    rng = np.random.default_rng(1)
    # before: "y must hold one label per item (1-D), got shape (24, 2)" and nothing more
    for labels in (np.c_[y, 2 * y], np.c_[np.array(["a", "b"])[y], rng.choice(["x", "y", "z"], 24)]):
        with pytest.raises(ValueError, match=r"got shape \(24, 2\); its 2 columns are 2 labels per item "
                                             r"\(multi-output targets\), .*MultiOutputClassifier"):
            SequenceClassifier(**TINY).fit(X, labels)


def _splits(X, y):
    from rnnkit.tasks import Split

    return Split(X[:8], y[:8]), Split(X[8:12], y[8:12]), Split(X[12:], y[12:])


def test_E37_07_a_task_of_features_far_from_unit_scale_is_warned_of():
    from rnnkit.tasks import Task

    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5, 3))
    y = (X[:, :, 0].mean(1) > 0).astype(np.int64)
    raw = X * [1.0, 20.0, 1.0] + [0.0, 300.0, 0.0]  # a temperature in kelvin beside two unit-scale features
    # before: built without a word; gru and lstm then stayed at chance where, standardised, both learn the task
    with pytest.warns(UserWarning, match=r"^Task 'sensors': feature 1 of the train split has mean 30\d\.?\d* and sd "
                                         r"\d+\.?\d* \(1 of the 3 features beyond 10\): rnnkit\.compare's models "
                                         r"read X as given, .* \(X - mu\) / sd"):
        Task("sensors", "classify", *_splits(raw, y), output_size=2, metric="accuracy", chance=0.5, chance_note="half")
    assert not user_warnings(lambda: Task("sensors", "classify", *_splits(X, y), output_size=2, metric="accuracy",
                                          chance=0.5, chance_note="half"))


def test_E37_08_negative_class_ids_are_not_read_as_labels_from_1():
    from rnnkit.tasks import Task

    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5, 2))
    steps = (X[:, :, 0] > 0).astype(np.int64)
    steps[:, -1] = -100  # the last step padded, as torch's CrossEntropyLoss(ignore_index=-100) reads it
    # before: "holds the class -100, ...: labels from 1? subtract 1"
    with pytest.raises(ValueError, match=r"the train split's y holds the class -100 at \(0, 4\), .* -100, torch's "
                                         r"ignore_index of padded steps\? crop the sequences"):
        Task("steps", "tag", *_splits(X, steps), output_size=2, metric="accuracy", chance=0.5, chance_note="half")
    signs = np.where(X[:, :, 0].mean(1) > 0, 1, -1)  # labels -1 and 1
    with pytest.raises(ValueError, match=r"holds the class -1 at \(\d+,\), .* np\.searchsorted\(classes, y\)"):
        Task("signs", "classify", *_splits(X, signs), output_size=2, metric="accuracy", chance=0.5,
             chance_note="half")


def test_E37_09_a_regress_task_of_column_targets_scores_predictions_of_one_value_per_sequence():
    from rnnkit.tasks import Task

    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5, 2))
    y = X[:, :, 0].sum(1, keepdims=True)  # (n, 1), scikit-learn's habit for one target
    task = Task("sums", "regress", *_splits(X, y), output_size=1, metric="mse",
                chance=float(np.mean((y[12:] - y[:8].mean()) ** 2)), chance_note="the training targets' mean")
    # before: "output has shape (4,), but the 4 test targets of this regress task take (4, 1) or (4, 1, 1)"
    assert task.score(y[12:, 0]) == pytest.approx(0.0, abs=1e-9)
    assert task.score(y[12:]) == pytest.approx(0.0, abs=1e-9)
    assert task.score(y[12:, 0] + 1) == pytest.approx(1.0)
    two = np.c_[y, -y]  # two targets stay two columns
    task = Task("sums", "regress", *_splits(X, two), output_size=2, metric="mse",
                chance=float(np.mean((two[12:] - two[:8].mean(0)) ** 2)), chance_note="the training targets' mean")
    assert task.test.y.shape == (4, 2) and task.score(two[12:] + [0, 2]) == pytest.approx(2.0)


def test_E37_10_a_categorical_y_whose_categories_are_not_the_classes_is_warned_of():
    import pandas as pd

    X, y = _xy()
    ordinal = pd.Series(pd.Categorical(np.array(["low", "high"])[y], categories=["low", "high"], ordered=True))
    # before: fitted without a word, predict_proba's columns in the order ['high', 'low'], the categories' reversed
    with pytest.warns(UserWarning, match=r"y is a Categorical of categories \['low', 'high'\], but classes_ are the "
                                         r"labels y holds in sorted order, \['high', 'low'\], .* predict_proba's "
                                         r"columns follow classes_, not the categories' order"):
        clf = SequenceClassifier(**TINY).fit(X, ordinal)
    assert list(clf.classes_) == ["high", "low"]
    unused = pd.Categorical(np.array(["a", "b"])[y], categories=["a", "b", "c"])
    with pytest.warns(UserWarning, match=r"\['c'\] label no sequence, so they are no classes .* "
                                         r"y\.remove_unused_categories\(\)"):
        assert SequenceClassifier(**TINY).fit(X, unused).predict_proba(X[:2]).shape == (2, 2)
    plain = pd.Categorical(np.array(["a", "b"])[y])  # categories as the classes: quiet
    assert not [w for w in user_warnings(lambda: SequenceClassifier(**TINY).fit(X, plain)) if "Categorical" in w]


def test_E37_11_the_reports_table_names_the_backend_that_ran_each_cell():
    from rnnkit.compare import compare, markdown

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = compare(_task(F=3), cells=["gru", "lstm"], seeds=1, steps=1, hidden_size=4, batch_size=8,
                          eval_every=1, log=None)
    table = markdown(results)
    assert table.count("| activation MiB | backend |") == 1
    for cell in ("gru", "lstm"):
        ran = results["runs"][cell][0]["backend"]  # cpu_gru where rnnkit's C++ loop builds, else torch's native
        assert ran and results["summary"][cell]["4"]["backend"] == ran
        row = next(line for line in table.splitlines() if line.startswith(f"| {cell} |"))
        # before: no column; a throughput of rnnkit's C++ GRU loop beside one of torch's LSTM, read as the cells'
        assert row.endswith(f"| {ran} |")


def test_E37_12_classes_of_the_test_split_that_the_train_split_lacks_are_warned_of():
    from rnnkit.tasks import Task

    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 5, 2))
    y = np.repeat([0, 1, 2], [6, 4, 6])  # sorted by label, then split by position: the train split lacks class 2
    # before: built without a word; every model then scored 0 on the whole test split
    with pytest.warns(UserWarning, match=r"^Task 'sorted': the test split's class\(es\) 2 label 100% of its "
                                         r"sequences but no sequence of the train split, .* "
                                         r"train_test_split\(X, y, stratify=y\)"):
        Task("sorted", "classify", *_splits(X, y), output_size=3, metric="accuracy", chance=1 / 3, chance_note="1/3")
    mixed = np.tile([0, 1, 2, 0], 4)
    assert not user_warnings(lambda: Task("mixed", "classify", *_splits(X, mixed), output_size=3, metric="accuracy",
                                          chance=0.5, chance_note="majority"))
