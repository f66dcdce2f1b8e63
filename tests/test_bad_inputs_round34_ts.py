"""Round 34 of bad inputs to the time-series reading layer (T34-01 .. T34-06): time indexes as users bring them to
the Forecaster and TimeSeriesFrame: month labels written with a dot ('Jan. 2000') or in AP style ('Sept. 2000',
'March 2000'); periods resampled by freq= ('M' given 'ME', weeks given their own 'W-SUN', fiscal quarters 'Q-JUN'
given 'QS', financial years 'Y-JUN' given 'YS', cut by its bins); decimal years as R's time() writes them. Each
test fails on the commit before its fix."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import TimeSeriesFrame, calendar_features
from rnnkit.forecast import Forecaster

FAST = dict(model="direct", max_epochs=1, hidden_size=4, random_state=0)
MONTHS = pd.date_range("2000-01-01", periods=40, freq="MS")
AP = {1: "Jan.", 2: "Feb.", 3: "March", 4: "April", 5: "May", 6: "June", 7: "July", 8: "Aug.", 9: "Sept.",
      10: "Oct.", 11: "Nov.", 12: "Dec."}


def quiet_fit(forecaster, *args, **kwargs):
    with warnings.catch_warnings():  # text read as dates: warned of, not asserted here
        warnings.simplefilter("ignore", UserWarning)
        return forecaster.fit(*args, **kwargs)


def test_T34_01_month_labels_with_a_dot_or_in_ap_style_are_read_as_months():
    y = pd.Series(np.sin(np.arange(40.0) / 2), index=MONTHS.strftime("%b. %Y"))  # 'Jan. 2000', 'Feb. 2000', ...
    forecast = quiet_fit(Forecaster(horizon=2, **FAST), y).predict()  # was: "not dates in one format"
    assert list(forecast.index) == [pd.Timestamp("2003-05-01"), pd.Timestamp("2003-06-01")]
    ap = pd.Series(y.to_numpy(), index=[f"{AP[t.month]} {t.year}" for t in MONTHS])  # 'Sept. 2000', 'March 2000'
    assert list(quiet_fit(Forecaster(horizon=2, **FAST), ap).predict().index) == list(forecast.index)
    frame = TimeSeriesFrame.from_pandas(ap.rename_axis("month").reset_index(name="v"), time_col="month")
    assert (frame.time == MONTHS).all()  # read by the one reader of month labels, as the Forecaster reads them
    with pytest.raises(ValueError, match=r"^the index holds periods as text \('Jan\. 2000', 'Feb\. 2000', "):
        TimeSeriesFrame.from_pandas(y)  # was: "is neither dates nor numbers"
    months, _ = calendar_features(list(ap.index[:3]), features=("month",))
    assert np.allclose(months[:, 0], np.sin(2 * np.pi * np.arange(3) / 12), atol=1e-6)
    fix = (r"sort the rows first \(data\.sort_index\(key=lambda t: pd\.to_datetime\(t, format='mixed'\)\), not "
           r"data\.sort_index\(\), which sorts the text as words")
    with pytest.raises(ValueError, match=fix):
        quiet_fit(Forecaster(horizon=2, **FAST), ap.iloc[::-1])  # 'April 2003' before 'Apr. ...': no one format
    with pytest.raises(ValueError, match=r"data\.sort_index\(key=lambda t: pd\.to_datetime\(t, format='%b\. %Y'\)\)"):
        quiet_fit(Forecaster(horizon=2, **FAST), y.iloc[::-1])
    taken = ap.iloc[::-1].sort_index(key=lambda t: pd.to_datetime(t, format="mixed"))  # the fix, taken
    assert list(quiet_fit(Forecaster(horizon=2, **FAST), taken).predict().index) == list(forecast.index)


def series_of(periods: pd.PeriodIndex) -> pd.Series:
    return pd.Series(10 + np.sin(np.arange(len(periods)) / 2), index=periods)


def test_T34_02_periods_given_freq_ME_are_warned_of_as_periods_with_their_own_frequency_as_the_fix():
    y = series_of(pd.period_range("2000-01", periods=40, freq="M"))
    message = (r"^freq='ME': every timestamp stands for one of the 'M' periods given \(2000-01, 2000-02, \.\.\.\), "
               r"one to each bin of 'ME', and pandas dates those bins at their end, so each period becomes a timestamp "
               r"\(2000-01 becomes 2000-01-31\), as do the forecasts \(forecast\.index holds timestamps, not "
               r"periods\); for 'M' periods back, leave freq='ME' out, or pass freq='M' \(the periods' own "
               r"frequency\)$")
    with pytest.warns(UserWarning, match=message):  # was: "every timestamp lies 1 days after the start of its bin"
        forecast = Forecaster(horizon=2, **FAST).fit(y, freq="ME").predict()
    assert list(forecast.index) == [pd.Timestamp("2003-05-31"), pd.Timestamp("2003-06-30")]  # the choice kept
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # the fix taken: periods, without a word
        again = Forecaster(horizon=2, **FAST).fit(y, freq="M").predict()
    assert list(again.index) == list(pd.period_range("2003-05", periods=2, freq="M"))
    np.testing.assert_allclose(again.to_numpy(), forecast.to_numpy(), rtol=1e-6)
    quarters = series_of(pd.period_range("2000Q1", periods=40, freq="Q"))
    with pytest.warns(UserWarning, match=r"^freq='QE': every timestamp stands for one of the 'Q-DEC' periods given "
                                         r"\(2000Q1, .*, or pass freq='Q-DEC' \(the periods' own frequency\)$"):
        Forecaster(horizon=2, **FAST).fit(quarters, freq="QE")


def test_T34_03_weekly_periods_given_their_own_frequency_are_forecast_as_those_weeks():
    weeks = pd.period_range("2000-01-03", periods=40, freq="W-SUN")  # Monday .. Sunday
    y = series_of(weeks)
    plain = Forecaster(horizon=2, **FAST).fit(y).predict()
    assert list(plain.index) == list(pd.period_range("2000-10-09", periods=2, freq="W-SUN"))
    for freq in ("W-SUN", "W"):  # y.index.freqstr, and its alias, which pandas resamples into those weeks
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)  # was: "every timestamp lies 1 days after ..."
            forecaster = Forecaster(horizon=2, **FAST).fit(y, freq=freq)
        forecast = forecaster.predict()  # was: Sundays 2000-10-15, 2000-10-22 as timestamps
        assert list(forecast.index) == list(plain.index)
        np.testing.assert_allclose(forecast.to_numpy(), plain.to_numpy(), rtol=1e-6)
        assert list(forecaster.predict(data=y.iloc[:-3]).index) == list(weeks[-3:-1])
    column = y.rename_axis("week").reset_index(name="v")  # a time column of the weeks alike
    assert list(Forecaster(horizon=2, **FAST).fit(column, time_col="week", freq="W-SUN").predict().index) == \
        list(plain.index)


def test_T34_04_fiscal_quarters_resampled_onto_their_own_bins_keep_their_fiscal_labels():
    y = series_of(pd.period_range("2000-01", periods=40, freq="Q-JUN"))  # 2000Q3 (January .. March 2000), ...
    assert str(y.index[0]) == "2000Q3" and str(y.index[-1]) == "2010Q2"
    for freq in ("QS-JUL", "QS"):  # the same bins as the periods, dated by their first days
        forecast = Forecaster(horizon=2, **FAST).fit(y, freq=freq).predict()
        # was: Period('2010Q1', 'Q-DEC'), 2010Q2: the quarter the series calls 2010Q3 labelled as a calendar quarter
        assert list(forecast.index) == list(pd.period_range("2010Q3", periods=2, freq="Q-JUN"))
    months = series_of(pd.period_range("2000-01", periods=60, freq="M"))  # months onto quarters: calendar quarters
    assert list(Forecaster(horizon=2, **FAST).fit(months, freq="QS").predict().index) == \
        list(pd.period_range("2005Q1", periods=2, freq="Q-DEC"))


def test_T34_05_periods_cut_by_the_bins_of_freq_are_refused_not_dated_by_their_first_day():
    fiscal = series_of(pd.period_range("2000", periods=40, freq="Y-JUN"))  # 2000: July 1999 .. June 2000
    for freq, dated in (("YS", "1999-01-01"), ("YE", "1999-12-31")):
        message = (rf"^freq='{freq}' cuts the 'Y-JUN' periods of the index: 2000 \(1999-07-01 \.\. 2000-06-30\) "
                   rf"lies across two bins of '{freq}', so it would be dated {dated}, the bin of its first day, as 40 "
                   r"of the 40 periods would be \(pandas refuses to resample periods onto bins that cut them\); pass "
                   r"freq='Y-JUN' \(the periods' own\) or a grid whose bins hold whole periods \(freq='YS-JUL'\), or, "
                   r"to bin each period by its first day, give those days: data\.index = "
                   r"data\.index\.to_timestamp\(\)$")
        with pytest.raises(ValueError, match=message):  # was: forecasts 2039, 2040 ('Y-DEC'): each year a year early
            Forecaster(horizon=2, **FAST).fit(fiscal, freq=freq)
    taken = Forecaster(horizon=2, **FAST).fit(fiscal, freq="YS-JUL").predict()
    assert list(taken.index) == list(pd.period_range("2040", periods=2, freq="Y-JUN"))
    quarters = series_of(pd.period_range("2000Q1", periods=40, freq="Q-NOV"))  # 2000Q1: December 1999 .. February
    with pytest.raises(ValueError, match=r"^freq='QS' cuts the 'Q-NOV' periods of the index: 2000Q1 \(1999-12-01 "
                                         r"\.\. 2000-02-29\) lies across two bins of 'QS', so it would be dated "
                                         r"1999-10-01"):
        Forecaster(horizon=2, **FAST).fit(quarters, freq="QS")  # was: forecasts 2009Q4 ('Q-DEC'), the last quarter's
    weeks = series_of(pd.period_range("2000-01-03", periods=200, freq="W-SUN"))
    column = weeks.rename_axis("week").reset_index(name="v")
    with pytest.raises(ValueError, match=r"^freq='MS' cuts the 'W-SUN' periods of time column 'week': "
                                         r"2000-01-31/2000-02-06 lies across two bins of 'MS', .* 40 of the 200 "
                                         r"periods .*; to bin each period by its first day, give those days: "
                                         r"data\['week'\] = data\['week'\]\.dt\.to_timestamp\(\)$"):
        Forecaster(horizon=2, **FAST).fit(column, time_col="week", freq="MS")
    column["week"] = column["week"].dt.to_timestamp()  # the fix, taken: each week in the month of its Monday
    assert Forecaster(horizon=2, **FAST).fit(column, time_col="week", freq="MS").predict().index[0] == \
        pd.Timestamp("2003-11-01")


def test_T34_06_decimal_years_of_months_or_quarters_are_warned_of_as_a_calendar_read_as_numbers():
    rng = np.random.default_rng(0)
    monthly = 10 + 3 * np.sin(2 * np.pi * np.arange(72) / 12) + rng.normal(0, 0.3, 72)
    y = pd.Series(monthly, index=1949 + np.arange(72) / 12)  # R's time() of a monthly ts: 1949, 1949.0833, ...
    message = (r"^Forecaster\.fit: the index holds decimal years \(1949, 1949\.0833, \.\.\.: 12 steps a year, as R's "
               r"time\(\) writes a monthly ts\); read as numbers, they have no calendar, so no season of 12 steps is "
               r"looked for .* to forecast months, give them as periods, data\.index = pd\.period_range\('1949-01', "
               r"periods=len\(data\), freq='M'\), or pass season_length=12$")
    with pytest.warns(UserWarning, match=message):  # was: season_length_ 1 without a word
        forecaster = Forecaster(horizon=3, **FAST).fit(y)
    assert forecaster.season_length_ == 1
    taken = y.set_axis(pd.period_range("1949-01", periods=len(y), freq="M"))  # the fix, taken
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        forecaster = Forecaster(horizon=3, **FAST).fit(taken)
    assert forecaster.season_length_ == 12 and forecaster.predict().index[0] == pd.Period("1955-01", "M")
    panel = pd.DataFrame({"unique_id": "a", "ds": 1990.25 + np.arange(30) / 4, "y": np.arange(30.0)})
    with pytest.warns(UserWarning, match=r"^Forecaster\.fit: time column 'ds' holds decimal years \(1990\.25, 1990\.5, "
                                         r"\.\.\.: 4 steps a year, .*data\['ds'\] = pd\.PeriodIndex\.from_fields\("
                                         r"year=data\['ds'\]\.astype\(int\), quarter=\(data\['ds'\] % 1 \* 4\)"
                                         r"\.round\(\)\.astype\(int\) \+ 1, freq='Q'\), or pass season_length=4$"):
        Forecaster(horizon=2, **FAST).fit(panel.drop(columns="unique_id"), time_col="ds")
    quarters = pd.PeriodIndex.from_fields(year=panel["ds"].astype(int), quarter=(panel["ds"] % 1 * 4).round()
                                          .astype(int) + 1, freq="Q")  # the fix of a column, taken
    assert quarters[0] == pd.Period("1990Q2", "Q") and quarters[-1] == pd.Period("1997Q3", "Q")
    for years in (np.arange(1950, 1990), 1990 + np.arange(40) * 0.1, np.arange(40) / 4):  # not months or quarters
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            Forecaster(horizon=2, **FAST).fit(pd.Series(np.arange(40.0), index=years))
