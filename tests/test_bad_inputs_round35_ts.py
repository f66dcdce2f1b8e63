"""Thirty-fifth round (ts): values and time axes as users' own exports hold them: numbers with a thousands
separator, a unit or a mark of a missing reading in their cells; wide tables pivoted with dates as column labels;
a German export's thousands dots; two overlapping exports joined. Each test fails on the commit before its fix."""

import re

import numpy as np
import pandas as pd
import pytest

from rnnkit.data.tables import read_sequences
from rnnkit.data.timeseries import TimeSeriesFrame
from rnnkit.forecast import Forecaster

DAYS = pd.date_range("2021-01-01", periods=40, freq="D")
VALUES = np.random.default_rng(0).normal(1000, 300, size=40).round(0)


def _long_csv(tmp_path, cells) -> str:
    """A long CSV of 4 sequences of 10 steps whose feature column 'w' holds ``cells``."""
    frame = pd.DataFrame({"id": np.repeat([f"s{k}" for k in range(4)], 10), "t": np.tile(np.arange(10), 4),
                          "w": cells, "label": np.repeat([0, 1, 0, 1], 10)})
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    return str(path)


def test_t35_01_thousands_separator_in_a_forecaster_frame():
    """A CSV of values over 1000 written '1,038', read without thousands=',': the refusal advised
    pd.to_numeric(..., errors='coerce'), which makes every value over 1000 NaN (19 of the 40 here)."""
    data = pd.DataFrame({"date": DAYS, "value": [f"{v:,.0f}" for v in VALUES]})
    with pytest.raises(ValueError, match=r"'value' .*numbers written with a comma that is a thousands separator or "
                                         r"a decimal comma \(e\.g\. '1,038', 19 such cells\), which pd\.to_numeric "
                                         r"makes NaN, errors='coerce' too: read the CSV with thousands=','") as info:
        Forecaster(horizon=2, max_epochs=1).fit(data, time_col="date")
    assert "errors='coerce') makes them NaN" not in str(info.value)


def test_t35_02_numbers_with_a_unit(tmp_path):
    """'1038 kg' in every cell was called words, a category to one-hot encode (TimeSeriesFrame, Forecaster), or
    'not numeric; convert or drop them' (read_sequences); the fix now strips the unit and reads the numbers."""
    data = pd.DataFrame({"date": DAYS, "value": [f"{v:,.0f} kg" for v in VALUES]})
    with pytest.raises(ValueError, match=r"numbers with the unit 'kg' \(e\.g\. '1,038 kg'\).*convert it, "
                                         r"pd\.to_numeric\(df\['value'\]\.str\.replace") as info:
        TimeSeriesFrame.from_pandas(data, time_col="date")
    assert "category" not in str(info.value)
    df = data  # the fix as the message writes it
    df["value"] = eval(str(info.value).split("convert it, ")[1].split(", or leave")[0])
    np.testing.assert_array_equal(TimeSeriesFrame.from_pandas(df, time_col="date").values.ravel(), VALUES)
    with pytest.raises(ValueError, match=r"numbers with the unit 'kg' \(e\.g\. '1,038 kg'\)"):
        Forecaster(horizon=2, max_epochs=1).fit(data.assign(value=[f"{v:,.0f} kg" for v in VALUES]), time_col="date")
    path = _long_csv(tmp_path, [f"{v:.1f}°C" for v in VALUES])
    with pytest.raises(ValueError, match=r"feature column 'w' holds numbers with the unit '°C' \(line 2 has "
                                         r"'1038\.0°C' in 'w'\).*df\['w'\] = pd\.to_numeric\(df\['w'\]\.str\.replace"):
        read_sequences(path, time_column="t", target_column="label")


@pytest.mark.parametrize("mark", ["-", "?", "--"])
def test_t35_03_missing_marks_to_from_csv(tmp_path, mark):
    """Missing readings written '-' (or '?', '--') in an export: from_csv said only 'convert it with
    pd.to_numeric(..., errors='coerce')', naming no cell and no row; now it names them and na_values=[...]."""
    cells = [str(v) for v in VALUES]
    cells[5] = cells[17] = mark
    path = tmp_path / "d.csv"
    pd.DataFrame({"date": DAYS.strftime("%Y-%m-%d"), "value": cells}).to_csv(path, index=False)
    m = re.escape(mark)
    with pytest.raises(ValueError, match=rf"'value' .*holds numbers with 2 cell\(s\) written '{m}' \(the first "
                                         rf"at row 5\), the mark of a missing reading.*na_values=\['{m}'\]"):
        TimeSeriesFrame.from_csv(path, time_col="date")
    frame = TimeSeriesFrame.from_csv(path, time_col="date", na_values=[mark])
    assert np.isnan(frame.values[[5, 17], 0]).all() and np.isfinite(np.delete(frame.values[:, 0], [5, 17])).all()


def test_t35_04_missing_marks_and_read_sequences(tmp_path):
    """read_sequences (rnnkit train) of a long CSV with '-' for missing readings: 'not numeric ...; convert or
    drop them' (dropping the column), even with missing_values=True; now the mark, its line and na_values."""
    cells = [str(v) for v in VALUES]
    cells[5] = cells[23] = "-"
    path = _long_csv(tmp_path, cells)
    for missing in (False, True):
        with pytest.raises(ValueError, match=r"feature column 'w' holds numbers with 2 cell\(s\) written '-' \(line 7 "
                                             r"has '-' in 'w'\), the mark of a missing reading.*pd\.read_csv\(path, "
                                             r"na_values=\['-'\]\)\.to_csv\(new_path, index=False\)"):
            read_sequences(path, time_column="t", target_column="label", missing_values=missing)
    pd.read_csv(path, na_values=["-"]).to_csv(path, index=False)  # the fix
    table = read_sequences(path, time_column="t", target_column="label", missing_values=True)
    assert int(np.isnan(np.concatenate([x.ravel() for x in table.X])).sum()) == 2
