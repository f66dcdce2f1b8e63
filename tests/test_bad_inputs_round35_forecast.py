"""Round 35, forecasting: covariates given at predict in other units than at fit, quantile levels as users write
intervals, several seasons, a horizon longer than the series."""
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster


def _sales_and_price(n=60, extra=5):
    """Daily sales driven by a price of 8 or 10 (euros), the price of the ``extra`` days after them too."""
    rng = np.random.default_rng(0)
    index = pd.date_range("2022-01-01", periods=n + extra, freq="D")
    price = pd.Series(10.0 - 2.0 * (rng.random(n + extra) < 0.3), index=index, name="price")
    sales = (100 - 8 * price + rng.normal(0, 1, n + extra)).rename("sales")
    return sales, price.to_frame()


def _no_warning_of(fn, words):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn()
    assert not [w for w in caught if words in str(w.message)], [str(w.message) for w in caught]
    return out


def test_F35_01_future_x_in_cents_where_fit_read_euros_is_warned_of():
    sales, X = _sales_and_price()
    f = Forecaster(horizon=5, lookback=7, max_epochs=2, model="direct", random_state=0).fit(sales[:60], X=X[:60])
    _no_warning_of(lambda: f.predict(X=X[60:]), "fitted range")  # the units of fit: no word
    with pytest.warns(UserWarning, match=r"X column 'price' is 1000 at 2022-03-0\d.*times the width of its fitted "
                                         r"range \(8 \.\. 10, over the 60 fitted rows\) above it.*100 times the "
                                         r"typical fitted size.*another unit than at fit.*give it in the units of "
                                         r"fit.*filterwarnings\('ignore', message='X column'\)"):
        f.predict(X=X[60:] * 100)


def test_F35_01_a_past_covariate_in_other_units_at_predict_data_is_warned_of():
    sales, X = _sales_and_price()
    data = pd.concat([sales, X], axis=1)
    f = Forecaster(horizon=3, lookback=7, max_epochs=2, model="direct", random_state=0).fit(data[:60],
                                                                                             targets=["sales"])
    _no_warning_of(lambda: f.predict(data=data[5:]), "fitted range")
    with pytest.warns(UserWarning, match=r"data column 'price' is [81]000? at .*fitted range \(8 \.\. 10"):
        f.predict(data=data[5:].assign(price=data.price[5:] * 100))


def test_F35_01_a_deeper_promotion_than_any_seen_is_read_without_a_word():
    sales, X = _sales_and_price()
    f = Forecaster(horizon=5, lookback=7, max_epochs=2, model="direct", random_state=0).fit(sales[:60], X=X[:60])
    _no_warning_of(lambda: f.predict(X=X[60:].assign(price=6.0)), "fitted range")  # 1 width below: no word


def _panel(n=40, extra=3):
    rng = np.random.default_rng(1)
    parts = []
    for key, base in (("A", 100.0), ("B", 10.0)):
        promo = (rng.random(n + extra) < 0.3).astype(float)
        y = base * (1 + 0.5 * promo) + rng.normal(0, base * 0.03, n + extra)
        parts.append(pd.DataFrame({"unique_id": key, "ds": pd.date_range("2023-01-01", periods=n + extra, freq="D"),
                                   "y": y, "promo": promo}))
    data = pd.concat(parts, ignore_index=True)
    return data.groupby("unique_id").head(n), data.groupby("unique_id").tail(extra)[["unique_id", "ds", "promo"]]


def test_F35_02_panel_future_covariate_in_percent_is_warned_of_once_for_the_panel():
    train, future = _panel()
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=2, quantiles=None, random_state=0)
    g.fit(train, future_covariates=["promo"])
    _no_warning_of(lambda: g.predict(future=future), "fitted range")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g.predict(future=future.assign(promo=future.promo * 100 + 100))  # every series: 100 or 200
    said = [str(w.message) for w in caught if "fitted range" in str(w.message)]
    assert len(said) == 1, said
    assert "future column 'promo' of series 'A' is " in said[0]
    assert "(0 .. 1, over the 80 fitted rows of every series)" in said[0]
    assert "1 other series alike ('B')" in said[0]
    assert "message='future column'" in said[0]


