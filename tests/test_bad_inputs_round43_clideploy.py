"""Forty-third round: the command line and deployment as the last round left them and as a user's own files and
clients bring them: a per-step number given to `rnnkit train --task regress`, a length given in compare's
--task-params under another name, a request's step that names the model's features but one."""

import json
import re

import numpy as np
import pandas as pd
import pytest
from helpers import cli_error


def _per_step_csv(path, whole=False):
    """12 sequences of 4 steps (id, t, f1, f2) and a target that changes at every step (numbers, or counts)."""
    rng = np.random.default_rng(0)
    n, steps = 12, 4
    target = rng.integers(0, 5, n * steps) if whole else rng.normal(size=n * steps).round(3)
    pd.DataFrame({"id": np.repeat(np.arange(n), steps), "t": np.tile(np.arange(steps), n),
                  "f1": rng.normal(size=n * steps).round(3), "f2": rng.normal(size=n * steps).round(3),
                  "target": target}).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("whole", [False, True])
def test_C43_01_train_regress_of_a_per_step_target_is_not_sent_to_the_tagger(tmp_path, capsys, whole):
    data = _per_step_csv(tmp_path / "d.csv", whole)
    err = cli_error(["train", data, "--task", "regress", "--id-column", "id", "--time-column", "t",
                     "--target-column", "target", "--out", tmp_path / "m", "--epochs", "1"], capsys)
    # was: "... a per-sequence target must be constant (use --task tag for per-step labels)": a classifier of
    # steps, which refuses the numbers in turn
    assert "use --task tag" not in err, err
    assert "has several values in 'target'" in err and "--task regress predicts one number per sequence" in err
    assert "no task for a number at every step" in err and "SequenceModule(task='regression')" in err, err
    assert not (tmp_path / "m").exists()


def test_C43_01_train_classify_of_a_per_step_label_keeps_the_tagger_hint(tmp_path, capsys):
    data = _per_step_csv(tmp_path / "d.csv", whole=True)
    err = cli_error(["train", data, "--task", "classify", "--id-column", "id", "--time-column", "t",
                     "--target-column", "target", "--out", tmp_path / "m", "--epochs", "1"], capsys)
    assert err.endswith("(use --task tag for per-step labels)"), err


@pytest.mark.parametrize("params, flag", [('{"length": 5}', "--length 5"), ('{"seq_len": [5, 10]}', "--length 5,10"),
                                          ('{"Sequence-Length": 8, "n_train": 40}', "--length 8")])
def test_C43_02_a_length_in_compare_task_params_is_pointed_to_length(tmp_path, capsys, params, flag):
    key, value = next(iter(json.loads(params).items()))
    err = cli_error(["compare", "--task-params", params, "--out", tmp_path / "c"], capsys)
    # was: "task 'adding' has no option(s) ['length'] (task_params); its options are ['n_train', 'n_val',
    # 'n_test'] (T is set by lengths, seed by first_seed)": compare's Python names, not the flag
    assert err == (f"rnnkit compare: error: --task-params sets {key!r} ({value!r}), a sequence length, "
                   f"which task 'adding' takes from --length; pass {flag} and leave {key!r} out of --task-params"), err
    assert not (tmp_path / "c").exists()


def test_C43_02_a_length_for_a_task_of_one_length_is_told_to_leave_it_out(tmp_path, capsys):
    err = cli_error(["compare", "--task", "digits", "--task-params", '{"length": 5}', "--out", tmp_path / "c"],
                    capsys)
    assert "task 'digits' has sequences of one fixed length; leave 'length' out (the tasks with a length: " in err
    assert "adding" in err, err


@pytest.fixture(scope="module")
def named_client():
    from fastapi.testclient import TestClient
    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.server import create_app

    X, y = deploy_data()
    return TestClient(create_app(deploy_classifier([pd.DataFrame(x, columns=["a", "b", "c"]) for x in X], y)))


