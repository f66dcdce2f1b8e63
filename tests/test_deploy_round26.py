"""The twenty-sixth round: a shipped model's uses as users make them, sample times included. The Streamer reads
durations as text and as np.timedelta64 (D26-01, D26-03), refuses a number written as text (D26-02), a stream that
mixes dates with and without a time zone (D26-04) and a gap beyond float32 in time units (D26-05); the server
answers times it cannot read with a one-line 4xx, never a 500 (D26-06 … D26-08), reads "times": null as no times
(D26-09), names POST on a GET /predict (D26-10) and the fix of a body over the limit (D26-11); an export inside a
model or export directory is refused (D26-12); extra feature names come with their fix (D26-13)."""

import datetime
import json
import warnings
import zoneinfo

import numpy as np
import pandas as pd
import pytest
from helpers import one_line

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import rnnkit  # noqa: E402
from rnnkit import SequenceClassifier, Streamer  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

QUICK = dict(time_aware=True, max_epochs=1, hidden_size=4, random_state=0)


def _data(n=12, T=6, F=2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, T, F)).astype("float32")
    X[rng.random(X.shape) < 0.3] = np.nan
    hours = np.cumsum(rng.exponential(1.0, (n, T)), axis=1)  # uneven gaps of about an hour
    return X, hours, np.arange(n) % 2


def _minutes(hours: np.ndarray) -> np.ndarray:
    """Times in whole minutes, strictly increasing, about ``hours`` apart."""
    return np.cumsum(np.maximum(1, np.round(np.diff(hours, prepend=0.0) * 60))).astype(int)


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.fixture(scope="module")
def on_durations(data):
    X, hours, y = data
    return SequenceClassifier(**QUICK).fit(X, y, times=[pd.to_timedelta(_minutes(h), unit="min") for h in hours])


@pytest.fixture(scope="module")
def on_dates(data):
    X, hours, y = data
    start = pd.Timestamp("2024-06-01", tz="Europe/Paris")
    return SequenceClassifier(**QUICK).fit(X, y, times=[start + pd.to_timedelta(h, unit="h") for h in hours])


@pytest.fixture(scope="module")
def on_numbers(data):
    X, hours, y = data
    return SequenceClassifier(**QUICK).fit(X, y, times=hours)


@pytest.fixture(scope="module")
def on_steps(data):
    X, _, y = data
    return SequenceClassifier(**QUICK).fit(X, y)


def _body(X, times=(), **extra) -> str:
    """A /predict body of the sequences X (NaN as null) and, unless left out, their times (None: null)."""
    body = {"sequences": np.where(np.isnan(X), None, X).tolist()} | extra
    return json.dumps(body if times == () else body | {"times": times})


def test_D26_01_durations_as_text_are_read_as_durations(data, on_durations):
    """'1h30m', '2 hours', '45 minutes' (under a day) were read by pd.Timestamp as a time of day in the year 1 and
    refused with "Cannot cast 0001-01-01 01:30:00 to unit='ns' without overflow", while '100 minutes' was read; they
    are durations, as pd.Timedelta reads them (and '01:30:00' too, which was today's date at 01:30)."""
    X, hours, _ = data
    minutes = _minutes(hours[0])
    expected = on_durations.predict_proba(X[:1], times=[pd.to_timedelta(minutes, unit="min")])[0]
    for text in (lambda m: f"{m // 60}h{m % 60}m", lambda m: f"{m // 60:02d}:{m % 60:02d}:00"):
        streamer = Streamer(on_durations)
        for k in range(6):
            out = streamer.step("a", X[0, k], time=text(int(minutes[k])))
        np.testing.assert_allclose(out.probabilities, expected, atol=1e-5)


def test_D26_02_a_number_written_as_text_is_refused(data, on_durations, on_numbers):
    """'3600' has no unit: pd.Timedelta reads it as nanoseconds, a model of numbers called it 'a date or duration'."""
    X = data[0]
    with pytest.raises(ValueError) as error:
        Streamer(on_durations).step("a", X[0, 0], time="3600")
    assert one_line(error) == ("Streamer: stream 'a': time '3600' is a number written as text, which says no unit; "
                               "give a date, or a duration with its unit (e.g. '3600s' or pd.Timedelta(seconds=3600))")
    with pytest.raises(ValueError, match=r"time '1\.5' is a number written as text, which says no unit; give the "
                                         r"number itself \(float\('1\.5'\)\)"):
        Streamer(on_numbers).step("a", X[0, 0], time="1.5")


