"""Twentieth round (L20): the diagnostics, the comparison, the report and the trainer's loose ends, tried as a new
user would on sktime's ItalyPowerDemand (24 steps) and the copy task. Each test fails on the code before its fix."""

import json
import os

import numpy as np
import pytest
import torch
from helpers import one_line, ucr_train
from matplotlib.figure import Figure

import rnnkit
from rnnkit.compare import compare
from rnnkit.diagnostics import gradient_flow, saliency
from rnnkit.models import SequenceToLabel
from rnnkit.report import write_report
from rnnkit.training import SequenceDataset, SequenceModule, make_trainer


@pytest.fixture(scope="module")
def italy():
    """The first 16 ItalyPowerDemand training series, ``(16, 24, 1)`` float32."""
    return ucr_train("italy_power_demand", 16, batch_first=True)[0]


def test_l20_01_saliency_of_a_tagger_given_a_label_names_the_callable_with_that_labels_index(italy):
    X = italy
    y = np.where(X[..., 0] > X[..., 0].mean(1, keepdims=True), "high", "low")  # each hour above its day's mean
    tagger = rnnkit.SequenceTagger(cell="gru", hidden_size=4, max_epochs=1, batch_size=8, random_state=0,
                                   device="cpu").fit(X, y)
    assert list(tagger.classes_) == ["high", "low"]
    with pytest.raises(ValueError) as err:
        saliency(tagger, X, target="low")
    message = one_line(err)
    assert message.startswith("saliency: target='low' names a class, but the model's output (16, 24, 2) holds one "
                              "score per step and class")
    assert "lambda out: out[:, t, 1]" in message  # 'low' is class 1 of classes_
    # the callable the line names runs: the logit of 'low' at the last step
    s = saliency(tagger, X, target=lambda out: out[:, -1, 1])
    assert s.gradient.shape == (16, 24, 1) and np.isfinite(s.score).all()


def test_l20_02_write_report_to_a_file_or_under_one_names_the_path(tmp_path):
    file = tmp_path / "results.txt"
    file.write_text("kept")
    for directory, where in ((file, "is a file"), (file / "run", f"lies under {str(file)!r}, which is a file")):
        with pytest.raises(ValueError) as err:
            write_report(directory, title="t", results={"a": 1}, markdown="body")
        assert one_line(err) == (f"write_report: {str(directory)!r} {where}; give a directory for the report (it is "
                                 "created if missing)")
    assert file.read_text() == "kept"
    assert sorted(write_report(tmp_path / "new", title="t", results={"a": 1}, markdown="body")) == [
        "report.html", "report.json", "report.md"]


def test_l20_03_compare_log_none_runs_without_lines_and_another_log_is_refused(capsys):
    options = dict(lengths=(3,), cells=("rnn",), seeds=1, steps=2, eval_every=1, hidden_size=4, batch_size=8,
                   task_params={"n_train": 16, "n_val": 8, "n_test": 8}, device="cpu")
    results = compare("copy", log=None, **options)
    assert capsys.readouterr().out == ""  # no line per run
    assert results["runs"]["rnn"][0]["steps"] == 2
    with pytest.raises(ValueError) as err:
        compare("copy", log="quiet", **options)
    assert one_line(err) == ("compare: log must be a callable taking one line per run (e.g. print, or logger.info) "
                             "or None for no lines, got 'quiet'")


def test_l20_04_gradient_flow_seed_out_of_torchs_range_and_plot_on_no_axes_are_named():
    layer = rnnkit.LSTM(2, 3)
    x = torch.randn(2, 5, 2)
    for seed in (2**70, -(2**63) - 1, 2**64):
        with pytest.raises(ValueError) as err:
            gradient_flow(layer, x, seed=seed)
        assert one_line(err) == (f"gradient_flow: seed must be an integer from -2**63 to 2**64 - 1 (a torch.Generator "
                                 f"seed), got {seed}")
    flow = gradient_flow(layer, x, seed=2**64 - 1)  # the range's ends still run
    assert flow.by_lag and gradient_flow(layer, x, seed=-(2**63)).by_lag
    with pytest.raises(ValueError) as err:
        flow.plot(ax="a")
    assert one_line(err) == ("GradientFlow.plot: ax must be a matplotlib Axes to draw on (e.g. fig.subplots()) or "
                             "None for a new figure, got str 'a'")
    ax = Figure().subplots()
    assert flow.plot(ax=ax) is ax.figure


