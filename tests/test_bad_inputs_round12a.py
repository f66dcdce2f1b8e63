"""Twelfth round: the cells, layers, models, training and diagnostics a student learns with, used with PyTorch habits.

One test per case of the catalogue (ids L12-01, L12-02, ...); each fails on the commit before its fix.
"""

import warnings

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

import rnnkit
from rnnkit.cells.time_aware import time_aware_inputs
from rnnkit.compare import check_cells, compare
from rnnkit.diagnostics import gradient_flow
from rnnkit.models import LanguageModel, SequenceToLabel
from rnnkit.training import (
    SequenceDataModule,
    SequenceDataset,
    SequenceModule,
    TokenStreams,
    clip_gradients,
    seeded_fit,
)
from rnnkit.training.trainer import make_trainer


def _lm(**kwargs) -> LanguageModel:
    torch.manual_seed(0)
    return LanguageModel(10, 8, **kwargs).eval()


def test_L12_01_generate_takes_a_prompt_of_one_id_a_list_or_an_array():
    lm = _lm()
    one = lm.generate(torch.tensor(4), 3, temperature=0)  # was torch's "zero-dimensional tensor ... concatenated"
    assert one.shape == (4,) and one[0] == 4
    assert torch.equal(one, lm.generate(torch.tensor([4]), 3, temperature=0))
    listed = lm.generate([1, 2, 3], 2, temperature=0)  # was AttributeError: 'list' object has no attribute 'dim'
    assert torch.equal(listed, lm.generate(torch.tensor([1, 2, 3]), 2, temperature=0))
    assert torch.equal(lm.generate(np.array([[1, 2, 3]]), 2, temperature=0), listed[None])


def test_L12_02_token_ids_of_any_integer_dtype_are_read_and_a_token_tensor_of_another_shape_gets_its_fix():
    lm = _lm()
    ids = torch.tensor([[1, 2, 3], [4, 5, 6]])
    expected, _ = lm(ids)
    for dtype in (torch.uint8, torch.int16):  # was "tokens must be integer ids ..., got torch.uint8"
        torch.testing.assert_close(lm(ids.to(dtype))[0], expected)
    with pytest.raises(ValueError, match=r"got \(2, 3, 1\); drop the last axis with tokens.squeeze\(-1\)"):
        lm(ids[..., None])  # was told to add a batch dimension with tokens.unsqueeze(0)
    with pytest.raises(ValueError, match=r"one-hot vectors\? pass tokens.argmax\(-1\)"):
        lm(torch.nn.functional.one_hot(ids, 10).float())
    with pytest.raises(ValueError, match=r"got torch.float32; use tokens.long\(\) if they are whole numbers"):
        lm(ids.float())


@pytest.mark.parametrize("option", [{"temperature": float("nan")}, {"temperature": "0.7"}, {"top_k": 2.5}])
def test_L12_03_sampling_options_that_are_no_numbers_are_refused_in_one_line(option):
    # were torch's "probability tensor contains either inf, nan or element < 0", "'<' not supported between
    # instances of 'str' and 'int'", "topk(): argument 'k' (position 1) must be int, not float"
    name = next(iter(option))
    with pytest.raises(ValueError, match=rf"^{name} must be (a finite number >= 0 \(0: greedy\)|an integer >= 1 or "
                                         rf"None), got"):
        _lm().generate(torch.tensor([1, 2]), 3, **option)


def test_L12_04_a_stream_fed_a_batch_of_another_size_says_so_not_the_state_shape():
    stream = _lm().stream()
    stream.feed(torch.tensor([[1, 2]]))
    with pytest.raises(ValueError, match=r"^feed: this stream holds 1 sequence\(s\), fed before, but got a batch of "
                                         r"2; .*stream.reset\(\)"):
        stream.feed(torch.tensor([[1], [2]]))  # was "LSTM: state field 'h' must have shape (2, 1, 8), got (1, 1, 8)"
    stream.reset()
    assert stream.feed(torch.tensor([[1], [2]])).shape == (2, 10)


def test_L12_05_a_one_layer_language_model_with_dropout_gives_no_warning_that_its_dropout_does_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was "LSTM: dropout=0.5 acts between recurrent layers, so ... does nothing"
        lm = LanguageModel(10, 8, dropout=0.5)
    assert lm.drop.p == 0.5  # it acts on the embeddings and before the output layer
    lm.train()
    ids = torch.tensor([[1, 2, 3, 4]])
    assert not torch.equal(lm(ids)[0], lm(ids)[0])
    with pytest.warns(UserWarning, match="does nothing"):  # the layer itself still warns
        rnnkit.LSTM(3, 5, dropout=0.5)


