"""Sample times for the time-aware estimators: fit/predict/score read the gaps between steps (GRU-D's delta in
the fitted unit), and so do save/load, the command line, export.json, the Streamer and the server."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger, Streamer, time_aware_inputs
from rnnkit.cli import main
from rnnkit.data.sample_times import read_sample_times, time_unit, times_tensor

QUICK = dict(time_aware=True, max_epochs=1, hidden_size=4, random_state=0)


def _data(n=12, T=6, F=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, T, F)).astype("float32")
    X[rng.random(X.shape) < 0.3] = np.nan
    t = np.cumsum(rng.exponential(1.0, (n, T)), axis=1) + 1e9  # epoch-like numbers: relative times keep the gaps
    return X, t, np.arange(n) % 2


def test_a_label_carried_by_the_gaps_alone_is_learned_with_times_and_not_without():
    """Every value is 1, class 0 is sampled every unit of time, class 1 every three: without times the
    sequences are identical (chance, 0.5 exactly, by construction); with them the decays see the gaps."""
    n, T = 40, 10
    X = np.ones((n, T, 1), dtype="float32")
    y = np.arange(n) % 2
    rng = np.random.default_rng(0)
    t = np.cumsum(np.where(y[:, None] == 0, 1.0, 3.0) * np.ones((n, T)), axis=1) + rng.uniform(0, 100, (n, 1))
    timed = SequenceClassifier(time_aware=True, cell="gru", hidden_size=8, max_epochs=40, random_state=0)
    timed.fit(X, y, times=t)
    steps = SequenceClassifier(time_aware=True, cell="gru", hidden_size=8, max_epochs=2, random_state=0).fit(X, y)
    assert timed.time_unit_ == pytest.approx(2.0)  # the median gap of 1s and 3s
    assert steps.time_unit_ is None and steps.score(X, y) == 0.5
    assert timed.score(X, y, times=t) >= 0.9


def test_delta_is_the_time_since_last_observed_in_the_median_gap():
    X = np.array([[[1.0], [np.nan], [np.nan], [2.0]], [[1.0], [2.0], [3.0], [4.0]]], dtype="float32")
    t = np.array([[0.0, 2.0, 4.0, 10.0], [5.0, 7.0, 9.0, 11.0]])
    model = SequenceClassifier(**QUICK).fit(X, [0, 1], times=t)
    assert model.time_unit_ == 2.0 and model.time_kind_ == "numbers"
    x, _, _ = model.prepare_batch(X, times=t)
    delta = x[..., 2].numpy()  # [x, m, delta] of one feature
    np.testing.assert_allclose(delta, [[0, 1, 2, 5], [0, 1, 1, 1]])
    # the same as time_aware_inputs with the times in the fitted unit
    np.testing.assert_allclose(x.numpy(), time_aware_inputs(
        (torch.from_numpy(X) - float(model.x_mean_[0])) / float(model.x_scale_[0]),
        torch.from_numpy((t - t[:, :1]) / 2.0).float()).numpy(), atol=1e-6)


def test_regular_times_read_as_steps():
    """A regular grid in any unit gives the delta of steps: the same predictions as a fit without times."""
    X, _, y = _data()
    grid = np.tile(np.arange(6) * 3600.0, (12, 1))
    a = SequenceClassifier(**QUICK).fit(X, y, times=grid)
    b = SequenceClassifier(**QUICK).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X, times=grid), b.predict_proba(X), atol=1e-6)


def test_times_as_dates_in_zones_index_and_lists_agree():
    X, t, y = _data()
    stamps = [pd.Timestamp("2024-03-30", tz="Europe/London") + pd.to_timedelta(row - 1e9, unit="h") for row in t]
    model = SequenceClassifier(**QUICK).fit(X, y, times=stamps)
    assert model.time_kind_ == "seconds"
    utc = [s.tz_convert("UTC").tz_localize(None).to_numpy() for s in stamps]  # the same instants, naive UTC
    np.testing.assert_allclose(model.predict_proba(X, times=stamps), model.predict_proba(X, times=np.stack(utc)))
    # times="index": a MultiIndex (instance, time) frame's own time level
    frame = pd.concat({i: pd.DataFrame(X[i], index=pd.Index(stamps[i], name="t"), columns=["a", "b"])
                       for i in range(len(X))}, names=["id"])
    model2 = SequenceClassifier(**QUICK).fit(frame, pd.Series(y, index=range(len(X))), times="index")
    assert model2.time_unit_ == pytest.approx(model.time_unit_)
    np.testing.assert_allclose(model2.predict_proba(frame, times="index"), model.predict_proba(X, times=stamps),
                               atol=1e-6)


def test_save_load_keeps_the_unit(tmp_path):
    X, t, y = _data()
    model = SequenceRegressor(**QUICK).fit(X, y.astype(float), times=t)
    model.save(tmp_path / "m")
    loaded = rnnkit.load(tmp_path / "m")
    assert loaded.time_unit_ == model.time_unit_ and loaded.time_kind_ == "numbers"
    np.testing.assert_array_equal(loaded.predict(X, times=t), model.predict(X, times=t))
    assert json.loads((tmp_path / "m" / "config.json").read_text())["fitted"]["time_unit_"] == model.time_unit_


def test_tagger_and_score_read_times():
    X, t, _ = _data()
    labels = [np.arange(6) % 2 for _ in range(12)]
    model = SequenceTagger(**QUICK).fit(list(X), labels, times=list(t))
    predicted = model.predict(list(X), times=list(t))
    assert model.score(list(X), labels, times=list(t)) == np.mean(np.concatenate(predicted) == np.concatenate(labels))
    with pytest.raises(ValueError, match=r"fitted with sample times .*give X's times too: predict\(X, times=...\)"):
        model.score(list(X), labels)


@pytest.mark.parametrize("case, match", [
    ("missing", r"SequenceClassifier.predict: the model was fitted with sample times .*predict\(X, times=...\)"),
    ("kind", r"times are dates or durations, but the model was fitted on plain numbers"),
    ("count", r"times of sequence 1 of X: 5 times for its 6 steps; give one time per step"),
    ("back", r"times of sequence 0 of X: times must be strictly increasing, but step 2 has .* and step 3 has"),
    ("nan", r"times of sequence 0 of X: step 4 has no time \(nan; 1 in all\)"),
    ("text", r"times of sequence 0 of X: are <U10 values \(e.g. '2024-01-01'\), not numbers, dates or durations"),
    ("index", r"times='index' reads the time index of a MultiIndex \(instance, time\) DataFrame X"),
    ("rows", r"times has 3 rows but X has 12 sequences"),
])
def test_bad_times_are_named(case, match):
    X, t, y = _data()
    model = SequenceClassifier(**QUICK).fit(X, y, times=t)
    bad = {"missing": None, "kind": None,
           "count": [t[0], t[1][:5], *t[2:]], "back": np.concatenate([t[:, :3], t[:, 2:5]], axis=1),
           "nan": np.where(np.arange(6) == 4, np.nan, t), "text": np.full((12, 6), "2024-01-01"),
           "index": "index", "rows": t[:3]}[case]
    if case == "kind":
        bad = [pd.to_datetime(row - 1e9, unit="s") for row in t]
    if case == "back":
        bad[0, 3] = bad[0, 2]
    with pytest.raises(ValueError, match=match):
        model.predict(X, times=bad)


def test_times_where_the_model_reads_none_are_refused():
    X, t, y = _data()
    with pytest.raises(ValueError, match=r"fit: times are the sample times .* but time_aware=False: give "
                                         r"time_aware=True with them"):
        SequenceClassifier(max_epochs=1, hidden_size=4).fit(np.nan_to_num(X), y, times=t)
    steps = SequenceClassifier(**QUICK).fit(X, y)
    with pytest.raises(ValueError, match=r"times given, but the model was fitted without them \(its decays count "
                                         r"steps\); leave times out, or refit"):
        steps.predict(X, times=t)


def test_times_in_other_units_than_at_fit_are_warned_of():
    X, t, y = _data()
    model = SequenceClassifier(**QUICK).fit(X, y, times=t)
    with pytest.warns(UserWarning, match=r"the median gap between steps of these times is .* times in other units "
                                         r"than at fit\?"):
        model.predict(X, times=t * 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.predict(X, times=t)


def test_zero_weight_sequences_leave_the_unit():
    X, t, y = _data()
    t[0] = t[0, 0] + np.arange(6) * 1000.0  # one sequence of long gaps, weighed 0
    w = np.ones(12)
    w[0] = 0
    model = SequenceClassifier(**QUICK).fit(X, y, sample_weight=w, times=t)
    rel, _ = read_sample_times(t[1:], X[1:], np.full(11, 6), "test")
    assert model.time_unit_ == pytest.approx(time_unit(rel, np.full(11, 6)))


def test_times_tensor_continues_padding_by_a_unit():
    rel = np.array([[0.0, 4.0, 0.0, 0.0], [0.0, 2.0, 6.0, 8.0]])
    np.testing.assert_allclose(times_tensor(rel, np.array([2, 4]), 2.0).numpy(), [[0, 2, 3, 4], [0, 1, 3, 4]])


@pytest.mark.parametrize("dates", [False, True])
def test_streamer_and_export_read_times_as_predict(tmp_path, dates):
    X, t, y = _data()
    times = ([pd.Timestamp("2024-10-26 22:00", tz="Europe/Paris") + pd.to_timedelta(r - 1e9, unit="h") for r in t]
             if dates else t)
    model = SequenceClassifier(**QUICK).fit(X, y, times=times)
    expected = model.predict_proba(X[:3], times=times[:3])
    rnnkit.export_onnx(model, tmp_path / "e")
    info = json.loads((tmp_path / "e" / "export.json").read_text())["preprocessing"]["time_aware"]
    assert info["time_unit"] == pytest.approx(model.time_unit_) and "g_t = (s_t - s_{t-1}) / time_unit" in \
        info["formula"]
    for streamer in (Streamer(model), Streamer(tmp_path / "e")):
        for i in range(3):
            for k in range(6):
                out = streamer.step(i, X[i, k], time=times[i][k])
            np.testing.assert_allclose(out.probabilities, expected[i], atol=1e-5)
        with pytest.raises(ValueError, match=r"stream 0: time .* is not later than the stream's previous step"):
            streamer.step(0, X[0, 0], time=times[0][0])
        with pytest.raises(ValueError, match=r"stream 7: the model was fitted with sample times; give each step's "
                                             r"time: step\(stream_id, x_t, time=t\)"):
            streamer.step(7, X[0, 0])
        other = 5.0 if dates else pd.Timestamp("2024-01-01")
        with pytest.raises(ValueError, match=r"stream 8: time .* is a (number|date or duration), but the model was "
                                             r"fitted on"):
            streamer.step(8, X[0, 0], time=other)


def test_streamer_refuses_a_time_for_a_model_of_steps():
    X, t, y = _data()
    streamer = Streamer(SequenceClassifier(**QUICK).fit(X, y))
    with pytest.raises(ValueError, match=r"a time was given, but the model was fitted without sample times"):
        streamer.step(0, X[0, 0], time=1.0)
    with pytest.raises(ValueError, match=r"a time was given, but the model was fitted without sample times"):
        streamer.step_many({0: X[0, 0], 1: X[1, 0]}, times={0: 1.0, 1: 2.0})


def test_server_reads_times_as_predict():
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import create_app

    X, t, y = _data()
    stamps = [pd.Timestamp("2024-03-01") + pd.to_timedelta(r - 1e9, unit="h") for r in t]
    model = SequenceRegressor(**QUICK).fit(X, y.astype(float), times=stamps)
    body = lambda times: json.dumps({"sequences": np.where(np.isnan(X[:2]), None, X[:2]).tolist(), "times": times})
    iso = [[v.isoformat() for v in s] for s in stamps[:2]]
    with TestClient(create_app(model)) as client:
        assert client.get("/model").json()["times"] == "dates"
        r = client.post("/predict", content=body(iso))
        assert r.status_code == 200
        np.testing.assert_allclose(r.json()["predictions"], model.predict(X[:2], times=stamps[:2]), rtol=1e-5)
        r = client.post("/predict", content=json.dumps({"sequences": np.nan_to_num(X[:2]).tolist()}))
        assert r.status_code == 400 and 'no key "times"' in r.json()["detail"]
        back = [iso[0], iso[1][:2] + iso[1][1:5]]
        r = client.post("/predict", content=body(back))
        assert r.status_code == 422 and "times of sequence 1 must be strictly increasing" in r.json()["detail"]
        r = client.post("/predict", content=body(t[:2].tolist()))
        assert r.status_code == 422 and "the model reads dates, as ISO text" in r.json()["detail"]


@pytest.mark.parametrize("dates", [False, True])
def test_cli_time_aware_reads_the_time_column_gaps(tmp_path, capsys, dates):
    """rnnkit train --time-aware --time-column: the decays read the column's gaps (once they counted rows, with a
    warning that the gaps went unseen); predict and evaluate read the file's times as the model was trained."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(8):
        t = np.cumsum(rng.uniform(0.1, 5, size=5))
        for j in range(5):
            rows.append({"id": i, "t": t[j], "a": rng.normal(), "b": rng.normal() if j % 2 else np.nan,
                         "target": i % 2})
    df = pd.DataFrame(rows)
    if dates:
        df["t"] = (pd.Timestamp("2024-01-01") + pd.to_timedelta(df["t"] * 3600, unit="s")).astype(str)
    df.to_csv(tmp_path / "d.csv", index=False)
    quick = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "16"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["train", str(tmp_path / "d.csv"), "--task", "classify", "--time-column", "t", "--time-aware",
                     *quick, "--out", str(tmp_path / "m")]) == 0
    assert not [w for w in caught if "uneven" in str(w.message)]
    model = rnnkit.load(tmp_path / "m")
    gaps = np.concatenate([np.diff(g["t"].to_numpy() if not dates else pd.to_datetime(g["t"]).to_numpy()
                                   .astype("int64") / 1e9) for _, g in df.groupby("id")])
    # the training split's median gap, of the same order as the file's
    assert model.time_kind_ == ("seconds" if dates else "numbers")
    assert 0.3 < model.time_unit_ / np.median(gaps) < 3
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m"), str(tmp_path / "d.csv")]) == 0
    X = [g[["a", "b"]].to_numpy("float32") for _, g in df.groupby("id", sort=False)]
    times = [g["t"].to_numpy() if not dates else pd.DatetimeIndex(g["t"]) for _, g in df.groupby("id", sort=False)]
    out = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    np.testing.assert_allclose(out["proba_1"], model.predict_proba(
        [pd.DataFrame(x, columns=["a", "b"]) for x in X], times=times)[:, 1], atol=1e-6)
    # a file without the time column cannot give the model its times
    df.drop(columns="t").to_csv(tmp_path / "n.csv", index=False)
    assert main(["predict", str(tmp_path / "m"), str(tmp_path / "n.csv")]) == 2
    assert "t" in capsys.readouterr().err


