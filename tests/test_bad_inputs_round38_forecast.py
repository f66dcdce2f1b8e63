"""Round 38, forecasting: count data (a band below 0 of sales that cannot be negative) from the Forecaster and the
GlobalForecaster, errors() given a scale per step, a panel update that ends before the cutoff, a series that starts
later than its rows under model='auto', and calendar features whose cycle is no longer than the series' step."""
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster, defaults


def _counts(seed, n=40, mean=1.5):
    """Monthly counts (Poisson), as a shop's sales of one slow item."""
    y = np.random.default_rng(seed).poisson(mean, n).astype(float)
    return pd.Series(y, pd.period_range("2020-01", periods=n, freq="M"), name="sales")


def test_F38_01_a_count_series_band_stays_at_or_above_0():
    # the conformal band ŷ + c_τ s_h of sales (0, 1, 2, ...) went below 0 at q0.1: a count below 0
    assert (_counts(0) == 0).any()  # months without a sale: the floor the series shows
    f = Forecaster(horizon=3, season_length=12, quantiles=(0.1, 0.5, 0.9), random_state=0).fit(_counts(0))
    assert min(f.band_.values()) < 0  # the offsets themselves are kept: the floor acts on the forecasts
    p = f.predict()
    assert (p.to_numpy() >= 0).all()
    assert (p[0.1] == 0).any() and (p[0.9] > p[0.5]).all()  # the floor binds where the band went below
    revised = _counts(0)
    revised.iloc[0] = -1.0  # data that goes below 0 after all: no floor
    assert (f.predict(data=revised)[0.1] < 0).any()


def test_F38_01_the_floor_is_for_series_that_reach_0():
    y = np.array([[0.0, 0.5, -1.0, 2.0, 0.0, np.nan], [1.0, 2.5, 3.0, 2.0, 1.0, np.nan],
                  [3.0, 1.0, 2.0, 2.0, 2.0, np.nan]])
    # reaches 0 / positive reals / dips below 0 / whole numbers that never reach 0 (whole degrees above 0 may
    # still go below it) / whole numbers that reach 0 / nothing observed
    assert defaults.zero_floor(y).tolist() == [True, False, False, False, True, False]
    counts = np.arange(1.0, 10.0)[:, None]  # counts 1..9: no 0 seen, no floor
    assert defaults.zero_floor(counts).tolist() == [False]
    band = np.array([-0.5, 0.2])[:, None, None]  # (H, n_y, n_q)
    assert defaults.floor_at_zero(band, counts).ravel().tolist() == [-0.5, 0.2]
    assert defaults.floor_at_zero(band, counts, np.zeros((1, 1))).ravel().tolist() == [0.0, 0.2]  # data's 0


def test_F38_02_a_panel_of_counts_is_forecast_at_or_above_0():
    rng = np.random.default_rng(0)
    days = pd.date_range("2023-01-01", periods=30, freq="D")
    panel = pd.concat([pd.DataFrame({"unique_id": k, "ds": days, "y": rng.poisson(mean, 30).astype(float)})
                       for k, mean in (("a", 1.0), ("b", 2.0))], ignore_index=True)
    assert (panel.groupby("unique_id")["y"].min() == 0).all()  # both series reach 0: the floor they show
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = GlobalForecaster(lookback=7, horizon=3, model="direct", quantiles=(0.1, 0.5, 0.9), max_epochs=1,
                             hidden_size=4, calibrate=False, random_state=0, device="cpu").fit(panel)
    p = g.predict()
    assert (p[["y", "q0.1", "q0.5", "q0.9"]].to_numpy() >= 0).all()
    assert (p["q0.1"] == 0).any()  # the floor binds
    assert (g.predict(floor=False)["q0.1"] < 0).any()  # the library's own validation forecasts are not floored


def test_F38_03_errors_with_a_scale_per_step_says_it_wants_one_per_target():
    # numpy's "operands could not be broadcast together with remapped shapes [original->remapped]: (4,) and
    # requested shape (1,)", from inside errors()
    from rnnkit.forecast import errors

    actual, pred = np.array([0.0, 1.0, 2.0, 0.0]), np.array([0.5, 1.0, 2.0, 0.1])
    with pytest.raises(ValueError, match=r"scale has shape \(4,\).*one per column of actual \(1.*mase_scale"):
        errors(actual, pred, np.ones(4))
    assert errors(actual, pred, 2.0)["mase"] == pytest.approx(0.075)
    two = errors(np.c_[actual, actual], np.c_[pred, pred], [2.0, 4.0])
    assert two["mase"] == pytest.approx((0.15 / 2 + 0.15 / 4) / 2)


