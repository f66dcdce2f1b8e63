"""Eighteenth round (18a): what the seventeenth left of the forecasters, and real series no test had used: quarters
``YYYYQ`` and days ``YYYYMMDD`` written as numbers (statsmodels' macrodata and co2.csv), ``rnnkit forecast
--season-length`` for the Forecaster too, the hybrid's messages naming periods as given, one wording for a decimal
comma in a regression target, one advice for readings once a month on a day no pandas grid repeats, and
``rnnkit forecast``'s report on arch's core_cpi and pmdarima's austres.

One test per case of the catalogue (ids F18-01, F18-02, ...); each fails on the commit before its fix.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, run_cli, tiny_forecaster, user_warnings

import rnnkit


def core_cpi(n: int = 60) -> pd.Series:
    """arch's core_cpi: the US CPI less food and energy (CPILFESL), monthly on each month's first day, the last n."""
    data = pytest.importorskip("arch.data.core_cpi")
    return data.load()["CPILFESL"].iloc[-n:]


def austres() -> pd.Series:
    """pmdarima's austres: Australian residents (thousands), quarterly from 1971Q2 to 1993Q2, given on row numbers."""
    pm = pytest.importorskip("pmdarima")
    y = pm.datasets.load_austres(as_series=True)
    return y.set_axis(pd.period_range("1971Q2", periods=len(y), freq="Q")).rename("residents").rename_axis("quarter")


def co2_csv() -> Path:
    """statsmodels' co2.csv as it ships: weekly readings on Saturdays, dates written as numbers YYYYMMDD."""
    pytest.importorskip("statsmodels")
    import statsmodels.datasets.co2 as co2

    return Path(co2.__file__).parent / "co2.csv"


def forecast_args(path, time, target, out, *extra):
    return ["forecast", path, "--time-column", time, "--target-column", target, "--horizon", 2, "--lookback", 4,
            "--max-epochs", 1, "--hidden-size", 4, "--model", "direct", "--folds", 1, "--out", out, *extra]


def test_F18_01_quarters_and_days_written_as_numbers_are_named_with_the_conversion(tmp_path, cli_error):
    # statsmodels' macrodata: year and quarter as numbers, joined as YYYYQ (19591); co2.csv: days YYYYMMDD. Were
    # "the numeric time column ... is not evenly spaced ...; put the series on a regular grid first", "pass
    # freq='ns'" read as nanoseconds, and, within one month, read silently as plain numbers
    sm = pytest.importorskip("statsmodels.api")
    macro = sm.datasets.macrodata.load_pandas().data.iloc[:40]
    quarters = (macro["year"].astype(int) * 10 + macro["quarter"].astype(int)).to_numpy()
    gdp = pd.Series(macro["realgdp"].to_numpy(), index=quarters)
    for y, expr in ((gdp, "index.astype(int)"), (gdp.set_axis(pd.to_datetime(gdp.index)), "index.asi8")):
        with pytest.raises(ValueError) as e:
            tiny_forecaster().fit(y)
        assert "are quarters written as numbers YYYYQ (19591 is 1959Q1, then 19592, 19593, ...)" in one_line(e)
        assert "whose steps are 1 within a year and 7 from the fourth quarter to the first" in str(e.value)
        assert str(e.value).endswith(f"give them as quarters{' (not freq=..., which would date the forecasts in 1970 too)' if expr == 'index.asi8' else ''}: pd.PeriodIndex.from_fields(year=np.asarray({expr}) // 10, quarter=np.asarray({expr}) % 10, freq='Q'), where index is the series' index (or the time column's values)")  # noqa: E501
    index = gdp.index  # the fix named, as written
    fixed = gdp.set_axis(pd.PeriodIndex.from_fields(year=np.asarray(index.astype(int)) // 10,
                                                    quarter=np.asarray(index.astype(int)) % 10, freq="Q"))
    assert list(tiny_forecaster().fit(fixed).predict().index.astype(str)) == ["1969Q1", "1969Q2"]

    co2 = pd.read_csv(co2_csv()).iloc[:60].interpolate()  # 19580329, 19580405, ...
    message = ("the times of 'date' are days written as numbers YYYYMMDD (19580329 is 1958-03-29, then 19580405, "
               "19580412, ...), whose steps jump at each month's end (19580405 follows 19580329, a step of 76)")
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(co2, time_col="date")
    assert one_line(e).startswith(message + "; give them as dates: pd.to_datetime(index.astype(int).astype(str), "
                                            "format='%Y%m%d')")
    with pytest.raises(ValueError, match="days written as numbers YYYYMMDD"):
        rnnkit.GlobalForecaster(lookback=4, horizon=2, max_epochs=1).fit(co2.assign(id="mlo"), id_col="id",
                                                                         time_col="date", target="co2")
    within = pd.Series(np.arange(20.0), index=np.arange(20240102, 20240122))  # one month: steps all 1
    with pytest.raises(ValueError, match=r"which as plain numbers would run on past the month's end \(20240132 after "
                                         r"20240131\); give them as dates"):
        tiny_forecaster().fit(within)
    # rnnkit forecast on co2.csv as it ships: the fix in the file
    line = cli_error(forecast_args(co2_csv(), "date", "co2", tmp_path / "out"))
    assert line.endswith(message + "; write them as dates in the file (1958-03-29 for 19580329), which are read as "
                                   "dates")
    # the fixes named: dates (on Saturdays, 'W-SAT'), forecast as dates
    dated = co2.assign(date=pd.to_datetime(co2["date"].astype(int).astype(str), format="%Y%m%d"))
    assert tiny_forecaster().fit(dated, time_col="date").predict().index[0] == pd.Timestamp("1959-05-23")
    # numbers that are not dates are read as before: years, and a count from 1
    assert tiny_forecaster().fit(pd.Series(np.arange(20.0), index=np.arange(1990, 2010))).predict().index[0] == 2010


