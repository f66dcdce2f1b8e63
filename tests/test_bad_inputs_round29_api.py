"""Twenty-ninth round (part API): the training layer's arguments, resumed shuffles and a cell stepped by hand, as a
new user drives them (P29-xx)."""

import warnings

import lightning as L
import numpy as np
import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

from rnnkit.cells import ConvLSTMCell, ElmanCell, GRUCell, LayerNormLSTMCell, LSTMCell, MinGRUCell, MinLSTMCell
from rnnkit.estimators import SequenceRegressor
from rnnkit.models import SequenceToLabel
from rnnkit.training import Batch, ScaleOut, SequenceModule, quiet_lightning, seeded_fit, time_chunks
from rnnkit.training.trainer import make_trainer


def _loader(n=8):
    g = torch.Generator().manual_seed(0)
    return DataLoader(TensorDataset(torch.randn(n, 5, 3, generator=g), torch.randint(0, 2, (n,), generator=g)),
                      batch_size=4)


def _build():
    return SequenceModule(SequenceToLabel(3, 4, 2))


def test_P29_01_make_trainer_for_no_epoch_is_refused_as_seeded_fit_refuses_it():
    # before: make_trainer(max_epochs=0) was taken, and its fit handed back the model as built
    with pytest.raises(ValueError, match=r"^make_trainer: max_epochs=0 trains no epoch, so a fit would leave the model "
                                         r"untrained, as built \(seeded_fit refuses it too\); give max_epochs >= 1, or "
                                         r"-1 \(no limit\) with max_steps or max_time to bound the fit$"):
        make_trainer(max_epochs=0, device="cpu")
    assert make_trainer(max_epochs=1, device="cpu").max_epochs == 1
    assert make_trainer(max_epochs=-1, device="cpu").max_epochs == -1


@pytest.mark.parametrize("cell", [LSTMCell(3, 4), GRUCell(3, 4), ElmanCell(3, 4), LayerNormLSTMCell(3, 4),
                                  MinGRUCell(3, 4), MinLSTMCell(3, 4), ConvLSTMCell(1, 1, (2, 2))],
                         ids=lambda c: type(c).__name__)
def test_P29_02_a_float64_step_on_a_float32_cell_names_the_three_dtypes(cell):
    # before: torch's "mat1 and mat2 must have the same dtype, but got Double and Float" (no cell, no argument
    # named); the minimal cells stepped in float64 without a word, their weights float32
    B = 2
    xw_t = torch.randn(B, cell.gate_size, dtype=torch.float64)
    name = type(cell).__name__
    with pytest.raises(ValueError, match=rf"^{name}\.step: xw_t and the state are torch\.float64 \(h torch\.float64"
                                         r".*\) but the cell's weights are torch\.float32; step in the cell's dtype: "
                                         r"project the input with the cell, cell\.project\(x\.to\(torch\.float32\)\), "
                                         r"and give the state in torch\.float32 \(.*cell\.zero_state\(B, "
                                         r"dtype=torch\.float32\)\), or convert the cell with "
                                         r"cell\.to\(torch\.float64\) to step in torch\.float64$"):
        cell.step(xw_t, cell.zero_state(B, dtype=torch.float64))
    double = cell.double()  # the fix named: the same step, in float64
    y, _ = double.step(xw_t, double.zero_state(B, dtype=torch.float64))
    assert y.dtype == torch.float64 and y.shape == (B, cell.hidden_size)
    cell.float()
    with torch.autocast("cpu", dtype=torch.bfloat16):  # a bfloat16 xw_t on float32 weights, by design: it steps
        xw_t = cell.project(torch.randn(B, 1, cell.input_size))[:, 0]
        y, _ = cell.step(xw_t, cell.zero_state(B))
    assert y.shape == (B, cell.hidden_size) and torch.isfinite(y).all()  # LayerNorm-LSTM projects to float32


class _Orders(Callback):
    """The ids of the items of every training batch, in the order they come."""

    def __init__(self):
        self.seen = []

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        self.seen.append(batch[0][:, 0, 0].int().tolist())


_X = torch.randn(12, 5, 3, generator=torch.Generator().manual_seed(0))
_X[:, 0, 0] = torch.arange(12.0)  # the items' ids
_DATA = TensorDataset(_X, torch.arange(12) % 2)


