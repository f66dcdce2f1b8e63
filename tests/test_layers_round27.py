"""Twenty-seventh round: inputs as a PyTorch user brings them to the cells and layers used directly (L27-xx)."""

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.cells import ConvLSTMCell, GRUCell, LSTMCell, LSTMState, TimeAware
from rnnkit.layers import Recurrent


def test_L27_01_step_given_the_raw_input_names_the_projection():
    torch.manual_seed(0)
    x_t = torch.randn(2, 3)
    for cell, state in ((LSTMCell(3, 4), None), (GRUCell(3, 4), torch.zeros(2, 4))):
        state = cell.zero_state(2) if state is None else state
        with pytest.raises(ValueError, match=r"\.step: xw_t has 3 features .*"
                                             r"cell\.step\(cell\.project\(x_t\[:, None\]\)"):
            cell.step(x_t, state)
        y, _ = cell.step(cell.project(x_t[:, None])[:, 0], state)  # the documented way still steps
        assert y.shape == (2, 4)
    conv = ConvLSTMCell(2, 3, (4, 4))
    with pytest.raises(ValueError, match=r"ConvLSTMCell\.step: xw_t has 32 features"):
        conv.step(torch.randn(2, 32), conv.zero_state(2))
    ta = TimeAware(GRUCell(6, 4))
    with pytest.raises(ValueError, match=r"TimeAware\.step: xw_t has 9 features"):
        ta.step(torch.rand(2, 9), ta.zero_state(2))


def test_L27_02_project_names_the_cell_for_a_double_input_or_unflattened_frames():
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"LSTMCell\.project: x is torch\.float64 but the cell's parameters are "
                                         r"torch\.float32"):
        LSTMCell(3, 4).project(x)
    with pytest.raises(ValueError, match=r"TimeAware\.project: x is torch\.float64"):
        TimeAware(GRUCell(6, 4)).project(torch.rand(2, 5, 9, dtype=torch.float64))
    conv = ConvLSTMCell(2, 3, (4, 4))
    with pytest.raises(ValueError, match=r"ConvLSTMCell\.project: x is torch\.float64"):
        conv.project(torch.randn(2, 5, 32, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"ConvLSTMCell\.project: x must be \(B, T, input_size=32\), got shape "
                                         r"\(2, 5, 2, 4, 4\); pass x\.flatten\(2\)"):
        conv.project(torch.randn(2, 5, 2, 4, 4))
    with pytest.raises(ValueError, match=r"got shape \(2, 5, 30\); pass x \(B, T, 32\)"):
        conv.project(torch.randn(2, 5, 30))
    with torch.autocast("cpu", dtype=torch.bfloat16):  # mixed precision still projects
        assert LSTMCell(3, 4).project(torch.randn(2, 5, 3)).shape == (2, 5, 16)


def test_L27_03_an_empty_batch_projects_and_steps_as_zero_state_0_allows():
    torch.manual_seed(0)
    cell = LSTMCell(3, 4)
    xw = cell.project(torch.randn(0, 5, 3))
    assert xw.shape == (0, 5, 16)
    y, state = cell.step(xw[:, 0], cell.zero_state(0))
    assert y.shape == (0, 4) and state.c.shape == (0, 4)
    x = torch.randn(2, 5, 3)  # the batch's rows project as before
    assert torch.allclose(cell.project(x), x @ cell.weight_ih.T + cell.bias_ih, atol=1e-6)


def test_L27_04_a_step_state_in_torch_layout_or_as_images_names_the_reshape():
    cell = LSTMCell(3, 4)
    xw = cell.project(torch.randn(2, 1, 3))[:, 0]
    h0 = torch.zeros(1, 2, 4)  # torch.nn.LSTM's (num_layers, B, H)
    with pytest.raises(ValueError, match=r"torch\.nn\.LSTM's layout \(num_layers, B, H\)\? .* pass h\[0\], c\[0\]"):
        cell.step(xw, (h0, h0))
    gru = GRUCell(3, 4)
    with pytest.raises(ValueError, match=r"torch\.nn\.GRU/RNN's layout .* pass h\[0\]"):
        gru.step(gru.project(torch.randn(2, 1, 3))[:, 0], torch.zeros(1, 2, 4))
    conv = ConvLSTMCell(2, 3, (4, 4))
    image = torch.zeros(2, 3, 4, 4)  # (B, Hc, Hi, Wi), as a Conv2d gives it
    with pytest.raises(ValueError, match=r"a state is flat, one row per sequence: pass "
                                         r"h\.flatten\(1\), c\.flatten\(1\)"):
        conv.step(conv.project(torch.randn(2, 1, 32))[:, 0], LSTMState(image, image))


def test_L27_05_lengths_as_a_mask_or_bools_say_how_to_count_the_steps():
    torch.manual_seed(0)
    layer = Recurrent(LSTMCell(3, 4))
    x = torch.randn(2, 5, 3)
    mask = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])
    with pytest.raises(ValueError, match=r"it is a mask \(True at valid steps\?\): lengths counts "
                                         r".* lengths\.sum\(1\)"):
        layer(x, mask)
    with pytest.raises(ValueError, match=r"got dtype torch\.bool; True and False are not counts of steps"):
        rnnkit.LSTM(3, 4)(x, torch.tensor([True, True]))
    y, _ = layer(x, mask.sum(1))  # the fix runs: the padded steps repeat nothing, the valid ones match
    y3, _ = layer(x[1:, :3])
    assert torch.allclose(y[1, :3], y3[0], atol=1e-6)


def test_L27_06_from_torch_of_a_projected_lstm_says_what_to_do():
    with pytest.raises(ValueError, match=r"proj_size=2 .* keep the torch\.nn\.LSTM for this model, or train an "
                                         r"rnnkit\.LSTM\(3, 2\) .* torch\.nn\.Linear\(4, 2\)"):
        rnnkit.LSTM.from_torch(nn.LSTM(3, 4, proj_size=2))


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a torch that sees no GPU")
def test_L27_07_device_cuda_without_a_gpu_is_refused_by_the_layer():
    with pytest.raises(ValueError, match=r"LSTM: device='cuda' but torch\.cuda\.is_available\(\) is False .* leave "
                                         r"device out"):
        rnnkit.LSTM(3, 4, device="cuda")
    with pytest.raises(ValueError, match=r"GRU: device=device\(type='cuda', index=0\)"):
        rnnkit.GRU(3, 4, device=torch.device("cuda", 0))
    assert rnnkit.LSTM(3, 4, device="cpu").weight_ih_l0.device.type == "cpu"


def test_L27_08_an_empty_batch_or_no_steps_names_the_fix():
    layer = rnnkit.GRU(3, 4)
    with pytest.raises(ValueError, match=r"got shape \(0, 5, 3\); skip the call for an empty batch"):
        layer(torch.randn(0, 5, 3))
    with pytest.raises(ValueError, match=r"got shape \(2, 0, 3\); each sequence needs at least one step"):
        layer(torch.randn(2, 0, 3))
