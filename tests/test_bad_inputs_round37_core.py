"""Thirty-seventh round, core: the C++ loops' first build with standard streams closed, ... (K37-NN rows of
docs/bad_inputs.md). Each test fails on the commit before its fix."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

import rnnkit
from rnnkit.kernels import cpu_gru


@pytest.mark.parametrize("closed", [("stdout",), ("stderr",), ("stdout", "stderr")])
def test_K37_01_a_build_with_standard_streams_closed_reaches_the_compiler(closed, tmp_path, monkeypatch):
    """``rnnkit predict m d.csv >&-``: sys.stdout is None, which torch's build flushes before running ninja. Ninja
    here is a stand-in that fails at once (a real build takes 30 s): the build must reach it, with streams."""
    from torch.utils import cpp_extension

    if not cpp_extension.is_ninja_available():
        pytest.skip("ninja is not installed")
    seen, run = [], subprocess.run

    def ninja(command, *args, **kwargs):  # torch's _run_ninja_build calls subprocess.run(["ninja", "-v", ...])
        if list(command[:2]) != ["ninja", "-v"]:
            return run(command, *args, **kwargs)  # `ninja --version`: is it installed
        seen.append((sys.stdout, sys.stderr))
        raise subprocess.CalledProcessError(1, command, output=b"stand-in ninja: stopped before compiling")

    monkeypatch.setenv("TORCH_EXTENSIONS_DIR", str(tmp_path))
    monkeypatch.setattr(cpp_extension.subprocess, "run", ninja)
    for name in closed:
        monkeypatch.setattr(sys, name, None)
    ok, reason = cpu_gru.build_extension("rnnkit_k37_streams", "int k37() { return 1; }", "a probe extension")
    assert (ok, len(seen)) == (False, 1), reason  # was AttributeError: 'NoneType' object has no attribute 'flush'
    assert all(stream is not None for stream in seen[0])
    assert reason.startswith("building a probe extension failed")
    assert all(getattr(sys, name) is None for name in closed)  # given back as they were


class _Net(torch.nn.Module):
    """A model holding the layer, as a user writes one: the layer's keys sit under ``rnn.``."""

    def __init__(self, rnn):
        super().__init__()
        self.rnn, self.head = rnn, torch.nn.Linear(4, 2)


@pytest.mark.parametrize("saved, built, words", [
    (dict(num_layers=2), dict(), r"num_layers=2 \(this layer: 1\).*rnnkit.LSTM\(3, 4, num_layers=2\)"),
    (dict(), dict(num_layers=2), r"num_layers=1 \(this layer: 2\).*rnnkit.LSTM\(3, 4\)"),
    (dict(bidirectional=True), dict(), r"bidirectional=True \(this layer: False\)"),
])
def test_K37_02_a_state_dict_of_other_layers_into_a_model_names_the_option(saved, built, words):
    state = _Net(rnnkit.LSTM(3, 4, **saved)).state_dict()
    model = _Net(rnnkit.LSTM(3, 4, **built))
    with pytest.raises(RuntimeError, match=r"LSTM.load_state_dict \(at 'rnn'\): .*" + words):
        model.load_state_dict(state)  # was torch's "Unexpected key(s) in state_dict: "rnn.layers.1.cell.weight_ih"..."
    loaded = model.load_state_dict(state, strict=False)  # strict=False still loads what fits, as torch does
    assert loaded.missing_keys or loaded.unexpected_keys
    with pytest.raises(RuntimeError, match=r"LSTM.load_state_dict: .*" + words):  # the layer alone, as before
        model.rnn.load_state_dict({k[4:]: v for k, v in state.items() if k.startswith("rnn.")})


