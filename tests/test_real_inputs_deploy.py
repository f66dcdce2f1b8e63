"""Deployment inputs a new user sends (docs/bad_inputs.md, fifth catalogue D5-*): a valid one gets the right
answer, a bad one a one-line error (HTTP: a 4xx) naming what was wrong and how to fix it."""

import json
import warnings

import numpy as np
import pytest
import torch

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnkit import SequenceClassifier, Streamer  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

TINY = dict(cell="gru", hidden_size=4, bidirectional=False, max_epochs=1, random_state=0, device="cpu")


def _data(seed=0, n=12):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 6, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def classifier():
    X = _data()
    return SequenceClassifier(**TINY).fit(X, np.arange(len(X)) % 2)


@pytest.fixture(scope="module")
def time_aware():
    X = _data(1)
    X[::3, 2, 1] = np.nan
    return SequenceClassifier(time_aware=True, **TINY).fit(X, np.arange(len(X)) % 2)


def _one_line(detail: str) -> str:
    assert "\n" not in detail and "Traceback" not in detail
    return detail


# -- the server -------------------------------------------------------------------------------------------------
def test_d5_01_an_integer_literal_of_thousands_of_digits_is_a_422_not_a_500(classifier):
    body = b'{"sequences": [[[' + b"9" * 5000 + b", 0.5, 0.5]]]}"
    with TestClient(create_app(classifier), raise_server_exceptions=False) as c:
        r = c.post("/predict", content=body)
    assert r.status_code == 422
    assert "beyond float32's range" in _one_line(r.json()["detail"])


def test_d5_12_a_literal_beyond_double_is_named_as_out_of_range_not_as_infinity(classifier):
    with TestClient(create_app(classifier)) as c:
        r = c.post("/predict", content=b'{"sequences": [[[0.5, -1e400, 0.5]]]}')
        literal = c.post("/predict", content=b'{"sequences": [[[0.5, -Infinity, 0.5]]]}')
    assert r.status_code == 422
    # each range said once (S40-01), where it read "beyond even float64's range, a number beyond float32's range"
    assert _one_line(r.json()["detail"]).startswith("sequence 0, step 0, feature 1 holds a number beyond float64's "
                                                    "range (|x| <= 1.8e308), and so beyond float32's range")
    assert literal.status_code == 422 and "feature 1 holds -inf; an infinity is no reading" in literal.json()["detail"]


def test_d5_02_a_time_aware_model_reads_null_and_nan_as_missing_values(time_aware):
    X = _data(2, n=2).astype(np.float64)
    X[0, 1, 0] = X[1, 4, 2] = np.nan
    as_json = json.dumps({"sequences": X.tolist()})  # NaN written as the literal NaN
    with TestClient(create_app(time_aware)) as c:
        with_nan = c.post("/predict", content=as_json.encode())
        with_null = c.post("/predict", content=as_json.replace("NaN", "null").encode())
        infinite = c.post("/predict", content=as_json.replace("NaN", "Infinity", 1).encode())
    assert with_nan.status_code == with_null.status_code == 200
    want = time_aware.predict_proba(X)
    np.testing.assert_allclose(with_nan.json()["probabilities"], want, atol=1e-6)
    np.testing.assert_allclose(with_null.json()["probabilities"], want, atol=1e-6)
    assert with_nan.json()["predictions"] == time_aware.predict(X).tolist()
    assert infinite.status_code == 422 and "infinity" in _one_line(infinite.json()["detail"])


def test_d5_03_nan_sent_to_a_model_without_missing_values_says_which_model_reads_them(classifier):
    with TestClient(create_app(classifier)) as c:
        r = c.post("/predict", content=b'{"sequences": [[[NaN, 0.5, 0.5]]]}')
        null = c.post("/predict", content=b'{"sequences": [[[null, 0.5, 0.5]]]}')
    assert r.status_code == 422 and "time_aware=True" in _one_line(r.json()["detail"])
    assert null.status_code == 400 and "null" in _one_line(null.json()["detail"])


# -- the streamer ---------------------------------------------------------------------------------------------
def test_d5_04_torch_tensors_of_any_kind_step_like_the_numpy_array(classifier):
    x = _data(3, n=1)[0, 0]
    want = Streamer(classifier).step("s", x).y
    for given in (torch.tensor(x, requires_grad=True), torch.tensor(x, dtype=torch.float64)):
        np.testing.assert_array_equal(Streamer(classifier).step("s", given).y, want)
    rounded = torch.tensor(x).to(torch.bfloat16)  # numpy has no bfloat16: read as the values it holds
    np.testing.assert_array_equal(Streamer(classifier).step("s", rounded).y,
                                  Streamer(classifier).step("s", rounded.float().numpy()).y)


