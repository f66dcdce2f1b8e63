"""Round 37, second pass (time series read from CSV files): a header naming a column twice and dates that
``parse_dates`` reads month-first, given to ``TimeSeriesFrame.from_csv`` (T37-11, T37-12)."""

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.timeseries import TimeSeriesFrame


# T37-11: a header naming a column twice (two exports pasted side by side), which pandas renames 'sales.1'
def test_t37_11_a_header_naming_a_column_twice_is_refused(tmp_path):
    path = tmp_path / "sales.csv"
    path.write_text("date,sales,sales\n2020-01-01,1,10\n2020-01-02,2,20\n2020-01-03,3,30\n")
    with pytest.raises(ValueError, match=r"sales.csv: the header names column 'sales' twice \(columns 2 and 3\); "
                                         r"give every column its own name"):
        TimeSeriesFrame.from_csv(path, time_col="date")  # was read as 'sales' and 'sales.1', a name never written
    path.write_text("date;sales;sales\n2020-01-01;1;10\n2020-01-02;2;20\n")
    with pytest.raises(ValueError, match=r"names column 'sales' twice"):
        TimeSeriesFrame.from_csv(path, time_col="date", sep=";")
    frame = TimeSeriesFrame.from_csv(path, time_col="date", sep=";", names=["date", "sales", "returns"], header=0)
    assert frame.columns == ("sales", "returns")  # names= given: the user's own names


# T37-12: day-first dates of each month's 1st read by pd.read_csv's parse_dates, which guesses month-first
@pytest.mark.parametrize("options", [{"time_col": "date", "parse_dates": ["date"]},
                                     {"index_col": 0, "parse_dates": True}])
def test_t37_12_dates_parse_dates_reads_month_first_are_refused(tmp_path, options):
    path = tmp_path / "monthly.csv"
    path.write_text("date,v\n" + "".join(f"01/{m:02d}/2020,{m}\n" for m in range(1, 7)))  # 1 January .. 1 June
    with pytest.raises(ValueError, match=r"read by parse_dates month-first, holds dates that read two ways "
                                         r"\(%m/%d/%Y or %d/%m/%Y.*give from_csv that format as date_format="):
        TimeSeriesFrame.from_csv(path, **options)  # was read as 1 .. 6 January, silently
    frame = TimeSeriesFrame.from_csv(path, **options, date_format="%d/%m/%Y")
    assert list(frame.time) == list(pd.date_range("2020-01-01", periods=6, freq="MS"))
    assert frame.values[:, 0].tolist() == list(np.arange(1.0, 7.0))


