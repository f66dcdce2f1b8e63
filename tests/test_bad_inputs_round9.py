"""Ninth round of bad inputs, tried as a new user would on the classification side of the front door (the
estimators, the command line and the server), on sktime's GunPoint as it loads. One test per case of
docs/bad_inputs.md ("Ninth round"); each fails on the commit before the fix (43ddcf6)."""

import json
import unicodedata

import numpy as np
import pandas as pd
import pytest
from helpers import TINY_NCT, gunpoint_train, one_line  # a refusal's message, one line
from sklearn.model_selection import GridSearchCV

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger

datasets = pytest.importorskip("sktime.datasets")

# sktime's numpy3D is (n, channels, T): layout="nct"
TINY = TINY_NCT


@pytest.fixture(scope="module")
def gunpoint():
    """20 GunPoint training series cut to 30 steps, as sktime gives them: (20, 1, 30), labels '1' / '2'."""
    return gunpoint_train(20, 30)


@pytest.fixture(scope="module")
def long_gunpoint(gunpoint):
    """The same series as a MultiIndex (instance, time) frame and its labels on the instances 's00' ... 's19'."""
    X, y = gunpoint
    ids = [f"s{i:02d}" for i in range(len(X))]
    frame = pd.DataFrame({"v": X[:, 0, :].ravel()}, index=pd.MultiIndex.from_product([ids, range(X.shape[2])]))
    return frame, pd.Series(y, index=ids)


# -- R9-01: score matches a pandas y to X by its index, as fit does ------------------------------------------
def test_r9_01_score_refuses_a_pandas_y_on_x_s_instances_in_another_order(long_gunpoint):
    X, y = long_gunpoint
    clf = SequenceClassifier(**{**TINY, "layout": "auto"}).fit(X, y)
    shuffled = y.sample(frac=1, random_state=1)
    # before: scored by position (fit refused the same y): each sequence against another one's label
    with pytest.raises(ValueError) as err:
        clf.score(X, shuffled)
    assert one_line(err) == (
        "SequenceClassifier.score: y's index ('s03', 's16', 's06', ...) is not X's instances in X's order ('s00', "
        "'s01', 's02', ...); y is matched to X by position: reorder it with y.loc[instances] (or pass y.to_numpy() "
        "if its order is already X's)")
    assert clf.score(X, shuffled.loc[y.index]) == clf.score(X, y.to_numpy())  # the fix it names
    reg = SequenceRegressor(**{**TINY, "layout": "auto"}).fit(X, pd.Series(np.arange(20.0), index=y.index))
    with pytest.raises(ValueError, match=r"^SequenceRegressor.score: y's index \('s03', 's16', 's06', \.\.\.\) is not"):
        reg.score(X, pd.Series(np.arange(20.0), index=y.index).sample(frac=1, random_state=1))
    weights = pd.Series(np.arange(1.0, 21.0), index=y.index)
    with pytest.raises(ValueError) as err:  # the weights alike
        clf.score(X, y, sample_weight=weights.sample(frac=1, random_state=2))
    assert one_line(err).startswith(
        "SequenceClassifier.score: sample_weight's index ('s12', 's04', 's18', ...) is not X's instances in X's order "
        "('s00', 's01', 's02', ...); sample_weight is matched to X by position: reorder it with "
        "sample_weight.loc[instances]")
    assert clf.score(X, y, sample_weight=weights) == clf.score(X, y.to_numpy(), sample_weight=weights.to_numpy())