@pytest.mark.parametrize("who", [Forecaster, GlobalForecaster])
@pytest.mark.parametrize(("given", "fix"), [
    ([0.05, 0.95], r"the median 0.5 is missing \(it is the point forecast\): give quantiles=\[0.05, 0.5, 0.95\]$"),
    ([0.1, 0.5, 0.5, 0.9], r"a level is repeated: give quantiles=\[0.1, 0.5, 0.9\]$"),
    ([0.9, 0.5, 0.1], r"the levels are not in increasing order: give quantiles=\[0.1, 0.5, 0.9\]$"),
    ([10, 90], r"10, 90 read as percentages \(the levels are fractions\), and the median 0.5 is missing "
               r"\(it is the point forecast\): give quantiles=\[0.1, 0.5, 0.9\]$"),  # one fix (F42-04)
    ([80, 95], r"as the coverages of intervals \(statsforecast's and neuralforecast's level=\[80, 95\]\) their "
               r"quantiles are quantiles=\[0.025, 0.1, 0.5, 0.9, 0.975\]; as quantile levels, "
               r"quantiles=\[0.5, 0.8, 0.95\]$"),
    ([0.8, 0.95], r"give quantiles=\[0.5, 0.8, 0.95\] \(if \[0.8, 0.95\] are the coverages of intervals, as sktime's "
                  r"coverage= gives them, their quantiles are quantiles=\[0.025, 0.1, 0.5, 0.9, 0.975\]\)$"),
])
def test_F35_03_quantile_levels_as_users_write_intervals_name_the_levels_to_give(who, given, fix):
    kwargs = {"lookback": 7} if who is GlobalForecaster else {}
    with pytest.raises(ValueError, match=r"quantiles must be None or strictly increasing.*; got .*" + fix):
        who(horizon=3, quantiles=given, **kwargs).fit(_panel()[0] if who is GlobalForecaster else
                                                      _sales_and_price()[0])


def test_F35_03_the_levels_given_by_the_fix_fit():
    sales = _sales_and_price()[0]
    f = Forecaster(horizon=2, lookback=7, max_epochs=1, model="direct", quantiles=[0.025, 0.1, 0.5, 0.9, 0.975],
                   random_state=0).fit(sales)
    assert list(f.predict().columns) == [0.025, 0.1, 0.5, 0.9, 0.975]


@pytest.mark.parametrize(("who", "fix"), [
    (Forecaster, r"season_length is one season, and \[7, 365\] are 2: give the shortest, season_length=7, and the "
                 r"longer ones as calendar features, whose sin and cos the direct net reads: calendar=\['dayofyear'\]"),
    (GlobalForecaster, r"season_length is one season, and \[7, 365\] are 2: give the shortest, season_length=7, "
                       r"and the longer ones as known-future covariate columns"),
])
def test_F35_04_several_seasons_name_the_shortest_and_the_calendar(who, fix):
    kwargs = {"lookback": 7} if who is GlobalForecaster else {}
    with pytest.raises(ValueError, match=r"season_length must be an integer >= 1 or 'auto', got \[7, 365\]; " + fix):
        who(horizon=3, season_length=[7, 365], **kwargs).fit(_panel()[0] if who is GlobalForecaster else
                                                             _sales_and_price()[0])


def test_F35_04_the_fix_of_several_seasons_fits():
    sales = _sales_and_price(n=40)[0]
    f = Forecaster(horizon=3, season_length=7, calendar=["dayofyear"], max_epochs=1, random_state=0).fit(sales)
    assert f.season_length_ == 7 and "dayofyear_sin" in " ".join(f.input_names_)
    with pytest.raises(ValueError, match=r"got \[7\]; give the number itself, season_length=7$"):
        Forecaster(horizon=3, season_length=[7]).fit(sales)


def test_F35_05_a_horizon_longer_than_the_series_names_the_horizon_not_the_lookback():
    sales = _sales_and_price(n=30)[0]
    with pytest.raises(ValueError, match=r"the series has 35; the horizon alone is at least the series' 35 rows, so no "
                                         r"lookback makes a window: give a horizon of at most 34 \(with lookback=1"):
        Forecaster(horizon=40, lookback=10, model="direct", max_epochs=1).fit(sales)


def test_F35_05_a_one_series_panel_shorter_than_the_horizon_is_not_told_to_drop_its_series():
    train = _panel()[0]
    one = train[train.unique_id == "A"]
    with pytest.raises(ValueError, match=r"series 'A' has 40 rows.*the horizon alone is at least its 40 rows, so no "
                                         r"lookback makes a window: give a horizon of at most 39 \(with lookback=1\)$"):
        GlobalForecaster(lookback=5, horizon=45, max_epochs=1).fit(one.drop(columns="promo"))


