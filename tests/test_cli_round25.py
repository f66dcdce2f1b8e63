"""The command line with a user's own files, twenty-fifth round: a wide CSV whose steps are named otherwise."""

import warnings

import numpy as np
import pytest

from rnnkit.cli import main

QUICK = ["--epochs", "1", "--hidden-size", "4", "--batch-size", "16"]


def _wide(path, columns, seed=0):
    rng = np.random.default_rng(seed)
    rows = [",".join([*columns, "label"])]
    rows += [",".join(f"{v:.3f}" for v in rng.normal(size=len(columns))) + f",{i % 2}" for i in range(12)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_E25_01_a_wide_csv_that_skips_training_steps_is_warned_of(tmp_path, capsys):
    """A wide model (steps t0 .. t9) given a file whose columns t8, t9 are absent and t10, t11 new: read by
    position, t10 as the model's t8, without a word; now warned of, naming both; a file that only goes on
    past the training steps (t0 .. t11), or the training columns, gives none."""
    trained = [f"t{k}" for k in range(10)]
    data = _wide(tmp_path / "w.csv", trained)
    assert main(["train", str(data), "--layout", "wide", "--task", "classify", "--target-column", "label", *QUICK,
                 "--out", str(tmp_path / "m")]) == 0
    skipped = _wide(tmp_path / "skipped.csv", trained[:8] + ["t10", "t11"], seed=1)
    for command in ("predict", "evaluate"):
        with pytest.warns(UserWarning, match=r"skipped.csv: step 9 of the file is column 't10', but 't8' at training "
                                             r"\(2 of the training steps are absent: \['t8', 't9'\]\); a wide CSV's "
                                             r"columns are read as the steps by position"):
            assert main([command, str(tmp_path / "m"), str(skipped)]) == 0
    capsys.readouterr()
    longer = _wide(tmp_path / "longer.csv", [f"t{k}" for k in range(12)], seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert main(["predict", str(tmp_path / "m"), str(longer)]) == 0
        assert main(["predict", str(tmp_path / "m"), str(data)]) == 0
