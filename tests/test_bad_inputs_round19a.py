"""Nineteenth round (G19): the diagnostics, the comparison and the tasks tried as a new user would, on sktime's
ItalyPowerDemand (24 steps, 2 classes) and ShampooSales, with fitted and unfitted estimators, forecasters,
torch.nn modules and bad arguments. Each test fails on the code before its fix."""


import numpy as np
import pytest
import torch
from helpers import one_line, tiny_forecaster, ucr_train

import rnnkit
from rnnkit.diagnostics import gate_statistics, gradient_flow, hidden_states, saliency

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=8, frontend=None, stride=1,
            pooling="final", lr_schedule=None, random_state=0, device="cpu")


@pytest.fixture(scope="module")
def italy():
    """The first 16 ItalyPowerDemand training series, ``(16, 24, 1)`` float32, and their labels ('1' / '2')."""
    return ucr_train("italy_power_demand", 16, batch_first=True)


@pytest.fixture(scope="module")
def shampoo():
    datasets = pytest.importorskip("sktime.datasets")
    return datasets.load_shampoo_sales()


@pytest.mark.parametrize("diagnostic", [saliency, hidden_states, gate_statistics])
def test_g19_01_an_unfitted_estimator_in_a_diagnostic_without_y_says_fit_it_or_use_gradient_flow(italy, diagnostic):
    X, y = italy
    clf = rnnkit.SequenceClassifier(**TINY)
    with pytest.raises(ValueError) as err:
        diagnostic(clf, X)
    name = diagnostic.__name__
    assert one_line(err) == (f"{name}: SequenceClassifier is not fitted, and its untrained network needs the targets y "
                             f"to size its outputs, which {name} does not take; fit it first (model.fit(X, y)), or "
                             f"measure the untrained network with gradient_flow(model, X, y)")
    assert set(gradient_flow(clf, X, y).reach) == {"l0"}  # the untrained network, measured as the message says


def test_g19_02_a_forecaster_is_refused_rather_than_read_on_x_as_given(shampoo):
    fc = tiny_forecaster().fit(shampoo)  # its net reads standardised windows
    window = shampoo.to_numpy(np.float32)[None, -4:, None]
    for diagnostic in (saliency, hidden_states, gradient_flow):
        with pytest.raises(ValueError) as err:
            diagnostic(fc, window)
        assert one_line(err).startswith(f"{diagnostic.__name__}: a fitted Forecaster's network reads windows "
                                        "standardised")
    with pytest.raises(ValueError) as err:
        saliency(rnnkit.Forecaster(horizon=2), window)
    assert one_line(err) == ("saliency: Forecaster is not fitted (no model_), and it has no build_model(X, y) to build "
                             "its network untrained; fit it first")
    fc.model_ = None  # as a fit whose choice is a classical forecast leaves it
    with pytest.raises(ValueError) as err:
        saliency(fc, window)
    assert one_line(err) == ("saliency: this fitted Forecaster holds no network (model_ is None) (choices_['model'] "
                             "says why), so there is no recurrent layer to look at; fit it with a network (e.g. "
                             "model='direct')")


def test_g19_03_a_torch_nn_recurrent_module_is_named_with_its_conversion():
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(3, 4, batch_first=True)
    x = torch.randn(2, 5, 3)
    with pytest.raises(ValueError) as err:
        gradient_flow(lstm, x)
    assert one_line(err) == ("gradient_flow: LSTM contains no rnnkit recurrent layer; it is a torch.nn.LSTM, whose "
                             "steps the diagnostics cannot see: convert it with rnnkit.LSTM.from_torch(module) (the "
                             "same weights, the same function)")

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn, self.head = torch.nn.GRU(3, 4, batch_first=True), torch.nn.Linear(4, 2)

        def forward(self, x):
            return self.head(self.rnn(x)[0][:, -1])

    net = Net()
    with pytest.raises(ValueError) as err:
        saliency(net, x)
    assert one_line(err).endswith("its 'rnn' is a torch.nn.GRU, whose steps the diagnostics cannot see: convert it "
                                  "with rnnkit.GRU.from_torch(module.rnn) (the same weights, the same function)")
    expected = torch.autograd.functional.jacobian(lambda v: net(v)[:, 0].sum(), x)
    net.rnn = rnnkit.GRU.from_torch(net.rnn)  # as the message says: the same function, now diagnosable
    assert np.allclose(saliency(net, x, target=0).gradient, expected.numpy(), atol=1e-5)