class _GeneratorInSetup(L.LightningDataModule):
    """A user's data module whose shuffle generator is made in setup, under a name of its own."""

    def setup(self, stage):
        self.shuffle_rng = torch.Generator().manual_seed(1)

    def train_dataloader(self):
        return DataLoader(_DATA, batch_size=4, shuffle=True, generator=self.shuffle_rng)


class _GeneratorInLoader(L.LightningDataModule):
    """A data module whose generator is made anew inside train_dataloader(): the limit (docs/training.md)."""

    def train_dataloader(self):
        return DataLoader(_DATA, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(1))


def _data(kind):
    g = torch.Generator().manual_seed(1)
    return {"sampler": lambda: DataLoader(_DATA, batch_size=4, sampler=RandomSampler(_DATA, generator=g)),
            "batch_sampler": lambda: DataLoader(_DATA, batch_sampler=BatchSampler(RandomSampler(_DATA, generator=g),
                                                                                   4, False)),
            "setup": _GeneratorInSetup, "in_loader": _GeneratorInLoader}[kind]()


def _orders(kind, epochs, plain, log_dir=None, ckpt_path=None):
    orders, data = _Orders(), _data(kind)
    if not plain:
        seeded_fit(_build, data, seed=0, max_epochs=epochs, device="cpu", log_dir=log_dir, ckpt_path=ckpt_path,
                   callbacks=[orders])
        return orders.seen
    trainer = make_trainer(max_epochs=epochs, device="cpu", log_dir=log_dir, callbacks=[orders])
    with quiet_lightning():
        if isinstance(data, L.LightningDataModule):
            trainer.fit(_build(), datamodule=data, ckpt_path=ckpt_path, weights_only=True)
        else:
            trainer.fit(_build(), data, ckpt_path=ckpt_path, weights_only=True)
    return orders.seen


@pytest.mark.parametrize("kind, plain", [("sampler", False), ("batch_sampler", True), ("setup", False),
                                         ("setup", True)])
