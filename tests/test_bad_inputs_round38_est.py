"""Thirty-eighth round, the estimators and the comparison (E38-xx): each test fails on the commit before its fix."""

import re

import numpy as np
import pytest
from helpers import cli_error, one_line, run_cli, user_warnings

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu", cell="gru")


def _xy(n=12, T=10, F=3):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, T, F)).astype(np.float32)
    return X, (X[:, :, 0].mean(1) > 0).astype(int)


def _advised(message: str) -> str:
    """The list comprehension a message advises, e.g. '[x[...] for x in X]'."""
    return re.search(r"e\.g\. (\[.* for x in X\])", message).group(1)


def test_E38_01_nan_tails_of_channels_first_sequences_are_cut_by_the_advice_given():
    X, y = _xy()
    X = X.transpose(0, 2, 1).copy()  # (n, C, T), as sktime and aeon hold it
    for i in range(6):
        X[i, :, 7 + i % 3:] = np.nan  # a shorter series padded with NaN at its end
    for layout in ("numpy3D", "nct"):
        with pytest.raises(ValueError, match="as tslearn pads a shorter series") as e:
            SequenceClassifier(**TINY, layout=layout).fit(X, y)
        # before: [x[~np.isnan(x).reshape(len(x), -1).all(axis=1)] for x in X], which drops channels that are NaN
        # at every step (none), so the same X came back and was refused again
        cut = eval(_advised(one_line(e)), {"np": np, "X": X})
        assert [x.shape for x in cut[:3]] == [(3, 7), (3, 8), (3, 9)]
        assert SequenceClassifier(**TINY, layout=layout).fit(cut, y).n_features_in_ == 3
    # read as missing values (time_aware): the warning's advice cuts the steps too
    said = [w for w in user_warnings(lambda: SequenceClassifier(**TINY, layout="nct", time_aware=True).fit(X, y))
            if "as tslearn pads" in w]
    assert len(said) == 1
    assert [x.shape for x in eval(_advised(said[0]), {"np": np, "X": X})[:3]] == [(3, 7), (3, 8), (3, 9)]
    # (n, T, F) as given: the steps are its rows, as before
    with pytest.raises(ValueError, match="as tslearn pads") as e:
        SequenceClassifier(**TINY).fit(X.transpose(0, 2, 1), y)
    assert [x.shape for x in eval(_advised(one_line(e)), {"np": np, "X": X.transpose(0, 2, 1)})[:3]] == [
        (7, 3), (8, 3), (9, 3)]


def test_E38_02_a_named_cell_refusing_the_hidden_size_is_said_in_the_estimators_options():
    X, y = _xy()
    # before: "LayerNormLSTMCell: hidden_size=1 ... use hidden_size >= 2, or rnnkit.LSTMCell for a single unit",
    # the layer API's cell, with no estimator named
    for est, target in ((SequenceClassifier, y), (SequenceRegressor, y.astype(float)),
                        (SequenceTagger, (X[:, :, 0] > 0).astype(int))):
        with pytest.raises(ValueError, match=rf"^{est.__name__}: cell='layernorm_lstm' at hidden_size=1: "
                                             r"LayerNormLSTMCell: .*; give hidden_size=2 or more.*, or cell='lstm'$"):
            est(**{**TINY, "cell": "layernorm_lstm", "hidden_size": 1}).fit(X, target)
    # an unknown name is said as before, with the estimator's name
    with pytest.raises(ValueError, match=r"^SequenceClassifier: unknown cell 'lstmm'; did you mean 'lstm'\?"):
        SequenceClassifier(**{**TINY, "cell": "lstmm"}).fit(X, y)


