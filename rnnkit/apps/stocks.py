"""Stock market: the S&P 500's next-day volatility, which is predictable, and its next-day return, which is not.

Data: :func:`rnnkit.data.load_sp500`, daily open, high, low, close and volume, 1999-01-04 .. 2018-12-31 (5031
trading days). Returns are percent log returns ``r_t = 100 log(C_t / C_{t-1})`` (``C`` the close), the unit
``arch`` expects.

**Alignment (no look-ahead).** Row ``t`` of the feature table holds only what is known at the close of day t:

==========  ==================================================================================================
``r``       ``r_t``, the day's close-to-close log return (%)
``range``   ``100 log(H_t / L_t)``, the day's high-low range, a sharper measure of the day's variance than
            ``r_t^2`` (Parkinson 1980). Until 2006 Yahoo's open is the previous close, so the range then
            also spans the overnight move: a small shift in the feature's meaning over time
``volume``  ``log V_t`` minus the mean of ``log V`` over the 20 days ending at t: unusual trading activity,
            without the 20-year trend of volume
==========  ==================================================================================================

A forecast is made at the close of day t for day t + 1: it reads the window of feature rows ``t - L + 1 .. t``
and is scored on row t + 1's target (:func:`next_day_windows`). The baselines obey the same rule: their forecast
for day t + 1 reads ``r_1 .. r_t``. The tests perturb the future and check that no forecast moves.

**Split by time**, on the date of the forecast day: train (the RNN's weights, GARCH's parameters, every
scaling and the historical means), validation (early stopping only), test (scored once). Full run: train
1999-2010, validation 2011-2012, test 2013-01-02 .. 2018-12-31 (1510 days). ``quick=True``: train 2004-2009,
validation 2010, test 2011-2012 (502 days).

**Target 1, volatility (predictable).** The forecast ``h_{t+1}`` of ``r_{t+1}^2``. The squared return, not
``|r_{t+1}|``: with a mean return near zero, ``E_t[r_{t+1}^2]`` is the conditional variance ``σ²_{t+1}``, so
``r²`` is a conditionally unbiased (if noisy) proxy for it, and Patton (2011, "Volatility forecast comparison
using imperfect volatility proxies", J. Econometrics 160) shows that MSE and QLIKE then rank forecasts as the
true variance would. ``E_t|r_{t+1}|`` is ``σ_{t+1}`` times a constant that depends on the distribution
(``√(2/π)`` for a normal), so a ranking on ``|r|`` would depend on that assumption. Losses per day::

    MSE    (r² - h)²
    QLIKE  log h + r² / h         Patton's QLIKE r²/h - log(r²/h) - 1 less a term free of h: the same
                                  ranking, and defined on the days with r = 0

Baselines: the historical mean of ``r²`` on the training part; EWMA, RiskMetrics' ``h_{t+1} = λ h_t +
(1 - λ) r_t²`` with λ = 0.94 (J.P. Morgan 1996); GARCH(1,1), ``h_{t+1} = ω + α r_t² + β h_t`` (Bollerslev
1986), and GJR-GARCH(1,1,1), which adds ``γ r_t²`` after a fall (Glosten, Jagannathan & Runkle 1993), both
zero mean, fitted by Gaussian quasi-maximum likelihood with ``arch.arch_model`` on the training part and run
over validation and test with those *fixed* parameters (no refit: the test stays out of sample, and the RNN
does not retrain either). The RNN outputs ``s = log(h / v̄)`` (``v̄`` the training mean of ``r²``, so an
untrained net forecasts the historical mean, and ``h > 0`` always) and is trained on QLIKE, which is GARCH's
own Gaussian quasi-likelihood: the same criterion for both. It runs twice: on all three features, and on the
returns alone (GARCH's information), to tell what the network adds from what the range adds.

**Target 2, return (not predictable).** The forecast of ``r_{t+1}`` itself, trained on squared error. If the
market is efficient in its weak form (Fama 1970), past prices carry no usable information about the next
return, and the random walk, ``r̂ = 0``, is as good as any forecast. Baselines: the random walk; the
historical mean return of the training part (its "prevailing mean"; negative over 1999-2010, so it calls
every day down); always up (a direction only). Scored by MSE and by directional accuracy (the share of days
with ``r ≠ 0`` whose sign is called right); the Diebold-Mariano test (1995) compares the RNN's squared errors
with the random walk's. *Beating the random walk on daily index returns is not expected*, and a 52 % hit
rate over 1510 days is within noise (the 95 % interval of a coin is ±2.5 points).

The RNN: an LSTM (:class:`~rnnkit.models.SequenceToLabel`, last state, linear head) over the window,
trained by :class:`~rnnkit.training.SequenceModule` (AdamW, clipping at global norm 1) with early stopping on
the validation loss (the best epoch's weights kept), once per seed (:func:`~rnnkit.training.seeded_fit`);
reported as mean ± sample sd over the seeds (:func:`~rnnkit.apps.over_runs`).
It runs on the CPU: the models are tiny, and the figures stay reproducible.
"""

from __future__ import annotations

import math
import os
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from ..checks import is_count, is_finite_number, is_number_text
from ..data import TimeSeriesFrame, load_sp500, sliding_windows, split_by_time
from ..models import SequenceToLabel
from ..report import machine, write_report
from ..training import SequenceDataModule, SequenceDataset, SequenceModule, seeded_fit
from . import check_epochs, check_run_arguments, check_same_order, format_over_runs, over_runs, run_seeds

FEATURES = ("r", "range", "volume")
EWMA_LAMBDA = 0.94  # RiskMetrics' daily decay (J.P. Morgan 1996)
VOLUME_DAYS = 20
END_SLACK_DAYS = 14  # the days may end this many calendar days before the settings' end: weekends and holidays


@dataclass(frozen=True)
class Settings:
    """One run's period, split and model; ``FULL`` and ``QUICK`` below. Dates are the forecast days'."""

    start: str
    val_start: str
    test_start: str
    end: str
    lookback: int
    cell: str
    hidden_size: int
    max_epochs: int
    patience: int
    batch_size: int
    lr: float
    seeds: int


FULL = Settings(start="1999-01-01", val_start="2011-01-01", test_start="2013-01-01", end="2018-12-31",
                lookback=60, cell="lstm", hidden_size=32, max_epochs=40, patience=5, batch_size=64, lr=3e-3,
                seeds=5)
QUICK = replace(FULL, start="2004-01-01", val_start="2010-01-01", test_start="2011-01-01", end="2012-12-31",
                lookback=20, hidden_size=8, max_epochs=8, patience=2, seeds=1)


# -- features and windows -------------------------------------------------------------------------------------
def daily_features(prices: pd.DataFrame) -> pd.DataFrame:
    """The feature table (columns ``FEATURES``, module doc) from daily ``Open/High/Low/Close/Volume``.

    Row t uses prices of days <= t only. The first ``VOLUME_DAYS`` days are dropped: they lack a return
    or a full volume average. The rows must be one per day, oldest first (a download listed newest first is
    refused: its returns would be read backwards; so are intraday bars, several rows on one day, and weekly or
    monthly bars, rows a median 5 days or more apart), the columns one ticker's (yfinance's two-level columns are
    refused, naming the ticker to take), and every price and volume a positive number (their logs are taken; a
    volume of 0 on every day, as a currency pair's, is named as such); a ValueError names the day and column
    otherwise. Rows more than ``MAX_GAP`` days apart (days missing from a download) are warned of; a row that
    repeats the one before in every price and the volume (a calendar filled forward over weekends and holidays)
    is refused: no trading day repeats another. ``Close`` is
    read, not an ``Adj Close`` beside it: the close must be adjusted for splits (Yahoo's and stooq's are), and a
    one-day move by a factor of ``SPLIT_RATIO`` (1.2) or more, as an unadjusted split makes (5-for-4: 0.8), is
    warned of, naming the day, where the day's whole range (``Low`` to ``High``) lies ``SPLIT_GAP`` (1.1) or more
    beyond the previous close, as a split day's bar does; a day that trades from the previous close to the move
    (a crash, as MSFT's -30% on 1987-10-19 in :func:`rnnkit.data.load_msft`) is read as given, without a word."""
    _check_prices(prices)
    close, volume = prices["Close"], np.log(prices["Volume"].astype(np.float64))
    table = pd.DataFrame({
        "r": 100 * np.log(close / close.shift(1)),
        "range": 100 * np.log(prices["High"] / prices["Low"]),
        "volume": volume - volume.rolling(VOLUME_DAYS).mean(),  # the window ends at t: causal
    })
    return table.iloc[VOLUME_DAYS:]


