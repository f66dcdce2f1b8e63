"""Twenty-eighth round: real series and tables no test had used, brought as their libraries hand them out to the
forecasters and the table readers: statsmodels' sunspots (yearly, on float years), vega's iowa_electricity (a long
panel of yearly dates, pivoted), sktime's hierarchical sales toy data written by to_csv.

One test per case of the catalogue (ids S28-01, S28-02, ...); each fails on the commit before its fix.
"""

import numpy as np
import pandas as pd
import pytest
from helpers import one_line, user_warnings
from helpers import tiny_forecaster as tiny

import rnnkit
from rnnkit.data.tables import read_sequences

sm = pytest.importorskip("statsmodels.api")


def sunspots() -> pd.Series:
    """statsmodels' yearly sunspots, 1700 .. 2008, indexed by its float column YEAR (1700.0, 1701.0, ...)."""
    return sm.datasets.sunspots.load_pandas().data.set_index("YEAR")["SUNACTIVITY"]


def test_S28_01_a_series_on_years_is_not_told_to_take_a_season_of_12_steps():
    # the 11-year sunspot cycle makes the changes correlate at lag 12 (0.28, band 0.11); on years numbered
    # 1700.0 .. 2008.0 the reason was '... as a season of 12 steps gives: pass season_length=12 if the series has
    # one', advice to read a cycle of years as a monthly season (the docs: cycles of varying length are no season)
    y = sunspots()
    reason = ("no calendar season: a numeric time axis of years (1700 .. 2008), one step a year, has no season "
              "within it (a cycle of several years is not a season)")
    f = tiny(lookback="auto").fit(y)
    assert (f.season_length_, f.choices_["season_length"]) == (1, reason)
    assert f.predict().index.tolist() == [2009, 2010]
    nile = sm.datasets.nile.load_pandas().data
    panel = pd.concat([pd.DataFrame({"unique_id": "sunspots", "ds": y.index, "y": y.to_numpy()}),
                       pd.DataFrame({"unique_id": "nile", "ds": nile["year"], "y": nile["volume"]})])
    g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct", quantiles=None,
                                random_state=0).fit(panel)
    assert g.season_lengths_ == [1, 1]
    assert f"'sunspots': 1 ({reason})" in g.choices_["season_length"]
    # row numbers, and a numeric axis that is not years (copper's 1 .. 25), keep the lag named as a season to try
    airline = pytest.importorskip("pmdarima.datasets").load_airpassengers(as_series=True)  # months on 0 .. 143
    assert "pass season_length=12 if the series has one" in tiny(lookback="auto").fit(airline).choices_[
        "season_length"]
    shifted = pd.Series(airline.to_numpy(), index=np.arange(3000, 3144))  # whole numbers past the years' range
    assert "pass season_length=12" in tiny(lookback="auto").fit(shifted).choices_["season_length"]


def test_S28_02_the_forecasts_of_a_pivoted_panel_keep_the_name_of_its_columns(tmp_path):
    # vega's iowa_electricity pivoted to a column per source (df.pivot(index='year', columns='source', ...)): the
    # forecasts' columns were named None, where the index kept 'year' and a Series its name
    vega = pytest.importorskip("vega_datasets")
    wide = vega.data.iowa_electricity().pivot(index="year", columns="source", values="net_generation")
    f = tiny().fit(wide)
    forecast = f.predict()
    assert (forecast.columns.name, forecast.index.name) == ("source", "year")
    assert forecast.columns.tolist() == ["Fossil Fuels", "Nuclear Energy", "Renewables"]
    f.save(tmp_path / "m")
    loaded = rnnkit.Forecaster.load(tmp_path / "m").predict()
    pd.testing.assert_frame_equal(loaded, forecast)
    assert tiny().fit(wide.rename_axis(columns=None)).predict().columns.name is None  # unnamed stays unnamed


def test_S28_03_a_panel_named_by_two_id_columns_is_told_to_join_them(tmp_path):
    # sktime's hierarchical sales written by to_csv(): its MultiIndex (Product line, Product group, Date) becomes
    # three columns; read with id_column='Product line' the rows were refused as "feature column(s)
    # ['Product group'] are not numeric ...; convert or drop them", and dropping it left each month twice per line
    sales = pytest.importorskip("sktime.datasets").load_hierarchical_sales_toydata()
    path = tmp_path / "sales.csv"
    sales.to_csv(path)
    with pytest.raises(ValueError) as e:
        read_sequences(path, id_column="Product line", time_column="Date", target_column=None)
    assert one_line(e) == (
        f"{path}: sequence 'Food preparation' has time '2000-01' on lines 2, 62, told apart by the text column "
        "'Product group' ('Hobs', 'Ovens'): the sequences are named by two columns, 'Product line' and 'Product "
        "group' (as a MultiIndex of two levels written by to_csv); join them into one id column, e.g. "
        "df['Product line'] = df['Product line'].astype(str) + '/' + df['Product group'].astype(str), then save the "
        "file again")
    df = pd.read_csv(path)  # the fix, as the message gives it
    df["Product line"] = df["Product line"].astype(str) + "/" + df["Product group"].astype(str)
    df.drop(columns="Product group").to_csv(path, index=False)
    table = read_sequences(path, id_column="Product line", time_column="Date", target_column=None)
    assert table.ids.tolist() == ["Food preparation/Hobs", "Food preparation/Ovens", "Food preservation/Freezers",
                                  "Food preservation/Fridges"]
    hobs = sales.loc[("Food preparation", "Hobs"), "Sales"].to_numpy()
    np.testing.assert_allclose(table.X[0][:, 0], hobs)


def test_S28_04_a_numeric_column_the_panel_does_not_read_is_warned_of():
    # vega's stocks as a long panel with a volume beside each price: fit used the price alone and said nothing of
    # the volume (the GlobalForecaster reads no past covariates)
    vega = pytest.importorskip("vega_datasets")
    stocks = vega.data.stocks()
    stocks["volume"] = np.arange(len(stocks)) % 7 + 1.0
    stocks["sector"] = "tech"  # text: an attribute of a series, not warned of
    g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct", quantiles=None,
                                random_state=0)
    fit = lambda data, **kw: g.fit(data, id_col="symbol", time_col="date", target="price", **kw)  # noqa: E731
    assert user_warnings(lambda: fit(stocks)) == [
        "GlobalForecaster.fit: the panel's numeric column(s) ['volume'] are not read: the model reads each series' "
        "target and the known-future covariates only (no past covariates); pass future_covariates=['volume'] if "
        "their values are known ahead (predict then needs them over the horizon), forecast one series with them "
        "as past covariates with rnnkit.Forecaster, or drop them"]
    assert user_warnings(lambda: fit(stocks.drop(columns="volume"))) == []
    assert user_warnings(lambda: fit(stocks, future_covariates=["volume"])) == []
    assert g.future_covariates_ == ("volume",)
