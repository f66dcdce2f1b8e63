"""The twenty-second round's cases of the cells, layers and sequence models driven with PyTorch habits: the
ConvLSTM cell built as torch.nn.Conv2d is (P22-01), a LayerNorm-LSTM's eps and forget_bias (P22-02), the
attributes code written for torch.nn reads (P22-03), torch.nn state_dicts of another layer (P22-04), an
EncoderDecoder's targets, target lengths, decoding options and dropout (P22-05..08), and the models' sizes
(P22-09)."""
import warnings

import pytest
import torch
from helpers import one_line
from torch import nn

import rnnkit
from rnnkit.models import EncoderDecoder, LanguageModel


def test_P22_01_convlstm_takes_conv2d_sizes_and_refuses_what_it_would_misread():
    torch.manual_seed(0)
    square = rnnkit.ConvLSTMCell(2, 3, 4, kernel_size=(3, 3))  # torch.nn.Conv2d's habits: one size, a pair
    plain = rnnkit.ConvLSTMCell(2, 3, (4, 4), kernel_size=3)
    plain.load_state_dict(square.state_dict())
    assert square.image_size == (4, 4) and square.conv_h.padding == (1, 1)
    x = torch.randn(2, 3, 2 * 16)
    torch.testing.assert_close(rnnkit.Recurrent(square)(x)[0], rnnkit.Recurrent(plain)(x)[0], rtol=0, atol=0)
    wide = rnnkit.ConvLSTMCell(2, 3, (4, 6), kernel_size=(1, 5))  # a rectangular kernel keeps the image size
    assert wide.conv_x.padding == (0, 2) and rnnkit.Recurrent(wide)(torch.randn(2, 3, 48))[0].shape == (2, 3, 72)
    for kwargs, message in [
        (dict(image_size=(4, 4, 3)), r"image_size must be \(height, width\) .*, got \(4, 4, 3\)"),
        (dict(image_size=(4, 4), kernel_size=(3, 4)), r"kernel_size must be odd .*, got \(3, 4\)"),
        (dict(image_size=(4, 4), in_channels=2.0), r"in_channels and hidden_channels must be integers >= 1, got 2.0"),
        (dict(image_size=(4, 4), hidden_channels="3"), r"in_channels and .*, got 2, '3'"),
        (dict(image_size=(4, 4), forget_bias="1"), r"forget_bias must be a number or None, got '1'"),
    ]:
        args = {"in_channels": 2, "hidden_channels": 3, **kwargs}
        with pytest.raises(ValueError, match="ConvLSTMCell: " + message) as e:
            rnnkit.ConvLSTMCell(args.pop("in_channels"), args.pop("hidden_channels"), args.pop("image_size"), **args)
        one_line(e)


def test_P22_02_layernorm_lstm_refuses_an_eps_that_gives_nan_and_a_forget_bias_of_text():
    for eps in (0.0, -1e-5, float("nan"), "1e-5"):  # 0: the zero initial state's block has variance 0 -> 0/0
        with pytest.raises(ValueError, match=rf"LayerNormLSTMCell: eps must be a finite number > 0 .*got {eps!r}"):
            rnnkit.LayerNormLSTM(4, 6, eps=eps)
    with pytest.raises(ValueError, match=r"LayerNormLSTMCell: forget_bias must be a number or None, got 'x'") as e:
        rnnkit.LayerNormLSTMCell(4, 6, forget_bias="x")
    one_line(e)
    out, _ = rnnkit.LayerNormLSTM(4, 6, eps=1e-3)(torch.randn(2, 3, 4))
    assert torch.isfinite(out).all()