def test_g19_04_plot_of_a_sample_or_field_the_result_lacks_is_named(italy):
    X, y = italy
    clf = rnnkit.SequenceClassifier(**TINY).fit(X, y)
    with pytest.raises(ValueError) as err:
        saliency(clf, X[:4]).plot(sample=4)
    assert one_line(err) == ("Saliency.plot: sample must be the index of one of the 4 sequences the result holds (0 "
                             "to 3), got 4")
    states = hidden_states(clf, X[:4])
    with pytest.raises(ValueError) as err:
        states.plot(sample=7)
    assert "HiddenStates.plot: sample must be the index of one of the 4 sequences" in one_line(err)
    with pytest.raises(ValueError) as err:
        states.plot(field="c")  # a GRU has no memory cell
    assert one_line(err) == "HiddenStates.plot: no direction has a state field 'c'; its fields are ['h']"
    assert states.plot(sample=-1).axes  # the last sequence, as numpy indexes


def test_g19_05_gate_statistics_threshold_of_another_type_is_named(italy):
    X, y = italy
    clf = rnnkit.SequenceClassifier(**TINY).fit(X, y)
    for threshold in ("0.9", None, True):
        with pytest.raises(ValueError) as err:
            gate_statistics(clf, X, threshold=threshold)
        # the rule, then its fix since round 45 (K45-04): text told the number, others the default
        assert one_line(err).startswith(f"gate_statistics: threshold must be a number in (0.5, 1), got {threshold!r}; ")
    assert gate_statistics(clf, X, threshold=0.8).threshold == 0.8


def test_g19_06_saliency_of_a_time_aware_estimator_is_over_x_values_not_the_mask_and_gaps(italy):
    X, y = italy
    X = X.copy()
    X[:, 2::3] = np.nan  # a third of the readings missing
    clf = rnnkit.SequenceClassifier(**TINY, time_aware=True).fit(X, y)
    s = saliency(clf, X, target="1")
    assert s.gradient.shape == X.shape  # (B, T, F) as X, not the network's (B, T, 3F)
    assert np.all(s.gradient[:, 2::3] == 0)  # a missing value is imputed by the cell: X's NaN does not enter
    x, lengths, _ = clf.prepare_batch(X)  # by hand: the first F channels of the network's input [x, m, δ]
    x.requires_grad_(True)
    out, _ = clf.model_.eval()(x, lengths)
    (gradient,) = torch.autograd.grad(out[:, 0].sum(), x)
    assert np.allclose(s.gradient, gradient[..., :1].numpy(), atol=1e-6)
    assert np.allclose(s.grad_times_input, (gradient * x)[..., :1].sum(-1).detach().numpy(), atol=1e-6)


@pytest.mark.parametrize("equal_params", ["no", 1, None])
def test_g19_07_compare_equal_params_not_a_bool_is_refused_before_any_run(equal_params):
    from rnnkit.compare import compare

    with pytest.raises(ValueError) as err:
        compare("digits", lengths=[None], cells=["rnn"], seeds=1, steps=1, equal_params=equal_params,
                log=lambda *a: None)
    assert one_line(err) == (f"compare: equal_params must be True or False (True: every cell at the parameter count "
                             f"of an LSTM of hidden_size; rnnkit compare --equal-params), got {equal_params!r}")


@pytest.mark.parametrize("params, message", [
    (dict(T=3.5), "get_task: T must be an integer (the sequence length) for task 'adding', got 3.5"),
    (dict(T=10, n_train=0), "get_task: n_train must be an integer >= 1 for task 'adding', got 0"),
    (dict(T=10, n_test=2.0), "get_task: n_test must be an integer >= 1 for task 'adding', got 2.0 (a float); "
                             "pass n_test=2, an int"),
    (dict(T=10, seed=-1), "get_task: seed must be an integer >= 0 for task 'adding', got -1"),
])
def test_g19_08_get_task_counts_that_are_not_counts_are_named(params, message):
    from rnnkit.tasks import get_task

    with pytest.raises(ValueError) as err:
        get_task("adding", **params)
    assert one_line(err) == message


