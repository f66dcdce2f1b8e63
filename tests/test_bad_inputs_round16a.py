"""Sixteenth round (16a): the forms of CSV that A15-05..07 named in rnnkit forecast, now in every command that
reads a table; readings moved by resampling onto a rule of a day or longer, warned of in one place; the file
forms that UCR/UEA data sets and other tools come in.

One test per case of the catalogue (ids R16-01, R16-02, ...); each fails on the commit before its fix.
"""


import numpy as np
import pandas as pd
import pytest
from helpers import user_warnings as said

import rnnkit
from rnnkit.data.timeseries import TimeSeriesFrame

pm = pytest.importorskip("pmdarima.datasets")

FAST = ["--epochs", "1", "--hidden-size", "4", "--test-fraction", "0"]


def airpassengers(n: int) -> np.ndarray:
    return pm.load_airpassengers()[:n].astype(float)


def long_rows() -> list[tuple]:
    """Airpassengers in tens as four sequences, a year each: (id, month, passengers, label)."""
    a = airpassengers(48) * 10
    return [(f"y{1949 + k}", f"{1949 + k}-{m + 1:02d}-01", a[12 * k + m], "up" if k % 2 else "down")
            for k in range(4) for m in range(12)]


def write(path, rows, cell) -> None:
    path.write_text("id,month,passengers,label\n" + "".join(f"{i},{m},{cell(v)},{y}\n" for i, m, v, y in rows))


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A model trained on the plain file, for evaluate and predict."""
    from rnnkit.cli import main

    folder = tmp_path_factory.mktemp("r16")
    write(folder / "plain.csv", long_rows(), lambda v: f"{v:.0f}")
    assert main(["train", str(folder / "plain.csv"), "--task", "classify", "--time-column", "month",
                 "--target-column", "label", "--out", str(folder / "model"), *FAST]) == 0
    return folder / "model"


def every_command(cli_error, model, data, tmp_path) -> list[str]:
    """The one-line errors of train, evaluate and predict on ``data``, less their command's name."""
    said = [cli_error(["train", data, "--task", "classify", "--time-column", "month", "--target-column", "label",
                       "--out", tmp_path / "m", *FAST]),
            cli_error(["evaluate", model, data]), cli_error(["predict", model, data])]
    return [line.split(": error: ", 1)[1] for line in said]


def test_R16_01_an_unquoted_thousands_separator_is_refused_by_train_evaluate_and_predict(tmp_path, cli_error, model):
    # was: pandas read each line's first field as an index, and train wrote a model on the shifted columns
    data = tmp_path / "thousands.csv"
    write(data, long_rows(), lambda v: f"{v:,.0f}")
    assert every_command(cli_error, model, data, tmp_path) == 3 * [
        f"{data}: line 2 has 5 fields ('y1949,1949-01-01,1,120,down') but the header names 4 column(s): '1,120' looks "
        "like one number written with a thousands separator, which the comma splits in two; save the file again with "
        "numbers written without one (1120)"]
    assert not (tmp_path / "m").exists()
    some = tmp_path / "some.csv"  # airpassengers times 5: only the months of 1,000 or more split, from line 43 on
    write(some, [(i, m, v / 2, y) for i, m, v, y in long_rows()], lambda v: f"{v:,.0f}")
    # was: "line 43 has 5 values but the header names 4 columns; remove the extra separator (...)"
    assert every_command(cli_error, model, some, tmp_path) == 3 * [
        f"{some}: line 43 has 5 fields ('y1952,1952-06-01,1,090,up') but the header names 4 column(s): '1,090' looks "
        "like one number written with a thousands separator, which the comma splits in two; save the file again "
        "with numbers written without one (1090)"]


def test_R16_02_quoted_numbers_with_a_thousands_separator_or_a_decimal_comma_name_the_reading(tmp_path, cli_error,
                                                                                               model):
    save = ".to_csv(new_path, index=False)"
    for cell, form, fix in (
            ("1,120.5", lambda v: f'"{v + 0.5:,.1f}"',
             "it is written with a thousands separator: save the file again as pd.read_csv(path, "
             f"thousands=','){save}"),
            ("112,0", lambda v: f'"{v / 10:.1f}"'.replace(".", ","),
             f"it is written with a decimal comma: save the file again as pd.read_csv(path, decimal=','){save}"),
            ("1,120", lambda v: f'"{v:,.0f}"',
             "'1,120' reads as 1120 with a thousands separator, or as 1.120 with a decimal comma: save the file again "
             f"with the reading it means, pd.read_csv(path, thousands=','){save} or pd.read_csv(path, decimal=',')"
             f"{save}")):
        data = tmp_path / "quoted.csv"
        write(data, long_rows(), form)
        # was: "feature column(s) ['passengers'] are not numeric (line 2 has '1,120' in 'passengers'); convert or
        # drop them"
        assert every_command(cli_error, model, data, tmp_path) == 3 * [
            f"{data}: column 'passengers' is not numeric (line 2 has '{cell}'); {fix}"]