def test_P29_03_a_resumed_fit_reads_the_shuffles_of_an_uninterrupted_one(tmp_path, kind, plain):
    # before: a sampler of its own generator, a batch sampler's, and a data module's generator made in setup were
    # not kept in the checkpoints: the resumed epoch 2 read epoch 0's order again, without a word
    full = _orders(kind, 3, plain)
    _orders(kind, 2, plain, log_dir=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no warning: the order is restored
        resumed = _orders(kind, 3, plain, log_dir=tmp_path, ckpt_path=tmp_path / "checkpoints" / "last.ckpt")
    assert full[:3] != full[6:]  # the epochs' orders differ, so a repeat of epoch 0 would show
    assert resumed == full[6:]


def test_P29_03_a_generator_made_in_train_dataloader_is_the_documented_limit_and_warns(tmp_path):
    full = _orders("in_loader", 3, False)
    _orders("in_loader", 2, False, log_dir=tmp_path)
    with pytest.warns(UserWarning, match=r"^the fit resumes from '.*last\.ckpt', but its training loader shuffles "
                                         r"with a torch\.Generator that no checkpoint keeps \(made inside "
                                         r"train_dataloader\(\)\?\), .*keep the generator on the data module"):
        resumed = _orders("in_loader", 3, False, log_dir=tmp_path, ckpt_path=tmp_path / "checkpoints" / "last.ckpt")
    assert resumed == full[:3]  # what holds: the resumed epoch reads epoch 0's order, as docs/training.md says


def test_P29_04_seeded_fit_names_its_scale_train_build_and_ckpt_path_arguments():
    # before: scale=dict(devices=2): "'dict' object has no attribute 'devices'"; ScaleOut(devices=0) Lightning's
    # MisconfigurationException; train=None Lightning's "`train_dataloader` must be implemented"; a data module's
    # class a TypeError; build=SequenceModule "missing 1 required positional argument: 'model'"; ckpt_path=123
    # os.fspath's TypeError
    common = dict(seed=0, max_epochs=1, device="cpu")
    for kwargs, message in (
        (dict(scale={"devices": 2}), r"scale must be a ScaleOut \(Lightning's devices, num_nodes and strategy\), got "
                                     r"dict \{'devices': 2\}; pass scale=ScaleOut\(devices=2\)"),
        (dict(scale=2), r"scale must be a ScaleOut .*got int 2; pass scale=ScaleOut\(devices=2\)"),
        (dict(scale=ScaleOut(devices=0)), r"devices must be an integer >= 1 or 'auto', got 0$"),
        (dict(ckpt_path=123), r"ckpt_path must be a checkpoint's path, 'last' \(log_dir's last\.ckpt\) or None, got "
                              r"int 123$"),
    ):
        with pytest.raises(ValueError, match=r"^seeded_fit: " + message):
            seeded_fit(_build, _loader(), **common, **kwargs)
    with pytest.raises(ValueError, match=r"^seeded_fit: train is None; give the training data: a DataLoader, or a "
                                         r"LightningDataModule instance$"):
        seeded_fit(_build, None, **common)
    with pytest.raises(ValueError, match=r"^seeded_fit: train is the class _GeneratorInSetup; .*instance "
                                         r"\(_GeneratorInSetup\(\.\.\.\)\)$"):
        seeded_fit(_build, _GeneratorInSetup, **common)
    with pytest.raises(ValueError, match=r"^seeded_fit: build is the class SequenceModule, whose __init__ needs "
                                         r"arguments; .*build=lambda: SequenceModule\(model, \.\.\.\)$"):
        seeded_fit(SequenceModule, _loader(), **common)
    assert seeded_fit(_build, _loader(), scale=ScaleOut(devices=1), **common).trainer.global_step == 2


def test_P29_05_numpy_epochs_train_and_max_time_in_seconds_names_lightnings_forms():
    # before: max_epochs=np.int64(2) (a grid of np.arange) ended mid-fit in Lightning's bare AssertionError;
    # max_time=60 in "'int' object has no attribute 'total_seconds'"
    fitted = seeded_fit(_build, _loader(), seed=0, max_epochs=np.int64(2), device="cpu")
    assert fitted.trainer.current_epoch == 2 and fitted.trainer.global_step == 4
    assert type(make_trainer(max_epochs=np.int64(3), device="cpu").max_epochs) is int
    with pytest.raises(ValueError, match=r"^make_trainer: max_time is Lightning's time limit, a datetime\.timedelta, a "
                                         r"dict of its units or 'DD:HH:MM:SS', got int 60; pass max_time=\{'seconds': "
                                         r"60\} or datetime\.timedelta\(seconds=60\)$"):
        make_trainer(device="cpu", max_time=60)
    assert make_trainer(device="cpu", max_time={"seconds": 60}) is not None


def test_P29_06_time_chunks_of_no_positive_length_is_refused():
    # before: steps=0 was read as None (one chunk), steps=-2 gave no chunk (a batch of no loss), 2.5 a TypeError
    batch = Batch(torch.randn(4, 5, 3), None, torch.zeros(4, dtype=torch.long))
    for steps in (0, -2, 2.5, "2"):
        with pytest.raises(ValueError, match=rf"^time_chunks: steps must be an integer >= 1 \(time steps per chunk\) "
                                             rf"or None \(one chunk of the whole batch\), got {steps!r}$"):
            list(time_chunks(batch, steps, per_step=False))
    assert [(c.start, c.stop) for c in time_chunks(batch, 2, per_step=False)] == [(0, 2), (2, 4), (4, 5)]
    assert [(c.start, c.stop) for c in time_chunks(batch, None, per_step=False)] == [(0, 5)]


def test_P29_07_a_step_of_a_time_axis_or_of_no_batch_axis_is_refused():
    # before: xw_t (B, 1, G), one step's projection with its time axis, broadcast against the state into a
    # (B, B, H) output without a word; xw_t (G,) was read as G sequences ("a step of xw_t (12,) (12 sequences)")
    cell = GRUCell(3, 4)
    with pytest.raises(ValueError, match=r"^GRUCell\.step: xw_t has shape \(2, 1, 12\), but a step takes one time step "
                                         r"of the batch, \(B, 12\), .*cell\.step\(cell\.project\(x_t\[:, None\]\)\[:, "
                                         r"0\], state\)$"):
        cell.step(cell.project(torch.randn(2, 1, 3)), cell.zero_state(2))
    with pytest.raises(ValueError, match=r"xw_t has shape \(2, 5, 12\), .*run rnnkit\.Recurrent\(cell\)\(x\)"):
        cell.step(cell.project(torch.randn(2, 5, 3)), cell.zero_state(2))
    with pytest.raises(ValueError, match=r"^GRUCell\.step: xw_t has shape \(12,\), one sequence's step without its "
                                         r"batch axis .*for one sequence pass xw_t\[None\]"):
        cell.step(torch.randn(12), torch.zeros(4))
    y, _ = cell.step(cell.project(torch.randn(2, 1, 3))[:, 0], cell.zero_state(2))
    assert y.shape == (2, 4)


def test_P29_08_numpy_inputs_and_a_state_dtype_of_no_float_name_the_conversion():
    # before: cell.project(numpy) "'numpy.ndarray' object has no attribute 'dim'"; cell.step(numpy, state) "'str'
    # object has no attribute 'type'"; zero_state(dtype=torch.int64) an int state that no step reads,
    # zero_state(dtype="float64") torch's "argument 'dtype' must be torch.dtype, not str"
    cell = LSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"^LSTMCell\.project: x must be a tensor \(B, T, input_size=3\), got ndarray "
                                         r"of shape \(2, 5, 3\); convert it with torch\.as_tensor\(x, "
                                         r"dtype=torch\.float32\)$"):
        cell.project(np.zeros((2, 5, 3), np.float32))
    with pytest.raises(ValueError, match=r"^LSTMCell\.step: xw_t must be a tensor \(B, G\), got ndarray; convert it "
                                         r"with torch\.as_tensor\(xw_t\)"):
        cell.step(np.zeros((2, 16), np.float32), cell.zero_state(2))
    with pytest.raises(ValueError, match=r"^LSTMCell\.zero_state: dtype must be a floating-point torch\.dtype \(the "
                                         r"cell's weights are torch\.float32\), got torch\.int64; pass "
                                         r"dtype=torch\.float32$"):
        cell.zero_state(2, dtype=torch.int64)
    with pytest.raises(ValueError, match=r"got 'float64'; pass dtype=torch\.float64$"):
        cell.zero_state(2, dtype="float64")
    assert cell.zero_state(2, dtype=torch.float64).c.dtype == torch.float64


