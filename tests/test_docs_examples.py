"""The ```python examples of README.md, docs/*.md and docs/apps/*.md, as a new user copies them.

Each block is read from its page at test time and classified below, so a block added to a page without a
plan fails `test_every_block_has_a_plan`. Cheap blocks run as written, in a temporary working directory, in
one namespace per page (a block may continue an earlier one of its page), and the values their comments state
are checked. Blocks too slow for the suite (long training, servers, GPUs) are compiled, and every name they
import or read from ``rnnkit`` must exist, with the keyword arguments they pass to what they import.
docs/bad_inputs.md is a catalogue of error messages, not examples, and is not read.
"""

import ast
import importlib
import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["README.md"] + sorted(
    str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md") if p.name != "bad_inputs.md"
) + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "apps").glob("*.md"))
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(page: str) -> list[str]:
    return FENCE.findall((ROOT / page).read_text())


# (page, index of the block on its page) -> "run", or the reason it is only compiled.
RUN = "run"
SLOW = "compiled only: "
PLAN = {
    ("README.md", 0): RUN,
    ("docs/data_kinds.md", 0): RUN,
    ("docs/data_kinds.md", 1): RUN,
    ("docs/data_timeseries.md", 0): RUN,
    ("docs/data_timeseries.md", 1): RUN,
    ("docs/deploy.md", 0): RUN,
    ("docs/diagnostics.md", 0): RUN,
    ("docs/diagnostics.md", 1): RUN,
    ("docs/diagnostics.md", 2): RUN,  # trained_model: a stand-in, as its text describes it
    ("docs/diagnostics.md", 3): RUN,  # probabilities: a stand-in of the shape its comment gives
    ("docs/diagnostics.md", 4): RUN,
    ("docs/forecasting.md", 0): SLOW + "trains the default combination's nets on 144 months (~14 s)",
    ("docs/forecasting.md", 1): SLOW + "trains the default combination (~4 s) after block 0",
    ("docs/forecasting.md", 2): SLOW + "sktime's evaluate refits on two folds after block 0 (~5 s)",
    ("docs/forecasting.md", 3): SLOW + "fit and a three-fold backtest (~50 s)",
    ("docs/forecasting.md", 4): SLOW + "the reproduction script of a table (18 fits, minutes)",
    ("docs/forecasting.md", 5): SLOW + "the reproduction script of a table (six backtests, minutes)",
    ("docs/forecasting.md", 6): SLOW + "needs the user's panel; two global fits (~15 s on a stand-in)",
    ("docs/layers.md", 0): RUN,
    ("docs/long_series.md", 0): RUN,
    ("docs/long_series.md", 1): SLOW + "3 networks of 86 epochs on GunPoint (minutes)",
    ("docs/training.md", 0): SLOW + "20 epochs of a bidirectional GRU (~10 s)",
    ("docs/training.md", 1): SLOW + "an excerpt of SequenceModule.training_step (self, opt, batch)",
    ("docs/training.md", 2): SLOW + "30 epochs with logs and checkpoints",
    ("docs/training.md", 3): SLOW + "resumes the checkpoint of block 2",
    ("docs/training.md", 4): SLOW + "50 epochs, a killed process and a resumed Forecaster",
    ("docs/training.md", 5): SLOW + "needs 4 to 32 GPUs",
    ("docs/training.md", 6): SLOW + "needs 4 GPUs",
    ("docs/apps/stocks.md", 0): SLOW + "the full app: five seeds on 20 years (minutes)",
}

# Stand-ins for what a block's text says the user brings, set before the block runs (the block itself runs as
# written).
STAND_INS = {
    ("docs/diagnostics.md", 2): (
        "from rnnkit.models import SequenceToLabel\ntrained_model = SequenceToLabel(4, 16, 3)\n"
    ),
    ("docs/diagnostics.md", 3): (
        "import numpy as np\nfrom rnnkit.tasks import get_task\n_test = get_task('copy', T=200).test\n"
        "probabilities = np.full(_test.y.shape + (9,), 1 / 9)\n"
    ),
}


def check_readme(ns):
    assert tuple(ns["out"].shape) == (32, 100, 128)
    assert tuple(ns["state"].h.shape) == tuple(ns["state"].c.shape) == (32, 4, 64)
    assert ns["lstm"].last_backend == "native"
    assert (Path("models/long-or-short") / "config.json").exists()


def check_data_kinds(ns):
    batch = ns["batch"]
    assert batch.lengths.dtype == torch.int64 and batch.mask.dtype == torch.bool
    assert torch.equal(batch.mask, torch.arange(batch.x.shape[1]) < batch.lengths[:, None])
    assert len(ns["x_tr"]) == 20000 and len(ns["x_te"]) == 5000


def check_data_timeseries(ns):
    split = ns["split"]
    assert (split.train, split.val, split.test) == (range(0, 1598), range(1598, 1941), range(1941, 2284))
    assert tuple(ns["train"].input_names) == ("co2", "month_sin", "month_cos", "co2_mask", "co2_since")
    first = next(iter(ns["train"].loader(256, shuffle=True)))
    shapes = {k: tuple(v.shape) for k, v in first.items()}
    assert shapes == {"x": (256, 52, 5), "y": (256, 4, 1), "future": (256, 4, 2), "y_mask": (256, 4, 1)}
    assert tuple(ns["ppm"].shape[1:]) == (4, 1)
    assert (len(ns["fit_ds"]), len(ns["eval_ds"])) == (97, 1)  # the last of 61, 73, 85, 97 windows


