"""The twenty-first round's cases of the sktime adapter as an sktime user drives it, on series that ship offline
(sktime's shampoo, uschange and lynx). S21-01: ``update_predict`` without ``cv`` on a model fitted for another
``fh`` than 1; S21-02: ``X`` lacking a time of ``y`` at ``fit`` or ``update``; S21-03: ``predict_var`` and
``predict_proba`` of a model fitted without the quartiles."""
import warnings

import numpy as np
import pandas as pd
import pytest

datasets = pytest.importorskip("sktime.datasets")
from scipy.stats import norm  # noqa: E402
from sktime.split import ExpandingWindowSplitter  # noqa: E402

from rnnkit.forecast.sktime import RnnkitForecaster  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


def _tiny(**kw) -> RnnkitForecaster:
    return RnnkitForecaster(model="direct", hidden_size=4, max_epochs=2, random_state=0, **kw)


def test_S21_01_update_predict_without_cv_plays_y_back_with_the_fitted_fh():
    y = datasets.load_shampoo_sales()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = _tiny().fit(y.iloc[:30], fh=[1, 2])
        got = f.update_predict(y.iloc[30:], update_params=False)
        g = _tiny().fit(y.iloc[:30], fh=[1, 2])
        want = g.update_predict(y.iloc[30:], cv=ExpandingWindowSplitter(initial_window=1, fh=[1, 2]),
                                update_params=False)
    # one column per cutoff (the last value seen, then each new month but the last), two steps ahead of each
    assert [str(c) for c in got.columns] == ["1993-07", "1993-08", "1993-09", "1993-10"]
    assert got.notna().sum().tolist() == [2, 2, 2, 2]
    pd.testing.assert_frame_equal(got, want)


def test_S21_02_fit_and_update_with_x_missing_a_time_of_y_name_it():
    y, X = datasets.load_uschange()
    X = X[["Income"]]
    with pytest.raises(ValueError, match=r"RnnkitForecaster\.fit: X has no row for 1 of y's 185 times \(the first "
                                         r"50, row 50 of y\).*X\.reindex\(y\.index\)"):
        _tiny().fit(y.iloc[:185], X=X.iloc[:185].drop(index=[50]), fh=[1])
    quarters = X.iloc[:185].set_axis(pd.period_range("1970Q1", periods=185, freq="Q"))
    with pytest.raises(ValueError, match=r"no row for 185 of y's 185 times \(the first 0, row 0 of y; y's times "
                                         r"are integer, X's period\)"):
        _tiny().fit(y.iloc[:185], X=quarters, fh=[1])
    f = _tiny().fit(y.iloc[:100], X=X.iloc[:100], fh=[1])
    with pytest.raises(ValueError, match=r"RnnkitForecaster\.update: X has no row for 1 of y's 10 times \(the "
                                         r"first 100, row 0 of y\)"):
        f.update(y.iloc[100:110], X=X.iloc[101:110], update_params=False)
    assert f.update(y.iloc[100:110], X=X.iloc[100:110], update_params=False).predict(X=X.iloc[110:111]).index \
        .tolist() == [110]


def test_S21_03_predict_var_and_proba_without_the_quartiles_say_how_to_get_them():
    y = datasets.load_lynx()
    f = _tiny(quantiles=[0.1, 0.5, 0.9]).fit(y, fh=[1, 2])
    for method in ("predict_var", "predict_proba"):
        with pytest.raises(ValueError, match=rf"RnnkitForecaster\.{method}: sktime reads the variance from the "
                                             r"quartiles 0\.25 and 0\.75.*quantiles=\[0\.1, 0\.5, 0\.9\]"):
            getattr(f, method)()
    g = _tiny(quantiles=[0.1, 0.25, 0.5, 0.75, 0.9]).fit(y, fh=[1, 2])
    q = g.predict_quantiles(alpha=[0.25, 0.75]).to_numpy()
    want = ((q[:, 1] - q[:, 0]) / (2 * norm.ppf(0.75))) ** 2  # the variance of a normal of that interquartile range
    np.testing.assert_allclose(g.predict_var().to_numpy()[:, 0], want, rtol=1e-6)
