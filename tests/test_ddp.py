"""DDP: two CPU processes (gloo) train the same model as one process, through Lightning's DDP strategy.

With the whole data set in one batch (each process reads half of it, and DDP averages the two gradients) the
two runs take the same optimizer steps, so their weights agree to float rounding.

This file is also the training script: ``python tests/test_ddp.py DEVICES OUT`` trains and writes the weights
to OUT, and ``python tests/test_ddp.py estimator DEVICES OUT`` fits a SequenceClassifier and saves it from every
process to OUT/rank<r>; Lightning's DDP launcher starts the second process by running the same command again.
"""

import os
import subprocess
import sys

import numpy as np
import torch
from lightning.pytorch.utilities import rank_zero_only
from safetensors.torch import load_file, save_file

from rnnkit.estimators import SequenceClassifier, load
from rnnkit.models import SequenceToLabel
from rnnkit.training import SequenceDataModule, SequenceDataset, SequenceModule, make_trainer, quiet_lightning

N = 16  # sequences; one full batch


def train(devices: int, out: str) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(N, 7, 3, generator=g)
    lengths = torch.randint(2, 8, (N,), generator=g)
    y = (x[..., 0].sum(1) > 0).long()
    torch.manual_seed(0)
    model = SequenceToLabel(3, 8, 2, cell="lstm")
    module = SequenceModule(model, lr=1e-2, clip_grad_norm=1.0)
    data = SequenceDataModule(SequenceDataset(x, lengths, y), batch_size=N // devices, shuffle=False)
    trainer = make_trainer(max_epochs=4, device="cpu", devices=devices,
                           strategy="ddp" if devices > 1 else "auto")
    with quiet_lightning():
        trainer.fit(module, datamodule=data)
    if trainer.global_rank == 0:
        save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, out)


def run_script(*args) -> None:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1",
           "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, __file__, *map(str, args)], env=env, capture_output=True, text=True,
                          timeout=600)  # a guard against a hang, not a speed check: a loaded machine takes minutes
    assert done.returncode == 0, done.stderr[-3000:]


def test_two_process_ddp_equals_one_process(tmp_path):
    for devices in (1, 2):
        run_script(devices, tmp_path / f"{devices}.safetensors")
    one, two = load_file(tmp_path / "1.safetensors"), load_file(tmp_path / "2.safetensors")
    assert one.keys() == two.keys()
    for name in one:
        torch.testing.assert_close(two[name], one[name], rtol=1e-5, atol=1e-6)
    initial = SequenceToLabel(3, 8, 2, cell="lstm")  # and training did move the weights
    assert not torch.allclose(one["head.linear.weight"], initial.head.linear.weight)


def sequences(n: int = N) -> tuple[list[np.ndarray], np.ndarray]:
    """``n`` ragged sequences of 3 features and the sign of their first feature's sum as a text label."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(2, 8), 3)).astype(np.float32) for _ in range(n)]
    return X, np.array(["neg", "pos"])[[int(x[:, 0].sum() > 0) for x in X]]


def classifier(devices: int, **given) -> SequenceClassifier:
    # batch_size per process: with 2 processes each reads half of the set, and DDP averages the two gradients
    return SequenceClassifier(hidden_size=8, max_epochs=4, batch_size=N // devices, lr=1e-2, random_state=0,
                              device="cpu", devices=devices, strategy="ddp" if devices > 1 else "auto", **given)


def fit_estimator(devices: int, out: str) -> None:
    """Every process runs this (Lightning's launcher re-runs the script) and saves its own fitted copy."""
    est = classifier(devices).fit(*sequences())
    est.save(os.path.join(out, f"rank{rank_zero_only.rank}"))


def test_an_estimator_fits_with_ddp_as_in_one_process(tmp_path):
    X, y = sequences()
    run_script("estimator", 2, tmp_path)
    ranks = [load(tmp_path / f"rank{r}") for r in (0, 1)]
    # short multichannel series: one process gets LSTM-FCN's batch-normed branch, which the rule leaves out when
    # fit may run in several processes (per-process batch statistics); the reference is that model in one process
    assert classifier(1).fit(X, y).choices_["frontend"] == "fcn"
    assert ranks[0].choices_["frontend"] is None and "devices=2" in ranks[0].rule_
    one = classifier(1, frontend=None).fit(X, y)
    for name, weight in ranks[0].model_.state_dict().items():  # DDP applied one averaged gradient on both
        assert torch.equal(ranks[1].model_.state_dict()[name], weight), name
    for est in ranks:
        assert (est.devices, est.strategy) == (2, "ddp")  # the parameters are saved as given
        assert est.classes_.tolist() == ["neg", "pos"] and est.n_features_in_ == 3
        two = est.model_.state_dict()
        for name, weight in one.model_.state_dict().items():
            torch.testing.assert_close(two[name], weight, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(est.predict_proba(X), one.predict_proba(X), rtol=1e-5, atol=1e-6)
    initial = classifier(1, frontend=None).build_model(X, y)  # the weights fit starts from: training moved them
    assert not torch.allclose(one.model_.head.linear.weight, initial.head.linear.weight, atol=1e-3)


if __name__ == "__main__":
    if sys.argv[1] == "estimator":
        fit_estimator(int(sys.argv[2]), sys.argv[3])
    else:
        train(int(sys.argv[1]), sys.argv[2])
    # The work is written: leave without the interpreter's teardown, where a native thread still joinable when its
    # object is destroyed aborts the process (C++ "terminate called without an active exception", SIGABRT, seen
    # once in a full run on 2 cores, with no Python traceback); the process group is destroyed first.
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
