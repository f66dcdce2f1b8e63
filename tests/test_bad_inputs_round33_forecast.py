"""Round 33, forecasting: inputs a new user gives that were read silently wrong (F33-NN of docs/bad_inputs.md)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster

TINY = {"hidden_size": 4, "max_epochs": 1, "random_state": 0}


def airline() -> pd.Series:
    """The airline passengers (Box & Jenkins), 144 months from 1949-01, as sktime's load_airline."""
    values = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170,
              158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181,
              183, 218, 230, 242, 209, 191, 172, 194, 196, 196, 236, 235, 229, 243, 264, 272, 237, 211, 180, 201,
              204, 188, 235, 227, 234, 264, 302, 293, 259, 229, 203, 229, 242, 233, 267, 269, 270, 315, 364, 347,
              312, 274, 237, 278, 284, 277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306, 315, 301, 356, 348,
              355, 422, 465, 467, 404, 347, 305, 336, 340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310, 337,
              360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405, 417, 391, 419, 461, 472, 535, 622, 606,
              508, 461, 390, 432]
    return pd.Series(np.array(values, dtype=float), index=pd.period_range("1949-01", periods=144, freq="M"),
                     name="passengers")


@pytest.fixture(scope="module")
def on_steps():
    """A Forecaster with a smoothing component fitted on the airline's first 132 months as row numbers (no time
    axis: the series read from a CSV without its dates), and the whole series so."""
    y = airline().reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(horizon=6, season_length=12, **TINY).fit(y.iloc[:-12])
    return f, y


def test_F33_01_latest_rows_numbered_from_zero_are_refused_by_the_smoothing(on_steps):
    f, y = on_steps
    assert {"ets", "drift", "hybrid"} & set(f.components_)  # a 4-unit net trained one epoch loses to the smoothing
    whole = f.predict(data=y)
    recent = y.iloc[-40:].reset_index(drop=True)  # the last 40 rows, as pd.read_csv numbers a file of them: 0 .. 39
    # before: read as the fitted steps 0 .. 39, the smoothing run from the states fitted at step 0 through them (the
    # season 8 months off), the forecasts moved, without a word
    with pytest.raises(ValueError, match=r"data has no time axis, so its rows are read as the fitted series' steps "
                                         r"from step 0, but they differ from the fitted rows at 40 of those 40 steps "
                                         r".*data.set_axis\(pd.RangeIndex\(104, 144\)\)"):
        f.predict(data=recent)
    # the fix given reads them where they belong: the forecasts of the whole series
    np.testing.assert_allclose(f.predict(data=recent.set_axis(pd.RangeIndex(104, 144))).to_numpy(),
                               whole.to_numpy(), rtol=1e-9)
    # the series from its first step is read as before, the odd revision included
    revised = y.copy()
    revised.iloc[5] += 30
    assert np.isfinite(f.predict(data=revised).to_numpy()).all()


def test_F33_02_sktime_update_reads_a_multivariate_ys_columns_by_name():
    from rnnkit.forecast.sktime import RnnkitForecaster

    y = airline()
    ys = pd.DataFrame({"a": y, "b": 2 * y + 50})  # sktime fits one forecaster per column
    params = {"model": "direct", **TINY}
    in_order = RnnkitForecaster(**params).fit(ys.iloc[:-12], fh=[1, 2])
    swapped = RnnkitForecaster(**params).fit(ys.iloc[:-12], fh=[1, 2])
    in_order.update(ys.iloc[-12:], update_params=False)
    swapped.update(ys.iloc[-12:][["b", "a"]], update_params=False)  # the same new rows, columns in another order
    expected, got = in_order.predict(), swapped.predict()
    # before: sktime gave the forecaster of 'a' the column at its place, 'b' (and b's forecaster a's values), and
    # labelled the forecasts by the new order: 'b' 970 where it is 1032, 'a' 551 where it is 491, without a word
    assert list(got.columns) == ["a", "b"]
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-9)
    assert (got["b"] > got["a"] + 400).all()  # b = 2 a + 50, about 1000 against 500 in 1961


def test_F33_03_sktime_update_reads_Xs_columns_by_name():
    from sktime.datasets import load_longley

    from rnnkit.forecast.sktime import RnnkitForecaster

    y, X = load_longley()
    params = {"model": "direct", **TINY}
    in_order = RnnkitForecaster(**params).fit(y.iloc[:-4], X.iloc[:-4], fh=[1, 2])
    reordered = RnnkitForecaster(**params).fit(y.iloc[:-4], X.iloc[:-4], fh=[1, 2])
    in_order.update(y.iloc[-4:-2], X.iloc[-4:-2], update_params=False)
    reordered.update(y.iloc[-4:-2], X.iloc[-4:-2][X.columns[::-1]], update_params=False)  # as predict takes them
    # before: refused at predict, "data has columns ['TOTEMP', 'POP', ...]; ... select those, in that order", for
    # an argument never given
    np.testing.assert_allclose(reordered.predict(X=X.iloc[-2:]).to_numpy(),
                               in_order.predict(X=X.iloc[-2:]).to_numpy(), rtol=1e-9)