# -- R9-02: a pd.Series of sequences (one per id) is matched to y by its index -------------------------------
def test_r9_02_a_series_of_sequences_is_matched_to_y_by_its_index(gunpoint, long_gunpoint):
    X, y = gunpoint
    frame, labels = long_gunpoint
    # df.groupby("id")["v"].apply(np.array): one array per id, sorted by id; the labels in the file's order
    series = frame["v"].groupby(level=0).apply(np.array)
    shuffled = labels.sample(frac=1, random_state=1)
    # before: matched by position, without a word
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**{**TINY, "layout": "auto"}).fit(series, shuffled)
    assert one_line(err).startswith("SequenceClassifier.fit: y's index ('s03', 's16', 's06', ...) is not X's "
                                    "instances in X's order ('s00', 's01', 's02', ...)")
    by_index = SequenceClassifier(**{**TINY, "layout": "auto"}).fit(series, shuffled.loc[series.index])
    as_array = SequenceClassifier(**TINY).fit(X, y)
    np.testing.assert_allclose(by_index.predict_proba(series), as_array.predict_proba(X), atol=1e-6)
    # a long Series of one feature on (instance, time) rows is its one-column frame (before: refused with the
    # advice X[None], "one sequence of 600 steps": the 20 series end to end)
    long_series = SequenceClassifier(**{**TINY, "layout": "auto"}).fit(frame["v"], labels)
    np.testing.assert_allclose(long_series.predict_proba(frame["v"]), as_array.predict_proba(X), atol=1e-6)
    with pytest.raises(ValueError, match=r"^SequenceClassifier.fit: y's index \('s03', 's16', 's06', \.\.\.\)"):
        SequenceClassifier(**{**TINY, "layout": "auto"}).fit(frame["v"], shuffled)
    # a dict {id: sequence}: before, only the list of accepted types; now the way to keep the ids
    by_id = {k: v for k, v in series.items()}
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**{**TINY, "layout": "auto"}).fit(by_id, labels)
    assert one_line(err).endswith("got dict; a dict of sequences by id? pass pd.Series(X) (a pandas y is then matched "
                                  "to it by id), or list(X.values()) with y in that order")
    np.testing.assert_allclose(SequenceClassifier(**{**TINY, "layout": "auto"}).fit(pd.Series(by_id), labels)
                               .predict_proba(series), as_array.predict_proba(X), atol=1e-6)


# -- R9-10: a regressor's y, a pd.Series of target vectors (one list or array per sequence) -------------------
def test_r9_10_a_series_of_target_vectors_is_read_as_rows(gunpoint):
    X, _ = gunpoint
    rows = [[float(i), 2.0 * i] for i in range(len(X))]
    # before: "SequenceRegressor.fit: y must be numeric (setting an array element with a sequence.)": it was
    reg = SequenceRegressor(**TINY).fit(X, pd.Series(rows))
    same = SequenceRegressor(**TINY).fit(X, np.array(rows))
    np.testing.assert_array_equal(reg.predict(X), same.predict(X))
    assert reg.predict(X).shape == (20, 2)
    assert reg.score(X, pd.Series([np.array(r) for r in rows])) == same.score(X, np.array(rows))
    with pytest.raises(ValueError, match=r"^SequenceRegressor.fit: y is not a rectangular array \(.*\); give one "
                                         r"target, or one vector of k targets, per sequence$"):
        SequenceRegressor(**TINY).fit(X, pd.Series([[1.0], *rows[1:]]))


# -- R9-11: the tagger's labels as one Series per sequence, on the sequence's steps --------------------------
def test_r9_11_a_sequence_s_labels_as_a_series_are_matched_to_its_steps_by_index(gunpoint):
    X, _ = gunpoint
    times = pd.date_range("2024-01-01", periods=X.shape[2], freq="min")
    frames = [pd.DataFrame({"v": s[0]}, index=times) for s in X]
    labels = [pd.Series(np.where(np.arange(len(times)) % 2, "up", "down"), index=times) for _ in X]
    newest_first = [s.iloc[::-1] for s in labels]  # as a table read newest first, then only X sorted
    tagger = SequenceTagger(hidden_size=4, max_epochs=1, random_state=0, device="cpu")
    # before: read by position: every label against the step at the other end of the sequence
    with pytest.raises(ValueError) as err:
        tagger.fit(frames, newest_first)
    assert one_line(err) == (
        "SequenceTagger.fit: the labels of sequence 0 are a Series whose index (Timestamp('2024-01-01 00:29:00'), "
        "Timestamp('2024-01-01 00:28:00'), Timestamp('2024-01-01 00:27:00'), ...) is not the steps of sequence 0 in "
        "their order (Timestamp('2024-01-01 00:00:00'), Timestamp('2024-01-01 00:01:00'), Timestamp('2024-01-01 "
        "00:02:00'), ...); labels are matched to steps by position: reorder them with labels.loc[x.index] (or pass "
        "labels.to_numpy() if their order is already the steps')")
    fitted = tagger.fit(frames, [s.loc[f.index] for s, f in zip(newest_first, frames, strict=True)])  # the fix
    with pytest.raises(ValueError, match=r"^SequenceTagger.score: the labels of sequence 0 are a Series whose index"):
        fitted.score(frames, newest_first)
    assert fitted.score(frames, labels) == fitted.score(frames, [s.to_numpy() for s in labels])