@pytest.mark.parametrize("value", [1e39, -1e39, 10**400])
def test_d5_05_a_value_beyond_float32_is_named_as_such(classifier, value):
    stream = Streamer(classifier)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning "overflow encountered in cast" either
        with pytest.raises(ValueError, match=r"^Streamer: the observation of stream 's' contains NaN or infinity "
                                             r"once read as float32: a value beyond float32's range .*rescale"):
            stream.step("s", [value, 0.0, 0.0])
    assert stream.streams == []  # nothing advanced
    np.testing.assert_array_equal(stream.step("s", [3e38, 0.0, 0.0]).y.shape, (2,))  # within range: read


def test_d5_06_reset_of_an_unhashable_id_is_named_and_of_an_unknown_one_refused_unless_missing_ok(classifier):
    stream = Streamer(classifier)
    stream.step("a", [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"stream id \['a'\] is not hashable \(list\)"):
        stream.reset(["a"])
    with pytest.raises(KeyError):  # B15-02
        stream.reset("never seen")
    stream.reset("never seen", missing_ok=True)
    assert stream.streams == ["a"]


def test_d5_07_a_streamer_refuses_to_go_on_after_its_estimator_is_fitted_again():
    X = _data(4)
    model = SequenceClassifier(**TINY).fit(X, np.arange(len(X)) % 2)
    stream = Streamer(model)
    stream.step("a", X[0, 0])
    model.fit(X[:, :, :2], np.arange(len(X)) % 2)  # two features now: the old copy would read three
    with pytest.raises(ValueError, match=r"SequenceClassifier was fitted again after the Streamer was made.*"
                                         r"make a new Streamer\(estimator\)"):
        stream.step("a", X[0, 1, :2])
    np.testing.assert_allclose(Streamer(model).step("b", X[0, 0, :2]).probabilities.sum(), 1.0, atol=1e-6)


def test_d5_08_a_streamer_errors_name_the_streamer_and_the_fix():
    with pytest.raises(ValueError, match=r"^Streamer: cannot export a int"):
        Streamer(3)
    with pytest.raises(ValueError, match=r"^Streamer: this SequenceClassifier is not fitted; call fit first"):
        Streamer(SequenceClassifier())
    X = _data(5)
    both_ways = SequenceClassifier(**{**TINY, "bidirectional": True}).fit(X, np.arange(len(X)) % 2)
    with pytest.raises(ValueError, match=r"^Streamer: a bidirectional model .* fit with bidirectional=False"):
        Streamer(both_ways)


def test_d5_09_a_bare_recurrent_layer_streams_and_resolves_for_export():
    import rnnkit
    from rnnkit.deploy.export import resolve

    torch.manual_seed(0)
    layer = rnnkit.LSTM(3, 4).eval()
    assert resolve(layer).kind == "layer"  # was UnboundLocalError ('fcn'), for export_onnx too
    x = torch.randn(1, 5, 3)
    stream = Streamer(layer)
    ys = [stream.step("a", x[0, t]).y for t in range(5)]
    with torch.no_grad():
        out = layer(x)[0]  # (1, T, H)
    np.testing.assert_allclose(np.stack(ys), out[0].numpy(), atol=1e-5)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(tolerance=float("nan")), r"tolerance must be a number .* got nan"),
    (dict(tolerance="1e-4"), r"tolerance must be a number .* got '1e-4'"),
    (dict(directory=None), r"directory must be a path .* got NoneType"),
])
def test_d5_10_export_arguments_are_checked_before_anything_runs(classifier, tmp_path, kwargs, match):
    from rnnkit import export_onnx

    arguments = dict(directory=tmp_path / "e", verbose=False) | kwargs
    with pytest.raises(ValueError, match=r"^export_onnx: " + match):
        export_onnx(classifier, **arguments)
    assert not (tmp_path / "e").exists()


@pytest.mark.parametrize("threads", [0, -1, "2", 1.5, True])
def test_d5_11_streamer_threads_must_be_a_positive_integer(classifier, threads):
    with pytest.raises(ValueError, match=r"^Streamer: threads must be an integer >= 1"):
        Streamer(classifier, threads=threads)
