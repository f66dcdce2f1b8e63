"""The library layer (cells, layers, models, training, diagnostics) used directly, as torch.nn is: each bad input
gets one clear line naming what was wrong and the fix (docs/bad_inputs.md, "Fifth catalogue", B5-xx), and the
valid neighbour of each still gives the right answer. Each test is named by its id."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers import one_line  # a refusal's message, one line
from torch.utils.data import DataLoader

import rnnkit
from rnnkit import GRU, LSTM, LSTMCell, LSTMState, Recurrent
from rnnkit.diagnostics import gradient_flow, hidden_states, saliency
from rnnkit.models import EncoderDecoder, LanguageModel, SequenceToLabel, SequenceToSequence
from rnnkit.training import SequenceModule, TokenStreams, seeded_fit
from rnnkit.training.data import Batch


def first_loss(module: SequenceModule, x, y, lengths=None):
    """The loss of a module's first chunk, as training_step computes it (no Lightning trainer needed)."""
    batch = Batch(x, lengths, y)
    chunk = next(module.chunks(batch))
    out, targets, _ = module.chunk_outputs(batch, chunk, None)
    return module.loss(out, targets)


@pytest.fixture
def x():
    return torch.randn(4, 6, 3, generator=torch.Generator().manual_seed(0))


def test_B5_01_plain_tuple_state_on_every_path(x):
    torch.manual_seed(0)
    layer = LSTM(3, 5, backend="reference")
    h0, c0 = torch.randn(4, 1, 5), torch.randn(4, 1, 5)
    expected = layer(x, None, LSTMState(h0, c0))
    out, final = layer(x, None, (h0, c0))  # torch.nn's habit: a plain tuple
    assert isinstance(final, LSTMState)
    torch.testing.assert_close(out, expected[0])
    cell = LSTMCell(3, 5)
    out, final = Recurrent(cell)(x, None, (h0[:, 0], c0[:, 0]))  # was AttributeError: 'tuple' has no 'h'
    torch.testing.assert_close(out, Recurrent(cell)(x, None, LSTMState(h0[:, 0], c0[:, 0]))[0])
    bi = LSTM(3, 5, bidirectional=True, backend="reference")
    out, _ = bi.layers[0](x, None, (torch.zeros(4, 2, 5), torch.zeros(4, 2, 5)))
    assert out.shape == (4, 6, 10)


def test_B5_02_one_field_state_given_as_a_tuple(x):
    with pytest.raises(ValueError) as err:  # was TypeError: tuple expected at most 1 argument, got 2
        GRU(3, 4)(x, None, (torch.zeros(4, 1, 4),))
    assert "GRU: state must be a tensor of shape (4, 1, 4), got tuple of 1; pass h itself" in one_line(err)


@pytest.mark.parametrize("value", ["0.1", None])
def test_B5_03_dropout_of_the_wrong_type(value):
    with pytest.raises(ValueError) as err:  # was TypeError: '<=' not supported between 'float' and 'str'
        LSTM(3, 4, num_layers=2, dropout=value)
    assert f"LSTM: dropout must be a number in [0, 1), got {value!r}" in one_line(err)  # the class built (K43-06)
    with pytest.raises(ValueError, match="LSTM: zoneout must be a number in"):
        LSTM(3, 4, zoneout=value)


def test_B5_04_bidirectional_not_a_bool():
    with pytest.raises(ValueError) as err:  # "no" was truthy: a bidirectional layer
        LSTM(3, 4, bidirectional="no")
    assert "LSTM: bidirectional must be True or False, got 'no'" in one_line(err)
    assert LSTM(3, 4, bidirectional=1).bidirectional


def test_B5_05_calling_a_cell_as_torch_nn_lstmcell(x):
    cell = LSTMCell(3, 5)
    with pytest.raises(TypeError) as err:  # was NotImplementedError: missing the required "forward" function
        cell(x[:, 0], cell.zero_state(4))
    assert "rnnkit.Recurrent(cell)(x)" in one_line(err)
    y, state = cell.step(cell.project(x[:, :1])[:, 0], cell.zero_state(4))  # the documented one step
    torch.testing.assert_close(y, Recurrent(cell)(x[:, :1])[0][:, 0])


def test_B5_06_misspelt_cell_name():
    with pytest.raises(ValueError) as err:
        SequenceToLabel(3, 5, 2, cell="lstn")
    assert "unknown cell 'lstn'; did you mean 'lstm'?" in one_line(err)
    with pytest.raises(ValueError, match="did you mean 'gru'"):
        SequenceToLabel(3, 5, 2, cell="gur")