def test_l20_05_enable_checkpointing_without_log_dir_is_refused_and_false_with_it_keeps_the_logs(tmp_path):
    cwd = os.getcwd()
    os.chdir(tmp_path)  # where Lightning's own checkpoints would have gone
    try:
        with pytest.raises(ValueError) as err:
            make_trainer(device="cpu", enable_checkpointing=True)
    finally:
        os.chdir(cwd)
    assert one_line(err).startswith("make_trainer: enable_checkpointing=True without log_dir would have Lightning "
                                    "write checkpoints into the working directory with its own, non-atomic writer; "
                                    "pass log_dir=...")
    assert list(tmp_path.iterdir()) == []
    # with log_dir, checkpoints are ours (atomic), and enable_checkpointing=False keeps the logs alone
    assert type(make_trainer(device="cpu", log_dir=tmp_path / "a").strategy.checkpoint_io).__name__ == \
        "AtomicCheckpointIO"
    trainer = make_trainer(device="cpu", log_dir=tmp_path / "b", enable_checkpointing=False)
    assert trainer.checkpoint_callbacks == [] and len(trainer.loggers) == 2


def test_l20_06_compare_task_info_and_summary_are_keyed_by_the_same_sequence_length():
    results = compare("copy", lengths=(3,), cells=("rnn",), seeds=1, steps=2, eval_every=1, hidden_size=4,
                      batch_size=8, task_params={"n_train": 16, "n_val": 8, "n_test": 8}, device="cpu",
                      log=lambda line: None)
    (key,) = results["task_info"]
    assert key == "23" and list(results["summary"]["rnn"]) == ["23"]  # the copy task's T is its delay: T + 20 steps
    info = results["task_info"]["23"]
    assert info["T"] == 23 and info["length"] == 3 and results["lengths"] == [3]
    assert json.loads(json.dumps(results, default=float))["task_info"]["23"]["length"] == 3


def test_l20_07_a_modules_diagnostic_given_text_labels_says_to_map_them_to_class_ids(italy):
    X = italy[:8]
    y = np.array(["1", "2", "2", "1", "1", "2", "1", "2"])  # sktime's labels, as loaded
    torch.manual_seed(0)
    net = SequenceToLabel(1, 4, 2)
    with pytest.raises(ValueError) as err:
        gradient_flow(net, X, y)
    assert one_line(err) == ("gradient_flow: y holds labels ['1', '2'], but a module's loss reads numbers: class ids "
                             "0 to C - 1 (e.g. np.unique(y, return_inverse=True)[1], in the order of the network's "
                             "outputs) or float targets; an rnnkit estimator takes its own labels")
    with pytest.raises(ValueError, match=r"y holds labels \['1', '2'\]"):
        gradient_flow(net, X, list(y.astype(object)))
    # the ids the line names run, as integer y did
    ids = np.unique(y, return_inverse=True)[1]
    assert gradient_flow(net, X, ids).reach == gradient_flow(net, X, torch.as_tensor(ids)).reach


