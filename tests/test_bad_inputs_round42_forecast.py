"""Round 42, forecasting: counts given as a fraction, 0 or a negative number (horizon=1.5, season_length=0,
backtest's folds and step, the baselines' H), a panel's series of one row, quantiles as percentages without the
median, sktime's fh of floats or text and a NaN in predict's X, and a season set longer than a panel's series."""
import numpy as np
import pandas as pd
import pytest


def _daily(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"time": pd.date_range("2024-01-01", periods=n, freq="D"),
                         "y": 10 + np.sin(np.arange(n) / 3) + rng.normal(0, 0.1, n)})


def test_F42_01_a_count_given_as_a_fraction_zero_or_negative_is_told_the_counts_to_give():
    # was: "Forecaster: horizon must be an integer >= 1, got 1.5" and no fix, likewise 0, -3, season_length=7.5
    from rnnkit.forecast import Forecaster, GlobalForecaster
    from rnnkit.forecast.evaluation import backtest
    for cls, kw in ((Forecaster, {}), (GlobalForecaster, {"lookback": 3})):
        with pytest.raises(ValueError, match=r"horizon must be an integer >= 1, got 1\.5; .*give horizon=1 or "
                                             r"horizon=2"):
            cls(horizon=1.5, **kw).fit(_daily(), time_col="time") if cls is Forecaster else cls(horizon=1.5, **kw)\
                ._check_params()
        with pytest.raises(ValueError, match=r"got 0; .*give horizon=1 \(the next step alone\) or more"):
            cls(horizon=0, **kw)._check_params()
        with pytest.raises(ValueError, match=r"got -3; .*\(horizon=3 if the minus sign was a slip\)"):
            cls(horizon=-3, **kw)._check_params()
        with pytest.raises(ValueError, match=r"season_length .*got 7\.5; .*give season_length=7 or "
                                             r"season_length=8, or 'auto'"):
            cls(horizon=3, season_length=7.5, **kw)._check_params()
        with pytest.raises(ValueError, match=r"got 0; .*season_length=1 \(a series without a season\) or more"):
            cls(horizon=3, season_length=0, **kw)._check_params()
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1, got 0; .*give hidden_size=1"):
        Forecaster(horizon=3, hidden_size=0)._check_params()
    with pytest.raises(ValueError, match=r"season_length must be an integer >= 1, got 7\.5; .*give season_length=7 "
                                         r"or season_length=8"):
        backtest(Forecaster(horizon=3, lookback=3, model="direct", max_epochs=1), _daily(), time_col="time",
                 season_length=7.5)


def test_F42_02_a_panels_series_of_one_row_is_not_told_a_horizon_of_0():
    # was: "series 's2' has 1 row (row 80); ... give a horizon of at most 0 (with lookback=1), or drop the series"
    from rnnkit.forecast import GlobalForecaster
    frames = [pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2024-01-01", periods=n, freq="D"),
                            "y": 10 + np.sin(np.arange(n) / 3) + i}) for i, n in enumerate((40, 40, 1))]
    with pytest.raises(ValueError, match=r"series 's2' has 1 row \(row 80\); .*a window needs 2 rows at least "
                                         r"\(lookback=1, horizon=1\).*: drop the series from the panel$") as e:
        GlobalForecaster(horizon=1, lookback=1, max_epochs=1).fit(pd.concat(frames, ignore_index=True))
    assert "at most 0" not in str(e.value)
    with pytest.raises(ValueError, match=r"series 's2' has 1 row \(row 0\); .*: pass a longer series$"):
        GlobalForecaster(horizon=1, lookback=1, max_epochs=1).fit(frames[2])


def test_F42_03_sktimes_predict_names_a_missing_value_of_the_future_X():
    # was: sktime's "RnnkitForecaster cannot handle missing data (nans), but X passed contained missing data.",
    # naming neither the column, the time nor a fix (fit's X was named since round 36)
    from rnnkit.forecast.sktime import RnnkitForecaster
    rng = np.random.default_rng(0)
    idx = pd.date_range("2024-01-01", periods=60, freq="D")
    y = pd.Series(10 + np.sin(np.arange(60) / 3) + rng.normal(0, 0.1, 60), index=idx, name="y")
    X = pd.DataFrame({"promo": rng.integers(0, 2, 60).astype(float)}, index=idx)
    f = RnnkitForecaster(model="direct", lookback=7, max_epochs=1, hidden_size=4, random_state=0,
                         quantiles=(0.1, 0.5, 0.9)).fit(y, X=X, fh=[1, 2, 3])
    future = pd.DataFrame({"promo": [1.0, np.nan, 0.0]}, index=pd.date_range("2024-03-01", periods=3, freq="D"))
    for call in (f.predict, f.predict_quantiles, f.predict_interval):
        with pytest.raises(ValueError, match=r"RnnkitForecaster\.predict\w*: X column 'promo' is missing \(NaN\) "
                                             r"at 2024-03-02 \(row 1; 1 missing in all\).*X\.ffill\(\)"):
            call(X=future)
    point = f.predict(X=future.ffill())  # filled, it forecasts as before
    assert len(point) == 3 and np.isfinite(point).all()


