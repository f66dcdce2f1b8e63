"""Long-memory benchmark tasks with stated chance levels, and the exploding-gradient demo.

Every task is a :class:`Task` (train/val/test arrays, kind, output size, metric, chance level), built by name:

    task = get_task("adding", T=200)
    X, y = task.train

========================  =========  ================================  =====================================
name                      kind       data                              chance level (metric)
========================  =========  ================================  =====================================
``"adding"``              regress    two channels, T steps             predict 1: MSE ≈ 1/6
``"copy"``                tag        10 symbols to recall after T      memoryless: 10 ln 8 / (T + 20) nats
``"digits"``              classify   8×8 digits row by row, T = 8      majority class: accuracy ≈ 0.10
``"permuted_digits"``     classify   pixel by pixel permuted, T = 64   majority class: accuracy ≈ 0.10
``"mnist1d"``             classify   MNIST-1D, T = 40                  majority class; published baselines
========================  =========  ================================  =====================================
"""

import inspect

from ..checks import closest_name, fold_name, int_meant_fix, is_count, is_integer
from .base import METRICS, Split, Task
from .digits import digit_sequences, digits_task, permuted_digits_task
from .exploding import ExplodingGradientDemo, TrainingCurve, exploding_gradient_demo
from .mnist1d import MNIST1D_BASELINES, load_mnist1d, mnist1d_task
from .synthetic import (
    ADDING_CHANCE_MSE,
    adding_problem,
    adding_task,
    copy_chance_cross_entropy,
    copy_memory,
    copy_task,
)

TASKS = {
    "adding": adding_task,
    "copy": copy_task,
    "digits": digits_task,
    "permuted_digits": permuted_digits_task,
    "mnist1d": mnist1d_task,
}
"""Task name -> builder taking keyword parameters."""

# the options that are counts, with their least value: a split of no sequence has nothing to train, validate or
# score on, and numpy's seeding refuses a negative seed in its own words
COUNT_OPTIONS = {"n_train": 1, "n_val": 1, "n_test": 1, "seed": 0, "permutation_seed": 0}


def options_of(builder) -> list[str]:
    """The keyword options a task builder takes: its own and, where it passes ``**kwargs`` on (its
    ``passes_on = (builder, options it sets itself)``), that builder's others."""
    params = inspect.signature(builder).parameters
    own = [k for k, p in params.items() if p.kind is not p.VAR_KEYWORD]
    target, fixed = getattr(builder, "passes_on", (None, ()))
    if target is None:
        return list(params)
    return own + [k for k in options_of(target) if k not in own and k not in fixed]


def _default_of(builder, option: str):
    """The default of ``option`` in ``builder`` or the builder it passes its ``**kwargs`` on to."""
    parameter = inspect.signature(builder).parameters.get(option)
    if parameter is not None and parameter.kind is not parameter.VAR_KEYWORD:
        return parameter.default
    target, _ = getattr(builder, "passes_on", (None, ()))
    return None if target is None else _default_of(target, option)


def has_length(name) -> bool:
    """Whether ``name`` is a task of :data:`TASKS` whose sequence length is its option ``T``."""
    return isinstance(name, str) and name in TASKS and "T" in inspect.signature(TASKS[name]).parameters


def task_name_guess(name) -> str:
    """``"did you mean 'adding'? "`` for a task name given in another case or spelling (``"Adding"``,
    ``"permuted-digits"``), else ``""``. Names are exact, as the command line's ``--task`` takes them (and
    scikit-learn its options' names): a guess is said, never taken."""
    text = fold_name(name, "-") if isinstance(name, str) else None
    close = text if text in TASKS else closest_name(text, TASKS, cutoff=0.5)
    return f"did you mean {close!r}? " if close else ""


def unknown_options_hint(name: str, unknown: list) -> str:
    """``"did you mean 'T' for 't'? "`` for options of task ``name`` given in another case or spelling
    (``'t'``, ``'n-train'``, ``'n_trian'``), else ``""``: said, never taken, as a task's name."""
    accepted = options_of(TASKS[name])
    folded = {k.lower(): k for k in accepted}
    guesses = []
    for option in unknown:
        text = fold_name(option, "-") if isinstance(option, str) else None
        close = folded.get(text) or closest_name(text, accepted)
        if close:
            guesses.append(f"{close!r} for {option!r}")
    return f"did you mean {', '.join(guesses)}? " if guesses else ""


def get_task(name: str, **params) -> Task:
    """Build the task ``name`` (a key of :data:`TASKS`) with its keyword ``params`` (see each builder)."""
    if not isinstance(name, str) or name not in TASKS:
        raise ValueError(f"get_task: unknown task {name!r}; {task_name_guess(name)}choose from {list(TASKS)}")
    accepted = options_of(TASKS[name])
    if unknown := [k for k in params if k not in accepted]:
        raise ValueError(f"get_task: task {name!r} has no option(s) {unknown}; {unknown_options_hint(name, unknown)}"
                         f"its options are {accepted}")
    for option, least in COUNT_OPTIONS.items():
        value = params.get(option)
        if value is None and option in params and _default_of(TASKS[name], option) is not None:
            # seed=None would draw the task afresh on every call (numpy's and scikit-learn's unseeded habit), and
            # permuted_digits' permutation_seed=None read the pixels in their order, unpermuted
            what = ("read the pixels unpermuted (the 'digits' task by pixel)" if option == "permutation_seed" else
                    "draw a new, unrepeatable task on every call" if option == "seed" else
                    "leave that split without a size")
            raise ValueError(f"get_task: {option}=None would {what} for task {name!r}; give an integer >= {least} "
                             f"(default {_default_of(TASKS[name], option)!r})")
        if value is not None and not is_count(value, least):
            raise ValueError(f"get_task: {option} must be an integer >= {least} for task {name!r}, got {value!r}"
                             f"{int_meant_fix(option, value, least)}")
    if "T" in params and not is_integer(params["T"]):
        raise ValueError(f"get_task: T must be an integer (the sequence length) for task {name!r}, got "
                         f"{params['T']!r}{int_meant_fix('T', params['T'], 1)}")
    return TASKS[name](**params)


__all__ = [
    "ADDING_CHANCE_MSE",
    "METRICS",
    "MNIST1D_BASELINES",
    "TASKS",
    "ExplodingGradientDemo",
    "Split",
    "Task",
    "TrainingCurve",
    "adding_problem",
    "adding_task",
    "copy_chance_cross_entropy",
    "copy_memory",
    "copy_task",
    "digit_sequences",
    "digits_task",
    "exploding_gradient_demo",
    "get_task",
    "has_length",
    "task_name_guess",
    "load_mnist1d",
    "mnist1d_task",
    "permuted_digits_task",
]
