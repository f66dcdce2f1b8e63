"""Round 44 of bad inputs, the core: a TimeAware stream's step of NaN or infinity, ..."""

import pytest
import torch

import rnnkit
from rnnkit.kernels.step import inference_step


def _time_aware(F=2, H=5):
    torch.manual_seed(0)
    return rnnkit.TimeAware(rnnkit.GRUCell(2 * F, H))


# K44-01: a TimeAware stream's step given a missing reading as NaN (its mask 0), or a NaN mask or an infinite gap,
# ran to NaN outputs, and the stream's state carried the NaN into every later step; now refused as the layers do


@pytest.mark.parametrize("column, part", [(0, "the value of feature 0"), (3, "the mask of feature 1"),
                                          (4, "the time since last observed of feature 0")])
@pytest.mark.parametrize("grad", [False, True])
def test_K44_01_a_stream_step_of_nan_is_refused(column, part, grad):
    cell = _time_aware()
    x_t = torch.tensor([[0.5, 1.0, 1.0, 1.0, 1.0, 1.0], [0.5, 1.0, 1.0, 1.0, 1.0, 1.0]])
    x_t[1, column] = float("nan") if column != 4 else float("inf")
    with torch.set_grad_enabled(grad):
        with pytest.raises(ValueError, match=rf"inference_step: x_t holds (nan|inf) at row 1, column {column} "
                                             rf"\({part}\).*every later one.*time_aware_inputs"):
            inference_step(cell, x_t, cell.stream_start(2))


def test_K44_01_stream_step_itself_refuses_a_nan_reading():
    cell = _time_aware()
    x_t = torch.tensor([[float("nan"), 1.0, 0.0, 1.0, 1.0, 1.0]])  # feature 0 missing, written NaN
    with pytest.raises(ValueError, match=r"TimeAware.stream_step: x_t holds nan at row 0, column 0 .*write 0 at "
                                         r"missing values and 0 in their mask"):
        cell.stream_step(x_t, cell.stream_start(1))


def test_K44_01_a_finite_stream_runs_as_the_layer():
    cell = _time_aware()
    x = rnnkit.time_aware_inputs(torch.tensor([[[0.5, float("nan")], [float("nan"), 2.0], [1.0, 1.0]]]))
    with torch.no_grad():
        want = rnnkit.Recurrent(cell)(x)[0]
        stream, ys = cell.stream_start(1), []
        for t in range(3):
            y, stream = inference_step(cell, x[:, t], stream)
            ys.append(y)
    torch.testing.assert_close(torch.stack(ys, 1), want, rtol=1e-5, atol=1e-6)


# K44-02: integer token ids given to a layer with no embedding were told to add a feature axis and x.float(), which
# reads the ids as magnitudes (id 7 "more" than id 3); now an embedding or a one-hot is named beside the float fix


def test_K44_02_token_ids_b_t_are_told_to_embed():
    ids = torch.randint(0, 10, (3, 5))
    with pytest.raises(ValueError, match=r"LSTM: x must have shape .*got shape \(3, 5\); integer token ids or codes "
                                         r"\(B, T\)\? .*torch.nn.Embedding\(num_tokens, 4\)\(x\).*one_hot.*"
                                         r"x.unsqueeze\(-1\).float\(\)"):
        rnnkit.LSTM(4, 6)(ids)


@pytest.mark.parametrize("shape, fix", [((3, 5, 1), r"torch.nn.Embedding\(num_tokens, 8\)\(x\[..., 0\]\)"),
                                        ((3, 5, 8), r"one_hot\(x, num_codes\).flatten\(2\)")])
def test_K44_02_integer_features_name_the_embedding_beside_float(shape, fix):
    with pytest.raises(ValueError, match=rf"GRU: x must be a floating-point tensor, got dtype torch.int64; "
                                         rf"measurements or counts\? use x.float\(\); integer token ids .*{fix}"):
        rnnkit.GRU(8, 4)(torch.randint(0, 10, shape))


