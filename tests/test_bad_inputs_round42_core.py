"""Round 42, the core: bad inputs a PyTorch user brings to rnnkit's layers (K42-NN)."""

import warnings

import pytest
import torch

import rnnkit


def one_line(e) -> None:
    assert "\n" not in str(e.value)


# K42-01: a layer's whole return (outputs, state) given back as the state: an LSTM's was told its outputs' T steps
# were the states of T layers ("as a layer of num_layers=5 returns"), a GRU's told a tuple without the part to pass
@pytest.mark.parametrize("make, match", [
    (lambda: rnnkit.LSTM(3, 4), r"state is a layer's whole return \(outputs \(2, 5, 4\), state\), not its state "
                                r"\('h', 'c'\); pass its second part, state=out\[1\]"),
    (lambda: rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True), r"whole return \(outputs \(2, 5, 8\), state\)"),
    (lambda: rnnkit.GRU(3, 4), r"got tuple of 2; the layer's whole return \(outputs, h\)\? pass its state, "
                               r"state=out\[1\]"),
])
def test_K42_01_a_layers_whole_return_given_as_its_state_is_named(make, match):
    layer, x = make(), torch.randn(2, 5, 3)
    out = layer(x)
    with pytest.raises(ValueError, match=match) as e:
        layer(x, state=out)
    one_line(e)
    assert "num_layers=5" not in str(e.value)
    y, state = layer(x, state=out[1])  # the fix runs
    assert y.shape[:2] == (2, 5)


