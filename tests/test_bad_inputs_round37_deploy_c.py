"""Thirty-seventh round of the bad-input hunt, deploy, third pass: a decimal comma to Streamer.step of a one-feature
model is not called a CSV line."""
import warnings

import numpy as np
import pytest

import rnnkit
from rnnkit.deploy.streaming import Streamer


# -- S37-10: "0,5" (a decimal comma) is one feature's value, not a CSV line of several ---------------------------------
def test_S37_10_a_decimal_comma_to_a_one_feature_model_is_not_called_a_csv_line():
    # before: "... it is one line of text, '0,5', as a CSV file holds it: split it and read its numbers": split, it is
    # two numbers, 0 and 5, to a model that reads one feature
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(rng.integers(2, 10), 1)) for _ in range(12)]
    y = np.array([int(x[:, 0].mean() > 0) for x in X])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf = rnnkit.SequenceClassifier(hidden_size=4, max_epochs=1, random_state=0, n_members=1, bidirectional=False,
                                        frontend=None, crop=None).fit(X, y)
    streamer = Streamer(clf)
    assert streamer.n_raw == 1
    for text in ("0,5", "1,234", "0;5"):
        with pytest.raises(ValueError, match=r"is not numeric: it holds text \(dtype <U\d\), which float32 would "
                                             r"misread; give the features as real numbers$"):
            streamer.step("s", text)
    # a number written as text is still named as one
    with pytest.raises(ValueError, match=r"its values are numbers written as text \('0\.5', \.\.\.: a CSV line's "
                                         r"cells, line\.split\(','\), csv\.reader's rows\)"):
        streamer.step("s", "0.5")
    assert streamer.streams == []
