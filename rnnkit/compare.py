"""The textbook comparison of RNN, LSTM and GRU, measured: ``rnnkit compare`` and :func:`compare`.

For each sequence length, cell and seed, one model (same hidden size, or the same parameter count with
``equal_params=True``) is trained on a task of :mod:`rnnkit.tasks` under the same budget (optimizer steps
and/or seconds) by the Lightning training module, then measured:

===========================  =====================================================================================
``parameters``               trainable parameters (recurrent layers and head)
``throughput``               training sequences per second, forward + backward of one batch, median of repeats
``seconds_per_epoch``        one pass over the training split at that throughput
``train_seconds``            wall time of the training run (the budget actually used)
``test_metric``              the task's metric on its test split (``chance`` beside it)
``success``                  test metric beyond the bar of :func:`success_bar` (e.g. MSE < 0.01 for adding)
``reach``                    steps back the gradient of a last-step loss stays above 1e-3 of its value, at
                             initialisation (:func:`rnnkit.diagnostics.gradient_flow`)
``activation_mib``           memory autograd saves for backward in one training batch (what BPTT stores and
                             what grows with T); on GPU also ``peak_cuda_mib``
===========================  =====================================================================================

The cells are names of the registry :data:`rnnkit.models.CELL_NAMES` (default ``rnn, lstm, gru``); every
model is built under its seed and trained by :func:`rnnkit.training.seeded_fit`. Outputs in ``out``, through
:func:`rnnkit.report.write_report`: ``report.json`` (every number, runs keyed by cell name), ``report.md`` and
``report.html`` (the table with mean ± sample sd over seeds, the machine and versions, the plots), and the plots
as ``learning_curves.png``, ``metric_vs_length.png``, ``gradient_flow.png``.
"""

from __future__ import annotations

import datetime
import math
import statistics
import time
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from .checks import closest_name, fold_name, int_meant, int_meant_fix, is_count, is_finite_number, is_number_text
from .diagnostics import gradient_flow
from .kernels.dispatch import BACKENDS
from .models import CELL_NAMES, NAMED_CELLS, SequenceToLabel, SequenceToSequence, check_cell_name
from .models.encoder import cell_name_guess
from .report import (
    check_report_directory,
    format_stat,
    machine,
    machine_line,  # noqa: F401  (still imported from here by older callers)
    mean_sd,
    write_report,
)
from .tasks import TASKS, Task, get_task, has_length, options_of, task_name_guess, unknown_options_hint
from .tasks.base import MSE_SUCCESS_FRACTION
from .training import SequenceDataModule, SequenceDataset, SequenceModule, seeded_fit
from .training.runs import NonFiniteError, NonFiniteLossError, check_training_options
from .training.trainer import resolve_device

DEFAULT_CELLS = ("rnn", "lstm", "gru")  # the textbook comparison; any of CELL_NAMES may join it
COLOURS = {"rnn": "tab:red", "lstm": "tab:blue", "gru": "tab:green", "layernorm_lstm": "tab:purple",
           "mingru": "tab:orange", "minlstm": "tab:brown"}


def _backend_fix(backend) -> str:
    """How to give the ``backend`` compare refused: a device's name is its ``device``; a case or a typo
    (``'Reference'``, ``'refrence'``) the backend closest; else the default."""
    if isinstance(backend, str) and backend.split(":")[0].strip().lower() in ("cuda", "cpu", "gpu", "mps"):
        device = backend.strip().lower().replace("gpu", "cuda")
        return f"{backend!r} is a device: pass device={device!r} (and leave backend='auto')"
    near = closest_name(fold_name(backend), BACKENDS) if isinstance(backend, str) else None
    return (f"pass backend={near!r}" if near else "leave backend='auto' (each cell's fastest path) or pass "
            "'reference' to run every cell on one loop")


def check_cells(cells, who: str | None = "compare") -> tuple[str, ...]:
    """The registry names of ``cells`` (a name, or a sequence of names; case-insensitive, ``"elman"`` is
    ``"rnn"``), in the order given, or a ValueError naming the first unknown or repeated one and the
    registry; the message starts with ``who`` when given."""
    where = f"{who}: " if who else ""
    names = (cells,) if isinstance(cells, str) else tuple(cells)
    if not names:
        raise ValueError(f"{where}no cells given; choose from {', '.join(CELL_NAMES)}")
    canonical = []
    for name in names:
        if not isinstance(name, str) or name.strip().lower() not in NAMED_CELLS:
            guess = cell_name_guess(name)
            if isinstance(name, str) and "," in name and isinstance(cells, str):  # the command line's form
                guess = f"a list of names? pass cells={[n.strip() for n in name.split(',')]}; "
            raise ValueError(f"{where}unknown cell {name!r}; {guess}choose from {', '.join(CELL_NAMES)}")
        cell = check_cell_name(name.strip())
        if cell in canonical:
            raise ValueError(f"{where}cell {name!r} is given twice; give each cell once")
        canonical.append(cell)
    return tuple(canonical)


def _rate_fix(name: str, value, default: float) -> str:
    """The fix for a rate of no number: ``"; pass lr=0.01, a number"`` for a number's text (a config file's), or
    an example (compare's default) for a word such as ``'fast'``, which compare chooses no rate for."""
    if isinstance(value, str) and is_number_text(value.strip()) and float(value) > 0:
        return f" (text); pass {name}={float(value)!r}, a number"
    if is_finite_number(value) and value > 0:  # refused for another reason (beyond float32's range)
        return ""
    return f"; pass a number, e.g. {name}={default!r} (compare's default; rnnkit compare --{name})"


def _seconds_fix(value) -> str:
    """The fix for a time budget given as a duration (``'10min'``, ``'1h'``, a ``timedelta``) or as a number's text
    (``'30'``): its seconds, as a number; "" where none is meant (0, a negative or a word)."""
    if isinstance(value, str) and is_number_text(value.strip()):
        seconds, kind = float(value), "text"
    elif isinstance(value, datetime.timedelta | np.timedelta64 | str):
        import pandas as pd  # its reading of '10min', '1h 30m', timedeltas

        try:
            seconds, kind = pd.Timedelta(value).total_seconds(), f"a duration, {value!s}"
        except ValueError:
            return ""
    else:
        return ""
    if not (math.isfinite(seconds) and seconds > 0):
        return ""
    return f" ({kind}); pass budget_seconds={seconds:g}, seconds as a number (rnnkit compare --budget-seconds)"


