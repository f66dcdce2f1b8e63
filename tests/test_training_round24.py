"""The training layer, the models and the diagnostics used directly, as PyTorch and Lightning users drive them:
resumed fits, the non-finite guard, seeds, models on the meta device, padding ids (docs/bad_inputs.md, T24-*)."""

import warnings

import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader, TensorDataset

from rnnkit.diagnostics import gate_statistics, gradient_flow, hidden_states, saliency
from rnnkit.models import EncoderDecoder, SequenceToLabel, SequenceToSequence
from rnnkit.training import Batch, NonFiniteLossError, SequenceModule, seeded_fit


def _data(n=8, T=5, F=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, T, F, generator=g), torch.randint(0, 2, (n,), generator=g)


class _Crash(Callback):
    """Raises in the second batch of ``epoch``, as a crash mid-epoch."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        if trainer.current_epoch == self.epoch and batch_idx == 1:
            raise RuntimeError("crash")


class _OptimizerSettings(Callback):
    def __init__(self):
        self.seen = []

    def on_train_epoch_start(self, trainer, module):
        group = trainer.optimizers[0].param_groups[0]
        self.seen.append((group["lr"], group["weight_decay"]))


def test_t24_01_a_fit_resumed_with_another_lr_trains_at_that_lr_not_the_checkpoints(tmp_path):
    x, y = _data()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2)), loader, seed=0, max_epochs=1, log_dir=tmp_path)
    ckpt = tmp_path / "checkpoints" / "last.ckpt"
    seen = _OptimizerSettings()
    fitted = seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2), lr=0.05, weight_decay=0.1), loader, seed=0,
                        max_epochs=2, ckpt_path=ckpt, callbacks=[seen]).module
    assert seen.seen == [(0.05, 0.1)]  # before: (0.001, 0.0), the checkpoint's, while module.lr said 0.05
    assert fitted.lr == 0.05


def test_t24_10_a_one_cycle_fit_resumed_with_more_epochs_or_another_lr_is_refused_before_it_trains(tmp_path):
    x, y = _data()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    # a one-cycle schedule resumed keeps its own peak and length: refused, not trained at another lr than asked
    seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2), lr_schedule="onecycle"), loader, seed=0, max_epochs=1,
               log_dir=tmp_path / "cycle")
    cycle = tmp_path / "cycle" / "checkpoints" / "last.ckpt"
    with pytest.raises(ValueError, match=r"one-cycle schedule peaks at lr=0\.001 over 2 batches, but this fit has "
                                         r"lr=0\.05 over 4"):
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2), lr_schedule="onecycle", lr=0.05), loader, seed=0,
                   max_epochs=2, ckpt_path=cycle)
    with pytest.raises(ValueError, match=r"peaks at lr=0\.001 over 2 batches, but this fit has lr=0\.001 over 4"):
        # before: torch's "Tried to step 3 times. The specified number of total steps is 2", in the fit
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2), lr_schedule="onecycle"), loader, seed=0,
                   max_epochs=2, ckpt_path=cycle)


def test_t24_02_a_crash_resumed_with_a_loader_of_its_own_generator_ends_as_an_uninterrupted_fit(tmp_path):
    x, y = _data(12)

    def loader():  # a PyTorch user's seeded shuffle
        return DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1))

    def build():
        return SequenceModule(SequenceToLabel(3, 4, 2))

    full = seeded_fit(build, loader(), seed=0, max_epochs=3).module
    with pytest.raises(RuntimeError, match="crash"):
        seeded_fit(build, loader(), seed=0, max_epochs=3, log_dir=tmp_path, callbacks=[_Crash(2)])
    resumed = seeded_fit(build, loader(), seed=0, max_epochs=3, log_dir=tmp_path,
                         ckpt_path=tmp_path / "checkpoints" / "last.ckpt").module
    for (name, a), b in zip(full.state_dict().items(), resumed.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-7, msg=name)  # before: 1e-3 apart (epoch 0's order again)
    assert resumed.history["train_loss"] == pytest.approx(full.history["train_loss"], abs=1e-7)


def test_t24_03_the_non_finite_guard_names_a_nan_in_the_batch_not_the_learning_rate():
    x, y = _data(4, T=6)
    x[1, 2, 0] = float("nan")
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    where = r"x holds nan at sequence 1, step 2, feature 0 .*fill in or drop the missing values"
    with pytest.raises(NonFiniteLossError, match=where) as info:
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2)), loader, seed=0, max_epochs=1)
    assert "lower learning rate" not in str(info.value)
    # truncated BPTT: the NaN in the first chunk reaches the loss of the last, through the state
    with pytest.raises(NonFiniteLossError, match=where):
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2), tbptt_steps=4), loader, seed=0, max_epochs=1)
    # padding past a sequence's length is not read, so a NaN there is no cause
    target = torch.tensor([[0.0], [1.0], [2.0], [float("nan")]])
    with pytest.raises(NonFiniteLossError, match=r"targets y hold nan .*give finite targets"):
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 1), task="regression"),
                   DataLoader(TensorDataset(torch.randn(4, 6, 3), target), batch_size=4), seed=0, max_epochs=1)


def test_t24_04_seeded_fit_seed_beyond_torchs_range_is_named():
    x, y = _data(4)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    for seed in (2**64, -(2**63) - 1, 2**70):  # before: torch's "Overflow when unpacking long long"
        with pytest.raises(ValueError, match=r"seeded_fit: seed must be an integer from -2\*\*63 to 2\*\*64 - 1"):
            seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2)), loader, seed=seed, max_epochs=1)


def test_t24_05_a_model_on_the_meta_device_is_named_before_lightning_moves_it():
    x, y = _data(4)
    with pytest.raises(ValueError, match=r"SequenceModule: the model's parameters are on the 'meta' device "
                                         r"\(encoder\..*load_state_dict\(weights, assign=True\)"):
        # before: torch's "Cannot copy out of meta tensor; no data!" from Lightning's teardown
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2).to("meta")),
                   DataLoader(TensorDataset(x, y), batch_size=4), seed=0, max_epochs=1)


@pytest.mark.parametrize("diagnostic", [gradient_flow, saliency, hidden_states, gate_statistics])
def test_t24_06_diagnostics_of_a_model_on_the_meta_device_are_named(diagnostic):
    x, _ = _data(4)
    # before: torch's "Tensor.item() cannot be called on meta tensors"
    with pytest.raises(ValueError, match=rf"{diagnostic.__name__}: the SequenceToLabel's parameters are on the "
                                         r"'meta' device"):
        diagnostic(SequenceToLabel(3, 4, 2).to("meta"), x)


@pytest.mark.parametrize("diagnostic", [gradient_flow, saliency, hidden_states, gate_statistics])
def test_t24_07_diagnostics_of_an_encoder_decoder_name_its_encoder(diagnostic):
    x, _ = _data(4)
    model = EncoderDecoder(3, 4, 5)
    args = (torch.randint(0, 5, (4, 3)),) if diagnostic is gradient_flow else ()
    # before: "EncoderDecoder.forward needs the targets y (teacher forcing); use generate()", y given or not
    with pytest.raises(ValueError, match=rf"{diagnostic.__name__}: EncoderDecoder decodes from its targets .*"
                                         rf"{diagnostic.__name__}\(model\.encoder, X\)"):
        diagnostic(model, x, *args)
    if diagnostic is gradient_flow:  # the way named runs
        assert gradient_flow(model.encoder, x).reach == {"l0": 4}


def test_t24_08_padding_ids_in_per_step_targets_name_the_lengths_that_leave_them_out():
    x = torch.randn(4, 6, 3)
    y = torch.randint(0, 5, (4, 3))
    y[0, 2] = -100  # torch's ignore_index, as a PyTorch user pads
    loader = DataLoader([Batch(x, None, y)], batch_size=None)
    with pytest.raises(ValueError, match=r"got -100; padding .*give y_lengths \(Batch\(x, lengths, y, y_lengths\)\)"):
        seeded_fit(lambda: SequenceModule(EncoderDecoder(3, 4, 5)), loader, seed=0, max_epochs=1)
    steps = torch.randint(0, 5, (4, 6))
    steps[2, 4:] = -100
    with pytest.raises(ValueError, match=r"got -100; padding .*give lengths \(Batch\(x, lengths, y\)\)"):
        seeded_fit(lambda: SequenceModule(SequenceToSequence(3, 4, 5)), DataLoader([Batch(x, None, steps)],
                   batch_size=None), seed=0, max_epochs=1)
    lengths = torch.tensor([6, 6, 4, 6])  # with them the padded steps are left out, and it trains
    fitted = seeded_fit(lambda: SequenceModule(SequenceToSequence(3, 4, 5)),
                        DataLoader([Batch(x, lengths, steps)], batch_size=None), seed=0, max_epochs=1).module
    assert len(fitted.history["train_loss"]) == 1


def test_t24_09_a_fit_resumed_without_log_dir_is_not_told_to_add_a_checkpoint_callback(tmp_path):
    x, y = _data(4)
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2)), loader, seed=0, max_epochs=1, log_dir=tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2)), loader, seed=0, max_epochs=2,
                   ckpt_path=tmp_path / "checkpoints" / "last.ckpt")
    # before: "Be aware that when using `ckpt_path`, callbacks used to create the checkpoint need to be provided
    # ... Please add the following callbacks: ["ModelCheckpoint{...}"]", which make_trainer refuses without log_dir
    assert not [w for w in caught if "callbacks used to create the checkpoint" in str(w.message)]


@pytest.mark.parametrize(("kind", "task"), [("regression", "classification"), ("classification", "regression")])
def test_t24_11_an_encoder_decoder_of_another_output_kind_than_the_task_is_named(kind, task):
    # before: "classification needs one integer class id per sequence ... one-hot? pass y.argmax(-1)" for a
    # regression decoder's values; "regression targets of shape (12,) do not match ..." for class ids
    with pytest.raises(ValueError, match=rf"EncoderDecoder has output_kind='{kind}' but the module task='{task}'; "
                                         rf"give SequenceModule\(model, task='{kind}'\)"):
        SequenceModule(EncoderDecoder(3, 4, 2, output_kind=kind), task=task)
    SequenceModule(EncoderDecoder(3, 4, 2, output_kind=kind), task=kind)  # the matching task builds


def test_t24_12_clip_gradients_of_one_tensor_clips_its_gradient_as_torch_does():
    from rnnkit.training.module import clip_gradients

    p = torch.nn.Parameter(torch.ones(3))
    p.grad = torch.tensor([3.0, 4.0, 0.0])
    norm = clip_gradients(p, max_norm=1.0, max_value=None)  # before: 0 and the gradient left as it was
    assert float(norm) == pytest.approx(5.0)
    torch.testing.assert_close(p.grad, torch.tensor([0.6, 0.8, 0.0]))
    q = torch.nn.Parameter(torch.ones(3))
    q.grad = torch.tensor([3.0, 4.0, 0.0])
    torch.nn.utils.clip_grad_norm_(q, 1.0)
    torch.testing.assert_close(p.grad, q.grad)


@pytest.mark.parametrize("option", [{"tbptt_steps": 2}, {"stateful": True}])
def test_t24_13_an_ensemble_trained_truncated_or_stateful_is_refused_not_restarted_each_chunk(option):
    from rnnkit.models import Ensemble

    x, y = _data(4)

    def build():
        return SequenceModule(Ensemble([SequenceToLabel(3, 4, 2), SequenceToLabel(3, 4, 2)]), **option)

    # before: trained, each chunk (each batch) from a fresh state, as the Ensemble returns None for its state
    with pytest.raises(ValueError, match=r"model Ensemble returned no final state \(None\), but .* carries it .*"
                                         r"train each member alone"):
        seeded_fit(build, DataLoader(TensorDataset(x, y), batch_size=2), seed=0, max_epochs=1)


@pytest.mark.parametrize("generator", [0, "numpy"])
def test_t24_14_generate_with_a_seed_or_numpys_generator_names_torchs(generator):
    import numpy as np

    from rnnkit.models import LanguageModel

    model = LanguageModel(7, 5)
    generator = np.random.default_rng(0) if generator == "numpy" else generator
    # before: torch's "multinomial(): argument 'generator' must be torch.Generator, not int"
    with pytest.raises(ValueError, match=r"generator must be a torch\.Generator or None, got (int|Generator); for "
                                         r"reproducible draws pass torch\.Generator\(device=\.\.\.\)\.manual_seed"):
        model.generate([1, 2], 3, generator=generator)
    a = model.generate([1, 2], 3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(a, model.generate([1, 2], 3, generator=torch.Generator().manual_seed(0)))


def test_t24_15_mean_sd_of_runs_near_floats_limit_is_their_mean_written_in_powers_of_ten():
    from rnnkit.report import format_mean_sd, format_stat, mean_sd

    mean, sd = mean_sd([1e308, 1.5e308])  # before: OverflowError: intermediate overflow in fsum
    assert mean == pytest.approx(1.25e308) and sd == pytest.approx(3.5355339e307)
    assert mean_sd([1e308, 1e308]) == (pytest.approx(1e308), 0.0)
    # before: 309 digits with thousands separators
    assert format_mean_sd([1e308, 1.5e308]) == "1.25e+308 ± 3.5e+307"
    assert format_stat(1e20, None) == "1.00e+20 (n = 1)"
    assert format_stat(1234.5, 10.2) == "1,234 ± 10" and format_stat(0.9123, 0.0131) == "0.912 ± 0.013"  # as before
