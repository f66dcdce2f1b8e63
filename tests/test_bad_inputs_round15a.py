"""Fifteenth round (15a): the forecasters' resampling of readings at one time of day, where their warnings point,
the backtest's mean over folds, the lock beside --out, and CSV files in the forms people have.

One test per case of the catalogue (ids A15-01, A15-02, ...); each fails on the commit before its fix.
"""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import tiny_forecaster as tiny

import rnnkit
from rnnkit.cli import main

pm = pytest.importorskip("pmdarima.datasets")


def caught(call) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        call()
    return [w for w in seen if issubclass(w.category, UserWarning)]


def airpassengers(n: int) -> np.ndarray:
    return pm.load_airpassengers()[:n].astype(float)


def forecast_of(y: pd.Series, freq) -> tuple[list[warnings.WarningMessage], pd.Series]:
    """The UserWarnings of fitting ``y`` with ``freq``, and the forecast."""
    forecast = []
    said = caught(lambda: forecast.append(tiny().fit(y, freq=freq).predict()))
    return said, forecast[0]


def test_A15_01_readings_at_noon_resampled_onto_a_rule_longer_than_a_day_are_warned_of_as_moved_to_midnight():
    # airpassengers read at noon every second day, weekly on Sundays and on the first of each month, one reading
    # missing; was: each dated at midnight without a word (freq='D' alone warned, P14-03)
    for rule, start, last, becomes, shown in (
            ("2D", "2020-01-01 12:00", "2020-02-28 12:00:00", "2020-01-01", "2D"),
            ("W", "2020-01-05 12:00", "2020-07-26 12:00:00", "2020-01-05", "W-SUN"),
            ("MS", "1949-01-01 09:30", "1951-06-01 09:30:00", "1949-01-01", "MS")):
        times = pd.date_range(start, periods=30, freq=rule).delete([7])
        y = pd.Series(airpassengers(29), index=times, name="passengers")
        at = str(times[0] - times[0].normalize()).removeprefix("0 days ")
        [warning], forecast = forecast_of(y, rule)
        assert str(warning.message) == (
            f"freq={rule!r}: every timestamp is at {at} of its day (the first {times[0]}), and bins of {shown!r} are "
            f"dated at midnight, so each time is moved to its bin's date at midnight ({times[0]} becomes {becomes}), "
            f"and the forecasts are dated at midnight too; to keep {at}, put the series on its own grid instead "
            f"(data.reindex(pd.date_range('{times[0]}', '{last}', freq={shown!r})), the steps missing as NaN) and "
            f"leave freq={rule!r} out"), str(warning.message)
        assert forecast.index[0] == forecast.index[0].normalize()
        on_grid = y.reindex(pd.date_range(str(times[0]), last, freq=shown))  # the fix named: the time kept
        said, forecast = forecast_of(on_grid, None)
        assert said == []
        assert forecast.index[0] - forecast.index[0].normalize() == times[0] - times[0].normalize()
        assert forecast_of(y.set_axis(times.normalize()), rule)[0] == []  # at midnight nothing moves, nothing is said
    # readings at noon every day gathered into weeks are aggregated as asked: their time of day is no date
    daily = pd.Series(airpassengers(60), index=pd.date_range("2020-01-01 12:00", periods=60, freq="D"))
    assert caught(lambda: tiny().fit(daily, freq="W")) == []