def test_F18_02_rnnkit_forecast_season_length_sets_the_forecasters_season(tmp_path, capsys):
    # arch's core_cpi, monthly: the Forecaster's own choice is 1 (no season at lag 12); --season-length 12 set only
    # the seasonal naive's, and report.json's chosen said 1 where the user had asked for 12
    core_cpi().to_frame().to_csv(tmp_path / "cpi.csv")
    status, err = run_cli(forecast_args(tmp_path / "cpi.csv", "Date", "CPILFESL", tmp_path / "out",
                                        "--season-length", 12), capsys)
    assert status == 0, err
    results = json.loads((tmp_path / "out" / "report.json").read_text())["results"]
    assert results["season_length"] == 12 and results["chosen"]["season_length"] == 12
    assert results["chosen"]["reasons"]["season_length"] == "set"
    assert rnnkit.load(tmp_path / "out").season_length_ == 12
    assert "season 12 steps (--season-length, the Forecaster's too)" in (tmp_path / "out" / "report.md").read_text()
    # without it the Forecaster chooses its own, and says why
    status, err = run_cli(forecast_args(tmp_path / "cpi.csv", "Date", "CPILFESL", tmp_path / "auto"), capsys)
    results = json.loads((tmp_path / "auto" / "report.json").read_text())["results"]
    assert status == 0 and results["season_length"] == 12 and results["chosen"]["season_length"] == 1
    assert results["chosen"]["reasons"]["season_length"].startswith("frequency 'MS' suggests 12, but")


def test_F18_03_the_hybrids_message_names_the_period_as_given(tmp_path):
    # austres as quarterly periods, a quarter of 0 given at predict; was "(1990-04-01; 1 value(s) <= 0 in all)"
    y = austres().iloc[:40]  # 1971Q2 .. 1981Q1
    newer = y.copy()
    newer.iloc[21] = 0.0
    f = tiny_forecaster(model="hybrid").fit(y.iloc[:20])
    with pytest.raises(ValueError) as e:
        f.predict(data=newer)
    assert one_line(e).startswith("predict: series 'residents': value 0.0 at row 21 is not positive (1976Q3; 1 "
                                  "value(s) <= 0 in all), but the hybrid model")
    f.save(tmp_path / "m")
    with pytest.raises(ValueError, match=r"at row 21 is not positive \(1976Q3; "):
        rnnkit.load(tmp_path / "m").predict(data=newer)
    months = newer.set_axis(pd.period_range("1990-01", periods=len(newer), freq="M"))
    g = tiny_forecaster(model="hybrid").fit(months.iloc[:20])
    with pytest.raises(ValueError, match=r"at row 21 is not positive \(1991-10; "):
        g.predict(data=months)


