"""The eleventh round of docs/bad_inputs.md (ids C11-..): the command line, deployment and diagnostics, tried as a
new user would on data that ships offline (sktime's GunPoint and BasicMotions). A valid input gives the right
result; a wrong one gets one line naming what, where and the fix. Each test fails on the commit before the fix."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import gunpoint_train, one_line, run_cli

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor
from rnnkit.compare import compare
from rnnkit.diagnostics import gradient_flow, hidden_states, saliency

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnkit.deploy.server import create_app  # noqa: E402

# a tiny classifier for (n, T, F) arrays, every rule fixed: fits in a second
TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=8, lr=1e-2, lr_schedule=None,
            pooling="final", frontend=None, stride=1, normalise=None, random_state=0, device="cpu")
FAST = ["--epochs", "1", "--hidden-size", "4", "--lr", "0.01", "--lr-schedule", "none", "--cell", "gru",
        "--batch-size", "8", "--test-fraction", "0"]


@pytest.fixture(scope="module")
def gunpoint():
    """12 GunPoint training series cut to 20 steps, batch-first (12, 20, 1), labels '1' / '2'."""
    return gunpoint_train(12, 20, batch_first=True)


@pytest.fixture(scope="module")
def basic_motions():
    """16 BasicMotions training series (6 channels, unscaled accelerometer and gyroscope) cut to 30 steps,
    batch-first (16, 30, 6), and their four activity labels."""
    datasets = pytest.importorskip("sktime.datasets")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = datasets.load_basic_motions(split="train", return_type="numpy3D")
    keep = np.concatenate([np.flatnonzero(y == c)[:4] for c in np.unique(y)])
    return X[keep, :, :30].transpose(0, 2, 1).astype(np.float32), np.asarray(y[keep]).astype(str)


def _wrote(tmp_path) -> str:
    """The one line a train that succeeds writes on stderr (its JSON goes to stdout): no warning beside it."""
    return f"wrote model and metrics.json to {tmp_path / 'm'}"


def _long(gunpoint) -> pd.DataFrame:
    X, y = gunpoint
    rows = [(f"g{i}", t, float(X[i, t, 0]), y[i]) for i in range(len(X)) for t in range(X.shape[1])]
    return pd.DataFrame(rows, columns=["id", "t", "x", "target"])


def _train(data, tmp_path, capsys, *options):
    """``rnnkit train DATA --task classify OPTIONS`` with the tiny settings, into ``tmp_path / "m"``."""
    return run_cli(["train", data, "--task", "classify", *options, *FAST, "--out", tmp_path / "m"], capsys)


def test_c11_01_train_refuses_rows_out_of_the_order_of_a_time_named_column(gunpoint, tmp_path, capsys):
    """The case docs/bad_inputs.md left open: `t` read as a feature, the rows in file order (shuffled here)."""
    frame = _long(gunpoint)
    shuffled = frame.sample(frac=1, random_state=0)
    shuffled.to_csv(tmp_path / "shuf.csv", index=False)
    status, err = _train(tmp_path / "shuf.csv", tmp_path, capsys)
    first = shuffled[shuffled["id"] == shuffled["id"].iloc[0]]  # the first sequence's rows, in file order
    a, b = (int(np.flatnonzero(shuffled.index == i)[0]) + 2 for i in first.index[:2])
    assert status == 2 and err == [  # was: trained on the shuffled steps, after a warning
        f"rnnkit train: error: {tmp_path / 'shuf.csv'}: column 't' is named like a time axis, and the rows of "
        f"sequence {first['id'].iloc[0]!r} are not in its order (t {first['t'].iloc[0]} on line {a}, then "
        f"{first['t'].iloc[1]} on line {b}); without --time-column the rows are read in file order, with 't' as a "
        "feature: pass --time-column t to sort each sequence's rows by it (or rename the column if it is a "
        "feature, not the time)"]
    assert first["t"].iloc[1] < first["t"].iloc[0] and not (tmp_path / "m").exists()
    # following the fix trains on the sorted steps; a file in time order keeps the warning and trains
    assert run_cli(["train", tmp_path / "shuf.csv", "--task", "classify", "--time-column", "t", "--out",
                 tmp_path / "m", *FAST], capsys) == (0, [_wrote(tmp_path)])
    frame.to_csv(tmp_path / "ordered.csv", index=False)
    with pytest.warns(UserWarning, match=r"column 't' is named like a time axis .*--time-column t"):
        status, _ = run_cli(["train", tmp_path / "ordered.csv", "--task", "classify", "--out", tmp_path / "m2", *FAST],
                         capsys)
    assert status == 0


def test_c11_02_predict_refuses_rows_out_of_order_for_a_model_that_reads_t_as_a_feature(gunpoint, tmp_path,
                                                                                       capsys):
    frame = _long(gunpoint).rename(columns={"t": "time"})
    frame.to_csv(tmp_path / "ordered.csv", index=False)
    with pytest.warns(UserWarning, match="named like a time axis"):
        assert run_cli(["train", tmp_path / "ordered.csv", "--task", "classify", "--out", tmp_path / "m", *FAST],
                    capsys)[0] == 0
    late = frame[frame["id"] == "g3"].iloc[::-1]  # one sequence written newest first
    frame = pd.concat([frame[frame["id"] != "g3"], late])
    frame.to_csv(tmp_path / "late.csv", index=False)
    status, err = run_cli(["predict", tmp_path / "m", tmp_path / "late.csv"], capsys)
    assert status == 2 and err == [  # was: predicted g3 read backwards, after a warning
        f"rnnkit predict: error: {tmp_path / 'late.csv'}: column 'time' is named like a time axis, and the rows of "
        f"sequence 'g3' are not in its order (time 19 on line 222, then 18 on line 223); without --time-column the "
        "rows are read in file order, with 'time' as a feature: the model reads 'time' as a feature (it was "
        "trained without --time-column), so sort the rows of each sequence by 'time' in the file (or train again "
        "with --time-column time)"]


def test_c11_03_a_time_named_column_of_dates_without_time_column_names_the_flag(gunpoint, tmp_path, capsys):
    frame = _long(gunpoint)
    frame.insert(1, "date", (pd.Timestamp("2024-01-01") + pd.to_timedelta(frame.pop("t"), unit="D")).astype(str))
    frame.to_csv(tmp_path / "dated.csv", index=False)
    status, err = _train(tmp_path / "dated.csv", tmp_path, capsys)
    assert status == 2 and err == [  # was: "feature column(s) ['date'] are not numeric (...); convert or drop them"
        f"rnnkit train: error: {tmp_path / 'dated.csv'}: column 'date' is named like a time axis and holds text "
        "('2024-01-01' on line 2), but no --time-column was given, so it would be read as a feature, which must be "
        "numbers; pass --time-column date to sort each sequence's rows by it (or convert or drop the column if it "
        "is a feature)"]
    assert run_cli(["train", tmp_path / "dated.csv", "--task", "classify", "--time-column", "date", "--out",
                 tmp_path / "m", *FAST], capsys) == (0, [_wrote(tmp_path)])
    # another text feature keeps the reader's own message
    frame.assign(colour="red").to_csv(tmp_path / "colour.csv", index=False)
    status, err = run_cli(["train", tmp_path / "colour.csv", "--task", "classify", "--time-column", "date", "--out",
                        tmp_path / "m3", *FAST], capsys)
    assert status == 2 and "feature column(s) ['colour'] are not numeric (line 2 has 'red'" in err[0]


def test_c11_04_regress_on_a_target_with_decimal_commas_names_the_line(gunpoint, tmp_path, capsys):
    frame = _long(gunpoint)
    frame["target"] = frame["target"].map({"1": "1,5", "2": "2,5"})  # Excel's decimal comma, quoted by to_csv
    frame.to_csv(tmp_path / "comma.csv", index=False)
    status, err = run_cli(["train", tmp_path / "comma.csv", "--task", "regress", "--time-column", "t", "--out",
                        tmp_path / "m", *FAST], capsys)
    assert status == 2 and err == [  # was: "SequenceRegressor.fit: y holds text (e.g. '2,5') ...": no file, line
        f"rnnkit train: error: {tmp_path / 'comma.csv'}: column 'target' is not numeric (line 2 has "
        f"{frame['target'].iloc[0]!r}); it is written with a decimal comma: save the file again as "
        "pd.read_csv(path, decimal=',').to_csv(new_path, index=False) (--task regress reads numbers)"]
    frame["target"] = frame["target"].map({"1,5": "low", "2,5": "high"})
    frame.to_csv(tmp_path / "words.csv", index=False)
    status, err = run_cli(["train", tmp_path / "words.csv", "--task", "regress", "--time-column", "t", "--out",
                        tmp_path / "m", *FAST], capsys)
    assert status == 2 and err[0].endswith("and --task regress reads numbers; convert it to numbers, or use --task "
                                           "classify for class labels")
    frame["target"] = frame["target"].map({"low": "1.5", "high": "2.5"})  # numbers, read as before
    frame.to_csv(tmp_path / "point.csv", index=False)
    assert run_cli(["train", tmp_path / "point.csv", "--task", "regress", "--time-column", "t", "--out",
                 tmp_path / "m", *FAST], capsys) == (0, [_wrote(tmp_path)])


def test_c11_05_served_json_booleans_are_read_as_fit_predict_and_streamer_read_them(gunpoint):
    X, y = gunpoint
    flags = (X > 0).astype(bool)  # a boolean feature (a CSV's True/False column is read so, R05)
    clf = SequenceClassifier(**TINY).fit(flags, y)
    body = {"sequences": flags[:3].tolist()}  # JSON true / false
    with TestClient(create_app(clf)) as client:
        r = client.post("/predict", json=body)
    assert r.status_code == 200, r.text  # was: 400 "sequence 0, step 0 holds false; features must be numbers"
    np.testing.assert_allclose(r.json()["probabilities"], clf.predict_proba(flags[:3].astype(np.float32)),
                               rtol=1e-5, atol=1e-7)
    assert r.json()["predictions"] == clf.predict(flags[:3]).tolist()
    streamer = rnnkit.Streamer(clf)  # the Streamer reads True as 1.0 too: one stream per reading
    for t in range(flags.shape[1]):
        as_bool = streamer.step("b", [bool(flags[0, t, 0])])
        as_float = streamer.step("f", [float(flags[0, t, 0])])
        np.testing.assert_array_equal(as_bool.y, as_float.y)


def test_c11_06_diagnostics_of_a_fitted_estimator_read_x_as_predict_does(basic_motions):
    """BasicMotions' features are unscaled (accelerometer and gyroscope): the module reads them standardised."""
    X, y = basic_motions
    clf = SequenceClassifier(**TINY).fit(X, y)
    s = saliency(clf, X)
    chosen = clf.predict_proba(X).argmax(1)
    assert (s.target == chosen).all()
    # was: the module read the raw X (scores 0.43, 0.30, ... for 0.53, 0.51, ...: another model's outputs)
    with torch.inference_mode():
        # standardised in float64 (x_mean_, x_scale_), then float32, as the network reads it
        by_hand = clf.model_(torch.from_numpy((X - clf.x_mean_) / clf.x_scale_).float(), torch.full((len(X),), 30))[0]
    np.testing.assert_allclose(s.score, by_hand.numpy()[np.arange(len(X)), chosen], rtol=1e-5, atol=1e-6)
    standardised = torch.from_numpy((X - clf.x_mean_) / clf.x_scale_).float()
    h = hidden_states(clf, X).states["l0"]["h"]  # hidden states alike (they read the same resolved input)
    np.testing.assert_allclose(h, hidden_states(clf.model_, standardised, lengths=torch.full((len(X),), 30))
                               .states["l0"]["h"], rtol=1e-6, atol=1e-7)