def test_A15_02_the_forecasters_fit_time_warnings_point_at_the_users_line():
    # was: the noon warning (P14-03) named forecaster.py, and backtest's warning of an undefined MASE the line
    # that called the caller of rnnkit.forecast.backtest
    noon = pd.Series(airpassengers(30), index=pd.date_range("2020-01-01 12:00", periods=30, freq="D"), name="v")
    one_season = airpassengers(12)  # a season repeated over the first fold's training rows: its MASE undefined
    seasons = pd.Series(np.r_[np.tile(one_season, 3), airpassengers(42)[36:]],
                        index=pd.date_range("1949-01", periods=42, freq="MS"), name="passengers")
    late = seasons.copy()
    late.iloc[-2:] = np.nan
    for call, start in ((lambda: tiny().fit(noon, freq="D"), "freq='D': every timestamp is at 12:00:00"),
                        (lambda: rnnkit.forecast.backtest(tiny(), seasons, folds=3),
                         "backtest: MASE is NaN for 'passengers' at fold(s) 0 (1952-01-01)"),
                        (lambda: tiny().fit(late), "Forecaster.fit: target 'passengers' is missing at its last 2"),
                        (lambda: tiny().fit(seasons).predict(data=late), "Forecaster.predict: target 'passengers'")):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            call()
        [warning] = [w for w in seen if issubclass(w.category, UserWarning)]
        assert str(warning.message).startswith(start), str(warning.message)
        # the user's line (the call inside the lambda), however deep inside rnnkit the warning is raised
        assert (warning.filename, warning.lineno) == (__file__, call.__code__.co_firstlineno), warning


def test_A15_03_the_backtests_mean_says_over_how_many_folds_it_is(tmp_path, capsys):
    # airpassengers' first year repeated three times, then its months 37..42: the first fold's training rows
    # repeat every season, so its MASE is undefined and the mean of the others leaves it out
    values = np.r_[np.tile(airpassengers(12), 3), airpassengers(42)[36:]]
    data = tmp_path / "air.csv"
    pd.DataFrame({"month": pd.date_range("1949-01", periods=42, freq="MS").strftime("%Y-%m-%d"),
                  "passengers": values}).to_csv(data, index=False)
    out = tmp_path / "run"
    args = ["forecast", data, "--time-column", "month", "--target-column", "passengers", "--horizon", "2",
            "--lookback", "4", "--max-epochs", "1", "--hidden-size", "4", "--model", "direct", "--out", out]
    with pytest.warns(UserWarning, match="backtest: MASE is NaN for 'passengers' at fold"):
        assert main([str(a) for a in args]) == 0
    printed = capsys.readouterr().out.splitlines()
    note = ("mase: mean over 2 of the 3 folds; the fold from 1952-01-01 is left out, where MASE is not defined (its "
            "scale, the in-sample MAE of the seasonal naive forecast, is 0 or undefined on the fold's training steps)")
    assert note in printed, printed  # was: "mean over folds" above a MASE row of the last two folds only
    per_fold = pd.read_csv(out / "backtest.csv").query("metric == 'mase'")["forecaster"]
    mase = next(line for line in printed if line.startswith("mase")).split()
    assert float(mase[1]) == pytest.approx(per_fold.mean(), rel=1e-3)  # the mean of the folds that have one
    assert (out / "report.md").read_text().count(note) == 1
    backtest = json.loads((out / "report.json").read_text())["results"]["backtest"]
    assert backtest["folds_in_mean"]["mase"] == {"forecaster": 2, "naive": 2, "seasonal_naive": 2}
    assert backtest["folds_in_mean"]["mae"] == {"forecaster": 3, "naive": 3, "seasonal_naive": 3}


