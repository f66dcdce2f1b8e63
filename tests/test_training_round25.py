"""The training layer, the models and the diagnostics used directly, as PyTorch and Lightning users drive them, and
the leftovers of the round before (docs/bad_inputs.md, T25-*)."""


import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader, TensorDataset

import rnnkit
from rnnkit.models import EncoderDecoder, SequenceToLabel, SequenceToSequence
from rnnkit.training import SequenceModule, make_trainer, quiet_lightning, seeded_fit


def _data(n=8, T=5, F=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, T, F, generator=g), torch.randint(0, 2, (n,), generator=g)


class _Orders(Callback):
    """The first feature of every batch's first step, in the order the batches come: the order of the items."""

    def __init__(self):
        self.seen = []

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        self.seen.append(batch[0][:, 0, 0].tolist())


def test_t25_01_a_plain_trainer_fit_resumed_keeps_its_loaders_generator(tmp_path):
    x, y = _data(12)
    x[:, 0, 0] = torch.arange(12.0)  # the items' ids

    def fit(epochs, ckpt_path=None, log_dir=None):
        loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True,
                            generator=torch.Generator().manual_seed(1))
        orders = _Orders()
        trainer = make_trainer(max_epochs=epochs, log_dir=log_dir, callbacks=[orders])
        with quiet_lightning():
            trainer.fit(SequenceModule(SequenceToLabel(3, 4, 2)), loader, ckpt_path=ckpt_path, weights_only=True)
        return orders.seen

    full = fit(3)
    fit(2, log_dir=tmp_path)
    resumed = fit(3, ckpt_path=tmp_path / "checkpoints" / "last.ckpt", log_dir=tmp_path)
    assert resumed == full[6:]  # before: epoch 0's order again


def test_t25_02_ckpt_path_last_reads_log_dirs_last_checkpoint_with_its_checks_or_names_the_directory(tmp_path):
    x, y = _data()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)

    def build():
        return SequenceModule(SequenceToLabel(3, 4, 2))

    with pytest.raises(ValueError, match=r"ckpt_path='last' resumes from log_dir/checkpoints/last\.ckpt, but log_dir "
                                         r"is None; give the log_dir of the fit to resume"):
        seeded_fit(build, loader, seed=0, max_epochs=1, ckpt_path="last")  # before: Lightning's warning, a new fit
    with pytest.warns(UserWarning, match=r"found no checkpoint .*checkpoints.last\.ckpt.*starts from the first epoch")\
            as caught:
        seeded_fit(build, loader, seed=0, max_epochs=1, ckpt_path="last", log_dir=tmp_path / "new")
    assert not any("save_last" in str(w.message) for w in caught)  # Lightning's advice, refused by make_trainer
    seeded_fit(build, loader, seed=0, max_epochs=2, log_dir=tmp_path / "run")
    with pytest.raises(ValueError, match=r"holds a fit that has finished 2 epochs, more than max_epochs=1"):
        seeded_fit(build, loader, seed=0, max_epochs=1, ckpt_path="last", log_dir=tmp_path / "run")


@pytest.mark.parametrize("call", ["generate", "forward", "seq2seq"])
def test_t25_03_a_float64_input_names_the_users_call_and_the_models_conversion(call):
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    who, run = {
        "generate": ("EncoderDecoder.generate", lambda: EncoderDecoder(3, 4, 2).generate(x, max_length=2)),
        "forward": ("EncoderDecoder", lambda: EncoderDecoder(3, 4, 2)(x, None, torch.zeros(2, 3, dtype=torch.long))),
        "seq2seq": ("SequenceToSequence", lambda: SequenceToSequence(3, 4, 2)(x)),
    }[call]
    with pytest.raises(ValueError, match=rf"^{who}: x is torch.float64 but the \w+'s parameters are torch.float32; "
                                         r"convert the input with x\.float\(\) or the model with model\.double\(\)"):
        run()  # before: "LSTM: ... or the layer with layer.double()", the inner encoder's


def test_t25_03_float_lengths_of_a_sequence_to_sequence_name_the_model():
    with pytest.raises(ValueError, match=r"^SequenceToSequence: lengths must be an integer tensor"):  # before: LSTM
        SequenceToSequence(3, 4, 2)(torch.randn(2, 4, 3), torch.tensor([4.0, 3.0]))


