"""The library layer as a PyTorch user uses it: torch.nn's habits (constructor keywords, a positional hx, packed
and time-first batches, state_dict names, parameter names, flatten_parameters) and real arrays laid out as sktime
gives them. Each bad input gets one clear line naming what was wrong and the fix; what torch.nn accepts with the same
meaning is accepted and equals torch.nn (docs/bad_inputs.md, "Seventh catalogue: the library layer", B7-xx). Each
test is named by its id and fails on commit 45e514e."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from helpers import one_line  # a refusal's message, one line
from torch import nn

import rnnkit
from rnnkit.models import SequenceToLabel


@pytest.fixture
def x():
    return torch.randn(4, 7, 3, generator=torch.Generator().manual_seed(0))


def test_B7_01_batch_first_keyword(x):
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 5, batch_first=True)  # what rnnkit does anyway: accepted
    out, state = layer(x)
    assert out.shape == (4, 7, 5) and state.h.shape == (4, 1, 5)
    with pytest.raises(ValueError) as err:
        rnnkit.GRU(3, 5, batch_first=False)
    message = one_line(err)
    assert "GRU: rnnkit layers are batch-first" in message and "x.transpose(0, 1)" in message
    with pytest.raises(ValueError, match="batch_first must be True or False, got 'yes'"):
        rnnkit.RNN(3, 5, batch_first="yes")


def test_B7_02_device_and_dtype_keywords(x):
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 5, num_layers=2, dtype=torch.float64, device="cpu")
    assert all(p.dtype == torch.float64 and p.device.type == "cpu" for p in layer.parameters())
    theirs = nn.LSTM(3, 5, num_layers=2, batch_first=True, dtype=torch.float64)
    layer.load_state_dict(theirs.state_dict())
    assert torch.allclose(layer(x.double())[0], theirs(x.double())[0], atol=1e-12)
    with pytest.raises(ValueError) as err:
        rnnkit.GRU(3, 5, dtype=torch.int64)
    assert "dtype must be a floating-point torch.dtype" in one_line(err)


def test_B7_03_proj_size_is_refused_by_name():
    with pytest.raises(ValueError) as err:
        rnnkit.LSTM(3, 5, proj_size=2)
    message = one_line(err)
    assert "proj_size=2 (torch.nn's projected LSTM) is not supported" in message and "torch.nn.Linear" in message
    assert rnnkit.LSTM(3, 5, proj_size=0).hidden_size == 5  # torch.nn's default: no projection


def test_B7_04_dropout_with_one_layer_warns_as_torch_nn_does():
    with pytest.warns(UserWarning, match=r"LSTM: dropout=0.3 acts between recurrent layers, so with one layer it "
                                         r"does nothing"):
        rnnkit.LSTM(3, 5, dropout=0.3)
    with pytest.warns(UserWarning, match="with one layer it does nothing"):
        SequenceToLabel(3, 4, 2, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnnkit.LSTM(3, 5, dropout=0.3, num_layers=2)  # between two layers: no warning
        rnnkit.GRU(3, 5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_B7_05_state_passed_positionally_as_torch_nn_hx(x, kind):
    layer = getattr(rnnkit, kind)(3, 5, num_layers=2)
    h0 = torch.randn(2, 4, 5)
    hx = (h0, torch.randn(2, 4, 5)) if kind == "LSTM" else h0
    with pytest.raises(ValueError) as err:
        layer(x, hx)
    message = one_line(err)
    assert f"{kind}: the second argument is lengths (B,), but it got a state" in message
    assert "layer(x, state=...)" in message and "state.transpose(0, 1)" in message
    with pytest.raises(ValueError, match="got a state"):
        SequenceToLabel(3, 5, 2, cell=kind.lower(), num_layers=2)(x, hx)
    # by name, batch-first, it equals torch.nn
    theirs = getattr(nn, kind)(3, 5, num_layers=2, batch_first=True)
    layer.load_state_dict(theirs.state_dict())
    state = tuple(h.transpose(0, 1) for h in hx) if kind == "LSTM" else hx.transpose(0, 1)
    assert torch.allclose(layer(x, state=state)[0], theirs(x, hx)[0], atol=1e-6)


def test_B7_06_packed_sequence(x):
    packed = nn.utils.rnn.pack_padded_sequence(x, [7, 5, 3, 2], batch_first=True)
    for model in (rnnkit.LSTM(3, 5), SequenceToLabel(3, 5, 2)):
        with pytest.raises(ValueError) as err:
            model(packed)
        message = one_line(err)
        assert "x is a PackedSequence" in message and "pad_packed_sequence(x, batch_first=True)" in message
    padded, lengths = nn.utils.rnn.pad_packed_sequence(packed, batch_first=True)  # the advice works
    assert rnnkit.LSTM(3, 5)(padded, lengths)[0].shape == (4, 7, 5)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_B7_07_load_state_dict_of_torch_nn(x, kind):
    torch.manual_seed(0)
    theirs = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True, batch_first=True)
    ours = getattr(rnnkit, kind)(3, 5, num_layers=2, bidirectional=True)
    ours.load_state_dict(theirs.state_dict())
    assert torch.allclose(ours(x)[0], theirs(x)[0], atol=1e-6)
    fresh = getattr(rnnkit, kind)(3, 5, num_layers=2, bidirectional=True)
    result = fresh.load_state_dict(theirs.state_dict(), strict=False)  # before: nothing loaded, silently
    assert not result.missing_keys and not result.unexpected_keys
    assert torch.allclose(fresh(x)[0], theirs(x)[0], atol=1e-6)
    # inside a user's module, and its own state_dict still round-trips
    outer = nn.Sequential(getattr(nn, kind)(3, 5, batch_first=True))
    mine = nn.Sequential(getattr(rnnkit, kind)(3, 5))
    mine.load_state_dict(outer.state_dict())
    assert torch.allclose(mine[0](x)[0], outer[0](x)[0], atol=1e-6)
    getattr(rnnkit, kind)(3, 5).load_state_dict(mine[0].state_dict())
    with pytest.raises(RuntimeError, match="weight_ih_l1"):  # a layer too many is still named
        getattr(rnnkit, kind)(3, 5).load_state_dict(getattr(nn, kind)(3, 5, num_layers=2).state_dict())


def test_B7_08_torch_nn_parameter_names(x):
    layer = rnnkit.LSTM(3, 5, num_layers=2, bidirectional=True)
    assert layer.weight_hh_l1_reverse is layer.cells()[3].weight_hh
    assert layer.bias_ih_l0 is layer.cells()[0].bias_ih
    nn.init.orthogonal_(layer.weight_hh_l0)  # torch.nn's init habit reaches the cell
    w = layer.cells()[0].weight_hh.detach()
    assert torch.allclose(w.T @ w, torch.eye(5), atol=1e-5)
    with pytest.raises(AttributeError, match="LSTM has no weight_ih_l2: it has num_layers=2"):
        _ = layer.weight_ih_l2
    with pytest.raises(AttributeError) as err:
        layer.weight_ih_l0 = nn.Parameter(torch.zeros(20, 3))
    assert "set its values in place" in one_line(err)
    assert not hasattr(rnnkit.GRU(3, 4, bias=False), "bias_ih_l0")  # as torch.nn.GRU(bias=False)


def test_B7_09_flatten_parameters(x):
    layer = rnnkit.GRU(3, 5)
    before = layer(x)[0]
    layer.flatten_parameters()  # torch.nn code calls it before each run
    assert torch.equal(layer(x)[0], before)


def test_B7_10_time_first_batch_from_pad_sequence():
    seqs = [torch.randn(n, 3) for n in (7, 5, 3, 2)]
    x = nn.utils.rnn.pad_sequence(seqs)  # (T, B, F): pad_sequence's default
    with pytest.raises(ValueError) as err:
        rnnkit.LSTM(3, 5)(x, torch.tensor([7, 5, 3, 2]))
    message = one_line(err)
    assert "lengths must have shape (B,) = (7,), got (4,)" in message
    assert "x looks time-first (T, B, F)" in message and "x.transpose(0, 1)" in message
    assert rnnkit.LSTM(3, 5)(x.transpose(0, 1), torch.tensor([7, 5, 3, 2]))[0].shape == (4, 7, 5)


def test_B7_11_gunpoint_channels_first():
    from sktime.datasets import load_gunpoint

    X, _ = load_gunpoint(split="train", return_type="numpy3D")  # (50, 1, 150) float64: channels first
    x = torch.from_numpy(X[:8]).float()
    for model in (rnnkit.LSTM(1, 4), SequenceToLabel(1, 4, 2)):
        with pytest.raises(ValueError) as err:
            model(x)
        message = one_line(err)
        assert "x has 150 features (last dim) but the layer expects input_size=1" in message
        assert "channels first (B, F, T)" in message and "x.transpose(1, 2)" in message
    assert rnnkit.LSTM(1, 4)(x.transpose(1, 2))[0].shape == (8, 150, 4)


def test_B7_12_time_aware_given_raw_values():
    values = torch.randn(2, 6, 2)
    values[0, 2, 1] = float("nan")
    layer = rnnkit.Recurrent(rnnkit.TimeAware(rnnkit.GRUCell(4, 5)))
    with pytest.raises(ValueError) as err:
        layer(values)
    message = one_line(err)
    assert "TimeAware reads [x, mask, delta]" in message and "rnnkit.time_aware_inputs(values, times)" in message
    out, _ = layer(rnnkit.time_aware_inputs(values, torch.arange(6.0).repeat(2, 1)))
    assert out.shape == (2, 6, 5) and torch.isfinite(out).all()


def test_B7_13_frames_and_other_inputs_of_more_than_three_dimensions():
    cell = rnnkit.ConvLSTMCell(2, 4, (5, 6))
    frames = torch.randn(3, 7, 2, 5, 6)  # (B, T, C, H, W)
    with pytest.raises(ValueError) as err:
        rnnkit.Recurrent(cell)(frames)
    message = one_line(err)
    assert "got shape (3, 7, 2, 5, 6); give one vector of 60 features per step, e.g. x.flatten(2)" in message
    assert "unsqueeze" not in message  # before: advised adding a dimension to a tensor with two too many
    out, _ = rnnkit.Recurrent(cell)(frames.flatten(2))
    assert out.view(3, 7, 4, 5, 6).shape == (3, 7, 4, 5, 6)
    with pytest.raises(ValueError) as err:
        rnnkit.LSTM(3, 4)(torch.randn(2, 3, 5, 3))
    assert "flatten or select the dimensions after time" in one_line(err)
    with pytest.raises(ValueError, match=r"add a batch dimension with x.unsqueeze\(0\)"):  # (T, F) as before
        rnnkit.LSTM(3, 4)(torch.randn(7, 3))


def test_B7_14_options_given_by_position_as_torch_nn_takes_them():
    for kind in ("LSTM", "GRU", "LayerNormLSTM"):
        with pytest.raises(TypeError) as err:
            getattr(rnnkit, kind)(3, 5, 2)  # torch.nn.LSTM(3, 5, 2): two layers
        message = one_line(err)
        assert f"{kind}: only input_size and hidden_size are positional, got 1 more (2,)" in message
        assert f"{kind}(3, 5, num_layers=...)" in message and "_TorchCompatible" not in message
    assert rnnkit.LSTM(3, 5, num_layers=2).num_layers == 2


def test_B7_already_right_parity_on_every_backend(x):
    """Non-contiguous, expanded and strided x and h0, bias=False, unsorted lengths: equal to torch.nn."""
    for be in ("native", "reference", "cpu_loop"):
        theirs = nn.GRU(3, 5, num_layers=2, batch_first=True, bias=False)
        ours = rnnkit.GRU.from_torch(theirs, backend=be)
        xe = torch.randn(1, 7, 3).expand(4, 7, 3)
        h0 = torch.randn(2, 4, 5)
        assert torch.allclose(ours(xe, state=h0.transpose(0, 1))[0], theirs(xe, h0)[0], atol=1e-6)
        lengths = np.array([3, 7, 1, 5])
        packed = nn.utils.rnn.pack_padded_sequence(x, torch.as_tensor(lengths), batch_first=True,
                                                   enforce_sorted=False)
        out, _ = nn.utils.rnn.pad_packed_sequence(theirs(packed)[0], batch_first=True, total_length=7)
        assert torch.allclose(ours(x, lengths)[0], out, atol=1e-6)