def test_F18_04_a_regression_targets_decimal_comma_is_named_in_the_readers_words(tmp_path, capsys):
    # '1,5' in a --task regress target: was "... and --task regress reads numbers: a decimal comma? write the
    # numbers with a point, e.g. ...", a wording of its own; now the readers' (rnnkit forecast's on the same file)
    rows = [(f"s{i}", t, float(t), f"{i},5") for i in range(4) for t in range(5)]
    pd.DataFrame(rows, columns=["id", "t", "x", "target"]).to_csv(tmp_path / "comma.csv", index=False)
    status, err = run_cli(["train", tmp_path / "comma.csv", "--task", "regress", "--time-column", "t", "--out",
                           tmp_path / "m"], capsys)
    words = (f"{tmp_path / 'comma.csv'}: column 'target' is not numeric (line 2 has '0,5'); it is written with a "
             "decimal comma: save the file again as pd.read_csv(path, decimal=',').to_csv(new_path, index=False)")
    assert status == 2 and err == [f"rnnkit train: error: {words} (--task regress reads numbers)"]
    status, err = run_cli(forecast_args(tmp_path / "comma.csv", "t", "target", tmp_path / "f"), capsys)
    assert status == 2 and err == [f"rnnkit forecast: error: {words}"]


def test_F18_05_readings_once_a_month_are_advised_as_months_and_the_grid_with_its_warning(tmp_path, cli_error):
    # core_cpi dated on the 15th (a monthly report): was "freq='MS' reads them as months (dated on each month's
    # first day)", a fix that then warns that every reading moves to the 1st
    cpi = core_cpi(30)
    mid = cpi.set_axis(cpi.index + pd.Timedelta(days=14))
    with pytest.raises(ValueError) as e:
        tiny_forecaster().fit(mid)
    assert one_line(e).endswith("on a day no pandas frequency repeats: give them as months (data.index = "
                                "data.index.to_period('M')), which are read and forecast as months; or freq='MS' "
                                "reads them on the grid of months dated on each month's first day, and warns that "
                                "it moves each reading there")
    # the first fix: no warning, forecast as months; the second: the warning said
    assert user_warnings(lambda: tiny_forecaster().fit(mid.set_axis(mid.index.to_period("M")))) == []
    assert str(tiny_forecaster().fit(mid.set_axis(mid.index.to_period("M"))).predict().index[0]) == "2018-12"
    assert any("every timestamp lies 14 days after the start of its bin" in w
               for w in user_warnings(lambda: tiny_forecaster().fit(mid, freq="MS")))
    mid.to_frame().to_csv(tmp_path / "mid.csv")
    line = cli_error(forecast_args(tmp_path / "mid.csv", "Date", "CPILFESL", tmp_path / "out"))
    assert line.endswith("on a day no pandas frequency repeats: write the times in the file as months (2016-06 for "
                         "2016-06-15), which are read and forecast as months; or --freq MS reads them on the grid of "
                         "months dated on each month's first day, and warns that it moves each reading there")


def test_F18_06_rnnkit_forecasts_report_writes_times_as_forecast_csv_does(tmp_path, capsys):
    # core_cpi through rnnkit forecast: report.json had "2018-12-01 00:00:00" where forecast.csv has 2018-12-01
    core_cpi().to_frame().to_csv(tmp_path / "cpi.csv")
    status, err = run_cli(forecast_args(tmp_path / "cpi.csv", "Date", "CPILFESL", tmp_path / "out"), capsys)
    assert status == 0, err
    out = tmp_path / "out"
    written = pd.read_csv(out / "forecast.csv", dtype=str)["Date"].tolist()
    results = json.loads((out / "report.json").read_text())["results"]
    assert written == results["forecast"]["time"] == ["2018-12-01", "2019-01-01"]
    assert results["backtest"]["per_fold"][0]["origin"] == "2018-10-01"
    assert "| 2018-12-01 |" in (out / "report.md").read_text()


def test_F18_07_rnnkit_forecasts_report_names_the_quarters_frequency_as_given(tmp_path, capsys):
    # austres written 1971Q2, ...: report.json's freq was 'QS-OCT' (the grid of the quarters' first days), where
    # the season's reason and forecast.csv speak of Q-DEC quarters
    austres().to_frame().to_csv(tmp_path / "aus.csv")
    status, err = run_cli(forecast_args(tmp_path / "aus.csv", "quarter", "residents", tmp_path / "out"), capsys)
    assert status == 0, err
    results = json.loads((tmp_path / "out" / "report.json").read_text())["results"]
    assert results["freq"] == "Q-DEC" and results["forecast"]["time"] == ["1993Q3", "1993Q4"]
    assert results["chosen"]["reasons"]["season_length"].startswith("frequency 'Q-DEC'")
    assert "frequency Q-DEC" in (tmp_path / "out" / "report.md").read_text()


def gretl_quarters() -> pd.DataFrame:
    """The US CPI by quarter, 1950:1 .. 2000:3, as gretl and EViews write quarters (statsmodels' ARIMA results file)."""
    pytest.importorskip("statsmodels")
    import statsmodels.tsa.tests.results as results

    path = Path(results.__file__).parent / "arima111_forecasts.csv"
    if not path.is_file():
        pytest.skip("statsmodels' results files are not installed")
    data = pd.read_csv(path, skipinitialspace=True)[["dates", "cpi"]].dropna()
    return data.rename(columns={"dates": "quarter"}).reset_index(drop=True)


