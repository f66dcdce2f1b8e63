"""Time-zone-aware timestamps: read, ordered and continued in their zone by the Forecaster and the panel model."""

import numpy as np
import pandas as pd
import pytest

from rnnkit import Forecaster
from rnnkit.forecast import GlobalForecaster


def _series(tz: str, freq: str = "D", n: int = 60) -> pd.Series:
    index = pd.date_range("2020-01-01", periods=n, freq=freq, tz=tz)
    return pd.Series(10 + np.sin(np.arange(n) / 3), index=index)


@pytest.mark.parametrize("model", ["auto", "direct", "hybrid"])
def test_forecaster_keeps_the_time_zone(model):
    y = _series("Europe/Berlin")
    forecast = Forecaster(horizon=3, max_epochs=1, random_state=0, model=model).fit(y).predict()
    expected = pd.date_range(y.index[-1], periods=4, freq="D")[1:]
    assert forecast.index.tz is not None and str(forecast.index.tz) == "Europe/Berlin"
    assert forecast.index.equals(expected)
    assert np.isfinite(forecast.to_numpy()).all()


def test_panel_with_time_zone_aware_dates():
    y = _series("UTC")
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], len(y)), "ds": np.tile(y.index, 2),
                          "y": np.r_[y.to_numpy(), 2 * y.to_numpy()]})
    out = GlobalForecaster(lookback=6, horizon=3, max_epochs=1, random_state=0).fit(panel).predict()
    assert list(out["unique_id"]) == ["a"] * 3 + ["b"] * 3
    assert pd.DatetimeIndex(out["ds"][:3]).equals(pd.date_range(y.index[-1], periods=4, freq="D")[1:])


def test_panel_out_of_order_with_time_zone_names_the_rows():
    y = _series("UTC", n=30)
    panel = pd.DataFrame({"unique_id": "a", "ds": y.index[[*range(10), 11, 10, *range(12, 30)]], "y": y.to_numpy()})
    with pytest.raises(ValueError, match=r"not in time order: row 11 .* row 10"):
        GlobalForecaster(lookback=6, horizon=3, max_epochs=1).fit(panel)
