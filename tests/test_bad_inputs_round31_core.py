"""Round 31 of the core API as a PyTorch user meets it (K31-NN in docs/bad_inputs.md): the cells, layers, models,
dispatch, diagnostics and tasks given the dtypes, layouts, lengths, states, transforms and state_dicts that torch
code hands them. Each test fails on the code before its fix."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.diagnostics import saliency
from rnnkit.models import SequenceToLabel
from rnnkit.models.frontend import normalise_series


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


# -- K31-01: time_aware_inputs of epoch timestamps ---------------------------------------------------------------------
def test_K31_01_time_aware_inputs_keeps_the_gaps_of_epoch_timestamps():
    values = torch.randn(1, 5, 1)  # float32, as a model reads them
    t0 = 1_700_000_000  # epoch seconds: float32 spaces them 128 apart
    times = torch.tensor([[t0, t0 + 60, t0 + 120, t0 + 150, t0 + 210]])
    expected = torch.tensor([0.0, 60.0, 60.0, 30.0, 60.0])
    for given in (times, times.double()):  # int64, or float64 seconds from pandas
        delta = rnnkit.time_aware_inputs(values, given)[0, :, 2]
        assert delta.dtype == torch.float32
        torch.testing.assert_close(delta, expected, rtol=0, atol=0)


# -- K31-02, K31-03: per-series normalisation in half precision, and its gradient at a constant channel -------------
def test_K31_02_series_normalisation_of_a_half_precision_model_keeps_large_values():
    torch.manual_seed(0)
    x = 1000 * torch.randn(2, 50, 3) + 500  # currents or pressures: squares past float16's 65504
    reference = normalise_series(x, None)
    half = normalise_series(x.half(), None)
    assert half.dtype == torch.float16
    torch.testing.assert_close(half.float(), reference, atol=5e-3, rtol=5e-3)  # was all zeros
    model = SequenceToLabel(3, 8, 2, normalise="series", keep_scale=True)
    expected, _ = model(x)
    got, _ = model.half()(x.half())
    assert bool(torch.isfinite(got).all())  # was NaN and inf (log of an infinite scale)
    torch.testing.assert_close(got.float(), expected, atol=0.02, rtol=0.02)


def test_K31_03_saliency_through_series_normalisation_is_finite_at_a_constant_channel_or_one_step():
    torch.manual_seed(0)
    X = torch.randn(3, 12, 2)
    X[0, :, 1] = 4.0  # a sensor stuck at one value
    model = SequenceToLabel(2, 8, 2, normalise="series").eval()
    s = saliency(model, X, lengths=[12, 12, 1])  # and a sequence of one step
    for values in (s.abs_grad, s.grad_times_input):
        assert np.isfinite(values).all()  # were NaN at every step of sequence 0 and at sequence 2's one step
    assert (s.abs_grad[0] > 0).any()  # the other channel still counts


# -- K31-04: ConvLSTM frames channels last ----------------------------------------------------------------------------
def test_K31_04_channels_last_frames_are_named_with_the_permute_not_flatten_alone():
    cell = rnnkit.ConvLSTMCell(3, 2, (4, 5))
    frames = torch.randn(2, 6, 4, 5, 3)  # (B, T, H, W, C), as OpenCV and PIL give frames
    for call in (lambda: cell.project(frames), lambda: rnnkit.Recurrent(cell)(frames)):
        with pytest.raises(ValueError) as e:
            call()
        message = one_line(e)
        assert "x.permute(0, 1, 4, 2, 3).flatten(2)" in message and "channels last" in message
    fixed = frames.permute(0, 1, 4, 2, 3).flatten(2)
    torch.testing.assert_close(fixed.view(2, 6, 3, 4, 5), frames.permute(0, 1, 4, 2, 3))  # the fix is right
    rnnkit.Recurrent(cell)(fixed)
    with pytest.raises(ValueError, match=r"pass x\.flatten\(2\)"):  # frames in the cell's order: flatten alone
        cell.project(torch.randn(2, 6, 3, 4, 5))


# -- K31-05: a torch.nn state_dict to a layer torch.nn does not have --------------------------------------------------
@pytest.mark.parametrize("layer,module,fits", [(rnnkit.LayerNormLSTM, nn.LSTM, True), (rnnkit.MinGRU, nn.GRU, False),
                                               (rnnkit.MinLSTM, nn.LSTM, False)])
def test_K31_05_a_torch_state_dict_to_a_layer_torch_has_not_names_the_layer_it_fits(layer, module, fits):
    ours, theirs = layer(3, 4), module(3, 4)
    with pytest.raises(RuntimeError) as e:
        ours.load_state_dict(theirs.state_dict())
    message = one_line(e)
    kind = module.__name__
    assert message.startswith(f"{layer.__name__}.load_state_dict: the state_dict holds the parameters of a "
                              f"torch.nn.{kind}")
    assert f"rnnkit.{kind}(3, 4)" in message and "layers.0.cell" not in message
    assert ("strict=False" in message) == fits
    if fits:  # the warm start it names loads the weights that fit
        ours.load_state_dict(theirs.state_dict(), strict=False)
        torch.testing.assert_close(ours.layers[0].cell.weight_hh, theirs.weight_hh_l0)


# -- K31-06: defaults_for_series given an array's shape, fractional lengths or counts -----------------------------
def test_K31_06_defaults_for_series_reads_one_length_and_refuses_fractions():
    from rnnkit.models import defaults_for_series

    X = np.zeros((100, 150, 1))
    one = defaults_for_series(len(X), X.shape[1], X.shape[2])  # every sequence 150 steps: was a TypeError
    assert one == defaults_for_series(100, [150] * 100, 1)
    with pytest.raises(ValueError) as e:  # was truncated to T = 64: no front-end, where 64.9 steps asks for one
        defaults_for_series(3, [64.9, 64.5, 10.2], 1)
    assert "lengths must be whole numbers of steps, got 64.9 at position 0" in one_line(e)
    assert defaults_for_series(3, np.array([200.0, 100.0, 50.0]), 1) == defaults_for_series(3, [200, 100, 50], 1)
    with pytest.raises(ValueError, match="n_sequences must be an integer >= 1, got 100.5"):
        defaults_for_series(100.5, [100] * 10, 1)  # was a batch_size of 12.0
    with pytest.raises(ValueError, match="did you mean 'regression'"):
        defaults_for_series(3, [5, 3, 2], 1, task="regress")


# -- K31-07: from_torch of a frozen, a parametrized module, and options given beside it ----------------------------
def test_K31_07_from_torch_keeps_frozen_weights_reads_parametrized_ones_and_names_options_it_cannot_take():
    theirs = nn.LSTM(3, 4, num_layers=2, batch_first=True)
    theirs.requires_grad_(False)  # a pretrained encoder, frozen
    ours = rnnkit.LSTM.from_torch(theirs)
    assert not any(p.requires_grad for p in ours.parameters())  # were all trainable again, silently
    assert not any(p.requires_grad for p in ours.to_torch().parameters())
    gru = nn.GRU(3, 4, batch_first=True)
    nn.utils.parametrizations.weight_norm(gru, "weight_hh_l0")  # a ParametrizedGRU: was refused as no torch.nn.GRU
    x = torch.randn(2, 5, 3)
    torch.testing.assert_close(rnnkit.GRU.from_torch(gru)(x)[0], gru(x)[0], atol=1e-6, rtol=1e-6)
    assert rnnkit.LSTM.from_torch(nn.LSTM(3, 4, num_layers=2), dropout=0.3).dropout == 0.3  # was a TypeError
    for option in ({"bidirectional": True}, {"forget_bias": 5.0}):  # a TypeError; forget_bias silently overwritten
        with pytest.raises(ValueError) as e:
            rnnkit.LSTM.from_torch(nn.LSTM(3, 4), **option)
        assert f"LSTM.from_torch: {next(iter(option))} is fixed by the module's weights" in one_line(e)


# -- K31-08: one layer object stacked several times ---------------------------------------------------------------
def test_K31_08_a_layer_stacked_several_times_is_refused_not_tied():
    layer = rnnkit.Recurrent(rnnkit.LSTMCell(8, 8))
    with pytest.raises(ValueError) as e:  # was a 3-layer LSTM of one layer's weights, on the native path
        rnnkit.Stacked([layer] * 3)
    assert one_line(e).startswith("Stacked: layers 0 and 1 are the same Recurrent object (a list made with "
                                  "[layer] * n?)")
    cell = rnnkit.LSTMCell(8, 8)  # tying on purpose, as the message says, still builds
    tied = rnnkit.Stacked([rnnkit.Recurrent(cell) for _ in range(2)])
    assert sum(p.numel() for p in tied.parameters()) == sum(p.numel() for p in cell.parameters())


# -- K31-09: per-sample gradients with torch.func over sequences of their own lengths ---------------------------
def test_K31_09_vmap_of_grad_over_sequences_and_their_lengths_gives_each_sequences_gradient():
    from torch.func import functional_call, grad, vmap

    torch.manual_seed(0)
    model = SequenceToLabel(3, 5, 2, cell="gru")
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, lengths, y = torch.randn(3, 6, 3), torch.tensor([6, 4, 1]), torch.tensor([0, 1, 1])

    def loss(p, xi, li, yi):  # one sequence, as vmap hands it: (T, F), a 0-d length and label
        logits, _ = functional_call(model, p, (xi[None], li[None]))
        return nn.functional.cross_entropy(logits, yi[None])

    per_sample = vmap(grad(loss), in_dims=(None, 0, 0, 0))(params, x, lengths, y)  # was vmap's .item() refusal
    for b in range(3):  # each sequence alone, cut to its length
        alone = grad(loss)(params, x[b, : lengths[b]], lengths[b], y[b])
        for k in params:
            torch.testing.assert_close(per_sample[k][b], alone[k], atol=1e-5, rtol=1e-5)


# -- K31-10: torch.jit.trace of the default GRU -------------------------------------------------------------------
def test_K31_10_jit_trace_of_a_gru_runs_torchs_op_and_saves():
    import io
    import warnings

    torch.manual_seed(0)
    gru = rnnkit.GRU(3, 4)  # auto: the C++ GRU loop on CPU, which the trace recorded as a Python call
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's TracerWarnings about the input checks' Python values
        traced = torch.jit.trace(gru, (torch.randn(3, 5, 3),))  # was "Tracing failed sanity checks!"
    buffer = io.BytesIO()
    torch.jit.save(traced, buffer)
    buffer.seek(0)
    loaded = torch.jit.load(buffer)
    x = torch.randn(2, 7, 3)  # another batch and length: torch's op is traced whole
    torch.testing.assert_close(loaded(x)[0], gru(x)[0], atol=1e-6, rtol=1e-6)
    forced = rnnkit.GRU(3, 4, backend="cpu_gru")
    with pytest.raises(ValueError, match=r"backend='cpu_gru' cannot run under torch\.jit\.trace"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.jit.trace(forced, (torch.randn(3, 5, 3),))


# -- K31-11: TimeAware read backwards ------------------------------------------------------------------------------
def test_K31_11_a_reversed_time_aware_layer_is_warned_of():
    import warnings

    with pytest.warns(UserWarning, match=r"a reversed TimeAware layer reads delta, the time since each feature was "
                                         r"last observed before each step, backwards.*bidirectional=False"):
        rnnkit.Bidirectional(rnnkit.Recurrent(rnnkit.TimeAware(rnnkit.GRUCell(4, 5))),
                             rnnkit.Recurrent(rnnkit.TimeAware(rnnkit.GRUCell(4, 5)), reverse=True))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # forward, as GRU-D reads it: no word
        rnnkit.Recurrent(rnnkit.TimeAware(rnnkit.GRUCell(4, 5)))


# -- K31-12: a list of sequences of their own lengths -------------------------------------------------------------
def test_K31_12_a_list_of_sequences_names_pad_sequence_and_its_lengths():
    torch.manual_seed(0)
    seqs = [torch.randn(5, 3), torch.randn(3, 3)]  # a Dataset's items, as a DataLoader's list collate leaves them
    lstm = rnnkit.LSTM(3, 4)
    for call in (lambda: lstm(seqs), lambda: SequenceToLabel(3, 4, 2)(seqs)):
        with pytest.raises(ValueError) as e:  # was "got list", no way on
            call()
        assert "got list of 2 tensors ((3, 3), (5, 3)); a list of sequences (T_i, F)? pad them into one batch: x = " \
               "torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True)" in one_line(e)
    x = nn.utils.rnn.pad_sequence(seqs, batch_first=True)  # the fix it gives reads each sequence as alone
    out, _ = lstm(x, torch.tensor([len(s) for s in seqs]))
    torch.testing.assert_close(out[1, :3], lstm(seqs[1][None])[0][0])


# -- K31-13: torch.func.functional_call with torch.nn's parameter names -------------------------------------------
def test_K31_13_functional_call_with_torch_names_says_rnnkits_name():
    from torch.func import functional_call

    torch.manual_seed(0)
    theirs, ours, x = nn.LSTM(3, 4, batch_first=True), rnnkit.LSTM(3, 4), torch.randn(2, 5, 3)
    with pytest.raises(AttributeError) as e:  # was told to copy_ in place, which no functional call does
        functional_call(ours, dict(theirs.named_parameters()), (x,))
    assert "a map by name (torch.func.functional_call, a dict of tensors) takes rnnkit's names, " \
           "'layers.0.cell.weight_ih' for 'weight_ih_l0'" in one_line(e)
    renamed = {f"layers.0.cell.{k.removesuffix('_l0')}": v for k, v in theirs.named_parameters()}
    torch.testing.assert_close(functional_call(ours, renamed, (x,))[0], theirs(x)[0], atol=1e-6, rtol=1e-6)


# -- K31-14: TimeAware.set_mean of a half-precision model's inputs ------------------------------------------------
def test_K31_14_set_mean_of_float16_readings_is_their_mean_not_inf():
    torch.manual_seed(0)
    cell = rnnkit.TimeAware(rnnkit.GRUCell(4, 5)).half()
    x = (torch.rand(100, 50, 2) * 100 + 1000).half()  # 5000 readings near 1000: a float16 total past 65504
    m = (torch.rand(100, 50, 2) > 0.2).half()
    cell.set_mean(x, m)  # was inf, so every imputed value inf and the outputs NaN
    expected = (x.float() * m.float()).sum((0, 1)) / m.float().sum((0, 1))
    torch.testing.assert_close(cell.x_mean.float(), expected, atol=1.0, rtol=0)  # float16's spacing at 1024


# -- K31-15: time_aware_inputs of numpy readings and datetime64 times ---------------------------------------------
def test_K31_15_time_aware_inputs_reads_numpy_arrays_and_datetime64_times():
    import pandas as pd

    values = np.random.default_rng(0).normal(size=(2, 4, 1)).astype(np.float32)
    values[0, 1, 0] = np.nan  # a missing reading
    stamps = pd.date_range("2024-01-01", periods=4, freq="min").values  # datetime64[ns]
    times = np.stack([stamps, stamps + np.timedelta64(90, "s")])
    x = rnnkit.time_aware_inputs(values, times)  # was torch's TypeError from isfinite (numpy times), dim (values)
    assert x.dtype == torch.float32 and x.shape == (2, 4, 3)
    torch.testing.assert_close(x[..., 2], torch.tensor([[0.0, 60.0, 120.0, 60.0], [0.0, 60.0, 60.0, 60.0]]))
    seconds = np.arange(8.0).reshape(2, 4) * 60  # numeric numpy times: the same as a tensor of them
    torch.testing.assert_close(rnnkit.time_aware_inputs(torch.as_tensor(values), seconds),
                               rnnkit.time_aware_inputs(torch.as_tensor(values), torch.as_tensor(seconds)),
                               equal_nan=True)
