"""The thirtieth round, second pass: the backtest's folds beyond the rows (F30-13), the periods' own frequency
names ``'M'``, ``'Q'``, ``'Q-NOV'`` as ``freq=`` of a series on periods (F30-14), the panel's ``future`` with ids
of another type named as written, not numpy's ``np.int64(1)`` (F30-15), ``predict(data=...)`` on the finer periods
that a model fitted with ``freq=`` aggregates (F30-16), ``infer_season_length`` of a PeriodIndex's own freqstr
(F30-17), ``historical_forecasts``' refused starts named in the series' periods (F30-18), ``model="auto"`` with a
season set longer than the rows hold (F30-19), ``rnnkit forecast --freq M`` of a file of months (F30-20), and a
time column of periods, forecast as periods as the index of periods is (F30-21)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import cli_error, one_line, run_cli, tiny_forecaster

import rnnkit


def _airline(n: int = 144) -> pd.Series:
    """sktime's airline passengers, monthly periods from 1949-01."""
    sd = pytest.importorskip("sktime.datasets")
    return sd.load_airline().iloc[:n]


def _shampoo() -> pd.Series:
    """sktime's shampoo sales, 36 monthly periods from 1991-01."""
    sd = pytest.importorskip("sktime.datasets")
    return sd.load_shampoo_sales()


