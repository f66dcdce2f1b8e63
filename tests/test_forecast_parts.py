"""The Forecaster's parts: the input features (channel layout by role, state), the Preprocessor's public state,
the evaluation functions (baselines, metrics), and the scale-out parameters."""

import numpy as np
import pandas as pd
import pytest

import rnnkit.forecast.forecaster as forecaster_module
from rnnkit.data.timeseries import Preprocessor, TimeSeriesFrame, WindowSpec
from rnnkit.forecast import Forecaster, ForecastFeatures, errors, naive, seasonal_naive
from rnnkit.forecast.evaluation import mase_scale

OPTIONS = {"scale": "standard", "impute": "ffill", "calendar": ("weekday",)}


def _frame(n=30):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(n, 3))
    values[[3, 4], 0] = np.nan  # y missing at rows 3 and 4
    values[10, 1] = np.nan
    return TimeSeriesFrame(values, columns=("y", "x", "promo"), time=pd.date_range("2024-01-01", periods=n, freq="D"),
                           time_name="day")


SPEC = WindowSpec(5, 2, targets=("y",), past_covariates=("x",), future_covariates=("promo",))


# -- features: the layout by role ----------------------------------------------------------------------------
def test_default_layout_names_every_role():
    frame = _frame()
    f = ForecastFeatures(SPEC, **OPTIONS, mask=True, time_since=True, time_aware=False).fit(frame, range(20), 86400)
    names = f.input_names
    picked = {role: names[s] for role, s in f.slices.items()}
    assert picked == {"targets": ("y",), "past": ("x",), "known": ("promo",),
                      "calendar": ("weekday_sin", "weekday_cos"), "mask": ("y_mask", "x_mask", "promo_mask"),
                      "time_since": ("y_since", "x_since", "promo_since"),
                      "x": ("y", "x", "promo", "weekday_sin", "weekday_cos")}
    assert f.future_names == ("promo", "weekday_sin", "weekday_cos")
    inputs = f.transform(frame).inputs
    assert inputs.shape == (30, len(names)) and inputs.dtype == np.float32
    np.testing.assert_array_equal(inputs[2:6, f.slices["mask"]][:, 0], [1, 0, 0, 1])  # y observed?
    np.testing.assert_array_equal(inputs[2:7, f.slices["time_since"]][:, 0], [1, 1, 2, 3, 1])  # δ in days

    plain = ForecastFeatures(SPEC, **OPTIONS, mask=False, time_since=False, time_aware=False)
    plain.fit(frame, range(20), 86400)
    assert plain.input_names == ("y", "x", "promo", "weekday_sin", "weekday_cos")
    assert plain.slices["mask"] == slice(5, 5)  # an empty role


def test_time_aware_layout_is_x_m_delta_with_the_preprocessors_delta_t():
    frame = _frame()
    f = ForecastFeatures(SPEC, **OPTIONS, mask=False, time_since=False, time_aware=True).fit(frame, range(20), 86400)
    x, m, d = (f.input_names[f.slices[k]] for k in ("x", "m", "delta"))
    assert x == ("y", "x", "promo", "weekday_sin", "weekday_cos")
    assert m == tuple(f"{c}_mask" for c in x) and d == tuple(f"{c}_since" for c in x)
    inputs = f.transform(frame).inputs
    np.testing.assert_array_equal(inputs[2:6, f.slices["m"]][:, 0], [1, 0, 0, 1])
    np.testing.assert_array_equal(inputs[:, f.slices["m"]][:, 3:], 1.0)  # calendar: always observed
    delta = inputs[:, f.slices["delta"]]
    np.testing.assert_array_equal(delta[2:7, 0], [1, 1, 2, 3, 1])
    np.testing.assert_array_equal(delta[:, 3], [0] + [1] * 29)  # calendar: Δt in steps (0 at the first row)


def test_feature_state_round_trip_reproduces_the_features():
    frame = _frame()
    f = ForecastFeatures(SPEC, **OPTIONS, mask=True, time_since=False, time_aware=False).fit(frame, range(20), 86400)
    state, arrays = f.state()
    assert state["columns"] == ["y", "x", "promo"] and state["step"] == 86400.0
    assert set(arrays) == {"preprocessor.mean", "preprocessor.center", "preprocessor.scale"}
    g = ForecastFeatures.from_state(SPEC, {**OPTIONS, "mask": True, "time_since": False, "time_aware": False},
                                    state, arrays)
    np.testing.assert_array_equal(g.transform(frame).inputs, f.transform(frame).inputs)
    assert g.future_names == f.future_names
    with pytest.raises(ValueError, match="saved input channels"):  # the saved names do not fit these options
        ForecastFeatures.from_state(SPEC, {**OPTIONS, "mask": False, "time_since": False, "time_aware": False},
                                    state, arrays)


