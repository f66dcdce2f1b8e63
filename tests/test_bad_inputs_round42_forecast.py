"""Round 42, forecasting: counts given as a fraction, 0 or a negative number (horizon=1.5, season_length=0), a
panel's series of one row, ..."""
import numpy as np
import pandas as pd
import pytest


def _daily(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"time": pd.date_range("2024-01-01", periods=n, freq="D"),
                         "y": 10 + np.sin(np.arange(n) / 3) + rng.normal(0, 0.1, n)})


def test_F42_01_a_count_given_as_a_fraction_zero_or_negative_is_told_the_counts_to_give():
    # was: "Forecaster: horizon must be an integer >= 1, got 1.5" and no fix, likewise 0, -3, season_length=7.5
    from rnnkit.forecast import Forecaster, GlobalForecaster
    from rnnkit.forecast.evaluation import backtest
    for cls, kw in ((Forecaster, {}), (GlobalForecaster, {"lookback": 3})):
        with pytest.raises(ValueError, match=r"horizon must be an integer >= 1, got 1\.5; .*give horizon=1 or "
                                             r"horizon=2"):
            cls(horizon=1.5, **kw).fit(_daily(), time_col="time") if cls is Forecaster else cls(horizon=1.5, **kw)\
                ._check_params()
        with pytest.raises(ValueError, match=r"got 0; .*give horizon=1 \(the next step alone\) or more"):
            cls(horizon=0, **kw)._check_params()
        with pytest.raises(ValueError, match=r"got -3; .*\(horizon=3 if the minus sign was a slip\)"):
            cls(horizon=-3, **kw)._check_params()
        with pytest.raises(ValueError, match=r"season_length .*got 7\.5; .*give season_length=7 or "
                                             r"season_length=8, or 'auto'"):
            cls(horizon=3, season_length=7.5, **kw)._check_params()
        with pytest.raises(ValueError, match=r"got 0; .*season_length=1 \(a series without a season\) or more"):
            cls(horizon=3, season_length=0, **kw)._check_params()
    with pytest.raises(ValueError, match=r"hidden_size must be an integer >= 1, got 0; .*give hidden_size=1"):
        Forecaster(horizon=3, hidden_size=0)._check_params()
    with pytest.raises(ValueError, match=r"season_length must be an integer >= 1, got 7\.5; .*give season_length=7 "
                                         r"or season_length=8"):
        backtest(Forecaster(horizon=3, lookback=3, model="direct", max_epochs=1), _daily(), time_col="time",
                 season_length=7.5)


def test_F42_02_a_panels_series_of_one_row_is_not_told_a_horizon_of_0():
    # was: "series 's2' has 1 row (row 80); ... give a horizon of at most 0 (with lookback=1), or drop the series"
    from rnnkit.forecast import GlobalForecaster
    frames = [pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2024-01-01", periods=n, freq="D"),
                            "y": 10 + np.sin(np.arange(n) / 3) + i}) for i, n in enumerate((40, 40, 1))]
    with pytest.raises(ValueError, match=r"series 's2' has 1 row \(row 80\); .*a window needs 2 rows at least "
                                         r"\(lookback=1, horizon=1\).*: drop the series from the panel$") as e:
        GlobalForecaster(horizon=1, lookback=1, max_epochs=1).fit(pd.concat(frames, ignore_index=True))
    assert "at most 0" not in str(e.value)
    with pytest.raises(ValueError, match=r"series 's2' has 1 row \(row 0\); .*: pass a longer series$"):
        GlobalForecaster(horizon=1, lookback=1, max_epochs=1).fit(frames[2])
