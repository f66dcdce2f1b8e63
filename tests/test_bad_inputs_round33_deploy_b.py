"""Thirty-third round of the bad-input hunt, deploy (second pass): a time-aware model fitted with dates, streamed and
served with times in the ISO forms a client holds (a year and month, an ordinal date)."""
import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.deploy.streaming import Streamer

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False, frontend=None, crop=None)


def one_line(error) -> str:
    return " ".join(str(error.value).split())


@pytest.fixture(scope="module")
def monthly():
    """A classifier fitted with monthly sample times (gaps of 30 or 60 days), and its data."""
    rng = np.random.default_rng(2)
    X = [rng.normal(size=(rng.integers(2, 10), 3)) for _ in range(20)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    times = [pd.to_datetime(1.7e9 + 86400 * 30 * np.cumsum(rng.integers(1, 3, size=len(x))), unit="s") for x in X]
    return rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, y, times=times), X


def streamed(streamer, x, times) -> np.ndarray:
    return [streamer.step("s", row, time=t) for row, t in zip(x, times, strict=True)][-1].probabilities


# -- S33-07: a year and month as text ("2024-03") read as a duration of nanoseconds -----------------------------------
def test_S33_07_a_year_and_month_is_read_as_the_date_of_its_first_day(monthly):
    # before: '2024-01' read by pd.Timedelta as -202401 ns, so the stream's second month, '2024-02' (-202402 ns), was
    # refused as "not later than the stream's previous step", where the server and pd.to_datetime read 1 February
    clf, X = monthly
    months = ["2024-01", "2024-02", "2024-04"]
    expected = clf.predict_proba([X[0][:3]], times=[pd.to_datetime(months)])[0]
    np.testing.assert_allclose(streamed(Streamer(clf), X[0][:3], months), expected, atol=1e-6)


# -- S33-08: an ISO ordinal date ("2024-061") ----------------------------------------------------------------------
def test_S33_08_an_ordinal_date_is_refused_naming_its_calendar_date(monthly):
    # before: the Streamer read '2024-061' as a duration (-2024061 ns) and refused the next day as not later; the
    # server's 422 called it "not an ISO 8601 date" (it is one, a form pandas does not read) and named no fix
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    clf, X = monthly
    with pytest.raises(ValueError) as error:
        Streamer(clf).step("s", X[0][0], time="2024-061")
    assert ("Streamer: stream 's': time '2024-061' does not read as a date: it is an ISO 8601 ordinal date (day 61 of "
            "2024), a form pandas does not read; give it as the calendar date '2024-03-01' "
            "(pd.to_datetime(t, format='%Y-%j'))") in one_line(error)
    answer = TestClient(create_app(clf)).post("/predict", json={"sequences": [X[0][:2].tolist()],
                                                                "times": [["2024-03-01", "2024-062"]]})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith('times of sequence 0, step 1 holds "2024-062": it is an ISO 8601 ordinal '
                                              "date (day 62 of 2024)")
    assert "'2024-03-02'" in answer.json()["detail"]


# -- S33-09: a time of day, or a day without its year ------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:.*median gap between steps")  # days, to a model fitted on months
def test_S33_09_a_time_without_its_date_or_year_is_refused(monthly):
    # before: '10:00' read on the day the step was read (a stream gained a day across midnight, and '23:55' then
    # '00:05' was refused as not later); 'Feb 28' then 'Mar 1' (2024 data) read in the year 1, one day apart for two
    clf, X = monthly
    with pytest.raises(ValueError) as error:
        streamed(Streamer(clf), X[0][:2], ["23:55", "00:05"])
    assert ("Streamer: stream 's': time '23:55' does not read as one date: it is a time of day without a date, which "
            "pandas reads as ") in one_line(error)
    assert "give each step's full date and time, e.g. '2024-03-01 10:00'" in one_line(error)
    with pytest.raises(ValueError) as error:
        streamed(Streamer(clf), X[0][:2], ["Feb 28", "Mar 1"])
    assert "time 'Feb 28' does not read as one date: it is a date without a year, which pandas reads as 0001-02-28" \
        in one_line(error)
    # the same days with their year answer as predict does; a duration as text ('10:00:00') is read as before
    days = ["Feb 28 2024", "Mar 1 2024"]
    expected = clf.predict_proba([X[0][:2]], times=[pd.to_datetime(days)])[0]
    np.testing.assert_allclose(streamed(Streamer(clf), X[0][:2], days), expected, atol=1e-6)
    streamed(Streamer(clf), X[0][:2], ["10:00:00", "10:05:00"])


