"""Thirty-first round, the lead's own cases: a value whose standardisation float32 cannot hold, given to predict
(answered from infinity before), and an empty path on the command line (read as the current directory)."""

import numpy as np
import pytest

import rnnkit


@pytest.fixture(scope="module")
def small():
    """X of a feature spread 0.01 about 0 (x_scale_ about 0.01), and its labels."""
    X = np.random.default_rng(0).normal(size=(20, 6, 2)) * 0.01
    return X, np.arange(20) % 2


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_L31_06_a_value_whose_standardisation_overflows_float32_is_refused_by_predict(small, kind):
    # 3e38 is a float32, but (3e38 - mean) / 0.01 is not: the network read infinity and still answered
    X, y = small
    model = (rnnkit.SequenceClassifier if kind == "classifier" else rnnkit.SequenceRegressor)(
        hidden_size=4, max_epochs=1, random_state=0, bidirectional=False).fit(X, y if kind == "classifier" else
                                                                              y.astype(float))
    Xt = X[:3].copy()
    Xt[1, 2, 0] = 3e38
    with pytest.raises(ValueError, match=r"predict: sequence 1 cannot be read: step 2 holds 3e\+38 in feature 0, "
                                         r".* standard deviations from its mean at fit"):
        model.predict(Xt)
    assert model.predict(X[:3]).shape[0] == 3  # the other sequences alone are answered


@pytest.mark.parametrize("args", [
    ["app", "eventlogs", "--quick", "--out", ""],
    ["compare", "--out", ""],
    ["train", "d.csv", "--task", "classify", "--out", " "],
    ["predict", "", "d.csv"],
    ["export", "m", "--out", ""],
])
def test_L31_07_an_empty_path_is_refused_by_flag_not_read_as_the_current_directory(cli_error, args):
    # Path("") is Path("."): --out "$OUT" with OUT unset wrote into (or was refused as) the current directory
    line = cli_error(args)
    assert "an empty path" in line and "unset shell variable" in line, line


def test_L31_08_a_forecaster_of_one_classical_candidate_is_not_called_averaged_by_export(tmp_path):
    # a straight line: the default's validation picks the drift alone, which export_onnx called "drift, averaged"
    import pandas as pd

    from rnnkit.forecast import Forecaster

    y = pd.Series(50 + np.arange(60) * 2.0 + np.random.default_rng(0).normal(size=60) * 0.1)
    f = Forecaster(horizon=4, max_epochs=1, random_state=0).fit(y)
    assert f.components_ == ("drift",)
    with pytest.raises(ValueError, match=r"model_kind_='drift' is not exported \(its forecast is not a network's: "
                                         r"drift\); refit with model='direct'") as e:
        rnnkit.export_onnx(f, tmp_path / "e")
    assert "averaged" not in str(e.value)
