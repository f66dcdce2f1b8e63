"""Round 32, forecasting: inputs a practitioner gives that were read silently wrong (F32-NN of docs/bad_inputs.md)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster

TINY = {"hidden_size": 4, "max_epochs": 1, "random_state": 0}


def airline() -> pd.Series:
    """The airline passengers (Box & Jenkins), monthly periods 1949-01 .. 1960-12, as sktime's load_airline."""
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


def test_F32_01_predict_from_the_last_rows_continues_the_fitted_ets_smoothing():
    y = airline()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(horizon=6, **TINY).fit(y.iloc[:-12])
    assert "ets" in f.components_  # a 4-unit net trained one epoch loses to the smoothing on this series
    whole = f.predict(data=y)  # the fitted series with the year since
    recent = f.predict(data=y.iloc[-40:])  # its last rows, as a job reading the latest rows gives them
    # before: the smoothing restarted at 1957-09 from the states fitted at 1949-01 (a level of 125 and the season of
    # January for September): 1961-01 came out 20 % and more off the forecast from the whole series
    np.testing.assert_allclose(recent.to_numpy(), whole.to_numpy(), rtol=1e-9)
    with pytest.raises(ValueError, match=r"data starts at 1960-08, after 1960-01, the step that follows the fitted "
                                         r"series; .* give data from 1960-01 or earlier"):
        f.predict(data=y.iloc[-5:])  # a gap after the fitted rows: the states at 1960-08 are unknown


def test_F32_02_the_hybrid_reads_the_last_rows_on_the_fitted_season_and_level():
    y = airline()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = Forecaster(horizon=6, model="hybrid", **TINY).fit(y.iloc[:-12])
        whole, recent = f.predict(data=y), f.predict(data=y.iloc[-41:])
    np.testing.assert_allclose(recent.to_numpy(), whole.to_numpy(), rtol=1e-6)

    panel = pd.concat([pd.DataFrame({"unique_id": key, "ds": y.index.to_timestamp(), "y": y.to_numpy() * k + c})
                       for key, k, c in (("air", 1.0, 0.0), ("rail", 2.0, 50.0))], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = GlobalForecaster(lookback=6, horizon=6, model="hybrid", **TINY).fit(panel.groupby("unique_id").head(-12))
        whole, recent = g.predict(data=panel), g.predict(data=panel.groupby("unique_id").tail(41))
    np.testing.assert_allclose(recent["y"].to_numpy(), whole["y"].to_numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"predict: series 'rail': data starts at 1960-07-01, after 1960-01-01"):
        g.predict(data=panel.groupby("unique_id").tail(6).loc[lambda d: d["unique_id"] == "rail"])


def test_F32_03_a_panel_forecast_of_some_steps_reads_future_at_those_steps_alone():
    rng = np.random.default_rng(0)
    full = pd.concat([pd.DataFrame({"unique_id": key, "ds": pd.date_range(end=end, periods=43, freq="D"),
                                    "promo": rng.integers(0, 2, 43).astype(float)}) for key, end in
                      (("s0", "2021-03-01"), ("s1", "2021-02-20"))], ignore_index=True)
    full["y"] = 10 + 5 * full["promo"] + np.sin(np.arange(len(full)) / 2)
    future = full.groupby("unique_id").tail(3).drop(columns="y")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = GlobalForecaster(lookback=6, horizon=3, model="direct", **TINY).fit(full.drop(future.index),
                                                                                 future_covariates=["promo"])
    every = g.predict(future=future)
    # the rows of steps 1 and 3 alone, as Forecaster.predict([1, 3]) takes them; before: "series 's0': future has no
    # row for 1 of the 3 forecast timestamps (2021-02-28 00:00:00)", the step not asked for
    some = g.predict([1, 3], future=future.groupby("unique_id").nth([0, 2]))
    np.testing.assert_allclose(some["y"].to_numpy(), every["y"].to_numpy()[[0, 2, 3, 5]], rtol=1e-6)
    assert some["ds"].tolist() == every["ds"].tolist()[0:3:2] + every["ds"].tolist()[3:6:2]
