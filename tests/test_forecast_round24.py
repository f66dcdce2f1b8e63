"""The twenty-fourth round: real series and indexes handed to the forecasters as new users bring them. Values held
as text (F24-01), an index out of order or repeating a time (F24-02), the hybrid given gaps (F24-03) or a series
shorter than its window (F24-04), ``predict(data=...)`` in another time zone (F24-05), a panel id whose rows jump
years ahead (F24-06), ``rnnkit forecast`` of stock closes and of local dates written with their offsets (F24-07,
F24-08), and ``predict(X=...)`` indexed by row numbers (F24-09)."""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, tiny_forecaster

import rnnkit


def _airline() -> pd.Series:
    """Box & Jenkins' airline passengers, 1949-01 .. 1960-12, on a PeriodIndex as sktime gives them."""
    pm = pytest.importorskip("pmdarima.datasets")
    return pd.Series(pm.load_airpassengers().astype(float), name="passengers",
                     index=pd.period_range("1949-01", periods=144, freq="M"))


def _sf_daily() -> pd.Series:
    """vega's San Francisco temperatures (hourly, 2010) as daily means, dated at Los Angeles' local midnights."""
    vega = pytest.importorskip("vega_datasets")
    hourly = vega.local_data.sf_temps().set_index("date")["temp"]
    daily = hourly.resample("D").mean()
    return daily.set_axis(daily.index.tz_localize("America/Los_Angeles"))


# -- F24-01: values held as text ------------------------------------------------------------------------------
def test_F24_01_numbers_held_as_text_name_the_series_and_to_numeric_on_it():
    y = _airline()
    text = y.astype(str)  # a CSV column read with a stray cell elsewhere, or written back as text
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(text)
    message = one_line(e)
    assert message == ("the Series 'passengers' has dtype str; expected a numeric column: it holds numbers as text "
                       "(e.g. '112.0'); convert it: data = pd.to_numeric(data)")
    assert tiny_forecaster().fit(pd.to_numeric(text)).predict().index[0] == pd.Period("1961-01", "M")
    marked = text.where(np.arange(144) != 7, "n/a")
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(marked.to_frame())
    assert one_line(e) == ("value column 'passengers' has dtype str; expected a numeric column: it holds numbers "
                           "as text with 1 cell(s) that are not numbers, the first 'n/a' at row 7 (1949-08); if they "
                           "mark missing readings, "
                           "data['passengers'] = pd.to_numeric(data['passengers'], errors='coerce') makes them NaN "
                           "(filled by impute=...), else correct them (every value is read as a number)")


# -- F24-02: an index out of order or repeating a time ----------------------------------------------------------
def test_F24_02_an_index_out_of_order_or_repeating_is_named_with_the_fix_on_the_index():
    y = _airline()
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(y.iloc[::-1])
    assert one_line(e) == ("the index is not increasing: row 1 (1960-11-01 00:00:00) comes before row 0 (1960-12-01 "
                           "00:00:00); sort the rows first (data.sort_index(): the index is the time axis)")
    twice = pd.concat([y[:10], y[9:]])  # one month appended twice
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(twice)
    assert one_line(e) == ("the index has a duplicate timestamp 1949-10-01 00:00:00 at rows 9 and 10; aggregate "
                           "duplicates first (data.groupby(level=0).mean(), or keep one of each: "
                           "data[~data.index.duplicated(keep='last')])")
    assert len(tiny_forecaster().fit(twice.groupby(level=0).mean()).predict()) == 2


# -- F24-03 / F24-04: the hybrid's refusals ---------------------------------------------------------------------
def test_F24_03_the_hybrid_names_where_the_gaps_are_and_how_to_close_them():
    sm = pytest.importorskip("statsmodels.datasets.co2")
    co2 = sm.load_pandas().data["co2"][:300]  # Mauna Loa, weekly on Saturdays from 1958-03-29, 26 weeks missing
    with pytest.raises(ValueError) as e:
        rnnkit.Forecaster(horizon=3, model="hybrid").fit(co2)
    assert one_line(e) == ("Forecaster(model='hybrid'): it needs a series without gaps (NaN): 26 missing, the first "
                           "at row 6 (1958-05-10), inside the observed span: fill them first (data.interpolate(), "
                           "or data.ffill()); use model='direct' or 'auto'")
    y = _airline()
    y.iloc[:2] = np.nan
    with pytest.raises(ValueError) as e:
        rnnkit.Forecaster(horizon=3, model="hybrid").fit(y)
    assert "2 missing, the first at row 0 (1949-01), at its start or end only: forecast from the observed span " \
           "(data.loc[data.first_valid_index():data.last_valid_index()])" in one_line(e)


