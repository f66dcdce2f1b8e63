"""The twenty-second round's real datasets that no test had used, brought through rnnkit as a new user would:
gymnasium's CartPole and Pendulum episodes (rolled out here, a few milliseconds each) to the time-series frames,
the forecasters, the event vocabulary and the ``.npz`` reader (R22-01 … R22-08); sktime's solar series and the
Shakespeare texts were read right and have no row."""
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

import rnnkit
from rnnkit.data import TimeSeriesFrame, Vocab, calendar_features, read_sequences

gym = pytest.importorskip("gymnasium")


def _episodes(env_name: str, n: int, *, max_steps: int | None = None, seed: int = 0):
    """``n`` episodes of a random policy: (observations (T, F), actions (T, ...)) each, as a user collects them."""
    env = gym.make(env_name)
    env.action_space.seed(seed)
    episodes = []
    for i in range(n):
        obs, _ = env.reset(seed=seed + i)
        observations, actions, done = [], [], False
        while not done and (max_steps is None or len(actions) < max_steps):
            action = env.action_space.sample()
            observations.append(obs)
            actions.append(action)
            obs, _, terminated, truncated, _ = env.step(action)
            done = terminated or truncated
        episodes.append((np.array(observations), np.array(actions)))
    env.close()
    return episodes


@pytest.fixture(scope="module")
def pendulum():
    return _episodes("Pendulum-v1", 3, max_steps=40)


@pytest.fixture(scope="module")
def cartpole():
    return _episodes("CartPole-v1", 6)


def _panel(episodes) -> pd.DataFrame:
    rows = [dict(episode=i, step=k, thetadot=float(obs[k, 2]), torque=float(act[k, 0]))
            for i, (obs, act) in enumerate(episodes) for k in range(len(obs))]
    return pd.DataFrame(rows)


def test_R22_01_a_dataframe_given_to_the_constructor_is_refused_not_stripped_of_its_names_and_times(pendulum):
    obs, act = pendulum[0]
    df = pd.DataFrame({"cos": obs[:, 0], "thetadot": obs[:, 2]}, index=pd.Index(np.arange(40) * 0.05, name="t"))
    with pytest.raises(ValueError, match=r"got a DataFrame, whose numbers alone it would read: its column names "
                                         r"\['cos', 'thetadot'\] and its index t \(Index: 0.0, 0.05, \.\.\.\) would "
                                         r"be dropped; build it with TimeSeriesFrame.from_pandas\(data\)"):
        TimeSeriesFrame(df)
    with pytest.raises(ValueError, match=r"got a Series, .*its name 'thetadot' would be dropped"):
        TimeSeriesFrame(df["thetadot"].reset_index(drop=True))
    fixed = TimeSeriesFrame.from_pandas(df)
    assert fixed.columns == ("cos", "thetadot") and fixed.time[1] == 0.05
    # what loses nothing reads as before: an array, or names and times given again
    again = TimeSeriesFrame(df, columns=["a", "b"], time=df.index.to_numpy())
    assert again.columns == ("a", "b") and np.array_equal(again.values, df.to_numpy(np.float64))
    assert TimeSeriesFrame(pd.Series([1.0, 2.0])).columns == ("x0",)


def test_R22_02_token_sequences_as_tensors_or_arrays_of_ids_are_read_as_their_numbers(cartpole):
    actions = [torch.as_tensor(act) for _, act in cartpole]  # gymnasium's discrete actions, int64
    vocab = Vocab.build(actions, level="token")
    assert vocab.itos[4:] == [1, 0] or vocab.itos[4:] == [0, 1]  # two tokens, not one per element
    ids = vocab.encode(actions[0])
    assert ids.tolist() == [vocab.stoi[a] for a in cartpole[0][1].tolist()] and vocab.unk_id not in ids.tolist()
    arrays = Vocab.build([act for _, act in cartpole], level="token")
    assert arrays.itos == vocab.itos and all(type(t) is int for t in arrays.itos[4:])
    with pytest.raises(ValueError, match=r"tokens are both text \('1'\) and numbers \(1\), .*\[str\(t\) for t in "
                                         r"tokens\]"):
        Vocab.build([["1", "0"], [1, 0]], level="token")
    with pytest.raises(ValueError, match=r"text 0 of the corpus: a token sequence must be 1-D, got a ndarray of "
                                         r"shape \(2, 3\)"):
        Vocab.build([np.zeros((2, 3), dtype=int)], level="token")


