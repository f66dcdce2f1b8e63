"""Round 44 of bad inputs, forecasting: a panel's target missing or infinite inside a series, at its ends, in a
whole series or as the -inf of a log of zeros; ... (see docs/bad_inputs.md, 'Forty-fourth round: forecasting ...')."""

import re

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import GlobalForecaster


def _panel(ids=("a", "b", "c"), n=40):
    t = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.concat([pd.DataFrame({"unique_id": i, "ds": t, "y": 10 + np.sin(np.arange(n) / 3) + k})
                      for k, i in enumerate(ids)], ignore_index=True)


def _fit(panel):
    return GlobalForecaster(horizon=3, lookback=7, model="direct", max_epochs=1, hidden_size=4,
                            random_state=0).fit(panel)


def _refused(panel):
    with pytest.raises(ValueError) as e:
        _fit(panel)
    return str(e.value)


def _run_fix(message, data):
    """Runs the fix the message writes (its last `data... = ...` statement) on ``data``, as a user would paste it."""
    code = re.findall(r"(data(?:\['y'\])? = [^;]*?)(?:, which|, then|$)", message)
    assert code, message
    for line in code:
        exec(line, {"np": np, "pd": pd}, scope := {"data": data})
        data = scope["data"]
    return data


def test_F44_01_a_nan_inside_a_series_is_told_to_fill_it_not_to_drop_the_row():
    """'fill or drop them first' was all: the row dropped left a gap in the series' dates, refused in turn."""
    panel = _panel()
    panel.loc[50, "y"] = np.nan
    message = _refused(panel)
    assert "series 'b', row 50: column 'y' is missing (NaN)" in message
    assert "data['y'] = data.groupby('unique_id')['y'].ffill()" in message
    assert "a row dropped inside a series leaves a gap in its times" in message
    _fit(_run_fix(message, panel.copy()))  # the fix fits


def test_F44_01_nan_before_a_series_first_value_or_after_its_last_is_told_to_drop_those_rows():
    panel = _panel()
    panel.loc[[40, 41, 119], "y"] = np.nan  # b's first two rows, c's last
    message = _refused(panel)
    assert "they come before a series' first value or after its last: drop those rows, " \
           "data = data.dropna(subset=['y'])" in message
    _fit(_run_fix(message, panel.copy()))


def test_F44_01_a_series_without_a_value_is_told_to_be_dropped_by_its_id():
    panel = _panel()
    panel.loc[panel.unique_id == "a", "y"] = np.nan
    message = _refused(panel)
    assert "1 series ('a') has no value of 'y' at all: drop it, data = data[data['unique_id'] != 'a']" in message
    _fit(_run_fix(message, panel.copy()))


def test_F44_01_minus_inf_of_a_log_of_zeros_is_named_with_log1p():
    """np.log of a series with zeros gives -inf, told 'is infinite; fill or drop them first' without a how."""
    panel = _panel()
    panel["y"] = np.log(np.where(np.arange(len(panel)) % 13 == 5, 0.0, panel["y"]))
    message = _refused(panel)
    assert "column 'y' is infinite" in message
    assert "-inf is what np.log gives for 0" in message and "np.log1p" in message
    assert "data['y'] = data['y'].replace([np.inf, -np.inf], np.nan), then fill them" in message
    _fit(_run_fix(message, panel.copy()))
