"""The twenty-fourth round: leftovers of the cells, layers and deployment: a cell stepped by hand with torch.nn's
plain ``(h, c)`` (L24-01) or a tuple where a tensor is its state (L24-02), hidden_of / replace_hidden of per-layer
states (L24-03), Streamer ids that are not whole numbers (L24-04), a server request queued across a refit (L24-05)
and the npz reader's zero-padding warning on fixed-length data holding runs of zeros (L24-06)."""

import warnings
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import torch
from helpers import one_line, user_warnings

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import rnnkit  # noqa: E402
from rnnkit import SequenceRegressor, Streamer  # noqa: E402
from rnnkit.cells import (  # noqa: E402
    ConvLSTMCell,
    ElmanCell,
    GRUCell,
    LayerNormLSTMCell,
    LSTMCell,
    LSTMState,
    MinGRUCell,
    MinLSTMCell,
    TimeAware,
)
from rnnkit.cells.base import hidden_of, replace_hidden  # noqa: E402
from rnnkit.data import collate  # noqa: E402
from rnnkit.data.collate import blank_tails, zero_padding  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=8, lr_schedule=None,
            frontend=None, normalise=None, random_state=0, device="cpu")


def _data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).normal(size=(8, 5, 2)).astype(np.float32)
    return x, x[:, :, 0].sum(axis=1)


@pytest.fixture(scope="module")
def regressor() -> SequenceRegressor:
    return SequenceRegressor(**TINY).fit(*_data())


def _step(cell, state, B: int = 2):
    torch.manual_seed(1)
    x = torch.randn(B, 1, cell.input_size)
    return cell.step(cell.project(x)[:, 0], state)


# -- L24-01: torch.nn.LSTMCell's plain (h, c) tuple to a cell stepped by hand ------------------------------------
@pytest.mark.parametrize("make", [lambda: LSTMCell(3, 4), lambda: LayerNormLSTMCell(3, 4),
                                  lambda: ConvLSTMCell(1, 2, (2, 2)), lambda: TimeAware(LSTMCell(2, 4)),
                                  lambda: TimeAware(LayerNormLSTMCell(2, 4))],
                         ids=["lstm", "layernorm_lstm", "convlstm", "time_aware_lstm", "time_aware_layernorm"])
def test_L24_01_a_cell_with_fields_steps_on_torch_nns_plain_h_c_tuple(make):
    torch.manual_seed(0)
    cell = make()
    h, c = torch.randn(2, cell.hidden_size), torch.randn(2, cell.hidden_size)
    # before: AttributeError: 'tuple' object has no attribute 'h' (ConvLSTMCell alone unpacked it)
    y, state = _step(cell, (h, c))
    y_ref, state_ref = _step(cell, LSTMState(h, c))
    assert type(state) is LSTMState
    torch.testing.assert_close(y, y_ref, rtol=0, atol=0)
    torch.testing.assert_close(state.c, state_ref.c, rtol=0, atol=0)
    # a tensor would be unpacked along its rows (h from row 0, c from row 1), silently for ConvLSTMCell
    with pytest.raises(ValueError) as e:
        _step(cell, torch.randn(2, cell.hidden_size))
    assert one_line(e) == (f"{type(cell.cell if isinstance(cell, TimeAware) else cell).__name__}: state must be "
                           f"LSTMState(h, c) or a tuple (h, c) of 2 tensors (B, H), as torch.nn.LSTMCell takes "
                           f"(h, c), got a tensor of shape (2, {cell.hidden_size}); the zeros are "
                           f"cell.zero_state(batch_size)")
    with pytest.raises(ValueError, match=r"got a tuple of 3 \(Tensor, Tensor, Tensor\)"):
        _step(cell, (h, c, c))


def test_L24_01_the_step_on_a_plain_tuple_equals_torch_nn_lstm_cell():
    torch.manual_seed(0)
    ours, theirs = LSTMCell(3, 4, forget_bias=None), torch.nn.LSTMCell(3, 4)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(ours, name).copy_(getattr(theirs, name))
    x, h, c = torch.randn(2, 3), torch.randn(2, 4), torch.randn(2, 4)
    y, (h1, c1) = ours.step(ours.project(x[:, None])[:, 0], (h, c))
    h2, c2 = theirs(x, (h, c))
    torch.testing.assert_close((y, h1, c1), (h2, h2, c2))