def test_t25_04_the_cpp_loops_refuse_a_strided_tensor_they_would_read_as_dense():
    from rnnkit.cells import LSTMCell
    from rnnkit.kernels import cpu_gru, cpu_loop

    if not (cpu_gru.build()[0] and cpu_loop.build()[0]):
        pytest.skip("the C++ CPU loops cannot be built here; the case is about them")
    B, T, H = 2, 3, 4
    lengths, h0 = torch.full((B,), T), torch.zeros(B, H)
    xw = torch.randn(B, T, 6 * H)[..., ::2]  # (B, T, 3H), every other column of a wider buffer
    w_hh, b_hh = torch.randn(3 * H, H), torch.randn(3 * H)
    with pytest.raises(RuntimeError, match=r"rnnkit_cpu_gru.forward: xw is strided \(sizes \[2, 3, 12\], strides "
                                           r"\[72, 24, 2\]\) but is read as a dense array; pass xw.contiguous\(\)"):
        torch.ops.rnnkit_cpu_gru.forward(xw, h0, w_hh, b_hh, lengths, False)  # before: other numbers, no word
    with pytest.raises(RuntimeError, match=r"rnnkit_cpu_gru.forward: b_hh is strided"):
        torch.ops.rnnkit_cpu_gru.forward(xw.contiguous(), h0, w_hh, torch.randn(6 * H)[::2], lengths, False)
    cell = LSTMCell(3, H)
    kind, _ = cpu_loop._kind(cell)
    w_hh, b_hh, *vectors = cpu_loop._parameters(cell)
    xw = torch.randn(B, T, 8 * H)[..., ::2]  # (B, T, 4H)

    def forward(xw, w_hh):
        return torch.ops.rnnkit_cpu_loop.forward(kind, xw, None, h0, h0, w_hh, b_hh, *vectors, 0.0, None, None, 0.0,
                                                 0, False, lengths, False)

    with pytest.raises(RuntimeError, match=r"rnnkit_cpu_loop.forward: xw is strided .* pass xw.contiguous\(\)"):
        forward(xw, w_hh)
    with pytest.raises(RuntimeError, match=r"rnnkit_cpu_loop.forward: w_hh is strided"):
        forward(xw.contiguous(), w_hh.detach().t().contiguous().t())
    out, h_T, c_T = forward(xw.contiguous(), w_hh.detach())  # dense: runs
    assert out.shape == (B, T, H)


@pytest.mark.parametrize("make", [lambda: rnnkit.GRU(3, 4), lambda: rnnkit.MinGRU(3, 4)], ids=["step", "scan"])
def test_t25_05_a_second_derivative_through_the_fused_kernels_names_the_backend_to_use(make, monkeypatch):
    from rnnkit.kernels import fused

    pytest.importorskip("triton")
    monkeypatch.setenv("TRITON_INTERPRET", "1")  # before the kernels are first imported: Triton's CPU interpreter
    if not fused._interpreted()[0]:
        pytest.skip("the Triton kernels were compiled for GPU in this process")
    torch.manual_seed(0)
    layer = make()
    layer.backend = "fused"
    x = torch.randn(2, 3, 3, requires_grad=True)
    (g,) = torch.autograd.grad(layer(x)[0].pow(2).sum(), x, create_graph=True)
    assert layer.last_backend == "fused"
    with pytest.raises(RuntimeError, match=r"^rnnkit's fused Triton kernels \(backend 'fused'\) compute first "
                                           r"derivatives only.*run the layer with backend='reference'"):
        g.pow(2).sum().backward()  # before: torch's "trying to differentiate twice a function that was marked ..."
    layer.backend = "reference"  # the fix the message gives
    (g,) = torch.autograd.grad(layer(x)[0].pow(2).sum(), x, create_graph=True)
    g.pow(2).sum().backward()
    assert x.grad is not None and bool(torch.isfinite(x.grad).all())


@pytest.mark.parametrize("temperature,top_k", [(1.0, None), (0.0, None), (2.0, 2)])
def test_t25_06_a_language_model_never_samples_the_excluded_special_symbols(temperature, top_k):
    from rnnkit.data import Vocab
    from rnnkit.models import LanguageModel

    vocab = Vocab.build(["abcab cab"], level="char")
    specials = [vocab.pad_id, vocab.unk_id, vocab.bos_id]
    torch.manual_seed(0)
    model = LanguageModel(len(vocab), 8).eval()
    with torch.no_grad():  # a model that gives the special symbols most of its probability
        model.head.linear.bias.zero_()
        model.head.linear.bias[specials] = 3.0
    prompt = vocab.encode("ab")
    out = model.generate(prompt, 60, temperature=temperature, top_k=top_k, exclude=specials,
                         generator=torch.Generator().manual_seed(0))
    assert not set(out[len(prompt):].tolist()) & set(specials)  # before: no exclude; most draws were specials
    with pytest.raises(ValueError, match=rf"exclude holds id {len(vocab)}, not in \[0, vocab_size={len(vocab)}\)"):
        model.generate(prompt, 2, exclude=[0, len(vocab)])


