"""The tenth round of docs/bad_inputs.md (ids E10-..): the estimators given real data sets the tests had not used
(sktime's UnitTest, Covid3Month and BasicMotions' test split, JapaneseVowels padded as tslearn pads it, vega's
seattle_weather as sequences of a month, scikit-learn's digits as 8 steps of 8 features), in the containers a
new user builds from them. Each test fails on the commit before its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import one_line  # a refusal's message, one line
from sklearn.metrics import accuracy_score

from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
from rnnkit.estimators import as_sequences

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=16, lr=1e-2, lr_schedule=None,
            pooling="final", frontend=None, stride=1, normalise=None, random_state=0, device="cpu")
TAG = dict(cell="gru", hidden_size=4, max_epochs=1, batch_size=16, random_state=0, device="cpu")
FEATURES = ["precipitation", "temp_max", "temp_min", "wind"]


def sktime_data(name: str, return_type: str | None, split: str = "train"):
    from sktime import datasets

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sktime's own deprecation notes
        kw = {} if return_type is None else {"return_type": return_type}
        return getattr(datasets, name)(split=split, **kw)


@pytest.fixture(scope="module")
def weather():
    """vega's seattle_weather (1461 days) as one sequence per month: 48 DataFrames of 28-31 days indexed by
    date, the day's weather as labels, and the long table on (month, date)."""
    from vega_datasets import local_data

    df = local_data.seattle_weather()
    df["month"] = df["date"].dt.to_period("M")
    months = [g.set_index("date") for _, g in df.groupby("month")]
    return [m[FEATURES] for m in months], [m["weather"] for m in months], df.set_index(["month", "date"])


