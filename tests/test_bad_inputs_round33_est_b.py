"""Thirty-third round (second pass): the estimators as scikit-learn users drive them: a regressor fitted on a
named pandas Series (``frame["price"]``), a classifier whose ``sample_weight`` is 0 for a whole class."""

import warnings

import numpy as np
import pandas as pd
import pytest

import rnnkit
from rnnkit import SequenceClassifier, SequenceRegressor

with warnings.catch_warnings():  # starlette's notice that it will move to httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from rnnkit.deploy.export import preprocessing  # noqa: E402
from rnnkit.deploy.server import create_app  # noqa: E402

TINY = dict(cell="gru", hidden_size=4, max_epochs=1, batch_size=8, lr_schedule=None, random_state=0, device="cpu",
            frontend=None, normalise=None)


def _airline_windows():
    sktime = pytest.importorskip("sktime.datasets")
    s = sktime.load_airline().to_numpy(dtype=np.float64)
    X = np.stack([s[i : i + 12, None] for i in range(40)]).astype(np.float32)
    return X, pd.DataFrame({"price": s[12:52], "volume": s[13:53]})


def test_E33_05_a_named_series_y_names_the_regressors_target(tmp_path):
    # before: target_names_ came from a DataFrame's columns only, so frame["price"] fitted an unnamed target and
    # export.json / GET /model served "targets": null, where frame[["price"]] served ["price"]
    X, frame = _airline_windows()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SequenceRegressor(**TINY).fit(X, frame["price"])
    assert model.target_names_ == ["price"]
    assert model.predict(X).shape == (40,)  # still one target: (n,)
    # export.json's "preprocessing" (export_onnx writes this dict; test_D24_03 runs the export itself)
    assert preprocessing(model)["output"]["targets"] == ["price"]
    assert TestClient(create_app(model)).get("/model").json()["targets"] == ["price"]
    model.save(tmp_path / "saved")
    assert rnnkit.load(tmp_path / "saved").target_names_ == ["price"]
    assert np.isfinite(model.score(X, frame["price"]))
    with pytest.raises(ValueError, match=r"y is the Series 'volume', but the regressor was fitted on the target "
                                         r"'price'.*frame\['price'\]"):
        model.score(X, frame["volume"])  # another column scored against it: refused, as for frame[["price"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        unnamed = SequenceRegressor(**TINY).fit(X, pd.Series(frame["price"].to_numpy()))
        vectors = SequenceRegressor(**TINY).fit(X, pd.Series(list(frame.to_numpy()), name="both"))
    assert unnamed.target_names_ is None
    assert vectors.target_names_ is None and vectors.predict(X).shape == (40, 2)  # two targets, one name: unnamed


def test_E33_06_sample_weight_0_for_a_whole_class_is_warned_of():
    # before: silent; the class stayed among classes_ (as scikit-learn's) with an output nothing trained
    sktime = pytest.importorskip("sktime.datasets")
    X, y = sktime.load_basic_motions(split="train", return_type="numpy3D")
    X, y = X.transpose(0, 2, 1).astype(np.float32), np.asarray(y)
    w = np.where(y == "badminton", 0.0, 1.0)
    with pytest.warns(UserWarning, match=r"SequenceClassifier.fit: sample_weight is 0 for every sequence of class "
                                         r"'badminton' \(10 sequence\(s\)\): it stays among classes_ .* nothing "
                                         r"teaches the model it.*X\[w > 0\], y\[w > 0\]"):
        model = SequenceClassifier(**TINY).fit(X, y, sample_weight=w)
    assert list(model.classes_) == ["badminton", "running", "standing", "walking"]
    some = np.where((y == "badminton") & (np.arange(len(y)) % 2 == 0), 0.0, 1.0)  # half of its sequences: taught
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        SequenceClassifier(**TINY).fit(X, y, sample_weight=some)
