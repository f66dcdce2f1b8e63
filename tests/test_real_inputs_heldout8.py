"""Real datasets the other tests do not use, brought as a new user would: sktime's PBS_dataset (monthly
PeriodIndex), vega_datasets' stocks (a long panel with a symbol column). One test per case H8-NN of the
catalogue (notes/heldout8.md). A refusal is one ValueError line naming what, where and how to fix it; a valid
input gets the right values."""

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line  # a refusal's message, one line

from rnnkit.cli import main

torch.set_num_threads(1)


def pbs() -> pd.Series:
    datasets = pytest.importorskip("sktime.datasets")
    return datasets.load_PBS_dataset()  # 204 months, 1991-07 .. 2008-06, a PeriodIndex


def stocks() -> pd.DataFrame:
    vega = pytest.importorskip("vega_datasets")
    return vega.data.stocks()  # symbol, date, price: MSFT, AMZN, IBM, GOOG, AAPL one after another


def adapter():
    sktime = pytest.importorskip("rnnkit.forecast.sktime")
    return sktime.RnnkitForecaster(model="direct", hidden_size=4, max_epochs=1, random_state=0, lookback=12)


# -- H8-01: the sktime adapter and sktime's remember_data --------------------------------------------------------
def test_h8_01_the_adapter_does_not_warn_of_remember_data_which_it_sets_and_needs():
    """sktime warned at every construction (and every clone, once per fold of evaluate) that remember_data's
    default will change, advising remember_data=False, which the adapter cannot work with (H8-02)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        f = adapter()
        f.clone()
    assert f.get_config()["remember_data"] is True


def test_h8_02_remember_data_false_is_refused_by_name_at_fit_update_and_predict():
    """Before: fit passed, then predict crashed with AttributeError ('NoneType' object has no attribute 'rename');
    set after fit, update was taken and predict would start from the values of fit, not the update's."""
    y = pbs()
    f = adapter().set_config(remember_data=False)
    with pytest.raises(ValueError) as e:
        f.fit(y, fh=[1, 2])
    assert one_line(e) == ("RnnkitForecaster.fit: remember_data=False is not supported: the forecasts start from the "
                           "last values seen (fit and updates), which sktime keeps only with remember_data=True; "
                           "set_config(remember_data=True)")
    f = adapter().fit(y[:-3], fh=[1, 2])
    f.set_config(remember_data=False)
    for call, name in ((lambda: f.update(y[-3:], update_params=False), "update"), (f.predict, "predict")):
        with pytest.raises(ValueError, match=rf"^RnnkitForecaster\.{name}: remember_data=False is not supported"):
            call()
    f.set_config(remember_data=True)  # set back: the adapter works on, from the values of fit
    f.update(y[-3:], update_params=False)
    pred = f.predict()
    assert pred.index.tolist() == [pd.Period("2008-07", "M"), pd.Period("2008-08", "M")]
    assert np.isfinite(pred.to_numpy()).all()


# -- H8-03: a long panel given to rnnkit forecast -----------------------------------------------------------------
@pytest.mark.parametrize("by_date", [False, True])
def test_h8_03_rnnkit_forecast_names_the_series_id_column_of_a_long_panel(tmp_path, capsys, by_date):
    """Before: 'the time column 'date' goes back at line 125 (...); give one row per timestamp, in increasing
    order' (sorted by date: 'repeats at line 3'), advice that leads to sorting, which interleaves the five stocks;
    the Python API names the panel (F6-05), the command line did not."""
    data = stocks()
    if by_date:
        data = data.sort_values("date", kind="stable")
    path = tmp_path / "stocks.csv"
    data.to_csv(path, index=False)
    code = main(["forecast", str(path), "--time-column", "date", "--target-column", "price", "--horizon", "3",
                 "--max-epochs", "1", "--hidden-size", "4", "--model", "direct", "--out", str(tmp_path / "run")])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    where = ("repeats at line 3 ('2000-01-01' after '2000-01-01' on line 2)" if by_date else
             "goes back at line 125 ('2000-01-01' after '2010-03-01' on line 124)")
    assert err == (f"rnnkit forecast: error: {path}: the time column 'date' {where}, where column 'symbol' changes "
                   "from 'MSFT' to 'AMZN': the file looks like 5 series in one (a long panel), and rnnkit forecast "
                   "reads one series; write each to its own CSV (e.g. df[df['symbol'] == 'MSFT']), or forecast them "
                   "all in Python with rnnkit.GlobalForecaster(...).fit(df, id_col='symbol', time_col='date', "
                   "target='price')")
    assert not (tmp_path / "run").exists()


def test_h8_03_one_stock_with_its_symbol_column_left_in_is_forecast(tmp_path):
    """The panel check reads only where the time goes back: one series keeps an unread text column."""
    from rnnkit.forecast.series import read_series_csv

    path = tmp_path / "msft.csv"
    stocks().query("symbol == 'MSFT'").to_csv(path, index=False)
    y = read_series_csv(path, time_column="date", target_column="price")
    assert len(y) == 123 and y.index[-1] == pd.Timestamp("2010-03-01") and list(y.columns) == ["price"]


# -- H8-04: a PeriodIndex resampled by freq ------------------------------------------------------------------------
@pytest.mark.parametrize("freq, first, period", [("MS", "2008-07", "M"), ("QS", "2008Q3", "Q-DEC")])
def test_h8_04_a_period_index_resampled_by_freq_is_forecast_as_periods_of_that_grid(freq, first, period):
    """Before: the forecasts (and historical_forecasts, and backtest's origins) of a PeriodIndex fitted with freq
    came back as Timestamps (2008-07-01 00:00:00), though a PeriodIndex gives periods back, and without freq the
    same series did; freq='MS' on monthly periods changed nothing but the index type."""
    from rnnkit import Forecaster

    y = pbs()
    f = Forecaster(horizon=2, model="direct", lookback=8, hidden_size=4, max_epochs=1, random_state=0)
    pred = f.fit(y, freq=freq).predict()
    assert isinstance(pred.index, pd.PeriodIndex) and pred.index.freqstr == period
    assert pred.index[0] == pd.Period(first, period) and pred.index.name == "Period"
    if freq == "MS":  # the same grid as the data's: the same forecast as without freq
        same = Forecaster(horizon=2, model="direct", lookback=8, hidden_size=4, max_epochs=1, random_state=0)
        pd.testing.assert_series_equal(pred, same.fit(y).predict())
    assert isinstance(f.historical_forecasts().index, pd.PeriodIndex)
    table = f.backtest(y, folds=2, freq=freq)
    assert isinstance(table.index, pd.PeriodIndex) and table.index.freqstr == period


def test_h8_04_a_grid_whose_timestamps_end_periods_stays_timestamps(tmp_path):
    """Month ends ('ME') label each month by its last day: not a period's start, so the forecasts keep those
    timestamps (a period would be matched to its first day by predict(future=...))."""
    from rnnkit import Forecaster, load

    f = Forecaster(horizon=2, model="direct", lookback=8, hidden_size=4, max_epochs=1, random_state=0)
    pred = f.fit(pbs(), freq="ME").predict()
    assert pred.index.tolist() == [pd.Timestamp("2008-07-31"), pd.Timestamp("2008-08-31")]
    f = Forecaster(horizon=2, model="direct", lookback=8, hidden_size=4, max_epochs=1, random_state=0)
    f.fit(pbs(), freq="QS").save(tmp_path / "m")
    assert load(tmp_path / "m").predict().index.tolist() == [pd.Period("2008Q3", "Q-DEC"), pd.Period("2008Q4", "Q-DEC")]
