"""Round 44 of bad inputs, forecasting: a panel's target missing or infinite inside a series, at its ends, in a
whole series or as the -inf of a log of zeros; ... (see docs/bad_inputs.md, 'Forty-fourth round: forecasting ...')."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.forecast import Forecaster, GlobalForecaster


def _panel(ids=("a", "b", "c"), n=40):
    t = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.concat([pd.DataFrame({"unique_id": i, "ds": t, "y": 10 + np.sin(np.arange(n) / 3) + k})
                      for k, i in enumerate(ids)], ignore_index=True)


def _fit(panel):
    return GlobalForecaster(horizon=3, lookback=7, model="direct", max_epochs=1, hidden_size=4,
                            random_state=0).fit(panel)


def _forecaster():
    return Forecaster(horizon=2, model="direct", lookback=4, max_epochs=1, hidden_size=4, random_state=0)


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


def test_F44_02_a_target_of_true_and_false_is_warned_of_as_read_as_1_and_0():
    """A boolean target was forecast as numbers (0.66, a q0.9 of 1.02 for the GlobalForecaster) without a word."""
    panel = _panel()
    panel["y"] = panel["y"] > panel.groupby("unique_id")["y"].transform("mean")
    with pytest.warns(UserWarning, match=r"GlobalForecaster\.fit: the target 'y' holds True/False, read as 1 and 0, "
                                         r"so its forecasts are numbers, a share of True .*data\['y'\] = "
                                         r"data\['y'\]\.astype\(float\)\), which silences this"):
        _fit(panel)
    y = pd.Series(np.arange(30) % 3 == 0, index=pd.date_range("2024-01-01", periods=30, freq="D"))
    with pytest.warns(UserWarning, match=r"Forecaster\.fit: the target holds True/False.*\(data\.astype\(float\)\)"):
        _forecaster().fit(y)
    frame = pd.DataFrame({"rain": y, "temp": np.arange(30.0)})
    with pytest.warns(UserWarning, match=r"Forecaster\.fit: the target 'rain' holds True/False.*"
                                         r"data\['rain'\] = data\['rain'\]\.astype\(float\)"):
        _forecaster().fit(frame, targets=["rain"])


def test_F44_02_numbers_of_0_and_1_and_a_boolean_covariate_stay_quiet():
    panel = _panel()
    panel["promo"] = panel["y"] > 10.5
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*prediction band")
        GlobalForecaster(horizon=3, lookback=7, model="direct", max_epochs=1, hidden_size=4, random_state=0,
                         quantiles=None).fit(panel, future_covariates=["promo"])
        y = pd.Series((np.arange(30) % 3 == 0).astype(float), index=pd.date_range("2024-01-01", periods=30))
        _forecaster().fit(y)


def test_F44_03_a_scale_series_named_by_the_targets_is_paired_by_name():
    """errors(actual, pred, scale) paired a Series of scales by position: named ['b', 'a'] beside actual's ['a', 'b'],
    each target's MAE was divided by the other's scale (MASE 1.01 for 0.2), without a word."""
    from rnnkit.forecast import errors
    actual = pd.DataFrame({"a": [1.0, 2, 3], "b": [10.0, 20, 30]})
    pred = actual * 1.1
    history = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) * 10})
    scale = history.diff(1).abs().mean()  # a: 1, b: 10
    want = errors(actual, pred, scale.to_numpy())["mase"]
    assert want == pytest.approx(0.2)
    assert errors(actual, pred, scale[["b", "a"]])["mase"] == pytest.approx(want)
    assert errors(actual, pred, scale)["mase"] == pytest.approx(want)
    with pytest.raises(ValueError, match=r"errors: scale is a Series of the names \['x', 'b'\] and actual's columns "
                                         r"are \['a', 'b'\], so they cannot be paired by name; .*scale\.to_numpy\(\)"):
        errors(actual, pred, scale.rename({"a": "x"}))


def test_F44_04_a_mase_scale_of_no_pair_a_season_apart_is_warned_of():
    """mase_scale of a history no longer than the season (60 daily rows, m=60) was NaN without a word."""
    from rnnkit.forecast.evaluation import mase_scale
    history = 10 + np.sin(np.arange(60.0) / 3)[:, None]
    with pytest.warns(UserWarning, match=r"mase_scale: history has 60 rows, not more than the season m=60, so no "
                                         r"two values are a season apart and the scale is NaN .*give at least "
                                         r"m \+ 1 = 61 rows of history"):
        assert np.isnan(mase_scale(history, 60)).all()
    gappy = history.copy()
    gappy[1::2] = np.nan
    with pytest.warns(UserWarning, match=r"mase_scale: the scale is NaN: no two of its 30 observed values \(of 60 "
                                         r"rows\) are m=7 steps apart.*ffill\(\)"):
        mase_scale(gappy, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mase_scale(history, 7)[0] > 0 and mase_scale(history, 59)[0] > 0


@pytest.mark.parametrize("update_params", [True, False])
def test_F44_05_sktime_update_of_new_times_without_x_is_told_to_pass_x(update_params):
    """A model fitted with X, update(y_new) without X: update_params=True was refused under fit's name, told to
    reindex X by y; update_params=False crashed in pandas' lookup (KeyError: '[Timestamp(...)] not in index')."""
    pytest.importorskip("sktime")
    from rnnkit.forecast.sktime import RnnkitForecaster
    n = 40
    y = pd.Series(10 + np.sin(np.arange(n + 2) / 3), index=pd.date_range("2024-01-01", periods=n + 2))
    X = pd.DataFrame({"promo": (np.arange(n + 4) % 5 == 0) * 1.0}, index=pd.date_range("2024-01-01", periods=n + 4))
    f = RnnkitForecaster(max_epochs=1, hidden_size=4, model="direct", lookback=4, random_state=0)
    f.fit(y[:n], X=X.iloc[:n], fh=[1, 2])
    with pytest.raises(ValueError, match=r"RnnkitForecaster\.update: the model was fitted with X \(its columns "
                                         r"\['promo'\]\).*X was not given for y's 2 new time\(s\) \(2024-02-10 \.\. "
                                         r"2024-02-11\); pass their rows with y, update\(y, X=X_new\)"):
        f.update(y[n:], update_params=update_params)
    f.update(y[n:], X=X.iloc[n:n + 2], update_params=update_params)  # the fix
    assert len(f.predict(X=X.iloc[n + 2:])) == 2


