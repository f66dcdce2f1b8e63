"""Every cell of the registry trains in the Forecaster, plain and wrapped in TimeAware, and saves and loads."""

import json

import numpy as np
import pandas as pd
import pytest

from rnnkit import TimeAware
from rnnkit.forecast import Forecaster
from rnnkit.models import CELL_NAMES, NAMED_CELLS


def _series():
    t = np.arange(40)
    y = pd.Series(np.sin(t / 3) + 0.01 * t, index=pd.date_range("2024-01-01", periods=40, freq="D"), name="y")
    y.iloc[[5, 6, 20]] = np.nan  # gaps: the time-aware cell decays over them
    return y


@pytest.mark.parametrize("time_aware", [False, True])
@pytest.mark.parametrize("name", CELL_NAMES)
def test_every_registry_cell_fits_saves_and_loads(name, time_aware, tmp_path):
    y = _series()
    f = Forecaster(lookback=6, horizon=2, cell=name, hidden_size=4, max_epochs=1, batch_size=16,
                   time_aware=time_aware, random_state=0, model="direct").fit(y)
    encoder = f.model_.net.encoder
    if time_aware:
        cell = encoder.layers[0].cell
        assert isinstance(cell, TimeAware)
        assert type(cell.cell) is type(NAMED_CELLS[name].make_cell(2, 2))  # the registry's cell, inside
        assert f.input_names_ == ("y", "y_mask", "y_since")
    else:
        assert type(encoder) is NAMED_CELLS[name]
    pred = f.predict()
    assert pred.shape == (2,) and np.isfinite(pred.to_numpy()).all()
    f.save(tmp_path / name)
    assert json.loads((tmp_path / name / "config.json").read_text())["params"]["cell"] == name
    g = Forecaster.load(tmp_path / name)
    pd.testing.assert_series_equal(g.predict(), pred)
    pd.testing.assert_frame_equal(g.historical_forecasts(), f.historical_forecasts())


def test_an_unknown_cell_name_is_refused_with_the_registry_names():
    with pytest.raises(ValueError, match=r"Forecaster: unknown cell 'lstmm'.*minlstm"):
        Forecaster(lookback=6, horizon=2, cell="lstmm").fit(_series())
