"""ConvLSTMCell: against a hand loop over image tensors with F.conv2d, lengths, stacking, gradcheck."""

import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.cells import ConvLSTMCell


def hand_convlstm(cell, frames, length):
    """The equations on image tensors, one sequence ``(T, C, Hi, Wi)``, its first ``length`` frames."""
    Hc, (Hi, Wi) = cell.hidden_channels, cell.image_size
    h = c = torch.zeros(1, Hc, Hi, Wi, dtype=frames.dtype)
    outs = []
    for t in range(length):
        z = F.conv2d(frames[t : t + 1], cell.conv_x.weight, cell.conv_x.bias, padding=1)
        z = z + F.conv2d(h, cell.conv_h.weight, padding=1)
        i, f, g, o = z.split(Hc, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        outs.append(h)
    return torch.cat(outs), h, c


def test_equals_the_equations_on_images_with_lengths():
    cell = ConvLSTMCell(2, 3, (4, 5))
    frames = torch.randn(2, 6, 2, 4, 5)  # (B, T, C, Hi, Wi)
    out, state = rnnkit.Recurrent(cell)(frames.flatten(2), torch.tensor([6, 3]))
    out = out.view(2, 6, 3, 4, 5)
    for b, n in ((0, 6), (1, 3)):
        seq, h, c = hand_convlstm(cell, frames[b], n)
        torch.testing.assert_close(out[b, :n], seq, atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(state.h[b].view(3, 4, 5), h[0], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(state.c[b].view(3, 4, 5), c[0], atol=1e-5, rtol=1e-5)
    assert out[1, 3:].abs().sum() == 0


def test_forget_bias_gradcheck_and_stacking():
    cell = ConvLSTMCell(1, 2, (3, 3), forget_bias=1.0)
    assert cell.conv_x.bias[2:4].tolist() == [1.0, 1.0]
    small = ConvLSTMCell(1, 1, (2, 2)).double()
    x = torch.randn(1, 3, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, *p: rnnkit.Recurrent(small)(x)[0], (x, *small.parameters()))
    stack = rnnkit.Stacked([rnnkit.Recurrent(ConvLSTMCell(1, 2, (3, 3))), rnnkit.Recurrent(ConvLSTMCell(2, 2, (3, 3)))])
    out, state = stack(torch.randn(2, 4, 9))
    assert out.shape == (2, 4, 18) and state.h.shape == (2, 2, 18) and stack.last_backend == "reference"
