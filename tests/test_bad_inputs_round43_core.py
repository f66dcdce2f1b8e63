"""Round 43, the core: bad inputs a new user brings to the cells and layers (see docs/bad_inputs.md)."""

import warnings

import pytest
import torch

import rnnkit
from rnnkit.cells import GRUCell, LSTMCell, TimeAware, time_aware_inputs


def _time_aware(F=2, H=4, cell=GRUCell):
    torch.manual_seed(0)
    return rnnkit.Recurrent(TimeAware(cell(2 * F, H)))


def _inputs(F=2):
    torch.manual_seed(1)
    values = torch.randn(2, 5, F)
    values[0, 1, 0] = float("nan")
    return time_aware_inputs(values, torch.tensor([[0.0, 1.0, 3.0, 4.0, 7.0]] * 2))


# K43-01: negative time gaps (times newest first, gaps taken backwards) ran silently
def test_K43_01_negative_gaps_refused():
    layer, x = _time_aware(), _inputs()
    x[..., 4:] = -x[..., 4:]  # later - earlier taken backwards
    with pytest.raises(ValueError, match=r"time since feature 0 was last observed.*at least 0.*oldest first"):
        layer(x)


def test_K43_01_times_newest_first_refused_by_time_aware_inputs():
    with pytest.raises(ValueError, match="strictly increasing"):
        time_aware_inputs(torch.randn(1, 3, 1), torch.tensor([[3.0, 2.0, 1.0]]))


def test_K43_01_negative_gap_in_padding_is_not_read():
    layer, x = _time_aware(), _inputs()
    x[1, 4, 4:] = -5.0  # the padding of a sequence of 4 steps
    y, _ = layer(x, torch.tensor([5, 4]))
    assert torch.isfinite(y).all()


def test_K43_01_lstm_inner_cell_and_stack():
    x = _inputs()
    x[1, 2, 5] = -1.0
    with pytest.raises(ValueError, match=r"sequence 1, step 2, column 5 \(the time since feature 1"):
        _time_aware(cell=LSTMCell)(x)


# K43-02: a mask of other values than 0 and 1 (columns in another order) ran silently
def test_K43_02_mask_not_binary_warned():
    layer, x = _time_aware(), _inputs()
    x[..., 4:] = x[..., 4:] + 2.0  # gaps of 2 or more: swapped, they are read as the mask
    swapped = torch.cat([x[..., :2], x[..., 4:], x[..., 2:4]], -1)  # [x, delta, mask]
    with pytest.warns(UserWarning, match=r"the mask of feature .*1 where a value was observed and 0 where it is "
                                         r"missing.*another order than \[x, mask, delta\]"):
        layer(swapped)


def test_K43_02_fractional_mask_warned():
    layer, x = _time_aware(), _inputs()
    x[0, 3, 3] = 0.5
    with pytest.warns(UserWarning, match=r"holds 0.5 at sequence 0, step 3, column 3 \(the mask of feature 1\)") as w:
        layer(x)
    assert len(w) == 1


def test_K43_02_mask_and_negative_gap_tells_the_gap():
    layer, x = _time_aware(), _inputs()
    x[0, 0, 2], x[1, 4, 4] = 0.5, -3.0
    with pytest.raises(ValueError, match=r"holds -3 at sequence 1, step 4, column 4 \(the time since feature 0"):
        layer(x)


def test_K43_02_good_input_runs_as_before():
    layer, x = _time_aware(), _inputs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, _ = layer(x)
    assert y.shape == (2, 5, 4) and torch.isfinite(y).all()


# K43-03: time_aware_inputs of times (B, T, 1) or values (B, T): no fix
def test_K43_03_times_with_a_feature_axis():
    with pytest.raises(ValueError, match=r"got \(2, 5, 1\); one time per step, not per feature: pass times\[\.\.\., 0"):
        time_aware_inputs(torch.randn(2, 5, 3), torch.arange(5.0).expand(2, 5)[..., None])


def test_K43_03_values_of_two_dims():
    with pytest.raises(ValueError, match=r"got \(2, 5\); a series of one feature.*values\[\.\.\., None\].*values\[No"):
        time_aware_inputs(torch.randn(2, 5))


