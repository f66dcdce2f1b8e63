"""Sixteenth round (16b): the forecasters on real series no test had used, as a new user brings them:
pmdarima's ausbeer (quarterly, on row numbers), statsmodels' copper (years numbered 1..25), vega's crimea
(monthly counts with zeros), arch's default (monthly bond yields, two targets), vix and wti (business days).

One test per case of the catalogue (ids H16-01, H16-02, ...); each fails on the commit before its fix.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from helpers import tiny_forecaster as tiny

import rnnkit

pm = pytest.importorskip("pmdarima.datasets")


def crimea() -> pd.DataFrame:
    """vega's crimea: deaths per month in the British army, 1854-04 .. 1856-03, by cause (integer counts)."""
    vega = pytest.importorskip("vega_datasets")
    return vega.local_data.crimea().set_index("date").astype(float)


def test_H16_01_a_season_without_a_calendar_is_named_with_its_lag_in_the_reason():
    # ausbeer as pmdarima gives it: quarterly beer production on row numbers; the changes repeat every 4 rows
    # (autocorrelation 0.91) but no calendar says so. Was: 'no calendar season for the frequency None'
    beer = pm.load_ausbeer(as_series=True).dropna()
    f = tiny(lookback="auto").fit(beer)
    assert f.season_length_ == 1  # still not taken without a calendar: named, as the one to pass
    assert f.choices_["season_length"] == (
        "no calendar season: the series is indexed by row numbers, without dates; the autocorrelation of the "
        "changes at lag 4 is 0.91 (band 0.14), as a season of 4 steps gives: pass season_length=4 if the series "
        "has one")
    assert tiny(season_length=4).fit(beer).season_length_ == 4  # the advice taken
    sm = pytest.importorskip("statsmodels.api")
    copper = sm.datasets.copper.load_pandas().data  # years numbered 1.0 .. 25.0 in column TIME
    g = tiny().fit(copper, time_col="TIME", targets=["WORLDCONSUMPTION"])
    assert g.choices_["season_length"] == "no calendar season: a numeric time axis (step 1)"


def test_H16_02_a_value_the_hybrid_cannot_read_at_predict_is_named_with_its_time():
    # the hybrid fitted on crimea's disease deaths (all positive: multiplicative), then predict(data=...) with a
    # month of none; was: 'value 0.0 at row 21 is not positive ...' without the time or how many
    disease = crimea()["disease"]
    newer = disease.copy()
    newer.iloc[21] = 0.0
    f = tiny(model="hybrid").fit(disease.iloc[:20])
    message = ("predict: series 'disease': value 0.0 at row 21 is not positive (1856-01-01; 1 value(s) <= 0 in "
               "all), but the hybrid model was fitted on a series whose every value is positive (a multiplicative "
               "season and the log ratio to the level, which need values > 0), so it cannot forecast from this "
               "one; refit on the data that holds it (fit smooths a series with zeros or negative values "
               "additively)")
    with pytest.raises(ValueError) as e:
        f.predict(data=newer)
    assert str(e.value) == message
    panel = pd.DataFrame({"unique_id": "disease", "ds": newer.index, "y": newer.to_numpy()})
    g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="hybrid",
                                random_state=0).fit(panel.assign(y=disease.to_numpy()).iloc[:20])
    with pytest.raises(ValueError) as e:
        g.predict(data=panel)
    assert str(e.value) == message
    assert np.isfinite(tiny(model="hybrid").fit(newer).predict()).all()  # the fix named: refit, smoothed additively


def test_H16_03_the_reasons_of_several_targets_name_each_target():
    # crimea's three causes and arch's AAA / BAA bond yields: was 'stationary (KPSS p=0.100; KPSS p=0.100; KPSS
    # p=0.100 > 0.05)' and '... within the white-noise band: -0.04 (band 0.13), -0.05 (band 0.13)', naming no target
    f = tiny().fit(crimea())
    assert f.choices_["relative"] == ("stationary ('wounds': KPSS p=0.100; 'other': KPSS p=0.100; 'disease': "
                                      "KPSS p=0.100 > 0.05)")
    default = pytest.importorskip("arch.data.default")
    yields = default.load().iloc[-240:]
    g = tiny().fit(yields)
    assert g.choices_["relative"].startswith("not stationary ('AAA': KPSS p=")
    reason = g.choices_["season_length"]
    assert reason.startswith("frequency 'MS'") and "'AAA' " in reason and "'BAA' " in reason, reason
    one = tiny().fit(yields["AAA"])  # one target: the reason as before
    assert one.choices_["relative"].startswith("not stationary (KPSS p=")


