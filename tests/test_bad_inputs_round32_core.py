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
    # bias=False alone (forget_bias's default, or None) still builds, as torch.nn's bias=False modules convert
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


# -- K32-05: torch.nn.utils.weight_norm / spectral_norm / prune (forward pre-hooks) on a cell -------------------------
@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch.nn.utils.weight_norm, deprecated but in use
@pytest.mark.parametrize("kind", ["spectral_norm", "weight_norm", "prune"])
def test_K32_05_weight_hooks_on_a_cell_that_never_run_are_refused(kind):
    import torch.nn.utils.prune as prune
    from torch import nn

    register = {"spectral_norm": lambda c: nn.utils.spectral_norm(c, "weight_hh"),
                "weight_norm": lambda c: nn.utils.weight_norm(c, "weight_hh"),
                "prune": lambda c: prune.l1_unstructured(c, "weight_hh", amount=0.5)}[kind]
    x = torch.randn(2, 5, 3)
    layers = [rnnkit.GRU(3, 4), rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True, backend="reference")]
    register(layers[0].layers[0].cell)
    register(layers[1].layers[1].backward_layer.cell)
    recurrent = rnnkit.Recurrent(rnnkit.LSTMCell(3, 4))
    register(recurrent.cell)
    for layer, where in zip([*layers, recurrent], ["layers.0.cell", "layers.1.backward_layer.cell", "cell"],
                            strict=True):
        with pytest.raises(ValueError, match=rf"torch.nn.utils.{kind} on {where} \(\w+Cell\) registered") as error:
            layer(x)
        assert "never runs" in one_line(error)
    # the parametrizations the message names compute the weight at every access, and train
    layer = rnnkit.GRU(3, 4)
    nn.utils.parametrizations.spectral_norm(layer.layers[0].cell, "weight_hh")
    optimiser = torch.optim.SGD(layer.parameters(), lr=0.1)
    for _ in range(2):
        optimiser.zero_grad()
        layer(x)[0].pow(2).sum().backward()
        optimiser.step()
    assert float(torch.linalg.matrix_norm(layer.layers[0].cell.weight_hh.detach(), 2)) == pytest.approx(1, abs=0.05)


# -- K32-06: a parametrized weight (DropConnect, as AWD-LSTM's weight drop; spectral_norm) read once per call ---------
class DropConnect(torch.nn.Module):
    """AWD-LSTM's weight drop (Merity et al. 2018) as a parametrization: one mask on W_hh per forward."""

    def __init__(self, p: float):
        super().__init__()
        self.p, self.drawn = p, []

    def forward(self, w):
        w = torch.nn.functional.dropout(w, self.p, self.training)
        self.drawn.append(w.detach().clone())
        return w


def test_K32_06_a_parametrized_weight_is_computed_once_per_call_and_read_by_every_step():
    import copy

    from torch.nn.utils import parametrize

    torch.manual_seed(0)
    x, lengths = torch.randn(3, 8, 3), torch.tensor([8, 5, 2])
    for layer in (rnnkit.GRU(3, 4), rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True)):
        plain = copy.deepcopy(layer)
        masks = [DropConnect(0.5) for _ in layer.cells()]
        for cell, mask in zip(layer.cells(), masks, strict=True):
            parametrize.register_parametrization(cell, "weight_hh", mask)
            mask.drawn.clear()  # registration computes it once
        y, _ = layer(x, lengths)
        assert [len(m.drawn) for m in masks] == [1] * len(masks)  # one mask per call, not one per step
        with torch.no_grad():
            for cell, mask in zip(plain.cells(), masks, strict=True):
                cell.weight_hh.copy_(mask.drawn[0])
        torch.testing.assert_close(y, plain(x, lengths)[0], atol=1e-6, rtol=0)
