"""Long series: front-ends, attention pooling, per-series normalisation and the data-chosen defaults."""

import copy
import math

import numpy as np
import pytest
import torch

from rnnkit.cells import GRUCell
from rnnkit.models import (
    CELL_NAMES,
    AttentionPool,
    ConvFrontEnd,
    FullyConvolutional,
    PatchEmbedding,
    SequenceToLabel,
    defaults_for_series,
    normalise_series,
    pool,
)
from rnnkit.training import SequenceModule

FRONTENDS = {"patch": PatchEmbedding, "conv": ConvFrontEnd}


def ragged(B=4, T=11, F=2, seed=0):
    """A padded batch with lengths T, 1, a multiple of 3 and one that leaves a partial last patch of 3."""
    g = torch.Generator().manual_seed(seed)
    x, lengths = torch.randn(B, T, F, generator=g), torch.tensor([T, 1, 6, 8][:B])
    return x, lengths


def scramble_padding(x, lengths):
    """The same batch with large random values at every padded step, and a NaN and an inf among them."""
    valid = (torch.arange(x.shape[1])[None, :] < lengths[:, None])[..., None]
    noise = 100 * torch.randn_like(x)
    noise[1, -1, 0], noise[1, -2, -1] = float("nan"), float("inf")  # sequence 1 has length 1
    return torch.where(valid, x, noise)


# -- front-ends ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FRONTENDS)
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_frontend_maps_lengths_to_ceil_of_l_over_k_and_zeroes_the_rest(name, k):
    torch.manual_seed(0)
    fe = FRONTENDS[name](2, 5, k)
    x, lengths = ragged()
    e, out_lengths = fe(x, lengths)
    assert e.shape == (4, math.ceil(11 / k), 5)
    assert out_lengths.tolist() == [math.ceil(n / k) for n in lengths.tolist()]
    for b, n in enumerate(out_lengths.tolist()):
        assert torch.all(e[b, n:] == 0)
    e_all, none = fe(x, None)  # no lengths: every step valid
    assert none is None and e_all.shape == e.shape and torch.equal(e_all[0], e[0])


@pytest.mark.parametrize("name", FRONTENDS)
@pytest.mark.parametrize("k", [2, 3])
def test_frontend_reads_no_padding_and_a_batch_equals_each_sequence_alone(name, k):
    torch.manual_seed(0)
    fe = FRONTENDS[name](2, 5, k)
    x, lengths = ragged()
    e, out_lengths = fe(x, lengths)
    assert torch.equal(fe(scramble_padding(x, lengths), lengths)[0], e)
    for b, n in enumerate(lengths.tolist()):
        alone, alone_lengths = fe(x[b:b + 1, :n], lengths[b:b + 1])
        assert alone.shape[1] == out_lengths[b]
        torch.testing.assert_close(alone[0], e[b, : out_lengths[b]], rtol=1e-6, atol=1e-6)


def test_patch_embedding_by_hand_with_a_partial_last_patch():
    fe = PatchEmbedding(1, 1, 2)
    with torch.no_grad():
        fe.linear.weight.copy_(torch.tensor([[10.0, 1.0]]))  # e_j = 10 x_{2j} + x_{2j+1} + 0.5
        fe.linear.bias.fill_(0.5)
    x = torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 2.0, 3.0, 7.0, 7.0]])[..., None]
    e, out_lengths = fe(x, torch.tensor([5, 3]))
    assert out_lengths.tolist() == [3, 2]
    assert e[..., 0].tolist() == [[12.5, 34.5, 50.5], [12.5, 30.5, 0.0]]  # last patches count 5 and 3 alone


def test_conv_frontend_by_hand_window_centred_on_each_patch():
    torch.manual_seed(0)
    fe = ConvFrontEnd(1, 1, 2)  # window 5, reaching 1 step before and 2 after each patch of 2
    with torch.no_grad():
        fe.conv.weight.copy_(torch.tensor([[[1.0, 10.0, 100.0, 1000.0, 10000.0]]]))
        fe.conv.bias.fill_(0.0)
    x = torch.arange(1.0, 8.0)[None, :, None]  # 1..7, of which 5 valid
    e, out_lengths = fe(x, torch.tensor([5]))
    assert out_lengths.tolist() == [3]
    # e_j = sum_i w_i x_{2j - 1 + i}, zero outside [0, 5)
    expected = [0 + 10 * 1 + 100 * 2 + 1000 * 3 + 10000 * 4,
                2 + 10 * 3 + 100 * 4 + 1000 * 5 + 0,
                4 + 10 * 5 + 0 + 0 + 0,
                0]  # T = 7 gives 4 outputs, the 4th past the 3 valid ones
    assert e[0, :, 0].tolist() == expected
    with torch.no_grad():
        fe.conv.weight.neg_()
    assert torch.all(fe(x, torch.tensor([5]))[0] == 0)  # the ReLU


