"""Twenty-second round (M22): seed ensembles (``n_members``) as scikit-learn and Lightning users drive the label
estimators: a fit interrupted inside a member and resumed, refits of another size in one log_dir, numpy
parameters from a grid, verbose output (docs/bad_inputs.md)."""

import warnings

import numpy as np
import pytest
import torch
from test_ensemble import _long_set

import rnnkit.estimators as estimators
from rnnkit import SequenceClassifier
from rnnkit.training.runs import read_checkpoint

QUICK = dict(max_epochs=1, random_state=0, lr_schedule=None)


def _fit_quietly(clf, X, y, **kwargs):
    """The fit and the warnings it gave, less Lightning's own."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y, **kwargs)
    return [str(w.message) for w in caught if str(w.message).startswith("SequenceClassifier")]


def test_M22_01_a_refit_of_fewer_members_names_the_folders_an_earlier_ensemble_left(tmp_path):
    X, y = _long_set()
    log_dir = tmp_path / "logs"
    SequenceClassifier(n_members=3, log_dir=str(log_dir), **QUICK).fit(X, y)
    said = _fit_quietly(SequenceClassifier(n_members=1, log_dir=str(log_dir), **QUICK), X, y)
    # member 0's checkpoint is replaced (the warning of another run's checkpoint); members/1 and /2 are not
    assert any("checkpoints/last.ckpt belongs to another run: n_members 3 then, 1 now" in s for s in said)
    members = [s for s in said if "of an earlier fit of more networks" in s]
    assert len(members) == 1
    assert f"{log_dir / 'members' / '1'}, {log_dir / 'members' / '2'} hold the logs and checkpoints of members " \
           "1, 2 of an earlier fit of more networks, which this fit of n_members=1 leaves" in members[0]
    assert "remove them, or give each fit its own log_dir" in members[0]
    # a fit of as many members (or more) leaves nothing behind: no word
    said = _fit_quietly(SequenceClassifier(n_members=3, log_dir=str(log_dir), **QUICK), X, y)
    assert not [s for s in said if "earlier fit of more networks" in s]


def test_M22_02_verbose_names_the_network_each_progress_bar_belongs_to(tmp_path, capsys):
    X, y = _long_set()
    clf = SequenceClassifier(n_members=2, verbose=True, log_dir=str(tmp_path), **QUICK).fit(X, y)
    out = capsys.readouterr().out
    assert "SequenceClassifier: network 1 of 2 (seed " in out and "SequenceClassifier: network 2 of 2 (seed " in out
    assert len(clf.model_.members) == 2
    assert f"logs and checkpoints in {tmp_path / 'members' / '1'})" in out
    assert out.index("network 1 of 2") < out.index("network 2 of 2")
    SequenceClassifier(n_members=1, verbose=True, **QUICK).fit(X, y)
    assert "network 1 of 1" not in capsys.readouterr().out  # one network: nothing to tell apart


def test_M22_03_numpy_numbers_of_a_grid_are_told_apart_by_resume_and_by_the_replaced_checkpoint(tmp_path):
    X, y = _long_set()
    log_dir = str(tmp_path / "logs")
    # GridSearchCV over np.arange(...) sets numpy numbers; the run identity read them all as "numpy.int64"
    options = dict(n_members=np.int64(2), log_dir=log_dir, random_state=0, lr_schedule=None)
    SequenceClassifier(batch_size=np.int64(8), max_epochs=1, **options).fit(X, y)
    with pytest.raises(ValueError, match=r"belongs to another run: batch_size 8 then, 12 now\. Resume with the same"):
        SequenceClassifier(batch_size=np.int64(12), max_epochs=2, **options).fit(X, y, resume=True)
    said = _fit_quietly(SequenceClassifier(batch_size=np.int64(8), max_epochs=1,
                                           **{**options, "n_members": np.int64(3)}), X, y)
    assert any("belongs to another run: n_members 2 then, 3 now, and this fit replaces it" in s for s in said)


def test_an_ensemble_interrupted_inside_its_second_member_resumes_to_the_uninterrupted_weights(tmp_path, monkeypatch):
    from lightning.pytorch.callbacks import Callback

    class CtrlC(Callback):
        def on_train_epoch_start(self, trainer, module):
            if trainer.current_epoch == 1:
                raise KeyboardInterrupt

    fit = estimators.seeded_fit

    def interrupted_in_member_1(*args, **kwargs):  # Ctrl-C in the second epoch of member 1 only
        if str(kwargs["log_dir"]).endswith("1"):
            kwargs["callbacks"] = [*kwargs["callbacks"], CtrlC()]
        return fit(*args, **kwargs)

    X, y = _long_set()
    options = dict(n_members=3, max_epochs=2, random_state=0, lr_schedule=None)
    log_dir = tmp_path / "logs"
    with monkeypatch.context() as patch:
        patch.setattr(estimators, "seeded_fit", interrupted_in_member_1)
        with pytest.raises(KeyboardInterrupt, match="resume with fit"):
            SequenceClassifier(log_dir=str(log_dir), **options).fit(X, y)
    assert read_checkpoint(log_dir / "checkpoints" / "last.ckpt")["epoch"] == 1  # member 0 finished
    assert read_checkpoint(log_dir / "members" / "1" / "checkpoints" / "last.ckpt")["epoch"] == 0
    assert not (log_dir / "members" / "2").exists()
    resumed = SequenceClassifier(log_dir=str(log_dir), **options).fit(X, y, resume=True)
    whole = SequenceClassifier(**options).fit(X, y)
    for (name, a), b in zip(resumed.model_.state_dict().items(), whole.model_.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert resumed.loss_curve_ == whole.loss_curve_  # member 0's, restored with its checkpoint
    again = SequenceClassifier(log_dir=str(log_dir), **options).fit(X, y, resume=True)  # all finished: nothing to train
    np.testing.assert_array_equal(again.predict_proba(X), whole.predict_proba(X))


def test_M22_04_a_cell_object_whose_weights_would_start_every_member_fits_one_network_or_is_refused():
    from rnnkit.cells import GRUCell

    X, y = _long_set()
    clf = SequenceClassifier(cell=GRUCell(1, 8), **QUICK).fit(X, y)  # "auto": one network, said in the rule
    assert clf.choices_["n_members"] == 1 and "with a Cell object: hidden_size=8" in clf.rule_
    assert "n_members=1" in clf.rule_.split("with a Cell object:")[1]
    with pytest.raises(ValueError, match=r"^SequenceClassifier\.fit: n_members=2 with a Cell object: its weights are "
                                         r"the initial weights of "
                                         r"every fit, .*; give the cell as a factory \(cell=lambda input_size, "
                                         r"hidden_size: GRUCell\(input_size, hidden_size\)\) or by name, or "
                                         r"n_members=1$"):
        SequenceClassifier(cell=GRUCell(1, 8), n_members=2, **QUICK).fit(X, y)
    # a factory draws each member's recurrence from the member's own seed
    factory = SequenceClassifier(cell=lambda i, h: GRUCell(i, h), hidden_size=8, n_members=2, **QUICK).fit(X, y)
    first, second = (dict(m.named_parameters()) for m in factory.model_.members)
    recurrent = [name for name in first if "encoder" in name]
    assert recurrent and not any(torch.equal(first[name], second[name]) for name in recurrent)