def test_a_skipped_step_is_not_warned_of_where_a_time_aware_model_reads_the_gaps(tmp_path):
    from rnnkit.data import read_sequences

    rows = [f"{key},{t},{0.1 * i:.1f},1" for key, ts in {"a": range(6), "b": [0, 1, 2, 4, 5], "c": range(6)}.items()
            for i, t in enumerate(ts)]
    (tmp_path / "gap.csv").write_text("id,t,x,target\n" + "\n".join(rows) + "\n")
    with pytest.warns(UserWarning, match="the rows are read as consecutive steps"):
        read_sequences(tmp_path / "gap.csv", time_column="t")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_sequences(tmp_path / "gap.csv", time_column="t", missing_values=True)
    np.testing.assert_array_equal(table.sample_times[1], [0, 1, 2, 4, 5])


def test_cross_validation_routes_times_to_fit_and_score():
    """scikit-learn's metadata routing splits times with X and hands them to fit and score."""
    import sklearn
    from sklearn.model_selection import cross_validate

    n, T = 24, 6
    X = np.ones((n, T, 1), dtype="float32")
    y = np.arange(n) % 2
    t = np.cumsum(np.where(y[:, None] == 0, 1.0, 3.0) * np.ones((n, T)), axis=1)
    with sklearn.config_context(enable_metadata_routing=True):
        est = SequenceClassifier(**QUICK).set_fit_request(times=True, sample_weight=False)
        est.set_score_request(times=True, sample_weight=False)
        scores = cross_validate(est, X, y, params={"times": t}, cv=2, return_estimator=True)
    for model in scores["estimator"]:
        assert model.time_unit_ == 2.0


