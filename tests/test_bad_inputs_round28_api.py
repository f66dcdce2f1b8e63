"""Twenty-eighth round: the API's small leftovers, and a new user's own modules, data and options given to the
training layer, the tasks and the comparison (P28-xx)."""

import lightning as L
import pytest
import torch
from lightning.pytorch.callbacks import EarlyStopping
from torch.utils.data import DataLoader, TensorDataset

from rnnkit.apps import recipe
from rnnkit.cells import GRUCell, LSTMCell, LSTMState, MinGRUCell
from rnnkit.compare import build_model, compare, measure_speed_and_memory, predict
from rnnkit.data.bio import read_fasta
from rnnkit.data.text import Vocab
from rnnkit.tasks import get_task
from rnnkit.training import seeded_fit
from rnnkit.training.trainer import make_trainer


def _loader(n=8):
    g = torch.Generator().manual_seed(0)
    return DataLoader(TensorDataset(torch.randn(n, 5, 3, generator=g), torch.randn(n, 1, generator=g)), batch_size=4)


class _OwnModule(L.LightningModule):
    """A user's own LightningModule: a training_step and an optimizer, no validation_step."""

    def __init__(self):
        super().__init__()
        self.head = torch.nn.Linear(15, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.head(x.flatten(1)), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


class _OwnData(L.LightningDataModule):
    """A user's own LightningDataModule, with validation data."""

    def train_dataloader(self):
        return _loader()

    def val_dataloader(self):
        return _loader()


def test_P28_01_vocab_encode_of_a_text_with_a_nul_names_its_position():
    # before: the NUL encoded to <unk> without a word, where Vocab.build and read_text refuse it
    vocab = Vocab.build(["abc"])
    with pytest.raises(ValueError, match=r"^Vocab\.encode: the text holds a NUL character \(at character 2\), .*"
                                         r"read_text\(path\).*text\.replace\('\\x00', ''\)"):
        vocab.encode("ab\x00c")
    assert vocab.encode("abc").tolist() == [4, 5, 6]
    own = Vocab(["<pad>", "<unk>", "<bos>", "<eos>", "a", "\x00"])  # a vocabulary that holds it encodes it
    assert own.encode("a\x00").tolist() == [4, 5]


def test_P28_02_seeded_fit_for_no_epoch_is_refused():
    # before: max_epochs=0 fitted nothing and returned the model as built, as if trained
    built = []
    with pytest.raises(ValueError, match=r"^seeded_fit: max_epochs=0 trains no epoch, so the model would come back "
                                         r"untrained.*give max_epochs >= 1, or -1 \(no limit\)"):
        seeded_fit(lambda: built.append(1) or _OwnModule(), _loader(), seed=0, max_epochs=0, device="cpu")
    assert not built  # refused before any work
    with pytest.raises(ValueError, match=r"max_epochs must be an integer >= 1, or -1 for no limit .*got -2"):
        seeded_fit(_OwnModule, _loader(), seed=0, max_epochs=-2, device="cpu")


def test_P28_03_a_task_or_recipe_name_in_another_case_is_named_with_the_close_match():
    # before: get_task("Adding") listed the names alone; recipe("Stocks") too
    with pytest.raises(ValueError, match=r"^get_task: unknown task 'Adding'; did you mean 'adding'\? choose from "
                                         r"\['adding', 'copy', 'digits', 'permuted_digits', 'mnist1d'\]$"):
        get_task("Adding")
    with pytest.raises(ValueError, match=r"unknown task 'permuted-digits'; did you mean 'permuted_digits'\?"):
        get_task("permuted-digits")
    with pytest.raises(ValueError, match=r"unknown task 'xyz'; choose from"):  # no guess when none is close
        get_task("xyz")
    with pytest.raises(ValueError, match=r"^unknown recipe 'Stocks'; choose one of sentiment, .*, eventlogs; did you "
                                         r"mean 'stocks'\?$"):
        recipe("Stocks")
    with pytest.raises(ValueError, match=r"did you mean 'spoken-digits'\?$"):
        recipe("Spoken Digits")
    with pytest.raises(ValueError, match=r"^compare: unknown task 'permuted-digits'; did you mean 'permuted_digits'"):
        compare("permuted-digits", lengths=[None], steps=1, seeds=1, log=None)
    assert recipe("spoken_digits").__name__.endswith("spoken_digits")  # the module's spelling still reads


def test_P28_04_measure_speed_and_memory_names_its_wrong_argument():
    # before: repeats=0 ended in statistics' "no median for empty data", batch_size=0 in a ZeroDivisionError,
    # device='gpu' in torch's "Expected one of cpu, cuda, ... device type", a task name in an AttributeError
    task = get_task("adding", T=5, n_train=8, n_val=4, n_test=4)
    model = build_model(task, "gru", 4)
    for kwargs, message in (
        (dict(repeats=0), r"repeats must be an integer >= 1 \(timed steps, whose median is the throughput\), got 0"),
        (dict(batch_size=0), r"batch_size must be an integer >= 1 \(sequences per timed step\), got 0"),
        (dict(device="gpu"), r"device must be one of .*'gpu' is Lightning's accelerator name: pass device='cuda'"),
    ):
        options = dict(batch_size=4, device="cpu", repeats=1) | kwargs
        with pytest.raises(ValueError, match=r"^measure_speed_and_memory: " + message):
            measure_speed_and_memory(model, task, **options)
    with pytest.raises(ValueError, match=r"task must be a Task, got str 'adding'; pass get_task\('adding'\)"):
        measure_speed_and_memory(model, "adding", batch_size=4, device="cpu")
    with pytest.raises(ValueError, match=r"the model's parameters are on meta but device='cpu'; move the model"):
        measure_speed_and_memory(build_model(task, "gru", 4).to("meta"), task, batch_size=4, device="cpu")
    with pytest.raises(ValueError, match=r"^predict: batch_size must be an integer >= 1"):
        predict(model, task.test, task.kind, device="cpu", batch_size=0)
    throughput, activation, peak = measure_speed_and_memory(model, task, batch_size=4, device="cpu", repeats=1)
    assert throughput > 0 and activation > 0 and peak is None


def test_P28_05_a_step_state_of_another_dtype_is_named_autocast_still_steps():
    # before: torch's "mat1 and mat2 must have the same dtype, but got Double and Float"; a minimal cell promoted
    # its state to float64 without a word
    torch.manual_seed(0)
    cell = LSTMCell(3, 4)
    xw_t = cell.project(torch.randn(2, 1, 3))[:, 0]
    with pytest.raises(ValueError, match=r"^LSTMCell\.step: the state is h torch\.float64, c torch\.float64 but xw_t "
                                         r"\(the projected input\) is torch\.float32 and the cell's weights are "
                                         r"torch\.float32; give the state in torch\.float32: LSTMState\(h\.to\(torch\."
                                         r"float32\), c\.to\(torch\.float32\)\) .*cell\.to\(torch\.float64\)"):
        cell.step(xw_t, cell.zero_state(2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"^LSTMCell\.step: xw_t is torch\.float64 but the cell's weights and the "
                                         r"state are torch\.float32"):
        cell.step(xw_t.double(), cell.zero_state(2))
    minimal = MinGRUCell(3, 4)
    with pytest.raises(ValueError, match=r"^MinGRUCell\.step: the state is h torch\.float64 .* h\.to\(torch\.float32"):
        minimal.step(minimal.project(torch.randn(2, 1, 3))[:, 0], torch.zeros(2, 4, dtype=torch.float64))
    h, state = cell.step(xw_t, cell.zero_state(2))  # same dtypes: the values of the equation
    gates = (xw_t + cell.bias_hh).chunk(4, dim=-1)
    c = torch.sigmoid(gates[0]) * torch.tanh(gates[2])
    torch.testing.assert_close(h, torch.sigmoid(gates[3]) * torch.tanh(c))
    assert isinstance(state, LSTMState)
    gru = GRUCell(3, 4)
    with torch.autocast("cpu", dtype=torch.bfloat16):  # mixed dtypes by design: the step runs
        xw = gru.project(torch.randn(2, 1, 3))[:, 0]
        assert xw.dtype == torch.bfloat16
        y, _ = gru.step(xw, gru.zero_state(2))
    assert y.shape == (2, 4) and torch.isfinite(y).all()


def test_P28_06_fasta_sequence_lines_in_blocks_read_as_biopython_reads_them(tmp_path):
    # before: 'ACGT ACGT' refused at its space (Biopython strips the spaces); a Latin-1 header shown as '\udce9'
    path = tmp_path / "blocks.fa"
    path.write_text(">s1 a gene\nACGTACGTAC GTACGTACGT\tAC\n>s2\n  acgt  \n")
    assert read_fasta(path) == [("s1", "ACGTACGTACGTACGTACGTAC"), ("s2", "ACGT")]
    path.write_text(">s1\nACGT ACXT\n")  # a position counts letters, not spaces
    with pytest.raises(ValueError, match=r"record 's1', line 2, position 6: invalid letter 'X'"):
        read_fasta(path)
    path.write_text(">s1\n        1 acgtacgtac gtacgtacgt\n")  # GenBank's numbered lines: refused, as before
    with pytest.raises(ValueError, match=r"position 0: invalid letter '1'.*GenBank sequence lines"):
        read_fasta(path)
    path.write_bytes(b">caf\xe9 from Lyon\nACGT\n")
    with pytest.raises(ValueError, match=r"line 1: the header '>caf\xe9 from Lyon' \(read as Latin-1\) holds byte "
                                         r"0xe9, which is not UTF-8"):
        read_fasta(path)


def test_P28_07_validation_data_for_a_module_without_validation_step_is_refused():
    # before: Lightning skipped the validation data without a word (its warning silenced), or, with
    # early_stopping_patience, failed after the first epoch ("Early stopping conditioned on metric val_loss")
    message = r"^seeded_fit: validation data is given, but _OwnModule defines no validation_step, so Lightning"
    with pytest.raises(ValueError, match=message):
        seeded_fit(_OwnModule, _loader(), _loader(), seed=0, max_epochs=1, device="cpu")
    with pytest.raises(ValueError, match=message):
        seeded_fit(_OwnModule, _OwnData(), seed=0, max_epochs=1, device="cpu")

    class TrainOnly(L.LightningDataModule):
        def train_dataloader(self):
            return _loader()

    with pytest.raises(ValueError, match=r"early_stopping_patience=1 stops when val_loss has not improved, but no "
                                         r"validation data is given"):
        seeded_fit(_OwnModule, TrainOnly(), seed=0, max_epochs=2, device="cpu", early_stopping_patience=1)
    fitted = seeded_fit(_OwnModule, _loader(), seed=0, max_epochs=1, device="cpu")  # without validation: trains
    assert fitted.trainer.global_step == 2


def test_P28_08_a_dataset_given_as_the_loader_is_refused():
    # before: Lightning read each (x, y) item as a batch: "mat1 and mat2 shapes cannot be multiplied" mid-fit
    data = _loader().dataset
    with pytest.raises(ValueError, match=r"^seeded_fit: train is a TensorDataset \(a dataset\), not a DataLoader; .*"
                                         r"DataLoader\(train_dataset, batch_size=\.\.\., shuffle=True\)"):
        seeded_fit(_OwnModule, data, seed=0, max_epochs=1, device="cpu")
    with pytest.raises(ValueError, match=r"^seeded_fit: val is a TensorDataset"):
        seeded_fit(_OwnModule, _loader(), data, seed=0, max_epochs=1, device="cpu")


def test_P28_09_a_callback_class_or_a_bare_callback_names_the_fix():
    # before: callbacks=[EarlyStopping] failed in the fit with "Callback.on_exception() missing 1 required
    # positional argument"; a bare callback was refused without the fix
    with pytest.raises(ValueError, match=r"^make_trainer: callbacks\[0\] is the class EarlyStopping, not a Lightning "
                                         r"Callback; pass an instance, EarlyStopping\(\.\.\.\)$"):
        make_trainer(device="cpu", callbacks=[EarlyStopping])
    with pytest.raises(ValueError, match=r"callbacks\[1\] is a str, not a Lightning Callback"):
        make_trainer(device="cpu", callbacks=[EarlyStopping("val_loss"), "val_loss"])
    with pytest.raises(ValueError, match=r"got EarlyStopping; pass a list of one, callbacks=\[callback\]$"):
        make_trainer(device="cpu", callbacks=EarlyStopping("val_loss"))


def test_P28_10_ckpt_path_best_for_a_fit_names_last():
    # before: Lightning's '`.fit(ckpt_path="best")` is set but `ModelCheckpoint` is not configured.'
    with pytest.raises(ValueError, match=r"^seeded_fit: ckpt_path='best' names the best checkpoint of a trainer that "
                                         r"has already fitted .*pass ckpt_path='last' with the fit's log_dir"):
        seeded_fit(_OwnModule, _loader(), seed=0, max_epochs=1, device="cpu", ckpt_path="best")


def test_P28_11_compare_refuses_its_training_options_first_and_by_its_name():
    # before: lr=0 and clip_grad_norm=0 were refused by the training module of the first run, after its
    # measurements, without 'compare'; device='gpu' without it; task_params=[...] ended in dict()'s TypeError
    common = dict(lengths=[5], steps=1, seeds=1, log=None)
    for kwargs, message in (
        (dict(lr=0), r"lr must be a finite number > 0, got 0"),
        (dict(clip_grad_norm=-1.0), r"clip_grad_norm must be a number > 0 or None, got -1\.0"),
        (dict(device="gpu"), r"device must be one of .*pass device='cuda'"),
        (dict(task_params=[("n_train", 8)]), r"task_params must be a dict of the task's options .* got list"),
    ):
        with pytest.raises(ValueError, match=r"^compare: " + message):
            compare("adding", **common, **kwargs)


def test_P28_12_a_per_step_model_given_one_target_per_sequence_names_sequence_to_label():
    # before: SequenceToSequence with y (B,) ended in "IndexError: too many indices for tensor of dimension 1"
    from rnnkit.models import SequenceToSequence
    from rnnkit.training import SequenceModule

    x = torch.randn(8, 5, 3)
    build = lambda: SequenceModule(SequenceToSequence(3, 4, 2))  # noqa: E731
    with pytest.raises(ValueError, match=r"^SequenceModule: the model predicts one output per step \(target='step'\), "
                                         r"so y must hold one target per step, \(B, T, \.\.\.\) = \(4, 5, \.\.\.\), "
                                         r"got shape \(4,\): one target per sequence\? .* is SequenceToLabel$"):
        seeded_fit(build, DataLoader(TensorDataset(x, torch.randint(0, 2, (8,))), batch_size=4), seed=0,
                   max_epochs=1, device="cpu")
    fitted = seeded_fit(build, DataLoader(TensorDataset(x, torch.randint(0, 2, (8, 5))), batch_size=4), seed=0,
                        max_epochs=1, device="cpu")
    assert fitted.trainer.global_step == 2


def test_P28_13_sequence_module_task_names_the_close_one():
    # before: "task must be one of ('classification', 'regression'), got 'regress'" (a Task's kind), no module named
    from rnnkit.models import SequenceToLabel
    from rnnkit.training import SequenceModule

    with pytest.raises(ValueError, match=r"^SequenceModule: task must be one of \('classification', 'regression'\), "
                                         r"got 'regress'; did you mean 'regression'\?$"):
        SequenceModule(SequenceToLabel(3, 4, 1), task="regress")
    with pytest.raises(ValueError, match=r"got 'Classification'; did you mean 'classification'\?$"):
        SequenceModule(SequenceToLabel(3, 4, 2), task="Classification")
    assert SequenceModule(SequenceToLabel(3, 4, 1), task="regression").task == "regression"


def test_P28_14_compare_of_numpy_counts_returns_results_json_can_write():
    # before: batch_size=np.int64(8) ended in torch's "batch_size should be a positive integer value, but got
    # batch_size=8"; lengths=np.array([5]), seeds=np.int64(1) ran, but the results held numpy's ints, and
    # json.dumps(results) ended in "Object of type int64 is not JSON serializable"
    import json

    import numpy as np

    results = compare("adding", lengths=np.array([5]), seeds=np.int64(1), cells=["rnn"], steps=np.int64(2),
                      eval_every=1, hidden_size=np.int64(4), batch_size=np.int64(8), log=None,
                      task_params={"n_train": 16, "n_val": 8, "n_test": 8}, device="cpu")
    assert results["lengths"] == [5] and type(results["lengths"][0]) is int and type(results["seeds"]) is int
    assert json.loads(json.dumps(results))["runs"]["rnn"][0]["steps"] == 2


def test_P28_15_task_score_reads_a_model_output_tensor_as_it_comes():
    # before: torch's "Can't call numpy() on Tensor that requires grad" for outputs straight from the model, and
    # "TypeError: Got unsupported ScalarType BFloat16" for outputs under autocast
    task = get_task("adding", T=5, n_train=8, n_val=4, n_test=4)
    out = torch.full((4, 1), 1.0, requires_grad=True)
    expected = float(((task.test.y.reshape(-1) - 1.0) ** 2).mean())
    assert task.score(out) == pytest.approx(expected, rel=1e-6)
    assert task.score(out.detach().bfloat16()) == pytest.approx(expected, rel=1e-6)  # 1.0 is exact in bfloat16
    assert task.score(out.detach().numpy()) == pytest.approx(expected, rel=1e-6)
