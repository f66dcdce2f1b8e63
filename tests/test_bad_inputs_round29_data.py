"""Twenty-ninth round: real data sets no test had used, brought to the forecasters and the table readers as their
libraries hand them out: sktime's bundled .tsf files (``load_tsf_to_dataframe``: a MultiIndex panel, or a row per
series), vega's cars and la_riots (a row per record at repeated times), vega's barley (a panel on integer years).

One test per case of the catalogue (ids D29-01, D29-02, ...); each fails on the commit before its fix.
"""

import os
import re
import warnings

import pandas as pd
import pytest
from helpers import cli_error, one_line, tiny_forecaster

import rnnkit

sktime_datasets = pytest.importorskip("sktime.datasets")


def tiny_global(**params) -> rnnkit.GlobalForecaster:
    """A GlobalForecaster of one epoch of a 4-unit net, the net alone; ``params`` override."""
    return rnnkit.GlobalForecaster(**{"horizon": 1, "lookback": 2, "hidden_size": 4, "max_epochs": 1,
                                      "model": "direct", "quantiles": None, "random_state": 0, **params})


def tsf(name: str, return_type: str = "pd_multiindex_hier"):
    """One of sktime's bundled .tsf test files (three yearly series of 3, 5 and 7 values), as its loader gives it."""
    path = os.path.join(os.path.dirname(sktime_datasets.__file__), "data", "UnitTest", name)
    return sktime_datasets.load_tsf_to_dataframe(path, return_type=return_type)[0]


def test_D29_01_a_multiindex_panel_is_told_to_name_its_levels_not_columns():
    # load_tsf_to_dataframe's panel: ids and times are index levels, the one column is 'series_value'; the message
    # said "(name them with id_col=, time_col=, target=, ...)", and naming them was refused in turn (not columns)
    panel = tsf("UnitTest_Tsf_Loader.tsf")
    with pytest.raises(ValueError) as e:
        tiny_global().fit(panel)
    assert one_line(e) == (
        "the panel lacks the columns ['unique_id', 'ds', 'y']; it has ['series_value'], on a MultiIndex of the "
        "levels ['series_name', 'timestamp'] that holds the series ids and the times (as sktime's panels do): move "
        "them to columns and name them, fit(data.reset_index(), id_col='series_name', time_col='timestamp', "
        "target='series_value')")
    forecast = tiny_global().fit(panel.reset_index(), id_col="series_name", time_col="timestamp",
                                 target="series_value").predict()  # the fix, as the message gives it
    assert forecast["timestamp"].dt.year.tolist() == [1986, 1982, 1978]  # each series' next year
    # a hierarchy (series_group, series_name, timestamp): the last id level names the series where it alone can
    with pytest.raises(ValueError) as e:
        tiny_global().fit(tsf("UnitTest_Tsf_Loader_hierarchical.tsf"))
    assert one_line(e).endswith("fit(data.reset_index(), id_col='series_name', time_col='timestamp', "
                                "target='series_value') ('series_name' alone tells the series apart)")
    # ... and where it cannot, the levels are joined (product groups of the same name under two product lines)
    sales = sktime_datasets.load_hierarchical_sales_toydata()  # (Food preparation: Hobs, Ovens), (...: Freezers, ...)
    same = sales.rename(index={"Freezers": "Hobs", "Fridges": "Ovens"}, level="Product group")
    with pytest.raises(ValueError) as e:
        tiny_global().fit(same)
    assert one_line(e).endswith(
        "the series are named by the 2 levels ['Product line', 'Product group'] together, so join them into one id "
        "column: data = data.reset_index(); data['Product group'] = data['Product line'].astype(str) + '/' + "
        "data['Product group'].astype(str); then fit(data, id_col='Product group', time_col='Date', target='Sales')")


