"""Twelfth round of bad inputs: real datasets the tests had not used (statsmodels' fertility, interest_inflation and
grunfeld, vega's us_employment, ohlc and wheat, sktime's hierarchical sales toy data and macroeconomic), through
the front door as a new user would: ``Forecaster``, ``GlobalForecaster``, the estimators and ``rnnkit forecast`` on
the CSV ``df.to_csv`` writes. One test per case D12-NN of the catalogue (docs/bad_inputs.md, "Twelfth round"). A
refusal is one ValueError line naming what, where and how to fix it; the fix it names is then taken."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import one_line, run_cli  # a refusal's message, one line; rnnkit ARGS in this process

from rnnkit import Forecaster, GlobalForecaster, SequenceClassifier

torch.set_num_threads(1)
warnings.filterwarnings("ignore", category=FutureWarning)  # sktime's and statsmodels' notices


def quick(**kw) -> Forecaster:
    params = dict(horizon=2, model="direct", lookback=4, season_length=1, max_epochs=1, hidden_size=4, random_state=0)
    return Forecaster(**(params | kw))


def panel_model(**kw) -> GlobalForecaster:
    params = dict(lookback=4, horizon=2, model="direct", quantiles=None, max_epochs=1, hidden_size=4, random_state=0)
    return GlobalForecaster(**(params | kw))


def statsmodels_data(name: str) -> pd.DataFrame:
    datasets = pytest.importorskip("statsmodels.datasets")
    return getattr(datasets, name).load_pandas().data


def vega(name: str) -> pd.DataFrame:
    local_data = pytest.importorskip("vega_datasets").local_data
    return getattr(local_data, name)()


def test_D12_01_country_codes_that_end_in_z_are_not_dates_with_an_offset():
    """The fertility table's 'Country Code' ('ABW', ..., 'BLZ' for Belize): the Z was read as UTC's, so
    date_readings raised MixedZones and the Forecaster said the codes were dates: `column 'Country Code' holds
    dates as text ('ABW', ...), ...; pass time_col='Country Code'`."""
    from rnnkit.data.tables import date_readings

    codes = statsmodels_data("fertility")["Country Code"]
    assert date_readings(codes.astype(str)) == []
    data = pd.DataFrame({"code": codes, "births": statsmodels_data("fertility")["1960"]})
    with pytest.raises(ValueError) as error:
        quick().fit(data)
    message = one_line(error)
    assert "dates as text" not in message and "holds words (e.g. 'ABW')" in message
    # ISO dates with a Z are still instants in UTC
    assert len(date_readings(pd.Series(["2024-01-01T00:00:00Z", "2024-01-01T02:00:00+01:00"]))) == 1


def test_D12_02_rnnkit_forecast_reads_a_csv_written_with_its_index(tmp_path, capsys):
    """`us_employment().to_csv(path)` writes the row numbers as a nameless first column, which rnnkit forecast does
    not read (it reads the named columns); it was refused: `column 1 of the header has no name, …: its row numbers
    would be read as a feature`."""
    path = tmp_path / "employment.csv"
    vega("us_employment")[["month", "nonfarm"]].to_csv(path)
    status, err = run_cli(["forecast", path, "--time-column", "month", "--target-column", "nonfarm", "--horizon", 2,
                           "--lookback", 4, "--model", "direct", "--hidden-size", 4, "--max-epochs", 1, "--seed", 0,
                           "--folds", 1, "--season-length", 1, "--out", tmp_path / "out"], capsys)
    assert status == 0, err
    forecast = pd.read_csv(tmp_path / "out" / "forecast.csv")
    assert forecast["month"].tolist() == ["2016-01-01", "2016-02-01"] and forecast["nonfarm"].notna().all()


def test_D12_03_a_wide_table_with_a_year_per_column_is_told_how_to_read_it(tmp_path):
    """The World Bank's fertility rates, a country per row and a year per column: Forecaster.fit on it indexed by
    country was told `the index holds text that is not dates ('Aruba', ...); ... or drop the index
    (data.reset_index(drop=True)) to forecast by step`, which would forecast every year as a series along the
    countries; GlobalForecaster and rnnkit forecast listed the 58 columns."""
    data = statsmodels_data("fertility")
    years = [c for c in data.columns if c.isdigit()]
    by_country = data.set_index("Country Name")[years]
    with pytest.raises(ValueError) as error:
        quick().fit(by_country)
    message = one_line(error)
    assert "54 columns named as times ('1960' .. '2013') and a series on each row" in message
    one = re.search(r"indexed by the times, (.+?\.astype\(float\))", message).group(1)
    assert one == "data.loc['Aruba', '1960':'2013'].astype(float)"
    series = eval(one, {"data": by_country})  # the call the message gives
    assert quick().fit(series.loc[:"2011"]).predict().index[0] == "2012"  # text years in, text years out

    with pytest.raises(ValueError) as error:
        panel_model().fit(data)
    message = one_line(error)
    long = re.search(r"make it long, (.+?\)), and fit it with id_col='Country Name'", message).group(1)
    long = eval(long, {"data": data})
    assert long.columns.tolist()[-2:] == ["ds", "y"] and len(long) == 219 * 54
    complete = long[long["ds"] < "2012"].groupby("Country Name").filter(lambda d: d["y"].notna().all())
    forecast = panel_model().fit(complete, id_col="Country Name").predict()
    assert forecast["ds"].iloc[0] == "2012"  # the panel too (F14-04)

    from rnnkit.forecast.series import read_series_csv

    data.to_csv(tmp_path / "fertility.csv", index=False)
    with pytest.raises(ValueError, match=r"a wide table, and rnnkit forecast reads one series down the rows .* "
                       r"df.set_index\('Country Name'\).loc\['Aruba', '1960':'2013'\]"):
        read_series_csv(tmp_path / "fertility.csv", time_column="year", target_column="y")
    # a frame of an array's columns 0 .. 1999 counts steps: not read as years
    assert len(quick().fit(pd.DataFrame(np.random.default_rng(0).random((12, 1200)))).targets_) == 1200


def test_D12_04_a_hierarchical_panel_given_its_upper_level_as_the_id_names_the_level_below():
    """sktime's hierarchical sales toy data (product line > product group) with id_col='Product line': `series
    'Food preparation' has the time 2000-01-01 00:00:00 twice (rows 0 and 60); give one row per (id, time)`: the
    month '2000-01' shown as its first instant, and no word of the product groups."""
    datasets = pytest.importorskip("sktime.datasets")
    data = datasets.load_hierarchical_sales_toydata().reset_index()
    with pytest.raises(ValueError) as error:
        panel_model().fit(data, id_col="Product line", time_col="Date", target="Sales")
    message = one_line(error)
    assert message.startswith("series 'Food preparation' has the time 2000-01 twice (rows 0 and 60); ")  # a period
    assert "they differ in column 'Product group' ('Hobs', 'Ovens')" in message
    assert "data['unique_id'] = data['Product line'].astype(str) + '/' + data['Product group'].astype(str)" in message
    data["unique_id"] = data["Product line"].astype(str) + "/" + data["Product group"].astype(str)
    with pytest.raises(ValueError, match=r"^series 'Food preservation/Fridges' is not in time order: row 1 \(2004-11\) "
                       r"comes after row 0 \(2004-12\); sort the panel"):
        panel_model().fit(data.iloc[::-1], time_col="Date", target="Sales")
    model = panel_model().fit(data, time_col="Date", target="Sales")
    assert model.ids_[:2] == ["Food preparation/Hobs", "Food preparation/Ovens"]


def test_D12_05_business_days_with_a_holiday_are_not_told_a_grid_finer_than_their_steps():
    """vega's ohlc closes (business days, 3 July 2009 missing) were told `…; or pass freq='h' (or 'D', 'W-SAT',
    'MS'...) to fit to resample …`, and freq='h' is refused as finer than every step."""
    close = vega("ohlc").set_index("date")["close"]
    with pytest.raises(ValueError) as error:
        quick().fit(close)
    message = one_line(error)
    assert "freq='B' reads them on the business-day grid" in message and "freq='h'" not in message
    assert "pass a coarser freq to fit, 'W-FRI' or 'MS'" in message
    assert quick().fit(close, freq="W-FRI").predict().index[0] == pd.Timestamp("2009-08-07")


def test_D12_06_a_backtest_fold_with_no_observed_target_is_refused_with_the_rows_to_drop():
    """vega's wheat: wages end with two missing values; the last fold's test rows observe none, and the backtest
    returned NaN for every metric after numpy's `Mean of empty slice`."""
    wheat = vega("wheat").set_index("year")
    with pytest.raises(ValueError) as error:
        quick().backtest(wheat, folds=2)
    message = one_line(error)
    assert "fold 1 (1815.0 .. 1820.0) have no observed value of 'wages'" in message
    assert "data.loc[:data['wages'].last_valid_index()]" in message
    table = quick().backtest(wheat.loc[: wheat["wages"].last_valid_index()], folds=2)
    assert np.isfinite(table.to_numpy()).all()


def test_D12_07_years_beside_a_quarter_column_are_told_to_build_quarters(tmp_path, capsys):
    """statsmodels' interest_inflation (year, quarter) with time_col='year' was told `duplicate timestamp 1972.0 at
    rows 0 and 1; aggregate duplicates first (df.groupby('year', as_index=False).mean())`, which averages the
    quarters away; rnnkit forecast `give one row per timestamp`."""
    data = statsmodels_data("interest_inflation")
    with pytest.raises(ValueError) as error:
        quick().fit(data, time_col="year")
    message = one_line(error)
    assert "column 'quarter' tells the quarter within it" in message and "groupby" not in message
    call = re.search(r"index data by one time axis of both, (.+\]\)), and leave out time_col", message).group(1)
    forecast = quick().fit(eval(call, {"data": data, "pd": pd})).predict()
    assert forecast.index[0] == pd.Period("1999Q1") and forecast.columns.tolist() == ["Dp", "R"]

    data.to_csv(tmp_path / "ii.csv", index=False)
    status, err = run_cli(["forecast", tmp_path / "ii.csv", "--time-column", "year", "--target-column", "R",
                           "--horizon", 2, "--out", tmp_path / "out"], capsys)
    assert status == 2 and "df['period'] = pd.PeriodIndex.from_fields(year=df['year'].astype(int), " \
        "quarter=df['quarter'].astype(int), freq='Q'), and pass --time-column period" in err[-1]


def test_D12_08_predict_data_with_the_columns_in_another_order_names_the_selection():
    """sktime's macroeconomic data: a Forecaster fitted on ['unemp', 'infl'] given predict(data=) with all twelve
    columns, or these two swapped, was told `data has columns [...]; the forecaster was fitted on ['unemp',
    'infl']`, no fix."""
    datasets = pytest.importorskip("sktime.datasets")
    macro = datasets.load_macroeconomic()
    model = quick().fit(macro[["unemp", "infl"]], targets=["unemp"])
    for data in (macro[["infl", "unemp"]], macro):
        with pytest.raises(ValueError) as error:
            model.predict(data=data.iloc[:100])
        assert one_line(error).endswith("; select those, in that order: data[['unemp', 'infl']]")
    with pytest.raises(ValueError, match=r"; data lacks \['infl'\]: give data the fitted columns "
                                         r"\['unemp', 'infl'\], in that order"):
        model.predict(data=macro[["unemp"]])
    assert model.predict(data=macro.iloc[:100][["unemp", "infl"]]).index[0] == pd.Period("1984Q1")


def test_D12_09_an_estimator_given_a_year_firm_index_is_told_the_levels_are_swapped():
    """grunfeld indexed (year, firm) for a classifier of firms: `X's time level holds text (e.g. 'American Steel'),
    whose order is alphabetical, not in time; convert it to numbers or dates (…pd.to_datetime…)`."""
    data = statsmodels_data("grunfeld")
    X = data.set_index(["year", "firm"])[["invest", "value", "capital"]]
    big = data.groupby("firm", sort=False)["invest"].mean() > 100  # in order of first appearance
    clf = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError) as error:
        clf.fit(X, big)
    message = one_line(error)
    assert "X's index levels look swapped" in message and "(e.g. 1935.0)" in message
    assert "X.swaplevel()" in message and "to_datetime" not in message
    clf.fit(X.swaplevel(), big)
    assert clf.predict(X.swaplevel()).shape == (11,)


def test_D12_10_known_future_refusals_name_the_periods_the_series_was_given_in():
    """macroeconomic's quarters with `X`: `predict(X=...)` starting a quarter late was told `X has no row for 1 of the
    2 forecast timestamps (2009-10-01 00:00:00); it needs one row per timestamp 2009-10-01 00:00:00 .. 2010-01-01
    00:00:00`, where the user's index says 2009Q4; a panel of months alike."""
    datasets = pytest.importorskip("sktime.datasets")
    macro = datasets.load_macroeconomic()
    model = quick().fit(macro["unemp"], X=macro[["infl"]])
    late = pd.DataFrame({"infl": [1.0, 2.0]}, index=pd.period_range("2010Q1", periods=2, freq="Q"))
    with pytest.raises(ValueError) as error:
        model.predict(X=late)
    assert one_line(error) == ("X has no row for 1 of the 2 forecast timestamps (2009Q4); it needs one row per "
                               "timestamp 2009Q4 .. 2010Q1")
    with pytest.raises(ValueError, match=r"'infl' is missing \(NaN\) at 2010Q1:"):
        model.predict(X=late.set_axis(pd.period_range("2009Q4", periods=2, freq="Q")).assign(infl=[1.0, np.nan]))

    sales = datasets.load_hierarchical_sales_toydata().reset_index().assign(promo=1.0)
    panel = panel_model().fit(sales, id_col="Product group", time_col="Date", target="Sales",
                              future_covariates=["promo"])
    future = sales.groupby("Product group").tail(2).assign(Date=lambda d: d["Date"] + 3)  # 2005-02, 2005-03
    with pytest.raises(ValueError, match=r"^series 'Hobs': future has no row for 1 of the 2 forecast timestamps "
                       r"\(2005-01\); it needs one row per timestamp 2005-01 \.\. 2005-02$"):
        panel.predict(future=future[["Product group", "Date", "promo"]])


def test_D12_11_rows_of_events_in_no_time_order_are_not_called_stacked_series():
    """vega's la_riots (one row per death, sorted by name, many on one day) as a series of ages by death_date was
    told `time column 'death_date' starts over: row 3 (1992-04-30) follows row 2 (1992-05-23) and repeats row 0:
    several series stacked one after another? … sorting would interleave them`: the rows are in no time order, and
    sorting them is the fix."""
    riots = vega("la_riots")
    with pytest.raises(ValueError) as error:
        quick().fit(riots.set_index("death_date")["age"])
    message = one_line(error)
    assert "stacked" not in message
    assert "is not increasing: row 3 (1992-04-30 00:00:00) comes before row 2 (1992-05-23 00:00:00); sort" in message
    with pytest.raises(ValueError, match="duplicate timestamp 1992-04-29 00:00:00 at rows 0 and 1; aggregate"):
        quick().fit(riots.set_index("death_date")["age"].sort_index())
    # two series stacked one after another are still named so
    ages = riots.set_index("death_date")["age"].sort_index()
    days = ages.groupby(level=0).mean()
    with pytest.raises(ValueError, match="starts over: .* several series stacked one after another"):
        quick().fit(pd.concat([days, days]))


def test_D12_12_future_rows_of_ids_the_model_was_not_fitted_on_are_named():
    """grunfeld's firms with `value` known ahead: `predict(future=...)` with rows of a firm the panel was not fitted
    on (a misspelt or a new one) read the fitted firms' rows and dropped the others without a word."""
    grunfeld = statsmodels_data("grunfeld").assign(year=lambda d: d["year"].astype(int))
    fitted = grunfeld[grunfeld["firm"] != "US Steel"]
    model = panel_model().fit(fitted, id_col="firm", time_col="year", target="invest",
                              future_covariates=["value"])
    ahead = pd.DataFrame([(f, y, 1000.0) for f in grunfeld["firm"].unique() for y in (1955, 1956)],
                         columns=["firm", "year", "value"])
    with pytest.warns(UserWarning) as record:
        out = model.predict(future=ahead)
    message = str(record[0].message)
    assert "\n" not in message and message.startswith(
        "predict: future holds 2 row(s) of 1 id(s) the model was not fitted on ('US Steel'; first at row ")
    assert set(out["firm"]) == set(fitted["firm"]) and len(out) == 2 * fitted["firm"].nunique()
    with warnings.catch_warnings():  # rows of fitted series this call does not forecast: read by none, no warning
        warnings.simplefilter("error")
        mine = fitted[fitted["firm"] == "General Motors"]
        model.predict(data=mine, future=ahead[ahead["firm"] != "US Steel"])