def test_K37_02_a_torch_state_dict_of_other_layers_into_a_model_and_the_learned_initial_state():
    class TorchNet(torch.nn.Module):
        def __init__(self, num_layers):
            super().__init__()
            self.rnn, self.head = torch.nn.LSTM(3, 4, num_layers=num_layers, batch_first=True), torch.nn.Linear(4, 2)

    with pytest.raises(RuntimeError, match=r"\(at 'rnn'\): .*torch.nn.LSTM with num_layers=2 \(this layer: 1\)"):
        _Net(rnnkit.LSTM(3, 4)).load_state_dict(TorchNet(2).state_dict())
    model = _Net(rnnkit.LSTM(3, 4, learn_initial_state=True))
    with pytest.raises(RuntimeError, match=r"\(at 'rnn'\): .*torch.nn.LSTM's parameters.*learn_initial_state"):
        model.load_state_dict(TorchNet(1).state_dict())
    theirs = TorchNet(1)
    assert model.load_state_dict(theirs.state_dict(), strict=False).missing_keys == [
        "rnn.layers.0.initial.0", "rnn.layers.0.initial.1"]
    torch.testing.assert_close(model.rnn.weight_hh_l0, theirs.rnn.weight_hh_l0)  # the weights that fit loaded


def test_K37_03_compiled_lengths_of_new_values_compile_once():
    """``torch.compile`` over a layer called with lengths: the lengths' check read their minimum and maximum as
    Python ints between graphs, so every new shortest or longest sequence compiled the rest again (15 s a call
    for a layer; 8 of them hit torch's recompile limit). The check itself, compiled, shows it in a few seconds."""
    from torch._dynamo.testing import CompileCounter

    from rnnkit.layers.checks import check_lengths

    compiled = CompileCounter()

    @torch.compile(backend=compiled)
    def scaled(x, lengths):
        return x * check_lengths(lengths, x.shape[0], x.shape[1], x.device, "scaled")[:, None]

    torch._dynamo.reset()
    x = torch.ones(3, 4)
    torch.testing.assert_close(scaled(x, torch.tensor([4, 2, 1])), x * torch.tensor([[4.0], [2.0], [1.0]]))
    first = compiled.frame_count
    for lengths in ([4, 3, 1], [3, 3, 2], [2, 2, 2], [4, 4, 4], [1, 1, 3]):
        torch.testing.assert_close(scaled(x, torch.tensor(lengths)), x * torch.tensor(lengths)[:, None].float())
    assert compiled.frame_count == first  # was one more frame for each new minimum or maximum
    with pytest.raises(ValueError, match=r"every length must be in \[1, T=4\], got min 0 and max 5"):
        scaled(x, torch.tensor([5, 0, 2]))  # the check still refuses, compiled


