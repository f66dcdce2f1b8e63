"""Thirty-third round of the bad-input hunt, deploy: a time-aware model fitted with dates, streamed and served as a
client holding day-first text dates, periods, or only GET /model's description does."""
import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.deploy.streaming import Streamer

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False, frontend=None, crop=None)


def one_line(error) -> str:
    return " ".join(str(error.value).split())


@pytest.fixture(scope="module")
def daily():
    """A classifier fitted with daily sample times (gaps of 1 or 2 days), and its data."""
    rng = np.random.default_rng(2)
    X = [rng.normal(size=(rng.integers(2, 10), 3)) for _ in range(20)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    times = [pd.to_datetime(1.7e9 + 86400 * np.cumsum(rng.integers(1, 3, size=len(x))), unit="s") for x in X]
    return rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, y, times=times), X


def streamed(streamer, x, times) -> np.ndarray:
    return [streamer.step("s", row, time=t) for row, t in zip(x, times, strict=True)][-1].probabilities


# -- S33-01: day-first text dates read month first by the Streamer --------------------------------------------------
def test_S33_01_a_text_date_that_reads_day_or_month_first_is_refused(daily):
    # before: '01/03/2024 10:00' (1 March, as a European CSV writes it) read as pandas reads it, 3 January: a stream
    # of 1, 2, 3 March read as 3 January, 3 February, 3 March, gaps of a month for a day, and an answer without a word
    clf, X = daily
    with pytest.raises(ValueError) as error:
        streamed(Streamer(clf), X[0][:3], ["01/03/2024 10:00", "02/03/2024 10:00", "03/03/2024 10:00"])
    assert ("Streamer: stream 's': time '01/03/2024 10:00' does not read as one date: it reads 2 ways, "
            "2024-01-03 10:00:00 as pandas reads it, 2024-03-01 10:00:00 day first (pd.to_datetime(t, dayfirst=True))"
            ) in one_line(error)
    with pytest.raises(ValueError, match="reads 3 ways"):
        streamed(Streamer(clf), X[0][:1], ["01.03.24"])
    # the fix it names, and dates only one format reads, answer as predict does
    days = ["13/03/2024 10:00", "14/03/2024 10:00", "16/03/2024 10:00"]
    expected = clf.predict_proba([X[0][:3]], times=[pd.to_datetime(days, format="%d/%m/%Y %H:%M")])[0]
    fixed = [pd.to_datetime(t, dayfirst=True) for t in days]
    np.testing.assert_allclose(streamed(Streamer(clf), X[0][:3], fixed), expected, atol=1e-6)
    np.testing.assert_allclose(streamed(Streamer(clf), X[0][:3], days), expected, atol=1e-6)


# -- S33-02: GET /model without the fitted time unit ------------------------------------------------------------------
def test_S33_02_get_model_gives_the_fitted_time_unit(daily):
    # before: "times": "dates" and no unit, so a client could not know that a gap is read in units of 2 days
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    clf, X = daily
    info = TestClient(create_app(clf)).get("/model").json()
    assert info["times"] == "dates" and info["time_unit"] == pytest.approx(clf.time_unit_)
    untimed = rnnkit.SequenceClassifier(**TINY).fit(X, [int(x[:, 0].mean() > 0) for x in X])
    assert TestClient(create_app(untimed)).get("/model").json()["time_unit"] is None


# -- S33-03: a pandas Period as a step's time --------------------------------------------------------------------------
def test_S33_03_a_period_is_read_as_predict_reads_a_period_index(daily):
    # before: "time Period('2024-03-01', 'D') is not a number, date or duration", where predict reads a PeriodIndex
    clf, X = daily
    periods = pd.period_range("2024-03-01", periods=4, freq="D")[[0, 1, 3]]
    expected = clf.predict_proba([X[0][:3]], times=[periods])[0]
    np.testing.assert_allclose(streamed(Streamer(clf), X[0][:3], list(periods)), expected, atol=1e-6)


# -- S33-04: a date written YYYYMMDD (text, or the int64 pd.read_csv makes of it) -----------------------------------
def test_S33_04_a_yyyymmdd_date_is_refused_naming_the_date_and_its_iso_text(daily):
    # before: "'20240301' is a number written as text ... give ... '20240301s' or pd.Timedelta(seconds=20240301)", and
    # 422s naming only ISO text: the date it was (a database's or read_csv's int64 YYYYMMDD column) was not named
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    clf, X = daily
    iso = "if it is the date 2024-03-01 written YYYYMMDD, give it as ISO text, '2024-03-01'"
    for time in ("20240301", 20240301, np.int64(20240301)):
        with pytest.raises(ValueError) as error:
            Streamer(clf).step("s", X[0][0], time=time)
        assert iso in one_line(error) and "pd.to_datetime(t, format='%Y%m%d')" in one_line(error)
    client = TestClient(create_app(clf))
    for times in (["20240301", "20240302"], [20240301, 20240302]):
        answer = client.post("/predict", json={"sequences": [X[0][:2].tolist()], "times": [times]})
        assert answer.status_code == 422 and iso in answer.json()["detail"]
    with pytest.raises(ValueError) as error:  # no date: seconds as text, named as before
        Streamer(clf).step("s", X[0][0], time="20241399")
    assert "YYYYMMDD" not in one_line(error)


# -- S33-05: features sent as JSON text --------------------------------------------------------------------------------
def test_S33_05_a_feature_sent_as_text_names_the_json_number_to_send(daily):
    # before: 400 'sequence 0, step 0 holds "0.5"; features must be numbers', the same for "0,5" and "NaN": a CSV's
    # cells passed on unparsed, a decimal comma, a missing value's word, none of them named
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    clf, X = daily
    client = TestClient(create_app(clf))
    step = X[0][0].tolist()
    times = {"times": [["2024-03-01T10:00:00Z"]]}
    expected = {"0.5": " (a number written as text: send it as a JSON number, 0.5, without quotes)",
                "0,5": " (a number with a decimal comma: send it as a JSON number, 0.5)",
                "NaN": ", and a missing value is JSON null, unquoted"}
    for text, words in expected.items():
        answer = client.post("/predict", json={"sequences": [[[text, *step[1:]]]], **times})
        assert answer.status_code == 400
        assert answer.json()["detail"] == f'sequence 0, step 0 holds "{text}"; features must be numbers{words}'
    assert client.post("/predict", json={"sequences": [[[None, *step[1:]]]], **times}).status_code == 200


# -- S33-06: short dates written year first (24-03-01) -----------------------------------------------------------------
def test_S33_06_a_short_date_written_year_first_is_refused(daily):
    # before: '24-03-01' (1 March 2024, as Sweden, Japan or China write short dates) read as pandas reads it,
    # 24 March 2001, so a stream of 1, 2, 3 March 2024 was read a year apart, and answered without a word
    clf, X = daily
    with pytest.raises(ValueError) as error:
        streamed(Streamer(clf), X[0][:3], ["24-03-01", "24-03-02", "24-03-03"])
    assert ("time '24-03-01' does not read as one date: it reads 2 ways, 2001-03-24 00:00:00 as pandas reads it, "
            "2024-03-01 00:00:00 year first (pd.to_datetime(t, yearfirst=True))") in one_line(error)
    days = ["24-03-01", "24-03-02", "24-03-04"]
    expected = clf.predict_proba([X[0][:3]], times=[pd.to_datetime(days, format="%y-%m-%d")])[0]
    fixed = [pd.to_datetime(t, yearfirst=True) for t in days]
    np.testing.assert_allclose(streamed(Streamer(clf), X[0][:3], fixed), expected, atol=1e-6)