def test_c11_07_gradient_flow_of_an_estimator_reads_its_labels(basic_motions):
    X, y = basic_motions
    clf = SequenceClassifier(**TINY).fit(X, y)
    flow = gradient_flow(clf, X[:6], y[:6])  # was: TypeError: can't convert np.ndarray of type numpy.str_
    codes = torch.as_tensor(np.searchsorted(clf.classes_, y[:6]))
    x = torch.from_numpy((X[:6] - clf.x_mean_) / clf.x_scale_).float()
    by_hand = gradient_flow(clf.model_, x, codes, lengths=torch.full((6,), 30))
    np.testing.assert_allclose(flow.per_sample["l0"], by_hand.per_sample["l0"], rtol=1e-5)
    with pytest.raises(ValueError) as e:
        gradient_flow(clf, X[:2], np.array(["jumping", "walking"]))
    assert one_line(e) == ("diagnostics (SequenceClassifier): y holds 'jumping', which is not a class of the model "
                           "(classes_ ['badminton', 'running', 'standing', 'walking']); give labels as predict "
                           "returns them")
    reg = SequenceRegressor(**TINY).fit(X, np.arange(len(X), dtype=float))  # targets standardised as at fit
    flow = gradient_flow(reg, X[:4], np.arange(4.0))
    target = torch.from_numpy((np.arange(4.0)[:, None] - reg.y_mean_) / reg.y_scale_).float()
    by_hand = gradient_flow(reg.model_, x[:4], target, lengths=torch.full((4,), 30))
    np.testing.assert_allclose(flow.per_sample["l0"], by_hand.per_sample["l0"], rtol=1e-5)


