"""scikit-learn's estimator checks, each a test, for SequenceClassifier and SequenceRegressor.

Each runs as rnnkit reads X by default and with ``time_aware=True`` (NaN marks a missing value; scikit-learn's
``allow_nan`` tag). The checks that conflict with reading a 2-D X as ``(n, T)`` sequences are declared, with
their reasons, by ``rnnkit.estimators.sklearn_expected_failed_checks`` and run as strict xfails: a declared
check that starts passing fails this file, so the list cannot outgrow what is true. Tiny instances keep the
run short.
"""

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from rnnkit.estimators import SequenceClassifier, SequenceRegressor, sklearn_expected_failed_checks

TINY = dict(hidden_size=4, max_epochs=2, random_state=0, device="cpu")


@parametrize_with_checks([SequenceClassifier(**TINY), SequenceRegressor(**TINY),  # and with NaN as missing:
                          SequenceClassifier(**TINY, time_aware=True), SequenceRegressor(**TINY, time_aware=True)],
                         expected_failed_checks=sklearn_expected_failed_checks, xfail_strict=True)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        # the checks fit on few, short sequences; Lightning's advice on data loader workers is noise here
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        check(estimator)


def test_expected_failures_are_few_and_explained():
    for est in (SequenceClassifier(), SequenceRegressor()):
        failed = sklearn_expected_failed_checks(est)
        # 4 structural (a sequence per row), and 2 of the weight checks (a flat frame; k copies batch otherwise)
        assert len(failed) <= 6 and all(len(reason) > 40 for reason in failed.values())


@pytest.mark.parametrize("cls", [SequenceClassifier, SequenceRegressor])
def test_refusals_name_the_fix(cls):
    """The messages the checks look for keep rnnkit's own: what was wrong and how to fix it."""
    import scipy.sparse

    est, X, y = cls(**TINY), np.zeros((4, 3)), np.array([0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"sparse input is not supported .* pass X\.toarray\(\)"):
        est.fit(scipy.sparse.csr_array(X), y)
    with pytest.raises(ValueError, match=r"Reshape your data: X\[None\] for one sequence of 3 steps"):
        est.fit(np.zeros(3), y[:1])
    with pytest.raises(ValueError, match=r"0 feature\(s\) \(shape=\(4, 0\)\).*at least one step"):
        est.fit(np.zeros((4, 0)), y)
    with pytest.raises(ValueError, match=r"0 sample\(s\) \(shape=\(0, 3\)\).*at least one sequence"):
        est.fit(np.zeros((0, 3)), [])
    with pytest.raises(ValueError, match=r"Complex data not supported.*real and imaginary parts as two"):
        est.fit(X + 1j, y)
    with pytest.raises(ValueError, match=r"requires y to be passed, but the target y is None: give one target"):
        est.fit(X, None)
    bad = X.astype(object)
    bad[1, 2] = {"a": 1}
    with pytest.raises(ValueError, match=r"sequence 1 of X is not numeric .*dict.*numbers only") as error:
        est.fit(bad, y)
    assert isinstance(error.value, TypeError)  # as numpy and scikit-learn report a value of the wrong type


def test_column_vector_labels_warn_and_fit_as_1d():
    X = np.random.default_rng(0).normal(size=(8, 5))
    y = np.array([0, 1] * 4)
    flat = SequenceClassifier(**TINY).fit(X, y)
    with pytest.warns(UserWarning, match=r"A column-vector y was passed .* pass y\.ravel\(\)"):
        column = SequenceClassifier(**TINY).fit(X, y[:, None])
    np.testing.assert_array_equal(column.predict_proba(X), flat.predict_proba(X))
