"""Round 32, forecasting, second pass: Unix times, semi-months and another series at predict (F32-NN of
docs/bad_inputs.md)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from test_bad_inputs_round32_forecast import TINY, airline

from rnnkit.forecast import Forecaster, GlobalForecaster
from rnnkit.forecast.defaults import choose_season_length


def unix_hours(n: int = 24 * 8) -> pd.Series:
    """Hourly loads with a daily cycle, indexed by Unix seconds from 2024-01-01 (as a database exports them)."""
    t = 1704067200 + 3600 * np.arange(n)
    return pd.Series(50 + 10 * np.sin(2 * np.pi * np.arange(n) / 24), index=pd.Index(t, name="ts"), name="load")


def test_F32_04_unix_seconds_are_warned_of_once_at_fit_naming_to_datetime():
    y = unix_hours()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        f = Forecaster(horizon=3, model="direct", **TINY).fit(y.iloc[:-24])
        f.predict(data=y)  # read as the fit read it: no second warning
    said = [str(w.message) for w in caught if "Unix seconds" in str(w.message)]
    assert len(said) == 1, said  # before: none (season 1 without a word)
    assert "1704067200 is 2024-01-01 00:00:00" in said[0]
    assert "data.index = pd.to_datetime(data.index, unit='s')" in said[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a season given: the numbers are read as the caller chose
        Forecaster(horizon=3, model="direct", season_length=24, **TINY).fit(y.iloc[:-24])

    panel = pd.DataFrame({"unique_id": "a", "ts": y.index, "y": y.to_numpy()})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GlobalForecaster(lookback=6, horizon=3, model="direct", **TINY).fit(panel, time_col="ts")
    said = [str(w.message) for w in caught if "Unix seconds" in str(w.message)]
    assert len(said) == 1 and "data['ts'] = pd.to_datetime(data['ts'], unit='s')" in said[0], said


def test_F32_05_semi_monthly_series_get_their_season_of_24():
    t = pd.date_range("2019-01-01", periods=120, freq="SMS")
    y = pd.Series(100 + 20 * np.sin(2 * np.pi * np.arange(120) / 24), index=t, name="sales")
    m, why = choose_season_length(y.to_numpy()[:, None], "SMS")
    assert m == 24, why  # before: 1, with a reason naming the autocorrelation at lag 24
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(horizon=3, model="direct", **TINY).fit(y)
    assert f.season_length_ == 24
    assert choose_season_length(y.to_numpy()[:, None], "SME")[0] == 24


def test_F32_06_predict_with_another_series_after_the_fitted_start_is_refused():
    y = airline()
    rail = y * 2 + 50  # another series at the same months
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(horizon=6, **TINY).fit(y.iloc[:-12])
    assert "ets" in f.components_
    # before: the fitted airline's rows 1949-01 .. 1957-08 were read, then rail's, as one series: forecasts from a
    # level that jumped at 1957-09, without a word
    with pytest.raises(ValueError, match=r"data's rows 1957-09 \.\. 1959-12 are steps of the fitted series, but "
                                         r"differ from its values at every one of those 28 steps .*another series\?"):
        f.predict(data=rail.iloc[-40:])
    f.predict(data=rail)  # from the fitted start: read alone, as before
    revised = y.iloc[-40:].copy()
    revised.iloc[:5] += 30  # a few rows revised: the same series, read as revised
    f.predict(data=revised)


def test_F32_07_a_panel_names_its_time_column_in_the_fixes_of_future_and_of_two_digit_years():
    rng = np.random.default_rng(0)
    n = 30
    data = pd.DataFrame({"unique_id": "a", "ds": pd.period_range("2015Q1", periods=n, freq="Q"),
                         "promo": rng.integers(0, 2, n).astype(float)})
    data["y"] = np.arange(n) + 3 * data["promo"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = GlobalForecaster(lookback=4, horizon=2, model="direct", **TINY).fit(data, future_covariates=["promo"])
    months = pd.DataFrame({"unique_id": "a", "ds": pd.period_range("2022-07", periods=6, freq="M"), "promo": 1.0})
    # before: future.groupby(future.index.to_period('Q-DEC')), the index of a long frame being its row numbers
    with pytest.raises(ValueError, match=r"future has 3 rows within the forecast period 2022Q3 \(2022-07 \.\. "
                                         r"2022-09\).* future\.assign\(ds=future\['ds'\]\.dt\.asfreq\('Q-DEC'\)\)"
                                         r"\.groupby\(\['unique_id', 'ds'\]\)\.mean\(\)\.reset_index\(\)"):
        g.predict(future=months)

    daily = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-01", periods=n, freq="D"),
                          "promo": data["promo"], "y": data["y"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = GlobalForecaster(lookback=4, horizon=2, model="direct", **TINY).fit(daily, future_covariates=["promo"])
    with pytest.raises(ValueError, match=r"future's column 'ds' holds dates that read two ways"):  # not "its index"
        d.predict(future=pd.DataFrame({"unique_id": "a", "ds": ["01/02/20", "02/02/20"], "promo": 1.0}))

    text = daily.assign(ds=pd.date_range("1949-01-01", periods=n, freq="MS").strftime("%b-%y"))
    with pytest.raises(ValueError, match=r"^time column 'ds' writes years with two digits .*"
                                         r"pd\.to_datetime\(data\['ds'\], format='%b-%y'\)"):
        GlobalForecaster(lookback=4, horizon=2, model="direct", **TINY).fit(text)