@pytest.mark.parametrize("step, said, fix", [
    ({"a": 1, "b": 0}, "missing ['c']", "give each step a number under ['c'] too (this model reads no missing value; "
                                        "one fitted with time_aware=True reads null as one)"),
    ({"a": 1, "b": 0, "x": 0}, "missing ['c'], unexpected ['x']",
     "rename or leave out ['x'], and give each step a number under ['c'] too"),
])
def test_S43_01_a_request_step_missing_a_named_feature_is_told_to_send_it(named_client, step, said, fix):
    r = named_client.post("/predict", json={"sequences": [[{"a": 0, "b": 0, "c": 0}, step]]})
    # was: "sequence 0, step 1 names features that differ from the model's ['a', 'b', 'c'] (GET /model): missing
    # ['c']", and no word of what to send
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert detail.startswith(f"sequence 0, step 1 names features that differ from the model's ['a', 'b', 'c'] (GET "
                             f"/model): {said}"), detail
    assert fix in detail and "\n" not in detail, detail


def test_S43_01_an_extra_feature_or_a_near_miss_keeps_its_words(named_client):
    r = named_client.post("/predict", json={"sequences": [[{"a": 1, "b": 0, "c": 0, "d": 3}]]})
    assert r.status_code == 422 and r.json()["detail"].endswith("unexpected ['d']; leave out ['d']"), r.text
    r = named_client.post("/predict", json={"sequences": [[{"a": 1, "b": 0, "cc": 0}]]})
    assert r.status_code == 422 and r.json()["detail"].endswith("unexpected ['cc'] ('cc' for 'c'?)"), r.text


def test_C43_03_serve_no_batching_with_max_wait_ms_is_refused(monkeypatch, capsys, tmp_path):
    from helpers import run_cli

    from rnnkit.deploy import server

    served = []
    monkeypatch.setattr(server, "serve", lambda model, **options: served.append(options))
    err = cli_error(["serve", tmp_path, "--no-batching", "--max-wait-ms", "0.5"], capsys)
    # was: served, each request alone, the wait it was given read nowhere
    assert err == ("rnnkit serve: error: --no-batching runs each request alone, as it comes, so --max-wait-ms 0.5 "
                   "(how long a request waits for others to batch with) would do nothing; leave out --no-batching to "
                   "batch requests, or leave out --max-wait-ms"), err
    assert served == []
    assert run_cli(["serve", tmp_path, "--max-wait-ms", "5"], capsys)[0] == 0
    assert served.pop()["max_wait_ms"] == 5
    assert run_cli(["serve", tmp_path, "--no-batching", "--max-batch", "8"], capsys)[0] == 0  # sizes predict's batches
    options = served.pop()
    assert options["batching"] is False and options["max_batch"] == 8 and "max_wait_ms" not in options


@pytest.mark.parametrize("limit", [10, 24])
def test_S43_02_a_body_limit_below_the_smallest_request_is_refused(limit):
    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.server import Limits, create_app

    clf = deploy_classifier(*deploy_data())
    # was: served, every request answered 413 (a bare 10 given for 10 MB)
    with pytest.raises(ValueError, match=rf"serve: limits.max_body_bytes is {limit} bytes, below the smallest request "
                                         r"this model of 3 feature\(s\) can be sent, 25 bytes "
                                         r"\(\{\"sequences\":\[\[\[0,0,0\]\]\]\}\), so every request would be refused "
                                         r"\(413\); give a limit .*a number without a unit is bytes\)"):
        create_app(clf, limits=Limits(max_body_bytes=limit))
    create_app(clf, limits=Limits(max_body_bytes=25))  # the smallest request fits: served


