"""Thirty-first round, second pass of the estimators: what the first pass left and inputs as a scikit-learn user
brings them. Catalogue "Thirty-first round: the estimators, second pass", E31-12 ..; each test fails on the code
before its fix."""

import numpy as np
import pandas as pd
import pytest
import torch

from rnnkit import SequenceRegressor

torch.set_num_threads(1)
TINY = dict(cell="gru", hidden_size=4, max_epochs=1, n_members=1, frontend=None, batch_size=8, random_state=0)


def test_E31_12_a_dataframe_ys_categorical_column_is_refused_as_a_categorical_y_is():
    """A DataFrame y of two targets, one a category of numbers: refused as labels, naming the column, as a
    one-dimensional categorical y is. Before: regressed on the categories' values (the two forms disagreed)."""
    X = [np.random.default_rng(i).normal(size=(5, 1)) for i in range(6)]
    level = pd.Categorical([1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"y is categorical \(categories 1.0, 2.0, 3.0\)"):
        SequenceRegressor(**TINY).fit(X, pd.Series(level))
    y = pd.DataFrame({"level": level, "size": np.linspace(0.0, 1.0, 6)})
    with pytest.raises(ValueError, match=r"y's column 'level' is categorical \(categories 1.0, 2.0, 3.0\): labels, "
                                         r"not numbers; .*y.astype\(\{'level': float\}\)"):
        SequenceRegressor(**TINY).fit(X, y)
    reg = SequenceRegressor(**TINY).fit(X, y.astype({"level": float}))
    assert reg.predict(X).shape == (6, 2)