def test_K43_03_time_aware_cell_of_odd_size():
    with pytest.raises(ValueError, match=r"got input_size=3; for F = 3 features, build it with input_size=6, e\.g\. "
                                         r"rnnkit\.TimeAware\(rnnkit\.GRUCell\(6, 4\)\)"):
        TimeAware(GRUCell(3, 4))


# K43-04: a nonlinearity or an option misspelt: no fix
@pytest.mark.parametrize("given, meant", [("Tanh", "tanh"), ("tanh ", "tanh"), ("rleu", "relu"), ("ReLU", "relu")])
def test_K43_04_nonlinearity_misspelt(given, meant):
    with pytest.raises(ValueError, match=f"got '{given}'; did you mean nonlinearity='{meant}'"):
        rnnkit.RNN(3, 4, nonlinearity=given)


@pytest.mark.parametrize("given, meant", [("nonlinarity", "nonlinearity"), ("n_layers", "num_layers"),
                                          ("dropuot", "dropout")])
def test_K43_04_option_misspelt(given, meant):
    with pytest.raises(TypeError, match=f"unexpected keyword arguments \\['{given}'\\]; did you mean {meant}="):
        rnnkit.RNN(3, 4, **{given: 1})


def test_K43_04_option_unknown_lists_the_options():
    with pytest.raises(TypeError, match=r"\['epsilon'\]; the options are .*eps"):
        rnnkit.LayerNormLSTM(3, 4, epsilon=1e-5)


# K43-05: num_layers 0, 2.0 or '2': no fix
@pytest.mark.parametrize("given, fix", [(0, "num_layers=0 holds no layer"),
                                        (2.0, "num_layers is 2 as a float: give it as an int, num_layers=2"),
                                        ("2", "num_layers is text: give the number, num_layers=2")])
def test_K43_05_num_layers(given, fix):
    with pytest.raises(ValueError, match=f"GRU: num_layers must be an integer >= 1, got .*; {fix}"):
        rnnkit.GRU(3, 4, num_layers=given)


# K43-06: a rate of rnnkit.LSTM told under 'Stacked:' or 'Recurrent:'
@pytest.mark.parametrize("name", ["dropout", "input_dropout", "hidden_dropout", "zoneout"])
def test_K43_06_rates_named_by_the_layer(name):
    with pytest.raises(ValueError, match=f"^LSTM: {name} must be a number in \\[0, 1\\), got 1.0; {name}=1 would"):
        rnnkit.LSTM(3, 4, num_layers=2, **{name: 1.0})
    with pytest.raises(ValueError, match=f"^LayerNormLSTM: {name} must be .*percentage.*{name}=0.2 for 20%"):
        rnnkit.LayerNormLSTM(3, 4, num_layers=2, **{name: 20})


# review: transforms of the gaps (standardised, log) and padding filler stay quiet; the warning names the user's line
@pytest.mark.parametrize("transform", [lambda d: (d - d.mean()) / d.std(), lambda d: torch.log(d + 1e-3),
                                       lambda d: (d - 10.0) / 3.0])  # the last: a dense batch below the mean
def test_K43_01_transformed_gaps_stay_quiet(transform):
    layer, x = _time_aware(), _inputs()
    x[..., 4:] = transform(x[..., 4:])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, _ = layer(x)
    assert torch.isfinite(y).all()


def test_K43_01_padding_filled_with_minus_one_stays_quiet():
    layer, x = _time_aware(), _inputs()
    x[1, 3:] = -1.0  # every column of the padding, the mask's and the gaps' too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, _ = layer(x, torch.tensor([5, 3]))
    assert torch.isfinite(y).all()


def test_K43_02_warning_names_the_users_line():
    layer, x = _time_aware(), _inputs()
    x[0, 3, 3] = 0.5

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = layer

        def forward(self, x):
            return self.rnn(x)[0]

    for call in (layer, Model()):
        with pytest.warns(UserWarning, match="TimeAware's mask is 1") as w:
            call(x)
        assert w[0].filename == __file__


@pytest.mark.parametrize("given", ["gelu", "leaky_relu", "hardtanh", "LeakyReLU"])
def test_K43_04_another_activation_is_not_guessed(given):
    with pytest.raises(ValueError, match=f"got '{given}'; {given} is another of torch's activations: .*rnnkit.GRU") \
            as info:
        rnnkit.RNN(3, 4, nonlinearity=given)
    assert "did you mean" not in str(info.value)
