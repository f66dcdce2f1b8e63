"""Thirty-fourth round: the training layer's callbacks as a Lightning user gives them to seeded_fit (early stopping
and the best weights on another metric, one callback over several fits, a rerun of a stopped fit)."""

import warnings

import pytest
import torch
from lightning.pytorch.callbacks import EarlyStopping
from torch.utils.data import DataLoader

from rnnkit.models.sequence import SequenceToLabel
from rnnkit.training import RestoreBestWeights, SequenceDataset, SequenceModule, seeded_fit

X = torch.randn(96, 8, 2, generator=torch.Generator().manual_seed(0))
Y = (X[:, :, 0].mean(1) > 0).long()
NOISE = torch.randint(0, 2, (96,), generator=torch.Generator().manual_seed(1))  # labels no model can learn


def fit(y, callbacks, epochs=6, task="classification", **kwargs):
    train, val = SequenceDataset(X[:64], None, y[:64]), SequenceDataset(X[64:], None, y[64:])
    train = DataLoader(train, batch_size=16, shuffle=True, collate_fn=train.batch,
                       generator=torch.Generator().manual_seed(1))
    val = DataLoader(val, batch_size=32, collate_fn=val.batch)
    outputs = 2 if task == "classification" else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seeded_fit(lambda: SequenceModule(SequenceToLabel(2, 8, outputs), task=task, lr=3e-2), train, val,
                          seed=0, max_epochs=epochs, device="cpu", callbacks=callbacks, **kwargs)


def test_C34_01_monitor_the_wrong_way_or_misspelt():
    # Lightning's EarlyStopping keeps mode='min' for val_accuracy: it stopped while the accuracy rose
    with pytest.raises(ValueError, match=r"EarlyStopping\(monitor='val_accuracy', mode='min'\).*higher val_accuracy "
                                         r"is better.*stop the fit while the model improves.*mode='max'"):
        fit(Y, [EarlyStopping(monitor="val_accuracy", patience=2)], epochs=2)
    with pytest.raises(ValueError, match=r"RestoreBestWeights\(monitor='val_accuracy', mode='min'\).*restore the "
                                         r"weights of the worst epoch.*mode='max'"):
        fit(Y, [RestoreBestWeights("val_accuracy")], epochs=2)
    with pytest.raises(ValueError, match=r"EarlyStopping\(monitor='val_acc'\) watches a metric SequenceModule does "
                                         r"not log.*did you mean 'val_accuracy'"):
        fit(Y, [EarlyStopping(monitor="val_acc", strict=False)], epochs=2)
    with pytest.raises(ValueError, match=r"val_accuracy is logged for task='classification' only"):
        fit(Y.float(), [EarlyStopping(monitor="val_accuracy", mode="max")], epochs=2, task="regression")
    best = RestoreBestWeights("val_accuracy", mode="max")  # the right way round trains
    fitted = fit(Y, [best, EarlyStopping(monitor="val_accuracy", mode="max", patience=50)], epochs=3)
    assert best.weights is not None and best.best >= 0.5 and fitted.trainer.current_epoch == 3


def test_C34_02_restore_best_weights_given_to_two_fits():
    best = RestoreBestWeights("val_loss")
    first = fit(Y, [best])
    second = fit(NOISE, [best])  # its validation loss never comes near the first fit's best
    assert min(second.module.history["val_loss"]) > min(first.module.history["val_loss"]) + 0.2
    same = all(torch.equal(a, b) for a, b in zip(first.module.state_dict().values(),
                                                 second.module.state_dict().values(), strict=True))
    assert not same  # it ended with the first fit's weights
    assert best.best == pytest.approx(min(second.module.history["val_loss"]), rel=1e-6)


def test_C34_03_early_stopping_given_to_two_fits():
    stop = EarlyStopping("val_loss", patience=2)
    fit(Y, [stop], epochs=12)
    second = fit(NOISE, [stop], epochs=12)
    assert second.trainer.current_epoch >= 3  # the first epoch is a best; patience 2 more (it stopped after 1)


def test_C34_04_rerun_of_a_fit_its_own_early_stopping_ended(tmp_path):
    first = fit(NOISE, [EarlyStopping("val_loss", patience=1)], epochs=40, log_dir=tmp_path)
    assert first.trainer.current_epoch < 40
    again = fit(NOISE, [EarlyStopping("val_loss", patience=1)], epochs=40, log_dir=tmp_path, ckpt_path="last")
    assert again.trainer.current_epoch == first.trainer.current_epoch  # it trained one epoch more, or on
    assert again.module.history["val_loss"] == first.module.history["val_loss"]


def test_C34_05_a_mean_that_rounds_past_its_digits_is_written_whole():
    from rnnkit.report import format_mean_sd, format_stat

    assert format_stat(999.6, 0.4) == "1,000 ± 0.4"  # was '1e+03 ± 0.4'
    assert format_stat(-999.7, 1.2) == "-1,000 ± 1.2"
    assert format_stat(150.0, 3.0, digits=2) == "150 ± 3"  # was '1.5e+02 ± 3'
    assert format_mean_sd([999.2, 999.8, 1000.1]) == "1,000 ± 0.46"
    assert format_stat(0.9123, 0.0134) == "0.912 ± 0.013" and format_stat(1.25e308, 3.5e307) == "1.25e+308 ± 3.5e+307"
