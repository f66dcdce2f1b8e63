"""Peak memory of training on long sequences: full BPTT grows with the length, truncated BPTT stays flat.

Each configuration runs in a fresh Python process, because a process's peak resident memory only grows. The
child builds one batch of ``B`` sequences of ``T`` steps, resets the kernel's peak-RSS counter
(``/proc/self/clear_refs``), trains one epoch (that one batch) with :class:`rnnkit.training.SequenceModule`
under a Lightning Trainer, and reports the peak resident memory above what it held just before training.
The data itself (``x`` and ``y``) is allocated before that point, so the number is what training adds: the
autograd graph, saved activations and their gradients, optimizer state.

Full BPTT keeps every step's activations until the one backward pass, so its peak grows linearly with T.
Truncated BPTT (``tbptt_steps=k``) frees a chunk's graph before the next chunk starts, so its peak depends on
k, not on T. Linux only (it reads /proc).

    python benchmarks/tbptt_memory.py                       # T = 10k and 100k, full vs tbptt_steps=100
    python benchmarks/tbptt_memory.py --lengths 1000 10000 --tbptt 50
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time

import torch

from rnnkit.models import SequenceToSequence
from rnnkit.training import SequenceDataModule, SequenceDataset, SequenceModule, make_trainer, quiet_lightning

B, F, H = 4, 4, 32  # batch, features, hidden size: small, so that T = 100k runs in seconds on a CPU


def rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def child(T: int, tbptt_steps: int | None) -> dict:
    """Train one batch of length T in this process; return the peak memory training added, in MiB."""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x = torch.randn(B, T, F)
    y = x.cumsum(1).tanh()[..., :1]  # (B, T, 1): a target that needs memory of the past
    data = SequenceDataModule(SequenceDataset(x, torch.full((B,), T), y, y_per_step=True), batch_size=B,
                              shuffle=False)
    model = SequenceToSequence(F, H, 1, cell="lstm")
    module = SequenceModule(model, task="regression", tbptt_steps=tbptt_steps)
    trainer = make_trainer(max_epochs=1, device="cpu")
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak resident set size (VmHWM) to the current one
    base = rss_kib("VmRSS")
    start = time.perf_counter()
    with quiet_lightning():
        trainer.fit(module, datamodule=data)
    seconds = time.perf_counter() - start
    peak = rss_kib("VmHWM")
    return {"peak_mib": (peak - base) / 1024, "seconds": seconds, "steps": trainer.global_step,
            "loss": module.history["train_loss"][-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--tbptt", type=int, default=100, help="chunk length of truncated BPTT")
    parser.add_argument("--child", type=int, nargs=2, metavar=("T", "K"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        T, k = args.child
        print(json.dumps(child(T, k or None)))
        return

    print(f"LSTM, batch {B}, {F} features, hidden {H}; one batch of length T per run; "
          "peak RSS added by training")
    print(f"{'T':>8}  {'BPTT':<14}  {'optimizer steps':>15}  {'peak MiB':>9}  {'seconds':>8}")
    for T in args.lengths:
        for k in (0, args.tbptt):
            out = subprocess.run([sys.executable, __file__, "--child", str(T), str(k)], capture_output=True,
                                 text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            kind = "full" if k == 0 else f"truncated k={k}"
            row = f"{T:>8}  {kind:<14}  {r['steps']:>15}  {r['peak_mib']:>9.1f}  {r['seconds']:>8.2f}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