class _Classifier(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn, self.head = rnnkit.LSTM(3, 4), torch.nn.Linear(4, 2)

    def forward(self, x, lengths=None):
        return self.head(self.rnn(x, lengths)[0][:, -1])


@pytest.mark.parametrize("target", [lambda out: out.argmax(-1).float(), lambda out: out[:, 0].detach(),
                                    lambda out: (out[:, 0] > 0).float()])
def test_K37_04_saliency_of_a_score_without_gradient_says_so(target):
    from rnnkit.diagnostics import saliency

    torch.manual_seed(0)
    with pytest.raises(ValueError, match=r"saliency: target\(output\) returned a torch.float32 score that no gradient "
                                         r"flows through .*lambda out: out\[:, k\]"):
        saliency(_Classifier(), torch.randn(3, 5, 3), target=target)  # was torch's "element 0 of tensors does not
    # require grad and does not have a grad_fn"; a frozen model still explains its inputs
    model = _Classifier().requires_grad_(False)
    assert saliency(model, torch.randn(3, 5, 3), target=lambda out: out[:, 1]).abs_grad.shape == (3, 5)


@pytest.mark.parametrize("loss", [lambda out, y: (out.argmax(-1) == y).float().mean(),
                                  lambda out, y: torch.nn.functional.cross_entropy(out, y).detach()])
def test_K37_04_gradient_flow_of_a_loss_without_gradient_says_so(loss):
    from rnnkit.diagnostics import gradient_flow

    torch.manual_seed(0)
    model, x, y = _Classifier(), torch.randn(3, 5, 3), torch.tensor([0, 1, 1])
    with pytest.raises(ValueError, match=r"gradient_flow: loss\(output, y\) returned a torch.float32 value that no "
                                         r"gradient flows through .*cross_entropy\(output, y\)"):
        gradient_flow(model, x, y, loss=loss)  # was torch's "element 0 of tensors does not require grad ..."
    model.rnn.requires_grad_(False)  # a frozen encoder under a trained head still measures
    flow = gradient_flow(model, x, y, loss=lambda out, y: torch.nn.functional.cross_entropy(out, y))
    assert flow.by_lag["l0"][0] > 0


@pytest.mark.parametrize("backend, dtype", [("auto", torch.bfloat16), ("native", torch.bfloat16),
                                            ("reference", torch.bfloat16), ("auto", torch.float16),
                                            ("reference", torch.float16)])  # native float16: per CPU (T22-08)
def test_K37_05_an_rnn_under_cpu_autocast_with_lengths_gives_torch_nn_dtypes(backend, dtype):
    torch.manual_seed(0)
    theirs = torch.nn.RNN(3, 4, num_layers=2, batch_first=True)
    ours = rnnkit.RNN.from_torch(theirs, backend=backend)
    x, lengths = torch.randn(3, 5, 3), [5, 3, 2]
    with torch.autocast("cpu", dtype=dtype):
        expected, expected_h = theirs(torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True))
        for state in (None, torch.zeros(3, 2, 4)):  # the default state, and a float32 one given
            y, h = ours(x, lengths, state)
            assert (y.dtype, h.dtype) == (dtype, dtype)  # the reference's h was float32 with lengths
            torch.testing.assert_close(h, expected_h.transpose(0, 1), rtol=0.05, atol=0.05)
    expected = torch.nn.utils.rnn.pad_packed_sequence(expected, batch_first=True)[0]
    torch.testing.assert_close(y, expected, rtol=0.05, atol=0.05)


@pytest.mark.parametrize("make", [lambda: rnnkit.LSTM(3, 4, num_layers=2),
                                  lambda: rnnkit.RNN(3, 4, num_layers=2, bidirectional=True)])
def test_K37_06_hooks_on_a_layer_inside_run_on_the_default_path(make):
    """``layer.layers[0].register_forward_hook(...)`` to read layer 0's output (and a full backward hook on the
    last layer): they ran on the C++ loops and the reference, which call each layer, but never on torch's fused
    op (auto's path for LSTM and RNN), silently."""
    torch.manual_seed(0)
    layer, x = make(), torch.randn(2, 5, 3)
    expected, _ = layer(x)
    assert layer.last_backend == "native"
    seen = {}
    inner = layer.layers[0].directions[1] if layer.bidirectional else layer.layers[0]
    inner.register_forward_hook(lambda module, args, out: seen.update(forward=out[0].shape))
    layer.layers[1].register_full_backward_hook(lambda module, g_in, g_out: seen.update(backward=True))
    y, _ = layer(x.requires_grad_())
    y.sum().backward()
    assert seen == {"forward": (2, 5, 4), "backward": True}, layer.last_backend  # was {} on native
    assert layer.last_backend != "native"
    torch.testing.assert_close(y, expected)
    layer.backend = "native"
    with pytest.raises(ValueError, match=r"backend='native' cannot run this call: layers.0(.backward_layer)? has "
                                         r"hooks of its own .*torch's fused op would skip"):
        layer(x)


class _DropConnect(torch.nn.Module):
    """AWD-LSTM's weight drop as a parametrization (no right_inverse: the original takes the value assigned)."""

    def forward(self, w):
        return torch.nn.functional.dropout(w, 0.5, self.training)


@pytest.mark.parametrize("make, name", [(lambda: rnnkit.cells.LSTMCell(3, 4), "weight_hh"),
                                        (lambda: rnnkit.cells.GRUCell(3, 4), "weight_ih"),
                                        (lambda: rnnkit.cells.LayerNormLSTMCell(3, 4), "weight_hh"),
                                        (lambda: rnnkit.cells.LSTMCell(3, 4), "bias_ih")])