# -- L24-02: a tuple to a cell whose state is one tensor ----------------------------------------------------------
@pytest.mark.parametrize("cell", [GRUCell(3, 4), ElmanCell(3, 4), MinGRUCell(3, 4), MinLSTMCell(3, 4)],
                         ids=["gru", "elman", "min_gru", "min_lstm"])
def test_L24_02_a_tuple_to_a_cell_whose_state_is_h_is_named(cell):
    h = torch.zeros(2, 4)
    # before: addmm(): argument 'mat1' (position 2) must be Tensor, not tuple; minLSTM: "only integer tensors of a
    # single element can be converted to an index"
    for state, got in (((h, h), "a tuple of 2 (Tensor, Tensor)"), ((h,), "a tuple of 1 (Tensor)")):
        with pytest.raises(ValueError) as e:
            _step(cell, state)
        assert one_line(e) == (f"{type(cell).__name__}: state must be a tensor h (B, H), as torch.nn.GRUCell and "
                               f"RNNCell take hx, got {got}; the zeros are cell.zero_state(batch_size)")
    torch.testing.assert_close(_step(cell, torch.nn.Parameter(h))[0], _step(cell, h)[0])


# -- L24-03: hidden_of and replace_hidden of a list of per-layer states -------------------------------------------
def test_L24_03_hidden_of_and_replace_hidden_walk_per_layer_states():
    h0, c0, h1, c1 = (torch.full((2, 3), float(v)) for v in range(4))
    layers = [LSTMState(h0, c0), LSTMState(h1, c1)]
    # before: hidden_of gave layer 0's whole LSTMState; replace_hidden put h in place of layer 0's state
    assert [t.tolist() for t in hidden_of(layers)] == [h0.tolist(), h1.tolist()]
    new = replace_hidden(layers, [h0 + 10, h1 + 10])
    assert type(new) is list and all(type(s) is LSTMState for s in new)
    assert [(s.h[0, 0].item(), s.c[0, 0].item()) for s in new] == [(10.0, 1.0), (12.0, 3.0)]
    as_tuple = replace_hidden(tuple(layers), hidden_of(tuple(layers)))  # a tuple of states: per layer too
    assert type(as_tuple) is tuple and [s.c[0, 0].item() for s in as_tuple] == [1.0, 3.0]
    assert [t[0, 0].item() for t in replace_hidden([h0, h1], [h1, h0])] == [2.0, 0.0]  # GRU layers: tensors
    with pytest.raises(ValueError) as e:
        replace_hidden(layers, h0)
    assert one_line(e) == ("replace_hidden: the state is a list of 2 per-layer states, so h must be a list of 2 "
                           "hidden outputs, one per layer (as hidden_of(state) gives them), got a Tensor")
    with pytest.raises(ValueError, match="got a list of 1$"):
        replace_hidden(layers, [h0])
    # one state as torch.nn gives it, (h, c), stays one state
    assert hidden_of((h0, c0)) is h0 and replace_hidden((h0, c0), h1)[1] is c0


# -- L24-04: Streamer ids that are not whole numbers ---------------------------------------------------------------
def test_L24_04_a_stream_id_that_is_not_a_whole_number_is_refused(regressor):
    stream = Streamer(regressor)
    x_t = [0.1, 0.2]
    # before: np.float32(0.1) and 0.1 (also Decimal('0.1'), Fraction(1, 10)) ran two streams, silently
    for stream_id, kind, text in ((np.float32(0.1), "float32", "'0.1'"), (0.1, "float", "'0.1'"),
                                  (Decimal("0.1"), "Decimal", "'0.1'"), (Fraction(1, 10), "Fraction", "'1/10'"),
                                  (float("inf"), "float", "'inf'"), (1j, "complex", "'1j'")):
        with pytest.raises(ValueError) as e:
            stream.step(stream_id, x_t)
        assert one_line(e) == (f"Streamer: stream id {stream_id!r} is a {kind} that is not a whole number, which "
                               f"differs at each precision it is read at (np.float32(0.1) != 0.1), so one id would "
                               f"name two streams; use a str (e.g. {text}), an int or a tuple (a whole float, 3.0, is "
                               f"one id at every precision)")
    with pytest.raises(ValueError, match="stream id 0.5 is a float that is not a whole number"):
        stream.step_many({"a": x_t, ("s", 0.5): x_t})  # inside a tuple too, before any stream steps
    assert stream.streams == []
    # whole numbers at any precision, and numpy's integers, name one stream each, as before
    first = stream.step(3.0, x_t)
    assert stream.step(np.float32(3.0), x_t).y.tolist() != first.y.tolist()  # the second step of stream 3.0
    stream.step(np.int64(7), x_t)
    stream.step(7, x_t)
    stream.step(np.bool_(True), x_t)
    stream.step(True, x_t)
    assert stream.streams == [3.0, np.int64(7), np.bool_(True)]