# -- R9-03: numpy's numbers as parameters (a GridSearchCV grid of np.arange) --------------------------------
def test_r9_03_numpy_numbers_as_parameters_fit_save_and_load(gunpoint, tmp_path):
    X, y = gunpoint
    # before: max_epochs=np.int64(1): Lightning's bare AssertionError, after the data was read; a grid of
    # np.arange failed every fit of the search
    clf = SequenceClassifier(**{**TINY, "max_epochs": np.int64(1)}).fit(X, y)
    np.testing.assert_allclose(clf.predict_proba(X), SequenceClassifier(**TINY).fit(X, y).predict_proba(X))
    search = GridSearchCV(SequenceClassifier(**TINY), {"max_epochs": np.arange(1, 3)}, cv=2).fit(X, y)
    assert search.best_params_["max_epochs"] in (1, 2)
    # before: each fitted, then save refused it: `Object of type int64 is not JSON serializable`
    for name, value in (("random_state", np.int64(3)), ("lr", np.float32(0.01)), ("bidirectional", np.bool_(False)),
                        ("hidden_size", np.int32(4))):
        fitted = SequenceClassifier(**{**TINY, name: value}).fit(X, y)
        fitted.save(tmp_path / name)
        loaded = rnnkit.load(tmp_path / name)
        assert loaded.get_params()[name] == value and type(loaded.get_params()[name]) is type(value.item())
        np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))


# -- R9-04: score's sample_weight: finite numbers >= 0, not all 0 --------------------------------------------
@pytest.mark.parametrize("weights, message", [
    (-np.ones(20), "sample_weight is negative at position 0 (-1, 20 in all)"),  # before: 0.45, as if all 1
    (np.r_[np.ones(10), -np.ones(10)], "sample_weight is negative at position 10 (-1, 10 in all)"),  # ZeroDivisionError
    (np.r_[np.ones(19), np.inf], "sample_weight is NaN or infinite at position 19 (inf, 1 in all)"),
    (np.r_[np.ones(5), np.nan, np.ones(14)], "sample_weight is NaN or infinite at position 5 (nan, 1 in all)"),
    (np.array([1.0] * 19 + [None], dtype=object), "sample_weight is NaN or infinite at position 19"),  # TypeError
    (np.zeros(20), "sample_weight is 0 for every sequence, which leaves nothing to score"),
])
def test_r9_04_score_refuses_weights_that_are_not_finite_numbers_at_least_zero(gunpoint, weights, message):
    X, y = gunpoint
    clf = SequenceClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError) as err:
        clf.score(X, y, sample_weight=weights)
    assert one_line(err).startswith(f"SequenceClassifier.score: {message}"), one_line(err)
    half = np.r_[np.ones(10), np.zeros(10)]  # a weight of 0 leaves a sequence out, as before
    assert clf.score(X, y, sample_weight=half) == clf.score(X[:10], y[:10])


def test_r9_04_the_regressor_s_score_alike(gunpoint):
    X, _ = gunpoint
    reg = SequenceRegressor(**TINY).fit(X, np.arange(20.0))
    with pytest.raises(ValueError, match=r"^SequenceRegressor.score: sample_weight is negative at position 10"):
        reg.score(X, np.arange(20.0), sample_weight=np.r_[np.ones(10), -np.ones(10)])  # before: ZeroDivisionError


