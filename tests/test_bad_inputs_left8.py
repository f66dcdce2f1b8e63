"""Four cases the eighth stop left open (/work/notes/left8.md), on real offline data as a new user meets them:
a resampling frequency the timestamps contradict (sktime's airline given ``--freq D``), a saved model that kept
its fit's ``log_dir``, the folds of a cross-validation sharing one ``log_dir``, and stream ids that Python counts
equal (``1``, ``1.0``, ``True``). Each test fails on the commit before the fix (7d46d14)."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from helpers import TINY_NCT, gunpoint_train, one_line  # a refusal's message, one line
from sklearn.model_selection import cross_val_score

import rnnkit
from rnnkit import Forecaster, SequenceClassifier, Streamer
from rnnkit.forecast import as_frame
from rnnkit.io import estimator_files, write_directory_atomically
from rnnkit.training.runs import CHECKPOINT

datasets = pytest.importorskip("sktime.datasets")

# sktime's numpy3D is (n, channels, T): layout="nct"
TINY = TINY_NCT
FORECAST = dict(lookback=4, horizon=3, model="direct", hidden_size=4, max_epochs=1, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def gunpoint():
    """16 GunPoint training series cut to 40 steps, as sktime gives them: (16, 1, 40), labels '1' / '2'."""
    return gunpoint_train(16, 40)


@pytest.fixture(scope="module")
def airline():
    """sktime's airline passengers, 144 months from 1949-01 (a PeriodIndex, as it loads)."""
    return datasets.load_airline()


# -- 1. a resampling frequency finer than every step of the data ----------------------------------------------
def test_left8_1_cli_forecast_with_a_freq_the_monthly_timestamps_contradict(airline, tmp_path, cli_error):
    data = tmp_path / "air.csv"
    airline.to_timestamp().rename_axis("month").rename("passengers").reset_index().to_csv(data, index=False)
    # before: resampled onto 4353 days (97 % empty), a backtest MASE of NaN ("Mean of empty slice") and a forecast
    # of the next three days
    line = cli_error(["forecast", data, "--time-column", "month", "--target-column", "passengers", "--horizon", "3",
                      "--freq", "D", "--max-epochs", "1", "--hidden-size", "4", "--out", tmp_path / "f"])
    assert line.startswith("rnnkit forecast: error: --freq D is finer than every step of the timestamps of 'month': "
                           "they are on the grid 'MS' (1949-01-01, 1949-02-01, 1949-03-01, ...)"), line
    assert "would leave 4209 of 4353 bins (97%) empty" in line
    assert line.endswith("drop --freq (the grid 'MS' is read from the timestamps), or pass --freq MS"), line
    assert not (tmp_path / "f").exists()


def test_left8_1_forecaster_with_a_freq_the_timestamps_contradict(airline):
    with pytest.raises(ValueError) as e:  # before: fitted on days, forecast 1960-12-02 .. 1960-12-04
        Forecaster(**FORECAST).fit(airline, freq="D")
    assert one_line(e).startswith("freq='D' is finer than every step of the timestamps of 'Period': they are on the "
                                  "grid 'MS'")
    assert one_line(e).endswith("drop freq (the grid 'MS' is read from the timestamps), or pass freq='MS'")
    with pytest.raises(ValueError, match=r"^freq='W' is finer .* onto 'W-SUN' would leave 479 of 623 bins \(77%\)"):
        Forecaster(**FORECAST).backtest(airline, folds=1, freq="W")
    gaps = airline.to_timestamp().drop(pd.Timestamp("1949-06-01"))  # uneven: freq is needed, but not days
    with pytest.raises(ValueError) as e:
        Forecaster(**FORECAST).fit(gaps, freq="D")
    assert "their shortest step is 28 days 00:00:00 (1949-03-01 follows 1949-02-01), the first rows are on the " \
           "grid 'MS'" in one_line(e)
    assert one_line(e).endswith("pass a frequency no finer than the data's steps (freq='MS' or coarser)")
    every_other_day = pd.Series(np.arange(5.0), index=pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-06",
                                                                        "2024-01-08", "2024-01-10"]))
    with pytest.raises(ValueError, match=r"shortest step is 2 days .* \(freq='2D' or coarser\)$"):
        as_frame(every_other_day, freq="D")