PRICE_COLUMNS = ("High", "Low", "Close", "Volume")  # what daily_features reads
WEEKLY_GAP = 5  # days between rows (the median) from which they are not daily bars: those are 1 (3 over a weekend)
MAX_GAP = 7  # calendar days between daily rows beyond which days are missing (the S&P 500's longest: 7, 9/11)
# a close that moves by this factor or more in a day is warned of: a split, or a crash to check. A 5-for-4 split,
# the smallest common one, moves it by 1.25 (4-for-3 by 1.33, 3-for-2 by 1.5); load_sp500's largest day, 1.116
SPLIT_RATIO = 1.2
# ... where the whole day's range lies this factor or more beyond the previous close, as a split day's bar does (all
# of it at the new scale): a crash trades down from the previous close within the day (MSFT's Black Monday,
# 1987-10-19: High 0.3355, the close before 0.3355, Close 0.2348) and is no split
SPLIT_GAP = 1.1


def _check_prices(prices: pd.DataFrame) -> None:
    """ValueError naming the first thing in ``prices`` that :func:`daily_features` would misread."""
    who = "daily_features"
    if not isinstance(prices, pd.DataFrame):
        raise ValueError(f"{who}: prices must be a pandas DataFrame of daily {', '.join(PRICE_COLUMNS)} indexed by "
                         f"date, got {type(prices).__name__}")
    if isinstance(prices.columns, pd.MultiIndex):  # prices["Close"] would be a table of every ticker's closes
        level = next((k for k in range(prices.columns.nlevels)
                      if set(PRICE_COLUMNS) <= set(prices.columns.get_level_values(k))), 0)
        others = [list(dict.fromkeys(prices.columns.get_level_values(k)))[:5] for k in range(prices.columns.nlevels)
                  if k != level]
        key = others[0][0] if others and others[0] else "TICKER"
        raise ValueError(f"{who}: prices have {prices.columns.nlevels} levels of column names (e.g. "
                         f"{prices.columns[0]!r}, as yfinance.download gives them), so prices['Close'] is a table "
                         f"(tickers {others[0] if others else []}), not one series; give one ticker's daily prices: "
                         f"prices.xs({key!r}, axis=1, level={1 if level == 0 else 0})")
    missing = [c for c in PRICE_COLUMNS if c not in prices.columns]
    if missing:
        found = _price_columns(prices, missing)
        hint = (f"; rename them: prices.rename(columns={found})" if found else "")
        raise ValueError(f"{who}: prices lack the column(s) {missing} (it reads {list(PRICE_COLUMNS)}, as "
                         f"load_sp500 has them); the frame has {list(prices.columns)}{hint}")
    days = prices.index
    if not isinstance(days, pd.DatetimeIndex):
        # read_csv(index_col=0) without parse_dates: the dates are the index already, as text
        texts = len(days) > 0 and all(isinstance(d, str) for d in days[:5])
        column = _date_column(prices)
        call = _to_datetime("prices.index", days) if texts else ""
        first = ", dayfirst=True" if call.endswith("dayfirst=True)") else ""  # read_csv reads them month first too
        fix = (f"prices.index = {call} (the index holds the dates as text: read_csv(..., index_col=0, "
               f"parse_dates=True{first}) reads them as dates)" if texts
               else f"prices.set_index({_to_datetime(f'prices[{column!r}]', prices[column])})" if column is not None
               else "prices.set_index(pd.to_datetime(prices['Date'])), with the column that holds the dates")
        raise ValueError(f"{who}: prices must be indexed by date (a DatetimeIndex), got a {type(days).__name__} "
                         f"starting {list(days[:2])}; e.g. {fix}")
    step = np.diff(days.asi8)
    if days.has_duplicates and (column := _ticker_column(prices)) is not None:
        # a long table of several tickers: sorting and dropping repeated days would keep one ticker's row per day
        # at random, one price series spliced from several
        tickers = list(dict.fromkeys(prices[column]))
        raise ValueError(f"{who}: prices hold {len(tickers)} tickers' rows in column {column!r} ({tickers[:5]}), "
                         "stacked as a long table, so the days repeat; give one ticker's daily prices: "
                         f"prices[prices[{column!r}] == {tickers[0]!r}]")
    if (step <= 0).any() and len(days) >= 2 * days.nunique():  # most days repeat: not pasted rows
        # intraday bars indexed by their date alone (the time in a column of its own, as many brokers' CSVs): dropping
        # the repeated days would keep each day's first bar, its close, range and volume read as the day's
        time = _time_column(prices)
        where = (f"their times are in column {time!r}: prices.index = pd.to_datetime(prices.index.astype(str) + ' ' "
                 f"+ prices[{time!r}].astype(str)), then " if time is not None else
                 "index them by date and time (pd.to_datetime of both), then ")
        raise ValueError(f"{who}: prices hold {len(days)} rows on {days.nunique()} days (a median of "
                         f"{int(days.value_counts().median())} a day), as intraday bars indexed by their date alone "
                         "are, but each row is read as one trading day; dropping the repeated days would keep each "
                         f"day's first bar as the day's; {where}give daily bars: prices.resample('D').agg({{'High': "
                         "'max', 'Low': 'min', 'Close': 'last', 'Volume': 'sum'}).dropna()")
    if (step <= 0).any():
        i = int(np.argmax(step <= 0)) + 1
        what = "repeats row" if step[i - 1] == 0 else "is earlier than row"
        order = " (the rows run newest first)" if (step < 0).all() else ""
        raise ValueError(f"{who}: row {i} ({days[i]:%Y-%m-%d}) {what} {i - 1} ({days[i - 1]:%Y-%m-%d}){order}; "
                         "the rows must be one per "
                         "day, oldest first: prices.sort_index(), and drop repeated days "
                         "(prices[~prices.index.duplicated()])")
    dates = days.normalize()  # the calendar day of each row (in the index's own zone)
    if dates.has_duplicates:  # intraday bars: each return, range and volume would be read as a day's
        i = int(np.argmax(dates.duplicated()))
        raise ValueError(f"{who}: rows {i - 1} and {i} ({days[i - 1]} and {days[i]}) fall on the same day "
                         f"({int(dates.duplicated().sum())} such row(s)), but each row is read as one trading day "
                         "(the returns, ranges and volumes of a day, the forecast for the next); give daily bars, "
                         "e.g. prices.resample('D').agg({'High': 'max', 'Low': 'min', 'Close': 'last', "
                         "'Volume': 'sum'}).dropna()")
    wall = dates.tz_localize(None) if dates.tz is not None else dates  # the local calendar: DST changes no day
    gaps = np.diff(wall.to_numpy().astype("datetime64[D]").astype(np.int64))  # calendar days between rows
    if len(gaps) and np.median(gaps) >= WEEKLY_GAP:  # weekly or monthly bars: each read as a day, forecast a day
        i = int(np.argmax(gaps >= WEEKLY_GAP)) + 1
        raise ValueError(f"{who}: the rows are {np.median(gaps):g} days apart (the median gap; rows {i - 1} and {i}: "
                         f"{days[i - 1]:%Y-%m-%d} and {days[i]:%Y-%m-%d}), as weekly or monthly bars are, but each "
                         "row is read as one trading day (its return and range a day's, the forecast the next "
                         "day's); give daily bars (e.g. yfinance.download(ticker, interval='1d'))")
    if len(long := np.flatnonzero(gaps > MAX_GAP)):  # missing rows: one return spanning weeks read as a day's
        i = int(long[0]) + 1
        warnings.warn(f"{who}: rows {i - 1} and {i} ({days[i - 1]:%Y-%m-%d} and {days[i]:%Y-%m-%d}) are {gaps[i - 1]} "
                      f"days apart ({len(long)} such gap(s) of more than {MAX_GAP} days, longer than any market "
                      "closure), so the return and volume change over the gap are read as one trading day's; the "
                      "download lacks those days: fetch them again, or cut the prices at the gap", stacklevel=3)
    for column in PRICE_COLUMNS:
        if not pd.api.types.is_numeric_dtype(prices[column]):
            i, fix = _text_fix(prices[column], column)
            raise ValueError(f"{who}: {column} holds {prices[column].dtype} values ({prices[column].iloc[i]!r} on "
                             f"{days[i]:%Y-%m-%d}), not numbers; {fix}")
        values = prices[column].to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~(np.isfinite(values) & (values > 0))
        if column == "Volume" and (values == 0).all():  # nothing traded or reported: no day to drop or fill
            raise ValueError(f"{who}: Volume is 0 on all {len(values)} days, as yfinance gives it for currency pairs "
                             "and many indices (EURUSD=X, ^VIX), so the volume feature (the log of each day's volume "
                             "against its 20-day mean) has nothing to read; give a traded instrument's daily prices "
                             "(a stock, or an ETF such as SPY for the S&P 500)")
        if bad.any():
            i = int(np.argmax(bad))
            # a day without prices is mostly no trading day (a calendar's weekend, asfreq('D')): filled forward it
            # would be read as a day of no return, so dropping is the advice where every price is missing
            empty = prices[list(PRICE_COLUMNS)].isna().all(axis=1).to_numpy()
            # a volume of 0 beside the day's prices (NASDAQ's 2015-05-12 in load_nasdaq, MSFT's 2010-04-26 in
            # load_msft) is a report missing from the download: ffill() fills NaN only, so it is masked first
            zero = column == "Volume" and (values[bad] == 0).all() and not empty[bad].any()
            fix = ("drop those days first: prices.dropna() (a day without prices is no trading day; filled forward it "
                   "would be read as one of no return)" if empty[bad].all()
                   else "fill them with the day before's (a volume missing from the download, the day's prices there: "
                   "prices['Volume'] = prices['Volume'].mask(prices['Volume'] == 0).ffill()) or drop those days "
                   "first" if zero
                   else "drop those days or fill them (e.g. prices.ffill()) first")
            raise ValueError(f"{who}: {column} on {days[i]:%Y-%m-%d} (row {i}) is {prices[column].iloc[i]}, "
                             f"not a positive number ({int(bad.sum())} such row(s) in {column}); its log is taken, "
                             f"so {fix}")
    values = prices[list(PRICE_COLUMNS)].to_numpy(np.float64)  # (T, 4): numbers by now
    stale = np.flatnonzero((values[1:] == values[:-1]).all(axis=1)) + 1  # a row the previous one's, volume too
    if len(stale):  # a calendar filled forward over non-trading days (asfreq('D').ffill()): no trade repeats a day
        i = int(stale[0])
        weekend = int((days[stale].dayofweek >= 5).sum())
        cols = list(PRICE_COLUMNS)
        raise ValueError(f"{who}: row {i} ({days[i]:%Y-%m-%d}, a {days[i]:%A}) repeats row {i - 1}'s High, Low, "
                         f"Close and Volume ({len(stale)} such row(s), {weekend} on a weekend), as a calendar filled "
                         "forward over non-trading days has them, but each row is read as a trading day (of no "
                         f"return, there); drop the repeated rows: prices[~prices[{cols}].eq(prices[{cols}].shift())"
                         ".all(axis=1)]")
    high, low = values[:, 0], values[:, 1]  # PRICE_COLUMNS' order
    if (inverted := high < low).any():
        i = int(np.argmax(inverted))
        warnings.warn(f"{who}: High on {days[i]:%Y-%m-%d} (row {i}) is {high[i]:g}, below that day's Low {low[i]:g} "
                      f"({int(inverted.sum())} such row(s)), so the range feature log(High / Low) is negative there; "
                      "check which column is which (High and Low swapped?) and correct those days", stacklevel=3)
    if len(prices) <= VOLUME_DAYS:
        raise ValueError(f"{who}: prices hold {len(prices)} day(s), but the first {VOLUME_DAYS} only start the "
                         f"volume average (and the first return), so no feature row would be left; give more than "
                         f"{VOLUME_DAYS} days")
    close = prices["Close"].to_numpy(np.float64)
    top, bottom = np.maximum(high, low)[1:], np.minimum(high, low)[1:]
    beyond = np.maximum(np.log(bottom / close[:-1]), np.log(close[:-1] / top))  # > 0: the day's range clear of it
    jumps = np.flatnonzero((np.abs(np.diff(np.log(close))) > np.log(SPLIT_RATIO))
                           & (beyond > np.log(SPLIT_GAP))) + 1
    if len(jumps):
        i = int(jumps[0])
        warnings.warn(f"{who}: Close moves from {close[i - 1]:g} on {days[i - 1]:%Y-%m-%d} to {close[i]:g} on "
                      f"{days[i]:%Y-%m-%d} (row {i}), by a factor of {close[i] / close[i - 1]:.3g} in one day "
                      f"({len(jumps)} such day(s) of a factor of {SPLIT_RATIO:g} or more), as a stock split or a "
                      "reverse split does in prices not adjusted for them (5-for-4 moves it by 0.8, 3-for-2 by "
                      "0.667, 2-for-1 by 0.5); that day's return would be read as a crash or a rally: give "
                      "split-adjusted prices (e.g. the 'Adj Close' of a download, with High and Low scaled alike), "
                      "or check the day if it was a real crash", stacklevel=3)


