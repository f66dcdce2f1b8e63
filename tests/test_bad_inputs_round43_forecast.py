"""Round 43 of bad inputs, forecasting: quantile levels at or beyond the ends of (0, 1), a numpy array of levels
for the GlobalForecaster, ... (see docs/bad_inputs.md, 'Forty-third round: forecasting's ...')."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster, naive, seasonal_naive


def _panel(ids=("a", "b"), n=40):
    t = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.concat([pd.DataFrame({"unique_id": i, "ds": t, "y": 10 + np.sin(np.arange(n) / 3) + k})
                      for k, i in enumerate(ids)], ignore_index=True)


@pytest.mark.parametrize("q, told, fix", [
    ((0.1, 0.5, 1.0), "1 is not in (0, 1)", "[0.1, 0.5, 0.99]"),
    ((0.0, 0.5, 0.9), "0 is not in (0, 1)", "[0.01, 0.5, 0.9]"),
    ((-0.1, 0.5, 0.9), "-0.1 is not in (0, 1)", "[0.1, 0.5, 0.9]"),
    ((0.1, 0.5, float("nan")), "nan is not in (0, 1)", "[0.1, 0.5]"),
])
@pytest.mark.parametrize("forecaster", [Forecaster, GlobalForecaster])
def test_F43_01_a_level_of_0_1_or_below_0_is_told_the_levels_in_between(q, told, fix, forecaster):
    """(0.1, 0.5, 1.0) was told to give [0.01, 0.1, 0.5] (all read as percentages); 0, -0.1 and NaN had no fix."""
    with pytest.raises(ValueError, match=rf"; {re.escape(told)} .*give levels strictly between 0 and 1, "
                                         rf"e\.g\. quantiles={re.escape(fix)}"):
        forecaster(horizon=3, lookback=7, quantiles=q).fit(_panel() if forecaster is GlobalForecaster else
                                                           pd.Series(np.arange(40.0)))


def test_F43_01_a_level_above_1_beside_fractions_names_it_alone_as_a_percentage():
    """(0.1, 0.5, 1.1) was told '0.1, 0.5, 1.1 read as percentages', of which only 1.1 was divided."""
    with pytest.raises(ValueError, match=r"1\.1 reads as a percentage beside the fractions 0\.1, 0\.5 "):
        Forecaster(horizon=3, quantiles=(0.1, 0.5, 1.1)).fit(pd.Series(np.arange(40.0)))


def test_F43_02_a_numpy_array_of_levels_fits_the_global_forecaster_as_a_tuple_does():
    """np.array([0.1, 0.5, 0.9]) (the Forecaster takes it) crashed model='direct''s fit in numpy's truth value;
    model='auto' took it."""
    for model in ("direct", "auto"):
        _same_forecasts_of_levels_as_array_and_tuple(model)


def _same_forecasts_of_levels_as_array_and_tuple(model):
    panel = _panel(("a", "b", "c"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = GlobalForecaster(lookback=7, horizon=3, max_epochs=1, random_state=0, model=model,
                               quantiles=np.array([0.1, 0.5, 0.9])).fit(panel).predict()
        want = GlobalForecaster(lookback=7, horizon=3, max_epochs=1, random_state=0, model=model,
                                quantiles=(0.1, 0.5, 0.9)).fit(panel).predict()
    pd.testing.assert_frame_equal(got, want)


def test_F43_03_a_baseline_repeating_a_nan_of_the_history_is_warned_of():
    """naive of a history ending in NaN forecast NaN at every step, and seasonal_naive NaN where its season held
    one, without a word; a history without NaN stays quiet."""
    with pytest.warns(UserWarning, match=r"naive: history is NaN at row 2 of column 0, so its forecast is NaN at 2 "
                                         r"of the 2 steps; fill the history first .*ffill\(\)"):
        assert np.isnan(naive(np.array([[1.0], [2.0], [np.nan]]), 2)).all()
    with pytest.warns(UserWarning, match=r"seasonal_naive: history is NaN at row 3 of column 0, so its forecast "
                                         r"is NaN at 1 of the 3 steps"):
        seasonal_naive(np.array([[1.0], [2.0], [3.0], [np.nan]]), 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(naive(np.array([[1.0], [2.0]]), 2), [[2.0], [2.0]])
        np.testing.assert_array_equal(seasonal_naive(np.array([[1], [2], [3]]), 2, 2), [[2], [3]])


def test_F43_04_a_column_of_future_the_model_was_not_fitted_with_is_warned_of():
    """X (or future) at predict holding a column fit never saw ('price') was read as if it were not there, without
    a word; the fitted covariate alone stays quiet."""
    idx = pd.date_range("2024-01-01", periods=60, freq="D")
    y = pd.Series(10 + np.sin(np.arange(60) / 3), index=idx, name="sales")
    X = pd.DataFrame({"promo": (np.arange(60) % 7 == 0).astype(float)}, index=idx)
    ahead = pd.DataFrame({"promo": [0.0, 1.0, 0.0]}, index=pd.date_range("2024-03-01", periods=3, freq="D"))
    f = Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, random_state=0).fit(y, X)
    with pytest.warns(UserWarning, match=r"Forecaster\.predict: the column\(s\) \['price'\] of X are not read: .*"
                                         r"\['promo'\] alone.*X\.drop\(columns=\['price'\]\)"):
        got = f.predict(X=ahead.assign(price=2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        pd.testing.assert_series_equal(got, f.predict(X=ahead))
        with pytest.raises(ValueError, match=r"X lacks the known-future covariates \['promo'\]"):  # told there
            f.predict(X=ahead.rename(columns={"promo": "Promo"}))
    panel = _panel()
    panel["promo"] = (np.arange(len(panel)) % 7 == 0).astype(float)
    future = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": list(pd.date_range("2024-02-10", periods=3)) * 2,
                           "promo": [0.0, 1, 0, 0, 1, 0]})
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g.fit(panel, future_covariates=["promo"])
    with pytest.warns(UserWarning, match=r"GlobalForecaster\.predict: the column\(s\) \['price'\] of future are "
                                         r"not read"):
        g.predict(future=future.assign(price=2.0))
    with warnings.catch_warnings():  # futr_df as neuralforecast has it; the target left NaN; a store's name
        warnings.simplefilter("error", UserWarning)
        g.predict(future=future)
        g.predict(future=future.assign(y=np.nan, store=["s0"] * 3 + ["s1"] * 3))
        g.predict(future=future.assign(region=pd.Categorical(["n"] * 3 + ["s"] * 3)))


def test_F43_04_the_columns_the_forecaster_reads_under_a_lag_or_as_targets_stay_quiet():
    """future cut from the frame fit read (targets NaN over the horizon, past covariates NaN) names no column."""
    idx = pd.date_range("2024-01-01", periods=60, freq="D")
    frame = pd.DataFrame({"sales": 10 + np.sin(np.arange(60) / 3), "temp": np.cos(np.arange(60) / 5),
                          "promo": (np.arange(60) % 7 == 0) * 1.0}, index=idx)
    f = Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.fit(frame, future_covariates=["promo"])
    ahead = pd.DataFrame({"sales": np.nan, "temp": np.nan, "promo": [0.0, 1.0, 0.0]},
                         index=pd.date_range("2024-03-01", periods=3, freq="D"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        f.predict(future=ahead)
        f.predict(future=pd.concat([frame, ahead]))


@pytest.mark.parametrize("write, told", [
    (lambda v: f"{v:.2f}".replace(".", ","), r"its numbers are written with a decimal comma \(e\.g\. '10,00'\), "
                                             r"which pd\.to_numeric makes NaN, errors='coerce' too: read the CSV "
                                             r"with decimal=','"),
    (lambda v: f"{v * 1000:,.2f}", r"its numbers are written with a thousands separator .*thousands=','"),
    (lambda v: f"{v:.1f}%", r"it holds percentages, .*data\['y'\] = pd\.to_numeric\(data\['y'\]\.str\.rstrip\('%'\)\)"),
])
def test_F43_05_a_panel_target_of_numbers_written_as_text_is_told_the_reading_that_works(write, told):
    """'10,00' (a decimal comma), '1,005.41' and '10.0%' were told 'convert it with pd.to_numeric', which raises
    on them; every cell a number as pd.to_numeric reads it is told as before."""
    panel = _panel()
    panel["y"] = panel["y"].map(write)
    with pytest.raises(ValueError, match=r"column 'y' holds .*, not a number \(dtype .*\); " + told):
        GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1).fit(panel)


def test_F43_05_a_stray_word_in_a_panel_target_is_told_coerce_and_fill():
    """'n/a' in one row was told 'convert it with pd.to_numeric', which raises on 'n/a'."""
    panel = _panel()
    panel["y"] = panel["y"].astype(object)
    panel.loc[45, "y"] = "n/a"
    with pytest.raises(ValueError, match=r"series 'b', row 45: column 'y' holds 'n/a', .*1 cell\(s\) are not "
                                         r"numbers; .*errors='coerce'\), and fill them, .*"
                                         r"data\.groupby\('unique_id'\)\['y'\]\.ffill\(\)"):
        GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1).fit(panel)


def test_F43_06_predict_data_of_the_fitted_column_under_another_name_is_told_the_rename():
    """A model fitted on an unnamed Series ('value') given predict(data=df) with the column 'sales' was told 'data
    lacks ['value']' and no fix; the rename, or the Series, forecasts."""
    idx = pd.date_range("2024-01-01", periods=60, freq="D")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, random_state=0).fit(
            pd.Series(10 + np.sin(np.arange(60) / 3), index=idx))
    data = pd.DataFrame({"sales": np.arange(20.0)}, index=pd.date_range("2024-03-01", periods=20, freq="D"))
    with pytest.raises(ValueError, match=r"data lacks \['value'\] and holds \['sales'\], which it was not fitted on: "
                                         r"if they are the same values under another name, data\.rename\(columns="
                                         r"\{'sales': 'value'\}\), or pass the column as a Series, data\['sales'\]"):
        f.predict(data=data)
    with pytest.raises(ValueError, match=r"data lacks \['value'\] and holds \['sales', 'x'\], which it was not fitted "
                                         r"on: give data the fitted columns \['value'\], in that order"):
        f.predict(data=data.assign(x=1.0))
    renamed = f.predict(data=data.rename(columns={"sales": "value"}))
    pd.testing.assert_series_equal(f.predict(data=data["sales"]), renamed)


