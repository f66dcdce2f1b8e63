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
