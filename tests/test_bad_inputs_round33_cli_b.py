"""The command line, thirty-third round, second pass: a regression target written with a typographic minus
(``−3.2``, U+2212) or as percentages, refused as 'not numeric ... use --task classify' with no word of the mark
(the data layer's reading of such numbers, :func:`rnnkit.data.timeseries.marked_numbers`, now words the refusal,
as it does the amounts of C33-03); ``--tbptt-steps`` no shorter than the longest sequence, which cut nothing yet
changed the model without a word."""

import json
import re
import warnings

import numpy as np
import pandas as pd
from helpers import cli_error, run_cli

QUICK = ["--hidden-size", "4", "--batch-size", "4", "--cell", "gru", "--lr-schedule", "none", "--device", "cpu",
         "--epochs", "1", "--time-column", "t", "--test-fraction", "0"]


def _long(n: int = 6) -> pd.DataFrame:
    """n sequences of 5 steps, one feature, a target per sequence from -3 to 3 and a class."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({"id": np.repeat(np.arange(1, n + 1), 5), "t": np.tile(np.arange(5), n),
                         "f1": rng.normal(size=5 * n).round(3), "y": np.repeat(np.linspace(-3.0, 3.0, n), 5),
                         "label": np.repeat(np.where(np.arange(n) % 2, "up", "down"), 5)})


def test_C33_06_a_target_with_a_typographic_minus_or_percentages_is_refused_with_the_line_that_reads_it(
        tmp_path, capsys):
    """`rnnkit train d.csv --task regress --target-column y` where y's negatives are written `−3.0` (U+2212, as a
    word processor or a locale writes them) was refused as `not numeric ...; convert it to numbers, or use --task
    classify`: no word of the sign, and `pd.to_numeric(..., errors='coerce')`, the usual conversion, keeps only the
    positive values. Now the refusal names the sign and gives the pandas line, which reads every value back."""
    frame = _long().drop(columns="label")
    data = tmp_path / "minus.csv"
    frame.assign(y=[f"{v:.1f}".replace("-", "\u2212") for v in frame["y"]]).to_csv(data, index=False)
    said = cli_error(["train", data, "--task", "regress", "--target-column", "y", *QUICK, "--out", tmp_path / "m"],
                     capsys)
    assert said == (
        f"rnnkit train: error: {data}: the target column 'y' holds negative numbers written with the sign '\u2212' "
        "(U+2212, a typographic minus; errors='coerce' would keep only the positive values) (line 2 has "
        "'\u22123.0'; 15 such cells in all), and --task regress reads numbers; convert it, then save the file "
        "again: df = pd.read_csv(path); df['y'] = pd.to_numeric(df['y'].str.replace('\\u2212', '-')); "
        "df.to_csv(new_path, index=False)"), said
    fix = re.search(r"df\['y'\] = (pd\.to_numeric\(.*?\)\));", said).group(1)
    df = pd.read_csv(data)  # noqa: F841 -- read by the advised line
    assert np.allclose(eval(fix).to_numpy(), frame["y"].to_numpy())  # every value, the negatives too
    data = tmp_path / "pct.csv"
    frame.assign(y=[f"{v:.1f}%" for v in frame["y"]]).to_csv(data, index=False)
    said = cli_error(["train", data, "--task", "regress", "--target-column", "y", *QUICK, "--out", tmp_path / "m"],
                     capsys)
    assert said.startswith(f"rnnkit train: error: {data}: the target column 'y' holds percentages (line 2 has "
                           "'-3.0%'; 30 such cells in all), and --task regress reads numbers; convert it, then save "
                           "the file again: df = pd.read_csv(path); df['y'] = pd.to_numeric(df['y'].str.rstrip('%')) "
                           "/ 100 for fractions"), said


def test_C33_07_tbptt_steps_no_shorter_than_every_sequence_is_warned_of(tmp_path, capsys):
    """`rnnkit train ... --tbptt-steps 100` on sequences of 5 steps: truncated BPTT cut nothing (one chunk each,
    full BPTT), yet the rule's choices yielded to it (one direction, no front-end): the option changed the model
    and nothing else, without a word. Now a warning says so; 4 steps, which truncate, say nothing."""
    data = tmp_path / "d.csv"
    _long().drop(columns="y").to_csv(data, index=False)
    base = ["train", data, "--task", "classify", "--target-column", "label", *QUICK]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, err = run_cli([*base, "--tbptt-steps", "100", "--out", tmp_path / "m"], capsys)
        assert status == 0, err
        status, err = run_cli([*base, "--tbptt-steps", "4", "--out", tmp_path / "m4"], capsys)
        assert status == 0, err
    said = [str(w.message) for w in caught if "--tbptt-steps" in str(w.message)]
    assert said == [
        f"{data}: --tbptt-steps 100 is no shorter than the longest sequence (5 steps), so truncated BPTT cuts "
        "nothing: every sequence is one chunk, as in full BPTT; the model still gives up, for truncation's sake, "
        "what the rule would choose for these sequences (--bidirectional); leave --tbptt-steps out "
        "for full BPTT, or give fewer than 5 steps to truncate"], said
    rule = json.loads((tmp_path / "m" / "config.json").read_text())["fitted"]["rule_"]
    assert "with tbptt_steps=100: bidirectional=False" in rule, rule  # as the estimator records what yielded


def test_C33_08_resume_of_a_checkpoint_from_another_rnnkit_version_says_so_not_that_the_settings_differ(tmp_path):
    """A run begun by an rnnkit whose estimator had no `label_smoothing` (an older version: its checkpoint records
    the parameters it had), resumed after an upgrade with the same data and settings, was refused as `belongs to
    another run: label_smoothing None then, 'auto' now. Resume with the same data and settings`: a setting the
    user never gave, and advice they had followed. Now the refusal names the version."""
    import pytest
    import torch

    import rnnkit
    from rnnkit.training.runs import CHECKPOINT, RUN_KEY, AnotherRun

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 5, 1)).astype(np.float32), np.array([0, 1] * 3)
    make = lambda: rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, batch_size=4, lr_schedule=None,
                                             log_dir=str(tmp_path), random_state=0)
    make().fit(X, y)
    path = tmp_path / CHECKPOINT
    checkpoint = torch.load(path, weights_only=False)
    del checkpoint[RUN_KEY]["params"]["label_smoothing"]  # as an rnnkit without that parameter wrote it
    torch.save(checkpoint, path)
    with pytest.raises(AnotherRun) as refused:
        make().fit(X, y, resume=True)
    assert str(refused.value) == (
        f"{path} was written by another version of rnnkit: it records no ['label_smoothing'] (parameters of this "
        "rnnkit that it had not), so this rnnkit cannot continue that run as it began; resume it with the rnnkit "
        "version that began it, or remove the checkpoint to start over")
