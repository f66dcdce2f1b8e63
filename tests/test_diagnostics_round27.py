"""Round 27: a user's own models and data through rnnkit.diagnostics (docs/bad_inputs.md, X27-NN)."""

import warnings

import numpy as np
import pytest
import torch

import rnnkit
from rnnkit.diagnostics import gate_statistics, gradient_flow, hidden_states, saliency


@pytest.fixture(scope="module")
def timed():
    """A time-aware classifier fitted with irregular sample times, the data and the times."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 8, 2)).astype("float32")
    y = np.array([0, 1] * 6)
    times = np.cumsum(rng.uniform(0.5, 2.0, size=(12, 8)), axis=1)
    est = rnnkit.SequenceClassifier(cell="gru", hidden_size=4, max_epochs=1, time_aware=True, random_state=0,
                                    frontend=None, n_members=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y, times=times)
    return est, X, y, times


def test_X27_01_a_model_fitted_with_sample_times_is_read_with_them(timed):
    est, X, y, times = timed
    # the diagnostics take times and pass them to prepare_batch: the network reads the decays of these gaps
    x, lengths, _ = est.prepare_batch(X, times=times)
    ours = hidden_states(est, X, times=times)
    reference = hidden_states(est.model_, x, lengths=lengths)
    np.testing.assert_allclose(ours.h["l0"], reference.h["l0"], rtol=1e-6, atol=1e-7)
    stretched = hidden_states(est, X, times=times * np.linspace(1, 3, 8))  # other gaps: other states
    assert not np.allclose(ours.h["l0"], stretched.h["l0"])
    scores = saliency(est, X, times=times).score
    logits = est.model_(x, lengths)
    logits = logits[0] if isinstance(logits, tuple) else logits
    np.testing.assert_allclose(scores, logits.max(dim=1).values.detach().double().numpy(), rtol=1e-5, atol=1e-6)
    assert set(gradient_flow(est, X, y, times=times).reach) == {"l0"}
    # without them: refused, naming the diagnostic's own times= (which did not exist before)
    with pytest.raises(ValueError, match=r"hidden_states: this SequenceClassifier was fitted with sample times .*"
                                         r"hidden_states\(model, X, \.\.\., times=times\)"):
        hidden_states(est, X)
    # a module reads X as given: times given to it are refused, not ignored
    with pytest.raises(ValueError, match=r"gate_statistics: times given, but a .* reads X as given"):
        gate_statistics(est.model_, x, lengths=lengths, times=times)


@pytest.fixture(scope="module")
def ensemble():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(12, 8, 2)).astype("float32")
    y = np.array([0, 1] * 6)
    est = rnnkit.SequenceClassifier(cell="lstm", hidden_size=4, bidirectional=False, max_epochs=1, random_state=0,
                                    n_members=3, frontend=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    return est, X, y


def test_X27_02_a_readout_that_reaches_one_member_of_an_ensemble_is_refused_not_reach_0(ensemble):
    est, X, y = ensemble
    assert type(est.model_).__name__ == "Ensemble"
    with pytest.raises(ValueError, match=r"gradient_flow: loss='readout' reads the final state of the last rnnkit "
                                         r"layer to run \(members\.2\.encoder\), which no path joins to directions "
                                         r"\['members\.0\.encoder\.l0', 'members\.1\.encoder\.l0'\]"):
        gradient_flow(est, X)
    # the model's own loss reaches every member; one member alone reads as it does inside the ensemble
    flow = gradient_flow(est, X, y)
    assert all(flow.norms[f"members.{k}.encoder.l0"][-1] > 0 for k in range(3))
    x, lengths, _ = est.prepare_batch(X)
    alone = gradient_flow(est.model_.members[0], x, lengths=lengths, loss="sum")
    assert alone.reach["l0"] >= 1 and alone.norms["l0"][-1] > 0


def test_X27_03_an_empty_list_of_sequences_is_refused_as_empty_by_the_diagnostic_named():
    with pytest.raises(ValueError, match=r"^saliency: X is empty \(no sequences, shape \(0,\)\); give at least one "
                                         r"sequence"):
        saliency(rnnkit.LSTM(2, 4), [])
    with pytest.raises(ValueError, match=r"^hidden_states: X is empty"):
        hidden_states(rnnkit.GRU(2, 4), np.zeros(0, dtype="float32"))


def test_X27_04_gate_statistics_of_a_time_aware_model_reports_its_inner_cells_gates(timed):
    # once refused by name (X27-04); since K33-06 a TimeAware direction reports its inner cell's gates, fed the
    # decayed state as its step feeds them (tests/test_bad_inputs_round33_core_b.py checks them by hand)
    est, X, _, times = timed
    stats = gate_statistics(est, X, times=times)
    assert list(stats.activations) == ["l0"] and list(stats.activations["l0"]) == ["r", "z", "n"]
    z = stats.activations["l0"]["z"]
    assert z.shape == (12, 8, 4) and np.isfinite(z).all() and ((z > 0) & (z < 1)).all()
    stretched = gate_statistics(est, X, times=times * np.linspace(1, 3, 8))  # other gaps, other decays: other gates
    assert np.abs(stretched.activations["l0"]["z"][:, 1:] - z[:, 1:]).max() > 1e-4
    with pytest.raises(ValueError, match=r"gate_statistics: no LSTM, GRU or tanh Elman direction in the model \(its "
                                         r"directions' cells: \{'l0': 'TimeAware\(MinGRUCell\)'\}\), so there are no "
                                         r"gates to report; look at its states with hidden_states\(model, X\)"):
        gate_statistics(rnnkit.Recurrent(rnnkit.TimeAware(rnnkit.MinGRUCell(4, 3))),
                        rnnkit.time_aware_inputs(torch.randn(2, 5, 2)))


class _LastStep(torch.nn.Module):
    """A user's classifier whose forward takes x alone."""

    def __init__(self):
        super().__init__()
        self.rnn, self.fc = rnnkit.LSTM(2, 4), torch.nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(self.rnn(x)[0][:, -1])


def test_X27_05_lengths_given_to_a_module_that_takes_x_alone_are_refused_before_its_forward():
    X = torch.randn(5, 8, 2)
    with pytest.raises(ValueError, match=r"^hidden_states: lengths given, but _LastStep\.forward takes x alone"):
        hidden_states(_LastStep(), X, lengths=[8, 7, 6, 5, 4])
    assert hidden_states(_LastStep(), X).h["l0"].shape == (5, 8, 4)  # without lengths it is read whole
    assert set(hidden_states(rnnkit.LSTM(2, 4), X, lengths=[8, 7, 6, 5, 4]).h) == {"l0"}  # a layer takes them