def test_R22_02_a_vocabulary_of_numpy_ids_saves_and_loads(cartpole, tmp_path):
    vocab = Vocab.build([act for _, act in cartpole], level="token")
    vocab.save(tmp_path / "vocab.json")  # numpy's int64 is no JSON number
    loaded = Vocab.load(tmp_path / "vocab.json")
    assert loaded.itos == vocab.itos
    assert torch.equal(loaded.encode(cartpole[1][1]), vocab.encode(cartpole[1][1]))


def test_R22_03_calendar_features_of_numbers_are_refused_not_read_as_nanoseconds(pendulum):
    seconds = np.arange(40) * 0.05  # Pendulum's clock, dt = 0.05 s
    with pytest.raises(ValueError, match=r"calendar_features reads dates, but got numbers \(0.0, 0.05, \.\.\.\), "
                                         r"which would be read as nanoseconds since 1970 .*pd.to_datetime\(t, "
                                         r"unit='s'\)"):
        calendar_features(seconds, ["hour"])
    with pytest.raises(ValueError, match=r"\(1950 as 1970-01-01 00:00:00.000001950\).*format='%Y'\) for years"):
        calendar_features(np.arange(1950, 1953), ["month"])
    months = calendar_features(pd.period_range("2020-01", periods=3, freq="M"), ["month"])[0]
    np.testing.assert_allclose(months[:, 0], np.sin(2 * np.pi * np.arange(3) / 12))
    series = pd.Series(pendulum[0][0][:, 2], index=pd.Index(seconds, name="t"), name="thetadot")
    with pytest.raises(ValueError, match=r"calendar features \(\['hour'\]\) read dates, but the series has a time "
                                         r"axis 't' of numbers \(0.0, 0.05, \.\.\.\), which have no hour or month"):
        rnnkit.Forecaster(horizon=2, max_epochs=1, model="direct", calendar=["hour"]).fit(series)


def test_R22_04_a_column_of_arrays_per_row_is_named_with_the_unpacking(pendulum, tmp_path):
    obs, act = pendulum[0]
    df = pd.DataFrame({"thetadot": obs[:, 2], "torque": list(act)})  # Box actions: a (1,) array per step
    fix = r"df\['torque'\] = np.stack\(df\['torque'\].to_numpy\(\)\)\[:, 0\]"
    with pytest.raises(ValueError, match=r"value column 'torque' holds an array at each row \(\[0.5478.*\] at row 0, "
                                         r"1 value; .*\), not one number: give each value a column of its own, e.g. "
                                         + fix):
        rnnkit.Forecaster(horizon=2, max_epochs=1).fit(df, targets=["thetadot"])
    with pytest.raises(ValueError, match=r"value column 'obs' holds an array at each row .*3 values.*df.join\("
                                         r"pd.DataFrame\(np.stack\(df.pop\('obs'\).to_numpy\(\)\)"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"obs": list(obs)}))
    panel = _panel(pendulum).assign(torque=[np.array([v]) for v in _panel(pendulum).torque])
    with pytest.raises(ValueError, match=r"series 0, row 0: column 'torque' holds an array at each row .*" + fix):
        rnnkit.GlobalForecaster(lookback=8, horizon=2, max_epochs=1).fit(
            panel, id_col="episode", time_col="step", target="thetadot", future_covariates=["torque"])
    panel.to_csv(tmp_path / "episodes.csv", index=False)  # to_csv writes each array as '[0.54784673]'
    with pytest.raises(ValueError, match=r"episodes.csv, line 2: feature column 'torque' holds arrays written as "
                                         r"text \('\[0.5478.*\]', as to_csv writes"):
        read_sequences(tmp_path / "episodes.csv", id_column="episode", time_column="step", target_column=None)
    fixed = df.assign(torque=np.stack(df["torque"].to_numpy())[:, 0])  # the fix named reads
    assert TimeSeriesFrame.from_pandas(fixed).values[0, 1] == pytest.approx(float(act[0, 0]))