def test_E38_03_a_cell_object_of_other_sizes_than_the_network_says_which_option_to_change():
    X, y = _xy()
    # before: "the cell has (input_size, hidden_size) = (3, 5) but the model needs (3, 32)": the tagger's default
    # hidden_size, with no word of it
    with pytest.raises(ValueError, match=r"^SequenceTagger: cell is a LSTMCell\(input_size=3, hidden_size=5\) object, "
                                         r".*needs \(3, 32\); give hidden_size=5, .*cell=LSTMCell"):
        SequenceTagger(cell=rnnkit.LSTMCell(3, 5), max_epochs=1).fit(X, (X[:, :, 0] > 0).astype(int))
    with pytest.raises(ValueError, match=r"needs \(3, 8\); leave hidden_size 'auto' \(it takes the cell's own, 5\)"):
        SequenceClassifier(cell=rnnkit.LSTMCell(3, 5), hidden_size=8, max_epochs=1).fit(X, y)
    # before: "TimeAware: cell must be an rnnkit Cell whose input_size is 2F ...; got input_size=3", F unsaid
    with pytest.raises(ValueError, match=r"build the cell for 2 \* 3 = 6 inputs \(\[x, m\] of X's 3 features"):
        SequenceClassifier(cell=rnnkit.LSTMCell(3, 5), max_epochs=1, time_aware=True).fit(X, y)
    assert SequenceClassifier(cell=rnnkit.LSTMCell(6, 5), max_epochs=1, time_aware=True,
                              random_state=0).fit(X, y).predict(X[:2]).shape == (2,)


def _splits(y_train, y_test, T=6, F=2):
    from rnnkit.tasks import Split

    rng = np.random.default_rng(0)
    X = rng.normal(size=(len(y_train) + 2 * len(y_test), T, F)).astype(np.float32)
    n = len(y_train)
    return (Split(X[:n], y_train), Split(X[n:n + len(y_test)], y_test), Split(X[n + len(y_test):], y_test))


def test_E38_04_a_task_whose_train_split_holds_one_class_is_refused():
    from rnnkit.tasks import Task

    mixed = np.array([0, 1, 1, 0])
    # before: built quietly; every model learnt to answer class 0, and the comparison scored its share of the test
    for y_test, share in ((mixed, "50%"), (np.zeros(4, int), "100%")):
        with pytest.raises(ValueError, match=rf"Task 'mine': the train split's y holds a single class \(0\) at each of "
                                             rf"its 8 sequences, .*test split \({share}\), .*two or more classes"):
            Task("mine", "classify", *_splits(np.zeros(8, int), y_test), output_size=2, metric="accuracy",
                 chance=0.5, chance_note="half")
    with pytest.raises(ValueError, match=r"single class \(1\) at each of its 48 steps"):
        Task("steps", "tag", *_splits(np.ones((8, 6), int), np.ones((4, 6), int)), output_size=2,
             metric="accuracy", chance=0.5, chance_note="half")
    # two classes in the train split: built as before
    Task("mine", "classify", *_splits(np.r_[np.zeros(4, int), np.ones(4, int)], mixed), output_size=2,
         metric="accuracy", chance=0.5, chance_note="half")


