"""The ``rnnkit`` command line: ``demo``, ``train``, ``predict``, ``compare``, ``clipping``, ``app``."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _demo(args) -> int:
    """The main job: a short measured comparison of RNN, LSTM and GRU on two tasks: the adding problem
    (long memory, generated) and scikit-learn's bundled handwritten digits read row by row (real data)."""
    from .compare import compare, markdown

    out = Path(args.out)
    reports = []
    for task, length, params in (
        ("adding", [args.length], {"n_train": 4000, "n_val": 500, "n_test": 1000}),
        ("digits", [None], None),
    ):
        print(f"== {task}")
        results = compare(
            task,
            lengths=length,
            seeds=1,
            steps=args.steps,
            hidden_size=args.hidden,
            eval_every=max(args.steps // 6, 1),
            task_params=params,
            out=out / task,
            first_seed=args.seed,
        )
        reports.append(markdown(results))
    print("\n" + "\n".join(reports))
    print(f"reports, JSON and plots in {out}/adding and {out}/digits")
    return 0


ESTIMATOR_FOR_TASK = {"classify": "SequenceClassifier", "regress": "SequenceRegressor", "tag": "SequenceTagger"}


def _read_table(args, *, with_target: bool, per_step: bool):
    """The sequences of ``args.data``; targets are read for training and ignored (if present) for prediction."""
    from .data.tables import read_sequences

    return read_sequences(
        args.data,
        layout=args.layout,
        id_column=args.id_column,
        time_column=args.time_column,
        target_column=args.target_column,
        per_step_target=per_step,
        require_target=with_target,
    )


def _train(args) -> int:
    """Fit an estimator on a file of sequences; write the model directory and metrics.json into --out."""
    import numpy as np

    import rnnkit
    from rnnkit.data import write_json

    table = _read_table(args, with_target=True, per_step=args.task == "tag")
    cls = getattr(rnnkit, ESTIMATOR_FOR_TASK[args.task])
    est = cls(
        cell=args.cell,
        hidden_size=args.hidden_size,
        num_layers=args.num_layers,
        bidirectional=args.bidirectional,
        dropout=args.dropout,
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        tbptt_steps=args.tbptt_steps,
        random_state=args.seed,
        device=args.device,
        verbose=args.verbose,
    )
    n = len(table.X)
    order = np.random.default_rng(args.seed).permutation(n)
    n_test = int(round(args.test_fraction * n))
    if n - n_test < 2:
        raise ValueError(f"{args.data}: {n} sequences leave fewer than 2 to train on; lower --test-fraction")
    pick = lambda items, idx: [items[i] for i in idx] if isinstance(items, list) else items[idx]
    train_idx, test_idx = order[n_test:], order[:n_test]
    start = time.perf_counter()
    est.fit(pick(table.X, train_idx), pick(table.y, train_idx))
    seconds = time.perf_counter() - start
    metrics = {
        "task": args.task,
        "estimator": cls.__name__,
        "n_train": int(len(train_idx)),
        "n_test": int(n_test),
        "fit_seconds": round(seconds, 3),
        "train_score": float(est.score(pick(table.X, train_idx), pick(table.y, train_idx))),
        "score_name": "accuracy" if args.task != "regress" else "r2",
        "final_train_loss": est.loss_curve_[-1] if est.loss_curve_ else None,
    }
    if n_test:
        metrics["test_score"] = float(est.score(pick(table.X, test_idx), pick(table.y, test_idx)))
    out = Path(args.out)
    est.save(out)
    write_json(out / "metrics.json", metrics)
    print(json.dumps(metrics, indent=2))
    print(f"wrote model and metrics.json to {out}")
    return 0


def _predict(args) -> int:
    """Predict with a saved model directory; write a CSV (one row per sequence, or per step for taggers)."""
    import numpy as np
    import pandas as pd

    import rnnkit

    est = rnnkit.load(args.model)
    table = _read_table(args, with_target=False, per_step=False)
    pred = est.predict(table.X)
    if isinstance(est, rnnkit.SequenceTagger):
        frame = pd.DataFrame(
            {
                "id": np.repeat(table.ids, [len(p) for p in pred]),
                "step": np.concatenate([np.arange(len(p)) for p in pred]),
                "prediction": np.concatenate(pred),
            }
        )
    else:
        pred = np.asarray(pred)
        cols = {"prediction": pred} if pred.ndim == 1 else {f"prediction_{k}": pred[:, k] for k in range(pred.shape[1])}
        frame = pd.DataFrame({"id": table.ids, **cols})
        if isinstance(est, rnnkit.SequenceClassifier):
            proba = est.predict_proba(table.X)
            for k, c in enumerate(est.classes_):
                frame[f"proba_{c}"] = proba[:, k]
    if args.out:
        from .data import atomic_write

        with atomic_write(args.out, "w") as f:
            frame.to_csv(f, index=False)
        print(f"wrote {len(frame)} rows to {args.out}")
    else:
        print(frame.to_csv(index=False), end="")
    return 0


def _compare(args) -> int:
    """Train RNN, LSTM and GRU on a task under one budget and write the measured comparison."""
    from .compare import compare

    lengths = [int(v) for v in args.length.split(",")] if args.length else [None]
    params = json.loads(args.task_params) if args.task_params else None
    compare(
        args.task,
        lengths=lengths,
        cells=args.cells.split(","),
        seeds=args.seeds,
        steps=args.steps or (None if args.budget_seconds else 2000),
        budget_seconds=args.budget_seconds,
        hidden_size=args.hidden_size,
        equal_params=args.equal_params,
        batch_size=args.batch_size,
        lr=args.lr,
        eval_every=args.eval_every,
        task_params=params,
        device=args.device,
        out=args.out,
        first_seed=args.first_seed,
    )
    print(f"wrote comparison.json, report.md and plots to {args.out}")
    return 0


def _clipping(args) -> int:
    from .compare import clipping_report

    clipping_report(args.out, radius=args.radius, seed=args.seed)
    print(f"wrote clipping.json, clipping.md and clipping.png to {args.out}")
    return 0


def _app(args) -> int:
    """Run a recipe of :mod:`rnnkit.apps` on its real data, beside its baseline."""
    from .apps import recipe

    results = recipe(args.recipe).run(quick=args.quick, seed=args.seed, out=args.out)
    if args.out:
        print(f"wrote {', '.join(sorted(p.name for p in Path(args.out).iterdir()))} to {args.out}")
    else:
        print(json.dumps(results, indent=1))
    return 0


def _add_table_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="a .csv (long or wide layout) or .npz of sequences")
    p.add_argument(
        "--layout",
        choices=("auto", "long", "wide", "npz"),
        default="auto",
        help="file layout (default: npz for .npz files, else long)",
    )
    p.add_argument("--id-column", default="id", help="long CSV: the sequence-id column (default id)")
    p.add_argument("--time-column", help="long CSV: sort the rows of each sequence by this column")
    p.add_argument("--target-column", default="target", help="CSV: the target column (default target)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rnnkit", description="Recurrent neural networks for sequential data.")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="a short measured RNN / LSTM / GRU comparison (adding problem, digits)")
    demo.add_argument("--length", type=int, default=50, help="adding-problem sequence length (default 50)")
    demo.add_argument("--hidden", type=int, default=32, help="hidden size (default 32)")
    demo.add_argument("--steps", type=int, default=600, help="optimizer steps per cell (default 600)")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="out/demo", help="output directory (default out/demo)")
    demo.set_defaults(run=_demo)

    train = sub.add_parser(
        "train",
        help="fit a model on a file of sequences",
        description="Fit a sequence classifier, regressor or tagger on a CSV or .npz; write "
        "the model directory (safetensors + JSON) and metrics.json to --out.",
    )
    _add_table_options(train)
    train.add_argument(
        "--task",
        required=True,
        choices=tuple(ESTIMATOR_FOR_TASK),
        help="classify / regress one target per sequence, or tag every step",
    )
    train.add_argument("--out", required=True, help="model directory to write")
    train.add_argument("--cell", default="lstm", choices=("rnn", "lstm", "gru"))
    train.add_argument("--hidden-size", type=int, default=32)
    train.add_argument("--num-layers", type=int, default=1)
    train.add_argument("--bidirectional", action="store_true")
    train.add_argument("--dropout", type=float, default=0.0)
    train.add_argument("--epochs", type=int, default=30)
    train.add_argument("--batch-size", type=int, default=32)
    train.add_argument("--lr", type=float, default=5e-3)
    train.add_argument("--tbptt-steps", type=int, help="truncated BPTT chunk length (default: full BPTT)")
    train.add_argument(
        "--test-fraction", type=float, default=0.2, help="held-out fraction scored in metrics.json (default 0.2)"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--device", default="auto")
    train.add_argument("--verbose", action="store_true", help="progress bar and Lightning messages")
    train.set_defaults(run=_train)

    predict = sub.add_parser(
        "predict",
        help="predict with a saved model directory",
        description="Predict with a model directory written by `rnnkit train`.",
    )
    predict.add_argument("model", help="model directory")
    _add_table_options(predict)
    predict.add_argument("--out", help="CSV file to write (default: print to stdout)")
    predict.set_defaults(run=_predict)

    cmp = sub.add_parser(
        "compare",
        help="measure RNN vs LSTM vs GRU on a long-memory task",
        description="Train each cell under the same budget on a task of rnnkit.tasks and "
        "write comparison.json, report.md and plots to --out.",
    )
    cmp.add_argument("--task", default="adding", help="adding, copy, digits, permuted_digits or mnist1d")
    cmp.add_argument("--length", help="sequence length(s), comma-separated (tasks with a length: adding, copy)")
    cmp.add_argument("--cells", default="rnn,lstm,gru")
    cmp.add_argument("--seeds", type=int, default=3)
    cmp.add_argument("--first-seed", type=int, default=0, help="seeds run first-seed, first-seed + 1, ...")
    cmp.add_argument("--steps", type=int, help="optimizer steps per run (default 2000 unless --budget-seconds)")
    cmp.add_argument("--budget-seconds", type=float, help="wall-clock seconds per run")
    cmp.add_argument("--hidden-size", type=int, default=64)
    cmp.add_argument("--equal-params", action="store_true", help="size each cell to the LSTM's parameter count")
    cmp.add_argument("--batch-size", type=int, default=64)
    cmp.add_argument("--lr", type=float, default=3e-3)
    cmp.add_argument("--eval-every", type=int, default=100, help="validation interval in steps (learning curves)")
    cmp.add_argument("--task-params", help="JSON of task options, e.g. '{\"n_train\": 2000}'")
    cmp.add_argument("--device", default="auto")
    cmp.add_argument("--out", required=True)
    cmp.set_defaults(run=_compare)

    clip = sub.add_parser("clipping", help="exploding gradients: an Elman RNN trained with and without clipping")
    clip.add_argument("--radius", type=float, default=3.0, help="spectral radius of the recurrent weights")
    clip.add_argument("--seed", type=int, default=0)
    clip.add_argument("--out", required=True)
    clip.set_defaults(run=_clipping)

    from .apps import RECIPES

    app = sub.add_parser(
        "app",
        help="an application recipe on real data, beside its baseline",
        description="Train and score a recipe of rnnkit.apps (" + ", ".join(RECIPES) + ") on its real, "
        "offline data, with its baseline on the same split; write report.json and report.md to --out.",
    )
    app.add_argument("recipe", choices=RECIPES)
    app.add_argument("--quick", action="store_true", help="a small subset, in seconds (a smoke run)")
    app.add_argument("--seed", type=int, default=0)
    app.add_argument("--out", help="output directory (default: print the results as JSON)")
    app.set_defaults(run=_app)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, FileNotFoundError, KeyError) as err:
        print(f"rnnkit {args.command}: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
