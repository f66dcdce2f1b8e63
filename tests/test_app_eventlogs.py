"""The eventlogs recipe (rnnkit.apps.eventlogs): its detectors' parts on hand-made sessions, and one quick run
on the synthetic logs, shared by the tests."""

import base64
import json

import numpy as np
import pytest
import torch

from rnnkit.apps import eventlogs, recipe
from rnnkit.apps.eventlogs import NGramDetector, Sessions, StepScores


def _sessions(*events, dt=None):
    return Sessions([np.array(e) for e in events],
                    [np.asarray(d, dtype=np.float64) for d in dt] if dt else [np.full(len(e), 2.0) for e in events])


def test_make_split_trains_on_normal_sessions_of_disjoint_users():
    parts = eventlogs.make_split(60, seed=3)
    users = {name: set(p.frame["user"]) for name, p in parts.items()}
    assert (len(users["validation"]), len(users["test"]), parts["train"].users) == (12, 18, 30)
    assert not (users["train"] & users["validation"]) and not (users["validation"] & users["test"])
    assert not parts["train"].frame["anomaly"].any() and not parts["train"].labels.any()
    for p in parts.values():  # the labels follow the sessions in order
        truth = p.frame.groupby("session")["anomaly"].any().to_numpy()
        np.testing.assert_array_equal(p.labels, truth)
    assert parts["validation"].labels.any() or parts["test"].labels.any()


def test_training_items_shift_events_and_delays_by_one_step():
    (x, y), = eventlogs.training_items(_sessions([5, 6, 7], dt=[[0.0, 3.0, 0.5]]))
    torch.testing.assert_close(x, torch.tensor([[5.0, 0.0], [6.0, float(np.log1p(3.0))]]))
    torch.testing.assert_close(y, torch.tensor([[6.0, float(np.log(3.001))], [7.0, float(np.log(0.501))]]))


def test_joint_loss_is_cross_entropy_plus_gaussian_nll():
    model = eventlogs.NextEventModel(5, 4, 8, num_layers=1)
    module = eventlogs.NextEventModule(model, task="regression")
    out = torch.randn(6, 7)
    y = torch.tensor([[0, 0.5], [1, -1.0], [4, 2.0], [2, 0.0], [3, 3.0], [1, 1.0]])
    var = torch.exp(2 * out[:, 6])
    expected = (torch.nn.functional.cross_entropy(out[:, :5], y[:, 0].long())
                + torch.nn.GaussianNLLLoss()(out[:, 5], y[:, 1], var))  # torch's omits the constant too
    torch.testing.assert_close(module.loss(out, y), expected)


def test_ngram_ranks_back_off_and_flag_unseen_events():
    train = _sessions([1, 2, 3], [1, 2, 3], [1, 2, 4], [5, 2, 4], dt=[[0, 1, 1]] * 4)
    ngram = NGramDetector(3).fit(train)
    assert ngram.rank([1, 2], 3) == 0 and ngram.rank([1, 2], 4) == 1  # after (1, 2): 3 twice, 4 once
    assert ngram.rank([5, 2], 4) == 0 and ngram.rank([5, 2], 3) == 0  # 3 never after (5, 2): backs off to (2,)
    assert ngram.rank([2], 3) == 0 and ngram.rank([2], 4) == 0  # after 2: each seen twice
    assert ngram.rank([1, 2], 9) == eventlogs.RANK_UNSEEN and ngram.rank([3], 1) == eventlogs.RANK_UNSEEN
    scores = ngram.score(_sessions([1, 2, 9], dt=[[0, 1.0, 50.0]]))
    assert scores.rank[0].tolist() == [0, eventlogs.RANK_UNSEEN]
    # every training wait was 1 s: the sd 0 is read as DELAY_SD_FLOOR (0.1 ln s), so z is 10 x the distance in
    # ln-seconds
    assert scores.z[0][0] == 0.0 and scores.z[0][1] == pytest.approx((np.log(50.001) - np.log(1.001)) / 0.1)