def _text_fix(values: pd.Series, column: str) -> tuple[int, str]:
    """``(i, fix)``: the first of a price column's ``values`` that ``float`` cannot read (0 where each can: numbers
    kept as text), and how to read them, by how they are written: a currency sign, thousands separators (US
    ``'1,234.50'``, or European ``'1.234,50'`` with a decimal comma, which stripping the commas would read 100 000
    times too large), Investing.com's volumes ``'1.23M'``, a missing value written ``'-'``."""
    text = values.astype(str).str.strip()
    bad = ~text.map(is_number_text).to_numpy(bool)
    i = int(np.argmax(bad))
    col = f"prices[{column!r}]"
    if not bad.any():
        return i, f"convert it first: {col} = {col}.astype(float)"
    unsigned = text[bad].str.replace(r"[$€£¥\s]", "", regex=True)
    money = bool(text[bad].str.contains(r"[$€£¥]", regex=True).any())
    sign = "the currency sign" if money else ""
    blank = unsigned.isin(["-", "", "—", "n/a", "N/A", "null"]).to_numpy()
    if blank.any():
        j = int(np.flatnonzero(bad)[np.argmax(blank)])
        return j, (f"a missing value written as {values.iloc[j]!r}: read the file with read_csv(..., na_values="
                   f"[{values.iloc[j]!r}]), then drop or fill those days")
    if unsigned.str.fullmatch(r"-?[\d.,]+[KMB]").any():  # Investing.com's volumes
        return i, (f"read the suffixes K, M and B as thousands, millions and billions first: {col} = "
                   f"{col}.replace({{',': '', 'K': 'e3', 'M': 'e6', 'B': 'e9'}}, regex=True).astype(float)")
    # a sheet's column of number cells beside text cells (read_excel): .str would make the numbers NaN, so they are
    # kept by fillna from the column itself
    mixed = not values[~bad].map(lambda v: isinstance(v, str) or v != v).all()  # NaN: a cell left empty
    read = (lambda chain, alternative: f"{col}{chain}.astype(float).fillna({col}).astype(float) (fillna keeps the "
            "cells that are numbers already, as read_excel gives them)" if mixed else
            f"{col}{chain}.astype(float){alternative}")
    european = unsigned.str.contains(r",\d{1,2}$|\.\d{3},", regex=True).any()  # a decimal comma: '1.234,5'
    us = unsigned.str.contains(r"\d,\d{3}(?:\.|$)", regex=True).any()
    strip = (lambda mark: f".str.replace(r'[$€£¥{mark}]', '', regex=True)" if money else f".str.replace('{mark}', '')")
    if european and not unsigned.str.contains(r",\d{3}\.", regex=True).any():
        what = " and ".join(filter(None, [sign, "the thousands dots, and read the decimal comma as a point"]))
        chain = strip(".") + ".str.replace(',', '.')"
        return i, f"strip {what} first: {col} = " + read(chain, " (or read_csv(..., thousands='.', decimal=','))")
    if us or money:
        what = " and ".join(filter(None, [sign, "thousands separators"]))
        alternative = "" if money else " (or read_csv(..., thousands=','))"
        return i, f"strip {what} first: {col} = " + read(strip(","), alternative)
    return i, (f"convert it first: {col} = pd.to_numeric({col}) names each value it cannot read; drop or fill "
               "those days")