def test_l20_08_write_report_figures_not_a_dict_of_figures_are_named_before_anything_is_written(tmp_path):
    layer = rnnkit.LSTM(2, 3)
    flow = gradient_flow(layer, torch.randn(2, 5, 2))
    for figures, message in (
        ({"flow": flow}, "write_report: figures['flow'] is a GradientFlow, not a matplotlib Figure (draw it first: "
                         "figures={'flow': result.plot()})"),
        ([flow.plot()], "write_report: figures must be a dict of name -> matplotlib Figure (e.g. {'curves': fig}), "
                        "got list"),
    ):
        with pytest.raises(ValueError) as err:
            write_report(tmp_path / "r", title="t", results={}, markdown="body", figures=figures)
        assert one_line(err) == message
        assert not (tmp_path / "r").exists()
    paths = write_report(tmp_path / "r", title="t", results={}, markdown="body", figures={"flow": flow.plot()})
    assert (tmp_path / "r" / "flow.png").read_bytes()[:4] == b"\x89PNG" and "flow.png" in paths


@pytest.fixture(scope="module")
def basic_motions():
    """BasicMotions' training split as sktime loads it: ``(40, 100, 6)`` float32 and its text labels."""
    X, y = ucr_train("basic_motions", batch_first=True)
    return torch.as_tensor(X), y


def test_l20_09_a_sequence_dataset_of_text_labels_says_to_map_them_to_class_ids(basic_motions):
    x, y = basic_motions
    for labels in (y, list(y), y.astype(object)):
        with pytest.raises(ValueError) as err:
            SequenceDataset(x, None, labels)
        assert one_line(err) == ("SequenceDataset: y holds labels ['standing', 'running', 'walking', 'badminton'], "
                                 "which are not numbers; the loss reads class ids 0 to C - 1 (e.g. np.unique(y, "
                                 "return_inverse=True)[1]) or float targets (an rnnkit estimator takes labels as "
                                 "given)")
    ids = np.unique(y, return_inverse=True)[1]
    assert SequenceDataset(x, None, ids).y.tolist() == ids.tolist()  # the ids the line names


def test_l20_10_make_trainer_max_epochs_not_a_count_is_refused_and_callbacks_none_is_none():
    for epochs in (0.5, "3", True):
        with pytest.raises(ValueError) as err:
            make_trainer(max_epochs=epochs, device="cpu")
        assert one_line(err) == (f"make_trainer: max_epochs must be an integer >= 1, -1 (no limit) or None "
                                 f"(Lightning's: 1000, or no limit with max_steps), got {epochs!r}")
    assert make_trainer(max_epochs=-1, device="cpu").max_epochs == -1
    assert make_trainer(max_epochs=None, max_steps=5, device="cpu").max_steps == 5  # Lightning's own
    assert make_trainer(max_epochs=1, device="cpu", callbacks=None).max_epochs == 1
    with pytest.raises(ValueError, match="make_trainer: callbacks must be a list of Lightning Callbacks .*got dict"):
        make_trainer(device="cpu", callbacks={})


def test_l20_11_sequence_module_of_a_function_or_a_module_without_target_says_what_it_trains():
    with pytest.raises(ValueError) as err:
        SequenceModule(lambda x: x)
    assert one_line(err) == ("SequenceModule: model must be a torch.nn.Module (a model of rnnkit.models: "
                             "SequenceToLabel, SequenceToSequence, ...), got function")
    with pytest.raises(ValueError) as err:
        SequenceModule(torch.nn.GRU(6, 4, batch_first=True))
    assert one_line(err).startswith("SequenceModule: model GRU has no target attribute; it trains a model of "
                                    "rnnkit.models (SequenceToLabel, SequenceToSequence, EncoderDecoder)")
    assert SequenceModule(SequenceToLabel(6, 4, 4)).target == "label"


def test_L20_12_a_users_own_model_checkpoint_without_log_dir_is_named():
    """Lightning refused a ModelCheckpoint among the callbacks of a trainer without checkpointing (no log_dir)
    with its MisconfigurationException; make_trainer names log_dir first."""
    from lightning.pytorch.callbacks import ModelCheckpoint

    with pytest.raises(ValueError, match=r"callbacks hold a ModelCheckpoint .* pass log_dir"):
        make_trainer(max_epochs=1, callbacks=[ModelCheckpoint()])