def test_D29_02_a_series_per_row_as_a_tsf_file_reads_is_told_to_make_it_long():
    # load_tsf_to_dataframe(return_type='default_tsf'): a row per series, its values a pandas array in one cell.
    # The GlobalForecaster's refusal printed the array's repr over 4 lines and advised pd.to_numeric; the Forecaster
    # (indexed by the start times) crashed in pandas (TypeError: unhashable type: 'NumpyExtensionArray'), or
    # told to take the start times for its time axis
    rows = tsf("UnitTest_Tsf_Loader.tsf", "default_tsf")
    held = ("holds a sequence at each row ([25092.2284, 24271.5134, 25828.9883] at row 0, 3 to 7 values), a whole "
            "series per row as a .tsf file or an sktime nested frame has, not one number per time: make it long, a "
            "row per step, e.g. df = df.explode('series_value', ignore_index=True).astype({'series_value': float}); "
            "df['step'] = df.groupby(id_column).cumcount() as its time; sktime's load_tsf_to_dataframe(path, "
            "return_type='pd_multiindex_hier').reset_index() gives it long, with its times")
    with pytest.raises(ValueError) as e:
        tiny_global().fit(rows, id_col="series_name", time_col="start_timestamp", target="series_value")
    assert one_line(e) == f"series 'T1', row 0: column 'series_value' {held}"
    for data in (rows, rows.set_index("start_timestamp")[["series_value"]]):
        with pytest.raises(ValueError) as e:
            tiny_forecaster(lookback=2, horizon=1).fit(data)
        assert one_line(e) == (
            f"column 'series_value' {held}; the Forecaster reads one series down the rows: forecast one row's, "
            "fit(pd.Series(data['series_value'].iloc[0], dtype=float)), or the long panel with "
            "rnnkit.GlobalForecaster")
    # the fixes, as the messages give them
    df = rows.explode("series_value", ignore_index=True).astype({"series_value": float})
    df["step"] = df.groupby("series_name").cumcount()
    forecast = tiny_global().fit(df, id_col="series_name", time_col="step", target="series_value").predict()
    assert forecast["step"].tolist() == [7, 3, 5]  # after each series' own 7, 3 and 5 values
    one = pd.Series(rows["series_value"].iloc[0], dtype=float)
    assert tiny_forecaster(lookback=2, horizon=1).fit(one).predict().index.tolist() == [7]