def test_E38_05_compare_takes_a_backend_so_that_throughputs_compare(tmp_path, capsys):
    from rnnkit.compare import compare, markdown
    from rnnkit.tasks import get_task

    task = get_task("adding", T=6, n_train=16, n_val=8, n_test=8)
    quick = dict(seeds=1, steps=2, hidden_size=4, batch_size=8, eval_every=1, device="cpu", log=None)
    # before: compare() got an unexpected keyword argument 'backend'; each cell ran its own fastest path
    results = compare(task, cells=["gru", "lstm"], backend="reference", **quick)
    assert results["backend"] == "reference"
    assert {cell: results["summary"][cell]["6"]["backend"] for cell in ("gru", "lstm")} == {
        "gru": "reference", "lstm": "reference"}
    # a fast path forced on a cell it cannot run: refused before the first run, by cell
    with pytest.raises(ValueError, match=r"^compare: cell 'lstm' with backend='cpu_gru': LSTM: backend='cpu_gru' "
                                         r"cannot run this call: .*'reference' or 'cpu_loop'"):
        compare(task, cells=["gru", "lstm"], backend="cpu_gru", **quick)
    with pytest.raises(ValueError, match=r"compare: backend must be one of \('auto', "):
        compare(task, backend="Reference", **quick)
    # the report says where the cells ran on different backends
    runs = {cell: {"6": {**results["summary"][cell]["6"], "backend": name}}
            for cell, name in (("gru", "cpu_gru"), ("lstm", "native"))}
    assert "The cells ran on 2 backends (cpu_gru, native)" in markdown({**results, "summary": runs})
    assert "backends (" not in markdown(results)
    # the command line: --backend, its default said
    assert "--backend" in cli_error(["compare", "--backend", "fast", "--out", tmp_path / "r"], capsys)
    from rnnkit.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert re.search(r"--backend \{auto,.*\} what runs every cell's recurrent layer \(default auto", said), said
    status, err = run_cli(["compare", "--task", "adding", "--length", "6", "--cells", "gru,lstm", "--seeds", "1",
                           "--steps", "2", "--hidden-size", "4", "--batch-size", "8", "--eval-every", "1",
                           "--task-params", '{"n_train": 16, "n_val": 8, "n_test": 8}', "--device", "cpu",
                           "--backend", "cpu_loop", "--out", tmp_path / "r"], capsys)
    assert status == 0, err
    report = (tmp_path / "r" / "report.md").read_text()
    assert "| cpu_loop |" in report and "backends (" not in report


def test_E38_06_a_regress_task_of_missing_targets_is_refused_by_split_and_sequence():
    from rnnkit.tasks import Split, Task

    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 6, 2)).astype(np.float32)
    y = X[:, :, 0].sum(1)
    holed = y.copy()
    holed[[3, 5]] = np.nan
    # before: built; compare's runs "diverged: its loss turned non-finite at step 0; a lower lr or clip_grad_norm
    # may train it" (a NaN in the train split), or scored mse=nan whichever the cell (one in the test split)
    for parts, split in (((holed[:16], y[16:20], y[20:]), "train"), ((y[:16], y[16:20], holed[:4]), "test")):
        with pytest.raises(ValueError, match=rf"^Task 'sums': the {split} split's y is nan at sequence 3 \(\d in "
                                             r"all\), .*keep = np.isfinite\(y\), then Split\(X\[keep\], y\[keep\]\)$"):
            Task("sums", "regress", Split(X[:16], parts[0]), Split(X[16:20], parts[1]),
                 Split(X[20:], parts[2]), output_size=1, metric="mse", chance=1.0, chance_note="")
    two = np.c_[y, 2 * y]
    two[17, 1] = np.inf
    with pytest.raises(ValueError, match=r"the val split's y is inf at sequence 1, target 1 .*isfinite\(y\)\.all"):
        Task("sums", "regress", Split(X[:16], two[:16]), Split(X[16:20], two[16:20]), Split(X[20:], two[20:]),
             output_size=2, metric="mse", chance=float(np.var(two[20:])), chance_note="")


def test_E38_07_predict_on_x_far_from_the_fitted_scaling_is_warned_of():
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(30, 8, 2)) * [20, 1] + [300, 0]  # a temperature in kelvin beside a unit-scale feature
    y = (raw[:, :, 1].mean(1) > 0).astype(int)
    mu, sd = raw[:20].mean((0, 1)), raw[:20].std((0, 1))
    clf = SequenceClassifier(**TINY).fit((raw[:20] - mu) / sd, y[:20])  # standardised by one's own scaler
    # before: read raw, 300 fitted sds away; the predictions near constant, with no word
    with pytest.warns(UserWarning, match=r"SequenceClassifier.predict: feature 0 of X has mean 29\d.* and sd 2\d.* "
                                         r"here, but 0 ± 1 at fit: 29\d fitted standard deviations away \(1 of the 2 "
                                         r"features beyond 10\), .*give X as at fit"):
        clf.predict(raw[20:])
    assert not [w for w in user_warnings(lambda: clf.predict((raw[20:] - mu) / sd)) if "fitted standard" in w]
    assert not [w for w in user_warnings(lambda: clf.predict((raw[20:21] - mu) / sd)) if "fitted standard" in w]
    # named by the column where X had names; the regressor alike
    import pandas as pd

    frames = [pd.DataFrame(x, columns=["kelvin", "rate"]) for x in raw]
    reg = SequenceRegressor(**TINY).fit([f * 1.0 for f in frames[:20]], y[:20].astype(float))
    with pytest.warns(UserWarning, match=r"feature 'kelvin' of X has mean 2.98\de\+05 .* \(1 of the 2 features"):
        reg.predict([f * [1000.0, 1.0] for f in frames[20:]])  # kilo-units at predict


