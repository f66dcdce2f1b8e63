"""Thirteenth round (13b): bad inputs for the forecasters, the backtest and TimeSeriesFrame, on real series.

One test per case of the catalogue (ids F13-01, F13-02, ...); each fails on the commit before its fix.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import one_line

import rnnkit
from rnnkit.data.timeseries import TimeSeriesFrame


def tiny(**params) -> rnnkit.Forecaster:
    return rnnkit.Forecaster(**{"horizon": 3, "lookback": 4, "hidden_size": 4, "max_epochs": 1,
                                "model": "direct", "random_state": 0, **params})


def test_F13_01_backtest_of_a_series_constant_over_its_training_rows_warns_that_mase_is_undefined():
    y = pd.Series(5.0, index=pd.date_range("2020-01-01", periods=30, freq="D"), name="stock")
    y.iloc[-5:] = [6.0, 7.0, 8.0, 9.0, 10.0]  # constant until a late change: fold 0 trains on 5.0 alone
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = tiny().backtest(y, folds=2, season_length=1)
    messages = [str(w.message) for w in caught if "MASE" in str(w.message)]
    # was: MASE NaN (MAE / 0, read as undefined) without a word
    assert len(messages) == 1
    assert messages[0].startswith("backtest: MASE is NaN for 'stock' at fold(s) 0 (2020-01-25): the training rows "
                                  "of the fold do not change from one season (1 step(s)) to the next")
    assert table["mase"].iloc[0].isna().all() and np.isfinite(table["mase"].iloc[1]).all()
    assert np.isfinite(table[["mae", "rmse", "smape"]].to_numpy()).all()  # the other metrics as usual


def test_F13_02_a_value_beyond_float32_once_scaled_is_refused_at_predict_by_column_and_time():
    y = pd.Series(np.random.default_rng(0).normal(10, 1, 30), name="load",
                  index=pd.date_range("2020-01-01", periods=30, freq="D"))
    model = tiny().fit(y)
    newer = y.copy()
    newer.iloc[-2] = 1e39  # a float64 value float32 cannot hold
    with pytest.raises(ValueError) as error:  # was: forecasts from an infinite input, without a word
        model.predict(data=newer)
    message = one_line(error)
    assert message.startswith("column 'load' holds 1e+39 (row 28, 2020-01-29), which the scaling fitted on the "
                              "training rows")
    assert "beyond float32's range" in message and "correct the value if it is wrong" in message
    X = pd.DataFrame({"promo": np.arange(30.0) % 2}, index=y.index)
    with_x = tiny().fit(y, X)
    ahead = pd.DataFrame({"promo": [0.0, 4e38, 1.0]}, index=pd.date_range("2020-01-31", periods=3, freq="D"))
    with pytest.raises(ValueError, match=r"known-future column 'promo' holds 4e\+38 \(at 2020-02-01\)"):
        with_x.predict(X=ahead)
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 30), "ds": np.tile(y.index, 2),
                          "y": np.r_[y.to_numpy(), y.to_numpy() + 5]})
    net = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct",
                                  random_state=0).fit(panel)
    panel.loc[58, "y"] = -1e39
    with pytest.raises(ValueError, match=r"^series 'b': column 'y' holds -1e\+39 \(row 28, 2020-01-29\)"):
        net.predict(data=panel)


def test_F13_03_resample_keeps_the_timestamps_grid_or_refuses_naming_it():
    def frame(index):
        return TimeSeriesFrame.from_pandas(pd.DataFrame({"v": np.arange(len(index), dtype=float)}, index=index))

    saturdays = frame(pd.date_range("2020-01-04", periods=6, freq="W-SAT"))
    with pytest.raises(ValueError) as error:  # was: every Saturday's value dated on the next Sunday
        saturdays.resample("W")
    assert one_line(error) == ("rule='W-SUN' is not the grid of the timestamps of 'index': 2020-01-04 (Saturday, "
                               "row 0) is not on it, so resampling would date its value 2020-01-05, and every other "
                               "date would move alike; the timestamps are all on the grid 'W-SAT': pass "
                               "rule='W-SAT'")
    assert (saturdays.resample("W-SAT").time == saturdays.time).all()
    half_past = pd.date_range("2020-01-01 00:30", periods=6, freq="h").delete(2)  # an hour missing
    out = frame(half_past).resample("h")
    # was: labelled on the hour, 00:00, 01:00, ...: every time moved by 30 minutes
    assert list(out.time) == list(pd.date_range("2020-01-01 00:30", periods=6, freq="h"))
    assert np.isnan(out.values[2, 0]) and out.values[3, 0] == 2.0
    ten_minutes = frame(pd.date_range("2020-01-01 00:10", periods=12, freq="10min"))
    assert list(ten_minutes.resample("h").values[:, 0]) == [2.0, 7.5, 11.0]  # aggregation as pandas bins it
    y = pd.Series(np.arange(47.0), index=pd.date_range("2020-01-01 00:30", periods=48, freq="h").delete(30))
    forecast = tiny(horizon=2).fit(y, freq="h").predict()
    assert list(forecast.index) == list(pd.date_range("2020-01-03 00:30", periods=2, freq="h"))


def danish_money() -> pd.Series:
    """statsmodels' danish_data: log real money (lrm), quarterly 1974Q1 .. 1987Q3 on quarter starts."""
    sm = pytest.importorskip("statsmodels.api")
    return sm.datasets.danish_data.load_pandas().data["lrm"]