# -- the fully convolutional branch (frontend="fcn") ------------------------------------------------------------
def test_fcn_branch_reads_no_padding_and_a_batch_equals_each_sequence_alone_in_eval_mode():
    torch.manual_seed(0)
    fcn = FullyConvolutional(2, (3, 5, 4), resolution=2)
    fcn(torch.randn(8, 11, 2), None)  # one training step moves the running statistics off their start
    fcn.eval()
    x, lengths = ragged()
    out = fcn(x, lengths)
    assert out.shape == (4, 4)
    assert torch.equal(fcn(scramble_padding(x, lengths), lengths), out)
    for b, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(fcn(x[b:b + 1, :n], lengths[b:b + 1])[0], out[b], rtol=1e-5, atol=1e-6)


def test_fcn_batch_norm_takes_momentum_none_as_torch_does_so_update_bn_recomputes_its_statistics():
    """``momentum=None`` is nn.BatchNorm1d's cumulative mean over the batches read (what
    ``torch.optim.swa_utils.update_bn`` and weight averaging set): the branch's running statistics after three
    batches are the mean of the three batches' own (each read alone with momentum 1), and ``update_bn`` runs."""
    torch.manual_seed(0)
    batches = [torch.randn(4, 9, 2) for _ in range(3)]
    fcn = FullyConvolutional(2, (3, 5, 4), resolution=1)
    alone = []
    for x in batches:  # momentum 1: the running statistics become this batch's (given the same weights)
        one = copy.deepcopy(fcn)
        for norm in one.norms:
            norm.momentum = 1.0
        one(x, None)
        alone.append([(n.running_mean.clone(), n.running_var.clone()) for n in one.norms])
    for norm in fcn.norms:
        norm.momentum = None
        norm.reset_running_stats()
    for x in batches:
        fcn(x, None)
    first = fcn.norms[0]  # the first block's inputs do not depend on the running statistics
    torch.testing.assert_close(first.running_mean, torch.stack([a[0][0] for a in alone]).mean(0))
    torch.testing.assert_close(first.running_var, torch.stack([a[0][1] for a in alone]).mean(0))
    assert int(first.num_batches_tracked) == 3
    model = SequenceToLabel(2, 8, 3, frontend="fcn", stride=2)
    loader = [(x,) for x in batches]
    torch.optim.swa_utils.update_bn(loader, model)  # set momentum None, reset, read: no TypeError
    assert all(n.momentum is not None for n in model.fcn.norms)  # update_bn restores them


@pytest.mark.parametrize("r", [2, 3])
def test_fcn_resolution_averages_windows_of_r_valid_steps(r):
    """A series with each step repeated r times reads at resolution r what the series reads at resolution 1;
    the last window of a series cut short averages only its valid steps."""
    torch.manual_seed(0)
    fine = FullyConvolutional(1, (2, 3, 2), resolution=1).eval()
    coarse = FullyConvolutional(1, (2, 3, 2), resolution=r).eval()
    coarse.load_state_dict(fine.state_dict())
    x = torch.randn(1, 7, 1)
    repeated = x.repeat_interleave(r, dim=1)  # (1, 7r, 1)
    torch.testing.assert_close(coarse(repeated, None), fine(x, None))
    cut = torch.tensor([7 * r - r + 1])  # the last window holds one valid step of r
    torch.testing.assert_close(coarse(repeated, cut), fine(x, None))


def test_fcn_branch_is_averaged_over_time_and_concatenated_before_the_head():
    torch.manual_seed(0)
    model = SequenceToLabel(1, 4, 3, cell="gru", frontend="fcn", stride=4, pooling="mean").eval()
    assert model.fcn.resolution == 1 and model.frontend.k == 4  # ceil(4 / 4) and the conv front-end
    assert model.head.linear.in_features == 4 + model.fcn.output_size == 4 + 2  # (E/2, E, E/2), E = 4
    x, lengths = torch.randn(2, 13, 1), torch.tensor([13, 9])
    out, _ = model(x, lengths)
    z, z_lengths = model.frontend(x, lengths)
    h, state = model.encoder(z, z_lengths)
    pooled = pool(h, z_lengths, state, "mean", 1)
    expected = model.head.linear(torch.cat([pooled, model.fcn(x, lengths)], -1))
    torch.testing.assert_close(out, expected)
    assert SequenceToLabel(1, 64, 3, frontend="fcn", stride=23).fcn.resolution == 6


