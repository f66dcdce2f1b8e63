"""Thirty-seventh round, the lead's row: an index (not a column) of Excel serial days named as dates."""
import warnings

import numpy as np
import pandas as pd
import pytest

from rnnkit import Forecaster


def _weekly(index: pd.Index) -> pd.Series:
    rng = np.random.default_rng(0)
    steps = np.arange(len(index))
    return pd.Series(10 + np.sin(steps * 2 * np.pi / 7) + rng.normal(0, 0.1, len(index)), index=index, name="y")


def test_L37_01_an_index_of_excel_days_named_as_dates_is_warned_of_as_a_column_is():
    days = np.arange(44927, 44927 + 60)
    with pytest.warns(UserWarning, match=r"Forecaster.fit: the index holds whole numbers 44927 \.\. 44986, a day "
                      r"apart, that read as Excel serial dates .*44927 is 2023-01-01.*data\.index = "
                      r"pd\.to_datetime\(data\.index, unit='D', origin='1899-12-30'\)"):
        Forecaster(horizon=7, model="direct", max_epochs=1).fit(_weekly(pd.Index(days, name="Date")))
    # an unnamed index of numbers in that range is row numbers or counts as far as anyone can tell: no word
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*Excel serial dates")
        Forecaster(horizon=7, model="direct", max_epochs=1).fit(_weekly(pd.Index(days)))