def test_D26_03_a_numpy_timedelta_is_a_duration_not_a_number(data, on_durations, on_numbers):
    """np.timedelta64 is a numpy integer: it was refused as 'a number' by a model of durations, and raised a
    TypeError (float() of a timedelta) in a model of numbers."""
    X, hours, _ = data
    times = pd.to_timedelta(_minutes(hours[0]), unit="min")
    expected = on_durations.predict_proba(X[:1], times=[times])[0]
    streamer = Streamer(on_durations)
    for k in range(6):
        out = streamer.step(0, X[0, k], time=times[k].to_timedelta64())
    np.testing.assert_allclose(out.probabilities, expected, atol=1e-5)
    with pytest.raises(ValueError, match=r"time np\.timedelta64\(2,'h'\) is a duration, but the model was fitted on "
                                         r"plain numbers; give the step's time as at fit"):
        Streamer(on_numbers).step(0, X[0, 0], time=np.timedelta64(2, "h"))


def test_D26_04_dates_with_and_without_a_zone_in_one_stream_or_sequence_are_refused(data, on_dates):
    """A date without a zone is read as UTC: after 10:00 in Paris (08:00 UTC), a naive 10:30 was a gap of 2.5 hours."""
    X, hours, _ = data
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    streamer = Streamer(on_dates)
    streamer.step(0, X[0, 0], time=datetime.datetime(2024, 6, 1, 10, 0, tzinfo=paris))
    with pytest.raises(ValueError) as error:
        streamer.step(0, X[0, 1], time=datetime.datetime(2024, 6, 1, 10, 30))
    assert one_line(error).startswith("Streamer: stream 0: time datetime.datetime(2024, 6, 1, 10, 30) is a date "
                                      "without a time zone, but the stream's previous steps were dates with one; a "
                                      "date without a zone is read as UTC")
    streamer.step(0, X[0, 1], time="2024-06-01T10:30:00+02:00")  # with its zone: goes on
    stamps = [(pd.Timestamp("2024-06-01", tz="UTC") + pd.to_timedelta(h, unit="h")) for h in hours[:1]]
    iso = [[v.isoformat() for v in stamps[0]]]
    iso[0][3] = stamps[0][3].tz_localize(None).isoformat()
    with TestClient(create_app(on_dates)) as client:
        r = client.post("/predict", content=_body(X[:1], iso))
    assert r.status_code == 422
    assert r.json()["detail"].startswith(f'times of sequence 0 mix dates with a time zone and dates without: step 0 '
                                         f'"{iso[0][0]}", step 3 "{iso[0][3]}"')


def test_D26_05_a_stream_gap_beyond_float32_in_time_units_is_refused(data, on_numbers):
    """The gap in time units became float32 infinity: every output NaN, without a word."""
    X = data[0]
    streamer = Streamer(on_numbers)
    streamer.step(0, X[0, 0], time=0.0)
    with pytest.raises(ValueError) as error:
        streamer.step(0, X[0, 1], time=1e300)
    assert "time 1e+300 comes 1" in one_line(error) and "beyond float32's range, so the decays would read infinity" \
        in one_line(error)
    assert np.isfinite(streamer.step(0, X[0, 1], time=2.0).y).all()  # the stream did not advance


def test_D26_06_a_time_beyond_float64_is_a_422_not_a_500(data, on_numbers):
    X, hours, _ = data
    with TestClient(create_app(on_numbers), raise_server_exceptions=False) as client:
        r = client.post("/predict", content=_body(X[:1], [hours[0].tolist()[:5] + [10 ** 400]]))
    assert r.status_code == 422 and r.json()["detail"] == ("times of sequence 0, step 5 holds a number beyond "
                                                           "float64's range; give the times in a unit that keeps them "
                                                           "within it")


def test_D26_07_times_beyond_float32_in_time_units_are_a_422_not_a_500(data, on_numbers):
    X, hours, _ = data
    with TestClient(create_app(on_numbers), raise_server_exceptions=False) as client:
        r = client.post("/predict", content=_body(X[:1], [[0, 1, 2, 3, 4, 1e39]]))
    assert r.status_code == 422 and r.json()["detail"].startswith("times of sequence 0, step 5 lie 1") and \
        "time units after its first step" in r.json()["detail"]


@pytest.mark.parametrize("text, hint", [("1 hour", ""), ("1717200000", " (a number as text: the model reads dates)")])
def test_D26_08_times_that_are_not_iso_dates_get_a_one_line_detail_naming_the_step(data, on_dates, text, hint):
    """pandas' own message ran over six lines ("You might want to try: ...") and named no step."""
    X, hours, _ = data
    iso = [(pd.Timestamp("2024-06-01T00:00Z") + pd.to_timedelta(h, unit="h")).isoformat() for h in hours[0]]
    iso[2] = text
    with TestClient(create_app(on_dates)) as client:
        r = client.post("/predict", content=_body(X[:1], [iso]))
    assert r.status_code == 422 and r.json()["detail"] == (
        f'times of sequence 0, step 2 holds "{text}", which is not an ISO 8601 date{hint}; give each time as ISO text '
        f'(e.g. "2024-01-01T10:00:00Z")')


