"""Thirty-sixth round, the estimators and the comparison (E36-xx): each test fails on the commit before its fix."""

import warnings

import numpy as np
import pytest

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def test_E36_01_constructor_keywords_are_named_with_the_estimator_and_the_fix():
    with pytest.raises(TypeError, match=r"^SequenceTagger\(\) got an unexpected keyword argument 'class_weight'; "
                                        r"SequenceTagger takes no class_weight .*sample_weight=w"):
        SequenceTagger(class_weight="balanced")
    with pytest.raises(TypeError, match=r"^SequenceRegressor\(\) .* 'class_weight'; a regressor has no classes"):
        SequenceRegressor(class_weight="balanced")
    with pytest.raises(TypeError, match=r"^SequenceClassifier\(\) .* 'warm_start'; there is no warm_start: every fit "
                                        r"starts anew"):
        SequenceClassifier(warm_start=True)
    with pytest.raises(TypeError, match=r"'hiden_size'; did you mean 'hidden_size'\?"):
        SequenceClassifier(hiden_size=4)
    with pytest.raises(TypeError, match=r"^SequenceTagger\(\) .* 'pooling'; its parameters are SequenceTagger\(\)"
                                        r"\.get_params\(\)'s keys"):
        SequenceTagger(pooling="mean")
    with pytest.raises(TypeError, match=r"keyword only, got 1 positional argument\(s\) \('lstm'\); write e\.g\. "
                                        r"SequenceClassifier\(cell='lstm'"):
        SequenceClassifier("lstm")
    # what scikit-learn builds estimators with still works: get_params, clone, pickle
    import pickle

    from sklearn.base import clone

    est = SequenceTagger(hidden_size=3)
    assert clone(est).get_params() == est.get_params()
    assert pickle.loads(pickle.dumps(est)).hidden_size == 3


def test_E36_02_targets_given_transposed_name_the_transpose():
    X = np.random.default_rng(0).normal(size=(12, 6, 2)).astype(np.float32)
    with pytest.raises(ValueError, match=r"y has 2 entries; they must match; y has shape \(2, 12\), one column per "
                                         r"sequence: transposed\? pass y\.T"):
        SequenceRegressor(**TINY).fit(X, np.zeros((2, 12)))
    with pytest.raises(ValueError, match=r"got shape \(1, 12\); it is one row of 12 labels \(a row vector\): pass "
                                         r"np\.ravel\(y\)"):
        SequenceClassifier(**TINY).fit(X, (np.arange(12) % 2)[None])  # 0/1 ints: was read as multi-label advice
    with pytest.raises(ValueError, match=r"one row of 12 labels"):
        SequenceClassifier(**TINY).fit(X, np.array(["a", "b"] * 6)[None])


def _own_task(n_train: int):
    from rnnkit.tasks import Split, Task

    rng = np.random.default_rng(0)

    def split(n):
        X = rng.normal(size=(n, 6, 2)).astype(np.float32)
        return Split(X, (X[:, :, 0].mean(1) > 0).astype(int))

    return Task("sensors", "classify", split(n_train), split(4), split(4), output_size=2, metric="accuracy",
                chance=0.5, chance_note="majority class")


def test_E36_03_a_batch_above_the_training_split_is_said_and_recorded_as_used():
    from rnnkit.compare import compare, markdown

    # before: no word; report.json and report.md said "batch 64" of runs whose every step took the 10 sequences
    with pytest.warns(UserWarning, match=r"compare: batch_size=64 is more than the 10 training sequences of task "
                                         r"'sensors', so each step trains on all 10: .* use batch 10; pass "
                                         r"batch_size=10"):
        results = compare(_own_task(10), cells=["gru"], seeds=1, steps=2, hidden_size=4, eval_every=1, log=None)
    assert results["batch_size"] == 10
    assert "batch 10," in markdown(results)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a batch the split holds: quiet
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        assert compare(_own_task(10), cells=["gru"], seeds=1, steps=1, hidden_size=4, batch_size=10, eval_every=1,
                       log=None)["batch_size"] == 10


