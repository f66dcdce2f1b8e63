"""Thirty-fourth round of the bad-input hunt, deploy: times ending in the word UTC sent to the server, a scikit-learn
Pipeline given to export_onnx / Streamer / create_app, and Go's printed times."""
import warnings

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.deploy.streaming import Streamer

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False, frontend=None, crop=None)


def one_line(error) -> str:
    return " ".join(str(error.value).split())


@pytest.fixture(scope="module")
def hourly():
    """A classifier fitted with hourly UTC sample times (gaps of 1 to 4 hours), and its data."""
    rng = np.random.default_rng(2)
    X = [rng.normal(size=(rng.integers(2, 10), 3)) for _ in range(20)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    times = [pd.to_datetime(1.7e9 + 3600 * np.cumsum(rng.integers(1, 5, size=len(x))), unit="s", utc=True) for x in X]
    return rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, y, times=times), X


def client(estimator):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    return TestClient(create_app(estimator))


# -- S34-01: "2024-03-01 10:00:00 UTC" (R's, a database's print) refused by the server, read by the Streamer --------
def test_S34_01_the_server_reads_a_time_ending_in_the_word_utc_as_utc(hourly):
    # before: 422 "... its zone is the word UTC, which ISO 8601 writes as Z: send '...Z'" (S32-12's pin), where the
    # Streamer and pandas read the same text as UTC: the word names offset 0 without doubt
    clf, X = hourly
    app = client(clf)
    x = X[0][:3]
    sent = ["2024-03-01 10:00:00 UTC", "2024-03-01 11:00:00 GMT", "2024-03-01 13:30:00.000 UTC"]
    answer = app.post("/predict", json={"sequences": [x.tolist()], "times": [sent]})
    assert answer.status_code == 200
    expected = clf.predict_proba([x], times=[pd.to_datetime(["2024-03-01T10:00Z", "2024-03-01T11:00Z",
                                                             "2024-03-01T13:30Z"])])[0]
    np.testing.assert_allclose(answer.json()["probabilities"][0], expected, atol=1e-6)
    streamer = Streamer(clf)
    streamed = [streamer.step("s", row, time=t) for row, t in zip(x, sent, strict=True)][-1].probabilities
    np.testing.assert_allclose(streamed, expected, atol=1e-6)
    # a date alone with the word: midnight UTC, as pandas reads "2024-03-01" beside a zone
    with warnings.catch_warnings():  # days to a model of hours: the answer's scale warning, not this test's
        warnings.simplefilter("ignore", UserWarning)
        days = app.post("/predict", json={"sequences": [x.tolist()], "times": [["2024-03-01 UTC", "2024-03-02 UTC",
                                                                                  "2024-03-04 UTC"]]})
    assert days.status_code == 200
    # still refused: the word beside dates without a zone (their gaps would be off by the offset), and the word after
    # an offset (two zones)
    mixed = app.post("/predict", json={"sequences": [x.tolist()], "times": [[sent[0], "2024-03-01 11:00:00",
                                                                               sent[2]]]})
    assert mixed.status_code == 422 and "mix dates with a time zone and dates without" in mixed.json()["detail"]
    assert 'step 0 "2024-03-01 10:00:00 UTC"' in mixed.json()["detail"]
    two = app.post("/predict", json={"sequences": [x.tolist()], "times": [["2024-03-01T10:00+01:00 UTC", *sent[1:]]]})
    assert two.status_code == 422
    assert "names two zones, an offset and the word UTC after it; send the date with its offset alone, " \
           "'2024-03-01T10:00+01:00'" in two.json()["detail"]


# -- S34-02: a Pipeline (a transformer before the model) given to export_onnx, the Streamer, create_app -------------
@pytest.fixture(scope="module")
def piped():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 6, 3))
    y = (X[:, :, 0].mean(1) > 0).astype(int)
    return make_pipeline(FunctionTransformer(np.arcsinh), rnnkit.SequenceClassifier(**TINY)).fit(X, y), X


