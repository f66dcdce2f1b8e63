"""Thirty-second round, third pass: the recipes' metrics with one's own results (A32-14 … A32-18).

A32-14 ``driving.mcnemar`` of two drivers' collisions as pandas Series of the same episodes in other orders;
A32-15 ``eventlogs.precision_recall_f1`` of flags and truth as pandas Series in other orders, or filtered apart;
A32-16 ``driving.mcnemar`` of a Series indexed by seed holding a value that is no flag; A32-17
``driving.action_scores`` with the training mean as a plain number; A32-18 ``NGramDetector.score`` of no sessions.
"""

import numpy as np
import pandas as pd
import pytest

from rnnkit.apps import driving, eventlogs


def test_A32_14_mcnemar_of_series_in_other_orders_is_refused():
    seeds = [1_000_000 + i for i in range(6)]
    a = pd.Series([True, False, True, False, True, False], index=seeds)  # driver a's collisions, by seed
    b = a.copy().sample(frac=1, random_state=1)  # driver b's, the same collisions, read back in another order
    assert driving.mcnemar(a, b.loc[a.index]) == {"only_first": 0, "only_second": 0, "p_value": 1.0}
    with pytest.raises(ValueError, match=r"mcnemar: a and b are pandas Series of the same episodes in other orders "
                                         r".*b = b\.loc\[a\.index\]"):
        driving.mcnemar(a, b)  # paired by place before: 1 and 1 discordant episodes of two identical drivers
    assert driving.mcnemar(a, list(b.loc[a.index])) == {"only_first": 0, "only_second": 0, "p_value": 1.0}


def test_A32_15_precision_recall_f1_of_series_in_other_orders_is_refused():
    truth = pd.Series([True, True, False, False, False, False], index=[10, 11, 12, 13, 14, 15])  # by session id
    flagged = pd.Series([True, True, False, False, False, False], index=[10, 11, 12, 13, 14, 15])
    assert eventlogs.precision_recall_f1(flagged, truth) == (1.0, 1.0, 1.0)
    shuffled = truth.iloc[[2, 3, 0, 4, 1, 5]]  # the truth of one's own log, grouped in another order
    with pytest.raises(ValueError, match=r"precision_recall_f1: flagged and truth are pandas Series of the same "
                                         r"sessions in other orders .*truth = truth\.loc\[flagged\.index\]"):
        eventlogs.precision_recall_f1(flagged, shuffled)  # before: (0.0, 0.0, 0.0) for a perfect detector
    apart = pd.Series([True, False, False, False, False, True], index=[11, 12, 13, 14, 15, 16])
    with pytest.raises(ValueError, match=r"of 6 rows each but of other rows .*1 of flagged's rows are not in truth"):
        eventlogs.precision_recall_f1(flagged, apart)
    fresh = pd.Series([True, True, False, False, False, False])  # a fresh Series (RangeIndex): paired by place
    assert eventlogs.precision_recall_f1(flagged, fresh) == (1.0, 1.0, 1.0)


def test_A32_16_mcnemar_of_a_series_indexed_by_seed_names_the_bad_value():
    a, b = pd.Series([1, 2], index=[5, 6]), pd.Series([0, 0], index=[5, 6])
    with pytest.raises(ValueError, match=r"mcnemar: a\[1\] is 2, not True or False"):  # KeyError: 1 before
        driving.mcnemar(a, b)
    assert driving.mcnemar(pd.Series([True, False], index=[5, 6]), pd.Series([False, False], index=[5, 6])) == {
        "only_first": 1, "only_second": 0, "p_value": 1.0}


def test_A32_17_action_scores_takes_the_training_mean_as_a_number():
    rng = np.random.default_rng(0)
    actual = [rng.normal(size=(40, 2)), rng.normal(size=(30, 2))]
    predicted = [a[:, :1] + 0.1 for a in actual]
    expected = driving.action_scores(predicted, actual, np.array([0.2]))
    assert driving.action_scores(predicted, actual, 0.2) == expected  # TypeError: not subscriptable before
    with pytest.raises(ValueError, match=r"action_scores: train_mean must be the training acceleration's mean, one "
                                         r"finite number"):
        driving.action_scores(predicted, actual, np.array([0.2, 0.1]))


def test_A32_18_scoring_no_sessions_is_refused():
    train = eventlogs.Sessions([np.array([1, 2, 3, 1, 2])], [np.array([0.0, 1.0, 2.0, 1.0, 1.0])])
    detector = eventlogs.NGramDetector(2).fit(train)
    with pytest.raises(ValueError, match=r"NGramDetector.score: no sessions to score"):  # StopIteration before
        detector.score(eventlogs.Sessions([], []))
    module = eventlogs.NextEventModule(eventlogs.NextEventModel(4, 4, 8, num_layers=1), task="regression")
    with pytest.raises(ValueError, match=r"score_lstm: no sessions to score"):  # empty scores, nothing flagged before
        eventlogs.score_lstm(module, eventlogs.Sessions([], []))