def test_R22_05_episodes_stacked_with_their_id_column_are_not_forecast_as_a_value(pendulum):
    stacked = _panel(pendulum)[["episode", "thetadot"]]  # three episodes one after another, a RangeIndex
    with pytest.raises(ValueError, match=r"column 'episode' holds a series id by its name \(0 on rows 0..39, 1 from "
                                         r"row 40: 3 series stacked one after another\), which would be forecast as "
                                         r"a value; .*GlobalForecaster .*id_col='episode'.*data\[data\['episode'\] "
                                         r"== 0\]"):
        rnnkit.Forecaster(horizon=2, max_epochs=1).fit(stacked)
    # a column of that name that does not run in blocks is read as before (a value of its own)
    from rnnkit.forecast.series import as_frame

    frame = as_frame(pd.DataFrame({"episode": np.arange(40.0) % 3, "thetadot": pendulum[0][0][:, 2]}))
    assert frame.columns == ("episode", "thetadot") and len(frame) == 40


def _padded(episodes, fill: float) -> np.ndarray:
    T = max(len(obs) for obs, _ in episodes)
    X = np.full((len(episodes), T, 4), fill, np.float32)
    for i, (obs, _) in enumerate(episodes):
        X[i, : len(obs)] = obs
    return X


def test_R22_06_an_npz_of_episodes_of_different_lengths_as_objects_names_padding_and_lengths(cartpole, tmp_path):
    X = np.empty(len(cartpole), dtype=object)
    X[:] = [obs for obs, _ in cartpole]  # np.array(seqs, dtype=object)
    np.savez(tmp_path / "ragged.npz", X=X, y=np.arange(6) % 2)
    with pytest.raises(ValueError, match=r"array 'X' holds Python objects \(dtype object\), .*it has shape \(6,\), "
                                         r"one object per sequence: .*pad them into one \(n, T, F\) array and save "
                                         r"each one's length with it: np.savez\(path, "
                                         r"X=rnnkit.data.pad_sequences\(seqs\).numpy\(\), "
                                         r"lengths=\[len\(s\) for s in seqs\], y=y\)"):
        read_sequences(tmp_path / "ragged.npz")
    seqs = [obs for obs, _ in cartpole]  # the fix named reads each episode at its own length
    np.savez(tmp_path / "fixed.npz", X=rnnkit.data.pad_sequences(seqs).numpy(), lengths=[len(s) for s in seqs],
             y=np.arange(6) % 2)
    table = read_sequences(tmp_path / "fixed.npz")
    assert [len(x) for x in table.X] == [len(s) for s in seqs]
    np.testing.assert_array_equal(table.X[0], seqs[0])


def test_R22_07_an_npz_padded_with_nan_and_no_lengths_names_the_padding(cartpole, tmp_path):
    np.savez(tmp_path / "nan.npz", X=_padded(cartpole, np.nan), y=np.arange(6) % 2)
    first = len(cartpole[0][0])
    with pytest.raises(ValueError, match=rf"5 of 6 sequences end in steps that are NaN in every feature \(the "
                                         rf"sequence at npz index 0: steps {first}..59 of 60\): padding after each "
                                         r"sequence's end\? save the lengths with X"):
        read_sequences(tmp_path / "nan.npz")