# -- F30-13: the backtest's folds beyond the rows ---------------------------------------------------------------------
def test_F30_13_backtest_folds_beyond_the_rows_name_the_folds_that_fit():
    y = _shampoo()
    f = tiny_forecaster(horizon=3, lookback=6)
    with pytest.raises(ValueError) as e:  # before: "20 folds of horizon 3, 3 steps apart, leave -24 steps before ..."
        f.backtest(y, folds=20)
    assert one_line(e) == ("backtest: 20 folds of horizon 3, 3 steps apart, need 69 rows (9 before the first origin: "
                           "lookback + horizon = 6 + 3 to train; then 3 + 19 * 3), but the series has 36 rows; at "
                           "most 9 folds fit: pass folds=9, or keep 20 folds, 1 step apart: step=1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert len(f.backtest(y, folds=9)) == 9  # the fix taken
    with pytest.raises(ValueError) as e:  # before: "1 folds ... leave 33 steps ...; use fewer folds, ..."
        tiny_forecaster(horizon=3, lookback=40).backtest(y, folds=1)
    assert "too few for even one fold; pass lookback=30 or less" in one_line(e)
    with pytest.raises(ValueError) as e:
        f.backtest(y, folds=3, season_length=40)
    assert "too few for even one fold; pass season_length=32 or less" in one_line(e)


# -- F30-14: the periods' own frequency names as freq= ---------------------------------------------------------------
def test_F30_14_freq_M_or_Q_of_a_series_on_periods_is_read_as_its_periods():
    y = _airline(48)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = tiny_forecaster().fit(y, freq="MS").predict()
        # before: "freq='M' is not a pandas frequency; ... (pandas 3 reads no 'M', 'Y' or 'A')"
        pd.testing.assert_series_equal(tiny_forecaster().fit(y, freq="M").predict(), expected)
        quarters = tiny_forecaster(lookback=3).fit(y, freq="Q")
        np.testing.assert_allclose(quarters.history_.values[:, 0], y.resample("Q").mean().to_numpy())  # pandas' bins
        assert list(quarters.predict().index) == list(pd.period_range("1953Q1", periods=2, freq="Q"))
        fiscal = tiny_forecaster(lookback=3).fit(y, freq="Q-NOV").predict()
        assert list(fiscal.index) == list(pd.period_range("1953Q2", periods=2, freq="Q-NOV"))
        twos = tiny_forecaster(lookback=3).fit(y, freq="2M").predict()  # no index of 2M periods: as '2MS' dates them
        bt = tiny_forecaster(lookback=3).backtest(y, freq="Q", folds=2)
    assert list(twos.index) == list(pd.date_range("1953-01-01", periods=2, freq="2MS"))
    assert list(bt.index) == list(pd.period_range("1951Q4", periods=2, freq="2Q").asfreq("Q"))


# -- F30-15: future's ids of another type, as the user wrote them ----------------------------------------------------
def _promo_panel(ids) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    t = pd.date_range("2024-01-01", periods=20, freq="D")
    data = pd.concat([pd.DataFrame({"unique_id": k, "ds": t, "y": rng.normal(size=20).cumsum() + 10,
                                    "promo": rng.integers(0, 2, 20)}) for k in ids], ignore_index=True)
    future = pd.DataFrame([(k, d, 0) for k in ids for d in pd.date_range("2024-01-21", periods=2)],
                          columns=["unique_id", "ds", "promo"])
    return data, future


def test_F30_15_futures_ids_of_another_type_are_shown_as_written():
    data, future = _promo_panel(["1", "2"])
    g = rnnkit.GlobalForecaster(lookback=4, horizon=2, hidden_size=4, max_epochs=1, model="direct", quantiles=None,
                                random_state=0).fit(data, future_covariates=["promo"])
    with pytest.raises(ValueError) as e:  # before: "... but has np.int64(1) (int64); ..."
        g.predict(future=future.assign(unique_id=future["unique_id"].astype(int)))
    assert one_line(e) == ("series '1': future has no row with the id '1' (str, as at fit), but has 1 (int); give "
                           "future's ids the fitted type (future['unique_id'].astype(str))")
    data, future = _promo_panel([1, 2])
    g = rnnkit.GlobalForecaster(lookback=4, horizon=2, hidden_size=4, max_epochs=1, model="direct", quantiles=None,
                                random_state=0).fit(data, future_covariates=["promo"])
    extra = pd.concat([future, future.iloc[:1].assign(unique_id=3)], ignore_index=True)
    with pytest.warns(UserWarning, match=r"not fitted on \(3; first at row 4\)"):  # before: (np.int64(3); ...)
        g.predict(future=extra)


# -- F30-16: predict(data=...) on the finer periods that freq= aggregates ---------------------------------------------
def test_F30_16_predict_data_on_the_periods_a_freq_fit_aggregates_is_aggregated_as_at_fit():
    y = _airline(72)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = tiny_forecaster(lookback=3).fit(y, freq="QS")
        expected = f.predict(data=y.iloc[:-12].resample("Q").mean())
        # before: "data's periods are 'M' (1949-01 .. 1953-12), but the forecaster was fitted on 'Q-DEC' periods ..."
        pd.testing.assert_series_equal(f.predict(data=y.iloc[:-12]), expected)
    assert list(expected.index) == list(pd.period_range("1954Q1", periods=2, freq="Q"))
    with pytest.raises(ValueError, match="data's periods are 'Q-NOV'"):  # periods across the fitted ones: refused
        f.predict(data=y.iloc[:-12].resample("Q-NOV").mean())


# -- F30-17: infer_season_length of a PeriodIndex's own freqstr -------------------------------------------------------
def test_F30_17_infer_season_length_reads_the_periods_own_frequency():
    y = _airline(24)
    # before: pandas' "Invalid frequency: M. Failed to parse with error message: ValueError("'M' is no longer ..."
    assert rnnkit.forecast.infer_season_length(y.index.freqstr) == 12
    assert rnnkit.forecast.infer_season_length("Q-DEC") == 4
    assert rnnkit.forecast.infer_season_length("Y") == 1
    with pytest.raises(ValueError) as e:
        rnnkit.forecast.infer_season_length("monthly")
    assert one_line(e).startswith("cannot infer a season length from 'monthly', which is not a pandas frequency; ")


# -- F30-18: historical_forecasts' refused starts in the series' periods ----------------------------------------------
def test_F30_18_historical_forecasts_names_the_series_span_in_its_periods():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = tiny_forecaster().fit(_airline(48))
    with pytest.raises(ValueError) as e:  # before: "... (1949-01-01 00:00:00 .. 1952-12-01 00:00:00): ..."
        f.historical_forecasts(start="abc")
    assert "cannot be read as a time of the series (1949-01 .. 1952-12): " in one_line(e)


# -- F30-19: model="auto" with a season set longer than the rows hold -------------------------------------------------
def test_F30_19_a_season_set_too_long_for_the_rows_is_warned_of_not_dropped_in_silence():
    y = _airline(60)
    # before: no word; the smoothing was fitted without a season and the seasonal naive was the naive one
    with pytest.warns(UserWarning, match=r"season_length=70 needs 2 seasons and 2 rows \(142\) for the exponential "
                                         r"smoothing \(ets, hybrid\) to fit it, but the series has 60 rows, so the "
                                         r"smoothing is fitted without a season, and the seasonal naive forecast, "
                                         r"which needs one season, is the naive one; "):
        tiny_forecaster(model="auto", season_length=70).fit(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a season the rows hold twice: no word
        tiny_forecaster(model="auto", season_length=12).fit(y)


# -- F30-20: rnnkit forecast --freq M of a file of months -------------------------------------------------------------
def test_F30_20_the_command_lines_freq_M_of_months_is_read_as_months(tmp_path, capsys):
    _shampoo().rename("sales").rename_axis("month").to_csv(tmp_path / "shampoo.csv")  # 1991-01, 1991-02, ...

    def args(freq, out):
        return ["forecast", tmp_path / "shampoo.csv", "--time-column", "month", "--target-column", "sales",
                "--horizon", "3", "--lookback", "6", "--season-length", "4", "--model", "direct", "--max-epochs", "1",
                "--hidden-size", "4", "--folds", "2", "--freq", freq, "--out", tmp_path / out]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert run_cli(args("MS", "ms"), capsys)[0] == 0
        assert run_cli(args("M", "m"), capsys)[0] == 0  # before: "freq='M' is not a pandas frequency; ..."
    assert (tmp_path / "m" / "forecast.csv").read_text() == (tmp_path / "ms" / "forecast.csv").read_text()
    assert (tmp_path / "m" / "forecast.csv").read_text().splitlines()[1].startswith("1994-01,")
    line = cli_error(args("monthly", "x"), capsys)  # named as the command line spells it
    assert line.startswith("rnnkit forecast: error: --freq monthly is not a pandas frequency; ")


# -- F30-21: a time column of periods ---------------------------------------------------------------------------------
def test_F30_21_a_time_column_of_periods_is_forecast_as_periods_as_an_index_of_them():
    y = _airline(48)
    df = y.rename("y").rename_axis("t").reset_index()  # a 'period[M]' column, as reset_index() leaves it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = tiny_forecaster().fit(df, time_col="t")
        expected = tiny_forecaster().fit(y).predict()
        bt = tiny_forecaster().backtest(df, time_col="t", folds=2)
    # before: the forecasts at the timestamps 1953-01-01 00:00:00, 1953-02-01 00:00:00
    pd.testing.assert_index_equal(f.predict().index, expected.index.rename("t"))
    np.testing.assert_allclose(f.predict()["y"].to_numpy(), expected.to_numpy())
    assert list(f.historical_forecasts().index[:1]) == [pd.Period("1949-05", "M")]
    assert list(bt.index) == [pd.Period("1952-09", "M"), pd.Period("1952-11", "M")]