def test_B5_07_cell_factory_of_other_sizes(x):
    with pytest.raises(ValueError) as err:  # was accepted: the model ran with hidden size 6, not 5
        SequenceToLabel(3, 5, 2, cell=lambda i, h: LSTMCell(i, h + 1))
    assert "asked for (input_size, hidden_size) = (3, 5) but returned a LSTMCell of (3, 6)" in one_line(err)
    with pytest.raises(ValueError, match="returned a LSTMCell of \\(4, 5\\)"):  # was refused only at forward
        SequenceToLabel(3, 5, 2, cell=lambda i, h: LSTMCell(i + 1, h))
    assert SequenceToLabel(3, 5, 2, cell=LSTMCell, num_layers=2)(x)[0].shape == (4, 2)


@pytest.mark.parametrize("model", [SequenceToLabel, SequenceToSequence, EncoderDecoder])
@pytest.mark.parametrize("value", [0, -1, 2.0, None])
def test_B5_08_output_size_not_a_positive_integer(model, value):
    with pytest.raises(ValueError) as err:  # 0 built an empty head; -1 failed in torch.empty
        model(3, 5, value)
    assert f"{model.__name__}: output_size must be an integer >= 1, got {value!r}" in one_line(err)


@pytest.mark.parametrize("options", [dict(pooling="mean"), dict(pooling="attention"), dict(normalise="series"),
                                     dict(frontend="patch", stride=2), dict(frontend="fcn", stride=2)])
def test_B5_09_model_checks_x_and_lengths_before_its_frontend_and_pooling(x, options):
    torch.manual_seed(0)
    model = SequenceToLabel(3, 5, 2, **options)
    expected = model(x, torch.tensor([6, 1, 1, 2]))[0]
    torch.testing.assert_close(model(x, [6, 1, 1, 2])[0], expected)  # a list: was AttributeError in pooling
    torch.testing.assert_close(model(x, np.array([6, 1, 1, 2]))[0], expected)
    with pytest.raises(ValueError, match="SequenceToLabel: x has 2 features"):  # was a matmul/conv shape error
        model(torch.randn(4, 6, 2))
    with pytest.raises(ValueError, match="SequenceToLabel: x must be a floating-point tensor"):
        model(x.long())
    with pytest.raises(ValueError, match=r"SequenceToLabel: x must have shape \(batch, time, features\)"):
        model(x[0])  # was "not enough values to unpack"
    with pytest.raises(ValueError, match="SequenceToLabel: x is torch.float64"):
        model(x.double())


def test_B5_10_language_model_token_ids(x):
    lm = LanguageModel(10, 8)
    tokens = torch.randint(0, 10, (2, 7))
    with pytest.raises(ValueError) as err:  # was IndexError: index out of range in self (on GPU: a device assert)
        lm(tokens + 5)
    assert "LanguageModel: token ids must be in [0, vocab_size=10), got min" in one_line(err)
    with pytest.raises(ValueError, match=r"tokens must have shape \(B, T\), got \(7,\)"):
        lm(tokens[0])  # was "LSTM: x must have shape ... (7, 8)", about the embeddings
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 1, got 0"):
        LanguageModel(0, 8)
    with pytest.raises(ValueError, match="max_new_tokens must be an integer >= 0, got -1"):
        lm.generate(tokens[:1, :3], -1)  # returned the prompt
    with pytest.raises(ValueError, match="token ids must be in"):
        lm.stream().feed(99)
    assert lm.generate(tokens[:1, :3], 2).shape == (1, 5)


def test_B5_11_encoder_decoder_targets(x):
    ed = EncoderDecoder(3, 5, 4)
    y = torch.randint(0, 4, (4, 5))
    assert ed(x, None, y)[0].shape == (4, 5, 4)
    with pytest.raises(ValueError, match="y holds class id 7 but output_size=4"):
        ed(x, None, torch.full((4, 5), 7))  # was IndexError in the embedding
    with pytest.raises(ValueError, match="y must hold integer class ids, got torch.float32"):
        ed(x, None, y.float())
    with pytest.raises(ValueError, match=r"for x's 4 sequences \(output_kind='classification'\), got shape \(2, 5\)"):
        ed(x, None, y[:2])
    regress = EncoderDecoder(3, 5, 2, output_kind="regression")
    with pytest.raises(ValueError, match=r"y must be \(B, T_out, 2\) floats .* got shape \(4, 5\)"):
        regress(x, None, torch.randn(4, 5))  # was "mat1 and mat2 shapes cannot be multiplied"


