"""Round 34 of the core API as a PyTorch user meets it (K34-NN in docs/bad_inputs.md): torch.func transforms over
GRU-D (TimeAware) layers and padded batches. Each test fails on the code before its fix."""

from __future__ import annotations

import pytest
import torch
from torch.func import functional_call, grad, vmap

import rnnkit


def one_line(error) -> str:
    message = str(error.value)
    assert "\n" not in message
    return message


def _time_aware(cell):
    torch.manual_seed(0)
    layer = rnnkit.Recurrent(rnnkit.TimeAware(cell))
    params = {k: v.detach() for k, v in layer.named_parameters()}
    return layer, (params, dict(layer.named_buffers()))


# -- K34-01: NaN left at a missing entry of a TimeAware layer's input under vmap ---------------------------------------
@pytest.mark.parametrize("cell", [lambda: rnnkit.GRUCell(4, 5), lambda: rnnkit.LSTMCell(4, 5)], ids=["GRU", "LSTM"])
def test_K34_01_nan_at_a_missing_entry_under_vmap_is_named_with_its_sample(cell):
    layer, weights = _time_aware(cell())
    values = torch.randn(3, 6, 2)
    values[1, 2, 0] = float("nan")  # sample 1 misses feature 0 at step 2; its mask says so, its value is left NaN
    by_hand = torch.cat([values, (~values.isnan()).float(), torch.zeros_like(values)], dim=-1)

    def out(p, x_b):
        return functional_call(layer, p, (x_b[None],))[0][0]

    def loss(p, x_b):
        return out(p, x_b).pow(2).sum()

    # was: no check under vmap, and sample 1's outputs from step 2 on were NaN (0 * NaN), its weight gradients NaN,
    # without a word (the other samples right)
    for transform in (vmap(out, in_dims=(None, 0)), vmap(grad(loss), in_dims=(None, 0))):
        with pytest.raises(ValueError, match=r"^Recurrent\(TimeAware\): x holds nan at sequence 0, step 2, column 0 "
                                             r"\(the value of feature 0\) of torch\.func\.vmap's sample 1; ") as e:
            transform(weights, by_hand)
        assert "rnnkit.time_aware_inputs(values, times)" in one_line(e)
    # nested vmaps name the sample outermost first; a batch of B sequences inside names the sequence
    with pytest.raises(ValueError, match=r"at sequence 1, step 2, column 0 .* of torch\.func\.vmap's sample \(0, 0\) "
                                         r"\(outermost vmap first\)"):
        vmap(vmap(lambda p, x: functional_call(layer, p, (x,))[0], in_dims=(None, 0)), in_dims=(None, 0))(
            weights, by_hand[None, None])
    # NaN in the padding past a sample's length is never read, under vmap too
    good = rnnkit.time_aware_inputs(values)
    padded = good.clone()
    padded[0, 4:] = float("nan")
    lengths = torch.tensor([4, 6, 6])
    got = vmap(lambda p, x, n: functional_call(layer, p, (x[None], n[None]))[0][0], in_dims=(None, 0, 0))(
        weights, padded, lengths)
    torch.testing.assert_close(got, layer(good, lengths)[0])
    # with the value written 0 (time_aware_inputs), each sample equals the batch
    torch.testing.assert_close(vmap(out, in_dims=(None, 0))(weights, good), layer(good)[0])


# -- K34-02: lengths of 0, negative or past T under vmap ---------------------------------------------------------------
@pytest.mark.parametrize("lengths, shown", [
    ([5, 0, 4], "min 0 and max 5 (torch.func.vmap's sample 1: sequence 0 of length 0)"),
    ([5, 3, -2], "min -2 and max 5 (torch.func.vmap's sample 2: sequence 0 of length -2)"),
    ([5, 9, 4], "min 4 and max 9 (torch.func.vmap's sample 1: sequence 0 of length 9)"),
], ids=["zero", "negative", "past-T"])
def test_K34_02_lengths_out_of_range_under_vmap_are_refused(lengths, shown):
    torch.manual_seed(0)
    layer = rnnkit.GRU(3, 4)
    params = {k: v.detach() for k, v in layer.named_parameters()}
    x = torch.randn(3, 5, 3)

    def out(p, x_b, n_b):
        return functional_call(layer, p, (x_b[None], n_b[None]))[0][0]

    # was: read silently, 0 or less as no step (outputs 0, the final state the initial one), more than T as T
    with pytest.raises(ValueError, match=r"^GRU: every length must be in \[1, T=5\], got " + shown.replace(
            "(", r"\(").replace(")", r"\)") + "; (a length counts|x holds 5 steps)"):
        vmap(out, in_dims=(None, 0, 0))(params, x, torch.tensor(lengths))
    per_sample = vmap(grad(lambda p, x_b, n_b: out(p, x_b, n_b).sum()), in_dims=(None, 0, 0))
    with pytest.raises(ValueError, match=r"every length must be in \[1, T=5\]"):  # per-sample gradients alike
        per_sample(params, x, torch.tensor(lengths))
    ok = torch.tensor([5, 3, 4])  # lengths in range: each sample as in the batch
    torch.testing.assert_close(vmap(out, in_dims=(None, 0, 0))(params, x, ok), layer(x, ok)[0])