@pytest.mark.parametrize("make", [lambda: (rnnkit.GRU(3, 5), torch.zeros(4, 1, 5)),
                                  lambda: (rnnkit.LSTM(3, 5), (torch.zeros(4, 1, 5), torch.zeros(4, 1, 5))),
                                  lambda: (rnnkit.Recurrent(rnnkit.cells.GRUCell(3, 5)), torch.zeros(4, 5))])
def test_L12_06_a_time_first_x_given_with_a_batch_first_state_is_named_time_first(make):
    layer, state = make()
    x = torch.randn(6, 4, 3)  # (T, B, F): torch.nn's default layout
    with pytest.raises(ValueError, match=r"got \(4, (1, )?5\); x \(6, 4, 3\) looks time-first \(T, B, F\).*pass "
                                         r"x.transpose\(0, 1\)"):
        layer(x, state=state)
    assert layer(x.transpose(0, 1), state=state)[0].shape == (4, 6, 5)


def test_L12_07_time_aware_inputs_name_one_vector_of_times_and_padded_times_with_their_fix():
    values = torch.randn(2, 5, 2)
    with pytest.raises(ValueError, match=r"got \(5,\); the same times for every sequence\? pass times.expand\(B, T\)"):
        time_aware_inputs(values, torch.arange(5.0))
    padded = torch.tensor([[0.0, 1, 2, 3, 4], [0.0, 2, 5, 0, 0]])
    with pytest.raises(ValueError, match=r"sequence 1 has 5.0 at step 2 and 0.0 at step 3; padding after a "
                                         r"sequence's end\? continue its times past the end"):
        time_aware_inputs(values, padded)
    continued = torch.tensor([[0.0, 1, 2, 3, 4], [0.0, 2, 5, 6, 7]])
    assert time_aware_inputs(values, torch.arange(5.0).expand(2, 5)).shape == (2, 5, 6)
    assert time_aware_inputs(values, continued).shape == (2, 5, 6)


def test_L12_08_token_streams_too_short_for_one_window_say_that_the_window_asked_is_never_used():
    tokens = torch.arange(50) % 7
    # was silent: one window of 11 steps where 20 were asked
    with pytest.warns(UserWarning, match=r"^TokenStreams: 50 tokens in batch_size=4 streams leave 12 tokens per "
                                         r"stream, so every epoch is one window of 11 steps, not window=20 .* use "
                                         r"batch_size <= 2, a window <= 11, or more tokens"):
        streams = TokenStreams(tokens, 4, 20)
    assert len(streams) == 1 and streams[0].x.shape == (4, 11)  # still read, as before
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one full window fits: no warning
        assert TokenStreams(tokens, 4, 11)[0].x.shape == (4, 11)
        assert TokenStreams(tokens, 2, 20)[0].x.shape == (2, 20)


@pytest.mark.parametrize("text", ["hello world", ["hello", "world"]])
def test_L12_09_token_streams_of_text_say_how_to_encode_it(text):
    # was numpy's / torch's "can't convert np.ndarray of type numpy.str_"
    with pytest.raises(ValueError, match=r"is text .*, not token ids; encode it first"):
        TokenStreams(text, 2, 3)


def _fit(module, loader):
    return seeded_fit(lambda: module, loader, seed=0, max_epochs=1, device="cpu")


def test_L12_10_stateful_training_refuses_a_shuffling_loader_and_token_streams_batched_again():
    streams = TokenStreams(torch.arange(200) % 7, 4, 5)
    with pytest.raises(ValueError, match=r"stateful=True carries each batch's final state into the next batch, but "
                                         r"the training DataLoader shuffles \(RandomSampler\)"):
        _fit(SequenceModule(_lm(), stateful=True), DataLoader(streams, batch_size=None, shuffle=True))  # was trained
    x = torch.randn(8, 5, 3)
    data = SequenceDataModule(SequenceDataset(x, torch.full((8,), 5), torch.randint(0, 2, (8,))), batch_size=4)
    with pytest.raises(ValueError, match=r"shuffles \(DistributedSampler\).*SequenceDataModule\(\.\.\., shuffle=False"):
        _fit(SequenceModule(SequenceToLabel(3, 4, 2), stateful=True), data)  # was trained on shuffled batches
    with pytest.raises(ValueError, match=r"batches a TokenStreams \(batch_size=4\), whose items are whole batches"):
        _fit(SequenceModule(_lm()), DataLoader(streams, batch_size=4))  # was default_collate's TypeError on None
    assert _fit(SequenceModule(_lm(), stateful=True), DataLoader(streams, batch_size=None)).module.history[
        "train_loss"]


