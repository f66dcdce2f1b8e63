"""The cases the sixth catalogue left open (docs/bad_inputs.md, "Still open here"), each now refused by name or
said aloud: X in another order than y to the sktime adapter, historical_forecasts from before the series, a NaN
per-sequence label in pad_collate, a time-named column read as a feature of a long CSV."""

import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit.data import pad_collate, read_sequences

pytest.importorskip("sktime")


@pytest.fixture(scope="module")
def airline_direct():
    from sktime.datasets import load_airline

    from rnnkit import Forecaster

    return Forecaster(horizon=3, model="direct", hidden_size=4, max_epochs=1, random_state=0).fit(load_airline())


@pytest.mark.parametrize("start", [pd.Period("1940-01", "M"), "1940-01-01", pd.Timestamp("1948-12-31")])
def test_historical_forecasts_from_before_the_series_is_refused(airline_direct, start):
    with pytest.raises(ValueError, match=r"start=.* is before the series, which starts at 1949-01; .*leave start"):
        airline_direct.historical_forecasts(start=start)


def test_historical_forecasts_from_inside_the_series_still_works(airline_direct):
    first = airline_direct.historical_forecasts()
    assert airline_direct.historical_forecasts(start="1949-01-01").index[0] == first.index[0]
    assert airline_direct.historical_forecasts(start=pd.Period("1955-01", "M")).index[0] == pd.Period("1955-01", "M")


@pytest.fixture(scope="module")
def longley():
    from sktime.datasets import load_longley

    y, X = load_longley()
    return y, X[["POP"]]


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
def test_sktime_adapter_names_X_out_of_time_order(longley, order):
    from rnnkit.forecast.sktime import RnnkitForecaster

    y, X = longley
    X = X.iloc[:-3]
    X = X.iloc[::-1] if order == "reversed" else X.sample(frac=1, random_state=0)
    f = RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0)
    with pytest.raises(ValueError, match=r"X's index is not in time order: Period\('\d{4}', 'Y-DEC'\) at row \d+ "
                                         r"comes after .*X.sort_index\(\)"):
        f.fit(y.iloc[:-3], X=X, fh=[1, 2, 3])


def test_sktime_adapter_names_unordered_X_at_predict_and_y_at_update(longley):
    from rnnkit.forecast.sktime import RnnkitForecaster

    y, X = longley
    f = RnnkitForecaster(hidden_size=4, max_epochs=1, random_state=0).fit(y.iloc[:-3], X=X.iloc[:-3], fh=[1, 2, 3])
    with pytest.raises(ValueError, match=r"X's index is not in time order: Period\('1961', 'Y-DEC'\) at row 1"):
        f.predict(fh=[1, 2, 3], X=X.iloc[-3:].iloc[::-1])
    with pytest.raises(ValueError, match=r"X's index repeats Period\('1960', 'Y-DEC'\)"):
        f.predict(fh=[1, 2, 3], X=X.iloc[[-3, -3, -1]])
    with pytest.raises(ValueError, match=r"y's index is not in time order.*y.sort_index\(\)"):
        f.update(y.iloc[-3:].iloc[::-1], X=X.iloc[-3:], update_params=False)
    assert f.predict(fh=[1, 2, 3], X=X.iloc[-3:]).index.tolist() == X.index[-3:].tolist()


def test_pad_collate_refuses_a_nan_per_sequence_label():
    with pytest.raises(ValueError, match=r"^the label of item 1 is NaN; label every item"):
        pad_collate([(np.zeros((3, 1)), 0.5), (np.zeros((2, 1)), float("nan"))])
    with pytest.raises(ValueError, match=r"^the label of item 2 is NaN"):
        pad_collate([(np.zeros((3, 1)), np.array([0.5, 1.0]))] * 2 + [(np.zeros((2, 1)), np.array([1.0, np.nan]))])
    # per-step targets may hold NaN on purpose (masked out of the loss): still batched
    batch = pad_collate([(np.zeros((3, 1)), np.array([0.5, 1, np.nan])), (np.zeros((2, 1)), np.array([np.nan, 1]))])
    assert batch.y.shape == (2, 3) and int(batch.y.isnan().sum()) == 2


def test_a_time_named_feature_column_is_said_aloud(tmp_path):
    from sktime.datasets import load_gunpoint

    X, y = load_gunpoint(split="train", return_type="numpy3D")
    rows = [{"id": f"g{i}", "t": t, "x": float(X[i, 0, t]), "target": str(y[i])} for i in range(4) for t in range(150)]
    pd.DataFrame(rows).to_csv(tmp_path / "gun.csv", index=False)
    with pytest.warns(UserWarning, match=r"column 't' is named like a time axis but no time column was given.*"
                                         r"--time-column t"):
        table = read_sequences(tmp_path / "gun.csv")
    assert table.feature_names == ["t", "x"]  # read as documented: a feature, the rows in file order
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_sequences(tmp_path / "gun.csv", time_column="t")
    assert table.feature_names == ["x"] and np.allclose(table.X[0][:, 0], X[0, 0])