# -- L24-05: a request queued when the estimator is refitted -------------------------------------------------------
def test_L24_05_a_request_queued_across_a_refit_is_answered_503_not_by_the_old_model():
    estimator = SequenceRegressor(**TINY).fit(*_data())
    app = create_app(estimator, batching=True, max_wait_ms=0)
    batcher = app.state.batcher
    served = batcher.predict

    def refit_then_predict(sequences):  # the fit lands after the request passed the route's check, while it waits
        estimator.fit(*_data())
        return served(sequences)

    batcher.predict = refit_then_predict
    with TestClient(app) as client:
        response = client.post("/predict", json={"sequences": [[[0.1, 0.2], [0.3, 0.4]]]})
        # before: 200 with the old model's prediction
        assert response.status_code == 503
        assert response.json()["detail"] == (
            "serve: this SequenceRegressor was fitted again after the server was made, which still holds the old "
            "model; make a new app: rnnkit.deploy.server.create_app(estimator)")
        assert client.get("/health").status_code == 503  # as every route after a refit


# -- L24-06: the npz reader's zero-padding warning on data holding runs of zeros ----------------------------------
def _counts(seed: int, lengths=None) -> np.ndarray:
    """50 univariate count series of 20 steps (Poisson, rate 0.3: mostly zeros), padded after ``lengths``."""
    rng = np.random.default_rng(seed)
    X = rng.poisson(0.3, size=(50, 20, 1)).astype(np.float32)
    for i, n in enumerate(lengths if lengths is not None else []):
        X[i, n:] = 0
    return X


def _npz_warnings(X: np.ndarray, tmp_path) -> list[str]:
    np.savez(tmp_path / "x.npz", X=X, y=np.arange(len(X)) % 2)
    return [m for m in user_warnings(lambda: rnnkit.data.read_sequences(tmp_path / "x.npz")) if "zero padding" in m]


def test_L24_06_fixed_length_counts_ending_in_zeros_read_from_npz_are_not_warned_of(tmp_path):
    for seed in range(3):
        X = _counts(seed)
        blank = (X == 0).all(axis=2)
        tails = blank_tails(blank)
        assert (tails >= 2).sum() >= 15  # before: a warning naming these as padded (15 to 25 of 50)
        assert len(zero_padding(blank, strict=False)[0]) == 0
        assert collate.longest_blank_run(blank, tails) >= 8  # the data's own runs of zeros
    assert _npz_warnings(_counts(0), tmp_path) == []
    # padding longer than any run of zeros inside is still warned of
    lengths = np.random.default_rng(9).integers(3, 7, size=50)
    lengths[0] = 20
    X = _counts(1, lengths)
    X[0, -1] = 1  # the longest sequence ends in a count
    blank = (X == 0).all(axis=2)
    assert collate.longest_blank_run(blank, blank_tails(blank)) < 14 <= blank_tails(blank)[1:].min()
    assert len(_npz_warnings(X, tmp_path)) == 1


def test_L24_06_a_sequence_zero_throughout_alone_is_not_warned_of_as_padding(tmp_path):
    X = np.random.default_rng(0).normal(size=(6, 8, 2)).astype(np.float32) + 3
    X[3] = 0  # a sensor that was off: no sequence is all padding (each has at least one step)
    # before: "1 of 6 sequences end in steps that are 0 in every feature (the sequence at npz index 3: steps 0..7 of 8)"
    assert len(zero_padding((X == 0).all(axis=2), strict=False)[0]) == 0
    assert _npz_warnings(X, tmp_path) == []
    X[1, 5:] = 0  # beside a padded sequence it is named with it, as before
    assert zero_padding((X == 0).all(axis=2), strict=False)[0].tolist() == [1, 3]