def check_deploy(ns):
    out, clf = ns["out"], ns["clf"]
    assert out.prediction in clf.classes_ and out.probabilities.sum() == pytest.approx(1, abs=1e-5)
    assert {"sequence.onnx", "step.onnx", "export.json"} <= {p.name for p in Path("exports/updown").iterdir()}


def check_diagnostics(ns):
    assert ns["rnn"].reach == {"l0": 11} and ns["lstm"].reach == {"l0": 23}
    assert list(ns["stats"].frame().columns) == ["saturated", "low", "high", "mean"]
    assert tuple(ns["states"].states["l0"]["h"].shape) == (16, 100, 32)
    assert tuple(ns["s"].grad_times_input.shape) == tuple(ns["s"].abs_grad.shape) == (16, 100)
    assert ns["task"].kind == "tag" and ns["task"].output_size == 9
    assert ns["task"].score(ns["probabilities"], split="test") == pytest.approx(math.log(9), rel=1e-6)
    assert ns["demo"].unclipped_diverged and ns["demo"].clipped_converged


def check_layers(ns):
    out, _ = ns["layer"](torch.randn(4, 10, 8), torch.tensor([10, 7, 3, 1]))
    assert tuple(out.shape) == (4, 10, 64)


def check_long_series(ns):
    assert ns["model"].frontend is not None


CHECKS = {
    "README.md": check_readme,
    "docs/data_kinds.md": check_data_kinds,
    "docs/data_timeseries.md": check_data_timeseries,
    "docs/deploy.md": check_deploy,
    "docs/diagnostics.md": check_diagnostics,
    "docs/layers.md": check_layers,
    "docs/long_series.md": check_long_series,
}


def test_every_block_has_a_plan():
    found = {(page, i) for page in PAGES for i in range(len(blocks(page)))}
    assert found == set(PLAN), f"blocks without a plan: {sorted(found - set(PLAN))}; plans without a block: " \
                               f"{sorted(set(PLAN) - found)}"


@pytest.mark.parametrize("page", sorted({page for (page, _), how in PLAN.items() if how == RUN}))
def test_examples_run_as_written(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    np.random.seed(0)
    ns = {"__name__": "__docs__"}
    for i, src in enumerate(blocks(page)):
        if PLAN[(page, i)] != RUN:
            continue
        exec(compile(STAND_INS.get((page, i), ""), f"<stand-in {page}[{i}]>", "exec"), ns)
        exec(compile(src, f"{page}[{i}]", "exec"), ns)
    CHECKS[page](ns)


def imported_names(src: str, ns: dict) -> None:
    """Runs the imports of ``src`` into ``ns``: each module and name must exist."""
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            exec(compile(ast.Module([node], []), "<imports>", "exec"), ns)


def rnnkit_attribute(node) -> list[str] | None:
    """``rnnkit.a.b`` as ["a", "b"], or None for another expression."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return parts[::-1] if isinstance(node, ast.Name) and node.id == "rnnkit" else None


def resolve(parts: list[str]):
    obj = importlib.import_module("rnnkit")
    for part in parts:
        obj = getattr(obj, part, None)
    return obj


def accepts(fn, keywords) -> list[str]:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return []
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return []
    return [k for k in keywords if k not in params]


@pytest.mark.parametrize("page, index", sorted(k for k, how in PLAN.items() if how != RUN))
def test_slow_examples_compile_and_name_what_exists(page, index):
    srcs = blocks(page)
    src = srcs[index]
    compile(src, f"{page}[{index}]", "exec")
    ns = {}
    for earlier in srcs[: index + 1]:  # a block may use what an earlier block of its page imported
        imported_names(earlier, ns)
    bad = []
    for node in ast.walk(ast.parse(src)):
        parts = rnnkit_attribute(node) if isinstance(node, ast.Attribute) else None
        if parts and resolve(parts) is None:
            bad.append("rnnkit." + ".".join(parts))
        if isinstance(node, ast.Call):
            fn = ns.get(node.func.id) if isinstance(node.func, ast.Name) else None
            if isinstance(node.func, ast.Attribute) and rnnkit_attribute(node.func):
                fn = resolve(rnnkit_attribute(node.func))
            if callable(fn) and getattr(fn, "__module__", "").startswith("rnnkit"):
                keywords = [kw.arg for kw in node.keywords if kw.arg]
                bad += [f"{ast.unparse(node.func)}({k}=)" for k in accepts(fn, keywords)]
    assert not bad, f"{page}[{index}] uses names that do not exist: {bad}"


def test_training_loop_excerpt_names_the_module_s_methods():
    """docs/training.md's loop is an excerpt of SequenceModule.training_step: the methods it calls exist."""
    from rnnkit.training import SequenceModule, detach_state

    src = blocks("docs/training.md")[1]
    calls = [n.func for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Call)]
    called = {f.attr for f in calls if isinstance(f, ast.Attribute) and ast.unparse(f.value) == "self"}
    assert called == {"chunks", "chunk_outputs", "loss", "check_finite", "manual_backward", "clip_gradients_"}
    assert all(callable(getattr(SequenceModule, name)) for name in called) and callable(detach_state)