def test_A15_04_a_finished_command_leaves_no_lock_file_beside_out(tmp_path, capsys):
    from rnnkit.cli import _exclusive

    data = tmp_path / "air.csv"
    pd.DataFrame({"month": pd.date_range("1949-01", periods=36, freq="MS").strftime("%Y-%m-%d"),
                  "passengers": airpassengers(36)}).to_csv(data, index=False)
    out = tmp_path / "run"
    assert main(["forecast", str(data), "--time-column", "month", "--target-column", "passengers", "--horizon", "2",
                 "--lookback", "4", "--max-epochs", "1", "--hidden-size", "4", "--model", "direct", "--folds", "1",
                 "--out", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["air.csv", "run"]  # was: and .run.lock
    # the lock still excludes a second writer while held, and is gone once released
    with _exclusive(out):
        assert (tmp_path / ".run.lock").exists()
        with pytest.raises(ValueError, match=r"--out .*run is being written by another rnnkit process"):
            with _exclusive(out):
                pass
    assert not (tmp_path / ".run.lock").exists()
    with _exclusive(out):  # and can be taken again
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["air.csv", "run"]


def _forecast_error(cli_error, data, time_column="month"):
    return cli_error(["forecast", data, "--time-column", time_column, "--target-column", "passengers",
                      "--horizon", "2", "--max-epochs", "1", "--out", data.parent / "run"])


def test_A15_05_numbers_with_a_thousands_separator_split_by_the_comma_are_refused_naming_the_line(tmp_path,
                                                                                                     cli_error):
    # airpassengers in tens, written 1,120 without quotes: each line holds a field more than the header names
    months = pd.date_range("1949-01", periods=48, freq="MS").strftime("%Y-%m-%d")
    tens = airpassengers(48) * 10
    first = tmp_path / "value_first.csv"  # was: the first field read as an index, 'passengers' as 120, 180, ...
    first.write_text("passengers,month\n" + "".join(f"{v:,.0f},{m}\n" for v, m in zip(tens, months, strict=True)))
    assert _forecast_error(cli_error, first) == (
        f"rnnkit forecast: error: {first}: line 2 has 3 fields ('1,120,1949-01-01') but the header names 2 column(s): "
        "'1,120' looks like one number written with a thousands separator, which the comma splits in two; save the "
        "file again with numbers written without one (1120)")
    mixed = tmp_path / "mixed.csv"  # airpassengers times 5: only the months of 1,000 or more split
    mixed.write_text("month,passengers\n" + "".join(f"{m},{v * 5:,.0f}\n" for m, v in
                                                     zip(months, airpassengers(48), strict=True)))
    # was: "cannot read as a CSV (Error tokenizing data. C error: Expected 2 fields in line 43, saw 3)"
    assert _forecast_error(cli_error, mixed) == (
        f"rnnkit forecast: error: {mixed}: line 43 has 3 fields ('1952-06-01,1,090') but the header names 2 "
        "column(s): '1,090' looks like one number written with a thousands separator, which the comma splits in two; "
        "save the file again with numbers written without one (1090)")


def test_A15_06_quoted_numbers_with_a_thousands_separator_or_a_decimal_comma_name_the_reading(tmp_path, cli_error):
    months = pd.date_range("1949-01", periods=48, freq="MS").strftime("%Y-%m-%d")
    a = airpassengers(48)
    save = ".to_csv(new_path, index=False)"
    cases = (("1,120.5", [f'"{v * 10 + 0.5:,.1f}"' for v in a],
              "it is written with a thousands separator: save the file again as pd.read_csv(path, "
              f"thousands=','){save}"),
             ("11,2", [f'"{v / 10:.1f}"'.replace(".", ",") for v in a],
              f"it is written with a decimal comma: save the file again as pd.read_csv(path, decimal=','){save}"),
             ("1,120", [f'"{v * 10:,.0f}"' for v in a],
              "'1,120' reads as 1120 with a thousands separator, or as 1.120 with a decimal comma: save the file again "
              f"with the reading it means, pd.read_csv(path, thousands=','){save} or pd.read_csv(path, decimal=',')"
              f"{save}"))
    for cell, cells, fix in cases:
        data = tmp_path / "quoted.csv"
        data.write_text("month,passengers\n" + "".join(f"{m},{c}\n" for m, c in zip(months, cells, strict=True)))
        # was: "...; write numbers (an empty cell is a missing value)"
        assert _forecast_error(cli_error, data) == (
            f"rnnkit forecast: error: {data}: column 'passengers' is not numeric (line 2 has '{cell}'); {fix}")


def test_A15_07_a_header_repeated_in_the_middle_of_the_file_is_named_as_such(tmp_path, cli_error):
    frame = pd.DataFrame({"month": pd.date_range("1949-01", periods=48, freq="MS").strftime("%Y-%m-%d"),
                          "passengers": airpassengers(48)})
    lines = frame.to_csv(index=False).splitlines()
    data = tmp_path / "joined.csv"  # two years' files joined, each with its header
    data.write_text("\n".join(lines[:25] + lines[:1] + lines[25:]) + "\n")
    # was: "column 'passengers' is not numeric (line 26 has 'passengers'); write numbers (...)"
    assert _forecast_error(cli_error, data) == (
        f"rnnkit forecast: error: {data}: line 26 repeats the header (files joined together?), so column "
        "'passengers' reads as text; remove that line (or every line that repeats the header)")