def test_t25_07_a_batchs_lengths_of_0_or_past_t_are_refused_and_lists_or_numpy_ints_read():
    import numpy as np

    from rnnkit.training import Batch, time_chunks

    x, y = _data(4, T=5)
    for lengths, got in [([0, 5, 3, 2], "min 0 and max 5"), ([7, 5, 3, 2], "min 2 and max 7")]:
        lengths = torch.tensor(lengths)
        with pytest.raises(ValueError, match=rf"^SequenceModule \(a batch\): every length must be in \[1, T=5\], got "
                                             rf"{got} \(lengths\[0\] is \d; 1 such in all\); (.*drop empty sequences|"
                                             rf"x holds 5 steps but a length says 7: pad x)"):
            list(time_chunks(Batch(x, lengths, y), None, per_step=False))  # before: that sequence left out of the loss
    for lengths in ([5, 4, 3, 2], np.array([5, 4, 3, 2], dtype=np.int32)):  # before: AttributeError, TypeError
        chunks = list(time_chunks(Batch(x, lengths, y), 2, per_step=False))
        assert [c.lengths.tolist() for c in chunks] == [[2, 2, 2, 2], [2, 2, 1], [1]]
        assert [c.ends.tolist() for c in chunks] == [[False, False, False, True], [False, True, True], [True]]


def test_t25_08_a_loaders_pair_in_the_order_y_x_is_named_before_the_model_reads_it():
    x, y = _data(4)
    loader = DataLoader(TensorDataset(y, x), batch_size=2)  # the labels first
    with pytest.raises(ValueError, match=r"^SequenceModule: the DataLoader's batch is a pair of a tensor of shape "
                                         r"\(2,\) and one of shape \(2, 5, 3\), which reads as \(y, x\): "
                                         r"SequenceModule reads \(x, y\) pairs; give the inputs first"):
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2)), loader, seed=0, max_epochs=1)
    # before: "not enough values to unpack (expected 2, got 1)" from inside the model


def test_t25_09_an_ensemble_of_members_of_other_sizes_is_refused_where_it_is_built():
    from rnnkit.models import Ensemble

    with pytest.raises(ValueError, match=r"^Ensemble: the members must share one architecture, but member 1's "
                                         r"head.linear.weight has shape \(5, 8\) and member 0's \(4, 8\); build every "
                                         r"member with the same sizes"):
        Ensemble([SequenceToLabel(3, 8, 4), SequenceToLabel(3, 8, 5)])  # before: torch.stack's error in forward
    # K40-06: the parameter one member lacks, and the options that differ, where it read "... and member 0's none"
    with pytest.raises(ValueError, match=r"member 1 has a parameter encoder.layers.1.cell.weight_ih and member 0 none "
                                         r"\(member 0: num_layers=1, .*member 1: num_layers=2, .*differ in layers"):
        Ensemble([SequenceToLabel(3, 8, 4), SequenceToLabel(3, 8, 4, num_layers=2)])


def test_t25_10_a_classifier_of_one_output_is_refused_not_trained_on_a_loss_of_zero():
    x = torch.randn(4, 5, 3)
    loader = DataLoader(TensorDataset(x, torch.zeros(4, dtype=torch.long)), batch_size=2)  # every label 0: "valid"
    with pytest.raises(ValueError, match=r"^SequenceModule: task='classification' with a model of 1 output, whose "
                                         r"cross-entropy is 0 whatever its weights, so it would learn nothing; give "
                                         r"the model one output per class \(output_size=2 for two classes\)"):
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 1)), loader, seed=0, max_epochs=1)
    # before: a fit with train_loss 0.0 at every step and the weights as initialised


class _StepLRModule(SequenceModule):
    """A schedule of one's own, as Lightning's documentation returns it."""

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)}


class _PlateauModule(SequenceModule):
    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        return {"optimizer": opt, "lr_scheduler": torch.optim.lr_scheduler.ReduceLROnPlateau(opt)}