def test_R16_03_a_header_repeated_in_the_middle_of_the_file_is_named_by_train_evaluate_and_predict(tmp_path,
                                                                                                   cli_error, model):
    plain = tmp_path / "plain.csv"
    write(plain, long_rows(), lambda v: f"{v:.0f}")
    lines = plain.read_text().splitlines()
    data = tmp_path / "joined.csv"  # two files joined, each with its header
    data.write_text("\n".join(lines[:25] + lines[:1] + lines[25:]) + "\n")
    # was: "feature column(s) ['passengers'] are not numeric (line 26 has 'passengers' in 'passengers'); ..."
    assert every_command(cli_error, model, data, tmp_path) == 3 * [
        f"{data}: line 26 repeats the header (files joined together?), so column 'passengers' reads as text; remove "
        "that line (or every line that repeats the header)"]
    # without --time-column, the time-named column's text is not what is named
    assert cli_error(["train", data, "--task", "classify", "--target-column", "label", "--out", tmp_path / "m",
                      *FAST]).endswith("line 26 repeats the header (files joined together?), so column 'passengers' "
                                       "reads as text; remove that line (or every line that repeats the header)")


def test_R16_04_resample_called_directly_warns_of_readings_moved_to_midnight_for_every_rule_of_a_day_or_longer():
    # was: TimeSeriesFrame.resample warned for one-day rules only (P14-03); the forecasters' check (A15-01) apart
    for rule, start, last, shown in (("2D", "2020-01-01 12:00", "2020-02-28 12:00:00", "2D"),
                                     ("W", "2020-01-05 12:00", "2020-07-26 12:00:00", "W-SUN"),
                                     ("MS", "1949-01-01 09:30", "1951-06-01 09:30:00", "MS")):
        times = pd.date_range(start, periods=30, freq=rule).delete([7])
        frame = TimeSeriesFrame.from_pandas(pd.DataFrame({"passengers": airpassengers(29)}, index=times))
        at = str(times[0] - times[0].normalize()).removeprefix("0 days ")
        resampled = []
        assert said(lambda: resampled.append(frame.resample(shown))) == [
            f"TimeSeriesFrame.resample({shown!r}): every timestamp is at {at} of its day (the first {times[0]}), and "
            f"bins of {shown!r} are dated at midnight, so each time is moved to its bin's date at midnight "
            f"({times[0]} becomes {times[0].date()}), and the forecasts are dated at midnight too; to keep {at}, put "
            f"the series on its own grid instead (data.reindex(pd.date_range('{times[0]}', '{last}', "
            f"freq={shown!r})), the steps missing as NaN) and do not resample it"]
        assert resampled[0].time[0] == times[0].normalize()
        on_midnight = TimeSeriesFrame.from_pandas(pd.DataFrame({"p": airpassengers(29)}, index=times.normalize()))
        assert said(lambda: on_midnight.resample(shown)) == []  # nothing moves, nothing is said