def test_F38_04_a_panel_update_that_ends_before_the_cutoff_names_the_series():
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    t = pd.period_range("2020-01", periods=30, freq="M")
    y = pd.concat({k: pd.Series(10 + np.sin(np.arange(30) + i), t) for i, k in enumerate(["a", "b"])}).to_frame("y")
    y.index.names = ["id", "time"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = RnnkitForecaster(model="direct", max_epochs=1, hidden_size=4, random_state=0).fit(y, fh=[1, 2])
    new = y.groupby(level=0).tail(3).drop(("b", t[-1]))  # series b's revised rows end a month before the cutoff
    with pytest.raises(ValueError, match=r"update: series 'b': y ends at 2022-05, before the cutoff 2022-06"):
        f.update(new, update_params=False)


def test_F38_05_a_series_that_starts_later_than_its_rows_gets_the_combination():
    # model='auto' left the combination for the direct net alone ("it needs a series without gaps (NaN): 3
    # missing, the first at row 0"), with no warning: the months before a product's launch are no gap
    rng = np.random.default_rng(0)
    y = pd.Series(10 + 0.5 * np.arange(40) + rng.normal(0, 0.3, 40), pd.period_range("2020-01", periods=40, freq="M"),
                  name="sales")
    late = y.copy()
    late.iloc[:3] = np.nan
    f = Forecaster(horizon=3, season_length=12, random_state=0).fit(late)
    g = Forecaster(horizon=3, season_length=12, random_state=0).fit(y.iloc[3:])
    assert "direct" not in f.components_ and f.components_ == g.components_
    np.testing.assert_allclose(f.predict().to_numpy(), g.predict().to_numpy())
    newer = pd.concat([late, pd.Series([30.2], pd.period_range("2023-05", periods=1, freq="M"))]).rename("sales")
    np.testing.assert_allclose(f.predict(data=newer).to_numpy(), g.predict(data=newer.iloc[3:]).to_numpy())
    assert f.predict(data=newer).index[0] == pd.Period("2023-06", "M")


@pytest.mark.parametrize(("freq", "calendar", "named"), [("MS", ["month", "weekday"], "weekday"),
                                                         ("D", ["hour", "weekday"], "hour"),
                                                         ("YS", ["month"], "month")])
def test_F38_06_a_calendar_feature_whose_cycle_is_no_longer_than_the_step_is_warned_of(freq, calendar, named):
    # calendar=['weekday'] on monthly data read each month's first day's weekday, 'hour' on daily data a constant 0,
    # as input channels, without a word
    y = pd.Series(10 + np.random.default_rng(0).normal(0, 1, 40), pd.date_range("2000-01-01", periods=40, freq=freq),
                  name="v")
    with pytest.warns(UserWarning, match=rf"calendar feature '{named}' places each step in a cycle of .*step is "
                                         r".*leave it out \(calendar=") as caught:
        f = Forecaster(horizon=3, model="direct", calendar=calendar, max_epochs=1, hidden_size=4,
                       random_state=0).fit(y)
    assert len([w for w in caught if "calendar feature" in str(w.message)]) == 1  # once, not per trial
    assert f"{named}_sin" in f.input_names_  # warned, not dropped: the user's call stands


def test_F38_06_every_calendar_feature_has_its_cycle():
    from rnnkit.data.timeseries import CALENDAR_CYCLES, CALENDAR_PERIODS

    assert set(CALENDAR_CYCLES) == set(CALENDAR_PERIODS)


def test_F38_06_a_finer_step_is_not_warned_of():
    y = pd.Series(10 + np.random.default_rng(0).normal(0, 1, 40), pd.bdate_range("2000-01-03", periods=40), name="v")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        Forecaster(horizon=3, model="direct", calendar=["weekday", "month"], max_epochs=1, hidden_size=4,
                   random_state=0).fit(y)
