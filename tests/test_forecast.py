"""Forecaster: learns a seasonal series, future index, exact inverse scaling, leak-free backtests, the GRU-D
channels, known-future covariates, quantile intervals, save/load, and a ValueError for every bad input."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

import rnnkit
from rnnkit import GRUCell, TimeAware
from rnnkit.forecast import DirectForecastNet, Forecaster, ForecastModule, infer_season_length
from rnnkit.models import SequenceToLabel


def seasonal(n=240, *, freq="MS", slope=0.05, start="2000-01-01", name="y") -> pd.Series:
    """Noiseless trend + yearly sine: 10 + slope t + 3 sin(2πt/12)."""
    t = np.arange(n)
    values = 10 + slope * t + 3 * np.sin(2 * np.pi * t / 12)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq=freq), name=name)


def promo_frame(n=300, *, seed=0, noise=0.1) -> pd.DataFrame:
    """y_t = promo_t + ε_t, ε ~ N(0, noise²), promo i.i.d. N(0, 1): nothing in the past tells promo_{T+h}, so
    only a model that reads the known-future covariate over the horizon can forecast y."""
    rng = np.random.default_rng(seed)
    promo = rng.normal(size=n)
    return pd.DataFrame({"y": promo + noise * rng.normal(size=n), "promo": promo},
                        index=pd.date_range("2020-01-01", periods=n, freq="D"))


def next_days(df: pd.DataFrame, h: int) -> pd.DatetimeIndex:
    return pd.date_range(df.index[-1], periods=h + 1, freq="D")[1:]


def quick(**kw) -> Forecaster:
    # relative=True: these tests were measured with the form that predicts changes (the "auto" rule's
    # choices are tested in test_forecast_defaults.py); the direct model (the hybrid: test_forecast_hybrid.py)
    return Forecaster(**{"lookback": 24, "horizon": 6, "cell": "gru", "hidden_size": 16, "max_epochs": 2,
                         "relative": True, "model": "direct", "random_state": 0, "device": "cpu", **kw})


# -- learning ----------------------------------------------------------------------------------------------
def test_learns_noiseless_seasonal_series_and_beats_the_baselines():
    bt = quick(hidden_size=32, max_epochs=20).backtest(seasonal(), folds=2)
    mae = bt["mae"].mean()
    assert mae["naive"] == pytest.approx(3.366, abs=1e-3)  # baselines are exact functions of the data
    assert mae["seasonal_naive"] == pytest.approx(12 * 0.05)  # a year of trend
    # measured 0.030-0.075 over random_state 0-4 (1 and 2 threads), the worst fold's MASE 0.136 against 1.0
    assert mae["forecaster"] < mae["seasonal_naive"] / 3
    assert (bt["mase"]["forecaster"] < bt["mase"]["seasonal_naive"]).all()


def test_relative_net_with_a_zero_head_is_the_naive_forecast():
    net = DirectForecastNet(SequenceToLabel(3, 8, 4 * 2, cell="gru"), 4, 2, relative=True)
    torch.nn.init.zeros_(net.net.head.linear.weight)
    torch.nn.init.zeros_(net.net.head.linear.bias)
    x = torch.randn(5, 7, 3)
    out, _ = net(x)
    assert torch.equal(out.view(5, 4, 2), x[:, -1, None, :2].expand(5, 4, 2))


def test_loss_counts_observed_targets_only():
    module = ForecastModule(DirectForecastNet(SequenceToLabel(1, 4, 3), 3, 1, relative=False))
    out = torch.tensor([[1.0, 2.0, 3.0]])
    y = torch.tensor([[[0.0, 100.0, 1.0]], [[1.0, 0.0, 1.0]]]).transpose(0, 1)  # (1, 2, 3): values, mask
    assert module.loss(out, y).item() == pytest.approx((1.0 + 4.0) / 2)


# -- predict -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("freq", ["MS", "W-SAT", "h", "D"])
def test_predict_is_indexed_by_the_next_timestamps(freq):
    y = seasonal(60, freq=freq, start="2001-01-06").rename_axis("when")
    f = quick().fit(y)
    pred = f.predict()
    expected = pd.date_range(y.index[-1], periods=7, freq=freq)[1:]
    assert isinstance(pred, pd.Series) and pred.name == "y" and pred.index.name == "when"
    assert list(pred.index) == list(expected)
    assert f.freq_ == freq
    np.testing.assert_array_equal(f.predict(3).to_numpy(), pred.to_numpy()[:3])


def test_dataframe_with_covariate_and_calendar_predicts_its_targets():
    y = seasonal(80)
    df = pd.DataFrame({"y": y, "x": np.cos(np.arange(80.0))}, index=y.index)
    f = quick(calendar=("month",)).fit(df, targets=["y"])
    assert f.input_names_ == ("y", "x", "month_sin", "month_cos")
    pred = f.predict()
    assert isinstance(pred, pd.DataFrame) and list(pred.columns) == ["y"] and len(pred) == 6


def test_time_column_and_predict_from_new_data():
    y = seasonal(60)
    df = pd.DataFrame({"t": y.index.astype(str), "y": y.to_numpy()})
    f = quick().fit(df, time_col="t")
    pred = f.predict(data=df.iloc[:50], time_col="t")
    assert pred.index[0] == str(y.index[50].date())  # text times come back as text, in their form (F14-01)


def test_inverse_scaling_is_exact():
    """Standard scaling makes a*y + b train exactly like y, so the forecasts must be a*p + b."""
    y = seasonal(100)
    p1 = quick(max_epochs=3).fit(y).predict()
    p2 = quick(max_epochs=3).fit(1000 * y - 7).predict()
    np.testing.assert_allclose(p2.to_numpy(), 1000 * p1.to_numpy() - 7, rtol=1e-6)
    f = quick(max_epochs=3, relative=False).fit(y)
    x = torch.tensor((y.to_numpy()[-24:] - y.mean()) / y.std(ddof=0), dtype=torch.float32)
    by_hand = f.model_(x[None, :, None])[0][0].detach().numpy() * y.std(ddof=0) + y.mean()
    np.testing.assert_allclose(f.predict().to_numpy(), by_hand, rtol=1e-6)


def test_historical_forecasts_match_predict_from_each_origin():
    y = seasonal(80)
    f = quick().fit(y)
    hf = f.historical_forecasts(start=y.index[60])
    assert hf.index[0] == y.index[60] and hf.index[-1] == y.index[-6]  # only whole horizons
    assert list(hf.columns) == [("y", h) for h in range(1, 7)]
    for origin in (60, 67, 74):
        np.testing.assert_allclose(hf.loc[y.index[origin]].to_numpy(),
                                   f.predict(data=y.iloc[:origin]).to_numpy(), rtol=1e-6)


# -- backtest ----------------------------------------------------------------------------------------------
def test_backtest_folds_do_not_leak_and_baselines_are_exact():
    y = seasonal(120, slope=0.0) + np.random.default_rng(0).normal(0, 0.1, 120)
    f = quick()
    errors, forecasts = f.backtest(y, folds=2, return_forecasts=True)
    assert not hasattr(f, "model_")  # backtest fits copies
    origins = [y.index[108], y.index[114]]  # the last two horizons tile the end
    assert list(errors.index) == origins
    first = forecasts[forecasts["origin"] == origins[0]]
    np.testing.assert_array_equal(first["naive"], np.full(6, y.iloc[107]))
    np.testing.assert_array_equal(first["seasonal_naive"], y.iloc[96:102].to_numpy())
    np.testing.assert_array_equal(first["actual"], y.iloc[108:114].to_numpy())
    e = first["forecaster"] - first["actual"]
    mase_scale = np.abs(y.iloc[12:108].to_numpy() - y.iloc[:96].to_numpy()).mean()
    assert errors.loc[origins[0], ("mae", "forecaster")] == pytest.approx(np.abs(e).mean())
    assert errors.loc[origins[0], ("rmse", "forecaster")] == pytest.approx(np.sqrt((e**2).mean()))
    assert errors.loc[origins[0], ("mase", "forecaster")] == pytest.approx(np.abs(e).mean() / mase_scale)
    smape = 200 * np.mean(np.abs(e) / (first["actual"].abs() + first["forecaster"].abs()))
    assert errors.loc[origins[0], ("smape", "forecaster")] == pytest.approx(smape)

    future_changed = y.copy()
    future_changed.iloc[108:] = 1e6  # everything from the first origin on
    _, changed = f.backtest(future_changed, folds=2, return_forecasts=True)
    cols = ["forecaster", "naive", "seasonal_naive"]
    np.testing.assert_array_equal(changed[changed["origin"] == origins[0]][cols], first[cols])
    assert not np.allclose(changed[changed["origin"] == origins[1]]["forecaster"],
                           forecasts[forecasts["origin"] == origins[1]]["forecaster"])


@pytest.mark.parametrize("freq, m", [("MS", 12), ("ME", 12), ("QS", 4), ("W-SAT", 52), ("D", 7), ("B", 5),
                                     ("h", 24), ("2h", 12), ("15min", 96), ("YS", 1)])
def test_season_length_from_the_frequency(freq, m):
    assert infer_season_length(freq) == m


# -- missing values and the time-aware cell ----------------------------------------------------------------
def test_time_aware_gets_x_mask_delta_and_skips_missing_targets():
    y = seasonal(60, freq="D")
    y.iloc[[10, 11, 12, 30, 58]] = np.nan
    f = quick(time_aware=True).fit(y)
    assert isinstance(f.model_.net.encoder.layers[0].cell, TimeAware)
    assert f.input_names_ == ("y", "y_mask", "y_since")
    inputs = f._features(f.history_).inputs
    np.testing.assert_array_equal(inputs[9:15, 1], [1, 0, 0, 0, 1, 1])  # m
    np.testing.assert_array_equal(inputs[9:15, 2], [1, 1, 2, 3, 4, 1])  # δ in steps (Che et al. eq. 2)
    pred = f.predict()
    assert np.isfinite(pred.to_numpy()).all()
    simple = quick(mask=True, time_since=True).fit(y)
    assert simple.input_names_ == ("y", "y_mask", "y_since")


def test_cell_factory_and_uneven_series_resampled_by_freq():
    y = seasonal(80, freq="h").drop(seasonal(80, freq="h").index[[5, 40]])  # two hours absent
    f = quick(cell=GRUCell, time_aware=True).fit(y, freq="h")
    assert len(f.history_) == 80 and np.isnan(f.history_.values[[5, 40], 0]).all()
    assert isinstance(f.model_.net.encoder.layers[0].cell.cell, GRUCell)


# -- save / load -------------------------------------------------------------------------------------------
def test_save_load_round_trip(tmp_path):
    y = seasonal(60, freq="W-SAT").tz_localize("America/New_York")
    y.iloc[20] = np.nan
    f = quick(time_aware=True, calendar=("month",)).fit(y)
    f.save(tmp_path / "model")
    g = Forecaster.load(tmp_path / "model")
    pd.testing.assert_series_equal(g.predict(), f.predict())
    pd.testing.assert_series_equal(rnnkit.load(tmp_path / "model").predict(), f.predict())  # the generic loader
    assert str(g.predict().index.tz) == "America/New_York"
    pd.testing.assert_frame_equal(g.historical_forecasts(), f.historical_forecasts())
    assert json.loads((tmp_path / "model" / "config.json").read_text())["estimator"] == "Forecaster"
    f.save(tmp_path / "model")  # replaces its own directory
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not an rnnkit model directory"):
        f.save(tmp_path / "other")
    with pytest.raises(ValueError, match="not a saved Forecaster"):
        Forecaster.load(tmp_path / "other")
    with pytest.raises(ValueError, match="named cell"):
        quick(cell=GRUCell).fit(y).save(tmp_path / "factory")


# -- bad input ---------------------------------------------------------------------------------------------
def test_bad_input_raises_clear_value_errors():
    y = seasonal(60)
    gappy = y.copy()
    gappy.iloc[7] = np.nan
    with pytest.raises(ValueError, match=r"NaN\) at row 7 .*impute='ffill'"):
        quick(impute="none").fit(gappy)
    with pytest.raises(ValueError, match="sort the rows"):
        quick().fit(y.iloc[::-1])
    with pytest.raises(ValueError, match="duplicate timestamp"):
        quick().fit(pd.concat([y.iloc[:30], y.iloc[29:]]))
    with pytest.raises(ValueError, match=r"lookback \(24\) \+ horizon \(6\) = 30 .* has 20"):
        quick().fit(y.iloc[:20])
    with pytest.raises(ValueError, match="expected a numeric column"):
        quick().fit(pd.DataFrame({"y": y, "label": ["a"] * 60}, index=y.index))
    with pytest.raises(ValueError, match="not fitted yet: call fit"):
        quick().predict()
    with pytest.raises(ValueError, match="not evenly spaced.*freq="):
        quick().fit(y.drop(y.index[10]))
    with pytest.raises(ValueError, match=r"targets names columns \[.z.\] that the data lacks"):
        quick().fit(y, targets=["z"])
    with pytest.raises(ValueError, match="num_layers=1"):
        quick(time_aware=True, num_layers=2).fit(y)
    with pytest.raises(ValueError, match="impute must be one of"):
        quick(impute="linear").fit(y)
    with pytest.raises(ValueError, match=r"at most \d+ folds? fit: pass folds="):
        quick().backtest(y, folds=6)
    with pytest.raises(ValueError, match="season_length must be an integer >= 1"):
        quick().backtest(pd.Series(np.arange(60.0)), folds=1, season_length=0)
    with pytest.raises(ValueError, match="season_length must be an integer >= 1 or 'auto'"):
        quick(season_length=0).fit(y)
    f = quick().fit(y)
    with pytest.raises(ValueError, match=r"horizon must be an integer in \[1, 6\]"):
        f.predict(7)
    with pytest.raises(ValueError, match="columns"):
        f.predict(data=pd.DataFrame({"q": y}))


# -- known-future covariates -------------------------------------------------------------------------------
def test_reading_a_known_future_covariate_beats_knowing_only_its_past():
    df = promo_frame()
    f = quick(lookback=14, horizon=7, max_epochs=20)
    known = f.backtest(df, targets=["y"], future_covariates=["promo"], folds=3)
    past_only = f.backtest(df, targets=["y"], folds=3)  # promo is then a past covariate
    mae_known, mae_past = known["mae"]["forecaster"].mean(), past_only["mae"]["forecaster"].mean()
    assert mae_known < 0.15  # E|ε| = 0.08; measured 0.082-0.099 over random_state 0-4
    assert mae_past > 5 * mae_known  # measured 8.8-11.0x
    assert mae_known < known["mae"]["naive"].mean() / 5  # the naive forecast's 1.08: measured 11.0-13.2x


def test_predict_reads_the_future_frame_by_timestamp_and_step_h_reads_step_h_only():
    df = promo_frame(120)
    f = quick(lookback=14, horizon=7, calendar=("weekday",)).fit(df, targets=["y"], future_covariates=["promo"])
    assert f.input_names_ == ("y", "promo", "weekday_sin", "weekday_cos")
    assert f.future_names_ == ("promo", "weekday_sin", "weekday_cos") and f.covariates_ == ()
    index = next_days(df, 7)
    future = pd.DataFrame({"promo": np.linspace(-1, 1, 7), "ignored": 0.0}, index=index)
    pred = f.predict(future=future)
    assert list(pred.columns) == ["y"] and list(pred.index) == list(index)
    shuffled_with_extra_rows = pd.concat([future, future.shift(7, freq="D")]).iloc[::-1]
    pd.testing.assert_frame_equal(f.predict(future=shuffled_with_extra_rows), pred)
    pd.testing.assert_frame_equal(f.predict(3, future=future.iloc[:3]), pred.iloc[:3])  # 3 steps need 3 rows
    changed = future.copy()
    changed.iloc[4, 0] = 3.0
    moved = (f.predict(future=changed) - pred)["y"].to_numpy() != 0
    np.testing.assert_array_equal(moved, np.arange(7) == 4)
    hf = f.historical_forecasts(start=df.index[100])  # the series holds its own known future
    for origin in (100, 113):
        by_predict = f.predict(data=df.iloc[:origin], future=df.iloc[origin : origin + 7])
        np.testing.assert_allclose(hf.loc[df.index[origin]].to_numpy(), by_predict["y"].to_numpy(), rtol=1e-5)


def test_known_future_local_head_sees_each_steps_inputs_only():
    local = torch.nn.Sequential(torch.nn.Linear(4 + 2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3 * 2))
    net = DirectForecastNet(SequenceToLabel(3, 8, 5 * 4, cell="gru"), 5, 3, relative=True, n_quantiles=2,
                            local=local)
    x, future = torch.randn(2, 6, 3), torch.randn(2, 5, 2)
    out, _ = net(x, future=future)
    bumped = future.clone()
    bumped[:, 2] += 1.0
    moved = (net(x, future=bumped)[0] != out).view(2, 5, 3, 2).any(dim=(0, 2, 3))
    assert moved.tolist() == [False, False, True, False, False]
    with pytest.raises(ValueError, match="pass future"):
        net(x)


def test_known_future_save_load_round_trip(tmp_path):
    df = promo_frame(80).tz_localize("Europe/Paris")
    df.iloc[10, 1] = np.nan  # a gap in the covariate's history is imputed like any input
    f = quick(lookback=14, horizon=7, calendar=("weekday",), time_aware=True, quantiles=(0.1, 0.5, 0.9))
    f.fit(df, targets=["y"], future_covariates="promo")
    future = pd.DataFrame({"promo": np.arange(7.0)}, index=next_days(df, 7).tz_localize(None))  # read in Paris
    f.save(tmp_path / "model")
    g = rnnkit.load(tmp_path / "model")
    pd.testing.assert_frame_equal(g.predict(future=future), f.predict(future=future))
    pd.testing.assert_frame_equal(g.historical_forecasts(), f.historical_forecasts())
    assert (g.future_covariates_, g.future_names_) == (("promo",), ("promo", "weekday_sin", "weekday_cos"))
    fitted = json.loads((tmp_path / "model" / "config.json").read_text())["fitted"]
    assert fitted["future_covariates"] == ["promo"]


def test_known_future_bad_input_raises_clear_value_errors():
    df = promo_frame(80)
    with pytest.raises(ValueError, match=r"future_covariates names columns \['price'\] that the data lacks"):
        quick().fit(df, future_covariates=["price"])
    with pytest.raises(ValueError, match="value column 'promo' has dtype .*expected a numeric column"):
        quick().fit(df.assign(promo=df["promo"].astype(str)), future_covariates=["promo"])
    with pytest.raises(ValueError, match=r"\['promo'\] are both targets and known-future covariates"):
        quick().fit(df, targets=["y", "promo"], future_covariates=["promo"])
    with pytest.raises(ValueError, match="fitted without known-future covariates; name them at fit"):
        quick(lookback=14, horizon=7).fit(df, targets=["y"]).predict(future=df)

    f = quick(lookback=14, horizon=7).fit(df, targets=["y"], future_covariates=["promo"])
    future = pd.DataFrame({"promo": np.arange(7.0)}, index=next_days(df, 7))
    with pytest.raises(ValueError, match=r"reads the known-future covariates \['promo'\] over the horizon: pass "
                                         r"predict\(future=df\) \(or X=df, sktime's name for it, as in "
                                         r"fit\(y, X\)\) with df indexed by the forecast timestamps "
                                         r"2020-03-21 00:00:00 \.\. 2020-03-27"):
        f.predict()
    with pytest.raises(ValueError, match=r"no row for 2 of the 7 forecast timestamps \(2020-03-26 00:00:00, "
                                         r"2020-03-27 00:00:00\)"):
        f.predict(future=future.iloc[:5])
    with pytest.raises(ValueError, match=r"future lacks the known-future covariates \['promo'\]"):
        f.predict(future=future.rename(columns={"promo": "promotion"}))
    with pytest.raises(ValueError, match="future column 'promo' has dtype .*expected numbers"):
        f.predict(future=future.astype(str))
    gap = future.copy()
    gap.iloc[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"future column 'promo' is missing \(NaN\) at 2020-03-23"):
        f.predict(future=gap)
    with pytest.raises(ValueError, match="holds int64 numbers, not timestamps"):
        f.predict(future=future.reset_index(drop=True))
    with pytest.raises(ValueError, match="duplicate timestamps"):
        f.predict(future=pd.concat([future, future]))


# -- quantiles ---------------------------------------------------------------------------------------------
def test_quantile_interval_covers_80_percent_of_held_out_values():
    """y = 10 + 2 sin(2πt/7) + N(0, 0.5²): the true 10-90 % interval is ±1.2816·0.5 around the season."""
    rng = np.random.default_rng(0)
    t = np.arange(1200)
    y = pd.Series(10 + 2 * np.sin(2 * np.pi * t / 7) + 0.5 * rng.normal(size=1200),
                  index=pd.date_range("2020-01-01", periods=1200, freq="D"), name="y")
    f = quick(lookback=14, horizon=7, max_epochs=30, relative=False, quantiles=(0.1, 0.5, 0.9))
    f.fit(y.iloc[:600])
    hf = f.historical_forecasts(y, start=y.index[600])  # 594 origins x 7 steps, none seen in training
    rows = np.array([y.index.get_loc(i) for i in hf.index])[:, None] + np.arange(7)  # (594, 7)
    actual = y.to_numpy()[rows]
    low, high = hf[("y", 0.1)].to_numpy(), hf[("y", 0.9)].to_numpy()
    coverage = ((low <= actual) & (actual <= high)).mean()
    # measured 0.800-0.819 over random_state 0-4 (0.766-0.805 over seeds 0-5 in an earlier measurement): the
    # seeds alone spread 0.02-0.04, so ±0.08; a 15-85 % or a 5-95 % interval (0.70, 0.90) still fails
    assert abs(coverage - 0.80) < 0.08
    # measured 1.249-1.319 (earlier 1.215-1.319); ±15 % still refuses a 15-85 % interval's 1.04
    assert (high - low).mean() == pytest.approx(2 * 1.2816 * 0.5, rel=0.15)
    assert (hf[("y", 0.1)].to_numpy() <= hf[("y", 0.5)].to_numpy()).all()


def test_quantile_layout_and_rearrangement_against_crossing(tmp_path):
    y = seasonal(60)
    f = quick(quantiles=(0.1, 0.5, 0.9)).fit(y)
    pred = f.predict()
    assert list(pred.columns) == [0.1, 0.5, 0.9] and pred.columns.name == "quantile" and len(pred) == 6
    with torch.no_grad():  # push every 0.1-quantile output far above the others
        f.model_.net.head.linear.bias.view(6, 1, 3)[..., 0] += 100.0
    crossed = f.predict()
    assert (crossed.diff(axis=1).iloc[:, 1:] >= 0).all().all()
    assert (crossed[0.9] > pred[0.9] + 50).all()  # the pushed outputs became the highest quantile
    f.save(tmp_path / "model")
    pd.testing.assert_frame_equal(Forecaster.load(tmp_path / "model").predict(), crossed)

    df = pd.DataFrame({"a": y, "b": 2 * y}, index=y.index)
    two = quick(quantiles=(0.25, 0.5, 0.75)).fit(df)
    pred = two.predict(4)
    assert list(pred.columns) == [(t, q) for t in ("a", "b") for q in (0.25, 0.5, 0.75)]
    assert pred.columns.names == ["target", "quantile"]
    hf = two.historical_forecasts()
    assert hf.columns.names == ["target", "quantile", "step"] and hf.shape[1] == 2 * 3 * 6
    bt = quick(quantiles=(0.1, 0.5, 0.9)).backtest(y, folds=1, season_length=12, return_forecasts=True)[1]
    single = quick(quantiles=(0.1, 0.5, 0.9)).fit(y.iloc[:54]).predict()
    np.testing.assert_allclose(bt["forecaster"], single[0.5], rtol=1e-6)  # the median is the point forecast


def test_pinball_loss_by_hand():
    module = ForecastModule(DirectForecastNet(SequenceToLabel(1, 4, 2 * 2), 1, 1, relative=False,
                                              n_quantiles=2), quantiles=(0.1, 0.9))
    out = torch.tensor([[0.0, 2.0]])  # one step, one target: ŷ_0.1 = 0, ŷ_0.9 = 2
    y = torch.tensor([[[1.0], [1.0]]])  # (1, 2, 1): y = 1, observed
    # u = y - ŷ: 1 for τ=0.1 -> 0.1 * 1; -1 for τ=0.9 -> (0.9 - 1) * -1 = 0.1; mean 0.1
    assert module.loss(out, y).item() == pytest.approx(0.1)


@pytest.mark.parametrize("quantiles", [(0.1, 0.9), (0.9, 0.5, 0.1), (0.0, 0.5), (0.5, 1.2), "0.5"])
def test_bad_quantiles_are_refused(quantiles):
    with pytest.raises(ValueError, match="include the median 0.5"):
        quick(quantiles=quantiles).fit(seasonal(60))