def test_left8_1_frequencies_the_timestamps_allow_still_resample(airline):
    fitted = Forecaster(**FORECAST).fit(airline.to_timestamp().drop(pd.Timestamp("1949-06-01")), freq="MS")
    assert fitted.freq_ == "MS" and np.isnan(fitted.history_.values[5, 0])  # the missing month, a missing value
    quarters = as_frame(airline, freq="QS")  # aggregation onto a coarser grid
    assert len(quarters) == 48 and quarters.values[0, 0] == pytest.approx((112 + 118 + 132) / 3)
    weekdays = pd.Series(np.arange(10.0), index=pd.bdate_range("2024-01-01", periods=10))  # business days onto days
    days = as_frame(weekdays, freq="D")
    assert len(days) == 12 and np.isnan(days.values[5:7, 0]).all() and days.values[7, 0] == 5.0
    uneven = pd.Series(np.arange(5.0), index=pd.to_datetime(["2024-01-01 00:00", "2024-01-01 01:00", "2024-01-01 03:30",
                                                             "2024-01-01 04:10", "2024-01-01 07:00"]))
    assert np.isnan(as_frame(uneven, freq="h").values[:, 0]).sum() == 3  # what freq is for: 8 hours, 5 observed


# -- 2. a saved model keeps no log_dir ----------------------------------------------------------------------------
def test_left8_2_a_loaded_model_refitted_writes_nothing_into_the_original_fit_s_log_dir(gunpoint, tmp_path):
    X, y = gunpoint
    logs = tmp_path / "logs"
    SequenceClassifier(**TINY, log_dir=str(logs)).fit(X, y).save(tmp_path / "model")
    # before: config.json named the fit's directory (a path of the machine that fitted it), the loaded model kept
    # it, and its refit on other data replaced that fit's checkpoint and added a log version there
    assert json.loads((tmp_path / "model" / "config.json").read_text())["params"]["log_dir"] is None
    checkpoint = (logs / CHECKPOINT).read_bytes()
    loaded = rnnkit.load(tmp_path / "model")
    assert loaded.log_dir is None
    loaded.fit(X[::-1].copy(), y[::-1].copy())
    assert (logs / CHECKPOINT).read_bytes() == checkpoint
    assert sorted(p.name for p in (logs / "csv").iterdir()) == ["version_0"]
    # a model saved before this fix, its config naming the log_dir, loads without it too
    est = SequenceClassifier(**TINY, log_dir=str(logs)).fit(X, y)
    write_directory_atomically(tmp_path / "old", estimator_files(est, params=est.get_params(deep=False)))
    assert json.loads((tmp_path / "old" / "config.json").read_text())["params"]["log_dir"] == str(logs)
    old = rnnkit.load(tmp_path / "old")
    assert old.log_dir is None and (old.predict(X) == est.predict(X)).all()


def test_left8_2_a_saved_forecaster_keeps_no_log_dir(airline, tmp_path):
    Forecaster(**FORECAST, log_dir=str(tmp_path / "logs")).fit(airline).save(tmp_path / "model")
    assert json.loads((tmp_path / "model" / "config.json").read_text())["params"]["log_dir"] is None
    assert Forecaster.load(tmp_path / "model").log_dir is None


# -- 3. the folds of a cross-validation sharing one log_dir -------------------------------------------------------
def test_left8_3_folds_sharing_a_log_dir_are_told_they_replace_each_other_s_checkpoint(gunpoint, tmp_path):
    X, y = gunpoint
    logs = str(tmp_path / "logs")
    with warnings.catch_warnings(record=True) as caught:  # before: no word; only the last fold's checkpoint stayed
        warnings.simplefilter("always")
        cross_val_score(SequenceClassifier(**TINY, log_dir=logs), X, y, cv=2, error_score="raise")
    replaced = [str(w.message) for w in caught if "this fit replaces it" in str(w.message)]
    assert len(replaced) == 1, replaced  # the second fold replaces the first's
    assert "\n" not in replaced[0]
    assert replaced[0].startswith(f"SequenceClassifier.fit: {tmp_path / 'logs' / CHECKPOINT} belongs to another run: "
                                  "the data differ, and this fit replaces it")
    assert replaced[0].endswith("give each fit its own log_dir (log_dir=None in a search)")
    # resuming the search: the first fold finds the last fold's checkpoint, which it refuses (as before), now
    # naming the shared log_dir as the cause
    with pytest.raises(ValueError) as e:
        cross_val_score(SequenceClassifier(**TINY, log_dir=logs), X, y, cv=2, params={"resume": True},
                        error_score="raise")
    assert "belongs to another run: the data differ" in one_line(e)
    assert one_line(e).endswith("(fits that share one log_dir, such as the folds of a cross-validation, replace "
                                "each other's checkpoint: give each its own log_dir)")