# -- L24-07: a torch tensor as a stream id -------------------------------------------------------------------------
def test_L24_07_a_tensor_stream_id_is_refused_as_it_hashes_by_identity(regressor):
    stream = Streamer(regressor)
    x_t = [0.1, 0.2]
    # before: each torch.tensor(3) started a new stream (a tensor hashes by identity), and reset found none
    for stream_id, fix in ((torch.tensor(3), "stream_id.item()"), (torch.tensor([3, 4]), "tuple(stream_id.tolist())"),
                           (("s", torch.tensor(0.5)), "stream_id.item()")):
        shown = stream_id[1] if isinstance(stream_id, tuple) else stream_id
        with pytest.raises(ValueError) as e:
            stream.step(stream_id, x_t)
        assert one_line(e) == (f"Streamer: stream id {shown!r} is a torch.Tensor, which Python hashes by identity, "
                               f"not by value, so each step's tensor would start a new stream; pass {fix}")
    assert stream.streams == []
    stream.step(torch.tensor(3).item(), x_t)
    stream.step(3, x_t)
    assert stream.streams == [3]


# -- L24-08: torch.nn's keyword hx ---------------------------------------------------------------------------------
def test_L24_08_torch_nns_keyword_hx_names_rnnkits_state():
    x = torch.randn(2, 5, 3)
    # before: TypeError: Stacked.forward() got an unexpected keyword argument 'hx'
    with pytest.raises(ValueError) as e:
        rnnkit.LSTM(3, 4, num_layers=2)(x, hx=(torch.zeros(2, 2, 4), torch.zeros(2, 2, 4)))
    assert one_line(e) == ("LSTM: hx is torch.nn's name for the initial state; rnnkit's is state, batch-first "
                           "(B, L*D, H) = (B, 2, 4): layer(x, state=...), with torch.nn's (L*D, B, H) tensors as "
                           "h.transpose(0, 1) (an LSTM's (h0, c0) each)")
    with pytest.raises(ValueError, match=r"^MinGRU: hx is torch.nn's name for the initial state; .* = \(B, 1, 4\)"):
        rnnkit.MinGRU(3, 4)(x, hx=torch.zeros(1, 2, 4))
    with pytest.raises(ValueError) as e:
        rnnkit.Recurrent(GRUCell(3, 4))(x, hx=torch.zeros(1, 2, 4))
    assert one_line(e) == ("Recurrent(GRUCell): hx is torch.nn's name for the initial state; rnnkit's is state, "
                           "batch-first (B, H) = (B, 4): layer(x, state=...), with torch.nn's (L*D, B, H) tensors as "
                           "h[0] (one layer, one direction) (an LSTM's (h0, c0) each)")


# -- L24-09: an LSTM layer's state as a list [h0, c0] ---------------------------------------------------------------
def test_L24_09_a_layers_state_as_a_list_h_c_is_read_as_torch_nn_reads_it():
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    ours = rnnkit.LSTM.from_torch(theirs)
    x, h, c = torch.randn(2, 5, 3), torch.randn(4, 2, 4), torch.randn(4, 2, 4)
    # before: "LSTM: state must be a tuple ('h', 'c') of shape (2, 4, 4), got list of 2", where torch.nn takes it
    y, state = ours(x, state=[h.transpose(0, 1), c.transpose(0, 1)])
    y_ref, (h_ref, c_ref) = theirs(x, [h, c])
    assert type(state) is LSTMState
    torch.testing.assert_close((y, state.h, state.c), (y_ref, h_ref.transpose(0, 1), c_ref.transpose(0, 1)))
    _, single = rnnkit.Recurrent(LSTMCell(3, 4))(x, state=[h[0], c[0]])
    assert type(single) is LSTMState
    with pytest.raises(ValueError, match=r"state must be a tuple \('h', 'c'\) of shape \(2, 4, 4\), got list of 3; "
                                         r"pass the 2 fields \(h, c\) alone, in that order$"):
        ours(x, state=[h, c, c])