# -- S33-10: a UTC offset after the word GMT or UTC ('GMT+0100', JavaScript's Date.toString()) ---------------------
@pytest.mark.filterwarnings("ignore:.*median gap between steps")  # hours, to a model fitted on months
def test_S33_10_an_offset_after_gmt_is_refused_naming_its_iso_text(monthly):
    # before: '2024-03-31 00:30:00 GMT+01:00' read by pandas (dateutil) with the sign reversed, as POSIX zones write it:
    # 01:30 UTC where it is 23:30 the day before; across the change to summer time (GMT+02:00) a gap of 2 hours read as
    # 4, without a word
    clf, X = monthly
    given = ["2024-03-31 00:30:00 GMT+01:00", "2024-03-31 03:30:00 GMT+02:00"]
    with pytest.raises(ValueError) as error:
        streamed(Streamer(clf), X[0][:2], given)
    assert ("Streamer: stream 's': time '2024-03-31 00:30:00 GMT+01:00' does not read as one date: its offset follows "
            "the word GMT, which pandas reads with the sign reversed, as POSIX time zones write it (GMT+01:00 as "
            "UTC-01:00)") in one_line(error)
    assert "give it as ISO 8601 writes it, '2024-03-31T00:30:00+01:00'" in one_line(error)
    with pytest.raises(ValueError, match=r"'2024-03-01T10:00:00\+01:00'"):  # JavaScript's Date.toString()
        Streamer(clf).step("s", X[0][0], time="Fri Mar 01 2024 10:00:00 GMT+0100 (Central European Standard Time)")
    iso = ["2024-03-31T00:30:00+01:00", "2024-03-31T03:30:00+02:00"]
    expected = clf.predict_proba([X[0][:2]], times=[pd.to_datetime(iso, utc=True)])[0]
    np.testing.assert_allclose(streamed(Streamer(clf), X[0][:2], iso), expected, atol=1e-6)


# -- S33-11: a pandas row whose integer labels are in another order ------------------------------------------------
def test_S33_11_a_row_with_the_fitted_column_labels_in_another_order_is_refused(tmp_path):
    # before: a model fitted on pd.DataFrame(array) frames (columns 0, 1, 2: labels, not names) read a row given as
    # row[[2, 1, 0]] by position, each value taken for another feature (probabilities 0.28 off), where predict refuses
    # such columns (E31-09); export.json kept no labels, so its Streamer and a client could not tell either
    from rnnkit.deploy.export import export_onnx

    rng = np.random.default_rng(2)
    X = [pd.DataFrame(rng.normal(size=(rng.integers(2, 10), 3)) * [1, 10, 100]) for _ in range(20)]
    clf = rnnkit.SequenceClassifier(**TINY).fit(X, [int(x.values[:, 0].mean() > 0) for x in X])
    info = export_onnx(clf, tmp_path / "e", verbose=False)
    assert info["preprocessing"]["column_labels"] == [0, 1, 2]
    row = X[0].iloc[0]
    for source in (clf, tmp_path / "e"):
        with pytest.raises(ValueError) as error:
            Streamer(source).step("s", row[[2, 1, 0]])
        assert ("Streamer: the observation of stream 's' has the index [2, 1, 0], the column labels seen at fit in "
                "another order ([0, 1, 2]); they are not names, so it is read by position") in one_line(error)
        expected = clf.predict_proba([X[0].iloc[:1]])[0]
        np.testing.assert_allclose(Streamer(source).step("s", row).probabilities, expected, atol=1e-6)
