"""The twenty-fourth round's estimator cases (E24-*), on real labelled sets in the formats sktime hands them out:
BasicMotions and ArrowHead as nested DataFrames (a row taken out with ``X.iloc[i]``), ItalyPowerDemand as a
"pd-multiindex" frame (67 days of 24 hourly readings) with its levels in the other order."""
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import rnnkit

datasets = pytest.importorskip("sktime.datasets")
QUICK = dict(max_epochs=1, hidden_size=4, batch_size=8, random_state=0)


@pytest.fixture(scope="module")
def motions():
    """BasicMotions' first 16 recordings, three accelerometer channels, every 4th step (25 steps)."""
    X, y = datasets.load_basic_motions(split="train", return_type="nested_univ")
    X = X.iloc[:16, :3].map(lambda s: s.iloc[::4].reset_index(drop=True))
    return X, y[:16]


@pytest.fixture(scope="module")
def italy():
    X, y = datasets.load_italy_power_demand(split="train", return_type="pd-multiindex")
    return X, y


def test_E24_01_a_row_of_a_nested_frame_predicts_as_its_one_row_frame(motions):
    X, y = motions
    est = rnnkit.SequenceClassifier(**QUICK).fit(X, y)
    row = X.iloc[3]  # a Series: its index the channels, each cell a channel's steps
    with warnings.catch_warnings(action="error"):
        got = est.predict_proba(row)
    np.testing.assert_allclose(got, est.predict_proba(X.iloc[3:4]), rtol=0, atol=1e-6)
    assert est.predict(row).tolist() == est.predict(X.iloc[3:4]).tolist()
    with pytest.raises(ValueError, match=r"in another order than at fit; reorder them as \['dim_0', 'dim_1', "
                                         r"'dim_2'\]"):
        est.predict(row[["dim_2", "dim_1", "dim_0"]])
    # fitted on the same data as numpy3D (no names): the row's three channels are still one sequence
    arrays = np.stack([np.stack([c.to_numpy() for c in r]) for r in X.itertuples(index=False)])
    unnamed = rnnkit.SequenceClassifier(layout="nct", **QUICK).fit(arrays, y)
    with pytest.warns(UserWarning, match="X has feature names, but SequenceClassifier was fitted without"):
        got = unnamed.predict_proba(row)
    np.testing.assert_allclose(got, unnamed.predict_proba(arrays[3:4]), rtol=0, atol=1e-6)


def test_E24_01_a_univariate_row_warns_of_no_names_no_more_and_sequences_by_id_stay_sequences():
    X, y = datasets.load_arrow_head(split="train", return_type="nested_univ")
    X = X.iloc[:12].map(lambda s: s.iloc[::10].reset_index(drop=True))
    est = rnnkit.SequenceClassifier(**QUICK).fit(X, y[:12])
    with warnings.catch_warnings(action="error"):
        np.testing.assert_allclose(est.predict_proba(X.iloc[5]), est.predict_proba(X.iloc[5:6]), atol=1e-6)
    by_id = pd.Series({"a": X.iloc[0, 0], "b": X.iloc[1, 0]})  # a Series of sequences by id: two sequences
    with pytest.warns(UserWarning, match="does not have feature names"):
        assert est.predict(by_id).shape == (2,)


def test_E24_02_a_multiindex_named_time_then_id_is_refused_at_predict(italy):
    X, y = italy
    est = rnnkit.SequenceClassifier(**QUICK).fit(X, y)
    named = X.rename_axis(["id", "time"])
    assert est.predict(named).shape == (67,)
    with pytest.raises(ValueError, match=r"SequenceClassifier.predict: X's index levels are \['time', 'id'\]: the "
                                         r"first, read as the instances, is named as a time axis and the second, read "
                                         r"as the time, as ids, .*\(24 'sequences' for 67 ids\); an index is "
                                         r"\(instance, time\): X.swaplevel\(\).sort_index\(\)"):
        est.predict(named.swaplevel().sort_index())
    fixed = named.swaplevel().sort_index().swaplevel().sort_index()
    assert est.predict(fixed).tolist() == est.predict(named).tolist()
    # a day as the instance and its hour as the time, or a date for each day: read as given
    assert est.predict(X.rename_axis(["date", "hour"])).shape == (67,)
    assert est.predict(X.rename_axis(["day_id", "t"])).shape == (67,)


def test_E24_03_fit_on_swapped_levels_names_the_swap_by_ys_count(italy):
    X, y = italy
    swapped = X.swaplevel().sort_index()  # sktime's unnamed levels: (time, instance)
    with pytest.raises(ValueError, match=r"SequenceClassifier.fit: X has 24 instances \(the values of its index's "
                                         r"first level\) but y has 67 entries, as many as the values of its second "
                                         r"level, the time: X's index levels look swapped.*X.swaplevel\(\)"
                                         r".sort_index\(\)"):
        rnnkit.SequenceClassifier(**QUICK).fit(swapped, y)
    with pytest.raises(ValueError, match="X's index levels look swapped"):
        rnnkit.SequenceRegressor(**QUICK).fit(swapped, np.arange(67.0))
    fitted = rnnkit.SequenceClassifier(**QUICK).fit(X, y)
    with pytest.raises(ValueError, match="X's index levels look swapped"):
        fitted.score(swapped, y)