def test_left8_3_a_rerun_of_the_same_fit_replaces_its_checkpoint_without_a_word(gunpoint, tmp_path):
    X, y = gunpoint
    est = SequenceClassifier(**TINY, log_dir=str(tmp_path))
    est.fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for the same run
        est.fit(X, y)
    with pytest.warns(UserWarning, match=r"belongs to another run: hidden_size 4 then, 5 now, and this fit replaces"):
        est.set_params(hidden_size=5).fit(X, y)
    assert torch.load(tmp_path / CHECKPOINT, weights_only=True)["rnnkit_run"]["params"]["hidden_size"] == 5


def test_left8_3_the_folds_of_a_forecaster_s_backtest_log_each_in_their_own_directory(airline, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # before: the second fold replaced the first's checkpoint in log_dir
        Forecaster(**FORECAST, log_dir=str(tmp_path)).backtest(airline, folds=2)
    sha = [torch.load(tmp_path / "backtest" / f"fold_{k}" / CHECKPOINT, weights_only=True)["rnnkit_run"]["data_sha256"]
           for k in (0, 1)]
    assert sha[0] != sha[1] and not (tmp_path / CHECKPOINT).exists()


# -- 4. stream ids that Python counts equal -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def streaming(gunpoint, tmp_path_factory):
    """A tiny classifier of GunPoint read batch-first (T, 1) per step, and its ONNX export."""
    X, y = gunpoint
    clf = SequenceClassifier(**{**TINY, "layout": "ntf"}).fit(X.transpose(0, 2, 1), y)
    directory = tmp_path_factory.mktemp("left8") / "export"
    rnnkit.export_onnx(clf, directory, verbose=False)
    return clf, directory, X.transpose(0, 2, 1)[0]


@pytest.mark.parametrize("backend", ["torch", "onnxruntime"])
def test_left8_4_ids_equal_as_python_compares_them_but_of_another_kind_are_refused(streaming, backend):
    clf, directory, x = streaming
    stream = Streamer(clf if backend == "torch" else directory)
    stream.step(1, x[0])
    for other in (1.0, True, np.float32(1)):  # before: each continued stream 1, three callers sharing one state
        with pytest.raises(ValueError) as e:
            stream.step(other, x[1])
        assert one_line(e).startswith(f"Streamer: stream id {other!r} ({type(other).__name__}) equals the id 1 (int) "
                                      "of a running stream")
        assert one_line(e).endswith("give each stream one id of one type (str ids cannot collide), or reset the "
                                    "other first")
    with pytest.raises(ValueError, match=r"stream id True \(bool\) equals the id 1 \(int\)"):
        stream.step_many({True: x[1], "sensor-2": x[1]})
    with pytest.raises(ValueError, match=r"stream id True \(bool\) equals the id 1 \(int\)"):
        stream.reset(True)
    assert stream.streams == [1]  # nothing else started, stream 1 neither reset nor stepped
    # the same kind continues the stream: numpy's int (an id read from a pandas column) is stream 1
    alone = Streamer(clf if backend == "torch" else directory)
    alone.step("a", x[0])
    expected = alone.step("a", x[1]).probabilities
    np.testing.assert_allclose(stream.step(np.int64(1), x[1]).probabilities, expected, rtol=1e-5, atol=1e-6)
    stream.step((1, "left"), x[0])
    with pytest.raises(ValueError, match=r"stream id \(True, 'left'\) \(bool, str\) equals the id \(1, 'left'\) "
                                         r"\(int, str\)"):
        stream.step((True, "left"), x[1])
    stream.step(2, x[0])  # another value: its own stream
    assert stream.streams == [1, (1, "left"), 2]