def test_F13_04_predict_from_data_whose_last_quarters_are_missing_warns_as_fit_does():
    lrm = danish_money()
    model = tiny(horizon=2).fit(lrm.iloc[:-10])
    newer = lrm.copy()
    newer.iloc[-3:] = np.nan  # the last three quarters not reported yet
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict(data=newer)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    # was: forecasts of 1987Q4 .. from values carried forward over three quarters, without a word
    assert messages == ["Forecaster.predict: target 'lrm' is missing at its last 3 step(s) (1987-01-01 .. "
                        "1987-07-01), so the forecast of the steps after 1987-07-01 starts from values imputed by "
                        "impute='ffill', not from an observation (the last at 1986-10-01); to forecast from it, "
                        "drop the missing rows at the end (e.g. data.loc[:data.last_valid_index()])"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.predict(data=newer.loc[: newer.last_valid_index()])  # the fix taken: no warning
    assert not [w for w in caught if issubclass(w.category, UserWarning)]


def test_F13_05_a_classical_forecast_names_the_target_time_and_fix_of_a_missing_value():
    lrm = danish_money()
    model = rnnkit.Forecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, random_state=0)
    model.fit(lrm.iloc[:-10])
    model.components_ = ("drift",)  # the classical path alone, as model="auto" selects it on other series
    newer = lrm.copy()
    newer.iloc[-3:] = np.nan
    with pytest.raises(ValueError) as error:  # was: "the series has a missing value (NaN) at row 52; ..."
        model.predict(data=newer)
    assert one_line(error) == ("predict: target 'lrm' is missing (NaN) at row 52, 1987-01-01 (3 missing in all), "
                               "and the drift forecast of this model reads the series without gaps; drop the missing "
                               "rows at the end (data.loc[:data.last_valid_index()]) to forecast from the last "
                               "observation")
    newer = lrm.copy()
    newer.iloc[20] = np.nan
    with pytest.raises(ValueError, match=r"at row 20, 1979-01-01 \(1 missing in all\).*fill them first "
                                         r"\(data.interpolate\(\)\)$"):
        model.predict(data=newer)