def test_F43_07_a_panel_given_to_predict_at_a_finer_frequency_is_told_the_aggregation_that_forecasts():
    """Hours given to a daily GlobalForecaster's predict(data=...) were told 'give it at its fitted frequency', no
    how; the aggregation told forecasts, and a coarser grid is told it cannot give the fitted steps."""
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g.fit(_panel())
    hours = _panel(n=24 * 20).assign(ds=lambda d: pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.tile(np.arange(24 * 20), 2), unit="h"))
    with pytest.raises(ValueError, match=r"series 'a' has frequency 'h', but was fitted at 'D'; its rows are finer "
                                         r"than the fitted steps: aggregate them onto 'D' .*data\.groupby\(\["
                                         r"'unique_id', pd\.Grouper\(key='ds', freq='D'\)\]\)\['y'\]\.mean\(\)"):
        g.predict(data=hours)
    daily = hours.groupby(["unique_id", pd.Grouper(key="ds", freq="D")])["y"].mean().reset_index()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(g.predict(data=daily)) == 6
    weeks = _panel(n=20).assign(ds=lambda d: pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.tile(np.arange(20) * 7, 2), unit="D"))
    with pytest.raises(ValueError, match=r"has frequency 'W-MON', but was fitted at 'D'; give its rows at 'D', as "
                                         r"at fit .*, or fit a model at 'W-MON'"):
        g.predict(data=weeks)


