"""Seventeenth round (17a): what the sixteenth left of the forecasters' bands and stated choices, and of the
series real data sets bring: the band of ``model="auto"`` at horizons 1 and 2 (arch's BAA yields), months written
as numbers ``YYYYMM`` (arch's frenchdata), the hour skipped at the spring clock change (vega's seattle-temps),
``rnnkit forecast``'s help and report, and two smaller ones (quarterly periods' season, a loaded calendar).

One test per case of the catalogue (ids G17-01, G17-02, ...); each fails on the commit before its fix.
"""

import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit.cli import build_parser, main
from rnnkit.forecast import combination


def band_warnings(fit) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        fit()
    return [str(w.message) for w in seen if "prediction band" in str(w.message)]


def test_G17_01_short_horizons_get_the_validation_residuals_their_band_needs():
    # arch's BAA yields, the last 20 months: at horizon 1 the band of 0.1 / 0.9 was calibrated on 3 residuals
    # (3 origins x 1 step), took the extremes and warned at every default fit; now 9 origins (5 at horizon 2)
    default = pytest.importorskip("arch.data.default")
    baa = default.load()["BAA"].iloc[-20:]
    fitted = {}
    for H in (1, 2):
        f = rnnkit.Forecaster(horizon=H, max_epochs=1, random_state=0, quantiles=(0.1, 0.5, 0.9))
        assert band_warnings(lambda f=f: f.fit(baa)) == []
        fitted[H] = f
    assert "origins [11, 12, 13, 14, 15, 16, 17, 18, 19], 1 step each" in fitted[1].choices_["model"]
    assert "origins [10, 12, 14, 16, 18], 2 steps each" in fitted[2].choices_["model"]
    assert combination.validation_origins(20, 1, combination.MIN_RESIDUALS) == list(range(11, 20))
    assert combination.validation_origins(20, 2, combination.MIN_RESIDUALS) == [10, 12, 14, 16, 18]

    def before(n, H):  # the sixteenth round's origins: up to 3, H apart where the rows allow
        room = n - H - max(2 * H, 10)
        V = min(3, room + 1)
        return [] if room < 0 else [n - H - k * (H if V == 1 else min(H, room // (V - 1))) for k in reversed(range(V))]

    for n in range(5, 80):  # horizons >= 3: the same origins as before, so the same choices
        for H in range(3, 13):
            assert combination.validation_origins(n, H, combination.MIN_RESIDUALS) == before(n, H)
    # rows that do not allow them (13 months: 3 origins after the first 10 rows): warned, naming more rows
    [message] = band_warnings(lambda: rnnkit.Forecaster(horizon=1, max_epochs=1, random_state=0,
                                                        quantiles=(0.1, 0.5, 0.9)).fit(baa.iloc[-13:]))
    assert "calibrated on n = 3" in message and "more training rows (at least 9 validation residuals" in message
    # the single net's band of a panel (calibrate_band: each series' last horizon steps) warned alike
    panel = pd.DataFrame({"id": "BAA", "month": baa.index, "y": baa.to_numpy()})
    [message] = band_warnings(lambda: rnnkit.GlobalForecaster(lookback=4, horizon=2, model="direct", max_epochs=1,
                                                              hidden_size=4, random_state=0)
                              .fit(panel, id_col="id", time_col="month", target="y"))
    assert "calibrated on n = 2" in message and "the series' last 2 steps: a longer horizon" in message


def test_G17_02_months_written_as_numbers_are_named_with_the_conversion(tmp_path, cli_error):
    # arch's frenchdata: months 192607.. read as nanoseconds since 1970; the same as integers: was "pass
    # freq='ns'" (forecasts in 1970) or "put the series on a regular grid first"
    frenchdata = pytest.importorskip("arch.data.frenchdata")
    y = frenchdata.load()["Mkt-RF"].iloc[-30:]
    numbers = y.set_axis(y.index.asi8)
    for series, expr in ((y, "index.asi8.astype(str)"), (numbers, "index.astype(int).astype(str)")):
        with pytest.raises(ValueError) as e:
            rnnkit.Forecaster(horizon=2, max_epochs=1).fit(series)
        assert "are months written as numbers YYYYMM (201606 is 2016-06, then 201607, 201608, ...)" in str(e.value)
        assert f"pd.PeriodIndex(pd.to_datetime({expr}, format='%Y%m'), freq='M')" in str(e.value)
        assert "freq='ns'" not in str(e.value) and "regular grid" not in str(e.value)
        with pytest.raises(ValueError, match="months written as numbers YYYYMM"):
            rnnkit.GlobalForecaster(lookback=4, horizon=2, max_epochs=1).fit(
                pd.DataFrame({"id": "m", "month": series.index, "y": series.to_numpy()}), id_col="id",
                time_col="month", target="y")
    # rnnkit forecast on a CSV of them: the fix in the file
    pd.DataFrame({"month": numbers.index, "v": numbers.to_numpy()}).to_csv(tmp_path / "ff.csv", index=False)
    line = cli_error(["forecast", tmp_path / "ff.csv", "--time-column", "month", "--target-column", "v",
                      "--horizon", 2, "--out", tmp_path / "out"])
    assert line.endswith("the times of 'month' are months written as numbers YYYYMM (201606 is 2016-06, then 201607, "
                         "201608, ...), whose steps are 1 within a year and 89 from December to January; write them "
                         "as months in the file (2016-06 for 201606), which are read and forecast as months")
    # the fix named: months, forecast as months
    index = numbers.index
    fixed = numbers.set_axis(pd.PeriodIndex(pd.to_datetime(index.astype(int).astype(str), format="%Y%m"), freq="M"))
    f = rnnkit.Forecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct").fit(fixed)
    assert list(f.predict().index.astype(str)) == ["2018-12", "2019-01"]


def test_G17_03_the_hour_skipped_at_the_spring_clock_change_is_named_as_daylight_saving_time(tmp_path, cli_error):
    vega = pytest.importorskip("vega_datasets")
    temps = vega.local_data.seattle_temps().iloc[1600:1800]  # 2010-03-08 .. 2010-03-17, 03:00 of 03-14 missing
    y = temps.set_index("date")["temp"]
    with pytest.raises(ValueError) as e:
        rnnkit.Forecaster(horizon=2, max_epochs=1).fit(y)
    message = str(e.value)
    assert "the only uneven step is an hour longer, early on 2010-03-14, where the clocks go forward as daylight " \
           "saving time starts: local clock times, the zone dropped? pass freq='h'" in message
    assert "data.index.tz_localize('America/Los_Angeles', nonexistent='shift_forward', ambiguous='infer')" \
           ".tz_convert('UTC')" in message
    with pytest.raises(ValueError, match="daylight saving time starts.*data\\['date'\\].dt.tz_localize"):
        rnnkit.GlobalForecaster(lookback=4, horizon=2, max_epochs=1).fit(temps.assign(id="s"), id_col="id",
                                                                         time_col="date", target="temp")
    temps.to_csv(tmp_path / "temps.csv", index=False)  # rnnkit forecast: the fixes on the command line and in the file
    line = cli_error(["forecast", tmp_path / "temps.csv", "--time-column", "date", "--target-column", "temp",
                      "--horizon", 2, "--out", tmp_path / "out"])
    assert line.endswith("daylight saving time starts: local clock times, the zone dropped? pass --freq h to resample "
                         "onto a regular grid (empty bins become missing values); or, where the readings also repeat "
                         "the hour the clocks go back, write them in the file with their offset from UTC "
                         "(2010-03-08T16:00:00-08:00, with yours), which are read in UTC")
    # the fix for local clock times (the zone's own): every step an hour in UTC, forecasts in UTC
    utc = y.index.tz_localize("America/Los_Angeles", nonexistent="shift_forward").tz_convert("UTC")
    f = rnnkit.Forecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct").fit(y.set_axis(utc))
    assert f.predict().index[0] == utc[-1] + pd.Timedelta("1h")
    # a regular hourly series with one hour missing in June: no clock change named
    june = y.set_axis(pd.date_range("2010-06-01", periods=len(y), freq="h")).drop(pd.Timestamp("2010-06-03 12:00"))
    with pytest.raises(ValueError) as e:
        rnnkit.Forecaster(horizon=2, max_epochs=1).fit(june)
    assert "daylight saving" not in str(e.value)


def test_G17_04_rnnkit_forecast_states_the_models_choice_and_warns_of_moved_dates_once(tmp_path):
    forecast = build_parser()._subparsers._group_actions[0].choices["forecast"]
    [model] = [a for a in forecast._actions if a.dest == "model"]
    assert "better of the two" not in model.help and "equal-weight mean of the naive, drift" in model.help
    # monthly readings on the 15th given --freq MS (arch's crude is read on the 15th), no season
    t = pd.date_range("2000-01-01", periods=40, freq="MS") + pd.Timedelta("14 days")
    y = 100 + np.random.default_rng(0).normal(size=40).cumsum()  # a random walk: no season in its changes
    pd.DataFrame({"month": t.strftime("%Y-%m-%d"), "v": y}).to_csv(tmp_path / "m.csv", index=False)
    out = tmp_path / "out"
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert main(["forecast", str(tmp_path / "m.csv"), "--time-column", "month", "--target-column", "v",
                     "--horizon", "2", "--freq", "MS", "--folds", "1", "--model", "direct", "--hidden-size", "4",
                     "--max-epochs", "1", "--out", str(out)]) == 0
    # was three times: --freq MS, and freq='MS' from backtest and fit, with a Python fix
    [moved] = [str(w.message) for w in seen if "every timestamp lies 14 days after" in str(w.message)]
    assert moved.startswith("--freq MS: every timestamp") and "forecast.index" not in moved
    assert moved.endswith("add 14 days to the dates of forecast.csv; or write the times in the file as months "
                          "(2000-01 for 2000-01-15), which are read and forecast as months, and leave --freq MS out")
    results = json.loads((out / "report.json").read_text())["results"]
    chosen = results["chosen"]
    assert results["season_length"] == 12  # the seasonal naive's, for the backtest
    assert chosen["season_length"] == 1 and chosen["model"] == "direct" and chosen["components"] == ["direct"]
    assert chosen["reasons"]["season_length"].startswith("frequency 'MS' suggests 12, but the autocorrelation")
    assert "a Forecaster (direct; lstm nets), season 1 steps" in (out / "report.md").read_text()


def test_G17_05_quarterly_periods_season_and_a_loaded_calendar_read_as_given(tmp_path):
    y = pd.Series(np.tile([3.0, 9.0, 5.0, 1.0], 10) + np.arange(40) / 4,
                  index=pd.period_range("2000Q1", periods=40, freq="Q"))
    f = rnnkit.Forecaster(horizon=2, lookback=8, hidden_size=4, max_epochs=1, model="direct").fit(y)
    assert f.choices_["season_length"].startswith("frequency 'Q-DEC'; autocorrelation of the changes at lag 4")
    panel = rnnkit.GlobalForecaster(lookback=8, horizon=2, max_epochs=1, model="direct", quantiles=None).fit(
        pd.DataFrame({"id": "a", "q": y.index, "y": y.to_numpy()}), id_col="id", time_col="q", target="y")
    assert "'a': 4 (frequency 'Q-DEC'" in panel.choices_["season_length"]
    for calendar, quantiles in (((), None), (["month"], (0.1, 0.5, 0.9)), (("month",), [0.25, 0.5, 0.75])):
        f = rnnkit.Forecaster(horizon=2, lookback=8, hidden_size=4, max_epochs=1, model="direct",
                              calendar=calendar, quantiles=quantiles).fit(y)
        f.save(tmp_path / "m")
        loaded = rnnkit.Forecaster.load(tmp_path / "m")
        assert loaded.get_params() == f.get_params()  # was: calendar [] for (), quantiles a list for a tuple
        assert type(loaded.get_params()["calendar"]) is type(calendar)
        shutil.rmtree(tmp_path / "m")


def test_G17_06_a_regression_target_with_thousands_separators_is_named_so(tmp_path, capsys):
    """Quoted '1,120' in a --task regress target: a thousands separator, not the decimal comma once hinted."""
    rng = np.random.default_rng(0)
    rows = [{"id": f"s{i}", "t": t, "f1": rng.normal(), "target": ["1,120", "2,340.5", "3,000"][i % 3]}
            for i in range(12) for t in range(4)]
    pd.DataFrame(rows).to_csv(tmp_path / "thou.csv", index=False)
    status = main(["train", str(tmp_path / "thou.csv"), "--task", "regress", "--time-column", "t", "--epochs", "1",
                   "--hidden-size", "4", "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert ("column 'target' is not numeric (line 2 has '1,120'); it is written with a thousands separator: save "
            "the file again as pd.read_csv(path, thousands=',').to_csv(new_path, index=False) (--task regress "
            "reads numbers)") in err[0]
    assert "decimal comma" not in err[0]
