"""rnnkit.data.timeseries and the real-data loaders: values checked against hand-computed expectations."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from torch.utils.data import DataLoader

from rnnkit.data.timeseries import (
    Preprocessor,
    TimeSeriesFrame,
    WindowDataset,
    WindowSpec,
    calendar_features,
    difference,
    rolling_origin,
    sliding_windows,
    split_by_time,
    undifference,
    window_datasets,
)

NAN = np.nan


def hourly(n, start="2021-01-04 00:00"):
    return pd.date_range(start, periods=n, freq="h")


def three_roles(n=10):
    """y = t, p = 100 + t, f = 1000 + t: every value names its row and role."""
    t = np.arange(n, dtype=float)
    df = pd.DataFrame({"time": hourly(n), "y": t, "p": 100 + t, "f": 1000 + t})
    return TimeSeriesFrame.from_pandas(df, time_col="time")


def features(frame, spec, rows=None, **prep):
    prep = Preprocessor(**{"scale": "none", **prep}).fit(frame, rows)
    return prep, prep.transform(frame, spec)


# ----------------------------------------------------------------------------------------------- windows


def test_sliding_windows_content_and_stride():
    x, y = sliding_windows(np.arange(10.0), 3, 2, stride=2)
    np.testing.assert_array_equal(x[..., 0], [[0, 1, 2], [2, 3, 4], [4, 5, 6]])
    np.testing.assert_array_equal(y[..., 0], [[3, 4], [5, 6], [7, 8]])
    v = np.stack([np.arange(6.0), -np.arange(6.0)], axis=1)  # (6, 2)
    x, y = sliding_windows(v, 4, 2)
    assert x.shape == (1, 4, 2) and y.shape == (1, 2, 2)
    np.testing.assert_array_equal(x[0], v[:4])
    np.testing.assert_array_equal(y[0], v[4:])


def test_window_dataset_roles_batch_first():
    frame = three_roles()
    spec = WindowSpec(3, 2, targets=["y"], past_covariates=["p"], future_covariates=["f"])
    _, feats = features(frame, spec)
    ds = WindowDataset(feats, spec)
    assert len(ds) == 10 - 3 - 2 + 1
    assert ds.input_names == ("y", "p", "f") and ds.target_names == ("y",) and ds.future_names == ("f",)
    item = ds[1]
    np.testing.assert_array_equal(item["x"], [[1, 101, 1001], [2, 102, 1002], [3, 103, 1003]])
    np.testing.assert_array_equal(item["y"], [[4], [5]])
    np.testing.assert_array_equal(item["future"], [[1004], [1005]])
    batch = ds[[0, 5]]
    assert batch["x"].shape == (2, 3, 3) and batch["y"].shape == (2, 2, 1)
    assert batch["future"].shape == (2, 2, 1)
    assert batch["x"].dtype == torch.float32
    np.testing.assert_array_equal(batch["y"][:, :, 0], [[3, 4], [8, 9]])
    np.testing.assert_array_equal(ds.target_rows()[[0, 5]], [[3, 4], [8, 9]])
    item["x"][0, 0] = -1  # items are copies, not views of the series
    assert ds[1]["x"][0, 0] == 1


def test_multivariate_targets_and_stride():
    frame = three_roles()
    spec = WindowSpec(2, 3, stride=3, targets=["p", "y"])  # f has no role: unused
    _, feats = features(frame, spec)
    ds = WindowDataset(feats, spec)
    np.testing.assert_array_equal(ds.starts, [0, 3])
    np.testing.assert_array_equal(ds[1]["y"], [[105, 5], [106, 6], [107, 7]])
    assert "future" not in ds[0] and ds.input_names == ("p", "y")


def test_loaders_serve_every_window_once():
    frame = three_roles(40)
    spec = WindowSpec(4, 2, targets=["y"])
    _, feats = features(frame, spec)
    ds = WindowDataset(feats, spec)
    batches = list(ds.loader(8, shuffle=True, generator=torch.Generator().manual_seed(0)))
    assert [b["x"].shape[0] for b in batches] == [8, 8, 8, 8, 3]
    first_targets = torch.cat([b["y"][:, 0, 0] for b in batches])
    assert sorted(first_targets.tolist()) == list(range(4, 39))
    for b in batches:  # each window's target follows its own inputs
        torch.testing.assert_close(b["y"][:, 0, 0], b["x"][:, -1, 0] + 1)
    plain = next(iter(DataLoader(ds, batch_size=4)))  # one window at a time + default_collate
    for k, v in ds[[0, 1, 2, 3]].items():
        torch.testing.assert_close(plain[k], v)
    again = pickle.loads(pickle.dumps(ds))  # what DataLoader workers receive
    torch.testing.assert_close(again[7]["x"], ds[7]["x"])
    np.testing.assert_array_equal(ds.to_arrays()["x"][:, :, 0], np.arange(35)[:, None] + np.arange(4))


# ------------------------------------------------------------------------------------------------ splits


def test_split_by_fraction_and_windows_stay_in_their_part():
    frame = three_roles(20)
    split = split_by_time(frame, val=0.2, test=0.2)
    assert split == (range(0, 12), range(12, 16), range(16, 20))
    spec = WindowSpec(3, 2, targets=["y"])
    _, feats = features(frame, spec)
    parts = [WindowDataset(feats, spec, rows=r) for r in split]
    np.testing.assert_array_equal(parts[0].starts, np.arange(0, 8))  # targets rows 3..11
    np.testing.assert_array_equal(parts[1].starts, [9, 10, 11])  # targets 12..15, inputs from 9
    np.testing.assert_array_equal(parts[2].starts, [13, 14, 15])
    for ds, r in zip(parts, split, strict=True):
        rows = ds.target_rows()
        assert rows.min() == max(r.start, 3) and rows.max() == r.stop - 1  # targets in their part, all used
        x_rows = ds.starts[:, None] + np.arange(3)
        assert (x_rows < rows[:, :1]).all()  # inputs strictly before the targets
    assert parts[0].target_rows().max() < 12 and (parts[0].starts[:, None] + np.arange(3)).max() < 12
    with pytest.raises(ValueError, match=r"rows \[12, 16\) hold no complete window"):
        WindowDataset(feats, spec, rows=split.val, context="within")  # 4 rows < lookback + horizon


def test_context_within_keeps_inputs_inside_the_part():
    frame = three_roles(30)
    split = split_by_time(frame, val=0.2, test=0.2)
    assert split == (range(0, 18), range(18, 24), range(24, 30))
    spec = WindowSpec(3, 2, targets=["y"])
    _, feats = features(frame, spec)
    within = WindowDataset(feats, spec, rows=split.val, context="within")
    np.testing.assert_array_equal(within.starts, [18, 19])
    np.testing.assert_array_equal(within[0]["x"][:, 0], [18, 19, 20])
    np.testing.assert_array_equal(within[1]["y"][:, 0], [22, 23])


def test_split_by_timestamp():
    time = pd.DatetimeIndex(["2021-01-01 00:00", "2021-01-01 01:00", "2021-01-01 03:00", "2021-01-01 07:00"])
    frame = TimeSeriesFrame(np.arange(4.0), time=time)
    split = split_by_time(frame, val_start="2021-01-01 00:30", test_start="2021-01-01 03:00")
    assert split == (range(0, 1), range(1, 2), range(2, 4))
    assert split_by_time(frame, test_start="2021-01-01 05:00") == (range(0, 3), range(3, 3), range(3, 4))
    with pytest.raises(ValueError, match="val_start .* is after test_start"):
        split_by_time(frame, val_start="2021-01-01 04:00", test_start="2021-01-01 02:00")
    with pytest.raises(ValueError, match="so the training part would be empty"):
        split_by_time(frame, test_start="2020-12-31")


def test_rolling_origin_expanding_and_sliding():
    assert list(rolling_origin(10, initial=4, test_size=2)) == [
        (range(0, 4), range(4, 6)),
        (range(0, 6), range(6, 8)),
        (range(0, 8), range(8, 10)),
    ]
    assert list(rolling_origin(10, initial=4, test_size=2, expanding=False)) == [
        (range(0, 4), range(4, 6)),
        (range(2, 6), range(6, 8)),
        (range(4, 8), range(8, 10)),
    ]
    assert list(rolling_origin(10, initial=4, test_size=2, step=3)) == [
        (range(0, 4), range(4, 6)),
        (range(0, 7), range(7, 9)),
    ]
    with pytest.raises(ValueError, match="no fold fits"):
        list(rolling_origin(5, initial=4, test_size=2))


# ------------------------------------------------------------------------------------------------ scaling


def test_scaler_fit_on_train_only_and_inverse_per_target():
    df = pd.DataFrame({"a": [0.0, 2, 4, 6, 100, 200], "b": [10.0, 10, 30, 30, -5, 7]})
    frame = TimeSeriesFrame.from_pandas(df)
    spec = WindowSpec(1, 1, targets=["a", "b"])
    prep = Preprocessor(scale="standard").fit(frame, range(0, 4))
    np.testing.assert_allclose(prep.mean_, [3.0, 20.0])
    np.testing.assert_allclose(prep.scale_, [np.sqrt(5.0), 10.0])  # population std of the 4 train rows
    feats = prep.transform(frame, spec)
    np.testing.assert_allclose(feats.targets[4], [(100 - 3) / np.sqrt(5), (-5 - 20) / 10], rtol=1e-6)
    pred = np.array([[[0.5, -1.0]]])  # (B, H, n_y) in scaled units
    np.testing.assert_allclose(prep.inverse_transform(pred, ["a", "b"]), [[[3 + 0.5 * np.sqrt(5), 10.0]]])
    swapped = prep.inverse_transform(pred[..., ::-1], ["b", "a"])  # columns by name, in any order
    np.testing.assert_allclose(swapped, [[[10.0, 3 + 0.5 * np.sqrt(5)]]])
    t = prep.inverse_transform(torch.from_numpy(feats.targets), ["a", "b"])
    assert isinstance(t, torch.Tensor)
    np.testing.assert_allclose(t.numpy(), df.to_numpy(), rtol=1e-6, atol=1e-5)

    mm = Preprocessor(scale="minmax").fit(frame, range(0, 4))
    feats = mm.transform(frame, spec)
    # [0, 1] on the training rows only: later values fall outside
    np.testing.assert_allclose(feats.targets[:, 0], np.array(df["a"]) / 6, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(feats.targets[:, 1], (np.array(df["b"]) - 10) / 20, rtol=1e-6, atol=1e-6)


def test_window_datasets_fit_on_train_and_invert():
    frame = three_roles(20)
    spec = WindowSpec(3, 2, targets=["y"])
    train, val, test = window_datasets(frame, spec, split_by_time(frame, val=0.2, test=0.2))
    assert train.preprocessor.mean_[0] == 5.5  # mean of y over rows 0..11 only
    np.testing.assert_allclose(test.inverse_transform(test[0]["y"]).numpy()[:, 0], [16, 17], rtol=1e-6)
    no_val = window_datasets(frame, spec, split_by_time(frame, val=0.0, test=0.2))
    assert no_val[1] is None


# ------------------------------------------------------------------------------------- temporal patterns


def test_calendar_features_at_known_timestamps():
    time = pd.DatetimeIndex(["2021-01-04 00:00", "2024-03-01 06:00", "2021-07-11 12:30"])
    values, names = calendar_features(time)
    assert names == (
        "hour_sin", "hour_cos", "weekday_sin", "weekday_cos",
        "month_sin", "month_cos", "dayofyear_sin", "dayofyear_cos",
    )  # fmt: skip
    v = dict(zip(names, values.T, strict=True))
    # Monday 4 January 2021, midnight: every phase but day-of-year is 0
    np.testing.assert_allclose([v[k][0] for k in names[:6]], [0, 1, 0, 1, 0, 1], atol=1e-12)
    np.testing.assert_allclose(v["dayofyear_sin"][0], np.sin(2 * np.pi * 3 / 365))
    # Friday 1 March 2024 (leap year, day 61), 06:00
    np.testing.assert_allclose([v["hour_sin"][1], v["hour_cos"][1]], [1, 0], atol=1e-12)
    np.testing.assert_allclose(v["weekday_sin"][1], np.sin(2 * np.pi * 4 / 7))
    np.testing.assert_allclose([v["month_sin"][1], v["month_cos"][1]], [np.sqrt(3) / 2, 0.5])
    np.testing.assert_allclose(v["dayofyear_cos"][1], np.cos(2 * np.pi * 60 / 366))
    # Sunday 11 July 2021, 12:30: half past noon is just past the half day
    np.testing.assert_allclose(v["hour_sin"][2], np.sin(2 * np.pi * 12.5 / 24))
    np.testing.assert_allclose(v["weekday_sin"][2], np.sin(2 * np.pi * 6 / 7))
    local = pd.DatetimeIndex(["2021-06-01 06:00"]).tz_localize("Europe/Paris")
    np.testing.assert_allclose(calendar_features(local, ["hour"])[0], [[1, 0]], atol=1e-12)  # local hour


def test_calendar_channels_are_known_future_covariates():
    frame = three_roles(30)
    spec = WindowSpec(4, 3, targets=["y"])
    _, feats = features(frame, spec, calendar=("hour",))
    ds = WindowDataset(feats, spec)
    assert ds.input_names == ("y", "hour_sin", "hour_cos") and ds.future_names == ("hour_sin", "hour_cos")
    hours = np.arange(30) % 24
    item = ds[20]
    np.testing.assert_allclose(item["future"][:, 0], np.sin(2 * np.pi * hours[24:27] / 24), atol=1e-6)
    np.testing.assert_allclose(item["x"][:, 2], np.cos(2 * np.pi * hours[20:24] / 24), atol=1e-6)


def test_difference_small_example():
    d, head = difference(np.array([1, 4, 9, 16, 25]))
    np.testing.assert_array_equal(d, [3, 5, 7, 9])
    np.testing.assert_array_equal(head, [1])
    d, head = difference(np.array([1, 4, 9, 16, 25]), 2)
    np.testing.assert_array_equal(d, [8, 12, 16])
    np.testing.assert_array_equal(undifference(d, head), [9, 16, 25])


@pytest.mark.parametrize("lag", [1, 2, 7, 12, 13])
def test_undifference_is_exact(lag):
    rng = np.random.default_rng(lag)
    x = rng.integers(-1000, 1000, size=(50, 3)).astype(np.float64)
    d, head = difference(x, lag)
    assert np.array_equal(undifference(d, head), x[lag:])  # bit-exact on integer-valued data
    d2, head2 = difference(d, 1)  # second order: seasonal then ordinary, inverted in reverse order
    d_back = np.concatenate([head2, undifference(d2, head2)])
    assert np.array_equal(undifference(d_back, head), x[lag:])
    xf = rng.standard_normal((50, 3))
    np.testing.assert_allclose(undifference(*difference(xf, lag)), xf[lag:], rtol=0, atol=1e-12)


def test_undifference_forecasts_along_time_axis():
    rng = np.random.default_rng(0)
    levels = rng.integers(0, 100, size=(4, 20, 2)).astype(np.float64)  # (B, T, n_y)
    lag, horizon = 5, 6
    d, _ = difference(levels, lag, axis=1)  # (B, T - lag, n_y)
    heads = levels[:, -horizon - lag : -horizon]  # last observed values before the forecast
    out = undifference(d[:, -horizon:], heads, axis=1)
    assert np.array_equal(out, levels[:, -horizon:])
    with pytest.raises(ValueError, match="does not fit"):
        undifference(d[:, -horizon:], heads[:, :, :1], axis=1)


# ------------------------------------------------------------------------------------------ missing values


def gappy(time=None):
    values = np.array([[1.0, 10], [NAN, 20], [NAN, 30], [4.0, NAN], [NAN, 50]])
    return TimeSeriesFrame(values, columns=["a", "b"], time=time)


@pytest.mark.parametrize(
    "impute, expected",
    [
        ("ffill", [1, 1, 1, 4, 4]),
        ("mean", [1, 2.5, 2.5, 4, 2.5]),  # mean of the training rows 0..3 (1 and 4), not of the whole series
        ("zero", [1, 0, 0, 4, 0]),
    ],
)
def test_imputation_policies(impute, expected):
    frame = gappy()
    spec = WindowSpec(1, 1, targets=["a"], past_covariates=["b"])
    _, feats = features(frame, spec, rows=range(0, 4), impute=impute)
    np.testing.assert_allclose(feats.inputs[:, 0], expected)
    np.testing.assert_allclose(feats.targets[:, 0], expected)


def test_ffill_before_first_observation_uses_train_mean():
    frame = TimeSeriesFrame(np.array([NAN, NAN, 3.0, 5.0, NAN]))
    _, feats = features(frame, WindowSpec(1, 1), rows=range(0, 4), impute="ffill")
    np.testing.assert_allclose(feats.inputs[:, 0], [4, 4, 3, 5, 5])


def test_mask_and_time_since_channels_regular():
    frame = gappy(time=hourly(5))
    spec = WindowSpec(2, 1, targets=["a"], past_covariates=["b"])
    _, feats = features(frame, spec, impute="ffill", mask=True, time_since=True, time_unit="h")
    assert feats.input_names == ("a", "b", "a_mask", "b_mask", "a_since", "b_since")
    x = dict(zip(feats.input_names, feats.inputs.T, strict=True))
    np.testing.assert_array_equal(x["a_mask"], [1, 0, 0, 1, 0])
    np.testing.assert_array_equal(x["b_mask"], [1, 1, 1, 0, 1])
    # GRU-D δ: time since the previous observation (before t), accumulating over gaps
    np.testing.assert_array_equal(x["a_since"], [0, 1, 2, 3, 1])
    np.testing.assert_array_equal(x["b_since"], [0, 1, 1, 1, 2])
    ds = WindowDataset(feats, spec)
    np.testing.assert_array_equal(ds[[0, 1, 2]]["y_mask"][:, 0, 0], [0, 1, 0])  # rows 2, 3, 4 of a


def test_irregular_sampling_delta_t_and_time_since():
    time = pd.DatetimeIndex(["2021-01-01 00:00", "2021-01-01 01:00", "2021-01-01 03:00", "2021-01-01 04:00",
                             "2021-01-01 10:00"])  # fmt: skip
    frame = gappy(time=time)
    assert len(frame) == 5  # kept as is, not resampled
    spec = WindowSpec(2, 1, targets=["a"])
    _, feats = features(frame, spec, impute="zero", time_since=True, delta_t=True, time_unit="h")
    x = dict(zip(feats.input_names, feats.inputs.T, strict=True))
    np.testing.assert_array_equal(x["delta_t"], [0, 1, 2, 1, 6])
    np.testing.assert_array_equal(x["a_since"], [0, 1, 3, 4, 6])
    _, in_seconds = features(frame, spec, impute="zero", delta_t=True)  # default unit: seconds
    np.testing.assert_array_equal(in_seconds.inputs[:, -1], [0, 3600, 7200, 3600, 21600])
    numeric = TimeSeriesFrame(np.arange(3.0), time=[0.0, 0.5, 2.0])  # numeric time: its own units
    _, feats = features(numeric, WindowSpec(1, 1), delta_t=True)
    np.testing.assert_array_equal(feats.inputs[:, -1], [0, 0.5, 1.5])
    _, feats = features(TimeSeriesFrame(np.arange(3.0)), WindowSpec(1, 1), delta_t=True)  # no time: steps
    np.testing.assert_array_equal(feats.inputs[:, -1], [0, 1, 1])


def test_resample_only_when_asked():
    time = pd.DatetimeIndex(["2021-01-01 00:00", "2021-01-01 00:30", "2021-01-01 02:00"])
    frame = TimeSeriesFrame(np.array([1.0, 3.0, 5.0]), columns=["v"], time=time)
    mean = frame.resample("1h")
    np.testing.assert_array_equal(mean.values[:, 0], [2, NAN, 5])
    assert list(mean.time) == list(hourly(3, "2021-01-01"))
    np.testing.assert_array_equal(frame.resample("1h", agg="sum").values[:, 0], [4, NAN, 5])  # empty: NaN
    np.testing.assert_array_equal(frame.resample("1h", agg="last").values[:, 0], [3, NAN, 5])
    with pytest.raises(ValueError, match="agg='mode'"):
        frame.resample("1h", agg="mode")


# -------------------------------------------------------------------------------------------- bad input


def test_nan_with_policy_none_names_column_row_and_fix():
    frame = gappy(time=hourly(5))
    prep = Preprocessor().fit(frame)
    with pytest.raises(ValueError, match=r"column 'a' .* row 1 \(time 2021-01-04 01:00:00\).*impute='ffill'"):
        prep.transform(frame, WindowSpec(1, 1, targets=["a"]))
    with pytest.raises(ValueError, match=r"column 'b' .* row 3 "):
        prep.transform(frame.resample("1h"), WindowSpec(1, 1, targets=["b"]))


def test_timestamps_must_increase_without_duplicates():
    v = np.arange(4.0)
    with pytest.raises(ValueError, match=r"not increasing: row 2 .*sort_values\('time'\)"):
        TimeSeriesFrame(v, time=pd.DatetimeIndex(["2021-01-01", "2021-01-03", "2021-01-02", "2021-01-04"]))
    df = pd.DataFrame({"t": ["2021-01-01", "2021-01-02", "2021-01-02", "2021-01-03"], "v": v})
    with pytest.raises(ValueError, match=r"duplicate timestamp 2021-01-02 00:00:00 at rows 1 and 2.*groupby"):
        TimeSeriesFrame.from_pandas(df, time_col="t")
    with pytest.raises(ValueError, match="missing at row 1"):
        TimeSeriesFrame(v, time=pd.DatetimeIndex(["2021-01-01", None, "2021-01-02", "2021-01-04"]))


def test_window_longer_than_series():
    frame = three_roles(5)
    _, feats = features(frame, WindowSpec(4, 2, targets=["y"]))
    with pytest.raises(ValueError, match=r"lookback \(4\) \+ horizon \(2\) = 6 steps .* has 5"):
        WindowDataset(feats, WindowSpec(4, 2, targets=["y"]))
    with pytest.raises(ValueError, match="lookback"):
        sliding_windows(np.zeros(3), 3, 1)


@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_non_numeric_and_empty_inputs(tmp_path):
    df = pd.DataFrame({"t": hourly(3), "v": [1.0, 2, 3], "city": ["a", "b", "c"]})
    with pytest.raises(ValueError, match=r"value column 'city' has dtype .* pd.to_numeric"):
        TimeSeriesFrame.from_pandas(df, time_col="t")
    assert TimeSeriesFrame.from_pandas(df, time_col="t", value_cols=["v"]).columns == ("v",)
    with pytest.raises(ValueError, match="DataFrame is empty"):
        TimeSeriesFrame.from_pandas(df.iloc[:0], time_col="t")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="is empty"):
        TimeSeriesFrame.from_csv(empty)
    header = tmp_path / "header.csv"
    header.write_text("time,v\n")
    with pytest.raises(ValueError, match="no data row"):
        TimeSeriesFrame.from_csv(header, time_col="time")
    with pytest.raises(ValueError, match="could not be read as datetimes"):
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ["x", "y"], "v": [1.0, 2]}), time_col="t")


def test_bad_spec_and_options():
    with pytest.raises(ValueError, match="lookback must be a positive integer"):
        WindowSpec(0, 1)
    with pytest.raises(ValueError, match="two roles"):
        WindowSpec(2, 1, targets=["a"], past_covariates=["a"])
    frame = three_roles()
    with pytest.raises(ValueError, match=r"unknown columns \['q'\]"):
        features(frame, WindowSpec(2, 1, targets=["q"]))
    with pytest.raises(ValueError, match="impute='bfill'"):
        Preprocessor(impute="bfill")
    with pytest.raises(ValueError, match="not fitted"):
        Preprocessor().transform(frame, WindowSpec(2, 1))


def test_from_csv_reads_time_and_values(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("when,load,temp\n2021-01-01 00:00,1.5,10\n2021-01-01 01:00,2.5,\n2021-01-01 03:00,3.5,12")
    frame = TimeSeriesFrame.from_csv(path, time_col="when")
    assert frame.columns == ("load", "temp")
    assert list(frame.time.hour) == [0, 1, 3] and frame.time[0] == pd.Timestamp("2021-01-01")
    np.testing.assert_array_equal(frame.values, [[1.5, 10], [2.5, NAN], [3.5, 12]])
    np.testing.assert_array_equal(frame.elapsed(unit="h"), [0, 1, 3])


# ------------------------------------------------------------------------------------------- real data


def test_airline_seasonal_difference_round_trip_and_windows():
    from rnnkit.data.datasets import load_airline

    y = load_airline()
    assert len(y) == 144 and y.index[0] == pd.Timestamp("1949-01-01") and y.iloc[0] == 112.0
    frame = TimeSeriesFrame.from_pandas(y)
    d, head = difference(frame.values, 12)
    assert np.array_equal(undifference(d, head), frame.values[12:])
    spec = WindowSpec(24, 12)
    train, val, test = window_datasets(frame, spec, split_by_time(frame, val=0.0, test=12 / 144))
    assert val is None and len(test) == 1 and len(train) == 132 - 36 + 1
    np.testing.assert_allclose(test.inverse_transform(test[0]["y"]).numpy()[:, 0], y.iloc[-12:], rtol=1e-5)


def test_co2_missing_weeks():
    from rnnkit.data.datasets import load_co2

    frame = TimeSeriesFrame.from_pandas(load_co2())
    missing = np.isnan(frame.values[:, 0])
    assert len(frame) == 2284 and missing.sum() == 59
    split = split_by_time(frame)
    first = int(np.flatnonzero(missing)[0])
    with pytest.raises(ValueError, match=f"column 'co2' has a missing value \\(NaN\\) at row {first} "):
        window_datasets(frame, WindowSpec(52, 4), split)
    prep = Preprocessor(impute="ffill", mask=True, time_since=True, time_unit="D")
    train, _, _ = window_datasets(frame, WindowSpec(52, 4), split, prep)
    x = train.features.inputs
    np.testing.assert_array_equal(x[:, 1], ~missing)
    assert not np.isnan(x).any() and set(np.unique(x[1:, 2])) >= {7.0, 14.0}  # weekly: δ of 7 or 14 days


def test_sf_temps_uneven_hour_kept():
    from rnnkit.data.datasets import load_sf_temps

    frame = TimeSeriesFrame.from_pandas(load_sf_temps())
    assert len(frame) == 8759
    _, feats = features(frame, WindowSpec(24, 1), delta_t=True, time_unit="h")
    dt = feats.inputs[:, -1]
    assert np.flatnonzero(dt == 2).tolist() == [1731] and (np.delete(dt, [0, 1731]) == 1).all()
    assert frame.time[1731] == pd.Timestamp("2010-03-14 04:00")  # 03:00 absent (daylight-saving day)
    assert len(frame.resample("1h")) == 8760