def test_H16_04_the_panels_season_reason_names_each_series_choice(capsys):
    # vix and wti, daily on business days (holidays carried forward), as one panel: the weekly season of 'B' is
    # rejected for both; was: 'per series, from the calendar and the autocorrelation of the changes (...)' only
    vix, wti = pytest.importorskip("arch.data.vix"), pytest.importorskip("arch.data.wti")
    closes = {"vix": vix.load()["vix"].dropna().iloc[-300:], "wti": wti.load()["DCOILWTICO"].dropna().iloc[-300:]}
    panel = pd.concat([pd.DataFrame({"unique_id": key, "ds": y.index, "y": y.to_numpy()})
                       for key, y in closes.items()])
    panel = panel.set_index("ds").groupby("unique_id")[["y"]].resample("B").ffill().reset_index()
    g = rnnkit.GlobalForecaster(horizon=2, lookback=4, hidden_size=4, max_epochs=1, model="direct",
                                random_state=0, verbose=True).fit(panel)
    assert g.season_lengths_ == [1, 1]
    reason = g.choices_["season_length"]
    assert reason.startswith("per series (season_lengths_), from the calendar and the autocorrelation of the "
                             "changes (rnnkit.forecast.defaults.choose_season_length): 'vix': 1 (frequency 'B' "
                             "suggests 5, but the autocorrelation of the changes at lag 5 is within the white-noise "
                             "band: "), reason
    assert "; 'wti': 1 (frequency 'B' suggests 5" in reason
    printed = capsys.readouterr().out
    assert "GlobalForecaster: season_length of series 'wti': 1 (frequency 'B' suggests 5" in printed


def test_H16_05_a_band_calibrated_on_too_few_residuals_for_its_levels_is_warned_of():
    # arch's BAA yields, the last 13 months, one month ahead with an 80 % band: 3 validation residuals (the rows
    # allow no more origins; G17-01 gives a longer series 9 at this horizon), whose extremes hold about 3 / 4 of
    # future values each side, not 90 %; was: silent (band_ from the extremes)
    default = pytest.importorskip("arch.data.default")
    baa = default.load()["BAA"].iloc[-13:]
    with pytest.warns(UserWarning) as seen:
        f = rnnkit.Forecaster(horizon=1, max_epochs=1, random_state=0, quantiles=(0.1, 0.5, 0.9)).fit(baa)
    [warning] = [w for w in seen if "prediction band" in str(w.message)]
    assert str(warning.message) == (
        "the prediction band's level(s) 0.1, 0.9 need at least 9 validation residuals (split conformal's rank "
        "⌈(n + 1) τ⌉ within n), but the band is calibrated on n = 3, so each takes the most extreme one: a bound "
        "that holds about n / (n + 1) = 75% of future values on its inner side, not the 90% its level claims; "
        "levels within 0.25 .. 0.75 hold what they claim, or give more residuals (more training rows (at least 9 "
        "validation residuals where the rows allow: 3 origins of horizon steps each, more at horizons below 3, the "
        "first after max(2 horizon, 10) rows); in a panel, more series)")
    assert warning.filename == __file__
    p = f.predict()
    assert (p[0.1] <= p[0.5]).all() and (p[0.5] <= p[0.9]).all()
    longer = default.load()["BAA"].iloc[-40:]
    for levels, horizon, y in (((0.25, 0.5, 0.75), 1, baa), ((0.1, 0.5, 0.9), 1, longer)):  # the fixes: no warning
        with warnings.catch_warnings(record=True) as quiet:
            warnings.simplefilter("always")
            rnnkit.Forecaster(horizon=horizon, max_epochs=1, random_state=0, quantiles=levels).fit(y)
        assert not [w for w in quiet if "prediction band" in str(w.message)]