def test_E38_07_a_feature_missing_throughout_or_a_rare_flag_on_in_one_sequence_is_not_taken_for_other_units():
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(30, 8, 2)) * [20, 1] + [300, 0]
    y = (raw[:, :, 1].mean(1) > 0).astype(int)
    far = lambda est, X: [w for w in user_warnings(lambda: est.predict(X)) if "fitted standard" in w]  # noqa: E731
    # before: a sensor missing at every step read was taken for mean 0, 15 fitted sds from kelvin's 300 ± 20
    ta = SequenceClassifier(**TINY, time_aware=True).fit(raw[:20], y[:20])
    gap = raw[20:21].copy()
    gap[:, :, 0] = np.nan
    assert not far(ta, gap)
    # before: a flag on at 0.1 % of fit steps (sd 0.032), on at 6 of one sequence's 50, read as 10 sds of spread
    F = np.zeros((200, 50, 1))
    F.reshape(-1)[::1000] = 1
    clf = SequenceClassifier(**TINY).fit(F, np.arange(200) % 2)
    s = np.zeros((1, 50, 1))
    s[0, :6] = 1
    assert not far(clf, s)
    assert far(clf, np.ones((1, 50, 1)))  # on at every step: far out throughout, still warned of


def test_E38_08_per_step_labels_padded_with_torchs_ignore_index_are_refused_with_the_cut():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 8, 2)).astype(np.float32)
    y = (X[:, :, 0] > 0).astype(np.int64)
    lengths = 4 + np.arange(12) % 5
    for i, n in enumerate(lengths):
        y[i, n:] = -100  # CrossEntropyLoss(ignore_index=-100)'s padding
        X[i, n:] = X[i, n - 1]  # X padded by repeating its last step (np.pad(mode="edge")): no zeros to warn of
    # before: fitted with classes_ [-100, 0, 1]; the padded steps learnt, and predicted, as the class -100
    with pytest.raises(ValueError, match=r"^SequenceTagger.fit: y holds -100 at the last 4 of the 8 steps of sequence "
                                         r"0 \(10 of the 12 sequences end so\), and nowhere else: torch's ignore_index"
                                         r".*lengths = \(y != -100\).sum\(axis=1\)") as e:
        SequenceTagger(**TINY).fit(X, y)
    one_line(e)
    n = (y != -100).sum(axis=1)  # the advice: each sequence at its own length
    tagger = SequenceTagger(**TINY).fit([x[:k] for x, k in zip(X, n, strict=True)],
                                        [t[:k] for t, k in zip(y, n, strict=True)])
    assert tagger.classes_.tolist() == [0, 1]
    # before: scored 0.33, each padded step a wrong prediction, the warning "spelt otherwise than at fit?"
    with pytest.raises(ValueError, match=r"SequenceTagger.score: y holds -100 .*would count as a wrong prediction"):
        tagger.score(X, y)
    # -100 inside a sequence is a label as before
    inside = y.copy()
    inside[inside == -100] = 0
    inside[0, 1] = -100
    assert SequenceTagger(**TINY).fit(X, inside).classes_.tolist() == [-100, 0, 1]