def test_F35_06_predict_from_the_rows_since_the_fit_fewer_than_the_lookback():
    sales = _sales_and_price(n=60, extra=5)[0]
    f = Forecaster(horizon=3, lookback=14, max_epochs=2, model="direct", random_state=0).fit(sales[:60])
    whole = f.predict(data=sales)
    since = f.predict(data=sales[60:])  # the 5 rows since the fit: the fitted rows before them complete the window
    pd.testing.assert_series_equal(since, whole)
    pd.testing.assert_series_equal(f.predict(data=sales[52:]), whole)  # 13 rows from within the fitted ones
    later = sales[62:].set_axis(sales.index[62:] + pd.Timedelta(days=30))  # after a gap: nothing completes them
    with pytest.raises(ValueError, match=r"needs the last lookback = 14 steps; the series has 3, and does not "
                                         r"continue the fitted series.*give data at least its last 14 rows"):
        f.predict(data=later)


def test_F35_06_the_hybrid_predicts_from_its_latest_rows_as_from_the_whole_series():
    rng = np.random.default_rng(3)
    t = np.arange(84)
    y = pd.Series(100 + 10 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, 84),
                  index=pd.date_range("2024-01-01", periods=84, freq="D"))
    f = Forecaster(horizon=7, season_length=7, model="hybrid", max_epochs=2, random_state=0).fit(y[:70])
    assert f.lookback_ == 14
    pd.testing.assert_series_equal(f.predict(data=y[62:74]), f.predict(data=y[:74]))  # 12 rows, 8 of them fitted


def _weather_panel():
    train = _panel()[0].drop(columns="promo")
    weather = np.where(np.arange(len(train)) % 3 == 0, "rain", "sun")
    return train.assign(weather=weather)


def test_F35_07_a_panel_covariate_of_words_names_the_dummy_columns_to_give():
    train = _weather_panel()
    dummies = (r"a covariate is read as numbers: encode it as a 0/1 column per category, data = pd.get_dummies\(data, "
               r"columns=\['weather'\], dtype=float\), and name those, future_covariates=\['weather_rain', "
               r"'weather_sun'\]; predict's future the same way")
    with pytest.raises(ValueError, match=r"column 'weather' holds 'rain', not a number \(dtype \w+\); " + dummies):
        GlobalForecaster(lookback=5, horizon=3, max_epochs=1).fit(train, future_covariates=["weather"])
    with pytest.raises(ValueError, match=r"column 'weather' is categorical \(categories \['rain', 'sun'\]\), not "
                                         r"numbers; " + dummies):
        GlobalForecaster(lookback=5, horizon=3, max_epochs=1).fit(train.astype({"weather": "category"}),
                                                                  future_covariates=["weather"])
    g = GlobalForecaster(lookback=5, horizon=3, max_epochs=1, model="direct", quantiles=None, random_state=0)
    g.fit(pd.get_dummies(train, columns=["weather"], dtype=float), future_covariates=["weather_rain", "weather_sun"])
    assert g.future_covariates_ == ("weather_rain", "weather_sun")


def test_F35_07_numbers_written_with_a_comma_keep_the_to_numeric_fix():
    train = _weather_panel().assign(weather="1,5")
    # round 43 (F43-05): pd.to_numeric raises on '1,5', so the fix is now the CSV's decimal=','
    with pytest.raises(ValueError, match=r"holds '1,5', not a number \(dtype \w+\); its numbers are written with a "
                                         r"decimal comma .*read the CSV with decimal=','"):
        GlobalForecaster(lookback=5, horizon=3, max_epochs=1).fit(train, future_covariates=["weather"])


@pytest.mark.parametrize("uid", [1, "store1"])
@pytest.mark.parametrize("time_col", ["ds", None])
def test_F35_08_a_long_frame_of_one_series_is_not_forecast_with_its_id(uid, time_col):
    sales = _sales_and_price(n=30)[0]
    frame = pd.DataFrame({"unique_id": uid, "ds": sales.index, "y": sales.to_numpy()})
    with pytest.raises(ValueError, match=rf"column 'unique_id' holds one series id, {uid!r}, on every row: a long "
                                         r"frame of one series .*forecast as a value beside \['y'\]; drop it, "
                                         r"fit\(data.drop\(columns=\['unique_id'\]\), time_col='ds'\)"):
        Forecaster(horizon=3, lookback=7, max_epochs=1, model="direct").fit(frame, time_col=time_col)
    f = Forecaster(horizon=3, lookback=7, max_epochs=1, model="direct", random_state=0)
    assert f.fit(frame.drop(columns=["unique_id"]), time_col="ds").targets_ == ("y",)
    if uid == 1:  # the target named: the id is no target (a constant covariate, which teaches nothing)
        assert f.fit(frame, time_col="ds", targets=["y"]).targets_ == ("y",)


