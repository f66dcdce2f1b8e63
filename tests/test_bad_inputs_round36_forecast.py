"""Round 36, forecasting: a constant series in a panel of other scales, a shop's missing Sundays and six-day
business week, ids spelt otherwise at predict, two targets scored in another column order."""
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster, defaults, evaluation


def _moving(key, n, level, seed):
    """A daily series of weekly shape around ``level``, with noise of 2 % of it."""
    rng = np.random.default_rng(seed)
    y = level * (1 + 0.1 * np.sin(np.arange(n) * 2 * np.pi / 7)) + rng.normal(0, 0.02 * level, n)
    return pd.DataFrame({"unique_id": key, "ds": pd.date_range("2023-01-01", periods=n, freq="D"), "y": y})


def _constant(key, n, value):
    return pd.DataFrame({"unique_id": key, "ds": pd.date_range("2023-01-01", periods=n, freq="D"), "y": value})


def _panel_with(constant):
    return pd.concat([_moving("A", 100, 10.0, 0), _moving("B", 100, 1000.0, 1), constant], ignore_index=True)


def _fit(panel, model, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GlobalForecaster(lookback=14, horizon=7, model=model, max_epochs=3, hidden_size=16, random_state=0,
                                device="cpu", **kw).fit(panel)


def test_F36_01_a_constant_small_series_in_a_direct_panel_keeps_its_size():
    # a constant 0.5 beside series of 10 and 1000: its scale was 1 in its own units, so the net's spread in z
    # (about 2 steps) came out as a band of about -2 .. 1.5 around 0.5
    panel = _panel_with(_constant("K", 100, 0.5))
    g = _fit(panel, "direct")
    out = g.predict()
    k = out[out.unique_id == "K"][["y", "q0.1", "q0.5", "q0.9"]].to_numpy()
    assert (k > 0.25).all() and (k < 1).all(), k
    sizes = [np.abs(panel.y[panel.unique_id == key]).mean() for key in ("A", "B")]
    assert g.scale_[2] == pytest.approx(0.5 * np.median(g.scale_[:2] / sizes))


def test_F36_01_a_constant_positive_series_in_a_hybrid_panel_gets_the_panels_relative_band():
    # multiplicative smoothing: the constant series' remainder unit was 1 (a factor of e per unit of z): a band
    # of 45 .. 300 around a constant 100
    g = _fit(_panel_with(_constant("K", 100, 100.0)), "hybrid")
    out = g.predict()
    k = out[out.unique_id == "K"][["q0.1", "q0.9"]].to_numpy()
    assert (k > 80).all() and (k < 125).all(), k
    assert g.smoothing_[2].unit == pytest.approx(np.median([s.unit for s in g.smoothing_[:2]]))


def test_F36_01_an_all_zero_series_in_a_net_panel_is_warned_of():
    with pytest.warns(UserWarning, match=r"GlobalForecaster.fit: 1 series is 0 on every row \('Z'\), which gives no "
                                         r"scale: the direct net's forecast and band for it are in units of 1.*"
                                         r"drop it from the panel.*model='auto'"):
        GlobalForecaster(lookback=14, horizon=7, model="direct", max_epochs=1, hidden_size=4, random_state=0,
                         device="cpu").fit(_panel_with(_constant("Z", 100, 0.0)))


def _shop_sales(n=126):
    """Daily sales of a weekly shape, from a Monday, with the shop's Sundays missing (closed: NaN)."""
    rng = np.random.default_rng(0)
    index = pd.date_range("2022-01-03", periods=n, freq="D")
    week = np.array([10, 12, 14, 13, 20, 25, 0.0])  # Monday .. Sunday
    y = pd.Series(100 + 5 * week[np.arange(n) % 7] + rng.normal(0, 1, n), index=index, name="sales")
    y[index.dayofweek == 6] = np.nan
    return y


def test_F36_02_a_daily_series_without_its_sundays_keeps_its_weekly_season():
    # the changes were taken between observed values, so lag 7 read 7 observed days, 8 calendar days apart
    y = _shop_sales()
    m, reason = defaults.choose_season_length(y.to_numpy()[:, None], "D")
    assert m == 7, reason
    assert re.search(r"autocorrelation of the changes at lag 7: 0\.9\d", reason), reason
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(horizon=7, model="direct", max_epochs=1, hidden_size=4, random_state=0).fit(y)
    assert f.season_length_ == 7, f.choices_["season_length"]


def test_F36_02_the_autocorrelation_of_a_complete_series_is_box_and_jenkins_and_with_gaps_near_the_full_ones():
    x = np.random.default_rng(3).normal(size=200)
    c = x - x.mean()
    assert defaults.autocorrelation(x, 5) == pytest.approx(float(c[5:] @ c[:-5] / (c @ c)), rel=1e-12)
    s = np.sin(np.arange(200.0))
    gaps = np.where(np.random.default_rng(4).random(200) < 0.3, np.nan, s)  # 46 of 200 values missing
    for lag in (1, 7, 30):  # the gaps left out: near the full series' value (a NaN once made it 0)
        assert defaults.autocorrelation(gaps, lag) == pytest.approx(defaults.autocorrelation(s, lag), abs=0.05)


SIX_DAYS = pd.offsets.CustomBusinessDay(weekmask="Mon Tue Wed Thu Fri Sat")


def test_F36_03_a_six_day_week_as_a_custom_business_day_is_refused_with_the_daily_grid():
    # freq_ kept 'C' (Monday to Friday): the forecast after Saturday 2022-05-07 was dated Monday 9 .. Friday 13,
    # then Monday 16 for Saturday 14
    y = _shop_sales().dropna()  # the rows of the open days
    f = Forecaster(horizon=6, model="direct", max_epochs=1, hidden_size=4, random_state=0)
    with pytest.raises(ValueError, match=r"Forecaster.fit: freq=.* is a CustomBusinessDay with weekmask='Mon Tue Wed "
                                         r"Thu Fri Sat', which its name 'C' does not hold.*reads 'C' back with "
                                         r"weekmask='Mon Tue Wed Thu Fri'.*give freq='D'"):
        f.fit(y, freq=SIX_DAYS)
    with pytest.raises(ValueError, match=r"the index's freq \(y.asfreq\(offset\) sets it\) is a CustomBusinessDay.*"
                                         r"index the data by days, y.asfreq\('D'\).*y.asfreq\('D', fill_value=0\)"):
        f.fit(y.asfreq(SIX_DAYS))
    with pytest.raises(ValueError, match=r"backtest: freq=.* is a CustomBusinessDay with 1 holidays.*no holidays"):
        f.backtest(y, freq=pd.offsets.CustomBusinessDay(holidays=["2022-01-17"]))
    with pytest.raises(ValueError, match=r"BusinessHour with start='08:00'.*back with start='09:00'.*freq='h'"):
        f.fit(y, freq=pd.offsets.BusinessHour(start="08:00"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.fit(y.asfreq(SIX_DAYS), freq="D")  # the fix: Sundays missing, the weekly season kept (F36-02)
    assert f.predict().index[0] == pd.Timestamp("2022-05-08") and f.season_length_ == 7


def _two_stores(ids):
    return pd.concat([_moving(ids[0], 40, 10.0, 0), _moving(ids[1], 40, 100.0, 1)], ignore_index=True)


def test_F36_04_predict_ids_spelt_otherwise_than_at_fit_name_the_spelling_to_give():
    # 'A ' was told it is str but fitted on 'A' (str): give the fitted type, astype(str), which changes nothing;
    # 'a' and '01' were "not one the model was fitted on ... refit with it in the panel"
    panel = _two_stores(("A", "B"))
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1, hidden_size=4, random_state=0,
                         device="cpu").fit(panel)
    with pytest.raises(ValueError, match=r"series 'A ' \(row 0\) is not a fitted id, but reads as the fitted 'A' "
                                         r"written with spaces around it.*give the fitted spelling: "
                                         r"data\['unique_id'\] = data\['unique_id'\]\.replace\("
                                         r"\{'A ': 'A', 'B ': 'B'\}\)"):
        g.predict(data=panel.assign(unique_id=panel.unique_id + " "))
    with pytest.raises(ValueError, match=r"series 'a' .* the fitted 'A' written in another case.*\{'a': 'A', 'b': 'B'"):
        g.predict(data=panel.assign(unique_id=panel.unique_id.str.lower()))
    numbered = _two_stores((1, 2))
    h = GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1, hidden_size=4, random_state=0,
                         device="cpu").fit(numbered)
    padded = numbered.assign(unique_id=numbered.unique_id.map("{:02d}".format))
    with pytest.raises(ValueError, match=r"series '01' .* the fitted 1 written with other digits.*\{'01': 1, '02': 2"):
        h.predict(data=padded)
    fixed = padded.assign(unique_id=padded.unique_id.replace({"01": 1, "02": 2}))  # the fix as given: read
    pd.testing.assert_frame_equal(h.predict(data=fixed), h.predict())
    with pytest.raises(ValueError, match=r"series 3 \(row 0\) is not one the model was fitted on"):
        h.predict(data=_two_stores((3, 4)))  # another id: refused as before


def test_F36_04_future_ids_spelt_otherwise_name_the_spelling_to_give():
    # 'A ' in future for a fitted 'A': "give future's ids the fitted type (future['unique_id'].astype(str))"
    panel = _two_stores(("A", "B"))
    panel["promo"] = (np.arange(len(panel)) % 3 == 0).astype(float)
    fit, future = panel.groupby("unique_id").head(37), panel.groupby("unique_id").tail(3)
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1, hidden_size=4, random_state=0,
                         device="cpu").fit(fit, future_covariates=["promo"])
    with pytest.raises(ValueError, match=r"series 'A': future has no row with the id 'A', but has 'A ', which reads "
                                         r"as it written with spaces around it; give the fitted spelling: "
                                         r"future\['unique_id'\] = future\['unique_id'\]\.replace\(\{'A ': 'A'"):
        g.predict(future=future.assign(unique_id=future.unique_id + " "))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'a' is not warned of as an id never fitted: the refusal names it
        with pytest.raises(ValueError, match=r"but has 'a', which reads as it written in another case"):
            g.predict(future=future.assign(unique_id=future.unique_id.str.lower()))