def test_g19_09_a_nan_reading_in_x_is_named_not_read_as_a_gradient_that_reaches_nowhere(italy):
    X, _ = italy
    X = X.copy()
    X[3, 5, 0] = np.nan  # one reading missing, as a CSV's empty cell reads
    torch.manual_seed(0)
    net = rnnkit.models.SequenceToLabel(1, 4, 2, cell="lstm")
    for diagnostic in (gradient_flow, saliency, hidden_states, gate_statistics):
        with pytest.raises(ValueError) as err:
            diagnostic(net, X)
        assert one_line(err) == (f"{diagnostic.__name__}: X holds nan at sequence 3, step 5, feature 0, which would "
                                 "make every later state and gradient of that sequence NaN (a gradient that reaches "
                                 "nowhere, a NaN score); fill in or drop the missing values (or fit an estimator with "
                                 "time_aware=True, which reads NaN as missing)")
    lengths = np.full(16, 24)
    lengths[3] = 5  # the NaN is padding past sequence 3's end: not read
    assert gradient_flow(net, X, lengths=lengths).reach["l0"] > 0


def test_g19_10_a_loss_callable_that_returns_no_scalar_is_named():
    torch.manual_seed(0)
    net = rnnkit.models.SequenceToSequence(2, 4, 3)
    with pytest.raises(ValueError) as err:
        gradient_flow(net, torch.randn(2, 5, 2), loss=lambda out, y: out ** 2)
    assert one_line(err) == ("gradient_flow: loss(output, y) must return a scalar tensor, got (2, 5, 3); reduce it "
                             "(e.g. .mean() or .sum())")


def test_g19_11_saliency_target_for_one_value_per_sequence_is_refused_not_ignored():
    datasets = pytest.importorskip("sktime.datasets")
    X, y = datasets.load_tecator(return_type="numpy3D")  # 100 absorbances, fat content
    X, y = X[:8, :, :30].transpose(0, 2, 1).astype(np.float32), np.asarray(y[:8], dtype=float)
    reg = rnnkit.SequenceRegressor(**TINY).fit(X, y)
    with pytest.raises(ValueError) as err:
        saliency(reg, X, target=3)
    assert one_line(err) == ("saliency: target=3 names a class, but the model's output (8, 1) is one value per "
                             "sequence, which is scored itself; leave target out (or pass target=callable(output) -> "
                             "(B,))")
    x, lengths, _ = reg.prepare_batch(X)
    assert np.allclose(saliency(reg, X).score, reg.model_.eval()(x, lengths)[0][:, 0].detach().numpy(), atol=1e-6)


def test_g19_12_mean_sd_of_runs_one_of_which_diverged_is_nan_or_inf_not_a_crash():
    from rnnkit.report import format_stat, mean_sd

    mean, sd = mean_sd([0.5, float("inf")])  # a run whose metric overflowed, beside one that did not
    assert mean == float("inf") and np.isnan(sd)
    mean, sd = mean_sd([0.5, float("nan"), 0.7])
    assert np.isnan(mean) and np.isnan(sd)
    assert format_stat(mean, sd) == "nan"  # not "nan (n = 1)": three runs, one of them diverged
    assert mean_sd([1.0, 2.0, 4.0]) == pytest.approx((7 / 3, np.std([1.0, 2.0, 4.0], ddof=1)))


@pytest.mark.parametrize("options, message", [
    (dict(T=0), "T must be an integer >= 1 (the sequence length: the first step's value recalled at the last), got 0"),
    (dict(steps=0), "steps must be an integer >= 1 (SGD steps), got 0"),
    (dict(clip=0), "clip must be a finite number > 0 (the clipping threshold), got 0"),
    (dict(radius=-2.0), "radius must be a finite number > 0 (the recurrent weights' scale; rnnkit clipping --radius), "
                        "got -2.0"),
    (dict(lr=float("nan")), "lr must be a finite number > 0 (the SGD step; None: chosen from clip and radius), "
                            "got nan"),
])
def test_g19_13_exploding_gradient_demo_options_it_cannot_run_with_are_named(options, message):
    from rnnkit.tasks import exploding_gradient_demo

    with pytest.raises(ValueError) as err:
        exploding_gradient_demo(**options)
    assert one_line(err) == f"exploding_gradient_demo: {message}"