def test_F35_06_a_panel_predicts_from_the_rows_since_the_fit_as_from_the_whole_series():
    train, _ = _panel(n=47, extra=0)
    g = GlobalForecaster(lookback=10, horizon=3, model="direct", max_epochs=1, quantiles=None, random_state=0)
    g.fit(train.groupby("unique_id").head(40).drop(columns="promo"))
    whole = train.drop(columns="promo")
    since = whole.groupby("unique_id").tail(7)  # 7 rows of each since the fit, fewer than the lookback
    pd.testing.assert_frame_equal(g.predict(data=since), g.predict(data=whole))
    with pytest.raises(ValueError, match=r"series 'A' has 5 rows; predict needs its last lookback = 10 rows .*, and "
                                         r"they do not continue the fitted series .*give at least its last 10 rows"):
        g.predict(data=whole.groupby("unique_id").tail(5))  # rows after a gap of 2


def test_F35_09_sktime_intervals_at_levels_not_fitted_name_the_calls_that_read_the_fitted_ones():
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster

    sales = _sales_and_price(n=40)[0]
    r = RnnkitForecaster(max_epochs=1, lookback=7, model="direct", quantiles=[0.1, 0.5, 0.9], random_state=0)
    r.fit(sales, fh=[1, 2])
    with pytest.raises(ValueError, match=r"the quantile level\(s\) \[0.05, 0.95\] were not fitted; the model predicts "
                                         r"the levels it was fitted for, quantiles=\[0.1, 0.5, 0.9\]: "
                                         r"predict_interval\(coverage=0.8\) or predict_quantiles\(alpha=\[0.1, 0.9\]\) "
                                         r"reads them, or fit with quantiles=\[0.05, 0.1, 0.5, 0.9, 0.95\] for these "
                                         r"\(0.05 and 0.95 are sktime's defaults"):
        r.predict_interval()  # sktime's default coverage, 0.9
    with pytest.raises(ValueError, match=r"\[0.025, 0.975\] were not fitted.*fit with quantiles=\[0.025, 0.1, 0.5, "
                                         r"0.9, 0.975\] for these \(predict_interval"):
        r.predict_interval(coverage=[0.8, 0.95])
    assert r.predict_interval(coverage=0.8).shape == (2, 2)  # the call the message names


def test_F35_04_backtest_with_several_seasons_names_one_to_give():
    sales = _sales_and_price(n=40)[0]
    with pytest.raises(ValueError, match=r"season_length must be an integer >= 1, got \[7, 365\]; MASE's scale and the "
                                         r"seasonal naive forecast take one season: give one of \[7, 365\], "
                                         r"season_length=7 \(the shortest\) or 365$"):
        Forecaster(horizon=3, lookback=7, max_epochs=1, model="direct").backtest(sales, season_length=[7, 365])


@pytest.mark.parametrize("who", [Forecaster, GlobalForecaster])
@pytest.mark.parametrize(("given", "fix"), [
    (range(1, 8), r"horizon is the farthest step ahead the model forecasts, and \[1, 2, 3, 4, 5, 6\] \.\.\. reads as "
                  r"sktime's fh, the steps ahead: give horizon=7 \(predict\(\) then forecasts steps 1 \.\. 7\)$"),
    ([1, 3], r"\[1, 3\] reads as sktime's fh, the steps ahead: give horizon=3 \(then predict\(\[1, 3\]\) for "
             r"those steps alone\)$"),
    (np.arange(1, 4), r"give horizon=3 \(predict\(\) then forecasts steps 1 \.\. 3\)$"),
    (7.0, r"7.0; give horizon=7$"),
    ("7", r"'7'; '7' is text: give the number, horizon=7$"),
])
def test_F35_10_a_horizon_given_as_sktimes_fh_names_the_horizon(who, given, fix):
    kwargs = {"lookback": 7} if who is GlobalForecaster else {}
    with pytest.raises(ValueError, match=r"horizon must be an integer >= 1, got .*" + fix):
        who(horizon=given, **kwargs).fit(_panel()[0] if who is GlobalForecaster else _sales_and_price()[0])