def _price_columns(prices: pd.DataFrame, missing: list[str]) -> dict:
    """``{column: name}`` for each ``missing`` price column found under another provider's name: by its words in any
    case (``close``, Alpha Vantage's ``4. close``, NASDAQ's ``Close/Last``, ``Vol.``), the split-adjusted columns
    where the frame has them for each price (Tiingo's ``adjClose``, ``adjHigh``, ``adjLow``, ``adjVolume`` beside
    its raw ``close``: the raw prices jump at each split)."""
    words = {c: re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", str(c)).lower()) for c in prices.columns}
    spelt = {"High": ("high",), "Low": ("low",), "Volume": ("volume", "vol"),
             "Close": ("close", "closing", "last", "price")}  # Investing.com's close is "Price"
    others = {"open", "high", "low", "volume", "vol"}

    def named(column: str, adjusted: bool):
        wanted = spelt[column]
        return next((c for c, w in words.items() if any(s in w for s in wanted) and c not in PRICE_COLUMNS
                     and not (others - set(wanted)) & set(w) and ("adj" in w or "adjusted" in w) == adjusted), None)

    adjusted = all(named(c, True) is not None or c == "Volume" for c in ("High", "Low", "Close"))
    found = {}
    for column in missing:
        source = (named(column, True) if adjusted else None) or named(column, False)
        if source is not None:
            found[source] = column
    return found


def _date_column(prices: pd.DataFrame):
    """The column that holds the days: of datetimes, else named as dates are (``Date``, yfinance's intraday
    ``Datetime``, stooq's ``Data``, ``timestamp``, any case); None if there is none."""
    named = ("date", "datetime", "data", "time", "timestamp", "day")
    for column in prices.columns:
        if pd.api.types.is_datetime64_any_dtype(prices[column]):
            return column
    return next((c for c in prices.columns if str(c).strip().lower() in named), None)


_NUMERIC_DATE = re.compile(r"\s*(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?!\d)")  # 13/01/2020, 01.13.20


def _to_datetime(what: str, values) -> str:
    """``pd.to_datetime(what)`` for dates written as text, with the day's place where they are written as
    ``D/M/Y`` or ``M/D/Y`` (``/``, ``.`` or ``-``): pandas reads such dates month first, so day-first dates read as
    other months up to the 12th (``'01/02/2020'`` as 2 January) and fail after it. The place is the one a value
    over 12 takes; where none is over 12, both readings are given, and where both places hold one, both orders."""
    texts = [v for v in values if isinstance(v, str)]
    found = [m for v in texts if (m := _NUMERIC_DATE.match(v))]
    if not texts or len(found) < len(texts):  # ISO dates (2020-01-13), names of months: read one way only
        return f"pd.to_datetime({what})"
    day_first = any(int(m.group(1)) > 12 for m in found)
    month_first = any(int(m.group(3)) > 12 for m in found)
    if month_first and not day_first:
        return f"pd.to_datetime({what}, dayfirst=False)"
    if day_first and not month_first:
        return f"pd.to_datetime({what}, dayfirst=True)"
    if day_first and month_first:  # both orders in one column (two files joined): no one reading is right
        d = next(m for m in found if int(m.group(1)) > 12).string.strip()
        u = next(m for m in found if int(m.group(3)) > 12).string.strip()
        return (f"pd.to_datetime({what}, dayfirst=True) for the dates written day first and dayfirst=False for "
                f"those month first (the dates are written both ways: {d!r} day first, {u!r} month first)")
    m = next((m for m in found if m.group(1) != m.group(3)), found[0])
    return (f"pd.to_datetime({what}, dayfirst=True) if the day comes first, else dayfirst=False (no date has a day "
            f"over 12 to tell: {m.string.strip()!r} is day {int(m.group(1))} or day {int(m.group(3))})")


def _time_column(prices: pd.DataFrame):
    """The column of times of day beside a date index (named ``Time``, ``Hour``, ``Minute``, or of text such as
    ``'09:30'``); None if there is none."""
    for column in prices.columns:
        if str(column).strip().lower() in ("time", "hour", "minute"):
            return column
        values = prices[column]
        if (values.dtype == object or pd.api.types.is_string_dtype(values)) and len(values) and \
                values.astype(str).str.fullmatch(r"\d{1,2}:\d{2}(:\d{2})?").all():
            return column
    return None


def _ticker_column(prices: pd.DataFrame):
    """The column other than prices (e.g. ``Ticker``, ``Symbol``) of 2 or more values whose rows each hold every
    day at most once: the tickers of a long table (called when days repeat); None if there is none."""
    for column in prices.columns:
        if (column in (*PRICE_COLUMNS, "Open", "Adj Close") or pd.api.types.is_float_dtype(prices[column])
                or column == _time_column(prices)):  # the times of intraday bars, each day's rows, are no tickers
            continue
        groups = prices.groupby(prices[column].to_numpy(), sort=False).indices  # value -> row positions
        if 2 <= len(groups) < len(prices) and all(not prices.index[rows].has_duplicates for rows in groups.values()):
            return column
    return None


def next_day_windows(features: np.ndarray, target: np.ndarray, lookback: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows of feature rows and the next row's target: ``X[i] = features[i : i + L]``, ``y[i] =
    target[i + L]``, so the window for forecast day ``d = i + L`` ends the day before ``d``.

    ``features`` ``(N, F)``, ``target`` ``(N,)`` with ``target[d]`` the quantity of day ``d`` itself (``r_d²``
    or ``r_d``, not shifted: the pairing with the next day is made here); returns ``X (N - L, L, F)`` float32 and
    ``y (N - L,)`` float32, for the days ``L .. N - 1``. A value that is not finite is a ValueError naming its day.
    """
    features, target = np.asarray(features), np.asarray(target)
    if features.ndim not in (1, 2) or target.ndim != 1 or len(features) != len(target):
        raise ValueError(f"next_day_windows: features must be (N, F) (or (N,) for one feature) and target (N,), one "
                         f"row and one target per day, got {features.shape} and {target.shape}; a target of "
                         "several columns would be read as features")
    if not is_count(lookback, 1) or lookback >= len(features):  # else sliding_windows' words, naming a horizon
        raise ValueError(f"next_day_windows: lookback must be an integer from 1 to {len(features) - 1} (the days a "
                         f"window holds, the day after it forecast; the features hold {len(features)} days), got "
                         f"{lookback!r}; give a lookback in that range (or more days for a longer one)")
    for name, a in (("features", features), ("target", target)):
        if not np.issubdtype(a.dtype, np.number):
            raise ValueError(f"next_day_windows: {name} must be numbers, got dtype {a.dtype}")
        bad = ~np.isfinite(a.reshape(len(a), -1)).all(1)
        if not bad.any():
            continue
        day = int(np.argmax(bad))
        if name == "target" and bad.sum() == 1 and day == len(a) - 1:  # what target.shift(-1) leaves at the end
            raise ValueError(f"next_day_windows: target's last day ({day}) is {target[day]}, as a target shifted a "
                             "day back (target.shift(-1)) ends; the windows are paired with the next day already "
                             "(y[i] = target[i + lookback]), so give each day's own quantity (r_d², r_d, not "
                             "shifted): a shifted target, its NaN dropped, would be forecast two days ahead")
        raise ValueError(f"next_day_windows: {name} of day {day} is not finite ({int(bad.sum())} such day(s)); fill "
                         "or drop those days (in features and target alike) before making windows")
    values = np.column_stack([features, target])  # the target travels with its own day's row
    x, y = sliding_windows(values, lookback, 1)  # x[i] = rows i..i+L-1, y[i] = row i+L
    return np.ascontiguousarray(x[..., :-1], dtype=np.float32), np.ascontiguousarray(y[:, 0, -1], np.float32)


def split_days(days: pd.DatetimeIndex, settings: Settings) -> tuple[dict[str, range], dict[str, slice]]:
    """The rows of ``days`` in each part (``"train"``, ``"val"``, ``"test"``, contiguous and in this order) and
    the windows (:func:`next_day_windows` samples) whose forecast day falls in it: sample ``i`` forecasts day
    ``i + L``, so a part's samples are its days less ``L`` (the training part's first ``L`` days only feed
    windows). The windows of a part read back into earlier parts: history known on the forecast day. The days lie
    in the settings' period ``start .. end`` (a ValueError names a day outside it: cut them as :func:`run` does),
    each once, oldest first (an index of datetimes: a Series or array of datetime64 is read as one; a ValueError
    for dates written as text, days newest first or repeated, and periods that leave a part without days)."""
    days = _day_index(days)
    _check_periods(settings)
    if len(days):  # the parts reach to the days' ends: a period the days overrun would be ignored, not applied
        zone = getattr(days, "tz", None)
        first, after = (pd.Timestamp(d).tz_localize(zone) for d in (settings.start, settings.end))
        after += pd.Timedelta(days=1)  # the end day is in the period at any time of day, as in .loc[start:end]
        beyond = (("before", days.min()) if days.min() < first
                  else ("after", days.max()) if days.max() >= after else None)
        if beyond:
            raise ValueError(f"split_days: the days run from {days.min():%Y-%m-%d} to {days.max():%Y-%m-%d}, so "
                             f"{beyond[1]:%Y-%m-%d} lies {beyond[0]} the settings' period {settings.start}.."
                             f"{settings.end}, and the training part would start at the first day, the test part end "
                             "at the last; cut the days to the period first, as run does: table = "
                             f"table.loc['{settings.start}':'{settings.end}']")
        short = (after - days.max()).days - 1  # calendar days between the last day and the period's end
        if short > END_SLACK_DAYS:  # the test part cut short without a word, where the settings name it to the end
            raise ValueError(f"split_days: the days end on {days.max():%Y-%m-%d}, {short} days before the settings' "
                             f"end {settings.end}, so the test part would hold "
                             f"{int((days >= pd.Timestamp(settings.test_start).tz_localize(zone)).sum())} day(s) "
                             f"where the settings name it from {settings.test_start} to {settings.end}; give settings "
                             f"of the days' own period: dataclasses.replace(settings, end='{days.max():%Y-%m-%d}') "
                             "(and val_start, test_start within it)")
    frame = TimeSeriesFrame(np.zeros(len(days)), time=days)
    rows = split_by_time(frame, val_start=settings.val_start, test_start=settings.test_start)._asdict()
    L = settings.lookback
    if len(rows["train"]) <= L or not rows["val"] or not rows["test"]:
        fix = (f"a lookback below {len(rows['train'])} (dataclasses.replace(settings, lookback=...)) or an earlier "
               "start with the days to match" if rows["val"] and rows["test"] else
               "settings whose val_start and test_start each leave days to the part before them: "
               "dataclasses.replace(settings, val_start=..., test_start=...)")
        raise ValueError(f"split_days: the settings' period {settings.start}..{settings.end} leaves "
                         f"{len(rows['train'])} training, {len(rows['val'])} validation and {len(rows['test'])} test "
                         f"days (val_start {settings.val_start}, test_start {settings.test_start}), but each part "
                         f"needs days, and the training part more than the {L}-day window; give {fix}")
    return rows, {part: slice(max(r.start, L) - L, r.stop - L) for part, r in rows.items()}


def _day_index(days) -> pd.DatetimeIndex:
    """``days`` as a DatetimeIndex, oldest first and each once (split_days' reading of them)."""
    if isinstance(days, pd.Series | np.ndarray) and pd.api.types.is_datetime64_any_dtype(days.dtype):
        days = pd.DatetimeIndex(days)
    if isinstance(days, pd.Series | pd.DataFrame) and isinstance(days.index, pd.DatetimeIndex):
        # a table of one's prices or returns indexed by its days: the days are its index, not its values
        raise ValueError(f"split_days: days must be the days' dates, a pandas DatetimeIndex, got a "
                         f"{type(days).__name__} of {'values' if isinstance(days, pd.DataFrame) else days.dtype} "
                         "indexed by dates; give its index: split_days(table.index, settings)")
    if not isinstance(days, pd.DatetimeIndex):
        shown = (f"a {type(days).__name__} of {pd.Index(days).dtype}" if hasattr(days, "__len__")
                 and not isinstance(days, str) else f"the {type(days).__name__} {days!r}")
        raise ValueError(f"split_days: days must be the days' dates, a pandas DatetimeIndex (daily_features(prices)"
                         f".index), got {shown}; parse dates written as text first, with their format named: "
                         "pd.DatetimeIndex(pd.to_datetime(days, format='%Y-%m-%d'))")
    step = np.diff(days.asi8)
    if (step <= 0).any():
        i = int(np.argmax(step <= 0))
        what = ("repeats" if step[i] == 0 else "comes before")
        fix = ("each day must appear once: keep one row per day, table = table[~table.index.duplicated()]"
               if step[i] == 0 else "sort the days oldest first, as exports written newest first need: "
                                    "table = table.sort_index()")
        raise ValueError(f"split_days: days[{i + 1}] ({days[i + 1]:%Y-%m-%d}) {what} days[{i}] ({days[i]:%Y-%m-%d}) "
                         f"({int((step <= 0).sum())} of {len(step)} step(s) so), but the parts are cut from the days "
                         f"in their order; {fix}")
    return days


def _check_periods(settings: Settings) -> None:
    """ValueError for settings whose dates are not in the order ``start <= val_start <= test_start <= end``."""
    names = ("start", "val_start", "test_start", "end")
    pairs = [(n, pd.Timestamp(getattr(settings, n))) for n in names]
    for (a, da), (b, db) in zip(pairs, pairs[1:]):  # noqa: B905 (one pair fewer)
        if db < da:
            raise ValueError(f"split_days: the settings' {b} {getattr(settings, b)} is before its {a} "
                             f"{getattr(settings, a)}, but the parts run train, validation, test in the order "
                             f"{', '.join(names)}; give them in that order (swapped? dataclasses.replace(settings, "
                             f"{a}='{getattr(settings, b)}', {b}='{getattr(settings, a)}'))")


# -- the baselines --------------------------------------------------------------------------------------------
def _days(who: str, **arrays) -> list[np.ndarray]:
    """The ``arrays`` (name=values) as float64, each 1-D and finite, all of one length (one value per day); a
    ValueError names the first that is not, and the day, and two pandas Series of the same days in other orders
    (they are paired by place)."""
    named = list(arrays.items())
    for name, values in named[1:]:  # two Series of the same days, one sorted otherwise: paired by place below
        check_same_order(named[0][1], values, who, (named[0][0], name), "day", apart=False)
    out = [np.asarray(v, np.float64) for v in arrays.values()]
    shapes = {name: a.shape for name, a in zip(arrays, out, strict=True)}
    if any(a.ndim != 1 for a in out) or len({a.shape for a in out}) > 1 or not len(out[0]):
        raise ValueError(f"{who}: {' and '.join(arrays)} must each be a non-empty 1-D array, all of one length (one "
                         f"value per day), got shapes {shapes}")
    for name, a in zip(arrays, out, strict=True):
        bad = ~np.isfinite(a)
        if bad.any():
            raise ValueError(f"{who}: {name}[{int(np.argmax(bad))}] is {a[bad][0]} ({int(bad.sum())} such day(s)); "
                             "every day needs a finite value: drop or fill the missing days before scoring")
    return out


FALL_DAYS = 20  # returns of this many days or more without one fall: squared returns or prices (2**-20 by chance)


def _warn_no_fall(r: np.ndarray, who: str, name: str) -> None:
    """Warn where ``r``, which must be each day's return, holds no negative value over ``FALL_DAYS`` days or more:
    squared returns (``r ** 2``) or the prices themselves, read as returns (GARCH fitted to prices, a return
    called up every day). A money-market fund's returns may never fall: the warning says how to silence it."""
    if len(r) >= FALL_DAYS and (r >= 0).all() and (r > 0).any():
        warnings.warn(f"{who}: {name} holds no negative value over its {len(r)} days (from {r.min():g} to "
                      f"{r.max():g}), as squared returns or prices do, but it is read as each day's return (%); give "
                      "the returns: 100 * np.log(close).diff() (daily_features' 'r'); if they truly never fell, "
                      f"silence this with warnings.filterwarnings('ignore', '{who}: {name} holds no negative')",
                      UserWarning, stacklevel=3)


def ewma_variance(r: np.ndarray, start: float, lam: float = EWMA_LAMBDA) -> np.ndarray:
    """RiskMetrics: ``h[t]``, the forecast of ``r[t]²`` from ``r[:t]``; ``h[t+1] = λ h[t] + (1 - λ) r[t]²``,
    ``h[0] = start``."""
    (r,) = _days("ewma_variance", r=r)
    _warn_no_fall(r, "ewma_variance", "r")
    if not (is_finite_number(lam) and 0 < lam < 1) or not (is_finite_number(start) and start > 0):
        raise ValueError(f"ewma_variance: lam must be a decay in (0, 1) (RiskMetrics: 0.94) and start a positive "
                         f"variance, got lam={lam!r}, start={start!r}")
    h = np.empty(len(r))
    h[0] = start
    for t in range(len(r) - 1):
        h[t + 1] = lam * h[t] + (1 - lam) * r[t] ** 2
    return h


def garch_variance(r: np.ndarray, params: dict[str, float]) -> np.ndarray:
    """GARCH(1,1), or GJR-GARCH(1,1,1) with ``gamma``, at fixed ``params`` (:func:`fit_garch`): ``h[t]``, the
    forecast of ``r[t]²`` from ``r[:t]``, ``h[t+1] = ω + (α + γ 1[r[t] < 0]) r[t]² + β h[t]``. Started as
    ``arch`` starts it: ``r[-1]² = h[-1] =`` the backcast, and a fall on day -1 counted as half likely."""
    keys = ("omega", "alpha", "gamma", "beta", "backcast")
    missing = [k for k in keys if k not in params]
    if missing:
        raise ValueError(f"garch_variance: params lack {missing} (they have {list(params)}); give fit_garch's "
                         "dict (gamma 0.0 for symmetric GARCH)")
    (r,) = _days("garch_variance", r=r)
    _warn_no_fall(r, "garch_variance", "r")
    omega, alpha, gamma, beta, b = (params[k] for k in keys)
    h = np.empty(len(r))
    h[0] = omega + (alpha + gamma / 2 + beta) * b
    for t in range(len(r) - 1):
        h[t + 1] = omega + (alpha + gamma * (r[t] < 0)) * r[t] ** 2 + beta * h[t]
    return h


GARCH_DAYS = 500  # the fewest days a GARCH(1,1) is fitted on without a warning (Hwang & Valls Pereira 2006)


def _check_garch_days(r_train: np.ndarray, asymmetric: bool) -> None:
    """Refuse fewer days than the model has parameters (3, or 4 with ``gamma``): the fit is then not identified
    and arch returns whatever its optimiser stopped at. Warn below ``GARCH_DAYS``: Gaussian QML estimates of a
    GARCH(1,1) on fewer days are biased and swing from one stretch of days to the next (S&P 500, 100 days:
    beta 0.77 to 1.0; 1500 days: 0.93)."""
    n, k = len(r_train), 3 + int(asymmetric)
    model = "GJR-GARCH(1,1,1)" if asymmetric else "GARCH(1,1)"
    if n <= k:
        raise ValueError(f"fit_garch: r_train holds {n} day(s), no more than the {k} parameters of a {model}, "
                         f"so nothing is fitted; give the returns of {GARCH_DAYS} days or more (two years of "
                         "trading days), or forecast with ewma_variance, which fits nothing")
    if n < GARCH_DAYS:
        warnings.warn(f"fit_garch: r_train spans only {n} days, fewer than the {GARCH_DAYS} a {model} needs for "
                      "estimates one can trust (the S&P 500's 100-day stretches give beta from 0.77 to 1.0, 1500 "
                      f"days 0.93); give {GARCH_DAYS} days or more (two years of trading days), or forecast "
                      "with ewma_variance, which fits nothing; to keep this fit, silence this with "
                      "warnings.filterwarnings('ignore', 'fit_garch: r_train spans only')", UserWarning, stacklevel=3)


def fit_garch(r_train: np.ndarray, *, asymmetric: bool = False) -> dict[str, float]:
    """Zero-mean GARCH(1,1) (Bollerslev 1986), or with ``asymmetric`` GJR-GARCH(1,1,1) (Glosten, Jagannathan &
    Runkle 1993: a fall raises the variance more than a rise, the leverage effect), normal innovations, fitted
    on ``r_train`` (%) by ``arch`` (Gaussian QML): ``omega, alpha, gamma`` (0 when symmetric), ``beta`` and
    the ``backcast`` that starts the recursion. Returns in another unit (fractions, ``np.log(close).diff()``) are
    fitted alike, ``omega`` and ``backcast`` in that unit squared (arch's optimiser, given them as they are, stops
    at its starting values). No more days than parameters (3, or 4 with ``gamma``) is a ValueError; fewer than
    ``GARCH_DAYS`` (500, the floor Hwang & Valls Pereira 2006 give for GARCH(1,1) estimates by QML) a UserWarning
    (the recipe's own training parts, six years and more, are not warned of); a short fit meant as such is kept
    quiet by ``warnings.filterwarnings('ignore', 'fit_garch: r_train spans only')``."""
    from arch import arch_model

    (r_train,) = _days("fit_garch", r_train=r_train)
    _warn_no_fall(r_train, "fit_garch", "r_train")
    _check_garch_days(r_train, asymmetric)
    # arch's optimiser starts at alpha 0.1, beta 0.88 and, on returns far from its scale (fractions, 0.01 a day,
    # rather than percent), stops there and says it converged. The zero-mean GARCH is scale-equivariant (omega
    # and h scale by c², alpha, gamma and beta not), so it is fitted on c r with c a power of 10 that brings the
    # standard deviation into [1, 10) (1 for percent returns), and omega and the backcast scaled back by 1 / c².
    sd = float(np.std(r_train))
    if not sd > 0:
        raise ValueError(f"fit_garch: r_train is {r_train[0]} on all {len(r_train)} days, so there is no variance to "
                         "model; give the days' returns")
    c = 1.0 if 1 <= sd < 1000 else 10.0 ** -math.floor(math.log10(sd))
    model = arch_model(c * r_train, mean="Zero", vol="GARCH", p=1, o=int(asymmetric), q=1, dist="normal",
                       rescale=False)
    params = model.fit(disp="off").params
    return {"omega": float(params["omega"]) / c**2, "alpha": float(params["alpha[1]"]),
            "gamma": float(params["gamma[1]"]) if asymmetric else 0.0, "beta": float(params["beta[1]"]),
            "backcast": float(model.volatility.backcast(c * r_train)) / c**2}


# -- losses and tests -----------------------------------------------------------------------------------------
def qlike(r2: np.ndarray, h: np.ndarray) -> np.ndarray:
    """QLIKE per day, ``log h + r² / h`` (Patton 2011; lowest at ``h = E[r²]``); ``h`` a positive variance
    forecast for each day of ``r2``, in its unit (forecasts averaging 100 times the squared returns or 1/100 of
    them, as fractions² beside %² do, are warned of: :func:`_warn_other_unit`)."""
    r2, h = _days("qlike", r2=r2, h=h)
    if (r2 < 0).any():  # returns given for their squares: log h + r / h, a loss of another quantity
        i = int(np.argmax(r2 < 0))
        raise ValueError(f"qlike: r2[{i}] is {r2[i]:g}, but r2 is each day's squared return, never negative "
                         f"({int((r2 < 0).sum())} negative day(s) of {len(r2)}: the returns themselves?); give r ** 2")
    if not (h > 0).all():
        i = int(np.argmax(~(h > 0)))
        raise ValueError(f"qlike: h[{i}] is {h[i]}, but a variance forecast must be > 0 (its log is taken; "
                         f"{int((h <= 0).sum())} such day(s)); give forecasts of r², not of r")
    _warn_other_unit(r2, h)
    return np.log(h) + r2 / h


UNIT_RATIO = 100  # mean r² over mean h (or h over r²) from which h is read as in another unit than r2


def _warn_other_unit(r2: np.ndarray, h: np.ndarray) -> None:
    """Warn where the forecasts ``h`` average ``UNIT_RATIO`` times the squared returns ``r2`` or more, or as little
    as 1 / ``UNIT_RATIO``, over ``FALL_DAYS`` days or more: a forecast in another unit (a GARCH of fractions,
    ``h`` near 1e-4, beside returns in %, ``r2`` near 1: a factor of 1e4), whose QLIKE, ``log h + r² / h``, is
    a loss of the units, not of the forecast (and a Diebold-Mariano test of it against a forecast in the right
    unit always finds the one in the right unit better). A forecast of a calm stretch, or of one after a crash,
    is off by a few times, not by 100."""
    mean_r2, mean_h = float(r2.mean()), float(h.mean())
    if len(r2) < FALL_DAYS or not mean_r2 > 0:
        return
    ratio = mean_r2 / mean_h
    if 1 / UNIT_RATIO < ratio < UNIT_RATIO:
        return
    fix = ("h * 1e4 for a forecast of fractions beside returns in %, as daily_features' 'r' is" if ratio > 1
           else "h / 1e4 for a forecast in % beside returns as fractions")
    warnings.warn(f"qlike: the squared returns r2 average {mean_r2:.4g} over their {len(r2)} days but the forecasts h "
                  f"{mean_h:.4g}, {max(ratio, 1 / ratio):.3g} times {'less' if ratio > 1 else 'more'}, as a forecast "
                  "in another unit is (fractions² beside %²: 1e4), so the loss measures the units, not the forecast; "
                  f"give both in one unit ({fix}); if the forecast is truly so far off, silence this with "
                  "warnings.filterwarnings('ignore', 'qlike: the squared returns r2 average')",
                  UserWarning, stacklevel=2)


def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray) -> dict[str, float]:
    """Diebold-Mariano (1995): is the mean of ``d = loss_a - loss_b`` zero? Returns ``{"t", "p"}``, ``t < 0`` when
    ``a`` has the lower loss, ``p`` two-sided.

    The variance of the mean is Newey-West's (Bartlett weights, ``⌊n^(1/3)⌋`` lags): volatility losses are
    autocorrelated, clustered as volatility is. With Harvey, Leybourne & Newbold's (1997) small-sample correction
    for one-day-ahead forecasts: ``t`` scaled by ``sqrt((n - 1) / n)`` and ``p`` from Student's t with ``n - 1``
    degrees of freedom (the normal's p of a few days' losses is far too small: 2e-9 for ``t = -6`` on 2 days, where
    this gives 0.15); over hundreds of days the two agree."""
    loss_a, loss_b = _days("diebold_mariano", loss_a=loss_a, loss_b=loss_b)
    if len(loss_a) < 2:
        raise ValueError(f"diebold_mariano: {len(loss_a)} day(s) of losses; the test needs at least 2 to estimate "
                         "the variance of their difference")
    d = loss_a - loss_b
    n, u, lags = len(d), d - d.mean(), int(len(d) ** (1 / 3))
    variance = u @ u / n  # of d; then the autocovariances, weighted 1 - lag / (lags + 1)
    for lag in range(1, lags + 1):
        variance += 2 * (1 - lag / (lags + 1)) * (u[lag:] @ u[:-lag]) / n
    if not variance > 0:  # d is constant: no noise to test against
        if d.mean() != 0:
            raise ValueError("diebold_mariano: the loss difference is a nonzero constant; there is nothing to test")
        return {"t": 0.0, "p": 1.0}
    from scipy.stats import t as student

    t = float(d.mean() / math.sqrt(variance / n) * math.sqrt((n - 1) / n))
    return {"t": t, "p": float(2 * student.sf(abs(t), n - 1))}


def direction_accuracy(forecast: np.ndarray, r: np.ndarray) -> float:
    """Share of the days with ``r ≠ 0`` whose sign ``forecast`` calls right (a 0 forecast calls neither)."""
    forecast, r = _days("direction_accuracy", forecast=forecast, r=r)
    _warn_no_fall(r, "direction_accuracy", "r")
    moved = r != 0
    if not moved.any():
        raise ValueError(f"direction_accuracy: r is 0 on all {len(r)} days, so there is no direction to call; give "
                         "the days' returns")
    if not forecast[moved].any():  # every day counted wrong: 0 % for a forecast that called nothing
        raise ValueError(f"direction_accuracy: forecast is 0 on all {int(moved.sum())} days that moved, so it calls no "
                         "direction, and every day would be counted wrong (0 %); give a forecast of the returns "
                         "whose sign is its call (a zero-mean model's has none to score)")
    _warn_not_returns(forecast, r, moved)
    return float((np.sign(forecast[moved]) == np.sign(r[moved])).mean())


def _warn_not_returns(forecast: np.ndarray, r: np.ndarray, moved: np.ndarray) -> None:
    """Warn where ``forecast``, read as the returns' forecast, cannot be one: positive on every one of ``FALL_DAYS``
    days or more, varying (a constant, ``np.ones`` or the prevailing mean, is a call as meant), and averaging both
    the returns' own mean move ``|r|`` or more and twice their mean ``r`` or more. A return forecast of any model (a
    net's, a momentum over 20 to 60 days, a drift) estimates the returns themselves, so even one positive on every
    day of a bull run averages about their mean, which is below their mean move (equal only where no day falls); a
    variance forecast ``h`` (in %², of the size of ``r**2``), a volatility ``sigma`` (``sqrt(mean r**2)`` is
    ``mean |r|`` or more) or a price level averages the mean move or more, and far above the mean return, and
    calls every day up, so its score is always-up's under its own name. A variance of returns given as fractions
    (``h`` near 1e-4 beside moves near 0.01) is smaller than the moves and is not told apart."""
    moves = float(np.abs(r[moved]).mean())  # moved: r != 0, direction_accuracy's days that moved
    if len(forecast) >= FALL_DAYS and (forecast > 0).all() and np.ptp(forecast) > 0 \
            and forecast.mean() >= max(moves, 2 * float(r.mean())):
        warnings.warn(f"direction_accuracy: forecast is positive on all {len(forecast)} days (from "
                      f"{forecast.min():.4g} to {forecast.max():.4g}, mean {forecast.mean():.4g}, against the "
                      f"returns' mean move |r| {moves:.4g}), as a variance or volatility forecast (h, sigma) or a "
                      "price level is, so every day is called up and the score is always-up's; give the forecast "
                      "of the returns themselves, whose sign is its call (the return model's r_mean + r_std * z); "
                      "if it truly never calls a fall, silence this with warnings.filterwarnings('ignore', "
                      "'direction_accuracy: forecast is positive on all')", UserWarning, stacklevel=3)


# -- the RNN --------------------------------------------------------------------------------------------------
class QLikeModule(SequenceModule):
    """:class:`~rnnkit.training.SequenceModule` trained on QLIKE: the model outputs ``s = log h`` (in units of
    the training mean of ``r²``) and ``loss = mean(y e^{-s} + s)``, ``y`` the scaled ``r²`` of the next day.

    This is the Gaussian negative log-likelihood of ``r`` given ``h`` (less constants), the criterion GARCH is
    fitted by, and it is lowest at ``e^s = E[y]``: a forecast of the variance."""

    def loss(self, out: Tensor, y: Tensor) -> Tensor:
        s, y = out.float()[:, 0], y.float()
        return (y * torch.exp(-s) + s).mean()


def fit_rnn(train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray], *, qlike_loss: bool,
            settings: Settings, seed: int) -> tuple[SequenceToLabel, int]:
    """Train one RNN on scaled windows ``(X, y)``, early stopping on ``val``; returns the model with the best
    validation epoch's weights and the number of epochs run. With ``qlike_loss``, ``y`` is each window's next-day
    ``r²`` (scaled), never negative: returns there are a ValueError (the loss ``y e^{-s} + s`` has no minimum for
    ``y < 0``)."""
    check_epochs(settings.max_epochs, "fit_rnn", "settings.max_epochs")
    for part, (_, y) in (("train", train), ("val", val)) if qlike_loss else ():
        negative = np.asarray(y) < 0
        if negative.any():  # QLIKE of returns: lowered without end by s -> -inf on the days that fell
            i = int(np.argmax(negative))
            raise ValueError(f"fit_rnn: {part}'s y[{i}] is {np.asarray(y)[i]:g}, but with qlike_loss y is the next "
                             f"day's squared return (scaled), never negative ({int(negative.sum())} negative of "
                             f"{len(negative)}: the returns themselves?); give y of r ** 2 / mean(r_train ** 2), or "
                             "qlike_loss=False to forecast the returns")
    windows = [_windows(x, "fit_rnn", f"{part}'s x") for part, (x, _) in (("train", train), ("val", val))]
    datasets = [SequenceDataset(x, torch.full((len(x),), x.shape[1]), torch.as_tensor(np.asarray(y, np.float32)))
                for x, (_, y) in zip(windows, (train, val), strict=True)]
    module_class = QLikeModule if qlike_loss else SequenceModule

    def build() -> SequenceModule:
        model = SequenceToLabel(windows[0].shape[2], settings.hidden_size, 1, cell=settings.cell)
        return module_class(model, task="regression", lr=settings.lr)

    module = seeded_fit(build, SequenceDataModule(*datasets, batch_size=settings.batch_size, seed=seed),
                        seed=seed, max_epochs=settings.max_epochs, device="cpu",
                        early_stopping_patience=settings.patience).module
    return module.model.eval(), len(module.history["val_loss"])


