"""Round 32, second pass, of bad inputs to the time-series utilities a practitioner builds windows with
(T32-09, T32-10) and a real panel no test had pushed through these paths (R32-05, R32-06): targets missing and
filled by the imputer without a mask, a CSV read with a (id, time) MultiIndex, statsmodels' grunfeld with one firm
ending early through the GlobalForecaster, seasonal differencing and scaling round trips and calendar features across
a clock change. The T32 tests fail on the commit before their fix; the R32 tests pin behaviour that was already
right."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import (
    Preprocessor,
    TimeSeriesFrame,
    WindowSpec,
    calendar_features,
    difference,
    split_by_time,
    undifference,
    window_datasets,
)
from rnnkit.forecast import GlobalForecaster


def _gappy_frame() -> TimeSeriesFrame:
    v = np.arange(30.0)
    v[10:13] = np.nan  # three days not reported
    return TimeSeriesFrame(v, columns=["y"], time=pd.date_range("2024-01-01", periods=30, freq="D"))


def test_T32_09_targets_filled_by_the_imputer_without_a_mask_are_said_to_be_trained_and_scored_on():
    frame = _gappy_frame()
    split = split_by_time(frame, val=0.2, test=0.2)
    with pytest.warns(UserWarning, match=r"^Preprocessor.transform: target 'y' is missing \(NaN\) at 3 row\(s\), the "
                                         r"first row 10 \(time 2024-01-11 00:00:00\), filled by impute='ffill';"
                                         r" windows whose targets fall there train and score on the filled values"
                                         r" as if observed \(a repeat of the last value.*pass mask=True"
                                         r" and multiply the loss and the errors by batch\['y_mask'\]$"):
        train, _, _ = window_datasets(frame, WindowSpec(5, 2), split, Preprocessor(impute="ffill"))
    y = train.inverse_transform(train.to_arrays()["y"])[:, :, 0]
    assert np.allclose(y[5], [9.0, 9.0], atol=1e-4)  # rows 10, 11: the value of row 9 served as targets
    with pytest.warns(UserWarning, match=r"filled by impute='mean'; .* as if observed; pass mask=True"):
        window_datasets(frame, WindowSpec(5, 2), split, Preprocessor(impute="mean"))
    with warnings.catch_warnings():  # with the mask the filled targets are marked: nothing to say
        warnings.simplefilter("error")
        train, _, _ = window_datasets(frame, WindowSpec(5, 2), split, Preprocessor(impute="ffill", mask=True))
    assert train.to_arrays()["y_mask"][5].ravel().tolist() == [0.0, 0.0]


def _grunfeld() -> pd.DataFrame:
    sm = pytest.importorskip("statsmodels.api")
    return sm.datasets.grunfeld.load_pandas().data


def test_T32_10_a_csv_read_with_an_id_and_time_multiindex_is_refused_as_a_panel_with_the_way_to_one_series(tmp_path):
    path = tmp_path / "panel.csv"
    pd.DataFrame({"id": ["a"] * 5 + ["b"] * 5, "time": [f"2024-01-0{d}" for d in range(1, 6)] * 2,
                  "y": np.arange(10.0)}).to_csv(path, index=False)
    panel = r"a panel of 2 series \('a', 'b'\) in level 'id' on times in level 'time'; take one series, " \
            r"TimeSeriesFrame.from_pandas\(data.xs\('a', level='id'\)\)"
    with pytest.raises(ValueError, match=r"^the index has 2 levels \['id', 'time'\] \(first row \(a, 2024-01-01 "
                                         r"00:00:00\)\), and a frame holds one series on one time axis: " + panel +
                                         r", or forecast them all at once with rnnkit.GlobalForecaster on "
                                         r"data.reset_index\(\)$"):
        TimeSeriesFrame.from_csv(path, index_col=["id", "time"], parse_dates=["time"])
    with pytest.raises(ValueError, match=panel + r" \(its times are text: read them as dates, e.g. "
                                                 r"pd.read_csv\(\.\.\., parse_dates=\['time'\]\)\)"):
        TimeSeriesFrame.from_csv(path, index_col=[0, 1])
    data = pd.read_csv(path, index_col=["id", "time"], parse_dates=["time"])
    one = TimeSeriesFrame.from_pandas(data.xs("a", level="id"))  # the fix given works
    assert one.values.ravel().tolist() == [0.0, 1.0, 2.0, 3.0, 4.0] and str(one.time[0]) == "2024-01-01 00:00:00"
    grunfeld = _grunfeld().set_index(["firm", "year"])[["invest"]]  # statsmodels' panel of firms by year
    with pytest.raises(ValueError, match=r"a panel of 11 series \('General Motors', 'US Steel', 'General Electric', "
                                         r"\.\.\.\) in level 'firm' on times in level 'year'"):
        TimeSeriesFrame.from_pandas(grunfeld)
    assert len(TimeSeriesFrame.from_pandas(grunfeld.xs("IBM", level="firm"))) == 20
    stores = pd.DataFrame({"store": [1, 1, 2, 2], "date": pd.to_datetime(["2024-01-01", "2024-01-02"] * 2),
                           "y": np.arange(4.0)}).set_index(["store", "date"])  # numbered series: the dates are the time
    with pytest.raises(ValueError, match=r"a panel of 2 series \(1, 2\) in level 'store' on times in level 'date'; "
                                         r"take one series, "
                                         r"TimeSeriesFrame.from_pandas\(data.xs\(1, level='store'\)\)"):
        TimeSeriesFrame.from_pandas(stores)


def test_R32_05_grunfeld_panel_with_a_firm_ending_early_forecasts_each_firm_after_its_own_last_year():
    data = _grunfeld()
    firms = data[data.firm.isin(["General Motors", "IBM", "Chrysler"])]
    firms = firms[~((firms.firm == "IBM") & (firms.year > 1950))]  # IBM reported up to 1950 only
    model = GlobalForecaster(lookback=4, horizon=2, model="direct", max_epochs=1, hidden_size=4, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'value' and 'capital' not read: said, and not what is pinned here
        model.fit(firms, id_col="firm", time_col="year", target="invest")
    pred = model.predict()
    years = pred.groupby("firm").year.apply(list).to_dict()
    assert years == {"Chrysler": [1955, 1956], "General Motors": [1955, 1956], "IBM": [1951, 1952]}
    assert np.isfinite(pred.invest).all() and (pred.groupby("firm").invest.mean().idxmax() == "General Motors")


def test_R32_06_seasonal_differencing_scaling_and_calendar_round_trips_read_right():
    x = np.arange(13.0) ** 2  # 13 monthly rows, lag 12: one difference
    d, head = difference(x, 12)
    assert d.tolist() == [144.0] and undifference(d, head).tolist() == [144.0]
    y = np.random.default_rng(0).normal(size=40).cumsum() + 100
    d, head = difference(y, 12)
    frame = TimeSeriesFrame(d, columns=["d"])
    prep = Preprocessor().fit(frame, range(0, 20))  # train rows only: the test rows' statistics are not read
    assert prep.center_[0] == pytest.approx(d[:20].mean()) and prep.scale_[0] == pytest.approx(d[:20].std())
    scaled = prep.transform(frame, WindowSpec(3, 1)).targets.astype(np.float64)
    back = undifference(prep.inverse_transform(scaled, ["d"])[:, 0], head)
    assert np.abs(back - y[12:]).max() < 1e-4  # float32 features: exact to float32's rounding
    berlin = pd.date_range("2024-03-30 23:00", periods=4, freq="h", tz="Europe/Berlin")  # 02:00 does not exist
    hour = calendar_features(berlin, ("hour",))[0]
    assert np.allclose(np.arctan2(hour[:, 0], hour[:, 1]) % (2 * np.pi) * 24 / (2 * np.pi), [23, 0, 1, 3])
    months = calendar_features(pd.period_range("2024-01", periods=3, freq="M"), ("month",))[0]
    assert np.allclose(months[:, 0], np.sin(2 * np.pi * np.arange(3) / 12))


def test_T32_11_a_csv_read_with_its_dates_as_text_in_the_index_is_refused_as_dates_with_the_ways_to_read_them(tmp_path):
    path = tmp_path / "daily.csv"
    pd.DataFrame({"day": [f"2024-01-{d:02d}" for d in range(1, 11)], "y": np.arange(10.0)}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"^the index holds dates as text \('2024-01-01', '2024-01-02', '2024-01-03', "
                                         r"\.\.\.\), and the time axis needs them as dates; read them as dates: a time "
                                         r"column, TimeSeriesFrame.from_pandas\(data.reset_index\(\), time_col='day'\)"
                                         r".*pd.read_csv\(\.\.\., index_col=0, parse_dates=True\)"):
        TimeSeriesFrame.from_csv(path, index_col=0)  # parse_dates forgotten
    data = pd.read_csv(path, index_col=0)
    frame = TimeSeriesFrame.from_pandas(data.reset_index(), time_col="day")  # the first fix given works
    assert str(frame.time[-1]) == "2024-01-10 00:00:00" and frame.values[-1, 0] == 9.0
    with pytest.raises(ValueError, match=r"^the index \(Index of dtype .*: 'k0', 'k1', 'k2', \.\.\.\) is neither"):
        TimeSeriesFrame.from_pandas(pd.Series(np.arange(3.0), index=["k0", "k1", "k2"]))  # words: as before