def test_default_classifier_with_the_fcn_branch_exports_equal_to_eager(tmp_path):
    pytest.importorskip("onnxruntime")
    from rnnkit import SequenceClassifier, export_onnx

    rng = np.random.default_rng(0)
    X = [rng.normal(size=(int(rng.integers(70, 90)), 1)) for _ in range(24)]
    y = np.arange(24) % 2
    clf = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, device="cpu").fit(X, y)
    assert clf.choices_["frontend"] == "fcn"  # long univariate series: the rule picks LSTM-FCN
    info = export_onnx(clf, tmp_path / "out", verbose=False)
    assert info["sequence"]["max_abs_error"] < 1e-5 and info["fcn"]["kind"] == "FullyConvolutional"
    assert info["step"]["file"] is None


# -- attention pooling ---------------------------------------------------------------------------------------
def test_attention_weights_sum_to_one_over_valid_steps_and_ignore_padding():
    torch.manual_seed(0)
    att = AttentionPool(3)
    h, lengths = torch.randn(4, 7, 3), torch.tensor([7, 1, 3, 5])
    a = att.weights(h, lengths)
    torch.testing.assert_close(a.sum(1), torch.ones(4))
    valid = torch.arange(7)[None, :] < lengths[:, None]
    assert torch.all(a[~valid] == 0) and torch.all(a[valid] > 0)
    assert a[1, 0] == 1.0
    pooled = att(h, lengths)
    torch.testing.assert_close(pooled, (a[..., None] * h).sum(1))
    torch.testing.assert_close(att(scramble_padding(h, lengths), lengths), pooled)
    for b, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(att(h[b:b + 1, :n], lengths[b:b + 1])[0], pooled[b])
    # a softmax of v . tanh(W h_t + b): by hand for sequence 2
    s = att.score(torch.tanh(att.project(h[2, :3])))[:, 0]
    torch.testing.assert_close(a[2, :3], torch.softmax(s, 0))


def test_attention_pooling_needs_its_module():
    with pytest.raises(ValueError, match="attention"):
        pool(torch.randn(2, 3, 4), None, torch.randn(2, 1, 4), "attention", 1)


# -- per-series normalisation --------------------------------------------------------------------------------
def test_series_normalisation_by_hand_over_valid_steps_with_an_eps_floor():
    x, lengths = ragged(F=3)
    x[2, :, 1] = 4.0  # a constant channel over its valid steps
    z = normalise_series(x, lengths, eps=1e-5)
    for b, n in enumerate(lengths.tolist()):
        v = x[b, :n].double().numpy()
        expected = (v - v.mean(0)) / np.maximum(v.std(0), 1e-5)
        np.testing.assert_allclose(z[b, :n].double().numpy(), expected, atol=1e-5)
        assert torch.all(z[b, n:] == 0)
    assert torch.all(z[2, :6, 1] == 0) and torch.all(z[1, 0] == 0)  # constant, and a length-1 sequence
    assert torch.isfinite(z).all()
    torch.testing.assert_close(normalise_series(scramble_padding(x, lengths), lengths), z)
    torch.testing.assert_close(normalise_series(3 * x + 7, lengths), z, atol=1e-5, rtol=1e-5)  # level, scale


def test_a_series_normalised_model_is_blind_to_each_series_level_and_scale():
    torch.manual_seed(0)
    x, lengths = ragged()
    scale, level = torch.tensor([3.0, 0.5, 2.0, 10.0]), torch.tensor([7.0, -1.0, 0.0, 4.0])
    shifted = x * scale[:, None, None] + level[:, None, None]  # each series its own level and scale
    model = SequenceToLabel(2, 4, 3, cell="gru", normalise="series", pooling="mean")
    torch.testing.assert_close(model(shifted, lengths)[0], model(x, lengths)[0], atol=1e-5, rtol=1e-5)
    model.normalise = None  # the same weights without it do see the level
    assert not torch.allclose(model(shifted, lengths)[0], model(x, lengths)[0], atol=1e-3)