def test_F43_07_the_aggregation_told_keeps_the_known_future_covariates_and_runs_as_written():
    """A model of known-future covariates needs them in predict's data too: the aggregation told of hourly rows
    names them beside the target, and the code runs as written (with the target alone, predict refused it)."""
    g = GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g.fit(_panel().assign(promo=lambda d: (np.arange(len(d)) % 7 == 0) * 1.0), future_covariates=["promo"])
    data = _panel(n=24 * 20).assign(ds=lambda d: pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.tile(np.arange(24 * 20), 2), unit="h"), promo=0.0)
    with pytest.raises(ValueError, match=r"finer than the fitted steps: .*\[\['y', 'promo'\]\]\.mean\(\)") as e:
        g.predict(data=data)
    code = re.search(r"(data\.groupby\(.*?\.reset_index\(\))", str(e.value)).group(1)
    future = pd.DataFrame({"unique_id": ["a"] * 3 + ["b"] * 3, "ds": list(pd.date_range("2024-01-21", periods=3)) * 2,
                           "promo": 0.0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(g.predict(data=eval(code), future=future)) == 6


@pytest.mark.parametrize("given, told", [
    ({"id_col": "unique id"}, r"id_col='unique_id' for 'unique id'\?"),
    ({"time_col": "date"}, r"time_col='ds' for 'date'\?"),
    ({"target": "Y"}, r"target='y' for 'Y'\?"),
    ({"future_covariates": ["Promo"]}, r"future_covariates=\['promo'\] \('promo' for 'Promo'\)\?"),
    ({"future_covariates": ["promo", "Price"]}, r"future_covariates=\['promo', 'price'\] \('price' for 'Price'\)\?"),
    ({"id_col": "id", "time_col": "date"}, r"id_col='unique_id' for 'id'\?, time_col='ds' for 'date'\?"),
])
def test_F43_08_a_panel_column_named_with_a_slip_is_told_the_column_meant(given, told):
    """id_col='unique id', time_col='date' (the column is 'ds'), target='Y', future_covariates=['Promo'] were told
    the columns the panel has and the arguments, not which column each slip meant."""
    with pytest.raises(ValueError, match=r"the panel lacks the columns .*future_covariates=\); " + told):
        GlobalForecaster(lookback=7, horizon=3, model="direct", max_epochs=1).fit(_panel().assign(promo=0.0, price=1.0),
                                                                                  **given)