def test_F13_06_elnino_a_year_per_row_and_a_month_per_column_is_warned_of_as_one_monthly_series():
    sm = pytest.importorskip("statsmodels.api")
    elnino = sm.datasets.elnino.load_pandas().data  # YEAR, JAN .. DEC: sea surface temperatures
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tiny(horizon=2).fit(elnino, time_col="YEAR")
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    # was: 12 yearly series fitted (each month's values along the years) without a word
    assert messages == ["Forecaster.fit: data's columns 'JAN' .. 'DEC' are the 12 months of a year and its rows "
                        "years (1950 .. 2010): one monthly series laid out as a table, which the Forecaster reads as "
                        "12 yearly series (each month's values forecast along the years); to forecast the monthly "
                        "series, give it as one column on months: y = pd.Series(data.loc[:, 'JAN':'DEC'].to_numpy()"
                        ".ravel(), index=pd.period_range('1950-01', periods=732, freq='M'))"]
    months = pd.period_range("1950-01", periods=732, freq="M")
    y = pd.Series(elnino.loc[:, "JAN":"DEC"].to_numpy().ravel(), index=months)  # the fix, as the warning gives it
    assert y["1951-02"] == elnino.loc[1, "FEB"]
    forecast = tiny(horizon=2).fit(y).predict()
    assert list(forecast.index.astype(str)) == ["2011-01", "2011-02"]


def test_F13_07_elnino_given_to_the_panel_is_told_it_is_one_monthly_series():
    sm = pytest.importorskip("statsmodels.api")
    elnino = sm.datasets.elnino.load_pandas().data
    panel = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1)
    with pytest.raises(ValueError) as error:  # was: "... it has ['YEAR', 'JAN', ...] (name them with id_col=, ...)"
        panel.fit(elnino)
    assert one_line(error) == ("the panel lacks the columns ['unique_id', 'ds', 'y']; it has a column per month "
                               "('JAN' .. 'DEC') on rows of years, as one monthly series laid out as a table has: "
                               "forecast it with rnnkit.Forecaster as one column on months, y = pd.Series(data.loc[:, "
                               "'JAN':'DEC'].to_numpy().ravel(), index=pd.period_range('1950-01', periods=732, "
                               "freq='M'))")
    with pytest.raises(ValueError, match=r"make it one column on months \(a row per year and month, in time order\)$"):
        panel.fit(elnino.drop(index=[5]))  # a year missing: no period_range to give


def test_F13_08_a_frame_read_from_a_csv_names_its_date_column_as_the_time_axis_to_pass(tmp_path):
    sm = pytest.importorskip("statsmodels.api")
    path = tmp_path / "danish.csv"
    sm.datasets.danish_data.load_pandas().data.to_csv(path)  # its index written as a column 'period'
    with pytest.raises(ValueError) as error:
        TimeSeriesFrame.from_csv(path)
    # was: "... it holds words (e.g. '1974-01-01'), a category, ...: encode it (e.g. pd.get_dummies(...))"
    assert one_line(error) == ("value column 'period' has dtype str; expected a numeric column: it holds dates as "
                               "text (e.g. '1974-01-01'): pass time_col='period' if it is the time axis, or leave it "
                               "out of value_cols")
    frame = TimeSeriesFrame.from_csv(path, time_col="period")
    assert frame.columns == ("lrm", "lry", "lpy", "ibo", "ide") and str(frame.time[-1].date()) == "1987-07-01"
    with pytest.raises(ValueError, match="it holds words \\(e.g. 'DK'\\), a category"):  # other text keeps its advice
        TimeSeriesFrame.from_pandas(pd.DataFrame({"country": ["DK"] * 3, "y": [1.0, 2.0, 3.0]}))