def test_L12_11_gradient_flow_names_targets_of_another_batch_or_length():
    torch.manual_seed(0)
    x = torch.randn(4, 6, 3)
    # were torch's "Expected input batch_size (4) to match target batch_size (2)."
    with pytest.raises(ValueError, match=r"^gradient_flow: y has shape \(2,\) but the model's output \(4, 2\) needs "
                                         r"one class id per sequence, shape \(4,\)"):
        gradient_flow(SequenceToLabel(3, 5, 2), x, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"float y \(2, 2\) is read as regression targets, but the model's output "
                                         r"has shape \(4, 1\)"):
        gradient_flow(SequenceToLabel(3, 5, 1), x, torch.randn(2, 2))  # was reshaped to (4, 1) and measured
    tokens = torch.randint(0, 10, (2, 5))
    with pytest.raises(ValueError, match=r"output \(2, 5, 10\) needs one class id per step, shape \(2, 5\)"):
        gradient_flow(LanguageModel(10, 8), tokens, tokens[:, 1:])
    assert gradient_flow(LanguageModel(10, 8), tokens, tokens).loss == "model"


def test_L12_12_compare_guesses_a_misspelt_cell_or_task_and_reads_no_comma_list_as_one_name():
    with pytest.raises(ValueError, match=r"^compare: unknown cell 'lstn'; did you mean 'lstm'\?"):
        check_cells(["rnn", "lstn"])
    with pytest.raises(ValueError, match=r"unknown cell 'rnn,lstm'; a list of names\? pass cells=\['rnn', 'lstm'\]"):
        check_cells("rnn,lstm")
    # was get_task's "get_task: unknown task 'Adding'; choose from [...]", at the first run
    with pytest.raises(ValueError, match=r"^compare: unknown task 'Adding'; did you mean 'adding'\?"):
        compare("Adding", cells=["lstm"], lengths=[10], seeds=1, steps=1)


@pytest.mark.parametrize("option", [{"max_norm": 0.0}, {"max_norm": -1.0}, {"max_norm": float("nan")},
                                    {"max_norm": None, "max_value": -1.0}, {"max_norm": None, "max_value": 0}])
def test_L12_13_clip_gradients_refuses_thresholds_that_would_zero_flip_or_nan_the_gradient(option):
    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.tensor([1.0, 2.0, 3.0])
    options = {"max_norm": None, "max_value": None} | option
    name = "max_value" if options["max_value"] is not None else "max_norm"
    # max_norm=-1 had turned the gradient into -0.27 * grad (gradient ascent), 0 zeroed it, NaN made it NaN
    with pytest.raises(ValueError, match=rf"^clip_gradients: {name} must be a number > 0 or None, got"):
        clip_gradients([p], **options)
    assert torch.equal(p.grad, torch.tensor([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("option", [{"gradient_clip_val": 1.0}, {"accumulate_grad_batches": 2},
                                    {"truncated_bptt_steps": 5}])
def test_L12_14_lightning_s_clipping_accumulation_and_1x_truncation_name_the_module_s_own_option(option):
    # were Lightning's "... not supported for manual optimization ... or switch to automatic optimization" at fit
    # time, and "Trainer.__init__() got an unexpected keyword argument 'truncated_bptt_steps'"
    fix = {"gradient_clip_val": "clip_grad_norm=", "accumulate_grad_batches": "larger batch_size",
           "truncated_bptt_steps": "tbptt_steps="}[next(iter(option))]
    with pytest.raises(ValueError, match=rf"^make_trainer: {next(iter(option))}=.*SequenceModule does not use.*{fix}"):
        make_trainer(max_epochs=1, device="cpu", **option)
    assert make_trainer(max_epochs=1, device="cpu", accumulate_grad_batches=1) is not None
