"""Round 44 of bad inputs, the core: a TimeAware stream's step of NaN or infinity, ..."""

import warnings

import numpy as np
import pandas as pd
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
    (dict(clip_grad_norm=None, clip_grad_value=-0.5), r"got -0.5; a negative threshold would set every gradient "
                                                      r"entry to -0.5: give None for no clipping"),
])
def test_K44_08_training_counts_and_thresholds_are_told_the_fix(options, fix):
    with pytest.raises(ValueError, match=fix):
        rnnkit.SequenceModule(rnnkit.SequenceToLabel(3, 4, 2), **options)


# Review mends: legitimate inputs stay quiet, and the fixes hold beyond the rows' examples


def test_review_K44_01_a_finite_stream_whose_sum_overflows_runs():
    cell = rnnkit.TimeAware(rnnkit.GRUCell(4, 5)).half()  # gaps of 60000 in float16: finite, their sum is not
    x_t = torch.tensor([[1.0, 1.0, 1.0, 1.0, 60000.0, 60000.0]], dtype=torch.half)
    with torch.no_grad():
        y, _ = inference_step(cell, x_t, cell.stream_start(1))
    assert y.shape == (1, 5)


def test_review_K44_01_a_traced_stream_step_holds_no_check():
    cell = _time_aware().eval()

    class Step(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = cell

        def forward(self, x_t, h, x_last):
            return self.cell.stream_step(x_t, rnnkit.cells.time_aware.Stream(h, x_last))[0]

    stream, x_t = cell.stream_start(1), torch.ones(1, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's own warnings
        traced = torch.jit.trace(Step(), (x_t, stream.state, stream.x_last))
    x_t[0, 0] = float("nan")
    assert traced(x_t, stream.state, stream.x_last).isnan().all()  # the graph runs what it is given


def test_review_K44_02_counts_of_a_one_feature_layer_are_told_the_series_first():
    counts = torch.randint(0, 50, (3, 5))  # clicks per step, a layer of one feature
    layer = rnnkit.LSTM(1, 6)
    with pytest.raises(ValueError, match=r"got shape \(3, 5\); a series of one measured feature \(B, T\), counts "
                                         r"say\? x.unsqueeze\(-1\).float\(\); integer token ids"):
        layer(counts)
    y = layer(counts.unsqueeze(-1).float())[0]  # the fix runs
    assert y.shape == (3, 5, 6) and y.isfinite().all()
    with pytest.raises(ValueError, match=r"measurements or counts\? use x.float\(\)"):
        layer(counts.unsqueeze(-1))


@pytest.mark.parametrize("module, words", [
    (torch.nn.Embedding(10, 4), r"got torch.nn.Embedding, 8; input_size is a module, torch.nn.Embedding, not a count: "
                                r"give input_size=4, the width of its outputs \(module.embedding_dim\), for a layer "
                                r"that reads them"),
    (torch.nn.Linear(3, 5), r"got torch.nn.Linear, 8; .*give input_size=5, the width of its outputs "
                            r"\(module.out_features\), for a layer that reads them"),
])
def test_review_K44_03_a_module_of_no_input_size_is_named_by_its_output_width(module, words):
    with pytest.raises(ValueError, match=rf"LSTMCell: input_size and hidden_size must be integers >= 1, "
                                         rf"{words}$"):
        rnnkit.LSTM(module, 8)


class _MyLSTM(torch.nn.LSTM):
    pass


def test_review_K44_03_07_a_subclass_of_torch_lstm_is_not_told_from_torch():
    # from_torch converts torch.nn's own classes only (it refuses a subclass): the module's size is named instead
    with pytest.raises(ValueError, match=r"got [\w.]*_MyLSTM\(3, 4\), 4; input_size is a module, [\w.]*_MyLSTM, not "
                                         r"a count: give input_size=3, the module's own "
                                         r"\(input_size=module.input_size\)$"):
        rnnkit.LSTM(_MyLSTM(3, 4), 4)
    with pytest.raises(TypeError, match=r"^LSTM: hidden_size is missing, and input_size is a module, [\w.]*_MyLSTM, "
                                        r"not a count: give input_size=3, .*; give both sizes, LSTM\(input_size, "
                                        r"hidden_size\)$"):
        rnnkit.LSTM(_MyLSTM(3, 4))


@pytest.mark.parametrize("module, words", [
    (rnnkit.LSTM(3, 4), r"rnnkit.LSTM, not a count: give input_size=3"),
    (torch.nn.LSTMCell(3, 4), r"torch.nn.LSTMCell, not a count: give input_size=3, .*cell.load_state_dict"),
])
def test_review_K44_07_a_module_alone_is_named_by_its_class_not_its_repr(module, words):
    with pytest.raises(TypeError, match=rf"^LSTM: hidden_size is missing, and input_size is a module, {words}"):
        rnnkit.LSTM(module)


def test_review_K44_07_layers_keep_their_signature_copies_and_pickles():
    import copy
    import inspect
    import pickle

    bound = inspect.signature(rnnkit.GRU).bind(3, 4, num_layers=2)
    assert bound.arguments["hidden_size"] == 4
    layer = rnnkit.GRU(3, 4, num_layers=2, bidirectional=True)
    for other in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        assert (other.hidden_size, other.num_layers, other.num_directions) == (4, 2, 2)
    assert rnnkit.LSTM.from_torch(torch.nn.LSTM(3, 4, batch_first=True)).hidden_size == 4


@pytest.mark.parametrize("cell, fix", [("rnn", r"cell='lstm' for all, or 'rnn'"),
                                       ("layernorm_lstm", r"cell='lstm' for all, or 'layernorm_lstm'")])
def test_review_K44_04_other_cells_are_named_by_their_own_option(cell, fix):
    from rnnkit.models.ensemble import Ensemble

    members = [rnnkit.SequenceToLabel(3, 4, 2), rnnkit.SequenceToLabel(3, 4, 2, cell=cell)]
    if cell == "layernorm_lstm":  # another parameter set: the options' refusal, as before
        fix = r"differ in an option that adds or drops a parameter \(bias, a norm, the cell\)"
    with pytest.raises(ValueError, match=rf"Ensemble: the members must share one architecture, .*{fix}"):
        Ensemble(members)


def test_review_K44_04_torch_modules_of_other_classes_are_named_by_their_class():
    from rnnkit.models.ensemble import Ensemble

    class Net(torch.nn.Module):
        def __init__(self, rnn):
            super().__init__()
            self.rnn, self.head = rnn, torch.nn.Linear(4, 2)

        def forward(self, x, lengths=None):
            return self.head(self.rnn(x)[0][:, -1]), None

    with pytest.raises(ValueError, match=r"member 1's rnn is of class GRU and member 0's of LSTM .*; build every "
                                         r"member with the same module class \(LSTM or GRU for all\)"):
        Ensemble([Net(torch.nn.LSTM(3, 4, batch_first=True)), Net(torch.nn.GRU(3, 4, batch_first=True))])
    same = Ensemble([Net(torch.nn.LSTM(3, 4, batch_first=True)), Net(torch.nn.LSTM(3, 4, batch_first=True))])
    assert same(torch.randn(2, 5, 3))[0].shape == (2, 2)


def test_review_K44_04_members_of_one_cell_and_other_dropouts_stay_accepted():
    from rnnkit.models.ensemble import Ensemble

    members = [rnnkit.SequenceToLabel(3, 4, 2, cell="gru", num_layers=2, dropout=p) for p in (0.1, 0.3)]
    assert Ensemble(members)(torch.randn(2, 5, 3))[0].shape == (2, 2)


@pytest.mark.parametrize("target, want", [
    (np.int64(1), [1, 1, 1, 1]), (torch.tensor(1), [1, 1, 1, 1]), (np.array([0, 1, 1, 0], dtype=object), [0, 1, 1, 0]),
    (pd.Series([1, 0, 1, 0], dtype="Int64"), [1, 0, 1, 0]), ([torch.tensor(0), torch.tensor(1)] * 2, [0, 1, 0, 1]),
])
def test_review_K44_06_targets_of_ids_run(target, want):
    torch.manual_seed(0)
    out = rnnkit.saliency(rnnkit.SequenceToLabel(3, 4, 2), torch.randn(4, 6, 3), target=target)
    assert out.target.tolist() == want


def test_review_K44_06_ids_counted_back_are_told_target_mod_c():
    torch.manual_seed(0)
    model, X = rnnkit.SequenceToLabel(3, 4, 3), torch.randn(4, 6, 3)
    with pytest.raises(ValueError, match=r"got min -1 and max 2; ids counted back from the last class \(-1 for it\)\? "
                                         r"give them counted from 0, target % 3$"):
        rnnkit.saliency(model, X, target=[-1, 0, 1, 2])
    assert rnnkit.saliency(model, X, target=np.array([-1, 0, 1, 2]) % 3).target.tolist() == [2, 0, 1, 2]
    with pytest.raises(ValueError, match=r"got min -2 and max -2; -2 counted back from the last class\? give it "
                                         r"counted from 0, target=1$"):
        rnnkit.saliency(model, X, target=-2)
    with pytest.raises(ValueError, match=r"got min -1 and max 5; a module's classes are its output indices 0 to 2$"):
        rnnkit.saliency(model, X, target=[-1, 5, 0, 0])


def test_review_K44_06_a_regressor_is_scored_without_a_target():
    torch.manual_seed(0)
    assert rnnkit.saliency(rnnkit.SequenceToLabel(3, 4, 1), torch.randn(4, 6, 3)).score.shape == (4,)


def test_review_K44_08_a_negative_norm_threshold_is_told_what_torch_would_do():
    # a negative value threshold: K44-08's row above
    with pytest.raises(ValueError, match=r"got -1.0; a negative threshold would flip the gradient's sign: give None"):
        rnnkit.SequenceModule(rnnkit.SequenceToLabel(3, 4, 2), clip_grad_norm=-1.0)


@pytest.mark.parametrize("options", [{}, dict(tbptt_steps=None, clip_grad_norm=None), dict(tbptt_steps=20),
                                     dict(clip_grad_norm=None, clip_grad_value=0.5), dict(clip_grad_norm=float("inf"))])
def test_review_K44_08_none_and_the_defaults_are_untouched(options):
    module = rnnkit.SequenceModule(rnnkit.SequenceToLabel(3, 4, 2), **options)
    assert module.tbptt_steps == options.get("tbptt_steps")