# -- the model: every cell, every option ---------------------------------------------------------------------
@pytest.mark.parametrize("cell", list(CELL_NAMES) + [GRUCell])
@pytest.mark.parametrize("frontend", ["patch", "conv", "fcn"])
def test_every_cell_with_a_frontend_and_attention_ignores_padding_and_trains(cell, frontend):
    torch.manual_seed(0)
    model = SequenceToLabel(2, 4, 3, cell=cell, bidirectional=True, frontend=frontend, stride=3,
                            pooling="attention", normalise="series")
    model.train(frontend != "fcn")  # fcn's batch norm reads each sequence alone with its running statistics
    x, lengths = ragged()
    out, _ = model(x, lengths)
    assert out.shape == (4, 3)
    torch.testing.assert_close(model(scramble_padding(x, lengths), lengths)[0], out)
    for b, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(model(x[b:b + 1, :n], lengths[b:b + 1])[0][0], out[b], rtol=1e-5,
                                   atol=1e-5)
    model.train()(x, lengths)[0].square().sum().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


@pytest.mark.parametrize("pooling", ["final", "last", "mean", "max"])
def test_a_frontend_composes_with_every_pooling(pooling):
    torch.manual_seed(0)
    model = SequenceToLabel(2, 4, 3, cell="gru", bidirectional=True, frontend="conv", stride=2, pooling=pooling)
    x, lengths = ragged()
    out, _ = model(x, lengths)
    for b, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(model(x[b:b + 1, :n], lengths[b:b + 1])[0][0], out[b], rtol=1e-5,
                                   atol=1e-5)


def test_the_recurrence_reads_the_shortened_sequence():
    torch.manual_seed(0)
    model = SequenceToLabel(1, 4, 2, cell="gru", frontend="patch", stride=10, embed_size=6, pooling="mean")
    seen = []
    model.encoder.register_forward_hook(lambda m, args, out: seen.append((args[0].shape, args[1].tolist())))
    model(torch.randn(2, 95, 1), torch.tensor([95, 41]))
    assert seen == [((2, 10, 6), [10, 5])]


def test_bad_options_are_named():
    with pytest.raises(ValueError, match="frontend"):
        SequenceToLabel(2, 4, 3, frontend="fft")
    with pytest.raises(ValueError, match="stride"):
        SequenceToLabel(2, 4, 3, frontend="conv", stride=0)
    with pytest.raises(ValueError, match="normalise"):
        SequenceToLabel(2, 4, 3, normalise="global")
    with pytest.raises(ValueError, match="pooling"):
        SequenceToLabel(2, 4, 3, pooling="sum")
    with pytest.raises(ValueError, match="truncated BPTT"):
        SequenceModule(SequenceToLabel(2, 4, 3, pooling="attention"), tbptt_steps=4)


# -- defaults from the data's size ---------------------------------------------------------------------------
def test_defaults_read_short_series_step_by_step_and_shorten_long_ones():
    short = defaults_for_series(67, [24] * 67, 1)
    assert short["model"]["frontend"] is None
    for T in (150, 1000, 1460):
        long = defaults_for_series(100, [T] * 100, 1)
        k = long["model"]["stride"]
        assert long["model"]["frontend"] in ("patch", "conv", "fcn") and k > 1
        assert math.ceil(T / k) <= 150
        assert long["model"]["pooling"] == "attention"
    assert short["model"]["normalise"] is None
    assert defaults_for_series(100, [300] * 100, 1)["model"]["normalise"] == "series"  # long, one channel
    assert defaults_for_series(100, [300] * 100, 6)["model"]["normalise"] is None  # amplitudes across channels
    ragged_lengths = defaults_for_series(537, list(range(100, 1345)), 1)  # the longest sequence decides
    assert math.ceil(1344 / ragged_lengths["model"]["stride"]) <= 150
    # the stride reads 9 series in 10 in at most 64 steps: a few long ones do not coarsen the rest
    assert defaults_for_series(100, [1344] * 5 + [500] * 95, 1)["model"]["stride"] == math.ceil(500 / 64)
    assert defaults_for_series(50, [150] * 50, 1) == defaults_for_series(50, np.full(50, 150), 1)
    small, large = defaults_for_series(50, [150] * 50, 1), defaults_for_series(5000, [150] * 5000, 1)
    assert small["training"]["max_epochs"] >= large["training"]["max_epochs"]
    assert all(isinstance(d["rule"], str) and d["rule"] for d in (short, small, large))


def test_default_options_build_a_model_that_runs():
    for T in (24, 1000):
        chosen = defaults_for_series(40, [T] * 40, 3)
        model = SequenceToLabel(input_size=3, output_size=4, **chosen["model"])
        out, _ = model(torch.randn(2, T, 3), torch.tensor([T, T // 2]))
        assert out.shape == (2, 4)


def test_defaults_reject_empty_data():
    with pytest.raises(ValueError, match="n_sequences"):
        defaults_for_series(0, [], 1)
    with pytest.raises(ValueError, match="lengths"):
        defaults_for_series(3, [5, 0, 4], 1)