def test_F36_05_errors_pairs_two_targets_by_name_not_by_column_position():
    # a forecast of ['visits', 'sales'] scored against the actual ['sales', 'visits']: MAE 1094 (each target
    # scored against the other) for a forecast 1 % off
    times = pd.date_range("2024-01-01", periods=3)
    actual = pd.DataFrame({"sales": [10.0, 11, 12], "visits": [1000.0, 1100, 1200]}, index=times)
    forecast = actual[["visits", "sales"]] * 1.01
    scores = evaluation.errors(actual, forecast, np.array([1.0, 100.0]))
    assert scores == evaluation.errors(actual, actual * 1.01, np.array([1.0, 100.0]))
    assert scores["mae"] == pytest.approx(5.555)
    with pytest.raises(ValueError, match=r"errors: actual's columns \['sales', 'visits'\] and pred's \['v', 'sales'\] "
                                         r"are not the same targets.*pred.columns = \['sales', 'visits'\].*to_numpy"):
        evaluation.errors(actual, forecast.rename(columns={"visits": "v"}), np.array([1.0, 100.0]))
    numbered = evaluation.errors(actual, forecast.set_axis([0, 1], axis=1), np.array([1.0, 100.0]))
    assert numbered["mae"] > 1000  # unnamed columns pair by position, as arrays do
