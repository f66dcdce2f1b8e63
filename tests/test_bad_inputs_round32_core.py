"""Round 32 of the core API as a PyTorch user meets it (K32-NN in docs/bad_inputs.md): the cells, layers, models,
dispatch, diagnostics and tasks given the options, modules and transforms that torch code hands them. Each test
fails on the code before its fix."""

from __future__ import annotations

import pytest
import torch

import rnnkit


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


# -- K32-01: forget_bias given to a cell without biases ----------------------------------------------------------------
@pytest.mark.parametrize("build", [
    lambda: rnnkit.LSTM(3, 4, bias=False, forget_bias=3.0),
    lambda: rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True, bias=False, forget_bias=0.0),
    lambda: rnnkit.LSTMCell(3, 4, bias=False, forget_bias=2),
    lambda: rnnkit.LayerNormLSTM(3, 4, bias=False, forget_bias=5.0),
], ids=["LSTM", "LSTM-2-bi", "LSTMCell", "LayerNormLSTM"])
def test_K32_01_forget_bias_with_bias_false_is_refused_not_ignored(build):
    with pytest.raises(ValueError, match=r"forget_bias=.* bias=False builds the cell without biases") as error:
        build()
    assert "use bias=True" in one_line(error)


def test_K32_01_bias_false_alone_still_builds():
    for layer in (rnnkit.LSTM(3, 4, bias=False), rnnkit.LSTM(3, 4, bias=False, forget_bias=None),
                  rnnkit.LayerNormLSTM(3, 4, bias=False), rnnkit.LSTM.from_torch(torch.nn.LSTM(3, 4, bias=False))):
        assert layer.cells()[0].bias_ih is None if hasattr(layer.cells()[0], "bias_ih") else True
        y, _ = layer(torch.randn(2, 5, 3))
        assert y.shape == (2, 5, 4)


# -- K32-02 … K32-04: re-initialising a model, as torch code does between folds ----------------------------------------
def reinitialise(model):
    """The common torch idiom: every module that has reset_parameters runs it."""
    model.apply(lambda m: m.reset_parameters() if hasattr(m, "reset_parameters") else None)


def perturb(model):
    with torch.no_grad():
        for p in model.parameters():
            p.add_(5.0)


def test_K32_02_the_reinitialisation_idiom_resets_learned_initial_states_and_the_decoder_start():
    from rnnkit.models import EncoderDecoder

    layer = rnnkit.GRU(3, 4, num_layers=2, bidirectional=True, learn_initial_state=True)
    model = EncoderDecoder(3, 4, 5)
    for m in (layer, model):
        perturb(m)  # a previous fold's training
        reinitialise(m)
    learned = [p for n, p in layer.named_parameters() if ".initial." in n]
    assert len(learned) == 4 and all(bool((p == 0).all()) for p in learned)
    assert bool((model.start == 0).all())
    assert all(p.abs().max() < 1 for p in layer.parameters())  # nothing of the +5 left


def test_K32_03_layers_have_torch_nn_reset_parameters():
    layer = rnnkit.LSTM(3, 4, num_layers=2, learn_initial_state=True, forget_bias=2.0)
    perturb(layer)
    layer.reset_parameters()
    for cell in layer.cells():
        assert cell.bias_ih[4:8].tolist() == [2.0] * 4 and cell.bias_hh[4:8].tolist() == [0.0] * 4
        assert float(cell.weight_hh.detach().abs().max()) <= 0.5  # U(-1/sqrt(4), 1/sqrt(4))
    assert all(bool((p == 0).all()) for n, p in layer.named_parameters() if ".initial." in n)


def test_K32_04_the_reinitialisation_idiom_gives_the_constructors_init_to_convlstm_and_time_aware():
    from rnnkit.cells import ConvLSTMCell, GRUCell, TimeAware

    conv = rnnkit.Recurrent(ConvLSTMCell(2, 3, (4, 4), forget_bias=1.5))
    aware = rnnkit.Stacked([rnnkit.Recurrent(TimeAware(GRUCell(4, 5)))])
    for m in (conv, aware):
        perturb(m)
        reinitialise(m)
    assert conv.cell.conv_x.bias[3:6].tolist() == [1.5] * 3  # the forget gate's bias, as built
    cell = aware.layers[0].cell
    for p in (cell.w_x, cell.b_x, cell.decay_h.bias):  # no decay at init (GRU-D), as built
        assert bool((p == 0).all())
    perturb(aware)
    aware.reset_parameters()  # the layer's own method, torch.nn's name
    assert bool((cell.w_x == 0).all()) and float(cell.cell.weight_hh.detach().abs().max()) < 1