def check_run_options(*, lengths, seeds, steps, budget_seconds, hidden_size, batch_size, eval_every,
                      first_seed) -> list:
    """``lengths`` as a list, after refusing, in one line each, what the command line's flags refuse: a count that
    is not an integer >= 1 (``steps=0`` would train without end, ``seeds=0`` report no run, ``steps=2.5`` train 3
    steps), a budget that is not a finite number of seconds > 0, a length given twice or not an integer >= 2 (a
    task's ``T``; None for a task of fixed length), and a negative ``first_seed``."""
    counts = {"seeds": (seeds, "runs per cell and length", "--seeds"), "hidden_size": (hidden_size, "units",
              "--hidden-size"), "batch_size": (batch_size, "sequences per step", "--batch-size"),
              "eval_every": (eval_every, "steps between validations", "--eval-every")}
    if steps is not None:
        counts["steps"] = (steps, "optimizer steps per run; None: budget_seconds alone", "--steps")
    if not is_count(seeds) and isinstance(seeds, list | tuple | range | np.ndarray) and len(seeds) and \
            all(is_count(s, 0) for s in seeds):  # the seeds themselves, as sklearn's or sktime's random_state list
        given = [int(s) for s in seeds]
        how = (f"for seeds {given[0]} .. {given[-1]}, pass seeds={len(given)}, first_seed={given[0]} (rnnkit "
               f"compare --seeds {len(given)} --first-seed {given[0]})"
               if given == list(range(given[0], given[0] + len(given))) else
               f"seeds not in a row cannot be given at once: run compare once per seed, seeds=1 and first_seed=s "
               f"for s in {given}")
        raise ValueError(f"compare: seeds is a count of runs per cell and length, got the list {given}; the runs' "
                         f"seeds are first_seed, first_seed + 1, ...: {how}")
    for name, (value, what, flag) in counts.items():
        if not is_count(value):
            raise ValueError(f"compare: {name} must be an integer >= 1 ({what}), got {value!r}"
                             f"{int_meant_fix(name, value, 1)} (rnnkit compare {flag})")
    # numpy's timedelta64 is one of its integers, which float() of the budget then refuses deep in a run
    if budget_seconds is not None and (isinstance(budget_seconds, np.timedelta64) or
                                       not (is_finite_number(budget_seconds) and budget_seconds > 0)):
        raise ValueError(f"compare: budget_seconds must be a finite number of seconds > 0, or None, got "
                         f"{budget_seconds!r}{_seconds_fix(budget_seconds)}")
    if not is_count(first_seed, 0):
        raise ValueError(f"compare: first_seed must be an integer >= 0 (the runs' seeds are first_seed, first_seed + "
                         f"1, ...), got {first_seed!r}{int_meant_fix('first_seed', first_seed)}")
    if isinstance(lengths, str) or not isinstance(lengths, Iterable):
        # a text of numbers ("50", "50,100", as a command line or a config file gives it) is shown as the numbers
        words = lengths.replace(",", " ").split() if isinstance(lengths, str) else None
        example = (", ".join(words) if words and all(w.isdigit() for w in words) else "200") if words is not None \
            else repr(lengths)
        raise ValueError(f"compare: lengths must be a list of sequence lengths (e.g. [{example}]), or [None] for "
                         f"a task of fixed length, got {lengths!r}")
    lengths = list(lengths)
    if not lengths:
        raise ValueError("compare: lengths is empty, so no model would run; give at least one length (or [None] "
                         "for a task of fixed length)")
    for length in lengths:
        if length is not None and not is_count(length, 2):
            meant = [int_meant(v) for v in lengths]
            fix = (f"; pass lengths={meant!r}, ints (a config file's text or np.linspace's floats are none: int(v) of "
                   f"each, or np.arange)" if None not in meant and min(meant) >= 2 else "")
            raise ValueError(f"compare: each length must be an integer >= 2 (a task's T) or None, got {length!r} "
                             f"in lengths {lengths!r}{fix}")
        if lengths.count(length) > 1:
            raise ValueError(f"compare: lengths gives {length!r} twice, which would run and report that length "
                             f"twice over; give each length once")
    return [None if length is None else int(length) for length in lengths]  # numpy's ints are no JSON numbers