@pytest.mark.parametrize("ext", ["csv.gz", "csv.zip", "csv.bz2", "csv.xz"])
def test_a_compressed_csv_is_read_and_its_nul_bytes_checked_inside(tmp_path, ext):
    """pandas reads a compressed CSV by its name; the NUL-byte check (R41) read the compressed bytes and refused
    every such file as binary."""
    rows = [{"id": f"s{i}", "t": t, "x": float(np.sin(i + t)), "target": i % 2} for i in range(6) for t in range(5)]
    frame = pd.DataFrame(rows)
    frame.to_csv(tmp_path / f"d.{ext}", index=False)
    table = read_sequences(tmp_path / f"d.{ext}", time_column="t")
    assert len(table.X) == 6 and np.allclose(table.X[2][:, 0], np.sin(2 + np.arange(5)), atol=1e-6)
    if ext == "csv.gz":
        import gzip

        with gzip.open(tmp_path / "nul.csv.gz", "wt") as f:
            f.write(frame.to_csv(index=False).replace("\ns0,1,", "\ns0,1,\x00", 1))
        with pytest.raises(ValueError, match=r"line 3 has a NUL byte"):
            read_sequences(tmp_path / "nul.csv.gz", time_column="t")


def test_a_semicolon_file_with_decimal_commas_is_told_both(tmp_path):
    frame = pd.DataFrame({"id": ["a"] * 3 + ["b"] * 3, "t": [0, 1, 2] * 2, "x": [0.5, 1.25, 2.0, 3.5, 4.0, 5.5],
                          "target": [0] * 3 + [1] * 3})
    frame.to_csv(tmp_path / "comma.csv", sep=";", decimal=",", index=False)
    with pytest.raises(ValueError, match=r"pd.read_csv\(path, sep=';', decimal=','\)"):
        read_sequences(tmp_path / "comma.csv", time_column="t")
    frame.to_csv(tmp_path / "point.csv", sep=";", index=False)
    with pytest.raises(ValueError, match=r"pd.read_csv\(path, sep=';'\)\.to_csv"):
        read_sequences(tmp_path / "point.csv", time_column="t")


def test_serve_of_a_forecaster_says_its_prefix_once(tmp_path, capsys):
    from sktime.datasets import load_airline

    from rnnkit import Forecaster
    from rnnkit.cli import main

    Forecaster(horizon=2, model="direct", hidden_size=4, max_epochs=1, random_state=0).fit(
        load_airline()).save(tmp_path / "fc")
    assert main(["serve", str(tmp_path / "fc")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnnkit serve: error: expected a fitted SequenceClassifier") and "serve: serve:" not in err
    assert "a forecaster is not served" in err


def test_a_comment_line_above_the_header_is_named_as_such(tmp_path):
    rows = [{"id": f"s{i}", "t": t, "x": float(t), "target": i % 2} for i in range(4) for t in range(3)]
    (tmp_path / "c.csv").write_text("# GunPoint subset exported 2026\n" + pd.DataFrame(rows).to_csv(index=False))
    with pytest.raises(ValueError, match=r"line 1, '# GunPoint subset exported 2026', is a comment, not the header"):
        read_sequences(tmp_path / "c.csv", time_column="t")


def test_forecast_csv_with_a_repeated_year_quotes_the_cells_as_written(tmp_path):
    import statsmodels.api as sm

    from rnnkit.forecast.series import read_series_csv

    macro = sm.datasets.macrodata.load_pandas().data[["year", "quarter", "realgdp"]].head(12)
    macro.to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(ValueError, match=r"repeats at line 3 \(1959\.0 after 1959\.0 on line 2\)"):
        read_series_csv(tmp_path / "m.csv", time_column="year", target_column="realgdp")


@pytest.mark.parametrize("params, why", [
    ({"stride": 4}, "was chosen for this data"),
    ({"frontend": None, "stride": 4}, "was given"),
    ({"stride": 4, "time_aware": True}, "goes with time_aware=True or tbptt_steps"),
])
def test_a_stride_without_a_front_end_is_refused(params, why):
    """A stride kept in choices_ and never used (the seventh command-line catalogue's K7-12, in Python)."""
    from rnnkit import SequenceClassifier

    X = np.random.default_rng(0).normal(size=(16, 30, 1)).astype(np.float32)
    y = np.arange(16) % 2
    with pytest.raises(ValueError, match=rf"stride=4 is the stride of a front-end, but frontend=None {why}"):
        SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, **params).fit(X, y)
    clf = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, stride=4, frontend="conv").fit(X, y)
    assert clf.choices_["frontend"] == "conv" and clf.choices_["stride"] == 4