@pytest.mark.parametrize("y, words", [
    ([0, 1, 3, 0], "class targets must be integer ids in [0, 3) for the model's 3 outputs, got 3"),
    ([0, 1, -1, 0], "got -1"),
    ([0.0, 1.5, 2.0, 0.0], "got 1.5"),  # was truncated to 1 without a word
    ([[0], [1], [2], [0]], "classification needs one integer class id per sequence, got targets of shape (4, 1)"),
    (np.eye(3)[[0, 1, 2, 0]].tolist(), "got targets of shape (4, 3) and dtype torch.float32; one-hot? pass y.argmax"),
])
def test_B5_12_class_targets_the_model_cannot_have(x, y, words):
    module = SequenceModule(SequenceToLabel(3, 5, 3))
    with pytest.raises(ValueError) as err:
        first_loss(module, x, torch.tensor(y))
    assert words in one_line(err)
    assert torch.isfinite(first_loss(module, x, torch.tensor([0.0, 1.0, 2.0, 0.0])))  # whole floats are ids


def test_B5_13_targets_of_another_batch_size_or_length(x):
    module = SequenceModule(SequenceToLabel(3, 5, 3))
    with pytest.raises(ValueError) as err:  # was IndexError: the shape of the mask [4] does not match [2]
        first_loss(module, x, torch.tensor([0, 1]))
    assert "the batch has 4 sequences in x but 2 targets in y" in one_line(err)
    tagger = SequenceModule(SequenceToSequence(3, 5, 3))
    with pytest.raises(ValueError, match=r"targets y have shape \(4, 5\) but x has shape \(4, 6, 3\)"):
        first_loss(tagger, x, torch.randint(0, 3, (4, 5)))
    regressor = SequenceModule(SequenceToLabel(3, 5, 1), task="regression")
    with pytest.raises(ValueError, match=r"regression targets of shape \(4, 2\) do not match .* \(4, 1\)"):
        first_loss(regressor, x, torch.randn(4, 2))  # was "shape '[4, 1]' is invalid for input of size 8"


def test_B5_14_seeded_fit_empty_loader_and_bad_checkpoints(x, tmp_path):
    build = lambda: SequenceModule(SequenceToLabel(3, 4, 2))
    with pytest.raises(ValueError, match="the training DataLoader yields no batches"):  # trained nothing
        seeded_fit(build, DataLoader([], batch_size=2), seed=0, max_epochs=1, device="cpu")
    loader = DataLoader([Batch(x, None, torch.tensor([0, 1, 1, 0]))], batch_size=None)
    with pytest.raises(ValueError, match="ckpt_path '.*missing.ckpt' is not a file"):  # was FileNotFoundError
        seeded_fit(build, loader, seed=0, max_epochs=1, device="cpu", ckpt_path=tmp_path / "missing.ckpt")
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError) as err:  # was UnpicklingError, a traceback from torch.load
        seeded_fit(build, loader, seed=0, max_epochs=1, device="cpu", ckpt_path=bad)
    assert "bad.ckpt: cannot read the checkpoint" in one_line(err)
    with pytest.raises(TypeError, match="build\\(\\) must return a LightningModule"):
        seeded_fit(lambda: SequenceToLabel(3, 4, 2), loader, seed=0, max_epochs=1, device="cpu")


def test_B5_15_token_streams_of_floats_or_a_matrix():
    with pytest.raises(ValueError, match="tokens must be integer ids, got dtype torch.float32"):
        TokenStreams(torch.arange(100) + 0.5, 4, 5)  # was truncated to ids
    with pytest.raises(ValueError, match=r"one stream of ids, shape \(N,\), got shape \(10, 10\)"):
        TokenStreams(torch.arange(100).view(10, 10), 4, 5)  # rows were joined and cut anew
    streams = TokenStreams(list(range(100)), 4, 5)
    assert torch.equal(streams[0].x, torch.arange(100).view(4, 25)[:, :5])