@torch.no_grad()
def predict(model: SequenceToLabel, x: np.ndarray) -> np.ndarray:
    """The model's output for each window of ``x`` ``(n, L, F)`` (a numpy array or a tensor, float64 read as the
    model's float32; a window that is not finite is a ValueError): ``(n,)`` float64, still scaled."""
    return model(_windows(x, "predict"))[0][:, 0].double().numpy()


def _windows(x, who: str, name: str = "x") -> Tensor:
    """Windows ``(n, L, F)`` as the float32 tensor the model reads, from a numpy array or a tensor of numbers (a
    float64 one, as pandas' features give them, included); a ValueError names a value that is missing or infinite:
    its window's forecast would be NaN."""
    what = (f"a {type(x).__name__} of shape {tuple(x.shape)} and dtype {x.dtype}" if hasattr(x, "shape")
            else f"a {type(x).__name__}")
    if isinstance(x, np.ndarray) and x.dtype.kind in "fiu":
        x = torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, Tensor) or x.ndim != 3 or x.dtype == torch.bool or x.is_complex():
        raise ValueError(f"{who}: {name} must be windows (n, L, F) of numbers, a numpy array or a tensor, as "
                         f"next_day_windows gives them, got {what}" + ("; one feature: x[..., None]"
                                                                      if getattr(x, "ndim", 0) == 2 else ""))
    x = x.float()
    bad = ~torch.isfinite(x)
    if bad.any():
        i, t, f = (int(v) for v in bad.nonzero()[0])
        raise ValueError(f"{who}: {name}[{i}, {t}, {f}] (window {i}, day {t}, feature {f}) is {float(x[i, t, f])} "
                         f"({int(bad.any(2).any(1).sum())} such window(s)), so its forecast would be NaN; fill or drop "
                         "those days before making windows (next_day_windows refuses them)")
    return x