def test_D26_09_times_null_is_no_times(data, on_steps, on_numbers):
    """A client's optional field sent as null: a model of steps answered 400 (a key it does not read), a model
    fitted with times 422 '... got NoneType' (Python's word); now the first answers as without it, the second as
    for a missing "times"."""
    X = np.nan_to_num(data[0][:2])
    with TestClient(create_app(on_steps)) as client:
        r = client.post("/predict", content=_body(X, None))
        assert r.status_code == 200
        np.testing.assert_allclose(r.json()["probabilities"], on_steps.predict_proba(X), atol=1e-6)
    with TestClient(create_app(on_numbers)) as client:
        r = client.post("/predict", content=_body(X, None))
        assert r.status_code == 400 and r.json()["detail"].startswith('request body has null for "times"; the model '
                                                                      'was fitted with sample times: send "times"')
        r = client.post("/predict", content=_body(X, {"0": [1, 2]}))
        assert r.status_code == 422 and r.json()["detail"].endswith("got a JSON object")


def test_D26_10_a_get_on_predict_names_post_and_the_body(on_steps):
    with TestClient(create_app(on_steps)) as client:
        r = client.get("/predict")
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    assert r.json()["detail"].startswith('GET /predict: predictions are asked for by POST /predict with a JSON body '
                                         '{"sequences": [[[f1, f2, ...], ...], ...]}')


def test_D26_11_a_body_over_the_limit_says_how_to_fix_it(on_steps):
    body = b'{"sequences": [[[1.0, 2.0]]]}'
    with TestClient(create_app(on_steps)) as client:
        r = client.post("/predict", content=body + b" " * (8 * 2**20 + 1 - len(body)))
    assert r.status_code == 413 and r.json()["detail"].startswith(
        "request body of 8388609 bytes exceeds the limit of 8388608 bytes (Limits.max_body_bytes, which create_app("
        "estimator, limits=Limits(max_body_bytes=...)), serve(model_dir, limits=...) or rnnkit serve --max-body-bytes "
        "sets); send fewer sequences per request")


def test_D26_12_an_export_inside_a_model_or_export_directory_is_refused(tmp_path, on_steps):
    """It was written, and then the model's next save() (or the next export) refused to replace the directory."""
    model = tmp_path / "model"
    on_steps.save(model)
    with pytest.raises(ValueError) as error:
        rnnkit.export_onnx(on_steps, model / "onnx", verbose=False)
    assert one_line(error) == (f"{model / 'onnx'} lies inside {model}, an rnnkit model directory (written by save()), "
                               f"which the model's next save() (or rnnkit train --out) replaces whole, and refuses to "
                               f"while it holds the export; export beside it, e.g. {model}-onnx")
    assert not (model / "onnx").exists()
    on_steps.save(model)  # still replaceable


def test_D26_13_extra_feature_names_come_with_their_fix(tmp_path):
    rng = np.random.default_rng(0)
    X = [pd.DataFrame(rng.normal(size=(n, 2)), columns=["a", "b"]) for n in (3, 4, 5, 6)]
    model = SequenceClassifier(cell="gru", hidden_size=4, bidirectional=False, frontend=None, max_epochs=1,
                               random_state=0).fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError) as error:
        Streamer(model).step(0, {"a": 1.0, "b": 2.0, "id": 7})
    assert one_line(error).endswith(": unexpected ['id']; leave out ['id'] (e.g. {k: x_t[k] for k in "
                                    "['a', 'b']})")
    with TestClient(create_app(model)) as client:
        r = client.post("/predict", content=json.dumps({"sequences": [[{"a": 1.0, "b": 2.0, "id": 7}]]}))
    assert r.status_code == 422 and r.json()["detail"].endswith(": unexpected ['id']; leave out ['id']")


def test_D26_14_an_export_to_a_symbolic_link_is_written_where_it_points(tmp_path):
    """export_onnx(est, link) replaced the link by a directory, leaving the old link beside it as .link.old-*;
    the export now goes where the link points, as rnnkit.save and the command line write (M26-12)."""
    import os

    import numpy as np

    import rnnkit

    X = np.random.default_rng(0).normal(size=(10, 5, 2)).astype("float32")
    model = rnnkit.SequenceClassifier(max_epochs=1, hidden_size=4, random_state=0).fit(X, np.arange(10) % 2)
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    rnnkit.export_onnx(model, tmp_path / "link")
    assert (tmp_path / "link").is_symlink() and sorted(os.listdir(tmp_path)) == ["link", "real"]
    assert (tmp_path / "real" / "export.json").is_file()
    rnnkit.export_onnx(model, tmp_path / "link")  # again: the export it holds is replaced, the link kept
    assert (tmp_path / "link").is_symlink() and sorted(os.listdir(tmp_path)) == ["link", "real"]
