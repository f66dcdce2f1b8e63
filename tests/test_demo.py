"""`rnnkit demo` (the README's main job) and `rnnkit clipping`, run through the CLI with tiny budgets."""

import json
import re

import pytest

from rnnkit.cli import main
from rnnkit.compare import verdict

STRICT = {"parse_constant": lambda c: pytest.fail(f"{c} in a JSON file: not JSON")}


def test_demo_writes_every_output_and_a_verdict_beside_chance_for_each_cell(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--steps", "4", "--length", "10", "--hidden", "4", "--seed", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    summary = (out / "report.md").read_text()
    assert summary.startswith("# rnnkit demo: RNN, LSTM and GRU")
    verdicts = summary.split("```text\n")[1].split("\n```")[0]
    assert verdicts.count("\n") == 7 and verdicts in printed  # the summary printed is the one written
    page = json.loads((out / "report.json").read_text(), **STRICT)
    html = (out / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 6  # three plots per task, on one page
    for task, T, metric in (("adding", 10, "mse"), ("digits", 8, "accuracy")):
        data = json.loads((out / task / "report.json").read_text(), **STRICT)["results"]
        assert page["results"][task] == data
        assert data["first_seed"] == 2 and data["steps"] == 4 and data["hidden_size"] == 4
        (info,) = data["task_info"].values()  # keyed by the sequences' length: "10", and "8" for digits
        assert info["T"] == T and info["metric"] == metric
        for cell in ("rnn", "lstm", "gru"):
            (run,) = data["runs"][cell]
            assert run["seed"] == 2 and run["steps"] == 4 and run["length"] == T
            # the line names the figure, the chance level beside it and the verdict the JSON implies
            line = f"  {cell:4s} {metric} {run['test_metric']:.4g} (chance {info['chance']:.4g}): "
            assert line + verdict(info, run["test_metric"]) in summary
        assert f"{task}, T = {T}: test {metric}; chance {info['chance']:.4g}" in summary
        assert (out / task / "report.md").read_text().startswith(f"# {task}: rnn, lstm, gru")
        assert f"## {task}: rnn, lstm, gru" in summary and f"<h2>{task}: rnn, lstm, gru</h2>" in html
        for name in ("learning_curves.png", "metric_vs_length.png", "gradient_flow.png"):
            assert (out / task / name).read_bytes()[:4] == b"\x89PNG"
            assert (out / f"{task}_{name}").read_bytes() == (out / task / name).read_bytes()
    assert re.search(r"A short run: one seed \(2\), 4 optimizer steps per cell, hidden size 4\. It can show .* "
                     r"It cannot show .* For the full comparison: rnnkit compare ", summary)


def test_demo_verdict_is_the_success_bar():
    mse = {"metric": "mse", "chance": 1 / 6, "success_bar": 0.01}
    accuracy = {"metric": "accuracy", "chance": 0.1, "success_bar": 0.91}
    assert [verdict(mse, v) for v in (0.009, 0.01, 0.17)] == ["solved", "not solved", "not solved"]
    assert [verdict(accuracy, v) for v in (0.92, 0.91, 0.5)] == ["solved", "solved", "not solved"]


def test_clipping_through_the_cli(tmp_path, capsys):
    assert main(["clipping", "--out", str(tmp_path / "k"), "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert "unclipped: diverged: loss 1 -> overflow" in printed and "clipped: converged: loss 1 -> " in printed
    clip = json.loads((tmp_path / "k" / "report.json").read_text(), **STRICT)["results"]  # overflow: null
    assert clip["params"]["seed"] == 3 and clip["params"]["radius"] == 2.0
    assert clip["verdicts"]["unclipped_diverged"] and clip["verdicts"]["clipped_converged"]
    assert clip["unclipped"]["loss"][1] == pytest.approx(clip["predicted"]["first_step_loss_unclipped"], rel=1e-9)
    assert clip["unclipped"]["loss"][-1] is None
    assert clip["clipped"]["loss"][-1] < 1.01 * clip["predicted"]["clipped_loss_bound"]
    md = (tmp_path / "k" / "report.md").read_text()
    assert "| unclipped | 1 | 1.58e+08 |" in md and "| converged: loss 1 -> " in md and "](clipping.png)" in md
    assert (tmp_path / "k" / "clipping.png").read_bytes()[:4] == b"\x89PNG"
    html = (tmp_path / "k" / "report.html").read_text()
    assert "<td>unclipped</td>" in html and html.count('src="data:image/png;base64,') == 1
    assert main(["clipping", "--out", str(tmp_path / "w"), "--radius", "1", "--seed", "0"]) == 0
    assert "unclipped: did not diverge" in capsys.readouterr().out  # radius 1: nothing explodes