def test_c11_08_saliency_target_of_an_estimator_is_a_label_of_classes(gunpoint):
    X, y = gunpoint
    clf = SequenceClassifier(**TINY).fit(X, y.astype(int))  # classes_ [1, 2], as GunPoint's labels read as ints
    second = saliency(clf, X[:4], target=2)  # was: "target class ids must be in [0, 2) ..., got min 2"
    assert (second.target == 1).all()
    first = saliency(clf, X[:4], target=1)  # was: class index 1, i.e. label 2, silently
    assert (first.target == 0).all() and not np.allclose(first.score, second.score)
    np.testing.assert_array_equal(saliency(clf, X[:4], target=[1, 2, 2, 1]).target, [0, 1, 1, 0])
    with pytest.raises(ValueError) as e:
        saliency(clf, X[:4], target=0)
    assert one_line(e) == ("saliency: target holds 0, which is not a class of the model (classes_ [1, 2]); give "
                           "labels as predict returns them")
    text = SequenceClassifier(**TINY).fit(X, y)  # classes_ ['1', '2']
    np.testing.assert_allclose(saliency(text, X[:2], target="2").score, second.score[:2], rtol=1e-6)


@pytest.mark.parametrize("given, message", [
    (dict(steps=0), "compare: steps must be an integer >= 1 (optimizer steps per run; None: budget_seconds alone), "
                    "got 0 (rnnkit compare --steps)"),  # was: trained without end
    (dict(steps=2.5), "compare: steps must be an integer >= 1 (optimizer steps per run; None: budget_seconds alone), "
                      "got 2.5 (rnnkit compare --steps)"),  # was: 3 steps
    (dict(seeds=0), "compare: seeds must be an integer >= 1 (runs per cell and length), got 0 (rnnkit compare "
                    "--seeds)"),  # was: a report of no run
    (dict(eval_every=0), "compare: eval_every must be an integer >= 1 (steps between validations), got 0 (rnnkit "
                         "compare --eval-every)"),  # was: ZeroDivisionError
    (dict(steps=None, budget_seconds=-1.0), "compare: budget_seconds must be a finite number of seconds > 0, or "
                                            "None, got -1.0"),  # was: a report of untrained models
    (dict(lengths=50), "compare: lengths must be a list of sequence lengths (e.g. [50]), or [None] for a task of "
                       "fixed length, got 50"),  # was: TypeError: 'int' object is not iterable
    (dict(lengths=[10, 10]), "compare: lengths gives 10 twice, which would run and report that length twice over; "
                             "give each length once"),
    (dict(lengths=[]), "compare: lengths is empty, so no model would run; give at least one length (or [None] for "
                       "a task of fixed length)"),
    (dict(first_seed=-1), "compare: first_seed must be an integer >= 0 (the runs' seeds are first_seed, first_seed "
                          "+ 1, ...), got -1"),  # was: numpy's "expected non-negative integer"
    (dict(batch_size=0), "compare: batch_size must be an integer >= 1 (sequences per step), got 0 (rnnkit compare "
                         "--batch-size)"),
])
def test_c11_09_compare_from_python_refuses_what_the_command_line_refuses(given, message, tmp_path):
    small = dict(lengths=[10], cells=["rnn"], seeds=1, steps=2, eval_every=1, hidden_size=4, log=lambda *a: None,
                 task_params={"n_train": 64, "n_val": 32, "n_test": 32}, out=tmp_path / "report")
    with pytest.raises(ValueError) as e:
        compare("adding", **{**small, **given})
    assert one_line(e) == message and not (tmp_path / "report").exists()