@pytest.mark.parametrize("run", [gradient_flow, saliency, hidden_states])
def test_B5_16_diagnostics_float_lengths_are_refused(x, run):
    model = SequenceToLabel(3, 5, 3)
    with pytest.raises(ValueError) as err:  # 5.7 was truncated to 5
        run(model, x, lengths=np.array([5.7, 6.0, 2.0, 3.0]))
    assert "diagnostics: lengths must be integers, got dtype torch.float64" in one_line(err)
    run(model, x, lengths=[5, 6, 2, 3])


@pytest.mark.parametrize("target, words", [
    (7, "target class ids must be in [0, 3) for the model's 3 outputs, got min 7 and max 7"),
    (-1, "got min -1"),  # -1 was "index -1 is out of bounds for dimension 1"
    (1.5, "target must be an integer class id (or one per sequence), got dtype torch.float64"),
    (torch.tensor([0, 1]), "target must be one class id or one per sequence (4,), got shape (2,)"),
])
def test_B5_17_saliency_target_class(x, target, words):
    with pytest.raises(ValueError) as err:
        saliency(SequenceToLabel(3, 5, 3), x, target=target)
    assert words in one_line(err)
    assert (saliency(SequenceToLabel(3, 5, 3), x, target=torch.tensor([0, 1, 2, 0])).target == [0, 1, 2, 0]).all()


def test_B5_18_gradient_flow_targets(x):
    model = SequenceToLabel(3, 5, 3)
    with pytest.raises(ValueError, match="y holds class id 5 but the model has 3 outputs"):
        gradient_flow(model, x, torch.tensor([0, 1, 5, 0]))  # was IndexError: Target 5 is out of bounds
    with pytest.raises(ValueError, match=r"float y \(4,\) is read as regression targets"):
        gradient_flow(model, x, torch.tensor([0.0, 1.0, 2.0, 0.0]))  # was "shape '[4]' is invalid"
    assert gradient_flow(model, x, torch.tensor([0, 1, 2, 0])).loss == "model"


def test_B5_19_parity_with_torch_nn_after_the_checks(x):
    torch.manual_seed(0)
    ref = torch.nn.LSTM(3, 5, num_layers=2, batch_first=True)
    layer = rnnkit.LSTM.from_torch(ref, backend="reference")
    h0, c0 = torch.randn(2, 4, 5), torch.randn(2, 4, 5)
    expected, (h, c) = ref(x, (h0, c0))
    out, final = layer(x, None, (h0.transpose(0, 1), c0.transpose(0, 1)))  # a plain tuple, batch-first
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(final.c, c.transpose(0, 1), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("build, words", [
    (lambda: LSTM(3, 4, bias="no"), "LSTM: bias must be True or False, got 'no'"),
    (lambda: LSTM(3, 4, learn_initial_state="no"), "LSTM: learn_initial_state must be True or False, got 'no'"),
    (lambda: Recurrent(LSTMCell(3, 4), reverse="no"), "Recurrent: reverse must be True or False, got 'no'"),
    (lambda: SequenceModule(SequenceToLabel(3, 4, 2), stateful="yes"), "stateful must be True or False, got 'yes'"),
    (lambda: LSTM(3, 4, forget_bias="1"), "LSTMCell: forget_bias must be a number or None, got '1'"),
])
def test_B5_20_flags_and_numbers_given_as_strings(build, words):
    with pytest.raises(ValueError) as err:  # the strings were truthy; forget_bias a multi-line TypeError of fill_
        build()
    assert words in one_line(err)


def test_B5_21_seeds_and_epochs_and_thresholds(x):
    loader = DataLoader([Batch(x, None, torch.tensor([0, 1, 1, 0]))], batch_size=None)
    build = lambda: SequenceModule(SequenceToLabel(3, 4, 2))
    with pytest.raises(ValueError, match="seeded_fit: seed must be an integer, got None"):
        seeded_fit(build, loader, seed=None, max_epochs=1, device="cpu")  # was int()'s TypeError
    with pytest.raises(ValueError, match="seeded_fit: max_epochs must be an integer >= 1, or -1 .*got -2"):
        seeded_fit(build, loader, seed=0, max_epochs=-2, device="cpu")  # was Lightning's MisconfigurationException
    layer = LSTM(3, 4)
    with pytest.raises(ValueError, match=r"rel_threshold must be a number in \[0, 1\] .* got -1"):
        gradient_flow(layer, x, rel_threshold=-1)  # was accepted
    with pytest.raises(ValueError, match="gradient_flow: seed must be an integer, got 'a'"):
        gradient_flow(layer, x, seed="a")  # was RuntimeError: manual_seed expected a long