def test_float32_epoch_times_are_refused_where_their_gaps_would_be_rounded():
    """Epoch seconds cast to float32 (1.7e9: numbers 128 apart) rounded gaps of 200 s to 128 and 256 without a
    word, or read a minute's gap as 0 ("not increasing"); refused now, naming the spacing; small float32 times
    (relative to the first step) are read as before."""
    X, _, y = _data()
    epoch = (1.7e9 + np.cumsum(np.full((12, 6), 200.0), axis=1)).astype(np.float32)
    with pytest.raises(ValueError, match=r"times of sequence 0 of X: are float32 values as large as 1.7e\+09, where "
                                         r"float32 numbers are 128 apart, so the gaps between steps are rounded"):
        SequenceClassifier(**QUICK).fit(X, y, times=epoch)
    model = SequenceClassifier(**QUICK).fit(X, y, times=np.cumsum(np.full((12, 6), 200.0), axis=1).astype("float32"))
    assert model.time_unit_ == 200.0
    streamer = Streamer(model)
    streamer.step(0, X[0, 0], time=np.float64(1.7e9))
    with pytest.raises(ValueError, match=r"stream 1: time 1.7e\+09 is a float32, whose numbers there are 128 apart"):
        streamer.step(1, X[0, 0], time=np.float32(1.7e9))