def test_F18_08_quarters_and_months_written_year_colon_period_are_read_as_periods(tmp_path, capsys):
    # gretl's 1950:1 (quarters) and 1950:01 (months): were "the time column 'quarter' is neither numbers nor dates in
    # one format (line 2 has '1950:1'); write numbers or ISO dates" (rnnkit forecast), "the index holds text that is
    # not dates in one format" and, for every quarter label ('Q1 1965' too), Forecaster(time_col=...)'s "could not be
    # read as datetimes (hour must be in 0..23: 1950:1)"
    cpi = gretl_quarters()
    assert cpi["quarter"].iloc[0] == "1950:1" and cpi["quarter"].iloc[-1] == "2000:3"
    cpi = cpi.iloc[-40:]  # 1991:1 .. 2000:3, enough for the tiny fits
    first = pd.Timestamp("2000-10-01")  # the first day of the next quarter, as 'Q1 1965' labels are read
    assert tiny_forecaster().fit(cpi.set_index("quarter")["cpi"]).predict().index[0] == first
    assert tiny_forecaster().fit(cpi, time_col="quarter").predict().index[0] == first
    assert tiny_forecaster().fit(cpi.assign(quarter=[f"Q{q[-1]} {q[:4]}" for q in cpi["quarter"]]),
                                 time_col="quarter").predict().index[0] == first
    g = rnnkit.GlobalForecaster(lookback=4, horizon=2, hidden_size=4, max_epochs=1, model="direct", random_state=0)
    assert g.fit(cpi.assign(id="cpi"), id_col="id", time_col="quarter", target="cpi").predict()["quarter"][0] == first
    cpi.to_csv(tmp_path / "cpi.csv", index=False)
    status, err = run_cli(forecast_args(tmp_path / "cpi.csv", "quarter", "cpi", tmp_path / "out"), capsys)
    assert status == 0, err
    assert pd.read_csv(tmp_path / "out" / "forecast.csv")["quarter"].tolist() == ["2000-10-01", "2001-01-01"]
    months = pd.DataFrame({"month": [f"{1990 + i // 12}:{i % 12 + 1:02d}" for i in range(30)], "y": np.arange(30.0)})
    assert tiny_forecaster().fit(months, time_col="month").predict().index[0] == pd.Timestamp("1992-07-01")
    # other text is refused as before
    with pytest.raises(ValueError, match="could not be read as datetimes"):
        tiny_forecaster().fit(months.assign(month=[f"1990:{i}" for i in range(30)]), time_col="month")


def test_F18_09_a_value_at_most_zero_after_the_first_origin_leaves_the_hybrid_out_of_the_validation():
    # vega's crimea from 1854-08, the first month with wounds: positive until the last three months (0). Forecaster()
    # and GlobalForecaster() (model='auto') crashed in fit with the hybrid trial's refusal "predict: series 'wounds':
    # value 0.0 at row 17 is not positive (1856-01-01; ...) ...; refit on the data that holds it": the trial, fitted
    # on the 10 positive rows before the first origin, smoothed multiplicatively
    vega = pytest.importorskip("vega_datasets")
    crimea = vega.local_data.crimea().set_index("date").astype(float).loc["1854-08":]
    f = rnnkit.Forecaster(horizon=2, hidden_size=4, max_epochs=1, random_state=0).fit(crimea["wounds"])
    left = ("the hybrid left out: value 0 at row 17 (1856-01-01) is not positive, and its trial, fitted on the 10 "
            "positive rows before the first origin, smooths multiplicatively")
    assert f"(validation MAE at origins [10, 12, 14, 16, 18], 2 steps each); {left}: " in f.choices_["model"]
    assert "hybrid" not in f.components_ and np.isfinite(f.predict()).all()
    panel = crimea.reset_index().melt(id_vars="date", var_name="cause", value_name="deaths")
    g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, random_state=0)
    g.fit(panel, id_col="cause", time_col="date", target="deaths")
    assert np.isfinite(g.predict()["deaths"]).all()
    # the panel's origins, [14, 16, 18]; the series whose rows stay positive keep the hybrid among their candidates
    reasons = dict(zip(g.ids_, g.validation_, strict=True))
    assert left.replace("the 10 positive", "the 14 positive") in reasons["wounds"]
    assert all("hybrid left out" not in reasons[k] and " hybrid " in reasons[k] for k in ("other", "disease"))