def test_preprocessor_state_round_trip_and_refusal():
    frame = _frame()
    p = Preprocessor(scale="minmax", impute="mean", mask=True).fit(frame, range(20))
    state, arrays = p.state()
    q = Preprocessor(scale="minmax", impute="mean", mask=True).load_state(state, arrays)
    np.testing.assert_array_equal(q.transform(frame, SPEC).inputs, p.transform(frame, SPEC).inputs)
    assert [n for group in p.channels(SPEC).values() for n in group] == list(p.transform(frame, SPEC).input_names)
    with pytest.raises(ValueError, match=r"'scale' has shape \(2,\), expected \(3,\)"):
        Preprocessor().load_state(state, {**arrays, "scale": arrays["scale"][:2]})
    with pytest.raises(ValueError, match="'mean' array is missing"):
        Preprocessor().load_state(state, {"center": arrays["center"], "scale": arrays["scale"]})


def test_a_loaded_forecaster_restores_the_preprocessor_through_its_state(tmp_path):
    y = pd.Series(np.sin(np.arange(40) / 3) + 5, index=pd.date_range("2024-01-01", periods=40, freq="D"), name="y")
    f = Forecaster(lookback=6, horizon=2, hidden_size=4, max_epochs=1, random_state=0, scale="minmax").fit(y)
    f.save(tmp_path / "m")
    g = Forecaster.load(tmp_path / "m")
    (a, x), (b, z) = f.preprocessor_.state(), g.preprocessor_.state()
    assert a == b and all(np.array_equal(x[k], z[k]) for k in x)
    assert g.features_.step == f.features_.step == 86400.0


# -- evaluation ----------------------------------------------------------------------------------------------
def test_baselines_and_metrics_by_hand():
    history = np.array([[1.0], [2.0], [3.0], [4.0], [5.0]])  # (T, 1)
    np.testing.assert_array_equal(naive(history, 3), [[5.0], [5.0], [5.0]])
    np.testing.assert_array_equal(seasonal_naive(history, 5, 2), [[4.0], [5.0], [4.0], [5.0], [4.0]])
    np.testing.assert_array_equal(mase_scale(history, 2), [2.0])
    actual = np.array([[2.0], [np.nan], [0.0], [4.0]])
    pred = np.array([[1.0], [9.0], [0.0], [6.0]])
    e = errors(actual, pred, np.array([2.0]))
    assert e["mae"] == pytest.approx(1.0)  # |1| + |0| + |2| over 3 observed
    assert e["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert e["smape"] == pytest.approx(200 / 3 * (1 / 3 + 0 + 2 / 10))  # 0/0 counts 0
    assert e["mase"] == pytest.approx(0.5)


# -- scale-out -----------------------------------------------------------------------------------------------
def _quick(**params):
    return Forecaster(**{"lookback": 6, "horizon": 2, "hidden_size": 4, "max_epochs": 1, "random_state": 0,
                         "model": "direct", **params})


def _y():
    return pd.Series(np.arange(30.0), index=pd.date_range("2024-01-01", periods=30, freq="D"), name="y")


@pytest.mark.parametrize("params, match", [
    ({"devices": 0}, "devices must be an integer >= 1 or 'auto'"),
    ({"num_nodes": 0}, "num_nodes must be an integer >= 1"),
    ({"strategy": "spread"}, "strategy must be one of"),
    ({"devices": 2, "random_state": None}, "set random_state to an int"),
])
def test_scale_out_parameters_are_checked(params, match):
    with pytest.raises(ValueError, match=match):
        _quick(**params).fit(_y())


def test_scale_out_reaches_seeded_fit_and_stays_out_of_the_resume_identity(monkeypatch):
    seen = {}

    def identity(params, seed, *data):
        seen["identity"] = params
        return {"params": {}, "seed": seed, "data_sha256": ""}

    def fit(build, train, val=None, **kwargs):
        seen["scale"] = kwargs["scale"]
        raise ValueError("stop here")

    monkeypatch.setattr(forecaster_module, "run_identity", identity)
    monkeypatch.setattr(forecaster_module, "seeded_fit", fit)
    with pytest.raises(ValueError, match="stop here"):
        _quick(devices=3, num_nodes=2, strategy="ddp").fit(_y())
    assert (seen["scale"].devices, seen["scale"].num_nodes, seen["scale"].strategy) == (3, 2, "ddp")
    assert not {"devices", "num_nodes", "strategy"} & set(seen["identity"])
    assert seen["identity"]["lookback"] == 6
