"""The twenty-second round's leftovers: one list of time-column names for the long CSV reader and
``TimeSeriesFrame`` (J22-01), ``predict(X=...)`` with a column of words (J22-02), ``NGramDetector.score`` of
one-event sessions (J22-03) and ``driving_scores`` of an episode that ended within the warm-up (J22-04)."""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, tiny_forecaster, user_warnings

from rnnkit.apps import driving, eventlogs
from rnnkit.data import TimeSeriesFrame
from rnnkit.data.tables import read_sequences


# -- J22-01: a time-named column is one to both readers ----------------------------------------------------------
@pytest.mark.parametrize("name", ["t", "year", "step", "timestep"])  # of the reader's old list and the frame's
def test_J22_01_a_time_named_column_reads_as_time_to_both_readers(tmp_path, name):
    path = tmp_path / "long.csv"
    pd.DataFrame({"id": [1, 1, 1, 2, 2, 2], name: [0, 1, 2, 0, 1, 2], "x": [0.5, 0.1, 0.2, 0.3, 0.4, 0.6],
                  "target": [0, 0, 0, 1, 1, 1]}).to_csv(path, index=False)
    said = user_warnings(lambda: read_sequences(path, layout="long"))
    assert any(f"column {name!r} is named like a time axis but no time column was given" in m for m in said)
    frame = pd.DataFrame({name: [0, 1, 2, 3], "a": [0.5, 0.1, 0.2, 0.3], "b": [1.0, 2.0, 0.0, 1.0]})
    said = user_warnings(lambda: TimeSeriesFrame.from_pandas(frame))
    assert any(f"column {name!r} counts up by 1" in m for m in said)


# -- J22-02: predict(X=...) with a column of words -----------------------------------------------------------------
def test_J22_02_predict_X_with_words_does_not_advise_to_numeric():
    days = pd.date_range("2020-01-01", periods=30, freq="D")
    y = pd.Series(np.random.default_rng(0).normal(size=30).cumsum(), index=days, name="sales")
    f = tiny_forecaster().fit(y, pd.DataFrame({"promo": np.tile([0.0, 1.0, 1.0], 10)}, index=days))
    at = pd.date_range("2020-01-31", periods=2, freq="D")
    with pytest.raises(ValueError) as e:
        f.predict(X=pd.DataFrame({"promo": ["yes", "no"]}, index=at))
    message = one_line(e)
    assert message.startswith("predict(X=...): X column 'promo' has dtype") and "(e.g. 'yes')" in message
    assert "it held numbers at fit: give 'promo' as numbers here too" in message
    assert "convert it with pd.to_numeric" not in message  # every word would become NaN
    with pytest.raises(ValueError) as e:  # numbers held as text: converted, as fit says
        f.predict(X=pd.DataFrame({"promo": ["0", "1"]}, index=at))
    message = one_line(e)
    assert message.startswith("predict(X=...): X column 'promo' has dtype") and "holding numbers (e.g. '0'); " \
        "convert it: X['promo'] = pd.to_numeric(X['promo'])" in message


# -- J22-03: NGramDetector.score of one-event sessions -----------------------------------------------------------
def test_J22_03_ngram_score_names_the_one_event_sessions_as_score_lstm_does():
    rng = np.random.default_rng(0)
    events = [rng.integers(0, 5, n) for n in (4, 1, 3, 1, 2)]
    sessions = eventlogs.Sessions(events, [np.r_[0.0, rng.uniform(0, 5, len(e) - 1)] for e in events])
    kept = eventlogs.Sessions([events[i] for i in (0, 2, 4)], [sessions.dt[i] for i in (0, 2, 4)])
    ngram = eventlogs.NGramDetector(2).fit(kept)
    with pytest.raises(ValueError, match=r"^NGramDetector.score: session\(s\) 1, 3 \(2 of 5\) have fewer than 2 "
                                         r"events, so no next event to score"):
        ngram.score(sessions)  # empty scores before, never flagged
    scores = ngram.score(kept)
    assert [len(r) for r in scores.rank] == [3, 2, 1] and [len(z) for z in scores.z] == [3, 2, 1]


# -- J22-04: an episode that ended within the warm-up ------------------------------------------------------------
def _episode(seed: int, steps: int, speed: float, crashed: bool) -> driving.Episode:
    return driving.Episode(seed, np.zeros((steps, 2, 5)), np.zeros((steps, 2)), np.full(steps, speed), crashed,
                           False)


def test_J22_04_an_episode_ended_in_the_warm_up_counts_with_time_0_and_is_named():
    w, due = driving.WARM_UP, 10 * driving.FREQUENCY - driving.WARM_UP
    episodes = [_episode(7, w + due, 20.0, False), _episode(8, 3, 5.0, True), _episode(9, w + 10, 10.0, True)]
    said = user_warnings(lambda: driving.driving_scores(episodes, 10))
    assert len(said) == 1 and said[0].startswith("driving_scores: episode(s) of seed 8 (1 of 3) ended within the "
                                                 "5-s warm-up")
    with pytest.warns(UserWarning, match="ended within"):
        scores = driving.driving_scores(episodes, 10)
    assert scores["time_driven"] == pytest.approx((1.0 + 0.0 + 10 / due) / 3)  # -0.88 for seed 8 before
    assert scores["mean_speed"]["mean"] == pytest.approx(15.0)  # nan before
    assert scores["ended_in_warm_up"] == [8] and scores["collisions"] == 2
    with pytest.warns(UserWarning, match="ended within"):
        alone = driving.driving_scores([episodes[1]], 10)
    assert alone["mean_speed"] is None and alone["time_driven"] == 0.0 and driving._speed(alone).startswith("none")