def test_F13_09_fit_y_x_with_x_running_past_y_is_told_to_give_those_rows_to_predict():
    sm = pytest.importorskip("statsmodels.api")
    danish = sm.datasets.danish_data.load_pandas().data
    y, X = danish["lrm"].iloc[:-2], danish[["ibo", "ide"]]  # the bond and deposit rates, two quarters further
    with pytest.raises(ValueError) as error:
        tiny(horizon=2).fit(y, X)
    # was: "X's index must equal y's (53 rows, ...); X has 55 rows, ...: give X one row per timestamp of y, ..."
    assert one_line(error) == ("fit(y, X): X runs 2 row(s) past y's end (1987-04-01 .. 1987-07-01, after "
                               "1987-01-01); fit reads X at y's times, fit(y, X.iloc[:53]), and the rows after y's "
                               "end are the forecast's: predict(X=X.iloc[53:])")
    forecast = tiny(horizon=2).fit(y, X.iloc[:53]).predict(X=X.iloc[53:])  # the advice taken
    assert list(forecast.index) == list(X.index[53:])
    other_rows = r"X holds y's 50 timestamps and 5 other row\(s\) .* fit\(y, X.loc\[y.index\]\)$"
    with pytest.raises(ValueError, match=other_rows):
        tiny(horizon=2).fit(y.iloc[3:], X)


def test_F13_10_weekly_periods_written_to_csv_by_pandas_are_read_back_as_weeks(tmp_path):
    sm = pytest.importorskip("statsmodels.api")
    co2 = sm.datasets.co2.load_pandas().data["co2"].iloc[:60].interpolate()  # weeks ending on Saturdays
    path = tmp_path / "co2.csv"
    co2.to_period("W-SAT").rename_axis("week").to_csv(path)  # '1958-03-23/1958-03-29', ...
    assert path.read_text().splitlines()[1].startswith("1958-03-23/1958-03-29,")
    # was: "time column 'week' could not be read as datetimes (Parsed string ... gives an invalid tzoffset ...)"
    frame = TimeSeriesFrame.from_csv(path, time_col="week")
    assert list(frame.time[:2]) == [pd.Timestamp("1958-03-23"), pd.Timestamp("1958-03-30")]  # each week's first day
    forecast = tiny(horizon=2).fit(pd.read_csv(path), time_col="week").predict()
    assert list(forecast.index) == [pd.Timestamp("1959-05-17"), pd.Timestamp("1959-05-24")]
    # was: "the index holds text that is not dates in one format ('1958-03-23/1958-03-29', ...); ..."
    by_index = tiny(horizon=2).fit(pd.read_csv(path, index_col="week")).predict()
    assert list(by_index.index) == list(forecast.index)
    from rnnkit.forecast.series import read_series_csv  # rnnkit forecast's reader: the weeks as the file writes them
    assert list(read_series_csv(path, time_column="week", target_column="co2").index.astype(str)[:1]) == \
        ["1958-03-23/1958-03-29"]


def test_F13_11_a_past_covariate_missing_at_its_last_quarters_is_warned_of_at_fit_and_predict():
    sm = pytest.importorskip("statsmodels.api")
    danish = sm.datasets.danish_data.load_pandas().data[["lrm", "lry"]]
    late = danish.copy()
    late.loc[late.index[-2:], "lry"] = np.nan  # real income not released yet for the last two quarters
    expected = ("covariate 'lry' is missing at its last 2 step(s) (1987-04-01 .. 1987-07-01), so the forecast of the "
                "steps after 1987-07-01 reads values of it imputed by impute='ffill', not observations (the last at "
                "1987-01-01); give its latest values if they are known, or drop the missing rows at the end (e.g. "
                "data.loc[:data['lry'].last_valid_index()]), or leave it out of data")
    for call in ("fit", "predict"):
        model = tiny(horizon=2) if call == "fit" else tiny(horizon=2).fit(danish.iloc[:-6], targets=["lrm"])
        with warnings.catch_warnings(record=True) as caught:  # was: the income carried forward, without a word
            warnings.simplefilter("always")
            model.fit(late, targets=["lrm"]) if call == "fit" else model.predict(data=late)
        messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
        assert messages == [f"Forecaster.{call}: {expected}"]