# -- the recipe -----------------------------------------------------------------------------------------------
def run(*, quick: bool = False, seed: int = 0, out: str | os.PathLike | None = None,
        log: Callable[[str], object] = print) -> dict:
    """Forecast next-day S&P 500 volatility and returns with an LSTM and the baselines (module doc); returns
    the results (JSON-ready) and, with ``out``, writes ``report.json``, ``report.md`` and ``report.html``
    there (:func:`rnnkit.report.write_report`).

    ``quick``: a short period, one seed, a small model (seconds). ``seed``: the recipe's seed, whose runs
    take the seeds :func:`~rnnkit.apps.run_seeds` gives (apart from every other seed's). Raises ValueError for
    an argument of the wrong kind."""
    out = check_run_arguments("stocks", quick, seed, out, log)  # "~/runs" as a shell reads it
    settings = QUICK if quick else FULL
    seeds = run_seeds(seed, settings.seeds, "stocks.run")
    began = time.perf_counter()

    table = daily_features(load_sp500()).loc[settings.start : settings.end]
    split, samples = split_days(table.index, settings)
    L = settings.lookback
    dates = {part: (table.index[w.start + L], table.index[w.stop - 1 + L], w.stop - w.start)  # forecast days
             for part, w in samples.items()}
    log("stocks: " + ", ".join(f"{part} {a:%Y-%m-%d}..{b:%Y-%m-%d} ({n} days)" for part, (a, b, n) in dates.items()))
    train, test = slice(0, split["train"].stop), slice(split["test"].start, len(table))
    scaled = ((table - table.iloc[train].mean()) / table.iloc[train].std(ddof=0)).to_numpy()  # training part's
    r = table["r"].to_numpy()
    r_test, r2_test = r[test], r[test] ** 2

    def rnn(x, y, *, qlike_loss: bool, score: Callable[[np.ndarray], dict], what: str) -> dict:
        """Train one RNN per seed on the windows ``x`` and targets ``y``; score its test forecasts."""
        runs = []
        for s in seeds:
            model, epochs = fit_rnn((x[samples["train"]], y[samples["train"]]), (x[samples["val"]], y[samples["val"]]),
                                    qlike_loss=qlike_loss, settings=settings, seed=s)
            runs.append(score(predict(model, x[samples["test"]])) | {"epochs": epochs})
            log(f"stocks: {what}, seed {s}: " + ", ".join(f"{k} {v:.4f}" for k, v in runs[-1].items()
                                                           if isinstance(v, float)) + f", {epochs} epochs")
        return _summary(runs)

    # Target 1: volatility, r²(t+1).
    v_bar = float(np.mean(r[train] ** 2))
    garch = {name: fit_garch(r[train], asymmetric=name == "gjr_garch") for name in ("garch", "gjr_garch")}
    baselines = {
        "historical_mean": np.full(len(r_test), v_bar),
        "ewma": ewma_variance(r, garch["garch"]["backcast"])[test],
        **{name: garch_variance(r, params)[test] for name, params in garch.items()},
    }
    volatility = {name: {"mse": float(np.mean((r2_test - h) ** 2)), "qlike": float(np.mean(qlike(r2_test, h)))}
                  for name, h in baselines.items()}
    for name, params in garch.items():
        volatility[name]["params"] = {k: v for k, v in params.items() if k != "backcast"}

    def score_variance(s: np.ndarray) -> dict:
        h = v_bar * np.exp(s)
        losses = qlike(r2_test, h)
        return {"mse": float(np.mean((r2_test - h) ** 2)), "qlike": float(losses.mean()),
                "dm_vs_garch": diebold_mariano(losses, qlike(r2_test, baselines["garch"])),
                "dm_vs_gjr_garch": diebold_mariano(losses, qlike(r2_test, baselines["gjr_garch"])),
                "dm_vs_historical_mean": diebold_mariano(losses, qlike(r2_test, baselines["historical_mean"]))}

    x, y = next_day_windows(scaled, r**2 / v_bar, L)
    volatility["rnn"] = rnn(x, y, qlike_loss=True, score=score_variance, what="volatility")
    # The same net on returns alone, GARCH's information: does the gain come from the net or from the range?
    volatility["rnn_returns_only"] = rnn(x[..., :1], y, qlike_loss=True, score=score_variance,
                                         what="volatility, returns only")

    # Target 2: the return r(t+1).
    r_mean, r_std = float(np.mean(r[train])), float(np.std(r[train]))
    returns = {
        "random_walk": {"mse": float(np.mean(r_test**2))},
        "historical_mean": {"forecast": r_mean, "mse": float(np.mean((r_test - r_mean) ** 2)),
                            "accuracy": direction_accuracy(np.full(len(r_test), r_mean), r_test)},
        "always_up": {"accuracy": direction_accuracy(np.ones(len(r_test)), r_test)},
    }

    def score_return(z: np.ndarray) -> dict:
        forecast = r_mean + r_std * z
        errors = (r_test - forecast) ** 2
        return {"mse": float(errors.mean()), "accuracy": direction_accuracy(forecast, r_test),
                "up_share": float(np.mean(forecast > 0)), "dm_vs_random_walk": diebold_mariano(errors, r_test**2)}

    x, y = next_day_windows(scaled, (r - r_mean) / r_std, L)
    returns["rnn"] = rnn(x, y, qlike_loss=False, score=score_return, what="returns")

    results = {
        "recipe": "stocks",
        "data": "S&P 500 daily, rnnkit.data.load_sp500 (arch's example data, Yahoo! Finance), percent log returns",
        "quick": quick,
        "seeds": seeds,
        "settings": asdict(settings) | {"features": list(FEATURES), "ewma_lambda": EWMA_LAMBDA},
        "split": {part: {"first": f"{a:%Y-%m-%d}", "last": f"{b:%Y-%m-%d}", "days": n}
                  for part, (a, b, n) in dates.items()},
        "volatility": volatility,
        "returns": returns,
        "machine": machine("cpu"),
        "seconds": round(time.perf_counter() - began, 1),
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results),
                     machine_info=results["machine"])
    return results