def test_e10_01_labels_in_an_object_array_keep_their_type_and_score():
    """An object array of ints (``df[column].to_numpy()`` of an object column, ``y.astype(object)``): score failed
    in scikit-learn (``unknown is not supported``) and predict gave objects; floats that are not whole numbers
    were taken as classes."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    keep = np.isin(digits.target, (0, 1))
    X, y = digits.images[keep][:120], digits.target[keep][:120]  # 8 steps (rows) of 8 features (columns)
    labels = y.astype(object)
    clf = SequenceClassifier(**{**TINY, "hidden_size": 8, "max_epochs": 3}).fit(X[:80], labels[:80])
    assert clf.classes_.dtype.kind == "i" and clf.classes_.tolist() == [0, 1]
    predicted = clf.predict(X[80:])
    assert predicted.dtype.kind == "i"
    score = clf.score(X[80:], labels[80:])
    assert score == accuracy_score(y[80:], predicted) and score >= 0.75  # 0.875 measured; half are 0s
    assert clf.predict_proba(X[80:]).shape == (40, 2)
    flags = SequenceClassifier(**TINY).fit(X[:40], (y[:40] == 1).astype(object))
    assert flags.classes_.dtype == bool and flags.predict(X[:3]).dtype == bool
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X[:40], (y[:40] + 0.5).astype(object))
    assert "y holds continuous values (e.g. 0.5, not a whole number)" in one_line(err)
    tagger = SequenceTagger(**TAG).fit(X[:40], (X[:40, :, 3] > 8).astype(int).astype(object))
    assert tagger.classes_.dtype.kind == "i" and tagger.predict(X[:3]).dtype.kind == "i"


def test_e10_02_a_time_given_twice_in_a_sequence_s_index_is_refused(weather):
    """A month of days with one day twice (an overlapping download joined): read as 31 steps of April."""
    months, _, _ = weather
    doubled = [*months[:3], pd.concat([months[3].iloc[:10], months[3].iloc[9:]]), *months[4:]]
    with pytest.raises(ValueError) as err:
        as_sequences(doubled, "SequenceClassifier.fit")
    assert ("sequence 3 of X is a DataFrame whose index has the time Timestamp('2012-04-10 00:00:00') twice (rows 9 "
            "and 10; 1 repeated in all), which would be read as two steps; drop the repeated rows "
            "(s[~s.index.duplicated()])") in one_line(err)
    nested = pd.DataFrame({c: [m[c] for m in doubled] for c in ("wind", "temp_max")})
    with pytest.raises(ValueError, match=r"row 3, column 'wind' of the nested DataFrame X is a Series whose index "
                                         r"has the time Timestamp\('2012-04-10 00:00:00'\) twice"):
        as_sequences(nested, "fit")
    with pytest.raises(ValueError, match=r"sequence 3 of X is a Series whose index has the time"):
        as_sequences(pd.Series([m["wind"] for m in doubled]), "fit")
    x, lengths, _ = as_sequences([m[~m.index.duplicated()] for m in doubled], "fit")
    assert lengths[3] == 30 and x.shape == (48, 31, 4)


def test_e10_03_two_sets_joined_with_their_own_ids_are_named_not_sorted():
    """sktime's BasicMotions train and test splits joined by pd.concat keep their ids 0..39 each: the refusal
    said to sort X and drop duplicated times, which would interleave or drop two sequences."""
    train, _ = sktime_data("load_basic_motions", "pd-multiindex")
    test, _ = sktime_data("load_basic_motions", "pd-multiindex", "test")
    for joined in (pd.concat([train, test]), pd.concat([train, test]).sort_index()):
        with pytest.raises(ValueError) as err:
            as_sequences(joined, "SequenceClassifier.fit")
        assert ("instance 0 of X has the time 0 twice (rows 0 and " in one_line(err)
                and "100 repeated in all): two sequences under one id, as pd.concat of two sets keeps each set's "
                    "ids? give each sequence its own id" in one_line(err) and "sort" not in one_line(err))
    assert "rows 0 and 4000 of X" in str(pytest.raises(ValueError, as_sequences, pd.concat([train, test]), "f").value)
    frames, _ = sktime_data("load_basic_motions", "df-list")  # each frame indexed 0..99
    parts = [*frames[:2], pd.concat([frames[2].iloc[:60], frames[2].iloc[60:].reset_index(drop=True)])]
    with pytest.raises(ValueError) as err:
        as_sequences(parts, "fit")
    assert ("(59 at row 59, then 0); its rows are read in order as the steps: if the index is their time, sort it "
            "(s.sort_index()) so that they are in time order; if it is only row numbers (pd.concat keeps each "
            "part's own), its rows may already be in order: pass s.reset_index(drop=True)") in one_line(err)


def test_e10_04_a_column_of_the_long_table_as_y(weather):
    """y taken from the long table X came from: one value per (month, date) row. The classifier and regressor
    were told to reorder it with y.loc[instances] (it was in order; it had one value per day), or, as an array,
    only that X has 48 sequences and y 1461 entries; the tagger refused ``df[["weather"]]``, one column as a
    DataFrame, which it reads as ``df["weather"]``, and the column as an array or a list."""
    _, _, long = weather
    X = long[FEATURES]
    summer = pd.Series(np.where(long.index.get_level_values("date").month.isin([6, 7, 8]), "summer", "other"),
                       index=long.index)
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, summer)
    assert ("SequenceClassifier.fit: y has one value per row of X (its index is X's (instance, time) rows: 1461 for "
            "X's 48 instances), where one per instance is needed; take each instance's, in X's order: "
            "y.groupby(level=0, sort=False).first() if it is constant within each instance; to label every step, "
            "use SequenceTagger") == one_line(err)
    with pytest.raises(ValueError, match=r"y\.groupby\(level=0, sort=False\)\.last\(\) \(or \.mean\(\)\)$"):
        SequenceRegressor(**TINY).fit(X, long["temp_max"])
    clf = SequenceClassifier(**TINY).fit(X, summer.groupby(level=0, sort=False).first())
    assert clf.predict(X).shape == (48,)
    by_series = SequenceTagger(**TAG).fit(X, long["weather"]).predict_proba(X)
    tagger = SequenceTagger(**TAG).fit(X, long[["weather"]])
    assert all(np.array_equal(a, b) for a, b in zip(tagger.predict_proba(X), by_series, strict=True))
    assert tagger.score(X, long[["weather"]]) == tagger.score(X, long["weather"])
    # the column as an array or a list (one label per row of X, in X's row order), as a Series on X's rows is read
    flat = SequenceTagger(**TAG).fit(X, long["weather"].to_numpy())
    assert all(np.array_equal(a, b) for a, b in zip(flat.predict_proba(X), by_series, strict=True))
    assert flat.score(X, long["weather"].tolist()) == tagger.score(X, long["weather"])
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(X, summer.to_numpy())
    assert ("y has one value per row of X (X's (instance, time) rows: 1461 for X's 48 instances), where one per "
            "instance is needed; take each instance's, in X's order: pd.Series(y, index=X.index).groupby(level=0, "
            "sort=False).first()") in one_line(err)


def test_e10_05_choices_record_stride_1_when_no_front_end_reads_it():
    """Covid3Month (84 steps): the rule's stride 2 was recorded in choices_ with frontend=None given (or yielded
    to time_aware), where no front-end reads it; a given stride is refused so (docs/long_series.md)."""
    X, y = sktime_data("load_covid_3month", None)
    X, y = X.iloc[:24], y[:24]
    small = dict(hidden_size=4, max_epochs=1, random_state=0, device="cpu")
    given = SequenceRegressor(frontend=None, **small).fit(X, y)
    assert given.choices_["frontend"] is None and given.choices_["stride"] == 1
    assert "; stride=1: no front-end; given: hidden_size=4, frontend=None, max_epochs=1" in given.rule_
    yielded = SequenceRegressor(time_aware=True, **small).fit(X, y)
    assert yielded.choices_["stride"] == 1 and "crop=None, stride=1; given" in yielded.rule_
    chosen = SequenceRegressor(**small).fit(X, y)
    assert (chosen.choices_["frontend"], chosen.choices_["stride"]) == ("fcn", 2)


def test_e10_06_time_aware_warns_of_padding_it_would_read_as_missing_steps():
    """JapaneseVowels padded with NaN to its longest utterance (tslearn's to_time_series_dataset): without
    time_aware it is refused naming the padding (C4-15); with it, every utterance was read at the longest's length, its
    end followed by steps where nothing was observed, without a word (the lengths 13-22 all read as 22)."""
    frames, y = sktime_data("load_japanese_vowels", "df-list")
    seqs, y = [f.to_numpy() for f in frames[15:45]], np.asarray(y[15:45])  # speakers 1 and 2
    padded = np.full((30, max(len(s) for s in seqs), 12), np.nan)
    for i, s in enumerate(seqs):
        padded[i, : len(s)] = s
    est = SequenceClassifier(**{**TINY, "time_aware": True})
    with pytest.warns(UserWarning) as caught:
        est.fit(padded, y)
    message = next(str(w.message) for w in caught if "tslearn" in str(w.message))
    assert ("SequenceClassifier.fit: 29 of X's 30 sequences end in steps that are NaN in every feature (sequence 0 "
            "of X: its last 7 of 22 steps), and no other step is, as tslearn pads a shorter series; time_aware=True "
            "reads them as steps where nothing was observed, and each sequence as 22 steps") in message
    gap = padded.copy()
    gap[1, 3] = np.nan  # a step missing inside a sequence: NaN is meant as missing here
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        as_sequences(gap, "fit", allow_nan=True)
        as_sequences(seqs, "fit", allow_nan=True)


def test_e10_07_a_newest_first_sequence_indexed_by_dates_as_text_is_refused(weather):
    """Months of seattle_weather indexed by their dates as text ('2012-01-31', a CSV read without parse_dates),
    newest first: read backwards, without a word (an index of parsed dates was refused so, C4-02)."""
    months, _, _ = weather
    text = [m.set_axis(m.index.strftime("%Y-%m-%d")) for m in months]
    x, _, _ = as_sequences(text, "fit")  # in order: read as they come
    assert np.array_equal(x[0, :31].numpy(), months[0].to_numpy(np.float64))  # float64, as given (T30-01)
    newest = [t.iloc[::-1] for t in text]
    with pytest.raises(ValueError) as err:
        SequenceClassifier(**TINY).fit(newest, np.arange(48) % 2)
    assert ("SequenceClassifier.fit: sequence 0 of X is a DataFrame whose index holds dates written as text, not in "
            "increasing order ('2012-01-31' at row 0, then '2012-01-30'), as a table read without parsing its dates "
            "(newest first?) gives them; its rows are read in order as the steps: parse and sort them (s.index = "
            "pd.to_datetime(s.index); s = s.sort_index())") in one_line(err)
    with pytest.raises(ValueError, match=r"row 0, column 'wind' of the nested DataFrame X is a Series whose index "
                                         r"holds dates written as text"):
        as_sequences(pd.DataFrame({"wind": [t["wind"] for t in newest]}), "fit")
    as_sequences([t.set_axis([f"day {i}" for i in range(len(t))]) for t in newest], "fit")  # text that is no date
