"""The one registry of cells by name: every name builds its layer, trains, saves and loads."""

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.models import CELL_NAMES, NAMED_CELLS, build_encoder


@pytest.mark.parametrize("name", CELL_NAMES)
def test_every_name_builds_its_layer(name):
    encoder = build_encoder(name, 3, 5, num_layers=2, bidirectional=True)
    assert isinstance(encoder, NAMED_CELLS[name])
    out, _ = encoder(torch.randn(2, 7, 3), torch.tensor([7, 4]))
    assert out.shape == (2, 7, 10)
    assert isinstance(NAMED_CELLS[name].make_cell(3, 5), rnnkit.Cell)


@pytest.mark.parametrize("name", CELL_NAMES)
def test_every_name_trains_saves_and_loads(name, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 9, 2)).astype(np.float32)
    y = np.where(X[:, :, 0].mean(1) > 0, "up", "down")
    clf = rnnkit.SequenceClassifier(cell=name, hidden_size=4, max_epochs=1, random_state=0).fit(X, y)
    clf.save(tmp_path / "model")
    back = rnnkit.load(tmp_path / "model")
    assert back.cell == name
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))


def test_unknown_name_lists_the_registry():
    with pytest.raises(ValueError, match="mingru"):
        build_encoder("lstmm", 3, 5)
