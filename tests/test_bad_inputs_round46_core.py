"""Round 46 of bad inputs, the core: a layer built with no sizes, a minimal cell's checkpoint of the other minimal
cell, a layer's load_state_dict given no state_dict, a checkpoint given whole or of numpy arrays, class rows given to
the diagnostics, one network's state_dict loaded into an Ensemble (docs/bad_inputs.md, K46-NN)."""

import pytest
import torch

import rnnkit


# K46-01: rnnkit.LSTM() (or GRU(hidden_size=8)) named _TorchCompatible.__init__, a class the user never wrote
@pytest.mark.parametrize("layer", [rnnkit.LSTM, rnnkit.GRU, rnnkit.RNN, rnnkit.MinGRU, rnnkit.LayerNormLSTM])
def test_K46_01_a_layer_built_without_sizes_names_itself_and_the_sizes(layer):
    with pytest.raises(TypeError, match=rf"^{layer.__name__}: input_size and hidden_size are missing; .*"
                                        rf"x\.shape\[-1\], e\.g\. {layer.__name__}\(x\.shape\[-1\], 32\)") as info:
        layer()
    assert "_TorchCompatible" not in str(info.value)


def test_K46_01_a_layer_given_hidden_size_alone_is_told_input_size():
    with pytest.raises(TypeError, match=r"GRU: input_size is missing; .*GRU\(x\.shape\[-1\], 8\) for 8 units"):
        rnnkit.GRU(hidden_size=8)


def test_K46_01_the_sizes_by_keyword_still_build():
    layer = rnnkit.LSTM(input_size=3, hidden_size=4)
    assert (layer.input_size, layer.hidden_size) == (3, 4)


# K46-02: a MinLSTM's state_dict loaded into a MinGRU of the same sizes was told to build a MinGRU of 1.5x the units,
# which then loads the MinLSTM's gates as its own without a word
def test_K46_02_a_minlstm_checkpoint_into_a_mingru_names_both_readings():
    with pytest.raises(RuntimeError, match=r"MinGRU\.load_state_dict: .*lone weight_ih of shape \(12, 3\), the "
                                           r"weights of an rnnkit MinGRU of hidden_size=6 or an rnnkit MinLSTM of "
                                           r"hidden_size=4; its rows alone do not say .*rnnkit\.MinGRU\(3, 6\) or "
                                           r"rnnkit\.MinLSTM\(3, 4\).*cell='minlstm'"):
        rnnkit.MinGRU(3, 4).load_state_dict(rnnkit.MinLSTM(3, 4).state_dict())


def test_K46_02_a_mingru_checkpoint_into_a_minlstm_is_no_minlstm_of_any_size():
    # before: "holds an rnnkit MinLSTM of hidden_size=2", 8 rows read as 2 units of 3 gates (8 // 3)
    with pytest.raises(RuntimeError, match=r"shape \(8, 3\), the weights of an rnnkit MinGRU of hidden_size=4, not a "
                                           r"MinLSTM of any size; .*rnnkit\.MinGRU\(3, 4\), and load it there"):
        rnnkit.MinLSTM(3, 4).load_state_dict(rnnkit.MinGRU(3, 4).state_dict())


def test_K46_02_a_model_carries_its_options_and_cell_names():
    saved = rnnkit.MinLSTM(3, 4, num_layers=2, bias=False).state_dict()
    with pytest.raises(RuntimeError, match=r"rnnkit\.MinGRU\(3, 6, num_layers=2, bias=False\) or "
                                           r"rnnkit\.MinLSTM\(3, 4, num_layers=2, bias=False\)"):
        rnnkit.MinGRU(3, 4, num_layers=2).load_state_dict(saved)
    model = rnnkit.SequenceToLabel(3, 4, 2, cell="mingru")
    with pytest.raises(RuntimeError, match=r"MinGRU\.load_state_dict \(at 'encoder'\): .*cell='mingru' or "
                                           r"cell='minlstm'"):
        model.load_state_dict(rnnkit.SequenceToLabel(3, 4, 2, cell="minlstm").state_dict())


def test_K46_02_the_own_cells_checkpoints_keep_their_words():
    layer = rnnkit.MinGRU(3, 4)
    layer.load_state_dict(rnnkit.MinGRU(3, 4).state_dict())
    with pytest.raises(RuntimeError, match=r"holds an rnnkit MinGRU of input_size=5 \(this layer: 3\)"):
        layer.load_state_dict(rnnkit.MinGRU(5, 4).state_dict())
    with pytest.raises(RuntimeError, match=r"holds an rnnkit MinLSTM of hidden_size=5 \(this layer: 4\)"):
        rnnkit.MinLSTM(3, 4).load_state_dict(rnnkit.MinLSTM(3, 5).state_dict())  # 15 rows: no MinGRU
    torch.testing.assert_close(layer.cells()[0].weight_ih, layer.state_dict()["layers.0.cell.weight_ih"])