def test_K44_02_a_bool_input_keeps_its_fix():
    with pytest.raises(ValueError, match=r"got dtype torch.bool; use x.float\(\)$"):
        rnnkit.GRU(8, 4)(torch.zeros(2, 5, 8, dtype=torch.bool))


# K44-03: a module given where a size goes (a torch.nn layer to convert, a layer built already handed to a model)
# was shown by its repr of many lines and told to give input_size as an int; now named by its class and sizes, with
# its own size, and the conversion for torch.nn's (from_torch, or a cell's load_state_dict)


def test_K44_03_a_torch_layer_as_the_size_names_from_torch():
    with pytest.raises(ValueError, match=r"got torch.nn.LSTM\(3, 4\), 4; input_size is a module, torch.nn.LSTM, not a "
                                         r"count: give input_size=3, .*rnnkit.LSTM.from_torch\(module\)"):
        rnnkit.LSTM(torch.nn.LSTM(3, 4), 4)


def test_K44_03_a_torch_cell_as_the_size_names_load_state_dict():
    with pytest.raises(ValueError, match=r"input_size is a module, torch.nn.GRUCell, not a count: give input_size=3"
                                         r".*cell.load_state_dict\(module.state_dict\(\)\)"):
        rnnkit.GRUCell(torch.nn.GRUCell(3, 4), 4)


def test_K44_03_a_built_layer_given_to_a_model_names_its_size():
    with pytest.raises(ValueError, match=r"got rnnkit.LSTM\(3, 4\), 4; input_size is a module, rnnkit.LSTM, not a "
                                         r"count: give input_size=3"):
        rnnkit.SequenceToLabel(rnnkit.LSTM(3, 4), 4, 2)


# K44-04: an Ensemble of members built with other cells (an LSTM and a GRU of one size) was told their weight_ih's
# shapes and to use the same sizes, which they have; now the cell classes that differ are named


def test_K44_04_members_of_other_cells_are_named_by_their_cells():
    from rnnkit.models.ensemble import Ensemble

    members = [rnnkit.SequenceToLabel(3, 4, 2), rnnkit.SequenceToLabel(3, 4, 2, cell="gru")]
    with pytest.raises(ValueError, match=r"member 1's encoder.layers.0.cell is of class GRUCell and member 0's of "
                                         r"LSTMCell \(their weight_ih of shape \(12, 3\) and \(16, 3\)\); build every "
                                         r"member with the same cell"):
        Ensemble(members)


def test_K44_04_members_of_other_sizes_keep_the_sizes_fix():
    from rnnkit.models.ensemble import Ensemble

    with pytest.raises(ValueError, match=r"weight_ih has shape \(16, 5\) and member 0's \(16, 3\); build every member "
                                         r"with the same sizes"):
        Ensemble([rnnkit.SequenceToLabel(3, 4, 2), rnnkit.SequenceToLabel(5, 4, 2)])


# K44-05: saliency of one float sequence (T, F) or a series (B, T) was told that token ids have no gradient; now told
# the axis it lacks


@pytest.mark.parametrize("shape", [(6, 3), (4, 6)])
def test_K44_05_saliency_of_a_2d_float_x_names_the_missing_axis(shape):
    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"saliency: X must be float \(B, T, F\) inputs, got .*; one sequence "
                                         r"\(T, F\)\? pass X\[None\]; .*X\[..., None\]"):
        rnnkit.saliency(rnnkit.SequenceToLabel(3, 4, 2), torch.randn(*shape))


def test_K44_05_saliency_of_token_ids_keeps_its_words():
    with pytest.raises(ValueError, match=r"token ids have no gradient"):
        rnnkit.saliency(rnnkit.SequenceToLabel(3, 4, 2), torch.randint(0, 5, (4, 6, 3)))


# K44-06: saliency's target given as text ('1', labels) crashed in torch's conversion; labels 1..C, -1 or a whole
# float were refused without the fix


