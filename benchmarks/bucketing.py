"""Batches of similar lengths against random batches, on sequences of very unequal lengths.

Two figures for each ``batching`` of the estimators (``"random"``, ``"bucket"``), batch size 32:

* padding - the fraction of the padded ``(B, T)`` cells of one training epoch that are padding
            (``rnnkit.data.collate.padding_fraction`` over the batches ``SequenceDataModule`` serves);
* epoch s - seconds of one training epoch of ``SequenceClassifier`` (defaults, one thread unless
            ``--threads``), timed from Lightning's epoch start to its end: the median of ``--epochs``
            epochs after a first one (warm-up) that is left out.

The data: sktime's PLAID (537 training sequences of 100-1344 steps, 11 classes; it ships with sktime), or
``--data generated``: 537 sequences of log-uniform lengths in 100-1344 with a label that the mean of the
first feature carries.

    python benchmarks/bucketing.py                    # PLAID
    python benchmarks/bucketing.py --data generated --epochs 1
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from layers import machine  # the machine line of the other benchmarks

from rnnkit import SequenceClassifier
from rnnkit.data.collate import padding_fraction
from rnnkit.estimators import as_sequences
from rnnkit.training import SequenceDataModule, SequenceDataset, SequenceModule


def plaid() -> tuple[list[np.ndarray], np.ndarray]:
    from sktime.datasets import load_plaid

    X, y = load_plaid(split="train")  # a nested DataFrame: one univariate Series per sequence
    return [np.asarray(s, dtype=np.float32) for s in X.iloc[:, 0]], np.asarray(y)


def generated(n: int = 537, seed: int = 0) -> tuple[list[np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    lengths = np.exp(rng.uniform(np.log(100), np.log(1344), n)).astype(int)
    y = rng.integers(0, 2, n)
    return [rng.normal(0.3 * (2 * c - 1), 1.0, T).astype(np.float32) for c, T in zip(y, lengths, strict=True)], y


def padding(X, batching: str, batch_size: int) -> float:
    """Padding fraction of the first training epoch's batches, as the estimators' data module cuts them."""
    _, lengths, _ = as_sequences(X, "bucketing", layout="ntf")
    data = SequenceDataset(torch.zeros(len(lengths), 1, 1), lengths)
    loader = SequenceDataModule(data, batch_size=batch_size, seed=0, batching=batching).train_dataloader()
    batches = loader.sampler if loader.batch_size is None else loader.batch_sampler
    return padding_fraction(lengths.numpy(), [list(b) for b in batches])


def epoch_seconds(X, y, batching: str, epochs: int, batch_size: int) -> list[float]:
    """Seconds of each training epoch of a fit, read by wrapping SequenceModule's epoch hooks."""
    times, start, end = [], SequenceModule.on_train_epoch_start, SequenceModule.on_train_epoch_end

    def started(module):
        module.started = time.perf_counter()
        start(module)

    def ended(module):
        end(module)
        times.append(time.perf_counter() - module.started)

    SequenceModule.on_train_epoch_start, SequenceModule.on_train_epoch_end = started, ended
    try:
        # pinned to one LSTM layer of 32 reading every step, so padding costs what it costs without a front-end
        SequenceClassifier(cell="lstm", hidden_size=32, bidirectional=False, frontend=None, pooling="final",
                           normalise=None, lr_schedule=None, max_epochs=epochs, batch_size=batch_size,
                           batching=batching, random_state=0, device="cpu").fit(X, y)
    finally:
        SequenceModule.on_train_epoch_start, SequenceModule.on_train_epoch_end = start, end
    return times


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", choices=("plaid", "generated"), default="plaid")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    X, y = plaid() if args.data == "plaid" else generated()
    lengths = [len(x) for x in X]
    print(f"machine: {machine('cpu')}")
    print(f"data: {args.data}, {len(X)} sequences of {min(lengths)}-{max(lengths)} steps (median "
          f"{int(np.median(lengths))}), {len(set(np.asarray(y).tolist()))} classes; batch size {args.batch_size}\n")
    print("| batching | padding fraction | epoch s |")
    print("|---|---|---|")
    for batching in ("random", "bucket"):
        seconds = epoch_seconds(X, y, batching, 1 + args.epochs, args.batch_size)[1:]
        print(f"| {batching} | {padding(X, batching, args.batch_size):.3f} | {np.median(seconds):.2f} |")


if __name__ == "__main__":
    main()