def test_R22_08_an_npz_padded_with_zeros_and_no_lengths_is_warned_of(cartpole, tmp_path):
    np.savez(tmp_path / "zeros.npz", X=_padded(cartpole, 0.0), y=np.arange(6) % 2)
    first = len(cartpole[0][0])
    with pytest.warns(UserWarning, match=rf"5 of 6 sequences end in steps that are 0 in every feature \(the sequence "
                                         rf"at npz index 0: steps {first}..59 of 60\), read as steps of those "
                                         r"sequences: zero padding.*save lengths=np.full\(n, 60\) with X to say so"):
        table = read_sequences(tmp_path / "zeros.npz")
    assert [len(x) for x in table.X] == [60] * 6  # read as before, with the word
    np.savez(tmp_path / "said.npz", X=_padded(cartpole, 0.0), y=np.arange(6) % 2, lengths=np.full(6, 60))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_sequences(tmp_path / "said.npz")
    full = _padded(cartpole, 0.0)[:, :12]  # every episode at least 12 steps: no padding, no warning
    np.savez(tmp_path / "cut.npz", X=full, y=np.arange(6) % 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(read_sequences(tmp_path / "cut.npz").X) == 6


def test_R22_09_rnnkit_forecast_on_episodes_numbered_0_1_2_in_one_csv_names_the_panel(pendulum, tmp_path):
    from rnnkit.forecast.series import read_series_csv

    _panel(pendulum)[["episode", "step", "thetadot"]].to_csv(tmp_path / "episodes.csv", index=False)
    with pytest.raises(ValueError, match=r"episodes.csv: the time column 'step' goes back at line 42 \(0 after 39 on "
                                         r"line 41\), where column 'episode' changes from 0 to 1: the file looks like "
                                         r"3 series in one \(a long panel\), .*GlobalForecaster\(\.\.\.\).fit\(df, "
                                         r"id_col='episode', time_col='step', target='thetadot'\)"):
        read_series_csv(tmp_path / "episodes.csv", time_column="step", target_column="thetadot")
    # a numbered column of another name is no id to name: the advice as before
    _panel(pendulum)[["step", "thetadot"]].assign(run=_panel(pendulum).episode).to_csv(tmp_path / "r.csv", index=False)
    with pytest.raises(ValueError, match=r"goes back at line 42 \(0 after 39 on line 41\); give one row per timestamp"):
        read_series_csv(tmp_path / "r.csv", time_column="step", target_column="thetadot")


def test_R22_10_a_panel_with_many_episodes_too_short_names_them_all_and_the_filter():
    episodes = _episodes("CartPole-v1", 20)  # a random policy: episodes of 9 to 60 steps
    rows = [dict(episode=i, step=k, angle=float(obs[k, 2])) for i, (obs, _) in enumerate(episodes)
            for k in range(len(obs))]
    panel = pd.DataFrame(rows)
    short = sum(len(obs) < 20 for obs, _ in episodes)
    assert short > 1
    model = rnnkit.GlobalForecaster(lookback=16, horizon=4, max_epochs=1)
    with pytest.raises(ValueError, match=rf"{short} of the 20 series have fewer rows than lookback \+ horizon = 20, "
                                         r"which fit needs of every series: 0 \(\d+ rows\), .*; drop them from the "
                                         r"panel \(data.groupby\('episode'\).filter\(lambda s: len\(s\) >= 20\)\), or "
                                         rf"shorten lookback or horizon \(the shortest series has "
                                         rf"{min(len(obs) for obs, _ in episodes)} rows\)"):
        model.fit(panel, id_col="episode", time_col="step", target="angle")
    kept = panel.groupby("episode").filter(lambda s: len(s) >= 20)  # the fix named keeps the long ones whole
    assert kept["episode"].nunique() == 20 - short and kept.groupby("episode").size().min() >= 20