def _summary(runs: list[dict]) -> dict:
    """The runs of every seed, and each scalar metric over the seeds (:func:`~rnnkit.apps.over_runs`: mean,
    sample sd)."""
    summary = {"per_seed": runs}
    for key, value in runs[0].items():
        if isinstance(value, float):
            summary[key] = over_runs(r[key] for r in runs)
    return summary


def title(results: dict) -> str:
    return "Stock market: next-day S&P 500 volatility and returns" + (" (quick run)" if results["quick"] else "")


def markdown(results: dict) -> str:
    """The report's body: the split, a table per target with the Diebold-Mariano tests, the caveat on returns
    (:func:`rnnkit.report.write_report` adds the title, the machine and what ± means)."""
    vol, ret, settings = results["volatility"], results["returns"], results["settings"]
    n_test = results["split"]["test"]["days"]
    net = f"{settings['cell'].upper()} ({settings['hidden_size']} units, {settings['lookback']}-day window)"
    seeds = f"{len(results['seeds'])} seed{'s' if len(results['seeds']) > 1 else ''}"

    pm = format_over_runs
    def dm(rnn: dict, key: str) -> str:
        return ", ".join(f"{r[key]['t']:+.1f}" for r in rnn["per_seed"])

    def row(name: str, scores: dict) -> str:
        return f"| {name} | {scores['mse']:.3f} | {scores['qlike']:.4f} |"

    nets = {"returns only": vol["rnn_returns_only"], "returns, range, volume": vol["rnn"]}
    garches = {"GARCH(1,1)": vol["garch"], "GJR-GARCH(1,1,1)": vol["gjr_garch"]}
    up = ret["always_up"]["accuracy"]

    def versus(net: dict) -> str:
        return " and ".join(f"{'lower' if net['qlike']['mean'] < g['qlike'] else 'higher'} than {name}'s"
                            for name, g in garches.items())

    lines = [
        f"Seeds {', '.join(map(str, results['seeds']))}{' (quick run)' if results['quick'] else ''}; "
        f"{results['seconds']} s in all." + (" The LSTM's figures are the mean ± sd over the seeds."
                                               if len(results["seeds"]) > 1 else ""),
        "",
        "| part | first forecast day | last | days |",
        "|---|---|---|---|",
        *(f"| {part} | {s['first']} | {s['last']} | {s['days']} |" for part, s in results["split"].items()),
        "",
        "## Volatility: forecasts of r²(t+1) on the test part (lower is better)",
        "",
        "| forecast | MSE | QLIKE |",
        "|---|---|---|",
        row("historical mean of r² (training part)", vol["historical_mean"]),
        row(f"EWMA, RiskMetrics λ = {settings['ewma_lambda']}", vol["ewma"]),
        *(row(f"{name}, fitted on the training part", g) for name, g in garches.items()),
        *(f"| {net}, {inputs}, {seeds} | {pm(v['mse'], 3)} | {pm(v['qlike'], 4)} |" for inputs, v in nets.items()),
        "",
        "r in percent; QLIKE is log h + r²/h (Patton 2011). Parameters, fixed after fitting: "
        + "; ".join(f"{name} " + ", ".join(f"{k} {v:.4f}" for k, v in g["params"].items() if v or k != "gamma")
                    for name, g in garches.items()) + ".",
        "",
        "| Diebold-Mariano t on QLIKE, per seed | vs GARCH(1,1) | vs GJR-GARCH(1,1,1) | vs historical mean |",
        "|---|---|---|---|",
        *(f"| {net}, {inputs} | {dm(v, 'dm_vs_garch')} | {dm(v, 'dm_vs_gjr_garch')} | "
          f"{dm(v, 'dm_vs_historical_mean')} |" for inputs, v in nets.items()),
        "",
        "Negative t: the LSTM's loss is lower; |t| > 1.96 is significant at 5 %. Measured: the LSTM's mean QLIKE "
        f"is {versus(vol['rnn'])} with all features, {versus(vol['rnn_returns_only'])} on returns only.",
        "",
        "## Returns: forecasts of r(t+1) on the test part",
        "",
        "| forecast | MSE | directional accuracy | days called up |",
        "|---|---|---|---|",
        f"| random walk, r̂ = 0 | {ret['random_walk']['mse']:.4f} | — | — |",
        f"| historical mean, r̂ = {ret['historical_mean']['forecast']:+.4f} | {ret['historical_mean']['mse']:.4f} | "
        f"{ret['historical_mean']['accuracy']:.3f} | {100 if ret['historical_mean']['forecast'] > 0 else 0} % |",
        f"| always up | — | {up:.3f} | 100 % |",
        f"| {net}, {seeds} | {pm(ret['rnn']['mse'], 4)} | {pm(ret['rnn']['accuracy'], 3)} | "
        f"{100 * ret['rnn']['up_share']['mean']:.0f} % |",
        "",
        f"Diebold-Mariano t on squared errors, LSTM vs random walk, per seed: {dm(ret['rnn'], 'dm_vs_random_walk')} "
        "(negative: the LSTM's loss is lower).",
        "",
        "**Caveat.** Next-day returns of a broad index are close to unpredictable from their own past (weak-form "
        "market efficiency, Fama 1970): the random walk is the benchmark, and beating it is not expected. "
        f"A coin's accuracy over {n_test} days falls within {100 * 1.96 * math.sqrt(0.25 / n_test):.1f} points "
        f"of 50 % in 95 % of cases (a confidence interval, not a spread over seeds), and calling every day up "
        f"already scores {up:.3f}. Volatility, by contrast, clusters "
        "(Mandelbrot 1963; Engle 1982): yesterday's turbulence forecasts today's.",
        "",
    ]
    return "\n".join(lines)