# -- R9-05: a list of DataFrames naming a column twice, or its columns in other orders -----------------------
def test_r9_05_a_list_of_frames_names_each_feature_once_and_in_one_order(gunpoint):
    X, y = gunpoint
    twice = [pd.DataFrame(np.c_[s[0], -s[0]], columns=["x", "x"]) for s in X]
    # before: fitted with feature_names_in_ ['x', 'x'], which cannot tell the two columns apart at predict
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**{**TINY, "layout": "auto"}).fit(twice, y)
    assert one_line(err) == ("SequenceClassifier.fit: sequence 0 of X names column(s) ['x'] more than once (columns "
                             "['x', 'x']); give every feature column its own name")
    frames = [pd.DataFrame({"x": s[0], "speed": np.gradient(s[0])}) for s in X]
    mixed = [f if i % 2 == 0 else f[["speed", "x"]] for i, f in enumerate(frames)]
    with pytest.raises(ValueError) as err:  # before: "... every sequence needs the same feature columns"
        SequenceClassifier(**{**TINY, "layout": "auto"}).fit(mixed, y)
    assert one_line(err) == (
        "SequenceClassifier.fit: sequence 1 of X has columns ['speed', 'x'] but sequence 0 has ['x', 'speed']; the "
        "same columns in another order, which would be read by position: reorder them as sequence 0's (e.g. "
        "[s[['x', 'speed']] for s in X])")
    fixed = [s[["x", "speed"]] for s in mixed]  # the fix it names
    np.testing.assert_array_equal(SequenceClassifier(**{**TINY, "layout": "auto"}).fit(fixed, y).predict_proba(frames),
                                  SequenceClassifier(**{**TINY, "layout": "auto"}).fit(frames, y).predict_proba(frames))


# -- R9-06: labels that print alike: Unicode forms, invisible characters; the tagger's spaces -----------------
def test_r9_06_labels_that_differ_only_by_unicode_form_or_invisible_characters_are_refused(gunpoint):
    X, y = gunpoint
    labels = np.where(y == "1", "café", "thé").astype(object)
    nfd = labels.copy()
    nfd[::3] = [unicodedata.normalize("NFD", v) for v in nfd[::3]]  # 'café' as macOS writes file names
    # before: four classes, 'café' twice and 'thé' twice, each learnt from part of the other's examples
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, nfd)
    assert one_line(err).startswith(
        "SequenceClassifier.fit: y spells one label in two ways that differ only by invisible characters or Unicode "
        f"form ({ascii(nfd[0])} at position 0, ")
    assert one_line(err).endswith("which would be two classes; write them alike, e.g. [unicodedata.normalize('NFC', "
                                  "v).replace('\\u200b', '') for v in y]")
    zero_width = labels.copy()
    zero_width[4] += "\u200b"
    with pytest.raises(ValueError, match=r"differ only by invisible characters or Unicode form \('.*' at position"):
        SequenceClassifier(**TINY).fit(X, zero_width)
    assert list(SequenceClassifier(**TINY).fit(X, np.char.upper(labels.astype(str))).classes_) == ["CAFÉ", "THÉ"]


def test_r9_06_the_tagger_refuses_per_step_labels_that_differ_only_by_spaces(gunpoint):
    X, _ = gunpoint
    x = X[:, 0, :, None]  # (20, 30, 1)
    steps = np.where(x[..., 0] > 0, "up", "down").astype(object)
    steps[3, 5] += " "
    tagger = SequenceTagger(hidden_size=4, max_epochs=1, random_state=0, device="cpu")
    with pytest.raises(ValueError) as err:  # before: a third class, 'down ' or 'up ', for one step
        tagger.fit(x, steps)
    assert one_line(err).startswith("SequenceTagger.fit: y spells one label in two ways that differ only by spaces (")
    assert f"{steps[3, 5]!r} at sequence 3, step 5), which would be two classes" in one_line(err)