def test_t37_12_iso_dates_and_dates_that_tell_their_order_are_read(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text("date,v\n2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n")
    assert len(TimeSeriesFrame.from_csv(path, index_col=0, parse_dates=True)) == 3
    path.write_text("date,v\n12/30/2020,1\n12/31/2020,2\n")  # month-first: 30 and 31 tell
    frame = TimeSeriesFrame.from_csv(path, time_col="date", parse_dates=["date"])
    assert list(frame.time.strftime("%Y-%m-%d")) == ["2020-12-30", "2020-12-31"]


# T37-13: two-digit years read by parse_dates (pandas reads 00 .. 68 as 2000 .. 2068)
@pytest.mark.parametrize("cells, fmt", [(["01/31/49", "02/28/49", "03/31/49"], "%m/%d/%y"),
                                        (["Jan-49", "Feb-49", "Mar-49"], "%b-%y")])
@pytest.mark.parametrize("options", [{"time_col": "date", "parse_dates": ["date"]},
                                     {"index_col": 0, "parse_dates": True}])
def test_t37_13_two_digit_years_read_by_parse_dates_are_refused(tmp_path, cells, fmt, options):
    path = tmp_path / "airline.csv"
    path.write_text("date,v\n" + "".join(f"{c},{k}\n" for k, c in enumerate(cells)))
    with pytest.raises(ValueError, match=rf"read by parse_dates, writes years with two digits \({cells[0]!r}, ...\).*"
                                         rf"as 2049-.*format={fmt!r}.*1949 for {cells[0]!r}"):
        TimeSeriesFrame.from_csv(path, **options)  # was read in 2049 .. , without a word


# T37-14: short day-first dates that parse_dates reads one by one ('11/01/24' as 1 November, '13/01/24' as 13 January)
@pytest.mark.parametrize("options", [{"time_col": "date", "parse_dates": ["date"]},
                                     {"index_col": 0, "parse_dates": True}])
def test_t37_14_dates_parse_dates_reads_one_by_one_are_refused(tmp_path, options):
    path = tmp_path / "daily.csv"
    path.write_text("date,v\n11/01/24,1\n12/01/24,2\n13/01/24,3\n14/01/24,4\n")
    with pytest.raises(ValueError, match=r"read by parse_dates, reads '11/01/24' as 2024-11-01, where '%d/%m/%y', the "
                                         r"one format that fits every date, reads 2024-01-11.*date_format='%d/%m/%y'"):
        TimeSeriesFrame.from_csv(path, **options)  # was: not increasing, sort the rows first (which scrambles them)
    frame = TimeSeriesFrame.from_csv(path, **options, date_format="%d/%m/%y")
    assert list(frame.time) == list(pd.date_range("2024-01-11", periods=4))
    path.write_text("date,v\n01/02/24,1\n15/02/24,2\n28/02/24,3\n")  # read 2 January, 15 and 28 February: in order
    with pytest.raises(ValueError, match=r"reads '01/02/24' as 2024-01-02, where '%d/%m/%y'.* reads 2024-02-01"):
        TimeSeriesFrame.from_csv(path, **options)  # was read so, without a word


# T37-15: day-first dates that parse_dates leaves as text in the index (it guessed month-first from the first)
def test_t37_15_an_index_parse_dates_left_as_text_is_read_as_a_time_column_is(tmp_path):
    path = tmp_path / "daily.csv"
    path.write_text("date,v\n11/01/2024,1\n12/01/2024,2\n13/01/2024,3\n")
    frame = TimeSeriesFrame.from_csv(path, index_col=0, parse_dates=True)  # was: the index holds dates as text; ...
    assert list(frame.time) == list(pd.date_range("2024-01-11", periods=3))  # pd.read_csv(..., parse_dates=True)
    assert list(frame.time) == list(TimeSeriesFrame.from_csv(path, time_col="date").time)


@pytest.mark.parametrize("index_col", [None, 0, False])
def test_parse_dates_check_rereads_the_date_column_as_written_beside_an_index_col(tmp_path, index_col):
    path = tmp_path / "daily.csv"  # the check re-reads the date columns alone only where no index_col shifts them
    path.write_text("n,date,v\n1,Jan-49,1\n2,Feb-49,2\n3,Mar-49,3\n")
    with pytest.raises(ValueError, match=r"column 'date', read by parse_dates, writes years with two digits .*"
                                         r"format='%b-%y'"):
        TimeSeriesFrame.from_csv(path, index_col=index_col, parse_dates=["date"], time_col="date")


# T37-16: a Series whose every cell is a number with a mark (a unit, accounts' parentheses, spaced thousands)
@pytest.mark.parametrize("cells, fix, expected", [
    (["12 kg", "13 kg", "11 kg", "10 kg"], r"data = pd.to_numeric\(data.str.replace\(r'\\s\*kg\$'", [12, 13, 11, 10]),
    (["(35)", "(10)", "(5)", "12"], r"data = pd.to_numeric\(data.str.replace\(r'\^\\\(\(\.\*\)\\\)\$'",
     [-35, -10, -5, 12])])
def test_t37_16_a_series_of_marked_numbers_is_named_as_the_series(cells, fix, expected):
    from rnnkit.forecast import Forecaster

    data = pd.Series(cells * 10, index=pd.date_range("2020-01-01", periods=40), name="y")
    with pytest.raises(ValueError, match=rf"^the Series 'y' has dtype .*convert it, {fix}") as caught:
        Forecaster(horizon=2).fit(data)  # was: "value column 'y' ... pd.to_numeric(df['y']...), or drop it
        # (data.drop(columns=['y']) ...", which a Series has not
    assert "drop(columns" not in str(caught.value)
    exec(str(caught.value).split("convert it, ")[1], {"pd": pd}, scope := {"data": data})
    assert scope["data"].dtype.kind == "i" or scope["data"].dtype.kind == "f"
    assert scope["data"].tolist() == expected * 10  # the advised fix keeps each number, and its sign


# T37-17: a spreadsheet's totals row under the dates ('Total', 'Summe'), or another word among them
@pytest.mark.parametrize("word, total", [("Total", True), ("Summe:", True), ("unknown", False)])
def test_t37_17_words_among_the_dates_are_named_with_the_rows_to_drop(tmp_path, word, total):
    path = tmp_path / "sales.csv"
    path.write_text(f"date,sales\n2024-01-01,10\n2024-01-02,12\n2024-01-03,11\n{word},33\n")
    with pytest.raises(ValueError, match=rf"time column 'date' holds dates but for 1 cell\(s\) with no date, the first "
                                         rf"{word!r} at row 3{' .a spreadsheet.s totals row' if total else ''}.*"
                                         rf"drop those rows first, data = data\[~data\['date'\].isin"):
        TimeSeriesFrame.from_csv(path, time_col="date")  # was: could not be read as datetimes (time data "Total" ...)
    data = pd.read_csv(path)
    data = data[~data["date"].isin([word])]  # the fix named
    assert TimeSeriesFrame.from_pandas(data, time_col="date").values[:, 0].tolist() == [10.0, 12.0, 11.0]
