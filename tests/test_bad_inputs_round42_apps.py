"""Round 42, recipes (rnnkit/apps, rnnkit/report.py): rows A42-01 .. of docs/bad_inputs.md's forty-second round.

A42-01 ``stocks.direction_accuracy`` of a variance forecast (or a volatility forecast, or a price level) given as
       the forecast of the returns: every day called up, scored without a word.
A42-03 ``stocks.daily_features`` of prices written as text as downloads write them: thousands separators
       ('2,002.52'), a decimal comma ('2.002,52', '€2.002,52'), Investing.com's volumes ('1.42M'), a missing day '-'.
A42-04 ``sentiment.prepare`` of two classes other than 0 and 1: Amazon's and Yelp's polarity sets' 1 and 2, or -1 and 1.
A42-02 the surveillance recipe given a video of another frame rate (30 fps, 25 fps) than vtest.avi's 10 fps.
Each test fails on the commit before its fix."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.apps import sentiment, stocks, surveillance


def _returns(n: int = 300, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    sigma = np.exp(np.cumsum(rng.normal(0, 0.05, n)))  # a slowly wandering volatility, % per day
    return sigma * rng.standard_normal(n)


@pytest.mark.parametrize("what", ["variance", "volatility", "price"])
def test_A42_01_direction_accuracy_of_a_variance_forecast_warns(what):
    r = _returns()
    h = stocks.ewma_variance(r, float(np.mean(r**2)))
    forecast = {"variance": h, "volatility": np.sqrt(h), "price": 100 * np.exp(np.cumsum(r) / 100)}[what]
    with pytest.warns(UserWarning, match=r"^direction_accuracy: forecast is positive on all 300 days .*variance or "
                                         r"volatility forecast .*called up .*always-up's; give the forecast of the "
                                         r"returns.*filterwarnings"):
        score = stocks.direction_accuracy(forecast, r)
    assert score == pytest.approx(np.mean(r[r != 0] > 0))  # the score itself stands: always-up's


def test_A42_01_direction_accuracy_of_return_forecasts_stays_quiet():
    r = _returns()
    rng = np.random.default_rng(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stocks.direction_accuracy(np.ones(len(r)), r)  # always up, as the recipe's baseline calls it
        stocks.direction_accuracy(np.full(len(r), 0.04), r)  # the prevailing mean
        stocks.direction_accuracy(0.04 + 0.01 * rng.standard_normal(len(r)), r)  # a net's forecast near the mean
        stocks.direction_accuracy(0.05 + 0.02 * np.abs(rng.standard_normal(len(r))), r)  # bullish, yet small
        stocks.direction_accuracy(rng.standard_normal(len(r)), r)  # a forecast of either sign
        stocks.direction_accuracy(np.abs(r[:10]) + 1, r[:10])  # fewer days than FALL_DAYS


@pytest.mark.parametrize("drift, window", [(1.0, 20), (0.5, 60), (0.3, 60)])
def test_A42_01_a_momentum_forecast_positive_all_through_a_bull_run_stays_quiet(drift, window):
    # a return forecast positive on every day of a bull run (a momentum over 20 to 60 days, an expanding drift)
    # estimates the returns' mean, below their mean move: a call of every day up as meant, not a variance's scale
    rng = np.random.default_rng(0)
    r = drift + rng.standard_normal(400)
    momentum = np.convolve(r, np.ones(window) / window, "valid")[:-1][-300:]
    expanding = (np.cumsum(r) / np.arange(1, len(r) + 1))[99:-1]
    assert (momentum > 0).all() and (expanding > 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stocks.direction_accuracy(momentum, r[-300:])
        stocks.direction_accuracy(expanding, r[-300:])


def _video(path, fps: float, frames: int = 12):
    cv2 = pytest.importorskip("cv2")
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (32, 24))
    for t in range(frames):
        writer.write(np.full((24, 32, 3), 10 * t, np.uint8))
    writer.release()
    return path


@pytest.mark.parametrize("fps", [30, 25, 5])
def test_A42_02_surveillance_video_of_another_frame_rate_warns(tmp_path, monkeypatch, fps):
    path = _video(tmp_path / "hall.avi", fps)
    with pytest.warns(UserWarning, match=rf"^surveillance: hall.avi runs at {fps} fps, not the 10 fps of vtest.avi "
                                         rf".*context of 10 frames spans {10 / fps:.3g} s, not 1 s.*re-encode it at "
                                         r"10 fps.*filterwarnings"):
        surveillance.check_frame_rate(path, surveillance.video_fps(path), 10)

    def stop(*args, **kwargs):  # the run is not trained here: only its reading of the video's rate
        raise RuntimeError("frames")

    monkeypatch.setattr(surveillance, "find_video", lambda: path)
    monkeypatch.setattr(surveillance, "load_frames", stop)
    with pytest.warns(UserWarning, match=rf"surveillance: hall.avi runs at {fps} fps"), \
            pytest.raises(RuntimeError, match="frames"):
        surveillance.run(quick=True, log=lambda _: None)


@pytest.mark.parametrize("fps", [10, 9.99, 12, 12.5, 8, None])
def test_A42_02_surveillance_video_near_ten_fps_stays_quiet(tmp_path, fps):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        surveillance.check_frame_rate(tmp_path / "vtest.avi", fps, 10)  # vtest.avi's rate, or none in the file


def _prices(n: int = 80) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    close = 2000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    close[::9] = 990 + rng.random(len(close[::9]))  # some days below a thousand: no separator there
    return pd.DataFrame({"Open": close, "High": close * 1.01, "Low": close * 0.99, "Close": close,
                         "Volume": rng.integers(1000, 2000, n) * 1e6}, index=pd.bdate_range("2020-01-01", periods=n))


def _european(v: float) -> str:
    return f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


@pytest.mark.parametrize("column, write, match", [
    ("Close", lambda v: f"{v:,.2f}", r"strip thousands separators first: prices\['Close'\] = prices\['Close'\]"
                                     r"\.str\.replace\(',', ''\)\.astype\(float\)"),
    ("Close", _european, r"strip the thousands dots, and read the decimal comma as a point first: .*"
                         r"read_csv\(\.\.\., thousands='\.', decimal=','\)"),
    ("Close", lambda v: "€" + _european(v), r"strip the currency sign and the thousands dots, and read the decimal "
                                             r"comma as a point"),
    ("Volume", lambda v: f"{v / 1e6:.2f}M", r"read the suffixes K, M and B as thousands, millions and billions"),
])
def test_A42_03_prices_written_as_text_name_a_fix_that_reads_them(column, write, match):
    prices = _prices()
    text = prices.assign(**{column: prices[column].map(write)})
    with pytest.raises(ValueError, match=rf"^daily_features: {column} holds .* values \('.+' on 2020-01-0[12]\), not "
                                         rf"numbers; {match}") as e:
        stocks.daily_features(text)
    fix = re.search(r"(prices\['\w+'\] = .*?\.astype\(float\))", str(e.value)).group(1)
    scope = {"prices": text.copy()}
    exec(fix, {}, scope)  # the message's own fix reads every day's value
    assert stocks.daily_features(scope["prices"])["r"].to_numpy() == pytest.approx(
        stocks.daily_features(prices)["r"].to_numpy(), abs=1e-3)


def test_A42_03_a_missing_day_written_as_a_dash_is_named():
    prices = _prices()
    text = prices.assign(Volume=prices["Volume"].map("{:.0f}".format).where(np.arange(len(prices)) != 5, "-"))
    with pytest.raises(ValueError, match=r"^daily_features: Volume holds .* \('-' on 2020-01-08\), not numbers; a "
                                         r"missing value written as '-': .*na_values=\['-'\]\), then drop or fill"):
        stocks.daily_features(text)


@pytest.mark.parametrize("negative, positive", [(1, 2), (-1, 1), (1.0, 2.0)])
def test_A42_04_sentiment_labels_of_two_other_classes_name_the_positive_one(negative, positive):
    texts = [f"review {i} was {'good' if i % 2 else 'bad'}" for i in range(60)]
    labels = np.where(np.arange(60) % 2, positive, negative)
    settings = {"min_freq": 1, "max_vocab": 100, "max_tokens": 20}
    with pytest.raises(ValueError, match=rf"^prepare: labels\[\d+\] is .*two classes, {negative!r} and {positive!r} "
                                         r"\(Amazon's and Yelp's polarity .*map the positive class to 1 first: "
                                         rf"labels = \(np\.asarray\(labels\) == {positive!r}\)\.astype\(int\)$") as e:
        sentiment.prepare(texts, labels.tolist(), settings, 0)
    scope = {"np": np, "labels": labels.tolist()}  # a list, as a loader's labels are: the fix runs as written
    exec(re.search(r"(labels = .*)$", str(e.value)).group(1), {}, scope)
    prepared = sentiment.prepare(texts, scope["labels"], settings, 0)
    assert set(np.concatenate(list(prepared.y.values())).tolist()) == {0, 1}


def test_A42_04_ids_written_as_text_in_a_list_are_told_a_fix_that_runs_on_it():
    texts = [f"review {i} was {'good' if i % 2 else 'bad'}" for i in range(60)]
    labels = [str(i % 2) for i in range(60)]  # '0' and '1', as a CSV read with dtype=str gives them, in a list
    settings = {"min_freq": 1, "max_vocab": 100, "max_tokens": 20}
    with pytest.raises(ValueError, match=r"ids written as text: (labels = np\.asarray\(labels\)\.astype\(int\))$") as e:
        sentiment.prepare(texts, labels, settings, 0)
    scope = {"np": np, "labels": labels}
    exec(re.search(r"(labels = .*)$", str(e.value)).group(1), {}, scope)
    assert sentiment.prepare(texts, scope["labels"], settings, 0) is not None


@pytest.mark.parametrize("write", [lambda v: f"{v:,.2f}", _european, lambda v: "$" + f"{v:,.2f}"])
def test_A42_03_a_sheet_of_number_cells_beside_text_cells_is_read_whole_by_the_fix(write):
    # read_excel gives the cells below a thousand as numbers and the others as text: .str alone made the numbers NaN
    prices = _prices()
    close = prices["Close"].astype(object)
    close[close >= 1000] = [write(v) for v in close[close >= 1000]]
    text = prices.assign(Close=close)
    with pytest.raises(ValueError, match=r"\.fillna\(prices\['Close'\]\)\.astype\(float\) \(fillna keeps the cells "
                                         r"that are numbers already") as e:
        stocks.daily_features(text)
    fix = re.search(r"(prices\['Close'\] = .*?\.fillna\(prices\['Close'\]\)\.astype\(float\))", str(e.value)).group(1)
    scope = {"prices": text.copy()}
    exec(fix, {}, scope)
    assert scope["prices"]["Close"].to_numpy() == pytest.approx(prices["Close"].to_numpy(), abs=1e-2)