@pytest.mark.parametrize("parametrize", ["weight_norm", "spectral_norm", "drop_connect"])
def test_K37_07_reset_parameters_reaches_a_parametrized_weight(make, name, parametrize):
    """The re-initialisation between folds (K32-02's idiom) on a cell whose weight is parametrized: the weight
    kept the previous fold's trained values (Cell.reset_parameters walked parameters(recurse=False), which holds
    no parametrized tensor; in place on the computed weight, the LayerNorm-LSTM's init changed a temporary)."""
    from torch.nn.utils import parametrizations
    from torch.nn.utils import parametrize as P

    torch.manual_seed(0)
    cell = make()
    if name.startswith("bias"):  # weight_norm and spectral_norm take matrices
        if parametrize != "drop_connect":
            pytest.skip("a bias takes no weight_norm or spectral_norm")
    if parametrize == "drop_connect":
        P.register_parametrization(cell, name, _DropConnect())
    else:
        getattr(parametrizations, parametrize)(cell, name)
    # the weight as initialised: weight_norm's value; spectral_norm's and the mask's original (the weight they
    # are applied to: spectral_norm divides it by its largest singular value)
    initialised = (lambda: getattr(cell, name)) if parametrize == "weight_norm" else (
        lambda: cell.parametrizations[name].original)
    with torch.no_grad():  # "trained": far outside the init's bound
        if parametrize == "weight_norm":
            setattr(cell, name, torch.full_like(getattr(cell, name), 3.0))
        else:
            initialised().fill_(3.0)
    cell.reset_parameters()  # in training mode: in eval, dropout returns the original itself, reached in place
    cell.eval()  # the parametrization's value without its randomness (dropout's mask, a power iteration)
    value = initialised().detach()
    bound = 1 / 4 ** 0.5
    if name == "bias_ih":  # the forget gate's block keeps rnnkit's forget bias, 1.0
        assert torch.equal(value[4:8], torch.ones(4)) and value[:4].abs().max() <= bound
    else:  # was 3.0 everywhere
        assert value.abs().max() <= bound + 1e-6 and value.std() > 0.05


class _Doubled(torch.nn.Module):
    """A parametrization with a right_inverse: an assigned value is written back as its half."""

    def forward(self, w):
        return 2 * w

    def right_inverse(self, w):
        return w / 2


@pytest.mark.parametrize("where, name", [("", "w_x"), ("", "b_x"), ("decay_h", "bias")])
@pytest.mark.parametrize("parametrization", [_DropConnect, _Doubled])
def test_K37_07_time_aware_reset_parameters_reaches_its_parametrized_decays(where, name, parametrization):
    """K37-07 for TimeAware's own decays, zeros at init: ``p.zero_()`` on a parametrized ``w_x``, ``b_x`` or
    ``decay_h.bias`` zeroed the tensor computed at that access, and the decay kept its trained values."""
    from torch.nn.utils import parametrize as P

    torch.manual_seed(0)
    cell = rnnkit.TimeAware(rnnkit.GRUCell(4, 3))
    owner = getattr(cell, where) if where else cell
    P.register_parametrization(owner, name, parametrization())
    with torch.no_grad():  # "trained"
        owner.parametrizations[name].original.fill_(3.0)
    cell.reset_parameters()  # in training mode: dropout's value is a new tensor, not the original
    cell.eval()
    assert torch.equal(getattr(owner, name), torch.zeros(2 if where == "" else 3))  # was 3.0 (6.0 doubled)


