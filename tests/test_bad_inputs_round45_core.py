"""Round 45, the core: lengths of another count than x's sequences, and keywords a layer's forward does not take."""

import pytest
import torch

import rnnkit

X = torch.randn(2, 5, 3)


@pytest.fixture
def lstm():
    torch.manual_seed(0)
    return rnnkit.LSTM(3, 4)


def test_K45_01_lengths_of_the_whole_data_set(lstm):
    with pytest.raises(ValueError, match=r"got \(7,\); 7 lengths for x's 2 sequences: the whole data set's lengths "
                                         r"beside one batch\? give the batch's own.*lengths\[i:i \+ 2\]"):
        lstm(X, lengths=[5, 3, 2, 1, 1, 4, 4])


def test_K45_01_fewer_lengths_than_sequences():
    layer = rnnkit.GRU(3, 4)
    with pytest.raises(ValueError, match=r"got \(3,\); 3 length\(s\) for x's 4 sequences: give one length per "
                                         r"sequence of x, in its row order"):
        layer(torch.randn(4, 6, 3), lengths=[6, 2, 3])


def test_K45_01_one_number_for_the_batch(lstm):
    with pytest.raises(ValueError, match=r"got \(\); one number for the whole batch\? give it for each sequence, "
                                         r"lengths=torch.full\(\(2,\), 3\)"):
        lstm(X, lengths=3)
    with pytest.raises(ValueError, match=r"every sequence of x holding all 5 steps needs no lengths: leave "
                                         r"lengths out"):
        lstm(X, lengths=torch.tensor(5.0))


def test_K45_01_time_first_and_column_keep_their_words(lstm):
    with pytest.raises(ValueError, match=r"x looks time-first"):
        lstm(X, lengths=[5, 3, 2, 1, 1])
    with pytest.raises(ValueError, match=r"pass lengths.flatten\(\)"):
        lstm(X, lengths=torch.tensor([[5], [3]]))
    out, _ = lstm(X, lengths=[5, 3])
    assert out.shape == (2, 5, 4)


def test_K45_02_keras_mask(lstm):
    with pytest.raises(TypeError, match=r"^LSTM: forward takes no option 'mask'; .*lengths=mask.sum\(1\)"):
        lstm(X, mask=torch.ones(2, 5, dtype=torch.bool))


def test_K45_02_initial_state_named_otherwise(lstm):
    for name in ("initial_state", "h0", "states"):
        with pytest.raises(TypeError, match=rf"^LSTM: forward takes no option '{name}'; the initial state is given "
                                            r"as state=, batch-first \(B, L\*D, H\) = \(B, 1, 4\)"):
            lstm(X, **{name: None})


def test_K45_02_lengths_misspelt_or_tensorflow():
    layer = rnnkit.GRU(3, 4, num_layers=2)
    for name in ("lenghts", "sequence_length", "seq_len"):
        with pytest.raises(TypeError, match=rf"^GRU: forward takes no option '{name}'; .*lengths=: "
                                            r"layer\(x, lengths=lengths\)"):
            layer(X, **{name: [5, 3]})


def test_K45_02_recurrent_and_minimal_layers():
    with pytest.raises(TypeError, match=r"^Recurrent\(GRUCell\): forward takes no option 'mask', and 1 more "
                                        r"\('foo'\)"):
        rnnkit.Recurrent(rnnkit.GRUCell(3, 4))(X, mask=None, foo=1)
    with pytest.raises(TypeError, match=r"^MinGRU: forward takes no option 'initial_state'; .*\(B, 1, 4\)"):
        rnnkit.MinGRU(3, 4)(X, initial_state=None)
    with pytest.raises(TypeError, match=r"^LSTM: forward takes no option 'dropout'; the options are lengths and "
                                        r"state"):
        rnnkit.LSTM(3, 4)(X, dropout=0.1)
    with pytest.raises(TypeError, match=r"^MinLSTM: forward takes no option 'scan'; the options are lengths, state "
                                        r"and mode: layer\(x, lengths=None, state=None, mode=None\)"):
        rnnkit.MinLSTM(3, 4)(X, scan=True)