def test_F24_04_a_short_series_for_the_hybrid_names_no_panel():
    with pytest.raises(ValueError) as e:
        rnnkit.Forecaster(horizon=3, model="hybrid").fit(_airline()[:3])
    message = one_line(e)
    assert "panel" not in message
    assert message == ("Forecaster(model='hybrid'): lookback (1) + horizon (3) = 4 steps make one window, but the "
                       "series has 3; shorten lookback or horizon, pass a longer series, or use model='auto', which "
                       "forecasts short series by the naive and drift forecasts")


# -- F24-05: predict(data=...) in another time zone -------------------------------------------------------------
def test_F24_05_predict_data_in_another_zone_is_read_in_the_fitted_one():
    t = _sf_daily()  # through the clock change of 2010-03-14
    f = tiny_forecaster().fit(t[:60])
    local = f.predict(data=t[:80])
    for zone in ("UTC", "Europe/Berlin"):  # the same instants: midnights in LA step 23 hours in UTC on 03-14
        other = f.predict(data=t[:80].tz_convert(zone))
        pd.testing.assert_series_equal(other, local)
    assert str(local.index[0]) == "2010-03-22 00:00:00-07:00"
    panel = pd.DataFrame({"unique_id": "sf", "ds": t.index[:60], "y": t.to_numpy()[:60]})
    g = rnnkit.GlobalForecaster(lookback=6, horizon=2, model="direct", max_epochs=1, hidden_size=4, random_state=0,
                                quantiles=None).fit(panel)
    newer = pd.DataFrame({"unique_id": "sf", "ds": t.index[:80], "y": t.to_numpy()[:80]})
    in_utc = newer.assign(ds=newer["ds"].dt.tz_convert("UTC"))
    pd.testing.assert_frame_equal(g.predict(data=in_utc), g.predict(data=newer))


# -- F24-06: a panel id whose rows jump years ahead ---------------------------------------------------------------
def test_F24_06_a_panel_id_jumping_years_ahead_is_named_before_a_fill_is_advised():
    y = _airline().to_timestamp()
    parts = [y[:40], y[80:120]]  # two stretches of the series, both under the id 'a'
    panel = pd.concat([pd.DataFrame({"unique_id": "a", "ds": p.index, "y": p.to_numpy()}) for p in parts],
                      ignore_index=True)
    with pytest.raises(ValueError) as e:
        rnnkit.GlobalForecaster(lookback=6, horizon=3, model="direct", max_epochs=1).fit(panel)
    message = one_line(e)
    assert message.startswith("series 'a' (its 41-th row, 1955-09-01 00:00:00, is off the grid of its first steps)")
    assert ("its timestamps are on the grid 'MS' but jump from 1952-04-01 to 1955-09-01, 40 steps missing at once: "
            "two series under one id? give each its own id") in message
    assert message.endswith("which repeats one value over those 40 steps")


# -- F24-07 / F24-08: rnnkit forecast's advice ------------------------------------------------------------------
def test_F24_07_rnnkit_forecast_of_stock_closes_names_a_coarser_freq_once(tmp_path, cli_error):
    sp = pytest.importorskip("arch.data.sp500")
    close = sp.load()["Adj Close"][-300:]  # trading days, the holidays missing
    data = tmp_path / "sp.csv"
    pd.DataFrame({"Date": close.index.strftime("%Y-%m-%d"), "close": close.to_numpy()}).to_csv(data, index=False)
    line = cli_error(["forecast", data, "--time-column", "Date", "--target-column", "close", "--horizon", "3",
                      "--max-epochs", "1", "--out", tmp_path / "run"])
    assert line.count("--freq B") == 1
    assert line.endswith("--freq B reads them on the business-day grid, the missing days as missing values (forecasts "
                         "are then dated on business days, holidays included); or pass a coarser --freq, W-FRI or "
                         "MS, to resample onto weeks or months (the mean of each)")