def test_K37_08_a_saved_state_loads_with_torch_loads_default(tmp_path):
    """A carried LSTMState (or a TimeAware stream's) saved with torch.save, then torch.load(path) with its default
    weights_only=True: torch refused rnnkit.cells.base.LSTMState as an unsupported global and advised
    weights_only=False, which would run any pickle."""
    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4)
    _, state = layer(torch.randn(2, 5, 3))
    stream = rnnkit.TimeAware(rnnkit.LSTMCell(4, 4)).stream_start(2)
    torch.save({"state": state, "stream": stream, "weights": layer.state_dict()}, tmp_path / "carried.pt")
    loaded = torch.load(tmp_path / "carried.pt", weights_only=True)
    assert type(loaded["state"]) is rnnkit.LSTMState and torch.equal(loaded["state"].c, state.c)
    assert type(loaded["stream"]) is rnnkit.cells.time_aware.Stream
    assert type(loaded["stream"].state) is rnnkit.LSTMState
    torch.testing.assert_close(layer(torch.ones(2, 1, 3), state=loaded["state"])[0],
                               layer(torch.ones(2, 1, 3), state=state)[0])


@pytest.mark.parametrize("make", [lambda: rnnkit.LayerNormLSTMCell(3, 4),
                                  lambda: rnnkit.TimeAware(rnnkit.GRUCell(2, 4)),
                                  lambda: rnnkit.TimeAware(rnnkit.LayerNormLSTMCell(2, 4))])
def test_K37_09_a_streaming_step_under_cpu_autocast_runs_the_lean_torch_step(make):
    """``inference_step`` of a LayerNorm-LSTM or TimeAware cell in a stream under ``torch.autocast("cpu")``: the C++
    step took it and failed in its own words (``expected scalar type Float but found BFloat16``: its products came
    back in bfloat16); the layers' C++ loops already step aside under autocast."""
    from rnnkit.kernels.step import inference_step, step_backend

    torch.manual_seed(0)
    cell = make()
    if isinstance(cell, rnnkit.TimeAware):
        x, state = rnnkit.time_aware_inputs(torch.randn(2, 1, 1), torch.arange(1.0)[None].expand(2, 1))[:, 0], \
            cell.stream_start(2)
        reference = lambda: cell.stream_step(x, state)
    else:
        x, state = torch.randn(2, 3), cell.zero_state(2)
        reference = lambda: cell.step(cell.project(x), state)
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        y, _ = inference_step(cell, x, state)  # was RuntimeError: expected scalar type Float but found BFloat16
        expected, _ = reference()
        assert "autocast is on, and the C++ step computes in float32 and float64 only" in step_backend(cell)[1]
    torch.testing.assert_close(y.float(), expected.float(), rtol=0.02, atol=0.01)


def test_K37_10_a_state_dict_with_or_without_the_learned_initial_state_names_the_option():
    """rnnkit's own checkpoint of a layer built without ``learn_initial_state`` loaded into one built with it (and
    the other way): torch's ``Missing key(s) in state_dict: "layers.0.initial.0", ...`` named no option."""
    torch.manual_seed(0)
    plain, learned = rnnkit.GRU(3, 4).state_dict(), rnnkit.GRU(3, 4, learn_initial_state=True).state_dict()
    with pytest.raises(RuntimeError, match=r"GRU.load_state_dict: the state_dict holds an rnnkit GRU of "
                                           r"learn_initial_state=False \(this layer: True\).*rnnkit.GRU\(3, 4\), and "
                                           r"load it there, or pass strict=False to load the weights and keep"):
        rnnkit.GRU(3, 4, learn_initial_state=True).load_state_dict(plain)
    with pytest.raises(RuntimeError, match=r"learn_initial_state=True \(this layer: False\).*"
                                           r"rnnkit.GRU\(3, 4, learn_initial_state=True\), and load it there$"):
        rnnkit.GRU(3, 4).load_state_dict(learned)
    with pytest.raises(RuntimeError, match=r"\(at 'rnn'\): .*learn_initial_state=False \(this layer: True\)"):
        _Net(rnnkit.LSTM(3, 4, learn_initial_state=True)).load_state_dict(_Net(rnnkit.LSTM(3, 4)).state_dict())
    layer = rnnkit.GRU(3, 4, learn_initial_state=True)
    assert layer.load_state_dict(plain, strict=False).missing_keys == ["layers.0.initial.0"]
    torch.testing.assert_close(layer.layers[0].cell.weight_hh, plain["layers.0.cell.weight_hh"])
