"""Round 40, recipes (rnnkit/apps): rows A40-01 .. of docs/bad_inputs.md's fortieth round.

A40-01 ``stocks.fit_garch`` of a few days' returns (5, 100), or of fewer days than the model has parameters.
A40-02 ``stocks.split_days`` of days newest first (an export's order) or with a day repeated.
A40-03 ``stocks.split_days`` of dates written as text (a CSV's column as a list), or of a Series of datetime64.
A40-04 ``stocks.split_days`` of settings whose val_start and test_start are swapped, or leave a part without days.
A40-05 ``sentiment.tokenize`` and ``distinct`` of a missing review (NaN or None from a pandas column) or of bytes.
A40-06 ``surveillance.frame_metrics`` of a mask of 0 and 255 (OpenCV's threshold) or a float mask of 0 and 1.
A40-07 ``eventlogs.delay_log`` of a negative or NaN wait.
A40-08 ``driving.episode_seeds`` of a split named 'validation'.
A40-09 ``spoken_digits.edit_distance`` of a truth written as text against decoded digits.
Each test fails on the commit before its fix."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit.apps import driving, eventlogs, sentiment, spoken_digits, stocks, surveillance
from rnnkit.data import load_sp500


@pytest.fixture(scope="module")
def returns() -> np.ndarray:
    return stocks.daily_features(load_sp500())["r"].to_numpy()


def test_A40_01_garch_of_a_few_days_is_warned_of_and_of_fewer_days_than_parameters_refused(returns):
    # before: 5 days fitted without a word (beta 0.51 to 0.92 from one week to the next), 3 days too
    for n in (5, 100):
        with pytest.warns(UserWarning, match=rf"fit_garch: r_train spans only {n} days, fewer than the 500 a "
                                             r"GARCH\(1,1\).*ewma_variance.*warnings\.filterwarnings"):
            stocks.fit_garch(returns[1500:1500 + n])
    with pytest.raises(ValueError, match=r"fit_garch: r_train holds 4 day\(s\), no more than the 4 parameters of a "
                                         r"GJR-GARCH\(1,1,1\).*500 days or more"):
        stocks.fit_garch(returns[:4], asymmetric=True)
    with pytest.raises(ValueError, match=r"fit_garch: r_train holds 3 day\(s\), no more than the 3 parameters"):
        stocks.fit_garch(returns[:3])
    with warnings.catch_warnings():  # two years and more: nothing said, the same fit
        warnings.simplefilter("error")
        params = stocks.fit_garch(returns[:500])
    assert 0 < params["beta"] < 1


SETTINGS = dataclasses.replace(stocks.QUICK, start="2020-01-01", val_start="2020-07-01", test_start="2020-10-01",
                               end="2020-12-31", lookback=10)
DAYS = pd.bdate_range("2020-01-01", "2020-12-31")


def test_A40_02_split_days_of_days_newest_first_or_repeated_names_them_and_the_tables_fix():
    # before: "time column 'time' is not increasing ... (df.sort_values('time'))", a column split_days was not given
    with pytest.raises(ValueError, match=r"split_days: days\[1\] \(2020-12-30\) comes before days\[0\] \(2020-12-31\) "
                                         r"\(261 of 261 step\(s\) so\).*table = table\.sort_index\(\)"):
        stocks.split_days(DAYS[::-1], SETTINGS)
    with pytest.raises(ValueError, match=r"split_days: days\[101\] \(2020-05-20\) repeats days\[100\].*"
                                         r"table\[~table\.index\.duplicated\(\)\]"):
        stocks.split_days(DAYS.append(DAYS[100:105]).sort_values(), SETTINGS)


def test_A40_03_split_days_of_dates_as_text_is_refused_and_a_series_of_dates_read():
    # before: AttributeError: 'list' object has no attribute 'min'
    with pytest.raises(ValueError, match=r"split_days: days must be the days' dates, a pandas DatetimeIndex.*got a "
                                         r"list.*pd\.to_datetime\(days, format="):
        stocks.split_days(list(DAYS.strftime("%Y-%m-%d")), SETTINGS)
    rows, samples = stocks.split_days(pd.Series(DAYS), SETTINGS)  # a frame's 'Date' column, parsed
    assert (rows, samples) == stocks.split_days(DAYS, SETTINGS)
    assert rows["val"] == range(130, 196)


def test_A40_04_split_days_of_swapped_or_empty_parts_names_the_settings_to_change():
    # before: "val_start 2020-10-01 is after test_start 2020-07-01; expected val before test" (no function named)
    swapped = dataclasses.replace(SETTINGS, val_start="2020-10-01", test_start="2020-07-01")
    with pytest.raises(ValueError, match=r"split_days: the settings' test_start 2020-07-01 is before its val_start "
                                         r"2020-10-01.*val_start='2020-07-01', test_start='2020-10-01'"):
        stocks.split_days(DAYS, swapped)
    # before: "the period 2020-01-01..2020-12-31 leaves 196 training, 0 validation ..." (no function, no setting named)
    with pytest.raises(ValueError, match=r"split_days: the settings' period .* 0 validation .*\(val_start 2020-10-01, "
                                         r"test_start 2020-10-01\).*dataclasses\.replace\(settings, val_start="):
        stocks.split_days(DAYS, dataclasses.replace(SETTINGS, val_start="2020-10-01"))
    with pytest.raises(ValueError, match=r"split_days: .* 130 training.*200-day window; give a lookback below 130"):
        stocks.split_days(DAYS, dataclasses.replace(SETTINGS, lookback=200))


def test_A40_05_tokenize_and_distinct_of_a_missing_review_name_it_and_the_fix():
    # before: TypeError: expected string or bytes-like object, got 'float' (re's, naming no review)
    with pytest.raises(ValueError, match=r"tokenize: text is float nan, not a str; give each review as text \(a "
                                         r"missing review of a pandas column.*dropna\(subset="):
        sentiment.tokenize(float("nan"))
    with pytest.raises(ValueError, match=r"distinct: texts\[1\] is NoneType None, not a str"):
        sentiment.distinct(["a good film", None, "a good film"])
    with pytest.raises(ValueError, match=r"tokenize: text is bytes .*t\.decode\('utf-8'"):
        sentiment.review_key(b"caf\xe9 film")
    assert sentiment.tokenize("Good <br /> film!") == ["good", "film", "!"]
    assert sentiment.distinct(["A good film", "a good  film.", "bad"]).tolist() == [0, 2]


def test_A40_06_frame_metrics_of_a_mask_of_0_and_255_names_moving_gt_0():
    frames = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    target = (frames + 0.3).clamp(0, 1)
    moving = (target - frames).abs() > 0.2
    # before: "... got torch.uint8 with 42 set; e.g. (target - last).abs() > threshold" (a mask was already made)
    with pytest.raises(ValueError, match=r"frame_metrics: moving must be a bool mask, got torch\.uint8 \(values 0, "
                                         r"255\); give moving > 0, as it holds 0 and one other value"):
        surveillance.frame_metrics(frames, target, moving.to(torch.uint8) * 255)
    with pytest.raises(ValueError, match=r"got torch\.float32 \(values 0, 1\); give moving > 0"):
        surveillance.frame_metrics(frames, target, moving.float())
    with pytest.raises(ValueError, match=r"values 0, 0\.3, 0\.5\); give \(target - last\)\.abs\(\) > threshold"):
        surveillance.frame_metrics(frames, target, moving * torch.tensor([0.3, 0.5])[:, None, None, None])
    reference = surveillance.frame_metrics(frames, target, moving)
    assert surveillance.frame_metrics(frames, target, moving.to(torch.uint8) * 255 > 0) == reference


def test_A40_07_delay_log_of_a_negative_or_missing_wait_is_refused():
    # before: [0.000999, nan, 1.099] with numpy's "invalid value encountered in log"
    with pytest.raises(ValueError, match=r"delay_log: dt\[1\] is -2 \(1 of 3 wait\(s\) negative, NaN or infinite\)"
                                         r".*np\.diff\(t\)"):
        eventlogs.delay_log(np.array([1.0, -2.0, 3.0]))
    with pytest.raises(ValueError, match=r"delay_log: dt\[0\] is nan"):
        eventlogs.delay_log(np.array([np.nan, 2.0]))
    np.testing.assert_allclose(eventlogs.delay_log(np.array([0.0, 1.0])), np.log([1e-3, 1.001]))


def test_A40_08_episode_seeds_of_a_validation_split_names_the_function_and_the_splits():
    # before: "split must be 'train' or 'test', got 'validation'" (no function named)
    with pytest.raises(ValueError, match=r"episode_seeds: split must be 'train' or 'test' \(the recipe drives "
                                         r"training and held-out test episodes only.*got 'validation'"):
        driving.episode_seeds(0, "validation", 3)
    assert driving.episode_seeds(1, "train", 3) == [3, 4, 5]


def test_A40_09_edit_distance_of_a_truth_as_text_against_decoded_digits_is_refused():
    # before: 2, '1' != 1 and '2' != 2: every digit of a right decoding counted wrong
    with pytest.raises(ValueError, match=r"edit_distance: b is '12', text, but the other holds numbers.*"
                                         r"tuple\(map\(int, b\)\)"):
        spoken_digits.edit_distance([1, 2], "12")
    with pytest.raises(ValueError, match=r"edit_distance: a is \['1', '2'\], text"):
        spoken_digits.edit_distance(["1", "2"], (1, 2))
    assert spoken_digits.edit_distance("kitten", "sitting") == 3  # two texts: by their characters, as before
    assert spoken_digits.edit_distance([1, 2], (1, 2)) == 0


def test_A40_02_03_split_days_of_legitimate_days_splits_as_before():
    # review: days with gaps (holidays, every third day), calendar days, tz-aware days (an index or a Series of
    # them) and an array of datetime64 split as the DatetimeIndex does, with no refusal
    holidays = DAYS.delete([5, 40, 41, 120, 200])
    expected = stocks.split_days(holidays, SETTINGS)
    for days in (holidays.tz_localize("America/New_York"), holidays.tz_localize("UTC"),
                 pd.Series(holidays.tz_localize("UTC")), holidays.to_numpy()):
        assert stocks.split_days(days, SETTINGS) == expected
    assert stocks.split_days(pd.date_range("2020-01-01", "2020-12-31"), SETTINGS)[0]["val"] == range(182, 274)
    assert stocks.split_days(DAYS[::3], SETTINGS)[0]["test"].stop == len(DAYS[::3])
    # a table of prices indexed by its days is told to give its index, not to parse text
    with pytest.raises(ValueError, match=r"split_days: .*got a Series of float64 indexed by dates; give its index: "
                                         r"split_days\(table\.index, settings\)$"):
        stocks.split_days(pd.Series(np.ones(len(DAYS)), index=DAYS), SETTINGS)


def test_A40_09_edit_distance_of_an_empty_side_or_same_kinds_is_scored():
    # review: an empty decoding (greedy_decode of a net that emits only blanks) holds no numbers: scored against a
    # truth of either kind by its length, where the first fix refused it
    assert spoken_digits.edit_distance([], "12") == 2
    assert spoken_digits.edit_distance("", [1]) == 1
    assert spoken_digits.edit_distance(np.array([1, 2]), [1, 3]) == 1
    assert spoken_digits.edit_distance(["1", "2"], "12") == 0
    # the message shows the user's own items, not a fixed example
    with pytest.raises(ValueError, match=r"edit_distance: b is '72', text, but the other holds numbers, and '7' != 7,"):
        spoken_digits.edit_distance([7, 2], "72")
