"""Lightning loads when training starts, not before: importing rnnkit, building and checking an estimator,
a fit refused for its settings or data, loading a saved model and predicting with it, and command lines that
fail on bad input, all run without importing ``lightning`` (about 3 s of a cold start; docs/performance.md).
Each case runs in a fresh interpreter; the last one checks that a fit does import it, so the check can fail."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from rnnkit.estimators import SequenceClassifier

ENV = os.environ | {"OMP_NUM_THREADS": "1",
                    "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")])}
X = [np.random.default_rng(i).normal(size=(4 + i % 3, 2)).astype(np.float32) for i in range(8)]
Y = [i % 2 for i in range(8)]


def run(code: str) -> str:
    """Run ``code`` in a fresh interpreter; its stdout."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=ENV, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def imported(args: list[str], cwd) -> tuple[int, set[str], str]:
    """Run ``python -m rnnkit.cli *args`` with ``-X importtime``: its exit status, the top-level packages it
    imported, and its stderr less the import lines."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "rnnkit.cli", *args], env=ENV, cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    lines = done.stderr.splitlines()
    modules = {line.split("|")[-1].strip().split(".")[0] for line in lines if line.startswith("import time:")}
    return done.returncode, modules, "\n".join(line for line in lines if not line.startswith("import time:"))


def test_import_construct_check_and_refuse_without_lightning():
    out = run(f"""
        import sys
        import numpy as np
        import rnnkit, rnnkit.estimators, rnnkit.training
        from rnnkit import SequenceClassifier, SequenceRegressor, SequenceTagger
        X, y = {[x.tolist() for x in X]!r}, {Y!r}
        X = [np.asarray(x) for x in X]
        est = SequenceClassifier(hidden_size=4)
        est.get_params(); est.set_params(lr=1e-2); SequenceRegressor(); SequenceTagger()
        refused = []
        for bad, data in [(dict(lr=-1), (X, y)), (dict(batching="sorted"), (X, y)), (dict(device="tpu"), (X, y)),
                          ({{}}, ([x * np.nan for x in X], y)), ({{}}, (X, [0] * 8)), ({{}}, (X, y[:3])),
                          (dict(early_stopping_patience=2, validation_fraction=0.99), (X[:2], y[:2]))]:
            try:
                SequenceClassifier(**bad).fit(*data)
            except ValueError as e:
                refused.append(str(e).split(":")[0])
        print(len(refused), "lightning" in sys.modules)
    """)
    assert out.split() == ["7", "False"]


def test_load_and_predict_without_lightning(tmp_path):
    est = SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, device="cpu").fit(X, Y)
    est.save(tmp_path / "model")
    out = run(f"""
        import sys
        import numpy as np
        import rnnkit
        est = rnnkit.load({str(tmp_path / "model")!r})
        X = [np.asarray(x, dtype=np.float32) for x in {[x.tolist() for x in X]!r}]
        print(est.predict(X).tolist(), "lightning" in sys.modules)
    """)
    assert out.split("]")[-1].split() == ["False"]
    assert out.startswith(str(est.predict(X).tolist()))  # the saved model, not a fresh one


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "d.csv"
    rows = [{"id": f"s{i}", "t": t, "f1": float(x[t, 0]), "f2": float(x[t, 1]), "target": "ab"[y]}
            for i, (x, y) in enumerate(zip(X, Y, strict=True)) for t in range(len(x))]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_cli_runs_refused_for_bad_input_and_predict_do_not_import_lightning(table, tmp_path):
    status, modules, err = imported(["train", str(table), "--task", "classify", "--target-column", "label",
                                     "--out", str(tmp_path / "m")], tmp_path)
    assert status == 2 and "['label'] not found" in err
    assert "rnnkit" in modules and "lightning" not in modules
    status, modules, err = imported(["train", str(table), "--task", "classify", "--time-column", "t",
                                     "--epochs", "0", "--out", str(tmp_path / "m")], tmp_path)
    assert status == 2 and "--epochs" in err and "lightning" not in modules
    model = tmp_path / "model"
    SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, device="cpu").fit(X, Y).save(model)
    status, modules, err = imported(["predict", str(model), str(table), "--id-column", "key"], tmp_path)
    assert status == 2 and "['key'] not found" in err and "torch" in modules and "lightning" not in modules
    # and a prediction that succeeds needs no Lightning either
    status, modules, err = imported(["predict", str(model), str(table), "--time-column", "t"], tmp_path)
    assert status == 0 and "lightning" not in modules, err


def test_a_fit_does_import_lightning(table, tmp_path):
    status, modules, err = imported(["train", str(table), "--task", "classify", "--time-column", "t",
                                     "--epochs", "1", "--hidden-size", "4", "--out", str(tmp_path / "m")],
                                    tmp_path)
    assert status == 0, err
    assert "lightning" in modules