def test_S34_02_a_pipeline_is_refused_naming_the_steps_the_export_would_not_hold(piped, tmp_path):
    # before: "export_onnx: cannot export a Pipeline; give a fitted SequenceClassifier, ..." (the Streamer alike;
    # serve: "expected a fitted ... got Pipeline"), not saying that the transformer is no part of what is exported, so
    # the natural next step, pipe[-1], answered raw values the model never read, without a word
    from rnnkit.deploy.export import export_onnx

    pipe, X = piped
    for who, call in (("export_onnx", lambda: export_onnx(pipe, tmp_path / "e")), ("Streamer", lambda: Streamer(pipe)),
                      ("serve", lambda: client(pipe))):
        with pytest.raises(ValueError) as error:
            call()
        text = one_line(error)
        assert text.startswith(f"{who}: got a Pipeline, not the model")
        assert "'functiontransformer' (FunctionTransformer)" in text
        assert "give pipe[-1] and pass every input through pipe[:-1].transform(X) first" in text
    assert not (tmp_path / "e").exists()
    from sklearn.pipeline import Pipeline

    with pytest.raises(ValueError, match=r"Streamer: got a Pipeline whose only step that is not 'passthrough' is the "
                                         r"SequenceClassifier; give the SequenceClassifier itself, pipe\[-1\]"):
        Streamer(Pipeline([("nothing", "passthrough"), ("model", pipe[-1])]))
    # what it says answers as the pipeline predicts
    streamer = Streamer(pipe[-1])
    x = pipe[:-1].transform(X[:1])[0]
    streamed = [streamer.step("s", row) for row in x][-1].probabilities
    np.testing.assert_allclose(streamed, pipe.predict_proba(X[:1])[0], atol=1e-6)


# -- S34-03: Go's time.Time.String() print, "2024-03-01 11:00:00 +0100 CET" ------------------------------------------
def test_S34_03_a_time_as_go_prints_it_is_refused_naming_its_iso_text(hourly):
    # before: the server's 422 "... is not an ISO 8601 date; give each time as ISO text (e.g. ...)", the Streamer's
    # "does not read as a date or duration (Unknown datetime string format, unable to parse: ...)": neither named the
    # zone's abbreviation after the offset (nor time.Now()'s monotonic reading) as what was in the way
    clf, X = hourly
    x = X[0][:2]
    sent = ["2024-03-01 11:00:00 +0100 CET", "2024-03-01 12:30:00.5 +0100 CET m=+0.000123"]
    answer = client(clf).post("/predict", json={"sequences": [x.tolist()], "times": [sent]})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert detail.startswith('times of sequence 0, step 0 holds "2024-03-01 11:00:00 +0100 CET"')
    assert ("Go's time.Time.String() prints it: the offset +0100 then the zone's abbreviation 'CET', which ISO 8601 "
            "does not write; send '2024-03-01T11:00:00+01:00' (Go: t.Format(time.RFC3339Nano))") in detail
    with pytest.raises(ValueError) as error:
        Streamer(clf).step("s", x[0], time=sent[1])
    assert ("Streamer: stream 's': time '2024-03-01 12:30:00.5 +0100 CET m=+0.000123' does not read as a date: it is "
            "printed as Go's time.Time.String() prints it: the offset +0100 then the zone's abbreviation 'CET' and the "
            "monotonic clock reading 'm=+0.000123', which ISO 8601 does not write; send "
            "'2024-03-01T12:30:00.5+01:00'") in one_line(error)
    # what it says to send answers as predict
    fixed = ["2024-03-01T11:00:00+01:00", "2024-03-01T12:30:00.5+01:00"]
    answer = client(clf).post("/predict", json={"sequences": [x.tolist()], "times": [fixed]})
    np.testing.assert_allclose(answer.json()["probabilities"][0],
                               clf.predict_proba([x], times=[pd.to_datetime(fixed, format="ISO8601")])[0], atol=1e-6)


# -- S34-04: a TransformedTargetRegressor (y fitted as log y) and a CalibratedClassifierCV ---------------------------
def test_S34_04_a_target_transform_or_a_calibration_is_refused_naming_what_the_export_would_lose(tmp_path):
    # before: "export_onnx: cannot export a TransformedTargetRegressor; give a fitted ... SequenceRegressor ..."
    # (the Streamer alike, serve "expected ... got TransformedTargetRegressor"): the natural next step,
    # ttr.regressor_, answered log y where the wrapper answered y, without a word; a CalibratedClassifierCV's
    # classifiers answer uncalibrated probabilities
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import TransformedTargetRegressor

    from rnnkit.deploy.export import export_onnx

    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 6, 3))
    y = np.exp(X[:, :, 0].mean(1) + 3)
    ttr = TransformedTargetRegressor(regressor=rnnkit.SequenceRegressor(**TINY), func=np.log,
                                     inverse_func=np.exp).fit(X, y)
    calibrated = CalibratedClassifierCV(rnnkit.SequenceClassifier(**TINY), cv=2).fit(X, (y > np.median(y)).astype(int))
    for who, call in (("export_onnx", lambda s: export_onnx(s, tmp_path / "e")), ("Streamer", Streamer),
                      ("serve", client)):
        with pytest.raises(ValueError) as error:
            call(ttr)
        assert one_line(error).startswith(f"{who}: got a TransformedTargetRegressor, not the model: its regressor_, "
                                          f"the SequenceRegressor, was fitted on y as func='log' made it")
        assert "give ttr.regressor_ and apply inverse_func='exp' to each of its predictions" in one_line(error)
        with pytest.raises(ValueError) as error:
            call(calibrated)
        assert one_line(error).startswith(f"{who}: got a CalibratedClassifierCV, not the model: its probabilities are "
                                          f"its 2 classifiers' (one per fold")
        assert "would answer uncalibrated probabilities" in one_line(error)
    assert not (tmp_path / "e").exists()
    # what it says answers as the wrapper predicts
    streamer = Streamer(ttr.regressor_)
    streamed = [streamer.step("s", row) for row in X[0]][-1].prediction
    np.testing.assert_allclose(np.exp(streamed), ttr.predict(X[:1])[0], rtol=1e-5)