def test_flags_and_scores_sessions():
    scores = StepScores(rank=[np.array([0, 1]), np.array([0, 3]), np.array([2, 0])],
                        z=[np.array([0.5, -4.5]), np.array([0.1, 0.2]), np.array([1.0, 1.0])])
    assert eventlogs.flag_sessions(scores, 2, 4.0).tolist() == [True, True, True]
    assert eventlogs.flag_sessions(scores, 3, 4.0).tolist() == [True, True, False]
    assert eventlogs.flag_sessions(scores, 4, None).tolist() == [False, False, False]
    truth = np.array([True, False, True, False])
    p, r, f1 = eventlogs.precision_recall_f1(np.array([True, True, False, False]), truth)
    assert (p, r, f1) == (0.5, 0.5, 0.5)
    assert eventlogs.precision_recall_f1(np.zeros(4, bool), truth) == (0.0, 0.0, 0.0)


# -- the quick run -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("eventlogs")
    return eventlogs.run(quick=True, seed=0, out=out, log=lambda message: None), out


def test_quick_run_structure(quick):
    results, _ = quick
    assert recipe("eventlogs") is eventlogs
    assert set(results) == {"recipe", "task", "data", "settings", "models", "curves", "machine"}
    d = results["data"]
    assert d["synthetic"] is True and "SYNTHETIC" in results["task"]
    assert d["train"]["anomalous"] == 0 and d["test"]["anomalous"] == sum(d["test"]["by_kind"].values()) > 0
    assert d["train"]["users"] + d["validation"]["users"] + d["test"]["users"] == 150
    assert set(results["models"]) == {"lstm", "ngram"}
    for model in results["models"].values():
        assert model["k"]["mean"] in eventlogs.K_GRID and model["z"]["mean"] in eventlogs.Z_GRID
        assert 0.0 <= model["precision"]["mean"] <= 1.0 and 0.0 <= model["recall"]["mean"] <= 1.0
    for curve in results["curves"].values():
        for key in ("with_delay", "events_only"):
            assert len(curve[key]["precision"]) == len(curve[key]["recall"]) == len(eventlogs.K_GRID)
            assert np.all(np.diff(curve[key]["recall"]) <= 0)  # a larger k flags fewer sessions
        assert all(a >= b for a, b in zip(curve["with_delay"]["recall"], curve["events_only"]["recall"], strict=True))
    assert json.loads(json.dumps(results)) == results


def test_quick_detectors_find_the_injected_anomalies(quick):
    models = quick[0]["models"]
    # flagging every session would score F1 2p / (1 + p) ~ 0.15 at the test share p ~ 0.08 of anomalous sessions
    assert models["ngram"]["f1"]["mean"] > 0.8
    assert models["lstm"]["f1"]["mean"] > 0.5
    assert models["ngram"]["recall_by_kind"]["unknown"]["mean"] == 1.0  # admin_export is never seen in training


def test_out_writes_report_files(quick):
    results, out = quick
    written = json.loads((out / "report.json").read_text())
    assert written == {"title": eventlogs.title(results), "machine": results["machine"], "results": results}
    report = (out / "report.md").read_text()
    assert report.startswith("# Anomalies in synthetic service logs (DeepLog-style) (quick run)\n")
    assert "**Synthetic data**" in report and "Machine:" in report
    for model in results["models"].values():
        assert f"| {model['name']} | {model['f1']['mean']:.3f}" in report
    png = (out / "precision_recall.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in (out / "report.html").read_text()


@pytest.mark.parametrize("kwargs, match", [
    ({"quick": "no"}, "quick must be True or False"),
    ({"seed": 2**31}, "seed must be an integer"),
    ({"out": 1.5}, "out must be a directory path"),
    ({"log": 0}, "log must be callable"),
])
def test_bad_argument_raises_clear_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        eventlogs.run(**kwargs)