@pytest.fixture(scope="module")
def acsf1():
    """ACSF1's first 30 devices (10 appliances' power), every 50th reading: (30, 30, 1) batch-first."""
    from sktime.datasets import load_from_tsfile

    path = datasets.__file__.rsplit("/", 1)[0] + "/data/ACSF1/ACSF1_TRAIN.ts"
    X, y = load_from_tsfile(path, return_data_type="numpy3D")
    return np.ascontiguousarray(X[:30, :, ::50].transpose(0, 2, 1)).astype(np.float32), y[:30]


def test_E24_08_one_sequence_as_x_i_of_a_univariate_array_warns_it_reads_as_one_step_sequences(acsf1):
    X, y = acsf1
    est = rnnkit.SequenceClassifier(**QUICK).fit(X, y)
    with pytest.warns(UserWarning, match=r"SequenceClassifier.predict: X of shape \(30, 1\) is read as 30 sequences "
                                         r"of one step each .*pass X\[None\] \(or X\[i:i \+ 1\]\)"):
        assert est.predict(X[4]).shape == (30,)
    with warnings.catch_warnings(action="error"):  # the fix named: one prediction
        assert est.predict(X[4][None]).tolist() == est.predict(X[4:5]).tolist()
        assert est.predict(X[:, :, 0]).shape == (30,)  # (n, T) of one feature: read as given
    reg = rnnkit.SequenceRegressor(**QUICK).fit(X, np.arange(30.0))
    with pytest.warns(UserWarning, match="is read as 30 sequences of one step each"):
        reg.predict(torch.from_numpy(X[0]))


def test_E24_09_score_of_a_series_of_another_target_than_the_fitted_column_is_refused():
    from sktime.datasets import load_from_tsfile

    path = datasets.__file__.rsplit("/", 1)[0] + "/data/Covid3Month/Covid3Month_TRAIN.ts"
    X, y = load_from_tsfile(path, return_data_type="numpy3D")
    X = np.ascontiguousarray(X[:24, 0, -14:])  # (n, T): each country's last two weeks of deaths
    frame = pd.DataFrame({"rate": y[:24].astype(float), "deaths": X[:, -1]})
    reg = rnnkit.SequenceRegressor(**QUICK).fit(X, frame[["rate"]])
    with pytest.raises(ValueError, match=r"SequenceRegressor.score: y is the Series 'deaths', but the regressor was "
                                         r"fitted on the target 'rate' \(a DataFrame y's column\); give y that target "
                                         r"\(frame\['rate'\]\), or y.rename\('rate'\)"):
        reg.score(X, frame["deaths"])
    expected = reg.score(X, frame[["rate"]])
    assert reg.score(X, frame["rate"]) == pytest.approx(expected)
    assert reg.score(X, frame["rate"].to_numpy()) == pytest.approx(expected)



def test_E24_12_a_label_column_left_in_the_features_is_warned_of(italy, acsf1):
    X, y = italy
    days = X.index.get_level_values(0)
    leaked = X.assign(class_val=pd.Series(y.astype(int), index=X.index.unique(0)).loc[days].to_numpy())
    with pytest.warns(UserWarning, match=r"SequenceClassifier.fit: X's column 'class_val' holds each sequence's "
                                         r"target: it is constant within every one of the 67 sequences and has "
                                         r"one value per class of the target, .*drop it: "
                                         r"X.drop\(columns=\['class_val'\]\)"):
        rnnkit.SequenceClassifier(**QUICK).fit(leaked, y)
    arrays, labels = acsf1
    frames = [pd.DataFrame({"power": a[:, 0], "code": int(c)}) for a, c in zip(arrays, labels, strict=True)]
    with pytest.warns(UserWarning, match=r"drop it: \[s.drop\(columns=\['code'\]\) for s in X\]"):
        rnnkit.SequenceClassifier(**QUICK).fit(frames, labels)
    rate = np.linspace(0.0, 0.2, len(frames))
    with pytest.warns(UserWarning, match=r"SequenceRegressor.fit: X's column 'pct' .*equals the target \(up to a "
                                         r"scale\)"):
        rnnkit.SequenceRegressor(**QUICK).fit([f.assign(pct=100 * r) for f, r in zip(frames, rate, strict=True)], rate)
    # a static feature that does not give the label away, and an id column left in (one value per sequence),
    # train as before
    plain = [f.drop(columns=["code"]) for f in frames]
    site = [f.assign(site=i % 3) for i, f in enumerate(plain)]
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*holds each sequence's target")
        rnnkit.SequenceClassifier(**QUICK).fit(site, labels)
    ids = [f.assign(sensor=i) for i, f in enumerate(plain)]
    rnnkit.SequenceClassifier(**QUICK).fit(ids, labels)


def test_E24_14_feature_names_in_another_unicode_form_are_named_as_such_by_predict():
    import unicodedata

    rng = np.random.default_rng(0)
    X = [pd.DataFrame({"température": rng.normal(size=6), "b": rng.normal(size=6)}) for _ in range(8)]
    clf = rnnkit.SequenceClassifier(**QUICK).fit(X, np.arange(8) % 2)
    decomposed = unicodedata.normalize("NFD", "température")
    with pytest.raises(ValueError) as e:
        clf.predict([x.rename(columns={"température": decomposed}) for x in X])
    said = str(e.value)
    assert f"missing ['température'], unexpected [{decomposed!r}]" in said
    assert (f"; {decomposed!r} (12 characters) is the model's 'température' (11) in another Unicode form, its "
            "accents composed otherwise (1 such name(s) in all): normalise the names to the model's form, e.g. "
            "unicodedata.normalize('NFC', name)") in said