# -- R9-07: a CSV's id or label that pandas reads as missing ('NA', 'None', ...) -----------------------------
def _long_csv(gunpoint, path, ids=None, labels=None):
    X, y = gunpoint
    ids = ids or [f"s{i}" for i in range(len(X))]
    labels = labels if labels is not None else list(y)
    rows = [{"id": ids[i], "t": t, "f1": float(X[i, 0, t]), "target": labels[i]}
            for i in range(len(X)) for t in range(X.shape[2])]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_r9_07_an_id_or_label_pandas_reads_as_missing_is_named_as_written(gunpoint, tmp_path, cli_error):
    X, y = gunpoint
    countries = [f"c{i}" for i in range(len(X))]
    countries[3] = "NA"  # Namibia
    data = _long_csv(gunpoint, tmp_path / "na_id.csv", ids=countries)
    train = ["--task", "classify", "--time-column", "t", "--epochs", "1", "--hidden-size", "4"]
    # before: "the id column 'id' is empty at lines 92, 93, ...": the cells hold 'NA'
    line = cli_error(["train", data, *train, "--out", tmp_path / "m1"])
    assert line == (f"rnnkit train: error: {data}: line 92 has 'NA' in 'id', which pandas reads as a missing value "
                    "(as it reads 'NA', 'N/A', 'None', 'null', 'nan'); if it is an id, spell it otherwise in the file "
                    "(e.g. 'NA_'), else fill it in or drop the row")
    activities = ["None" if v == "1" else "walk" for v in y]
    data = _long_csv(gunpoint, tmp_path / "none_label.csv", labels=activities)
    first = 2 + 30 * activities.index("None")
    # before: "sequence 's2' (line 62): the target column 'target' is empty (270 empty in all)"
    line = cli_error(["train", data, *train, "--out", tmp_path / "m2"])
    assert line == (f"rnnkit train: error: {data}: line {first} has 'None' in 'target', which pandas reads as a "
                    "missing value (as it reads 'NA', 'N/A', 'None', 'null', 'nan'); if it is a label, spell it "
                    "otherwise in the file (e.g. 'None_'), else fill it in or drop the row")
    wide = tmp_path / "wide.csv"
    pd.DataFrame(X[:, 0, :], columns=[f"v{t}" for t in range(X.shape[2])]).assign(target=activities).to_csv(
        wide, index=False)
    line = cli_error(["train", wide, "--layout", "wide", "--task", "classify", "--epochs", "1", "--hidden-size", "4",
                      "--out", tmp_path / "m3"])
    assert line.startswith(f"rnnkit train: error: {wide}: line {activities.index('None') + 2} has 'None' in 'target'")
    empty = _long_csv(gunpoint, tmp_path / "empty.csv", labels=[v if v == "1" else "" for v in y])
    line = cli_error(["train", empty, *train, "--out", tmp_path / "m4"])  # an empty cell keeps its message
    assert "the target column 'target' is empty" in line


# -- R9-08: class labels in a CSV that write one number in two ways ('01' and '1') ----------------------------
def test_r9_08_labels_that_write_one_number_in_two_ways_are_not_merged_into_one_class(gunpoint, tmp_path, cli_error):
    X, y = gunpoint
    codes = ["01" if i < 7 else "1" if i < 14 else "2" for i in range(len(X))]  # three classes in the file
    data = _long_csv(gunpoint, tmp_path / "codes.csv", labels=codes)
    train = ["--task", "classify", "--time-column", "t", "--epochs", "1", "--hidden-size", "4"]
    # before: trained on two classes, [1, 2]: '01' and '1' read as the number 1
    line = cli_error(["train", data, *train, "--out", tmp_path / "m"])
    assert line == (f"rnnkit train: error: {data}: the label column 'target' writes the number 1 in 2 ways ('01' on "
                    f"line 2, '1' on line {2 + 7 * 30}), which are read as one class; if they are different classes, "
                    "make them text that differs (e.g. a letter before each: 'c01'), else write them alike")
    tags = _long_csv(gunpoint, tmp_path / "tags.csv", labels=["0" if i < 10 else "0.0" for i in range(len(X))])
    assert "writes the number 0 in 2 ways ('0' on line 2, '0.0' on line 302)" in cli_error(
        ["train", tags, "--task", "tag", "--time-column", "t", "--epochs", "1", "--hidden-size", "4",
         "--out", tmp_path / "t"])
    plain = _long_csv(gunpoint, tmp_path / "plain.csv", labels=[int(v) for v in y])  # one spelling each: read
    from rnnkit.cli import main

    assert main(["train", str(plain), *train, "--out", str(tmp_path / "p")]) == 0
    assert rnnkit.load(tmp_path / "p").classes_.tolist() == [1, 2]
    regress = _long_csv(gunpoint, tmp_path / "regress.csv", labels=codes)  # a number is a number to a regressor
    assert main(["train", str(regress), "--task", "regress", "--time-column", "t", "--epochs", "1", "--hidden-size",
                 "4", "--out", str(tmp_path / "r")]) == 0