# -- K34-03: time_aware_inputs(values, times) under vmap ---------------------------------------------------------------
def test_K34_03_time_aware_inputs_with_times_run_under_vmap_and_name_bad_times():
    layer, weights = _time_aware(rnnkit.GRUCell(4, 5))
    values = torch.randn(3, 5, 2)
    values[torch.rand(3, 5, 2) < 0.3] = float("nan")
    times = torch.cumsum(torch.rand(3, 5) + 0.1, dim=1)

    def out(p, v_b, t_b):
        return functional_call(layer, p, (rnnkit.time_aware_inputs(v_b[None], t_b[None]),))[0][0]

    # was: RuntimeError "vmap: It looks like you're attempting to use a Tensor in some data-dependent control flow"
    got = vmap(out, in_dims=(None, 0, 0))(weights, values, times)
    torch.testing.assert_close(got, layer(rnnkit.time_aware_inputs(values, times))[0])
    gaps = vmap(lambda v, t: rnnkit.time_aware_inputs(v[None], t[None])[0])(values, times)
    torch.testing.assert_close(gaps, rnnkit.time_aware_inputs(values, times))
    unknown = times.clone()
    unknown[2, 3] = float("nan")
    with pytest.raises(ValueError, match=r"^time_aware_inputs: times must be finite, but sequence 0 of "
                                         r"torch\.func\.vmap's sample 2 has nan at step 3; "):
        vmap(out, in_dims=(None, 0, 0))(weights, values, unknown)
    repeated = times.clone()
    repeated[1, 3] = repeated[1, 2]
    with pytest.raises(ValueError, match=r"^time_aware_inputs: times must be strictly increasing along each "
                                         r"sequence, but sequence 0 of torch\.func\.vmap's sample 1 has \S+ at step 2 "
                                         r"and \S+ at step 3; "):
        vmap(out, in_dims=(None, 0, 0))(weights, values, repeated)
    with pytest.raises(ValueError, match=r"but sequence 1 has \S+ at step 2"):  # without vmap: as before
        rnnkit.time_aware_inputs(values, repeated)


# -- K34-04: NaN left at a missing entry of a TimeAware layer's input under torch.compile ------------------------------
def test_K34_04_nan_at_a_missing_entry_under_torch_compile_is_named():
    layer, _ = _time_aware(rnnkit.GRUCell(4, 5))
    values = torch.randn(3, 6, 2)
    values[1, 2, 0] = float("nan")
    by_hand = torch.cat([values, (~values.isnan()).float(), torch.zeros_like(values)], dim=-1)
    compiled = torch.compile(layer, backend="eager")
    # was: the check stepped aside under torch.compile, and sequence 1's outputs from step 2 on were NaN, silently
    with pytest.raises(ValueError, match=r"^Recurrent\(TimeAware\): x holds nan at sequence 1, step 2, column 0 "
                                         r"\(the value of feature 0\); "):
        compiled(by_hand)
    # a graph holds no check: exported as before (the compiled layer's outputs on good inputs: K33's tests)
    good = rnnkit.time_aware_inputs(values)
    torch.testing.assert_close(torch.export.export(layer, (good,)).module()(good)[0], layer(good)[0])