def test_K45_02_the_layers_own_keywords_run(lstm):
    out, (h, c) = lstm(X, lengths=torch.tensor([5, 2]), state=(torch.zeros(2, 1, 4), torch.zeros(2, 1, 4)))
    assert out.shape == (2, 5, 4) and h.shape == (2, 1, 4)
    assert torch.all(out[1, 2:] == 0)
    y, _ = rnnkit.MinGRU(3, 4)(X, mode="parallel")
    assert y.shape == (2, 5, 4)
    with pytest.raises(ValueError, match=r"hx is torch.nn's name"):
        lstm(X, hx=torch.zeros(1, 2, 4))


def test_K45_03_another_cells_state_dict_same_sizes():
    with pytest.raises(RuntimeError, match=r"^GRU.load_state_dict: the state_dict holds the weights of an rnnkit RNN "
                                           r"\(its first cell's weight_ih of shape \(4, 3\), this layer's \(12, 3\)\), "
                                           r"not of this GRU; build the layer to match, rnnkit.RNN\(3, 4\)"):
        rnnkit.GRU(3, 4).load_state_dict(rnnkit.RNN(3, 4).state_dict())


# a GRU of 8 units has the LSTM of 4's weight_hh width 8 / 4 gates: it was told rnnkit.LSTM(3, 8); a MinGRU's
# (weight_ih only) was told "GRU of hidden_size=2, bias=False"; a LayerNorm-LSTM's "bias=False"
@pytest.mark.parametrize("layer, other, match", [
    (lambda: rnnkit.LSTM(3, 4), lambda: rnnkit.GRU(3, 8),
     r"holds the weights of an rnnkit GRU .*rnnkit.GRU\(3, 8\), and load it there "
     r"\(a model: build it with cell='gru'\)"),
    (lambda: rnnkit.GRU(3, 4, num_layers=2, bidirectional=True),
     lambda: rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True),
     r"holds the weights of an rnnkit LSTM .*rnnkit.LSTM\(3, 4, num_layers=2, bidirectional=True\)"),
    (lambda: rnnkit.GRU(3, 4), lambda: rnnkit.MinGRU(3, 4),
     r"holds the weights of an rnnkit MinGRU \(its first cell holds weight_ih, this layer's weight_hh, weight_ih\)"
     r".*rnnkit.MinGRU\(3, 4\)"),
    (lambda: rnnkit.LSTM(3, 4), lambda: rnnkit.LayerNormLSTM(3, 4),
     r"holds the weights of an rnnkit LayerNormLSTM .*gamma_c.*cell='layernorm_lstm'"),
], ids=["another_hidden_size", "another_cell_stacked", "a_missing_bias_mingru", "a_missing_bias_layernorm"])
def test_K45_03_another_cell_told_as_other_sizes(layer, other, match):
    with pytest.raises(RuntimeError, match=match):
        layer().load_state_dict(other().state_dict())


def test_K45_03_a_models_checkpoint_of_another_cell():
    with pytest.raises(RuntimeError, match=r"^LSTM.load_state_dict \(at 'encoder'\): the state_dict holds the weights "
                                           r"of an rnnkit GRU .*cell='gru'"):
        rnnkit.SequenceToLabel(3, 4, 2).load_state_dict(rnnkit.SequenceToLabel(3, 4, 2, cell="gru").state_dict())