def test_D29_03_rows_of_records_at_repeated_times_are_told_to_aggregate_not_taken_for_a_panel(tmp_path):
    # vega's cars: a row per car model, its model year and origin; vega's la_riots: a row per death, its date. The
    # names told the rows apart, and were taken for the ids of a long panel of 311 (58) series of a row or two each:
    # "data looks like a long panel of 311 series: column 'Name' holds series ids ...", "the file looks like 311
    # series in one", "each id of 'Origin' holds several series, one per 'Name': give each its own id ..."
    from rnnkit.forecast.series import read_series_csv

    vega = pytest.importorskip("vega_datasets").local_data
    cars = vega.cars()
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(cars.set_index("Year"))
    assert one_line(e) == (
        "the index has a duplicate timestamp 1970-01-01 00:00:00 at rows 0 and 1; aggregate duplicates first "
        "(data.groupby(level=0).mean(numeric_only=True), or keep one of each: "
        "data[~data.index.duplicated(keep='last')])")  # a mean of its text columns fails in pandas
    with pytest.raises(ValueError) as e:
        tiny_global().fit(cars, id_col="Origin", time_col="Year", target="Miles_per_Gallon")
    assert one_line(e) == (
        "series 'USA' has the time 1970-01-01 00:00:00 twice (rows 0 and 1); they differ in column 'Name' "
        "('chevrolet chevelle malibu', 'buick skylark 320'), which names no series of several rows within an id, as "
        "rows of records have (several at one time): aggregate them to one row per (id, time), e.g. "
        "data.groupby(['Origin', 'Year'], as_index=False)['Miles_per_Gallon'].mean(); to count them, "
        "data.set_index('Year').groupby('Origin').resample('YS-JAN').size().rename('count').reset_index() gives 0 to "
        "a step without any")
    mean = cars.groupby(["Origin", "Year"], as_index=False)["Miles_per_Gallon"].mean()  # the fix: 3 series of 12
    assert mean.groupby("Origin").size().tolist() == [12, 12, 12]
    cars.to_csv(tmp_path / "cars.csv", index=False)
    with pytest.raises(ValueError) as e:
        read_series_csv(tmp_path / "cars.csv", time_column="Year", target_column="Miles_per_Gallon")
    assert one_line(e) == (
        f"{tmp_path / 'cars.csv'}: the time column 'Year' repeats at line 3 ('1970-01-01' after '1970-01-01' on line "
        "2); the times repeat ('1982-01-01' is on 61 rows) and no column names series of several rows: the rows are "
        "records, several at a time, and rnnkit forecast reads one row per timestamp, in increasing order: aggregate "
        "them per time into a new CSV, e.g. df.groupby('Year', as_index=False)['Miles_per_Gallon'].mean()"
        ".to_csv(new_path, index=False); to count them, pd.read_csv(path, parse_dates=['Year']).set_index('Year')"
        ".resample('YS-JAN').size().rename('count').to_csv(new_path) gives 0 to a step without any")
    vega.la_riots().to_csv(tmp_path / "riots.csv", index=False)  # sorted by name: the dates go back
    with pytest.raises(ValueError) as e:
        read_series_csv(tmp_path / "riots.csv", time_column="death_date", target_column="age")
    assert "line 4); the times repeat ('1992-04-30' is on 28 rows) and no column names series" in one_line(e)
    path = tmp_path / "riots.csv"  # the count, as the message gives it: a day without a death counts 0
    pd.read_csv(path, parse_dates=['death_date']).set_index('death_date').resample('D').size().rename('count').to_csv(
        tmp_path / "deaths.csv")
    deaths = read_series_csv(tmp_path / "deaths.csv", time_column="death_date", target_column="count")["count"]
    assert (len(deaths), deaths.sum(), deaths["1992-05-04"]) == (575, 63, 0)
    # a panel's ids still name the panel: vega's stocks, a row per (symbol, date)
    stocks = vega.stocks()
    with pytest.raises(ValueError, match="data looks like a long panel of 5 series: column 'symbol' holds series"):
        tiny_forecaster().fit(stocks.set_index("date"))
    stocks.to_csv(tmp_path / "stocks.csv", index=False)
    with pytest.raises(ValueError, match="the file looks like 5 series in one"):
        read_series_csv(tmp_path / "stocks.csv", time_column="date", target_column="price")


