"""Real time series that load offline, from data files shipped inside installed packages.

===============  ==========================================  =========  =====  =============================
loader           source (package)                            frequency  steps  notes
===============  ==========================================  =========  =====  =============================
`load_airline`   airline passengers, Box & Jenkins (sktime)  monthly    144    1949-01 .. 1960-12, thousands
`load_co2`       Mauna Loa CO2, ppm (statsmodels)            weekly     2284   1958-03-29 .. 2001-12-29;
                                                                               59 missing weeks (NaN)
`load_sf_temps`  San Francisco temperature, °F (vega)        hourly     8759   2010; one hour absent
                                                                               (2010-03-14 03:00): uneven
===============  ==========================================  =========  =====  =============================

Each returns a ``pd.Series`` with a ``DatetimeIndex`` (nothing resampled, missing values kept as NaN), ready
for ``TimeSeriesFrame.from_pandas``. The packages are imported only when a loader is called; install them
with ``pip install sktime statsmodels vega_datasets``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import pandas as pd


def _require(module: str, package: str, loader: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"{loader}() reads its data from the {package!r} package: pip install {package}"
        ) from None


def load_airline() -> pd.Series:
    """Monthly international airline passengers, 1949-1960, in thousands (Box & Jenkins 1976, series G).

    144 steps, no missing values, month-start timestamps. A trend with multiplicative yearly seasonality:
    the classic test of seasonal differencing (lag 12). Baselines: seasonal naive, ARIMA(0,1,1)(0,1,1)12.
    """
    datasets = _require("sktime.datasets", "sktime", "load_airline")
    y = datasets.load_airline()
    y.index = y.index.to_timestamp()  # PeriodIndex 'M' -> first day of each month
    return y.rename("passengers").rename_axis("month").astype("float64")


def load_co2() -> pd.Series:
    """Weekly atmospheric CO2 at Mauna Loa, ppm, 1958-03-29 .. 2001-12-29 (statsmodels' ``co2``).

    2284 weeks (Saturdays), 59 of them missing (NaN): a real test of masks and imputation.
    """
    co2 = _require("statsmodels.datasets.co2", "statsmodels", "load_co2")
    return co2.load_pandas().data["co2"].rename_axis("week").astype("float64")


def load_sf_temps() -> pd.Series:
    """Hourly temperature in San Francisco during 2010, °F (vega_datasets' ``sf-temps``).

    8759 hourly readings with naive timestamps (no time zone). The reading of 2010-03-14 03:00, the day
    daylight saving began, is absent, so the timestamps step from 02:00 to 04:00 there: a Δt channel shows
    2 h at that row (1731), ``resample("1h")`` gives a NaN for 03:00. (The data also has a 02:00 reading that
    day, a time that did not exist on the local clock, so the stamps are not plain local time either: they
    are kept exactly as shipped.)
    """
    local_data = _require("vega_datasets", "vega_datasets", "load_sf_temps").local_data
    df = local_data.sf_temps()
    return df.set_index("date")["temp"].astype("float64")