# -- S34-05: a body encoded twice (json=json.dumps(payload)), a part given as its JSON text, JSON Lines --------------
def test_S34_05_a_body_encoded_twice_or_sent_as_json_lines_is_named(hourly):
    # before: 400 'request body must be a JSON object {...}, got a JSON string', '"sequences" must be a non-empty list
    # of sequences', 'sequence 0 must be a list of steps, got a JSON string', and for two documents 'request body is
    # not JSON (Extra data: line 2 column 1 (char 40))': none named the encoding done twice or the second document
    import json

    rng = np.random.default_rng(3)
    X = rng.normal(size=(20, 6, 3))
    clf = rnnkit.SequenceClassifier(**TINY).fit(X, (X[:, :, 0].mean(1) > 0).astype(int))
    app = client(clf)
    x = X[0].tolist()
    whole = app.post("/predict", json=json.dumps({"sequences": [x]}))
    assert whole.status_code == 400
    assert whole.json()["detail"].endswith("got a JSON string whose text is itself JSON (an object): it was encoded "
                                           "twice (requests.post(url, json=json.dumps(payload)), or JSON.stringify of "
                                           "a string); send the JSON itself, requests.post(url, json=payload) "
                                           "(JavaScript: body: JSON.stringify(payload) once)")
    part = app.post("/predict", json={"sequences": json.dumps([x])})
    assert part.status_code == 400
    assert 'it was encoded twice; give "sequences" as JSON itself, not its text' in part.json()["detail"]
    one = app.post("/predict", json={"sequences": [x, json.dumps(x)]})
    assert one.status_code == 400
    assert one.json()["detail"].startswith("sequence 1 must be a list of steps, got a JSON string whose text is itself "
                                           "JSON (an array): it was encoded twice; give sequence 1 as JSON itself")
    lines = app.post("/predict", content=json.dumps({"sequences": [x]}) + "\n" + json.dumps({"sequences": [x]}),
                     headers={"content-type": "application/json"})
    assert lines.status_code == 400
    assert lines.json()["detail"].startswith("request body holds more than one JSON document (another begins on line "
                                             "2, as JSON Lines or two bodies joined write them); send one JSON object")
    # a string that is no JSON is named as before
    plain = app.post("/predict", json={"sequences": [x, "abc"]})
    assert plain.json()["detail"].startswith("sequence 1 must be a list of steps, got a JSON string")
    assert "encoded twice" not in plain.json()["detail"]


# -- S34-06: an ISO 8601 week date, "2024-W09-5" -------------------------------------------------------------------
def test_S34_06_an_iso_week_date_is_refused_naming_its_calendar_date(hourly):
    # before: the Streamer's "does not read as a date or duration (Unknown datetime string format, unable to parse:
    # 2024-W09-5)", the server's "not an ISO 8601 date" (it is one, a form pandas does not read), neither naming the day
    clf, X = hourly
    with pytest.raises(ValueError) as error:
        Streamer(clf).step("s", X[0][0], time="2024-W09-5")
    assert ("Streamer: stream 's': time '2024-W09-5' does not read as a date: it is an ISO 8601 week date (day 5 of "
            "week 9 of 2024), a form pandas does not read; give it as the calendar date '2024-03-01' "
            "(datetime.date.fromisocalendar(2024, 9, 5))") in one_line(error)
    answer = client(clf).post("/predict", json={"sequences": [X[0][:2].tolist()],
                                                "times": [["2024-02-29", "2024W10"]]})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith('times of sequence 0, step 1 holds "2024W10": it is an ISO 8601 week '
                                              "(week 10 of 2024) without its day, a form pandas does not read; give "
                                              "the date of the step, e.g. its Monday, '2024-03-04'")