def test_F44_02_a_target_of_integer_or_float_0_and_1_stays_quiet():
    """An indicator meant as numbers (rain / no rain as 0 and 1, ints or floats) is no True/False: not warned."""
    t = pd.date_range("2024-01-01", periods=30, freq="D")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", message=".*prediction band")
        for values in ((np.arange(30) % 3 == 0).astype(int), (np.arange(30) % 3 == 0).astype(float)):
            _forecaster().fit(pd.DataFrame({"rain": values, "temp": np.arange(30.0)}, index=t), targets=["rain"])
        panel = _panel()
        panel["y"] = (panel["y"] > panel.groupby("unique_id")["y"].transform("mean")).astype(int)
        GlobalForecaster(horizon=3, lookback=7, model="direct", max_epochs=1, hidden_size=4, random_state=0,
                         quantiles=None).fit(panel)


def test_F44_03_scales_by_position_stay_paired_by_position_and_a_whole_history_s_are_paired_by_name():
    """An array, a list, a scalar, a Series numbered 0 .. k-1 (an array's) and one scale of a one-column target pair
    by position as before; a Series naming more columns than actual's (the scales of a whole history) gives each
    column its own, where it was refused for its size."""
    from rnnkit.forecast import errors
    actual = pd.DataFrame({"a": [1.0, 2, 3], "b": [10.0, 20, 30]})
    pred = actual * 1.1
    want = errors(actual, pred, np.array([1.0, 10.0]))["mase"]
    assert want == pytest.approx(0.2)
    for scale in ([1.0, 10.0], pd.Series([1.0, 10.0])):
        assert errors(actual, pred, scale)["mase"] == pytest.approx(want)
    assert errors(actual, pred, 2.0)["mase"] == pytest.approx(errors(actual, pred, np.array([2.0, 2.0]))["mase"])
    one = errors(actual[["a"]], pred[["a"]], 1.0)["mase"]
    assert errors(actual[["a"]], pred[["a"]], pd.Series([1.0], index=["sales"]))["mase"] == pytest.approx(one)
    whole = pd.Series({"c": 5.0, "b": 10.0, "a": 1.0})  # history.diff().abs().mean() of three columns
    assert errors(actual, pred, whole)["mase"] == pytest.approx(want)
    assert errors(actual[["b"]], pred[["b"]], whole)["mase"] == pytest.approx(
        errors(actual[["b"]], pred[["b"]], 10.0)["mase"])


def test_F44_04_a_scale_with_pairs_left_stays_quiet_and_m_1_is_not_told_to_give_m_1():
    from rnnkit.forecast.evaluation import mase_scale
    x = 10 + np.sin(np.arange(40.0) / 3)
    x[[3, 10, 11, 25]] = np.nan  # gaps inside, pairs left at m=1 and m=7
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(mase_scale(x, 1)) and np.isfinite(mase_scale(x, 7))
    with pytest.warns(UserWarning, match=r"history has 1 row, not more than the season m=1.*give at least m \+ 1 = 2 "
                                         r"rows of history \(the more seasons, the steadier the scale\)$"):
        mase_scale(np.array([5.0]), 1)
    gappy = x.copy()
    gappy[1::2] = np.nan
    gappy[::2][::2] = np.nan  # no two observed values a step apart
    with pytest.warns(UserWarning, match=r"no two of its \d+ observed values .* are m=1 steps apart.*ffill\(\)\)$"):
        mase_scale(gappy, 1)
