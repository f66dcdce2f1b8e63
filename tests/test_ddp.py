"""DDP: two CPU processes (gloo) train the same model as one process, through Lightning's DDP strategy.

With the whole data set in one batch (each process reads half of it, and DDP averages the two gradients) the
two runs take the same optimizer steps, so their weights agree to float rounding.

This file is also the training script: ``python tests/test_ddp.py DEVICES OUT`` trains and writes the weights
to OUT; Lightning's DDP launcher starts the second process by running the same command again.
"""

import os
import subprocess
import sys

import torch
from safetensors.torch import load_file, save_file

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


def test_two_process_ddp_equals_one_process(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MASTER_ADDR": "127.0.0.1",
           "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
    for devices in (1, 2):
        out = tmp_path / f"{devices}.safetensors"
        done = subprocess.run([sys.executable, __file__, str(devices), str(out)], env=env,
                              capture_output=True, text=True, timeout=110)
        assert done.returncode == 0, done.stderr[-3000:]
    one, two = load_file(tmp_path / "1.safetensors"), load_file(tmp_path / "2.safetensors")
    assert one.keys() == two.keys()
    for name in one:
        torch.testing.assert_close(two[name], one[name], rtol=1e-5, atol=1e-6)
    initial = SequenceToLabel(3, 8, 2, cell="lstm")  # and training did move the weights
    assert not torch.allclose(one["head.linear.weight"], initial.head.linear.weight)


if __name__ == "__main__":
    train(int(sys.argv[1]), sys.argv[2])