def test_P22_03_torch_nn_attributes_read_as_torch_nn_gives_them():
    torch.manual_seed(0)
    theirs = nn.LSTM(4, 6, num_layers=2, bidirectional=True, batch_first=True)
    ours = rnnkit.LSTM.from_torch(theirs)
    assert ours.batch_first is True and ours.proj_size == 0
    assert len(ours.all_weights) == len(theirs.all_weights) == 4
    for mine, torchs in zip(ours.all_weights, theirs.all_weights, strict=True):
        assert len(mine) == len(torchs) == 4
        for a, b in zip(mine, torchs, strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
    assert ours.all_weights[1][1] is ours.layers[0].backward_layer.cell.weight_hh  # the parameters themselves
    assert [len(w) for w in rnnkit.GRU(4, 6, bias=False).all_weights] == [2]


def test_P22_04_a_torch_state_dict_of_another_layer_says_which_option_differs():
    def refused(layer, theirs, message):
        with pytest.raises(RuntimeError, match=message) as e:  # torch.nn's error type for a state_dict
            layer.load_state_dict(theirs.state_dict())
        return one_line(e)

    start = r"LSTM.load_state_dict: the state_dict holds the parameters of a torch.nn.LSTM with "
    refused(rnnkit.LSTM(4, 6, bias=False), nn.LSTM(4, 6),
            start + r"bias=True \(this layer: False\), .*; build the layer to match, rnnkit.LSTM\(4, 6\)")
    refused(rnnkit.LSTM(4, 6), nn.LSTM(4, 6, bias=False, num_layers=2),
            start + r"num_layers=2 \(this layer: 1\), bias=False \(this layer: True\), which this LSTM cannot take; "
                    r"weight_hh_l1, weight_ih_l1 have no place here; bias_hh_l0, bias_ih_l0 are missing; build the "
                    r"layer to match, rnnkit.LSTM\(4, 6, num_layers=2, bias=False\)")
    refused(rnnkit.LSTM(4, 6), nn.LSTM(5, 6), start + r"input_size=5 \(this layer: 4\)")
    refused(rnnkit.LSTM(4, 6), nn.GRU(4, 6), r"a torch.nn.GRU with 3 gate blocks, .* rnnkit.GRU\(4, 6\)")
    refused(rnnkit.LSTM(4, 6), nn.LSTM(4, 6, proj_size=3), r"proj_size=3 \(weight_hr_l0\), which rnnkit does not")

    # strict=False loads what fits, as torch.nn does: here layer 0 of a 2-layer module
    theirs = nn.LSTM(4, 6, num_layers=2)
    ours = rnnkit.LSTM(4, 6)
    result = ours.load_state_dict(theirs.state_dict(), strict=False)
    assert sorted(result.unexpected_keys) == ["bias_hh_l1", "bias_ih_l1", "weight_hh_l1", "weight_ih_l1"]
    torch.testing.assert_close(ours.weight_hh_l0, theirs.weight_hh_l0, rtol=0, atol=0)

    # inside a model, the keys named are the ones the user has, not rnnkit's renaming of them (K37-02: the option
    # that differs is named there too)
    class Model(nn.Module):
        def __init__(self, rnn):
            super().__init__()
            self.rnn = rnn

    with pytest.raises(RuntimeError, match=r"\(at 'rnn'\): .*bias=True \(this layer: False\), .*bias_hh_l0, bias_ih_l0 "
                                           r"have no place here"):
        Model(rnnkit.LSTM(4, 6, bias=False)).load_state_dict(Model(nn.LSTM(4, 6)).state_dict())
    with pytest.raises(RuntimeError, match=r"LSTM.load_state_dict \(at 'rnn'\): .* hidden_size=8 \(this layer: 6\)"):
        Model(rnnkit.LSTM(4, 6)).load_state_dict(Model(nn.LSTM(4, 8)).state_dict())


def test_P22_05_encoder_decoder_targets_as_torch_users_hold_them():
    torch.manual_seed(0)
    x = torch.randn(3, 5, 4)
    model = EncoderDecoder(4, 6, 7).eval()
    y = torch.randint(0, 7, (3, 4))
    for dtype in (torch.uint8, torch.int16):  # class ids as numpy stores small vocabularies
        torch.testing.assert_close(model(x, None, y.to(dtype))[0], model(x, None, y)[0], rtol=0, atol=0)
    with pytest.raises(ValueError, match=r"got shape \(3, 4, 1\); drop the last axis with y.squeeze\(-1\)"):
        model(x, None, y[..., None])
    regressor = EncoderDecoder(4, 6, 1, output_kind="regression").eval()
    values = torch.randn(3, 4, 1)
    for dtype in (torch.float64, torch.float16):  # torch.from_numpy's float64: fed back in the model's dtype
        out, _ = regressor(x, None, values.to(dtype))
        torch.testing.assert_close(out, regressor(x, None, values.to(dtype).float())[0], rtol=0, atol=0)
        assert out.dtype == torch.float32
    with pytest.raises(ValueError, match=r"got shape \(3, 4\); one value per step\? pass y.unsqueeze\(-1\)"):
        regressor(x, None, values[..., 0])


def test_P22_06_encoder_decoder_y_lengths_are_checked_against_y_and_named():
    x, y = torch.randn(3, 5, 4), torch.randint(0, 7, (3, 4))
    model = EncoderDecoder(4, 6, 7)
    with pytest.raises(ValueError, match=r"EncoderDecoder: every length of y_lengths must be in \[1, T=4\], got min "
                                         r"1 and max 5 \(y_lengths\[0\] is 5; 1 such in all\); y holds 4 steps but a "
                                         r"length says 5: pad y") as e:
        model(x, [5, 3, 2], y, [5, 2, 1])  # x's lengths go up to 5; y has 4 steps
    one_line(e)
    with pytest.raises(ValueError, match=r"EncoderDecoder: y_lengths must have shape \(B,\) = \(3,\), got \(2,\)"):
        model(x, None, y, [4, 2])
    out, _ = model(x, [5, 3, 2], y, [4, 2, 1])
    assert out.shape == (3, 4, 7)


def test_P22_07_generate_refuses_lengths_and_stop_tokens_it_would_misread():
    torch.manual_seed(0)
    x = torch.randn(2, 5, 4)
    model = EncoderDecoder(4, 6, 7).eval()
    for max_length in (2.0, "3", True):
        with pytest.raises(ValueError, match=rf"generate: max_length must be an integer >= 1, got {max_length!r}"):
            model.generate(x, max_length=max_length)
    for stop in (7, -1, 1.0):  # never produced: decoding would never stop
        with pytest.raises(ValueError, match=rf"stop_token must be a class id in \[0, output_size=7\), got {stop}"):
            model.generate(x, max_length=3, stop_token=stop)
    with pytest.raises(ValueError, match=r"stop_token ends class sequences, but this model has output_kind="):
        EncoderDecoder(4, 6, 2, output_kind="regression").generate(x, max_length=3, stop_token=1)
    out = model.generate(x, max_length=3)
    stop = int(out[0, 0])
    torch.testing.assert_close(model.generate(x, max_length=3, stop_token=torch.tensor(stop)),
                               model.generate(x, max_length=3, stop_token=stop))


def test_P22_08_encoder_decoder_dropout_with_one_layer_warns_once_in_its_own_name():
    with pytest.warns(UserWarning) as record:
        model = EncoderDecoder(4, 6, 7, dropout=0.3)
    assert [str(w.message) for w in record] == [
        "EncoderDecoder: dropout=0.3 acts between the recurrent layers of the encoder and the decoder, so with "
        "num_layers=1 it does nothing; use num_layers >= 2, or leave it out"]
    assert model.encoder.num_layers == model.decoder.num_layers == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        deep = EncoderDecoder(4, 6, 7, dropout=0.3, num_layers=2)
    assert deep.encoder.dropout == deep.decoder.dropout == 0.3


def test_P22_09_model_sizes_of_zero_or_text_and_a_flag_of_text_are_refused():
    for kwargs, message in [
        (dict(embedding_size=0), r"embedding_size must be an integer >= 1, or None for hidden_size, got 0"),
        (dict(embedding_size=4.0), r"embedding_size must be an integer >= 1, or None for hidden_size, got 4.0"),
        (dict(hidden_size="8"), r"hidden_size must be an integer >= 1, got '8'"),
        (dict(tie_weights="no"), r"tie_weights must be True or False, got 'no'"),
    ]:
        args = {"hidden_size": 8, **kwargs}
        with pytest.raises(ValueError, match="LanguageModel: " + message) as e:
            LanguageModel(11, args.pop("hidden_size"), **args)
        one_line(e)
    with pytest.raises(ValueError, match=r"EncoderDecoder: feedback_size must be an integer >= 1, or None for "
                                         r"hidden_size, got 0"):
        EncoderDecoder(4, 6, 7, feedback_size=0)
    assert LanguageModel(11, 8, embedding_size=None).embedding.embedding_dim == 8
    assert EncoderDecoder(4, 6, 7, feedback_size=3).start.shape == (3,)


def test_P22_10_pruning_a_torch_name_is_refused_before_it_touches_the_layer_and_the_cell_can_be_masked():
    import torch.nn.utils.prune as prune
    from torch.nn.utils import parametrize

    torch.manual_seed(0)
    theirs = nn.LSTM(4, 6, num_layers=2, batch_first=True)
    ours = rnnkit.LSTM.from_torch(theirs)
    keys = list(ours.state_dict())
    with pytest.raises(ValueError, match=r"LSTM: weight_hh_l1 is the parameter weight_hh of the cell layers\[1\]"
                                         r".cell, not of this layer, so torch.nn.utils.prune cannot .*\."
                                         r"register_parametrization\(layer.layers\[1\].cell, 'weight_hh', "
                                         r"mask_module\)") as e:
        prune.l1_unstructured(ours, "weight_hh_l1", amount=0.5)
    one_line(e)
    assert list(ours.state_dict()) == keys  # before: a stray weight_hh_l1_orig, then KeyError

    class Mask(nn.Module):
        def __init__(self, mask):
            super().__init__()
            self.register_buffer("mask", mask)

        def forward(self, w):
            return w * self.mask

    mask = (torch.rand(24, 6) > 0.5).float()
    prune.custom_from_mask(theirs, "weight_hh_l1", mask)
    parametrize.register_parametrization(ours.layers[1].cell, "weight_hh", Mask(mask))
    x = torch.randn(2, 5, 4)
    torch.testing.assert_close(ours(x)[0], theirs(x)[0])