# K46-03: a layer's load_state_dict given a module, a file's path, a tensor or a list of pairs was told torch's
# "Expected state_dict to be dict-like, got <class ...>", no way on
@pytest.mark.parametrize("given, words", [
    (lambda tmp: rnnkit.LSTM(3, 4),
     r"given a module, rnnkit\.LSTM, not a state_dict .*load_state_dict\(module\.state_dict\(\)\)"),
    (lambda tmp: torch.nn.LSTM(3, 4, batch_first=True), r"given a module, torch\.nn\.LSTM, not a state_dict"),
    (lambda tmp: rnnkit.SequenceToLabel(3, 4, 2), r"torch\.save\(model, path\), returns the module"),
    (lambda tmp: torch.zeros(3), r"expects a state_dict, a mapping of parameter names to tensors .*got Tensor"),
    (lambda tmp: None, r"got NoneType None; pass layer\.state_dict\(\)"),
    (lambda tmp: list(rnnkit.LSTM(3, 4).state_dict().items()), r"got list .*pass dict\(pairs\)"),
])
def test_K46_03_a_layers_load_state_dict_given_no_state_dict_says_what_to_pass(given, words, tmp_path):
    with pytest.raises(TypeError, match=r"^LSTM\.load_state_dict: .*" + words):
        rnnkit.LSTM(3, 4).load_state_dict(given(tmp_path))


def test_K46_03_a_path_is_told_torch_load_and_a_near_name(tmp_path):
    saved = tmp_path / "lstm.pt"
    torch.save(rnnkit.LSTM(3, 4).state_dict(), saved)
    layer = rnnkit.LSTM(3, 4)
    with pytest.raises(TypeError, match=r"given the path .*lstm\.pt', not a state_dict; read the file first: "
                                        r"load_state_dict\(torch\.load\("):
        layer.load_state_dict(str(saved))
    with pytest.raises(TypeError, match=r"given the path .*lstm', not a state_dict, and .*no such file; .*lstm\.pt' "
                                        r"exists, the same name but for the suffix"):
        layer.load_state_dict(tmp_path / "lstm")
    layer.load_state_dict(torch.load(saved))  # what it names loads
    layer.load_state_dict(dict(rnnkit.LSTM(3, 4).state_dict()))  # a plain dict, as before


# K46-04: a training checkpoint given whole ({'state_dict': ..., 'epoch': 3}, PyTorch's tutorial's
# 'model_state_dict') was told torch's missing and unexpected keys, and strict=False loaded none of its weights
def test_K46_04_a_checkpoint_given_whole_names_its_entry():
    saved = {"epoch": 3, "state_dict": rnnkit.GRU(3, 4).state_dict(), "optimizer": {}}
    with pytest.raises(RuntimeError, match=r"GRU\.load_state_dict: the state_dict holds no weight of this layer but "
                                           r"a checkpoint's entries \('epoch', 'state_dict', 'optimizer'\), its "
                                           r"'state_dict' holding .*load_state_dict\(checkpoint\['state_dict'\]\)"):
        rnnkit.GRU(3, 4).load_state_dict(saved)


def test_K46_04_strict_false_of_a_checkpoint_given_whole_is_warned():
    layer = rnnkit.GRU(3, 4)
    before = layer.cells()[0].weight_ih.detach().clone()
    saved = {"state_dict": rnnkit.GRU(3, 4).state_dict(), "epoch": 3}
    with pytest.warns(UserWarning, match=r"so strict=False loads none of its weights .*checkpoint\['state_dict'\]"):
        layer.load_state_dict(saved, strict=False)
    torch.testing.assert_close(layer.cells()[0].weight_ih, before)


def test_K46_04_a_models_checkpoint_names_its_entry():
    model = rnnkit.SequenceToLabel(3, 4, 2)
    saved = {"epoch": 1, "model_state_dict": model.state_dict(), "optimizer_state_dict": {}, "loss": 0.3, "lr": 1}
    with pytest.raises(RuntimeError, match=r"\(at 'encoder'\): .*'loss', \.\.\.\), its 'model_state_dict' holding "
                                           r".*checkpoint\['model_state_dict'\]"):
        model.load_state_dict(saved)
    model.load_state_dict(saved["model_state_dict"])


# K46-05: one-hot class targets: gradient_flow's int y (B, C) was told the shape rule alone, a float one was read as
# regression targets (mean squared error of the logits) without a word; saliency's float one-hot target was told
# target.long(), then the shape rule alone
def _classifier():
    torch.manual_seed(0)
    return rnnkit.SequenceToLabel(3, 4, 2), torch.randn(6, 5, 3), torch.tensor([0, 1, 1, 0, 1, 0])


def test_K46_05_gradient_flow_of_int_one_hot_y_is_told_argmax():
    model, X, y = _classifier()
    with pytest.raises(ValueError, match=r"gradient_flow: y has shape \(6, 2\), one-hot rows, .*shape \(6,\); give "
                                         r"the class ids, y\.argmax\(-1\)"):
        rnnkit.diagnostics.gradient_flow(model, X, torch.nn.functional.one_hot(y, 2))