@pytest.mark.parametrize("target, words", [
    ("1", r"got '1', not numbers; a module's classes are its output indices 0 to 1: give the index"),
    (["a", "b", "a", "b"], r"not numbers; .*or pass the fitted rnnkit estimator"),
    ([1, 2, 2, 1], r"got min 1 and max 2; class labels 1 to 2 rather than indices\? give target - 1"),
    (-1, r"got min -1 and max -1; -1 for the last class\? give it counted from 0, target=1"),
    (1.0, r"got dtype torch.float\d+; give it as an int, target=1"),
])
def test_K44_06_saliency_targets_of_labels_are_told_the_index(target, words):
    torch.manual_seed(0)
    with pytest.raises(ValueError, match=rf"saliency: target .*{words}"):
        rnnkit.saliency(rnnkit.SequenceToLabel(3, 4, 2), torch.randn(4, 6, 3), target=target)


def test_K44_06_an_index_target_runs():
    torch.manual_seed(0)
    out = rnnkit.saliency(rnnkit.SequenceToLabel(3, 4, 2), torch.randn(4, 6, 3), target=[0, 1, 1, 0])
    assert out.target.tolist() == [0, 1, 1, 0]


# K44-07: rnnkit.LSTM(torch_lstm), a torch.nn module given to convert, or a layer without its hidden_size, failed in
# Python's argument binding, "_TorchCompatible.__init__() missing 1 required positional argument", naming a class the
# user never wrote and no fix; now the layer names from_torch, or the sizes to give


@pytest.mark.parametrize("layer, module", [(rnnkit.LSTM, torch.nn.LSTM), (rnnkit.GRU, torch.nn.GRU),
                                           (rnnkit.RNN, torch.nn.RNN)])
def test_K44_07_a_torch_module_given_to_the_layer_names_from_torch(layer, module):
    name = module.__name__
    with pytest.raises(TypeError, match=rf"^{name}: given a torch.nn.{name} module where the sizes go; to convert it "
                                        rf"with its weights: rnnkit.{name}.from_torch\(module\)$"):
        layer(module(3, 4))


def test_K44_07_a_layer_without_hidden_size_is_told_the_sizes():
    with pytest.raises(TypeError, match=r"^LayerNormLSTM: hidden_size is missing; give the sizes, "
                                        r"LayerNormLSTM\(input_size, hidden_size\), e.g. LayerNormLSTM\(3, 32\)"):
        rnnkit.LayerNormLSTM(3)
    assert rnnkit.GRU(3, hidden_size=4).hidden_size == 4


# K44-08: truncated BPTT's chunk of 0, -1, '4' or 4.0 and a clipping threshold of 0, below 0 or as text were refused
# with the rule alone; now the fix follows (the number for text, None for none)


@pytest.mark.parametrize("options, fix", [
    (dict(tbptt_steps=0), r"got 0; 0 steps per chunk cuts nothing: give None for full backpropagation through time"),
    (dict(tbptt_steps="4"), r"got '4'; tbptt_steps is text: give the number, tbptt_steps=4$"),
    (dict(tbptt_steps=4.0), r"got 4.0; tbptt_steps is 4 as a float: give it as an int, tbptt_steps=4$"),
    (dict(clip_grad_norm=0), r"got 0; 0 would zero every gradient: give None for no clipping"),
    (dict(clip_grad_norm="1.0"), r"got '1.0'; clip_grad_norm is text: give the number, clip_grad_norm=1.0$"),
    (dict(clip_grad_norm=None, clip_grad_value=-0.5), r"got -0.5; a negative threshold would flip the gradient's "
                                                      r"sign: give None for no clipping"),
])
def test_K44_08_training_counts_and_thresholds_are_told_the_fix(options, fix):
    with pytest.raises(ValueError, match=fix):
        rnnkit.SequenceModule(rnnkit.SequenceToLabel(3, 4, 2), **options)