def test_E36_04_id_and_time_columns_of_a_groupby_are_warned_of_as_features():
    import pandas as pd

    rng = np.random.default_rng(0)
    long = pd.DataFrame({"id": np.repeat(np.arange(100, 112), 5), "t": np.tile(np.arange(5), 12),
                         "ax": rng.normal(size=60), "ay": rng.normal(size=60)})
    X = [g for _, g in long.groupby("id")]  # each frame keeps the key columns
    y = np.arange(12) % 2
    # before: fitted without a word on 4 features, the id's number and the step counter among them
    with pytest.warns(UserWarning, match=r"X's column\(s\) \['id'\] name the sequences' ids \(constant within each "
                                         r"sequence\) and \['t'\] name their time .*yet are read as features.*drop "
                                         r"them: \[s\.drop\(columns=\['id', 't'\]\) for s in X\] .*"
                                         r"s\.set_index\('t'\)"):
        SequenceClassifier(**TINY).fit(X, y)
    with pytest.warns(UserWarning, match=r"as df\.set_index\(\['id', 't'\], drop=False\) keeps them\? drop them: "
                                         r"X\.drop\(columns=\['id', 't'\]\)"):  # a MultiIndex X that kept them
        SequenceClassifier(**TINY).fit(long.set_index(["id", "t"], drop=False), y)
    with pytest.warns(UserWarning, match=r"\['sample_id'\] name the sequences' ids"):  # the tagger alike
        SequenceTagger(**TINY).fit([g.drop(columns=["t", "id"]).assign(sample_id=k) for k, g in enumerate(X)],
                                   [np.arange(5) % 2] * 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        # quiet: the frames as they should be, and a column named 'time' that does not rise (a measurement)
        SequenceClassifier(**TINY).fit([g.set_index("t").drop(columns="id") for g in X], y)
        SequenceClassifier(**TINY).fit([g[["ax", "ay"]].assign(time=rng.normal(size=5)) for g in X], y)


def test_E36_05_a_split_given_as_an_x_y_pair_is_read_as_a_split():
    from rnnkit.tasks import Split, Task

    X = np.random.default_rng(0).normal(size=(12, 6, 2)).astype(np.float64)
    y = np.arange(12) % 2
    # before: AttributeError: 'tuple' object has no attribute 'X'
    task = Task("sensors", "classify", (X[:8], y[:8]), Split(X[8:10], y[8:10]), (X[10:], y[10:]), output_size=2,
                metric="accuracy", chance=0.5, chance_note="majority class")
    assert isinstance(task.train, Split) and isinstance(task.test, Split)
    assert task.train.X.dtype == np.float32 and task.test.y.tolist() == [0, 1]  # through Split's checks
    with pytest.raises(ValueError, match=r"Task 'sensors': val must be a Split\(X, y\) .* or an \(X, y\) pair, got "
                                         r"dict"):
        Task("sensors", "classify", (X[:8], y[:8]), {"X": X, "y": y}, (X[10:], y[10:]), output_size=2,
             metric="accuracy", chance=0.5, chance_note="")


def test_E36_06_a_chance_mse_or_cross_entropy_of_0_is_refused():
    from rnnkit.tasks import Split, Task

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 6, 2)), rng.normal(size=12)
    # before: built; the success bar 6 % of 0 is an MSE below 0, so every run of compare counted a failure
    with pytest.raises(ValueError, match=r"chance=0, but the mse of the chance-level baseline .* is above 0.*so none "
                                         r"could; give it, e\.g\. the test targets' variance, np\.var\(y_test\)"):
        Task("mine", "regress", Split(X, y), Split(X, y), Split(X[:4], y[:4]), output_size=1, metric="mse", chance=0,
             chance_note="")
    with pytest.raises(ValueError, match=r"chance=0, but the cross_entropy"):
        Task("mine", "classify", Split(X, y > 0), Split(X, y > 0), Split(X[:4], y[:4] > 0), output_size=2,
             metric="cross_entropy", chance=0.0, chance_note="")


def test_E36_07_a_chance_mse_in_other_units_than_the_targets_is_warned_of():
    from rnnkit.tasks import Split, Task

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5, 2))
    y = 1000 + 300 * X[:, :, 0].mean(1)  # targets in the thousands, spread ~130
    parts = Split(X[:20], y[:20]), Split(X[20:25], y[20:25]), Split(X[25:], y[25:])
    # before: built without a word; the bar, MSE < 0.06, is one no model of these targets reaches
    with pytest.warns(UserWarning, match=r"chance=1 \(mse\), but predicting the training targets' mean scores an "
                                         r"MSE of .* on the test split, .* every run a failure; .*np\.mean\(\(y_test "
                                         r"- y_train\.mean\(0\)\) \*\* 2\)"):
        Task("mine", "regress", *parts, output_size=1, metric="mse", chance=1.0, chance_note="")
    baseline = float(np.mean((y[25:] - y[:20].mean()) ** 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a chance of the targets' scale: quiet
        Task("mine", "regress", *parts, output_size=1, metric="mse", chance=baseline, chance_note="")
        Task("mine", "regress", *parts, output_size=1, metric="mse", chance=float(np.var(y[25:])), chance_note="")


@pytest.mark.parametrize("given", ["Balanced", "balance", " balanced"])
def test_E36_08_class_weight_balanced_misspelt_names_the_spelling(given):
    X, y = np.zeros((4, 3, 1), dtype=np.float32), [0, 1, 0, 1]
    # before: "class_weight must be None, 'balanced' or a dict {label: weight}, got 'Balanced'", no word of the case
    with pytest.raises(ValueError, match=rf"got '{given}'; did you mean 'balanced'\? \(names are exact"):
        SequenceClassifier(**TINY, class_weight=given).fit(X, y)


def test_E36_09_the_taggers_label_column_left_among_the_features_is_warned_of():
    import pandas as pd

    rng = np.random.default_rng(0)
    labels = [(rng.random(8) > 0.7).astype(int) for _ in range(12)]
    X = [pd.DataFrame({"v": rng.normal(size=8) + y, "anomaly": y}) for y in labels]  # the label kept as a column
    # before: fitted without a word; the model reads each step's answer from 'anomaly'
    with pytest.warns(UserWarning, match=r"SequenceTagger\.fit: X's column 'anomaly' holds each step's label: its "
                                         r"values match the labels one to one .*drop it: \[s\.drop\(columns="
                                         r"\['anomaly'\]\) for s in X\]"):
        SequenceTagger(**TINY).fit(X, labels)
    with pytest.warns(UserWarning, match=r"X's feature 1 holds each step's label.*np\.delete\(X, 1, axis=-1\)"):
        SequenceTagger(**TINY).fit(np.stack([s.to_numpy() for s in X]), np.stack(labels))  # an array alike
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        SequenceTagger(**TINY).fit([s[["v"]] for s in X], labels)  # the features alone: quiet