def test_C43_02_a_task_s_own_length_option_is_not_taken_for_the_sequence_length(tmp_path, capsys, monkeypatch):
    from helpers import run_cli

    import rnnkit.compare

    ran = []
    monkeypatch.setattr(rnnkit.compare, "compare", lambda task, **options: ran.append((task, options)))
    # copy's 'length' is how many symbols to copy, an option of its own (T is its sequence length): passed on
    status, err = run_cli(["compare", "--task", "copy", "--task-params", '{"length": 5}', "--out", tmp_path / "c"],
                          capsys)
    assert status == 0 and ran.pop()[1]["task_params"] == {"length": 5}, err
    # a length under a name copy does not read is still pointed to --length
    err = cli_error(["compare", "--task", "copy", "--task-params", '{"seq_len": 50}', "--out", tmp_path / "c"], capsys)
    assert "task 'copy' takes from --length; pass --length 50 and leave 'seq_len' out" in err, err


def test_C43_03_serve_no_batching_alone_or_with_a_wait_of_zero_serves(monkeypatch, capsys, tmp_path):
    from helpers import run_cli

    from rnnkit.deploy import server

    served = []
    monkeypatch.setattr(server, "serve", lambda model, **options: served.append(options))
    assert run_cli(["serve", tmp_path, "--no-batching"], capsys)[0] == 0
    options = served.pop()
    assert options["batching"] is False and "max_wait_ms" not in options
    # a wait of 0 says what --no-batching says: nothing given is read nowhere
    assert run_cli(["serve", tmp_path, "--no-batching", "--max-wait-ms", "0"], capsys)[0] == 0
    assert served.pop()["batching"] is False


def test_C43_03_an_app_without_batching_answers():
    from fastapi.testclient import TestClient
    from helpers import deploy_classifier, deploy_data

    from rnnkit.deploy.server import create_app

    with TestClient(create_app(deploy_classifier(*deploy_data()), batching=False, max_batch=8)) as client:
        r = client.post("/predict", json={"sequences": [[[0, 0, 0]], [[1, 1, 1], [0, 0, 0]]]})
    assert r.status_code == 200 and len(r.json()["predictions"]) == 2, r.text


def _smallest_cases():
    """The models whose smallest request differs: several features, one (a bare number a step), named features
    (a step as a list is shorter than by name), missing values read, and sample times of numbers or dates."""
    from helpers import deploy_classifier, deploy_data

    X, y = deploy_data()
    return {
        "three": (deploy_classifier(X, y), b'{"sequences":[[[0,0,0]]]}'),
        "one": (deploy_classifier([x[:, :1] for x in X], y), b'{"sequences":[[0]]}'),
        "named": (deploy_classifier([pd.DataFrame(x, columns=["alpha", "beta", "gamma"]) for x in X], y),
                  b'{"sequences":[[[0,0,0]]]}'),
        "time_aware": (deploy_classifier(X, y, time_aware=True), b'{"sequences":[[[0,0,0]]]}'),
        "times": (deploy_classifier(X, y, times=[np.arange(len(x)) * 2.0 for x in X], time_aware=True),
                  b'{"sequences":[[[0,0,0]]],"times":[[0]]}'),
        "dates": (deploy_classifier(X, y, times=[pd.date_range("2024-01-01", periods=len(x), freq="h") for x in X],
                                    time_aware=True), b'{"sequences":[[[0,0,0]]],"times":[["2000-01"]]}'),
    }


def test_S43_02_the_bound_is_the_smallest_request_the_running_app_answers():
    from fastapi.testclient import TestClient

    from rnnkit.deploy.server import Limits, create_app

    for kind, (model, body) in _smallest_cases().items():
        # a limit of that request's size serves it: the running app's own size check lets it through
        with TestClient(create_app(model, limits=Limits(max_body_bytes=len(body)))) as client:
            r = client.post("/predict", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 200, (kind, r.text)
        # one byte less is refused before serving, naming that request
        with pytest.raises(ValueError, match=rf"can be sent, {len(body)} bytes \({re.escape(body.decode())}\)"):
            create_app(model, limits=Limits(max_body_bytes=len(body) - 1))
