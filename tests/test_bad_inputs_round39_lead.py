"""Round 39, the lead's rows: a MASE scale of float64 rounding, and pandas 2's frequency aliases."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast.evaluation import errors, mase_scale
from rnnkit.forecast.series import freq_name


def _cycle(hours=24 * 30, step=2):
    t = np.arange(hours)
    return (np.sin(2 * np.pi * t / 24) + 2)[::step, None]  # hourly, taken every 2 hours: a cycle of 12 steps


def test_L39_01_a_scale_of_rounding_is_no_scale():
    # was: scale 1e-16 .. 1e-15 (the cycle's rounding from one day to the next), MASE ~1e15 without a word
    history = _cycle()
    assert mase_scale(history[:-12], 12)[0] == 0.0
    with pytest.warns(UserWarning, match=r"errors: MASE is NaN: the scale of column\(s\) 0 \(scale 0\) is 0"):
        scores = errors(history[-12:] + 0.1, history[-12:], mase_scale(history[:-12], 12))
    assert np.isnan(scores["mase"]) and scores["mae"] == pytest.approx(0.1)


def test_L39_01_a_small_change_on_a_large_level_keeps_its_scale():
    level = np.array([[1e6], [1e6 + 1], [1e6], [1e6 + 1], [1e6]])  # a counter's level, changes of 1: a real scale
    assert mase_scale(level, 1)[0] == 1.0
    steady = np.array([[5.0], [5.0], [5.0]])
    assert mase_scale(steady, 1)[0] == 0.0 and np.isnan(mase_scale(np.full((4, 1), np.nan), 1)[0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mase_scale(np.sin(np.arange(40.0))[:, None], 7)[0] > 0.1  # an ordinary series: unchanged


@pytest.mark.parametrize("given,now", [("1H", "1h"), ("H", "h"), ("15T", "15min"), ("A-DEC", "YE-DEC"),
                                       ("AS", "YS"), ("30S", "30s"), ("BH", "bh")])
def test_L39_02_pandas_2s_aliases_are_named_with_pandas_3s(given, now):
    # was: "freq='1H' is not a pandas frequency; pass one such as 'h' (hourly), ...", with no word of '1h'
    if pd.__version__.startswith("2."):
        pytest.skip("pandas 2 reads its own aliases")
    with pytest.raises(ValueError, match=rf"freq='{given}' is pandas 2's spelling of .*, which pandas \S+ reads no "
                       rf"more; pass freq='{now}'$"):
        freq_name(given)
    with pytest.raises(ValueError, match=rf"--freq {given} is pandas 2's spelling .*; pass --freq {now}$"):
        freq_name(given, "--freq")
    assert freq_name(now) is not None  # the successor is read


def test_L39_02_other_frequencies_keep_their_message():
    with pytest.raises(ValueError, match=r"freq='hourly' is not a pandas frequency; pass one such as 'h'"):
        freq_name("hourly")
    assert freq_name("h") == "h" and freq_name("MS") == "MS"