def test_F42_04_percentages_without_the_median_are_told_one_fix():
    # was: "...got (10, 90); 10 reads as a percentage: give fractions, quantiles=[0.1, 0.9]; the median 0.5 is
    # missing (it is the point forecast): give quantiles=[0.1, 0.5, 0.9]": two fixes, the first refused again
    from rnnkit.forecast import Forecaster, GlobalForecaster
    for cls in (Forecaster, GlobalForecaster):
        with pytest.raises(ValueError, match=r"got \(10, 90\); 10, 90 read as percentages .*the median 0\.5 is "
                                             r"missing .*: give quantiles=\[0\.1, 0\.5, 0\.9\]$") as e:
            cls(horizon=3, lookback=3, quantiles=(10, 90))._check_params()
        assert "quantiles=[0.1, 0.9]" not in str(e.value) and str(e.value).count("give") == 1
        with pytest.raises(ValueError, match=r"90, 50, 10 read as percentages .*not in increasing order: give "
                                             r"quantiles=\[0\.1, 0\.5, 0\.9\]$"):
            cls(horizon=3, lookback=3, quantiles=(90, 50, 10))._check_params()
        with pytest.raises(ValueError, match=r"10 reads as a percentage: give fractions, quantiles=\[0\.1, 0\.5, "
                                             r"0\.9\]$"):  # percentages otherwise right: told as before
            cls(horizon=3, lookback=3, quantiles=(10, 50, 90))._check_params()


def test_F42_05_sktimes_fh_of_floats_or_text_is_told_the_integer_steps():
    # was: sktime's TypeError "Invalid `fh`. The type of the passed `fh` values is not supported. Please use one of
    # ('int', 'range', ...), but found type <class 'numpy.ndarray'>, values = [1. 2. 3.]"
    from rnnkit.forecast.sktime import RnnkitForecaster
    rng = np.random.default_rng(0)
    y = pd.Series(10 + np.sin(np.arange(60) / 3) + rng.normal(0, 0.1, 60),
                  index=pd.date_range("2024-01-01", periods=60, freq="D"), name="y")
    f = RnnkitForecaster(model="direct", lookback=7, max_epochs=1, hidden_size=4, random_state=0)
    with pytest.raises(ValueError, match=r"RnnkitForecaster\.fit: fh holds 1\.0, 2\.0, 3\.0 \(float\), and sktime "
                                         r"reads steps ahead as integers; give them as integers, fh=\[1, 2, 3\]"):
        f.fit(y, fh=np.arange(1.0, 4.0))
    with pytest.raises(ValueError, match=r"fh holds '3' \(text\).*give them as integers, fh=3$"):
        f.fit(y, fh="3")
    with pytest.raises(ValueError, match=r"fh holds 1\.5 \(float\).*whole steps of y's grid"):
        f.fit(y, fh=1.5)
    f.fit(y, fh=[1, 2, 3])
    with pytest.raises(ValueError, match=r"RnnkitForecaster\.predict: fh holds 1\.0, 2\.0, 3\.0 \(float\).*"
                                         r"fh=\[1, 2, 3\]"):
        f.predict(fh=[1.0, 2.0, 3.0])
    assert len(f.predict(fh=[1, 2, 3])) == 3


def test_F42_06_the_baselines_refuse_a_horizon_that_is_no_count_and_an_empty_history():
    # was: naive(h, 1.5) one step and naive(h, 0) none, without a word, seasonal_naive(h, -1, 4) none,
    # seasonal_naive(h, 2.0, 4) numpy's "arrays used as indices must be of integer (or boolean) type", and
    # naive of a history of no rows a forecast of no rows
    from rnnkit.forecast import naive, seasonal_naive
    h = np.arange(10.0)[:, None]
    for who, call in (("naive", lambda H: naive(h, H)), ("seasonal_naive", lambda H: seasonal_naive(h, H, 4))):
        with pytest.raises(ValueError, match=rf"{who}: H \(the steps to forecast\) must be an integer >= 1, got "
                                             r"1\.5; .*give H=1 or H=2"):
            call(1.5)
        with pytest.raises(ValueError, match=r"got 0; .*give H=1 or more"):
            call(0)
        with pytest.raises(ValueError, match=r"got -1; "):
            call(-1)
        with pytest.raises(ValueError, match=r"got '3'; pass H=3$"):
            call("3")
        # a whole float is the count (naive took 3.0 before; seasonal_naive's IndexError of 2.0 now its forecast)
        np.testing.assert_array_equal(call(2.0), call(2))
        np.testing.assert_array_equal(call(np.float64(3.0)), call(3))
        assert call(np.int64(3)).shape == (3, 1)  # numpy's integers stay counts
    with pytest.raises(ValueError, match=r"naive: history has no rows, so there is no past value to repeat"):
        naive(np.zeros((0, 1)), 3)
    np.testing.assert_array_equal(naive(h, 2), [[9.0], [9.0]])
    np.testing.assert_array_equal(seasonal_naive(h, 5, 4), [[6.0], [7.0], [8.0], [9.0], [6.0]])