def test_K45_03_the_same_cell_keeps_its_words_and_loads():
    with pytest.raises(RuntimeError, match=r"holds an rnnkit LSTM of bias=False \(this layer: True\)"):
        rnnkit.LSTM(3, 4).load_state_dict(rnnkit.LSTM(3, 4, bias=False).state_dict())
    with pytest.raises(RuntimeError, match=r"holds an rnnkit LSTM of hidden_size=8 \(this layer: 4\)"):
        rnnkit.LSTM(3, 4).load_state_dict(rnnkit.LSTM(3, 8).state_dict())
    with pytest.raises(RuntimeError, match=r"torch.nn.GRU with 3 gate blocks"):
        rnnkit.LSTM(3, 4).load_state_dict(torch.nn.GRU(3, 4).state_dict())
    source, target = rnnkit.GRU(3, 4, num_layers=2), rnnkit.GRU(3, 4, num_layers=2)
    target.load_state_dict(source.state_dict())
    assert torch.equal(source(X)[0], target(X)[0])
    rnnkit.RNN(3, 4).load_state_dict(rnnkit.RNN(3, 4, nonlinearity="relu").state_dict())
    rnnkit.MinGRU(3, 4).load_state_dict(rnnkit.MinGRU(3, 4).state_dict())


def test_K45_04_gate_statistics_threshold_as_a_percentage_or_text():
    from rnnkit.diagnostics import gate_statistics

    model = rnnkit.SequenceToLabel(3, 4, 2)
    with pytest.raises(ValueError, match=r"got 90; a percentage\? give the fraction, threshold=0.9$"):
        gate_statistics(model, X, threshold=90)
    with pytest.raises(ValueError, match=r"got '0.9'; threshold is text: give the number, threshold=0.9$"):
        gate_statistics(model, X, threshold="0.9")
    with pytest.raises(ValueError, match=r"got 0.1; .*for a tail of width 0.1 at each end give threshold=0.9$"):
        gate_statistics(model, X, threshold=0.1)
    with pytest.raises(ValueError, match=r"got 1; no gate's value passes 1.*threshold=0.99$"):
        gate_statistics(model, X, threshold=1)


def test_K45_04_gate_statistics_threshold_in_range_runs():
    from rnnkit.diagnostics import gate_statistics

    stats = gate_statistics(rnnkit.SequenceToLabel(3, 4, 2), X, threshold=0.95)
    assert stats.threshold == 0.95 and stats.frame().shape[0] == 4


def test_K45_03_strict_false_warns_where_the_shapes_fit():
    with pytest.warns(UserWarning, match=r"holds the weights of an rnnkit LayerNormLSTM .*; strict=False loads the "
                                         r"parameters of the same names and shapes"):
        result = rnnkit.LSTM(3, 4).load_state_dict(rnnkit.LayerNormLSTM(3, 4).state_dict(), strict=False)
    assert "layers.0.cell.bias_ih" in result.missing_keys
    with pytest.raises(RuntimeError, match=r"holds the weights of an rnnkit GRU"):  # torch refuses the shapes anyway
        rnnkit.LSTM(3, 4).load_state_dict(rnnkit.GRU(3, 4).state_dict(), strict=False)


@pytest.mark.parametrize("cls", [rnnkit.LSTM, rnnkit.GRU, rnnkit.RNN])
@pytest.mark.parametrize("drop", ["weight_hh", "weight_ih", "bias"])
def test_K45_03_a_partial_dict_of_the_same_cell_is_no_other_cell(cls, drop):
    import warnings

    full = cls(3, 4).state_dict()
    partial = {k: v for k, v in full.items() if drop not in k}  # a partial dict: a head fine-tuned on the encoder
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # strict=False loads it quietly, as before: no other cell named
        result = cls(3, 4).load_state_dict(partial, strict=False)
    assert set(result.missing_keys) == set(full) - set(partial)
    with pytest.raises(RuntimeError) as info:  # a strict load: the missing keys (or bias=False), not a minimal cell
        cls(3, 4).load_state_dict(partial)
    assert ("Missing key(s)" in str(info.value) or "bias=False" in str(info.value)) \
        and "holds the weights of" not in str(info.value)
