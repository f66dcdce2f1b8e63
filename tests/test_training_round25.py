"""The training layer, the models and the diagnostics used directly, as PyTorch and Lightning users drive them, and
the leftovers of the round before (docs/bad_inputs.md, T25-*)."""


import pytest
import torch
from lightning.pytorch.callbacks import Callback
from torch.utils.data import DataLoader, TensorDataset

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