def test_c11_10_a_separator_at_the_end_of_every_line_is_named_as_such(gunpoint, tmp_path, capsys):
    data = tmp_path / "trail.csv"
    lines = _long(gunpoint).to_csv(index=False).splitlines()
    data.write_text("".join(line + ",\n" for line in lines))  # id,t,x,target, / g0,0,-0.64,1,
    status, err = _train(data, tmp_path, capsys, "--time-column", "t")
    # was: "column 5 of the header has no name, as a DataFrame's index written by to_csv has: its row numbers ..."
    assert status == 2 and err == [f"rnnkit train: error: {data}: every line ends with a comma: the header's last "
                                   "column 5 has no name and no values; remove the trailing commas (or "
                                   "pd.read_csv(path).iloc[:, :-1].to_csv(new_path, index=False))"]
    fixed = tmp_path / "fixed.csv"
    pd.read_csv(data).iloc[:, :-1].to_csv(fixed, index=False)  # the fix the message gives
    clean = tmp_path / "clean.csv"
    clean.write_text("".join(line + "\n" for line in lines))
    pd.testing.assert_frame_equal(pd.read_csv(fixed), pd.read_csv(clean))
    (tmp_path / "idx.csv").write_text("".join(line + "\n" for line in _long(gunpoint).to_csv().splitlines()))
    # a nameless first column is still an index written by to_csv
    status, err = _train(tmp_path / "idx.csv", tmp_path, capsys, "--time-column", "t")
    assert status == 2 and "column 1 of the header has no name, as a DataFrame's index" in err[0]


def test_c11_11_excels_separator_line_is_named_as_such(gunpoint, tmp_path, capsys):
    data = tmp_path / "excel.csv"
    data.write_text("sep=,\n" + _long(gunpoint).to_csv(index=False))
    status, err = _train(data, tmp_path, capsys, "--time-column", "t")
    # was: "column 2 of the header has no name, as a DataFrame's index written by to_csv has ..."
    assert status == 2 and err == [f"rnnkit train: error: {data}: line 1, 'sep=,', is Excel's separator line, not "
                                   "the header; remove it (or pd.read_csv(path, skiprows=1).to_csv(new_path, "
                                   "index=False))"]
    semicolons = tmp_path / "excel_semicolons.csv"
    semicolons.write_text("sep=;\n" + _long(gunpoint).to_csv(index=False, sep=";"))
    status, err = _train(semicolons, tmp_path, capsys, "--time-column", "t")
    assert status == 2 and "line 1, 'sep=;', is Excel's separator line, not the header" in err[0]
