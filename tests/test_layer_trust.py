"""What a layer must never do silently: mix dtypes, let padding leak into the maths, trust unverified kernels.

- x whose dtype or device differs from the layer's parameters, and lengths that hold no values, raise one
  clear line naming the fix; autocast (mixed precision) and a float64 layer on float64 input still run.
- NaN or inf in the padding of x changes nothing: padded outputs are zero, valid outputs, final states and
  every gradient equal a run with zero padding, on every backend.
- ``auto`` checks the fused kernels against the reference before first use on a device (here: the CPU made
  to look like one, the kernels in Triton's interpreter) and falls back, saying why, when they disagree.
- The native path's weights stay the layer's own parameters when made views into one cuDNN buffer.
"""

import copy
import warnings

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.cells import LSTMState
from rnnkit.kernels import dispatch, native
from rnnkit.layers import LayerNormLSTM, MinGRU, MinLSTM


@pytest.fixture(scope="module", autouse=True)
def interpreter():
    """The fused kernels run in Triton's CPU interpreter (set before they are first imported)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TRITON_INTERPRET", "1")
        yield


def _time_aware(inner, **kwargs):
    return rnnkit.Recurrent(rnnkit.TimeAware(inner(2, 4)), **kwargs)


def _bidirectional():
    return rnnkit.Bidirectional(rnnkit.Recurrent(rnnkit.GRUCell(3, 4)),
                                rnnkit.Recurrent(rnnkit.GRUCell(3, 4), reverse=True))


# name -> a float32 layer reading 3 features
LAYERS = {
    "RNN": lambda: rnnkit.RNN(3, 4),
    "LSTM": lambda: rnnkit.LSTM(3, 4, num_layers=2),
    "GRU": lambda: rnnkit.GRU(3, 4, bidirectional=True),
    "LayerNormLSTM": lambda: LayerNormLSTM(3, 4),
    "MinGRU": lambda: MinGRU(3, 4),
    "MinLSTM": lambda: MinLSTM(3, 4),
    "Recurrent": lambda: rnnkit.Recurrent(rnnkit.LSTMCell(3, 4)),
    "Bidirectional": _bidirectional,
    "Stacked": lambda: rnnkit.Stacked([rnnkit.Recurrent(rnnkit.ElmanCell(3, 4))]),
    "TimeAware": lambda: rnnkit.Stacked([_time_aware(rnnkit.GRUCell)]),
}


# ------------------------------------------------------------------------------------------- dtype, device
@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("dtype,fix", [(torch.float64, "double"), (torch.float16, "half"),
                                       (torch.bfloat16, "bfloat16")])
def test_input_dtype_other_than_the_layers_is_one_clear_line(name, dtype, fix):
    layer = LAYERS[name]()
    with pytest.raises(ValueError) as error:
        layer(torch.randn(2, 5, 3, dtype=dtype))
    message = str(error.value)
    assert f"x is {dtype} but the layer's parameters are torch.float32" in message
    assert "x.float()" in message and f"layer.{fix}()" in message
    assert "\n" not in message


@pytest.mark.parametrize("name", ["LSTM", "GRU", "LayerNormLSTM", "MinGRU", "TimeAware", "Bidirectional"])
def test_a_float64_layer_on_float64_input_runs_and_agrees(name):
    layer = LAYERS[name]()
    x = _ta_input(2, 5) if name == "TimeAware" else torch.randn(2, 5, 3)  # [x, mask, delta]: gaps >= 0
    out32, _ = layer(x)
    out64, _ = copy.deepcopy(layer).double()(x.double())
    assert out64.dtype == torch.float64
    torch.testing.assert_close(out64.float(), out32, atol=1e-5, rtol=1e-5)


def test_a_state_of_another_dtype_is_refused():
    with pytest.raises(ValueError, match=r"state field 'h' is torch.float64 but x is torch.float32.*\.float\(\)"):
        rnnkit.GRU(3, 4)(torch.randn(2, 5, 3), state=torch.zeros(2, 1, 4, dtype=torch.float64))
    lstm = rnnkit.LSTM(3, 4)
    bad = LSTMState(torch.zeros(2, 1, 4), torch.zeros(2, 1, 4, dtype=torch.float16))
    with pytest.raises(ValueError, match="state field 'c' is torch.float16"):
        lstm(torch.randn(2, 5, 3), state=bad)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "LayerNormLSTM", "MinGRU", "TimeAware"])
def test_autocast_mixed_precision_still_runs(name):
    """Under autocast torch casts each op's operands: bfloat16 input to a float32 layer is legitimate."""
    layer = LAYERS[name]()
    x = _ta_input(2, 5) if name == "TimeAware" else torch.randn(2, 5, 3)  # [x, mask, delta]: gaps >= 0
    expected, _ = layer(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out, _ = layer(x.bfloat16())
        out32, _ = layer(x)
    for got in (out, out32):
        torch.testing.assert_close(got.float(), expected, atol=0.05, rtol=0.05)


def test_input_on_another_device_than_the_parameters():
    layer = rnnkit.LSTM(3, 4).to("meta")
    with pytest.raises(ValueError, match=r"x is on cpu but the layer's parameters are on meta; .*layer.to\('cpu'\)"):
        layer(torch.randn(2, 5, 3))


def test_lengths_that_hold_no_values_are_refused_clearly():
    x = torch.randn(4, 6, 3)
    for layer in (rnnkit.LSTM(3, 5), rnnkit.Recurrent(rnnkit.GRUCell(3, 5))):
        with pytest.raises(ValueError, match="lengths is a tensor on the 'meta' device"):
            layer(x, torch.tensor([6, 5, 3, 2], device="meta"))
    # lengths on another device than x are moved to x's device, by design: a list and a tensor agree
    out, _ = rnnkit.LSTM(3, 5)(x, [6, 5, 3, 2])
    assert out[3, 2:].abs().max() == 0


# ------------------------------------------------------------------------------------- NaN in the padding
def _ta_input(B, T):
    values = torch.randn(B, T, 1).masked_fill(torch.rand(B, T, 1) < 0.3, float("nan"))
    return rnnkit.time_aware_inputs(values, torch.rand(B, T).add(0.1).cumsum(1))


# name -> (layer factory, backend, forward keyword arguments, train mode)
PADDING_CASES = {
    "rnn reference": (lambda: rnnkit.RNN(3, 4, num_layers=2), "reference", {}, False),
    "lstm native": (lambda: rnnkit.LSTM(3, 4, num_layers=2, bidirectional=True), "native", {}, False),
    "gru native": (lambda: rnnkit.GRU(3, 4), "native", {}, False),
    "gru cpu_gru": (lambda: rnnkit.GRU(3, 4, num_layers=2, bidirectional=True), "cpu_gru", {}, False),
    "lstm reference bidirectional": (lambda: rnnkit.LSTM(3, 4, bidirectional=True), "reference", {}, False),
    "min_gru scan": (lambda: MinGRU(3, 4, bidirectional=True), "reference", {"mode": "parallel"}, False),
    "min_lstm loop": (lambda: MinLSTM(3, 4), "reference", {"mode": "sequential"}, False),
    "min_gru fused": (lambda: MinGRU(3, 4, bidirectional=True), "fused", {"mode": "parallel"}, False),
    "gru fused": (lambda: rnnkit.GRU(3, 4, bidirectional=True), "fused", {}, False),
    "ln_lstm fused": (lambda: LayerNormLSTM(3, 4), "fused", {}, False),
    "time_aware reference": (lambda: rnnkit.Stacked([_time_aware(rnnkit.LSTMCell)]), "reference", {}, False),
    "time_aware fused": (lambda: rnnkit.Stacked([_time_aware(rnnkit.GRUCell)]), "fused", {}, False),
    "lstm hidden dropout, training": (lambda: rnnkit.LSTM(3, 4, hidden_dropout=0.3, input_dropout=0.2),
                                      "reference", {}, True),
    "gru zoneout, training": (lambda: rnnkit.GRU(3, 4, zoneout=0.3, bidirectional=True), "reference", {}, True),
    "recurrent reversed": (lambda: rnnkit.Recurrent(rnnkit.GRUCell(3, 4), reverse=True), None, {}, False),
}


def _padding_run(layer, x, lengths, state, kwargs):
    """Outputs, final state fields and gradients (input, state, every parameter), with dropout masks drawn
    from the same seed each time."""
    x = x.clone().requires_grad_()
    state = state.clone().requires_grad_()
    torch.manual_seed(7)
    given = LSTMState(state, state * 0.5) if layer.state_fields == ("h", "c") else state
    out, final = layer(x, lengths, given, **kwargs)
    finals = list(final) if isinstance(final, tuple) else [final]
    gen = torch.Generator().manual_seed(1)
    loss = sum((t * torch.randn(t.shape, generator=gen)).sum() for t in [out, *finals])
    grads = torch.autograd.grad(loss, [x, state, *layer.parameters()])
    return out, finals, grads


@pytest.mark.parametrize("name", list(PADDING_CASES))
def test_nan_and_inf_in_the_padding_change_nothing(name):
    make, backend, kwargs, training = PADDING_CASES[name]
    layer = make()
    layer.train(training)
    if backend is not None:
        layer.backend = backend
    B, T = 3, 6
    lengths = torch.tensor([6, 2, 4])
    x = _ta_input(B, T) if "time_aware" in name else torch.randn(B, T, 3)
    padding = torch.arange(T)[None, :] >= lengths[:, None]  # (B, T)
    clean = x.masked_fill(padding[..., None], 0.0)
    dirty = clean.masked_fill(padding[..., None], float("nan"))
    dirty[1, 4] = float("inf")
    dirty[2, 5, 0] = -float("inf")
    D = 2 if getattr(layer, "bidirectional", False) or isinstance(layer, rnnkit.Bidirectional) else 1
    n = getattr(layer, "num_layers", 1) * D
    state = torch.randn(B, n, 4) if isinstance(layer, rnnkit.Stacked) else torch.randn(B, 4)
    out0, finals0, grads0 = _padding_run(layer, clean, lengths, state, kwargs)
    out1, finals1, grads1 = _padding_run(layer, dirty, lengths, state, kwargs)
    if backend is not None:
        assert layer.last_backend == backend, layer.last_backend_reason
    assert out1[padding].abs().max() == 0  # zeros, not NaN
    torch.testing.assert_close(out1, out0, atol=0, rtol=0)
    for a, b in zip(finals1, finals0, strict=True):
        torch.testing.assert_close(a, b, atol=0, rtol=0)
    for g1, g0 in zip(grads1, grads0, strict=True):
        assert torch.isfinite(g1).all()
        torch.testing.assert_close(g1, g0, atol=0, rtol=0)
    assert grads1[0][padding].abs().max() == 0  # the padding gets no gradient


# ------------------------------------------------------------------------- the self-check of the fused path
@pytest.fixture
def cpu_as_device(monkeypatch):
    """The CPU treated as a device whose fused kernels auto must verify; auto may pick them on CPU."""
    monkeypatch.setattr(dispatch, "_SELF_CHECKS", {})
    monkeypatch.setattr(dispatch, "needs_self_check", lambda name, x: name == "fused")
    predicate, runner = dispatch.FAST_PATHS["fused"]

    def on_cpu_too(layer, x):
        backend, layer.backend = layer.backend, "fused"  # the predicate refuses auto on CPU
        try:
            return predicate(layer, x)
        finally:
            layer.backend = backend

    def install(run=runner):
        monkeypatch.setitem(dispatch.FAST_PATHS, "fused", (on_cpu_too, run))

    install()
    return install


def _reference_runner(layer, x, lengths, state):
    return layer.forward_reference(x, lengths, state)


class _DoubleGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        return t.clone()

    @staticmethod
    def backward(ctx, g):
        return 2 * g


@pytest.mark.parametrize("make", [lambda: LayerNormLSTM(3, 4),
                                  lambda: MinGRU(3, 4, bidirectional=True),
                                  lambda: rnnkit.Stacked([_time_aware(rnnkit.LSTMCell)])],
                         ids=["ln_lstm", "min_gru", "time_aware_lstm"])
def test_auto_uses_the_fused_kernels_once_they_pass_the_self_check(cpu_as_device, make):
    layer = make()
    x = _ta_input(2, 5) if isinstance(layer.cells()[0], rnnkit.TimeAware) else torch.randn(2, 5, 3)
    out, _ = layer(x)
    assert layer.last_backend == "fused"
    assert "self-check passed on cpu (max err" in layer.last_backend_reason
    expected, _ = copy.deepcopy(layer).forward_reference(x, None, None)
    torch.testing.assert_close(out, expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("fault", ["values", "gradients", "raises", "nan"])
def test_auto_falls_back_when_the_fused_path_is_wrong(cpu_as_device, fault):
    calls = []

    def broken(layer, x, lengths, state):
        calls.append(1)
        if fault == "raises":
            raise RuntimeError("the kernel could not be compiled")
        out, final = _reference_runner(layer, x, lengths, state)
        if fault == "values":
            return out + 1e-2, final
        if fault == "nan":
            return out.masked_fill(torch.rand_like(out) < 0.1, float("nan")), final
        return _DoubleGradient.apply(out), final

    cpu_as_device(broken)
    layer = LayerNormLSTM(3, 4)
    x = torch.randn(2, 5, 3)
    with pytest.warns(RuntimeWarning, match="fused self-check"):
        out, _ = layer(x)
    assert layer.last_backend == "cpu_loop"  # the next path that can run it
    assert "fused self-check" in layer.last_backend_reason
    assert ("raised RuntimeError: the kernel could not be compiled" if fault == "raises" else "failed on cpu") \
        in layer.last_backend_reason
    torch.testing.assert_close(out, layer.forward_reference(x, None, None)[0])
    assert calls == [1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once: the outcome is cached
        layer(x)
        LayerNormLSTM(3, 4)(x)  # another layer of the same configuration: no second check
    assert calls == [1] and layer.last_backend == "cpu_loop"
    layer.backend = "fused"  # forcing skips the check and runs what was asked for
    if fault == "raises":
        with pytest.raises(RuntimeError, match="could not be compiled"):
            layer(x)
    else:
        layer(x)
        assert layer.last_backend == "fused"
    assert calls == [1, 1]


def test_the_self_check_is_per_configuration_and_leaves_no_trace(cpu_as_device):
    checks = []

    def counting(layer, x, lengths, state):
        checks.append(layer.hidden_size)
        return _reference_runner(layer, x, lengths, state)

    cpu_as_device(counting)
    layer = LayerNormLSTM(3, 4, num_layers=2, dropout=0.5)
    seen = []
    layer.layers[0].register_forward_hook(lambda *a: seen.append(1))
    x = torch.randn(2, 5, 3)
    rng = torch.get_rng_state()
    layer.eval()
    with torch.no_grad():  # the check runs its own backward even here
        layer(x)
    assert torch.equal(torch.get_rng_state(), rng)  # the random batch has its own generator
    assert checks == [4, 4] and seen == [1]  # checked once (one run, then the user's call); no hook saw the check
    assert all(p.grad is None for p in layer.parameters()) and not layer.training
    layer.train()
    layer(x)
    assert checks == [4, 4, 4]  # mode and grad do not change the configuration: no new check
    LayerNormLSTM(3, 6)(x)  # another hidden size is another configuration
    assert checks[3:] == [6, 6]
    LayerNormLSTM(3, 4, num_layers=2, bidirectional=True)(x)  # so are other directions
    assert checks[5:] == [4, 4]
    layer.double()(x.double())  # a call the predicate refuses (float64) is never checked
    assert len(checks) == 7 and layer.last_backend == "cpu_loop"


# --------------------------------------------------------------------------- the native path's weight buffer
def _one_buffer(layer, weights):
    """Stands for torch._cudnn_rnn_flatten_weight on CPU: the weights become views into one new buffer."""
    buffer = torch.cat([w.detach().reshape(-1) for w in weights])
    offset = 0
    for w in weights:
        w.set_(buffer.untyped_storage(), offset, w.shape, w.stride())
        offset += w.numel()
    _one_buffer.calls += 1


def _train_both(ours, theirs, steps, dtype=torch.float32):
    """The same SGD steps on the same data for both; the data."""
    opt_a = torch.optim.SGD(ours.parameters(), lr=0.5)
    opt_b = torch.optim.SGD(theirs.parameters(), lr=0.5)
    x, lengths = torch.randn(3, 6, 3, dtype=dtype), torch.tensor([6, 2, 5])
    for _ in range(steps):
        for model, opt in ((ours, opt_a), (theirs, opt_b)):
            opt.zero_grad()
            if model is ours:
                out = model(x, lengths)[0]
            else:
                packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
                out = nn.utils.rnn.pad_packed_sequence(model(packed)[0], batch_first=True, total_length=6)[0]
            (out ** 2).sum().backward()
            opt.step()
    return x, lengths


@pytest.mark.parametrize("flatten", [False, True], ids=["as_is", "one_buffer"])
def test_native_weights_stay_the_layers_own_through_optimizer_steps(monkeypatch, flatten):
    """The native call reads the parameters the optimizer updates: after copy + steps, equal to torch.nn.
    With the one-buffer layout (cuDNN's, stood in for on CPU) it is set up once and redone only when the
    parameters get new storage."""
    _one_buffer.calls = 0
    if flatten:
        monkeypatch.setattr(native, "_flattens", lambda x: True)
        monkeypatch.setattr(native, "_cudnn_flatten", _one_buffer)
    theirs = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    ours = rnnkit.LSTM.from_torch(theirs, backend="native")
    parameters = list(ours.parameters())
    x, lengths = _train_both(ours, theirs, steps=3)
    assert [id(p) for p in ours.parameters()] == [id(p) for p in parameters]  # the same Parameter objects
    ref = rnnkit.LSTM.from_torch(theirs, backend="reference")
    torch.testing.assert_close(ours(x, lengths)[0], ref(x, lengths)[0], atol=1e-6, rtol=1e-6)
    for k, cell in enumerate(ours.cells()):
        suffix = f"_l{k // 2}" + ("_reverse" if k % 2 else "")
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            torch.testing.assert_close(getattr(cell, name), getattr(theirs, name + suffix), atol=1e-6, rtol=1e-6)
    storages = {p.untyped_storage().data_ptr() for p in ours.parameters()}
    if not flatten:
        assert _one_buffer.calls == 0 and len(storages) == len(parameters)
        return
    assert _one_buffer.calls == 1 and len(storages) == 1  # flattened on the first call only
    ours.double()  # new storage per parameter: flattened again on the next call
    ours(x.double(), lengths)
    assert _one_buffer.calls == 2 and len({p.untyped_storage().data_ptr() for p in ours.parameters()}) == 1