@pytest.mark.parametrize("rows, soft", [("one-hot rows", False), ("class probabilities", True)])
def test_K46_05_gradient_flow_of_float_class_rows_is_warned(rows, soft):
    model, X, y = _classifier()
    target = torch.nn.functional.one_hot(y, 2).float()
    if soft:
        target = target * 0.8 + 0.1
    with pytest.warns(UserWarning, match=rf"gradient_flow: float y \(6, 2\) holds {rows}, but float targets are "
                                         r"read as regression targets.*y\.argmax\(-1\)") as record:
        rnnkit.diagnostics.gradient_flow(model, X, target)
    assert record[0].filename == __file__  # the user's line


def test_K46_05_gradient_flow_of_ids_and_regression_targets_keeps_quiet():
    import warnings

    model, X, y = _classifier()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rnnkit.diagnostics.gradient_flow(model, X, y)
        rnnkit.diagnostics.gradient_flow(model, X, torch.randn(6, 2))  # regression targets of no class rows


@pytest.mark.parametrize("make, rows", [(lambda y: torch.nn.functional.one_hot(y, 2).float(), "one-hot rows"),
                                        (lambda y: torch.nn.functional.one_hot(y, 2), "one-hot rows"),
                                        (lambda y: torch.nn.functional.one_hot(y, 2).numpy() * 0.6 + 0.2,
                                         "class probabilities")])
def test_K46_05_saliency_of_class_rows_is_told_argmax(make, rows):
    model, X, y = _classifier()
    with pytest.raises(ValueError, match=rf"saliency: target must be one class id or one per sequence \(6,\), got "
                                         rf"shape \(6, 2\), {rows}; .*target=target\.argmax\(1\)"):
        rnnkit.saliency(model, X, target=make(y))
    assert rnnkit.saliency(model, X, target=make(y).argmax(1)) is not None


# K46-06: a state_dict of numpy arrays (dict(np.load('weights.npz'))) or lists (weights read from JSON) was told
# torch's "expected torch.Tensor or Tensor-like object from checkpoint" once per parameter, over lines, no conversion
@pytest.mark.parametrize("convert, shown", [(lambda v: v.numpy(), r"a numpy array of shape \(12, 3\), float32"),
                                            (lambda v: v.tolist(), r"a list \[\[")])
def test_K46_06_a_state_dict_of_arrays_or_lists_is_told_torch_as_tensor(convert, shown):
    saved = {k: convert(v) for k, v in rnnkit.GRU(3, 4).state_dict().items()}
    with pytest.raises(TypeError, match=r"^GRU\.load_state_dict: the state_dict's values must be torch tensors, but "
                                        rf"'layers\.0\.cell\.weight_ih' holds {shown}.*\(and 3 more of this "
                                        r"layer's\); convert them first: state_dict = \{k: torch\.as_tensor\(v\)"):
        rnnkit.GRU(3, 4).load_state_dict(saved)


def test_K46_06_the_conversion_named_loads_and_a_models_layer_is_named():
    import numpy as np

    source = rnnkit.GRU(3, 4)
    arrays = {k: v.numpy().astype(np.float64) for k, v in source.state_dict().items()}
    layer = rnnkit.GRU(3, 4)
    layer.load_state_dict({k: torch.as_tensor(v) for k, v in arrays.items()})
    torch.testing.assert_close(layer.cells()[0].weight_hh, source.cells()[0].weight_hh)
    model = rnnkit.SequenceToLabel(3, 4, 2)
    with pytest.raises(TypeError, match=r"\(at 'encoder'\): .*'encoder\.layers\.0\.cell\.weight_ih' holds a numpy"):
        model.load_state_dict({k: v.numpy() for k, v in model.state_dict().items()})


# K46-07: one network's state_dict loaded into an Ensemble was told torch's missing keys of every member over lines;
# with strict=False it loaded none and left every member as initialised, without a word
def _ensemble():
    from rnnkit.models.ensemble import Ensemble

    return Ensemble([rnnkit.SequenceToLabel(3, 4, 2) for _ in range(2)])


def test_K46_07_one_networks_state_dict_into_an_ensemble_names_a_member():
    with pytest.raises(RuntimeError, match=r"^Ensemble\.load_state_dict: the state_dict is one network's \(its keys "
                                           r"'encoder\.layers\.0\.cell\.weight_ih', \.\.\. are a member's\), .*each "
                                           r"of its 2 members\); .*ensemble\.members\[0\]\.load_state_dict"):
        _ensemble().load_state_dict(rnnkit.SequenceToLabel(3, 4, 2).state_dict())


def test_K46_07_strict_false_of_one_networks_state_dict_is_warned():
    ensemble = _ensemble()
    before = ensemble.members[1].head.linear.weight.detach().clone()
    with pytest.warns(UserWarning, match=r"strict=False loads none of its weights"):
        ensemble.load_state_dict(rnnkit.SequenceToLabel(3, 4, 2).state_dict(), strict=False)
    torch.testing.assert_close(ensemble.members[1].head.linear.weight, before)


def test_K46_07_the_ensembles_own_state_dict_loads():
    ensemble, other = _ensemble(), _ensemble()
    ensemble.load_state_dict(other.state_dict())
    torch.testing.assert_close(ensemble.members[1].head.linear.weight, other.members[1].head.linear.weight)
