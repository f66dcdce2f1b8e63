"""Round 40 (time columns as users' own sheets write them, the last round's left rows): quarters written year first
with two digits ('20Q1', '20-Q1'), months written YYYY.M with one digit (T40-01 ..)."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster
from rnnkit.forecast.series import as_frame


def _forecaster() -> Forecaster:
    return Forecaster(horizon=2, model="direct", lookback=4, hidden_size=4, max_epochs=1)


def _long_csv(path, labels) -> None:
    path.write_text("id,t,x,label\n" + "".join(f"{i},{lab},{k},{int(i == 'A')}\n" for i in "AB"
                                              for k, lab in enumerate(labels[::-1])))


# T40-01: quarters written year first with a two-digit year ('20Q1', '20-Q1'), as statistics offices' sheets do
@pytest.mark.parametrize("labels", [[f"{y}Q{q}" for y in (20, 21) for q in (1, 2, 3, 4)],
                                    [f"{y}-Q{q}" for y in (19, 20) for q in (1, 2, 3, 4)]])
def test_T40_01_quarters_written_year_first_with_two_digits_are_read(labels, tmp_path):
    y = pd.Series(np.arange(8.0), index=labels)
    model = _forecaster().fit(y)  # was: the index holds text that is not dates in one format ('20Q1', ...)
    assert model.freq_.startswith("QS")
    path = tmp_path / "long.csv"
    _long_csv(path, labels)
    table = read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: neither numbers ...
    assert np.asarray(table.X[0]).ravel().tolist() == [7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    frame = as_frame(pd.DataFrame({"t": labels, "y": np.arange(8.0)}), time_col="t")
    assert frame.time[0] == pd.Timestamp(f"20{labels[0][:2]}-01-01") and frame.time[4].month == 1


def test_T40_01_quarters_year_first_of_the_1900s_are_refused_with_a_fix_that_runs():
    data = pd.DataFrame({"t": [f"{y}Q{q}" for y in (49, 50) for q in (1, 2, 3, 4)], "y": np.arange(8.0)})
    with pytest.raises(ValueError, match=r"time column 't' writes years with two digits \('49Q1', \.\.\.\).*'49Q1' as "
                                         r"2049-01-01.*give them their century, data\['t'\] = np.where\(data\['t'\]"
                                         r"\.str\[:2\]"):
        TimeSeriesFrame.from_pandas(data, time_col="t")  # was: parse them ... format='...' (no format reads '49Q1')
    data["t"] = np.where(data["t"].str[:2].astype(int) > pd.Timestamp.now().year % 100, "19", "20") + data["t"]
    assert TimeSeriesFrame.from_pandas(data, time_col="t").time[0] == pd.Timestamp("1949-01-01")


def test_T40_01_gretl_quarters_of_two_digits_stay_unread():
    with pytest.raises(ValueError, match=r"time column 't' .*\('20:1', \.\.\.\)"):  # a time of day? not 2020Q1
        TimeSeriesFrame.from_pandas(pd.DataFrame({"t": ["20:1", "20:2", "20:3"], "y": [1.0, 2, 3]}), time_col="t")


# T40-02: months written YYYY.M with one digit (2015.1 .. 2015.9, 2015.10 .. 2015.12), which pandas reads as numbers
_MONTHS = [f"{y}.{m}" for y in (2015, 2016) for m in range(1, 13)][:15]


def test_T40_02_one_digit_months_in_a_long_csv_are_refused_not_called_duplicates(tmp_path):
    path = tmp_path / "long.csv"
    _long_csv(path, _MONTHS)
    with pytest.raises(ValueError, match=r"long.csv: the times of 't' look like months written YYYY.M \(2015.1 .. "
                                         r"2015.9, then 2015.10.*October \(2015.10\) the number 2015.1 of January.*"
                                         r"write them as months in the file \(2015-01 for 2015.1, 2015-10"):
        read_sequences(path, id_column="id", time_column="t", target_column="label")  # was: time 2015.1 more than once


def test_T40_02_one_digit_months_as_numbers_are_refused_with_a_fix_that_runs(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("month,sales\n" + "".join(f"{m},{k}\n" for k, m in enumerate(_MONTHS)))
    y = pd.read_csv(path, index_col="month")["sales"].astype(float)
    with pytest.raises(ValueError, match=r"the times of 'month' look like months written YYYY.M.*read them as text.*"
                                         r"dtype=\{'month': str\}.*pd.to_datetime\(times, format='%Y.%m'\)"):
        _forecaster().fit(y)  # was: starts over ... several series stacked one after another?
    with pytest.raises(ValueError, match=r"look like months written YYYY.M"):
        TimeSeriesFrame.from_pandas(y.reset_index(), time_col="month")
    y = pd.read_csv(path, index_col="month", dtype={"month": str})["sales"].astype(float)
    y.index = pd.to_datetime(y.index, format="%Y.%m")
    assert _forecaster().fit(y).freq_ == "MS"


@pytest.mark.parametrize("times", [[2015.1, 2015.2, 2015.3, 2015.4, 2015.5],  # tenths
                                   [1999.9, 2000.0, 2000.1, 2000.2, 2000.3],
                                   [2015.0, 2015.25, 2015.5, 2015.75, 2016.0],  # decimal years
                                   [2015.1, 2015.11, 2015.12, 2015.13, 2015.14]])  # hundredths
def test_T40_02_tenths_hundredths_and_decimal_years_stay_numbers(times):
    frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"t": times, "y": np.arange(5.0)}), time_col="t")
    assert np.allclose(frame.time, times)
