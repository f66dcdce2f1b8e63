"""Fifteenth round of bad inputs (B15-*): the layout warning for more features than steps, ``Streamer.reset`` of an
id that has no stream, ``sequence.onnx`` on an empty batch, and sktime's OSULeaf, Tecator, PLAID and ACSF1 (data
sets no test had used) through the estimators in the containers users have them. Each test fails on the commit
before its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import one_line

from rnnkit import SequenceClassifier, Streamer
from rnnkit.data.datasets import load_japanese_vowels
from rnnkit.data.tables import read_sequences
from rnnkit.estimators import as_sequences

TINY = dict(cell="gru", hidden_size=8, bidirectional=False, pooling="final", frontend=None, stride=1, normalise=None,
            max_epochs=1, batch_size=32, random_state=0, device="cpu")


def _sktime(name: str, return_type: str, split: str = "train"):
    datasets = pytest.importorskip("sktime.datasets")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sktime's own deprecation notes
        return getattr(datasets, name)(split=split, return_type=return_type)


def _said(fn) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_B15_01_more_features_than_steps_running_smoothly_along_time_is_read_without_a_warning(tmp_path):
    X, y = load_japanese_vowels("train")
    ntf = np.stack([x[:7] for x in X])  # (270, 7, 12): 7 frames of 12 cepstra, rnnkit's (n, T, F)
    assert _said(lambda: as_sequences(ntf, "fit")) == []  # warned "read as (n, T, F): 7 time steps of 12 features"
    assert _said(lambda: as_sequences(list(ntf), "fit")) == []  # a list of equal-shape arrays alike
    np.savez(tmp_path / "vowels.npz", X=ntf, y=y)  # the command line's reader
    assert _said(lambda: read_sequences(tmp_path / "vowels.npz")) == []
    # where (n, F, T) is likely, the warning stays: sktime's (n, C, T) of 12 cepstra over 20 frames, BasicMotions'
    # 6 channels over 100 steps (both smooth along their last axis), and values with no time structure either way
    nct = np.stack([x[:20].T for x in X if len(x) >= 20])  # (n, 12, 20)
    motions, _ = _sktime("load_basic_motions", "numpy3D")  # (40, 6, 100)
    for values in (nct, motions, np.random.default_rng(0).normal(size=(30, 10, 64)), np.zeros((3, 10, 64))):
        n, T, F = values.shape
        said = _said(lambda values=values: as_sequences(values, "fit"))
        assert any(f"read as (n, T, F): {T} time steps of {F} features each" in m for m in said), said
    np.savez(tmp_path / "motions.npz", X=motions, y=np.arange(40))
    assert any("'X' has shape (40, 6, 100), read as (n, T, F)" in m
               for m in _said(lambda: read_sequences(tmp_path / "motions.npz")))
    assert _said(lambda: as_sequences(nct, "fit", layout="ntf")) == []  # said so: silent


def test_B15_02_reset_of_an_id_with_no_stream_raises_naming_the_running_streams():
    rng = np.random.default_rng(0)
    clf = SequenceClassifier(**TINY).fit(rng.normal(size=(8, 6, 3)), np.arange(8) % 2)
    stream = Streamer(clf)
    for name in ("sensor-7", "sensor-8"):
        stream.step(name, [0.1, 0.2, 0.3])
    with pytest.raises(KeyError) as e:  # was a no-op: "sensor-7" kept running on its old state
        stream.reset("sensr-7")
    from rnnkit.deploy import UnknownStreamError

    assert isinstance(e.value, UnknownStreamError) and isinstance(e.value, ValueError)
    assert one_line(e) == ("Streamer.reset: no stream has the id 'sensr-7' (the streams running: 'sensor-7', "
                           "'sensor-8'; did you mean 'sensor-7'?): a stream starts at its first step and ends at its "
                           "reset; pass missing_ok=True to ignore an id that has no stream")
    assert e.value.stream_id == "sensr-7" and e.value.streams == ["sensor-7", "sensor-8"]
    assert stream.streams == ["sensor-7", "sensor-8"]
    stream.reset("sensor-7")
    with pytest.raises(UnknownStreamError, match=r"no stream has the id 'sensor-7' \(the streams running: "
                                                 r"'sensor-8'; did you mean 'sensor-8'\?\)"):
        stream.reset("sensor-7")  # reset twice
    stream.reset("sensor-7", missing_ok=True)
    stream.reset(7, missing_ok=True)
    assert stream.streams == ["sensor-8"]
    with pytest.raises(UnknownStreamError, match=r"no stream has the id 3 \(no stream is running\)"):
        Streamer(clf).reset(3)
    with pytest.raises(ValueError, match=r"^Streamer.reset: missing_ok must be True or False, got 'yes'$"):
        stream.reset("x", missing_ok="yes")
    stream.reset()  # every stream: no id to be missing
    assert stream.streams == []


def test_B15_03_sequence_onnx_answers_an_empty_batch(tmp_path):
    import rnnkit
    from rnnkit.deploy.export import ort_session

    X, y = _sktime("load_osuleaf", "numpy3D")  # (200, 1, 427): 40 leaf outlines, every 16th point
    X = X[:40, :, ::16].transpose(0, 2, 1).astype(np.float32)
    clf = SequenceClassifier(**{**TINY, "cell": "lstm"}).fit(X, y[:40])
    info = rnnkit.export_onnx(clf, tmp_path / "leaf", verbose=False)
    assert info["sequence"]["max_abs_error"] < 1e-5  # equal to eager at B = 1, 3, 5 (T = 1, 7, 16), as before
    session = ort_session(tmp_path / "leaf" / "sequence.onnx")
    assert [d for d in session.get_inputs()[0].shape[:2]] == ["B", "T"]  # still dynamic
    for T in (1, 27):  # failed in onnxruntime's Reshape: "Input shape:{0,32}, requested shape:{0,T,-1}"
        (empty,) = session.run(None, {"x": np.zeros((0, T, 1), np.float32), "lengths": np.zeros(0, np.int64)})
        assert empty.shape == (0, len(clf.classes_)) and empty.dtype == np.float32
    step = ort_session(tmp_path / "leaf" / "step.onnx")
    state = np.zeros((0, info["step"]["state_size"]), np.float32)
    assert [a.shape for a in step.run(None, {"x_t": np.zeros((0, 1), np.float32), "state_in": state})] == \
        [(0, len(clf.classes_)), (0, info["step"]["state_size"])]


def test_B15_04_rows_out_of_time_order_name_a_sort_that_keeps_the_instances_in_their_order():
    X3, y = _sktime("load_acsf1", "numpy3D")  # (100, 1, 1460): 10 appliances' power, 10 each
    X3 = X3[:, 0, ::40]  # (100, 37)
    n, T = X3.shape
    ids = [f"s{i}" for i in range(n)]
    table = pd.DataFrame({"id": np.repeat(ids, T), "time": np.tile(np.arange(T), n), "watts": X3.ravel()})
    shuffled = table.sample(frac=1, random_state=0).set_index(["id", "time"])  # rows as a database returns them
    first = shuffled.index.unique(0)[:3].tolist()
    with pytest.raises(ValueError) as e:
        SequenceClassifier(**TINY).fit(shuffled, y)
    # was "sort them (X.sort_index())", which also sorts the instances by id ('s0', 's1', 's10', ...): a y given in
    # X's order (as y is matched) then fits each series to another's label, without a word
    assert one_line(e).startswith(f"SequenceClassifier.fit: the rows of instance {first[0]!r} are not in strictly "
                                  f"increasing time; sort each instance's rows by time: X.groupby(level=0, sort=False, "
                                  f"group_keys=False).apply(lambda g: g.sort_index()) keeps the instances in their "
                                  f"order of first appearance ({first[0]!r}, {first[1]!r}, {first[2]!r}, ...), which "
                                  f"a y given by position follows; X.sort_index() also sorts them by id ('s0', 's1', "
                                  f"'s10', ...): give y in that order then (y.loc[X.index.unique(0)] for a y indexed "
                                  f"by instance)")
    fixed = shuffled.groupby(level=0, sort=False, group_keys=False).apply(lambda g: g.sort_index())  # as named
    x, _, _ = as_sequences(fixed, "fit")
    order = [int(i[1:]) for i in fixed.index.unique(0)]
    np.testing.assert_array_equal(x[:, :, 0].numpy(), X3[order])  # float64, as given (T30-01)
    numbered = table.assign(id=np.repeat(np.arange(n), T)).set_index(["id", "time"])  # ids in their sorted order
    swapped = pd.concat([numbered.iloc[:T].iloc[::-1], numbered.iloc[T:]])  # instance 0 backwards: the short fix
    with pytest.raises(ValueError, match=r"instance 0 are not in strictly increasing time; sort them "
                                         r"\(X.sort_index\(\)\)$"):
        as_sequences(swapped, "fit")
