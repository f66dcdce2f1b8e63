"""The twenty-third round (b): the front door as a new user with their own data tries it: the estimators'
score, predict and fit given labels, columns, layouts, per-step labels and class weights of another spelling or
shape (E23-01 … E23-05), rnnkit.data's pad_sequences (E23-06 … E23-08), save's info (E23-09), deployment: the
server's app without its lifespan (E23-10) and a model directory where an export belongs (E23-11), the
regressor's score (E23-12, E23-13), sktime's nested frame with its labels left in (E23-14), an .npz of other
array names (E23-15), what users hand rnnkit.load (E23-16) and create_app (E23-17) in place of a model."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line, user_warnings

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import rnnkit  # noqa: E402
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger  # noqa: E402
from rnnkit.data import pad_sequences  # noqa: E402

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=8, lr_schedule=None,
            frontend=None, normalise=None, random_state=0, device="cpu")
TAG = {k: v for k, v in TINY.items() if k not in ("frontend", "normalise")}  # the tagger takes neither
LENGTHS = (5, 7, 6, 8, 4, 6)
LABELS = np.array(["walk", "run"] * 3)


def _ragged() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.normal(size=(n, 2)).astype(np.float32) for n in LENGTHS]


def _frames() -> list[pd.DataFrame]:
    return [pd.DataFrame(x, columns=["temp", "humidity"]) for x in _ragged()]


@pytest.fixture(scope="module")
def classifier():
    return SequenceClassifier(**TINY).fit(_ragged(), LABELS)


@pytest.fixture(scope="module")
def named_classifier():
    return SequenceClassifier(**TINY).fit(_frames(), LABELS)


# -- E23-01: score of labels the classifier never saw --------------------------------------------------------
def test_E23_01_score_of_labels_of_no_class_is_refused_and_of_an_unseen_class_warned(classifier):
    X = _ragged()
    with pytest.raises(ValueError) as e:
        classifier.score(X, np.char.upper(LABELS))  # 'WALK', 'RUN': the same classes, spelt otherwise
    message = one_line(e)
    assert "y holds none of the classifier's classes ('WALK' (3 sequences), 'RUN' (3 sequences)" in message
    assert "classes_ ['run', 'walk']" in message and "only by case or spaces" in message
    y = LABELS.copy()
    y[:2] = "swim"  # a class absent from the training data: counted wrong, scored, named
    messages = user_warnings(lambda: classifier.score(X, y))
    assert any("y holds 1 label(s) the classifier never saw at fit: 'swim' (2 sequences)" in m for m in messages)
    assert not user_warnings(lambda: classifier.score(X, LABELS))  # the fitted classes: nothing said
    hits = (classifier.predict(X) == y).mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert classifier.score(X, y) == pytest.approx(hits)  # scikit-learn's accuracy, as before


# -- E23-02: predict of a DataFrame with a column left in or out ---------------------------------------------
def test_E23_02_a_column_left_in_or_out_of_named_frames_is_named_not_counted(named_classifier):
    frames = _frames()
    with pytest.raises(ValueError) as e:
        named_classifier.predict([f.assign(label="walk") for f in frames])  # the label column left in
    message = one_line(e)
    assert "unexpected ['label']" in message and "frame.drop(columns=['label'])" in message
    with pytest.raises(ValueError) as e:
        named_classifier.predict([f[["temp"]] for f in frames])
    assert "missing ['humidity']" in one_line(e)
    regressor = SequenceRegressor(**TINY).fit(frames, np.arange(6.0))
    with pytest.raises(ValueError) as e:  # score reads X before predict does
        regressor.score([f.assign(extra=1.0) for f in frames], np.arange(6.0))
    assert "SequenceRegressor.score" in str(e.value) and "unexpected ['extra']" in one_line(e)


# -- E23-03: layout='nct' (numpy3D) of a list of (T_i, F) sequences -------------------------------------------
@pytest.mark.parametrize("layout", ["nct", "numpy3D"])
def test_E23_03_a_list_of_time_first_sequences_in_channels_first_layout_names_layout_ntf(layout):
    with pytest.raises(ValueError) as e:
        SequenceClassifier(**TINY, layout=layout).fit(_ragged(), LABELS)
    message = one_line(e)
    assert f"layout={layout!r} reads each sequence as (channels, T_i)" in message
    assert "share their last axis (2)" in message and "pass layout='ntf'" in message


# -- E23-04: per-step labels of the tagger padded into an (n, T) array ----------------------------------------
@pytest.mark.parametrize("pad", [-100, np.nan])
def test_E23_04_padded_per_step_labels_name_the_padding_and_the_slicing(pad):
    X = _ragged()
    rng = np.random.default_rng(1)
    y = np.full((len(X), max(LENGTHS)), pad, dtype=float)
    for i, n in enumerate(LENGTHS):
        y[i, :n] = rng.integers(0, 2, n)
    with pytest.raises(ValueError) as e:
        SequenceTagger(**TAG).fit(X, y)
    message = one_line(e)
    assert "the labels of sequence 0 have shape (8,) but the sequence has 5 steps" in message
    assert f"steps 5..7 all hold {pad!r}" in message
    assert "[labels[:len(x)] for labels, x in zip(y, X)]" in message
    SequenceTagger(**TAG).fit(X, [labels[: len(x)].astype(int) for labels, x in zip(y, X, strict=True)])


# -- E23-05: class_weight as a pandas Series -----------------------------------------------------------------
def test_E23_05_class_weight_as_a_series_names_to_dict():
    weights = pd.Series({"walk": 2.0, "run": 1.0})
    with pytest.raises(ValueError) as e:
        SequenceClassifier(**TINY, class_weight=weights).fit(_ragged(), LABELS)
    assert "got a pandas Series of 2 weights; pass class_weight=weights.to_dict()" in one_line(e)
    SequenceClassifier(**TINY, class_weight=weights.to_dict()).fit(_ragged(), LABELS)


# -- E23-06: a padding value the sequences' dtype cannot hold -------------------------------------------------
@pytest.mark.parametrize(("seqs", "value"), [
    ([torch.tensor([1, 2], dtype=torch.uint8), torch.tensor([3], dtype=torch.uint8)], -1),  # was 255
    ([np.array([5, 9]), np.array([2])], 0.5),  # token ids: was 0, the id of a real token
    ([np.array([5, 9]), np.array([2])], float("nan")),  # was torch's "cannot be converted to type int64_t"
])
def test_E23_06_a_padding_value_the_dtype_cannot_hold_is_refused(seqs, value):
    with pytest.raises(ValueError) as e:
        pad_sequences(seqs, padding_value=value)
    assert f"padding_value={value!r} cannot be held by the sequences' dtype" in one_line(e)
    assert pad_sequences([np.array([5, 9]), np.array([2])], padding_value=-100).tolist() == [[5, 9], [2, -100]]
    padded = pad_sequences([np.array([5.0, 9.0]), np.array([2.0])], padding_value=float("nan"))
    assert torch.isnan(padded[1, 1]) and padded[1, 0] == 2.0


# -- E23-07: float_dtype of no floating point ----------------------------------------------------------------
def test_E23_07_float_dtype_that_is_not_floating_is_refused():
    with pytest.raises(ValueError) as e:  # was [[0, 1]]: 0.5 and 1.5 truncated
        pad_sequences([np.array([0.5, 1.5])], float_dtype=torch.int64)
    assert "float_dtype must be a floating torch dtype" in one_line(e) and "got torch.int64" in str(e.value)
    assert pad_sequences([np.array([0.5, 1.5])], float_dtype=torch.float64).dtype == torch.float64


# -- E23-08: pandas sequences, objects and dates for pad_sequences ------------------------------------------
def test_E23_08_pandas_sequences_are_read_and_objects_dates_and_missing_values_named():
    frames = [pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), pd.DataFrame({"a": [5.0], "b": [6.0]})]
    assert pad_sequences(frames).tolist() == [[[1.0, 3.0], [2.0, 4.0]], [[5.0, 6.0], [0.0, 0.0]]]  # rows: steps
    with pytest.raises(ValueError) as e:  # was torch's "Could not infer dtype of NAType"
        pad_sequences([pd.Series([1, 2], dtype="Int64"), pd.Series([3, pd.NA], dtype="Int64")])
    assert "sequence 1 is a pandas Series with a missing value (row 1)" in one_line(e)
    with pytest.raises(ValueError) as e:  # was "can't convert np.ndarray of type numpy.object_ ..."
        pad_sequences([np.array([1.0, 2.0]), np.array([3.0, None])])
    assert "sequence 1 holds Python objects (dtype object), not numbers" in one_line(e)
    with pytest.raises(ValueError) as e:
        pad_sequences([np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")])
    assert "sequence 0 holds dates (dtype datetime64[D])" in one_line(e)



# -- E23-09: save's info of no dict, or of a value JSON cannot write ----------------------------------------
def test_E23_09_save_info_names_the_value_json_cannot_write(classifier, tmp_path):
    with pytest.raises(ValueError) as e:  # was "a parameter or fitted attribute is not JSON-serialisable"
        classifier.save(tmp_path / "m", info={"source": "sensors.csv", "sites": {"north", "south"}})
    message = one_line(e)
    assert "save: info['sites'] cannot be written as JSON" in message and "list(...) for a set" in message
    with pytest.raises(ValueError) as e:  # was saved: config["info"] a list where readers expect a dict
        classifier.save(tmp_path / "m", info=["sensors.csv"])
    assert "save: info must be a dict of JSON values (kept as config['info']), got list" in one_line(e)
    assert not (tmp_path / "m").exists()
    classifier.save(tmp_path / "m", info={"source": "sensors.csv", "n": np.int64(6)})
    assert json.loads((tmp_path / "m" / "config.json").read_text())["info"] == {"source": "sensors.csv", "n": 6}


# -- E23-10: the server's app driven without its lifespan ---------------------------------------------------
def test_E23_10_the_app_answers_under_a_test_client_without_with_and_mounted(classifier):
    from fastapi import FastAPI

    from rnnkit.deploy.server import create_app

    X = _ragged()
    expected = classifier.predict_proba(X[:2])
    client = TestClient(create_app(classifier))  # FastAPI's docs' way: no `with`, so no lifespan ran
    for _ in range(2):  # each request in an event loop of its own
        answer = client.post("/predict", json={"sequences": [x.tolist() for x in X[:2]]})
        assert answer.status_code == 200  # was AttributeError: 'NoneType' object has no attribute 'put'
        np.testing.assert_allclose(answer.json()["probabilities"], expected, atol=1e-6)
    outer = FastAPI()
    outer.mount("/model", create_app(classifier))  # a mounted app's lifespan is not run by the outer app
    with TestClient(outer) as mounted:
        answer = mounted.post("/model/predict", json={"sequences": [X[0].tolist()]})
        assert answer.status_code == 200 and answer.json()["predictions"] == list(classifier.predict(X[:1]))


# -- E23-11: a saved model directory where an export directory belongs --------------------------------------
def test_E23_11_a_model_directory_given_as_an_export_is_named_with_the_fix(tmp_path):
    from rnnkit.deploy import Streamer, export_onnx

    model = SequenceClassifier(**TINY).fit(_ragged(), LABELS)
    model.save(tmp_path / "m")
    with pytest.raises(ValueError) as e:
        Streamer(tmp_path / "m")
    message = one_line(e)
    assert "(it is an rnnkit model directory, written by save())" in message
    assert f"Streamer(rnnkit.load({str(tmp_path / 'm')!r}))" in message and "-onnx" in message
    with pytest.raises(ValueError) as e:  # was "... refusing to overwrite it (choose a new --out)"
        export_onnx(model, tmp_path / "m", verbose=False)
    message = one_line(e)
    assert "(it is an rnnkit model directory, written by save())" in message
    assert f"e.g. {tmp_path / 'm'}-onnx" in message and "--out" not in message
    assert rnnkit.load(tmp_path / "m").predict(_ragged()).tolist() == model.predict(_ragged()).tolist()
    export_onnx(model, tmp_path / "m-onnx", verbose=False)
    with pytest.raises(ValueError) as e:  # the other way round: was "... (choose a new path)"
        model.save(tmp_path / "m-onnx")
    assert "(it is an rnnkit ONNX export directory, written by export_onnx)" in one_line(e)
    Streamer(tmp_path / "m-onnx").step("s0", _ragged()[0][0])
    Streamer(rnnkit.load(tmp_path / "m")).step("s0", _ragged()[0][0])


# -- E23-12: the regressor's score of targets fit would refuse ------------------------------------------------
@pytest.fixture(scope="module")
def regressor():
    return SequenceRegressor(**TINY).fit(_ragged(), np.linspace(10.0, 20.0, 6))


@pytest.mark.parametrize(("y", "words"), [
    (np.array(["10", "12", "14", "16", "18", "20"]), "y holds text (e.g. '10')"),  # was scored as numbers
    (np.array([True, False] * 3), "y holds True/False, which are labels, not numbers"),  # was scored as 0 and 1
    (np.r_[np.linspace(10.0, 18.0, 5), np.nan], "y contains NaN or infinite values (the sequence at position 5"),
    (np.ones((6, 2)), "y has 2 target(s) per sequence, but the regressor was fitted with 1 target per sequence"),
])
def test_E23_12_score_reads_y_as_fit_does(regressor, y, words):
    with pytest.raises(ValueError) as e:
        regressor.score(_ragged(), y)
    message = one_line(e)
    assert message.startswith("SequenceRegressor.score: ") and words in message
    y = np.linspace(10.0, 20.0, 6)
    assert regressor.score(_ragged(), y) == pytest.approx(regressor.score(_ragged(), y[:, None]))


# -- E23-13: the regressor's targets of named columns, scored by position -----------------------------------
def test_E23_13_a_regressor_fitted_on_named_targets_scores_them_by_name(tmp_path):
    y = pd.DataFrame({"price": np.linspace(10.0, 20.0, 6), "volume": np.linspace(0.0, 1.0, 6) ** 2})
    model = SequenceRegressor(**TINY).fit(_ragged(), y)
    assert model.target_names_ == ["price", "volume"]
    with pytest.raises(ValueError) as e:  # was scored silently: price against the volume predicted, and back
        model.score(_ragged(), y[["volume", "price"]])
    assert "y's columns ['volume', 'price'] are not the targets the regressor was fitted on, ['price', " \
           "'volume'], in that order; reorder them: y[['price', 'volume']]" in one_line(e)
    with pytest.raises(ValueError) as e:
        model.score(_ragged(), y.set_axis(["p", "v"], axis=1))
    assert "give y the columns ['price', 'volume']" in one_line(e)
    model.save(tmp_path / "m")
    loaded = rnnkit.load(tmp_path / "m")
    assert loaded.target_names_ == ["price", "volume"]
    assert loaded.score(_ragged(), y) == pytest.approx(model.score(_ragged(), y))
    assert model.score(_ragged(), y.to_numpy()) == pytest.approx(model.score(_ragged(), y))  # unnamed: by position
    weighted = SequenceRegressor(**TINY).fit(_ragged(), y, sample_weight=[1, 1, 0, 1, 1, 1])
    assert weighted.target_names_ == ["price", "volume"]


# -- E23-14: sktime's nested DataFrame with its labels left in as a column -----------------------------------
def test_E23_14_a_column_of_single_values_in_a_nested_frame_is_named_as_labels_left_in():
    rng = np.random.default_rng(2)
    nested = pd.DataFrame({"dim_0": [pd.Series(rng.normal(size=6)) for _ in range(6)], "class_val": LABELS})
    with pytest.raises(ValueError) as e:  # was "X is a flat DataFrame; pass sktime's nested DataFrame ..."
        SequenceClassifier(**TINY).fit(nested, LABELS)
    message = one_line(e)
    assert "X is a nested DataFrame whose column(s) ['class_val'] hold single values (row 0: 'walk')" in message
    assert "y = X['class_val']) and X.drop(columns=['class_val'])" in message
    gap = nested.drop(columns="class_val").astype(object)
    gap.iat[0, 0] = np.nan  # a missing cell of a sequence column: named by its row, as before
    with pytest.raises(ValueError, match=r"row 0, column 'dim_0' of the nested DataFrame X holds nan"):
        SequenceClassifier(**TINY).fit(gap, LABELS)
    SequenceClassifier(**TINY).fit(nested.drop(columns=["class_val"]), nested["class_val"])


# -- E23-15: an .npz whose arrays are named otherwise than X ------------------------------------------------
@pytest.mark.parametrize(("arrays", "words"), [
    ({"x": 0, "y": 1}, "np.savez(path, X=data['x'], ...)"),
    ({"X_train": 0, "y_train": 1}, "X=data['X_train'], ...) (one file per split: its X, y and lengths; 'y_train' "
                                   "would be its y)"),
])
def test_E23_15_an_npz_of_other_array_names_names_the_one_to_save_as_X(tmp_path, arrays, words):
    from rnnkit.data import read_sequences

    X, y = np.stack([x[:4] for x in _ragged()]), LABELS
    path = tmp_path / "d.npz"
    np.savez(path, **{name: (X, y)[k] for name, k in arrays.items()})
    with pytest.raises(ValueError) as e:  # was "no array 'X' in the .npz (found ['x', 'y'])" alone
        read_sequences(path)
    assert words in one_line(e)


# -- E23-16: what users hand rnnkit.load in place of a model directory ---------------------------------------
def test_E23_16_load_names_model_directories_inside_a_zip_and_a_weights_file_alone(classifier, tmp_path):
    import shutil

    classifier.save(tmp_path / "models" / "walk-run")
    with pytest.raises(ValueError) as e:  # was "... cannot read config.json ([Errno 2] No such file ...)"
        rnnkit.load(tmp_path / "models")
    assert one_line(e).endswith(f"it holds no config.json but the model directories ['walk-run']; give one of "
                                f"them, e.g. {str(tmp_path / 'models' / 'walk-run')!r}")
    archive = shutil.make_archive(str(tmp_path / "walk-run"), "zip", tmp_path / "models" / "walk-run")
    with pytest.raises(ValueError) as e:  # was "... is not a directory; expected an rnnkit model directory ..."
        rnnkit.load(archive)
    assert f"it is a zip archive; unpack it first (shutil.unpack_archive({archive!r}, 'model'))" in one_line(e)
    (tmp_path / "copy").mkdir()
    shutil.copy(tmp_path / "models" / "walk-run" / "model.safetensors", tmp_path / "copy")
    with pytest.raises(ValueError) as e:
        rnnkit.load(tmp_path / "copy")
    assert "it holds model.safetensors but no config.json" in one_line(e)
    shutil.unpack_archive(archive, tmp_path / "model")  # as the message says
    assert rnnkit.load(tmp_path / "model").predict(_ragged()).tolist() == classifier.predict(_ragged()).tolist()


# -- E23-17: create_app of a model directory's path ---------------------------------------------------------
def test_E23_17_create_app_of_a_path_names_load(classifier, tmp_path):
    from rnnkit.deploy.server import create_app

    classifier.save(tmp_path / "m")
    for path in (tmp_path / "m", str(tmp_path / "m")):
        with pytest.raises(ValueError) as e:  # was "expected a fitted SequenceClassifier, ..., got PosixPath"
            create_app(path)
        assert one_line(e) == (f"serve: got the path {str(tmp_path / 'm')!r}, not a fitted estimator; load it "
                               "first: create_app(rnnkit.load(path)), or serve(path), which loads it (rnnkit serve "
                               "MODEL_DIR)")
    create_app(rnnkit.load(tmp_path / "m"))
