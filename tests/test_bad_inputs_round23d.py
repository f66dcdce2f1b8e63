"""The twenty-third round (d): the deployment layer's leftovers: a Streamer given a pandas row read by its names
as predict reads a DataFrame's columns (D23-01, D23-02), the server's GET /model naming a regressor's targets
(D23-03), a masked array (D23-04) and a ragged list (D23-05) as one observation, infinity sent to a time-aware
model's server (D23-06) and export_onnx into an empty path (D23-07)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, user_warnings

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import rnnkit  # noqa: E402
from rnnkit import SequenceRegressor, Streamer  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=8, lr_schedule=None,
            frontend=None, normalise=None, random_state=0, device="cpu")
NAMES = ["temp", "humidity"]


def _data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(8, 5, 2)).astype(np.float32)
    return x, x[:, :, 0].sum(axis=1)


@pytest.fixture(scope="module")
def unnamed() -> SequenceRegressor:
    return SequenceRegressor(**TINY).fit(*_data())


@pytest.fixture(scope="module")
def named() -> SequenceRegressor:
    x, y = _data()
    return SequenceRegressor(**TINY).fit([pd.DataFrame(s, columns=NAMES) for s in x], y)


def test_D23_01_a_named_row_to_a_model_fitted_without_names_warns_as_predict_does(unnamed, tmp_path):
    # before: read by position without a word, while predict of a DataFrame with those names warns
    x, _ = _data()
    row = pd.Series(x[0, 0], index=["humidity", "temp"])
    expected = unnamed.predict(x[:1, :1])[0]
    rnnkit.export_onnx(unnamed, tmp_path / "onnx", verbose=False)
    for stream in (Streamer(unnamed), Streamer(tmp_path / "onnx")):  # eager torch, onnxruntime
        outputs = []
        assert user_warnings(lambda: outputs.append(stream.step("s", row))) == [
            "Streamer: the observation has feature names, but SequenceRegressor was fitted without feature names"]
        assert outputs[0].prediction == pytest.approx(expected, abs=1e-5)  # by position, as predict reads it
        assert user_warnings(lambda: stream.step_many({"a": row.to_frame().T, "b": x[0, 0]})) == [
            "Streamer: the observation has feature names, but SequenceRegressor was fitted without feature names"]
    frame = pd.DataFrame(x[0], columns=["humidity", "temp"])
    assert user_warnings(lambda: unnamed.predict([frame]))[0].endswith(
        "X has feature names, but SequenceRegressor was fitted without feature names")  # the same words
    assert user_warnings(lambda: Streamer(unnamed).step("s", pd.Series(x[0, 0]))) == []  # no names: 0, 1


def test_D23_02_a_row_of_other_names_is_refused_with_predicts_check_and_fix(named):
    x, _ = _data()
    stream = Streamer(named)
    row = pd.Series(x[0, 0], index=NAMES)
    with pytest.raises(ValueError) as err:
        stream.step("s", row.rename({"humidity": "humid"}))
    # before: `... missing ['humidity'], unexpected ['humid']` without a fix
    assert one_line(err) == ("Streamer: the observation of stream 's' has feature names that differ from those seen "
                             "at fit ['temp', 'humidity']: missing ['humidity'], unexpected ['humid'] ('humid' for "
                             "'humidity'?); drop the index "
                             "the model was not fitted on (x_t.drop(index=['humid'])) and give the observation of "
                             "stream 's' the index ['humidity'] it was fitted with")
    with pytest.raises(ValueError) as err:
        stream.step_many({"s": pd.concat([row, pd.Series({"label": 1.0})]).to_frame().T})  # a one-row frame
    assert one_line(err).endswith(": unexpected ['label']; drop the columns the model was not fitted on "
                                  "(x_t.drop(columns=['label']))")
    with pytest.raises(ValueError, match=r"^Streamer: the observation of stream 's' has the features \['humidity', "
                                         r"'temp'\], in another order than at fit; reorder them as \['temp', "
                                         r"'humidity'\] \(e\.g\. x_t\[\['temp', 'humidity'\]\]\)$"):
        stream.step("s", row[::-1])
    assert stream.streams == []
    out = stream.step("s", row)  # by name, in the fitted order
    assert out.prediction == pytest.approx(named.predict([pd.DataFrame(x[0, :1], columns=NAMES)])[0], abs=1e-5)


def test_D23_03_get_model_names_a_regressors_targets(tmp_path):
    x, y = _data()
    regressor = SequenceRegressor(**TINY).fit(x, pd.DataFrame({"load": y, "temp": -y}))
    regressor.save(tmp_path / "m")
    loaded = rnnkit.load(tmp_path / "m")
    older = rnnkit.load(tmp_path / "m")
    older.target_names_ = None  # as load sets it for a model saved before target names were kept
    answers = []
    for estimator in (regressor, loaded, older, SequenceRegressor(**TINY).fit(x, y)):
        with TestClient(create_app(estimator)) as client:
            answers.append(client.get("/model").json())
    # before: no key for them
    assert [a["targets"] for a in answers] == [["load", "temp"], ["load", "temp"], None, None]
    assert answers[0]["n_outputs"] == 2 and answers[0]["classes"] is None


def test_D23_04_a_masked_array_is_not_read_under_its_mask(unnamed):
    x, _ = _data()
    step = np.ma.masked_array(x[0, 0], mask=[False, True])
    stream = Streamer(unnamed)
    with pytest.raises(ValueError) as err:  # before: the value under the mask was read
        stream.step("s", step)
    assert one_line(err) == ("Streamer: the observation of stream 's' is a masked array whose feature 1 is masked "
                             "(1 in all); give every feature a number (a model fitted with time_aware=True reads a "
                             "masked value as missing)")
    assert stream.step("s", np.ma.masked_array(x[0, 0])).prediction == pytest.approx(
        stream.step("t", x[0, 0]).prediction)  # nothing masked: its values
    gaps = x.copy()
    gaps[::2, 1, 1] = np.nan
    time_aware = SequenceRegressor(**TINY, time_aware=True).fit(gaps, _data()[1])
    masked, nan = Streamer(time_aware), Streamer(time_aware)
    assert masked.step("s", step).prediction == nan.step("s", [x[0, 0, 0], np.nan]).prediction  # masked: missing


def test_D23_05_a_ragged_list_as_one_step_is_named_as_such(unnamed):
    with pytest.raises(ValueError) as err:
        Streamer(unnamed).step("s", [[0.5, 1.0], [2.0]])
    # before: `is not numeric (setting an array element with a sequence. The requested array has an inhomogeneous ...`
    assert one_line(err) == ("Streamer: the observation of stream 's' is ragged: a list of 2 parts of sizes [2, 1]; "
                             "give one step's 2 features as one flat list")


def test_D23_06_infinity_sent_to_a_time_aware_server_gets_no_missing_value_hint(unnamed):
    x, y = _data()
    gaps = x.copy()
    gaps[::2, 1, 1] = np.nan
    time_aware = SequenceRegressor(**TINY, time_aware=True).fit(gaps, y)
    details = []
    for estimator, value in ((time_aware, b"Infinity"), (unnamed, b"-Infinity"), (unnamed, b"NaN")):
        with TestClient(create_app(estimator)) as client:
            r = client.post("/predict", content=b'{"sequences": [[[0.5, ' + value + b']]]}')
        assert r.status_code == 422
        details.append(r.json()["detail"])
    # before: `holds inf; NaN and infinity are not accepted` to a model that reads NaN, and the time_aware hint for -inf
    # (round 42's S42-02 names the feature and says each fix; the time-aware hint stays NaN's alone)
    infinity = ("an infinity is no reading (a division by zero or a log of 0 upstream?): give the feature a finite "
                "number")
    assert details == [
        f"sequence 0, step 0, feature 1 holds inf; {infinity}, or NaN (null) for a missing reading",
        f"sequence 0, step 0, feature 1 holds -inf; {infinity}, or leave the step out",
        "sequence 0, step 0, feature 1 holds nan; a NaN is a missing value, which this model does not read: fill it "
        "(e.g. with the last reading) or leave the step out, or fit with time_aware=True, which reads NaN as a "
        "missing value"]


def test_D23_07_export_onnx_into_an_empty_path_names_it(unnamed):
    with pytest.raises(ValueError) as err:  # before: `. exists and is not an rnnkit ONNX export directory`
        rnnkit.export_onnx(unnamed, "")
    assert one_line(err) == ("export_onnx: directory is '', an empty path; give the directory to write the export "
                             "into (e.g. 'exports/model')")