# -- L24-10: lengths in a float tensor -----------------------------------------------------------------------------
def test_L24_10_float_lengths_say_whether_they_are_whole():
    layer, x = rnnkit.GRU(3, 4), torch.randn(2, 5, 3)
    # before: "GRU: lengths must be an integer tensor, got dtype torch.float32", with no fix
    with pytest.raises(ValueError) as e:
        layer(x, torch.tensor([5.0, 3.0]))
    assert one_line(e) == ("GRU: lengths must be an integer tensor, got dtype torch.float32; they are whole numbers: "
                           "give them as integers (lengths.long(), or .astype(int) for a numpy array)")
    with pytest.raises(ValueError) as e:
        layer(x, np.array([5.0, 2.5]))
    assert one_line(e) == ("GRU: lengths must be an integer tensor, got dtype torch.float64; lengths[1] is 2.5, not a "
                           "whole number of steps")


# -- L24-11: an observation on the meta device ---------------------------------------------------------------------
def test_L24_11_an_observation_on_the_meta_device_is_named(regressor):
    stream = Streamer(regressor)
    # before: NotImplementedError: Cannot copy out of meta tensor; no data!
    with pytest.raises(ValueError) as e:
        stream.step("s", torch.empty(2, device="meta"))
    assert one_line(e) == ("Streamer: the observation of stream 's' is a tensor on the 'meta' device, which holds no "
                           "values (a model built on it, never loaded?); give its values")
    assert stream.streams == []


# -- L24-12: create_app's options ------------------------------------------------------------------------------------
@pytest.mark.parametrize("options,message", [
    (dict(max_wait_ms=float("inf")), "max_wait_ms must be a finite number (the longest a request waits for others "
                                     "to join its batch, in milliseconds; default 2.0), got inf; a request alone would "
                                     "wait forever for others"),
    (dict(max_wait_ms=float("nan")), "max_wait_ms must be a finite number (the longest a request waits for others "
                                     "to join its batch, in milliseconds; default 2.0), got nan"),
    (dict(max_batch=2.5), "max_batch must be an integer (the most sequences run as one batch; default 64), got "
                          "2.5"),
    (dict(max_batch="64"), "max_batch must be an integer (the most sequences run as one batch; default 64), got "
                           "'64' (text); pass max_batch=64, an int"),
    (dict(threads=2.5), "threads must be an integer (torch's intra-op threads) or None, got 2.5"),
    (dict(batching="no"), "batching must be True or False, got 'no'"),
    (dict(limits={"max_sequences": 8}), "limits must be rnnkit.deploy.server.Limits, got dict; pass Limits(**limits)"),
    (dict(limits=rnnkit.deploy.server.Limits(max_sequences=0)), "limits.max_sequences must be an integer >= 1, got 0"),
], ids=["inf_wait", "nan_wait", "float_batch", "text_batch", "float_threads", "text_batching", "dict_limits",
        "zero_limit"])
def test_L24_12_create_app_refuses_options_it_cannot_honour(regressor, options, message):
    # before: infinity left a lone request waiting forever (nan passed as no wait); max_batch 2.5 and batching="no"
    # were taken; '64' a TypeError at the first request, threads=2.5 torch's RuntimeError, a dict of limits an
    # AttributeError at the first request, a limit of 0 answered every request 413
    with pytest.raises(ValueError) as e:
        create_app(regressor, **options)
    assert one_line(e) == f"serve: {message}"


# -- L24-13: an LSTM's forget_bias of NaN or infinity --------------------------------------------------------------
def test_L24_13_a_forget_bias_that_is_not_finite_is_refused():
    # before: accepted; NaN made every output NaN, silently (LayerNormLSTMCell and ConvLSTMCell refused it already)
    for value in (float("nan"), float("inf")):
        with pytest.raises(ValueError) as e:
            rnnkit.LSTM(3, 4, forget_bias=value)
        assert one_line(e) == f"LSTMCell: forget_bias must be a finite number or None, got {value!r}"
    with pytest.raises(ValueError, match=r"^LSTMCell: forget_bias must be a number or None, got '1'$"):
        LSTMCell(3, 4, forget_bias="1")
    assert LSTMCell(3, 4, forget_bias=np.float32(2.0)).bias_ih[4:8].tolist() == [2.0] * 4


