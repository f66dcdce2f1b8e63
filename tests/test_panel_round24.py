"""Real panels through GlobalForecaster and the sktime adapter's panel mtypes (pd-multiindex): statsmodels'
macrodata (quarterly 1959Q1..2009Q3) with its columns as series, in the order the data gives them (realgdp,
unemp, infl: not sorted), as a darts / neuralforecast / sktime user stacks them. Fits are one epoch of a
4-unit net."""

import functools
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("sktime")
sm = pytest.importorskip("statsmodels.api")

from rnnkit.forecast.evaluation import backtest  # noqa: E402
from rnnkit.forecast.panel import GlobalForecaster  # noqa: E402
from rnnkit.forecast.sktime import RnnkitForecaster  # noqa: E402

SERIES = ["realgdp", "unemp", "infl"]


@functools.cache
def _macro() -> pd.DataFrame:
    return sm.datasets.macrodata.load_pandas().data


def panel() -> pd.DataFrame:
    """sktime's pd-multiindex: (series, time) rows, one column."""
    m = _macro()
    t = pd.period_range("1959Q1", periods=len(m), freq="Q")
    return pd.concat({c: pd.Series(m[c].to_numpy(), index=t) for c in SERIES}, names=["series", "time"]).to_frame("v")


def long() -> pd.DataFrame:
    """neuralforecast's long frame: unique_id, ds, y."""
    return panel().reset_index().rename(columns={"series": "unique_id", "time": "ds", "v": "y"})


def adapter(**kw) -> RnnkitForecaster:
    return RnnkitForecaster(**{"model": "direct", "hidden_size": 4, "max_epochs": 1, "random_state": 0,
                               "lookback": 8, **kw})


def test_P24_01_update_with_the_series_in_sorted_order_extends_each_series_with_its_own_values():
    y = panel()
    f = adapter().fit(y.groupby(level=0).head(190), fh=[1, 2])
    new = y.groupby(level=0).nth(slice(190, 191)).sort_index()  # infl, realgdp, unemp: sktime's splitters' order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f.update(new, update_params=False)
    for key, row in f.forecasters_.iterrows():
        seen = row.iloc[0]._y
        np.testing.assert_allclose(seen.to_numpy().ravel(), y.loc[key].iloc[:191].to_numpy().ravel())


def test_P24_01_update_predict_over_a_panel_forecasts_each_series_in_its_own_units():
    y = panel()
    f = adapter().fit(y.groupby(level=0).head(190), fh=[1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = f.update_predict(y.groupby(level=0).nth(slice(190, 194)), update_params=False)
    for key in SERIES:  # before: realgdp's forecasts from infl's values (~500 for a series near 13000)
        level = y.loc[key].iloc[180:194].to_numpy()
        forecasts = out.loc[key].to_numpy()
        forecasts = forecasts[np.isfinite(forecasts)]
        spread = level.max() - level.min() + abs(level).mean()
        assert np.all(np.abs(forecasts - level.mean()) < 3 * spread), (key, forecasts)


def test_P24_02_X_for_some_series_only_is_refused_naming_the_series_it_would_drop():
    y = panel()
    X = pd.DataFrame({"promo": 1.0}, index=y.index).loc[["realgdp"]]
    with pytest.raises(ValueError, match=r"X has no rows for 2 of y's 3 series \('unemp', 'infl'\).*drop the others"):
        adapter().fit(y, X=X, fh=[1, 2])


def test_P24_03_a_panel_indexed_time_then_series_is_refused_saying_to_swap_the_levels():
    y = panel().swaplevel().sort_index()
    with pytest.raises(ValueError, match=r"times in its level 'time' \(level 0\).*"
                                         r"y = y\.swaplevel\(\)\.sort_index\(\)"):
        adapter().fit(y, fh=[1, 2])


def test_P24_04_a_repeated_row_of_a_panel_names_its_series():
    y = panel()
    y = pd.concat([y, y.iloc[[5]]]).sort_index()
    with pytest.raises(ValueError, match=r"repeats \('realgdp', Period\('1960Q2'"):
        adapter().fit(y, fh=[1, 2])


def test_P24_04_a_series_out_of_time_order_is_named_with_its_rows():
    y = panel()
    y = y.iloc[list(range(1, 203)) + [0] + list(range(203, len(y)))]
    with pytest.raises(ValueError, match=r"not in time order within a series: \('realgdp', Period\('1959Q1'.*row 202"):
        adapter().fit(y, fh=[1, 2])


def test_P24_05_a_covariate_of_some_series_only_names_them_and_says_to_fill_not_drop():
    data = long().assign(promo=lambda d: np.where(d.unique_id == "realgdp", 1.0, np.nan))
    g = GlobalForecaster(lookback=8, horizon=2, model="direct", hidden_size=4, max_epochs=1, quantiles=None,
                         random_state=0, device="cpu")
    with pytest.raises(ValueError, match=r"covariate 'promo' is missing \(NaN\) at every row of 2 of the 3 series "
                                         r"\('unemp', 'infl'\).*fillna\(0\)"):
        g.fit(data, future_covariates=["promo"])


def test_P24_06_backtest_of_a_global_forecaster_says_how_to_evaluate_a_panel():
    g = GlobalForecaster(lookback=8, horizon=4, model="direct", hidden_size=4, max_epochs=1, quantiles=None)
    with pytest.raises(ValueError, match=r"backtest evaluates a Forecaster on one series.*head\(-4\)"):
        backtest(g, long())
