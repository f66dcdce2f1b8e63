"""Forty-second round, the estimators and the comparison (E42-xx): each test fails on the commit before its fix."""

import numpy as np
import pytest
from helpers import user_warnings

from rnnkit import SequenceClassifier, SequenceRegressor

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _x(n=12, T=6, F=3):
    return np.random.default_rng(0).normal(size=(n, T, F)).astype(np.float32)


def test_E42_01_labels_that_differ_by_letter_case_are_told():
    X = _x()
    # before: 'Cat ' and 'cat' fitted as two classes, without a word
    with pytest.raises(ValueError, match=r"differ by letter case and spaces.*'cat' at position 0, 'Cat ' at position "
                                         r"1.*y\.str\.strip\(\)\.str\.lower\(\)"):
        SequenceClassifier(**TINY).fit(X, ["cat", "Cat ", "cat", "dog"] * 3)
    # case alone may be meant ('A' and 'a' as letters): warned, with the fix and how to silence it
    said = [w for w in user_warnings(lambda: SequenceClassifier(**TINY).fit(X, ["cat", "Cat", "cat", "dog"] * 3))
            if "letter case" in w]
    assert len(said) == 1 and "('cat' at position 0, 'Cat' at position 1)" in said[0] and "y.str.lower()" in said[0]
    assert not [w for w in user_warnings(lambda: SequenceClassifier(**TINY).fit(X, ["cat", "dog"] * 6))
                if "letter case" in w]


def test_E42_01_letters_as_classes_of_their_own_case_stay_quiet():
    # review: handwriting's classes 'a' and 'A' (EMNIST's letters) are two classes, not one typed two ways
    X = _x()
    assert not [w for w in user_warnings(lambda: SequenceClassifier(**TINY).fit(X, ["a", "A", "b", "B"] * 3))
                if "letter case" in w]
    said = [w for w in user_warnings(lambda: SequenceClassifier(**TINY).fit(X, ["a", "A", "cat", "Cat"] * 3))
            if "letter case" in w]  # a word's two cases among them still told
    assert len(said) == 1 and "('cat' at position 2, 'Cat' at position 3)" in said[0]
    with pytest.raises(ValueError, match=r"differ by letter case and spaces.*'a' at position 0, 'A ' at position 1"):
        SequenceClassifier(**TINY).fit(X, ["a", "A ", "b", "B"] * 3)  # a space beside them is a typed slip


def test_E42_01_rnnkit_train_warns_of_labels_by_case_once_by_the_files_ids(tmp_path, capsys):
    import pandas as pd
    from helpers import run_cli

    rows = [dict(id=f"s{i}", t=t, f1=float(i + t), label=("cat", "Cat", "dog")[i % 3])
            for i in range(12) for t in range(3)]
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    args = ["train", tmp_path / "d.csv", "--task", "classify", "--time-column", "t", "--target-column", "label",
            "--epochs", "1", "--hidden-size", "4", "--out", tmp_path / "m"]
    said = [w for w in user_warnings(lambda: run_cli(args, capsys)) if "letter case" in w]
    assert len(said) == 1 and "('cat' at sequence 's0', 'Cat' at sequence 's1')" in said[0], said
    assert (tmp_path / "m" / "metrics.json").exists()  # warned, trained as asked


def test_E42_02_a_1d_sequence_among_2d_ones_is_told_how_to_shape_it():
    X = _x()
    seqs = [X[0, :, 0]] + list(X[1:])
    # before: "sequence 1 of X has 3 features but sequence 0 of X has 1" and nothing more
    with pytest.raises(ValueError, match=r"sequence 0 of X is 1-D \(6 values\), read as 6 steps of one feature.*"
                                         r"give every sequence as a \(T_i, 3\) array"):
        SequenceClassifier(**TINY).fit(seqs, np.arange(12) % 2)
    est = SequenceClassifier(**TINY).fit(X, np.arange(12) % 2)
    with pytest.raises(ValueError, match=r"sequence 1 of X is 1-D \(18 values\).*x\.reshape\(-1, 3\)"):
        est.predict([X[0], X[1].ravel()])


def test_E42_03_a_regressors_score_of_one_sequence_is_told_in_its_terms():
    X = _x()
    est = SequenceRegressor(**TINY).fit(X, np.arange(12.0))
    # before: NaN with scikit-learn's "R^2 score is not well-defined with less than two samples." alone
    said = user_warnings(lambda: est.score(X[:1], [1.0]))
    assert len(said) == 1 and "y holds one sequence, so R²" in said[0] and "is nan" in said[0]
    assert "mean_squared_error" in said[0] and "cross_val_predict" in said[0]
    # before: one sequence of sample_weight > 0 among three scored 0.0 without a word
    said = user_warnings(lambda: est.score(X[:3], [1.0, 2.0, 3.0], sample_weight=[0, 1, 0]))
    assert len(said) == 1 and "one sequence of sample_weight > 0" in said[0] and "this score is 0;" in said[0]
    assert not user_warnings(lambda: est.score(X[:2], [1.0, 2.0]))