# -- L24-14: zero_state of a batch size that is no integer ---------------------------------------------------------
def test_L24_14_zero_state_names_a_batch_size_that_is_no_integer():
    cell = LSTMCell(3, 4)
    # before: TypeError: zeros() takes 1 positional argument but 2 were given (2.0, True); -1: torch's RuntimeError
    for size in (2.0, True, -1, torch.tensor(2.0)):
        with pytest.raises(ValueError) as e:
            cell.zero_state(size)
        assert one_line(e) == (f"LSTMCell.zero_state: batch_size must be an integer >= 0 (the number of sequences), "
                               f"got {size!r}")
    for size in (2, np.int64(2), torch.tensor(2)):
        assert cell.zero_state(size).c.shape == (2, 4)
    assert GRUCell(3, 4).zero_state(0).shape == (0, 4)


# -- L24-15: a layer that reads from the end, streamed or exported --------------------------------------------------
def test_L24_15_a_reversed_layer_has_no_step_graph(tmp_path):
    torch.manual_seed(0)
    reverse = rnnkit.Recurrent(LSTMCell(3, 4), reverse=True)
    stacked = rnnkit.Stacked([rnnkit.Recurrent(GRUCell(3, 4)), rnnkit.Recurrent(GRUCell(4, 4), reverse=True)])
    why = ("a model with reverse=True has no step graph: it reads the sequence from its end, so it cannot stream "
           "(each step would run forward); build it with reverse=False to stream")
    # before: Streamer stepped the cell forward, silently other outputs than the layer's; export_onnx refused with
    # "the exported graphs differ from the eager model by up to 0.588 (> tolerance 0.0001)"
    for layer in (reverse, stacked):
        with pytest.raises(ValueError) as e:
            Streamer(layer)
        assert one_line(e) == f"Streamer: {why}"
    info = rnnkit.export_onnx(reverse, tmp_path / "reverse", verbose=False)
    assert info["step"] == {"file": None, "reason": why}  # the sequence graph is written and checked
    with pytest.raises(ValueError, match="^Streamer: a bidirectional model has no step graph: .*; build it with "
                                         "bidirectional=False to stream$"):
        Streamer(rnnkit.GRU(3, 4, bidirectional=True))  # a layer is built, not fitted


# -- L24-16: a model on the meta device, streamed or exported -------------------------------------------------------
def test_L24_16_a_model_on_the_meta_device_is_named(tmp_path):
    layer = rnnkit.GRU(3, 4, device="meta")
    # before: NotImplementedError: Cannot copy out of meta tensor; no data!
    for who, call in (("Streamer", lambda: Streamer(layer)),
                      ("export_onnx", lambda: rnnkit.export_onnx(layer, tmp_path / "x", verbose=False))):
        with pytest.raises(ValueError) as e:
            call()
        assert one_line(e) == (f"{who}: the GRU's parameters are on the 'meta' device, which holds no values (built "
                               f"with device='meta' and never loaded?); load its weights first, e.g. "
                               f"model.load_state_dict(weights, assign=True)")
    layer.load_state_dict(rnnkit.GRU(3, 4).state_dict(), assign=True)
    assert Streamer(layer).step(0, [0.1, 0.2, 0.3]).y.shape == (4,)


# -- L24-17: TimeAware.set_mean of values with NaN, or of another feature count --------------------------------------
def test_L24_17_set_mean_skips_nan_at_missing_entries_and_names_another_shape():
    cell = TimeAware(GRUCell(4, 3))
    x = torch.tensor([[1.0, float("nan")], [3.0, 5.0]])  # values as time_aware_inputs takes them: NaN where missing
    # before: x_mean [2.0, nan], so every imputed value and every output after it NaN, silently
    cell.set_mean(x, (~x.isnan()).float())
    assert cell.x_mean.tolist() == [2.0, 5.0]
    # before: x of 3 features reshaped to rows of 2, silently a mean of other numbers; m of another shape: torch's error
    for x, m in ((torch.ones(10, 3), torch.ones(10, 3)), (torch.ones(10, 2), torch.ones(10, 3))):
        with pytest.raises(ValueError) as e:
            cell.set_mean(x, m)
        assert one_line(e) == (f"TimeAware.set_mean: x and m must be tensors of one shape (..., F) with F = 2 "
                               f"features, got x {tuple(x.shape)} and m {tuple(m.shape)}")
    assert cell.x_mean.tolist() == [2.0, 5.0]