def test_E38_09_regression_targets_with_trailing_axes_of_one_are_told_the_reshape():
    X, _ = _xy()
    y = X[:, :, 0].sum(1)
    # before: "y must have shape (n,) or (n, k), got (12, 1, 1)" and nothing more
    with pytest.raises(ValueError, match=r"got \(12, 1, 1\); its axes after the first hold 1 value\(s\) per sequence: "
                                         r"pass y.reshape\(len\(y\), -1\), shape \(12, 1\)$"):
        SequenceRegressor(**TINY).fit(X, y[:, None, None])  # a network's output shape, torch's unsqueezed targets
    with pytest.raises(ValueError, match=r"got \(12, 1, 2\); .*hold 2 value\(s\) .*shape \(12, 2\)$"):
        SequenceRegressor(**TINY).fit(X, np.c_[y, -y][:, None, :])
    reg = SequenceRegressor(**TINY).fit(X, y[:, None, None].reshape(len(y), -1))
    with pytest.raises(ValueError, match=r"SequenceRegressor.score: .*pass y.reshape\(len\(y\), -1\)"):
        reg.score(X, y[:, None, None])


def test_E38_10_a_split_of_torch_tensors_with_grad_or_in_bfloat16_is_read_as_the_estimators_read_them():
    import torch

    from rnnkit.tasks import Split, Task

    X = torch.randn(8, 5, 2, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([0, 1] * 4)
    # before: torch's "Can't call numpy() on Tensor that requires grad", numpy's "Got unsupported ScalarType BFloat16"
    for given in (X.requires_grad_(), X.detach().bfloat16()):
        split = Split(given, y)
        assert isinstance(split.X, np.ndarray) and split.X.dtype == np.float32 and split.y.dtype == np.int64
        assert np.allclose(split.X, given.detach().float().numpy())
    task = Task("tensors", "classify", Split(X, y), Split(X[:4], y[:4]), Split(X[4:], y[4:]), output_size=2,
                metric="accuracy", chance=0.5, chance_note="half")
    assert task.score(np.zeros(4, np.int64)) == 0.5
    with pytest.raises(ValueError, match=r"^Split: X is a sparse tensor .*pass t.to_dense\(\)$"):
        Split(X.detach().to_sparse(), y)


def test_E38_11_one_sequence_given_as_a_list_of_its_steps_rows_is_told_to_be_wrapped():
    X, y = _xy()
    clf = SequenceClassifier(**TINY).fit(X, y)
    # before: "X has 1 features per step, but the estimator was fitted with 3" and nothing more (a 2-D array was
    # told X[None]; its rows as lists, X[0].tolist() or JSON's [[...], ...], were not)
    for given in (X[0].tolist(), list(X[0])):
        with pytest.raises(ValueError, match=r"fitted with 3; X is a list of 10 rows of 3 numbers, read as 10 "
                                             r"sequences of one feature: for a single sequence of 10 steps of 3 "
                                             r"features, pass \[X\]$"):
            clf.predict(given)
    assert clf.predict([X[0].tolist()]).shape == (1,)
    with pytest.raises(ValueError, match=r"fitted with 3; X is 2-D, read as \(n, T\) .*pass X\[None\]$"):
        clf.predict(X[0])
    tagger = SequenceTagger(**TINY).fit(X, (X[:, :, 0] > 0).astype(int))
    with pytest.raises(ValueError, match=r"SequenceTagger.predict: .*pass \[X\]$"):
        tagger.predict(X[0].tolist())


def test_E38_12_a_validation_fraction_that_no_early_stopping_reads_is_warned_of():
    X, y = _xy()
    # before: fitted on every sequence with no word; none was held out, as the fraction given asked
    for est, target in ((SequenceClassifier, y), (SequenceTagger, (X[:, :, 0] > 0).astype(int))):
        with pytest.warns(UserWarning, match=rf"^{est.__name__}.fit: validation_fraction=0.3 is the share of the "
                                             r"sequences early stopping holds out, but early_stopping_patience=None "
                                             r"stops none, .*give early_stopping_patience"):
            est(**TINY, validation_fraction=0.3).fit(X, target)
    quiet = lambda **kw: [w for w in user_warnings(lambda: SequenceClassifier(**TINY, **kw).fit(X, y))  # noqa: E731
                          if "validation_fraction" in w]
    assert not quiet() and not quiet(validation_fraction=0.3, early_stopping_patience=2)