def check_task_options(task: str | Task, lengths, task_params: dict | None) -> None:
    """Refuse what ``compare`` would override without a word: a ``seed`` in ``task_params`` (the runs' seeds are
    ``first_seed, first_seed + 1, ...``), a ``T`` there beside ``lengths`` (a length wins), and ``lengths`` for a
    task whose sequences have one fixed length (it has no ``T``), and an unknown task (with the closest name). A
    :class:`Task` of one's own data has neither a builder to take ``task_params`` nor a ``T`` to set."""
    given = [v for v in lengths if v is not None]
    if isinstance(task, Task):
        if task_params:
            raise ValueError(f"compare: task_params {task_params!r} go to a named task's builder, but the task "
                             f"{task.name!r} is a Task already built; build it with the data you want instead")
        if given:
            raise ValueError(f"compare: lengths {given} set the T of a named task, but the task {task.name!r} is a "
                             f"Task already built (its sequences have {task.seq_len} steps); leave lengths out "
                             f"(or pass [None])")
        return
    if not isinstance(task, str) or task not in TASKS:  # here, not at the first run, by name, with a guess
        if isinstance(task, str | bytes):
            raise ValueError(f"compare: unknown task {task!r}; {task_name_guess(task)}choose from "
                             f"{', '.join(TASKS)}, or pass a Task of your own data (rnnkit.tasks.Task)")
        raise ValueError(f"compare: task must be the name of a task ({', '.join(TASKS)}) or a Task of your own "
                         f"data (rnnkit.tasks.Task(name, kind, Split(X_train, y_train), Split(X_val, y_val), "
                         f"Split(X_test, y_test), output_size=..., metric=..., chance=..., chance_note=...)), got "
                         f"{type(task).__name__}")
    if task_params is not None and not isinstance(task_params, dict):  # else dict()'s TypeError at the first run
        raise ValueError(f"compare: task_params must be a dict of the task's options (e.g. {{'n_train': 1000}}) or "
                         f"None, got {type(task_params).__name__} {task_params!r}"[:300])
    params = task_params or {}
    if "seed" in params:
        raise ValueError(f"compare: task_params sets 'seed' ({params['seed']!r}), which each run sets to its own "
                         f"seed (first_seed, first_seed + 1, ...); leave it out and pass first_seed instead "
                         f"(rnnkit compare --first-seed)")
    accepted = options_of(TASKS[task])
    if unknown := [k for k in params if k not in accepted]:  # here, by compare's own options
        guess = unknown_options_hint(task, unknown)
        if has_length(task) and f"'T' for {unknown[0]!r}" in guess:
            value = params[unknown[0]]
            raise ValueError(f"compare: task {task!r} has no option(s) {unknown} (task_params sets "
                             f"{unknown[0]!r}: {value!r}); its length T is set by lengths: pass lengths=[{value!r}] "
                             f"(rnnkit compare --length {value!r}), without it in task_params")
        set_here = "T is set by lengths, seed by first_seed" if has_length(task) else "seed is set by first_seed"
        raise ValueError(f"compare: task {task!r} has no option(s) {unknown} (task_params); {guess}its options "
                         f"are {[k for k in accepted if k not in ('T', 'seed')]} ({set_here})")
    with_length = [name for name in TASKS if has_length(name)]
    if given and task not in with_length:
        raise ValueError(f"compare: task {task!r} has sequences of one fixed length, which lengths {given} cannot "
                         f"set; pass lengths=[None] (rnnkit compare: leave --length out); the tasks with a length "
                         f"are {with_length}")
    if given and "T" in params:
        raise ValueError(f"compare: task_params sets 'T' ({params['T']!r}) and lengths {given} set it too, and a "
                         f"length would win; give it once: lengths=[{params['T']!r}] (rnnkit compare --length "
                         f"{params['T']!r}), without 'T' in task_params")


def success_bar(task: Task) -> tuple[float, str]:
    """The value the test metric must beat for a run to count as a success, and how it was set.

    mse: 6 % of the chance level (0.01 for the adding problem, whose chance is 1/6); cross-entropy: 10 % of
    the memoryless baseline; accuracy: 90 % of the way from chance to 1 (0.91 for ten balanced classes)."""
    if task.metric == "mse":
        return MSE_SUCCESS_FRACTION * task.chance, f"MSE < {MSE_SUCCESS_FRACTION * 100:g} % of chance"
    if task.metric == "cross_entropy":
        return 0.1 * task.chance, "cross-entropy < 10 % of the memoryless baseline"
    return task.chance + 0.9 * (1 - task.chance), "accuracy >= chance + 90 % of (1 - chance)"


def _succeeded(task: Task, value: float) -> bool:
    bar, _ = success_bar(task)
    return value >= bar if task.higher_is_better else value < bar


@dataclass
class Run:
    """One trained model: a cell, a sequence length, a seed."""

    cell: str
    length: int
    seed: int
    hidden_size: int
    parameters: int
    throughput: float
    seconds_per_epoch: float
    train_seconds: float
    steps: int
    test_metric: float
    success: bool
    reach: int
    activation_mib: float
    peak_cuda_mib: float | None
    backend: str
    curve_steps: list[int] = field(default_factory=list)
    curve_val_loss: list[float] = field(default_factory=list)
    gradient_by_lag: list[float] = field(default_factory=list)


def build_model(task: Task, cell: str, hidden_size: int, backend: str = "auto") -> torch.nn.Module:
    """The model compared: one recurrent layer of ``cell`` and a linear head (per step for tagging), run by
    ``backend`` (:data:`rnnkit.kernels.dispatch.BACKENDS`)."""
    cls = SequenceToSequence if task.kind == "tag" else SequenceToLabel
    return cls(task.input_size, hidden_size, task.output_size, cell=cell, backend=backend)