def test_F42_07_backtests_folds_and_step_as_a_fraction_or_negative_are_told_the_counts_to_give():
    # was: "backtest: folds must be an integer >= 1 (the number of origins), got 1.5" and no fix; step=-1 alike
    from rnnkit.forecast import Forecaster, backtest
    f = Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, hidden_size=4, random_state=0)
    for kw, said in (({"folds": 1.5}, r"folds must be an integer >= 1 .*got 1\.5; folds is a whole number: give "
                                      r"folds=1 or folds=2$"),
                     ({"folds": -2}, r"got -2; folds is a count from 1 up: give folds=1 or more \(folds=2 if the "
                                     r"minus sign was a slip\)$"),
                     ({"step": 1.5}, r"step must be an integer >= 1 .*got 1\.5; step is a whole number: give step=1 "
                                     r"or step=2$"),
                     ({"step": 0}, r"got 0; step is a count from 1 up: give step=1 or more$")):
        with pytest.raises(ValueError, match=said):
            backtest(f, _daily(), time_col="time", **kw)


def test_F42_08_a_global_auto_model_names_a_set_season_its_series_are_too_short_for():
    # was: season_length=365 for three series of 60 days fitted ets without a season, and the seasonal naive as the
    # naive one, without a word (the Forecaster's model='auto' warns of it since round 33)
    import warnings

    from rnnkit.forecast import GlobalForecaster
    idx = pd.date_range("2024-01-01", periods=60, freq="D")
    panel = pd.concat([pd.DataFrame({"unique_id": f"s{i}", "ds": idx, "y": 10 + np.sin(np.arange(60) / 3) + i})
                       for i in range(3)], ignore_index=True)
    kw = dict(horizon=3, lookback=7, max_epochs=1, hidden_size=4, random_state=0)
    with pytest.warns(UserWarning, match=r"GlobalForecaster\(model='auto'\): a season of 365 steps needs 2 seasons "
                                         r"and 2 rows \(732\) .*3 of the 3 series have fewer rows, e\.g\. 's0' \(60 "
                                         r"rows\), so it is fitted without a season .*seasonal naive forecast.*"
                                         r"season_length=1: none"):
        g = GlobalForecaster(season_length=365, **kw).fit(panel)
    with warnings.catch_warnings():  # a season the rows hold twice stays quiet, and so does 'auto'
        warnings.filterwarnings("error", message=r"GlobalForecaster\(model='auto'\): a season")
        GlobalForecaster(season_length=7, **kw).fit(panel)
    assert len(g.predict()) == 9


def test_F42_09_a_global_models_lookback_auto_digits_or_a_list_are_told_the_number_to_give():
    # was: "GlobalForecaster: lookback must be an integer >= 1, got 'auto'" (the Forecaster's default), "got '7'",
    # "got [7]", and "Forecaster: hidden_size must be an integer >= 1, got '32'", each without a fix
    from rnnkit.forecast import Forecaster, GlobalForecaster
    with pytest.raises(ValueError, match=r"GlobalForecaster: lookback must be an integer >= 1, got 'auto'; the "
                                         r"GlobalForecaster chooses no lookback .*e\.g\. lookback=6 \(twice the "
                                         r"horizon\)"):
        GlobalForecaster(horizon=3, lookback="auto")._check_params()
    with pytest.raises(ValueError, match=r"max_epochs must be an integer >= 1, got 'auto'; .*max_epochs=100$"):
        GlobalForecaster(horizon=3, lookback=7, max_epochs="auto")._check_params()
    with pytest.raises(ValueError, match=r"got '7'; '7' is text: give the number, lookback=7$"):
        GlobalForecaster(horizon=3, lookback="7")._check_params()
    with pytest.raises(ValueError, match=r"got \[7\]; give the number itself, lookback=7$"):
        GlobalForecaster(horizon=3, lookback=[7])._check_params()
    with pytest.raises(ValueError, match=r"Forecaster: hidden_size must be an integer >= 1, got '32'; '32' is text: "
                                         r"give the number, hidden_size=32$"):
        Forecaster(horizon=3, hidden_size="32")._check_params()


def test_F42_01_a_count_given_as_a_whole_float_is_told_the_int_to_pass():
    # review: max_epochs=10.0, hidden_size=64.0, lookback=7.0 (a grid of np.linspace) were refused with no fix
    from rnnkit.forecast import Forecaster, GlobalForecaster
    for cls, extra in ((Forecaster, {}), (GlobalForecaster, {"lookback": 7})):
        for name, v in (("max_epochs", 10.0), ("hidden_size", np.float64(64.0)), ("lookback", 7.0)):
            with pytest.raises(ValueError, match=rf"{cls.__name__}: {name} must be an integer >= 1.*; pass "
                                                 rf"{name}={int(v)}, an int \(a grid of np\.linspace"):
                cls(**{"horizon": 3, **extra, name: v})._check_params()
        cls(horizon=3, **extra, max_epochs=np.int64(10), hidden_size=np.int32(8))._check_params()  # numpy's ints