def test_F24_08_rnnkit_forecast_of_local_dates_with_offsets_names_a_fix_in_the_file(tmp_path, cli_error):
    t = _sf_daily()[:100]
    data = tmp_path / "sf.csv"
    pd.DataFrame({"day": t.index, "temp": t.to_numpy()}).to_csv(data, index=False)  # 2010-01-01 00:00:00-08:00
    line = cli_error(["forecast", data, "--time-column", "day", "--target-column", "temp", "--horizon", "3",
                      "--max-epochs", "1", "--out", tmp_path / "run"])
    assert "data.tz_convert" not in line  # a command's user has a file, not a frame
    assert line.endswith("written with their offsets and read in UTC? write them in the file as local dates without "
                         "an offset (pd.to_datetime(column, utc=True).dt.tz_convert('Europe/Berlin'), with your zone, "
                         "then .dt.tz_localize(None)), where each step is 1 day, or --freq D reads them by the UTC "
                         "date")


# -- F24-09: predict(X=...) indexed by row numbers ----------------------------------------------------------------
def test_F24_09_X_indexed_by_row_numbers_names_the_forecast_times_to_set():
    sd = pytest.importorskip("sktime.datasets")
    y, X = sd.load_longley()  # US employment, 1947 .. 1962, five covariates
    f = tiny_forecaster(lookback=3).fit(y[:-2], X[:-2])
    future = X[-2:].reset_index(drop=True)
    with pytest.raises(ValueError) as e:
        f.predict(X=future)
    assert one_line(e) == ("X must be indexed by the forecast timestamps 1961 .. 1962; its index holds int64 numbers, "
                           "not timestamps (row numbers, as reset_index() leaves them?); when its 2 rows are the "
                           "forecast's, in order, give them its times: X.set_axis(pd.period_range('1961', periods=2, "
                           "freq='Y-DEC'))")
    fixed = future.set_axis(pd.period_range("1961", periods=2, freq="Y-DEC"))
    pd.testing.assert_series_equal(f.predict(X=fixed), f.predict(X=X[-2:]))


# -- F24-10: fit(y, X) with a column of X never observed ----------------------------------------------------------
def test_F24_10_an_X_column_never_observed_is_named_with_a_fix_on_X():
    sd = pytest.importorskip("sktime.datasets")
    y, X = sd.load_longley()
    X = X.assign(STRIKES=np.nan)  # a covariate column added for later, still empty
    with pytest.raises(ValueError) as e:
        tiny_forecaster(lookback=3).fit(y[:-2], X[:-2])
    assert one_line(e) == ("fit(y, X): X column 'STRIKES' is missing (NaN) at all 14 rows, so it cannot be read as "
                           "a covariate; give it observed values or drop it (X.drop(columns=['STRIKES']))")


# -- F24-11: a panel's text times written with several UTC offsets ----------------------------------------------
def test_F24_11_a_panel_of_local_times_with_offsets_names_the_row_and_the_zone_to_read_them_in():
    t = _sf_daily()[:100]  # through 2010-03-14, where Los Angeles' offset goes from -08:00 to -07:00
    panel = pd.concat([pd.DataFrame({"unique_id": k, "ds": t.index.astype(str), "y": t.to_numpy() + i})
                       for i, k in enumerate(["sf", "sf2"])], ignore_index=True)  # as read back from a CSV
    model = rnnkit.GlobalForecaster(lookback=6, horizon=3, model="direct", max_epochs=1, hidden_size=4,
                                    random_state=0)
    with pytest.raises(ValueError) as e:
        model.fit(panel)
    assert one_line(e) == ("series 'sf', row 73: the time column 'ds' holds times with several UTC offsets "
                           "('2010-01-01 00:00:00-08:00' at row 0, '2010-03-15 00:00:00-07:00' at row 73), which one "
                           "column holds only in one zone: local times across a clock change? read them in their "
                           "zone, data['ds'] = pd.to_datetime(data['ds'], utc=True).dt.tz_convert("
                           "'America/Los_Angeles'), with yours")
    panel["ds"] = pd.to_datetime(panel["ds"], utc=True).dt.tz_convert("America/Los_Angeles")
    with pytest.warns(UserWarning, match="prediction band"):
        forecast = model.fit(panel).predict()
    assert str(forecast["ds"].iloc[0]) == "2010-04-11 00:00:00-07:00"
