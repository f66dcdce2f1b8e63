"""The thirty-second round, deployment, third pass: a one-feature model's sequence sent to the server as a bare flat
list of numbers, without the list of sequences around it (S32-13), or as sktime's ``(1, T)`` row of one channel
(S32-14): refused, as before, with the body that sends each reading (``predict`` refuses a 1-D array and names both)."""

import numpy as np
import pytest

import rnnkit

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from rnnkit.deploy.server import create_app  # noqa: E402

TINY = dict(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False, frontend=None, crop=None)


def regressor(n_features: int):
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(3, 9), n_features)) for _ in range(30)]
    return rnnkit.SequenceRegressor(**TINY).fit(X, [x.sum() for x in X])


@pytest.fixture(scope="module")
def one():
    """A regressor of one feature and a client of its server."""
    reg = regressor(1)
    return reg, TestClient(create_app(reg))


def test_S32_13_a_bare_flat_list_of_numbers_names_the_bodies_of_both_readings(one):
    # before: 400 "sequence 0 must be a list of steps, got a JSON number", no word of the list of sequences
    reg, client = one
    flat = [0.1, 0.5, -0.3, 0.2]
    answer = client.post("/predict", json={"sequences": flat})
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert '"sequences" is a flat list of 4 numbers' in detail
    assert '{"sequences": [[0.1, 0.5, ...]]}' in detail and '[[[0.1]], [[0.5]], ...]' in detail
    # the body it names for T steps answers as predict reads the sequence alone
    sent = client.post("/predict", json={"sequences": [flat]}).json()["predictions"]
    np.testing.assert_allclose(sent, reg.predict([np.array(flat)]), rtol=1e-6)
    assert "one sequence of one step" in client.post("/predict", json={"sequences": [0.1]}).json()["detail"]
    three = TestClient(create_app(regressor(3)))
    detail = three.post("/predict", json={"sequences": [0.1, 0.5, -0.3]}).json()["detail"]
    assert "the model reads steps of 3 features" in detail and '{"sequences": [[[0.1, 0.5, ...]]]}' in detail


def test_S32_14_sktimes_one_channel_row_names_the_sequence_of_numbers_to_send(one):
    # before: 422 "... (sequence 0 is 1 lists of 4: channels by time? ... transpose it)"
    reg, client = one
    row = np.array([[0.1, 0.5, -0.3, 0.2]])  # X[i] of sktime's (n, 1, T)
    answer = client.post("/predict", json={"sequences": [row.tolist()]})
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert "one list of 4 numbers inside a list, (1, T)" in detail and '{"sequences": [[0.1, 0.5, ...]]}' in detail
    sent = client.post("/predict", json={"sequences": [row[0].tolist()]}).json()["predictions"]
    np.testing.assert_allclose(sent, reg.predict(row), rtol=1e-6)