def test_K42_01_a_list_h_c_still_runs_as_torch_nn_takes_it():
    layer, x = rnnkit.LSTM(3, 4), torch.randn(2, 5, 3)
    h, c = torch.randn(2, 1, 4), torch.randn(2, 1, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y_list, _ = layer(x, state=[h, c])
    y_tuple, _ = layer(x, state=(h, c))
    assert torch.equal(y_list, y_tuple)


# K42-02: an LSTM given a state of another kind (a tensor: h alone, the outputs, h and c stacked; a dict; a tuple of
# one or of three) was told "state must be a tuple ('h', 'c') of shape (2, 1, 4), got Tensor": no way on
@pytest.mark.parametrize("state, match", [
    (lambda: torch.zeros(2, 1, 4), r"got Tensor; the state is the tuple \(h, c\), each of shape \(2, 1, 4\): pass "
                                   r"\(h, c\), or \(h, torch.zeros_like\(h\)\) to start from zeros"),
    (lambda: torch.stack((torch.zeros(2, 1, 4), torch.zeros(2, 1, 4))),
     r"got Tensor; its first axis of 2 holds the fields stacked\? pass tuple\(state\)"),
    (lambda: {"h": torch.zeros(2, 1, 4), "c": torch.zeros(2, 1, 4)},
     r"got dict; pass its values as a tuple, \(state\['h'\], state\['c'\]\)"),
    (lambda: (torch.zeros(2, 1, 4),), r"got tuple of 1; c is missing: pass \(h, c\), or \(h, torch.zeros_like\(h\)\)"),
    (lambda: (torch.zeros(2, 1, 4),) * 3, r"got tuple of 3; pass the 2 fields \(h, c\) alone, in that order"),
])
def test_K42_02_an_lstm_state_of_another_kind_is_told_the_pair(state, match):
    layer, x = rnnkit.LSTM(3, 4), torch.randn(2, 5, 3)
    head = r"LSTM: state must be a tuple \('h', 'c'\) of shape \(2, 1, 4\), "
    with pytest.raises(ValueError, match=head + match) as e:
        layer(x, state=state())
    one_line(e)


def test_K42_02_the_fixes_run():
    layer, x, h = rnnkit.LSTM(3, 4), torch.randn(2, 5, 3), torch.randn(2, 1, 4)
    y0, _ = layer(x, state=(h, torch.zeros_like(h)))
    y1, _ = layer(x, state=tuple(torch.stack((h, torch.zeros_like(h)))))
    assert torch.equal(y0, y1)


# K42-03: torch.nn weights saved inside a model (rnn.weight_ih_l0), a model saved under DataParallel (module.) or
# torch.compile (_orig_mod.): strict, torch's listing of every key over lines, no fix; strict=False loaded none of the
# layer's weights and left it random without a word
class _TorchModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.fc = torch.nn.LSTM(3, 4, batch_first=True), torch.nn.Linear(4, 1)


class _Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.fc = rnnkit.LSTM(3, 4), torch.nn.Linear(4, 1)


def _loads_the_weights(layer, source):
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(layer(x)[0], source(x)[0])


def test_K42_03_a_torch_models_weights_given_to_a_layer_are_told_the_prefix():
    torch.manual_seed(0)
    theirs = _TorchModel()
    sd = theirs.state_dict()
    with pytest.raises(RuntimeError, match=r"LSTM.load_state_dict: the state_dict holds no weight of this layer "
                                           r"\(no prefix\) but a recurrent layer's under 'rnn.' \(rnn.weight_ih_l0, "
                                           r"\.\.\.\); take the prefix off before loading: state_dict = ") as e:
        rnnkit.LSTM(3, 4).load_state_dict(sd)
    one_line(e)
    layer = rnnkit.LSTM(3, 4)
    with pytest.warns(UserWarning, match=r"so strict=False loads none of its weights and leaves it as initialised "
                                         r"\(random\); take the prefix off") as w:
        layer.load_state_dict(sd, strict=False)
    assert w[0].filename == __file__  # at the user's line
    state_dict = sd  # the fix, as the message writes it
    state_dict = {k.removeprefix('rnn.'): v for k, v in state_dict.items() if k.startswith('rnn.')}
    layer.load_state_dict(state_dict)
    _loads_the_weights(layer, theirs.rnn)


@pytest.mark.parametrize("prefix", ["module.", "_orig_mod."])
def test_K42_03_a_model_saved_under_dataparallel_or_compile(prefix):
    torch.manual_seed(0)
    theirs = _Model()
    sd = {prefix + k: v for k, v in theirs.state_dict().items()}
    fix = rf"take the prefix off before loading: torch.nn.modules.utils.consume_prefix_in_state_dict_if_present\(" \
          rf"state_dict, '{prefix}'\)"
    with pytest.raises(RuntimeError, match=rf"LSTM.load_state_dict \(at 'rnn'\): .* under '{prefix}rnn.' .*; {fix}"):
        _Model().load_state_dict(sd)
    ours = _Model()
    with pytest.warns(UserWarning, match=rf"strict=False loads none of its weights .*; {fix}"):
        ours.load_state_dict(sd, strict=False)
    torch.nn.modules.utils.consume_prefix_in_state_dict_if_present(sd, prefix)
    ours.load_state_dict(sd)
    _loads_the_weights(ours.rnn, theirs.rnn)


def test_K42_03_a_partial_load_and_a_models_own_keys_stay_quiet():
    class Two(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = rnnkit.GRU(3, 4), rnnkit.GRU(3, 4)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Two().load_state_dict({k: v for k, v in Two().state_dict().items() if k.startswith("a.")}, strict=False)
        Two().load_state_dict(Two().state_dict())
        rnnkit.GRU(3, 4).load_state_dict(torch.nn.GRU(3, 4, batch_first=True).state_dict())
        rnnkit.GRU(3, 4).load_state_dict({}, strict=False)  # nothing given: torch's missing_keys say it


# K42-04: x of another number of features than the layer's (a column left in or out) was told the two numbers
# alone; x as nested lists (json's, a CSV reader's) was told its type alone, where numpy's arrays are told the
# conversion
def test_K42_04_x_of_other_features_is_told_both_ways():
    with pytest.raises(ValueError, match=r"GRU: x has 4 features \(last dim\) but the layer expects input_size=3; "
                                         r"give x the 3 feature\(s\) the layer was built for, .* or build the layer "
                                         r"for these: input_size=4$") as e:
        rnnkit.GRU(3, 4)(torch.randn(2, 5, 4))
    one_line(e)
    with pytest.raises(ValueError, match=r"channels first \(B, F, T\)"):  # as before
        rnnkit.GRU(3, 4)(torch.randn(2, 3, 7))


@pytest.mark.parametrize("x, match", [
    ([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]],
     r"got list of shape \(1, 2, 3\); convert it with torch.tensor\(x, dtype=torch.float64, device='cpu'\)$"),
    ([[[1, 2, 3]], [[1, 2, 3], [4, 5, 6]]],
     r"got list; a list of sequences of other lengths\? .* torch.nn.utils.rnn.pad_sequence\(seqs, batch_first=True\)"),
    ([["a", "b", "c"]], r"got list of shape \(1, 3\) holding 'a', not numbers; give x the features' values as numbers"),
])
def test_K42_04_x_as_nested_lists_is_told_the_conversion(x, match):
    layer = rnnkit.GRU(3, 4, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"GRU: x must be a torch.Tensor of shape \(B, T, F\), " + match) as e:
        layer(x)
    one_line(e)
    if "convert" in match:
        assert layer(torch.tensor(x, dtype=torch.float64, device='cpu'))[0].shape == (1, 2, 4)


# K42-05: a cell's step given x_t of another number of features, one reading without its batch axis, features
# first or a whole univariate series was told "pass x[:, t] of a (batch, time, features) input", a fix for none of
# them
@pytest.mark.parametrize("make, x_t, state, fix", [
    (lambda: rnnkit.GRUCell(3, 4), torch.randn(2, 5), torch.zeros(2, 4),
     r"x_t holds 5 features: give the step the 3 the cell was built for, or build the cell for these, input_size=5$"),
    (lambda: rnnkit.GRUCell(3, 4), torch.randn(3), torch.zeros(1, 4),
     r"one reading without its batch axis\? pass x_t\[None\], a batch of one$"),
    (lambda: rnnkit.GRUCell(3, 4), torch.randn(3, 2), torch.zeros(2, 4),
     r"features first .*\? pass x_t.T; if x_t holds 2 features: .* input_size=2$"),
    (lambda: rnnkit.LSTMCell(1, 4), torch.randn(2, 7), (torch.zeros(2, 4), torch.zeros(2, 4)),
     r"a series of one feature, \(batch, time\)\? step it one time at a time, x_t = x\[:, t, None\]; if x_t holds 7 "
     r"features: give the step the 1 the cell was built for, or build the cell for these, input_size=7$"),
])
def test_K42_05_a_cells_step_of_another_shape_is_told_its_own_fix(make, x_t, state, fix):
    from rnnkit.kernels.step import inference_step

    cell = make()
    with torch.no_grad(), pytest.raises(ValueError, match=r"inference_step: x_t has shape .* reads one step of shape "
                                                          r"\(batch, \d\): " + fix) as e:
        inference_step(cell, x_t, state)
    one_line(e)
    assert "pass x[:, t] of a" not in str(e.value)


# K42-06: an rnnkit layer's own state_dict of another input or hidden size (a checkpoint of hidden_size=5 loaded into
# a layer of 4) was torch's "size mismatch for layers.0.cell.weight_ih: ..." over lines, one per weight, no fix
@pytest.mark.parametrize("strict", [True, False])
def test_K42_06_an_rnnkit_checkpoint_of_other_sizes_is_told_the_layer_that_fits(strict):
    saved = rnnkit.GRU(6, 5, num_layers=2).state_dict()
    match = (r"GRU.load_state_dict: the state_dict holds an rnnkit GRU of input_size=6 \(this layer: 3\), "
             r"hidden_size=5 \(this layer: 4\)(, num_layers=2 \(this layer: 1\))?, which does not fit .* build the "
             r"layer to match, rnnkit.GRU\(6, 5, num_layers=2\), and load it there$")
    with pytest.raises(RuntimeError, match=match) as e:
        rnnkit.GRU(3, 4).load_state_dict(saved, strict=strict)
    one_line(e)
    rnnkit.GRU(6, 5, num_layers=2).load_state_dict(saved)  # the fix loads


# review mends. K42-03 under strict=False (meant for partial loads) warns only where the weights found under another
# prefix would fit the layer or nothing of the model loads: a recurrent head replaced by one of other sizes, the old
# one's weights still in the checkpoint, an encoder loaded alone, a new head, extra buffers and assign=True stay quiet
@pytest.mark.parametrize("make", [rnnkit.LSTM, rnnkit.GRU, rnnkit.MinGRU])
def test_K42_03_legitimate_partial_loads_stay_quiet(make):
    class Old(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc, self.old_head, self.fc = make(3, 5), make(5, 5), torch.nn.Linear(5, 2)
            self.register_buffer("mean", torch.zeros(3))

    class New(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.enc, self.new_head, self.fc = make(3, 5), make(5, 7), torch.nn.Linear(7, 2)

    saved = {k: v for k, v in Old().state_dict().items() if not k.startswith("fc.")}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = New().load_state_dict(saved, strict=False)
        assert "mean" in out.unexpected_keys and "new_head.layers.0.cell.weight_ih" in out.missing_keys
        New().load_state_dict({k: v for k, v in saved.items() if k.startswith("enc.")}, strict=False)
        New().load_state_dict(New().state_dict(), assign=True)
        New().load_state_dict({**New().state_dict(), "mean": torch.zeros(3)}, strict=False)
    with pytest.raises(RuntimeError, match=r"Error\(s\) in loading state_dict for New") as e:  # torch's, no rename
        New().load_state_dict(saved)
    assert "old_head." in str(e.value) and "give them this layer's prefix" not in str(e.value)
    # a layer renamed (lstm -> rnn) whose weights would fit is still warned, and a bare layer given weights under
    # another prefix of other sizes (nothing of it loads)
    renamed = {k.replace("old_head.", "head_renamed."): v for k, v in Old().state_dict().items()}
    with pytest.warns(UserWarning, match=r"\(at 'old_head'\): the state_dict holds no weight of this layer \(under "
                                         r"'old_head.'\) but a recurrent layer's under 'head_renamed.' .*give them "
                                         r"this layer's prefix, 'old_head.', before loading"):
        Old().load_state_dict(renamed, strict=False)
    with pytest.warns(UserWarning, match=r"under 'rnn.' .*strict=False loads none of its weights .*take the "
                                         r"prefix off"):
        make(3, 5).load_state_dict({"rnn." + k: v for k, v in make(4, 6).state_dict().items()}, strict=False)


# K42-06 reads bias=False and the hidden size of a cell without weight_hh (MinGRU, MinLSTM) from the checkpoint, so
# the layer it names takes it, strict or not
@pytest.mark.parametrize("make", [rnnkit.GRU, rnnkit.LSTM, rnnkit.LayerNormLSTM, rnnkit.MinGRU, rnnkit.MinLSTM])
@pytest.mark.parametrize("strict", [True, False])
def test_K42_06_the_layer_named_takes_the_checkpoint(make, strict):
    name = make.__name__
    saved = make(6, 5, bias=False, num_layers=2).state_dict()
    with pytest.raises(RuntimeError, match=rf"{name}.load_state_dict: the state_dict holds an rnnkit {name} of "
                                           rf"input_size=6 \(this layer: 3\), hidden_size=5 \(this layer: 4\).* build "
                                           rf"the layer to match, rnnkit.{name}\(6, 5, num_layers=2, bias=False\), and "
                                           rf"load it there$") as e:
        make(3, 4).load_state_dict(saved, strict=strict)
    one_line(e)
    if strict:
        assert "bias=False (this layer: True)" in str(e.value)
    make(6, 5, num_layers=2, bias=False).load_state_dict(saved)  # the fix loads
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for options in ({}, {"bias": False}, {"num_layers": 2, "bidirectional": True}, {"learn_initial_state": True}):
            make(3, 4, **options).load_state_dict(make(3, 4, **options).state_dict(), strict=strict)