def test_t25_11_a_subclasss_own_schedule_is_stepped_and_a_scheduler_class_is_pointed_there():
    x, y = _data()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    fitted = seeded_fit(lambda: _StepLRModule(SequenceToLabel(3, 4, 2)), loader, seed=0, max_epochs=3)
    assert fitted.trainer.optimizers[0].param_groups[0]["lr"] == pytest.approx(0.1 * 0.5**3)  # before: 0.1, never
    with pytest.raises(ValueError, match=r"a ReduceLROnPlateau schedule is stepped with the epoch's val_loss, which "
                                         r"this fit has not logged; give the fit validation data"):
        seeded_fit(lambda: _PlateauModule(SequenceToLabel(3, 4, 2)), loader, seed=0, max_epochs=1)
    plateau = seeded_fit(lambda: _PlateauModule(SequenceToLabel(3, 4, 2)), loader, loader, seed=0, max_epochs=2)
    assert plateau.trainer.lr_scheduler_configs[0].scheduler.last_epoch == 2  # stepped after each epoch
    with pytest.raises(ValueError, match=r"got <class 'torch.optim.lr_scheduler.StepLR'>; a schedule of one's own is "
                                         r"returned by a subclass's configure_optimizers"):
        SequenceModule(SequenceToLabel(3, 4, 2), lr_schedule=torch.optim.lr_scheduler.StepLR)


def _fit_batches(*batches, **options):
    loader = DataLoader(list(batches), batch_size=None, collate_fn=lambda b: b)  # ready batches, as they are
    return seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2), **options), loader, seed=0, max_epochs=1)


@pytest.mark.parametrize("weights,message", [
    (torch.tensor([1.0, -1.0, 1.0, 1.0]), r"must be finite numbers >= 0 \(0 leaves a sequence out of the "
                                          r"loss\), got -1.0 for sequence 1 of the batch"),  # before: trained on it
    (torch.tensor([1.0, float("nan"), 1.0, 1.0]), r"got nan for sequence 1"),  # before: the batch left out, silently
    (torch.tensor([1.0, 1.0, 1.0]), r"one weight per sequence, shape \(B,\) = \(4,\), got shape \(3,\)"),  # IndexError
    ([1.0, 2.0, 1.0, 1.0], r"one weight per sequence, shape \(B,\) = \(4,\), got a list"),  # before: a TypeError
])
def test_t25_12_a_batchs_negative_nan_or_misshapen_weights_are_named(weights, message):
    from rnnkit.training import Batch

    x, y = _data(4)
    with pytest.raises(ValueError, match=r"^SequenceModule: the batch's weights .*" + message):
        _fit_batches(Batch(x, None, y, None, weights))


def test_t25_12_a_batchs_targets_as_a_list_or_array_are_named():
    from rnnkit.training import Batch

    x, y = _data(4)
    for targets in (y.tolist(), y.numpy()):  # before: AttributeError 'list' object has no attribute 'shape'
        with pytest.raises(ValueError, match=r"^SequenceModule: the batch's targets y are a (list|ndarray); give them "
                                             r"as a tensor \(torch.as_tensor\(y\)\)"):
            _fit_batches(Batch(x, None, targets))
    assert _fit_batches(Batch(x, None, y, None, torch.tensor([1, 2, 0, 1]))).module.history["train_loss"]  # ints


@pytest.mark.parametrize("where", ["train", "val"])
def test_t25_13_seeded_fit_given_a_list_or_tuple_of_tensors_for_a_loader_names_it(where):
    x, y = _data(4)
    loader = DataLoader(TensorDataset(x, y), batch_size=2)
    data = {"train": ((x, y), None), "val": (loader, (x, y))}[where]
    with pytest.raises(ValueError, match=rf"^seeded_fit: {where} is a tuple of 2 items, not a DataLoader; give "
                                         r"DataLoader\(TensorDataset\(x, y\), batch_size=\.\.\.\) for tensors, or "
                                         r"DataLoader\(batches, batch_size=None\) for a list of ready batches"):
        seeded_fit(lambda: SequenceModule(SequenceToLabel(3, 4, 2)), *data, seed=0, max_epochs=1)
    # before: "len() of a 0-d tensor" (train), "val is 2 DataLoaders; ... ConcatDataset" (val)


class _MonitoredPlateauModule(SequenceModule):
    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": torch.optim.lr_scheduler.ReduceLROnPlateau(opt),
                                                   "monitor": "val_loss", "interval": "epoch"}}


def test_t25_14_lightnings_advice_to_step_the_schedule_by_hand_is_not_shown():
    """A scheduler dict with "monitor", as Lightning's documentation writes one: Lightning warned that the keys
    are ignored and the schedule must be stepped by hand (manual optimisation), though the module steps it (T25-11)
    by those very keys; the advice is no longer shown, and the schedule is stepped."""
    import warnings

    x, y = _data()
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = seeded_fit(lambda: _MonitoredPlateauModule(SequenceToLabel(3, 4, 2)), loader, loader, seed=0,
                            max_epochs=2)
    assert not [w for w in caught if "lr_scheduler.step()" in str(w.message)]
    assert fitted.trainer.lr_scheduler_configs[0].scheduler.last_epoch == 2
