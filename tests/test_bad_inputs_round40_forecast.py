"""Round 40, forecasting: the filter that silences a mostly-0 demand's band warning, and a MASE scale of float32
rounding."""
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster


def _intermittent(seed=0, n=60):
    """Daily sales of a slow item: 0 on about 85 % of days, the last day a sale of 6."""
    rng = np.random.default_rng(seed)
    v = np.where(rng.random(n) < 0.85, 0, rng.integers(1, 9, n)).astype(float)
    v[-1] = 6
    return pd.Series(v, index=pd.date_range("2024-01-01", periods=n, freq="D"), name="sales")


def _messages(record) -> list[str]:
    return [str(w.message) for w in record]


def test_F40_01_the_band_warnings_filter_leaves_the_backtests_smape_warning():
    # was: the filter that F39-02's band warning names ('.* is 0 at') silenced the backtest's sMAPE warning too
    y = _intermittent()
    f = Forecaster(horizon=3, model="direct", quantiles=(0.1, 0.5, 0.9), lookback=7, max_epochs=1, hidden_size=4,
                   random_state=0).fit(y)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        f.predict()
    band = [m for m in _messages(record) if "a band that makes a 0" in m]
    assert len(band) == 1
    given = re.search(r"message='([^']+)'\) silences this", band[0]).group(1)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", message=given)
        f.predict()
    assert not [m for m in _messages(record) if "a band that makes a 0" in m]  # it silences the band's warning
    for used in (given, ".* is 0 at"):  # the filter named now, and the one named before
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", message=used)
            Forecaster(horizon=3, model="direct", lookback=7, max_epochs=1, hidden_size=4,
                       random_state=0).backtest(y, folds=2)
        said = [m for m in _messages(record) if m.startswith("backtest: sMAPE")]
        assert len(said) == 1 and "'sales' has actuals of 0 in the test steps of fold(s) 0 (2024-02-24), 1 " \
            "(2024-02-27)" in said[0]