# -- K34-05: float16 values with times in seconds (a day is past float16's 65504) ------------------------------------
def test_K34_05_a_gap_past_float16s_range_is_named_by_time_aware_inputs_and_the_layer():
    import numpy as np

    values = torch.randn(2, 5, 2)
    values[0, 1:3, 0] = float("nan")
    days = torch.arange(5.0).expand(2, 5)
    # was: delta inf from step 1 on (86400 s in float16), silently; the layer then said "0 * NaN is NaN ... write 0
    # at missing values", which was not the cause
    with pytest.raises(ValueError, match=r"^time_aware_inputs: the time since feature 0 was last observed is 86400 "
                                         r"at step 1 of sequence 0, past torch\.float16's largest value 65504, so it "
                                         r"would be inf; give times in a larger unit \(e\.g\. hours"):
        rnnkit.time_aware_inputs(values.half(), days * 86400)
    dates = np.array(["2024-01-01", "2024-01-02", "2024-01-05", "2024-01-06", "2024-02-06"], dtype="datetime64[D]")
    with pytest.raises(ValueError, match=r"datetime64 times are read in seconds: give them as numbers in a larger "
                                         r"unit, e.g\. hours, \(times - times\.min\(\)\) / np\.timedelta64\(1, 'h'\)"):
        rnnkit.time_aware_inputs(values.half(), np.stack([dates, dates]))
    hours = rnnkit.time_aware_inputs(values.half(), days * 24)  # in hours: finite, 24 and 72
    assert hours[0, 3, 4].item() == 72 and bool(torch.isfinite(hours).all())
    assert rnnkit.time_aware_inputs(values, days * 86400)[0, 3, 4].item() == 3 * 86400  # float32 holds it
    layer = rnnkit.Recurrent(rnnkit.TimeAware(rnnkit.GRUCell(4, 3))).half()
    overflowed = hours.clone()
    overflowed[1, 2, 5] = float("inf")  # built by hand in float16
    with pytest.raises(ValueError, match=r"x holds inf at sequence 1, step 2, column 5 \(the time since last observed "
                                         r"of feature 1\); TimeAware's imputation and decays read it, .*\(a gap past "
                                         r"torch\.float16's largest value 65504 is inf there: give times in a larger "
                                         r"unit") as e:
        layer(overflowed)
    assert "0 * NaN" not in one_line(e)


# -- K34-06: Task.score of a diverged model's NaN outputs ------------------------------------------------------------
def test_K34_06_task_score_of_nan_outputs_is_nan_and_named_instead_of_a_plausible_score():
    import math

    import numpy as np

    from rnnkit.tasks import get_task

    digits = get_task("digits")
    n = len(digits.test.y)
    scores = np.random.default_rng(0).normal(size=(n, 10))
    scores[3:40] = np.nan  # a model that diverged on some rows (or all of them)
    # was: 0.1 for all-NaN scores (NaN arg-maxes to class 0: the chance level, a plausible score), without a word;
    # nan now, as rnnkit.compare records a diverged run (a refusal would end a comparison at its first diverged run)
    with pytest.warns(RuntimeWarning, match=r"^Task 'digits'\.score: output\[3, 0\] is nan \(37 of the 360 rows hold "
                                            r"NaN\), so the accuracy is nan \(not a class: NaN arg-maxes to class 0"):
        assert math.isnan(digits.score(scores))
    with pytest.warns(RuntimeWarning, match=r"360 of the 360 rows hold NaN"):
        assert math.isnan(digits.score(torch.full((n, 10), float("nan"))))
    masked = np.random.default_rng(0).normal(size=(n, 10))
    masked[:, 9] = -np.inf  # a class masked out with -inf: read as before
    assert digits.score(masked) == digits.score(np.where(np.isinf(masked), -1e9, masked))
    adding = get_task("adding", T=20, n_train=10, n_val=10, n_test=10)
    with pytest.warns(RuntimeWarning, match=r"^Task 'adding'\.score: output\[2, 0\] is inf \(1 of the 10 rows hold "
                                            r"NaN or infinity\), so the mse is nan; a model whose training diverged"):
        assert math.isnan(adding.score(torch.ones(10, 1).index_fill_(0, torch.tensor([2]), float("inf"))))
    assert adding.score(np.ones(10)) >= 0


# -- K34-07: from_torch of a time-first torch.nn module (torch.nn's default) -----------------------------------------
@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_K34_07_from_torch_of_a_time_first_module_warns_that_x_is_read_batch_first(kind):
    import warnings

    torch.manual_seed(0)
    module = getattr(torch.nn, kind)(3, 4, num_layers=2)  # batch_first=False
    x = torch.randn(7, 2, 3)  # time-first, as the module takes it
    # was: built without a word, and the module's time-first x read as 7 sequences of 2 steps (outputs off by 0.1 or
    # more, no error)
    with pytest.warns(UserWarning, match=rf"^{kind}\.from_torch: the module is time-first \(batch_first=False, "
                                         r"torch\.nn's default\), but rnnkit layers read x batch-first \(B, T, F\)"):
        layer = getattr(rnnkit, kind).from_torch(module)
    assert (layer(x)[0] - module(x)[0]).abs().max() > 1e-2  # what the warning is about
    torch.testing.assert_close(layer(x.transpose(0, 1))[0].transpose(0, 1), module(x)[0])  # its fix
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        getattr(rnnkit, kind).from_torch(module, batch_first=True)  # said: no warning
        getattr(rnnkit, kind).from_torch(getattr(torch.nn, kind)(3, 4, batch_first=True))