def test_R16_05_monthly_readings_on_the_15th_given_ms_are_warned_of_as_dated_on_the_1st():
    times = (pd.date_range("1949-01-01", periods=30, freq="MS") + pd.Timedelta(days=14)).delete([7])
    y = pd.Series(airpassengers(29), index=times, name="passengers")
    message = ("{}: every timestamp lies 14 days after the start of its bin (the first 1949-01-15, one reading to a "
               "bin), and bins of 'MS' are dated at their start, so each time is moved to its bin's date (1949-01-15 "
               "becomes 1949-01-01), as are the dates of {}; to date them as the readings are: {} + "
               "pd.Timedelta('14 days')")
    forecast = []
    fit = rnnkit.Forecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct", random_state=0)
    # was: dated on the 1st without a word (off every anchor of 'MS': check_on_anchor lets it pass)
    assert said(lambda: forecast.append(fit.fit(y, freq="MS").predict())) == [
        message.format("freq='MS'", "forecast.index", "forecast.index")]
    assert list(forecast[0].index + pd.Timedelta("14 days")) == [pd.Timestamp("1951-07-15"),
                                                                 pd.Timestamp("1951-08-15")]  # the fix named
    frame = TimeSeriesFrame.from_pandas(y.to_frame())
    assert said(lambda: frame.resample("MS")) == [
        message.format("TimeSeriesFrame.resample('MS')", "resampled.time", "resampled.time")]
    # bins dated at their end: the shift named gives the readings' own dates back
    resampled = []
    [end] = said(lambda: resampled.append(frame.resample("ME").time))
    assert end.endswith("to date them as the readings are: resampled.time - pd.tseries.frequencies.to_offset('ME') "
                        "+ pd.Timedelta('15 days')") and "(1949-01-15 becomes 1949-01-31)" in end, end
    shifted = resampled[0] - pd.tseries.frequencies.to_offset("ME") + pd.Timedelta("15 days")
    assert list(shifted) == list(times.insert(7, pd.Timestamp("1949-08-15")))  # the month missing: a NaN bin
    # readings on varying days are what a rule regularises: not warned of
    days = pd.DatetimeIndex([pd.Timestamp(1949, m, d) for m, d in zip(range(1, 13), [3, 5, 2, 7, 1, 4, 9, 2, 3, 5, 6,
                                                                                     1], strict=True)])
    assert said(lambda: TimeSeriesFrame.from_pandas(pd.DataFrame({"p": airpassengers(12)}, index=days))
                .resample("MS")) == []


def test_R16_06_ucr_uea_ts_and_arff_files_are_refused_naming_the_format_and_the_conversion(tmp_path, cli_error):
    sktime_datasets = pytest.importorskip("sktime.datasets")
    X, y = sktime_datasets.load_italy_power_demand(split="train", return_X_y=True)
    X, y = X.iloc[:6], y[:6]
    sktime_datasets.write_dataframe_to_tsfile(X, path=str(tmp_path), problem_name="ipd", class_label=["1", "2"],
                                              class_value_list=y, equal_length=True, series_length=24)
    arff = tmp_path / "ipd.arff"
    arff.write_text("% ItalyPowerDemand\n@relation ItalyPowerDemand\n" + "".join(f"@attribute att{k} numeric\n"
                                                                               for k in range(24))
                    + "@attribute target {1,2}\n@data\n"
                    + "".join(",".join(f"{v:.6g}" for v in X.iloc[i, 0]) + f",{y[i]}\n" for i in range(6)))
    convert = ("X.rename_axis(['id', 't']).join(pd.Series(y, X.index.unique(0), name='target'), on='id').reset_index()"
               ".to_csv(new_path, index=False), then read new_path with --time-column t (time_column='t')")
    ts_says = ("this is a .ts file (sktime's time-series format, in which the UCR/UEA archive ships its data sets), "
               "not a CSV; rnnkit reads a CSV (.csv, or .csv.gz, .bz2, .xz, .zip) or an .npz: convert it to a long "
               "CSV, e.g. X, y = "
               f"sktime.datasets.load_from_tsfile(path, return_data_type='pd-multiindex'); {convert}")
    arff_says = ("this is an .arff file (Weka's format, in which the UCR/UEA archive ships its data sets too), not a "
                 "CSV; rnnkit reads a CSV (.csv, or .csv.gz, .bz2, .xz, .zip) or an .npz: convert it to a long CSV, "
                 "e.g. X, y = "
                 "sktime.datasets.load_from_arff_to_dataframe(path); X = sktime.datatypes.convert_to(X, "
                 f"to_type='pd-multiindex'); {convert}")
    ts = tmp_path / "ipd" / "ipd.ts"
    renamed = tmp_path / "ipd.txt"  # by content too
    renamed.write_bytes(ts.read_bytes())
    # was: "line 8 has 24 values but the header names 1 columns; remove the extra separator (...)"
    for data, says in ((ts, ts_says), (renamed, ts_says), (arff, arff_says)):
        assert cli_error(["train", data, "--task", "classify", "--out", tmp_path / "m", *FAST]) == (
            f"rnnkit train: error: {data}: {says}")
    # the conversion named reads the same series as the CSV written from the same data
    X2, y2 = sktime_datasets.load_from_tsfile(str(ts), return_data_type="pd-multiindex")
    long = X2.rename_axis(["id", "t"]).join(pd.Series(y2, X2.index.unique(0), name="target"), on="id").reset_index()
    assert np.allclose(long["dim_0"].to_numpy(), np.concatenate([X.iloc[i, 0].to_numpy() for i in range(6)]))
    assert list(long.groupby("id")["target"].first()) == list(y)