def test_E42_04_a_torch_tensor_as_sample_weight_is_read_without_numpys_deprecation_warning():
    import warnings

    import torch

    X, y = _x(), np.arange(12) % 2
    # before: numpy's DeprecationWarning "__array__ implementation doesn't accept a copy keyword" (torch's)
    for weight in (torch.ones(12), torch.ones(12, dtype=torch.float64, requires_grad=True)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est = SequenceClassifier(**TINY).fit(X, y, sample_weight=weight)
            est.score(X, y, sample_weight=weight)
        assert not [w for w in caught if "__array__" in str(w.message)]
    plain = SequenceClassifier(**TINY).fit(X, y, sample_weight=np.ones(12)).predict_proba(X)
    np.testing.assert_array_equal(est.predict_proba(X), plain)


@pytest.mark.parametrize("given, fix", [("Reference", "pass backend='reference'"),
                                        ("refrence", "pass backend='reference'"),
                                        ("CPU_LOOP", "pass backend='cpu_loop'"),
                                        ("GPU", "'GPU' is a device: pass device='cuda'"),
                                        ("xyz", "leave backend='auto'")])
def test_E42_05_compares_backend_in_another_case_or_a_device_is_told_the_fix(given, fix):
    from rnnkit.compare import compare

    # before: "compare: backend must be one of (...), got 'Reference'" and nothing more
    with pytest.raises(ValueError, match=rf"got '{given}'; {fix}"):
        compare("adding", cells=["lstm"], lengths=[10], seeds=1, steps=1, backend=given, log=None)


def test_E42_06_a_task_option_in_another_case_or_misspelt_is_told():
    from rnnkit.compare import compare
    from rnnkit.tasks import get_task

    run = dict(cells=["lstm"], lengths=[10], seeds=1, steps=1, log=None)
    # before: "get_task: task 'adding' has no option(s) ['t']; its options are ['T', ...]", of an option compare
    # sets by lengths
    with pytest.raises(ValueError, match=r"^compare: task 'adding' has no option\(s\) \['t'\] \(task_params sets "
                                         r"'t': 10\); its length T is set by lengths: pass lengths=\[10\]"):
        compare("adding", task_params={"t": 10}, **run)
    with pytest.raises(ValueError, match=r"^compare: task 'adding' has no option\(s\) \['n_trian'\] \(task_params\); "
                                         r"did you mean 'n_train' for 'n_trian'\?"):
        compare("adding", task_params={"n_trian": 100}, **run)
    with pytest.raises(ValueError, match=r"^get_task: .*\['N_train'\]; did you mean 'n_train' for 'N_train'\?"):
        get_task("adding", N_train=100)


def test_E42_07_a_count_given_as_a_float_or_text_is_told_the_number_and_the_estimator():
    from sklearn.model_selection import GridSearchCV

    X, y = _x(), np.arange(12) % 2
    # before: "hidden_size must be an integer >= 1 or 'auto', got np.float64(4.0)": no estimator, no fix
    with pytest.raises(ValueError, match=r"^SequenceClassifier\.fit: hidden_size must be an integer >= 1 or 'auto', "
                                         r"got np\.float64\(4\.0\) \(a float\); pass hidden_size=4, an int"):
        GridSearchCV(SequenceClassifier(**TINY), {"hidden_size": np.linspace(4, 8, 2)}, cv=2,
                     error_score="raise").fit(X, y)
    with pytest.raises(ValueError, match=r"^SequenceRegressor\.fit: lr must be a finite number > 0, got '1e-3' "
                                         r"\(text\); pass lr=0\.001, a number"):
        SequenceRegressor(**TINY, lr="1e-3").fit(X, y * 1.0)
    with pytest.raises(ValueError, match=r"^SequenceClassifier\.build_model: max_epochs .* got '2' \(text\); pass "
                                         r"max_epochs=2"):
        SequenceClassifier(**dict(TINY, max_epochs="2")).build_model(X, y)
    # no one number meant: the ints either side (E43-03 added them; E42-07 left the message bare)
    with pytest.raises(ValueError, match=r"^SequenceClassifier\.fit: hidden_size .*, got 4\.5; pass an int, "
                                         r"hidden_size=4 or hidden_size=5"):
        SequenceClassifier(**dict(TINY, hidden_size=4.5)).fit(X, y)


class _Mine(SequenceClassifier):
    def __init__(self, hidden_size=4, **kwargs):  # a user's subclass passing the others on
        super().__init__(hidden_size=hidden_size, **kwargs)


def test_E42_08_a_subclass_taking_parameters_through_kwargs_is_told_why_they_are_refused():
    # before: "_Mine() got an unexpected keyword argument 'max_epochs'", which its __init__ does take
    with pytest.raises(TypeError, match=r"^_Mine\(\) got max_epochs=1, which _Mine\.__init__ takes through "
                                        r"\*\*kwargs; .*clone and GridSearchCV .*: name max_epochs in _Mine\.__init__"):
        _Mine(hidden_size=4, max_epochs=1)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'hiden_size'"):  # no parameter of rnnkit's
        _Mine(hiden_size=4)
    assert _Mine(hidden_size=8).get_params()["hidden_size"] == 8


@pytest.mark.parametrize("kind, metric, fix", [("classification", "accuracy", "pass kind='classify'"),
                                               ("Classify", "accuracy", "pass kind='classify'"),
                                               ("regression", "mse", "pass kind='regress'"),
                                               ("classify", "Accuracy", "pass metric='accuracy'"),
                                               ("classify", "log_loss", "pass metric='cross_entropy'")])
def test_E42_09_a_tasks_kind_or_metric_by_another_librarys_name_is_told_rnnkits(kind, metric, fix):
    from rnnkit.tasks import Split, Task

    split = Split(_x(), np.arange(12) % 2)
    # before: "Task 'mine': kind must be one of ('classify', 'regress', 'tag'), got 'classification'" alone
    given = kind if "kind" in fix else metric
    with pytest.raises(ValueError, match=rf"^Task 'mine': (kind|metric) must be one of .*, got '{given}'; {fix}$"):
        Task("mine", kind, split, split, split, output_size=2, metric=metric, chance=0.5, chance_note="half")
