"""Helpers shared by the test files."""

import warnings

import numpy as np
import pandas as pd
import pytest


def one_line(error: pytest.ExceptionInfo) -> str:
    """The message of a refusal (``pytest.raises``'s ``ExceptionInfo``), asserted to be one line."""
    message = str(error.value)
    assert "\n" not in message
    return message


def user_warnings(call) -> list[str]:
    """The messages of the UserWarnings that ``call()`` gives, every one (none filtered as repeated)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def tiny_forecaster(**params):
    """A ``rnnkit.Forecaster`` that fits in well under a second: horizon 2, lookback 4, one epoch of a 4-unit net,
    the net alone (``model="direct"``), seed 0; ``params`` override."""
    import rnnkit

    return rnnkit.Forecaster(**{"horizon": 2, "lookback": 4, "hidden_size": 4, "max_epochs": 1,
                                "model": "direct", "random_state": 0, **params})


def run_cli(args, capsys) -> tuple[int, list[str]]:
    """``rnnkit ARGS`` in this process: the exit status and the lines of stderr."""
    from rnnkit.cli import main

    capsys.readouterr()
    try:
        status = main([str(a) for a in args])
    except SystemExit as e:  # argparse's refusals
        status = e.code
    return status, capsys.readouterr().err.splitlines()


def cli_error(args, capsys) -> str:
    """The one line of stderr of ``rnnkit ARGS`` refused with exit status 2."""
    status, err = run_cli(args, capsys)
    assert status == 2, (status, err)
    assert len(err) == 1, err
    return err[0]


def ucr_train(name: str, n: int | None = None, steps: int | None = None, *, batch_first: bool = False
              ) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` training series of sktime's bundled ``load_<name>`` (all where None) cut to ``steps``
    steps, float32, as sktime gives them ``(n, C, T)`` (``batch_first``: ``(n, T, C)``), and their labels as
    sktime's text. Skips the test where sktime is not installed."""
    datasets = pytest.importorskip("sktime.datasets")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X, y = getattr(datasets, f"load_{name}")(split="train", return_type="numpy3D")
    X = X[:n, :, :steps].astype(np.float32)
    return (X.transpose(0, 2, 1) if batch_first else X), np.asarray(y[:n]).astype(str)


def gunpoint_train(n: int, steps: int, *, batch_first: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` GunPoint training series cut to ``steps`` steps (:func:`ucr_train`): labels ``'1'`` /
    ``'2'``."""
    return ucr_train("gunpoint", n, steps, batch_first=batch_first)


# a tiny classifier for sktime's numpy3D (n, channels, T), every rule fixed: fits in a second, reads as given
TINY_NCT = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, batch_size=8, lr=1e-2, lr_schedule=None,
                pooling="final", frontend=None, stride=1, normalise=None, random_state=0, device="cpu", layout="nct")


# `rnnkit train` at a tiny size, and a long CSV for it (the command line's tests)
CLI_QUICK = ["--hidden-size", "4", "--batch-size", "4", "--cell", "gru", "--device", "cpu", "--time-column", "t"]


def long_csv(path, target, steps=4) -> str:
    """A long CSV of len(target) sequences of `steps` steps, one feature, the given target per sequence."""
    rng = np.random.default_rng(0)
    n = len(target)
    pd.DataFrame({"id": np.repeat(np.arange(n), steps), "t": np.tile(np.arange(steps), n),
                  "f1": rng.normal(size=steps * n).round(3), "target": np.repeat(target, steps)}).to_csv(path,
                                                                                                       index=False)
    return str(path)


# a classifier as the deployment tests export and serve it: one member, unidirectional, no front end
TINY_DEPLOY = dict(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False, frontend=None,
                   crop=None)


def deploy_data(seed=2) -> tuple[list[np.ndarray], np.ndarray]:
    """20 sequences of 2-9 steps of 3 features and a label each (whether the first feature's mean is > 0)."""
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(rng.integers(2, 10), 3)) for _ in range(20)]
    return X, np.array([int(x[:, 0].mean() > 0) for x in X])


def deploy_classifier(X, y, times=None, **params):
    """A SequenceClassifier of TINY_DEPLOY's sizes (``params`` over them) fitted on ``X, y`` with its warnings of
    the tiny data silenced: the model the deployment tests export, serve and stream."""
    import rnnkit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return rnnkit.SequenceClassifier(**TINY_DEPLOY | params).fit(X, y, times=times)


def cli_classifier(d) -> tuple:
    """A classifier trained by rnnkit train on 8 sequences in folder ``d``: (its model directory, its data)."""
    from rnnkit.cli import main

    data = long_csv(d / "d.csv", np.arange(8) % 2)
    assert main(["train", data, "--task", "classify", *CLI_QUICK, "--epochs", "1", "--lr-schedule", "none",
                 "--test-fraction", "0", "--out", str(d / "m")]) == 0
    return d / "m", data


def own_fasta(tmp_path, monkeypatch, promoters: int) -> None:
    """A FASTA of 12 random promoters at $RNNKIT_DNA (the dna recipe's own-file path), and a quick run of 1 epoch
    that asks for ``promoters`` for training and as many for testing."""
    from rnnkit.apps import dna

    rng = np.random.default_rng(0)
    path = tmp_path / "dm6_upstream2000.fa"
    path.write_text("".join(f">NM_{i}_up_2000_{'chr2L' if i % 2 else 'chr3R'}_{100 * i}_f\n"
                            f"{''.join(rng.choice(list('ACGT'), dna.UPSTREAM))}\n" for i in range(12)))
    monkeypatch.setenv("RNNKIT_DNA", str(path))
    monkeypatch.setattr(dna, "QUICK", dict(dna.QUICK, train_promoters=promoters, test_promoters=promoters,
                                           max_epochs=1, saliency_promoters=2))


def task_splits(y_train, y_test, T=6, F=2, seed=0) -> tuple:
    """A Task's train, validation and test splits of random ``(n, T, F)`` sequences with the labels given: ``y_test``
    labels the validation and the test split alike."""
    from rnnkit.tasks import Split

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(len(y_train) + 2 * len(y_test), T, F)).astype(np.float32)
    n = len(y_train)
    return (Split(X[:n], y_train), Split(X[n:n + len(y_test)], y_test), Split(X[n + len(y_test):], y_test))