# -- R9-12: a Streamer observation as a dict {feature name: value} ------------------------------------------
@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_r9_12_a_stream_reads_a_dict_observation_by_its_feature_names(gunpoint, tmp_path, backend):
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    from rnnkit import Streamer, export_onnx

    X, y = gunpoint
    frames = [pd.DataFrame({"x": s[0], "speed": np.gradient(s[0])}) for s in X]
    clf = SequenceClassifier(**{**TINY, "layout": "auto"}).fit(frames, y)
    if backend == "onnxruntime":
        export_onnx(clf, tmp_path / "onnx")
    stream = Streamer(clf if backend == "torch" else tmp_path / "onnx")
    # as a JSON message carries one step, in any key order; before: `is not numeric (float() argument must be a
    # string or a real number, not 'dict')`
    for row in frames[0].itertuples():
        last = stream.step("r", {"speed": row.speed, "x": row.x})
    np.testing.assert_allclose(last.probabilities, clf.predict_proba(frames[:1])[0], atol=1e-5)
    with pytest.raises(ValueError) as err:
        stream.step("s", {"x": 1.0, "sped": 0.0})
    assert one_line(err) == ("Streamer: the observation of stream 's' has feature names that differ from those seen at "
                             "fit ['x', 'speed']: missing ['speed'], unexpected ['sped'] ('sped' for 'speed'?)")
    unnamed = Streamer(SequenceClassifier(**TINY).fit(X, y))
    with pytest.raises(ValueError) as err:
        unnamed.step("s", {"x": 1.0})
    assert one_line(err) == (
        "Streamer: the observation of stream 's' is a dict of 1 named values (['x']...), but the model was fitted "
        "without feature names, so nothing says which value is which feature; give the values as a list in the "
        "order of the features at fit")


# -- R9-09: a /predict body without "sequences" -------------------------------------------------------------
def test_r9_09_a_body_without_the_sequences_key_names_the_keys_it_has():
    pytest.importorskip("fastapi")
    from rnnkit.deploy.server import Limits, RequestError, parse_request

    def detail(body) -> str:
        with pytest.raises(RequestError) as err:
            parse_request(json.dumps(body).encode(), 1, Limits())
        assert err.value.status == 400
        return one_line(err)

    # before: 'request body must be a JSON object {"sequences": ...}' for each, though they were JSON objects
    assert detail({"Sequences": [[[1.0]]]}) == (
        'request body has no key "sequences" (it has [\'Sequences\']; rename \'Sequences\' to "sequences"); send '
        '{"sequences": [[[f1, f2, ...], ...], ...]}: sequences of steps of features')
    assert "(it has ['sequence']; rename 'sequence' to \"sequences\")" in detail({"sequence": [[[1.0]]]})
    assert "(it has ['data', 'inputs']); send" in detail({"inputs": [[[1.0]]], "data": 1})
    assert detail([[[1.0]]]).endswith(', got a JSON array; send it as {"sequences": <the array>}')


# R9-13 -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_r9_13_a_compressed_csv_cut_short_is_named_as_damaged(tmp_path, suffix):
    from rnnkit.data import read_sequences
    from rnnkit.forecast.series import read_series_csv

    rng = np.random.default_rng(0)
    long = pd.DataFrame({"id": np.repeat(np.arange(100), 40), "t": np.tile(np.arange(40), 100),
                         "x": rng.random(4000), "target": np.repeat(np.arange(100) % 2, 40)})
    series = pd.DataFrame({"t": np.arange(4000), "y": rng.random(4000)})
    for name, frame in (("long", long), ("series", series)):
        whole = tmp_path / f"{name}.csv{suffix}"
        frame.to_csv(whole, index=False)
        cut = tmp_path / f"{name}_cut.csv{suffix}"
        cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])  # an interrupted download
        read = (lambda p: read_sequences(p, time_column="t")) if name == "long" else (
            lambda p: read_series_csv(p, time_column="t", target_column="y"))
        read(whole)  # the whole file reads
        with pytest.raises(ValueError) as e:
            read(cut)
        kind = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}[suffix]
        assert one_line(e).startswith(f"{cut}: the {kind} stream is corrupt or cut short (")
        assert one_line(e).endswith("the file is damaged (an interrupted download or copy?): fetch it again (check "
                                    f"it with {'unxz' if kind == 'xz' else 'bunzip2' if kind == 'bzip2' else kind} -t)")