def validation_steps(n_validations: int, eval_every: int, taken: int) -> list[int]:
    """The optimizer step of each of a run's ``n_validations`` validations: every ``eval_every`` steps up to the
    ``taken`` steps it ran, then ``taken`` for one more (Lightning validates where a time budget stops a run
    between two checks), not ``eval_every`` times its index (a run stopped at step 301 validated there, not at
    ``eval_every=1000``)."""
    regular = min(n_validations, taken // eval_every)
    return [eval_every * (i + 1) for i in range(regular)] + [taken] * (n_validations - regular)


def count_parameters(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def smallest_hidden_size(task: Task, cell: str) -> int:
    """1, or 2 for a cell that refuses a single unit (``layernorm_lstm``: the norm of one unit is always 0)."""
    try:
        build_model(task, cell, 1)
    except ValueError:
        build_model(task, cell, 2)  # a cell that refuses two units as well says why here
        return 2
    return 1


def equal_parameter_hidden_size(task: Task, cell: str, reference_cell: str, hidden_size: int) -> int:
    """The hidden size at which ``cell`` has the parameter count closest to ``reference_cell`` at
    ``hidden_size`` (binary search: the count grows with the hidden size), among the sizes the cell takes
    (:func:`smallest_hidden_size`); a warning where the closest it takes is its smallest and holds more."""
    target = count_parameters(build_model(task, reference_cell, hidden_size))
    floor = lo = smallest_hidden_size(task, cell)
    hi = max(8 * hidden_size, floor)
    while lo < hi:
        mid = (lo + hi) // 2
        if count_parameters(build_model(task, cell, mid)) < target:
            lo = mid + 1
        else:
            hi = mid
    above = count_parameters(build_model(task, cell, lo))
    if lo == floor:
        if floor > 1 and above > target:  # a toy size: fewer units would be closer, but the cell refuses them
            warnings.warn(f"compare: equal_params=True runs {cell} at hidden size {floor}, the smallest it takes, "
                          f"with {above} parameters, above the {target} of {reference_cell} at hidden_size="
                          f"{hidden_size}, since {cell} refuses {floor - 1} unit(s); give a larger hidden_size for "
                          f"counts that match", UserWarning, stacklevel=3)
        return lo
    below = count_parameters(build_model(task, cell, lo - 1))
    return lo - 1 if target - below < above - target else lo


def _tensors(split, kind: str, device: str):
    x = torch.from_numpy(split.X).to(device)
    y = torch.from_numpy(split.y).to(device)
    if kind == "regress":
        y = y.float().view(len(y), -1)
    lengths = torch.full((len(x),), x.shape[1], dtype=torch.long, device=device)
    return x, lengths, y


def measure_speed_and_memory(model, task: Task, *, batch_size: int, device: str, repeats: int = 5):
    """Training throughput (sequences/s, forward + backward of one batch: the median of ``repeats`` timings after
    one untimed step) and the memory autograd saves. ``model`` (from :func:`build_model`) lies on ``device``
    (``"cpu"``, ``"cuda"`` or ``"auto"``); ``task`` is a :class:`rnnkit.tasks.Task` (``get_task(name)``)."""
    device = _check_measure(model, task, batch_size=batch_size, device=device, repeats=repeats)
    x, lengths, y = _tensors(task.train, task.kind, device)
    x, lengths, y = x[:batch_size], lengths[:batch_size], y[:batch_size]
    module = SequenceModule(model, task="regression" if task.kind == "regress" else "classification")

    def step():
        out, _ = model(x, lengths)
        module.loss(
            out.flatten(0, 1) if task.kind == "tag" else out, y.flatten() if task.kind == "tag" else y
        ).backward()

    saved: dict[int, int] = {}

    def pack(t):
        saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    model.train()
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        step()
    times = []
    for _ in range(repeats):
        if device == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        step()
        if device == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    model.zero_grad(set_to_none=True)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return len(x) / statistics.median(times), sum(saved.values()) / 2**20, peak


def _check_measure(model, task, *, batch_size, device, repeats) -> str:
    """The device :func:`measure_speed_and_memory` runs on, after a one-line ValueError naming its argument that
    is wrong: no median of no timing (statistics' own "no median for empty data"), no batch (a throughput of
    0 / 0), a device the model does not lie on (torch's "Expected all tensors to be on the same device")."""
    who = "measure_speed_and_memory"
    if not is_count(repeats):
        raise ValueError(f"{who}: repeats must be an integer >= 1 (timed steps, whose median is the throughput), got "
                         f"{repeats!r}")
    if not is_count(batch_size):
        raise ValueError(f"{who}: batch_size must be an integer >= 1 (sequences per timed step), got {batch_size!r}")
    if not isinstance(task, Task):
        raise ValueError(f"{who}: task must be a Task, got {type(task).__name__} {task!r}"[:200]
                         + (f"; pass get_task({task!r})" if isinstance(task, str) else ""))
    try:
        device = resolve_device(device)
    except ValueError as e:
        raise ValueError(f"{who}: {e}") from None
    on = {p.device.type for p in model.parameters()}
    if on and on != {device}:
        raise ValueError(f"{who}: the model's parameters are on {', '.join(sorted(on))} but device={device!r}; move "
                         f"the model first (model.to({device!r})) or pass the device it is on")
    return device


def predict(model, split, kind: str, *, device: str, batch_size: int = 512) -> np.ndarray:
    """Model outputs on a split, as :meth:`Task.score` expects them (probabilities, labels or values)."""
    if not is_count(batch_size):  # range()'s "arg 3 must not be zero", or no batch at all
        raise ValueError(f"predict: batch_size must be an integer >= 1 (sequences per forward), got {batch_size!r}")
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(split.X), batch_size):
            out, _ = model(torch.from_numpy(split.X[i : i + batch_size]).to(device))
            outs.append((out.softmax(-1) if kind in ("classify", "tag") else out).float().cpu().numpy())
    return np.concatenate(outs)


def score_outputs(task: Task, outputs: np.ndarray) -> float:
    """The task's test metric of a trained model's ``outputs``, nan where any is NaN or infinite (a run that
    diverged): never a number read from them (NaN arg-maxes to class 0, a plausible accuracy), nor an error that
    would end the comparison and lose its other runs."""
    if not np.isfinite(outputs).all():
        return math.nan
    return task.score(outputs)


def train_one(
    task: Task,
    cell: str,
    *,
    hidden_size: int,
    seed: int,
    steps: int | None,
    budget_seconds: float | None,
    batch_size: int,
    lr: float,
    clip_grad_norm: float | None,
    eval_every: int,
    device: str,
    backend: str = "auto",
) -> tuple[torch.nn.Module, SequenceModule, float, int, NonFiniteError | None]:
    """Train one model under the budget (:func:`rnnkit.training.seeded_fit`: its initial weights and batch order
    come from ``seed``); return it with its training module, seconds used, steps taken and None; a run whose loss
    or gradient turned NaN or infinite (it diverged) stops there and is returned as it stood, with the
    :class:`~rnnkit.training.runs.NonFiniteError` that stopped it (its step the steps taken)."""
    per_step = task.kind == "tag"
    datasets = [SequenceDataset(*_tensors(s, task.kind, "cpu"), y_per_step=per_step) for s in (task.train, task.val)]
    built = []  # the module trained, kept where a diverged run raises out of seeded_fit

    def build():
        built.append(SequenceModule(build_model(task, cell, hidden_size, backend),
                                    task="regression" if task.kind == "regress" else "classification", lr=lr,
                                    clip_grad_norm=clip_grad_norm))
        return built[-1]

    start = time.perf_counter()
    try:
        fitted = seeded_fit(
            build,
            SequenceDataModule(*datasets, batch_size=batch_size, seed=seed),
            seed=seed,
            max_epochs=-1,
            device=device,
            max_steps=steps or -1,
            max_time={"seconds": budget_seconds} if budget_seconds else None,
            # a run shorter than eval_every would never validate and leave its learning curve empty: it validates
            # once, at its last step (validation_steps labels that point with the steps taken)
            val_check_interval=min(eval_every, steps) if steps else eval_every,
            check_val_every_n_epoch=None,
        )
    except NonFiniteError as e:  # a result to record (test metric nan), not a reason to lose the other runs
        module = built[-1]
        return module.model.to(device), module, time.perf_counter() - start, e.step, e
    return fitted.module.model.to(device), fitted.module, fitted.seconds, fitted.trainer.global_step, None


def compare(
    task: str | Task = "adding",
    *,
    lengths=None,
    cells=DEFAULT_CELLS,
    seeds: int = 3,
    steps: int | None = 2000,
    budget_seconds: float | None = None,
    hidden_size: int = 64,
    equal_params: bool = False,
    batch_size: int = 64,
    lr: float = 3e-3,
    clip_grad_norm: float | None = 1.0,
    eval_every: int = 100,
    task_params: dict | None = None,
    device: str = "auto",
    backend: str = "auto",
    out: str | Path | None = None,
    first_seed: int = 0,
    log=print,
) -> dict:
    """Train and measure every cell on ``task`` at every length; write the report to ``out`` if given.

    ``task``: the name of a task of :data:`rnnkit.tasks.TASKS`, built for each seed and length, or a
    :class:`rnnkit.tasks.Task` of one's own data, whose splits every run trains, validates and tests on (a seed
    draws the initial weights and batch order only). ``lengths``: the ``T`` of each comparison for a task with a
    length (default ``[200]``); ``[None]`` (the default otherwise) for a task of fixed length or a ``Task``.

    ``steps`` and ``budget_seconds`` bound each training run (whichever ends first; at least one must be set).
    A ``batch_size`` above the training split's size is lowered to it, with a warning, and recorded as used.
    ``task_params`` go to the task builder (:func:`rnnkit.tasks.get_task`) beside ``T`` (for tasks with a
    length) and ``seed`` (seeds ``first_seed, first_seed + 1, ...``). ``cells``: names of
    :data:`rnnkit.models.CELL_NAMES` (:func:`check_cells`). Returns the results as report.json holds them, but
    with nan where it holds null: the summary's sd is the sample sd over seeds (:func:`rnnkit.report.mean_sd`:
    nan for one seed), so ``json.dump`` needs its default ``allow_nan=True``. ``log`` is called with one line per
    run (default :func:`print`; None: no lines).

    ``backend`` runs every cell's recurrent layer (:data:`rnnkit.kernels.dispatch.BACKENDS`): ``"auto"`` runs
    each cell's fastest path (the GRU on rnnkit's C++ loop where it builds, the RNN and LSTM on torch's kernels,
    the others on the reference loop), so a throughput measures the backend as much as the cell (each run
    records its backend); ``"reference"`` or ``"cpu_loop"`` runs every cell on one loop, so that throughputs
    compare; a fast path by name runs where it can, and a cell it cannot run is refused before the first run."""
    if log is None:  # no lines
        log = lambda line: None  # noqa: E731
    if not callable(log):
        raise ValueError(f"compare: log must be a callable taking one line per run (e.g. print, or logger.info) or "
                         f"None for no lines, got {log!r}")
    if steps is None and budget_seconds is None:
        raise ValueError("compare: set steps or budget_seconds (or both) to bound each training run")
    if backend not in BACKENDS:
        raise ValueError(f"compare: backend must be one of {BACKENDS}, got {backend!r}; {_backend_fix(backend)}")
    if not isinstance(equal_params, bool | np.bool_):  # a truthy "no" or 0.5 would change every model's size
        raise ValueError(f"compare: equal_params must be True or False (True: every cell at the parameter count of "
                         f"an LSTM of hidden_size; rnnkit compare --equal-params), got {equal_params!r}")
    cells = check_cells(cells)
    if lengths is None:
        lengths = [200] if has_length(task) else [None]
    lengths = check_run_options(lengths=lengths, seeds=seeds, steps=steps, budget_seconds=budget_seconds,
                                hidden_size=hidden_size, batch_size=batch_size, eval_every=eval_every,
                                first_seed=first_seed)
    # numpy's ints as Python's, which the results (and json.dump of them) hold
    seeds, hidden_size, batch_size, eval_every, first_seed = map(int, (seeds, hidden_size, batch_size, eval_every,
                                                                       first_seed))
    steps = None if steps is None else int(steps)
    check_task_options(task, lengths, task_params)
    try:  # here, with the function's name, not in the first run's training module (after its measurements)
        check_training_options(task="regression", lr=lr, weight_decay=0.0, clip_grad_norm=clip_grad_norm,
                               clip_grad_value=None, tbptt_steps=None)
        device = resolve_device(device)
    except ValueError as e:
        raise ValueError(f"compare: {e}{_rate_fix('lr', lr, 3e-3) if str(e).startswith('lr ') else ''}") from None
    if out is not None:  # before the runs, not after them
        check_report_directory(out, f"compare: out={str(out)!r}")
    task_name = task.name if isinstance(task, Task) else task
    runs: list[Run] = []
    task_info = {}
    for length in lengths:
        for seed in range(first_seed, first_seed + seeds):
            params = dict(task_params or {}, seed=seed)
            if length is not None:
                params["T"] = length
            t = task if isinstance(task, Task) else get_task(task, **params)
            if batch_size > len(t.train):  # every step would take the whole split, and the report say batch_size
                warnings.warn(f"compare: batch_size={batch_size} is more than the {len(t.train)} training sequences "
                              f"of task {t.name!r}, so each step trains on all {len(t.train)}: the runs and the "
                              f"report use batch {len(t.train)}; pass batch_size={len(t.train)} (or fewer) to say so",
                              stacklevel=2)
                batch_size = len(t.train)
            bar, rule = success_bar(t)
            # keyed by the sequences' length, as the summary is (the copy task's T is its delay: T + 20 steps)
            info = task_info.setdefault(str(t.seq_len), {"chance_per_seed": [], "success_bar_per_seed": []})
            info["chance_per_seed"].append(t.chance)  # the chance level is measured on each seed's test split
            info["success_bar_per_seed"].append(bar)
            info.update(
                {
                    "name": t.name,
                    "length": length,  # as asked for (lengths); None for a task without one
                    "T": t.seq_len,
                    "metric": t.metric,
                    "chance": statistics.fmean(info["chance_per_seed"]),
                    "chance_note": t.chance_note,
                    "success_bar": statistics.fmean(info["success_bar_per_seed"]),
                    "success_rule": rule,
                    "baselines": t.baselines,
                    "source": t.source,
                    "n_train": len(t.train),
                    "n_test": len(t.test),
                }
            )
            sizes, initial = {}, {}  # every cell's model built before the first run: a size a cell refuses stops here
            for cell in cells:
                sizes[cell] = h = (equal_parameter_hidden_size(t, cell, "lstm", hidden_size) if equal_params else
                                   hidden_size)
                with torch.random.fork_rng(devices=[]):  # the caller's RNG is left as it was
                    torch.manual_seed(seed)
                    try:  # the initial weights seeded_fit trains below
                        initial[cell] = build_model(t, cell, h, backend).to(device)
                    except ValueError as e:
                        raise ValueError(f"compare: cell {cell!r} at hidden size {h}: {e}") from None
                    if backend != "auto":  # a path forced on a cell it cannot run refuses at its first call
                        try:
                            initial[cell](torch.from_numpy(t.train.X[:2]).to(device))
                        except ValueError as e:
                            raise ValueError(f"compare: cell {cell!r} with backend={backend!r}: {e}; give a backend "
                                             f"every cell runs on ('reference' or 'cpu_loop': one loop for all, so "
                                             f"throughputs compare), or 'auto'") from None
            for cell in cells:
                h, fresh = sizes[cell], initial.pop(cell)
                flow = gradient_flow(fresh, t.train.X[:batch_size])
                name = next(iter(flow.by_lag))
                throughput, activation, peak = measure_speed_and_memory(fresh, t, batch_size=batch_size, device=device)
                model, module, seconds, taken, diverged = train_one(
                    t,
                    cell,
                    hidden_size=h,
                    seed=seed,
                    steps=steps,
                    budget_seconds=budget_seconds,
                    batch_size=batch_size,
                    lr=lr,
                    clip_grad_norm=clip_grad_norm,
                    eval_every=eval_every,
                    device=device,
                    backend=backend,
                )
                outputs = None if diverged else predict(model, t.test, t.kind, device=device)
                metric = math.nan if diverged else score_outputs(t, outputs)
                why = None  # why a run scored nan: it diverged in training, or its outputs did
                if diverged:
                    why = (f"its {'loss' if isinstance(diverged, NonFiniteLossError) else 'gradient'} turned "
                           f"non-finite at step {taken}")
                elif not np.isfinite(outputs).all():
                    why = "its test outputs hold NaN or infinity"
                val = module.history["val_loss"]  # one entry every eval_every steps, and one where a budget stopped
                run = Run(
                    cell=cell,
                    length=t.seq_len,
                    seed=seed,
                    hidden_size=h,
                    parameters=count_parameters(model),
                    throughput=throughput,
                    seconds_per_epoch=len(t.train) / throughput,
                    train_seconds=seconds,
                    steps=taken,
                    test_metric=metric,
                    success=_succeeded(t, metric),
                    reach=int(flow.reach[name]),
                    activation_mib=activation,
                    peak_cuda_mib=peak,
                    backend=model.encoder.last_backend or "",
                    curve_steps=validation_steps(len(val), eval_every, taken),
                    curve_val_loss=val,
                    gradient_by_lag=[float(v) for v in flow.by_lag[name]],
                )
                runs.append(run)
                log(
                    f"{task_name} T={t.seq_len} seed={seed} {cell:4s} H={h} {t.metric}={metric:.4g} "
                    f"(chance {t.chance:.4g}) success={run.success} reach={run.reach} "
                    f"{throughput:.0f} seq/s {seconds:.0f} s {taken} steps"
                    + (f" (diverged: {why}; a lower lr or clip_grad_norm may train it)" if why else "")
                )
    results = {
        "task": task_name,
        "lengths": list(lengths),
        "cells": list(cells),
        "seeds": seeds,
        "steps": steps,
        "budget_seconds": budget_seconds,
        "hidden_size": hidden_size,
        "equal_params": equal_params,
        "batch_size": batch_size,
        "lr": lr,
        "clip_grad_norm": clip_grad_norm,
        "task_params": task_params or {},
        "first_seed": first_seed,
        "task_info": task_info,
        "device": device,
        "backend": backend,
        "runs": {cell: [asdict(r) for r in runs if r.cell == cell] for cell in cells},
        "summary": {cell: summarize([r for r in runs if r.cell == cell]) for cell in cells},
    }
    if out is not None:
        write_report(out, title=title(results), results=results, markdown=markdown(results), figures=plots(results),
                     machine_info=machine(device))
    return results


def title(results: dict) -> str:
    """A comparison's title: its task and cells."""
    return f"{results['task']}: {', '.join(results['cells'])}"


def summarize(runs: list[Run]) -> dict:
    """``{"mean", "sd"}`` over seeds of every number, per length (sd: the sample sd, nan for one seed)."""
    by_length = {}
    for length in sorted({r.length for r in runs}):
        rs = [r for r in runs if r.length == length]
        by_length[str(length)] = {
            "hidden_size": rs[0].hidden_size,
            "parameters": rs[0].parameters,
            **{
                k: dict(zip(("mean", "sd"), mean_sd(getattr(r, k) for r in rs), strict=True))
                for k in ("test_metric", "throughput", "seconds_per_epoch", "train_seconds", "reach", "activation_mib")
            },
            "successes": sum(r.success for r in rs),
            "runs": len(rs),
            # what ran: a throughput measures a backend (cpu_gru's C++ loop, torch's native kernels) as much as a cell
            "backend": ", ".join(sorted({r.backend for r in rs})),
        }
    return by_length


def _fmt(stat: dict) -> str:
    return format_stat(_number(stat["mean"]), stat["sd"])  # a diverged run's nan is report.json's null


def _number(value) -> float:
    """``value``, or nan for report.json's null (a run that diverged: JSON has no nan)."""
    return math.nan if value is None else value


def markdown(results: dict) -> str:
    """The report's body: the textbook comparison's table, filled by measurement (the machine line and the
    note on sd are added by :func:`rnnkit.report.write_report`). ``results`` as :func:`compare` returns them or
    as report.json holds them (a diverged run's null shown as nan)."""
    sizes = "equal parameter count" if results["equal_params"] else f"hidden size {results['hidden_size']}"
    budget = " and ".join(
        x
        for x in (
            f"{results['steps']} steps" if results["steps"] else "",
            f"{results['budget_seconds']} s" if results["budget_seconds"] else "",
        )
        if x
    )
    lines = [
        f"Budget per run: {budget}, batch {results['batch_size']}, lr {results['lr']}, "
        f"clip-norm {results['clip_grad_norm']}, {results['seeds']} seed(s), "
        f"{sizes}.",
        "",
    ]
    for info in results["task_info"].values():
        lines += [
            f"### T = {info['T']}",
            "",
            f"Metric: test {info['metric']} (chance {info['chance']:.4g}, mean over seeds: {info['chance_note']}); "
            f"success: "
            f"{info['success_rule']} ({info['success_bar']:.4g}). Train/test: {info['n_train']}/{info['n_test']}.",
        ]
        if info["baselines"]:
            lines.append(
                "Published: "
                + ", ".join(f"{k} {v}" for k, v in info["baselines"].items())
                + (f" ({info['source']})" if info["source"] else "")
                + "."
            )
        lines += [
            "",
            "| cell | hidden | parameters | test metric (mean ± sample sd) | success | gradient reach (steps) "
            "| throughput (seq/s) | s / epoch | train s | activation MiB | backend |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for cell in results["cells"]:
            s = results["summary"][cell].get(str(info["T"]))
            if s is None:
                continue
            lines.append(
                f"| {cell} | {s['hidden_size']} | {s['parameters']} | {_fmt(s['test_metric'])} | "
                f"{s['successes']}/{s['runs']} | {_fmt(s['reach'])} | {_fmt(s['throughput'])} | "
                f"{_fmt(s['seconds_per_epoch'])} | {_fmt(s['train_seconds'])} | {_fmt(s['activation_mib'])} | "
                f"{s.get('backend', '')} |"  # a report.json of before the column: left blank
            )
        ran = {b for cell in results["cells"] for b in results["summary"][cell].get(str(info["T"]), {})
               .get("backend", "").split(", ") if b}
        if len(ran) > 1:
            lines += ["", f"The cells ran on {len(ran)} backends ({', '.join(sorted(ran))}), so a throughput measures "
                          f"its backend as much as its cell; backend='reference' (rnnkit compare --backend "
                          f"reference) runs every cell on one loop, for throughputs that compare."]
        lines.append("")
    return "\n".join(lines)


def plots(results: dict) -> dict[str, Figure]:
    """The comparison's figures by file name: learning curves, the test metric against the sequence length
    (error bars: sample sd over seeds), and the gradient norm against the lag at initialisation. ``results`` as
    :func:`compare` returns them, or as report.json holds them (its nulls, a non-finite number or one seed's sd,
    drawn as gaps and no bar)."""
    colours = COLOURS
    figs = {}
    ax = Figure(figsize=(6.4, 4), layout="constrained").subplots()
    for cell, runs in results["runs"].items():
        for i, r in enumerate(runs):
            ax.plot(
                r["curve_steps"],
                _floats(r["curve_val_loss"]),
                color=colours[cell],
                alpha=0.7,
                label=f"{cell}" if i == 0 else None,
            )
    ax.set(xlabel="optimizer step", ylabel="validation loss", yscale="log", title="learning curves")
    ax.legend()
    figs["learning_curves.png"] = ax.figure
    ax = Figure(figsize=(6.4, 4), layout="constrained").subplots()
    for cell, summary in results["summary"].items():
        Ts = sorted(int(t) for t in summary)
        ax.errorbar(
            Ts,
            _floats(summary[str(t)]["test_metric"]["mean"] for t in Ts),
            yerr=np.nan_to_num(_floats(summary[str(t)]["test_metric"]["sd"] for t in Ts)),  # one seed: no bar
            marker="o",
            color=colours[cell],
            label=cell,
            capsize=3,
        )
    info = next(iter(results["task_info"].values()))
    ax.axhline(info["chance"], color="gray", linestyle="--", label="chance")
    ax.set(xlabel="sequence length T", ylabel=f"test {info['metric']}", title="metric vs sequence length")
    ax.legend()
    figs["metric_vs_length.png"] = ax.figure
    ax = Figure(figsize=(6.4, 4), layout="constrained").subplots()
    for cell, runs in results["runs"].items():
        r = max(runs, key=lambda r: r["length"])
        curve = _floats(r["gradient_by_lag"])
        ax.plot(curve / curve[0] if curve[0] > 0 else curve, color=colours[cell], label=f"{cell} (reach {r['reach']})")
    ax.axhline(1e-3, color="gray", linestyle="--", linewidth=1)
    ax.set(
        xlabel="lag (steps before the last)",
        ylabel="‖∂L/∂h‖ relative to the last step",
        yscale="log",
        title="gradient norm vs lag, at initialisation",
    )
    ax.legend()
    figs["gradient_flow.png"] = ax.figure
    return figs


def verdict(info: dict, value: float) -> str:
    """``"solved"`` when a test metric is past the success bar of ``info`` (an entry of :func:`compare`'s
    ``task_info``; the bar is :func:`success_bar`'s), else ``"not solved"``."""
    bar = info["success_bar"]
    return "solved" if (value >= bar if info["metric"] == "accuracy" else value < bar) else "not solved"


def demo_summary(results: dict[str, dict], *, command: str) -> str:
    """What ``rnnkit demo`` measured, one line per task and cell with the chance level beside each figure and
    its :func:`verdict`, followed by what a run this short can and cannot show. ``results`` maps a task name
    to :func:`compare`'s results for one seed."""
    return "\n".join(_demo_verdicts(results)) + "\n\n" + _demo_caveat(results, command=command)


def demo_markdown(results: dict[str, dict], *, command: str) -> str:
    """The body of ``rnnkit demo``'s report: :func:`demo_summary` (its verdicts as printed, then what the run
    can and cannot show), then each task's :func:`markdown` under its :func:`title`."""
    verdicts = "\n".join(_demo_verdicts(results))
    tables = "\n".join(f"## {title(res)}\n\n{markdown(res)}" for res in results.values())
    return f"```text\n{verdicts}\n```\n\n{_demo_caveat(results, command=command)}\n\n{tables}"


def _demo_verdicts(results: dict[str, dict]) -> list[str]:
    lines = []
    for name, res in results.items():
        info = next(iter(res["task_info"].values()))
        lines.append(
            f"{name}, T = {info['T']}: test {info['metric']}; chance {info['chance']:.4g} ({info['chance_note']}); "
            f"solved: {info['success_rule']} ({info['success_bar']:.4g})"
        )
        for cell, runs in res["runs"].items():
            for r in runs:
                value = _number(r["test_metric"])  # report.json's null: a run that diverged
                lines.append(
                    f"  {cell:4s} {info['metric']} {value:.4g} (chance {info['chance']:.4g}): {verdict(info, value)}"
                )
    return lines


def _demo_caveat(results: dict[str, dict], *, command: str) -> str:
    first = next(iter(results.values()))
    return (
        f"A short run: one seed ({first['first_seed']}), {first['steps']} optimizer steps per cell, hidden size "
        f"{first['hidden_size']}. It can show which cells solve each task at this length within this budget "
        "(on the adding problem the first marked value lies at least T/2 steps back, further than the Elman "
        "RNN's gradient reaches at initialisation when T is 50 or more: the reports give each cell's reach). "
        "It cannot show the spread over seeds, how "
        "the cells compare at longer lengths or with a larger budget (given more steps the Elman RNN starts to "
        "learn the adding problem at T = 50), or which cell is faster (the times are of one run, under whatever "
        f"else runs on this machine). For the full comparison: {command} (measured tables: docs/comparison.md)."
    )


def _floats(values) -> np.ndarray:
    """``values`` as a float array, None (report.json's null) as NaN: what :func:`_finite_or_none` wrote."""
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def _finite_or_none(values) -> list[float | None]:
    """JSON has no NaN or infinity: a value that overflowed is written as null."""
    return [float(v) if np.isfinite(v) else None for v in values]


def clipping_report(out: str | Path | None = None, **params) -> dict:
    """The exploding-gradient demo (:func:`rnnkit.tasks.exploding_gradient_demo`): the same linear RNN, same
    seed, trained without and with gradient clipping, its two verdicts and the values its argument predicts;
    with ``out``, writes the report there (:func:`rnnkit.report.write_report`: ``report.json`` with non-finite
    losses as null, ``report.md``, ``report.html``) and the plot ``clipping.png``."""
    from .tasks import exploding_gradient_demo
    from .tasks.exploding import CONVERGED, DIVERGED

    if out is not None:  # before the runs, not after them
        check_report_directory(out, f"clipping_report: out={str(out)!r}")
    demo = exploding_gradient_demo(**params)
    runs = {"unclipped": demo.unclipped, "clipped": demo.clipped}
    results = {
        "params": demo.params,
        "predicted": demo.predicted,
        "verdicts": {
            "unclipped_diverged": demo.unclipped_diverged,
            "clipped_converged": demo.clipped_converged,
            "rule": f"diverged: last loss not finite or above {DIVERGED:g} x the initial loss (1 = chance); "
            f"converged: every loss finite and the last below {CONVERGED:g} x the initial loss",
        },
        **{k: {"loss": _finite_or_none(r.loss), "grad_norm": _finite_or_none(r.grad_norm)} for k, r in runs.items()},
    }
    results["summary"] = clipping_summary(results)
    if out is not None:
        p, f = demo.params, demo.predicted
        lines = [
            f"A linear RNN, H = {p['hidden_size']}, recurrent weights {p['radius']} x orthogonal, T = {p['T']}, "
            f"plain SGD lr {p['lr']:.3g}, clip norm {p['clip']}, seed {p['seed']}.",
            "",
            f"Predicted by the maths (rnnkit.tasks.exploding): gradient norm at initialisation "
            f"{f['grad_norm_at_init']:.4g}; loss after the first step {f['first_step_loss_unclipped']:.4g} "
            f"unclipped, {f['first_step_loss_clipped']:.4g} clipped; clipped loss below {f['clipped_loss_bound']:.3g}"
            f" from step {f['steps_to_converge']}. Chance (predicting 0) is 1.",
            "",
            "| run | loss at step 0 | loss after step 1 | loss at the last step | largest gradient norm | verdict |",
            "|---|---|---|---|---|---|",
        ]
        for k, r in runs.items():
            loss, g = np.asarray(r.loss, dtype=float), np.asarray(r.grad_norm, dtype=float)
            clip = f" (max norm {p['clip']})" if k == "clipped" else ""
            verdict = results["summary"][k]
            lines.append(
                f"| {k}{clip} | {loss[0]:.3g} | {loss[1] if len(loss) > 1 else float('nan'):.3g} | {loss[-1]:.3g} "
                f"(step {len(loss) - 1}) | "
                f"{np.nanmax(np.where(np.isfinite(g), g, np.nan)):.3g} | {verdict} |"
            )
        lines += ["", results["verdicts"]["rule"].capitalize() + "."]
        write_report(out, title="Exploding gradients and clipping", results=results, markdown="\n".join(lines),
                     figures={"clipping": demo.plot()})
    return results


def clipping_summary(results: dict) -> dict:
    """One line per run of :func:`clipping_report`'s results: what it did, and its verdict."""
    words = {"unclipped": ("diverged", "did not diverge"), "clipped": ("converged", "did not converge")}
    lines = {}
    for run, (yes, no) in words.items():
        loss = results[run]["loss"]
        last = "overflow" if loss[-1] is None else f"{loss[-1]:.3g}"
        lines[run] = f"{yes if results['verdicts'][f'{run}_{yes}'] else no}: loss 1 -> {last} at step {len(loss) - 1}"
    return lines