def test_g19_14_saliency_plot_of_x_in_sktimes_layout_is_refused_not_drawn_transposed(italy):
    X, y = italy
    X_nct = X.transpose(0, 2, 1)  # (n, 1, 24), as sktime's numpy3D gives it
    clf = rnnkit.SequenceClassifier(**TINY, layout="nct").fit(X_nct, y)
    s = saliency(clf, X_nct)
    with pytest.raises(ValueError) as err:
        s.plot(X=X_nct)  # before: a heatmap of 24 "features" at one step
    assert one_line(err) == ("Saliency.plot: X[0] has shape (1, 24), but the saliency's steps and features are (T, F) "
                             "= (24, 1); pass X as (n, T, F) (sktime's (n, C, T): X.transpose(0, 2, 1))")
    image = s.plot(X=X_nct.transpose(0, 2, 1)).axes[0].images[0].get_array()
    assert image.shape == (1, 24)  # one feature over 24 steps


def test_g19_15_a_nan_target_of_a_module_is_named_not_read_as_a_gradient_that_reaches_nowhere():
    datasets = pytest.importorskip("sktime.datasets")
    X, y = datasets.load_tecator(return_type="numpy3D")
    X, y = X[:6, :, :20].transpose(0, 2, 1).astype(np.float32), np.asarray(y[:6], dtype=np.float32)
    y[4] = np.nan  # a fat content not measured
    torch.manual_seed(0)
    net = rnnkit.models.SequenceToLabel(1, 4, 1)
    with pytest.raises(ValueError) as err:
        gradient_flow(net, X, y)  # before: reach {'l0': 0}, as if the gradient vanished at once
    assert one_line(err) == ("gradient_flow: y[4] is nan (1 such target(s) in all), which makes the loss and every "
                             "gradient NaN (a gradient that reaches nowhere); give finite targets (or leave those "
                             "sequences out of X and y)")
    keep = np.arange(6) != 4
    assert gradient_flow(net, X[keep], y[keep]).reach["l0"] > 0

    def masked_mse(out, target):  # a loss of one's own may read NaN as "not measured"
        seen = ~torch.isnan(target)
        return ((out[:, 0] - target)[seen] ** 2).mean()

    assert gradient_flow(net, X, y, loss=masked_mse).reach["l0"] > 0


def test_g19_16_compare_learning_curve_steps_of_a_run_its_budget_stopped_are_the_steps_it_ran():
    from rnnkit.compare import compare, validation_steps

    results = compare("adding", lengths=[10], cells=["rnn"], seeds=1, steps=None, budget_seconds=0.3, hidden_size=4,
                      batch_size=8, eval_every=10**6, task_params={"n_train": 16, "n_val": 8, "n_test": 8},
                      log=lambda *a: None)
    (run,) = results["runs"]["rnn"]
    assert run["steps"] < 10**6 and len(run["curve_val_loss"]) == 1  # validated once, where the budget stopped it
    assert run["curve_steps"] == [run["steps"]]  # before: [1000000], a step the run never reached
    assert validation_steps(5, 20, 94) == [20, 40, 60, 80, 94]
    assert validation_steps(2, 10, 25) == [10, 20]  # steps=25: no validation at the end


def test_g19_17_lengths_past_a_ragged_sequences_end_are_refused_not_read_as_padding(italy):
    X, y = italy
    clf = rnnkit.SequenceClassifier(**TINY).fit(X, y)
    ragged = [X[i, : 10 + i] for i in range(6)]  # 10 to 15 steps
    for diagnostic in (saliency, hidden_states):
        with pytest.raises(ValueError) as err:
            diagnostic(clf, ragged, lengths=[15] * 6)  # before: sequence 0 read with 5 steps of zeros after it
        assert one_line(err) == (f"{diagnostic.__name__}: lengths[0] is 15, but sequence 0 of X has 10 steps, so its "
                                 "padding would be read as data; leave lengths out (the estimator reads each "
                                 "sequence's own length) or give at most that")
    alone = saliency(clf, ragged[:1]).score
    assert np.allclose(saliency(clf, ragged).score[0], alone, atol=1e-6)  # its own length, padding not read
    assert saliency(clf, ragged, lengths=[5] * 6).gradient[:, 5:].max() == 0  # shorter: the user's cut, as before