def test_R16_07_json_under_another_suffix_is_refused_as_json(tmp_path, cli_error):
    frame = pd.DataFrame({"id": ["a"] * 3 + ["b"] * 3, "t": [0, 1, 2] * 2, "x": np.arange(6.0),
                          "target": [0] * 3 + [1] * 3})
    lines, records = tmp_path / "export.txt", tmp_path / "export.data"
    frame.to_json(lines, orient="records", lines=True)
    frame.to_json(records, orient="records")
    # was: "column(s) ['id', 't', 'target'] not found; the file has ['{"id":"a"', 't:0', ...]" and "the header
    # names column 'target:1}' twice"
    for data, kind, call in ((lines, "JSON lines", "pd.read_json(path, lines=True)"),
                             (records, "JSON", "pd.read_json(path)")):
        assert cli_error(["train", data, "--task", "classify", "--time-column", "t", "--out", tmp_path / "m",
                          *FAST]) == (
            f"rnnkit train: error: {data}: {kind} (by its content) is not a CSV; rnnkit reads a CSV (.csv, or .csv.gz, "
            f".bz2, .xz, .zip) or an .npz: convert it, e.g. {call}.to_csv(new_path, index=False)")


def test_R16_08_an_excel_workbook_saved_under_csv_is_named_as_excel(tmp_path, cli_error):
    import zipfile

    book, old = tmp_path / "report.csv", tmp_path / "old.csv"
    with zipfile.ZipFile(book, "w") as archive:  # an .xlsx's parts (openpyxl is not needed to tell one)
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # the OLE2 container of an .xls
    # was: train "this is a zip archive (an .npz?), not a CSV; name it .npz or pass --layout npz"; forecast "not
    # UTF-8 text (byte 0x85 at byte offset 12); save the CSV as UTF-8, e.g. pd.read_csv(path, encoding='latin-1')..."
    for data, kind in ((book, "an Excel workbook"), (old, "an Excel 97-2003 workbook")):
        fix = "convert it, e.g. pd.read_excel(path).to_csv(new_path, index=False)"
        assert cli_error(["train", data, "--task", "classify", "--out", tmp_path / "m", *FAST]) == (
            f"rnnkit train: error: {data}: {kind} (by its content) is not a CSV; rnnkit reads a CSV (.csv, or .csv.gz, "
            f".bz2, .xz, .zip) or an .npz: {fix}")
        assert cli_error(["forecast", data, "--time-column", "month", "--target-column", "passengers", "--horizon",
                          "2", "--out", tmp_path / "run"]) == (
            f"rnnkit forecast: error: {data}: {kind} (by its content) is not a CSV; rnnkit reads a CSV (.csv, or "
            f".csv.gz, .bz2, .xz, .zip): {fix}")


def test_R16_09_forecast_refuses_json_parquet_and_ucr_files_as_train_does(tmp_path, cli_error):
    frame = pd.DataFrame({"month": pd.date_range("1949-01", periods=24, freq="MS").strftime("%Y-%m-%d"),
                          "passengers": airpassengers(24)})
    lines, parquet, ts = tmp_path / "air.jsonl", tmp_path / "air.dat", tmp_path / "air.ts"
    frame.to_json(lines, orient="records", lines=True)
    parquet.write_bytes(b"PAR1" + bytes(60))  # Parquet's magic (pyarrow need not be installed to tell it)
    ts.write_text("@problemName air\n@timestamps false\n@univariate true\n@classLabel false\n@data\n"
                  + ",".join(f"{v:g}" for v in airpassengers(24)) + "\n")
    reads = "rnnkit reads a CSV (.csv, or .csv.gz, .bz2, .xz, .zip)"
    # was: "column(s) ['month', 'passengers'] not found; the file has ['{"month":"1949-01-01"', ...]", "the CSV has a
    # header but no rows", "line 6 has 24 fields (...) but the header names 1 column(s); ..."
    for data, says in ((lines, f"a .jsonl file is not a CSV; {reads}: convert it, e.g. pd.read_json(path, "
                                "lines=True).to_csv(new_path, index=False)"),
                       (parquet, f"Parquet (by its content) is not a CSV; {reads}: convert it, e.g. "
                                 "pd.read_parquet(path).to_csv(new_path, index=False)"),
                       (ts, "this is a .ts file (sktime's time-series format, in which the UCR/UEA archive ships its "
                            f"data sets), not a CSV; {reads}: convert it to a long CSV, e.g. X, y = ")):
        line = cli_error(["forecast", data, "--time-column", "month", "--target-column", "passengers", "--horizon",
                          "2", "--out", tmp_path / "run"])
        assert line.startswith(f"rnnkit forecast: error: {data}: {says}"), line
        assert "npz" not in line