def test_D29_04_a_panel_on_integer_years_names_its_years_as_written_not_as_floats():
    # vega's barley: yields of 10 varieties at 6 sites in 1931 and 1932 (int64 years). The refusals named
    # "the time 1931.0", "row 60 (1931.0)" and "1934.0 follows 1932.0, a step of 2.0", floats the user never wrote
    barley = pytest.importorskip("vega_datasets").local_data.barley()
    with pytest.raises(ValueError, match=r"^series 'Manchuria' has the time 1931 twice \(rows 0 and 1\); they differ "
                                         r"in column 'site' \('University Farm', 'Waseca'\), so each id of 'variety' "
                                         r"holds several series, one per 'site'"):
        tiny_global(lookback=1).fit(barley, id_col="variety", time_col="year", target="yield")
    barley["id"] = barley["variety"] + "/" + barley["site"]
    with pytest.raises(ValueError) as e:
        tiny_global(lookback=1).fit(barley.iloc[::-1], id_col="id", time_col="year", target="yield")
    assert one_line(e) == ("series 'Wisconsin No. 38/Duluth' is not in time order: row 60 (1931) comes after row 0 "
                           "(1932); sort the panel by id and time (df.sort_values(['id', 'year']))")
    later = pd.concat([barley, barley[barley["year"] == 1932].assign(year=1934)])  # a third year, 1933 skipped
    with pytest.raises(ValueError) as e:
        tiny_global(lookback=1).fit(later, id_col="id", time_col="year", target="yield")
    assert one_line(e) == (
        "series 'Manchuria/University Farm' (its 3-th row, 1934, is off the grid of its first steps): the numeric "
        "time column 'year' is not evenly spaced (steps from 1 to 2; 1934 follows 1932, a step of 2 where the first "
        "is 1); put the series on a regular grid first")
    one = later[later["id"] == "Manchuria/University Farm"].set_index("year")["yield"]
    with pytest.raises(ValueError, match=r"\(steps from 1 to 2; 1934 follows 1932, a step of 2 where the first is 1\)"):
        tiny_forecaster(lookback=1, horizon=1).fit(one)
    halves = pd.Series([1.0, 2.0, 3.0, 4.0], index=[0.5, 1.0, 1.5, 2.5])  # other numbers as they are
    with pytest.raises(ValueError, match=r"\(steps from 0.5 to 1; 2.5 follows 1.5, a step of 1 where the first is"):
        tiny_forecaster(lookback=1, horizon=1).fit(halves)


def test_D29_05_a_csv_of_series_printed_in_cells_is_told_to_write_them_long(tmp_path, capsys):
    # to_csv of a frame holding a series per cell (sktime's nested_univ, a .tsf file's default_tsf) writes pandas'
    # printout of each. rnnkit train quoted the whole printout, 24 values and its dtype line, and said "convert or
    # drop them"; rnnkit forecast quoted the array's and said "write numbers"
    from rnnkit.forecast.series import read_series_csv

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = sktime_datasets.load_italy_power_demand(split="train", return_type="nested_univ")
    X.assign(target=y).head(10).to_csv(tmp_path / "nested.csv", index=False)
    advice = ("as to_csv writes a cell that held a Series or an array (an sktime nested frame, a .tsf file read by "
              "sktime), not one number per time; the values cannot be read back from it (pandas shortens long "
              "printouts): write the data long, a row per step, before to_csv, e.g. sktime's convert_to(X, "
              "'pd-multiindex').reset_index() of a nested frame, or load_tsf_to_dataframe(path, "
              "return_type='pd_multiindex_hier').reset_index()")
    message = cli_error(["train", tmp_path / "nested.csv", "--layout", "wide", "--task", "classify", "--out",
                         tmp_path / "m", "--epochs", "1"], capsys)
    assert message.startswith(f"rnnkit train: error: {tmp_path / 'nested.csv'}, line 2: feature column 'dim_0' holds "
                              "pandas' printout of a whole series at each row (")
    assert re.search(r"'dtype: float64', \d+ lines, the first\), ", message)  # as many as pandas' display.max_rows
    assert message.endswith(advice)
    tsf("UnitTest_Tsf_Loader.tsf", "default_tsf").to_csv(tmp_path / "tsf.csv", index=False)
    with pytest.raises(ValueError) as e:
        read_series_csv(tmp_path / "tsf.csv", time_column="start_timestamp", target_column="series_value")
    head, tail = one_line(e).split(" lines, the first), ")  # the array's lines: as wide as pandas' display.width
    assert re.fullmatch(f"{re.escape(str(tmp_path / 'tsf.csv'))}, line 2: column 'series_value' holds pandas' "
                        r"printout of a whole series at each row \('<NumpyExtensionArray>' \.\. 'Length: 7, dtype: "
                        r"float64', \d+", head) and tail == advice
    sktime_datatypes = pytest.importorskip("sktime.datatypes")  # the fix, as the message gives it
    long = sktime_datatypes.convert_to(X, "pd-multiindex").reset_index()
    assert long.shape == (len(X) * 24, 3) and long["dim_0"].dtype == float