def test_P29_09_a_regression_target_of_no_column_is_named_by_the_estimator():
    # before: "SequenceToLabel: output_size must be an integer >= 1, got 0", a model the user never built
    X = np.random.default_rng(0).normal(size=(6, 4, 2)).astype(np.float32)
    with pytest.raises(ValueError, match=r"^SequenceRegressor\.fit: y has shape \(6, 0\), no target for any sequence "
                                         r"\(a DataFrame of no columns\?\); give one target per sequence, y \(n,\), "
                                         r"or k >= 1 of them, y \(n, k\)$"):
        SequenceRegressor(hidden_size=4, max_epochs=1, random_state=0).fit(X, np.zeros((6, 0)))


def test_P29_10_layernorm_lstm_project_checks_its_input_as_the_other_cells_do():
    # before: LayerNormLSTMCell.project skipped the check the other cells' project makes: torch's "mat1 and mat2
    # must have the same dtype" for float64 x, "mat1 and mat2 shapes cannot be multiplied" for x of 7 features
    cell = LayerNormLSTMCell(3, 4)
    with pytest.raises(ValueError, match=r"^LayerNormLSTMCell\.project: x is torch\.float64 but the cell's parameters "
                                         r"are torch\.float32; convert the input with x\.to\(torch\.float32\) or the "
                                         r"cell with cell\.to\(torch\.float64\)$"):
        cell.project(torch.randn(2, 5, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"^LayerNormLSTMCell\.project: x must be \(B, T, input_size=3\), got shape "
                                         r"\(2, 5, 7\); pass x \(B, T, 3\)$"):
        cell.project(torch.randn(2, 5, 7))
    assert cell.project(torch.randn(2, 5, 3)).shape == (2, 5, 16)
