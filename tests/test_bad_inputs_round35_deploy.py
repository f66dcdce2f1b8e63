"""Thirty-fifth round of the bad-input hunt, deploy: requests as clients send them to the server (query parameters,
an empty body, another server's path, times of the other kind, a body in the charset its Content-Type declares, a
CSV body)."""
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import rnnkit

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from rnnkit.deploy.server import create_app  # noqa: E402

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False, frontend=None, crop=None)


def fitted(**fit):
    rng = np.random.default_rng(2)
    X = [rng.normal(size=(rng.integers(2, 10), 3)) for _ in range(20)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return rnnkit.SequenceClassifier(**TINY, time_aware=bool(fit)).fit(X, y, **{k: f(X, rng) for k, f in
                                                                                       fit.items()}), X


@pytest.fixture(scope="module")
def plain():
    clf, X = fitted()
    return clf, X, TestClient(create_app(clf))


# -- S35-01: POST /predict?threshold=0.9 (an option the server has not) answered as without it ---------------------
def test_S35_01_query_parameters_are_refused_not_ignored(plain):
    # before: 200, the answer of the body alone: ?threshold=0.9, ?proba=false were ignored without a word
    clf, X, app = plain
    body = {"sequences": [X[0].tolist()]}
    for url, keys in (("/predict?threshold=0.9", "['threshold']"), ("/predict?proba=false&model=v2",
                                                                     "['proba', 'model']")):
        r = app.post(url, json=body)
        assert r.status_code == 400
        assert r.json()["detail"].startswith(f"POST /predict reads no query parameters, got {keys}")
        assert "which would be ignored" in r.json()["detail"]
    ok = app.post("/predict", json=body)
    assert ok.status_code == 200
    np.testing.assert_allclose(ok.json()["probabilities"][0], clf.predict_proba([X[0]])[0], atol=1e-6)


# -- S35-02: an empty body (curl -X POST without -d, fetch without body) --------------------------------------------
def test_S35_02_an_empty_body_is_named_empty(plain):
    # before: 400 "request body is not JSON (Expecting value: line 1 column 1 (char 0))"
    app = plain[2]
    for body, word in ((b"", "empty"), (b" \r\n", "blank (whitespace only)")):
        r = app.post("/predict", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 400
        assert r.json()["detail"].startswith(f"request body is {word}; send the JSON {{\"sequences\": ")
        assert "Expecting value" not in r.json()["detail"]


# -- S35-03: another server's path (MLflow's / SageMaker's /invocations, TF Serving's) or another method -------------
def test_S35_03_an_unknown_path_or_method_names_the_routes(plain):
    # before: 404 {"detail": "Not Found"}, 405 {"detail": "Method Not Allowed"}: neither what was asked nor what answers
    app, X = plain[2], plain[1]
    body = {"sequences": [X[0].tolist()]}
    for path in ("/invocations", "/v1/models/model:predict", "/predictions"):
        r = app.post(path, json=body)
        assert r.status_code == 404
        assert r.json()["detail"].startswith(f"POST {path} is no route; this server answers POST /predict (a JSON "
                                             f"body {{\"sequences\"")
        assert "GET /model" in r.json()["detail"] and "GET /health" in r.json()["detail"]
    r = app.put("/predict", json=body)
    # Starlette's Allow named GET alone, the method of /predict's last route (GET answers 405 itself)
    assert r.status_code == 405 and r.headers["allow"] == "GET, POST"
    assert r.json()["detail"].startswith("PUT /predict is a method the route does not take (it takes GET, POST); this "
                                         "server answers POST")
    assert app.get("/predict").status_code == 405  # its own answer, as before
    assert app.get("/health").json() == {"status": "ok"}


# -- S35-04: times of the other kind: numbers as text to a model of numbers, Unix time to a model of dates ----------
def test_S35_04_times_of_the_other_kind_name_their_step_and_the_fix():
    # before: 422 'times of sequence 0 hold "0"; the model reads numbers' (no step, no fix); 'times of sequence 0 hold
    # 1709287200; the model reads dates, as ISO text (...)' (Unix seconds, as a database or a logger exports them)
    numbers, X = fitted(times=lambda X, rng: [np.cumsum(rng.integers(1, 5, size=len(x))).astype(float) for x in X])
    app = TestClient(create_app(numbers))
    x = X[0][:3].tolist()
    r = app.post("/predict", json={"sequences": [x], "times": [[0, "1.5", 3]]})
    assert r.status_code == 422
    assert r.json()["detail"] == ('times of sequence 0, step 1 holds "1.5"; the model reads numbers (a number written '
                                  'as text: send it as a JSON number, 1.5, without quotes)')
    assert app.post("/predict", json={"sequences": [x], "times": [[0, 1.5, 3]]}).status_code == 200
    dates, X = fitted(times=lambda X, rng: [pd.to_datetime(1.7e9 + 3600 * np.cumsum(rng.integers(1, 5, size=len(x))),
                                                           unit="s", utc=True) for x in X])
    app = TestClient(create_app(dates))
    for sent, unit, k in (([1709287200, 1709290800, 1709294400], "seconds", 0),
                          (["2024-03-01T10:00:00Z", 1709290800000, 1709294400000], "milliseconds", 1)):
        r = app.post("/predict", json={"sequences": [x], "times": [sent]})
        assert r.status_code == 422
        detail = r.json()["detail"]
        assert detail.startswith(f"times of sequence 0, step {k} holds {sent[k]}; the model reads dates, as ISO text")
        iso = "2024-03-01T10:00:00Z" if k == 0 else "2024-03-01T11:00:00Z"
        assert f'if it is Unix time in {unit} ({iso}), send it as ISO text, "{iso}"' in detail
    r = app.post("/predict", json={"sequences": [x], "times": [["2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z",
                                                                   "2024-03-01T12:00:00Z"]]})
    assert r.status_code == 200


# -- S35-05: a body in the charset its Content-Type declares (Latin-1, Windows-1252) --------------------------------
def test_S35_05_a_body_in_a_declared_charset_is_read_in_it():
    # before: 400 "request body is not UTF-8 text ... (text in Latin-1 or Windows-1252, as Windows PowerShell 5's ...
    # sends a string body?)": the sender had said charset=iso-8859-1, and the server guessed instead of reading it
    rng = np.random.default_rng(5)
    X = [rng.normal(size=(6, 2)) for _ in range(16)]
    frames = [pd.DataFrame(x, columns=["température", "humidité"]) for x in X]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf = rnnkit.SequenceClassifier(**TINY).fit(frames, [int(x[:, 0].mean() > 0) for x in X])
    app = TestClient(create_app(clf))
    steps = [{"température": float(a), "humidité": float(b)} for a, b in X[0]]
    text = json.dumps({"sequences": [steps]}, ensure_ascii=False)
    expected = clf.predict_proba([frames[0]])[0]
    for charset, codec in (("iso-8859-1", "latin-1"), ("windows-1252", "cp1252"), ("ISO-8859-15", "iso8859_15")):
        r = app.post("/predict", content=text.encode(codec),
                     headers={"content-type": f"application/json; charset={charset}"})
        assert r.status_code == 200, r.text
        np.testing.assert_allclose(r.json()["probabilities"][0], expected, atol=1e-6)
    # undeclared, the guess as before; a charset with no codec, or bytes that are not text in it, refused by name
    r = app.post("/predict", content=text.encode("latin-1"), headers={"content-type": "application/json"})
    assert r.status_code == 400 and "is not UTF-8 text" in r.json()["detail"]
    r = app.post("/predict", content=text.encode(), headers={"content-type": "application/json; charset=klingon"})
    assert r.status_code == 415 and "declares charset=klingon, which is no text encoding known here" in r.text
    utf16 = {"content-type": "application/json; charset=utf-16"}
    r = app.post("/predict", content=text.encode("utf-16"), headers=utf16)
    assert r.status_code == 200  # json reads the UTF encodings itself, as before


# -- S35-06: a CSV (or other non-JSON) body sent as what it is ------------------------------------------------------
def test_S35_06_a_body_of_another_media_type_is_named_by_it(plain):
    # before: 400 "request body is not JSON (Expecting value: line 1 column 1 (char 0))", whatever the Content-Type said
    app = plain[2]
    r = app.post("/predict", content=b"f1,f2,f3\n0.1,0.2,0.3\n", headers={"content-type": "text/csv"})
    assert r.status_code == 400
    assert r.json()["detail"].endswith("its Content-Type is text/csv, and the server reads JSON only; send "
                                       '{"sequences": [[[f1, f2, ...], ...], ...]}: sequences of steps of features as '
                                       "application/json (a CSV's rows read first, e.g. with pandas.read_csv, each "
                                       "sequence's steps as lists)")
    # curl -d's default type names nothing: the body decides, as before
    r = app.post("/predict", content=b"[1, 2", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and "Content-Type" not in r.json()["detail"]


# -- S35-07: a frame written by row keyed by its index (orient="index") or as orient="tight" ------------------------
def test_S35_07_a_frame_by_row_or_tight_is_named_as_what_it_is(plain):
    # before: 400 "sequence 0 is a JSON object keyed by ['2024-03-01T00:00:00.000', ...], each a column of steps (a
    # frame as pandas' to_dict() or orient='list' writes it)": the keys were the index, each value one step
    rng = np.random.default_rng(5)
    X = [rng.normal(size=(6, 2)) for _ in range(16)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        named = rnnkit.SequenceClassifier(**TINY).fit([pd.DataFrame(x, columns=["temp", "hum"]) for x in X],
                                                      [int(x[:, 0].mean() > 0) for x in X])
    frame = pd.DataFrame(X[0], columns=["temp", "hum"], index=pd.date_range("2024-03-01", periods=6, freq="h"))
    app = TestClient(create_app(named))
    steps = "df.to_dict(orient='records') (each step an object by feature name) or df.to_numpy().tolist()"
    r = app.post("/predict", json={"sequences": [json.loads(frame.to_json(orient="index", date_format="iso"))]})
    assert r.status_code == 400
    assert r.json()["detail"] == (
        "sequence 0 is a JSON object keyed by ['2024-03-01T00:00:00.000', '2024-03-01T01:00:00.000', "
        "'2024-03-01T02:00:00.000'], each a step's features (a frame as pandas' to_dict(orient='index') or "
        "to_json(orient='index') writes it, one object per row keyed by its index), not a list of steps; give "
        f"{steps}, the rows in their order")
    tight = json.loads(json.dumps(frame.to_dict(orient="tight"), default=str))
    r = app.post("/predict", json={"sequences": [tight]})
    assert r.status_code == 400 and r.json()["detail"].startswith(
        'sequence 0 is a JSON object of "columns" and "data", a frame as pandas\' orient="tight" writes it; give its '
        '"data", the list of steps')
    # a model without names: the rows keyed "0", "1", ... by position, each of the model's 3 features
    clf, Xp, unnamed = plain
    r = unnamed.post("/predict", json={"sequences": [json.loads(pd.DataFrame(Xp[0]).to_json(orient="index"))]})
    assert r.status_code == 400 and "each a step's features (a frame as pandas' to_dict(orient='index')" in r.text
    # by column, as before
    r = app.post("/predict", json={"sequences": [json.loads(frame.to_json(date_format="iso"))]})
    assert r.status_code == 400 and "each a column of steps" in r.json()["detail"]
    r = app.post("/predict", json={"sequences": [frame.to_dict(orient="records")]})
    assert r.status_code == 200


# -- S35-08: a sequence over the server's steps limit ---------------------------------------------------------------
def test_S35_08_a_sequence_over_the_steps_limit_names_where_the_limit_is_set(plain):
    # before: 413 "sequence 0 has 12 steps, over the limit of 5": no word of whose limit, nor what to do
    from rnnkit.deploy.server import Limits

    clf, X = plain[0], plain[1]
    app = TestClient(create_app(clf, limits=Limits(max_steps=5)))
    long = next(x for x in X if len(x) > 5)
    r = app.post("/predict", json={"sequences": [X[0][:5].tolist(), long.tolist()]})
    assert r.status_code == 413
    assert r.json()["detail"] == (
        f"sequence 1 has {len(long)} steps, over the server's limit of 5 steps per sequence (Limits.max_steps, which "
        "create_app(estimator, limits=Limits(max_steps=...)), serve(model_dir, limits=...) or rnnkit serve --max-steps "
        "sets); a sequence is read whole, so cut short it would "
        "answer otherwise: send it to a server made with a larger limit")


# -- S35-09: a step's time sent among its features (a CSV row's or a record's time column) --------------------------
def test_S35_09_a_date_among_a_steps_features_says_where_the_time_goes(plain):
    # before: 422 "sequence 0, step 0 has 4 features; the model reads 3"; 400 'sequence 0, step 0 holds "2024-03-01
    # 10:00:00"; features must be numbers'; 422 "... unexpected ['time']; leave out ['time']": none named the date
    clf, X, app = plain
    rows = [["2024-03-01T10:00:00Z", *step] for step in X[0].tolist()]
    r = app.post("/predict", json={"sequences": [rows]})
    assert r.status_code == 422
    assert r.json()["detail"] == (
        'sequence 0, step 0 has 4 features; the model reads 3 (its value 0, "2024-03-01T10:00:00Z", is a date: the '
        "model was fitted without sample times and reads no date (GET /model: times null); leave the time out of the "
        "step)")
    r = app.post("/predict", json={"sequences": [[["2024-03-01 10:00:00", *step[:2]] for step in X[0].tolist()]]})
    assert r.status_code == 400 and r.json()["detail"].endswith(
        'holds "2024-03-01 10:00:00"; features must be numbers (a date: the model was fitted without sample times and '
        "reads no date (GET /model: times null); leave the time out of the step)")
    dates, Xd = fitted(times=lambda X, rng: [pd.to_datetime(1.7e9 + 3600 * np.cumsum(rng.integers(1, 5, size=len(x))),
                                                            unit="s", utc=True) for x in X])
    app = TestClient(create_app(dates))
    stamps = pd.date_range("2024-03-01", periods=3, freq="h", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ").tolist()
    r = app.post("/predict", json={"sequences": [[[t, *s] for t, s in zip(stamps, Xd[0][:3].tolist(), strict=True)]],
                                   "times": [stamps]})
    assert r.status_code == 422 and r.json()["detail"].endswith(
        '(its value 0, "2024-03-01T00:00:00Z", is a date: a step\'s time goes in "times", a list of one time per step '
        'for each sequence beside "sequences" (GET /model: times dates), not among its features)')
    r = app.post("/predict", json={"sequences": [Xd[0][:3].tolist()], "times": [stamps]})
    assert r.status_code == 200
    # a record's time column beside named features
    rng = np.random.default_rng(5)
    Xn = [rng.normal(size=(6, 2)) for _ in range(16)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        named = rnnkit.SequenceClassifier(**TINY).fit([pd.DataFrame(x, columns=["temp", "hum"]) for x in Xn],
                                                      [int(x[:, 0].mean() > 0) for x in Xn])
    records = [{"time": t, "temp": a, "hum": b} for t, (a, b) in zip(stamps, Xn[0].tolist(), strict=False)]
    r = TestClient(create_app(named)).post("/predict", json={"sequences": [records]})
    assert r.status_code == 422 and r.json()["detail"] == (
        "sequence 0, step 0 names 'time', no feature of the model's ['temp', 'hum'] (GET /model), holding a date, "
        '"2024-03-01T00:00:00Z": the model was fitted without sample times and reads no date (GET /model: times null); '
        "leave the time out of the step")


# -- S35-10: a stream's record with its time among the features (a JSON message, a row's to_dict()) -----------------
def test_S35_10_a_streamed_record_with_its_time_names_where_the_time_goes():
    # before: "Streamer: ... has feature names that differ from those seen at fit ['temp', 'hum']: missing [],
    # unexpected ['time']; leave out ['time'] (...)", the same for a model fitted with sample times, which reads it
    from rnnkit.deploy.streaming import Streamer

    rng = np.random.default_rng(5)
    X = [pd.DataFrame(rng.normal(size=(6, 2)), columns=["temp", "hum"]) for _ in range(16)]
    y = [int(x["temp"].mean() > 0) for x in X]
    times = [pd.date_range("2024-03-01", periods=6, freq="h", tz="UTC") for _ in X]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        plain = rnnkit.SequenceClassifier(**TINY).fit(X, y)
        timed = rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, y, times=times)
    record = {"time": "2024-03-01T10:00:00Z", "temp": 0.5, "hum": -0.2}
    with pytest.raises(ValueError) as error:
        Streamer(plain).step("s", record)
    assert str(error.value) == ("Streamer: the observation of stream 's' names 'time', no feature of the model's "
                                "['temp', 'hum'], holding a date, '2024-03-01T10:00:00Z'; a step's time goes nowhere: "
                                "the model was fitted without sample times and reads no date (leave it out of x_t)")
    streamer = Streamer(timed)
    with pytest.raises(ValueError, match=r"names 'time', no feature .* holding a date, Timestamp\('2024-03-01 "
                                         r"10:00:00\+0000', tz='UTC'\); a step's time goes step\(stream_id, x_t, "
                                         r"time=\.\.\.\) \(leave it out of x_t\)$"):
        streamer.step("s", record | {"time": pd.Timestamp(record["time"])})
    # as it says: the stream's outputs are predict's
    for t, row in zip(times[0], X[0].to_dict(orient="records"), strict=True):
        out = streamer.step("s", row, time=t)
    np.testing.assert_allclose(out.probabilities, timed.predict_proba([X[0]], times=[times[0]])[0], atol=1e-5)
    # another unexpected name, as before
    with pytest.raises(ValueError, match=r"unexpected \['id'\]; leave out \['id'\]"):
        Streamer(plain).step("s", {"id": 7, "temp": 0.5, "hum": -0.2})
